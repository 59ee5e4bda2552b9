/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario mqtt: MQTT 3.1 / 3.1.1 / 5.0 between the plant's clients
 * (masters 10.0.0.2-.4, engineering .5, gateways .90-.99) and brokers
 * 10.0.0.80-.89. Normal traffic of every packet type in 3.1.1 and 5.0 (v5
 * properties, user properties, reason codes, AUTH), 3.1 (MQIsdp) on a
 * non-standard port (11883), the attacks rules/mqtt.rules describes from
 * the rogue host 10.0.1.66 (credential-less and default-password CONNECTs,
 * a refused-CONNECT burst, wildcard and $SYS subscriptions, commands and
 * retained values from a host that is not a master), every mqtt.* event,
 * and hostile cases (garbage on 1883, a packet cut by the end of the
 * connection, a 2 MiB PUBLISH, a 5-byte remaining length).
 */
#include <stdio.h>
#include <string.h>

#include "gen.h"

static void host(uint8_t ip[16], unsigned c, unsigned d)
{
	ip4(ip, 10, 0, c, d);
}

/* ---- packets (3.1.1 2.2 fixed header, 1.5.3 strings, 5.0 2.2.2 properties) ---- */

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

/* v5 property block: length and bytes */
static void m_props(struct buf *b, const struct buf *p)
{
	m_vbi(b, (uint32_t)p->n);
	b_bytes(b, p->b, p->n);
}

static void p_u8(struct buf *p, uint8_t id, uint8_t v) { b_u8(p, id); b_u8(p, v); }
static void p_u16(struct buf *p, uint8_t id, uint16_t v) { b_u8(p, id); b_be16(p, v); }
static void p_u32(struct buf *p, uint8_t id, uint32_t v) { b_u8(p, id); b_be32(p, v); }
static void p_str(struct buf *p, uint8_t id, const char *s) { b_u8(p, id); m_str(p, s); }
static void p_user(struct buf *p, const char *k, const char *v)
{
	b_u8(p, 0x26);
	m_str(p, k);
	m_str(p, v);
}

/* out = fixed header b0 + remaining length + body */
static void m_pkt(struct buf *out, uint8_t b0, const struct buf *body)
{
	b_reset(out);
	b_u8(out, b0);
	m_vbi(out, (uint32_t)body->n);
	b_bytes(out, body->b, body->n);
}

static struct buf body, props, wprops, q, r;
static const struct buf none; /* an empty property block */

struct conn_args {
	const char *name;  /* "MQTT", "MQIsdp" */
	uint8_t level;     /* 3, 4, 5 */
	uint8_t flags;     /* 3.1.2.3 */
	const char *cid, *will_topic, *will_msg, *user, *pass;
	const struct buf *props, *will_props; /* 5.0 */
};

static void m_connect(struct buf *out, const struct conn_args *a)
{
	b_reset(&body);
	m_str(&body, a->name);
	b_u8(&body, a->level);
	b_u8(&body, a->flags);
	b_be16(&body, 60);
	if (a->level == 5)
		m_props(&body, a->props ? a->props : &none);
	m_str(&body, a->cid);
	if (a->flags & 0x04) {
		if (a->level == 5)
			m_props(&body, a->will_props ? a->will_props : &none);
		m_str(&body, a->will_topic);
		m_str(&body, a->will_msg);
	}
	if (a->flags & 0x80)
		m_str(&body, a->user);
	if (a->flags & 0x40)
		m_str(&body, a->pass);
	m_pkt(out, 0x10, &body);
}

static void m_connack(struct buf *out, bool v5, uint8_t sp, uint8_t rc, const struct buf *p)
{
	b_reset(&body);
	b_u8(&body, sp);
	b_u8(&body, rc);
	if (v5)
		m_props(&body, p ? p : &none);
	m_pkt(out, 0x20, &body);
}

