/* SPDX-License-Identifier: BSD-3-Clause */
/* Decoders: every link type, VLAN/QinQ, IPv4 options and checksum, IPv6
 * extension headers, TCP/UDP/ICMP, industrial EtherTypes, malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "decode/decode.h"
#include "pktbuild.h"

static const uint8_t A4[4] = { 10, 0, 0, 1 }, B4[4] = { 10, 0, 0, 2 };
static const uint8_t A6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t B6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

static struct decoder dec;
static struct pb b;

static int setup(void **s)
{
	(void)s;
	return decoder_init(&dec, NULL);
}

static int teardown(void **s)
{
	(void)s;
	decoder_fini(&dec);
	return 0;
}

static int decode(struct packet *p, int linktype)
{
	pb_packet(&b, p, linktype, 1, 0);
	return decode_packet(&dec, p);
}

static void build_tcp4(const char *payload)
{
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&b, A4, B4, IPPROTO_TCP, 7, 0);
	pb_tcp(&b, 40000, 502, 1000, 0, TCPF_PUSH | TCPF_ACK, payload, strlen(payload));
	pb_ip4_finish(&b, ip);
}

static void test_ethernet_ipv4_tcp(void **s)
{
	(void)s;
	build_tcp4("hello");
	struct packet p;
	assert_int_equal(decode(&p, LINK_ETHERNET), DECODE_OK);
	assert_int_equal(p.n_events, 0);
	assert_int_equal(p.ip_ver, 4);
	assert_int_equal(p.l4proto, IPPROTO_TCP);
	assert_int_equal(p.sp, 40000);
	assert_int_equal(p.dp, 502);
	assert_int_equal(p.tcp_seq, 1000);
	assert_int_equal(p.tcp_flags, TCPF_PUSH | TCPF_ACK);
	assert_int_equal(p.payload_len, 5);
	assert_memory_equal(p.payload, "hello", 5);
	assert_memory_equal(p.src.a, A4, 4);
	assert_memory_equal(p.dst.a, B4, 4);
	assert_true(p.flags & PKT_HAS_FLOW_KEY);
	assert_false(p.flags & PKT_IPV4_CSUM_BAD);
}

static void test_ipv4_bad_checksum_counted(void **s)
{
	(void)s;
	build_tcp4("x");
	b.buf[14 + 10] ^= 0xff;
	uint64_t before = dec.st.ipv4_csum_bad;
	struct packet p;
	decode(&p, LINK_ETHERNET);
	assert_true(p.flags & PKT_IPV4_CSUM_BAD);
	assert_int_equal(dec.st.ipv4_csum_bad, before + 1);
	/* still inspected: checksum is counted, not required */
	assert_int_equal(p.payload_len, 1);
}

static void test_vlan_and_qinq(void **s)
{
	(void)s;
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_QINQ);
	pb_vlan(&b, ETHERTYPE_VLAN, 100);
	pb_vlan(&b, ETHERTYPE_IPV4, 200);
	size_t ip = pb_ip4(&b, A4, B4, IPPROTO_UDP, 1, 0);
	pb_udp(&b, 1234, 20000, "abc", 3);
	pb_ip4_finish(&b, ip);
	struct packet p;
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_int_equal(p.vlan_cnt, 2);
	assert_int_equal(p.vlan[0], 100);
	assert_int_equal(p.vlan[1], 200);
	assert_int_equal(p.l4proto, IPPROTO_UDP);
	assert_int_equal(p.payload_len, 3);

	/* three tags: one too many */
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_VLAN);
	pb_vlan(&b, ETHERTYPE_VLAN, 1);
	pb_vlan(&b, ETHERTYPE_VLAN, 2);
	pb_vlan(&b, ETHERTYPE_IPV4, 3);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_VLAN_TOO_MANY));
}

static void test_linux_sll_and_sll2(void **s)
{
	(void)s;
	struct pb inner;
	pb_reset(&inner);
	size_t ip = pb_ip4(&inner, A4, B4, IPPROTO_UDP, 1, 0);
	pb_udp(&inner, 1, 2, "zz", 2);
	pb_ip4_finish(&inner, ip);

	pb_reset(&b);
	pb_be16(&b, 0);      /* packet type */
	pb_be16(&b, 1);      /* ARPHRD_ETHER */
	pb_be16(&b, 6);
	pb_bytes(&b, "\0\1\2\3\4\5\0\0", 8);
	pb_be16(&b, ETHERTYPE_IPV4);
	pb_bytes(&b, inner.buf, inner.len);
	struct packet p;
	decode(&p, LINK_LINUX_SLL);
	assert_int_equal(p.n_events, 0);
	assert_int_equal(p.payload_len, 2);

	pb_reset(&b);
	pb_be16(&b, ETHERTYPE_IPV4);
	pb_be16(&b, 0);
	pb_be32(&b, 3);      /* ifindex */
	pb_be16(&b, 1);
	pb_u8(&b, 0);
	pb_u8(&b, 6);
	pb_bytes(&b, "\0\1\2\3\4\5\0\0", 8);
	pb_bytes(&b, inner.buf, inner.len);
	decode(&p, LINK_LINUX_SLL2);
	assert_int_equal(p.n_events, 0);
	assert_int_equal(p.payload_len, 2);

	/* truncated cooked header */
	pb_reset(&b);
	pb_be16(&b, 0);
	decode(&p, LINK_LINUX_SLL);
	assert_true(packet_has_event(&p, DEC_SLL_TRUNC));
}

static void test_null_loop_and_raw(void **s)
{
	(void)s;
	struct pb inner;
	pb_reset(&inner);
	size_t ip = pb_ip6(&inner, A6, B6, IPPROTO_TCP);
	pb_tcp(&inner, 4840, 5000, 1, 1, TCPF_ACK, "ua", 2);
	pb_ip6_finish(&inner, ip);

	struct packet p;
	/* DLT_NULL in little-endian host order, AF_INET6 = 30 (macOS) */
	pb_reset(&b);
	pb_u8(&b, 30); pb_u8(&b, 0); pb_u8(&b, 0); pb_u8(&b, 0);
	pb_bytes(&b, inner.buf, inner.len);
	decode(&p, LINK_NULL);
	assert_int_equal(p.n_events, 0);
	assert_int_equal(p.ip_ver, 6);
	assert_int_equal(p.payload_len, 2);

	/* same in big-endian (written by a big-endian host), family 24 */
	pb_reset(&b);
	pb_be32(&b, 24);
	pb_bytes(&b, inner.buf, inner.len);
	decode(&p, LINK_NULL);
	assert_int_equal(p.n_events, 0);
	assert_int_equal(p.ip_ver, 6);

	pb_reset(&b);
	pb_be32(&b, 99);
	decode(&p, LINK_NULL);
	assert_true(packet_has_event(&p, DEC_NULL_UNKNOWN_FAMILY));

	pb_reset(&b);
	pb_bytes(&b, inner.buf, inner.len);
	decode(&p, LINK_RAW);
	assert_int_equal(p.ip_ver, 6);
	assert_int_equal(p.sp, 4840);

	decode(&p, 9999);
	assert_true(packet_has_event(&p, DEC_UNSUPPORTED_LINKTYPE));
}

