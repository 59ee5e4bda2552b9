/* SPDX-License-Identifier: BSD-3-Clause */
/* What a frame looks like (capture/linktype.c), the check behind the
 * warning on a capture whose header names the wrong link type: frames of
 * each kind fit that kind and no other, the same IP datagram with and
 * without its link header, industrial and LLC frames, padding, snaplen
 * cuts; garbage fits nothing; every cut of every frame is read safely. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "capture/linktype.h"
#include "pktbuild.h"

#define BIT(k) (1u << (k))

static const uint8_t A4[4] = { 10, 0, 0, 1 }, B4[4] = { 10, 0, 0, 2 };
static const uint8_t A6[16] = { 0xfd, [15] = 1 }, B6[16] = { 0xfd, [15] = 2 };
static const uint8_t req[] = { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 2 }; /* Modbus read */

/* A TCP segment in IPv4 (v6: IPv6) after whatever b holds. */
static void ip_tcp(struct pb *b, bool v6)
{
	size_t ip = v6 ? pb_ip6(b, A6, B6, 6) : pb_ip4(b, A4, B4, 6, 7, 0);
	pb_tcp(b, 40000, 502, 1, 1, 0x18, req, sizeof(req));
	if (v6)
		pb_ip6_finish(b, ip);
	else
		pb_ip4_finish(b, ip);
}

static unsigned fits(const struct pb *b)
{
	/* from a block of exactly its size: ASan sees any read beyond */
	uint8_t *copy = malloc(b->len ? b->len : 1);
	assert_non_null(copy);
	memcpy(copy, b->buf, b->len);
	unsigned m = link_fits(copy, (uint32_t)b->len, (uint32_t)b->len);
	free(copy);
	return m;
}

static void test_each_kind(void **s)
{
	(void)s;
	struct pb b;
	for (int v6 = 0; v6 < 2; v6++) {
		pb_reset(&b);
		pb_eth(&b, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
		ip_tcp(&b, v6);
		assert_int_equal(fits(&b), BIT(LK_ETHERNET));

		pb_reset(&b);
		ip_tcp(&b, v6);
		assert_int_equal(fits(&b), BIT(LK_RAW));

		/* Linux cooked v1: pkttype 0 (to us), hatype 1, halen 6 */
		pb_reset(&b);
		pb_be16(&b, 0); pb_be16(&b, 1); pb_be16(&b, 6);
		pb_bytes(&b, "\x02\x00\x0a\x00\x00\x01\x00\x00", 8);
		pb_be16(&b, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
		ip_tcp(&b, v6);
		assert_int_equal(fits(&b), BIT(LK_SLL));

		/* Linux cooked v2: proto, reserved 0, ifindex, hatype, pkttype, halen */
		pb_reset(&b);
		pb_be16(&b, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4); pb_be16(&b, 0);
		pb_be32(&b, 3); pb_be16(&b, 1); pb_u8(&b, 0); pb_u8(&b, 6);
		pb_bytes(&b, "\x02\x00\x0a\x00\x00\x01\x00\x00", 8);
		ip_tcp(&b, v6);
		assert_int_equal(fits(&b), BIT(LK_SLL2));

		/* BSD loopback, family in little-endian host order: NULL only */
		pb_reset(&b);
		pb_u8(&b, v6 ? 30 : 2); pb_u8(&b, 0); pb_u8(&b, 0); pb_u8(&b, 0);
		ip_tcp(&b, v6);
		assert_int_equal(fits(&b), BIT(LK_NULL));

		/* big-endian: NULL from a big-endian host, or OpenBSD's LOOP */
		pb_reset(&b);
		pb_be32(&b, v6 ? 24 : 2);
		ip_tcp(&b, v6);
		assert_int_equal(fits(&b), BIT(LK_NULL) | BIT(LK_LOOP));
	}
}

static void test_ethernet_variants(void **s)
{
	(void)s;
	struct pb b;
	/* QinQ */
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_QINQ);
	pb_vlan(&b, ETHERTYPE_VLAN, 100);
	pb_vlan(&b, ETHERTYPE_IPV4, 200);
	ip_tcp(&b, false);
	assert_int_equal(fits(&b), BIT(LK_ETHERNET));
	/* padded to the minimum frame: the datagram is shorter than what follows */
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&b, A4, B4, 6, 7, 0);
	pb_tcp(&b, 40000, 502, 1, 1, 0x10, NULL, 0);
	pb_ip4_finish(&b, ip);
	while (b.len < 60)
		pb_u8(&b, 0);
	assert_int_equal(fits(&b), BIT(LK_ETHERNET));
	/* ARP */
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_ARP);
	pb_be16(&b, 1); pb_be16(&b, ETHERTYPE_IPV4); pb_u8(&b, 6); pb_u8(&b, 4); pb_be16(&b, 1);
	pb_bytes(&b, "\x02\x00\x0a\x00\x00\x01\x0a\x00\x00\x01\x00\x00\x00\x00\x00\x00\x0a\x00\x00\x02", 20);
	assert_int_equal(fits(&b), BIT(LK_ETHERNET));
	/* GOOSE, PROFINET, LLDP, PTP */
	static const uint16_t l2[] = { ETHERTYPE_GOOSE, ETHERTYPE_PROFINET, ETHERTYPE_LLDP,
				       ETHERTYPE_PTP, ETHERTYPE_SV };
	for (size_t i = 0; i < sizeof(l2) / sizeof(l2[0]); i++) {
		pb_reset(&b);
		pb_eth(&b, l2[i]);
		pb_bytes(&b, "\x00\x01\x00\x08\x00\x00\x00\x00", 8);
		assert_int_equal(fits(&b) & BIT(LK_ETHERNET), BIT(LK_ETHERNET));
	}
	/* 802.3 with LLC: spanning tree (DSAP 0x42) */
	pb_reset(&b);
	pb_eth(&b, 38);
	pb_bytes(&b, "\x42\x42\x03\x00\x00\x00\x00\x00", 8);
	assert_int_equal(fits(&b), BIT(LK_ETHERNET));
	/* an EtherType nobody knows here, an LLC of no kind looked for */
	pb_reset(&b);
	pb_eth(&b, 0x1234);
	pb_bytes(&b, "\x45\x00\x00\x14", 4);
	assert_int_equal(fits(&b) & BIT(LK_ETHERNET), 0);
	pb_reset(&b);
	pb_eth(&b, 38);
	pb_bytes(&b, "\x17\x17\x03", 3);
	assert_int_equal(fits(&b) & BIT(LK_ETHERNET), 0);
}

