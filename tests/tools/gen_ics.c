/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen: the protocol scenarios. Each one writes normal traffic first
 * (every function the parser decodes), then one flow per anomaly so that
 * every documented event of the parser occurs, and finally the attacks the
 * shipped rules look for.
 *
 * The plant (tests/pcap/vigil.yaml and sensor/vigil.yaml agree):
 *   10.0.0.2, .3, .4   SCADA masters / HMI ($ICS_MASTERS)
 *   10.0.0.5           engineering workstation ($ICS_ENGINEERING)
 *   10.0.0.10-19       Modbus PLCs     10.0.0.20-29  DNP3 outstations
 *   10.0.0.30-39       IEC 104 RTUs    10.0.0.40-49  S7 PLCs
 *   10.0.0.50-59       EtherNet/IP PLCs
 *   10.0.1.66          a compromised office machine (not a master)
 *   192.168.1.0/24     office network
 */
#include <string.h>

#include "gen.h"

static void host(uint8_t ip[16], unsigned last)
{
	ip4(ip, 10, 0, 0, last);
}

static void rogue(uint8_t ip[16])
{
	ip4(ip, 10, 0, 1, 66);
}

/* ======================================================================== */
/* Modbus/TCP                                                                */
/* ======================================================================== */

static void mb_x(struct sess *s, uint16_t *tid, uint8_t unit, const uint8_t *req, size_t rn,
		 const uint8_t *resp, size_t sn)
{
	static struct buf q, r;
	mb_adu(&q, *tid, unit, req, rn);
	if (resp) {
		mb_adu(&r, *tid, unit, resp, sn);
		tcp_exchange(s, &q, &r);
	} else {
		tcp_exchange(s, &q, NULL);
	}
	(*tid)++;
}

void plant_modbus_poll(struct sess *s, uint16_t *tid, unsigned rounds)
{
	static struct buf q, r;
	for (unsigned i = 0; i < rounds; i++) {
		mb_read(&q, *tid, 1, 3, 0, 10);
		mb_read_resp_regs(&r, *tid, 1, 3, 10, (uint16_t)(1000 + i));
		tcp_exchange(s, &q, &r);
		(*tid)++;
		mb_read(&q, *tid, 1, 1, 0, 16);
		mb_read_resp_regs(&r, *tid, 1, 1, 16, (uint16_t)i);
		tcp_exchange(s, &q, &r);
		(*tid)++;
	}
}

