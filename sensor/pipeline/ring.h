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

struct ring {
	/* Each side's fields on lines of their own: a line written by one
	 * side moves to the other core whenever the other side reads it. */
	_Alignas(64) _Atomic uint64_t head;   /* written by the producer */
	_Alignas(64) _Atomic uint64_t tail;   /* written by the consumer */
	_Alignas(64) uint64_t cached_tail;    /* producer's view of tail */
	_Alignas(64) uint64_t cached_head;    /* consumer's view of head */
	uint64_t read;                        /* consumer's position, ahead of
					       * tail by what it has not yet
					       * published */
	uint64_t published;                   /* tail as the consumer last set it */
	uint32_t unpublished;                 /* messages released since */
	_Alignas(64) uint8_t *buf;            /* fixed from ring_init on */
	uint64_t size;                        /* bytes, power of two */
	uint64_t mask;
};

/* size is rounded up to a power of two (at least 4096). 0 or -ENOMEM. */
int ring_init(struct ring *r, size_t size);
void ring_free(struct ring *r);

/* Largest message ring_reserve can ever accept. */
size_t ring_max_msg(const struct ring *r);

/* Producer: room for len bytes, or NULL when the ring is full right now.
 * The pointer is 8-byte aligned. Nothing is visible until ring_commit. */
void *ring_reserve(struct ring *r, size_t len);
/* Producer: publishes the message reserved last (len as reserved). */
void ring_commit(struct ring *r, size_t len);

/* Consumer: the next message and its length, or NULL when empty (having
 * then made every release visible to the producer). */
const void *ring_peek(struct ring *r, size_t *len);
/* Consumer: frees the message returned by the last ring_peek. The space is
 * handed back to the producer in batches (every 16 messages, an eighth of
 * the ring, or when the ring runs empty): a tail written for every message
 * moved a cache line between the two cores for every message while the
 * producer waited on a full ring. */
void ring_release(struct ring *r, size_t len);
/* Consumer: hands back what was released now (before it waits on anything). */
void ring_flush(struct ring *r);

/* Either side: bytes in use right now (approximate from the other side). */
size_t ring_used(struct ring *r);
bool ring_empty(struct ring *r);

#endif
