/* SPDX-License-Identifier: BSD-3-Clause */
/* The learned baseline (sensor/anomaly/baseline*.c): range sets, learning,
 * the exact merge of workers' tables (in any order), the file (learn ->
 * write -> read -> write gives the same bytes; every kind of bad file is an
 * error naming where), every kind of deviation with what was expected and
 * seen, the per-flow and output-stage rate limits, the polling periods
 * within and between connections, and the facts of the parsers from real
 * PDU bytes. */
#include "apptest.h"

#include "anomaly/baseline.h"
#include "anomaly/baseline_model.h"
#include "proto/registry.h"
#include "vigil/proto/enip.h"
#include "vigil/proto/modbus.h"

extern const struct proto_parser proto_modbus, proto_dnp3, proto_iec104, proto_s7comm,
	proto_enip, proto_goose;

/* ---- helpers --------------------------------------------------------------------- */

static struct bl_config cfg(void)
{
	struct bl_config c;
	bl_config_defaults(&c);
	return c;
}

/* a TCP flow client 10.0.0.c -> server 10.0.0.s:502 */
static void mkflow(struct flow *f, unsigned c, unsigned s, uint64_t id)
{
	memset(f, 0, sizeof(*f));
	f->key.ip_ver = 4;
	f->key.proto = 6;
	f->key.addr[0].a[0] = 10;
	f->key.addr[0].a[3] = (uint8_t)c;
	f->key.addr[1].a[0] = 10;
	f->key.addr[1].a[3] = (uint8_t)s;
	f->key.port[0] = (uint16_t)(40000 + id);
	f->key.port[1] = 502;
	f->id = id;
	f->first_pcap_cnt = id * 1000;
}

static void mkpkt(struct packet *p, uint64_t ts_us, uint64_t cnt)
{
	memset(p, 0, sizeof(*p));
	p->ts = ts_us;
	p->pcap_cnt = cnt;
	p->ip_ver = 4;
}

/* Modbus txs, as the parser makes them */
static uint8_t regs[256];

static struct app_tx mb_read_req(struct modbus_tx *tx, uint8_t unit, uint8_t fc, uint16_t addr,
				 uint16_t qty)
{
	memset(tx, 0, sizeof(*tx));
	tx->has_req = true;
	tx->req.unit = unit;
	tx->req.fc = fc;
	tx->req.has_read = true;
	tx->req.read_addr = addr;
	tx->req.read_qty = qty;
	return (struct app_tx){ &proto_modbus, APP_TOSERVER, false, tx };
}

/* the response to a read of qty registers at addr, every register = v */
static struct app_tx mb_read_resp(struct modbus_tx *tx, uint8_t unit, uint16_t addr, uint16_t qty,
				  uint16_t v)
{
	memset(tx, 0, sizeof(*tx));
	tx->has_req = tx->has_resp = true;
	tx->req.unit = tx->resp.unit = unit;
	tx->req.fc = tx->resp.fc = 3;
	tx->req.has_read = true;
	tx->req.read_addr = addr;
	tx->req.read_qty = qty;
	for (unsigned i = 0; i < qty; i++) {
		regs[2 * i] = (uint8_t)(v >> 8);
		regs[2 * i + 1] = (uint8_t)v;
	}
	tx->resp.data = regs;
	tx->resp.data_len = (uint16_t)(qty * 2);
	return (struct app_tx){ &proto_modbus, APP_TOCLIENT, true, tx };
}

static struct app_tx mb_write1(struct modbus_tx *tx, uint8_t unit, uint16_t addr, uint16_t v)
{
	memset(tx, 0, sizeof(*tx));
	tx->has_req = true;
	tx->req.unit = unit;
	tx->req.fc = 6;
	tx->req.has_write = true;
	tx->req.write_addr = addr;
	tx->req.write_qty = 1;
	tx->req.value = v;
	return (struct app_tx){ &proto_modbus, APP_TOSERVER, false, tx };
}

/* A device identification response (43/14): vendor and product code. */
static struct app_tx mb_devid(struct modbus_tx *tx, const char *vendor, const char *product)
{
	memset(tx, 0, sizeof(*tx));
	tx->has_req = tx->has_resp = true;
	tx->req.fc = tx->resp.fc = 43;
	tx->req.unit = tx->resp.unit = 1;
	tx->resp.mei = 14;
	tx->resp.n_devid = 2;
	tx->resp.devid[0].id = 0;
	tx->resp.devid[0].val = (const uint8_t *)vendor;
	tx->resp.devid[0].len = (uint8_t)strlen(vendor);
	tx->resp.devid[1].id = 1;
	tx->resp.devid[1].val = (const uint8_t *)product;
	tx->resp.devid[1].len = (uint8_t)strlen(product);
	return (struct app_tx){ &proto_modbus, APP_TOCLIENT, true, tx };
}

/* alerts a detecting worker raised */
#define MAX_ALERTS 64
struct seen {
	unsigned n;
	uint32_t sid[MAX_ALERTS];
	uint64_t dedup[MAX_ALERTS];
	uint64_t tie[MAX_ALERTS];
	char *json[MAX_ALERTS];
	unsigned n_ev;
	struct bl_event ev[MAX_ALERTS];
};

static void on_alert(void *user, const struct bl_alert_view *v)
{
	struct seen *s = user;
	if (s->n >= MAX_ALERTS)
		return;
	struct jb jb;
	jb_init(&jb, 1 << 16);
	jb_open_object(&jb, NULL);
	bl_alert_json(v->a, &jb);
	jb_close(&jb);
	assert_true(jb_ok(&jb));
	s->sid[s->n] = v->sid;
	s->dedup[s->n] = v->dedup;
	s->tie[s->n] = v->tie;
	s->json[s->n++] = strndup(jb.buf, jb.len);
	jb_free(&jb);
}

static void on_event(void *user, const struct bl_event *ev)
{
	struct seen *s = user;
	if (s->n_ev < MAX_ALERTS)
		s->ev[s->n_ev++] = *ev;
}

static void seen_clear(struct seen *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->json[i]);
	memset(s, 0, sizeof(*s));
}

static unsigned count_sid(const struct seen *s, uint32_t sid)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->n; i++)
		n += s->sid[i] == sid;
	return n;
}

static const char *json_of(const struct seen *s, uint32_t sid)
{
	for (unsigned i = 0; i < s->n; i++)
		if (s->sid[i] == sid)
			return s->json[i];
	fail_msg("no alert with sid %u", sid);
	return NULL;
}

#define HAS(s, needle)                                                        \
	do {                                                                  \
		if (!strstr((s), (needle)))                                   \
			fail_msg("lacks %s:\n%s", (needle), (s));             \
	} while (0)

static char *model_text(const struct bl_model *m)
{
	char *t = NULL;
	assert_true(bl_model_text(m, &t) > 0);
	return t;
}

/* Plant traffic into worker w: client 10.0.0.2 polls server 10.0.0.100
 * (unit 1) with RdHoldRegs 0-9 every 100 ms for n polls in flow f, the
 * registers reporting 100..100+n-1; one write of 50 to register 5 on the
 * tenth poll; the device identifies itself once. */
static void plant(struct bl_worker *w, struct flow *f, uint64_t t0, unsigned n, unsigned vbase)
{
	struct modbus_tx tx;
	struct packet p;
	for (unsigned i = 0; i < n; i++) {
		uint64_t ts = t0 + (uint64_t)i * 100000u;
		mkpkt(&p, ts, f->first_pcap_cnt + i * 2);
		struct app_tx t = mb_read_req(&tx, 1, 3, 0, 10);
		bl_tx(w, &p, f, &t);
		mkpkt(&p, ts + 1000, f->first_pcap_cnt + i * 2 + 1);
		t = mb_read_resp(&tx, 1, 0, 10, (uint16_t)(vbase + i));
		bl_tx(w, &p, f, &t);
		if (i == 9) {
			t = mb_write1(&tx, 1, 5, 50);
			bl_tx(w, &p, f, &t);
		}
		if (i == 0) {
			t = mb_devid(&tx, "Acme", "PLC-1");
			bl_tx(w, &p, f, &t);
		}
	}
}

/* learns the plant (one worker) and returns the finished model */
static struct bl_model *learn_plant(const struct bl_config *c)
{
	struct bl_learner *l = bl_learner_new(c);
	assert_non_null(l);
	bl_learner_next_run(l);
	struct bl_worker *w = bl_worker_new(c, NULL, l, 0, NULL, NULL, NULL);
	assert_non_null(w);
	struct flow f;
	mkflow(&f, 2, 100, 1);
	plant(w, &f, 1000000000000ull, 40, 100);
	bl_flow_end(w, &f);
	bl_worker_free(w);
	struct bl_model *m = bl_learner_model(l, NULL);
	assert_non_null(m);
	bl_learner_free(l);
	return m;
}

