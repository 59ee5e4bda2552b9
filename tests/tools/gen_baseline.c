/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen baseline-plant and baseline-intrusion: a small plant to learn
 * a baseline from, and the same plant with an intrusion, each deviation
 * the baseline knows at its own second (tests/anomaly/baseline.sh).
 *
 * The plant, second by second (10.0.0.x):
 *   .2 -> PLC .10:502    one connection: RdHoldRegs 0-9 every second (the
 *                        PLC reports 500-504 in register 0, 11 more per
 *                        register), WrSingleReg 20 = 100..119 every 10 s,
 *                        its device identification (Acme, PLC-1) once
 *   HMI .3 -> PLC .11:502   a connection for each poll, every 5 s:
 *                        RdInputRegs 0-4
 *   .2 -> outstation .20:20000   DNP3 class 0 poll every 2 s
 *   .2 -> RTU .30:2404   IEC 104, spontaneous floats every 2 s
 *   .4 -> .40:44818      EtherNet/IP Read_Tag "Tank_Level" every 3 s
 * The intrusion scenario is the plant for 300 s, then (seconds from the
 * start; the plant goes on around them):
 *   300 new talker .66 reads the PLC        305 WrMultRegs (new function)
 *   310 the poll reads 100-109 (outside)    315 the poll asks unit 5 (new unit)
 *   325 register 20 = 9999 (written value), register 0 reports 3000
 *   330-344 the master stops polling (silence), 345 five polls 10 ms apart
 *   350-374 the HMI stops connecting, 375 twice within a tenth of a second
 *   380 the PLC identifies as PLC-2         385 .4 -> .10 Modbus (new conversation)
 *   388 .2 -> .10 EtherNet/IP (new protocol) 390 .2 -> .99 Modbus (new server)
 *   396 the tag read is "Valve_Cmd" (new name), and it ends at 400 s.
 */
#include <string.h>

#include "gen.h"

struct bplant {
	struct gen *g;
	uint64_t t0;
	struct sess mb, dn, ie, ei;
	uint16_t tid, ns, nr;
	uint8_t dseq;
	uint64_t ctx;
	unsigned hmi;       /* HMI connections made */
	uint8_t m[16], hmi_ip[16], plc[16], plc2[16], os[16], rtu[16], eng[16], eip[16];
};

static void at_second(struct bplant *p, unsigned s, uint32_t us)
{
	uint64_t want = p->t0 + (uint64_t)s * 1000000u + us;
	if (want > p->g->ts_us)
		gen_tick(p->g, want - p->g->ts_us);
}

static void mb_x(struct sess *s, uint16_t *tid, uint8_t unit, uint8_t fc, uint16_t addr,
		 uint16_t qty, uint16_t base)
{
	static struct buf q, r;
	mb_read(&q, *tid, unit, fc, addr, qty);
	mb_read_resp_regs(&r, *tid, unit, fc, qty, base);
	tcp_exchange(s, &q, &r);
	(*tid)++;
}

static void mb_w(struct sess *s, uint16_t *tid, uint16_t addr, uint16_t v)
{
	static struct buf q;
	mb_write_single(&q, *tid, 1, 6, addr, v);
	tcp_exchange(s, &q, &q);
	(*tid)++;
}

/* Read Device Identification (43/14), basic objects */
static void mb_devid(struct sess *s, uint16_t *tid, const char *product)
{
	static struct buf q, r;
	const uint8_t rq[] = { 0x2b, 0x0e, 0x01, 0x00 };
	mb_adu(&q, *tid, 1, rq, sizeof(rq));
	uint8_t p[128];
	size_t n = 0;
	const char *obj[3] = { "Acme", product, "1.0" };
	p[n++] = 0x2b; p[n++] = 0x0e; p[n++] = 0x01; p[n++] = 0x01;
	p[n++] = 0x00; p[n++] = 0x00; p[n++] = 3;
	for (int i = 0; i < 3; i++) {
		p[n++] = (uint8_t)i;
		p[n++] = (uint8_t)strlen(obj[i]);
		memcpy(p + n, obj[i], strlen(obj[i]));
		n += strlen(obj[i]);
	}
	mb_adu(&r, *tid, 1, p, n);
	tcp_exchange(s, &q, &r);
	(*tid)++;
}

