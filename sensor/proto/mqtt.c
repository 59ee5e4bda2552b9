/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MQTT 3.1 (IBM, level 3, "MQIsdp"), 3.1.1 (OASIS 2014, level 4) and 5.0
 * (OASIS 2019, level 5) over TCP 1883 (8883 when it is not TLS) and on any
 * port the probe recognises.
 *
 * Fixed header (3.1.1 2.2, 5.0 2.1.1):
 *   type:4 flags:4 | remaining length: variable byte integer, 1-4 bytes of
 *   7 bits, least significant first (3.1.1 2.2.3, 5.0 1.5.5) | rest
 * Strings and binary data are len:2 (big-endian) + bytes (1.5.3, 5.0 1.5.4,
 * 1.5.6); v5 properties are a variable byte integer length and that many
 * bytes of id:vbi value (5.0 2.2.2). Variable header | payload:
 *   CONNECT     name:str level:1 flags:1 keep_alive:2 [props] |
 *               client_id:str [[will_props] will_topic:str will_msg:bin]
 *               [username:str] [password:bin]              (3.1.1 3.1, 5.0 3.1)
 *   CONNACK     ack_flags:1 code:1 [props]                  (3.2)
 *   PUBLISH     topic:str [packet_id:2 if QoS > 0] [props] | message (3.3)
 *   PUBACK PUBREC PUBREL PUBCOMP  packet_id:2 [code:1 [props]]   (3.4-3.7)
 *   SUBSCRIBE   packet_id:2 [props] | (filter:str options:1)+   (3.8)
 *   SUBACK      packet_id:2 [props] | code:1+                   (3.9)
 *   UNSUBSCRIBE packet_id:2 [props] | filter:str+               (3.10)
 *   UNSUBACK    packet_id:2 [[props] | code:1+]                 (3.11)
 *   PINGREQ PINGRESP  empty; DISCONNECT [code:1 [props]]; AUTH (5.0) idem
 * [..] in brackets: MQTT 5.0 only, or optional. The CONNECT's level says
 * how the connection's later packets are read (5.0 or not).
 *
 * Transactions are Suricata's (include/vigil/proto/mqtt.h): CONNECT waits
 * for its CONNACK, PUBLISH (QoS > 0) for PUBACK or PUBREC/PUBREL/PUBCOMP,
 * SUBSCRIBE for SUBACK, UNSUBSCRIBE for UNSUBACK, matched by packet id and
 * direction in a fixed table (MQTT_PEND entries). Each packet is one tx
 * whose record carries its transaction's earlier messages from copies kept
 * in the state: the CONNECT's strings up to CONN_* bytes each, a request's
 * topic, properties and message (or filters) up to MEMO_BYTES in all, for
 * the MEMOS most recent requests. The password (and v5 authentication data)
 * is never copied or logged: only its presence (flags.password).
 *
 * The EVE object is Suricata's (rust/src/mqtt/logger.rs, the "mqtt" part of
 * etc/schema.json): its members, nesting and types. Where the two disagree
 * the schema wins (no "properties" in acks and (UN)SUBSCRIBE, which the
 * logger writes and the schema forbids), except for AUTH, which only the
 * logger knows. Deliberate differences: a record per packet (the answer's
 * record is the transaction's, Suricata writes that one only); topics[].qos
 * is the QoS bits of the subscription options (Suricata: the whole byte);
 * a PUBLISH message is logged up to MQTT_LOG_MSG bytes, truncated and
 * skipped_length then count the bytes left out; binary bytes are escaped
 * as \u00XX. Keywords look at the packet of the tx only, so that a rule
 * alerts once per packet (Suricata: once per transaction).
 *
 * Events (app-layer-event:mqtt.<name>), Suricata's names first:
 *   missing_connect       a CONNACK without a CONNECT waiting for it
 *   missing_publish       PUBACK/PUBREC/PUBREL/PUBCOMP of no PUBLISH seen
 *   missing_subscribe     a SUBACK of no SUBSCRIBE seen
 *   missing_unsubscribe   an UNSUBACK of no UNSUBSCRIBE seen
 *   double_connect        a second CONNECT on the connection (3.1.0-2)
 *   unintroduced_message  the first client packet before any CONNECT, or the
 *                         first server packet before the CONNACK (once per
 *                         direction; AUTH may precede the CONNACK in 5.0)
 *   invalid_qos_level     QoS 3 in a PUBLISH, a will or a subscription
 *   missing_msg_id        a packet id absent or 0 where one is required
 *   unassigned_msg_type   type 0, or 15 (AUTH) before MQTT 5.0
 *   too_many_transactions the table of answers awaited is full: the oldest
 *                         request is forgotten
 *   malformed_traffic     a field beyond the remaining length, bytes left
 *                         over, or a (UN)SUBSCRIBE/(UN)SUBACK without entries
 *   invalid_remaining_length  a 5th length byte, or a length the packet type
 *                         forbids (PINGREQ with a body, a 3.1.1 PUBACK not 2)
 *   invalid_fixed_header_flags  flags other than the spec's (PUBREL,
 *                         SUBSCRIBE, UNSUBSCRIBE 0x2, others 0), DUP with QoS 0
 *   invalid_connect_flags reserved CONNECT or CONNACK flag bits, will QoS or
 *                         retain without a will, password without username
 *   invalid_protocol      protocol name and level not MQTT 4/5 or MQIsdp 3
 *   invalid_properties    a v5 property unknown, not allowed in the packet,
 *                         repeated, or beyond its block
 *   invalid_topic         an empty topic (without a v5 alias), wildcards in a
 *                         topic name, misplaced wildcards in a filter
 *   invalid_utf8          a string that is not well-formed UTF-8 or holds U+0000
 *   invalid_reason_code   a return/reason code the packet type does not define
 *   invalid_subscription_options  reserved bits of subscription options
 *   too_many_topics       more filters or codes in a packet than are logged
 *                         (MQTT_LOG_TOPICS; the packet is still parsed whole)
 *   oversized_packet      a packet above 1 MiB: logged as truncated, skipped
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/uint.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/mqtt.h"

extern const struct proto_parser proto_mqtt;

#define MQTT_MAX_PDU (1u << 20) /* Suricata's default max-msg-length */
#define MQTT_LOG_STR 256        /* bytes of a string written to a record */
#define MQTT_LOG_MSG 1024       /* bytes of a PUBLISH or will message written */
#define MQTT_LOG_TOPICS 32      /* filters or codes written per packet */
#define MQTT_LOG_PROPS 16       /* properties of each kind written per block */
#define MQTT_USER_KEY 64        /* bytes of a user property's name as a key */

#define MQTT_PEND 16  /* requests awaiting their answer */
#define MEMOS 2       /* copies of the most recent requests */
#define MEMO_BYTES 64
#define MEMO_TOPIC 48 /* of a copied PUBLISH's MEMO_BYTES: the topic first */
#define CONN_BYTES 80 /* copy of the CONNECT for its CONNACK's record */

static const char *const events[MQTT_EV__COUNT] = {
	[MQTT_EV_MISSING_CONNECT] = "mqtt.missing_connect",
	[MQTT_EV_MISSING_PUBLISH] = "mqtt.missing_publish",
	[MQTT_EV_MISSING_SUBSCRIBE] = "mqtt.missing_subscribe",
	[MQTT_EV_MISSING_UNSUBSCRIBE] = "mqtt.missing_unsubscribe",
	[MQTT_EV_DOUBLE_CONNECT] = "mqtt.double_connect",
	[MQTT_EV_UNINTRODUCED_MESSAGE] = "mqtt.unintroduced_message",
	[MQTT_EV_INVALID_QOS_LEVEL] = "mqtt.invalid_qos_level",
	[MQTT_EV_MISSING_MSG_ID] = "mqtt.missing_msg_id",
	[MQTT_EV_UNASSIGNED_MSG_TYPE] = "mqtt.unassigned_msg_type",
	[MQTT_EV_TOO_MANY_TRANSACTIONS] = "mqtt.too_many_transactions",
	[MQTT_EV_MALFORMED_TRAFFIC] = "mqtt.malformed_traffic",
	[MQTT_EV_INVALID_REMAINING_LENGTH] = "mqtt.invalid_remaining_length",
	[MQTT_EV_INVALID_FIXED_HEADER_FLAGS] = "mqtt.invalid_fixed_header_flags",
	[MQTT_EV_INVALID_CONNECT_FLAGS] = "mqtt.invalid_connect_flags",
	[MQTT_EV_INVALID_PROTOCOL] = "mqtt.invalid_protocol",
	[MQTT_EV_INVALID_PROPERTIES] = "mqtt.invalid_properties",
	[MQTT_EV_INVALID_TOPIC] = "mqtt.invalid_topic",
	[MQTT_EV_INVALID_UTF8] = "mqtt.invalid_utf8",
	[MQTT_EV_INVALID_REASON_CODE] = "mqtt.invalid_reason_code",
	[MQTT_EV_INVALID_SUB_OPTIONS] = "mqtt.invalid_subscription_options",
	[MQTT_EV_TOO_MANY_TOPICS] = "mqtt.too_many_topics",
	[MQTT_EV_OVERSIZED_PACKET] = "mqtt.oversized_packet",
};

/* ---- per-flow state ------------------------------------------------------------ */

/* A request awaiting its answer (8 bytes). A QoS 2 PUBLISH keeps its PUBREC
 * and PUBREL here until the PUBCOMP. */
struct mqtt_pend {
	uint16_t id;
	uint8_t type;         /* MQTT_PUBLISH, _SUBSCRIBE, _UNSUBSCRIBE; 0 = free */
	uint8_t flags : 4;    /* the request's fixed-header flags */
	uint8_t dir : 1;      /* direction the request went */
	uint8_t rec : 1;      /* PUBREC seen */
	uint8_t rel : 1;      /* PUBREL seen */
	uint8_t rec_has : 1;  /* the PUBREC had a reason code */
	uint8_t rec_flags : 4, rel_flags : 4;
	uint8_t rel_has : 1;
	uint8_t memo : 2;     /* copy in memos[memo - 1], 0 = none */
	uint8_t unused : 5;
	uint8_t rec_reason, rel_reason;
};

/* A copy of a request for its answers' records. */
struct mqtt_memo {
	uint8_t owner;        /* pend index + 1, 0 = free */
	uint8_t topic_len, props_len, body_len; /* PUBLISH: topic, props, message */
	uint8_t n_list;       /* (UN)SUBSCRIBE: entries in b (body_len bytes) */
	uint8_t has_props;
	uint16_t n_items;     /* (UN)SUBSCRIBE: entries of the packet */
	uint32_t msg_len;     /* PUBLISH: the message's length on the wire */
	uint8_t b[MEMO_BYTES];
};

/* The CONNECT, kept until its CONNACK: strings cut to CONN_* bytes. */
enum { CS_PROTO, CS_CLIENT_ID, CS_USERNAME, CS_WILL_TOPIC, CS_PROPS, CS_WILL_MSG, CS_WILL_PROPS,
       CS__COUNT };
static const uint8_t conn_cap[CS__COUNT] = { 8, 32, 24, 32, 48, 16, 16 };

struct mqtt_conn_memo {
	uint8_t flags, level, cflags, version;
	uint16_t has;
	uint8_t len[CS__COUNT];
	uint32_t will_msg_len;
	uint8_t b[CONN_BYTES];
};

struct mqtt_state {
	uint8_t version;        /* level of the client's CONNECT (3-5), 0 = none */
	uint8_t connect_seen : 1, connect_pending : 1, connected : 1, gap : 1;
	uint8_t unintro : 2;    /* unintroduced_message raised, per direction */
	uint8_t evict_next, memo_next;
	uint32_t oversize_key[2]; /* the oversized header last reported, per dir */
	struct mqtt_pend pend[MQTT_PEND];
	struct mqtt_memo memo[MEMOS];
	struct mqtt_conn_memo conn;
};

