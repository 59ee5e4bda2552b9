/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen: deterministic captures for Vigil's tests and benchmarks.
 *
 *   vigil-gen SCENARIO -o FILE [--seed N] [--packets N] [--flows N]
 *   vigil-gen --list
 *   vigil-gen seeds DIR        raw PDUs per protocol, for the fuzz corpora
 *
 * Classic pcap, Ethernet, microsecond timestamps from a fixed epoch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define EPOCH_US 1700000000000000ull /* 2023-11-14T22:13:20Z */

uint64_t gen_rand(struct gen *g)
{
	uint64_t x = g->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	g->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

void gen_tick(struct gen *g, uint64_t us)
{
	g->ts_us += us;
}

void ip4(uint8_t out[16], unsigned a, unsigned b, unsigned c, unsigned d)
{
	memset(out, 0, 16);
	out[0] = (uint8_t)a;
	out[1] = (uint8_t)b;
	out[2] = (uint8_t)c;
	out[3] = (uint8_t)d;
}

void ip6(uint8_t out[16], unsigned hi, unsigned lo)
{
	memset(out, 0, 16);
	out[0] = 0xfd;
	out[12] = (uint8_t)(hi >> 8);
	out[13] = (uint8_t)hi;
	out[14] = (uint8_t)(lo >> 8);
	out[15] = (uint8_t)lo;
}

/* ---- pcap ---------------------------------------------------------------- */

static void wr32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void pcap_header(FILE *f)
{
	wr32(f, 0xa1b2c3d4u);
	uint16_t v[2] = { 2, 4 };
	fwrite(v, 2, 2, f);
	wr32(f, 0);
	wr32(f, 0);
	wr32(f, GEN_SNAP);
	wr32(f, 1); /* Ethernet */
}

void gen_frame(struct gen *g, const void *data, size_t n)
{
	if (n > GEN_SNAP)
		n = GEN_SNAP;
	if (g->on_frame)
		g->on_frame(g, data, n);
	if (!g->f) {
		g->packets++;
		g->ts_us += 10;
		return;
	}
	wr32(g->f, (uint32_t)(g->ts_us / 1000000u));
	wr32(g->f, (uint32_t)(g->ts_us % 1000000u));
	wr32(g->f, (uint32_t)n);
	wr32(g->f, (uint32_t)n);
	fwrite(data, 1, n, g->f);
	g->packets++;
	g->ts_us += 10;
}

/* ---- headers ------------------------------------------------------------- */

static uint32_t csum_add(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

uint16_t gen_csum(const void *p, size_t n)
{
	return csum_fold(csum_add(p, n, 0));
}

static void mac_of(uint8_t mac[6], const uint8_t ip[16], bool v6)
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	if (v6) {
		memcpy(mac + 2, ip + 12, 4);
	} else {
		memcpy(mac + 2, ip, 4);
	}
}

static void eth_hdr(struct buf *b, const uint8_t *dst_ip, const uint8_t *src_ip, bool v6,
		    const uint16_t vlan[2])
{
	uint8_t m[6];
	mac_of(m, dst_ip, v6);
	b_bytes(b, m, 6);
	mac_of(m, src_ip, v6);
	b_bytes(b, m, 6);
	if (vlan && vlan[0] && vlan[1]) {
		b_be16(b, 0x88a8);
		b_be16(b, vlan[0]);
		b_be16(b, 0x8100);
		b_be16(b, vlan[1]);
	} else if (vlan && vlan[0]) {
		b_be16(b, 0x8100);
		b_be16(b, vlan[0]);
	}
	b_be16(b, v6 ? 0x86dd : 0x0800);
}

void gen_ether_addr(struct gen *g, const uint8_t dst[6], const uint8_t src[6], uint16_t vlan,
		    uint16_t type, const void *payload, size_t n)
{
	static struct buf b;
	b_reset(&b);
	b_bytes(&b, dst, 6);
	b_bytes(&b, src, 6);
	if (vlan) {
		b_be16(&b, 0x8100);
		b_be16(&b, vlan);
	}
	b_be16(&b, type);
	b_bytes(&b, payload, n);
	gen_frame(g, b.b, b.n);
}

void gen_ether(struct gen *g, uint16_t type, const void *payload, size_t n)
{
	static struct buf b;
	b_reset(&b);
	static const uint8_t dst[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 };
	static const uint8_t src[6] = { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x30 };
	b_bytes(&b, dst, 6);
	b_bytes(&b, src, 6);
	b_be16(&b, type);
	b_bytes(&b, payload, n);
	gen_frame(g, b.b, b.n);
}

void gen_ip4_raw(struct gen *g, const uint8_t src[4], const uint8_t dst[4], uint8_t proto,
		 const void *opts, size_t optlen, uint16_t total_len, uint16_t frag,
		 const void *payload, size_t n)
{
	static struct buf b;
	uint8_t s16[16] = { 0 }, d16[16] = { 0 };
	memcpy(s16, src, 4);
	memcpy(d16, dst, 4);
	b_reset(&b);
	eth_hdr(&b, d16, s16, false, NULL);
	size_t at = b.n;
	size_t hl = 20 + optlen;
	b_u8(&b, 0x40 | (unsigned)(hl / 4));
	b_u8(&b, 0);
	b_be16(&b, total_len ? total_len : (unsigned)(hl + n));
	b_be16(&b, g->ip_id++);
	b_be16(&b, frag);
	b_u8(&b, 64);
	b_u8(&b, proto);
	b_be16(&b, 0);
	b_bytes(&b, src, 4);
	b_bytes(&b, dst, 4);
	b_bytes(&b, opts, optlen);
	b_put_be16(&b, at + 10, csum_fold(csum_add(b.b + at, hl, 0)));
	b_bytes(&b, payload, n);
	gen_frame(g, b.b, b.n);
}

void gen_ip6_frag(struct gen *g, const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
		  uint32_t id, uint32_t offset, bool more, const void *data, size_t n)
{
	static struct buf b;
	b_reset(&b);
	eth_hdr(&b, dst, src, true, NULL);
	b_be32(&b, 0x60000000);
	b_be16(&b, (unsigned)(8 + n));
	b_u8(&b, 44);
	b_u8(&b, 64);
	b_bytes(&b, src, 16);
	b_bytes(&b, dst, 16);
	b_u8(&b, nh);
	b_u8(&b, 0);
	b_be16(&b, (unsigned)((offset & 0xfff8) | (more ? 1 : 0)));
	b_be32(&b, id);
	b_bytes(&b, data, n);
	gen_frame(g, b.b, b.n);
}

/* IP header (+ L4 bytes already built in l4/l4n) for session direction dir. */
static void ip_packet(struct sess *s, int dir, const uint8_t *l4, size_t l4n, size_t csum_at,
		      bool csum)
{
	static struct buf b;
	static uint8_t seg[GEN_SNAP];
	const uint8_t *src = s->ip[dir], *dst = s->ip[!dir];
	memcpy(seg, l4, l4n);
	if (csum) {
		uint32_t sum = 0;
		if (s->v6) {
			sum = csum_add(src, 16, sum);
			sum = csum_add(dst, 16, sum);
		} else {
			sum = csum_add(src, 4, sum);
			sum = csum_add(dst, 4, sum);
		}
		sum += s->l4;
		sum += (uint32_t)l4n;
		seg[csum_at] = seg[csum_at + 1] = 0;
		uint16_t c = csum_fold(csum_add(seg, l4n, sum));
		if (s->l4 == 17 && c == 0)
			c = 0xffff;
		seg[csum_at] = (uint8_t)(c >> 8);
		seg[csum_at + 1] = (uint8_t)c;
	}
	b_reset(&b);
	eth_hdr(&b, dst, src, s->v6, s->vlan);
	if (s->v6) {
		b_be32(&b, 0x60000000);
		b_be16(&b, (unsigned)l4n);
		b_u8(&b, s->l4);
		b_u8(&b, 64);
		b_bytes(&b, src, 16);
		b_bytes(&b, dst, 16);
	} else {
		size_t at = b.n;
		b_u8(&b, 0x45);
		b_u8(&b, 0);
		b_be16(&b, (unsigned)(20 + l4n));
		b_be16(&b, s->g->ip_id++);
		b_be16(&b, 0x4000);
		b_u8(&b, 64);
		b_u8(&b, s->l4);
		b_be16(&b, 0);
		b_bytes(&b, src, 4);
		b_bytes(&b, dst, 4);
		b_put_be16(&b, at + 10, csum_fold(csum_add(b.b + at, 20, 0)));
	}
	b_bytes(&b, seg, l4n);
	gen_frame(s->g, b.b, b.n);
}

/* ---- sessions ------------------------------------------------------------ */

void sess_init(struct sess *s, struct gen *g, uint8_t l4, const uint8_t cip[16], uint16_t cport,
	       const uint8_t sip[16], uint16_t sport, bool v6)
{
	memset(s, 0, sizeof(*s));
	s->g = g;
	s->l4 = l4;
	s->v6 = v6;
	memcpy(s->ip[0], cip, 16);
	memcpy(s->ip[1], sip, 16);
	s->port[0] = cport;
	s->port[1] = sport;
	s->seq[0] = (uint32_t)gen_rand(g);
	s->seq[1] = (uint32_t)gen_rand(g);
	s->gap_us = 200;
}

static void tcp_segment(struct sess *s, int dir, uint32_t seq, uint8_t flags, uint8_t doff,
			const void *data, size_t n)
{
	static uint8_t seg[GEN_SNAP];
	if (n > GEN_SNAP - 100)
		n = GEN_SNAP - 100;
	size_t hl = (size_t)doff * 4;
	if (hl < 20)
		hl = 20;
	memset(seg, 0, hl);
	seg[0] = (uint8_t)(s->port[dir] >> 8);
	seg[1] = (uint8_t)s->port[dir];
	seg[2] = (uint8_t)(s->port[!dir] >> 8);
	seg[3] = (uint8_t)s->port[!dir];
	uint32_t ack = (flags & 0x10) ? s->seq[!dir] : 0;
	for (int i = 0; i < 4; i++) {
		seg[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		seg[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	seg[12] = (uint8_t)(doff << 4);
	seg[13] = flags;
	seg[14] = 0xfa;
	seg[15] = 0xf0;
	/* options beyond 20 bytes: NOPs, ending in EOL */
	for (size_t i = 20; i < hl; i++)
		seg[i] = 1;
	if (n)
		memcpy(seg + hl, data, n);
	if (n && s->g->on_payload)
		s->g->on_payload(s->g, s->port[1], data, n);
	gen_tick(s->g, s->gap_us);
	ip_packet(s, dir, seg, hl + n, 16, true);
}

void tcp_raw(struct sess *s, int dir, uint8_t flags, uint8_t doff_words, const void *data, size_t n)
{
	tcp_segment(s, dir, s->seq[dir], flags, doff_words, data, n);
}

void tcp_open(struct sess *s)
{
	tcp_segment(s, DIR_C2S, s->seq[0], 0x02, 5, NULL, 0);
	s->seq[0]++;
	tcp_segment(s, DIR_S2C, s->seq[1], 0x12, 5, NULL, 0);
	s->seq[1]++;
	tcp_segment(s, DIR_C2S, s->seq[0], 0x10, 5, NULL, 0);
	s->open = true;
}

void tcp_open_nohs(struct sess *s)
{
	s->open = true;
}

/* as a TCP stack would: segments of at most one MSS (1460 bytes) */
#define GEN_MSS 1460

void tcp_send(struct sess *s, int dir, const void *data, size_t n)
{
	const uint8_t *p = data;
	do {
		size_t k = n > GEN_MSS ? GEN_MSS : n;
		tcp_segment(s, dir, s->seq[dir], k == n ? 0x18 : 0x10, 5, p, k);
		s->seq[dir] += (uint32_t)k;
		p += k;
		n -= k;
	} while (n);
}

void tcp_send_split(struct sess *s, int dir, const void *data, size_t n, unsigned parts)
{
	const uint8_t *p = data;
	if (parts < 1)
		parts = 1;
	size_t each = (n + parts - 1) / parts;
	for (size_t off = 0; off < n; off += each)
		tcp_send(s, dir, p + off, off + each <= n ? each : n - off);
}

void tcp_send_at(struct sess *s, int dir, int32_t rel, const void *data, size_t n)
{
	tcp_segment(s, dir, s->seq[dir] + (uint32_t)rel, 0x18, 5, data, n);
}

void tcp_advance(struct sess *s, int dir, size_t n)
{
	s->seq[dir] += (uint32_t)n;
}

void tcp_ack(struct sess *s, int dir)
{
	tcp_segment(s, dir, s->seq[dir], 0x10, 5, NULL, 0);
}

void tcp_close(struct sess *s)
{
	tcp_segment(s, DIR_C2S, s->seq[0], 0x11, 5, NULL, 0);
	s->seq[0]++;
	tcp_segment(s, DIR_S2C, s->seq[1], 0x11, 5, NULL, 0);
	s->seq[1]++;
	tcp_segment(s, DIR_C2S, s->seq[0], 0x10, 5, NULL, 0);
	s->open = false;
}

void tcp_rst(struct sess *s, int dir)
{
	tcp_segment(s, dir, s->seq[dir], 0x14, 5, NULL, 0);
	s->open = false;
}

void tcp_exchange(struct sess *s, const struct buf *req, const struct buf *resp)
{
	tcp_send(s, DIR_C2S, req->b, req->n);
	if (resp && resp->n)
		tcp_send(s, DIR_S2C, resp->b, resp->n);
	tcp_ack(s, resp && resp->n ? DIR_C2S : DIR_S2C);
}

/* ---- UDP ----------------------------------------------------------------- */

static void udp_build(struct sess *s, int dir, const void *data, size_t n, uint8_t *seg)
{
	seg[0] = (uint8_t)(s->port[dir] >> 8);
	seg[1] = (uint8_t)s->port[dir];
	seg[2] = (uint8_t)(s->port[!dir] >> 8);
	seg[3] = (uint8_t)s->port[!dir];
	seg[4] = (uint8_t)((n + 8) >> 8);
	seg[5] = (uint8_t)(n + 8);
	seg[6] = seg[7] = 0;
	memcpy(seg + 8, data, n);
}

void udp_send(struct sess *s, int dir, const void *data, size_t n)
{
	static uint8_t seg[GEN_SNAP];
	if (n > GEN_SNAP - 100)
		n = GEN_SNAP - 100;
	udp_build(s, dir, data, n, seg);
	if (n && s->g->on_payload)
		s->g->on_payload(s->g, s->port[1], data, n);
	gen_tick(s->g, s->gap_us);
	ip_packet(s, dir, seg, n + 8, 6, true);
}

void udp_send_frag(struct sess *s, int dir, const void *data, size_t n, size_t frag, bool reverse)
{
	static uint8_t seg[GEN_SNAP];
	static struct buf b;
	if (n > GEN_SNAP - 100)
		n = GEN_SNAP - 100;
	udp_build(s, dir, data, n, seg);
	size_t total = n + 8;
	/* checksum over the whole datagram */
	const uint8_t *src = s->ip[dir], *dst = s->ip[!dir];
	uint32_t sum = 0;
	size_t al = s->v6 ? 16 : 4;
	sum = csum_add(src, al, sum);
	sum = csum_add(dst, al, sum);
	sum += 17 + (uint32_t)total;
	uint16_t c = csum_fold(csum_add(seg, total, sum));
	seg[6] = (uint8_t)(c >> 8);
	seg[7] = (uint8_t)c;
	frag &= ~(size_t)7;
	if (frag < 8)
		frag = 8;
	size_t nfrag = (total + frag - 1) / frag;
	uint16_t id = s->g->ip_id++;
	uint32_t id6 = 0x10000u + id;
	for (size_t k = 0; k < nfrag; k++) {
		size_t i = reverse ? nfrag - 1 - k : k;
		size_t off = i * frag, len = off + frag <= total ? frag : total - off;
		bool more = off + len < total;
		b_reset(&b);
		eth_hdr(&b, dst, src, s->v6, s->vlan);
		if (s->v6) {
			b_be32(&b, 0x60000000);
			b_be16(&b, (unsigned)(8 + len));
			b_u8(&b, 44);
			b_u8(&b, 64);
			b_bytes(&b, src, 16);
			b_bytes(&b, dst, 16);
			b_u8(&b, 17);
			b_u8(&b, 0);
			b_be16(&b, (unsigned)(off | (more ? 1 : 0)));
			b_be32(&b, id6);
		} else {
			size_t at = b.n;
			b_u8(&b, 0x45);
			b_u8(&b, 0);
			b_be16(&b, (unsigned)(20 + len));
			b_be16(&b, id);
			b_be16(&b, (unsigned)((off / 8) | (more ? 0x2000 : 0)));
			b_u8(&b, 64);
			b_u8(&b, 17);
			b_be16(&b, 0);
			b_bytes(&b, src, 4);
			b_bytes(&b, dst, 4);
			b_put_be16(&b, at + 10, csum_fold(csum_add(b.b + at, 20, 0)));
		}
		b_bytes(&b, seg + off, len);
		gen_tick(s->g, s->gap_us);
		gen_frame(s->g, b.b, b.n);
	}
}

/* ---- main ---------------------------------------------------------------- */

static const struct scenario scenarios[] = {
	{ "demo", "a small plant: polling on five protocols, then an intrusion", sc_demo },
	{ "modbus", "Modbus/TCP: every function, framing cases, every event", sc_modbus },
	{ "dnp3", "DNP3 over TCP and UDP: objects, multi-fragment, every event", sc_dnp3 },
	{ "iec104", "IEC 60870-5-104: U/S/I frames, monitor and control types, every event",
	  sc_iec104 },
	{ "s7comm", "S7comm: COTP, setup, read/write var, PLC control, SZL, every event",
	  sc_s7comm },
	{ "enip", "EtherNet/IP + CIP over TCP and UDP, every event", sc_enip },
	{ "transport", "TCP and IP edge cases around industrial PDUs", sc_transport },
	{ "background", "HTTP and DNS, no industrial traffic", sc_background },
	{ "malformed", "broken headers at every layer", sc_malformed },
	{ "assets", "a plant's devices telling who they are; two firmware changes, a MAC change",
	  sc_assets },
	{ "quiet-plant", "benign polling, many stations (--packets)", sc_quiet_plant },
	{ "alert-storm", "most PDUs alert (--packets)", sc_alert_storm },
	{ "flow-flood", "one short TCP flow per source (--flows)", sc_flow_flood },
	{ "syn-flood", "one TCP SYN per source, nothing else (--flows)", sc_syn_flood },
	{ "frag-flood", "first fragments that never complete (--packets), then ten fragmented "
	  "DNP3 cold restarts", sc_frag_flood },
	{ "xdp-mix", "90% non-industrial, 10% industrial packets (--packets)", sc_xdp_mix },
	{ "bacnet", "BACnet/IP: BVLC, NPDU, confirmed/unconfirmed services, errors, every event",
	  sc_bacnet },
	{ "opcua", "OPC UA binary: HEL/ACK/OPN/MSG/CLO/ERR, services, every event", sc_opcua },
	{ "mqtt", "MQTT 3.1.1 and 5: every packet type, every event", sc_mqtt },
	{ "mms", "IEC 61850 MMS over ISO-on-TCP: services, every event", sc_mms },
	{ "goose", "IEC 61850 GOOSE: publishers, replay and injection, every event", sc_goose },
	{ "pn_dcp", "PROFINET DCP: identify, get, set, hello, every event", sc_pn_dcp },
	{ "tunnel", "the same attacks plain and in GRE, ERSPAN II/III, VXLAN and MPLS", sc_tunnel },
	{ "baseline-plant", "a small plant to learn a baseline from (600 s)", sc_baseline_plant },
	{ "baseline-intrusion", "the same plant, then every deviation the baseline knows",
	  sc_baseline_intrusion },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil-gen SCENARIO -o FILE [--seed N] [--packets N] [--flows N]\n"
		   "       vigil-gen --list\n"
		   "       vigil-gen seeds DIR\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || !*s || *end || s[0] == '-')
		return -1;
	*v = x;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
			printf("%-12s %s\n", scenarios[i].name, scenarios[i].what);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "seeds") == 0)
		return gen_seeds(argv[2]) == 0 ? 0 : 1;
	if (argc < 2 || argv[1][0] == '-') {
		usage(stderr);
		return 2;
	}
	const struct scenario *sc = NULL;
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(argv[1], scenarios[i].name) == 0)
			sc = &scenarios[i];
	if (!sc) {
		fprintf(stderr, "vigil-gen: unknown scenario '%s' (--list shows them)\n", argv[1]);
		return 2;
	}
	const char *out = NULL;
	uint64_t seed = 1, packets = 100000, flows = 100000;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;
		if (strcmp(a, "-o") == 0 && v)
			out = v;
		else if (strcmp(a, "--seed") == 0 && v)
			bad = parse_u64(v, &seed);
		else if (strcmp(a, "--packets") == 0 && v)
			bad = parse_u64(v, &packets);
		else if (strcmp(a, "--flows") == 0 && v)
			bad = parse_u64(v, &flows);
		else {
			fprintf(stderr, "vigil-gen: unknown or incomplete option '%s'\n", a);
			usage(stderr);
			return 2;
		}
		if (bad) {
			fprintf(stderr, "vigil-gen: %s: not a number: '%s'\n", a, v);
			return 2;
		}
		i++;
	}
	if (!out) {
		usage(stderr);
		return 2;
	}
	struct gen g = { 0 };
	g.f = strcmp(out, "-") == 0 ? stdout : fopen(out, "wb");
	if (!g.f) {
		fprintf(stderr, "vigil-gen: %s: %s\n", out, strerror(errno));
		return 1;
	}
	static char iobuf[1 << 20];
	setvbuf(g.f, iobuf, _IOFBF, sizeof(iobuf));
	g.rng = seed * 0x9E3779B97F4A7C15ull + 1;
	g.ts_us = EPOCH_US;
	g.max_packets = packets;
	g.flows = flows;
	g.ip_id = 1;
	pcap_header(g.f);
	int rc = sc->run(&g);
	if (fflush(g.f) != 0 || ferror(g.f) || (g.f != stdout && fclose(g.f) != 0)) {
		fprintf(stderr, "vigil-gen: %s: write failed: %s\n", out, strerror(errno));
		return 1;
	}
	if (rc != 0)
		return 1;
	fprintf(g.f == stdout ? stderr : stdout, "%s: %llu packets\n", out,
		(unsigned long long)g.packets);
	return 0;
}
