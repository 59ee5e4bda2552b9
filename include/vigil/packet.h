/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PACKET_H
#define VIGIL_PACKET_H

/*
 * struct packet: the decoded view of one captured frame. Decode fills it
 * without allocating; offsets point into the frame bytes (or into a
 * reassembled datagram owned by the defragmenter). Everything after decode
 * reads packets through this struct.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct flow;

/* Link types we decode (values are the pcap LINKTYPE_ numbers). */
#define LINK_NULL 0
#define LINK_ETHERNET 1
#define LINK_RAW 101
#define LINK_LOOP 108
#define LINK_LINUX_SLL 113
#define LINK_LINUX_SLL2 276
#define LINK_IPV4 228
#define LINK_IPV6 229

/* Industrial EtherTypes recognised at L2 and handed on. */
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_PROFINET 0x8892
#define ETHERTYPE_ETHERCAT 0x88a4
#define ETHERTYPE_GOOSE 0x88b8
#define ETHERTYPE_GSE 0x88b9
#define ETHERTYPE_SV 0x88ba
#define ETHERTYPE_LLDP 0x88cc
#define ETHERTYPE_PTP 0x88f7
#define ETHERTYPE_MPLS 0x8847       /* RFC 3032, unicast */
#define ETHERTYPE_MPLS_MC 0x8848    /* RFC 3032 / 5332, multicast */
#define ETHERTYPE_TEB 0x6558        /* GRE: transparent Ethernet bridging */
#define ETHERTYPE_ERSPAN 0x88be     /* GRE: ERSPAN type I and II */
#define ETHERTYPE_ERSPAN3 0x22eb    /* GRE: ERSPAN type III */

/* Decoder events. Names (decode/events.c) follow Suricata's, so existing
 * decode-events rules and SIEM content keep working. */
