/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen assets: a small plant for the passive asset inventory. Every
 * identity source the sensor reads, two firmware changes and a MAC change:
 *
 *   10.0.0.2   SCADA master (Dell MAC): polls the Modbus, S7, EtherNet/IP
 *              and DNP3 devices
 *   10.0.0.6   HMI (HP MAC): polls the Modbus PLC; OPC UA client
 *   10.0.0.5   engineering workstation (VMware MAC): ListIdentity
 *              broadcast, Modbus device identification, S7 SZL 0x0011 and
 *              0x001C, the identity of the controller in slot 0 behind the
 *              EtherNet/IP adapter; a block download and a PLC restart;
 *              two minutes later the same reads show new firmware
 *              (S7 V3.2.6 -> V3.3.0, Logix 20.11 -> 20.12)
 *   10.0.0.10  Modbus PLC (Schneider MAC), unit 1
 *   10.0.0.20  S7-300 CPU (Siemens MAC)
 *   10.0.0.30  1756-ENBT adapter (Rockwell MAC), a 1756-L61 in slot 0
 *   10.0.0.40  DNP3 RTU, outstation 10 of master 1; later answers from
 *              another MAC (a laptop standing in for it)
 *   10.0.0.50  BACnet controller (I-Am, device 1234, vendor 24), read by
 *              the BMS workstation 10.0.0.51 (ReadPropertyMultiple)
 *   10.0.0.60  OPC UA server (GetEndpoints, CreateSession)
 *   an IED publishing GOOSE (Hitachi Energy MAC, no IP)
 *
 * Eleven minutes after the start everyone polls once more: with a refresh
 * interval of ten minutes, each active device gets a refresh record.
 * The generator's frames carry 02:00:<IPv4> MACs; this scenario writes
 * them itself with the vendors' OUIs from the table below.
 */
#include <stdio.h>
#include <string.h>

#include "gen.h"

/* ---- real MACs per IP ------------------------------------------------------- */

static struct {
	uint8_t last;    /* 10.0.0.<last> */
	uint8_t mac[6];
} macs[] = {
	{ 2, { 0x00, 0x14, 0x22, 0x01, 0x00, 0x02 } },  /* Dell */
	{ 5, { 0x00, 0x0c, 0x29, 0x01, 0x00, 0x05 } },  /* VMware */
	{ 6, { 0x00, 0x11, 0x85, 0x01, 0x00, 0x06 } },  /* Hewlett Packard */
	{ 10, { 0x00, 0x80, 0xf4, 0x01, 0x00, 0x0a } }, /* Telemecanique (Schneider) */
	{ 20, { 0x00, 0x1b, 0x1b, 0x01, 0x00, 0x14 } }, /* Siemens */
	{ 30, { 0x00, 0x00, 0xbc, 0x01, 0x00, 0x1e } }, /* Rockwell */
	{ 40, { 0x00, 0x30, 0xa7, 0x01, 0x00, 0x28 } }, /* Schweitzer Engineering */
	{ 50, { 0x00, 0xe0, 0xc9, 0x01, 0x00, 0x32 } }, /* Automated Logic */
	{ 51, { 0x00, 0x14, 0x22, 0x01, 0x00, 0x33 } }, /* Dell */
	{ 60, { 0x00, 0x1b, 0x1b, 0x01, 0x00, 0x3c } }, /* Siemens */
};

static FILE *out;

static void wr32(uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	fwrite(b, 1, 4, out);
}

/* the generator's 02:00:a.b.c.d MAC of an IP of the table, with its own */
static void fix_mac(uint8_t *m)
{
	if (m[0] != 0x02 || m[1] != 0x00)
		return;
	if (m[2] == 255 && m[3] == 255 && m[4] == 255 && m[5] == 255) {
		memset(m, 0xff, 6);
		return;
	}
	for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++)
		if (m[2] == 10 && m[3] == 0 && m[4] == 0 && m[5] == macs[i].last)
			memcpy(m, macs[i].mac, 6);
}

