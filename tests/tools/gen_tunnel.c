/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen tunnel: the intrusion of the demo scenario (10.0.1.66: an
 * EtherNet/IP identity sweep, Modbus device identification, a register
 * write and listen-only mode, an S7 PLC stop, a DNP3 cold restart, an IEC
 * 104 single command) first plain, then wrapped in each tunnel a remote
 * SPAN uses, then hostile tunnel headers.
 *
 * The attacks are not written again: sc_demo runs with the generator's
 * frame hook (gen->on_frame) pointing here, with no file to write to; the
 * hook keeps the frames to or from 10.0.1.66 (the plant's own polling is
 * left out), wraps them, and writes the result. Each copy starts two hours
 * after the one before, so that every flow, threshold and timeout of a copy
 * is over before the next begins.
 *
 * Copies, in order (tests/pcap/tunnel.sh knows this list):
 *   plain, plain-ipv6 (the same frames made IPv6: fd00::C:D for 10.0.C.D),
 *   gre (IPv4 in GRE over IPv4), gre-ipv6 (IPv6 in GRE over IPv4),
 *   gre-keyseq (IPv4 in GRE with checksum, key and sequence, over IPv6),
 *   gre-teb (Ethernet in GRE, 0x6558), erspan1, erspan2 (VLAN 100 in the
 *   header), erspan3, erspan3-sub (with the platform subheader), vxlan,
 *   mpls (one label, IPv4), mpls-stack (three labels, IPv4 explicit null at
 *   the bottom), mpls-pw (Ethernet over MPLS with the control word), nested
 *   (VXLAN in GRE).
 * Then: IPv4 fragments inside a GRE tunnel (an identity response in three
 * fragments), a GRE packet whose outer IPv4 datagram is fragmented (a
 * Modbus write), and one frame per tunnel event of the decoder.
 *
 * Outer addresses: the mirroring switch 172.31.200.1 sends to the sensor's
 * collector 172.31.200.2 (IPv6: fd00::c8:1 to fd00::c8:2); the nested
 * tunnel's inner VTEPs are 172.31.201.1 and .2.
 */
#include <string.h>

#include "gen.h"

#define COPY_GAP_US (7200ull * 1000000u)

enum kind {
	K_PLAIN,
	K_PLAIN6,
	K_GRE,
	K_GRE_IPV6,
	K_GRE_KEYSEQ,
	K_GRE_TEB,
	K_ERSPAN1,
	K_ERSPAN2,
	K_ERSPAN3,
	K_ERSPAN3_SUB,
	K_VXLAN,
	K_MPLS,
	K_MPLS_STACK,
	K_MPLS_PW,
	K_NESTED,
	K__COPIES,
	K_GRE_OUTER_FRAG = K__COPIES, /* not a copy of the intrusion */
	K_CAPTURE,                    /* keep the frame in T.last, write nothing */
};

static struct {
	FILE *f;
	enum kind kind;
	bool only_intruder;
	uint32_t seq;       /* GRE sequence, ERSPAN index, PW sequence */
	/* the hook that was there before ours (vigil-gen seeds): it sees
	 * the frames we write */
	void (*outer_hook)(struct gen *g, const uint8_t *p, size_t n);
	struct buf last;    /* K_CAPTURE */
} T;

static const uint8_t SW4[4] = { 172, 31, 200, 1 }, COL4[4] = { 172, 31, 200, 2 };
static const uint8_t VTEP1[4] = { 172, 31, 201, 1 }, VTEP2[4] = { 172, 31, 201, 2 };
static uint8_t SW6[16], COL6[16];
static const uint8_t SW_MAC[6] = { 0x02, 0x00, 0xac, 0x1f, 0xc8, 0x01 };
static const uint8_t COL_MAC[6] = { 0x02, 0x00, 0xac, 0x1f, 0xc8, 0x02 };

/* ---- headers ------------------------------------------------------------- */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet from the switch to the collector, with up to two VLAN tags. */
static void eth(struct buf *b, uint16_t type, uint16_t vlan0, uint16_t vlan1)
{
	b_bytes(b, COL_MAC, 6);
	b_bytes(b, SW_MAC, 6);
	if (vlan0) {
		b_be16(b, vlan1 ? 0x88a8 : 0x8100);
		b_be16(b, vlan0);
	}
	if (vlan1) {
		b_be16(b, 0x8100);
		b_be16(b, vlan1);
	}
	b_be16(b, type);
}

