/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen scenario "bacnet": BACnet/IP (ASHRAE 135 Annex J) on UDP 47808.
 *
 * Normal traffic first: Who-Is / I-Am broadcasts (both ways), the device
 * object read for the inventory (ReadPropertyMultiple and ReadProperty of
 * the vendor, model, firmware, software version, name), present values,
 * commands from the workstation, COV notifications, time synchronisation,
 * Who-Has / I-Have, a routed request, router discovery, BBMD messages, a
 * segmented ComplexACK with its SegmentACKs, errors, a reject and an abort.
 * Then one flow per parser event, the operations the rules describe, BACnet
 * on a non-standard port, and hostile datagrams (truncated, oversized,
 * garbage).
 *
 * Hosts (the plant of gen_ics.c):
 *   10.0.0.2            BACnet operator workstation ($ICS_MASTERS)
 *   10.0.0.5            engineering workstation ($ICS_ENGINEERING)
 *   10.0.0.60-62        building controllers (devices 1060-1062)
 *   10.0.0.65           BBMD and router to network 2
 *   10.0.0.66           a foreign device
 *   10.0.0.255          the subnet's broadcast address
 *   10.0.1.66           a compromised office machine (not a master)
 *
 * Test tool: byte stores into our own buffers.
 */
#include <stdio.h>
#include <string.h>

#include "gen.h"

#define BAC 47808

static struct buf pkt;

