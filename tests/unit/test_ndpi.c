/* SPDX-License-Identifier: BSD-3-Clause */
/* nDPI glue: a flow identified, its state freed once nDPI decides, packets
 * held while a context is made give the same verdicts, the protocol and
 * category names against nDPI's own ndpi_protocol2name, and every byte of
 * per-flow state accounted (headers kept until a TCP flow's first payload,
 * nDPI's state, nDPI's own allocations for a flow). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ndpi_api.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "flow/flow.h"
#include "proto/ndpi.h"
#include "pktbuild.h"

/* Segment k (0-4) of a Modbus/TCP exchange from 10.0.0.1 to 10.0.0.2:502
 * (handshake, request, response), as a frame in b. */
#define MB_SEGMENTS 5
static void modbus_segment(struct pb *b, size_t k, uint16_t ip_id)
{
	static const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 10, 0, 0, 2 };
	static const uint8_t req[] = { 0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 2 };
	static const uint8_t rsp[] = { 0, 1, 0, 0, 0, 7, 1, 3, 4, 0, 10, 0, 20 };
	static const struct {
		bool to_srv;
		uint8_t fl;
		const uint8_t *d;
		size_t n;
		uint32_t seq, ack;
	} seg[MB_SEGMENTS] = {
		{ true, 0x02, NULL, 0, 100, 0 },
		{ false, 0x12, NULL, 0, 500, 101 },
		{ true, 0x10, NULL, 0, 101, 501 },
		{ true, 0x18, req, sizeof(req), 101, 501 },
		{ false, 0x18, rsp, sizeof(rsp), 501, 101 + sizeof(req) },
	};
	pb_reset(b);
	pb_eth(b, 0x0800);
	size_t ip = seg[k].to_srv ? pb_ip4(b, cli, srv, 6, ip_id, 0) : pb_ip4(b, srv, cli, 6, ip_id, 0);
	pb_tcp(b, seg[k].to_srv ? 40000 : 502, seg[k].to_srv ? 502 : 40000, seg[k].seq, seg[k].ack,
	       seg[k].fl, seg[k].d, seg[k].n);
	pb_ip4_finish(b, ip);
}

/* A Modbus/TCP exchange (handshake, request, response): nDPI names it. */
static void test_context_identifies(void **s)
{
	(void)s;
	struct ndpi_ctx *n = ndpi_ctx_new();
	assert_non_null(n);

	struct decoder dec;
	assert_int_equal(decoder_init(&dec, NULL), 0);
	struct flow f;
	memset(&f, 0, sizeof(f));
	struct pb b;
	for (size_t i = 0; i < MB_SEGMENTS; i++) {
		modbus_segment(&b, i, (uint16_t)i);
		struct packet pk;
		pb_packet(&b, &pk, LINK_ETHERNET, i + 1, 1000000u * (i + 1));
		assert_int_equal(decode_packet(&dec, &pk), DECODE_OK);
		ndpi_flow_packet(n, &f, &pk);
	}
	ndpi_flow_end(n, &f);
	assert_null(f.app.ndpi); /* state freed once decided */
	char name[64], cat[64];
	assert_non_null(ndpi_flow_proto_name(n, &f, name, sizeof(name)));
	assert_string_equal(name, "Modbus");
	assert_non_null(ndpi_flow_category_name(n, &f, cat, sizeof(cat)));
	assert_string_equal(cat, "IoT-Scada");
	decoder_fini(&dec);
	ndpi_ctx_free(n);
}

/* Packet i of two interleaved flows: a Modbus/TCP exchange (flow 0, packets
 * 0-4) and UDP datagrams nDPI cannot name (flow 1, the others), decoded. */
static int interleaved(struct decoder *dec, struct pb *b, struct packet *pk, size_t i)
{
	static const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 10, 0, 0, 2 };
	static const uint8_t junk[] = { 0x9e, 0x11, 0x42, 0x07, 0xd0, 0x0d, 0xfe, 0xed };
	int flow = i % 7 == 3 && i / 7 < MB_SEGMENTS ? 0 : 1;
	if (flow == 0) {
		modbus_segment(b, i / 7, (uint16_t)i);
	} else {
		pb_reset(b);
		pb_eth(b, 0x0800);
		size_t ip = pb_ip4(b, cli, srv, 17, (uint16_t)i, 0);
		pb_udp(b, 41000, 5555, junk, sizeof(junk) - i % 3);
		pb_ip4_finish(b, ip);
	}
	pb_packet(b, pk, LINK_ETHERNET, i + 1, 1000000u + 1000u * i);
	assert_int_equal(decode_packet(dec, pk), DECODE_OK);
	return flow;
}

