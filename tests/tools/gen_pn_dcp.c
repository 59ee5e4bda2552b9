/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen pn_dcp: a PROFINET cell on layer 2 (EtherType 0x8892).
 *
 *   00:1b:1b:0a:00:05  the engineering station (TIA-like: Identify All, Get,
 *                      Set of name and IP, signal)
 *   00:1b:1b:0a:00:40  the IO controller "plc-line1" (10.0.0.40), which
 *                      exchanges RT class 1 cyclic data with its devices
 *   00:1b:1b:0a:00:41-43, 00:09:91:43:e0:67  IO devices (ET 200SP, a drive,
 *                      a GE VersaMax), 00:1b:1b:0a:00:45 a new device
 *                      without name or address
 *   02:00:0a:00:01:42  the attacker: Identify sweeps, spoofed answers, Sets
 *                      of names and addresses of other devices, a factory
 *                      reset, a Hello flood, malformed PDUs
 *
 * Normal traffic first (with RT cyclic frames, PTCP, an alarm, VLAN tags
 * and Ethernet padding in between), then the attacks of rules/pn_dcp.rules,
 * then one frame per parser event.
 */
#include <string.h>

#include "gen.h"

static const uint8_t MC_IDENT[6] = { 0x01, 0x0e, 0xcf, 0x00, 0x00, 0x00 };
static const uint8_t MC_HELLO[6] = { 0x01, 0x0e, 0xcf, 0x00, 0x00, 0x01 };
static const uint8_t MC_PTCP[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };
static const uint8_t ENG[6] = { 0x00, 0x1b, 0x1b, 0x0a, 0x00, 0x05 };
static const uint8_t ATK[6] = { 0x02, 0x00, 0x0a, 0x00, 0x01, 0x42 };
static const uint8_t SWITCH[6] = { 0x00, 0x1b, 0x1b, 0x0a, 0x00, 0x02 };

struct dev {
	uint8_t mac[6];
	const char *name;  /* "" = none yet */
	const char *type;
	uint16_t vendor, device;
	uint8_t role;
	uint8_t ip[4];
};

static struct dev devs[] = {
	{ { 0x00, 0x1b, 0x1b, 0x0a, 0x00, 0x40 }, "plc-line1", "S7-1500", 0x002a, 0x010e, 0x02,
	  { 10, 0, 0, 40 } },
	{ { 0x00, 0x1b, 0x1b, 0x0a, 0x00, 0x41 }, "et200sp-a", "ET200SP", 0x002a, 0x0313, 0x01,
	  { 10, 0, 0, 41 } },
	{ { 0x00, 0x1b, 0x1b, 0x0a, 0x00, 0x42 }, "et200sp-b", "ET200SP", 0x002a, 0x0313, 0x01,
	  { 10, 0, 0, 42 } },
	{ { 0x00, 0x1b, 0x1b, 0x0a, 0x00, 0x43 }, "drive-g120", "SINAMICS G120", 0x002a, 0x0a05,
	  0x01, { 10, 0, 0, 43 } },
	{ { 0x00, 0x09, 0x91, 0x43, 0xe0, 0x67 }, "versamax-pns11", "IC200PNS001", 0x015a, 0x0003,
	  0x01, { 10, 0, 0, 44 } },
	{ { 0x00, 0x1b, 0x1b, 0x0a, 0x00, 0x45 }, "", "ET200SP", 0x002a, 0x0313, 0x01,
	  { 0, 0, 0, 0 } },
};

#define PLC (&devs[0])
#define IOA (&devs[1])
#define IOB (&devs[2])
#define DRIVE (&devs[3])
#define GE (&devs[4])
#define NEWDEV (&devs[5])
#define N_DEVS (sizeof(devs) / sizeof(devs[0]))

/* ---- DCP PDUs ---------------------------------------------------------------- */

static struct buf pdu;

