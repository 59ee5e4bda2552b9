/* SPDX-License-Identifier: BSD-3-Clause */
#include "pipeline/worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly/baseline.h"
#include "output/eve.h"
#include "proto/ndpi.h"
#include "vigil/detect.h"

#define REC_MAX_BYTES (1u << 20) /* one EVE record at most */

void worker_config_defaults(struct worker_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	flow_config_defaults(&cfg->flow);
	app_config_defaults(&cfg->app);
	cfg->log_anomaly = true;
	cfg->log_flow = true;
	cfg->ndpi = true;
	assets_config_defaults(&cfg->assets);
}

static void emit_alert(struct worker *w, const char *event_type, uint8_t severity, uint64_t ts,
		       const struct detect_alert_meta *meta)
{
	if (!jb_ok(&w->jb)) {
		w->st.records_truncated++;
		return;
	}
	struct rec_key k = { w->key_cnt, w->key_tie, w->key_phase, w->seq++ };
	struct rec_info info = { event_type, severity, ts, meta };
	w->st.records++;
	if (w->sink.emit)
		w->sink.emit(w->sink.user, w->id, &k, w->jb.buf, w->jb.len, &info);
}

static void emit(struct worker *w, const char *event_type, uint8_t severity, uint64_t ts)
{
	emit_alert(w, event_type, severity, ts, NULL);
}

/* ---- the learned baseline ------------------------------------------------- */

static void bl_members(const void *arg, struct jb *jb)
{
	bl_alert_json(arg, jb);
}

/* A deviation from the baseline: an alert record, written by the output
 * stage once per v->dedup per realert interval. */
static void on_bl_alert(void *user, const struct bl_alert_view *v)
{
	struct worker *w = user;
	/* found without a packet, ordered by the flow (its first packet): at
	 * a flow's end, with the flow's other records; at a tick, after the
	 * tick's expiries (whose ties are below the tick's packet) */
	if (!v->p)
		w->key_tie = v->tick ? w->key_cnt + v->tie : v->tie;
	if (v->f) /* the flow record says it alerted, as after a rule's alert */
		((struct flow *)(uintptr_t)v->f)->alerted = 1;
	eve_alert_with(&w->jb, v->p, v->f, v->tx, v->dir, v->ts, bl_members, v->a);
	if (!jb_ok(&w->jb)) {
		w->st.records_truncated++;
		return;
	}
	struct detect_alert_meta meta;
	memset(&meta, 0, sizeof(meta));
	meta.gid = 1;
	meta.sid = v->sid;
	if (v->src) {
		meta.src = *v->src;
		meta.dst = *v->dst;
		meta.ip_ver = v->ip_ver;
	}
	struct rec_key k = { w->key_cnt, w->key_tie, w->key_phase, w->seq++ };
	struct rec_info info = { "alert", v->severity, v->ts, &meta };
	info.dedup = v->dedup;
	w->st.records++;
	if (w->sink.emit)
		w->sink.emit(w->sink.user, w->id, &k, w->jb.buf, w->jb.len, &info);
}

/* A connection's first request of a timed function: a message (not a
 * record) to the output stage, which times connections in capture order. */
static void on_bl_event(void *user, const struct bl_event *ev)
{
	struct worker *w = user;
	struct rec_key k = { w->key_cnt, w->key_tie, w->key_phase, w->seq++ };
	struct rec_info info = { bl_event_type, 0, ev->ts, NULL };
	if (w->sink.emit)
		w->sink.emit(w->sink.user, w->id, &k, (const char *)ev, sizeof(*ev), &info);
}

/* tx of flow f (NULL: a frame without IP) to the baseline: out of the way
 * of the transaction path when there is no baseline */
static __attribute__((noinline)) void bl_on_tx(struct worker *w, struct flow *f,
					       const struct app_tx *tx)
{
	bool had = f && f->baseline;
	bl_tx(w->bl, w->cur, f, tx);
	if (f && !had && f->baseline)
		flow_mem_adjust(w->ft, (int64_t)bl_flow_state_size());
}

static uint64_t rec_ts(const struct worker *w)
{
	return w->cur ? w->cur->ts : w->now;
}

/* A fact of tx for the asset inventory, queued with the records (keyed
 * like them, so that the output stage applies the facts of every worker
 * in capture order). */