int sc_modbus(struct gen *g)
{
	uint8_t m[16], plc[16], ip[16];
	struct sess s;
	static struct buf q, r, two;
	uint16_t tid = 1;
	host(m, 2);
	host(plc, 10);

	/* every public function, request and response */
	sess_init(&s, g, 6, m, 40001, plc, 502, false);
	tcp_open(&s);
	plant_modbus_poll(&s, &tid, 1);
	mb_read(&q, tid, 1, 2, 100, 8);
	mb_read_resp_regs(&r, tid, 1, 2, 8, 5);
	tcp_exchange(&s, &q, &r);
	tid++;
	mb_read(&q, tid, 1, 4, 0, 4);
	mb_read_resp_regs(&r, tid, 1, 4, 4, 200);
	tcp_exchange(&s, &q, &r);
	tid++;
	mb_write_single(&q, tid, 1, 5, 10, 0xff00);
	mb_write_single(&r, tid, 1, 5, 10, 0xff00);
	tcp_exchange(&s, &q, &r);
	tid++;
	mb_write_single(&q, tid, 1, 6, 20, 1234);
	mb_write_single(&r, tid, 1, 6, 20, 1234);
	tcp_exchange(&s, &q, &r);
	tid++;
	{
		const uint8_t rq[] = { 15, 0, 0, 0, 10, 2, 0xcd, 0x01 };
		const uint8_t rs[] = { 15, 0, 0, 0, 10 };
		mb_x(&s, &tid, 1, rq, sizeof(rq), rs, sizeof(rs));
	}
	mb_write_multi(&q, tid, 1, 100, 3, 500);
	mb_write_multi_resp(&r, tid, 1, 100, 3);
	tcp_exchange(&s, &q, &r);
	tid++;
	{
		const uint8_t rq[] = { 7 }, rs[] = { 7, 0x6d };
		mb_x(&s, &tid, 1, rq, 1, rs, 2);
	}
	/* diagnostics: return query data, restart communications, clear counters */
	mb_diag(&q, tid, 1, 0, 0xa537);
	mb_diag(&r, tid, 1, 0, 0xa537);
	tcp_exchange(&s, &q, &r);
	tid++;
	mb_diag(&q, tid, 1, 1, 0);
	mb_diag(&r, tid, 1, 1, 0);
	tcp_exchange(&s, &q, &r);
	tid++;
	mb_diag(&q, tid, 1, 10, 0);
	mb_diag(&r, tid, 1, 10, 0);
	tcp_exchange(&s, &q, &r);
	tid++;
	{
		const uint8_t rq[] = { 11 }, rs[] = { 11, 0, 0, 0x01, 0x08 };
		mb_x(&s, &tid, 1, rq, 1, rs, sizeof(rs));
		const uint8_t rq2[] = { 12 }, rs2[] = { 12, 8, 0, 0, 0x01, 0x08, 0, 0x21, 0x20, 0x00 };
		mb_x(&s, &tid, 1, rq2, 1, rs2, sizeof(rs2));
		const uint8_t rq3[] = { 17 }, rs3[] = { 17, 5, 0x42, 0xff, 'V', 'G', 'L' };
		mb_x(&s, &tid, 1, rq3, 1, rs3, sizeof(rs3));
	}
	{
		/* file records: read 2 records of file 4, write one */
		const uint8_t rq[] = { 20, 14, 6, 0, 4, 0, 1, 0, 2, 6, 0, 4, 0, 9, 0, 1 };
		const uint8_t rs[] = { 20, 10, 5, 6, 0x0d, 0xfe, 0x00, 0x20, 3, 6, 0x33, 0xcd };
		mb_x(&s, &tid, 1, rq, sizeof(rq), rs, sizeof(rs));
		const uint8_t wq[] = { 21, 9, 6, 0, 4, 0, 7, 0, 1, 0x06, 0xaf };
		mb_x(&s, &tid, 1, wq, sizeof(wq), wq, sizeof(wq));
	}
	{
		const uint8_t rq[] = { 22, 0, 4, 0x00, 0xf2, 0x00, 0x25 };
		mb_x(&s, &tid, 1, rq, sizeof(rq), rq, sizeof(rq));
		const uint8_t rw[] = { 23, 0, 3, 0, 2, 0, 14, 0, 1, 2, 0x00, 0xff };
		const uint8_t rws[] = { 23, 4, 0x00, 0xfe, 0x0a, 0xcd };
		mb_x(&s, &tid, 1, rw, sizeof(rw), rws, sizeof(rws));
		const uint8_t ff[] = { 24, 0x04, 0xde };
		const uint8_t ffs[] = { 24, 0, 6, 0, 2, 0x01, 0xb8, 0x12, 0x84 };
		mb_x(&s, &tid, 1, ff, sizeof(ff), ffs, sizeof(ffs));
	}
	{
		/* read device identification, basic: vendor, product code, revision */
		const uint8_t rq[] = { 43, 14, 1, 0 };
		uint8_t rs[64];
		size_t n = 0;
		rs[n++] = 43;
		rs[n++] = 14;
		rs[n++] = 1;
		rs[n++] = 0x81;
		rs[n++] = 0;
		rs[n++] = 0;
		rs[n++] = 3;
		const char *obj[3] = { "Schneider Electric", "BMX P34 2020", "v3.10" };
		for (int i = 0; i < 3; i++) {
			size_t l = strlen(obj[i]);
			rs[n++] = (uint8_t)i;
			rs[n++] = (uint8_t)l;
			memcpy(rs + n, obj[i], l);
			n += l;
		}
		mb_x(&s, &tid, 1, rq, sizeof(rq), rs, n);
	}
	/* an exception on the response, matched to its request */
	mb_read(&q, tid, 1, 3, 9000, 2);
	mb_exception(&r, tid, 1, 3, 2);
	tcp_exchange(&s, &q, &r);
	tid++;
	/* two requests in one segment, both answers in one segment */
	mb_read(&q, tid, 1, 3, 0, 2);
	memcpy(two.b, q.b, q.n);
	two.n = q.n;
	mb_read(&q, (uint16_t)(tid + 1), 1, 4, 0, 1);
	memcpy(two.b + two.n, q.b, q.n);
	two.n += q.n;
	tcp_send(&s, DIR_C2S, two.b, two.n);
	mb_read_resp_regs(&r, tid, 1, 3, 2, 7);
	memcpy(two.b, r.b, r.n);
	two.n = r.n;
	mb_read_resp_regs(&r, (uint16_t)(tid + 1), 1, 4, 1, 9);
	memcpy(two.b + two.n, r.b, r.n);
	two.n += r.n;
	tcp_send(&s, DIR_S2C, two.b, two.n);
	tcp_ack(&s, DIR_C2S);
	tid = (uint16_t)(tid + 2);
	/* one request across three segments, the response across two */
	mb_write_multi(&q, tid, 1, 200, 20, 0x100);
	tcp_send_split(&s, DIR_C2S, q.b, q.n, 3);
	mb_write_multi_resp(&r, tid, 1, 200, 20);
	tcp_send_split(&s, DIR_S2C, r.b, r.n, 2);
	tcp_ack(&s, DIR_C2S);
	tid++;
	tcp_close(&s);

	/* Modbus on a non-standard port is found by its content */
	host(ip, 11);
	sess_init(&s, g, 6, m, 40002, ip, 5020, false);
	tcp_open(&s);
	tid = 1;
	plant_modbus_poll(&s, &tid, 1);
	tcp_close(&s);

	/* junk on 502 is not Modbus */
	host(ip, 12);
	sess_init(&s, g, 6, m, 40003, ip, 502, false);
	tcp_open(&s);
	tcp_send(&s, DIR_C2S, "HELLO MODBUS? this is not modbus at all\r\n", 41);
	tcp_send(&s, DIR_S2C, "220 who are you\r\n", 17);
	tcp_ack(&s, DIR_C2S);
	tcp_close(&s);

	/* Modbus over UDP */
	host(ip, 14);
	sess_init(&s, g, 17, m, 40100, ip, 502, false);
	mb_read(&q, 77, 1, 3, 10, 2);
	udp_send(&s, DIR_C2S, q.b, q.n);
	mb_read_resp_regs(&r, 77, 1, 3, 2, 42);
	udp_send(&s, DIR_S2C, r.b, r.n);

	/* ---- anomalies, one flow ---- */
	host(ip, 13);
	sess_init(&s, g, 6, m, 40004, ip, 502, false);
	tcp_open(&s);
	tid = 100;
	mb_read(&q, tid, 1, 3, 0, 1);
	q.b[3] = 1; /* protocol id 1 */
	mb_read_resp_regs(&r, tid, 1, 3, 1, 1);
	tcp_exchange(&s, &q, &r);
	tid++;
	mb_read(&q, tid, 250, 3, 0, 1); /* reserved unit id */
	mb_read_resp_regs(&r, tid, 250, 3, 1, 1);
	tcp_exchange(&s, &q, &r);
	tid++;
	{
		const uint8_t z[] = { 0, 1, 2 };
		mb_x(&s, &tid, 1, z, sizeof(z), NULL, 0);                   /* function 0 */
		const uint8_t hi[] = { 0x83, 0, 0, 0, 1 };
		mb_x(&s, &tid, 1, hi, sizeof(hi), NULL, 0);                 /* request with 0x80 */
		const uint8_t bad[] = { 3, 0, 0, 0, 1, 0xff };
		mb_x(&s, &tid, 1, bad, sizeof(bad), NULL, 0);               /* length for fc 3 */
		const uint8_t zero[] = { 3, 0, 0, 0, 0 };
		const uint8_t zr[] = { 3, 0 };
		mb_x(&s, &tid, 1, zero, sizeof(zero), zr, sizeof(zr));      /* quantity 0 */
		const uint8_t rq[] = { 3, 0, 0, 0, 1 }, ex[] = { 0x83, 0x09 };
		mb_x(&s, &tid, 1, rq, sizeof(rq), ex, sizeof(ex));          /* exception code 9 */
		const uint8_t wr[] = { 4, 2, 0, 1 };
		mb_x(&s, &tid, 1, rq, sizeof(rq), wr, sizeof(wr));          /* answer of another function */
	}
	mb_read_resp_regs(&r, 0x7777, 1, 3, 1, 1);                           /* nobody asked */
	tcp_send(&s, DIR_S2C, r.b, r.n);
	tcp_ack(&s, DIR_C2S);
	for (int i = 0; i < 9; i++) { /* more outstanding requests than kept */
		mb_read(&q, (uint16_t)(200 + i), 1, 3, (uint16_t)i, 1);
		tcp_send(&s, DIR_C2S, q.b, q.n);
	}
	tcp_ack(&s, DIR_S2C);
	/* an MBAP length of 1 cannot be a PDU: the rest is resynchronised */
	{
		const uint8_t bad[] = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01 };
		tcp_send(&s, DIR_C2S, bad, sizeof(bad));
	}
	mb_read(&q, 300, 1, 3, 0, 1);
	mb_read_resp_regs(&r, 300, 1, 3, 1, 3);
	tcp_exchange(&s, &q, &r);
	tcp_close(&s);

	/* ---- attacks: writes and disruptive functions from a non-master ---- */
	rogue(ip);
	sess_init(&s, g, 6, ip, 51000, plc, 502, false);
	tcp_open(&s);
	tid = 1;
	mb_write_single(&q, tid, 1, 6, 40, 9999);
	mb_write_single(&r, tid, 1, 6, 40, 9999);
	tcp_exchange(&s, &q, &r);
	tid++;
	mb_write_single(&q, tid, 1, 5, 1, 0xff00);
	mb_write_single(&r, tid, 1, 5, 1, 0xff00);
	tcp_exchange(&s, &q, &r);
	tid++;
	mb_write_multi(&q, tid, 1, 0, 100, 0);
	mb_write_multi_resp(&r, tid, 1, 0, 100);
	tcp_exchange(&s, &q, &r);
	tid++;
	{
		const uint8_t rq[] = { 15, 0, 0, 0, 0x20, 4, 0xff, 0xff, 0xff, 0xff };
		const uint8_t rs[] = { 15, 0, 0, 0, 0x20 };
		mb_x(&s, &tid, 1, rq, sizeof(rq), rs, sizeof(rs));
	}
	mb_diag(&q, tid, 1, 4, 0); /* force listen only mode: no answer */
	tcp_exchange(&s, &q, NULL);
	tid++;
	mb_diag(&q, tid, 1, 1, 0xff00); /* restart communications, clear log */
	mb_diag(&r, tid, 1, 1, 0xff00);
	tcp_exchange(&s, &q, &r);
	tid++;
	{
		/* Schneider UMAS (function 90): stop the PLC */
		const uint8_t um[] = { 90, 0x00, 0x41, 0xff, 0x00 };
		const uint8_t ur[] = { 90, 0x00, 0xfe };
		mb_x(&s, &tid, 1, um, sizeof(um), ur, sizeof(ur));
		const uint8_t start[] = { 90, 0x00, 0x40, 0xff, 0x00 };
		mb_x(&s, &tid, 1, start, sizeof(start), ur, sizeof(ur));
		/* mask write, read/write multiple and a file record write */
		const uint8_t mw[] = { 22, 0, 4, 0x00, 0x00, 0xff, 0xff };
		mb_x(&s, &tid, 1, mw, sizeof(mw), mw, sizeof(mw));
		const uint8_t rw[] = { 23, 0, 0, 0, 1, 0, 50, 0, 1, 2, 0x12, 0x34 };
		const uint8_t rws[] = { 23, 2, 0x00, 0x01 };
		mb_x(&s, &tid, 1, rw, sizeof(rw), rws, sizeof(rws));
		const uint8_t wf[] = { 21, 9, 6, 0, 1, 0, 0, 0, 1, 0xde, 0xad };
		mb_x(&s, &tid, 1, wf, sizeof(wf), wf, sizeof(wf));
		/* a function code scan: user-defined codes, each refused */
		for (uint8_t f = 0x41; f <= 0x44; f++) {
			const uint8_t fc[] = { f };
			const uint8_t fr[] = { (uint8_t)(f | 0x80), 1 };
			mb_x(&s, &tid, 1, fc, sizeof(fc), fr, sizeof(fr));
		}
	}
	/* reconnaissance: device identification and server id from a non-master */
	{
		const uint8_t rq[] = { 43, 14, 1, 0 };
		const uint8_t rs[] = { 43, 14, 1, 0x81, 0, 0, 1, 0, 3, 'A', 'B', 'C' };
		mb_x(&s, &tid, 1, rq, sizeof(rq), rs, sizeof(rs));
		const uint8_t sid[] = { 17 }, sr[] = { 17, 2, 0x42, 0xff };
		mb_x(&s, &tid, 1, sid, 1, sr, sizeof(sr));
	}
	/* a broadcast write (unit 0): every device obeys, none answers */
	mb_write_single(&q, tid, 0, 6, 41, 0);
	tcp_exchange(&s, &q, NULL);
	tid++;
	/* a scan of unit identifiers */
	for (unsigned u = 2; u < 8; u++) {
		mb_read(&q, tid, (uint8_t)u, 3, 0, 1);
		mb_exception(&r, tid, (uint8_t)u, 3, 0x0b);
		tcp_exchange(&s, &q, &r);
		tid++;
	}
	/* reads of a very large block */
	mb_read(&q, tid, 1, 3, 0, 125);
	mb_read_resp_regs(&r, tid, 1, 3, 125, 0);
	tcp_exchange(&s, &q, &r);
	tid++;
	tcp_close(&s);
	return 0;
}

/* ======================================================================== */
/* DNP3                                                                      */
/* ======================================================================== */

struct dnp {
	struct sess *s;
	uint16_t master, outstation;
	uint8_t tseq[2];
	uint8_t aseq;
};

static void dnp_send(struct dnp *d, int dir, const uint8_t *app, size_t n, size_t seg)
{
	static struct buf b;
	if (dir == DIR_C2S)
		dnp3_msg(&b, true, d->outstation, d->master, &d->tseq[0], app, n, seg);
	else
		dnp3_msg(&b, false, d->master, d->outstation, &d->tseq[1], app, n, seg);
	if (d->s->l4 == 6)
		tcp_send(d->s, dir, b.b, b.n);
	else
		udp_send(d->s, dir, b.b, b.n);
}

