/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EtherNet/IP and CIP: encapsulation over TCP 44818 and UDP 44818, class
 * 0/1 I/O datagrams on UDP 2222; common packet format items; CIP requests
 * and replies (service, class/instance/attribute path, general and extended
 * status) including every service inside a Multiple Service Packet and the
 * request inside an Unconnected Send; ListIdentity replies (vendor, device
 * type, product code, revision, serial, product name, state) for the asset
 * inventory; ListServices capabilities. Responses name the command of the
 * request they answer (matched by sender context).
 *
 * Events (app-layer-event:enip.<name>):
 *   enip.invalid_length        encapsulation length not what the command needs,
 *                              or data beyond the items
 *   enip.unsupported_command   a command EtherNet/IP does not define
 *   enip.invalid_cpf           a common packet format item beyond the message
 *   enip.invalid_cip_path      an EPATH segment that cannot be decoded
 *   enip.too_many_services     a Multiple Service Packet with more services than
 *                              are kept (64): the rest are not decoded
 *   enip.unsolicited_response  a reply (TCP) no pending request matches
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "detect/uint.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/asset.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/enip.h"

extern const struct proto_parser proto_enip;

#define PENDING 8

static const char *const events[ENIP_EV__COUNT] = {
	[ENIP_EV_INVALID_LENGTH] = "enip.invalid_length",
	[ENIP_EV_UNSUPPORTED_COMMAND] = "enip.unsupported_command",
	[ENIP_EV_INVALID_CPF] = "enip.invalid_cpf",
	[ENIP_EV_INVALID_CIP_PATH] = "enip.invalid_cip_path",
	[ENIP_EV_TOO_MANY_SERVICES] = "enip.too_many_services",
	[ENIP_EV_UNSOLICITED_RESPONSE] = "enip.unsolicited_response",
};

/* A request waiting for its reply. */
struct enip_pending {
	uint8_t ctx[8];
	uint16_t command;
	bool used;
	/* its CIP request (inside an Unconnected Send: the one sent on), so
	 * that an identity reply can be read */
	uint8_t cip_service;
	bool routed;
	uint8_t route_port;
	uint16_t cip_class;
	uint16_t route_link;
};

struct enip_state {
	bool io;
	bool udp;
	struct enip_pending pend[PENDING];
	uint8_t pend_next;
};

static void ev(struct app_ctx *ctx, uint16_t e)
{
	app_emit_event(ctx, &proto_enip, e);
}

static const char *cmd_name(uint16_t c)
{
	switch (c) {
	case 0x0000: return "NOP";
	case 0x0004: return "ListServices";
	case 0x0063: return "ListIdentity";
	case 0x0064: return "ListInterfaces";
	case 0x0065: return "RegisterSession";
	case 0x0066: return "UnregisterSession";
	case 0x006f: return "SendRRData";
	case 0x0070: return "SendUnitData";
	case 0x0072: return "IndicateStatus";
	case 0x0073: return "Cancel";
	default: return NULL;
	}
}

/* ---- framing ------------------------------------------------------------------ */

/* A class 0/1 I/O datagram: a common packet format list starting with an
 * address item (sequenced or connected). */
static bool looks_io(const uint8_t *b, size_t len)
{
	if (len < 6)
		return false;
	uint16_t n = (uint16_t)(b[0] | b[1] << 8);
	uint16_t t = (uint16_t)(b[2] | b[3] << 8);
	if (n < 1 || n > 4 || (t != 0x8002 && t != 0x00a1))
		return false;
	size_t off = 2;
	for (unsigned i = 0; i < n; i++) {
		if (off + 4 > len)
			return false;
		off += 4u + (uint16_t)(b[off + 2] | b[off + 3] << 8);
	}
	return off == len;
}

static int e_probe(const uint8_t *b, size_t len, uint8_t dir)
{
	(void)dir;
	if (looks_io(b, len))
		return APP_PROBE_YES;
	/* NOP (0) is a command, but zero-filled data looks just like it */
	if (len >= 2 && (!cmd_name((uint16_t)(b[0] | b[1] << 8)) || !(b[0] | b[1])))
		return APP_PROBE_NO;
	uint16_t cmd = len >= 2 ? (uint16_t)(b[0] | b[1] << 8) : 0;
	if (len >= 12) {
		/* encapsulation status: 0 in a request, a defined code in a reply */
		uint32_t st = (uint32_t)(b[8] | b[9] << 8 | b[10] << 16 | (uint32_t)b[11] << 24);
		if (dir == APP_TOSERVER ? st != 0
					: !(st <= 3 || st == 0x64 || st == 0x65 || st == 0x69))
			return APP_PROBE_NO;
	}
	/* the commands without a session: a request carries no data and
	 * session 0 (a DCE/RPC datagram starting 04 00 01 00 is not one) */
	bool sessionless = cmd == 0x04 || cmd == 0x63 || cmd == 0x64;
	if (sessionless && dir == APP_TOSERVER && len >= 4 && (b[2] | b[3]))
		return APP_PROBE_NO;
	if (sessionless && len >= 8 && (b[4] | b[5] | b[6] | b[7]))
		return APP_PROBE_NO;
	if (len < 24)
		return APP_PROBE_MORE;
	uint16_t l = (uint16_t)(b[2] | b[3] << 8);
	uint32_t opts = (uint32_t)(b[20] | b[21] << 8 | b[22] << 16 | (uint32_t)b[23] << 24);
	if (!cmd_name(cmd) || opts != 0)
		return APP_PROBE_NO;
	if ((cmd == 0x65 || cmd == 0x66) && dir == APP_TOSERVER && l != 4 && !(cmd == 0x66 && l == 0))
		return APP_PROBE_NO;
	if (cmd == 0x63 && dir == APP_TOSERVER && l != 0)
		return APP_PROBE_NO;
	return APP_PROBE_YES;
}

static int e_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *b, size_t len,
		     size_t *pdu_len)
{
	struct enip_state *s = state;
	(void)dir;
	(void)ctx;
	if (s && s->io) {
		*pdu_len = len; /* I/O: the datagram */
		return len ? APP_FRAME_OK : APP_FRAME_MORE;
	}
	if (len < 24)
		return APP_FRAME_MORE;
	uint16_t cmd = (uint16_t)(b[0] | b[1] << 8);
	uint32_t opts = (uint32_t)(b[20] | b[21] << 8 | b[22] << 16 | (uint32_t)b[23] << 24);
	if (opts != 0 || (!cmd_name(cmd) && cmd > 0x00ff))
		return APP_FRAME_BAD;
	*pdu_len = 24u + (uint16_t)(b[2] | b[3] << 8);
	return APP_FRAME_OK;
}

/* ---- CIP ------------------------------------------------------------------------ */

static bool parse_path(struct cursor *p, struct enip_cip *c)
{
	while (cur_left(p)) {
		uint8_t seg = cur_u8(p);
		switch (seg) {
		case 0x20: c->class_id = cur_u8(p); c->has_class = true; break;
		case 0x21: cur_u8(p); c->class_id = cur_le16(p); c->has_class = true; break;
		case 0x22: cur_u8(p); c->class_id = cur_le32(p); c->has_class = true; break;
		case 0x24: c->instance = cur_u8(p); c->has_instance = true; break;
		case 0x25: cur_u8(p); c->instance = cur_le16(p); c->has_instance = true; break;
		case 0x26: cur_u8(p); c->instance = cur_le32(p); c->has_instance = true; break;
		case 0x30: c->attribute = cur_u8(p); c->has_attribute = true; break;
		case 0x31: cur_u8(p); c->attribute = cur_le16(p); c->has_attribute = true; break;
		case 0x28: case 0x2c: cur_u8(p); break;               /* member, connection point */
		case 0x29: case 0x2d: cur_u8(p); cur_le16(p); break;
		case 0x91: {                                          /* ANSI extended symbolic */
			uint8_t n = cur_u8(p);
			const uint8_t *s = cur_ptr(p, n);
			if (s && !c->symbol[0]) {
				size_t k = 0;
				for (size_t i = 0; i < n && k + 1 < sizeof(c->symbol); i++)
					c->symbol[k++] = isprint(s[i]) ? (char)s[i] : '.';
				c->symbol[k] = 0;
			}
			if (n & 1)
				cur_u8(p);
			break;
		}
		default:
			if ((seg & 0xe0) == 0x00) { /* port segment */
				if (seg & 0x10) {
					uint8_t n = cur_u8(p);
					cur_skip(p, n + (n & 1));
				} else {
					cur_u8(p);
				}
				break;
			}
			if ((seg & 0xe0) == 0x80) { /* data segment */
				uint8_t n = cur_u8(p);
				cur_skip(p, (size_t)n * 2);
				break;
			}
			c->bad_path = true;
			return false;
		}
		if (!cur_ok(p)) {
			c->bad_path = true;
			return false;
		}
	}
	return true;
}

