/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Syslog delivery: RFC 5424 (or 3164) messages over UDP (RFC 5426), TCP
 * with octet counting (RFC 6587) or TLS (RFC 5425).
 *
 * UDP is best effort: a message is sent once, failures are counted.
 *
 * TCP and TLS do not lose records. Every message is first appended to an
 * on-disk spool (segment files of one message per line, fdatasync'd in
 * batches); a sender thread sends from the spool in order. A message
 * counts as delivered only when the kernel reports the receiver has
 * acknowledged its bytes (SIOCOUTQ) and a grace period has passed (a
 * receiver that dies loses what it had not yet read); the delivered
 * position is saved in the spool's cursor file. After a broken connection
 * (or a restart of Vigil) sending resumes from the delivered position:
 * a record may then arrive twice, and its seq shows it. When the spool
 * reaches its size limit the oldest segment is dropped and counted.
 */
#include "output/chain.h"
#include "output/sink.h"
#include "output/sink_impl.h"
#include "util/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define SEG_MAX (4u << 20)        /* bytes per spool segment */
#define SYNC_EVERY 256            /* messages between fdatasyncs */
#define GRACE_US 1000000u         /* acknowledged this long ago: delivered */
#define INFLIGHT_MAX 65536
/* After a reconnect the resend starts at the delivered cursor, at most
 * INFLIGHT_MAX messages behind the furthest one sent; after a crash at the
 * cursor saved on disk, which lags the one in memory by at most as many
 * again. `vigil verify` recognises resends that far back. */
_Static_assert(2 * INFLIGHT_MAX <= CHAIN_RESEND_WINDOW, "resends reach beyond verify's window");
#define MSG_MAX (256u << 10)

struct pos {
	uint64_t seg;
	uint64_t off;
};

struct inflight {
	struct pos end;      /* spool position after the message */
	uint64_t bytes_end;  /* cumulative bytes written to the connection */
	uint64_t t_us;       /* when it was written */
};

struct syslog_sink {
	struct sink base;
	struct syslog_config c;
	char hostname[256];
	int pid;
	char *fmt_buf, *frame_buf;
	/* UDP */
	int udp_fd;
	/* spool (writer side) */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	FILE *wf;
	uint64_t wseg;           /* segment being written */
	uint64_t wbytes;         /* bytes in it */
	uint32_t unsynced;
	uint64_t spool_bytes;    /* all segments on disk */
	uint64_t oldest;         /* oldest segment on disk */
	uint64_t run_seg;        /* the first segment this run writes */
	/* sender */
	pthread_t thr;
	bool thr_started;
	bool stop;
	uint64_t stop_deadline_us;
	struct pos confirmed;    /* delivered: resume here */
	struct pos sent;         /* written to the connection up to here */
	int fd;
	SSL_CTX *ssl_ctx;
	SSL *ssl;
	uint64_t conn_bytes;     /* bytes written on this connection */
	struct inflight *ring;
	uint32_t r_head, r_n;
	uint64_t dropped_total;
};

static void seg_path(const struct syslog_sink *s, uint64_t seg, char *out, size_t cap)
{
	snprintf(out, cap, "%s/seg-%016llu.log", s->c.spool_dir, (unsigned long long)seg);
}

/* ---- the cursor file --------------------------------------------------------- */

static void cursor_save(struct syslog_sink *s, struct pos p)
{
	char path[1100], tmp[1110];
	snprintf(path, sizeof(path), "%s/cursor", s->c.spool_dir);
	snprintf(tmp, sizeof(tmp), "%s/cursor.tmp", s->c.spool_dir);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "%llu %llu\n", (unsigned long long)p.seg, (unsigned long long)p.off);
	bool ok = fflush(f) == 0 && fdatasync(fileno(f)) == 0;
	if (fclose(f) == 0 && ok)
		rename(tmp, path);
}

