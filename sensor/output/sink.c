/* SPDX-License-Identifier: BSD-3-Clause */
/* File and stdout sinks, syslog framing. CEF and LEEF 2.0 are rendered in
 * cef.c; the syslog transport and its spool are in syslog.c. */
#include "output/sink.h"
#include "output/sink_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- syslog framing -------------------------------------------------------------- */

/* structured data being built: what does not fit is left out (the
 * SD-ID is 32 bytes at most, the sensor id 63: it always fits) */
struct out_sd {
	char *p;
	size_t n, cap;
};

static void sd_put(struct out_sd *o, const char *s, size_t n)
{
	if (o->n + n < o->cap) {
		memcpy(o->p + o->n, s, n);
		o->n += n;
	}
}

/* a PARAM-VALUE: '"', '\\' and ']' escaped (RFC 5424 6.3.3) */
static void sd_param(struct out_sd *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == ']')
			sd_put(o, "\\", 1);
		sd_put(o, s, 1);
	}
}

int sink_sd_id_check(const char *id, char *why, size_t whylen)
{
	size_t n = strlen(id);
	const char *at = strchr(id, '@');
	if (n == 0 || n > 32) {
		snprintf(why, whylen, "an SD-ID is 1 to 32 characters (RFC 5424 6.3.2)");
		return -1;
	}
	for (const char *p = id; *p; p++) {
		if (*p <= 32 || *p >= 127 || *p == '=' || *p == ']' || *p == '"') {
			snprintf(why, whylen, "an SD-ID is printable ASCII without space, '=', ']' or '\"' "
					      "(RFC 5424 6.3.2)");
			return -1;
		}
	}
	if (!at) {
		snprintf(why, whylen, "an SD-ID without '@' is reserved for ids registered with IANA "
				      "(RFC 5424 7): use NAME@ENTERPRISE-NUMBER");
		return -1;
	}
	if (at == id || strchr(at + 1, '@')) {
		snprintf(why, whylen, "expected NAME@ENTERPRISE-NUMBER, with one '@' (RFC 5424 6.3.2)");
		return -1;
	}
	/* the private enterprise number: digits, maybe followed by .digits
	 * (RFC 5424 7.2.2), no leading zeros, not zero */
	const char *p = at + 1;
	bool first = true;
	for (;;) {
		const char *s = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == s || (*s == '0' && p - s > 1) || (first && *s == '0')) {
			snprintf(why, whylen, "after '@' comes a private enterprise number assigned by IANA "
					      "(digits, maybe followed by .digits; RFC 5424 7.2.2)");
			return -1;
		}
		if (first && p - s == 5 && strncmp(s, "32473", 5) == 0 && (*p == 0 || *p == '.')) {
			snprintf(why, whylen, "32473 is the enterprise number reserved for documentation "
					      "(RFC 5612), not for use on a network: use your organisation's");
			return -1;
		}
		first = false;
		if (*p == 0)
			return 0;
		if (*p != '.') {
			snprintf(why, whylen, "after '@' comes a private enterprise number assigned by IANA "
					      "(digits, maybe followed by .digits; RFC 5424 7.2.2)");
			return -1;
		}
		p++;
	}
}

/* syslog severity from the alert's: 1 -> crit(2), 2 -> err(3), 3 -> warning(4),
 * 4 -> notice(5); other records informational(6) */
static int sys_sev(uint8_t s)
{
	return s >= 1 && s <= 4 ? s + 1 : 6;
}

