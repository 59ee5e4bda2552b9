/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_ANOMALY_BASELINE_H
#define VIGIL_ANOMALY_BASELINE_H

/*
 * The learned baseline of a plant's normal behaviour (issue 17).
 *
 * Learning (`vigil learn`): every worker folds the facts of its
 * transactions (include/vigil/app.h, struct app_facts) into a table of its
 * own: per conversation (client, server, protocol) the functions seen with
 * their address ranges, names and polling period, the values written and
 * reported per address, the sub-devices; per host the identity it reported.
 * At the end the workers' tables are merged into one model and written as
 * JSON (baseline_file.c documents the schema). The merge is exact: counts
 * and sums are integers (the polling period's sum of squares too), ranges
 * and names are sets, values and times are minima and maxima; so the file
 * is the same whatever --workers, as long as no table hit a cap (hitting
 * one is counted in the file's "limits" and reported on stderr).
 *
 * Detection (`--baseline FILE`): the model is loaded read-only and shared
 * by every worker. Each transaction is compared with it where it is parsed:
 * a conversation, function, address, name, sub-device, value or identity
 * the baseline does not have raises an EVE alert (category "baseline",
 * sids 9120001-9120013, rules/README.md). That comparison depends only on
 * the transaction and the read-only model, so it gives the same result in
 * any worker. State that spans packets is kept where its packets are in
 * order whatever the worker count:
 *   - per flow (a flow lives in one worker): the time of the last request
 *     of each function, for the polling period (silence and bursts are
 *     measured within a connection), and which deviations the flow already
 *     reported;
 *   - per L2 conversation (GOOSE: every frame of an EtherType goes to one
 *     worker) in a small per-worker table;
 *   - across flows, "once per conversation": the output stage, which sees
 *     records in capture order, lets a deviation through at most once per
 *     `realert` seconds of packet time for the same thing in the same
 *     conversation (bl_dedup_pass, as thresholds are applied there).
 * The per-flow memory only drops what the output stage would drop too, so
 * the records are identical for any --workers.
 *
 * Everything is bounded by caps in the configuration (baseline: in
 * vigil.yaml); what a cap stops is counted in the stats record.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/app.h"
#include "vigil/flow.h"
#include "vigil/packet.h"

struct jb;

/* The kinds of deviation, each with its signature id (BL_SID_BASE + kind). */
enum bl_kind {
	BL_NEW_TALKER = 1,      /* a client the baseline never saw as a client */
	BL_NEW_SERVER,          /* a server the baseline never saw as a server */
	BL_NEW_CONVERSATION,    /* both known, never together */
	BL_NEW_PROTOCOL,        /* the pair is known, not with this protocol */
	BL_NEW_FUNCTION,        /* a function code not seen on the conversation */
	BL_ADDRESS,             /* an address outside the function's learned ranges */
	BL_NAME,                /* a node id, tag, block... not seen with the function */
	BL_UNIT,                /* a sub-device (unit id, DNP3 address...) not seen */
	BL_VALUE_WRITTEN,       /* a written value outside the learned range */
	BL_VALUE_REPORTED,      /* a reported value outside the learned range */
	BL_PERIOD_SILENCE,      /* a polled function silent beyond its period */
	BL_PERIOD_BURST,        /* a polled function requested faster than its period */
	BL_IDENTITY,            /* a device reported an identity other than the learned */
	BL_KIND__COUNT
};

#define BL_SID_BASE 9120000u

extern const char *const bl_kind_names[BL_KIND__COUNT];

struct bl_config {
	/* detection */
	uint32_t realert_sec;        /* same thing, same conversation: again after this (0: never) */
	double value_tolerance;      /* written values: margin as a fraction of the learned span */
	double reported_tolerance;   /* reported values: the same */
	double value_margin;         /* and at least this much, in the value's own units */
	uint64_t reported_interval_us; /* reported values checked once per this, per flow and
					* function (0: every response) */
	double period_k;             /* silence/burst beyond k standard deviations ... */
	double period_tolerance;     /* ... and beyond this fraction of the mean */
	uint32_t period_min_samples; /* periods learned from fewer intervals are not judged */
	double period_max_variation; /* nor those whose sd is beyond this fraction of the mean */
	uint32_t dedup_entries;      /* things the output stage remembers (realert) */
	/* learning */
	uint32_t period_max_sec;     /* a longer gap is not a polling interval */
	/* caps (learning and loading) */
	uint32_t max_conversations;
	uint32_t max_functions;      /* per conversation */
	uint32_t max_ranges;         /* per function and address space */
	uint32_t max_names;          /* per function and name space */
	uint32_t max_values;         /* addresses with values, per conversation */
	uint32_t max_identities;     /* hosts with an identity */
	uint32_t max_starts;         /* connection start times kept while learning, per worker */
	uint32_t conn_entries;       /* output stage: (conversation, function) connection timers */
	uint32_t l2_conversations;   /* per worker: GOOSE publishers followed */
	uint64_t max_file_bytes;     /* a baseline file larger than this is refused */
};

