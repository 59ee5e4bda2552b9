/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_REPORT_MODEL_H
#define VIGIL_REPORT_MODEL_H

/*
 * The report's model, shared by model.c (which builds it from records) and
 * html.c (which draws it). Fixed arrays allocated by report_new(): nothing
 * grows with the input.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report/report.h"

#define RP_STR 64    /* bytes kept of a name from the records, NUL included */
#define RP_ADDR 48   /* an IPv6 address in text, or a MAC */
#define RP_SIG 192   /* a rule's signature */
#define RP_PROTOS 64 /* distinct protocol names (app_proto, tcp, udp...) */
#define RP_TYPES 32  /* distinct event types counted */
#define RP_SOURCES 64
#define RP_BUCKETS 120 /* timeline bars at most */
#define RP_SEV 5       /* severities 1..4, then anything else */

/* function classes of a transaction (fclass.c) */
enum {
	RP_FC_READ = 1,
	RP_FC_WRITE = 2,
	RP_FC_CONTROL = 4,
	RP_FC_PROGRAM = 8,
	RP_FC_DIAG = 16,
};
#define RP_FC_COUNT 5
extern const char *const rp_fc_names[RP_FC_COUNT]; /* "read", ... by bit */

/* roles, as the asset records name them (anomaly/assets.c) */
enum {
	RP_R_MASTER = 1,
	RP_R_HMI = 2,
	RP_R_ENG = 4,
	RP_R_FIELD = 8,
	RP_R_SERVER = 16,
	RP_R_PUBLISHER = 32,
};
#define RP_ROLE_COUNT 6
extern const char *const rp_role_names[RP_ROLE_COUNT];

/* where a host stands on the map */
enum rp_kind { RP_K_SUPERVISORY, RP_K_FIELD, RP_K_OTHER };

struct rp_node {
	char key[RP_ADDR]; /* IP address, or the MAC of a layer-2 talker */
	char mac[RP_ADDR];
	char vendor[RP_STR], product[RP_STR], model[RP_STR], firmware[RP_STR];
	char serial[RP_STR], name[RP_STR], mac_vendor[RP_STR];
	uint64_t protos; /* bit i: protocol name i */
	uint64_t first, last; /* usec since the epoch; 0: no time seen */
	uint64_t alerts_src;  /* alerts this host caused (the flow's client) */
	uint64_t alerts_dst;  /* alerts against it */
	uint64_t records;     /* asset records about it */
	uint8_t roles;
	uint8_t worst_sev; /* of the alerts it caused; 0 none */
	bool is_mac, multicast, asset;
	/* set by report_finish */
	int32_t alias;  /* a MAC-only host that is also an IP host: that one; else -1 */
	uint32_t degree; /* host pairs it is in */
	bool drawn;
	float x, y;
};

struct rp_edge {
	uint32_t src, dst; /* node indices: client (or sender) and server */
	uint8_t proto;     /* protocol name index */
	uint8_t classes;   /* RP_FC_* */
	uint8_t worst_sev; /* of its alerts; 0 none */
	uint8_t n_ports;   /* flows without a protocol: server ports seen */
	uint16_t ports[4];
	bool more_ports;
	uint64_t flows, txs, alerts;
	uint64_t first, last;
};

struct rp_rule {
	uint32_t gid, sid, rev;
	uint8_t severity;
	char signature[RP_SIG], category[RP_STR], mitre[RP_STR];
	uint64_t count, first, last;
};

struct rp_alert {
	uint64_t ts, seq;
	uint32_t sid;
	uint8_t severity;
	uint16_t sport, dport;
	char src[RP_ADDR], dst[RP_ADDR];
	char proto[24];
	char signature[RP_SIG];
};

struct rp_anomaly {
	char event[RP_STR], type[24];
	uint64_t count, first, last;
};

struct rp_named_count {
	char name[32];
	uint64_t count;
};

/* The alert timeline: RP_BUCKETS bars at most, each `width` usec, from
 * `base`; the width is the smallest of a fixed series (each a multiple of
 * the one before) that holds [min, max], so that the bars do not depend
 * on the order in which alerts arrive. */
struct rp_hist {
	bool any;
	uint64_t min, max, width, base;
	uint64_t n[RP_BUCKETS][RP_SEV];
};

struct report {
	struct report_limits lim;
	char title[RP_STR * 2];

	struct rp_node *nodes;
	size_t n_nodes;
	uint32_t *node_hash; /* index + 1, 0 empty; node_hash_mask + 1 slots */
	size_t node_hash_mask;

	struct rp_edge *edges;
	size_t n_edges;
	uint32_t *edge_hash;
	size_t edge_hash_mask;

	struct rp_rule *rules;
	size_t n_rules;
	uint32_t *rule_hash;
	size_t rule_hash_mask;

	struct rp_alert *alerts; /* max-heap on (ts, seq): the earliest kept */
	size_t n_alerts;
	uint64_t alert_seq;

	struct rp_anomaly *anomalies;
	size_t n_anomalies;

	char protos[RP_PROTOS][24];
	size_t n_protos;
	struct rp_named_count types[RP_TYPES];
	size_t n_types;

	char sources[RP_SOURCES][2][RP_STR * 2]; /* kind, name */
	size_t n_sources;
	uint64_t sources_more;

	struct rp_hist hist;
	uint64_t first, last; /* of all records with a time */

	struct {
		uint64_t lines, blank, not_json, malformed, oversized, no_time, records;
		uint64_t ignored, alerts;
		uint64_t nodes_dropped, edges_dropped, rule_alerts_dropped;
		uint64_t alerts_unlisted, anomaly_dropped, types_dropped, protos_dropped;
		uint64_t bad_fields; /* records of a known type missing what it needs */
	} c;

	bool finished; /* report_finish ran */
	size_t map_nodes, map_edges; /* drawn */
	uint64_t map_nodes_left, map_pairs_left;
	/* drawn host pairs (report_finish) */
	struct rp_pair {
		uint32_t a, b; /* drawn nodes: a sends to b */
		uint32_t first_edge; /* edges sorted by pair: [first_edge, first_edge + n) */
		uint32_t n;
		uint8_t classes, worst_sev;
		uint64_t alerts, weight;
	} *pairs;
	uint32_t *edge_order; /* edge indices sorted by (pair, protocol) */
	float map_w, map_h;
	float col_x[3]; /* centre of each column's band */
	size_t col_n[3];
};

/* model.c */
/* The lines of f, as report_read_file does. 0, or -1 on a read error (or
 * out of memory). */
int report_read_stream(struct report *r, FILE *f);
/* layout.c: what the map draws and where; runs again only after records
 * were added (report_write_html and report_summary call it) */
void report_finish(struct report *r);
/* "2023-11-14T22:13:20.001460+0000" (also Z, +HH:MM, no fraction) to usec
 * since the epoch; 0 when it is not such a time. */
uint64_t rp_parse_time(const char *s);
/* "2023-11-14 22:13:20.001460" (UTC); out holds 27 bytes */
void rp_format_time(char out[32], uint64_t usec);
enum rp_kind rp_node_kind(const struct rp_node *n);
/* layout.c: addresses in order: IPv4, IPv6, then MACs, by their bytes */
int rp_addr_cmp(const char *a, const char *b);

/* fclass.c: the function classes (RP_FC_*) of the protocol object obj of a
 * transaction or alert record of protocol proto ("modbus": {...}); 0 when
 * it names no function of a known class (responses, sessions, unknowns). */
unsigned rp_fclass(const char *proto, const json_t *obj);

#endif
