/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tunnels: a sensor fed by remote SPAN sees its traffic wrapped. The inner
 * packet is what Vigil inspects.
 *
 * GRE (RFC 2784 2.1, RFC 2890 2), version 0:
 *   C:1 R:1 K:1 S:1 s:1 recur:3 | A:1 flags:4 ver:3 | protocol:16 |
 *   [checksum:16 reserved1:16 if C] [key:32 if K] [sequence:32 if S]
 * protocol: 0x0800 IPv4, 0x86dd IPv6, 0x6558 an Ethernet frame (transparent
 * Ethernet bridging), 0x8847/0x8848 MPLS, 0x88be ERSPAN type I (S clear:
 * the mirrored frame follows at once) or type II (S set), 0x22eb ERSPAN
 * type III. Any other protocol is not opened: the packet stays a GRE packet.
 *
 * ERSPAN (draft-foschiano-erspan-03):
 *   type II (4.2), 8 bytes:  ver:4 (1) vlan:12 | cos:3 en:2 t:1 session:10 |
 *                            reserved:12 index:20
 *   type III (4.3), 12 bytes: ver:4 (2) vlan:12 | cos:3 bso:2 t:1 session:10 |
 *                            timestamp:32 | sgt:16 p:1 ft:5 hw:6 d:1 gra:2 o:1
 *                            [platform subheader: 8 bytes, when o is set]
 *   then the mirrored frame (type III: ft 0 an Ethernet frame, ft 2 an IP
 *   packet). A nonzero VLAN of the header joins the packet's VLANs when the
 *   mirrored frame carries no tag of its own (a tagged frame names it).
 *
 * VXLAN (RFC 7348 5), UDP to a VXLAN port (4789 unless configured):
 *   flags:8 (I = 0x08) reserved:24 | vni:24 reserved:8 | Ethernet frame
 * Without the I flag, or too short for a frame, the datagram is plain UDP.
 *
 * MPLS (RFC 3032 2.1), EtherTypes 0x8847/0x8848 or in GRE: label stack
 * entries label:20 tc:3 s:1 ttl:8 up to the one with s (the bottom of the
 * stack; at most MPLS_MAX_LABELS). Then by the bottom label: 0 IPv4 and 2
 * IPv6 (explicit null), 1 router alert, 3 implicit null and 4-15 (reserved)
 * are events; any other label: IPv4 or IPv6 by the first nibble, else an
 * Ethernet frame (RFC 4448) behind the control word (first nibble 0 and the
 * 12 bits after it 0, RFC 4448 4.6) or without it. A frame whose MAC starts
 * with nibble 4 or 6 and no control word reads as IP: the ambiguity RFC
 * 4928 describes, and why pseudowires carry the control word.
 *
 * Events (Suricata's names, so that its decoder-events.rules load):
 *   decoder.gre.pkt_too_small          fewer than the 4 bytes of a header
 *   decoder.gre.wrong_version          version not 0 (1 is PPTP's enhanced
 *                                      GRE carrying PPP): not opened
 *   decoder.gre.version0_recur         recursion control set: still opened
 *   decoder.gre.version0_flags         reserved flag bits set: still opened
 *                                      (Linux delivers such packets, so they
 *                                      must not slip past); the routing bit
 *                                      (RFC 1701 source routes): not opened
 *   decoder.gre.version0_hdr_too_big   the optional fields do not fit
 *   decoder.erspan.header_too_small    the ERSPAN header does not fit
 *   decoder.erspan.unsupported_version version not 1 (0x88be with S) or 2
 *                                      (0x22eb), or a type III frame type
 *                                      other than Ethernet or IP
 *   decoder.erspan.too_many_vlan_layers no room left for the header's VLAN
 *   decoder.vxlan.unknown_payload_type the inner frame's EtherType is unknown
 *   decoder.mpls.header_too_small      the stack ends before its bottom entry
 *   decoder.mpls.pkt_too_small         fewer than 4 bytes after the stack
 *   decoder.mpls.bad_label_router_alert  label 1 at the bottom of the stack
 *   decoder.mpls.bad_label_implicit_null label 3, which never goes on a wire
 *   decoder.mpls.bad_label_reserved    a reserved label (4-15) at the bottom
 *   decoder.mpls.unknown_payload_type  neither IP nor an Ethernet frame of a
 *                                      known EtherType follows
 *   decoder.too_many_layers            more than PKT_MAX_ENCAP encapsulations
 *                                      in one frame, or more than
 *                                      MPLS_MAX_LABELS labels
 * A tunnel header that fails leaves the packet what it was (a GRE packet, a
 * UDP datagram, an Ethernet frame) with the event; once the headers are
 * good, the packet is the inner one, and an inner failure is the inner
 * packet's event.
 *
 * The inner packet replaces the outer one: its addresses, ports and
 * payload are the packet's, and out of an IP tunnel or an Ethernet
 * pseudowire p->data/caplen/wirelen/linktype move to the inner frame or IP
 * packet (so that the copy into a worker's ring, the MAC addresses of an
 * industrial L2 frame and a flow's byte counts are the inner packet's); a
 * label stack in front of IP stays part of the frame, as a VLAN tag does.
 * The outermost IP header's addresses, protocol and ports
 * stay in p->tun_* for the "tunnel" object of the records, and
 * p->tunnel_depth counts the IP tunnels (GRE, VXLAN) opened, as Suricata's
 * recursion level does; MPLS is a label stack like a VLAN tag, not a tunnel
 * (as in Suricata), and counts only towards PKT_MAX_ENCAP.
 *
 * Flow identity: a tunnelled copy and a plain copy of one conversation are
 * two flows. The tunnel depth is part of a flow's identity (flow/flow.c),
 * as the recursion level is part of Suricata's flow key. A sensor that sees
 * both copies (a local SPAN next to a remote one) follows each on its own
 * and alerts on each, the tunnelled alerts with their tunnel object, rather
 * than taking every packet of the later copy for a retransmission of the
 * earlier one (an anomaly record each). Copies at the same depth are one
 * flow: the outer addresses are not part of the identity, so a conversation
 * whose two directions are mirrored by two switches stays one conversation.
 * The depth is not hashed: both copies go to the same worker, the records
 * are the same for any number of workers, and the depth takes a byte of a
 * flow's padding, so the flow memcap counts what it always did.
 *
 * Bounds: recursion only through an encapsulation, at most PKT_MAX_ENCAP
 * of them; every header is read through the cursor; no allocation.
 */
#include "decode/decode.h"

#include <netinet/in.h>
#include <string.h>

#include "util/cursor.h"

#define GRE_C 0x80
#define GRE_R 0x40
#define GRE_K 0x20
#define GRE_S 0x10
#define GRE_SSR 0x08
#define GRE_RECUR 0x07
#define GRE_FLAGS1 0xf8 /* A and the flags of the second byte */
#define GRE_VERSION 0x07

#define VXLAN_HDR 8
#define VXLAN_I 0x08
#define ETH_HDR 14

#define MPLS_MAX_LABELS 16
#define MPLS_BOS 0x100
#define MPLS_LABEL_IPV4_NULL 0
#define MPLS_LABEL_ROUTER_ALERT 1
#define MPLS_LABEL_IPV6_NULL 2
#define MPLS_LABEL_IMPLICIT_NULL 3
#define MPLS_LABEL_MAX_RESERVED 15

/* pcap's LINKTYPE_MPLS: p->data starts with a label stack (GRE carrying
 * MPLS, until the stack is read). */
#define LINK_MPLS 219

void tunnel_config_defaults(struct tunnel_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->vxlan_enabled = true;
	cfg->vxlan_ports[0] = 4789;
}

void decoder_set_tunnel(struct decoder *d, const struct tunnel_config *cfg)
{
	uint32_t lo = 65536, hi = 0;
	size_t n = 0;
	memset(d->vxlan_ports, 0, sizeof(d->vxlan_ports));
	for (size_t i = 0; cfg->vxlan_enabled && i < DECODE_MAX_VXLAN_PORTS; i++) {
		uint16_t port = cfg->vxlan_ports[i];
		if (!port)
			break;
		d->vxlan_ports[n++] = port;
		if (port < lo)
			lo = port;
		if (port > hi)
			hi = port;
	}
	/* none: lo = 65536, and dp - lo wraps to more than any span */
	d->vxlan_lo = lo;
	d->vxlan_span = n ? hi - lo : 0;
}

/* One more encapsulation: false, with decoder.too_many_layers, past
 * PKT_MAX_ENCAP (the caller then leaves the packet as it is). */
static bool encap_push(struct decoder *d, struct packet *p)
{
	if (p->encap >= PKT_MAX_ENCAP) {
		decode_set_event(d, p, DEC_TOO_MANY_LAYERS);
		return false;
	}
	p->encap++;
	return true;
}

/* The packet's bytes start at b from now on (b lies in p->data). */
static void reroot(struct packet *p, const uint8_t *b, int linktype)
{
	uint32_t off = (uint32_t)(b - p->data);
	p->data = b;
	p->caplen -= off;
	p->wirelen = p->wirelen > off ? p->wirelen - off : 0;
	p->linktype = linktype;
}

/* Opens an IP tunnel whose payload starts at b: the packet becomes its
 * inner packet (see the header comment). False when the layer is one too
 * many; nothing changed then. */
static bool tunnel_enter(struct decoder *d, struct packet *p, const uint8_t *b, int linktype)
{
	if (!encap_push(d, p))
		return false;
	if (p->tunnel_depth == 0) {
		p->tun_ip_ver = p->ip_ver;
		p->tun_proto = p->l4proto;
		p->tun_sp = p->sp;
		p->tun_dp = p->dp;
		p->tun_src = p->src;
		p->tun_dst = p->dst;
	}
	p->tunnel_depth++;
	/* the outer view goes; what the inner decode does not set stays empty
	 * (an inner packet too short for its IP header has no addresses) */
	p->flags &= (uint16_t)~(PKT_IPV4_CSUM_BAD | PKT_REASSEMBLED | PKT_HAS_FLOW_KEY);
	p->ip_ver = 0;
	p->l4proto = 0;
	p->ttl = 0;
	p->ip_tos = 0;
	memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	p->l3 = NULL;
	p->l3_len = 0;
	p->ip_hlen = 0;
	p->ip_id = 0;
	p->l4 = NULL;
	p->l4_len = 0;
	p->sp = p->dp = 0;
	p->payload = NULL;
	p->payload_len = 0;
	reroot(p, b, linktype);
	return true;
}

/* An IP packet by its version nibble (MPLS, ERSPAN type III frame type 2). */
static int decode_ip_guess(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	struct cursor c = cur_make(b, len);
	int v = cur_peek_u8(&c, 0);
	return decode_ethertype(d, p, v >= 0 && (v >> 4) == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, b,
				len);
}

/* The EtherType of an Ethernet frame at b, if it is one we decode (or
 * knowingly leave alone); -1 otherwise. */
static int32_t frame_type(const uint8_t *b, uint32_t len)
{
	struct cursor c = cur_make(b, len);
	int32_t t = cur_peek_be16(&c, 12);
	return t >= 0 && ethertype_known((uint16_t)t) ? t : -1;
}

/* ERSPAN of the given type (1, 2, 3) in GRE. -1: not opened. */
static int decode_erspan(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len,
			 int type)
{
	d->st.erspan++;
	struct cursor c = cur_make(b, len);
	uint16_t vlan = 0;
	bool ip = false;
	if (type > 1) {
		uint16_t w0 = cur_be16(&c);
		cur_skip(&c, 6);
		uint8_t b10 = 0, b11 = 0;
		if (type == 3) {
			cur_skip(&c, 2);
			b10 = cur_u8(&c);
			b11 = cur_u8(&c);
			if (b11 & 0x01) /* O: the platform specific subheader */
				cur_skip(&c, 8);
		}
		if (!cur_ok(&c)) {
			decode_set_event(d, p, DEC_ERSPAN_HEADER_TOO_SMALL);
			return -1;
		}
		unsigned ft = (b10 >> 2) & 0x1f;
		if ((w0 >> 12) != (type == 2 ? 1u : 2u) || (ft != 0 && ft != 2)) {
			decode_set_event(d, p, DEC_ERSPAN_UNSUPPORTED_VERSION);
			return -1;
		}
		ip = ft == 2;
		vlan = w0 & 0x0fff;
	}
	size_t left = cur_left(&c);
	int32_t inner_type = cur_peek_be16(&c, 12);
	const uint8_t *in = cur_ptr(&c, left);
	if (vlan) {
		int32_t t = ip ? -1 : inner_type;
		if (t == ETHERTYPE_VLAN || t == ETHERTYPE_QINQ || t == ETHERTYPE_QINQ_OLD)
			vlan = 0; /* the frame's own tag names it */
		else if (p->vlan_cnt >= PKT_MAX_VLAN) {
			decode_set_event(d, p, DEC_ERSPAN_TOO_MANY_VLAN_LAYERS);
			return -1;
		}
	}
	if (!tunnel_enter(d, p, in, ip ? LINK_RAW : LINK_ETHERNET))
		return -1;
	if (vlan)
		p->vlan[p->vlan_cnt++] = vlan;
	if (ip)
		return decode_ip_guess(d, p, in, (uint32_t)left);
	return decode_ethernet(d, p, in, (uint32_t)left);
}

int decode_gre(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	d->st.gre++;
	struct cursor c = cur_make(b, len);
	uint8_t f0 = cur_u8(&c);
	uint8_t f1 = cur_u8(&c);
	uint16_t proto = cur_be16(&c);
	if (!cur_ok(&c)) {
		decode_set_event(d, p, DEC_GRE_PKT_TOO_SMALL);
		return -1;
	}
	if (f1 & GRE_VERSION) {
		decode_set_event(d, p, DEC_GRE_WRONG_VERSION);
		return -1;
	}
	if (f0 & GRE_RECUR)
		decode_set_event(d, p, DEC_GRE_VERSION0_RECUR);
	if ((f0 & (GRE_R | GRE_SSR)) || (f1 & GRE_FLAGS1))
		decode_set_event(d, p, DEC_GRE_VERSION0_FLAGS);
	if (f0 & GRE_R) /* a source route list of unknown length follows */
		return -1;
	size_t opt = ((f0 & GRE_C) ? 4u : 0u) + ((f0 & GRE_K) ? 4u : 0u) + ((f0 & GRE_S) ? 4u : 0u);
	if (!cur_skip(&c, opt)) {
		decode_set_event(d, p, DEC_GRE_VERSION0_HDR_TOO_BIG);
		return -1;
	}
	size_t left = cur_left(&c);
	const uint8_t *in = cur_ptr(&c, left);
	switch (proto) {
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
		if (!tunnel_enter(d, p, in, LINK_RAW))
			return -1;
		return decode_ethertype(d, p, proto, in, (uint32_t)left);
	case ETHERTYPE_TEB:
		if (!tunnel_enter(d, p, in, LINK_ETHERNET))
			return -1;
		return decode_ethernet(d, p, in, (uint32_t)left);
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		if (!tunnel_enter(d, p, in, LINK_MPLS))
			return -1;
		return decode_mpls(d, p, in, (uint32_t)left);
	case ETHERTYPE_ERSPAN:
		return decode_erspan(d, p, in, (uint32_t)left, (f0 & GRE_S) ? 2 : 1);
	case ETHERTYPE_ERSPAN3:
		return decode_erspan(d, p, in, (uint32_t)left, 3);
	default:
		return -1;
	}
}

int decode_vxlan(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	bool port = false;
	for (size_t i = 0; i < DECODE_MAX_VXLAN_PORTS && d->vxlan_ports[i]; i++)
		port |= d->vxlan_ports[i] == p->dp;
	struct cursor c = cur_make(b, len);
	uint8_t flags = cur_u8(&c);
	cur_skip(&c, 7);
	if (!port || !cur_ok(&c) || !(flags & VXLAN_I) || cur_left(&c) < ETH_HDR)
		return -1;
	d->st.vxlan++;
	size_t left = cur_left(&c);
	const uint8_t *in = cur_ptr(&c, left);
	if (frame_type(in, (uint32_t)left) < 0) {
		decode_set_event(d, p, DEC_VXLAN_UNKNOWN_PAYLOAD_TYPE);
		return -1;
	}
	if (!tunnel_enter(d, p, in, LINK_ETHERNET))
		return -1;
	return decode_ethernet(d, p, in, (uint32_t)left);
}

int decode_mpls(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	d->st.mpls++;
	if (!encap_push(d, p))
		return DECODE_OK;
	struct cursor c = cur_make(b, len);
	uint32_t e = 0;
	for (unsigned n = 0; !(e & MPLS_BOS); n++) {
		if (n == MPLS_MAX_LABELS) {
			decode_set_event(d, p, DEC_TOO_MANY_LAYERS);
			return DECODE_OK;
		}
		e = cur_be32(&c);
		if (!cur_ok(&c)) {
			decode_set_event(d, p, DEC_MPLS_HEADER_TOO_SMALL);
			return DECODE_OK;
		}
	}
	uint32_t label = e >> 12;
	size_t left = cur_left(&c);
	const uint8_t *in = cur_ptr(&c, left);
	switch (label) {
	case MPLS_LABEL_IPV4_NULL:
		return decode_ethertype(d, p, ETHERTYPE_IPV4, in, (uint32_t)left);
	case MPLS_LABEL_IPV6_NULL:
		return decode_ethertype(d, p, ETHERTYPE_IPV6, in, (uint32_t)left);
	case MPLS_LABEL_ROUTER_ALERT:
		decode_set_event(d, p, DEC_MPLS_BAD_LABEL_ROUTER_ALERT);
		return DECODE_OK;
	case MPLS_LABEL_IMPLICIT_NULL:
		decode_set_event(d, p, DEC_MPLS_BAD_LABEL_IMPLICIT_NULL);
		return DECODE_OK;
	default:
		if (label <= MPLS_LABEL_MAX_RESERVED) {
			decode_set_event(d, p, DEC_MPLS_BAD_LABEL_RESERVED);
			return DECODE_OK;
		}
		break;
	}
	struct cursor pc = cur_make(in, left);
	int b0 = cur_peek_u8(&pc, 0), b1 = cur_peek_u8(&pc, 1);
	if (left < 4) {
		decode_set_event(d, p, DEC_MPLS_PKT_TOO_SMALL);
		return DECODE_OK;
	}
	if ((b0 >> 4) == 4 || (b0 >> 4) == 6)
		return decode_ip_guess(d, p, in, (uint32_t)left);
	/* an Ethernet pseudowire, with or without its control word */
	cur_skip(&pc, b0 == 0 && b1 == 0 ? 4 : 0);
	size_t flen = cur_left(&pc);
	const uint8_t *frame = cur_ptr(&pc, flen);
	if (frame_type(frame, (uint32_t)flen) < 0) {
		decode_set_event(d, p, DEC_MPLS_UNKNOWN_PAYLOAD_TYPE);
		return DECODE_OK;
	}
	reroot(p, frame, LINK_ETHERNET);
	return decode_ethernet(d, p, frame, (uint32_t)flen);
}
