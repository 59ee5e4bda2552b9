/* SPDX-License-Identifier: BSD-3-Clause */
/* DNP3 parser: link frames and CRCs, transport reassembly, application
 * functions, IIN, objects and points, every event, the keywords. Frames are
 * built here from IEEE 1815 (the CRC is computed by this file's own code). */
#include "apptest.h"

extern const struct proto_parser proto_dnp3;

static uint16_t crc(const uint8_t *p, size_t n)
{
	uint16_t c = 0;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA6BC) : (uint16_t)(c >> 1);
	}
	return (uint16_t)~c;
}

static uint8_t fr[4096];

/* one link frame: ctrl, dst, src, user data (transport + application) */
static size_t frame(uint8_t *out, uint8_t ctrl, uint16_t dst, uint16_t src, const uint8_t *u, size_t n)
{
	size_t k = 0;
	out[k++] = 0x05;
	out[k++] = 0x64;
	out[k++] = (uint8_t)(5 + n);
	out[k++] = ctrl;
	out[k++] = (uint8_t)dst;
	out[k++] = (uint8_t)(dst >> 8);
	out[k++] = (uint8_t)src;
	out[k++] = (uint8_t)(src >> 8);
	uint16_t c = crc(out, 8);
	out[k++] = (uint8_t)c;
	out[k++] = (uint8_t)(c >> 8);
	for (size_t off = 0; off < n; off += 16) {
		size_t b = n - off < 16 ? n - off : 16;
		memcpy(out + k, u + off, b);
		c = crc(u + off, b);
		k += b;
		out[k++] = (uint8_t)c;
		out[k++] = (uint8_t)(c >> 8);
	}
	return k;
}

/* a whole application message in one transport segment from the master */
static size_t req(uint8_t *out, const char *app_hex)
{
	uint8_t u[260];
	u[0] = 0xc0; /* FIN FIR seq 0 */
	size_t n = at_hex(u + 1, sizeof(u) - 1, app_hex);
	return frame(out, 0xc4, 10, 1, u, n + 1);
}

static size_t resp(uint8_t *out, const char *app_hex)
{
	uint8_t u[260];
	u[0] = 0xc0;
	size_t n = at_hex(u + 1, sizeof(u) - 1, app_hex);
	return frame(out, 0x44, 1, 10, u, n + 1);
}

static void start(struct at *t)
{
	at_init(t, &proto_dnp3, APP_TCP, 40200, 20000);
}

static void test_read_response(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n = req(fr, "c0 01 3c02 06 3c03 06 3c04 06");
	at_feed(&t, 0, fr, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"type\":\"request\"");
	/* link control 0xc4 under Suricata's names (DIR PRM, FC 4) */
	AT_HAS(&t, 0, "\"control\":{\"dir\":true,\"pri\":true,\"fcb\":false,\"fcv\":false,"
		      "\"function_code\":4}");
	AT_HAS(&t, 0, "\"src\":1,\"dst\":10");
	AT_HAS(&t, 0, "\"function_code\":1,");
	AT_HAS(&t, 0, "{\"group\":60,\"variation\":2,\"qualifier\":6");
	AT_HAS(&t, 0, "{\"group\":60,\"variation\":4,");
	assert_int_equal(t.fn[0], 1);
	/* response: IIN device restart, g30v1 two points, g1v2 one, g12v1 CROB */
	n = resp(fr, "c0 81 8000 1e01 00 0506 01 e8030000 01 18fcffff"
		     " 0102 00 0000 81");
	at_feed(&t, 1, fr, n);
	assert_int_equal(t.n_tx, 2);
	AT_HAS(&t, 1, "\"type\":\"response\"");
	AT_HAS(&t, 1, "\"control\":{\"dir\":false,\"pri\":true,\"fcb\":false,\"fcv\":false,"
		      "\"function_code\":4}");
	AT_HAS(&t, 1, "\"iin\":{\"indicators\":[\"device_restart\"]}");
	AT_HAS(&t, 1, "\"request_function_code\":1");
	AT_HAS(&t, 1, "\"points\":[{\"index\":5,\"value\":1000,\"flags\":1},{\"index\":6,\"value\":-1000,\"flags\":1}]");
	AT_HAS(&t, 1, "{\"index\":0,\"state\":1,\"flags\":129}");
	AT_EVENTS(&t);
	/* IIN1 0x82 (device restart, class 1 events), IIN2 0x02 (object
	 * unknown): listed in Suricata's order, IIN1.7 first, IIN2.0 last */
	n = resp(fr, "c0 81 8202");
	at_feed(&t, 1, fr, n);
	assert_int_equal(t.n_tx, 3);
	AT_HAS(&t, 2, "\"iin\":{\"indicators\":[\"device_restart\",\"class_1_events\","
		      "\"object_unknown\"]}");
	at_fini(&t);
}

