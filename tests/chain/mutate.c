/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mutation tester for signed records: takes a valid signed eve.json (one
 * run of the sensor, from seq 1), optionally its rsyslog-received copy
 * (which may hold resends), the next run's file (same state: the two make
 * one valid series), a file of another run of the same key (other state),
 * and files with crashes; applies at least N mutations per class to the
 * file and to the copy, and checks `vigil verify`'s verdict (the library's
 * verifier, many mutants per process) against a model:
 *
 *   A mutant is legitimate when, with O the distinct records of the valid
 *   series in order, its lines are records of O that read as runs O[a..b]
 *   where the first run starts at O[0] (or at a run's start record), every
 *   later run starts at or before the record after the previous line
 *   (a resend starts where delivery was confirmed, never ahead) and within
 *   the resend window, and the last line is O's last record.
 *
 * The model knows records only by their bytes; the verifier by seq and
 * hash. Every harmful mutant must be rejected, naming a range of lines
 * (first_line..line) that holds the line where the model first fails;
 * every legitimate one (a resend of a tail, the series of two runs, a crash
 * restart, a later start with --from-seq) must be accepted. Deterministic
 * for a seed.
 *
 *   chain-mutate --key PUB --file EVE [--siem COPY] [--next NEXT]
 *                [--other OTHER] [--crash FILE]... [--seed N] [--per-class N]
 *
 * Classes: alter (a byte, a field value, a field added), delete (a record,
 * a run, the head, the tail after a signature or any tail), insert (a
 * forged record, a copied record elsewhere, an old signature record
 * elsewhere), swap, truncate (mid-line, at a line boundary), splice (the
 * file with the next run's or another run's file), replay (an old run's
 * records appended).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/chain.h"

/* ---- lines ------------------------------------------------------------------- */

struct ln {
	const char *p;
	uint32_t n;
	bool nl;         /* ended by a newline */
	int64_t idx;     /* index in O, -1: not a record of O, -2: not known yet */
};

struct lines {
	struct ln *v;
	size_t n, cap;
	char *buf; /* the bytes the lines point into, when loaded */
};

static void push(struct lines *l, struct ln x)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v) {
			perror("realloc");
			exit(2);
		}
	}
	l->v[l->n++] = x;
}

static void append(struct lines *to, const struct lines *from, size_t a, size_t b)
{
	for (size_t i = a; i < b && i < from->n; i++)
		push(to, from->v[i]);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)sz + 1);
	if (!b || fread(b, 1, (size_t)sz, f) != (size_t)sz) {
		perror(path);
		exit(2);
	}
	fclose(f);
	b[sz] = 0;
	*len = (size_t)sz;
	return b;
}

static void split(const char *b, size_t len, struct lines *out)
{
	const char *p = b, *e = b + len;
	while (p < e) {
		const char *q = memchr(p, '\n', (size_t)(e - p));
		bool nl = q != NULL;
		if (!q)
			q = e;
		push(out, (struct ln){ p, (uint32_t)(q - p), nl, -2 });
		p = q + (nl ? 1 : 0);
	}
}

static struct lines load(const char *path)
{
	size_t len;
	struct lines l = { 0 };
	l.buf = slurp(path, &len);
	split(l.buf, len, &l);
	return l;
}

/* ---- the model's series O: distinct records by their bytes --------------------- */

#define HBITS 20
struct series {
	struct lines o;        /* distinct records in order */
	bool *run_start;       /* O[k] begins a run (start/restart signature) */
	bool *run_end;         /* O[k] is the last record of an input file */
	int64_t *table;        /* open addressing: index into o, -1 empty */
	size_t mask;
};

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
	return h;
}

static int64_t series_find(const struct series *s, const char *p, size_t n)
{
	for (size_t i = fnv(p, n) & s->mask;; i = (i + 1) & s->mask) {
		int64_t k = s->table[i];
		if (k < 0)
			return -1;
		if (s->o.v[k].n == n && memcmp(s->o.v[k].p, p, n) == 0)
			return k;
	}
}