static struct enip_cip *new_cip(struct app_ctx *ctx, struct enip_tx *tx)
{
	if (tx->n_cip >= ENIP_MAX_CIP) {
		if (!tx->truncated)
			ev(ctx, ENIP_EV_TOO_MANY_SERVICES);
		tx->truncated = true;
		return NULL;
	}
	struct enip_cip *c = &tx->cip[tx->n_cip++];
	memset(c, 0, sizeof(*c));
	return c;
}

static void parse_cip(struct app_ctx *ctx, struct cursor *m, struct enip_tx *tx, int depth);

/* In a Multiple Service Packet, where the current service ends: at the
 * next offset (peeked through the cursor, not consumed), or at the end of
 * the data for the last one. false when the next offset is not there. */
static bool msp_next(const struct cursor *m, bool more, size_t blen, size_t *next)
{
	if (!more) {
		*next = blen;
		return true;
	}
	int lo = cur_peek_u8(m, 0), hi = cur_peek_u8(m, 1);
	if (lo < 0 || hi < 0)
		return false;
	*next = (size_t)(lo | hi << 8);
	return true;
}

static void parse_cip_request(struct app_ctx *ctx, struct cursor *m, struct enip_tx *tx, int depth)
{
	struct enip_cip *c = new_cip(ctx, tx);
	if (!c)
		return;
	c->service = cur_u8(m) & 0x7f;
	uint8_t words = cur_u8(m);
	struct cursor path = cur_sub(m, (size_t)words * 2);
	if (!cur_ok(m) || !parse_path(&path, c)) {
		ev(ctx, ENIP_EV_INVALID_CIP_PATH);
		return;
	}
	if (depth > 2)
		return;
	if (c->service == 0x0a && c->has_class && c->class_id == 2) { /* Multiple Service Packet */
		tx->multiple = true;
		const uint8_t *base = m->p;
		size_t blen = cur_left(m);
		uint16_t n = cur_le16(m);
		for (unsigned i = 0; i < n && cur_ok(m); i++) {
			uint16_t off = cur_le16(m);
			size_t next;
			if (!msp_next(m, i + 1 < n, blen, &next) || !cur_ok(m) || off >= blen ||
			    next > blen || next <= off) {
				ev(ctx, ENIP_EV_INVALID_LENGTH);
				return;
			}
			struct cursor sub = cur_make(base + off, next - off);
			parse_cip(ctx, &sub, tx, depth + 1);
		}
	} else if (c->service == 0x52 && c->has_class && c->class_id == 6) { /* Unconnected Send */
		tx->unconnected_send = true;
		cur_u8(m);
		cur_u8(m);
		uint16_t sz = cur_le16(m);
		struct cursor sub = cur_sub(m, sz);
		if (cur_ok(m))
			parse_cip(ctx, &sub, tx, depth + 1);
		/* the route path (CIP Vol 1, 3-5.5.1.1): pad, size in words,
		 * reserved, then port segments; the first names the module */
		if (sz & 1)
			cur_u8(m);
		uint8_t rwords = cur_u8(m);
		cur_u8(m);
		struct cursor rp = cur_sub(m, (size_t)rwords * 2);
		uint8_t seg = cur_u8(&rp);
		if (cur_ok(m) && cur_ok(&rp) && rwords && (seg & 0xe0) == 0 && !tx->routed) {
			uint16_t port = seg & 0x0f, link;
			uint8_t ll = (seg & 0x10) ? cur_u8(&rp) : 1;
			if (port == 15)
				port = cur_le16(&rp);
			link = ll == 1 ? cur_u8(&rp) : ll >= 2 ? cur_le16(&rp) : 0;
			if (cur_ok(&rp) && port <= 0xff) {
				tx->routed = true;
				tx->route_port = (uint8_t)port;
				tx->route_link = link;
			}
		}
	}
}

static void parse_cip_reply(struct app_ctx *ctx, struct cursor *m, struct enip_tx *tx, int depth)
{
	struct enip_cip *c = new_cip(ctx, tx);
	if (!c)
		return;
	c->service = cur_u8(m) & 0x7f;
	c->reply = true;
	cur_u8(m);
	c->status = cur_u8(m);
	uint8_t ext = cur_u8(m);
	if (ext) {
		c->has_ext = true;
		c->ext_status = cur_le16(m);
		cur_skip(m, (size_t)(ext - 1) * 2);
	}
	if (!cur_ok(m)) {
		ev(ctx, ENIP_EV_INVALID_LENGTH);
		return;
	}
	if (tx->n_cip == 1) {
		tx->reply_data = m->p;
		tx->reply_len = (uint16_t)cur_left(m);
	}
	if (c->service == 0x0a && depth <= 2) {
		tx->multiple = true;
		const uint8_t *base = m->p;
		size_t blen = cur_left(m);
		uint16_t n = cur_le16(m);
		for (unsigned i = 0; i < n && cur_ok(m); i++) {
			uint16_t off = cur_le16(m);
			size_t next;
			if (!msp_next(m, i + 1 < n, blen, &next) || !cur_ok(m) || off >= blen ||
			    next > blen || next <= off)
				return;
			struct cursor sub = cur_make(base + off, next - off);
			parse_cip(ctx, &sub, tx, depth + 1);
		}
	}
}

static void parse_cip(struct app_ctx *ctx, struct cursor *m, struct enip_tx *tx, int depth)
{
	if (cur_left(m) < 2)
		return;
	if (cur_peek_u8(m, 0) & 0x80)
		parse_cip_reply(ctx, m, tx, depth);
	else
		parse_cip_request(ctx, m, tx, depth);
}

/* ---- encapsulation ----------------------------------------------------------------- */

static bool parse_cpf(struct app_ctx *ctx, struct cursor *c, struct enip_tx *tx)
{
	uint16_t n = cur_le16(c);
	if (!cur_ok(c)) {
		ev(ctx, ENIP_EV_INVALID_CPF);
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		uint16_t type = cur_le16(c), len = cur_le16(c);
		struct cursor it = cur_sub(c, len);
		if (!cur_ok(c)) {
			ev(ctx, ENIP_EV_INVALID_CPF);
			return false;
		}
		switch (type) {
		case 0x00a1: /* connected address */
			tx->connection_id = cur_le32(&it);
			break;
		case 0x8002: /* sequenced address */
			tx->connection_id = cur_le32(&it);
			tx->io_sequence = cur_le32(&it);
			break;
		case 0x00b2: /* unconnected data */
			parse_cip(ctx, &it, tx, 0);
			break;
		case 0x00b1: /* connected data: sequence count, then CIP (explicit) */
			if (!tx->io && len >= 2) {
				cur_le16(&it);
				parse_cip(ctx, &it, tx, 0);
			}
			break;
		case 0x000c: { /* ListIdentity */
			tx->has_identity = true;
			tx->has_version = true;
			tx->protocol_version = cur_le16(&it);
			cur_skip(&it, 16);
			tx->vendor_id = cur_le16(&it);
			tx->device_type = cur_le16(&it);
			tx->product_code = cur_le16(&it);
			tx->rev_major = cur_u8(&it);
			tx->rev_minor = cur_u8(&it);
			tx->identity_status = cur_le16(&it);
			tx->serial = cur_le32(&it);
			uint8_t nl = cur_u8(&it);
			const uint8_t *name = cur_ptr(&it, nl);
			if (name) {
				size_t k = nl < sizeof(tx->product_name) - 1 ? nl : sizeof(tx->product_name) - 1;
				memcpy(tx->product_name, name, k);
				tx->product_name[k] = 0;
				tx->product_name_len = (uint8_t)k;
			}
			tx->state = cur_u8(&it);
			if (!cur_ok(&it))
				ev(ctx, ENIP_EV_INVALID_LENGTH);
			break;
		}
		case 0x0100: { /* ListServices */
			tx->has_services = true;
			tx->has_version = true;
			tx->protocol_version = cur_le16(&it);
			tx->capabilities = cur_le16(&it);
			const uint8_t *nm = cur_ptr(&it, 16);
			if (nm) {
				size_t k = 0;
				while (k < 16 && nm[k])
					k++;
				memcpy(tx->service_name, nm, k);
				tx->service_name[k] = 0;
				tx->service_name_len = (uint8_t)k;
			}
			break;
		}
		default:
			break;
		}
	}
	if (cur_left(c) && !tx->io)
		ev(ctx, ENIP_EV_INVALID_LENGTH);
	return true;
}

/* A request's CIP service and class (the one an Unconnected Send carries,
 * when it is one) and route, for reading its reply. */
static void remember_cip(struct enip_pending *q, const struct enip_tx *tx)
{
	const struct enip_cip *c = NULL;
	for (unsigned i = 0; i < tx->n_cip && !c; i++)
		if (tx->cip[i].has_class &&
		    !(tx->cip[i].service == 0x52 && tx->cip[i].class_id == 6))
			c = &tx->cip[i];
	if (!c || tx->multiple)
		return;
	q->cip_service = c->service;
	q->cip_class = (uint16_t)(c->class_id > 0xffff ? 0xffff : c->class_id);
	q->routed = tx->routed;
	q->route_port = tx->route_port;
	q->route_link = tx->route_link;
}