static void dcp_start(uint16_t frame_id, uint8_t svc, uint8_t type, uint32_t xid, uint16_t delay)
{
	b_reset(&pdu);
	b_be16(&pdu, frame_id);
	b_u8(&pdu, svc);
	b_u8(&pdu, type);
	b_be32(&pdu, xid);
	b_be16(&pdu, delay);
	b_be16(&pdu, 0); /* DCPDataLength, set by send */
}

/* a block; info < 0: no BlockInfo/BlockQualifier; padded to even */
static void dcp_block(uint8_t opt, uint8_t sub, int info, const void *v, size_t n)
{
	size_t body = n + (info >= 0 ? 2 : 0);
	b_u8(&pdu, opt);
	b_u8(&pdu, sub);
	b_be16(&pdu, (unsigned)body);
	if (info >= 0)
		b_be16(&pdu, (unsigned)info);
	b_bytes(&pdu, v, n);
	if (body & 1)
		b_u8(&pdu, 0);
}

static void dcp_str(uint8_t opt, uint8_t sub, int info, const char *s)
{
	dcp_block(opt, sub, info, s, strlen(s));
}

static void dcp_ip(int info, const uint8_t ip[4])
{
	uint8_t v[12] = { ip[0], ip[1], ip[2], ip[3], 255, 255, 255, 0, ip[0], ip[1], ip[2], 1 };
	if (!ip[0])
		memset(v, 0, sizeof(v));
	dcp_block(1, 2, info, v, sizeof(v));
}

/* a control response block (5/4): the option answered and its BlockError */
static void dcp_result(uint8_t opt, uint8_t sub, uint8_t err)
{
	uint8_t v[3] = { opt, sub, err };
	dcp_block(5, 4, -1, v, 3);
}

/* The frame: DCPDataLength from the blocks unless forced (>= 0), padded to
 * the Ethernet minimum (60 bytes with the header) unless forced too (the
 * padding would be taken for blocks). */
static void send_len(struct gen *g, const uint8_t *src, const uint8_t *dst, uint16_t vlan,
		     long force_len)
{
	size_t dl = pdu.n - 12;
	b_put_be16(&pdu, 10, (unsigned)(force_len >= 0 ? (size_t)force_len : dl));
	size_t min = vlan ? 42 : 46;
	while (force_len < 0 && pdu.n < min)
		b_u8(&pdu, 0);
	gen_ether_addr(g, dst, src, vlan, 0x8892, pdu.b, pdu.n);
}

static void send(struct gen *g, const uint8_t *src, const uint8_t *dst, uint16_t vlan)
{
	send_len(g, src, dst, vlan, -1);
}

/* ---- the devices -------------------------------------------------------------- */

static void ident_response(struct gen *g, const struct dev *d, const uint8_t *req, uint32_t xid,
			   uint16_t vlan)
{
	dcp_start(0xfeff, 5, 1, xid, 0);
	dcp_str(2, 2, 0, d->name);
	static const uint8_t opts[] = { 1, 2, 2, 1, 2, 2, 2, 3, 2, 4, 2, 6, 2, 7, 6, 1 };
	dcp_block(2, 5, 0, opts, sizeof(opts));
	dcp_str(2, 1, 0, d->type);
	uint8_t id[4] = { (uint8_t)(d->vendor >> 8), (uint8_t)d->vendor, (uint8_t)(d->device >> 8),
			  (uint8_t)d->device };
	dcp_block(2, 3, 0, id, 4);
	uint8_t role[2] = { d->role, 0 };
	dcp_block(2, 4, 0, role, 2);
	dcp_ip(d->ip[0] ? 1 : 0, d->ip);
	if (d->name[0]) {
		char alias[64];
		size_t n = strlen(d->name);
		memcpy(alias, "port-001.", 9);
		memcpy(alias + 9, d->name, n + 1);
		dcp_str(2, 6, 0, alias);
	}
	static const uint8_t inst[2] = { 0, 1 };
	dcp_block(2, 7, 0, inst, 2);
	static const uint8_t init[2] = { 0, 1 };
	dcp_block(6, 1, 0, init, 2);
	send(g, d->mac, req, vlan);
}

/* RT class 1 cyclic data between the controller and its devices (priority
 * tagged, VID 0 PCP 6), with PTCP delay requests and now and then an alarm */