/* ---- range sets ------------------------------------------------------------------- */

static void test_rangeset(void **s)
{
	(void)s;
	struct bl_rangeset rs = { 0 };
	assert_int_equal(bl_rs_add(&rs, 10, 19, 0), 0);
	assert_int_equal(bl_rs_add(&rs, 30, 39, 0), 0);
	assert_int_equal(rs.n, 2);
	assert_true(bl_rs_has(&rs, 10, 19));
	assert_true(bl_rs_has(&rs, 12, 15));
	assert_false(bl_rs_has(&rs, 15, 25));
	assert_false(bl_rs_has(&rs, 9, 9));
	assert_false(bl_rs_has(&rs, 20, 20));
	/* adjacent ranges join: [10,19] [20,29] [30,39] are one */
	assert_int_equal(bl_rs_add(&rs, 20, 29, 0), 0);
	assert_int_equal(rs.n, 1);
	assert_true(bl_rs_has(&rs, 10, 39));
	/* reversed bounds, the ends of the space */
	assert_int_equal(bl_rs_add(&rs, 5, 0, 0), 0);
	assert_int_equal(bl_rs_add(&rs, UINT32_MAX, UINT32_MAX, 0), 0);
	assert_true(bl_rs_has(&rs, 0, 5));
	assert_true(bl_rs_has(&rs, UINT32_MAX, UINT32_MAX));
	assert_false(bl_rs_has(&rs, 6, 9));
	assert_int_equal(rs.n, 3);
	/* over a cap: the two closest merge ([0,5] and [10,39], gap 4) */
	assert_int_equal(bl_rs_add(&rs, 1000, 1000, 3), 1);
	assert_int_equal(rs.n, 3);
	assert_true(bl_rs_has(&rs, 0, 39));
	assert_true(bl_rs_has(&rs, 1000, 1000));
	/* an overlap swallowing several */
	assert_int_equal(bl_rs_add(&rs, 2, 2000, 0), 0);
	assert_int_equal(rs.n, 2);
	assert_true(bl_rs_has(&rs, 0, 2000));
	bl_rs_free(&rs);
	/* many single addresses, in two orders: the same set */
	struct bl_rangeset a = { 0 }, b = { 0 };
	for (uint32_t i = 0; i < 200; i++) {
		bl_rs_add(&a, i * 3 % 200, i * 3 % 200, 0);
		bl_rs_add(&b, 199 - i, 199 - i, 0);
	}
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_int_equal(a.r[0].lo, 0);
	assert_int_equal(a.r[0].hi, 199);
	bl_rs_free(&a);
	bl_rs_free(&b);
}

static void test_canon(void **s)
{
	(void)s;
	char out[BL_STR_MAX];
	assert_int_equal(bl_canon(out, (const uint8_t *)"ns=2;s=Pump1", 12), 12);
	assert_string_equal(out, "ns=2;s=Pump1");
	const uint8_t raw[] = { 'a', 0, '\\', 0xc3, 0xa9, '\n' };
	bl_canon(out, raw, sizeof(raw));
	assert_string_equal(out, "a\\x00\\x5c\\xc3\\xa9\\x0a");
	/* long input: cut, never past the buffer, never half an escape */
	uint8_t big[1000];
	memset(big, 0xff, sizeof(big));
	size_t n = bl_canon(out, big, sizeof(big));
	assert_true(n < BL_STR_MAX);
	assert_int_equal(n % 4, 0);
	struct bl_host h;
	assert_int_equal(bl_host_parse("10.0.0.1", &h), 0);
	assert_int_equal(h.kind, BL_HOST_V4);
	assert_int_equal(bl_host_parse("fd00::1", &h), 0);
	assert_int_equal(h.kind, BL_HOST_V6);
	assert_int_equal(bl_host_parse("01:0c:cd:01:00:01", &h), 0);
	assert_int_equal(h.kind, BL_HOST_MAC);
	bl_host_format(&h, out, sizeof(out));
	assert_string_equal(out, "01:0c:cd:01:00:01");
	assert_int_equal(bl_host_parse("10.0.0", &h), -1);
	assert_int_equal(bl_host_parse("01:0c:cd:01:00:01:02", &h), -1);
	assert_int_equal(bl_host_parse("", &h), -1);
}

/* ---- learning, merging, the file ------------------------------------------------------ */

static void test_learn(void **s)
{
	(void)s;
	struct bl_config c = cfg();
	struct bl_model *m = learn_plant(&c);
	assert_int_equal(bl_model_conversations(m), 1);
	const struct bl_conv *cv = m->convs[0];
	assert_int_equal(app_parsers[cv->proto], &proto_modbus);
	assert_int_equal(cv->txs, 40 * 2 + 2);
	assert_true(bl_rs_has(&cv->units, 1, 1));
	const struct bl_func *fn = bl_conv_find_func(cv, 3);
	assert_non_null(fn);
	assert_string_equal(fn->name, "RdHoldRegs");
	assert_int_equal(fn->fclass, APP_FCLASS_READ);
	assert_int_equal(fn->count[APP_ROLE_REQUEST], 40);
	assert_int_equal(fn->count[APP_ROLE_RESPONSE], 40);
	/* 39 intervals of exactly 100 ms */
	assert_int_equal(fn->per.n, 39);
	assert_int_equal(fn->per.mean, 100000);
	assert_int_equal(fn->per.sd, 0);
	const struct bl_space *sp = bl_func_find_space(fn, 4, 0);
	assert_non_null(sp);
	assert_string_equal(sp->name, "holding_register");
	assert_int_equal(sp->rs.n, 1);
	assert_int_equal(sp->rs.r[0].lo, 0);
	assert_int_equal(sp->rs.r[0].hi, 9);
	const struct bl_value *v = bl_conv_find_value(cv, 4, 0, 5);
	assert_non_null(v);
	assert_true(v->has_r && v->has_w);
	assert_true(v->rlo == 100 && v->rhi == 139);
	assert_true(v->wlo == 50 && v->whi == 50);
	assert_non_null(bl_conv_find_func(cv, 6));
	const struct bl_ident *id = bl_model_find_ident(m, &cv->server, cv->proto);
	assert_non_null(id);
	assert_int_equal(id->n, 2);
	assert_string_equal(id->at[0].key, "product_code");
	assert_string_equal(id->at[0].v[0], "PLC-1");
	assert_string_equal(id->at[1].key, "vendor_name");
	bl_model_free(m);
}

/* The same traffic learned by 1 worker, or split over 3 workers in two
 * different ways: the same model, byte for byte. */
static char *learn_split(int workers, int order)
{
	struct bl_config c = cfg();
	struct bl_learner *l = bl_learner_new(&c);
	bl_learner_next_run(l);
	struct bl_worker *w[3];
	for (int i = 0; i < workers; i++)
		w[i] = bl_worker_new(&c, NULL, l, i, NULL, NULL, NULL);
	/* six connections of two conversations (one master reconnecting) */
	struct flow f[6];
	for (int k = 0; k < 6; k++) {
		mkflow(&f[k], 2 + (k & 1), 100, (uint64_t)k + 1);
		int wi = order ? (5 - k) % workers : k % workers;
		plant(w[wi], &f[k], 1000000000000ull + (uint64_t)k * 10000000u, 12 + (unsigned)k,
		      (unsigned)k * 7);
		bl_flow_end(w[wi], &f[k]);
	}
	for (int i = 0; i < workers; i++)
		bl_worker_free(w[i]);
	struct bl_model *m = bl_learner_model(l, NULL);
	char *t = model_text(m);
	bl_model_free(m);
	bl_learner_free(l);
	return t;
}

static void test_merge_exact(void **s)
{
	(void)s;
	char *one = learn_split(1, 0);
	char *three = learn_split(3, 0);
	char *other = learn_split(3, 1);
	char *two = learn_split(2, 1);
	assert_string_equal(one, three);
	assert_string_equal(one, other);
	assert_string_equal(one, two);
	/* the connections' starts: five gaps of 10 s per conversation */
	HAS(one, "\"connection_period\": {\"samples\": 2, \"mean_ms\": 20000.000, \"sd_ms\": 0.000");
	free(one);
	free(three);
	free(other);
	free(two);
}