static void ev(struct app_ctx *ctx, uint16_t e)
{
	app_emit_event(ctx, &proto_mqtt, e);
}

/* ---- the spec as data ---------------------------------------------------------- */

/* Type names: the keyword's values (Suricata's MQTTTypeCode) and, in lower
 * case, the EVE objects. */
static const struct du_name type_names[] = {
	{ "UNASSIGNED", 0 }, { "CONNECT", 1 },    { "CONNACK", 2 },      { "PUBLISH", 3 },
	{ "PUBACK", 4 },     { "PUBREC", 5 },     { "PUBREL", 6 },       { "PUBCOMP", 7 },
	{ "SUBSCRIBE", 8 },  { "SUBACK", 9 },     { "UNSUBSCRIBE", 10 }, { "UNSUBACK", 11 },
	{ "PINGREQ", 12 },   { "PINGRESP", 13 },  { "DISCONNECT", 14 },  { "AUTH", 15 },
};
static const char *const type_keys[16] = {
	"unassigned", "connect", "connack", "publish", "puback", "pubrec", "pubrel", "pubcomp",
	"subscribe", "suback", "unsubscribe", "unsuback", "pingreq", "pingresp", "disconnect", "auth",
};

/* Fixed-header flags each type must carry (3.1.1 2.2.2 table 2.2, 5.0
 * 2.1.3); -1: PUBLISH, whose flags are DUP, QoS and RETAIN. */
static const int8_t fixed_flags[16] = { 0, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0 };

#define T(x) (1u << MQTT_##x)
/* v5 reason codes (5.0 2.4 table 2-6), as the keyword's names, and the
 * packets that may carry each (same index); 3.1.1 CONNACK return codes
 * (3.2.2.3) are 0-5, SUBACK's 0, 1, 2 and 0x80. */
static const struct du_name reason_names[] = {
	{ "success", 0x00 },
	{ "normal_disconnection", 0x00 },
	{ "granted_qos_0", 0x00 },
	{ "granted_qos_1", 0x01 },
	{ "granted_qos_2", 0x02 },
	{ "disconnect_with_will_message", 0x04 },
	{ "no_matching_subscribers", 0x10 },
	{ "no_subscription_existed", 0x11 },
	{ "continue_authentication", 0x18 },
	{ "re_authenticate", 0x19 },
	{ "unspecified_error", 0x80 },
	{ "malformed_packet", 0x81 },
	{ "protocol_error", 0x82 },
	{ "implementation_specific_error", 0x83 },
	{ "unsupported_protocol_version", 0x84 },
	{ "client_identifier_not_valid", 0x85 },
	{ "bad_user_name_or_password", 0x86 },
	{ "not_authorized", 0x87 },
	{ "server_unavailable", 0x88 },
	{ "server_busy", 0x89 },
	{ "banned", 0x8a },
	{ "server_shutting_down", 0x8b },
	{ "bad_authentication_method", 0x8c },
	{ "keep_alive_timeout", 0x8d },
	{ "session_taken_over", 0x8e },
	{ "topic_filter_invalid", 0x8f },
	{ "topic_name_invalid", 0x90 },
	{ "packet_identifier_in_use", 0x91 },
	{ "packet_identifier_not_found", 0x92 },
	{ "receive_maximum_exceeded", 0x93 },
	{ "topic_alias_invalid", 0x94 },
	{ "packet_too_large", 0x95 },
	{ "message_rate_too_high", 0x96 },
	{ "quota_exceeded", 0x97 },
	{ "administrative_action", 0x98 },
	{ "payload_format_invalid", 0x99 },
	{ "retain_not_supported", 0x9a },
	{ "qos_not_supported", 0x9b },
	{ "use_another_server", 0x9c },
	{ "server_moved", 0x9d },
	{ "shared_subscriptions_not_supported", 0x9e },
	{ "connection_rate_exceeded", 0x9f },
	{ "maximum_connect_time", 0xa0 },
	{ "subscription_identifiers_not_supported", 0xa1 },
	{ "wildcard_subscriptions_not_supported", 0xa2 },
};
#define N_REASONS (sizeof(reason_names) / sizeof(reason_names[0]))
#define ACKS (T(PUBACK) | T(PUBREC))
#define ERRS (T(CONNACK) | ACKS | T(SUBACK) | T(UNSUBACK) | T(DISCONNECT))
static const uint16_t reason_types[] = {
	T(CONNACK) | ACKS | T(PUBREL) | T(PUBCOMP) | T(UNSUBACK) | T(AUTH),
	T(DISCONNECT), T(SUBACK), T(SUBACK), T(SUBACK), T(DISCONNECT),
	ACKS, T(UNSUBACK), T(AUTH), T(AUTH),
	ERRS,                                             /* 0x80 */
	T(CONNACK) | T(DISCONNECT), T(CONNACK) | T(DISCONNECT),
	ERRS,                                             /* 0x83 */
	T(CONNACK), T(CONNACK), T(CONNACK),
	ERRS,                                             /* 0x87 */
	T(CONNACK), T(CONNACK) | T(DISCONNECT), T(CONNACK), T(DISCONNECT),
	T(CONNACK) | T(DISCONNECT), T(DISCONNECT), T(DISCONNECT),
	T(SUBACK) | T(UNSUBACK) | T(DISCONNECT),          /* 0x8f */
	T(CONNACK) | ACKS | T(DISCONNECT),                /* 0x90 */
	ACKS | T(SUBACK) | T(UNSUBACK),                   /* 0x91 */
	T(PUBREL) | T(PUBCOMP),                           /* 0x92 */
	T(DISCONNECT), T(DISCONNECT), T(CONNACK) | T(DISCONNECT), T(DISCONNECT),
	T(CONNACK) | ACKS | T(SUBACK) | T(DISCONNECT),    /* 0x97 */
	T(DISCONNECT),
	T(CONNACK) | ACKS | T(DISCONNECT),                /* 0x99 */
	T(CONNACK) | T(DISCONNECT), T(CONNACK) | T(DISCONNECT), T(CONNACK) | T(DISCONNECT),
	T(CONNACK) | T(DISCONNECT), T(SUBACK) | T(DISCONNECT), T(CONNACK) | T(DISCONNECT),
	T(DISCONNECT), T(SUBACK) | T(DISCONNECT), T(SUBACK) | T(DISCONNECT),
};
#undef ACKS
#undef ERRS
_Static_assert(sizeof(reason_types) / sizeof(reason_types[0]) == N_REASONS,
	       "a packet set for every reason code");

static bool reason_ok(uint8_t type, uint8_t version, uint8_t code)
{
	if (version != 5) {
		if (type == MQTT_CONNACK)
			return code <= 5;
		if (type == MQTT_SUBACK)
			return code <= 2 || code == 0x80;
		return true;
	}
	for (size_t i = 0; i < N_REASONS; i++)
		if (reason_names[i].value == code && (reason_types[i] & (1u << type)))
			return true;
	return false;
}

/* v5 properties (5.0 2.2.2.2 table 2-4): id, value kind, the packets that
 * may carry it (bit 0: will properties), Suricata's EVE name. */
enum { PK_BYTE, PK_U16, PK_U32, PK_VBI, PK_STR, PK_BIN, PK_PAIR };
#define WILL 1u
static const struct {
	uint8_t id, kind;
	uint16_t types;
	const char *name;
} props[] = {
	{ 1, PK_BYTE, T(PUBLISH) | WILL, "payload_format_indicator" },
	{ 2, PK_U32, T(PUBLISH) | WILL, "message_expiry_interval" },
	{ 3, PK_STR, T(PUBLISH) | WILL, "content_type" },
	{ 8, PK_STR, T(PUBLISH) | WILL, "response_topic" },
	{ 9, PK_BIN, T(PUBLISH) | WILL, "correlation_data" },
	{ 11, PK_VBI, T(PUBLISH) | T(SUBSCRIBE), "subscription_identifier" },
	{ 17, PK_U32, T(CONNECT) | T(CONNACK) | T(DISCONNECT), "session_expiry_interval" },
	{ 18, PK_STR, T(CONNACK), "assigned_client_identifier" },
	{ 19, PK_U16, T(CONNACK), "server_keep_alive" },
	{ 21, PK_STR, T(CONNECT) | T(CONNACK) | T(AUTH), "authentication_method" },
	{ 22, PK_BIN, T(CONNECT) | T(CONNACK) | T(AUTH), "authentication_data" },
	{ 23, PK_BYTE, T(CONNECT), "request_problem_information" },
	{ 24, PK_U32, WILL, "will_delay_interval" },
	{ 25, PK_BYTE, T(CONNECT), "request_response_information" },
	{ 26, PK_STR, T(CONNACK), "response_information" },
	{ 28, PK_STR, T(CONNACK) | T(DISCONNECT), "server_reference" },
	{ 31, PK_STR,
	  T(CONNACK) | T(PUBACK) | T(PUBREC) | T(PUBREL) | T(PUBCOMP) | T(SUBACK) | T(UNSUBACK) |
		  T(DISCONNECT) | T(AUTH),
	  "reason_string" },
	{ 33, PK_U16, T(CONNECT) | T(CONNACK), "receive_maximum" },
	{ 34, PK_U16, T(CONNECT) | T(CONNACK), "topic_alias_maximum" },
	{ 35, PK_U16, T(PUBLISH), "topic_alias" },
	{ 36, PK_BYTE, T(CONNACK), "maximum_qos" },
	{ 37, PK_BYTE, T(CONNACK), "retain_available" },
	{ 38, PK_PAIR, 0xffff, NULL }, /* user property: its own name as key */
	{ 39, PK_U32, T(CONNECT) | T(CONNACK), "maximum_packet_size" },
	{ 40, PK_BYTE, T(CONNACK), "wildcard_subscription_available" },
	{ 41, PK_BYTE, T(CONNACK), "subscription_identifier_available" },
	{ 42, PK_BYTE, T(CONNACK), "shared_subscription_available" },
};
#undef T
#define N_PROPS (sizeof(props) / sizeof(props[0]))
#define PROP_USER 38
#define PROP_SUB_ID 11
#define PROP_TOPIC_ALIAS 35
#define PROP_AUTH_DATA 22

static int prop_index(uint32_t id)
{
	for (size_t i = 0; i < N_PROPS; i++)
		if (props[i].id == id)
			return (int)i;
	return -1;
}

/* ---- reading -------------------------------------------------------------------- */

/* Variable byte integer (3.1.1 2.2.3, 5.0 1.5.5): 1 read (consumed), 0 the
 * bytes end first, -1 a 5th continuation byte. */
static int vbi(struct cursor *c, uint32_t *v)
{
	uint32_t x = 0;
	for (size_t i = 0; i < 4; i++) {
		int b = cur_peek_u8(c, i);
		if (b < 0)
			return 0;
		x |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			cur_skip(c, i + 1);
			*v = x;
			return 1;
		}
	}
	return -1;
}

static bool flags_ok(uint8_t type, uint8_t flags)
{
	if (fixed_flags[type] >= 0)
		return flags == fixed_flags[type];
	uint8_t qos = (flags >> 1) & 3;
	return qos != 3 && !(qos == 0 && (flags & MQTT_HF_DUP));
}

