/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MQTT 3.1 (level 3, "MQIsdp"), 3.1.1 (OASIS 2014, level 4) and 5.0 (OASIS
 * 2019, level 5) over TCP 1883/8883 (and any port: the probe decides).
 *
 * Fixed header (3.1.1 2.2, 5.0 2.1):
 *   type:4 flags:4 | remaining length: variable byte integer, 1-4 bytes,
 *   7 bits each, little end first (2.2.3 / 1.5.5) | variable header | payload
 * Variable headers (strings are len:2 + UTF-8 bytes, 1.5.3 / 1.5.4):
 *   CONNECT     name:str level:1 flags:1 keep_alive:2 [v5 props] |
 *               client_id:str [v5 will props] [will_topic:str will_msg:bin]
 *               [username:str] [password:bin]                      (3.1)
 *   CONNACK     ack_flags:1 return/reason code:1 [v5 props]         (3.2)
 *   PUBLISH     topic:str [packet_id:2 if QoS > 0] [v5 props] | payload (3.3)
 *   PUBACK, PUBREC, PUBREL, PUBCOMP  packet_id:2 [v5 reason:1 [props]]
 *   SUBSCRIBE   packet_id:2 [v5 props] | (filter:str options:1)+   (3.8)
 *   SUBACK      packet_id:2 [v5 props] | code:1 per filter          (3.9)
 *   UNSUBSCRIBE packet_id:2 [v5 props] | filter:str+                (3.10)
 *   UNSUBACK    packet_id:2 [v5 props | code:1 per filter]          (3.11)
 *   PINGREQ, PINGRESP  nothing; DISCONNECT, AUTH (v5) [reason:1 [props]]
 * v5 properties are a variable byte integer length and that many bytes:
 * skipped. The CONNECT's level is kept per flow so that later packets are
 * read as v5 or not. PUBLISH (QoS > 0), PUBREC, PUBREL, SUBSCRIBE and
 * UNSUBSCRIBE wait in a small table for their answer (matched by packet id
 * and direction). The password is never kept or logged: only its presence.
 *
 * Events (app-layer-event:mqtt.<name>):
 *   mqtt.invalid_remaining_length  a 5th continuation byte, or a length the
 *                         type forbids (PINGREQ not 0, 3.1.1 PUBACK not 2...)
 *   mqtt.truncated_packet    a fixed field beyond the remaining length, or a
 *                            (UN)SUBSCRIBE without a topic filter
 *   mqtt.unknown_type        type 0, or 15 (AUTH) before MQTT 5
 *   mqtt.invalid_fixed_header_flags  flags the spec fixes (PUBREL,
 *                 SUBSCRIBE, UNSUBSCRIBE 0x2, others 0), DUP on a QoS 0
 *                 PUBLISH, reserved CONNECT/CONNACK/subscription option bits
 *   mqtt.invalid_qos         QoS 3 in a PUBLISH, a will or a subscription
 *   mqtt.malformed_string    a string (or binary) length beyond the packet
 *   mqtt.missing_connect     the client's first packet is not a CONNECT
 *   mqtt.duplicate_connect   a second CONNECT on the connection
 *   mqtt.too_many_topics     more than 16 filters or codes in one packet
 *   mqtt.oversized_packet    a packet above 1 MiB (skipped by the core)
 *   mqtt.invalid_protocol    protocol name/level not MQTT 4/5 or MQIsdp 3
 *   mqtt.invalid_properties  a v5 property length beyond the packet
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "detect/uint.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/mqtt.h"

extern const struct proto_parser proto_mqtt;

#define MQTT_MAX_PDU (1u << 20)
#define MQTT_TOPIC_LOG_MAX 1024
#define PENDING 8

static const char *const events[MQTT_EV__COUNT] = {
	[MQTT_EV_INVALID_REMAINING_LENGTH] = "mqtt.invalid_remaining_length",
	[MQTT_EV_TRUNCATED_PACKET] = "mqtt.truncated_packet",
	[MQTT_EV_UNKNOWN_TYPE] = "mqtt.unknown_type",
	[MQTT_EV_INVALID_FLAGS] = "mqtt.invalid_fixed_header_flags",
	[MQTT_EV_INVALID_QOS] = "mqtt.invalid_qos",
	[MQTT_EV_MALFORMED_STRING] = "mqtt.malformed_string",
	[MQTT_EV_MISSING_CONNECT] = "mqtt.missing_connect",
	[MQTT_EV_DUPLICATE_CONNECT] = "mqtt.duplicate_connect",
	[MQTT_EV_TOO_MANY_TOPICS] = "mqtt.too_many_topics",
	[MQTT_EV_OVERSIZED_PACKET] = "mqtt.oversized_packet",
	[MQTT_EV_INVALID_PROTOCOL] = "mqtt.invalid_protocol",
	[MQTT_EV_INVALID_PROPERTIES] = "mqtt.invalid_properties",
};

struct mqtt_pending {
	uint16_t id;
	uint8_t type; /* PUBLISH, PUBREC, PUBREL, SUBSCRIBE, UNSUBSCRIBE */
	uint8_t dir;
	bool used;
};