static void ip4_hdr(struct gen *g, struct buf *b, const uint8_t s[4], const uint8_t d[4],
		    uint8_t proto, size_t payload, uint16_t frag)
{
	size_t at = b->n;
	b_u8(b, 0x45);
	b_u8(b, 0);
	b_be16(b, (unsigned)(20 + payload));
	b_be16(b, g->ip_id++);
	b_be16(b, frag);
	b_u8(b, 64);
	b_u8(b, proto);
	b_be16(b, 0);
	b_bytes(b, s, 4);
	b_bytes(b, d, 4);
	b_put_be16(b, at + 10, fold(sum16(b->b + at, 20, 0)));
}

static void ip6_hdr(struct buf *b, const uint8_t s[16], const uint8_t d[16], uint8_t nh,
		    size_t payload)
{
	b_be32(b, 0x60000000);
	b_be16(b, (unsigned)payload);
	b_u8(b, nh);
	b_u8(b, 64);
	b_bytes(b, s, 16);
	b_bytes(b, d, 16);
}

/* An outer frame: Ethernet + IPv4 (or IPv6) from the switch to the
 * collector carrying proto/payload. */
static void outer(struct gen *g, struct buf *o, bool v6, uint8_t proto, const uint8_t *pl,
		  size_t n)
{
	b_reset(o);
	eth(o, v6 ? 0x86dd : 0x0800, 0, 0);
	if (v6)
		ip6_hdr(o, SW6, COL6, proto, n);
	else
		ip4_hdr(g, o, SW4, COL4, proto, n, 0);
	b_bytes(o, pl, n);
}

/* GRE version 0 with the optional fields flags asks for (RFC 2784, 2890). */
static void gre(struct buf *b, uint8_t flags, uint16_t proto, const uint8_t *pl, size_t n)
{
	size_t at = b->n;
	b_u8(b, flags);
	b_u8(b, 0);
	b_be16(b, proto);
	size_t csum_at = b->n;
	if (flags & 0x80) {
		b_be16(b, 0);
		b_be16(b, 0);
	}
	if (flags & 0x20)
		b_be32(b, 0x00001234);
	if (flags & 0x10)
		b_be32(b, T.seq++);
	b_bytes(b, pl, n);
	if (flags & 0x80) /* over the GRE header and the payload */
		b_put_be16(b, csum_at, fold(sum16(b->b + at, b->n - at, 0)));
}

/* The frame's IPv4 packet as IPv6 (10.0.C.D -> fd00::C:D), with the TCP or
 * UDP checksum made again for the IPv6 pseudo-header. */
static void to_ip6(struct buf *o, const uint8_t *ip, size_t n)
{
	uint8_t s[16], d[16];
	ip6(s, ip[14], ip[15]);
	ip6(d, ip[18], ip[19]);
	uint8_t proto = ip[9];
	size_t l4n = n - 20;
	ip6_hdr(o, s, d, proto, l4n);
	size_t at = o->n;
	b_bytes(o, ip + 20, l4n);
	size_t c = proto == 6 ? 16 : 6;
	if (l4n < c + 2)
		return;
	o->b[at + c] = o->b[at + c + 1] = 0;
	uint32_t sum = sum16(s, 16, 0);
	sum = sum16(d, 16, sum);
	sum += (uint32_t)l4n + proto;
	uint16_t v = fold(sum16(o->b + at, l4n, sum));
	if (proto == 17 && v == 0)
		v = 0xffff;
	b_put_be16(o, at + c, v);
}

/* VXLAN (RFC 7348) over UDP: the source port from the inner addresses and
 * ports, as a VTEP derives it. */
static void vxlan(struct buf *b, const uint8_t *fr, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 26; i < 38 && i < n; i++)
		h = (h ^ fr[i]) * 16777619u;
	b_be16(b, 49152 + (h & 0x3fff));
	b_be16(b, 4789);
	b_be16(b, (unsigned)(8 + 8 + n));
	b_be16(b, 0);
	b_u8(b, 0x08);
	b_u8(b, 0);
	b_be16(b, 0);
	b_u8(b, 0x00);
	b_be16(b, 5001); /* VNI 5001 */
	b_u8(b, 0);
	b_bytes(b, fr, n);
}

static void erspan2(struct buf *b, uint16_t vlan)
{
	b_be16(b, 0x1000 | vlan); /* ver 1 */
	b_be16(b, 7);             /* cos 0, en 0, t 0, session 7 */
	b_be32(b, T.seq & 0xfffff);
}

