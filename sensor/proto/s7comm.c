/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * S7comm (ISO-on-TCP, port 102): TPKT framing, COTP connection and data
 * TPDUs (segmented DT reassembled, up to 8 KiB; proto/tpkt.c, shared with
 * MMS), the S7 header (job, ack, ack_data,
 * userdata), functions with their items (read/write var), block transfer,
 * PLC control and stop, userdata groups with SZL reads (module order number
 * and serial kept for the asset inventory), and S7comm-plus recognised with
 * its opcode and function. ack_data is matched to its job by PDU reference.
 *
 * Events (app-layer-event:s7comm.<name>):
 *   s7comm.invalid_tpkt      TPKT version not 3, or length below 7
 *   s7comm.invalid_cotp      COTP length indicator beyond the TPKT, unknown
 *                            TPDU type, or a segmented message over 8 KiB
 *   s7comm.unknown_function  a job or ack_data function S7comm does not define
 *   s7comm.invalid_header    protocol id neither 0x32 nor 0x72, unknown ROSCTR,
 *                            or parameter/data lengths beyond the PDU
 *   s7comm.too_many_items    a read/write var with more items than 20
 *   s7comm.malformed_item    an item that is not a 10-byte ANY pointer
 *   s7comm.error_response    an ack or ack_data with a non-zero error class
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "detect/uint.h"
#include "proto/tpkt.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/asset.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/s7comm.h"

extern const struct proto_parser proto_s7comm;

#define S7_REASM_MAX 8192
#define PENDING 4

static const char *const events[S7_EV__COUNT] = {
	[S7_EV_INVALID_TPKT] = "s7comm.invalid_tpkt",
	[S7_EV_INVALID_COTP] = "s7comm.invalid_cotp",
	[S7_EV_UNKNOWN_FUNCTION] = "s7comm.unknown_function",
	[S7_EV_INVALID_HEADER] = "s7comm.invalid_header",
	[S7_EV_TOO_MANY_ITEMS] = "s7comm.too_many_items",
	[S7_EV_MALFORMED_ITEM] = "s7comm.malformed_item",
	[S7_EV_ERROR_RESPONSE] = "s7comm.error_response",
};

struct s7_state {
	struct tpkt_reasm r[2];
	struct {
		uint16_t ref;
		uint8_t fc;
		bool used;
	} pend[PENDING];
	uint8_t pend_next;
};

static void ev(struct app_ctx *ctx, uint16_t e)
{
	app_emit_event(ctx, &proto_s7comm, e);
}

/* ---- names -------------------------------------------------------------------- */

static const struct du_name fn_names[] = {
	{ "cpu_services", 0x00 }, { "setup_communication", 0xf0 }, { "read_var", 0x04 },
	{ "write_var", 0x05 }, { "request_download", 0x1a }, { "download_block", 0x1b },
	{ "download_ended", 0x1c }, { "start_upload", 0x1d }, { "upload", 0x1e },
	{ "end_upload", 0x1f }, { "plc_control", 0x28 }, { "plc_stop", 0x29 },
};

static const char *fn_name(uint8_t f)
{
	for (size_t i = 0; i < sizeof(fn_names) / sizeof(fn_names[0]); i++)
		if (fn_names[i].value == f)
			return fn_names[i].name;
	return NULL;
}

static const struct du_name area_names[] = {
	{ "system_info", 0x03 }, { "system_flags", 0x05 }, { "analog_inputs", 0x06 },
	{ "analog_outputs", 0x07 }, { "counters", 0x1c }, { "timers", 0x1d },
	{ "iec_counters", 0x1e }, { "iec_timers", 0x1f }, { "peripheral", 0x80 },
	{ "inputs", 0x81 }, { "outputs", 0x82 }, { "flags", 0x83 }, { "db", 0x84 },
	{ "di", 0x85 }, { "local", 0x86 }, { "v", 0x87 },
};

static const char *area_name(uint8_t a)
{
	for (size_t i = 0; i < sizeof(area_names) / sizeof(area_names[0]); i++)
		if (area_names[i].value == a)
			return area_names[i].name;
	return "unknown";
}

static const struct du_name rosctr_names[] = {
	{ "job", 1 }, { "ack", 2 }, { "ack_data", 3 }, { "userdata", 7 },
};

static const char *rosctr_name(uint8_t r)
{
	for (size_t i = 0; i < 4; i++)
		if (rosctr_names[i].value == r)
			return rosctr_names[i].name;
	return "unknown";
}

