/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_GEN_H
#define VIGIL_GEN_H

/*
 * vigil-gen: deterministic capture generator for Vigil's tests and
 * benchmarks. Same scenario, seed and sizes: byte-identical pcap.
 *
 * The model is a set of sessions between hosts. A TCP session tracks both
 * sequence numbers, so that everything it writes is a valid stream
 * (handshake, data, acknowledgements, close) unless a scenario asks for a
 * retransmission, a reordering, a gap or a broken header on purpose.
 * Checksums are always computed (a broken checksum is a choice too).
 *
 * Test tool: plain byte stores into our own buffers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GEN_SNAP 65535

struct gen {
	FILE *f;
	uint64_t ts_us;   /* time of the next packet */
	uint64_t rng;     /* xorshift64* state */
	uint64_t packets; /* written */
	uint64_t max_packets; /* bulk scenarios stop near this */
	uint64_t flows;   /* --flows */
	uint16_t ip_id;
	/* seeds mode: every frame and every payload is also handed here */
	void (*on_frame)(struct gen *g, const uint8_t *p, size_t n);
	void (*on_payload)(struct gen *g, uint16_t server_port, const uint8_t *p, size_t n);
};

/* A byte buffer for building payloads. */
struct buf {
	uint8_t b[GEN_SNAP];
	size_t n;
};

static inline void b_reset(struct buf *b) { b->n = 0; }
static inline void b_u8(struct buf *b, unsigned v)
{
	if (b->n < sizeof(b->b))
		b->b[b->n++] = (uint8_t)v;
}
static inline void b_be16(struct buf *b, unsigned v) { b_u8(b, v >> 8); b_u8(b, v); }
static inline void b_le16(struct buf *b, unsigned v) { b_u8(b, v); b_u8(b, v >> 8); }
static inline void b_be32(struct buf *b, uint32_t v) { b_be16(b, v >> 16); b_be16(b, v & 0xffff); }
static inline void b_le32(struct buf *b, uint32_t v) { b_le16(b, v & 0xffff); b_le16(b, v >> 16); }
static inline void b_le24(struct buf *b, uint32_t v) { b_le16(b, v & 0xffff); b_u8(b, v >> 16); }
static inline void b_bytes(struct buf *b, const void *p, size_t n)
{
	const uint8_t *s = p;
	for (size_t i = 0; i < n; i++)
		b_u8(b, s[i]);
}
static inline void b_str(struct buf *b, const char *s)
{
	while (*s)
		b_u8(b, (uint8_t)*s++);
}
static inline void b_put_be16(struct buf *b, size_t at, unsigned v)
{
	b->b[at] = (uint8_t)(v >> 8);
	b->b[at + 1] = (uint8_t)v;
}
static inline void b_put_le16(struct buf *b, size_t at, unsigned v)
{
	b->b[at] = (uint8_t)v;
	b->b[at + 1] = (uint8_t)(v >> 8);
}

/* ---- sessions ------------------------------------------------------------ */

#define DIR_C2S 0
#define DIR_S2C 1

struct sess {
	struct gen *g;
	bool v6;
	uint8_t l4;        /* 6 or 17 */
	uint16_t vlan[2];  /* 0 = none; two for QinQ */
	uint8_t ip[2][16]; /* [client, server], IPv4 in the first 4 bytes */
	uint16_t port[2];
	uint32_t seq[2];   /* next sequence number per direction */
	bool open;
	uint32_t gap_us;   /* time between packets of this session */
};

uint64_t gen_rand(struct gen *g);
static inline uint32_t gen_range(struct gen *g, uint32_t n) { return n ? (uint32_t)(gen_rand(g) % n) : 0; }
void gen_tick(struct gen *g, uint64_t us);

/* Addresses: 10.0.A.B and fd00::A:B. */
void ip4(uint8_t out[16], unsigned a, unsigned b, unsigned c, unsigned d);
void ip6(uint8_t out[16], unsigned hi, unsigned lo);

void sess_init(struct sess *s, struct gen *g, uint8_t l4, const uint8_t cip[16],
	       uint16_t cport, const uint8_t sip[16], uint16_t sport, bool v6);

