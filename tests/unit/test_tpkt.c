/* SPDX-License-Identifier: BSD-3-Clause */
/* ISO transport over TCP shared by S7comm and MMS (sensor/proto/tpkt.c):
 * TPKT framing (RFC 1006 6), COTP headers (ISO 8073 13), TSDU reassembly
 * over DT TPDUs with its bound and its memcap accounting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "proto/framing.h"
#include "proto/tpkt.h"

static uint8_t b[256];

static size_t hex(uint8_t *out, const char *h)
{
	size_t n = 0;
	int hi = -1;
	for (; *h; h++) {
		int v = *h >= '0' && *h <= '9' ? *h - '0' : *h >= 'a' && *h <= 'f' ? *h - 'a' + 10 : -1;
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

static void test_frame(void **s)
{
	(void)s;
	size_t n = 0;
	size_t k = hex(b, "03 00 0016 11e0");
	assert_int_equal(tpkt_frame(b, k, &n), TPKT_FRAME_OK);
	assert_int_equal(n, 0x16);
	assert_int_equal(tpkt_frame(b, 3, &n), TPKT_FRAME_MORE);
	assert_int_equal(tpkt_frame(b, 0, &n), TPKT_FRAME_MORE);
	k = hex(b, "04 00 0016");
	assert_int_equal(tpkt_frame(b, k, &n), TPKT_FRAME_NOT);
	assert_int_equal(tpkt_frame(b, 1, &n), TPKT_FRAME_NOT);
	/* reserved byte, and lengths below a header and the shortest TPDU */
	static const char *const bad[] = { "03 01 0016", "03 00 0006", "03 00 0000", "03 00 0003" };
	for (size_t i = 0; i < 4; i++) {
		k = hex(b, bad[i]);
		assert_int_equal(tpkt_frame(b, k, &n), TPKT_FRAME_BAD);
	}
	k = hex(b, "03 00 0007");
	assert_int_equal(tpkt_frame(b, k, &n), TPKT_FRAME_OK);
	assert_int_equal(n, 7);
	k = hex(b, "03 00 ffff");
	assert_int_equal(tpkt_frame(b, k, &n), TPKT_FRAME_OK);
	assert_int_equal(n, 0xffff);
}

static void test_cotp(void **s)
{
	(void)s;
	struct cotp h;
	/* CR (13.3): dst-ref 0, src-ref 0x0006, class 0, TPDU size 2^10,
	 * calling TSAP 0001, called TSAP 0002 */
	size_t k = hex(b, "030000 16 11 e0 0000 0006 00 c0010a c1020001 c2020002");
	assert_int_equal(cotp_parse(b, k, &h), 0);
	assert_int_equal(h.code, COTP_CR);
	assert_string_equal(cotp_code_name(h.code), "CR");
	assert_int_equal(h.src_ref, 6);
	assert_int_equal(h.tpdu_size, 10);
	assert_int_equal(h.calling_tsap_len, 2);
	assert_memory_equal(h.calling_tsap, "\x00\x01", 2);
	assert_memory_equal(h.called_tsap, "\x00\x02", 2);
	assert_false(h.bad_header);
	assert_int_equal(h.data_len, 0);
	/* a parameter longer than the header */
	k = hex(b, "030000 0d 08 e0 0000 0006 00 c109 0001");
	assert_int_equal(cotp_parse(b, k, &h), 0);
	assert_true(h.bad_header);
	/* a CR whose fixed part is cut short */
	k = hex(b, "030000 09 04 e0 0000 00");
	assert_int_equal(cotp_parse(b, k, &h), 0);
	assert_true(h.bad_header);
	/* DT (13.7), class 0: EOT and number; the user data follows */
	k = hex(b, "030000 09 02 f0 85 0102");
	assert_int_equal(cotp_parse(b, k, &h), 0);
	assert_int_equal(h.code, COTP_DT);
	assert_true(h.eot);
	assert_int_equal(h.nr, 5);
	assert_int_equal(h.data_len, 2);
	assert_memory_equal(h.data, "\x01\x02", 2);
	/* ER (13.12): dst-ref, cause */
	k = hex(b, "030000 0b 06 70 0001 03 c102f080");
	assert_int_equal(cotp_parse(b, k, &h), 0);
	assert_int_equal(h.code, COTP_ER);
	assert_int_equal(h.class_opt, 3);
	/* failures: LI 0, LI past the TPKT, an unknown code, a DT without EOT/NR */
	k = hex(b, "030000 07 00 f0 80");
	assert_int_equal(cotp_parse(b, k, &h), COTP_ERR_LI);
	k = hex(b, "030000 07 03 f0 80");
	assert_int_equal(cotp_parse(b, k, &h), COTP_ERR_LI);
	k = hex(b, "030000 07 02 30 80");
	assert_int_equal(cotp_parse(b, k, &h), COTP_ERR_CODE);
	assert_null(cotp_code_name(0x40));
	k = hex(b, "030000 07 01 f0 80");
	assert_int_equal(cotp_parse(b, k, &h), COTP_ERR_SHORT);
	/* shorter than a TPKT header */
	assert_int_equal(cotp_parse(b, 3, &h), COTP_ERR_LI);
}