static void test_round_trip(void **s)
{
	(void)s;
	struct bl_config c = cfg();
	struct bl_model *m = learn_plant(&c);
	char *t1 = model_text(m);
	char err[512] = "";
	struct bl_model *m2 = bl_load_mem("rt.json", t1, strlen(t1), &c, err, sizeof(err));
	if (!m2)
		fail_msg("%s", err);
	char *t2 = model_text(m2);
	assert_string_equal(t1, t2);
	/* and once more from the reloaded model */
	struct bl_model *m3 = bl_load_mem("rt.json", t2, strlen(t2), &c, err, sizeof(err));
	assert_non_null(m3);
	char *t3 = model_text(m3);
	assert_string_equal(t2, t3);
	HAS(t1, "\"format\": \"vigil-baseline\"");
	HAS(t1, "\"addresses\": [\n            {\"space\": \"holding_register\", \"space_id\": 4, \"ranges\": [[0, 9]]}");
	HAS(t1, "{\"space\": \"holding_register\", \"space_id\": 4, \"address\": 5, \"written\": [50, 50], \"reported\": [100, 139]}");
	HAS(t1, "\"attributes\": {\"product_code\": [\"PLC-1\"], \"vendor_name\": [\"Acme\"]}");
	free(t1);
	free(t2);
	free(t3);
	bl_model_free(m);
	bl_model_free(m2);
	bl_model_free(m3);
}

/* what an engineer may write: ranges unsorted and overlapping, values as
 * reals, names with escapes: read, normalised, written the same again */
static void test_edited_file(void **s)
{
	(void)s;
	struct bl_config c = cfg();
	static const char text[] =
		"{\"format\": \"vigil-baseline\", \"version\": 1,\n"
		" \"learned\": {\"first\": \"2026-01-01T00:00:00.000000+0000\",\n"
		"             \"last\": \"2026-01-02T00:00:00.500000+0000\", \"transactions\": 10},\n"
		" \"conversations\": [\n"
		"  {\"client\": \"10.0.0.3\", \"server\": \"10.0.0.100\", \"protocol\": \"modbus\",\n"
		"   \"first\": \"2026-01-01T00:00:00.000000+0000\", \"last\": \"2026-01-01T00:00:00.000000+0000\",\n"
		"   \"transactions\": 1,\n"
		"   \"functions\": [{\"code\": 16, \"class\": \"write\", \"requests\": 1, \"responses\": 0, \"reports\": 0,\n"
		"     \"addresses\": [{\"space\": \"holding_register\", \"space_id\": 4,\n"
		"                     \"ranges\": [[20, 29], [0, 9], [5, 12], [13, 13]]}],\n"
		"     \"names\": [{\"space\": \"tag\", \"space_id\": 5, \"values\": [\"b\", \"a\\\\x00\"]}]},\n"
		"    {\"code\": 3, \"class\": \"read\", \"requests\": 1, \"responses\": 1, \"reports\": 0,\n"
		"     \"period\": {\"samples\": 3, \"mean_ms\": 1000.5, \"sd_ms\": 0, \"min_ms\": 1000, \"max_ms\": 1001}}],\n"
		"   \"values\": [{\"space\": \"holding_register\", \"space_id\": 4, \"address\": 7, \"written\": [-1.5, 2e3]}]},\n"
		"  {\"client\": \"10.0.0.2\", \"server\": \"10.0.0.100\", \"protocol\": \"dnp3\",\n"
		"   \"first\": \"2026-01-01T00:00:00.000000+0000\", \"last\": \"2026-01-01T00:00:00.000000+0000\",\n"
		"   \"transactions\": 1, \"functions\": []}]}\n";
	char err[512] = "";
	struct bl_model *m = bl_load_mem("edited.json", text, strlen(text), &c, err, sizeof(err));
	if (!m)
		fail_msg("%s", err);
	char *t = model_text(m);
	/* sorted by client: 10.0.0.2 first; functions by code; ranges merged */
	assert_true(strstr(t, "10.0.0.2") < strstr(t, "10.0.0.3"));
	assert_true(strstr(t, "\"code\": 3") < strstr(t, "\"code\": 16"));
	HAS(t, "\"ranges\": [[0, 13], [20, 29]]");
	HAS(t, "\"values\": [\"a\\\\x00\", \"b\"]");
	HAS(t, "\"written\": [-1.5, 2000]");
	HAS(t, "\"mean_ms\": 1000.500");
	HAS(t, "\"identities\": []");
	struct bl_model *m2 = bl_load_mem("again.json", t, strlen(t), &c, err, sizeof(err));
	assert_non_null(m2);
	char *t2 = model_text(m2);
	assert_string_equal(t, t2);
	free(t);
	free(t2);
	bl_model_free(m);
	bl_model_free(m2);
}

