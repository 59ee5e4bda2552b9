/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Modbus/TCP (MBAP framing, TCP and UDP port 502).
 *
 * Each PDU is a transaction record: a request carries the request, a
 * response carries its request (matched by transaction id and unit from a
 * fixed table of pending requests) and the response. Exception responses
 * (function | 0x80) are reported on the response itself.
 *
 * Events (app-layer-event:modbus.<name>):
 *   modbus.invalid_protocol_id       MBAP protocol identifier is not 0
 *   modbus.unsolicited_response      a response no pending request matches
 *   modbus.invalid_length            MBAP length outside 2..254 (up to 256 is
 *                                    still framed: UMAS devices send 255), or a PDU whose
 *                                    length does not fit its function
 *   modbus.invalid_unit_identifier   unit identifier 248..254 (reserved)
 *   modbus.invalid_function_code     function 0, or a request with bit 0x80
 *   modbus.invalid_value             a field outside its allowed values (coil
 *                                    value, quantity limits, byte count)
 *   modbus.invalid_exception_code    exception code not defined by the spec
 *   modbus.value_mismatch            a response that contradicts its request
 *                                    (function, echoed address or value)
 *   modbus.flooded                   more outstanding requests than the table
 *                                    holds (the oldest is forgotten)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/uint.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/asset.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/modbus.h"

extern const struct proto_parser proto_modbus;

#define MB_PENDING 8
/* The specification caps the MBAP length at 254 (unit + 253-byte PDU);
 * Schneider UMAS sends 255. Lengths up to MB_MAX_LEN are framed (with an
 * event above 254) so that the stream stays in step. */
#define MB_MAX_LEN 256
#define MB_MAX_PDU (6 + MB_MAX_LEN)

static const char *const mb_events[MODBUS_EV__COUNT] = {
	[MODBUS_EV_INVALID_PROTOCOL_ID] = "modbus.invalid_protocol_id",
	[MODBUS_EV_UNSOLICITED_RESPONSE] = "modbus.unsolicited_response",
	[MODBUS_EV_INVALID_LENGTH] = "modbus.invalid_length",
	[MODBUS_EV_INVALID_UNIT_IDENTIFIER] = "modbus.invalid_unit_identifier",
	[MODBUS_EV_INVALID_FUNCTION_CODE] = "modbus.invalid_function_code",
	[MODBUS_EV_INVALID_VALUE] = "modbus.invalid_value",
	[MODBUS_EV_INVALID_EXCEPTION_CODE] = "modbus.invalid_exception_code",
	[MODBUS_EV_VALUE_MISMATCH] = "modbus.value_mismatch",
	[MODBUS_EV_FLOODED] = "modbus.flooded",
};

/* A request waiting for its response (no payload kept). */
struct mb_pending {
	uint16_t tid;
	uint8_t unit, fc;
	uint16_t addr, qty, value, sub;
	uint8_t mei, devid_code, devid_object;
	uint8_t used : 1, has_read : 1, has_write : 1, has_sub : 1;
	uint16_t raddr, rqty;
};

struct mb_state {
	struct mb_pending pend[MB_PENDING];
	uint8_t next;
};

/* ---- function codes --------------------------------------------------------- */

enum { CAT_PUBLIC_ASSIGNED = 1, CAT_PUBLIC_UNASSIGNED = 2, CAT_USER = 4, CAT_RESERVED = 8 };
enum { ACC_READ = 1, ACC_WRITE = 2 };
enum { T_DISCRETES = 1, T_COILS = 2, T_INPUT = 4, T_HOLDING = 8 };

static const char *fc_name(uint8_t fc)
{
	switch (fc) {
	case 1: return "RdCoils";
	case 2: return "RdDiscreteInputs";
	case 3: return "RdHoldRegs";
	case 4: return "RdInputRegs";
	case 5: return "WrSingleCoil";
	case 6: return "WrSingleReg";
	case 7: return "RdExcStatus";
	case 8: return "Diagnostic";
	case 11: return "GetCommEventCounter";
	case 12: return "GetCommEventLog";
	case 15: return "WrMultCoils";
	case 16: return "WrMultRegs";
	case 17: return "ReportServerID";
	case 20: return "RdFileRec";
	case 21: return "WrFileRec";
	case 22: return "MaskWrReg";
	case 23: return "RdWrMultRegs";
	case 24: return "RdFIFOQueue";
	case 43: return "MEI";
	default: return "Unknown";
	}
}

static int fc_category(uint8_t fc)
{
	switch (fc) {
	case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 11: case 12:
	case 15: case 16: case 17: case 20: case 21: case 22: case 23: case 24: case 43:
		return CAT_PUBLIC_ASSIGNED;
	case 9: case 10: case 13: case 14: case 41: case 42: case 90: case 91: case 125:
	case 126: case 127:
		return CAT_RESERVED;
	default:
		if ((fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110))
			return CAT_USER;
		return CAT_PUBLIC_UNASSIGNED;
	}
}

static const char *cat_name(int c)
{
	switch (c) {
	case CAT_PUBLIC_ASSIGNED: return "PUBLIC_ASSIGNED";
	case CAT_PUBLIC_UNASSIGNED: return "PUBLIC_UNASSIGNED";
	case CAT_USER: return "USER_DEFINED";
	default: return "RESERVED";
	}
}

