/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_FLOW_TABLE_H
#define VIGIL_FLOW_TABLE_H

/*
 * The flow table (one per worker) and TCP reassembly.
 *
 * Time is packet time. Flows live on one of several lists, one per timeout
 * class (protocol x state), each in order of last activity, so expiry looks
 * only at list heads. Expired flows are reported in order of their first
 * packet, so that output does not depend on hashing or on how flows are
 * spread over workers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/flow.h"
#include "vigil/packet.h"

enum flow_proto_class { FPC_TCP, FPC_UDP, FPC_ICMP, FPC_OTHER, FPC__COUNT };

struct flow_timeouts {
	uint32_t new_sec;
	uint32_t est_sec;
	uint32_t closed_sec;
};

struct flow_config {
	uint64_t memcap;           /* bytes: flows + TCP sessions + parser state
				    * + nDPI's state (flow_mem_adjust) */
	uint32_t new_flow_extra;   /* bytes a new flow takes at once beyond flow +
				    * TCP session (nDPI's state): room is made
				    * for them too when the flow is created */
	uint32_t hash_size;        /* buckets, rounded up to a power of two */
	struct flow_timeouts to[FPC__COUNT];
	uint64_t stream_memcap;    /* bytes of out-of-order segments, all flows */
	uint32_t stream_max_ooo_segs;  /* per direction */
	uint32_t stream_max_ooo_bytes; /* per direction */
	uint64_t hash_seed;
	uint64_t id_salt;          /* 0 for file replay (deterministic ids) */
};

struct flow_stats {
	uint64_t created;
	uint64_t active;
	uint64_t tcp, udp, icmp, other;
	uint64_t timeouts;
	uint64_t memcap_evictions;  /* memcap hits that evicted a flow */
	uint64_t memcap_failures;   /* could not create a flow at all */
	uint64_t mem_used;
	uint64_t mem_peak;
	uint64_t active_peak;
	uint64_t mem_buckets;    /* of mem_used: the hash bucket array */
	uint64_t midstream;
	/* stream */
	uint64_t stream_bytes;
	uint64_t retransmissions;
	uint64_t overlaps;
	uint64_t overlaps_diff;
	uint64_t ooo_segments;
	uint64_t gaps;
	uint64_t gap_bytes;
	uint64_t stream_memcap_hits;
	uint64_t stream_mem_used;
	uint64_t events[STREAM_EV__COUNT];
};

/* What the table tells its owner. The packet may be NULL (expiry). */
struct flow_callbacks {
	void *user;
	/* in-order stream bytes of direction dir, delivered on packet p */
	void (*data)(void *user, struct flow *f, struct packet *p, uint8_t dir,
		     const uint8_t *b, uint32_t len);
	/* bytes lost before the next data of direction dir */
	void (*gap)(void *user, struct flow *f, struct packet *p, uint8_t dir, uint32_t len);
	void (*event)(void *user, struct flow *f, struct packet *p, enum stream_event ev);
	/* the flow is about to end (called before its stream is flushed) */
	void (*ending)(void *user, struct flow *f);
	/* the flow ends: log it, free what hangs off f->app and f->detect
	 * (and give back, through flow_mem_adjust, what that memory cost) */
	void (*end)(void *user, struct flow *f, enum flow_end_reason why, uint64_t now);
	/* is this a well-known server port? (direction guess for midstream) */
	bool (*server_port)(void *user, uint8_t proto, uint16_t port);
};

struct flow_table;

void flow_config_defaults(struct flow_config *cfg);

struct flow_table *flow_table_new(const struct flow_config *cfg, const struct flow_callbacks *cb);
/* Ends every flow (reason SHUTDOWN, in first-packet order) and frees all. */
void flow_table_free(struct flow_table *ft);

/* Finds or creates the flow of p, sets p->flow and p->dir, updates counters
 * and timeouts. NULL when p has no flow key or no memory could be had. */
struct flow *flow_lookup(struct flow_table *ft, struct packet *p);

/* TCP: runs p through the flow's stream (state, reassembly, callbacks). */
void stream_packet(struct flow_table *ft, struct flow *f, struct packet *p);
/* The 16-bit fingerprint TCP reassembly keeps of each delivered segment (to
 * tell a retransmission with other data). With one worker, the capture thread
 * computes it ahead of the worker while the worker is behind (PKT_PAYLOAD_SUM). */
uint16_t stream_seg_sum(const uint8_t *b, uint32_t len);

/* Expires flows idle for longer than their timeout at time now. */
void flow_timeout(struct flow_table *ft, uint64_t now);
/* Ends every flow now (reason SHUTDOWN), in first-packet order. */
void flow_flush_all(struct flow_table *ft, uint64_t now);

/* Adds bytes to (or removes from) the memory accounted to flows. */
void flow_mem_adjust(struct flow_table *ft, int64_t delta);
/* Accounts bytes more taken for flow keep. With evict, first gives up the
 * least recently active flows other than keep until they fit under the
 * memcap (at most 16; never call it with evict while a flow is ending or
 * while the caller holds pointers to other flows). True when the memory
 * accounted is within the memcap afterwards. */
bool flow_mem_take(struct flow_table *ft, const struct flow *keep, uint64_t bytes, bool evict,
		   uint64_t now);

void flow_get_stats(const struct flow_table *ft, struct flow_stats *st);

/* Symmetric flow hash of a decoded packet: both directions hash alike. */
uint32_t flow_hash_packet(const struct packet *p, uint64_t seed);

/* Community ID v1 (seed 0) of the flow, as "1:<base64>"; out >= 32 bytes. */
void flow_community_id(const struct flow *f, char *out, size_t cap);
void community_id_v1(const struct flow_key *k, uint16_t seed, char *out, size_t cap);
/* Loads what Community IDs need (OpenSSL's SHA-1) now rather than at the
 * first flow's end; optional, any thread. */
void community_id_prepare(void);

/* Counterpart type of an ICMP request/reply type, or -1 (one-way). */
int icmp_counterpart(uint8_t ver, uint8_t type);

/* Bytes a flow costs without payload buffers (flow + TCP session). */
size_t flow_base_size(const struct flow *f);

/* Shared between flow.c and stream.c only. */
struct flow_stats *flow_table_stats(struct flow_table *ft);
const struct flow_config *flow_table_config(const struct flow_table *ft);
const struct flow_callbacks *flow_table_callbacks(const struct flow_table *ft);
void flow_reclass(struct flow_table *ft, struct flow *f);
/* Declares every hole lost and delivers all queued data of both directions. */
void stream_flush(struct flow_table *ft, struct flow *f, struct packet *p);

#endif
