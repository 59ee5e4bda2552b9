/* SPDX-License-Identifier: BSD-3-Clause */
#include "proto/registry.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/packet.h"

/* Every parser, in probe order for flows on ports nobody claims. */
extern const struct proto_parser proto_modbus;
extern const struct proto_parser proto_dnp3;
extern const struct proto_parser proto_iec104;
extern const struct proto_parser proto_s7comm;
extern const struct proto_parser proto_enip;
extern const struct proto_parser proto_bacnet;
extern const struct proto_parser proto_opcua;
extern const struct proto_parser proto_mqtt;
extern const struct proto_parser proto_mms;
extern const struct proto_parser proto_goose;
extern const struct proto_parser proto_pn_dcp;

/* MMS before S7comm: both run over TPKT/COTP on port 102, and the S7comm
 * probe only says yes to a COTP data TPDU that carries S7 (0x32/0x72). */
const struct proto_parser *const app_parsers[] = {
	&proto_modbus,
	&proto_dnp3,
	&proto_iec104,
	&proto_mms,
	&proto_s7comm,
	&proto_enip,
	&proto_bacnet,
	&proto_opcua,
	&proto_mqtt,
	&proto_goose,
	&proto_pn_dcp,
};
const size_t app_n_parsers = sizeof(app_parsers) / sizeof(app_parsers[0]);

struct probe_buf {
	uint16_t len[2];
	uint8_t first_dir;
	uint8_t no[2][(APP_MAX_PROTOS + 7) / 8]; /* parsers that said NO, per dir */
	uint8_t buf[2][APP_PROBE_MAX];
};

struct pdu_pair {
	struct app_pdu_buf b[2];
};

int app_parser_index(const char *name)
{
	for (size_t i = 0; i < app_n_parsers; i++)
		if (app_parsers[i] && strcmp(app_parsers[i]->name, name) == 0)
			return (int)i;
	return -1;
}

int app_parser_index_of(const struct proto_parser *p)
{
	for (size_t i = 0; i < app_n_parsers; i++)
		if (app_parsers[i] == p)
			return (int)i;
	return -1;
}

const struct proto_parser *app_parser_by_name(const char *name)
{
	int i = app_parser_index(name);
	return i < 0 ? NULL : app_parsers[i];
}

void app_config_defaults(struct app_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < app_n_parsers && i < APP_MAX_PROTOS; i++) {
		cfg->proto[i].enabled = true;
		cfg->proto[i].log_tx = false; /* opt-in: see vigil.yaml */
	}
	cfg->pdu_memcap = 64ull << 20;
}

void app_layer_init(struct app_layer *al, const struct app_config *cfg)
{
	memset(al, 0, sizeof(*al));
	al->cfg = cfg;
	al->mem.cap = cfg->pdu_memcap;
}

static bool port_in(const uint16_t *ports, size_t max, uint16_t port)
{
	for (size_t i = 0; ports && i < max && ports[i]; i++)
		if (ports[i] == port)
			return true;
	return false;
}

/* Does parser i claim this server port for this transport? */
static bool claims_port(const struct app_config *cfg, size_t i, uint8_t ipproto, uint16_t port)
{
	const struct proto_parser *p = app_parsers[i];
	if (!p || !cfg->proto[i].enabled)
		return false;
	if (ipproto == IPPROTO_TCP)
		return (p->transport & APP_TCP) &&
		       (port_in(p->tcp_ports, 64, port) ||
			port_in(cfg->proto[i].tcp_ports, APP_MAX_EXTRA_PORTS, port));
	if (ipproto == IPPROTO_UDP)
		return (p->transport & APP_UDP) &&
		       (port_in(p->udp_ports, 64, port) ||
			port_in(cfg->proto[i].udp_ports, APP_MAX_EXTRA_PORTS, port));
	return false;
}

bool app_is_server_port(const struct app_config *cfg, uint8_t ipproto, uint16_t port)
{
	for (size_t i = 0; i < app_n_parsers; i++)
		if (claims_port(cfg, i, ipproto, port))
			return true;
	return false;
}

const char *app_event_name(const struct proto_parser *p, uint16_t ev)
{
	if (!p)
		return ev < APP_EV__COUNT ? app_core_events[ev] : "applayer.unknown";
	return ev < p->n_events && p->events ? p->events[ev] : "unknown";
}

