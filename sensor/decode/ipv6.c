/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 (RFC 8200):
 *   ver:4 tc:8 flow:20 | payload_len:16 | next:8 | hop:8 | src:128 | dst:128
 * Extension headers (4.2): hop-by-hop (0), routing (43, type:8 at 2),
 * destination options (60), mobility (135), HIP (139), shim6 (140): next:8
 * len:8 (8-octet units, not counting the first 8); fragment (44, 4.5):
 * next:8 rsvd:8 off:13 res:2 M:1 id:32; AH (51, RFC 4302): next:8 len:8
 * (4-octet units + 2) rsvd:16. ESP (50) ends parsing: what follows is
 * encrypted.
 */
#include "decode/decode.h"

#include <netinet/in.h>
#include <string.h>

#include "util/cursor.h"

#define IPV6_MAX_EXTHDRS 8

#define SEEN_HH 0x01
#define SEEN_RH 0x02
#define SEEN_FH 0x04
#define SEEN_AH 0x08

/* The options of a hop-by-hop (hbh) or destination options header (RFC
 * 8200 4.2): Pad1 (0) is one byte, every other option type:len:data. */
static void check_options(struct decoder *d, struct packet *p, struct cursor *o, bool hbh)
{
	unsigned pads = 0, others = 0;
	while (cur_left(o) > 0) {
		uint8_t type = cur_u8(o);
		if (type == 0) {
			pads++;
			continue;
		}
		int olen = cur_peek_u8(o, 0);
		if (olen < 0 || !cur_skip(o, 1 + (size_t)olen)) {
			decode_set_event(d, p, DEC_IPV6_EXTHDR_INVALID_OPTLEN);
			return;
		}
		/* the fixed sizes: router alert 2, jumbo payload 4, home address 16 */
		if ((type == 5 && olen < 2) || (type == 0xc2 && olen < 4) ||
		    (type == 0xc9 && olen < 16)) {
			decode_set_event(d, p, DEC_IPV6_EXTHDR_INVALID_OPTLEN);
			return;
		}
		if (type == 1) {
			pads++;
			if (olen == 0)
				decode_set_event(d, p, DEC_IPV6_ZERO_LEN_PADN);
			continue;
		}
		others++;
		if (type != 5 && type != 0xc2 && type != 0xc9)
			decode_set_event(d, p, hbh ? DEC_IPV6_HOPOPTS_UNKNOWN_OPT
						   : DEC_IPV6_DSTOPTS_UNKNOWN_OPT);
	}
	if (pads && !others)
		decode_set_event(d, p, hbh ? DEC_IPV6_HOPOPTS_ONLY_PADDING
					   : DEC_IPV6_DSTOPTS_ONLY_PADDING);
}

