/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_DECODE_H
#define VIGIL_DECODE_H

/*
 * Decode: frame bytes -> struct packet (L2..L4 offsets, addresses, ports,
 * flags, decoder events). No allocation per packet; the only memory is the
 * defragmenter's, which is capped.
 *
 * Usage: fill p->data, caplen, wirelen, linktype, ts and pcap_cnt, then call
 * decode_packet(). DECODE_OK: inspect the packet. DECODE_HELD: an IP
 * fragment was stored by the defragmenter (its events, if any, are still in
 * p and should be logged). When a fragment completes a datagram, the result
 * is DECODE_OK with PKT_REASSEMBLED set and p->data pointing at the
 * reassembled IP datagram (linktype LINK_RAW), valid until the next call.
 * A tunnel (GRE, VXLAN; decode/tunnel.c) is opened: p then describes the
 * inner packet, p->data/caplen/wirelen/linktype its frame (or IP packet),
 * and p->tun_* the outermost IP header (p->tunnel_depth > 0).
 */

#include <stdbool.h>
#include <stdint.h>

#include "vigil/packet.h"

struct defrag;

struct decode_stats {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t invalid;      /* packets with at least one decoder event */
	uint64_t ethernet;
	uint64_t sll;
	uint64_t null_loop;
	uint64_t raw;
	uint64_t vlan;
	uint64_t vlan_qinq;
	uint64_t arp;
	uint64_t ipv4;
	uint64_t ipv6;
	uint64_t tcp;
	uint64_t udp;
	uint64_t icmpv4;
	uint64_t icmpv6;
	uint64_t other_ip;     /* IP with a transport we do not decode */
	uint64_t goose;
	uint64_t sv;
	uint64_t profinet;
	uint64_t ethercat;
	uint64_t other_l2;     /* LLDP, PTP, STP ... recognised, not decoded */
	uint64_t gre;          /* GRE headers (decapsulated or not) */
	uint64_t erspan;       /* ERSPAN type I, II, III headers */
	uint64_t vxlan;        /* VXLAN headers (UDP to a VXLAN port, I flag) */
	uint64_t mpls;         /* MPLS label stacks */
	uint64_t ipv4_csum_bad;
	uint64_t events[DEC__COUNT];
};

struct defrag_config {
	uint64_t memcap;          /* bytes of fragment storage, all trackers */
	uint32_t timeout_sec;     /* a datagram not completed by then is dropped */
	uint32_t max_trackers;    /* datagrams being reassembled at once */
	uint16_t max_frags;       /* fragments per datagram */
	uint32_t report_sec;      /* packet time between two defrag.memcap_hit */
};

/* Tunnels (vigil.yaml decoder:, like Suricata's decoder.vxlan). GRE, ERSPAN
 * and MPLS are always decapsulated; VXLAN is UDP, so it is recognised by
 * its destination port. */
#define DECODE_MAX_VXLAN_PORTS 4
struct tunnel_config {
	bool vxlan_enabled;
	uint16_t vxlan_ports[DECODE_MAX_VXLAN_PORTS + 1]; /* 0-terminated */
};

struct defrag_stats {
	uint64_t fragments;
	uint64_t reassembled;
	uint64_t timeouts;
	uint64_t overlaps;
	uint64_t memcap_drops;
	uint64_t memcap_evictions; /* datagrams given up to make room */
	uint64_t too_large;
	uint64_t tracker_drops;
	uint64_t bytes_in_use;
};

struct decoder {
	struct decode_stats st;
	struct defrag *defrag;
	/* VXLAN ports: a UDP destination port dp is looked at only when
	 * dp - vxlan_lo <= vxlan_span (one compare on the UDP path), then
	 * against the list */
	uint32_t vxlan_lo;
	uint32_t vxlan_span;
	uint16_t vxlan_ports[DECODE_MAX_VXLAN_PORTS + 1];
};

#define DECODE_OK 0
#define DECODE_HELD 1

void defrag_config_defaults(struct defrag_config *cfg);
/* VXLAN on, port 4789. */
void tunnel_config_defaults(struct tunnel_config *cfg);
/* Replaces the tunnel settings decoder_init chose (the defaults). */
void decoder_set_tunnel(struct decoder *d, const struct tunnel_config *cfg);

/* 0 or -ENOMEM. */
int decoder_init(struct decoder *d, const struct defrag_config *cfg);
/* Frees the defragmenter. Accepts a decoder that failed to init. */
void decoder_fini(struct decoder *d);

/* Decodes p. See the header comment. O(header bytes). */
int decode_packet(struct decoder *d, struct packet *p);

/* Layer entry points (used by decode_packet and by each other). */
int decode_ethernet(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len);
int decode_ethertype(struct decoder *d, struct packet *p, uint16_t type,
		     const uint8_t *b, uint32_t len);
int decode_ipv4(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len);
int decode_ipv6(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len);
void decode_tcp(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len);
int decode_udp(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len);
void decode_icmpv4(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len);
void decode_icmpv6(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len);

/* Is this an EtherType decode_ethertype knows (decodes, hands on, or
 * knowingly leaves alone)? */
bool ethertype_known(uint16_t type);

/* Tunnels (decode/tunnel.c). decode_gre (b/len: the IP payload) and
 * decode_vxlan (b/len: the payload of a UDP datagram whose destination
 * port may be a VXLAN port) return DECODE_OK or DECODE_HELD once the
 * packet has become its inner packet, or -1 when it stays what it was (not
 * a tunnel we open, or a broken tunnel header: then with its event).
 * decode_mpls: b/len from the first label stack entry on. */
int decode_gre(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len);
int decode_vxlan(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len);
int decode_mpls(struct decoder *d, struct packet *p, const uint8_t *b, uint32_t len);

void decode_set_event(struct decoder *d, struct packet *p, enum decode_event ev);

/* Defragmenter (decode/defrag.c). defrag_add stores the fragment described
 * by p (p->l3 .. l3_len, frag fields set) and returns the reassembled IP
 * datagram when it is complete (*out, *out_len; valid until the next call),
 * or NULL. Events (overlap, too large, memcap) are set on p. */
struct defrag *defrag_new(const struct defrag_config *cfg);
void defrag_free(struct defrag *df);
const uint8_t *defrag_add(struct defrag *df, struct decoder *d, struct packet *p,
			  uint32_t *out_len);
/* Drops trackers idle since before now - timeout. */
void defrag_expire(struct defrag *df, uint64_t now_usec);
void defrag_get_stats(const struct defrag *df, struct defrag_stats *st);

/* RFC 1071 checksum helpers (util). */
uint16_t inet_csum(const uint8_t *b, uint32_t len);

#endif
