/* SPDX-License-Identifier: BSD-3-Clause */
/* Modbus/TCP parser: framing, request/response matching, every event, the
 * modbus: keyword. Byte sequences written by hand from the Modbus
 * Application Protocol Specification v1.1b3. */
#include "apptest.h"

extern const struct proto_parser proto_modbus;

static uint8_t b[1024];

static void start(struct at *t)
{
	at_init(t, &proto_modbus, APP_TCP, 40001, 502);
}

static void test_read_and_response(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* tid 1, unit 1, read holding registers 0x006b, 3 */
	size_t n = at_hex(b, sizeof(b), "0001 0000 0006 01 03 006b 0003");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"request\":{\"transaction_id\":1,\"protocol_id\":0,\"unit_id\":1,"
		      "\"function_raw\":3,\"function_code\":\"RdHoldRegs\"");
	AT_HAS(&t, 0, "\"read\":{\"address\":107,\"quantity\":3}");
	AT_HAS(&t, 0, "\"category\":\"PUBLIC_ASSIGNED\"");
	assert_int_equal(t.fn[0], 3);
	assert_false(t.resp[0]);
	n = at_hex(b, sizeof(b), "0001 0000 0009 01 03 06 022b 0000 0064");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 2);
	assert_true(t.resp[1]);
	/* the response carries its request */
	AT_HAS(&t, 1, "\"request\":{\"transaction_id\":1");
	AT_HAS(&t, 1, "\"response\":{\"transaction_id\":1");
	AT_HAS(&t, 1, "\"read\":{\"address\":107,\"quantity\":3}");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_framing(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* two requests in one segment */
	size_t n = at_hex(b, sizeof(b), "0002 0000 0006 01 06 0001 0003"
					"0003 0000 0006 01 05 00ac ff00");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.n_tx, 2);
	AT_HAS(&t, 0, "\"write\":{\"address\":1,\"data\":3}");
	AT_HAS(&t, 1, "\"function_code\":\"WrSingleCoil\"");
	AT_HAS(&t, 1, "\"write\":{\"address\":172,\"data\":65280}");
	/* one write multiple registers request fed one byte at a time */
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0004 0000 000b 01 10 0001 0002 04 000a 0102");
	at_feed_bytewise(&t, 0, b, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"function_code\":\"WrMultRegs\"");
	/* the values of a multiple write in the request's data (Suricata's
	 * schema: write.data is a single write's value, a number) */
	AT_HAS(&t, 0, "\"write\":{\"address\":1,\"quantity\":2},\"data\":\"000a0102\"");
	/* answers of both writes in one segment, each its own tx */
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0002 0000 0006 01 06 0001 0003"
				  "0003 0000 0006 01 05 00ac ff00");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 2);
	AT_HAS(&t, 0, "\"response\":{\"transaction_id\":2");
	AT_HAS(&t, 1, "\"response\":{\"transaction_id\":3");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_exception(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n = at_hex(b, sizeof(b), "0007 0000 0006 01 03 2328 0002");
	at_feed(&t, 0, b, n);
	/* exception 2 on the reply, matched to its request, followed at once by
	 * the answer of another request: never merged */
	n = at_hex(b, sizeof(b), "0008 0000 0006 01 04 0000 0001");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "0007 0000 0003 01 83 02"
				  "0008 0000 0005 01 04 02 0005");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 4);
	AT_HAS(&t, 2, "\"response\":{\"transaction_id\":7");
	AT_HAS(&t, 2, "\"function_raw\":131");
	AT_HAS(&t, 2, "\"exception\":{\"raw\":2,\"code\":\"IllegalDataAddr\"}");
	AT_HAS(&t, 2, "\"request\":{\"transaction_id\":7");
	AT_LACKS(&t, 3, "exception");
	AT_HAS(&t, 3, "\"response\":{\"transaction_id\":8");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_functions(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	static const struct {
		const char *hex, *want;
	} cases[] = {
		/* diagnostics: force listen only */
		{ "0010 0000 0006 01 08 0004 0000", "\"diagnostic\":{\"raw\":4,\"code\":\"ForceListenOnlyMode\"" },
		/* diagnostics: clear counters */
		{ "0011 0000 0006 01 08 000a 0000", "\"diagnostic\":{\"raw\":10,\"code\":\"ClearCounters\"" },
		/* read file record: one sub-request */
		{ "0012 0000 000a 01 14 07 06 0004 0001 0002", "\"file_records\":1" },
		/* write file record */
		{ "0013 0000 000c 01 15 09 06 0004 0007 0001 06af", "\"function_code\":\"WrFileRec\"" },
		/* mask write register */
		{ "0014 0000 0008 01 16 0004 00f2 0025", "\"and_mask\":242,\"or_mask\":37" },
		/* read/write multiple registers */
		{ "0015 0000 0011 01 17 0003 0006 000e 0003 06 00ff 00ff 00ff",
		  "\"function_code\":\"RdWrMultRegs\"" },
		/* read device identification, basic */
		{ "0016 0000 0005 01 2b 0e 01 00", "\"mei\":{\"raw\":14,\"code\":\"ReadDeviceIdentification\",\"read_device_id_code\":1" },
		/* report server id */
		{ "0017 0000 0002 01 11", "\"function_code\":\"ReportServerID\"" },
		/* a user-defined function code */
		{ "0018 0000 0003 01 41 00", "\"category\":\"USER_DEFINED\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = at_hex(b, sizeof(b), cases[i].hex);
		at_feed(&t, 0, b, n);
		assert_int_equal(t.n_tx, i + 1);
		AT_HAS(&t, i, cases[i].want);
	}
	/* nine requests, none answered: one more than the table keeps */
	AT_EVENTS(&t, "modbus.flooded");
	/* the device identification answer keeps vendor, product code, revision */
	at_clear(&t);
	size_t n = at_hex(b, sizeof(b), "0016 0000 001b 01 2b 0e 01 81 00 00 03"
					"00 05 566967696c"
					"01 04 56473031"
					"02 04 76312e30");
	/* the MBAP length covers the unit and the PDU */
	b[5] = (uint8_t)(n - 6);
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"vendor_name\":\"Vigil\"");
	AT_HAS(&t, 0, "\"product_code\":\"VG01\"");
	AT_HAS(&t, 0, "\"revision\":\"v1.0\"");
	at_fini(&t);
}

