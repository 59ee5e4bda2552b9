/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_FRAMING_H
#define VIGIL_PROTO_FRAMING_H

/*
 * The core side of include/vigil/app.h: turns a byte stream (or a datagram)
 * into complete PDUs for a parser, written once for every protocol in the
 * spirit of Wireshark's tcp_dissect_pdus.
 *
 * Partial PDUs are kept in a per-flow, per-direction buffer allocated on
 * first need and capped by the parser's max_pdu and by a shared memcap.
 * After garbage or a stream gap the core resynchronises: it slides forward
 * one byte at a time until pdu_len() (and, after a gap, probe()) accepts.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/app.h"

/* Events raised by the core itself (on_event is called with p == NULL). */
enum app_core_event {
	APP_EV_PDU_TOO_LARGE,  /* a PDU longer than the parser's max_pdu: skipped */
	APP_EV_MEMCAP,         /* partial-PDU memcap reached: partial PDU dropped */
	APP_EV_TRUNCATED,      /* datagram or stream ended inside a PDU */
	APP_EV_GAP,            /* bytes lost in the stream; parser resynchronises */
	APP_EV__COUNT
};
extern const char *const app_core_events[APP_EV__COUNT];

/* Shared accounting of partial-PDU buffers (one per worker). */
struct app_mem {
	uint64_t used;
	uint64_t cap;
	uint64_t memcap_hits;
};

struct app_counters {
	uint64_t pdus;
	uint64_t resyncs;
	uint64_t too_large;
	uint64_t gaps;
	uint64_t truncated;
};

struct app_ctx {
	const struct proto_parser *proto;
	struct app_flow_info fi;
	bool quiet;                 /* set while resynchronising: events dropped */
	void *user;                 /* given back to the callbacks */
	void (*on_tx)(void *user, const struct app_tx *tx);
	void (*on_event)(void *user, const struct proto_parser *p, uint16_t ev);
	struct app_mem *mem;        /* may be NULL: no memcap */
	struct app_counters *cnt;   /* may be NULL */
};

/* Per flow and direction framing state. Zero-initialise. */
struct app_pdu_buf {
	uint8_t *buf;
	uint32_t len;
	uint32_t cap;
	uint32_t skip;   /* bytes of an oversized PDU still to discard */
	bool resync;     /* searching for the next PDU header */
	bool after_gap;  /* resync must also satisfy probe() */
};

/* Feeds in-order stream bytes of direction dir. Calls parse_pdu for every
 * complete PDU, in order. No allocation unless a PDU straddles calls. */
void app_stream_feed(struct app_ctx *ctx, void *state, struct app_pdu_buf *pb,
		     uint8_t dir, const uint8_t *data, size_t len);
/* len bytes were lost in direction dir. */
void app_stream_gap(struct app_ctx *ctx, void *state, struct app_pdu_buf *pb,
		    uint8_t dir);
/* One datagram: frames PDUs inside it; nothing is carried to the next. */
void app_datagram(struct app_ctx *ctx, void *state, uint8_t dir,
		  const uint8_t *data, size_t len);
/* Releases the buffer (accounting it back). Accepts a zeroed struct. */
void app_pdu_buf_free(struct app_ctx *ctx, struct app_pdu_buf *pb);
/* Bytes held by the buffer (for memory accounting). */
static inline uint32_t app_pdu_buf_size(const struct app_pdu_buf *pb)
{
	return pb->cap;
}

#endif
