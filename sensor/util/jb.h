/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_UTIL_JB_H
#define VIGIL_UTIL_JB_H

/*
 * JSON builder: appends one JSON document to a reusable buffer.
 *
 * Every setter takes a key (a literal of the code: plain ASCII, written as
 * it is, never escaped); pass NULL for a key when appending to an array
 * (or for the top-level object). Commas are placed automatically. Strings
 * are escaped (control bytes as \u00XX, invalid UTF-8 bytes as \u00XX so the
 * output is always valid JSON). The buffer grows up to the cap given at
 * init; past it the builder sets err and ignores further writes, so a
 * hostile PDU cannot make a record grow without bound.
 *
 * Number formatting is locale-independent and identical on every host.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/blk.h"

#define JB_MAX_DEPTH 32

struct jb {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;
	bool err;
	uint8_t depth;
	bool need_comma[JB_MAX_DEPTH];
	char closer[JB_MAX_DEPTH];
};

/* Prepares an empty builder that may grow to max bytes. Cannot fail; the
 * first allocation happens on the first write. */
void jb_init(struct jb *jb, size_t max);
/* Empties the document, keeping the buffer. O(1). */
void jb_reset(struct jb *jb);
/* Frees the buffer. Accepts a builder that was never written to. */
void jb_free(struct jb *jb);

/* Every setter is a macro passing its key's length along (jb_klen_: a
 * constant for a literal key), so that no member costs a strlen; the
 * functions behind them end in _k. The key expression is evaluated twice:
 * a literal, a variable or a member, never one with side effects. */
static inline __attribute__((always_inline)) size_t jb_klen_(const char *key)
{
	return key ? __builtin_strlen(key) : 0;
}

#define jb_open_object(jb, key) jb_open_object_k((jb), (key), jb_klen_(key))
#define jb_open_array(jb, key) jb_open_array_k((jb), (key), jb_klen_(key))
#define jb_set_str(jb, key, s) jb_set_str_k((jb), (key), jb_klen_(key), (s))
#define jb_set_strn(jb, key, s, n) jb_set_strn_k((jb), (key), jb_klen_(key), (s), (n))
/* jb_set_asciin (a string of n bytes) and jb_set_uint are inline with a
 * literal key (jb_set_asciin_i_ and jb_set_uint_i_ below); jb_set_ascii
 * passes the string's length (a constant for a literal; s is evaluated once) */
#define jb_set_asciin(jb, key, s, n)                                          \
	(__builtin_constant_p(key) ? jb_set_asciin_i_((jb), (key), jb_klen_(key), (s), (n)) \
				   : jb_set_asciin_k((jb), (key), jb_klen_(key), (s), (n)))
#define jb_set_ascii(jb, key, s)                                    \
	__extension__({                                             \
		const char *jb_s_ = (s);                            \
		jb_set_asciin((jb), (key), jb_s_, __builtin_strlen(jb_s_)); \
	})
#define jb_set_uint(jb, key, v)                                                       \
	(__builtin_constant_p(key) ? jb_set_uint_i_((jb), (key), jb_klen_(key), (v)) \
				   : jb_set_uint_k((jb), (key), jb_klen_(key), (v)))
#define jb_set_int(jb, key, v) jb_set_int_k((jb), (key), jb_klen_(key), (v))
#define jb_set_bool(jb, key, v) jb_set_bool_k((jb), (key), jb_klen_(key), (v))
#define jb_set_null(jb, key) jb_set_null_k((jb), (key), jb_klen_(key))
#define jb_set_double(jb, key, v) jb_set_double_k((jb), (key), jb_klen_(key), (v))
#define jb_set_float(jb, key, v) jb_set_float_k((jb), (key), jb_klen_(key), (v))
#define jb_set_hex(jb, key, p, n) jb_set_hex_k((jb), (key), jb_klen_(key), (p), (n))
#define jb_set_raw(jb, key, json, n) jb_set_raw_k((jb), (key), jb_klen_(key), (json), (n))

void jb_open_object_k(struct jb *jb, const char *key, size_t klen);
void jb_open_array_k(struct jb *jb, const char *key, size_t klen);
/* Closes the innermost object or array. */
void jb_close(struct jb *jb);

