/* SPDX-License-Identifier: BSD-3-Clause */
/* MQTT parser: 3.1, 3.1.1 and 5.0 packets of every type, Suricata's
 * transactions (CONNECT+CONNACK, PUBLISH with its acks, SUBSCRIBE+SUBACK,
 * UNSUBSCRIBE+UNSUBACK) and EVE object, v5 properties, every event, the
 * mqtt.* keywords and multi-buffers, the probe, hostile lengths. Bytes from
 * MQTT 3.1.1 (OASIS 2014) and 5.0 (OASIS 2019), sections as cited. */
#include "apptest.h"

#include <unistd.h>

#include "vigil/detect.h"
#include "vigil/flow.h"
#include "vigil/proto/mqtt.h"

extern const struct proto_parser proto_mqtt;

static uint8_t b[1 << 16];

/* A packet from its fixed-header byte and its body (hex with text in
 * quotes: "0004 'MQTT'"): the remaining length is computed (2.2.3). */
static size_t pkt(uint8_t *out, uint8_t b0, const char *body)
{
	static uint8_t tmp[1 << 15];
	size_t n = 0;
	int hi = -1;
	for (const char *s = body; *s; s++) {
		if (*s == '\'') {
			for (s++; *s && *s != '\''; s++)
				tmp[n++] = (uint8_t)*s;
			continue;
		}
		int v = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			tmp[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_int_equal(hi, -1);
	size_t o = 0;
	out[o++] = b0;
	size_t v = n;
	do {
		uint8_t x = v & 0x7f;
		v >>= 7;
		out[o++] = (uint8_t)(v ? x | 0x80 : x);
	} while (v);
	memcpy(out + o, tmp, n);
	return o + n;
}

static void start(struct at *t)
{
	at_init(t, &proto_mqtt, APP_TCP, 50100, 1883);
}

/* 3.1.1 CONNECT (3.1) + CONNACK (3.2) accepted, then the records cleared */
static void connect311(struct at *t)
{
	size_t n = pkt(b, 0x10, "0004 'MQTT' 04 02 003c 0006 'hmi-01'");
	at_feed(t, 0, b, n);
	n = pkt(b, 0x20, "00 00");
	at_feed(t, 1, b, n);
	assert_int_equal(t->n_tx, 2);
	at_clear(t);
}

/* 5.0 CONNECT + CONNACK without properties */
static void connect5(struct at *t)
{
	size_t n = pkt(b, 0x10, "0004 'MQTT' 05 02 003c 00 0004 'gw90'");
	at_feed(t, 0, b, n);
	n = pkt(b, 0x20, "00 00 00");
	at_feed(t, 1, b, n);
	assert_int_equal(t->n_tx, 2);
	at_clear(t);
}

static void test_connect(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* 3.1.1 3.1: fixed header 10 37 (remaining 55) | protocol name 00 04
	 * "MQTT", level 4, flags ee (username, password, will retain, will QoS
	 * 1, will, clean session), keep alive 60 | client id "hmi-01", will
	 * topic "plant/hmi01", will message "offline", username "scada",
	 * password "s3cret" */
	size_t n = at_hex(b, sizeof(b),
			  "10 37 0004 4d515454 04 ee 003c"
			  " 0006 686d692d3031"
			  " 000b 706c616e742f686d693031 0007 6f66666c696e65"
			  " 0005 7363616461 0006 733363726574");
	assert_int_equal(n, 57);
	at_feed(&t, 0, b, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "{\"connect\":{\"qos\":0,\"retain\":false,\"dup\":false,\"protocol_string\":\"MQTT\","
		      "\"protocol_version\":4,\"client_id\":\"hmi-01\",\"flags\":{\"username\":true,"
		      "\"password\":true,\"will_retain\":true,\"will\":true,\"clean_session\":true},"
		      "\"username\":\"scada\",\"will\":{\"topic\":\"plant/hmi01\",\"message\":\"offline\"}}}");
	AT_LACKS(&t, 0, "s3cret");
	assert_int_equal(t.fn[0], MQTT_CONNECT);
	assert_false(t.resp[0]);
	/* 3.2: CONNACK 20 02, session present 1, return code 0 */
	n = at_hex(b, sizeof(b), "20 02 01 00");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 2);
	/* Suricata's transaction: the CONNECT and its CONNACK in one object */
	AT_HAS(&t, 1, "{\"connect\":{\"qos\":0,");
	AT_HAS(&t, 1, "\"client_id\":\"hmi-01\"");
	AT_HAS(&t, 1, "\"username\":\"scada\"");
	AT_HAS(&t, 1, "},\"connack\":{\"qos\":0,\"retain\":false,\"dup\":false,\"session_present\":true,"
		      "\"return_code\":0}}");
	AT_LACKS(&t, 1, "s3cret");
	assert_true(t.resp[1]);
	assert_int_equal(t.fn[1], MQTT_CONNACK);
	AT_EVENTS(&t);
	/* 3.1 (MQIsdp, level 3) on another connection */
	at_fini(&t);
	start(&t);
	n = pkt(b, 0x10, "0006 'MQIsdp' 03 02 003c 000a 'legacy-rtu'");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "\"protocol_string\":\"MQIsdp\",\"protocol_version\":3,\"client_id\":\"legacy-rtu\"");
	AT_LACKS(&t, 0, "\"username\":\"");
	AT_LACKS(&t, 0, "\"will\":{");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_connect_v5(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* 5.0 3.1: level 5, flags c6 (username, password, will, clean start);
	 * properties (3.1.2.11) 16: session expiry interval (0x11) 3600, receive
	 * maximum (0x21) 20, user property (0x26) "site"="north"; client id;
	 * will properties 05: will delay interval (0x18) 30; will topic and
	 * message; username; password */
	size_t n = pkt(b, 0x10, "0004 'MQTT' 05 c6 003c"
				" 16 11 00000e10 21 0014 26 0004 'site' 0005 'north'"
				" 0004 'gw90'"
				" 05 18 0000001e 0009 'gw/status' 0004 'gone'"
				" 0004 'gw90' 0004 'pw90'");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"protocol_version\":5,\"client_id\":\"gw90\"");
	AT_HAS(&t, 0, "\"will\":{\"topic\":\"gw/status\",\"message\":\"gone\","
		      "\"properties\":{\"will_delay_interval\":30}}");
	AT_HAS(&t, 0, "\"properties\":{\"session_expiry_interval\":3600,\"receive_maximum\":20,"
		      "\"site\":\"north\"}}}");
	AT_LACKS(&t, 0, "pw90");
	/* CONNACK 5.0 3.2: flags 0, reason 0, properties: assigned client
	 * identifier (0x12) "auto-1", topic alias maximum (0x22) 10, maximum QoS
	 * (0x24) 1 */
	n = pkt(b, 0x20, "00 00 0e 12 0006 'auto-1' 22 000a 24 01");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 2);
	AT_HAS(&t, 1, "\"connack\":{\"qos\":0,\"retain\":false,\"dup\":false,\"session_present\":false,"
		      "\"return_code\":0,\"properties\":{\"assigned_client_identifier\":\"auto-1\","
		      "\"topic_alias_maximum\":10,\"maximum_qos\":1}}");
	/* the copy of the CONNECT keeps what fits: its properties whole */
	AT_HAS(&t, 1, "{\"connect\":{\"qos\":0,");
	AT_HAS(&t, 1, "\"session_expiry_interval\":3600");
	AT_LACKS(&t, 1, "pw90");
	/* AUTH (5.0 3.15): re-authenticate 0x19 with method "SCRAM" and data
	 * (withheld from the record like the password) */
	n = pkt(b, 0xf0, "19 0f 15 0005 'SCRAM' 16 0004 'sekr'");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 2, "{\"auth\":{\"qos\":0,\"retain\":false,\"dup\":false,\"reason_code\":25,"
		      "\"properties\":{\"authentication_method\":\"SCRAM\"}}}");
	AT_LACKS(&t, 2, "sekr");
	/* AUTH with no body: reason 0 (5.0 3.15.2.1) */
	n = at_hex(b, sizeof(b), "f0 00");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 3, "{\"auth\":{\"qos\":0,\"retain\":false,\"dup\":false,\"reason_code\":0}}");
	/* DISCONNECT 5.0 3.14: reason 0x04 (with will), reason string */
	n = pkt(b, 0xe0, "04 07 1f 0004 'bye!'");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 4, "{\"disconnect\":{\"qos\":0,\"retain\":false,\"dup\":false,\"reason_code\":4,"
		      "\"properties\":{\"reason_string\":\"bye!\"}}}");
	/* 3.1.1 DISCONNECT, empty: no reason code */
	AT_EVENTS(&t);
	at_fini(&t);
	start(&t);
	connect311(&t);
	n = at_hex(b, sizeof(b), "e0 00");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "{\"disconnect\":{\"qos\":0,\"retain\":false,\"dup\":false}}");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_publish(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	connect311(&t);
	/* 3.3: QoS 0, retain: 31 | topic "plant/temp" | message "21.5" */
	size_t n = pkt(b, 0x31, "000a 'plant/temp' '21.5'");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "{\"publish\":{\"qos\":0,\"retain\":true,\"dup\":false,\"topic\":\"plant/temp\","
		      "\"message\":\"21.5\"}}");
	/* QoS 1 (32), packet id 7, then its PUBACK (3.4) from the broker */
	n = pkt(b, 0x32, "000a 'plant/temp' 0007 '22'");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 1, "\"message_id\":7,\"message\":\"22\"");
	n = at_hex(b, sizeof(b), "40 02 0007");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 2, "{\"publish\":{\"qos\":1,\"retain\":false,\"dup\":false,\"topic\":\"plant/temp\","
		      "\"message_id\":7,\"message\":\"22\"},\"puback\":{\"qos\":0,\"retain\":false,"
		      "\"dup\":false,\"message_id\":7}}");
	/* QoS 2 (34) from the broker to the client, id 9: PUBREC from the
	 * client, PUBREL (62) from the broker, PUBCOMP from the client */
	n = pkt(b, 0x34, "0009 'plant/cmd' 0009 'start'");
	at_feed(&t, 1, b, n);
	n = at_hex(b, sizeof(b), "50 02 0009");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "62 02 0009");
	at_feed(&t, 1, b, n);
	n = at_hex(b, sizeof(b), "70 02 0009");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.n_tx, 7);
	AT_HAS(&t, 4, "{\"publish\":{\"qos\":2,");
	AT_HAS(&t, 4, "\"pubrec\":{\"qos\":0,\"retain\":false,\"dup\":false,\"message_id\":9}}");
	AT_HAS(&t, 5, "\"pubrec\":{\"qos\":0,\"retain\":false,\"dup\":false,\"message_id\":9},"
		      "\"pubrel\":{\"qos\":1,\"retain\":false,\"dup\":false,\"message_id\":9}}");
	AT_HAS(&t, 6, "{\"publish\":{\"qos\":2,\"retain\":false,\"dup\":false,\"topic\":\"plant/cmd\","
		      "\"message_id\":9,\"message\":\"start\"},\"pubrec\":");
	AT_HAS(&t, 6, "\"pubcomp\":{\"qos\":0,\"retain\":false,\"dup\":false,\"message_id\":9}}");
	assert_int_equal(t.dir[6], 0);
	/* the exchange is over: a second PUBCOMP has no PUBLISH */
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 7, "{\"pubcomp\":{");
	AT_EVENTS(&t, "mqtt.missing_publish");
	/* a message longer than the record takes: its first 1024 bytes, and
	 * truncated/skipped_length say how many are missing */
	at_clear(&t);
	char body[3000];
	size_t o = (size_t)snprintf(body, sizeof(body), "0001 'x' '");
	memset(body + o, 'A', 1500);
	o += 1500;
	body[o++] = '\'';
	body[o] = 0;
	n = pkt(b, 0x30, body);
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "\"truncated\":true,\"skipped_length\":476}}");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_publish_v5(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	connect5(&t);
	/* 5.0 3.3.2.3: properties 0b: payload format indicator 1, message
	 * expiry 60, topic alias 3 */
	size_t n = pkt(b, 0x32, "0003 'a/b' 000a 0a 01 01 02 0000003c 23 0003 'on'");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "\"message_id\":10,\"message\":\"on\",\"properties\":{\"payload_format_indicator\":1,"
		      "\"message_expiry_interval\":60,\"topic_alias\":3}}");
	/* PUBACK 5.0 3.4.2.1: reason 0x10 no matching subscribers */
	n = at_hex(b, sizeof(b), "40 03 000a 10");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 1, "\"puback\":{\"qos\":0,\"retain\":false,\"dup\":false,\"message_id\":10,"
		      "\"reason_code\":16}}");
	/* the copy of the PUBLISH: topic, properties, message */
	AT_HAS(&t, 1, "{\"publish\":{\"qos\":1,\"retain\":false,\"dup\":false,\"topic\":\"a/b\","
		      "\"message_id\":10,\"message\":\"on\",\"properties\":{");
	/* an empty topic with a topic alias is valid in 5.0 */
	n = pkt(b, 0x30, "0000 03 23 0003 'off'");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 2, "\"topic\":\"\",\"message\":\"off\"");
	AT_EVENTS(&t);
	at_fini(&t);
}

