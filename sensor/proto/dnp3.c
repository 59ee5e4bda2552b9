/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNP3 over TCP and UDP (port 20000): link frames with their CRCs verified,
 * transport-layer reassembly of multi-fragment application messages, the
 * application layer (function, IIN, object headers with qualifiers and
 * ranges, point values of the common groups).
 *
 * A frame whose header or block CRC is wrong is not used. One transaction
 * per application message (request, response or unsolicited response);
 * responses name the function of the request they answer (matched by the
 * application sequence number).
 *
 * Events (app-layer-event:dnp3.<name>):
 *   dnp3.flooded             more outstanding requests than the table holds
 *   dnp3.len_too_small       link LENGTH below 5
 *   dnp3.bad_link_crc        link header CRC mismatch: frame dropped
 *   dnp3.bad_transport_crc   a user-data block CRC mismatch: frame dropped
 *   dnp3.unknown_object      an object group/variation whose size is unknown:
 *                            the rest of the message is not decoded
 *   dnp3.malformed           application header or object data cut short or
 *                            inconsistent (bad qualifier, range stop < start)
 *   dnp3.too_many_points     an object claims more points than a message can
 *                            carry
 *   dnp3.transport_sequence  a transport fragment out of sequence: the partial
 *                            message is dropped
 *   dnp3.message_too_large   a reassembled message over 4096 bytes: dropped
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
#include "vigil/proto/dnp3.h"

extern const struct proto_parser proto_dnp3;

#define DNP3_MAX_FRAME 292       /* 10 + 250 + 16 CRCs */
#define DNP3_MAX_MESSAGE 4096
#define DNP3_PENDING 4

static const char *const dnp3_events[DNP3_EV__COUNT] = {
	[DNP3_EV_FLOODED] = "dnp3.flooded",
	[DNP3_EV_LEN_TOO_SMALL] = "dnp3.len_too_small",
	[DNP3_EV_BAD_LINK_CRC] = "dnp3.bad_link_crc",
	[DNP3_EV_BAD_TRANSPORT_CRC] = "dnp3.bad_transport_crc",
	[DNP3_EV_UNKNOWN_OBJECT] = "dnp3.unknown_object",
	[DNP3_EV_MALFORMED] = "dnp3.malformed",
	[DNP3_EV_TOO_MANY_POINTS] = "dnp3.too_many_points",
	[DNP3_EV_TRANSPORT_SEQUENCE] = "dnp3.transport_sequence",
	[DNP3_EV_MESSAGE_TOO_LARGE] = "dnp3.message_too_large",
};

struct dnp3_reasm {
	uint8_t *buf;     /* allocated on the first multi-fragment message */
	uint16_t len;
	uint8_t next_seq;
	bool active;
};

struct dnp3_state {
	struct dnp3_reasm r[2];
	struct {
		uint8_t seq, fc;
		bool used;
	} pend[DNP3_PENDING];
	uint8_t pend_next;
};

/* ---- CRC-16/DNP ------------------------------------------------------------ */

/* Four tables: crc_table[k][b] is the register after byte b and k zero
 * bytes, so four bytes fold in with one lookup each (a 16-byte block in four
 * steps instead of sixteen). */
static uint16_t crc_table[4][256];

__attribute__((constructor)) static void crc_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint16_t c = (uint16_t)i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA6BC) : (uint16_t)(c >> 1);
		crc_table[0][i] = c;
	}
	for (unsigned k = 1; k < 4; k++)
		for (unsigned i = 0; i < 256; i++) {
			uint16_t c = crc_table[k - 1][i];
			crc_table[k][i] = (uint16_t)((c >> 8) ^ crc_table[0][c & 0xff]);
		}
}

static uint16_t crc_dnp(const uint8_t *p, size_t n)
{
	uint16_t c = 0;
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		uint16_t x = (uint16_t)(c ^ (p[i] | p[i + 1] << 8));
		c = (uint16_t)(crc_table[3][x & 0xff] ^ crc_table[2][x >> 8] ^
			       crc_table[1][p[i + 2]] ^ crc_table[0][p[i + 3]]);
	}
	for (; i < n; i++)
		c = (uint16_t)((c >> 8) ^ crc_table[0][(c ^ p[i]) & 0xff]);
	return (uint16_t)~c;
}

static bool crc_ok(const uint8_t *p, size_t n)
{
	uint16_t c = crc_dnp(p, n);
	return p[n] == (c & 0xff) && p[n + 1] == (c >> 8);
}

/* ---- framing ------------------------------------------------------------------ */

static size_t frame_len(uint8_t lenf)
{
	size_t data = (size_t)lenf - 5;
	return 10 + data + 2 * ((data + 15) / 16);
}

static int d_probe(const uint8_t *b, size_t len, uint8_t dir)
{
	(void)dir;
	if (len >= 1 && b[0] != 0x05)
		return APP_PROBE_NO;
	if (len >= 2 && b[1] != 0x64)
		return APP_PROBE_NO;
	if (len < 10)
		return APP_PROBE_MORE;
	if (b[2] < 5 || !crc_ok(b, 8))
		return APP_PROBE_NO;
	return APP_PROBE_YES;
}