size_t sink_syslog_frame(const struct syslog_config *c, const char *hostname, int pid,
			 const struct sink_rec *r, const char *msg, size_t msg_len, char *outb,
			 size_t cap)
{
	int pri = c->facility * 8 + sys_sev(r->severity);
	time_t t = (time_t)(r->ts_us / 1000000u);
	struct tm tm;
	gmtime_r(&t, &tm);
	int n;
	const char *et = r->event_type && *r->event_type ? r->event_type : "-";
	if (c->rfc3164) {
		static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
						   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
		n = snprintf(outb, cap, "<%d>%s %2d %02d:%02d:%02d %s vigil[%d]: ", pri, mon[tm.tm_mon],
			     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, hostname, pid);
	} else {
		/* structured data only with a configured SD-ID (see sink.h) */
		char sd[300] = "-";
		if (c->sd_id[0]) {
			struct out_sd o = { sd, 0, sizeof(sd) };
			sd_put(&o, "[", 1);
			sd_put(&o, c->sd_id, strlen(c->sd_id));
			if (r->seq) {
				char num[32];
				int k = snprintf(num, sizeof(num), " seq=\"%llu\"", (unsigned long long)r->seq);
				sd_put(&o, num, (size_t)k);
			}
			sd_put(&o, " sensor=\"", 9);
			sd_param(&o, c->sensor_id[0] ? c->sensor_id : hostname);
			sd_put(&o, "\"]", 2);
			sd[o.n] = 0;
		}
		n = snprintf(outb, cap, "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06uZ %s vigil %d %.32s %s ", pri,
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			     (unsigned)(r->ts_us % 1000000u), hostname, pid, et, sd);
	}
	if (n < 0 || (size_t)n + msg_len + 1 > cap)
		return 0;
	memcpy(outb + n, msg, msg_len);
	outb[(size_t)n + msg_len] = 0;
	return (size_t)n + msg_len;
}

/* ---- file and stdout ---------------------------------------------------------------- */

/* Records are gathered in a buffer of this size and reach the file in one
 * write(2) when it is full, or whenever the output stage runs out of
 * records (file_flush), so it delays nothing. Our own buffer rather than
 * stdio's: a record is copied into it once, with its newline, without the
 * stream's locking per call (fwrite and fputc were a twentieth of the
 * output thread under an alert storm). */
#define FILE_BUF (1u << 20)

struct file_sink {
	struct sink base;
	struct file_sink_config c;
	int fd;            /* -1: not open */
	bool is_stdout;
	uint64_t size;     /* the file's, counting what is buffered */
	char *buf;         /* CEF / LEEF rendering (sink_render_cap of the largest record) */
	size_t cap;
	char *out;         /* records waiting for write(2) */
	size_t used;
	uint64_t pending;  /* records in out */
};

/* all of p, through short writes and signals; false with errno set */
static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (k == 0) {
			errno = EIO;
			return false;
		}
		p += k;
		n -= (size_t)k;
	}
	return true;
}