static char multi[8][64];
static unsigned n_multi;

/* records the instances of the mqtt.subscribe.topic multi-buffer */
static void multi_tx(void *user, const struct app_tx *tx)
{
	for (uint16_t i = 0; i < proto_mqtt.n_keywords; i++) {
		const struct app_keyword *k = &proto_mqtt.keywords[i];
		if (strcmp(k->name, "mqtt.subscribe.topic") != 0)
			continue;
		size_t len;
		const uint8_t *p;
		for (uint32_t j = 0; (p = k->buffer_at(tx, j, &len)) != NULL; j++, n_multi++)
			if (n_multi < 8)
				snprintf(multi[n_multi], sizeof(multi[0]), "%.*s", (int)len, (const char *)p);
	}
	at_on_tx(user, tx);
}

static void test_subscribe(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	connect311(&t);
	/* 3.8: 82 | id 1 | "plant/+/temp" QoS 1, "$SYS/#" QoS 0 */
	size_t n = pkt(b, 0x82, "0001 000c 'plant/+/temp' 01 0006 '$SYS/#' 00");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "{\"subscribe\":{\"qos\":1,\"retain\":false,\"dup\":false,\"message_id\":1,"
		      "\"topics\":[{\"topic\":\"plant/+/temp\",\"qos\":1},{\"topic\":\"$SYS/#\",\"qos\":0}]}}");
	/* 3.9: SUBACK granted 1 and failure 0x80 */
	n = at_hex(b, sizeof(b), "90 04 0001 01 80");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 1, "\"topics\":[{\"topic\":\"plant/+/temp\",\"qos\":1},{\"topic\":\"$SYS/#\",\"qos\":0}]},"
		      "\"suback\":{\"qos\":0,\"retain\":false,\"dup\":false,\"message_id\":1,"
		      "\"qos_granted\":[1,128]}}");
	/* 3.10, 3.11: UNSUBSCRIBE a2 and its UNSUBACK (no codes in 3.1.1) */
	n = pkt(b, 0xa2, "0002 0006 '$SYS/#'");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 2, "{\"unsubscribe\":{\"qos\":1,\"retain\":false,\"dup\":false,\"message_id\":2,"
		      "\"topics\":[\"$SYS/#\"]}}");
	n = at_hex(b, sizeof(b), "b0 02 0002");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 3, "\"topics\":[\"$SYS/#\"]},\"unsuback\":{\"qos\":0,\"retain\":false,\"dup\":false,"
		      "\"message_id\":2}}");
	AT_EVENTS(&t);
	at_fini(&t);
	/* 5.0: subscription identifier property, UNSUBACK with reason codes */
	start(&t);
	connect5(&t);
	n = pkt(b, 0x82, "000b 02 0b 07 0006 'plant/' 2e");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "\"topics\":[{\"topic\":\"plant/\",\"qos\":2}]}}");
	n = pkt(b, 0x90, "000b 00 02");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 1, "\"qos_granted\":[2]}}");
	n = pkt(b, 0xa2, "000c 00 0001 'x' 0001 'y'");
	at_feed(&t, 0, b, n);
	n = pkt(b, 0xb0, "000c 00 00 11");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 3, "\"unsuback\":{\"qos\":0,\"retain\":false,\"dup\":false,\"message_id\":12,"
		      "\"reason_codes\":[0,17]}}");
	AT_EVENTS(&t);
	/* more filters than are logged: 32 listed, the event says so */
	at_clear(&t);
	t.ctx.on_tx = multi_tx;
	n_multi = 0;
	char body[2048];
	size_t o = (size_t)snprintf(body, sizeof(body), "0020 00");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o, " 0002 't%c' 00", 'A' + i);
	n = pkt(b, 0x82, body);
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "{\"topic\":\"t`\",\"qos\":0}]}}"); /* the 32nd: 'A' + 31 */
	AT_LACKS(&t, 0, "\"ta\"");
	AT_EVENTS(&t, "mqtt.too_many_topics");
	/* rules inspect the filters the record lists, as many */
	assert_int_equal(n_multi, 32);
	assert_string_equal(multi[1], "tB");
	at_fini(&t);
}