/* A flow whose protocol could not be identified (or not be set up). */
static void count_failed(struct app_layer *al, const struct flow *f)
{
	al->failed++;
	al->failed_udp += f->key.proto == IPPROTO_UDP;
}

static int parser_index_of(const struct proto_parser *p)
{
	for (size_t i = 0; i < app_n_parsers; i++)
		if (app_parsers[i] == p)
			return (int)i;
	return -1;
}

static void ctx_on_tx(void *user, const struct app_tx *tx)
{
	struct app_layer *al = user;
	int i = parser_index_of(tx->proto);
	if (i >= 0) {
		al->per[i].txs++;
		al->per[i].txs_udp += al->cur_udp;
	}
	if (al->on_tx)
		al->on_tx(al->user, tx);
}

static void ctx_on_event(void *user, const struct proto_parser *p, uint16_t ev)
{
	struct app_layer *al = user;
	int i = p ? parser_index_of(p) : -1;
	if (i >= 0)
		al->per[i].events++;
	if (al->on_event)
		al->on_event(al->user, p, ev);
}

static void make_ctx(struct app_layer *al, const struct flow *f, struct app_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->proto = f->app.parser;
	ctx->fi.transport = f->key.proto == IPPROTO_UDP ? APP_UDP : APP_TCP;
	al->cur_udp = f->key.proto == IPPROTO_UDP;
	ctx->fi.client_port = f->key.port[0];
	ctx->fi.server_port = f->key.port[1];
	ctx->fi.ts = f->last_ts;
	ctx->user = al;
	ctx->on_tx = ctx_on_tx;
	ctx->on_event = ctx_on_event;
	ctx->mem = &al->mem;
	ctx->cnt = &al->frame;
}

size_t app_flow_state_size(const struct flow *f)
{
	const struct proto_parser *p = f->app.parser;
	size_t n = 0;
	if (p && f->app.state)
		n += p->state_size;
	return n;
}

const struct proto_parser *app_flow_parser(const struct flow *f)
{
	return f->app.status == APP_STATUS_DETECTED ? f->app.parser : NULL;
}

const char *app_flow_proto_name(const struct flow *f)
{
	switch (f->app.status) {
	case APP_STATUS_DETECTED:
		return ((const struct proto_parser *)f->app.parser)->name;
	case APP_STATUS_FAILED:
		return "failed";
	default:
		return NULL;
	}
}

static void free_probe(struct flow *f)
{
	free(f->app.probe);
	f->app.probe = NULL;
}

void app_flow_free(struct app_layer *al, struct flow *f)
{
	const struct proto_parser *p = f->app.parser;
	struct pdu_pair *pp = f->app.pdu;
	if (pp) {
		struct app_ctx ctx;
		make_ctx(al, f, &ctx);
		app_pdu_buf_free(&ctx, &pp->b[0]);
		app_pdu_buf_free(&ctx, &pp->b[1]);
		free(pp);
		f->app.pdu = NULL;
	}
	if (p && f->app.state) {
		p->state_free(f->app.state);
		if (al->mem_delta)
			al->mem_delta(al->user, -(int64_t)p->state_size);
	}
	f->app.state = NULL;
	free_probe(f);
}

static bool detect(struct app_layer *al, struct flow *f, size_t idx)
{
	const struct proto_parser *p = app_parsers[idx];
	struct app_flow_info fi = {
		.transport = f->key.proto == IPPROTO_UDP ? APP_UDP : APP_TCP,
		.client_port = f->key.port[0],
		.server_port = f->key.port[1],
	};
	void *st = p->state_new(&fi);
	if (!st) {
		al->state_alloc_failures++;
		f->app.status = APP_STATUS_FAILED;
		count_failed(al, f);
		return false;
	}
	if (f->key.proto == IPPROTO_TCP) {
		struct pdu_pair *pp = calloc(1, sizeof(*pp));
		if (!pp) {
			p->state_free(st);
			al->state_alloc_failures++;
			f->app.status = APP_STATUS_FAILED;
			count_failed(al, f);
			return false;
		}
		f->app.pdu = pp;
	}
	if (al->mem_delta)
		al->mem_delta(al->user, (int64_t)p->state_size);
	f->app.parser = p;
	f->app.state = st;
	f->app.status = APP_STATUS_DETECTED;
	al->per[idx].flows++;
	al->per[idx].flows_udp += f->key.proto == IPPROTO_UDP;
	return true;
}