static int d_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *b, size_t len,
		     size_t *pdu_len)
{
	(void)state;
	(void)dir;
	if (len >= 1 && b[0] != 0x05)
		return APP_FRAME_BAD;
	if (len >= 2 && b[1] != 0x64)
		return APP_FRAME_BAD;
	if (len < 3)
		return APP_FRAME_MORE;
	if (b[2] < 5) {
		app_emit_event(ctx, &proto_dnp3, DNP3_EV_LEN_TOO_SMALL);
		return APP_FRAME_BAD;
	}
	*pdu_len = frame_len(b[2]);
	return APP_FRAME_OK;
}

/* ---- objects ------------------------------------------------------------------- */

/* Size in bits (packed) or bytes of one object; 0 = no data; -1 unknown. */
static int obj_size(uint8_t g, uint8_t v, bool *packed)
{
	*packed = false;
	switch (g) {
	case 1: if (v == 1) { *packed = true; return 1; } return v == 2 ? 1 : -1;
	case 2: return v == 1 ? 1 : v == 2 ? 7 : v == 3 ? 3 : -1;
	case 3: if (v == 1) { *packed = true; return 2; } return v == 2 ? 1 : -1;
	case 4: return v == 1 ? 1 : v == 2 ? 7 : v == 3 ? 3 : -1;
	case 10: if (v == 1) { *packed = true; return 1; } return v == 2 ? 1 : -1;
	case 11: return v == 1 ? 1 : v == 2 ? 7 : -1;
	case 12: if (v == 3) { *packed = true; return 1; } return (v == 1 || v == 2) ? 11 : -1;
	case 13: return v == 1 ? 1 : v == 2 ? 7 : -1;
	case 20: case 21: case 22: case 23:
		switch (v) {
		case 1: return 5;
		case 2: return 3;
		case 3: return g == 20 ? 5 : g == 21 ? 5 : 5;
		case 4: return 3;
		case 5: return g == 20 ? 4 : 11;
		case 6: return g == 20 ? 2 : g == 21 ? 9 : 9;
		case 7: return 11;
		case 8: return 9;
		case 9: return 4;
		case 10: return 2;
		case 11: return 4;
		case 12: return 2;
		default: return -1;
		}
	case 30: return v == 1 ? 5 : v == 2 ? 3 : v == 3 ? 4 : v == 4 ? 2 : v == 5 ? 5 : v == 6 ? 9 : -1;
	case 31: return v == 1 ? 5 : v == 2 ? 3 : v == 3 ? 11 : v == 4 ? 9 : v == 5 ? 4 : v == 6 ? 2 : v == 7 ? 5 : v == 8 ? 9 : -1;
	case 32: case 33:
		return v == 1 ? 5 : v == 2 ? 3 : v == 3 ? 11 : v == 4 ? 9 : v == 5 ? 5 : v == 6 ? 9 : v == 7 ? 11 : v == 8 ? 15 : -1;
	case 34: return v == 1 ? 2 : v == 2 ? 4 : v == 3 ? 4 : -1;
	case 40: return v == 1 ? 5 : v == 2 ? 3 : v == 3 ? 5 : v == 4 ? 9 : -1;
	case 41: return v == 1 ? 5 : v == 2 ? 3 : v == 3 ? 5 : v == 4 ? 9 : -1;
	case 42: case 43: return v == 1 ? 5 : v == 2 ? 3 : v == 3 ? 11 : v == 4 ? 9 : v == 5 ? 5 : v == 6 ? 9 : v == 7 ? 11 : v == 8 ? 15 : -1;
	case 50: return v == 1 ? 6 : v == 2 ? 10 : v == 3 ? 6 : v == 4 ? 11 : -1;
	case 51: return (v == 1 || v == 2) ? 6 : -1;
	case 52: return (v == 1 || v == 2) ? 2 : -1;
	case 60: return (v >= 1 && v <= 4) ? 0 : -1;
	case 80: if (v == 1) { *packed = true; return 1; } return -1;
	case 110: case 111: case 112: case 113:
		return v; /* octet strings, virtual terminal: the variation is the length */
	default: return -1;
	}
}

static uint32_t read_n(struct cursor *c, int n)
{
	switch (n) {
	case 1: return cur_u8(c);
	case 2: return cur_le16(c);
	case 4: return cur_le32(c);
	default: return 0;
	}
}

/* One point's value from its bytes p (packed: bit `bit` of p). false for
 * objects whose values are counted, not decoded. */
