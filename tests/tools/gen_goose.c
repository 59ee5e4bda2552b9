/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario "goose": IEC 61850 GOOSE on a station bus. Three publishers
 * send at their 1 s heartbeat (a protection relay, priority-tagged; a
 * breaker controller on VLAN 10; a measurement unit with a data set of
 * every type), with state changes and their fast retransmissions (TTL
 * doubling from 8 ms). Then what a substation engineer worries about: an
 * old frame replayed, a frame repeated, retransmissions lost and one
 * reordered, data injected under the publisher's own MAC without a state
 * change, a state number jump, a state change without new data, a clock
 * stepped back, sqNum not reset, the measurement unit silenced (its TTL
 * runs out, reported on another publisher's frame) and back, the relay
 * restarting, a reconfiguration (confRev), a breaker controller silenced
 * and impersonated from another MAC, a test set's simulation frames, a
 * control block needing commissioning, an APPID outside the GOOSE range,
 * a frame to broadcast, malformed BER of every kind, and a flood of
 * publishers that fills the table.
 */
#include <string.h>

#include "gen.h"

#define GOOSE_TYPE 0x88b8

static const uint8_t MAC_EVIL[6] = { 0x02, 0xba, 0xd0, 0x00, 0x00, 0x66 };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- BER ------------------------------------------------------------------- */

/* tag, then the length in the short or the minimal long form */
static void ber_hdr(struct buf *b, unsigned tag, size_t n)
{
	b_u8(b, tag);
	if (n < 0x80) {
		b_u8(b, (unsigned)n);
	} else if (n < 0x100) {
		b_u8(b, 0x81);
		b_u8(b, (unsigned)n);
	} else {
		b_u8(b, 0x82);
		b_be16(b, (unsigned)n);
	}
}

static void ber_put(struct buf *b, unsigned tag, const void *v, size_t n)
{
	ber_hdr(b, tag, n);
	b_bytes(b, v, n);
}

static void ber_str(struct buf *b, unsigned tag, const char *s)
{
	ber_put(b, tag, s, strlen(s));
}

/* INTEGER in the fewest octets (a leading 0 when the top bit is set) */
static void ber_uint(struct buf *b, unsigned tag, uint32_t v)
{
	uint8_t o[5] = { 0, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	size_t k = 1;
	while (k < 4 && o[k] == 0 && !(o[k + 1] & 0x80))
		k++;
	if (o[k] & 0x80)
		k--;
	ber_put(b, tag, o + k, 5 - k);
}

static void ber_int(struct buf *b, unsigned tag, int32_t v)
{
	uint8_t o[4] = { (uint8_t)((uint32_t)v >> 24), (uint8_t)((uint32_t)v >> 16),
			 (uint8_t)((uint32_t)v >> 8), (uint8_t)v };
	size_t k = 0;
	while (k < 3 && ((o[k] == 0 && !(o[k + 1] & 0x80)) || (o[k] == 0xff && (o[k + 1] & 0x80))))
		k++;
	ber_put(b, tag, o + k, 4 - k);
}

static void ber_wrap(struct buf *b, unsigned tag, const struct buf *inner)
{
	ber_put(b, tag, inner->b, inner->n);
}

/* UtcTime: seconds, 24-bit binary fraction, quality (clock synchronised,
 * 10 bits of accuracy) */
static void utc(uint8_t out[8], uint64_t us)
{
	uint32_t sec = (uint32_t)(us / 1000000u);
	uint32_t frac = (uint32_t)(((us % 1000000u) << 24) / 1000000u);
	out[0] = (uint8_t)(sec >> 24);
	out[1] = (uint8_t)(sec >> 16);
	out[2] = (uint8_t)(sec >> 8);
	out[3] = (uint8_t)sec;
	out[4] = (uint8_t)(frac >> 16);
	out[5] = (uint8_t)(frac >> 8);
	out[6] = (uint8_t)frac;
	out[7] = 0x0a;
}

/* ---- publishers ------------------------------------------------------------ */

enum { DS_TRIP, DS_BREAKER, DS_MEAS, DS_BOOL, DS_EMPTY };

struct pub {
	const char *gocbref, *datset, *goid;
	uint16_t appid, tci, res1;
	uint8_t src[6], dst[6];
	uint32_t st, sq, confrev, ttl;
	uint64_t t_us;      /* t: the time of the last state change */
	uint64_t data_t_us; /* the time stamps inside the data set */
	bool sim, nds;
	int entries_delta;  /* numDatSetEntries minus the entries sent */
	unsigned ds, val;   /* which data set, and its state */
};

static void put_q(struct buf *b) /* Quality: 13 bits, good */
{
	static const uint8_t q[3] = { 0x03, 0x00, 0x00 };
	ber_put(b, 0x84, q, 3);
}

static void put_utc(struct buf *b, uint64_t us)
{
	uint8_t t[8];
	utc(t, us);
	ber_put(b, 0x91, t, 8);
}

/* allData contents; returns the number of entries */
static uint32_t data_set(struct buf *d, const struct pub *p)
{
	static struct buf s;
	b_reset(d);
	switch (p->ds) {
	case DS_TRIP: /* PTRC.Tr: general, q, t */
		ber_put(d, 0x83, (const uint8_t[]){ (uint8_t)(p->val & 1) }, 1);
		put_q(d);
		put_utc(d, p->data_t_us);
		return 3;
	case DS_BREAKER: { /* XCBR.Pos {stVal Dbpos, q, t}, interlock */
		b_reset(&s);
		uint8_t dbpos[2] = { 0x06, (uint8_t)((p->val & 1) ? 0x80 : 0x40) }; /* on 10, off 01 */
		ber_put(&s, 0x84, dbpos, 2);
		put_q(&s);
		put_utc(&s, p->data_t_us);
		ber_wrap(d, 0xa2, &s);
		ber_put(d, 0x83, (const uint8_t[]){ (uint8_t)!(p->val & 1) }, 1);
		return 2;
	}
	case DS_MEAS: { /* MMXU and friends: every Data type of Annex A */
		b_reset(&s);
		float f = 230.0f + (float)p->val * 0.5f;
		uint32_t fu;
		memcpy(&fu, &f, 4);
		uint8_t fl[5] = { 8, (uint8_t)(fu >> 24), (uint8_t)(fu >> 16), (uint8_t)(fu >> 8),
				  (uint8_t)fu };
		ber_put(&s, 0x87, fl, 5);
		put_q(&s);
		ber_wrap(d, 0xa2, &s);                          /* structure {mag, q} */
		ber_int(d, 0x85, -40 + (int32_t)p->val);        /* integer */
		ber_uint(d, 0x86, 50 + p->val);                 /* unsigned */
		double hz = 49.98;
		uint64_t hu;
		memcpy(&hu, &hz, 8);
		uint8_t db[9] = { 11 };
		for (int i = 0; i < 8; i++)
			db[1 + i] = (uint8_t)(hu >> (56 - 8 * i));
		ber_put(d, 0x87, db, 9);                        /* floating-point, double */
		ber_put(d, 0x89, "\xde\xad\xbe\xef", 4);        /* octet-string */
		ber_str(d, 0x8a, "MEAS1");                      /* visible-string */
		ber_put(d, 0x8c, "\x02\x93\x2e\x00\x36\x5d", 6); /* binary-time */
		ber_put(d, 0x8d, "\x2a", 1);                    /* bcd 42 */
		ber_put(d, 0x8e, "\x05\xa0", 2);                /* booleanArray 101 */
		ber_put(d, 0x8f, "\x28\x83\xe3\x1a\x08\x01", 6); /* objId 1.0.61850.8.1 */
		ber_str(d, 0x90, "\xce\xa9 load");              /* mMSString, UTF-8 */
		ber_put(d, 0x88, "\x80\xf8\x01\x40", 4);        /* real 1.25: 320 * 2^-8 */
		b_reset(&s);
		ber_int(&s, 0x85, 1);
		ber_int(&s, 0x85, 2);
		ber_wrap(d, 0xa1, &s);                          /* array {1, 2} */
		put_utc(d, p->data_t_us);                       /* utc-time */
		return 14;
	}
	case DS_BOOL:
		ber_put(d, 0x83, (const uint8_t[]){ (uint8_t)(p->val & 1) }, 1);
		return 1;
	default:
		return 0;
	}
}

/* goosePdu contents of p's current state */
static void pdu_fields(struct buf *b, const struct pub *p)
{
	static struct buf d;
	b_reset(b);
	uint32_t n = data_set(&d, p);
	ber_str(b, 0x80, p->gocbref);
	ber_uint(b, 0x81, p->ttl);
	ber_str(b, 0x82, p->datset);
	if (p->goid)
		ber_str(b, 0x83, p->goid);
	uint8_t t[8];
	utc(t, p->t_us);
	ber_put(b, 0x84, t, 8);
	ber_uint(b, 0x85, p->st);
	ber_uint(b, 0x86, p->sq);
	ber_put(b, 0x87, (const uint8_t[]){ (uint8_t)p->sim }, 1);
	ber_uint(b, 0x88, p->confrev);
	ber_put(b, 0x89, (const uint8_t[]){ (uint8_t)p->nds }, 1);
	ber_uint(b, 0x8a, (uint32_t)((int)n + p->entries_delta));
	ber_wrap(b, 0xab, &d);
}

/* header + APDU around goosePdu contents */
static void frame_of(struct buf *f, uint16_t appid, uint16_t res1, const struct buf *pdu)
{
	b_reset(f);
	b_be16(f, appid);
	b_be16(f, 0);
	b_be16(f, res1);
	b_be16(f, 0);
	ber_wrap(f, 0x61, pdu);
	b_put_be16(f, 2, (unsigned)f->n); /* Length: APPID to the end of the APDU */
}

static struct buf last_p1; /* the relay's last frame, for the repeat */

static void send_raw(struct gen *g, const struct pub *p, const struct buf *f)
{
	gen_ether_addr(g, p->dst, p->src, p->tci, GOOSE_TYPE, f->b, f->n);
}

/* one frame of p, then sqNum moves on */
static void send(struct gen *g, struct pub *p)
{
	static struct buf pdu, f;
	pdu_fields(&pdu, p);
	frame_of(&f, p->appid, p->res1, &pdu);
	send_raw(g, p, &f);
	if (p->ds == DS_TRIP)
		last_p1 = f;
	p->sq++;
}

static uint64_t base_us;

/* packet time: ms after the start of the scenario (never backwards) */
static void at_ms(struct gen *g, uint64_t ms)
{
	uint64_t t = base_us + ms * 1000u;
	if (t > g->ts_us)
		g->ts_us = t;
}

/* A state change at ms: stNum + 1, sqNum 0, new t, then the fast
 * retransmissions (IEC 61850-8-1 clause 8.1.3.5: intervals doubling from
 * 4 ms, the TTL twice the next interval) until the heartbeat takes over. */
static void state_change(struct gen *g, struct pub *p, uint64_t ms, unsigned val)
{
	static const unsigned off[] = { 0, 4, 12, 28, 60, 124, 252, 508 };
	at_ms(g, ms);
	p->st++;
	p->sq = 0;
	p->val = val;
	p->t_us = p->data_t_us = g->ts_us;
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		at_ms(g, ms + off[i]);
		p->ttl = i + 1 < sizeof(off) / sizeof(off[0]) ? 2 * (off[i + 1] - off[i]) : 2000;
		send(g, p);
	}
}

/* ---- malformed frames --------------------------------------------------------- */

static const uint8_t DST_FUZZ[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0xff };

static void fuzz_raw(struct gen *g, const void *b, size_t n)
{
	gen_ether_addr(g, DST_FUZZ, MAC_EVIL, 0, GOOSE_TYPE, b, n);
}

/* a publisher of one boolean, one frame each, never heard again */
static struct pub fuzz_pub(const char *ref, uint64_t now)
{
	struct pub p = { ref, "FUZZ/LLN0$ds", NULL, 0x0100, 0, 0, { 0 }, { 0 }, 2, 0, 1,
			 3600000, now, now, false, false, 0, DS_BOOL, 1 };
	memcpy(p.src, MAC_EVIL, 6);
	memcpy(p.dst, DST_FUZZ, 6);
	return p;
}

static void malformed(struct gen *g, uint64_t ms)
{
	static struct buf pdu, f, d, s;
	uint64_t now;
	/* fewer than 8 bytes */
	at_ms(g, ms);
	fuzz_raw(g, "\x01\x00\x00\x40\x00\x00", 6);
	/* a frame cut after 40 bytes: Length says more */
	at_ms(g, ms + 10);
	now = g->ts_us;
	struct pub p = fuzz_pub("FUZZ/LLN0$GO$cut", now);
	pdu_fields(&pdu, &p);
	frame_of(&f, p.appid, 0, &pdu);
	fuzz_raw(g, f.b, 40);
	/* Length 4 */
	at_ms(g, ms + 20);
	fuzz_raw(g, "\x01\x00\x00\x04\x00\x00\x00\x00\x61\x00", 10);
	/* two bytes inside Length after the APDU */
	at_ms(g, ms + 30);
	p = fuzz_pub("FUZZ/LLN0$GO$trail", g->ts_us);
	pdu_fields(&pdu, &p);
	frame_of(&f, p.appid, 0, &pdu);
	b_be16(&f, 0);
	b_put_be16(&f, 2, (unsigned)f.n);
	fuzz_raw(g, f.b, f.n);
	/* BER: an indefinite length, five length octets, a multi-octet tag, a
	 * length of 0x7fffffff */
	at_ms(g, ms + 40);
	fuzz_raw(g, "\x01\x00\x00\x0e\x00\x00\x00\x00\x61\x80\x80\x00\x00\x00", 14);
	at_ms(g, ms + 50);
	fuzz_raw(g, "\x01\x00\x00\x11\x00\x00\x00\x00\x61\x85\x00\x00\x00\x00\x02\x80\x00", 17);
	at_ms(g, ms + 60);
	fuzz_raw(g, "\x01\x00\x00\x0c\x00\x00\x00\x00\x7f\x81\x01\x00", 12);
	at_ms(g, ms + 70);
	fuzz_raw(g, "\x01\x00\x00\x10\x00\x00\x00\x00\x61\x84\x7f\xff\xff\xff\x80\x00", 16);
	/* a gseMngtPdu (GSE management belongs to EtherType 0x88b9) */
	at_ms(g, ms + 80);
	fuzz_raw(g, "\x01\x00\x00\x0d\x00\x00\x00\x00\x60\x03\x80\x01\x00", 13);
	/* no t and no allData */
	at_ms(g, ms + 90);
	b_reset(&pdu);
	ber_str(&pdu, 0x80, "FUZZ/LLN0$GO$notime");
	ber_uint(&pdu, 0x81, 3600000);
	ber_str(&pdu, 0x82, "FUZZ/LLN0$ds");
	ber_uint(&pdu, 0x85, 2);
	ber_uint(&pdu, 0x86, 0);
	ber_uint(&pdu, 0x88, 1);
	ber_uint(&pdu, 0x8a, 1);
	frame_of(&f, 0x0100, 0, &pdu);
	fuzz_raw(g, f.b, f.n);
	/* a context tag [13] after allData */
	at_ms(g, ms + 100);
	p = fuzz_pub("FUZZ/LLN0$GO$extra", g->ts_us);
	pdu_fields(&pdu, &p);
	ber_put(&pdu, 0x8d, "\x00", 1);
	frame_of(&f, p.appid, 0, &pdu);
	fuzz_raw(g, f.b, f.n);
	/* stNum in six octets */
	at_ms(g, ms + 110);
	b_reset(&pdu);
	ber_str(&pdu, 0x80, "FUZZ/LLN0$GO$wide");
	ber_uint(&pdu, 0x81, 3600000);
	ber_str(&pdu, 0x82, "FUZZ/LLN0$ds");
	uint8_t t[8];
	utc(t, g->ts_us);
	ber_put(&pdu, 0x84, t, 8);
	ber_put(&pdu, 0x85, "\x01\x00\x00\x00\x00\x01", 6);
	ber_uint(&pdu, 0x86, 0);
	ber_put(&pdu, 0x87, "\x00", 1);
	ber_uint(&pdu, 0x88, 1);
	ber_put(&pdu, 0x89, "\x00", 1);
	ber_uint(&pdu, 0x8a, 0);
	ber_put(&pdu, 0xab, "", 0);
	frame_of(&f, 0x0100, 0, &pdu);
	fuzz_raw(g, f.b, f.n);
	/* a gocbRef of 200 characters */
	at_ms(g, ms + 120);
	char longref[201];
	memset(longref, 'A', 200);
	longref[200] = 0;
	p = fuzz_pub(longref, g->ts_us);
	send(g, &p);
	/* a boolean of two octets, and a Data tag [20] */
	at_ms(g, ms + 130);
	p = fuzz_pub("FUZZ/LLN0$GO$baddata", g->ts_us);
	pdu_fields(&pdu, &p);
	b_reset(&d);
	ber_put(&d, 0x83, "\x01\x01", 2);
	ber_put(&d, 0x94, "\x00", 1);
	b_reset(&pdu);
	ber_str(&pdu, 0x80, p.gocbref);
	ber_uint(&pdu, 0x81, p.ttl);
	ber_str(&pdu, 0x82, p.datset);
	utc(t, g->ts_us);
	ber_put(&pdu, 0x84, t, 8);
	ber_uint(&pdu, 0x85, 2);
	ber_uint(&pdu, 0x86, 0);
	ber_put(&pdu, 0x87, "\x00", 1);
	ber_uint(&pdu, 0x88, 1);
	ber_put(&pdu, 0x89, "\x00", 1);
	ber_uint(&pdu, 0x8a, 2);
	ber_wrap(&pdu, 0xab, &d);
	frame_of(&f, p.appid, 0, &pdu);
	fuzz_raw(g, f.b, f.n);
	/* structures nested 12 deep, and 300 values: allData built by hand */
	for (int k = 0; k < 2; k++) {
		at_ms(g, ms + 140 + 10 * (uint64_t)k);
		b_reset(&d);
		uint32_t entries = 1;
		if (k == 0) {
			ber_put(&d, 0x83, "\x01", 1);
			for (int i = 0; i < 11; i++) {
				s = d;
				b_reset(&d);
				ber_wrap(&d, 0xa2, &s);
			}
		} else {
			for (int i = 0; i < 300; i++)
				ber_put(&d, 0x83, "\x00", 1);
			entries = 300;
		}
		b_reset(&pdu);
		ber_str(&pdu, 0x80, k ? "FUZZ/LLN0$GO$many" : "FUZZ/LLN0$GO$deep");
		ber_uint(&pdu, 0x81, 3600000);
		ber_str(&pdu, 0x82, "FUZZ/LLN0$ds");
		utc(t, g->ts_us);
		ber_put(&pdu, 0x84, t, 8);
		ber_uint(&pdu, 0x85, 2);
		ber_uint(&pdu, 0x86, 0);
		ber_put(&pdu, 0x87, "\x00", 1);
		ber_uint(&pdu, 0x88, 1);
		ber_put(&pdu, 0x89, "\x00", 1);
		ber_uint(&pdu, 0x8a, entries);
		ber_wrap(&pdu, 0xab, &d);
		frame_of(&f, 0x0100, 0, &pdu);
		fuzz_raw(g, f.b, f.n);
	}
	/* numDatSetEntries 3, one entry sent */
	at_ms(g, ms + 160);
	p = fuzz_pub("FUZZ/LLN0$GO$count", g->ts_us);
	p.entries_delta = 2;
	send(g, &p);
}

/* ---- the scenario --------------------------------------------------------------- */

int sc_goose(struct gen *g)
{
	base_us = g->ts_us;
	uint64_t now = g->ts_us;
	/* protection relay: trip signal, priority-tagged (VID 0, PCP 4) */
	struct pub p1 = { "SUB1_P1PROT/LLN0$GO$gcbTrip", "SUB1_P1PROT/LLN0$dsTrip", "P1_TRIP", 0x0001,
			  0x8000, 0, { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x41 },
			  { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 }, 1, 0, 1, 2000, now, now, false, false,
			  0, DS_TRIP, 0 };
	/* breaker controller: position and interlock, VLAN 10 PCP 4 */
	struct pub p2 = { "SUB1_Q1CTRL/LLN0$GO$gcbPos", "SUB1_Q1CTRL/LLN0$dsPos", "Q1_POS", 0x0002,
			  0x800a, 0, { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x42 },
			  { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x02 }, 1, 0, 1, 2000, now, now, false, false,
			  0, DS_BREAKER, 1 };
	/* merging/measurement unit: every data type, untagged */
	struct pub p3 = { "SUB1_M1MEAS/LLN0$GO$gcbMeas", "SUB1_M1MEAS/LLN0$dsMeas", "M1_MEAS",
			  0x0003, 0, 0, { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x43 },
			  { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x03 }, 1, 0, 1, 2000, now, now, false, false,
			  0, DS_MEAS, 0 };
	/* a relay configured with APPID 0x8000 (outside 0x0000-0x3fff) */
	struct pub p4 = { "SUB1_P543/LLN0$GO$gcb01", "SUB1_P543/LLN0$ds01", NULL, 0x8000, 0, 0,
			  { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x44 },
			  { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x04 }, 1, 0, 1, 60000, now, now, false,
			  false, 0, DS_BOOL, 0 };
	/* a test set publishing simulated frames */
	struct pub ts = { "TESTSET/LLN0$GO$gcbSim", "TESTSET/LLN0$dsSim", "SIM", 0x3000, 0, 0,
			  { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x50 },
			  { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x10 }, 1, 0, 1, 60000, now, now, true, false,
			  0, DS_BOOL, 1 };
	static struct buf replay;

	for (unsigned sec = 0; sec <= 20; sec++) {
		uint64_t s0 = sec * 1000ull;
		bool p1_on = sec < 13 || sec >= 16; /* the relay restarts at 13-16 s */
		bool p2_on = sec < 18;                /* silenced at 18 s, then impersonated */
		bool p3_on = sec < 12 || sec >= 16;   /* silenced at 12-16 s */
		if (sec == 16) { /* the relay is back: stNum 1, sqNum 0, a new t */
			at_ms(g, s0);
			p1.st = 1;
			p1.sq = 0;
			p1.val = 0;
			p1.t_us = p1.data_t_us = g->ts_us;
		}
		if (p1_on) {
			at_ms(g, s0);
			p1.ttl = 2000;
			send(g, &p1);
			if (sec == 1)
				replay = last_p1;
		}
		if (p2_on) {
			at_ms(g, s0 + 100);
			p2.ttl = 2000;
			send(g, &p2);
		}
		if (p3_on) {
			at_ms(g, s0 + 200);
			if (sec == 7)
				p3.sq += 2; /* two retransmissions lost */
			p3.ttl = 2000;
			send(g, &p3);
		}
		switch (sec) {
		case 0:
		case 1:
			at_ms(g, s0 + 300);
			send(g, &p4);
			break;
		case 2: /* simulation TRUE, then the Ed.2 S bit alone */
			at_ms(g, s0 + 300);
			send(g, &ts);
			at_ms(g, s0 + 350);
			ts.sim = false;
			ts.res1 = 0x8000;
			send(g, &ts);
			break;
		case 3: /* the relay trips */
			state_change(g, &p1, s0 + 300, 1);
			break;
		case 4: /* the breaker opens */
			state_change(g, &p2, s0 + 400, 0);
			break;
		case 5: /* the relay's frame of 1 s (stNum 1) replayed */
			at_ms(g, s0 + 500);
			send_raw(g, &p1, &replay);
			break;
		case 6: /* the relay's last frame again */
			at_ms(g, s0 + 550);
			send_raw(g, &p1, &last_p1);
			break;
		case 7: { /* a retransmission of the measurements arrives late */
			at_ms(g, s0 + 600);
			struct pub late = p3;
			late.sq -= 3;
			send(g, &late);
			break;
		}
		case 8: { /* trip cleared in the data, same stNum, under the relay's MAC */
			at_ms(g, s0 + 300);
			struct pub inj = p1;
			inj.val = 0;
			send(g, &inj);
			break;
		}
		case 9: { /* measurements: two state changes never seen */
			p3.st += 2;
			state_change(g, &p3, s0 + 300, 1);
			break;
		}
		case 10: { /* a new stNum, the data as it was */
			at_ms(g, s0 + 300);
			p3.st++;
			p3.sq = 0;
			p3.t_us = g->ts_us;
			send(g, &p3);
			break;
		}
		case 11: /* a state change stamped in the past (clock stepped back),
			  * then one whose sqNum starts at 3 */
			at_ms(g, s0 + 300);
			p3.st++;
			p3.sq = 0;
			p3.val = 2;
			p3.t_us = p3.data_t_us = g->ts_us - 3600000000ull;
			send(g, &p3);
			at_ms(g, s0 + 600);
			p3.st++;
			p3.sq = 3;
			p3.val = 3;
			p3.t_us = p3.data_t_us = g->ts_us;
			send(g, &p3);
			break;
		case 12: /* the breaker controller reconfigured: confRev 2, breaker closes */
			p2.confrev = 2;
			state_change(g, &p2, s0 + 300, 1);
			break;
		case 17: { /* a control block needing commissioning; a frame to broadcast */
			at_ms(g, s0 + 300);
			struct pub nds = { "SUB1_NEW/LLN0$GO$gcbNew", "SUB1_NEW/LLN0$dsNew", NULL, 0x0010,
					   0, 0, { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x45 },
					   { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x11 }, 1, 0, 0, 60000,
					   g->ts_us, g->ts_us, false, true, 0, DS_EMPTY, 0 };
			send(g, &nds);
			at_ms(g, s0 + 350);
			struct pub bc = { "SUB1_BC/LLN0$GO$gcbBc", "SUB1_BC/LLN0$dsBc", NULL, 0x0011, 0, 0,
					  { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x46 }, { 0 }, 1, 0, 1, 60000,
					  g->ts_us, g->ts_us, false, false, 0, DS_BOOL, 1 };
			memcpy(bc.dst, MAC_BCAST, 6);
			send(g, &bc);
			break;
		}
		case 18: /* the breaker controller impersonated: a new state from another MAC */
		case 19:
		case 20: {
			static struct pub fake;
			if (sec == 18) {
				fake = p2;
				memcpy(fake.src, MAC_EVIL, 6);
				state_change(g, &fake, s0 + 300, 0);
			} else {
				at_ms(g, s0 + 100);
				fake.ttl = 2000;
				send(g, &fake);
			}
			break;
		}
		default:
			break;
		}
	}
	malformed(g, 21000);
	/* a flood of publishers: the table fills and evicts */
	for (unsigned i = 0; i < 245; i++) {
		char ref[32];
		snprintf(ref, sizeof(ref), "F%03u/LLN0$GO$g", i);
		at_ms(g, 21200 + i);
		struct pub f = { ref, "F/LLN0$d", NULL, 0x0200, 0, 0,
				 { 0x02, 0xba, 0xd0, 0x00, 0x01, (uint8_t)i },
				 { 0x01, 0x0c, 0xcd, 0x01, 0x02, 0x00 }, 100 + i, 5, 1, 3600000, g->ts_us,
				 g->ts_us, false, false, 0, DS_EMPTY, 0 };
		send(g, &f);
	}
	return 0;
}