static const char *group_name(uint8_t g)
{
	/* function groups 0-7 and 15 of the userdata parameter */
	static const char *const n[] = { "mode_transition", "programmer_commands", "cyclic_data",
					 "block_functions", "cpu_functions",      "security",
					 "pbc_bsend_brcv",  "time_functions" };
	return g < 8 ? n[g] : g == 0xf ? "nc_programming" : "unknown";
}

/* ---- framing (TPKT and COTP: proto/tpkt.c) ------------------------------------ */

/* Siemens' TSAPs: the calling TSAP's first byte is a connection type (1 PG,
 * 2 OP, 3 S7 basic, 6 TIA, ...), never 0 as in the TSAPs of the ISO stacks
 * that MMS runs on (0001, 0002); S7-1200/1500 name the called one
 * "SIMATIC-ROOT-...". */
static bool s7_tsaps(const struct cotp *h)
{
	static const char simatic[] = "SIMATIC";
	if (h->calling_tsap && h->calling_tsap_len == 2) {
		struct cursor t = cur_make(h->calling_tsap, 2);
		if (cur_u8(&t) != 0)
			return true;
	}
	return h->called_tsap && h->called_tsap_len >= sizeof(simatic) - 1 &&
	       memcmp(h->called_tsap, simatic, sizeof(simatic) - 1) == 0;
}

/* A COTP CR or CC with S7 TSAPs, or a DT carrying an S7 PDU (0x32, or 0x72
 * for S7comm-plus): yes. A CR/CC with other TSAPs (MMS shares port 102) is
 * looked past, at the first DT. */
static int s_probe(const uint8_t *b, size_t len, uint8_t dir)
{
	(void)dir;
	struct cursor c = cur_make(b, len);
	for (unsigned k = 0; k < 4; k++) {
		int version = cur_peek_u8(&c, 0), reserved = cur_peek_u8(&c, 1);
		if ((version >= 0 && version != 3) || reserved > 0)
			return APP_PROBE_NO;
		if (cur_left(&c) < 6)
			return APP_PROBE_MORE;
		size_t l = (size_t)cur_peek_be16(&c, 2);
		int li = cur_peek_u8(&c, 4), code = cur_peek_u8(&c, 5) & 0xf0;
		if (l < TPKT_MIN_LEN || (size_t)li + 5u > l || !cotp_code_name((uint8_t)code))
			return APP_PROBE_NO;
		if (code == COTP_DT) {
			if ((size_t)li + 5u >= l)
				return APP_PROBE_NO; /* no user data */
			int pid = cur_peek_u8(&c, (size_t)li + 5u);
			if (pid < 0)
				return APP_PROBE_MORE;
			return pid == 0x32 || pid == 0x72 ? APP_PROBE_YES : APP_PROBE_NO;
		}
		if (code != COTP_CR && code != COTP_CC)
			return APP_PROBE_YES;
		if (cur_left(&c) < l)
			return APP_PROBE_MORE;
		struct cotp h;
		if (cotp_parse(c.p, l, &h) < 0)
			return APP_PROBE_NO;
		if (s7_tsaps(&h))
			return APP_PROBE_YES;
		cur_skip(&c, l);
	}
	return APP_PROBE_NO;
}

static int s_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *b, size_t len,
		     size_t *pdu_len)
{
	(void)state;
	(void)dir;
	switch (tpkt_frame(b, len, pdu_len)) {
	case TPKT_FRAME_OK:
		return APP_FRAME_OK;
	case TPKT_FRAME_MORE:
		return APP_FRAME_MORE;
	case TPKT_FRAME_BAD:
		ev(ctx, S7_EV_INVALID_TPKT);
		return APP_FRAME_BAD;
	default:
		return APP_FRAME_BAD;
	}
}

/* ---- S7 ----------------------------------------------------------------------- */

static void copy_str(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		uint8_t c = p[i];
		if (c == 0)
			break;
		dst[k++] = isprint(c) ? (char)c : '.';
	}
	while (k && dst[k - 1] == ' ')
		k--;
	dst[k] = 0;
}

