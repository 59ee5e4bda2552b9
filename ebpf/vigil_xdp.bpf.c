// SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause)
/*
 * Vigil's XDP pre-filter.
 *
 * Keeps industrial traffic and steers each flow, by a symmetric hash of its
 * endpoints, to the AF_XDP socket of one worker; everything else is dropped
 * (sensor on a SPAN port) or passed to the kernel (sensor on a live host).
 * ARP and IPv6 neighbour discovery always pass. IP fragments and packets we
 * cannot hash (IPv6 extension headers) go to one fallback socket, whose
 * worker reassembles and routes them in user space.
 *
 * Kept: TCP/UDP to or from a port in the ports map (every supported
 * protocol's ports plus the configuration's), traffic to or from an address
 * in the allow map, and the industrial EtherTypes (GOOSE, GSE, SV,
 * PROFINET, EtherCAT).
 *
 * Tunnels (a sensor fed by remote SPAN: GRE with ERSPAN, VXLAN, MPLS) are
 * kept whatever they carry and go to the fallback socket: user space opens
 * them and hands each inner packet to the worker of the inner flow (the
 * outer headers would steer every flow of a tunnel to one worker, and the
 * two directions of a conversation mirrored by two switches to two).
 * Looking inside here would need each encapsulation parsed again within the
 * verifier's limits; the inner traffic is filtered in user space instead.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdp_shared.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_ARP 0x0806
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_GOOSE 0x88B8
#define ETH_P_GSE 0x88B9
#define ETH_P_SV 0x88BA
#define ETH_P_PROFINET 0x8892
#define ETH_P_ETHERCAT 0x88A4
#define ETH_P_MPLS_UC 0x8847
#define ETH_P_MPLS_MC 0x8848
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_GRE_ 47
#define IPPROTO_ICMPV6_ 58

/* Load-time settings, written through the skeleton before load. */
const volatile __u32 n_workers = 1;
const volatile __u8 drop_others = 1;

/* worker and fallback sockets, by index */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, VXDP_MAX_SOCKETS);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

/* server ports whose traffic is kept */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VXDP_PORTS_ENTRIES);
	__type(key, __u32);
	__type(value, __u8);
} ports SEC(".maps");

/* addresses whose traffic is kept, from the configuration */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VXDP_ALLOW_ENTRIES);
	__type(key, struct vxdp_lpm_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} allow SEC(".maps");

/* per-CPU counters, enum vxdp_counter */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VXDP__COUNT);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/* xdp-tools style header cursor, checked against data_end */
struct hdr_cursor {
	void *pos;
};

/* idx out of range (VXDP__COUNT) counts nothing */
static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);
	if (v)
		*v += 1;
}

static __always_inline int not_kept(__u32 which)
{
	count(which);
	if (drop_others) {
		count(VXDP_DROPPED);
		return XDP_DROP;
	}
	count(VXDP_PASSED);
	return XDP_PASS;
}

static __always_inline int to_socket(struct xdp_md *ctx, __u32 idx, __u32 which)
{
	if (idx == n_workers)
		count(VXDP_KEPT_FALLBACK);
	else
		count(VXDP_KEPT);
	count(which);
	/* the group of sockets bound to the queue the packet came in on; no
	 * socket there (not bound yet): give the packet to the kernel */
	return bpf_redirect_map(&xsks, ctx->rx_queue_index * (n_workers + 1) + idx, XDP_PASS);
}

static __always_inline bool port_kept(__u32 transport, __u16 sport, __u16 dport)
{
	__u32 k = transport * 65536 + dport;
	__u8 *v = bpf_map_lookup_elem(&ports, &k);
	if (v && *v == VXDP_PORT_KEEP)
		return true;
	k = transport * 65536 + sport;
	v = bpf_map_lookup_elem(&ports, &k);
	return v && *v == VXDP_PORT_KEEP;
}

/* UDP to a tunnel port (VXLAN)? */
static __always_inline bool port_tunnel(__u16 dport)
{
	__u32 k = 65536 + dport;
	__u8 *v = bpf_map_lookup_elem(&ports, &k);
	return v && *v == VXDP_PORT_TUNNEL;
}

static __always_inline bool addr_allowed(const __u32 a[4])
{
	struct vxdp_lpm_key key = { .prefixlen = 128 };
	__builtin_memcpy(key.addr, a, 16);
	return bpf_map_lookup_elem(&allow, &key) != NULL;
}