/* every frame, written here (the generator's file is taken aside) */
static void on_frame(struct gen *g, const uint8_t *p, size_t n)
{
	static uint8_t f[GEN_SNAP];
	memcpy(f, p, n);
	if (n >= 12) {
		fix_mac(f);
		fix_mac(f + 6);
	}
	wr32((uint32_t)(g->ts_us / 1000000u));
	wr32((uint32_t)(g->ts_us % 1000000u));
	wr32((uint32_t)n);
	wr32((uint32_t)n);
	fwrite(f, 1, n, out);
}

static void set_mac(uint8_t last, const uint8_t mac[6])
{
	for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++)
		if (macs[i].last == last)
			memcpy(macs[i].mac, mac, 6);
}

/* ---- sessions ----------------------------------------------------------------- */

static struct buf q, r;

static void tcp_sess(struct gen *g, struct sess *s, unsigned c, uint16_t cport, unsigned srv,
		     uint16_t sport)
{
	uint8_t a[16], b[16];
	ip4(a, 10, 0, 0, c);
	ip4(b, 10, 0, 0, srv);
	sess_init(s, g, 6, a, cport, b, sport, false);
	s->gap_us = 200;
	tcp_open(s);
}

/* Modbus: read 10 holding registers */
static void mb_poll(struct sess *s, uint16_t tid)
{
	mb_read(&q, tid, 1, 3, 0, 10);
	mb_read_resp_regs(&r, tid, 1, 3, 10, tid);
	tcp_exchange(s, &q, &r);
}

/* Modbus Read Device Identification (43/14), regular objects */
static void mb_devid(struct sess *s, uint16_t tid)
{
	static const uint8_t rq[] = { 43, 14, 2, 0 };
	mb_adu(&q, tid, 1, rq, sizeof(rq));
	static const char *const obj[] = { "Schneider Electric", "BMXP342020", "v3.20",
					   "www.se.com", "Modicon M340", "BMX P34 2020",
					   "Pump station 3" };
	struct buf pdu;
	b_reset(&pdu);
	b_u8(&pdu, 43);
	b_u8(&pdu, 14);
	b_u8(&pdu, 2);    /* regular */
	b_u8(&pdu, 0x82); /* conformity: regular, stream and individual */
	b_u8(&pdu, 0);    /* more follows */
	b_u8(&pdu, 0);    /* next object */
	b_u8(&pdu, 7);
	for (unsigned i = 0; i < 7; i++) {
		b_u8(&pdu, i);
		b_u8(&pdu, (unsigned)strlen(obj[i]));
		b_str(&pdu, obj[i]);
	}
	mb_adu(&r, tid, 1, pdu.b, pdu.n);
	tcp_exchange(s, &q, &r);
}

/* S7 read_var of DB1 */
static void s7_poll(struct sess *s, uint16_t ref)
{
	static const uint8_t par[] = { 0x04, 0x01, 0x12, 0x0a, 0x10, 0x02, 0x00, 0x04,
				       0x00, 0x01, 0x84, 0x00, 0x00, 0x00 };
	static const uint8_t rpar[] = { 0x04, 0x01 };
	static const uint8_t rdat[] = { 0xff, 0x04, 0x00, 0x20, 0x00, 0x00, 0x00, 0x2a };
	s7_pdu(&q, 1, ref, par, sizeof(par), NULL, 0, 0);
	s7_pdu(&r, 3, ref, rpar, sizeof(rpar), rdat, sizeof(rdat), 0);
	tcp_exchange(s, &q, &r);
}

static void s7_text(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b_u8(b, i < strlen(s) ? (unsigned)s[i] : 0);
}

