/* SPDX-License-Identifier: BSD-3-Clause */
/* The PDU framing core, with a toy protocol: 0xA5, len:1, body[len]. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>

#include "proto/framing.h"
#include "util/cursor.h"

static struct {
	char pdus[64][32];
	unsigned n;
	unsigned bad_headers;
	unsigned core_events[APP_EV__COUNT];
	unsigned gaps;
} got;

static int toy_probe(const uint8_t *buf, size_t len, uint8_t dir)
{
	(void)dir;
	struct cursor c = cur_make(buf, len);
	int m = cur_peek_u8(&c, 0);
	if (m < 0)
		return APP_PROBE_MORE;
	return m == 0xA5 ? APP_PROBE_YES : APP_PROBE_NO;
}

static int toy_pdu_len(void *st, struct app_ctx *ctx, uint8_t dir, const uint8_t *buf, size_t len,
		       size_t *n)
{
	(void)st;
	(void)dir;
	struct cursor c = cur_make(buf, len);
	int m = cur_peek_u8(&c, 0), l = cur_peek_u8(&c, 1);
	if (m < 0)
		return APP_FRAME_MORE;
	if (m != 0xA5) {
		app_emit_event(ctx, ctx->proto, 0);
		return APP_FRAME_BAD;
	}
	if (l < 0)
		return APP_FRAME_MORE;
	*n = 2 + (size_t)l;
	return APP_FRAME_OK;
}

static int toy_parse(void *st, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	(void)st;
	(void)ctx;
	(void)dir;
	if (got.n < 64) {
		size_t k = len - 2 < 31 ? len - 2 : 31;
		memcpy(got.pdus[got.n], pdu + 2, k);
		got.pdus[got.n][k] = '\0';
		got.n++;
	}
	return 0;
}

static void toy_gap(void *st, uint8_t dir)
{
	(void)st;
	(void)dir;
	got.gaps++;
}

static const char *const toy_events[] = { "toy.bad_header" };

static const struct proto_parser toy = {
	.name = "toy",
	.transport = APP_TCP | APP_UDP,
	.probe = toy_probe,
	.pdu_len = toy_pdu_len,
	.parse_pdu = toy_parse,
	.gap = toy_gap,
	.events = toy_events,
	.n_events = 1,
	.max_pdu = 40,
};

static void on_event(void *user, const struct proto_parser *p, uint16_t ev)
{
	(void)user;
	if (p)
		got.bad_headers++;
	else
		got.core_events[ev]++;
}

static struct app_mem mem;
static struct app_counters cnt;

static void ctx_init(struct app_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	memset(&got, 0, sizeof(got));
	memset(&mem, 0, sizeof(mem));
	memset(&cnt, 0, sizeof(cnt));
	mem.cap = 1 << 20;
	ctx->proto = &toy;
	ctx->on_event = on_event;
	ctx->mem = &mem;
	ctx->cnt = &cnt;
}

static const uint8_t stream[] = { 0xA5, 3, 'o', 'n', 'e', 0xA5, 3, 't', 'w', 'o',
				  0xA5, 5, 't', 'h', 'r', 'e', 'e' };

static void test_many_pdus_one_feed(void **s)
{
	(void)s;
	struct app_ctx ctx;
	ctx_init(&ctx);
	struct app_pdu_buf pb = { 0 };
	app_stream_feed(&ctx, NULL, &pb, 0, stream, sizeof(stream));
	assert_int_equal(got.n, 3);
	assert_string_equal(got.pdus[2], "three");
	assert_null(pb.buf); /* nothing buffered: no allocation */
	app_pdu_buf_free(&ctx, &pb);
}

static void test_every_split(void **s)
{
	(void)s;
	/* feed the stream cut at every pair of positions, including 1-byte
	 * feeds: the PDUs are always the same */
	for (size_t a = 0; a <= sizeof(stream); a++) {
		for (size_t z = a; z <= sizeof(stream); z++) {
			struct app_ctx ctx;
			ctx_init(&ctx);
			struct app_pdu_buf pb = { 0 };
			app_stream_feed(&ctx, NULL, &pb, 0, stream, a);
			app_stream_feed(&ctx, NULL, &pb, 0, stream + a, z - a);
			app_stream_feed(&ctx, NULL, &pb, 0, stream + z, sizeof(stream) - z);
			assert_int_equal(got.n, 3);
			assert_string_equal(got.pdus[0], "one");
			assert_string_equal(got.pdus[1], "two");
			assert_string_equal(got.pdus[2], "three");
			assert_int_equal(got.bad_headers, 0);
			app_pdu_buf_free(&ctx, &pb);
			assert_int_equal(mem.used, 0);
		}
	}
	struct app_ctx ctx;
	ctx_init(&ctx);
	struct app_pdu_buf pb = { 0 };
	for (size_t i = 0; i < sizeof(stream); i++)
		app_stream_feed(&ctx, NULL, &pb, 0, stream + i, 1);
	assert_int_equal(got.n, 3);
	app_pdu_buf_free(&ctx, &pb);
}

