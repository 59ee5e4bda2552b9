/* SPDX-License-Identifier: BSD-3-Clause */
/* The facts of the eight parsers that give them (proto_parser.facts) on
 * arbitrary input: the first byte picks the parser, the rest is fed to it
 * behind the real framing core (a TCP stream each way, datagrams, or L2
 * frames); each transaction's facts are filled with and without values and
 * checked (bounded lists, ordered ranges, names and strings readable,
 * codes within their enums), then learned and compared with what was
 * learned (the baseline's own path). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly/baseline.h"
#include "proto/framing.h"

extern const struct proto_parser proto_modbus, proto_dnp3, proto_iec104, proto_s7comm, proto_enip,
	proto_bacnet, proto_opcua, proto_goose;

static const struct proto_parser *const parsers[] = {
	&proto_modbus, &proto_dnp3, &proto_iec104, &proto_s7comm,
	&proto_enip, &proto_bacnet, &proto_opcua, &proto_goose,
};

struct fz {
	struct bl_worker *learn;
	struct flow f;
	struct packet p;
};

static volatile uint8_t sink;

static void readable(const void *s, size_t n)
{
	const uint8_t *b = s;
	for (size_t i = 0; i < n; i++)
		sink ^= b[i];
}

static void check(const struct app_facts *f)
{
	if (f->n_ranges > APP_FACTS_RANGES || f->n_values > APP_FACTS_VALUES ||
	    f->n_names > APP_FACTS_NAMES || f->n_idents > APP_FACTS_IDENTS ||
	    f->ranges_total < f->n_ranges || f->values_total < f->n_values ||
	    f->names_total < f->n_names || f->fclass >= APP_FCLASS__COUNT || f->role > APP_ROLE_REPORT ||
	    f->buf_used > sizeof(f->buf))
		__builtin_trap();
	if (f->function_name)
		readable(f->function_name, strlen(f->function_name));
	if (f->has_unit && f->unit_name)
		readable(f->unit_name, strlen(f->unit_name));
	for (unsigned i = 0; i < f->n_ranges; i++) {
		if (f->ranges[i].lo > f->ranges[i].hi || !f->ranges[i].sp.name)
			__builtin_trap();
		readable(f->ranges[i].sp.name, strlen(f->ranges[i].sp.name));
	}
	for (unsigned i = 0; i < f->n_values; i++)
		if (f->values[i].v != f->values[i].v || !f->values[i].sp.name)
			__builtin_trap(); /* no NaN is kept */
	for (unsigned i = 0; i < f->n_names; i++)
		readable(f->names[i].s, f->names[i].len);
	for (unsigned i = 0; i < f->n_idents; i++) {
		readable(f->idents[i].key, strlen(f->idents[i].key));
		readable(f->idents[i].s, f->idents[i].len);
	}
}

static void on_tx(void *user, const struct app_tx *tx)
{
	struct fz *z = user;
	struct app_facts f;
	app_facts_init(&f, tx->is_response ? APP_ROLE_RESPONSE : APP_ROLE_REQUEST);
	tx->proto->facts(tx, &f);
	check(&f);
	app_facts_init(&f, APP_ROLE_REQUEST);
	f.want_values = false;
	tx->proto->facts(tx, &f);
	check(&f);
	if (f.n_values)
		__builtin_trap(); /* not asked for */
	z->p.ts += 1000;
	z->p.pcap_cnt++;
	bl_tx(z->learn, &z->p, tx->proto->transport == APP_L2 ? NULL : &z->f, tx);
}

static void on_event(void *user, const struct proto_parser *p, uint16_t ev)
{
	(void)user;
	(void)p;
	(void)ev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const struct proto_parser *p = parsers[data[0] % (sizeof(parsers) / sizeof(parsers[0]))];
	data++;
	size--;
	struct bl_config c;
	bl_config_defaults(&c);
	c.max_conversations = 4;
	c.max_functions = 4;
	c.max_ranges = 4;
	c.max_names = 4;
	c.max_values = 8;
	struct bl_learner *l = bl_learner_new(&c);
	static struct fz z;
	memset(&z, 0, sizeof(z));
	z.learn = l ? bl_worker_new(&c, NULL, l, 0, NULL, NULL, NULL) : NULL;
	if (!z.learn) {
		bl_learner_free(l);
		return 0;
	}
	z.f.key.ip_ver = 4;
	z.f.key.addr[0].a[0] = 10;
	z.f.key.addr[1].a[0] = 10;
	z.f.key.addr[1].a[3] = 1;
	static uint8_t frame[14] = { 1, 0x0c, 0xcd, 1, 0, 1, 2, 0, 0, 0, 0, 1, 0x88, 0xb8 };
	z.p.data = frame;
	z.p.caplen = sizeof(frame);
	z.p.linktype = 1;
	struct app_mem mem = { 0, 1 << 20, 0 };
	for (int transport = APP_TCP; transport <= APP_L2; transport <<= 1) {
		if (!(p->transport & transport))
			continue;
		struct app_ctx ctx;
		memset(&ctx, 0, sizeof(ctx));
		ctx.proto = p;
		ctx.fi.transport = (uint8_t)transport;
		ctx.fi.client_port = 40000;
		ctx.fi.server_port = p->tcp_ports ? p->tcp_ports[0] : 1;
		ctx.fi.src_mac = frame + 6;
		ctx.fi.dst_mac = frame;
		ctx.user = &z;
		ctx.on_tx = on_tx;
		ctx.on_event = on_event;
		ctx.mem = &mem;
		void *st = p->state_new(&ctx.fi);
		if (!st)
			continue;
		if (transport == APP_TCP) {
			struct app_pdu_buf pb[2];
			memset(pb, 0, sizeof(pb));
			for (int dir = 0; dir < 2; dir++) {
				size_t off = 0, i = 0;
				while (off < size) {
					size_t k = (size_t)(data[(i++ * 7 + (size_t)dir) % size] & 63) + 1;
					if (k > size - off)
						k = size - off;
					app_stream_feed(&ctx, st, &pb[dir], (uint8_t)dir, data + off, k);
					off += k;
				}
			}
			app_pdu_buf_free(&ctx, &pb[0]);
			app_pdu_buf_free(&ctx, &pb[1]);
		} else {
			app_datagram(&ctx, st, 0, data, size);
			if (transport == APP_UDP)
				app_datagram(&ctx, st, 1, data, size);
		}
		p->state_free(st);
	}
	bl_flow_end(z.learn, &z.f);
	bl_worker_free(z.learn);
	struct bl_model *m = bl_learner_model(l, NULL);
	bl_learner_free(l);
	if (!m)
		return 0;
	/* what was learned reads back as itself */
	char *t = NULL, *t2 = NULL;
	long n = bl_model_text(m, &t);
	char err[512];
	struct bl_model *m2 = n > 0 ? bl_load_mem("facts.json", t, (size_t)n, &c, err, sizeof(err)) : NULL;
	if (n > 0 && !m2)
		__builtin_trap();
	if (m2 && (bl_model_text(m2, &t2) != n || memcmp(t, t2, (size_t)n) != 0))
		__builtin_trap();
	free(t);
	free(t2);
	bl_model_free(m2);
	bl_model_free(m);
	return 0;
}