static struct pos cursor_load(struct syslog_sink *s)
{
	struct pos p = { 0, 0 };
	char path[1100];
	snprintf(path, sizeof(path), "%s/cursor", s->c.spool_dir);
	FILE *f = fopen(path, "r");
	if (f) {
		unsigned long long a, b;
		if (fscanf(f, "%llu %llu", &a, &b) == 2) {
			p.seg = a;
			p.off = b;
		}
		fclose(f);
	}
	return p;
}

/* ---- spool (writer side, under mu) --------------------------------------------- */

static int spool_open_seg(struct syslog_sink *s)
{
	char path[1100];
	seg_path(s, s->wseg, path, sizeof(path));
	s->wf = fopen(path, "a");
	if (!s->wf)
		return -1;
	s->wbytes = (uint64_t)ftell(s->wf);
	return 0;
}

/* drops the oldest segment (the spool is full); counts its messages */
static void spool_drop_oldest(struct syslog_sink *s)
{
	if (s->oldest >= s->wseg)
		return;
	char path[1100];
	seg_path(s, s->oldest, path, sizeof(path));
	FILE *f = fopen(path, "r");
	uint64_t lines = 0, bytes = 0;
	if (f) {
		int ch;
		uint64_t skip = s->confirmed.seg == s->oldest ? s->confirmed.off : 0;
		uint64_t off = 0;
		while ((ch = getc(f)) != EOF) {
			off++;
			if (ch == '\n' && off > skip)
				lines++;
		}
		bytes = off;
		fclose(f);
	}
	unlink(path);
	s->spool_bytes -= bytes < s->spool_bytes ? bytes : s->spool_bytes;
	s->dropped_total += lines;
	s->base.st.dropped += lines;
	s->oldest++;
	if (s->confirmed.seg < s->oldest) {
		s->confirmed = (struct pos){ s->oldest, 0 };
		if (s->sent.seg < s->oldest)
			s->sent = s->confirmed;
	}
}

/* segments are a quarter of the spool at most, so that dropping the oldest
 * keeps the spool near its limit */
static uint64_t seg_max(const struct syslog_sink *s)
{
	uint64_t q = s->c.spool_max / 4;
	return s->c.spool_max && q < SEG_MAX ? (q < 4096 ? 4096 : q) : SEG_MAX;
}

static int spool_append(struct syslog_sink *s, const char *msg, size_t n)
{
	if (s->wbytes + n + 1 > seg_max(s) && s->wbytes) {
		fflush(s->wf);
		fdatasync(fileno(s->wf));
		fclose(s->wf);
		s->wseg++;
		if (spool_open_seg(s) < 0)
			return -1;
	}
	while (s->c.spool_max && s->spool_bytes + n + 1 > s->c.spool_max && s->oldest < s->wseg)
		spool_drop_oldest(s);
	if (fwrite(msg, 1, n, s->wf) != n || fputc('\n', s->wf) == EOF || fflush(s->wf) != 0)
		return -1;
	s->wbytes += n + 1;
	s->spool_bytes += n + 1;
	if (++s->unsynced >= SYNC_EVERY) {
		fdatasync(fileno(s->wf));
		s->unsynced = 0;
	}
	return 0;
}

/* ---- connections --------------------------------------------------------------- */

static void disconnect(struct syslog_sink *s)
{
	if (s->ssl) {
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->base.st.connected = false;
}

static int tcp_connect(const struct syslog_sink *s, int socktype)
{
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = socktype;
	if (getaddrinfo(s->c.host, s->c.port, &hints, &res) != 0)
		return -1;
	int fd = -1;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		struct timeval tv = { 2, 0 };
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0 && socktype == SOCK_STREAM) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return fd;
}