static void m_publish(struct buf *out, bool v5, uint8_t qos, bool retain, uint16_t id,
		      const char *topic, const struct buf *p, const char *msg)
{
	b_reset(&body);
	m_str(&body, topic);
	if (qos)
		b_be16(&body, id);
	if (v5)
		m_props(&body, p ? p : &none);
	b_str(&body, msg);
	m_pkt(out, (uint8_t)(0x30 | qos << 1 | (retain ? 1 : 0)), &body);
}

/* PUBACK 40, PUBREC 50, PUBREL 62, PUBCOMP 70, UNSUBACK b0 (3.1.1); a v5
 * reason code when reason >= 0 (with a reason string when given) */
static void m_ack(struct buf *out, uint8_t b0, uint16_t id, int reason, const char *why)
{
	b_reset(&body);
	b_be16(&body, id);
	if (reason >= 0) {
		b_u8(&body, (unsigned)reason);
		if (why) {
			b_reset(&props);
			p_str(&props, 0x1f, why);
			m_props(&body, &props);
		}
	}
	m_pkt(out, b0, &body);
}

static void m_subscribe(struct buf *out, bool v5, uint16_t id, const char *const *f,
			const uint8_t *opt, unsigned n, const struct buf *p)
{
	b_reset(&body);
	b_be16(&body, id);
	if (v5)
		m_props(&body, p ? p : &none);
	for (unsigned i = 0; i < n; i++) {
		m_str(&body, f[i]);
		b_u8(&body, opt[i]);
	}
	m_pkt(out, 0x82, &body);
}

/* SUBACK 90 or (5.0) UNSUBACK b0 with codes */
static void m_codes(struct buf *out, uint8_t b0, bool v5, uint16_t id, const uint8_t *codes,
		    unsigned n)
{
	b_reset(&body);
	b_be16(&body, id);
	if (v5)
		m_props(&body, &none);
	b_bytes(&body, codes, n);
	m_pkt(out, b0, &body);
}