static bool decode_point(struct dnp3_point *pt, uint32_t index, uint8_t g, uint8_t v,
			 const uint8_t *p, int size, bool packed, uint32_t bit)
{
	memset(pt, 0, sizeof(*pt));
	pt->index = index;
	struct cursor c = cur_make(p, packed ? 0 : (size_t)size);
	if (packed) {
		pt->kind = 0;
		pt->ival = (p[bit / 8] >> (bit % 8)) & 1;
	} else if (g == 1 || g == 2 || g == 10 || g == 11 || g == 3 || g == 4 || g == 13) {
		pt->kind = 0;
		pt->has_flags = true;
		pt->flags = cur_u8(&c);
		pt->ival = (pt->flags >> 7) & 1;
		if (g == 3 || g == 4)
			pt->ival = (pt->flags >> 6) & 3;
	} else if (g == 12 && size == 11) {
		pt->kind = 3;
		pt->ival = cur_u8(&c);  /* control code */
		pt->flags = 0;
	} else if (g == 50 || g == 51) {
		pt->kind = 4;
		uint64_t t = cur_le32(&c);
		t |= (uint64_t)cur_le16(&c) << 32;
		pt->ival = (int64_t)t;
	} else if (g >= 20 && g <= 23) {
		pt->kind = 1;
		bool flags = size == 5 || size == 3 || size == 11 || size == 9;
		if (flags) {
			pt->has_flags = true;
			pt->flags = cur_u8(&c);
		}
		pt->ival = (size == 3 || size == 2 || (size == 9 && g != 20)) ? cur_le16(&c) : cur_le32(&c);
	} else if (g == 30 || g == 32 || g == 31 || g == 33 || g == 40 || g == 41 || g == 42 || g == 43) {
		bool out = g == 40 || g == 41;
		bool flags_first = !(g == 41) && !(g == 30 && (v == 3 || v == 4)) &&
				   !(g == 31 && (v == 5 || v == 6));
		if (flags_first) {
			pt->has_flags = true;
			pt->flags = cur_u8(&c);
		}
		bool is_float = (g == 30 && (v == 5 || v == 6)) || ((g == 32 || g == 33) && v >= 5) ||
				(out && (v == 3 || v == 4)) || (g == 42 || g == 43 ? v >= 5 : false) ||
				(g == 31 && (v == 7 || v == 8));
		bool is_double = (g == 30 && v == 6) || ((g == 32 || g == 33) && (v == 6 || v == 8)) ||
				 (out && v == 4) || ((g == 42 || g == 43) && (v == 6 || v == 8)) ||
				 (g == 31 && v == 8);
		bool is16 = (g == 30 && (v == 2 || v == 4)) || ((g == 32 || g == 33) && (v == 2 || v == 4)) ||
			    (out && v == 2) || ((g == 42 || g == 43) && (v == 2 || v == 4)) ||
			    (g == 31 && (v == 2 || v == 4 || v == 6));
		if (is_double) {
			pt->kind = 2;
			pt->fval = cur_le_double(&c);
		} else if (is_float) {
			pt->kind = 2;
			pt->fval = cur_le_float(&c);
		} else if (is16) {
			pt->kind = 1;
			pt->ival = (int16_t)cur_le16(&c);
		} else {
			pt->kind = 1;
			pt->ival = (int32_t)cur_le32(&c);
		}
		if (g == 41) {
			pt->has_flags = true;
			pt->flags = cur_u8(&c); /* control status */
		}
	} else {
		return false; /* counted, not decoded */
	}
	return true;
}

/* How an object's values are laid out. */
struct layout {
	int psize;          /* bytes of the prefix of each value (0: none) */
	int size;           /* bits (packed) or bytes of one value; -1 unknown */
	bool packed;
	bool size_prefix;   /* the prefix is the value's size, not its index */
};

/* -1, or the event that says why o's data cannot be read. */
static int layout_of(const struct dnp3_object *o, struct layout *l)
{
	switch (o->prefix_code) {
	case 0: l->psize = 0; break;
	case 1: case 4: l->psize = 1; break;
	case 2: case 5: l->psize = 2; break;
	case 3: case 6: l->psize = 4; break;
	default: return DNP3_EV_MALFORMED;
	}
	l->size = obj_size(o->group, o->variation, &l->packed);
	l->size_prefix = o->prefix_code >= 4;
	if (l->size < 0 && !l->size_prefix)
		return DNP3_EV_UNKNOWN_OBJECT;
	return -1;
}

/* Walks the data of object o at c (o->count values): false when it runs
 * past the end (malformed). Values are decoded into pts while fewer than
 * room are kept (*kept says how many); with room 0, only checked and
 * skipped. */
static bool walk_points(struct cursor *c, const struct dnp3_object *o, const struct layout *l,
			struct dnp3_point *pts, unsigned room, unsigned *kept)
{
	uint32_t count = o->count, start = o->start;
	uint8_t g = o->group, v = o->variation;
	*kept = 0;
	if (l->packed && l->psize == 0) {
		size_t bytes = ((size_t)count * (size_t)l->size + 7) / 8;
		const uint8_t *p = cur_ptr(c, bytes);
		if (!p)
			return false;
		for (uint32_t i = 0; i < count && *kept < room; i++)
			*kept += decode_point(&pts[*kept], start + i, g, v, p, l->size, true,
					      i * (uint32_t)l->size);
		return true;
	}
	if (l->psize == 0 && !room) /* fixed size, no prefix: one extent */
		return cur_ptr(c, (size_t)count * (size_t)(l->size < 0 ? 0 : l->size)) && cur_ok(c);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t index = start + i;
		uint32_t osize = (uint32_t)(l->size < 0 ? 0 : l->size);
		if (l->psize) {
			uint32_t pv = read_n(c, l->psize);
			if (l->size_prefix)
				osize = pv;
			else
				index = pv;
		}
		if (l->packed)
			osize = 1;
		const uint8_t *p = cur_ptr(c, osize);
		if (!p || !cur_ok(c))
			return false;
		if (*kept < room && !l->size_prefix && l->size > 0)
			*kept += decode_point(&pts[*kept], index, g, v, p, l->size, false, 0);
	}
	return true;
}

/* Parses object headers (and their data, when with_data). Returns false on
 * a problem (event raised). */
