/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen: industrial PDU builders, written from the public
 * specifications (Modbus Application Protocol v1.1b3 and Messaging on
 * TCP/IP v1.0b, IEEE 1815 for DNP3, IEC 60870-5-101/104, the S7comm layout
 * as Wireshark documents it, ODVA EtherNet/IP Vol. 1 and 2).
 */
#include <string.h>

#include "gen.h"

/* ---- Modbus/TCP ----------------------------------------------------------- */

void mb_adu(struct buf *b, uint16_t tid, uint8_t unit, const void *pdu, size_t n)
{
	b_reset(b);
	b_be16(b, tid);
	b_be16(b, 0);
	b_be16(b, (unsigned)(n + 1));
	b_u8(b, unit);
	b_bytes(b, pdu, n);
}

void mb_read(struct buf *b, uint16_t tid, uint8_t unit, uint8_t fc, uint16_t addr, uint16_t qty)
{
	uint8_t p[5] = { fc, (uint8_t)(addr >> 8), (uint8_t)addr, (uint8_t)(qty >> 8), (uint8_t)qty };
	mb_adu(b, tid, unit, p, 5);
}

void mb_read_resp_regs(struct buf *b, uint16_t tid, uint8_t unit, uint8_t fc, uint16_t qty,
		       uint16_t base)
{
	uint8_t p[260];
	size_t n = 0;
	p[n++] = fc;
	if (fc <= 2) {
		size_t bytes = (qty + 7u) / 8u;
		p[n++] = (uint8_t)bytes;
		for (size_t i = 0; i < bytes; i++)
			p[n++] = (uint8_t)(base + i * 37u);
	} else {
		p[n++] = (uint8_t)(qty * 2u);
		for (uint16_t i = 0; i < qty; i++) {
			uint16_t v = (uint16_t)(base + i * 11u);
			p[n++] = (uint8_t)(v >> 8);
			p[n++] = (uint8_t)v;
		}
	}
	mb_adu(b, tid, unit, p, n);
}

void mb_write_single(struct buf *b, uint16_t tid, uint8_t unit, uint8_t fc, uint16_t addr, uint16_t val)
{
	uint8_t p[5] = { fc, (uint8_t)(addr >> 8), (uint8_t)addr, (uint8_t)(val >> 8), (uint8_t)val };
	mb_adu(b, tid, unit, p, 5);
}

void mb_write_multi(struct buf *b, uint16_t tid, uint8_t unit, uint16_t addr, uint16_t qty, uint16_t base)
{
	uint8_t p[260];
	size_t n = 0;
	p[n++] = 16;
	p[n++] = (uint8_t)(addr >> 8);
	p[n++] = (uint8_t)addr;
	p[n++] = (uint8_t)(qty >> 8);
	p[n++] = (uint8_t)qty;
	p[n++] = (uint8_t)(qty * 2u);
	for (uint16_t i = 0; i < qty; i++) {
		uint16_t v = (uint16_t)(base + i);
		p[n++] = (uint8_t)(v >> 8);
		p[n++] = (uint8_t)v;
	}
	mb_adu(b, tid, unit, p, n);
}

void mb_write_multi_resp(struct buf *b, uint16_t tid, uint8_t unit, uint16_t addr, uint16_t qty)
{
	uint8_t p[5] = { 16, (uint8_t)(addr >> 8), (uint8_t)addr, (uint8_t)(qty >> 8), (uint8_t)qty };
	mb_adu(b, tid, unit, p, 5);
}

void mb_exception(struct buf *b, uint16_t tid, uint8_t unit, uint8_t fc, uint8_t code)
{
	uint8_t p[2] = { (uint8_t)(fc | 0x80), code };
	mb_adu(b, tid, unit, p, 2);
}

void mb_diag(struct buf *b, uint16_t tid, uint8_t unit, uint16_t sub, uint16_t data)
{
	uint8_t p[5] = { 8, (uint8_t)(sub >> 8), (uint8_t)sub, (uint8_t)(data >> 8), (uint8_t)data };
	mb_adu(b, tid, unit, p, 5);
}

/* ---- DNP3 ----------------------------------------------------------------- */

/* CRC-16/DNP: polynomial 0x3D65 (reflected 0xA6BC), init 0, complemented,
 * sent low byte first. */
uint16_t dnp3_crc(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA6BC) : (uint16_t)(crc >> 1);
	}
	return (uint16_t)~crc;
}

