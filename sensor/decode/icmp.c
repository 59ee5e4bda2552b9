/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv4 (RFC 792) and ICMPv6 (RFC 4443): type:8 code:8 csum:16 | rest.
 * For flows, echo request/reply use the identifier as both "ports" (as
 * Suricata and Zeek do for Community ID); other types use type/code.
 */
#include "decode/decode.h"

#include "util/cursor.h"

static void icmp_common(struct packet *p, const uint8_t *b, uint32_t len,
			uint8_t type, uint8_t code, struct cursor *c)
{
	p->l4 = b;
	p->l4_len = len;
	p->icmp_type = type;
	p->icmp_code = code;
	/* Community ID v1 ports: sport = type, dport = code (or the type of
	 * the counterpart message for request/response pairs). */
	p->sp = type;
	p->dp = code;
	size_t left = cur_left(c);
	p->payload_len = (uint32_t)left;
	p->payload = cur_ptr(c, left);
	p->flags |= PKT_HAS_FLOW_KEY;
}

void decode_icmpv4(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	struct cursor c = cur_make(b, len);
	uint8_t type = cur_u8(&c);
	uint8_t code = cur_u8(&c);
	cur_skip(&c, 2);
	if (!cur_ok(&c)) {
		decode_set_event(d, p, DEC_ICMPV4_TRUNC);
		return;
	}
	d->st.icmpv4++;
	icmp_common(p, b, len, type, code, &c);
}

void decode_icmpv6(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	struct cursor c = cur_make(b, len);
	uint8_t type = cur_u8(&c);
	uint8_t code = cur_u8(&c);
	cur_skip(&c, 2);
	if (!cur_ok(&c)) {
		decode_set_event(d, p, DEC_ICMPV6_TRUNC);
		return;
	}
	if (p->ip_ver != 6) {
		decode_set_event(d, p, DEC_ICMPV6_WRONG_IP_VERSION);
		return;
	}
	d->st.icmpv6++;
	icmp_common(p, b, len, type, code, &c);
}
