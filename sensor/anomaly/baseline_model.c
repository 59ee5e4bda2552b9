/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The baseline's model: sorted sets of ranges and names, conversations,
 * functions, values and identities; the exact merge of two models; the
 * lookups detection uses. See baseline_model.h.
 */
#include "anomaly/baseline_model.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/registry.h"

/* ---- hashing -------------------------------------------------------------------- */

uint64_t bl_mix(uint64_t h, uint64_t v)
{
	/* splitmix64's finaliser over the running value */
	uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t bl_host_hash(const struct bl_host *h)
{
	uint64_t a, b;
	memcpy(&a, h->a, 8);
	memcpy(&b, h->a + 8, 8);
	return bl_mix(bl_mix(bl_mix(0x6a09e667f3bcc908ull, h->kind), a), b);
}

uint64_t bl_conv_hash(const struct bl_host *c, const struct bl_host *s, int proto)
{
	return bl_mix(bl_mix(bl_host_hash(c), bl_host_hash(s)), (uint64_t)(proto + 1));
}

int bl_host_cmp(const struct bl_host *a, const struct bl_host *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return memcmp(a->a, b->a, sizeof(a->a));
}

void bl_host_format(const struct bl_host *h, char *out, size_t cap)
{
	if (h->kind == BL_HOST_MAC) {
		snprintf(out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", h->a[0], h->a[1], h->a[2], h->a[3],
			 h->a[4], h->a[5]);
		return;
	}
	if (!inet_ntop(h->kind == BL_HOST_V6 ? AF_INET6 : AF_INET, h->a, out, (socklen_t)cap) && cap)
		out[0] = 0;
}

int bl_host_parse(const char *s, struct bl_host *h)
{
	memset(h, 0, sizeof(*h));
	if (inet_pton(AF_INET, s, h->a) == 1) {
		h->kind = BL_HOST_V4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, h->a) == 1) {
		h->kind = BL_HOST_V6;
		return 0;
	}
	unsigned m[6];
	char tail;
	if (strlen(s) == 17 &&
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) == 6) {
		for (int i = 0; i < 6; i++)
			h->a[i] = (uint8_t)m[i];
		h->kind = BL_HOST_MAC;
		return 0;
	}
	return -1;
}

size_t bl_canon(char out[BL_STR_MAX], const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (k + 1 >= BL_STR_MAX)
				break;
			out[k++] = (char)c;
		} else {
			if (k + 4 >= BL_STR_MAX)
				break;
			out[k++] = '\\';
			out[k++] = 'x';
			out[k++] = hex[c >> 4];
			out[k++] = hex[c & 15];
		}
	}
	out[k] = 0;
	return k;
}

/* ---- function classes -------------------------------------------------------------- */

static const char *const class_names[APP_FCLASS__COUNT] = {
	[APP_FCLASS_OTHER] = "other",           [APP_FCLASS_READ] = "read",
	[APP_FCLASS_WRITE] = "write",           [APP_FCLASS_CONTROL] = "control",
	[APP_FCLASS_PROGRAM] = "program",       [APP_FCLASS_DIAGNOSTIC] = "diagnostic",
	[APP_FCLASS_DISCOVERY] = "discovery",   [APP_FCLASS_FILE] = "file",
	[APP_FCLASS_SESSION] = "session",       [APP_FCLASS_REPORT] = "report",
};

const char *bl_class_name(uint8_t c)
{
	return c < APP_FCLASS__COUNT ? class_names[c] : "other";
}

int bl_class_parse(const char *s)
{
	for (int i = 0; i < APP_FCLASS__COUNT; i++)
		if (strcmp(s, class_names[i]) == 0)
			return i;
	return -1;
}

/* ---- range sets ----------------------------------------------------------------- */

