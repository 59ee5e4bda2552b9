/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a frame looks like (see linktype.h). The tests are strict enough
 * that a frame of one kind seldom fits another: raw IP must fill the frame
 * exactly, the others must lead to an IP header whose lengths agree with
 * what is left of the frame, to ARP, or to an EtherType or LLC of the kinds
 * found on plant networks.
 *
 *   Ethernet:  dst:6 src:6 [tpid:2 tci:2]{0,2} type:2       (IEEE 802.3, 3.2.6)
 *   SLL:       pkttype:2 hatype:2 halen:2 addr:8 proto:2    (16 bytes)
 *   SLL2:      proto:2 rsvd:2 ifindex:4 hatype:2 pkttype:1 halen:1 addr:8
 *   NULL/LOOP: family:4 (host order / big-endian): 2 (AF_INET), 10, 24,
 *              28, 30 (AF_INET6 of Linux, NetBSD/OpenBSD, FreeBSD, macOS)
 */
#include "capture/linktype.h"

#include <stdbool.h>
#include <stddef.h>

#include "util/cursor.h"
#include "vigil/packet.h"

int link_kind_of(int linktype)
{
	switch (linktype) {
	case LINK_ETHERNET: return LK_ETHERNET;
	case LINK_RAW:
	case 12: /* DLT_RAW as libpcap gives it (14 on OpenBSD): decode.c takes both */
	case 14:
	case LINK_IPV4:
	case LINK_IPV6: return LK_RAW;
	case LINK_LINUX_SLL: return LK_SLL;
	case LINK_LINUX_SLL2: return LK_SLL2;
	case LINK_NULL: return LK_NULL;
	case LINK_LOOP: return LK_LOOP;
	default: return -1;
	}
}

const char *link_kind_name(int kind)
{
	static const char *const n[LK__COUNT] = {
		[LK_ETHERNET] = "Ethernet", [LK_RAW] = "raw IP",
		[LK_SLL] = "Linux cooked (SLL)", [LK_SLL2] = "Linux cooked v2 (SLL2)",
		[LK_NULL] = "BSD loopback (NULL)", [LK_LOOP] = "OpenBSD loopback (LOOP)",
	};
	return kind >= 0 && kind < LK__COUNT ? n[kind] : "?";
}

const char *link_kind_editcap(int kind)
{
	static const char *const n[LK__COUNT] = {
		[LK_ETHERNET] = "ether", [LK_RAW] = "rawip", [LK_SLL] = "linux-sll",
		[LK_SLL2] = "linux-sll2", [LK_NULL] = "null", [LK_LOOP] = "loop",
	};
	return kind >= 0 && kind < LK__COUNT ? n[kind] : "?";
}

/* An IP datagram of total bytes where c stands, room bytes on the wire from
 * there: exact, it ends the frame (raw IP: the captured bytes, or the
 * wire's when the capture was cut short), else link padding may follow. */
static bool ends_right(const struct cursor *c, uint32_t total, uint32_t room, bool exact)
{
	if (total > room)
		return false;
	return !exact || total == room || total == (uint32_t)cur_left(c);
}

/* An IP header where c stands (room bytes on the wire from there) whose
 * lengths agree with the frame (ends_right). version: 0 for either. */
static bool ip_fits(struct cursor c, uint32_t room, bool exact, int version)
{
	int v0 = cur_peek_u8(&c, 0);
	if (v0 < 0)
		return false;
	if ((v0 >> 4) == 4 && version != 6) {
		uint32_t hl = (uint32_t)(v0 & 15) * 4;
		int32_t total = cur_peek_be16(&c, 2);
		return hl >= 20 && cur_left(&c) >= 20 && total >= (int32_t)hl &&
		       ends_right(&c, (uint32_t)total, room, exact);
	}
	if ((v0 >> 4) == 6 && version != 4) {
		int32_t pl = cur_peek_be16(&c, 4);
		return pl >= 0 && cur_left(&c) >= 40 && ends_right(&c, 40 + (uint32_t)pl, room, exact);
	}
	return false;
}

/* ARP for IPv4 over Ethernet (RFC 826): htype 1, ptype 0x0800, 6, 4. */
static bool arp_fits(struct cursor c)
{
	return cur_be16(&c) == 1 && cur_be16(&c) == ETHERTYPE_IPV4 && cur_u8(&c) == 6 &&
	       cur_u8(&c) == 4 && !c.err;
}

/* What an EtherType says comes next, where c stands, fits (room: bytes on
 * the wire from there). */
