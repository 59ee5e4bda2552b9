/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PIPELINE_RING_H
#define VIGIL_PIPELINE_RING_H

/*
 * Bounded lock-free single-producer / single-consumer ring of variable-size
 * messages (a byte ring). One producer thread calls ring_reserve/commit,
 * one consumer thread calls ring_peek/release; no locks, two atomic
 * indices (acquire/release), each on its own cache line.
 *
 * Messages are contiguous: a message that would straddle the end of the
 * buffer is preceded by a padding marker and placed at the start. Every
 * message is 8-byte aligned. Capacity is a power of two.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ring {
	/* Each side's fields on lines of their own: a line written by one
	 * side moves to the other core whenever the other side reads it. */
	_Alignas(64) _Atomic uint64_t head;   /* written by the producer */
	_Alignas(64) _Atomic uint64_t tail;   /* written by the consumer */
	_Alignas(64) uint64_t cached_tail;    /* producer's view of tail */
	uint64_t seen_used;                   /* bytes in use when the producer
					       * last read tail */
	_Alignas(64) uint64_t cached_head;    /* consumer's view of head */
	uint64_t read;                        /* consumer's position, ahead of
					       * tail by what it has not yet
					       * published */
	uint64_t published;                   /* tail as the consumer last set it */
	uint32_t unpublished;                 /* messages released since */
	_Alignas(64) uint8_t *buf;            /* fixed from ring_init on */
	uint64_t size;                        /* bytes, power of two */
	uint64_t mask;
	bool ahead;                           /* large enough to prefetch
					       * RING_AHEAD_ on */
	bool prefetchw;                       /* ahead, and the CPU has PREFETCHW */
};

/* size is rounded up to a power of two (at least 4096). 0 or -ENOMEM. */
int ring_init(struct ring *r, size_t size);
void ring_free(struct ring *r);

/* Largest message ring_reserve can ever accept. */
size_t ring_max_msg(const struct ring *r);

/* Producer: room for len bytes, or NULL when the ring is full right now.
 * The pointer is 8-byte aligned. Nothing is visible until ring_commit. */
static inline void *ring_reserve(struct ring *r, size_t len);
/* Producer: publishes the message reserved last (len as reserved). */
static inline void ring_commit(struct ring *r, size_t len);

/* Consumer: the next message and its length, or NULL when empty (having
 * then made every release visible to the producer). */
static inline const void *ring_peek(struct ring *r, size_t *len);
/* Consumer: frees the message returned by the last ring_peek. The space is
 * handed back to the producer in batches (every 16 messages, an eighth of
 * the ring, or when the ring runs empty): a tail written for every message
 * moved a cache line between the two cores for every message while the
 * producer waited on a full ring. */
static inline void ring_release(struct ring *r, size_t len);
/* Consumer: hands back what was released now (before it waits on anything). */
void ring_flush(struct ring *r);

/* Producer: was the ring more than half full when it last looked at the
 * consumer's position? It looks only when its stale view says full (once a
 * ring's worth of messages while the consumer keeps up, at every attempt
 * while it does not), so this costs nothing and tells which side is behind. */
static inline bool ring_backed_up(const struct ring *r)
{
	return r->seen_used > r->size / 2;
}

/* Either side: bytes in use right now (approximate from the other side). */
size_t ring_used(struct ring *r);
bool ring_empty(struct ring *r);

/* ---- the hot path, inline in both threads' loops ---- */

/* Each message is preceded by an 8-byte header: its length, or RING_PAD_
 * to say "skip to the start of the buffer". */
#define RING_HDR_ 8u
#define RING_PAD_ UINT64_MAX

static inline uint64_t ring_align8_(uint64_t n)
{
	return (n + 7u) & ~(uint64_t)7u;
}

static inline void ring_put_hdr_(struct ring *r, uint64_t pos, uint64_t v)
{
	memcpy(r->buf + (pos & r->mask), &v, sizeof(v));
}