/* access (ACC_*) and types (T_*) of a function */
static void fc_access(uint8_t fc, int *acc, int *rtypes, int *wtypes)
{
	*acc = 0;
	*rtypes = *wtypes = 0;
	switch (fc) {
	case 1: *acc = ACC_READ; *rtypes = T_COILS; break;
	case 2: *acc = ACC_READ; *rtypes = T_DISCRETES; break;
	case 3: *acc = ACC_READ; *rtypes = T_HOLDING; break;
	case 4: *acc = ACC_READ; *rtypes = T_INPUT; break;
	case 5: case 15: *acc = ACC_WRITE; *wtypes = T_COILS; break;
	case 6: case 16: case 22: *acc = ACC_WRITE; *wtypes = T_HOLDING; break;
	case 23: *acc = ACC_READ | ACC_WRITE; *rtypes = *wtypes = T_HOLDING; break;
	case 24: *acc = ACC_READ; *rtypes = T_HOLDING; break;
	}
}

static void access_str(uint8_t fc, char *out, size_t n)
{
	int acc, rt, wt;
	fc_access(fc, &acc, &rt, &wt);
	int t = rt | wt;
	if (!acc) {
		snprintf(out, n, "NONE");
		return;
	}
	/* per record: no printf */
	const char *parts[4] = { (acc & ACC_READ) ? "READ" : "",
				 acc == (ACC_READ | ACC_WRITE) ? " | " : "",
				 (acc & ACC_WRITE) ? "WRITE" : "",
				 t == T_COILS ? " | COILS" : t == T_DISCRETES ? " | DISCRETES" :
				 t == T_HOLDING ? " | HOLDING" : t == T_INPUT ? " | INPUT" : "" };
	size_t k = 0;
	for (int i = 0; i < 4; i++)
		for (const char *c = parts[i]; *c && k + 1 < n; c++)
			out[k++] = *c;
	if (n)
		out[k] = 0;
}

/* ---- framing ----------------------------------------------------------------- */

static int mb_probe(const uint8_t *buf, size_t len, uint8_t dir)
{
	if (len < 8)
		return len == 0 ? APP_PROBE_MORE : (len >= 4 && (buf[2] || buf[3])) ? APP_PROBE_NO
										       : APP_PROBE_MORE;
	uint16_t pid = (uint16_t)(buf[2] << 8 | buf[3]);
	uint16_t l = (uint16_t)(buf[4] << 8 | buf[5]);
	uint8_t fc = buf[7];
	if (pid != 0 || l < 2 || l > MB_MAX_LEN)
		return APP_PROBE_NO;
	/* reserved function codes are accepted: 90 is Schneider's UMAS, the
	 * very traffic a sensor must see */
	if (dir == APP_TOSERVER) {
		if (fc == 0 || fc >= 0x80)
			return APP_PROBE_NO;
	} else {
		uint8_t f = fc & 0x7f;
		if (f == 0)
			return APP_PROBE_NO;
		if ((fc & 0x80) && l != 3)
			return APP_PROBE_NO;
	}
	/* a second PDU in the same bytes must also look right */
	if (len >= (size_t)6 + l + 8) {
		const uint8_t *n = buf + 6 + l;
		if (n[2] || n[3] || (n[4] << 8 | n[5]) < 2 || (n[4] << 8 | n[5]) > MB_MAX_LEN)
			return APP_PROBE_NO;
	}
	return APP_PROBE_YES;
}

static int mb_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *buf,
		      size_t len, size_t *pdu_len)
{
	(void)state;
	(void)dir;
	if (len < 6)
		return APP_FRAME_MORE;
	uint16_t l = (uint16_t)(buf[4] << 8 | buf[5]);
	if (l < 2 || l > MB_MAX_LEN) {
		app_emit_event(ctx, &proto_modbus, MODBUS_EV_INVALID_LENGTH);
		return APP_FRAME_BAD;
	}
	/* while hunting for a header after garbage or a gap, only a header
	 * within the specification is taken (protocol id 0, length <= 254) */
	if (app_ctx_resyncing(ctx) && (buf[2] || buf[3] || l > 254))
		return APP_FRAME_BAD;
	*pdu_len = 6u + l;
	return APP_FRAME_OK;
}

/* ---- parsing ------------------------------------------------------------------- */

static void ev(struct app_ctx *ctx, uint16_t e)
{
	app_emit_event(ctx, &proto_modbus, e);
}