static void erspan3(struct buf *b, bool sub)
{
	b_be16(b, 0x2000);       /* ver 2, vlan 0 */
	b_be16(b, 8);            /* session 8 */
	b_be32(b, 0x5a5a0000u + T.seq); /* timestamp */
	b_be16(b, 0);            /* sgt */
	b_u8(b, 0x00 | 0);       /* p 0, ft 0 (Ethernet), hw id high bits */
	b_u8(b, (1u << 4) | (1u << 1) | (sub ? 1u : 0u)); /* hw id 1, gra 1, o */
	if (sub) {
		b_be32(b, (3u << 26) | 0x12345); /* platform id 3 */
		b_be32(b, 0x65536000u);
	}
}

static void mpls(struct buf *b, uint32_t label, bool bottom)
{
	b_be32(b, label << 12 | (bottom ? 0x100u : 0u) | 64u);
}

/* ---- the hook ------------------------------------------------------------ */

static void emit(struct gen *g, const uint8_t *p, size_t n)
{
	void (*hook)(struct gen *, const uint8_t *, size_t) = g->on_frame;
	g->on_frame = T.outer_hook;
	g->f = T.f;
	gen_frame(g, p, n);
	g->f = NULL;
	g->on_frame = hook;
	g->ts_us -= 10; /* gen_frame, our caller, moves the time on for this frame */
}

static bool intruder(const uint8_t *fr, size_t n)
{
	static const uint8_t bad[4] = { 10, 0, 1, 66 };
	return n >= 34 && fr[12] == 0x08 && fr[13] == 0x00 &&
	       (memcmp(fr + 26, bad, 4) == 0 || memcmp(fr + 30, bad, 4) == 0);
}

/* The outer IPv4 datagram of o (Ethernet + IPv4, 20-byte header) in two
 * fragments. */
static void emit_outer_frags(struct gen *g, const struct buf *o)
{
	static struct buf f;
	size_t pl = o->n - 34, first = (pl / 2) & ~(size_t)7;
	if (first < 8)
		first = 8;
	uint16_t id = g->ip_id++;
	for (int k = 0; k < 2; k++) {
		size_t off = k ? first : 0, len = k ? pl - first : first;
		b_reset(&f);
		eth(&f, 0x0800, 0, 0);
		size_t at = f.n;
		ip4_hdr(g, &f, SW4, COL4, o->b[23], len, (uint16_t)((off / 8) | (k ? 0 : 0x2000)));
		b_put_be16(&f, at + 4, id);
		f.b[at + 10] = f.b[at + 11] = 0;
		b_put_be16(&f, at + 10, fold(sum16(f.b + at, 20, 0)));
		b_bytes(&f, o->b + 34 + off, len);
		emit(g, f.b, f.n);
	}
}

