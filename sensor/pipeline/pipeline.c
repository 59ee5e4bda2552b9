/* SPDX-License-Identifier: BSD-3-Clause */
#include "pipeline/pipeline.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "anomaly/baseline.h"
#include "flow/flow.h"
#include "output/chain.h"
#include "pipeline/ring.h"
#include "pipeline/stats.h"
#include "util/blk.h"
#include "util/clock.h"
#include "vigil/detect.h"

#define POS_DONE UINT64_MAX

enum msg_type { MSG_PKT = 1, MSG_TICK, MSG_END };

struct msg {
	uint32_t type;
	uint32_t data_len;
	uint64_t pcap_cnt;
	uint64_t ts;
	struct packet p;     /* MSG_PKT: followed by data_len bytes of frame */
};

struct rec_msg {
	struct rec_key key;
	const char *event_type;
	uint64_t ts;
	uint32_t len;
	uint32_t room;                   /* json's bytes: len and room to seal
					  * the record in place (signed) */
	uint8_t severity;
	bool has_alert;
	bool has_pre;                    /* a struct chain_prehash follows json */
	uint64_t dedup;                  /* learned-baseline alerts (rec_info.dedup) */
	bool fact;                       /* json holds an asset fact, not a record */
	struct detect_alert_meta alert;  /* when has_alert: for thresholds */
	char json[];
};

/* where a record's prehash sits, from the start of its message (8-byte
 * aligned, as ring messages are): after its JSON's room */
static inline size_t pre_off(uint32_t room)
{
	return (offsetof(struct rec_msg, json) + (size_t)room + 7u) & ~(size_t)7u;
}

/* m is the output stage's until it releases it: the record may be sealed
 * where it lies (info.own) */
static inline struct rec_info msg_info(const struct rec_msg *m)
{
	struct rec_info info = { m->event_type, m->severity, m->ts,
				 m->has_alert ? &m->alert : NULL,
				 m->has_pre ? (const struct chain_prehash *)(const void *)((const char *)m + pre_off(m->room))
					    : NULL,
				 (char *)(uintptr_t)m->json, m->room, m->dedup, m->fact };
	return info;
}

static inline void msg_set_alert(struct rec_msg *m, const struct rec_info *info)
{
	m->has_alert = info->alert != NULL;
	if (info->alert)
		m->alert = *info->alert;
	m->dedup = info->dedup;
}

struct wthread {
	struct worker w;
	pthread_t th;
	bool started;
	struct pipeline *pl;
	struct ring in;
	struct ring out;
	/* written by the worker in batches, read by the output stage */
	_Alignas(64) _Atomic uint64_t pos;   /* all records with position <= pos emitted */
	_Alignas(64) uint64_t processed;     /* the worker's own, every packet */
	_Alignas(64) uint64_t ring_drops;    /* the capture thread's: live, packets
					      * dropped because this ring was full */
};

struct pipeline {
	const struct pipeline_config *pc;
	const struct pipeline_out *out;
	struct wthread *w;
	int n;
	bool live;
	bool unordered;               /* XDP: no global packet order to keep */
	_Alignas(64) uint64_t done_cnt;  /* capture thread only, every packet:
					  * last packet dispatched */
	_Alignas(64) _Atomic uint64_t dispatched;
	_Atomic int out_done;
	_Atomic int ndpi_failed;      /* 1 + id of a worker without its nDPI context */
	uint64_t ring_drops;
	/* detection reload: the engine being retired, the output's ack */
	struct detect_engine *retired;
	uint64_t out_gen;
	_Atomic uint64_t out_ack;
	_Atomic uint64_t alerts_suppressed;
	uint64_t out_ts;
	bool out_dirty;               /* written since the sinks were flushed */
	/* capture thread's own record queue (live stats) */
	struct ring cap_out;
	_Atomic uint64_t cap_pos;
};

int pipeline_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		int n = CPU_COUNT(&set);
		if (n > 0)
			return n;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static inline uint64_t key_pos(const struct rec_key *k)
{
	if (k->pcap_cnt >= REC_END)
		return POS_DONE - 1;
	return k->pcap_cnt * 2 + (k->phase ? 1 : 0);
}

static int key_cmp(const struct rec_key *a, const struct rec_key *b)
{
	if (a->pcap_cnt != b->pcap_cnt)
		return a->pcap_cnt < b->pcap_cnt ? -1 : 1;
	if (a->phase != b->phase)
		return a->phase < b->phase ? -1 : 1;
	if (a->tie != b->tie)
		return a->tie < b->tie ? -1 : 1;
	return 0; /* same producer: seq order is queue order */
}

/* Packets between two publications of progress (see worker_main). */
#define PUBLISH_EVERY 32

/* Backoff for a thread that has nothing to do. */
static void backoff(unsigned *spins, bool live)
{
	unsigned s = (*spins)++;
	if (s < 64) {
		__builtin_ia32_pause();
	} else if (s < 80 && !live) {
		/* reading a file the other side is busy: yield the CPU to it */
		sched_yield();
	} else {
		/* then sleep, longer and longer (10 us doubling to 1 ms): a
		 * thread with nothing to do must not take the CPU of one that
		 * has (three threads share two CPUs here), and live, gaps
		 * between packets are the rule */
		unsigned k = s >= 80 ? s - 80 : 0;
		if (k > 7)
			k = 7;
		long ns = live ? 1000000 : 10000L << k;
		if (ns > 1000000)
			ns = 1000000;
		struct timespec ts = { 0, ns };
		nanosleep(&ts, NULL);
	}
}

/* ---- rule reload ---------------------------------------------------------- */

/* Called by the capturing thread: frees the retired engine once every
 * worker and the output stage use the new one, then, if asked, builds a
 * new engine aside and publishes it. At most one engine is retired at a
 * time; a second reload waits for the first to complete. */
static void reload_poll(struct pipeline *pl)
{
	const struct pipeline_config *pc = pl->pc;
	struct detect_holder *dh = pc->wcfg->detect;
	if (!dh)
		return;
	if (pl->retired) {
		uint64_t g = atomic_load_explicit(&dh->gen, memory_order_acquire);
		for (int i = 0; i < pl->n; i++)
			if (atomic_load_explicit(&pl->w[i].w.de_ack, memory_order_acquire) != g)
				return;
		if (pc->threshold && atomic_load_explicit(&pl->out_ack, memory_order_acquire) != g)
			return;
		detect_engine_free(pl->retired);
		pl->retired = NULL;
	}
	if (!pc->reload || !*pc->reload || !pc->reload_fn)
		return;
	*pc->reload = 0;
	struct detect_engine *ne = pc->reload_fn(pc->reload_user);
	if (!ne)
		return; /* reason reported by reload_fn; the old engine keeps running */
	pl->retired = atomic_exchange_explicit(&dh->de, ne, memory_order_acq_rel);
	atomic_fetch_add_explicit(&dh->gen, 1, memory_order_release);
}

