/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv4 (RFC 792) and ICMPv6 (RFC 4443): type:8 code:8 csum:16 | rest.
 * Errors (unreachable, time exceeded, ...) carry rest = 4 bytes, then the
 * IP header of the datagram in error.
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

/* The IP header an ICMP error carries (after the 8-byte ICMP header): at
 * least a fixed header, of the right version (Suricata's ipv4_trunc_pkt,
 * ipv4_unknown_ver and their ICMPv6 counterparts). */
static void check_embedded(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len,
			   unsigned ver)
{
	struct cursor c = cur_make(b, len);
	cur_skip(&c, 8);
	int v = cur_peek_u8(&c, 0);
	if (cur_left(&c) < (ver == 4 ? 20u : 40u) || v < 0)
		decode_set_event(d, p, ver == 4 ? DEC_ICMPV4_IPV4_TRUNC_PKT : DEC_ICMPV6_IPV6_TRUNC_PKT);
	else if ((unsigned)v >> 4 != ver)
		decode_set_event(d, p, ver == 4 ? DEC_ICMPV4_IPV4_UNKNOWN_VER
						: DEC_ICMPV6_WRONG_IP_VERSION);
}

/* RFC 792 and its successors: the codes each type defines, as Suricata
 * checks them (router advertisement and solicitation are not among them). */
static void check_icmpv4(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len,
			 uint8_t type, uint8_t code)
{
	int max_code;          /* -1: an unknown type */
	bool error = false;    /* carries the header of the datagram in error */
	switch (type) {
	case 0: case 8: case 13: case 14: case 15: case 16: case 17: case 18:
		max_code = 0;
		break;
	case 3:  /* destination unreachable */
		max_code = 15;
		error = true;
		break;
	case 4: case 12: /* source quench, parameter problem */
		max_code = 0;
		error = true;
		break;
	case 5:  /* redirect */
		max_code = 3;
		error = true;
		break;
	case 11: /* time exceeded */
		max_code = 1;
		error = true;
		break;
	default:
		max_code = -1;
		break;
	}
	if (max_code < 0)
		decode_set_event(d, p, DEC_ICMPV4_UNKNOWN_TYPE);
	else if (code > max_code)
		decode_set_event(d, p, DEC_ICMPV4_UNKNOWN_CODE);
	else if (error && len > 8)
		check_embedded(d, p, b, len, 4);
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
	check_icmpv4(d, p, b, len, type, code);
	icmp_common(p, b, len, type, code, &c);
}

/* RFC 4443 and the IANA registry, as Suricata checks them. */
static void check_icmpv6(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len,
			 uint8_t type, uint8_t code)
{
	bool bad_code = false;
	switch (type) {
	case 1: /* destination unreachable */
	case 2: /* packet too big */
	case 3: /* time exceeded */
	case 4: /* parameter problem */
		bad_code = code > (type == 1 ? 6 : type == 2 ? 0 : type == 3 ? 1 : 2);
		if (!bad_code)
			check_embedded(d, p, b, len, 6);
		break;
	case 130: case 131: case 132: /* MLD: link-local only (RFC 2710 3) */
		bad_code = code != 0;
		if (p->ttl != 1)
			decode_set_event(d, p, DEC_ICMPV6_MLD_INVALID_HL);
		break;
	case 138: /* router renumbering */
		bad_code = code > 2 && code != 255;
		break;
	case 139: case 140: /* node information */
		bad_code = code > 2;
		break;
	case 155: /* RPL control */
		bad_code = (code > 3 && code < 128) || code > 132;
		break;
	case 150: case 151: case 152: case 153:
		break;
	case 128: case 129: case 133: case 134: case 135: case 136: case 137: case 141:
	case 142: case 143: case 144: case 145: case 146: case 147: case 148: case 149:
	case 154: case 156: case 157: case 158: case 159:
		bad_code = code != 0;
		break;
	default:
		if (type == 100 || type == 101 || type == 200 || type == 201)
			decode_set_event(d, p, DEC_ICMPV6_EXPERIMENTATION_TYPE);
		else if ((type > 4 && type < 127) || type >= 160)
			decode_set_event(d, p, DEC_ICMPV6_UNASSIGNED_TYPE);
		else
			decode_set_event(d, p, DEC_ICMPV6_UNKNOWN_TYPE);
		return;
	}
	if (bad_code)
		decode_set_event(d, p, DEC_ICMPV6_UNKNOWN_CODE);
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
	d->st.icmpv6++;
	check_icmpv6(d, p, b, len, type, code);
	icmp_common(p, b, len, type, code, &c);
}
