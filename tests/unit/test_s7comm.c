/* SPDX-License-Identifier: BSD-3-Clause */
/* S7comm parser: TPKT/COTP (CR/CC, segmented DT), S7 header, read/write var
 * items, block functions, PLC control and stop, SZL, S7comm-plus, every
 * event, the s7comm.* keywords. Layout as RFC 1006 / ISO 8073 and the
 * S7comm description of the Wireshark project. */
#include "apptest.h"

extern const struct proto_parser proto_s7comm;

static uint8_t b[1024];

static void start(struct at *t)
{
	at_init(t, &proto_s7comm, APP_TCP, 40400, 102);
}

/* TPKT + COTP DT (EOT) + S7 PDU given in hex; fixes the TPKT length */
static size_t dt(uint8_t *out, const char *s7)
{
	size_t n = at_hex(out + 7, 1000, s7);
	out[0] = 3;
	out[1] = 0;
	out[2] = (uint8_t)((n + 7) >> 8);
	out[3] = (uint8_t)(n + 7);
	out[4] = 2;
	out[5] = 0xf0;
	out[6] = 0x80;
	return n + 7;
}

static void test_connect_and_setup(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n = at_hex(b, sizeof(b), "0300 0016 11 e0 0000 0001 00 c0010a c1020100 c2020102");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "\"cotp\":{\"type\":\"CR\",\"src_tsap\":256,\"dst_tsap\":258}");
	n = dt(b, "32 01 0000 0001 0008 0000 f0 00 0001 0001 01e0");
	at_feed(&t, 0, b, n);
	n = dt(b, "32 03 0000 0001 0008 0000 0000 f0 00 0001 0001 00f0");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 3);
	AT_HAS(&t, 1, "\"rosctr\":1,\"rosctr_name\":\"job\",\"pdu_ref\":1,\"function\":240,"
		      "\"function_name\":\"setup_communication\"");
	AT_HAS(&t, 1, "\"pdu_length\":480");
	AT_HAS(&t, 2, "\"request_function\":240");
	AT_HAS(&t, 2, "\"pdu_length\":240");
	assert_int_equal(t.fn[1], 0xf0);
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_items_and_functions(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* read var: DB1.DBB0 8 bytes and MB10 2 bytes */
	size_t n = dt(b, "32 01 0000 0002 001a 0000 04 02"
			 " 120a10 02 0008 0001 84 000000"
			 " 120a10 02 0002 0000 83 000050");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "\"items\":[{\"area\":132,\"area_name\":\"db\",\"db\":1,\"address\":0,\"bit\":0,"
		      "\"length\":8,\"transport_size\":2},{\"area\":131,\"area_name\":\"flags\",\"db\":0,"
		      "\"address\":10,\"bit\":0,\"length\":2");
	/* write var to the outputs QB0 */
	n = dt(b, "32 01 0000 0003 000e 0005 05 01 120a10 02 0001 0000 82 000000 0004 0008 ff");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 1, "\"function_name\":\"write_var\"");
	AT_HAS(&t, 1, "\"area_name\":\"outputs\"");
	/* PLC stop, PI service P_PROGRAM */
	n = dt(b, "32 01 0000 0004 0010 0000 29 0000000000 09 505f50524f4752414d");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 2, "\"function_name\":\"plc_stop\"");
	AT_HAS(&t, 2, "\"service\":\"P_PROGRAM\"");
	/* request download of OB1 */
	n = dt(b, "32 01 0000 0005 0012 0000 1a 00 0100 00000000 09 5f3038303030303150");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 3, "\"function_name\":\"request_download\"");
	AT_HAS(&t, 3, "\"filename\":\"_0800001P\"");
	/* an ack_data with an error class */
	n = dt(b, "32 03 0000 0004 0001 0000 8104 29");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 4, "\"error\":{\"class\":129,\"code\":4}");
	AT_EVENTS(&t, "s7comm.error_response");
	at_fini(&t);
}

