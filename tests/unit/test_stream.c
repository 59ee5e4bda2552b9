/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP reassembly: in-order delivery, retransmissions, overlaps (first
 * wins), out-of-order, gaps (by ACK, by limits, at the end), midstream,
 * FIN/RST, memory bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <string.h>

#include "decode/decode.h"
#include "flow/flow.h"
#include "pktbuild.h"

static struct decoder dec;
static struct pb b;
static const uint8_t C[4] = { 10, 0, 0, 5 }, S[4] = { 10, 0, 0, 10 };

/* what the application layer would have seen */
struct seen {
	uint8_t data[2][4096];
	size_t len[2];
	unsigned gaps[2];
	uint32_t gap_bytes[2];
	unsigned events[STREAM_EV__COUNT];
	uint64_t deliver_pkt[16]; /* pcap_cnt of each delivery */
	unsigned n_deliver;
};
static struct seen seen;

static void on_data(void *u, struct flow *f, struct packet *p, uint8_t dir, const uint8_t *d,
		    uint32_t len)
{
	(void)u;
	(void)f;
	assert_true(seen.len[dir] + len <= sizeof(seen.data[dir]));
	memcpy(seen.data[dir] + seen.len[dir], d, len);
	seen.len[dir] += len;
	if (seen.n_deliver < 16)
		seen.deliver_pkt[seen.n_deliver++] = p ? p->pcap_cnt : 0;
}

static void on_gap(void *u, struct flow *f, struct packet *p, uint8_t dir, uint32_t len)
{
	(void)u;
	(void)f;
	(void)p;
	seen.gaps[dir]++;
	seen.gap_bytes[dir] += len;
	/* mark the hole in the byte stream so tests can see where it was */
	memset(seen.data[dir] + seen.len[dir], '_', 1);
	seen.len[dir] += 1;
}

static void on_event(void *u, struct flow *f, struct packet *p, enum stream_event e)
{
	(void)u;
	(void)f;
	(void)p;
	seen.events[e]++;
}

static struct flow_table *ft;
static uint64_t cnt;

static struct flow_table *table(uint32_t max_segs, uint64_t stream_memcap)
{
	struct flow_config c;
	flow_config_defaults(&c);
	c.stream_max_ooo_segs = max_segs;
	if (stream_memcap)
		c.stream_memcap = stream_memcap;
	struct flow_callbacks cb = { .data = on_data, .gap = on_gap, .event = on_event };
	memset(&seen, 0, sizeof(seen));
	cnt = 0;
	return flow_table_new(&c, &cb);
}

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

/* The capture thread's fingerprint of each payload (PKT_PAYLOAD_SUM), and a
 * value to spoil it with (to show it is the one used). */
static bool presum;
static uint16_t presum_lie;

/* Sends one segment; dir 0 = client -> server. */
static struct flow *seg(int dir, uint32_t seq, uint32_t ack, uint8_t flags, const char *data)
{
	size_t n = data ? strlen(data) : 0;
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&b, dir ? S : C, dir ? C : S, IPPROTO_TCP, 1, 0);
	pb_tcp(&b, dir ? 502 : 40000, dir ? 40000 : 502, seq, ack, flags, data, n);
	pb_ip4_finish(&b, ip);
	struct packet p;
	cnt++;
	pb_packet(&b, &p, LINK_ETHERNET, cnt, cnt * 1000);
	assert_int_equal(decode_packet(&dec, &p), DECODE_OK);
	if (presum && p.payload_len) { /* as the capture thread does */
		p.payload_sum = (uint16_t)(stream_seg_sum(p.payload, p.payload_len) ^ presum_lie);
		p.flags |= PKT_PAYLOAD_SUM;
	}
	struct flow *f = flow_lookup(ft, &p);
	assert_non_null(f);
	stream_packet(ft, f, &p);
	return f;
}

/* 3-way handshake: client ISN 1000, server ISN 5000 */
static struct flow *handshake(void)
{
	seg(0, 1000, 0, TCPF_SYN, NULL);
	seg(1, 5000, 1001, TCPF_SYN | TCPF_ACK, NULL);
	return seg(0, 1001, 5001, TCPF_ACK, NULL);
}

