/* SPDX-License-Identifier: BSD-3-Clause */
/* Decoders: every link type, VLAN/QinQ, IPv4 options and checksum, IPv6
 * extension headers, TCP/UDP/ICMP, industrial EtherTypes, malformed input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
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
		cmocka_unit_test(test_hostile_lengths),
		cmocka_unit_test(test_inet_csum),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
