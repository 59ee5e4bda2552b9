/* SPDX-License-Identifier: BSD-3-Clause */
/* Monotonic time for deadlines and rates (not packet time). */
#ifndef VIGIL_UTIL_CLOCK_H
#define VIGIL_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

#endif