/* an SZL read (userdata, CPU functions, read SZL) and its answer */
static void s7_szl(struct sess *s, uint16_t ref, uint16_t id, const char *fw)
{
	static const uint8_t par[] = { 0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00 };
	uint8_t dat[] = { 0xff, 0x09, 0x00, 0x04, (uint8_t)(id >> 8), (uint8_t)id, 0x00, 0x00 };
	s7_pdu(&q, 7, ref, par, sizeof(par), dat, sizeof(dat), 0);
	static const uint8_t rpar[] = { 0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01,
					0x00, 0x00, 0x00, 0x00 };
	struct buf d;
	b_reset(&d);
	b_u8(&d, 0xff);
	b_u8(&d, 0x09);
	size_t at = d.n;
	b_be16(&d, 0);
	b_be16(&d, id);
	b_be16(&d, 0);
	if (id == 0x0011) {
		/* index:2 MlfB:20 BGTyp:2 Ausbg:2 Ausbe:2 */
		b_be16(&d, 28);
		b_be16(&d, 2);
		b_be16(&d, 1);
		s7_text(&d, "6ES7 315-2EH14-0AB0 ", 20);
		b_be16(&d, 0x00c0);
		b_be16(&d, 3);
		b_be16(&d, 1);
		b_be16(&d, 7);
		s7_text(&d, "                    ", 20);
		b_be16(&d, 0x00c0);
		unsigned maj, min, pat;
		if (sscanf(fw, "V%u.%u.%u", &maj, &min, &pat) != 3)
			maj = min = pat = 0;
		b_be16(&d, 'V' << 8 | maj);
		b_be16(&d, min << 8 | pat);
	} else {
		/* index:2 text:32 */
		static const char *const t[] = { "Plant A station 1", "PLC_1",
						 "Original Siemens Equipment", "S C-B1U393142011",
						 "CPU 315-2 PN/DP" };
		static const uint16_t idx[] = { 1, 2, 4, 5, 7 };
		b_be16(&d, 34);
		b_be16(&d, 5);
		for (int i = 0; i < 5; i++) {
			b_be16(&d, idx[i]);
			s7_text(&d, t[i], 32);
		}
	}
	b_put_be16(&d, at, (unsigned)(d.n - at - 2));
	s7_pdu(&r, 7, ref, rpar, sizeof(rpar), d.b, d.n, 0);
	tcp_exchange(s, &q, &r);
}

/* a block download (the station asks, the PLC fetches the block) and a
 * restart (PLC control "P_PROGRAM") */
static void s7_download(struct sess *s, uint16_t ref)
{
	/* function, status, 2 unknown, 4 unknown, file name, load lengths */
	static const uint8_t req[] = { 0x1a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
				       '_', '0', 'B', '0', '0', '0', '0', '1', 'P', 0x0d,
				       '1', '0', '0', '0', '2', '5', '6', '0', '0', '0',
				       '1', '2', '8' };
	static const uint8_t ack[] = { 0x1a };
	s7_pdu(&q, 1, ref, req, sizeof(req), NULL, 0, 0);
	s7_pdu(&r, 3, ref, ack, sizeof(ack), NULL, 0, 0);
	tcp_exchange(s, &q, &r);
	static const uint8_t blk[] = { 0x1b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
				       '_', '0', 'B', '0', '0', '0', '0', '1', 'P' };
	static const uint8_t bpar[] = { 0x1b, 0x00 };
	static const uint8_t bdat[] = { 0x00, 0x04, 0x00, 0xfb, 0x70, 0x70 };
	s7_pdu(&q, 1, 0x200, blk, sizeof(blk), NULL, 0, 0);
	tcp_send(s, DIR_S2C, q.b, q.n);
	s7_pdu(&r, 3, 0x200, bpar, sizeof(bpar), bdat, sizeof(bdat), 0);
	tcp_send(s, DIR_C2S, r.b, r.n);
	static const uint8_t end[] = { 0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
				       '_', '0', 'B', '0', '0', '0', '0', '1', 'P' };
	static const uint8_t eack[] = { 0x1c };
	s7_pdu(&q, 1, 0x201, end, sizeof(end), NULL, 0, 0);
	tcp_send(s, DIR_S2C, q.b, q.n);
	s7_pdu(&r, 3, 0x201, eack, sizeof(eack), NULL, 0, 0);
	tcp_send(s, DIR_C2S, r.b, r.n);
	static const uint8_t ctl[] = { 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00,
				       0x00, 0x09, 'P', '_', 'P', 'R', 'O', 'G', 'R', 'A',
				       'M' };
	static const uint8_t cack[] = { 0x28 };
	s7_pdu(&q, 1, (uint16_t)(ref + 1), ctl, sizeof(ctl), NULL, 0, 0);
	s7_pdu(&r, 3, (uint16_t)(ref + 1), cack, sizeof(cack), NULL, 0, 0);
	tcp_exchange(s, &q, &r);
}