/* Well-formed UTF-8 without U+0000 (3.1.1 1.5.3, 5.0 1.5.4): no overlong
 * forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_ok(struct mqtt_str s)
{
	struct cursor c = cur_make(s.p, s.len);
	while (cur_left(&c)) {
		uint8_t b = cur_u8(&c);
		if (b == 0)
			return false;
		if (b < 0x80)
			continue;
		unsigned n;
		uint32_t cp, min;
		if ((b & 0xe0) == 0xc0) {
			n = 1, cp = b & 0x1f, min = 0x80;
		} else if ((b & 0xf0) == 0xe0) {
			n = 2, cp = b & 0x0f, min = 0x800;
		} else if ((b & 0xf8) == 0xf0) {
			n = 3, cp = b & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (cur_left(&c) < n)
			return false;
		for (unsigned i = 0; i < n; i++) {
			uint8_t x = cur_u8(&c);
			if ((x & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (x & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
	}
	return true;
}

static bool has_byte(struct mqtt_str s, uint8_t b)
{
	struct cursor c = cur_make(s.p, s.len);
	return cur_find(&c, b) >= 0;
}

/* A topic filter (3.1.1 4.7.1, 5.0 4.7.1): '#' alone in the last level,
 * '+' alone in its level. */
static bool filter_ok(struct mqtt_str f)
{
	if (f.len == 0)
		return false;
	struct cursor c = cur_make(f.p, f.len);
	int prev = '/';
	while (cur_left(&c)) {
		uint8_t b = cur_u8(&c);
		int next = cur_peek_u8(&c, 0);
		if (b == '#' && (prev != '/' || next >= 0))
			return false;
		if (b == '+' && (prev != '/' || (next >= 0 && next != '/')))
			return false;
		prev = b;
	}
	return true;
}

/* Reading one packet's fields: the first field that does not fit raises
 * malformed_traffic and stops the reading (bad). */
struct rd {
	struct app_ctx *ctx;
	struct cursor c;
	struct mqtt_msg *m;
	bool bad;
	bool quiet;  /* reading a kept copy: no events */
};

static void rd_fail(struct rd *r)
{
	if (!r->bad && !r->quiet)
		ev(r->ctx, MQTT_EV_MALFORMED_TRAFFIC);
	r->bad = true;
	cur_fail(&r->c);
}

static void rd_ev(struct rd *r, uint16_t e)
{
	if (!r->quiet)
		ev(r->ctx, e);
}

static bool get_u8(struct rd *r, uint8_t *v)
{
	if (r->bad || cur_left(&r->c) < 1) {
		rd_fail(r);
		return false;
	}
	*v = cur_u8(&r->c);
	return true;
}

static bool get_be16(struct rd *r, uint16_t *v)
{
	if (r->bad || cur_left(&r->c) < 2) {
		rd_fail(r);
		return false;
	}
	*v = cur_be16(&r->c);
	return true;
}

/* len:2 + bytes; utf8 checks a UTF-8 string (binary data is not) */
static bool get_str(struct rd *r, struct mqtt_str *s, bool utf8)
{
	uint16_t n;
	if (!get_be16(r, &n))
		return false;
	const uint8_t *p = cur_ptr(&r->c, n);
	if (!p) {
		rd_fail(r);
		return false;
	}
	s->p = p;
	s->len = n;
	if (utf8 && !utf8_ok(*s))
		rd_ev(r, MQTT_EV_INVALID_UTF8);
	return true;
}

/* Walks a property block: every property known, allowed in `types` (a
 * packet type bit, or WILL), repeated only where the spec allows it, its
 * value inside the block. Returns the byte length of the longest prefix of
 * whole properties (block.len when all are good); *alias when a topic alias
 * is present. Events only when ctx is given. */
static size_t props_check(struct app_ctx *ctx, struct mqtt_str block, uint16_t types,
			  bool *alias)
{
	struct cursor c = cur_make(block.p, block.len);
	uint64_t seen = 0;
	size_t good = 0;
	bool bad = false, utf8_bad = false;
	while (cur_left(&c)) {
		uint32_t id;
		if (vbi(&c, &id) != 1) {
			bad = true;
			break;
		}
		int k = prop_index(id);
		if (k < 0) {
			bad = true;
			break;
		}
		struct mqtt_str s = { NULL, 0 };
		bool ok = true;
		switch (props[k].kind) {
		case PK_BYTE: ok = cur_skip(&c, 1); break;
		case PK_U16: ok = cur_skip(&c, 2); break;
		case PK_U32: ok = cur_skip(&c, 4); break;
		case PK_VBI: {
			uint32_t v;
			ok = vbi(&c, &v) == 1;
			break;
		}
		case PK_STR:
		case PK_BIN:
		case PK_PAIR:
			for (int i = 0; i < (props[k].kind == PK_PAIR ? 2 : 1) && ok; i++) {
				uint16_t n = cur_be16(&c);
				s.p = cur_ptr(&c, n);
				s.len = n;
				ok = cur_ok(&c);
				if (ok && props[k].kind != PK_BIN && !utf8_ok(s))
					utf8_bad = true;
			}
			break;
		}
		if (!ok) {
			bad = true;
			break;
		}
		good = (size_t)(c.p - block.p);
		if (!(props[k].types & types))
			bad = true;
		bool repeat = id == PROP_USER || (id == PROP_SUB_ID && types == (1u << MQTT_PUBLISH));
		if ((seen & (1ull << id)) && !repeat)
			bad = true;
		seen |= 1ull << id;
		if (id == PROP_TOPIC_ALIAS && alias)
			*alias = true;
	}
	if (ctx && bad)
		ev(ctx, MQTT_EV_INVALID_PROPERTIES);
	if (ctx && utf8_bad)
		ev(ctx, MQTT_EV_INVALID_UTF8);
	return good;
}

/* [props]: a v5 property block at the cursor, checked. No-op before 5.0. */
static void rd_props(struct rd *r, struct mqtt_str *out, uint16_t has_bit, uint16_t types,
		     bool *alias)
{
	if (r->m->version != 5 || r->bad)
		return;
	uint32_t n;
	int k = vbi(&r->c, &n);
	if (k != 1 || n > cur_left(&r->c)) {
		rd_ev(r, MQTT_EV_INVALID_PROPERTIES);
		rd_fail(r);
		return;
	}
	out->p = cur_ptr(&r->c, n);
	out->len = (uint16_t)(n > 0xffff ? 0xffff : n);
	if (n > 0xffff) /* a property block cannot be logged beyond 64 KiB */
		out->len = (uint16_t)props_check(NULL, (struct mqtt_str){ out->p, 0xffff }, types, NULL);
	r->m->has |= has_bit;
	props_check(r->quiet ? NULL : r->ctx, *out, types, alias);
}

static void want_len(struct rd *r, uint32_t n)
{
	if (r->m->remaining_length != n)
		rd_ev(r, MQTT_EV_INVALID_REMAINING_LENGTH);
}

static void want_id(struct rd *r)
{
	struct mqtt_msg *m = r->m;
	if (get_be16(r, &m->id)) {
		m->has |= MQTT_M_ID;
		if (m->id == 0) /* 3.1.1 2.3.1-1, 5.0 2.2.1 */
			rd_ev(r, MQTT_EV_MISSING_MSG_ID);
	} else {
		rd_ev(r, MQTT_EV_MISSING_MSG_ID);
	}
}

static void want_reason(struct rd *r)
{
	struct mqtt_msg *m = r->m;
	if (!get_u8(r, &m->reason))
		return;
	m->has |= MQTT_M_REASON;
	if (!reason_ok(m->type, m->version, m->reason))
		rd_ev(r, MQTT_EV_INVALID_REASON_CODE);
}

static void want_end(struct rd *r)
{
	if (!r->bad && cur_left(&r->c))
		rd_fail(r);
}

/* 3.1 CONNECT */
static void rd_connect(struct rd *r)
{
	struct mqtt_msg *m = r->m;
	if (!get_str(r, &m->proto, true) || !get_u8(r, &m->level) || !get_u8(r, &m->cflags) ||
	    !get_be16(r, &m->keep_alive))
		return;
	m->has |= MQTT_M_CONNECT;
	/* bit 7 of the level: a bridge (mosquitto's try_private) */
	uint8_t lvl = m->level & 0x7f;
	bool mqtt = m->proto.len == 4 && memcmp(m->proto.p, "MQTT", 4) == 0;
	bool isdp = m->proto.len == 6 && memcmp(m->proto.p, "MQIsdp", 6) == 0;
	if (!((mqtt && (lvl == 4 || lvl == 5)) || (isdp && lvl == 3)))
		rd_ev(r, MQTT_EV_INVALID_PROTOCOL);
	m->version = lvl >= 3 && lvl <= 5 ? lvl : 4;
	uint8_t f = m->cflags, wq = (f & MQTT_CF_WILL_QOS) >> 3;
	if (wq == 3)
		rd_ev(r, MQTT_EV_INVALID_QOS_LEVEL);
	if ((f & MQTT_CF_RESERVED) ||
	    (!(f & MQTT_CF_WILL) && (f & (MQTT_CF_WILL_QOS | MQTT_CF_WILL_RETAIN))) ||
	    (m->version < 5 && (f & MQTT_CF_PASSWORD) && !(f & MQTT_CF_USERNAME)))
		rd_ev(r, MQTT_EV_INVALID_CONNECT_FLAGS);
	rd_props(r, &m->props, MQTT_M_PROPS, 1u << MQTT_CONNECT, NULL);
	if (!get_str(r, &m->client_id, true))
		return;
	m->has |= MQTT_M_CLIENT_ID;
	if (f & MQTT_CF_WILL) {
		rd_props(r, &m->will_props, MQTT_M_WILL_PROPS, WILL, NULL);
		if (!get_str(r, &m->will_topic, true) || !get_str(r, &m->will_msg, false))
			return;
		m->msg_len = m->will_msg.len;
		m->has |= MQTT_M_WILL;
		if (m->will_topic.len == 0 || has_byte(m->will_topic, '#') ||
		    has_byte(m->will_topic, '+'))
			rd_ev(r, MQTT_EV_INVALID_TOPIC);
	}
	if (f & MQTT_CF_USERNAME) {
		if (!get_str(r, &m->username, true))
			return;
		m->has |= MQTT_M_USERNAME;
	}
	if (f & MQTT_CF_PASSWORD) {
		/* for the mqtt.connect.password buffer: never copied or logged */
		if (!get_str(r, &m->password, false))
			return;
		m->has |= MQTT_M_PASSWORD;
	}
	want_end(r);
}

/* The entries of a SUBSCRIBE, UNSUBSCRIBE, SUBACK or UNSUBACK: every one is
 * checked; list spans them all. */
static void rd_list(struct rd *r)
{
	struct mqtt_msg *m = r->m;
	m->list.p = r->c.p;
	size_t start = cur_left(&r->c);
	while (!r->bad && cur_left(&r->c)) {
		if (m->type == MQTT_SUBSCRIBE || m->type == MQTT_UNSUBSCRIBE) {
			struct mqtt_str f;
			if (!get_str(r, &f, true))
				break;
			if (!filter_ok(f))
				rd_ev(r, MQTT_EV_INVALID_TOPIC);
			if (m->type == MQTT_SUBSCRIBE) {
				uint8_t o;
				if (!get_u8(r, &o))
					break;
				if ((o & 3) == 3)
					rd_ev(r, MQTT_EV_INVALID_QOS_LEVEL);
				/* 3.1.1 3.8.3-4: bits 2-7 reserved; 5.0 3.8.3.1:
				 * bits 6-7 reserved, retain handling 3 */
				if (m->version == 5 ? (o & 0xc0) || ((o >> 4) & 3) == 3 : (o & 0xfc))
					rd_ev(r, MQTT_EV_INVALID_SUB_OPTIONS);
			}
		} else {
			uint8_t code;
			if (!get_u8(r, &code))
				break;
			if (!reason_ok(m->type, m->version, code))
				rd_ev(r, MQTT_EV_INVALID_REASON_CODE);
		}
		m->n_items++;
	}
	if (r->bad)
		return;
	m->list.len = (uint16_t)(start > 0xffff ? 0xffff : start);
	m->n_list = m->n_items;
	m->has |= MQTT_M_LIST;
	if (m->n_items == 0) /* 3.8.3-3, 3.9.3, 3.10.3-2, 5.0 3.11.3 */
		rd_fail(r);
	else if (m->n_items > MQTT_LOG_TOPICS)
		rd_ev(r, MQTT_EV_TOO_MANY_TOPICS);
	if (start > 0xffff) { /* only the entries within the first 64 KiB are listed */
		struct cursor c = cur_make(m->list.p, 0xffff);
		uint16_t n = 0;
		size_t good = 0;
		while (cur_left(&c)) {
			if (m->type == MQTT_SUBSCRIBE || m->type == MQTT_UNSUBSCRIBE) {
				cur_skip(&c, cur_be16(&c));
				if (m->type == MQTT_SUBSCRIBE)
					cur_u8(&c);
			} else {
				cur_u8(&c);
			}
			if (!cur_ok(&c))
				break;
			good = (size_t)(c.p - m->list.p);
			n++;
		}
		m->list.len = (uint16_t)good;
		m->n_list = n;
	}
}