static void parse_items(struct app_ctx *ctx, struct cursor *c, struct s7_tx *tx, uint8_t count)
{
	if (count > S7_MAX_ITEMS)
		ev(ctx, S7_EV_TOO_MANY_ITEMS);
	for (unsigned i = 0; i < count; i++) {
		uint8_t spec = cur_u8(c), ilen = cur_u8(c);
		if (!cur_ok(c) || spec != 0x12) {
			ev(ctx, S7_EV_MALFORMED_ITEM);
			return;
		}
		struct cursor it = cur_sub(c, ilen);
		if (!cur_ok(c)) {
			ev(ctx, S7_EV_MALFORMED_ITEM);
			return;
		}
		uint8_t syntax = cur_u8(&it);
		if (syntax != 0x10 || ilen != 10) {
			if (syntax != 0xb0 && syntax != 0xa2) /* DBREAD / symbolic: skip */
				ev(ctx, S7_EV_MALFORMED_ITEM);
			continue;
		}
		struct s7_item m;
		m.tsize = cur_u8(&it);
		m.length = cur_be16(&it);
		m.db = cur_be16(&it);
		m.area = cur_u8(&it);
		uint32_t a = cur_be24(&it);
		m.address = a >> 3;
		m.bit = a & 7;
		if (tx->n_items < S7_MAX_ITEMS)
			tx->items[tx->n_items++] = m;
	}
}

static void parse_userdata(struct app_ctx *ctx, struct cursor *par, struct cursor *dat,
			   struct s7_tx *tx)
{
	(void)ctx;
	cur_skip(par, 3); /* parameter head */
	uint8_t plen = cur_u8(par);
	tx->ud_method = cur_u8(par);
	uint8_t tg = cur_u8(par);
	tx->ud_type = tg >> 4;
	tx->ud_group = tg & 0x0f;
	tx->ud_subfunction = cur_u8(par);
	cur_u8(par); /* sequence number */
	if (plen >= 8) {
		cur_skip(par, 2);
		uint16_t err = cur_be16(par);
		if (err) {
			tx->has_error = true;
			tx->error_class = (uint8_t)(err >> 8);
			tx->error_code = (uint8_t)err;
		}
	}
	if (tx->ud_group != 4 || tx->ud_subfunction != 1)
		return;
	/* SZL read */
	uint8_t ret = cur_u8(dat);
	cur_u8(dat); /* transport size */
	uint16_t dlen = cur_be16(dat);
	if (!cur_ok(dat) || dlen < 4 || ret != 0xff)
		return;
	tx->has_szl = true;
	tx->szl_id = cur_be16(dat);
	tx->szl_index = cur_be16(dat);
	if (tx->ud_type != 8 || dlen < 8) /* request, or no list */
		return;
	uint16_t rlen = cur_be16(dat), rcount = cur_be16(dat);
	if (cur_ok(dat)) {
		tx->szl_records = dat->p;
		tx->szl_len = (uint16_t)(cur_left(dat) > UINT16_MAX ? UINT16_MAX : cur_left(dat));
		tx->szl_rlen = rlen;
		tx->szl_count = rcount;
	}
	for (unsigned i = 0; i < rcount && cur_ok(dat); i++) {
		struct cursor rec = cur_sub(dat, rlen);
		if (!cur_ok(dat))
			break;
		uint16_t idx = cur_be16(&rec);
		uint16_t id = tx->szl_id & 0x00ff;
		if (id == 0x11 && idx == 1 && rlen >= 22)
			copy_str(tx->order_number, sizeof(tx->order_number), rec.p, 20);
		else if (id == 0x1c && rlen >= 34) {
			if (idx == 5)
				copy_str(tx->serial, sizeof(tx->serial), rec.p, 24);
			else if (idx == 1 && !tx->module_name[0])
				copy_str(tx->module_name, sizeof(tx->module_name), rec.p, 24);
		}
	}
}