/* The identity object's Get_Attributes_All reply (CIP Vol 1, 5A-2.2):
 * vendor:2 device_type:2 product_code:2 revision:1+1 status:2 serial:4
 * product_name:SHORT_STRING [state:1 ...], little-endian. */
static void cip_identity(const struct enip_pending *q, struct enip_tx *tx)
{
	if (tx->n_cip != 1 || !tx->cip[0].reply || tx->cip[0].service != 0x01 ||
	    tx->cip[0].status != 0 || !tx->reply_data)
		return;
	struct cursor c = cur_make(tx->reply_data, tx->reply_len);
	uint16_t vendor = cur_le16(&c), type = cur_le16(&c), code = cur_le16(&c);
	uint8_t major = cur_u8(&c), minor = cur_u8(&c);
	uint16_t status = cur_le16(&c);
	uint32_t serial = cur_le32(&c);
	uint8_t nl = cur_u8(&c);
	const uint8_t *name = cur_ptr(&c, nl);
	if (!cur_ok(&c))
		return;
	tx->has_cip_identity = true;
	tx->vendor_id = vendor;
	tx->device_type = type;
	tx->product_code = code;
	tx->rev_major = major;
	tx->rev_minor = minor;
	tx->identity_status = status;
	tx->serial = serial;
	size_t k = nl < sizeof(tx->product_name) - 1 ? nl : sizeof(tx->product_name) - 1;
	memcpy(tx->product_name, name, k);
	tx->product_name[k] = 0;
	tx->product_name_len = (uint8_t)k;
	tx->routed = q->routed;
	tx->route_port = q->route_port;
	tx->route_link = q->route_link;
}

static int e_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct enip_state *s = state;
	/* on the stack, and only its fixed part zeroed: the CIP array is
	 * large (ENIP_MAX_CIP entries) and the tx lives for the callback only */
	struct enip_tx txs;
	struct enip_tx *tx = &txs;
	memset(tx, 0, offsetof(struct enip_tx, cip));
	tx->request_command = -1;
	struct cursor c = cur_make(pdu, len);
	bool resp = dir != APP_TOSERVER;
	if (s->io) {
		tx->io = true;
		parse_cpf(ctx, &c, tx);
		struct app_tx t = { &proto_enip, dir, resp, tx };
		app_emit_tx(ctx, &t);
		return 0;
	}
	tx->command = cur_le16(&c);
	tx->length = cur_le16(&c);
	tx->session = cur_le32(&c);
	tx->status = cur_le32(&c);
	const uint8_t *sctx = cur_ptr(&c, 8);
	cur_le32(&c);
	if (!cur_ok(&c) || cur_left(&c) != tx->length) {
		ev(ctx, ENIP_EV_INVALID_LENGTH);
		return -1;
	}
	int req_slot = -1, resp_slot = -1;
	if (!cmd_name(tx->command)) {
		ev(ctx, ENIP_EV_UNSUPPORTED_COMMAND);
	} else if (!resp) {
		int slot = -1;
		for (int i = 0; i < PENDING && slot < 0; i++)
			if (!s->pend[i].used)
				slot = i;
		if (slot < 0) {
			slot = s->pend_next;
			s->pend_next = (uint8_t)((s->pend_next + 1) % PENDING);
		}
		s->pend[slot].used = true;
		memcpy(s->pend[slot].ctx, sctx, 8);
		s->pend[slot].command = tx->command;
		s->pend[slot].cip_service = 0;
		req_slot = slot;
	} else {
		bool found = false;
		for (int i = 0; i < PENDING && !found; i++)
			if (s->pend[i].used && s->pend[i].command == tx->command &&
			    memcmp(s->pend[i].ctx, sctx, 8) == 0) {
				tx->request_command = s->pend[i].command;
				s->pend[i].used = false;
				found = true;
				resp_slot = i;
			}
		/* UDP ListIdentity answers come from many devices to one request */
		/* connected messages (SendUnitData) are paired by connection
		 * sequence and may start from either side */
		if (!found && !s->udp && tx->command != 0x0072 && tx->command != 0x0070)
			ev(ctx, ENIP_EV_UNSOLICITED_RESPONSE);
	}
	switch (tx->command) {
	case 0x0065: case 0x0066:
		if (tx->length >= 4) {
			tx->has_version = true;
			tx->protocol_version = cur_le16(&c);
			cur_le16(&c);
		} else if (tx->command == 0x0065) {
			ev(ctx, ENIP_EV_INVALID_LENGTH);
		}
		break;
	case 0x006f: case 0x0070:
		cur_le32(&c); /* interface handle */
		cur_le16(&c); /* timeout */
		if (!cur_ok(&c)) {
			ev(ctx, ENIP_EV_INVALID_LENGTH);
			break;
		}
		parse_cpf(ctx, &c, tx);
		break;
	case 0x0004: case 0x0063: case 0x0064:
		if (tx->length)
			parse_cpf(ctx, &c, tx);
		break;
	default:
		break;
	}
	if (req_slot >= 0)
		remember_cip(&s->pend[req_slot], tx);
	else if (resp_slot >= 0 && s->pend[resp_slot].cip_service == 0x01 &&
		 s->pend[resp_slot].cip_class == 1)
		cip_identity(&s->pend[resp_slot], tx);
	struct app_tx t = { &proto_enip, dir, resp, tx };
	app_emit_tx(ctx, &t);
	return 0;
}

static void *e_new(const struct app_flow_info *fi)
{
	struct enip_state *s = calloc(1, sizeof(*s));
	if (s && fi) {
		s->udp = fi->transport == APP_UDP;
		s->io = s->udp && fi->server_port == 2222;
	}
	return s;
}

static void e_free(void *s)
{
	free(s);
}

/* ---- EVE ---------------------------------------------------------------------- */

/* The enip object is Suricata's (rust/src/enip/logger.rs): the command
 * and the encapsulation status as names, a CIP request's path as
 * segments with the class's name, a reply's general status as a name and
 * its extended status as hex, ListIdentity's vendor and device type as
 * names. The names below are Suricata's spellings, so that a SIEM sees
 * the same values from both; a code Suricata has no name for is
 * "unknown-N", as Suricata writes it. Vigil adds the numbers beside the
 * names (command_raw, status_raw, service_raw, vendor_id_raw,
 * device_type_raw: Suricata's "_raw" convention, as in modbus.function_raw),
 * the encapsulation length and session, a symbolic path segment, the
 * request inside an Unconnected Send (embedded) and class 0/1 I/O
 * datagrams (io); tests/schema/vigil.schema.json describes them. */

static const char *eve_command(uint16_t c)
{
	switch (c) {
	case 0x0000: return "nop";
	case 0x0004: return "list_services";
	case 0x0063: return "list_identity";
	case 0x0064: return "list_interfaces";
	case 0x0065: return "register_session";
	case 0x0066: return "unregister_session";
	case 0x006f: return "send_rr_data";
	case 0x0070: return "send_unit_data";
	case 0x0072: return "indicate_status";
	case 0x0073: return "cancel";
	default: return NULL;
	}
}

static const char *eve_encap_status(uint32_t st)
{
	switch (st) {
	case 0x00: return "success";
	case 0x01: return "invalid_cmd";
	case 0x02: return "no_resources";
	case 0x03: return "incorrect_data";
	case 0x64: return "invalid_session";
	case 0x65: return "invalid_length";
	case 0x69: return "unsupported_prot_rev";
	case 0x6a: return "encap_header_error";
	default: return NULL;
	}
}

static const char *const eve_service[128] = {
	[0x01] = "Get Attributes All", [0x02] = "Set Attributes All",
	[0x03] = "Get Attribute List", [0x04] = "Set Attribute List", [0x05] = "Reset",
	[0x06] = "Start", [0x07] = "Stop", [0x08] = "Create", [0x09] = "Delete",
	[0x0a] = "Multiple Service Packet", [0x0d] = "Apply Attributes",
	[0x0e] = "Get Attributes Single", [0x10] = "Set Attributes Single",
	[0x11] = "Find Next Object Instance", [0x15] = "Restore", [0x16] = "Save",
	[0x17] = "No Forward Open", [0x18] = "Get Member", [0x19] = "Set Member",
	[0x1a] = "Insert Member", [0x1b] = "Remove Member", [0x1c] = "Group Sync",
	[0x1d] = "Get Connection Point Member List",
	/* class-specific: Suricata names them after the Logix tag services */
	[0x4b] = "Execute PCCC Service", [0x4c] = "Read Data", [0x4d] = "Write Data",
	[0x4e] = "Read Write Modify Data", [0x52] = "Read Data Fragmented",
	[0x53] = "Write Data Fragmented", [0x54] = "Forward Open",
};