/* The engine still in use at the end belongs to the caller; a retired one
 * is freed here once nothing runs any more. */
static void reload_end(struct pipeline *pl)
{
	detect_engine_free(pl->retired);
	pl->retired = NULL;
}

/* ---- output stage ------------------------------------------------------- */

static void out_write(struct pipeline *pl, const char *json, size_t len, const struct rec_info *info);

/* An alert the baseline's output-stage part made (the connections of a
 * conversation): on through realert and thresholds like any other. */
static void out_bl_record(void *user, const char *json, size_t len, uint64_t ts, uint32_t sid,
			  uint8_t severity, uint64_t dedup, const struct bl_event *ev)
{
	struct detect_alert_meta meta;
	memset(&meta, 0, sizeof(meta));
	meta.gid = 1;
	meta.sid = sid;
	meta.src = ev->client;
	meta.dst = ev->server;
	meta.ip_ver = ev->ip_ver;
	struct rec_info info = { "alert", severity, ts, &meta };
	info.dedup = dedup;
	out_write(user, json, len, &info);
}

/* An asset record, from the inventory (called inside out_write). */
static void out_asset(void *user, const char *json, size_t len, uint64_t ts)
{
	struct pipeline *pl = user;
	struct rec_info info = { "asset", 0, ts, NULL };
	pl->out->write(pl->out->user, json, len, &info);
	pl->out_dirty = true;
}

static void out_write(struct pipeline *pl, const char *json, size_t len, const struct rec_info *info)
{
	if (info->fact) { /* the inventory's, in capture order like the records */
		if (pl->pc->assets)
			assets_apply(pl->pc->assets, json, len, info->ts);
		return;
	}
	struct detect_holder *dh = pl->pc->wcfg->detect;
	struct detect_threshold_ctx *tc = pl->pc->threshold;
	if (dh && tc) {
		uint64_t g = atomic_load_explicit(&dh->gen, memory_order_acquire);
		if (g != pl->out_gen) {
			struct detect_engine *de = atomic_load_explicit(&dh->de, memory_order_acquire);
			if (de)
				detect_threshold_rebind(tc, de);
			pl->out_gen = g;
			atomic_store_explicit(&pl->out_ack, g, memory_order_release);
		}
	}
	if (pl->pc->bl_dedup) {
		/* the baseline's timing of connections, in capture order */
		bl_out_tick(pl->pc->bl_dedup, info->ts, out_bl_record, pl);
		if (info->event_type == bl_event_type) {
			bl_out_event(pl->pc->bl_dedup, json, len, out_bl_record, pl);
			return;
		}
	} else if (info->event_type == bl_event_type) {
		return;
	}
	/* the learned baseline: once per thing per conversation (in capture
	 * order, so the same for any worker count), before thresholds */
	if (info->dedup && pl->pc->bl_dedup && !bl_dedup_pass(pl->pc->bl_dedup, info->dedup, info->ts))
		return;
	if (info->alert && tc && !detect_threshold_pass(tc, info->alert, info->ts)) {
		atomic_fetch_add_explicit(&pl->alerts_suppressed, 1, memory_order_relaxed);
		return;
	}
	if (info->ts > pl->out_ts) {
		pl->out_ts = info->ts;
		if (pl->out->tick)
			pl->out->tick(pl->out->user, pl->out_ts);
	}
	pl->out->write(pl->out->user, json, len, info);
	pl->out_dirty = true;
}

/* Record producer for a worker (threaded mode): its own queue. */
static void sink_ring(void *user, int worker, const struct rec_key *key, const char *json,
		      size_t len, const struct rec_info *info)
{
	struct wthread *wt = user;
	(void)worker;
	/* the record's hash for the chain: here while the output stage is
	 * behind (this worker's queue backed up), else left to it (whichever
	 * thread has time to spare; the chain is the same either way) */
	bool sign = wt->pl->out->prehash && !info->fact;
	bool pre = sign && ring_backed_up(&wt->out);
	/* signed: room after the record for what the chain appends, so that
	 * the output stage seals it here instead of copying it */
	size_t room = len + (sign ? CHAIN_LINE_EXTRA : 0);
	if (len > UINT32_MAX - 8 - CHAIN_LINE_EXTRA) {
		wt->w.st.records_truncated++;
		return;
	}
	size_t need = pre ? pre_off((uint32_t)room) + sizeof(struct chain_prehash)
			  : sizeof(struct rec_msg) + room;
	if (need > ring_max_msg(&wt->out)) {
		wt->w.st.records_truncated++;
		return;
	}
	struct rec_msg *m;
	unsigned spins = 0;
	while (!(m = ring_reserve(&wt->out, need)))
		backoff(&spins, false);
	m->key = *key;
	m->event_type = info->event_type;
	m->ts = info->ts;
	m->len = (uint32_t)len;
	m->room = (uint32_t)room;
	m->severity = info->severity;
	msg_set_alert(m, info);
	memcpy(m->json, json, len);
	m->has_pre = pre;
	m->fact = info->fact;
	if (pre) /* the hashing the output thread would do, here in parallel */
		chain_prehash((struct chain_prehash *)(void *)((char *)m + pre_off(m->room)), json, len);
	ring_commit(&wt->out, need);
}

/* Inline mode: straight to the writer. */
static void sink_direct(void *user, int worker, const struct rec_key *key, const char *json,
			size_t len, const struct rec_info *info)
{
	(void)worker;
	(void)key;
	out_write(user, json, len, info);
}

/* The output stage hands back the record space it freed before it waits. */
static void flush_outs(struct pipeline *pl)
{
	for (int j = 0; j < pl->n; j++)
		ring_flush(&pl->w[j].out);
	ring_flush(&pl->cap_out);
}

/* What was written reaches the sinks' files once the output stage has had
 * nothing to do for a while (spins past backoff's first pauses): at once
 * when traffic pauses, in large writes while records keep coming. */
static void idle_flush(struct pipeline *pl, unsigned spins)
{
	if (pl->out_dirty && spins >= 64 && pl->out->flush) {
		pl->out->flush(pl->out->user);
		pl->out_dirty = false;
	}
}