static void parse_s7(struct s7_state *s, struct app_ctx *ctx, uint8_t dir, const uint8_t *p,
		     size_t n, struct s7_tx *tx)
{
	(void)dir;
	struct cursor c = cur_make(p, n);
	uint8_t pid = cur_u8(&c);
	if (pid == 0x72) {
		tx->has_s7 = true;
		tx->plus = true;
		tx->plus_version = cur_u8(&c);
		cur_be16(&c); /* data length */
		tx->plus_opcode = cur_u8(&c);
		cur_be16(&c);
		tx->plus_function = cur_be16(&c);
		return;
	}
	if (pid != 0x32) {
		ev(ctx, S7_EV_INVALID_HEADER);
		return;
	}
	tx->has_s7 = true;
	tx->rosctr = cur_u8(&c);
	cur_be16(&c);
	tx->pdu_ref = cur_be16(&c);
	uint16_t plen = cur_be16(&c), dlen = cur_be16(&c);
	if (tx->rosctr == 2 || tx->rosctr == 3) {
		tx->error_class = cur_u8(&c);
		tx->error_code = cur_u8(&c);
		if (tx->error_class) {
			tx->has_error = true;
			ev(ctx, S7_EV_ERROR_RESPONSE);
		}
	}
	if (!cur_ok(&c) || (tx->rosctr != 1 && tx->rosctr != 2 && tx->rosctr != 3 && tx->rosctr != 7) ||
	    (size_t)plen + dlen > cur_left(&c)) {
		ev(ctx, S7_EV_INVALID_HEADER);
		return;
	}
	struct cursor par = cur_sub(&c, plen);
	struct cursor dat = cur_sub(&c, dlen);
	if (tx->rosctr == 7) {
		parse_userdata(ctx, &par, &dat, tx);
		return;
	}
	if (plen == 0)
		return;
	tx->has_function = true;
	tx->function = cur_u8(&par);
	if (!fn_name(tx->function))
		ev(ctx, S7_EV_UNKNOWN_FUNCTION);
	if (tx->rosctr == 1) {
		int slot = -1;
		for (int i = 0; i < PENDING && slot < 0; i++)
			if (!s->pend[i].used)
				slot = i;
		if (slot < 0) {
			slot = s->pend_next;
			s->pend_next = (uint8_t)((s->pend_next + 1) % PENDING);
		}
		s->pend[slot].used = true;
		s->pend[slot].ref = tx->pdu_ref;
		s->pend[slot].fc = tx->function;
	} else {
		for (int i = 0; i < PENDING; i++)
			if (s->pend[i].used && s->pend[i].ref == tx->pdu_ref) {
				tx->request_function = s->pend[i].fc;
				s->pend[i].used = false;
			}
	}
	switch (tx->function) {
	case 0xf0:
		cur_u8(&par);
		tx->max_amq_calling = cur_be16(&par);
		tx->max_amq_called = cur_be16(&par);
		tx->pdu_length = cur_be16(&par);
		break;
	case 0x04: case 0x05:
		if (tx->rosctr == 1)
			parse_items(ctx, &par, tx, cur_u8(&par));
		break;
	case 0x1a: case 0x1b: case 0x1d: {
		if (tx->rosctr != 1)
			break;
		cur_skip(&par, tx->function == 0x1b ? 3 : 7);
		uint8_t fl = cur_u8(&par);
		if (cur_ok(&par) && fl <= cur_left(&par))
			copy_str(tx->filename, sizeof(tx->filename), par.p, fl);
		break;
	}
	case 0x28: {
		if (tx->rosctr != 1)
			break;
		cur_skip(&par, 7);
		uint16_t pbl = cur_be16(&par);
		cur_skip(&par, pbl);
		uint8_t sl = cur_u8(&par);
		if (cur_ok(&par) && sl <= cur_left(&par))
			copy_str(tx->service, sizeof(tx->service), par.p, sl);
		break;
	}
	case 0x29: {
		if (tx->rosctr != 1)
			break;
		cur_skip(&par, 5);
		uint8_t sl = cur_u8(&par);
		if (cur_ok(&par) && sl <= cur_left(&par))
			copy_str(tx->service, sizeof(tx->service), par.p, sl);
		break;
	}
	default:
		break;
	}
}

static void emit(struct app_ctx *ctx, uint8_t dir, struct s7_tx *tx)
{
	bool resp = tx->rosctr == 2 || tx->rosctr == 3 || (tx->rosctr == 7 && tx->ud_type == 8) ||
		    tx->cotp_type == 0xd0 || (tx->plus && tx->plus_opcode == 0x32);
	struct app_tx t = { &proto_s7comm, dir, resp, tx };
	app_emit_tx(ctx, &t);
}

static int s_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct s7_state *s = state;
	struct cotp h;
	if (cotp_parse(pdu, len, &h) < 0) {
		ev(ctx, S7_EV_INVALID_COTP);
		return -1;
	}
	/* on the stack: the tx lives for the callback only */
	struct s7_tx txs;
	struct s7_tx *tx = &txs;
	memset(tx, 0, sizeof(*tx));
	tx->cotp_type = h.code;
	tx->request_function = -1;
	if (h.code == COTP_CR || h.code == COTP_CC) {
		if (h.calling_tsap && h.calling_tsap_len == 2) {
			struct cursor t = cur_make(h.calling_tsap, 2);
			tx->src_tsap = cur_be16(&t);
			tx->has_tsap = true;
		}
		if (h.called_tsap && h.called_tsap_len == 2) {
			struct cursor t = cur_make(h.called_tsap, 2);
			tx->dst_tsap = cur_be16(&t);
			tx->has_tsap = true;
		}
		emit(ctx, dir, tx);
		return 0;
	}
	if (h.code != COTP_DT) {
		emit(ctx, dir, tx);
		return 0;
	}
	const uint8_t *p;
	size_t n;
	int r = tpkt_reasm_add(&s->r[dir & 1], ctx, h.eot, h.data, h.data_len, S7_REASM_MAX, &p, &n);
	if (r & TPKT_TSDU_CROSSED) {
		ev(ctx, S7_EV_INVALID_COTP);
		return -1;
	}
	if (!(r & TPKT_TSDU_READY) || (r & TPKT_TSDU_CUT))
		return 0; /* a segment, or the rest of a TSDU over 8 KiB */
	if (n)
		parse_s7(s, ctx, dir, p, n, tx);
	emit(ctx, dir, tx);
	return 0;
}

