/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Link layers: Ethernet II (+ 802.1Q / QinQ), Linux cooked v1 and v2, BSD
 * loopback (DLT_NULL / DLT_LOOP), raw IP.
 *
 *   Ethernet:  dst:6 src:6 type:2              (IEEE 802.3, 3.2.6)
 *   802.1Q:    tci:2 type:2 after TPID 0x8100 / 0x88a8 / 0x9100
 *   SLL:       pkttype:2 hatype:2 halen:2 addr:8 proto:2        (16 bytes)
 *   SLL2:      proto:2 rsvd:2 ifindex:4 hatype:2 pkttype:1 halen:1 addr:8 (20)
 *   NULL/LOOP: family:4 (host order for NULL, big-endian for LOOP)
 */
#include "decode/decode.h"

#include <string.h>

#include "util/blk.h"
#include "util/cursor.h"

const char *const decode_event_names[DEC__COUNT] = {
	[DEC_ETH_TRUNC] = "decoder.ethernet.pkt_too_small",
	[DEC_VLAN_TRUNC] = "decoder.vlan.header_too_small",
	[DEC_VLAN_TOO_MANY] = "decoder.vlan.too_many_layers",
	[DEC_SLL_TRUNC] = "decoder.sll.pkt_too_small",
	[DEC_NULL_TRUNC] = "decoder.ltnull.pkt_too_small",
	[DEC_NULL_UNKNOWN_FAMILY] = "decoder.ltnull.unsupported_type",
	[DEC_UNKNOWN_ETHERTYPE] = "decoder.unknown_ethertype",
	[DEC_UNSUPPORTED_LINKTYPE] = "decoder.unsupported_linktype",
	[DEC_IPRAW_INVALID_IP_VERSION] = "decoder.ipraw.invalid_ip_version",
	[DEC_IPV4_TRUNC] = "decoder.ipv4.pkt_too_small",
	[DEC_IPV4_HLEN_TOO_SMALL] = "decoder.ipv4.hlen_too_small",
	[DEC_IPV4_IPLEN_SMALLER_THAN_HLEN] = "decoder.ipv4.iplen_smaller_than_hlen",
	[DEC_IPV4_TRUNC_PKT] = "decoder.ipv4.trunc_pkt",
	[DEC_IPV4_OPT_INVALID] = "decoder.ipv4.opt_invalid",
	[DEC_IPV4_OPT_INVALID_LEN] = "decoder.ipv4.opt_invalid_len",
	[DEC_IPV4_OPT_MALFORMED] = "decoder.ipv4.opt_malformed",
	[DEC_IPV4_OPT_DUPLICATE] = "decoder.ipv4.opt_duplicate",
	[DEC_IPV4_WRONG_VERSION] = "decoder.ipv4.wrong_ip_version",
	[DEC_IPV4_FRAG_PKT_TOO_LARGE] = "decoder.ipv4.frag_pkt_too_large",
	[DEC_IPV4_FRAG_OVERLAP] = "decoder.ipv4.frag_overlap",
	[DEC_IPV4_ICMPV6] = "decoder.ipv4.icmpv6",
	[DEC_IPV6_TRUNC] = "decoder.ipv6.pkt_too_small",
	[DEC_IPV6_TRUNC_PKT] = "decoder.ipv6.trunc_pkt",
	[DEC_IPV6_TRUNC_EXTHDR] = "decoder.ipv6.trunc_exthdr",
	[DEC_IPV6_WRONG_VERSION] = "decoder.ipv6.wrong_ip_version",
	[DEC_IPV6_EXTHDR_TOO_MANY] = "decoder.ipv6.exthdr_too_many",
	[DEC_IPV6_FRAG_PKT_TOO_LARGE] = "decoder.ipv6.frag_pkt_too_large",
	[DEC_IPV6_FRAG_OVERLAP] = "decoder.ipv6.frag_overlap",
	[DEC_IPV6_FRAG_INVALID_LENGTH] = "decoder.ipv6.frag_invalid_length",
	[DEC_IPV6_EXTHDR_DUPL_FH] = "decoder.ipv6.exthdr_dupl_fh",
	[DEC_IPV6_EXTHDR_DUPL_RH] = "decoder.ipv6.exthdr_dupl_rh",
	[DEC_IPV6_EXTHDR_DUPL_HH] = "decoder.ipv6.exthdr_dupl_hh",
	[DEC_IPV6_EXTHDR_DUPL_DH] = "decoder.ipv6.exthdr_dupl_dh",
	[DEC_IPV6_EXTHDR_DUPL_AH] = "decoder.ipv6.exthdr_dupl_ah",
	[DEC_IPV6_EXTHDR_USELESS_FH] = "decoder.ipv6.exthdr_useless_fh",
	[DEC_IPV6_EXTHDR_INVALID_OPTLEN] = "decoder.ipv6.exthdr_invalid_optlen",
	[DEC_IPV6_EXTHDR_AH_RES_NOT_NULL] = "decoder.ipv6.exthdr_ah_res_not_null",
	[DEC_IPV6_HOPOPTS_UNKNOWN_OPT] = "decoder.ipv6.hopopts_unknown_opt",
	[DEC_IPV6_HOPOPTS_ONLY_PADDING] = "decoder.ipv6.hopopts_only_padding",
	[DEC_IPV6_DSTOPTS_UNKNOWN_OPT] = "decoder.ipv6.dstopts_unknown_opt",
	[DEC_IPV6_DSTOPTS_ONLY_PADDING] = "decoder.ipv6.dstopts_only_padding",
	[DEC_IPV6_RH_TYPE_0] = "decoder.ipv6.rh_type_0",
	[DEC_IPV6_ZERO_LEN_PADN] = "decoder.ipv6.zero_len_padn",
	[DEC_IPV6_FH_NON_ZERO_RES_FIELD] = "decoder.ipv6.fh_non_zero_reserved_field",
	[DEC_IPV6_DATA_AFTER_NONE_HEADER] = "decoder.ipv6.data_after_none_header",
	[DEC_IPV6_UNKNOWN_NEXT_HEADER] = "decoder.ipv6.unknown_next_header",
	[DEC_IPV6_ICMPV4] = "decoder.ipv6.icmpv4",
	[DEC_FRAG_MEMCAP] = "defrag.max_frag_hit",
	[DEC_FRAG_MEMCAP_HIT] = "defrag.memcap_hit",
	[DEC_TCP_TRUNC] = "decoder.tcp.pkt_too_small",
	[DEC_TCP_HLEN_TOO_SMALL] = "decoder.tcp.hlen_too_small",
	[DEC_TCP_INVALID_OPTLEN] = "decoder.tcp.invalid_optlen",
	[DEC_TCP_OPT_INVALID_LEN] = "decoder.tcp.opt_invalid_len",
	[DEC_TCP_OPT_DUPLICATE] = "decoder.tcp.opt_duplicate",
	/* Suricata 7's UDP checks: fewer than 8 bytes; the length field above
	 * the bytes there are; below the header's 8; below the IP payload */
	[DEC_UDP_TRUNC] = "decoder.udp.hlen_too_small",
	[DEC_UDP_HLEN_INVALID] = "decoder.udp.len_invalid",
	[DEC_UDP_LEN_TOO_LARGE] = "decoder.udp.pkt_too_small",
	[DEC_UDP_LEN_MISMATCH] = "decoder.udp.hlen_invalid",
	[DEC_ICMPV4_TRUNC] = "decoder.icmpv4.pkt_too_small",
	[DEC_ICMPV4_UNKNOWN_TYPE] = "decoder.icmpv4.unknown_type",
	[DEC_ICMPV4_UNKNOWN_CODE] = "decoder.icmpv4.unknown_code",
	[DEC_ICMPV4_IPV4_TRUNC_PKT] = "decoder.icmpv4.ipv4_trunc_pkt",
	[DEC_ICMPV4_IPV4_UNKNOWN_VER] = "decoder.icmpv4.ipv4_unknown_ver",
	[DEC_ICMPV6_UNKNOWN_TYPE] = "decoder.icmpv6.unknown_type",
	[DEC_ICMPV6_UNKNOWN_CODE] = "decoder.icmpv6.unknown_code",
	[DEC_ICMPV6_IPV6_TRUNC_PKT] = "decoder.icmpv6.ipv6_trunc_pkt",
	[DEC_ICMPV6_MLD_INVALID_HL] = "decoder.icmpv6.mld_message_with_invalid_hl",
	[DEC_ICMPV6_UNASSIGNED_TYPE] = "decoder.icmpv6.unassigned_type",
	[DEC_ICMPV6_EXPERIMENTATION_TYPE] = "decoder.icmpv6.experimentation_type",
	[DEC_ICMPV6_TRUNC] = "decoder.icmpv6.pkt_too_small",
	[DEC_ICMPV6_WRONG_IP_VERSION] = "decoder.icmpv6.ipv6_unknown_version",
	[DEC_GRE_PKT_TOO_SMALL] = "decoder.gre.pkt_too_small",
	[DEC_GRE_WRONG_VERSION] = "decoder.gre.wrong_version",
	[DEC_GRE_VERSION0_RECUR] = "decoder.gre.version0_recur",
	[DEC_GRE_VERSION0_FLAGS] = "decoder.gre.version0_flags",
	[DEC_GRE_VERSION0_HDR_TOO_BIG] = "decoder.gre.version0_hdr_too_big",
	[DEC_ERSPAN_HEADER_TOO_SMALL] = "decoder.erspan.header_too_small",
	[DEC_ERSPAN_UNSUPPORTED_VERSION] = "decoder.erspan.unsupported_version",
	[DEC_ERSPAN_TOO_MANY_VLAN_LAYERS] = "decoder.erspan.too_many_vlan_layers",
	[DEC_VXLAN_UNKNOWN_PAYLOAD_TYPE] = "decoder.vxlan.unknown_payload_type",
	[DEC_MPLS_HEADER_TOO_SMALL] = "decoder.mpls.header_too_small",
	[DEC_MPLS_PKT_TOO_SMALL] = "decoder.mpls.pkt_too_small",
	[DEC_MPLS_BAD_LABEL_ROUTER_ALERT] = "decoder.mpls.bad_label_router_alert",
	[DEC_MPLS_BAD_LABEL_IMPLICIT_NULL] = "decoder.mpls.bad_label_implicit_null",
	[DEC_MPLS_BAD_LABEL_RESERVED] = "decoder.mpls.bad_label_reserved",
	[DEC_MPLS_UNKNOWN_PAYLOAD_TYPE] = "decoder.mpls.unknown_payload_type",
	[DEC_TOO_MANY_LAYERS] = "decoder.too_many_layers",
};