static uint16_t cycle;

static void cyclic(struct gen *g, unsigned rounds)
{
	static struct buf f;
	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned i = 1; i <= 4; i++) {
			for (int dir = 0; dir < 2; dir++) {
				b_reset(&f);
				b_be16(&f, (unsigned)(dir ? 0xc000 + i : 0xc100 + i));
				for (int k = 0; k < 40; k++)
					b_u8(&f, (uint8_t)(k == 0 ? 0x80 : (r + k) & 0x7f));
				b_be16(&f, cycle);
				b_u8(&f, 0x35); /* DataStatus: valid, primary, run, ok */
				b_u8(&f, 0x00); /* TransferStatus */
				const uint8_t *a = dir ? devs[i].mac : PLC->mac;
				const uint8_t *b = dir ? PLC->mac : devs[i].mac;
				gen_ether_addr(g, b, a, 0xc000, 0x8892, f.b, f.n);
			}
		}
		cycle = (uint16_t)(cycle + 256);
		gen_tick(g, 2000);
	}
	/* PTCP delay request (FF40) from the switch */
	b_reset(&f);
	b_be16(&f, 0xff40);
	for (int k = 0; k < 44; k++)
		b_u8(&f, (uint8_t)(k == 12 ? 0x06 : 0));
	gen_ether_addr(g, MC_PTCP, SWITCH, 0, 0x8892, f.b, f.n);
}

static void other_rt_frames(struct gen *g)
{
	static struct buf f;
	/* an RT class 2 and an RT class 3 frame, a high priority alarm
	 * (FC01: AlarmDstEndpoint, AlarmSrcEndpoint, PDUType...), a fragment
	 * and a reserved FrameID: counted, never logged */
	static const uint16_t ids[] = { 0x8001, 0x0101, 0xfc01, 0xff80, 0x2000 };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		b_reset(&f);
		b_be16(&f, ids[i]);
		for (int k = 0; k < 44; k++)
			b_u8(&f, (uint8_t)(ids[i] == 0xfc01 && k < 8 ? 0x10 + k : 0));
		gen_ether_addr(g, PLC->mac, IOA->mac, 0xc000, 0x8892, f.b, f.n);
	}
}

/* ---- the engineering station ---------------------------------------------------- */

static void identify_all(struct gen *g, const uint8_t *src, uint32_t xid, uint16_t delay,
			 uint16_t vlan)
{
	dcp_start(0xfefe, 5, 0, xid, delay);
	dcp_block(0xff, 0xff, -1, NULL, 0);
	send(g, src, MC_IDENT, vlan);
}

static void set_response(struct gen *g, const struct dev *d, const uint8_t *req, uint32_t xid,
			 const uint8_t (*res)[3], size_t n)
{
	dcp_start(0xfefd, 4, 1, xid, 0);
	for (size_t i = 0; i < n; i++)
		dcp_result(res[i][0], res[i][1], res[i][2]);
	send(g, d->mac, req, 0);
}