static void s_gap(void *state, uint8_t dir)
{
	struct s7_state *s = state;
	tpkt_reasm_reset(&s->r[dir & 1]);
}

static void *s_new(const struct app_flow_info *fi)
{
	(void)fi;
	return calloc(1, sizeof(struct s7_state));
}

static void s_free(void *p)
{
	struct s7_state *s = p;
	if (!s)
		return;
	tpkt_reasm_free(&s->r[0]);
	tpkt_reasm_free(&s->r[1]);
	free(s);
}

/* ---- EVE --------------------------------------------------------------------- */

static void s_log(const struct app_tx *t, struct jb *jb)
{
	const struct s7_tx *tx = t->data;
	static const struct { uint8_t t; const char *n; } ct[] = {
		{ 0xe0, "CR" }, { 0xd0, "CC" }, { 0x80, "DR" }, { 0xc0, "DC" }, { 0xf0, "DT" },
		{ 0x70, "ER" }, { 0x50, "RJ" }, { 0x60, "AK" }, { 0x10, "ED" }, { 0x20, "EA" },
	};
	const char *cn = "unknown";
	for (size_t i = 0; i < sizeof(ct) / sizeof(ct[0]); i++)
		if (ct[i].t == tx->cotp_type)
			cn = ct[i].n;
	jb_open_object(jb, "cotp");
	jb_set_ascii(jb, "type", cn);
	if (tx->has_tsap) {
		jb_set_uint(jb, "src_tsap", tx->src_tsap);
		jb_set_uint(jb, "dst_tsap", tx->dst_tsap);
	}
	jb_close(jb);
	if (!tx->has_s7)
		return;
	if (tx->plus) {
		jb_open_object(jb, "plus");
		jb_set_uint(jb, "version", tx->plus_version);
		jb_set_uint(jb, "opcode", tx->plus_opcode);
		jb_set_uint(jb, "function", tx->plus_function);
		jb_close(jb);
		return;
	}
	jb_set_uint(jb, "rosctr", tx->rosctr);
	jb_set_ascii(jb, "rosctr_name", rosctr_name(tx->rosctr));
	jb_set_uint(jb, "pdu_ref", tx->pdu_ref);
	if (tx->has_function) {
		jb_set_uint(jb, "function", tx->function);
		const char *fnn = fn_name(tx->function);
		jb_set_ascii(jb, "function_name", fnn ? fnn : "unknown");
	}
	if (tx->request_function >= 0)
		jb_set_uint(jb, "request_function", (uint64_t)tx->request_function);
	if (tx->rosctr == 7) {
		jb_set_uint(jb, "group", tx->ud_group);
		jb_set_ascii(jb, "group_name", group_name(tx->ud_group));
		jb_set_uint(jb, "subfunction", tx->ud_subfunction);
		jb_set_ascii(jb, "method", tx->ud_type == 8 ? "response" : "request");
	}
	if (tx->has_function && tx->function == 0xf0) {
		jb_open_object(jb, "setup");
		jb_set_uint(jb, "max_amq_calling", tx->max_amq_calling);
		jb_set_uint(jb, "max_amq_called", tx->max_amq_called);
		jb_set_uint(jb, "pdu_length", tx->pdu_length);
		jb_close(jb);
	}
	if (tx->n_items) {
		jb_open_array(jb, "items");
		for (unsigned i = 0; i < tx->n_items; i++) {
			const struct s7_item *m = &tx->items[i];
			jb_open_object(jb, NULL);
			jb_set_uint(jb, "area", m->area);
			jb_set_ascii(jb, "area_name", area_name(m->area));
			jb_set_uint(jb, "db", m->db);
			jb_set_uint(jb, "address", m->address);
			jb_set_uint(jb, "bit", m->bit);
			jb_set_uint(jb, "length", m->length);
			jb_set_uint(jb, "transport_size", m->tsize);
			jb_close(jb);
		}
		jb_close(jb);
	}
	if (tx->has_szl) {
		jb_open_object(jb, "szl");
		jb_set_uint(jb, "id", tx->szl_id);
		jb_set_uint(jb, "index", tx->szl_index);
		if (tx->order_number[0])
			jb_set_str(jb, "order_number", tx->order_number);
		if (tx->module_name[0])
			jb_set_str(jb, "module_name", tx->module_name);
		if (tx->serial[0])
			jb_set_str(jb, "serial", tx->serial);
		jb_close(jb);
	}
	if (tx->filename[0])
		jb_set_str(jb, "filename", tx->filename);
	if (tx->service[0]) {
		jb_open_object(jb, "plc_control");
		jb_set_str(jb, "service", tx->service);
		jb_close(jb);
	}
	if (tx->has_error) {
		jb_open_object(jb, "error");
		jb_set_uint(jb, "class", tx->error_class);
		jb_set_uint(jb, "code", tx->error_code);
		jb_close(jb);
	}
}

