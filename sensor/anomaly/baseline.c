/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The learned baseline at run time: learning into per-worker tables,
 * comparing transactions with a loaded model, per-flow timing and memory,
 * the output stage's "once per thing per conversation", the alert and
 * stats members. The determinism argument is in baseline.h.
 */
#include "anomaly/baseline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly/baseline_model.h"
#include "flow/flow.h"
#include "output/eve.h"
#include "proto/registry.h"
#include "util/civil.h"
#include "util/jb.h"

const char bl_event_type[] = "baseline_event";

const char *const bl_kind_names[BL_KIND__COUNT] = {
	[0] = "none",
	[BL_NEW_TALKER] = "new_talker",
	[BL_NEW_SERVER] = "new_server",
	[BL_NEW_CONVERSATION] = "new_conversation",
	[BL_NEW_PROTOCOL] = "new_protocol",
	[BL_NEW_FUNCTION] = "new_function",
	[BL_ADDRESS] = "address_outside_ranges",
	[BL_NAME] = "new_name",
	[BL_UNIT] = "new_unit",
	[BL_VALUE_WRITTEN] = "written_value_outside_range",
	[BL_VALUE_REPORTED] = "reported_value_outside_range",
	[BL_PERIOD_SILENCE] = "period_silence",
	[BL_PERIOD_BURST] = "period_burst",
	[BL_IDENTITY] = "new_identity",
};

static const char *const signatures[BL_KIND__COUNT] = {
	[BL_NEW_TALKER] = "VIGIL BASELINE new talker: a client the baseline has never seen",
	[BL_NEW_SERVER] = "VIGIL BASELINE new server: a server the baseline has never seen",
	[BL_NEW_CONVERSATION] = "VIGIL BASELINE new conversation between known hosts",
	[BL_NEW_PROTOCOL] = "VIGIL BASELINE new protocol on a known conversation",
	[BL_NEW_FUNCTION] = "VIGIL BASELINE function code not in the baseline of the conversation",
	[BL_ADDRESS] = "VIGIL BASELINE address outside the learned ranges of the function",
	[BL_NAME] = "VIGIL BASELINE name (node, tag, block) not in the baseline of the function",
	[BL_UNIT] = "VIGIL BASELINE sub-device (unit, outstation, common address) not in the baseline",
	[BL_VALUE_WRITTEN] = "VIGIL BASELINE written value outside the learned range",
	[BL_VALUE_REPORTED] = "VIGIL BASELINE reported value outside the learned range",
	[BL_PERIOD_SILENCE] = "VIGIL BASELINE polling silent beyond its learned period",
	[BL_PERIOD_BURST] = "VIGIL BASELINE polling faster than its learned period",
	[BL_IDENTITY] = "VIGIL BASELINE device identity differs from the baseline",
};

void bl_config_defaults(struct bl_config *c)
{
	memset(c, 0, sizeof(*c));
	c->realert_sec = 3600;
	c->value_tolerance = 0.10;
	c->reported_tolerance = 0.50;
	c->value_margin = 0;
	c->period_k = 4;
	c->period_tolerance = 0.50;
	c->period_min_samples = 10;
	c->period_max_variation = 0.50;
	c->reported_interval_us = 1000000;
	c->dedup_entries = 65536;
	c->period_max_sec = 3600;
	c->max_conversations = 10000;
	c->max_functions = 64;
	c->max_ranges = 256;
	c->max_names = 256;
	c->max_values = 4096;
	c->max_identities = 4096;
	c->max_starts = 1u << 20;
	c->conn_entries = 4096;
	c->l2_conversations = 256;
	c->max_file_bytes = 64ull << 20;
}

/* ---- the learner ----------------------------------------------------------------- */

/* Per worker, learning tables may hold this many times the caps: the caps
 * are applied to the merged model, in its sorted order, so that what is
 * kept does not depend on how things were spread over workers (unless the
 * slack itself runs out: counted, and then the file may differ). */
#define BL_LEARN_SLACK 4
#define BL_MAX_WORKERS 256

struct bl_learner {
	struct bl_config cfg;
	struct bl_config slack;
	struct bl_model *slot[BL_MAX_WORKERS];
	uint64_t run;          /* bl_learner_next_run */
	struct bl_worker_stats st[BL_MAX_WORKERS]; /* what caps stopped, per slot */
};

static uint32_t mul_cap(uint32_t v)
{
	return v > UINT32_MAX / BL_LEARN_SLACK ? UINT32_MAX : v * BL_LEARN_SLACK;
}

struct bl_learner *bl_learner_new(const struct bl_config *cfg)
{
	struct bl_learner *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->cfg = *cfg;
	l->slack = *cfg;
	l->slack.max_conversations = mul_cap(cfg->max_conversations);
	l->slack.max_functions = mul_cap(cfg->max_functions);
	l->slack.max_ranges = mul_cap(cfg->max_ranges);
	l->slack.max_names = mul_cap(cfg->max_names);
	l->slack.max_values = mul_cap(cfg->max_values);
	l->slack.max_identities = mul_cap(cfg->max_identities);
	return l;
}

void bl_learner_next_run(struct bl_learner *l)
{
	l->run++;
}

void bl_learner_free(struct bl_learner *l)
{
	if (!l)
		return;
	for (int i = 0; i < BL_MAX_WORKERS; i++)
		bl_model_free(l->slot[i]);
	free(l);
}

struct bl_model *bl_learner_model(struct bl_learner *l, void *msgs_file)
{
	FILE *msgs = msgs_file;
	struct bl_config all = l->cfg;
	all.max_conversations = UINT32_MAX;
	all.max_identities = UINT32_MAX;
	struct bl_model *m = bl_model_new(&all);
	if (!m)
		return NULL;
	struct bl_worker_stats st;
	memset(&st, 0, sizeof(st));
	for (int i = 0; i < BL_MAX_WORKERS; i++) {
		if (l->slot[i] && bl_model_merge(m, l->slot[i]) < 0) {
			bl_model_free(m);
			return NULL;
		}
		bl_worker_stats_add(&st, &l->st[i]);
	}
	/* what the workers' own (slack) caps stopped */
	m->lim.conversations_dropped += st.conversations_dropped;
	m->lim.functions_dropped += st.functions_dropped;
	m->lim.values_dropped += st.values_dropped;
	m->lim.names_dropped += st.names_dropped;
	m->lim.ranges_merged += st.ranges_merged;
	m->lim.identities_dropped += st.identities_dropped;
	m->lim.starts_dropped += st.starts_dropped;
	uint64_t early = st.conversations_dropped + st.functions_dropped + st.values_dropped +
			 st.names_dropped + st.ranges_merged + st.identities_dropped + st.starts_dropped;
	m->cfg = l->cfg;
	if (bl_model_finish(m) < 0) {
		bl_model_free(m);
		return NULL;
	}
	const struct bl_limits *x = &m->lim;
	if (msgs && (x->conversations_dropped || x->functions_dropped || x->values_dropped ||
		     x->names_dropped || x->ranges_merged || x->identities_dropped ||
		     x->starts_dropped)) {
		fprintf(msgs,
			"vigil learn: caps reached: %llu conversations, %llu functions, %llu values, "
			"%llu names, %llu identities, %llu connection starts left out, %llu ranges "
			"merged (raise the baseline: max-* settings to keep them)\n",
			(unsigned long long)x->conversations_dropped,
			(unsigned long long)x->functions_dropped, (unsigned long long)x->values_dropped,
			(unsigned long long)x->names_dropped, (unsigned long long)x->identities_dropped,
			(unsigned long long)x->starts_dropped, (unsigned long long)x->ranges_merged);
		if (early)
			fprintf(msgs, "vigil learn: some were left out while learning, in the order "
				      "traffic came: with other --workers the file may differ\n");
	}
	return m;
}

/* ---- per-flow state ------------------------------------------------------------------ */