static void test_reasm(void **s)
{
	(void)s;
	struct app_mem mem = { 0, 1 << 20, 0 };
	struct app_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.mem = &mem;
	struct tpkt_reasm r;
	memset(&r, 0, sizeof(r));
	const uint8_t *t = NULL;
	size_t n = 0;
	/* a whole TSDU: the segment itself, nothing copied or allocated */
	assert_int_equal(tpkt_reasm_add(&r, &ctx, true, (const uint8_t *)"abc", 3, 100, &t, &n),
			 TPKT_TSDU_READY);
	assert_int_equal(n, 3);
	assert_memory_equal(t, "abc", 3);
	assert_null(r.buf);
	/* three segments */
	assert_int_equal(tpkt_reasm_add(&r, &ctx, false, (const uint8_t *)"ab", 2, 100, &t, &n), 0);
	assert_int_equal(mem.used, r.cap); /* charged to the memcap */
	assert_true(mem.used > 0);
	assert_int_equal(tpkt_reasm_add(&r, &ctx, false, (const uint8_t *)"cd", 2, 100, &t, &n), 0);
	assert_int_equal(tpkt_reasm_add(&r, &ctx, true, (const uint8_t *)"ef", 2, 100, &t, &n),
			 TPKT_TSDU_READY);
	assert_int_equal(n, 6);
	assert_memory_equal(t, "abcdef", 6);
	assert_int_equal(r.segments, 3);
	/* over the limit: the head kept, crossed once, cut when complete */
	assert_int_equal(tpkt_reasm_add(&r, &ctx, false, (const uint8_t *)"0123456789", 10, 8, &t, &n),
			 TPKT_TSDU_CROSSED);
	assert_int_equal(tpkt_reasm_add(&r, &ctx, false, (const uint8_t *)"xy", 2, 8, &t, &n), 0);
	assert_int_equal(tpkt_reasm_add(&r, &ctx, true, (const uint8_t *)"z", 1, 8, &t, &n),
			 TPKT_TSDU_READY | TPKT_TSDU_CUT);
	assert_int_equal(n, 8);
	assert_memory_equal(t, "01234567", 8);
	/* the limit crossed by the EOT segment itself */
	assert_int_equal(tpkt_reasm_add(&r, &ctx, false, (const uint8_t *)"0123", 4, 6, &t, &n), 0);
	assert_int_equal(tpkt_reasm_add(&r, &ctx, true, (const uint8_t *)"4567", 4, 6, &t, &n),
			 TPKT_TSDU_READY | TPKT_TSDU_CUT | TPKT_TSDU_CROSSED);
	assert_int_equal(n, 6);
	/* a gap forgets the TSDU: the next EOT segment is a TSDU of its own */
	assert_int_equal(tpkt_reasm_add(&r, &ctx, false, (const uint8_t *)"old", 3, 100, &t, &n), 0);
	tpkt_reasm_reset(&r);
	assert_int_equal(tpkt_reasm_add(&r, &ctx, true, (const uint8_t *)"new", 3, 100, &t, &n),
			 TPKT_TSDU_READY);
	assert_memory_equal(t, "new", 3);
	/* a TSDU larger than TPKT_REASM_KEEP: its buffer is given back when
	 * the next TPDU comes */
	static uint8_t big[3 * TPKT_REASM_KEEP];
	memset(big, 0x5a, sizeof(big));
	assert_int_equal(tpkt_reasm_add(&r, &ctx, false, big, sizeof(big) / 2, sizeof(big), &t, &n), 0);
	assert_int_equal(tpkt_reasm_add(&r, &ctx, true, big, sizeof(big) / 2, sizeof(big), &t, &n),
			 TPKT_TSDU_READY);
	assert_int_equal(n, sizeof(big));
	assert_true(mem.used > TPKT_REASM_KEEP);
	assert_int_equal(tpkt_reasm_add(&r, &ctx, true, (const uint8_t *)"x", 1, 100, &t, &n),
			 TPKT_TSDU_READY);
	assert_int_equal(mem.used, 0);
	assert_null(r.buf);
	tpkt_reasm_free(&r);
	assert_int_equal(mem.used, 0);
	assert_null(r.buf);
	tpkt_reasm_free(&r); /* twice: harmless */
	tpkt_reasm_free(NULL);
}

static int n_memcap;
static void on_event(void *user, const struct proto_parser *p, uint16_t ev)
{
	(void)user;
	if (!p && ev == APP_EV_MEMCAP)
		n_memcap++;
}

static void test_reasm_memcap(void **s)
{
	(void)s;
	/* a memcap already reached: the segment is dropped, counted, and the
	 * rest of its TSDU with it */
	struct app_mem mem = { 1000, 1000, 0 };
	struct app_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.mem = &mem;
	ctx.on_event = on_event;
	struct tpkt_reasm r;
	memset(&r, 0, sizeof(r));
	const uint8_t *t = NULL;
	size_t n = 0;
	n_memcap = 0;
	assert_int_equal(tpkt_reasm_add(&r, &ctx, false, (const uint8_t *)"ab", 2, 100, &t, &n),
			 TPKT_TSDU_NOMEM);
	assert_int_equal(mem.memcap_hits, 1);
	assert_int_equal(n_memcap, 1);
	assert_int_equal(tpkt_reasm_add(&r, &ctx, false, (const uint8_t *)"cd", 2, 100, &t, &n), 0);
	assert_int_equal(tpkt_reasm_add(&r, &ctx, true, (const uint8_t *)"ef", 2, 100, &t, &n),
			 TPKT_TSDU_READY | TPKT_TSDU_CUT);
	assert_int_equal(n, 0);
	assert_int_equal(mem.used, 1000);
	tpkt_reasm_free(&r);
	assert_int_equal(mem.used, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_cotp),
		cmocka_unit_test(test_reasm),
		cmocka_unit_test(test_reasm_memcap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