/* every bad file: refused, with where and why */
static void test_bad_files(void **s)
{
	(void)s;
	struct bl_config c = cfg();
	c.max_functions = 2;
	static const char head[] =
		"{\"format\": \"vigil-baseline\", \"version\": 1, \"learned\": {\"first\": "
		"\"2026-01-01T00:00:00.000000+0000\", \"last\": \"2026-01-01T00:00:00.000000+0000\", "
		"\"transactions\": 0}, \"conversations\": [";
	static const char conv[] =
		"{\"client\": \"10.0.0.2\", \"server\": \"10.0.0.9\", \"protocol\": \"modbus\", \"first\": "
		"\"2026-01-01T00:00:00.000000+0000\", \"last\": \"2026-01-01T00:00:00.000000+0000\", "
		"\"transactions\": 0, ";
	static const struct {
		const char *body;   /* after head (and conv where %s) */
		const char *want;   /* in the message */
	} cases[] = {
		{ "", "bad.json:1:" },  /* cut short: syntax, line:column */
		{ "]} trailing", "bad.json:1:" },
		{ "]}", NULL },         /* fine */
		{ "], \"extra\": 1}", "unknown key \"extra\"" },
		{ "%s\"functions\": [], \"colour\": 1}]}", "conversations[0]: unknown key \"colour\"" },
		{ "%s\"functions\": [{\"code\": 3, \"class\": \"read\", \"requests\": 1, \"responses\": 1, "
		  "\"reports\": 0, \"addresses\": [{\"space\": \"x\", \"space_id\": 4, \"ranges\": [[9, 1]]}]}]}]}",
		  "conversations[0].functions[0].addresses[0].ranges[0]: expected [lo, hi]" },
		{ "%s\"functions\": [{\"code\": 3, \"class\": \"read\", \"requests\": 1, \"responses\": 1, "
		  "\"reports\": 0, \"addresses\": [{\"space\": \"x\", \"space_id\": 4, \"ranges\": [[0, 4294967296]]}]}]}]}",
		  "ranges[0]: expected [lo, hi]" },
		{ "%s\"functions\": [{\"code\": 3, \"class\": \"reading\", \"requests\": 1, \"responses\": 1, "
		  "\"reports\": 0}]}]}", "\"class\": \"reading\" is not one of" },
		{ "%s\"functions\": [{\"code\": 3, \"class\": \"read\", \"requests\": -1, \"responses\": 1, "
		  "\"reports\": 0}]}]}", "\"requests\": expected an integer" },
		{ "%s\"functions\": [{\"code\": 3, \"class\": \"read\", \"requests\": 1, \"responses\": 1, "
		  "\"reports\": 0}, {\"code\": 3, \"class\": \"read\", \"requests\": 1, \"responses\": 1, "
		  "\"reports\": 0}]}]}", "function 3 twice" },
		{ "%s\"functions\": [{\"code\": 1, \"class\": \"read\", \"requests\": 1, \"responses\": 1, "
		  "\"reports\": 0}, {\"code\": 2, \"class\": \"read\", \"requests\": 1, \"responses\": 1, "
		  "\"reports\": 0}, {\"code\": 3, \"class\": \"read\", \"requests\": 1, \"responses\": 1, "
		  "\"reports\": 0}]}]}", "baseline.max-functions (2)" },
		{ "%s\"functions\": [], \"values\": [{\"space\": \"x\", \"space_id\": 1, \"address\": 1}]}]}",
		  "needs \"written\" or \"reported\"" },
		{ "%s\"functions\": [], \"values\": [{\"space\": \"x\", \"space_id\": 1, \"address\": 1, "
		  "\"written\": [3, 1]}]}]}", "values[0].written: expected [lo, hi] with lo <= hi" },
		{ "%s\"functions\": [{\"code\": 3, \"class\": \"read\", \"requests\": 1, \"responses\": 1, "
		  "\"reports\": 0, \"names\": [{\"space\": \"n\", \"space_id\": 1, \"values\": [\"caf\\u00e9\"]}]}]}]}",
		  "printable ASCII only" },
		{ "{\"client\": \"10.0.0.999\", \"server\": \"10.0.0.9\", \"protocol\": \"modbus\"}]}",
		  "\"client\": \"10.0.0.999\" is not an IPv4" },
		{ "{\"client\": \"10.0.0.2\", \"server\": \"10.0.0.9\", \"protocol\": \"profibus\"}]}",
		  "unknown protocol \"profibus\"" },
		{ "{\"client\": \"10.0.0.2\", \"server\": \"10.0.0.9\", \"protocol\": \"modbus\", \"first\": "
		  "\"yesterday\"}]}", "\"first\": expected a time" },
		{ "%s\"functions\": []}, %s\"functions\": []}]}", "conversations[1]: the conversation is there twice" },
		{ "%s\"functions\": [{\"code\": 3, \"class\": \"read\", \"requests\": 1, \"responses\": 1, "
		  "\"reports\": 0, \"period\": {\"samples\": 2, \"mean_ms\": -5, \"sd_ms\": 0, \"min_ms\": 0, "
		  "\"max_ms\": 0}}]}]}", "period: \"mean_ms\": expected milliseconds" },
		{ "%s\"functions\": \"none\"}]}", "\"functions\": expected a list" },
		{ "%s\"functions\": [7]}]}", "functions[0]: expected an object" },
	};
	char body[4096], text[8192], err[512];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), cases[i].body, conv, conv);
		snprintf(text, sizeof(text), "%s%s", head, body);
		err[0] = 0;
		struct bl_model *m = bl_load_mem("bad.json", text, strlen(text), &c, err, sizeof(err));
		if (!cases[i].want) {
			if (!m)
				fail_msg("case %zu: %s", i, err);
			bl_model_free(m);
			continue;
		}
		if (m)
			fail_msg("case %zu accepted:\n%s", i, text);
		if (!strstr(err, cases[i].want) || strncmp(err, "bad.json:", 9) != 0)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].want);
	}
	/* not JSON, not an object, another format, another version */
	static const char *const others[][2] = {
		{ "", "bad.json:1:" },
		{ "\x01\x02", "bad.json:1:" },
		{ "[]", "expected a JSON object" },
		{ "{\"format\": \"suricata\", \"version\": 1}", "\"format\": expected \"vigil-baseline\"" },
		{ "{\"format\": \"vigil-baseline\", \"version\": 2}", "version 2: this vigil reads version 1" },
		{ "{\"format\": \"vigil-baseline\", \"format\": \"x\"}", "bad.json:1:" }, /* duplicate key */
		{ "{\"format\": \"vigil-baseline\",\n \"version\": 1,\n \"learned\": {\"first\": 1,}}", "bad.json:3:" },
	};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		err[0] = 0;
		struct bl_model *m = bl_load_mem("bad.json", others[i][0], strlen(others[i][0]), &c, err,
						  sizeof(err));
		assert_null(m);
		if (!strstr(err, others[i][1]))
			fail_msg("other %zu: \"%s\" lacks \"%s\"", i, err, others[i][1]);
	}
	/* deep nesting: refused by the parser, not a crash */
	size_t depth = 100000;
	char *deep = malloc(depth * 2 + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[depth * 2] = 0;
	assert_null(bl_load_mem("deep.json", deep, depth * 2, &c, err, sizeof(err)));
	assert_true(strncmp(err, "deep.json:", 10) == 0);
	free(deep);
	/* a file over max-file-size */
	c.max_file_bytes = 64;
	assert_null(bl_load_mem("big.json", text, strlen(text), &c, err, sizeof(err)));
	HAS(err, "more than baseline.max-file-size");
	/* missing file */
	c = cfg();
	assert_null(bl_load("/nonexistent/baseline.json", &c, err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/baseline.json: No such file or directory");
}

/* ---- detection -------------------------------------------------------------------------- */

struct det {
	struct bl_config c;
	struct bl_model *m;
	struct bl_worker *w;
	struct seen seen;
};

static void det_start(struct det *d)
{
	d->c = cfg();
	d->m = learn_plant(&d->c);
	d->c.reported_interval_us = 0; /* every response's values (see test_value_interval) */
	memset(&d->seen, 0, sizeof(d->seen));
	d->w = bl_worker_new(&d->c, d->m, NULL, 0, on_alert, on_event, &d->seen);
	assert_non_null(d->w);
}

static void det_end(struct det *d)
{
	bl_worker_free(d->w);
	bl_model_free(d->m);
	seen_clear(&d->seen);
}

static void test_detect_nothing_new(void **s)
{
	(void)s;
	struct det d;
	det_start(&d);
	/* the plant as learned, at another time, values within the tolerance */
	struct flow f;
	mkflow(&f, 2, 100, 7);
	plant(d.w, &f, 2000000000000ull, 40, 100);
	assert_int_equal(d.seen.n, 0);
	struct bl_worker_stats st;
	bl_worker_stats_get(d.w, &st);
	assert_int_equal(st.transactions, 40 * 2 + 2);
	assert_int_equal(st.alerts, 0);
	bl_tick(d.w, 2000000000000ull + 39 * 100000u + 150000u); /* within the period */
	assert_int_equal(d.seen.n, 0);
	bl_flow_end(d.w, &f);
	det_end(&d);
}

static void test_detect_conversations(void **s)
{
	(void)s;
	struct det d;
	det_start(&d);
	struct modbus_tx tx;
	struct packet p;
	mkpkt(&p, 3000000000000ull, 1);
	struct app_tx t = mb_read_req(&tx, 1, 3, 0, 10);
	struct flow f;
	/* 10.0.0.66 -> 10.0.0.100: a new talker */
	mkflow(&f, 66, 100, 1);
	bl_tx(d.w, &p, &f, &t);
	bl_tx(d.w, &p, &f, &t); /* the same flow: said once */
	assert_int_equal(d.seen.n, 1);
	assert_int_equal(d.seen.sid[0], BL_SID_BASE + BL_NEW_TALKER);
	HAS(d.seen.json[0], "\"category\":\"baseline\"");
	HAS(d.seen.json[0], "\"kind\":\"new_talker\"");
	HAS(d.seen.json[0], "\"conversation\":{\"client\":\"10.0.0.66\",\"server\":\"10.0.0.100\",\"protocol\":\"modbus\"}");
	HAS(d.seen.json[0], "\"expected\":{\"clients_of_server\":[\"10.0.0.2\"]}");
	bl_flow_end(d.w, &f);
	/* 10.0.0.2 -> 10.0.0.77: a new server */
	mkflow(&f, 2, 77, 2);
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_NEW_SERVER), 1);
	HAS(json_of(&d.seen, BL_SID_BASE + BL_NEW_SERVER), "\"servers_of_client\":[\"10.0.0.100\"]");
	bl_flow_end(d.w, &f);
	/* both new: two alerts */
	mkflow(&f, 66, 77, 3);
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_NEW_TALKER), 2);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_NEW_SERVER), 2);
	bl_flow_end(d.w, &f);
	/* the known pair with another protocol */
	mkflow(&f, 2, 100, 4);
	struct enip_tx etx;
	memset(&etx, 0, sizeof(etx));
	etx.command = 0x63;
	struct app_tx et = { &proto_enip, APP_TOSERVER, false, &etx };
	bl_tx(d.w, &p, &f, &et);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_NEW_PROTOCOL), 1);
	HAS(json_of(&d.seen, BL_SID_BASE + BL_NEW_PROTOCOL), "\"expected\":{\"protocols\":[\"modbus\"]}");
	bl_flow_end(d.w, &f);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_NEW_CONVERSATION), 0);
	struct bl_worker_stats st;
	bl_worker_stats_get(d.w, &st);
	assert_int_equal(st.unknown_conversation_txs, 5);
	assert_int_equal(st.repeats_in_flow, 0);
	det_end(&d);
}

static void test_detect_new_conversation(void **s)
{
	(void)s;
	/* two conversations learned: .2 -> .100 and .3 -> .101; then .2 -> .101 */
	struct bl_config c = cfg();
	struct bl_learner *l = bl_learner_new(&c);
	struct bl_worker *lw = bl_worker_new(&c, NULL, l, 0, NULL, NULL, NULL);
	struct flow f;
	mkflow(&f, 2, 100, 1);
	plant(lw, &f, 1000000000000ull, 3, 0);
	bl_flow_end(lw, &f);
	mkflow(&f, 3, 101, 2);
	plant(lw, &f, 1000000000000ull, 3, 0);
	bl_flow_end(lw, &f);
	bl_worker_free(lw);
	struct bl_model *m = bl_learner_model(l, NULL);
	bl_learner_free(l);
	struct seen seen = { 0 };
	struct bl_worker *w = bl_worker_new(&c, m, NULL, 0, on_alert, on_event, &seen);
	struct modbus_tx tx;
	struct packet p;
	mkpkt(&p, 5, 5);
	struct app_tx t = mb_read_req(&tx, 1, 3, 0, 10);
	mkflow(&f, 2, 101, 3);
	bl_tx(w, &p, &f, &t);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.sid[0], BL_SID_BASE + BL_NEW_CONVERSATION);
	HAS(seen.json[0], "\"servers_of_client\":[\"10.0.0.100\"],\"clients_of_server\":[\"10.0.0.3\"]");
	bl_flow_end(w, &f);
	bl_worker_free(w);
	bl_model_free(m);
	seen_clear(&seen);
}