static bool parse_request(struct app_ctx *ctx, struct cursor *c, struct modbus_pdu *m)
{
	size_t n = cur_left(c);
	switch (m->fc) {
	case 1: case 2: case 3: case 4:
		if (n != 4)
			goto badlen;
		m->has_read = true;
		m->read_addr = cur_be16(c);
		m->read_qty = cur_be16(c);
		if (m->read_qty == 0 || m->read_qty > (m->fc <= 2 ? 2000 : 125))
			ev(ctx, MODBUS_EV_INVALID_VALUE);
		return true;
	case 5: case 6:
		if (n != 4)
			goto badlen;
		m->has_write = true;
		m->write_addr = cur_be16(c);
		m->write_qty = 1;
		m->value = cur_be16(c);
		m->data = c->p - 2;
		m->data_len = 2;
		if (m->fc == 5 && m->value != 0 && m->value != 0xff00)
			ev(ctx, MODBUS_EV_INVALID_VALUE);
		return true;
	case 15: case 16: {
		if (n < 6)
			goto badlen;
		m->has_write = true;
		m->write_addr = cur_be16(c);
		m->write_qty = cur_be16(c);
		uint8_t bc = cur_u8(c);
		m->data_len = (uint16_t)cur_left(c);
		m->data = cur_ptr(c, m->data_len);
		uint32_t want = m->fc == 15 ? (m->write_qty + 7u) / 8u : m->write_qty * 2u;
		if (bc != m->data_len)
			goto badlen;
		if (m->write_qty == 0 || m->write_qty > (m->fc == 15 ? 1968 : 123) || bc != want)
			ev(ctx, MODBUS_EV_INVALID_VALUE);
		if (m->fc == 16 && m->write_qty == 1 && m->data_len >= 2)
			m->value = (uint16_t)(m->data[0] << 8 | m->data[1]);
		return true;
	}
	case 7: case 11: case 12: case 17:
		if (n != 0)
			goto badlen;
		return true;
	case 8:
		if (n < 2)
			goto badlen;
		m->has_sub = true;
		m->sub = cur_be16(c);
		m->data_len = (uint16_t)cur_left(c);
		m->data = cur_ptr(c, m->data_len);
		return true;
	case 20: case 21: {
		if (n < 1)
			goto badlen;
		uint8_t bc = cur_u8(c);
		if (bc != cur_left(c))
			goto badlen;
		while (cur_left(c) >= 7 && m->file_records < 255) {
			if (cur_u8(c) != 6)
				ev(ctx, MODBUS_EV_INVALID_VALUE);
			cur_skip(c, 4);
			uint16_t rl = cur_be16(c);
			if (m->fc == 21 && !cur_skip(c, (size_t)rl * 2))
				goto badlen;
			m->file_records++;
		}
		if (cur_left(c))
			goto badlen;
		return true;
	}
	case 22:
		if (n != 6)
			goto badlen;
		m->has_write = true;
		m->write_addr = cur_be16(c);
		m->write_qty = 1;
		m->and_mask = cur_be16(c);
		m->or_mask = cur_be16(c);
		return true;
	case 23: {
		if (n < 9)
			goto badlen;
		m->has_read = m->has_write = true;
		m->read_addr = cur_be16(c);
		m->read_qty = cur_be16(c);
		m->write_addr = cur_be16(c);
		m->write_qty = cur_be16(c);
		uint8_t bc = cur_u8(c);
		m->data_len = (uint16_t)cur_left(c);
		m->data = cur_ptr(c, m->data_len);
		if (bc != m->data_len)
			goto badlen;
		if (m->read_qty == 0 || m->read_qty > 125 || m->write_qty == 0 ||
		    m->write_qty > 121 || bc != m->write_qty * 2u)
			ev(ctx, MODBUS_EV_INVALID_VALUE);
		return true;
	}
	case 24:
		if (n != 2)
			goto badlen;
		m->has_read = true;
		m->read_addr = cur_be16(c);
		m->read_qty = 1;
		return true;
	case 43:
		if (n < 1)
			goto badlen;
		m->mei = cur_u8(c);
		if (m->mei == 14) {
			if (n != 3)
				goto badlen;
			m->devid_code = cur_u8(c);
			m->devid_object = cur_u8(c);
			if (m->devid_code < 1 || m->devid_code > 4)
				ev(ctx, MODBUS_EV_INVALID_VALUE);
		}
		return true;
	default:
		return true; /* user-defined or unknown: no fixed layout */
	}
badlen:
	ev(ctx, MODBUS_EV_INVALID_LENGTH);
	return false;
}

static bool parse_response(struct app_ctx *ctx, struct cursor *c, struct modbus_pdu *m,
			   const struct mb_pending *q)
{
	size_t n = cur_left(c);
	switch (m->fc) {
	case 1: case 2: case 3: case 4: case 23: case 24: {
		if (n < 1)
			goto badlen;
		size_t bc = m->fc == 24 ? (n >= 2 ? (size_t)cur_be16(c) : 0) : cur_u8(c);
		if (bc != cur_left(c))
			goto badlen;
		m->data_len = (uint16_t)bc;
		m->data = cur_ptr(c, bc);
		if (q && q->has_read && m->fc != 24) {
			size_t want = m->fc <= 2 ? (q->qty + 7u) / 8u : q->qty * 2u;
			if (m->fc == 23)
				want = q->rqty * 2u;
			if (bc != want)
				ev(ctx, MODBUS_EV_VALUE_MISMATCH);
		}
		return true;
	}
	case 5: case 6:
		if (n != 4)
			goto badlen;
		m->has_write = true;
		m->write_addr = cur_be16(c);
		m->value = cur_be16(c);
		m->write_qty = 1;
		if (q && (q->addr != m->write_addr || q->value != m->value))
			ev(ctx, MODBUS_EV_VALUE_MISMATCH);
		return true;
	case 15: case 16:
		if (n != 4)
			goto badlen;
		m->has_write = true;
		m->write_addr = cur_be16(c);
		m->write_qty = cur_be16(c);
		if (q && (q->addr != m->write_addr || q->qty != m->write_qty))
			ev(ctx, MODBUS_EV_VALUE_MISMATCH);
		return true;
	case 8:
		if (n < 2)
			goto badlen;
		m->has_sub = true;
		m->sub = cur_be16(c);
		m->data_len = (uint16_t)cur_left(c);
		m->data = cur_ptr(c, m->data_len);
		if (q && q->has_sub && q->sub != m->sub)
			ev(ctx, MODBUS_EV_VALUE_MISMATCH);
		return true;
	case 22:
		if (n != 6)
			goto badlen;
		m->has_write = true;
		m->write_addr = cur_be16(c);
		m->and_mask = cur_be16(c);
		m->or_mask = cur_be16(c);
		return true;
	case 43:
		if (n < 1)
			goto badlen;
		m->mei = cur_u8(c);
		if (m->mei == 14) {
			if (n < 7)
				goto badlen;
			m->devid_code = cur_u8(c);
			m->conformity = cur_u8(c);
			cur_u8(c); /* more follows */
			cur_u8(c); /* next object id */
			uint8_t nobj = cur_u8(c);
			m->objects = c->p;
			m->objects_len = (uint16_t)cur_left(c);
			for (unsigned i = 0; i < nobj; i++) {
				uint8_t id = cur_u8(c);
				uint8_t l = cur_u8(c);
				const uint8_t *v = cur_ptr(c, l);
				if (!cur_ok(c))
					goto badlen;
				if (id < MODBUS_DEVID_MAX && m->n_devid < MODBUS_DEVID_MAX) {
					m->devid[m->n_devid].id = id;
					m->devid[m->n_devid].len = l;
					m->devid[m->n_devid].val = v;
					m->n_devid++;
				}
			}
			if (cur_left(c))
				goto badlen;
		}
		return true;
	default:
		m->data_len = (uint16_t)n;
		m->data = cur_ptr(c, n);
		return true;
	}
badlen:
	ev(ctx, MODBUS_EV_INVALID_LENGTH);
	return false;
}

