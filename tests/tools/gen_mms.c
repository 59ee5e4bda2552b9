/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario mms: IEC 61850 MMS over ISO-on-TCP (port 102). A station
 * computer polls an IED (association, identify, name lists, reads, reports,
 * writes, control), an engineering workstation uses the file, domain and
 * program-invocation services, a rogue host discovers, writes, operates and
 * is refused; MMS on a non-standard port, a flow picked up mid-stream, MMS
 * without the session and presentation layers, an S7comm flow on the same
 * port, every event of the parser, and broken headers at every layer.
 * Layouts as sensor/proto/mms.c says (RFC 1006, ISO 8073, 8327-1, 8823,
 * 8650-1, 9506-2).
 */
#include <string.h>

#include "gen.h"

/* ---- BER, written in place: a TLV is opened, its contents written, and
 * its length inserted (shortest form) when it is closed ---- */

struct ber {
	struct buf *b;
	size_t at[32];
	int n;
};

/* tag: one identifier byte, or two (0xbf28: [40] constructed) */
static void bo(struct ber *e, unsigned tag)
{
	if (tag > 0xff)
		b_u8(e->b, tag >> 8);
	b_u8(e->b, tag & 0xff);
	e->at[e->n++] = e->b->n;
}

static void bc(struct ber *e)
{
	size_t at = e->at[--e->n];
	size_t len = e->b->n - at;
	size_t k = len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 4;
	memmove(e->b->b + at + k, e->b->b + at, len);
	e->b->n += k;
	if (k == 1) {
		e->b->b[at] = (uint8_t)len;
		return;
	}
	e->b->b[at] = (uint8_t)(0x80 + k - 1);
	for (size_t i = 1; i < k; i++)
		e->b->b[at + i] = (uint8_t)(len >> (8 * (k - 1 - i)));
}

static void bp(struct ber *e, unsigned tag, const void *p, size_t n)
{
	bo(e, tag);
	b_bytes(e->b, p, n);
	bc(e);
}

static void bs(struct ber *e, unsigned tag, const char *s)
{
	bp(e, tag, s, strlen(s));
}

/* INTEGER in its shortest two's complement form */
static void bi(struct ber *e, unsigned tag, int64_t v)
{
	uint8_t t[9];
	int n = 0;
	do {
		t[n++] = (uint8_t)(v & 0xff);
		v >>= 8;
	} while (!((v == 0 && !(t[n - 1] & 0x80)) || (v == -1 && (t[n - 1] & 0x80))));
	bo(e, tag);
	while (n)
		b_u8(e->b, t[--n]);
	bc(e);
}

static void bnull(struct ber *e, unsigned tag)
{
	bp(e, tag, NULL, 0);
}

/* a confirmed service's tag: [n], constructed or not */
static unsigned svc_tag(unsigned n, bool cons)
{
	if (n < 31)
		return (cons ? 0xa0u : 0x80u) | n;
	return (cons ? 0xbf00u : 0x9f00u) | n;
}

/* ObjectName: domain-specific [1] { domainId, itemId } or vmd-specific [0] */
static void obj_dom(struct ber *e, const char *dom, const char *item)
{
	bo(e, 0xa1);
	bs(e, 0x1a, dom);
	bs(e, 0x1a, item);
	bc(e);
}

static void file_name(struct ber *e, unsigned tag, const char *name)
{
	bo(e, tag);
	bs(e, 0x19, name);
	bc(e);
}

/* a TLV header for contents of len bytes, and its size */
static size_t hlen(size_t len)
{
	return 1 + (len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : 4);
}

static void hdr(struct buf *b, unsigned tag, size_t len)
{
	b_u8(b, tag);
	if (len < 0x80) {
		b_u8(b, (unsigned)len);
	} else if (len < 0x100) {
		b_u8(b, 0x81);
		b_u8(b, (unsigned)len);
	} else if (len < 0x10000) {
		b_u8(b, 0x82);
		b_be16(b, (unsigned)len);
	} else {
		b_u8(b, 0x83);
		b_u8(b, (unsigned)(len >> 16));
		b_be16(b, (unsigned)(len & 0xffff));
	}
}

/* ---- the layers under MMS ---- */

#define CTX_ACSE 1
#define CTX_MMS 3

static struct buf pdu, tsdu, out;

/* TPKT + COTP DT (EOT) around a TSDU. */
static void tpkt_dt(struct buf *o, const struct buf *t)
{
	b_reset(o);
	b_u8(o, 3);
	b_u8(o, 0);
	b_be16(o, (unsigned)(t->n + 7));
	b_u8(o, 2);
	b_u8(o, 0xf0);
	b_u8(o, 0x80);
	b_bytes(o, t->b, t->n);
}

/* User-data: fully-encoded-data with one PDV of context ctx holding p. */
static void user_data(struct ber *e, unsigned ctx, const struct buf *p)
{
	bo(e, 0x61);
	bo(e, 0x30);
	bi(e, 0x02, ctx);
	bo(e, 0xa0);
	b_bytes(e->b, p->b, p->n);
	bc(e);
	bc(e);
	bc(e);
}

/* GIVE TOKENS + DATA TRANSFER + P-DATA of the MMS PDU in pdu */
static void p_data(struct buf *o, unsigned ctx)
{
	b_reset(&tsdu);
	struct ber e = { &tsdu, { 0 }, 0 };
	b_u8(&tsdu, 1);
	b_u8(&tsdu, 0);
	b_u8(&tsdu, 1);
	b_u8(&tsdu, 0);
	user_data(&e, ctx, &pdu);
	tpkt_dt(o, &tsdu);
}

/* an SPDU: SI, LI (one byte, or 0xff and two), parameters in params */
static void spdu(struct buf *o, uint8_t si, const struct buf *params)
{
	b_u8(o, si);
	if (params->n < 255) {
		b_u8(o, (unsigned)params->n);
	} else {
		b_u8(o, 0xff);
		b_be16(o, (unsigned)params->n);
	}
	b_bytes(o, params->b, params->n);
}

/* session parameter: PI/PGI, LI, value */
static void sparam(struct buf *o, uint8_t code, const void *v, size_t n)
{
	b_u8(o, code);
	if (n < 255) {
		b_u8(o, (unsigned)n);
	} else {
		b_u8(o, 0xff);
		b_be16(o, (unsigned)n);
	}
	b_bytes(o, v, n);
}