static void test_detect_function_address_unit_value(void **s)
{
	(void)s;
	struct det d;
	det_start(&d);
	struct modbus_tx tx;
	struct packet p;
	struct flow f;
	mkflow(&f, 2, 100, 9);
	mkpkt(&p, 3000000000000ull, 100);
	/* a function never used on the conversation: WrMultCoils (15) */
	struct app_tx t = mb_read_req(&tx, 1, 15, 0, 8);
	tx.req.has_read = false;
	tx.req.has_write = true;
	tx.req.write_addr = 0;
	tx.req.write_qty = 8;
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(d.seen.n, 1);
	const char *j = json_of(&d.seen, BL_SID_BASE + BL_NEW_FUNCTION);
	HAS(j, "\"severity\":1"); /* a write */
	HAS(j, "\"function\":{\"code\":15,\"name\":\"WrMultCoils\",\"class\":\"write\"}");
	HAS(j, "\"expected\":{\"functions\":[3,6,43],\"names\":[\"RdHoldRegs\",\"WrSingleReg\",\"MEI\"]}");
	/* a learned function, registers beyond the learned ones */
	t = mb_read_req(&tx, 1, 3, 5, 10);
	bl_tx(d.w, &p, &f, &t);
	j = json_of(&d.seen, BL_SID_BASE + BL_ADDRESS);
	HAS(j, "\"space\":{\"name\":\"holding_register\",\"id\":4}");
	HAS(j, "\"seen\":[5,14]");
	HAS(j, "\"expected\":{\"ranges\":[[0,9]]}");
	/* another unit behind the same address */
	t = mb_read_req(&tx, 7, 3, 0, 10);
	bl_tx(d.w, &p, &f, &t);
	j = json_of(&d.seen, BL_SID_BASE + BL_UNIT);
	HAS(j, "\"unit_name\":\"unit_id\",\"seen\":7,\"expected\":{\"ranges\":[[1,1]]}");
	/* written values: 50 learned; 54 is within 10 % of ... a span of 0:
	 * nothing allowed but 50 exactly (margin 0) */
	t = mb_write1(&tx, 1, 5, 50);
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_VALUE_WRITTEN), 0);
	t = mb_write1(&tx, 1, 5, 51);
	bl_tx(d.w, &p, &f, &t);
	j = json_of(&d.seen, BL_SID_BASE + BL_VALUE_WRITTEN);
	HAS(j, "\"address\":5,\"seen\":51,\"expected\":{\"range\":[50,50],\"allowed\":[50,50]}");
	HAS(j, "\"severity\":1");
	/* reported values: learned 100..139, 50 % of the span allowed around */
	t = mb_read_resp(&tx, 1, 0, 10, 158);
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_VALUE_REPORTED), 0);
	t = mb_read_resp(&tx, 1, 0, 10, 160);
	bl_tx(d.w, &p, &f, &t);
	/* registers 0..9 each out: one alert per address (different things) */
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_VALUE_REPORTED), 10);
	j = json_of(&d.seen, BL_SID_BASE + BL_VALUE_REPORTED);
	HAS(j, "\"address\":0,\"seen\":160,\"expected\":{\"range\":[100,139],\"allowed\":[80.5,158.5]}");
	HAS(j, "\"severity\":3");
	/* the last one again: the flow remembers it */
	unsigned before = d.seen.n;
	t = mb_read_resp(&tx, 1, 9, 1, 160);
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(d.seen.n, before);
	struct bl_worker_stats st;
	bl_worker_stats_get(d.w, &st);
	assert_int_equal(st.repeats_in_flow, 1);
	/* all ten again: the flow remembers the last 8 things it reported, in
	 * the order it reported them, so most go out again; the output stage,
	 * which remembers them all, holds them back */
	t = mb_read_resp(&tx, 1, 0, 10, 160);
	bl_tx(d.w, &p, &f, &t);
	bl_worker_stats_get(d.w, &st);
	assert_int_equal(st.repeats_in_flow - 1 + (d.seen.n - before), 10);
	assert_int_equal(st.deviations[BL_VALUE_REPORTED], 21);
	struct bl_dedup *dd = bl_dedup_new(&d.c);
	for (unsigned i = 0; i < before; i++)
		assert_true(bl_dedup_pass(dd, d.seen.dedup[i], 1));
	for (unsigned i = before; i < d.seen.n; i++)
		assert_false(bl_dedup_pass(dd, d.seen.dedup[i], 2));
	bl_dedup_free(dd);
	bl_flow_end(d.w, &f);
	det_end(&d);
}

/* reported values: checked once per reported-value-interval per flow and
 * function; written values every time */
static void test_value_interval(void **s)
{
	(void)s;
	struct det d;
	det_start(&d);
	bl_worker_free(d.w);
	d.c.reported_interval_us = 1000000;
	d.w = bl_worker_new(&d.c, d.m, NULL, 0, on_alert, on_event, &d.seen);
	struct modbus_tx tx;
	struct packet p;
	struct flow f;
	mkflow(&f, 2, 100, 41);
	uint64_t t0 = 3000000000000ull;
	mkpkt(&p, t0, 1);
	struct app_tx t = mb_read_resp(&tx, 1, 0, 10, 120); /* within: checked, fine */
	bl_tx(d.w, &p, &f, &t);
	mkpkt(&p, t0 + 500000, 2);
	t = mb_read_resp(&tx, 1, 0, 10, 999); /* out, but 0.5 s later: not checked */
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_VALUE_REPORTED), 0);
	mkpkt(&p, t0 + 1000000, 3);
	bl_tx(d.w, &p, &f, &t); /* a second later: checked */
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_VALUE_REPORTED), 10);
	t = mb_write1(&tx, 1, 5, 51); /* written: always */
	bl_tx(d.w, &p, &f, &t);
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_VALUE_WRITTEN), 1); /* then remembered */
	struct bl_worker_stats st;
	bl_worker_stats_get(d.w, &st);
	assert_int_equal(st.value_checks_skipped, 1);
	assert_int_equal(st.deviations[BL_VALUE_WRITTEN], 2);
	bl_flow_end(d.w, &f);
	det_end(&d);
}

static void test_detect_identity_and_name(void **s)
{
	(void)s;
	struct det d;
	det_start(&d);
	struct modbus_tx tx;
	struct packet p;
	struct flow f;
	mkflow(&f, 2, 100, 11);
	mkpkt(&p, 3000000000000ull, 100);
	struct app_tx t = mb_devid(&tx, "Acme", "PLC-1");
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(d.seen.n, 0);
	t = mb_devid(&tx, "Acme", "PLC-2");
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(d.seen.n, 1);
	const char *j = json_of(&d.seen, BL_SID_BASE + BL_IDENTITY);
	HAS(j, "\"host\":\"10.0.0.100\",\"attribute\":\"product_code\",\"seen\":\"PLC-2\",\"expected\":{\"values\":[\"PLC-1\"]}");
	bl_flow_end(d.w, &f);
	det_end(&d);

	/* names: CIP tags learned on a conversation; another tag */
	struct bl_config c = cfg();
	struct bl_learner *l = bl_learner_new(&c);
	struct bl_worker *lw = bl_worker_new(&c, NULL, l, 0, NULL, NULL, NULL);
	struct enip_tx etx;
	memset(&etx, 0, sizeof(etx));
	etx.command = 0x6f;
	etx.n_cip = 1;
	etx.cip[0].service = 0x4c; /* Read_Tag */
	snprintf(etx.cip[0].symbol, sizeof(etx.cip[0].symbol), "Tank_Level");
	struct app_tx et = { &proto_enip, APP_TOSERVER, false, &etx };
	mkflow(&f, 2, 170, 12);
	bl_tx(lw, &p, &f, &et);
	bl_flow_end(lw, &f);
	bl_worker_free(lw);
	struct bl_model *m = bl_learner_model(l, NULL);
	bl_learner_free(l);
	char *text = model_text(m);
	HAS(text, "\"names\": [\n            {\"space\": \"tag\", \"space_id\": 5, \"values\": [\"Tank_Level\"]}");
	free(text);
	struct seen seen = { 0 };
	struct bl_worker *w = bl_worker_new(&c, m, NULL, 0, on_alert, on_event, &seen);
	mkflow(&f, 2, 170, 13);
	bl_tx(w, &p, &f, &et);
	assert_int_equal(seen.n, 0);
	snprintf(etx.cip[0].symbol, sizeof(etx.cip[0].symbol), "Valve_Cmd");
	bl_tx(w, &p, &f, &et);
	assert_int_equal(seen.n, 1);
	HAS(seen.json[0], "\"kind\":\"new_name\"");
	HAS(seen.json[0], "\"space\":{\"name\":\"tag\",\"id\":5},\"seen\":\"Valve_Cmd\",\"expected\":{\"names\":[\"Tank_Level\"]}");
	bl_flow_end(w, &f);
	bl_worker_free(w);
	bl_model_free(m);
	seen_clear(&seen);
}