/* The variable header and payload of m (fixed header already in m). */
static void rd_body(struct rd *r)
{
	struct mqtt_msg *m = r->m;
	uint8_t v = m->version;
	switch (m->type) {
	case MQTT_CONNECT:
		rd_connect(r);
		break;
	case MQTT_CONNACK: {
		uint8_t af;
		if (!get_u8(r, &af))
			break;
		m->session_present = af & 1;
		m->has |= MQTT_M_SESSION;
		if (af & 0xfe) /* 3.2.2.1 */
			rd_ev(r, MQTT_EV_INVALID_CONNECT_FLAGS);
		want_reason(r);
		if (v == 5)
			rd_props(r, &m->props, MQTT_M_PROPS, 1u << MQTT_CONNACK, NULL);
		else
			want_len(r, 2);
		want_end(r);
		break;
	}
	case MQTT_PUBLISH: {
		bool alias = false;
		if (!get_str(r, &m->topic, true))
			break;
		m->has |= MQTT_M_TOPIC;
		if (m->flags & 6) {
			want_id(r);
			if (r->bad)
				break;
		}
		rd_props(r, &m->props, MQTT_M_PROPS, 1u << MQTT_PUBLISH, &alias);
		if (r->bad)
			break;
		/* 3.3.2-2: no wildcards in a topic name; empty only with an alias */
		if ((m->topic.len == 0 && !alias) || has_byte(m->topic, '#') || has_byte(m->topic, '+'))
			rd_ev(r, MQTT_EV_INVALID_TOPIC);
		size_t n = cur_left(&r->c);
		m->msg.p = cur_ptr(&r->c, n);
		m->msg_len = (uint32_t)n;
		m->msg.len = (uint16_t)(n < MQTT_LOG_MSG ? n : MQTT_LOG_MSG);
		m->has |= MQTT_M_MESSAGE;
		break;
	}
	case MQTT_PUBACK: case MQTT_PUBREC: case MQTT_PUBREL: case MQTT_PUBCOMP:
		want_id(r);
		if (r->bad)
			break;
		if (v != 5) {
			want_len(r, 2);
			break;
		}
		if (cur_left(&r->c))
			want_reason(r);
		if (cur_left(&r->c))
			rd_props(r, &m->props, MQTT_M_PROPS, (uint16_t)(1u << m->type), NULL);
		want_end(r);
		break;
	case MQTT_SUBSCRIBE: case MQTT_UNSUBSCRIBE: case MQTT_SUBACK:
		want_id(r);
		rd_props(r, &m->props, MQTT_M_PROPS, (uint16_t)(1u << m->type), NULL);
		if (!r->bad)
			rd_list(r);
		break;
	case MQTT_UNSUBACK:
		want_id(r);
		if (r->bad)
			break;
		if (v != 5) {
			want_len(r, 2);
			break;
		}
		rd_props(r, &m->props, MQTT_M_PROPS, 1u << MQTT_UNSUBACK, NULL);
		if (!r->bad)
			rd_list(r);
		break;
	case MQTT_PINGREQ: case MQTT_PINGRESP:
		want_len(r, 0);
		break;
	case MQTT_DISCONNECT: case MQTT_AUTH:
		if (v != 5 && m->type == MQTT_DISCONNECT) {
			want_len(r, 0);
			break;
		}
		if (cur_left(&r->c)) {
			want_reason(r);
		} else if (m->type == MQTT_AUTH && v == 5) {
			m->has |= MQTT_M_REASON; /* 5.0 3.15.2.1: absent means 0x00 */
			m->reason = 0;
		}
		if (cur_left(&r->c))
			rd_props(r, &m->props, MQTT_M_PROPS, (uint16_t)(1u << m->type), NULL);
		want_end(r);
		break;
	default:
		break;
	}
}

/* ---- probe and framing ---------------------------------------------------------- */

/* One whole, valid packet at c for the probe of a connection picked up
 * after its CONNECT (read as 3.1.1): 1 valid (*rich: it has content beyond
 * a bare header; consumed), 0 the bytes end first with what there is of it
 * consistent, -1 not MQTT. What is there is checked before waiting for the
 * rest: text fails at its topic length (two printable bytes are more than
 * a printable remaining length). */
static int probe_one(struct cursor *c, bool *rich)
{
	int b0 = cur_peek_u8(c, 0);
	if (b0 < 0)
		return 0;
	uint8_t type = (uint8_t)b0 >> 4, flags = b0 & 0xf;
	if (type == MQTT_UNASSIGNED || type == MQTT_AUTH || type == MQTT_CONNECT ||
	    !flags_ok(type, flags))
		return -1;
	struct cursor h = *c;
	cur_skip(&h, 1);
	uint32_t rl;
	int k = vbi(&h, &rl);
	if (k <= 0)
		return k;
	static const int16_t fixed_rl[16] = { -1, -1, 2, -1, 2, 2, 2, 2, -1, -1, -1, 2, 0, 0, 0, -1 };
	if (fixed_rl[type] >= 0 && rl != (uint32_t)fixed_rl[type])
		return -1;
	if (rl > 4096 && type != MQTT_PUBLISH)
		return -1;
	bool whole = cur_left(&h) >= rl;
	struct cursor p = cur_make(h.p, whole ? rl : cur_left(&h));
	int more = whole ? -1 : 0; /* what running out of bytes means */
	*rich = rl > 2;
	switch (type) {
	case MQTT_CONNACK: {
		int af = cur_peek_u8(&p, 0), rc = cur_peek_u8(&p, 1);
		if (af > 1 || rc > 5)
			return -1;
		break;
	}
	case MQTT_PUBLISH: {
		int32_t tl = cur_peek_be16(&p, 0);
		if (tl < 0)
			return more;
		if (tl == 0 || (uint32_t)tl + 2 + ((flags & 6) ? 2 : 0) > rl)
			return -1;
		cur_skip(&p, 2);
		/* printable topics: the binary protocols probed after MQTT are not */
		size_t have = cur_left(&p) < (size_t)tl ? cur_left(&p) : (size_t)tl;
		struct mqtt_str t = { cur_ptr(&p, have), (uint16_t)have };
		struct cursor tc = cur_make(t.p, t.len);
		while (cur_left(&tc)) {
			uint8_t x = cur_u8(&tc);
			if (x < 0x20 || x == '#' || x == '+')
				return -1;
		}
		if (have < (size_t)tl)
			return more;
		if (!utf8_ok(t))
			return -1;
		if (flags & 6) {
			int32_t id = cur_peek_be16(&p, 0);
			if (id == 0)
				return -1;
		}
		*rich = true;
		break;
	}
	case MQTT_SUBSCRIBE: case MQTT_UNSUBSCRIBE: case MQTT_SUBACK: {
		int32_t id = cur_peek_be16(&p, 0);
		if (id == 0)
			return -1;
		if (id < 0 || rl < 3)
			return id < 0 ? more : -1;
		cur_skip(&p, 2);
		while (cur_left(&p)) {
			if (type == MQTT_SUBACK) {
				uint8_t code = cur_u8(&p);
				if (code > 2 && code != 0x80)
					return -1;
				continue;
			}
			int32_t fl = cur_peek_be16(&p, 0);
			if (fl < 0)
				return more;
			size_t rem = rl - (size_t)(p.p - h.p); /* bytes of the packet from here */
			if (fl == 0 || (size_t)fl + 2 + (type == MQTT_SUBSCRIBE) > rem)
				return -1;
			cur_skip(&p, 2);
			struct mqtt_str f = { cur_ptr(&p, (size_t)fl), (uint16_t)fl };
			if (!f.p)
				return more;
			if (!filter_ok(f) || !utf8_ok(f))
				return -1;
			if (type == MQTT_SUBSCRIBE) {
				int o = cur_peek_u8(&p, 0);
				if (o < 0)
					return more;
				if (o > 2)
					return -1;
				cur_skip(&p, 1);
			}
		}
		break;
	}
	default:
		break;
	}
	if (!whole)
		return 0;
	cur_skip(&h, rl);
	*c = h;
	return 1;
}

/* A client's first bytes are a CONNECT: 10 len 00 04 "MQTT" level, or 00 06
 * "MQIsdp" level (levels 3-5, bit 7 for bridges); a server's, a CONNACK. A
 * connection picked up later (or a client that skips the CONNECT): whole
 * valid packets, at least one with a body, and either two packets or one
 * that ends exactly where the bytes do (text cannot pass: a printable
 * length byte and topic length do not fit). */
static int m_probe(const uint8_t *buf, size_t len, uint8_t dir)
{
	struct cursor c = cur_make(buf, len);
	int b0 = cur_peek_u8(&c, 0);
	if (b0 < 0)
		return APP_PROBE_MORE;
	if (b0 == 0x10 && dir == APP_TOSERVER) {
		cur_skip(&c, 1);
		uint32_t rl;
		int k = vbi(&c, &rl);
		if (k <= 0)
			return k < 0 ? APP_PROBE_NO : APP_PROBE_MORE;
		if (rl < 12)
			return APP_PROBE_NO;
		static const uint8_t mqtt[] = { 0, 4, 'M', 'Q', 'T', 'T' };
		static const uint8_t isdp[] = { 0, 6, 'M', 'Q', 'I', 's', 'd', 'p' };
		int l = cur_peek_u8(&c, 1);
		if (l < 0)
			return APP_PROBE_MORE;
		const uint8_t *name = l == 6 ? isdp : mqtt;
		size_t nl = l == 6 ? sizeof(isdp) : sizeof(mqtt);
		for (size_t i = 0; i <= nl; i++) {
			int v = cur_peek_u8(&c, i);
			if (v < 0)
				return APP_PROBE_MORE;
			if (i == nl ? (v & 0x7f) < 3 || (v & 0x7f) > 5 : v != name[i])
				return APP_PROBE_NO;
		}
		return APP_PROBE_YES;
	}
	if (b0 == 0x20 && dir == APP_TOCLIENT) {
		/* a CONNACK: 3.1.1 20 02 sp rc, 5.0 20 len sp rc props */
		cur_skip(&c, 1);
		uint32_t rl, pl;
		int k = vbi(&c, &rl);
		if (k <= 0)
			return k < 0 ? APP_PROBE_NO : APP_PROBE_MORE;
		if (rl < 2 || rl > 4096)
			return APP_PROBE_NO;
		if (cur_left(&c) < (rl == 2 ? 2u : 3u))
			return APP_PROBE_MORE;
		struct cursor h = c;
		uint8_t af = cur_u8(&c), rc = cur_u8(&c);
		if (af > 1)
			return APP_PROBE_NO;
		if (rl == 2)
			return rc <= 5 ? APP_PROBE_YES : APP_PROBE_NO;
		k = vbi(&c, &pl);
		if (k == 0)
			return APP_PROBE_MORE;
		if (k < 0 || !reason_ok(MQTT_CONNACK, 5, rc))
			return APP_PROBE_NO;
		/* flags, code, property length and properties fill it exactly */
		return (size_t)(c.p - h.p) + pl == rl ? APP_PROBE_YES : APP_PROBE_NO;
	}
	unsigned n = 0;
	bool any_rich = false;
	while (n < 8) {
		bool rich = false;
		int k = probe_one(&c, &rich);
		if (k < 0)
			return APP_PROBE_NO;
		if (k == 0)
			break;
		n++;
		any_rich |= rich;
		/* two packets, or one that fills the bytes exactly */
		if (any_rich && (n >= 2 || !cur_left(&c)))
			return APP_PROBE_YES;
	}
	return n >= 8 ? APP_PROBE_YES : APP_PROBE_MORE;
}

