/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow table: symmetric hashing, client/server, timeouts in packet time,
 * memcap eviction, deterministic ids and ordering, Community ID. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "decode/decode.h"
#include "flow/flow.h"
#include "pktbuild.h"

static struct decoder dec;
static struct pb b;

struct ended {
	uint64_t first[64];
	int reason[64];
	int n;
};
static struct ended ended;
/* what an owner gives back when a flow ends (state it took for it) */
static struct flow_table *give_ft;
static int64_t give_back;

static void on_end(void *user, struct flow *f, enum flow_end_reason why, uint64_t now)
{
	(void)user;
	(void)now;
	if (give_ft && give_back)
		flow_mem_adjust(give_ft, -give_back);
	if (ended.n < 64) {
		ended.first[ended.n] = f->first_pcap_cnt;
		ended.reason[ended.n] = why;
		ended.n++;
	}
}

static bool server_port(void *user, uint8_t proto, uint16_t port)
{
	(void)user;
	(void)proto;
	return port == 502;
}

static struct flow_table *table(uint64_t memcap)
{
	struct flow_config c;
	flow_config_defaults(&c);
	if (memcap)
		c.memcap = memcap;
	c.hash_size = 1024;
	struct flow_callbacks cb = { .end = on_end, .server_port = server_port };
	memset(&ended, 0, sizeof(ended));
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

static void tcp4(struct packet *p, const char *src, uint16_t sp, const char *dst, uint16_t dp,
		 uint8_t flags, uint64_t cnt, uint64_t ts)
{
	uint8_t a[4], z[4];
	inet_pton(AF_INET, src, a);
	inet_pton(AF_INET, dst, z);
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&b, a, z, IPPROTO_TCP, 1, 0);
	pb_tcp(&b, sp, dp, 100, 0, flags, NULL, 0);
	pb_ip4_finish(&b, ip);
	pb_packet(&b, p, LINK_ETHERNET, cnt, ts);
	assert_int_equal(decode_packet(&dec, p), DECODE_OK);
}

static void udp4(struct packet *p, const char *src, uint16_t sp, const char *dst, uint16_t dp,
		 uint64_t cnt, uint64_t ts)
{
	uint8_t a[4], z[4];
	inet_pton(AF_INET, src, a);
	inet_pton(AF_INET, dst, z);
	pb_reset(&b);
	pb_eth(&b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&b, a, z, IPPROTO_UDP, 1, 0);
	pb_udp(&b, sp, dp, "x", 1);
	pb_ip4_finish(&b, ip);
	pb_packet(&b, p, LINK_ETHERNET, cnt, ts);
	assert_int_equal(decode_packet(&dec, p), DECODE_OK);
}

static void test_symmetric_hash_and_lookup(void **s)
{
	(void)s;
	struct flow_table *ft = table(0);
	struct packet p, q;
	tcp4(&p, "10.0.0.5", 40000, "10.0.0.10", 502, TCPF_SYN, 1, 1);
	tcp4(&q, "10.0.0.10", 502, "10.0.0.5", 40000, TCPF_SYN | TCPF_ACK, 2, 2);
	assert_int_equal(flow_hash_packet(&p, 42), flow_hash_packet(&q, 42));
	assert_int_not_equal(flow_hash_packet(&p, 42), flow_hash_packet(&p, 43));
	struct flow *f = flow_lookup(ft, &p);
	assert_non_null(f);
	assert_int_equal(p.dir, 0);
	assert_ptr_equal(flow_lookup(ft, &q), f);
	assert_int_equal(q.dir, 1);
	assert_int_equal(f->pkts[0], 1);
	assert_int_equal(f->pkts[1], 1);
	assert_int_equal(f->key.port[1], 502);
	/* a different 5-tuple is a different flow */
	tcp4(&p, "10.0.0.5", 40001, "10.0.0.10", 502, TCPF_SYN, 3, 3);
	assert_ptr_not_equal(flow_lookup(ft, &p), f);
	struct flow_stats st;
	flow_get_stats(ft, &st);
	assert_int_equal(st.created, 2);
	assert_int_equal(st.active, 2);
	flow_table_free(ft);
	assert_int_equal(ended.n, 2);
	assert_int_equal(ended.reason[0], FLOW_END_SHUTDOWN);
}