struct mqtt_state {
	/* the buffer of the last oversized header reported per direction: the
	 * core may frame the same buffered header twice */
	const uint8_t *ovs[2];
	struct mqtt_pending pend[PENDING];
	uint8_t pend_next;
	uint8_t version; /* CONNECT level, 0 until seen */
	bool client_seen, server_seen, connect_seen;
};

static void ev(struct app_ctx *ctx, uint16_t e)
{
	app_emit_event(ctx, &proto_mqtt, e);
}

/* ---- names ------------------------------------------------------------------- */

static const struct du_name type_names[] = {
	{ "UNASSIGNED", 0 }, { "CONNECT", 1 },    { "CONNACK", 2 },      { "PUBLISH", 3 },
	{ "PUBACK", 4 },     { "PUBREC", 5 },     { "PUBREL", 6 },       { "PUBCOMP", 7 },
	{ "SUBSCRIBE", 8 },  { "SUBACK", 9 },     { "UNSUBSCRIBE", 10 }, { "UNSUBACK", 11 },
	{ "PINGREQ", 12 },   { "PINGRESP", 13 },  { "DISCONNECT", 14 },  { "AUTH", 15 },
};

/* EVE object names (Suricata's: the type in lower case) */
static const char *const type_keys[16] = {
	"unassigned", "connect", "connack", "publish", "puback", "pubrec", "pubrel", "pubcomp",
	"subscribe", "suback", "unsubscribe", "unsuback", "pingreq", "pingresp", "disconnect", "auth",
};

/* 3.1.1 CONNACK return codes (3.2.2.3) */
static const char *const connack_v3[] = {
	"accepted", "unacceptable_protocol_version", "identifier_rejected", "server_unavailable",
	"bad_username_or_password", "not_authorized",
};

/* MQTT 5 reason codes (2.4); 0x00 is success / normal disconnection /
 * granted QoS 0 depending on the packet */
