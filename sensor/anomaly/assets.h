/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_ANOMALY_ASSETS_H
#define VIGIL_ANOMALY_ASSETS_H

/*
 * The passive asset inventory: what each device on the wire is, learned
 * from what it says (identification responses of the industrial protocols,
 * through each parser's identity hook) and from how it behaves (who polls
 * whom, who downloads programs, who publishes GOOSE).
 *
 * Two halves, so that the records come out in capture order whatever the
 * number of workers (a device's flows may be spread over several workers):
 *
 *  - in a worker, an asset_tap turns transactions into small facts
 *    (struct asset_fact: the two ends' addresses, the protocol, what the
 *    parser's hook said), at most one per flow direction and about a
 *    minute of packet time unless the tx carries identity; the worker
 *    queues them with its records, keyed like them;
 *  - the output stage, which takes every worker's queue in key order,
 *    applies each fact to the one inventory (struct assets) and writes an
 *    "asset" record when a device is first seen, when what is known of it
 *    grows or changes, and once per refresh interval while it is active.
 *
 * The asset record (event_type "asset"), one JSON line:
 *
 *   {"timestamp":"2026-12-07T10:00:01.000000+0000","pcap_cnt":12,"event_type":"asset",
 *    "asset":{
 *     "id":3,                    per run, in the order devices were first seen
 *     "event":"change",          new | update (something learned) | change (a known
 *                                value replaced: "changes" has old and new) | refresh
 *     "ip":"10.0.0.20",          absent for a device seen only at layer 2 (GOOSE)
 *     "mac":"00:1b:1b:12:34:56","mac_vendor":"Siemens AG",   MAC of its frames, IEEE OUI
 *     "vendor":"Siemens","product":"CPU 315-2 PN/DP","model":"6ES7 315-2EH14-0AB0",
 *     "firmware":"V3.2.7","serial":"S C-B1U393142011","name":"PLC_1",
 *     "device_type":"...",       the device's own identity (first known of its protocols)
 *     "protocols":["s7comm"],    every protocol it spoke, in registry order
 *     "roles":["field_device"],  master, hmi, engineering_workstation, field_device,
 *                                server, publisher (inferred; see assets.c)
 *     "identities":[{"protocol":"s7comm","vendor":...,"station":"S7300/ET200M station_1"},
 *                   {"protocol":"enip","component":"backplane port 1 slot 0",
 *                    "vendor":...,"vendor_id":[1],"product_code":[54]}],
 *                                what each protocol said, per module behind the
 *                                address ("component"); numbers are sets
 *     "first_seen":"...","last_seen":"...",
 *     "changes":[{"field":"firmware","protocol":"s7comm","old":"V3.2.6","new":"V3.2.7"},
 *                {"field":"roles","new":["master"],"old":["hmi"]}]}}
 *
 * Bounded: at most max_assets devices (the least recently seen is
 * forgotten past it, counted), ASSET_MAX_IDS identities each, fixed-size
 * strings. The MAC vendors come from Debian's ieee-data (oui.csv), read
 * once at start-up.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/asset.h"
#include "vigil/flow.h"
#include "vigil/packet.h"

struct assets_config {
	bool enabled;
	uint32_t max_assets;      /* the table's cap */
	uint32_t master_min;      /* devices polled that make a master (1..8) */
	uint32_t refresh_sec;     /* a record per active device this often (0 = never) */
	const char *oui_file;     /* NULL or "": no MAC vendors */
};

void assets_config_defaults(struct assets_config *c);

/* ---- facts: worker -> output stage --------------------------------------- */

#define ASSET_FACT_FIRST 0x01 /* the flow's first tx in this direction (or a minute on) */
#define ASSET_FACT_ID 0x02    /* id holds what the parser's identity hook said */
#define ASSET_FACT_GROUP 0x04 /* the receiver is a broadcast or multicast address */
#define ASSET_FACT_INDEX 0x08 /* pcap_cnt is the packet's index (not XDP) */

/* One fact. Plain data: it is copied into the record queue, and only its
 * first asset_fact_len() bytes are (the identity is there only with
 * ASSET_FACT_ID). */
struct asset_fact {
	uint64_t pcap_cnt;
	uint8_t proto;            /* index in app_parsers */
	uint8_t flags;            /* ASSET_FACT_* */
	uint8_t dir;              /* the tx's: 0 the sender is the flow's client */
	uint8_t ip_ver;           /* 4, 6, or 0 (a layer-2 frame: no IP) */
	uint8_t has_mac;          /* bit 0: the sender's MAC, bit 1: the receiver's */
	uint8_t mac[2][6];        /* [sender, receiver] */
	struct vaddr ip[2];       /* [sender, receiver] */
	struct app_identity id;   /* last */
};