static unsigned hexval(char c)
{
	return c >= '0' && c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* Appends the bytes of a hex string (blanks ignored). */
static void hex(struct buf *b, const char *h)
{
	int hi = -1;
	for (; *h; h++) {
		char c = *h;
		if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')))
			continue;
		if (hi < 0) {
			hi = (int)hexval(c);
		} else {
			b_u8(b, (unsigned)hi << 4 | hexval(c));
			hi = -1;
		}
	}
}

/* A BVLC message of function fn around the bytes of body (its length set). */
static void bvlc_wrap(struct buf *out, uint8_t fn, const struct buf *body)
{
	b_reset(out);
	b_u8(out, 0x81);
	b_u8(out, fn);
	b_be16(out, (unsigned)(body->n + 4));
	b_bytes(out, body->b, body->n);
}

/* BVLC function fn with a hex body. */
static void bv(struct sess *s, int dir, uint8_t fn, const char *body)
{
	static struct buf t;
	b_reset(&t);
	hex(&t, body);
	bvlc_wrap(&pkt, fn, &t);
	udp_send(s, dir, pkt.b, pkt.n);
}

/* A datagram of raw bytes (not necessarily BVLC). */
static void raw(struct sess *s, int dir, const char *h)
{
	b_reset(&pkt);
	hex(&pkt, h);
	udp_send(s, dir, pkt.b, pkt.n);
}

/* Original-Unicast-NPDU with a plain NPDU (expecting a reply or not) and
 * the APDU in hex. */
static void uni(struct sess *s, int dir, bool reply, const char *apdu)
{
	static struct buf t;
	b_reset(&t);
	hex(&t, reply ? "0104" : "0100");
	hex(&t, apdu);
	bvlc_wrap(&pkt, 0x0a, &t);
	udp_send(s, dir, pkt.b, pkt.n);
}

/* Original-Broadcast-NPDU, NPDU and APDU in hex. */
static void bcast(struct sess *s, const char *npdu_apdu)
{
	bv(s, DIR_C2S, 0x0b, npdu_apdu);
}

static void bsess(struct sess *s, struct gen *g, const uint8_t a[16], uint16_t pa,
		  const uint8_t b[16], uint16_t pb)
{
	sess_init(s, g, 17, a, pa, b, pb, false);
	s->gap_us = 3000;
}

static void host(uint8_t ip[16], unsigned last)
{
	ip4(ip, 10, 0, 0, last);
}

/* I-Am of device inst (vendor, max APDU 1476, segmentation code seg) */
static void i_am(struct sess *s, int dir, unsigned inst, unsigned vendor, unsigned seg)
{
	char h[96];
	snprintf(h, sizeof(h), "0100 10 00 c4 %08x 22 05c4 91 %02x 22 %04x", (8u << 22) | inst, seg,
		 vendor);
	bv(s, dir, 0x0b, h);
}

/* A CharacterString (UTF-8) application datum in hex. */
static void cstr(char *out, size_t n, const char *s)
{
	size_t len = strlen(s), k;
	if (len + 1 < 5)
		k = (size_t)snprintf(out, n, "7%x 00", (unsigned)(len + 1));
	else
		k = (size_t)snprintf(out, n, "75 %02x 00", (unsigned)(len + 1));
	for (const char *p = s; *p && k + 3 < n; p++)
		k += (size_t)snprintf(out + k, n - k, "%02x", (unsigned char)*p);
}

/* ReadProperty of device inst's property prop and its ACK with a string */
static void read_string(struct sess *s, unsigned invoke, unsigned inst, unsigned prop,
			const char *value)
{
	char h[512], v[256];
	snprintf(h, sizeof(h), "00 05 %02x 0c 0c %08x 19 %02x", invoke, (8u << 22) | inst, prop);
	uni(s, DIR_C2S, true, h);
	cstr(v, sizeof(v), value);
	snprintf(h, sizeof(h), "30 %02x 0c 0c %08x 19 %02x 3e %s 3f", invoke, (8u << 22) | inst, prop, v);
	uni(s, DIR_S2C, false, h);
}

static void normal(struct gen *g, const uint8_t *ws, const uint8_t *bc, const uint8_t dev[3][16],
		   const uint8_t *bbmd, const uint8_t *fd)
{
	struct sess s, d;
	/* discovery: a global Who-Is, then every device's I-Am to the broadcast */
	bsess(&s, g, ws, BAC, bc, BAC);
	bcast(&s, "0120 ffff 00 ff 10 08");
	static const unsigned vendor[3] = { 8, 5, 36 };
	for (int i = 0; i < 3; i++) {
		bsess(&d, g, dev[i], BAC, bc, BAC);
		i_am(&d, DIR_C2S, 1060u + (unsigned)i, vendor[i], (unsigned)(i == 0 ? 0 : 3));
	}
	/* a ranged Who-Is answered by a unicast I-Am */
	bsess(&d, g, ws, BAC, dev[0], BAC);
	uni(&d, DIR_C2S, false, "10 08 0a 0424 1a 0424");
	i_am(&d, DIR_S2C, 1060, 8, 0);

	/* the inventory: ReadPropertyMultiple of the device object and its ACK */
	uni(&d, DIR_C2S, true, "02 05 01 0e 0c 02000424 1e 09 4d 09 79 09 46 09 2c 09 0c 09 1c 1f");
	{
		char h[1024], a[128], b2[128], c[128], e[128], f[128], k[128];
		cstr(a, sizeof(a), "AHU-1 Controller");
		cstr(b2, sizeof(b2), "Delta Controls");
		cstr(c, sizeof(c), "eBCON");
		cstr(e, sizeof(e), "3.40.1234");
		cstr(f, sizeof(f), "ORCAview 3.40");
		cstr(k, sizeof(k), "Air handler, roof");
		snprintf(h, sizeof(h),
			 "30 01 0e 0c 02000424 1e 29 4d 4e %s 4f 29 79 4e %s 4f 29 46 4e %s 4f"
			 " 29 2c 4e %s 4f 29 0c 4e %s 4f 29 1c 4e %s 4f 1f",
			 a, b2, c, e, f, k);
		uni(&d, DIR_S2C, false, h);
	}
	/* present values: AI 1 (REAL 21.5), BI 2 (inactive) */
	uni(&d, DIR_C2S, true, "00 05 02 0c 0c 00000001 19 55");
	uni(&d, DIR_S2C, false, "30 02 0c 0c 00000001 19 55 3e 44 41ac0000 3f");
	uni(&d, DIR_C2S, true, "00 05 03 0c 0c 00c00002 19 55");
	uni(&d, DIR_S2C, false, "30 03 0c 0c 00c00002 19 55 3e 91 00 3f");
	/* the operator commands AO 1 to 50.0 at priority 8 */
	uni(&d, DIR_C2S, true, "00 05 04 0f 0c 00400001 19 55 3e 44 42480000 3f 49 08");
	uni(&d, DIR_S2C, false, "20 04 0f");
	/* an object that does not exist, a property it does not have */
	uni(&d, DIR_C2S, true, "00 05 05 0c 0c 00000063 19 55");
	uni(&d, DIR_S2C, false, "50 05 0c 91 01 91 1f");
	uni(&d, DIR_C2S, true, "00 05 06 0c 0c 00000001 19 2e");
	uni(&d, DIR_S2C, false, "50 06 0c 91 02 91 20");
	/* a service the device does not know, a transaction it aborts */
	uni(&d, DIR_C2S, true, "00 05 07 1a 0c 01400001 19 83");
	uni(&d, DIR_S2C, false, "60 07 09");
	uni(&d, DIR_C2S, true, "00 05 08 1d");
	uni(&d, DIR_S2C, false, "71 08 00");
	/* COV: SubscribeCOV, then a confirmed and an unconfirmed notification */
	uni(&d, DIR_C2S, true, "00 05 09 05 09 11 1c 00000001 29 01 39 78");
	uni(&d, DIR_S2C, false, "20 09 05");
	uni(&d, DIR_S2C, true, "00 05 01 01 09 11 1c 02000424 2c 00000001 39 74 4e 09 55 2e 44 41b00000 2f"
			       " 09 6f 2e 82 04 00 2f 4f");
	uni(&d, DIR_C2S, false, "20 01 01");
	uni(&d, DIR_S2C, false, "10 02 09 11 1c 02000424 2c 00000001 39 70 4e 09 55 2e 44 41b40000 2f 4f");

	/* the device's model name, the second device's inventory by ReadProperty */
	bsess(&s, g, ws, BAC, dev[1], BAC);
	read_string(&s, 1, 1061, 0x79, "Johnson Controls");
	read_string(&s, 2, 1061, 0x46, "FEC2611");
	read_string(&s, 3, 1061, 0x2c, "10.1.5");
	read_string(&s, 4, 1061, 0x4d, "VAV-3-12");

	/* time synchronisation and Who-Has / I-Have */
	bsess(&s, g, ws, BAC, bc, BAC);
	bcast(&s, "0100 10 06 a4 7b0b0e02 b4 0a1e0000");
	bcast(&s, "0100 10 09 a4 7b0b0e02 b4 0f1e0000");
	bcast(&s, "0100 10 07 3d 09 00 4f41542d54656d70");
	bsess(&s, g, dev[2], BAC, bc, BAC);
	bcast(&s, "0100 10 01 c4 02000426 c4 00000007 75 09 00 4f41542d54656d70");

	/* a request routed to network 2 (MS/TP MAC 0x11) through the router */
	bsess(&s, g, ws, BAC, bbmd, BAC);
	bv(&s, DIR_C2S, 0x0a, "0124 0002 01 11 ff 00 05 0a 0c 0c 02000bb9 19 4d");
	bv(&s, DIR_S2C, 0x0a, "0108 0002 01 11 30 0a 0c 0c 02000bb9 19 4d 3e 75 08 00 4d5354502d3131 3f");
	/* router discovery, BBMD tables, a foreign device */
	bsess(&d, g, ws, BAC, bc, BAC);
	bcast(&d, "0180 00");
	bsess(&d, g, bbmd, BAC, bc, BAC);
	bcast(&d, "0180 01 0002");
	bv(&s, DIR_C2S, 0x02, "");
	bv(&s, DIR_S2C, 0x03, "0a000041bac0ffffffff 0a010041bac0ffffffff");
	bv(&s, DIR_C2S, 0x06, "");
	bv(&s, DIR_S2C, 0x07, "0a000042bac0012c0100");
	bsess(&d, g, fd, BAC, bbmd, BAC);
	bv(&d, DIR_C2S, 0x05, "012c");
	bv(&d, DIR_S2C, 0x00, "0000");
	bv(&d, DIR_C2S, 0x09, "0100 10 08");
	bv(&d, DIR_S2C, 0x04, "0a000042bac0 0100 10 00 c4 02000bb9 22 01e0 91 03 22 0008");

	/* a segmented ComplexACK: the object list in 3 segments, window 2 */
	bsess(&s, g, ws, BAC, dev[0], BAC);
	uni(&s, DIR_C2S, true, "02 45 20 0c 0c 02000424 19 4c");
	uni(&s, DIR_S2C, false, "3c 20 00 02 0c 0c 02000424 19 4c 3e c4 00000001 c4 00000002");
	uni(&s, DIR_S2C, false, "3c 20 01 02 0c c4 00400001 c4 00c00002");
	uni(&s, DIR_C2S, false, "40 20 01 02");
	uni(&s, DIR_S2C, false, "38 20 02 02 0c c4 02000424 3f");
	uni(&s, DIR_C2S, false, "40 20 02 02");
}

/* The operations the rules describe. */
static void operations(struct gen *g, const uint8_t *ws, const uint8_t *ew, const uint8_t *rogue,
		       const uint8_t *bc, const uint8_t dev[3][16], const uint8_t *bbmd)
{
	struct sess s;
	/* the workstation restarts a controller (warm start, with a password) */
	bsess(&s, g, ws, BAC, dev[1], BAC);
	uni(&s, DIR_C2S, true, "00 05 11 14 09 01 1d 09 00 6f70657261746f72");
	uni(&s, DIR_S2C, false, "20 11 14");
	/* writes at the life-safety priority, out-of-service */
	uni(&s, DIR_C2S, true, "00 05 12 0f 0c 01000002 19 55 3e 91 01 3f 49 01");
	uni(&s, DIR_S2C, false, "20 12 0f");
	uni(&s, DIR_C2S, true, "00 05 13 0f 0c 00000003 19 51 3e 11 3f");
	uni(&s, DIR_S2C, false, "20 13 0f");
	/* DeviceCommunicationControl: disable for 60 minutes, disable-initiation */
	uni(&s, DIR_C2S, true, "00 05 14 11 09 3c 19 01 2d 09 00 6f70657261746f72");
	uni(&s, DIR_S2C, false, "20 14 11");
	uni(&s, DIR_C2S, true, "00 05 15 11 19 02");
	uni(&s, DIR_S2C, false, "20 15 11");
	uni(&s, DIR_C2S, true, "00 05 16 11 19 00");
	uni(&s, DIR_S2C, false, "20 16 11");

	/* the engineering workstation: backup, restore, file transfer, objects */
	bsess(&s, g, ew, BAC, dev[0], BAC);
	uni(&s, DIR_C2S, true, "00 05 01 14 09 02 1d 09 00 656e67696e656572");
	uni(&s, DIR_S2C, false, "20 01 14");
	uni(&s, DIR_C2S, true, "00 05 02 06 c4 02800001 0e 31 00 22 01e0 0f");
	uni(&s, DIR_S2C, false, "30 02 06 11 0e 31 00 65 10 00112233445566778899aabbccddeeff 0f");
	uni(&s, DIR_C2S, true, "00 05 03 14 09 03 1d 09 00 656e67696e656572");
	uni(&s, DIR_S2C, false, "20 03 14");
	uni(&s, DIR_C2S, true, "00 05 04 14 09 04 1d 09 00 656e67696e656572");
	uni(&s, DIR_S2C, false, "20 04 14");
	uni(&s, DIR_C2S, true, "00 05 05 07 c4 02800001 0e 31 00 65 10 00112233445566778899aabbccddeeff 0f");
	uni(&s, DIR_S2C, false, "30 05 07 09 00");
	uni(&s, DIR_C2S, true, "00 05 06 14 09 05 1d 09 00 656e67696e656572");
	uni(&s, DIR_S2C, false, "20 06 14");
	uni(&s, DIR_C2S, true, "00 05 07 0a 0e 09 02 0f 1e 09 4d 2e 75 05 00 41562d39 2f 1f");
	uni(&s, DIR_S2C, false, "30 07 0a c4 00800009");
	uni(&s, DIR_C2S, true, "00 05 08 0b c4 00800009");
	uni(&s, DIR_S2C, false, "20 08 0b");

	/* the compromised machine: a Who-Is sweep over the instance space */
	for (unsigned i = 0; i < 6; i++) {
		char h[64];
		bsess(&s, g, rogue, BAC, bc, BAC);
		s.port[0] = (uint16_t)(50000 + i);
		snprintf(h, sizeof(h), "0120 ffff 00 ff 10 08 0b %06x 1b %06x", i * 100000, i * 100000 + 99999);
		bcast(&s, h);
	}
	/* it reads the device object, then commands and reconfigures */
	bsess(&s, g, rogue, BAC, dev[2], BAC);
	uni(&s, DIR_C2S, true, "00 05 01 0c 0c 02000426 19 46");
	uni(&s, DIR_S2C, false, "30 01 0c 0c 02000426 19 46 3e 75 08 00 4a414345383030 3f");
	uni(&s, DIR_C2S, true, "00 05 02 0f 0c 00400001 19 55 3e 44 42c80000 3f");
	uni(&s, DIR_S2C, false, "20 02 0f");
	uni(&s, DIR_C2S, true, "00 05 03 0f 0c 00000001 19 2d 3e 44 43480000 3f");
	uni(&s, DIR_S2C, false, "20 03 0f");
	uni(&s, DIR_C2S, true, "00 05 04 10 0c 00400001 1e 09 55 2e 44 00000000 2f 09 68 2e 44 00000000 2f 1f");
	uni(&s, DIR_S2C, false, "20 04 10");
	uni(&s, DIR_C2S, true, "00 05 05 06 c4 02800001 0e 31 00 22 0400 0f");
	uni(&s, DIR_S2C, false, "50 05 06 91 05 91 05");
	/* it guesses the restart password three times */
	for (unsigned i = 0; i < 3; i++) {
		char h[96];
		snprintf(h, sizeof(h), "00 05 %02x 14 09 00 1d 07 00 61646d696e%02x", 0x10 + i, 0x30 + i);
		uni(&s, DIR_C2S, true, h);
		snprintf(h, sizeof(h), "50 %02x 14 91 05 91 1a", 0x10 + i);
		uni(&s, DIR_S2C, false, h);
	}
	/* router discovery, BBMD table overwrite, foreign registration,
	 * routing table initialisation */
	bsess(&s, g, rogue, BAC, bc, BAC);
	bcast(&s, "0180 00");
	bsess(&s, g, rogue, BAC, bbmd, BAC);
	bv(&s, DIR_C2S, 0x01, "0a000041bac0ffffffff 0a000142bac0ffffffff");
	bv(&s, DIR_S2C, 0x00, "0010");
	bv(&s, DIR_C2S, 0x05, "0e10");
	bv(&s, DIR_S2C, 0x00, "0000");
	bv(&s, DIR_C2S, 0x0a, "0180 06 01 0063 01 00");
	bv(&s, DIR_S2C, 0x0a, "0180 07 00");

	/* BACnet/IP on a non-standard port */
	bsess(&s, g, ws, 40000, dev[0], 47900);
	uni(&s, DIR_C2S, true, "00 05 01 0c 0c 00000001 19 55");
	uni(&s, DIR_S2C, false, "30 01 0c 0c 00000001 19 55 3e 44 41b00000 3f");
}

/* One flow per parser event, and hostile datagrams. */
static void anomalies(struct gen *g, const uint8_t *rogue, const uint8_t *bc, const uint8_t dev[3][16])
{
	struct sess s;
	static struct buf t;
	bsess(&s, g, rogue, BAC, dev[0], BAC);
	uni(&s, DIR_C2S, false, "10 08");                               /* the flow is BACnet */
	raw(&s, DIR_C2S, "82 0a 0006 0100");                             /* invalid_bvlc_type */
	raw(&s, DIR_C2S, "81 0a 0020 0100 1008");                        /* invalid_bvlc_length */
	bv(&s, DIR_C2S, 0x0d, "");                                       /* unknown_bvlc_function */
	bv(&s, DIR_C2S, 0x00, "00");                                     /* malformed_bvlc */
	bv(&s, DIR_C2S, 0x0a, "0200 1008");                              /* invalid_npdu_version */
	bv(&s, DIR_C2S, 0x0a, "0140 1008");                              /* malformed_npdu */
	bv(&s, DIR_C2S, 0x0a, "0180 20");                                /* unknown_network_message */
	bv(&s, DIR_C2S, 0x0a, "0100");                                   /* malformed_apdu */
	uni(&s, DIR_C2S, false, "90 00");                                /* unknown_apdu_type */
	uni(&s, DIR_C2S, true, "00 05 30 30");                           /* unknown_service */
	uni(&s, DIR_S2C, false, "60 30 09");
	uni(&s, DIR_C2S, true, "00 05 31 0f 0c 00400001 19 55 3e d1 00 3f"); /* malformed_service */
	uni(&s, DIR_S2C, false, "60 31 03");
	{                                                                /* nesting_too_deep */
		char h[256];
		size_t k = (size_t)snprintf(h, sizeof(h), "00 05 32 0f 0c 00400001 19 55 3e");
		for (int i = 0; i < 20; i++)
			k += (size_t)snprintf(h + k, sizeof(h) - k, "0e");
		for (int i = 0; i < 20; i++)
			k += (size_t)snprintf(h + k, sizeof(h) - k, "0f");
		snprintf(h + k, sizeof(h) - k, "3f");
		uni(&s, DIR_C2S, true, h);
		uni(&s, DIR_S2C, false, "60 32 04");
	}
	uni(&s, DIR_C2S, true, "00 05 33 0f 0c 00400001 19 55 3e 44 00000000 3f 49 11"); /* invalid_priority */
	uni(&s, DIR_S2C, false, "60 33 06");
	/* apdu_too_long: an UnconfirmedPrivateTransfer of 1500 bytes */
	b_reset(&t);
	hex(&t, "0100 10 04 09 08 19 01 2e 65 fe 05d0");
	for (int i = 0; i < 1488; i++)
		b_u8(&t, (unsigned)i);
	hex(&t, "2f");
	bvlc_wrap(&pkt, 0x0a, &t);
	udp_send(&s, DIR_C2S, pkt.b, pkt.n);
	uni(&s, DIR_S2C, false, "20 40 0f");                             /* unmatched_response */
	/* pending_table_full: nine reads never answered */
	for (unsigned i = 0; i < 9; i++) {
		char h[64];
		snprintf(h, sizeof(h), "00 05 %02x 0c 0c 00000001 19 55", 0x50 + i);
		uni(&s, DIR_C2S, true, h);
	}
	/* segments: out of order, duplicate, overflowing the window */
	uni(&s, DIR_C2S, true, "02 05 60 0e 0c 02000424 1e 09 08 1f");
	uni(&s, DIR_S2C, false, "3c 60 00 02 0e 0c 02000424 1e 29 4d");
	uni(&s, DIR_S2C, false, "3c 60 02 02 0e 29 4e"); /* 1 is missing: 3 unacknowledged, window 2 */
	uni(&s, DIR_S2C, false, "3c 60 02 02 0e 29 4e"); /* again */
	uni(&s, DIR_S2C, false, "3c 60 03 02 0e 29 4f");
	uni(&s, DIR_C2S, false, "70 60 00");

	/* confirmed_broadcast: a ReinitializeDevice to everyone */
	bsess(&s, g, rogue, BAC, bc, BAC);
	bcast(&s, "0124 ffff 00 ff 00 05 01 14 09 00");

	/* hostile datagrams: truncated, garbage on the BACnet port */
	bsess(&s, g, rogue, BAC, dev[1], BAC);
	uni(&s, DIR_C2S, false, "10 08");
	raw(&s, DIR_C2S, "81 0a");
	bsess(&s, g, rogue, 51999, dev[2], BAC);
	raw(&s, DIR_C2S, "474554202f20485454502f312e310d0a0d0a");
	raw(&s, DIR_S2C, "485454502f312e3120343030");
}

int sc_bacnet(struct gen *g)
{
	uint8_t ws[16], ew[16], rogue[16], bc[16], bbmd[16], fd[16], dev[3][16];
	host(ws, 2);
	host(ew, 5);
	host(bc, 255);
	host(bbmd, 65);
	host(fd, 66);
	for (int i = 0; i < 3; i++)
		host(dev[i], 60u + (unsigned)i);
	ip4(rogue, 10, 0, 1, 66);
	normal(g, ws, bc, dev, bbmd, fd);
	gen_tick(g, 1000000);
	operations(g, ws, ew, rogue, bc, dev, bbmd);
	gen_tick(g, 1000000);
	anomalies(g, rogue, bc, dev);
	return 0;
}
