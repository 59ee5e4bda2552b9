/* SPDX-License-Identifier: BSD-3-Clause */
/* File and stdout sinks, CEF / LEEF 2.0 rendering, syslog framing. The
 * syslog transport and its spool are in syslog.c. */
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

/* ---- a few fields out of the EVE line (for CEF, LEEF and syslog) --------- */

/* Skips one JSON value starting at p (< end); returns the byte after it. */
static const char *skip_value(const char *p, const char *end)
{
	if (p >= end)
		return end;
	if (*p == '"') {
		for (p++; p < end; p++) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				return p + 1;
		}
		return end;
	}
	if (*p == '{' || *p == '[') {
		int depth = 0;
		for (; p < end; p++) {
			if (*p == '"') {
				p = skip_value(p, end) - 1;
			} else if (*p == '{' || *p == '[') {
				depth++;
			} else if (*p == '}' || *p == ']') {
				if (--depth == 0)
					return p + 1;
			}
		}
		return end;
	}
	while (p < end && *p != ',' && *p != '}' && *p != ']')
		p++;
	return p;
}

/* The value of a member at path "a" or "a.b" of the object [p, end): a
 * string (unescaped into out) or a scalar (as written). 0 if absent. */
static size_t json_get(const char *p, const char *end, const char *path, char *out, size_t cap)
{
	const char *dot = strchr(path, '.');
	size_t kl = dot ? (size_t)(dot - path) : strlen(path);
	if (p >= end || *p != '{')
		return 0;
	p++;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		if (p >= end || *p != '"')
			return 0;
		const char *k = p + 1;
		const char *ke = skip_value(p, end) - 1;
		p = ke + 1;
		if (p >= end || *p != ':')
			return 0;
		p++;
		const char *v = p;
		const char *ve = skip_value(p, end);
		if ((size_t)(ke - k) == kl && memcmp(k, path, kl) == 0) {
			if (dot)
				return json_get(v, ve, dot + 1, out, cap);
			size_t n = 0;
			if (*v == '"') {
				for (const char *s = v + 1; s < ve - 1 && n + 1 < cap; s++) {
					char c = *s;
					if (c == '\\' && s + 1 < ve - 1) {
						c = *++s;
						c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
					}
					out[n++] = c;
				}
			} else {
				for (const char *s = v; s < ve && n + 1 < cap; s++)
					out[n++] = *s;
			}
			out[n] = 0;
			return n ? n : (size_t)1;
		}
		p = ve;
	}
	return 0;
}

struct fields {
	char event_type[64], src[64], dst[64], sport[8], dport[8], proto[16], app[32];
	char sid[16], sig[512], cat[128], sev[4], seq[24], ts[40];
};

static void get_fields(const struct sink_rec *r, struct fields *f)
{
	memset(f, 0, sizeof(*f));
	const char *p = r->line, *e = r->line + r->len;
	json_get(p, e, "event_type", f->event_type, sizeof(f->event_type));
	json_get(p, e, "src_ip", f->src, sizeof(f->src));
	json_get(p, e, "dest_ip", f->dst, sizeof(f->dst));
	json_get(p, e, "src_port", f->sport, sizeof(f->sport));
	json_get(p, e, "dest_port", f->dport, sizeof(f->dport));
	json_get(p, e, "proto", f->proto, sizeof(f->proto));
	json_get(p, e, "app_proto", f->app, sizeof(f->app));
	json_get(p, e, "alert.signature_id", f->sid, sizeof(f->sid));
	json_get(p, e, "alert.signature", f->sig, sizeof(f->sig));
	json_get(p, e, "alert.category", f->cat, sizeof(f->cat));
	json_get(p, e, "alert.severity", f->sev, sizeof(f->sev));
	json_get(p, e, "seq", f->seq, sizeof(f->seq));
	json_get(p, e, "timestamp", f->ts, sizeof(f->ts));
}

/* ---- CEF and LEEF ---------------------------------------------------------------- */

struct out {
	char *p;
	size_t n, cap;
	bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->n + n >= o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
	o->p[o->n] = 0;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* CEF header field: \ and | escaped */
static void cef_hdr(struct out *o, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '|')
			put(o, "\\", 1);
		if (*s == '\n' || *s == '\r')
			put(o, " ", 1);
		else
			put(o, s, 1);
	}
}

/* An extension value: \ and the special character (= for CEF, the ^
 * delimiter for LEEF) escaped, newlines as \n and \r. */