static void series_add_lines(struct series *s, struct lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct ln *x = &l->v[i];
		int64_t k = series_find(s, x->p, x->n);
		if (k < 0) {
			k = (int64_t)s->o.n;
			push(&s->o, *x);
			size_t j = fnv(x->p, x->n) & s->mask;
			while (s->table[j] >= 0)
				j = (j + 1) & s->mask;
			s->table[j] = k;
		}
		x->idx = k;
	}
}

static void lines_free(struct lines *l)
{
	free(l->v);
	free(l->buf);
	memset(l, 0, sizeof(*l));
}

static void series_free(struct series *s)
{
	free(s->o.v);
	free(s->run_start);
	free(s->run_end);
	free(s->table);
}

static void series_init(struct series *s, struct lines *a, struct lines *b)
{
	memset(s, 0, sizeof(*s));
	s->mask = (1u << HBITS) - 1;
	s->table = malloc((s->mask + 1) * sizeof(*s->table));
	memset(s->table, 0xff, (s->mask + 1) * sizeof(*s->table));
	s->run_end = calloc(a->n + (b ? b->n : 0) + 1, 1);
	series_add_lines(s, a);
	s->run_end[s->o.n - 1] = true;
	if (b) {
		series_add_lines(s, b);
		s->run_end[s->o.n - 1] = true;
	}
	s->run_start = calloc(s->o.n + 1, 1);
	for (size_t k = 0; k < s->o.n; k++) {
		const struct ln *x = &s->o.v[k];
		s->run_start[k] = memmem(x->p, x->n, "\"event_type\":\"signature\",\"signature\":{\"v\":2,\"reason\":\"start\"", 60) ||
				  memmem(x->p, x->n, "\"event_type\":\"signature\",\"signature\":{\"v\":2,\"reason\":\"restart\"", 62);
	}
}

/* The model: 0 when m is legitimate, else the 1-based line where it first
 * fails (m->n + 1: at the end). */
static uint64_t model(const struct series *s, struct lines *m)
{
	int64_t cur = -1, maxi = -1, first = -1;
	for (size_t i = 0; i < m->n; i++) {
		struct ln *x = &m->v[i];
		if (!x->nl)
			return i + 1;
		int64_t k = x->idx;
		if (k == -2)
			k = x->idx = series_find(s, x->p, x->n);
		if (k < 0)
			return i + 1;
		if (maxi < 0) {
			if (k != 0 && !s->run_start[k])
				return i + 1;
			first = k;
		} else if (k == cur + 1) {
			/* on in order */
		} else if (k <= cur && k >= first && k + (int64_t)CHAIN_RESEND_WINDOW > maxi) {
			/* a resend starts (of records seen) */
		} else {
			return i + 1;
		}
		cur = k;
		if (k > maxi)
			maxi = k;
	}
	/* the end of a run's file, and no resend in progress */
	if (cur < 0 || cur != maxi || !s->run_end[cur])
		return m->n + 1;
	return 0;
}

/* ---- the verifier --------------------------------------------------------------- */

static struct chain_verifier *V;

static int verify(const struct lines *m, struct chain_verify_result *r)
{
	chain_verifier_reset(V);
	chain_verifier_input(V, "mutant");
	for (size_t i = 0; i < m->n; i++)
		if (chain_verifier_line(V, m->v[i].p, m->v[i].n, m->v[i].nl))
			break;
	return chain_verifier_finish(V, r);
}

static int verify_with(const char *key, const struct chain_verify_opts *o, const struct lines *m,
		       struct chain_verify_result *r)
{
	char err[256];
	struct chain_verifier *v = chain_verifier_new(key, o, err, sizeof(err));
	if (!v) {
		fprintf(stderr, "chain-mutate: %s\n", err);
		exit(2);
	}
	chain_verifier_input(v, "variant");
	for (size_t i = 0; i < m->n; i++)
		if (chain_verifier_line(v, m->v[i].p, m->v[i].n, m->v[i].nl))
			break;
	int st = chain_verifier_finish(v, r);
	chain_verifier_free(v);
	return st;
}

