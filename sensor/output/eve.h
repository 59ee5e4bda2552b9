/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_OUTPUT_EVE_H
#define VIGIL_OUTPUT_EVE_H

/*
 * EVE JSON records, in the schema of Suricata's eve.json, so that SIEM
 * parsers written for Suricata read Vigil's records unchanged.
 *
 * Each function builds one complete JSON object into jb (after jb_reset),
 * without a trailing newline. Timestamps are packet time, in UTC.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/flow.h"
#include "vigil/packet.h"

/* A flow's id as records carry it: 51 bits, as Suricata masks its own
 * ("JavaScript and even JSON often seem to max out there"), so that every
 * id is exact as an IEEE double and jq, Kibana or Splunk print the id the
 * record holds. Every record that names a flow writes this. */
#define EVE_FLOW_ID_MASK 0x7ffffffffffffull
static inline uint64_t eve_flow_id(const struct flow *f)
{
	return f->id & EVE_FLOW_ID_MASK;
}

/* The sensor's identity in every record, as Suricata writes it: host (the
 * configured sensor name; no member when there is none) at the end of each
 * record, in_iface (the live capture interface; NULL when reading files)
 * after the flow id. Call once before any record is built; not thread-safe
 * with record building. -1 when a value is too long to be written (it is
 * then left out). */
int eve_set_sensor(const char *host, const char *in_iface);
/* Appends ,"host":... when the sensor has a name: for records built outside
 * this file (stats, asset), just before their closing brace. */
void eve_put_sensor_tail(struct jb *jb);
/* Appends ,"in_iface":... on a live sensor: for records built outside this
 * file that name no flow (asset), after their timestamp. */
void eve_put_in_iface(struct jb *jb);

/* "2026-01-01T00:00:00.000000+0000" (EVE_TS_LEN bytes and a NUL, always). */
#define EVE_TS_LEN 31
void eve_format_ts(char out[40], uint64_t ts_usec);
/* Printable address. */
void eve_format_addr(char *out, size_t cap, const struct vaddr *a, uint8_t ip_ver);
/* "TCP", "UDP", "ICMP", "IPv6-ICMP", ... or the number. */
const char *eve_proto_name(uint8_t proto, char tmp[8]);

/* Opens the record and writes the common header for a record caused by
 * packet p (addresses in the packet's direction), leaving the top-level
 * object open for the caller's members. */
void eve_open_packet(struct jb *jb, const struct packet *p, const char *event_type);
/* Same, with the addresses of the flow (client -> server) at time ts. */
void eve_open_flow(struct jb *jb, const struct flow *f, uint64_t ts, uint64_t pcap_cnt,
		   const char *event_type);
/* Closes the top-level object (after the host member, see eve_set_sensor). */
void eve_close(struct jb *jb);

/* Complete records. */
void eve_flow(struct jb *jb, const struct flow *f, enum flow_end_reason why,
	      const char *app_proto, const char *ndpi_proto, const char *ndpi_category);
void eve_anomaly_decode(struct jb *jb, const struct packet *p, const char *event);
void eve_anomaly_stream(struct jb *jb, const struct packet *p, const struct flow *f,
			uint64_t ts, const char *event);
void eve_anomaly_app(struct jb *jb, const struct packet *p, const struct flow *f,
		     const char *app_proto, const char *event);
/* defrag.memcap_hit: datagrams the defragmenter gave up to make room
 * (evicted) and fragments it could not store (dropped) since its previous
 * such record (p->frag_evicted, p->frag_dropped). */
void eve_anomaly_defrag(struct jb *jb, const struct packet *p);
/* An application-layer transaction record (event_type = protocol name). */
void eve_tx(struct jb *jb, const struct packet *p, const struct flow *f,
	    const struct app_tx *tx);

struct detect_alert;
/* An alert record: the packet's (or, at flow end, the flow's) header, the
 * alert object, the transaction that matched, and flow counters. */
void eve_alert(struct jb *jb, const struct detect_alert *a, uint64_t ts);
/* The same record for an alert that is not a rule's (the learned
 * baseline): members(arg, jb) writes its "alert" member and any of its own. */
void eve_alert_with(struct jb *jb, const struct packet *p, const struct flow *f,
		    const struct app_tx *tx, uint8_t dir, uint64_t ts,
		    void (*members)(const void *arg, struct jb *jb), const void *arg);

#endif