/* CIP general status (Vol 1, Appendix B-1) */
static const char *const eve_cip_status[0x2d] = {
	"Success", "Connection Failure", "Resource Unavailable", "Invalid Parameter Value",
	"Path Segment Error", "Path Destination Unknown", "Partial Transfer", "Connection Lost",
	"Service Not Supported", "Invalid Attribute Value", "Attribute List Error",
	"Already In Requested Mode/State", "Object State Conflict", "Object Already Exists",
	"Attribute Not Settable", "Privilege Violation", "Device State Conflict",
	"Reply Data Too Large", "Fragmentation Of A Primitive Value", "Not Enough Data",
	"Attribute Not Supported", "Too Much Data", "Object Does Not Exist",
	"Service Fragmentation Sequence Not In Progress", "No Stored Attribute Data",
	"Store Operation Failure", "Routing Failure, Request Packet Too Large",
	"Routing Failure, Response Packet Too Large", "Missing Attribute List Entry Data",
	"Invalid Attribute Value List", "Embedded Service Error", "Vendor Specific Error",
	"Invalid Parameter", "Write-Once Value Or Medium Already Written",
	"Invalid Reply Received", "Buffer Overflow", "Invalid Message Format",
	"Key Failure In Path", "Path Size Invalid", "Unexpected Attribute In List",
	"Invalid Member ID", "Member Not Settable", "Group 2 Only Server General Failure",
	"Unknown Modbus Error", "Attribute Not Gettable",
};

struct code_name {
	uint16_t code;
	const char *name;
};

/* extended status of a Connection Manager error (Vol 1, Table 3-5.29) */
static const struct code_name eve_ext_status[] = {
	{ 0x100, "Connection in use or duplicate Forward Open" },
	{ 0x103, "Transport class and trigger combination not supported" },
	{ 0x106, "Ownership conflict" },
	{ 0x107, "Target connection not found" },
	{ 0x108, "Invalid network connection parameter" },
	{ 0x109, "Invalid connection size" },
	{ 0x110, "Target for connection not configured" },
	{ 0x111, "RPI not supported" },
	{ 0x112, "RPI value(s) not acceptable" },
	{ 0x113, "Out of connections" },
	{ 0x114, "Vendor ID or product code mismatch" },
	{ 0x115, "Device type mismatch" },
	{ 0x116, "Revision mismatch" },
	{ 0x117, "Invalid produced or consumed application path" },
	{ 0x118, "Invalid or inconsistent configuration application path" },
	{ 0x119, "Non-listen only connection not opened" },
	{ 0x11a, "Target object out of connections" },
	{ 0x11b, "RPI is smaller than the production inhibit time" },
	{ 0x11c, "Transport class not supported" },
	{ 0x11d, "Production trigger not supported" },
	{ 0x11e, "Direction not supported" },
	{ 0x11f, "Invalid O->T Fixed/Variable" },
	{ 0x120, "Invalid T->O Fixed/Variable" },
	{ 0x121, "Invalid O->T Priority" },
	{ 0x122, "Invalid T->O Priority" },
	{ 0x123, "Invalid O->T connection type" },
	{ 0x124, "Invalid T->O connection type" },
	{ 0x125, "Invalid O->T redundant owner" },
	{ 0x126, "Invalid configuration size" },
	{ 0x127, "Invalid O->T size" },
	{ 0x128, "Invalid T->O size" },
	{ 0x129, "Invalid configuration application path" },
	{ 0x12a, "Invalid consuming application path" },
	{ 0x12b, "Invalid producing application path" },
	{ 0x12c, "Configuration symbol does not exist" },
	{ 0x12d, "Consuming symbol does not exist" },
	{ 0x12e, "Producing symbol does not exist" },
	{ 0x12f, "Inconsistent application path combination" },
	{ 0x130, "Inconsistent consume data format" },
	{ 0x131, "Inconsistent produce data format" },
	{ 0x132, "NULL ForwardOpen not supported" },
	{ 0x203, "Connection timed out" },
	{ 0x204, "Unconnected request timed out" },
	{ 0x205, "Parameter error in unconnected request" },
	{ 0x206, "Message too large for UnconnectedSend" },
	{ 0x207, "Unconnected acknowledged without reply" },
	{ 0x301, "No buffer memory available" },
	{ 0x302, "Network bandwidth not available for data" },
	{ 0x303, "No consumed connection ID filter available" },
	{ 0x304, "Not configured to send scheduled priority data" },
	{ 0x305, "Schedule signature mismatch" },
	{ 0x306, "Schedule signature validation not possible" },
	{ 0x311, "Port not available" },
	{ 0x312, "Link address not valid" },
	{ 0x315, "Invalid segment in connection path" },
	{ 0x316, "ForwardClose connection path mismatch" },
	{ 0x317, "Scheduling not specified" },
	{ 0x318, "Link address to self invalid" },
	{ 0x319, "Secondary resources unavailable" },
	{ 0x31a, "Rack connection already established" },
	{ 0x31b, "Module connection already established" },
	{ 0x31c, "Miscellaneous" },
	{ 0x31d, "Redundant connection mismatch" },
	{ 0x31e, "No more user configurable link consumer resources available in the producing module" },
	{ 0x31f, "No more user configurable link consumer resources configured in the producing module" },
	{ 0x800, "Network link offline" },
	{ 0x801, "Incompatible Multicast RPI" },
	{ 0x802, "Invalid Safety Connection Size" },
	{ 0x803, "Invalid Safety Connection Format" },
	{ 0x804, "Invalid Time Correction Connection Parameters" },
	{ 0x805, "Invalid Ping Interval EPI Multiplier" },
	{ 0x806, "Time Coordination Msg Min Multiplier" },
	{ 0x807, "Network Time Expectation Multiplier" },
	{ 0x808, "Timeout Multiplier" },
	{ 0x809, "Invalid Max Consumer Number" },
	{ 0x80a, "Invalid CPCRC" },
	{ 0x80b, "Time Correction Connection ID Invalid" },
	{ 0x80c, "SCID Mismatch" },
	{ 0x80d, "TUNID not set" },
	{ 0x80e, "TUNID Mismatch" },
	{ 0x80f, "Configuration operation not allowed" },
	{ 0x810, "No target application data available" },
	{ 0x811, "No originator application data available" },
	{ 0x812, "Node address has changed since the network was scheduled" },
	{ 0x813, "Not configured for off-subnet multicast" },
	{ 0x814, "Invalid produce/consume data format" },
};

/* CIP object classes (Vol 1 Chapter 5, and the other volumes' objects) */
static const char *const eve_class[256] = {
	[0x00] = "", [0x01] = "Identity", [0x02] = "Message Router", [0x03] = "DeviceNet",
	[0x04] = "Assembly", [0x05] = "Connection", [0x06] = "Connection Manager",
	[0x07] = "Register", [0x08] = "Discrete Input Point", [0x09] = "Discrete Output Point",
	[0x0a] = "Analog Input Point", [0x0b] = "Analog Output Point",
	[0x0e] = "Presence Sensing", [0x0f] = "Parameter", [0x10] = "Parameter Group",
	[0x12] = "Group", [0x1d] = "Discrete Input Group", [0x1e] = "Discrete Output Group",
	[0x1f] = "Discrete Group", [0x20] = "Analog Input Group", [0x21] = "Analog Output Group",
	[0x22] = "Analog Group", [0x23] = "Position Sensor",
	[0x24] = "Position Controller Supervisor", [0x25] = "Position Controller",
	[0x26] = "Block Sequencer", [0x27] = "Command Block", [0x28] = "Motor Data",
	[0x29] = "Control Supervisor", [0x2a] = "AC/DC Drive", [0x2b] = "Acknowledge Handler",
	[0x2c] = "Overload", [0x2d] = "Softstart", [0x2e] = "Selection",
	[0x30] = "S-Device Supervisor", [0x31] = "S-Analog Sensor", [0x32] = "S-Analog Actuator",
	[0x33] = "S-Single Stage Controller", [0x34] = "S-Gas Calibration",
	[0x35] = "Trip Point", [0x37] = "File", [0x38] = "S-Partial Pressure",
	[0x39] = "Safety Supervisor", [0x3a] = "Safety Validator",
	[0x3b] = "Safety Discrete Output Point", [0x3c] = "Safety Discrete Output Group",
	[0x3d] = "Safety Discrete Input Point", [0x3e] = "Safety Discrete Input Group",
	[0x3f] = "Safety Dual Channel Output", [0x40] = "S-Sensor Calibration",
	[0x41] = "Event Log", [0x42] = "Motion Device Axis", [0x43] = "Time Sync",
	[0x44] = "Modbus", [0x45] = "Originator Connection List", [0x46] = "Modbus Serial Link",
	[0x47] = "Device Level Ring (DLR)", [0x48] = "QoS",
	[0x49] = "Safety Analog Input Point", [0x4a] = "Safety Analog Input Group",
	[0x4b] = "Safety Dual Channel Analog Input", [0x4c] = "SERCOS III Link",
	[0x4d] = "Target Connection List", [0x4e] = "Base Energy",
	[0x4f] = "Electrical Energy", [0x50] = "Non-Electrical Energy", [0x51] = "Base Switch",
	[0x52] = "SNMP", [0x53] = "Power Management", [0x54] = "RSTP Bridge",
	[0x55] = "RSTP Port", [0x56] = "PRP/HSR Protocol", [0x57] = "PRP/HSR Nodes Table",
	[0x58] = "Safety Feedback", [0x59] = "Safety Dual Channel Feedback",
	[0x5a] = "Safety Stop Functions", [0x5b] = "Safety Limit Functions",
	[0x5c] = "Power Curtailment", [0x5d] = "CIP Security",
	[0x5e] = "EtherNet/IP Security", [0x5f] = "Certificate Management",
	[0x67] = "PCCC Class", [0xf0] = "ControlNet", [0xf1] = "ControlNet Keeper",
	[0xf2] = "ControlNet Scheduling", [0xf3] = "Connection Configuration", [0xf4] = "Port",
	[0xf5] = "TCP/IP Interface", [0xf6] = "Ethernet Link", [0xf7] = "CompoNet",
	[0xf8] = "CompoNet Repeater",
};

