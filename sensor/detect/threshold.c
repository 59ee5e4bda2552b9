/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Thresholds, detection filters and suppression, applied by the single
 * output stage in capture order (so replays give the same alerts whatever
 * the number of workers).
 *
 * State lives in a fixed-size open-addressing table keyed by (gid, sid,
 * tracked address(es)); entries whose time window has passed are reused.
 * When the table is full the alert is let through (fail open: an IDS must
 * not hide alerts because of its own limits) and counted.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/threshold.h"
#include "vigil/detect.h"

#define THR_SLOTS 65536
#define THR_PROBE 32

struct thr_state {
	uint64_t key;         /* 0 = empty */
	uint32_t gid, sid;
	uint8_t kind;         /* 1 threshold, 2 detection_filter */
	uint8_t ip_ver;
	struct vaddr a, b;
	uint64_t first;       /* window start (usec) */
	uint64_t seen;        /* hits in the window */
	uint32_t seconds;
};

struct detect_threshold_ctx {
	struct thr_config cfg;
	struct thr_state *slots;
	uint64_t suppressed;
	uint64_t table_full;
};

/* ---- threshold.config ---------------------------------------------------- */

static char *trim(char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int thr_config_load(struct thr_config *tc, const char *path, FILE *msgs, char *err,
		    size_t errlen)
{
	memset(tc, 0, sizeof(*tc));
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[1024];
	int ln = 0;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		struct thr_entry e;
		memset(&e, 0, sizeof(e));
		char *kw = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = 0;
		if (strcmp(kw, "suppress") == 0)
			e.suppress = true;
		else if (strcmp(kw, "threshold") != 0 && strcmp(kw, "event_filter") != 0) {
			fprintf(msgs, "%s:%d: unsupported directive '%s'\n", path, ln, kw);
			continue;
		}
		bool bad = false, have_sid = false;
		char *save;
		for (char *t = strtok_r(s, ",", &save); t && !bad; t = strtok_r(NULL, ",", &save)) {
			t = trim(t);
			char *v = t;
			while (*v && !isspace((unsigned char)*v))
				v++;
			if (*v)
				*v++ = 0;
			v = trim(v);
			if (strcmp(t, "gen_id") == 0) {
				e.gid = (uint32_t)strtoul(v, NULL, 10);
			} else if (strcmp(t, "sig_id") == 0) {
				e.sid = (uint32_t)strtoul(v, NULL, 10);
				have_sid = true;
			} else if (strcmp(t, "track") == 0) {
				if (strcmp(v, "by_src") == 0)
					e.track = e.suppress ? 1 : TRK_SRC, e.spec.track = TRK_SRC;
				else if (strcmp(v, "by_dst") == 0)
					e.track = e.suppress ? 2 : TRK_DST, e.spec.track = TRK_DST;
				else if (strcmp(v, "by_either") == 0 && e.suppress)
					e.track = 3;
				else if (strcmp(v, "by_rule") == 0 && !e.suppress)
					e.spec.track = TRK_RULE;
				else if (strcmp(v, "by_both") == 0 && !e.suppress)
					e.spec.track = TRK_BOTH;
				else
					bad = true;
			} else if (strcmp(t, "ip") == 0 && e.suppress) {
				struct addrset as;
				char e2[128];
				if (addrset_parse(NULL, v, &as, e2, sizeof(e2)) < 0 || as.n_pos != 1) {
					addrset_free(&as);
					bad = true;
				} else {
					e.net = as.pos[0];
					addrset_free(&as);
				}
			} else if (strcmp(t, "type") == 0 && !e.suppress) {
				if (strcmp(v, "limit") == 0)
					e.spec.type = THR_LIMIT;
				else if (strcmp(v, "threshold") == 0)
					e.spec.type = THR_THRESHOLD;
				else if (strcmp(v, "both") == 0)
					e.spec.type = THR_BOTH;
				else
					bad = true;
			} else if (strcmp(t, "count") == 0 && !e.suppress) {
				e.spec.count = (uint32_t)strtoul(v, NULL, 10);
			} else if (strcmp(t, "seconds") == 0 && !e.suppress) {
				e.spec.seconds = (uint32_t)strtoul(v, NULL, 10);
			} else {
				bad = true;
			}
		}
		if (bad || !have_sid || (e.suppress && e.track && !e.net.ver) ||
		    (!e.suppress && (!e.spec.type || !e.spec.count || !e.spec.seconds))) {
			fprintf(msgs, "%s:%d: invalid %s line\n", path, ln, kw);
			continue;
		}
		struct thr_entry *ne = realloc(tc->e, (tc->n + 1) * sizeof(*ne));
		if (!ne) {
			fclose(f);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		tc->e = ne;
		tc->e[tc->n++] = e;
	}
	fclose(f);
	return 0;
}

void thr_config_free(struct thr_config *tc)
{
	free(tc->e);
	memset(tc, 0, sizeof(*tc));
}

int thr_config_copy(struct thr_config *dst, const struct thr_config *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!src->n)
		return 0;
	dst->e = malloc(src->n * sizeof(*dst->e));
	if (!dst->e)
		return -1;
	memcpy(dst->e, src->e, src->n * sizeof(*dst->e));
	dst->n = src->n;
	return 0;
}