static struct mb_pending *find_pending(struct mb_state *s, uint16_t tid, uint8_t unit)
{
	for (int i = 0; i < MB_PENDING; i++)
		if (s->pend[i].used && s->pend[i].tid == tid && s->pend[i].unit == unit)
			return &s->pend[i];
	return NULL;
}

static void remember(struct app_ctx *ctx, struct mb_state *s, const struct modbus_pdu *m)
{
	struct mb_pending *q = find_pending(s, m->tid, m->unit);
	if (!q) {
		for (int i = 0; i < MB_PENDING && !q; i++)
			if (!s->pend[i].used)
				q = &s->pend[i];
	}
	if (!q) {
		ev(ctx, MODBUS_EV_FLOODED);
		q = &s->pend[s->next];
		s->next = (uint8_t)((s->next + 1) % MB_PENDING);
	}
	memset(q, 0, sizeof(*q));
	q->used = 1;
	q->tid = m->tid;
	q->unit = m->unit;
	q->fc = m->fc;
	q->has_read = m->has_read;
	q->has_write = m->has_write;
	q->has_sub = m->has_sub;
	q->addr = m->has_write ? m->write_addr : m->read_addr;
	q->qty = m->has_write && !m->has_read ? m->write_qty : m->read_qty;
	q->raddr = m->read_addr;
	q->rqty = m->read_qty;
	q->value = m->value;
	q->sub = m->sub;
	q->mei = m->mei;
	q->devid_code = m->devid_code;
	q->devid_object = m->devid_object;
}

static void pending_to_pdu(const struct mb_pending *q, struct modbus_pdu *m)
{
	memset(m, 0, sizeof(*m));
	m->tid = q->tid;
	m->unit = q->unit;
	m->fc = q->fc;
	m->has_read = q->has_read;
	m->has_write = q->has_write;
	m->has_sub = q->has_sub;
	m->sub = q->sub;
	m->mei = q->mei;
	m->devid_code = q->devid_code;
	m->devid_object = q->devid_object;
	m->value = q->value;
	if (q->has_read) {
		m->read_addr = q->raddr;
		m->read_qty = q->rqty;
	}
	if (q->has_write) {
		m->write_addr = q->addr;
		m->write_qty = q->has_read ? 0 : q->qty;
	}
}

static int mb_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct mb_state *s = state;
	struct cursor c = cur_make(pdu, len);
	struct modbus_tx tx;
	memset(&tx, 0, sizeof(tx));
	struct modbus_pdu *m = dir == APP_TOSERVER ? &tx.req : &tx.resp;
	m->tid = cur_be16(&c);
	m->pid = cur_be16(&c);
	m->len = cur_be16(&c);
	m->unit = cur_u8(&c);
	uint8_t raw = cur_u8(&c);
	if (!cur_ok(&c)) {
		ev(ctx, MODBUS_EV_INVALID_LENGTH);
		return -1;
	}
	if (m->len > 254)
		ev(ctx, MODBUS_EV_INVALID_LENGTH);
	if (m->pid != 0)
		ev(ctx, MODBUS_EV_INVALID_PROTOCOL_ID);
	if (m->unit >= 248 && m->unit <= 254)
		ev(ctx, MODBUS_EV_INVALID_UNIT_IDENTIFIER);
	m->fc = raw & 0x7f;
	m->exception = (raw & 0x80) != 0;
	if (m->fc == 0 || (dir == APP_TOSERVER && m->exception)) {
		ev(ctx, MODBUS_EV_INVALID_FUNCTION_CODE);
		m->exception = false;
		m->fc = raw;
	}
	struct app_tx t = { &proto_modbus, dir, dir != APP_TOSERVER, &tx };
	if (dir == APP_TOSERVER) {
		tx.has_req = true;
		parse_request(ctx, &c, m);
		remember(ctx, s, m);
		app_emit_tx(ctx, &t);
		return 0;
	}
	tx.has_resp = true;
	struct mb_pending *q = find_pending(s, m->tid, m->unit);
	if (!q) {
		ev(ctx, MODBUS_EV_UNSOLICITED_RESPONSE);
	} else {
		pending_to_pdu(q, &tx.req);
		tx.has_req = true;
		if (q->fc != m->fc)
			ev(ctx, MODBUS_EV_VALUE_MISMATCH);
	}
	if (m->exception) {
		if (cur_left(&c) != 1) {
			ev(ctx, MODBUS_EV_INVALID_LENGTH);
		} else {
			m->exc_code = cur_u8(&c);
			uint8_t e = m->exc_code;
			if (!(e >= 1 && e <= 6) && e != 8 && e != 10 && e != 11)
				ev(ctx, MODBUS_EV_INVALID_EXCEPTION_CODE);
		}
	} else {
		parse_response(ctx, &c, m, q && q->fc == m->fc ? q : NULL);
	}
	if (q)
		q->used = 0;
	app_emit_tx(ctx, &t);
	return 0;
}

