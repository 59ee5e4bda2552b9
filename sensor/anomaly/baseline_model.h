/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_ANOMALY_BASELINE_MODEL_H
#define VIGIL_ANOMALY_BASELINE_MODEL_H

/*
 * The baseline's model, inside sensor/anomaly: what learning builds, what
 * the file holds, what detection reads. Every list is kept sorted by its
 * key, so that merging, writing and looking up are the same operation
 * whatever order things were learned in.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anomaly/baseline.h"

#define BL_NAME_LEN 48     /* function, space and unit names (from parser tables) */
#define BL_STR_MAX 128     /* a learned name or identity value, canonical text */
#define BL_IDENT_VALUES 4  /* values kept per identity attribute */
#define BL_IDENT_ATTRS 8   /* attributes kept per host and protocol */

/* A host: IPv4, IPv6, or a MAC address (frames without IP). */
enum { BL_HOST_V4 = 4, BL_HOST_V6 = 6, BL_HOST_MAC = 'm' };
struct bl_host {
	uint8_t kind;
	uint8_t a[16];
};

struct bl_range {
	uint32_t lo, hi;
};

/* Disjoint, sorted, never adjacent ([1,2] and [3,4] are one range). */
struct bl_rangeset {
	uint32_t n, cap;
	struct bl_range *r;
};

struct bl_space {
	uint16_t id;
	uint32_t qual;
	char name[BL_NAME_LEN];
	struct bl_rangeset rs;
};

/* A set of names (canonical text: printable ASCII, other bytes as \xHH),
 * sorted by bytes. */
struct bl_names {
	uint16_t id;
	char name[BL_NAME_LEN];
	uint32_t n, cap;
	char **v;
};

/* Polling period of a function, from intervals between its requests (or
 * reports) within a connection, in microseconds. Learned: integer sums
 * (exact, whatever the order); loaded from a file: mean and deviation. */
struct bl_period {
	uint64_t n;
	uint64_t sum;
	unsigned __int128 sumsq;
	uint64_t min, max;
	bool sums;            /* sum/sumsq valid (learned); else mean/sd */
	uint64_t mean, sd;    /* microseconds, rounded (bl_period_finish) */
};

/* A connection's first request of a function, while learning: the run
 * (one capture or live session of vigil learn) and the packet time. */
struct bl_start {
	uint64_t run;
	uint64_t ts;
};

struct bl_func {
	int32_t code;
	char name[BL_NAME_LEN];
	uint8_t fclass;
	uint64_t count[3];    /* requests, responses, reports (enum app_role) */
	struct bl_period per;      /* between requests within a connection */
	struct bl_period cper;     /* between the first requests of consecutive connections */
	/* detection: which periods are judged, and their allowed intervals
	 * (usec; bl_model_finish, from the configuration) */
	bool timed, ctimed;
	uint64_t plo, phi, clo, chi;
	/* learning only: when each connection first asked for it (a multiset:
	 * sorted at the end, its gaps within a capture are cper's samples) */
	uint32_t n_starts, cap_starts;
	struct bl_start *starts;
	uint32_t n_spaces, cap_spaces;
	struct bl_space *spaces;   /* sorted by (id, qual) */
	uint32_t n_names, cap_names;
	struct bl_names *names;    /* sorted by id */
};

struct bl_value {
	uint16_t id;
	uint32_t qual;
	uint32_t addr;
	char name[BL_NAME_LEN];
	bool has_w, has_r;
	double wlo, whi, rlo, rhi;
};

struct bl_conv {
	struct bl_host client, server;
	int proto;            /* index in app_parsers */
	uint64_t first, last; /* packet time, usec */
	uint64_t txs;
	char unit_name[BL_NAME_LEN];
	struct bl_rangeset units;
	uint32_t n_funcs, cap_funcs;
	struct bl_func *funcs;   /* sorted by code */
	uint32_t n_values, cap_values;
	struct bl_value *values; /* sorted by (id, qual, addr) */
	uint64_t hash;           /* of (client, server, proto) */
};

struct bl_ident_attr {
	char key[BL_NAME_LEN];
	uint8_t n;
	char *v[BL_IDENT_VALUES]; /* sorted */
};

struct bl_ident {
	struct bl_host host;
	int proto;
	uint8_t n;
	struct bl_ident_attr at[BL_IDENT_ATTRS]; /* sorted by key */
};

/* What caps stopped while learning (written in the file's "limits"). */
struct bl_limits {
	uint64_t conversations_dropped;
	uint64_t functions_dropped;
	uint64_t values_dropped;
	uint64_t names_dropped;
	uint64_t ranges_merged;
	uint64_t identities_dropped;
	uint64_t starts_dropped;   /* connection start times not kept (max-connection-starts) */
};

struct bl_model {
	struct bl_config cfg;
	uint64_t first, last;   /* packet time of the first and last tx learned */
	uint64_t txs;
	struct bl_limits lim;
	uint32_t n_convs, cap_convs;
	struct bl_conv **convs;  /* sorted by (client, server, protocol name) once finished */
	uint32_t n_idents, cap_idents;
	struct bl_ident *idents; /* sorted by (host, protocol name) once finished */
	/* lookup (learning: built as conversations come; detection: at load) */
	uint32_t hmask;
	struct bl_conv **htab;   /* open addressing by hash */
	bool has_cper;           /* some function has a period between connections */
	/* detection only: hosts seen as clients, as servers, pairs */
	uint32_t smask;
	uint64_t *hosts_client, *hosts_server, *pairs; /* open addressing of hashes (0 empty) */
};