static void test_detect_period(void **s)
{
	(void)s;
	struct det d;
	det_start(&d);
	struct modbus_tx tx;
	struct packet p;
	struct flow f;
	mkflow(&f, 2, 100, 21);
	uint64_t t0 = 3000000000000ull;
	struct app_tx t = mb_read_req(&tx, 1, 3, 0, 10);
	/* learned: every 100 ms, sd 0: allowed 50..150 ms (50 % of the mean) */
	for (int i = 0; i < 5; i++) {
		mkpkt(&p, t0 + (uint64_t)i * 100000u, (uint64_t)i + 1);
		bl_tx(d.w, &p, &f, &t);
	}
	assert_int_equal(d.seen.n, 0);
	/* a burst: 20 ms after the last */
	uint64_t last = t0 + 4 * 100000u;
	mkpkt(&p, last + 20000, 10);
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_PERIOD_BURST), 1);
	const char *j = json_of(&d.seen, BL_SID_BASE + BL_PERIOD_BURST);
	HAS(j, "\"seen_ms\":20,\"expected\":{\"mean_ms\":100,\"sd_ms\":0,\"samples\":39,\"allowed_ms\":[50,150]}");
	last += 20000;
	/* silence found at a tick: the flow keeps no packet; once */
	bl_tick(d.w, last + 140000);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_PERIOD_SILENCE), 0);
	bl_tick(d.w, last + 160000);
	bl_tick(d.w, last + 900000);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_PERIOD_SILENCE), 1);
	for (unsigned i = 0; i < d.seen.n; i++)
		if (d.seen.sid[i] == BL_SID_BASE + BL_PERIOD_SILENCE)
			assert_int_equal(d.seen.tie[i], f.first_pcap_cnt);
	/* the late request itself does not say it again */
	mkpkt(&p, last + 1000000, 20);
	bl_tx(d.w, &p, &f, &t);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_PERIOD_SILENCE), 1);
	/* a closing connection is not silent: its polls went elsewhere */
	struct tcp_session tcp;
	memset(&tcp, 0, sizeof(tcp));
	tcp.state = TCPS_FIN_WAIT;
	f.tcp = &tcp;
	bl_tick(d.w, last + 5000000);
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_PERIOD_SILENCE), 1);
	f.tcp = NULL;
	bl_flow_end(d.w, &f);
	bl_tick(d.w, last + 9000000); /* ended: forgotten */
	assert_int_equal(count_sid(&d.seen, BL_SID_BASE + BL_PERIOD_SILENCE), 1);
	det_end(&d);
}

/* the output stage: realert, events of connections, their silence */
static struct {
	unsigned n;
	uint32_t sid[16];
	char json[16][2048];
	uint64_t ts[16];
} outs;

static void out_cb(void *user, const char *json, size_t len, uint64_t ts, uint32_t sid,
		   uint8_t severity, uint64_t dedup, const struct bl_event *ev)
{
	struct bl_dedup *d = user;
	(void)severity;
	(void)ev;
	if (!bl_dedup_pass(d, dedup, ts) || outs.n >= 16)
		return;
	outs.sid[outs.n] = sid;
	outs.ts[outs.n] = ts;
	snprintf(outs.json[outs.n++], sizeof(outs.json[0]), "%.*s", (int)len, json);
}

static void test_output_stage(void **s)
{
	(void)s;
	struct bl_config c = cfg();
	c.realert_sec = 60;
	struct bl_dedup *d = bl_dedup_new(&c);
	assert_true(bl_dedup_pass(d, 42, 1000000));
	assert_false(bl_dedup_pass(d, 42, 2000000));
	assert_true(bl_dedup_pass(d, 101, 2000000)); /* keys are odd: 42 is 43 */
	assert_false(bl_dedup_pass(d, 42, 60999999));
	assert_true(bl_dedup_pass(d, 42, 61000000));
	struct bl_dedup_stats st;
	bl_dedup_stats_get(d, &st);
	assert_int_equal(st.passed, 3);
	assert_int_equal(st.repeats, 2);
	bl_dedup_free(d);
	/* realert 0: once per run */
	c.realert_sec = 0;
	d = bl_dedup_new(&c);
	assert_true(bl_dedup_pass(d, 42, 1));
	assert_false(bl_dedup_pass(d, 42, 1000000000000ull));
	bl_dedup_free(d);
	/* a full table lets alerts through, and counts */
	c = cfg();
	c.dedup_entries = 64;
	d = bl_dedup_new(&c);
	for (uint64_t k = 0; k < 200; k++)
		assert_true(bl_dedup_pass(d, k * 64 + 1, 1)); /* all on one probe chain */
	bl_dedup_stats_get(d, &st);
	assert_true(st.table_full > 0);
	bl_dedup_free(d);

	/* connections timed: learned every 10 s (sd 0, allowed 5..15 s) */
	c = cfg();
	d = bl_dedup_new(&c);
	struct bl_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.conv = 77;
	ev.function = 3;
	ev.proto = app_parser_index("modbus");
	ev.ip_ver = 4;
	ev.l4proto = 6;
	ev.client.a[0] = 10;
	ev.client.a[3] = 2;
	ev.server.a[0] = 10;
	ev.server.a[3] = 100;
	ev.sport = 502;
	snprintf(ev.fname, sizeof(ev.fname), "RdHoldRegs");
	ev.mean = 10000000;
	ev.n = 20;
	ev.lo = 5000000;
	ev.hi = 15000000;
	memset(&outs, 0, sizeof(outs));
	uint64_t t0 = 1000000000000ull;
	for (int i = 0; i < 4; i++) {
		ev.ts = t0 + (uint64_t)i * 10000000u;
		ev.flow_id = (uint64_t)i;
		ev.pcap_cnt = (uint64_t)i + 1;
		bl_out_tick(d, ev.ts, out_cb, d);
		bl_out_event(d, &ev, sizeof(ev), out_cb, d);
	}
	assert_int_equal(outs.n, 0);
	/* a connection 1 s after the last: a burst */
	ev.ts = t0 + 31000000;
	bl_out_event(d, &ev, sizeof(ev), out_cb, d);
	assert_int_equal(outs.n, 1);
	assert_int_equal(outs.sid[0], BL_SID_BASE + BL_PERIOD_BURST);
	/* the Community ID of 10.0.0.2:0 -> 10.0.0.100:502/TCP (seed 0), as
	 * the spec's reference implementation computes it */
	HAS(outs.json[0], "\"src_ip\":\"10.0.0.2\",\"src_port\":0,\"dest_ip\":\"10.0.0.100\",\"dest_port\":502,\"proto\":\"TCP\","
			  "\"community_id\":\"1:t/qZFKcRvaFzucv+SRsvusnzJPc=\",\"app_proto\":\"modbus\"");
	HAS(outs.json[0], "\"scope\":\"between_connections\"");
	HAS(outs.json[0], "\"seen_ms\":1000,\"expected\":{\"mean_ms\":10000,\"sd_ms\":0,\"samples\":20,\"allowed_ms\":[5000,15000]}");
	/* then none: silence at the first tick past 15 s, once */
	bl_out_tick(d, t0 + 45000000, out_cb, d);
	assert_int_equal(outs.n, 1);
	bl_out_tick(d, t0 + 47000000, out_cb, d);
	bl_out_tick(d, t0 + 99000000, out_cb, d);
	assert_int_equal(outs.n, 2);
	assert_int_equal(outs.sid[1], BL_SID_BASE + BL_PERIOD_SILENCE);
	HAS(outs.json[1], "\"seen_ms\":16000");
	/* a message of the wrong size is ignored */
	bl_out_event(d, &ev, sizeof(ev) - 1, out_cb, d);
	bl_dedup_stats_get(d, &st);
	assert_int_equal(st.connection_deviations, 2);
	bl_dedup_free(d);
}

/* detection emits one event per connection and function with a
 * learned connection period */
