/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payload inspection of one buffer: content, pcre, byte_test, byte_jump,
 * byte_extract, isdataat and bsize, in rule order, with Suricata's
 * semantics for relative matching (distance/within/relative are measured
 * from the end of the previous match in the same buffer).
 *
 * When a relative element fails, the previous content is retried at its
 * next occurrence (as Suricata does), within a fixed budget of steps per
 * evaluation, so that a hostile payload cannot make one rule cost more than
 * a bounded amount of work.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rule.h"

#define STEP_BUDGET 4096

static const uint8_t *find_nocase(const uint8_t *h, size_t hl, const uint8_t *p, size_t pl)
{
	if (pl > hl)
		return NULL;
	uint8_t f = (uint8_t)tolower(p[0]);
	for (size_t i = 0; i + pl <= hl; i++) {
		if ((uint8_t)tolower(h[i]) != f)
			continue;
		size_t j = 1;
		while (j < pl && tolower(h[i + j]) == tolower(p[j]))
			j++;
		if (j == pl)
			return h + i;
	}
	return NULL;
}

static const uint8_t *find(const uint8_t *h, size_t hl, const uint8_t *p, size_t pl, bool nocase)
{
	if (pl == 0 || pl > hl)
		return NULL;
	if (nocase)
		return find_nocase(h, hl, p, pl);
	return memmem(h, hl, p, pl);
}

static int64_t dv(const struct dval *d, const struct detect_scratch *s)
{
	return d->var >= 0 ? s->vars[d->var] : d->v;
}

/* Reads the number of a byte_* element at pos; false when out of bounds or
 * not a number. */
static bool read_num(const struct sm_byte *b, const uint8_t *data, size_t len, int64_t pos,
		     uint64_t *out)
{
	if (pos < 0 || (uint64_t)pos + b->nbytes > len)
		return false;
	const uint8_t *p = data + pos;
	uint64_t v = 0;
	if (b->flags & BF_STRING) {
		char tmp[24];
		memcpy(tmp, p, b->nbytes);
		tmp[b->nbytes] = 0;
		unsigned n = 0;
		for (; n < b->nbytes; n++) {
			int c = tmp[n];
			int d = isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : 99;
			if (d >= b->base)
				break;
			v = v * b->base + (uint64_t)d;
		}
		if (n == 0)
			return false;
	} else if (b->flags & BF_LITTLE) {
		for (int i = b->nbytes - 1; i >= 0; i--)
			v = v << 8 | p[i];
	} else {
		for (unsigned i = 0; i < b->nbytes; i++)
			v = v << 8 | p[i];
	}
	if (b->flags & BF_BITMASK) {
		v &= b->bitmask;
		uint64_t m = b->bitmask;
		while (m && !(m & 1)) {
			m >>= 1;
			v >>= 1;
		}
	}
	*out = v;
	return true;
}

struct pctx {
	const struct rule *r;
	const uint8_t *data;
	size_t len;
	struct detect_scratch *s;
	const uint16_t *idx;
	int n;
};

static bool eval_from(struct pctx *c, int i, int64_t prev_end);

static bool content_at(struct pctx *c, int i, int64_t prev_end)
{
	const struct sm_content *ct = &c->r->sms[c->idx[i]].u.c;
	int64_t len = (int64_t)c->len;
	int64_t lo, hi; /* match must start in [lo, hi - patlen] */
	if (ct->flags & CF_STARTSWITH) {
		lo = 0;
		hi = ct->len;
	} else if (ct->flags & CF_RELATIVE) {
		lo = prev_end + ((ct->flags & CF_HAS_DISTANCE) ? dv(&ct->distance, c->s) : 0);
		if (lo < 0)
			lo = 0;
		hi = (ct->flags & CF_HAS_WITHIN) ? prev_end + ((ct->flags & CF_HAS_DISTANCE) ? dv(&ct->distance, c->s) : 0) + dv(&ct->within, c->s) : len;
	} else {
		lo = (ct->flags & CF_HAS_OFFSET) ? dv(&ct->offset, c->s) : 0;
		hi = (ct->flags & CF_HAS_DEPTH) ? lo + dv(&ct->depth, c->s) : len;
	}
	if (hi > len)
		hi = len;
	if (ct->flags & CF_ENDSWITH) {
		/* the match must end at the end of the buffer */
		int64_t at = len - ct->len;
		bool ok = at >= lo && at + ct->len <= hi && at >= 0 &&
			  find(c->data + at, ct->len, ct->pat, ct->len, ct->flags & CF_NOCASE);
		if (ct->flags & CF_NEGATED)
			return !ok && eval_from(c, i + 1, prev_end);
		return ok && eval_from(c, i + 1, at + ct->len);
	}
	if (ct->flags & CF_NEGATED) {
		bool found = lo < hi &&
			     find(c->data + lo, (size_t)(hi - lo), ct->pat, ct->len, ct->flags & CF_NOCASE);
		return !found && eval_from(c, i + 1, prev_end);
	}
	while (lo < hi) {
		if (++c->s->steps > STEP_BUDGET)
			return false;
		const uint8_t *m = find(c->data + lo, (size_t)(hi - lo), ct->pat, ct->len,
					ct->flags & CF_NOCASE);
		if (!m)
			return false;
		int64_t at = m - c->data;
		if (eval_from(c, i + 1, at + ct->len))
			return true;
		/* retry only if something after depends on this position */
		bool later_rel = false;
		for (int j = i + 1; j < c->n && !later_rel; j++) {
			const struct sm *x = &c->r->sms[c->idx[j]];
			later_rel = (x->type == SM_CONTENT && (x->u.c.flags & CF_RELATIVE)) ||
				    (x->type == SM_PCRE && x->u.re.relative) ||
				    ((x->type == SM_BYTE_TEST || x->type == SM_BYTE_JUMP ||
				      x->type == SM_BYTE_EXTRACT) && (x->u.b.flags & BF_RELATIVE)) ||
				    (x->type == SM_ISDATAAT && x->u.d.relative);
		}
		if (!later_rel)
			return false;
		lo = at + 1;
	}
	return false;
}