void bl_config_defaults(struct bl_config *c);

/* ---- the model (read-only once loaded) -------------------------------------- */

struct bl_model;

/* Reads a baseline file. NULL with "FILE:LINE:COLUMN: reason" (syntax) or
 * "FILE: where: reason" (content) in err. */
struct bl_model *bl_load(const char *path, const struct bl_config *cfg, char *err, size_t errlen);
/* The same from memory (name is used in messages); for tests and fuzzing. */
struct bl_model *bl_load_mem(const char *name, const char *text, size_t len,
			     const struct bl_config *cfg, char *err, size_t errlen);
void bl_model_free(struct bl_model *m); /* accepts NULL */
/* Writes m as JSON text (malloc'd, NUL-terminated) into *out; its length,
 * or -1 (no memory). The same model always gives the same bytes. */
long bl_model_text(const struct bl_model *m, char **out);
/* Conversations in the model. */
size_t bl_model_conversations(const struct bl_model *m);

/* ---- learning ----------------------------------------------------------------- */

struct bl_learner;

struct bl_learner *bl_learner_new(const struct bl_config *cfg);
void bl_learner_free(struct bl_learner *l);
/* A new capture (or live session) begins: the gaps between connections
 * are measured within one, not across. */
void bl_learner_next_run(struct bl_learner *l);
/* Merges what every worker learned into one model (owned by the caller);
 * NULL when out of memory. Warnings about caps go to msgs (may be NULL). */
struct bl_model *bl_learner_model(struct bl_learner *l, void *msgs_file);

/* ---- per worker --------------------------------------------------------------- */

/* A deviation, handed to the worker's callback, valid during the call. */
struct bl_alert;

struct bl_alert_view {
	const struct packet *p;   /* the packet, or NULL (a silence found at a tick) */
	const struct flow *f;     /* NULL for frames without IP (GOOSE) */
	const struct app_tx *tx;  /* the transaction, or NULL */
	uint8_t dir;
	uint64_t ts;
	uint32_t sid;
	uint8_t severity;
	uint64_t dedup;           /* the output stage's key: this thing in this conversation */
	uint64_t tie;             /* without a packet: orders the record (the flow's first packet) */
	bool tick;                /* found at a tick: the record goes after the tick's expiries */
	const struct vaddr *src, *dst; /* for threshold.config (suppress by address) */
	uint8_t ip_ver;
	const struct bl_alert *a; /* for bl_alert_json */
};

typedef void (*bl_alert_fn)(void *user, const struct bl_alert_view *v);

/* A connection's first request of a function whose period between
 * connections was learned: the output stage, which sees these in capture
 * order, times the conversation's connections (bl_out_event). Plain data:
 * it is copied through the record queue. */
struct bl_event {
	uint64_t ts, pcap_cnt, flow_id;
	uint64_t conv;              /* hash of (client, server, protocol) */
	struct vaddr client, server;
	uint16_t cport, sport;
	uint8_t ip_ver, l4proto;
	int32_t proto;              /* parser index */
	int32_t function;
	uint8_t fclass;
	char fname[48];
	uint64_t mean, sd, n, lo, hi; /* learned connection period, allowed range (usec) */
};
typedef void (*bl_event_fn)(void *user, const struct bl_event *ev);
/* The event_type of the queue messages that carry a struct bl_event (they
 * are not records: the output stage hands them to bl_out_event). */
extern const char bl_event_type[];

