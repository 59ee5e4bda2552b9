/* SPDX-License-Identifier: BSD-3-Clause */
#include "util/jb.h"
#include "util/blk.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jb_init(struct jb *jb, size_t max)
{
	memset(jb, 0, sizeof(*jb));
	jb->max = max;
}

void jb_reset(struct jb *jb)
{
	jb->len = 0;
	jb->err = false;
	jb->depth = 0;
	jb->need_comma[0] = false;
}

void jb_free(struct jb *jb)
{
	if (!jb)
		return;
	free(jb->buf);
	jb->buf = NULL;
	jb->len = jb->cap = 0;
}

/* room for n more bytes and the terminating NUL; the common case inline */
static inline bool jb_reserve(struct jb *jb, size_t n)
{
	if (!jb->err && jb->len + n + 1 <= jb->cap)
		return true;
	return jb_grow_(jb, n);
}

bool jb_grow_(struct jb *jb, size_t n)
{
	if (jb->err)
		return false;
	if (jb->len + n + 1 > jb->max) {
		jb->err = true;
		return false;
	}
	size_t cap = jb->cap ? jb->cap : 512;
	while (cap < jb->len + n + 1)
		cap *= 2;
	if (cap > jb->max)
		cap = jb->max;
	char *b = realloc(jb->buf, cap);
	if (!b) {
		jb->err = true;
		return false;
	}
	jb->buf = b;
	jb->cap = cap;
	return true;
}

static void put(struct jb *jb, const char *s, size_t n)
{
	if (!jb_reserve(jb, n))
		return;
	blk_copy_var(jb->buf + jb->len, s, n);
	jb->len += n;
	jb->buf[jb->len] = '\0';
}

static void putc_(struct jb *jb, char ch)
{
	put(jb, &ch, 1);
}

/* Bytes written as they are in a JSON string: printable ASCII but " and \ */
static const uint8_t plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7e] = 1,
};

size_t jb_escape(char *out, size_t cap, const void *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = src;
	size_t o = 0;
#define EMIT(ch)                              \
	do {                                  \
		if (o + 1 < cap)              \
			out[o] = (char)(ch);  \
		o++;                          \
	} while (0)
	EMIT('"');
	for (size_t i = 0; i < n; i++) {
		/* a run of plain printable ASCII is copied as it is */
		size_t r = i;
		while (r < n && plain[s[r]])
			r++;
		if (r > i) {
			size_t k = r - i, room = o + 1 < cap ? cap - o - 1 : 0;
			blk_copy_var(out + o, s + i, k < room ? k : room);
			o += k; /* like EMIT: counted even past cap */
			i = r - 1;
			continue;
		}
		uint8_t ch = s[i];
		size_t seq = 0;
		if (ch >= 0x20 && ch < 0x7f) {
			if (ch == '"' || ch == '\\')
				EMIT('\\');
			EMIT(ch);
			continue;
		}
		switch (ch) {
		case '\n': EMIT('\\'); EMIT('n'); continue;
		case '\r': EMIT('\\'); EMIT('r'); continue;
		case '\t': EMIT('\\'); EMIT('t'); continue;
		case '\b': EMIT('\\'); EMIT('b'); continue;
		case '\f': EMIT('\\'); EMIT('f'); continue;
		default: break;
		}
		/* Valid UTF-8 sequences pass through; anything else is \u00XX. */
		if (ch >= 0xc2 && ch <= 0xdf)
			seq = 2;
		else if (ch >= 0xe0 && ch <= 0xef)
			seq = 3;
		else if (ch >= 0xf0 && ch <= 0xf4)
			seq = 4;
		if (seq && i + seq <= n) {
			bool valid = true;
			for (size_t k = 1; k < seq; k++)
				if ((s[i + k] & 0xc0) != 0x80)
					valid = false;
			/* reject overlong / surrogate / out-of-range forms */
			if (valid && seq == 3 && ch == 0xe0 && s[i + 1] < 0xa0)
				valid = false;
			if (valid && seq == 3 && ch == 0xed && s[i + 1] >= 0xa0)
				valid = false;
			if (valid && seq == 4 && ch == 0xf0 && s[i + 1] < 0x90)
				valid = false;
			if (valid && seq == 4 && ch == 0xf4 && s[i + 1] >= 0x90)
				valid = false;
			if (valid) {
				for (size_t k = 0; k < seq; k++)
					EMIT(s[i + k]);
				i += seq - 1;
				continue;
			}
		}
		EMIT('\\'); EMIT('u'); EMIT('0'); EMIT('0');
		EMIT(hex[ch >> 4]); EMIT(hex[ch & 15]);
	}
	EMIT('"');
	if (cap)
		out[o < cap ? o : cap - 1] = '\0';
	return o;
#undef EMIT
}