static int file_open_(struct file_sink *s, char *err, size_t errlen)
{
	s->fd = open(s->c.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (s->fd < 0) {
		if (err)
			snprintf(err, errlen, "%s: %s", s->c.path, strerror(errno));
		return -1;
	}
	struct stat sb;
	s->size = fstat(s->fd, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	/* a file whose last line has no end was cut by a crash in the middle
	 * of a write: that line is ended here, so that the next record (the
	 * restart record, when records are signed) starts a line of its own */
	char last;
	if (s->size && pread(s->fd, &last, 1, (off_t)s->size - 1) == 1 && last != '\n' &&
	    write_all(s->fd, "\n", 1))
		s->size++;
	return 0;
}

static void write_failed(struct file_sink *s)
{
	if (!s->base.failed)
		fprintf(stderr, "vigil: %s: write failed: %s\n", s->base.name, strerror(errno));
	s->base.failed = true;
}

/* The buffered records to the file. Records a failed write loses are
 * counted (dropped; one that fails part way may leave the first of them in
 * the file, the last cut short, which `vigil verify` flags); the
 * sink goes on with the next ones. */
static bool file_drain(struct file_sink *s)
{
	if (!s->used)
		return true;
	bool ok = s->fd >= 0 && write_all(s->fd, s->out, s->used);
	if (!ok) {
		if (s->fd < 0)
			errno = EBADF;
		write_failed(s);
		s->base.st.dropped += s->pending;
	}
	s->used = 0;
	s->pending = 0;
	return ok;
}

static void file_rotate(struct file_sink *s)
{
	file_drain(s);
	close(s->fd);
	s->fd = -1;
	char a[4200], b[4200];
	for (uint32_t i = s->c.rotate_keep; i >= 1; i--) {
		snprintf(a, sizeof(a), "%s.%u", s->c.path, i);
		if (i == s->c.rotate_keep) {
			unlink(a);
			continue;
		}
		snprintf(b, sizeof(b), "%s.%u", s->c.path, i + 1);
		rename(a, b);
	}
	snprintf(a, sizeof(a), "%s.1", s->c.path);
	rename(s->c.path, a);
	file_open_(s, NULL, 0);
}

static int file_write(struct sink *b, const struct sink_rec *r)
{
	struct file_sink *s = (struct file_sink *)b;
	if (s->fd < 0) {
		b->st.dropped++;
		return -1;
	}
	const char *p = r->line;
	size_t n = r->len;
	if (b->format != SINK_EVE) {
		size_t need = sink_render_cap(r->len);
		if (s->cap < need) { /* grows to the largest record's need, once */
			char *nb = realloc(s->buf, need);
			if (!nb) {
				b->st.dropped++;
				return -1;
			}
			s->buf = nb;
			s->cap = need;
		}
		n = sink_render(b->format, r->line, r->len, s->buf, s->cap);
		p = s->buf;
		if (!n) {
			b->st.dropped++;
			return -1;
		}
	}
	if (s->used + n + 1 > FILE_BUF)
		file_drain(s); /* a failure is counted; this record still gets its chance */
	if (n + 1 > FILE_BUF) { /* larger than the buffer: on its own */
		if (!write_all(s->fd, p, n) || !write_all(s->fd, "\n", 1)) {
			write_failed(s);
			b->st.dropped++;
			return -1;
		}
	} else {
		memcpy(s->out + s->used, p, n);
		s->out[s->used + n] = '\n';
		s->used += n + 1;
		s->pending++;
	}
	s->size += n + 1;
	b->st.written++;
	if (s->c.rotate_bytes && s->size >= s->c.rotate_bytes && !s->is_stdout)
		file_rotate(s);
	return 0;
}

static void file_flush(struct sink *b)
{
	file_drain((struct file_sink *)b);
}

static void file_reopen(struct sink *b)
{
	struct file_sink *s = (struct file_sink *)b;
	if (s->is_stdout)
		return;
	file_drain(s);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (file_open_(s, NULL, 0) < 0)
		fprintf(stderr, "vigil: %s: cannot reopen: %s\n", s->c.path, strerror(errno));
}

static int file_close(struct sink *b)
{
	struct file_sink *s = (struct file_sink *)b;
	file_drain(s);
	int rc = b->failed ? -1 : 0;
	if (s->fd >= 0 && !s->is_stdout && close(s->fd) != 0)
		rc = -1;
	free(s->buf);
	free(s->out);
	free(s);
	return rc;
}

static const struct sink_ops file_ops = { file_write, file_flush, file_reopen, file_close, NULL };

static struct file_sink *file_sink_new(enum sink_format fmt)
{
	struct file_sink *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->fd = -1;
	s->base.ops = &file_ops;
	s->base.format = fmt;
	s->cap = sink_render_cap(4096);
	s->buf = malloc(s->cap);
	s->out = malloc(FILE_BUF);
	if (!s->buf || !s->out) {
		free(s->buf);
		free(s->out);
		free(s);
		return NULL;
	}
	return s;
}

struct sink *sink_file_open(const struct file_sink_config *c, char *err, size_t errlen)
{
	struct file_sink *s = file_sink_new(c->format);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->c = *c;
	if (s->c.rotate_bytes && !s->c.rotate_keep)
		s->c.rotate_keep = 5;
	snprintf(s->base.name, sizeof(s->base.name), "file %.280s", c->path);
	if (file_open_(s, err, errlen) < 0) {
		file_close(&s->base);
		return NULL;
	}
	return &s->base;
}

struct sink *sink_stdout_open(enum sink_format fmt)
{
	struct file_sink *s = file_sink_new(fmt);
	if (!s)
		return NULL;
	snprintf(s->base.name, sizeof(s->base.name), "stdout");
	s->is_stdout = true;
	fflush(stdout); /* whatever stdio holds goes first */
	s->fd = STDOUT_FILENO;
	return &s->base;
}

/* ---- dispatch --------------------------------------------------------------------- */

int sink_write(struct sink *s, const struct sink_rec *r)
{
	return s->ops->write(s, r);
}

void sink_flush(struct sink *s)
{
	if (s->ops->flush)
		s->ops->flush(s);
}

void sink_reopen(struct sink *s)
{
	if (s->ops->reopen)
		s->ops->reopen(s);
}

int sink_close(struct sink *s)
{
	return s ? s->ops->close(s) : 0;
}

const char *sink_name(const struct sink *s)
{
	return s->name;
}

void sink_get_stats(struct sink *s, struct sink_stats *st)
{
	if (s->ops->stats)
		s->ops->stats(s, st);
	else
		*st = s->st;
}
