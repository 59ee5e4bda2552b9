/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 and IPv6 fragment reassembly: orders, overlaps (first wins),
 * bounds, timeouts, memcap (eviction of the oldest, rate-limited reports). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <netinet/in.h>

#include "decode/decode.h"
#include "pktbuild.h"

static const uint8_t A4[4] = { 10, 0, 0, 1 }, B4[4] = { 10, 0, 0, 2 };
static const uint8_t A6[16] = { 0xfd, [15] = 1 }, B6[16] = { 0xfd, [15] = 2 };

static struct decoder dec;
static struct pb b;
static uint8_t datagram[4000]; /* a UDP header + payload to cut up */
static size_t dgram_len;

static void make_udp_payload(size_t n)
{
	struct pb u;
	pb_reset(&u);
	uint8_t pay[3900];
	for (size_t i = 0; i < n; i++)
		pay[i] = (uint8_t)('a' + i % 26);
	pb_udp(&u, 20000, 20000, pay, n);
	memcpy(datagram, u.buf, u.len);
	dgram_len = u.len;
}

static int setup(void **s)
{
	(void)s;
	struct defrag_config c;
	defrag_config_defaults(&c);
	c.max_frags = 8;
	c.memcap = 1 << 20;
	return decoder_init(&dec, &c);
}

static int teardown(void **s)
{
	(void)s;
	decoder_fini(&dec);
	return 0;
}

/* One IPv4 fragment of datagram[off, off+len). */
static int frag4(struct packet *p, uint16_t id, size_t off, size_t len, bool more,
		 const uint8_t *override, uint64_t ts)
{
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&b, A4, B4, IPPROTO_UDP, id, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
	pb_bytes(&b, override ? override : datagram + off, len);
	pb_ip4_finish(&b, ip);
	pb_packet(&b, p, LINK_ETHERNET, 0, ts);
	return decode_packet(&dec, p);
}

static void assert_whole(const struct packet *p, size_t payload)
{
	assert_true(p->flags & PKT_REASSEMBLED);
	assert_int_equal(p->l4proto, IPPROTO_UDP);
	assert_int_equal(p->payload_len, payload);
	assert_memory_equal(p->payload, datagram + 8, payload);
	/* the rebuilt header is valid */
	assert_false(p->flags & PKT_IPV4_CSUM_BAD);
}

static void test_in_order(void **s)
{
	(void)s;
	make_udp_payload(100);
	struct packet p;
	assert_int_equal(frag4(&p, 1, 0, 40, true, NULL, 1), DECODE_HELD);
	assert_int_equal(frag4(&p, 1, 40, 40, true, NULL, 2), DECODE_HELD);
	assert_int_equal(frag4(&p, 1, 80, dgram_len - 80, false, NULL, 3), DECODE_OK);
	assert_whole(&p, 100);
	assert_int_equal(p.n_events, 0);
}

static void test_out_of_order(void **s)
{
	(void)s;
	make_udp_payload(100);
	struct packet p;
	assert_int_equal(frag4(&p, 2, 80, dgram_len - 80, false, NULL, 1), DECODE_HELD);
	assert_int_equal(frag4(&p, 2, 0, 40, true, NULL, 2), DECODE_HELD);
	assert_int_equal(frag4(&p, 2, 40, 40, true, NULL, 3), DECODE_OK);
	assert_whole(&p, 100);
}

static void test_overlap_first_wins(void **s)
{
	(void)s;
	make_udp_payload(100);
	struct packet p;
	struct defrag_stats before, after;
	defrag_get_stats(dec.defrag, &before);
	uint8_t evil[48];
	memset(evil, 'X', sizeof(evil));
	assert_int_equal(frag4(&p, 3, 0, 48, true, NULL, 1), DECODE_HELD);
	/* overlaps bytes 40..88 with different data */
	assert_int_equal(frag4(&p, 3, 40, 48, true, evil, 2), DECODE_HELD);
	assert_true(packet_has_event(&p, DEC_IPV4_FRAG_OVERLAP));
	assert_int_equal(frag4(&p, 3, 88, dgram_len - 88, false, NULL, 3), DECODE_OK);
	/* bytes 40..48 came first from the genuine fragment; 48..88 only
	 * from the evil one */
	assert_memory_equal(p.payload, datagram + 8, 40);
	assert_int_equal(p.payload[48 - 8], 'X');
	defrag_get_stats(dec.defrag, &after);
	assert_int_equal(after.overlaps, before.overlaps + 1);
}

static void test_too_large(void **s)
{
	(void)s;
	make_udp_payload(100);
	struct packet p;
	/* offset 65528 + 40 bytes: beyond 65535 */
	assert_int_equal(frag4(&p, 4, 65528, 40, false, NULL, 1), DECODE_HELD);
	assert_true(packet_has_event(&p, DEC_IPV4_FRAG_PKT_TOO_LARGE));
}