static void test_garbage_then_resync(void **s)
{
	(void)s;
	struct app_ctx ctx;
	ctx_init(&ctx);
	struct app_pdu_buf pb = { 0 };
	uint8_t junk[] = { 1, 2, 3, 4, 0xA5, 2, 'o', 'k' };
	app_stream_feed(&ctx, NULL, &pb, 0, junk, sizeof(junk));
	assert_int_equal(got.n, 1);
	assert_string_equal(got.pdus[0], "ok");
	/* one event for the bad header, not one per skipped byte */
	assert_int_equal(got.bad_headers, 1);
	assert_int_equal(cnt.resyncs, 1);
	app_pdu_buf_free(&ctx, &pb);
}

static void test_gap_resyncs_with_probe(void **s)
{
	(void)s;
	struct app_ctx ctx;
	ctx_init(&ctx);
	struct app_pdu_buf pb = { 0 };
	app_stream_feed(&ctx, NULL, &pb, 0, stream, 7); /* "one" + half of "two" */
	app_stream_gap(&ctx, NULL, &pb, 0);
	assert_int_equal(got.gaps, 1);
	assert_int_equal(got.core_events[APP_EV_GAP], 1);
	/* resume mid-PDU: the rest of "two" is skipped, "three" is parsed */
	app_stream_feed(&ctx, NULL, &pb, 0, stream + 8, sizeof(stream) - 8);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.pdus[1], "three");
	app_pdu_buf_free(&ctx, &pb);
}

static void test_oversized_pdu_skipped(void **s)
{
	(void)s;
	struct app_ctx ctx;
	ctx_init(&ctx);
	struct app_pdu_buf pb = { 0 };
	uint8_t big[2 + 60 + 4];
	big[0] = 0xA5;
	big[1] = 60; /* 62 bytes > max_pdu 40 */
	memset(big + 2, 'x', 60);
	big[62] = 0xA5;
	big[63] = 2;
	big[64] = 'h';
	big[65] = 'i';
	app_stream_feed(&ctx, NULL, &pb, 0, big, 30);
	app_stream_feed(&ctx, NULL, &pb, 0, big + 30, sizeof(big) - 30);
	assert_int_equal(got.core_events[APP_EV_PDU_TOO_LARGE], 1);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.pdus[0], "hi");
	assert_true(pb.cap <= 40);
	app_pdu_buf_free(&ctx, &pb);
}

static void test_memcap(void **s)
{
	(void)s;
	struct app_ctx ctx;
	ctx_init(&ctx);
	mem.cap = 30; /* smaller than the first allocation (max_pdu, 40) */
	struct app_pdu_buf pb = { 0 };
	app_stream_feed(&ctx, NULL, &pb, 0, stream, 4);
	assert_int_equal(got.core_events[APP_EV_MEMCAP], 1);
	assert_int_equal(mem.memcap_hits, 1);
	assert_int_equal(mem.used, 0);
	app_pdu_buf_free(&ctx, &pb);
}

static void test_datagram(void **s)
{
	(void)s;
	struct app_ctx ctx;
	ctx_init(&ctx);
	app_datagram(&ctx, NULL, 0, stream, sizeof(stream));
	assert_int_equal(got.n, 3);
	/* a datagram cut inside a PDU: the rest is reported, not carried */
	ctx_init(&ctx);
	app_datagram(&ctx, NULL, 0, stream, 8);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.core_events[APP_EV_TRUNCATED], 1);
	app_datagram(&ctx, NULL, 0, stream + 8, 2);
	assert_int_equal(got.n, 1);
}

static void test_hostile_lengths(void **s)
{
	(void)s;
	static const size_t lens[] = { 0, 1, 2, 3 };
	for (size_t i = 0; i < 4; i++) {
		struct app_ctx ctx;
		ctx_init(&ctx);
		struct app_pdu_buf pb = { 0 };
		app_stream_feed(&ctx, NULL, &pb, 0, stream, lens[i]);
		app_stream_feed(&ctx, NULL, &pb, 0, NULL, 0);
		assert_true(got.n <= 1);
		app_pdu_buf_free(&ctx, &pb);
		app_datagram(&ctx, NULL, 0, stream, lens[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_pdus_one_feed),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_garbage_then_resync),
		cmocka_unit_test(test_gap_resyncs_with_probe),
		cmocka_unit_test(test_oversized_pdu_skipped),
		cmocka_unit_test(test_memcap),
		cmocka_unit_test(test_datagram),
		cmocka_unit_test(test_hostile_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