void decode_set_event(struct decoder *d, struct packet *p, enum decode_event ev)
{
	if (!packet_has_event(p, ev)) {
		packet_event(p, ev);
		d->st.events[ev]++;
	}
}

int decode_ethertype(struct decoder *d, struct packet *p, uint16_t type,
		     const uint8_t *b, uint32_t len)
{
	p->ethertype = type;
	switch (type) {
	case ETHERTYPE_IPV4:
		return decode_ipv4(d, p, b, len);
	case ETHERTYPE_IPV6:
		return decode_ipv6(d, p, b, len);
	case ETHERTYPE_ARP:
		d->st.arp++;
		return DECODE_OK;
	case ETHERTYPE_GOOSE:
	case ETHERTYPE_GSE:
		d->st.goose++;
		break;
	case ETHERTYPE_SV:
		d->st.sv++;
		break;
	case ETHERTYPE_PROFINET:
		d->st.profinet++;
		break;
	case ETHERTYPE_ETHERCAT:
		d->st.ethercat++;
		break;
	case ETHERTYPE_LLDP:
	case ETHERTYPE_PTP:
		d->st.other_l2++;
		return DECODE_OK;
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		return decode_mpls(d, p, b, len);
	default:
		if (type < 0x0600) {
			/* 802.3 length field (LLC: STP, CDP, ...): not an event */
			d->st.other_l2++;
			return DECODE_OK;
		}
		decode_set_event(d, p, DEC_UNKNOWN_ETHERTYPE);
		return DECODE_OK;
	}
	/* industrial L2 protocols: hand the payload on */
	p->flags |= PKT_IS_L2_ICS;
	p->payload = b;
	p->payload_len = len;
	return DECODE_OK;
}

