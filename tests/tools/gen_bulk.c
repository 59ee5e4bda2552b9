/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil-gen: the demo, transport, background and malformed scenarios, the
 * large benchmark scenarios, and fuzz seeds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen.h"

/* ---- background ------------------------------------------------------------ */

void bg_http(struct gen *g, struct sess *s, unsigned n)
{
	(void)g;
	static const char req[] = "GET /index.html HTTP/1.1\r\nHost: intranet.plant.example\r\n"
				  "User-Agent: Mozilla/5.0\r\nAccept: */*\r\n\r\n";
	static char resp[1200];
	int rl = snprintf(resp, sizeof(resp),
			  "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n",
			  1000);
	memset(resp + rl, 'x', 1000);
	for (unsigned i = 0; i < n; i++) {
		tcp_send(s, DIR_C2S, req, sizeof(req) - 1);
		tcp_send(s, DIR_S2C, resp, (size_t)rl + 1000);
		tcp_ack(s, DIR_C2S);
	}
}

static size_t dns_query(uint8_t *p, uint16_t id, const char *name, bool resp)
{
	size_t n = 0;
	p[n++] = (uint8_t)(id >> 8);
	p[n++] = (uint8_t)id;
	p[n++] = resp ? 0x81 : 0x01;
	p[n++] = resp ? 0x80 : 0x00;
	p[n++] = 0; p[n++] = 1;
	p[n++] = 0; p[n++] = resp ? 1 : 0;
	p[n++] = 0; p[n++] = 0; p[n++] = 0; p[n++] = 0;
	const char *s = name;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		p[n++] = (uint8_t)l;
		memcpy(p + n, s, l);
		n += l;
		s += l;
		if (*s == '.')
			s++;
	}
	p[n++] = 0;
	p[n++] = 0; p[n++] = 1; p[n++] = 0; p[n++] = 1;
	if (resp) {
		const uint8_t a[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 168, 1, 20 };
		memcpy(p + n, a, sizeof(a));
		n += sizeof(a);
	}
	return n;
}

void bg_dns(struct gen *g, struct sess *s, unsigned n)
{
	(void)g;
	static const char *const names[] = { "historian.plant.example", "update.vendor.example",
					     "time.plant.example", "mail.office.example" };
	uint8_t p[256];
	for (unsigned i = 0; i < n; i++) {
		uint16_t id = (uint16_t)(0x1000 + s->g->packets);
		const char *nm = names[i % 4];
		size_t k = dns_query(p, id, nm, false);
		udp_send(s, DIR_C2S, p, k);
		k = dns_query(p, id, nm, true);
		udp_send(s, DIR_S2C, p, k);
	}
}

int sc_background(struct gen *g)
{
	uint8_t c[16], srv[16], dns[16];
	struct sess s, d;
	ip4(c, 192, 168, 1, 10);
	ip4(srv, 192, 168, 1, 1);
	ip4(dns, 192, 168, 1, 53);
	sess_init(&s, g, 6, c, 50000, srv, 80, false);
	tcp_open(&s);
	bg_http(g, &s, 3);
	tcp_close(&s);
	sess_init(&d, g, 17, c, 50001, dns, 53, false);
	bg_dns(g, &d, 4);
	/* an ICMP echo and its reply */
	{
		uint8_t p[16] = { 8, 0, 0, 0, 0x12, 0x34, 0, 1, 'v', 'i', 'g', 'i', 'l', 0, 0, 0 };
		for (int reply = 0; reply < 2; reply++) {
			p[0] = reply ? 0 : 8;
			p[2] = p[3] = 0;
			uint16_t ck = gen_csum(p, sizeof(p));
			p[2] = (uint8_t)(ck >> 8);
			p[3] = (uint8_t)ck;
			gen_ip4_raw(g, reply ? srv : c, reply ? c : srv, 1, NULL, 0, 0, 0, p, sizeof(p));
		}
	}
	/* HTTP over IPv6 */
	uint8_t c6[16], s6[16];
	ip6(c6, 0x100, 10);
	ip6(s6, 0x100, 1);
	sess_init(&s, g, 6, c6, 50002, s6, 80, true);
	tcp_open(&s);
	bg_http(g, &s, 1);
	tcp_close(&s);
	return 0;
}

/* ---- demo ------------------------------------------------------------------- */