static void test_ipv4_options(void **s)
{
	(void)s;
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&b, A4, B4, IPPROTO_UDP, 1, 0);
	b.buf[ip] = 0x46; /* IHL 6: one 4-byte option word */
	/* router alert (148, len 4) */
	pb_u8(&b, 148); pb_u8(&b, 4); pb_be16(&b, 0);
	pb_udp(&b, 1, 2, "o", 1);
	pb_ip4_finish(&b, ip);
	struct packet p;
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_int_equal(p.ip_hlen, 24);
	assert_int_equal(p.payload_len, 1);

	/* option with length 1: invalid */
	b.buf[ip + 21] = 1;
	pb_ip4_finish(&b, ip);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_IPV4_OPT_INVALID_LEN));

	/* option running past the header */
	b.buf[ip + 21] = 9;
	pb_ip4_finish(&b, ip);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_IPV4_OPT_MALFORMED));
}

static void test_ipv4_malformed(void **s)
{
	(void)s;
	struct packet p;
	build_tcp4("data");
	b.buf[14] = 0x44; /* IHL 4 < 5 */
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_IPV4_HLEN_TOO_SMALL));

	build_tcp4("data");
	b.buf[14] = 0x65; /* version 6 in an IPv4 EtherType */
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_IPV4_WRONG_VERSION));

	build_tcp4("data");
	pb_put16(&b, 16, 10); /* total length < header length */
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_IPV4_IPLEN_SMALLER_THAN_HLEN));

	build_tcp4("data");
	pb_put16(&b, 16, 1400); /* longer than the frame */
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_IPV4_TRUNC_PKT));

	build_tcp4("data");
	b.buf[14 + 20 + 12] = 0x40; /* TCP data offset 4 words */
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_TCP_HLEN_TOO_SMALL));
	assert_false(p.flags & PKT_HAS_FLOW_KEY);

	build_tcp4("data");
	b.buf[14 + 20 + 12] = 0xf0; /* 60-byte TCP header in a 24-byte segment */
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_TCP_INVALID_OPTLEN));
}

static void test_truncations(void **s)
{
	(void)s;
	struct packet p;
	build_tcp4("abcdef");
	size_t full = b.len;
	/* every prefix of a valid frame decodes without crashing and
	 * reports something when it is shorter than the headers */
	for (size_t n = 0; n < full; n++) {
		b.len = n;
		decode(&p, LINK_ETHERNET);
		if (n < 14)
			assert_true(packet_has_event(&p, DEC_ETH_TRUNC));
		else if (n < 34)
			assert_true(packet_has_event(&p, DEC_IPV4_TRUNC));
		else if (n < 54)
			assert_true(p.n_events > 0);
	}
	b.len = full;
}

static void test_udp_lengths(void **s)
{
	(void)s;
	struct packet p;
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&b, A4, B4, IPPROTO_UDP, 1, 0);
	size_t u = pb_udp(&b, 53, 5353, "abcd", 4);
	pb_ip4_finish(&b, ip);
	pb_put16(&b, u + 4, 4); /* UDP length < 8 */
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_UDP_HLEN_INVALID));
	pb_put16(&b, u + 4, 200); /* longer than the datagram */
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_UDP_LEN_TOO_LARGE));
	assert_int_equal(p.payload_len, 4);
}

static void test_icmp(void **s)
{
	(void)s;
	struct packet p;
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&b, A4, B4, IPPROTO_ICMP, 1, 0);
	pb_u8(&b, 8); pb_u8(&b, 0); pb_be16(&b, 0); pb_be32(&b, 0x00010001);
	pb_ip4_finish(&b, ip);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.icmp_type, 8);
	assert_true(p.flags & PKT_HAS_FLOW_KEY);

	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV4);
	ip = pb_ip4(&b, A4, B4, IPPROTO_ICMP, 1, 0);
	pb_u8(&b, 8);
	pb_ip4_finish(&b, ip);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_ICMPV4_TRUNC));

	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV6);
	ip = pb_ip6(&b, A6, B6, IPPROTO_ICMPV6);
	pb_u8(&b, 135); pb_u8(&b, 0); pb_be16(&b, 0); pb_be32(&b, 0);
	pb_ip6_finish(&b, ip);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_int_equal(p.icmp_type, 135);
}

static void test_ipv6_extension_headers(void **s)
{
	(void)s;
	struct packet p;
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV6);
	size_t ip = pb_ip6(&b, A6, B6, 0); /* hop-by-hop first */
	/* each with a router alert (5, len 2) and two Pad1: options that are
	 * not only padding; routing type 2 (type 0 is deprecated) */
	pb_u8(&b, 60); pb_u8(&b, 0); pb_be32(&b, 0x05020000); pb_be16(&b, 0); /* HBH -> DSTOPTS */
	pb_u8(&b, 43); pb_u8(&b, 0); pb_be32(&b, 0x05020000); pb_be16(&b, 0); /* DSTOPTS -> routing */
	pb_u8(&b, IPPROTO_TCP); pb_u8(&b, 0); pb_u8(&b, 2); pb_u8(&b, 0); pb_be32(&b, 0); /* routing */
	pb_tcp(&b, 33000, 502, 5, 0, TCPF_SYN, NULL, 0);
	pb_ip6_finish(&b, ip);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_int_equal(p.l4proto, IPPROTO_TCP);
	assert_int_equal(p.ip_hlen, 64);
	assert_int_equal(p.dp, 502);

	/* an extension header running past the datagram */
	b.buf[14 + 40 + 1] = 200;
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_IPV6_TRUNC_EXTHDR));

	/* ten chained destination options headers: too many */
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV6);
	ip = pb_ip6(&b, A6, B6, 60);
	for (int i = 0; i < 10; i++) {
		pb_u8(&b, i == 9 ? IPPROTO_UDP : 60);
		pb_u8(&b, 0); pb_be32(&b, 0); pb_be16(&b, 0);
	}
	pb_udp(&b, 1, 2, NULL, 0);
	pb_ip6_finish(&b, ip);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_IPV6_EXTHDR_TOO_MANY));
}

static void test_industrial_ethertypes(void **s)
{
	(void)s;
	static const uint16_t types[] = { ETHERTYPE_GOOSE, ETHERTYPE_PROFINET, ETHERTYPE_ETHERCAT };
	for (size_t i = 0; i < 3; i++) {
		pb_reset(&b);
		pb_eth(&b, types[i]);
		pb_bytes(&b, "\x00\x01\x00\x10payload!", 12);
		struct packet p;
		uint64_t g = dec.st.goose, pn = dec.st.profinet, ec = dec.st.ethercat;
		decode(&p, LINK_ETHERNET);
		assert_int_equal(p.n_events, 0);
		assert_int_equal(p.ethertype, types[i]);
		assert_true(p.flags & PKT_IS_L2_ICS);
		assert_int_equal(p.payload_len, 12);
		assert_int_equal(dec.st.goose + dec.st.profinet + dec.st.ethercat, g + pn + ec + 1);
	}
	pb_reset(&b);
	pb_eth(&b, 0x1234);
	struct packet p;
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_UNKNOWN_ETHERTYPE));
}

