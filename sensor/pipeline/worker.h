/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PIPELINE_WORKER_H
#define VIGIL_PIPELINE_WORKER_H

/*
 * A worker owns a share of the flows and runs, for each of its packets:
 * flow lookup, TCP reassembly, protocol identification and parsing,
 * detection, and the building of EVE records. Records leave through a sink
 * with an ordering key, so that the output of a replay does not depend on
 * how many workers there are:
 *
 *   key = (pcap_cnt, phase, tie, seq)
 *   phase 0: flow expiry done before packet pcap_cnt (tie = the flow's first
 *            packet), phase 1: the packet itself (tie 0). End of run:
 *            pcap_cnt = REC_END; stats come last (REC_STATS).
 *   seq:     per worker, increasing; orders records with equal key parts.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "anomaly/assets.h"
#include "decode/decode.h"
#include "flow/flow.h"
#include "proto/ndpi.h"
#include "proto/registry.h"
#include "util/jb.h"
#include "vigil/packet.h"

#define REC_END (UINT64_MAX - 1)
#define REC_STATS UINT64_MAX

struct rec_key {
	uint64_t pcap_cnt;
	uint64_t tie;
	uint32_t phase;
	uint32_t seq;
};

struct detect_alert_meta;
struct chain_prehash;
struct bl_config;
struct bl_model;
struct bl_learner;
struct bl_worker;

struct rec_info {
	const char *event_type;
	uint8_t severity;   /* alerts: 1 (high) .. 4; 0 otherwise */
	uint64_t ts;        /* packet time of the record */
	const struct detect_alert_meta *alert; /* alerts: for thresholds, else NULL */
	const struct chain_prehash *pre;       /* the record's hash state, or NULL */
	/* the output stage's own copy of the record, which it may change in
	 * place (seal it): json itself, writable up to room bytes; or NULL */
	char *own;
	size_t room;
	/* learned-baseline alerts: the output stage writes one per key per
	 * realert interval (anomaly/baseline.h); 0 for every other record */
	uint64_t dedup;
	/* not a record: an asset fact (anomaly/assets.h) for the output
	 * stage's inventory, json its bytes */
	bool fact;
};

/* Where records go. emit() gets a complete JSON object (no newline). */
struct rec_sink {
	void *user;
	void (*emit)(void *user, int worker, const struct rec_key *key, const char *json,
		     size_t len, const struct rec_info *info);
};

struct detect_engine;
struct detect_thread;

/* The engine in use, swapped on reload: workers compare gen before each
 * packet and build their thread context for the new engine; the old one is
 * freed once every worker (and the output stage) has acknowledged. */
struct detect_holder {
	_Atomic(struct detect_engine *) de;
	_Atomic uint64_t gen;
};

struct worker_config {
	struct flow_config flow;
	struct app_config app;
	bool log_anomaly;   /* decoder/stream/app events as anomaly records */
	bool log_flow;      /* a flow record when a flow ends */
	bool ndpi;          /* offer flows to nDPI (worker_start_ndpi) */
	struct assets_config assets; /* enabled: facts for the asset inventory */
	struct detect_holder *detect; /* NULL: no detection */
	/* the learned baseline: compare with model, or learn into learner
	 * (both NULL: off, and it costs nothing) */
	const struct bl_config *bl_cfg;
	const struct bl_model *baseline;
	struct bl_learner *learner;
};

struct worker_stats {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t no_flow;     /* packets with a flow key but no flow (memcap) */
	uint64_t records;
	uint64_t records_truncated;  /* records over the size cap */
	uint64_t anomalies;
	uint64_t alerts;
	uint64_t flow_records;
	uint64_t detect_oom;  /* engine switches that failed for lack of memory */
};

struct worker {
	int id;
	const struct worker_config *cfg;
	struct flow_table *ft;
	struct app_layer al;
	struct ndpi_ctx *ndpi;
	/* while nDPI's context is being made: the maker, the packets held for
	 * it, and where to say that it could not be made (1 + id) */
	struct ndpi_maker *ndpi_mk;
	struct ndpi_backlog ndpi_bl;
	_Atomic int *ndpi_failed;
	/* how nDPI's per-flow memory is taken from the flow memcap now
	 * (worker.c: NDPI_MEM_*) */
	uint8_t ndpi_mem;
	struct jb jb;
	struct rec_sink sink;
	struct worker_stats st;
	/* what is being processed (for record keys and headers) */
	struct packet *cur;
	struct flow *cur_flow;
	uint64_t key_cnt;
	uint64_t key_tie;
	uint32_t key_phase;
	uint32_t seq;
	uint64_t now;
	struct asset_tap *assets;    /* facts for the inventory, or NULL */
	/* detection */
	struct detect_thread *dt;
	uint64_t de_gen;
	_Atomic uint64_t de_ack;
	/* the learned baseline, or NULL */
	struct bl_worker *bl;
};

void worker_config_defaults(struct worker_config *cfg);

/* 0, or -ENOMEM. */
int worker_init(struct worker *w, int id, const struct worker_config *cfg,
		const struct rec_sink *sink);
/* With cfg->ndpi: has this worker's nDPI context made (about 15 ms, most
 * of it nDPI loading its address and host lists; contexts are made one at
 * a time) on a thread of its own, and returns at once: until it is there,
 * the packets nDPI would see are held, and offered to it in order once it
 * is (at the latest when a flow ends, or the held packets fill their
 * buffer: then the worker waits for it). Should the context not be made,
 * the worker goes on without nDPI and stores 1 + its id in *ndpi_failed
 * (when set). 0, or -ENOMEM when nothing could be started. */
int worker_start_ndpi(struct worker *w);
/* Ends every flow (records for them), then frees everything. */
void worker_fini(struct worker *w);

/* One decoded packet (DECODE_OK or DECODE_HELD). */
void worker_packet(struct worker *w, struct packet *p);
/* Packet time has advanced to now just before packet pcap_cnt: expire. */
void worker_tick(struct worker *w, uint64_t now, uint64_t pcap_cnt);
/* End of input: end all flows at time now (records keyed REC_END). */
void worker_finish(struct worker *w, uint64_t now);

#endif