/* ODVA device profiles (ListIdentity device type) */
static const struct code_name eve_device_type[] = {
	{ 0, "Generic Device (deprecated)" }, { 1, "Control Station (deprecated)" },
	{ 2, "AC Drive Device" }, { 3, "Motor Overload" }, { 4, "Limit Switch" },
	{ 5, "Inductive Proximity Switch" }, { 6, "Photoelectric Sensor" },
	{ 7, "General Purpose Discrete I/O" }, { 8, "Encoder (deprecated)" },
	{ 9, "Resolver" }, { 10, "General Purpose Analog I/O (deprecated)" },
	{ 12, "Communications Adapter" }, { 13, "Barcode Scanner (deprecated)" },
	{ 14, "Programmable Logic Controller" }, { 16, "Position Controller" },
	{ 17, "Weigh Scale (deprecated)" }, { 18, "Message Display (deprecated)" },
	{ 19, "DC Drive" }, { 20, "Servo Drives (deprecated)" }, { 21, "Contactor" },
	{ 22, "Motor Starter" }, { 23, "Softstart Starter" }, { 24, "Human-Machine Interface" },
	{ 25, "Pneumatic Valve(s) (deprecated)" }, { 26, "Mass Flow Controller" },
	{ 27, "Pneumatic Valve(s)" }, { 28, "Vacuum Pressure Gauge" },
	{ 29, "Process Control Value" }, { 30, "Residual Gas Analyzer" },
	{ 31, "DC Power Generator" }, { 32, "RF Power Generator" },
	{ 33, "Turbomolecular Vacuum Pump" }, { 34, "Encoder" },
	{ 35, "Safety Discrete I/O Device" }, { 36, "Fluid Flow Controller" },
	{ 37, "CIP Motion Drive" }, { 38, "CompoNet Repeater" },
	{ 39, "Mass Flow Controller Enhanced" }, { 40, "CIP Modbus Device" },
	{ 41, "CIP Modbus Translator" }, { 42, "Safety Analog I/O Device" },
	{ 43, "Generic Device (keyable)" }, { 44, "Managed Ethernet Switch" },
	{ 45, "CIP Motion Safety Drive Device" }, { 46, "Safety Drive Device" },
	{ 47, "CIP Motion Encoder" }, { 48, "CIP Motion Converter" }, { 49, "CIP Motion I/O" },
	{ 50, "ControlNet Physical Layer Component" }, { 100, "In-Sight 2000 Series" },
	{ 150, "PowerFlex 525" }, { 200, "Embedded Component" },
	{ 773, "DataMan Series Reader" },
};

/* ODVA vendor ids of makers common on plant floors, spelled as Suricata
 * spells them; any other is "unknown-N" (vendor_id_raw has the number) */
static const struct code_name eve_vendor[] = {
	{ 1, "Rockwell Automation/Allen-Bradley" }, { 2, "Namco Controls Corp." },
	{ 3, "Honeywell Inc." }, { 5, "Rockwell Automation/Reliance Elec." },
	{ 7, "SMC Corporation" }, { 8, "Molex Incorporated" },
	{ 12, "Banner Engineering Corp." }, { 13, "Belden Wire & Cable Company" },
	{ 26, "Festo Corporation" }, { 40, "Wago Corporation" }, { 43, "BALLUFF Inc." },
	{ 44, "Yaskawa Electric America Inc." }, { 46, "ABB Industrial Systems" },
	{ 47, "Omron Corporation" }, { 48, "Turck Inc." },
	{ 50, "Real Time Automation (C&ID)" }, { 56, "Softing GmbH" },
	{ 57, "Pepperl + Fuchs" }, { 58, "Spectrum Controls Inc." },
	{ 68, "Eaton Electrical" }, { 71, "Toshiba International Corp." },
	{ 74, "Hitachi Ltd." }, { 75, "ABB Robotics Products AB" },
	{ 77, "Rockwell Software Inc." }, { 81, "IXXAT Automation GmbH" },
	{ 82, "Mitsubishi Electric Automation Inc." }, { 83, "OPTO-22" },
	{ 90, "HMS Industrial Networks AB" }, { 94, "Advantech Co. Ltd." },
	{ 95, "Square D Company" }, { 97, "Danfoss" },
	{ 100, "Bosch Rexroth Corporation, Pneumatics" }, { 108, "Beckhoff Automation GmbH" },
	{ 109, "National Instruments" }, { 121, "KUKA Roboter GmbH" },
	{ 143, "GE Industrial Systems" }, { 145, "Siemens Energy & Automation/Drives" },
	{ 161, "Mitsubishi Electric Corporation" }, { 171, "Denso Wave Incorporated" },
	{ 176, "Red Lion Controls" }, { 181, "Pilz GmbH & Co" },
	{ 243, "Schneider Automation Inc." }, { 250, "Yokogawa Electric Corporation" },
	{ 255, "Bosch Rexroth" }, { 257, "Control Techniques PLC" },
	{ 259, "LS Industrial Systems" }, { 283, "Hilscher GmbH" },
	{ 309, "Prosoft Technology" }, { 315, "SEW Eurodrive GmbH" },
	{ 319, "Fuji Electric Co. Ltd." }, { 322, "ifm efector, inc." },
	{ 326, "GE Fanuc Automation North America Inc." }, { 345, "Endress + Hauser" },
	{ 356, "Fanuc Robotics America" },
};

static const char *find_name(const struct code_name *t, size_t n, uint32_t code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return NULL;
}

/* name as a string member, or "unknown-N" when there is none */
static void put_name(struct jb *jb, const char *key, const char *name, uint64_t code)
{
	if (name) {
		jb_set_ascii(jb, key, name);
		return;
	}
	char u[32];
	snprintf(u, sizeof(u), "unknown-%llu", (unsigned long long)code);
	jb_set_ascii(jb, key, u);
}

static void put_segment(struct jb *jb, const char *type, uint32_t value)
{
	jb_open_object(jb, NULL);
	jb_set_ascii(jb, "segment_type", type);
	jb_set_uint(jb, "value", value);
	jb_close(jb);
}

/* one CIP request or reply, as Suricata's log_cip_data writes it */
static void log_cip_one(struct jb *jb, const struct enip_cip *c)
{
	put_name(jb, "service", c->service < 128 ? eve_service[c->service] : NULL, c->service);
	jb_set_uint(jb, "service_raw", c->service);
	if (c->reply) {
		put_name(jb, "status", c->status < sizeof(eve_cip_status) / sizeof(eve_cip_status[0])
					       ? eve_cip_status[c->status]
					       : c->status == 0xff ? "Still Processing" : NULL,
			 c->status);
		jb_set_uint(jb, "status_raw", c->status);
		if (c->has_ext) {
			/* the first word of the additional status, as sent */
			uint8_t b[2] = { (uint8_t)c->ext_status, (uint8_t)(c->ext_status >> 8) };
			jb_set_hex(jb, "status_extended", b, 2);
			const char *m = find_name(eve_ext_status,
						  sizeof(eve_ext_status) / sizeof(eve_ext_status[0]),
						  c->ext_status);
			if (m)
				jb_set_ascii(jb, "status_extended_meaning", m);
		}
		return;
	}
	if (c->has_class || c->has_instance || c->has_attribute) {
		jb_open_array(jb, "path");
		if (c->has_class)
			put_segment(jb, "class", c->class_id);
		if (c->has_instance)
			put_segment(jb, "instance", c->instance);
		if (c->has_attribute)
			put_segment(jb, "attribute", c->attribute);
		jb_close(jb);
		if (c->has_class)
			put_name(jb, "class_name", c->class_id < 256 ? eve_class[c->class_id] : NULL,
				 c->class_id);
	}
	if (c->symbol[0])
		jb_set_str(jb, "symbol", c->symbol);
}