static void test_hostile_lengths(void **s)
{
	(void)s;
	/* lengths claimed by headers, far past the data */
	static const uint16_t lens[] = { 0, 1, 19, 20, 21, 0x7fff, 0xffff };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		build_tcp4("payload");
		pb_put16(&b, 16, lens[i]);
		struct packet p;
		decode(&p, LINK_ETHERNET);
		if (lens[i] < 20)
			assert_true(p.n_events > 0);
		assert_true(p.payload_len <= b.len);
	}
	/* caplen shorter than wire length: a snaplen cut is not an event */
	build_tcp4("0123456789");
	struct packet p;
	memset(&p, 0, sizeof(p));
	p.data = b.buf;
	p.caplen = (uint32_t)b.len - 5;
	p.wirelen = (uint32_t)b.len;
	p.linktype = LINK_ETHERNET;
	decode_packet(&dec, &p);
	assert_true(p.flags & PKT_TRUNCATED);
	assert_false(packet_has_event(&p, DEC_IPV4_TRUNC_PKT));
	assert_int_equal(p.payload_len, 5);
}

/* ---- tunnels (decode/tunnel.c) -------------------------------------------- */

static const uint8_t T4A[4] = { 172, 31, 200, 1 }, T4B[4] = { 172, 31, 200, 2 };
static const uint8_t C4[4] = { 10, 0, 1, 66 }, D4[4] = { 10, 0, 0, 10 };

/* The inner packet every tunnel test carries: IPv4 10.0.1.66:40000 ->
 * 10.0.0.10:502, TCP PSH|ACK, payload "hello". */
static void inner_ip4(struct pb *o)
{
	size_t ip = pb_ip4(o, C4, D4, IPPROTO_TCP, 9, 0);
	pb_tcp(o, 40000, 502, 1000, 1, TCPF_PUSH | TCPF_ACK, "hello", 5);
	pb_ip4_finish(o, ip);
}

/* The same packet as an Ethernet frame (EtherType IPv4). */
static void inner_eth(struct pb *o)
{
	pb_eth(o, ETHERTYPE_IPV4);
	inner_ip4(o);
}

/* Outer Ethernet + IPv4 from T4A to T4B, protocol proto, then pl. */
static void outer4(struct pb *o, uint8_t proto, const struct pb *pl)
{
	pb_reset(o);
	pb_eth(o, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(o, T4A, T4B, proto, 77, 0);
	pb_bytes(o, pl->buf, pl->len);
	pb_ip4_finish(o, ip);
}

/* A GRE header (RFC 2784 2.1): flags byte, version/flags byte, protocol. */
static void gre_hdr(struct pb *o, uint8_t f0, uint8_t f1, uint16_t proto)
{
	pb_u8(o, f0);
	pb_u8(o, f1);
	pb_be16(o, proto);
}

static void assert_inner(const struct packet *p)
{
	assert_int_equal(p->ip_ver, 4);
	assert_int_equal(p->l4proto, IPPROTO_TCP);
	assert_memory_equal(p->src.a, C4, 4);
	assert_memory_equal(p->dst.a, D4, 4);
	assert_int_equal(p->sp, 40000);
	assert_int_equal(p->dp, 502);
	assert_int_equal(p->payload_len, 5);
	assert_memory_equal(p->payload, "hello", 5);
	assert_true(p->flags & PKT_HAS_FLOW_KEY);
}

static void assert_outer4(const struct packet *p, uint8_t proto, uint8_t depth)
{
	assert_int_equal(p->tunnel_depth, depth);
	assert_int_equal(p->tun_ip_ver, 4);
	assert_int_equal(p->tun_proto, proto);
	assert_memory_equal(p->tun_src.a, T4A, 4);
	assert_memory_equal(p->tun_dst.a, T4B, 4);
}

/* Every byte the packet points at lies in its own data. */
static void assert_in_bounds(const struct packet *p)
{
	const uint8_t *lo = p->data, *hi = p->data + p->caplen;
	if (p->l3)
		assert_true(p->l3 >= lo && p->l3 + p->l3_len <= hi);
	if (p->l4)
		assert_true(p->l4 >= lo && p->l4 + p->l4_len <= hi);
	if (p->payload)
		assert_true(p->payload >= lo && p->payload + p->payload_len <= hi);
	assert_true(p->caplen <= p->wirelen || p->wirelen == 0);
}

/* Decodes len bytes from a heap block of exactly that size (a read past the
 * end is an AddressSanitizer report), checks the bounds, and gives back
 * the events in evs (for the caller's asserts). */
static int decode_exact(const uint8_t *bytes, size_t len, struct packet *p)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, bytes, len);
	memset(p, 0, sizeof(*p));
	p->data = copy;
	p->caplen = p->wirelen = (uint32_t)len;
	p->linktype = LINK_ETHERNET;
	p->pcap_cnt = 1;
	int r = decode_packet(&dec, p);
	assert_in_bounds(p);
	free(copy);
	p->data = NULL; /* the pointers are stale from here on */
	return r;
}

static void test_gre_ipv4(void **s)
{
	(void)s;
	struct pb t;
	pb_reset(&t);
	gre_hdr(&t, 0, 0, ETHERTYPE_IPV4);
	inner_ip4(&t);
	outer4(&b, IPPROTO_GRE, &t);
	uint64_t gre = dec.st.gre, other = dec.st.other_ip;
	struct packet p;
	assert_int_equal(decode(&p, LINK_ETHERNET), DECODE_OK);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	assert_outer4(&p, IPPROTO_GRE, 1);
	assert_int_equal(p.tun_sp, 0);
	assert_int_equal(p.tun_dp, 0);
	assert_int_equal(p.encap, 1);
	assert_int_equal(dec.st.gre, gre + 1);
	assert_int_equal(dec.st.other_ip, other);
	/* the packet is its inner IP packet now */
	assert_int_equal(p.linktype, LINK_RAW);
	assert_ptr_equal(p.data, b.buf + 14 + 20 + 4);
	assert_int_equal(p.caplen, b.len - 14 - 20 - 4);
	assert_ptr_equal(p.l3, p.data);
	assert_in_bounds(&p);
}

