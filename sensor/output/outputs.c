/* SPDX-License-Identifier: BSD-3-Clause */
#include "output/outputs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/eve.h"

#define MAX_SINKS 10
#define LINE_CAP (1u << 20)
#define SIG_CAP 2048 /* >= CHAIN_SIG_MAX */

struct outputs {
	struct sink *sinks[MAX_SINKS];
	uint64_t dropped_seen[MAX_SINKS];
	int n;
	struct chain *chain;
	bool started;            /* the start signature is written */
	uint64_t last_ts;
	char *line;
	char *sig;
	volatile sig_atomic_t *reopen;
	bool in_event;
};

static void to_sinks(struct outputs *o, const char *line, size_t n, const char *et, uint8_t sev,
		     uint64_t ts)
{
	struct sink_rec r = { line, n, et, sev, ts, o->chain ? chain_seq(o->chain) : 0 };
	for (int i = 0; i < o->n; i++)
		sink_write(o->sinks[i], &r);
}

/* A block signature; then, at most once a second, a checkpoint: the sinks
 * hand what they hold to the kernel and the chain saves this signature as
 * written (so that after a crash, verify knows what must be there). */
static void signature(struct outputs *o, const char *reason, uint64_t ts)
{
	size_t n = chain_signature(o->chain, reason, ts, o->sig, SIG_CAP);
	if (n)
		to_sinks(o, o->sig, n, "signature", 0, ts);
	if (chain_checkpoint_due(o->chain)) {
		outputs_flush(o);
		chain_checkpoint(o->chain);
	}
}

/* the start of a signed stream: "start" (or "restart" after a crash), then
 * a rotation announcement; written with the first record's time so that a
 * replay is deterministic */
static void start(struct outputs *o, uint64_t ts)
{
	o->started = true;
	size_t n = chain_begin(o->chain, ts, o->sig, SIG_CAP);
	if (n)
		to_sinks(o, o->sig, n, "signature", 0, ts);
	while ((n = chain_pending(o->chain, ts, o->sig, SIG_CAP)) > 0)
		to_sinks(o, o->sig, n, "signature", 0, ts);
}

static void delivery_events(struct outputs *o, uint64_t ts);
static void write_rec(struct outputs *o, const char *json, char *mut, size_t len, size_t room,
		      const char *event_type, uint8_t severity, uint64_t ts_us,
		      const struct chain_prehash *pre);

void outputs_write(struct outputs *o, const char *json, size_t len, const char *event_type,
		   uint8_t severity, uint64_t ts_us)
{
	outputs_write_pre(o, json, len, event_type, severity, ts_us, NULL);
}

bool outputs_signed(const struct outputs *o)
{
	return o && o->chain;
}

void outputs_write_pre(struct outputs *o, const char *json, size_t len, const char *event_type,
		       uint8_t severity, uint64_t ts_us, const struct chain_prehash *pre)
{
	write_rec(o, json, NULL, len, 0, event_type, severity, ts_us, pre);
}

void outputs_write_room(struct outputs *o, char *json, size_t len, size_t room,
			const char *event_type, uint8_t severity, uint64_t ts_us,
			const struct chain_prehash *pre)
{
	write_rec(o, json, json, len, room, event_type, severity, ts_us, pre);
}

/* mut: json's own bytes, writable up to room bytes, or NULL */
static void write_rec(struct outputs *o, const char *json, char *mut, size_t len, size_t room,
		      const char *event_type, uint8_t severity, uint64_t ts_us,
		      const struct chain_prehash *pre)
{
	if (o->reopen && *o->reopen) {
		*o->reopen = 0;
		for (int i = 0; i < o->n; i++)
			sink_reopen(o->sinks[i]);
	}
	if (ts_us > o->last_ts)
		o->last_ts = ts_us;
	if (!o->chain) {
		to_sinks(o, json, len, event_type, severity, ts_us);
	} else {
		if (!o->started)
			start(o, ts_us);
		/* sealed where it lies when there is room after it (no copy) */
		bool here = mut && room >= len + CHAIN_LINE_EXTRA;
		char *line = here ? mut : o->line;
		size_t n = chain_record_pre(o->chain, json, len, ts_us, pre, line, here ? room : LINE_CAP);
		if (!n)
			return;
		to_sinks(o, line, n, event_type, severity, ts_us);
		if (chain_due(o->chain, ts_us))
			signature(o, "block", ts_us);
	}
	delivery_events(o, ts_us);
}