/* Raw IP must end the frame: the captured bytes, or the wire's when the
 * snapshot length cut it. */
static void test_raw_lengths(void **s)
{
	(void)s;
	struct pb b;
	pb_reset(&b);
	ip_tcp(&b, false);
	uint32_t n = (uint32_t)b.len;
	assert_int_equal(link_fits(b.buf, n, n), BIT(LK_RAW));
	assert_int_equal(link_fits(b.buf, n - 10, n), BIT(LK_RAW)); /* snaplen */
	pb_u8(&b, 0); /* a byte beyond the datagram */
	assert_int_equal(link_fits(b.buf, n + 1, n + 1) & BIT(LK_RAW), 0);
	assert_int_equal(link_fits(b.buf, n - 4, n - 4) & BIT(LK_RAW), 0); /* datagram longer */
	/* a header length below 20, a total length below the header's */
	pb_reset(&b);
	ip_tcp(&b, false);
	b.buf[0] = 0x44;
	assert_int_equal(fits(&b) & BIT(LK_RAW), 0);
	b.buf[0] = 0x45;
	b.buf[2] = 0;
	b.buf[3] = 19;
	assert_int_equal(fits(&b) & BIT(LK_RAW), 0);
}

static void test_garbage(void **s)
{
	(void)s;
	struct pb b;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned hits = 0;
	for (int i = 0; i < 2000; i++) {
		pb_reset(&b);
		size_t n = 1 + (size_t)(x % 120);
		for (size_t k = 0; k < n; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			pb_u8(&b, (uint8_t)x);
		}
		hits += fits(&b) != 0;
	}
	/* random bytes almost never look like a frame of any kind */
	assert_true(hits < 20);
	pb_reset(&b);
	assert_int_equal(link_fits(b.buf, 0, 0), 0);
}

/* Every frame above cut at every length: read safely (ASan: the copy is
 * exactly that long), and raw IP cut short fits only as a snaplen cut. */
static void test_every_cut(void **s)
{
	(void)s;
	struct pb b;
	for (int kind = 0; kind < 3; kind++) {
		pb_reset(&b);
		if (kind == 1)
			pb_eth(&b, ETHERTYPE_IPV6);
		if (kind == 2) {
			pb_be16(&b, 0); pb_be16(&b, 1); pb_be16(&b, 6);
			pb_bytes(&b, "\x02\x00\x0a\x00\x00\x01\x00\x00", 8);
			pb_be16(&b, ETHERTYPE_IPV4);
		}
		ip_tcp(&b, kind == 1);
		for (uint32_t cut = 0; cut <= b.len; cut++) {
			uint8_t *copy = malloc(cut ? cut : 1);
			assert_non_null(copy);
			memcpy(copy, b.buf, cut);
			unsigned m = link_fits(copy, cut, cut);
			if (kind == 0 && cut < b.len)
				assert_int_equal(m & BIT(LK_RAW), 0);
			(void)link_fits(copy, cut, (uint32_t)b.len);
			free(copy);
		}
	}
}

static void test_kinds_and_names(void **s)
{
	(void)s;
	assert_int_equal(link_kind_of(LINK_ETHERNET), LK_ETHERNET);
	assert_int_equal(link_kind_of(LINK_RAW), LK_RAW);
	assert_int_equal(link_kind_of(12), LK_RAW); /* DLT_RAW as libpcap gives it */
	assert_int_equal(link_kind_of(LINK_IPV6), LK_RAW);
	assert_int_equal(link_kind_of(LINK_LINUX_SLL2), LK_SLL2);
	assert_int_equal(link_kind_of(105), -1); /* 802.11: not decoded */
	assert_string_equal(link_kind_name(LK_ETHERNET), "Ethernet");
	assert_string_equal(link_kind_editcap(LK_RAW), "rawip");
	assert_string_equal(link_kind_editcap(LK_SLL), "linux-sll");
	assert_string_equal(link_kind_name(-1), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_kind),
		cmocka_unit_test(test_ethernet_variants),
		cmocka_unit_test(test_raw_lengths),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_kinds_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
