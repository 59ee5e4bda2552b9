/* SPDX-License-Identifier: BSD-3-Clause */
#include "proto/framing.h"

#include <stdlib.h>
#include <string.h>

const char *const app_core_events[APP_EV__COUNT] = {
	[APP_EV_PDU_TOO_LARGE] = "applayer.pdu_too_large",
	[APP_EV_MEMCAP] = "applayer.memcap",
	[APP_EV_TRUNCATED] = "applayer.truncated_pdu",
	[APP_EV_GAP] = "applayer.gap",
};

/* While appending to a partial buffer whose PDU length is not yet known,
 * take this many bytes at a time (longer than any header we frame). */
#define HDR_CHUNK 64

void app_emit_tx(struct app_ctx *ctx, const struct app_tx *tx)
{
	if (ctx->on_tx)
		ctx->on_tx(ctx->user, tx);
}

void app_emit_event(struct app_ctx *ctx, const struct proto_parser *p, uint16_t event)
{
	if (ctx->quiet || !ctx->on_event)
		return;
	if (p && event >= p->n_events)
		return;
	ctx->on_event(ctx->user, p, event);
}

const struct app_flow_info *app_ctx_flow(const struct app_ctx *ctx)
{
	return &ctx->fi;
}

bool app_ctx_resyncing(const struct app_ctx *ctx)
{
	return ctx->quiet;
}

static void core_event(struct app_ctx *ctx, enum app_core_event ev)
{
	if (ctx->on_event)
		ctx->on_event(ctx->user, NULL, (uint16_t)ev);
}

void app_pdu_buf_free(struct app_ctx *ctx, struct app_pdu_buf *pb)
{
	if (!pb)
		return;
	if (pb->buf && ctx && ctx->mem)
		ctx->mem->used -= pb->cap;
	free(pb->buf);
	memset(pb, 0, sizeof(*pb));
}

/* Makes room for need bytes in total. False (and a counted event) when the
 * parser's cap or the memcap forbids it. */
static bool pb_reserve(struct app_ctx *ctx, struct app_pdu_buf *pb, size_t need)
{
	if (need <= pb->cap)
		return true;
	uint32_t max = ctx->proto->max_pdu ? ctx->proto->max_pdu : 65536;
	if (need > max)
		return false;
	size_t cap = pb->cap ? pb->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > max)
		cap = max;
	if (ctx->mem && ctx->mem->cap && ctx->mem->used + (cap - pb->cap) > ctx->mem->cap) {
		ctx->mem->memcap_hits++;
		core_event(ctx, APP_EV_MEMCAP);
		return false;
	}
	uint8_t *b = realloc(pb->buf, cap);
	if (!b)
		return false;
	if (ctx->mem)
		ctx->mem->used += cap - pb->cap;
	pb->buf = b;
	pb->cap = (uint32_t)cap;
	return true;
}

static int frame(struct app_ctx *ctx, void *state, uint8_t dir,
		 const uint8_t *buf, size_t len, size_t *n)
{
	*n = 0;
	int r = ctx->proto->pdu_len(state, ctx, dir, buf, len, n);
	if (r == APP_FRAME_OK && *n == 0)
		r = APP_FRAME_BAD; /* a parser bug must not make us spin */
	return r;
}

static void parse(struct app_ctx *ctx, void *state, uint8_t dir,
		  const uint8_t *pdu, size_t n)
{
	if (ctx->cnt)
		ctx->cnt->pdus++;
	ctx->proto->parse_pdu(state, ctx, dir, pdu, n);
}

/* Resync: is a PDU plausibly starting at buf? Quiet. */
static bool plausible(struct app_ctx *ctx, void *state, struct app_pdu_buf *pb,
		      uint8_t dir, const uint8_t *buf, size_t len)
{
	size_t n;
	bool q = ctx->quiet;
	ctx->quiet = true;
	int r = frame(ctx, state, dir, buf, len, &n);
	if (r != APP_FRAME_BAD && pb->after_gap && ctx->proto->probe &&
	    ctx->proto->probe(buf, len, dir) == APP_PROBE_NO)
		r = APP_FRAME_BAD;
	ctx->quiet = q;
	return r != APP_FRAME_BAD;
}

/* Returns how many leading bytes of buf to drop to reach a plausible
 * header (len when there is none). */
static size_t resync_skip(struct app_ctx *ctx, void *state, struct app_pdu_buf *pb,
			  uint8_t dir, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (plausible(ctx, state, pb, dir, buf + i, len - i))
			return i;
	return len;
}