static bool ethertype_fits(uint16_t type, struct cursor c, uint32_t room)
{
	switch (type) {
	case ETHERTYPE_IPV4: return ip_fits(c, room, false, 4);
	case ETHERTYPE_IPV6: return ip_fits(c, room, false, 6);
	case ETHERTYPE_ARP: return arp_fits(c);
	case ETHERTYPE_GOOSE:
	case ETHERTYPE_GSE:
	case ETHERTYPE_SV:
	case ETHERTYPE_PROFINET:
	case ETHERTYPE_ETHERCAT:
	case ETHERTYPE_LLDP:
	case ETHERTYPE_PTP:
	case 0x8847: /* MPLS */
	case 0x8848:
	case 0x88e3: /* MRP (IEC 62439-2) */
	case 0x8809: /* slow protocols (LACP) */
		return true;
	default:
		return false;
	}
}

/* Bytes on the wire from where c stands. */
static inline uint32_t room_at(const struct cursor *c, uint32_t caplen, uint32_t wire)
{
	return wire - (caplen - (uint32_t)cur_left(c));
}

static bool ethernet_fits(struct cursor c, uint32_t caplen, uint32_t wire)
{
	if (!cur_skip(&c, 12))
		return false;
	uint16_t type = cur_be16(&c);
	for (int v = 0; v < 2 && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
				  type == ETHERTYPE_QINQ_OLD); v++) {
		cur_skip(&c, 2);
		type = cur_be16(&c);
	}
	if (c.err)
		return false;
	if (type <= 1500) { /* 802.3 length, then LLC: STP, SNAP, ISO (MMS over OSI) */
		int dsap = cur_peek_u8(&c, 0);
		return type >= 3 && (dsap == 0x42 || dsap == 0xaa || dsap == 0xfe);
	}
	return ethertype_fits(type, c, room_at(&c, caplen, wire));
}

static bool sll_fits(struct cursor c, uint32_t caplen, uint32_t wire)
{
	uint16_t pkttype = cur_be16(&c);
	cur_skip(&c, 2);
	uint16_t halen = cur_be16(&c);
	cur_skip(&c, 8);
	uint16_t proto = cur_be16(&c);
	if (c.err || pkttype > 4 || halen > 8)
		return false;
	if (proto != ETHERTYPE_IPV4 && proto != ETHERTYPE_IPV6 && proto != ETHERTYPE_ARP)
		return false;
	return ethertype_fits(proto, c, room_at(&c, caplen, wire));
}

static bool sll2_fits(struct cursor c, uint32_t caplen, uint32_t wire)
{
	uint16_t proto = cur_be16(&c);
	uint16_t rsvd = cur_be16(&c);
	cur_skip(&c, 6);
	uint8_t pkttype = cur_u8(&c);
	uint8_t halen = cur_u8(&c);
	if (!cur_skip(&c, 8) || rsvd != 0 || pkttype > 4 || halen > 8)
		return false;
	if (proto != ETHERTYPE_IPV4 && proto != ETHERTYPE_IPV6 && proto != ETHERTYPE_ARP)
		return false;
	return ethertype_fits(proto, c, room_at(&c, caplen, wire));
}

/* family: 2 for IPv4, one of the AF_INET6 values for IPv6, else 0 */
static int family_version(uint32_t fam)
{
	if (fam == 2)
		return 4;
	if (fam == 10 || fam == 24 || fam == 28 || fam == 30)
		return 6;
	return 0;
}

static bool loop_fits(struct cursor c, uint32_t caplen, uint32_t wire, bool big_endian_only)
{
	uint32_t be = cur_be32(&c);
	if (c.err)
		return false;
	int v = family_version(be);
	if (!v && !big_endian_only)
		v = family_version(__builtin_bswap32(be));
	return v && ip_fits(c, room_at(&c, caplen, wire), false, v);
}

unsigned link_fits(const uint8_t *b, uint32_t caplen, uint32_t wirelen)
{
	if (wirelen < caplen)
		wirelen = caplen;
	struct cursor c = cur_make(b, caplen);
	unsigned m = 0;
	if (ethernet_fits(c, caplen, wirelen))
		m |= 1u << LK_ETHERNET;
	if (ip_fits(c, wirelen, true, 0))
		m |= 1u << LK_RAW;
	if (sll_fits(c, caplen, wirelen))
		m |= 1u << LK_SLL;
	if (sll2_fits(c, caplen, wirelen))
		m |= 1u << LK_SLL2;
	if (loop_fits(c, caplen, wirelen, false))
		m |= 1u << LK_NULL;
	if (loop_fits(c, caplen, wirelen, true))
		m |= 1u << LK_LOOP;
	return m;
}