/* CIP Read_Tag by name (ANSI extended symbolic segment), one element */
static void enip_tag(struct bplant *p, const char *tag)
{
	static struct buf c, q, r;
	size_t len = strlen(tag);
	b_reset(&c);
	b_u8(&c, 0x4c);
	b_u8(&c, (unsigned)((2 + len + 1) / 2));
	b_u8(&c, 0x91);
	b_u8(&c, (unsigned)len);
	b_str(&c, tag);
	if (len & 1)
		b_u8(&c, 0);
	b_le16(&c, 1);
	enip_rr(&q, 0x1234, p->ctx, c.b, c.n);
	const uint8_t d[] = { 0xc4, 0x00, 0x2a, 0x00, 0x00, 0x00 };
	cip_resp(&c, 0x4c, 0, d, sizeof(d));
	enip_rr(&r, 0x1234, p->ctx, c.b, c.n);
	tcp_exchange(&p->ei, &q, &r);
	p->ctx++;
}

static void hmi_poll(struct bplant *p)
{
	struct sess s;
	uint16_t tid = 1;
	sess_init(&s, p->g, 6, p->hmi_ip, (uint16_t)(45000 + p->hmi++ % 20000), p->plc2, 502, false);
	s.gap_us = 100;
	tcp_open(&s);
	mb_x(&s, &tid, 1, 4, 0, 5, 200);
	tcp_close(&s);
}

static void plant_init(struct bplant *p, struct gen *g)
{
	memset(p, 0, sizeof(*p));
	p->g = g;
	p->t0 = g->ts_us;
	p->tid = 1;
	p->ctx = 1;
	ip4(p->m, 10, 0, 0, 2);
	ip4(p->hmi_ip, 10, 0, 0, 3);
	ip4(p->eng, 10, 0, 0, 4);
	ip4(p->plc, 10, 0, 0, 10);
	ip4(p->plc2, 10, 0, 0, 11);
	ip4(p->os, 10, 0, 0, 20);
	ip4(p->rtu, 10, 0, 0, 30);
	ip4(p->eip, 10, 0, 0, 40);
	sess_init(&p->mb, g, 6, p->m, 41000, p->plc, 502, false);
	sess_init(&p->dn, g, 6, p->m, 41001, p->os, 20000, false);
	sess_init(&p->ie, g, 6, p->m, 41002, p->rtu, 2404, false);
	sess_init(&p->ei, g, 6, p->eng, 41003, p->eip, 44818, false);
	p->mb.gap_us = p->dn.gap_us = p->ie.gap_us = p->ei.gap_us = 100;
	tcp_open(&p->mb);
	tcp_open(&p->dn);
	tcp_open(&p->ie);
	static struct buf q;
	iec104_u(&q, 0x07);
	static struct buf r;
	iec104_u(&r, 0x0b);
	tcp_exchange(&p->ie, &q, &r);
	tcp_open(&p->ei);
	enip_hdr(&q, 0x0065, 4, 0, 0, 0);
	b_le16(&q, 1);
	b_le16(&q, 0);
	enip_hdr(&r, 0x0065, 4, 0x1234, 0, 0);
	b_le16(&r, 1);
	b_le16(&r, 0);
	tcp_exchange(&p->ei, &q, &r);
}

/* What the intrusion changes in a second of the plant (0: as usual). */
struct twist {
	bool no_poll, no_hmi;
	uint8_t unit;       /* the poll's unit */
	uint16_t addr;      /* the poll's first register */
	uint16_t reg0;      /* what register 0 reports */
	uint16_t setpoint;  /* the value written to register 20 */
	const char *tag;    /* the tag read */
};