static uint32_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* A packet above MQTT_MAX_PDU: the core skips it; Suricata's record of it
 * (the type with truncated and skipped_length) is emitted here, once. The
 * core frames a header that came split across segments twice in a row,
 * with the same buffer and length (the second time possibly on the next
 * segment): that repeat is recognised by the key, which any other framing
 * result or parsed packet in the direction clears. (Two oversized packets
 * back to back, each whole in a segment of the same length at the same
 * address, would be reported once; the core counts every one.) */
static void oversized(struct mqtt_state *s, struct app_ctx *ctx, uint8_t dir, uint8_t b0,
		      const uint8_t *buf, size_t len, size_t n)
{
	uint32_t key = mix((uint64_t)(uintptr_t)buf ^ ((uint64_t)mix(len) << 32)) | 1;
	if (s->oversize_key[dir & 1] == key)
		return;
	s->oversize_key[dir & 1] = key;
	ev(ctx, MQTT_EV_OVERSIZED_PACKET);
	struct mqtt_msg m;
	memset(&m, 0, sizeof(m));
	m.type = b0 >> 4;
	m.flags = b0 & 0xf;
	m.version = s->version ? s->version : 4;
	m.has = MQTT_M_TRUNCATED;
	m.skipped = (uint32_t)n;
	struct mqtt_tx tx = { s->version, 1, { &m } };
	struct app_tx t = { &proto_mqtt, dir, dir == APP_TOCLIENT, &tx };
	app_emit_tx(ctx, &t);
}

static int m_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *b, size_t len,
		     size_t *pdu_len)
{
	struct mqtt_state *s = state;
	struct cursor c = cur_make(b, len);
	int b0 = cur_peek_u8(&c, 0);
	if (b0 < 0)
		return APP_FRAME_MORE;
	uint8_t type = (uint8_t)b0 >> 4;
	/* hunting for a header: only types and flags a peer may send */
	if (app_ctx_resyncing(ctx) &&
	    (type == 0 || (type == MQTT_AUTH && s->version != 5) || !flags_ok(type, b0 & 0xf)))
		return APP_FRAME_BAD;
	cur_skip(&c, 1);
	uint32_t rl;
	int k = vbi(&c, &rl);
	if (k <= 0) {
		if (!app_ctx_resyncing(ctx))
			s->oversize_key[dir & 1] = 0;
		if (k == 0)
			return APP_FRAME_MORE;
		ev(ctx, MQTT_EV_INVALID_REMAINING_LENGTH);
		return APP_FRAME_BAD;
	}
	size_t n = (size_t)(c.p - b) + rl;
	if (!app_ctx_resyncing(ctx)) {
		if (n > MQTT_MAX_PDU)
			oversized(s, ctx, dir, (uint8_t)b0, b, len, n);
		else if (n > len)
			s->oversize_key[dir & 1] = 0;
	}
	*pdu_len = n;
	return APP_FRAME_OK;
}

/* ---- transactions ------------------------------------------------------------------ */

/* Copies up to cap bytes of src to *at (advanced), within end. */
static uint8_t keep(uint8_t **at, const uint8_t *end, const uint8_t *src, size_t n, size_t cap)
{
	size_t room = (size_t)(end - *at);
	if (n > cap)
		n = cap;
	if (n > room)
		n = room;
	if (n)
		memcpy(*at, src, n);
	*at += n;
	return (uint8_t)n;
}

static void conn_save(struct mqtt_state *s, const struct mqtt_msg *m)
{
	struct mqtt_conn_memo *k = &s->conn;
	memset(k, 0, sizeof(*k));
	k->flags = m->flags;
	k->level = m->level;
	k->cflags = m->cflags;
	k->version = m->version;
	k->has = m->has; /* MQTT_M_PASSWORD: the presence; its bytes are not copied */
	k->will_msg_len = m->will_msg.len;
	const struct mqtt_str *f[CS__COUNT] = { &m->proto, &m->client_id, &m->username,
						 &m->will_topic, &m->props, &m->will_msg,
						 &m->will_props };
	uint8_t *at = k->b, *end = k->b + CONN_BYTES;
	for (int i = 0; i < CS__COUNT; i++) {
		size_t room = (size_t)(end - at) < conn_cap[i] ? (size_t)(end - at) : conn_cap[i];
		if ((i == CS_PROPS || i == CS_WILL_PROPS) && f[i]->len > room) {
			/* a property block is copied whole or not at all */
			k->has &= (uint16_t)~(i == CS_PROPS ? MQTT_M_PROPS : MQTT_M_WILL_PROPS);
			continue;
		}
		k->len[i] = keep(&at, end, f[i]->p, f[i]->len, room);
	}
}

static void conn_load(const struct mqtt_state *s, struct mqtt_msg *m)
{
	const struct mqtt_conn_memo *k = &s->conn;
	memset(m, 0, sizeof(*m));
	m->type = MQTT_CONNECT;
	m->flags = k->flags;
	m->level = k->level;
	m->cflags = k->cflags;
	m->version = k->version;
	m->has = k->has;
	struct mqtt_str *f[CS__COUNT] = { &m->proto, &m->client_id, &m->username, &m->will_topic,
					   &m->props, &m->will_msg, &m->will_props };
	const uint8_t *at = k->b;
	for (int i = 0; i < CS__COUNT; i++) {
		f[i]->p = at;
		f[i]->len = k->len[i];
		at += k->len[i];
	}
	m->msg_len = k->will_msg_len;
}

/* Copies the (UN)SUBSCRIBE entries that fit whole (the first one cut to
 * fit when even it does not); returns the bytes and sets *n. */
static size_t list_save(const struct mqtt_msg *m, uint8_t *out, size_t room, uint8_t *n)
{
	struct cursor c = cur_make(m->list.p, m->list.len);
	size_t used = 0;
	*n = 0;
	while (cur_left(&c) && *n < 255) {
		const uint8_t *start = c.p;
		uint16_t fl = cur_be16(&c);
		const uint8_t *f = cur_ptr(&c, fl);
		size_t opt = m->type == MQTT_SUBSCRIBE;
		uint8_t o = opt ? cur_u8(&c) : 0;
		if (!cur_ok(&c))
			break;
		size_t whole = (size_t)(c.p - start);
		if (used + whole > room) {
			if (*n == 0 && room >= 2 + opt) { /* the first entry, its filter cut */
				size_t k = room - 2 - opt;
				out[0] = (uint8_t)(k >> 8);
				out[1] = (uint8_t)k;
				memcpy(out + 2, f, k);
				if (opt)
					out[2 + k] = o;
				used = room;
				*n = 1;
			}
			break;
		}
		memcpy(out + used, start, whole);
		used += whole;
		(*n)++;
	}
	return used;
}

static void memo_save(struct mqtt_memo *k, int owner, const struct mqtt_msg *m)
{
	memset(k, 0, sizeof(*k));
	k->owner = (uint8_t)(owner + 1);
	uint8_t *at = k->b, *end = k->b + MEMO_BYTES;
	if (m->type == MQTT_PUBLISH) {
		k->topic_len = keep(&at, end, m->topic.p, m->topic.len, MEMO_TOPIC);
		/* a property block is copied whole or not at all */
		if ((m->has & MQTT_M_PROPS) && m->props.len <= (size_t)(end - at)) {
			k->has_props = 1;
			k->props_len = keep(&at, end, m->props.p, m->props.len, MEMO_BYTES);
		}
		k->body_len = keep(&at, end, m->msg.p, m->msg.len, MEMO_BYTES);
		k->msg_len = m->msg_len;
	} else {
		k->body_len = (uint8_t)list_save(m, k->b, MEMO_BYTES, &k->n_list);
		k->n_items = m->n_items;
	}
}

/* The request of pending entry i, as its answers' records show it. */
static void pend_load(const struct mqtt_state *s, int i, struct mqtt_msg *m)
{
	const struct mqtt_pend *p = &s->pend[i];
	memset(m, 0, sizeof(*m));
	m->type = p->type;
	m->flags = p->flags;
	m->version = s->version ? s->version : 4;
	m->id = p->id;
	m->has = MQTT_M_ID;
	if (!p->memo)
		return;
	const struct mqtt_memo *k = &s->memo[p->memo - 1];
	if (k->owner != i + 1)
		return;
	if (p->type == MQTT_PUBLISH) {
		m->topic = (struct mqtt_str){ k->b, k->topic_len };
		m->props = (struct mqtt_str){ k->b + k->topic_len, k->props_len };
		m->msg = (struct mqtt_str){ k->b + k->topic_len + k->props_len, k->body_len };
		m->msg_len = k->msg_len;
		m->has |= MQTT_M_TOPIC | MQTT_M_MESSAGE | (k->has_props ? MQTT_M_PROPS : 0);
	} else {
		m->list = (struct mqtt_str){ k->b, k->body_len };
		m->n_list = k->n_list;
		m->n_items = k->n_items;
		m->has |= MQTT_M_LIST;
	}
}

/* The PUBREC or PUBREL kept with entry i. */
static void ack_load(const struct mqtt_state *s, int i, uint8_t type, struct mqtt_msg *m)
{
	const struct mqtt_pend *p = &s->pend[i];
	bool rec = type == MQTT_PUBREC;
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->flags = rec ? p->rec_flags : p->rel_flags;
	m->id = p->id;
	m->has = MQTT_M_ID;
	if (rec ? p->rec_has : p->rel_has) {
		m->has |= MQTT_M_REASON;
		m->reason = rec ? p->rec_reason : p->rel_reason;
	}
}

static int pend_find(const struct mqtt_state *s, uint8_t type, uint16_t id, uint8_t dir)
{
	for (int i = 0; i < MQTT_PEND; i++)
		if (s->pend[i].type == type && s->pend[i].id == id && s->pend[i].dir == dir)
			return i;
	return -1;
}

static void pend_drop(struct mqtt_state *s, int i)
{
	if (s->pend[i].memo && s->memo[s->pend[i].memo - 1].owner == i + 1)
		s->memo[s->pend[i].memo - 1].owner = 0;
	memset(&s->pend[i], 0, sizeof(s->pend[i]));
}

/* A request that expects an answer; the oldest is forgotten when the table
 * is full (too_many_transactions). A repeated id replaces its entry (a
 * retransmission with DUP, or an id reused). */