/* Live XDP mode: records in the order they come, from any queue. */
static void output_unordered(struct pipeline *pl)
{
	int n = pl->n;
	unsigned spins = 0;
	for (;;) {
		bool any = false, all_done = true;
		for (int j = 0; j <= n; j++) {
			struct ring *r = j < n ? &pl->w[j].out : &pl->cap_out;
			_Atomic uint64_t *pos = j < n ? &pl->w[j].pos : &pl->cap_pos;
			bool done = atomic_load_explicit(pos, memory_order_acquire) == POS_DONE;
			size_t len;
			const struct rec_msg *m;
			int burst = 0;
			while (burst++ < 64 && (m = ring_peek(r, &len))) {
				struct rec_info info = msg_info(m);
				out_write(pl, m->json, m->len, &info);
				ring_release(r, len);
				any = true;
			}
			if (!done || ring_peek(r, &len))
				all_done = false;
		}
		if (all_done)
			return;
		if (any) {
			spins = 0;
		} else {
			flush_outs(pl);
			idle_flush(pl, spins);
			backoff(&spins, true);
		}
	}
}

static void *output_main(void *arg)
{
	struct pipeline *pl = arg;
	/* flow records' Community IDs need OpenSSL's SHA-1: loaded here, while
	 * the workers start, rather than on the capture thread before them or
	 * inside a worker at the first flow's end (once per process; a worker
	 * that needs it sooner waits for it) */
	if (pl->pc->wcfg->log_flow)
		community_id_prepare();
	if (pl->unordered) {
		output_unordered(pl);
		atomic_store(&pl->out_done, 1);
		return NULL;
	}
	int n = pl->n;
	uint64_t pos[n + 1];
	const struct rec_msg *head[n + 1];
	size_t hlen[n + 1];
	unsigned spins = 0;
	for (;;) {
		/* progress first, then queues (see the ordering argument in
		 * pipeline.h) */
		for (int j = 0; j < n; j++)
			pos[j] = atomic_load_explicit(&pl->w[j].pos, memory_order_acquire);
		/* the capture thread's own records (live stats) are keyed at
		 * or below what it has dispatched */
		pos[n] = atomic_load_explicit(&pl->cap_pos, memory_order_acquire);
		if (pos[n] != POS_DONE)
			pos[n] = atomic_load_explicit(&pl->dispatched, memory_order_acquire) * 2 + 1;
		int best = -1;
		bool all_done = true;
		for (int j = 0; j <= n; j++) {
			struct ring *r = j < n ? &pl->w[j].out : &pl->cap_out;
			head[j] = ring_peek(r, &hlen[j]);
			if (pos[j] != POS_DONE || head[j])
				all_done = false;
			if (head[j] && (best < 0 || key_cmp(&head[j]->key, &head[best]->key) < 0))
				best = j;
		}
		if (best < 0) {
			if (all_done)
				break;
			flush_outs(pl);
			idle_flush(pl, spins);
			backoff(&spins, pl->live);
			continue;
		}
		uint64_t need = key_pos(&head[best]->key);
		bool ok = true;
		for (int j = 0; j <= n && ok; j++)
			if (!head[j] && pos[j] != POS_DONE && pos[j] < need)
				ok = false;
		if (!ok) {
			flush_outs(pl);
			idle_flush(pl, spins);
			backoff(&spins, pl->live);
			continue;
		}
		spins = 0;
		const struct rec_msg *m = head[best];
		struct rec_info info = msg_info(m);
		out_write(pl, m->json, m->len, &info);
		ring_release(best < n ? &pl->w[best].out : &pl->cap_out, hlen[best]);
	}
	atomic_store(&pl->out_done, 1);
	return NULL;
}

/* ---- workers -------------------------------------------------------------- */

static void rebase(struct packet *p, const uint8_t *old, const uint8_t *now)
{
#define RB(f)                                               \
	do {                                                \
		if (p->f)                                   \
			p->f = now + (p->f - old);          \
	} while (0)
	RB(l3);
	RB(l4);
	RB(payload);
#undef RB
	p->data = now;
}

static void *worker_main(void *arg)
{
	struct wthread *wt = arg;
	struct pipeline *pl = wt->pl;
	unsigned spins = 0, unpublished = 0;
	for (;;) {
		size_t len;
		const struct msg *m = ring_peek(&wt->in, &len);
		if (!m) {
			/* dispatched first, then the ring again: when it is still
			 * empty, every packet up to d sent here is processed */
			uint64_t d = atomic_load_explicit(&pl->dispatched, memory_order_acquire);
			m = ring_peek(&wt->in, &len);
			if (!m) {
				uint64_t idle = d * 2 + 1;
				bool moved = idle > wt->processed;
				if (moved)
					wt->processed = idle;
				if (moved || unpublished) {
					atomic_store_explicit(&wt->pos, wt->processed, memory_order_release);
					unpublished = 0;
				}
				backoff(&spins, pl->live);
				continue;
			}
		}
		spins = 0;
		bool end = false;
		switch (m->type) {
		case MSG_PKT: {
			/* the message is this thread's until it is released:
			 * the packet is processed where it lies */
			struct packet *pk = &((struct msg *)(uintptr_t)m)->p;
			rebase(pk, pk->data, (const uint8_t *)(m + 1));
			worker_packet(&wt->w, pk);
			if (m->pcap_cnt * 2 + 1 > wt->processed)
				wt->processed = m->pcap_cnt * 2 + 1;
			break;
		}
		case MSG_TICK:
			worker_tick(&wt->w, m->ts, m->pcap_cnt);
			if (m->pcap_cnt * 2 > wt->processed)
				wt->processed = m->pcap_cnt * 2;
			break;
		case MSG_END:
			worker_finish(&wt->w, m->ts);
			end = true;
			break;
		}
		ring_release(&wt->in, len);
		if (end) {
			atomic_store_explicit(&wt->pos, POS_DONE, memory_order_release);
			break;
		}
		/* progress is published in batches (and whenever the ring runs
		 * dry): the output stage reads it, and a cache line moving
		 * between cores for every packet costs more than the packet */
		if (++unpublished >= PUBLISH_EVERY) {
			atomic_store_explicit(&wt->pos, wt->processed, memory_order_release);
			unpublished = 0;
		}
	}
	return NULL;
}

/* ---- capture thread --------------------------------------------------------- */