static const uint8_t oid_acse[] = { 0x52, 0x01, 0x00, 0x01 };
static const uint8_t oid_mms[] = { 0x28, 0xca, 0x22, 0x02, 0x01 };
static const uint8_t oid_mms_ctx[] = { 0x28, 0xca, 0x22, 0x02, 0x03 };
static const uint8_t oid_ber[] = { 0x51, 0x01 };
static const uint8_t oid_password[] = { 0x52, 0x03, 0x01 }; /* 2.2.3.1 */
static const uint8_t ap_client[] = { 0x29, 0x01, 0x87, 0x67 };       /* 1.1.1.999 */
static const uint8_t ap_server[] = { 0x29, 0x01, 0x87, 0x67, 0x01 }; /* 1.1.1.999.1 */

/* Initiate-RequestPDU / -ResponsePDU (ISO 9506-2 8.2) into pdu */
static void initiate(bool response, int max_serv)
{
	static const uint8_t cbb[] = { 0x03, 0xee, 0x00 };
	static const uint8_t svcs[] = { 0x03, 0xee, 0x1c, 0x00, 0x00, 0x04, 0x08, 0x00, 0x00, 0x79,
					0xef, 0x18 };
	b_reset(&pdu);
	struct ber e = { &pdu, { 0 }, 0 };
	bo(&e, response ? 0xa9 : 0xa8);
	bi(&e, 0x80, 65000);
	bi(&e, 0x81, max_serv);
	bi(&e, 0x82, max_serv);
	bi(&e, 0x83, 10);
	bo(&e, 0xa4);
	bi(&e, 0x80, 1);
	bp(&e, 0x81, cbb, sizeof(cbb));
	bp(&e, 0x82, svcs, sizeof(svcs));
	bc(&e);
	bc(&e);
}

/* ACSE AARQ (password: an authentication value) or AARE around pdu */
static void acse(struct buf *o, bool aare, int result, int diag, const char *password)
{
	struct ber e = { o, { 0 }, 0 };
	bo(&e, aare ? 0x61 : 0x60);
	bo(&e, 0xa1);
	bp(&e, 0x06, oid_mms_ctx, sizeof(oid_mms_ctx));
	bc(&e);
	if (aare) {
		bo(&e, 0xa2);
		bi(&e, 0x02, result);
		bc(&e);
		bo(&e, 0xa3);
		bo(&e, 0xa1);
		bi(&e, 0x02, diag);
		bc(&e);
		bc(&e);
		bo(&e, 0xa4);
		bp(&e, 0x06, ap_server, sizeof(ap_server));
		bc(&e);
	} else {
		bo(&e, 0xa2);
		bp(&e, 0x06, ap_server, sizeof(ap_server));
		bc(&e);
		bo(&e, 0xa6);
		bp(&e, 0x06, ap_client, sizeof(ap_client));
		bc(&e);
		if (password) {
			static const uint8_t req[] = { 0x07, 0x80 }; /* authentication */
			bp(&e, 0x8a, req, sizeof(req));
			bp(&e, 0x8b, oid_password, sizeof(oid_password));
			bo(&e, 0xac);
			bs(&e, 0x80, password);
			bc(&e);
		}
	}
	if (pdu.n) {
		bo(&e, 0xbe);
		bo(&e, 0x28);
		bp(&e, 0x06, oid_ber, sizeof(oid_ber));
		bi(&e, 0x02, CTX_MMS);
		bo(&e, 0xa0);
		b_bytes(o, pdu.b, pdu.n);
		bc(&e);
		bc(&e);
		bc(&e);
	}
	bc(&e);
}

/* CONNECT (CP-type, AARQ, initiate-Request) or ACCEPT (CPA-PPDU, AARE,
 * initiate-Response), in a TPKT */