/* ---- asset inventory ---------------------------------------------------------- */

/* Siemens order numbers (MLFB) begin 6ES7 (S7 modules), 6ES5, 6AV (HMI),
 * 6GK (communication), 6ED (LOGO!), 6EP (power). */
static bool siemens_mlfb(const char *s)
{
	static const char *const prefixes[] = { "6ES", "6AV", "6GK", "6ED", "6EP" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(s, prefixes[i], 3) == 0)
			return true;
	return false;
}

/* SZL answers (System Software for S7-300/400, System and Standard
 * Functions, ch. 33): 0x0011 module identification, records of 28 bytes:
 * index:2 MlfB:20 BGTyp:2 Ausbg:2 Ausbe:2; index 1 the module (its order
 * number), index 7 the basic firmware ('V' and the version in Ausbg's low
 * byte and Ausbe's two bytes). 0x001C component identification, records of
 * 34 bytes: index:2 then a string: 1 the automation system's name, 2 the
 * module's name, 4 the copyright, 5 the module's serial number, 7 the module
 * type name. Jobs that download or upload blocks, start or stop the PLC,
 * and userdata of the programmer and block-function groups and SZL reads
 * of the identification lists are what an engineering station sends (in a
 * download, the PLC's jobs to it). */
static __attribute__((noinline)) bool s_identity_of(const struct s7_tx *tx,
						    struct app_identity *id)
{
	if (tx->rosctr == 1 && tx->has_function &&
	    ((tx->function >= 0x1a && tx->function <= 0x1f) || tx->function == 0x28 ||
	     tx->function == 0x29)) {
		/* in a download the PLC fetches the blocks: download_block and
		 * download_ended are its jobs to the engineering station */
		bool plc = tx->function == 0x1b || tx->function == 0x1c;
		app_identity_init(id);
		id->role[plc ? 1 : 0] = APP_ROLE_ENGINEERING;
		id->role[plc ? 0 : 1] = APP_ROLE_FIELD;
		return true;
	}
	if (tx->rosctr != 7)
		return false;
	if (tx->ud_type == 4) { /* a request */
		uint8_t list = tx->szl_id & 0xff;
		if (tx->ud_group != 1 && tx->ud_group != 3 &&
		    !(tx->has_szl && (list == 0x00 || list == 0x11 || list == 0x1c)))
			return false;
		app_identity_init(id);
		id->role[0] = APP_ROLE_ENGINEERING;
		return true;
	}
	if (tx->ud_type != 8 || !tx->has_szl || !tx->szl_records)
		return false;
	uint8_t list = tx->szl_id & 0xff;
	if (list != 0x11 && list != 0x1c)
		return false;
	app_identity_init(id);
	id->role[0] = APP_ROLE_FIELD;
	bool siemens = false;
	struct cursor c = cur_make(tx->szl_records, tx->szl_len);
	for (unsigned i = 0; i < tx->szl_count && tx->szl_rlen >= 2; i++) {
		struct cursor r = cur_sub(&c, tx->szl_rlen);
		if (!cur_ok(&c))
			break;
		uint16_t idx = cur_be16(&r);
		if (list == 0x11 && tx->szl_rlen >= 28) {
			const uint8_t *mlfb = cur_ptr(&r, 20);
			cur_skip(&r, 2);
			uint16_t ausbg = cur_be16(&r), ausbe = cur_be16(&r);
			if (idx == 1 && mlfb) {
				app_identity_set(id, APP_IDF_MODEL, mlfb, 20);
				siemens |= siemens_mlfb(id->str[APP_IDF_MODEL]);
			} else if (idx == 7 && (ausbg >> 8) == 'V') {
				char fw[16];
				snprintf(fw, sizeof(fw), "V%u.%u.%u", ausbg & 0xff, ausbe >> 8,
					 ausbe & 0xff);
				app_identity_set_str(id, APP_IDF_FIRMWARE, fw);
			}
		} else if (list == 0x1c && tx->szl_rlen >= 34) {
			size_t n = cur_left(&r) < 32 ? cur_left(&r) : 32;
			const uint8_t *v = cur_ptr(&r, n);
			if (!v)
				continue;
			switch (idx) {
			case 1: app_identity_ext(id, "station", v, n); break;
			case 2: app_identity_set(id, APP_IDF_NAME, v, n); break;
			case 4: siemens |= memmem(v, n, "Siemens", 7) != NULL; break;
			case 5: app_identity_set(id, APP_IDF_SERIAL, v, n); break;
			case 7: app_identity_set(id, APP_IDF_PRODUCT, v, n); break;
			default: break;
			}
		}
	}
	if (siemens)
		app_identity_set_str(id, APP_IDF_VENDOR, "Siemens");
	return true;
}