/* Room for a message of need bytes in worker wi's ring: waits, or (live)
 * drops and counts. */
static struct msg *reserve_in(struct pipeline *pl, int wi, size_t need, bool may_drop)
{
	struct wthread *wt = &pl->w[wi];
	struct msg *m;
	unsigned spins = 0;
	while (!(m = ring_reserve(&wt->in, need))) {
		if (may_drop) {
			pl->ring_drops++;
			wt->ring_drops++;
			return NULL;
		}
		/* idle workers must see everything dispatched so far while this
		 * one catches up, or the output stage could wait for them */
		if (!spins)
			atomic_store_explicit(&pl->dispatched, pl->done_cnt, memory_order_release);
		backoff(&spins, false);
	}
	return m;
}

static bool push(struct pipeline *pl, int wi, const struct msg *hdr, const uint8_t *data,
		 bool may_drop)
{
	size_t need = sizeof(struct msg) + hdr->data_len;
	struct msg *m = reserve_in(pl, wi, need, may_drop);
	if (!m)
		return false;
	memcpy(m, hdr, sizeof(*hdr));
	if (hdr->data_len && data)
		memcpy(m + 1, data, hdr->data_len);
	ring_commit(&pl->w[wi].in, need);
	return true;
}

/* A decoded packet to worker wi, its header written straight into the ring. */
static bool push_pkt(struct pipeline *pl, int wi, const struct packet *p, uint64_t cnt,
		     bool may_drop)
{
	size_t need = sizeof(struct msg) + p->caplen;
	struct msg *m = reserve_in(pl, wi, need, may_drop);
	if (!m)
		return false;
	m->type = MSG_PKT;
	m->data_len = p->caplen;
	m->pcap_cnt = cnt;
	m->ts = p->ts;
	/* a tunnel's outer addresses only when there is a tunnel */
	if (__builtin_expect(p->tunnel_depth != 0, 0))
		blk_copy(&m->p, p, sizeof(*p));
	else
		blk_copy(&m->p, p, PKT_COPY_PLAIN);
	blk_copy_var(m + 1, p->data, p->caplen);
	ring_commit(&pl->w[wi].in, need);
	return true;
}

static void broadcast(struct pipeline *pl, uint32_t type, uint64_t cnt, uint64_t ts)
{
	struct msg hdr;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.pcap_cnt = cnt;
	hdr.ts = ts;
	for (int i = 0; i < pl->n; i++) {
		/* live: a worker whose ring is full skips this second's tick
		 * (the next one expires its flows). Waiting here could deadlock:
		 * that worker may itself wait for the output stage, which waits
		 * for this thread's progress. */
		if (type == MSG_TICK && pl->live) {
			struct msg *m = ring_reserve(&pl->w[i].in, sizeof(hdr));
			if (m) {
				memcpy(m, &hdr, sizeof(hdr));
				ring_commit(&pl->w[i].in, sizeof(hdr));
			}
			continue;
		}
		push(pl, i, &hdr, NULL, false);
	}
}

static double wall_now(void)
{
	return (double)mono_us() / 1e6;
}

/* The capture thread's record queue (live stats in threaded mode). */
static void sink_ring_cap(struct pipeline *pl, const struct rec_key *key, const char *json,
			  size_t len, const struct rec_info *info)
{
	size_t need = sizeof(struct rec_msg) + len;
	if (need > ring_max_msg(&pl->cap_out))
		return;
	struct rec_msg *m;
	unsigned spins = 0;
	while (!(m = ring_reserve(&pl->cap_out, need)))
		backoff(&spins, false);
	m->key = *key;
	m->event_type = info->event_type;
	m->ts = info->ts;
	m->len = (uint32_t)len;
	m->room = (uint32_t)len;
	m->severity = info->severity;
	msg_set_alert(m, info);
	m->has_pre = false;
	m->fact = false;
	memcpy(m->json, json, len);
	ring_commit(&pl->cap_out, need);
}

static void write_stats(struct pipeline *pl, struct source *src, struct decoder *dec,
			uint64_t ts, bool threaded, uint64_t cnt)
{
	struct worker *ws[pl->n];
	uint64_t used[pl->n], size[pl->n], drops[pl->n];
	for (int i = 0; i < pl->n; i++) {
		ws[i] = &pl->w[i].w;
		used[i] = pl->w[i].in.size ? ring_used(&pl->w[i].in) : 0;
		size[i] = pl->w[i].in.size;
		drops[i] = pl->w[i].ring_drops;
	}
	struct stats_input si = {
		.ts = ts, .live = pl->live, .workers = ws, .n_workers = pl->n,
		.ring_used = used, .ring_size = size, .worker_ring_drops = drops,
		.ring_drops = pl->ring_drops,
		.alerts_suppressed = atomic_load_explicit(&pl->alerts_suppressed, memory_order_relaxed),
		.bl_dedup = pl->pc->bl_dedup,
		.baseline = pl->pc->wcfg->baseline,
	};
	struct assets_stats as;
	if (pl->pc->assets) {
		assets_get_stats(pl->pc->assets, &as);
		si.assets = &as;
	}
	source_get_stats(src, &si.capture);
	si.decoder = dec->st;
	defrag_get_stats(dec->defrag, &si.defrag);
	struct jb jb;
	jb_init(&jb, 1 << 20);
	stats_record(&jb, &si);
	if (jb_ok(&jb)) {
		struct rec_info info = { "stats", 0, ts, NULL };
		if (threaded) {
			struct rec_key k = { cnt, UINT64_MAX, 1, 0 };
			sink_ring_cap(pl, &k, jb.buf, jb.len, &info);
		} else {
			out_write(pl, jb.buf, jb.len, &info);
		}
	}
	jb_free(&jb);
}

int pipeline_run(const struct pipeline_config *pc, struct source *src,
		 const struct pipeline_out *out, volatile sig_atomic_t *stop,
		 struct pipeline_result *res)
{
	struct pipeline pl;
	memset(&pl, 0, sizeof(pl));
	pl.pc = pc;
	pl.out = out;
	pl.n = pc->workers > 0 ? pc->workers : 1;
	pl.live = source_is_live(src);
	/* one worker still gets its own thread when there is a second CPU: the
	 * capture thread reads and decodes while it works */
	bool threaded = pl.n > 1 || pipeline_cpus() > 1;
	int rc = -1;

