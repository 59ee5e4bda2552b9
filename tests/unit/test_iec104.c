/* SPDX-License-Identifier: BSD-3-Clause */
/* IEC 60870-5-104 parser: APCI formats, sequence numbers per direction,
 * ASDU header and objects (floats, times, commands), activation matching,
 * every event, the iec104.* keywords. Bytes from IEC 60870-5-101/104. */
#include "apptest.h"

extern const struct proto_parser proto_iec104;

static uint8_t b[512];

static void start(struct at *t)
{
	at_init(t, &proto_iec104, APP_TCP, 40300, 2404);
}

/* I frame: ns, nr, then the ASDU in hex */
static size_t iframe(uint8_t *out, unsigned ns, unsigned nr, const char *asdu)
{
	size_t n = at_hex(out + 6, 250, asdu);
	out[0] = 0x68;
	out[1] = (uint8_t)(4 + n);
	out[2] = (uint8_t)(ns << 1);
	out[3] = (uint8_t)(ns >> 7);
	out[4] = (uint8_t)(nr << 1);
	out[5] = (uint8_t)(nr >> 7);
	return n + 6;
}

static void test_u_s_frames(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n = at_hex(b, sizeof(b), "680407000000 68040b000000 680443000000 680483000000 680401000a00");
	at_feed(&t, 0, b, 6);
	at_feed(&t, 1, b + 6, 6);
	at_feed(&t, 0, b + 12, 6);
	at_feed(&t, 1, b + 18, 6);
	at_feed(&t, 0, b + 24, n - 24);
	assert_int_equal(t.n_tx, 5);
	AT_HAS(&t, 0, "\"apci\":{\"type\":\"U\",\"u_function\":\"STARTDT_ACT\"}");
	AT_HAS(&t, 1, "\"u_function\":\"STARTDT_CON\"");
	AT_HAS(&t, 2, "\"u_function\":\"TESTFR_ACT\"");
	AT_HAS(&t, 3, "\"u_function\":\"TESTFR_CON\"");
	AT_HAS(&t, 4, "\"apci\":{\"type\":\"S\",\"rx\":5}");
	assert_int_equal(t.fn[0], -1);
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_objects(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* M_ME_NC_1 (13), 2 objects, spont, CA 1: 230.5 and -1.25 (IEEE 754
	 * little-endian on the wire), the second with IV quality */
	size_t n = iframe(b, 0, 0, "0d 02 03 00 0100 a10f00 00806643 00 a20f00 0000a0bf 80");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"apci\":{\"type\":\"I\",\"tx\":0,\"rx\":0}");
	AT_HAS(&t, 0, "\"type_id\":13,\"type_name\":\"M_ME_NC_1\"");
	AT_HAS(&t, 0, "\"cot\":3,\"cot_name\":\"spont\"");
	AT_HAS(&t, 0, "{\"ioa\":4001,\"value\":230.5,\"quality\":0}");
	AT_HAS(&t, 0, "{\"ioa\":4002,\"value\":-1.25,\"quality\":128}");
	assert_int_equal(t.fn[0], 13);
	/* M_SP_NA_1 as a sequence of three from IOA 1001 */
	n = iframe(b, 1, 0, "01 83 14 00 0100 e90300 01 00 81");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 1, "\"sq\":true,\"num_objects\":3");
	AT_HAS(&t, 1, "{\"ioa\":1003,");
	/* M_SP_TB_1 with CP56Time2a 2023-11-14 10:07:12.345 */
	n = iframe(b, 2, 0, "1e 01 03 00 0100 e90300 00 3930 07 0a 0e 0b 17");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 2, "\"time\":\"2023-11-14T10:07:12.345\"");
	/* C_SC_NA_1 select, activation, then its confirmation */
	n = iframe(b, 0, 3, "2d 01 06 00 0100 591b00 81");
	at_feed(&t, 0, b, n);
	n = iframe(b, 3, 1, "2d 01 07 00 0100 591b00 81");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 5);
	AT_HAS(&t, 3, "\"type_name\":\"C_SC_NA_1\"");
	AT_HAS(&t, 3, "\"cot_name\":\"act\"");
	AT_HAS(&t, 4, "\"cot_name\":\"actcon\"");
	AT_HAS(&t, 4, "\"activation_seen\":true");
	/* interrogation answers by group: COT 21 and 36 */
	n = iframe(b, 4, 1, "01 01 15 00 0100 010000 01");
	at_feed(&t, 1, b, n);
	n = iframe(b, 5, 1, "01 01 24 00 0100 010000 01");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 7);
	AT_HAS(&t, 5, "\"cot\":21,\"cot_name\":\"inro1\"");
	AT_HAS(&t, 6, "\"cot\":36,\"cot_name\":\"inro16\"");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_sequence(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	const char *asdu = "01 01 03 00 0100 010000 01";
	size_t n = iframe(b, 0, 0, asdu);
	at_feed(&t, 1, b, n);
	n = iframe(b, 1, 0, asdu);
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t);
	n = iframe(b, 5, 0, asdu); /* 2..4 missing */
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "iec104.sequence_error");
	n = iframe(b, 6, 0, asdu); /* in step again */
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "iec104.sequence_error");
	n = iframe(b, 6, 0, asdu); /* a repeat */
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "iec104.sequence_error", "iec104.sequence_error");
	/* the other direction counts on its own */
	n = iframe(b, 0, 7, "64 01 06 00 0100 000000 14");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.n_ev, 2);
	at_fini(&t);
}