static int do_connect(struct syslog_sink *s)
{
	s->fd = tcp_connect(s, SOCK_STREAM);
	if (s->fd < 0)
		return -1;
	if (s->c.transport == SINK_TLS) {
		s->ssl = SSL_new(s->ssl_ctx);
		if (!s->ssl) {
			disconnect(s);
			return -1;
		}
		const char *sn = s->c.server_name[0] ? s->c.server_name : s->c.host;
		SSL_set_tlsext_host_name(s->ssl, sn);
		if (s->c.verify)
			SSL_set1_host(s->ssl, sn);
		SSL_set_fd(s->ssl, s->fd);
		if (SSL_connect(s->ssl) != 1) {
			unsigned long e = ERR_get_error();
			char buf[256];
			ERR_error_string_n(e, buf, sizeof(buf));
			if (!s->base.failed)
				fprintf(stderr, "vigil: %s: TLS handshake failed: %s\n", s->base.name, buf);
			s->base.failed = true;
			ERR_clear_error();
			disconnect(s);
			return -1;
		}
		s->base.failed = false;
	}
	s->conn_bytes = 0;
	s->base.st.connected = true;
	return 0;
}

static int send_all(struct syslog_sink *s, const char *p, size_t n)
{
	while (n) {
		ssize_t w;
		if (s->ssl) {
			int r = SSL_write(s->ssl, p, (int)n);
			if (r <= 0)
				return -1;
			w = r;
		} else {
			w = send(s->fd, p, n, MSG_NOSIGNAL);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
		}
		p += w;
		n -= (size_t)w;
		s->conn_bytes += (uint64_t)w;
	}
	return 0;
}