/* ---- randomness (splitmix64: the same mutants for a seed) ------------------------ */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

/* ---- mutations ---------------------------------------------------------------------- */

/* bytes of made-up lines: freed after each mutant */
static char *arena;
static size_t arena_used, arena_cap = 16u << 20;

static char *own(size_t n)
{
	if (arena_used + n > arena_cap) {
		fprintf(stderr, "chain-mutate: arena full\n");
		exit(2);
	}
	char *p = arena + arena_used;
	arena_used += n;
	return p;
}

static bool is_sig(const struct ln *x)
{
	return x->n > 60 && memmem(x->p, x->n < 120 ? x->n : 120, "\"event_type\":\"signature\"", 24);
}

/* the seq of a record line (0: none) */
static uint64_t seq_of(const struct ln *x)
{
	const char *p = memmem(x->p, x->n, ",\"seq\":", 7);
	const char *last = NULL;
	while (p) {
		last = p;
		p = memmem(p + 1, x->n - (size_t)(p + 1 - x->p), ",\"seq\":", 7);
	}
	return last ? strtoull(last + 7, NULL, 10) : 0;
}

/* a line with bytes [a, b) replaced by rep */
static struct ln replace(const struct ln *x, size_t a, size_t b, const char *rep, size_t rl)
{
	size_t n = x->n - (b - a) + rl;
	char *q = own(n);
	memcpy(q, x->p, a);
	memcpy(q + a, rep, rl);
	memcpy(q + a + rl, x->p + b, x->n - b);
	return (struct ln){ q, (uint32_t)n, x->nl, -2 };
}

/* a line's record re-chained: seq and prev replaced (prev: the hash of the
 * record before, as a forger would compute it) */
static struct ln rechain(const struct ln *x, uint64_t seq, const struct ln *before)
{
	const char *t = NULL;
	for (const char *p = x->p; (p = memmem(p, x->n - (size_t)(p - x->p), ",\"seq\":", 7)); p++)
		t = p;
	if (!t)
		return *x;
	char prev[CHAIN_HASH_HEX + 1], tail[160];
	chain_sha256_hex(before->p, before->n, prev);
	int tl = snprintf(tail, sizeof(tail), ",\"seq\":%llu,\"prev\":\"%s\"}", (unsigned long long)seq, prev);
	return replace(x, (size_t)(t - x->p), x->n, tail, (size_t)tl);
}

enum { C_ALTER, C_DELETE, C_INSERT, C_SWAP, C_TRUNCATE, C_SPLICE, C_REPLAY, N_CLASSES };
static const char *const class_name[N_CLASSES] = { "alter", "delete", "insert", "swap", "truncate",
						   "splice", "replay" };

struct ctx {
	const struct lines *x;     /* the base: the file or its copy */
	const struct lines *next;  /* the next run (or NULL) */
	const struct lines *other; /* another run of the key (or NULL) */
};

/* the first bad line of the last mutant when the model cannot tell it (0:
 * the model's): a mutant that begins with another run's valid records is
 * bad where the base's records begin */
static uint64_t hint;

