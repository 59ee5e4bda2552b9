/* SPDX-License-Identifier: BSD-3-Clause */
/* BACnet/IP parser: BVLC functions (ASHRAE 135 Annex J.2), NPDU and network
 * layer messages (clause 6), every APDU type (clause 20.1), the decoded
 * services' parameters (clause 21, tags of 20.2), request/response matching,
 * segments, every event, the bacnet.* keywords, the probe. */
#include "apptest.h"

#include "vigil/proto/bacnet.h"

extern const struct proto_parser proto_bacnet;

static uint8_t b[4096];

static void start(struct at *t)
{
	at_init(t, &proto_bacnet, APP_UDP, 47808, 47808);
}

/* A BVLC message: type 0x81, function fn, the length, then the hex body
 * (NPDU + APDU for the NPDU functions). */
static size_t bvlc(uint8_t *out, uint8_t fn, const char *body)
{
	size_t n = at_hex(out + 4, sizeof(b) - 4, body);
	out[0] = 0x81;
	out[1] = fn;
	out[2] = (uint8_t)((n + 4) >> 8);
	out[3] = (uint8_t)(n + 4);
	return n + 4;
}

/* Original-Unicast-NPDU, NPDU without addresses (01 04: expecting reply,
 * 01 00 otherwise), then the APDU. */
static void uni(struct at *t, int dir, bool reply, const char *apdu)
{
	static char h[8192];
	snprintf(h, sizeof(h), "%s %s", reply ? "0104" : "0100", apdu);
	size_t n = bvlc(b, 0x0a, h);
	at_datagram(t, dir, b, n);
}