static inline uint64_t ring_get_hdr_(const struct ring *r, uint64_t pos)
{
	uint64_t v;
	memcpy(&v, r->buf + (pos & r->mask), sizeof(v));
	return v;
}

static inline void *ring_reserve(struct ring *r, size_t len)
{
	uint64_t need = RING_HDR_ + ring_align8_(len);
	if (need > r->size / 2)
		return NULL;
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t off = head & r->mask;
	uint64_t pad = 0;
	if (off + need > r->size)
		pad = r->size - off; /* wrap: skip to the start */
	if (head + pad + need - r->cached_tail > r->size) {
		r->cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);
		r->seen_used = head - r->cached_tail;
		if (head + pad + need - r->cached_tail > r->size)
			return NULL;
	}
	if (pad) {
		ring_put_hdr_(r, head, RING_PAD_);
		/* publish the padding now so the consumer can skip it; the
		 * message itself follows at the start of the buffer */
		atomic_store_explicit(&r->head, head + pad, memory_order_release);
		head += pad;
	}
	return r->buf + ((head + RING_HDR_) & r->mask);
}

/* How far ahead of its writes the producer asks for the ring's lines. */
#define RING_AHEAD_ 2048u

static inline void ring_commit(struct ring *r, size_t len)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t next = head + RING_HDR_ + ring_align8_(len);
	ring_put_hdr_(r, head, (uint64_t)len);
	atomic_store_explicit(&r->head, next, memory_order_release);
	/* The lines a message as large as this one would take, a few
	 * messages on, asked for in exclusive state: the consumer wrote them
	 * last (a worker processes its packets where they lie), and the
	 * producer's stores stalled on each line's move between the cores (a
	 * third of the capture thread's samples in its loop). Only lines known
	 * to be free (released before the producer last read tail): never
	 * one the consumer is still reading. */
	uint64_t end = next + RING_AHEAD_ + len + RING_HDR_;
#if defined(__x86_64__) || defined(__i386__)
	if (r->prefetchw && end - r->cached_tail <= r->size)
		for (uint64_t a = (next + RING_AHEAD_) & ~(uint64_t)63; a < end; a += 64)
			__asm__ volatile("prefetchw %0" : : "m"(r->buf[a & r->mask]));
#else
	(void)end;
#endif
}

static inline void ring_publish_tail_(struct ring *r)
{
	atomic_store_explicit(&r->tail, r->read, memory_order_release);
	r->published = r->read;
	r->unpublished = 0;
}

static inline const void *ring_peek(struct ring *r, size_t *len)
{
	for (;;) {
		if (r->read == r->cached_head) {
			r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
			if (r->read == r->cached_head) {
				if (r->published != r->read)
					ring_publish_tail_(r);
				return NULL;
			}
		}
		uint64_t h = ring_get_hdr_(r, r->read);
		if (h == RING_PAD_) {
			r->read += r->size - (r->read & r->mask);
			ring_publish_tail_(r);
			continue;
		}
		*len = (size_t)h;
		return r->buf + ((r->read + RING_HDR_) & r->mask);
	}
}

static inline void ring_release(struct ring *r, size_t len)
{
	r->read += RING_HDR_ + ring_align8_(len);
	/* The consumer's side of the same: the lines of the messages a few
	 * on, already committed, start their way from the producer's core
	 * (reading a packet's first line was a third of a worker's loop) */
	uint64_t end = r->read + RING_AHEAD_ + len + RING_HDR_;
	if (r->ahead && end <= r->cached_head)
		for (uint64_t a = (r->read + RING_AHEAD_) & ~(uint64_t)63; a < end; a += 64)
			__builtin_prefetch(r->buf + (a & r->mask), 0, 3);
	if (++r->unpublished >= 16 || r->read - r->published >= r->size / 8)
		ring_publish_tail_(r);
}

#endif