static void *mb_new(const struct app_flow_info *fi)
{
	(void)fi;
	return calloc(1, sizeof(struct mb_state));
}

static void mb_free(void *s)
{
	free(s);
}

/* ---- EVE -------------------------------------------------------------------- */

static void log_pdu(struct jb *jb, const char *key, const struct modbus_pdu *m, bool resp)
{
	char acc[48];
	jb_open_object(jb, key);
	jb_set_uint(jb, "transaction_id", m->tid);
	jb_set_uint(jb, "protocol_id", m->pid);
	jb_set_uint(jb, "unit_id", m->unit);
	jb_set_uint(jb, "function_raw", m->exception ? (m->fc | 0x80u) : m->fc);
	jb_set_ascii(jb, "function_code", fc_name(m->fc));
	access_str(m->fc, acc, sizeof(acc));
	jb_set_ascii(jb, "access_type", acc);
	jb_set_ascii(jb, "category", cat_name(fc_category(m->fc)));
	if (m->exception) {
		jb_open_object(jb, "exception");
		jb_set_uint(jb, "raw", m->exc_code);
		static const char *const names[] = { "Unknown", "IllegalFunction", "IllegalDataAddr",
						     "IllegalDataValue", "ServerDeviceFail", "Ack",
						     "ServerDeviceBusy", "Unknown", "MemParityErr",
						     "Unknown", "GatewayPathUnavail", "GatewayTargetFailToResp" };
		jb_set_ascii(jb, "code", m->exc_code < 12 ? names[m->exc_code] : "Unknown");
		jb_close(jb);
		jb_close(jb);
		return;
	}
	if (m->has_read && !resp) {
		jb_open_object(jb, "read");
		jb_set_uint(jb, "address", m->read_addr);
		jb_set_uint(jb, "quantity", m->read_qty);
		jb_close(jb);
	}
	if (m->has_write) {
		jb_open_object(jb, "write");
		jb_set_uint(jb, "address", m->write_addr);
		if (m->fc == 22) {
			jb_set_uint(jb, "and_mask", m->and_mask);
			jb_set_uint(jb, "or_mask", m->or_mask);
		} else if (m->fc == 5 || m->fc == 6) {
			jb_set_uint(jb, "data", m->value);
		} else {
			jb_set_uint(jb, "quantity", m->write_qty);
		}
		jb_close(jb);
		/* the values of a multiple write: Suricata's schema has write.data
		 * as the value of a single write (a number), and the request's
		 * data (a string) for its bytes */
		if (!resp && m->fc != 5 && m->fc != 6 && m->fc != 22 && m->data && m->data_len)
			jb_set_hex(jb, "data", m->data, m->data_len);
	}
	if (m->has_sub) {
		jb_open_object(jb, "diagnostic");
		jb_set_uint(jb, "raw", m->sub);
		static const char *const sn[] = { "ReturnQueryData", "RestartCommunicationsOption",
						  "ReturnDiagnosticRegister", "ChangeAsciiInputDelimiter",
						  "ForceListenOnlyMode" };
		jb_set_ascii(jb, "code", m->sub < 5 ? sn[m->sub] : m->sub == 10 ? "ClearCounters" : "Other");
		if (m->data && m->data_len)
			jb_set_hex(jb, "data", m->data, m->data_len);
		jb_close(jb);
	}
	if (m->fc == 43) {
		jb_open_object(jb, "mei");
		jb_set_uint(jb, "raw", m->mei);
		jb_set_ascii(jb, "code", m->mei == 14 ? "ReadDeviceIdentification" :
					m->mei == 13 ? "CANopenGeneralReference" : "Unknown");
		if (m->mei == 14) {
			jb_set_uint(jb, "read_device_id_code", m->devid_code);
			if (!resp)
				jb_set_uint(jb, "object_id", m->devid_object);
			else
				jb_set_uint(jb, "conformity_level", m->conformity);
			static const char *const on[] = { "vendor_name", "product_code", "revision" };
			for (unsigned i = 0; i < m->n_devid; i++)
				jb_set_strn(jb, on[m->devid[i].id], m->devid[i].val, m->devid[i].len);
		}
		jb_close(jb);
	}
	if (m->fc == 20 || m->fc == 21)
		jb_set_uint(jb, "file_records", m->file_records);
	if (resp && m->data && m->data_len && !m->has_write && !m->has_sub) {
		/* a read's values in read.data, as Suricata logs them; the data
		 * of the other responses (FIFO, server id, ...) as data */
		bool rd = (m->fc >= 1 && m->fc <= 4) || m->fc == 23;
		if (rd)
			jb_open_object(jb, "read");
		jb_set_hex(jb, "data", m->data, m->data_len);
		if (rd)
			jb_close(jb);
	}
	jb_close(jb);
}

static void mb_log(const struct app_tx *t, struct jb *jb)
{
	const struct modbus_tx *tx = t->data;
	if (tx->has_req)
		log_pdu(jb, "request", &tx->req, false);
	if (tx->has_resp)
		log_pdu(jb, "response", &tx->resp, true);
}

/* ---- asset inventory ---------------------------------------------------------- */