bool ethertype_known(uint16_t type)
{
	switch (type) {
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
	case ETHERTYPE_ARP:
	case ETHERTYPE_VLAN:
	case ETHERTYPE_QINQ:
	case ETHERTYPE_QINQ_OLD:
	case ETHERTYPE_GOOSE:
	case ETHERTYPE_GSE:
	case ETHERTYPE_SV:
	case ETHERTYPE_PROFINET:
	case ETHERTYPE_ETHERCAT:
	case ETHERTYPE_LLDP:
	case ETHERTYPE_PTP:
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		return true;
	default:
		return type < 0x0600; /* an 802.3 length */
	}
}

/* Peels 802.1Q / QinQ tags starting with TPID type at b. */
static int decode_vlan(struct decoder *d, struct packet *p, uint16_t type,
		       const uint8_t *b, uint32_t len)
{
	struct cursor c = cur_make(b, len);
	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
		if (type != ETHERTYPE_VLAN)
			d->st.vlan_qinq++;
		else
			d->st.vlan++;
		uint16_t tci = cur_be16(&c);
		type = cur_be16(&c);
		if (!cur_ok(&c)) {
			decode_set_event(d, p, DEC_VLAN_TRUNC);
			return DECODE_OK;
		}
		if (p->vlan_cnt >= PKT_MAX_VLAN) {
			decode_set_event(d, p, DEC_VLAN_TOO_MANY);
			return DECODE_OK;
		}
		p->vlan[p->vlan_cnt++] = tci & 0x0fff;
	}
	size_t left = cur_left(&c);
	return decode_ethertype(d, p, type, cur_ptr(&c, left), (uint32_t)left);
}