	struct decoder dec;
	if (decoder_init(&dec, pc->dcfg) < 0) {
		fprintf(stderr, "vigil: out of memory\n");
		return -1;
	}
	if (pc->tcfg)
		decoder_set_tunnel(&dec, pc->tcfg);
	pl.w = calloc((size_t)pl.n, sizeof(*pl.w));
	if (!pl.w) {
		fprintf(stderr, "vigil: out of memory\n");
		goto err_dec;
	}
	if (pc->assets)
		assets_set_emit(pc->assets, out_asset, &pl);
	/* each worker gets an equal share of the memcaps */
	struct worker_config wcfg = *pc->wcfg;
	wcfg.flow.memcap /= (uint64_t)pl.n;
	wcfg.flow.stream_memcap /= (uint64_t)pl.n;
	wcfg.app.pdu_memcap /= (uint64_t)pl.n;
	int started = 0;
	for (int i = 0; i < pl.n; i++) {
		struct wthread *wt = &pl.w[i];
		wt->pl = &pl;
		struct rec_sink sink = threaded ? (struct rec_sink){ wt, sink_ring }
						: (struct rec_sink){ &pl, sink_direct };
		if (worker_init(&wt->w, i, &wcfg, &sink) < 0) {
			fprintf(stderr, "vigil: cannot start worker %d: out of memory\n", i);
			goto err_workers;
		}
		started++;
		wt->w.ndpi_failed = &pl.ndpi_failed;
		if (worker_start_ndpi(&wt->w) < 0) {
			fprintf(stderr, "vigil: cannot start worker %d: out of memory for nDPI\n", i);
			goto err_workers;
		}
		if (threaded && (ring_init(&wt->in, pc->ring_bytes) < 0 ||
				 ring_init(&wt->out, pc->record_ring_bytes) < 0)) {
			fprintf(stderr, "vigil: out of memory for rings\n");
			goto err_workers;
		}
	}
	pthread_t out_th;
	bool out_started = false;
	if (threaded) {
		if (ring_init(&pl.cap_out, 1 << 22) < 0) {
			fprintf(stderr, "vigil: out of memory for rings\n");
			goto err_workers;
		}
		/* reading a file, this thread queues no record of its own (stats
		 * are live only): the output stage never waits for it */
		if (!pl.live)
			atomic_store_explicit(&pl.cap_pos, POS_DONE, memory_order_release);
		for (int i = 0; i < pl.n; i++) {
			if (pthread_create(&pl.w[i].th, NULL, worker_main, &pl.w[i]) != 0) {
				fprintf(stderr, "vigil: cannot start worker thread: %s\n", strerror(errno));
				goto err_threads;
			}
			pl.w[i].started = true;
		}
		if (pthread_create(&out_th, NULL, output_main, &pl) != 0) {
			fprintf(stderr, "vigil: cannot start output thread\n");
			goto err_threads;
		}
		out_started = true;
	}

	if (!threaded && pc->wcfg->log_flow)
		community_id_prepare();

	/* ---- the capture loop ---- */
	uint64_t cnt = 0, max_ts = 0, last_tick = 0;
	double t0 = wall_now(), last_print = t0, last_stats = t0;
	struct capture_pkt cp;
	struct packet p;
	memset(&p, 0, sizeof(p));
	uint64_t seed = pc->wcfg->flow.hash_seed;
	int r;
	bool stopping = false;
	for (;;) {
		if ((*stop || atomic_load_explicit(&pl.ndpi_failed, memory_order_relaxed)) &&
		    !stopping) {
			/* a file stops here; a live source first takes what the
			 * kernel holds already (bounded), then ends */
			if (!pl.live)
				break;
			stopping = true;
			source_stop(src);
		}
		if ((r = source_next(src, &cp)) == 0)
			break;
		if (pc->reload && (*pc->reload || pl.retired))
			reload_poll(&pl);
		if (r == SOURCE_IDLE)
			goto housekeeping;
		cnt++;
		if (cp.ts > max_ts) {
			max_ts = cp.ts;
			if (max_ts / 1000000u > last_tick) {
				last_tick = max_ts / 1000000u;
				defrag_expire(dec.defrag, max_ts);
				if (threaded)
					broadcast(&pl, MSG_TICK, cnt, max_ts);
				else
					worker_tick(&pl.w[0].w, max_ts, cnt);
			}
		}
		p.pcap_cnt = cnt;
		p.ts = cp.ts;
		p.data = cp.data;
		p.caplen = cp.caplen;
		p.wirelen = cp.wirelen;
		p.linktype = cp.linktype;
		int dr = decode_packet(&dec, &p);
		if (!threaded) {
			worker_packet(&pl.w[0].w, &p);
		} else if (dr != DECODE_HELD || p.n_events) {
			int wi = 0;
			bool keyed = (p.flags & PKT_HAS_FLOW_KEY) && !(p.flags & PKT_FRAGMENT);
			/* One worker: whichever of the two threads is behind leaves
			 * the flow hash and the reassembly fingerprint to the other
			 * (the worker computes what it does not find); the records
			 * are the same either way. More workers: the hash picks one. */
			bool for_worker = pl.n == 1 && ring_backed_up(&pl.w[0].in);
			if (keyed && (pl.n > 1 || for_worker)) {
				p.hash = flow_hash_packet(&p, seed);
				p.flags |= PKT_HASHED;
				/* hash -> worker by multiply and shift, not a division */
				wi = (int)(((uint64_t)p.hash * (uint32_t)pl.n) >> 32);
			}
			if (for_worker && p.l4proto == IPPROTO_TCP && p.payload_len) {
				p.payload_sum = stream_seg_sum(p.payload, p.payload_len);
				p.flags |= PKT_PAYLOAD_SUM;
			}
			push_pkt(&pl, wi, &p, cnt, pl.live);
		}
		pl.done_cnt = cnt;
		if (threaded && (cnt % PUBLISH_EVERY) == 0)
			atomic_store_explicit(&pl.dispatched, cnt, memory_order_release);
		if (pc->progress && (cnt & 0xffff) == 0) {
			double now = wall_now();
			if (now - last_print > 0.5) {
				fprintf(stderr, "\rvigil: %s: %llu packets, %.0f pkt/s   ",
					source_name(src), (unsigned long long)cnt,
					(double)cnt / (now - t0));
				last_print = now;
			}
		}
		if (!pl.live)
			continue;
housekeeping:
		if (threaded)
			atomic_store_explicit(&pl.dispatched, cnt, memory_order_release);
		else if (r == SOURCE_IDLE) /* inline, no packet for a while */
			idle_flush(&pl, UINT_MAX);
		if (pl.live) {
			/* live: time passes even when no packet comes */
			uint64_t wall = (uint64_t)time(NULL) * 1000000u;
			if (wall > max_ts && wall / 1000000u > last_tick) {
				max_ts = wall;
				last_tick = wall / 1000000u;
				defrag_expire(dec.defrag, max_ts);
				if (threaded)
					broadcast(&pl, MSG_TICK, cnt + 1, max_ts);
				else
					worker_tick(&pl.w[0].w, max_ts, cnt + 1);
			}
		}
		if (pl.live && pc->stats_interval) {
			double now = wall_now();
			if (now - last_stats >= pc->stats_interval) {
				last_stats = now;
				uint64_t ts = (uint64_t)time(NULL) * 1000000u;
				write_stats(&pl, src, &dec, ts, threaded, cnt);
			}
		}
	}
	if (pc->progress && last_print != t0)
		fprintf(stderr, "\r%*s\r", 78, "");