static void m_unsubscribe(struct buf *out, bool v5, uint16_t id, const char *f)
{
	b_reset(&body);
	b_be16(&body, id);
	if (v5)
		m_props(&body, &none);
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

/* a 3.1.1 (or 5.0) connection with credentials, accepted */
static void conn(struct sess *s, const char *cid, const char *user, const char *pass, bool v5,
		 uint8_t rc)
{
	struct conn_args a = { "MQTT", v5 ? 5 : 4, (uint8_t)(0x02 | (user ? 0x80 : 0) | (pass ? 0x40 : 0)),
			       cid, NULL, NULL, user, pass, NULL, NULL };
	m_connect(&q, &a);
	m_connack(&r, v5, 0, rc, NULL);
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

/* client to server, and the server's ack */
static void send_c2s(struct sess *s, const struct buf *p)
{
	tcp_send(s, DIR_C2S, p->b, p->n);
	tcp_ack(s, DIR_S2C);
}

static void send_s2c(struct sess *s, const struct buf *p)
{
	tcp_send(s, DIR_S2C, p->b, p->n);
	tcp_ack(s, DIR_C2S);
}

/* ---- sessions ---------------------------------------------------------------- */

/* 3.1.1: the HMI (master .2) at broker .80 */
static void hmi_311(struct gen *g, uint16_t port)
{
	uint8_t c[16], b[16];
	struct sess s;
	host(c, 0, 2);
	host(b, 0, 80);
	sess_init(&s, g, 6, c, port, b, 1883, false);
	tcp_open(&s);
	struct conn_args a = { "MQTT", 4, 0xee, "hmi-01", "plant/hmi01/status", "offline", "scada",
			       "Xk9-v2!q", NULL, NULL };
	m_connect(&q, &a); /* will QoS 1, will retain, username, password */
	m_connack(&r, false, 0, 0, NULL);
	tcp_exchange(&s, &q, &r);
	{
		const char *f[] = { "plant/line1/temp", "plant/line1/pressure", "plant/line1/pump1/state" };
		const uint8_t o[] = { 1, 0, 2 }, codes[] = { 1, 0, 2 };
		m_subscribe(&q, false, 1, f, o, 3, NULL);
		m_codes(&r, 0x90, false, 1, codes, 3);
		tcp_exchange(&s, &q, &r);
	}
	/* the broker delivers: QoS 0, QoS 1 (acked), QoS 2 (four steps) */
	m_publish(&r, false, 0, false, 0, "plant/line1/pressure", NULL, "4.2");
	send_s2c(&s, &r);
	m_publish(&r, false, 1, false, 7, "plant/line1/temp", NULL, "{\"t\":21.5,\"u\":\"C\"}");
	send_s2c(&s, &r);
	m_ack(&q, 0x40, 7, -1, NULL);
	send_c2s(&s, &q);
	m_publish(&r, false, 2, false, 8, "plant/line1/pump1/state", NULL, "running");
	send_s2c(&s, &r);
	m_ack(&q, 0x50, 8, -1, NULL);
	send_c2s(&s, &q);
	m_ack(&r, 0x62, 8, -1, NULL);
	send_s2c(&s, &r);
	m_ack(&q, 0x70, 8, -1, NULL);
	send_c2s(&s, &q);
	/* a command from the master, QoS 2, then QoS 1 with a retransmission */
	m_publish(&q, false, 2, false, 2, "plant/line1/pump1/cmd", NULL, "start");
	m_ack(&r, 0x50, 2, -1, NULL);
	tcp_exchange(&s, &q, &r);
	m_ack(&q, 0x62, 2, -1, NULL);
	m_ack(&r, 0x70, 2, -1, NULL);
	tcp_exchange(&s, &q, &r);
	m_publish(&q, false, 1, false, 3, "plant/line1/valve2/setpoint", NULL, "42.0");
	send_c2s(&s, &q);
	q.b[0] |= 0x08; /* DUP */
	m_ack(&r, 0x40, 3, -1, NULL);
	tcp_exchange(&s, &q, &r);
	m_unsubscribe(&q, false, 4, "plant/line1/pressure");
	m_ack(&r, 0xb0, 4, -1, NULL);
	tcp_exchange(&s, &q, &r);
	ping_bye(&s);
}

/* 5.0: gateway .90 at broker .81, properties everywhere, AUTH */
static void gateway_5(struct gen *g, uint16_t port)
{
	uint8_t c[16], b[16];
	struct sess s;
	host(c, 0, 90);
	host(b, 0, 81);
	sess_init(&s, g, 6, c, port, b, 1883, false);
	tcp_open(&s);
	b_reset(&props);
	p_u32(&props, 0x11, 3600);       /* session expiry interval */
	p_u16(&props, 0x21, 20);         /* receive maximum */
	p_u32(&props, 0x27, 262144);     /* maximum packet size */
	p_user(&props, "site", "north");
	p_str(&props, 0x15, "SCRAM-SHA-256");   /* authentication method */
	b_u8(&props, 0x16);                     /* authentication data: never logged */
	m_str(&props, "n,,n=gw90,r=rOprNGfwEbeRWgbNEkqO");
	b_reset(&wprops);
	p_u32(&wprops, 0x18, 30);        /* will delay interval */
	p_u8(&wprops, 0x01, 1);          /* payload format: UTF-8 */
	struct conn_args a = { "MQTT", 5, 0xc6, "gw-90", "plant/gw90/status", "offline", "gw90",
			       "Qz7#mw4Lr", &props, &wprops };
	m_connect(&q, &a);
	send_c2s(&s, &q);
	/* enhanced authentication: continue, then the CONNACK */
	b_reset(&props);
	p_str(&props, 0x15, "SCRAM-SHA-256");
	b_u8(&props, 0x16);
	m_str(&props, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF,s=W22ZaJ0SNY7soEsUEjb6gQ==");
	b_reset(&body);
	b_u8(&body, 0x18);
	m_props(&body, &props);
	m_pkt(&r, 0xf0, &body);
	send_s2c(&s, &r);
	b_reset(&props);
	p_str(&props, 0x15, "SCRAM-SHA-256");
	b_u8(&props, 0x16);
	m_str(&props, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
	b_reset(&body);
	b_u8(&body, 0x18);
	m_props(&body, &props);
	m_pkt(&q, 0xf0, &body);
	send_c2s(&s, &q);
	b_reset(&props);
	p_str(&props, 0x12, "gw-90");    /* assigned client identifier */
	p_u16(&props, 0x22, 10);         /* topic alias maximum */
	p_u8(&props, 0x24, 1);           /* maximum QoS */
	p_u8(&props, 0x25, 1);           /* retain available */
	p_u16(&props, 0x13, 120);        /* server keep alive */
	m_connack(&r, true, 0, 0, &props);
	send_s2c(&s, &r);
	/* telemetry with properties; the second one by topic alias only */
	b_reset(&props);
	p_u8(&props, 0x01, 1);
	p_u32(&props, 0x02, 300);        /* message expiry interval */
	p_str(&props, 0x03, "application/json");
	p_u16(&props, 0x23, 1);          /* topic alias 1 */
	p_user(&props, "unit", "degC");
	m_publish(&q, true, 1, false, 10, "plant/line2/temp", &props, "{\"v\":22.0}");
	m_ack(&r, 0x40, 10, 0x10, NULL); /* no matching subscribers */
	tcp_exchange(&s, &q, &r);
	b_reset(&props);
	p_u16(&props, 0x23, 1);
	m_publish(&q, true, 0, false, 0, "", &props, "{\"v\":22.1}");
	send_c2s(&s, &q);
	{
		const char *f[] = { "plant/gw90/config" };
		const uint8_t o[] = { 0x01 | 0x04 | 0x08 }, codes[] = { 1 }; /* QoS 1, no local, RAP */
		b_reset(&props);
		b_u8(&props, 0x0b);      /* subscription identifier 5 */
		m_vbi(&props, 5);
		m_subscribe(&q, true, 11, f, o, 1, &props);
		m_codes(&r, 0x90, true, 11, codes, 1);
		tcp_exchange(&s, &q, &r);
	}
	m_unsubscribe(&q, true, 12, "plant/gw90/other");
	m_codes(&r, 0xb0, true, 12, (const uint8_t[]){ 0x11 }, 1); /* no subscription existed */
	tcp_exchange(&s, &q, &r);
	/* QoS 2 towards the gateway, v5 reason codes on every step */
	b_reset(&props);
	b_u8(&props, 0x0b);
	m_vbi(&props, 5);
	p_str(&props, 0x08, "plant/gw90/config/ack"); /* response topic */
	b_u8(&props, 0x09);                            /* correlation data */
	m_str(&props, "req-0042");
	m_publish(&r, true, 2, false, 20, "plant/gw90/config", &props, "rate=5");
	send_s2c(&s, &r);
	m_ack(&q, 0x50, 20, 0, NULL);
	send_c2s(&s, &q);
	m_ack(&r, 0x62, 20, 0, NULL);
	send_s2c(&s, &r);
	m_ack(&q, 0x70, 20, 0, NULL);
	send_c2s(&s, &q);
	/* a refused publish: not authorized, with a reason string */
	m_publish(&q, true, 1, false, 13, "plant/line2/pump/cmd", NULL, "stop");
	m_ack(&r, 0x40, 13, 0x87, "not authorized");
	tcp_exchange(&s, &q, &r);
	/* re-authentication */
	m_raw(&q, (const uint8_t[]){ 0xf0, 0x02, 0x19, 0x00 }, 4);
	m_raw(&r, (const uint8_t[]){ 0xf0, 0x00 }, 2);
	tcp_exchange(&s, &q, &r);
	m_empty(&q, 0xc0);
	m_empty(&r, 0xd0);
	tcp_exchange(&s, &q, &r);
	/* the server goes away: DISCONNECT with a reason and a server reference */
	b_reset(&props);
	p_str(&props, 0x1f, "maintenance");
	p_str(&props, 0x1c, "broker2.plant.local");
	b_reset(&body);
	b_u8(&body, 0x9c); /* use another server */
	m_props(&body, &props);
	m_pkt(&r, 0xe0, &body);
	send_s2c(&s, &r);
	tcp_close(&s);
}

int sc_mqtt(struct gen *g)
{
	uint8_t c[16], b[16], rogue[16], outside[16];
	struct sess s;
	uint16_t port = 50100;

	hmi_311(g, port++);
	gateway_5(g, port++);

	/* ---- 3.1 (MQIsdp) RTU (master .3) at broker .82 on a non-standard port ---- */
	host(c, 0, 3);
	host(b, 0, 82);
	sess_init(&s, g, 6, c, port++, b, 11883, false);
	tcp_open(&s);
	struct conn_args a311 = { "MQIsdp", 3, 0xc2, "legacy-rtu", NULL, NULL, "rtu", "rtu-Pw-17",
				  NULL, NULL };
	m_connect(&q, &a311);
	m_connack(&r, false, 0, 0, NULL);
	tcp_exchange(&s, &q, &r);
	m_publish(&q, false, 0, false, 0, "plant/line2/flow", NULL, "13.7");
	send_c2s(&s, &q);
	ping_bye(&s);

	/* ---- attacks from the rogue host 10.0.1.66 ---- */
	ip4(rogue, 10, 0, 1, 66);
	host(b, 0, 80);
	sess_init(&s, g, 6, rogue, port++, b, 1883, false);
	tcp_open(&s);
	/* no credentials, and a retained will on a status topic */
	struct conn_args ar = { "MQTT", 4, 0x26, "probe", "plant/line1/pump1/state", "stopped", NULL,
				NULL, NULL, NULL };
	m_connect(&q, &ar);
	m_connack(&r, false, 0, 0, NULL);
	tcp_exchange(&s, &q, &r);
	{
		const char *f[] = { "#", "$SYS/#", "plant/+/status", "plant/line1/#" };
		const uint8_t o[] = { 0, 0, 0, 1 }, codes[] = { 0, 0, 0, 1 };
		m_subscribe(&q, false, 1, f, o, 4, NULL);
		m_codes(&r, 0x90, false, 1, codes, 4);
		tcp_exchange(&s, &q, &r);
	}
	m_publish(&q, false, 1, false, 2, "plant/line1/pump1/cmd", NULL, "stop");
	m_ack(&r, 0x40, 2, -1, NULL);
	tcp_exchange(&s, &q, &r);
	/* a retained false reading every new subscriber gets first */
	m_publish(&q, false, 0, true, 0, "plant/line1/temp", NULL, "5.0");
	send_c2s(&s, &q);
	ping_bye(&s);

	/* password guessing: default passwords, five refused CONNECTs */
	static const char *const guesses[] = { "admin", "1234", "password", "mqtt", "broker" };
	for (unsigned i = 0; i < 5; i++) {
		sess_init(&s, g, 6, rogue, port++, b, 1883, false);
		tcp_open(&s);
		conn(&s, "x", "admin", guesses[i], false, 4); /* bad user name or password */
		tcp_close(&s);
		gen_tick(g, 200000);
	}
	/* and once in 5.0: 0x86 bad user name or password */
	sess_init(&s, g, 6, rogue, port++, b, 1883, false);
	tcp_open(&s);
	conn(&s, "x", "operator", "operator", true, 0x86);
	tcp_close(&s);

	/* a CONNECT from outside the ICS network */
	ip4(outside, 192, 168, 7, 20);
	sess_init(&s, g, 6, outside, port++, b, 1883, false);
	tcp_open(&s);
	conn(&s, "laptop", "eng", "Vb3-9wq!", false, 0);
	ping_bye(&s);

	/* a publish without a CONNECT first (unintroduced) */
	host(b, 0, 87);
	sess_init(&s, g, 6, rogue, port++, b, 1883, false);
	tcp_open(&s);
	m_publish(&q, false, 0, false, 0, "plant/line1/valve2/set", NULL, "open");
	send_c2s(&s, &q);
	tcp_close(&s);

	/* ---- malformed packets (master .4 at broker .85) ---- */
	host(c, 0, 4);
	host(b, 0, 85);
	sess_init(&s, g, 6, c, port++, b, 1883, false);
	tcp_open(&s);
	conn(&s, "fuzz-a", "scada", "Xk9-v2!q", false, 0);
	static const struct {
		uint8_t dir;
		uint8_t n;
		uint8_t b[12];
	} bad[] = {
		{ 0, 9, { 0x36, 0x07, 0x00, 0x01, 't', 0x00, 0x01, 'x', 'y' } }, /* PUBLISH QoS 3 */
		{ 0, 8, { 0x32, 0x06, 0x00, 0x01, 't', 0x00, 0x00, 'x' } },      /* packet id 0 */
		{ 0, 4, { 0x60, 0x02, 0x00, 0x05 } },  /* PUBREL flags 0 (must be 2) */
		{ 0, 2, { 0x00, 0x00 } },              /* reserved type 0 */
		{ 0, 2, { 0xf0, 0x00 } },              /* AUTH in 3.1.1 */
		{ 0, 6, { 0x30, 0x04, 0x00, 0x40, 'a', 'b' } },  /* topic beyond the packet */
		{ 0, 7, { 0x30, 0x05, 0x00, 0x03, 'a', '/', '#' } }, /* wildcard in a topic */
		{ 0, 7, { 0x30, 0x05, 0x00, 0x02, 0xc0, 0xaf, 'x' } }, /* overlong UTF-8 */
		{ 0, 3, { 0xc0, 0x01, 0x00 } },        /* PINGREQ with a body */
		{ 0, 8, { 0x82, 0x06, 0x00, 0x05, 0x00, 0x01, 't', 0x04 } }, /* reserved option bit */
		{ 1, 4, { 0x40, 0x02, 0x00, 0x63 } },  /* PUBACK of no PUBLISH */
		{ 1, 5, { 0x90, 0x03, 0x00, 0x63, 0x00 } }, /* SUBACK of no SUBSCRIBE */
		{ 1, 4, { 0xb0, 0x02, 0x00, 0x64 } },  /* UNSUBACK of no UNSUBSCRIBE */
		{ 1, 4, { 0x20, 0x02, 0x00, 0x00 } },  /* a second CONNACK */
		{ 0, 8, { 0x82, 0x06, 0x00, 0x06, 0x00, 0x01, 't', 0x00 } }, /* SUBSCRIBE id 6 */
		{ 1, 5, { 0x90, 0x03, 0x00, 0x06, 0x03 } }, /* SUBACK code 3 */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m_raw(&q, bad[i].b, bad[i].n);
		if (bad[i].dir == 0)
			send_c2s(&s, &q);
		else
			send_s2c(&s, &q);
	}
	/* a SUBSCRIBE with 40 filters (32 are logged) */
	{
		static char names[40][8];
		const char *f[40];
		uint8_t o[40], codes[40];
		for (unsigned i = 0; i < 40; i++) {
			snprintf(names[i], sizeof(names[i]), "t/%02u", i);
			f[i] = names[i];
			o[i] = 0;
			codes[i] = 0;
		}
		m_subscribe(&q, false, 30, f, o, 40, NULL);
		m_codes(&r, 0x90, false, 30, codes, 40);
		tcp_exchange(&s, &q, &r);
	}
	/* twenty QoS 1 publishes the broker never acknowledges */
	b_reset(&r);
	for (unsigned i = 0; i < 20; i++) {
		char v[8];
		snprintf(v, sizeof(v), "%u", i);
		m_publish(&q, false, 1, false, (uint16_t)(100 + i), "plant/line3/counter", NULL, v);
		b_bytes(&r, q.b, q.n);
	}
	send_c2s(&s, &r);
	/* a second CONNECT with reserved flag 0 set and a client id that is not
	 * UTF-8 */
	struct conn_args a2 = { "MQTT", 4, 0x03, "\xff\xfe", NULL, NULL, NULL, NULL, NULL, NULL };
	m_connect(&q, &a2);
	send_c2s(&s, &q);
	/* a remaining length with a 5th continuation byte */
	m_raw(&q, (const uint8_t[]){ 0x30, 0xff, 0xff, 0xff, 0xff, 0x01 }, 6);
	send_c2s(&s, &q);
	/* cut by the end of the connection */
	m_raw(&q, (const uint8_t[]){ 0x30, 0x20, 0x00, 0x05, 'p', 'l', 'a' }, 7);
	send_c2s(&s, &q);
	tcp_close(&s);

	/* 3.1 name with the 3.1.1 level */
	host(b, 0, 84);
	sess_init(&s, g, 6, c, port++, b, 1883, false);
	tcp_open(&s);
	struct conn_args a3 = { "MQIsdp", 4, 0xc2, "mixed", NULL, NULL, "scada", "Xk9-v2!q", NULL, NULL };
	m_connect(&q, &a3);
	m_connack(&r, false, 0, 1, NULL); /* unacceptable protocol version */
	tcp_exchange(&s, &q, &r);
	tcp_close(&s);

	/* 5.0 hostile properties and codes (broker .86) */
	host(b, 0, 86);
	sess_init(&s, g, 6, c, port++, b, 1883, false);
	tcp_open(&s);
	conn(&s, "fuzz-b", "scada", "Xk9-v2!q", true, 0);
	m_raw(&q, (const uint8_t[]){ 0x30, 0x06, 0x00, 0x01, 't', 0x7f, 0x00, 0x00 }, 8); /* props beyond */
	send_c2s(&s, &q);
	/* a property PUBLISH may not carry, and user properties: a repeated
	 * name, a name like a standard property's, quotes and a control byte */
	b_reset(&props);
	p_u32(&props, 0x11, 1);
	p_user(&props, "k", "1");
	p_user(&props, "k", "2");
	p_user(&props, "content_type", "x");
	p_user(&props, "\"\x01q", "");
	m_publish(&q, true, 0, false, 0, "plant/t", &props, "v");
	send_c2s(&s, &q);
	m_publish(&q, true, 1, false, 40, "plant/t", NULL, "v");
	m_ack(&r, 0x40, 40, 0x8a, NULL); /* "banned" is no PUBACK code */
	tcp_exchange(&s, &q, &r);
	m_raw(&q, (const uint8_t[]){ 0x82, 0x07, 0x00, 0x08, 0x00, 0x00, 0x01, 't', 0x30 }, 9); /* retain handling 3 */
	send_c2s(&s, &q);
	tcp_close(&s);

	/* an oversized PUBLISH (2 MiB announced), skipped by the framing core */
	host(c, 0, 5);
	host(b, 0, 88);
	sess_init(&s, g, 6, c, port++, b, 1883, false);
	tcp_open(&s);
	conn(&s, "eng-ws", "eng", "Vb3-9wq!", false, 0);
	b_reset(&q);
	b_u8(&q, 0x30);
	m_vbi(&q, 2u << 20);
	m_str(&q, "plant/bulk");
	for (unsigned i = 0; i < 1000; i++)
		b_u8(&q, (uint8_t)i);
	send_c2s(&s, &q);
	tcp_close(&s);

	/* garbage on 1883: not MQTT */
	host(c, 0, 6);
	host(b, 0, 80);
	sess_init(&s, g, 6, c, port++, b, 1883, false);
	tcp_open(&s);
	m_raw(&q, (const uint8_t *)"\x16\x03\x01\x00\x10 hello, broker?\r\n", 22);
	send_c2s(&s, &q);
	tcp_close(&s);
	return 0;
}