/* builds one mutant of class cls into m; desc says what it did */
static void mutate(const struct ctx *c, int cls, struct lines *m, char *desc, size_t dl)
{
	const struct lines *x = c->x;
	size_t n = x->n;
	m->n = 0;
	hint = 0;
	switch (cls) {
	case C_ALTER: {
		size_t L = below(n);
		struct ln l = x->v[L];
		int kind = (int)below(3);
		if (kind == 0) { /* a byte */
			size_t off = below(l.n);
			char b;
			do
				b = (char)below(256);
			while (b == l.p[off]);
			struct ln nl = replace(&l, off, off + 1, &b, 1);
			append(m, x, 0, L);
			/* a newline byte splits the line */
			const char *q = memchr(nl.p, '\n', nl.n);
			if (q) {
				push(m, (struct ln){ nl.p, (uint32_t)(q - nl.p), true, -2 });
				push(m, (struct ln){ q + 1, (uint32_t)(nl.n - (size_t)(q + 1 - nl.p)), l.nl, -2 });
			} else {
				push(m, nl);
			}
			append(m, x, L + 1, n);
			snprintf(desc, dl, "byte %zu of line %zu: 0x%02x", off, L + 1, (unsigned char)b);
		} else if (kind == 1) { /* a field's value */
			size_t cands[512], nc = 0;
			for (size_t i = 1; i + 1 < l.n && nc < 512; i++)
				if (l.p[i] == ':' && l.p[i - 1] == '"')
					cands[nc++] = i + 1;
			if (!nc) {
				m->n = 0;
				return;
			}
			size_t v = cands[below(nc)], a = v, b = v + 1;
			char rep[32];
			size_t rl;
			if (l.p[v] == '"') { /* a character inside the string */
				size_t e = v + 1;
				while (e < l.n && l.p[e] != '"')
					e++;
				if (e == v + 1) {
					rep[0] = '"';
					rep[1] = 'x';
					rl = 2;
				} else {
					a = v + 1 + below(e - v - 1);
					b = a + 1;
					do
						rep[0] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEF:-. "[below(46)];
					while (rep[0] == l.p[a]);
					rl = 1;
				}
			} else if (l.p[v] >= '0' && l.p[v] <= '9') { /* a digit of the number */
				size_t e = v;
				while (e < l.n && l.p[e] >= '0' && l.p[e] <= '9')
					e++;
				a = v + below(e - v);
				b = a + 1;
				do
					rep[0] = (char)('0' + below(10));
				while (rep[0] == l.p[a]);
				rl = 1;
			} else { /* true/false, an object or array: a value put in front */
				rl = (size_t)snprintf(rep, sizeof(rep), "%llu,\"y\":", (unsigned long long)below(100));
				b = a;
			}
			append(m, x, 0, L);
			push(m, replace(&l, a, b, rep, rl));
			append(m, x, L + 1, n);
			snprintf(desc, dl, "a value at byte %zu of line %zu", a, L + 1);
		} else { /* a field added */
			size_t braces[256], nb = 0;
			for (size_t i = 0; i < l.n && nb < 256; i++)
				if (l.p[i] == '{' || l.p[i] == '}')
					braces[nb++] = i;
			if (!nb) {
				m->n = 0;
				return;
			}
			size_t at = braces[below(nb)];
			char rep[64];
			size_t rl;
			if (l.p[at] == '{') {
				rl = (size_t)snprintf(rep, sizeof(rep), "{\"added\":%llu,", (unsigned long long)below(1000));
				at++;
				memmove(rep, rep + 1, rl--);
			} else {
				rl = (size_t)snprintf(rep, sizeof(rep), ",\"added\":\"%llu\"", (unsigned long long)below(1000));
			}
			append(m, x, 0, L);
			push(m, replace(&l, at, at, rep, rl));
			append(m, x, L + 1, n);
			snprintf(desc, dl, "a field added at byte %zu of line %zu", at, L + 1);
		}
		break;
	}
	case C_DELETE: {
		int kind = (int)below(4);
		if (kind == 0) { /* a record */
			size_t L = below(n);
			append(m, x, 0, L);
			append(m, x, L + 1, n);
			snprintf(desc, dl, "line %zu deleted", L + 1);
		} else if (kind == 1) { /* a run */
			size_t L = below(n), k = 2 + below(60);
			append(m, x, 0, L);
			append(m, x, L + k, n);
			snprintf(desc, dl, "lines %zu..%zu deleted", L + 1, L + k);
		} else if (kind == 2) { /* the head */
			size_t k = 1 + below(n - 1);
			append(m, x, k, n);
			snprintf(desc, dl, "the head, lines 1..%zu, deleted", k);
		} else { /* the tail: after a signature record, or any */
			size_t sigs[4096], ns = 0;
			for (size_t i = 0; i + 1 < n && ns < 4096; i++)
				if (is_sig(&x->v[i]))
					sigs[ns++] = i;
			size_t k = ns && below(2) ? sigs[below(ns)] + 1 : 1 + below(n - 1);
			append(m, x, 0, k);
			snprintf(desc, dl, "the tail, lines %zu..%zu, deleted", k + 1, n);
		}
		break;
	}
	case C_INSERT: {
		int kind = (int)below(3);
		size_t j = below(n); /* after line j+1 */
		struct ln ins;
		if (kind == 0) { /* a forged record, chained as a forger would */
			size_t t = below(n);
			struct ln tmpl = x->v[t];
			uint64_t s = seq_of(&x->v[j]);
			struct ln f = tmpl;
			/* something of its own in it */
			const char *ts = memmem(tmpl.p, tmpl.n, "\"timestamp\":\"", 13);
			if (ts && (size_t)(ts - tmpl.p) + 20 < tmpl.n) {
				size_t a = (size_t)(ts - tmpl.p) + 13 + 3;
				char d = tmpl.p[a] == '9' ? '8' : '9';
				f = replace(&tmpl, a, a + 1, &d, 1);
			}
			uint64_t fs = below(4) ? s + 1 : s + below(20) + 1 - 10 + (s < 10 ? 10 : 0);
			ins = rechain(&f, fs ? fs : 1, &x->v[j]);
			snprintf(desc, dl, "a forged record (seq %llu, after line %zu, from line %zu)",
				 (unsigned long long)fs, j + 1, t + 1);
		} else {
			size_t i;
			if (kind == 1) {
				i = below(n);
			} else {
				size_t sigs[4096], ns = 0;
				for (size_t q = 0; q < n && ns < 4096; q++)
					if (is_sig(&x->v[q]))
						sigs[ns++] = q;
				i = ns ? sigs[below(ns)] : below(n);
			}
			if (j == i || j + 1 == i) /* right after itself: a resend */
				j = (i + 2 + below(n - 3)) % n;
			ins = x->v[i];
			snprintf(desc, dl, "%s line %zu copied after line %zu",
				 kind == 1 ? "a record," : "a signature record,", i + 1, j + 1);
		}
		append(m, x, 0, j + 1);
		push(m, ins);
		append(m, x, j + 1, n);
		break;
	}
	case C_SWAP: {
		size_t i = below(n), j = below(n);
		if (i == j)
			j = (i + 1 + below(n - 1)) % n;
		if (i > j) {
			size_t t = i;
			i = j;
			j = t;
		}
		if (below(3) == 0 && i + 1 < n) /* neighbours, often */
			j = i + 1;
		append(m, x, 0, n);
		struct ln t = m->v[i];
		m->v[i] = m->v[j];
		m->v[j] = t;
		snprintf(desc, dl, "lines %zu and %zu swapped", i + 1, j + 1);
		break;
	}
	case C_TRUNCATE: {
		if (below(2)) { /* mid-line */
			size_t L = below(n);
			size_t k = x->v[L].n > 1 ? 1 + below(x->v[L].n - 1) : 0;
			append(m, x, 0, L);
			push(m, (struct ln){ x->v[L].p, (uint32_t)k, false, -1 });
			snprintf(desc, dl, "cut inside line %zu, after %zu bytes", L + 1, k);
		} else {
			size_t L = 1 + below(n - 1);
			append(m, x, 0, L);
			snprintf(desc, dl, "cut after line %zu", L);
		}
		break;
	}
	case C_SPLICE: {
		const struct lines *y = c->other && (!c->next || below(2)) ? c->other : c->next;
		if (!y) {
			m->n = 0;
			return;
		}
		if (below(4)) { /* the base's head, the other file's tail */
			size_t i = 1 + below(n), j = below(y->n);
			append(m, x, 0, i);
			append(m, y, j, y->n);
			snprintf(desc, dl, "lines 1..%zu, then %s lines %zu..", i, y == c->next ? "next-run" : "other-run", j + 1);
		} else {
			size_t i = 1 + below(y->n), j = below(n);
			append(m, y, 0, i);
			append(m, x, j, n);
			if (y == c->other)
				hint = i + 1;
			snprintf(desc, dl, "%s lines 1..%zu, then lines %zu..", y == c->next ? "next-run" : "other-run", i, j + 1);
		}
		break;
	}
	case C_REPLAY: {
		/* the base and the next run, then some of the base's records again */
		size_t a = below(n), b = a + 1 + below(n - a);
		if (below(8) == 0)
			a = 0, b = n;
		append(m, x, 0, n);
		if (c->next)
			append(m, c->next, 0, c->next->n);
		append(m, x, a, b);
		snprintf(desc, dl, "%slines %zu..%zu of the old run appended", c->next ? "the next run, then " : "", a + 1, b);
		break;
	}
	}
}