static void test_gre_optional_fields(void **s)
{
	(void)s;
	/* RFC 2890: checksum + reserved, key, sequence; IPv6 payload; IPv6 outer */
	struct pb t;
	pb_reset(&t);
	gre_hdr(&t, 0x80 | 0x20 | 0x10, 0, ETHERTYPE_IPV6);
	pb_be32(&t, 0);          /* checksum, reserved1 (not verified) */
	pb_be32(&t, 0xdeadbeef); /* key */
	pb_be32(&t, 42);         /* sequence */
	size_t ip = pb_ip6(&t, A6, B6, IPPROTO_UDP);
	pb_udp(&t, 5000, 20000, "dnp", 3);
	pb_ip6_finish(&t, ip);
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV6);
	static const uint8_t O6A[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc8, 0, 1 };
	static const uint8_t O6B[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc8, 0, 2 };
	size_t o = pb_ip6(&b, O6A, O6B, IPPROTO_GRE);
	pb_bytes(&b, t.buf, t.len);
	pb_ip6_finish(&b, o);
	struct packet p;
	assert_int_equal(decode(&p, LINK_ETHERNET), DECODE_OK);
	assert_int_equal(p.n_events, 0);
	assert_int_equal(p.tunnel_depth, 1);
	assert_int_equal(p.tun_ip_ver, 6);
	assert_memory_equal(p.tun_src.a, O6A, 16);
	assert_memory_equal(p.tun_dst.a, O6B, 16);
	assert_int_equal(p.ip_ver, 6);
	assert_memory_equal(p.src.a, A6, 16);
	assert_int_equal(p.l4proto, IPPROTO_UDP);
	assert_int_equal(p.dp, 20000);
	assert_int_equal(p.payload_len, 3);
}

static void test_gre_teb_and_unknown(void **s)
{
	(void)s;
	/* transparent Ethernet bridging: a tagged frame inside */
	struct pb t;
	pb_reset(&t);
	gre_hdr(&t, 0, 0, ETHERTYPE_TEB);
	pb_eth(&t, ETHERTYPE_VLAN);
	pb_vlan(&t, ETHERTYPE_IPV4, 42);
	inner_ip4(&t);
	outer4(&b, IPPROTO_GRE, &t);
	struct packet p;
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	assert_outer4(&p, IPPROTO_GRE, 1);
	assert_int_equal(p.vlan_cnt, 1);
	assert_int_equal(p.vlan[0], 42);
	assert_int_equal(p.linktype, LINK_ETHERNET);
	assert_ptr_equal(p.data, b.buf + 14 + 20 + 4); /* the inner frame's MACs */

	/* a protocol we do not open (PPP): a GRE packet of its own */
	pb_reset(&t);
	gre_hdr(&t, 0, 0, 0x880b);
	pb_bytes(&t, "\xff\x03\x00\x21", 4);
	outer4(&b, IPPROTO_GRE, &t);
	uint64_t other = dec.st.other_ip;
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_int_equal(p.tunnel_depth, 0);
	assert_int_equal(p.l4proto, IPPROTO_GRE);
	assert_memory_equal(p.src.a, T4A, 4);
	assert_true(p.flags & PKT_HAS_FLOW_KEY);
	assert_int_equal(dec.st.other_ip, other + 1);
}

/* A GRE header of the given bytes around the inner IPv4 packet. */
static void gre_case(uint8_t f0, uint8_t f1, uint16_t proto, const void *extra, size_t n,
		     bool with_inner)
{
	struct pb t;
	pb_reset(&t);
	gre_hdr(&t, f0, f1, proto);
	if (n)
		pb_bytes(&t, extra, n);
	if (with_inner)
		inner_ip4(&t);
	outer4(&b, IPPROTO_GRE, &t);
}

static void test_gre_events(void **s)
{
	(void)s;
	struct packet p;
	/* shorter than 4 bytes: every length */
	for (size_t n = 0; n < 4; n++) {
		struct pb t;
		pb_reset(&t);
		pb_bytes(&t, "\x00\x00\x08\x00", n);
		outer4(&b, IPPROTO_GRE, &t);
		decode(&p, LINK_ETHERNET);
		assert_true(packet_has_event(&p, DEC_GRE_PKT_TOO_SMALL));
		assert_int_equal(p.tunnel_depth, 0);
		assert_true(p.flags & PKT_HAS_FLOW_KEY); /* a GRE packet, with its flow */
	}
	/* version 1 (PPTP) and 7: not opened */
	gre_case(0x20, 0x01, 0x880b, "\0\0\0\0", 4, true);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_GRE_WRONG_VERSION));
	assert_int_equal(p.tunnel_depth, 0);
	gre_case(0, 0x07, ETHERTYPE_IPV4, NULL, 0, true);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_GRE_WRONG_VERSION));
	assert_int_equal(p.tunnel_depth, 0);
	/* recursion control, reserved flags, strict source route: events, and
	 * the inner packet is still inspected */
	const uint8_t opened[][2] = { { 0x01, 0 }, { 0x07, 0 }, { 0, 0x80 }, { 0, 0x08 }, { 0x08, 0 } };
	const enum decode_event ev[] = { DEC_GRE_VERSION0_RECUR, DEC_GRE_VERSION0_RECUR,
					 DEC_GRE_VERSION0_FLAGS, DEC_GRE_VERSION0_FLAGS,
					 DEC_GRE_VERSION0_FLAGS };
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		gre_case(opened[i][0], opened[i][1], ETHERTYPE_IPV4, NULL, 0, true);
		decode(&p, LINK_ETHERNET);
		assert_true(packet_has_event(&p, ev[i]));
		assert_inner(&p);
		assert_int_equal(p.tunnel_depth, 1);
	}
	/* routing present (RFC 1701 source routes): an event, not opened */
	gre_case(0x40, 0, ETHERTYPE_IPV4, "\0\0\0\0", 4, true);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_GRE_VERSION0_FLAGS));
	assert_int_equal(p.tunnel_depth, 0);
	assert_int_equal(p.l4proto, IPPROTO_GRE);
	/* optional fields announced and cut: every length one short */
	const uint8_t fl[] = { 0x80, 0x20, 0x10, 0x80 | 0x20, 0x80 | 0x20 | 0x10 };
	const size_t need[] = { 4, 4, 4, 8, 12 };
	for (size_t i = 0; i < sizeof(fl); i++) {
		for (size_t n = 0; n < need[i]; n++) {
			gre_case(fl[i], 0, ETHERTYPE_IPV4, "\0\0\0\0\0\0\0\0\0\0\0\0", n, false);
			decode(&p, LINK_ETHERNET);
			assert_true(packet_has_event(&p, DEC_GRE_VERSION0_HDR_TOO_BIG));
			assert_int_equal(p.tunnel_depth, 0);
		}
		/* exactly there: opened, the (empty) inner packet is too short */
		gre_case(fl[i], 0, ETHERTYPE_IPV4, "\0\0\0\0\0\0\0\0\0\0\0\0", need[i], false);
		decode(&p, LINK_ETHERNET);
		assert_false(packet_has_event(&p, DEC_GRE_VERSION0_HDR_TOO_BIG));
		assert_true(packet_has_event(&p, DEC_IPV4_TRUNC));
		assert_int_equal(p.tunnel_depth, 1);
		assert_int_equal(p.ip_ver, 0); /* no inner view: no stale outer one */
	}
}

/* ERSPAN in GRE: type 1 (no header), 2 (8 bytes), 3 (12, + 8 with O). */
static void erspan_case(int type, const uint8_t *hdr, size_t hn, bool tagged)
{
	struct pb t;
	pb_reset(&t);
	gre_hdr(&t, type == 1 ? 0 : 0x10, 0, type == 3 ? ETHERTYPE_ERSPAN3 : ETHERTYPE_ERSPAN);
	if (type != 1)
		pb_be32(&t, 7); /* GRE sequence */
	if (hn)
		pb_bytes(&t, hdr, hn);
	if (tagged) {
		pb_eth(&t, ETHERTYPE_VLAN);
		pb_vlan(&t, ETHERTYPE_IPV4, 5);
		inner_ip4(&t);
	} else {
		inner_eth(&t);
	}
	outer4(&b, IPPROTO_GRE, &t);
}