static void wrap(struct gen *g, const uint8_t *fr, size_t n)
{
	g->packets--; /* counted by what is written */
	if (T.only_intruder && !intruder(fr, n))
		return;
	static struct buf o, t, u;
	const uint8_t *ip = fr + 14;
	size_t ipn = n - 14;
	b_reset(&t);
	b_reset(&u);
	switch (T.kind) {
	case K_PLAIN:
		emit(g, fr, n);
		return;
	case K_PLAIN6:
		b_reset(&o);
		b_bytes(&o, fr, 12);
		b_be16(&o, 0x86dd);
		to_ip6(&o, ip, ipn);
		break;
	case K_GRE:
	case K_GRE_OUTER_FRAG:
		gre(&t, 0, 0x0800, ip, ipn);
		outer(g, &o, false, 47, t.b, t.n);
		if (T.kind == K_GRE_OUTER_FRAG) {
			emit_outer_frags(g, &o);
			return;
		}
		break;
	case K_GRE_IPV6:
		to_ip6(&u, ip, ipn);
		gre(&t, 0, 0x86dd, u.b, u.n);
		outer(g, &o, false, 47, t.b, t.n);
		break;
	case K_GRE_KEYSEQ:
		gre(&t, 0x80 | 0x20 | 0x10, 0x0800, ip, ipn);
		outer(g, &o, true, 47, t.b, t.n);
		break;
	case K_GRE_TEB:
		gre(&t, 0, 0x6558, fr, n);
		outer(g, &o, false, 47, t.b, t.n);
		break;
	case K_ERSPAN1:
		gre(&t, 0, 0x88be, fr, n);
		outer(g, &o, false, 47, t.b, t.n);
		break;
	case K_ERSPAN2:
		erspan2(&u, 100);
		b_bytes(&u, fr, n);
		gre(&t, 0x10, 0x88be, u.b, u.n);
		outer(g, &o, false, 47, t.b, t.n);
		break;
	case K_ERSPAN3:
	case K_ERSPAN3_SUB:
		erspan3(&u, T.kind == K_ERSPAN3_SUB);
		b_bytes(&u, fr, n);
		gre(&t, 0x10, 0x22eb, u.b, u.n);
		outer(g, &o, false, 47, t.b, t.n);
		break;
	case K_VXLAN:
		vxlan(&t, fr, n);
		outer(g, &o, false, 17, t.b, t.n);
		break;
	case K_MPLS:
	case K_MPLS_STACK:
	case K_MPLS_PW:
		b_reset(&o);
		eth(&o, 0x8847, 0, 0);
		if (T.kind == K_MPLS) {
			mpls(&o, 1001, true);
			b_bytes(&o, ip, ipn);
		} else if (T.kind == K_MPLS_STACK) {
			mpls(&o, 16001, false);
			mpls(&o, 24002, false);
			mpls(&o, 0, true); /* IPv4 explicit null */
			b_bytes(&o, ip, ipn);
		} else {
			mpls(&o, 16001, false);
			mpls(&o, 100, true);      /* the pseudowire */
			b_be32(&o, T.seq++ & 0xffff); /* control word: 0000, 0, sequence */
			b_bytes(&o, fr, n);
		}
		break;
	case K_NESTED: {
		vxlan(&u, fr, n);
		ip4_hdr(g, &t, VTEP1, VTEP2, 17, u.n, 0);
		b_bytes(&t, u.b, u.n);
		b_reset(&u);
		gre(&u, 0, 0x0800, t.b, t.n);
		outer(g, &o, false, 47, u.b, u.n);
		break;
	}
	case K_CAPTURE:
		b_reset(&T.last);
		b_bytes(&T.last, fr, n);
		return;
	default:
		return;
	}
	emit(g, o.b, o.n);
}

/* Frames written by f go through wrap as kind. */
static void wrapped(struct gen *g, enum kind kind, bool only_intruder, int (*f)(struct gen *))
{
	T.f = g->f;
	T.outer_hook = g->on_frame;
	T.kind = kind;
	T.only_intruder = only_intruder;
	g->f = NULL;
	g->on_frame = wrap;
	f(g);
	g->on_frame = T.outer_hook;
	g->f = T.f;
}

/* ---- extra sections -------------------------------------------------------- */

static struct sess frag_sess;

/* An identity request, and its response in three IPv4 fragments. */
static int identity_frags(struct gen *g)
{
	uint8_t bad[16], plc[16];
	ip4(bad, 10, 0, 1, 66);
	ip4(plc, 10, 0, 0, 51);
	static struct buf q, r;
	sess_init(&frag_sess, g, 17, bad, 44818, plc, 44818, false);
	enip_hdr(&q, 0x0063, 0, 0, 0, 0);
	udp_send(&frag_sess, DIR_C2S, q.b, q.n);
	enip_list_identity_resp(&r, 0, 1, 14, 54, 20, 11, 0x009c3a7d, "1756-L61/B LOGIX5561");
	udp_send_frag(&frag_sess, DIR_S2C, r.b, r.n, 40, false);
	return 0;
}

/* A register write from 10.0.1.66 on a connection of its own. */
static int modbus_write(struct gen *g)
{
	uint8_t bad[16], plc[16];
	ip4(bad, 10, 0, 1, 66);
	ip4(plc, 10, 0, 0, 11);
	static struct buf q, r;
	sess_init(&frag_sess, g, 6, bad, 42100, plc, 502, false);
	tcp_open(&frag_sess);
	mb_write_single(&q, 1, 1, 6, 40, 9999);
	mb_write_single(&r, 1, 1, 6, 40, 9999);
	tcp_exchange(&frag_sess, &q, &r);
	tcp_close(&frag_sess);
	return 0;
}

/* One Modbus write request from 10.0.1.66 (a new connection each time,
 * caught by K_CAPTURE): the frame the hostile headers wrap. */