static void test_ping_and_order(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	connect311(&t);
	/* 3.12, 3.13 PINGREQ and PINGRESP; two packets in one segment and a
	 * session fed one byte at a time frame the same */
	size_t n = at_hex(b, sizeof(b), "c0 00 e0 00");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.n_tx, 2);
	AT_HAS(&t, 0, "{\"pingreq\":{\"qos\":0,\"retain\":false,\"dup\":false}}");
	AT_HAS(&t, 1, "{\"disconnect\":");
	n = at_hex(b, sizeof(b), "d0 00");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 2, "{\"pingresp\":{\"qos\":0,\"retain\":false,\"dup\":false}}");
	assert_true(t.resp[2]);
	at_fini(&t);
	start(&t);
	n = pkt(b, 0x10, "0004 'MQTT' 04 c2 003c 0001 'c' 0001 'u' 0001 'p'");
	n += pkt(b + n, 0x82, "0001 0001 '#' 00");
	at_feed_bytewise(&t, 0, b, n);
	n = pkt(b, 0x20, "00 00");
	n += pkt(b + n, 0x90, "0001 00");
	at_feed_bytewise(&t, 1, b, n);
	assert_int_equal(t.n_tx, 4);
	AT_HAS(&t, 3, "\"suback\":");
	AT_HAS(&t, 3, "{\"subscribe\":");
	AT_EVENTS(&t);
	at_fini(&t);
}