static __attribute__((noinline)) void asset_emit(struct worker *w, const struct asset_fact *fa)
{
	struct rec_key k = { w->key_cnt, w->key_tie, w->key_phase, w->seq++ };
	struct rec_info info = { "asset_fact", 0, rec_ts(w), NULL };
	info.fact = true;
	if (w->sink.emit)
		w->sink.emit(w->sink.user, w->id, &k, (const char *)fa, asset_fact_len(fa), &info);
}

/* The fact of a tx that has something to say. */
static __attribute__((noinline)) void asset_fact(struct worker *w, struct flow *f,
						 const struct app_tx *tx, bool first, bool id)
{
	asset_emit(w, asset_tap_make(w->assets, w->cur, f, tx, first, id));
}

/* Called last in on_app_tx (a tail call: the callback keeps its registers
 * for the common path), for every tx: the flow's memory and the parser's
 * hook, a few dozen instructions when there is nothing to say. */
static __attribute__((noinline)) void asset_tx(struct worker *w, struct flow *f,
					       const struct app_tx *tx)
{
	bool (*hook)(const struct app_tx *, bool, struct app_identity *);
	hook = tx->proto->identity;
	if (asset_tap_first(f, tx, w->now)) {
		asset_fact(w, f, tx, true, hook && hook(tx, true, &w->assets->fact.id));
		return;
	}
	if (hook && hook(tx, false, &w->assets->fact.id))
		asset_fact(w, f, tx, false, true);
}

/* The same for a frame without IP. */
static __attribute__((noinline)) void asset_l2_tx(struct worker *w, const struct app_tx *tx)
{
	const struct asset_fact *fa = asset_tap_l2(w->assets, w->cur, tx);
	if (fa)
		asset_emit(w, fa);
}

/* ---- detection ---------------------------------------------------------- */

static void on_alert(void *user, const struct detect_alert *a)
{
	struct worker *w = user;
	struct detect_alert_meta meta;
	detect_alert_meta_fill(a, &meta);
	w->st.alerts++;
	uint64_t ts = a->p ? a->p->ts : rec_ts(w);
	eve_alert(&w->jb, a, ts);
	int sev = detect_rule_severity(a->rule);
	emit_alert(w, "alert", (uint8_t)(sev < 1 ? 1 : sev > 4 ? 4 : sev), ts, &meta);
}

/* Picks up a reloaded engine (cheap when nothing changed). */
static __attribute__((noinline)) void detect_switch(struct worker *w, uint64_t g);

/* Before each packet: the engine in use (a load and a compare). */
static inline void detect_sync(struct worker *w)
{
	uint64_t g = atomic_load_explicit(&w->cfg->detect->gen, memory_order_acquire);
	if (g != w->de_gen)
		detect_switch(w, g);
}

/* A new engine (start, or a reload): this thread's context for it. */
static void detect_switch(struct worker *w, uint64_t g)
{
	struct detect_holder *dh = w->cfg->detect;
	struct detect_engine *de = atomic_load_explicit(&dh->de, memory_order_acquire);
	detect_thread_free(w->dt);
	w->dt = de ? detect_thread_new(de) : NULL;
	if (de && !w->dt)
		w->st.detect_oom++;
	w->de_gen = g;
	atomic_store_explicit(&w->de_ack, g, memory_order_release);
}

/* ---- callbacks from the flow table ------------------------------------ */

static void on_stream_data(void *user, struct flow *f, struct packet *p, uint8_t dir,
			   const uint8_t *b, uint32_t len)
{
	struct worker *w = user;
	(void)p;
	w->cur_flow = f;
	app_flow_data(&w->al, f, dir, b, len);
}

static void on_stream_gap(void *user, struct flow *f, struct packet *p, uint8_t dir, uint32_t len)
{
	struct worker *w = user;
	(void)p;
	(void)len;
	w->cur_flow = f;
	app_flow_gap(&w->al, f, dir);
}

static void on_stream_event(void *user, struct flow *f, struct packet *p, enum stream_event ev)
{
	struct worker *w = user;
	w->st.anomalies++;
	if (!w->cfg->log_anomaly)
		return;
	eve_anomaly_stream(&w->jb, p, f, rec_ts(w), stream_event_names[ev]);
	emit(w, "anomaly", 0, rec_ts(w));
}

static void on_flow_ending(void *user, struct flow *f)
{
	struct worker *w = user;
	/* records about a flow that ends outside a packet (expiry, end of
	 * input) are ordered by the flow's first packet */
	if (w->key_phase == 0)
		w->key_tie = f->first_pcap_cnt;
	w->cur_flow = f;
}

