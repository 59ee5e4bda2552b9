/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_APP_H
#define VIGIL_APP_H

/*
 * Application-layer protocol parsers.
 *
 * Each protocol lives in sensor/proto/<name>.c and exports exactly one
 * const struct proto_parser. The core (sensor/proto/app.c) owns framing:
 * it hands a parser's pdu_len() the bytes it has (in-order stream bytes for
 * TCP, one datagram for UDP), buffers partial PDUs up to max_pdu bytes,
 * resynchronises after garbage or a gap, and calls parse_pdu() with exactly
 * one complete PDU. A parser never buffers stream bytes itself.
 *
 * parse_pdu() reports what it found through the context: transactions
 * (app_emit_tx) and protocol events (app_emit_event). Both are handled
 * synchronously (detection and logging run inside the call), so a tx may
 * point at stack memory or at the parser's state.
 *
 * Memory: state_new() allocates the per-flow state; keep it small (the whole
 * flow, TCP and parser state must fit in 1 KiB), bounded (fixed tables of
 * pending requests, never lists that grow with traffic) and free it in
 * state_free(), which accepts NULL.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jb;
struct app_ctx;
struct proto_parser;
struct app_keyword;
struct app_facts;
struct app_identity;

#define APP_TCP 0x1
#define APP_UDP 0x2
/* Layer 2: frames of one EtherType (proto_parser.ethertype), not IP. An L2
 * parser has one state per worker (state_new is called once, with
 * fi->transport == APP_L2), every frame of its EtherType goes to the same
 * worker (so per-publisher tables are deterministic), each frame's payload
 * (after the EtherType and any VLAN tags) is one datagram given to
 * pdu_len/parse_pdu with dir APP_TOSERVER, and app_ctx_flow() gives the
 * frame's MAC addresses, VLAN and time. Keep the state's tables bounded. */
#define APP_L2 0x4

/* Directions, as everywhere in Vigil: 0 = client to server. */
#define APP_TOSERVER 0
#define APP_TOCLIENT 1

/* tx_function() result for a tx that carries several function codes */
#define APP_FUNC_SEVERAL (-2)

/* probe() results */
#define APP_PROBE_NO 0
#define APP_PROBE_YES 1
#define APP_PROBE_MORE (-1)

/* pdu_len() results */
#define APP_FRAME_OK 1    /* *pdu_len set: a PDU of that many bytes starts at buf */
#define APP_FRAME_MORE 0  /* not enough bytes to know the length yet */
#define APP_FRAME_BAD (-1) /* buf does not start with a valid PDU header */

/* One transaction (or one PDU of it) that rules evaluate and EVE logs. */
struct app_tx {
	const struct proto_parser *proto;
	uint8_t dir;      /* direction of the PDU that produced this tx */
	bool is_response; /* the PDU was a response (tx may also carry its request) */
	const void *data; /* the protocol's own struct, see include/vigil/proto/<name>.h */
};

/* What a parser may know about the flow it is parsing. */
struct app_flow_info {
	uint8_t transport; /* APP_TCP, APP_UDP or APP_L2 */
	uint16_t client_port;
	uint16_t server_port;
	uint64_t ts;       /* time of the packet being parsed, usec (packet time) */
	/* APP_L2 only: the frame's addresses and outer VLAN id (0: untagged) */
	const uint8_t *src_mac;
	const uint8_t *dst_mac;
	uint16_t vlan;
};

struct proto_parser {
	const char *name;          /* "modbus": EVE event_type, app_proto, rule protocol */
	uint8_t transport;         /* APP_TCP | APP_UDP, or APP_L2 alone */
	uint16_t ethertype;        /* APP_L2: the EtherType of its frames */
	const uint16_t *tcp_ports; /* 0-terminated default ports, or NULL */
	const uint16_t *udp_ports; /* 0-terminated default ports, or NULL */

	/* Recognises the protocol from the first bytes seen in direction dir,
	 * on any port. Returns APP_PROBE_YES, _NO or _MORE (need more bytes).
	 * Must be strict enough that junk on the default port is not taken. */
	int (*probe)(const uint8_t *buf, size_t len, uint8_t dir);

	/* Framing: is there a PDU header at buf, and how long is the PDU?
	 * Returns APP_FRAME_OK (and sets *pdu_len > 0), _MORE or _BAD. May emit
	 * events through ctx (the core silences them while resynchronising).
	 * state may be used to keep per-direction framing state. */
	int (*pdu_len)(void *state, struct app_ctx *ctx, uint8_t dir,
		       const uint8_t *buf, size_t len, size_t *pdu_len);

	/* Parses exactly one complete PDU. Emits txs and events. Returns 0, or
	 * a negative value when the PDU was unusable (after emitting an event). */
	int (*parse_pdu)(void *state, struct app_ctx *ctx, uint8_t dir,
			 const uint8_t *pdu, size_t len);