static void engineering(struct gen *g)
{
	/* Identify All (ResponseDelayFactor 128: answers spread over 1.28 s),
	 * on VLAN 100 like the rest of the engineering traffic below */
	identify_all(g, ENG, 0x01000001, 128, 100);
	for (size_t i = 0; i < N_DEVS; i++) {
		gen_tick(g, 40000 + 30000 * i);
		ident_response(g, &devs[i], ENG, 0x01000001, 100);
	}
	cyclic(g, 10);
	/* Identify by name (what a controller does before connecting) */
	dcp_start(0xfefe, 5, 0, 0x01000002, 1);
	dcp_str(2, 2, -1, IOA->name);
	send(g, PLC->mac, MC_IDENT, 0);
	gen_tick(g, 3000);
	ident_response(g, IOA, PLC->mac, 0x01000002, 0);
	cyclic(g, 10);
	/* Get of the IP parameters and the name of station */
	dcp_start(0xfefd, 3, 0, 0x01000003, 0);
	static const uint8_t sel[] = { 1, 2, 2, 2 };
	b_bytes(&pdu, sel, sizeof(sel));
	send(g, ENG, IOB->mac, 0);
	gen_tick(g, 2000);
	dcp_start(0xfefd, 3, 1, 0x01000003, 0);
	dcp_ip(1, IOB->ip);
	dcp_str(2, 2, 0, IOB->name);
	send(g, IOB->mac, ENG, 0);
	/* Get All of the drive: every option it has */
	dcp_start(0xfefd, 3, 0, 0x01000004, 0);
	b_u8(&pdu, 0xff);
	b_u8(&pdu, 0xff);
	send(g, ENG, DRIVE->mac, 0);
	gen_tick(g, 2000);
	dcp_start(0xfefd, 3, 1, 0x01000004, 0);
	dcp_block(1, 1, 0, DRIVE->mac, 6);
	dcp_ip(1, DRIVE->ip);
	dcp_str(2, 2, 0, DRIVE->name);
	dcp_str(2, 1, 0, DRIVE->type);
	static const uint8_t did[4] = { 0x00, 0x2a, 0x0a, 0x05 }, oem[4] = { 0x00, 0x2a, 0x0a, 0x06 };
	dcp_block(2, 3, 0, did, 4);
	dcp_block(2, 8, 0, oem, 4);
	static const uint8_t rsi[2] = { 0x00, 0x3f };
	dcp_block(2, 10, 0, rsi, 2);
	send(g, DRIVE->mac, ENG, 0);
	cyclic(g, 10);
	/* commissioning the new device: flash its LED, give it a name (in a
	 * transaction, permanent), then an address */
	dcp_start(0xfefd, 4, 0, 0x01000005, 0);
	static const uint8_t flash[2] = { 0x01, 0x00 };
	dcp_block(5, 3, 0, flash, 2);
	send(g, ENG, NEWDEV->mac, 0);
	gen_tick(g, 3000);
	static const uint8_t r_sig[1][3] = { { 5, 3, 0 } };
	set_response(g, NEWDEV, ENG, 0x01000005, r_sig, 1);
	gen_tick(g, 500000);
	dcp_start(0xfefd, 4, 0, 0x01000006, 0);
	dcp_block(5, 1, 1, NULL, 0);
	dcp_str(2, 2, 1, "et200sp-c");
	dcp_block(5, 2, 1, NULL, 0);
	send(g, ENG, NEWDEV->mac, 0);
	gen_tick(g, 3000);
	static const uint8_t r_name[3][3] = { { 5, 1, 0 }, { 2, 2, 0 }, { 5, 2, 0 } };
	set_response(g, NEWDEV, ENG, 0x01000006, r_name, 3);
	NEWDEV->name = "et200sp-c";
	gen_tick(g, 200000);
	dcp_start(0xfefd, 4, 0, 0x01000007, 0);
	static const uint8_t ip45[4] = { 10, 0, 0, 45 };
	dcp_ip(1, ip45);
	send(g, ENG, NEWDEV->mac, 0);
	gen_tick(g, 3000);
	static const uint8_t r_ip[1][3] = { { 1, 2, 0 } };
	set_response(g, NEWDEV, ENG, 0x01000007, r_ip, 1);
	memcpy(NEWDEV->ip, ip45, 4);
	/* DHCP client identifier by name: not supported by the device */
	dcp_start(0xfefd, 4, 0, 0x01000008, 0);
	static const uint8_t cid[3] = { 61, 1, 0 };
	dcp_block(3, 61, 1, cid, 3);
	send(g, ENG, NEWDEV->mac, 0);
	gen_tick(g, 3000);
	static const uint8_t r_dhcp[1][3] = { { 3, 61, 1 } };
	set_response(g, NEWDEV, ENG, 0x01000008, r_dhcp, 1);
	/* the new device announces itself (device initiative): Hello */
	gen_tick(g, 800000);
	dcp_start(0xfefc, 6, 0, 0x00000001, 0);
	dcp_str(2, 2, 0, NEWDEV->name);
	dcp_ip(1, NEWDEV->ip);
	uint8_t id[4] = { 0x00, 0x2a, 0x03, 0x13 };
	dcp_block(2, 3, 0, id, 4);
	static const uint8_t role[2] = { 1, 0 };
	dcp_block(2, 4, 0, role, 2);
	send(g, NEWDEV->mac, MC_HELLO, 0);
	other_rt_frames(g);
	cyclic(g, 10);
}