/* nDPI's per-flow state is counted in the flow memcap. How room is made
 * depends on where nDPI is called from:
 *   EVICT      a packet of the flow (ndpi_offer): the least recently
 *              active flows other than this one are given up if need be;
 *   CAP        held packets offered once the context is there (the backlog
 *              holds flow pointers: no flow may end): beyond the memcap
 *              nDPI gives the flow up;
 *   TRANSIENT  a flow ending (nDPI's final guess; its state is freed
 *              before the call returns, and no other flow may end): taken
 *              whatever the memcap. */
enum { NDPI_MEM_CAP, NDPI_MEM_EVICT, NDPI_MEM_TRANSIENT };

static bool on_ndpi_mem(void *user, const struct flow *f, int64_t delta)
{
	struct worker *w = user;
	if (delta <= 0) {
		flow_mem_adjust(w->ft, delta);
		return true;
	}
	bool fits = flow_mem_take(w->ft, f, (uint64_t)delta, w->ndpi_mem == NDPI_MEM_EVICT, w->now);
	return fits || w->ndpi_mem == NDPI_MEM_TRANSIENT;
}

/* Waits for nDPI's context and offers it the held packets. */
static void ndpi_settle(struct worker *w)
{
	w->ndpi = ndpi_maker_finish(w->ndpi_mk);
	w->ndpi_mk = NULL;
	if (w->ndpi)
		ndpi_ctx_set_mem(w->ndpi, on_ndpi_mem, w);
	/* the backlog holds flow pointers: no flow may end while it drains */
	uint8_t mode = w->ndpi_mem;
	w->ndpi_mem = NDPI_MEM_CAP;
	ndpi_backlog_drain(&w->ndpi_bl, w->ndpi);
	w->ndpi_mem = mode;
	ndpi_backlog_free(&w->ndpi_bl);
	int none = 0; /* the first worker to find it out is named */
	if (!w->ndpi && w->ndpi_failed)
		atomic_compare_exchange_strong(w->ndpi_failed, &none, w->id + 1);
}

/* p of flow f, for nDPI: offered, or held while the context is made. */
static inline void ndpi_offer(struct worker *w, struct flow *f, const struct packet *p)
{
	/* nDPI has decided: nothing more to offer (most packets; one compare) */
	if (f->app.ndpi_status > NDPI_STATUS_PROBING)
		return;
	if (!w->ndpi) {
		if (!w->ndpi_mk)
			return;
		if (!ndpi_maker_done(w->ndpi_mk) && ndpi_backlog_add(&w->ndpi_bl, f, p))
			return;
		ndpi_settle(w);
	}
	/* room for f's nDPI state may be made by giving up other flows (whose
	 * end makes them current for a while) */
	w->ndpi_mem = NDPI_MEM_EVICT;
	ndpi_flow_packet(w->ndpi, f, p);
	w->ndpi_mem = NDPI_MEM_CAP;
	w->cur_flow = f;
}

static void on_flow_end(void *user, struct flow *f, enum flow_end_reason why, uint64_t now)
{
	struct worker *w = user;
	(void)now;
	char nbuf[64], cbuf[64];
	const char *nproto = NULL, *ncat = NULL;
	if (w->ndpi_mk) /* nDPI's verdict is needed now */
		ndpi_settle(w);
	if (w->ndpi) {
		uint8_t mode = w->ndpi_mem;
		w->ndpi_mem = NDPI_MEM_TRANSIENT;
		ndpi_flow_end(w->ndpi, f);
		w->ndpi_mem = mode;
		nproto = ndpi_flow_proto_name(w->ndpi, f, nbuf, sizeof(nbuf));
		ncat = ndpi_flow_category_name(w->ndpi, f, cbuf, sizeof(cbuf));
	}
	if (w->cfg->log_flow) {
		eve_flow(&w->jb, f, why, app_flow_proto_name(f), nproto, ncat);
		w->st.flow_records++;
		emit(w, "flow", 0, f->last_ts);
	}
	app_flow_free(&w->al, f);
	if (f->baseline)
		flow_mem_adjust(w->ft, -(int64_t)bl_flow_end(w->bl, f));
	detect_flow_free(f); /* flowint values, thresholds by flow */
}

static bool on_server_port(void *user, uint8_t proto, uint16_t port)
{
	struct worker *w = user;
	return app_is_server_port(&w->cfg->app, proto, port);
}

/* ---- callbacks from the application layer ------------------------------ */