static void log_cip(struct jb *jb, const struct enip_tx *tx)
{
	if (!tx->n_cip)
		return;
	jb_open_object(jb, "cip");
	log_cip_one(jb, &tx->cip[0]);
	if (tx->n_cip > 1) {
		jb_open_array(jb, tx->multiple ? "multiple" : "embedded");
		for (unsigned i = 1; i < tx->n_cip; i++) {
			jb_open_object(jb, NULL);
			log_cip_one(jb, &tx->cip[i]);
			jb_close(jb);
		}
		jb_close(jb);
	}
	jb_close(jb);
}

static void e_log(const struct app_tx *t, struct jb *jb)
{
	const struct enip_tx *tx = t->data;
	if (tx->io) {
		jb_open_object(jb, "io");
		jb_set_uint(jb, "connection_id", tx->connection_id);
		jb_set_uint(jb, "sequence", tx->io_sequence);
		jb_close(jb);
		return;
	}
	jb_open_object(jb, t->is_response ? "response" : "request");
	put_name(jb, "command", eve_command(tx->command), tx->command);
	put_name(jb, "status", eve_encap_status(tx->status), tx->status);
	jb_set_uint(jb, "command_raw", tx->command);
	jb_set_uint(jb, "status_raw", tx->status);
	jb_set_uint(jb, "length", tx->length);
	jb_set_uint(jb, "session", tx->session);
	if (tx->command == 0x0065 && tx->has_version) {
		jb_open_object(jb, "register_session");
		jb_set_uint(jb, "protocol_version", tx->protocol_version);
		jb_close(jb);
	}
	if (tx->has_services) {
		jb_open_object(jb, "list_services");
		if (tx->has_version)
			jb_set_uint(jb, "protocol_version", tx->protocol_version);
		jb_set_uint(jb, "capabilities", tx->capabilities);
		jb_set_str(jb, "service_name", tx->service_name);
		jb_close(jb);
	}
	if (tx->has_identity) {
		jb_open_object(jb, "identity");
		if (tx->has_version)
			jb_set_uint(jb, "protocol_version", tx->protocol_version);
		char rev[16];
		snprintf(rev, sizeof(rev), "%u.%u", tx->rev_major, tx->rev_minor);
		jb_set_ascii(jb, "revision", rev);
		put_name(jb, "vendor_id",
			 find_name(eve_vendor, sizeof(eve_vendor) / sizeof(eve_vendor[0]), tx->vendor_id),
			 tx->vendor_id);
		jb_set_uint(jb, "vendor_id_raw", tx->vendor_id);
		put_name(jb, "device_type",
			 find_name(eve_device_type, sizeof(eve_device_type) / sizeof(eve_device_type[0]),
				   tx->device_type),
			 tx->device_type);
		jb_set_uint(jb, "device_type_raw", tx->device_type);
		jb_set_uint(jb, "product_code", tx->product_code);
		jb_set_uint(jb, "status", tx->identity_status);
		jb_set_uint(jb, "serial", tx->serial);
		jb_set_strn(jb, "product_name", tx->product_name, tx->product_name_len);
		jb_set_uint(jb, "state", tx->state);
		jb_close(jb);
	}
	log_cip(jb, tx);
	jb_close(jb);
}

/* ---- asset inventory ---------------------------------------------------------- */

/* CIP vendor ids (ODVA's registry; a selection of industrial vendors). */
static const struct {
	uint16_t id;
	const char *name;
} vendors[] = {
	{ 1, "Rockwell Automation/Allen-Bradley" }, { 2, "Namco Controls Corp." },
	{ 3, "Honeywell Inc." }, { 5, "Rockwell Automation/Reliance Elec." },
	{ 7, "SMC Corporation" }, { 8, "Molex Incorporated" }, { 12, "Banner Engineering Corp." },
	{ 13, "Belden Wire & Cable Company" }, { 26, "Festo Corporation" },
	{ 40, "Wago Corporation" }, { 43, "BALLUFF, Inc." },
	{ 44, "Yaskawa Electric America, Inc." },
	{ 46, "ABB Industrial Systems" }, { 47, "Omron Corporation" }, { 48, "TURCk, Inc." },
	{ 50, "Real Time Automation (C&ID)" }, { 56, "Softing GmbH" }, { 57, "Pepperl + Fuchs" },
	{ 68, "Eaton Electrical" }, { 71, "Toshiba International Corp." }, { 74, "Hitachi, Ltd." },
	{ 75, "ABB Robotics Products AB" }, { 77, "Rockwell Software, Inc." },
	{ 82, "Mitsubishi Electric Automation, Inc." }, { 90, "HMS Industrial Networks AB" },
	{ 94, "Advantech Co. Ltd." }, { 97, "Danfoss" }, { 108, "Beckhoff Automation GmbH" },
	{ 109, "National Instruments" }, { 121, "KUKA Roboter GmbH" },
	{ 143, "GE Industrial Systems" }, { 145, "Siemens Energy & Automation/Drives" },
	{ 161, "Mitsubishi Electric Corporation" }, { 176, "Red Lion Controls" },
	{ 181, "Pilz GmbH & Co" }, { 243, "Schneider Automation, Inc." },
	{ 250, "Yokogawa Electric Corporation" }, { 255, "Bosch Rexroth" }, { 256, "Turck" },
	{ 283, "Hilscher GmbH" }, { 309, "Prosoft Technology" }, { 315, "SEW Eurodrive GmbH" },
	{ 319, "Fuji Electric Co., Ltd." }, { 322, "ifm efector, inc." },
	{ 326, "GE Fanuc Automation North America, Inc." }, { 344, "KEBA AG" },
	{ 345, "Endress + Hauser" }, { 356, "Fanuc Robotics America" },
	{ 367, "Keyence Corporation" }, { 445, "Lenze Drive Systems GmbH" },
	{ 482, "Koyo Electronics" }, { 511, "SICK Stegmann GmbH" }, { 562, "Phoenix Contact" },
};

/* CIP device profiles (CIP Vol 1, 6-7). */
static const struct {
	uint16_t id;
	const char *name;
} device_types[] = {
	{ 0, "Generic Device (deprecated)" }, { 2, "AC Drive" }, { 3, "Motor Overload" },
	{ 4, "Limit Switch" }, { 5, "Inductive Proximity Switch" }, { 6, "Photoelectric Sensor" },
	{ 7, "General Purpose Discrete I/O" }, { 9, "Resolver" }, { 12, "Communications Adapter" },
	{ 14, "Programmable Logic Controller" }, { 16, "Position Controller" }, { 19, "DC Drive" },
	{ 21, "Contactor" }, { 22, "Motor Starter" }, { 23, "Soft Start" },
	{ 24, "Human-Machine Interface" }, { 26, "Mass Flow Controller" },
	{ 27, "Pneumatic Valve" }, { 28, "Vacuum Pressure Gauge" }, { 29, "Process Control Value" },
	{ 30, "Residual Gas Analyzer" }, { 31, "DC Power Generator" }, { 32, "RF Power Generator" },
	{ 33, "Turbomolecular Vacuum Pump" }, { 34, "Encoder" },
	{ 35, "Safety Discrete I/O Device" }, { 36, "Fluid Flow Controller" },
	{ 37, "CIP Motion Drive" }, { 38, "CompoNet Repeater" },
	{ 39, "Mass Flow Controller, Enhanced" }, { 40, "CIP Modbus Device" },
	{ 41, "CIP Modbus Translator" }, { 42, "Safety Analog I/O Device" },
	{ 43, "Generic Device (keyable)" }, { 44, "Managed Ethernet Switch" },
	{ 45, "CIP Motion Safety Drive Device" }, { 46, "Safety Drive Device" },
	{ 47, "CIP Motion Encoder" }, { 48, "CIP Motion Converter" }, { 49, "CIP Motion I/O" },
	{ 50, "ControlNet Physical Layer Component" }, { 51, "Circuit Breaker" },
	{ 52, "HART Device" }, { 53, "CIP-HART Translator" }, { 200, "Embedded Component" },
};

/* Requests an engineering tool sends: Reset, Start, Stop (of the
 * identity object or a program), and anything to the non-volatile
 * storage object (0xa1: firmware updates, ControlFLASH). */
static bool engineering_request(const struct enip_tx *tx)
{
	for (unsigned i = 0; i < tx->n_cip; i++) {
		const struct enip_cip *c = &tx->cip[i];
		if (c->reply)
			continue;
		if ((c->service >= 0x05 && c->service <= 0x07) ||
		    (c->has_class && c->class_id == 0xa1))
			return true;
	}
	return false;
}

/* ListIdentity replies (CIP Vol 2, 2-4.3) and identity object replies:
 * about the device that answered, or (an Unconnected Send's reply) about
 * the module of the chassis the request was routed to. */
