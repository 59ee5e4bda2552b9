/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_FUZZ_APP_H
#define VIGIL_FUZZ_APP_H

/*
 * One libFuzzer target per protocol parser, all built from this file: the
 * input is a byte stream that is fed to the parser behind the real framing
 * core, to the server in chunks whose sizes come from the input itself, to
 * the client in other chunks, with a gap in the middle, and as datagrams
 * when the protocol runs over UDP. Every transaction is written as EVE
 * JSON and checked to be one object; every keyword match is evaluated. The
 * seed corpus is written by `vigil-gen seeds` (one PDU per file).
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/framing.h"
#include "util/jb.h"
#include "vigil/asset.h"
#include "vigil/detect_kw.h"

struct fz {
	const struct proto_parser *p;
	void *kwdata[16];
	unsigned n_kw;
	struct jb jb;
};

static void fz_tx(void *user, const struct app_tx *tx)
{
	struct fz *z = user;
	jb_reset(&z->jb);
	jb_open_object(&z->jb, NULL);
	z->p->log_tx(tx, &z->jb);
	jb_close(&z->jb);
	if (jb_ok(&z->jb) && (z->jb.len < 2 || z->jb.buf[0] != '{' || z->jb.buf[z->jb.len - 1] != '}'))
		__builtin_trap();
	if (z->p->tx_function)
		(void)z->p->tx_function(tx);
	/* the asset inventory's hook, as a worker calls it */
	for (int first = 0; z->p->identity && first < 2; first++) {
		struct app_identity id;
		if (!z->p->identity(tx, first, &id))
			continue;
		for (int f = 0; f < APP_IDF__COUNT; f++)
			if ((id.have & (1u << f)) && !memchr(id.str[f], 0, APP_ID_STR))
				__builtin_trap();
		if (id.n_num > APP_ID_MAX_NUM || id.n_ext > APP_ID_MAX_EXT ||
		    !memchr(id.component, 0, APP_ID_COMPONENT))
			__builtin_trap();
	}
	unsigned k = 0;
	for (uint16_t i = 0; i < z->p->n_keywords; i++) {
		const struct app_keyword *kw = &z->p->keywords[i];
		if (kw->match && k < z->n_kw)
			(void)kw->match(z->kwdata[k++], tx);
		if (kw->buffer) {
			size_t len = 0;
			const uint8_t *b = kw->buffer(tx, &len);
			volatile uint8_t sink = 0;
			for (size_t j = 0; b && j < len; j++)
				sink ^= b[j];
			(void)sink;
		}
	}
}

static void fz_event(void *user, const struct proto_parser *p, uint16_t ev)
{
	(void)user;
	if (p && ev >= p->n_events)
		__builtin_trap();
}

/* keyword arguments that parse for every keyword of a protocol: a small
 * integer works for all integer keywords; named ones get a name */
static const char *fz_kw_arg(const char *name)
{
	if (strcmp(name, "modbus") == 0)
		return "access write holding, address <10";
	if (strcmp(name, "dnp3_obj") == 0 || strcmp(name, "dnp3.obj") == 0)
		return "30,1";
	if (strcmp(name, "dnp3_ind") == 0 || strcmp(name, "dnp3.ind") == 0)
		return "device_restart";
	if (strcmp(name, "iec104.apci") == 0)
		return "i";
	if (strcmp(name, "cip_service") == 0)
		return "14,1,7";
	if (strcmp(name, "pn_dcp.requester") == 0)
		return "02:00:00:00:00:01";
	return "1";
}