/* A tx or event of a frame without IP (an APP_L2 parser): no flow. */
static void on_l2_tx(struct worker *w, const struct app_tx *tx)
{
	int i = app_parser_index_of(tx->proto);
	if (i >= 0 && w->cfg->app.proto[i].log_tx && tx->proto->log_tx) {
		eve_tx(&w->jb, w->cur, NULL, tx);
		emit(w, tx->proto->name, 0, rec_ts(w));
	}
	if (w->dt) {
		struct detect_alert_sink sink = { w, on_alert };
		detect_tx(w->dt, w->cur, NULL, tx, &sink);
	}
	if (__builtin_expect(w->bl != NULL, 0))
		bl_on_tx(w, NULL, tx);
	if (w->assets)
		asset_l2_tx(w, tx);
}

static void on_l2_event(struct worker *w, const struct proto_parser *p, uint16_t ev)
{
	if (w->cfg->log_anomaly) {
		eve_anomaly_app(&w->jb, w->cur, NULL, p ? p->name : NULL, app_event_name(p, ev));
		emit(w, "anomaly", 0, rec_ts(w));
	}
	if (w->dt) {
		struct detect_alert_sink sink = { w, on_alert };
		detect_app_event(w->dt, w->cur, NULL, p, ev, &sink);
	}
}

static void on_app_tx(void *user, const struct app_tx *tx)
{
	struct worker *w = user;
	struct flow *f = w->cur_flow;
	if (!f) {
		if (w->cur && (w->cur->flags & PKT_IS_L2_ICS))
			on_l2_tx(w, tx);
		return;
	}
	f->has_tx = 1;
	int i = app_parser_index_of(tx->proto);
	if (i >= 0 && w->cfg->app.proto[i].log_tx && tx->proto->log_tx) {
		eve_tx(&w->jb, w->cur, f, tx);
		emit(w, tx->proto->name, 0, rec_ts(w));
	}
	if (w->dt) {
		struct detect_alert_sink sink = { w, on_alert };
		detect_tx(w->dt, w->cur, f, tx, &sink);
		w->cur_flow = f;
	}
	if (__builtin_expect(w->bl != NULL, 0))
		bl_on_tx(w, f, tx);
	if (w->assets)
		asset_tx(w, f, tx);
}

static void on_app_event(void *user, const struct proto_parser *p, uint16_t ev)
{
	struct worker *w = user;
	w->st.anomalies++;
	struct flow *f = w->cur_flow;
	if (!f) {
		if (w->cur && (w->cur->flags & PKT_IS_L2_ICS))
			on_l2_event(w, p, ev);
		return;
	}
	if (w->cfg->log_anomaly) {
		eve_anomaly_app(&w->jb, w->cur, f, app_flow_proto_name(f), app_event_name(p, ev));
		emit(w, "anomaly", 0, rec_ts(w));
	}
	if (w->dt) {
		struct detect_alert_sink sink = { w, on_alert };
		detect_app_event(w->dt, w->cur, f, p, ev, &sink);
		w->cur_flow = f;
	}
}

static void on_app_mem(void *user, int64_t delta)
{
	struct worker *w = user;
	flow_mem_adjust(w->ft, delta);
}

int worker_init(struct worker *w, int id, const struct worker_config *cfg,
		const struct rec_sink *sink)
{
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->cfg = cfg;
	w->sink = *sink;
	jb_init(&w->jb, REC_MAX_BYTES);
	app_layer_init(&w->al, &cfg->app);
	w->al.user = w;
	w->al.on_tx = on_app_tx;
	w->al.on_event = on_app_event;
	w->al.mem_delta = on_app_mem;
	struct flow_callbacks cb = {
		.user = w,
		.data = on_stream_data,
		.gap = on_stream_gap,
		.event = on_stream_event,
		.ending = on_flow_ending,
		.end = on_flow_end,
		.server_port = on_server_port,
	};
	struct flow_config fc = cfg->flow;
	if (cfg->ndpi)
		fc.new_flow_extra = (uint32_t)ndpi_flow_state_size();
	w->ft = flow_table_new(&fc, &cb);
	if (!w->ft)
		return -ENOMEM;
	if (cfg->bl_cfg && (cfg->baseline || cfg->learner)) {
		w->bl = bl_worker_new(cfg->bl_cfg, cfg->baseline, cfg->learner, id, on_bl_alert,
				      on_bl_event, w);
		if (!w->bl)
			return -ENOMEM;
	}
	if (cfg->assets.enabled && !(w->assets = asset_tap_new()))
		return -ENOMEM;
	if (cfg->detect)
		detect_sync(w);
	return 0;
}