static void test_in_order_both_directions(void **s)
{
	(void)s;
	ft = table(64, 0);
	struct flow *f = handshake();
	assert_int_equal(f->tcp->state, TCPS_ESTABLISHED);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
	seg(0, 1001, 5001, TCPF_ACK | TCPF_PUSH, "hello ");
	seg(0, 1007, 5001, TCPF_ACK | TCPF_PUSH, "world");
	seg(1, 5001, 1012, TCPF_ACK | TCPF_PUSH, "reply");
	assert_int_equal(seen.len[0], 11);
	assert_memory_equal(seen.data[0], "hello world", 11);
	assert_memory_equal(seen.data[1], "reply", 5);
	seg(0, 1012, 5006, TCPF_FIN | TCPF_ACK, NULL);
	assert_int_equal(f->tcp->state, TCPS_FIN_WAIT);
	seg(1, 5006, 1013, TCPF_FIN | TCPF_ACK, NULL);
	assert_int_equal(f->tcp->state, TCPS_CLOSED);
	assert_int_equal(f->state, FLOW_STATE_CLOSED);
	assert_int_equal(seen.gaps[0] + seen.gaps[1], 0);
	flow_table_free(ft);
}

static void test_retransmission_same_and_different(void **s)
{
	(void)s;
	ft = table(64, 0);
	handshake();
	seg(0, 1001, 5001, TCPF_ACK, "ABCD");
	seg(0, 1001, 5001, TCPF_ACK, "ABCD");
	assert_int_equal(seen.events[STREAM_EV_RETRANSMISSION], 1);
	assert_int_equal(seen.events[STREAM_EV_OVERLAP_DIFFERENT_DATA], 0);
	seg(0, 1001, 5001, TCPF_ACK, "XBCD");
	assert_int_equal(seen.events[STREAM_EV_OVERLAP_DIFFERENT_DATA], 1);
	/* first wins: the application saw ABCD once */
	assert_int_equal(seen.len[0], 4);
	assert_memory_equal(seen.data[0], "ABCD", 4);
	/* a segment starting with old bytes: only the new tail is delivered */
	seg(0, 1003, 5001, TCPF_ACK, "CDEF");
	assert_int_equal(seen.len[0], 6);
	assert_memory_equal(seen.data[0], "ABCDEF", 6);
	flow_table_free(ft);
}

/* With the fingerprint computed ahead by the capture thread, the same
 * verdicts; and it is that fingerprint reassembly keeps. */
static void test_retransmission_presummed(void **s)
{
	presum = true;
	test_retransmission_same_and_different(s);
	ft = table(64, 0);
	handshake();
	presum_lie = 0x5a5a; /* the first copy's fingerprint is wrong... */
	seg(0, 1001, 5001, TCPF_ACK, "ABCD");
	presum_lie = 0;
	seg(0, 1001, 5001, TCPF_ACK, "ABCD"); /* ...so an identical copy differs */
	assert_int_equal(seen.events[STREAM_EV_OVERLAP_DIFFERENT_DATA], 1);
	flow_table_free(ft);
	presum = false;
}

static void test_out_of_order(void **s)
{
	(void)s;
	ft = table(64, 0);
	handshake();
	seg(0, 1005, 5001, TCPF_ACK, "5678");   /* cnt 4: held */
	seg(0, 1009, 5001, TCPF_ACK, "9");      /* cnt 5: held */
	assert_int_equal(seen.len[0], 0);
	seg(0, 1001, 5001, TCPF_ACK, "1234");   /* cnt 6: fills the hole */
	assert_int_equal(seen.len[0], 9);
	assert_memory_equal(seen.data[0], "123456789", 9);
	/* everything was delivered on the packet that completed it */
	for (unsigned i = 0; i < seen.n_deliver; i++)
		assert_int_equal(seen.deliver_pkt[i], 6);
	struct flow_stats st;
	flow_get_stats(ft, &st);
	assert_int_equal(st.ooo_segments, 2);
	assert_int_equal(st.stream_mem_used, 0);
	flow_table_free(ft);
}