static void pend_add(struct mqtt_state *s, struct app_ctx *ctx, const struct mqtt_msg *m,
		     uint8_t dir)
{
	int i = pend_find(s, m->type, m->id, dir);
	for (int k = 0; k < MQTT_PEND && i < 0; k++)
		if (!s->pend[k].type)
			i = k;
	if (i < 0) {
		ev(ctx, MQTT_EV_TOO_MANY_TRANSACTIONS);
		i = s->evict_next;
		s->evict_next = (uint8_t)((s->evict_next + 1) % MQTT_PEND);
	}
	pend_drop(s, i);
	struct mqtt_pend *p = &s->pend[i];
	p->type = m->type;
	p->id = m->id;
	p->flags = m->flags & 0xf;
	p->dir = dir & 1;
	int k = s->memo_next;
	s->memo_next = (uint8_t)((s->memo_next + 1) % MEMOS);
	memo_save(&s->memo[k], i, m);
	p->memo = (uint8_t)(k + 1);
}

/* Session rules: CONNECT once, then the CONNACK; other packets after them. */
static void session(struct mqtt_state *s, struct app_ctx *ctx, const struct mqtt_msg *m,
		    uint8_t dir)
{
	if (dir == APP_TOSERVER) {
		if (m->type == MQTT_CONNECT) {
			if (s->connect_seen)
				ev(ctx, MQTT_EV_DOUBLE_CONNECT);
			s->connect_seen = 1;
			return;
		}
		/* 3.1.4: a client may send on before the CONNACK, not before CONNECT */
		if (!s->connect_seen && !s->gap && !(s->unintro & 1) && m->type != MQTT_UNASSIGNED) {
			s->unintro |= 1;
			ev(ctx, MQTT_EV_UNINTRODUCED_MESSAGE);
		}
		return;
	}
	if (m->type == MQTT_CONNACK)
		return;
	/* 3.2.0-1: the server's first packet is the CONNACK (5.0: AUTH may
	 * come before it) */
	if (!s->connected && !s->gap && !(s->unintro & 2) && m->type != MQTT_AUTH &&
	    m->type != MQTT_UNASSIGNED) {
		s->unintro |= 2;
		ev(ctx, MQTT_EV_UNINTRODUCED_MESSAGE);
	}
}

static void emit(struct app_ctx *ctx, const struct mqtt_state *s, uint8_t dir,
		 const struct mqtt_msg *const *msgs, uint8_t n)
{
	static const bool answer[16] = {
		[MQTT_CONNACK] = true, [MQTT_PUBACK] = true, [MQTT_PUBREC] = true,
		[MQTT_PUBCOMP] = true, [MQTT_SUBACK] = true, [MQTT_UNSUBACK] = true,
		[MQTT_PINGRESP] = true,
	};
	struct mqtt_tx tx;
	memset(&tx, 0, sizeof(tx));
	tx.version = s->version;
	tx.n_msgs = n;
	for (uint8_t i = 0; i < n; i++)
		tx.msgs[i] = msgs[i];
	struct app_tx t = { &proto_mqtt, dir, answer[msgs[n - 1]->type], &tx };
	app_emit_tx(ctx, &t);
}

/* Groups m with its transaction's earlier messages, emits, updates the
 * table. */
static void transact(struct mqtt_state *s, struct app_ctx *ctx, const struct mqtt_msg *m,
		     uint8_t dir)
{
	struct mqtt_msg req, rec, rel;
	const struct mqtt_msg *msgs[MQTT_TX_MSGS];
	uint8_t n = 0;
	int i = -1;
	uint8_t other = (uint8_t)!dir;
	switch (m->type) {
	case MQTT_CONNECT: /* kept even when cut short: its CONNACK is not "missing" */
		if (dir == APP_TOSERVER) {
			conn_save(s, m);
			s->connect_pending = 1;
		}
		break;
	case MQTT_CONNACK:
		if (s->connect_pending) {
			conn_load(s, &req);
			msgs[n++] = &req;
		} else {
			ev(ctx, MQTT_EV_MISSING_CONNECT);
		}
		break;
	case MQTT_PUBACK: case MQTT_PUBREC: case MQTT_PUBREL: case MQTT_PUBCOMP:
		if (!(m->has & MQTT_M_ID))
			break;
		/* PUBREL goes the way of its PUBLISH, the others back */
		i = pend_find(s, MQTT_PUBLISH, m->id, m->type == MQTT_PUBREL ? dir : other);
		if (i < 0) {
			if (!s->gap)
				ev(ctx, MQTT_EV_MISSING_PUBLISH);
			break;
		}
		pend_load(s, i, &req);
		msgs[n++] = &req;
		if ((m->type == MQTT_PUBREL || m->type == MQTT_PUBCOMP) && s->pend[i].rec) {
			ack_load(s, i, MQTT_PUBREC, &rec);
			msgs[n++] = &rec;
		}
		if (m->type == MQTT_PUBCOMP && s->pend[i].rel) {
			ack_load(s, i, MQTT_PUBREL, &rel);
			msgs[n++] = &rel;
		}
		break;
	case MQTT_SUBACK: case MQTT_UNSUBACK: {
		uint8_t want = m->type == MQTT_SUBACK ? MQTT_SUBSCRIBE : MQTT_UNSUBSCRIBE;
		if (!(m->has & MQTT_M_ID))
			break;
		i = pend_find(s, want, m->id, other);
		if (i < 0) {
			if (!s->gap)
				ev(ctx, m->type == MQTT_SUBACK ? MQTT_EV_MISSING_SUBSCRIBE
							       : MQTT_EV_MISSING_UNSUBSCRIBE);
			break;
		}
		pend_load(s, i, &req);
		msgs[n++] = &req;
		break;
	}
	default:
		break;
	}
	msgs[n++] = m;
	emit(ctx, s, dir, msgs, n);

	/* what the table keeps after this packet */
	switch (m->type) {
	case MQTT_CONNACK:
		if (s->connect_pending)
			s->connected = m->reason == 0 || !(m->has & MQTT_M_REASON);
		s->connect_pending = 0;
		break;
	case MQTT_PUBLISH: /* QoS 1 and 2 are answered; QoS 3 and id 0 are not MQTT */
		if (((m->flags >> 1) & 3) != 0 && ((m->flags >> 1) & 3) != 3 && (m->has & MQTT_M_ID) &&
		    m->id)
			pend_add(s, ctx, m, dir);
		break;
	case MQTT_SUBSCRIBE: case MQTT_UNSUBSCRIBE:
		if ((m->has & MQTT_M_ID) && m->id)
			pend_add(s, ctx, m, dir);
		break;
	case MQTT_PUBREC:
		if (i >= 0) {
			s->pend[i].rec = 1;
			s->pend[i].rec_flags = m->flags & 0xf;
			s->pend[i].rec_has = (m->has & MQTT_M_REASON) != 0;
			s->pend[i].rec_reason = m->reason;
		}
		break;
	case MQTT_PUBREL:
		if (i >= 0) {
			s->pend[i].rel = 1;
			s->pend[i].rel_flags = m->flags & 0xf;
			s->pend[i].rel_has = (m->has & MQTT_M_REASON) != 0;
			s->pend[i].rel_reason = m->reason;
		}
		break;
	case MQTT_PUBACK: case MQTT_PUBCOMP: case MQTT_SUBACK: case MQTT_UNSUBACK:
		if (i >= 0)
			pend_drop(s, i);
		break;
	default:
		break;
	}
}

static int m_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct mqtt_state *s = state;
	s->oversize_key[dir & 1] = 0;
	struct mqtt_msg m;
	memset(&m, 0, sizeof(m));
	struct rd r = { ctx, cur_make(pdu, len), &m, false, false };
	uint8_t b0 = cur_u8(&r.c);
	uint32_t rl = 0;
	if (vbi(&r.c, &rl) != 1 || rl != cur_left(&r.c)) {
		ev(ctx, MQTT_EV_INVALID_REMAINING_LENGTH); /* the framing said otherwise */
		return -1;
	}
	m.type = b0 >> 4;
	m.flags = b0 & 0xf;
	m.remaining_length = rl;
	m.version = s->version ? s->version : 4;
	if (m.type == MQTT_UNASSIGNED || (m.type == MQTT_AUTH && s->version && s->version != 5)) {
		ev(ctx, MQTT_EV_UNASSIGNED_MSG_TYPE);
	} else if (m.type == MQTT_PUBLISH && ((m.flags >> 1) & 3) == 3) {
		ev(ctx, MQTT_EV_INVALID_QOS_LEVEL);
	} else if (!flags_ok(m.type, m.flags)) {
		ev(ctx, MQTT_EV_INVALID_FIXED_HEADER_FLAGS);
	}
	if (m.type == MQTT_AUTH && !s->version)
		m.version = 5; /* AUTH exists in 5.0 only */
	session(s, ctx, &m, dir);
	if (m.type != MQTT_UNASSIGNED)
		rd_body(&r);
	if (m.type == MQTT_CONNECT && dir == APP_TOSERVER && (m.has & MQTT_M_CONNECT) &&
	    (m.level & 0x7f) >= 3 && (m.level & 0x7f) <= 5 && !s->connected)
		s->version = m.level & 0x7f;
	transact(s, ctx, &m, dir);
	return r.bad ? -1 : 0;
}

static void m_gap(void *state, uint8_t dir)
{
	struct mqtt_state *s = state;
	(void)dir;
	/* requests or answers may have been lost: missing_* would be guesses */
	s->gap = 1;
}

static void *m_new(const struct app_flow_info *fi)
{
	(void)fi;
	return calloc(1, sizeof(struct mqtt_state));
}

static void m_free(void *p)
{
	free(p);
}

/* ---- EVE: Suricata's mqtt object (rust/src/mqtt/logger.rs, etc/schema.json) ---- */

static void set_str(struct jb *jb, const char *key, struct mqtt_str s, size_t max)
{
	jb_set_strn(jb, key, s.p, s.len < max ? s.len : max);
}

/* A JSON key made of wire bytes: escaped, without its quotes. */
static size_t user_key(char *out, size_t cap, struct mqtt_str k)
{
	char tmp[MQTT_USER_KEY * 6 + 3];
	size_t n = jb_escape(tmp, sizeof(tmp), k.p, k.len < MQTT_USER_KEY ? k.len : MQTT_USER_KEY);
	if (n < 2 || n >= sizeof(tmp) || n - 2 >= cap)
		return 0;
	memcpy(out, tmp + 1, n - 2);
	return n - 2;
}

/* One property at c: its table index, value (numbers in *v, strings and
 * binary in *a, a user property's name in *b and value in *a); -1 at the
 * end or on a property that does not read (the block was checked). */
static int prop_next(struct cursor *c, uint32_t *v, struct mqtt_str *a, struct mqtt_str *b)
{
	uint32_t id;
	if (!cur_left(c) || vbi(c, &id) != 1)
		return -1;
	int k = prop_index(id);
	if (k < 0)
		return -1;
	*v = 0;
	switch (props[k].kind) {
	case PK_BYTE: *v = cur_u8(c); break;
	case PK_U16: *v = cur_be16(c); break;
	case PK_U32: *v = cur_be32(c); break;
	case PK_VBI:
		if (vbi(c, v) != 1)
			return -1;
		break;
	case PK_PAIR:
		b->len = cur_be16(c);
		b->p = cur_ptr(c, b->len);
		__attribute__((fallthrough)); /* to its value */
	default:
		a->len = cur_be16(c);
		a->p = cur_ptr(c, a->len);
		break;
	}
	return cur_ok(c) ? k : -1;
}

/* Has a standard property already written this JSON name? */
static bool name_taken(uint64_t done, const char *key, size_t kl)
{
	for (size_t j = 0; j < N_PROPS; j++)
		if (props[j].name && (done & (1ull << props[j].id)) && strlen(props[j].name) == kl &&
		    memcmp(props[j].name, key, kl) == 0)
			return true;
	return false;
}