#define N_INTERLEAVED 60

/* Offered as they come, or held and offered once the context is there
 * (made on a thread of its own): nDPI decides the same for both flows. */
static void test_held_packets_same_verdict(void **s)
{
	(void)s;
	struct ndpi_maker *mk = ndpi_maker_start();
	assert_non_null(mk);
	struct ndpi_ctx *direct = ndpi_ctx_new();
	assert_non_null(direct);
	struct decoder dec;
	assert_int_equal(decoder_init(&dec, NULL), 0);
	struct flow a[2], h[2];
	memset(a, 0, sizeof(a));
	memset(h, 0, sizeof(h));
	struct ndpi_backlog bl;
	memset(&bl, 0, sizeof(bl));
	struct pb b;
	for (size_t i = 0; i < N_INTERLEAVED; i++) {
		struct packet pk;
		int fi = interleaved(&dec, &b, &pk, i);
		ndpi_flow_packet(direct, &a[fi], &pk);
		assert_true(ndpi_backlog_add(&bl, &h[fi], &pk));
	}
	/* the Modbus flow's 5 packets, and 24 of the other's 55 (after 24 nDPI
	 * gives its final guess and looks no further) */
	assert_int_equal(h[0].app.ndpi_held, MB_SEGMENTS);
	assert_int_equal(h[1].app.ndpi_held, NDPI_MAX_PKTS);
	assert_int_equal(h[0].app.ndpi_status, NDPI_STATUS_NONE); /* nothing offered yet */
	struct ndpi_ctx *later = ndpi_maker_finish(mk);
	assert_non_null(later);
	ndpi_backlog_drain(&bl, later);
	assert_int_equal(bl.len, 0);
	assert_int_equal(h[0].app.ndpi_held, 0);
	assert_int_equal(h[1].app.ndpi_held, 0);
	for (int fi = 0; fi < 2; fi++) {
		ndpi_flow_end(direct, &a[fi]);
		ndpi_flow_end(later, &h[fi]);
		assert_int_equal(h[fi].app.ndpi_status, a[fi].app.ndpi_status);
		assert_int_equal(h[fi].app.ndpi_proto, a[fi].app.ndpi_proto);
		assert_int_equal(h[fi].app.ndpi_app, a[fi].app.ndpi_app);
		assert_int_equal(h[fi].app.ndpi_category, a[fi].app.ndpi_category);
		assert_null(h[fi].app.ndpi);
	}
	char name[64];
	assert_non_null(ndpi_flow_proto_name(later, &h[0], name, sizeof(name)));
	assert_string_equal(name, "Modbus");
	ndpi_backlog_free(&bl);
	decoder_fini(&dec);
	ndpi_ctx_free(direct);
	ndpi_ctx_free(later);
}

/* The held packets are bounded: past NDPI_BACKLOG_BYTES, add says no (the
 * caller then waits for the context); drained without one, they are
 * dropped and the flows' counts start again. */
static void test_backlog_bounded(void **s)
{
	(void)s;
	struct decoder dec;
	assert_int_equal(decoder_init(&dec, NULL), 0);
	size_t nflows = NDPI_BACKLOG_BYTES / (NDPI_MAX_PKTS * 64) + 1;
	struct flow *fl = calloc(nflows, sizeof(*fl));
	assert_non_null(fl);
	struct ndpi_backlog bl;
	memset(&bl, 0, sizeof(bl));
	struct pb b;
	struct packet pk;
	interleaved(&dec, &b, &pk, 1);
	bool refused = false;
	size_t n = 0;
	for (size_t f = 0; f < nflows && !refused; f++)
		for (int k = 0; k < NDPI_MAX_PKTS && !refused; k++) {
			if (ndpi_backlog_add(&bl, &fl[f], &pk))
				n++;
			else
				refused = true;
		}
	assert_true(refused);
	size_t held = 0;
	for (size_t f = 0; f < nflows; f++)
		held += fl[f].app.ndpi_held;
	assert_int_equal(held, n);
	assert_true(bl.len <= NDPI_BACKLOG_BYTES);
	assert_true(bl.len > NDPI_BACKLOG_BYTES - 64); /* refused only when full */
	ndpi_backlog_drain(&bl, NULL);
	assert_int_equal(bl.len, 0);
	for (size_t f = 0; f < nflows; f++) {
		assert_int_equal(fl[f].app.ndpi_held, 0);
		assert_int_equal(fl[f].app.ndpi_status, NDPI_STATUS_NONE);
	}
	ndpi_backlog_free(&bl);
	free(fl);
	decoder_fini(&dec);
}