enum decode_event {
	DEC_ETH_TRUNC,
	DEC_VLAN_TRUNC,
	DEC_VLAN_TOO_MANY,
	DEC_SLL_TRUNC,
	DEC_NULL_TRUNC,
	DEC_NULL_UNKNOWN_FAMILY,
	DEC_UNKNOWN_ETHERTYPE,
	DEC_UNSUPPORTED_LINKTYPE,
	DEC_IPRAW_INVALID_IP_VERSION,
	DEC_IPV4_TRUNC,
	DEC_IPV4_HLEN_TOO_SMALL,
	DEC_IPV4_IPLEN_SMALLER_THAN_HLEN,
	DEC_IPV4_TRUNC_PKT,
	DEC_IPV4_OPT_INVALID,
	DEC_IPV4_OPT_INVALID_LEN,
	DEC_IPV4_OPT_MALFORMED,
	DEC_IPV4_OPT_DUPLICATE,
	DEC_IPV4_WRONG_VERSION,
	DEC_IPV4_FRAG_PKT_TOO_LARGE,
	DEC_IPV4_FRAG_OVERLAP,
	DEC_IPV4_ICMPV6,
	DEC_IPV6_TRUNC,
	DEC_IPV6_TRUNC_PKT,
	DEC_IPV6_TRUNC_EXTHDR,
	DEC_IPV6_WRONG_VERSION,
	DEC_IPV6_EXTHDR_TOO_MANY,
	DEC_IPV6_FRAG_PKT_TOO_LARGE,
	DEC_IPV6_FRAG_OVERLAP,
	DEC_IPV6_FRAG_INVALID_LENGTH,
	DEC_IPV6_EXTHDR_DUPL_FH,
	DEC_IPV6_EXTHDR_DUPL_RH,
	DEC_IPV6_EXTHDR_DUPL_HH,
	DEC_IPV6_EXTHDR_DUPL_DH,
	DEC_IPV6_EXTHDR_DUPL_AH,
	DEC_IPV6_EXTHDR_USELESS_FH,
	DEC_IPV6_EXTHDR_INVALID_OPTLEN,
	DEC_IPV6_EXTHDR_AH_RES_NOT_NULL,
	DEC_IPV6_HOPOPTS_UNKNOWN_OPT,
	DEC_IPV6_HOPOPTS_ONLY_PADDING,
	DEC_IPV6_DSTOPTS_UNKNOWN_OPT,
	DEC_IPV6_DSTOPTS_ONLY_PADDING,
	DEC_IPV6_RH_TYPE_0,
	DEC_IPV6_ZERO_LEN_PADN,
	DEC_IPV6_FH_NON_ZERO_RES_FIELD,
	DEC_IPV6_DATA_AFTER_NONE_HEADER,
	DEC_IPV6_UNKNOWN_NEXT_HEADER,
	DEC_IPV6_ICMPV4,
	DEC_FRAG_MEMCAP,
	DEC_FRAG_MEMCAP_HIT,  /* datagrams given up at the memcap (rate-limited) */
	DEC_TCP_TRUNC,
	DEC_TCP_HLEN_TOO_SMALL,
	DEC_TCP_INVALID_OPTLEN,
	DEC_TCP_OPT_INVALID_LEN,
	DEC_TCP_OPT_DUPLICATE,
	DEC_UDP_TRUNC,
	DEC_UDP_HLEN_INVALID,
	DEC_UDP_LEN_TOO_LARGE,
	DEC_UDP_LEN_MISMATCH,
	DEC_ICMPV4_TRUNC,
	DEC_ICMPV4_UNKNOWN_TYPE,
	DEC_ICMPV4_UNKNOWN_CODE,
	DEC_ICMPV4_IPV4_TRUNC_PKT,
	DEC_ICMPV4_IPV4_UNKNOWN_VER,
	DEC_ICMPV6_UNKNOWN_TYPE,
	DEC_ICMPV6_UNKNOWN_CODE,
	DEC_ICMPV6_IPV6_TRUNC_PKT,
	DEC_ICMPV6_MLD_INVALID_HL,
	DEC_ICMPV6_UNASSIGNED_TYPE,
	DEC_ICMPV6_EXPERIMENTATION_TYPE,
	DEC_ICMPV6_TRUNC,
	DEC_ICMPV6_WRONG_IP_VERSION,
	DEC_GRE_PKT_TOO_SMALL,
	DEC_GRE_WRONG_VERSION,
	DEC_GRE_VERSION0_RECUR,
	DEC_GRE_VERSION0_FLAGS,
	DEC_GRE_VERSION0_HDR_TOO_BIG,
	DEC_ERSPAN_HEADER_TOO_SMALL,
	DEC_ERSPAN_UNSUPPORTED_VERSION,
	DEC_ERSPAN_TOO_MANY_VLAN_LAYERS,
	DEC_VXLAN_UNKNOWN_PAYLOAD_TYPE,
	DEC_MPLS_HEADER_TOO_SMALL,
	DEC_MPLS_PKT_TOO_SMALL,
	DEC_MPLS_BAD_LABEL_ROUTER_ALERT,
	DEC_MPLS_BAD_LABEL_IMPLICIT_NULL,
	DEC_MPLS_BAD_LABEL_RESERVED,
	DEC_MPLS_UNKNOWN_PAYLOAD_TYPE,
	DEC_TOO_MANY_LAYERS,
	DEC__COUNT
};
extern const char *const decode_event_names[DEC__COUNT];

/* Stream events (flow/stream.c), logged as anomaly type "stream". Names
 * are Suricata's where Suricata's stream engine has the event. */