struct bl_worker_stats {
	uint64_t transactions;     /* txs compared (or learned) */
	uint64_t no_facts;         /* txs of parsers without facts: conversation only */
	uint64_t unknown_conversation_txs;
	uint64_t deviations[BL_KIND__COUNT]; /* found (before any rate limit) */
	uint64_t repeats_in_flow;  /* deviations the flow had reported already */
	uint64_t alerts;           /* handed to the output stage */
	uint64_t flows;            /* flows given baseline state */
	uint64_t flow_state_failures; /* no memory for it (checked without timing) */
	uint64_t timing_slots_full;   /* functions of a flow not timed (slots full) */
	uint64_t l2_table_full;    /* L2 conversations not followed */
	uint64_t facts_truncated;  /* txs with more ranges/values/names than facts keep */
	uint64_t value_checks_skipped; /* responses whose values were not checked (interval) */
	/* learning */
	uint64_t conversations_dropped;
	uint64_t functions_dropped;
	uint64_t values_dropped;
	uint64_t names_dropped;
	uint64_t ranges_merged;
	uint64_t identities_dropped;
	uint64_t starts_dropped;
	uint64_t connection_events;  /* detection: connection starts timed by the output stage */
};

struct bl_worker;

/* A worker's baseline: detect against model (read-only, shared), or learn
 * into learner's table for worker id. NULL when out of memory. */
struct bl_worker *bl_worker_new(const struct bl_config *cfg, const struct bl_model *model,
				struct bl_learner *learner, int id, bl_alert_fn alert,
				bl_event_fn event, void *user);
void bl_worker_free(struct bl_worker *w);  /* accepts NULL; flows must have ended */

/* One transaction of flow f (NULL: a frame without IP, p then has the MACs)
 * raised on packet p (NULL at a flow's end). */
void bl_tx(struct bl_worker *w, const struct packet *p, struct flow *f, const struct app_tx *tx);
/* The flow ends: its state is freed; returns the bytes freed (flow memcap). */
size_t bl_flow_end(struct bl_worker *w, struct flow *f);
/* Packet time has reached now: polled functions that went silent. */
void bl_tick(struct bl_worker *w, uint64_t now);
/* Does the output stage time connections (the model has periods between
 * connections)? Then the worker tells it, at each tick, that time passed
 * (a bl_event_type message without an event). */
bool bl_wants_ticks(const struct bl_worker *w);
/* Bytes of per-flow state (for the flow memcap) last allocated by bl_tx:
 * the caller adds it to the flow table's accounting. */
size_t bl_flow_state_size(void);
void bl_worker_stats_get(const struct bl_worker *w, struct bl_worker_stats *out);
void bl_worker_stats_add(struct bl_worker_stats *sum, const struct bl_worker_stats *w);

/* The "alert" and "baseline" members of an alert record. */
void bl_alert_json(const struct bl_alert *a, struct jb *jb);

/* ---- the output stage: once per thing per conversation ------------------------ */

struct bl_dedup;
struct bl_dedup *bl_dedup_new(const struct bl_config *cfg);
void bl_dedup_free(struct bl_dedup *d);
/* Should the deviation with this key, at packet time ts, be written? */
bool bl_dedup_pass(struct bl_dedup *d, uint64_t key, uint64_t ts);
struct bl_dedup_stats {
	uint64_t passed;
	uint64_t repeats;      /* held back: the same thing within realert seconds */
	uint64_t table_full;   /* let through without being remembered */
	uint64_t connection_deviations; /* period between connections: silence or burst */
	uint64_t connection_table_full; /* conversations not timed (conn-entries) */
};

/* What the output stage writes: a complete alert record (json), with
 * what thresholds and the realert key need. */
typedef void (*bl_out_fn)(void *user, const char *json, size_t len, uint64_t ts, uint32_t sid,
			  uint8_t severity, uint64_t dedup, const struct bl_event *ev);
/* A struct bl_event (len bytes at ev) in capture order: the gap since the
 * conversation's previous connection is compared with the learned one. */
void bl_out_event(struct bl_dedup *d, const void *ev, size_t len, bl_out_fn out, void *user);
/* Packet time now: conversations whose connections stopped coming. */
void bl_out_tick(struct bl_dedup *d, uint64_t now, bl_out_fn out, void *user);
void bl_dedup_stats_get(const struct bl_dedup *d, struct bl_dedup_stats *out);

/* The "baseline" member of the stats record. */
void bl_stats_json(struct jb *jb, const struct bl_worker_stats *ws, const struct bl_dedup_stats *ds,
		   size_t conversations);

#endif