/* request with function fc and objects; response 129 with objects */
static void dnp_x(struct dnp *d, uint8_t fc, const uint8_t *obj, size_t on, const uint8_t *robj,
		  size_t rn, uint16_t iin)
{
	uint8_t a[4096];
	uint8_t seq = d->aseq++ & 0x0f;
	a[0] = (uint8_t)(0xc0 | seq);
	a[1] = fc;
	memcpy(a + 2, obj, on);
	dnp_send(d, DIR_C2S, a, on + 2, 249);
	if (robj) {
		a[0] = (uint8_t)(0xc0 | seq);
		a[1] = 129;
		a[2] = (uint8_t)iin;
		a[3] = (uint8_t)(iin >> 8);
		memcpy(a + 4, robj, rn);
		dnp_send(d, DIR_S2C, a, rn + 4, 249);
	}
	if (d->s->l4 == 6)
		tcp_ack(d->s, robj ? DIR_C2S : DIR_S2C);
}

/* class 0 poll: g60v1 -> binary inputs, analog inputs, counters, outputs */
static size_t dnp_class0_resp(uint8_t *o, unsigned k)
{
	size_t n = 0;
	/* g1v2 binary input with flags, 8 bit range 0..7 */
	o[n++] = 1; o[n++] = 2; o[n++] = 0x00; o[n++] = 0; o[n++] = 7;
	for (int i = 0; i < 8; i++)
		o[n++] = (uint8_t)(0x01 | ((i + k) % 3 == 0 ? 0x80 : 0));
	/* g30v1 32-bit analog input with flag, 0..3 */
	o[n++] = 30; o[n++] = 1; o[n++] = 0x00; o[n++] = 0; o[n++] = 3;
	for (uint32_t i = 0; i < 4; i++) {
		uint32_t v = 1000 + i * 10 + k;
		o[n++] = 0x01;
		o[n++] = (uint8_t)v; o[n++] = (uint8_t)(v >> 8); o[n++] = (uint8_t)(v >> 16); o[n++] = (uint8_t)(v >> 24);
	}
	/* g20v1 32-bit counter with flag, 0..1 */
	o[n++] = 20; o[n++] = 1; o[n++] = 0x00; o[n++] = 0; o[n++] = 1;
	for (uint32_t i = 0; i < 2; i++) {
		uint32_t v = 50000 + i + k;
		o[n++] = 0x01;
		o[n++] = (uint8_t)v; o[n++] = (uint8_t)(v >> 8); o[n++] = (uint8_t)(v >> 16); o[n++] = (uint8_t)(v >> 24);
	}
	/* g10v2 binary output status, 0..1 */
	o[n++] = 10; o[n++] = 2; o[n++] = 0x00; o[n++] = 0; o[n++] = 1;
	o[n++] = 0x81; o[n++] = 0x01;
	/* g40v2 16-bit analog output status, 0..0 */
	o[n++] = 40; o[n++] = 2; o[n++] = 0x00; o[n++] = 0; o[n++] = 0;
	o[n++] = 0x01; o[n++] = 0x10; o[n++] = 0x27;
	return n;
}

void plant_dnp3_poll(struct sess *s, uint8_t *seq, unsigned rounds)
{
	struct dnp d = { s, 1, 10, { 0, 0 }, *seq };
	static const uint8_t class0[] = { 60, 1, 0x06 };
	uint8_t o[512];
	for (unsigned i = 0; i < rounds; i++) {
		size_t n = dnp_class0_resp(o, i);
		dnp_x(&d, 1, class0, sizeof(class0), o, n, 0);
	}
	*seq = d.aseq;
}

int sc_dnp3(struct gen *g)
{
	uint8_t m[16], os[16], ip[16];
	struct sess s;
	uint8_t o[4096];
	size_t n;
	host(m, 2);
	host(os, 20);
	sess_init(&s, g, 6, m, 40200, os, 20000, false);
	tcp_open(&s);
	struct dnp d = { &s, 1, 10, { 0, 0 }, 0 };
	static const uint8_t class0[] = { 60, 1, 0x06 };
	static const uint8_t class123[] = { 60, 2, 0x06, 60, 3, 0x06, 60, 4, 0x06 };
	/* integrity poll */
	n = dnp_class0_resp(o, 0);
	dnp_x(&d, 1, class0, sizeof(class0), o, n, 0x0090);
	/* event poll: binary events with time (g2v2), analog events (g32v1),
	 * counter events (g22v1) with 2-byte count and index prefixes */
	n = 0;
	o[n++] = 2; o[n++] = 2; o[n++] = 0x28; o[n++] = 1; o[n++] = 0; o[n++] = 3; o[n++] = 0;
	o[n++] = 0x81;
	for (int i = 0; i < 6; i++)
		o[n++] = (uint8_t)(0x10 + i);
	o[n++] = 32; o[n++] = 1; o[n++] = 0x28; o[n++] = 2; o[n++] = 0;
	for (int k = 0; k < 2; k++) {
		o[n++] = (uint8_t)k; o[n++] = 0;
		o[n++] = 0x01; o[n++] = 0xe8; o[n++] = 0x03; o[n++] = 0; o[n++] = 0;
	}
	o[n++] = 22; o[n++] = 1; o[n++] = 0x28; o[n++] = 1; o[n++] = 0; o[n++] = 1; o[n++] = 0;
	o[n++] = 0x01; o[n++] = 0x10; o[n++] = 0x20; o[n++] = 0; o[n++] = 0;
	dnp_x(&d, 1, class123, sizeof(class123), o, n, 0);
	/* a large integrity response split over several transport segments */
	n = 0;
	o[n++] = 30; o[n++] = 1; o[n++] = 0x01; o[n++] = 0; o[n++] = 0; o[n++] = 59; o[n++] = 0;
	for (uint32_t i = 0; i < 60; i++) {
		o[n++] = 0x01;
		o[n++] = (uint8_t)i; o[n++] = 0; o[n++] = 0; o[n++] = 0;
	}
	{
		uint8_t a[1024];
		uint8_t seq = d.aseq++ & 0x0f;
		a[0] = (uint8_t)(0xc0 | seq);
		a[1] = 1;
		memcpy(a + 2, class0, 3);
		dnp_send(&d, DIR_C2S, a, 5, 249);
		a[0] = (uint8_t)(0xc0 | seq);
		a[1] = 129;
		a[2] = 0;
		a[3] = 0;
		memcpy(a + 4, o, n);
		dnp_send(&d, DIR_S2C, a, n + 4, 120);
		tcp_ack(&s, DIR_C2S);
	}
	/* select / operate a CROB (g12v1), 2-byte count and index prefix */
	{
		const uint8_t crob[] = { 12, 1, 0x28, 1, 0, 5, 0, 0x41, 1, 0x64, 0, 0, 0, 0x64, 0, 0, 0, 0 };
		dnp_x(&d, 3, crob, sizeof(crob), crob, sizeof(crob), 0);
		dnp_x(&d, 4, crob, sizeof(crob), crob, sizeof(crob), 0);
		/* direct operate of an analog output (g41v2) */
		const uint8_t ao[] = { 41, 2, 0x28, 1, 0, 0, 0, 0xd0, 0x07, 0 };
		dnp_x(&d, 5, ao, sizeof(ao), ao, sizeof(ao), 0);
	}
	/* time sync (g50v1, count 1) and clearing the restart bit (g80v1) */
	{
		const uint8_t t[] = { 50, 1, 0x07, 1, 0x00, 0x10, 0x42, 0xcb, 0x8b, 0x01 };
		dnp_x(&d, 2, t, sizeof(t), NULL, 0, 0);
		/* response without objects */
		uint8_t a[8] = { (uint8_t)(0xc0 | ((d.aseq - 1) & 0x0f)), 129, 0, 0 };
		dnp_send(&d, DIR_S2C, a, 4, 249);
		const uint8_t iin[] = { 80, 1, 0x00, 7, 7, 0x00 };
		dnp_x(&d, 2, iin, sizeof(iin), iin, 0, 0);
	}
	/* unsolicited responses: enable, an event, the master's confirm */
	{
		const uint8_t cls[] = { 60, 2, 0x06, 60, 3, 0x06, 60, 4, 0x06 };
		dnp_x(&d, 20, cls, sizeof(cls), cls, 0, 0);
		uint8_t a[32];
		size_t k = 0;
		a[k++] = 0xf0 | 3; /* FIR FIN CON UNS */
		a[k++] = 130;
		a[k++] = 0;
		a[k++] = 0;
		a[k++] = 2; a[k++] = 1; a[k++] = 0x28; a[k++] = 1; a[k++] = 0; a[k++] = 4; a[k++] = 0; a[k++] = 0x81;
		dnp_send(&d, DIR_S2C, a, k, 249);
		uint8_t c[2] = { 0xd3, 0 };
		dnp_send(&d, DIR_C2S, c, 2, 249);
		tcp_ack(&s, DIR_S2C);
	}
	/* counters: freeze; file-like functions are left to other suites */
	{
		const uint8_t fr[] = { 20, 0, 0x06 };
		dnp_x(&d, 7, fr, sizeof(fr), fr, 0, 0);
	}
	tcp_close(&s);

	/* DNP3 over UDP */
	host(ip, 22);
	host(m, 3);
	sess_init(&s, g, 17, m, 20000, ip, 20000, false);
	d = (struct dnp){ &s, 3, 22, { 0, 0 }, 0 };
	n = dnp_class0_resp(o, 7);
	dnp_x(&d, 1, class0, sizeof(class0), o, n, 0);

	/* ---- anomalies ---- */
	host(m, 2);
	host(ip, 21);
	sess_init(&s, g, 6, m, 40201, ip, 20000, false);
	tcp_open(&s);
	d = (struct dnp){ &s, 1, 21, { 0, 0 }, 0 };
	n = dnp_class0_resp(o, 3);
	dnp_x(&d, 1, class0, sizeof(class0), o, n, 0);
	{
		static struct buf b;
		const uint8_t rd[] = { 0xc0, 0xc0, 1, 60, 1, 0x06 };
		/* header CRC broken */
		b_reset(&b);
		dnp3_frame(&b, 0xc4, 21, 1, rd, sizeof(rd));
		b.b[8] ^= 0xff;
		tcp_send(&s, DIR_C2S, b.b, b.n);
		/* data block CRC broken */
		b_reset(&b);
		dnp3_frame(&b, 0xc4, 21, 1, rd, sizeof(rd));
		b.b[b.n - 1] ^= 0xff;
		tcp_send(&s, DIR_C2S, b.b, b.n);
		tcp_ack(&s, DIR_S2C);
	}
	{
		/* an object group the parser has no size for */
		const uint8_t rd[] = { 60, 1, 0x06 };
		const uint8_t unk[] = { 99, 7, 0x00, 0, 1, 1, 2, 3, 4 };
		dnp_x(&d, 1, rd, sizeof(rd), unk, sizeof(unk), 0);
		/* range stop below start */
		const uint8_t bad[] = { 1, 2, 0x00, 9, 3, 0x01 };
		dnp_x(&d, 1, rd, sizeof(rd), bad, sizeof(bad), 0);
		/* a read of more points than any message could hold */
		const uint8_t many[] = { 30, 1, 0x02, 0, 0, 0, 0, 0xff, 0xff, 0x0f, 0 };
		dnp_x(&d, 1, many, sizeof(many), NULL, 0, 0);
	}
	{
		/* transport sequence: FIR seq 5, then a middle segment with seq 9 */
		static struct buf b;
		uint8_t u[20] = { 0x40 | 5, 0xc0, 129, 0, 0, 1, 2, 0 };
		b_reset(&b);
		dnp3_frame(&b, 0x44, 1, 21, u, 8);
		u[0] = 0x80 | 9;
		dnp3_frame(&b, 0x44, 1, 21, u, 8);
		tcp_send(&s, DIR_S2C, b.b, b.n);
		tcp_ack(&s, DIR_C2S);
	}
	{
		/* a reassembled message above 4096 bytes */
		uint8_t a[4400];
		memset(a, 0, sizeof(a));
		a[0] = 0xc0;
		a[1] = 129;
		a[4] = 110; /* octet strings */
		dnp_send(&d, DIR_S2C, a, sizeof(a), 249);
		tcp_ack(&s, DIR_C2S);
	}
	{
		/* more outstanding requests than the parser keeps */
		const uint8_t rd[] = { 60, 1, 0x06 };
		for (int i = 0; i < 5; i++)
			dnp_x(&d, 1, rd, sizeof(rd), NULL, 0, 0);
	}
	{
		/* link length below 5: framing resynchronises after it */
		static struct buf b;
		b_reset(&b);
		b_u8(&b, 0x05);
		b_u8(&b, 0x64);
		b_u8(&b, 3);
		b_u8(&b, 0xc4);
		b_le16(&b, 21);
		b_le16(&b, 1);
		uint16_t c = dnp3_crc(b.b, 8);
		b_le16(&b, c);
		tcp_send(&s, DIR_C2S, b.b, b.n);
		tcp_ack(&s, DIR_S2C);
	}
	tcp_close(&s);

	/* ---- attacks from a host that is not a master ---- */
	rogue(ip);
	sess_init(&s, g, 6, ip, 52000, os, 20000, false);
	tcp_open(&s);
	d = (struct dnp){ &s, 1, 10, { 0, 0 }, 0 };
	{
		const uint8_t none[1] = { 0 };
		const uint8_t delay[] = { 52, 2, 0x07, 1, 0xe8, 0x03 };
		dnp_x(&d, 13, none, 0, delay, sizeof(delay), 0);      /* cold restart */
		dnp_x(&d, 14, none, 0, delay, sizeof(delay), 0);      /* warm restart */
		const uint8_t crob[] = { 12, 1, 0x28, 1, 0, 0, 0, 0x03, 1, 0x64, 0, 0, 0, 0x64, 0, 0, 0, 0 };
		dnp_x(&d, 5, crob, sizeof(crob), crob, sizeof(crob), 0); /* direct operate */
		dnp_x(&d, 6, crob, sizeof(crob), NULL, 0, 0);          /* direct operate, no ack */
		const uint8_t cls[] = { 60, 2, 0x06, 60, 3, 0x06, 60, 4, 0x06 };
		dnp_x(&d, 21, cls, sizeof(cls), cls, 0, 0);           /* disable unsolicited */
		dnp_x(&d, 18, none, 0, none, 0, 0);                   /* stop application */
		dnp_x(&d, 16, none, 0, none, 0, 0);                   /* initialize application */
		/* g70v3 file command: name offset and size, creation time,
		 * permissions, auth key, file size, mode (1 = read), block size,
		 * request id, name */
		const uint8_t fopen[] = { 70, 3, 0x5b, 1, 33, 0, 26, 0, 7, 0, 0, 0, 0, 0, 0, 0,
					  0x24, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 4, 1, 0,
					  'c', 'f', 'g', '.', 'x', 'm', 'l' };
		dnp_x(&d, 25, fopen, sizeof(fopen), NULL, 0, 0);       /* file open */
		const uint8_t save[1] = { 0 };
		dnp_x(&d, 19, save, 0, NULL, 0, 0);                   /* save configuration */
		/* a response with the device-restart and device-trouble IIN bits */
		const uint8_t rd[] = { 60, 1, 0x06 };
		dnp_x(&d, 1, rd, sizeof(rd), none, 0, 0x00c0);
	}
	tcp_close(&s);
	return 0;
}

