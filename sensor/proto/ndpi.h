/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_NDPI_H
#define VIGIL_PROTO_NDPI_H

/*
 * nDPI as a second opinion on each flow's protocol. Every flow is offered
 * to nDPI, packet by packet, until nDPI decides (or NDPI_MAX_PKTS packets
 * went by, when we ask for its final guess); its per-flow state (about
 * 700 bytes) is freed as soon as it has decided. The verdict is kept in
 * struct flow_app and shown in the flow record next to our own.
 */

#include <stddef.h>

#include "vigil/flow.h"
#include "vigil/packet.h"

#define NDPI_MAX_PKTS 24

enum ndpi_status {
	NDPI_STATUS_NONE,
	NDPI_STATUS_PROBING,
	NDPI_STATUS_DETECTED,
	NDPI_STATUS_GUESSED,   /* gave up; verdict is nDPI's guess (e.g. by port) */
	NDPI_STATUS_UNKNOWN,
};

struct ndpi_ctx;

/* One per worker. NULL on failure. Any thread; made and freed one at a
 * time (nDPI 4.2 keeps a global count of its trees without a lock). */
struct ndpi_ctx *ndpi_ctx_new(void);
void ndpi_ctx_free(struct ndpi_ctx *n);
/* From now on ndpi_ctx_free() keeps contexts (still reachable) instead of
 * freeing them: for a process that exits once its pipeline has ended. */
void ndpi_keep_at_exit(void);

/* Offers p (of flow f) to nDPI if it has not decided yet. */
void ndpi_flow_packet(struct ndpi_ctx *n, struct flow *f, const struct packet *p);
/* The flow ends: take nDPI's final guess and free its state. */
void ndpi_flow_end(struct ndpi_ctx *n, struct flow *f);

/* nDPI's protocol name ("Modbus", "HTTP", "Unknown") or NULL if never
 * asked; buf holds it. */
const char *ndpi_flow_proto_name(struct ndpi_ctx *n, const struct flow *f, char *buf, size_t cap);
const char *ndpi_flow_category_name(struct ndpi_ctx *n, const struct flow *f, char *buf,
				    size_t cap);

/* Bytes of nDPI flow state (for memory reports). */
size_t ndpi_flow_state_size(void);

#endif