static int fz_run(const struct proto_parser *p, const uint8_t *data, size_t size)
{
	struct fz z;
	memset(&z, 0, sizeof(z));
	z.p = p;
	jb_init(&z.jb, 1 << 20);
	for (uint16_t i = 0; i < p->n_keywords && z.n_kw < 16; i++) {
		const struct app_keyword *kw = &p->keywords[i];
		if (!kw->match || !kw->setup)
			continue;
		char err[256];
		void *d = NULL;
		if (kw->setup(fz_kw_arg(kw->name), &d, err, sizeof(err)) != 0)
			__builtin_trap(); /* the argument above must parse */
		z.kwdata[z.n_kw++] = d;
	}
	struct app_mem mem = { 0, 1 << 20, 0 };
	static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 1 }, mac_b[6] = { 0x01, 0x0c, 0xcd, 1, 0, 1 };
	for (int transport = APP_TCP; transport <= APP_L2; transport <<= 1) {
		if (!(p->transport & transport))
			continue;
		struct app_ctx ctx;
		memset(&ctx, 0, sizeof(ctx));
		ctx.proto = p;
		ctx.fi.transport = (uint8_t)transport;
		ctx.fi.client_port = 40000;
		ctx.fi.server_port = p->tcp_ports ? p->tcp_ports[0] : 1;
		if (transport == APP_L2) { /* a frame of the parser's EtherType */
			ctx.fi.client_port = ctx.fi.server_port = 0;
			ctx.fi.src_mac = mac_a;
			ctx.fi.dst_mac = mac_b;
		}
		ctx.user = &z;
		ctx.on_tx = fz_tx;
		ctx.on_event = fz_event;
		ctx.mem = &mem;
		void *st = p->state_new(&ctx.fi);
		if (!st)
			continue;
		if (p->probe) {
			(void)p->probe(data, size, 0);
			(void)p->probe(data, size, 1);
		}
		if (transport == APP_TCP) {
			struct app_pdu_buf pb[2];
			memset(pb, 0, sizeof(pb));
			for (int dir = 0; dir < 2; dir++) {
				size_t off = 0, i = 0;
				while (off < size) {
					/* chunk sizes from the data: 1..64 bytes */
					size_t k = (size_t)(data[(i * 7 + (size_t)dir) % size] & 63) + 1;
					if (k > size - off)
						k = size - off;
					app_stream_feed(&ctx, st, &pb[dir], (uint8_t)dir, data + off, k);
					off += k;
					if (++i == 5 && dir == 1)
						app_stream_gap(&ctx, st, &pb[dir], (uint8_t)dir);
				}
			}
			app_pdu_buf_free(&ctx, &pb[0]);
			app_pdu_buf_free(&ctx, &pb[1]);
		} else if (transport == APP_UDP) {
			app_datagram(&ctx, st, 0, data, size);
			app_datagram(&ctx, st, 1, data, size);
		} else {
			/* L2: one state for every frame (per-publisher tables); the
			 * input as one frame, then as frames split at its bytes of
			 * value 0x88 (so that a table sees several publishers), in
			 * packet time that moves on by a second per frame */
			app_datagram(&ctx, st, APP_TOSERVER, data, size);
			size_t start = 0;
			for (size_t i = 0; i <= size; i++) {
				if (i < size && data[i] != 0x88)
					continue;
				ctx.fi.ts += 1000000;
				if (i > start)
					app_datagram(&ctx, st, APP_TOSERVER, data + start, i - start);
				start = i + 1;
			}
		}
		p->state_free(st);
		if (mem.used != 0)
			__builtin_trap(); /* every partial-PDU byte given back */
	}
	for (uint16_t i = 0, k = 0; i < p->n_keywords; i++) {
		const struct app_keyword *kw = &p->keywords[i];
		if (!kw->match || !kw->setup || k >= z.n_kw)
			continue;
		if (kw->free)
			kw->free(z.kwdata[k]);
		else
			free(z.kwdata[k]);
		k++;
	}
	jb_free(&z.jb);
	return 0;
}

#define FUZZ_PARSER(sym)                                                            \
	extern const struct proto_parser sym;                                        \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                 \
	{                                                                            \
		if (size == 0)                                                       \
			return 0;                                                    \
		return fz_run(&sym, data, size);                                     \
	}

#endif
