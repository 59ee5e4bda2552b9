/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_OUTPUT_SINK_H
#define VIGIL_OUTPUT_SINK_H

/*
 * Where records go: files, stdout, syslog receivers; several at once. The
 * output thread hands every sink the same line (the chained EVE record,
 * exactly the bytes that were hashed); a sink may render it as CEF or
 * LEEF 2.0 instead, which carries that record whole (cef.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sink_format { SINK_EVE, SINK_CEF, SINK_LEEF };
enum sink_transport { SINK_UDP, SINK_TCP, SINK_TLS };

struct sink_rec {
	const char *line;       /* one JSON object, no newline */
	size_t len;
	const char *event_type;
	uint8_t severity;       /* alerts 1..4, else 0 */
	uint64_t ts_us;         /* record time */
	uint64_t seq;           /* 0 when records are not chained */
};

struct syslog_config {
	enum sink_transport transport;
	char host[256];
	char port[16];
	enum sink_format format;
	bool rfc3164;            /* old BSD framing instead of RFC 5424 */
	int facility;            /* 0..23, default 16 (local0) */
	/* TLS */
	char ca_file[1024];
	char cert_file[1024];
	char key_file[1024];
	char server_name[256];   /* default: host */
	bool verify;             /* default yes */
	/* delivery (TCP and TLS) */
	char spool_dir[1024];
	uint64_t spool_max;      /* bytes; the oldest records go first past it */
	uint32_t drain_ms;       /* at stop: how long to keep sending */
	char sensor_id[64];      /* structured data */
	/* RFC 5424 structured data: [SD_ID seq="N" sensor="ID"], written only
	 * when an SD-ID is configured ("" = none, "-" in the header). Vigil has
	 * no IANA private enterprise number, and RFC 5424 reserves SD-IDs
	 * without '@' for ids IANA registered: so there is no honest default;
	 * whoever runs the sensor may set NAME@PEN with a number assigned to
	 * them (outputs.syslog.sd-id). */
	char sd_id[33];
};

/* Checks an SD-ID (RFC 5424 6.3.2, 7.2.2): NAME@PEN, at most 32 printable
 * ASCII characters without space, = ] or "; PEN digits, maybe .digits;
 * not 32473, the number RFC 5612 reserves for documentation (the one
 * Vigil used to send). 0, or -1 with the reason. */
int sink_sd_id_check(const char *id, char *why, size_t whylen);

struct file_sink_config {
	char path[4096];
	enum sink_format format;
	uint64_t rotate_bytes;   /* 0 = no size rotation */
	uint32_t rotate_keep;    /* files kept: path.1 .. path.N */
};

struct sink;

struct sink *sink_file_open(const struct file_sink_config *c, char *err, size_t errlen);
struct sink *sink_stdout_open(enum sink_format fmt);
struct sink *sink_syslog_open(const struct syslog_config *c, char *err, size_t errlen);

/* 0, or -1 when the record could not be written or queued (counted). */
int sink_write(struct sink *s, const struct sink_rec *r);
void sink_flush(struct sink *s);
/* SIGHUP: files are reopened (logrotate). */
void sink_reopen(struct sink *s);
/* Drains what it can (syslog: up to drain_ms), then frees. 0 or -1 on a
 * write error. Accepts NULL. */
int sink_close(struct sink *s);
const char *sink_name(const struct sink *s);

/* Counters for the stats record and for delivery events. */
struct sink_stats {
	uint64_t written;        /* records accepted */
	uint64_t sent;           /* syslog: records handed to the transport */
	uint64_t dropped;        /* spool full (oldest dropped), UDP send failures, or
				  * lost to a failed write (files) */
	uint64_t reconnects;
	uint64_t spooled_bytes;  /* syslog: on disk now */
	bool connected;
};
void sink_get_stats(struct sink *s, struct sink_stats *st);

/* ---- CEF and LEEF 2.0 (cef.c: the formats, and why they carry the record) ---- */

/* Renders one EVE record (a JSON object, len bytes) as a CEF or LEEF 2.0
 * line (no newline) into out, NUL-terminated; SINK_EVE copies it. A pure
 * function of the record's bytes (verify renders a line's record again and
 * compares). Returns the length, or 0 when cap is too small:
 * sink_render_cap(len) always suffices. No allocation. */
size_t sink_render(enum sink_format fmt, const char *rec, size_t len, char *out, size_t cap);
size_t sink_render_cap(size_t len);

/* For `vigil verify`. Where a line's record begins: SINK_EVE (*off at its
 * '{'), SINK_CEF or SINK_LEEF (*off at "CEF:" / "LEEF:" of a line Vigil
 * rendered); -1: none (another product's CEF or LEEF line, or no record).
 * strict: a file of records, where the record begins the line; otherwise a
 * SIEM's file, where a syslog header may come first. */
int sink_line_find(const char *line, size_t n, bool strict, size_t *off);
/* The EVE record a CEF or LEEF message carries (its vigilRecord), decoded
 * into out (cap bytes; n bytes always suffice); its length, or -1 when the
 * message has none or it does not decode. */
long sink_line_record(enum sink_format fmt, const char *msg, size_t n, char *out, size_t cap);
/* Is the message exactly the rendering of rec (with the release named in
 * the message's version field)? scratch: sink_render_cap(len) bytes. */
bool sink_line_matches(enum sink_format fmt, const char *msg, size_t n, const char *rec, size_t len,
		       char *scratch, size_t cap);

/* The syslog frame of a message: RFC 5424 (or 3164) header + msg; no
 * transport framing. Exposed for the tests. */
size_t sink_syslog_frame(const struct syslog_config *c, const char *hostname, int pid,
			 const struct sink_rec *r, const char *msg, size_t msg_len, char *out,
			 size_t cap);

#endif