	/* ---- orderly end ---- */
	if (threaded) {
		atomic_store_explicit(&pl.dispatched, cnt, memory_order_release);
		/* the capture thread queues no more records: the workers' last
		 * ones (keyed past every packet: flows flushed at the end) must
		 * not wait for it, or a worker blocked on a full record queue
		 * and this thread joining it would wait for each other */
		atomic_store_explicit(&pl.cap_pos, POS_DONE, memory_order_release);
		broadcast(&pl, MSG_END, REC_END, max_ts);
		for (int i = 0; i < pl.n; i++) {
			pthread_join(pl.w[i].th, NULL);
			pl.w[i].started = false;
		}
		pthread_join(out_th, NULL);
		out_started = false;
	} else {
		worker_finish(&pl.w[0].w, max_ts);
	}
	write_stats(&pl, src, &dec, max_ts, false, cnt);
	if (res) {
		memset(&res->flows, 0, sizeof(res->flows));
		for (int i = 0; i < pl.n; i++) {
			struct flow_stats fs;
			flow_get_stats(pl.w[i].w.ft, &fs);
			const uint64_t *a = (const uint64_t *)&fs;
			uint64_t *t = (uint64_t *)&res->flows;
			for (size_t k = 0; k < sizeof(fs) / sizeof(uint64_t); k++)
				t[k] += a[k];
		}
		res->packets = cnt;
		res->ring_drops = pl.ring_drops;
		res->last_ts = max_ts;
	}
	rc = 0;
	if (atomic_load(&pl.ndpi_failed))
		fprintf(stderr, "vigil: worker %d: out of memory for nDPI; stopped after packet %llu\n",
			atomic_load(&pl.ndpi_failed) - 1, (unsigned long long)cnt);

err_threads:
	if (rc != 0) {
		*stop = 1;
		atomic_store(&pl.cap_pos, POS_DONE);
		broadcast(&pl, MSG_END, REC_END, 0);
		for (int i = 0; i < pl.n; i++)
			if (pl.w[i].started)
				pthread_join(pl.w[i].th, NULL);
		if (out_started)
			pthread_join(out_th, NULL);
	}
	ring_free(&pl.cap_out);
err_workers:
	for (int i = 0; i < started; i++) {
		worker_fini(&pl.w[i].w);
		ring_free(&pl.w[i].in);
		ring_free(&pl.w[i].out);
	}
	free(pl.w);
	reload_end(&pl);
err_dec:
	decoder_fini(&dec);
	return rc == 0 && atomic_load(&pl.ndpi_failed) ? -1 : rc;
}

/* ---- live capture through the XDP pre-filter -------------------------------
 *
 * Worker w reads its own AF_XDP sockets (one per RX queue), stamps packets
 * with the wall clock, and processes them; a fallback thread reads the
 * fallback sockets (IP fragments, packets the program could not hash),
 * reassembles, and hands each packet to the worker that owns its flow,
 * chosen by the same symmetric hash the XDP program uses. Records leave in
 * the order they are made: live capture has no capture order to keep.
 */

#include "capture/afxdp.h"

#define XDP_BATCH 64

/* At a stop the program is detached first (no packet reaches the sockets
 * any more); then every thread takes what its sockets hold (and the
 * workers what the fallback thread routed to them) until they stay empty
 * for XDP_DRAIN_QUIET_US, packets still on their way through the kernel
 * included. XDP_DRAIN_MS bounds it (a program that would not detach). */
#define XDP_DRAIN_MS 500
#define XDP_DRAIN_QUIET_US 2000

struct xdp_run {
	struct pipeline *pl;
	struct afxdp *x;
	volatile sig_atomic_t *stop;
	_Atomic bool detached;     /* set once the program is detached */
	_Atomic bool fb_done;      /* the fallback thread has routed its last */
	struct decoder *dec;       /* n + 1: workers, then the fallback */
	uint64_t fb_drops;
	pthread_t fb_th;
};

/* The draining of one thread's sockets after the detach. */
struct xdp_drain {
	uint64_t end_us;   /* 0 until draining */
	uint64_t quiet_us; /* since when nothing came, or 0 */
};

/* Called once per loop with whether anything came (and, for a worker,
 * whether the fallback is done and its queue is empty): true when this
 * thread may stop. */
static bool xdp_drained(struct xdp_run *run, struct xdp_drain *d, bool got, bool rest_done)
{
	if (!d->end_us) {
		if (!atomic_load_explicit(&run->detached, memory_order_acquire))
			return false;
		d->end_us = mono_us() + XDP_DRAIN_MS * 1000u;
	}
	uint64_t now = mono_us();
	if (now >= d->end_us)
		return true;
	if (got || !rest_done) {
		d->quiet_us = 0;
		return false;
	}
	if (!d->quiet_us)
		d->quiet_us = now;
	return now - d->quiet_us >= XDP_DRAIN_QUIET_US;
}

static uint64_t wall_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The XDP program's steering hash, on a decoded packet. */
static uint32_t xdp_steer_hash(const struct packet *p)
{
	uint32_t a[4] = { 0, 0, 0, 0 }, b[4] = { 0, 0, 0, 0 };
	memcpy(a, p->src.a, p->ip_ver == 4 ? 4 : 16);
	memcpy(b, p->dst.a, p->ip_ver == 4 ? 4 : 16);
	bool ports = p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP;
	return vxdp_hash(a, b, ports ? p->sp : 0, ports ? p->dp : 0, p->l4proto);
}

struct xdp_worker_arg {
	struct xdp_run *run;
	int w;
};