/* Has the peer closed or reset the connection? (polls without blocking) */
static bool peer_gone(struct syslog_sink *s)
{
	struct pollfd pf = { s->fd, POLLIN, 0 };
	if (poll(&pf, 1, 0) <= 0)
		return false;
	if (pf.revents & (POLLERR | POLLHUP))
		return true;
	char b[256];
	ssize_t r = recv(s->fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT);
	return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Moves confirmed forward over messages the peer acknowledged long enough ago. */
static void confirm(struct syslog_sink *s, bool all_acked_ok)
{
	int outq = 0;
	if (s->fd >= 0 && ioctl(s->fd, SIOCOUTQ, &outq) != 0)
		outq = 1 << 30;
	uint64_t acked = s->conn_bytes - (uint64_t)(outq < 0 ? 0 : outq);
	uint64_t t = mono_us();
	bool moved = false;
	while (s->r_n) {
		struct inflight *e = &s->ring[s->r_head];
		if (e->bytes_end > acked || (!all_acked_ok && t - e->t_us < GRACE_US))
			break;
		pthread_mutex_lock(&s->mu);
		s->confirmed = e->end;
		pthread_mutex_unlock(&s->mu);
		s->r_head = (s->r_head + 1) % INFLIGHT_MAX;
		s->r_n--;
		moved = true;
	}
	if (moved) {
		cursor_save(s, s->confirmed);
		/* segments entirely delivered are removed */
		pthread_mutex_lock(&s->mu);
		while (s->oldest < s->confirmed.seg) {
			char path[1100];
			seg_path(s, s->oldest, path, sizeof(path));
			struct stat sb;
			if (stat(path, &sb) == 0)
				s->spool_bytes -= (uint64_t)sb.st_size < s->spool_bytes ? (uint64_t)sb.st_size
											   : s->spool_bytes;
			unlink(path);
			s->oldest++;
		}
		pthread_mutex_unlock(&s->mu);
	}
}

/* ---- the sender thread ----------------------------------------------------------- */

static void *sender(void *arg)
{
	struct syslog_sink *s = arg;
	char *line = NULL;
	size_t lcap = 0;
	char *frame = malloc(MSG_MAX + 32);
	FILE *rf = NULL;
	uint64_t rseg = UINT64_MAX;
	uint64_t backoff = 100000, next_try = 0;
	struct pos cut_at = { UINT64_MAX, 0 }; /* a line found cut once */
	for (;;) {
		pthread_mutex_lock(&s->mu);
		bool stopping = s->stop;
		uint64_t deadline = s->stop_deadline_us;
		struct pos sent = s->sent;
		uint64_t wseg = s->wseg;
		bool caught_up = sent.seg == wseg && sent.off >= s->wbytes;
		pthread_mutex_unlock(&s->mu);
		uint64_t t = mono_us();
		if (stopping && (t >= deadline || (caught_up && s->r_n == 0)))
			break;
		if (s->fd < 0) {
			if (t < next_try) {
				usleep((useconds_t)(next_try - t < 50000 ? next_try - t : 50000));
				continue;
			}
			if (do_connect(s) < 0) {
				next_try = mono_us() + backoff;
				backoff = backoff * 2 > 5000000 ? 5000000 : backoff * 2;
				continue;
			}
			backoff = 100000;
			s->base.st.reconnects++;
			/* resume from what was delivered */
			pthread_mutex_lock(&s->mu);
			s->sent = s->confirmed;
			pthread_mutex_unlock(&s->mu);
			s->r_n = 0;
			if (rf) {
				fclose(rf);
				rf = NULL;
			}
			continue;
		}
		if (peer_gone(s)) {
			disconnect(s);
			continue;
		}
		confirm(s, false);
		if (caught_up) {
			if (stopping) {
				/* at stop, wait for the acknowledgements, not the grace */
				confirm(s, true);
				usleep(20000);
				continue;
			}
			pthread_mutex_lock(&s->mu);
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&s->cv, &s->mu, &ts);
			pthread_mutex_unlock(&s->mu);
			continue;
		}
		if (s->r_n >= INFLIGHT_MAX) {
			usleep(10000);
			continue;
		}
		/* the next message from the spool */
		if (!rf || rseg != sent.seg) {
			if (rf)
				fclose(rf);
			char path[1100];
			seg_path(s, sent.seg, path, sizeof(path));
			rf = fopen(path, "r");
			rseg = sent.seg;
			if (!rf) {
				/* dropped (spool full) or never written: next segment */
				pthread_mutex_lock(&s->mu);
				if (s->sent.seg < s->wseg)
					s->sent = (struct pos){ s->sent.seg + 1, 0 };
				pthread_mutex_unlock(&s->mu);
				continue;
			}
		}
		if (fseek(rf, (long)sent.off, SEEK_SET) != 0) {
			fclose(rf);
			rf = NULL;
			continue;
		}
		ssize_t got = getline(&line, &lcap, rf);
		if (got <= 0) {
			/* end of this segment: the next one, if the writer moved on */
			pthread_mutex_lock(&s->mu);
			if (s->sent.seg < s->wseg)
				s->sent = (struct pos){ s->sent.seg + 1, 0 };
			pthread_mutex_unlock(&s->mu);
			continue;
		}
		if (line[got - 1] != '\n') {
			/* A line without its end. In a segment of an earlier run
			 * (this run never appends to those) it was cut by a crash:
			 * it is not sent, and the next segment follows. In the
			 * segment being written it is being written: wait. In
			 * one the writer has left, it was complete by then: read
			 * again, and if it is still cut (a failed write), go on. */
			pthread_mutex_lock(&s->mu);
			bool left = sent.seg < s->wseg;
			pthread_mutex_unlock(&s->mu);
			if (left && (sent.seg < s->run_seg ||
				     (cut_at.seg == sent.seg && cut_at.off == sent.off))) {
				fprintf(stderr, "vigil: %s: spool segment %llu ends in a message cut short "
						"(a crash): not sent\n",
					s->base.name, (unsigned long long)sent.seg);
				pthread_mutex_lock(&s->mu);
				s->sent = (struct pos){ sent.seg + 1, 0 };
				pthread_mutex_unlock(&s->mu);
			} else if (left) {
				cut_at = sent;
			} else {
				usleep(1000);
			}
			continue;
		}
		size_t n = (size_t)got - 1;
		if (n > MSG_MAX)
			n = MSG_MAX;
		int hl = snprintf(frame, 32, "%zu ", n);
		memcpy(frame + hl, line, n);
		if (send_all(s, frame, (size_t)hl + n) < 0) {
			disconnect(s);
			continue;
		}
		s->base.st.sent++;
		struct pos end = { sent.seg, sent.off + (uint64_t)got };
		uint32_t slot = (s->r_head + s->r_n) % INFLIGHT_MAX;
		s->ring[slot] = (struct inflight){ end, s->conn_bytes, mono_us() };
		s->r_n++;
		pthread_mutex_lock(&s->mu);
		s->sent = end;
		pthread_mutex_unlock(&s->mu);
	}
	if (s->fd >= 0)
		confirm(s, true);
	if (rf)
		fclose(rf);
	free(line);
	free(frame);
	return NULL;
}