static int one_write(struct gen *g)
{
	uint8_t bad[16], plc[16];
	ip4(bad, 10, 0, 1, 66);
	ip4(plc, 10, 0, 0, 12);
	static struct buf q;
	sess_init(&frag_sess, g, 6, bad, 42200, plc, 502, false);
	tcp_open_nohs(&frag_sess);
	mb_write_single(&q, 1, 1, 6, 40, 9999);
	tcp_send(&frag_sess, DIR_C2S, q.b, q.n);
	return 0;
}

/* ---- hostile headers ------------------------------------------------------- */

static void write_frame(struct gen *g, const struct buf *b)
{
	gen_tick(g, 1000);
	gen_frame(g, b->b, b->n);
}

/* GRE with the given first two bytes and protocol around payload, in IPv4. */
static void gre_raw(struct gen *g, uint8_t f0, uint8_t f1, uint16_t proto, const uint8_t *pl,
		    size_t n)
{
	static struct buf t, o;
	b_reset(&t);
	b_u8(&t, f0);
	b_u8(&t, f1);
	b_be16(&t, proto);
	b_bytes(&t, pl, n);
	outer(g, &o, false, 47, t.b, t.n);
	write_frame(g, &o);
}

static void mpls_raw(struct gen *g, const uint8_t *stack, size_t sn, const uint8_t *pl, size_t n)
{
	static struct buf o;
	b_reset(&o);
	eth(&o, 0x8847, 0, 0);
	b_bytes(&o, stack, sn);
	b_bytes(&o, pl, n);
	write_frame(g, &o);
}