static void test_client_guess(void **s)
{
	(void)s;
	struct flow_table *ft = table(0);
	struct packet p;
	/* midstream, first packet from the server: the server port decides */
	tcp4(&p, "10.0.0.10", 502, "10.0.0.5", 40000, TCPF_ACK | TCPF_PUSH, 1, 1);
	struct flow *f = flow_lookup(ft, &p);
	assert_int_equal(p.dir, 1);
	assert_int_equal(f->key.port[0], 40000);
	assert_true(f->client_guessed);
	/* a SYN/ACK seen first: its sender is the server */
	tcp4(&p, "10.0.0.11", 7777, "10.0.0.6", 40000, TCPF_SYN | TCPF_ACK, 2, 1);
	f = flow_lookup(ft, &p);
	assert_int_equal(p.dir, 1);
	assert_int_equal(f->key.port[1], 7777);
	/* a SYN: its sender is the client, whatever the ports */
	tcp4(&p, "10.0.0.10", 502, "10.0.0.5", 41000, TCPF_SYN, 3, 1);
	f = flow_lookup(ft, &p);
	assert_int_equal(p.dir, 0);
	assert_int_equal(f->key.port[0], 502);
	flow_table_free(ft);
}

static void test_timeouts_packet_time(void **s)
{
	(void)s;
	struct flow_table *ft = table(0);
	struct packet p;
	udp4(&p, "10.0.0.1", 1000, "10.0.0.2", 20000, 1, 1000000);   /* new UDP: 30 s */
	flow_lookup(ft, &p);
	udp4(&p, "10.0.0.1", 1001, "10.0.0.2", 20000, 2, 2000000);
	flow_lookup(ft, &p);
	udp4(&p, "10.0.0.2", 20000, "10.0.0.1", 1001, 3, 3000000);   /* established: 300 s */
	flow_lookup(ft, &p);
	flow_timeout(ft, 20000000);
	assert_int_equal(ended.n, 0);
	flow_timeout(ft, 31000001);
	assert_int_equal(ended.n, 1);
	assert_int_equal(ended.first[0], 1);
	assert_int_equal(ended.reason[0], FLOW_END_TIMEOUT);
	flow_timeout(ft, 302000000);
	assert_int_equal(ended.n, 1);
	flow_timeout(ft, 303000001);
	assert_int_equal(ended.n, 2);
	assert_int_equal(ended.first[1], 2);
	flow_table_free(ft);
}