/* EtherNet/IP: Get_Attribute_Single of an assembly (a poll) */
static void enip_poll(struct sess *s, uint64_t ctx)
{
	struct buf c;
	cip_req(&c, 0x0e, 0x04, 100, 3, NULL, 0);
	enip_rr(&q, 0x1234, ctx, c.b, c.n);
	static const uint8_t val[] = { 0x11, 0x22, 0x33, 0x44 };
	cip_resp(&c, 0x0e, 0, val, sizeof(val));
	enip_rr(&r, 0x1234, ctx, c.b, c.n);
	tcp_exchange(s, &q, &r);
}

/* the identity of the controller in slot 0: Get_Attributes_All of the
 * identity object through an Unconnected Send routed to port 1 (the
 * backplane), link 0 */
static void enip_slot0(struct sess *s, uint64_t ctx, uint8_t minor)
{
	struct buf c;
	b_reset(&c);
	static const uint8_t us[] = { 0x52, 0x02, 0x20, 0x06, 0x24, 0x01, 0x0a, 0x0e,
				      0x06, 0x00, 0x01, 0x02, 0x20, 0x01, 0x24, 0x01,
				      0x01, 0x00, 0x01, 0x00 };
	b_bytes(&c, us, sizeof(us));
	enip_rr(&q, 0x1234, ctx, c.b, c.n);
	b_reset(&c);
	static const uint8_t hdr[] = { 0x81, 0x00, 0x00, 0x00 };
	b_bytes(&c, hdr, sizeof(hdr));
	b_le16(&c, 1);    /* vendor: Rockwell */
	b_le16(&c, 14);   /* PLC */
	b_le16(&c, 54);   /* product code */
	b_u8(&c, 20);
	b_u8(&c, minor);
	b_le16(&c, 0x3060);
	b_le32(&c, 0x0051823f);
	b_u8(&c, 20);
	b_str(&c, "1756-L61/B LOGIX5561");
	enip_rr(&r, 0x1234, ctx, c.b, c.n);
	tcp_exchange(s, &q, &r);
}

static void dnp3_poll(struct sess *s, uint8_t *seq, uint8_t *tm, uint8_t *to)
{
	uint8_t rq[] = { (uint8_t)(0xc0 | (*seq & 0x0f)), 0x01, 0x3c, 0x01, 0x06 };
	dnp3_msg(&q, true, 10, 1, tm, rq, sizeof(rq), 249);
	uint8_t rs[] = { (uint8_t)(0xc0 | (*seq & 0x0f)), 0x81, 0x00, 0x00,
			 0x01, 0x02, 0x00, 0x00, 0x01, 0x81, 0x01 };
	dnp3_msg(&r, false, 1, 10, to, rs, sizeof(rs), 249);
	tcp_exchange(s, &q, &r);
	(*seq)++;
}

/* BACnet/IP */
static void bvlc(struct buf *b, uint8_t fn, const uint8_t *npdu, size_t n)
{
	b_reset(b);
	b_u8(b, 0x81);
	b_u8(b, fn);
	b_be16(b, (unsigned)(n + 4));
	b_bytes(b, npdu, n);
}

