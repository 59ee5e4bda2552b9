/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario mqtt: MQTT 3.1 / 3.1.1 / 5.0 sessions between the plant's clients
 * (masters 10.0.0.2-.4, engineering .5, gateways .90-.99) and brokers
 * 10.0.0.80-.89: every packet type, a broker on a non-standard port
 * (11883), the attacks of rules/mqtt.rules from the rogue host 10.0.1.66
 * (credential-less CONNECT, wildcard and $SYS subscriptions, command
 * topics, retained spoofing, a CONNACK-refused burst) and every
 * mqtt.* event.
 */
#include <string.h>

#include "gen.h"

static void host(uint8_t ip[16], unsigned c, unsigned d)
{
	ip4(ip, 10, 0, c, d);
}

/* ---- packets (3.1.1 2.2 fixed header, 1.5.3 strings) ------------------------- */

static void m_vbi(struct buf *b, uint32_t v)
{
	do {
		uint8_t x = v & 0x7f;
		v >>= 7;
		b_u8(b, v ? x | 0x80 : x);
	} while (v);
}

static void m_str(struct buf *b, const char *s)
{
	b_be16(b, (unsigned)strlen(s));
	b_str(b, s);
}

/* out = fixed header b0 + remaining length + body */
static void m_pkt(struct buf *out, uint8_t b0, const struct buf *body)
{
	b_reset(out);
	b_u8(out, b0);
	m_vbi(out, (uint32_t)body->n);
	b_bytes(out, body->b, body->n);
}

static struct buf body, q, r;

/* CONNECT; version 5 adds empty (or given) properties */
static void m_connect(struct buf *out, const char *name, uint8_t level, uint8_t flags,
		      const char *cid, const char *will_topic, const char *user, const char *pass)
{
	b_reset(&body);
	m_str(&body, name);
	b_u8(&body, level);
	b_u8(&body, flags);
	b_be16(&body, 60);
	if (level == 5) {
		b_u8(&body, 5); /* properties: session expiry interval */
		b_u8(&body, 0x11);
		b_be32(&body, 3600);
	}
	m_str(&body, cid);
	if (will_topic) {
		if (level == 5)
			b_u8(&body, 0);
		m_str(&body, will_topic);
		m_str(&body, "offline");
	}
	if (user)
		m_str(&body, user);
	if (pass)
		m_str(&body, pass);
	m_pkt(out, 0x10, &body);
}

static void m_connack(struct buf *out, bool v5, uint8_t sp, uint8_t rc)
{
	b_reset(&body);
	b_u8(&body, sp);
	b_u8(&body, rc);
	if (v5) {
		b_u8(&body, 3); /* topic alias maximum 10 */
		b_u8(&body, 0x22);
		b_be16(&body, 10);
	}
	m_pkt(out, 0x20, &body);
}