static void test_erspan(void **s)
{
	(void)s;
	/* type II: ver 1, VLAN 100, session 7, index 3 (draft-foschiano-erspan 4.2) */
	static const uint8_t t2[8] = { 0x10, 0x64, 0x00, 0x07, 0x00, 0x00, 0x00, 0x03 };
	/* type III: ver 2, VLAN 0, session 8, timestamp, sgt, ft 0, o 0 (4.3) */
	static const uint8_t t3[12] = { 0x20, 0x00, 0x00, 0x08, 1, 2, 3, 4, 0, 0, 0x00, 0x12 };
	/* type III with the platform subheader (o = 1) */
	static const uint8_t t3o[20] = { 0x20, 0x00, 0x00, 0x08, 1, 2, 3, 4, 0, 0, 0x00, 0x13,
					 0x0c, 0, 0, 1, 0, 0, 0, 2 };
	uint64_t er = dec.st.erspan;
	struct packet p;
	erspan_case(1, NULL, 0, false);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	assert_outer4(&p, IPPROTO_GRE, 1);
	assert_int_equal(p.vlan_cnt, 0);
	erspan_case(2, t2, sizeof(t2), false);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	assert_int_equal(p.vlan_cnt, 1); /* the header's VLAN: the frame had its tag removed */
	assert_int_equal(p.vlan[0], 100);
	erspan_case(2, t2, sizeof(t2), true);
	decode(&p, LINK_ETHERNET);
	assert_inner(&p);
	assert_int_equal(p.vlan_cnt, 1); /* the frame's own tag names it */
	assert_int_equal(p.vlan[0], 5);
	erspan_case(3, t3, sizeof(t3), false);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	erspan_case(3, t3o, sizeof(t3o), false);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	assert_int_equal(dec.st.erspan, er + 5);
	/* type III, frame type 2: an IP packet, no Ethernet header */
	{
		uint8_t h[12];
		memcpy(h, t3, 12);
		h[10] = 2 << 2;
		struct pb t;
		pb_reset(&t);
		gre_hdr(&t, 0x10, 0, ETHERTYPE_ERSPAN3);
		pb_be32(&t, 1);
		pb_bytes(&t, h, 12);
		inner_ip4(&t);
		outer4(&b, IPPROTO_GRE, &t);
		decode(&p, LINK_ETHERNET);
		assert_int_equal(p.n_events, 0);
		assert_inner(&p);
		assert_int_equal(p.linktype, LINK_RAW);
	}
	/* headers one short, every length */
	for (size_t n = 0; n < 8; n++) {
		struct pb t;
		pb_reset(&t);
		gre_hdr(&t, 0x10, 0, ETHERTYPE_ERSPAN);
		pb_be32(&t, 1);
		pb_bytes(&t, t2, n);
		outer4(&b, IPPROTO_GRE, &t);
		decode(&p, LINK_ETHERNET);
		assert_true(packet_has_event(&p, DEC_ERSPAN_HEADER_TOO_SMALL));
		assert_int_equal(p.tunnel_depth, 0);
	}
	for (size_t n = 0; n < 20; n++) { /* 12: the subheader the O bit announces is missing */
		struct pb t;
		pb_reset(&t);
		gre_hdr(&t, 0x10, 0, ETHERTYPE_ERSPAN3);
		pb_be32(&t, 1);
		pb_bytes(&t, t3o, n);
		outer4(&b, IPPROTO_GRE, &t);
		decode(&p, LINK_ETHERNET);
		assert_true(packet_has_event(&p, DEC_ERSPAN_HEADER_TOO_SMALL));
	}
	/* versions that do not match the protocol type, an unknown frame type */
	uint8_t bad2[8], bad3[12], badft[12];
	memcpy(bad2, t2, 8);
	bad2[0] = 0x20;
	memcpy(bad3, t3, 12);
	bad3[0] = 0x10;
	memcpy(badft, t3, 12);
	badft[10] = 5 << 2;
	erspan_case(2, bad2, 8, false);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_ERSPAN_UNSUPPORTED_VERSION));
	assert_int_equal(p.tunnel_depth, 0);
	erspan_case(3, bad3, 12, false);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_ERSPAN_UNSUPPORTED_VERSION));
	erspan_case(3, badft, 12, false);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_ERSPAN_UNSUPPORTED_VERSION));
	/* a VLAN and no room for it: the transport is QinQ */
	{
		struct pb t;
		pb_reset(&t);
		gre_hdr(&t, 0x10, 0, ETHERTYPE_ERSPAN);
		pb_be32(&t, 1);
		pb_bytes(&t, t2, 8);
		inner_eth(&t);
		pb_reset(&b);
		pb_eth(&b, ETHERTYPE_QINQ);
		pb_vlan(&b, ETHERTYPE_VLAN, 10);
		pb_vlan(&b, ETHERTYPE_IPV4, 20);
		size_t ip = pb_ip4(&b, T4A, T4B, IPPROTO_GRE, 1, 0);
		pb_bytes(&b, t.buf, t.len);
		pb_ip4_finish(&b, ip);
		decode(&p, LINK_ETHERNET);
		assert_true(packet_has_event(&p, DEC_ERSPAN_TOO_MANY_VLAN_LAYERS));
		assert_int_equal(p.tunnel_depth, 0);
		assert_int_equal(p.vlan_cnt, 2);
	}
}

/* UDP from T4A:49200 to T4B:dport carrying a VXLAN header (flags) and a
 * frame of EtherType type. */
static void vxlan_case(uint16_t dport, uint8_t flags, uint16_t type)
{
	struct pb t, f;
	pb_reset(&f);
	pb_u8(&f, flags);
	pb_bytes(&f, "\0\0\0", 3);
	pb_bytes(&f, "\x00\x13\x89\x00", 4); /* VNI 5001 */
	pb_eth(&f, type);
	inner_ip4(&f);
	pb_reset(&t);
	pb_udp(&t, 49200, dport, f.buf, f.len);
	outer4(&b, IPPROTO_UDP, &t);
}