static void test_multi_fragment(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* 60 analog points (g30v1, 16-bit range 0..59): 4 + 7 + 300 bytes of
	 * application data in three transport segments */
	uint8_t app[400];
	size_t a = at_hex(app, sizeof(app), "c0 81 0000 1e01 01 0000 3b00");
	for (int i = 0; i < 60; i++) {
		app[a++] = 1;
		app[a++] = (uint8_t)i;
		app[a++] = 0;
		app[a++] = 0;
		app[a++] = 0;
	}
	size_t k = 0;
	uint8_t u[260];
	for (size_t off = 0, seq = 3; off < a; off += 120, seq++) {
		size_t m = a - off < 120 ? a - off : 120;
		u[0] = (uint8_t)((off == 0 ? 0x40 : 0) | (off + m == a ? 0x80 : 0) | seq);
		memcpy(u + 1, app + off, m);
		k += frame(fr + k, 0x44, 1, 10, u, m + 1);
	}
	at_feed_bytewise(&t, 1, fr, k);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"count\":60");
	AT_HAS(&t, 0, "{\"index\":59,\"value\":59,\"flags\":1}");
	AT_EVENTS(&t);
	at_fini(&t);
}

/* Point values of the three layouts (packed bits, index-prefixed values,
 * a plain range), written in message order up to DNP3_MAX_POINTS in all. */
static void test_points_layouts_and_limit(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	uint8_t app[260];
	/* g1v1 packed, indices 0..9: bits 1010 0000 01 */
	size_t a = at_hex(app, sizeof(app), "c0 81 0000 0101 00 0009 0502");
	/* g2v1 with a one-byte index prefix (qualifier 0x17): 7 and 200 */
	a += at_hex(app + a, sizeof(app) - a, "0201 17 02 07 81 c8 01");
	/* g30v2 (flags + 16-bit value), indices 0..59: value = index */
	a += at_hex(app + a, sizeof(app) - a, "1e02 00 00 3b");
	for (int i = 0; i < 60; i++) {
		app[a++] = 1;
		app[a++] = (uint8_t)i;
		app[a++] = 0;
	}
	uint8_t u[260];
	u[0] = 0xc0;
	memcpy(u + 1, app, a);
	size_t n = frame(fr, 0x44, 1, 10, u, a + 1);
	at_feed(&t, 1, fr, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"points\":[{\"index\":0,\"state\":1},{\"index\":1,\"state\":0},"
		      "{\"index\":2,\"state\":1},");
	AT_HAS(&t, 0, "{\"index\":8,\"state\":0},{\"index\":9,\"state\":1}]");
	AT_HAS(&t, 0, "\"points\":[{\"index\":7,\"state\":1,\"flags\":129},"
		      "{\"index\":200,\"state\":0,\"flags\":1}]");
	AT_HAS(&t, 0, "\"count\":60");
	/* 10 + 2 points before it: 52 of the range's 60 are written */
	AT_HAS(&t, 0, "{\"index\":51,\"value\":51,\"flags\":1}]");
	AT_LACKS(&t, 0, "\"index\":52");
	AT_EVENTS(&t);
	/* the same range cut short: malformed, no points */
	at_clear(&t);
	u[0] = 0xc0;
	n = frame(fr, 0x44, 1, 10, u, a + 1 - 30);
	at_feed(&t, 1, fr, n);
	AT_EVENTS(&t, "dnp3.malformed");
	at_fini(&t);
}