static void *xdp_worker_main(void *arg)
{
	struct xdp_worker_arg *a = arg;
	struct xdp_run *run = a->run;
	struct pipeline *pl = run->pl;
	struct wthread *wt = &pl->w[a->w];
	struct decoder *dec = &run->dec[a->w];
	struct afxdp_frame fr[XDP_BATCH];
	uint64_t local = 0, now = wall_usec(), last_tick = now / 1000000u;
	struct packet p;
	memset(&p, 0, sizeof(p));
	struct xdp_drain drain = { 0, 0 };
	for (;;) {
		int n = afxdp_recv(run->x, a->w, fr, XDP_BATCH, drain.end_us ? 0 : 50);
		now = wall_usec();
		if (now / 1000000u > last_tick) {
			last_tick = now / 1000000u;
			worker_tick(&wt->w, now, local * (uint64_t)pl->n + (uint64_t)a->w + 1);
			defrag_expire(dec->defrag, now);
		}
		for (int i = 0; i < n; i++) {
			local++;
			p.pcap_cnt = local * (uint64_t)pl->n + (uint64_t)a->w + 1;
			p.ts = now;
			p.data = fr[i].data;
			p.caplen = p.wirelen = fr[i].len;
			p.linktype = LINK_ETHERNET;
			int dr = decode_packet(dec, &p);
			p.flags |= PKT_NO_INDEX;
			if (dr != DECODE_HELD || p.n_events)
				worker_packet(&wt->w, &p);
		}
		if (n)
			afxdp_done(run->x, a->w, fr, n);
		/* packets routed here by the fallback thread */
		size_t len;
		const struct msg *m;
		int routed = 0;
		while (routed < XDP_BATCH && (m = ring_peek(&wt->in, &len))) {
			routed++;
			struct packet q;
			memcpy(&q, &m->p, sizeof(q));
			rebase(&q, m->p.data, (const uint8_t *)(m + 1));
			local++;
			q.pcap_cnt = local * (uint64_t)pl->n + (uint64_t)a->w + 1;
			worker_packet(&wt->w, &q);
			ring_release(&wt->in, len);
		}
		/* the fallback's packets: done once it is and none is left */
		bool fb_done = atomic_load_explicit(&run->fb_done, memory_order_acquire);
		if (xdp_drained(run, &drain, n > 0 || routed > 0, fb_done && ring_empty(&wt->in)))
			break;
	}
	worker_finish(&wt->w, now);
	atomic_store_explicit(&wt->pos, POS_DONE, memory_order_release);
	return NULL;
}

static void *xdp_fallback_main(void *arg)
{
	struct xdp_run *run = arg;
	struct pipeline *pl = run->pl;
	struct decoder *dec = &run->dec[pl->n];
	struct afxdp_frame fr[XDP_BATCH];
	struct packet p;
	memset(&p, 0, sizeof(p));
	uint64_t last_expire = 0;
	struct xdp_drain drain = { 0, 0 };
	for (;;) {
		int n = afxdp_recv(run->x, pl->n, fr, XDP_BATCH, drain.end_us ? 0 : 50);
		uint64_t now = wall_usec();
		if (now / 1000000u > last_expire) {
			last_expire = now / 1000000u;
			defrag_expire(dec->defrag, now);
		}
		for (int i = 0; i < n; i++) {
			p.pcap_cnt = 0;
			p.ts = now;
			p.data = fr[i].data;
			p.caplen = p.wirelen = fr[i].len;
			p.linktype = LINK_ETHERNET;
			int dr = decode_packet(dec, &p);
			if (dr == DECODE_HELD && !p.n_events)
				continue;
			int wi = 0;
			if ((p.flags & PKT_HAS_FLOW_KEY) && !(p.flags & PKT_FRAGMENT))
				wi = (int)(xdp_steer_hash(&p) % (uint32_t)pl->n);
			struct msg hdr;
			memcpy(&hdr.p, &p, sizeof(p));
			hdr.p.flags |= PKT_NO_INDEX;
			hdr.type = MSG_PKT;
			hdr.data_len = p.caplen;
			hdr.pcap_cnt = 0;
			hdr.ts = p.ts;
			if (!push(pl, wi, &hdr, p.data, true))
				run->fb_drops++;
		}
		if (n)
			afxdp_done(run->x, pl->n, fr, n);
		if (xdp_drained(run, &drain, n > 0, true))
			break;
	}
	atomic_store_explicit(&run->fb_done, true, memory_order_release);
	return NULL;
}

static void xdp_stats(struct xdp_run *run, uint64_t ts, bool to_ring)
{
	struct pipeline *pl = run->pl;
	struct worker *ws[pl->n];
	for (int i = 0; i < pl->n; i++)
		ws[i] = &pl->w[i].w;
	/* per socket group (the workers', then the fallback's): its RX rings
	 * and what the kernel could not put on them (kept by the program, but
	 * dropped before user space) */
	uint64_t used[pl->n], size[pl->n], drops[pl->n], sock_drops = 0;
	for (int i = 0; i <= pl->n; i++) {
		struct afxdp_group_stats gs;
		afxdp_group_stats(run->x, i, &gs);
		sock_drops += gs.drops;
		if (i == pl->n)
			break;
		used[i] = gs.ring_used;
		size[i] = gs.ring_size;
		drops[i] = gs.drops;
	}
	/* the program's counters, then the sockets' drops */
	uint64_t vals[VXDP__COUNT + 1];
	const char *names[VXDP__COUNT + 1];
	afxdp_counters(run->x, vals);
	for (int i = 0; i < VXDP__COUNT; i++)
		names[i] = afxdp_counter_name(i);
	names[VXDP__COUNT] = "socket_drops";
	vals[VXDP__COUNT] = sock_drops;
	struct stats_input si = {
		.ts = ts, .live = true, .workers = ws, .n_workers = pl->n,
		.ring_drops = pl->ring_drops + run->fb_drops,
		.xdp_names = names, .xdp_vals = vals, .n_xdp = VXDP__COUNT + 1,
		.xdp_zerocopy = afxdp_zerocopy(run->x),
	};
	si.capture.kernel_drops = sock_drops;
	si.ring_used = used;
	si.ring_size = size;
	si.worker_ring_drops = drops;
	for (int i = 0; i <= pl->n; i++) {
		decode_stats_add(&si.decoder, &run->dec[i].st);
		struct defrag_stats d;
		defrag_get_stats(run->dec[i].defrag, &d);
		defrag_stats_add(&si.defrag, &d);
	}
	si.capture.packets = si.decoder.pkts;
	si.capture.bytes = si.decoder.bytes;
	si.capture.kernel_received = vals[VXDP_SEEN];
	struct assets_stats as;
	if (pl->pc->assets) {
		assets_get_stats(pl->pc->assets, &as);
		si.assets = &as;
	}
	struct jb jb;
	jb_init(&jb, 1 << 20);
	stats_record(&jb, &si);
	if (jb_ok(&jb)) {
		struct rec_info info = { "stats", 0, ts, NULL };
		if (to_ring) {
			struct rec_key k = { 0, 0, 1, 0 };
			sink_ring_cap(pl, &k, jb.buf, jb.len, &info);
		} else {
			out_write(pl, jb.buf, jb.len, &info);
		}
	}
	jb_free(&jb);
}

