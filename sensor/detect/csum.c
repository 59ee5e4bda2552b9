/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checksum keywords (ipv4-csum, tcpv4-csum, tcpv6-csum, udpv4-csum,
 * udpv6-csum, icmpv4-csum, icmpv6-csum): the decoder verifies the IPv4
 * header checksum only; the others are computed here, when a rule that
 * asks for one is evaluated, so that no packet pays for them otherwise.
 *
 * RFC 1071 sums. TCP and UDP (RFC 9293 3.1, RFC 768) and ICMPv6 (RFC 4443
 * 2.3) add a pseudo-header: the addresses, the protocol and the length (for
 * IPv6, RFC 8200 8.1). A UDP checksum of 0 over IPv4 means "none": neither
 * valid nor invalid (as in Suricata); over IPv6 it is invalid.
 */
#include <netinet/in.h>
#include <string.h>

#include "detect/rule.h"
#include "util/cursor.h"

/* The ones' complement sum of b, added to sum (not folded). Words are
 * added as they lie in memory: the folded result is swapped at the end. */
static uint64_t sum_bytes(const uint8_t *b, uint32_t len, uint64_t sum)
{
	uint32_t i = 0;
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
		uint8_t last[2] = { 0, 0 };
		memcpy(last, b + i, 1);
		uint16_t w;
		memcpy(&w, last, 2);
		sum += w;
	}
	return sum;
}

/* The final checksum of sum: 0 when the covered bytes (checksum field
 * included) are consistent. */
static uint16_t fold(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A 16-bit value in network order, as sum_bytes would add it. */
static uint64_t word_be(uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	uint32_t w;
	memcpy(&w, b, 4);
	return w;
}

/* Is the whole IP datagram there (not cut by the capture's snap length)?
 * A checksum over missing bytes is neither valid nor invalid. */
static bool datagram_whole(const struct packet *p)
{
	if (!p->l3 || p->l3_len < 20)
		return false;
	uint32_t want;
	if (p->ip_ver == 4)
		want = rd_be16(p->l3 + 2);
	else
		want = 40u + rd_be16(p->l3 + 4);
	return p->l3_len >= want;
}

int csum_check(const struct packet *p, uint8_t which)
{
	if (!p->ip_ver || p->flags & PKT_FRAGMENT)
		return -1;
	if (which == CSUM_IPV4) {
		if (p->ip_ver != 4)
			return -1;
		return (p->flags & PKT_IPV4_CSUM_BAD) ? 0 : 1;
	}
	uint8_t ver = (which == CSUM_TCPV4 || which == CSUM_UDPV4 || which == CSUM_ICMPV4) ? 4 : 6;
	uint8_t proto = (which == CSUM_TCPV4 || which == CSUM_TCPV6) ? IPPROTO_TCP
			: (which == CSUM_UDPV4 || which == CSUM_UDPV6) ? IPPROTO_UDP
			: ver == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	if (p->ip_ver != ver || p->l4proto != proto || !p->l4 || !datagram_whole(p))
		return -1;
	const uint8_t *l4 = p->l4;
	uint32_t len = p->l4_len;
	if (proto == IPPROTO_UDP) {
		/* the datagram's own length: bytes after it are not covered */
		if (len < 8)
			return -1;
		uint32_t ulen = rd_be16(l4 + 4);
		if (ulen < 8 || ulen > len || (rd_be16(l4 + 6) == 0 && ver == 4))
			return -1;
		len = ulen;
	}
	uint64_t sum = 0;
	if (proto != IPPROTO_ICMP) {
		/* the pseudo-header */
		size_t alen = ver == 4 ? 4 : 16;
		sum = sum_bytes(p->src.a, (uint32_t)alen, sum);
		sum = sum_bytes(p->dst.a, (uint32_t)alen, sum);
		sum += word_be(ver == 4 ? ((uint32_t)proto << 16 | (len & 0xffff)) : len);
		if (ver == 6)
			sum += word_be(proto);
	}
	sum = sum_bytes(l4, len, sum);
	return fold(sum) == 0 ? 1 : 0;
}
