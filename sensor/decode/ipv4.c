/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 (RFC 791, 3.1):
 *   ver:4 ihl:4 | tos:8 | total_len:16 | id:16 | flags:3 frag_off:13 |
 *   ttl:8 | proto:8 | csum:16 | src:32 | dst:32 | options (ihl*4 - 20)
 * Options: EOL(0) and NOP(1) are single bytes; all others type:len:data with
 * len >= 2 covering the type and length bytes.
 */
#include "decode/decode.h"

#include <netinet/in.h>
#include <string.h>

#include "util/cursor.h"

/* out of line: most headers have no options */
static __attribute__((noinline)) void check_options(struct decoder *d, struct packet *p,
						   const uint8_t *opt, uint32_t len)
{
	struct cursor c = cur_make(opt, len);
	uint16_t seen = 0; /* the known options met so far, one bit each */
	while (cur_left(&c) > 0) {
		uint8_t type = cur_u8(&c);
		if (type == 0)
			break;
		if (type == 1)
			continue;
		int olen = cur_peek_u8(&c, 0);
		if (olen < 0) {
			decode_set_event(d, p, DEC_IPV4_OPT_MALFORMED);
			return;
		}
		if (olen < 2) {
			decode_set_event(d, p, DEC_IPV4_OPT_INVALID_LEN);
			return;
		}
		if (!cur_skip(&c, (size_t)olen - 1)) {
			decode_set_event(d, p, DEC_IPV4_OPT_MALFORMED);
			return;
		}
		/* Known options (RFC 791 + IANA): security 130, LSRR 131, SSRR 137,
		 * RR 7, stream id 136, timestamp 68, router alert 148, CIPSO 134,
		 * extended security 133, quick-start 25 (RFC 4782). Each may appear
		 * once (Suricata's ipv4.opt_duplicate). */
		static const uint8_t known[] = { 7, 25, 68, 130, 131, 133, 134, 136, 137, 148 };
		unsigned k = 0;
		while (k < sizeof(known) && known[k] != type)
			k++;
		if (k == sizeof(known))
			decode_set_event(d, p, DEC_IPV4_OPT_INVALID);
		else if (seen & (1u << k))
			decode_set_event(d, p, DEC_IPV4_OPT_DUPLICATE);
		else
			seen |= (uint16_t)(1u << k);
	}
}