/* called for every tx: a read or write job is out in two compares */
static bool s_identity(const struct app_tx *t, bool first, struct app_identity *id)
{
	(void)first;
	const struct s7_tx *tx = t->data;
	if (!tx->has_s7 || tx->plus || (tx->rosctr != 7 && (tx->function == 0x04 ||
							     tx->function == 0x05)))
		return false;
	return s_identity_of(tx, id);
}

static int s_tx_function(const struct app_tx *t)
{
	const struct s7_tx *tx = t->data;
	return tx->has_function ? tx->function : -1;
}

/* ---- facts (the learned baseline) -------------------------------------------
 *
 * function: the S7 function (0x04 read_var, 0x05 write_var, ...); userdata
 * 4096 + group * 256 + subfunction; COTP connection management without S7
 * 256 + the TPDU code (CR 480, CC 464, DR 384, DC 448); S7comm-plus
 * 65536 + its function (version 1; 65536 for later versions, whose
 * integrity part the parser does not step over). Address spaces: the memory area (id = area code,
 * qualifier = the DB number for data blocks), addresses in bytes. Names:
 * the block of a download/upload ("block") and the PI service of a PLC
 * control ("pi_service"). Identity: the order number, serial number and
 * module name of SZL responses. No values: the tx does not keep the data. */

static uint8_t fn_class(uint8_t fn)
{
	switch (fn) {
	case 0x04: return APP_FCLASS_READ;
	case 0x05: return APP_FCLASS_WRITE;
	case 0xf0: return APP_FCLASS_SESSION;
	case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f: return APP_FCLASS_PROGRAM;
	case 0x28: case 0x29: return APP_FCLASS_CONTROL;
	default: return APP_FCLASS_OTHER;
	}
}

static uint8_t group_class(uint8_t g)
{
	switch (g) {
	case 0: return APP_FCLASS_CONTROL;
	case 1: return APP_FCLASS_DIAGNOSTIC;
	case 2: return APP_FCLASS_READ;
	case 3: case 4: return APP_FCLASS_DISCOVERY;
	case 5: case 7: return APP_FCLASS_SESSION;
	default: return APP_FCLASS_OTHER;
	}
}

/* bytes of one element of transport size ts */
static uint32_t tsize_bytes(uint8_t ts)
{
	switch (ts) {
	case 0x04: case 0x05: case 0x1c: case 0x1d: return 2;
	case 0x06: case 0x07: case 0x08: return 4;
	default: return 1;
	}
}