static void feed(struct app_layer *al, struct flow *f, uint8_t dir, const uint8_t *data, size_t len)
{
	struct app_ctx ctx;
	make_ctx(al, f, &ctx);
	int i = parser_index_of(f->app.parser);
	uint64_t before = al->frame.pdus;
	if (f->key.proto == IPPROTO_UDP) {
		app_datagram(&ctx, f->app.state, dir, data, len);
	} else {
		struct pdu_pair *pp = f->app.pdu;
		app_stream_feed(&ctx, f->app.state, &pp->b[dir], dir, data, len);
	}
	if (i >= 0)
		al->per[i].pdus += al->frame.pdus - before;
}

/* Runs the probes over what direction dir has buffered. Returns the parser
 * index that said yes, -1 while undecided, -2 when every parser said no. */
static int run_probes(struct app_layer *al, struct flow *f, struct probe_buf *pb, uint8_t dir,
		      const uint8_t *buf, size_t len)
{
	uint8_t ipproto = f->key.proto;
	uint8_t tbit = ipproto == IPPROTO_UDP ? APP_UDP : APP_TCP;
	bool undecided = false;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < app_n_parsers; i++) {
			const struct proto_parser *p = app_parsers[i];
			if (!p || !al->cfg->proto[i].enabled || !(p->transport & tbit) || !p->probe)
				continue;
			bool on_port = claims_port(al->cfg, i, ipproto, f->key.port[1]);
			if (on_port != (pass == 0))
				continue;
			if (pb->no[dir][i / 8] & (1u << (i % 8)))
				continue;
			int r = p->probe(buf, len, dir);
			if (r == APP_PROBE_YES)
				return (int)i;
			if (r == APP_PROBE_MORE)
				undecided = true;
			else
				pb->no[dir][i / 8] |= (uint8_t)(1u << (i % 8));
		}
	}
	return undecided ? -1 : -2;
}

/* A flow on a port a parser claims may start with a few stray bytes (a
 * keep-alive byte, the tail of a PDU of a flow picked up midstream): that
 * parser may still recognise a PDU starting a little further on, and the
 * framing core resynchronises over what comes before it. */
#define PROBE_SKIP_MAX 8
static int probe_after_garbage(struct app_layer *al, struct flow *f, const uint8_t *buf,
			       size_t len, uint8_t dir)
{
	for (size_t i = 0; i < app_n_parsers; i++) {
		const struct proto_parser *p = app_parsers[i];
		if (!p || !p->probe || !claims_port(al->cfg, i, f->key.proto, f->key.port[1]))
			continue;
		for (size_t k = 1; k <= PROBE_SKIP_MAX && k + 1 < len; k++)
			if (p->probe(buf + k, len - k, dir) == APP_PROBE_YES)
				return (int)i;
	}
	return -2;
}

void app_flow_data(struct app_layer *al, struct flow *f, uint8_t dir, const uint8_t *data,
		   uint32_t len)
{
	if (len == 0)
		return;
	if (f->app.status == APP_STATUS_DETECTED) {
		feed(al, f, dir, data, len);
		return;
	}
	if (f->app.status == APP_STATUS_FAILED)
		return;

	struct probe_buf *pb = f->app.probe;
	if (!pb) {
		pb = calloc(1, sizeof(*pb));
		if (!pb) {
			f->app.status = APP_STATUS_FAILED;
			count_failed(al, f);
			return;
		}
		pb->first_dir = dir;
		f->app.probe = pb;
		f->app.status = APP_STATUS_PROBING;
	}

	if (f->key.proto == IPPROTO_UDP) {
		/* each datagram on its own */
		int r = run_probes(al, f, pb, dir, data, len);
		if (r >= 0) {
			free_probe(f);
			if (detect(al, f, (size_t)r))
				feed(al, f, dir, data, len);
			return;
		}
		/* a datagram too short to tell counts as a no */
		if (++f->app.probe_tries[dir] >= 4 || (r == -2 && f->app.probe_tries[!dir] >= 1)) {
			free_probe(f);
			f->app.status = APP_STATUS_FAILED;
			count_failed(al, f);
			return;
		}
		memset(pb->no[dir], 0, sizeof(pb->no[dir]));
		return;
	}

	uint32_t have = pb->len[dir];
	uint32_t take = len;
	if (have + take > APP_PROBE_MAX)
		take = APP_PROBE_MAX - have;
	memcpy(pb->buf[dir] + have, data, take);
	pb->len[dir] = (uint16_t)(have + take);

	int r = run_probes(al, f, pb, dir, pb->buf[dir], pb->len[dir]);
	if (r == -2)
		r = probe_after_garbage(al, f, pb->buf[dir], pb->len[dir], dir);
	if (r >= 0) {
		/* replay what we held, other direction first when it came first */
		struct probe_buf *hold = pb;
		f->app.probe = NULL;
		if (detect(al, f, (size_t)r)) {
			uint8_t other = (uint8_t)!dir;
			if (hold->first_dir == other && hold->len[other])
				feed(al, f, other, hold->buf[other], hold->len[other]);
			feed(al, f, dir, hold->buf[dir], hold->len[dir]);
			if (take < len)
				feed(al, f, dir, data + take, len - take);
			if (hold->first_dir != other && hold->len[other])
				feed(al, f, other, hold->buf[other], hold->len[other]);
		}
		free(hold);
		return;
	}
	bool full = pb->len[dir] >= APP_PROBE_MAX;
	bool all_no = r == -2;
	bool other_no = pb->len[!dir] == 0 ||
			run_probes(al, f, pb, (uint8_t)!dir, pb->buf[!dir], pb->len[!dir]) == -2;
	if (full || (all_no && other_no && pb->len[!dir]) ||
	    (all_no && ++f->app.probe_tries[dir] >= 2)) {
		free_probe(f);
		f->app.status = APP_STATUS_FAILED;
		count_failed(al, f);
	}
}

