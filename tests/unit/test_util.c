/* SPDX-License-Identifier: BSD-3-Clause */
/* util: the bounded cursor, the JSON builder and the block copy. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/blk.h"
#include "util/civil.h"
#include "util/cursor.h"
#include "util/jb.h"

static void test_cursor_reads(void **s)
{
	(void)s;
	/* a float 1.5 little-endian, then big-endian fields */
	static const uint8_t b[] = { 0x00, 0x00, 0xc0, 0x3f, 0x12, 0x34, 0x56, 0x78,
				     0x9a, 0xbc, 0xde, 0xf0, 0x01 };
	struct cursor c = cur_make(b, sizeof(b));
	assert_true(cur_le_float(&c) == 1.5f);
	assert_int_equal(cur_be16(&c), 0x1234);
	assert_int_equal(cur_le16(&c), 0x7856);
	assert_int_equal(cur_be32(&c), 0x9abcdef0);
	assert_int_equal(cur_left(&c), 1);
	assert_int_equal(cur_peek_u8(&c, 0), 1);
	assert_int_equal(cur_peek_u8(&c, 1), -1);
	assert_int_equal(cur_peek_be16(&c, 0), -1);
	assert_true(cur_ok(&c));
	/* a short read fails closed and stays failed */
	assert_int_equal(cur_be16(&c), 0);
	assert_false(cur_ok(&c));
	assert_int_equal(cur_left(&c), 0);
	assert_int_equal(cur_u8(&c), 0);
	assert_null(cur_ptr(&c, 0));
}

static void test_cursor_hostile_lengths(void **s)
{
	(void)s;
	static const uint8_t b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const size_t lens[] = { 0, 1, 7, 8, 9, 0x7fffffff, 0xffffffff, SIZE_MAX };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct cursor c = cur_make(b, sizeof(b));
		bool fits = lens[i] <= 8;
		assert_int_equal(cur_skip(&c, lens[i]), fits);
		c = cur_make(b, sizeof(b));
		struct cursor sub = cur_sub(&c, lens[i]);
		assert_int_equal(cur_ok(&sub), fits);
		assert_int_equal(cur_ok(&c), fits);
		c = cur_make(b, sizeof(b));
		assert_int_equal(cur_ptr(&c, lens[i]) != NULL, fits);
		c = cur_make(b, sizeof(b));
		assert_int_equal(cur_peek_be16(&c, lens[i]), lens[i] <= 6 ? (int)(b[lens[i]] << 8 | b[lens[i] + 1]) : -1);
	}
	struct cursor empty = cur_make(NULL, 0);
	assert_int_equal(cur_find(&empty, 0), -1);
	assert_int_equal(cur_u8(&empty), 0);
	assert_false(cur_ok(&empty));
}

static void test_jb_structure_and_escaping(void **s)
{
	(void)s;
	struct jb jb;
	jb_init(&jb, 4096);
	jb_open_object(&jb, NULL);
	jb_set_str(&jb, "s", "a\"b\\c\n\x01");
	jb_set_uint(&jb, "u", UINT64_MAX);
	jb_set_int(&jb, "i", -5);
	jb_set_bool(&jb, "t", true);
	jb_set_null(&jb, "n");
	jb_open_array(&jb, "arr");
	jb_set_uint(&jb, NULL, 1);
	jb_open_object(&jb, NULL);
	jb_set_hex(&jb, "h", "\xde\xad", 2);
	jb_close(&jb);
	jb_close(&jb);
	jb_set_strn(&jb, "bin", "\xff\xc3\xa9", 3); /* invalid byte, then valid é */
	jb_set_ascii(&jb, "ip", "10.0.0.1");
	jb_close(&jb);
	assert_true(jb_ok(&jb));
	assert_string_equal(jb.buf,
			    "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"u\":18446744073709551615,\"i\":-5,"
			    "\"t\":true,\"n\":null,\"arr\":[1,{\"h\":\"dead\"}],"
			    "\"bin\":\"\\u00ff\xc3\xa9\",\"ip\":\"10.0.0.1\"}");
	/* integers around every two-digit step, against printf */
	const uint64_t nums[] = { 0, 7, 9, 10, 42, 99, 100, 101, 999, 1000, 12345, 65535, 100000,
				  4294967295u, 10000000000000000000u };
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		jb_reset(&jb);
		jb_set_uint(&jb, NULL, nums[i]);
		char want[32];
		snprintf(want, sizeof(want), "%llu", (unsigned long long)nums[i]);
		assert_string_equal(jb.buf, want);
	}
	/* every digit count's edges (the length is computed before the
	 * digits are written), unsigned, signed and jb_format_uint */
	uint64_t p10 = 1;
	for (int k = 0; k <= 19; k++, p10 *= 10) {
		const uint64_t edge[] = { p10 - 1, p10, p10 + 1, p10 * 2 - 1 };
		for (size_t i = 0; i < 4; i++) {
			char want[96], got[32];
			jb_reset(&jb);
			jb_open_array(&jb, NULL);
			jb_set_uint(&jb, NULL, edge[i]);
			jb_set_int(&jb, NULL, (int64_t)edge[i]);
			jb_set_int(&jb, NULL, -(int64_t)(edge[i] >> 1));
			jb_close(&jb);
			snprintf(want, sizeof(want), "[%llu,%lld,%lld]", (unsigned long long)edge[i],
				 (long long)(int64_t)edge[i], -(long long)(edge[i] >> 1));
			assert_string_equal(jb.buf, want);
			size_t n = jb_format_uint(got, edge[i]);
			got[n] = 0;
			snprintf(want, sizeof(want), "%llu", (unsigned long long)edge[i]);
			assert_string_equal(got, want);
		}
	}
	jb_reset(&jb);
	jb_set_int(&jb, NULL, INT64_MIN);
	assert_string_equal(jb.buf, "-9223372036854775808");
	jb_reset(&jb);
	jb_set_uint(&jb, NULL, UINT64_MAX);
	assert_string_equal(jb.buf, "18446744073709551615");
	jb_free(&jb);
}