/* Two contexts alive at once: each made in an arena of its own (nDPI's
 * lists are megabytes); nDPI's allocations outside the making of a context
 * (a flow's) come from malloc and leave the arenas alone; a context made
 * after both are freed (their arenas unmapped) identifies as before. */
static void test_context_arenas(void **s)
{
	(void)s;
	struct ndpi_ctx *a = ndpi_ctx_new(), *b = ndpi_ctx_new();
	assert_non_null(a);
	assert_non_null(b);
	size_t ua = ndpi_ctx_arena_bytes(a), ub = ndpi_ctx_arena_bytes(b);
	assert_true(ua > (1u << 20));
	assert_int_equal(ua, ub); /* the same allocations, each in its own */
	void *p = ndpi_malloc(1000);
	assert_non_null(p);
	memset(p, 0x5a, 1000);
	assert_int_equal(ndpi_ctx_arena_bytes(a), ua);
	assert_int_equal(ndpi_ctx_arena_bytes(b), ub);
	ndpi_free(p); /* to free(): the leak checker would see it otherwise */
	ndpi_ctx_free(a);
	ndpi_ctx_free(b);
	test_context_identifies(s);
}

/* Our names are nDPI's own (ndpi_protocol2name), for master/app pairs of
 * every kind and buffers from one byte up, truncation included. */
static void test_names_match_ndpi(void **s)
{
	(void)s;
	struct ndpi_ctx *n = ndpi_ctx_new();
	assert_non_null(n);
	struct ndpi_detection_module_struct *mod = ndpi_init_detection_module(ndpi_no_prefs);
	assert_non_null(mod);
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(mod, &all);
	ndpi_finalize_initialization(mod);
	static const uint16_t ids[] = {
		NDPI_PROTOCOL_UNKNOWN, NDPI_PROTOCOL_DNS, NDPI_PROTOCOL_GOOGLE, NDPI_PROTOCOL_MODBUS,
		NDPI_PROTOCOL_NETBIOS, NDPI_PROTOCOL_SMBV1, NDPI_PROTOCOL_TLS, 65000,
	};
	const size_t nid = sizeof(ids) / sizeof(ids[0]);
	int compared = 0;
	for (size_t i = 0; i < nid; i++) {
		for (size_t j = 0; j < nid; j++) {
			struct flow f;
			memset(&f, 0, sizeof(f));
			f.app.ndpi_status = NDPI_STATUS_DETECTED;
			f.app.ndpi_proto = ids[i];
			f.app.ndpi_app = ids[j];
			for (size_t cap = 1; cap <= 40; cap++) {
				char ours[64], theirs[64];
				memset(ours, 'x', sizeof(ours));
				memset(theirs, 'x', sizeof(theirs));
				ndpi_protocol pr = { .master_protocol = ids[i], .app_protocol = ids[j] };
				ndpi_protocol2name(mod, pr, theirs, (u_int)cap);
				assert_non_null(ndpi_flow_proto_name(n, &f, ours, cap));
				assert_memory_equal(ours, theirs, cap);
				compared++;
			}
		}
	}
	assert_int_equal(compared, (int)(nid * nid * 40));
	/* never asked, or still probing: no name */
	struct flow f;
	memset(&f, 0, sizeof(f));
	char buf[8];
	assert_null(ndpi_flow_proto_name(n, &f, buf, sizeof(buf)));
	f.app.ndpi_status = NDPI_STATUS_PROBING;
	assert_null(ndpi_flow_category_name(n, &f, buf, sizeof(buf)));
	/* a category name cut to the buffer */
	f.app.ndpi_status = NDPI_STATUS_DETECTED;
	f.app.ndpi_category = NDPI_PROTOCOL_CATEGORY_IOT_SCADA;
	assert_non_null(ndpi_flow_category_name(n, &f, buf, 4));
	assert_string_equal(buf, "IoT");
	ndpi_exit_detection_module(mod);
	ndpi_ctx_free(n);
}

/* ---- memory: every byte of per-flow state accounted ------------------------ */

struct acct {
	int64_t sum, peak;
	int64_t grew;      /* positive deltas other than whole allocations */
	bool refuse;       /* say that nothing fits */
	const struct flow *last;
};