int pipeline_run_xdp(const struct pipeline_config *pc, struct afxdp *x,
		     const struct pipeline_out *out, volatile sig_atomic_t *stop,
		     struct pipeline_result *res)
{
	struct pipeline pl;
	memset(&pl, 0, sizeof(pl));
	pl.pc = pc;
	pl.out = out;
	pl.n = pc->workers > 0 ? pc->workers : 1;
	pl.live = true;
	pl.unordered = true;
	int rc = -1;
	int ndec = 0, nw = 0, nth = 0;
	struct xdp_run run = { .pl = &pl, .x = x, .stop = stop };
	struct xdp_worker_arg *args = calloc((size_t)pl.n, sizeof(*args));
	run.dec = calloc((size_t)pl.n + 1, sizeof(*run.dec));
	pl.w = calloc((size_t)pl.n, sizeof(*pl.w));
	if (!args || !run.dec || !pl.w) {
		fprintf(stderr, "vigil: out of memory\n");
		goto out_free;
	}
	if (pc->assets)
		assets_set_emit(pc->assets, out_asset, &pl);
	struct worker_config wcfg = *pc->wcfg;
	wcfg.flow.memcap /= (uint64_t)pl.n;
	wcfg.flow.stream_memcap /= (uint64_t)pl.n;
	wcfg.app.pdu_memcap /= (uint64_t)pl.n;
	wcfg.flow.id_salt = wall_usec();
	for (int i = 0; i <= pl.n; i++) {
		if (decoder_init(&run.dec[i], pc->dcfg) < 0)
			goto out_free;
		ndec++;
		if (pc->tcfg)
			decoder_set_tunnel(&run.dec[i], pc->tcfg);
	}
	for (int i = 0; i < pl.n; i++) {
		struct wthread *wt = &pl.w[i];
		wt->pl = &pl;
		struct rec_sink sink = { wt, sink_ring };
		if (worker_init(&wt->w, i, &wcfg, &sink) < 0)
			goto out_free;
		nw++;
		wt->w.ndpi_failed = &pl.ndpi_failed;
		if (worker_start_ndpi(&wt->w) < 0) {
			fprintf(stderr, "vigil: cannot start worker %d: out of memory for nDPI\n", i);
			goto out_free;
		}
		if (ring_init(&wt->in, pc->ring_bytes) < 0 ||
		    ring_init(&wt->out, pc->record_ring_bytes) < 0)
			goto out_free;
	}
	if (ring_init(&pl.cap_out, 1 << 22) < 0)
		goto out_free;
	pthread_t out_th;
	if (pthread_create(&out_th, NULL, output_main, &pl) != 0)
		goto out_free;
	for (int i = 0; i < pl.n; i++) {
		args[i].run = &run;
		args[i].w = i;
		if (pthread_create(&pl.w[i].th, NULL, xdp_worker_main, &args[i]) != 0) {
			*stop = 1;
			break;
		}
		pl.w[i].started = true;
		nth++;
	}
	bool fb = pthread_create(&run.fb_th, NULL, xdp_fallback_main, &run) == 0;
	if (!fb)
		atomic_store(&run.fb_done, true);

	uint64_t last_stats = wall_usec();
	while (!*stop) {
		if (atomic_load(&pl.ndpi_failed)) { /* a worker has no nDPI context */
			*stop = 1;
			break;
		}
		struct timespec ts = { 0, 100 * 1000000 };
		nanosleep(&ts, NULL);
		if (pc->reload && (*pc->reload || pl.retired))
			reload_poll(&pl);
		uint64_t now = wall_usec();
		if (pc->stats_interval && now - last_stats >= (uint64_t)pc->stats_interval * 1000000u) {
			last_stats = now;
			xdp_stats(&run, now, true);
		}
	}
	int drc = afxdp_detach(x);
	if (drc < 0) /* the drain below is then bounded by XDP_DRAIN_MS */
		fprintf(stderr, "vigil: xdp: could not detach the program: %s; packets that reach "
			"the sockets after the drain are left in their rings (workers[].ring_used)\n",
			strerror(-drc));
	atomic_store_explicit(&run.detached, true, memory_order_release);
	if (fb)
		pthread_join(run.fb_th, NULL);
	for (int i = 0; i < nth; i++)
		pthread_join(pl.w[i].th, NULL);
	/* workers that never started report done */
	for (int i = nth; i < pl.n; i++)
		atomic_store(&pl.w[i].pos, POS_DONE);
	atomic_store(&pl.cap_pos, POS_DONE);
	pthread_join(out_th, NULL);
	xdp_stats(&run, wall_usec(), false);
	if (res) {
		memset(res, 0, sizeof(*res));
		for (int i = 0; i <= pl.n; i++)
			res->packets += run.dec[i].st.pkts;
		res->ring_drops = run.fb_drops;
	}
	rc = 0;
out_free:
	if (rc)
		fprintf(stderr, "vigil: cannot start the XDP workers\n");
	ring_free(&pl.cap_out);
	for (int i = 0; i < nw; i++) {
		worker_fini(&pl.w[i].w);
		ring_free(&pl.w[i].in);
		ring_free(&pl.w[i].out);
	}
	for (int i = 0; i < ndec; i++)
		decoder_fini(&run.dec[i]);
	free(pl.w);
	reload_end(&pl);
	free(run.dec);
	free(args);
	if (rc == 0 && atomic_load(&pl.ndpi_failed)) {
		fprintf(stderr, "vigil: worker %d: out of memory for nDPI; stopped\n",
			atomic_load(&pl.ndpi_failed) - 1);
		rc = -1;
	}
	return rc;
}