/* ---- the attacker ---------------------------------------------------------------- */

static void attacks(struct gen *g)
{
	/* an Identify All sweep: 20 in a second (a scanner), the devices answer
	 * the first; the request table fills up */
	for (uint32_t i = 0; i < 20; i++) {
		identify_all(g, ATK, 0x0badc000 + i, 1, 0);
		if (i == 0)
			for (size_t k = 0; k < N_DEVS; k++) {
				gen_tick(g, 2000);
				ident_response(g, &devs[k], ATK, 0x0badc000, 0);
			}
		gen_tick(g, 50000);
	}
	cyclic(g, 5);
	/* the engineering station identifies again; the attacker answers too,
	 * with the controller's name and address (a spoofed duplicate) */
	gen_tick(g, 5000000);
	identify_all(g, ENG, 0x01000010, 128, 100);
	for (size_t i = 0; i < N_DEVS; i++) {
		gen_tick(g, 40000);
		ident_response(g, &devs[i], ENG, 0x01000010, 100);
		if (i == 0) {
			struct dev spoof = *PLC;
			memcpy(spoof.mac, ATK, 6);
			gen_tick(g, 1000);
			ident_response(g, &spoof, ENG, 0x01000010, 100);
		}
	}
	/* an unsolicited Identify response to the controller */
	gen_tick(g, 3000000);
	{
		struct dev spoof = *IOA;
		memcpy(spoof.mac, ATK, 6);
		ident_response(g, &spoof, PLC->mac, 0x0000dead, 0);
	}
	cyclic(g, 5);
	/* Set of et200sp-b's name to the controller's (masquerading); the
	 * device accepts */
	dcp_start(0xfefd, 4, 0, 0x0badd001, 0);
	dcp_str(2, 2, 1, PLC->name);
	send(g, ATK, IOB->mac, 0);
	gen_tick(g, 3000);
	static const uint8_t r_name[1][3] = { { 2, 2, 0 } };
	set_response(g, IOB, ATK, 0x0badd001, r_name, 1);
	/* Set of the drive's address to the controller's (temporary) */
	dcp_start(0xfefd, 4, 0, 0x0badd002, 0);
	dcp_ip(0, PLC->ip);
	send(g, ATK, DRIVE->mac, 0);
	gen_tick(g, 3000);
	static const uint8_t r_ip[1][3] = { { 1, 2, 0 } };
	set_response(g, DRIVE, ATK, 0x0badd002, r_ip, 1);
	cyclic(g, 5);
	/* reset to factory of et200sp-a (all data), reset factory settings of
	 * the drive, which refuses while in operation */
	dcp_start(0xfefd, 4, 0, 0x0badd003, 0);
	dcp_block(5, 6, 0x0010, NULL, 0);
	send(g, ATK, IOA->mac, 0);
	gen_tick(g, 3000);
	static const uint8_t r_reset[1][3] = { { 5, 6, 0 } };
	set_response(g, IOA, ATK, 0x0badd003, r_reset, 1);
	dcp_start(0xfefd, 4, 0, 0x0badd004, 0);
	dcp_block(5, 5, 0, NULL, 0);
	send(g, ATK, DRIVE->mac, 0);
	gen_tick(g, 3000);
	static const uint8_t r_busy[1][3] = { { 5, 5, 6 } };
	set_response(g, DRIVE, ATK, 0x0badd004, r_busy, 1);
	cyclic(g, 5);
	/* a Hello flood: 60 in 1.2 s (a plant powering up sends one per device) */
	for (uint32_t i = 0; i < 60; i++) {
		char name[16] = "rogue-00";
		name[6] = (char)('0' + i / 10);
		name[7] = (char)('0' + i % 10);
		dcp_start(0xfefc, 6, 0, 0x0bade000 + i, 0);
		dcp_str(2, 2, 0, name);
		send(g, ATK, MC_HELLO, 0);
		gen_tick(g, 20000);
	}
	cyclic(g, 5);
}