/* ---- the run ---------------------------------------------------------------------- */

static int failures;

static void show(const char *what, const char *desc, const struct chain_verify_result *r, uint64_t mf)
{
	if (failures++ < 40)
		fprintf(stderr, "  FAIL  %s: %s (model fails at line %llu; verify: status %d, lines %llu..%llu: %s)\n",
			what, desc, (unsigned long long)mf, r->status, (unsigned long long)r->first_line,
			(unsigned long long)r->line, r->why);
}

/* N harmful mutants of each class of base x: all rejected, named right */
static void run_classes(const char *base_name, const struct ctx *c, const struct series *s, unsigned per)
{
	struct lines m = { 0 };
	char desc[256];
	for (int cls = 0; cls < N_CLASSES; cls++) {
		if ((cls == C_SPLICE && !c->next && !c->other))
			continue;
		unsigned harmful = 0, rejected = 0, named = 0, harmless = 0, tries = 0;
		while (harmful < per && tries < per * 20) {
			tries++;
			arena_used = 0;
			mutate(c, cls, &m, desc, sizeof(desc));
			if (!m.n && cls != C_DELETE)
				continue;
			uint64_t mf = model(s, &m);
			struct chain_verify_result r;
			int st = verify(&m, &r);
			if (!mf) {
				harmless++;
				if (st != CHAIN_VERIFY_OK) {
					char what[64];
					snprintf(what, sizeof(what), "%s %s (harmless, rejected)", base_name, class_name[cls]);
					show(what, desc, &r, mf);
				}
				continue;
			}
			harmful++;
			if (hint)
				mf = hint;
			if (st == CHAIN_VERIFY_BAD) {
				rejected++;
				if (r.first_line <= mf && mf <= r.line) {
					named++;
					continue;
				}
			}
			char what[64];
			snprintf(what, sizeof(what), "%s %s%s", base_name, class_name[cls],
				 st == CHAIN_VERIFY_BAD ? " (misnamed)" : " (ACCEPTED)");
			show(what, desc, &r, mf);
		}
		printf("  %-8s %-9s %5u harmful mutants: %5u rejected, %5u naming the first bad line; "
		       "%u harmless variants accepted\n",
		       base_name, class_name[cls], harmful, rejected, named, harmless);
		if (harmful < per) {
			fprintf(stderr, "  FAIL  %s %s: only %u harmful mutants made\n", base_name, class_name[cls], harmful);
			failures++;
		}
	}
	free(m.v);
}