static void test_connection_events(void **s)
{
	(void)s;
	struct bl_config c = cfg();
	struct bl_learner *l = bl_learner_new(&c);
	bl_learner_next_run(l);
	struct bl_worker *lw = bl_worker_new(&c, NULL, l, 0, NULL, NULL, NULL);
	struct flow f;
	for (int k = 0; k < 12; k++) { /* a master that connects for each poll, every 10 s */
		mkflow(&f, 2, 100, (uint64_t)k + 1);
		plant(lw, &f, 1000000000000ull + (uint64_t)k * 10000000u, 1, 0);
		bl_flow_end(lw, &f);
	}
	bl_worker_free(lw);
	struct bl_model *m = bl_learner_model(l, NULL);
	bl_learner_free(l);
	const struct bl_func *fn = bl_conv_find_func(m->convs[0], 3);
	assert_int_equal(fn->per.n, 0);
	assert_int_equal(fn->cper.n, 11);
	assert_int_equal(fn->cper.mean, 10000000);
	struct seen seen = { 0 };
	struct bl_worker *w = bl_worker_new(&c, m, NULL, 0, on_alert, on_event, &seen);
	mkflow(&f, 2, 100, 50);
	plant(w, &f, 2000000000000ull, 3, 0);
	assert_int_equal(seen.n_ev, 1); /* the connection's first RdHoldRegs */
	assert_int_equal(seen.ev[0].function, 3);
	assert_int_equal(seen.ev[0].flow_id, 50);
	assert_int_equal(seen.ev[0].mean, 10000000);
	assert_int_equal(seen.ev[0].lo, 5000000);
	assert_int_equal(seen.ev[0].hi, 15000000);
	bl_flow_end(w, &f);
	struct bl_worker_stats st;
	bl_worker_stats_get(w, &st);
	assert_int_equal(st.connection_events, 1);
	bl_worker_free(w);
	bl_model_free(m);
	seen_clear(&seen);
}

/* GOOSE-like frames without IP: conversations of MAC addresses, followed
 * in a bounded per-worker table */
static void test_l2(void **s)
{
	(void)s;
	struct bl_config c = cfg();
	c.l2_conversations = 2;
	struct bl_model *m = learn_plant(&c); /* no GOOSE in it */
	struct seen seen = { 0 };
	struct bl_worker *w = bl_worker_new(&c, m, NULL, 0, on_alert, on_event, &seen);
	uint8_t frame[64] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01, 0x00, 0x0c, 0xcd, 0x00, 0x00, 0x09 };
	struct packet p;
	mkpkt(&p, 1000, 1);
	p.ip_ver = 0;
	p.linktype = LINK_ETHERNET;
	p.data = frame;
	p.caplen = sizeof(frame);
	/* no data: an unknown conversation is all that is looked at */
	struct app_tx t = { &proto_goose, APP_TOSERVER, false, NULL };
	for (int k = 0; k < 3; k++) { /* publishers :09, :0a, :0b */
		frame[11] = (uint8_t)(9 + k);
		bl_tx(w, &p, NULL, &t);
		bl_tx(w, &p, NULL, &t);
	}
	/* two followed (said once each), the third said per frame */
	assert_int_equal(count_sid(&seen, BL_SID_BASE + BL_NEW_TALKER), 4);
	HAS(seen.json[0], "\"client\":\"00:0c:cd:00:00:09\",\"server\":\"01:0c:cd:01:00:01\",\"protocol\":\"goose\"");
	struct bl_worker_stats st;
	bl_worker_stats_get(w, &st);
	assert_int_equal(st.l2_table_full, 2);
	bl_worker_free(w);
	bl_model_free(m);
	seen_clear(&seen);
}

/* a parser without facts (MQTT, MMS and PROFINET DCP give none): the
 * conversation and protocol are learned and checked, nothing more */
static void test_no_facts(void **s)
{
	(void)s;
	extern const struct proto_parser proto_mqtt;
	assert_null(proto_mqtt.facts);
	struct bl_config c = cfg();
	struct bl_learner *l = bl_learner_new(&c);
	struct bl_worker *lw = bl_worker_new(&c, NULL, l, 0, NULL, NULL, NULL);
	struct app_tx t = { &proto_mqtt, APP_TOSERVER, false, NULL };
	struct flow f;
	struct packet p;
	mkflow(&f, 2, 200, 31);
	for (int i = 0; i < 3; i++) {
		mkpkt(&p, 1000000u * (uint64_t)(i + 1), (uint64_t)i + 1);
		bl_tx(lw, &p, &f, &t);
	}
	bl_flow_end(lw, &f);
	struct bl_worker_stats st;
	bl_worker_stats_get(lw, &st);
	assert_int_equal(st.no_facts, 3);
	bl_worker_free(lw);
	struct bl_model *m = bl_learner_model(l, NULL);
	bl_learner_free(l);
	char *text = model_text(m);
	HAS(text, "\"protocol\": \"mqtt\",");
	HAS(text, "\"transactions\": 3,\n      \"functions\": []");
	free(text);
	struct seen seen = { 0 };
	struct bl_worker *w = bl_worker_new(&c, m, NULL, 0, on_alert, on_event, &seen);
	mkflow(&f, 2, 200, 32);
	bl_tx(w, &p, &f, &t); /* as learned: nothing */
	bl_flow_end(w, &f);
	mkflow(&f, 3, 200, 33);
	bl_tx(w, &p, &f, &t); /* another client: a new talker */
	bl_flow_end(w, &f);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.sid[0], BL_SID_BASE + BL_NEW_TALKER);
	bl_worker_stats_get(w, &st);
	assert_int_equal(st.no_facts, 1);
	bl_worker_free(w);
	bl_model_free(m);
	seen_clear(&seen);
	/* a parser that is not registered: ignored */
	static const struct proto_parser bare = { .name = "bare" };
	struct app_tx tb = { &bare, APP_TOSERVER, false, NULL };
	struct det d;
	det_start(&d);
	mkflow(&f, 2, 100, 34);
	bl_tx(d.w, &p, &f, &tb);
	assert_int_equal(d.seen.n, 0);
	bl_flow_end(d.w, &f);
	det_end(&d);
}

/* ---- the parsers' facts, from PDU bytes ---------------------------------------------------- */

#define MAX_FACTS 8
struct fcap {
	unsigned n;
	struct app_facts f[MAX_FACTS];
	char names[MAX_FACTS][APP_FACTS_NAMES][64];
};

static void facts_tx(void *user, const struct app_tx *tx)
{
	struct fcap *c = user;
	if (c->n >= MAX_FACTS)
		return;
	struct app_facts *f = &c->f[c->n];
	app_facts_init(f, tx->is_response ? APP_ROLE_RESPONSE : APP_ROLE_REQUEST);
	assert_non_null(tx->proto->facts);
	tx->proto->facts(tx, f);
	for (unsigned i = 0; i < f->n_names; i++) /* they point into the tx */
		snprintf(c->names[c->n][i], 64, "%.*s", (int)f->names[i].len, f->names[i].s);
	c->n++;
}

static void facts_ev(void *user, const struct proto_parser *p, uint16_t ev)
{
	(void)user;
	(void)p;
	(void)ev;
}

static void facts_start(struct at *t, struct fcap *c, const struct proto_parser *p, uint16_t port)
{
	at_init(t, p, APP_TCP, 40000, port);
	memset(c, 0, sizeof(*c));
	t->ctx.user = c;
	t->ctx.on_tx = facts_tx;
	t->ctx.on_event = facts_ev;
}

static uint8_t b[1024];

static void test_facts_modbus(void **s)
{
	(void)s;
	struct at t;
	struct fcap c;
	facts_start(&t, &c, &proto_modbus, 502);
	/* read holding registers 0-9, unit 1 (Modbus Application Protocol 6.3) */
	size_t n = at_hex(b, sizeof(b), "0001 0000 0006 01 03 0000 000a");
	at_feed(&t, 0, b, n);
	/* its response: 20 bytes, registers 0..9 = 0x0100 + i */
	n = at_hex(b, sizeof(b), "0001 0000 0017 01 03 14 0100 0101 0102 0103 0104 0105 0106 0107 0108 0109");
	at_feed(&t, 1, b, n);
	/* write multiple coils 16-23 = 0xa5 (6.11) */
	n = at_hex(b, sizeof(b), "0002 0000 0008 01 0f 0010 0008 01 a5");
	at_feed(&t, 0, b, n);
	assert_int_equal(c.n, 3);
	struct app_facts *f = &c.f[0];
	assert_int_equal(f->function, 3);
	assert_string_equal(f->function_name, "RdHoldRegs");
	assert_int_equal(f->fclass, APP_FCLASS_READ);
	assert_int_equal(f->role, APP_ROLE_REQUEST);
	assert_true(f->has_unit && f->unit == 1);
	assert_string_equal(f->unit_name, "unit_id");
	assert_int_equal(f->n_ranges, 1);
	assert_string_equal(f->ranges[0].sp.name, "holding_register");
	assert_int_equal(f->ranges[0].lo, 0);
	assert_int_equal(f->ranges[0].hi, 9);
	f = &c.f[1];
	assert_int_equal(f->role, APP_ROLE_RESPONSE);
	assert_int_equal(f->n_values, 10);
	assert_int_equal(f->values[9].addr, 9);
	assert_true(f->values[9].v == 0x0109);
	assert_false(f->values[9].written);
	f = &c.f[2];
	assert_int_equal(f->function, 15);
	assert_int_equal(f->fclass, APP_FCLASS_WRITE);
	assert_string_equal(f->ranges[0].sp.name, "coil");
	assert_int_equal(f->ranges[0].lo, 16);
	assert_int_equal(f->ranges[0].hi, 23);
	assert_int_equal(f->n_values, 8);
	assert_true(f->values[0].written && f->values[0].v == 1 && f->values[1].v == 0);
	assert_true(f->values[7].addr == 23 && f->values[7].v == 1);
	at_fini(&t);
}