/* "properties": {...}: each name once, Suricata's names (the first of
 * repeated properties), then the user properties under their own names
 * (escaped; one whose name is already there is left out); at most
 * MQTT_LOG_PROPS of each kind. Authentication data is withheld like the
 * password. */
static void log_props(struct jb *jb, const char *key, struct mqtt_str block)
{
	jb_open_object(jb, key);
	uint64_t done = 0;
	unsigned n = 0;
	struct cursor c = cur_make(block.p, block.len);
	struct mqtt_str a = { NULL, 0 }, b = { NULL, 0 };
	uint32_t v;
	int k;
	while (n < MQTT_LOG_PROPS && (k = prop_next(&c, &v, &a, &b)) >= 0) {
		uint8_t id = props[k].id;
		if (id == PROP_USER || id == PROP_AUTH_DATA || (done & (1ull << id)))
			continue;
		done |= 1ull << id;
		n++;
		if (props[k].kind == PK_STR || props[k].kind == PK_BIN)
			set_str(jb, props[k].name, a, MQTT_LOG_STR);
		else
			jb_set_uint(jb, props[k].name, v);
	}
	struct mqtt_str seen[MQTT_LOG_PROPS];
	unsigned nu = 0;
	c = cur_make(block.p, block.len);
	while (nu < MQTT_LOG_PROPS && (k = prop_next(&c, &v, &a, &b)) >= 0) {
		if (props[k].id != PROP_USER)
			continue;
		char kb[MQTT_USER_KEY * 6 + 1];
		size_t kl = user_key(kb, sizeof(kb), b);
		if ((kl == 0 && b.len) || name_taken(done, kb, kl))
			continue;
		/* the name as written: its first MQTT_USER_KEY bytes */
		struct mqtt_str name = { b.p, (uint16_t)(b.len < MQTT_USER_KEY ? b.len : MQTT_USER_KEY) };
		bool dup = false;
		for (unsigned j = 0; j < nu && !dup; j++)
			dup = seen[j].len == name.len && (!name.len || !memcmp(seen[j].p, name.p, name.len));
		if (dup)
			continue;
		kb[kl] = 0;
		jb_set_strn_k(jb, kb, kl, a.p, a.len < MQTT_LOG_STR ? a.len : MQTT_LOG_STR);
		seen[nu++] = name;
	}
	jb_close(jb);
}

static void log_header(struct jb *jb, const struct mqtt_msg *m)
{
	jb_set_uint(jb, "qos", (m->flags >> 1) & 3);
	jb_set_bool(jb, "retain", m->flags & MQTT_HF_RETAIN);
	jb_set_bool(jb, "dup", m->flags & MQTT_HF_DUP);
}

/* the filters or codes of a (UN)SUBSCRIBE or (UN)SUBACK, at most
 * MQTT_LOG_TOPICS */
static void log_list(struct jb *jb, const struct mqtt_msg *m, const char *key)
{
	struct cursor c = cur_make(m->list.p, m->list.len);
	jb_open_array(jb, key);
	for (unsigned i = 0; i < m->n_list && i < MQTT_LOG_TOPICS && cur_left(&c); i++) {
		if (m->type == MQTT_SUBSCRIBE || m->type == MQTT_UNSUBSCRIBE) {
			struct mqtt_str f;
			f.len = cur_be16(&c);
			f.p = cur_ptr(&c, f.len);
			uint8_t o = m->type == MQTT_SUBSCRIBE ? cur_u8(&c) : 0;
			if (!cur_ok(&c))
				break;
			if (m->type == MQTT_UNSUBSCRIBE) {
				set_str(jb, NULL, f, MQTT_LOG_STR);
				continue;
			}
			jb_open_object(jb, NULL);
			set_str(jb, "topic", f, MQTT_LOG_STR);
			jb_set_uint(jb, "qos", o & 3);
			jb_close(jb);
		} else {
			jb_set_uint(jb, NULL, cur_u8(&c));
		}
	}
	jb_close(jb);
}

static void log_msg(struct jb *jb, const struct mqtt_msg *m)
{
	if (m->type == MQTT_UNASSIGNED)
		return; /* Suricata writes nothing for it */
	jb_open_object(jb, type_keys[m->type]);
	log_header(jb, m);
	if (m->has & MQTT_M_TRUNCATED) {
		jb_set_bool(jb, "truncated", true);
		jb_set_uint(jb, "skipped_length", m->skipped);
		jb_close(jb);
		return;
	}
	switch (m->type) {
	case MQTT_CONNECT:
		if (!(m->has & MQTT_M_CONNECT))
			break;
		set_str(jb, "protocol_string", m->proto, MQTT_LOG_STR);
		jb_set_uint(jb, "protocol_version", m->level);
		if (m->has & MQTT_M_CLIENT_ID)
			set_str(jb, "client_id", m->client_id, MQTT_LOG_STR);
		jb_open_object(jb, "flags");
		jb_set_bool(jb, "username", m->cflags & MQTT_CF_USERNAME);
		jb_set_bool(jb, "password", m->cflags & MQTT_CF_PASSWORD);
		jb_set_bool(jb, "will_retain", m->cflags & MQTT_CF_WILL_RETAIN);
		jb_set_bool(jb, "will", m->cflags & MQTT_CF_WILL);
		jb_set_bool(jb, "clean_session", m->cflags & MQTT_CF_CLEAN_SESSION);
		jb_close(jb);
		if (m->has & MQTT_M_USERNAME)
			set_str(jb, "username", m->username, MQTT_LOG_STR);
		if (m->cflags & MQTT_CF_WILL) {
			jb_open_object(jb, "will");
			if (m->has & MQTT_M_WILL) {
				set_str(jb, "topic", m->will_topic, MQTT_LOG_STR);
				set_str(jb, "message", m->will_msg, MQTT_LOG_MSG);
			}
			if (m->has & MQTT_M_WILL_PROPS)
				log_props(jb, "properties", m->will_props);
			jb_close(jb);
		}
		if (m->has & MQTT_M_PROPS)
			log_props(jb, "properties", m->props);
		break;
	case MQTT_CONNACK:
		if (m->has & MQTT_M_SESSION)
			jb_set_bool(jb, "session_present", m->session_present);
		if (m->has & MQTT_M_REASON)
			jb_set_uint(jb, "return_code", m->reason);
		if (m->has & MQTT_M_PROPS)
			log_props(jb, "properties", m->props);
		break;
	case MQTT_PUBLISH:
		if (m->has & MQTT_M_TOPIC)
			set_str(jb, "topic", m->topic, MQTT_LOG_STR);
		if (m->has & MQTT_M_ID)
			jb_set_uint(jb, "message_id", m->id);
		if (m->has & MQTT_M_MESSAGE) {
			set_str(jb, "message", m->msg, MQTT_LOG_MSG);
			/* the bytes of the message the record lacks */
			if (m->msg_len > m->msg.len) {
				jb_set_bool(jb, "truncated", true);
				jb_set_uint(jb, "skipped_length", m->msg_len - m->msg.len);
			}
		}
		if (m->has & MQTT_M_PROPS)
			log_props(jb, "properties", m->props);
		break;
	case MQTT_PUBACK: case MQTT_PUBREC: case MQTT_PUBREL: case MQTT_PUBCOMP:
		if (m->has & MQTT_M_ID)
			jb_set_uint(jb, "message_id", m->id);
		if (m->has & MQTT_M_REASON)
			jb_set_uint(jb, "reason_code", m->reason);
		break;
	case MQTT_SUBSCRIBE: case MQTT_UNSUBSCRIBE:
		if (m->has & MQTT_M_ID)
			jb_set_uint(jb, "message_id", m->id);
		if (m->has & MQTT_M_LIST)
			log_list(jb, m, "topics");
		break;
	case MQTT_SUBACK:
		if (m->has & MQTT_M_ID)
			jb_set_uint(jb, "message_id", m->id);
		if (m->has & MQTT_M_LIST)
			log_list(jb, m, "qos_granted");
		break;
	case MQTT_UNSUBACK:
		if (m->has & MQTT_M_ID)
			jb_set_uint(jb, "message_id", m->id);
		if ((m->has & MQTT_M_LIST) && m->n_list)
			log_list(jb, m, "reason_codes");
		break;
	case MQTT_DISCONNECT: case MQTT_AUTH:
		if (m->has & MQTT_M_REASON)
			jb_set_uint(jb, "reason_code", m->reason);
		if (m->has & MQTT_M_PROPS)
			log_props(jb, "properties", m->props);
		break;
	default:
		break;
	}
	jb_close(jb);
}

static void m_log(const struct app_tx *t, struct jb *jb)
{
	const struct mqtt_tx *tx = t->data;
	for (uint8_t i = 0; i < tx->n_msgs && i < MQTT_TX_MSGS; i++)
		log_msg(jb, tx->msgs[i]);
}

static const struct mqtt_msg *cur_msg(const struct app_tx *t)
{
	const struct mqtt_tx *tx = t->data;
	return tx->msgs[tx->n_msgs - 1];
}

static int m_tx_function(const struct app_tx *t)
{
	return cur_msg(t)->type;
}

/* ---- keywords: Suricata's (rust/src/mqtt/detect.rs), on the packet of the tx ---- */

static int mk(const char *arg, void **data, uint64_t max, const struct du_name *n, size_t nn,
	      char *err, size_t errlen)
{
	return du_match_new(arg, max, n, nn, data, err, errlen);
}

static int type_setup(const char *a, void **d, char *e, size_t l)
{
	return mk(a, d, 15, type_names, 16, e, l);
}

static bool type_match(const void *d, const struct app_tx *t)
{
	return du_match(d, cur_msg(t)->type);
}

static bool type_set(const void *d, uint8_t *set)
{
	return du_set(d, 15, set);
}

static int u8_setup(const char *a, void **d, char *e, size_t l)
{
	return mk(a, d, 255, NULL, 0, e, l);
}

/* mqtt.protocol_version: the level of the connection's CONNECT */
static bool version_match(const void *d, const struct app_tx *t)
{
	const struct mqtt_tx *tx = t->data;
	return tx->version && du_match(d, tx->version);
}

static int qos_setup(const char *a, void **d, char *e, size_t l)
{
	return mk(a, d, 3, NULL, 0, e, l);
}

static bool qos_match(const void *d, const struct app_tx *t)
{
	return du_match(d, (cur_msg(t)->flags >> 1) & 3);
}

static int reason_setup(const char *a, void **d, char *e, size_t l)
{
	return mk(a, d, 255, reason_names, N_REASONS, e, l);
}

/* The code of a CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT or
 * AUTH, or any of an UNSUBACK's codes (Suricata's mqtt.reason_code). */
static bool reason_match(const void *d, const struct app_tx *t)
{
	const struct mqtt_msg *m = cur_msg(t);
	if (m->type == MQTT_UNSUBACK && (m->has & MQTT_M_LIST)) {
		struct cursor c = cur_make(m->list.p, m->list.len);
		while (cur_left(&c))
			if (du_match(d, cur_u8(&c)))
				return true;
		return false;
	}
	return (m->has & MQTT_M_REASON) && m->type != MQTT_SUBACK && du_match(d, m->reason);
}

/* Flag lists "a,!b" (Suricata's), or a number: the bits that must be set. */
struct flag_name {
	const char *name;
	uint8_t bit;
};

static const struct flag_name hdr_flags[] = { { "dup", MQTT_HF_DUP }, { "retain", MQTT_HF_RETAIN } };
static const struct flag_name conn_flags[] = {
	{ "username", MQTT_CF_USERNAME }, { "password", MQTT_CF_PASSWORD },
	{ "will", MQTT_CF_WILL },         { "will_retain", MQTT_CF_WILL_RETAIN },
	{ "clean_session", MQTT_CF_CLEAN_SESSION },
};

