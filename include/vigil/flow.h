/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_FLOW_H
#define VIGIL_FLOW_H

/*
 * Flows and TCP streams. A flow is owned by exactly one worker; nothing here
 * is shared between threads.
 *
 * key.addr[0]/port[0] is the client (the side that sent the first SYN, or
 * our best guess for flows picked up midstream), [1] the server. Direction
 * 0 = to server, 1 = to client.
 */

#include <stdbool.h>
#include <stdint.h>

#include "vigil/packet.h"

struct flow_key {
	struct vaddr addr[2];
	uint16_t port[2];
	uint8_t proto;
	uint8_t ip_ver;
	uint16_t vlan;
};

enum flow_state {
	FLOW_STATE_NEW,
	FLOW_STATE_ESTABLISHED,
	FLOW_STATE_CLOSED,
};

enum flow_end_reason {
	FLOW_END_TIMEOUT,
	FLOW_END_SHUTDOWN, /* end of the capture / orderly stop */
	FLOW_END_MEMCAP,   /* evicted to make room */
};

/* TCP states as EVE prints them */
enum tcp_state {
	TCPS_NONE,
	TCPS_SYN_SENT,
	TCPS_SYN_RECV,
	TCPS_ESTABLISHED,
	TCPS_FIN_WAIT,      /* one side sent FIN */
	TCPS_CLOSED,        /* both FINs, or RST */
};

/* An out-of-order segment waiting for the bytes before it. */
struct tcp_seg {
	struct tcp_seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

/* Fingerprint of a recently delivered segment, to tell an identical
 * retransmission from one carrying different data (an evasion). */
struct seg_print {
	uint32_t seq;
	uint16_t len;
	uint16_t sum;
};

#define STREAM_PRINTS 2

struct stream_dir {
	uint32_t isn;
	uint32_t next_seq;     /* next byte to deliver */
	uint32_t fin_seq;      /* seq of the FIN (valid when fin_seen) */
	struct tcp_seg *ooo;   /* out-of-order segments, sorted by seq */
	uint32_t ooo_bytes;
	uint16_t n_ooo;
	uint8_t seq_known : 1;
	uint8_t syn_seen : 1;
	uint8_t fin_seen : 1;
	uint8_t rst_seen : 1;
	uint8_t midstream : 1;
	uint8_t ack_ahead : 1; /* the peer acknowledged bytes we have not seen */
	uint8_t synacks : 2;   /* SYN/ACKs sent (saturating at 3) */
	uint8_t print_next;
	uint32_t acked;        /* that acknowledgement (valid when ack_ahead) */
	struct seg_print prints[STREAM_PRINTS];
	uint64_t delivered;    /* bytes handed to the application layer */
	uint64_t gap_bytes;
};

struct tcp_session {
	struct stream_dir dir[2];
	uint8_t state;         /* enum tcp_state */
	uint8_t flags_seen[2]; /* TCP flags seen per direction */
};

/* Per-flow application-layer slot; the proto layer owns what it points to. */
struct flow_app {
	const void *parser;    /* const struct proto_parser *, NULL until known */
	void *state;           /* parser state */
	void *pdu;             /* partial-PDU buffers of both directions, or NULL */
	void *probe;           /* probing buffers while the protocol is unknown */
	void *ndpi;            /* nDPI flow state while nDPI has not decided */
	uint16_t ndpi_proto;   /* nDPI's verdict (master/app protocol ids) */
	uint16_t ndpi_app;
	uint16_t ndpi_category;
	uint8_t status;        /* enum app_status (proto/registry.h) */
	uint8_t ndpi_status;   /* enum ndpi_status (proto/ndpi.h) */
	uint8_t ndpi_pkts;
	uint8_t ndpi_held;     /* packets waiting for nDPI's context (backlog) */
	uint8_t probe_tries[2];
	/* the asset inventory's memory of what the flow told it: the
	 * directions (bits 0-1) that made a fact in the ~minute of packet
	 * time in bits 2-7 (anomaly/assets.c) */
	uint8_t asset_memo;
};

struct flow {
	struct flow *hnext;
	struct flow *lru_prev, *lru_next;
	struct flow_key key;
	uint32_t hash;
	uint8_t state;         /* enum flow_state */
	uint8_t tclass;        /* timeout class (list) the flow is on */
	uint8_t alerted : 1;
	uint8_t end_reason : 3;
	uint8_t has_tx : 1;
	uint8_t client_guessed : 1;
	/* with key, the flow's identity: the IP tunnels its packets came
	 * out of (packet.tunnel_depth; decode/tunnel.c says why) */
	uint8_t tunnel_depth;
	uint64_t id;
	uint64_t first_pcap_cnt;
	uint64_t start_ts;
	uint64_t last_ts;
	uint64_t lru_ts;       /* last_ts when last moved to its list's tail */
	uint32_t pkts[2];
	uint64_t bytes[2];
	struct tcp_session *tcp;
	struct flow_app app;
	uint64_t flowbits;     /* detection: up to 64 flowbits per flow */
	void *detect;          /* detection state beyond flowbits, or NULL */
	void *baseline;        /* the learned baseline's state (anomaly/baseline.c), or NULL */
};

#endif