static void test_crc_events(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n = req(fr, "c0 01 3c01 06");
	fr[8] ^= 0xff; /* header CRC */
	at_feed(&t, 0, fr, n);
	AT_EVENTS(&t, "dnp3.bad_link_crc");
	assert_int_equal(t.n_tx, 0);
	at_clear(&t);
	n = req(fr, "c0 01 3c01 06");
	fr[n - 1] ^= 0xff; /* data block CRC */
	at_feed(&t, 0, fr, n);
	AT_EVENTS(&t, "dnp3.bad_transport_crc");
	assert_int_equal(t.n_tx, 0);
	/* the next good frame is used */
	at_clear(&t);
	n = req(fr, "c1 01 3c01 06");
	at_feed(&t, 0, fr, n);
	assert_int_equal(t.n_tx, 1);
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_app_events(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n = resp(fr, "c0 81 0000 6307 00 0001 01020304");
	at_feed(&t, 1, fr, n);
	AT_EVENTS(&t, "dnp3.unknown_object");
	at_clear(&t);
	n = resp(fr, "c0 81 0000 0102 00 0903 01");
	at_feed(&t, 1, fr, n);
	AT_EVENTS(&t, "dnp3.malformed");
	at_clear(&t);
	n = req(fr, "c0 01 1e01 02 00000000 ffff0f00");
	at_feed(&t, 0, fr, n);
	AT_EVENTS(&t, "dnp3.too_many_points");
	at_clear(&t);
	/* transport: FIR seq 5, then seq 9 */
	uint8_t u[16] = { 0x45, 0xc0, 0x81, 0, 0, 1, 2, 0 };
	n = frame(fr, 0x44, 1, 10, u, 8);
	u[0] = 0x89;
	n += frame(fr + n, 0x44, 1, 10, u, 8);
	at_feed(&t, 1, fr, n);
	AT_EVENTS(&t, "dnp3.transport_sequence");
	at_clear(&t);
	/* more than 4096 bytes of application data */
	size_t k = 0;
	uint8_t big[250];
	memset(big, 0, sizeof(big));
	for (int i = 0; i < 18; i++) {
		big[0] = (uint8_t)((i == 0 ? 0x40 : 0) | (i & 0x3f));
		k += frame(fr + k, 0x44, 1, 10, big, 250);
		if (k > sizeof(fr) - 300) {
			at_feed(&t, 1, fr, k);
			k = 0;
		}
	}
	at_feed(&t, 1, fr, k);
	AT_EVENTS(&t, "dnp3.message_too_large");
	at_clear(&t);
	/* five requests, none answered, on a fresh flow */
	at_fini(&t);
	start(&t);
	for (int i = 0; i < 5; i++) {
		n = req(fr, "c0 01 3c01 06");
		at_feed(&t, 0, fr, n);
	}
	AT_EVENTS(&t, "dnp3.flooded");
	at_clear(&t);
	/* link length below 5 */
	n = at_hex(fr, sizeof(fr), "0564 03 c4 0a00 0100");
	uint16_t c = crc(fr, 8);
	fr[n++] = (uint8_t)c;
	fr[n++] = (uint8_t)(c >> 8);
	at_feed(&t, 0, fr, n);
	assert_int_equal(at_count_ev(&t, "dnp3.len_too_small"), 1);
	at_fini(&t);
}

static void test_udp_and_probe(void **s)
{
	(void)s;
	struct at t;
	at_init(&t, &proto_dnp3, APP_UDP, 20000, 20000);
	size_t n = req(fr, "c0 0d");
	assert_int_equal(proto_dnp3.probe(fr, n, 0), APP_PROBE_YES);
	assert_int_equal(proto_dnp3.probe(fr, 1, 0), APP_PROBE_MORE);
	assert_int_equal(proto_dnp3.probe((const uint8_t *)"GET / HTTP/1.0\r\n", 16, 0), APP_PROBE_NO);
	at_datagram(&t, 0, fr, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"function_code\":13");
	at_fini(&t);
}

static void test_keywords(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned f = at_kw(&t, "dnp3_func", "cold_restart");
	unsigned f2 = at_kw(&t, "dnp3.func", "12-15");
	unsigned ind = at_kw(&t, "dnp3_ind", "device_restart,need_time");
	unsigned obj = at_kw(&t, "dnp3_obj", "30,1");
	unsigned data = at_kw(&t, "dnp3_data", NULL);
	size_t n = req(fr, "c0 0d");
	at_feed(&t, 0, fr, n);
	n = req(fr, "c1 0e");
	at_feed(&t, 0, fr, n);
	n = resp(fr, "c0 81 1000 1e01 00 0000 01 01000000");
	at_feed(&t, 1, fr, n);
	assert_int_equal(t.kw[f].matched, 1);
	assert_int_equal(t.kw[f2].matched, 2);
	assert_int_equal(t.kw[ind].matched, 1); /* need_time (0x10 of IIN1) */
	assert_int_equal(t.kw[obj].matched, 1);
	assert_int_equal(t.kw[data].matched, 3);
	assert_int_equal(t.kw[data].buf_len, 14);
	assert_string_equal(at_kw_error(&proto_dnp3, "dnp3_func", "explode"),
			    "unknown value 'explode'");
	assert_non_null(at_kw_error(&proto_dnp3, "dnp3_obj", "30"));
	assert_non_null(at_kw_error(&proto_dnp3, "dnp3_ind", "no_such_flag"));
	at_fini(&t);
}

/* The parser's CRC (four bytes a step) against this file's bit-wise one, for
 * every length of user data a frame can carry: frames built here pass, and
 * one flipped bit in any data block is caught. */
static void test_crc_every_length(void **s)
{
	(void)s;
	uint32_t x = 2463534242u;
	for (size_t n = 1; n <= 250; n++) {
		uint8_t u[250];
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			u[i] = (uint8_t)x;
		}
		u[0] = 0xc0; /* transport: FIN FIR */
		struct at t;
		start(&t);
		size_t len = frame(fr, 0xc4, 10, 1, u, n);
		at_feed(&t, 0, fr, len);
		assert_int_equal(at_count_ev(&t, "dnp3.bad_link_crc"), 0);
		assert_int_equal(at_count_ev(&t, "dnp3.bad_transport_crc"), 0);
		at_fini(&t);

		start(&t);
		size_t at_byte = 10 + (x % n) / 16 * 18 + (x % n) % 16;
		fr[at_byte] ^= (uint8_t)(1u << (x % 8));
		at_feed(&t, 0, fr, len);
		assert_int_equal(at_count_ev(&t, "dnp3.bad_transport_crc"), 1);
		at_fini(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_response), cmocka_unit_test(test_multi_fragment),
		cmocka_unit_test(test_crc_events), cmocka_unit_test(test_points_layouts_and_limit),
		cmocka_unit_test(test_crc_every_length),    cmocka_unit_test(test_app_events),
		cmocka_unit_test(test_udp_and_probe), cmocka_unit_test(test_keywords),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