	/* Bytes were lost in direction dir (a stream gap): drop partial
	 * per-direction state such as half-reassembled messages. May be NULL. */
	void (*gap)(void *state, uint8_t dir);

	/* Per-flow state; state_free accepts NULL. state_new returns NULL on
	 * allocation failure (the core then leaves the flow unparsed, counted). */
	void *(*state_new)(const struct app_flow_info *fi);
	void (*state_free)(void *state);

	/* Writes the members of the protocol object of an EVE record: the
	 * caller has opened the object named after the protocol ("modbus": {)
	 * and closes it afterwards. */
	void (*log_tx)(const struct app_tx *tx, struct jb *jb);

	/* The asset inventory (include/vigil/asset.h): what tx shows about
	 * the identity or the role of its sender or receiver. Called for every
	 * tx (first: the first tx of its direction on the flow, when facts
	 * that hold for the whole flow are reported); returns false at once
	 * when there is nothing, else fills *out and returns true. May be NULL. */
	bool (*identity)(const struct app_tx *tx, bool first, struct app_identity *out);

	/* Event names, indexed by event id, e.g. "modbus.invalid_length".
	 * Stable: rules refer to them through app-layer-event. */
	const char *const *events;
	uint16_t n_events;

	uint32_t max_pdu;    /* largest PDU the core will buffer for this protocol */
	uint32_t state_size; /* bytes of state_new's allocation (memory accounting) */

	/* Rule keywords of this protocol (include/vigil/detect_kw.h). */
	const struct app_keyword *keywords;
	uint16_t n_keywords;
	/* The function code of a tx (Modbus function, DNP3 application
	 * function, IEC 104 type id, S7 function, CIP service...), by which the
	 * engine indexes rules; -1 when it has none, APP_FUNC_SEVERAL when
	 * the tx carries several (a CIP Multiple Service Packet): then every
	 * rule pinned to a function is a candidate. May be NULL. */
	int (*tx_function)(const struct app_tx *tx);
	/* The facts of a tx for the learned baseline (struct app_facts below):
	 * out arrives empty (app_facts_init); fill what the protocol has. May
	 * be NULL: the baseline then knows the conversation and protocol only. */
	void (*facts)(const struct app_tx *tx, struct app_facts *out);

	/* APP_L2 parsers, optional: counters kept in the per-worker state
	 * (frames of the EtherType that make no transaction, table
	 * evictions...). stats() copies the first n of its n_stats values,
	 * named by stats_names; the stats record sums them over the workers
	 * that have a state into app_layer.<name>.<stats_names[i]>. It is read
	 * while the worker runs, like the record's other counters. */
	const char *const *stats_names;
	uint16_t n_stats;
	void (*stats)(const void *state, uint64_t *vals, size_t n);
};

/* ---- facts: a protocol-neutral view of a transaction ----------------------
 *
 * What the learned baseline (sensor/anomaly/baseline.c) knows of a tx,
 * whatever its protocol: the function and its class, whether it is a
 * request, a response or a report (unsolicited, spontaneous, published),
 * the sub-device it is for, the address ranges it touches (each in a named
 * address space of the protocol), the names it uses (node ids, tags,
 * control blocks), the values it writes or reports, and what the sender
 * says about its own identity. Each parser fills it from its own tables
 * (proto_parser.facts); names and strings point into the tx and live as
 * long as the tx callback. Lists are bounded: *_total counts what was
 * there, n_* what was kept. */

enum app_fclass {
	APP_FCLASS_OTHER, APP_FCLASS_READ, APP_FCLASS_WRITE, APP_FCLASS_CONTROL,
	APP_FCLASS_PROGRAM, APP_FCLASS_DIAGNOSTIC, APP_FCLASS_DISCOVERY, APP_FCLASS_FILE,
	APP_FCLASS_SESSION, APP_FCLASS_REPORT, APP_FCLASS__COUNT
};

enum app_role { APP_ROLE_REQUEST, APP_ROLE_RESPONSE, APP_ROLE_REPORT };

#define APP_FACTS_RANGES 8
#define APP_FACTS_VALUES 16
#define APP_FACTS_NAMES 4
#define APP_FACTS_IDENTS 8

/* An address space: the parser's number for it (unique within the
 * protocol), its name from the parser's tables, and a qualifier where the
 * space is one of a family (an S7 data block's number, a CIP class). */
struct app_space {
	const char *name;
	uint16_t id;
	uint32_t qual;
};

struct app_fact_range {
	struct app_space sp;
	uint32_t lo, hi;
};

struct app_fact_value {
	struct app_space sp;
	uint32_t addr;
	bool written;   /* written or commanded by the sender; false: reported */
	double v;
};