static void bacnet_str(struct buf *b, uint8_t ctx_prop, const char *s)
{
	b_u8(b, 0x29);
	b_u8(b, ctx_prop);
	b_u8(b, 0x4e);
	b_u8(b, 0x75);
	b_u8(b, (unsigned)strlen(s) + 1);
	b_u8(b, 0); /* UTF-8 */
	b_str(b, s);
	b_u8(b, 0x4f);
}

/* OPC UA binary */
static void ua_str(struct buf *b, const char *s)
{
	b_le32(b, (uint32_t)strlen(s));
	b_str(b, s);
}

static void ua_size(struct buf *b)
{
	b->b[4] = (uint8_t)b->n;
	b->b[5] = (uint8_t)(b->n >> 8);
	b->b[6] = 0;
	b->b[7] = 0;
}

static void ua_app(struct buf *b, const char *uri, const char *product, const char *name,
		   uint32_t type)
{
	ua_str(b, uri);
	ua_str(b, product);
	b_u8(b, 2); /* LocalizedText: text */
	ua_str(b, name);
	b_le32(b, type);
	b_le32(b, 0xffffffff);
	b_le32(b, 0xffffffff);
	b_le32(b, 0);
}

static void ua_sym(struct buf *b, uint32_t seq, uint32_t rid)
{
	b_reset(b);
	b_str(b, "MSGF");
	b_le32(b, 0);
	b_le32(b, 7);
	b_le32(b, 1);
	b_le32(b, seq);
	b_le32(b, rid);
}

static void ua_req_hdr(struct buf *b, uint32_t h)
{
	static const uint8_t t[] = { 0x00, 0x00, 0x00, 0xc0, 0xa2, 0xf9, 0xd2, 0x16, 0xda, 0x01 };
	b_bytes(b, t, sizeof(t));
	b_le32(b, h);
	b_le32(b, 0);
	b_le32(b, 0xffffffff);
	b_le32(b, 10000);
	b_u8(b, 0);
	b_u8(b, 0);
	b_u8(b, 0);
}

static void ua_resp_hdr(struct buf *b, uint32_t h)
{
	static const uint8_t t[] = { 0x00, 0xc0, 0xa2, 0xf9, 0xd2, 0x16, 0xda, 0x01 };
	b_bytes(b, t, sizeof(t));
	b_le32(b, h);
	b_le32(b, 0);
	b_u8(b, 0);
	b_le32(b, 0);
	b_u8(b, 0);
	b_u8(b, 0);
	b_u8(b, 0);
}

