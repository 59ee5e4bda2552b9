/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_UTIL_CURSOR_H
#define VIGIL_UTIL_CURSOR_H

/*
 * Bounds-checked reader over packet and PDU bytes. Every parser reads wire
 * data through these functions and nothing else.
 *
 * Contract: a read that does not fit returns 0 (or NULL), pins p to end and
 * sets err. Once err is set every later read fails too, so a parser may read
 * a whole header and check err once. No function here can read past end.
 * All functions are O(1) except cur_bytes/cur_find, and none allocate.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t *p;
	const uint8_t *end;
	bool err;
};

static inline struct cursor cur_make(const void *buf, size_t len)
{
	/* no arithmetic on a null buffer, not even + 0 (undefined in C: UBSan
	 * reports it) */
	struct cursor c = { buf, buf ? (const uint8_t *)buf + len : NULL, false };
	return c;
}

static inline void cur_init(struct cursor *c, const void *buf, size_t len)
{
	*c = cur_make(buf, len);
}

static inline size_t cur_left(const struct cursor *c)
{
	return c->err ? 0 : (size_t)(c->end - c->p);
}

static inline bool cur_ok(const struct cursor *c)
{
	return !c->err;
}

/* Makes the cursor fail (used when a parser finds a bad field value). */
static inline void cur_fail(struct cursor *c)
{
	c->p = c->end;
	c->err = true;
}

/* True when n more bytes can be read; otherwise fails the cursor. */
static inline bool cur_need(struct cursor *c, size_t n)
{
	if (c->err || (size_t)(c->end - c->p) < n) {
		cur_fail(c);
		return false;
	}
	return true;
}

/* Unchecked big-endian reads, for a header whose length was checked once. */
static inline uint16_t rd_be16(const uint8_t *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t rd_be32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static inline uint64_t rd_be64(const uint8_t *b)
{
	return ((uint64_t)rd_be32(b) << 32) | rd_be32(b + 4);
}

static inline uint8_t cur_u8(struct cursor *c)
{
	if (!cur_need(c, 1))
		return 0;
	return *c->p++;
}

static inline uint16_t cur_be16(struct cursor *c)
{
	if (!cur_need(c, 2))
		return 0;
	uint16_t v = rd_be16(c->p);
	c->p += 2;
	return v;
}

static inline uint16_t cur_le16(struct cursor *c)
{
	if (!cur_need(c, 2))
		return 0;
	uint16_t v = (uint16_t)((c->p[1] << 8) | c->p[0]);
	c->p += 2;
	return v;
}

static inline uint32_t cur_be24(struct cursor *c)
{
	if (!cur_need(c, 3))
		return 0;
	uint32_t v = ((uint32_t)c->p[0] << 16) | ((uint32_t)c->p[1] << 8) | c->p[2];
	c->p += 3;
	return v;
}

static inline uint32_t cur_le24(struct cursor *c)
{
	if (!cur_need(c, 3))
		return 0;
	uint32_t v = ((uint32_t)c->p[2] << 16) | ((uint32_t)c->p[1] << 8) | c->p[0];
	c->p += 3;
	return v;
}

static inline uint32_t cur_be32(struct cursor *c)
{
	if (!cur_need(c, 4))
		return 0;
	uint32_t v = rd_be32(c->p);
	c->p += 4;
	return v;
}

static inline uint32_t cur_le32(struct cursor *c)
{
	if (!cur_need(c, 4))
		return 0;
	uint32_t v = ((uint32_t)c->p[3] << 24) | ((uint32_t)c->p[2] << 16) |
		     ((uint32_t)c->p[1] << 8) | c->p[0];
	c->p += 4;
	return v;
}

static inline uint64_t cur_be64(struct cursor *c)
{
	uint64_t hi = cur_be32(c);
	return (hi << 32) | cur_be32(c);
}

static inline uint64_t cur_le64(struct cursor *c)
{
	uint64_t lo = cur_le32(c);
	return lo | ((uint64_t)cur_le32(c) << 32);
}

/* IEEE 754 values from their wire bytes, independent of host byte order. */
static inline float cur_le_float(struct cursor *c)
{
	uint32_t u = cur_le32(c);
	float f;
	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline float cur_be_float(struct cursor *c)
{
	uint32_t u = cur_be32(c);
	float f;
	memcpy(&f, &u, sizeof(f));
	return f;
}

static inline double cur_le_double(struct cursor *c)
{
	uint64_t u = cur_le64(c);
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}

static inline double cur_be_double(struct cursor *c)
{
	uint64_t u = cur_be64(c);
	double d;
	memcpy(&d, &u, sizeof(d));
	return d;
}

/* Copies n bytes into dst (dst untouched on failure). */
static inline bool cur_bytes(struct cursor *c, void *dst, size_t n)
{
	if (!cur_need(c, n))
		return false;
	if (n)
		memcpy(dst, c->p, n);
	c->p += n;
	return true;
}

/* Returns a pointer to the next n bytes and consumes them, or NULL. The
 * pointer stays valid as long as the underlying buffer does. */
static inline const uint8_t *cur_ptr(struct cursor *c, size_t n)
{
	if (!cur_need(c, n))
		return NULL;
	const uint8_t *q = c->p;
	c->p += n;
	return q;
}

static inline bool cur_skip(struct cursor *c, size_t n)
{
	if (!cur_need(c, n))
		return false;
	c->p += n;
	return true;
}

/* A cursor over the next n bytes; the parent skips them. On a short parent
 * both cursors fail. */
static inline struct cursor cur_sub(struct cursor *c, size_t n)
{
	struct cursor s = { NULL, NULL, true };
	const uint8_t *q = cur_ptr(c, n);
	if (q) {
		s.p = q;
		s.end = q + n;
		s.err = false;
	}
	return s;
}

/* Reads without consuming: the byte at offset off from p, or -1. */
static inline int cur_peek_u8(const struct cursor *c, size_t off)
{
	if (c->err || (size_t)(c->end - c->p) <= off)
		return -1;
	return c->p[off];
}

/* Reads without consuming: a big-endian u16 at off, or -1. */
static inline int32_t cur_peek_be16(const struct cursor *c, size_t off)
{
	if (c->err || (size_t)(c->end - c->p) < off + 2 || off + 2 < off)
		return -1;
	return (int32_t)((c->p[off] << 8) | c->p[off + 1]);
}

/* Reads without consuming: a little-endian u16 at off, or -1. */
static inline int32_t cur_peek_le16(const struct cursor *c, size_t off)
{
	if (c->err || (size_t)(c->end - c->p) < off + 2 || off + 2 < off)
		return -1;
	return (int32_t)((c->p[off + 1] << 8) | c->p[off]);
}

/* Offset of the first byte equal to b at or after p, or -1. O(n). */
static inline long cur_find(const struct cursor *c, uint8_t b)
{
	if (c->err || c->p == c->end)
		return -1;
	const uint8_t *q = memchr(c->p, b, (size_t)(c->end - c->p));
	return q ? (long)(q - c->p) : -1;
}

#endif