#define BL_TSLOTS 4   /* functions timed per flow */
#define BL_SEEN 8     /* deviations a flow remembers having reported */
#define BL_VCHK 4     /* functions whose reported values a flow throttles */

struct bl_tslot {
	int32_t code;           /* function */
	bool used, silenced;
	uint64_t last;          /* packet time of its last request or report */
	const struct bl_func *fn; /* detection: its learned period (read-only model) */
};

/* What the baseline keeps per flow (or L2 conversation): charged to the
 * flow memcap, bl_flow_state_size() bytes. */
struct bl_fstate {
	union {
		const struct bl_conv *conv;  /* detection */
		struct bl_conv *lconv;       /* learning */
	};
	struct bl_fstate *prev, *next; /* flows with timed functions (detection) */
	const struct flow *f;        /* NULL: an L2 conversation */
	uint64_t tie;                /* L2: index of its first frame (record order) */
	bool resolved;
	bool listed;
	uint8_t seen_next, n_seen, n_vchk;
	int16_t proto;               /* parser index */
	struct bl_tslot ts[BL_TSLOTS];
	struct {                     /* deviations reported, and when (seconds) */
		uint32_t key;
		uint32_t sec;
	} seen[BL_SEEN];
	struct {                     /* when reported values were last checked, per function */
		int32_t fn;
		uint64_t at;
	} vchk[BL_VCHK];
};

/* an L2 conversation (GOOSE publisher to destination) a worker follows */
struct bl_l2 {
	bool used;
	int proto;
	struct bl_host c, s;
	struct bl_fstate st;
};

struct bl_worker {
	struct bl_config cfg;
	const struct bl_model *model;  /* detection */
	struct bl_model *learn;        /* learning: this worker's table */
	struct bl_worker_stats *lst;   /* learning: the learner's counters of this slot */
	bl_alert_fn alert;
	bl_event_fn event;
	void *user;
	uint64_t starts_kept;          /* learning: connection start times in the table */
	uint64_t run;                  /* learning: the learner's run when the worker began */
	struct bl_worker_stats st;
	struct bl_fstate head;         /* list of timed states */
	struct bl_l2 *l2;
	uint32_t n_l2;
	struct bl_due *due;            /* bl_tick's scratch */
	uint32_t cap_due;
};

size_t bl_flow_state_size(void)
{
	return sizeof(struct bl_fstate);
}

struct bl_worker *bl_worker_new(const struct bl_config *cfg, const struct bl_model *model,
				struct bl_learner *learner, int id, bl_alert_fn alert,
				bl_event_fn event, void *user)
{
	struct bl_worker *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->cfg = *cfg;
	w->model = model;
	w->alert = alert;
	w->event = event;
	w->user = user;
	w->head.next = w->head.prev = &w->head;
	if (learner) {
		if (id < 0 || id >= BL_MAX_WORKERS)
			goto err;
		if (!learner->slot[id] && !(learner->slot[id] = bl_model_new(&learner->slack)))
			goto err;
		w->learn = learner->slot[id];
		w->run = learner->run;
		w->lst = &learner->st[id];
		w->cfg = learner->slack;
	}
	w->l2 = calloc(cfg->l2_conversations ? cfg->l2_conversations : 1, sizeof(*w->l2));
	if (!w->l2)
		goto err;
	return w;
err:
	free(w);
	return NULL;
}

void bl_worker_free(struct bl_worker *w)
{
	if (!w)
		return;
	free(w->due);
	free(w->l2);
	free(w);
}

void bl_worker_stats_get(const struct bl_worker *w, struct bl_worker_stats *out)
{
	if (!w) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = w->st;
	if (w->lst) {
		out->conversations_dropped = w->lst->conversations_dropped;
		out->functions_dropped = w->lst->functions_dropped;
		out->values_dropped = w->lst->values_dropped;
		out->names_dropped = w->lst->names_dropped;
		out->ranges_merged = w->lst->ranges_merged;
		out->identities_dropped = w->lst->identities_dropped;
		out->starts_dropped = w->lst->starts_dropped;
	}
}