static const struct du_name reason_names[] = {
	{ "success", 0x00 },
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

static const char *reason_name(uint8_t v)
{
	for (size_t i = 0; i < N_REASONS; i++)
		if (reason_names[i].value == v)
			return reason_names[i].name;
	return NULL;
}

/* Fixed-header flags the spec prescribes per type (3.1.1 2.2.2 table 2.2,
 * 5.0 2.1.3); PUBLISH (-1) carries DUP, QoS and RETAIN. */
static const int8_t fixed_flags[16] = { 0, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0 };

/* ---- framing ----------------------------------------------------------------- */

/* Variable byte integer (3.1.1 2.2.3, 5.0 1.5.5): 1 read, 0 need more
 * bytes, -1 a 5th continuation byte. Nothing consumed unless 1. */
static int vbi(struct cursor *c, uint32_t *v)
{
	uint32_t x = 0;
	for (int i = 0; i < 4; i++) {
		int b = cur_peek_u8(c, (size_t)i);
		if (b < 0)
			return 0;
		x |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			cur_skip(c, (size_t)i + 1);
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
	return qos != 3 && !(qos == 0 && (flags & 8));
}

static bool printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

/* A whole plausible PUBLISH or SUBSCRIBE at c (probe of a connection picked
 * up after its CONNECT): printable topics, lengths that add up exactly. */
static int probe_other(struct cursor c, uint8_t b0)
{
	uint8_t type = b0 >> 4;
	uint32_t rl;
	int r = vbi(&c, &rl);
	if (r < 0 || (r == 1 && (rl < 3 || rl > 4096)))
		return APP_PROBE_NO;
	if (r == 0)
		return APP_PROBE_MORE;
	if (cur_left(&c) < rl)
		return APP_PROBE_MORE;
	struct cursor p = cur_sub(&c, rl);
	if (type == MQTT_PUBLISH) {
		uint16_t tl = cur_be16(&p);
		const uint8_t *t = cur_ptr(&p, tl);
		if (((b0 >> 1) & 3) && cur_left(&p) < 2)
			return APP_PROBE_NO;
		if (!t || tl == 0 || !printable(t, tl) || memchr(t, '#', tl) || memchr(t, '+', tl))
			return APP_PROBE_NO;
		return APP_PROBE_YES;
	}
	cur_be16(&p); /* SUBSCRIBE packet id; filters as in 3.1.1 */
	unsigned n = 0;
	while (cur_left(&p)) {
		uint16_t fl = cur_be16(&p);
		const uint8_t *f = cur_ptr(&p, fl);
		uint8_t o = cur_u8(&p);
		if (!cur_ok(&p) || fl == 0 || !printable(f, fl) || o > 2)
			return APP_PROBE_NO;
		n++;
	}
	return n && cur_ok(&p) ? APP_PROBE_YES : APP_PROBE_NO;
}

static int m_probe(const uint8_t *buf, size_t len, uint8_t dir)
{
	struct cursor c = cur_make(buf, len);
	int b0 = cur_peek_u8(&c, 0);
	if (b0 < 0)
		return APP_PROBE_MORE;
	cur_u8(&c);
	if (dir == APP_TOCLIENT) {
		/* CONNACK: 3.1.1 20 02 sp rc; 5.0 20 len sp rc props */
		if (b0 != 0x20)
			return APP_PROBE_NO;
		uint32_t rl, pl;
		int r = vbi(&c, &rl);
		if (r <= 0)
			return r < 0 ? APP_PROBE_NO : APP_PROBE_MORE;
		if (rl < 2 || rl > 4096)
			return APP_PROBE_NO;
		size_t hdr = (size_t)(c.p - buf);
		if (cur_left(&c) < (rl == 2 ? 2 : 3))
			return APP_PROBE_MORE;
		uint8_t af = cur_u8(&c), rc = cur_u8(&c);
		if (af > 1)
			return APP_PROBE_NO;
		if (rl == 2)
			return rc <= 5 ? APP_PROBE_YES : APP_PROBE_NO;
		r = vbi(&c, &pl);
		if (r == 0)
			return APP_PROBE_MORE;
		if (r < 0 || !reason_name(rc))
			return APP_PROBE_NO;
		/* ack flags, code, property length and properties fill it exactly */
		return (size_t)(c.p - buf) - hdr + pl == rl ? APP_PROBE_YES : APP_PROBE_NO;
	}
	uint8_t type = (uint8_t)b0 >> 4;
	if ((type == MQTT_PUBLISH || type == MQTT_SUBSCRIBE) && flags_ok(type, b0 & 0xf))
		return probe_other(c, (uint8_t)b0);
	if (b0 != 0x10)
		return APP_PROBE_NO;
	uint32_t rl;
	int r = vbi(&c, &rl);
	if (r <= 0)
		return r < 0 ? APP_PROBE_NO : APP_PROBE_MORE;
	if (rl < 10)
		return APP_PROBE_NO;
	static const uint8_t mqtt[] = { 0, 4, 'M', 'Q', 'T', 'T' };
	static const uint8_t isdp[] = { 0, 6, 'M', 'Q', 'I', 's', 'd', 'p' };
	const uint8_t *name = cur_peek_u8(&c, 1) == 6 ? isdp : mqtt;
	size_t nl = name == isdp ? sizeof(isdp) : sizeof(mqtt);
	/* the name decides; a wrong level is the parser's invalid_protocol */
	for (size_t i = 0; i <= nl; i++) {
		int v = cur_peek_u8(&c, i);
		if (v < 0)
			return APP_PROBE_MORE;
		if (i == nl ? v < 1 || v > 8 : v != name[i])
			return APP_PROBE_NO;
	}
	return APP_PROBE_YES;
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
	cur_u8(&c);
	uint32_t rl;
	int r = vbi(&c, &rl);
	if (r == 0) {
		s->ovs[dir & 1] = NULL;
		return APP_FRAME_MORE;
	}
	if (r < 0) {
		ev(ctx, MQTT_EV_INVALID_REMAINING_LENGTH);
		return APP_FRAME_BAD;
	}
	size_t n = (size_t)(c.p - b) + rl;
	if (n > MQTT_MAX_PDU && s->ovs[dir & 1] != b) {
		s->ovs[dir & 1] = b;
		ev(ctx, MQTT_EV_OVERSIZED_PACKET);
	}
	*pdu_len = n;
	return APP_FRAME_OK;
}

/* ---- packets ----------------------------------------------------------------- */

struct rd {
	struct app_ctx *ctx;
	struct cursor c;
	struct mqtt_tx *tx;
	bool bad; /* a fatal event was emitted: the rest is not read */
};

static void rdp_fail(struct rd *r, uint16_t e)
{
	if (!r->bad)
		ev(r->ctx, e);
	r->bad = true;
	cur_fail(&r->c);
}

static uint8_t rdp_u8(struct rd *r)
{
	if (cur_left(&r->c) < 1) {
		rdp_fail(r, MQTT_EV_TRUNCATED_PACKET);
		return 0;
	}
	return cur_u8(&r->c);
}

static uint16_t rdp_be16(struct rd *r)
{
	if (cur_left(&r->c) < 2) {
		rdp_fail(r, MQTT_EV_TRUNCATED_PACKET);
		return 0;
	}
	return cur_be16(&r->c);
}

/* A UTF-8 string or binary data: len:2 and the bytes (1.5.3, 1.5.6). */
static struct mqtt_str rdp_str(struct rd *r)
{
	struct mqtt_str s = { NULL, 0 };
	uint16_t n = rdp_be16(r);
	if (r->bad)
		return s;
	const uint8_t *p = cur_ptr(&r->c, n);
	if (!p) {
		rdp_fail(r, MQTT_EV_MALFORMED_STRING);
		return s;
	}
	s.p = p;
	s.len = n;
	return s;
}

/* v5 properties: length and bytes, skipped. No-op before MQTT 5. */
static void rdp_props(struct rd *r, uint8_t version)
{
	if (version != 5 || r->bad)
		return;
	uint32_t n;
	if (vbi(&r->c, &n) != 1 || n > cur_left(&r->c)) {
		rdp_fail(r, MQTT_EV_INVALID_PROPERTIES);
		return;
	}
	cur_skip(&r->c, n);
	r->tx->n_props = (uint16_t)(r->tx->n_props + (n > 0xffff ? 0xffff : n));
}

static void want_len(struct rd *r, uint32_t want)
{
	if (r->tx->remaining_length != want)
		ev(r->ctx, MQTT_EV_INVALID_REMAINING_LENGTH);
}

static void add_filter(struct mqtt_tx *tx, struct mqtt_str f, uint8_t options)
{
	if (tx->n_topics < MQTT_MAX_TOPICS) {
		tx->topics[tx->n_topics].f = f;
		tx->topics[tx->n_topics].options = options;
	}
	tx->n_topics++;
	if (memchr(f.p, '#', f.len))
		tx->wildcards |= MQTT_WC_HASH;
	if (memchr(f.p, '+', f.len))
		tx->wildcards |= MQTT_WC_PLUS;
	if (f.len >= 4 && memcmp(f.p, "$SYS", 4) == 0)
		tx->wildcards |= MQTT_WC_SYS;
	/* joined by NUL (a filter cannot contain U+0000, 1.5.4) */
	size_t room = MQTT_FILTERS_MAX - tx->filters_len;
	if (tx->filters_len && room) {
		tx->filters[tx->filters_len++] = 0;
		room--;
	}
	size_t k = f.len < room ? f.len : room;
	if (k)
		memcpy(tx->filters + tx->filters_len, f.p, k);
	tx->filters_len = (uint16_t)(tx->filters_len + k);
}

static void parse_connect(struct mqtt_state *s, struct rd *r, uint8_t dir)
{
	struct mqtt_tx *tx = r->tx;
	tx->protocol_name = rdp_str(r);
	uint8_t level = rdp_u8(r);
	tx->connect_flags = rdp_u8(r);
	tx->keep_alive = rdp_be16(r);
	if (r->bad)
		return;
	const struct mqtt_str *n = &tx->protocol_name;
	bool is_mqtt = n->len == 4 && memcmp(n->p, "MQTT", 4) == 0;
	bool is_isdp = n->len == 6 && memcmp(n->p, "MQIsdp", 6) == 0;
	if (!((is_mqtt && (level == 4 || level == 5)) || (is_isdp && level == 3)))
		ev(r->ctx, MQTT_EV_INVALID_PROTOCOL);
	if (level >= 3 && level <= 5 && dir == APP_TOSERVER)
		s->version = level;
	uint8_t v = level >= 3 && level <= 5 ? level : 4;
	tx->version = v;
	uint8_t f = tx->connect_flags;
	uint8_t wq = (f >> 3) & 3;
	if (wq == 3)
		ev(r->ctx, MQTT_EV_INVALID_QOS);
	if ((f & 1) || (!(f & MQTT_CF_WILL) && (wq || (f & MQTT_CF_WILL_RETAIN))) ||
	    (v < 5 && (f & MQTT_CF_PASSWORD) && !(f & MQTT_CF_USERNAME)))
		ev(r->ctx, MQTT_EV_INVALID_FLAGS);
	rdp_props(r, v);
	tx->client_id = rdp_str(r);
	if (f & MQTT_CF_WILL) {
		rdp_props(r, v);
		tx->will_topic = rdp_str(r);
		tx->will_message_len = rdp_str(r).len;
	}
	if (f & MQTT_CF_USERNAME)
		tx->username = rdp_str(r);
	if (f & MQTT_CF_PASSWORD) {
		(void)rdp_str(r); /* never kept */
		tx->password_present = !r->bad;
	}
}

static void parse_body(struct mqtt_state *s, struct rd *r, uint8_t dir)
{
	struct mqtt_tx *tx = r->tx;
	uint8_t v = tx->version;
	switch (tx->type) {
	case MQTT_CONNECT:
		parse_connect(s, r, dir);
		break;
	case MQTT_CONNACK: {
		uint8_t af = rdp_u8(r);
		tx->reason_code = rdp_u8(r);
		if (r->bad)
			break;
		tx->has_reason = true;
		tx->session_present = af & 1;
		if (af & 0xfe)
			ev(r->ctx, MQTT_EV_INVALID_FLAGS);
		if (v == 5 || (v == 0 && cur_left(&r->c)))
			rdp_props(r, 5);
		else
			want_len(r, 2);
		break;
	}
	case MQTT_PUBLISH:
		tx->topic = rdp_str(r);
		if (tx->qos) {
			tx->packet_id = rdp_be16(r);
			tx->has_packet_id = !r->bad;
		}
		rdp_props(r, v);
		if (!r->bad) {
			tx->payload = r->c.p;
			tx->payload_len = (uint32_t)cur_left(&r->c);
		}
		break;
	case MQTT_PUBACK: case MQTT_PUBREC: case MQTT_PUBREL: case MQTT_PUBCOMP:
		tx->packet_id = rdp_be16(r);
		tx->has_packet_id = !r->bad;
		if (v != 5) {
			if (!r->bad)
				want_len(r, 2);
			break;
		}
		if (cur_left(&r->c)) {
			tx->reason_code = rdp_u8(r);
			tx->has_reason = true;
		}
		if (cur_left(&r->c))
			rdp_props(r, v);
		break;
	case MQTT_SUBSCRIBE: case MQTT_UNSUBSCRIBE: {
		tx->packet_id = rdp_be16(r);
		tx->has_packet_id = !r->bad;
		rdp_props(r, v);
		while (!r->bad && cur_left(&r->c)) {
			struct mqtt_str f = rdp_str(r);
			uint8_t o = 0;
			if (tx->type == MQTT_SUBSCRIBE) {
				o = rdp_u8(r);
				if ((o & 3) == 3)
					ev(r->ctx, MQTT_EV_INVALID_QOS);
				if (v == 5 ? (o & 0xc0) || ((o >> 4) & 3) == 3 : (o & 0xfc))
					ev(r->ctx, MQTT_EV_INVALID_FLAGS);
			}
			if (r->bad)
				break;
			add_filter(tx, f, o);
		}
		if (!r->bad && tx->n_topics == 0)
			rdp_fail(r, MQTT_EV_TRUNCATED_PACKET);
		if (tx->n_topics > MQTT_MAX_TOPICS)
			ev(r->ctx, MQTT_EV_TOO_MANY_TOPICS);
		break;
	}
	case MQTT_SUBACK: case MQTT_UNSUBACK:
		tx->packet_id = rdp_be16(r);
		tx->has_packet_id = !r->bad;
		if (tx->type == MQTT_UNSUBACK && v != 5) {
			if (!r->bad)
				want_len(r, 2);
			break;
		}
		rdp_props(r, v);
		while (!r->bad && cur_left(&r->c)) {
			uint8_t code = cur_u8(&r->c);
			if (tx->n_codes < MQTT_MAX_TOPICS)
				tx->codes[tx->n_codes] = code;
			tx->n_codes++;
			if (v != 5 && code > 2 && code != 0x80)
				ev(r->ctx, MQTT_EV_INVALID_QOS);
		}
		if (tx->n_codes > MQTT_MAX_TOPICS)
			ev(r->ctx, MQTT_EV_TOO_MANY_TOPICS);
		break;
	case MQTT_PINGREQ: case MQTT_PINGRESP:
		want_len(r, 0);
		break;
	case MQTT_DISCONNECT: case MQTT_AUTH:
		if (v != 5 && tx->type == MQTT_DISCONNECT) {
			want_len(r, 0);
			break;
		}
		if (cur_left(&r->c)) {
			tx->reason_code = rdp_u8(r);
			tx->has_reason = true;
		}
		if (cur_left(&r->c))
			rdp_props(r, 5);
		break;
	default:
		break;
	}
}

/* Requests waiting for their answer: bounded, the oldest overwritten. */
static void pend_add(struct mqtt_state *s, uint8_t type, uint16_t id, uint8_t dir)
{
	int slot = -1;
	for (int i = 0; i < PENDING && slot < 0; i++)
		if (!s->pend[i].used)
			slot = i;
	if (slot < 0) {
		slot = s->pend_next;
		s->pend_next = (uint8_t)((s->pend_next + 1) % PENDING);
	}
	s->pend[slot] = (struct mqtt_pending){ id, type, dir, true };
}

static int pend_take(struct mqtt_state *s, uint8_t type, uint16_t id, uint8_t dir)
{
	for (int i = 0; i < PENDING; i++) {
		struct mqtt_pending *p = &s->pend[i];
		if (p->used && p->type == type && p->id == id && p->dir != dir) {
			p->used = false;
			return type;
		}
	}
	return -1;
}

static void match(struct mqtt_state *s, struct mqtt_tx *tx, uint8_t dir)
{
	if (!tx->has_packet_id)
		return;
	/* the request type each answer closes */
	static const int8_t asks[16] = {
		[MQTT_PUBACK] = MQTT_PUBLISH, [MQTT_PUBREC] = MQTT_PUBLISH,
		[MQTT_PUBREL] = MQTT_PUBREC,  [MQTT_PUBCOMP] = MQTT_PUBREL,
		[MQTT_SUBACK] = MQTT_SUBSCRIBE, [MQTT_UNSUBACK] = MQTT_UNSUBSCRIBE,
	};
	if (asks[tx->type])
		tx->request_type = (int8_t)pend_take(s, (uint8_t)asks[tx->type], tx->packet_id, dir);
	switch (tx->type) {
	case MQTT_PUBLISH: case MQTT_PUBREC: case MQTT_PUBREL: case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		pend_add(s, tx->type, tx->packet_id, dir);
		break;
	default:
		break;
	}
}

static int m_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct mqtt_state *s = state;
	/* on the stack: the tx lives for the callback only */
	struct mqtt_tx txs;
	struct mqtt_tx *tx = &txs;
	memset(tx, 0, sizeof(*tx));
	tx->request_type = -1;
	struct rd r = { ctx, cur_make(pdu, len), tx, false };
	uint8_t b0 = cur_u8(&r.c);
	uint32_t rl = 0;
	if (vbi(&r.c, &rl) != 1 || rl != cur_left(&r.c)) {
		ev(ctx, MQTT_EV_INVALID_REMAINING_LENGTH); /* framing said otherwise */
		return -1;
	}
	tx->type = b0 >> 4;
	tx->flags = b0 & 0xf;
	tx->dup = b0 & 8;
	tx->qos = (b0 >> 1) & 3;
	tx->retain = b0 & 1;
	tx->remaining_length = rl;
	tx->version = s->version;
	if (dir == APP_TOSERVER) {
		if (!s->client_seen && tx->type != MQTT_CONNECT && !s->server_seen)
			ev(ctx, MQTT_EV_MISSING_CONNECT);
		else if (tx->type == MQTT_CONNECT && s->connect_seen)
			ev(ctx, MQTT_EV_DUPLICATE_CONNECT);
		s->client_seen = true;
		if (tx->type == MQTT_CONNECT)
			s->connect_seen = true;
	} else {
		s->server_seen = true;
	}
	if (tx->type == MQTT_RESERVED || (tx->type == MQTT_AUTH && s->version && s->version != 5)) {
		ev(ctx, MQTT_EV_UNKNOWN_TYPE);
	} else if (!flags_ok(tx->type, tx->flags)) {
		if (tx->type == MQTT_PUBLISH && tx->qos == 3)
			ev(ctx, MQTT_EV_INVALID_QOS);
		else
			ev(ctx, MQTT_EV_INVALID_FLAGS);
	}
	if (tx->type != MQTT_RESERVED)
		parse_body(s, &r, dir);
	match(s, tx, dir);
	static const bool resp[16] = { [MQTT_CONNACK] = true, [MQTT_PUBACK] = true,
				       [MQTT_PUBREC] = true,  [MQTT_PUBCOMP] = true,
				       [MQTT_SUBACK] = true,  [MQTT_UNSUBACK] = true,
				       [MQTT_PINGRESP] = true };
	struct app_tx t = { &proto_mqtt, dir, resp[tx->type], tx };
	app_emit_tx(ctx, &t);
	return r.bad ? -1 : 0;
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

/* ---- EVE --------------------------------------------------------------------- */

static void set_str(struct jb *jb, const char *key, struct mqtt_str s, size_t max)
{
	jb_set_strn(jb, key, s.p, s.len < max ? s.len : max);
}

static void log_reason(struct jb *jb, const struct mqtt_tx *tx, const char *key,
		       const char *name_key)
{
	jb_set_uint(jb, key, tx->reason_code);
	const char *n = NULL;
	if (tx->type == MQTT_CONNACK && tx->version != 5)
		n = tx->reason_code < 6 ? connack_v3[tx->reason_code] : NULL;
	else
		n = reason_name(tx->reason_code);
	jb_set_ascii(jb, name_key, n ? n : "unknown");
}

static void m_log(const struct app_tx *t, struct jb *jb)
{
	const struct mqtt_tx *tx = t->data;
	jb_open_object(jb, type_keys[tx->type]);
	jb_set_uint(jb, "qos", tx->qos);
	jb_set_bool(jb, "retain", tx->retain);
	jb_set_bool(jb, "dup", tx->dup);
	if (tx->has_packet_id)
		jb_set_uint(jb, "message_id", tx->packet_id);
	switch (tx->type) {
	case MQTT_CONNECT:
		if (tx->protocol_name.p)
			set_str(jb, "protocol_string", tx->protocol_name, MQTT_NAME_MAX);
		jb_set_uint(jb, "protocol_version", tx->version);
		jb_open_object(jb, "flags");
		jb_set_bool(jb, "username", tx->connect_flags & MQTT_CF_USERNAME);
		jb_set_bool(jb, "password", tx->connect_flags & MQTT_CF_PASSWORD);
		jb_set_bool(jb, "will_retain", tx->connect_flags & MQTT_CF_WILL_RETAIN);
		jb_set_bool(jb, "will", tx->connect_flags & MQTT_CF_WILL);
		jb_set_bool(jb, "clean_session", tx->connect_flags & MQTT_CF_CLEAN_SESSION);
		jb_close(jb);
		jb_set_uint(jb, "keep_alive", tx->keep_alive);
		if (tx->client_id.p)
			set_str(jb, "client_id", tx->client_id, MQTT_NAME_MAX);
		if (tx->username.p)
			set_str(jb, "username", tx->username, MQTT_NAME_MAX);
		jb_set_bool(jb, "password_present", tx->password_present);
		if (tx->will_topic.p) {
			jb_open_object(jb, "will");
			set_str(jb, "topic", tx->will_topic, MQTT_TOPIC_LOG_MAX);
			jb_set_uint(jb, "message_length", tx->will_message_len);
			jb_close(jb);
		}
		break;
	case MQTT_CONNACK:
		jb_set_bool(jb, "session_present", tx->session_present);
		if (tx->has_reason)
			log_reason(jb, tx, "return_code", "return_code_name");
		break;
	case MQTT_PUBLISH:
		if (tx->topic.p)
			set_str(jb, "topic", tx->topic, MQTT_TOPIC_LOG_MAX);
		jb_set_uint(jb, "payload_length", tx->payload_len);
		break;
	case MQTT_SUBSCRIBE: case MQTT_UNSUBSCRIBE: {
		unsigned n = tx->n_topics < MQTT_MAX_TOPICS ? tx->n_topics : MQTT_MAX_TOPICS;
		jb_open_array(jb, "topics");
		for (unsigned i = 0; i < n; i++) {
			if (tx->type == MQTT_UNSUBSCRIBE) {
				set_str(jb, NULL, tx->topics[i].f, MQTT_TOPIC_LOG_MAX);
				continue;
			}
			jb_open_object(jb, NULL);
			set_str(jb, "topic", tx->topics[i].f, MQTT_TOPIC_LOG_MAX);
			jb_set_uint(jb, "qos", tx->topics[i].options & 3);
			jb_close(jb);
		}
		jb_close(jb);
		if (tx->n_topics > MQTT_MAX_TOPICS)
			jb_set_uint(jb, "topic_count", tx->n_topics);
		break;
	}
	case MQTT_SUBACK: case MQTT_UNSUBACK: {
		if (tx->type == MQTT_UNSUBACK && tx->version != 5)
			break;
		unsigned n = tx->n_codes < MQTT_MAX_TOPICS ? tx->n_codes : MQTT_MAX_TOPICS;
		jb_open_array(jb, tx->type == MQTT_SUBACK ? "qos_granted" : "reason_codes");
		for (unsigned i = 0; i < n; i++)
			jb_set_uint(jb, NULL, tx->codes[i]);
		jb_close(jb);
		if (tx->n_codes > MQTT_MAX_TOPICS)
			jb_set_uint(jb, "code_count", tx->n_codes);
		break;
	}
	default:
		if (tx->has_reason)
			log_reason(jb, tx, "reason_code", "reason_code_name");
		break;
	}
	if (tx->request_type >= 0)
		jb_set_ascii(jb, "request_type", type_names[tx->request_type].name);
	jb_close(jb);
}

static int m_tx_function(const struct app_tx *t)
{
	const struct mqtt_tx *tx = t->data;
	return tx->type;
}

/* ---- keywords ---------------------------------------------------------------- */

static int mk(const char *arg, void **data, uint64_t max, const struct du_name *n, size_t nn,
	      char *err, size_t errlen)
{
	struct du_match *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (du_parse(arg, max, n, nn, m, err, errlen) < 0) {
		free(m);
		return -1;
	}
	*data = m;
	return 0;
}

static int type_setup(const char *a, void **d, char *e, size_t l)
{
	return mk(a, d, 15, type_names, 16, e, l);
}

static bool type_match(const void *d, const struct app_tx *t)
{
	const struct mqtt_tx *tx = t->data;
	return du_match(d, tx->type);
}

static bool type_set(const void *d, uint8_t *set)
{
	return du_set(d, 15, set);
}

static int version_setup(const char *a, void **d, char *e, size_t l)
{
	return mk(a, d, 255, NULL, 0, e, l);
}

static bool version_match(const void *d, const struct app_tx *t)
{
	const struct mqtt_tx *tx = t->data;
	return tx->version && du_match(d, tx->version);
}

static int reason_setup(const char *a, void **d, char *e, size_t l)
{
	return mk(a, d, 255, reason_names, N_REASONS, e, l);
}

static bool reason_match(const void *d, const struct app_tx *t)
{
	const struct mqtt_tx *tx = t->data;
	return tx->has_reason && du_match(d, tx->reason_code);
}

static int qos_setup(const char *a, void **d, char *e, size_t l)
{
	uint64_t v;
	if (!a || du_parse_value(a, 2, NULL, 0, &v, e, l) < 0) {
		if (!a)
			snprintf(e, l, "missing value (0, 1 or 2)");
		return -1;
	}
	uint8_t *q = malloc(1);
	if (!q) {
		snprintf(e, l, "out of memory");
		return -1;
	}
	*q = (uint8_t)v;
	*d = q;
	return 0;
}

static bool qos_match(const void *d, const struct app_tx *t)
{
	const struct mqtt_tx *tx = t->data;
	return tx->qos == *(const uint8_t *)d;
}

/* Flag lists "a,!b": bits that must be set and bits that must be clear. */
struct flag_name {
	const char *name;
	uint8_t bit;
};

static const struct flag_name hdr_flags[] = { { "dup", 0x8 }, { "retain", 0x1 } };
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
			if (strlen(fl[i].name) == n && strncmp(fl[i].name, p, n) == 0)
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
	const struct mqtt_tx *tx = t->data;
	return (tx->flags & m[0]) == m[0] && !(tx->flags & m[1]);
}

static int cflags_setup(const char *a, void **d, char *e, size_t l)
{
	return flags_parse(a, d, conn_flags, 5, "username, password, will, will_retain, clean_session",
			   e, l);
}

static bool cflags_match(const void *d, const struct app_tx *t)
{
	const uint8_t *m = d;
	const struct mqtt_tx *tx = t->data;
	return tx->type == MQTT_CONNECT && (tx->connect_flags & m[0]) == m[0] &&
	       !(tx->connect_flags & m[1]);
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

static int sp_setup(const char *a, void **d, char *e, size_t l)
{
	int v = -1;
	if (a && (!strcasecmp(a, "true") || !strcasecmp(a, "yes")))
		v = 1;
	else if (a && (!strcasecmp(a, "false") || !strcasecmp(a, "no")))
		v = 0;
	if (v < 0) {
		snprintf(e, l, "expected true or false, not '%s'", a ? a : "");
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
	const struct mqtt_tx *tx = t->data;
	return tx->type == MQTT_CONNACK && tx->has_reason && tx->session_present == *(const uint8_t *)d;
}

static bool connack_set(const void *d, uint8_t *set)
{
	(void)d;
	return set_one(set, MQTT_CONNACK);
}

/* sticky buffers: NULL when the tx has no such field */
static const uint8_t *str_buf(struct mqtt_str s, size_t max, size_t *len)
{
	if (!s.p)
		return NULL;
	*len = s.len < max ? s.len : max;
	return s.p;
}

static const uint8_t *clientid_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_tx *tx = t->data;
	return tx->type == MQTT_CONNECT ? str_buf(tx->client_id, MQTT_NAME_MAX, len) : NULL;
}

static const uint8_t *username_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_tx *tx = t->data;
	return tx->type == MQTT_CONNECT ? str_buf(tx->username, MQTT_NAME_MAX, len) : NULL;
}

static const uint8_t *willtopic_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_tx *tx = t->data;
	return tx->type == MQTT_CONNECT ? str_buf(tx->will_topic, 0xffff, len) : NULL;
}