/* a syslog spool that had to drop its oldest records says so in a record */
static void delivery_events(struct outputs *o, uint64_t ts)
{
	if (o->in_event)
		return;
	o->in_event = true;
	for (int i = 0; i < o->n; i++) {
		struct sink_stats st;
		sink_get_stats(o->sinks[i], &st);
		if (st.dropped > o->dropped_seen[i]) {
			char ts_s[40], rec[768];
			eve_format_ts(ts_s, ts);
			int k = snprintf(rec, sizeof(rec),
					 "{\"timestamp\":\"%s\",\"event_type\":\"delivery\",\"delivery\":{\"sink\":\"%s\","
					 "\"event\":\"records_dropped\",\"dropped\":%llu,\"total_dropped\":%llu}}",
					 ts_s, sink_name(o->sinks[i]),
					 (unsigned long long)(st.dropped - o->dropped_seen[i]),
					 (unsigned long long)st.dropped);
			o->dropped_seen[i] = st.dropped;
			if (k > 0 && (size_t)k < sizeof(rec))
				outputs_write(o, rec, (size_t)k, "delivery", 0, ts);
		}
	}
	o->in_event = false;
}

void outputs_tick(struct outputs *o, uint64_t now_us)
{
	if (o->chain && o->started && chain_due(o->chain, now_us))
		signature(o, "block", now_us);
}

void outputs_flush(struct outputs *o)
{
	for (int i = 0; i < o->n; i++)
		sink_flush(o->sinks[i]);
}

struct outputs *outputs_open(const struct outputs_config *c, char *err, size_t errlen)
{
	struct outputs *o = calloc(1, sizeof(*o));
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->reopen = c->reopen;
	o->line = malloc(LINE_CAP);
	o->sig = malloc(SIG_CAP);
	if (!o->line || !o->sig) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (c->out_file && strcmp(c->out_file, "-") == 0) {
		o->sinks[o->n] = sink_stdout_open(c->eve_format);
		if (!o->sinks[o->n]) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		o->n++;
	} else if (c->out_file || c->eve_path) {
		struct file_sink_config fc;
		memset(&fc, 0, sizeof(fc));
		snprintf(fc.path, sizeof(fc.path), "%s", c->out_file ? c->out_file : c->eve_path);
		fc.format = c->eve_format;
		fc.rotate_bytes = c->eve_rotate_bytes;
		fc.rotate_keep = c->eve_rotate_keep;
		o->sinks[o->n] = sink_file_open(&fc, err, errlen);
		if (!o->sinks[o->n])
			goto fail;
		o->n++;
	}
	for (size_t i = 0; i < c->n_syslog && o->n < MAX_SINKS; i++) {
		o->sinks[o->n] = sink_syslog_open(&c->syslog[i], err, errlen);
		if (!o->sinks[o->n])
			goto fail;
		o->n++;
	}
	if (c->chain) {
		o->chain = chain_open(c->chain, err, errlen);
		if (!o->chain)
			goto fail;
	}
	return o;
fail:
	for (int i = 0; i < o->n; i++)
		sink_close(o->sinks[i]);
	free(o->line);
	free(o->sig);
	free(o);
	return NULL;
}

int outputs_close(struct outputs *o)
{
	if (!o)
		return 0;
	if (o->chain) {
		if (!o->started)
			start(o, o->last_ts);
		size_t n = chain_signature(o->chain, "stop", o->last_ts, o->sig, SIG_CAP);
		if (n)
			to_sinks(o, o->sig, n, "signature", 0, o->last_ts);
	}
	/* every record in the sinks' files before the state says "stopped" */
	outputs_flush(o);
	chain_free(o->chain);
	int rc = 0;
	for (int i = 0; i < o->n; i++) {
		if (sink_close(o->sinks[i]) < 0)
			rc = -1;
	}
	free(o->line);
	free(o->sig);
	free(o);
	return rc;
}