int decode_ipv4(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	/* the fixed header, read directly once its 20 bytes are known there */
	if (len < 20) {
		decode_set_event(d, p, DEC_IPV4_TRUNC);
		return DECODE_OK;
	}
	uint8_t vihl = b[0];
	uint8_t tos = b[1];
	uint16_t tot = rd_be16(b + 2);
	uint16_t id = rd_be16(b + 4);
	uint16_t frag = rd_be16(b + 6);
	uint8_t ttl = b[8];
	uint8_t proto = b[9];
	const uint8_t *src = b + 12;
	const uint8_t *dst = b + 16;
	d->st.ipv4++;
	if ((vihl >> 4) != 4) {
		decode_set_event(d, p, DEC_IPV4_WRONG_VERSION);
		return DECODE_OK;
	}
	uint32_t hlen = (uint32_t)(vihl & 0x0f) * 4;
	if (hlen < 20) {
		decode_set_event(d, p, DEC_IPV4_HLEN_TOO_SMALL);
		return DECODE_OK;
	}
	if (tot < hlen) {
		decode_set_event(d, p, DEC_IPV4_IPLEN_SMALLER_THAN_HLEN);
		return DECODE_OK;
	}
	if (hlen > len) {
		decode_set_event(d, p, DEC_IPV4_TRUNC);
		return DECODE_OK;
	}
	uint32_t dlen = tot;
	if (tot > len) {
		/* Captured short: with a snaplen that is normal (PKT_TRUNCATED);
		 * otherwise the length field lies. Inspect what we have. */
		if (!(p->flags & PKT_TRUNCATED))
			decode_set_event(d, p, DEC_IPV4_TRUNC_PKT);
		dlen = len;
	}

	p->ip_ver = 4;
	p->l3 = b;
	p->l3_len = dlen;
	p->ip_hlen = (uint16_t)hlen;
	p->ttl = ttl;
	p->ip_tos = tos;
	p->ip_id = id;
	p->l4proto = proto;
	/* the address and its zero padding in two 8-byte stores each: the
	 * flow hash reads them back as 8-byte words at once, and a load that
	 * spans a 16-byte memset and a 4-byte copy cannot be forwarded from
	 * the stores (half of the capture thread's samples in hashing were
	 * that stall) */
	uint64_t sw = 0, dw = 0; /* the address's bytes first, whatever the byte order */
	const uint64_t zero = 0;
	memcpy(&sw, src, 4);
	memcpy(&dw, dst, 4);
	_Static_assert(sizeof(p->src.a) == 16, "vaddr");
	memcpy(p->src.a, &sw, 8);
	memcpy(p->src.a + 8, &zero, 8);
	memcpy(p->dst.a, &dw, 8);
	memcpy(p->dst.a + 8, &zero, 8);

	if (inet_csum(b, hlen) != 0) {
		p->flags |= PKT_IPV4_CSUM_BAD;
		d->st.ipv4_csum_bad++;
	}
	if (hlen > 20)
		check_options(d, p, b + 20, hlen - 20);

	/* hlen <= dlen: tot >= hlen and len >= hlen were checked */
	size_t plen = dlen - hlen;
	const uint8_t *pl = b + hlen;

	uint16_t off = (uint16_t)((frag & 0x1fff) * 8);
	bool mf = (frag & 0x2000) != 0;
	if ((off || mf) && !(p->flags & PKT_REASSEMBLED)) {
		p->flags |= PKT_FRAGMENT;
		p->frag_id = id;
		p->frag_off = off;
		p->frag_more = mf;
		p->l4 = pl;
		p->l4_len = (uint32_t)plen;
		if (tot > len) /* a fragment we did not capture whole is useless */
			return DECODE_OK;
		uint32_t out_len;
		const uint8_t *dg = defrag_add(d->defrag, d, p, &out_len);
		if (!dg)
			return DECODE_HELD;
		/* decode the rebuilt datagram instead of this fragment; L2
		 * facts (VLANs, events so far) stay */
		p->flags = (uint16_t)((p->flags & ~PKT_FRAGMENT) | PKT_REASSEMBLED);
		p->frag_off = 0;
		p->frag_more = false;
		p->l4 = NULL;
		p->l4_len = 0;
		p->data = dg;
		p->caplen = p->wirelen = out_len;
		p->linktype = LINK_RAW;
		p->ethertype = ETHERTYPE_IPV4;
		d->st.ipv4--; /* counted once, as the fragment */
		return decode_ipv4(d, p, dg, out_len);
	}

	switch (proto) {
	case IPPROTO_TCP:
		decode_tcp(d, p, pl, (uint32_t)plen);
		break;
	case IPPROTO_UDP:
		return decode_udp(d, p, pl, (uint32_t)plen);
	case IPPROTO_ICMP:
		decode_icmpv4(d, p, pl, (uint32_t)plen);
		break;
	default:
		/* GRE here, off the path of TCP and UDP: a tunnel (decode/tunnel.c),
		 * or else an IP packet of its own */
		if (proto == IPPROTO_GRE) {
			int r = decode_gre(d, p, pl, (uint32_t)plen);
			if (r >= 0)
				return r;
		}
		if (proto == IPPROTO_ICMPV6)
			decode_set_event(d, p, DEC_IPV4_ICMPV6); /* not decoded as ICMPv6 */
		d->st.other_ip++;
		p->l4 = pl;
		p->l4_len = (uint32_t)plen;
		p->flags |= PKT_HAS_FLOW_KEY;
		break;
	}
	return DECODE_OK;
}