int sc_demo(struct gen *g)
{
	uint8_t m[16], m2[16], ew[16], plc[16], os[16], rtu[16], s7[16], en[16], bad[16];
	uint8_t off[16], srv[16];
	ip4(m, 10, 0, 0, 2);
	ip4(m2, 10, 0, 0, 3);
	ip4(ew, 10, 0, 0, 5);
	ip4(plc, 10, 0, 0, 10);
	ip4(os, 10, 0, 0, 20);
	ip4(rtu, 10, 0, 0, 30);
	ip4(s7, 10, 0, 0, 40);
	ip4(en, 10, 0, 0, 50);
	ip4(bad, 10, 0, 1, 66);
	ip4(off, 192, 168, 1, 10);
	ip4(srv, 192, 168, 1, 1);
	struct sess mb, dn, ie, st, ei, web;
	sess_init(&mb, g, 6, m, 41000, plc, 502, false);
	sess_init(&dn, g, 6, m2, 41001, os, 20000, false);
	sess_init(&ie, g, 6, m, 41002, rtu, 2404, false);
	sess_init(&st, g, 6, m, 41003, s7, 102, false);
	sess_init(&ei, g, 6, m2, 41004, en, 44818, false);
	sess_init(&web, g, 6, off, 41005, srv, 80, false);
	tcp_open(&mb);
	tcp_open(&dn);
	tcp_open(&ie);
	tcp_open(&st);
	tcp_open(&ei);
	tcp_open(&web);
	static struct buf q, r;
	uint16_t tid = 1, ref = 1, ns = 0, nr = 0;
	uint8_t dseq = 0;
	uint64_t ctx = 1;
	/* connection set-up */
	iec104_u(&q, 0x07);
	iec104_u(&r, 0x0b);
	tcp_exchange(&ie, &q, &r);
	s7_cotp_cr(&q, false, 0x0100, 0x0102);
	s7_cotp_cr(&r, true, 0x0100, 0x0102);
	tcp_exchange(&st, &q, &r);
	enip_hdr(&q, 0x0065, 4, 0, 0, ctx);
	b_le16(&q, 1);
	b_le16(&q, 0);
	enip_hdr(&r, 0x0065, 4, 0x2001, 0, ctx++);
	b_le16(&r, 1);
	b_le16(&r, 0);
	tcp_exchange(&ei, &q, &r);
	for (unsigned round = 0; round < 8; round++) {
		plant_modbus_poll(&mb, &tid, 1);
		plant_dnp3_poll(&dn, &dseq, 1);
		plant_iec104_poll(&ie, &ns, &nr, 1);
		plant_s7_poll(&st, &ref, 1);
		plant_enip_poll(&ei, 0x2001, &ctx, 1);
		if (round % 3 == 0)
			bg_http(g, &web, 1);
		gen_tick(g, 1000000);
	}
	/* the intrusion: reconnaissance, then writes and stops from 10.0.1.66 */
	struct sess a;
	/* an identity sweep over the EtherNet/IP range: one device answers */
	for (unsigned h = 50; h < 54; h++) {
		uint8_t dst[16];
		ip4(dst, 10, 0, 0, h);
		sess_init(&a, g, 17, bad, 44818, dst, 44818, false);
		enip_hdr(&q, 0x0063, 0, 0, 0, 0);
		udp_send(&a, DIR_C2S, q.b, q.n);
		if (h == 50) {
			enip_list_identity_resp(&r, 0, 1, 14, 54, 20, 11, 0x009c3a7d,
						"1756-L61/B LOGIX5561");
			udp_send(&a, DIR_S2C, r.b, r.n);
		}
	}
	sess_init(&a, g, 6, bad, 42000, plc, 502, false);
	tcp_open(&a);
	{
		const uint8_t rq[] = { 43, 14, 1, 0 };
		const uint8_t rs[] = { 43, 14, 1, 0x81, 0, 0, 1, 0, 9, 'S', 'c', 'h', 'n', 'e', 'i', 'd',
				       'e', 'r' };
		mb_adu(&q, 1, 1, rq, sizeof(rq));
		mb_adu(&r, 1, 1, rs, sizeof(rs));
		tcp_exchange(&a, &q, &r);
	}
	mb_write_single(&q, 2, 1, 6, 40, 9999);
	mb_write_single(&r, 2, 1, 6, 40, 9999);
	tcp_exchange(&a, &q, &r);
	mb_diag(&q, 3, 1, 4, 0);
	tcp_exchange(&a, &q, NULL);
	tcp_close(&a);
	sess_init(&a, g, 6, bad, 42001, s7, 102, false);
	tcp_open(&a);
	s7_cotp_cr(&q, false, 0x0100, 0x0102);
	s7_cotp_cr(&r, true, 0x0100, 0x0102);
	tcp_exchange(&a, &q, &r);
	{
		const uint8_t p[] = { 0x29, 0, 0, 0, 0, 0, 9, 'P', '_', 'P', 'R', 'O', 'G', 'R', 'A', 'M' };
		const uint8_t rp[] = { 0x29 };
		s7_pdu(&q, 1, 0x100, p, sizeof(p), NULL, 0, 0);
		s7_pdu(&r, 3, 0x100, rp, 1, NULL, 0, 0);
		tcp_exchange(&a, &q, &r);
	}
	tcp_close(&a);
	sess_init(&a, g, 6, bad, 42002, os, 20000, false);
	tcp_open(&a);
	{
		uint8_t ts = 0;
		const uint8_t app[] = { 0xc0, 13 };
		dnp3_msg(&q, true, 10, 1, &ts, app, sizeof(app), 249);
		const uint8_t rsp[] = { 0xc0, 129, 0, 0, 52, 2, 0x07, 1, 0xe8, 0x03 };
		ts = 0;
		dnp3_msg(&r, false, 1, 10, &ts, rsp, sizeof(rsp), 249);
		tcp_exchange(&a, &q, &r);
	}
	tcp_close(&a);
	sess_init(&a, g, 6, bad, 42003, rtu, 2404, false);
	tcp_open(&a);
	iec104_u(&q, 0x07);
	iec104_u(&r, 0x0b);
	tcp_exchange(&a, &q, &r);
	{
		static struct buf as;
		b_reset(&as);
		iec104_asdu_hdr(&as, 45, 1, 6, 0, 1);
		b_le24(&as, 7001);
		b_u8(&as, 0x01);
		iec104_i(&q, 0, 0, as.b, as.n);
		as.b[2] = 7;
		iec104_i(&r, 0, 1, as.b, as.n);
		tcp_exchange(&a, &q, &r);
	}
	tcp_close(&a);
	/* the plant goes on */
	for (unsigned round = 0; round < 2; round++) {
		plant_modbus_poll(&mb, &tid, 1);
		plant_dnp3_poll(&dn, &dseq, 1);
		plant_iec104_poll(&ie, &ns, &nr, 1);
	}
	tcp_close(&mb);
	tcp_close(&dn);
	tcp_close(&ie);
	tcp_close(&st);
	tcp_close(&ei);
	tcp_close(&web);
	return 0;
}