static bool parse_objects(struct app_ctx *ctx, struct cursor *c, struct dnp3_tx *tx,
			  bool with_data)
{
	uint32_t total_points = 0;
	while (cur_left(c)) {
		if (cur_left(c) < 3) {
			app_emit_event(ctx, &proto_dnp3, DNP3_EV_MALFORMED);
			return false;
		}
		uint8_t g = cur_u8(c), v = cur_u8(c), q = cur_u8(c);
		struct dnp3_object tmp, *o = tx->n_objects < DNP3_MAX_OBJECTS
						     ? &tx->objects[tx->n_objects++] : &tmp;
		memset(o, 0, sizeof(*o));
		o->group = g;
		o->variation = v;
		o->qualifier = q;
		o->prefix_code = (q >> 4) & 7;
		o->range_code = q & 0x0f;
		uint32_t count = 0, start = 0;
		bool ranged = false;
		switch (o->range_code) {
		case 0: case 3: start = cur_u8(c); o->stop = cur_u8(c); ranged = true; break;
		case 1: case 4: start = cur_le16(c); o->stop = cur_le16(c); ranged = true; break;
		case 2: case 5: start = cur_le32(c); o->stop = cur_le32(c); ranged = true; break;
		case 6: count = 0; break;
		case 7: count = cur_u8(c); break;
		case 8: count = cur_le16(c); break;
		case 9: count = cur_le32(c); break;
		case 0xb: count = cur_u8(c); break;
		default:
			app_emit_event(ctx, &proto_dnp3, DNP3_EV_MALFORMED);
			return false;
		}
		if (!cur_ok(c)) {
			app_emit_event(ctx, &proto_dnp3, DNP3_EV_MALFORMED);
			return false;
		}
		if (ranged) {
			if (o->stop < start) {
				app_emit_event(ctx, &proto_dnp3, DNP3_EV_MALFORMED);
				return false;
			}
			o->start = start;
			count = o->stop - start + 1;
		}
		o->count = count;
		if (count > DNP3_MAX_MESSAGE * 8 || total_points + count > DNP3_MAX_MESSAGE * 8) {
			app_emit_event(ctx, &proto_dnp3, DNP3_EV_TOO_MANY_POINTS);
			return false;
		}
		total_points += count;
		if (!with_data || o->range_code == 6 || count == 0)
			continue;
		struct layout l;
		int bad = layout_of(o, &l);
		if (bad >= 0) {
			app_emit_event(ctx, &proto_dnp3, (uint16_t)bad);
			return false;
		}
		/* the values are decoded only when the message is written out
		 * (d_log); here their extent is checked and kept */
		const uint8_t *at = c->p;
		unsigned none;
		if (!walk_points(c, o, &l, NULL, 0, &none)) {
			app_emit_event(ctx, &proto_dnp3, DNP3_EV_MALFORMED);
			return false;
		}
		o->data_off = (uint32_t)(at - tx->data);
		o->data_len = (uint32_t)(c->p - at);
	}
	return true;
}

/* Decodes up to room points of object o (its data kept by parse_objects)
 * into pts. Returns how many. */
static unsigned object_points(const struct dnp3_tx *tx, const struct dnp3_object *o,
			      struct dnp3_point *pts, unsigned room)
{
	struct layout l;
	unsigned kept = 0;
	if (!o->data_len || layout_of(o, &l) >= 0)
		return 0;
	struct cursor c = cur_make(tx->data + o->data_off, o->data_len);
	walk_points(&c, o, &l, pts, room, &kept);
	return kept;
}

/* ---- application layer ---------------------------------------------------------- */

static void app_message(struct dnp3_state *s, struct app_ctx *ctx, uint8_t dir, uint8_t lctrl,
			uint16_t dst, uint16_t src, const uint8_t *m, size_t len)
{
	/* on the stack: the tx lives for the callback only */
	struct dnp3_tx txs;
	struct dnp3_tx *tx = &txs;
	memset(tx, 0, offsetof(struct dnp3_tx, objects));
	tx->link_ctrl = lctrl;
	tx->src = src;
	tx->dst = dst;
	tx->data = m;
	tx->data_len = len;
	tx->request_function = -1;
	struct cursor c = cur_make(m, len);
	tx->app_ctrl = cur_u8(&c);
	tx->function = cur_u8(&c);
	if (!cur_ok(&c)) {
		app_emit_event(ctx, &proto_dnp3, DNP3_EV_MALFORMED);
		return;
	}
	bool resp = tx->function == 129 || tx->function == 130 || tx->function == 131;
	if (resp) {
		tx->type = tx->function == 130 ? DNP3_UNSOLICITED : DNP3_RESPONSE;
		tx->has_iin = true;
		tx->iin = cur_le16(&c);
		if (!cur_ok(&c)) {
			app_emit_event(ctx, &proto_dnp3, DNP3_EV_MALFORMED);
			return;
		}
		uint8_t seq = tx->app_ctrl & 0x0f;
		for (int i = 0; i < DNP3_PENDING; i++)
			if (s->pend[i].used && s->pend[i].seq == seq && tx->type == DNP3_RESPONSE) {
				tx->request_function = s->pend[i].fc;
				s->pend[i].used = false;
			}
	} else {
		tx->type = DNP3_REQUEST;
		if (tx->function != 0) { /* confirms are not answered */
			int slot = -1;
			for (int i = 0; i < DNP3_PENDING && slot < 0; i++)
				if (!s->pend[i].used)
					slot = i;
			if (slot < 0) {
				app_emit_event(ctx, &proto_dnp3, DNP3_EV_FLOODED);
				slot = s->pend_next;
				s->pend_next = (uint8_t)((s->pend_next + 1) % DNP3_PENDING);
			}
			s->pend[slot].used = true;
			s->pend[slot].seq = tx->app_ctrl & 0x0f;
			s->pend[slot].fc = tx->function;
		}
	}
	/* requests carry object data except for reads and the like */
	bool with_data = resp || !(tx->function == 1 || tx->function == 7 || tx->function == 8 ||
				   tx->function == 9 || tx->function == 10 || tx->function == 20 ||
				   tx->function == 21 || tx->function == 22);
	tx->complete = parse_objects(ctx, &c, tx, with_data);
	struct app_tx t = { &proto_dnp3, dir, resp, tx };
	app_emit_tx(ctx, &t);
}