static void test_szl_and_segments(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* SZL 0x0011 response: module order number; split into two COTP DT
	 * segments (the first without EOT) */
	uint8_t s7[128];
	size_t k = at_hex(s7, sizeof(s7), "32 07 0000 0005 000c 0028 0001 12 08 12 84 01 01 0000 0000"
					 " ff 09 0024 0011 0000 001c 0001 0001");
	const char *order = "6ES7 315-2EH14-0AB0 ";
	memcpy(s7 + k, order, 20);
	k += 20;
	k += at_hex(s7 + k, sizeof(s7) - k, "00c0 0004 0001");
	size_t h = k / 2;
	size_t n = 0;
	b[n++] = 3; b[n++] = 0; b[n++] = 0; b[n++] = (uint8_t)(7 + h);
	b[n++] = 2; b[n++] = 0xf0; b[n++] = 0x00; /* no EOT */
	memcpy(b + n, s7, h);
	n += h;
	b[n++] = 3; b[n++] = 0; b[n++] = 0; b[n++] = (uint8_t)(7 + k - h);
	b[n++] = 2; b[n++] = 0xf0; b[n++] = 0x81;
	memcpy(b + n, s7 + h, k - h);
	n += k - h;
	at_feed_bytewise(&t, 1, b, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"group\":4,\"group_name\":\"cpu_functions\",\"subfunction\":1");
	AT_HAS(&t, 0, "\"szl\":{\"id\":17,\"index\":0,\"order_number\":\"6ES7 315-2EH14-0AB0\"}");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_plus(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	uint8_t p[64];
	size_t k = at_hex(p, sizeof(p), "0300 0019 02f080 72 03 000c 31 0000 04ca 0000 0001 36 0000 72030000");
	p[3] = (uint8_t)k;
	at_feed(&t, 0, p, k);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"plus\":{\"version\":3,\"opcode\":49,\"function\":1226}");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_events(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n = dt(b, "32 01 0000 0010 0002 0000 99 00");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "s7comm.unknown_function");
	at_clear(&t);
	n = dt(b, "32 05 0000 0011 0002 0000 04 00");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "s7comm.invalid_header");
	at_clear(&t);
	n = dt(b, "33 01 0000 0012 0002 0000 04 00");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "s7comm.invalid_header");
	at_clear(&t);
	n = dt(b, "32 01 0000 0013 0028 0000 04 00");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "s7comm.invalid_header");
	at_clear(&t);
	/* 21 items */
	uint8_t s7[400];
	size_t k = at_hex(s7, sizeof(s7), "32 01 0000 0014 00fe 0000 04 15");
	for (int i = 0; i < 21; i++)
		k += at_hex(s7 + k, sizeof(s7) - k, "120a10 02 0001 0001 84 000000");
	s7[6] = (uint8_t)((k - 10) >> 8); /* parameter length */
	s7[7] = (uint8_t)(k - 10);
	memcpy(b + 7, s7, k);
	b[0] = 3; b[1] = 0; b[2] = (uint8_t)((k + 7) >> 8); b[3] = (uint8_t)(k + 7);
	b[4] = 2; b[5] = 0xf0; b[6] = 0x80;
	at_feed(&t, 0, b, k + 7);
	AT_EVENTS(&t, "s7comm.too_many_items");
	at_clear(&t);
	n = dt(b, "32 01 0000 0015 000e 0000 04 01 130a10 02 0001 0001 84 000000");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "s7comm.malformed_item");
	at_clear(&t);
	n = dt(b, "32 01 0000 0016 0002 0000 04 00");
	b[4] = 0x40; /* COTP length beyond the TPKT */
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "s7comm.invalid_cotp");
	at_clear(&t);
	/* TPKT reserved byte set: framing event, then the next TPKT is found */
	n = dt(b, "32 01 0000 0017 0002 0000 04 00");
	b[1] = 0x11;
	size_t m = dt(b + n, "32 01 0000 0018 0008 0000 f0 00 0001 0001 01e0");
	at_feed(&t, 0, b, n + m);
	assert_int_equal(at_count_ev(&t, "s7comm.invalid_tpkt"), 1);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"pdu_ref\":24");
	at_fini(&t);
}

static void test_keywords(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned stop = at_kw(&t, "s7comm.function", "plc_stop");
	unsigned wr = at_kw(&t, "s7comm.function", "5");
	unsigned area = at_kw(&t, "s7comm.area", "outputs");
	unsigned db = at_kw(&t, "s7comm.db", "1");
	unsigned job = at_kw(&t, "s7comm.rosctr", "job");
	size_t n = dt(b, "32 01 0000 0004 0010 0000 29 0000000000 09 505f50524f4752414d");
	at_feed(&t, 0, b, n);
	n = dt(b, "32 01 0000 0003 000e 0005 05 01 120a10 02 0001 0000 82 000000 0004 0008 ff");
	at_feed(&t, 0, b, n);
	n = dt(b, "32 01 0000 0002 000e 0000 04 01 120a10 02 0008 0001 84 000000");
	at_feed(&t, 0, b, n);
	n = dt(b, "32 03 0000 0002 0002 000c 0000 04 01 ff04 0040 0102030405060708");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.kw[stop].matched, 1);
	assert_int_equal(t.kw[wr].matched, 1);
	assert_int_equal(t.kw[area].matched, 1);
	assert_int_equal(t.kw[db].matched, 1);
	assert_int_equal(t.kw[job].matched, 3);
	assert_non_null(at_kw_error(&proto_s7comm, "s7comm.function", "melt_down"));
	assert_non_null(at_kw_error(&proto_s7comm, "s7comm.area", "attic"));
	at_fini(&t);
}

static void test_probe(void **s)
{
	(void)s;
	size_t n = at_hex(b, sizeof(b), "0300 0016 11 e0 0000 0001 00 c0010a c1020100 c2020102");
	assert_int_equal(proto_s7comm.probe(b, n, 0), APP_PROBE_YES);
	assert_int_equal(proto_s7comm.probe(b, 2, 0), APP_PROBE_MORE);
	assert_int_equal(proto_s7comm.probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 0), APP_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_and_setup), cmocka_unit_test(test_items_and_functions),
		cmocka_unit_test(test_szl_and_segments),  cmocka_unit_test(test_plus),
		cmocka_unit_test(test_events),            cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