/* one event from bytes fed in dir after an introduced 3.1.1 session */
static void expect_event(const char *ev_name, int dir, uint8_t b0, const char *body, bool v5)
{
	struct at t;
	start(&t);
	if (v5)
		connect5(&t);
	else
		connect311(&t);
	size_t n = pkt(b, b0, body);
	at_feed(&t, dir, b, n);
	if (at_count_ev(&t, ev_name) != 1) {
		for (unsigned k = 0; k < t.n_ev; k++)
			print_message("  event %s\n", t.ev[k]);
		fail_msg("%02x %s: want %s once", b0, body, ev_name);
	}
	/* the packet is still a tx: rules can see it */
	assert_true(t.n_tx >= 1);
	at_fini(&t);
}

static void test_events(void **s)
{
	(void)s;
	/* Suricata's */
	expect_event("mqtt.missing_publish", 1, 0x40, "0009", false);
	expect_event("mqtt.missing_publish", 0, 0x62, "0009", false);
	expect_event("mqtt.missing_subscribe", 1, 0x90, "0005 00", false);
	expect_event("mqtt.missing_unsubscribe", 1, 0xb0, "0005", false);
	expect_event("mqtt.double_connect", 0, 0x10, "0004 'MQTT' 04 02 003c 0001 'x'", false);
	expect_event("mqtt.missing_connect", 1, 0x20, "00 00", false);
	expect_event("mqtt.invalid_qos_level", 0, 0x36, "0001 't' 0001 'x'", false);
	expect_event("mqtt.invalid_qos_level", 0, 0x82, "0001 0001 't' 03", false);
	expect_event("mqtt.missing_msg_id", 0, 0x32, "0001 't' 0000 'x'", false);
	expect_event("mqtt.missing_msg_id", 0, 0x82, "0000 0001 't' 00", false);
	expect_event("mqtt.missing_msg_id", 0, 0x32, "0001 't'", false);
	expect_event("mqtt.unassigned_msg_type", 0, 0x00, "", false);
	expect_event("mqtt.unassigned_msg_type", 0, 0xf0, "", false); /* AUTH in 3.1.1 */
	expect_event("mqtt.malformed_traffic", 0, 0x30, "0040 'ab'", false);
	expect_event("mqtt.malformed_traffic", 0, 0x82, "0001", false); /* no filter */
	expect_event("mqtt.malformed_traffic", 1, 0x20, "00", false);
	expect_event("mqtt.malformed_traffic", 0, 0x10, "0004 'MQTT' 04 02 003c 0001 'x' ff", false);
	/* Vigil's */
	expect_event("mqtt.invalid_remaining_length", 0, 0xc0, "00", false);
	expect_event("mqtt.invalid_remaining_length", 0, 0x40, "0001 00", false);
	expect_event("mqtt.invalid_remaining_length", 0, 0xe0, "00", false);
	expect_event("mqtt.invalid_fixed_header_flags", 0, 0x60, "0005", false);
	expect_event("mqtt.invalid_fixed_header_flags", 0, 0x80, "0001 0001 't' 00", false);
	expect_event("mqtt.invalid_fixed_header_flags", 0, 0x38, "0001 't' 'x'", false);
	expect_event("mqtt.invalid_fixed_header_flags", 0, 0xc1, "", false);
	expect_event("mqtt.invalid_connect_flags", 1, 0x20, "02 00", false);
	expect_event("mqtt.invalid_properties", 0, 0x30, "0001 't' 7f 00 00", true);
	expect_event("mqtt.invalid_properties", 0, 0x30, "0001 't' 02 7f 00", true);
	expect_event("mqtt.invalid_properties", 0, 0x30, "0001 't' 05 11 00000001", true);
	expect_event("mqtt.invalid_properties", 0, 0x30, "0001 't' 04 01 00 01 01", true);
	expect_event("mqtt.invalid_topic", 0, 0x30, "0003 'a/#' 'x'", false);
	expect_event("mqtt.invalid_topic", 0, 0x30, "0000 'x'", false);
	expect_event("mqtt.invalid_topic", 0, 0x82, "0001 0003 'a#b' 00", false);
	expect_event("mqtt.invalid_topic", 0, 0x82, "0001 0004 'a/+b' 00", false);
	expect_event("mqtt.invalid_topic", 0, 0xa2, "0001 0000", false);
	expect_event("mqtt.invalid_utf8", 0, 0x30, "0003 'a' fffe 'x'", false);
	expect_event("mqtt.invalid_utf8", 0, 0x30, "0003 'a' 00 'b'", false);
	expect_event("mqtt.invalid_utf8", 0, 0x30, "0002 c0af 'x'", false); /* overlong '/' */
	expect_event("mqtt.invalid_reason_code", 1, 0x90, "0001 03", false);
	expect_event("mqtt.invalid_reason_code", 1, 0x40, "0001 8a", true); /* banned in a PUBACK */
	expect_event("mqtt.invalid_reason_code", 0, 0xe0, "84", true);
	expect_event("mqtt.invalid_subscription_options", 0, 0x82, "0001 0001 't' 04", false);
	expect_event("mqtt.invalid_subscription_options", 0, 0x82, "0001 00 0001 't' 30", true);

	struct at t;
	/* a refused CONNACK code beyond 3.1.1's five */
	start(&t);
	size_t n = pkt(b, 0x10, "0004 'MQTT' 04 02 003c 0001 'x'");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "20 02 00 06");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "mqtt.invalid_reason_code");
	at_fini(&t);
	/* CONNECT: protocol, flags, will QoS, UTF-8 of the client id */
	start(&t);
	n = pkt(b, 0x10, "0004 'MQTT' 07 03 003c 0001 'x'");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "mqtt.invalid_protocol", "mqtt.invalid_connect_flags");
	at_fini(&t);
	start(&t);
	n = pkt(b, 0x10, "0006 'MQIsdp' 04 40 003c 0001 'x' 0001 'p'");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "mqtt.invalid_protocol", "mqtt.invalid_connect_flags");
	at_fini(&t);
	start(&t);
	n = pkt(b, 0x10, "0004 'MQTT' 04 1e 003c 0002 ff41 0001 't' 0001 'm'");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "mqtt.invalid_qos_level", "mqtt.invalid_utf8");
	at_fini(&t);
	/* a CONNECT cut short is still the CONNECT its CONNACK answers */
	start(&t);
	n = pkt(b, 0x10, "0004 'MQTT'");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "20 02 00 00");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "mqtt.malformed_traffic");
	AT_HAS(&t, 1, "{\"connect\":{\"qos\":0,\"retain\":false,\"dup\":false},\"connack\":");
	at_fini(&t);
	/* unintroduced: the client's first packet is not a CONNECT (once per
	 * direction), the server talks before its CONNACK */
	start(&t);
	n = at_hex(b, sizeof(b), "c0 00 c0 00");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "d0 00 d0 00");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 4);
	AT_EVENTS(&t, "mqtt.unintroduced_message", "mqtt.unintroduced_message");
	at_fini(&t);
	/* a client may publish before the CONNACK (3.1.4); AUTH may precede it */
	start(&t);
	n = pkt(b, 0x10, "0004 'MQTT' 05 02 003c 00 0001 'x'");
	n += pkt(b + n, 0x30, "0001 't' 00 'x'");
	at_feed(&t, 0, b, n);
	n = pkt(b, 0xf0, "18 00");
	n += pkt(b + n, 0x20, "00 00 00");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.n_tx, 4);
	AT_EVENTS(&t);
	at_fini(&t);
	/* a 5th length byte (2.2.3): framing event, the next packet is found */
	start(&t);
	connect311(&t);
	n = at_hex(b, sizeof(b), "30 ff ff ff ff 01 c0 00");
	at_feed(&t, 0, b, n);
	assert_int_equal(at_count_ev(&t, "mqtt.invalid_remaining_length"), 1);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "pingreq");
	at_fini(&t);
}