static int d_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *f, size_t len)
{
	struct dnp3_state *s = state;
	if (len < 10 || !crc_ok(f, 8)) {
		app_emit_event(ctx, &proto_dnp3, DNP3_EV_BAD_LINK_CRC);
		return -1;
	}
	uint8_t lctrl = f[3];
	uint16_t dst = (uint16_t)(f[4] | f[5] << 8), src = (uint16_t)(f[6] | f[7] << 8);
	size_t dlen = (size_t)f[2] - 5;
	uint8_t user[250];
	size_t u = 0, off = 10;
	while (u < dlen) {
		size_t b = dlen - u < 16 ? dlen - u : 16;
		if (off + b + 2 > len || !crc_ok(f + off, b)) {
			app_emit_event(ctx, &proto_dnp3, DNP3_EV_BAD_TRANSPORT_CRC);
			return -1;
		}
		memcpy(user + u, f + off, b);
		u += b;
		off += b + 2;
	}
	uint8_t lfc = lctrl & 0x0f;
	bool prm = (lctrl & 0x40) != 0;
	if (dlen == 0 || !prm || (lfc != 3 && lfc != 4))
		return 0; /* link-layer only */
	/* transport */
	uint8_t th = user[0];
	bool fir = th & 0x40, fin = th & 0x80;
	uint8_t seq = th & 0x3f;
	struct dnp3_reasm *r = &s->r[dir & 1];
	const uint8_t *frag = user + 1;
	size_t flen = u - 1;
	if (fir && fin) {
		r->active = false;
		r->len = 0;
		app_message(s, ctx, dir, lctrl, dst, src, frag, flen);
		return 0;
	}
	if (fir) {
		if (!r->buf) {
			r->buf = malloc(DNP3_MAX_MESSAGE);
			if (!r->buf)
				return -1;
		}
		r->len = 0;
		r->active = true;
	} else if (!r->active || seq != r->next_seq) {
		if (r->active)
			app_emit_event(ctx, &proto_dnp3, DNP3_EV_TRANSPORT_SEQUENCE);
		r->active = false;
		return -1;
	}
	if ((size_t)r->len + flen > DNP3_MAX_MESSAGE) {
		app_emit_event(ctx, &proto_dnp3, DNP3_EV_MESSAGE_TOO_LARGE);
		r->active = false;
		return -1;
	}
	memcpy(r->buf + r->len, frag, flen);
	r->len = (uint16_t)(r->len + flen);
	r->next_seq = (uint8_t)((seq + 1) & 0x3f);
	if (fin) {
		r->active = false;
		app_message(s, ctx, dir, lctrl, dst, src, r->buf, r->len);
		r->len = 0;
	}
	return 0;
}

static void d_gap(void *state, uint8_t dir)
{
	struct dnp3_state *s = state;
	s->r[dir & 1].active = false;
	s->r[dir & 1].len = 0;
}

static void *d_new(const struct app_flow_info *fi)
{
	(void)fi;
	return calloc(1, sizeof(struct dnp3_state));
}

static void d_free(void *p)
{
	struct dnp3_state *s = p;
	if (!s)
		return;
	free(s->r[0].buf);
	free(s->r[1].buf);
	free(s);
}

/* ---- EVE -------------------------------------------------------------------- */

static const char *const iin_names[16] = {
	"all_stations", "class_1_events", "class_2_events", "class_3_events",
	"need_time", "local_control", "device_trouble", "device_restart",
	"no_func_code_support", "object_unknown", "parameter_error", "event_buffer_overflow",
	"already_executing", "config_corrupt", "reserved_2", "reserved_1",
};
/* bits of tx->iin (IIN1 in bits 0-7, IIN2 in 8-15) in the order Suricata
 * lists the indicators: IIN1.7 down to IIN1.0, then IIN2.7 down to IIN2.0 */
static const uint8_t iin_order[16] = { 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8 };