static void test_ooo_overlap_first_wins(void **s)
{
	(void)s;
	ft = table(64, 0);
	handshake();
	seg(0, 1005, 5001, TCPF_ACK, "EFGH");
	seg(0, 1007, 5001, TCPF_ACK, "xxIJ");   /* overlaps GH with different bytes */
	assert_int_equal(seen.events[STREAM_EV_OVERLAP_DIFFERENT_DATA], 1);
	seg(0, 1001, 5001, TCPF_ACK, "ABCD");
	assert_int_equal(seen.len[0], 10);
	assert_memory_equal(seen.data[0], "ABCDEFGHIJ", 10);
	flow_table_free(ft);
}

static void test_gap_by_ack(void **s)
{
	(void)s;
	ft = table(64, 0);
	handshake();
	seg(0, 1001, 5001, TCPF_ACK, "AAAA");
	/* 1005..1009 never captured; the server acknowledges it: not yet a
	 * gap (the data may come late) */
	seg(1, 5001, 1009, TCPF_ACK, NULL);
	assert_int_equal(seen.gaps[0], 0);
	/* data beyond the acknowledged hole: now it is lost */
	seg(0, 1009, 5001, TCPF_ACK, "CCCC");
	assert_int_equal(seen.gaps[0], 1);
	assert_int_equal(seen.gap_bytes[0], 4);
	assert_int_equal(seen.len[0], 4 + 1 + 4);
	assert_memory_equal(seen.data[0], "AAAA_CCCC", 9);
	assert_int_equal(seen.events[STREAM_EV_SEQ_GAP], 1);
	flow_table_free(ft);
}

static void test_ack_ahead_late_data(void **s)
{
	(void)s;
	ft = table(64, 0);
	handshake();
	seg(0, 1001, 5001, TCPF_ACK, "AAAA");
	/* acknowledged before the capture shows it, then the data comes */
	seg(1, 5001, 1009, TCPF_ACK, NULL);
	seg(0, 1005, 5001, TCPF_ACK, "BBBB");
	assert_int_equal(seen.gaps[0], 0);
	assert_int_equal(seen.len[0], 8);
	assert_memory_equal(seen.data[0], "AAAABBBB", 8);
	/* two acknowledgements of a hole that stays open: it is lost */
	seg(1, 5001, 1013, TCPF_ACK, NULL);
	assert_int_equal(seen.gaps[0], 0);
	seg(1, 5001, 1013, TCPF_ACK, NULL);
	assert_int_equal(seen.gaps[0], 1);
	assert_int_equal(seen.gap_bytes[0], 4);
	flow_table_free(ft);
}

static void test_gap_by_segment_limit(void **s)
{
	(void)s;
	ft = table(2, 0);
	handshake();
	seg(0, 1005, 5001, TCPF_ACK, "B");
	seg(0, 1006, 5001, TCPF_ACK, "C");
	/* third queued segment exceeds the limit: the hole is given up */
	seg(0, 1007, 5001, TCPF_ACK, "D");
	assert_int_equal(seen.events[STREAM_EV_SEGMENT_LIMIT], 1);
	assert_int_equal(seen.gaps[0], 1);
	assert_memory_equal(seen.data[0], "_BCD", 4);
	flow_table_free(ft);
}

static void test_gap_flushed_at_end(void **s)
{
	(void)s;
	ft = table(64, 0);
	handshake();
	seg(0, 1001, 5001, TCPF_ACK, "AA");
	seg(0, 1010, 5001, TCPF_ACK, "ZZ");
	assert_int_equal(seen.len[0], 2);
	flow_table_free(ft); /* end of input: queued bytes delivered after a gap */
	assert_int_equal(seen.gaps[0], 1);
	assert_memory_equal(seen.data[0], "AA_ZZ", 5);
}