/* the table of awaited answers is bounded; after a gap, unanswered or
 * unmatched packets are no evidence */
static void test_pending_cap_and_gap(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	connect311(&t);
	size_t n = 0;
	for (unsigned id = 1; id <= 17; id++) {
		char body[64];
		snprintf(body, sizeof(body), "0001 't' %04x 'v'", id);
		n += pkt(b + n, 0x32, body);
	}
	at_feed(&t, 0, b, n);
	assert_int_equal(t.n_tx, 17);
	AT_EVENTS(&t, "mqtt.too_many_transactions");
	/* the oldest (id 1) was forgotten, the newest (17) is known */
	n = at_hex(b, sizeof(b), "40 02 0001 40 02 0011");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "mqtt.too_many_transactions", "mqtt.missing_publish");
	AT_HAS(&t, 18, "{\"publish\":{\"qos\":1,");
	AT_HAS(&t, 18, "\"message_id\":17,\"message\":\"v\"},\"puback\":");
	/* a request whose copy was reused: its answer still shows its header
	 * and id */
	AT_HAS(&t, 17, "{\"puback\":");
	at_gap(&t, 1);
	at_clear(&t);
	n = at_hex(b, sizeof(b), "40 02 0063");
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t);
	assert_int_equal(t.n_tx, 1);
	at_fini(&t);
	/* a request whose copy was overwritten by newer ones still pairs */
	start(&t);
	connect311(&t);
	n = 0;
	for (unsigned id = 1; id <= 4; id++) {
		char body[64];
		snprintf(body, sizeof(body), "0005 'topic' %04x 'v'", id);
		n += pkt(b + n, 0x32, body);
	}
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "40 02 0001");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 4, "{\"publish\":{\"qos\":1,\"retain\":false,\"dup\":false,\"message_id\":1},"
		      "\"puback\":");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_properties_hostile(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	connect5(&t);
	/* user properties: a repeated name and one named like a standard
	 * property appear once; a name with quotes and a control byte is
	 * escaped; authentication data never appears */
	size_t n = pkt(b, 0x30, "0001 't' 2f"
				" 26 0001 'k' 0001 '1' 26 0001 'k' 0001 '2'"
				" 26 000c 'content_type' 0001 'x'"
				" 03 0004 'text'"
				" 26 0003 '\"' 01 'q' 0000"
				" 'msg'");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "\"properties\":{\"content_type\":\"text\",\"k\":\"1\",\"\\\"\\u0001q\":\"\"}}");
	AT_LACKS(&t, 0, "\"k\":\"2\"");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_oversized(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	connect311(&t);
	/* remaining length 2 MiB (80 80 80 01): Suricata's truncated record,
	 * the event, once, whether the header comes whole or split */
	size_t n = at_hex(b, sizeof(b), "30 80 80 80 01 000a 'plant/bulk'");
	at_feed(&t, 0, b, 3);
	at_feed(&t, 0, b + 3, n - 3);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "{\"publish\":{\"qos\":0,\"retain\":false,\"dup\":false,\"truncated\":true,"
		      "\"skipped_length\":2097157}}");
	AT_EVENTS(&t, "mqtt.oversized_packet");
	/* the stream goes on after the skipped bytes */
	static uint8_t big[1 << 16];
	memset(big, 'z', sizeof(big));
	at_feed(&t, 0, big, 1); /* the core frames the buffered header again: no repeat */
	assert_int_equal(t.n_tx, 1);
	AT_EVENTS(&t, "mqtt.oversized_packet", "applayer.pdu_too_large");
	size_t left = 2097157 - n - 1;
	while (left) {
		size_t k = left < sizeof(big) ? left : sizeof(big);
		at_feed(&t, 0, big, k);
		left -= k;
	}
	/* a second one right after it: reported too */
	n = at_hex(b, sizeof(b), "30 80 80 80 01 c0 00");
	at_feed(&t, 0, b, 5);
	assert_int_equal(at_count_ev(&t, "mqtt.oversized_packet"), 2);
	at_fini(&t);
}