/* TCP */
void tcp_open(struct sess *s);
void tcp_open_nohs(struct sess *s); /* midstream: no handshake */
/* One data segment (PSH|ACK) in dir; advances the sequence. */
void tcp_send(struct sess *s, int dir, const void *data, size_t n);
/* data split into parts segments of about equal size */
void tcp_send_split(struct sess *s, int dir, const void *data, size_t n, unsigned parts);
/* A segment at an explicit offset from the current sequence, without
 * advancing it (retransmissions, reordering, overlaps). */
void tcp_send_at(struct sess *s, int dir, int32_t rel, const void *data, size_t n);
void tcp_advance(struct sess *s, int dir, size_t n);
void tcp_ack(struct sess *s, int dir);
void tcp_close(struct sess *s);
void tcp_rst(struct sess *s, int dir);
/* request, response (which acks it), and the client's ack */
void tcp_exchange(struct sess *s, const struct buf *req, const struct buf *resp);
/* Raw segment with every header field given (malformed headers). */
void tcp_raw(struct sess *s, int dir, uint8_t flags, uint8_t doff_words, const void *data, size_t n);

/* UDP */
void udp_send(struct sess *s, int dir, const void *data, size_t n);
/* IPv4/IPv6 fragments of at most frag bytes of IP payload (multiple of 8) */
void udp_send_frag(struct sess *s, int dir, const void *data, size_t n, size_t frag, bool reverse);

/* The Internet checksum of n bytes (ICMP, headers built by hand). */
uint16_t gen_csum(const void *p, size_t n);

/* A whole frame, link header included, as given. */
void gen_frame(struct gen *g, const void *data, size_t n);
/* An Ethernet frame of a given EtherType carrying payload. */
void gen_ether(struct gen *g, uint16_t type, const void *payload, size_t n);
/* IPv4 packet with explicit header bytes after the fixed part (options)
 * and control over the total length field (0 = correct). */
void gen_ip4_raw(struct gen *g, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
		 const void *opts, size_t optlen, uint16_t total_len, uint16_t frag,
		 const void *payload, size_t n);

/* One IPv6 fragment (offset in bytes, a multiple of 8) carrying data. */
void gen_ip6_frag(struct gen *g, const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
		  uint32_t id, uint32_t offset, bool more, const void *data, size_t n);

/* ---- protocol payloads (gen_ics.c) ---------------------------------------- */

void mb_adu(struct buf *b, uint16_t tid, uint8_t unit, const void *pdu, size_t n);
void mb_read(struct buf *b, uint16_t tid, uint8_t unit, uint8_t fc, uint16_t addr, uint16_t qty);
void mb_read_resp_regs(struct buf *b, uint16_t tid, uint8_t unit, uint8_t fc, uint16_t qty, uint16_t base);
void mb_write_single(struct buf *b, uint16_t tid, uint8_t unit, uint8_t fc, uint16_t addr, uint16_t val);
void mb_write_multi(struct buf *b, uint16_t tid, uint8_t unit, uint16_t addr, uint16_t qty, uint16_t base);
void mb_write_multi_resp(struct buf *b, uint16_t tid, uint8_t unit, uint16_t addr, uint16_t qty);
void mb_exception(struct buf *b, uint16_t tid, uint8_t unit, uint8_t fc, uint8_t code);
void mb_diag(struct buf *b, uint16_t tid, uint8_t unit, uint16_t sub, uint16_t data);

uint16_t dnp3_crc(const uint8_t *p, size_t n);
/* One link frame with user data (already containing transport + app). */
void dnp3_frame(struct buf *b, uint8_t ctrl, uint16_t dst, uint16_t src, const void *user, size_t n);
/* A whole application message, split into transport segments of at most
 * seg bytes of application data, one link frame each, all in b. */
void dnp3_msg(struct buf *b, bool from_master, uint16_t dst, uint16_t src, uint8_t *tseq,
	      const void *app, size_t n, size_t seg);