static void b_crc(struct buf *b, size_t from)
{
	uint16_t c = dnp3_crc(b->b + from, b->n - from);
	b_le16(b, c);
}

void dnp3_frame(struct buf *b, uint8_t ctrl, uint16_t dst, uint16_t src, const void *user, size_t n)
{
	const uint8_t *u = user;
	size_t at = b->n;
	b_u8(b, 0x05);
	b_u8(b, 0x64);
	b_u8(b, (unsigned)(5 + n));
	b_u8(b, ctrl);
	b_le16(b, dst);
	b_le16(b, src);
	b_crc(b, at);
	for (size_t off = 0; off < n; off += 16) {
		size_t k = n - off < 16 ? n - off : 16;
		size_t blk = b->n;
		b_bytes(b, u + off, k);
		b_crc(b, blk);
	}
}

void dnp3_msg(struct buf *b, bool from_master, uint16_t dst, uint16_t src, uint8_t *tseq,
	      const void *app, size_t n, size_t seg)
{
	const uint8_t *a = app;
	uint8_t user[250];
	if (seg < 1 || seg > 249)
		seg = 249;
	b_reset(b);
	size_t off = 0;
	do {
		size_t k = n - off < seg ? n - off : seg;
		bool fir = off == 0, fin = off + k == n;
		user[0] = (uint8_t)((fin ? 0x80 : 0) | (fir ? 0x40 : 0) | (*tseq & 0x3f));
		*tseq = (uint8_t)((*tseq + 1) & 0x3f);
		memcpy(user + 1, a + off, k);
		/* DIR bit set from the master, PRM set, unconfirmed user data */
		dnp3_frame(b, from_master ? 0xc4 : 0x44, dst, src, user, k + 1);
		off += k;
	} while (off < n);
}

/* ---- IEC 60870-5-104 ------------------------------------------------------- */

void iec104_u(struct buf *b, uint8_t ctrl)
{
	b_reset(b);
	b_u8(b, 0x68);
	b_u8(b, 4);
	b_u8(b, ctrl);
	b_u8(b, 0);
	b_u8(b, 0);
	b_u8(b, 0);
}

void iec104_s(struct buf *b, uint16_t nr)
{
	b_reset(b);
	b_u8(b, 0x68);
	b_u8(b, 4);
	b_u8(b, 0x01);
	b_u8(b, 0);
	b_le16(b, (unsigned)(nr << 1));
}

void iec104_i(struct buf *b, uint16_t ns, uint16_t nr, const void *asdu, size_t n)
{
	b_reset(b);
	b_u8(b, 0x68);
	b_u8(b, (unsigned)(4 + n));
	b_le16(b, (unsigned)(ns << 1));
	b_le16(b, (unsigned)(nr << 1));
	b_bytes(b, asdu, n);
}

void iec104_asdu_hdr(struct buf *b, uint8_t type, uint8_t vsq, uint8_t cot, uint8_t oa, uint16_t ca)
{
	b_u8(b, type);
	b_u8(b, vsq);
	b_u8(b, cot);
	b_u8(b, oa);
	b_le16(b, ca);
}

/* ---- S7comm ----------------------------------------------------------------- */

void s7_cotp_cr(struct buf *b, bool confirm, uint16_t src_tsap, uint16_t dst_tsap)
{
	b_reset(b);
	b_u8(b, 3);
	b_u8(b, 0);
	b_be16(b, 22);
	b_u8(b, 17);                   /* length indicator */
	b_u8(b, confirm ? 0xd0 : 0xe0); /* CC / CR */
	b_be16(b, confirm ? 0x0001 : 0);
	b_be16(b, confirm ? 0x0044 : 0x0001);
	b_u8(b, 0);                    /* class 0 */
	b_u8(b, 0xc0);                 /* TPDU size 1024 */
	b_u8(b, 1);
	b_u8(b, 0x0a);
	b_u8(b, 0xc1);
	b_u8(b, 2);
	b_be16(b, src_tsap);
	b_u8(b, 0xc2);
	b_u8(b, 2);
	b_be16(b, dst_tsap);
}