/* hostile values of a length: the remaining length of a PUBLISH and the
 * username length of a CONNECT */
static void test_hostile_lengths(void **s)
{
	(void)s;
	/* PUBLISH 30 | rl | 0003 'a/b' 'hi' (7 bytes), then a PINGREQ */
	static const uint64_t rls[] = { 0, 1, 6, 8, 0x7fffffffu, 0xffffffffu, 268435455u };
	for (size_t i = 0; i < sizeof(rls) / sizeof(rls[0]); i++) {
		struct at t;
		start(&t);
		connect311(&t);
		size_t n = 0;
		b[n++] = 0x30;
		uint64_t v = rls[i];
		do {
			uint8_t x = v & 0x7f;
			v >>= 7;
			b[n++] = (uint8_t)(v ? x | 0x80 : x);
		} while (v);
		n += at_hex(b + n, 64, "0003 612f62 6869 c000");
		at_feed(&t, 0, b, n);
		/* complete whatever the length claimed with zero bytes */
		static uint8_t zero[4096];
		at_feed(&t, 0, zero, 64);
		if (t.n_ev == 0)
			fail_msg("remaining length %llu: no event", (unsigned long long)rls[i]);
		for (unsigned k = 0; k < t.n_tx; k++)
			assert_non_null(strstr(t.tx[k], "{"));
		at_fini(&t);
	}
	/* CONNECT with username and password; the username length field (at
	 * offset 15) set to hostile values */
	static const uint32_t uls[] = { 0, 1, 4, 6, 0x7fff, 0xffff };
	for (size_t i = 0; i < sizeof(uls) / sizeof(uls[0]); i++) {
		struct at t;
		start(&t);
		size_t n = pkt(b, 0x10, "0004 'MQTT' 04 c2 003c 0001 'c' 0005 'scada' 0006 's3cret'");
		assert_int_equal(b[15], 0x00);
		assert_int_equal(b[16], 0x05);
		b[15] = (uint8_t)(uls[i] >> 8);
		b[16] = (uint8_t)uls[i];
		at_feed(&t, 0, b, n);
		assert_int_equal(t.n_tx, 1);
		if (at_count_ev(&t, "mqtt.malformed_traffic") != 1)
			fail_msg("username length %u: no malformed_traffic", uls[i]);
		AT_LACKS(&t, 0, "s3cret");
		at_fini(&t);
	}
}

/* keyword checks on a session with every kind of packet */
static void test_keywords(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	n_multi = 0;
	t.ctx.on_tx = multi_tx;
	unsigned ty = at_kw(&t, "mqtt.type", "PUBLISH");
	unsigned tyn = at_kw(&t, "mqtt.type", "connack");
	unsigned fl = at_kw(&t, "mqtt.flags", "retain,!dup");
	unsigned qos = at_kw(&t, "mqtt.qos", "1");
	unsigned rc = at_kw(&t, "mqtt.reason_code", ">0");
	unsigned rca = at_kw(&t, "mqtt.connack.return_code", "5");
	unsigned sp = at_kw(&t, "mqtt.connack.session_present", "true");
	unsigned cf = at_kw(&t, "mqtt.connect.flags", "username,!password");
	/* CONNECT with a username and no password; CONNACK refused 5 */
	const char *session[][3] = {
		{ "0", "10", "0004 'MQTT' 04 80 003c 0003 'cid' 0005 'admin'" },
		{ "1", "20", "01 05" },
		{ "0", "31", "0009 'plant/cmd' 'open'" },
		{ "0", "3b", "0009 'plant/cmd' 0001 'open'" }, /* DUP, QoS 1, retain */
		{ "0", "82", "0002 0001 '#' 00 0006 '$SYS/#' 01" },
	};
	for (unsigned i = 0; i < 5; i++) {
		size_t n = pkt(b, (uint8_t)strtoul(session[i][1], NULL, 16), session[i][2]);
		at_feed(&t, session[i][0][0] - '0', b, n);
	}
	assert_int_equal(t.n_tx, 5);
	assert_int_equal(t.kw[ty].matched, 2);
	assert_int_equal(t.kw[tyn].matched, 1);
	assert_int_equal(t.kw[fl].matched, 1);
	assert_int_equal(t.kw[qos].matched, 2); /* the QoS 1 PUBLISH and the SUBSCRIBE */
	assert_int_equal(t.kw[rc].matched, 1);
	assert_int_equal(t.kw[rca].matched, 1);
	assert_int_equal(t.kw[sp].matched, 1);
	assert_int_equal(t.kw[cf].matched, 1);
	/* the multi-buffer gives each filter */
	assert_int_equal(n_multi, 2);
	assert_string_equal(multi[0], "#");
	assert_string_equal(multi[1], "$SYS/#");
	at_fini(&t);

	/* the connection's level; v5 reason codes of an UNSUBACK; no match
	 * before the CONNECT */
	start(&t);
	unsigned v4 = at_kw(&t, "mqtt.protocol_version", "4");
	unsigned v5 = at_kw(&t, "mqtt.protocol_version", ">=5");
	unsigned r17 = at_kw(&t, "mqtt.reason_code", "no_subscription_existed");
	unsigned uns = at_kw(&t, "mqtt.type", "UNSUBACK");
	size_t n = at_hex(b, sizeof(b), "c0 00");
	at_feed(&t, 0, b, n);
	n = pkt(b, 0x10, "0004 'MQTT' 05 02 003c 00 0004 'gw90'");
	at_feed(&t, 0, b, n);
	n = pkt(b, 0x20, "00 00 00");
	at_feed(&t, 1, b, n);
	n = pkt(b, 0xa2, "000c 00 0001 'x' 0001 'y'");
	at_feed(&t, 0, b, n);
	n = pkt(b, 0xb0, "000c 00 00 11");
	at_feed(&t, 1, b, n);
	assert_int_equal(t.kw[v4].matched, 0);
	assert_int_equal(t.kw[v5].matched, 4); /* CONNECT, CONNACK, UNSUBSCRIBE, UNSUBACK */
	assert_int_equal(t.kw[r17].matched, 1);
	assert_int_equal(t.kw[uns].matched, 1);
	at_fini(&t);

	/* sticky buffers: the last tx that had each */
	start(&t);
	const char *bufs[] = { "mqtt.connect.clientid", "mqtt.connect.username",
			       "mqtt.connect.password", "mqtt.connect.protocol_string",
			       "mqtt.connect.willtopic", "mqtt.connect.willmessage",
			       "mqtt.publish.topic", "mqtt.publish.message" };
	for (unsigned i = 0; i < 8; i++)
		at_kw(&t, bufs[i], NULL);
	n = pkt(b, 0x10, "0004 'MQTT' 04 c6 003c 0003 'cid' 0003 'w/t' 0003 'bye' 0002 'me' 0003 'pwd'");
	assert_true(n > 0);
	at_feed(&t, 0, b, n);
	n = pkt(b, 0x30, "0003 'a/b' 'payload'");
	at_feed(&t, 0, b, n);
	const char *want[] = { "cid", "me", "pwd", "MQTT", "w/t", "bye", "a/b", "payload" };
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(t.kw[i].matched, 1);
		assert_string_equal(t.kw[i].buf, want[i]);
	}
	/* the password is seen by its buffer, never by the record */
	AT_LACKS(&t, 0, "pwd");
	at_fini(&t);

	/* mqtt.topic: a PUBLISH's topic, each filter, the will topic */
	start(&t);
	unsigned tp = at_kw(&t, "mqtt.topic", NULL);
	unsigned st = at_kw(&t, "mqtt.subscribe.topic", NULL);
	unsigned ut = at_kw(&t, "mqtt.unsubscribe.topic", NULL);
	connect311(&t);
	n = pkt(b, 0xa2, "0003 0004 'gone'");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.kw[tp].matched, 1);
	assert_string_equal(t.kw[tp].buf, "gone");
	assert_int_equal(t.kw[ut].matched, 1);
	assert_int_equal(t.kw[st].matched, 0);
	at_fini(&t);

	/* argument errors name the problem */
	assert_non_null(at_kw_error(&proto_mqtt, "mqtt.type", "CONNECTED"));
	assert_non_null(at_kw_error(&proto_mqtt, "mqtt.type", "16"));
	assert_non_null(at_kw_error(&proto_mqtt, "mqtt.flags", "retain,!retain"));
	assert_non_null(at_kw_error(&proto_mqtt, "mqtt.flags", "sticky"));
	assert_non_null(at_kw_error(&proto_mqtt, "mqtt.qos", "4"));
	assert_non_null(at_kw_error(&proto_mqtt, "mqtt.connack.session_present", "maybe"));
	assert_non_null(at_kw_error(&proto_mqtt, "mqtt.connect.flags", "clean"));
	assert_non_null(at_kw_error(&proto_mqtt, "mqtt.reason_code", "256"));
	assert_null(at_kw_error(&proto_mqtt, "mqtt.reason_code", "bad_user_name_or_password"));
	assert_null(at_kw_error(&proto_mqtt, "mqtt.type", "1-3"));
}