static void opcua(struct gen *g)
{
	struct sess s;
	tcp_sess(g, &s, 6, 50100, 60, 4840);
	b_reset(&q);
	b_str(&q, "HELF");
	b_le32(&q, 0);
	b_le32(&q, 0);
	b_le32(&q, 65535);
	b_le32(&q, 65535);
	b_le32(&q, 0);
	b_le32(&q, 0);
	ua_str(&q, "opc.tcp://10.0.0.60:4840");
	ua_size(&q);
	b_reset(&r);
	b_str(&r, "ACKF");
	b_le32(&r, 0);
	b_le32(&r, 0);
	b_le32(&r, 65535);
	b_le32(&r, 65535);
	b_le32(&r, 0);
	b_le32(&r, 0);
	ua_size(&r);
	tcp_exchange(&s, &q, &r);
	/* OpenSecureChannel, policy None */
	b_reset(&q);
	b_str(&q, "OPNF");
	b_le32(&q, 0);
	b_le32(&q, 0);
	ua_str(&q, "http://opcfoundation.org/UA/SecurityPolicy#None");
	b_le32(&q, 0xffffffff);
	b_le32(&q, 0xffffffff);
	b_le32(&q, 1);
	b_le32(&q, 1);
	b_u8(&q, 1);
	b_u8(&q, 0);
	b_le16(&q, 446);
	ua_req_hdr(&q, 1);
	b_le32(&q, 0);
	b_le32(&q, 0);
	b_le32(&q, 1);
	b_le32(&q, 0);
	b_le32(&q, 600000);
	ua_size(&q);
	b_reset(&r);
	b_str(&r, "OPNF");
	b_le32(&r, 0);
	b_le32(&r, 7);
	ua_str(&r, "http://opcfoundation.org/UA/SecurityPolicy#None");
	b_le32(&r, 0xffffffff);
	b_le32(&r, 0xffffffff);
	b_le32(&r, 1);
	b_le32(&r, 1);
	b_u8(&r, 1);
	b_u8(&r, 0);
	b_le16(&r, 449);
	ua_resp_hdr(&r, 1);
	b_le32(&r, 0);
	b_le32(&r, 7);
	b_le32(&r, 1);
	static const uint8_t when[] = { 0x00, 0xc0, 0xa2, 0xf9, 0xd2, 0x16, 0xda, 0x01 };
	b_bytes(&r, when, sizeof(when));
	b_le32(&r, 600000);
	b_le32(&r, 0);
	ua_size(&r);
	tcp_exchange(&s, &q, &r);
	/* GetEndpoints: the server's application description */
	ua_sym(&q, 2, 2);
	b_u8(&q, 1);
	b_u8(&q, 0);
	b_le16(&q, 428);
	ua_req_hdr(&q, 2);
	ua_str(&q, "opc.tcp://10.0.0.60:4840");
	b_le32(&q, 0xffffffff);
	b_le32(&q, 0xffffffff);
	ua_size(&q);
	ua_sym(&r, 2, 2);
	b_u8(&r, 1);
	b_u8(&r, 0);
	b_le16(&r, 431);
	ua_resp_hdr(&r, 2);
	b_le32(&r, 1);
	ua_str(&r, "opc.tcp://10.0.0.60:4840");
	ua_app(&r, "urn:plant-a:opcua-gateway", "urn:vendor:ua-gateway",
	       "Plant A OPC UA Gateway", 0);
	b_le32(&r, 0xffffffff); /* serverCertificate */
	b_le32(&r, 1);          /* securityMode None */
	ua_str(&r, "http://opcfoundation.org/UA/SecurityPolicy#None");
	b_le32(&r, 0);          /* userIdentityTokens */
	ua_str(&r, "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary");
	b_u8(&r, 0);            /* securityLevel */
	ua_size(&r);
	tcp_exchange(&s, &q, &r);
	/* CreateSession: the client's description */
	ua_sym(&q, 3, 3);
	b_u8(&q, 1);
	b_u8(&q, 0);
	b_le16(&q, 461);
	ua_req_hdr(&q, 3);
	ua_app(&q, "urn:plant-a:line-hmi", "urn:vendor:hmi-runtime", "Line 3 HMI", 1);
	b_le32(&q, 0xffffffff);                 /* serverUri */
	ua_str(&q, "opc.tcp://10.0.0.60:4840"); /* endpointUrl */
	ua_str(&q, "hmi-session");              /* sessionName */
	b_le32(&q, 0xffffffff);                 /* clientNonce */
	b_le32(&q, 0xffffffff);                 /* clientCertificate */
	static const uint8_t timeout[] = { 0, 0, 0, 0, 0, 0x4c, 0xed, 0x40 };
	b_bytes(&q, timeout, sizeof(timeout));
	b_le32(&q, 0);                          /* maxResponseMessageSize */
	ua_size(&q);
	tcp_send(&s, DIR_C2S, q.b, q.n);
	tcp_ack(&s, DIR_S2C);
	tcp_close(&s);
}

/* GOOSE (IEC 61850-8-1 Annex A): a publisher's frame */
static void ber(struct buf *b, uint8_t tag, const void *v, size_t n)
{
	b_u8(b, tag);
	b_u8(b, (unsigned)n);
	b_bytes(b, v, n);
}