static void test_who_is_i_am(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* Original-Broadcast-NPDU; NPDU DNET 0xffff DLEN 0 hop 255; Who-Is
	 * [0] low 3, [1] high 1000 (21.1.15) */
	size_t n = bvlc(b, 0x0b, "01 20 ffff 00 ff  10 08 09 03 1a 03e8");
	at_datagram(&t, 0, b, n);
	/* I-Am: device 1234, max APDU 1476, no segmentation, vendor 260 (21.1.2) */
	n = bvlc(b, 0x0b, "01 00  10 00 c4 020004d2 22 05c4 91 03 22 0104");
	at_datagram(&t, 1, b, n);
	assert_int_equal(t.n_tx, 2);
	AT_HAS(&t, 0, "\"bvlc\":{\"function\":11,\"function_name\":\"original_broadcast_npdu\",\"length\":17}");
	AT_HAS(&t, 0, "\"dnet\":65535,\"hop_count\":255");
	AT_HAS(&t, 0, "\"type\":1,\"type_name\":\"unconfirmed_request\",\"service\":8,\"service_name\":\"who_is\"");
	AT_HAS(&t, 0, "\"who_is\":{\"low_limit\":3,\"high_limit\":1000}");
	AT_LACKS(&t, 0, "request_seen");
	assert_int_equal(t.fn[0], 256 + 8);
	AT_HAS(&t, 1, "\"i_am\":{\"device_instance\":1234,\"max_apdu\":1476,\"segmentation\":3,"
		      "\"segmentation_name\":\"no_segmentation\",\"vendor_id\":260,"
		      "\"vendor_name\":\"BACnet Stack at SourceForge\"}");
	AT_HAS(&t, 1, "\"objects\":[{\"object_type\":8,\"object_type_name\":\"device\",\"instance\":1234}]");
	assert_int_equal(t.fn[1], 256);
	assert_false(t.resp[1]);
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_read_property(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned objname = at_kw(&t, "bacnet.object_name", NULL);
	unsigned strval = at_kw(&t, "bacnet.string_value", NULL);
	/* ReadProperty (21.? 15.5): max APDU code 5, invoke 1, service 12,
	 * [0] device 1234, [1] model-name (70) */
	uni(&t, 0, true, "00 05 01 0c 0c 020004d2 19 46");
	/* ComplexACK: [3] { CharacterString UTF-8 "VG-Ctrl-9" } */
	uni(&t, 1, false, "30 01 0c 0c 020004d2 19 46 3e 75 0a 00 56472d4374726c2d39 3f");
	assert_int_equal(t.n_tx, 2);
	AT_HAS(&t, 0, "\"segmented\":false,\"more_follows\":false,\"segmented_response_accepted\":false,"
		      "\"max_segments\":0,\"max_apdu\":1476,\"invoke_id\":1,\"service\":12,"
		      "\"service_name\":\"read_property\"");
	AT_HAS(&t, 0, "\"expecting_reply\":true");
	AT_HAS(&t, 0, "{\"object_type\":8,\"object_type_name\":\"device\",\"instance\":1234,"
		      "\"property\":70,\"property_name\":\"model_name\"}");
	assert_false(t.resp[0]);
	assert_true(t.resp[1]);
	AT_HAS(&t, 1, "\"request_seen\":true");
	AT_HAS(&t, 1, "\"property_name\":\"model_name\",\"value_type\":\"character_string\","
		      "\"charset\":0,\"charset_name\":\"utf_8\",\"value_text\":\"VG-Ctrl-9\"");
	assert_int_equal(t.fn[1], 12);
	/* the string buffer holds the model name; object_name has nothing */
	assert_int_equal(t.kw[strval].matched, 1);
	assert_string_equal(t.kw[strval].buf, "VG-Ctrl-9");
	assert_int_equal(t.kw[objname].matched, 0);
	/* an object-name read fills bacnet.object_name */
	uni(&t, 0, true, "00 05 02 0c 0c 020004d2 19 4d");
	uni(&t, 1, false, "30 02 0c 0c 020004d2 19 4d 3e 75 05 00 426f696c 3f");
	assert_int_equal(t.kw[objname].matched, 1);
	assert_string_equal(t.kw[objname].buf, "Boil");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_write_property(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* WriteProperty: analog-output 5, present-value, [3] REAL 72.0, [4]
	 * priority 8 (21.? 15.9) */
	uni(&t, 0, true, "00 05 03 0f 0c 00400005 19 55 3e 44 42900000 3f 49 08");
	AT_HAS(&t, 0, "\"service\":15,\"service_name\":\"write_property\"");
	AT_HAS(&t, 0, "{\"object_type\":1,\"object_type_name\":\"analog_output\",\"instance\":5,"
		      "\"property\":85,\"property_name\":\"present_value\",\"value_type\":\"real\","
		      "\"value\":72,\"priority\":8}");
	/* relinquish (NULL) at priority 1, with an array index */
	uni(&t, 0, true, "00 05 04 0f 0c 00400005 19 57 29 02 3e 00 3f 49 01");
	AT_HAS(&t, 1, "\"property_name\":\"priority_array\",\"array_index\":2,\"value_type\":\"null\","
		      "\"value\":null,\"priority\":1");
	/* every application datum type as the value: one member name per JSON
	 * type (value_type names the datum) */
	const char *vals[][2] = {
		{ "11", "\"value_type\":\"boolean\",\"value_bool\":true" },
		{ "22 0104", "\"value_type\":\"unsigned\",\"value\":260" },
		{ "31 fe", "\"value_type\":\"signed\",\"value\":-2" },
		{ "55 08 4000000000000000", "\"value_type\":\"double\",\"value\":2" },
		{ "63 0a0b0c", "\"value_type\":\"octet_string\",\"value_hex\":\"0a0b0c\"" },
		{ "82 05 a8", "\"value_type\":\"bit_string\",\"value_text\":\"101\"" },
		{ "91 03", "\"value_type\":\"enumerated\",\"value\":3" },
		{ "a4 7c030fff", "\"value_type\":\"date\",\"value_text\":\"2024-03-15\"" },
		{ "b4 0e1eff00", "\"value_type\":\"time\",\"value_text\":\"14:30:*.00\"" },
		{ "c4 02000001", "\"value_object\":{\"object_type\":8,\"object_type_name\":\"device\",\"instance\":1}" },
		{ "75 05 05 e9e0e9e0", "\"charset_name\":\"iso_8859_1\",\"value_text\":\"\xc3\xa9\xc3\xa0\xc3\xa9\xc3\xa0\"" },
		{ "75 05 04 00410042", "\"charset_name\":\"ucs_2\",\"value_text\":\"AB\"" },
		{ "75 04 02 3042a4", "\"charset_name\":\"jis_x_0208\",\"value_hex\":\"3042a4\"" },
		{ "21 01 21 02", "\"value_count\":2,\"value_type\":\"unsigned\",\"value\":1" },
		{ "", "\"value_count\":0" },
		{ "0e 21 01 0f", "\"value_type\":\"constructed\"" },
		{ "f9 20 05", "\"value_type\":\"constructed\"" }, /* extended tag number 32 */
	};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char h[256];
		at_clear(&t);
		snprintf(h, sizeof(h), "00 05 %02zx 0f 0c 00800001 19 55 3e %s 3f", i + 10, vals[i][0]);
		uni(&t, 0, true, h);
		assert_int_equal(t.n_tx, 1);
		AT_HAS(&t, 0, vals[i][1]);
		snprintf(h, sizeof(h), "20 %02zx 0f", i + 10);
		uni(&t, 1, false, h);
		AT_HAS(&t, 1, "\"request_seen\":true");
		AT_EVENTS(&t);
	}
	/* priority 17: an event, the write still logged */
	at_clear(&t);
	uni(&t, 0, true, "00 05 40 0f 0c 00400005 19 55 3e 44 42900000 3f 49 11");
	AT_EVENTS(&t, "bacnet.invalid_priority");
	AT_HAS(&t, 0, "\"priority\":17");
	at_fini(&t);
}

static void test_multiple(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* ReadPropertyMultiple: device 1234 { object-name, vendor-name, model-name } */
	uni(&t, 0, true, "00 05 03 0e 0c 020004d2 1e 09 4d 09 79 09 46 1f");
	AT_HAS(&t, 0, "\"objects\":[{\"object_type\":8,\"object_type_name\":\"device\",\"instance\":1234,"
		      "\"property\":77,\"property_name\":\"object_name\"},{\"object_type\":8,"
		      "\"object_type_name\":\"device\",\"instance\":1234,\"property\":121,"
		      "\"property_name\":\"vendor_name\"},{");
	AT_HAS(&t, 0, "\"object_count\":3");
	/* its ACK: object-name "Boil", vendor-name "ACME", model-name: an error */
	uni(&t, 1, false, "30 03 0e 0c 020004d2 1e 29 4d 4e 75 05 00 426f696c 4f 29 79 4e 75 05 00 41434d45 4f"
			  " 29 46 5e 91 02 91 20 5f 1f");
	AT_HAS(&t, 1, "\"property_name\":\"vendor_name\",\"value_type\":\"character_string\","
		      "\"charset\":0,\"charset_name\":\"utf_8\",\"value_text\":\"ACME\"");
	AT_HAS(&t, 1, "\"property_name\":\"model_name\",\"error_class\":2,\"error_class_name\":\"property\","
		      "\"error_code\":32,\"error_code_name\":\"unknown_property\"}");
	AT_HAS(&t, 1, "\"request_seen\":true");
	/* WritePropertyMultiple: analog-output 5 { present-value 72.0 priority 12,
	 * description "x" } */
	uni(&t, 0, true, "00 05 04 10 0c 00400005 1e 09 55 2e 44 42900000 2f 39 0c 09 1c 2e 75 02 00 78 2f 1f");
	AT_HAS(&t, 2, "\"property_name\":\"present_value\",\"value_type\":\"real\",\"value\":72,\"priority\":12}");
	AT_HAS(&t, 2, "\"property_name\":\"description\",\"value_type\":\"character_string\"");
	/* its error: [0] { property, write-access-denied } [1] the failed reference */
	uni(&t, 1, false, "50 04 10 0e 91 02 91 28 0f 1e 0c 00400005 19 55 1f");
	AT_HAS(&t, 3, "\"error_class\":2,\"error_class_name\":\"property\",\"error_code\":40,"
		      "\"error_code_name\":\"write_access_denied\",\"request_seen\":true");
	/* more references than are logged: counted */
	char h[2048];
	size_t k = (size_t)snprintf(h, sizeof(h), "00 05 05 0e 0c 020004d2 1e");
	for (int i = 0; i < 40; i++)
		k += (size_t)snprintf(h + k, sizeof(h) - k, " 09 %02x", 0x4d);
	snprintf(h + k, sizeof(h) - k, " 1f");
	uni(&t, 0, true, h);
	AT_HAS(&t, 4, "\"object_count\":40");
	assert_non_null(strstr(t.tx[4], "\"object_count\":40"));
	{
		unsigned objs = 0;
		for (const char *p = t.tx[4]; (p = strstr(p, "\"object_type\":8")); p++)
			objs++;
		assert_int_equal(objs, BACNET_MAX_REFS);
	}
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_device_control(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned rs = at_kw(&t, "bacnet.reinit_state", "warmstart");
	unsigned dcc = at_kw(&t, "bacnet.dcc_state", "disable");
	/* ReinitializeDevice warmstart, password "secret12" (21.? 16.4) */
	uni(&t, 0, true, "00 05 01 14 09 01 1d 09 00 7365637265743132");
	AT_HAS(&t, 0, "\"reinitialize_device\":{\"state\":1,\"state_name\":\"warmstart\",\"password_present\":true}");
	AT_LACKS(&t, 0, "secret");
	AT_LACKS(&t, 0, "7365637265743132");
	/* without password, coldstart */
	uni(&t, 0, true, "00 05 02 14 09 00");
	AT_HAS(&t, 1, "\"state_name\":\"coldstart\",\"password_present\":false");
	/* DeviceCommunicationControl: 5 minutes, disable, password "pass1" */
	uni(&t, 0, true, "00 05 03 11 09 05 19 01 2d 06 00 7061737331");
	AT_HAS(&t, 2, "\"device_communication_control\":{\"duration\":5,\"enable_disable\":1,"
		      "\"enable_disable_name\":\"disable\",\"password_present\":true}");
	AT_LACKS(&t, 2, "pass1");
	/* disable-initiation, no duration, no password */
	uni(&t, 0, true, "00 05 04 11 19 02");
	AT_HAS(&t, 3, "{\"enable_disable\":2,\"enable_disable_name\":\"disable_initiation\",\"password_present\":false}");
	/* the answers: password failure, simple ACKs */
	uni(&t, 1, false, "50 01 14 91 05 91 1a");
	AT_HAS(&t, 4, "\"error_code\":26,\"error_code_name\":\"password_failure\",\"request_seen\":true");
	uni(&t, 1, false, "20 02 14");
	AT_HAS(&t, 5, "\"type_name\":\"simple_ack\",\"invoke_id\":2,\"service\":20");
	assert_int_equal(t.kw[rs].matched, 1);
	assert_int_equal(t.kw[dcc].matched, 1);
	/* a DCC enable-disable of 3 is out of range */
	at_clear(&t);
	uni(&t, 0, true, "00 05 05 11 19 03");
	AT_EVENTS(&t, "bacnet.malformed_service");
	at_fini(&t);
}

static void test_files_objects_time(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* AtomicWriteFile: file 1, stream from 0, 4 octets (21.? 14.2) */
	uni(&t, 0, true, "00 05 01 07 c4 02800001 0e 31 00 64 deadbeef 0f");
	AT_HAS(&t, 0, "\"file\":{\"access\":\"stream\",\"start_position\":0,\"octet_count\":4}");
	AT_HAS(&t, 0, "\"object_type\":10,\"object_type_name\":\"file\",\"instance\":1");
	uni(&t, 1, false, "30 01 07 09 00");
	AT_HAS(&t, 1, "\"file\":{\"access\":\"stream\",\"start_position\":0}");
	/* record access: from record 2, two records */
	uni(&t, 0, true, "00 05 02 07 c4 02800001 1e 31 02 21 02 62 0102 61 03 1f");
	AT_HAS(&t, 2, "\"file\":{\"access\":\"record\",\"start_record\":2,\"record_count\":2}");
	/* AtomicReadFile: 480 octets from 0; the ACK: end of file, 3 octets */
	uni(&t, 0, true, "00 05 03 06 c4 02800001 0e 31 00 22 01e0 0f");
	AT_HAS(&t, 3, "\"file\":{\"access\":\"stream\",\"start_position\":0,\"octet_count\":480}");
	uni(&t, 1, false, "30 03 06 11 0e 31 00 63 010203 0f");
	AT_HAS(&t, 4, "\"file\":{\"access\":\"stream\",\"start_position\":0,\"octet_count\":3,\"end_of_file\":true}");
	/* CreateObject of an analog-value with an initial object-name; its ACK */
	uni(&t, 0, true, "00 05 04 0a 0e 09 02 0f 1e 09 4d 2e 75 04 00 415639 2f 1f");
	AT_HAS(&t, 5, "\"create_object\":{\"by_type\":true,\"initial_values\":1}");
	AT_HAS(&t, 5, "{\"object_type\":2,\"object_type_name\":\"analog_value\"},{\"object_type\":2,"
		      "\"object_type_name\":\"analog_value\",\"property\":77");
	uni(&t, 1, false, "30 04 0a c4 00800009");
	AT_HAS(&t, 6, "\"object_type_name\":\"analog_value\",\"instance\":9");
	/* DeleteObject */
	uni(&t, 0, true, "00 05 05 0b c4 00800009");
	AT_HAS(&t, 7, "\"service_name\":\"delete_object\"");
	AT_HAS(&t, 7, "\"instance\":9");
	/* TimeSynchronization 2024-03-15 14:30:00.00, UTC variant */
	uni(&t, 0, false, "10 06 a4 7c030f05 b4 0e1e0000");
	AT_HAS(&t, 8, "\"time_synchronization\":{\"date\":\"2024-03-15\",\"time\":\"14:30:00.00\"}");
	uni(&t, 0, false, "10 09 a4 ff0cffff b4 ffffffff");
	AT_HAS(&t, 9, "\"utc_time_synchronization\":{\"date\":\"*-12-*\",\"time\":\"*:*:*.*\"}");
	/* COV notification: process 1, device 2, binary-input 4, 0 s, present-value */
	uni(&t, 0, false, "10 02 09 01 1c 02000002 2c 00c00004 39 00 4e 09 55 2e 91 01 2f 4f");
	AT_HAS(&t, 10, "{\"object_type\":3,\"object_type_name\":\"binary_input\",\"instance\":4,"
		       "\"property\":85,\"property_name\":\"present_value\",\"value_type\":\"enumerated\",\"value\":1}");
	/* Who-Has by name, I-Have */
	uni(&t, 0, false, "10 07 3d 05 00 426f696c");
	AT_HAS(&t, 11, "\"who_has\":{\"object_name\":\"Boil\"}");
	uni(&t, 1, false, "10 01 c4 020004d2 c4 00000007 75 05 00 426f696c");
	AT_HAS(&t, 12, "\"i_have\":{\"object_name\":\"Boil\"}");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_errors(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* Error: object / unknown-object for ReadProperty 1 */
	uni(&t, 0, true, "00 05 01 0c 0c 00000001 19 55");
	uni(&t, 1, false, "50 01 0c 91 01 91 1f");
	AT_HAS(&t, 1, "\"type\":5,\"type_name\":\"error\",\"invoke_id\":1,\"service\":12,"
		      "\"service_name\":\"read_property\",\"error_class\":1,\"error_class_name\":\"object\","
		      "\"error_code\":31,\"error_code_name\":\"unknown_object\",\"request_seen\":true");
	/* Reject: unrecognized-service; the service comes from the request */
	uni(&t, 0, true, "00 05 02 1b 0c 00000001");
	uni(&t, 1, false, "60 02 09");
	AT_HAS(&t, 3, "\"invoke_id\":2,\"service\":27,\"service_name\":\"life_safety_operation\","
		      "\"service_from_request\":true,\"reject_reason\":9,"
		      "\"reject_reason_name\":\"unrecognized_service\",\"request_seen\":true");
	assert_int_equal(t.fn[3], 27);
	/* Abort by the server (segmentation not supported), by the client */
	uni(&t, 0, true, "00 05 03 0c 0c 00000001 19 55");
	uni(&t, 1, false, "71 03 04");
	AT_HAS(&t, 5, "\"server\":true,\"invoke_id\":3,\"service\":12");
	AT_HAS(&t, 5, "\"abort_reason\":4,\"abort_reason_name\":\"segmentation_not_supported\"");
	uni(&t, 0, true, "00 05 04 0c 0c 00000001 19 55");
	uni(&t, 0, false, "70 04 00");
	AT_HAS(&t, 7, "\"server\":false,\"invoke_id\":4");
	AT_HAS(&t, 7, "\"request_seen\":true");
	assert_true(t.resp[5]);
	assert_false(t.resp[7]);
	AT_EVENTS(&t);
	/* an Error cut after its class: no error logged, an event */
	uni(&t, 0, true, "00 05 05 0c 0c 00000001 19 55");
	uni(&t, 1, false, "50 05 0c 91 01");
	AT_EVENTS(&t, "bacnet.malformed_service");
	AT_LACKS(&t, 9, "error_class");
	AT_HAS(&t, 9, "\"request_seen\":true");
	at_fini(&t);
}

static void test_matching(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* an answer without a request */
	uni(&t, 1, false, "20 09 0f");
	AT_EVENTS(&t, "bacnet.unmatched_response");
	AT_HAS(&t, 0, "\"request_seen\":false");
	/* an answer in the requester's own direction answers nothing */
	at_clear(&t);
	uni(&t, 0, true, "00 05 0a 0f 0c 00400005 19 55 3e 44 42900000 3f");
	uni(&t, 0, false, "20 0a 0f");
	AT_EVENTS(&t, "bacnet.unmatched_response");
	/* the other side answers it; then the same answer again is unmatched */
	uni(&t, 1, false, "20 0a 0f");
	AT_HAS(&t, 2, "\"request_seen\":true");
	uni(&t, 1, false, "20 0a 0f");
	AT_EVENTS(&t, "bacnet.unmatched_response", "bacnet.unmatched_response");
	/* an answer of another service for the invoke id */
	at_clear(&t);
	uni(&t, 0, true, "00 05 0b 0c 0c 00000001 19 55");
	uni(&t, 1, false, "20 0b 0f");
	AT_EVENTS(&t, "bacnet.unmatched_response");
	/* each side keeps its own invoke ids: a request from either side */
	at_clear(&t);
	uni(&t, 0, true, "00 05 0c 0c 0c 00000001 19 55");
	uni(&t, 1, true, "00 05 0c 0c 0c 00000002 19 55");
	uni(&t, 0, false, "50 0c 0c 91 01 91 1f");
	uni(&t, 1, false, "50 0c 0c 91 01 91 1f");
	AT_EVENTS(&t);
	/* nine outstanding requests: the table holds eight */
	at_fini(&t);
	start(&t);
	for (int i = 0; i < 9; i++) {
		char h[64];
		snprintf(h, sizeof(h), "00 05 %02x 0c 0c 00000001 19 55", 0x20 + i);
		uni(&t, 0, true, h);
	}
	AT_EVENTS(&t, "bacnet.pending_table_full");
	/* the oldest (0x20) was forgotten, the newest is known */
	uni(&t, 1, false, "50 28 0c 91 01 91 1f");
	AT_EVENTS(&t, "bacnet.pending_table_full");
	uni(&t, 1, false, "50 20 0c 91 01 91 1f");
	AT_EVENTS(&t, "bacnet.pending_table_full", "bacnet.unmatched_response");
	/* an entry idle for more than a minute is forgotten */
	at_fini(&t);
	start(&t);
	t.ctx.fi.ts = 1000000000ull;
	uni(&t, 0, true, "00 05 01 0c 0c 00000001 19 55");
	t.ctx.fi.ts += 61000000ull;
	uni(&t, 1, false, "50 01 0c 91 01 91 1f");
	AT_EVENTS(&t, "bacnet.unmatched_response");
	at_fini(&t);
}

/* ComplexACK segment: invoke, seq, window, more follows */
static void cack_seg(struct at *t, unsigned inv, unsigned seq, unsigned win, bool more)
{
	char h[128];
	snprintf(h, sizeof(h), "%02x %02x %02x %02x 0e 0c 020004d2 1e 29 4d", more ? 0x3c : 0x38, inv, seq, win);
	uni(t, 1, false, h);
}

static void seg_ack(struct at *t, int dir, bool srv, unsigned inv, unsigned seq, unsigned win)
{
	char h[64];
	snprintf(h, sizeof(h), "%02x %02x %02x %02x", srv ? 0x41 : 0x40, inv, seq, win);
	uni(t, dir, false, h);
}

static void test_segments(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* RPM request accepting a segmented response (SA, max segments
	 * unspecified); three segments in windows of 2 with SegmentACKs */
	uni(&t, 0, true, "02 05 01 0e 0c 020004d2 1e 09 08 1f");
	cack_seg(&t, 1, 0, 2, true);
	cack_seg(&t, 1, 1, 2, true);
	seg_ack(&t, 0, false, 1, 1, 2);
	cack_seg(&t, 1, 2, 2, false);
	seg_ack(&t, 0, false, 1, 2, 2);
	AT_EVENTS(&t);
	assert_int_equal(t.n_tx, 6);
	AT_HAS(&t, 1, "\"segmented\":true,\"more_follows\":true,\"invoke_id\":1,\"sequence_number\":0,"
		      "\"proposed_window_size\":2,\"service\":14");
	AT_HAS(&t, 1, "\"parameters_partial\":true");
	AT_HAS(&t, 1, "\"property_name\":\"object_name\""); /* the first segment: as far as it goes */
	AT_LACKS(&t, 2, "\"objects\"");             /* later segments are not decoded */
	AT_HAS(&t, 3, "\"type_name\":\"segment_ack\",\"negative_ack\":false,\"server\":false,"
		      "\"invoke_id\":1,\"sequence_number\":1,\"actual_window_size\":2,\"service\":14,"
		      "\"service_name\":\"read_property_multiple\",\"service_from_request\":true");
	/* the transaction is over: another SegmentACK answers nothing */
	seg_ack(&t, 0, false, 1, 2, 2);
	AT_EVENTS(&t, "bacnet.unmatched_response");

	/* a gap, a repeat, then more segments than the window without an ACK */
	at_clear(&t);
	uni(&t, 0, true, "02 05 02 0e 0c 020004d2 1e 09 08 1f");
	cack_seg(&t, 2, 0, 3, true);
	cack_seg(&t, 2, 2, 3, true);
	AT_EVENTS(&t, "bacnet.segment_out_of_order");
	cack_seg(&t, 2, 2, 3, true);
	AT_EVENTS(&t, "bacnet.segment_out_of_order", "bacnet.segment_duplicate");
	cack_seg(&t, 2, 3, 3, true); /* four unacknowledged with a window of 3 */
	AT_EVENTS(&t, "bacnet.segment_out_of_order", "bacnet.segment_duplicate",
		  "bacnet.segment_overflow");
	/* a NAK asks for 3 again: its resend is in order */
	seg_ack(&t, 0, false, 2, 2, 3);
	at_clear(&t);
	uni(&t, 0, false, "42 02 02 03");
	cack_seg(&t, 2, 3, 3, false);
	AT_EVENTS(&t);
	AT_HAS(&t, 0, "\"negative_ack\":true");

	/* max-segments-accepted 2 (code 1): a third segment overflows */
	at_clear(&t);
	uni(&t, 0, true, "02 15 03 0e 0c 020004d2 1e 09 08 1f");
	cack_seg(&t, 3, 0, 4, true);
	cack_seg(&t, 3, 1, 4, true);
	AT_EVENTS(&t);
	cack_seg(&t, 3, 2, 4, false);
	AT_EVENTS(&t, "bacnet.segment_overflow");

	/* a request that does not accept a segmented response */
	at_clear(&t);
	uni(&t, 0, true, "00 05 04 0e 0c 020004d2 1e 09 08 1f");
	cack_seg(&t, 4, 0, 4, true);
	AT_EVENTS(&t, "bacnet.segment_overflow");

	/* a later segment without the first */
	at_clear(&t);
	uni(&t, 0, true, "02 05 05 0e 0c 020004d2 1e 09 08 1f");
	cack_seg(&t, 5, 1, 4, true);
	AT_EVENTS(&t, "bacnet.segment_out_of_order");

	/* a segmented WriteProperty request, acknowledged by the server, then
	 * answered */
	at_clear(&t);
	uni(&t, 0, true, "0e 05 08 00 04 0f 0c 00400005 19 55");
	uni(&t, 0, true, "0a 05 08 01 04 0f 3e 44 42900000 3f");
	seg_ack(&t, 1, true, 8, 1, 4);
	uni(&t, 1, false, "20 08 0f");
	AT_EVENTS(&t);
	AT_HAS(&t, 0, "\"segmented\":true,\"more_follows\":true,\"segmented_response_accepted\":true");
	AT_HAS(&t, 2, "\"server\":true");
	AT_HAS(&t, 2, "\"request_seen\":true");
	AT_HAS(&t, 3, "\"request_seen\":true");
	/* a repeated first segment of a request in progress */
	at_clear(&t);
	uni(&t, 0, true, "0e 05 09 00 04 0f 0c 00400005 19 55");
	uni(&t, 0, true, "0e 05 09 00 04 0f 0c 00400005 19 55");
	AT_EVENTS(&t, "bacnet.segment_duplicate");
	at_fini(&t);
}

static void test_npdu(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned nm = at_kw(&t, "bacnet.network_message", "i_am_router_to_network");
	/* routed request: DNET 3 DADR 0x6c hop 255; the answer with SNET/SADR */
	size_t n = bvlc(b, 0x0a, "01 24 0003 01 6c ff  00 05 01 0c 0c 00000001 19 55");
	at_datagram(&t, 0, b, n);
	AT_HAS(&t, 0, "\"npdu\":{\"version\":1,\"expecting_reply\":true,\"priority\":0,"
		      "\"priority_name\":\"normal\",\"dnet\":3,\"dadr\":\"6c\",\"hop_count\":255}");
	n = bvlc(b, 0x0a, "01 0b 0003 01 6c  50 01 0c 91 01 91 1f");
	at_datagram(&t, 1, b, n);
	AT_HAS(&t, 1, "\"priority\":3,\"priority_name\":\"life_safety\",\"snet\":3,\"sadr\":\"6c\"");
	AT_HAS(&t, 1, "\"request_seen\":true");
	/* network layer messages (6.4) */
	const char *msgs[][2] = {
		{ "01 80 00", "\"message_type\":0,\"message_name\":\"who_is_router_to_network\"}" },
		{ "01 80 01 0005 0006", "\"message_name\":\"i_am_router_to_network\",\"networks\":[5,6],\"network_count\":2" },
		{ "01 80 02 0005 32", "\"networks\":[5],\"network_count\":1" },
		{ "01 80 03 01 0007", "\"reject_reason\":1,\"reject_reason_name\":\"unknown_dnet\",\"networks\":[7]" },
		{ "01 80 06 02 0005 01 00 0006 02 00", "\"message_name\":\"initialize_routing_table\",\"networks\":[5,6]" },
		{ "01 80 06 01 0005 01 02 aabb", "\"message_name\":\"initialize_routing_table\"}" },
		{ "01 80 12", "\"message_name\":\"what_is_network_number\"}" },
		{ "01 80 13 0009 01", "\"message_name\":\"network_number_is\",\"networks\":[9]" },
		{ "01 80 80 0104 aa", "\"message_type\":128,\"message_name\":\"proprietary\",\"vendor_id\":260" },
	};
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		at_clear(&t);
		n = bvlc(b, 0x0b, msgs[i][0]);
		at_datagram(&t, 0, b, n);
		assert_int_equal(t.n_tx, 1);
		AT_HAS(&t, 0, msgs[i][1]);
		AT_LACKS(&t, 0, "\"apdu\"");
		assert_int_equal(t.fn[0], -1);
		AT_EVENTS(&t);
	}
	assert_int_equal(t.kw[nm].matched, 0);
	n = bvlc(b, 0x0b, "01 80 01 0005");
	at_datagram(&t, 0, b, n);
	assert_int_equal(t.kw[nm].matched, 1);
	/* bad ones */
	const char *bad[][2] = {
		{ "01 80 20", "bacnet.unknown_network_message" },
		{ "01 80 01 00", "bacnet.malformed_npdu" },          /* half a DNET */
		{ "01 80 12 00", "bacnet.malformed_npdu" },          /* trailing byte */
		{ "01 80 06 01 0005 01 05 aa", "bacnet.malformed_npdu" }, /* port info cut */
		{ "01 40 10 08", "bacnet.malformed_npdu" },          /* reserved control bit */
		{ "01 08 0005 00 10 08", "bacnet.malformed_npdu" },  /* SLEN 0 */
		{ "01 20 ffff", "bacnet.malformed_npdu" },           /* header cut */
		{ "01 80", "bacnet.malformed_npdu" },                /* no message type */
		{ "02 00 10 08", "bacnet.invalid_npdu_version" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		at_clear(&t);
		n = bvlc(b, 0x0b, bad[i][0]);
		at_datagram(&t, 0, b, n);
		assert_int_equal(t.n_tx, 1);
		AT_EVENTS(&t, bad[i][1]);
	}
	at_fini(&t);
}

static void test_bvlc(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned bf = at_kw(&t, "bacnet.bvlc_function", "write_broadcast_distribution_table");
	const char *ok[][3] = {
		{ "00", "0030", "\"result\":48,\"result_name\":\"register_foreign_device_nak\"" },
		{ "01", "0a000001bac0ffffffff 0a000102bac0ffffff00",
		  "\"entries\":[{\"address\":\"10.0.0.1:47808\",\"mask\":\"255.255.255.255\"},"
		  "{\"address\":\"10.0.1.2:47808\",\"mask\":\"255.255.255.0\"}],\"entry_count\":2" },
		{ "02", "", "\"function_name\":\"read_broadcast_distribution_table\",\"length\":4}" },
		{ "03", "", "\"function_name\":\"read_broadcast_distribution_table_ack\",\"length\":4}" },
		{ "05", "003c", "\"function_name\":\"register_foreign_device\",\"length\":6,\"ttl\":60}" },
		{ "06", "", "\"function_name\":\"read_foreign_device_table\"" },
		{ "07", "0a000009bac0003c001e",
		  "\"entries\":[{\"address\":\"10.0.0.9:47808\",\"ttl\":60,\"remaining\":30}],\"entry_count\":1" },
		{ "08", "0a000009bac0", "\"function_name\":\"delete_foreign_device_table_entry\",\"length\":10,"
					"\"address\":\"10.0.0.9:47808\"}" },
		{ "04", "0a000009bac0 0100 1008", "\"original_source\":\"10.0.0.9:47808\"}" },
		{ "09", "0100 1008", "\"function_name\":\"distribute_broadcast_to_network\"" },
		{ "0c", "00112233", "\"function_name\":\"secure_bvll\",\"length\":8}" },
	};
	unsigned bf_hits = 0;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		at_clear(&t);
		size_t n = bvlc(b, (uint8_t)strtoul(ok[i][0], NULL, 16), ok[i][1]);
		at_datagram(&t, 0, b, n);
		assert_int_equal(t.n_tx, 1);
		AT_HAS(&t, 0, ok[i][2]);
		AT_EVENTS(&t);
		bf_hits += t.kw[bf].matched;
	}
	assert_int_equal(bf_hits, 1);
	const char *bad[][3] = {
		{ "00", "0031", "bacnet.malformed_bvlc" },   /* undefined result */
		{ "00", "00", "bacnet.malformed_bvlc" },     /* short */
		{ "01", "0a000001bac0ffff", "bacnet.malformed_bvlc" },
		{ "02", "00", "bacnet.malformed_bvlc" },
		{ "05", "00", "bacnet.malformed_bvlc" },
		{ "08", "0a000009", "bacnet.malformed_bvlc" },
		{ "04", "0a0000", "bacnet.malformed_bvlc" },
		{ "0d", "", "bacnet.unknown_bvlc_function" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		at_clear(&t);
		size_t n = bvlc(b, (uint8_t)strtoul(bad[i][0], NULL, 16), bad[i][1]);
		at_datagram(&t, 0, b, n);
		assert_int_equal(t.n_tx, 1);
		AT_EVENTS(&t, bad[i][2]);
	}
	/* not BVLC for BACnet/IP (0x82 is BACnet/IPv6): no tx */
	at_clear(&t);
	size_t n = at_hex(b, sizeof(b), "82 0a 0006 0100");
	at_datagram(&t, 0, b, n);
	assert_int_equal(t.n_tx, 0);
	AT_EVENTS(&t, "bacnet.invalid_bvlc_type");
	/* a BVLC length that is not the datagram's: an event, the datagram parsed */
	at_clear(&t);
	n = bvlc(b, 0x0a, "0100 1008");
	b[3] = 0x20;
	at_datagram(&t, 0, b, n);
	AT_EVENTS(&t, "bacnet.invalid_bvlc_length");
	AT_HAS(&t, 0, "\"length\":32");
	AT_HAS(&t, 0, "\"service_name\":\"who_is\"");
	/* shorter than a BVLC header: the core's truncation event */
	at_clear(&t);
	at_datagram(&t, 0, b, 3);
	AT_EVENTS(&t, "applayer.truncated_pdu");
	at_fini(&t);
}

static void test_apdu(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	const char *bad[][2] = {
		{ "90 00", "bacnet.unknown_apdu_type" },
		{ "00 05", "bacnet.malformed_apdu" },                 /* no invoke id */
		{ "00 06 01 0c 0c 00000001 19 55", "bacnet.malformed_apdu" }, /* max-APDU code 6 */
		{ "11 08", "bacnet.malformed_apdu" },                 /* reserved bits */
		{ "00 05 01 30", "bacnet.unknown_service" },         /* confirmed 48 */
		{ "10 20", "bacnet.unknown_service" },               /* unconfirmed 32 */
		{ "", "bacnet.malformed_apdu" },                     /* empty */
		{ "30 01", "bacnet.malformed_apdu" },                 /* ComplexACK without service */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		at_clear(&t);
		uni(&t, 0, false, bad[i][0]);
		assert_int_equal(t.n_tx, 1);
		AT_EVENTS(&t, bad[i][1]);
	}
	/* a window of 0 on a segmented ComplexACK (its request seen) */
	at_clear(&t);
	uni(&t, 0, true, "02 05 07 0c 0c 00000001 19 55");
	uni(&t, 1, false, "3c 07 00 00 0c");
	AT_EVENTS(&t, "bacnet.malformed_apdu");
	/* a confirmed request broadcast, by BVLC and by DNET 0xffff */
	at_clear(&t);
	size_t n = bvlc(b, 0x0b, "0104 00 05 01 14 09 00");
	at_datagram(&t, 0, b, n);
	n = bvlc(b, 0x0a, "0124 ffff 00 ff 00 05 02 14 09 00");
	at_datagram(&t, 0, b, n);
	AT_EVENTS(&t, "bacnet.confirmed_broadcast", "bacnet.confirmed_broadcast");
	/* an APDU longer than BACnet/IP carries (UnconfirmedPrivateTransfer,
	 * parameters not decoded) */
	at_clear(&t);
	{
		static char h[4000];
		size_t k = (size_t)snprintf(h, sizeof(h), "10 04");
		for (int i = 0; i < 1480; i++)
			k += (size_t)snprintf(h + k, sizeof(h) - k, "00");
		uni(&t, 0, false, h);
	}
	AT_EVENTS(&t, "bacnet.apdu_too_long");
	AT_HAS(&t, 0, "\"length\":1482");
	at_fini(&t);
}

static void test_tags(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* extended length, 2-byte form (LVT 5, 254): a 300-character string is
	 * logged up to 256 characters */
	{
		static char h[1200];
		size_t k = (size_t)snprintf(h, sizeof(h), "30 01 0c 0c 020004d2 19 1c 3e 75 fe 012d 00");
		for (int i = 0; i < 300; i++)
			k += (size_t)snprintf(h + k, sizeof(h) - k, "61");
		snprintf(h + k, sizeof(h) - k, " 3f");
		uni(&t, 0, true, "00 05 01 0c 0c 020004d2 19 1c");
		uni(&t, 1, false, h);
		AT_HAS(&t, 1, "\"value_truncated\":true");
		char want[300];
		memset(want, 'a', 256);
		want[256] = '"';
		want[257] = 0;
		assert_non_null(strstr(t.tx[1], want));
		memset(want, 'a', 257);
		want[257] = 0;
		assert_null(strstr(t.tx[1], want));
	}
	/* 4-byte form (255) */
	at_clear(&t);
	uni(&t, 0, true, "00 05 02 0f 0c 00400005 19 1c 3e 75 ff 00000005 00 61626364 3f");
	AT_HAS(&t, 0, "\"value_text\":\"abcd\"");
	AT_EVENTS(&t);
	/* nested opening tags beyond MAX_DEPTH */
	at_clear(&t);
	{
		char h[512];
		size_t k = (size_t)snprintf(h, sizeof(h), "00 05 03 0f 0c 00400005 19 55 3e");
		for (int i = 0; i < 20; i++)
			k += (size_t)snprintf(h + k, sizeof(h) - k, " 0e");
		for (int i = 0; i < 20; i++)
			k += (size_t)snprintf(h + k, sizeof(h) - k, " 0f");
		snprintf(h + k, sizeof(h) - k, " 3f");
		uni(&t, 0, true, h);
	}
	AT_EVENTS(&t, "bacnet.nesting_too_deep");
	/* nesting within the bound is fine */
	at_clear(&t);
	uni(&t, 0, true, "00 05 04 0f 0c 00400005 19 55 3e 0e 1e 2e 21 01 2f 1f 0f 3f");
	AT_EVENTS(&t);
	AT_HAS(&t, 0, "\"value_type\":\"constructed\"");
	const char *bad[] = {
		"3e d1 00 3f",             /* reserved application tag 13 */
		"3e 0e 21 01 1f 3f",       /* closing tag of another number */
		"3e 21 01",                /* no closing tag */
		"3e 44 4290 3f",           /* REAL of 2 bytes */
		"3e 56 00 3f",             /* application tag with LVT 6 */
		"3e 82 08 ff 3f",          /* bit string with 8 unused bits */
		"3e 20 3f",                /* unsigned of 0 bytes */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char h[256];
		at_clear(&t);
		snprintf(h, sizeof(h), "00 05 05 0f 0c 00400005 19 55 %s", bad[i]);
		uni(&t, 0, true, h);
		assert_int_equal(t.n_tx, 1);
		AT_EVENTS(&t, "bacnet.malformed_service");
	}
	/* trailing bytes after the parameters; a missing parameter */
	at_clear(&t);
	uni(&t, 0, true, "00 05 06 0c 0c 00400005 19 55 00");
	AT_EVENTS(&t, "bacnet.malformed_service");
	at_clear(&t);
	uni(&t, 0, true, "00 05 07 0c 0c 00400005");
	AT_EVENTS(&t, "bacnet.malformed_service");
	/* I-Am of an object that is not a device; Who-Is with one limit */
	at_clear(&t);
	uni(&t, 0, false, "10 00 c4 000004d2 22 05c4 91 03 22 0104");
	AT_EVENTS(&t, "bacnet.malformed_service");
	at_clear(&t);
	uni(&t, 0, false, "10 08 09 03");
	AT_EVENTS(&t, "bacnet.malformed_service");
	at_fini(&t);
}

/* Hostile lengths: a tag's 4-byte extended length and the BVLC length. */
static void test_hostile_lengths(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* the string has 5 content bytes: exact is 5 */
	const uint32_t lens[] = { 0, 1, 4, 6, 0x7fffffffu, 0xffffffffu, 0x80000000u, 0xfffffffeu };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char h[256];
		at_clear(&t);
		snprintf(h, sizeof(h), "00 05 01 0f 0c 00400005 19 1c 3e 75 ff %08x 00 61626364 3f", lens[i]);
		uni(&t, 0, true, h);
		assert_int_equal(t.n_tx, 1);
		AT_EVENTS(&t, "bacnet.malformed_service");
	}
	/* the 2-byte form past the end */
	const unsigned l2[] = { 6, 0xffff, 0x7fff };
	for (size_t i = 0; i < sizeof(l2) / sizeof(l2[0]); i++) {
		char h[256];
		at_clear(&t);
		snprintf(h, sizeof(h), "00 05 01 0f 0c 00400005 19 1c 3e 75 fe %04x 00 61626364 3f", l2[i]);
		uni(&t, 0, true, h);
		AT_EVENTS(&t, "bacnet.malformed_service");
	}
	/* the BVLC length: 0, 1, 3, 4, one less and one more than the
	 * datagram, 0x7fff, 0xffff: an event each, never a crash */
	size_t n = bvlc(b, 0x0a, "0100 10 08 09 03 1a 03e8");
	const unsigned bl[] = { 0, 1, 3, 4, (unsigned)n - 1, (unsigned)n + 1, 0x7fff, 0xffff };
	for (size_t i = 0; i < sizeof(bl) / sizeof(bl[0]); i++) {
		at_clear(&t);
		b[2] = (uint8_t)(bl[i] >> 8);
		b[3] = (uint8_t)bl[i];
		at_datagram(&t, 0, b, n);
		AT_EVENTS(&t, "bacnet.invalid_bvlc_length");
		assert_int_equal(t.n_tx, 1);
	}
	/* every prefix of a valid datagram: a clean failure each */
	n = bvlc(b, 0x0a, "0104 00 05 01 0f 0c 00400005 19 55 3e 44 42900000 3f 49 08");
	for (size_t k = 1; k < n; k++) {
		at_clear(&t);
		b[2] = 0;
		b[3] = (uint8_t)n;
		at_datagram(&t, 0, b, k);
		assert_true(t.n_ev >= 1);
		assert_true(t.n_tx <= 1);
	}
	at_fini(&t);
}

static void test_keywords(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned wp = at_kw(&t, "bacnet.service", "write_property");
	unsigned wpn = at_kw(&t, "bacnet.service", "15");
	unsigned list = at_kw(&t, "bacnet.service", "who_is, i_am,confirmed 20-22");
	unsigned ureq = at_kw(&t, "bacnet.service", "unconfirmed <2");
	unsigned ot = at_kw(&t, "bacnet.object_type", "analog_output");
	unsigned in = at_kw(&t, "bacnet.instance", ">1000");
	unsigned pr = at_kw(&t, "bacnet.property", "present_value");
	unsigned pri = at_kw(&t, "bacnet.priority", "1-3");
	uni(&t, 0, true, "00 05 01 0f 0c 00400005 19 55 3e 44 42900000 3f 49 02");
	uni(&t, 1, false, "20 01 0f");
	uni(&t, 0, false, "10 08");
	uni(&t, 1, false, "10 00 c4 020004d2 22 05c4 91 03 22 0104");
	uni(&t, 0, true, "00 05 02 15 09 00"); /* confirmed text... 21: vt_open */
	assert_int_equal(t.kw[wp].matched, 2);   /* the request and its ACK */
	assert_int_equal(t.kw[wpn].matched, 2);
	assert_int_equal(t.kw[list].matched, 3);
	assert_int_equal(t.kw[ureq].matched, 1);
	assert_int_equal(t.kw[ot].matched, 1);
	assert_int_equal(t.kw[in].matched, 1);
	assert_int_equal(t.kw[pr].matched, 1);
	assert_int_equal(t.kw[pri].matched, 1);
	at_fini(&t);

	start(&t);
	unsigned at = at_kw(&t, "bacnet.apdu_type", "error");
	unsigned ec = at_kw(&t, "bacnet.error_class", "property");
	unsigned eco = at_kw(&t, "bacnet.error_code", "unknown_property");
	unsigned rj = at_kw(&t, "bacnet.reject_reason", "unrecognized_service");
	unsigned ab = at_kw(&t, "bacnet.abort_reason", "other");
	unsigned iv = at_kw(&t, "bacnet.invoke_id", "9");
	uni(&t, 0, true, "00 05 09 0c 0c 00000001 19 55");
	uni(&t, 1, false, "50 09 0c 91 02 91 20");
	uni(&t, 0, true, "00 05 0a 1b 0c 00000001");
	uni(&t, 1, false, "60 0a 09");
	uni(&t, 1, false, "71 0b 00");
	assert_int_equal(t.kw[at].matched, 1);
	assert_int_equal(t.kw[ec].matched, 1);
	assert_int_equal(t.kw[eco].matched, 1);
	assert_int_equal(t.kw[rj].matched, 1);
	assert_int_equal(t.kw[ab].matched, 1);
	assert_int_equal(t.kw[iv].matched, 2);
	at_fini(&t);

	/* setup errors name the problem */
	assert_non_null(at_kw_error(&proto_bacnet, "bacnet.service", "write_propertyy"));
	assert_non_null(at_kw_error(&proto_bacnet, "bacnet.service", "confirmed 256"));
	assert_non_null(at_kw_error(&proto_bacnet, "bacnet.service", "who_is,,i_am"));
	assert_non_null(at_kw_error(&proto_bacnet, "bacnet.service", ""));
	assert_non_null(at_kw_error(&proto_bacnet, "bacnet.object_type", "device_x"));
	assert_non_null(at_kw_error(&proto_bacnet, "bacnet.instance", "4194304"));
	assert_non_null(at_kw_error(&proto_bacnet, "bacnet.apdu_type", "16"));
	assert_null(at_kw_error(&proto_bacnet, "bacnet.object_type", "1023"));
	assert_null(at_kw_error(&proto_bacnet, "bacnet.property", "PRESENT_VALUE"));
	/* the index set of a service list */
	const struct app_keyword *k = NULL;
	for (unsigned i = 0; i < proto_bacnet.n_keywords; i++)
		if (strcmp(proto_bacnet.keywords[i].name, "bacnet.service") == 0)
			k = &proto_bacnet.keywords[i];
	assert_non_null(k);
	void *d = NULL;
	char err[128];
	assert_int_equal(k->setup("reinitialize_device,who_is", &d, err, sizeof(err)), 0);
	uint8_t set[APP_FUNC_BITS / 8] = { 0 };
	assert_true(k->functions(d, set));
	assert_true(set[20 / 8] & (1u << (20 % 8)));
	assert_true(set[(256 + 8) / 8] & (1u << ((256 + 8) % 8)));
	assert_false(set[8 / 8] & (1u << (8 % 8)));
	free(d);
}

static void test_probe(void **s)
{
	(void)s;
	size_t n = bvlc(b, 0x0b, "0100 10 08");
	assert_int_equal(proto_bacnet.probe(b, n, 0), APP_PROBE_YES);
	assert_int_equal(proto_bacnet.probe(b, n, 1), APP_PROBE_YES);
	assert_int_equal(proto_bacnet.probe(b, 2, 0), APP_PROBE_MORE);
	n = bvlc(b, 0x00, "0000");
	assert_int_equal(proto_bacnet.probe(b, n, 0), APP_PROBE_YES);
	n = bvlc(b, 0x0a, "01 80 01 0005");
	assert_int_equal(proto_bacnet.probe(b, n, 0), APP_PROBE_YES);
	/* a wrong BVLC length with a plausible NPDU: still BACnet (an event later) */
	n = bvlc(b, 0x0a, "0104 00 05 01 0c 0c 00000001 19 55");
	b[3] = 0x08;
	assert_int_equal(proto_bacnet.probe(b, n, 0), APP_PROBE_YES);
	/* no: other protocols, junk, version 2, undefined function, a BVLC
	 * result of the wrong size, an NPDU without an APDU, BACnet/IPv6 */
	const char *no[] = {
		"474554202f20485454502f312e310d0a", "5353482d322e302d4f70656e5353480d0a",
		"810a000802001008", "810d0004", "810000050000", "810a00060100", "820b000a0100100809",
		"810a0008014010 08", "810a00080100f008",
	};
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		n = at_hex(b, sizeof(b), no[i]);
		assert_int_equal(proto_bacnet.probe(b, n, 0), APP_PROBE_NO);
	}
	/* the parser itself does not care about the port: BACnet on 47900 */
	struct at t;
	at_init(&t, &proto_bacnet, APP_UDP, 40000, 47900);
	n = bvlc(b, 0x0a, "0104 00 05 01 14 09 00");
	assert_int_equal(proto_bacnet.probe(b, n, 0), APP_PROBE_YES);
	at_datagram(&t, 0, b, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"service_name\":\"reinitialize_device\"");
	at_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_who_is_i_am),    cmocka_unit_test(test_read_property),
		cmocka_unit_test(test_write_property), cmocka_unit_test(test_multiple),
		cmocka_unit_test(test_device_control), cmocka_unit_test(test_files_objects_time),
		cmocka_unit_test(test_errors),         cmocka_unit_test(test_matching),
		cmocka_unit_test(test_segments),       cmocka_unit_test(test_npdu),
		cmocka_unit_test(test_bvlc),           cmocka_unit_test(test_apdu),
		cmocka_unit_test(test_tags),           cmocka_unit_test(test_hostile_lengths),
		cmocka_unit_test(test_keywords),       cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