static bool eval_from(struct pctx *c, int i, int64_t prev_end)
{
	if (i >= c->n)
		return true;
	if (++c->s->steps > STEP_BUDGET)
		return false;
	const struct sm *m = &c->r->sms[c->idx[i]];
	int64_t len = (int64_t)c->len;
	switch (m->type) {
	case SM_CONTENT:
		return content_at(c, i, prev_end);
	case SM_PCRE: {
		const struct sm_pcre *re = &m->u.re;
		int64_t start = re->relative ? prev_end : 0;
		if (start > len)
			return re->negated && eval_from(c, i + 1, prev_end);
		/* as in Suricata, a relative pcre sees the buffer from the
		 * previous match on, so ^ anchors there */
		int rc = pcre2_match(re->re, c->data + start, (size_t)(len - start), 0, 0,
				     c->s->md, c->s->mctx);
		if (rc < 0)
			return re->negated && eval_from(c, i + 1, prev_end);
		if (re->negated)
			return false;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->s->md);
		return eval_from(c, i + 1, start + (int64_t)ov[1]);
	}
	case SM_BYTE_TEST: {
		const struct sm_byte *b = &m->u.b;
		int64_t pos = dv(&b->offset, c->s) + ((b->flags & BF_RELATIVE) ? prev_end : 0);
		uint64_t v;
		if (!read_num(b, c->data, c->len, pos, &v))
			return false;
		uint64_t x = (uint64_t)dv(&b->value, c->s);
		bool ok;
		switch (b->op) {
		case '<': ok = v < x; break;
		case '>': ok = v > x; break;
		case '=': ok = v == x; break;
		case '&': ok = (v & x) != 0; break;
		case '^': ok = (v ^ x) != 0; break;
		case 'l': ok = v <= x; break;
		case 'g': ok = v >= x; break;
		default: ok = false;
		}
		if (b->flags & BF_NEGATE)
			ok = !ok;
		return ok && eval_from(c, i + 1, prev_end);
	}
	case SM_BYTE_JUMP: {
		const struct sm_byte *b = &m->u.b;
		int64_t pos = dv(&b->offset, c->s) + ((b->flags & BF_RELATIVE) ? prev_end : 0);
		uint64_t v;
		if (!read_num(b, c->data, c->len, pos, &v))
			return false;
		if (v > (1u << 24))
			return false;
		int64_t jump = (int64_t)v * (b->multiplier ? b->multiplier : 1);
		if ((b->flags & BF_ALIGN) && (jump % 4))
			jump += 4 - jump % 4;
		int64_t np;
		if (b->flags & BF_FROM_BEGINNING)
			np = jump;
		else if (b->flags & BF_FROM_END)
			np = len + jump;
		else
			np = pos + b->nbytes + jump;
		np += b->post_offset;
		if (np < 0 || np > len)
			return false;
		return eval_from(c, i + 1, np);
	}
	case SM_BYTE_EXTRACT: {
		const struct sm_byte *b = &m->u.b;
		int64_t pos = dv(&b->offset, c->s) + ((b->flags & BF_RELATIVE) ? prev_end : 0);
		uint64_t v;
		if (!read_num(b, c->data, c->len, pos, &v))
			return false;
		v *= (uint64_t)(b->multiplier ? b->multiplier : 1);
		if (b->align && (v % (uint64_t)b->align))
			v += (uint64_t)b->align - v % (uint64_t)b->align;
		if (v > INT32_MAX)
			return false;
		c->s->vars[b->var] = (int64_t)v;
		return eval_from(c, i + 1, pos + b->nbytes);
	}
	case SM_ISDATAAT: {
		const struct sm_isdataat *d = &m->u.d;
		int64_t n = dv(&d->pos, c->s);
		bool ok = d->relative ? prev_end + n <= len && prev_end + n >= 0 : n < len;
		if (d->relative && n == 0)
			ok = prev_end < len;
		if (d->negated)
			ok = !ok;
		return ok && eval_from(c, i + 1, prev_end);
	}
	case SM_BSIZE:
		return du_match(&m->u.u, (uint64_t)len) && eval_from(c, i + 1, prev_end);
	default:
		return eval_from(c, i + 1, prev_end);
	}
}

bool payload_match(const struct rule *r, uint8_t buf, const uint8_t *data, size_t len,
		   struct detect_scratch *s)
{
	uint16_t idx[RULE_MAX_SM];
	int n = 0;
	for (int i = 0; i < r->n_sms; i++) {
		const struct sm *m = &r->sms[i];
		if (m->buf != buf)
			continue;
		switch (m->type) {
		case SM_CONTENT:
		case SM_PCRE:
		case SM_BYTE_TEST:
		case SM_BYTE_JUMP:
		case SM_BYTE_EXTRACT:
		case SM_ISDATAAT:
		case SM_BSIZE:
			idx[n++] = (uint16_t)i;
			break;
		default:
			break;
		}
	}
	if (n == 0)
		return true;
	if (!data) {
		data = (const uint8_t *)"";
		len = 0;
	}
	struct pctx c = { r, data, len, s, idx, n };
	s->steps = 0;
	return eval_from(&c, 0, 0);
}