static __attribute__((noinline)) bool e_identity_of(const struct enip_tx *tx,
						    struct app_identity *id)
{
	app_identity_init(id);
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if (vendors[i].id == tx->vendor_id)
			app_identity_set_str(id, APP_IDF_VENDOR, vendors[i].name);
	for (size_t i = 0; i < sizeof(device_types) / sizeof(device_types[0]); i++)
		if (device_types[i].id == tx->device_type)
			app_identity_set_str(id, APP_IDF_DEVICE_TYPE, device_types[i].name);
	app_identity_set(id, APP_IDF_PRODUCT, tx->product_name, tx->product_name_len);
	char b[24];
	snprintf(b, sizeof(b), "%u.%u", tx->rev_major, tx->rev_minor);
	app_identity_set_str(id, APP_IDF_FIRMWARE, b);
	snprintf(b, sizeof(b), "0x%08x", tx->serial);
	app_identity_set_str(id, APP_IDF_SERIAL, b);
	app_identity_num(id, "vendor_id", tx->vendor_id, APP_ID_SENDER);
	app_identity_num(id, "device_type_id", tx->device_type, APP_ID_SENDER);
	app_identity_num(id, "product_code", tx->product_code, APP_ID_SENDER);
	if (tx->has_cip_identity && tx->routed) {
		if (tx->route_port == 1)
			snprintf(id->component, sizeof(id->component), "backplane slot %u",
				 tx->route_link);
		else
			snprintf(id->component, sizeof(id->component), "port %u link %u",
				 tx->route_port, tx->route_link);
	} else {
		id->role[0] = APP_ROLE_FIELD;
	}
	return true;
}

/* called for every tx: a reply without identity is out at once */
static bool e_identity(const struct app_tx *t, bool first, struct app_identity *id)
{
	(void)first;
	const struct enip_tx *tx = t->data;
	if (t->is_response)
		return (tx->has_identity || tx->has_cip_identity) && e_identity_of(tx, id);
	if (tx->io || !tx->n_cip || !engineering_request(tx))
		return false;
	app_identity_init(id);
	id->role[0] = APP_ROLE_ENGINEERING;
	id->role[1] = APP_ROLE_FIELD;
	return true;
}

static int e_tx_function(const struct app_tx *t)
{
	const struct enip_tx *tx = t->data;
	if (tx->n_cip == 1)
		return tx->cip[0].service;
	if (tx->n_cip > 1)
		return APP_FUNC_SEVERAL;
	return -1; /* no CIP: only unpinned rules (enip_command is not pinned) */
}

/* ---- facts (the learned baseline) -------------------------------------------
 *
 * function: the CIP service of the request or reply (0-127; the service
 * inside an Unconnected Send); a Multiple Service Packet whose services are
 * not all the same is 10 (Multiple_Service_Packet) with its services in the
 * address space "service" (id 3). Without CIP: 256 + the encapsulation
 * command (ListIdentity 355, RegisterSession 357...); class 0/1 I/O
 * datagrams 512 ("io_data", their connection id in space "connection",
 * id 4). Address spaces of requests: the instances of a class (id 1, the
 * class as qualifier, named after the class where known) and its
 * attributes (id 2, "attribute", the class as qualifier). Names: symbolic
 * tags ("tag"). Identity: a ListIdentity reply's vendor, device type,
 * product code, revision, serial number and product name. */

static const char *class_space(uint32_t c)
{
	switch (c) {
	case 0x01: return "identity";
	case 0x02: return "message_router";
	case 0x04: return "assembly";
	case 0x06: return "connection_manager";
	case 0x8b: return "time_sync";
	case 0x8e: return "controller";
	case 0xf5: return "tcpip_interface";
	case 0xf6: return "ethernet_link";
	default: return "class";
	}
}

/* CIP service names as the baseline and its alerts name functions (the
 * EVE record names services as Suricata does: eve_service) */
static const char *svc_name(uint8_t s)
{
	switch (s) {
	case 0x01: return "Get_Attributes_All";
	case 0x02: return "Set_Attributes_All";
	case 0x03: return "Get_Attribute_List";
	case 0x04: return "Set_Attribute_List";
	case 0x05: return "Reset";
	case 0x06: return "Start";
	case 0x07: return "Stop";
	case 0x08: return "Create";
	case 0x09: return "Delete";
	case 0x0a: return "Multiple_Service_Packet";
	case 0x0d: return "Apply_Attributes";
	case 0x0e: return "Get_Attribute_Single";
	case 0x10: return "Set_Attribute_Single";
	case 0x11: return "Find_Next_Object_Instance";
	case 0x14: return "Error_Response";
	case 0x15: return "Restore";
	case 0x16: return "Save";
	case 0x17: return "No_Operation";
	case 0x18: return "Get_Member";
	case 0x19: return "Set_Member";
	case 0x1a: return "Insert_Member";
	case 0x1b: return "Remove_Member";
	case 0x1c: return "GroupSync";
	case 0x4b: return "Execute_PCCC";
	case 0x4c: return "Read_Tag";
	case 0x4d: return "Write_Tag";
	case 0x4e: return "Forward_Close";
	case 0x4f: return "Read_Modify_Write_Tag";
	case 0x52: return "Unconnected_Send";
	case 0x54: return "Forward_Open";
	case 0x5b: return "Large_Forward_Open";
	default: return "Unknown";
	}
}

static uint8_t svc_class(uint8_t s)
{
	switch (s) {
	case 0x01: case 0x03: case 0x0e: case 0x11: case 0x18: case 0x4c: return APP_FCLASS_READ;
	case 0x02: case 0x04: case 0x08: case 0x09: case 0x0d: case 0x10: case 0x19: case 0x1a:
	case 0x1b: case 0x4d: case 0x4f: return APP_FCLASS_WRITE;
	case 0x05: case 0x06: case 0x07: return APP_FCLASS_CONTROL;
	case 0x15: case 0x16: return APP_FCLASS_PROGRAM;
	case 0x4e: case 0x54: case 0x5b: return APP_FCLASS_SESSION;
	default: return APP_FCLASS_OTHER;
	}
}

/* a service that only carries others */
static bool cip_wrapper(const struct enip_cip *c)
{
	return (c->service == 0x0a && (c->reply || (c->has_class && c->class_id == 2))) ||
	       (c->service == 0x52 && !c->reply && c->has_class && c->class_id == 6);
}

static void e_facts(const struct app_tx *t, struct app_facts *f)
{
	const struct enip_tx *tx = t->data;
	if (tx->io) {
		f->function = 512;
		f->function_name = "io_data";
		f->fclass = APP_FCLASS_REPORT;
		f->role = APP_ROLE_REPORT;
		app_facts_range(f, "connection", 4, 0, tx->connection_id, tx->connection_id);
		return;
	}
	int leaf = -1;
	bool mixed = false;
	for (unsigned i = 0; i < tx->n_cip; i++) {
		const struct enip_cip *c = &tx->cip[i];
		if (cip_wrapper(c) && i + 1 < tx->n_cip)
			continue;
		if (leaf >= 0 && leaf != c->service)
			mixed = true;
		leaf = c->service;
	}
	for (unsigned i = 0; i < tx->n_cip; i++) {
		const struct enip_cip *c = &tx->cip[i];
		if ((cip_wrapper(c) && i + 1 < tx->n_cip) || c->reply)
			continue;
		if (mixed) /* the services of a mixed packet, as "addresses" */
			app_facts_range(f, "service", 3, 0, c->service, c->service);
		if (c->has_class && c->has_instance)
			app_facts_range(f, class_space(c->class_id), 1, c->class_id, c->instance,
					c->instance);
		if (c->has_class && c->has_attribute)
			app_facts_range(f, "attribute", 2, c->class_id, c->attribute, c->attribute);
		if (c->symbol[0])
			app_facts_name(f, "tag", 5, c->symbol, strlen(c->symbol));
	}
	if (leaf >= 0) {
		f->function = mixed ? 0x0a : leaf;
		f->function_name = svc_name((uint8_t)f->function);
		f->fclass = mixed ? APP_FCLASS_OTHER : svc_class((uint8_t)leaf);
	} else {
		const char *cn = cmd_name(tx->command);
		f->function = 256 + tx->command;
		f->function_name = cn;
		switch (tx->command) {
		case 0x0004: case 0x0063: case 0x0064: f->fclass = APP_FCLASS_DISCOVERY; break;
		case 0x0000: case 0x0065: case 0x0066: f->fclass = APP_FCLASS_SESSION; break;
		default: break;
		}
	}
	if (tx->has_identity) {
		app_facts_ident_uint(f, "vendor_id", tx->vendor_id);
		app_facts_ident_uint(f, "device_type", tx->device_type);
		app_facts_ident_uint(f, "product_code", tx->product_code);
		char rev[8];
		int n = snprintf(rev, sizeof(rev), "%u.%u", tx->rev_major, tx->rev_minor);
		if (n > 0 && f->buf_used + (size_t)n <= sizeof(f->buf)) {
			memcpy(f->buf + f->buf_used, rev, (size_t)n);
			app_facts_ident(f, "revision", f->buf + f->buf_used, (size_t)n);
			f->buf_used = (uint8_t)(f->buf_used + n);
		}
		app_facts_ident_uint(f, "serial", tx->serial);
		app_facts_ident(f, "product_name", tx->product_name, tx->product_name_len);
	}
}