/* ---- the sink ------------------------------------------------------------------- */

static int sys_write(struct sink *b, const struct sink_rec *r)
{
	struct syslog_sink *s = (struct syslog_sink *)b;
	const char *msg = r->line;
	size_t ml = r->len;
	if (b->format != SINK_EVE) {
		ml = sink_render(b->format, r->line, r->len, s->fmt_buf, MSG_MAX);
		msg = s->fmt_buf;
	}
	size_t n = ml ? sink_syslog_frame(&s->c, s->hostname, s->pid, r, msg, ml, s->frame_buf, MSG_MAX) : 0;
	if (!n) {
		/* larger than a message may be (MSG_MAX): lost, and counted */
		b->st.dropped++;
		return -1;
	}
	b->st.written++;
	if (s->c.transport == SINK_UDP) {
		if (send(s->udp_fd, s->frame_buf, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			b->st.dropped++;
			return -1;
		}
		b->st.sent++;
		return 0;
	}
	pthread_mutex_lock(&s->mu);
	int rc = spool_append(s, s->frame_buf, n);
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (rc < 0 && !b->failed) {
		fprintf(stderr, "vigil: %s: spool write failed: %s\n", b->name, strerror(errno));
		b->failed = true;
	}
	return rc;
}

static void sys_flush(struct sink *b)
{
	struct syslog_sink *s = (struct syslog_sink *)b;
	if (s->c.transport == SINK_UDP)
		return;
	pthread_mutex_lock(&s->mu);
	if (s->wf && s->unsynced) {
		fdatasync(fileno(s->wf));
		s->unsynced = 0;
	}
	pthread_mutex_unlock(&s->mu);
}

static void sys_stats(struct sink *b, struct sink_stats *st)
{
	struct syslog_sink *s = (struct syslog_sink *)b;
	pthread_mutex_lock(&s->mu);
	*st = b->st;
	st->spooled_bytes = s->spool_bytes;
	pthread_mutex_unlock(&s->mu);
}

static int sys_close(struct sink *b)
{
	struct syslog_sink *s = (struct syslog_sink *)b;
	int rc = b->failed ? -1 : 0;
	if (s->thr_started) {
		pthread_mutex_lock(&s->mu);
		if (s->wf) {
			fflush(s->wf);
			fdatasync(fileno(s->wf));
		}
		s->stop = true;
		s->stop_deadline_us = mono_us() + (uint64_t)(s->c.drain_ms ? s->c.drain_ms : 5000) * 1000u;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thr, NULL);
		cursor_save(s, s->confirmed);
	}
	if (s->wf)
		fclose(s->wf);
	disconnect(s);
	if (s->udp_fd >= 0)
		close(s->udp_fd);
	SSL_CTX_free(s->ssl_ctx);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->ring);
	free(s->fmt_buf);
	free(s->frame_buf);
	free(s);
	return rc;
}

static const struct sink_ops sys_ops = { sys_write, sys_flush, NULL, sys_close, sys_stats };

