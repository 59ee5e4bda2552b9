/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_TESTS_APPTEST_H
#define VIGIL_TESTS_APPTEST_H

/*
 * A harness for parser unit tests: runs a real proto_parser behind the real
 * framing core (app_stream_feed / app_datagram), records every transaction
 * as the JSON its log_tx writes, every event by name, and evaluates
 * registered rule keywords against each transaction while it is alive.
 * Whenever a keyword matches, the harness checks that the tx's function
 * code is in the set the keyword gives the engine's index (functions()):
 * a rule must never be left out of the candidates of a tx it matches.
 * Test-only code.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/framing.h"
#include "util/jb.h"
#include "vigil/detect_kw.h"

#define AT_MAX_TX 64
#define AT_MAX_EV 64
#define AT_MAX_KW 8

struct at_kw {
	const struct app_keyword *kw;
	void *data;
	unsigned matched;      /* txs it matched */
	char buf[256];         /* sticky buffer content of the last tx that had one */
	size_t buf_len;
	bool has_set;          /* functions() constrains the function code */
	uint8_t set[APP_FUNC_BITS / 8];
};

struct at {
	const struct proto_parser *p;
	struct app_ctx ctx;
	void *state;
	struct app_pdu_buf pb[2];
	char *tx[AT_MAX_TX];   /* JSON of each tx */
	int fn[AT_MAX_TX];     /* tx_function of each tx */
	uint8_t dir[AT_MAX_TX];
	bool resp[AT_MAX_TX];
	unsigned n_tx;
	const char *ev[AT_MAX_EV];
	unsigned n_ev;
	struct at_kw kw[AT_MAX_KW];
	unsigned n_kw;
	struct app_counters cnt;
};

static void at_on_tx(void *user, const struct app_tx *tx)
{
	struct at *t = user;
	for (unsigned i = 0; i < t->n_kw; i++) {
		struct at_kw *k = &t->kw[i];
		if (k->kw->match && k->kw->match(k->data, tx)) {
			k->matched++;
			int fn = t->p->tx_function ? t->p->tx_function(tx) : -1;
			if (k->has_set && fn != APP_FUNC_SEVERAL &&
			    (fn < 0 || fn >= APP_FUNC_BITS || !(k->set[fn >> 3] & (1u << (fn & 7)))))
				fail_msg("%s matched a tx with function %d outside its index set",
					 k->kw->name, fn);
		}
		if (k->kw->buffer) {
			size_t len = 0;
			const uint8_t *b = k->kw->buffer(tx, &len);
			if (b) {
				k->buf_len = len < sizeof(k->buf) - 1 ? len : sizeof(k->buf) - 1;
				memcpy(k->buf, b, k->buf_len);
				k->buf[k->buf_len] = 0;
				k->matched++;
			}
		}
	}
	if (t->n_tx >= AT_MAX_TX)
		return;
	struct jb jb;
	jb_init(&jb, 1 << 16);
	jb_open_object(&jb, NULL);
	t->p->log_tx(tx, &jb);
	jb_close(&jb);
	assert_true(jb_ok(&jb));
	t->tx[t->n_tx] = strndup(jb.buf, jb.len);
	t->fn[t->n_tx] = t->p->tx_function ? t->p->tx_function(tx) : -1;
	t->dir[t->n_tx] = tx->dir;
	t->resp[t->n_tx] = tx->is_response;
	t->n_tx++;
	jb_free(&jb);
}

static void at_on_event(void *user, const struct proto_parser *p, uint16_t ev)
{
	struct at *t = user;
	const char *name = p ? (ev < p->n_events ? p->events[ev] : "?")
			     : (ev < APP_EV__COUNT ? app_core_events[ev] : "?");
	if (t->n_ev < AT_MAX_EV)
		t->ev[t->n_ev++] = name;
}

static inline void at_init(struct at *t, const struct proto_parser *p, uint8_t transport,
			   uint16_t client_port, uint16_t server_port)
{
	memset(t, 0, sizeof(*t));
	t->p = p;
	t->ctx.proto = p;
	t->ctx.fi.transport = transport;
	t->ctx.fi.client_port = client_port;
	t->ctx.fi.server_port = server_port;
	t->ctx.user = t;
	t->ctx.on_tx = at_on_tx;
	t->ctx.on_event = at_on_event;
	t->ctx.cnt = &t->cnt;
	t->state = p->state_new(&t->ctx.fi);
	assert_non_null(t->state);
}

static inline void at_fini(struct at *t)
{
	for (unsigned i = 0; i < t->n_tx; i++)
		free(t->tx[i]);
	for (unsigned i = 0; i < t->n_kw; i++)
		if (t->kw[i].kw->free)
			t->kw[i].kw->free(t->kw[i].data);
		else
			free(t->kw[i].data);
	app_pdu_buf_free(&t->ctx, &t->pb[0]);
	app_pdu_buf_free(&t->ctx, &t->pb[1]);
	t->p->state_free(t->state);
}