static void test_too_many_fragments(void **s)
{
	(void)s;
	make_udp_payload(200);
	struct packet p;
	/* max_frags is 8: the 9th drops the datagram */
	for (int i = 0; i < 8; i++)
		assert_int_equal(frag4(&p, 5, (size_t)i * 8, 8, true, NULL, 1), DECODE_HELD);
	frag4(&p, 5, 64, 8, true, NULL, 1);
	assert_true(packet_has_event(&p, DEC_FRAG_MEMCAP));
}

static void test_timeout(void **s)
{
	(void)s;
	make_udp_payload(100);
	struct packet p;
	struct defrag_stats before, after;
	defrag_get_stats(dec.defrag, &before);
	assert_int_equal(frag4(&p, 6, 0, 40, true, NULL, 1000000), DECODE_HELD);
	/* 61 s later the first fragment is gone: the rest cannot complete */
	assert_int_equal(frag4(&p, 6, 40, dgram_len - 40, false, NULL, 62000000), DECODE_HELD);
	defrag_get_stats(dec.defrag, &after);
	assert_int_equal(after.timeouts, before.timeouts + 1);
	defrag_expire(dec.defrag, 200000000);
}

static int frag6(struct packet *p, uint32_t id, size_t off, size_t len, bool more)
{
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV6);
	size_t ip = pb_ip6(&b, A6, B6, 60);
	/* a destination options header before the fragment header: part of
	 * the unfragmentable part */
	pb_u8(&b, 44); pb_u8(&b, 0); pb_be32(&b, 0); pb_be16(&b, 0);
	pb_u8(&b, IPPROTO_UDP); pb_u8(&b, 0);
	pb_be16(&b, (uint16_t)(off | (more ? 1 : 0)));
	pb_be32(&b, id);
	pb_bytes(&b, datagram + off, len);
	pb_ip6_finish(&b, ip);
	pb_packet(&b, p, LINK_ETHERNET, 0, 5);
	return decode_packet(&dec, p);
}

static void test_ipv6(void **s)
{
	(void)s;
	make_udp_payload(150);
	struct packet p;
	assert_int_equal(frag6(&p, 77, 96, dgram_len - 96, false), DECODE_HELD);
	assert_int_equal(frag6(&p, 77, 0, 48, true), DECODE_HELD);
	assert_int_equal(frag6(&p, 77, 48, 48, true), DECODE_OK);
	assert_true(p.flags & PKT_REASSEMBLED);
	assert_int_equal(p.ip_ver, 6);
	assert_int_equal(p.l4proto, IPPROTO_UDP);
	assert_int_equal(p.payload_len, 150);
	assert_memory_equal(p.payload, datagram + 8, 150);

	/* non-final fragment whose length is not a multiple of 8 */
	frag6(&p, 78, 0, 45, true);
	assert_true(packet_has_event(&p, DEC_IPV6_FRAG_INVALID_LENGTH));

	/* overlap */
	assert_int_equal(frag6(&p, 79, 0, 48, true), DECODE_HELD);
	frag6(&p, 79, 40, 48, true);
	assert_true(packet_has_event(&p, DEC_IPV6_FRAG_OVERLAP));
}

/* A decoder of its own with the given memcap (the shared one is put back
 * by small_end). */
static struct decoder saved_dec;
static void small_begin(uint64_t memcap)
{
	struct defrag_config c;
	defrag_config_defaults(&c);
	c.memcap = memcap;
	saved_dec = dec;
	assert_int_equal(decoder_init(&dec, &c), 0);
}

static void small_end(void)
{
	decoder_fini(&dec);
	dec = saved_dec;
}

static struct defrag_stats stats(void)
{
	struct defrag_stats st;
	defrag_get_stats(dec.defrag, &st);
	return st;
}

/* At the memcap the least recently active datagram is given up, never the
 * one that is arriving; the first eviction is reported at once, with its
 * count. */
static void test_memcap_evicts_oldest(void **s)
{
	(void)s;
	small_begin(1 << 16);
	make_udp_payload(1500);
	struct packet p;
	unsigned reports = 0, first_report_id = 0;
	for (uint16_t id = 1; id <= 200; id++) {
		assert_int_equal(frag4(&p, id, 0, 1000, true, NULL, id), DECODE_HELD);
		assert_true(stats().bytes_in_use <= 1 << 16);
		if (packet_has_event(&p, DEC_FRAG_MEMCAP_HIT)) {
			if (!reports++)
				first_report_id = id;
			assert_int_equal(p.frag_evicted, 1);
			assert_int_equal(p.frag_dropped, 0);
		}
		/* never the old per-fragment event */
		assert_false(packet_has_event(&p, DEC_FRAG_MEMCAP));
	}
	struct defrag_stats st = stats();
	assert_true(st.memcap_evictions > 100);
	assert_int_equal(st.memcap_drops, 0);
	/* one report: the others fell within the same report interval */
	assert_int_equal(reports, 1);
	assert_true(first_report_id > 1);
	/* the newest datagram is still there and completes */
	assert_int_equal(frag4(&p, 200, 1000, dgram_len - 1000, false, NULL, 300), DECODE_OK);
	assert_whole(&p, 1500);
	/* the oldest was given up: its rest starts a datagram of its own */
	assert_int_equal(frag4(&p, 1, 1000, dgram_len - 1000, false, NULL, 301), DECODE_HELD);
	assert_false(p.flags & PKT_REASSEMBLED);
	small_end();
}