/* ======================================================================== */
/* IEC 60870-5-104                                                           */
/* ======================================================================== */

struct i104 {
	struct sess *s;
	uint16_t ns[2]; /* next send sequence per direction */
	uint16_t ca;
};

static void i104_send(struct i104 *c, int dir, const struct buf *asdu)
{
	static struct buf b;
	iec104_i(&b, c->ns[dir], c->ns[!dir], asdu->b, asdu->n);
	c->ns[dir] = (uint16_t)((c->ns[dir] + 1) & 0x7fff);
	tcp_send(c->s, dir, b.b, b.n);
}

static void i104_u(struct i104 *c, int dir, uint8_t ctrl)
{
	static struct buf b;
	iec104_u(&b, ctrl);
	tcp_send(c->s, dir, b.b, b.n);
}

static void i104_s(struct i104 *c, int dir)
{
	static struct buf b;
	iec104_s(&b, c->ns[!dir]);
	tcp_send(c->s, dir, b.b, b.n);
}

static void cp56(struct buf *b, unsigned ms, unsigned min)
{
	b_le16(b, ms);
	b_u8(b, min);
	b_u8(b, 10);
	b_u8(b, 14);
	b_u8(b, 11);
	b_u8(b, 23);
}

/* a command and its activation confirmation and termination */
static void i104_cmd(struct i104 *c, uint8_t type, uint32_t ioa, const uint8_t *el, size_t n,
		     bool term)
{
	static struct buf a;
	b_reset(&a);
	iec104_asdu_hdr(&a, type, 1, 6, 0, c->ca);
	b_le24(&a, ioa);
	b_bytes(&a, el, n);
	i104_send(c, DIR_C2S, &a);
	a.b[2] = 7;
	i104_send(c, DIR_S2C, &a);
	if (term) {
		a.b[2] = 10;
		i104_send(c, DIR_S2C, &a);
	}
	i104_s(c, DIR_C2S);
}

void plant_iec104_poll(struct sess *s, uint16_t *ns, uint16_t *nr, unsigned rounds)
{
	struct i104 c = { s, { *ns, *nr }, 1 };
	static struct buf a;
	for (unsigned r = 0; r < rounds; r++) {
		/* spontaneous measured values, short floats with time */
		b_reset(&a);
		iec104_asdu_hdr(&a, 36, 2, 3, 0, c.ca);
		for (unsigned i = 0; i < 2; i++) {
			b_le24(&a, 4001 + i);
			float f = 49.9f + (float)((r + i) % 7) * 0.01f;
			uint32_t v;
			memcpy(&v, &f, 4);
			b_le32(&a, v);
			b_u8(&a, 0);
			cp56(&a, 1000 * (r % 60), r % 60);
		}
		i104_send(&c, DIR_S2C, &a);
		i104_s(&c, DIR_C2S);
	}
	*ns = c.ns[0];
	*nr = c.ns[1];
}