/* index of the first range that ends at or after lo - 1 (could touch [lo..]) */
static uint32_t rs_first_touch(const struct bl_rangeset *rs, uint32_t lo)
{
	uint64_t want = lo ? (uint64_t)lo - 1 : 0;
	uint32_t a = 0, b = rs->n;
	while (a < b) {
		uint32_t m = a + (b - a) / 2;
		if ((uint64_t)rs->r[m].hi < want)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

bool bl_rs_has_(const struct bl_rangeset *rs, uint32_t lo, uint32_t hi)
{
	/* the last range starting at or before lo */
	uint32_t a = 0, b = rs->n;
	while (a < b) {
		uint32_t m = a + (b - a) / 2;
		if (rs->r[m].lo <= lo)
			a = m + 1;
		else
			b = m;
	}
	return a > 0 && rs->r[a - 1].hi >= hi;
}

uint32_t bl_rs_compact(struct bl_rangeset *rs, uint32_t max)
{
	uint32_t merges = 0;
	if (max == 0)
		max = 1;
	while (rs->n > max) {
		uint32_t best = 0;
		uint64_t gap = UINT64_MAX;
		for (uint32_t i = 0; i + 1 < rs->n; i++) {
			uint64_t g = (uint64_t)rs->r[i + 1].lo - rs->r[i].hi;
			if (g < gap) {
				gap = g;
				best = i;
			}
		}
		rs->r[best].hi = rs->r[best + 1].hi;
		memmove(&rs->r[best + 1], &rs->r[best + 2], (rs->n - best - 2) * sizeof(rs->r[0]));
		rs->n--;
		merges++;
	}
	return merges;
}

int bl_rs_add(struct bl_rangeset *rs, uint32_t lo, uint32_t hi, uint32_t max)
{
	if (lo > hi) {
		uint32_t t = lo;
		lo = hi;
		hi = t;
	}
	uint32_t i = rs_first_touch(rs, lo);
	uint32_t j = i;
	uint64_t reach = (uint64_t)hi + 1;
	uint32_t nlo = lo, nhi = hi;
	while (j < rs->n && (uint64_t)rs->r[j].lo <= reach) {
		if (rs->r[j].lo < nlo)
			nlo = rs->r[j].lo;
		if (rs->r[j].hi > nhi)
			nhi = rs->r[j].hi;
		j++;
	}
	if (j > i) { /* replaces r[i..j) */
		rs->r[i].lo = nlo;
		rs->r[i].hi = nhi;
		memmove(&rs->r[i + 1], &rs->r[j], (rs->n - j) * sizeof(rs->r[0]));
		rs->n -= j - i - 1;
		return 0;
	}
	if (rs->n == rs->cap) {
		uint32_t nc = rs->cap ? rs->cap * 2 : 4;
		struct bl_range *nr = realloc(rs->r, nc * sizeof(*nr));
		if (!nr)
			return -1;
		rs->r = nr;
		rs->cap = nc;
	}
	memmove(&rs->r[i + 1], &rs->r[i], (rs->n - i) * sizeof(rs->r[0]));
	rs->r[i].lo = nlo;
	rs->r[i].hi = nhi;
	rs->n++;
	if (max && rs->n > max) {
		bl_rs_compact(rs, max);
		return 1;
	}
	return 0;
}

void bl_rs_free(struct bl_rangeset *rs)
{
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/* ---- periods --------------------------------------------------------------------- */

void bl_period_add(struct bl_period *p, uint64_t us)
{
	if (!p->n || us < p->min)
		p->min = us;
	if (!p->n || us > p->max)
		p->max = us;
	p->n++;
	p->sum += us;
	p->sumsq += (unsigned __int128)us * us;
	p->sums = true;
}

void bl_period_finish(struct bl_period *p)
{
	if (!p->sums || !p->n)
		return;
	p->mean = (p->sum + p->n / 2) / p->n;
	long double n = (long double)p->n;
	long double mean = (long double)p->sum / n;
	long double var = (long double)p->sumsq / n - mean * mean;
	p->sd = var > 0 ? (uint64_t)llroundl(sqrtl(var)) : 0;
}

/* Is this a polling period worth judging: learned from enough intervals,
 * and regular (a standard deviation within period-max-variation of the
 * mean; requests an operator makes now and then are not polling)? */
static bool polled(const struct bl_config *c, const struct bl_period *p)
{
	return p->n >= c->period_min_samples &&
	       (double)p->sd <= c->period_max_variation * (double)p->mean;
}

/* The allowed interval around a learned period, in microseconds: what
 * learning saw ([min, max]) and the mean plus or minus k standard
 * deviations, widened on each side by period-tolerance of the mean (an
 * interval seen while learning never alerts). */
static void period_bounds(const struct bl_config *c, const struct bl_period *p, uint64_t *lo,
			  uint64_t *hi)
{
	double mean = (double)p->mean, ksd = c->period_k * (double)p->sd;
	double wide = c->period_tolerance * mean;
	double l = mean - ksd < (double)p->min ? mean - ksd : (double)p->min;
	double h = mean + ksd > (double)p->max ? mean + ksd : (double)p->max;
	l -= wide;
	h += wide;
	*lo = l > 0 ? (uint64_t)l : 0;
	*hi = (uint64_t)h;
}

static void func_timing(const struct bl_config *c, struct bl_func *fn)
{
	fn->timed = polled(c, &fn->per);
	fn->ctimed = polled(c, &fn->cper);
	period_bounds(c, &fn->per, &fn->plo, &fn->phi);
	period_bounds(c, &fn->cper, &fn->clo, &fn->chi);
}

/* ---- conversations -------------------------------------------------------------- */

static void func_free(struct bl_func *fn)
{
	free(fn->starts);
	for (uint32_t i = 0; i < fn->n_spaces; i++)
		bl_rs_free(&fn->spaces[i].rs);
	free(fn->spaces);
	for (uint32_t i = 0; i < fn->n_names; i++) {
		for (uint32_t k = 0; k < fn->names[i].n; k++)
			free(fn->names[i].v[k]);
		free(fn->names[i].v);
	}
	free(fn->names);
}

static void conv_free(struct bl_conv *cv)
{
	if (!cv)
		return;
	for (uint32_t i = 0; i < cv->n_funcs; i++)
		func_free(&cv->funcs[i]);
	free(cv->funcs);
	free(cv->values);
	bl_rs_free(&cv->units);
	free(cv);
}

struct bl_model *bl_model_new(const struct bl_config *cfg)
{
	struct bl_model *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cfg = *cfg;
	return m;
}

void bl_model_free(struct bl_model *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < m->n_convs; i++)
		conv_free(m->convs[i]);
	free(m->convs);
	for (uint32_t i = 0; i < m->n_idents; i++)
		for (unsigned a = 0; a < m->idents[i].n; a++)
			for (unsigned k = 0; k < m->idents[i].at[a].n; k++)
				free(m->idents[i].at[a].v[k]);
	free(m->idents);
	free(m->htab);
	free(m->hosts_client);
	free(m->hosts_server);
	free(m->pairs);
	free(m);
}

size_t bl_model_conversations(const struct bl_model *m)
{
	return m ? m->n_convs : 0;
}

static bool conv_is(const struct bl_conv *cv, const struct bl_host *c, const struct bl_host *s,
		    int proto)
{
	return cv->proto == proto && bl_host_cmp(&cv->client, c) == 0 &&
	       bl_host_cmp(&cv->server, s) == 0;
}

/* (re)builds the hash index of conversations with room for 2n */
static int rehash(struct bl_model *m, uint32_t want)
{
	uint32_t size = 16;
	while (size < want * 2u)
		size *= 2;
	struct bl_conv **t = calloc(size, sizeof(*t));
	if (!t)
		return -1;
	for (uint32_t i = 0; i < m->n_convs; i++) {
		uint32_t k = (uint32_t)m->convs[i]->hash & (size - 1);
		while (t[k])
			k = (k + 1) & (size - 1);
		t[k] = m->convs[i];
	}
	free(m->htab);
	m->htab = t;
	m->hmask = size - 1;
	return 0;
}

const struct bl_conv *bl_model_find(const struct bl_model *m, const struct bl_host *c,
				    const struct bl_host *s, int proto, uint64_t hash)
{
	if (!m->htab)
		return NULL;
	for (uint32_t k = (uint32_t)hash & m->hmask;; k = (k + 1) & m->hmask) {
		const struct bl_conv *cv = m->htab[k];
		if (!cv)
			return NULL;
		if (cv->hash == hash && conv_is(cv, c, s, proto))
			return cv;
	}
}

struct bl_conv *bl_model_conv(struct bl_model *m, const struct bl_host *c, const struct bl_host *s,
			      int proto, bool create, bool *capped)
{
	uint64_t h = bl_conv_hash(c, s, proto);
	struct bl_conv *cv = (struct bl_conv *)bl_model_find(m, c, s, proto, h);
	if (cv || !create)
		return cv;
	if (m->n_convs >= m->cfg.max_conversations) {
		if (capped)
			*capped = true;
		return NULL;
	}
	if (m->n_convs == m->cap_convs) {
		uint32_t nc = m->cap_convs ? m->cap_convs * 2 : 16;
		struct bl_conv **n = realloc(m->convs, nc * sizeof(*n));
		if (!n)
			return NULL;
		m->convs = n;
		m->cap_convs = nc;
	}
	if ((m->n_convs + 1) * 2u > m->hmask && rehash(m, m->n_convs + 1) < 0)
		return NULL;
	cv = calloc(1, sizeof(*cv));
	if (!cv)
		return NULL;
	cv->client = *c;
	cv->server = *s;
	cv->proto = proto;
	cv->hash = h;
	m->convs[m->n_convs++] = cv;
	uint32_t k = (uint32_t)h & m->hmask;
	while (m->htab[k])
		k = (k + 1) & m->hmask;
	m->htab[k] = cv;
	return cv;
}

/* binary search over an array of n elements of size sz by a key compare */
#define BSEARCH(arr, n, cmpexpr, out_idx, found)               \
	do {                                                   \
		uint32_t a_ = 0, b_ = (n);                     \
		found = false;                                 \
		while (a_ < b_) {                              \
			uint32_t m_ = a_ + (b_ - a_) / 2;      \
			int c_;                                \
			{                                      \
				__typeof__(&(arr)[0]) e = &(arr)[m_]; \
				c_ = (cmpexpr);                \
			}                                      \
			if (c_ < 0)                            \
				a_ = m_ + 1;                   \
			else if (c_ > 0)                       \
				b_ = m_;                       \
			else {                                 \
				a_ = m_;                       \
				found = true;                  \
				break;                         \
			}                                      \
		}                                              \
		out_idx = a_;                                  \
	} while (0)

static int cmp_i32(int32_t a, int32_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/* makes room for one element at idx in a growable array */
static int grow_insert(void **arr, uint32_t *n, uint32_t *cap, size_t sz, uint32_t idx)
{
	if (*n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 4;
		void *na = realloc(*arr, (size_t)nc * sz);
		if (!na)
			return -1;
		*arr = na;
		*cap = nc;
	}
	char *base = *arr;
	memmove(base + (size_t)(idx + 1) * sz, base + (size_t)idx * sz, (size_t)(*n - idx) * sz);
	memset(base + (size_t)idx * sz, 0, sz);
	(*n)++;
	return 0;
}

const struct bl_func *bl_conv_find_func(const struct bl_conv *cv, int32_t code)
{
	uint32_t i;
	bool found;
	BSEARCH(cv->funcs, cv->n_funcs, cmp_i32(e->code, code), i, found);
	return found ? &cv->funcs[i] : NULL;
}

struct bl_func *bl_conv_func(struct bl_conv *cv, int32_t code, bool create, uint32_t max)
{
	uint32_t i;
	bool found;
	BSEARCH(cv->funcs, cv->n_funcs, cmp_i32(e->code, code), i, found);
	if (found)
		return &cv->funcs[i];
	if (!create || cv->n_funcs >= max)
		return NULL;
	if (grow_insert((void **)&cv->funcs, &cv->n_funcs, &cv->cap_funcs, sizeof(*cv->funcs), i) < 0)
		return NULL;
	cv->funcs[i].code = code;
	return &cv->funcs[i];
}

static int space_cmp(const struct bl_space *e, uint16_t id, uint32_t qual)
{
	return e->id != id ? (e->id < id ? -1 : 1) : cmp_u32(e->qual, qual);
}

const struct bl_space *bl_func_find_space_(const struct bl_func *fn, uint16_t id, uint32_t qual)
{
	uint32_t i;
	bool found;
	BSEARCH(fn->spaces, fn->n_spaces, space_cmp(e, id, qual), i, found);
	return found ? &fn->spaces[i] : NULL;
}

struct bl_space *bl_func_space(struct bl_func *fn, uint16_t id, uint32_t qual, bool create)
{
	uint32_t i;
	bool found;
	BSEARCH(fn->spaces, fn->n_spaces, space_cmp(e, id, qual), i, found);
	if (found)
		return &fn->spaces[i];
	if (!create || grow_insert((void **)&fn->spaces, &fn->n_spaces, &fn->cap_spaces,
				   sizeof(*fn->spaces), i) < 0)
		return NULL;
	fn->spaces[i].id = id;
	fn->spaces[i].qual = qual;
	return &fn->spaces[i];
}

const struct bl_names *bl_func_find_names(const struct bl_func *fn, uint16_t id)
{
	uint32_t i;
	bool found;
	BSEARCH(fn->names, fn->n_names, cmp_u32(e->id, id), i, found);
	return found ? &fn->names[i] : NULL;
}

struct bl_names *bl_func_names(struct bl_func *fn, uint16_t id, bool create)
{
	uint32_t i;
	bool found;
	BSEARCH(fn->names, fn->n_names, cmp_u32(e->id, id), i, found);
	if (found)
		return &fn->names[i];
	if (!create || grow_insert((void **)&fn->names, &fn->n_names, &fn->cap_names,
				   sizeof(*fn->names), i) < 0)
		return NULL;
	fn->names[i].id = id;
	return &fn->names[i];
}

bool bl_names_has(const struct bl_names *ns, const char *s)
{
	uint32_t i;
	bool found;
	BSEARCH(ns->v, ns->n, strcmp(*e, s), i, found);
	(void)i;
	return found;
}

int bl_names_add(struct bl_names *ns, const char *s, uint32_t max)
{
	uint32_t i;
	bool found;
	BSEARCH(ns->v, ns->n, strcmp(*e, s), i, found);
	if (found)
		return 0;
	if (ns->n >= max)
		return 1;
	char *d = strdup(s);
	if (!d)
		return -1;
	if (grow_insert((void **)&ns->v, &ns->n, &ns->cap, sizeof(*ns->v), i) < 0) {
		free(d);
		return -1;
	}
	ns->v[i] = d;
	return 0;
}

static int value_cmp(const struct bl_value *e, uint16_t id, uint32_t qual, uint32_t addr)
{
	if (e->id != id)
		return e->id < id ? -1 : 1;
	if (e->qual != qual)
		return e->qual < qual ? -1 : 1;
	return cmp_u32(e->addr, addr);
}

const struct bl_value *bl_conv_find_value(const struct bl_conv *cv, uint16_t id, uint32_t qual,
					  uint32_t addr)
{
	uint32_t i;
	bool found;
	BSEARCH(cv->values, cv->n_values, value_cmp(e, id, qual, addr), i, found);
	return found ? &cv->values[i] : NULL;
}

struct bl_value *bl_conv_value(struct bl_conv *cv, uint16_t id, uint32_t qual, uint32_t addr,
			       bool create, uint32_t max, bool *capped)
{
	uint32_t i;
	bool found;
	BSEARCH(cv->values, cv->n_values, value_cmp(e, id, qual, addr), i, found);
	if (found)
		return &cv->values[i];
	if (!create)
		return NULL;
	if (cv->n_values >= max) {
		if (capped)
			*capped = true;
		return NULL;
	}
	if (grow_insert((void **)&cv->values, &cv->n_values, &cv->cap_values, sizeof(*cv->values),
			i) < 0)
		return NULL;
	cv->values[i].id = id;
	cv->values[i].qual = qual;
	cv->values[i].addr = addr;
	return &cv->values[i];
}

/* ---- identities -------------------------------------------------------------------- */

static int ident_cmp(const struct bl_ident *e, const struct bl_host *h, int proto)
{
	int c = bl_host_cmp(&e->host, h);
	return c ? c : (e->proto < proto ? -1 : e->proto > proto);
}

const struct bl_ident *bl_model_find_ident(const struct bl_model *m, const struct bl_host *h,
					   int proto)
{
	uint32_t i;
	bool found;
	BSEARCH(m->idents, m->n_idents, ident_cmp(e, h, proto), i, found);
	return found ? &m->idents[i] : NULL;
}

struct bl_ident *bl_model_ident(struct bl_model *m, const struct bl_host *h, int proto, bool create,
				bool *capped)
{
	uint32_t i;
	bool found;
	BSEARCH(m->idents, m->n_idents, ident_cmp(e, h, proto), i, found);
	if (found)
		return &m->idents[i];
	if (!create)
		return NULL;
	if (m->n_idents >= m->cfg.max_identities) {
		if (capped)
			*capped = true;
		return NULL;
	}
	if (grow_insert((void **)&m->idents, &m->n_idents, &m->cap_idents, sizeof(*m->idents), i) < 0)
		return NULL;
	m->idents[i].host = *h;
	m->idents[i].proto = proto;
	return &m->idents[i];
}

int bl_ident_add(struct bl_ident *id, const char *key, const char *val)
{
	unsigned a = 0;
	while (a < id->n && strcmp(id->at[a].key, key) < 0)
		a++;
	if (a == id->n || strcmp(id->at[a].key, key) != 0) {
		if (id->n >= BL_IDENT_ATTRS)
			return 1;
		memmove(&id->at[a + 1], &id->at[a], (id->n - a) * sizeof(id->at[0]));
		memset(&id->at[a], 0, sizeof(id->at[a]));
		snprintf(id->at[a].key, sizeof(id->at[a].key), "%s", key);
		id->n++;
	}
	struct bl_ident_attr *at = &id->at[a];
	unsigned k = 0;
	while (k < at->n && strcmp(at->v[k], val) < 0)
		k++;
	if (k < at->n && strcmp(at->v[k], val) == 0)
		return 0;
	if (at->n >= BL_IDENT_VALUES)
		return 1;
	char *d = strdup(val);
	if (!d)
		return 1;
	memmove(&at->v[k + 1], &at->v[k], (at->n - k) * sizeof(at->v[0]));
	at->v[k] = d;
	at->n++;
	return 0;
}

/* ---- merging -------------------------------------------------------------------------- */

static int merge_rs(struct bl_rangeset *d, const struct bl_rangeset *s)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (bl_rs_add(d, s->r[i].lo, s->r[i].hi, 0) < 0)
			return -1;
	return 0;
}

static void merge_period(struct bl_period *p, const struct bl_period *s)
{
	if (!s->n)
		return;
	if (!p->n || s->min < p->min)
		p->min = s->min;
	if (!p->n || s->max > p->max)
		p->max = s->max;
	p->n += s->n;
	p->sum += s->sum;
	p->sumsq += s->sumsq;
	p->sums = true;
}

static int merge_func(struct bl_model *dm, struct bl_func *d, const struct bl_func *s)
{
	if (!d->name[0])
		memcpy(d->name, s->name, sizeof(d->name));
	d->fclass = s->fclass;
	for (int r = 0; r < 3; r++)
		d->count[r] += s->count[r];
	merge_period(&d->per, &s->per);
	merge_period(&d->cper, &s->cper);
	if (s->n_starts) {
		if (d->n_starts + s->n_starts > d->cap_starts) {
			uint32_t nc = d->n_starts + s->n_starts;
			struct bl_start *n = realloc(d->starts, (size_t)nc * sizeof(*n));
			if (!n)
				return -1;
			d->starts = n;
			d->cap_starts = nc;
		}
		memcpy(d->starts + d->n_starts, s->starts, (size_t)s->n_starts * sizeof(*s->starts));
		d->n_starts += s->n_starts;
	}
	for (uint32_t i = 0; i < s->n_spaces; i++) {
		const struct bl_space *ss = &s->spaces[i];
		struct bl_space *ds = bl_func_space(d, ss->id, ss->qual, true);
		if (!ds)
			return -1;
		if (!ds->name[0])
			memcpy(ds->name, ss->name, sizeof(ds->name));
		if (merge_rs(&ds->rs, &ss->rs) < 0)
			return -1;
	}
	for (uint32_t i = 0; i < s->n_names; i++) {
		const struct bl_names *sn = &s->names[i];
		struct bl_names *dn = bl_func_names(d, sn->id, true);
		if (!dn)
			return -1;
		if (!dn->name[0])
			memcpy(dn->name, sn->name, sizeof(dn->name));
		for (uint32_t k = 0; k < sn->n; k++)
			if (bl_names_add(dn, sn->v[k], UINT32_MAX) < 0)
				return -1;
	}
	(void)dm;
	return 0;
}

static void merge_value(struct bl_value *d, const struct bl_value *s)
{
	if (!d->name[0])
		memcpy(d->name, s->name, sizeof(d->name));
	if (s->has_w) {
		if (!d->has_w || s->wlo < d->wlo)
			d->wlo = s->wlo;
		if (!d->has_w || s->whi > d->whi)
			d->whi = s->whi;
		d->has_w = true;
	}
	if (s->has_r) {
		if (!d->has_r || s->rlo < d->rlo)
			d->rlo = s->rlo;
		if (!d->has_r || s->rhi > d->rhi)
			d->rhi = s->rhi;
		d->has_r = true;
	}
}

int bl_model_merge(struct bl_model *dst, const struct bl_model *src)
{
	if (src->txs) {
		if (!dst->txs || src->first < dst->first)
			dst->first = src->first;
		if (!dst->txs || src->last > dst->last)
			dst->last = src->last;
		dst->txs += src->txs;
	}
	const uint64_t *a = (const uint64_t *)&src->lim;
	uint64_t *b = (uint64_t *)&dst->lim;
	for (size_t i = 0; i < sizeof(src->lim) / sizeof(uint64_t); i++)
		b[i] += a[i];
	for (uint32_t i = 0; i < src->n_convs; i++) {
		const struct bl_conv *s = src->convs[i];
		bool capped = false;
		struct bl_conv *d = bl_model_conv(dst, &s->client, &s->server, s->proto, true, &capped);
		if (!d) {
			if (!capped)
				return -1;
			dst->lim.conversations_dropped++;
			continue;
		}
		if (!d->txs || s->first < d->first)
			d->first = s->first;
		if (!d->txs || s->last > d->last)
			d->last = s->last;
		d->txs += s->txs;
		if (!d->unit_name[0])
			memcpy(d->unit_name, s->unit_name, sizeof(d->unit_name));
		if (merge_rs(&d->units, &s->units) < 0)
			return -1;
		for (uint32_t k = 0; k < s->n_funcs; k++) {
			struct bl_func *df = bl_conv_func(d, s->funcs[k].code, true, UINT32_MAX);
			if (!df || merge_func(dst, df, &s->funcs[k]) < 0)
				return -1;
		}
		for (uint32_t k = 0; k < s->n_values; k++) {
			const struct bl_value *sv = &s->values[k];
			struct bl_value *dv = bl_conv_value(d, sv->id, sv->qual, sv->addr, true,
							    UINT32_MAX, NULL);
			if (!dv)
				return -1;
			merge_value(dv, sv);
		}
	}
	for (uint32_t i = 0; i < src->n_idents; i++) {
		const struct bl_ident *s = &src->idents[i];
		bool capped = false;
		struct bl_ident *d = bl_model_ident(dst, &s->host, s->proto, true, &capped);
		if (!d) {
			if (!capped)
				return -1;
			dst->lim.identities_dropped++;
			continue;
		}
		for (unsigned a2 = 0; a2 < s->n; a2++)
			for (unsigned k = 0; k < s->at[a2].n; k++)
				if (bl_ident_add(d, s->at[a2].key, s->at[a2].v[k]))
					dst->lim.identities_dropped++;
	}
	return 0;
}

/* ---- finishing --------------------------------------------------------------------------- */

static const char *proto_name(int p)
{
	return p >= 0 && (size_t)p < app_n_parsers && app_parsers[p] ? app_parsers[p]->name : "";
}

static int cmp_start(const void *x, const void *y)
{
	const struct bl_start *a = x, *b = y;
	if (a->run != b->run)
		return a->run < b->run ? -1 : 1;
	return a->ts < b->ts ? -1 : a->ts > b->ts;
}

static int conv_sort_cmp(const void *x, const void *y)
{
	const struct bl_conv *a = *(const struct bl_conv *const *)x;
	const struct bl_conv *b = *(const struct bl_conv *const *)y;
	int c = bl_host_cmp(&a->client, &b->client);
	if (!c)
		c = bl_host_cmp(&a->server, &b->server);
	if (!c)
		c = strcmp(proto_name(a->proto), proto_name(b->proto));
	return c;
}

static int ident_sort_cmp(const void *x, const void *y)
{
	const struct bl_ident *a = x, *b = y;
	int c = bl_host_cmp(&a->host, &b->host);
	return c ? c : strcmp(proto_name(a->proto), proto_name(b->proto));
}

/* an open-addressing set of 64-bit hashes (0 = empty) */
static void set_put(uint64_t *set, uint32_t mask, uint64_t h)
{
	h |= 1;
	for (uint32_t k = (uint32_t)h & mask;; k = (k + 1) & mask) {
		if (set[k] == h)
			return;
		if (!set[k]) {
			set[k] = h;
			return;
		}
	}
}

bool bl_set_has(const uint64_t *set, uint32_t mask, uint64_t h)
{
	h |= 1;
	for (uint32_t k = (uint32_t)h & mask;; k = (k + 1) & mask) {
		if (set[k] == h)
			return true;
		if (!set[k])
			return false;
	}
}

int bl_model_finish(struct bl_model *m)
{
	const struct bl_config *c = &m->cfg;
	if (m->n_convs) /* (qsort's array may not be NULL, even empty) */
		qsort(m->convs, m->n_convs, sizeof(*m->convs), conv_sort_cmp);
	/* caps: what is beyond them, in the sorted order, is dropped */
	while (m->n_convs > c->max_conversations) {
		conv_free(m->convs[--m->n_convs]);
		m->lim.conversations_dropped++;
	}
	for (uint32_t i = 0; i < m->n_convs; i++) {
		struct bl_conv *cv = m->convs[i];
		m->lim.ranges_merged += bl_rs_compact(&cv->units, c->max_ranges);
		while (cv->n_funcs > c->max_functions) {
			func_free(&cv->funcs[--cv->n_funcs]);
			m->lim.functions_dropped++;
		}
		if (cv->n_values > c->max_values) {
			m->lim.values_dropped += cv->n_values - c->max_values;
			cv->n_values = c->max_values;
		}
		for (uint32_t k = 0; k < cv->n_funcs; k++) {
			struct bl_func *fn = &cv->funcs[k];
			if (fn->n_starts) {
				/* the gaps between consecutive connections' first
				 * requests: the same whatever order they were learned */
				qsort(fn->starts, fn->n_starts, sizeof(*fn->starts), cmp_start);
				for (uint32_t j = 1; j < fn->n_starts; j++) {
					if (fn->starts[j].run != fn->starts[j - 1].run)
						continue; /* another capture */
					uint64_t gap = fn->starts[j].ts - fn->starts[j - 1].ts;
					if (gap <= (uint64_t)c->period_max_sec * 1000000u)
						bl_period_add(&fn->cper, gap);
				}
				free(fn->starts);
				fn->starts = NULL;
				fn->n_starts = fn->cap_starts = 0;
			}
			bl_period_finish(&fn->per);
			bl_period_finish(&fn->cper);
			func_timing(c, fn);
			if (fn->cper.n)
				m->has_cper = true;
			for (uint32_t s = 0; s < fn->n_spaces; s++)
				m->lim.ranges_merged += bl_rs_compact(&fn->spaces[s].rs, c->max_ranges);
			for (uint32_t s = 0; s < fn->n_names; s++) {
				struct bl_names *ns = &fn->names[s];
				while (ns->n > c->max_names) {
					free(ns->v[--ns->n]);
					m->lim.names_dropped++;
				}
			}
		}
	}
	if (m->n_idents)
		qsort(m->idents, m->n_idents, sizeof(*m->idents), ident_sort_cmp);
	while (m->n_idents > c->max_identities) {
		struct bl_ident *id = &m->idents[--m->n_idents];
		for (unsigned a = 0; a < id->n; a++)
			for (unsigned k = 0; k < id->at[a].n; k++)
				free(id->at[a].v[k]);
		m->lim.identities_dropped++;
	}
	if (rehash(m, m->n_convs ? m->n_convs : 1) < 0)
		return -1;
	uint32_t size = 16;
	while (size < m->n_convs * 4u)
		size *= 2;
	free(m->hosts_client);
	free(m->hosts_server);
	free(m->pairs);
	m->hosts_client = calloc(size, sizeof(uint64_t));
	m->hosts_server = calloc(size, sizeof(uint64_t));
	m->pairs = calloc(size, sizeof(uint64_t));
	if (!m->hosts_client || !m->hosts_server || !m->pairs)
		return -1;
	m->smask = size - 1;
	for (uint32_t i = 0; i < m->n_convs; i++) {
		const struct bl_conv *cv = m->convs[i];
		set_put(m->hosts_client, m->smask, bl_host_hash(&cv->client));
		set_put(m->hosts_server, m->smask, bl_host_hash(&cv->server));
		set_put(m->pairs, m->smask, bl_mix(bl_host_hash(&cv->client), bl_host_hash(&cv->server)));
	}
	return 0;
}
