/* SPDX-License-Identifier: BSD-3-Clause */
/* EtherNet/IP + CIP parser: encapsulation commands, CPF items, CIP
 * services and paths, Multiple Service Packet, ListIdentity, class 1 I/O,
 * every event, the enip keywords. Layout from the ODVA specification
 * (all little-endian). */
#include "apptest.h"

extern const struct proto_parser proto_enip;

static uint8_t b[2048];

static void start(struct at *t)
{
	at_init(t, &proto_enip, APP_TCP, 40500, 44818);
}

/* encapsulation header + data given in hex; fixes the length field */
static size_t encap(uint8_t *out, uint16_t cmd, uint32_t session, uint64_t ctx, const char *data)
{
	size_t n = at_hex(out + 24, 2000, data);
	memset(out, 0, 24);
	out[0] = (uint8_t)cmd;
	out[1] = (uint8_t)(cmd >> 8);
	out[2] = (uint8_t)n;
	out[3] = (uint8_t)(n >> 8);
	for (int i = 0; i < 4; i++)
		out[4 + i] = (uint8_t)(session >> (8 * i));
	for (int i = 0; i < 8; i++)
		out[12 + i] = (uint8_t)(ctx >> (8 * i));
	return n + 24;
}

/* SendRRData around a CIP message in hex */
static size_t rr(uint8_t *out, uint64_t ctx, const char *cip)
{
	char data[1600];
	uint8_t tmp[700];
	size_t cn = at_hex(tmp, sizeof(tmp), cip);
	snprintf(data, sizeof(data), "00000000 0a00 0200 0000 0000 b200 %02x%02x %s", (unsigned)(cn & 0xff),
		 (unsigned)(cn >> 8), cip);
	return encap(out, 0x6f, 0x11223344, ctx, data);
}

static void test_session_and_services(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n = encap(b, 0x65, 0, 1, "0100 0000");
	at_feed(&t, 0, b, n);
	n = encap(b, 0x65, 0x11223344, 1, "0100 0000");
	at_feed(&t, 1, b, n);
	/* Suricata's names for the command and status, the codes beside them */
	AT_HAS(&t, 0, "\"request\":{\"command\":\"register_session\",\"status\":\"success\","
		      "\"command_raw\":101,\"status_raw\":0,\"length\":4,\"session\":0,"
		      "\"register_session\":{\"protocol_version\":1}}");
	AT_HAS(&t, 1, "\"session\":287454020");
	/* Get_Attribute_Single identity class 1, instance 1, attribute 7 */
	n = rr(b, 2, "0e 03 2001 2401 3007");
	at_feed(&t, 0, b, n);
	/* the path as Suricata's segments, the class named */
	AT_HAS(&t, 2, "\"cip\":{\"service\":\"Get Attributes Single\",\"service_raw\":14,"
		      "\"path\":[{\"segment_type\":\"class\",\"value\":1},"
		      "{\"segment_type\":\"instance\",\"value\":1},"
		      "{\"segment_type\":\"attribute\",\"value\":7}],\"class_name\":\"Identity\"}");
	assert_int_equal(t.fn[2], 14);
	n = rr(b, 2, "8e 00 00 00 04 4c363142");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 3, "\"response\":{\"command\":\"send_rr_data\",\"status\":\"success\"");
	AT_HAS(&t, 3, "\"cip\":{\"service\":\"Get Attributes Single\",\"service_raw\":14,"
		      "\"status\":\"Success\",\"status_raw\":0}");
	/* a CIP error on a 16-bit class path */
	n = rr(b, 3, "0e 03 21000401 2401");
	at_feed(&t, 0, b, n);
	/* 16-bit class 0x0104, which has no name */
	AT_HAS(&t, 4, "{\"segment_type\":\"class\",\"value\":260}");
	AT_HAS(&t, 4, "\"class_name\":\"unknown-260\"");
	n = rr(b, 3, "8e 00 14 00");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 5, "\"status\":\"Attribute Not Supported\",\"status_raw\":20");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_multiple_service(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* MSP to the message router: two Read_Tag with symbolic paths */
	size_t n = rr(b, 9, "0a 02 2002 2401 0200 0600 1200"
			     " 4c 04 9105 5370656564 00 0100"
			     " 4c 03 9104 54656d70 0100");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"multiple\":[{\"service\":\"Read Data\",\"service_raw\":76,\"symbol\":\"Speed\"},"
		      "{\"service\":\"Read Data\",\"service_raw\":76,\"symbol\":\"Temp\"}]");
	assert_int_equal(t.fn[0], APP_FUNC_SEVERAL);
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_list_identity_udp(void **s)
{
	(void)s;
	struct at t;
	at_init(&t, &proto_enip, APP_UDP, 44818, 44818);
	size_t n = encap(b, 0x63, 0, 0, "");
	at_datagram(&t, 0, b, n);
	n = encap(b, 0x63, 0, 0,
		  "0100 0c00 3600 0100 0002 af12 0a000032 0000000000000000 0100 0e00 3600 140b 6000"
		  " 7d3a9c00 14 313735362d4c36312f42204c4f47495835353631 03");
	at_datagram(&t, 1, b, n);
	assert_int_equal(t.n_tx, 2);
	/* vendor and device type named as Suricata names them, serial a number */
	AT_HAS(&t, 1, "\"identity\":{\"protocol_version\":1,\"revision\":\"20.11\","
		      "\"vendor_id\":\"Rockwell Automation/Allen-Bradley\",\"vendor_id_raw\":1,"
		      "\"device_type\":\"Programmable Logic Controller\",\"device_type_raw\":14,"
		      "\"product_code\":54,\"status\":96,\"serial\":10238589,"
		      "\"product_name\":\"1756-L61/B LOGIX5561\",\"state\":3}");
	/* many devices answer one request over UDP: not unsolicited */
	at_datagram(&t, 1, b, n);
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_io(void **s)
{
	(void)s;
	struct at t;
	at_init(&t, &proto_enip, APP_UDP, 2222, 2222);
	size_t n = at_hex(b, sizeof(b), "0200 0280 0800 01001200 64000000 b100 0600 6400 00ff0000");
	at_datagram(&t, 1, b, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"io\":{\"connection_id\":1179649,\"sequence\":100}");
	at_fini(&t);
}

static void test_events(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n = encap(b, 0x65, 0, 1, "");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "enip.invalid_length");
	at_clear(&t);
	n = encap(b, 0x99, 0, 2, "");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "enip.unsupported_command");
	at_clear(&t);
	n = encap(b, 0x6f, 7, 3, "00000000 0000 0200 0000 0000 b200 2800");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "enip.invalid_cpf");
	at_clear(&t);
	n = rr(b, 4, "0e 02 e7112233");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "enip.invalid_cip_path");
	at_clear(&t);
	n = rr(b, 4, "0e 04 2001 2401"); /* a path longer than the message */
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "enip.invalid_cip_path");
	at_clear(&t);
	/* 70 No_Operation services in one MSP */
	char cip[1200];
	int k = snprintf(cip, sizeof(cip), "0a 02 2002 2401 4600");
	for (int i = 0; i < 70; i++)
		k += snprintf(cip + k, sizeof(cip) - (size_t)k, " %02x%02x", (2 + 70 * 2 + i * 2) & 0xff,
			      (2 + 70 * 2 + i * 2) >> 8);
	for (int i = 0; i < 70; i++)
		k += snprintf(cip + k, sizeof(cip) - (size_t)k, " 1700");
	n = rr(b, 5, cip);
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "enip.too_many_services");
	at_clear(&t);
	n = rr(b, 0xdead, "8e 00 00 00");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "enip.unsolicited_response");
	at_fini(&t);
}