int sc_iec104(struct gen *g)
{
	uint8_t m[16], rtu[16], ip[16];
	struct sess s;
	static struct buf a;
	host(m, 2);
	host(rtu, 30);
	sess_init(&s, g, 6, m, 40300, rtu, 2404, false);
	tcp_open(&s);
	struct i104 c = { &s, { 0, 0 }, 1 };
	i104_u(&c, DIR_C2S, 0x07);
	i104_u(&c, DIR_S2C, 0x0b);
	/* general interrogation */
	{
		const uint8_t qoi[] = { 20 };
		static struct buf q;
		b_reset(&q);
		iec104_asdu_hdr(&q, 100, 1, 6, 0, c.ca);
		b_le24(&q, 0);
		b_bytes(&q, qoi, 1);
		i104_send(&c, DIR_C2S, &q);
		q.b[2] = 7;
		i104_send(&c, DIR_S2C, &q);
		/* single points, a sequence of 3 */
		b_reset(&a);
		iec104_asdu_hdr(&a, 1, 0x83, 20, 0, c.ca);
		b_le24(&a, 1001);
		b_u8(&a, 0x01);
		b_u8(&a, 0x00);
		b_u8(&a, 0x81);
		i104_send(&c, DIR_S2C, &a);
		/* double points */
		b_reset(&a);
		iec104_asdu_hdr(&a, 3, 2, 20, 0, c.ca);
		b_le24(&a, 2001);
		b_u8(&a, 0x02);
		b_le24(&a, 2002);
		b_u8(&a, 0x01);
		i104_send(&c, DIR_S2C, &a);
		/* normalised, scaled and short float measurands */
		b_reset(&a);
		iec104_asdu_hdr(&a, 9, 1, 20, 0, c.ca);
		b_le24(&a, 3001);
		b_le16(&a, 0x4000);
		b_u8(&a, 0);
		i104_send(&c, DIR_S2C, &a);
		b_reset(&a);
		iec104_asdu_hdr(&a, 11, 1, 20, 0, c.ca);
		b_le24(&a, 3002);
		b_le16(&a, (unsigned)(uint16_t)-120);
		b_u8(&a, 0x10);
		i104_send(&c, DIR_S2C, &a);
		b_reset(&a);
		iec104_asdu_hdr(&a, 13, 2, 20, 0, c.ca);
		float f[2] = { 230.5f, -1.25f };
		for (int i = 0; i < 2; i++) {
			uint32_t v;
			memcpy(&v, &f[i], 4);
			b_le24(&a, 4001 + (unsigned)i);
			b_le32(&a, v);
			b_u8(&a, i ? 0x80 : 0);
		}
		i104_send(&c, DIR_S2C, &a);
		/* step position and bitstring */
		b_reset(&a);
		iec104_asdu_hdr(&a, 5, 1, 20, 0, c.ca);
		b_le24(&a, 5001);
		b_u8(&a, 0x05);
		b_u8(&a, 0);
		i104_send(&c, DIR_S2C, &a);
		b_reset(&a);
		iec104_asdu_hdr(&a, 7, 1, 20, 0, c.ca);
		b_le24(&a, 5002);
		b_le32(&a, 0xdeadbeef);
		b_u8(&a, 0);
		i104_send(&c, DIR_S2C, &a);
		/* termination */
		q.b[2] = 10;
		i104_send(&c, DIR_S2C, &q);
		i104_s(&c, DIR_C2S);
	}
	/* spontaneous events with time tags */
	plant_iec104_poll(&s, &c.ns[0], &c.ns[1], 2);
	b_reset(&a);
	iec104_asdu_hdr(&a, 30, 1, 3, 0, c.ca);
	b_le24(&a, 1001);
	b_u8(&a, 0x00);
	cp56(&a, 12345, 7);
	i104_send(&c, DIR_S2C, &a);
	b_reset(&a);
	iec104_asdu_hdr(&a, 31, 1, 3, 0, c.ca);
	b_le24(&a, 2001);
	b_u8(&a, 0x01);
	cp56(&a, 22345, 7);
	i104_send(&c, DIR_S2C, &a);
	/* integrated totals */
	b_reset(&a);
	iec104_asdu_hdr(&a, 15, 1, 37, 0, c.ca);
	b_le24(&a, 6001);
	b_le32(&a, 123456);
	b_u8(&a, 0x01);
	i104_send(&c, DIR_S2C, &a);
	i104_s(&c, DIR_C2S);
	/* keep-alive */
	i104_u(&c, DIR_C2S, 0x43);
	i104_u(&c, DIR_S2C, 0x83);
	/* commands from the master: single, double, set point, clock sync,
	 * counter interrogation */
	{
		const uint8_t sco[] = { 0x81 }; /* select, on */
		i104_cmd(&c, 45, 7001, sco, 1, false);
		const uint8_t sce[] = { 0x01 }; /* execute, on */
		i104_cmd(&c, 45, 7001, sce, 1, true);
		const uint8_t dco[] = { 0x02 };
		i104_cmd(&c, 46, 7002, dco, 1, true);
		uint8_t sp[5];
		float v = 12.5f;
		memcpy(sp, &v, 4);
		sp[4] = 0;
		i104_cmd(&c, 50, 8001, sp, 5, true);
		static struct buf t;
		b_reset(&t);
		cp56(&t, 5000, 30);
		i104_cmd(&c, 103, 0, t.b, t.n, false);
		const uint8_t qcc[] = { 5 };
		i104_cmd(&c, 101, 0, qcc, 1, true);
		const uint8_t qoi[] = { 21 }; /* group 1 interrogation */
		i104_cmd(&c, 100, 0, qoi, 1, true);
	}
	i104_u(&c, DIR_C2S, 0x13);
	i104_u(&c, DIR_S2C, 0x23);
	tcp_close(&s);

	/* a connection picked up mid-stream */
	host(ip, 32);
	sess_init(&s, g, 6, m, 40302, ip, 2404, false);
	tcp_open_nohs(&s);
	c = (struct i104){ &s, { 120, 7 }, 2 };
	plant_iec104_poll(&s, &c.ns[0], &c.ns[1], 2);

	/* ---- anomalies ---- */
	host(ip, 31);
	sess_init(&s, g, 6, m, 40301, ip, 2404, false);
	tcp_open(&s);
	c = (struct i104){ &s, { 0, 0 }, 3 };
	i104_u(&c, DIR_C2S, 0x07);
	i104_u(&c, DIR_S2C, 0x0b);
	b_reset(&a);
	iec104_asdu_hdr(&a, 1, 1, 3, 0, c.ca);
	b_le24(&a, 1);
	b_u8(&a, 1);
	i104_send(&c, DIR_S2C, &a);
	c.ns[1] = (uint16_t)(c.ns[1] + 5); /* five frames went missing */
	i104_send(&c, DIR_S2C, &a);
	b_reset(&a);
	iec104_asdu_hdr(&a, 99, 1, 3, 0, c.ca); /* type 99 is not defined */
	b_le24(&a, 1);
	b_u8(&a, 1);
	i104_send(&c, DIR_S2C, &a);
	b_reset(&a);
	iec104_asdu_hdr(&a, 1, 1, 15, 0, c.ca); /* cause 15 is not defined */
	b_le24(&a, 1);
	b_u8(&a, 1);
	i104_send(&c, DIR_S2C, &a);
	b_reset(&a);
	iec104_asdu_hdr(&a, 1, 0, 3, 0, c.ca); /* zero objects */
	i104_send(&c, DIR_S2C, &a);
	b_reset(&a);
	iec104_asdu_hdr(&a, 13, 0x7f, 3, 0, c.ca); /* 127 floats cannot fit */
	for (int i = 0; i < 30; i++) {
		b_le24(&a, (unsigned)i);
		b_le32(&a, 0);
		b_u8(&a, 0);
	}
	i104_send(&c, DIR_S2C, &a);
	i104_u(&c, DIR_C2S, 0x0f); /* STARTDT act and con at once */
	i104_s(&c, DIR_C2S);
	{
		/* an APDU length of 2 cannot be: framing resynchronises */
		const uint8_t bad[] = { 0x68, 0x02, 0x01, 0x00 };
		tcp_send(&s, DIR_C2S, bad, sizeof(bad));
		i104_u(&c, DIR_C2S, 0x43);
		i104_u(&c, DIR_S2C, 0x83);
	}
	tcp_close(&s);

	/* ---- attacks: control commands from a host that is not a master ---- */
	rogue(ip);
	sess_init(&s, g, 6, ip, 53000, rtu, 2404, false);
	tcp_open(&s);
	c = (struct i104){ &s, { 0, 0 }, 1 };
	i104_u(&c, DIR_C2S, 0x07);
	i104_u(&c, DIR_S2C, 0x0b);
	{
		const uint8_t sc[] = { 0x01 };
		i104_cmd(&c, 45, 7001, sc, 1, true);
		const uint8_t dc[] = { 0x01 };
		i104_cmd(&c, 46, 7002, dc, 1, true);
		const uint8_t rc[] = { 0x01 }; /* regulating step command */
		i104_cmd(&c, 47, 7003, rc, 1, true);
		uint8_t sp[5] = { 0, 0, 0x80, 0x7f, 0 }; /* +infinity */
		i104_cmd(&c, 50, 8001, sp, 5, true);
		const uint8_t sn[] = { 0xff, 0x7f, 0 };
		i104_cmd(&c, 49, 8002, sn, 3, true);
		const uint8_t rp[] = { 1 }; /* general reset of process */
		i104_cmd(&c, 105, 0, rp, 1, false);
		const uint8_t qoi[] = { 20 };
		i104_cmd(&c, 100, 0, qoi, 1, true);
		static struct buf t;
		b_reset(&t);
		cp56(&t, 0, 0);
		i104_cmd(&c, 103, 0, t.b, t.n, false);
		/* a parameter load (P_ME_NC_1) */
		uint8_t pm[5] = { 0, 0, 0x20, 0x41, 1 };
		i104_cmd(&c, 112, 9001, pm, 5, false);
		/* a file transfer: call directory */
		const uint8_t fcall[] = { 0x01, 0x00, 0x00, 0x00 };
		i104_cmd(&c, 122, 0, fcall, sizeof(fcall) - 1, false);
	}
	/* a broadcast common address */
	b_reset(&a);
	iec104_asdu_hdr(&a, 100, 1, 6, 0, 0xffff);
	b_le24(&a, 0);
	b_u8(&a, 20);
	i104_send(&c, DIR_C2S, &a);
	i104_u(&c, DIR_C2S, 0x13);
	i104_u(&c, DIR_S2C, 0x23);
	tcp_close(&s);
	return 0;
}