static void test_vxlan(void **s)
{
	(void)s;
	struct packet p;
	uint64_t vx = dec.st.vxlan;
	vxlan_case(4789, 0x08, ETHERTYPE_IPV4);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	assert_outer4(&p, IPPROTO_UDP, 1);
	assert_int_equal(p.tun_sp, 49200);
	assert_int_equal(p.tun_dp, 4789);
	assert_int_equal(dec.st.vxlan, vx + 1);
	/* without the I flag: plain UDP to 4789 */
	vxlan_case(4789, 0x00, ETHERTYPE_IPV4);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.tunnel_depth, 0);
	assert_int_equal(p.l4proto, IPPROTO_UDP);
	assert_int_equal(p.dp, 4789);
	assert_int_equal(dec.st.vxlan, vx + 1);
	/* from port 4789 (not to it): plain UDP */
	{
		struct pb t, f;
		pb_reset(&f);
		pb_bytes(&f, "\x08\0\0\0\0\0\x01\0", 8);
		inner_eth(&f);
		pb_reset(&t);
		pb_udp(&t, 4789, 40000, f.buf, f.len);
		outer4(&b, IPPROTO_UDP, &t);
		decode(&p, LINK_ETHERNET);
		assert_int_equal(p.tunnel_depth, 0);
	}
	/* an unknown inner EtherType: the event, not opened */
	vxlan_case(4789, 0x08, 0x88b5);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_VXLAN_UNKNOWN_PAYLOAD_TYPE));
	assert_int_equal(p.tunnel_depth, 0);
	assert_int_equal(p.dp, 4789);
	/* configured ports: 8472 only, then none */
	struct tunnel_config tc;
	tunnel_config_defaults(&tc);
	tc.vxlan_ports[0] = 8472;
	decoder_set_tunnel(&dec, &tc);
	vxlan_case(4789, 0x08, ETHERTYPE_IPV4);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.tunnel_depth, 0);
	vxlan_case(8472, 0x08, ETHERTYPE_IPV4);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.tunnel_depth, 1);
	assert_inner(&p);
	tc.vxlan_ports[1] = 4789;
	tc.vxlan_ports[2] = 0;
	decoder_set_tunnel(&dec, &tc);
	for (uint16_t port = 4780; port < 8480; port++) { /* in the range, not listed */
		if (port == 4789 || port == 8472 || (port > 4800 && port < 8460))
			continue;
		vxlan_case(port, 0x08, ETHERTYPE_IPV4);
		decode(&p, LINK_ETHERNET);
		assert_int_equal(p.tunnel_depth, 0);
	}
	tc.vxlan_enabled = false;
	decoder_set_tunnel(&dec, &tc);
	vxlan_case(8472, 0x08, ETHERTYPE_IPV4);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.tunnel_depth, 0);
	tunnel_config_defaults(&tc);
	decoder_set_tunnel(&dec, &tc);
}

/* Ethernet, EtherType MPLS, the label stack entries, then pl. */
static void mpls_case(const uint32_t *labels, size_t n, const uint8_t *pl, size_t pn)
{
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_MPLS);
	for (size_t i = 0; i < n; i++)
		pb_be32(&b, labels[i] << 12 | (i + 1 == n ? 0x100u : 0u) | 64u);
	pb_bytes(&b, pl, pn);
}

static void test_mpls(void **s)
{
	(void)s;
	struct packet p;
	struct pb in, fr;
	pb_reset(&in);
	inner_ip4(&in);
	pb_reset(&fr);
	inner_eth(&fr);
	uint64_t mp = dec.st.mpls;
	/* one label, IPv4 by its first nibble */
	const uint32_t one[] = { 1001 };
	mpls_case(one, 1, in.buf, in.len);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	assert_int_equal(p.tunnel_depth, 0); /* a label stack is not an IP tunnel */
	assert_int_equal(p.encap, 1);
	assert_int_equal(dec.st.mpls, mp + 1);
	/* a stack; IPv4 explicit null at the bottom */
	const uint32_t stack[] = { 16001, 24002, 0 };
	mpls_case(stack, 3, in.buf, in.len);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	/* IPv6 explicit null */
	{
		struct pb t;
		pb_reset(&t);
		size_t ip = pb_ip6(&t, A6, B6, IPPROTO_UDP);
		pb_udp(&t, 1, 2, "x", 1);
		pb_ip6_finish(&t, ip);
		const uint32_t v6[] = { 16001, 2 };
		mpls_case(v6, 2, t.buf, t.len);
		decode(&p, LINK_ETHERNET);
		assert_int_equal(p.n_events, 0);
		assert_int_equal(p.ip_ver, 6);
		assert_int_equal(p.payload_len, 1);
	}
	/* Ethernet pseudowire with the control word (RFC 4448 4.6) ... */
	{
		struct pb t;
		pb_reset(&t);
		pb_be32(&t, 0x0000002a);
		pb_bytes(&t, fr.buf, fr.len);
		const uint32_t pw[] = { 16001, 100 };
		mpls_case(pw, 2, t.buf, t.len);
		decode(&p, LINK_ETHERNET);
		assert_int_equal(p.n_events, 0);
		assert_inner(&p);
		assert_int_equal(p.linktype, LINK_ETHERNET);
		assert_ptr_equal(p.data, b.buf + 14 + 8 + 4);
	}
	/* ... and without it (a MAC that does not start with 4, 6 or 00 00) */
	{
		struct pb t;
		pb_reset(&t);
		pb_bytes(&t, "\x52\x54\x00\x12\x34\x56\x52\x54\x00\x65\x43\x21", 12);
		pb_be16(&t, ETHERTYPE_IPV4);
		inner_ip4(&t);
		const uint32_t pw[] = { 100 };
		mpls_case(pw, 1, t.buf, t.len);
		decode(&p, LINK_ETHERNET);
		assert_int_equal(p.n_events, 0);
		assert_inner(&p);
		assert_ptr_equal(p.data, b.buf + 14 + 4);
	}
	/* the bottom label: router alert, implicit null, reserved 4-15 */
	const uint32_t ra[] = { 1 }, inull[] = { 3 };
	mpls_case(ra, 1, in.buf, in.len);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_MPLS_BAD_LABEL_ROUTER_ALERT));
	assert_int_equal(p.ip_ver, 0);
	mpls_case(inull, 1, in.buf, in.len);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_MPLS_BAD_LABEL_IMPLICIT_NULL));
	for (uint32_t l = 4; l <= 15; l++) {
		mpls_case(&l, 1, in.buf, in.len);
		decode(&p, LINK_ETHERNET);
		assert_true(packet_has_event(&p, DEC_MPLS_BAD_LABEL_RESERVED));
		assert_int_equal(p.ip_ver, 0);
	}
	/* a router alert above the bottom is fine */
	const uint32_t ra_top[] = { 1, 1001 };
	mpls_case(ra_top, 2, in.buf, in.len);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	/* entries cut short: every length, and a stack that never ends */
	for (size_t n = 0; n < 4; n++) {
		pb_reset(&b);
		pb_eth(&b, ETHERTYPE_MPLS);
		pb_bytes(&b, "\x00\x3e\x91\x40", n);
		decode(&p, LINK_ETHERNET);
		assert_true(packet_has_event(&p, DEC_MPLS_HEADER_TOO_SMALL));
	}
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_MPLS);
	pb_bytes(&b, "\x00\x3e\x80\x40\x00\x3e\x90\x40", 8);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_MPLS_HEADER_TOO_SMALL));
	/* fewer than 4 bytes after the stack */
	for (size_t n = 0; n < 4; n++) {
		mpls_case(one, 1, in.buf, n);
		decode(&p, LINK_ETHERNET);
		assert_true(packet_has_event(&p, DEC_MPLS_PKT_TOO_SMALL));
	}
	/* neither IP nor a frame we know; a control word and nothing after */
	static const uint8_t junk[20] = { 0x15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x88, 0xb5 };
	mpls_case(one, 1, junk, sizeof(junk));
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_MPLS_UNKNOWN_PAYLOAD_TYPE));
	mpls_case(one, 1, (const uint8_t *)"\0\0\0\0\0\0", 6);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_MPLS_UNKNOWN_PAYLOAD_TYPE));
	/* 16 labels are decoded, the 17th is one too many */
	uint32_t deep[17];
	for (int i = 0; i < 17; i++)
		deep[i] = 1000u + (uint32_t)i;
	mpls_case(deep, 16, in.buf, in.len);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	mpls_case(deep, 17, in.buf, in.len);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_TOO_MANY_LAYERS));
	/* the multicast EtherType and MPLS in GRE */
	mpls_case(one, 1, in.buf, in.len);
	b.buf[13] = 0x48;
	decode(&p, LINK_ETHERNET);
	assert_inner(&p);
	{
		struct pb t;
		pb_reset(&t);
		gre_hdr(&t, 0, 0, ETHERTYPE_MPLS);
		pb_be32(&t, 1001u << 12 | 0x100 | 64);
		inner_ip4(&t);
		outer4(&b, IPPROTO_GRE, &t);
		decode(&p, LINK_ETHERNET);
		assert_int_equal(p.n_events, 0);
		assert_inner(&p);
		assert_outer4(&p, IPPROTO_GRE, 1);
		assert_int_equal(p.encap, 2);
	}
}