static void m_publish(struct buf *out, bool v5, uint8_t qos, bool retain, uint16_t id,
		      const char *topic, const char *payload)
{
	b_reset(&body);
	m_str(&body, topic);
	if (qos)
		b_be16(&body, id);
	if (v5) {
		b_u8(&body, 2); /* payload format indicator: UTF-8 */
		b_u8(&body, 0x01);
		b_u8(&body, 1);
	}
	b_str(&body, payload);
	m_pkt(out, (uint8_t)(0x30 | qos << 1 | (retain ? 1 : 0)), &body);
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK (3.1.1) */
static void m_ack(struct buf *out, uint8_t b0, uint16_t id, int v5_reason)
{
	b_reset(&body);
	b_be16(&body, id);
	if (v5_reason >= 0) {
		b_u8(&body, (unsigned)v5_reason);
		b_u8(&body, 0);
	}
	m_pkt(out, b0, &body);
}

static void m_subscribe(struct buf *out, bool v5, uint16_t id, const char *const *f,
			const uint8_t *opt, unsigned n)
{
	b_reset(&body);
	b_be16(&body, id);
	if (v5) {
		b_u8(&body, 2); /* subscription identifier 1 */
		b_u8(&body, 0x0b);
		b_u8(&body, 1);
	}
	for (unsigned i = 0; i < n; i++) {
		m_str(&body, f[i]);
		b_u8(&body, opt[i]);
	}
	m_pkt(out, 0x82, &body);
}

static void m_suback(struct buf *out, bool v5, uint16_t id, const uint8_t *codes, unsigned n)
{
	b_reset(&body);
	b_be16(&body, id);
	if (v5)
		b_u8(&body, 0);
	b_bytes(&body, codes, n);
	m_pkt(out, 0x90, &body);
}

static void m_unsubscribe(struct buf *out, bool v5, uint16_t id, const char *f)
{
	b_reset(&body);
	b_be16(&body, id);
	if (v5)
		b_u8(&body, 0);
	m_str(&body, f);
	m_pkt(out, 0xa2, &body);
}

static void m_raw(struct buf *out, const uint8_t *p, size_t n)
{
	b_reset(out);
	b_bytes(out, p, n);
}

static void m_empty(struct buf *out, uint8_t b0)
{
	b_reset(out);
	b_u8(out, b0);
	b_u8(out, 0);
}

static void conn(struct sess *s, const char *cid, const char *user, bool v5, uint8_t rc)
{
	m_connect(&q, "MQTT", v5 ? 5 : 4, (uint8_t)(0x02 | (user ? 0xc0 : 0)), cid, NULL, user,
		  user ? "s3cret" : NULL);
	m_connack(&r, v5, 0, rc);
	tcp_exchange(s, &q, &r);
}

static void ping_bye(struct sess *s)
{
	m_empty(&q, 0xc0);
	m_empty(&r, 0xd0);
	tcp_exchange(s, &q, &r);
	m_empty(&q, 0xe0);
	tcp_exchange(s, &q, NULL);
	tcp_close(s);
}

int sc_mqtt(struct gen *g)
{
	uint8_t c[16], b[16], rogue[16];
	struct sess s;
	uint16_t port = 50100;

	/* ---- 3.1.1: the HMI (master .2) at broker .80 ---- */
	host(c, 0, 2);
	host(b, 0, 80);
	sess_init(&s, g, 6, c, port++, b, 1883, false);
	tcp_open(&s);
	conn(&s, "hmi-01", "scada", false, 0);
	{
		const char *f[] = { "plant/line1/temp", "plant/line1/pressure" };
		const uint8_t o[] = { 1, 0 }, codes[] = { 1, 0 };
		m_subscribe(&q, false, 1, f, o, 2);
		m_suback(&r, false, 1, codes, 2);
		tcp_exchange(&s, &q, &r);
	}
	/* the broker delivers (QoS 1) and the HMI acknowledges */
	m_publish(&r, false, 1, false, 7, "plant/line1/temp", "21.5");
	tcp_send(&s, DIR_S2C, r.b, r.n);
	m_ack(&q, 0x40, 7, -1);
	tcp_send(&s, DIR_C2S, q.b, q.n);
	tcp_ack(&s, DIR_S2C);
	/* a command from the master, QoS 2: PUBLISH PUBREC PUBREL PUBCOMP */
	m_publish(&q, false, 2, false, 2, "plant/line1/pump1/cmd", "start");
	m_ack(&r, 0x50, 2, -1);
	tcp_exchange(&s, &q, &r);
	m_ack(&q, 0x62, 2, -1);
	m_ack(&r, 0x70, 2, -1);
	tcp_exchange(&s, &q, &r);
	m_unsubscribe(&q, false, 3, "plant/line1/pressure");
	m_ack(&r, 0xb0, 3, -1);
	tcp_exchange(&s, &q, &r);
	ping_bye(&s);

	/* ---- 5.0: gateway .90 at broker .81, with a will and AUTH ---- */
	host(c, 0, 90);
	host(b, 0, 81);
	sess_init(&s, g, 6, c, port++, b, 1883, false);
	tcp_open(&s);
	m_connect(&q, "MQTT", 5, 0xc4 | 0x02, "gw-90", "plant/gw90/status", "gw90", "pw90");
	m_connack(&r, true, 0, 0);
	tcp_exchange(&s, &q, &r);
	m_publish(&q, true, 1, false, 10, "plant/line1/temp", "22.0");
	m_ack(&r, 0x40, 10, 0x10); /* no matching subscribers */
	tcp_exchange(&s, &q, &r);
	{
		const char *f[] = { "plant/gw90/config" };
		const uint8_t o[] = { 0x01 }, codes[] = { 1 };
		m_subscribe(&q, true, 11, f, o, 1);
		m_suback(&r, true, 11, codes, 1);
		tcp_exchange(&s, &q, &r);
	}
	m_unsubscribe(&q, true, 12, "plant/gw90/other");
	m_suback(&r, true, 12, (const uint8_t[]){ 0x11 }, 1);
	r.b[0] = 0xb0; /* UNSUBACK */
	tcp_exchange(&s, &q, &r);
	/* QoS 2 towards the gateway, v5 reason codes on every step */
	m_publish(&r, true, 2, false, 20, "plant/gw90/config", "rate=5");
	tcp_send(&s, DIR_S2C, r.b, r.n);
	m_ack(&q, 0x50, 20, 0);
	tcp_send(&s, DIR_C2S, q.b, q.n);
	m_ack(&r, 0x62, 20, 0);
	tcp_send(&s, DIR_S2C, r.b, r.n);
	m_ack(&q, 0x70, 20, 0);
	tcp_send(&s, DIR_C2S, q.b, q.n);
	tcp_ack(&s, DIR_S2C);
	/* re-authentication (AUTH is 5.0 only) */
	m_raw(&q, (const uint8_t[]){ 0xf0, 0x02, 0x19, 0x00 }, 4);
	m_raw(&r, (const uint8_t[]){ 0xf0, 0x02, 0x00, 0x00 }, 4);
	tcp_exchange(&s, &q, &r);
	m_empty(&q, 0xc0);
	m_empty(&r, 0xd0);
	tcp_exchange(&s, &q, &r);
	m_raw(&q, (const uint8_t[]){ 0xe0, 0x02, 0x04, 0x00 }, 4); /* with will message */
	tcp_exchange(&s, &q, NULL);
	tcp_close(&s);

	/* ---- 3.1 (MQIsdp) RTU at broker .82 on a non-standard port ---- */
	host(c, 0, 3);
	host(b, 0, 82);
	sess_init(&s, g, 6, c, port++, b, 11883, false);
	tcp_open(&s);
	m_connect(&q, "MQIsdp", 3, 0xc2, "legacy-rtu", NULL, "rtu", "rtu-pw");
	m_connack(&r, false, 0, 0);
	tcp_exchange(&s, &q, &r);
	m_publish(&q, false, 0, false, 0, "plant/line2/flow", "13.7");
	tcp_exchange(&s, &q, NULL);
	ping_bye(&s);

	/* ---- attacks from the rogue host ---- */
	ip4(rogue, 10, 0, 1, 66);
	host(b, 0, 80);
	sess_init(&s, g, 6, rogue, port++, b, 1883, false);
	tcp_open(&s);
	conn(&s, "probe", NULL, false, 0); /* no username: anonymous access */
	{
		const char *f[] = { "#", "$SYS/#", "plant/+/status" };
		const uint8_t o[] = { 0, 0, 0 }, codes[] = { 0, 0, 0 };
		m_subscribe(&q, false, 1, f, o, 3);
		m_suback(&r, false, 1, codes, 3);
		tcp_exchange(&s, &q, &r);
	}
	m_publish(&q, false, 1, false, 2, "plant/line1/pump1/cmd", "stop");
	m_ack(&r, 0x40, 2, -1);
	tcp_exchange(&s, &q, &r);
	/* a retained false reading every new subscriber gets first */
	m_publish(&q, false, 0, true, 0, "plant/line1/temp", "5.0");
	tcp_exchange(&s, &q, NULL);
	ping_bye(&s);

	/* password guessing: five refused CONNECTs */
	static const char *const guesses[] = { "admin", "1234", "password", "mqtt", "broker" };
	for (unsigned i = 0; i < 5; i++) {
		sess_init(&s, g, 6, rogue, port++, b, 1883, false);
		tcp_open(&s);
		m_connect(&q, "MQTT", 4, 0xc2, "x", NULL, "admin", guesses[i]);
		m_connack(&r, false, 0, 4);
		tcp_exchange(&s, &q, &r);
		tcp_close(&s);
		gen_tick(g, 200000);
	}

	/* a publish without a CONNECT first */
	host(b, 0, 87);
	sess_init(&s, g, 6, rogue, port++, b, 1883, false);
	tcp_open(&s);
	m_publish(&q, false, 0, false, 0, "plant/line1/valve2/set", "open");
	tcp_exchange(&s, &q, NULL);
	tcp_close(&s);

	/* ---- malformed packets (master .4 at broker .85) ---- */
	host(c, 0, 4);
	host(b, 0, 85);
	sess_init(&s, g, 6, c, port++, b, 1883, false);
	tcp_open(&s);
	conn(&s, "fuzz-a", "scada", false, 0);
	/* PUBLISH QoS 3 */
	m_raw(&q, (const uint8_t[]){ 0x36, 0x07, 0x00, 0x01, 't', 0x00, 0x01, 'x', 'y' }, 9);
	tcp_exchange(&s, &q, NULL);
	/* PUBREL with flags 0 (must be 2) */
	m_raw(&q, (const uint8_t[]){ 0x60, 0x02, 0x00, 0x05 }, 4);
	tcp_exchange(&s, &q, NULL);
	/* reserved type 0, and AUTH (15) in 3.1.1 */
	m_raw(&q, (const uint8_t[]){ 0x00, 0x00, 0xf0, 0x00 }, 4);
	tcp_exchange(&s, &q, NULL);
	/* a topic length beyond the packet */
	m_raw(&q, (const uint8_t[]){ 0x30, 0x04, 0x00, 0x40, 'a', 'b' }, 6);
	tcp_exchange(&s, &q, NULL);
	/* PUBACK cut short */
	m_raw(&q, (const uint8_t[]){ 0x40, 0x01, 0x00 }, 3);
	tcp_exchange(&s, &q, NULL);
	/* PINGREQ with a body */
	m_raw(&q, (const uint8_t[]){ 0xc0, 0x01, 0x00 }, 3);
	m_empty(&r, 0xd0);
	tcp_exchange(&s, &q, &r);
	/* a SUBSCRIBE with 20 filters */
	{
		const char *f[20];
		uint8_t o[20], codes[20];
		for (unsigned i = 0; i < 20; i++) {
			static char names[20][12];
			names[i][0] = 't';
			names[i][1] = (char)('a' + i);
			names[i][2] = 0;
			f[i] = names[i];
			o[i] = 0;
			codes[i] = 0;
		}
		m_subscribe(&q, false, 30, f, o, 20);
		m_suback(&r, false, 30, codes, 20);
		tcp_exchange(&s, &q, &r);
	}
	/* a second CONNECT with an unknown level */
	m_connect(&q, "MQTT", 7, 0x02, "fuzz-a", NULL, NULL, NULL);
	tcp_exchange(&s, &q, NULL);
	/* a remaining length with a 5th continuation byte */
	m_raw(&q, (const uint8_t[]){ 0x30, 0xff, 0xff, 0xff, 0xff, 0x01 }, 6);
	tcp_exchange(&s, &q, NULL);
	tcp_close(&s);

	/* v5 property length beyond the packet */
	host(b, 0, 86);
	sess_init(&s, g, 6, c, port++, b, 1883, false);
	tcp_open(&s);
	conn(&s, "fuzz-b", "scada", true, 0);
	m_raw(&q, (const uint8_t[]){ 0x30, 0x06, 0x00, 0x01, 't', 0x7f, 0x00, 0x00 }, 8);
	tcp_exchange(&s, &q, NULL);
	tcp_close(&s);

	/* an oversized PUBLISH (2 MiB claimed), skipped by the framing core */
	host(c, 0, 5);
	host(b, 0, 88);
	sess_init(&s, g, 6, c, port++, b, 1883, false);
	tcp_open(&s);
	conn(&s, "eng-ws", "eng", false, 0);
	b_reset(&q);
	b_u8(&q, 0x30);
	m_vbi(&q, 2u << 20);
	m_str(&q, "plant/bulk");
	for (unsigned i = 0; i < 1000; i++)
		b_u8(&q, (uint8_t)i);
	tcp_exchange(&s, &q, NULL);
	tcp_close(&s);
	return 0;
}