static bool acct_mem(void *user, const struct flow *f, int64_t delta)
{
	struct acct *a = user;
	a->sum += delta;
	if (a->sum > a->peak)
		a->peak = a->sum;
	a->last = f;
	if (delta > 0 && delta != (int64_t)ndpi_flow_state_size())
		a->grew += delta; /* (in a flow whose first packet carries payload) */
	return !a->refuse || delta <= 0;
}

/* nDPI itself, without our glue, on the same packets: its verdict. */
static ndpi_protocol raw_verdict(struct packet *pk, size_t n)
{
	struct ndpi_detection_module_struct *mod = ndpi_init_detection_module(ndpi_no_prefs);
	assert_non_null(mod);
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(mod, &all);
	ndpi_finalize_initialization(mod);
	struct ndpi_flow_struct *fl = calloc(1, ndpi_detection_get_sizeof_ndpi_flow_struct());
	assert_non_null(fl);
	ndpi_protocol pr = { 0 };
	for (size_t i = 0; i < n; i++) {
		pr = ndpi_detection_process_packet(mod, fl, pk[i].l3, (unsigned short)pk[i].l3_len,
						   pk[i].ts / 1000u);
		if (pr.app_protocol || pr.master_protocol)
			break;
	}
	if (!pr.app_protocol && !pr.master_protocol) {
		uint8_t guessed = 0;
		pr = ndpi_detection_giveup(mod, fl, 1, &guessed);
	}
	ndpi_free_flow_data(fl);
	free(fl);
	ndpi_exit_detection_module(mod);
	return pr;
}

/* The Modbus exchange's segments, decoded into pk[] (frames in fr[]). */
static void modbus_packets(struct decoder *dec, struct pb fr[MB_SEGMENTS],
			   struct packet pk[MB_SEGMENTS])
{
	for (size_t i = 0; i < MB_SEGMENTS; i++) {
		modbus_segment(&fr[i], i, (uint16_t)i);
		pb_packet(&fr[i], &pk[i], LINK_ETHERNET, i + 1, 1000000u * (i + 1));
		assert_int_equal(decode_packet(dec, &pk[i]), DECODE_OK);
	}
}

/* Until its first payload a TCP flow keeps its handshake's headers (some
 * 100 bytes a segment, accounted), not nDPI's 700-byte state; the state is
 * made, accounted and freed once nDPI decides; nDPI decides as it does on
 * the same packets without our glue; the accounting comes back to zero. */
