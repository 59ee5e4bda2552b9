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

/* A copy of a length known only at run time (a frame, a few dozen to a few
 * hundred bytes): 16-byte steps, the last one overlapping the one before,
 * never touching a byte outside either block. With a profile, GCC turns a
 * plain memcpy of a size it has seen small into a loop that copies the
 * rest byte by byte (107 instructions for a 73-byte frame). */
static inline void blk_copy_var(void *restrict dst, const void *restrict src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
#if defined(__SSE2__)
	if (n >= 16) {
		size_t i = 0;
		for (; i + 16 < n; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__asm__("" : "+x"(v)); /* opaque: the loop must not become a memcpy */
			_mm_storeu_si128((__m128i *)(void *)(d + i), v);
		}
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
		_mm_storeu_si128((__m128i *)(void *)(d + n - 16), v);
		return;
	}
#endif
	if (n >= 8) {
		uint64_t a, b;
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &b, 4);
	} else if (n) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

#endif