void bl_worker_stats_add(struct bl_worker_stats *sum, const struct bl_worker_stats *w)
{
	uint64_t *a = (uint64_t *)sum;
	const uint64_t *b = (const uint64_t *)w;
	for (size_t i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
		a[i] += b[i];
}

static void list_add(struct bl_worker *w, struct bl_fstate *s)
{
	if (s->listed)
		return;
	s->next = &w->head;
	s->prev = w->head.prev;
	w->head.prev->next = s;
	w->head.prev = s;
	s->listed = true;
}

static void list_del(struct bl_fstate *s)
{
	if (!s->listed)
		return;
	s->prev->next = s->next;
	s->next->prev = s->prev;
	s->listed = false;
}

size_t bl_flow_end(struct bl_worker *w, struct flow *f)
{
	(void)w;
	struct bl_fstate *s = f->baseline;
	if (!s)
		return 0;
	list_del(s);
	free(s);
	f->baseline = NULL;
	return sizeof(*s);
}

/* ---- alerts ------------------------------------------------------------------------------ */

struct bl_alert {
	uint8_t kind;
	const struct bl_model *m;
	struct bl_host c, s;
	int proto;
	const struct bl_conv *cv;
	const struct app_facts *facts;
	const struct bl_func *fn;
	/* address / name / value / unit */
	const struct app_space *sp;
	uint32_t lo, hi;
	const struct bl_space *lsp;
	const char *name;
	const struct bl_names *lns;
	uint32_t unit;
	double value;
	double allow_lo, allow_hi, exp_lo, exp_hi;
	uint32_t addr;
	/* period */
	uint64_t interval;
	const struct bl_func *pfn;
	uint64_t plo, phi;
	/* identity */
	struct bl_host sender;
	const char *key, *seen;
	const struct bl_ident_attr *at;
};

static uint8_t severity_of(const struct bl_alert *a)
{
	switch (a->kind) {
	case BL_NEW_FUNCTION: {
		uint8_t c = a->facts ? a->facts->fclass : APP_FCLASS_OTHER;
		return (c == APP_FCLASS_WRITE || c == APP_FCLASS_CONTROL || c == APP_FCLASS_PROGRAM ||
			c == APP_FCLASS_FILE)
			       ? 1 : 2;
	}
	case BL_VALUE_WRITTEN: case BL_IDENTITY: return 1;
	case BL_VALUE_REPORTED: case BL_PERIOD_SILENCE: return 3;
	default: return 2;
	}
}

/* FNV-1a */
static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* The output stage's key: this kind of deviation, this thing, this
 * conversation (or host, for talkers and servers). */
static uint64_t dedup_key(const struct bl_alert *a)
{
	uint64_t conv = bl_conv_hash(&a->c, &a->s, a->proto);
	uint64_t h = bl_mix(0x243f6a8885a308d3ull, a->kind);
	switch (a->kind) {
	case BL_NEW_TALKER: return bl_mix(h, bl_host_hash(&a->c)) | 1;
	case BL_NEW_SERVER: return bl_mix(h, bl_host_hash(&a->s)) | 1;
	case BL_NEW_CONVERSATION:
		return bl_mix(bl_mix(h, bl_host_hash(&a->c)), bl_host_hash(&a->s)) | 1;
	case BL_NEW_PROTOCOL: return bl_mix(h, conv) | 1;
	case BL_NEW_FUNCTION: return bl_mix(bl_mix(h, conv), (uint64_t)a->facts->function) | 1;
	case BL_ADDRESS: case BL_NAME:
		return bl_mix(bl_mix(bl_mix(h, conv), (uint64_t)a->facts->function),
			      (uint64_t)a->sp->id << 32 | a->sp->qual) | 1;
	case BL_UNIT: return bl_mix(bl_mix(h, conv), a->unit) | 1;
	case BL_VALUE_WRITTEN: case BL_VALUE_REPORTED:
		return bl_mix(bl_mix(bl_mix(h, conv), (uint64_t)a->sp->id << 32 | a->sp->qual),
			      a->addr) | 1;
	case BL_PERIOD_SILENCE: case BL_PERIOD_BURST:
		return bl_mix(bl_mix(h, conv), (uint64_t)a->pfn->code) | 1;
	case BL_IDENTITY:
		return bl_mix(bl_mix(bl_mix(h, bl_host_hash(&a->sender)), (uint64_t)a->proto),
			      str_hash(a->key)) | 1;
	default: return h | 1;
	}
}

struct bl_ctx {
	struct bl_worker *w;
	const struct packet *p;
	const struct flow *f;
	const struct app_tx *tx;
	struct bl_fstate *st;
	uint64_t ts;
	bool tick;      /* found at a tick (bl_tick), not on a packet */
	/* what an alert of a tx starts from (detect_tx) */
	const struct bl_host *c, *s;
	int proto;
	const struct bl_conv *cv;
	const struct app_facts *fa;
	const struct bl_func *fn;
};

/* An alert of the current tx, kind k: zeroed only when there is one (the
 * struct is large and most txs deviate in nothing). */
static void alert_init(struct bl_alert *a, const struct bl_ctx *x, uint8_t k)
{
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->m = x->w->model;
	a->c = *x->c;
	a->s = *x->s;
	a->proto = x->proto;
	a->cv = x->cv;
	a->facts = x->fa;
	a->fn = x->fn;
}

/* Hands a deviation to the worker, unless this flow already reported it
 * within realert seconds (the output stage would hold it back too). */
static void deviate(struct bl_ctx *x, struct bl_alert *a)
{
	struct bl_worker *w = x->w;
	w->st.deviations[a->kind]++;
	uint64_t key = dedup_key(a);
	uint32_t k32 = (uint32_t)(key ^ (key >> 32)) | 1u;
	uint32_t sec = (uint32_t)(x->ts / 1000000u);
	struct bl_fstate *st = x->st;
	if (st) {
		for (unsigned i = 0; i < st->n_seen; i++) {
			if (st->seen[i].key != k32)
				continue;
			if (!w->cfg.realert_sec || sec - st->seen[i].sec < w->cfg.realert_sec) {
				w->st.repeats_in_flow++;
				return;
			}
			st->seen[i].sec = sec;
			goto pass;
		}
		unsigned i = st->n_seen < BL_SEEN ? st->n_seen++ : st->seen_next;
		if (st->n_seen == BL_SEEN && i == st->seen_next)
			st->seen_next = (uint8_t)((st->seen_next + 1) % BL_SEEN);
		st->seen[i].key = k32;
		st->seen[i].sec = sec;
	}
pass:
	w->st.alerts++;
	if (!w->alert)
		return;
	struct bl_alert_view v;
	memset(&v, 0, sizeof(v));
	v.p = x->p;
	v.f = x->f;
	v.tx = x->tx;
	v.dir = x->tx ? x->tx->dir : 0;
	v.ts = x->ts;
	v.sid = BL_SID_BASE + a->kind;
	v.severity = severity_of(a);
	v.dedup = key;
	v.tie = x->f ? x->f->first_pcap_cnt : st ? st->tie : 0;
	v.tick = x->tick;
	v.a = a;
	if (x->f) {
		uint8_t d = x->tx ? x->tx->dir : 0;
		v.src = &x->f->key.addr[d];
		v.dst = &x->f->key.addr[!d];
		v.ip_ver = x->f->key.ip_ver;
	}
	w->alert(w->user, &v);
}

/* ---- resolving a conversation ------------------------------------------------------------- */

static void host_of(struct bl_host *h, const struct vaddr *a, uint8_t ver)
{
	memset(h, 0, sizeof(*h));
	h->kind = ver == 6 ? BL_HOST_V6 : BL_HOST_V4;
	memcpy(h->a, a->a, ver == 6 ? 16 : 4);
}

static void mac_of(struct bl_host *h, const struct packet *p, bool src)
{
	memset(h, 0, sizeof(*h));
	h->kind = BL_HOST_MAC;
	if (p && p->linktype == LINK_ETHERNET && p->caplen >= 12)
		memcpy(h->a, p->data + (src ? 6 : 0), 6);
}

static void check_unknown(struct bl_ctx *x, const struct bl_host *c, const struct bl_host *s,
			  int proto)
{
	const struct bl_model *m = x->w->model;
	struct bl_alert a;
	memset(&a, 0, sizeof(a));
	a.m = m;
	a.c = *c;
	a.s = *s;
	a.proto = proto;
	bool kc = bl_set_has(m->hosts_client, m->smask, bl_host_hash(c));
	bool ks = bl_set_has(m->hosts_server, m->smask, bl_host_hash(s));
	if (!kc) {
		a.kind = BL_NEW_TALKER;
		deviate(x, &a);
	}
	if (!ks) {
		a.kind = BL_NEW_SERVER;
		deviate(x, &a);
	}
	if (!kc || !ks)
		return;
	bool pair = bl_set_has(m->pairs, m->smask, bl_mix(bl_host_hash(c), bl_host_hash(s)));
	a.kind = pair ? BL_NEW_PROTOCOL : BL_NEW_CONVERSATION;
	deviate(x, &a);
}

/* the state of this tx's flow or L2 conversation, made on first use */
static struct bl_fstate *state_of(struct bl_worker *w, const struct packet *p, struct flow *f,
				  const struct bl_host *c, const struct bl_host *s, int proto)
{
	if (f) {
		if (f->baseline)
			return f->baseline;
		struct bl_fstate *st = calloc(1, sizeof(*st));
		if (!st) {
			w->st.flow_state_failures++;
			return NULL;
		}
		st->f = f;
		f->baseline = st;
		w->st.flows++;
		return st;
	}
	uint32_t n = w->cfg.l2_conversations;
	uint64_t h = bl_conv_hash(c, s, proto);
	for (uint32_t i = 0, k = (uint32_t)h % (n ? n : 1); i < n; i++, k = (k + 1) % n) {
		struct bl_l2 *e = &w->l2[k];
		if (!e->used) {
			e->used = true;
			e->c = *c;
			e->s = *s;
			e->proto = proto;
			e->st.proto = (int16_t)proto;
			e->st.tie = p ? p->pcap_cnt : 0;
			w->n_l2++;
			return &e->st;
		}
		if (e->proto == proto && !bl_host_cmp(&e->c, c) && !bl_host_cmp(&e->s, s))
			return &e->st;
	}
	w->st.l2_table_full++;
	return NULL;
}

/* the timing slot of a function in a flow */
static struct bl_tslot *tslot(struct bl_worker *w, struct bl_fstate *st, int32_t code)
{
	for (int i = 0; i < BL_TSLOTS; i++) {
		if (st->ts[i].used && st->ts[i].code == code)
			return &st->ts[i];
		if (!st->ts[i].used) {
			st->ts[i].used = true;
			st->ts[i].code = code;
			return &st->ts[i];
		}
	}
	w->st.timing_slots_full++;
	return NULL;
}

/* ---- learning ------------------------------------------------------------------------------ */

static void learn_start(struct bl_worker *w, struct bl_func *fn, uint64_t ts)
{
	if (w->starts_kept >= w->cfg.max_starts) {
		w->lst->starts_dropped++;
		return;
	}
	if (fn->n_starts == fn->cap_starts) {
		uint32_t nc = fn->cap_starts ? fn->cap_starts * 2 : 8;
		struct bl_start *n = realloc(fn->starts, (size_t)nc * sizeof(*n));
		if (!n) {
			w->lst->starts_dropped++;
			return;
		}
		fn->starts = n;
		fn->cap_starts = nc;
	}
	fn->starts[fn->n_starts].run = w->run;
	fn->starts[fn->n_starts++].ts = ts;
	w->starts_kept++;
}

static void learn_tx(struct bl_worker *w, struct bl_fstate *st, const struct app_tx *tx,
		     const struct bl_host *c, const struct bl_host *s, int proto, uint64_t ts)
{
	struct bl_model *m = w->learn;
	struct bl_conv *cv;
	if (st && st->resolved) {
		cv = st->lconv;
	} else {
		bool capped = false;
		cv = bl_model_conv(m, c, s, proto, true, &capped);
		if (!cv)
			w->lst->conversations_dropped++;
		if (st) {
			st->resolved = true;
			st->lconv = cv;
		}
	}
	w->st.transactions++;
	if (!m->txs || ts < m->first)
		m->first = ts;
	if (ts > m->last)
		m->last = ts;
	m->txs++;
	if (!cv)
		return;
	if (!cv->txs || ts < cv->first)
		cv->first = ts;
	if (ts > cv->last)
		cv->last = ts;
	cv->txs++;
	if (!tx->proto->facts) {
		w->st.no_facts++;
		return;
	}
	struct app_facts fa;
	app_facts_init(&fa, tx->is_response ? APP_ROLE_RESPONSE : APP_ROLE_REQUEST);
	tx->proto->facts(tx, &fa);
	if (fa.ranges_total > fa.n_ranges || fa.values_total > fa.n_values ||
	    fa.names_total > fa.n_names)
		w->st.facts_truncated++;
	const struct bl_config *cfg = &w->cfg;
	if (fa.has_unit) {
		if (!cv->unit_name[0] && fa.unit_name)
			snprintf(cv->unit_name, sizeof(cv->unit_name), "%s", fa.unit_name);
		if (bl_rs_add(&cv->units, fa.unit, fa.unit, cfg->max_ranges) > 0)
			w->lst->ranges_merged++;
	}
	for (unsigned i = 0; i < fa.n_values; i++) {
		const struct app_fact_value *v = &fa.values[i];
		bool capped = false;
		struct bl_value *bv = bl_conv_value(cv, v->sp.id, v->sp.qual, v->addr, true,
						    cfg->max_values, &capped);
		if (!bv) {
			w->lst->values_dropped++;
			continue;
		}
		if (!bv->name[0] && v->sp.name)
			snprintf(bv->name, sizeof(bv->name), "%s", v->sp.name);
		double x = v->v == 0 ? 0 : v->v;
		if (v->written) {
			if (!bv->has_w || x < bv->wlo)
				bv->wlo = x;
			if (!bv->has_w || x > bv->whi)
				bv->whi = x;
			bv->has_w = true;
		} else {
			if (!bv->has_r || x < bv->rlo)
				bv->rlo = x;
			if (!bv->has_r || x > bv->rhi)
				bv->rhi = x;
			bv->has_r = true;
		}
	}
	if (fa.n_idents) {
		const struct bl_host *snd = tx->dir == APP_TOSERVER ? c : s;
		bool capped = false;
		struct bl_ident *id = bl_model_ident(m, snd, proto, true, &capped);
		for (unsigned i = 0; i < fa.n_idents; i++) {
			char val[BL_STR_MAX];
			bl_canon(val, fa.idents[i].s, fa.idents[i].len);
			if (!id || bl_ident_add(id, fa.idents[i].key, val))
				w->lst->identities_dropped++;
		}
	}
	if (fa.function < 0)
		return;
	struct bl_func *fn = bl_conv_func(cv, fa.function, true, cfg->max_functions);
	if (!fn) {
		w->lst->functions_dropped++;
		return;
	}
	if (!fn->name[0] && fa.function_name)
		snprintf(fn->name, sizeof(fn->name), "%s", fa.function_name);
	fn->fclass = fa.fclass;
	fn->count[fa.role < 3 ? fa.role : 0]++;
	for (unsigned i = 0; i < fa.n_ranges; i++) {
		const struct app_fact_range *r = &fa.ranges[i];
		struct bl_space *sp = bl_func_space(fn, r->sp.id, r->sp.qual, true);
		if (!sp)
			continue;
		if (!sp->name[0] && r->sp.name)
			snprintf(sp->name, sizeof(sp->name), "%s", r->sp.name);
		if (bl_rs_add(&sp->rs, r->lo, r->hi, cfg->max_ranges) > 0)
			w->lst->ranges_merged++;
	}
	for (unsigned i = 0; i < fa.n_names; i++) {
		const struct app_fact_name *nm = &fa.names[i];
		struct bl_names *ns = bl_func_names(fn, nm->sp.id, true);
		if (!ns)
			continue;
		if (!ns->name[0] && nm->sp.name)
			snprintf(ns->name, sizeof(ns->name), "%s", nm->sp.name);
		char text[BL_STR_MAX];
		bl_canon(text, nm->s, nm->len);
		if (bl_names_add(ns, text, cfg->max_names) > 0)
			w->lst->names_dropped++;
	}
	if (fa.role != APP_ROLE_RESPONSE && st) {
		struct bl_tslot *t = tslot(w, st, fa.function);
		if (t) {
			if (t->last && ts > t->last && ts - t->last <= (uint64_t)cfg->period_max_sec * 1000000u)
				bl_period_add(&fn->per, ts - t->last);
			if (!t->last && st->f) /* the connection's first: for connection_period */
				learn_start(w, fn, ts);
			t->last = ts;
		}
	}
}

/* ---- detection ----------------------------------------------------------------------------- */

/* v against the learned range of its address. *hint: where the previous
 * value was found in the conversation's sorted list (a response's values
 * are mostly consecutive addresses: then no search). */
static void check_value(struct bl_ctx *x, const struct bl_conv *cv, const struct app_fact_value *v,
			uint32_t *hint)
{
	const struct bl_value *bv = NULL;
	uint32_t h = *hint + 1;
	if (h < cv->n_values && cv->values[h].addr == v->addr && cv->values[h].id == v->sp.id &&
	    cv->values[h].qual == v->sp.qual) {
		bv = &cv->values[h];
	} else {
		bv = bl_conv_find_value(cv, v->sp.id, v->sp.qual, v->addr);
		if (!bv)
			return;
	}
	*hint = (uint32_t)(bv - cv->values);
	if (v->written ? !bv->has_w : !bv->has_r)
		return;
	const struct bl_config *c = &x->w->cfg;
	double lo = v->written ? bv->wlo : bv->rlo, hi = v->written ? bv->whi : bv->rhi;
	if (v->v >= lo && v->v <= hi)
		return;
	double m = (hi - lo) * (v->written ? c->value_tolerance : c->reported_tolerance);
	if (m < c->value_margin)
		m = c->value_margin;
	if (v->v >= lo - m && v->v <= hi + m)
		return;
	struct bl_alert a;
	alert_init(&a, x, v->written ? BL_VALUE_WRITTEN : BL_VALUE_REPORTED);
	a.sp = &v->sp;
	a.addr = v->addr;
	a.value = v->v;
	a.exp_lo = lo;
	a.exp_hi = hi;
	a.allow_lo = lo - m;
	a.allow_hi = hi + m;
	deviate(x, &a);
}

/* A connection's first request of fn, for the output stage's timing of
 * the conversation's connections. */
static void connection_event(struct bl_ctx *x, const struct bl_conv *cv, const struct bl_func *fn,
			     const struct app_facts *fa, int proto)
{
	struct bl_worker *w = x->w;
	if (!w->event)
		return;
	struct bl_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.ts = x->ts;
	ev.pcap_cnt = x->p ? x->p->pcap_cnt : 0;
	ev.flow_id = x->f->id;
	ev.conv = cv->hash;
	ev.client = x->f->key.addr[0];
	ev.server = x->f->key.addr[1];
	ev.cport = x->f->key.port[0];
	ev.sport = x->f->key.port[1];
	ev.ip_ver = x->f->key.ip_ver;
	ev.l4proto = x->f->key.proto;
	ev.proto = proto;
	ev.function = fn->code;
	ev.fclass = fa->fclass;
	snprintf(ev.fname, sizeof(ev.fname), "%s", fn->name);
	ev.mean = fn->cper.mean;
	ev.sd = fn->cper.sd;
	ev.n = fn->cper.n;
	ev.lo = fn->clo;
	ev.hi = fn->chi;
	w->st.connection_events++;
	w->event(w->user, &ev);
}

/* The learned conversation of x (x->c, x->s, x->proto set when unresolved). */
static const struct bl_conv *resolve(struct bl_ctx *x)
{
	struct bl_fstate *st = x->st;
	if (st && st->resolved)
		return st->conv;
	const struct bl_model *m = x->w->model;
	const struct bl_conv *cv =
		bl_model_find(m, x->c, x->s, x->proto, bl_conv_hash(x->c, x->s, x->proto));
	if (!cv)
		check_unknown(x, x->c, x->s, x->proto);
	if (st) {
		st->resolved = true;
		st->conv = cv;
	}
	return cv;
}

/* Are the reported values of this tx to be checked? A poll reports its
 * values many times a second: they are checked at most once per
 * reported-value-interval per flow and function (written values always).
 * Per flow, in packet time: the same whatever the worker count. */
static bool values_due(struct bl_worker *w, struct bl_fstate *st, const struct app_tx *tx,
		       uint64_t ts)
{
	uint64_t iv = w->cfg.reported_interval_us;
	if (!st || !iv || (tx->dir == APP_TOSERVER && !tx->is_response))
		return true;
	int32_t key = tx->proto->tx_function ? tx->proto->tx_function(tx) : -1;
	unsigned i = 0, old = 0;
	for (; i < st->n_vchk && st->vchk[i].fn != key; i++)
		if (st->vchk[i].at < st->vchk[old].at)
			old = i;
	if (i == st->n_vchk) { /* a new function: the first is checked */
		i = st->n_vchk < BL_VCHK ? st->n_vchk++ : old;
		st->vchk[i].fn = key;
		st->vchk[i].at = ts;
		return true;
	}
	if (ts >= st->vchk[i].at && ts - st->vchk[i].at < iv) {
		w->st.value_checks_skipped++;
		return false;
	}
	st->vchk[i].at = ts;
	return true;
}

static void detect_tx(struct bl_ctx *x)
{
	struct bl_worker *w = x->w;
	struct bl_fstate *st = x->st;
	w->st.transactions++;
	const struct bl_conv *cv = resolve(x);
	if (!cv) {
		w->st.unknown_conversation_txs++;
		return;
	}
	x->cv = cv;
	x->c = &cv->client;
	x->s = &cv->server;
	const struct app_tx *tx = x->tx;
	if (!tx->proto->facts) {
		w->st.no_facts++;
		return;
	}
	struct app_facts fa;
	app_facts_init(&fa, tx->is_response ? APP_ROLE_RESPONSE : APP_ROLE_REQUEST);
	fa.want_values = values_due(w, st, tx, x->ts);
	tx->proto->facts(tx, &fa);
	x->fa = &fa;
	if (fa.ranges_total > fa.n_ranges || fa.values_total > fa.n_values ||
	    fa.names_total > fa.n_names)
		w->st.facts_truncated++;
	struct bl_alert a;
	const struct bl_func *fn = NULL;
	if (fa.function >= 0) {
		fn = bl_conv_find_func(cv, fa.function);
		if (!fn) {
			alert_init(&a, x, BL_NEW_FUNCTION);
			deviate(x, &a);
		}
	}
	x->fn = fn;
	if (fa.has_unit && !bl_rs_has(&cv->units, fa.unit, fa.unit)) {
		alert_init(&a, x, BL_UNIT);
		a.unit = fa.unit;
		deviate(x, &a);
	}
	if (fn) {
		for (unsigned i = 0; i < fa.n_ranges; i++) {
			const struct app_fact_range *r = &fa.ranges[i];
			const struct bl_space *sp = bl_func_find_space(fn, r->sp.id, r->sp.qual);
			if (sp && bl_rs_has(&sp->rs, r->lo, r->hi))
				continue;
			alert_init(&a, x, BL_ADDRESS);
			a.sp = &r->sp;
			a.lo = r->lo;
			a.hi = r->hi;
			a.lsp = sp;
			deviate(x, &a);
			break; /* one per tx: the first address outside */
		}
		for (unsigned i = 0; i < fa.n_names; i++) {
			const struct app_fact_name *nm = &fa.names[i];
			char text[BL_STR_MAX];
			bl_canon(text, nm->s, nm->len);
			const struct bl_names *ns = bl_func_find_names(fn, nm->sp.id);
			if (ns && bl_names_has(ns, text))
				continue;
			alert_init(&a, x, BL_NAME);
			a.sp = &nm->sp;
			a.name = text;
			a.lns = ns;
			deviate(x, &a);
			break;
		}
	}
	uint32_t hint = UINT32_MAX; /* + 1 = 0: the first value is looked for at 0 */
	for (unsigned i = 0; i < fa.n_values; i++)
		check_value(x, cv, &fa.values[i], &hint);
	if (fa.n_idents) {
		const struct bl_host *snd = tx->dir == APP_TOSERVER ? x->c : x->s;
		const struct bl_ident *id = bl_model_find_ident(w->model, snd, x->proto);
		for (unsigned i = 0; id && i < fa.n_idents; i++) {
			const struct bl_ident_attr *at = NULL;
			for (unsigned k = 0; k < id->n && !at; k++)
				if (strcmp(id->at[k].key, fa.idents[i].key) == 0)
					at = &id->at[k];
			if (!at)
				continue;
			char val[BL_STR_MAX];
			bl_canon(val, fa.idents[i].s, fa.idents[i].len);
			bool known = false;
			for (unsigned k = 0; k < at->n && !known; k++)
				known = strcmp(at->v[k], val) == 0;
			if (known)
				continue;
			alert_init(&a, x, BL_IDENTITY);
			a.sender = *snd;
			a.key = fa.idents[i].key;
			a.seen = val;
			a.at = at;
			deviate(x, &a);
		}
	}
	/* polling period, within this flow (and the flow's first request of
	 * the function to the output stage, which times connections) */
	if (!fn || fa.role == APP_ROLE_RESPONSE || !st || !(fn->timed || fn->ctimed))
		return;
	struct bl_tslot *t = tslot(w, st, fa.function);
	if (!t)
		return;
	if (!t->last && x->f && fn->ctimed)
		connection_event(x, cv, fn, &fa, x->proto);
	if (!fn->timed) {
		t->last = x->ts;
		return;
	}
	t->fn = fn;
	if (t->last && x->ts > t->last) {
		uint64_t iv = x->ts - t->last;
		if ((iv > fn->phi && !t->silenced) || iv < fn->plo) {
			alert_init(&a, x, iv > fn->phi ? BL_PERIOD_SILENCE : BL_PERIOD_BURST);
			a.interval = iv;
			a.pfn = fn;
			a.plo = fn->plo;
			a.phi = fn->phi;
			deviate(x, &a);
		}
	}
	t->last = x->ts;
	t->silenced = false;
	list_add(w, st);
}

void bl_tx(struct bl_worker *w, const struct packet *p, struct flow *f, const struct app_tx *tx)
{
	uint64_t ts = p ? p->ts : f ? f->last_ts : 0;
	struct bl_fstate *st = f ? f->baseline : NULL;
	if (st && st->resolved && !w->learn) { /* the common case: a flow seen before */
		struct bl_ctx x = { w, p, f, tx, st, ts, false, NULL, NULL, st->proto, NULL, NULL, NULL };
		if (tx->proto == app_parsers[st->proto])
			detect_tx(&x);
		return;
	}
	struct bl_host c, s;
	int proto = app_parser_index_of(tx->proto);
	if (proto < 0)
		return;
	if (f) {
		host_of(&c, &f->key.addr[0], f->key.ip_ver);
		host_of(&s, &f->key.addr[1], f->key.ip_ver);
	} else {
		mac_of(&c, p, true);
		mac_of(&s, p, false);
	}
	st = state_of(w, p, f, &c, &s, proto);
	if (st)
		st->proto = (int16_t)proto;
	if (w->learn) {
		learn_tx(w, st, tx, &c, &s, proto, ts);
		return;
	}
	struct bl_ctx x = { w, p, f, tx, st, ts, false, &c, &s, proto, NULL, NULL, NULL };
	detect_tx(&x);
}

/* Silence found between packets: every timed function of every followed
 * flow whose last request is older than its period allows. The alerts go
 * out in the order of their flows' first packets (the tie of their
 * records), as the flow table reports expiries, so that records from
 * several workers merge in the same order whatever their number. */
struct bl_due {
	uint64_t tie;
	struct bl_fstate *st;
	int slot;
};

static int due_cmp(const void *x, const void *y)
{
	const struct bl_due *a = x, *b = y;
	if (a->tie != b->tie)
		return a->tie < b->tie ? -1 : 1;
	return a->slot - b->slot;
}

void bl_tick(struct bl_worker *w, uint64_t now)
{
	if (!w->model)
		return;
	uint32_t n = 0;
	for (struct bl_fstate *st = w->head.next; st != &w->head; st = st->next) {
		const struct flow *f = st->f;
		if (f && f->tcp && f->tcp->state >= TCPS_FIN_WAIT)
			continue; /* a connection closing: its polls went elsewhere */
		for (int i = 0; i < BL_TSLOTS; i++) {
			struct bl_tslot *t = &st->ts[i];
			if (!t->used || !t->fn || !t->last || t->silenced || now <= t->last ||
			    now - t->last <= t->fn->phi)
				continue;
			if (n == w->cap_due) {
				uint32_t nc = w->cap_due ? w->cap_due * 2 : 16;
				struct bl_due *d = realloc(w->due, nc * sizeof(*d));
				if (!d)
					break; /* the next tick tries again */
				w->due = d;
				w->cap_due = nc;
			}
			w->due[n].tie = f ? f->first_pcap_cnt : st->tie;
			w->due[n].st = st;
			w->due[n++].slot = i;
		}
	}
	if (n)
		qsort(w->due, n, sizeof(*w->due), due_cmp);
	for (uint32_t k = 0; k < n; k++) {
		struct bl_fstate *st = w->due[k].st;
		struct bl_tslot *t = &st->ts[w->due[k].slot];
		t->silenced = true;
		struct bl_alert a;
		memset(&a, 0, sizeof(a));
		a.kind = BL_PERIOD_SILENCE;
		a.m = w->model;
		a.cv = st->conv; /* known: only its functions are timed */
		a.c = st->conv->client;
		a.s = st->conv->server;
		a.proto = st->conv->proto;
		a.interval = now - t->last;
		a.pfn = t->fn;
		a.plo = t->fn->plo;
		a.phi = t->fn->phi;
		struct bl_ctx x = { w, NULL, st->f, NULL, st, now };
		x.tick = true;
		deviate(&x, &a);
	}
}

bool bl_wants_ticks(const struct bl_worker *w)
{
	return w && w->model && w->model->has_cper;
}

/* ---- the alert members ----------------------------------------------------------------------- */

static void put_host(struct jb *jb, const char *key, const struct bl_host *h)
{
	char t[64];
	bl_host_format(h, t, sizeof(t));
	jb_set_ascii(jb, key, t);
}

static const char *pname(int p)
{
	return p >= 0 && (size_t)p < app_n_parsers && app_parsers[p] ? app_parsers[p]->name : "unknown";
}

static void put_ranges(struct jb *jb, const char *key, const struct bl_rangeset *rs)
{
	jb_open_array(jb, key);
	for (uint32_t i = 0; rs && i < rs->n && i < 16; i++) {
		jb_open_array(jb, NULL);
		jb_set_uint(jb, NULL, rs->r[i].lo);
		jb_set_uint(jb, NULL, rs->r[i].hi);
		jb_close(jb);
	}
	jb_close(jb);
	if (rs && rs->n > 16)
		jb_set_uint(jb, "expected_ranges", rs->n);
}

static void put_ms(struct jb *jb, const char *key, uint64_t us)
{
	jb_set_double(jb, key, (double)us / 1000.0);
}

/* up to 8 hosts the learned conversations pair with h */
static void put_peers(struct jb *jb, const char *key, const struct bl_model *m,
		      const struct bl_host *h, bool h_is_server)
{
	jb_open_array(jb, key);
	unsigned n = 0, total = 0;
	for (uint32_t i = 0; i < m->n_convs; i++) {
		const struct bl_conv *cv = m->convs[i];
		const struct bl_host *me = h_is_server ? &cv->server : &cv->client;
		const struct bl_host *peer = h_is_server ? &cv->client : &cv->server;
		if (bl_host_cmp(me, h))
			continue;
		/* each peer once (conversations are sorted by client then server) */
		bool dup = false;
		for (uint32_t k = 0; k < i && !dup; k++) {
			const struct bl_conv *o = m->convs[k];
			dup = !bl_host_cmp(h_is_server ? &o->server : &o->client, h) &&
			      !bl_host_cmp(h_is_server ? &o->client : &o->server, peer);
		}
		if (dup)
			continue;
		total++;
		if (n++ < 8) {
			char t[64];
			bl_host_format(peer, t, sizeof(t));
			jb_set_ascii(jb, NULL, t);
		}
	}
	jb_close(jb);
	(void)total;
}

void bl_alert_json(const struct bl_alert *a, struct jb *jb)
{
	jb_open_object(jb, "alert");
	jb_set_ascii(jb, "action", "allowed");
	jb_set_uint(jb, "gid", 1);
	jb_set_uint(jb, "signature_id", BL_SID_BASE + a->kind);
	jb_set_uint(jb, "rev", 1);
	jb_set_ascii(jb, "signature", signatures[a->kind]);
	jb_set_ascii(jb, "category", "baseline");
	jb_set_uint(jb, "severity", severity_of(a));
	jb_close(jb);
	jb_open_object(jb, "baseline");
	jb_set_ascii(jb, "kind", bl_kind_names[a->kind]);
	jb_open_object(jb, "conversation");
	put_host(jb, "client", &a->c);
	put_host(jb, "server", &a->s);
	jb_set_ascii(jb, "protocol", pname(a->proto));
	jb_close(jb);
	const struct app_facts *fa = a->facts;
	if (fa && fa->function >= 0 && a->kind != BL_PERIOD_SILENCE && a->kind != BL_PERIOD_BURST) {
		jb_open_object(jb, "function");
		jb_set_int(jb, "code", fa->function);
		if (fa->function_name)
			jb_set_ascii(jb, "name", fa->function_name);
		jb_set_ascii(jb, "class", bl_class_name(fa->fclass));
		jb_close(jb);
	}
	switch (a->kind) {
	case BL_NEW_TALKER:
		jb_open_object(jb, "expected");
		put_peers(jb, "clients_of_server", a->m, &a->s, true);
		jb_close(jb);
		break;
	case BL_NEW_SERVER:
		jb_open_object(jb, "expected");
		put_peers(jb, "servers_of_client", a->m, &a->c, false);
		jb_close(jb);
		break;
	case BL_NEW_CONVERSATION:
		jb_open_object(jb, "expected");
		put_peers(jb, "servers_of_client", a->m, &a->c, false);
		put_peers(jb, "clients_of_server", a->m, &a->s, true);
		jb_close(jb);
		break;
	case BL_NEW_PROTOCOL: {
		jb_open_object(jb, "expected");
		jb_open_array(jb, "protocols");
		for (uint32_t i = 0; i < a->m->n_convs; i++) {
			const struct bl_conv *cv = a->m->convs[i];
			if (!bl_host_cmp(&cv->client, &a->c) && !bl_host_cmp(&cv->server, &a->s))
				jb_set_ascii(jb, NULL, pname(cv->proto));
		}
		jb_close(jb);
		jb_close(jb);
		break;
	}
	case BL_NEW_FUNCTION: {
		jb_open_object(jb, "expected");
		jb_open_array(jb, "functions");
		for (uint32_t i = 0; i < a->cv->n_funcs && i < 32; i++)
			jb_set_int(jb, NULL, a->cv->funcs[i].code);
		jb_close(jb);
		jb_open_array(jb, "names");
		for (uint32_t i = 0; i < a->cv->n_funcs && i < 32; i++)
			jb_set_str(jb, NULL, a->cv->funcs[i].name);
		jb_close(jb);
		if (a->cv->n_funcs > 32)
			jb_set_uint(jb, "count", a->cv->n_funcs);
		jb_close(jb);
		break;
	}
	case BL_ADDRESS:
		jb_open_object(jb, "space");
		jb_set_str(jb, "name", a->sp->name ? a->sp->name : "");
		jb_set_uint(jb, "id", a->sp->id);
		if (a->sp->qual)
			jb_set_uint(jb, "qualifier", a->sp->qual);
		jb_close(jb);
		jb_open_array(jb, "seen");
		jb_set_uint(jb, NULL, a->lo);
		jb_set_uint(jb, NULL, a->hi);
		jb_close(jb);
		jb_open_object(jb, "expected");
		put_ranges(jb, "ranges", a->lsp ? &a->lsp->rs : NULL);
		jb_close(jb);
		break;
	case BL_NAME:
		jb_open_object(jb, "space");
		jb_set_str(jb, "name", a->sp->name ? a->sp->name : "");
		jb_set_uint(jb, "id", a->sp->id);
		jb_close(jb);
		jb_set_str(jb, "seen", a->name);
		jb_open_object(jb, "expected");
		jb_open_array(jb, "names");
		for (uint32_t i = 0; a->lns && i < a->lns->n && i < 8; i++)
			jb_set_str(jb, NULL, a->lns->v[i]);
		jb_close(jb);
		if (a->lns && a->lns->n > 8)
			jb_set_uint(jb, "count", a->lns->n);
		jb_close(jb);
		break;
	case BL_UNIT:
		jb_set_str(jb, "unit_name", fa && fa->unit_name ? fa->unit_name : "unit");
		jb_set_uint(jb, "seen", a->unit);
		jb_open_object(jb, "expected");
		put_ranges(jb, "ranges", &a->cv->units);
		jb_close(jb);
		break;
	case BL_VALUE_WRITTEN:
	case BL_VALUE_REPORTED:
		jb_open_object(jb, "space");
		jb_set_str(jb, "name", a->sp->name ? a->sp->name : "");
		jb_set_uint(jb, "id", a->sp->id);
		if (a->sp->qual)
			jb_set_uint(jb, "qualifier", a->sp->qual);
		jb_close(jb);
		jb_set_uint(jb, "address", a->addr);
		jb_set_double(jb, "seen", a->value);
		jb_open_object(jb, "expected");
		jb_open_array(jb, "range");
		jb_set_double(jb, NULL, a->exp_lo);
		jb_set_double(jb, NULL, a->exp_hi);
		jb_close(jb);
		jb_open_array(jb, "allowed");
		jb_set_double(jb, NULL, a->allow_lo);
		jb_set_double(jb, NULL, a->allow_hi);
		jb_close(jb);
		jb_close(jb);
		break;
	case BL_PERIOD_SILENCE:
	case BL_PERIOD_BURST:
		jb_open_object(jb, "function");
		jb_set_int(jb, "code", a->pfn->code);
		if (a->pfn->name[0])
			jb_set_str(jb, "name", a->pfn->name);
		jb_set_ascii(jb, "class", bl_class_name(a->pfn->fclass));
		jb_close(jb);
		put_ms(jb, "seen_ms", a->interval);
		jb_open_object(jb, "expected");
		put_ms(jb, "mean_ms", a->pfn->per.mean);
		put_ms(jb, "sd_ms", a->pfn->per.sd);
		jb_set_uint(jb, "samples", a->pfn->per.n);
		jb_open_array(jb, "allowed_ms");
		jb_set_double(jb, NULL, (double)a->plo / 1000.0);
		jb_set_double(jb, NULL, (double)a->phi / 1000.0);
		jb_close(jb);
		jb_close(jb);
		break;
	case BL_IDENTITY:
		put_host(jb, "host", &a->sender);
		jb_set_str(jb, "attribute", a->key);
		jb_set_str(jb, "seen", a->seen);
		jb_open_object(jb, "expected");
		jb_open_array(jb, "values");
		for (unsigned i = 0; i < a->at->n; i++)
			jb_set_str(jb, NULL, a->at->v[i]);
		jb_close(jb);
		jb_close(jb);
		break;
	default:
		break;
	}
	jb_close(jb);
}

/* ---- the output stage ----------------------------------------------------------------------- */

#define BL_DEDUP_PROBE 32

/* A conversation's timed function: when its last connection first asked
 * for it, and that connection's event (for a silence record). */
struct bl_conn {
	uint64_t key;        /* 0 empty */
	bool silenced;
	struct bl_event ev;
};

struct bl_dedup {
	uint32_t mask;
	uint64_t realert_us;
	struct {
		uint64_t key;   /* 0 empty */
		uint64_t last;  /* packet time it last passed */
	} *t;
	struct bl_dedup_stats st;
	/* connections of conversations, timed in capture order */
	struct bl_conn *conn;
	uint32_t n_conn_slots;
	uint64_t last_tick;  /* seconds */
	struct jb jb;
};

struct bl_dedup *bl_dedup_new(const struct bl_config *cfg)
{
	struct bl_dedup *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	uint32_t n = 64;
	while (n < cfg->dedup_entries && n < (1u << 30))
		n *= 2;
	d->t = calloc(n, sizeof(*d->t));
	if (!d->t) {
		free(d);
		return NULL;
	}
	d->mask = n - 1;
	d->realert_us = (uint64_t)cfg->realert_sec * 1000000u;
	d->n_conn_slots = cfg->conn_entries ? cfg->conn_entries : 1;
	d->conn = calloc(d->n_conn_slots, sizeof(*d->conn));
	if (!d->conn) {
		free(d->t);
		free(d);
		return NULL;
	}
	jb_init(&d->jb, 1 << 16);
	return d;
}

void bl_dedup_free(struct bl_dedup *d)
{
	if (!d)
		return;
	jb_free(&d->jb);
	free(d->conn);
	free(d->t);
	free(d);
}

bool bl_dedup_pass(struct bl_dedup *d, uint64_t key, uint64_t ts)
{
	key |= 1;
	int reuse = -1;
	for (uint32_t i = 0; i < BL_DEDUP_PROBE; i++) {
		uint32_t k = ((uint32_t)key + i) & d->mask;
		if (d->t[k].key == key) {
			if (!d->realert_us || ts < d->t[k].last + d->realert_us) {
				d->st.repeats++;
				return false;
			}
			d->t[k].last = ts;
			d->st.passed++;
			return true;
		}
		if (reuse < 0 && (!d->t[k].key ||
				  (d->realert_us && ts >= d->t[k].last + d->realert_us)))
			reuse = (int)k;
		if (!d->t[k].key)
			break;
	}
	d->st.passed++;
	if (reuse < 0) {
		d->st.table_full++; /* fail open: an IDS does not hide alerts for its own limits */
		return true;
	}
	d->t[reuse].key = key;
	d->t[reuse].last = ts;
	return true;
}

/* An alert about the connections of a conversation (kind silence or
 * burst), built here: the output stage has no packet to take a header from. */
static void conn_record(struct bl_dedup *d, const struct bl_event *ev, uint8_t kind, uint64_t ts,
			uint64_t gap, bool at_event, bl_out_fn out, void *user)
{
	struct jb *jb = &d->jb;
	char t[40], a[64];
	jb_reset(jb);
	jb_open_object(jb, NULL);
	{
		char ds[20];
		civil_format_sec(ds, ts / 1000000u);
		snprintf(t, sizeof(t), "%s.%06u+0000", ds, (unsigned)(ts % 1000000u));
	}
	jb_set_ascii(jb, "timestamp", t);
	/* the header as eve.c writes it: the flow id in 51 bits, the sensor's
	 * interface, the conversation's Community ID, the sensor's name */
	jb_set_uint(jb, "flow_id", ev->flow_id & EVE_FLOW_ID_MASK);
	eve_put_in_iface(jb);
	if (at_event && ev->pcap_cnt)
		jb_set_uint(jb, "pcap_cnt", ev->pcap_cnt);
	jb_set_ascii(jb, "event_type", "alert");
	struct bl_host c, s;
	host_of(&c, &ev->client, ev->ip_ver);
	host_of(&s, &ev->server, ev->ip_ver);
	bl_host_format(&c, a, sizeof(a));
	jb_set_ascii(jb, "src_ip", a);
	jb_set_uint(jb, "src_port", ev->cport);
	bl_host_format(&s, a, sizeof(a));
	jb_set_ascii(jb, "dest_ip", a);
	jb_set_uint(jb, "dest_port", ev->sport);
	jb_set_ascii(jb, "proto", ev->l4proto == 17 ? "UDP" : "TCP");
	{
		struct flow_key k = { .addr = { ev->client, ev->server },
				      .port = { ev->cport, ev->sport },
				      .proto = ev->l4proto, .ip_ver = ev->ip_ver };
		char cid[40];
		community_id_v1(&k, 0, cid, sizeof(cid));
		if (cid[0])
			jb_set_ascii(jb, "community_id", cid);
	}
	jb_set_ascii(jb, "app_proto", pname(ev->proto));
	jb_set_ascii(jb, "direction", "to_server");
	uint8_t sev = kind == BL_PERIOD_SILENCE ? 3 : 2;
	jb_open_object(jb, "alert");
	jb_set_ascii(jb, "action", "allowed");
	jb_set_uint(jb, "gid", 1);
	jb_set_uint(jb, "signature_id", BL_SID_BASE + kind);
	jb_set_uint(jb, "rev", 1);
	jb_set_ascii(jb, "signature", signatures[kind]);
	jb_set_ascii(jb, "category", "baseline");
	jb_set_uint(jb, "severity", sev);
	jb_close(jb);
	jb_open_object(jb, "baseline");
	jb_set_ascii(jb, "kind", bl_kind_names[kind]);
	jb_set_ascii(jb, "scope", "between_connections");
	jb_open_object(jb, "conversation");
	bl_host_format(&c, a, sizeof(a));
	jb_set_ascii(jb, "client", a);
	bl_host_format(&s, a, sizeof(a));
	jb_set_ascii(jb, "server", a);
	jb_set_ascii(jb, "protocol", pname(ev->proto));
	jb_close(jb);
	jb_open_object(jb, "function");
	jb_set_int(jb, "code", ev->function);
	if (ev->fname[0])
		jb_set_str(jb, "name", ev->fname);
	jb_set_ascii(jb, "class", bl_class_name(ev->fclass));
	jb_close(jb);
	put_ms(jb, "seen_ms", gap);
	jb_open_object(jb, "expected");
	put_ms(jb, "mean_ms", ev->mean);
	put_ms(jb, "sd_ms", ev->sd);
	jb_set_uint(jb, "samples", ev->n);
	jb_open_array(jb, "allowed_ms");
	jb_set_double(jb, NULL, (double)ev->lo / 1000.0);
	jb_set_double(jb, NULL, (double)ev->hi / 1000.0);
	jb_close(jb);
	jb_close(jb);
	jb_close(jb);
	eve_put_sensor_tail(jb);
	jb_close(jb);
	if (!jb_ok(jb))
		return;
	d->st.connection_deviations++;
	uint64_t key = bl_mix(bl_mix(bl_mix(0x452821e638d01377ull, kind), ev->conv),
			      (uint64_t)ev->function) | 1;
	out(user, jb->buf, jb->len, ts, BL_SID_BASE + kind, sev, key, ev);
}

static struct bl_conn *conn_slot(struct bl_dedup *d, uint64_t key)
{
	uint32_t n = d->n_conn_slots;
	for (uint32_t i = 0, k = (uint32_t)(key % n); i < n && i < BL_DEDUP_PROBE; i++, k = (k + 1) % n) {
		if (d->conn[k].key == key || !d->conn[k].key)
			return &d->conn[k];
	}
	return NULL;
}

void bl_out_event(struct bl_dedup *d, const void *data, size_t len, bl_out_fn out, void *user)
{
	struct bl_event ev;
	if (!d || len != sizeof(ev))
		return;
	memcpy(&ev, data, sizeof(ev));
	uint64_t key = bl_mix(ev.conv, (uint64_t)ev.function) | 1;
	struct bl_conn *c = conn_slot(d, key);
	if (!c) {
		d->st.connection_table_full++;
		return;
	}
	if (c->key && ev.ts > c->ev.ts) {
		uint64_t gap = ev.ts - c->ev.ts;
		if ((gap > ev.hi && !c->silenced) || gap < ev.lo)
			conn_record(d, &ev, gap > ev.hi ? BL_PERIOD_SILENCE : BL_PERIOD_BURST, ev.ts, gap, true,
				    out, user);
	}
	c->key = key;
	c->silenced = false;
	c->ev = ev;
}

void bl_out_tick(struct bl_dedup *d, uint64_t now, bl_out_fn out, void *user)
{
	if (!d || now / 1000000u <= d->last_tick)
		return;
	d->last_tick = now / 1000000u;
	for (uint32_t i = 0; i < d->n_conn_slots; i++) {
		struct bl_conn *c = &d->conn[i];
		if (!c->key || c->silenced || now <= c->ev.ts || now - c->ev.ts <= c->ev.hi)
			continue;
		c->silenced = true;
		conn_record(d, &c->ev, BL_PERIOD_SILENCE, now, now - c->ev.ts, false, out, user);
	}
}

void bl_dedup_stats_get(const struct bl_dedup *d, struct bl_dedup_stats *out)
{
	if (d)
		*out = d->st;
	else
		memset(out, 0, sizeof(*out));
}

void bl_stats_json(struct jb *jb, const struct bl_worker_stats *ws, const struct bl_dedup_stats *ds,
		   size_t conversations)
{
	jb_open_object(jb, "baseline");
	jb_set_uint(jb, "conversations", conversations);
	jb_set_uint(jb, "transactions", ws->transactions);
	jb_set_uint(jb, "no_facts", ws->no_facts);
	jb_set_uint(jb, "unknown_conversation_txs", ws->unknown_conversation_txs);
	jb_open_object(jb, "deviations");
	for (int k = 1; k < BL_KIND__COUNT; k++)
		jb_set_uint(jb, bl_kind_names[k], ws->deviations[k]);
	jb_close(jb);
	jb_set_uint(jb, "repeats_in_flow", ws->repeats_in_flow);
	jb_set_uint(jb, "alerts", ds->passed);
	jb_set_uint(jb, "repeats", ds->repeats);
	jb_set_uint(jb, "dedup_table_full", ds->table_full);
	jb_set_uint(jb, "flows", ws->flows);
	jb_set_uint(jb, "flow_state_failures", ws->flow_state_failures);
	jb_set_uint(jb, "timing_slots_full", ws->timing_slots_full);
	jb_set_uint(jb, "l2_table_full", ws->l2_table_full);
	jb_set_uint(jb, "facts_truncated", ws->facts_truncated);
	jb_set_uint(jb, "value_checks_skipped", ws->value_checks_skipped);
	jb_set_uint(jb, "connection_events", ws->connection_events);
	jb_set_uint(jb, "connection_deviations", ds->connection_deviations);
	jb_set_uint(jb, "connection_table_full", ds->connection_table_full);
	jb_close(jb);
}