static void goose(struct gen *g, uint8_t st, uint8_t sq)
{
	static const uint8_t src[6] = { 0x00, 0x02, 0xa3, 0x01, 0x02, 0x03 };
	static const uint8_t dst[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 };
	static const char ref[] = "FEEDER1PROT/LLN0$GO$gcbTrip";
	static const char ds[] = "FEEDER1PROT/LLN0$dsTrip";
	struct buf pdu, f;
	b_reset(&pdu);
	ber(&pdu, 0x80, ref, strlen(ref));
	ber(&pdu, 0x81, "\x07\xd0", 2);
	ber(&pdu, 0x82, ds, strlen(ds));
	ber(&pdu, 0x84, "\x65\x43\x00\x01\x00\x00\x00\x0a", 8);
	ber(&pdu, 0x85, &st, 1);
	ber(&pdu, 0x86, &sq, 1);
	ber(&pdu, 0x87, "\x00", 1);
	ber(&pdu, 0x88, "\x01", 1);
	ber(&pdu, 0x89, "\x00", 1);
	ber(&pdu, 0x8a, "\x01", 1);
	ber(&pdu, 0xab, "\x83\x01\x00", 3);
	b_reset(&f);
	b_be16(&f, 0x0001);
	b_be16(&f, 0);
	b_be16(&f, 0);
	b_be16(&f, 0);
	ber(&f, 0x61, pdu.b, pdu.n);
	b_put_be16(&f, 2, (unsigned)f.n);
	gen_ether_addr(g, dst, src, 0, 0x88b8, f.b, f.n);
}