/* ---- one frame per parser event ------------------------------------------------- */

static void malformed(struct gen *g)
{
	uint32_t xid = 0x0bad0f00;
	/* truncated_header: FrameID and 5 bytes, no Ethernet padding (a
	 * capture cut short) */
	b_reset(&pdu);
	static const uint8_t cut[] = { 0xfe, 0xfe, 0x05, 0x00, 0x0b, 0xad, 0x0f };
	gen_ether_addr(g, MC_IDENT, ATK, 0, 0x8892, cut, sizeof(cut));
	/* data_length_exceeds_frame: 0x200 announced, a name filter present */
	dcp_start(0xfefe, 5, 0, xid++, 1);
	dcp_str(2, 2, -1, "plc-line1");
	send_len(g, ATK, MC_IDENT, 0, 0x200);
	/* block_length_exceeds_data: a block of 0x40 in 6 bytes */
	dcp_start(0xfefe, 5, 0, xid++, 1);
	b_be16(&pdu, 0x0202);
	b_be16(&pdu, 0x0040);
	b_be16(&pdu, 0x6162);
	send(g, ATK, MC_IDENT, 0);
	/* invalid_block_length: an IP parameter of 8 bytes in a Set */
	dcp_start(0xfefd, 4, 0, xid++, 0);
	static const uint8_t ip8[8] = { 10, 0, 0, 41, 255, 255, 255, 0 };
	dcp_block(1, 2, 1, ip8, 8);
	send(g, ATK, IOA->mac, 0);
	/* bad_padding: a name of odd length, the next block right after it */
	dcp_start(0xfefe, 5, 0, xid++, 1);
	b_be16(&pdu, 0x0202);
	b_be16(&pdu, 3);
	b_str(&pdu, "plc");
	b_be16(&pdu, 0xffff);
	b_be16(&pdu, 0);
	send(g, ATK, MC_IDENT, 0);
	/* unknown_service (9) and unknown_service_type (3) */
	dcp_start(0xfefe, 9, 0, xid++, 1);
	dcp_block(0xff, 0xff, -1, NULL, 0);
	send(g, ATK, MC_IDENT, 0);
	dcp_start(0xfefe, 5, 3, xid++, 1);
	dcp_block(0xff, 0xff, -1, NULL, 0);
	send(g, ATK, MC_IDENT, 0);
	/* unknown_option: option 4 (reserved) in an Identify filter */
	dcp_start(0xfefe, 5, 0, xid++, 1);
	static const uint8_t two[2] = { 0, 1 };
	dcp_block(4, 1, -1, two, 2);
	send(g, ATK, MC_IDENT, 0);
	/* too_many_blocks: 40 all selectors, VLAN 100 */
	dcp_start(0xfefe, 5, 0, xid++, 1);
	for (int i = 0; i < 40; i++)
		dcp_block(0xff, 0xff, -1, NULL, 0);
	send(g, ATK, MC_IDENT, 100);
	/* frame_id_mismatch: a Set request on the Identify FrameID */
	dcp_start(0xfefe, 4, 0, xid++, 0);
	static const uint8_t flash[2] = { 0x01, 0x00 };
	dcp_block(5, 3, 0, flash, 2);
	send(g, ATK, GE->mac, 0);
	/* invalid_name_of_station: upper case and punctuation */
	dcp_start(0xfefe, 5, 0, xid++, 1);
	dcp_str(2, 2, -1, "PLC_Line1!");
	send(g, ATK, MC_IDENT, 0);
}

int sc_pn_dcp(struct gen *g)
{
	cyclic(g, 10);
	engineering(g);
	gen_tick(g, 30000000);
	attacks(g);
	gen_tick(g, 10000000);
	malformed(g);
	cyclic(g, 5);
	return 0;
}