enum stream_event {
	STREAM_EV_RETRANSMISSION,
	STREAM_EV_OVERLAP_DIFFERENT_DATA,
	STREAM_EV_SEQ_GAP,
	STREAM_EV_MEMCAP,
	STREAM_EV_SEGMENT_LIMIT,
	STREAM_EV_DATA_AFTER_CLOSE,
	STREAM_EV_3WHS_SYNACK_IN_WRONG_DIRECTION,
	STREAM_EV_3WHS_SYNACK_WITH_WRONG_ACK,
	STREAM_EV_3WHS_SYNACK_TOSERVER_ON_SYN_RECV,
	STREAM_EV_3WHS_SYNACK_RESEND_WITH_DIFF_ACK,
	STREAM_EV_3WHS_SYNACK_RESEND_WITH_DIFF_SEQ,
	STREAM_EV_3WHS_SYN_TOCLIENT_ON_SYN_RECV,
	STREAM_EV_3WHS_SYN_RESEND_DIFF_SEQ_ON_SYN_RECV,
	STREAM_EV_3WHS_RIGHT_SEQ_WRONG_ACK_EVASION,
	STREAM_EV_3WHS_WRONG_SEQ_WRONG_ACK,
	STREAM_EV_4WHS_SYNACK_WITH_WRONG_ACK,
	STREAM_EV_4WHS_SYNACK_WITH_WRONG_SYN,
	STREAM_EV_EST_SYNACK_TOSERVER,
	STREAM_EV_EST_SYNACK_RESEND,
	STREAM_EV_EST_SYNACK_RESEND_WITH_DIFF_ACK,
	STREAM_EV_EST_SYNACK_RESEND_WITH_DIFF_SEQ,
	STREAM_EV_EST_SYN_TOCLIENT,
	STREAM_EV_EST_SYN_RESEND,
	STREAM_EV_EST_SYN_RESEND_DIFF_SEQ,
	STREAM_EV_SHUTDOWN_SYN_RESEND,
	STREAM_EV_FIN_BUT_NO_SESSION,
	STREAM_EV_RST_BUT_NO_SESSION,
	STREAM_EV_PKT_BROKEN_ACK,
	STREAM_EV__COUNT
};
extern const char *const stream_event_names[STREAM_EV__COUNT];

/* An IPv4 or IPv6 address. IPv4 is stored as the first 4 bytes, rest 0. */
struct vaddr {
	uint8_t a[16];
};

#define PKT_MAX_EVENTS 8
#define PKT_MAX_VLAN 2
/* Encapsulations (GRE, VXLAN, an MPLS label stack) removed from one frame
 * at most; one more is decoder.too_many_layers and is not opened. */
#define PKT_MAX_ENCAP 8

/* packet.flags */
#define PKT_IPV4_CSUM_BAD 0x0001
#define PKT_L4_CSUM_BAD 0x0002
#define PKT_REASSEMBLED 0x0004  /* IP datagram rebuilt from fragments */
#define PKT_FRAGMENT 0x0008     /* a fragment (held by defrag, not inspected) */
#define PKT_HAS_FLOW_KEY 0x0010 /* addresses + ports are valid */
#define PKT_TRUNCATED 0x0020
#define PKT_IS_L2_ICS 0x0040    /* industrial EtherType payload */
#define PKT_HASHED 0x0080       /* hash already holds flow_hash_packet() */
#define PKT_NO_INDEX 0x0100     /* pcap_cnt is internal only (XDP): not logged */
#define PKT_PAYLOAD_SUM 0x0200  /* payload_sum holds stream_seg_sum() of the payload */

/* TCP flags */
#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PUSH 0x08
#define TCPF_ACK 0x10
#define TCPF_URG 0x20
#define TCPF_ECE 0x40
#define TCPF_CWR 0x80

struct packet {
	uint64_t pcap_cnt;    /* 1-based index in the capture (across files) */
	uint64_t ts;          /* microseconds since the epoch, from the capture */
	const uint8_t *data;  /* frame bytes */
	uint32_t caplen;
	uint32_t wirelen;
	int linktype;

	uint16_t flags;
	uint8_t n_events;
	uint8_t vlan_cnt;
	uint16_t events[PKT_MAX_EVENTS];
	uint16_t vlan[PKT_MAX_VLAN];
	uint16_t ethertype;   /* innermost EtherType (or synthesised for SLL/raw) */