static void put_str(struct jb *jb, const void *s, size_t n)
{
	/* worst case 6 bytes per input byte + quotes */
	if (n > (SIZE_MAX - 3) / 6 || !jb_reserve(jb, n * 6 + 3))
		return;
	size_t w = jb_escape(jb->buf + jb->len, jb->cap - jb->len, s, n);
	jb->len += w;
}

/* Writes the comma and the key, and reserves room for a value of up to
 * extra bytes after them (one reservation per member): jb_key_ (jb.h),
 * with the document's length and NUL brought up to date. Keys are
 * literals of the code, plain ASCII (jb.h): written as they are. */
static inline __attribute__((always_inline)) bool put_key_room(struct jb *jb, const char *key, size_t n,
							    size_t extra)
{
	char *o = jb_key_(jb, key, n, extra);
	if (!o)
		return false;
	jb->len = (size_t)(o - jb->buf);
	jb->buf[jb->len] = '\0';
	return true;
}

static void put_key(struct jb *jb, const char *key, size_t klen)
{
	put_key_room(jb, key, klen, 0);
}

static void open_(struct jb *jb, const char *key, size_t klen, char ch)
{
	if (jb->err)
		return;
	if (jb->depth + 1 >= JB_MAX_DEPTH) {
		jb->err = true;
		return;
	}
	if (jb->depth > 0 || jb->len > 0)
		put_key(jb, key, klen);
	putc_(jb, ch);
	jb->depth++;
	jb->need_comma[jb->depth] = false;
	jb->closer[jb->depth] = ch == '{' ? '}' : ']';
}

void jb_open_object_k(struct jb *jb, const char *key, size_t klen)
{
	open_(jb, key, klen, '{');
}

void jb_open_array_k(struct jb *jb, const char *key, size_t klen)
{
	open_(jb, key, klen, '[');
}

void jb_close(struct jb *jb)
{
	if (jb->err)
		return;
	if (jb->depth == 0) {
		jb->err = true;
		return;
	}
	char closer = jb->closer[jb->depth];
	putc_(jb, closer);
	jb->depth--;
}

void jb_set_str_k(struct jb *jb, const char *key, size_t klen, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	/* worst case 6 bytes per input byte + quotes */
	if (n > (SIZE_MAX - 3) / 6 || !put_key_room(jb, key, klen, n * 6 + 3))
		return;
	jb->len += jb_escape(jb->buf + jb->len, jb->cap - jb->len, s ? s : "", n);
}

void jb_set_ascii_k(struct jb *jb, const char *key, size_t klen, const char *s)
{
	jb_set_asciin_k(jb, key, klen, s, strlen(s));
}

void jb_set_asciin_k(struct jb *jb, const char *key, size_t klen, const char *s, size_t n)
{
	jb_set_asciin_i_(jb, key, klen, s, n);
}

void jb_set_strn_k(struct jb *jb, const char *key, size_t klen, const void *s, size_t n)
{
	put_key(jb, key, klen);
	put_str(jb, s ? s : "", s ? n : 0);
}

/* number of decimal digits of v (1 for 0): the bit length gives it to
 * within one (1233 / 4096 ~ log10 2), a comparison settles it */
static inline unsigned u64_ndigits(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
		100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
		10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
		100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL
	};
	unsigned t = ((64u - (unsigned)__builtin_clzll(v | 1)) * 1233u) >> 12;
	unsigned d = t + 1 - (v < pow10[t]);
	return d + (v == 0);
}

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
				  "25262728293031323334353637383940414243444546474849"
				  "50515253545556575859606162636465666768697071727374"
				  "75767778798081828384858687888990919293949596979899";

/* the decimal digits of v, ending just before end (u64_ndigits of them):
 * eight at a time with one 64-bit division each (a flow id has 19), the
 * rest with 32-bit arithmetic, two digits per step */