static void d_log(const struct app_tx *t, struct jb *jb)
{
	const struct dnp3_tx *tx = t->data;
	static const char *const types[] = { "request", "response", "unsolicited_response" };
	jb_set_ascii(jb, "type", types[tx->type]);
	jb_open_object(jb, "control");
	jb_set_bool(jb, "dir", tx->link_ctrl & 0x80);
	jb_set_bool(jb, "pri", tx->link_ctrl & 0x40);
	jb_set_bool(jb, "fcb", tx->link_ctrl & 0x20);
	jb_set_bool(jb, "fcv", tx->link_ctrl & 0x10);
	jb_set_uint(jb, "function_code", tx->link_ctrl & 0x0f);
	jb_close(jb);
	jb_set_uint(jb, "src", tx->src);
	jb_set_uint(jb, "dst", tx->dst);
	if (tx->has_iin) {
		jb_open_object(jb, "iin");
		jb_open_array(jb, "indicators");
		for (int i = 0; i < 16; i++)
			if (tx->iin & (1u << iin_order[i]))
				jb_set_ascii(jb, NULL, iin_names[iin_order[i]]);
		jb_close(jb);
		jb_close(jb);
	}
	jb_open_object(jb, "application");
	jb_open_object(jb, "control");
	jb_set_bool(jb, "fir", tx->app_ctrl & 0x80);
	jb_set_bool(jb, "fin", tx->app_ctrl & 0x40);
	jb_set_bool(jb, "con", tx->app_ctrl & 0x20);
	jb_set_bool(jb, "uns", tx->app_ctrl & 0x10);
	jb_set_uint(jb, "sequence", tx->app_ctrl & 0x0f);
	jb_close(jb);
	jb_set_uint(jb, "function_code", tx->function);
	if (tx->request_function >= 0)
		jb_set_uint(jb, "request_function_code", (uint64_t)tx->request_function);
	struct dnp3_point pts[DNP3_MAX_POINTS];
	unsigned used = 0;
	jb_open_array(jb, "objects");
	for (unsigned i = 0; i < tx->n_objects; i++) {
		const struct dnp3_object *o = &tx->objects[i];
		jb_open_object(jb, NULL);
		jb_set_uint(jb, "group", o->group);
		jb_set_uint(jb, "variation", o->variation);
		jb_set_uint(jb, "qualifier", o->qualifier);
		jb_set_uint(jb, "prefix_code", o->prefix_code);
		jb_set_uint(jb, "range_code", o->range_code);
		jb_set_uint(jb, "start", o->start);
		jb_set_uint(jb, "stop", o->stop);
		jb_set_uint(jb, "count", o->count);
		/* points: at most DNP3_MAX_POINTS in the message, in order */
		unsigned np = object_points(tx, o, pts, DNP3_MAX_POINTS - used);
		if (np) {
			jb_open_array(jb, "points");
			for (unsigned k = 0; k < np; k++) {
				const struct dnp3_point *p = &pts[k];
				jb_open_object(jb, NULL);
				jb_set_uint(jb, "index", p->index);
				if (p->kind == 2 && (double)(float)p->fval == p->fval)
					jb_set_float(jb, "value", (float)p->fval);
				else if (p->kind == 2)
					jb_set_double(jb, "value", p->fval);
				else if (p->kind == 3)
					jb_set_uint(jb, "control_code", (uint64_t)p->ival);
				else if (p->kind == 4)
					jb_set_uint(jb, "timestamp", (uint64_t)p->ival);
				else if (p->kind == 0)
					jb_set_uint(jb, "state", (uint64_t)p->ival);
				else
					jb_set_int(jb, "value", p->ival);
				if (p->has_flags)
					jb_set_uint(jb, "flags", p->flags);
				jb_close(jb);
			}
			jb_close(jb);
			used += np;
		}
		jb_close(jb);
	}
	jb_close(jb);
	jb_set_bool(jb, "complete", tx->complete);
	jb_close(jb);
}

/* ---- asset inventory ---------------------------------------------------------- */

/* The link addresses of both ends (IEEE 1815-2012, 9.2.4.1.3: DIR set on
 * frames from the master), on the first message of each direction of a
 * flow; and the requests of an engineering tool rather than of a polling
 * master: cold and warm restart (13, 14), initialize, start and stop an
 * application (16-18), file transfer (25-30). */
static bool d_identity(const struct app_tx *t, bool first, struct app_identity *id)
{
	const struct dnp3_tx *tx = t->data;
	uint8_t f = tx->function;
	bool eng = tx->type == DNP3_REQUEST && ((f >= 13 && f <= 14) || (f >= 16 && f <= 18) ||
						(f >= 25 && f <= 30));
	if (!first && !eng)
		return false;
	app_identity_init(id);
	if (first) {
		bool from_master = tx->link_ctrl & 0x80;
		app_identity_num(id, from_master ? "master_address" : "outstation_address", tx->src,
				 APP_ID_SENDER);
		app_identity_num(id, from_master ? "outstation_address" : "master_address", tx->dst,
				 APP_ID_RECEIVER);
	}
	if (eng) {
		id->role[0] = APP_ROLE_ENGINEERING;
		id->role[1] = APP_ROLE_FIELD;
	}
	return true;
}

static int d_tx_function(const struct app_tx *t)
{
	return ((const struct dnp3_tx *)t->data)->function;
}

/* ---- keywords ----------------------------------------------------------------- */

static const struct du_name func_names[] = {
	{ "confirm", 0 }, { "read", 1 }, { "write", 2 }, { "select", 3 }, { "operate", 4 },
	{ "direct_operate", 5 }, { "direct_operate_nr", 6 }, { "immed_freeze", 7 },
	{ "immed_freeze_nr", 8 }, { "freeze_clear", 9 }, { "freeze_clear_nr", 10 },
	{ "freeze_at_time", 11 }, { "freeze_at_time_nr", 12 }, { "cold_restart", 13 },
	{ "warm_restart", 14 }, { "initialize_data", 15 }, { "initialize_appl", 16 },
	{ "start_appl", 17 }, { "stop_appl", 18 }, { "save_config", 19 },
	{ "enable_unsolicited", 20 }, { "disable_unsolicited", 21 }, { "assign_class", 22 },
	{ "delay_measure", 23 }, { "record_current_time", 24 }, { "open_file", 25 },
	{ "close_file", 26 }, { "delete_file", 27 }, { "get_file_info", 28 },
	{ "authenticate_file", 29 }, { "abort_file", 30 }, { "activate_config", 31 },
	{ "authenticate_req", 32 }, { "authenticate_err", 33 }, { "response", 129 },
	{ "unsolicited_response", 130 }, { "authenticate_resp", 131 },
};