/* n GRE layers (each inside its own IPv4 header) around the inner packet. */
static void gre_nest(int n)
{
	struct pb a, t;
	pb_reset(&a);
	inner_ip4(&a);
	for (int k = 0; k < n; k++) {
		pb_reset(&t);
		gre_hdr(&t, 0, 0, ETHERTYPE_IPV4);
		pb_bytes(&t, a.buf, a.len);
		pb_reset(&a);
		size_t ip = pb_ip4(&a, k == n - 1 ? T4A : A4, k == n - 1 ? T4B : B4, IPPROTO_GRE,
				   (uint16_t)k, 0);
		pb_bytes(&a, t.buf, t.len);
		pb_ip4_finish(&a, ip);
	}
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV4);
	pb_bytes(&b, a.buf, a.len);
}

static void test_nested_and_too_deep(void **s)
{
	(void)s;
	struct packet p;
	/* VXLAN in GRE: depth 2, the tunnel object names the outermost header */
	{
		struct pb v, t;
		vxlan_case(4789, 0x08, ETHERTYPE_IPV4);
		pb_reset(&v);
		pb_bytes(&v, b.buf + 14, b.len - 14); /* the VXLAN packet's IPv4 */
		v.buf[12] = 192; /* its own addresses */
		v.buf[16] = 192;
		pb_put16(&v, 10, 0);
		pb_put16(&v, 10, pb_fold(pb_sum(v.buf, 20, 0)));
		pb_reset(&t);
		gre_hdr(&t, 0, 0, ETHERTYPE_IPV4);
		pb_bytes(&t, v.buf, v.len);
		outer4(&b, IPPROTO_GRE, &t);
		decode(&p, LINK_ETHERNET);
		assert_int_equal(p.n_events, 0);
		assert_inner(&p);
		assert_outer4(&p, IPPROTO_GRE, 2);
		assert_int_equal(p.tun_sp, 0);
	}
	/* PKT_MAX_ENCAP GRE layers are opened; one more is an event, and the
	 * packet stays the GRE packet it was */
	gre_nest(PKT_MAX_ENCAP);
	decode(&p, LINK_ETHERNET);
	assert_int_equal(p.n_events, 0);
	assert_inner(&p);
	assert_outer4(&p, IPPROTO_GRE, PKT_MAX_ENCAP);
	gre_nest(PKT_MAX_ENCAP + 1);
	decode(&p, LINK_ETHERNET);
	assert_true(packet_has_event(&p, DEC_TOO_MANY_LAYERS));
	assert_int_equal(p.tunnel_depth, PKT_MAX_ENCAP);
	assert_int_equal(p.l4proto, IPPROTO_GRE);
	assert_memory_equal(p.src.a, A4, 4);
	assert_true(p.flags & PKT_HAS_FLOW_KEY);
	/* the same with the last layer an MPLS stack (it counts too) */
	{
		/* PKT_MAX_ENCAP GRE layers around an MPLS stack */
		static struct pb a, t;
		pb_reset(&a);
		pb_be32(&a, 1001u << 12 | 0x100 | 64);
		inner_ip4(&a);
		for (int k = 0; k < PKT_MAX_ENCAP; k++) {
			pb_reset(&t);
			gre_hdr(&t, 0, 0, k == 0 ? ETHERTYPE_MPLS : ETHERTYPE_IPV4);
			pb_bytes(&t, a.buf, a.len);
			pb_reset(&a);
			size_t ip = pb_ip4(&a, A4, B4, IPPROTO_GRE, 1, 0);
			pb_bytes(&a, t.buf, t.len);
			pb_ip4_finish(&a, ip);
		}
		pb_reset(&b);
		pb_eth(&b, ETHERTYPE_IPV4);
		pb_bytes(&b, a.buf, a.len);
		decode(&p, LINK_ETHERNET);
		assert_true(packet_has_event(&p, DEC_TOO_MANY_LAYERS));
		assert_int_equal(p.ip_ver, 0);
	}
}