/* The keywords in rules, through the detection engine: a multi-buffer
 * matches when its contents match within one filter; the password buffer;
 * reason codes by number. */
static struct detect_thread *rule_dt;
static struct flow rule_flow;
static uint32_t rule_sids[16];
static unsigned n_rule_sids;

static void rule_alert(void *user, const struct detect_alert *a)
{
	(void)user;
	if (n_rule_sids < 16)
		rule_sids[n_rule_sids++] = detect_rule_sid(a->rule);
}

static void rule_tx(void *user, const struct app_tx *tx)
{
	struct detect_alert_sink sink = { NULL, rule_alert };
	detect_tx(rule_dt, NULL, &rule_flow, tx, &sink);
	at_on_tx(user, tx);
}

static void test_rules(void **s)
{
	(void)s;
	static const char rules[] =
		"alert mqtt any any -> any any (msg:\"sys\"; mqtt.subscribe.topic; content:\"$SYS\"; startswith; sid:1;)\n"
		"alert mqtt any any -> any any (msg:\"across\"; mqtt.subscribe.topic; content:\"a/\"; startswith; "
		"content:\"SYS\"; sid:2;)\n"
		"alert mqtt any any -> any any (msg:\"topic\"; mqtt.topic; content:\"plant/\"; startswith; sid:3;)\n"
		"alert mqtt any any -> any any (msg:\"pw\"; mqtt.connect.password; content:\"hunter2\"; bsize:7; sid:4;)\n"
		"alert mqtt any any -> any any (msg:\"refused\"; mqtt.type:CONNACK; mqtt.reason_code:4; sid:5;)\n"
		"alert mqtt any any -> any any (msg:\"all\"; mqtt.subscribe.topic; content:\"#\"; startswith; endswith; "
		"sid:6;)\n"
		"alert mqtt any any -> any any (msg:\"v5 only\"; mqtt.protocol_version:5; sid:7;)\n";
	char path[] = "/tmp/vigil-test-mqtt-rules-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, rules, sizeof(rules) - 1), (ssize_t)sizeof(rules) - 1);
	close(fd);
	struct detect_config cfg = { 0 };
	struct detect_load_report rep;
	char err[256] = "";
	const char *paths[] = { path };
	FILE *msgs = fopen("/dev/null", "w");
	struct detect_engine *de = detect_engine_load(&cfg, paths, 1, msgs, &rep, err, sizeof(err));
	fclose(msgs);
	unlink(path);
	assert_non_null(de);
	assert_int_equal(rep.loaded, 7);
	rule_dt = detect_thread_new(de);
	assert_non_null(rule_dt);
	memset(&rule_flow, 0, sizeof(rule_flow));
	rule_flow.key.ip_ver = 4;
	rule_flow.key.proto = 6;
	memcpy(rule_flow.key.addr[0].a, (const uint8_t[]){ 10, 0, 1, 66 }, 4);
	memcpy(rule_flow.key.addr[1].a, (const uint8_t[]){ 10, 0, 0, 80 }, 4);
	rule_flow.key.port[0] = 50100;
	rule_flow.key.port[1] = 1883;
	n_rule_sids = 0;

	struct at t;
	start(&t);
	t.ctx.on_tx = rule_tx;
	size_t n = pkt(b, 0x10, "0004 'MQTT' 04 c2 003c 0001 'c' 0005 'admin' 0007 'hunter2'");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "20 02 00 04");
	at_feed(&t, 1, b, n);
	n = pkt(b, 0x82, "0001 0003 'a/b' 00 000b '$SYS/broker' 00");
	at_feed(&t, 0, b, n);
	n = pkt(b, 0x82, "0002 0003 'x/#' 00 0001 '#' 00");
	at_feed(&t, 0, b, n);
	n = pkt(b, 0x30, "0007 'plant/x' '1'");
	at_feed(&t, 0, b, n);
	assert_int_equal(t.n_tx, 5);
	const uint32_t want[] = { 4, 5, 1, 6, 3 };
	assert_int_equal(n_rule_sids, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(rule_sids[i], want[i]);
	at_fini(&t);
	detect_thread_free(rule_dt);
	detect_engine_free(de);
}