static int func_setup(const char *arg, void **data, char *err, size_t errlen)
{
	struct du_match *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (du_parse(arg, 255, func_names, sizeof(func_names) / sizeof(func_names[0]), m, err,
		     errlen) < 0) {
		free(m);
		return -1;
	}
	*data = m;
	return 0;
}

static bool func_match(const void *data, const struct app_tx *t)
{
	return du_match(data, ((const struct dnp3_tx *)t->data)->function);
}

static bool func_set(const void *data, uint8_t *set)
{
	return du_set(data, 255, set);
}

/* dnp3_ind as Suricata reads it: a 16-bit integer (IIN1 high byte, IIN2
 * low, so device_restart is 0x8000) with its operators, or flag names with
 * an optional modifier and negations, any of them set by default
 * ("device_restart,need_time", "+device_restart,!need_time", "0x8000"). */
struct ind_arg {
	struct du_match m; /* on IIN1 << 8 | IIN2, Suricata's numbering */
	bool any;          /* names, any of them: the usual form ... */
	uint16_t raw;      /* ... tested on tx->iin as read (IIN1 the low byte) */
};

static int ind_setup(const char *arg, void **data, char *err, size_t errlen)
{
	struct du_name names[16];
	for (int b = 0; b < 16; b++) {
		names[b].name = iin_names[b];
		names[b].value = b < 8 ? 0x100u << b : 1u << (b - 8);
	}
	struct ind_arg *im = malloc(sizeof(*im));
	if (!im) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (du_parse_flags(arg, 0xffff, names, 16, '*', &im->m, err, errlen) < 0) {
		free(im);
		return -1;
	}
	im->any = im->m.op == DU_MASK_ANY;
	im->raw = (uint16_t)((im->m.a & 0xff) << 8 | (im->m.a >> 8 & 0xff));
	*data = im;
	return 0;
}

static bool ind_match(const void *data, const struct app_tx *t)
{
	const struct dnp3_tx *tx = t->data;
	const struct ind_arg *im = data;
	if (!tx->has_iin)
		return false;
	if (im->any)
		return (tx->iin & im->raw) != 0;
	return du_match(&im->m, (uint16_t)((tx->iin & 0xff) << 8 | tx->iin >> 8));
}

static int obj_setup(const char *arg, void **data, char *err, size_t errlen)
{
	unsigned g, v;
	char extra;
	if (!arg || sscanf(arg, " %u , %u %c", &g, &v, &extra) != 2 || g > 255 || v > 255) {
		snprintf(err, errlen, "expected 'group,variation'");
		return -1;
	}
	uint8_t *m = malloc(2);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m[0] = (uint8_t)g;
	m[1] = (uint8_t)v;
	*data = m;
	return 0;
}

static bool obj_match(const void *data, const struct app_tx *t)
{
	const uint8_t *m = data;
	const struct dnp3_tx *tx = t->data;
	for (unsigned i = 0; i < tx->n_objects; i++)
		if (tx->objects[i].group == m[0] && tx->objects[i].variation == m[1])
			return true;
	return false;
}

static const uint8_t *data_buffer(const struct app_tx *t, size_t *len)
{
	const struct dnp3_tx *tx = t->data;
	*len = tx->data_len;
	return tx->data;
}

static const struct app_keyword dnp3_keywords[] = {
	{ "dnp3_func", func_setup, func_match, NULL, func_set, NULL },
	{ "dnp3.func", func_setup, func_match, NULL, func_set, NULL },
	{ "dnp3_ind", ind_setup, ind_match, NULL, NULL, NULL },
	{ "dnp3.ind", ind_setup, ind_match, NULL, NULL, NULL },
	{ "dnp3_obj", obj_setup, obj_match, NULL, NULL, NULL },
	{ "dnp3.obj", obj_setup, obj_match, NULL, NULL, NULL },
	{ "dnp3_data", NULL, NULL, NULL, NULL, data_buffer },
	{ "dnp3.data", NULL, NULL, NULL, NULL, data_buffer },
};

/* ---- facts (the learned baseline) -------------------------------------------
 *
 * function: the application function code (129 for every response, 130 for
 * unsolicited ones); sub-device: the outstation's link address. Address
 * spaces: the object group (id = group number), addresses the point
 * indexes ([start, stop] of a range qualifier, or each prefixed index);
 * "all points" (qualifier 0x06) is the whole space [0, 4294967295]; class
 * reads (group 60) are the class numbers 0-3. Values: the points of the
 * decoded groups, written by requests that write or operate, reported by
 * responses. */