/* ---- transport ---------------------------------------------------------------- */

int sc_transport(struct gen *g)
{
	uint8_t m[16], plc[16], os[16];
	struct sess s;
	static struct buf q, r;
	ip4(m, 10, 0, 0, 2);
	ip4(plc, 10, 0, 0, 15);
	ip4(os, 10, 0, 0, 25);
	uint16_t tid = 1;

	/* retransmission of a request, identical bytes */
	sess_init(&s, g, 6, m, 43000, plc, 502, false);
	tcp_open(&s);
	mb_write_single(&q, tid, 1, 6, 1, 11);
	tcp_send(&s, DIR_C2S, q.b, q.n);
	tcp_send_at(&s, DIR_C2S, -(int32_t)q.n, q.b, q.n);
	mb_write_single(&r, tid, 1, 6, 1, 11);
	tcp_send(&s, DIR_S2C, r.b, r.n);
	tcp_ack(&s, DIR_C2S);
	tid++;
	/* out of order: the second half arrives first */
	mb_write_multi(&q, tid, 1, 10, 8, 0x55);
	size_t h = q.n / 2;
	tcp_send_at(&s, DIR_C2S, (int32_t)h, q.b + h, q.n - h);
	tcp_send_at(&s, DIR_C2S, 0, q.b, h);
	tcp_advance(&s, DIR_C2S, q.n);
	mb_write_multi_resp(&r, tid, 1, 10, 8);
	tcp_send(&s, DIR_S2C, r.b, r.n);
	tcp_ack(&s, DIR_C2S);
	tid++;
	/* an overlap carrying different bytes (first copy wins) */
	mb_write_single(&q, tid, 1, 6, 2, 22);
	tcp_send(&s, DIR_C2S, q.b, q.n);
	q.b[q.n - 1] = 0x99;
	tcp_send_at(&s, DIR_C2S, -(int32_t)q.n, q.b, q.n);
	mb_write_single(&r, tid, 1, 6, 2, 22);
	tcp_send(&s, DIR_S2C, r.b, r.n);
	tcp_ack(&s, DIR_C2S);
	tid++;
	/* three PDUs, the last cut in two across segments */
	{
		static struct buf all;
		b_reset(&all);
		for (int i = 0; i < 3; i++) {
			mb_read(&q, (uint16_t)(tid + i), 1, 3, (uint16_t)(i * 10), 2);
			b_bytes(&all, q.b, q.n);
		}
		tcp_send(&s, DIR_C2S, all.b, all.n - 5);
		tcp_send(&s, DIR_C2S, all.b + all.n - 5, 5);
		b_reset(&all);
		for (int i = 0; i < 3; i++) {
			mb_read_resp_regs(&r, (uint16_t)(tid + i), 1, 3, 2, (uint16_t)i);
			b_bytes(&all, r.b, r.n);
		}
		tcp_send(&s, DIR_S2C, all.b, all.n);
		tcp_ack(&s, DIR_C2S);
		tid = (uint16_t)(tid + 3);
	}
	/* a gap: the end of a request and 40 more bytes lost on the wire,
	 * the parser drops the partial PDU and resynchronises */
	mb_write_multi(&q, tid, 1, 300, 10, 7);
	tcp_send(&s, DIR_C2S, q.b, 10);
	tcp_advance(&s, DIR_C2S, q.n - 10 + 40);
	tid++;
	mb_read(&q, tid, 1, 3, 0, 4);
	mb_read_resp_regs(&r, tid, 1, 3, 4, 1);
	tcp_exchange(&s, &q, &r);
	tid++;
	plant_modbus_poll(&s, &tid, 1);
	/* closed by a reset */
	tcp_rst(&s, DIR_C2S);

	/* a request cut short by the end of the connection */
	sess_init(&s, g, 6, m, 43005, plc, 502, false);
	tcp_open(&s);
	plant_modbus_poll(&s, &tid, 1);
	mb_write_multi(&q, tid, 1, 0, 10, 1);
	tcp_send(&s, DIR_C2S, q.b, 9);
	tcp_close(&s);

	/* Modbus over UDP: a datagram shorter than its MBAP length */
	sess_init(&s, g, 17, m, 43006, plc, 502, false);
	mb_read(&q, 9, 1, 3, 0, 1);
	udp_send(&s, DIR_C2S, q.b, q.n);
	mb_read_resp_regs(&r, 9, 1, 3, 1, 1);
	udp_send(&s, DIR_S2C, r.b, r.n);
	mb_read(&q, 10, 1, 3, 0, 1);
	udp_send(&s, DIR_C2S, q.b, q.n - 3);

	/* picked up mid-stream, no handshake */
	sess_init(&s, g, 6, m, 43001, plc, 502, false);
	tcp_open_nohs(&s);
	plant_modbus_poll(&s, &tid, 2);

	/* 802.1Q and QinQ */
	sess_init(&s, g, 6, m, 43002, plc, 502, false);
	s.vlan[0] = 100;
	tcp_open(&s);
	plant_modbus_poll(&s, &tid, 1);
	tcp_close(&s);
	sess_init(&s, g, 6, m, 43003, os, 20000, false);
	s.vlan[0] = 200;
	s.vlan[1] = 300;
	tcp_open(&s);
	uint8_t ds = 0;
	plant_dnp3_poll(&s, &ds, 1);
	tcp_close(&s);

	/* IPv6 */
	uint8_t m6[16], p6[16];
	ip6(m6, 0, 2);
	ip6(p6, 0, 15);
	sess_init(&s, g, 6, m6, 43004, p6, 502, true);
	tcp_open(&s);
	plant_modbus_poll(&s, &tid, 1);
	mb_write_single(&q, tid, 1, 6, 5, 5);
	mb_write_single(&r, tid, 1, 6, 5, 5);
	tcp_exchange(&s, &q, &r);
	tid++;
	tcp_close(&s);

	/* DNP3 over UDP, the response in IPv4 fragments, last first */
	{
		uint8_t a[600];
		size_t n = 0;
		a[n++] = 0xc0; a[n++] = 129; a[n++] = 0; a[n++] = 0;
		a[n++] = 30; a[n++] = 1; a[n++] = 0x01; a[n++] = 0; a[n++] = 0; a[n++] = 39; a[n++] = 0;
		for (int i = 0; i < 40; i++) {
			a[n++] = 1; a[n++] = (uint8_t)i; a[n++] = 0; a[n++] = 0; a[n++] = 0;
		}
		static struct buf f;
		uint8_t tseq = 0;
		sess_init(&s, g, 17, m, 20000, os, 20000, false);
		const uint8_t rd[] = { 0xc0, 1, 60, 1, 0x06 };
		dnp3_msg(&f, true, 25, 1, &tseq, rd, sizeof(rd), 249);
		udp_send(&s, DIR_C2S, f.b, f.n);
		tseq = 0;
		dnp3_msg(&f, false, 1, 25, &tseq, a, n, 249);
		udp_send_frag(&s, DIR_S2C, f.b, f.n, 96, true);
		/* and over IPv6, in order */
		sess_init(&s, g, 17, m6, 20000, p6, 20000, true);
		tseq = 0;
		dnp3_msg(&f, true, 25, 1, &tseq, rd, sizeof(rd), 249);
		udp_send(&s, DIR_C2S, f.b, f.n);
		tseq = 0;
		dnp3_msg(&f, false, 1, 25, &tseq, a, n, 249);
		udp_send_frag(&s, DIR_S2C, f.b, f.n, 128, false);
	}
	/* overlapping IPv4 fragments with different bytes towards a PLC */
	{
		uint8_t p1[24], p2[16];
		memset(p1, 'A', sizeof(p1));
		memset(p2, 'B', sizeof(p2));
		p1[0] = 0xc3; p1[1] = 0x50; p1[2] = 0x4e; p1[3] = 0x20; /* ports 50000 -> 20000 */
		p1[4] = 0; p1[5] = 40; p1[6] = 0; p1[7] = 0;
		g->ip_id = 0x4242;
		gen_ip4_raw(g, m, os, 17, NULL, 0, 0, 0x2000, p1, sizeof(p1));
		g->ip_id = 0x4242;
		gen_ip4_raw(g, m, os, 17, NULL, 0, 0, 2, p2, sizeof(p2)); /* offset 16 overlaps 16..23 */
		g->ip_id = 0x5000;
	}
	/* overlapping IPv6 fragments with different bytes */
	{
		uint8_t a[16], b[16];
		ip6(a, 0, 2);
		ip6(b, 0, 25);
		uint8_t p1[24], p2[16];
		memset(p1, 'A', sizeof(p1));
		memset(p2, 'B', sizeof(p2));
		p1[0] = 0xc3; p1[1] = 0x50; p1[2] = 0x4e; p1[3] = 0x20;
		p1[4] = 0; p1[5] = 40;
		gen_ip6_frag(g, a, b, 17, 0x77, 0, true, p1, sizeof(p1));
		gen_ip6_frag(g, a, b, 17, 0x77, 16, false, p2, sizeof(p2));
	}
	return 0;
}