static void test_memory_accounted(void **s)
{
	(void)s;
	struct ndpi_ctx *n = ndpi_ctx_new();
	assert_non_null(n);
	struct acct a = { 0 };
	ndpi_ctx_set_mem(n, acct_mem, &a);
	struct decoder dec;
	assert_int_equal(decoder_init(&dec, NULL), 0);
	struct pb fr[MB_SEGMENTS];
	struct packet pk[MB_SEGMENTS];
	modbus_packets(&dec, fr, pk);
	struct flow f;
	memset(&f, 0, sizeof(f));
	int64_t before = 0;
	for (size_t i = 0; i < 3; i++) { /* SYN, SYN-ACK, ACK */
		ndpi_flow_packet(n, &f, &pk[i]);
		assert_int_equal(f.app.ndpi_status, NDPI_STATUS_WAITING);
		assert_true(a.sum > before + (int64_t)pk[i].l3_len - 1);
		before = a.sum;
		assert_ptr_equal(a.last, &f);
	}
	assert_true(a.sum < 250);
	assert_true(a.peak < (int64_t)ndpi_flow_state_size());
	ndpi_flow_packet(n, &f, &pk[3]); /* the request: nDPI decides */
	assert_int_equal(f.app.ndpi_status, NDPI_STATUS_DETECTED);
	assert_null(f.app.ndpi);
	assert_int_equal(a.sum, 0);
	assert_true(a.peak >= (int64_t)ndpi_flow_state_size());
	ndpi_protocol raw = raw_verdict(pk, MB_SEGMENTS);
	assert_int_equal(f.app.ndpi_proto, raw.master_protocol);
	assert_int_equal(f.app.ndpi_app, raw.app_protocol);
	assert_int_equal(raw.app_protocol, NDPI_PROTOCOL_MODBUS);

	/* a SYN and nothing else: headers kept; at the end nDPI guesses from
	 * them as it would have from its own state */
	struct flow g;
	memset(&g, 0, sizeof(g));
	ndpi_flow_packet(n, &g, &pk[0]);
	assert_int_equal(g.app.ndpi_status, NDPI_STATUS_WAITING);
	assert_true(a.sum > 0 && a.sum < 150);
	ndpi_flow_end(n, &g);
	assert_int_equal(a.sum, 0);
	assert_null(g.app.ndpi);
	raw = raw_verdict(pk, 1);
	assert_int_equal(g.app.ndpi_status, NDPI_STATUS_GUESSED);
	assert_int_equal(g.app.ndpi_proto, raw.master_protocol);
	assert_int_equal(g.app.ndpi_app, raw.app_protocol);
	assert_int_equal(raw.app_protocol, NDPI_PROTOCOL_MODBUS); /* by its port */

	/* more segments without payload than are kept: nDPI's state is made
	 * and they are replayed into it in order */
	struct flow h;
	memset(&h, 0, sizeof(h));
	for (int k = 0; k < 6; k++)
		ndpi_flow_packet(n, &h, &pk[k % 3]);
	assert_int_equal(h.app.ndpi_status, NDPI_STATUS_PROBING);
	assert_int_equal(h.app.ndpi_pkts, 6);
	assert_true(a.sum >= (int64_t)ndpi_flow_state_size());
	ndpi_flow_end(n, &h);
	assert_int_equal(a.sum, 0);

	/* no room for the state: nDPI gives the flow up, nothing is held */
	struct flow r;
	memset(&r, 0, sizeof(r));
	a.refuse = true;
	ndpi_flow_packet(n, &r, &pk[3]);
	assert_int_equal(r.app.ndpi_status, NDPI_STATUS_UNKNOWN);
	assert_null(r.app.ndpi);
	assert_int_equal(a.sum, 0);
	ndpi_flow_packet(n, &r, &pk[4]); /* and it stays given up */
	assert_int_equal(a.sum, 0);
	ndpi_flow_end(n, &r);
	assert_int_equal(r.app.ndpi_status, NDPI_STATUS_UNKNOWN);
	/* nor room for headers: the state is refused as well */
	struct flow q;
	memset(&q, 0, sizeof(q));
	ndpi_flow_packet(n, &q, &pk[0]);
	assert_int_equal(q.app.ndpi_status, NDPI_STATUS_UNKNOWN);
	assert_int_equal(a.sum, 0);
	decoder_fini(&dec);
	ndpi_ctx_free(n);
}

/* What nDPI allocates for a flow while it looks at it (here the URL and
 * headers of an HTTP request) is counted too, and given back with the
 * state. */
static void test_memory_ndpi_allocations(void **s)
{
	(void)s;
	struct ndpi_ctx *n = ndpi_ctx_new();
	assert_non_null(n);
	struct acct a = { 0 };
	ndpi_ctx_set_mem(n, acct_mem, &a);
	struct decoder dec;
	assert_int_equal(decoder_init(&dec, NULL), 0);
	static const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 10, 0, 0, 2 };
	static const char req[] = "GET /scada/trend?point=analog_input_17&range=3600 HTTP/1.1\r\n"
				  "Host: historian.plant.example\r\n"
				  "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Engineering/7.2\r\n"
				  "Accept: */*\r\n\r\n";
	struct pb b;
	pb_reset(&b);
	pb_eth(&b, 0x0800);
	size_t ip = pb_ip4(&b, cli, srv, 6, 1, 0);
	pb_tcp(&b, 40000, 80, 1000, 2000, 0x18, req, sizeof(req) - 1);
	pb_ip4_finish(&b, ip);
	struct packet pk;
	pb_packet(&b, &pk, LINK_ETHERNET, 1, 1000000);
	assert_int_equal(decode_packet(&dec, &pk), DECODE_OK);
	struct flow f;
	memset(&f, 0, sizeof(f));
	ndpi_flow_packet(n, &f, &pk);
	assert_true(f.app.ndpi_status >= NDPI_STATUS_PROBING);
	ndpi_flow_end(n, &f);
	assert_true(a.grew > 0);
	assert_true(a.peak > (int64_t)ndpi_flow_state_size());
	assert_int_equal(a.sum, 0);
	decoder_fini(&dec);
	ndpi_ctx_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_context_identifies),
		cmocka_unit_test(test_held_packets_same_verdict),
		cmocka_unit_test(test_backlog_bounded),
		cmocka_unit_test(test_names_match_ndpi),
		cmocka_unit_test(test_context_arenas),
		cmocka_unit_test(test_memory_accounted),
		cmocka_unit_test(test_memory_ndpi_allocations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