/* finds the segments already in the spool (a restart) */
static int spool_scan(struct syslog_sink *s, char *err, size_t errlen)
{
	if (mkdir(s->c.spool_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", s->c.spool_dir, strerror(errno));
		return -1;
	}
	DIR *d = opendir(s->c.spool_dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", s->c.spool_dir, strerror(errno));
		return -1;
	}
	uint64_t lo = UINT64_MAX, hi = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		unsigned long long n;
		if (sscanf(e->d_name, "seg-%16llu.log", &n) == 1) {
			if (n < lo)
				lo = n;
			if (n > hi)
				hi = n;
			char path[1400];
			snprintf(path, sizeof(path), "%s/%s", s->c.spool_dir, e->d_name);
			struct stat sb;
			if (stat(path, &sb) == 0)
				s->spool_bytes += (uint64_t)sb.st_size;
		}
	}
	closedir(d);
	s->confirmed = cursor_load(s);
	if (lo == UINT64_MAX) {
		s->oldest = s->wseg = s->confirmed.seg + 1;
		s->confirmed = (struct pos){ s->wseg, 0 };
	} else {
		s->oldest = lo;
		s->wseg = hi + 1; /* never append to a segment of an earlier run */
		if (s->confirmed.seg < lo)
			s->confirmed = (struct pos){ lo, 0 };
	}
	s->run_seg = s->wseg;
	s->sent = s->confirmed;
	if (spool_open_seg(s) < 0) {
		snprintf(err, errlen, "%s: %s", s->c.spool_dir, strerror(errno));
		return -1;
	}
	return 0;
}

struct sink *sink_syslog_open(const struct syslog_config *c, char *err, size_t errlen)
{
	struct syslog_sink *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->c = *c;
	s->fd = -1;
	s->udp_fd = -1;
	s->base.ops = &sys_ops;
	s->base.format = c->format;
	static const char *const tn[] = { "udp", "tcp", "tls" };
	snprintf(s->base.name, sizeof(s->base.name), "syslog %s://%.255s:%.15s", tn[c->transport],
		 c->host, c->port);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (gethostname(s->hostname, sizeof(s->hostname) - 1) != 0 || !s->hostname[0])
		snprintf(s->hostname, sizeof(s->hostname), "-");
	s->hostname[strcspn(s->hostname, " ")] = 0;
	s->pid = (int)getpid();
	s->fmt_buf = malloc(MSG_MAX);
	s->frame_buf = malloc(MSG_MAX);
	s->ring = calloc(INFLIGHT_MAX, sizeof(*s->ring));
	if (!s->fmt_buf || !s->frame_buf || !s->ring) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (c->transport == SINK_UDP) {
		s->udp_fd = tcp_connect(s, SOCK_DGRAM);
		if (s->udp_fd < 0) {
			snprintf(err, errlen, "%s: cannot resolve or reach", s->base.name);
			goto fail;
		}
		return &s->base;
	}
	if (!c->spool_dir[0]) {
		snprintf(err, errlen, "%s: a spool directory is needed (outputs.syslog.spool-dir)",
			 s->base.name);
		goto fail;
	}
	if (c->transport == SINK_TLS) {
		s->ssl_ctx = SSL_CTX_new(TLS_client_method());
		if (!s->ssl_ctx || SSL_CTX_set_min_proto_version(s->ssl_ctx, TLS1_2_VERSION) != 1) {
			snprintf(err, errlen, "%s: cannot set up TLS", s->base.name);
			goto fail;
		}
		if (c->ca_file[0] && SSL_CTX_load_verify_locations(s->ssl_ctx, c->ca_file, NULL) != 1) {
			snprintf(err, errlen, "%s: cannot load CA file %s", s->base.name, c->ca_file);
			goto fail;
		}
		if (!c->ca_file[0])
			SSL_CTX_set_default_verify_paths(s->ssl_ctx);
		if (c->cert_file[0] &&
		    (SSL_CTX_use_certificate_chain_file(s->ssl_ctx, c->cert_file) != 1 ||
		     SSL_CTX_use_PrivateKey_file(s->ssl_ctx, c->key_file[0] ? c->key_file : c->cert_file,
						 SSL_FILETYPE_PEM) != 1)) {
			snprintf(err, errlen, "%s: cannot load client certificate %s", s->base.name,
				 c->cert_file);
			goto fail;
		}
		SSL_CTX_set_verify(s->ssl_ctx, c->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	}
	if (spool_scan(s, err, errlen) < 0)
		goto fail;
	if (pthread_create(&s->thr, NULL, sender, s) != 0) {
		snprintf(err, errlen, "%s: cannot start the sender thread", s->base.name);
		goto fail;
	}
	s->thr_started = true;
	return &s->base;
fail:
	sys_close(&s->base);
	return NULL;
}