static void ext_val(struct out *o, const char *s, char special)
{
	for (; *s; s++) {
		if (*s == '\n')
			puts_(o, "\\n");
		else if (*s == '\r')
			puts_(o, "\\r");
		else {
			if (*s == '\\' || *s == special)
				put(o, "\\", 1);
			put(o, s, 1);
		}
	}
}

/* key=value after the header, sep between pairs (CEF: space, LEEF: ^) */
static void ext_kv(struct out *o, const char *k, const char *v, char sep, char special)
{
	if (!v || !*v)
		return;
	if (o->n && o->p[o->n - 1] != '|')
		put(o, &sep, 1);
	puts_(o, k);
	put(o, "=", 1);
	ext_val(o, v, special);
}

static void cef_kv(struct out *o, const char *k, const char *v)
{
	ext_kv(o, k, v, ' ', '=');
}

static void leef_kv(struct out *o, const char *k, const char *v)
{
	ext_kv(o, k, v, '^', '^');
}

/* CEF severity 0..10 from the alert's 1 (high) .. 4 */
static const char *cef_sev(uint8_t s)
{
	return s == 1 ? "10" : s == 2 ? "7" : s == 3 ? "5" : s == 4 ? "3" : "1";
}

size_t sink_render(enum sink_format fmt, const struct sink_rec *r, char *outb, size_t cap)
{
	if (fmt == SINK_EVE) {
		if (r->len + 1 > cap)
			return 0;
		memcpy(outb, r->line, r->len);
		outb[r->len] = 0;
		return r->len;
	}
	struct fields f;
	get_fields(r, &f);
	struct out o = { outb, 0, cap, false };
	if (cap)
		outb[0] = 0;
	char rt[32];
	snprintf(rt, sizeof(rt), "%llu", (unsigned long long)(r->ts_us / 1000u));
	const char *et = f.event_type[0] ? f.event_type : (r->event_type ? r->event_type : "record");
	char sigid[96];
	snprintf(sigid, sizeof(sigid), "%s", f.sid[0] ? f.sid : et);
	const char *name = f.sig[0] ? f.sig : et;
	if (fmt == SINK_CEF) {
		puts_(&o, "CEF:0|Vigil|Vigil|0.1|");
		cef_hdr(&o, sigid);
		put(&o, "|", 1);
		cef_hdr(&o, name);
		put(&o, "|", 1);
		puts_(&o, cef_sev(r->severity));
		put(&o, "|", 1);
		cef_kv(&o, "rt", rt);
		cef_kv(&o, "src", f.src);
		cef_kv(&o, "spt", f.sport);
		cef_kv(&o, "dst", f.dst);
		cef_kv(&o, "dpt", f.dport);
		cef_kv(&o, "proto", f.proto);
		cef_kv(&o, "app", f.app);
		cef_kv(&o, "cat", f.cat[0] ? f.cat : et);
		cef_kv(&o, "cs1Label", "seq");
		cef_kv(&o, "cs1", f.seq);
		cef_kv(&o, "cs2Label", "event_type");
		cef_kv(&o, "cs2", et);
	} else {
		puts_(&o, "LEEF:2.0|Vigil|Vigil|0.1|");
		cef_hdr(&o, sigid);
		puts_(&o, "|^|");
		leef_kv(&o, "devTime", rt);
		leef_kv(&o, "src", f.src);
		leef_kv(&o, "srcPort", f.sport);
		leef_kv(&o, "dst", f.dst);
		leef_kv(&o, "dstPort", f.dport);
		leef_kv(&o, "proto", f.proto);
		leef_kv(&o, "sev", cef_sev(r->severity));
		leef_kv(&o, "cat", f.cat[0] ? f.cat : et);
		leef_kv(&o, "name", name);
		leef_kv(&o, "app", f.app);
		leef_kv(&o, "seq", f.seq);
	}
	return o.full ? 0 : o.n;
}

/* ---- syslog framing -------------------------------------------------------------- */

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
		char sd[160];
		if (r->seq)
			snprintf(sd, sizeof(sd), "[vigil@32473 seq=\"%llu\" sensor=\"%s\"]",
				 (unsigned long long)r->seq, c->sensor_id[0] ? c->sensor_id : hostname);
		else
			snprintf(sd, sizeof(sd), "[vigil@32473 sensor=\"%s\"]",
				 c->sensor_id[0] ? c->sensor_id : hostname);
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
	char *buf;         /* CEF / LEEF rendering */
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
		n = sink_render(b->format, r, s->buf, s->cap);
		p = s->buf;
		if (!n)
			return -1;
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
	s->cap = 1 << 16;
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