/* legitimate variants: each must be accepted */
static void run_legit(const char *base_name, const struct ctx *c, const struct series *s, unsigned count)
{
	struct lines m = { 0 };
	unsigned ok = 0;
	uint64_t resent = 0;
	const struct lines *x = c->x;
	size_t n = x->n;
	/* the places between lines where no resend is in progress (the
	 * newest record seen is on the line before), and that record */
	size_t *at = malloc((n + 1) * sizeof(*at)), na = 0;
	int64_t *top = malloc((n + 1) * sizeof(*top)), maxi = -1;
	for (size_t i = 0; i < n; i++) {
		int64_t k = x->v[i].idx;
		if (k > maxi)
			maxi = k;
		if (k == maxi) {
			at[na] = i + 1;
			top[na++] = k;
		}
	}
	for (unsigned t = 0; t < count; t++) {
		m.n = 0;
		/* 1 to 3 reconnects, each resending the newest records again */
		size_t pos = 0;
		unsigned breaks = 1 + (unsigned)below(3);
		for (unsigned b = 0; b < breaks && na; b++) {
			size_t q = below(na);
			if (at[q] < pos)
				continue;
			append(&m, x, pos, at[q]);
			int64_t hi = top[q], back = 1 + (int64_t)below(hi < 200 ? (size_t)hi + 1 : 200);
			append(&m, &s->o, (size_t)(hi + 1 - back), (size_t)hi + 1);
			pos = at[q];
		}
		append(&m, x, pos, n);
		char desc[64];
		snprintf(desc, sizeof(desc), "resend variant %u", t);
		uint64_t mf = model(s, &m);
		struct chain_verify_result r;
		int st = verify(&m, &r);
		if (mf) {
			show("model rejects a resend (tester bug)", desc, &r, mf);
			continue;
		}
		if (st == CHAIN_VERIFY_OK) {
			ok++;
			resent += r.resent;
		} else {
			char what[64];
			snprintf(what, sizeof(what), "%s resend", base_name);
			show(what, desc, &r, mf);
		}
	}
	printf("  %-8s legit     %5u resends of a tail after reconnects: %u accepted (%llu resent records counted)\n",
	       base_name, count, ok, (unsigned long long)resent);
	free(at);
	free(top);
	free(m.v);
}