static void test_events(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned ns = 0;
	size_t n = iframe(b, ns++, 0, "63 01 03 00 0100 010000 01");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "iec104.unknown_type_id");
	at_clear(&t);
	n = iframe(b, ns++, 0, "01 01 0f 00 0100 010000 01");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "iec104.invalid_cot");
	at_clear(&t);
	n = iframe(b, ns++, 0, "01 00 03 00 0100");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "iec104.malformed_asdu");
	at_clear(&t);
	/* 127 floats announced: 127 * 8 bytes cannot fit in an APDU */
	n = iframe(b, ns++, 0, "0d 7f 03 00 0100 010000 00000000 00");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "iec104.too_many_objects");
	at_clear(&t);
	/* 3 objects announced, 2 present */
	n = iframe(b, ns++, 0, "01 03 03 00 0100 010000 01 020000 01");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "iec104.invalid_apdu_length");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "68040f000000");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "iec104.unexpected_u_format");
	/* an APDU length of 2: framing event, then the next APDU is found */
	at_clear(&t);
	n = at_hex(b, sizeof(b), "6802 0100 680443000000");
	at_feed(&t, 0, b, n);
	assert_int_equal(at_count_ev(&t, "iec104.invalid_apdu_length"), 1);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "TESTFR_ACT");
	at_fini(&t);
}

static void test_keywords(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned ti = at_kw(&t, "iec104.typeid", "C_SC_NA_1");
	unsigned tn = at_kw(&t, "iec104.typeid", "45");
	unsigned cot = at_kw(&t, "iec104.cot", "act");
	unsigned ioa = at_kw(&t, "iec104.ioa", ">7000");
	unsigned ca = at_kw(&t, "iec104.common_address", "65535");
	unsigned ai = at_kw(&t, "iec104.apci", "i");
	unsigned au = at_kw(&t, "iec104.apci", "u");
	size_t n = iframe(b, 0, 0, "2d 01 06 00 0100 591b00 01");
	at_feed(&t, 0, b, n);
	n = iframe(b, 1, 0, "64 01 06 00 ffff 000000 14");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "680407000000");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.kw[ti].matched, 1);
	assert_int_equal(t.kw[tn].matched, 1);
	assert_int_equal(t.kw[cot].matched, 2);
	assert_int_equal(t.kw[ioa].matched, 1);
	assert_int_equal(t.kw[ca].matched, 1);
	assert_int_equal(t.kw[ai].matched, 2);
	assert_int_equal(t.kw[au].matched, 1);
	assert_non_null(at_kw_error(&proto_iec104, "iec104.typeid", "C_XX_NA_1"));
	assert_non_null(at_kw_error(&proto_iec104, "iec104.apci", "x"));
	assert_non_null(at_kw_error(&proto_iec104, "iec104.cot", "64"));
	at_fini(&t);
}

static void test_probe(void **s)
{
	(void)s;
	size_t n = at_hex(b, sizeof(b), "680407000000");
	assert_int_equal(proto_iec104.probe(b, n, 0), APP_PROBE_YES);
	assert_int_equal(proto_iec104.probe(b, 1, 0), APP_PROBE_MORE);
	assert_int_equal(proto_iec104.probe((const uint8_t *)"SSH-2.0-OpenSSH\r\n", 17, 0),
			 APP_PROBE_NO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u_s_frames), cmocka_unit_test(test_objects),
		cmocka_unit_test(test_sequence),   cmocka_unit_test(test_events),
		cmocka_unit_test(test_keywords),   cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