static void test_keywords(void **s)
{
	(void)s;
	struct at t;
	at_init(&t, &proto_enip, APP_UDP, 44818, 44818);
	unsigned cmd = at_kw(&t, "enip_command", "99");
	unsigned svc = at_kw(&t, "cip_service", "14,1,7");
	unsigned cls = at_kw(&t, "enip.cip_class", "1");
	unsigned ven = at_kw(&t, "enip.vendor_id", "1");
	unsigned pn = at_kw(&t, "enip.product_name", NULL);
	unsigned dt = at_kw(&t, "enip.device_type", ">10");
	size_t n = encap(b, 0x63, 0, 0, "");
	at_datagram(&t, 0, b, n);
	n = encap(b, 0x63, 0, 0,
		  "0100 0c00 3600 0100 0002 af12 0a000032 0000000000000000 0100 0e00 3600 140b 6000"
		  " 7d3a9c00 14 313735362d4c36312f42204c4f47495835353631 03");
	at_datagram(&t, 1, b, n);
	n = rr(b, 2, "0e 03 2001 2401 3007");
	at_datagram(&t, 0, b, n);
	assert_int_equal(t.kw[cmd].matched, 2);
	assert_int_equal(t.kw[svc].matched, 1);
	assert_int_equal(t.kw[cls].matched, 1);
	assert_int_equal(t.kw[ven].matched, 1);
	assert_int_equal(t.kw[dt].matched, 1);
	assert_int_equal(t.kw[pn].matched, 1);
	assert_string_equal(t.kw[pn].buf, "1756-L61/B LOGIX5561");
	assert_non_null(at_kw_error(&proto_enip, "cip_service", "x"));
	assert_non_null(at_kw_error(&proto_enip, "enip_command", "-1"));
	at_fini(&t);
}

static void test_probe(void **s)
{
	(void)s;
	size_t n = encap(b, 0x65, 0, 1, "0100 0000");
	assert_int_equal(proto_enip.probe(b, n, 0), APP_PROBE_YES);
	assert_int_equal(proto_enip.probe(b, 10, 0), APP_PROBE_MORE);
	assert_int_equal(proto_enip.probe((const uint8_t *)"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27, 0),
			 APP_PROBE_NO);
	/* a PROFINET DCE/RPC datagram that starts like ListServices (04 00) */
	n = at_hex(b, sizeof(b), "040001000000010016000000000000002a2a30323030");
	assert_int_equal(proto_enip.probe(b, n, 0), APP_PROBE_NO);
	/* ListIdentity request: no data, session 0 */
	n = encap(b, 0x63, 0, 0, "");
	assert_int_equal(proto_enip.probe(b, n, 0), APP_PROBE_YES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_and_services), cmocka_unit_test(test_multiple_service),
		cmocka_unit_test(test_list_identity_udp),    cmocka_unit_test(test_io),
		cmocka_unit_test(test_events),               cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