static void test_midstream(void **s)
{
	(void)s;
	ft = table(64, 0);
	/* no handshake: a response seen first, then requests */
	struct flow *f = seg(1, 9000, 7000, TCPF_ACK | TCPF_PUSH, "resp");
	seg(0, 7000, 9004, TCPF_ACK | TCPF_PUSH, "req");
	assert_memory_equal(seen.data[1], "resp", 4);
	assert_memory_equal(seen.data[0], "req", 3);
	assert_true(f->tcp->dir[0].midstream);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
	struct flow_stats st;
	flow_get_stats(ft, &st);
	assert_int_equal(st.midstream, 1);
	flow_table_free(ft);
}

static void test_rst_closes_and_flushes(void **s)
{
	(void)s;
	ft = table(64, 0);
	struct flow *f = handshake();
	seg(0, 1005, 5001, TCPF_ACK, "late");
	seg(1, 5001, 1001, TCPF_RST | TCPF_ACK, NULL);
	assert_int_equal(f->tcp->state, TCPS_CLOSED);
	assert_int_equal(seen.gaps[0], 1);
	assert_memory_equal(seen.data[0], "_late", 5);
	flow_table_free(ft);
}

static void test_stream_memcap(void **s)
{
	(void)s;
	ft = table(1000, 256);
	handshake();
	char big[200];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	seg(0, 2000, 5001, TCPF_ACK, big);
	seg(0, 3000, 5001, TCPF_ACK, big); /* would exceed 256 bytes queued */
	assert_int_equal(seen.events[STREAM_EV_MEMCAP], 1);
	struct flow_stats st;
	flow_get_stats(ft, &st);
	assert_true(st.stream_memcap_hits >= 1);
	assert_true(st.stream_mem_used <= 256);
	flow_table_free(ft);
}

static void test_seq_wraparound(void **s)
{
	(void)s;
	ft = table(64, 0);
	seg(0, 0xfffffffe, 0, TCPF_SYN, NULL);
	seg(1, 5000, 0xffffffff, TCPF_SYN | TCPF_ACK, NULL);
	seg(0, 0xffffffff, 5001, TCPF_ACK, "ab");   /* crosses 2^32 */
	seg(0, 1, 5001, TCPF_ACK, "cd");
	assert_int_equal(seen.len[0], 4);
	assert_memory_equal(seen.data[0], "abcd", 4);
	flow_table_free(ft);
}

/* The reassembly fingerprint of a segment is its bytes' alone: the same
 * whatever lies past its end, and changed by a change to any of its bytes
 * (lengths 0 to 64: the 16-byte steps and every tail length). */
static void test_segment_fingerprint(void **s)
{
	(void)s;
	uint8_t a[80], z[80];
	for (uint32_t len = 0; len <= 64; len++) {
		for (size_t i = 0; i < sizeof(a); i++)
			a[i] = z[i] = (uint8_t)(i * 29 + len);
		memset(a + len, 0x00, sizeof(a) - len);
		memset(z + len, 0xff, sizeof(z) - len);
		uint16_t h = stream_seg_sum(a, len);
		assert_int_equal(h, stream_seg_sum(z, len));
		for (uint32_t k = 0; k < len; k++) {
			a[k] ^= 0x10;
			assert_int_not_equal(h, stream_seg_sum(a, len));
			a[k] ^= 0x10;
		}
		if (len)
			assert_int_not_equal(h, stream_seg_sum(a, len - 1));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_both_directions),
		cmocka_unit_test(test_retransmission_same_and_different),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_retransmission_presummed),
		cmocka_unit_test(test_ooo_overlap_first_wins),
		cmocka_unit_test(test_gap_by_ack), cmocka_unit_test(test_ack_ahead_late_data),
		cmocka_unit_test(test_gap_by_segment_limit),
		cmocka_unit_test(test_gap_flushed_at_end),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_rst_closes_and_flushes),
		cmocka_unit_test(test_stream_memcap),
		cmocka_unit_test(test_seq_wraparound),
		cmocka_unit_test(test_segment_fingerprint),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
