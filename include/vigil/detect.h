/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_DETECT_H
#define VIGIL_DETECT_H

/*
 * The detection engine as the rest of the sensor sees it.
 *
 * An engine is built from rule files once (detect_engine_load) and is then
 * read-only: every worker thread evaluates it concurrently through its own
 * struct detect_thread (scratch space, Hyperscan scratch). A reload builds a
 * new engine aside; the pipeline swaps the pointer between packets.
 *
 * Evaluation is synchronous and produces alerts through a callback; the
 * caller turns them into EVE records (the alert object of the record is
 * written by detect_alert_json). Thresholds, detection_filter and
 * suppression are not applied by the workers but by the single output
 * stage, in capture order, through detect_threshold_*: so that replays give
 * the same alerts whatever the number of workers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vigil/app.h"
#include "vigil/flow.h"
#include "vigil/packet.h"

struct jb;
struct rule;
struct detect_engine;
struct detect_thread;
struct detect_threshold_ctx;

/* Address and port variables, e.g. HOME_NET = "[10.0.0.0/8,192.168.0.0/16]". */
struct detect_var {
	const char *name;   /* without the $ */
	const char *value;
};

struct detect_config {
	const struct detect_var *address_vars;
	size_t n_address_vars;
	const struct detect_var *port_vars;
	size_t n_port_vars;
	const char *classification_file;  /* NULL: rules/classification.config next to rules */
	const char *threshold_file;       /* threshold.config (suppress / threshold), or NULL */
	const char *reference_file;       /* optional */
	bool strict;                      /* fail the load when any rule fails */
};

/* What loading reported. Messages ("FILE:LINE: sid N: reason") have been
 * printed to the given stream as they were found. */
struct detect_load_report {
	unsigned loaded;
	unsigned failed;
	unsigned unsupported;   /* rules skipped because an option is not supported */
	unsigned files;
	unsigned var_failed;    /* of the failed: rules naming an undefined variable */
	char vars[128];         /* those variables ("$A, $B", cut at 127 bytes) */
};

/* Loads rule files (a path may be a directory: every *.rules inside, sorted).
 * Returns NULL only on a fatal problem (no memory, unreadable file, strict
 * mode with failures, Hyperscan compile failure), with a one-line reason
 * in err. Bad rules are reported to msgs and skipped. */
struct detect_engine *detect_engine_load(const struct detect_config *cfg,
					 const char *const *paths, size_t n_paths,
					 FILE *msgs, struct detect_load_report *rep,
					 char *err, size_t errlen);
void detect_engine_free(struct detect_engine *de);   /* accepts NULL */
unsigned detect_engine_rule_count(const struct detect_engine *de);

/* What --list-keywords prints: every rule keyword the engine knows. */
struct detect_keyword_info {
	const char *name;
	const char *desc;      /* one line; valid during the callback only */
	bool suricata;         /* Suricata's keyword (else Vigil's own) */
	bool supported;        /* false: Suricata's, recognised, not implemented */
	const char *proto;     /* a protocol keyword: the parser's name; else NULL */
};
/* Calls fn for the rule options, then every parser's keywords, then
 * Suricata's keywords Vigil does not implement, from the tables the rule
 * parser itself uses. */
void detect_keywords_foreach(void (*fn)(void *user, const struct detect_keyword_info *k),
			     void *user);

/* Checks the configuration's variables: every value parses (with the
 * other variables it names). 0, or -1 with the first bad one's index in
 * *idx (in address_vars, or in port_vars when *is_port) and the reason in
 * err. */
int detect_vars_check(const struct detect_config *cfg, size_t *idx, bool *is_port, char *err,
		      size_t errlen);

/* Per worker thread; NULL on allocation failure. */
struct detect_thread *detect_thread_new(const struct detect_engine *de);
void detect_thread_free(struct detect_thread *dt);    /* accepts NULL */

/* One alert. Valid only during the callback. */
struct detect_alert {
	const struct rule *rule;
	const struct packet *p;        /* the packet that completed the match */
	const struct flow *f;          /* may be NULL */
	const struct app_tx *tx;       /* the transaction that matched, or NULL */
	uint8_t dir;                   /* direction of p within f */
	bool held;                     /* held back by a threshold tracked by_flow:
					* not to be emitted (the output stage counts it) */
};

struct detect_alert_sink {
	void *user;
	void (*alert)(void *user, const struct detect_alert *a);
};

/* Packet-level rules (ip/tcp/udp/icmp with header, payload and flow
 * options) against p. Also evaluates app-layer-event rules against the
 * events raised while processing p (passed in). f may be NULL. */
void detect_packet(struct detect_thread *dt, struct packet *p, struct flow *f,
		   const struct detect_alert_sink *sink);

/* Application-layer rules (protocol modbus, dnp3, ... and app keywords)
 * against one transaction, raised from packet p (NULL at flow end). */
void detect_tx(struct detect_thread *dt, struct packet *p, struct flow *f,
	       const struct app_tx *tx, const struct detect_alert_sink *sink);

/* An application-layer event (parser p, event ev; p NULL = core framing
 * event) raised on packet pk: app-layer-event rules. */
void detect_app_event(struct detect_thread *dt, struct packet *pk, struct flow *f,
		      const struct proto_parser *p, uint16_t ev,
		      const struct detect_alert_sink *sink);

/* The flow ends: free per-flow detection state (f->detect). */
void detect_flow_free(struct flow *f);

/* Writes the EVE "alert" member of a record for a rule: an object with
 * action, gid, signature_id, rev, signature, category, severity, metadata
 * (built once when the engine loads). */
void detect_alert_json(const struct rule *r, struct jb *jb);
/* Severity (priority) of a rule, 1 = highest. */
int detect_rule_severity(const struct rule *r);
uint32_t detect_rule_sid(const struct rule *r);

/* What the output stage needs to threshold an alert, copied by value into
 * the record queue (so that no rule pointer crosses threads). */
struct detect_alert_meta {
	uint32_t gid, sid;
	uint8_t thr_type, thr_track, df_track, ip_ver;
	uint32_t thr_count, thr_seconds, df_count, df_seconds;
	bool held;                     /* see detect_alert.held */
	struct vaddr src, dst;
};
void detect_alert_meta_fill(const struct detect_alert *a, struct detect_alert_meta *m);

/* Output-stage thresholding, in capture order. */
struct detect_threshold_ctx *detect_threshold_new(const struct detect_engine *de);
void detect_threshold_free(struct detect_threshold_ctx *tc);   /* accepts NULL */
/* After a reload: take the new threshold.config, keep the counters. */
void detect_threshold_rebind(struct detect_threshold_ctx *tc, const struct detect_engine *de);
/* Should this alert be emitted? Applies threshold, detection_filter and
 * suppress (rule options and threshold.config). ts is packet time (usec). */
bool detect_threshold_pass(struct detect_threshold_ctx *tc, const struct detect_alert_meta *m,
			   uint64_t ts);
/* Alerts held back by thresholds / suppression, and table-full events. */
void detect_threshold_counts(const struct detect_threshold_ctx *tc, uint64_t *suppressed,
			     uint64_t *table_full);

/* Rules that matched but whose alert was not evaluated further: the
 * counters of a thread (alerts raised, rules evaluated, prefilter hits). */
struct detect_thread_stats {
	uint64_t alerts;
	uint64_t evaluated;
	uint64_t prefilter_hits;
};
void detect_thread_stats(const struct detect_thread *dt, struct detect_thread_stats *st);

#endif