/* ---- state ------------------------------------------------------------------ */

struct detect_threshold_ctx *detect_threshold_new(const struct detect_engine *de)
{
	struct detect_threshold_ctx *tc = calloc(1, sizeof(*tc));
	if (!tc)
		return NULL;
	tc->slots = calloc(THR_SLOTS, sizeof(*tc->slots));
	if (!tc->slots || (de && thr_config_copy(&tc->cfg, detect_engine_thr_config(de)) < 0)) {
		detect_threshold_free(tc);
		return NULL;
	}
	return tc;
}

void detect_threshold_free(struct detect_threshold_ctx *tc)
{
	if (!tc)
		return;
	thr_config_free(&tc->cfg);
	free(tc->slots);
	free(tc);
}

void detect_threshold_rebind(struct detect_threshold_ctx *tc, const struct detect_engine *de)
{
	struct thr_config n;
	if (thr_config_copy(&n, detect_engine_thr_config(de)) < 0)
		return; /* keep the old configuration */
	thr_config_free(&tc->cfg);
	tc->cfg = n;
}

void detect_threshold_counts(const struct detect_threshold_ctx *tc, uint64_t *suppressed,
			     uint64_t *table_full)
{
	*suppressed = tc ? tc->suppressed : 0;
	*table_full = tc ? tc->table_full : 0;
}

