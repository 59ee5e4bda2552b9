/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule addresses and ports: any, single values, CIDR blocks, port ranges,
 * lists in brackets (nested), negation with '!', and $VARIABLES from the
 * configuration, which may themselves contain lists, negations and other
 * variables (depth-limited against loops).
 *
 * A set matches when (any or some positive entry matches) and no negative
 * entry matches. A set made only of negations means "anything except".
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/rule.h"
#include "util/cursor.h"
#include "vigil/detect.h"

#define MAX_DEPTH 8
#define MAX_ENTRIES 1024

struct acc {
	void *pos, *neg;
	size_t n_pos, n_neg, esz;
	bool any;
};

static int acc_add(struct acc *a, bool neg, const void *e, char *err, size_t errlen)
{
	void **arr = neg ? &a->neg : &a->pos;
	size_t *n = neg ? &a->n_neg : &a->n_pos;
	if (*n >= MAX_ENTRIES) {
		snprintf(err, errlen, "more than %d entries", MAX_ENTRIES);
		return -1;
	}
	void *nv = realloc(*arr, (*n + 1) * a->esz);
	if (!nv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*arr = nv;
	memcpy((char *)nv + *n * a->esz, e, a->esz);
	(*n)++;
	return 0;
}

static const char *var_lookup(const struct detect_var *vars, size_t n, const char *name,
			      size_t nlen)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(vars[i].name) == nlen && strncmp(vars[i].name, name, nlen) == 0)
			return vars[i].value;
	return NULL;
}

typedef int (*leaf_fn)(struct acc *a, bool neg, const char *s, size_t n, char *err,
		       size_t errlen);

/* Splits a bracketed list at top-level commas. */
static int parse_list(const struct detect_var *vars, size_t n_vars, const char *s, size_t n,
		      bool neg, int depth, struct acc *a, leaf_fn leaf, char *err, size_t errlen)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (depth > MAX_DEPTH) {
		snprintf(err, errlen, "variables nested too deeply (loop?)");
		return -1;
	}
	if (n == 0) {
		snprintf(err, errlen, "empty address or port");
		return -1;
	}
	if (*s == '!')
		return parse_list(vars, n_vars, s + 1, n - 1, !neg, depth, a, leaf, err, errlen);
	if (*s == '[') {
		if (s[n - 1] != ']') {
			snprintf(err, errlen, "unbalanced '[' in '%.*s'", (int)n, s);
			return -1;
		}
		const char *p = s + 1, *end = s + n - 1, *start = p;
		int lvl = 0;
		for (; p <= end; p++) {
			if (p < end && *p == '[')
				lvl++;
			else if (p < end && *p == ']')
				lvl--;
			if (lvl < 0) {
				snprintf(err, errlen, "unbalanced ']' in '%.*s'", (int)n, s);
				return -1;
			}
			if (p == end || (*p == ',' && lvl == 0)) {
				if (parse_list(vars, n_vars, start, (size_t)(p - start), neg, depth, a,
					       leaf, err, errlen) < 0)
					return -1;
				start = p + 1;
			}
		}
		if (lvl != 0) {
			snprintf(err, errlen, "unbalanced '[' in '%.*s'", (int)n, s);
			return -1;
		}
		return 0;
	}
	if (*s == '$') {
		const char *v = var_lookup(vars, n_vars, s + 1, n - 1);
		if (!v) {
			snprintf(err, errlen, "unknown variable '%.*s'", (int)n, s);
			return -1;
		}
		return parse_list(vars, n_vars, v, strlen(v), neg, depth + 1, a, leaf, err, errlen);
	}
	if (n == 3 && strncasecmp(s, "any", 3) == 0) {
		if (neg) {
			snprintf(err, errlen, "'!any' matches nothing");
			return -1;
		}
		a->any = true;
		return 0;
	}
	return leaf(a, neg, s, n, err, errlen);
}

static int ip_leaf(struct acc *a, bool neg, const char *s, size_t n, char *err, size_t errlen)
{
	char buf[64];
	if (n >= sizeof(buf)) {
		snprintf(err, errlen, "invalid address '%.*s'", (int)n, s);
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	struct ipnet net;
	memset(&net, 0, sizeof(net));
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (inet_pton(AF_INET, buf, net.addr) == 1) {
		net.ver = 4;
		net.bits = 32;
	} else if (inet_pton(AF_INET6, buf, net.addr) == 1) {
		net.ver = 6;
		net.bits = 128;
	} else {
		snprintf(err, errlen, "invalid address '%.*s'", (int)n, s);
		return -1;
	}
	if (slash) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || b < 0 || b > net.bits) {
			snprintf(err, errlen, "invalid prefix length in '%.*s'", (int)n, s);
			return -1;
		}
		net.bits = (uint8_t)b;
	}
	/* clear host bits */
	for (int i = 0; i < 16; i++) {
		int keep = (int)net.bits - i * 8;
		if (keep <= 0)
			net.addr[i] = 0;
		else if (keep < 8)
			net.addr[i] &= (uint8_t)(0xff << (8 - keep));
	}
	return acc_add(a, neg, &net, err, errlen);
}

