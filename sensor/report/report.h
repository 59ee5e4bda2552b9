/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_REPORT_REPORT_H
#define VIGIL_REPORT_REPORT_H

/*
 * `vigil report`: one self-contained HTML page from EVE records (those of
 * a replay, or of EVE files): the plant's communication map, the hosts,
 * an alert timeline and counts per rule.
 *
 * The model takes records one by one, in any order, and holds at most
 * what struct report_limits allows: hosts, host pairs per protocol, rules
 * and listed alerts beyond their cap are counted, never kept, and the
 * page says how many were left out. Bad input (a line that is not JSON,
 * a record cut short, a line longer than line_max) is counted the same
 * way. The page depends only on the records and their order of arrival
 * when two have the same time: the same input gives the same bytes.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct report;

struct report_limits {
	size_t nodes;     /* hosts kept (IP addresses, MACs of layer-2 talkers) */
	size_t edges;     /* (client, server, protocol) triples kept */
	size_t rules;     /* rules counted one by one */
	size_t alerts;    /* alerts listed one by one: the earliest */
	size_t anomalies; /* anomaly events counted one by one */
	size_t map_nodes; /* hosts drawn on the map (the others: in the tables) */
	size_t map_edges; /* host pairs drawn on the map */
	size_t line_max;  /* longest EVE line read (bytes); longer ones skipped */
};

/* The defaults: 4096 hosts, 16384 triples, 4096 rules, 500 alerts listed,
 * 512 anomaly events, 120 hosts and 360 pairs on the map, 1 MiB lines. */
void report_limits_default(struct report_limits *lim);

/* lim NULL: the defaults. NULL when out of memory. The model's memory is
 * allocated here, once: about 0.7 KiB per host and 0.1 KiB per triple
 * (4 MiB with the defaults). */
struct report *report_new(const struct report_limits *lim);
void report_free(struct report *r); /* accepts NULL */

/* One EVE record, a JSON object (trailing newline allowed). Returns 1 when
 * it was used, 0 when it was a record the report has no use for (stats),
 * -1 when it was not a JSON object (counted as malformed). */
int report_add(struct report *r, const char *json, size_t len);

/* Every line of an EVE file ("-": stdin), streamed with one line_max
 * buffer: a syslog header before the record is skipped, a line without a
 * '{' (CEF, LEEF, other text) is counted as not JSON, a malformed or cut
 * record as malformed, a longer line as oversized. 0, or -1 with the
 * reason in err when the file could not be opened or read. */
int report_read_file(struct report *r, const char *path, char *err, size_t errlen);

/* What the page names as its input (a capture, an EVE file, the rules),
 * in the order given; at most 64 are named, the rest counted. */
void report_add_source(struct report *r, const char *kind, const char *name);

/* The page's title (default "Vigil report"); copied. */
void report_set_title(struct report *r, const char *title);

/* Writes the page. 0, or -1 when f reported a write error. */
int report_write_html(struct report *r, FILE *f);

/* Counts, for the caller's summary line and the tests. */
struct report_summary {
	uint64_t lines, records, alerts, not_json, malformed, oversized;
	size_t hosts, attackers, edges, rules;
	size_t map_nodes, map_edges; /* what the map draws */
};
void report_summary(struct report *r, struct report_summary *s);

#endif
