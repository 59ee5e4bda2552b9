/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-3-Clause) */
#ifndef VIGIL_EBPF_XDP_SHARED_H
#define VIGIL_EBPF_XDP_SHARED_H

/*
 * What the XDP pre-filter (ebpf/vigil_xdp.bpf.c) and user space
 * (sensor/capture/afxdp.c) share: map layouts, counter indices, and the
 * symmetric flow hash that steers a flow to one worker's AF_XDP socket.
 * Included by both; only fixed-width types and static inline code.
 */

#ifndef __VMLINUX_H__
#include <stdint.h>
typedef uint8_t vx_u8;
typedef uint16_t vx_u16;
typedef uint32_t vx_u32;
typedef uint64_t vx_u64;
#else
typedef __u8 vx_u8;
typedef __u16 vx_u16;
typedef __u32 vx_u32;
typedef __u64 vx_u64;
#endif

/* XSKMAP: an AF_XDP socket receives only from the RX queue it is bound to,
 * so there is a group of sockets per queue: entry q * (n_workers + 1) + w
 * is worker w's socket on queue q, and entry q * (n_workers + 1) +
 * n_workers the queue's fallback socket (fragments, unhashable packets). */
#define VXDP_MAX_SOCKETS 4096

/* ports map: ARRAY of 2 * 65536 bytes, index = transport * 65536 + port,
 * transport 0 = TCP, 1 = UDP; value 1 = keep traffic to or from it;
 * value 2 (UDP) = a tunnel port (VXLAN): datagrams to it go to the fallback
 * socket, where user space opens them and routes the inner packet. */
#define VXDP_PORT_KEEP 1
#define VXDP_PORT_TUNNEL 2
#define VXDP_PORTS_ENTRIES (2 * 65536)

/* allow map: LPM trie of addresses whose traffic is always kept. IPv4 is
 * stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
struct vxdp_lpm_key {
	vx_u32 prefixlen;
	vx_u8 addr[16];
};
#define VXDP_ALLOW_ENTRIES 1024

/* Per-CPU counters (stats map), read into Vigil's stats record. */
enum vxdp_counter {
	VXDP_SEEN,
	VXDP_KEPT,            /* redirected to a worker's socket */
	VXDP_KEPT_FALLBACK,   /* redirected to the fallback socket */
	VXDP_DROPPED,         /* not industrial, dropped (SPAN mode) */
	VXDP_PASSED,          /* not industrial, passed to the kernel (host mode) */
	VXDP_PASSED_ARP_ND,   /* ARP / neighbour discovery: always passed */
	VXDP_KEPT_TCP,
	VXDP_KEPT_UDP,
	VXDP_KEPT_L2,         /* GOOSE, SV, PROFINET, EtherCAT */
	VXDP_DROP_TCP,
	VXDP_DROP_UDP,
	VXDP_DROP_OTHER,
	VXDP_MALFORMED,       /* headers too short to parse */
	VXDP_KEPT_TUNNEL,     /* GRE, MPLS, UDP to a VXLAN port: to the fallback */
	VXDP__COUNT
};

/* Symmetric flow hash over the two endpoints (address words and ports):
 * both directions of a flow give the same value. The user-space fallback
 * path computes it on decoded packets, so it must match bit for bit. */
static inline vx_u32 vxdp_mix(vx_u32 h)
{
	h ^= h >> 16;
	h *= 0x7feb352dU;
	h ^= h >> 15;
	h *= 0x846ca68bU;
	h ^= h >> 16;
	return h;
}

/* a and b: 4 words each (IPv4: word 0, others 0); proto: IPPROTO_*. */
static inline vx_u32 vxdp_hash(const vx_u32 a[4], const vx_u32 b[4], vx_u16 pa, vx_u16 pb,
			       vx_u8 proto)
{
	vx_u32 h = 0x9e3779b9U ^ proto;
	/* xor and sum are both symmetric; together they keep more of each
	 * endpoint than either alone */
	for (int i = 0; i < 4; i++)
		h = vxdp_mix(h + (a[i] ^ b[i]) + 31U * (a[i] + b[i]));
	h = vxdp_mix(h + ((vx_u32)pa ^ (vx_u32)pb) + 31U * ((vx_u32)pa + (vx_u32)pb));
	return h;
}

#endif