static int port_num(const char *s, size_t n, uint16_t *out)
{
	if (n == 0 || n > 5)
		return -1;
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int port_leaf(struct acc *a, bool neg, const char *s, size_t n, char *err, size_t errlen)
{
	struct portrange r = { 0, 65535 };
	const char *colon = memchr(s, ':', n);
	if (colon) {
		size_t ln = (size_t)(colon - s), rn = n - ln - 1;
		if ((ln && port_num(s, ln, &r.lo) < 0) || (rn && port_num(colon + 1, rn, &r.hi) < 0) ||
		    (!ln && !rn) || r.lo > r.hi) {
			snprintf(err, errlen, "invalid port range '%.*s'", (int)n, s);
			return -1;
		}
	} else {
		if (port_num(s, n, &r.lo) < 0) {
			snprintf(err, errlen, "invalid port '%.*s'", (int)n, s);
			return -1;
		}
		r.hi = r.lo;
	}
	return acc_add(a, neg, &r, err, errlen);
}

int addrset_parse(const struct detect_config *cfg, const char *s, struct addrset *as, char *err,
		  size_t errlen)
{
	struct acc a = { .esz = sizeof(struct ipnet) };
	memset(as, 0, sizeof(*as));
	if (parse_list(cfg ? cfg->address_vars : NULL, cfg ? cfg->n_address_vars : 0, s, strlen(s),
		       false, 0, &a, ip_leaf, err, errlen) < 0) {
		free(a.pos);
		free(a.neg);
		return -1;
	}
	as->any = a.any || a.n_pos == 0;
	as->pos = a.pos;
	as->neg = a.neg;
	as->n_pos = (uint16_t)a.n_pos;
	as->n_neg = (uint16_t)a.n_neg;
	if (as->any && a.n_pos) { /* any plus specific entries: the entries add nothing */
		free(as->pos);
		as->pos = NULL;
		as->n_pos = 0;
	}
	return 0;
}

int portset_parse(const struct detect_config *cfg, const char *s, struct portset *ps, char *err,
		  size_t errlen)
{
	struct acc a = { .esz = sizeof(struct portrange) };
	memset(ps, 0, sizeof(*ps));
	if (parse_list(cfg ? cfg->port_vars : NULL, cfg ? cfg->n_port_vars : 0, s, strlen(s), false,
		       0, &a, port_leaf, err, errlen) < 0) {
		free(a.pos);
		free(a.neg);
		return -1;
	}
	ps->any = a.any || a.n_pos == 0;
	ps->pos = a.pos;
	ps->neg = a.neg;
	ps->n_pos = (uint16_t)a.n_pos;
	ps->n_neg = (uint16_t)a.n_neg;
	if (ps->any && a.n_pos) {
		free(ps->pos);
		ps->pos = NULL;
		ps->n_pos = 0;
	}
	return 0;
}

/* The prefix compared as two 64-bit halves under a mask (no memcmp call:
 * this runs for every candidate rule's addresses). */
static bool net_match(const struct ipnet *n, const struct vaddr *a, uint8_t ver)
{
	if (n->ver != ver)
		return false;
	unsigned bits = n->bits > 128 ? 128 : n->bits;
	uint64_t mhi = bits >= 64 ? ~0ull : bits ? ~0ull << (64 - bits) : 0;
	uint64_t mlo = bits >= 128 ? ~0ull : bits > 64 ? ~0ull << (128 - bits) : 0;
	return ((rd_be64(a->a) ^ rd_be64(n->addr)) & mhi) == 0 &&
	       ((rd_be64(a->a + 8) ^ rd_be64(n->addr + 8)) & mlo) == 0;
}

bool addrset_match(const struct addrset *as, const struct vaddr *a, uint8_t ver)
{
	bool in = as->any;
	for (unsigned i = 0; !in && i < as->n_pos; i++)
		in = net_match(&as->pos[i], a, ver);
	if (!in)
		return false;
	for (unsigned i = 0; i < as->n_neg; i++)
		if (net_match(&as->neg[i], a, ver))
			return false;
	return true;
}

bool portset_match(const struct portset *ps, uint16_t port)
{
	bool in = ps->any;
	for (unsigned i = 0; !in && i < ps->n_pos; i++)
		in = port >= ps->pos[i].lo && port <= ps->pos[i].hi;
	if (!in)
		return false;
	for (unsigned i = 0; i < ps->n_neg; i++)
		if (port >= ps->neg[i].lo && port <= ps->neg[i].hi)
			return false;
	return true;
}

void addrset_free(struct addrset *as)
{
	free(as->pos);
	free(as->neg);
	memset(as, 0, sizeof(*as));
}

void portset_free(struct portset *ps)
{
	free(ps->pos);
	free(ps->neg);
	memset(ps, 0, sizeof(*ps));
}

int detect_vars_check(const struct detect_config *cfg, size_t *idx, bool *is_port, char *err,
		      size_t errlen)
{
	for (size_t i = 0; i < cfg->n_address_vars; i++) {
		struct addrset as;
		if (addrset_parse(cfg, cfg->address_vars[i].value, &as, err, errlen) < 0) {
			*idx = i;
			*is_port = false;
			return -1;
		}
		addrset_free(&as);
	}
	for (size_t i = 0; i < cfg->n_port_vars; i++) {
		struct portset ps;
		if (portset_parse(cfg, cfg->port_vars[i].value, &ps, err, errlen) < 0) {
			*idx = i;
			*is_port = true;
			return -1;
		}
		portset_free(&ps);
	}
	return 0;
}
