/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PIPELINE_H
#define VIGIL_PIPELINE_H

/*
 * The pipeline: source -> decode (+ defrag) -> dispatch by symmetric flow
 * hash -> N workers -> one output stage.
 *
 * The calling thread captures, decodes and dispatches into a bounded SPSC
 * ring per worker; each worker thread owns its flows; one output thread
 * merges the workers' records in key order (see worker.h), so that a
 * replay writes the same bytes whatever the worker count. When the process
 * may run on one CPU only (pipeline_cpus), one worker runs inline in the
 * calling thread instead: no copies, no threads, the same records.
 *
 * File mode never drops: a full ring makes the capture thread wait. Live
 * mode never waits: a full ring drops the packet and counts it.
 *
 * No deadlock: workers wait only on their own full record queue, and a
 * worker whose packet ring is empty reports progress up to the last packet
 * the capture thread finished dispatching. Progress is published in
 * batches (every 32 packets, when a ring runs dry, and by the capture
 * thread before it waits on a full ring), so that the cache lines holding
 * it do not move between cores for every packet.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "decode/decode.h"
#include "pipeline/worker.h"

struct detect_engine;
struct detect_threshold_ctx;
struct bl_dedup;

/* The output stage's writer (runs in one thread at a time). */
struct pipeline_out {
	void *user;
	void (*write)(void *user, const char *json, size_t len, const struct rec_info *info);
	/* time passes (packet time in file mode): signature blocks */
	void (*tick)(void *user, uint64_t now);
	/* what was written goes out to the files now (the output stage has
	 * nothing to do for the moment); may be NULL */
	void (*flush)(void *user);
	/* records are signed: while the output stage is behind, a worker
	 * hashes each record's bytes as it queues it (chain_prehash), and the
	 * output thread then only hashes seq and prev */
	bool prehash;
};

struct pipeline_config {
	int workers;
	const struct worker_config *wcfg;
	const struct defrag_config *dcfg;
	const struct tunnel_config *tcfg;     /* NULL: the defaults */
	size_t ring_bytes;            /* per worker */
	size_t record_ring_bytes;     /* per worker */
	uint32_t stats_interval;      /* live: seconds; 0 = only at the end */
	bool progress;                /* progress line on stderr */
	/* detection (wcfg->detect holds the engine in use) */
	struct detect_threshold_ctx *threshold; /* output-stage thresholds, or NULL */
	struct bl_dedup *bl_dedup;              /* learned baseline: repeats held back, or NULL */
	volatile sig_atomic_t *reload;          /* set by SIGHUP: rebuild the rules */
	struct detect_engine *(*reload_fn)(void *user); /* NULL: keep the old one */
	void *reload_user;
	/* the asset inventory, applied by the output stage (its records go
	 * to out), or NULL */
	struct assets *assets;
};

struct pipeline_result {
	struct flow_stats flows;      /* summed over workers */
	uint64_t packets;
	uint64_t ring_drops;
	uint64_t last_ts;
};

/* Runs until the source ends or *stop becomes non-zero; writes the final
 * stats record. 0, or -1 (reason printed) when it could not start. */
int pipeline_run(const struct pipeline_config *pc, struct source *src,
		 const struct pipeline_out *out, volatile sig_atomic_t *stop,
		 struct pipeline_result *res);

struct afxdp;

/* Live capture through the XDP pre-filter (capture/afxdp.h): each worker
 * reads its own AF_XDP sockets; records come out as they are made. Runs
 * until *stop. 0, or -1 when it could not start. */
int pipeline_run_xdp(const struct pipeline_config *pc, struct afxdp *x,
		     const struct pipeline_out *out, volatile sig_atomic_t *stop,
		     struct pipeline_result *res);

/* Number of CPUs the process may run on (at least 1). */
int pipeline_cpus(void);

#endif