/* ---- malformed ---------------------------------------------------------------- */

static void raw_ip(struct gen *g, const uint8_t *ip, size_t n)
{
	gen_ether(g, 0x0800, ip, n);
}

int sc_malformed(struct gen *g)
{
	uint8_t src[16], dst[16];
	ip4(src, 10, 0, 1, 66);
	ip4(dst, 10, 0, 0, 10);
	uint8_t tcp[20] = { 0xc3, 0x50, 0x01, 0xf6, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff };
	/* a frame shorter than an Ethernet header */
	{
		const uint8_t tiny[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
		gen_frame(g, tiny, sizeof(tiny));
	}
	/* an EtherType nobody knows */
	gen_ether(g, 0x1234, "unknown", 7);
	/* IPv4 total length beyond the frame */
	gen_ip4_raw(g, src, dst, 6, NULL, 0, 400, 0, tcp, sizeof(tcp));
	/* IPv4 header length 4 words */
	{
		uint8_t ip[40] = { 0x44, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 1, 66, 10, 0, 0, 10 };
		raw_ip(g, ip, sizeof(ip));
	}
	/* IPv4 version 5 */
	{
		uint8_t ip[40] = { 0x55, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 1, 66, 10, 0, 0, 10 };
		raw_ip(g, ip, sizeof(ip));
	}
	/* IPv4 options: a length that runs past the header, then length 1 */
	{
		const uint8_t opt1[4] = { 0x07, 0x09, 0x04, 0x00 };
		gen_ip4_raw(g, src, dst, 6, opt1, sizeof(opt1), 0, 0, tcp, sizeof(tcp));
		const uint8_t opt2[4] = { 0x83, 0x01, 0x00, 0x00 };
		gen_ip4_raw(g, src, dst, 6, opt2, sizeof(opt2), 0, 0, tcp, sizeof(tcp));
	}
	/* TCP data offset 4 words */
	{
		struct sess s;
		sess_init(&s, g, 6, src, 50100, dst, 502, false);
		tcp_raw(&s, DIR_C2S, 0x02, 4, NULL, 0);
	}
	/* TCP header cut short */
	gen_ip4_raw(g, src, dst, 6, NULL, 0, 0, 0, tcp, 12);
	/* UDP length beyond the packet, and below 8 */
	{
		uint8_t u[12] = { 0x4e, 0x20, 0x4e, 0x20, 0x01, 0x00, 0, 0, 1, 2, 3, 4 };
		gen_ip4_raw(g, src, dst, 17, NULL, 0, 0, 0, u, sizeof(u));
		u[4] = 0;
		u[5] = 4;
		gen_ip4_raw(g, src, dst, 17, NULL, 0, 0, 0, u, sizeof(u));
	}
	/* a fragment that would make the datagram larger than 65535 bytes */
	{
		uint8_t d[64];
		memset(d, 'F', sizeof(d));
		gen_ip4_raw(g, src, dst, 17, NULL, 0, 0, 0x2000 | 8190, d, sizeof(d));
	}
	/* an IPv6 fragment that would end beyond 65535 bytes */
	{
		uint8_t a[16], b[16], d[64];
		ip6(a, 0x1, 66);
		ip6(b, 0, 10);
		memset(d, 'F', sizeof(d));
		gen_ip6_frag(g, a, b, 17, 0x99, 65528, true, d, sizeof(d));
	}
	/* ICMP too short */
	gen_ip4_raw(g, src, dst, 1, NULL, 0, 0, 0, "\x08", 1);
	/* IPv6 cut inside its header, and with a truncated extension header */
	{
		uint8_t ip6h[30] = { 0x60, 0, 0, 0, 0, 40, 6, 64 };
		gen_ether(g, 0x86dd, ip6h, sizeof(ip6h));
		uint8_t e[44] = { 0x60, 0, 0, 0, 0, 4, 0, 64 };
		e[8] = 0xfd;
		e[23] = 0x42;
		e[24] = 0xfd;
		e[39] = 0x0f;
		e[40] = 6;
		e[41] = 4; /* hop-by-hop of 40 bytes, 4 given */
		gen_ether(g, 0x86dd, e, sizeof(e));
	}
	/* a VLAN tag with nothing after it */
	gen_ether(g, 0x8100, "\x00", 1);
	/* industrial EtherTypes: GOOSE, PROFINET RT, EtherCAT */
	{
		const uint8_t goose[] = { 0x00, 0x01, 0x00, 0x10, 0, 0, 0, 0, 0x61, 0x06, 0x80, 0x04,
					  'L', 'D', '0', '1' };
		gen_ether(g, 0x88b8, goose, sizeof(goose));
		const uint8_t pn[] = { 0xfe, 0xfe, 0x05, 0x00, 0, 0, 0, 1, 0, 0 };
		gen_ether(g, 0x8892, pn, sizeof(pn));
		const uint8_t ecat[] = { 0x0c, 0x10, 0x07, 0x00, 0, 0, 0x30, 0x01, 2, 0, 0, 0 };
		gen_ether(g, 0x88a4, ecat, sizeof(ecat));
	}
	/* an IPv4 header checksum that is wrong (counted, not fatal) */
	{
		uint8_t ip[40] = { 0x45, 0, 0, 40, 0, 9, 0x40, 0, 64, 6, 0xde, 0xad, 10, 0, 1, 66, 10, 0, 0, 10 };
		memcpy(ip + 20, tcp, sizeof(tcp));
		raw_ip(g, ip, sizeof(ip));
	}
	return 0;
}

/* ---- large scenarios ---------------------------------------------------------- */

#define Q_MB 32
#define Q_DNP 8
#define Q_IEC 8
#define Q_S7 4
#define Q_ENIP 4

int sc_quiet_plant(struct gen *g)
{
	static struct sess mb[Q_MB], dn[Q_DNP], ie[Q_IEC], st[Q_S7], ei[Q_ENIP];
	uint16_t tid[Q_MB], ns[Q_IEC] = { 0 }, nr[Q_IEC] = { 0 }, ref[Q_S7];
	uint8_t dseq[Q_DNP] = { 0 };
	uint64_t ctx[Q_ENIP];
	uint8_t m[2][16], ip[16], off[16], dnsip[16];
	static struct buf q, r;
	ip4(m[0], 10, 0, 0, 2);
	ip4(m[1], 10, 0, 0, 3);
	for (int i = 0; i < Q_MB; i++) {
		ip4(ip, 10, 0, 0, 100 + (unsigned)i);
		sess_init(&mb[i], g, 6, m[i & 1], (uint16_t)(30000 + i), ip, 502, false);
		mb[i].gap_us = 50;
		tcp_open(&mb[i]);
		tid[i] = 1;
	}
	for (int i = 0; i < Q_DNP; i++) {
		ip4(ip, 10, 0, 0, 140 + (unsigned)i);
		sess_init(&dn[i], g, 6, m[i & 1], (uint16_t)(31000 + i), ip, 20000, false);
		dn[i].gap_us = 50;
		tcp_open(&dn[i]);
	}
	for (int i = 0; i < Q_IEC; i++) {
		ip4(ip, 10, 0, 0, 150 + (unsigned)i);
		sess_init(&ie[i], g, 6, m[i & 1], (uint16_t)(32000 + i), ip, 2404, false);
		ie[i].gap_us = 50;
		tcp_open(&ie[i]);
		iec104_u(&q, 0x07);
		iec104_u(&r, 0x0b);
		tcp_exchange(&ie[i], &q, &r);
	}
	for (int i = 0; i < Q_S7; i++) {
		ip4(ip, 10, 0, 0, 160 + (unsigned)i);
		sess_init(&st[i], g, 6, m[i & 1], (uint16_t)(33000 + i), ip, 102, false);
		st[i].gap_us = 50;
		tcp_open(&st[i]);
		s7_cotp_cr(&q, false, 0x0100, 0x0102);
		s7_cotp_cr(&r, true, 0x0100, 0x0102);
		tcp_exchange(&st[i], &q, &r);
		ref[i] = 1;
	}
	for (int i = 0; i < Q_ENIP; i++) {
		ip4(ip, 10, 0, 0, 170 + (unsigned)i);
		sess_init(&ei[i], g, 6, m[i & 1], (uint16_t)(34000 + i), ip, 44818, false);
		ei[i].gap_us = 50;
		tcp_open(&ei[i]);
		ctx[i] = 1;
	}
	struct sess dns;
	ip4(off, 10, 0, 0, 2);
	ip4(dnsip, 10, 0, 0, 53);
	sess_init(&dns, g, 17, off, 35000, dnsip, 53, false);
	dns.gap_us = 50;
	unsigned round = 0;
	while (g->packets < g->max_packets) {
		for (int i = 0; i < Q_MB && g->packets < g->max_packets; i++) {
			/* holding registers every round, coils every fourth */
			mb_read(&q, tid[i], 1, 3, 0, 10);
			mb_read_resp_regs(&r, tid[i], 1, 3, 10, (uint16_t)(round + (unsigned)i));
			tcp_exchange(&mb[i], &q, &r);
			tid[i]++;
			if ((round & 3) == 0) {
				mb_read(&q, tid[i], 1, 1, 0, 16);
				mb_read_resp_regs(&r, tid[i], 1, 1, 16, (uint16_t)round);
				tcp_exchange(&mb[i], &q, &r);
				tid[i]++;
			}
		}
		for (int i = 0; i < Q_DNP; i++)
			plant_dnp3_poll(&dn[i], &dseq[i], 1);
		for (int i = 0; i < Q_IEC; i++)
			plant_iec104_poll(&ie[i], &ns[i], &nr[i], 1);
		for (int i = 0; i < Q_S7; i++)
			plant_s7_poll(&st[i], &ref[i], 1);
		for (int i = 0; i < Q_ENIP; i++)
			plant_enip_poll(&ei[i], 0x3001, &ctx[i], 1);
		if ((round & 15) == 0)
			bg_dns(g, &dns, 1);
		round++;
	}
	return 0;
}

int sc_alert_storm(struct gen *g)
{
	uint8_t bad[16], ip[16];
	static struct buf q, r;
	enum { N = 16 };
	static struct sess mb[N], st[4], ie[4];
	uint16_t tid[N], ref[4] = { 1, 1, 1, 1 }, ns[4] = { 0 };
	ip4(bad, 10, 0, 1, 66);
	for (int i = 0; i < N; i++) {
		ip4(ip, 10, 0, 0, 100 + (unsigned)i);
		sess_init(&mb[i], g, 6, bad, (uint16_t)(36000 + i), ip, 502, false);
		mb[i].gap_us = 50;
		tcp_open(&mb[i]);
		tid[i] = 1;
	}
	for (int i = 0; i < 4; i++) {
		ip4(ip, 10, 0, 0, 160 + (unsigned)i);
		sess_init(&st[i], g, 6, bad, (uint16_t)(37000 + i), ip, 102, false);
		st[i].gap_us = 50;
		tcp_open(&st[i]);
		s7_cotp_cr(&q, false, 0x0100, 0x0102);
		s7_cotp_cr(&r, true, 0x0100, 0x0102);
		tcp_exchange(&st[i], &q, &r);
		ip4(ip, 10, 0, 0, 150 + (unsigned)i);
		sess_init(&ie[i], g, 6, bad, (uint16_t)(38000 + i), ip, 2404, false);
		ie[i].gap_us = 50;
		tcp_open(&ie[i]);
		iec104_u(&q, 0x07);
		iec104_u(&r, 0x0b);
		tcp_exchange(&ie[i], &q, &r);
	}
	unsigned round = 0;
	while (g->packets < g->max_packets) {
		for (int i = 0; i < N && g->packets < g->max_packets; i++) {
			/* write from a host that is not a master: every request alerts */
			mb_write_single(&q, tid[i], 1, 6, (uint16_t)(round & 0xff), (uint16_t)round);
			mb_write_single(&r, tid[i], 1, 6, (uint16_t)(round & 0xff), (uint16_t)round);
			tcp_exchange(&mb[i], &q, &r);
			tid[i]++;
		}
		for (int i = 0; i < 4; i++) {
			uint8_t p[14] = { 0x05, 1, 0x12, 0x0a, 0x10, 0x02, 0, 1, 0, 0, 0x82, 0, 0, 0 };
			const uint8_t d[] = { 0x00, 0x04, 0x00, 0x08, (uint8_t)round };
			const uint8_t rp[] = { 0x05, 1 }, rd[] = { 0xff };
			s7_pdu(&q, 1, ref[i], p, sizeof(p), d, sizeof(d), 0);
			s7_pdu(&r, 3, ref[i], rp, 2, rd, 1, 0);
			tcp_exchange(&st[i], &q, &r);
			ref[i]++;
			static struct buf as;
			b_reset(&as);
			iec104_asdu_hdr(&as, 45, 1, 6, 0, 1);
			b_le24(&as, 7001);
			b_u8(&as, round & 1);
			iec104_i(&q, ns[i], 0, as.b, as.n);
			ns[i] = (uint16_t)((ns[i] + 1) & 0x7fff);
			tcp_send(&ie[i], DIR_C2S, q.b, q.n);
			tcp_ack(&ie[i], DIR_S2C);
		}
		round++;
	}
	return 0;
}

int sc_flow_flood(struct gen *g)
{
	uint8_t dst[16], src[16];
	static struct buf q;
	ip4(dst, 10, 0, 0, 10);
	for (uint64_t i = 0; i < g->flows; i++) {
		struct sess s;
		ip4(src, 172, 16 + (unsigned)((i >> 16) & 15), (unsigned)((i >> 8) & 0xff), (unsigned)(i & 0xff));
		uint16_t sport = (uint16_t)(1024 + (i >> 20));
		sess_init(&s, g, 6, src, sport, dst, 502, false);
		s.gap_us = 5;
		tcp_open(&s);
		mb_read(&q, 1, 1, 3, 0, 1);
		tcp_send(&s, DIR_C2S, q.b, q.n);
	}
	return 0;
}

int sc_xdp_mix(struct gen *g)
{
	uint8_t m[16], plc[16], c[16], srv[16], dns[16];
	static struct buf q, r;
	ip4(m, 10, 0, 0, 2);
	ip4(plc, 10, 0, 0, 10);
	ip4(c, 192, 168, 1, 10);
	ip4(srv, 192, 168, 1, 1);
	ip4(dns, 192, 168, 1, 53);
	struct sess mb, web, d;
	sess_init(&mb, g, 6, m, 44000, plc, 502, false);
	sess_init(&web, g, 6, c, 44001, srv, 80, false);
	sess_init(&d, g, 17, c, 44002, dns, 53, false);
	mb.gap_us = web.gap_us = d.gap_us = 20;
	tcp_open(&mb);
	tcp_open(&web);
	uint16_t tid = 1;
	static char chunk[1200];
	memset(chunk, 'w', sizeof(chunk));
	while (g->packets < g->max_packets) {
		/* 3 industrial packets, 27 others */
		if (tid % 20 == 0) {
			mb_write_single(&q, tid, 1, 6, 7, tid);
			mb_write_single(&r, tid, 1, 6, 7, tid);
		} else {
			mb_read(&q, tid, 1, 3, 0, 4);
			mb_read_resp_regs(&r, tid, 1, 3, 4, tid);
		}
		tcp_exchange(&mb, &q, &r);
		tid++;
		for (int i = 0; i < 11; i++)
			tcp_send(&web, DIR_S2C, chunk, sizeof(chunk));
		tcp_ack(&web, DIR_C2S);
		for (int i = 0; i < 11; i++)
			tcp_send(&web, DIR_S2C, chunk, sizeof(chunk));
		tcp_ack(&web, DIR_C2S);
		bg_dns(g, &d, 2);
	}
	return 0;
}

/* ---- fuzz seeds ------------------------------------------------------------- */

static const char *seed_dir;
static FILE *seed_pkt;
static unsigned seed_frames, seed_files;
static const char *seed_scenario;
static unsigned seed_count[8];

static const char *proto_of_port(uint16_t port, int *idx)
{
	switch (port) {
	case 502: case 5020: *idx = 0; return "modbus";
	case 20000: *idx = 1; return "dnp3";
	case 2404: *idx = 2; return "iec104";
	case 102: *idx = 3; return "s7comm";
	case 44818: case 2222: *idx = 4; return "enip";
	default: return NULL;
	}
}

static void seed_payload(struct gen *g, uint16_t port, const uint8_t *p, size_t n)
{
	(void)g;
	int idx = 0;
	const char *proto = proto_of_port(port, &idx);
	if (!proto || seed_count[idx] >= 400)
		return;
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/gen-%s-%03u", seed_dir, proto, seed_scenario,
		 seed_count[idx]++);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

static void seed_frame(struct gen *g, const uint8_t *p, size_t n)
{
	(void)g;
	if (!seed_pkt || seed_frames == 24) {
		if (seed_pkt)
			fclose(seed_pkt);
		char path[512];
		snprintf(path, sizeof(path), "%s/packet/gen-%s-%03u", seed_dir, seed_scenario, seed_files++);
		seed_pkt = fopen(path, "wb");
		seed_frames = 0;
		if (!seed_pkt)
			return;
	}
	uint8_t h[4] = { (uint8_t)n, (uint8_t)(n >> 8), 0, 1 };
	fwrite(h, 1, 4, seed_pkt);
	fwrite(p, 1, n, seed_pkt);
	seed_frames++;
}

int gen_seeds(const char *dir)
{
	static const char *const sub[] = { "", "/modbus", "/dnp3", "/iec104", "/s7comm", "/enip", "/packet" };
	char path[512];
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, sub[i]);
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "vigil-gen: %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	static const struct {
		const char *name;
		int (*run)(struct gen *);
	} sc[] = { { "modbus", sc_modbus }, { "dnp3", sc_dnp3 },     { "iec104", sc_iec104 },
		   { "s7comm", sc_s7comm }, { "enip", sc_enip },     { "transport", sc_transport },
		   { "malformed", sc_malformed }, { "demo", sc_demo }, { "tunnel", sc_tunnel } };
	seed_dir = dir;
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
		struct gen g = { 0 };
		g.rng = 0x9E3779B97F4A7C15ull + 1;
		g.ts_us = 1700000000000000ull;
		g.ip_id = 1;
		g.on_frame = seed_frame;
		g.on_payload = seed_payload;
		seed_scenario = sc[i].name;
		seed_files = 0;
		sc[i].run(&g);
		if (seed_pkt) {
			fclose(seed_pkt);
			seed_pkt = NULL;
		}
	}
	printf("seeds written to %s\n", dir);
	return 0;
}
