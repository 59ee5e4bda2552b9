/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_UTIL_CIVIL_H
#define VIGIL_UTIL_CIVIL_H

/*
 * UTC dates and times as text without gmtime or printf (a few dozen
 * instructions instead of a few thousand): record timestamps, and times
 * carried in industrial PDUs.
 */

#include <stdint.h>

/* v in exactly width decimal digits (leading zeros; higher digits dropped). */
static inline char *civil_put_digits(char *o, unsigned v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + width;
}

/* "YYYY-MM-DDTHH:MM:SS" (NUL-terminated) of seconds since the epoch. The
 * civil date from the day number (H. Hinnant's days_from_civil inverse).
 * Years past 9999 are written with their low four digits. */
static inline void civil_format_sec(char out[20], uint64_t sec)
{
	uint64_t days = sec / 86400u;
	unsigned sod = (unsigned)(sec % 86400u);
	uint64_t z = days + 719468u;
	uint64_t era = z / 146097u;
	unsigned doe = (unsigned)(z - era * 146097u);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t y = yoe + era * 400u;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	char *o = civil_put_digits(out, (unsigned)(y % 10000u), 4);
	*o++ = '-';
	o = civil_put_digits(o, m, 2);
	*o++ = '-';
	o = civil_put_digits(o, d, 2);
	*o++ = 'T';
	o = civil_put_digits(o, sod / 3600, 2);
	*o++ = ':';
	o = civil_put_digits(o, sod / 60 % 60, 2);
	*o++ = ':';
	o = civil_put_digits(o, sod % 60, 2);
	*o = '\0';
}

/* "YYYY-MM-DDTHH:MM:SS.mmm" (NUL-terminated) of milliseconds since the epoch. */
static inline void civil_format_ms(char out[24], uint64_t ms)
{
	civil_format_sec(out, ms / 1000u);
	out[19] = '.';
	civil_put_digits(out + 20, (unsigned)(ms % 1000u), 3);
	out[23] = '\0';
}

#endif