static void test_probe(void **s)
{
	(void)s;
	/* a CONNECT: 3.1.1, 3.1 (MQIsdp), a bridge's level 0x84 */
	size_t n = pkt(b, 0x10, "0004 'MQTT' 04 02 003c 0001 'x'");
	assert_int_equal(proto_mqtt.probe(b, n, 0), APP_PROBE_YES);
	for (size_t k = 0; k < 9; k++)
		assert_int_equal(proto_mqtt.probe(b, k, 0), APP_PROBE_MORE);
	n = pkt(b, 0x10, "0006 'MQIsdp' 03 02 003c 0001 'x'");
	assert_int_equal(proto_mqtt.probe(b, n, 0), APP_PROBE_YES);
	n = pkt(b, 0x10, "0004 'MQTT' 84 02 003c 0001 'x'");
	assert_int_equal(proto_mqtt.probe(b, n, 0), APP_PROBE_YES);
	n = pkt(b, 0x10, "0004 'MQTX' 04 02 003c 0001 'x'");
	assert_int_equal(proto_mqtt.probe(b, n, 0), APP_PROBE_NO);
	n = pkt(b, 0x10, "0004 'MQTT' 09 02 003c 0001 'x'");
	assert_int_equal(proto_mqtt.probe(b, n, 0), APP_PROBE_NO);
	/* a CONNACK, 3.1.1 and 5.0 */
	n = at_hex(b, sizeof(b), "20 02 00 00");
	assert_int_equal(proto_mqtt.probe(b, n, 1), APP_PROBE_YES);
	n = at_hex(b, sizeof(b), "20 06 00 00 03 22 000a");
	assert_int_equal(proto_mqtt.probe(b, n, 1), APP_PROBE_YES);
	n = at_hex(b, sizeof(b), "20 02 00 09");
	assert_int_equal(proto_mqtt.probe(b, n, 1), APP_PROBE_NO);
	/* a connection picked up later: two packets, one with a body */
	n = pkt(b, 0x30, "0004 'a/b1' '7.5'");
	assert_int_equal(proto_mqtt.probe(b, n, 0), APP_PROBE_YES);
	assert_int_equal(proto_mqtt.probe(b, n - 1, 0), APP_PROBE_MORE);
	n += pkt(b + n, 0xc0, "");
	assert_int_equal(proto_mqtt.probe(b, n, 0), APP_PROBE_YES);
	assert_int_equal(proto_mqtt.probe(b, n - 1, 0), APP_PROBE_MORE);
	n = at_hex(b, sizeof(b), "c0 00 c0 00");
	assert_int_equal(proto_mqtt.probe(b, n, 0), APP_PROBE_MORE);
	/* what there is of a packet is checked before the rest comes */
	n = pkt(b, 0x30, "0003 'a/b' 'value'");
	assert_int_equal(proto_mqtt.probe(b, 5, 0), APP_PROBE_MORE);
	n = pkt(b, 0x82, "0001 0006 'plant/' 01");
	assert_int_equal(proto_mqtt.probe(b, n - 2, 0), APP_PROBE_MORE);
	b[5] = 0x20; /* a filter longer than the packet */
	assert_int_equal(proto_mqtt.probe(b, n - 2, 0), APP_PROBE_NO);
	/* junk on 1883 is not MQTT: text whose first byte looks like a PUBLISH
	 * fails at the topic length */
	assert_int_equal(proto_mqtt.probe((const uint8_t *)"220 who are you\r\n", 17, 1),
			 APP_PROBE_NO);
	assert_int_equal(proto_mqtt.probe((const uint8_t *)"220 w", 5, 1), APP_PROBE_NO);
	assert_int_equal(proto_mqtt.probe((const uint8_t *)"SSH-2.0-OpenSSH_9.2\r\n", 21, 0),
			 APP_PROBE_NO);
	assert_int_equal(proto_mqtt.probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 0),
			 APP_PROBE_NO);
	n = at_hex(b, sizeof(b), "16 03 01 00 a5 01 00 00 a1 03 03"); /* TLS ClientHello */
	assert_int_equal(proto_mqtt.probe(b, n, 0), APP_PROBE_NO);
	n = at_hex(b, sizeof(b), "00 00 00 00 00 06 01 03 00 00 00 0a"); /* Modbus */
	assert_int_equal(proto_mqtt.probe(b, n, 0), APP_PROBE_NO);
	n = pkt(b, 0x30, "0003 'a/#' 'x'"); /* a wildcard in a topic name */
	n += pkt(b + n, 0xc0, "");
	assert_int_equal(proto_mqtt.probe(b, n, 0), APP_PROBE_NO);
	assert_int_equal(proto_mqtt.probe(b, 0, 0), APP_PROBE_MORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect),          cmocka_unit_test(test_connect_v5),
		cmocka_unit_test(test_publish),          cmocka_unit_test(test_publish_v5),
		cmocka_unit_test(test_subscribe),        cmocka_unit_test(test_ping_and_order),
		cmocka_unit_test(test_events),           cmocka_unit_test(test_pending_cap_and_gap),
		cmocka_unit_test(test_properties_hostile), cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_hostile_lengths),  cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_rules),            cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