static inline void at_clear(struct at *t)
{
	for (unsigned i = 0; i < t->n_tx; i++)
		free(t->tx[i]);
	t->n_tx = 0;
	t->n_ev = 0;
	for (unsigned i = 0; i < t->n_kw; i++)
		t->kw[i].matched = 0;
}

/* stream bytes in direction dir (0 to server) */
static inline void at_feed(struct at *t, int dir, const void *data, size_t n)
{
	app_stream_feed(&t->ctx, t->state, &t->pb[dir], (uint8_t)dir, data, n);
}

/* the same bytes one at a time: framing across every boundary */
static inline void at_feed_bytewise(struct at *t, int dir, const void *data, size_t n)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < n; i++)
		at_feed(t, dir, p + i, 1);
}

static inline void at_gap(struct at *t, int dir)
{
	app_stream_gap(&t->ctx, t->state, &t->pb[dir], (uint8_t)dir);
}

static inline void at_datagram(struct at *t, int dir, const void *data, size_t n)
{
	app_datagram(&t->ctx, t->state, (uint8_t)dir, data, n);
}

/* index of a keyword check; fails the test on a setup error */
static inline unsigned at_kw(struct at *t, const char *name, const char *arg)
{
	for (uint16_t i = 0; i < t->p->n_keywords; i++) {
		const struct app_keyword *k = &t->p->keywords[i];
		if (strcmp(k->name, name) != 0)
			continue;
		struct at_kw *c = &t->kw[t->n_kw];
		c->kw = k;
		char err[256] = "";
		if (k->setup && k->setup(arg, &c->data, err, sizeof(err)) != 0)
			fail_msg("%s: %s: setup failed: %s", name, arg ? arg : "", err);
		memset(c->set, 0, sizeof(c->set));
		c->has_set = k->functions && k->functions(c->data, c->set);
		return t->n_kw++;
	}
	fail_msg("no keyword %s", name);
	return 0;
}

/* the setup error text of a keyword with a bad argument */
static inline const char *at_kw_error(const struct proto_parser *p, const char *name, const char *arg)
{
	static char err[256];
	for (uint16_t i = 0; i < p->n_keywords; i++) {
		const struct app_keyword *k = &p->keywords[i];
		if (strcmp(k->name, name) != 0 || !k->setup)
			continue;
		void *d = NULL;
		err[0] = 0;
		if (k->setup(arg, &d, err, sizeof(err)) == 0) {
			if (k->free)
				k->free(d);
			else
				free(d);
			return NULL;
		}
		return err;
	}
	return NULL;
}

static inline unsigned at_count_ev(const struct at *t, const char *name)
{
	unsigned n = 0;
	for (unsigned i = 0; i < t->n_ev; i++)
		if (strcmp(t->ev[i], name) == 0)
			n++;
	return n;
}

/* tx i contains every needle */
#define AT_HAS(t, i, needle)                                                                \
	do {                                                                                \
		assert_true((i) < (t)->n_tx);                                               \
		if (!strstr((t)->tx[i], needle))                                            \
			fail_msg("tx %u lacks %s:\n%s", (unsigned)(i), needle, (t)->tx[i]);  \
	} while (0)
#define AT_LACKS(t, i, needle)                                                              \
	do {                                                                                \
		assert_true((i) < (t)->n_tx);                                               \
		if (strstr((t)->tx[i], needle))                                             \
			fail_msg("tx %u has %s:\n%s", (unsigned)(i), needle, (t)->tx[i]);    \
	} while (0)
#define AT_EVENTS(t, ...)                                                                   \
	do {                                                                                \
		const char *want_[] = { __VA_ARGS__ };                                      \
		size_t nw_ = sizeof(want_) / sizeof(want_[0]);                              \
		if ((t)->n_ev != nw_) {                                                     \
			for (unsigned k_ = 0; k_ < (t)->n_ev; k_++)                         \
				print_message("  event %s\n", (t)->ev[k_]);                  \
			fail_msg("%u events, want %zu", (t)->n_ev, nw_);                    \
		}                                                                           \
		for (size_t k_ = 0; k_ < nw_; k_++)                                         \
			assert_string_equal((t)->ev[k_], want_[k_]);                        \
	} while (0)

/* hex string to bytes; returns the length */
static inline size_t at_hex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = 0;
	int hi = -1;
	for (const char *s = hex; *s; s++) {
		int v;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			assert_true(n < cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_int_equal(hi, -1);
	return n;
}

#endif
