/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 (RFC 8200):
 *   ver:4 tc:8 flow:20 | payload_len:16 | next:8 | hop:8 | src:128 | dst:128
 * Extension headers (4.2): hop-by-hop (0), routing (43), destination
 * options (60), mobility (135): next:8 len:8 (8-octet units, not counting
 * the first 8); fragment (44, 4.5): next:8 rsvd:8 off:13 res:2 M:1 id:32;
 * AH (51, RFC 4302): next:8 len:8 (4-octet units + 2). ESP (50) ends
 * parsing: what follows is encrypted.
 */
#include "decode/decode.h"

#include <netinet/in.h>
#include <string.h>

#include "util/cursor.h"

#define IPV6_MAX_EXTHDRS 8

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

	/* walk the extension headers inside the datagram */
	struct cursor e = cur_make(b, dlen);
	cur_skip(&e, 40);
	bool is_frag = false;
	for (int n = 0;; n++) {
		if (n > IPV6_MAX_EXTHDRS) {
			decode_set_event(d, p, DEC_IPV6_EXTHDR_TOO_MANY);
			return DECODE_OK;
		}
		size_t hdr_at = (size_t)(e.p - b);
		if (nh == 0 || nh == 43 || nh == 60 || nh == 135) {
			uint8_t next = cur_u8(&e);
			uint8_t hl = cur_u8(&e);
			if (!cur_skip(&e, (size_t)hl * 8 + 6)) {
				decode_set_event(d, p, DEC_IPV6_TRUNC_EXTHDR);
				return DECODE_OK;
			}
			nh = next;
			continue;
		}
		if (nh == 51) {
			uint8_t next = cur_u8(&e);
			uint8_t hl = cur_u8(&e);
			if (!cur_skip(&e, ((size_t)hl + 2) * 4 - 2)) {
				decode_set_event(d, p, DEC_IPV6_TRUNC_EXTHDR);
				return DECODE_OK;
			}
			nh = next;
			continue;
		}
		if (nh == 44) {
			uint8_t next = cur_u8(&e);
			cur_skip(&e, 1);
			uint16_t offm = cur_be16(&e);
			uint32_t id = cur_be32(&e);
			if (!cur_ok(&e)) {
				decode_set_event(d, p, DEC_IPV6_TRUNC_EXTHDR);
				return DECODE_OK;
			}
			uint16_t off = (uint16_t)(offm & 0xfff8);
			bool mf = offm & 1;
			if (p->flags & PKT_REASSEMBLED) {
				/* cannot happen: defrag strips the header */
				nh = next;
				continue;
			}
			if (off == 0 && !mf) {
				/* atomic fragment (RFC 6946): just skip the header */
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
		break;
	}
	size_t hlen = (size_t)(e.p - b);
	p->ip_hlen = (uint16_t)hlen;
	p->l4proto = nh;
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