SEC("xdp")
int vigil_xdp(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	struct hdr_cursor c = { .pos = (void *)(long)ctx->data };
	struct ethhdr *eth = c.pos;

	count(VXDP_SEEN);
	if ((void *)(eth + 1) > data_end) {
		count(VXDP_MALFORMED);
		return not_kept(VXDP_DROP_OTHER);
	}
	c.pos = eth + 1;
	__u16 type = bpf_ntohs(eth->h_proto);

#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (type != ETH_P_8021Q && type != ETH_P_8021AD)
			break;
		struct vlan_hdr *vh = c.pos;
		if ((void *)(vh + 1) > data_end) {
			count(VXDP_MALFORMED);
			return not_kept(VXDP_DROP_OTHER);
		}
		type = bpf_ntohs(vh->h_vlan_encapsulated_proto);
		c.pos = vh + 1;
	}

	switch (type) {
	case ETH_P_ARP:
		count(VXDP_PASSED_ARP_ND);
		return XDP_PASS;
	case ETH_P_GOOSE:
	case ETH_P_GSE:
	case ETH_P_SV:
	case ETH_P_PROFINET:
	case ETH_P_ETHERCAT:
		/* no flow: all to one worker, in order */
		return to_socket(ctx, 0, VXDP_KEPT_L2);
	case ETH_P_MPLS_UC:
	case ETH_P_MPLS_MC:
		return to_socket(ctx, n_workers, VXDP_KEPT_TUNNEL);
	case ETH_P_IP:
	case ETH_P_IPV6:
		break;
	default:
		return not_kept(VXDP_DROP_OTHER);
	}

	__u32 a[4] = { 0, 0, 0, 0 }, b[4] = { 0, 0, 0, 0 };
	__u8 proto;
	void *l4;
	if (type == ETH_P_IP) {
		struct iphdr *ip = c.pos;
		if ((void *)(ip + 1) > data_end) {
			count(VXDP_MALFORMED);
			return not_kept(VXDP_DROP_OTHER);
		}
		if (ip->frag_off & bpf_htons(0x3fff))
			return to_socket(ctx, n_workers, VXDP__COUNT); /* reassembled in user space */
		__u32 hl = ip->ihl * 4;
		if (hl < 20) {
			/* user space reports the bad header */
			count(VXDP_MALFORMED);
			return to_socket(ctx, n_workers, VXDP__COUNT);
		}
		a[0] = ip->saddr;
		b[0] = ip->daddr;
		proto = ip->protocol;
		l4 = c.pos + hl;
		if (proto == IPPROTO_GRE_)
			return to_socket(ctx, n_workers, VXDP_KEPT_TUNNEL);
		/* IPv4 for the allow trie: ::ffff:a.b.c.d */
		__u32 ma[4] = { 0, 0, bpf_htonl(0xffff), ip->saddr };
		__u32 mb[4] = { 0, 0, bpf_htonl(0xffff), ip->daddr };
		if (addr_allowed(ma) || addr_allowed(mb))
			goto keep_ip;
	} else {
		struct ipv6hdr *ip6 = c.pos;
		if ((void *)(ip6 + 1) > data_end) {
			count(VXDP_MALFORMED);
			return not_kept(VXDP_DROP_OTHER);
		}
		__builtin_memcpy(a, &ip6->saddr, 16);
		__builtin_memcpy(b, &ip6->daddr, 16);
		proto = ip6->nexthdr;
		l4 = ip6 + 1;
		if (proto == IPPROTO_GRE_)
			return to_socket(ctx, n_workers, VXDP_KEPT_TUNNEL);
		if (proto == IPPROTO_ICMPV6_) {
			struct icmp6hdr *ic = l4;
			if ((void *)(ic + 1) > data_end) {
				count(VXDP_MALFORMED);
				return not_kept(VXDP_DROP_OTHER);
			}
			/* router/neighbour solicitation/advertisement, redirect */
			if (ic->icmp6_type >= 133 && ic->icmp6_type <= 137) {
				count(VXDP_PASSED_ARP_ND);
				return XDP_PASS;
			}
		}
		if (addr_allowed(a) || addr_allowed(b))
			goto keep_ip;
		/* extension headers (hop-by-hop, routing, fragment, options,
		 * AH, mobility): user space walks them */
		if (proto == 0 || proto == 43 || proto == 44 || proto == 60 || proto == 51 ||
		    proto == 135)
			return to_socket(ctx, n_workers, VXDP__COUNT);
	}

	if (proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_) {
		/* both TCP and UDP start with sport:16 dport:16 */
		__u16 *pp = l4;
		if ((void *)(pp + 2) > data_end) {
			count(VXDP_MALFORMED);
			return not_kept(VXDP_DROP_OTHER);
		}
		__u16 sport = bpf_ntohs(pp[0]), dport = bpf_ntohs(pp[1]);
		__u32 tr = proto == IPPROTO_TCP_ ? 0 : 1;
		if (tr && port_tunnel(dport))
			return to_socket(ctx, n_workers, VXDP_KEPT_TUNNEL);
		if (!port_kept(tr, sport, dport))
			return not_kept(tr ? VXDP_DROP_UDP : VXDP_DROP_TCP);
		__u32 h = vxdp_hash(a, b, sport, dport, proto);
		return to_socket(ctx, h % n_workers, tr ? VXDP_KEPT_UDP : VXDP_KEPT_TCP);
	}
	return not_kept(VXDP_DROP_OTHER);

keep_ip:
	if (proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_) {
		__u16 *pp = l4;
		if ((void *)(pp + 2) > data_end)
			return to_socket(ctx, n_workers, VXDP__COUNT);
		__u16 sport = bpf_ntohs(pp[0]), dport = bpf_ntohs(pp[1]);
		if (proto == IPPROTO_UDP_ && port_tunnel(dport))
			return to_socket(ctx, n_workers, VXDP_KEPT_TUNNEL);
		__u32 h = vxdp_hash(a, b, sport, dport, proto);
		return to_socket(ctx, h % n_workers, proto == IPPROTO_TCP_ ? VXDP_KEPT_TCP : VXDP_KEPT_UDP);
	}
	/* other allowed IP traffic: hashed without ports */
	return to_socket(ctx, vxdp_hash(a, b, 0, 0, proto) % n_workers, VXDP_KEPT_L2);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