static void test_expiry_order_is_first_packet(void **s)
{
	(void)s;
	struct flow_table *ft = table(0);
	struct packet p;
	/* created in one order, last active in another: expiry reports in
	 * order of the first packet */
	for (int i = 0; i < 5; i++) {
		udp4(&p, "10.0.0.1", (uint16_t)(2000 + i), "10.0.0.2", 9, (uint64_t)(10 + i), 1000);
		flow_lookup(ft, &p);
	}
	udp4(&p, "10.0.0.1", 2000, "10.0.0.2", 9, 20, 5000);
	flow_lookup(ft, &p);
	flow_timeout(ft, 100000000);
	assert_int_equal(ended.n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(ended.first[i], 10 + i);
	flow_table_free(ft);
}

static void test_memcap_evicts_oldest(void **s)
{
	(void)s;
	/* room for the bucket array and a handful of flows */
	struct flow_table *ft = table(1024 * sizeof(void *) + 4 * 400);
	struct packet p;
	for (int i = 0; i < 20; i++) {
		udp4(&p, "10.0.0.1", (uint16_t)(3000 + i), "10.0.0.2", 9, (uint64_t)(i + 1),
		     (uint64_t)(i + 1) * 1000);
		assert_non_null(flow_lookup(ft, &p));
	}
	struct flow_stats st;
	flow_get_stats(ft, &st);
	assert_true(st.memcap_evictions > 0);
	assert_true(st.mem_used <= 1024 * sizeof(void *) + 4 * 400);
	assert_int_equal(ended.reason[0], FLOW_END_MEMCAP);
	assert_int_equal(ended.first[0], 1); /* the least recently active went first */
	flow_table_free(ft);
}

/* flow_mem_take: room is made by giving up the least recently active flows
 * other than the one the bytes are for; without eviction the bytes are
 * accounted and the answer says they do not fit. A new flow leaves room
 * for what it takes at once besides (new_flow_extra). */
static void test_mem_take(void **s)
{
	(void)s;
	uint64_t cap = 1024 * sizeof(void *) + 4 * 400;
	struct flow_table *ft = table(cap);
	struct packet p;
	struct flow *fl[4];
	for (int i = 0; i < 4; i++) {
		udp4(&p, "10.0.0.1", (uint16_t)(4000 + i), "10.0.0.2", 9, (uint64_t)(i + 1),
		     (uint64_t)(i + 1) * 1000000);
		fl[i] = flow_lookup(ft, &p);
		assert_non_null(fl[i]);
	}
	struct flow_stats st;
	flow_get_stats(ft, &st);
	assert_int_equal(st.memcap_evictions, 0);
	/* 1000 bytes for the oldest flow (736 are free; a UDP flow is 216):
	 * the next two oldest go, not it */
	assert_true(flow_mem_take(ft, fl[0], 1000, true, 5000000));
	flow_get_stats(ft, &st);
	assert_true(st.memcap_evictions >= 1);
	assert_true(st.mem_used <= cap);
	assert_int_equal(ended.n, 2);
	assert_int_equal(ended.first[0], 2);
	assert_int_equal(ended.first[1], 3);
	for (int i = 0; i < ended.n; i++)
		assert_true(ended.first[i] != 1);
	/* no eviction allowed: accounted, and said not to fit */
	uint64_t used = st.mem_used;
	int n_ended = ended.n;
	assert_false(flow_mem_take(ft, fl[0], cap, false, 5000000));
	flow_get_stats(ft, &st);
	assert_int_equal(st.mem_used, used + cap);
	assert_int_equal(ended.n, n_ended);
	flow_mem_adjust(ft, -(int64_t)cap - 1000);
	flow_table_free(ft);

	/* a new flow makes room for new_flow_extra as well */
	struct flow_config c;
	flow_config_defaults(&c);
	c.memcap = cap;
	c.hash_size = 1024;
	c.new_flow_extra = 700;
	struct flow_callbacks cb = { .end = on_end, .server_port = server_port };
	memset(&ended, 0, sizeof(ended));
	ft = flow_table_new(&c, &cb);
	assert_non_null(ft);
	give_ft = ft;
	give_back = 700;
	for (int i = 0; i < 20; i++) {
		udp4(&p, "10.0.0.1", (uint16_t)(5000 + i), "10.0.0.2", 9, (uint64_t)(i + 1),
		     (uint64_t)(i + 1) * 1000);
		struct flow *f = flow_lookup(ft, &p);
		assert_non_null(f);
		/* what its owner takes at once fits without evicting */
		flow_get_stats(ft, &st);
		uint64_t ev = st.memcap_evictions;
		assert_true(flow_mem_take(ft, f, 700, false, 0));
		flow_get_stats(ft, &st);
		assert_int_equal(st.memcap_evictions, ev);
		assert_true(st.mem_used <= cap);
	}
	flow_get_stats(ft, &st);
	assert_true(st.memcap_evictions > 0);
	flow_table_free(ft);
	give_ft = NULL;
	give_back = 0;
}

static void test_ids_deterministic(void **s)
{
	(void)s;
	uint64_t ids[2];
	for (int run = 0; run < 2; run++) {
		struct flow_table *ft = table(0);
		struct packet p;
		udp4(&p, "10.0.0.1", 5000, "10.0.0.2", 9, 12345, 1);
		ids[run] = flow_lookup(ft, &p)->id;
		flow_table_free(ft);
	}
	assert_int_equal(ids[0], ids[1]);
	assert_true(ids[0] > 0 && ids[0] <= INT64_MAX);
}

static void cid(const char *src, const char *dst, uint8_t proto, uint16_t sp, uint16_t dp,
		const char *want)
{
	struct flow_key k;
	memset(&k, 0, sizeof(k));
	int fam = strchr(src, ':') ? AF_INET6 : AF_INET;
	k.ip_ver = fam == AF_INET6 ? 6 : 4;
	inet_pton(fam, src, k.addr[0].a);
	inet_pton(fam, dst, k.addr[1].a);
	k.proto = proto;
	k.port[0] = sp;
	k.port[1] = dp;
	char out[40];
	community_id_v1(&k, 0, out, sizeof(out));
	assert_string_equal(out, want);
}

static void test_community_id(void **s)
{
	(void)s;
	/* vectors from the Community ID spec's baseline data (seed 0);
	 * ICMP flows are keyed by (request type, request type) or (type, code) */
	cid("fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 135, 135,
	    "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
	cid("3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 3, 0,
	    "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=");
	cid("3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 58, 128, 128,
	    "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=");
	/* the same TCP flow from either side gives the same id (value
	 * checked against tshark's communityid dissector) */
	cid("118.189.96.132", "118.189.96.132", 6, 55480, 502, "1:nYlfNdGXxDyWCiGJZQqv+i52jLg=");
	cid("118.189.96.132", "118.189.96.132", 6, 502, 55480, "1:nYlfNdGXxDyWCiGJZQqv+i52jLg=");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symmetric_hash_and_lookup),
		cmocka_unit_test(test_client_guess),
		cmocka_unit_test(test_timeouts_packet_time),
		cmocka_unit_test(test_expiry_order_is_first_packet),
		cmocka_unit_test(test_memcap_evicts_oldest),
		cmocka_unit_test(test_mem_take),
		cmocka_unit_test(test_ids_deterministic),
		cmocka_unit_test(test_community_id),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
