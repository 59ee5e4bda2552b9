/* SPDX-License-Identifier: BSD-3-Clause */
#include "detect/uint.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *skip_ws(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* Reads a number or name starting at *sp; stops at an operator character,
 * blank or end. Advances *sp. */
static int read_value(const char **sp, uint64_t max, const struct du_name *names, size_t n_names,
		      uint64_t *v, char *err, size_t errlen)
{
	const char *s = skip_ws(*sp);
	const char *e = s;
	while (*e && !isspace((unsigned char)*e) && !strchr("<>=!&", *e) &&
	       !(*e == '-' && e > s && isdigit((unsigned char)*s) && !(e == s + 1 && *s == '0' &&
									 (e[1] == 'x' || e[1] == 'X'))))
		e++;
	size_t n = (size_t)(e - s);
	if (n == 0) {
		snprintf(err, errlen, "missing number");
		return -1;
	}
	if (n >= 64) {
		snprintf(err, errlen, "value too long");
		return -1;
	}
	char buf[64];
	memcpy(buf, s, n);
	buf[n] = 0;
	if (isdigit((unsigned char)buf[0])) {
		char *end;
		errno = 0;
		unsigned long long x = strtoull(buf, &end, 0);
		if (errno || *end) {
			snprintf(err, errlen, "invalid number '%s'", buf);
			return -1;
		}
		if (x > max) {
			snprintf(err, errlen, "value %s out of range (max %llu)", buf,
				 (unsigned long long)max);
			return -1;
		}
		*v = x;
	} else {
		size_t i;
		for (i = 0; i < n_names; i++)
			if (strcasecmp(names[i].name, buf) == 0)
				break;
		if (i == n_names) {
			snprintf(err, errlen, "unknown value '%s'", buf);
			return -1;
		}
		*v = names[i].value;
	}
	*sp = e;
	return 0;
}

int du_parse_value(const char *s, uint64_t max, const struct du_name *names, size_t n_names,
		   uint64_t *v, char *err, size_t errlen)
{
	const char *p = s;
	if (read_value(&p, max, names, n_names, v, err, errlen) < 0)
		return -1;
	if (*skip_ws(p)) {
		snprintf(err, errlen, "trailing characters in '%s'", s);
		return -1;
	}
	return 0;
}