struct app_fact_name {
	struct app_space sp;
	const uint8_t *s;
	uint16_t len;
};

/* Something the sender says about itself (vendor, product, revision...). */
struct app_fact_ident {
	const char *key;  /* from the parser's tables: "vendor_name" */
	const uint8_t *s;
	uint16_t len;
};

struct app_facts {
	int32_t function;          /* the protocol's function/service/type code; -1 none */
	const char *function_name; /* from the parser's tables, or NULL */
	uint8_t fclass;            /* enum app_fclass */
	uint8_t role;              /* enum app_role */
	bool want_values;          /* in: false when the caller will not look at values
				    * this time (the parser may skip decoding them) */
	bool has_unit;             /* the sub-device addressed (or reporting) */
	uint32_t unit;
	const char *unit_name;     /* "unit_id", "dnp3_address", "common_address"... */
	uint8_t n_ranges, n_values, n_names, n_idents;
	uint32_t ranges_total, values_total, names_total;
	uint8_t buf_used;
	struct app_fact_range ranges[APP_FACTS_RANGES];
	struct app_fact_value values[APP_FACTS_VALUES];
	struct app_fact_name names[APP_FACTS_NAMES];
	struct app_fact_ident idents[APP_FACTS_IDENTS];
	char buf[96];              /* identity values the parser formats (numbers) */
};

/* Empties f (the arrays are not touched: only the counts say what is set). */
static inline void app_facts_init(struct app_facts *f, uint8_t role)
{
	f->function = -1;
	f->function_name = NULL;
	f->fclass = APP_FCLASS_OTHER;
	f->role = role;
	f->want_values = true;
	f->has_unit = false;
	f->unit = 0;
	f->unit_name = NULL;
	f->n_ranges = f->n_values = f->n_names = f->n_idents = 0;
	f->ranges_total = f->values_total = f->names_total = 0;
	f->buf_used = 0;
}

static inline void app_facts_range(struct app_facts *f, const char *space, uint16_t id,
				   uint32_t qual, uint32_t lo, uint32_t hi)
{
	f->ranges_total++;
	if (f->n_ranges < APP_FACTS_RANGES) {
		struct app_fact_range *r = &f->ranges[f->n_ranges++];
		r->sp.name = space;
		r->sp.id = id;
		r->sp.qual = qual;
		r->lo = lo <= hi ? lo : hi;
		r->hi = lo <= hi ? hi : lo;
	}
}

static inline void app_facts_value(struct app_facts *f, const char *space, uint16_t id,
				   uint32_t qual, uint32_t addr, bool written, double v)
{
	f->values_total++;
	if (f->n_values < APP_FACTS_VALUES && v == v) { /* NaN has no range */
		struct app_fact_value *x = &f->values[f->n_values++];
		x->sp.name = space;
		x->sp.id = id;
		x->sp.qual = qual;
		x->addr = addr;
		x->written = written;
		x->v = v;
	}
}

static inline void app_facts_name(struct app_facts *f, const char *space, uint16_t id,
				  const void *s, size_t len)
{
	f->names_total++;
	if (f->n_names < APP_FACTS_NAMES && s) {
		struct app_fact_name *x = &f->names[f->n_names++];
		x->sp.name = space;
		x->sp.id = id;
		x->sp.qual = 0;
		x->s = (const uint8_t *)s;
		x->len = (uint16_t)(len > 0xffff ? 0xffff : len);
	}
}

static inline void app_facts_ident(struct app_facts *f, const char *key, const void *s,
				   size_t len)
{
	if (f->n_idents < APP_FACTS_IDENTS && s) {
		struct app_fact_ident *x = &f->idents[f->n_idents++];
		x->key = key;
		x->s = (const uint8_t *)s;
		x->len = (uint16_t)(len > 0xffff ? 0xffff : len);
	}
}

/* An identity value that is a number: written in decimal into f->buf. */
static inline void app_facts_ident_uint(struct app_facts *f, const char *key, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (f->buf_used + n > sizeof(f->buf))
		return;
	char *o = f->buf + f->buf_used;
	for (size_t i = 0; i < n; i++)
		o[i] = tmp[n - 1 - i];
	f->buf_used = (uint8_t)(f->buf_used + n);
	app_facts_ident(f, key, o, n);
}

/* Implemented by the core, called by parsers from pdu_len/parse_pdu. */
void app_emit_tx(struct app_ctx *ctx, const struct app_tx *tx);
void app_emit_event(struct app_ctx *ctx, const struct proto_parser *p, uint16_t event);
/* True while the core hunts for the next PDU header (after garbage or a
 * gap): pdu_len() may then be stricter than for a stream in step. */
bool app_ctx_resyncing(const struct app_ctx *ctx);
const struct app_flow_info *app_ctx_flow(const struct app_ctx *ctx);

#endif
