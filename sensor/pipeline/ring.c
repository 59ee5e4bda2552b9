/* SPDX-License-Identifier: BSD-3-Clause */
#include "pipeline/ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Each message is preceded by an 8-byte header: its length, or PAD to say
 * "skip to the start of the buffer". */
#define HDR 8u
#define PAD UINT64_MAX

static inline uint64_t align8(uint64_t n)
{
	return (n + 7u) & ~(uint64_t)7u;
}

int ring_init(struct ring *r, size_t size)
{
	memset(r, 0, sizeof(*r));
	uint64_t s = 4096;
	while (s < size && s < (1ull << 40))
		s <<= 1;
	r->buf = aligned_alloc(64, s);
	if (!r->buf)
		return -ENOMEM;
	r->size = s;
	r->mask = s - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	return 0;
}

void ring_free(struct ring *r)
{
	if (!r)
		return;
	free(r->buf);
	r->buf = NULL;
}

size_t ring_max_msg(const struct ring *r)
{
	return r->size / 2 - HDR;
}

static inline void put_hdr(struct ring *r, uint64_t pos, uint64_t v)
{
	memcpy(r->buf + (pos & r->mask), &v, sizeof(v));
}

static inline uint64_t get_hdr(const struct ring *r, uint64_t pos)
{
	uint64_t v;
	memcpy(&v, r->buf + (pos & r->mask), sizeof(v));
	return v;
}

void *ring_reserve(struct ring *r, size_t len)
{
	uint64_t need = HDR + align8(len);
	if (need > r->size / 2)
		return NULL;
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t off = head & r->mask;
	uint64_t pad = 0;
	if (off + need > r->size)
		pad = r->size - off; /* wrap: skip to the start */
	if (head + pad + need - r->cached_tail > r->size) {
		r->cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (head + pad + need - r->cached_tail > r->size)
			return NULL;
	}
	if (pad) {
		put_hdr(r, head, PAD);
		/* publish the padding now so the consumer can skip it; the
		 * message itself follows at the start of the buffer */
		atomic_store_explicit(&r->head, head + pad, memory_order_release);
		head += pad;
	}
	return r->buf + ((head + HDR) & r->mask);
}

void ring_commit(struct ring *r, size_t len)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	put_hdr(r, head, (uint64_t)len);
	atomic_store_explicit(&r->head, head + HDR + align8(len), memory_order_release);
}

static inline void publish_tail(struct ring *r)
{
	atomic_store_explicit(&r->tail, r->read, memory_order_release);
	r->published = r->read;
	r->unpublished = 0;
}

const void *ring_peek(struct ring *r, size_t *len)
{
	for (;;) {
		if (r->read == r->cached_head) {
			r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
			if (r->read == r->cached_head) {
				if (r->published != r->read)
					publish_tail(r);
				return NULL;
			}
		}
		uint64_t h = get_hdr(r, r->read);
		if (h == PAD) {
			r->read += r->size - (r->read & r->mask);
			publish_tail(r);
			continue;
		}
		*len = (size_t)h;
		return r->buf + ((r->read + HDR) & r->mask);
	}
}

void ring_flush(struct ring *r)
{
	if (r->unpublished)
		publish_tail(r);
}

void ring_release(struct ring *r, size_t len)
{
	r->read += HDR + align8(len);
	if (++r->unpublished >= 16 || r->read - r->published >= r->size / 8)
		publish_tail(r);
}

size_t ring_used(struct ring *r)
{
	uint64_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
	return (size_t)(h - t);
}

bool ring_empty(struct ring *r)
{
	return ring_used(r) == 0;
}