static void hostile(struct gen *g)
{
	static struct buf fr, t, u, o;
	wrapped(g, K_CAPTURE, false, one_write);
	fr = T.last;
	const uint8_t *ip = fr.b + 14;
	size_t ipn = fr.n - 14;

	/* GRE: shorter than its 4 bytes; version 1 (PPTP); recursion control
	 * and reserved flags (still opened: the write inside alerts); the
	 * routing bit (not opened); key and sequence announced, not there */
	{
		static struct buf o2;
		static const uint8_t two[2] = { 0, 0 };
		outer(g, &o2, false, 47, two, 2);
		write_frame(g, &o2);
	}
	gre_raw(g, 0x20, 0x01, 0x880b, ip, ipn);
	gre_raw(g, 0x03, 0x00, 0x0800, ip, ipn);
	gre_raw(g, 0x00, 0x78, 0x0800, ip, ipn);
	gre_raw(g, 0x40, 0x00, 0x0800, ip, ipn);
	{
		static const uint8_t six[6] = { 0, 0, 0, 1, 0, 0 };
		gre_raw(g, 0x30, 0x00, 0x0800, six, sizeof(six));
	}
	/* ERSPAN: type II header cut short; type II with version 2; type III
	 * with version 1; type III announcing a subheader that is not there;
	 * type III of an unknown frame type; a VLAN with no room left (the
	 * transport is QinQ) */
	{
		static const uint8_t five[5] = { 0x10, 0x64, 0, 7, 0 };
		b_reset(&t);
		gre(&t, 0x10, 0x88be, five, sizeof(five));
		outer(g, &o, false, 47, t.b, t.n);
		write_frame(g, &o);
		b_reset(&u);
		b_be16(&u, 0x2064);
		b_be16(&u, 7);
		b_be32(&u, 0);
		b_bytes(&u, fr.b, fr.n);
		b_reset(&t);
		gre(&t, 0x10, 0x88be, u.b, u.n);
		outer(g, &o, false, 47, t.b, t.n);
		write_frame(g, &o);
		b_reset(&u);
		b_be16(&u, 0x1000);
		b_be16(&u, 8);
		b_be32(&u, 0);
		b_be32(&u, 0);
		b_bytes(&u, fr.b, fr.n);
		b_reset(&t);
		gre(&t, 0x10, 0x22eb, u.b, u.n);
		outer(g, &o, false, 47, t.b, t.n);
		write_frame(g, &o);
		b_reset(&u);
		erspan3(&u, true);
		u.n -= 8; /* the subheader is missing */
		b_reset(&t);
		gre(&t, 0x10, 0x22eb, u.b, u.n);
		outer(g, &o, false, 47, t.b, t.n);
		write_frame(g, &o);
		b_reset(&u);
		erspan3(&u, false);
		u.b[10] = 5 << 2; /* frame type 5 */
		b_bytes(&u, fr.b, fr.n);
		b_reset(&t);
		gre(&t, 0x10, 0x22eb, u.b, u.n);
		outer(g, &o, false, 47, t.b, t.n);
		write_frame(g, &o);
		b_reset(&u);
		erspan2(&u, 300);
		b_bytes(&u, fr.b, fr.n);
		b_reset(&t);
		gre(&t, 0x10, 0x88be, u.b, u.n);
		b_reset(&o);
		eth(&o, 0x0800, 10, 20);
		ip4_hdr(g, &o, SW4, COL4, 47, t.n, 0);
		b_bytes(&o, t.b, t.n);
		write_frame(g, &o);
	}
	/* VXLAN carrying a frame of an EtherType nobody knows */
	{
		b_reset(&u);
		b_bytes(&u, fr.b, 12);
		b_be16(&u, 0x88b5); /* local experimental EtherType */
		b_bytes(&u, ip, ipn);
		b_reset(&t);
		vxlan(&t, u.b, u.n);
		outer(g, &o, false, 17, t.b, t.n);
		write_frame(g, &o);
	}
	/* MPLS: shorter than one entry; a stack without its bottom; router
	 * alert, implicit null and a reserved label at the bottom; three bytes
	 * after the stack; a payload that is neither IP nor a known frame */
	{
		static const uint8_t two[2] = { 0, 1 };
		mpls_raw(g, two, 2, NULL, 0);
		static const uint8_t nobos[8] = { 0x00, 0x3e, 0x80, 0x40, 0x00, 0x3e, 0x90, 0x40 };
		mpls_raw(g, nobos, sizeof(nobos), NULL, 0);
		static const uint8_t ra[4] = { 0x00, 0x00, 0x11, 0x40 };
		mpls_raw(g, ra, 4, ip, ipn);
		static const uint8_t inull[4] = { 0x00, 0x00, 0x31, 0x40 };
		mpls_raw(g, inull, 4, ip, ipn);
		static const uint8_t resv[4] = { 0x00, 0x00, 0x71, 0x40 };
		mpls_raw(g, resv, 4, ip, ipn);
		static const uint8_t lbl[4] = { 0x00, 0x3e, 0x91, 0x40 };
		static const uint8_t three[3] = { 0x45, 0, 0 };
		mpls_raw(g, lbl, 4, three, 3);
		static const uint8_t junk[20] = { 0x15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
						   0x88, 0xb5, 0, 0, 0, 0, 0, 0 };
		mpls_raw(g, lbl, 4, junk, sizeof(junk));
	}
	/* a truncated IPv4 packet inside a GRE tunnel: the inner packet's event,
	 * with the tunnel's addresses */
	gre_raw(g, 0x00, 0x00, 0x0800, ip, 12);
	/* too many layers: GRE in GRE, nine deep; an MPLS stack of 17 labels */
	{
		static struct buf a, bb;
		b_reset(&a);
		b_bytes(&a, ip, ipn);
		for (int k = 0; k < 8; k++) {
			b_reset(&bb);
			gre(&bb, 0, 0x0800, a.b, a.n);
			b_reset(&a);
			ip4_hdr(g, &a, VTEP1, VTEP2, 47, bb.n, 0);
			b_bytes(&a, bb.b, bb.n);
		}
		b_reset(&bb);
		gre(&bb, 0, 0x0800, a.b, a.n);
		outer(g, &o, false, 47, bb.b, bb.n);
		write_frame(g, &o);
		static uint8_t deep[17 * 4];
		for (int k = 0; k < 17; k++) {
			deep[k * 4] = 0;
			deep[k * 4 + 1] = 0x3e;
			deep[k * 4 + 2] = (uint8_t)(0x80 | (k == 16 ? 1 : 0));
			deep[k * 4 + 3] = 0x40;
		}
		mpls_raw(g, deep, sizeof(deep), ip, ipn);
	}
}

int sc_tunnel(struct gen *g)
{
	ip6(SW6, 0xc8, 1);
	ip6(COL6, 0xc8, 2);
	for (int k = 0; k < K__COPIES; k++) {
		if (k)
			gen_tick(g, COPY_GAP_US);
		T.seq = 0;
		wrapped(g, (enum kind)k, true, sc_demo);
	}
	gen_tick(g, COPY_GAP_US);
	wrapped(g, K_GRE, false, identity_frags);
	gen_tick(g, COPY_GAP_US);
	wrapped(g, K_GRE_OUTER_FRAG, false, modbus_write);
	gen_tick(g, COPY_GAP_US);
	hostile(g);
	return 0;
}
