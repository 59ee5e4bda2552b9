/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_NDPI_H
#define VIGIL_PROTO_NDPI_H

/*
 * nDPI as a second opinion on each flow's protocol. Every flow is offered
 * to nDPI, packet by packet, until nDPI decides (or NDPI_MAX_PKTS packets
 * went by, when we ask for its final guess); its per-flow state (about
 * 700 bytes) is made at a TCP flow's first byte of payload (the handshake's
 * headers wait for it: ndpi.c), freed as soon as nDPI has decided, and
 * counted in the flow memcap while it lives (ndpi_ctx_set_mem). The verdict is kept in struct
 * flow_app and shown in the flow record next to our own.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/flow.h"
#include "vigil/packet.h"

#define NDPI_MAX_PKTS 24

enum ndpi_status {
	NDPI_STATUS_NONE,
	NDPI_STATUS_WAITING,   /* TCP without payload yet: its headers kept */
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
/* Bytes of n's own arena in use (what nDPI allocated while making it: see
 * ndpi.c); 0 when its memory came from malloc. */
size_t ndpi_ctx_arena_bytes(const struct ndpi_ctx *n);
/* Making a context takes 10-15 ms (nDPI 4.2 loads its address and host
 * lists), so a worker has it made on a thread of its own and goes on
 * meanwhile, keeping the packets nDPI would see (ndpi_backlog) until it
 * is there. ndpi_maker_start() starts making one (NULL when no thread can
 * be started); ndpi_maker_done() tells, without waiting, whether it is
 * made; ndpi_maker_finish() waits for it, frees the maker and returns the
 * context (NULL when nDPI could not make one). ndpi_ctx_make_ahead()
 * starts one early (main, while the capture and the rules are opened) that
 * the first ndpi_maker_take() gets; later calls start their own.
 * ndpi_ctx_ahead_end() waits for and frees one that nobody took. */
struct ndpi_maker;
struct ndpi_maker *ndpi_maker_start(void);
bool ndpi_maker_done(struct ndpi_maker *m);
struct ndpi_ctx *ndpi_maker_finish(struct ndpi_maker *m);
void ndpi_ctx_make_ahead(void);
struct ndpi_maker *ndpi_maker_take(void);
void ndpi_ctx_ahead_end(void);

/* Packets held for nDPI while its context is being made: each packet of a
 * flow nDPI would look at (its IP datagram, at most NDPI_MAX_PKTS a flow),
 * in arrival order, at most NDPI_BACKLOG_BYTES in all. Drained into the
 * context in the same order, nDPI sees exactly what it would have seen and
 * decides the same. The caller drains before any of the flows ends. */
#define NDPI_BACKLOG_BYTES (4u << 20)
struct ndpi_backlog {
	uint8_t *buf;
	size_t len;    /* bytes held */
};
/* Holds p if nDPI would look at it; false when there is no room (drain
 * first, then offer p with ndpi_flow_packet). */
bool ndpi_backlog_add(struct ndpi_backlog *b, struct flow *f, const struct packet *p);
/* Offers every held packet to n in order (n NULL: drops them), empty after. */
void ndpi_backlog_drain(struct ndpi_backlog *b, struct ndpi_ctx *n);
void ndpi_backlog_free(struct ndpi_backlog *b);

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

/* Bytes of nDPI's state of a flow when it is made (for memory reports, and
 * the room a new flow needs under the flow memcap). */
size_t ndpi_flow_state_size(void);

/* Every byte of per-flow state n takes or gives back (the headers a TCP
 * flow keeps until its first payload, nDPI's flow struct, what nDPI
 * allocates for a flow while it looks at its packets) is reported to
 * mem(user, f, delta), from the thread using n, so that the owner counts it
 * in its flow memcap: for delta > 0 the owner makes room first if it can
 * (never giving up f itself) and says whether the bytes fit (they are
 * accounted either way); nDPI gives up a flow whose state does not fit.
 * Optional; set before n sees a packet. */
void ndpi_ctx_set_mem(struct ndpi_ctx *n,
		      bool (*mem)(void *user, const struct flow *f, int64_t delta), void *user);

#endif