/* Read Device Identification (MB Application Protocol 1.1b3, 6.21): the
 * answering device's basic objects (0x00 VendorName, 0x01 ProductCode,
 * 0x02 MajorMinorRevision), regular ones (0x03 VendorUrl, 0x04
 * ProductName, 0x05 ModelName, 0x06 UserApplicationName) and extended
 * ones (0x80-0xff, vendor-defined: not interpreted). The unit id names
 * the device (a gateway answers for the devices behind it, one unit
 * each): the first unit a device answers for is taken as the device
 * itself. File record reads and writes (20, 21) are what engineering tools
 * do (configuration, firmware). */
static __attribute__((noinline)) bool mb_identity_of(const struct modbus_pdu *m,
						     struct app_identity *id)
{
	app_identity_init(id);
	const uint8_t *obj[7] = { 0 };
	uint8_t len[7] = { 0 };
	struct cursor c = cur_make(m->objects, m->objects_len);
	while (cur_left(&c) >= 2) {
		uint8_t oid = cur_u8(&c), l = cur_u8(&c);
		const uint8_t *v = cur_ptr(&c, l);
		if (!v)
			break;
		if (oid < 7 && !obj[oid]) {
			obj[oid] = v;
			len[oid] = l;
		}
	}
	if (obj[0])
		app_identity_set(id, APP_IDF_VENDOR, obj[0], len[0]);
	/* the product by name, else by code; the model by name, else the
	 * code when the name took the product */
	if (obj[4])
		app_identity_set(id, APP_IDF_PRODUCT, obj[4], len[4]);
	else if (obj[1])
		app_identity_set(id, APP_IDF_PRODUCT, obj[1], len[1]);
	if (obj[5])
		app_identity_set(id, APP_IDF_MODEL, obj[5], len[5]);
	else if (obj[1] && obj[4])
		app_identity_set(id, APP_IDF_MODEL, obj[1], len[1]);
	if (obj[2])
		app_identity_set(id, APP_IDF_FIRMWARE, obj[2], len[2]);
	if (obj[6])
		app_identity_set(id, APP_IDF_NAME, obj[6], len[6]);
	if (obj[3])
		app_identity_ext(id, "vendor_url", obj[3], len[3]);
	snprintf(id->component, sizeof(id->component), "unit %u", m->unit);
	id->may_be_self = true;
	app_identity_num(id, "unit", m->unit, APP_ID_SENDER);
	id->role[0] = APP_ROLE_FIELD;
	return true;
}

/* called for every tx: two compares for a poll */
static bool mb_identity(const struct app_tx *t, bool first, struct app_identity *id)
{
	(void)first;
	const struct modbus_tx *tx = t->data;
	if (t->is_response) {
		const struct modbus_pdu *m = &tx->resp;
		if (m->fc != 43 || m->mei != 14 || m->exception || !m->objects)
			return false;
		return mb_identity_of(m, id);
	}
	if (tx->req.fc != 20 && tx->req.fc != 21)
		return false;
	app_identity_init(id);
	id->role[0] = APP_ROLE_ENGINEERING;
	return true;
}

static int mb_tx_function(const struct app_tx *t)
{
	const struct modbus_tx *tx = t->data;
	return tx->has_req ? tx->req.fc : tx->resp.fc;
}

/* ---- facts (the learned baseline) -------------------------------------------
 *
 * function: the function code; sub-device: the unit identifier. Address
 * spaces (id name): 1 coil, 2 discrete_input, 3 input_register,
 * 4 holding_register. Values: registers and coils written by a request
 * (5, 6, 15, 16, 23), and read by a response (1-4, 23: at the addresses of
 * the matched request). Identity: Read Device Identification (43/14). */

enum { SP_COIL = 1, SP_DISCRETE, SP_INPUT, SP_HOLDING };
static const char *const sp_names[] = { NULL, "coil", "discrete_input", "input_register",
					 "holding_register" };

static uint8_t fc_class(uint8_t fc)
{
	switch (fc) {
	case 1: case 2: case 3: case 4: case 24: return APP_FCLASS_READ;
	case 5: case 6: case 15: case 16: case 22: case 23: return APP_FCLASS_WRITE;
	case 7: case 8: case 11: case 12: return APP_FCLASS_DIAGNOSTIC;
	case 17: case 43: return APP_FCLASS_DISCOVERY;
	case 20: case 21: return APP_FCLASS_FILE;
	case 90: return APP_FCLASS_PROGRAM; /* Schneider UMAS: the engineering protocol */
	default: return APP_FCLASS_OTHER;
	}
}

/* the space an access of function fc (rtypes/wtypes bits) touches */
static int fc_space(int types)
{
	return types == T_COILS ? SP_COIL : types == T_DISCRETES ? SP_DISCRETE
	       : types == T_INPUT ? SP_INPUT : types == T_HOLDING ? SP_HOLDING : 0;
}

static void facts_range(struct app_facts *f, int sp, uint16_t addr, uint16_t qty)
{
	if (sp && qty)
		app_facts_range(f, sp_names[sp], (uint16_t)sp, 0, addr,
				(uint32_t)addr + qty - 1u);
}

/* n values of space sp from data (registers big-endian, or coils as bits,
 * least significant first) at addr */
static void facts_values(struct app_facts *f, int sp, uint16_t addr, uint16_t n,
			 const uint8_t *data, uint16_t len, bool written)
{
	if (!sp || !data || !f->want_values)
		return;
	bool bits = sp == SP_COIL || sp == SP_DISCRETE;
	struct cursor c = cur_make(data, len);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v;
		if (bits) {
			int b = cur_peek_u8(&c, i / 8);
			if (b < 0)
				break;
			v = ((unsigned)b >> (i % 8)) & 1u;
		} else {
			v = cur_be16(&c);
			if (!cur_ok(&c))
				break;
		}
		app_facts_value(f, sp_names[sp], (uint16_t)sp, 0, (uint32_t)addr + i, written, v);
	}
}