static void test_jb_numbers(void **s)
{
	(void)s;
	struct jb jb;
	jb_init(&jb, 4096);
	jb_open_array(&jb, NULL);
	jb_set_float(&jb, NULL, 0.1f);   /* shortest form of the float, not 0.100000001 */
	jb_set_double(&jb, NULL, 0.1);
	jb_set_double(&jb, NULL, 1e300);
	jb_set_double(&jb, NULL, NAN);
	jb_set_float(&jb, NULL, -2.5f);
	jb_close(&jb);
	assert_string_equal(jb.buf, "[0.1,0.1,1e+300,null,-2.5]");
	jb_free(&jb);
}

static void test_jb_cap(void **s)
{
	(void)s;
	struct jb jb;
	jb_init(&jb, 64);
	jb_open_object(&jb, NULL);
	for (int i = 0; i < 100; i++)
		jb_set_str(&jb, "key", "value");
	jb_close(&jb);
	assert_false(jb_ok(&jb));
	assert_true(jb.len < 64);
	jb_reset(&jb);
	jb_open_object(&jb, NULL);
	jb_close(&jb);
	assert_true(jb_ok(&jb));
	assert_string_equal(jb.buf, "{}");
	/* too deep */
	jb_reset(&jb);
	for (int i = 0; i < JB_MAX_DEPTH + 2; i++)
		jb_open_array(&jb, NULL);
	assert_false(jb_ok(&jb));
	/* the inline members (literal keys) and the out-of-line ones (a key
	 * in a variable) stop at the cap alike, and write the same text */
	const char *volatile kv = "key";
	for (int inl = 0; inl < 2; inl++) {
		jb_free(&jb);
		jb_init(&jb, 64);
		jb_open_object(&jb, NULL);
		for (int i = 0; i < 100; i++) {
			if (inl) {
				jb_set_uint(&jb, "key", 123456789);
				jb_set_ascii(&jb, "key", "value");
			} else {
				jb_set_uint(&jb, kv, 123456789);
				jb_set_ascii(&jb, kv, "value");
			}
			assert_true(jb.len < 64);
			assert_int_equal(strlen(jb.buf), jb.len);
		}
		assert_false(jb_ok(&jb));
		jb_reset(&jb);
		jb_open_object(&jb, NULL);
		if (inl) {
			jb_set_uint(&jb, "key", 7);
			jb_set_ascii(&jb, "key", "v");
		} else {
			jb_set_uint(&jb, kv, 7);
			jb_set_ascii(&jb, kv, "v");
		}
		jb_close(&jb);
		assert_string_equal(jb.buf, "{\"key\":7,\"key\":\"v\"}");
	}
	jb_free(&jb);
}

/* blk_copy_var copies exactly n bytes, whatever n, and touches nothing
 * around them on either side. */
/* The civil-time text against gmtime_r and snprintf: every day boundary's
 * neighbours from 1970 to 2200 (leap years and centuries), and a spread of
 * times in between, to the millisecond. */
static void test_civil_format(void **s)
{
	(void)s;
	uint64_t x = 88172645463325252ull;
	for (uint64_t day = 0; day < 84000; day++) {
		for (int k = 0; k < 4; k++) {
			uint64_t ms;
			if (k < 2) {
				ms = day * 86400000ull + (k ? 86399999u : 0u);
			} else {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				ms = day * 86400000ull + x % 86400000u;
			}
			time_t sec = (time_t)(ms / 1000u);
			struct tm tm;
			assert_non_null(gmtime_r(&sec, &tm));
			char want[64], got[24];
			snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03u", tm.tm_year + 1900,
				 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
				 (unsigned)(ms % 1000u));
			civil_format_ms(got, ms);
			if (strcmp(want, got) != 0)
				fail_msg("%llu ms: %s, expected %s", (unsigned long long)ms, got, want);
		}
	}
}

static void test_blk_copy_var(void **s)
{
	(void)s;
	uint8_t src[320], dst[320];
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	for (size_t n = 0; n <= 300; n++)
		for (size_t at = 1; at <= 3; at++) {
			memset(dst, 0xee, sizeof(dst));
			blk_copy_var(dst + at, src + at + 1, n);
			assert_memory_equal(dst + at, src + at + 1, n);
			for (size_t k = 0; k < at; k++)
				assert_int_equal(dst[k], 0xee);
			for (size_t k = at + n; k < sizeof(dst); k++)
				assert_int_equal(dst[k], 0xee);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cursor_reads),
		cmocka_unit_test(test_cursor_hostile_lengths),
		cmocka_unit_test(test_jb_structure_and_escaping),
		cmocka_unit_test(test_jb_numbers),
		cmocka_unit_test(test_jb_cap),
		cmocka_unit_test(test_blk_copy_var),
		cmocka_unit_test(test_civil_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