static int flags_parse(const char *a, void **d, const struct flag_name *fl, size_t nf,
		       const char *valid, char *e, size_t l)
{
	if (!a || !*a) {
		snprintf(e, l, "missing flags (%s)", valid);
		return -1;
	}
	uint8_t set = 0, clr = 0;
	char *end;
	unsigned long num = strtoul(a, &end, 0);
	if (end != a && *end == 0) {
		if (num > 255) {
			snprintf(e, l, "flag bits %lu above 255", num);
			return -1;
		}
		set = (uint8_t)num;
	} else {
		const char *p = a;
		while (*p) {
			while (*p == ' ' || *p == ',')
				p++;
			if (!*p)
				break;
			bool neg = *p == '!';
			if (neg)
				p++;
			size_t n = strcspn(p, ", ");
			const struct flag_name *f = NULL;
			for (size_t i = 0; i < nf; i++)
				if (strlen(fl[i].name) == n && strncasecmp(fl[i].name, p, n) == 0)
					f = &fl[i];
			if (!f) {
				snprintf(e, l, "unknown flag '%.*s' (%s)", (int)n, p, valid);
				return -1;
			}
			if ((neg ? set : clr) & f->bit) {
				snprintf(e, l, "flag '%s' both required and excluded", f->name);
				return -1;
			}
			if (neg)
				clr |= f->bit;
			else
				set |= f->bit;
			p += n;
		}
		if (!(set | clr)) {
			snprintf(e, l, "missing flags (%s)", valid);
			return -1;
		}
	}
	uint8_t *m = malloc(2);
	if (!m) {
		snprintf(e, l, "out of memory");
		return -1;
	}
	m[0] = set;
	m[1] = clr;
	*d = m;
	return 0;
}

static int hflags_setup(const char *a, void **d, char *e, size_t l)
{
	return flags_parse(a, d, hdr_flags, 2, "dup, retain", e, l);
}

static bool hflags_match(const void *d, const struct app_tx *t)
{
	const uint8_t *m = d;
	uint8_t f = cur_msg(t)->flags;
	return (f & m[0]) == m[0] && !(f & m[1]);
}

static int cflags_setup(const char *a, void **d, char *e, size_t l)
{
	return flags_parse(a, d, conn_flags, 5, "username, password, will, will_retain, clean_session",
			   e, l);
}

static bool cflags_match(const void *d, const struct app_tx *t)
{
	const uint8_t *m = d;
	const struct mqtt_msg *msg = cur_msg(t);
	return msg->type == MQTT_CONNECT && (msg->has & MQTT_M_CONNECT) &&
	       (msg->cflags & m[0]) == m[0] && !(msg->cflags & m[1]);
}

static bool set_one(uint8_t *set, unsigned fn)
{
	set[fn >> 3] |= (uint8_t)(1u << (fn & 7));
	return true;
}

static bool connect_set(const void *d, uint8_t *set)
{
	(void)d;
	return set_one(set, MQTT_CONNECT);
}

static bool connack_set(const void *d, uint8_t *set)
{
	(void)d;
	return set_one(set, MQTT_CONNACK);
}

/* yes, true, no, false (Suricata's), or 1 and 0 */
static int sp_setup(const char *a, void **d, char *e, size_t l)
{
	int v = -1;
	if (a && (!strcasecmp(a, "true") || !strcasecmp(a, "yes") || !strcmp(a, "1")))
		v = 1;
	else if (a && (!strcasecmp(a, "false") || !strcasecmp(a, "no") || !strcmp(a, "0")))
		v = 0;
	if (v < 0) {
		snprintf(e, l, "expected yes, true, no or false, not '%s'", a ? a : "");
		return -1;
	}
	uint8_t *m = malloc(1);
	if (!m) {
		snprintf(e, l, "out of memory");
		return -1;
	}
	*m = (uint8_t)v;
	*d = m;
	return 0;
}

static bool sp_match(const void *d, const struct app_tx *t)
{
	const struct mqtt_msg *m = cur_msg(t);
	return m->type == MQTT_CONNACK && (m->has & MQTT_M_SESSION) &&
	       m->session_present == *(const uint8_t *)d;
}

/* Sticky buffers: NULL when the packet has no such field, or it is empty
 * (as in Suricata). Multi-buffers (the filters of a SUBSCRIBE...) give
 * their idx-th instance. */
static const uint8_t *str_buf(struct mqtt_str s, size_t *len)
{
	if (!s.p || !s.len)
		return NULL;
	*len = s.len;
	return s.p;
}

static const struct mqtt_msg *connect_of(const struct app_tx *t, uint16_t need)
{
	const struct mqtt_msg *m = cur_msg(t);
	return m->type == MQTT_CONNECT && (m->has & need) == need ? m : NULL;
}

static const uint8_t *clientid_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_msg *m = connect_of(t, MQTT_M_CLIENT_ID);
	return m ? str_buf(m->client_id, len) : NULL;
}

static const uint8_t *username_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_msg *m = connect_of(t, MQTT_M_USERNAME);
	return m ? str_buf(m->username, len) : NULL;
}

/* The password of the CONNECT being parsed: the tx lives only while its
 * packet does, and nothing of the password is kept. */
static const uint8_t *password_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_msg *m = connect_of(t, MQTT_M_PASSWORD);
	return m ? str_buf(m->password, len) : NULL;
}

static const uint8_t *protostr_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_msg *m = connect_of(t, MQTT_M_CONNECT);
	return m ? str_buf(m->proto, len) : NULL;
}

static const uint8_t *willtopic_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_msg *m = connect_of(t, MQTT_M_WILL);
	return m ? str_buf(m->will_topic, len) : NULL;
}

static const uint8_t *willmsg_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_msg *m = connect_of(t, MQTT_M_WILL);
	return m ? str_buf(m->will_msg, len) : NULL;
}

static const uint8_t *pubtopic_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_msg *m = cur_msg(t);
	return m->type == MQTT_PUBLISH && (m->has & MQTT_M_TOPIC) ? str_buf(m->topic, len) : NULL;
}

static const uint8_t *pubmsg_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_msg *m = cur_msg(t);
	if (m->type != MQTT_PUBLISH || !(m->has & MQTT_M_MESSAGE) || !m->msg_len)
		return NULL;
	*len = m->msg_len; /* the whole message, not the logged part */
	return m->msg.p;
}

/* the idx-th filter of a (UN)SUBSCRIBE: the first MQTT_LOG_TOPICS, those
 * the record lists (more raise mqtt.too_many_topics); O(idx), so a packet
 * of many filters cannot make a rule's evaluation quadratic in its size */
static const uint8_t *filter_at(const struct mqtt_msg *m, uint32_t idx, size_t *len)
{
	if (!(m->has & MQTT_M_LIST) || idx >= m->n_list || idx >= MQTT_LOG_TOPICS)
		return NULL;
	struct cursor c = cur_make(m->list.p, m->list.len);
	for (uint32_t i = 0;; i++) {
		uint16_t fl = cur_be16(&c);
		const uint8_t *f = cur_ptr(&c, fl);
		if (m->type == MQTT_SUBSCRIBE)
			cur_u8(&c);
		if (!cur_ok(&c))
			return NULL;
		if (i == idx) {
			if (!fl)
				return NULL;
			*len = fl;
			return f;
		}
	}
}

static const uint8_t *subtopic_at(const struct app_tx *t, uint32_t idx, size_t *len)
{
	const struct mqtt_msg *m = cur_msg(t);
	return m->type == MQTT_SUBSCRIBE ? filter_at(m, idx, len) : NULL;
}

static const uint8_t *subtopic_buf(const struct app_tx *t, size_t *len)
{
	return subtopic_at(t, 0, len);
}

static const uint8_t *unsubtopic_at(const struct app_tx *t, uint32_t idx, size_t *len)
{
	const struct mqtt_msg *m = cur_msg(t);
	return m->type == MQTT_UNSUBSCRIBE ? filter_at(m, idx, len) : NULL;
}

static const uint8_t *unsubtopic_buf(const struct app_tx *t, size_t *len)
{
	return unsubtopic_at(t, 0, len);
}

/* mqtt.topic: every topic of the packet (PUBLISH topic, filters, will) */
static const uint8_t *topic_at(const struct app_tx *t, uint32_t idx, size_t *len)
{
	const struct mqtt_msg *m = cur_msg(t);
	switch (m->type) {
	case MQTT_PUBLISH:
		return idx == 0 ? pubtopic_buf(t, len) : NULL;
	case MQTT_CONNECT:
		return idx == 0 ? willtopic_buf(t, len) : NULL;
	case MQTT_SUBSCRIBE: case MQTT_UNSUBSCRIBE:
		return filter_at(m, idx, len);
	default:
		return NULL;
	}
}

static const uint8_t *topic_buf(const struct app_tx *t, size_t *len)
{
	return topic_at(t, 0, len);
}

static const struct app_keyword kws[] = {
	{ "mqtt.type", type_setup, type_match, NULL, type_set, NULL, NULL },
	{ "mqtt.flags", hflags_setup, hflags_match, NULL, NULL, NULL, NULL },
	{ "mqtt.qos", qos_setup, qos_match, NULL, NULL, NULL, NULL },
	{ "mqtt.reason_code", reason_setup, reason_match, NULL, NULL, NULL, NULL },
	{ "mqtt.connack.return_code", reason_setup, reason_match, NULL, NULL, NULL, NULL },
	{ "mqtt.connack.session_present", sp_setup, sp_match, NULL, connack_set, NULL, NULL },
	{ "mqtt.connect.flags", cflags_setup, cflags_match, NULL, connect_set, NULL, NULL },
	{ "mqtt.protocol_version", u8_setup, version_match, NULL, NULL, NULL, NULL },
	/* sticky buffers (setup/match NULL) */
	{ "mqtt.connect.clientid", NULL, NULL, NULL, NULL, clientid_buf, NULL },
	{ "mqtt.connect.username", NULL, NULL, NULL, NULL, username_buf, NULL },
	{ "mqtt.connect.password", NULL, NULL, NULL, NULL, password_buf, NULL },
	{ "mqtt.connect.protocol_string", NULL, NULL, NULL, NULL, protostr_buf, NULL },
	{ "mqtt.connect.willtopic", NULL, NULL, NULL, NULL, willtopic_buf, NULL },
	{ "mqtt.connect.willmessage", NULL, NULL, NULL, NULL, willmsg_buf, NULL },
	{ "mqtt.publish.topic", NULL, NULL, NULL, NULL, pubtopic_buf, NULL },
	{ "mqtt.publish.message", NULL, NULL, NULL, NULL, pubmsg_buf, NULL },
	{ "mqtt.subscribe.topic", NULL, NULL, NULL, NULL, subtopic_buf, subtopic_at },
	{ "mqtt.unsubscribe.topic", NULL, NULL, NULL, NULL, unsubtopic_buf, unsubtopic_at },
	{ "mqtt.topic", NULL, NULL, NULL, NULL, topic_buf, topic_at },
};

static const uint16_t ports[] = { 1883, 8883, 0 };

const struct proto_parser proto_mqtt = {
	.name = "mqtt",
	.transport = APP_TCP,
	.tcp_ports = ports,
	.probe = m_probe,
	.pdu_len = m_pdu_len,
	.parse_pdu = m_parse,
	.gap = m_gap,
	.state_new = m_new,
	.state_free = m_free,
	.log_tx = m_log,
	.events = events,
	.n_events = MQTT_EV__COUNT,
	.max_pdu = MQTT_MAX_PDU,
	.state_size = sizeof(struct mqtt_state),
	.keywords = kws,
	.n_keywords = sizeof(kws) / sizeof(kws[0]),
	.tx_function = m_tx_function,
};
