/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP (RFC 9293, 3.1):
 *   sport:16 dport:16 | seq:32 | ack:32 | off:4 rsvd:4 flags:8 win:16 |
 *   csum:16 urg:16 | options (off*4 - 20)
 * Options: EOL(0), NOP(1), else kind:len:data with len >= 2.
 * Checksums are not verified (offloading makes them unreliable in captures).
 */
#include "decode/decode.h"

#include "util/cursor.h"

/* out of line: a header without options (most of them) pays nothing for it */
static __attribute__((noinline)) void tcp_options(struct decoder *d, struct packet *p,
						  const uint8_t *opt, uint32_t len)
{
	struct cursor c = cur_make(opt, len);
	uint8_t seen = 0; /* MSS, WS, SACKOK, SACK, TS, TFO met so far */
	while (cur_left(&c) > 0) {
		uint8_t kind = cur_u8(&c);
		if (kind == 0)
			break;
		if (kind == 1)
			continue;
		int olen = cur_peek_u8(&c, 0);
		if (olen < 2) {
			decode_set_event(d, p, DEC_TCP_OPT_INVALID_LEN);
			return;
		}
		struct cursor oc = cur_sub(&c, (size_t)olen - 1);
		if (!cur_ok(&oc)) {
			decode_set_event(d, p, DEC_TCP_OPT_INVALID_LEN);
			return;
		}
		cur_skip(&oc, 1);
		/* each of these once (Suricata's tcp.opt_duplicate) */
		int bit = kind == 2 ? 0 : kind == 3 ? 1 : kind == 4 ? 2 : kind == 5 ? 3
			  : kind == 8 ? 4 : kind == 34 ? 5 : -1;
		if (bit >= 0) {
			if (seen & (1u << bit))
				decode_set_event(d, p, DEC_TCP_OPT_DUPLICATE);
			seen |= (uint8_t)(1u << bit);
		}
		/* fixed lengths: MSS 4, WS 3, SACKOK 2, TS 10 */
		switch (kind) {
		case 2:
			if (olen != 4)
				decode_set_event(d, p, DEC_TCP_OPT_INVALID_LEN);
			break;
		case 3:
			if (olen != 3)
				decode_set_event(d, p, DEC_TCP_OPT_INVALID_LEN);
			else
				p->tcp_wscale = cur_u8(&oc);
			break;
		case 4:
			if (olen != 2)
				decode_set_event(d, p, DEC_TCP_OPT_INVALID_LEN);
			break;
		case 8:
			if (olen != 10)
				decode_set_event(d, p, DEC_TCP_OPT_INVALID_LEN);
			break;
		default:
			break;
		}
	}
}

void decode_tcp(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	/* the fixed header, read directly once its 20 bytes are known there */
	if (len < 20) {
		decode_set_event(d, p, DEC_TCP_TRUNC);
		return;
	}
	uint16_t sp = rd_be16(b);
	uint16_t dp = rd_be16(b + 2);
	uint32_t seq = rd_be32(b + 4);
	uint32_t ack = rd_be32(b + 8);
	uint8_t off = b[12];
	uint8_t flags = b[13];
	uint16_t win = rd_be16(b + 14);
	d->st.tcp++;
	uint32_t hlen = (uint32_t)(off >> 4) * 4;
	if (hlen < 20) {
		decode_set_event(d, p, DEC_TCP_HLEN_TOO_SMALL);
		return;
	}
	if (hlen > len) {
		decode_set_event(d, p, DEC_TCP_INVALID_OPTLEN);
		return;
	}
	p->l4 = b;
	p->l4_len = len;
	p->sp = sp;
	p->dp = dp;
	p->tcp_seq = seq;
	p->tcp_ack = ack;
	p->tcp_flags = flags;
	p->tcp_win = win;
	if (hlen > 20)
		tcp_options(d, p, b + 20, hlen - 20);
	p->payload_len = len - hlen;
	p->payload = b + hlen;
	p->flags |= PKT_HAS_FLOW_KEY;
}