/* A flood of first fragments that never complete, then datagrams whose
 * fragments arrive together: each of those is reassembled; the evictions
 * are reported once per interval, with counts that add up to the stats. */
static void test_flood_then_legit(void **s)
{
	(void)s;
	small_begin(1 << 16);
	struct packet p;
	uint64_t ts = 1000000, reported = 0;
	unsigned reports = 0;
	make_udp_payload(600);
	for (unsigned i = 0; i < 5000; i++, ts += 100) {
		assert_int_equal(frag4(&p, (uint16_t)(i + 1), 0, 512, true, NULL, ts), DECODE_HELD);
		if (packet_has_event(&p, DEC_FRAG_MEMCAP_HIT)) {
			reports++;
			reported += p.frag_evicted;
		}
	}
	/* 0.5 s of flood, a 10 s report interval: one record */
	assert_int_equal(reports, 1);
	for (uint16_t k = 0; k < 10; k++, ts += 1000) {
		make_udp_payload(300 + k);
		uint16_t id = (uint16_t)(60000 + k);
		assert_int_equal(frag4(&p, id, 0, 104, true, NULL, ts), DECODE_HELD);
		assert_int_equal(frag4(&p, id, 104, 104, true, NULL, ts + 10), DECODE_HELD);
		assert_int_equal(frag4(&p, id, 208, dgram_len - 208, false, NULL, ts + 20), DECODE_OK);
		assert_whole(&p, 300 + k);
		assert_false(packet_has_event(&p, DEC_FRAG_MEMCAP_HIT));
	}
	/* 11 s later, the next fragment carries what was not reported yet */
	make_udp_payload(600);
	frag4(&p, 7, 0, 512, true, NULL, ts + 11000000);
	assert_true(packet_has_event(&p, DEC_FRAG_MEMCAP_HIT));
	reported += p.frag_evicted;
	struct defrag_stats st = stats();
	assert_int_equal(reported, st.memcap_evictions);
	assert_int_equal(st.reassembled, 10);
	assert_int_equal(st.memcap_drops, 0);
	small_end();
}

/* A datagram larger than the whole memcap is dropped (and counted), without
 * evicting anyone for it once that is clear. */
static void test_datagram_beyond_memcap(void **s)
{
	(void)s;
	small_begin(4096);
	make_udp_payload(3800);
	struct packet p;
	assert_int_equal(frag4(&p, 9, 0, 1600, true, NULL, 1), DECODE_HELD);
	assert_int_equal(frag4(&p, 9, 1600, 1600, true, NULL, 2), DECODE_HELD);
	assert_false(packet_has_event(&p, DEC_FRAG_MEMCAP_HIT));
	/* a third would need more than 4096 bytes for this datagram alone */
	assert_int_equal(frag4(&p, 9, 3200, 600, true, NULL, 3), DECODE_HELD);
	assert_true(packet_has_event(&p, DEC_FRAG_MEMCAP_HIT));
	assert_int_equal(p.frag_dropped, 1);
	assert_int_equal(p.frag_evicted, 0);
	struct defrag_stats st = stats();
	assert_int_equal(st.memcap_drops, 1);
	assert_int_equal(st.memcap_evictions, 0);
	assert_int_equal(st.bytes_in_use, 0);
	small_end();
}

/* Packet time going backwards does not make a report per packet. */
static void test_report_time_backwards(void **s)
{
	(void)s;
	small_begin(1 << 16);
	make_udp_payload(1500);
	struct packet p;
	unsigned reports = 0;
	for (uint16_t id = 1; id <= 300; id++) {
		frag4(&p, id, 0, 1000, true, NULL, 50000000 - (uint64_t)id * 1000);
		reports += packet_has_event(&p, DEC_FRAG_MEMCAP_HIT);
	}
	assert_int_equal(reports, 1);
	small_end();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_overlap_first_wins),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_too_many_fragments),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_memcap_evicts_oldest),
		cmocka_unit_test(test_flood_then_legit),
		cmocka_unit_test(test_datagram_beyond_memcap),
		cmocka_unit_test(test_report_time_backwards),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