	/* L3 */
	uint8_t ip_ver;       /* 0, 4 or 6 */
	uint8_t l4proto;      /* IPPROTO_* of the transport header */
	uint8_t ttl;
	uint8_t ip_tos;
	struct vaddr src;
	struct vaddr dst;
	/* IP tunnels (GRE, VXLAN) the packet was taken out of: 0 for a plain
	 * packet. Part of the flow's identity, like Suricata's recursion level
	 * (decode/tunnel.c says why); with it, the tun_ members below. */
	uint8_t tunnel_depth;
	uint8_t encap;        /* encapsulations removed (PKT_MAX_ENCAP) */
	const uint8_t *l3;    /* IP header */
	uint32_t l3_len;      /* from IP header start to end of IP datagram */
	uint16_t ip_hlen;     /* IPv4 header or IPv6 header + extension headers */
	uint16_t ip_id;
	/* fragment info, valid when PKT_FRAGMENT */
	uint32_t frag_id;
	uint16_t frag_off;    /* in bytes */
	bool frag_more;
	uint8_t frag_nh;      /* IPv6: next header after the fragment header */
	uint16_t frag_hdr_off; /* IPv6: offset of the fragment header in l3 */
	/* with DEC_FRAG_MEMCAP_HIT: incomplete datagrams the defragmenter gave
	 * up to make room, and fragments it could not store at all, since its
	 * previous report */
	uint32_t frag_evicted;
	uint32_t frag_dropped;

	/* L4 */
	const uint8_t *l4;
	uint32_t l4_len;
	uint16_t sp;
	uint16_t dp;
	uint8_t tcp_flags;
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint8_t tcp_wscale;   /* 0xff = option absent */
	uint32_t tcp_seq;
	uint32_t tcp_ack;
	uint16_t tcp_win;

	/* L7 payload (TCP/UDP data, or the L2 payload for industrial EtherTypes) */
	const uint8_t *payload;
	uint32_t payload_len;

	/* set by the flow layer */
	uint32_t hash;        /* symmetric flow hash */
	uint16_t payload_sum; /* with PKT_PAYLOAD_SUM: computed by the capture thread */
	struct flow *flow;
	uint8_t dir;          /* 0 = to server, 1 = to client */

	/* The outermost IP header of a tunnelled packet (tunnel_depth > 0),
	 * for the records' "tunnel" object; undefined otherwise: decode does
	 * not clear them, and a plain packet is copied into a worker's ring
	 * without them (PKT_COPY_PLAIN bytes). */
	uint8_t tun_ip_ver;
	uint8_t tun_proto;    /* IPPROTO_GRE or IPPROTO_UDP (VXLAN) */
	uint16_t tun_sp;      /* VXLAN: the outer UDP ports; GRE: 0 */
	uint16_t tun_dp;
	struct vaddr tun_src;
	struct vaddr tun_dst;
};

/* The bytes of struct packet that matter for a plain packet (everything but
 * the outer addresses of a tunnel). */
#define PKT_COPY_PLAIN offsetof(struct packet, tun_src)

static inline void packet_event(struct packet *p, enum decode_event ev)
{
	if (p->n_events < PKT_MAX_EVENTS)
		p->events[p->n_events++] = (uint16_t)ev;
}

static inline bool packet_has_event(const struct packet *p, enum decode_event ev)
{
	for (unsigned i = 0; i < p->n_events; i++)
		if (p->events[i] == ev)
			return true;
	return false;
}

/* The stream events of a packet (set by flow/stream.c once decode is done,
 * the decoder events logged) join its decoder events as ids DEC__COUNT + e,
 * as Suricata keeps both in one list: rules see them alike. Readers of
 * p->events that index decode_event_names must stop at DEC__COUNT. */
#define PKT_EV_STREAM(e) ((uint16_t)(DEC__COUNT + (unsigned)(e)))

static inline void packet_stream_event(struct packet *p, enum stream_event ev)
{
	uint16_t id = PKT_EV_STREAM(ev);
	for (unsigned i = 0; i < p->n_events; i++)
		if (p->events[i] == id)
			return;
	if (p->n_events < PKT_MAX_EVENTS)
		p->events[p->n_events++] = id;
}

#endif