static void test_facts_iec104(void **s)
{
	(void)s;
	struct at t;
	struct fcap c;
	facts_start(&t, &c, &proto_iec104, 2404);
	/* STARTDT act (5.3), then M_ME_NC_1 (13) spontaneous, CA 1, IOAs 4001 and
	 * 4002 (one range), 230.5 and -1.25; C_SE_NC_1 (50) act, IOA 5000 = 7.5 */
	size_t n = at_hex(b, sizeof(b), "680407000000");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "681a 0000 0000 0d 02 03 00 0100 a10f00 00806643 00 a20f00 0000a0bf 00");
	at_feed(&t, 1, b, n);
	n = at_hex(b, sizeof(b), "6812 0000 0000 32 01 06 00 0100 881300 0000f040 00");
	at_feed(&t, 0, b, n);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.f[0].function, 256 + 7);
	assert_string_equal(c.f[0].function_name, "STARTDT_ACT");
	assert_int_equal(c.f[0].fclass, APP_FCLASS_SESSION);
	struct app_facts *f = &c.f[1];
	assert_int_equal(f->function, 13);
	assert_string_equal(f->function_name, "M_ME_NC_1");
	assert_int_equal(f->role, APP_ROLE_REPORT);
	assert_true(f->has_unit && f->unit == 1);
	assert_int_equal(f->n_ranges, 1);
	assert_int_equal(f->ranges[0].lo, 4001);
	assert_int_equal(f->ranges[0].hi, 4002);
	assert_int_equal(f->n_values, 2);
	assert_true(f->values[0].v == 230.5 && f->values[1].v == -1.25 && !f->values[0].written);
	f = &c.f[2];
	assert_int_equal(f->function, 50);
	assert_int_equal(f->fclass, APP_FCLASS_CONTROL);
	assert_int_equal(f->role, APP_ROLE_REQUEST);
	assert_int_equal(f->n_values, 1);
	assert_true(f->values[0].written && f->values[0].v == 7.5 && f->values[0].addr == 5000);
	at_fini(&t);
}

static void test_facts_s7comm(void **s)
{
	(void)s;
	struct at t;
	struct fcap c;
	facts_start(&t, &c, &proto_s7comm, 102);
	/* COTP CR, then a read var job: 2 items, DB 1 bytes 0-9 (WORD x5) and
	 * flags (M) byte 16, 1 byte */
	size_t n = at_hex(b, sizeof(b), "0300 0016 11 e0 0000 0001 00 c0010a c1020100 c2020102");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "0300 002b 02f080 32 01 0000 0001 001a 0000 04 02"
				 " 120a10 04 0005 0001 84 000000"
				 " 120a10 02 0001 0000 83 000080");
	at_feed(&t, 0, b, n);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.f[0].function, 256 + 0xe0);
	assert_string_equal(c.f[0].function_name, "COTP_CR");
	struct app_facts *f = &c.f[1];
	assert_int_equal(f->function, 4);
	assert_string_equal(f->function_name, "read_var");
	assert_int_equal(f->fclass, APP_FCLASS_READ);
	assert_int_equal(f->n_ranges, 2);
	assert_string_equal(f->ranges[0].sp.name, "db");
	assert_int_equal(f->ranges[0].sp.qual, 1);
	assert_int_equal(f->ranges[0].lo, 0);
	assert_int_equal(f->ranges[0].hi, 9);
	assert_string_equal(f->ranges[1].sp.name, "flags");
	assert_int_equal(f->ranges[1].sp.qual, 0);
	assert_int_equal(f->ranges[1].lo, 16);
	assert_int_equal(f->ranges[1].hi, 16);
	at_fini(&t);
}

static uint16_t dnp3_crc(const uint8_t *p, size_t n)
{
	uint16_t c = 0;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA6BC) : (uint16_t)(c >> 1);
	}
	return (uint16_t)~c;
}

/* one link frame (IEEE 1815 9.2) carrying one whole application fragment */
static size_t dnp3_frame(uint8_t *out, uint8_t ctrl, uint16_t dst, uint16_t src, const char *app)
{
	uint8_t u[260];
	u[0] = 0xc0;
	size_t n = at_hex(u + 1, sizeof(u) - 1, app) + 1;
	size_t k = 0;
	out[k++] = 0x05;
	out[k++] = 0x64;
	out[k++] = (uint8_t)(5 + n);
	out[k++] = ctrl;
	out[k++] = (uint8_t)dst;
	out[k++] = (uint8_t)(dst >> 8);
	out[k++] = (uint8_t)src;
	out[k++] = (uint8_t)(src >> 8);
	uint16_t c = dnp3_crc(out, 8);
	out[k++] = (uint8_t)c;
	out[k++] = (uint8_t)(c >> 8);
	for (size_t off = 0; off < n; off += 16) {
		size_t bl = n - off < 16 ? n - off : 16;
		memcpy(out + k, u + off, bl);
		c = dnp3_crc(u + off, bl);
		k += bl;
		out[k++] = (uint8_t)c;
		out[k++] = (uint8_t)(c >> 8);
	}
	return k;
}

static void test_facts_dnp3(void **s)
{
	(void)s;
	struct at t;
	struct fcap c;
	facts_start(&t, &c, &proto_dnp3, 20000);
	/* read class 1 and 2 events (g60v2, g60v3, all), outstation 10 */
	size_t n = dnp3_frame(b, 0xc4, 10, 1, "c0 01 3c0206 3c0306");
	at_feed(&t, 0, b, n);
	/* response: g30v2 (16-bit analog with flags) points 3-4 = 100, -2 */
	n = dnp3_frame(b, 0x44, 1, 10, "c0 81 0000 1e02 00 03 04 01 6400 01 feff");
	at_feed(&t, 1, b, n);
	/* direct operate g41v2 (16-bit analog output), index 7 (prefix 1 byte) = 1234 */
	n = dnp3_frame(b, 0xc4, 10, 1, "c1 05 2902 17 01 07 d204 00");
	at_feed(&t, 0, b, n);
	assert_int_equal(c.n, 3);
	struct app_facts *f = &c.f[0];
	assert_int_equal(f->function, 1);
	assert_string_equal(f->function_name, "read");
	assert_true(f->has_unit && f->unit == 10);
	assert_int_equal(f->n_ranges, 2);
	assert_string_equal(f->ranges[0].sp.name, "class");
	assert_int_equal(f->ranges[0].lo, 1);
	assert_int_equal(f->ranges[1].lo, 2);
	f = &c.f[1];
	assert_int_equal(f->function, 129);
	assert_int_equal(f->role, APP_ROLE_RESPONSE);
	assert_true(f->unit == 10);
	assert_string_equal(f->ranges[0].sp.name, "analog_input");
	assert_int_equal(f->ranges[0].lo, 3);
	assert_int_equal(f->ranges[0].hi, 4);
	assert_int_equal(f->n_values, 2);
	assert_true(f->values[0].v == 100 && f->values[1].v == -2 && !f->values[0].written);
	f = &c.f[2];
	assert_int_equal(f->function, 5);
	assert_int_equal(f->fclass, APP_FCLASS_CONTROL);
	assert_string_equal(f->ranges[0].sp.name, "analog_output");
	assert_int_equal(f->ranges[0].lo, 7);
	assert_int_equal(f->ranges[0].hi, 7);
	assert_int_equal(f->n_values, 1);
	assert_true(f->values[0].written && f->values[0].v == 1234 && f->values[0].addr == 7);
	at_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rangeset),
		cmocka_unit_test(test_canon),
		cmocka_unit_test(test_learn),
		cmocka_unit_test(test_merge_exact),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_edited_file),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_detect_nothing_new),
		cmocka_unit_test(test_detect_conversations),
		cmocka_unit_test(test_detect_new_conversation),
		cmocka_unit_test(test_detect_function_address_unit_value),
		cmocka_unit_test(test_value_interval),
		cmocka_unit_test(test_detect_identity_and_name),
		cmocka_unit_test(test_detect_period),
		cmocka_unit_test(test_output_stage),
		cmocka_unit_test(test_connection_events),
		cmocka_unit_test(test_l2),
		cmocka_unit_test(test_no_facts),
		cmocka_unit_test(test_facts_modbus),
		cmocka_unit_test(test_facts_iec104),
		cmocka_unit_test(test_facts_s7comm),
		cmocka_unit_test(test_facts_dnp3),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