int worker_start_ndpi(struct worker *w)
{
	if (!w->cfg->ndpi || w->ndpi || w->ndpi_mk)
		return 0;
	w->ndpi_mk = ndpi_maker_take();
	return w->ndpi_mk ? 0 : -ENOMEM;
}

void worker_fini(struct worker *w)
{
	if (!w)
		return;
	app_layer_fini(&w->al); /* the L2 parsers' state, while the flow memcap exists */
	if (w->ft) {
		w->key_cnt = REC_END;
		w->key_phase = 0;
		w->cur = NULL;
		flow_table_free(w->ft);
		w->ft = NULL;
	}
	/* still being made: no flow ever needed it (a flow's end waits for
	 * it), so there is nothing held and nothing to report */
	ndpi_ctx_free(ndpi_maker_finish(w->ndpi_mk));
	w->ndpi_mk = NULL;
	ndpi_backlog_free(&w->ndpi_bl);
	ndpi_ctx_free(w->ndpi);
	w->ndpi = NULL;
	detect_thread_free(w->dt);
	w->dt = NULL;
	bl_worker_free(w->bl); /* after the flows: their baseline state is gone */
	w->bl = NULL;
	asset_tap_free(w->assets);
	w->assets = NULL;
	jb_free(&w->jb);
}

void worker_tick(struct worker *w, uint64_t now, uint64_t pcap_cnt)
{
	if (w->cfg->detect)
		detect_sync(w);
	w->now = now;
	w->cur = NULL;
	w->cur_flow = NULL;
	w->key_cnt = pcap_cnt;
	w->key_phase = 0;
	flow_timeout(w->ft, now);
	if (w->bl) {
		bl_tick(w->bl, now);
		if (bl_wants_ticks(w->bl) && w->sink.emit) {
			/* time passes for the output stage's timing of connections,
			 * after everything else of this tick */
			struct rec_key k = { w->key_cnt, UINT64_MAX, 0, w->seq++ };
			struct rec_info info = { bl_event_type, 0, now, NULL };
			w->sink.emit(w->sink.user, w->id, &k, "", 0, &info);
		}
	}
}

void worker_finish(struct worker *w, uint64_t now)
{
	w->now = now;
	w->cur = NULL;
	w->cur_flow = NULL;
	w->key_cnt = REC_END;
	w->key_phase = 0;
	flow_flush_all(w->ft, now);
}

void worker_packet(struct worker *w, struct packet *p)
{
	w->cur = p;
	w->cur_flow = NULL;
	w->key_cnt = p->pcap_cnt;
	w->key_phase = 1;
	w->key_tie = 0;
	w->now = p->ts;
	w->st.pkts++;
	w->st.bytes += p->wirelen;

	if (p->n_events) {
		w->st.anomalies += p->n_events;
		if (w->cfg->log_anomaly) {
			for (unsigned i = 0; i < p->n_events; i++) {
				if (p->events[i] == DEC_FRAG_MEMCAP_HIT)
					eve_anomaly_defrag(&w->jb, p);
				else
					eve_anomaly_decode(&w->jb, p, decode_event_names[p->events[i]]);
				emit(w, "anomaly", 0, p->ts);
			}
		}
	}
	if (w->cfg->detect)
		detect_sync(w);
	if (p->flags & PKT_IS_L2_ICS) {
		/* GOOSE, PROFINET DCP...: no flow; the parser of its EtherType */
		app_l2_frame(&w->al, p);
		w->cur_flow = NULL;
		return;
	}
	if ((p->flags & PKT_FRAGMENT) || !(p->flags & PKT_HAS_FLOW_KEY)) {
		/* a fragment (held by the defragmenter) or a packet too broken to
		 * have a flow: only its decoder events can concern the rules */
		if (p->n_events && w->dt) {
			struct detect_alert_sink sink = { w, on_alert };
			detect_packet(w->dt, p, NULL, &sink);
		}
		return;
	}

	struct flow *f = flow_lookup(w->ft, p);
	if (!f) {
		w->st.no_flow++;
		return;
	}
	w->cur_flow = f;
	ndpi_offer(w, f, p);

	if (p->l4proto == IPPROTO_TCP) {
		stream_packet(w->ft, f, p);
	} else if (p->l4proto == IPPROTO_UDP && p->payload_len) {
		app_flow_data(&w->al, f, p->dir, p->payload, p->payload_len);
	}
	if (w->dt) {
		struct detect_alert_sink sink = { w, on_alert };
		w->cur_flow = f;
		detect_packet(w->dt, p, f, &sink);
	}
	w->cur_flow = NULL;
}