static const uint8_t *protostr_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_tx *tx = t->data;
	return tx->type == MQTT_CONNECT ? str_buf(tx->protocol_name, 0xffff, len) : NULL;
}

static const uint8_t *pubtopic_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_tx *tx = t->data;
	return tx->type == MQTT_PUBLISH ? str_buf(tx->topic, 0xffff, len) : NULL;
}

static const uint8_t *pubmsg_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_tx *tx = t->data;
	if (tx->type != MQTT_PUBLISH || !tx->payload)
		return NULL;
	*len = tx->payload_len;
	return tx->payload;
}

static const uint8_t *filters_of(const struct mqtt_tx *tx, uint8_t type, size_t *len)
{
	if (tx->type != type || !tx->n_topics)
		return NULL;
	*len = tx->filters_len;
	return tx->filters;
}

static const uint8_t *subtopic_buf(const struct app_tx *t, size_t *len)
{
	return filters_of(t->data, MQTT_SUBSCRIBE, len);
}

static const uint8_t *unsubtopic_buf(const struct app_tx *t, size_t *len)
{
	return filters_of(t->data, MQTT_UNSUBSCRIBE, len);
}

static const uint8_t *topic_buf(const struct app_tx *t, size_t *len)
{
	const struct mqtt_tx *tx = t->data;
	if (tx->type == MQTT_PUBLISH)
		return pubtopic_buf(t, len);
	return filters_of(tx, tx->type == MQTT_UNSUBSCRIBE ? MQTT_UNSUBSCRIBE : MQTT_SUBSCRIBE, len);
}