static inline size_t asset_fact_len(const struct asset_fact *f)
{
	return (f->flags & ASSET_FACT_ID) ? sizeof(*f) : offsetof(struct asset_fact, id);
}

/* A worker's side: decides which txs make facts. Not thread-safe: one per
 * worker. */
struct asset_tap {
	struct asset_fact fact;
	struct asset_tap_l2 *l2[32];     /* per parser: layer-2 senders heard lately */
};

struct asset_tap *asset_tap_new(void);
void asset_tap_free(struct asset_tap *t); /* accepts NULL */

/* A flow direction makes a fact on its first tx, and again on its first tx
 * of each new period of packet time (2^26 us, about a minute), so that the
 * devices' last_seen and the refresh records follow long-lived flows. The
 * memory of it is the flow's own (asset_memo: the directions that made one,
 * bits 0-1, in the period of bits 2-7), so what a flow reports does not
 * depend on which other flows share its worker: the records are the same
 * for any number of workers. */
#define ASSET_TAP_PERIOD_SHIFT 26

/* The fact of a tx that has something to say (first: the flow direction's
 * first of the period; id: the parser's hook filled t->fact.id). */
const struct asset_fact *asset_tap_make(struct asset_tap *t, const struct packet *p,
					const struct flow *f, const struct app_tx *tx, bool first,
					bool id);
/* The same for a frame without IP (no flow). */
const struct asset_fact *asset_tap_l2(struct asset_tap *t, const struct packet *p,
				      const struct app_tx *tx);

/* Is tx (of flow f, at packet time now) the first of its direction in
 * this period? Updates the flow's memory; then the caller asks the
 * parser's hook (first or not) and makes the fact with asset_tap_make when
 * it is the first or the hook said something. O(1), inline. */
static inline bool asset_tap_first(struct flow *f, const struct app_tx *tx, uint64_t now)
{
	uint8_t memo = f->app.asset_memo, bit = (uint8_t)(1u << (tx->dir & 1));
	uint8_t period = (uint8_t)(now >> (ASSET_TAP_PERIOD_SHIFT - 2)) & 0xfc;
	if ((memo & 0xfc) == period && (memo & bit))
		return false;
	f->app.asset_memo = ((memo & 0xfc) == period ? memo : period) | bit;
	return true;
}

/* ---- the inventory (output stage) ---------------------------------------- */

struct assets;

struct assets_stats {
	uint64_t assets;          /* in the table now */
	uint64_t peak;
	uint64_t capacity;
	uint64_t facts;           /* applied */
	uint64_t records;         /* asset records written */
	uint64_t changes;         /* records with event "change" */
	uint64_t evicted;         /* forgotten at the cap */
	uint64_t ids_dropped;     /* identities beyond ASSET_MAX_IDS per device */
	uint64_t oui_entries;     /* MAC vendors loaded */
};

/* Writes a record (a complete JSON object, no newline) at packet time ts. */
typedef void (*assets_emit_fn)(void *user, const char *json, size_t len, uint64_t ts);

/* NULL on allocation failure. Reads the OUI file (a missing or unreadable
 * one is a warning on stderr, and no MAC vendors). */
struct assets *assets_new(const struct assets_config *cfg, assets_emit_fn emit, void *user);
void assets_free(struct assets *a); /* accepts NULL */
/* Changes where records go (the replay behind `vigil inventory -r`). */
void assets_set_emit(struct assets *a, assets_emit_fn emit, void *user);

/* Applies one fact (len bytes, as queued) at packet time ts: records for
 * the devices it makes new or changes. Output stage only. */
void assets_apply(struct assets *a, const void *fact, size_t len, uint64_t ts);

/* A snapshot of the counters (safe from another thread). */
void assets_get_stats(const struct assets *a, struct assets_stats *out);
/* The "assets" object of the stats record. */
void assets_stats_json(struct jb *jb, const struct assets_stats *s);

/* The vendor of a MAC address from the OUI table into out (at most cap
 * bytes, NUL included): true, or false when it is not known. */
bool assets_oui_vendor(const struct assets *a, const uint8_t mac[6], char *out, size_t cap);

#endif