void app_flow_gap(struct app_layer *al, struct flow *f, uint8_t dir)
{
	if (f->app.status == APP_STATUS_DETECTED && f->app.pdu) {
		struct app_ctx ctx;
		make_ctx(al, f, &ctx);
		struct pdu_pair *pp = f->app.pdu;
		app_stream_gap(&ctx, f->app.state, &pp->b[dir], dir);
		return;
	}
	if (f->app.status == APP_STATUS_PROBING && f->app.probe) {
		/* the held bytes are no longer contiguous with what follows */
		struct probe_buf *pb = f->app.probe;
		pb->len[dir] = 0;
	}
}

/* ---- layer 2 -------------------------------------------------------------- */

void app_layer_fini(struct app_layer *al)
{
	for (size_t i = 0; i < app_n_parsers && i < APP_MAX_PROTOS; i++) {
		const struct proto_parser *p = app_parsers[i];
		if (!al->l2_state[i])
			continue;
		p->state_free(al->l2_state[i]);
		al->l2_state[i] = NULL;
		if (al->mem_delta)
			al->mem_delta(al->user, -(int64_t)p->state_size);
	}
}

bool app_l2_frame(struct app_layer *al, const struct packet *p)
{
	size_t i;
	const struct proto_parser *pp = NULL;
	for (i = 0; i < app_n_parsers && i < APP_MAX_PROTOS; i++) {
		pp = app_parsers[i];
		if (pp && pp->transport == APP_L2 && pp->ethertype == p->ethertype)
			break;
	}
	if (i == app_n_parsers || i >= APP_MAX_PROTOS || !pp->parse_pdu || !al->cfg->proto[i].enabled)
		return false;
	struct app_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.proto = pp;
	ctx.fi.transport = APP_L2;
	al->cur_udp = false;
	ctx.fi.ts = p->ts;
	if (p->linktype == LINK_ETHERNET && p->caplen >= 12) {
		ctx.fi.dst_mac = p->data;
		ctx.fi.src_mac = p->data + 6;
	}
	ctx.fi.vlan = p->vlan_cnt ? p->vlan[0] : 0;
	ctx.user = al;
	ctx.on_tx = ctx_on_tx;
	ctx.on_event = ctx_on_event;
	ctx.mem = &al->mem;
	ctx.cnt = &al->frame;
	if (!al->l2_state[i]) {
		al->l2_state[i] = pp->state_new(&ctx.fi);
		if (!al->l2_state[i]) {
			al->state_alloc_failures++;
			return true;
		}
		if (al->mem_delta)
			al->mem_delta(al->user, (int64_t)pp->state_size);
		al->per[i].flows++;
	}
	al->l2_frames++;
	uint64_t before = al->frame.pdus;
	app_datagram(&ctx, al->l2_state[i], APP_TOSERVER, p->payload, p->payload_len);
	al->per[i].pdus += al->frame.pdus - before;
	return true;
}
