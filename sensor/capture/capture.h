/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_CAPTURE_H
#define VIGIL_CAPTURE_H

/*
 * Packet sources: capture files (pcap, pcapng; a file, every capture in a
 * directory, or stdin) and live interfaces through libpcap. A source knows
 * nothing about what happens to its packets.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capture_pkt {
	const uint8_t *data;   /* valid until the next source_next() */
	uint32_t caplen;
	uint32_t wirelen;
	uint64_t ts;           /* microseconds since the epoch */
	int linktype;
};

struct capture_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t files;
	uint64_t truncated_files;
	uint64_t kernel_received;
	uint64_t kernel_drops;     /* ps_drop: no room in the kernel buffer */
	uint64_t iface_drops;      /* ps_ifdrop */
};

struct live_opts {
	const char *iface;
	const char *bpf;       /* filter expression, or NULL */
	int snaplen;           /* 0 = 262144 */
	bool promisc;
	bool immediate;
	int buffer_mb;         /* kernel buffer, 0 = libpcap default */
};

struct source;

/* Opens a file, a directory (its captures sorted by path; recursive into
 * subdirectories when asked) or "-" (stdin). NULL and a one-line reason in
 * err when nothing can be read (missing, unreadable, not a capture). */
struct source *source_open_files(const char *path, bool recursive, char *err, size_t errlen);
/* Opens a live interface. NULL and a reason (unknown interface, no
 * permission, bad filter) on failure. */
struct source *source_open_live(const struct live_opts *o, char *err, size_t errlen);

/* Next packet: 1 and *pkt filled, 0 at the end (of all files), or, live,
 * 0 when source_stop() was called. A truncated or corrupt file ends with a
 * warning on stderr naming the file and packet index; reading continues
 * with the next file. */
int source_next(struct source *s, struct capture_pkt *pkt);
/* Live: returns 2 when no packet came within the read timeout (so the
 * caller can do housekeeping), never for files. */
#define SOURCE_IDLE 2

/* Makes source_next return 0 soon. Async-signal-safe. */
void source_stop(struct source *s);
bool source_is_live(const struct source *s);
/* The file being read (for messages), or the interface. */
const char *source_name(const struct source *s);
void source_get_stats(struct source *s, struct capture_stats *st);
void source_close(struct source *s);

#endif
