/* SPDX-License-Identifier: BSD-3-Clause */
/* SPSC byte ring: order, wrap-around, full/empty, and a two-thread stress
 * test that checks every message arrives once, intact and in order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "pipeline/ring.h"

static void test_basic_and_full(void **s)
{
	(void)s;
	struct ring r;
	assert_int_equal(ring_init(&r, 4096), 0);
	size_t len;
	assert_null(ring_peek(&r, &len));
	assert_true(ring_empty(&r));
	/* fill with 100-byte messages until full */
	int n = 0;
	void *m;
	while ((m = ring_reserve(&r, 100))) {
		memset(m, n & 0xff, 100);
		ring_commit(&r, 100);
		n++;
	}
	assert_true(n >= 30 && n <= 40); /* 4096 / (8 + 104) = 36 */
	/* a release reaches the producer in a batch, or at ring_flush */
	const uint8_t *p0 = ring_peek(&r, &len);
	assert_non_null(p0);
	assert_int_equal(p0[0], 0);
	ring_release(&r, len);
	assert_null(ring_reserve(&r, 100));
	ring_flush(&r);
	m = ring_reserve(&r, 100);
	assert_non_null(m);
	memset(m, n & 0xff, 100);
	ring_commit(&r, 100);
	for (int i = 1; i <= n; i++) {
		const uint8_t *p = ring_peek(&r, &len);
		assert_non_null(p);
		assert_int_equal(len, 100);
		assert_int_equal(p[0], i & 0xff);
		assert_int_equal(p[99], i & 0xff);
		ring_release(&r, len);
	}
	assert_null(ring_peek(&r, &len));
	/* too large ever */
	assert_null(ring_reserve(&r, ring_max_msg(&r) + 1));
	assert_non_null(ring_reserve(&r, ring_max_msg(&r)));
	ring_free(&r);
}

/* The producer's view of which side is behind: a ring found full is backed
 * up; once the consumer has caught up, the producer's next look at its
 * position (when the stale view says full) says it no longer is. */
static void test_backed_up(void **s)
{
	(void)s;
	struct ring r;
	assert_int_equal(ring_init(&r, 4096), 0);
	assert_false(ring_backed_up(&r));
	void *m;
	while ((m = ring_reserve(&r, 100)))
		ring_commit(&r, 100);
	assert_true(ring_backed_up(&r)); /* full when it looked */
	size_t len = 0;
	while (ring_peek(&r, &len))
		ring_release(&r, len);
	assert_true(ring_backed_up(&r)); /* has not looked since */
	/* the consumer keeps up: the producer looks again within a ring's
	 * worth of messages and finds it nearly empty */
	for (int i = 0; i < 100 && ring_backed_up(&r); i++) {
		assert_non_null(ring_reserve(&r, 100));
		ring_commit(&r, 100);
		assert_non_null(ring_peek(&r, &len));
		ring_release(&r, len);
		ring_flush(&r);
	}
	assert_false(ring_backed_up(&r));
	ring_free(&r);
}

static void test_wraparound(void **s)
{
	(void)s;
	struct ring r;
	assert_int_equal(ring_init(&r, 4096), 0);
	/* odd sizes so that messages straddle the end many times */
	uint32_t sent = 0, rcvd = 0;
	for (int round = 0; round < 2000; round++) {
		size_t sz = 1 + (size_t)(round * 37) % 700;
		uint8_t *m = ring_reserve(&r, sz);
		if (!m) {
			size_t len = 0;
			const uint8_t *p = ring_peek(&r, &len);
			assert_non_null(p);
			assert_int_equal(p[0], rcvd & 0xff);
			assert_int_equal(p[len - 1], rcvd & 0xff);
			ring_release(&r, len);
			rcvd++;
			round--;
			continue;
		}
		memset(m, sent & 0xff, sz);
		ring_commit(&r, sz);
		sent++;
	}
	size_t len;
	while (ring_peek(&r, &len)) {
		ring_release(&r, len);
		rcvd++;
	}
	assert_int_equal(sent, rcvd);
	assert_true(ring_empty(&r));
	ring_free(&r);
}

#define STRESS_N 2000000u

static void *producer(void *arg)
{
	struct ring *r = arg;
	for (uint32_t i = 0; i < STRESS_N; i++) {
		size_t sz = 4 + (i % 61);
		uint8_t *m;
		while (!(m = ring_reserve(r, sz)))
			sched_yield();
		memcpy(m, &i, 4);
		for (size_t k = 4; k < sz; k++)
			m[k] = (uint8_t)(i + k);
		ring_commit(r, sz);
	}
	return NULL;
}

static void test_stress_two_threads(void **s)
{
	(void)s;
	struct ring r;
	assert_int_equal(ring_init(&r, 8192), 0);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, producer, &r), 0);
	uint32_t expect = 0;
	unsigned bad = 0;
	while (expect < STRESS_N) {
		size_t len;
		const uint8_t *p = ring_peek(&r, &len);
		if (!p) {
			sched_yield();
			continue;
		}
		uint32_t v;
		memcpy(&v, p, 4);
		if (v != expect || len != 4 + (v % 61))
			bad++;
		for (size_t k = 4; k < len; k++)
			if (p[k] != (uint8_t)(v + k))
				bad++;
		ring_release(&r, len);
		expect++;
	}
	pthread_join(th, NULL);
	assert_int_equal(bad, 0);
	/* releases reach the producer in batches: an empty peek hands back
	 * the rest */
	size_t len;
	assert_null(ring_peek(&r, &len));
	assert_true(ring_empty(&r));
	ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_and_full),
		cmocka_unit_test(test_backed_up),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_stress_two_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