/* ======================================================================== */
/* S7comm                                                                    */
/* ======================================================================== */

static void s7_x(struct sess *s, uint16_t *ref, const uint8_t *p, size_t pl, const uint8_t *d,
		 size_t dl, const uint8_t *rp, size_t rpl, const uint8_t *rd, size_t rdl, uint16_t err)
{
	static struct buf q, r;
	s7_pdu(&q, 1, *ref, p, pl, d, dl, 0);
	if (rp) {
		s7_pdu(&r, 3, *ref, rp, rpl, rd, rdl, err);
		tcp_exchange(s, &q, &r);
	} else {
		tcp_exchange(s, &q, NULL);
	}
	(*ref)++;
}

static void s7_connect(struct sess *s, uint16_t *ref)
{
	static struct buf q, r;
	s7_cotp_cr(&q, false, 0x0100, 0x0102);
	s7_cotp_cr(&r, true, 0x0100, 0x0102);
	tcp_exchange(s, &q, &r);
	const uint8_t setup[] = { 0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xe0 };
	const uint8_t setup_r[] = { 0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0xf0 };
	s7_x(s, ref, setup, sizeof(setup), NULL, 0, setup_r, sizeof(setup_r), NULL, 0, 0);
}

/* read var, one or more ANY pointers */
static size_t s7_any(uint8_t *p, uint8_t area, uint16_t db, uint32_t byte_addr, uint16_t len)
{
	uint32_t bit = byte_addr << 3;
	uint8_t it[12] = { 0x12, 0x0a, 0x10, 0x02, (uint8_t)(len >> 8), (uint8_t)len,
			   (uint8_t)(db >> 8), (uint8_t)db, area, (uint8_t)(bit >> 16),
			   (uint8_t)(bit >> 8), (uint8_t)bit };
	memcpy(p, it, 12);
	return 12;
}

void plant_s7_poll(struct sess *s, uint16_t *ref, unsigned rounds)
{
	for (unsigned r = 0; r < rounds; r++) {
		uint8_t p[64];
		size_t n = 0;
		p[n++] = 0x04;
		p[n++] = 2;
		n += s7_any(p + n, 0x84, 1, 0, 8);
		n += s7_any(p + n, 0x83, 0, 10, 2);
		const uint8_t rp[] = { 0x04, 2 };
		uint8_t d[32];
		size_t k = 0;
		d[k++] = 0xff; d[k++] = 0x04; d[k++] = 0; d[k++] = 64;
		for (int i = 0; i < 8; i++)
			d[k++] = (uint8_t)(r + (unsigned)i);
		d[k++] = 0xff; d[k++] = 0x04; d[k++] = 0; d[k++] = 16;
		d[k++] = 0x12; d[k++] = 0x34;
		s7_x(s, ref, p, n, NULL, 0, rp, 2, d, k, 0);
	}
}

static void s7_block(struct sess *s, uint16_t *ref, uint8_t fn, const char *file, bool with_status)
{
	uint8_t p[64];
	size_t n = 0;
	p[n++] = fn;
	p[n++] = 0x00;
	if (fn == 0x1a || fn == 0x1d) { /* request download / start upload */
		p[n++] = 0x01; p[n++] = 0x00;
		p[n++] = 0; p[n++] = 0; p[n++] = 0; p[n++] = 0;
	} else {
		p[n++] = 0x00; p[n++] = 0x00;
		p[n++] = 0; p[n++] = 0; p[n++] = 0; p[n++] = 0;
	}
	size_t fl = strlen(file);
	p[n++] = (uint8_t)fl;
	memcpy(p + n, file, fl);
	n += fl;
	if (with_status) {
		const char *len = "1000256000128";
		size_t ll = strlen(len);
		p[n++] = (uint8_t)ll;
		memcpy(p + n, len, ll);
		n += ll;
	}
	if (fn == 0x1d) { /* start upload: the answer carries an upload id and a length */
		const uint8_t up[] = { 0x1d, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 0x07,
				       '0', '0', '0', '0', '2', '5', '6' };
		s7_x(s, ref, p, n, NULL, 0, up, sizeof(up), NULL, 0, 0);
		return;
	}
	const uint8_t rp[] = { fn };
	s7_x(s, ref, p, n, NULL, 0, rp, 1, NULL, 0, 0);
}

static void s7_pi(struct sess *s, uint16_t *ref, uint8_t fn, const char *service, const char *arg)
{
	uint8_t p[128];
	size_t n = 0;
	p[n++] = fn;
	if (fn == 0x28) {
		for (int i = 0; i < 7; i++)
			p[n++] = i == 6 ? 0xfd : 0;
		size_t al = arg ? strlen(arg) : 0;
		p[n++] = (uint8_t)(al >> 8);
		p[n++] = (uint8_t)al;
		if (al)
			memcpy(p + n, arg, al);
		n += al;
	} else {
		for (int i = 0; i < 5; i++)
			p[n++] = 0;
	}
	size_t sl = strlen(service);
	p[n++] = (uint8_t)sl;
	memcpy(p + n, service, sl);
	n += sl;
	const uint8_t rp[] = { fn };
	s7_x(s, ref, p, n, NULL, 0, rp, 1, NULL, 0, 0);
}

static void s7_szl(struct sess *s, uint16_t *ref, uint16_t id, uint16_t index, const char *order)
{
	static struct buf q, r;
	const uint8_t p[] = { 0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00 };
	uint8_t d[8] = { 0xff, 0x09, 0x00, 0x04, (uint8_t)(id >> 8), (uint8_t)id, (uint8_t)(index >> 8),
			 (uint8_t)index };
	s7_pdu(&q, 7, *ref, p, sizeof(p), d, sizeof(d), 0);
	const uint8_t rp[] = { 0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00 };
	uint8_t rd[64];
	size_t k = 0;
	rd[k++] = 0xff;
	rd[k++] = 0x09;
	size_t lat = k;
	k += 2;
	rd[k++] = (uint8_t)(id >> 8);
	rd[k++] = (uint8_t)id;
	rd[k++] = (uint8_t)(index >> 8);
	rd[k++] = (uint8_t)index;
	rd[k++] = 0;
	rd[k++] = 28; /* record length */
	rd[k++] = 0;
	rd[k++] = 1; /* one record */
	rd[k++] = 0;
	rd[k++] = 1; /* index 1: module */
	size_t ol = strlen(order);
	memset(rd + k, ' ', 20);
	memcpy(rd + k, order, ol < 20 ? ol : 20);
	k += 20;
	rd[k++] = 0; rd[k++] = 0xc0; rd[k++] = 0; rd[k++] = 4; rd[k++] = 0; rd[k++] = 1;
	rd[lat] = (uint8_t)((k - 4) >> 8);
	rd[lat + 1] = (uint8_t)(k - 4);
	s7_pdu(&r, 7, *ref, rp, sizeof(rp), rd, k, 0);
	tcp_exchange(s, &q, &r);
	(*ref)++;
}

