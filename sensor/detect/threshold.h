/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_DETECT_THRESHOLD_H
#define VIGIL_DETECT_THRESHOLD_H

/*
 * threshold.config (Suricata's format):
 *   suppress gen_id G, sig_id S[, track by_src|by_dst|by_either, ip ADDR[/LEN]]
 *   threshold gen_id G, sig_id S, type limit|threshold|both, track T, count C, seconds N
 *   event_filter ...   (same as threshold)
 * sig_id 0 / gen_id 0 mean every rule. A threshold line replaces the rule's
 * own threshold option.
 */

#include <stdio.h>

#include "detect/rule.h"

struct detect_engine;

struct thr_entry {
	uint32_t gid, sid;
	bool suppress;
	uint8_t track;        /* suppress: 0 none, 1 by_src, 2 by_dst, 3 by_either */
	struct ipnet net;     /* suppress with ip */
	struct thr_spec spec; /* threshold */
};

struct thr_config {
	struct thr_entry *e;
	size_t n;
};

int thr_config_load(struct thr_config *tc, const char *path, FILE *msgs, char *err,
		    size_t errlen);
void thr_config_free(struct thr_config *tc);
int thr_config_copy(struct thr_config *dst, const struct thr_config *src);

const struct thr_config *detect_engine_thr_config(const struct detect_engine *de);

/* One match against a threshold spec (threshold, limit, both, backoff,
 * detection_filter): emit its alert? The counters (window start, matches
 * in it, backoff's next count) are the caller's. O(1). */
bool thr_hit(uint64_t *first, uint64_t *seen, uint64_t *next, const struct thr_spec *t,
	     uint64_t ts);

#endif
