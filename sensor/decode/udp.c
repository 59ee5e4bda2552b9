/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP (RFC 768): sport:16 dport:16 len:16 csum:16 | data (len - 8)
 * A datagram to a VXLAN port may be a tunnel (decode/tunnel.c).
 */
#include "decode/decode.h"

#include "util/cursor.h"

int decode_udp(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	struct cursor c = cur_make(b, len);
	uint16_t sp = cur_be16(&c);
	uint16_t dp = cur_be16(&c);
	uint16_t ulen = cur_be16(&c);
	cur_skip(&c, 2);
	if (!cur_ok(&c)) {
		decode_set_event(d, p, DEC_UDP_TRUNC);
		return DECODE_OK;
	}
	d->st.udp++;
	if (ulen < 8) {
		decode_set_event(d, p, DEC_UDP_HLEN_INVALID);
		return DECODE_OK;
	}
	uint32_t dlen = ulen - 8u;
	if (ulen > len) {
		if (!(p->flags & PKT_TRUNCATED))
			decode_set_event(d, p, DEC_UDP_LEN_TOO_LARGE);
		dlen = len - 8u;
	} else if (ulen < len) {
		/* bytes after the datagram inside the IP packet */
		decode_set_event(d, p, DEC_UDP_LEN_MISMATCH);
	}
	p->l4 = b;
	p->l4_len = len;
	p->sp = sp;
	p->dp = dp;
	p->payload_len = dlen;
	p->payload = cur_ptr(&c, dlen);
	p->flags |= PKT_HAS_FLOW_KEY;
	/* VXLAN (decode/tunnel.c): one compare unless dp is near a VXLAN port */
	if ((uint32_t)dp - d->vxlan_lo <= d->vxlan_span) {
		int r = decode_vxlan(d, p, p->payload, dlen);
		if (r >= 0)
			return r;
	}
	return DECODE_OK;
}