int decode_ethernet(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	struct cursor c = cur_make(b, len);
	d->st.ethernet++;
	cur_skip(&c, 12);
	uint16_t type = cur_be16(&c);
	if (!cur_ok(&c)) {
		decode_set_event(d, p, DEC_ETH_TRUNC);
		return DECODE_OK;
	}
	size_t left = cur_left(&c);
	const uint8_t *rest = cur_ptr(&c, left);
	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD)
		return decode_vlan(d, p, type, rest, (uint32_t)left);
	return decode_ethertype(d, p, type, rest, (uint32_t)left);
}

static int decode_sll(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	struct cursor c = cur_make(b, len);
	d->st.sll++;
	cur_skip(&c, 14);
	uint16_t type = cur_be16(&c);
	if (!cur_ok(&c)) {
		decode_set_event(d, p, DEC_SLL_TRUNC);
		return DECODE_OK;
	}
	size_t left = cur_left(&c);
	const uint8_t *rest = cur_ptr(&c, left);
	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ)
		return decode_vlan(d, p, type, rest, (uint32_t)left);
	return decode_ethertype(d, p, type, rest, (uint32_t)left);
}

static int decode_sll2(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	struct cursor c = cur_make(b, len);
	d->st.sll++;
	uint16_t type = cur_be16(&c);
	cur_skip(&c, 18);
	if (!cur_ok(&c)) {
		decode_set_event(d, p, DEC_SLL_TRUNC);
		return DECODE_OK;
	}
	size_t left = cur_left(&c);
	const uint8_t *rest = cur_ptr(&c, left);
	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ)
		return decode_vlan(d, p, type, rest, (uint32_t)left);
	return decode_ethertype(d, p, type, rest, (uint32_t)left);
}

/* BSD address families for IPv6 differ between systems: 24, 28, 30. */
static int decode_null(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len,
		       bool big_endian)
{
	struct cursor c = cur_make(b, len);
	d->st.null_loop++;
	uint32_t fam = big_endian ? cur_be32(&c) : cur_le32(&c);
	if (!cur_ok(&c)) {
		decode_set_event(d, p, DEC_NULL_TRUNC);
		return DECODE_OK;
	}
	/* DLT_NULL is in the capturing host's byte order: accept both. */
	if (!big_endian && fam > 0xffff)
		fam = __builtin_bswap32(fam);
	size_t left = cur_left(&c);
	const uint8_t *rest = cur_ptr(&c, left);
	switch (fam) {
	case 2:
		return decode_ethertype(d, p, ETHERTYPE_IPV4, rest, (uint32_t)left);
	case 24:
	case 28:
	case 30:
		return decode_ethertype(d, p, ETHERTYPE_IPV6, rest, (uint32_t)left);
	default:
		decode_set_event(d, p, DEC_NULL_UNKNOWN_FAMILY);
		return DECODE_OK;
	}
}