static void mb_facts(const struct app_tx *t, struct app_facts *f)
{
	const struct modbus_tx *tx = t->data;
	const struct modbus_pdu *m = t->dir == APP_TOSERVER ? &tx->req : &tx->resp;
	f->function = m->fc;
	f->function_name = fc_category(m->fc) == CAT_PUBLIC_ASSIGNED ? fc_name(m->fc) : NULL;
	f->fclass = fc_class(m->fc);
	f->has_unit = true;
	f->unit = m->unit;
	f->unit_name = "unit_id";
	/* a response gives values and identities only: none wanted, none */
	if (t->dir != APP_TOSERVER && !f->want_values && m->fc != 43)
		return;
	int acc, rt, wt;
	fc_access(m->fc, &acc, &rt, &wt);
	int rsp = fc_space(rt), wsp = fc_space(wt);
	if (t->dir == APP_TOSERVER) {
		if (m->has_read)
			facts_range(f, rsp, m->read_addr, m->read_qty);
		if (m->has_write) {
			facts_range(f, wsp, m->write_addr, m->write_qty);
			if (!f->want_values)
				return;
			if (m->fc == 5)
				app_facts_value(f, sp_names[SP_COIL], SP_COIL, 0, m->write_addr, true,
						m->value == 0xff00 ? 1 : m->value);
			else if (m->fc == 6)
				app_facts_value(f, sp_names[SP_HOLDING], SP_HOLDING, 0, m->write_addr,
						true, m->value);
			else if (m->fc == 15 || m->fc == 16 || m->fc == 23)
				facts_values(f, wsp, m->write_addr, m->write_qty, m->data, m->data_len,
					     true);
		}
		return;
	}
	if (m->exception || !tx->has_req)
		return;
	const struct modbus_pdu *q = &tx->req;
	if (q->has_read && (m->fc <= 4 || m->fc == 23))
		facts_values(f, rsp, q->read_addr, q->read_qty, m->data, m->data_len, false);
	if (m->fc == 43 && m->mei == 14) {
		static const char *const on[] = { "vendor_name", "product_code", "revision" };
		for (unsigned i = 0; i < m->n_devid; i++)
			app_facts_ident(f, on[m->devid[i].id], m->devid[i].val, m->devid[i].len);
	}
}

/* ---- the modbus: keyword (Suricata's syntax) --------------------------------- */

struct mb_kw {
	bool has_fc, has_sub, has_addr, has_value, has_unit;
	int cat;          /* category mask, 0 = none */
	bool cat_neg;
	struct du_match fc, sub, addr, value, unit;
	int access;       /* ACC_*, 0 = none */
	int atype;        /* T_*, 0 = any */
};

static int kw_setup(const char *arg, void **data, char *err, size_t errlen)
{
	if (!arg || !*arg) {
		snprintf(err, errlen, "missing value");
		return -1;
	}
	struct mb_kw *k = calloc(1, sizeof(*k));
	char *buf = strdup(arg);
	if (!k || !buf) {
		free(k);
		free(buf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char e[128];
	char *save;
	int rc = -1;
	for (char *cl = strtok_r(buf, ",", &save); cl; cl = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*cl))
			cl++;
		char *v = cl;
		while (*v && !isspace((unsigned char)*v))
			v++;
		if (*v)
			*v++ = 0;
		while (isspace((unsigned char)*v))
			v++;
		char *end = v + strlen(v);
		while (end > v && isspace((unsigned char)end[-1]))
			*--end = 0;
		if (strcmp(cl, "function") == 0) {
			bool neg = *v == '!';
			const char *w = neg ? v + 1 : v;
			static const struct { const char *n; int m; } cats[] = {
				{ "public", CAT_PUBLIC_ASSIGNED | CAT_PUBLIC_UNASSIGNED },
				{ "assigned", CAT_PUBLIC_ASSIGNED },
				{ "unassigned", CAT_PUBLIC_UNASSIGNED },
				{ "user", CAT_USER },
				{ "reserved", CAT_RESERVED },
				{ "all", 15 },
			};
			int cm = 0;
			for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
				if (strcmp(w, cats[i].n) == 0)
					cm = cats[i].m;
			if (cm) {
				k->cat = cm;
				k->cat_neg = neg;
			} else if (du_parse(v, 255, NULL, 0, &k->fc, e, sizeof(e)) < 0) {
				snprintf(err, errlen, "function: %s", e);
				goto out;
			} else {
				k->has_fc = true;
			}
		} else if (strcmp(cl, "subfunction") == 0) {
			if (du_parse(v, 65535, NULL, 0, &k->sub, e, sizeof(e)) < 0) {
				snprintf(err, errlen, "subfunction: %s", e);
				goto out;
			}
			k->has_sub = true;
		} else if (strcmp(cl, "access") == 0) {
			char *t = v;
			while (*t && !isspace((unsigned char)*t))
				t++;
			if (*t)
				*t++ = 0;
			while (isspace((unsigned char)*t))
				t++;
			if (strcmp(v, "read") == 0)
				k->access = ACC_READ;
			else if (strcmp(v, "write") == 0)
				k->access = ACC_WRITE;
			else {
				snprintf(err, errlen, "access: expected read or write, got '%s'", v);
				goto out;
			}
			if (*t) {
				if (strcmp(t, "discretes") == 0 && k->access == ACC_READ)
					k->atype = T_DISCRETES;
				else if (strcmp(t, "coils") == 0)
					k->atype = T_COILS;
				else if (strcmp(t, "input") == 0 && k->access == ACC_READ)
					k->atype = T_INPUT;
				else if (strcmp(t, "holding") == 0)
					k->atype = T_HOLDING;
				else {
					snprintf(err, errlen, "access: invalid type '%s' for %s", t,
						 k->access == ACC_READ ? "read" : "write");
					goto out;
				}
			}
		} else if (strcmp(cl, "address") == 0) {
			if (du_parse(v, 65535, NULL, 0, &k->addr, e, sizeof(e)) < 0) {
				snprintf(err, errlen, "address: %s", e);
				goto out;
			}
			k->has_addr = true;
		} else if (strcmp(cl, "value") == 0) {
			if (du_parse(v, 65535, NULL, 0, &k->value, e, sizeof(e)) < 0) {
				snprintf(err, errlen, "value: %s", e);
				goto out;
			}
			k->has_value = true;
		} else if (strcmp(cl, "unit") == 0) {
			if (du_parse(v, 255, NULL, 0, &k->unit, e, sizeof(e)) < 0) {
				snprintf(err, errlen, "unit: %s", e);
				goto out;
			}
			k->has_unit = true;
		} else {
			snprintf(err, errlen, "unknown setting '%s' (function, subfunction, access, address, value, unit)", cl);
			goto out;
		}
	}
	if ((k->has_addr || k->has_value) && !k->access) {
		snprintf(err, errlen, "address and value need 'access read|write'");
		goto out;
	}
	if (k->has_value && k->access != ACC_WRITE) {
		snprintf(err, errlen, "value needs 'access write'");
		goto out;
	}
	if (k->has_sub && !(k->has_fc && du_single(&k->fc) == 8)) {
		snprintf(err, errlen, "subfunction needs 'function 8'");
		goto out;
	}
	if (!k->has_fc && !k->cat && !k->access && !k->has_unit) {
		snprintf(err, errlen, "nothing to match");
		goto out;
	}
	rc = 0;
out:
	free(buf);
	if (rc < 0)
		free(k);
	else
		*data = k;
	return rc;
}

