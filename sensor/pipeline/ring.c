/* SPDX-License-Identifier: BSD-3-Clause */
#include "pipeline/ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* PREFETCHW (CPUID 0x80000001: ECX bit 8); elsewhere the ring does without */
static bool cpu_prefetchw(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	if (__get_cpuid(0x80000001u, &a, &b, &c, &d))
		return (c >> 8) & 1u;
#endif
	return false;
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
	r->ahead = s > 4 * RING_AHEAD_;
	r->prefetchw = r->ahead && cpu_prefetchw();
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
	return r->size / 2 - RING_HDR_;
}

void ring_flush(struct ring *r)
{
	if (r->unpublished)
		ring_publish_tail_(r);
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
