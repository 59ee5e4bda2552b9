/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PIPELINE_STATS_H
#define VIGIL_PIPELINE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "decode/decode.h"
#include "pipeline/worker.h"
#include "util/jb.h"

struct bl_model;
struct bl_dedup;

struct stats_input {
	uint64_t ts;                  /* packet time of the record */
	bool live;
	struct capture_stats capture;
	struct decode_stats decoder;
	struct defrag_stats defrag;
	struct worker *const *workers;
	int n_workers;
	uint64_t ring_drops;
	uint64_t alerts_suppressed;   /* by thresholds and suppression */
	/* the learned baseline (its "baseline" member only when one is loaded) */
	const struct bl_model *baseline;
	const struct bl_dedup *bl_dedup;
	/* live: per worker packet ring occupancy and drops (n_workers each) */
	const uint64_t *ring_used;
	const uint64_t *ring_size;
	const uint64_t *worker_ring_drops;
	/* XDP pre-filter counters, when capturing with --xdp */
	const char *const *xdp_names;
	const uint64_t *xdp_vals;
	int n_xdp;
	bool xdp_zerocopy;
	/* the asset inventory's counters, or NULL (no "assets" object) */
	const struct assets_stats *assets;
};

/* Adds b's counters to a's. */
void decode_stats_add(struct decode_stats *a, const struct decode_stats *b);
void defrag_stats_add(struct defrag_stats *a, const struct defrag_stats *b);

/* Builds the complete "stats" EVE record into jb. */
void stats_record(struct jb *jb, const struct stats_input *in);

#endif