static void test_events(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n;
	n = at_hex(b, sizeof(b), "0001 0001 0006 01 03 0000 0001");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "modbus.invalid_protocol_id");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0002 0000 0006 fa 03 0000 0001");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "modbus.invalid_unit_identifier");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0003 0000 0002 01 00");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "modbus.invalid_function_code");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0004 0000 0006 01 83 0000 0001");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "modbus.invalid_function_code");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0005 0000 0007 01 03 0000 0001 ff");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "modbus.invalid_length");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0006 0000 0006 01 03 0000 0000"); /* quantity 0 */
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "0007 0000 0006 01 05 0000 1234"); /* coil value */
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "modbus.invalid_value", "modbus.invalid_value");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0006 0000 0003 01 83 09");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "modbus.invalid_exception_code");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0007 0000 0006 01 06 0000 1234"); /* answers fc 5 with fc 6 */
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "modbus.value_mismatch");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0777 0000 0005 01 03 02 0000");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "modbus.unsolicited_response");
	/* a fresh flow: the ninth outstanding request overflows the table */
	at_fini(&t);
	start(&t);
	for (int i = 0; i < 9; i++) {
		n = at_hex(b, sizeof(b), "0100 0000 0006 01 03 0000 0001");
		b[1] = (uint8_t)i;
		at_feed(&t, 0, b, n);
	}
	AT_EVENTS(&t, "modbus.flooded");
	/* an MBAP length of 1: framing event, then the next PDU is found */
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0200 0000 0001 01 0201 0000 0006 01 03 0000 0001");
	at_feed(&t, 0, b, n);
	assert_int_equal(at_count_ev(&t, "modbus.invalid_length"), 1);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"transaction_id\":513");
	/* an MBAP length of 255 (UMAS): an event, but framed, the stream in
	 * step (a fresh flow: the table above is full) */
	at_fini(&t);
	start(&t);
	uint8_t big[300];
	n = at_hex(big, sizeof(big), "0300 0000 00ff 00 5a 00");
	memset(big + n, 0x41, 261 - n);
	n = 261;
	n += at_hex(big + n, sizeof(big) - n, "0301 0000 0006 01 03 0000 0001");
	at_feed(&t, 0, big, n);
	AT_EVENTS(&t, "modbus.invalid_length");
	assert_int_equal(t.n_tx, 2);
	AT_HAS(&t, 1, "\"transaction_id\":769");
	at_fini(&t);
}