int sc_assets(struct gen *g)
{
	out = g->f;
	g->f = NULL;
	g->on_frame = on_frame;

	struct sess mb, s7, en, dn, hmi, ews_mb, ews_s7, ews_en;
	uint16_t tid = 1, ref = 1;
	uint64_t ctx = 1;
	uint8_t dseq = 0, tm = 0, to = 0;
	tcp_sess(g, &mb, 2, 40001, 10, 502);
	tcp_sess(g, &s7, 2, 40002, 20, 102);
	s7_cotp_cr(&q, false, 0x0100, 0x0102);
	s7_cotp_cr(&r, true, 0x0100, 0x0102);
	tcp_exchange(&s7, &q, &r);
	tcp_sess(g, &en, 2, 40003, 30, 44818);
	tcp_sess(g, &dn, 2, 40004, 40, 20000);
	tcp_sess(g, &hmi, 6, 40005, 10, 502);

	/* the plant polls */
	for (int round = 0; round < 2; round++) {
		mb_poll(&mb, tid++);
		s7_poll(&s7, ref++);
		enip_poll(&en, ctx++);
		dnp3_poll(&dn, &dseq, &tm, &to);
		mb_poll(&hmi, tid++);
	}

	/* the engineering station looks around */
	struct sess bc;
	uint8_t ews[16], all[16];
	ip4(ews, 10, 0, 0, 5);
	ip4(all, 255, 255, 255, 255);
	sess_init(&bc, g, 17, ews, 50000, all, 44818, false);
	enip_hdr(&q, 0x0063, 0, 0, 0, 0x99);
	udp_send(&bc, DIR_C2S, q.b, q.n);
	struct sess li;
	uint8_t enbt[16];
	ip4(enbt, 10, 0, 0, 30);
	sess_init(&li, g, 17, ews, 50000, enbt, 44818, false);
	enip_list_identity_resp(&q, 0x99, 1, 12, 58, 4, 3, 0x00524d8e, "1756-ENBT/A");
	udp_send(&li, DIR_S2C, q.b, q.n);
	tcp_sess(g, &ews_mb, 5, 41001, 10, 502);
	mb_devid(&ews_mb, 100);
	tcp_sess(g, &ews_s7, 5, 41002, 20, 102);
	s7_cotp_cr(&q, false, 0x0100, 0x0102);
	s7_cotp_cr(&r, true, 0x0100, 0x0102);
	tcp_exchange(&ews_s7, &q, &r);
	s7_szl(&ews_s7, 0x100, 0x0011, "V3.2.6");
	s7_szl(&ews_s7, 0x101, 0x001c, NULL);
	tcp_sess(g, &ews_en, 5, 41003, 30, 44818);
	enip_slot0(&ews_en, 0x500, 11);

	/* BACnet: a controller announces itself; the BMS reads its device
	 * object (ReadPropertyMultiple: vendor name, model, firmware, name) */
	struct sess ba, bms;
	uint8_t ctl[16], ws[16];
	ip4(ctl, 10, 0, 0, 50);
	ip4(ws, 10, 0, 0, 51);
	sess_init(&ba, g, 17, ctl, 47808, all, 47808, false);
	static const uint8_t iam[] = { 0x01, 0x00, 0x10, 0x00, 0xc4, 0x02, 0x00, 0x04, 0xd2,
				       0x22, 0x05, 0xc4, 0x91, 0x00, 0x21, 0x18 };
	bvlc(&q, 0x0b, iam, sizeof(iam));
	udp_send(&ba, DIR_C2S, q.b, q.n);
	sess_init(&bms, g, 17, ws, 47809, ctl, 47808, false);
	static const uint8_t rpm[] = { 0x01, 0x04, 0x00, 0x05, 0x07, 0x0e, 0x0c, 0x02, 0x00,
				       0x04, 0xd2, 0x1e, 0x09, 0x79, 0x09, 0x46, 0x09, 0x2c,
				       0x09, 0x4d, 0x1f };
	bvlc(&q, 0x0a, rpm, sizeof(rpm));
	udp_send(&bms, DIR_C2S, q.b, q.n);
	struct buf np;
	b_reset(&np);
	static const uint8_t ack_hdr[] = { 0x01, 0x00, 0x30, 0x07, 0x0e, 0x0c, 0x02, 0x00,
					   0x04, 0xd2, 0x1e };
	b_bytes(&np, ack_hdr, sizeof(ack_hdr));
	bacnet_str(&np, 0x79, "Automated Logic Corp.");
	bacnet_str(&np, 0x46, "ZN551");
	bacnet_str(&np, 0x2c, "6.00a");
	bacnet_str(&np, 0x4d, "AHU-3 controller");
	b_u8(&np, 0x1f);
	bvlc(&r, 0x0a, np.b, np.n);
	udp_send(&bms, DIR_S2C, r.b, r.n);

	opcua(g);
	goose(g, 1, 0);
	goose(g, 1, 1);

	/* the station downloads a block and restarts the PLC */
	s7_download(&ews_s7, 0x102);

	/* two minutes later: the same reads, new firmware on both PLCs */
	gen_tick(g, 120u * 1000000u);
	s7_szl(&ews_s7, 0x110, 0x0011, "V3.3.0");
	enip_slot0(&ews_en, 0x501, 12);
	tcp_close(&ews_s7);
	tcp_close(&ews_en);
	tcp_close(&ews_mb);

	/* the RTU answers from another MAC (a laptop in its place) */
	static const uint8_t laptop[6] = { 0x00, 0x21, 0x70, 0x0a, 0x0b, 0x0c }; /* Dell */
	set_mac(40, laptop);
	dnp3_poll(&dn, &dseq, &tm, &to);

	/* eleven minutes on: everyone once more (refresh records) */
	gen_tick(g, 9u * 60u * 1000000u);
	mb_poll(&mb, tid++);
	s7_poll(&s7, ref++);
	enip_poll(&en, ctx++);
	dnp3_poll(&dn, &dseq, &tm, &to);
	mb_poll(&hmi, tid++);
	goose(g, 1, 2);
	tcp_close(&mb);
	tcp_close(&s7);
	tcp_close(&en);
	tcp_close(&dn);
	tcp_close(&hmi);
	g->f = out;
	return ferror(out) ? 1 : 0;
}