void s7_pdu(struct buf *b, uint8_t rosctr, uint16_t pduref, const void *param, size_t plen,
	    const void *data, size_t dlen, uint16_t error)
{
	b_reset(b);
	b_u8(b, 3);
	b_u8(b, 0);
	b_be16(b, 0); /* fixed below */
	b_u8(b, 2);
	b_u8(b, 0xf0);
	b_u8(b, 0x80);
	b_u8(b, 0x32);
	b_u8(b, rosctr);
	b_be16(b, 0);
	b_be16(b, pduref);
	b_be16(b, (unsigned)plen);
	b_be16(b, (unsigned)dlen);
	if (rosctr == 2 || rosctr == 3)
		b_be16(b, error);
	b_bytes(b, param, plen);
	b_bytes(b, data, dlen);
	b_put_be16(b, 2, (unsigned)b->n);
}

/* ---- EtherNet/IP ---------------------------------------------------------------- */

void enip_hdr(struct buf *b, uint16_t cmd, uint16_t len, uint32_t session, uint32_t status, uint64_t ctx)
{
	b_reset(b);
	b_le16(b, cmd);
	b_le16(b, len);
	b_le32(b, session);
	b_le32(b, status);
	b_le32(b, (uint32_t)ctx);
	b_le32(b, (uint32_t)(ctx >> 32));
	b_le32(b, 0);
}

void enip_rr(struct buf *b, uint32_t session, uint64_t ctx, const void *cip, size_t n)
{
	enip_hdr(b, 0x006f, (uint16_t)(6 + 2 + 4 + 4 + n), session, 0, ctx);
	b_le32(b, 0);     /* interface handle: CIP */
	b_le16(b, 10);    /* timeout */
	b_le16(b, 2);     /* items */
	b_le16(b, 0x0000); /* null address */
	b_le16(b, 0);
	b_le16(b, 0x00b2); /* unconnected data */
	b_le16(b, (unsigned)n);
	b_bytes(b, cip, n);
}

void cip_req(struct buf *b, uint8_t service, uint16_t cls, uint16_t inst, uint16_t attr,
	     const void *data, size_t n)
{
	b_reset(b);
	b_u8(b, service);
	size_t at = b->n;
	b_u8(b, 0);
	if (cls > 0xff) {
		b_u8(b, 0x21);
		b_u8(b, 0);
		b_le16(b, cls);
	} else {
		b_u8(b, 0x20);
		b_u8(b, cls);
	}
	if (inst > 0xff) {
		b_u8(b, 0x25);
		b_u8(b, 0);
		b_le16(b, inst);
	} else {
		b_u8(b, 0x24);
		b_u8(b, inst);
	}
	if (attr) {
		b_u8(b, 0x30);
		b_u8(b, attr);
	}
	b->b[at] = (uint8_t)((b->n - at - 1) / 2);
	b_bytes(b, data, n);
}

void cip_resp(struct buf *b, uint8_t service, uint8_t status, const void *data, size_t n)
{
	b_reset(b);
	b_u8(b, (unsigned)(service | 0x80));
	b_u8(b, 0);
	b_u8(b, status);
	b_u8(b, 0);
	b_bytes(b, data, n);
}

void enip_list_identity_resp(struct buf *b, uint64_t ctx, uint16_t vendor, uint16_t devtype,
			     uint16_t product, uint8_t rev_major, uint8_t rev_minor, uint32_t serial,
			     const char *name)
{
	size_t nl = strlen(name);
	size_t item = 2 + 16 + 2 + 2 + 2 + 2 + 2 + 4 + 1 + nl + 1;
	enip_hdr(b, 0x0063, (uint16_t)(2 + 4 + item), 0, 0, ctx);
	b_le16(b, 1);
	b_le16(b, 0x000c);
	b_le16(b, (unsigned)item);
	b_le16(b, 1); /* encapsulation version */
	/* socket address, big-endian: AF_INET, port 44818, 10.0.0.50 */
	b_be16(b, 2);
	b_be16(b, 44818);
	b_u8(b, 10);
	b_u8(b, 0);
	b_u8(b, 0);
	b_u8(b, 50);
	for (int i = 0; i < 8; i++)
		b_u8(b, 0);
	b_le16(b, vendor);
	b_le16(b, devtype);
	b_le16(b, product);
	b_u8(b, rev_major);
	b_u8(b, rev_minor);
	b_le16(b, 0x0060); /* status */
	b_le32(b, serial);
	b_u8(b, (unsigned)nl);
	b_str(b, name);
	b_u8(b, 3); /* state: operational */
}