static void plant_second(struct bplant *p, unsigned s, const struct twist *t)
{
	at_second(p, s, 0);
	if (!t->no_poll)
		mb_x(&p->mb, &p->tid, t->unit ? t->unit : 1, 3, t->addr, 10,
		     t->reg0 ? t->reg0 : (uint16_t)(500 + s % 5));
	if (s % 10 == 5)
		mb_w(&p->mb, &p->tid, 20, t->setpoint ? t->setpoint : (uint16_t)(100 + (s / 10) % 20));
	if (s == 1)
		mb_devid(&p->mb, &p->tid, "PLC-1");
	at_second(p, s, 200000);
	if (s % 2 == 0)
		plant_dnp3_poll(&p->dn, &p->dseq, 1);
	at_second(p, s, 400000);
	if (s % 2 == 1)
		plant_iec104_poll(&p->ie, &p->ns, &p->nr, 1);
	at_second(p, s, 600000);
	if (s % 3 == 0)
		enip_tag(p, t->tag ? t->tag : "Tank_Level");
	at_second(p, s, 800000);
	if (!t->no_hmi && s % 5 == 0)
		hmi_poll(p);
}

int sc_baseline_plant(struct gen *g)
{
	static struct bplant p;
	plant_init(&p, g);
	static const struct twist none;
	for (unsigned s = 0; s < 600; s++)
		plant_second(&p, s, &none);
	return 0;
}

/* a connection of its own from client c to server sv:port with one tx */
static void other(struct bplant *p, const uint8_t *c, uint16_t cport, const uint8_t *sv,
		  uint16_t port, bool modbus)
{
	struct sess s;
	uint16_t tid = 1;
	sess_init(&s, p->g, 6, c, cport, sv, port, false);
	s.gap_us = 100;
	tcp_open(&s);
	if (modbus) {
		mb_x(&s, &tid, 1, 3, 0, 10, 500);
	} else {
		static struct buf q, r;
		enip_hdr(&q, 0x0063, 0, 0, 0, 7);
		enip_list_identity_resp(&r, 7, 1, 14, 55, 20, 11, 0x00c0ffee, "1756-L61");
		tcp_exchange(&s, &q, &r);
	}
	tcp_close(&s);
}

int sc_baseline_intrusion(struct gen *g)
{
	static struct bplant p;
	plant_init(&p, g);
	uint8_t rogue[16], nowhere[16];
	ip4(rogue, 10, 0, 0, 66);
	ip4(nowhere, 10, 0, 0, 99);
	for (unsigned s = 0; s < 400; s++) {
		struct twist t = { .no_poll = s >= 330 && s < 345, .no_hmi = s >= 350 && s < 375,
				   .addr = s == 310 ? 100 : 0, .unit = s == 315 ? 5 : 0,
				   .setpoint = s == 325 ? 9999 : 0, .reg0 = s == 325 ? 3000 : 0,
				   .tag = s == 396 ? "Valve_Cmd" : NULL };
		plant_second(&p, s, &t);
		at_second(&p, s, 900000);
		switch (s) {
		case 300:
			other(&p, rogue, 50000, p.plc, 502, true);
			break;
		case 305: {
			static struct buf q, r;
			mb_write_multi(&q, p.tid, 1, 20, 2, 100);
			mb_write_multi_resp(&r, p.tid, 1, 20, 2);
			tcp_exchange(&p.mb, &q, &r);
			p.tid++;
			break;
		}
		case 345:
			for (int k = 0; k < 5; k++) {
				at_second(&p, s, 910000 + (uint32_t)k * 10000u);
				mb_x(&p.mb, &p.tid, 1, 3, 0, 10, 500);
			}
			break;
		case 375:
			hmi_poll(&p);
			break;
		case 380:
			mb_devid(&p.mb, &p.tid, "PLC-2");
			break;
		case 385: /* the engineering station (an EtherNet/IP client) to the PLC */
			other(&p, p.eng, 50001, p.plc, 502, true);
			break;
		case 388:
			other(&p, p.m, 50002, p.plc, 44818, false);
			break;
		case 390:
			other(&p, p.m, 50003, nowhere, 502, true);
			break;
		default:
			break;
		}
	}
	return 0;
}