int sc_s7comm(struct gen *g)
{
	uint8_t ew[16], plc[16], m[16], ip[16];
	struct sess s;
	uint16_t ref = 1;
	host(ew, 5);
	host(m, 2);
	host(plc, 40);

	/* the HMI polls */
	sess_init(&s, g, 6, m, 40400, plc, 102, false);
	tcp_open(&s);
	s7_connect(&s, &ref);
	plant_s7_poll(&s, &ref, 2);
	{
		/* write var: one DB word */
		uint8_t p[16];
		size_t n = 0;
		p[n++] = 0x05;
		p[n++] = 1;
		n += s7_any(p + n, 0x84, 2, 4, 2);
		const uint8_t d[] = { 0x00, 0x04, 0x00, 0x10, 0x01, 0x02 };
		const uint8_t rp[] = { 0x05, 1 };
		const uint8_t rd[] = { 0xff };
		s7_x(&s, &ref, p, n, d, sizeof(d), rp, 2, rd, 1, 0);
	}
	s7_szl(&s, &ref, 0x0011, 0x0000, "6ES7 315-2EH14-0AB0");
	/* an error on the response */
	{
		uint8_t p[16];
		size_t n = 0;
		p[n++] = 0x04;
		p[n++] = 1;
		n += s7_any(p + n, 0x84, 999, 0, 2);
		s7_x(&s, &ref, p, n, NULL, 0, p, 0, NULL, 0, 0x8104);
	}
	tcp_close(&s);

	/* the engineering workstation uploads and downloads blocks */
	sess_init(&s, g, 6, ew, 40401, plc, 102, false);
	tcp_open(&s);
	s7_connect(&s, &ref);
	s7_szl(&s, &ref, 0x0111, 0x0001, "6ES7 315-2EH14-0AB0");
	s7_block(&s, &ref, 0x1d, "_0A00001P", false);
	s7_block(&s, &ref, 0x1e, "", false);
	s7_block(&s, &ref, 0x1f, "", false);
	s7_block(&s, &ref, 0x1a, "_0B00001P", true);
	s7_block(&s, &ref, 0x1c, "_0B00001P", false);
	s7_pi(&s, &ref, 0x28, "_INSE", "0B00001P");
	tcp_close(&s);

	/* S7comm-plus: only the header is decoded */
	host(ip, 41);
	sess_init(&s, g, 6, ew, 40402, ip, 102, false);
	tcp_open(&s);
	{
		static struct buf q;
		const uint8_t plus[] = { 0x72, 0x03, 0x00, 0x0c, 0x31, 0x00, 0x00, 0x04, 0xca, 0x00,
					 0x00, 0x00, 0x01, 0x36, 0x00, 0x00, 0x72, 0x03, 0x00, 0x00 };
		s7_cotp_cr(&q, false, 0x0600, 0x0101);
		static struct buf r;
		s7_cotp_cr(&r, true, 0x0600, 0x0101);
		tcp_exchange(&s, &q, &r);
		b_reset(&q);
		b_u8(&q, 3);
		b_u8(&q, 0);
		b_be16(&q, (unsigned)(7 + sizeof(plus)));
		b_u8(&q, 2);
		b_u8(&q, 0xf0);
		b_u8(&q, 0x80);
		b_bytes(&q, plus, sizeof(plus));
		tcp_exchange(&s, &q, NULL);
	}
	tcp_close(&s);

	/* ---- anomalies ---- */
	host(ip, 42);
	sess_init(&s, g, 6, m, 40403, ip, 102, false);
	tcp_open(&s);
	s7_connect(&s, &ref);
	{
		const uint8_t unk[] = { 0x99, 0x00 };
		s7_x(&s, &ref, unk, sizeof(unk), NULL, 0, NULL, 0, NULL, 0, 0);
		/* 21 items */
		uint8_t p[2 + 21 * 12];
		size_t n = 0;
		p[n++] = 0x04;
		p[n++] = 21;
		for (int i = 0; i < 21; i++)
			n += s7_any(p + n, 0x84, 1, (uint32_t)i, 1);
		s7_x(&s, &ref, p, n, NULL, 0, NULL, 0, NULL, 0, 0);
		/* an item that is not an ANY pointer */
		uint8_t b[14];
		n = 0;
		b[n++] = 0x04;
		b[n++] = 1;
		n += s7_any(b + n, 0x84, 1, 0, 1);
		b[2] = 0x13;
		s7_x(&s, &ref, b, n, NULL, 0, NULL, 0, NULL, 0, 0);
	}
	{
		static struct buf q;
		/* an unknown ROSCTR */
		const uint8_t p[] = { 0x04, 0x00 };
		s7_pdu(&q, 5, ref++, p, 2, NULL, 0, 0);
		tcp_exchange(&s, &q, NULL);
		/* parameter length beyond the PDU */
		s7_pdu(&q, 1, ref++, p, 2, NULL, 0, 0);
		b_put_be16(&q, 13, 40);
		tcp_exchange(&s, &q, NULL);
		/* protocol id 0x33 */
		s7_pdu(&q, 1, ref++, p, 2, NULL, 0, 0);
		q.b[7] = 0x33;
		tcp_exchange(&s, &q, NULL);
		/* a COTP length indicator beyond the TPKT */
		s7_pdu(&q, 1, ref++, p, 2, NULL, 0, 0);
		q.b[4] = 0x40;
		tcp_exchange(&s, &q, NULL);
		/* TPKT reserved byte set: framing resynchronises */
		s7_pdu(&q, 1, ref++, p, 2, NULL, 0, 0);
		q.b[1] = 0x11;
		tcp_send(&s, DIR_C2S, q.b, q.n);
		plant_s7_poll(&s, &ref, 1);
	}
	tcp_close(&s);

	/* ---- attacks: PLC stop, program download and memory reset from a
	 * host that is not an engineering workstation ---- */
	rogue(ip);
	sess_init(&s, g, 6, ip, 54000, plc, 102, false);
	tcp_open(&s);
	s7_connect(&s, &ref);
	s7_szl(&s, &ref, 0x0011, 0x0000, "6ES7 315-2EH14-0AB0");
	s7_pi(&s, &ref, 0x29, "P_PROGRAM", NULL);
	s7_block(&s, &ref, 0x1a, "_0800001P", true);
	s7_block(&s, &ref, 0x1b, "_0800001P", false);
	s7_block(&s, &ref, 0x1c, "_0800001P", false);
	s7_pi(&s, &ref, 0x28, "_MODU", "");
	s7_pi(&s, &ref, 0x28, "_GARB", "");
	s7_pi(&s, &ref, 0x28, "P_PROGRAM", "");
	{
		/* write to the outputs */
		uint8_t p[16];
		size_t n = 0;
		p[n++] = 0x05;
		p[n++] = 1;
		n += s7_any(p + n, 0x82, 0, 0, 1);
		const uint8_t d[] = { 0x00, 0x04, 0x00, 0x08, 0xff };
		const uint8_t rp[] = { 0x05, 1 };
		const uint8_t rd[] = { 0xff };
		s7_x(&s, &ref, p, n, d, sizeof(d), rp, 2, rd, 1, 0);
	}
	s7_block(&s, &ref, 0x1d, "_0800001P", false); /* upload from a rogue host */
	tcp_close(&s);
	return 0;
}

/* ======================================================================== */
/* EtherNet/IP + CIP                                                         */
/* ======================================================================== */

static void enip_x(struct sess *s, const struct buf *q, const struct buf *r)
{
	tcp_exchange(s, q, r);
}

static void enip_cip(struct sess *s, uint32_t session, uint64_t *ctx, uint8_t service, uint16_t cls,
		     uint16_t inst, uint16_t attr, const uint8_t *data, size_t dn, uint8_t status,
		     const uint8_t *rdata, size_t rn)
{
	static struct buf c, q, r;
	cip_req(&c, service, cls, inst, attr, data, dn);
	enip_rr(&q, session, *ctx, c.b, c.n);
	cip_resp(&c, service, status, rdata, rn);
	enip_rr(&r, session, *ctx, c.b, c.n);
	enip_x(s, &q, &r);
	(*ctx)++;
}

void plant_enip_poll(struct sess *s, uint32_t session, uint64_t *ctx, unsigned rounds)
{
	for (unsigned i = 0; i < rounds; i++) {
		uint8_t rd[4] = { (uint8_t)i, 0, 0, 0 };
		enip_cip(s, session, ctx, 0x0e, 0x04, 100, 3, NULL, 0, 0, rd, 4);
	}
}

static void enip_register(struct sess *s, uint32_t session, uint64_t ctx)
{
	static struct buf q, r;
	enip_hdr(&q, 0x0065, 4, 0, 0, ctx);
	b_le16(&q, 1);
	b_le16(&q, 0);
	enip_hdr(&r, 0x0065, 4, session, 0, ctx);
	b_le16(&r, 1);
	b_le16(&r, 0);
	enip_x(s, &q, &r);
}

