/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Floods against the sensor's bounds (issue 19): IP fragments that never
 * complete, followed by legitimate fragmented datagrams that must still be
 * reassembled; and TCP connection attempts that never carry a byte (the
 * worst case for per-flow state that waits for payload, such as nDPI's).
 */
#include "gen.h"

#include <string.h>

/* --packets first fragments (1480 bytes of a UDP datagram, more fragments
 * to come, never sent) from 172.16.0.0/12 to the plant, 20 us apart; then
 * ten DNP3 cold restart requests over UDP from hosts that are not masters
 * (10.0.1.101-110) to outstations 10.0.0.31-40, each datagram (23 bytes)
 * in three fragments sent together: the shipped rules alert on each (sid
 * 9101010, and 9101022 for a restart from a non-master). */
int sc_frag_flood(struct gen *g)
{
	static uint8_t junk[1480];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)gen_rand(g);
	uint64_t n = g->max_packets;
	for (uint64_t i = 0; i < n; i++) {
		uint8_t src[4] = { 172, (uint8_t)(16 + ((i >> 16) & 15)), (uint8_t)(i >> 8), (uint8_t)i };
		uint8_t dst[4] = { 10, 0, 0, (uint8_t)(10 + i % 50) };
		junk[0] = (uint8_t)(i >> 8); /* UDP source port: not all alike */
		junk[1] = (uint8_t)i;
		gen_tick(g, 20);
		gen_ip4_raw(g, src, dst, 17, NULL, 0, 0, 0x2000, junk, sizeof(junk));
	}
	gen_tick(g, 100000);
	static struct buf f;
	const uint8_t cold_restart[] = { 0xc0, 13 };
	for (unsigned k = 0; k < 10; k++) {
		uint8_t cli[16], os[16];
		ip4(cli, 10, 0, 1, 101 + k);
		ip4(os, 10, 0, 0, 31 + k);
		struct sess s;
		sess_init(&s, g, 17, cli, (uint16_t)(20000 + k), os, 20000, false);
		s.gap_us = 50;
		uint8_t tseq = 0;
		dnp3_msg(&f, true, (uint16_t)(10 + k), 1, &tseq, cold_restart, sizeof(cold_restart), 249);
		udp_send_frag(&s, DIR_C2S, f.b, f.n, 8, false);
		gen_tick(g, 10000);
	}
	return 0;
}

/* --flows TCP SYNs, each from a source address and port of its own to a
 * Modbus server, 5 us apart; nothing else: no flow ever sees a byte of
 * payload, so nothing decides what protocol it carries. */
int sc_syn_flood(struct gen *g)
{
	uint8_t dst[16], src[16];
	ip4(dst, 10, 0, 0, 10);
	for (uint64_t i = 0; i < g->flows; i++) {
		struct sess s;
		ip4(src, 172, 16 + (unsigned)((i >> 16) & 15), (unsigned)((i >> 8) & 0xff),
		    (unsigned)(i & 0xff));
		sess_init(&s, g, 6, src, (uint16_t)(1024 + (i >> 20)), dst, 502, false);
		s.gap_us = 5;
		tcp_raw(&s, DIR_C2S, 0x02, 5, NULL, 0);
	}
	return 0;
}