/* ---- helpers ---------------------------------------------------------------- */

uint64_t bl_mix(uint64_t h, uint64_t v);
uint64_t bl_host_hash(const struct bl_host *h);
uint64_t bl_conv_hash(const struct bl_host *c, const struct bl_host *s, int proto);
int bl_host_cmp(const struct bl_host *a, const struct bl_host *b);
/* "10.0.0.1", "fd00::1", "00:11:22:33:44:55" */
void bl_host_format(const struct bl_host *h, char *out, size_t cap);
/* 0, or -1 when s is none of those */
int bl_host_parse(const char *s, struct bl_host *h);

/* The canonical text of n bytes (printable ASCII kept, '\\' and other
 * bytes as \xHH), truncated to BL_STR_MAX - 1 bytes; its length. */
size_t bl_canon(char out[BL_STR_MAX], const uint8_t *s, size_t n);

bool bl_rs_has_(const struct bl_rangeset *rs, uint32_t lo, uint32_t hi);
/* Is [lo, hi] within the set? (inline for the commonest set: one range) */
static inline bool bl_rs_has(const struct bl_rangeset *rs, uint32_t lo, uint32_t hi)
{
	if (rs->n == 1)
		return rs->r[0].lo <= lo && hi <= rs->r[0].hi;
	return bl_rs_has_(rs, lo, hi);
}
/* Adds [lo, hi]: 0, 1 when over max ranges (then the two closest are
 * merged: counted by the caller), -1 no memory. */
int bl_rs_add(struct bl_rangeset *rs, uint32_t lo, uint32_t hi, uint32_t max);
void bl_rs_free(struct bl_rangeset *rs);
/* Merges the closest ranges until at most max remain; how many merges. */
uint32_t bl_rs_compact(struct bl_rangeset *rs, uint32_t max);

const char *bl_class_name(uint8_t c);
int bl_class_parse(const char *s);

struct bl_model *bl_model_new(const struct bl_config *cfg);
/* Finds (and with create, makes) a conversation; NULL when absent, at the
 * cap (*capped set), or out of memory. */
struct bl_conv *bl_model_conv(struct bl_model *m, const struct bl_host *c,
			      const struct bl_host *s, int proto, bool create, bool *capped);
const struct bl_conv *bl_model_find(const struct bl_model *m, const struct bl_host *c,
				    const struct bl_host *s, int proto, uint64_t hash);
struct bl_func *bl_conv_func(struct bl_conv *cv, int32_t code, bool create, uint32_t max);
const struct bl_func *bl_conv_find_func(const struct bl_conv *cv, int32_t code);
struct bl_space *bl_func_space(struct bl_func *fn, uint16_t id, uint32_t qual, bool create);
const struct bl_space *bl_func_find_space_(const struct bl_func *fn, uint16_t id, uint32_t qual);
static inline const struct bl_space *bl_func_find_space(const struct bl_func *fn, uint16_t id,
							 uint32_t qual)
{
	if (fn->n_spaces == 1)
		return fn->spaces[0].id == id && fn->spaces[0].qual == qual ? &fn->spaces[0] : NULL;
	return bl_func_find_space_(fn, id, qual);
}
struct bl_names *bl_func_names(struct bl_func *fn, uint16_t id, bool create);
const struct bl_names *bl_func_find_names(const struct bl_func *fn, uint16_t id);
/* 0 added or present, 1 at the cap, -1 no memory */
int bl_names_add(struct bl_names *ns, const char *s, uint32_t max);
bool bl_names_has(const struct bl_names *ns, const char *s);
struct bl_value *bl_conv_value(struct bl_conv *cv, uint16_t id, uint32_t qual, uint32_t addr,
			       bool create, uint32_t max, bool *capped);
const struct bl_value *bl_conv_find_value(const struct bl_conv *cv, uint16_t id, uint32_t qual,
					  uint32_t addr);
struct bl_ident *bl_model_ident(struct bl_model *m, const struct bl_host *h, int proto,
				bool create, bool *capped);
const struct bl_ident *bl_model_find_ident(const struct bl_model *m, const struct bl_host *h,
					   int proto);
/* 0, 1 when the attribute or value lists are full */
int bl_ident_add(struct bl_ident *id, const char *key, const char *val);

void bl_period_add(struct bl_period *p, uint64_t us);
/* mean and sd from the sums (no-op for a loaded period) */
void bl_period_finish(struct bl_period *p);

/* Is hash h in an open-addressing set of hashes (bl_model's host sets)? */
bool bl_set_has(const uint64_t *set, uint32_t mask, uint64_t h);

/* Adds src into dst (exact: sets, sums, minima and maxima). 0 or -1. */
int bl_model_merge(struct bl_model *dst, const struct bl_model *src);
/* Sorts everything, applies the caps (compaction), finishes periods, and
 * builds the detection lookups. 0 or -1 (no memory). */
int bl_model_finish(struct bl_model *m);

#endif
