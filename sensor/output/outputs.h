/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_OUTPUT_OUTPUTS_H
#define VIGIL_OUTPUT_OUTPUTS_H

/*
 * The output stage's end: every record (already ordered and thresholded)
 * is chained and signed when a key is configured, then handed to every
 * sink (eve.json or -o FILE|-, syslog targets). Runs in the output thread.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output/chain.h"
#include "output/sink.h"

struct outputs_config {
	const char *out_file;        /* -o: a file or "-" */
	const char *eve_path;        /* the eve.json path when no -o, or NULL for none */
	enum sink_format eve_format;
	uint64_t eve_rotate_bytes;
	uint32_t eve_rotate_keep;
	const struct syslog_config *syslog;
	size_t n_syslog;
	const struct chain_config *chain; /* NULL: records are not signed */
	volatile sig_atomic_t *reopen;    /* set by SIGHUP */
};

struct outputs;

struct outputs *outputs_open(const struct outputs_config *c, char *err, size_t errlen);
/* one record: JSON object without newline */
void outputs_write(struct outputs *o, const char *json, size_t len, const char *event_type,
		   uint8_t severity, uint64_t ts_us);
struct chain_prehash;
/* the same, with the record's hash state from the thread that made it
 * (chain_prehash; NULL: none) */
void outputs_write_pre(struct outputs *o, const char *json, size_t len, const char *event_type,
		       uint8_t severity, uint64_t ts_us, const struct chain_prehash *pre);
/* the same, where the caller's record may be changed in place: json is
 * writable up to room bytes; with room >= len + CHAIN_LINE_EXTRA a signed
 * record is sealed there instead of being copied first */
void outputs_write_room(struct outputs *o, char *json, size_t len, size_t room,
			const char *event_type, uint8_t severity, uint64_t ts_us,
			const struct chain_prehash *pre);
/* Do records get signed (so that workers should prehash them)? */
bool outputs_signed(const struct outputs *o);
/* record time passes: a signature block may be due */
void outputs_tick(struct outputs *o, uint64_t now_us);
/* What was written goes out to the sinks' files now (buffered until then). */
void outputs_flush(struct outputs *o);
/* final signature, drain, close. 0, or -1 when something was not written. */
int outputs_close(struct outputs *o);

#endif