static bool net_has(const struct ipnet *n, const struct vaddr *a, uint8_t ver)
{
	struct addrset as = { false, 1, 0, (struct ipnet *)n, NULL };
	return addrset_match(&as, a, ver);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static struct thr_state *lookup(struct detect_threshold_ctx *tc, const struct detect_alert_meta *m,
				uint8_t kind, uint8_t track, uint32_t seconds, uint64_t ts)
{
	struct vaddr a = { { 0 } }, b = { { 0 } };
	if (track == TRK_SRC || track == TRK_BOTH)
		a = m->src;
	if (track == TRK_DST)
		a = m->dst;
	if (track == TRK_BOTH)
		b = m->dst;
	uint64_t h = mix(mix(m->gid, m->sid), kind);
	for (int i = 0; i < 16; i += 8) {
		uint64_t x, y;
		memcpy(&x, a.a + i, 8);
		memcpy(&y, b.a + i, 8);
		h = mix(mix(h, x), y);
	}
	h |= 1;
	size_t idx = (size_t)(h % THR_SLOTS);
	struct thr_state *reuse = NULL;
	for (int p = 0; p < THR_PROBE; p++) {
		struct thr_state *s = &tc->slots[(idx + (size_t)p) % THR_SLOTS];
		if (s->key == h && s->gid == m->gid && s->sid == m->sid && s->kind == kind &&
		    memcmp(&s->a, &a, sizeof(a)) == 0 && memcmp(&s->b, &b, sizeof(b)) == 0)
			return s;
		if (!reuse && (s->key == 0 || ts - s->first > (uint64_t)s->seconds * 1000000u))
			reuse = s;
	}
	if (!reuse)
		return NULL;
	memset(reuse, 0, sizeof(*reuse));
	reuse->key = h;
	reuse->gid = m->gid;
	reuse->sid = m->sid;
	reuse->kind = kind;
	reuse->a = a;
	reuse->b = b;
	reuse->first = ts;
	reuse->seconds = seconds;
	return reuse;
}

bool thr_hit(uint64_t *first, uint64_t *seen, uint64_t *next, const struct thr_spec *t,
	     uint64_t ts)
{
	if (t->type == THR_BACKOFF) {
		/* alerts at count, count*m, count*m^2, ... (no window) */
		if (++*seen != *next)
			return false;
		*next = t->multiplier <= 1 || *next > UINT64_MAX / t->multiplier
				? UINT64_MAX /* never again */
				: *next * t->multiplier;
		return true;
	}
	uint64_t win = (uint64_t)t->seconds * 1000000u;
	if (ts - *first >= win) {
		*first = ts;
		*seen = 0;
	}
	(*seen)++;
	switch (t->type) {
	case THR_LIMIT:
		return *seen <= t->count;
	case THR_THRESHOLD:
		if (*seen >= t->count) {
			*seen = 0;
			*first = ts;
			return true;
		}
		return false;
	case THR_BOTH:
		return *seen == t->count;
	case THR_DETECTION_FILTER:
		return *seen > t->count;
	default:
		return true;
	}
}

/* One hit against a threshold spec: emit? */
static bool apply(struct thr_state *s, const struct thr_spec *t, uint64_t ts)
{
	uint64_t next = 0;
	return thr_hit(&s->first, &s->seen, &next, t, ts);
}

bool detect_threshold_pass(struct detect_threshold_ctx *tc, const struct detect_alert_meta *m,
			   uint64_t ts)
{
	if (!tc)
		return true;
	if (m->held) { /* held back by a threshold tracked by_flow, in the worker */
		tc->suppressed++;
		return false;
	}
	struct thr_spec thr = { m->thr_type, m->thr_track, m->thr_count, m->thr_seconds, 0 };
	for (size_t i = 0; i < tc->cfg.n; i++) {
		const struct thr_entry *e = &tc->cfg.e[i];
		if ((e->sid && e->sid != m->sid) || (e->gid && e->gid != m->gid))
			continue;
		if (e->suppress) {
			bool hit = e->track == 0 ||
				   ((e->track == 1 || e->track == 3) && net_has(&e->net, &m->src, m->ip_ver)) ||
				   ((e->track == 2 || e->track == 3) && net_has(&e->net, &m->dst, m->ip_ver));
			if (hit) {
				tc->suppressed++;
				return false;
			}
		} else {
			thr = e->spec;
		}
	}
	if (m->df_count) {
		struct thr_spec df = { THR_DETECTION_FILTER, m->df_track, m->df_count, m->df_seconds, 0 };
		struct thr_state *s = lookup(tc, m, 2, df.track, df.seconds, ts);
		if (!s) {
			tc->table_full++;
		} else if (!apply(s, &df, ts)) {
			tc->suppressed++;
			return false;
		}
	}
	if (thr.type != THR_NONE) {
		struct thr_state *s = lookup(tc, m, 1, thr.track, thr.seconds, ts);
		if (!s) {
			tc->table_full++;
			return true;
		}
		if (!apply(s, &thr, ts)) {
			tc->suppressed++;
			return false;
		}
	}
	return true;
}
