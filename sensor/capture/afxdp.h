/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_CAPTURE_AFXDP_H
#define VIGIL_CAPTURE_AFXDP_H

/*
 * The eBPF/XDP source: loads ebpf/vigil_xdp.bpf.c (CO-RE skeleton), attaches
 * it to an interface, and opens AF_XDP sockets: for every RX queue of the
 * interface, one socket per worker plus one fallback socket, all of a
 * queue's sockets sharing one UMEM (copy mode by default; zero-copy where
 * the driver allows it). Each worker reads its own sockets; no dispatch
 * thread.
 *
 * Threads: afxdp_recv/afxdp_done on socket group w are called by one
 * thread only (the worker w, or the fallback reader for w == n_workers);
 * the per-queue fill ring they share is protected by a mutex.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xdp_shared.h"

struct afxdp;

struct afxdp_opts {
	const char *iface;
	int n_workers;
	bool native;               /* driver mode; default generic (skb) mode */
	bool zerocopy;             /* try XDP_ZEROCOPY, fall back to copy */
	bool drop_others;          /* SPAN port: drop what is not kept; else pass */
	const uint16_t *tcp_ports; /* kept ports, 0-terminated */
	const uint16_t *udp_ports;
	const uint16_t *tunnel_udp_ports; /* VXLAN: to the fallback socket, 0-terminated */
	const char *const *allow;  /* kept addresses/prefixes ("10.0.0.7", "fd00::/8") */
	size_t n_allow;
	uint32_t frames_per_socket; /* UMEM frames per socket (default 4096) */
};

struct afxdp_frame {
	const uint8_t *data;
	uint32_t len;
	uint16_t queue;
	uint64_t addr;
};

/* NULL with a one-line reason (and a hint to use -i) on failure: not
 * privileged, no such interface, no XDP support, verifier rejection. */
struct afxdp *afxdp_open(const struct afxdp_opts *o, char *err, size_t errlen);

/* Frames received on socket group w (worker w, or n_workers for the
 * fallback group), waiting up to timeout_ms when there are none. */
int afxdp_recv(struct afxdp *x, int w, struct afxdp_frame *f, int max, int timeout_ms);
/* Returns frames to the kernel after they were processed. */
void afxdp_done(struct afxdp *x, int w, const struct afxdp_frame *f, int n);

/* Sums of the program's per-CPU counters (enum vxdp_counter). */
void afxdp_counters(struct afxdp *x, uint64_t out[VXDP__COUNT]);
const char *afxdp_counter_name(int i);
/* Socket group w (a worker, or n_workers for the fallback): frames waiting
 * in its RX rings (all queues), their size, and the packets the kernel could
 * not put on them (RX ring full, no free frame in the fill ring, ...). Any
 * thread. */
struct afxdp_group_stats {
	uint64_t ring_used;
	uint64_t ring_size;
	uint64_t drops;
};
void afxdp_group_stats(struct afxdp *x, int w, struct afxdp_group_stats *st);
/* Detaches the program (closes the BPF link that attaches it: no privilege
 * needed): from now on no packet reaches the sockets (what they hold
 * already can still be received). 0, or the negative errno of a detach
 * that failed. */
int afxdp_detach(struct afxdp *x);
int afxdp_queues(const struct afxdp *x);
bool afxdp_zerocopy(const struct afxdp *x);

/* Detaches the program and frees everything. Accepts NULL. */
void afxdp_close(struct afxdp *x);

#endif