static const struct app_keyword kws[] = {
	{ "mqtt.type", type_setup, type_match, NULL, type_set, NULL },
	{ "mqtt.flags", hflags_setup, hflags_match, NULL, NULL, NULL },
	{ "mqtt.qos", qos_setup, qos_match, NULL, NULL, NULL },
	{ "mqtt.reason_code", reason_setup, reason_match, NULL, NULL, NULL },
	{ "mqtt.connack.return_code", reason_setup, reason_match, NULL, NULL, NULL },
	{ "mqtt.connack.session_present", sp_setup, sp_match, NULL, connack_set, NULL },
	{ "mqtt.connect.flags", cflags_setup, cflags_match, NULL, connect_set, NULL },
	{ "mqtt.protocol_version", version_setup, version_match, NULL, NULL, NULL },
	/* sticky buffers (setup/match NULL) */
	{ "mqtt.connect.clientid", NULL, NULL, NULL, NULL, clientid_buf },
	{ "mqtt.connect.username", NULL, NULL, NULL, NULL, username_buf },
	{ "mqtt.connect.willtopic", NULL, NULL, NULL, NULL, willtopic_buf },
	{ "mqtt.connect.protocol_string", NULL, NULL, NULL, NULL, protostr_buf },
	{ "mqtt.publish.topic", NULL, NULL, NULL, NULL, pubtopic_buf },
	{ "mqtt.publish.message", NULL, NULL, NULL, NULL, pubmsg_buf },
	{ "mqtt.subscribe.topic", NULL, NULL, NULL, NULL, subtopic_buf },
	{ "mqtt.unsubscribe.topic", NULL, NULL, NULL, NULL, unsubtopic_buf },
	{ "mqtt.topic", NULL, NULL, NULL, NULL, topic_buf },
};

static const uint16_t ports[] = { 1883, 8883, 0 };

const struct proto_parser proto_mqtt = {
	.name = "mqtt",
	.transport = APP_TCP,
	.tcp_ports = ports,
	.probe = m_probe,
	.pdu_len = m_pdu_len,
	.parse_pdu = m_parse,
	.gap = NULL, /* no partial per-direction state */
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