static inline void u64_put(char *end, uint64_t v)
{
	while (v >= 100000000u) {
		uint32_t c = (uint32_t)(v % 100000000u);
		v /= 100000000u;
		uint32_t hi = c / 10000, lo = c % 10000;
		memcpy(end - 2, digit_pairs + 2 * (lo % 100), 2);
		memcpy(end - 4, digit_pairs + 2 * (lo / 100), 2);
		memcpy(end - 6, digit_pairs + 2 * (hi % 100), 2);
		memcpy(end - 8, digit_pairs + 2 * (hi / 100), 2);
		end -= 8;
	}
	uint32_t w = (uint32_t)v;
	while (w >= 100) {
		uint32_t r = w % 100;
		w /= 100;
		end -= 2;
		memcpy(end, digit_pairs + 2 * r, 2);
	}
	if (w >= 10) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * w, 2);
	} else {
		*--end = (char)('0' + w);
	}
}

size_t jb_format_uint(char *out, uint64_t v)
{
	return (size_t)(jb_u64_put_(out, v) - out);
}

char *jb_u64_put_(char *o, uint64_t v)
{
	if (v < 100) { /* most members: a unit id, a function code, a count */
		if (v < 10) {
			*o = (char)('0' + v);
			return o + 1;
		}
		memcpy(o, digit_pairs + 2 * v, 2);
		return o + 2;
	}
	unsigned n = u64_ndigits(v);
	u64_put(o + n, v);
	return o + n;
}

/* any key (a variable, NULL in an array): the inline path, out of line */
void jb_set_uint_k(struct jb *jb, const char *key, size_t klen, uint64_t v)
{
	jb_set_uint_i_(jb, key, klen, v);
}

void jb_set_int_k(struct jb *jb, const char *key, size_t klen, int64_t v)
{
	char *o = jb_key_(jb, key, klen, 21);
	if (!o)
		return;
	if (v < 0)
		*o++ = '-';
	o = jb_u64_put_(o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
	*o = '\0';
	jb->len = (size_t)(o - jb->buf);
}

void jb_set_bool_k(struct jb *jb, const char *key, size_t klen, bool v)
{
	put_key(jb, key, klen);
	put(jb, v ? "true" : "false", v ? 4 : 5);
}

void jb_set_null_k(struct jb *jb, const char *key, size_t klen)
{
	put_key(jb, key, klen);
	put(jb, "null", 4);
}

static void put_double(struct jb *jb, double v, bool as_float)
{
	char tmp[40];
	if (!isfinite(v)) {
		put(jb, "null", 4);
		return;
	}
	int n = 0;
	/* the shortest digits that read back to the same value: up to FLT_DIG
	 * (6) or DBL_DIG (15) digits always do, and %g drops trailing zeros,
	 * so the search starts there */
	for (int prec = as_float ? 6 : 15; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		double back = strtod(tmp, NULL);
		if (as_float ? (float)back == (float)v : back == v)
			break;
	}
	/* %g never writes a decimal comma here: we never call setlocale
	 * with LC_NUMERIC, so the C locale is in effect. */
	put(jb, tmp, (size_t)n);
}

void jb_set_double_k(struct jb *jb, const char *key, size_t klen, double v)
{
	put_key(jb, key, klen);
	put_double(jb, v, false);
}

void jb_set_float_k(struct jb *jb, const char *key, size_t klen, float v)
{
	put_key(jb, key, klen);
	put_double(jb, (double)v, true);
}

void jb_set_hex_k(struct jb *jb, const char *key, size_t klen, const void *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *b = p;
	put_key(jb, key, klen);
	if (n > (SIZE_MAX - 3) / 2 || !jb_reserve(jb, n * 2 + 2))
		return;
	jb->buf[jb->len++] = '"';
	for (size_t i = 0; i < n; i++) {
		jb->buf[jb->len++] = hex[b[i] >> 4];
		jb->buf[jb->len++] = hex[b[i] & 15];
	}
	jb->buf[jb->len++] = '"';
	jb->buf[jb->len] = '\0';
}

void jb_set_raw_k(struct jb *jb, const char *key, size_t klen, const char *json, size_t n)
{
	put_key(jb, key, klen);
	put(jb, json, n);
}

void jb_append_raw(struct jb *jb, const char *s, size_t n)
{
	put(jb, s, n);
}

bool jb_ok(const struct jb *jb)
{
	return !jb->err && jb->depth == 0;
}