static void s_facts(const struct app_tx *t, struct app_facts *f)
{
	const struct s7_tx *tx = t->data;
	if (!tx->has_s7) {
		static const struct { uint8_t t; const char *n; } ct[] = {
			{ 0xe0, "COTP_CR" }, { 0xd0, "COTP_CC" }, { 0x80, "COTP_DR" }, { 0xc0, "COTP_DC" },
		};
		for (size_t i = 0; i < sizeof(ct) / sizeof(ct[0]); i++)
			if (ct[i].t == tx->cotp_type) {
				f->function = 256 + tx->cotp_type;
				f->function_name = ct[i].n;
				f->fclass = APP_FCLASS_SESSION;
			}
		return;
	}
	if (tx->plus) {
		/* the function is where the parser reads it only in version 1:
		 * later versions put an integrity part before the data */
		f->function = 65536 + (tx->plus_version == 1 ? tx->plus_function : 0);
		f->function_name = "s7comm_plus";
		return;
	}
	if (tx->rosctr == 7) {
		f->function = 4096 + tx->ud_group * 256 + tx->ud_subfunction;
		f->function_name = group_name(tx->ud_group);
		f->fclass = group_class(tx->ud_group);
		if (tx->ud_type == 0)
			f->role = APP_ROLE_REPORT;
	} else if (tx->has_function) {
		f->function = tx->function;
		f->function_name = fn_name(tx->function);
		f->fclass = fn_class(tx->function);
	}
	for (unsigned i = 0; i < tx->n_items; i++) {
		const struct s7_item *m = &tx->items[i];
		uint32_t n = (uint32_t)m->length * tsize_bytes(m->tsize);
		app_facts_range(f, area_name(m->area), m->area, m->area == 0x84 ? m->db : 0,
				m->address, m->address + (n ? n - 1 : 0));
	}
	if (tx->filename[0])
		app_facts_name(f, "block", 1, tx->filename, strlen(tx->filename));
	if (tx->service[0])
		app_facts_name(f, "pi_service", 2, tx->service, strlen(tx->service));
	if (tx->order_number[0])
		app_facts_ident(f, "order_number", tx->order_number, strlen(tx->order_number));
	if (tx->serial[0])
		app_facts_ident(f, "serial", tx->serial, strlen(tx->serial));
	if (tx->module_name[0])
		app_facts_ident(f, "module_name", tx->module_name, strlen(tx->module_name));
}

/* ---- keywords ---------------------------------------------------------------------- */

static int mk(const char *arg, void **data, uint64_t max, const struct du_name *n, size_t nn,
	      char *err, size_t errlen)
{
	return du_match_new(arg, max, n, nn, data, err, errlen);
}

static int rosctr_setup(const char *a, void **d, char *e, size_t l)
{
	return mk(a, d, 255, rosctr_names, 4, e, l);
}

static int fn_setup(const char *a, void **d, char *e, size_t l)
{
	return mk(a, d, 255, fn_names, sizeof(fn_names) / sizeof(fn_names[0]), e, l);
}

static int area_setup(const char *a, void **d, char *e, size_t l)
{
	return mk(a, d, 255, area_names, sizeof(area_names) / sizeof(area_names[0]), e, l);
}

static int db_setup(const char *a, void **d, char *e, size_t l)
{
	return mk(a, d, 65535, NULL, 0, e, l);
}

static bool rosctr_match(const void *d, const struct app_tx *t)
{
	const struct s7_tx *tx = t->data;
	return tx->has_s7 && !tx->plus && du_match(d, tx->rosctr);
}

static bool fn_match(const void *d, const struct app_tx *t)
{
	const struct s7_tx *tx = t->data;
	return tx->has_function && du_match(d, tx->function);
}

static bool area_match(const void *d, const struct app_tx *t)
{
	const struct s7_tx *tx = t->data;
	for (unsigned i = 0; i < tx->n_items; i++)
		if (du_match(d, tx->items[i].area))
			return true;
	return false;
}

static bool db_match(const void *d, const struct app_tx *t)
{
	const struct s7_tx *tx = t->data;
	for (unsigned i = 0; i < tx->n_items; i++)
		if (tx->items[i].area == 0x84 && du_match(d, tx->items[i].db))
			return true;
	return false;
}

static bool fn_set(const void *d, uint8_t *set)
{
	return du_set(d, 255, set);
}

static const struct app_keyword kws[] = {
	{ "s7comm.rosctr", rosctr_setup, rosctr_match, NULL, NULL, NULL },
	{ "s7comm.function", fn_setup, fn_match, NULL, fn_set, NULL },
	{ "s7comm.area", area_setup, area_match, NULL, NULL, NULL },
	{ "s7comm.db", db_setup, db_match, NULL, NULL, NULL },
};

static const uint16_t ports[] = { 102, 0 };

const struct proto_parser proto_s7comm = {
	.name = "s7comm",
	.transport = APP_TCP,
	.tcp_ports = ports,
	.probe = s_probe,
	.pdu_len = s_pdu_len,
	.parse_pdu = s_parse,
	.gap = s_gap,
	.state_new = s_new,
	.state_free = s_free,
	.log_tx = s_log,
	.identity = s_identity,
	.events = events,
	.n_events = S7_EV__COUNT,
	.max_pdu = 65535,
	.state_size = sizeof(struct s7_state),
	.keywords = kws,
	.n_keywords = sizeof(kws) / sizeof(kws[0]),
	.tx_function = s_tx_function,
	.facts = s_facts,
};