int decode_ipv6(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	struct cursor c = cur_make(b, len);
	uint32_t vtf = cur_be32(&c);
	uint16_t plen = cur_be16(&c);
	uint8_t nh = cur_u8(&c);
	uint8_t hop = cur_u8(&c);
	const uint8_t *src = cur_ptr(&c, 16);
	const uint8_t *dst = cur_ptr(&c, 16);
	if (!cur_ok(&c)) {
		decode_set_event(d, p, DEC_IPV6_TRUNC);
		return DECODE_OK;
	}
	d->st.ipv6++;
	if ((vtf >> 28) != 6) {
		decode_set_event(d, p, DEC_IPV6_WRONG_VERSION);
		return DECODE_OK;
	}
	uint32_t dlen = 40u + plen;
	if (dlen > len) {
		if (!(p->flags & PKT_TRUNCATED))
			decode_set_event(d, p, DEC_IPV6_TRUNC_PKT);
		dlen = len;
	}
	p->ip_ver = 6;
	p->l3 = b;
	p->l3_len = dlen;
	p->ttl = hop;
	p->ip_tos = (uint8_t)(vtf >> 20);
	memcpy(p->src.a, src, 16);
	memcpy(p->dst.a, dst, 16);

	/* walk the extension headers inside the datagram; Suricata's checks:
	 * each header at most once (destination options twice), options of
	 * hop-by-hop and destination headers well formed, known, not only
	 * padding */
	struct cursor e = cur_make(b, dlen);
	cur_skip(&e, 40);
	bool is_frag = false;
	unsigned seen = 0, n_dh = 0;
	for (int n = 0;; n++) {
		if (n > IPV6_MAX_EXTHDRS) {
			decode_set_event(d, p, DEC_IPV6_EXTHDR_TOO_MANY);
			return DECODE_OK;
		}
		size_t hdr_at = (size_t)(e.p - b);
		if (nh == 0 || nh == 60) {
			uint8_t next = cur_u8(&e);
			uint8_t hl = cur_u8(&e);
			struct cursor o = cur_sub(&e, (size_t)hl * 8 + 6);
			if (!cur_ok(&o)) {
				decode_set_event(d, p, DEC_IPV6_TRUNC_EXTHDR);
				return DECODE_OK;
			}
			if (nh == 0 ? (seen & SEEN_HH) : n_dh >= 2)
				decode_set_event(d, p, nh == 0 ? DEC_IPV6_EXTHDR_DUPL_HH
								: DEC_IPV6_EXTHDR_DUPL_DH);
			else
				check_options(d, p, &o, nh == 0);
			if (nh == 0)
				seen |= SEEN_HH;
			else
				n_dh++;
			nh = next;
			continue;
		}
		if (nh == 43 || nh == 135 || nh == 139 || nh == 140) {
			/* routing; mobility, HIP, shim6: skipped like it */
			uint8_t next = cur_u8(&e);
			uint8_t hl = cur_u8(&e);
			int rtype = cur_peek_u8(&e, 0);
			if (!cur_skip(&e, (size_t)hl * 8 + 6)) {
				decode_set_event(d, p, DEC_IPV6_TRUNC_EXTHDR);
				return DECODE_OK;
			}
			if (nh == 43) {
				if (seen & SEEN_RH)
					decode_set_event(d, p, DEC_IPV6_EXTHDR_DUPL_RH);
				else if (rtype == 0) /* deprecated, RFC 5095 */
					decode_set_event(d, p, DEC_IPV6_RH_TYPE_0);
				seen |= SEEN_RH;
			}
			nh = next;
			continue;
		}
		if (nh == 51) {
			uint8_t next = cur_u8(&e);
			uint8_t hl = cur_u8(&e);
			uint16_t rsvd = cur_be16(&e);
			if (!cur_skip(&e, ((size_t)hl + 2) * 4 - 4)) {
				decode_set_event(d, p, DEC_IPV6_TRUNC_EXTHDR);
				return DECODE_OK;
			}
			if (rsvd != 0) /* RFC 4302 2.3 */
				decode_set_event(d, p, DEC_IPV6_EXTHDR_AH_RES_NOT_NULL);
			if (seen & SEEN_AH)
				decode_set_event(d, p, DEC_IPV6_EXTHDR_DUPL_AH);
			seen |= SEEN_AH;
			nh = next;
			continue;
		}
		if (nh == 44) {
			uint8_t next = cur_u8(&e);
			uint8_t rsvd = cur_u8(&e);
			uint16_t offm = cur_be16(&e);
			uint32_t id = cur_be32(&e);
			if (!cur_ok(&e)) {
				decode_set_event(d, p, DEC_IPV6_TRUNC_EXTHDR);
				return DECODE_OK;
			}
			if (rsvd != 0)
				decode_set_event(d, p, DEC_IPV6_FH_NON_ZERO_RES_FIELD);
			if (seen & SEEN_FH) {
				decode_set_event(d, p, DEC_IPV6_EXTHDR_DUPL_FH);
				nh = next;
				continue;
			}
			seen |= SEEN_FH;
			uint16_t off = (uint16_t)(offm & 0xfff8);
			bool mf = offm & 1;
			if (p->flags & PKT_REASSEMBLED) {
				/* cannot happen: defrag strips the header */
				nh = next;
				continue;
			}
			if (off == 0 && !mf) {
				/* atomic fragment (RFC 6946): just skip the header */
				decode_set_event(d, p, DEC_IPV6_EXTHDR_USELESS_FH);
				nh = next;
				continue;
			}
			is_frag = true;
			p->flags |= PKT_FRAGMENT;
			p->frag_id = id;
			p->frag_off = off;
			p->frag_more = mf;
			p->frag_nh = next;
			p->frag_hdr_off = (uint16_t)hdr_at;
			nh = next;
			break;
		}
		if (nh == 59 && cur_left(&e) > 0) /* "no next header", yet bytes */
			decode_set_event(d, p, DEC_IPV6_DATA_AFTER_NONE_HEADER);
		break;
	}
	size_t hlen = (size_t)(e.p - b);
	p->ip_hlen = (uint16_t)hlen;
	p->l4proto = nh;
	if (!is_frag) {
		/* what Suricata's IPv6 decoder knows after the extension headers:
		 * TCP, UDP, ICMPv6, SCTP, IPv4 and IPv6 inside, GRE, ESP, none */
		if (nh == IPPROTO_ICMP)
			decode_set_event(d, p, DEC_IPV6_ICMPV4); /* and not decoded as ICMP */
		else if (nh != 6 && nh != 17 && nh != 58 && nh != 132 && nh != 4 && nh != 41 &&
			 nh != 47 && nh != 50 && nh != 59)
			decode_set_event(d, p, DEC_IPV6_UNKNOWN_NEXT_HEADER);
	}
	size_t left = cur_left(&e);
	const uint8_t *pl = cur_ptr(&e, left);

	if (is_frag) {
		p->l4 = pl;
		p->l4_len = (uint32_t)left;
		/* all but the last fragment carry a multiple of 8 bytes */
		if (p->frag_more && (left % 8) != 0) {
			decode_set_event(d, p, DEC_IPV6_FRAG_INVALID_LENGTH);
			return DECODE_OK;
		}
		if (40u + plen > len)
			return DECODE_OK;
		uint32_t out_len;
		const uint8_t *dg = defrag_add(d->defrag, d, p, &out_len);
		if (!dg)
			return DECODE_HELD;
		p->flags = (uint16_t)((p->flags & ~PKT_FRAGMENT) | PKT_REASSEMBLED);
		p->frag_off = 0;
		p->frag_more = false;
		p->l4 = NULL;
		p->l4_len = 0;
		p->data = dg;
		p->caplen = p->wirelen = out_len;
		p->linktype = LINK_RAW;
		d->st.ipv6--;
		return decode_ipv6(d, p, dg, out_len);
	}

	switch (nh) {
	case IPPROTO_TCP:
		decode_tcp(d, p, pl, (uint32_t)left);
		break;
	case IPPROTO_UDP:
		return decode_udp(d, p, pl, (uint32_t)left);
	case IPPROTO_ICMPV6:
		decode_icmpv6(d, p, pl, (uint32_t)left);
		break;
	default:
		/* GRE here, off the path of TCP and UDP: a tunnel (decode/tunnel.c),
		 * or else an IP packet of its own */
		if (nh == IPPROTO_GRE) {
			int r = decode_gre(d, p, pl, (uint32_t)left);
			if (r >= 0)
				return r;
		}
		d->st.other_ip++;
		p->l4 = pl;
		p->l4_len = (uint32_t)left;
		p->flags |= PKT_HAS_FLOW_KEY;
		break;
	}
	return DECODE_OK;
}