void jb_set_str_k(struct jb *jb, const char *key, size_t klen, const char *s);
void jb_set_strn_k(struct jb *jb, const char *key, size_t klen, const void *s, size_t n);
/* Writes v in decimal at out (room for 20 digits, no NUL); the length. */
size_t jb_format_uint(char *out, uint64_t v);
/* A string the code itself made, known to need no escaping (printable
 * ASCII without '"' or '\\': a timestamp, an address, a name from a table);
 * copied as it is. Anything else goes through jb_set_str. */
void jb_set_ascii_k(struct jb *jb, const char *key, size_t klen, const char *s);
/* the same with the string's length n */
void jb_set_asciin_k(struct jb *jb, const char *key, size_t klen, const char *s, size_t n);
void jb_set_uint_k(struct jb *jb, const char *key, size_t klen, uint64_t v);
void jb_set_int_k(struct jb *jb, const char *key, size_t klen, int64_t v);
void jb_set_bool_k(struct jb *jb, const char *key, size_t klen, bool v);
void jb_set_null_k(struct jb *jb, const char *key, size_t klen);
/* Shortest decimal that reads back as the same double ("%.17g" at most);
 * NaN and infinities are written as null (JSON has no such numbers). */
void jb_set_double_k(struct jb *jb, const char *key, size_t klen, double v);
/* Same for values that are IEEE single precision on the wire. */
void jb_set_float_k(struct jb *jb, const char *key, size_t klen, float v);
/* Lower-case hex string of n bytes. */
void jb_set_hex_k(struct jb *jb, const char *key, size_t klen, const void *p, size_t n);
/* Inserts already-valid JSON text as the value. */
void jb_set_raw_k(struct jb *jb, const char *key, size_t klen, const char *json, size_t n);
/* Appends a literal without any separator logic (for framing text). */
void jb_append_raw(struct jb *jb, const char *s, size_t n);

/* ---- the two commonest members with a literal key, inline: the key's
 * length is a constant and it is copied with a few fixed moves (a member
 * through the out-of-line path cost about 90 instructions); with any
 * other key, the functions above ---- */

/* Room for n more bytes and a NUL, past the cap's check; false (err set)
 * when the document would outgrow its max. */
bool jb_grow_(struct jb *jb, size_t n);
/* v's decimal digits at o; returns the end. */
char *jb_u64_put_(char *o, uint64_t v);

/* "s" at o (n bytes, no escaping): a copy with fixed moves when n is a
 * constant; returns the end */
static inline __attribute__((always_inline)) char *jb_quoted_(char *o, const char *s, size_t n)
{
	o[0] = '"';
	if (__builtin_constant_p(n))
		__builtin_memcpy(o + 1, s, n);
	else
		blk_copy_var(o + 1, s, n);
	o[n + 1] = '"';
	return o + n + 2;
}

/* The comma and the key, with room for a value of up to extra bytes after
 * them; where the value goes, or NULL (nothing written). */
static inline __attribute__((always_inline)) char *jb_key_(struct jb *jb, const char *key,
							    const size_t klen, size_t extra)
{
	size_t need = klen + 4 + extra;
	if (jb->err || (jb->len + need + 1 > jb->cap && !jb_grow_(jb, need)))
		return NULL;
	char *o = jb->buf + jb->len;
	size_t comma = jb->need_comma[jb->depth];
	jb->need_comma[jb->depth] = true;
	o[0] = ','; /* overwritten when no comma is due */
	o += comma;
	if (key) {
		o = jb_quoted_(o, key, klen);
		*o++ = ':';
	}
	return o;
}

static inline __attribute__((always_inline)) void jb_set_uint_i_(struct jb *jb, const char *key,
								  size_t klen, uint64_t v)
{
	char *o = jb_key_(jb, key, klen, 20);
	if (!o)
		return;
	o = jb_u64_put_(o, v);
	*o = '\0';
	jb->len = (size_t)(o - jb->buf);
}

static inline __attribute__((always_inline)) void jb_set_asciin_i_(struct jb *jb, const char *key,
								    size_t klen, const char *s, size_t n)
{
	char *o = jb_key_(jb, key, klen, n + 2);
	if (!o)
		return;
	o = jb_quoted_(o, s, n);
	*o = '\0';
	jb->len = (size_t)(o - jb->buf);
}

/* True when nothing went wrong (no cap hit, all containers closed). */
bool jb_ok(const struct jb *jb);

/* Writes s escaped as a JSON string (with quotes) into out (cap bytes);
 * returns the length it needs (like snprintf). */
size_t jb_escape(char *out, size_t cap, const void *s, size_t n);

#endif