static bool range_hits(const struct du_match *d, uint16_t start, uint16_t qty)
{
	if (qty == 0)
		qty = 1;
	for (uint32_t a = start; a < (uint32_t)start + qty && a <= 65535; a++)
		if (du_match(d, a))
			return true;
	return false;
}

/* The part of the match that depends on the function code alone. */
static bool fc_ok(const struct mb_kw *k, uint8_t fc)
{
	if (k->has_fc && !du_match(&k->fc, fc))
		return false;
	if (k->cat && ((fc_category(fc) & k->cat) != 0) == k->cat_neg)
		return false;
	if (k->access) {
		int acc, rt, wt;
		fc_access(fc, &acc, &rt, &wt);
		if (!(acc & k->access))
			return false;
		int types = k->access == ACC_READ ? rt : wt;
		if (k->atype && !(types & k->atype))
			return false;
	}
	return true;
}

static bool kw_match(const void *data, const struct app_tx *t)
{
	const struct mb_kw *k = data;
	const struct modbus_tx *tx = t->data;
	if (!tx->has_req || t->is_response)
		return false;
	const struct modbus_pdu *m = &tx->req;
	if (k->has_unit && !du_match(&k->unit, m->unit))
		return false;
	if (!fc_ok(k, m->fc))
		return false;
	if (k->has_sub && (!m->has_sub || !du_match(&k->sub, m->sub)))
		return false;
	if (k->access) {
		if (k->has_addr) {
			bool hit = k->access == ACC_READ ? range_hits(&k->addr, m->read_addr, m->read_qty)
							 : range_hits(&k->addr, m->write_addr, m->write_qty);
			if (!hit)
				return false;
		}
		if (k->has_value) {
			bool hit = false;
			if (m->fc == 5 || m->fc == 6)
				hit = du_match(&k->value, m->value);
			else if ((m->fc == 16 || m->fc == 23) && m->data)
				for (unsigned i = 0; i + 1 < m->data_len && !hit; i += 2)
					hit = du_match(&k->value, (uint16_t)(m->data[i] << 8 | m->data[i + 1]));
			if (!hit)
				return false;
		}
	}
	return true;
}

/* A tx with a request reports the request's function (mb_tx_function), and
 * the matcher needs a request: the codes fc_ok accepts are the index. */
static bool kw_functions(const void *data, uint8_t *set)
{
	const struct mb_kw *k = data;
	if (!k->has_fc && !k->cat && !k->access)
		return false;
	for (unsigned fc = 0; fc <= 255; fc++)
		if (fc_ok(k, (uint8_t)fc))
			set[fc >> 3] |= (uint8_t)(1u << (fc & 7));
	return true;
}

static const struct app_keyword mb_keywords[] = {
	{ "modbus", kw_setup, kw_match, NULL, kw_functions, NULL },
};

static const uint16_t mb_ports[] = { 502, 0 };

const struct proto_parser proto_modbus = {
	.name = "modbus",
	.transport = APP_TCP | APP_UDP,
	.tcp_ports = mb_ports,
	.udp_ports = mb_ports,
	.probe = mb_probe,
	.pdu_len = mb_pdu_len,
	.parse_pdu = mb_parse,
	.gap = NULL,
	.state_new = mb_new,
	.state_free = mb_free,
	.log_tx = mb_log,
	.identity = mb_identity,
	.events = mb_events,
	.n_events = MODBUS_EV__COUNT,
	.max_pdu = MB_MAX_PDU,
	.state_size = sizeof(struct mb_state),
	.keywords = mb_keywords,
	.n_keywords = 1,
	.tx_function = mb_tx_function,
	.facts = mb_facts,
};