static int decode_raw(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len)
{
	struct cursor c = cur_make(b, len);
	d->st.raw++;
	int v = cur_peek_u8(&c, 0);
	if (v < 0) {
		decode_set_event(d, p, DEC_IPV4_TRUNC);
		return DECODE_OK;
	}
	if ((v >> 4) == 6)
		return decode_ethertype(d, p, ETHERTYPE_IPV6, b, len);
	if ((v >> 4) != 4) {
		decode_set_event(d, p, DEC_IPRAW_INVALID_IP_VERSION);
		return DECODE_OK;
	}
	return decode_ethertype(d, p, ETHERTYPE_IPV4, b, len);
}

int decode_packet(struct decoder *d, struct packet *p)
{
	/* reset everything decode sets; keep the capture fields (and the
	 * outer addresses of a tunnel: tunnel_depth says when they count) */
	size_t keep = offsetof(struct packet, flags);
	size_t n = PKT_COPY_PLAIN - keep;
	blk_zero((uint8_t *)p + keep, n);
	p->tcp_wscale = 0xff;

	d->st.pkts++;
	d->st.bytes += p->wirelen ? p->wirelen : p->caplen;
	if (p->caplen < p->wirelen)
		p->flags |= PKT_TRUNCATED;

	int r;
	switch (p->linktype) {
	case LINK_ETHERNET:
		r = decode_ethernet(d, p, p->data, p->caplen);
		break;
	case LINK_LINUX_SLL:
		r = decode_sll(d, p, p->data, p->caplen);
		break;
	case LINK_LINUX_SLL2:
		r = decode_sll2(d, p, p->data, p->caplen);
		break;
	case LINK_NULL:
		r = decode_null(d, p, p->data, p->caplen, false);
		break;
	case LINK_LOOP:
		r = decode_null(d, p, p->data, p->caplen, true);
		break;
	case LINK_RAW:
	case 12: /* DLT_RAW on some BSDs; 14 on OpenBSD */
	case 14:
		r = decode_raw(d, p, p->data, p->caplen);
		break;
	case LINK_IPV4:
		d->st.raw++;
		r = decode_ethertype(d, p, ETHERTYPE_IPV4, p->data, p->caplen);
		break;
	case LINK_IPV6:
		d->st.raw++;
		r = decode_ethertype(d, p, ETHERTYPE_IPV6, p->data, p->caplen);
		break;
	default:
		decode_set_event(d, p, DEC_UNSUPPORTED_LINKTYPE);
		r = DECODE_OK;
		break;
	}
	if (p->n_events)
		d->st.invalid++;
	return r;
}

int decoder_init(struct decoder *d, const struct defrag_config *cfg)
{
	memset(d, 0, sizeof(*d));
	struct defrag_config def;
	if (!cfg) {
		defrag_config_defaults(&def);
		cfg = &def;
	}
	struct tunnel_config tc;
	tunnel_config_defaults(&tc);
	decoder_set_tunnel(d, &tc);
	d->defrag = defrag_new(cfg);
	return d->defrag ? 0 : -12;
}

void decoder_fini(struct decoder *d)
{
	if (!d)
		return;
	defrag_free(d->defrag);
	d->defrag = NULL;
}

/* RFC 1071: the ones' complement sum is the same whichever byte order the
 * 16-bit words are added in, so words are added as they lie in memory, four
 * bytes at a time, and the folded sum is swapped into network order once. */
uint16_t inet_csum(const uint8_t *b, uint32_t len)
{
	uint64_t sum = 0;
	uint32_t i = 0;
	if (len == 20) { /* an IPv4 header without options: five words, unrolled */
		uint32_t w[5];
		memcpy(w, b, 20);
		sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
		i = 20;
	}
	for (; i + 4 <= len; i += 4) {
		uint32_t w;
		memcpy(&w, b + i, 4);
		sum += w;
	}
	if (i + 2 <= len) {
		uint16_t w;
		memcpy(&w, b + i, 2);
		sum += w;
		i += 2;
	}
	if (i < len) { /* the odd byte is the high half of a last word */
		uint8_t last[2] = { b[i], 0 };
		uint16_t w;
		memcpy(&w, last, 2);
		sum += w;
	}
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	uint16_t s = (uint16_t)sum;
	uint8_t be[2];
	memcpy(be, &s, 2); /* the sum in memory order is the sum in network order */
	return (uint16_t)~(((uint16_t)be[0] << 8) | be[1]);
}