static void test_gap_resync(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n = at_hex(b, sizeof(b), "0001 0000 000b 01 10 0001 0002 04 000a");
	at_feed(&t, 0, b, n); /* a partial PDU */
	at_gap(&t, 0);
	assert_int_equal(at_count_ev(&t, "applayer.gap"), 1);
	/* mid-PDU garbage after the gap, then a PDU */
	n = at_hex(b, sizeof(b), "0102 0009 0000 0006 01 03 0000 0001");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"transaction_id\":9");
	at_fini(&t);
}

static void test_udp(void **s)
{
	(void)s;
	struct at t;
	at_init(&t, &proto_modbus, APP_UDP, 40100, 502);
	size_t n = at_hex(b, sizeof(b), "004d 0000 0006 01 03 000a 0002");
	at_datagram(&t, 0, b, n);
	assert_int_equal(t.n_tx, 1);
	at_datagram(&t, 0, b, n - 3); /* cut short */
	assert_int_equal(t.n_tx, 1);
	AT_EVENTS(&t, "applayer.truncated_pdu");
	at_fini(&t);
}

static void test_probe(void **s)
{
	(void)s;
	size_t n = at_hex(b, sizeof(b), "0001 0000 0006 01 03 0000 0001");
	assert_int_equal(proto_modbus.probe(b, n, 0), APP_PROBE_YES);
	assert_int_equal(proto_modbus.probe(b, 3, 0), APP_PROBE_MORE);
	assert_int_equal(proto_modbus.probe((const uint8_t *)"HELLO MODBUS? not\r\n", 19, 0),
			 APP_PROBE_NO);
	n = at_hex(b, sizeof(b), "0001 0000 0106 01 03 0000 0001"); /* length 262 */
	assert_int_equal(proto_modbus.probe(b, n, 0), APP_PROBE_NO);
}

static void test_keyword(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned fn = at_kw(&t, "modbus", "function 6");
	unsigned wr = at_kw(&t, "modbus", "access write holding, address <10, value >5000");
	unsigned sub = at_kw(&t, "modbus", "function 8, subfunction 4");
	unsigned unit = at_kw(&t, "modbus", "unit 0");
	unsigned user = at_kw(&t, "modbus", "function user");
	size_t n = at_hex(b, sizeof(b), "0001 0000 0006 01 06 0005 1770"); /* reg 5 = 6000 */
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "0002 0000 0006 01 06 0014 1770"); /* reg 20 */
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "0003 0000 0006 00 06 0001 0001"); /* broadcast */
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "0004 0000 0006 01 08 0004 0000");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "0005 0000 0002 01 41");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.kw[fn].matched, 3);
	assert_int_equal(t.kw[wr].matched, 1);
	assert_int_equal(t.kw[sub].matched, 1);
	assert_int_equal(t.kw[unit].matched, 1);
	assert_int_equal(t.kw[user].matched, 1);
	/* the index sets: exactly the functions each matcher can match */
	unsigned aw = at_kw(&t, "modbus", "access write");
	const int writes[] = { 5, 6, 15, 16, 22, 23 };
	uint8_t want[APP_FUNC_BITS / 8] = { 0 };
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		want[writes[i] >> 3] |= (uint8_t)(1u << (writes[i] & 7));
	assert_true(t.kw[aw].has_set);
	assert_memory_equal(t.kw[aw].set, want, sizeof(want));
	memset(want, 0, sizeof(want));
	for (int f = 0; f < 256; f++)
		if ((f >= 65 && f <= 72) || (f >= 100 && f <= 110))
			want[f >> 3] |= (uint8_t)(1u << (f & 7));
	assert_true(t.kw[user].has_set);
	assert_memory_equal(t.kw[user].set, want, sizeof(want));
	assert_false(t.kw[unit].has_set); /* any function */
	assert_string_equal(at_kw_error(&proto_modbus, "modbus", "function banana"),
			    "function: unknown value 'banana'");
	assert_non_null(at_kw_error(&proto_modbus, "modbus", "access sideways"));
	assert_non_null(at_kw_error(&proto_modbus, "modbus", NULL));
	at_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_and_response), cmocka_unit_test(test_framing),
		cmocka_unit_test(test_exception),         cmocka_unit_test(test_functions),
		cmocka_unit_test(test_events),            cmocka_unit_test(test_gap_resync),
		cmocka_unit_test(test_udp),               cmocka_unit_test(test_probe),
		cmocka_unit_test(test_keyword),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