int du_match_new(const char *s, uint64_t max, const struct du_name *names, size_t n_names,
		 void **out, char *err, size_t errlen)
{
	struct du_match *m = malloc(sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (du_parse(s, max, names, n_names, m, err, errlen) < 0) {
		free(m);
		return -1;
	}
	*out = m;
	return 0;
}

int du_parse(const char *s, uint64_t max, const struct du_name *names, size_t n_names,
	     struct du_match *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (!s) {
		snprintf(err, errlen, "missing value");
		return -1;
	}
	const char *p = skip_ws(s);
	bool neg = false;
	if (p[0] == '&') {
		p++;
		if (read_value(&p, max, names, n_names, &m->a, err, errlen) < 0)
			return -1;
		p = skip_ws(p);
		if (*p == '=') {
			p++;
			m->op = DU_MASK_EQ;
		} else if (p[0] == '!' && p[1] == '=') {
			p += 2;
			m->op = DU_MASK_NE;
		} else {
			m->op = DU_MASK_ANY;
			goto done;
		}
		if (read_value(&p, max, names, n_names, &m->b, err, errlen) < 0)
			return -1;
		goto done;
	}
	if (p[0] == '!' && p[1] == '=') {
		p += 2;
		m->op = DU_NE;
	} else if (p[0] == '!') {
		p++;
		neg = true;
		m->op = DU_NE;
	} else if (p[0] == '<' && p[1] == '=') {
		p += 2;
		m->op = DU_LE;
	} else if (p[0] == '>' && p[1] == '=') {
		p += 2;
		m->op = DU_GE;
	} else if (p[0] == '<') {
		p++;
		m->op = DU_LT;
	} else if (p[0] == '>') {
		p++;
		m->op = DU_GT;
	} else {
		if (p[0] == '=')
			p++;
		m->op = DU_EQ;
	}
	if (read_value(&p, max, names, n_names, &m->a, err, errlen) < 0)
		return -1;
	p = skip_ws(p);
	if ((m->op == DU_EQ || neg) && (p[0] == '-' || (p[0] == '<' && p[1] == '>'))) {
		p += p[0] == '-' ? 1 : 2;
		if (read_value(&p, max, names, n_names, &m->b, err, errlen) < 0)
			return -1;
		if (m->b <= m->a + 1) {
			snprintf(err, errlen, "empty range in '%s'", s);
			return -1;
		}
		m->op = neg ? DU_NRANGE : DU_RANGE;
	}
done:
	if (*skip_ws(p)) {
		snprintf(err, errlen, "unexpected '%s' in '%s'", skip_ws(p), s);
		return -1;
	}
	if ((m->op == DU_LT && m->a == 0) || (m->op == DU_GT && m->a == max)) {
		snprintf(err, errlen, "'%s' can never match", s);
		return -1;
	}
	return 0;
}

bool du_match(const struct du_match *m, uint64_t v)
{
	switch (m->op) {
	case DU_EQ: return v == m->a;
	case DU_NE: return v != m->a;
	case DU_LT: return v < m->a;
	case DU_GT: return v > m->a;
	case DU_LE: return v <= m->a;
	case DU_GE: return v >= m->a;
	case DU_RANGE: return v > m->a && v < m->b;
	case DU_NRANGE: return v <= m->a || v >= m->b;
	case DU_MASK_EQ: return (v & m->a) == m->b;
	case DU_MASK_NE: return (v & m->a) != m->b;
	case DU_MASK_ANY: return (v & m->a) != 0;
	}
	return false;
}

bool du_set(const struct du_match *m, uint64_t max, uint8_t *set)
{
	for (uint64_t v = 0; v <= max; v++)
		if (du_match(m, v))
			set[v >> 3] |= (uint8_t)(1u << (v & 7));
	return true;
}

int64_t du_single(const struct du_match *m)
{
	return m->op == DU_EQ ? (int64_t)m->a : -1;
}

int du_parse_flags(const char *s, uint64_t max, const struct du_name *flags, size_t n_flags,
		   char defmod, struct du_match *m, char *err, size_t errlen)
{
	char e2[160];
	if (!s) {
		snprintf(err, errlen, "missing value");
		return -1;
	}
	if (du_parse(s, max, NULL, 0, m, e2, sizeof(e2)) == 0)
		return 0;
	memset(m, 0, sizeof(*m));
	const char *p = skip_ws(s);
	char mod = defmod;
	if (*p && strchr("-+*=", *p))
		mod = *p++;
	else if (*p == '!' && defmod == '=') /* legacy keywords only */
		mod = '-', p++;
	uint64_t all = 0, set = 0;
	int n = 0;
	while (*(p = skip_ws(p))) {
		bool neg = *p == '!';
		if (neg)
			p++;
		const char *e = p;
		while (*e && *e != ',' && !isspace((unsigned char)*e))
			e++;
		size_t len = (size_t)(e - p);
		size_t i;
		for (i = 0; i < n_flags; i++)
			if (strlen(flags[i].name) == len && strncasecmp(flags[i].name, p, len) == 0)
				break;
		if (i == n_flags || !len) {
			snprintf(err, errlen, "unknown flag '%.*s'", (int)len, p);
			return -1;
		}
		if (all & flags[i].value) {
			snprintf(err, errlen, "flag '%s' given twice", flags[i].name);
			return -1;
		}
		all |= flags[i].value;
		if (!neg)
			set |= flags[i].value;
		n++;
		p = skip_ws(e);
		if (*p == ',')
			p++;
	}
	if (!n) {
		snprintf(err, errlen, "missing flags");
		return -1;
	}
	switch (mod) {
	case '=': m->op = DU_EQ; m->a = all; break;
	case '+': m->op = DU_MASK_EQ; m->a = all; m->b = set; break;
	case '-': m->op = DU_MASK_NE; m->a = all; m->b = set; break;
	default:  m->op = DU_MASK_ANY; m->a = all; break;
	}
	return 0;
}