int sc_enip(struct gen *g)
{
	uint8_t m[16], plc[16], ip[16];
	struct sess s;
	static struct buf q, r, c;
	uint64_t ctx = 0x1000;
	host(m, 2);
	host(plc, 50);

	sess_init(&s, g, 6, m, 40500, plc, 44818, false);
	tcp_open(&s);
	/* list services */
	enip_hdr(&q, 0x0004, 0, 0, 0, ctx);
	enip_hdr(&r, 0x0004, 26, 0, 0, ctx);
	b_le16(&r, 1);
	b_le16(&r, 0x0100);
	b_le16(&r, 20);
	b_le16(&r, 1);
	b_le16(&r, 0x0120);
	b_bytes(&r, "Communications\0\0", 16);
	enip_x(&s, &q, &r);
	ctx++;
	uint32_t session = 0x1a2b3c4d;
	enip_register(&s, session, ctx++);
	/* identity: product name attribute, then all attributes */
	{
		const uint8_t name[] = { 20, '1', '7', '5', '6', '-', 'L', '6', '1', '/', 'B', ' ',
					 'L', 'O', 'G', 'I', 'X', '5', '5', '6', '1' };
		enip_cip(&s, session, &ctx, 0x0e, 0x01, 1, 7, NULL, 0, 0, name, sizeof(name));
		const uint8_t all[] = { 0x01, 0x00, 0x0e, 0x00, 0x36, 0x00, 0x14, 0x0b, 0x60, 0x00,
					0x7d, 0x3a, 0x9c, 0x00, 4, 'L', '6', '1', 'B' };
		enip_cip(&s, session, &ctx, 0x01, 0x01, 1, 0, NULL, 0, 0, all, sizeof(all));
	}
	plant_enip_poll(&s, session, &ctx, 2);
	/* a Multiple Service Packet with two symbolic tag reads */
	{
		uint8_t d[64];
		size_t n = 0;
		d[n++] = 2; d[n++] = 0;
		d[n++] = 6; d[n++] = 0;
		size_t o2 = n;
		d[n++] = 0; d[n++] = 0;
		/* read tag "Speed" (0x4c), path: ANSI extended symbol */
		d[n++] = 0x4c; d[n++] = 4; d[n++] = 0x91; d[n++] = 5;
		memcpy(d + n, "Speed\0", 6); n += 6;
		d[n++] = 1; d[n++] = 0;
		d[o2] = (uint8_t)(n - 0);
		d[n++] = 0x4c; d[n++] = 3; d[n++] = 0x91; d[n++] = 4;
		memcpy(d + n, "Temp", 4); n += 4;
		d[n++] = 1; d[n++] = 0;
		const uint8_t rd[] = { 2, 0, 6, 0, 16, 0, 0xcc, 0, 0, 0, 0xc4, 0, 0x10, 0x27, 0, 0,
				       0xcc, 0, 0, 0, 0xca, 0, 0, 0, 0x20, 0x42 };
		enip_cip(&s, session, &ctx, 0x0a, 0x02, 1, 0, d, n, 0, rd, sizeof(rd));
	}
	/* Forward_Open to the connection manager, then connected data */
	{
		uint8_t fo[42];
		memset(fo, 0, sizeof(fo));
		fo[0] = 0x0a; fo[1] = 0x0e; /* priority, timeout ticks */
		fo[10] = 0x01; fo[11] = 0x00; /* connection serial */
		fo[12] = 0x4d; fo[13] = 0x00; /* vendor */
		fo[18] = 1;                   /* timeout multiplier */
		fo[22] = 0x40; fo[23] = 0x4b; fo[24] = 0x4c; /* O->T RPI 5 s */
		fo[26] = 0xf6; fo[27] = 0x43; /* O->T parameters */
		fo[28] = 0x40; fo[29] = 0x4b; fo[30] = 0x4c; /* T->O RPI */
		fo[32] = 0xf6; fo[33] = 0x43;
		fo[34] = 0xa3;                /* transport: class 3 */
		fo[35] = 3;                   /* path: port 1 slot 0, message router */
		fo[36] = 0x01; fo[37] = 0x00; fo[38] = 0x20; fo[39] = 0x02; fo[40] = 0x24; fo[41] = 0x01;
		const uint8_t rd[] = { 0x01, 0x00, 0x12, 0x80, 0x02, 0x00, 0x12, 0x80, 0x01, 0x00,
				       0x4d, 0x00, 0x7d, 0x3a, 0x9c, 0x00, 0x40, 0x4b, 0x4c, 0x00,
				       0x40, 0x4b, 0x4c, 0x00, 0x00, 0x00 };
		enip_cip(&s, session, &ctx, 0x54, 0x06, 1, 0, fo, sizeof(fo), 0, rd, sizeof(rd));
		/* SendUnitData: connected address + connected data with a sequence count */
		cip_req(&c, 0x0e, 0x01, 1, 1, NULL, 0);
		enip_hdr(&q, 0x0070, (uint16_t)(6 + 2 + 8 + 4 + 2 + c.n), session, 0, 0);
		b_le32(&q, 0);
		b_le16(&q, 0);
		b_le16(&q, 2);
		b_le16(&q, 0x00a1);
		b_le16(&q, 4);
		b_le32(&q, 0x80120001);
		b_le16(&q, 0x00b1);
		b_le16(&q, (unsigned)(2 + c.n));
		b_le16(&q, 1);
		b_bytes(&q, c.b, c.n);
		cip_resp(&c, 0x0e, 0, (const uint8_t[]){ 0x01, 0x00 }, 2);
		enip_hdr(&r, 0x0070, (uint16_t)(6 + 2 + 8 + 4 + 2 + c.n), session, 0, 0);
		b_le32(&r, 0);
		b_le16(&r, 0);
		b_le16(&r, 2);
		b_le16(&r, 0x00a1);
		b_le16(&r, 4);
		b_le32(&r, 0x80020001);
		b_le16(&r, 0x00b1);
		b_le16(&r, (unsigned)(2 + c.n));
		b_le16(&r, 1);
		b_bytes(&r, c.b, c.n);
		enip_x(&s, &q, &r);
	}
	/* Unconnected Send wrapping a Get_Attribute_Single to a backplane slot */
	{
		static struct buf inner;
		cip_req(&inner, 0x0e, 0x01, 1, 1, NULL, 0);
		uint8_t d[64];
		size_t n = 0;
		d[n++] = 0x0a; d[n++] = 0x0e;
		d[n++] = (uint8_t)inner.n; d[n++] = 0;
		memcpy(d + n, inner.b, inner.n);
		n += inner.n;
		if (inner.n & 1)
			d[n++] = 0;
		d[n++] = 1; d[n++] = 0; d[n++] = 0x01; d[n++] = 0x00; /* route: port 1, slot 0 */
		const uint8_t rd[] = { 0x01, 0x00 };
		enip_cip(&s, session, &ctx, 0x52, 0x06, 1, 0, d, n, 0, rd, 2);
	}
	/* a CIP error status */
	enip_cip(&s, session, &ctx, 0x0e, 0x01, 1, 99, NULL, 0, 0x14, NULL, 0);
	/* unregister */
	enip_hdr(&q, 0x0066, 0, session, 0, ctx++);
	tcp_send(&s, DIR_C2S, q.b, q.n);
	tcp_close(&s);

	/* ListIdentity over UDP, answered by a device */
	sess_init(&s, g, 17, m, 44818, plc, 44818, false);
	enip_hdr(&q, 0x0063, 0, 0, 0, 0);
	udp_send(&s, DIR_C2S, q.b, q.n);
	enip_list_identity_resp(&r, 0, 1, 14, 54, 20, 11, 0x009c3a7d, "1756-L61/B LOGIX5561");
	udp_send(&s, DIR_S2C, r.b, r.n);

	/* class 1 implicit I/O on UDP 2222 */
	sess_init(&s, g, 17, m, 2222, plc, 2222, false);
	for (uint32_t i = 0; i < 3; i++) {
		b_reset(&q);
		b_le16(&q, 2);
		b_le16(&q, 0x8002);
		b_le16(&q, 8);
		b_le32(&q, 0x00120001);
		b_le32(&q, 100 + i);
		b_le16(&q, 0x00b1);
		b_le16(&q, 6);
		b_le16(&q, (unsigned)(100 + i));
		b_le32(&q, 0x0000ff00u + i);
		udp_send(&s, DIR_S2C, q.b, q.n);
	}

	/* ---- anomalies ---- */
	host(ip, 51);
	sess_init(&s, g, 6, m, 40501, ip, 44818, false);
	tcp_open(&s);
	enip_register(&s, 7, ctx++);
	enip_hdr(&q, 0x0065, 0, 0, 0, ctx++); /* RegisterSession without its data */
	enip_hdr(&r, 0x0065, 0, 0, 0x65, ctx - 1);
	enip_x(&s, &q, &r);
	enip_hdr(&q, 0x0099, 0, 7, 0, ctx++); /* no such command */
	tcp_exchange(&s, &q, NULL);
	{
		/* a CPF item whose length runs past the message */
		enip_hdr(&q, 0x006f, 16, 7, 0, ctx++);
		b_le32(&q, 0);
		b_le16(&q, 0);
		b_le16(&q, 2);
		b_le16(&q, 0);
		b_le16(&q, 0);
		b_le16(&q, 0x00b2);
		b_le16(&q, 40);
		tcp_exchange(&s, &q, NULL);
		/* a path segment that cannot be decoded */
		const uint8_t bad[] = { 0x0e, 2, 0xe7, 0x11, 0x22, 0x33 };
		enip_rr(&q, 7, ctx++, bad, sizeof(bad));
		tcp_exchange(&s, &q, NULL);
		/* a Multiple Service Packet with 70 services */
		uint8_t d[2 + 70 * 2 + 70 * 2];
		size_t n = 0;
		d[n++] = 70;
		d[n++] = 0;
		size_t first = 2 + 70 * 2;
		for (int i = 0; i < 70; i++) {
			size_t off = first + (size_t)i * 2;
			d[n++] = (uint8_t)off;
			d[n++] = (uint8_t)(off >> 8);
		}
		for (int i = 0; i < 70; i++) {
			d[n++] = 0x17; /* No_Operation, empty path */
			d[n++] = 0;
		}
		cip_req(&c, 0x0a, 0x02, 1, 0, d, n);
		enip_rr(&q, 7, ctx++, c.b, c.n);
		tcp_exchange(&s, &q, NULL);
		/* a reply nobody asked for */
		cip_resp(&c, 0x0e, 0, NULL, 0);
		enip_rr(&r, 7, 0xdeadbeef, c.b, c.n);
		tcp_send(&s, DIR_S2C, r.b, r.n);
		tcp_ack(&s, DIR_C2S);
	}
	tcp_close(&s);

	/* ---- attacks from a host that is not a master ---- */
	rogue(ip);
	sess_init(&s, g, 6, ip, 55000, plc, 44818, false);
	tcp_open(&s);
	session = 0x55;
	enip_register(&s, session, ctx++);
	enip_cip(&s, session, &ctx, 0x05, 0x01, 1, 0, (const uint8_t[]){ 0x01 }, 1, 0, NULL, 0); /* reset identity */
	enip_cip(&s, session, &ctx, 0x07, 0x8e, 1, 0, NULL, 0, 0, NULL, 0);   /* stop */
	enip_cip(&s, session, &ctx, 0x06, 0x8e, 1, 0, NULL, 0, 0, NULL, 0);   /* start */
	enip_cip(&s, session, &ctx, 0x10, 0xf5, 1, 5, (const uint8_t[]){ 10, 0, 1, 66 }, 4, 0, NULL, 0); /* set IP */
	enip_cip(&s, session, &ctx, 0x02, 0x01, 1, 0, NULL, 0, 0x08, NULL, 0);  /* set attributes all */
	enip_cip(&s, session, &ctx, 0x4d, 0x02, 1, 0, (const uint8_t[]){ 0xc4, 0, 1, 0, 0xff, 0xff, 0, 0 }, 8, 0, NULL, 0); /* write tag */
	enip_cip(&s, session, &ctx, 0x09, 0x04, 150, 0, NULL, 0, 0, NULL, 0);  /* delete */
	enip_cip(&s, session, &ctx, 0x15, 0x04, 1, 0, NULL, 0, 0, NULL, 0);    /* restore */
	/* ListIdentity scan over TCP */
	enip_hdr(&q, 0x0063, 0, 0, 0, ctx);
	enip_list_identity_resp(&r, ctx++, 1, 14, 54, 20, 11, 0x009c3a7d, "1756-L61/B LOGIX5561");
	enip_x(&s, &q, &r);
	tcp_close(&s);
	return 0;
}