void app_stream_feed(struct app_ctx *ctx, void *state, struct app_pdu_buf *pb,
		     uint8_t dir, const uint8_t *data, size_t len)
{
	while (len > 0) {
		if (pb->skip) {
			size_t k = len < pb->skip ? len : pb->skip;
			pb->skip -= (uint32_t)k;
			data += k;
			len -= k;
			continue;
		}
		if (pb->resync && pb->len == 0) {
			size_t k = resync_skip(ctx, state, pb, dir, data, len);
			data += k;
			len -= k;
			if (len == 0)
				return;
			pb->resync = false;
			pb->after_gap = false;
		}
		if (pb->len == 0) {
			size_t n;
			int r = frame(ctx, state, dir, data, len, &n);
			if (r == APP_FRAME_OK && n <= len) {
				parse(ctx, state, dir, data, n);
				data += n;
				len -= n;
				continue;
			}
			if (r == APP_FRAME_BAD) {
				if (ctx->cnt)
					ctx->cnt->resyncs++;
				pb->resync = true;
				data++;
				len--;
				continue;
			}
			if (r == APP_FRAME_OK) {
				uint32_t max = ctx->proto->max_pdu ? ctx->proto->max_pdu : 65536;
				if (n > max) {
					if (ctx->cnt)
						ctx->cnt->too_large++;
					core_event(ctx, APP_EV_PDU_TOO_LARGE);
					pb->skip = (uint32_t)(n - len);
					return;
				}
			}
			/* MORE, or a PDU that continues beyond this segment */
			if (!pb_reserve(ctx, pb, len)) {
				pb->resync = true;
				return;
			}
			memcpy(pb->buf, data, len);
			pb->len = (uint32_t)len;
			return;
		}

		/* A partial PDU is buffered: complete it. */
		size_t n;
		int r = frame(ctx, state, dir, pb->buf, pb->len, &n);
		if (r == APP_FRAME_BAD) {
			/* the buffered header fragment turned out invalid */
			if (ctx->cnt)
				ctx->cnt->resyncs++;
			size_t k = resync_skip(ctx, state, pb, dir, pb->buf + 1, pb->len - 1) + 1;
			memmove(pb->buf, pb->buf + k, pb->len - k);
			pb->len -= (uint32_t)k;
			continue;
		}
		if (r == APP_FRAME_OK && n > (ctx->proto->max_pdu ? ctx->proto->max_pdu : 65536)) {
			if (ctx->cnt)
				ctx->cnt->too_large++;
			core_event(ctx, APP_EV_PDU_TOO_LARGE);
			pb->skip = (uint32_t)(n - pb->len);
			pb->len = 0;
			continue;
		}
		size_t want;
		if (r == APP_FRAME_OK) {
			if (n <= pb->len) { /* cannot happen with a sane parser */
				parse(ctx, state, dir, pb->buf, n);
				memmove(pb->buf, pb->buf + n, pb->len - n);
				pb->len -= (uint32_t)n;
				continue;
			}
			want = n - pb->len;
		} else {
			want = HDR_CHUNK;
		}
		size_t take = len < want ? len : want;
		if (!pb_reserve(ctx, pb, pb->len + take)) {
			pb->len = 0;
			pb->resync = true;
			continue;
		}
		memcpy(pb->buf + pb->len, data, take);
		pb->len += (uint32_t)take;
		data += take;
		len -= take;
		if (r == APP_FRAME_OK) {
			if (pb->len == n) {
				pb->len = 0;
				parse(ctx, state, dir, pb->buf, n);
			}
			continue;
		}
		/* Header chunk appended: frame again; give back what overshoots. */
		r = frame(ctx, state, dir, pb->buf, pb->len, &n);
		if (r == APP_FRAME_OK && n <= pb->len) {
			size_t excess = pb->len - n;
			pb->len = 0;
			parse(ctx, state, dir, pb->buf, n);
			data -= excess;
			len += excess;
		} else if (r == APP_FRAME_BAD) {
			/* give the chunk back and let the BAD branch resync */
			data -= take;
			len += take;
			pb->len -= (uint32_t)take;
			if (ctx->cnt)
				ctx->cnt->resyncs++;
			size_t k = resync_skip(ctx, state, pb, dir, pb->buf + 1, pb->len - 1) + 1;
			memmove(pb->buf, pb->buf + k, pb->len - k);
			pb->len -= (uint32_t)k;
		}
	}
}

void app_stream_gap(struct app_ctx *ctx, void *state, struct app_pdu_buf *pb, uint8_t dir)
{
	if (ctx->cnt)
		ctx->cnt->gaps++;
	if (pb->len || pb->skip)
		core_event(ctx, APP_EV_GAP);
	pb->len = 0;
	pb->skip = 0;
	pb->resync = true;
	pb->after_gap = true;
	if (ctx->proto->gap)
		ctx->proto->gap(state, dir);
}

void app_datagram(struct app_ctx *ctx, void *state, uint8_t dir,
		  const uint8_t *data, size_t len)
{
	while (len > 0) {
		size_t n;
		int r = frame(ctx, state, dir, data, len, &n);
		if (r == APP_FRAME_BAD)
			return; /* the parser reported why */
		if (r == APP_FRAME_MORE || n > len) {
			if (ctx->cnt)
				ctx->cnt->truncated++;
			core_event(ctx, APP_EV_TRUNCATED);
			return;
		}
		parse(ctx, state, dir, data, n);
		data += n;
		len -= n;
	}
}