static void need(bool ok, const char *what, const struct chain_verify_result *r)
{
	if (ok) {
		printf("  ok    %s\n", what);
	} else {
		fprintf(stderr, "  FAIL  %s (status %d, line %llu: %s)\n", what, r->status,
			(unsigned long long)r->line, r->why);
		failures++;
	}
}

int main(int argc, char **argv)
{
	const char *key = NULL, *file = NULL, *siem = NULL, *next = NULL, *other = NULL;
	const char *crash[16];
	int n_crash = 0;
	unsigned per = 1000;
	uint64_t seed = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			goto usage;
		if (!strcmp(a, "--key"))
			key = v;
		else if (!strcmp(a, "--file"))
			file = v;
		else if (!strcmp(a, "--siem"))
			siem = v;
		else if (!strcmp(a, "--next"))
			next = v;
		else if (!strcmp(a, "--other"))
			other = v;
		else if (!strcmp(a, "--crash") && n_crash < 16)
			crash[n_crash++] = v;
		else if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--per-class"))
			per = (unsigned)strtoul(v, NULL, 10);
		else
			goto usage;
		i++;
	}
	if (!key || !file)
		goto usage;
	rng = seed;
	arena = malloc(arena_cap);
	char err[256];
	struct chain_verify_opts vo = { 0 };
	V = chain_verifier_new(key, &vo, err, sizeof(err));
	if (!V || !arena) {
		fprintf(stderr, "chain-mutate: %s\n", V ? "out of memory" : err);
		return 2;
	}
	clock_t t0 = clock();
	struct lines A = load(file), S = { 0 }, B = { 0 }, C = { 0 };
	if (siem)
		S = load(siem);
	if (next)
		B = load(next);
	if (other)
		C = load(other);
	printf("chain-mutate: seed %llu, %u harmful mutants per class and base; %s: %zu lines",
	       (unsigned long long)seed, per, file, A.n);
	if (siem)
		printf(", %s: %zu lines", siem, S.n);
	printf("\n");

	/* the inputs as they are */
	struct chain_verify_result r;
	need(verify(&A, &r) == CHAIN_VERIFY_OK && r.resent == 0 && r.signatures >= 3 && r.first_seq == 1,
	     "the file verifies (one run from seq 1, several signature blocks)", &r);
	if (siem)
		need(verify(&S, &r) == CHAIN_VERIFY_OK, "its rsyslog copy verifies", &r);
	if (next) {
		struct lines AB = { 0 };
		append(&AB, &A, 0, A.n);
		append(&AB, &B, 0, B.n);
		need(verify(&AB, &r) == CHAIN_VERIFY_OK, "the file and the next run's file verify as one series", &r);
		need(verify(&B, &r) == CHAIN_VERIFY_OK && r.first_seq > 1,
		     "the next run's file alone verifies (it begins at a start record)", &r);
		free(AB.v);
	}
	if (other)
		need(verify(&C, &r) == CHAIN_VERIFY_OK, "the other run's file verifies", &r);
	for (int i = 0; i < n_crash; i++) {
		struct lines D = load(crash[i]);
		char what[512];
		int st = verify(&D, &r);
		snprintf(what, sizeof(what), "%s: a crash restart is accepted as such (status 3, %llu crashes)",
			 crash[i], (unsigned long long)r.crashes);
		need(st == CHAIN_VERIFY_CRASH && r.crashes > 0, what, &r);
		lines_free(&D);
	}
	/* a later start, accepted deliberately (--from-seq N), and only so */
	unsigned fs_ok = 0, fs_n = 0;
	for (size_t i = 0; i + 2 < A.n; i++) {
		if (!is_sig(&A.v[i]) || fs_n >= 50)
			continue;
		struct lines T = { A.v + i + 1, A.n - i - 1, 0, NULL };
		struct chain_verify_opts fo = { .from_seq_set = true, .from_seq = seq_of(&A.v[i + 1]) };
		struct chain_verify_result r2;
		fs_n++;
		if (verify_with(key, &fo, &T, &r2) == CHAIN_VERIFY_OK && verify(&T, &r) == CHAIN_VERIFY_BAD &&
		    r.line == 1)
			fs_ok++;
	}
	need(fs_ok == fs_n && fs_n > 0,
	     "a file cut after a signature record: rejected, and accepted with --from-seq", &r);

	/* the classes, on the file and on its copy */
	struct series sa, ss = { 0 };
	series_init(&sa, &A, next ? &B : NULL);
	struct ctx ca = { &A, next ? &B : NULL, other ? &C : NULL };
	/* Two runs from fresh states with the same key and the same first
	 * records make the same records, byte for byte (signatures are
	 * deterministic): a splice of such forks is a valid series of one of
	 * them. The other run must differ from its first record. */
	for (size_t i = 0; i < C.n; i++)
		if (series_find(&sa, C.v[i].p, C.v[i].n) >= 0) {
			fprintf(stderr, "chain-mutate: the other run's file shares records with the file (line %zu)\n",
				i + 1);
			return 2;
		}
	run_legit("file", &ca, &sa, 200);
	run_classes("file", &ca, &sa, per);
	if (siem) {
		series_init(&ss, &S, next ? &B : NULL);
		struct ctx cs = { &S, next ? &B : NULL, other ? &C : NULL };
		run_legit("copy", &cs, &ss, 200);
		run_classes("copy", &cs, &ss, per);
	}
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	series_free(&sa);
	series_free(&ss);
	lines_free(&A);
	lines_free(&S);
	lines_free(&B);
	lines_free(&C);
	chain_verifier_free(V);
	free(arena);
	if (failures) {
		printf("chain-mutate: %d failures (%.1f s of CPU)\n", failures, secs);
		return 1;
	}
	printf("chain-mutate: all harmful mutants rejected, naming the first bad line; all legitimate "
	       "variants accepted (%.1f s of CPU)\n",
	       secs);
	return 0;
usage:
	fprintf(stderr, "usage: chain-mutate --key PUB --file EVE [--siem COPY] [--next NEXT] [--other OTHER] "
			"[--crash FILE]... [--seed N] [--per-class N]\n");
	return 2;
}
