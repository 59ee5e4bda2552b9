/* SPDX-License-Identifier: BSD-3-Clause */
/* Zeroing and copying of mid-sized blocks on the packet path with 16-byte
 * loads and stores. GCC's generic x86-64 tuning expands a memset or memcpy
 * of a known size above about 128 bytes into `rep stos` / `rep movs`, whose
 * start-up cost dominated decode_packet and the capture loop on AMD cores;
 * -mmemset-strategy and -mmemcpy-strategy (Makefile) do not survive
 * link-time optimisation for every function, these loops do. */
#ifndef VIGIL_UTIL_BLK_H
#define VIGIL_UTIL_BLK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static inline void blk_zero(void *dst, size_t n)
{
	uint8_t *p = dst;
	size_t i = 0;
#if defined(__SSE2__)
	__m128i z = _mm_setzero_si128();
	__asm__("" : "+x"(z)); /* opaque: the loop must not become a memset */
	for (; i + 16 <= n; i += 16)
		_mm_storeu_si128((__m128i *)(void *)(p + i), z);
#endif
	memset(p + i, 0, n - i);
}

static inline void blk_copy(void *restrict dst, const void *restrict src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	size_t i = 0;
#if defined(__SSE2__)
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__asm__("" : "+x"(v)); /* opaque: the loop must not become a memcpy */
		_mm_storeu_si128((__m128i *)(void *)(d + i), v);
	}
#endif
	memcpy(d + i, s + i, n - i);
}

#endif