static void connect_spdu(struct buf *o, bool accept, int result, int diag, const char *password)
{
	static struct buf acse_b, pres, params;
	static const uint8_t sel[] = { 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t cai[] = { 0x13, 0x01, 0x00, 0x16, 0x01, 0x02 };
	static const uint8_t req[] = { 0x00, 0x02 };
	static const uint8_t ssel[] = { 0x00, 0x01 };
	b_reset(&acse_b);
	acse(&acse_b, accept, result, diag, password);
	b_reset(&pres);
	struct ber e = { &pres, { 0 }, 0 };
	bo(&e, 0x31);
	bo(&e, 0xa0);
	bi(&e, 0x80, 1);
	bc(&e);
	bo(&e, 0xa2);
	if (accept) {
		bp(&e, 0x83, sel, sizeof(sel));
		bo(&e, 0xa5);
		for (int i = 0; i < 2; i++) {
			bo(&e, 0x30);
			bi(&e, 0x80, 0);
			bp(&e, 0x81, oid_ber, sizeof(oid_ber));
			bc(&e);
		}
		bc(&e);
	} else {
		bp(&e, 0x81, sel, sizeof(sel));
		bp(&e, 0x82, sel, sizeof(sel));
		bo(&e, 0xa4);
		for (int i = 0; i < 2; i++) {
			bo(&e, 0x30);
			bi(&e, 0x02, i ? CTX_MMS : CTX_ACSE);
			if (i)
				bp(&e, 0x06, oid_mms, sizeof(oid_mms));
			else
				bp(&e, 0x06, oid_acse, sizeof(oid_acse));
			bo(&e, 0x30);
			bp(&e, 0x06, oid_ber, sizeof(oid_ber));
			bc(&e);
			bc(&e);
		}
		bc(&e);
	}
	bo(&e, 0x61);
	bo(&e, 0x30);
	bi(&e, 0x02, CTX_ACSE);
	bo(&e, 0xa0);
	b_bytes(&pres, acse_b.b, acse_b.n);
	bc(&e);
	bc(&e);
	bc(&e);
	bc(&e);
	bc(&e);
	b_reset(&params);
	sparam(&params, 5, cai, sizeof(cai));
	sparam(&params, 20, req, sizeof(req));
	if (!accept) {
		sparam(&params, 51, ssel, sizeof(ssel));
		sparam(&params, 52, ssel, sizeof(ssel));
	}
	sparam(&params, 193, pres.b, pres.n);
	b_reset(&tsdu);
	spdu(&tsdu, accept ? 14 : 13, &params);
	tpkt_dt(o, &tsdu);
}

/* FINISH (RLRQ) or DISCONNECT (RLRE), or ABORT (ARU with ABRT) */
static void release_spdu(struct buf *o, uint8_t si)
{
	static struct buf ud, params;
	b_reset(&pdu);
	struct ber a = { &pdu, { 0 }, 0 };
	bo(&a, si == 9 ? 0x62 : si == 10 ? 0x63 : 0x64);
	bi(&a, 0x80, 0);
	bc(&a);
	b_reset(&ud);
	struct ber e = { &ud, { 0 }, 0 };
	if (si == 25)
		bo(&e, 0xa0); /* ARU-PPDU, normal mode */
	user_data(&e, CTX_ACSE, &pdu);
	if (si == 25)
		bc(&e);
	b_reset(&params);
	if (si != 10) {
		static const uint8_t td[] = { 0x03 };
		sparam(&params, 17, td, sizeof(td));
	}
	sparam(&params, 193, ud.b, ud.n);
	b_reset(&tsdu);
	spdu(&tsdu, si, &params);
	tpkt_dt(o, &tsdu);
}

/* ---- MMS PDUs into pdu ---- */

static struct ber pe;

/* confirmed-RequestPDU { invokeID, ... } */
static void req_head(uint32_t invoke)
{
	b_reset(&pdu);
	pe.b = &pdu;
	pe.n = 0;
	bo(&pe, 0xa0);
	bi(&pe, 0x02, invoke);
}

static void req_begin(uint32_t invoke, unsigned svc, bool cons)
{
	req_head(invoke);
	bo(&pe, svc_tag(svc, cons));
}

static void resp_begin(uint32_t invoke, unsigned svc, bool cons)
{
	b_reset(&pdu);
	pe.b = &pdu;
	pe.n = 0;
	bo(&pe, 0xa1);
	bi(&pe, 0x02, invoke);
	bo(&pe, svc_tag(svc, cons));
}

/* closes what req_begin/resp_begin opened */
static void end(void)
{
	while (pe.n)
		bc(&pe);
}

/* requests whose argument is an Integer32 or an Identifier */
static void req_int(uint32_t invoke, unsigned svc, int64_t v)
{
	req_head(invoke);
	bi(&pe, svc_tag(svc, false), v);
	end();
}

static void req_str(uint32_t invoke, unsigned svc, const char *v)
{
	req_head(invoke);
	bs(&pe, svc_tag(svc, false), v);
	end();
}

/* a response with a NULL result */
static void resp_null(uint32_t invoke, unsigned svc)
{
	resp_begin(invoke, svc, false);
	end();
}

static void error_pdu(uint32_t invoke, unsigned cls, int code)
{
	b_reset(&pdu);
	pe.b = &pdu;
	pe.n = 0;
	bo(&pe, 0xa2);
	bi(&pe, 0x80, invoke);
	bo(&pe, 0xa2);
	bo(&pe, 0xa0);
	bi(&pe, 0x80 | cls, code);
	bc(&pe);
	end();
}

/* read of domain-specific variables, or of a named variable list */
static void read_req(uint32_t invoke, const char *dom, const char *const *items, unsigned n,
		     bool list)
{
	req_begin(invoke, 4, true);
	bo(&pe, 0xa1);
	if (list) {
		bo(&pe, 0xa1);
		obj_dom(&pe, dom, items[0]);
		bc(&pe);
	} else {
		bo(&pe, 0xa0);
		for (unsigned i = 0; i < n; i++) {
			bo(&pe, 0x30);
			bo(&pe, 0xa0);
			obj_dom(&pe, dom, items[i]);
			bc(&pe);
			bc(&pe);
		}
		bc(&pe);
	}
	end();
}

/* a measured value: structure { mag structure { f float }, q bit-string, t utc-time } */
static void mv_value(float f, uint32_t t)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	uint8_t fl[5] = { 8, (uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u };
	uint8_t q[3] = { 3, 0x00, 0x00 };
	uint8_t ts[8] = { (uint8_t)(t >> 24), (uint8_t)(t >> 16), (uint8_t)(t >> 8), (uint8_t)t,
			  0x80, 0x00, 0x00, 0x0a };
	bo(&pe, 0xa2);
	bo(&pe, 0xa2);
	bp(&pe, 0x87, fl, sizeof(fl));
	bc(&pe);
	bp(&pe, 0x84, q, sizeof(q));
	bp(&pe, 0x91, ts, sizeof(ts));
	bc(&pe);
}

/* write: domain-specific variables, then the data written by the caller */
static void write_begin(uint32_t invoke, const char *dom, const char *item)
{
	req_begin(invoke, 5, true);
	bo(&pe, 0xa0);
	bo(&pe, 0x30);
	bo(&pe, 0xa0);
	obj_dom(&pe, dom, item);
	bc(&pe);
	bc(&pe);
	bc(&pe);
	bo(&pe, 0xa0);
}

/* IEC 61850 Oper: structure { ctlVal, origin { orCat, orIdent }, ctlNum, T, Test, Check } */
static void oper_value(bool val, uint32_t t)
{
	uint8_t ts[8] = { (uint8_t)(t >> 24), (uint8_t)(t >> 16), (uint8_t)(t >> 8), (uint8_t)t,
			  0, 0, 0, 0x0a };
	uint8_t b = val;
	uint8_t chk[2] = { 6, 0x00 };
	bo(&pe, 0xa2);
	bp(&pe, 0x83, &b, 1);
	bo(&pe, 0xa2);
	bi(&pe, 0x85, 3);
	bs(&pe, 0x89, "SCADA");
	bc(&pe);
	bi(&pe, 0x86, 1);
	bp(&pe, 0x91, ts, sizeof(ts));
	b = 0;
	bp(&pe, 0x83, &b, 1);
	bp(&pe, 0x84, chk, sizeof(chk));
	bc(&pe);
}

static void write_resp(uint32_t invoke, int failure)
{
	resp_begin(invoke, 5, true);
	if (failure >= 0)
		bi(&pe, 0x80, failure);
	else
		bnull(&pe, 0x81);
	end();
}

static void get_name_list(uint32_t invoke, int cls, const char *dom, const char *after)
{
	req_begin(invoke, 1, true);
	bo(&pe, 0xa0);
	bi(&pe, 0x80, cls);
	bc(&pe);
	bo(&pe, 0xa1);
	if (dom)
		bs(&pe, 0x81, dom);
	else
		bnull(&pe, 0x80);
	bc(&pe);
	if (after)
		bs(&pe, 0x82, after);
	end();
}

static void name_list_resp(uint32_t invoke, const char *const *ids, unsigned n, unsigned repeat,
			   bool more)
{
	resp_begin(invoke, 1, true);
	bo(&pe, 0xa0);
	for (unsigned r = 0; r < repeat; r++)
		for (unsigned i = 0; i < n; i++)
			bs(&pe, 0x1a, ids[i]);
	bc(&pe);
	uint8_t m = more;
	bp(&pe, 0x81, &m, 1);
	end();
}

/* ---- sending ---- */

static void send_pdu(struct sess *s, int dir)
{
	p_data(&out, CTX_MMS);
	tcp_send(s, dir, out.b, out.n);
}

/* the TSDU of pdu in DT TPDUs carrying at most seg bytes each */
static void send_segmented(struct sess *s, int dir, size_t seg)
{
	static struct buf t;
	b_reset(&tsdu);
	struct ber e = { &tsdu, { 0 }, 0 };
	b_u8(&tsdu, 1);
	b_u8(&tsdu, 0);
	b_u8(&tsdu, 1);
	b_u8(&tsdu, 0);
	user_data(&e, CTX_MMS, &pdu);
	for (size_t off = 0; off < tsdu.n; off += seg) {
		size_t k = tsdu.n - off < seg ? tsdu.n - off : seg;
		b_reset(&t);
		b_u8(&t, 3);
		b_u8(&t, 0);
		b_be16(&t, (unsigned)(k + 7));
		b_u8(&t, 2);
		b_u8(&t, 0xf0);
		b_u8(&t, off + k == tsdu.n ? 0x80 : 0x00);
		b_bytes(&t, tsdu.b + off, k);
		tcp_send(s, dir, t.b, t.n);
	}
}

/* request from the client, its answer from the server */
static void x_req(struct sess *s)
{
	send_pdu(s, DIR_C2S);
}

static void x_resp(struct sess *s)
{
	send_pdu(s, DIR_S2C);
	tcp_ack(s, DIR_C2S);
}

static void associate(struct sess *s, const char *password, int result, int diag)
{
	static struct buf q, r;
	s7_cotp_cr(&q, false, 0x0001, 0x0001);
	s7_cotp_cr(&r, true, 0x0001, 0x0001);
	tcp_exchange(s, &q, &r);
	initiate(false, 10);
	connect_spdu(&q, false, 0, 0, password);
	if (result == 0)
		initiate(true, 10);
	else
		b_reset(&pdu);
	connect_spdu(&r, true, result, diag, NULL);
	tcp_exchange(s, &q, &r);
}

static void conclude_and_release(struct sess *s)
{
	static struct buf q;
	b_reset(&pdu);
	pe.b = &pdu;
	pe.n = 0;
	bnull(&pe, 0x8b);
	x_req(s);
	b_reset(&pdu);
	bnull(&pe, 0x8c);
	x_resp(s);
	release_spdu(&q, 9);
	tcp_send(s, DIR_C2S, q.b, q.n);
	release_spdu(&q, 10);
	tcp_send(s, DIR_S2C, q.b, q.n);
	tcp_close(s);
}

/* ======================================================================== */

static void host(uint8_t ip[16], unsigned last)
{
	ip4(ip, 10, 0, 0, last);
}

static const char *const lds[] = { "IED1LD0", "IED1PROT", "IED1MEAS", "IED1CTRL" };
static const char *const vars[] = {
	"LLN0", "LLN0$ST", "LLN0$ST$Mod", "LLN0$ST$Mod$stVal", "LLN0$CO$Mod$Oper",
	"MMXU1$MX$TotW$mag$f", "MMXU1$MX$Hz$mag$f", "XCBR1$ST$Pos$stVal", "XCBR1$CO$Pos$Oper",
	"XCBR1$CO$Pos$SBOw", "PTOC1$SP$StrVal$setMag$f",
};

/* The station computer (a master) polls and operates the IED. */
static void station(struct gen *g, const uint8_t *m, const uint8_t *ied, uint16_t port)
{
	struct sess s;
	uint32_t id = 1;
	sess_init(&s, g, 6, m, 50100, ied, port, false);
	tcp_open(&s);
	associate(&s, NULL, 0, 0);

	/* identify: vendor, model, revision for the asset inventory */
	req_begin(id, 2, false);
	end();
	x_req(&s);
	resp_begin(id++, 2, true);
	bs(&pe, 0x80, "Vigil Relays");
	bs(&pe, 0x81, "VR-61850");
	bs(&pe, 0x82, "4.2.1");
	end();
	x_resp(&s);

	/* the logical devices, then the variables of one, in two parts */
	get_name_list(id, 9, NULL, NULL);
	x_req(&s);
	name_list_resp(id++, lds, 4, 1, false);
	x_resp(&s);
	get_name_list(id, 0, "IED1MEAS", NULL);
	x_req(&s);
	name_list_resp(id++, vars, 11, 6, true); /* 66 names: three DT TPDUs */
	send_segmented(&s, DIR_S2C, 400);
	tcp_ack(&s, DIR_C2S);
	get_name_list(id, 0, "IED1MEAS", "XCBR1$CO$Pos$SBOw");
	x_req(&s);
	name_list_resp(id++, vars + 10, 1, 1, false);
	x_resp(&s);

	/* variable attributes */
	req_begin(id, 6, true);
	bo(&pe, 0xa0);
	obj_dom(&pe, "IED1MEAS", "MMXU1$MX$TotW");
	end();
	x_req(&s);
	resp_begin(id++, 6, true);
	{
		uint8_t f = 0; /* mmsDeletable FALSE, typeSpecification boolean */
		bp(&pe, 0x80, &f, 1);
	}
	bo(&pe, 0xa2);
	bnull(&pe, 0x83);
	bc(&pe);
	end();
	x_resp(&s);

	/* a read of two measurements, and of a data set by its name */
	const char *const mx[] = { "MMXU1$MX$TotW", "MMXU1$MX$Hz" };
	read_req(id, "IED1MEAS", mx, 2, false);
	x_req(&s);
	resp_begin(id++, 4, true);
	bo(&pe, 0xa1);
	mv_value(1250.5f, 1700000000);
	mv_value(50.02f, 1700000000);
	end();
	x_resp(&s);
	const char *const ds[] = { "LLN0$Measurements" };
	read_req(id, "IED1MEAS", ds, 1, true);
	x_req(&s);
	resp_begin(id++, 4, true);
	bo(&pe, 0xa1);
	mv_value(1251.0f, 1700000001);
	bi(&pe, 0x80, 10); /* object-non-existent */
	end();
	x_resp(&s);

	/* a buffered report from the IED */
	b_reset(&pdu);
	pe.b = &pdu;
	pe.n = 0;
	bo(&pe, 0xa3);
	bo(&pe, 0xa0);
	bo(&pe, 0xa1);
	bs(&pe, 0x80, "RPT");
	bc(&pe);
	bo(&pe, 0xa0);
	bs(&pe, 0x8a, "IED1MEAS/LLN0$BR$brcbMX01");
	{
		uint8_t opt[3] = { 6, 0x7a, 0x00 };
		bp(&pe, 0x84, opt, sizeof(opt));
	}
	bi(&pe, 0x86, 77);
	mv_value(1249.75f, 1700000002);
	end();
	send_pdu(&s, DIR_S2C);

	/* a setting changed by the master, and a breaker operated */
	write_begin(id, "IED1PROT", "PTOC1$SP$StrVal$setMag$f");
	{
		uint8_t fl[5] = { 8, 0x42, 0xc8, 0x00, 0x00 }; /* 100.0 */
		bp(&pe, 0x87, fl, sizeof(fl));
	}
	end();
	x_req(&s);
	write_resp(id++, -1);
	x_resp(&s);
	write_begin(id, "IED1CTRL", "XCBR1$CO$Pos$Oper");
	oper_value(true, 1700000003);
	end();
	x_req(&s);
	write_resp(id++, -1);
	x_resp(&s);

	/* status */
	req_head(id);
	{
		uint8_t f = 0;
		bp(&pe, 0x80, &f, 1);
	}
	end();
	x_req(&s);
	resp_begin(id++, 0, true);
	bi(&pe, 0x80, 0);
	bi(&pe, 0x81, 0);
	end();
	x_resp(&s);
	conclude_and_release(&s);
}

/* The engineering workstation: files, domains, program invocations. */
static void engineering(struct gen *g, const uint8_t *ew, const uint8_t *ied)
{
	struct sess s;
	uint32_t id = 100;
	sess_init(&s, g, 6, ew, 50200, ied, 102, false);
	tcp_open(&s);
	associate(&s, "engineer", 0, 0);

	/* files: directory, upload of a fault record, a file pushed, renamed, deleted */
	req_begin(id, 77, true);
	file_name(&pe, 0xa0, "/COMTRADE/");
	end();
	x_req(&s);
	resp_begin(id++, 77, true);
	bo(&pe, 0xa0); /* [0] { SEQUENCE OF DirectoryEntry } */
	bo(&pe, 0x30);
	bo(&pe, 0x30);
	file_name(&pe, 0xa0, "/COMTRADE/fault1.cfg");
	bo(&pe, 0xa1);
	bi(&pe, 0x80, 1200);
	bc(&pe);
	bc(&pe);
	bc(&pe);
	bc(&pe);
	end();
	x_resp(&s);
	req_begin(id, 72, true);
	file_name(&pe, 0xa0, "/COMTRADE/fault1.cfg");
	bi(&pe, 0x81, 0);
	end();
	x_req(&s);
	resp_begin(id++, 72, true);
	bi(&pe, 0x80, 7);
	bo(&pe, 0xa1);
	bi(&pe, 0x80, 1200);
	bc(&pe);
	end();
	x_resp(&s);
	req_int(id, 73, 7);
	x_req(&s);
	resp_begin(id++, 73, true);
	bs(&pe, 0x80, "fault record 1");
	{
		uint8_t f = 0;
		bp(&pe, 0x81, &f, 1);
	}
	end();
	x_resp(&s);
	req_int(id, 74, 7);
	x_req(&s);
	resp_null(id++, 74);
	x_resp(&s);
	req_begin(id, 46, true);
	file_name(&pe, 0xa1, "/tmp/new_settings.icd");
	file_name(&pe, 0xa2, "/CFG/settings.icd");
	end();
	x_req(&s);
	resp_null(id++, 46);
	x_resp(&s);
	req_begin(id, 75, true);
	file_name(&pe, 0xa0, "/CFG/settings.icd");
	file_name(&pe, 0xa1, "/CFG/settings.bak");
	end();
	x_req(&s);
	resp_null(id++, 75);
	x_resp(&s);
	req_begin(id, 76, true);
	bs(&pe, 0x19, "/COMTRADE/fault1.cfg");
	end();
	x_req(&s);
	resp_null(id++, 76);
	x_resp(&s);

	/* domains: a program downloaded, uploaded, loaded from and stored to a file, deleted */
	req_begin(id, 26, true);
	bs(&pe, 0x80, "IED1PROG");
	bo(&pe, 0xa1);
	bs(&pe, 0x1a, "ram");
	bc(&pe);
	{
		uint8_t f = 0;
		bp(&pe, 0x82, &f, 1);
	}
	end();
	x_req(&s);
	resp_null(id++, 26);
	x_resp(&s);
	req_str(id, 27, "IED1PROG");
	x_req(&s);
	resp_begin(id++, 27, true);
	bs(&pe, 0x80, "\x01\x02\x03\x04");
	{
		uint8_t f = 0;
		bp(&pe, 0x81, &f, 1);
	}
	end();
	x_resp(&s);
	req_begin(id, 28, true);
	bs(&pe, 0x80, "IED1PROG");
	end();
	x_req(&s);
	resp_null(id++, 28);
	x_resp(&s);
	req_str(id, 29, "IED1PROG");
	x_req(&s);
	resp_begin(id++, 29, true);
	bi(&pe, 0x80, 3);
	bo(&pe, 0xa1);
	bc(&pe);
	end();
	x_resp(&s);
	req_int(id, 30, 3);
	x_req(&s);
	resp_begin(id++, 30, true);
	bs(&pe, 0x80, "\x05\x06");
	{
		uint8_t f = 0;
		bp(&pe, 0x81, &f, 1);
	}
	end();
	x_resp(&s);
	req_int(id, 31, 3);
	x_req(&s);
	resp_null(id++, 31);
	x_resp(&s);
	static const unsigned file_svcs[] = { 32, 33, 34, 35 };
	for (unsigned i = 0; i < 4; i++) {
		unsigned sv = file_svcs[i];
		req_begin(id, sv, true);
		bs(&pe, 0x80, "IED1PROG");
		if (sv == 32 || sv == 34) {
			uint8_t f = 0;
			bp(&pe, 0x82, &f, 1);
		}
		file_name(&pe, sv == 32 || sv == 34 ? 0xa4 : 0xa1, "/PROG/ied1prog.bin");
		end();
		x_req(&s);
		resp_null(id++, sv);
		x_resp(&s);
	}
	req_str(id, 37, "IED1PROG");
	x_req(&s);
	resp_begin(id++, 37, true);
	bo(&pe, 0xa0);
	bc(&pe);
	bi(&pe, 0x81, 2);
	end();
	x_resp(&s);

	/* program invocations: created, started, stopped, resumed, reset, killed, deleted */
	req_begin(id, 38, true);
	bs(&pe, 0x80, "PI_LOGIC");
	bo(&pe, 0xa1);
	bs(&pe, 0x1a, "IED1PROG");
	bc(&pe);
	end();
	x_req(&s);
	resp_null(id++, 38);
	x_resp(&s);
	static const unsigned pi_svcs[] = { 40, 41, 42, 43, 44 };
	for (unsigned i = 0; i < 5; i++) {
		req_begin(id, pi_svcs[i], true);
		bs(&pe, 0x80, "PI_LOGIC");
		if (pi_svcs[i] == 40)
			bs(&pe, 0x81, "warm");
		end();
		x_req(&s);
		resp_null(id++, pi_svcs[i]);
		x_resp(&s);
	}
	req_str(id, 45, "PI_LOGIC");
	x_req(&s);
	resp_begin(id++, 45, true);
	bi(&pe, 0x80, 4);
	end();
	x_resp(&s);
	req_str(id, 39, "PI_LOGIC");
	x_req(&s);
	resp_null(id++, 39);
	x_resp(&s);
	req_str(id, 36, "IED1PROG");
	x_req(&s);
	resp_null(id++, 36);
	x_resp(&s);

	/* a data set defined and deleted, a semaphore taken and given back,
	 * a journal read, a request cancelled */
	req_begin(id, 11, true);
	obj_dom(&pe, "IED1LD0", "LLN0$DSEng");
	bo(&pe, 0xa0);
	for (unsigned i = 5; i < 7; i++) {
		bo(&pe, 0x30);
		bo(&pe, 0xa0);
		obj_dom(&pe, "IED1MEAS", vars[i]);
		bc(&pe);
		bc(&pe);
	}
	bc(&pe);
	end();
	x_req(&s);
	resp_null(id++, 11);
	x_resp(&s);
	req_begin(id, 13, true);
	bo(&pe, 0xa1);
	obj_dom(&pe, "IED1LD0", "LLN0$DSEng");
	bc(&pe);
	end();
	x_req(&s);
	resp_begin(id++, 13, true);
	bi(&pe, 0x80, 1);
	bi(&pe, 0x81, 1);
	end();
	x_resp(&s);
	req_begin(id, 19, true);
	bo(&pe, 0xa0);
	bs(&pe, 0x80, "reserved");
	end();
	x_req(&s);
	resp_begin(id++, 19, true);
	bnull(&pe, 0x80);
	end();
	x_resp(&s);
	req_begin(id, 20, true);
	bo(&pe, 0xa0);
	bs(&pe, 0x80, "reserved");
	end();
	x_req(&s);
	resp_null(id++, 20);
	x_resp(&s);
	req_begin(id, 65, true);
	bo(&pe, 0xa0);
	obj_dom(&pe, "IED1LD0", "EventLog");
	end();
	x_req(&s);
	resp_begin(id, 65, true);
	bo(&pe, 0xa0);
	bc(&pe);
	end();
	b_reset(&pdu);
	pe.n = 0;
	bi(&pe, 0x85, id); /* cancel-RequestPDU: the read of the journal */
	x_req(&s);
	b_reset(&pdu);
	bi(&pe, 0x86, id);
	x_resp(&s);
	error_pdu(id++, 5, 3); /* service-preempt: cancel */
	x_resp(&s);
	conclude_and_release(&s);
}

/* A host that is not a master: discovery, writes, an operation, refusals. */
static void rogue_host(struct gen *g, const uint8_t *r, const uint8_t *ied)
{
	struct sess s;
	uint32_t id = 1;
	sess_init(&s, g, 6, r, 51000, ied, 102, false);
	tcp_open(&s);
	associate(&s, "admin", 1, 13); /* rejected-permanent: authentication-failure */
	tcp_close(&s);

	sess_init(&s, g, 6, r, 51001, ied, 102, false);
	tcp_open(&s);
	associate(&s, "Vigil2026", 0, 0);
	req_begin(id, 2, false);
	end();
	x_req(&s);
	resp_begin(id++, 2, true);
	bs(&pe, 0x80, "Vigil Relays");
	bs(&pe, 0x81, "VR-61850");
	bs(&pe, 0x82, "4.2.1");
	end();
	x_resp(&s);
	/* a sweep of every logical device's names */
	for (unsigned i = 0; i < 12; i++) {
		get_name_list(id, i % 3 ? 0 : 2, lds[i % 4], NULL);
		x_req(&s);
		name_list_resp(id++, vars + (i % 5), 2, 1, false);
		x_resp(&s);
		gen_tick(g, 200000);
	}
	/* a protection setting changed: refused; a breaker opened */
	write_begin(id, "IED1PROT", "PTOC1$SP$StrVal$setMag$f");
	{
		uint8_t fl[5] = { 8, 0x47, 0xc3, 0x50, 0x00 }; /* 100000.0 */
		bp(&pe, 0x87, fl, sizeof(fl));
	}
	end();
	x_req(&s);
	error_pdu(id++, 7, 3); /* access: object-access-denied */
	x_resp(&s);
	write_begin(id, "IED1CTRL", "XCBR1$CO$Pos$Oper");
	oper_value(false, 1700000100);
	end();
	x_req(&s);
	write_resp(id++, 3);
	x_resp(&s);
	/* a request the IED rejects */
	req_begin(id, 4, true);
	end();
	x_req(&s);
	b_reset(&pdu);
	pe.n = 0;
	bo(&pe, 0xa4);
	bi(&pe, 0x80, id++);
	bi(&pe, 0x81, 4); /* confirmed-requestPDU: invalid-argument */
	end();
	x_resp(&s);
	/* a program invocation stopped */
	req_begin(id, 41, true);
	bs(&pe, 0x80, "PI_LOGIC");
	end();
	x_req(&s);
	error_pdu(id++, 7, 3);
	x_resp(&s);
	/* a program download refused */
	req_begin(id, 26, true);
	bs(&pe, 0x80, "IED1PROG");
	bo(&pe, 0xa1);
	bc(&pe);
	{
		uint8_t f = 0;
		bp(&pe, 0x82, &f, 1);
	}
	end();
	x_req(&s);
	error_pdu(id++, 7, 3);
	x_resp(&s);
	/* the connection aborted */
	{
		static struct buf q;
		release_spdu(&q, 25);
		tcp_send(&s, DIR_C2S, q.b, q.n);
	}
	tcp_close(&s);
}

/* Every event, and broken headers at every layer. */
static void anomalies(struct gen *g, const uint8_t *m, const uint8_t *ied)
{
	struct sess s;
	static struct buf q;
	uint32_t id = 500;
	sess_init(&s, g, 6, m, 50300, ied, 102, false);
	tcp_open(&s);
	associate(&s, NULL, 0, 0);

	/* TPKT reserved byte set; a COTP LI beyond the TPKT; an unknown TPDU
	 * code; a COTP ER from the IED */
	static const uint8_t bad_tpkt[] = { 0x03, 0x01, 0x00, 0x07, 0x02, 0xf0, 0x80 };
	tcp_send(&s, DIR_C2S, bad_tpkt, sizeof(bad_tpkt));
	static const uint8_t bad_li[] = { 0x03, 0x00, 0x00, 0x08, 0x09, 0xf0, 0x80, 0x00 };
	tcp_send(&s, DIR_C2S, bad_li, sizeof(bad_li));
	static const uint8_t bad_code[] = { 0x03, 0x00, 0x00, 0x07, 0x02, 0x30, 0x80 };
	tcp_send(&s, DIR_C2S, bad_code, sizeof(bad_code));
	static const uint8_t er[] = { 0x03, 0x00, 0x00, 0x0d, 0x08, 0x70, 0x00, 0x01, 0x03,
				      0xc1, 0x02, 0xf0, 0x80 };
	tcp_send(&s, DIR_S2C, er, sizeof(er));
	tcp_ack(&s, DIR_C2S);

	/* an SPDU longer than its TSDU; user data that is not a PPDU; a PDV of
	 * an undefined presentation context; an ACSE APDU of no known kind */
	static const uint8_t bad_spdu[] = { 0x03, 0x00, 0x00, 0x0b, 0x02, 0xf0, 0x80,
					    0x01, 0x00, 0x01, 0x20 };
	tcp_send(&s, DIR_C2S, bad_spdu, sizeof(bad_spdu));
	static const uint8_t bad_ppdu[] = { 0x03, 0x00, 0x00, 0x0e, 0x02, 0xf0, 0x80,
					    0x01, 0x00, 0x01, 0x00, 0x62, 0x01, 0x00 };
	tcp_send(&s, DIR_C2S, bad_ppdu, sizeof(bad_ppdu));
	b_reset(&pdu);
	pe.b = &pdu;
	pe.n = 0;
	bnull(&pe, 0x8b);
	p_data(&out, 5);
	tcp_send(&s, DIR_C2S, out.b, out.n);
	b_reset(&pdu);
	bo(&pe, 0x67);
	bi(&pe, 0x80, 0);
	bc(&pe);
	{
		static struct buf ud, params;
		b_reset(&ud);
		struct ber e = { &ud, { 0 }, 0 };
		user_data(&e, CTX_ACSE, &pdu);
		b_reset(&params);
		sparam(&params, 193, ud.b, ud.n);
		b_reset(&tsdu);
		spdu(&tsdu, 10, &params);
		tpkt_dt(&q, &tsdu);
		tcp_send(&s, DIR_C2S, q.b, q.n);
	}
	tcp_ack(&s, DIR_S2C);

	/* MMS: a request without its invokeID, a PDU type [14], a service [100] */
	b_reset(&pdu);
	bo(&pe, 0xa0);
	bo(&pe, 0xa4);
	bc(&pe);
	bc(&pe);
	send_pdu(&s, DIR_C2S);
	b_reset(&pdu);
	bnull(&pe, 0xae);
	send_pdu(&s, DIR_C2S);
	req_begin(id++, 100, true);
	end();
	x_req(&s);
	/* a response nobody asked for; a response for another service */
	resp_null(999, 36);
	x_resp(&s);
	const char *const one[] = { "LLN0$ST$Mod$stVal" };
	read_req(id, "IED1LD0", one, 1, false);
	x_req(&s);
	write_resp(id++, -1);
	x_resp(&s);
	/* an invokeID reused while pending, then more requests than the table holds */
	read_req(id, "IED1LD0", one, 1, false);
	x_req(&s);
	read_req(id, "IED1LD0", one, 1, false);
	x_req(&s);
	for (unsigned i = 0; i < 17; i++) {
		read_req(1000 + i, "IED1LD0", one, 1, false);
		x_req(&s);
	}
	tcp_ack(&s, DIR_S2C);
	/* data nested 14 deep; identifiers outside the MMS character set */
	write_begin(id++, "IED1LD0", "LLN0$SP$Deep");
	for (int i = 0; i < 14; i++)
		bo(&pe, 0xa2);
	bi(&pe, 0x85, 1);
	end();
	x_req(&s);
	const char *const odd[] = { "LLN0$../../etc/passwd" };
	read_req(id++, "IED1LD0", odd, 1, false);
	x_req(&s);
	/* more names than the rule buffers hold (a write to a control object
	 * hidden behind them) */
	{
		static char names[100][40];
		const char *p[100];
		for (unsigned i = 0; i < 99; i++) {
			memcpy(names[i], "GGIO1$ST$Ind00$stVal$subVal", 28);
			names[i][12] = (char)('0' + i / 10);
			names[i][13] = (char)('0' + i % 10);
			p[i] = names[i];
		}
		p[99] = "XCBR1$CO$Pos$Oper";
		read_req(id++, "IED1LD0", p, 100, false);
		x_req(&s);
	}
	/* a TSDU of more than 64 KiB of DT TPDUs: a write of a 70000-byte
	 * octet string (more than a struct buf holds: its head is built, the
	 * filler is sent as it goes), whose head is parsed */
	{
		static struct buf head, vas, t;
		const size_t fill = 70000;
		b_reset(&vas);
		struct ber v = { &vas, { 0 }, 0 };
		bo(&v, 0xa0);
		bo(&v, 0x30);
		bo(&v, 0xa0);
		obj_dom(&v, "IED1LD0", "LLN0$SP$Firmware");
		bc(&v);
		bc(&v);
		bc(&v);
		size_t item = hlen(fill) + fill;            /* octet-string [9] */
		size_t list = hlen(item) + item;            /* listOfData [0] */
		size_t svc = vas.n + list;                  /* write [5] */
		size_t pdu_len = 3 + hlen(svc) + svc;       /* confirmed-RequestPDU [0] */
		size_t pdv = 3 + hlen(hlen(pdu_len) + pdu_len) + hlen(pdu_len) + pdu_len;
		b_reset(&head);
		b_bytes(&head, "\x01\x00\x01\x00", 4);
		hdr(&head, 0x61, hlen(pdv) + pdv);
		hdr(&head, 0x30, pdv);
		b_bytes(&head, "\x02\x01\x03", 3);
		hdr(&head, 0xa0, hlen(pdu_len) + pdu_len);
		hdr(&head, 0xa0, pdu_len);
		b_u8(&head, 0x02);
		b_u8(&head, 1);
		b_u8(&head, id++ & 0x7f);
		hdr(&head, 0xa5, svc);
		b_bytes(&head, vas.b, vas.n);
		hdr(&head, 0xa0, item);
		hdr(&head, 0x89, fill);
		size_t total = head.n + fill;
		for (size_t off = 0; off < total; off += 4096) {
			size_t k = total - off < 4096 ? total - off : 4096;
			b_reset(&t);
			b_u8(&t, 3);
			b_u8(&t, 0);
			b_be16(&t, (unsigned)(k + 7));
			b_u8(&t, 2);
			b_u8(&t, 0xf0);
			b_u8(&t, off + k == total ? 0x80 : 0x00);
			for (size_t i = off; i < off + k; i++)
				b_u8(&t, i < head.n ? head.b[i] : 0x5a);
			tcp_send(&s, DIR_C2S, t.b, t.n);
		}
	}
	tcp_ack(&s, DIR_S2C);
	/* an initiate refused by the IED */
	b_reset(&pdu);
	bo(&pe, 0xaa);
	bo(&pe, 0xa0);
	bi(&pe, 0x88, 1); /* initiate: version-incompatible */
	bc(&pe);
	bc(&pe);
	send_pdu(&s, DIR_S2C);
	/* garbage, then a TPKT cut short by the end of the connection */
	static const uint8_t junk[] = { 'H', 'E', 'L', 'O', 0x00, 0xff };
	tcp_send(&s, DIR_C2S, junk, sizeof(junk));
	static const uint8_t cut[] = { 0x03, 0x00, 0x00, 0x40, 0x02, 0xf0, 0x80, 0x01, 0x00 };
	tcp_send(&s, DIR_C2S, cut, sizeof(cut));
	tcp_close(&s);
}

int sc_mms(struct gen *g)
{
	uint8_t m[16], ew[16], ied[16], ied2[16], ied3[16], plc[16], rogue[16];
	struct sess s;
	host(m, 2);
	host(ew, 5);
	host(ied, 30);
	host(ied2, 31);
	host(ied3, 32);
	host(plc, 40);
	ip4(rogue, 10, 0, 1, 66);

	station(g, m, ied, 102);
	engineering(g, ew, ied);
	rogue_host(g, rogue, ied);

	/* the same station on a port that is not 102 */
	station(g, m, ied2, 8102);

	/* a flow picked up mid-stream: its first TSDU is a read's response */
	sess_init(&s, g, 6, m, 50400, ied3, 102, false);
	tcp_open_nohs(&s);
	{
		resp_begin(41, 4, true);
		bo(&pe, 0xa1);
		mv_value(230.1f, 1700000500);
		end();
		x_resp(&s);
		const char *const one[] = { "MMXU1$MX$PhV" };
		read_req(42, "IED3MEAS", one, 1, false);
		x_req(&s);
		resp_begin(42, 4, true);
		bo(&pe, 0xa1);
		mv_value(230.2f, 1700000501);
		end();
		x_resp(&s);
	}
	tcp_close(&s);

	/* MMS straight over COTP, without session and presentation */
	sess_init(&s, g, 6, m, 50500, ied3, 102, false);
	tcp_open(&s);
	{
		static struct buf q, r;
		s7_cotp_cr(&q, false, 0x0002, 0x0200);
		s7_cotp_cr(&r, true, 0x0002, 0x0200);
		tcp_exchange(&s, &q, &r);
		initiate(false, 3);
		tpkt_dt(&q, &pdu);
		initiate(true, 3);
		tpkt_dt(&r, &pdu);
		tcp_exchange(&s, &q, &r);
		req_begin(7, 19, true);
		bo(&pe, 0xa0);
		bs(&pe, 0x80, "reserved");
		end();
		tpkt_dt(&q, &pdu);
		tcp_exchange(&s, &q, NULL);
		b_reset(&pdu);
		bnull(&pe, 0x8b);
		tpkt_dt(&q, &pdu);
		tcp_exchange(&s, &q, NULL);
	}
	tcp_close(&s);

	/* S7comm on the same port: S7comm's, not MMS's */
	sess_init(&s, g, 6, m, 50600, plc, 102, false);
	tcp_open(&s);
	{
		static struct buf q, r;
		s7_cotp_cr(&q, false, 0x0100, 0x0102);
		s7_cotp_cr(&r, true, 0x0100, 0x0102);
		tcp_exchange(&s, &q, &r);
		const uint8_t setup[] = { 0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xe0 };
		s7_pdu(&q, 1, 1, setup, sizeof(setup), NULL, 0, 0);
		s7_pdu(&r, 3, 1, setup, sizeof(setup), NULL, 0, 0);
		tcp_exchange(&s, &q, &r);
	}
	tcp_close(&s);

	anomalies(g, m, ied);
	return 0;
}
