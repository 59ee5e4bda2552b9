/* SPDX-License-Identifier: BSD-3-Clause */
/* CEF and LEEF 2.0 (sensor/output/cef.c). The input as an EVE record,
 * rendered in both formats, each line checked for the escaping invariants
 * and read back (the record out of it, its rendering again); then the input
 * as a line a SIEM received, through what `vigil verify` does with it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "output/sink.h"

#define CHECK(x)                           \
	do {                               \
		if (!(x))                  \
			__builtin_trap();  \
	} while (0)

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.';
}

/* the invariants of a rendered line l (n bytes) of the record d (size) */
static void check(enum sink_format fmt, const char *l, size_t n, const uint8_t *d, size_t size,
		  char *scratch, size_t cap)
{
	CHECK(l[n] == 0);
	const char *vr = NULL;
	/* the record is the last member: its key after the last separator */
	for (size_t i = n; i-- > 0;) {
		if ((l[i] == ' ' || l[i] == '^' || l[i] == '|') && n - i > 12 &&
		    memcmp(l + i + 1, "vigilRecord=", 12) == 0) {
			vr = l + i + 1;
			break;
		}
	}
	CHECK(vr);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)l[i];
		CHECK(c != '\n' && c != '\r');                   /* no raw line end */
		if (l + i < vr)
			CHECK(c >= 0x20 && c != 0x7f);           /* no control character in a field */
	}
	size_t i = 0;
	if (fmt == SINK_CEF) {
		/* seven header fields: only \\ and \| escapes, no bare | inside */
		int pipes = 0;
		for (; i < n && pipes < 7; i++) {
			if (l[i] == '\\') {
				CHECK(l[i + 1] == '\\' || l[i + 1] == '|');
				i++;
			} else if (l[i] == '|') {
				pipes++;
			}
		}
		CHECK(pipes == 7);
		/* the extension: only \\ \= \n \r; every bare '=' ends a key of
		 * [A-Za-z0-9_.] that follows a bare space */
		size_t ks = i;
		for (; i < n; i++) {
			if (l[i] == '\\') {
				CHECK(i + 1 < n && strchr("\\=nr", l[i + 1]));
				i++;
			} else if (l[i] == ' ') {
				ks = i + 1;
			} else if (l[i] == '=') {
				CHECK(i > ks);
				for (size_t k = ks; k < i; k++)
					CHECK(key_char(l[k]));
				ks = n;
			}
		}
	} else {
		/* six header fields, the delimiter ^; then key=value between ^ */
		int pipes = 0;
		for (; i < n && pipes < 6; i++)
			pipes += l[i] == '|';
		CHECK(pipes == 6 && memcmp(l + i - 3, "|^|", 3) == 0);
		while (i < n) {
			const char *e = memchr(l + i, '^', n - i);
			size_t an = e ? (size_t)(e - l) - i : n - i;
			const char *eq = memchr(l + i, '=', an);
			CHECK(eq && eq > l + i);
			for (const char *k = l + i; k < eq; k++)
				CHECK(key_char(*k));
			i += an + 1;
		}
	}
	size_t off;
	CHECK(sink_line_find(l, n, true, &off) == (int)fmt && off == 0);
	CHECK(sink_line_find(l, n, false, &off) == (int)fmt && off == 0);
	/* the record back, byte for byte, and the line is its rendering */
	char *back = malloc(size + 1);
	CHECK(back);
	CHECK(sink_line_record(fmt, l, n, back, size + 1) == (long)size);
	CHECK(memcmp(back, d, size) == 0);
	free(back);
	CHECK(sink_line_matches(fmt, l, n, (const char *)d, size, scratch, cap));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	/* once, for the largest input */
	static char *out, *scratch;
	size_t cap = sink_render_cap(1u << 20);
	if (!out) {
		out = malloc(cap);
		scratch = malloc(cap);
		CHECK(out && scratch);
	}
	for (int f = SINK_CEF; f <= SINK_LEEF; f++) {
		size_t n = sink_render((enum sink_format)f, (const char *)data, size, out, cap);
		CHECK(n > 0); /* sink_render_cap always suffices */
		check((enum sink_format)f, out, n, data, size, scratch, cap);
	}
	/* the input as a received line: whatever verify finds in it, a record
	 * that reads back and matches must render to exactly that line */
	size_t off;
	int fmt = sink_line_find((const char *)data, size, false, &off);
	if (fmt == SINK_CEF || fmt == SINK_LEEF) {
		const char *m = (const char *)data + off;
		size_t mn = size - off;
		char *rec = malloc(mn + 1);
		CHECK(rec);
		long len = sink_line_record((enum sink_format)fmt, m, mn, rec, mn + 1);
		CHECK(len <= (long)mn);
		if (len >= 0 && sink_line_matches((enum sink_format)fmt, m, mn, rec, (size_t)len, scratch, cap))
			CHECK(memcmp(scratch, m, mn) == 0 && scratch[mn] == 0);
		free(rec);
	}
	return 0;
}