void iec104_u(struct buf *b, uint8_t ctrl);
void iec104_s(struct buf *b, uint16_t nr);
/* I frame around an ASDU */
void iec104_i(struct buf *b, uint16_t ns, uint16_t nr, const void *asdu, size_t n);
/* ASDU header: type, vsq, cot (incl. P/N and test bits), originator, common address */
void iec104_asdu_hdr(struct buf *b, uint8_t type, uint8_t vsq, uint8_t cot, uint8_t oa, uint16_t ca);

void s7_cotp_cr(struct buf *b, bool confirm, uint16_t src_tsap, uint16_t dst_tsap);
/* TPKT + COTP DT + S7 header; param/data appended; error only for ack/ack_data */
void s7_pdu(struct buf *b, uint8_t rosctr, uint16_t pduref, const void *param, size_t plen,
	    const void *data, size_t dlen, uint16_t error);

void enip_hdr(struct buf *b, uint16_t cmd, uint16_t len, uint32_t session, uint32_t status, uint64_t ctx);
/* SendRRData carrying a CIP message (unconnected) */
void enip_rr(struct buf *b, uint32_t session, uint64_t ctx, const void *cip, size_t n);
/* CIP request: service, class, instance, attribute (0 = none), data */
void cip_req(struct buf *b, uint8_t service, uint16_t cls, uint16_t inst, uint16_t attr,
	     const void *data, size_t n);
void cip_resp(struct buf *b, uint8_t service, uint8_t status, const void *data, size_t n);
void enip_list_identity_resp(struct buf *b, uint64_t ctx, uint16_t vendor, uint16_t devtype,
			     uint16_t product, uint8_t rev_major, uint8_t rev_minor, uint32_t serial,
			     const char *name);

/* ---- scenarios ----------------------------------------------------------- */

struct scenario {
	const char *name;
	const char *what;
	int (*run)(struct gen *g);
};

int sc_demo(struct gen *g);
int sc_modbus(struct gen *g);
int sc_dnp3(struct gen *g);
int sc_iec104(struct gen *g);
int sc_s7comm(struct gen *g);
int sc_enip(struct gen *g);
int sc_transport(struct gen *g);
int sc_background(struct gen *g);
int sc_malformed(struct gen *g);
int sc_assets(struct gen *g); /* tests/tools/gen_assets.c */
int sc_quiet_plant(struct gen *g);
int sc_alert_storm(struct gen *g);
int sc_flow_flood(struct gen *g);
int sc_syn_flood(struct gen *g);
int sc_frag_flood(struct gen *g);
int sc_xdp_mix(struct gen *g);
/* one file each: tests/tools/gen_<name>.c */
int sc_bacnet(struct gen *g);
int sc_opcua(struct gen *g);
int sc_mqtt(struct gen *g);
int sc_mms(struct gen *g);
int sc_goose(struct gen *g);
int sc_pn_dcp(struct gen *g);
int sc_tunnel(struct gen *g);
int sc_baseline_plant(struct gen *g);
int sc_baseline_intrusion(struct gen *g);
int gen_seeds(const char *dir);
/* An Ethernet frame with explicit addresses, VLAN tag (0 = none) and
 * EtherType (gen.c). */
void gen_ether_addr(struct gen *g, const uint8_t dst[6], const uint8_t src[6], uint16_t vlan,
		    uint16_t type, const void *payload, size_t n);

/* Sessions of the plant model used by several scenarios (gen_ics.c). */
void plant_modbus_poll(struct sess *s, uint16_t *tid, unsigned rounds);
void plant_dnp3_poll(struct sess *s, uint8_t *seq, unsigned rounds);
void plant_iec104_poll(struct sess *s, uint16_t *ns, uint16_t *nr, unsigned rounds);
void plant_s7_poll(struct sess *s, uint16_t *ref, unsigned rounds);
void plant_enip_poll(struct sess *s, uint32_t session, uint64_t *ctx, unsigned rounds);
void bg_http(struct gen *g, struct sess *s, unsigned n);
void bg_dns(struct gen *g, struct sess *s, unsigned n);

#endif