static void test_tunnel_fragments(void **s)
{
	(void)s;
	struct packet p;
	/* an inner UDP datagram in two IPv4 fragments, each in GRE */
	static uint8_t data[40];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	static struct pb whole;
	pb_reset(&whole);
	pb_udp(&whole, 44818, 44818, data, sizeof(data)); /* 48 bytes */
	/* fragment k (0: offset 0, more; 1: offset 24) of datagram id, plain or
	 * in GRE */
#define FRAG(k, id, tunnelled)                                                              \
	do {                                                                                \
		static struct pb t;                                                         \
		pb_reset(&t);                                                               \
		if (tunnelled)                                                              \
			gre_hdr(&t, 0, 0, ETHERTYPE_IPV4);                                  \
		size_t ip = pb_ip4(&t, C4, D4, IPPROTO_UDP, id, (uint16_t)((k) ? 3 : 0x2000)); \
		pb_bytes(&t, whole.buf + ((k) ? 24 : 0), 24);                               \
		pb_ip4_finish(&t, ip);                                                      \
		if (tunnelled) {                                                            \
			outer4(&b, IPPROTO_GRE, &t);                                        \
		} else {                                                                    \
			pb_reset(&b);                                                       \
			pb_eth(&b, ETHERTYPE_IPV4);                                         \
			pb_bytes(&b, t.buf, t.len);                                         \
		}                                                                           \
	} while (0)
	/* the plain first fragment and a tunnelled second one of the same id
	 * are not one datagram: each waits for its own other half */
	FRAG(0, 0x4242, false);
	assert_int_equal(decode(&p, LINK_ETHERNET), DECODE_HELD);
	FRAG(1, 0x4242, true);
	assert_int_equal(decode(&p, LINK_ETHERNET), DECODE_HELD);
	assert_int_equal(p.tunnel_depth, 1);
	FRAG(0, 0x4242, true);
	assert_int_equal(decode(&p, LINK_ETHERNET), DECODE_OK);
	assert_true(p.flags & PKT_REASSEMBLED);
	assert_int_equal(p.tunnel_depth, 1);
	assert_outer4(&p, IPPROTO_GRE, 1);
	assert_int_equal(p.sp, 44818);
	assert_int_equal(p.payload_len, sizeof(data));
	assert_memory_equal(p.payload, data, sizeof(data));
	assert_int_equal(p.linktype, LINK_RAW);
	FRAG(1, 0x4242, false);
	assert_int_equal(decode(&p, LINK_ETHERNET), DECODE_OK);
	assert_true(p.flags & PKT_REASSEMBLED);
	assert_int_equal(p.tunnel_depth, 0);
	assert_int_equal(p.payload_len, sizeof(data));
#undef FRAG
	/* the outer datagram fragmented: reassembled, then opened */
	{
		struct pb t, o;
		pb_reset(&t);
		gre_hdr(&t, 0, 0, ETHERTYPE_IPV4);
		inner_ip4(&t);
		for (int k = 0; k < 2; k++) {
			pb_reset(&o);
			pb_eth(&o, ETHERTYPE_IPV4);
			size_t ip = pb_ip4(&o, T4A, T4B, IPPROTO_GRE, 0x5151,
					   (uint16_t)(k ? 2 : 0x2000));
			pb_bytes(&o, t.buf + (k ? 16 : 0), k ? t.len - 16 : 16);
			pb_ip4_finish(&o, ip);
			pb_reset(&b);
			pb_bytes(&b, o.buf, o.len);
			int r = decode(&p, LINK_ETHERNET);
			if (!k) {
				assert_int_equal(r, DECODE_HELD);
				continue;
			}
			assert_int_equal(r, DECODE_OK);
			assert_int_equal(p.n_events, 0);
			assert_inner(&p);
			assert_outer4(&p, IPPROTO_GRE, 1);
		}
	}
}

/* Every frame above, cut at every length, and with its length fields
 * claiming more than there is: events, never a read out of bounds (the
 * frame lies in a heap block of exactly its size). */
static void test_tunnel_hostile_lengths(void **s)
{
	(void)s;
	static struct pb frames[12], t, m;
	int nf = 0;
	const uint8_t t2[8] = { 0x10, 0x64, 0x00, 0x07, 0, 0, 0, 3 };
	const uint8_t t3o[20] = { 0x20, 0, 0, 8, 1, 2, 3, 4, 0, 0, 0, 0x13, 0x0c, 0, 0, 1, 0, 0, 0, 2 };
	gre_case(0xb0, 0, ETHERTYPE_IPV4, "\0\0\0\0\0\0\0\1\0\0\0\2", 12, true);
	frames[nf++] = b;
	pb_reset(&t);
	gre_hdr(&t, 0, 0, ETHERTYPE_TEB);
	inner_eth(&t);
	outer4(&b, IPPROTO_GRE, &t);
	frames[nf++] = b;
	erspan_case(2, t2, 8, false);
	frames[nf++] = b;
	erspan_case(3, t3o, 20, true);
	frames[nf++] = b;
	vxlan_case(4789, 0x08, ETHERTYPE_IPV4);
	frames[nf++] = b;
	const uint32_t pw[] = { 16001, 100 };
	pb_reset(&t);
	pb_be32(&t, 0);
	inner_eth(&t);
	mpls_case(pw, 2, t.buf, t.len);
	frames[nf++] = b;
	gre_nest(3);
	frames[nf++] = b;
	for (int i = 0; i < nf; i++) {
		const struct pb *f = &frames[i];
		struct packet p;
		/* the whole frame decodes cleanly */
		decode_exact(f->buf, f->len, &p);
		assert_int_equal(p.n_events, 0);
		assert_int_equal(p.l4proto, IPPROTO_TCP);
		/* cut anywhere: an event (a length field claims more) */
		for (size_t len = 0; len < f->len; len++) {
			decode_exact(f->buf, len, &p);
			assert_true(p.n_events > 0);
		}
		/* every 16-bit field set to 0, 1, 0x7fff and 0xffff in turn */
		static const uint16_t vals[] = { 0, 1, 0x7fff, 0xffff };
		for (size_t at = 12; at + 1 < f->len; at += 2) {
			for (size_t v = 0; v < 4; v++) {
				m = *f;
				pb_put16(&m, at, vals[v]);
				decode_exact(m.buf, m.len, &p);
			}
		}
	}
}

/* inet_csum adds words as they lie in memory: it must agree with RFC 1071's
 * big-endian word sum for every length, odd ones included, and with the
 * example of RFC 1071 section 3. */
static uint16_t csum_reference(const uint8_t *d, uint32_t len)
{
	uint32_t sum = 0;
	for (uint32_t i = 0; i < len; i += 2)
		sum += (uint32_t)d[i] << 8 | (i + 1 < len ? d[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void test_inet_csum(void **s)
{
	(void)s;
	const uint8_t rfc[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(inet_csum(rfc, sizeof(rfc)), (uint16_t)~0xddf2);
	uint8_t buf[301];
	uint32_t x = 12345;
	for (int round = 0; round < 200; round++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = round % 7 == 0 ? 0xff : (uint8_t)(x >> 16);
		}
		for (uint32_t len = 0; len <= sizeof(buf); len++)
			assert_int_equal(inet_csum(buf, len), csum_reference(buf, len));
		/* a header with its checksum filled in sums to zero */
		buf[10] = buf[11] = 0;
		uint16_t cs = inet_csum(buf, 20);
		buf[10] = (uint8_t)(cs >> 8);
		buf[11] = (uint8_t)cs;
		assert_int_equal(inet_csum(buf, 20), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_ipv4_tcp),
		cmocka_unit_test(test_ipv4_bad_checksum_counted),
		cmocka_unit_test(test_vlan_and_qinq),
		cmocka_unit_test(test_linux_sll_and_sll2),
		cmocka_unit_test(test_null_loop_and_raw),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_malformed),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_udp_lengths),
		cmocka_unit_test(test_icmp),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_industrial_ethertypes),
		cmocka_unit_test(test_gre_ipv4),
		cmocka_unit_test(test_gre_optional_fields),
		cmocka_unit_test(test_gre_teb_and_unknown),
		cmocka_unit_test(test_gre_events),
		cmocka_unit_test(test_erspan),
		cmocka_unit_test(test_vxlan),
		cmocka_unit_test(test_mpls),
		cmocka_unit_test(test_nested_and_too_deep),
		cmocka_unit_test(test_tunnel_fragments),
		cmocka_unit_test(test_tunnel_hostile_lengths),
		cmocka_unit_test(test_hostile_lengths),
		cmocka_unit_test(test_inet_csum),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