static const char *group_space_name(uint8_t g)
{
	switch (g) {
	case 0: return "device_attributes";
	case 1: return "binary_input";
	case 2: return "binary_input_event";
	case 3: return "double_bit_input";
	case 4: return "double_bit_input_event";
	case 10: return "binary_output";
	case 11: return "binary_output_event";
	case 12: return "binary_output_command";
	case 13: return "binary_output_command_event";
	case 20: return "counter";
	case 21: return "frozen_counter";
	case 22: return "counter_event";
	case 23: return "frozen_counter_event";
	case 30: return "analog_input";
	case 31: return "frozen_analog_input";
	case 32: return "analog_input_event";
	case 33: return "frozen_analog_input_event";
	case 34: return "analog_input_deadband";
	case 40: return "analog_output_status";
	case 41: return "analog_output";
	case 42: return "analog_output_event";
	case 43: return "analog_output_command_event";
	case 50: return "time";
	case 51: return "time_cto";
	case 52: return "time_delay";
	case 60: return "class";
	case 70: return "file";
	case 80: return "internal_indications";
	case 110: return "octet_string";
	case 111: return "octet_string_event";
	case 112: return "virtual_terminal_output";
	case 113: return "virtual_terminal_event";
	case 120: return "authentication";
	default: return "group";
	}
}

static uint8_t func_class(uint8_t fc)
{
	switch (fc) {
	case 1: return APP_FCLASS_READ;
	case 2: return APP_FCLASS_WRITE;
	case 3: case 4: case 5: case 6: case 7: case 8: case 9: case 10: case 11: case 12:
	case 13: case 14:
		return APP_FCLASS_CONTROL;
	case 15: case 16: case 17: case 18: case 19: case 31:
		return APP_FCLASS_PROGRAM;
	case 23: case 24:
		return APP_FCLASS_DIAGNOSTIC;
	case 25: case 26: case 27: case 28: case 29: case 30:
		return APP_FCLASS_FILE;
	case 0: case 20: case 21: case 22: case 32: case 33: case 131:
		return APP_FCLASS_SESSION;
	case 130:
		return APP_FCLASS_REPORT;
	default:
		return APP_FCLASS_OTHER;
	}
}

/* func_names holds 0-33 then 129-131, in order */
static const char *func_name(uint8_t fc)
{
	size_t i = fc <= 33 ? fc : fc >= 129 && fc <= 131 ? 34u + (fc - 129u) : SIZE_MAX;
	return i < sizeof(func_names) / sizeof(func_names[0]) && func_names[i].value == fc
		       ? func_names[i].name : NULL;
}

static void d_facts(const struct app_tx *t, struct app_facts *f)
{
	const struct dnp3_tx *tx = t->data;
	f->function = tx->function;
	f->function_name = func_name(tx->function);
	f->fclass = func_class(tx->function);
	if (tx->type == DNP3_UNSOLICITED)
		f->role = APP_ROLE_REPORT;
	f->has_unit = true;
	f->unit = tx->type == DNP3_REQUEST ? tx->dst : tx->src;
	f->unit_name = "dnp3_address";
	bool written = tx->type == DNP3_REQUEST && tx->function >= 2 && tx->function <= 6;
	struct dnp3_point pts[APP_FACTS_VALUES];
	for (unsigned i = 0; i < tx->n_objects; i++) {
		const struct dnp3_object *o = &tx->objects[i];
		const char *sp = group_space_name(o->group);
		unsigned np = 0;
		bool prefixed = o->prefix_code >= 1 && o->prefix_code <= 3;
		if (o->data_len && f->n_values < APP_FACTS_VALUES && (f->want_values || prefixed))
			np = object_points(tx, o, pts, APP_FACTS_VALUES - f->n_values);
		if (o->group == 60)
			app_facts_range(f, sp, 60, 0, o->variation ? o->variation - 1u : 0,
					o->variation ? o->variation - 1u : 0);
		else if (o->range_code <= 5)
			app_facts_range(f, sp, o->group, 0, o->start, o->stop);
		else if (o->range_code == 6)
			app_facts_range(f, sp, o->group, 0, 0, UINT32_MAX);
		else if (prefixed)
			for (unsigned k = 0; k < np; k++)
				app_facts_range(f, sp, o->group, 0, pts[k].index, pts[k].index);
		for (unsigned k = 0; f->want_values && k < np; k++) {
			const struct dnp3_point *pt = &pts[k];
			if (pt->kind == 4) /* a time, not a process value */
				continue;
			double v = pt->kind == 2 ? pt->fval : (double)pt->ival;
			app_facts_value(f, sp, o->group, 0, pt->index, written, v);
		}
	}
}

static const uint16_t dnp3_ports[] = { 20000, 0 };

const struct proto_parser proto_dnp3 = {
	.name = "dnp3",
	.transport = APP_TCP | APP_UDP,
	.tcp_ports = dnp3_ports,
	.udp_ports = dnp3_ports,
	.probe = d_probe,
	.pdu_len = d_pdu_len,
	.parse_pdu = d_parse,
	.gap = d_gap,
	.state_new = d_new,
	.state_free = d_free,
	.log_tx = d_log,
	.identity = d_identity,
	.events = dnp3_events,
	.n_events = DNP3_EV__COUNT,
	.max_pdu = DNP3_MAX_FRAME,
	.state_size = sizeof(struct dnp3_state),
	.keywords = dnp3_keywords,
	.n_keywords = sizeof(dnp3_keywords) / sizeof(dnp3_keywords[0]),
	.tx_function = d_tx_function,
	.facts = d_facts,
};
