/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_REGISTRY_H
#define VIGIL_PROTO_REGISTRY_H

/*
 * The list of parsers, and the per-flow application layer: protocol
 * identification (default ports first, then content probes on any port),
 * then framing and parsing through proto/framing.c.
 *
 * Identification: while a flow's protocol is unknown, the first bytes of
 * each direction are kept (at most APP_PROBE_MAX per direction) and offered
 * to every parser's probe(), the parsers registered for the flow's server
 * port first. The first YES wins; a parser that says NO is out. A flow
 * where every parser said NO, or nobody decided within APP_PROBE_MAX bytes,
 * is "failed" and not parsed (nDPI's verdict is still recorded).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/framing.h"
#include "vigil/app.h"
#include "vigil/flow.h"

#define APP_PROBE_MAX 512
#define APP_MAX_PROTOS 32
#define APP_MAX_EXTRA_PORTS 8

enum app_status {
	APP_STATUS_NONE,     /* no payload seen yet */
	APP_STATUS_PROBING,
	APP_STATUS_DETECTED,
	APP_STATUS_FAILED,
};

extern const struct proto_parser *const app_parsers[];
extern const size_t app_n_parsers;

/* Index of a parser by name, or -1. */
int app_parser_index(const char *name);
/* The same for a parser itself (a pointer compare, for the per-tx paths). */
int app_parser_index_of(const struct proto_parser *p);
const struct proto_parser *app_parser_by_name(const char *name);

struct app_proto_config {
	bool enabled;
	bool log_tx;
	uint16_t tcp_ports[APP_MAX_EXTRA_PORTS]; /* extra server ports, 0-terminated */
	uint16_t udp_ports[APP_MAX_EXTRA_PORTS];
};

struct app_config {
	struct app_proto_config proto[APP_MAX_PROTOS]; /* indexed like app_parsers */
	uint64_t pdu_memcap;    /* partial-PDU buffers, per worker */
};

struct app_proto_counters {
	uint64_t flows;
	uint64_t pdus;
	uint64_t txs;
	uint64_t events;
	uint64_t flows_udp;   /* of flows and txs, those over UDP (the stats */
	uint64_t txs_udp;     /* record names them as Suricata does: enip_udp) */
};

/* Per-worker application layer. */
struct app_layer {
	const struct app_config *cfg;
	struct app_mem mem;
	struct app_counters frame;
	struct app_proto_counters per[APP_MAX_PROTOS];
	uint64_t failed;
	uint64_t failed_udp;  /* of failed, the UDP flows */
	bool cur_udp;         /* the flow being parsed is UDP (for txs_udp) */
	uint64_t state_alloc_failures;
	/* callbacks to the worker (detection + logging) */
	void *user;
	void (*on_tx)(void *user, const struct app_tx *tx);
	void (*on_event)(void *user, const struct proto_parser *p, uint16_t ev);
	/* bytes of parser state allocated/freed: the flow memcap counts them */
	void (*mem_delta)(void *user, int64_t delta);
	/* APP_L2 parsers: one state each per worker, made on the first frame */
	void *l2_state[APP_MAX_PROTOS];
	uint64_t l2_frames;
};

void app_config_defaults(struct app_config *cfg);

void app_layer_init(struct app_layer *al, const struct app_config *cfg);
/* Frees the L2 parsers' per-worker state. Accepts a layer that saw no frame. */
void app_layer_fini(struct app_layer *al);

struct packet;
/* A frame of an industrial EtherType (PKT_IS_L2_ICS): its payload goes, as
 * one datagram in direction APP_TOSERVER, to the enabled APP_L2 parser of
 * p->ethertype with this worker's state for it (see APP_L2 in app.h).
 * Returns false when no parser takes that EtherType. */
bool app_l2_frame(struct app_layer *al, const struct packet *p);

/* In-order TCP bytes (or one UDP datagram when f is UDP) of direction dir. */
void app_flow_data(struct app_layer *al, struct flow *f, uint8_t dir,
		   const uint8_t *data, uint32_t len);
/* Bytes lost in direction dir of a TCP flow. */
void app_flow_gap(struct app_layer *al, struct flow *f, uint8_t dir);
/* Frees everything the application layer holds for f. */
void app_flow_free(struct app_layer *al, struct flow *f);
/* Parser state bytes of f (for the flow memcap). */
size_t app_flow_state_size(const struct flow *f);

/* "modbus", "failed", or NULL when nothing was seen. */
const char *app_flow_proto_name(const struct flow *f);
const struct proto_parser *app_flow_parser(const struct flow *f);

/* Is port a default or configured server port of some parser? */
bool app_is_server_port(const struct app_config *cfg, uint8_t ipproto, uint16_t port);

/* The name of an event raised by p (or by the core when p is NULL). */
const char *app_event_name(const struct proto_parser *p, uint16_t ev);

#endif