/* ---- keywords ------------------------------------------------------------------- */

enum kf { K_COMMAND, K_STATUS, K_CIP_STATUS, K_CIP_EXT, K_CLASS, K_INSTANCE, K_ATTR, K_VENDOR,
	  K_DEVTYPE, K_PRODUCT, K_REVISION, K_SERIAL, K_STATE, K_VERSION, K_CAPS, K_ID_STATUS,
	  K_CIP_SERVICE };

struct ekw {
	uint8_t field;
	struct du_match m;
	/* cip_service: service[,class[,attribute]] */
	int svc, cls, attr;
};

static int setup_field(const char *arg, void **data, uint8_t field, uint64_t max, char *err,
		       size_t errlen)
{
	struct ekw *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->field = field;
	if (du_parse(arg, max, NULL, 0, &k->m, err, errlen) < 0) {
		free(k);
		return -1;
	}
	*data = k;
	return 0;
}

#define SETUP(fn, f, max)                                                     \
	static int fn(const char *a, void **d, char *e, size_t l)             \
	{                                                                     \
		return setup_field(a, d, f, max, e, l);                       \
	}
SETUP(s_command, K_COMMAND, 65535)
SETUP(s_status, K_STATUS, UINT32_MAX)
SETUP(s_cip_status, K_CIP_STATUS, 255)
SETUP(s_cip_ext, K_CIP_EXT, 65535)
SETUP(s_class, K_CLASS, UINT32_MAX)
SETUP(s_instance, K_INSTANCE, UINT32_MAX)
SETUP(s_attr, K_ATTR, UINT32_MAX)
SETUP(s_vendor, K_VENDOR, 65535)
SETUP(s_devtype, K_DEVTYPE, 65535)
SETUP(s_product, K_PRODUCT, 65535)
SETUP(s_revision, K_REVISION, 65535)
SETUP(s_serial, K_SERIAL, UINT32_MAX)
SETUP(s_state, K_STATE, 255)
SETUP(s_version, K_VERSION, 65535)
SETUP(s_caps, K_CAPS, 65535)
SETUP(s_id_status, K_ID_STATUS, 65535)

static int s_cip_service(const char *arg, void **data, char *err, size_t errlen)
{
	struct ekw *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->field = K_CIP_SERVICE;
	k->cls = k->attr = -1;
	unsigned a, b, c;
	char x;
	int n = arg ? sscanf(arg, " %u , %u , %u %c", &a, &b, &c, &x) : 0;
	if (n < 1 || n > 3 || a > 255 || (n >= 2 && b > 65535) || (n == 3 && c > 65535)) {
		snprintf(err, errlen, "expected 'service[,class[,attribute]]'");
		free(k);
		return -1;
	}
	k->svc = (int)a;
	if (n >= 2)
		k->cls = (int)b;
	if (n == 3)
		k->attr = (int)c;
	*data = k;
	return 0;
}

static bool any_cip(const struct enip_tx *tx, const struct ekw *k)
{
	for (unsigned i = 0; i < tx->n_cip; i++) {
		const struct enip_cip *c = &tx->cip[i];
		uint64_t v;
		bool have = true;
		switch (k->field) {
		case K_CIP_STATUS: v = c->status; have = c->reply; break;
		case K_CIP_EXT: v = c->ext_status; have = c->has_ext; break;
		case K_CLASS: v = c->class_id; have = c->has_class; break;
		case K_INSTANCE: v = c->instance; have = c->has_instance; break;
		case K_ATTR: v = c->attribute; have = c->has_attribute; break;
		case K_CIP_SERVICE:
			if (c->service == k->svc && !c->reply && (k->cls < 0 || (c->has_class && c->class_id == (uint32_t)k->cls)) &&
			    (k->attr < 0 || (c->has_attribute && c->attribute == (uint32_t)k->attr)))
				return true;
			continue;
		default: return false;
		}
		if (have && du_match(&k->m, v))
			return true;
	}
	return false;
}

static bool e_match(const void *data, const struct app_tx *t)
{
	const struct ekw *k = data;
	const struct enip_tx *tx = t->data;
	if (tx->io)
		return false;
	switch (k->field) {
	case K_COMMAND: return du_match(&k->m, tx->command);
	case K_STATUS: return du_match(&k->m, tx->status);
	case K_VENDOR: return tx->has_identity && du_match(&k->m, tx->vendor_id);
	case K_DEVTYPE: return tx->has_identity && du_match(&k->m, tx->device_type);
	case K_PRODUCT: return tx->has_identity && du_match(&k->m, tx->product_code);
	case K_REVISION: return tx->has_identity && du_match(&k->m, (uint64_t)(tx->rev_major << 8 | tx->rev_minor));
	case K_SERIAL: return tx->has_identity && du_match(&k->m, tx->serial);
	case K_STATE: return tx->has_identity && du_match(&k->m, tx->state);
	case K_ID_STATUS: return tx->has_identity && du_match(&k->m, tx->identity_status);
	case K_VERSION: return tx->has_version && du_match(&k->m, tx->protocol_version);
	case K_CAPS: return tx->has_services && du_match(&k->m, tx->capabilities);
	default: return any_cip(tx, k);
	}
}

static bool e_set(const void *data, uint8_t *set)
{
	const struct ekw *k = data;
	if (k->field != K_CIP_SERVICE)
		return false; /* a command rule is not pinned: a SendRRData tx is
			       * indexed by the CIP service it carries */
	set[k->svc >> 3] |= (uint8_t)(1u << (k->svc & 7));
	return true;
}

static const uint8_t *b_product(const struct app_tx *t, size_t *len)
{
	const struct enip_tx *tx = t->data;
	*len = tx->product_name_len;
	return tx->has_identity ? (const uint8_t *)tx->product_name : NULL;
}

static const uint8_t *b_service(const struct app_tx *t, size_t *len)
{
	const struct enip_tx *tx = t->data;
	*len = tx->service_name_len;
	return tx->has_services ? (const uint8_t *)tx->service_name : NULL;
}

static const struct app_keyword kws[] = {
	{ "enip_command", s_command, e_match, NULL, e_set, NULL },
	{ "enip.command", s_command, e_match, NULL, e_set, NULL },
	{ "cip_service", s_cip_service, e_match, NULL, e_set, NULL },
	{ "enip.status", s_status, e_match, NULL, NULL, NULL },
	{ "enip.cip_status", s_cip_status, e_match, NULL, NULL, NULL },
	{ "enip.cip_extendedstatus", s_cip_ext, e_match, NULL, NULL, NULL },
	{ "enip.cip_class", s_class, e_match, NULL, NULL, NULL },
	{ "enip.cip_instance", s_instance, e_match, NULL, NULL, NULL },
	{ "enip.cip_attribute", s_attr, e_match, NULL, NULL, NULL },
	{ "enip.vendor_id", s_vendor, e_match, NULL, NULL, NULL },
	{ "enip.device_type", s_devtype, e_match, NULL, NULL, NULL },
	{ "enip.product_code", s_product, e_match, NULL, NULL, NULL },
	{ "enip.revision", s_revision, e_match, NULL, NULL, NULL },
	{ "enip.serial", s_serial, e_match, NULL, NULL, NULL },
	{ "enip.state", s_state, e_match, NULL, NULL, NULL },
	{ "enip.identity_status", s_id_status, e_match, NULL, NULL, NULL },
	{ "enip.protocol_version", s_version, e_match, NULL, NULL, NULL },
	{ "enip.capabilities", s_caps, e_match, NULL, NULL, NULL },
	{ "enip.product_name", NULL, NULL, NULL, NULL, b_product },
	{ "enip.service_name", NULL, NULL, NULL, NULL, b_service },
};

static const uint16_t tcp_ports[] = { 44818, 0 };
static const uint16_t udp_ports[] = { 44818, 2222, 0 };

const struct proto_parser proto_enip = {
	.name = "enip",
	.transport = APP_TCP | APP_UDP,
	.tcp_ports = tcp_ports,
	.udp_ports = udp_ports,
	.probe = e_probe,
	.pdu_len = e_pdu_len,
	.parse_pdu = e_parse,
	.gap = NULL,
	.state_new = e_new,
	.state_free = e_free,
	.log_tx = e_log,
	.identity = e_identity,
	.events = events,
	.n_events = ENIP_EV__COUNT,
	.max_pdu = 24 + 65535,
	.state_size = sizeof(struct enip_state),
	.keywords = kws,
	.n_keywords = sizeof(kws) / sizeof(kws[0]),
	.tx_function = e_tx_function,
	.facts = e_facts,
};
