/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_TESTS_PKTBUILD_H
#define VIGIL_TESTS_PKTBUILD_H

/*
 * Tiny frame builder for unit tests: Ethernet (+VLAN), IPv4 (+options,
 * fragments), IPv6 (+extension headers), TCP, UDP, ICMP, with correct
 * checksums unless asked otherwise. Writes into a caller buffer; every
 * function returns the new length. Test-only code: plain byte stores into
 * our own buffers.
 */

#include <stdint.h>
#include <string.h>

#include "vigil/packet.h"

struct pb {
	uint8_t buf[70000];
	size_t len;
};

static inline void pb_reset(struct pb *b) { b->len = 0; }
static inline void pb_u8(struct pb *b, uint8_t v) { b->buf[b->len++] = v; }
static inline void pb_be16(struct pb *b, uint16_t v) { pb_u8(b, (uint8_t)(v >> 8)); pb_u8(b, (uint8_t)v); }
static inline void pb_be32(struct pb *b, uint32_t v) { pb_be16(b, (uint16_t)(v >> 16)); pb_be16(b, (uint16_t)v); }
static inline void pb_bytes(struct pb *b, const void *p, size_t n) { memcpy(b->buf + b->len, p, n); b->len += n; }
static inline void pb_put16(struct pb *b, size_t at, uint16_t v) { b->buf[at] = (uint8_t)(v >> 8); b->buf[at + 1] = (uint8_t)v; }

static inline uint32_t pb_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static inline uint16_t pb_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline void pb_eth(struct pb *b, uint16_t type)
{
	static const uint8_t mac[12] = { 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6 };
	pb_bytes(b, mac, 12);
	pb_be16(b, type);
}

static inline void pb_vlan(struct pb *b, uint16_t tpid_next_is, uint16_t vid)
{
	/* caller wrote the TPID as the previous EtherType */
	pb_be16(b, vid);
	pb_be16(b, tpid_next_is);
}

/* IPv4 header at the current position; returns its offset. total_len and
 * checksum are fixed by pb_ip4_finish. */
static inline size_t pb_ip4(struct pb *b, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
			    uint16_t id, uint16_t frag)
{
	size_t at = b->len;
	pb_u8(b, 0x45);
	pb_u8(b, 0);
	pb_be16(b, 0);
	pb_be16(b, id);
	pb_be16(b, frag);
	pb_u8(b, 64);
	pb_u8(b, proto);
	pb_be16(b, 0);
	pb_bytes(b, src, 4);
	pb_bytes(b, dst, 4);
	return at;
}

static inline void pb_ip4_finish(struct pb *b, size_t at)
{
	size_t hl = (size_t)(b->buf[at] & 15) * 4;
	pb_put16(b, at + 2, (uint16_t)(b->len - at));
	pb_put16(b, at + 10, 0);
	pb_put16(b, at + 10, pb_fold(pb_sum(b->buf + at, hl, 0)));
}

static inline size_t pb_ip6(struct pb *b, const uint8_t src[16], const uint8_t dst[16], uint8_t nh)
{
	size_t at = b->len;
	pb_be32(b, 0x60000000);
	pb_be16(b, 0);
	pb_u8(b, nh);
	pb_u8(b, 64);
	pb_bytes(b, src, 16);
	pb_bytes(b, dst, 16);
	return at;
}

static inline void pb_ip6_finish(struct pb *b, size_t at)
{
	pb_put16(b, at + 4, (uint16_t)(b->len - at - 40));
}

static inline size_t pb_tcp(struct pb *b, uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack,
			    uint8_t flags, const void *data, size_t n)
{
	size_t at = b->len;
	pb_be16(b, sp);
	pb_be16(b, dp);
	pb_be32(b, seq);
	pb_be32(b, ack);
	pb_u8(b, 0x50);
	pb_u8(b, flags);
	pb_be16(b, 65535);
	pb_be16(b, 0);
	pb_be16(b, 0);
	if (n)
		pb_bytes(b, data, n);
	return at;
}

static inline size_t pb_udp(struct pb *b, uint16_t sp, uint16_t dp, const void *data, size_t n)
{
	size_t at = b->len;
	pb_be16(b, sp);
	pb_be16(b, dp);
	pb_be16(b, (uint16_t)(8 + n));
	pb_be16(b, 0);
	if (n)
		pb_bytes(b, data, n);
	return at;
}

/* A captured packet over the frame built so far (capture fields only; the
 * rest zero, as decode_packet wants it). */
static inline void pb_packet(const struct pb *b, struct packet *p, int linktype, uint64_t pcap_cnt,
			     uint64_t ts)
{
	memset(p, 0, sizeof(*p));
	p->data = b->buf;
	p->caplen = p->wirelen = (uint32_t)b->len;
	p->linktype = linktype;
	p->pcap_cnt = pcap_cnt;
	p->ts = ts;
}

#endif
