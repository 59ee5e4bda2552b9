/* SPDX-License-Identifier: BSD-3-Clause */
/* TPKT framing, COTP headers and TSDU reassembly for the parsers on ISO
 * transport over TCP (see tpkt.h for the layouts). */
#include "proto/tpkt.h"

#include <stdlib.h>
#include <string.h>

#include "proto/framing.h"
#include "util/cursor.h"

int tpkt_frame(const uint8_t *buf, size_t len, size_t *pdu_len)
{
	struct cursor c = cur_make(buf, len);
	int v = cur_peek_u8(&c, 0);
	if (v >= 0 && v != 3)
		return TPKT_FRAME_NOT;
	if (len < TPKT_HDR_LEN)
		return TPKT_FRAME_MORE;
	cur_u8(&c);
	uint8_t reserved = cur_u8(&c);
	uint16_t l = cur_be16(&c);
	if (reserved != 0 || l < TPKT_MIN_LEN)
		return TPKT_FRAME_BAD;
	*pdu_len = l;
	return TPKT_FRAME_OK;
}

const char *cotp_code_name(uint8_t code)
{
	switch (code) {
	case COTP_ED: return "ED";
	case COTP_EA: return "EA";
	case COTP_RJ: return "RJ";
	case COTP_AK: return "AK";
	case COTP_ER: return "ER";
	case COTP_DR: return "DR";
	case COTP_DC: return "DC";
	case COTP_CC: return "CC";
	case COTP_CR: return "CR";
	case COTP_DT: return "DT";
	default: return NULL;
	}
}

/* Variable part of CR, CC, DR and ER (ISO 8073 13.3.4): code, length, value. */
static void cotp_params(struct cursor *v, struct cotp *h)
{
	while (cur_left(v) >= 2) {
		uint8_t code = cur_u8(v), pl = cur_u8(v);
		const uint8_t *val = cur_ptr(v, pl);
		if (!val) {
			h->bad_header = true;
			return;
		}
		if (code == 0xc1) {
			h->calling_tsap = val;
			h->calling_tsap_len = pl;
		} else if (code == 0xc2) {
			h->called_tsap = val;
			h->called_tsap_len = pl;
		} else if (code == 0xc0 && pl == 1) {
			struct cursor pv = cur_make(val, pl);
			h->tpdu_size = cur_u8(&pv);
		}
	}
	if (cur_left(v))
		h->bad_header = true;
}

int cotp_parse(const uint8_t *pdu, size_t len, struct cotp *h)
{
	memset(h, 0, sizeof(*h));
	struct cursor c = cur_make(pdu, len);
	cur_skip(&c, TPKT_HDR_LEN);
	h->li = cur_u8(&c);
	if (!cur_ok(&c) || h->li == 0 || h->li > cur_left(&c))
		return COTP_ERR_LI;
	struct cursor hdr = cur_sub(&c, h->li);
	h->code = cur_u8(&hdr) & 0xf0;
	if (!cotp_code_name(h->code))
		return COTP_ERR_CODE;
	h->data = c.p;
	h->data_len = cur_left(&c);
	switch (h->code) {
	case COTP_CR: case COTP_CC: case COTP_DR:
		h->dst_ref = cur_be16(&hdr);
		h->src_ref = cur_be16(&hdr);
		h->class_opt = cur_u8(&hdr);
		if (!cur_ok(&hdr)) {
			h->bad_header = true;
			break;
		}
		cotp_params(&hdr, h);
		break;
	case COTP_DC:
		h->dst_ref = cur_be16(&hdr);
		h->src_ref = cur_be16(&hdr);
		h->bad_header = !cur_ok(&hdr);
		break;
	case COTP_ER:
		h->dst_ref = cur_be16(&hdr);
		h->class_opt = cur_u8(&hdr);
		if (!cur_ok(&hdr)) {
			h->bad_header = true;
			break;
		}
		cotp_params(&hdr, h);
		break;
	case COTP_DT: {
		/* class 0: the EOT/NR byte; a longer header (other classes)
		 * is skipped */
		uint8_t nr = cur_u8(&hdr);
		if (!cur_ok(&hdr))
			return COTP_ERR_SHORT;
		h->eot = nr & 0x80;
		h->nr = nr & 0x7f;
		break;
	}
	default:
		break; /* expedited data, acknowledgements, reject: not class 0 */
	}
	return 0;
}

/* Room for need bytes (need <= max). False when the memcap (counted, with
 * the core's applayer.memcap event) or malloc says no. */
static bool reasm_reserve(struct tpkt_reasm *r, struct app_ctx *ctx, size_t need, size_t max)
{
	if (need <= r->cap)
		return true;
	size_t cap = r->cap ? r->cap : 1024;
	while (cap < need)
		cap *= 2;
	if (cap > max)
		cap = max;
	struct app_mem *mem = r->buf ? r->mem : ctx->mem;
	size_t delta = cap - r->cap;
	if (mem && mem->cap && mem->used + delta > mem->cap) {
		mem->memcap_hits++;
		app_emit_event(ctx, NULL, APP_EV_MEMCAP);
		return false;
	}
	uint8_t *b = realloc(r->buf, cap);
	if (!b)
		return false;
	if (mem)
		mem->used += delta;
	r->buf = b;
	r->mem = mem;
	r->cap = (uint32_t)cap;
	return true;
}

int tpkt_reasm_add(struct tpkt_reasm *r, struct app_ctx *ctx, bool eot, const uint8_t *seg,
		   size_t n, size_t max, const uint8_t **tsdu, size_t *tsdu_len)
{
	int res = 0;
	if (!r->active && r->cap > TPKT_REASM_KEEP)
		tpkt_reasm_free(r); /* a large TSDU went by: its buffer is not kept */
	if (!r->active) {
		if (eot) {
			*tsdu = seg;
			*tsdu_len = n;
			return TPKT_TSDU_READY;
		}
		r->active = true;
		r->cut = false;
		r->len = 0;
		r->segments = 0;
	}
	if (r->segments < UINT16_MAX)
		r->segments++;
	if (!r->cut) {
		size_t room = max > r->len ? max - r->len : 0;
		size_t take = n < room ? n : room;
		if (!reasm_reserve(r, ctx, r->len + take, max)) {
			r->cut = true;
			res |= TPKT_TSDU_NOMEM;
		} else {
			if (take)
				memcpy(r->buf + r->len, seg, take);
			r->len += (uint32_t)take;
			if (take < n) {
				r->cut = true;
				res |= TPKT_TSDU_CROSSED;
			}
		}
	}
	if (!eot)
		return res;
	r->active = false;
	*tsdu = r->buf;
	*tsdu_len = r->len;
	return res | TPKT_TSDU_READY | (r->cut ? TPKT_TSDU_CUT : 0);
}

void tpkt_reasm_reset(struct tpkt_reasm *r)
{
	r->active = false;
	r->cut = false;
	r->len = 0;
	r->segments = 0;
}

void tpkt_reasm_free(struct tpkt_reasm *r)
{
	if (!r)
		return;
	if (r->buf && r->mem)
		r->mem->used -= r->cap;
	free(r->buf);
	memset(r, 0, sizeof(*r));
}
