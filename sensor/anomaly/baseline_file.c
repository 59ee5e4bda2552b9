/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The baseline file: JSON, written by `vigil learn`, read with jansson.
 *
 * Schema (version 1). Keys in this order; lists sorted as said; the same
 * model gives the same bytes (two-space indentation, one member per line,
 * ranges and short lists inline), so that two learnings diff line by line.
 *
 *   {
 *     "format": "vigil-baseline",
 *     "version": 1,
 *     "learned": {"first": TIME, "last": TIME, "transactions": N},
 *     "limits": {"conversations_dropped": N, "functions_dropped": N,
 *                "values_dropped": N, "names_dropped": N, "ranges_merged": N,
 *                "identities_dropped": N, "starts_dropped": N},
 *     "conversations": [            sorted by client, server, protocol
 *       {"client": HOST, "server": HOST, "protocol": "modbus",
 *        "first": TIME, "last": TIME, "transactions": N,
 *        "units": {"name": "unit_id", "ranges": [[1, 1]]},        optional
 *        "functions": [              sorted by code
 *          {"code": 3, "name": "RdHoldRegs", "class": "read",   name optional
 *           "requests": N, "responses": N, "reports": N,
 *           "period": {"samples": N, "mean_ms": MS, "sd_ms": MS,  optional
 *                      "min_ms": MS, "max_ms": MS},
 *           "connection_period": {...the same...},               optional
 *           "addresses": [           sorted by space_id, qualifier
 *             {"space": "holding_register", "space_id": 4,
 *              "qualifier": 10,                                  optional (0)
 *              "ranges": [[0, 9], [100, 119]]}],
 *           "names": [               sorted by space_id
 *             {"space": "node", "space_id": 1, "values": ["ns=2;s=Pump1"]}]}],
 *        "values": [                 sorted by space_id, qualifier, address
 *          {"space": "holding_register", "space_id": 4, "address": 0,
 *           "written": [LO, HI], "reported": [LO, HI]}]}],  each optional
 *     "identities": [                sorted by host, protocol
 *       {"host": HOST, "protocol": "modbus",
 *        "attributes": {"vendor_name": ["Schneider Electric"]}}]}
 *
 * period: the intervals between requests (or reports) of the function
 * within one connection; connection_period: between the first requests of
 * the function in consecutive connections of the conversation (masters
 * that connect for each poll). HOST: "10.0.0.2", "fd00::2" or a MAC "00:11:22:33:44:55" (GOOSE).
 * TIME: "2026-01-01T00:00:00.000000+0000" (packet time, UTC). MS: a period
 * in milliseconds with three decimals. Ranges: [lo, hi], 0 <= lo <= hi <=
 * 4294967295. Values: numbers. Names and identity values: printable ASCII,
 * other bytes written as \xHH. Codes and space ids are each protocol's own
 * (see the facts comment of its parser, sensor/proto/<name>.c); names and
 * classes beside them are for the reader. An engineer may edit the file:
 * widen a range, add a function or a conversation, delete what should not
 * be there; ranges may be given in any order, overlapping (they are
 * merged). Unknown keys, wrong types, duplicates, and lists beyond the
 * configured caps are errors that name where they are.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "anomaly/baseline_model.h"
#include "proto/registry.h"
#include "util/civil.h"
#include "util/jb.h"

#define BL_FORMAT "vigil-baseline"
#define BL_VERSION 1

/* ---- writing ------------------------------------------------------------------- */

struct sb {
	char *b;
	size_t n, cap;
	bool err;
};

static void sb_put(struct sb *s, const char *p, size_t n)
{
	if (s->err)
		return;
	if (s->n + n + 1 > s->cap) {
		size_t nc = s->cap ? s->cap : 4096;
		while (s->n + n + 1 > nc)
			nc *= 2;
		char *nb = realloc(s->b, nc);
		if (!nb) {
			s->err = true;
			return;
		}
		s->b = nb;
		s->cap = nc;
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
	s->b[s->n] = 0;
}

static void sb_str(struct sb *s, const char *p)
{
	sb_put(s, p, strlen(p));
}

static void sb_printf(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *s, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		s->err = true;
		return;
	}
	sb_put(s, tmp, (size_t)n);
}

static void sb_ind(struct sb *s, int depth)
{
	static const char sp[] = "                                ";
	sb_put(s, sp, (size_t)(depth * 2 > 32 ? 32 : depth * 2));
}

/* a JSON string (escaped) */
static void sb_json_str(struct sb *s, const char *p)
{
	size_t n = strlen(p);
	size_t cap = n * 6 + 3; /* every byte as \u00XX, and the quotes */
	char *t = malloc(cap);
	if (!t) {
		s->err = true;
		return;
	}
	size_t need = jb_escape(t, cap, p, n);
	sb_put(s, t, need < cap ? need : cap - 1);
	free(t);
}

static void sb_time(struct sb *s, uint64_t us)
{
	char t[20];
	civil_format_sec(t, us / 1000000u);
	sb_printf(s, "\"%s.%06u+0000\"", t, (unsigned)(us % 1000000u));
}

static void sb_ms(struct sb *s, uint64_t us)
{
	sb_printf(s, "%llu.%03u", (unsigned long long)(us / 1000u), (unsigned)(us % 1000u));
}

/* integers as integers; others as the shortest text that reads back the same */
static void sb_num(struct sb *s, double v)
{
	if (v == 0) {
		sb_str(s, "0");
		return;
	}
	if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		sb_printf(s, "%.0f", v);
		return;
	}
	char tmp[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* a mantissa without '.' or 'e' reads as an integer: make it a real */
	if (!strpbrk(tmp, ".eEn"))
		strncat(tmp, ".0", sizeof(tmp) - strlen(tmp) - 1);
	sb_str(s, tmp);
}

static void sb_ranges(struct sb *s, const struct bl_rangeset *rs)
{
	sb_str(s, "[");
	for (uint32_t i = 0; i < rs->n; i++)
		sb_printf(s, "%s[%u, %u]", i ? ", " : "", rs->r[i].lo, rs->r[i].hi);
	sb_str(s, "]");
}

static void write_period(struct sb *s, const char *key, const struct bl_period *p)
{
	if (!p->n)
		return;
	sb_str(s, ",\n");
	sb_ind(s, 5);
	sb_printf(s, "\"%s\": {\"samples\": %llu, \"mean_ms\": ", key, (unsigned long long)p->n);
	sb_ms(s, p->mean);
	sb_str(s, ", \"sd_ms\": ");
	sb_ms(s, p->sd);
	sb_str(s, ", \"min_ms\": ");
	sb_ms(s, p->min);
	sb_str(s, ", \"max_ms\": ");
	sb_ms(s, p->max);
	sb_str(s, "}");
}

static void write_func(struct sb *s, const struct bl_func *fn, bool last)
{
	sb_ind(s, 4);
	sb_str(s, "{\n");
	sb_ind(s, 5);
	sb_printf(s, "\"code\": %d,\n", fn->code);
	if (fn->name[0]) {
		sb_ind(s, 5);
		sb_str(s, "\"name\": ");
		sb_json_str(s, fn->name);
		sb_str(s, ",\n");
	}
	sb_ind(s, 5);
	sb_printf(s, "\"class\": \"%s\",\n", bl_class_name(fn->fclass));
	sb_ind(s, 5);
	sb_printf(s, "\"requests\": %llu,\n", (unsigned long long)fn->count[APP_ROLE_REQUEST]);
	sb_ind(s, 5);
	sb_printf(s, "\"responses\": %llu,\n", (unsigned long long)fn->count[APP_ROLE_RESPONSE]);
	sb_ind(s, 5);
	sb_printf(s, "\"reports\": %llu", (unsigned long long)fn->count[APP_ROLE_REPORT]);
	write_period(s, "period", &fn->per);
	write_period(s, "connection_period", &fn->cper);
	if (fn->n_spaces) {
		sb_str(s, ",\n");
		sb_ind(s, 5);
		sb_str(s, "\"addresses\": [\n");
		for (uint32_t i = 0; i < fn->n_spaces; i++) {
			const struct bl_space *sp = &fn->spaces[i];
			sb_ind(s, 6);
			sb_str(s, "{\"space\": ");
			sb_json_str(s, sp->name);
			sb_printf(s, ", \"space_id\": %u, ", sp->id);
			if (sp->qual)
				sb_printf(s, "\"qualifier\": %u, ", sp->qual);
			sb_str(s, "\"ranges\": ");
			sb_ranges(s, &sp->rs);
			sb_str(s, i + 1 < fn->n_spaces ? "},\n" : "}\n");
		}
		sb_ind(s, 5);
		sb_str(s, "]");
	}
	if (fn->n_names) {
		sb_str(s, ",\n");
		sb_ind(s, 5);
		sb_str(s, "\"names\": [\n");
		for (uint32_t i = 0; i < fn->n_names; i++) {
			const struct bl_names *ns = &fn->names[i];
			sb_ind(s, 6);
			sb_str(s, "{\"space\": ");
			sb_json_str(s, ns->name);
			sb_printf(s, ", \"space_id\": %u, \"values\": [", ns->id);
			for (uint32_t k = 0; k < ns->n; k++) {
				if (k)
					sb_str(s, ", ");
				sb_json_str(s, ns->v[k]);
			}
			sb_str(s, i + 1 < fn->n_names ? "]},\n" : "]}\n");
		}
		sb_ind(s, 5);
		sb_str(s, "]");
	}
	sb_str(s, "\n");
	sb_ind(s, 4);
	sb_str(s, last ? "}\n" : "},\n");
}

static void write_conv(struct sb *s, const struct bl_conv *cv, bool last)
{
	char h[64];
	sb_ind(s, 2);
	sb_str(s, "{\n");
	bl_host_format(&cv->client, h, sizeof(h));
	sb_ind(s, 3);
	sb_printf(s, "\"client\": \"%s\",\n", h);
	bl_host_format(&cv->server, h, sizeof(h));
	sb_ind(s, 3);
	sb_printf(s, "\"server\": \"%s\",\n", h);
	sb_ind(s, 3);
	sb_printf(s, "\"protocol\": \"%s\",\n", app_parsers[cv->proto]->name);
	sb_ind(s, 3);
	sb_str(s, "\"first\": ");
	sb_time(s, cv->first);
	sb_str(s, ",\n");
	sb_ind(s, 3);
	sb_str(s, "\"last\": ");
	sb_time(s, cv->last);
	sb_str(s, ",\n");
	sb_ind(s, 3);
	sb_printf(s, "\"transactions\": %llu", (unsigned long long)cv->txs);
	if (cv->units.n) {
		sb_str(s, ",\n");
		sb_ind(s, 3);
		sb_str(s, "\"units\": {\"name\": ");
		sb_json_str(s, cv->unit_name[0] ? cv->unit_name : "unit");
		sb_str(s, ", \"ranges\": ");
		sb_ranges(s, &cv->units);
		sb_str(s, "}");
	}
	sb_str(s, ",\n");
	sb_ind(s, 3);
	sb_str(s, "\"functions\": [");
	if (cv->n_funcs) {
		sb_str(s, "\n");
		for (uint32_t i = 0; i < cv->n_funcs; i++)
			write_func(s, &cv->funcs[i], i + 1 == cv->n_funcs);
		sb_ind(s, 3);
	}
	sb_str(s, "]");
	if (cv->n_values) {
		sb_str(s, ",\n");
		sb_ind(s, 3);
		sb_str(s, "\"values\": [\n");
		for (uint32_t i = 0; i < cv->n_values; i++) {
			const struct bl_value *v = &cv->values[i];
			sb_ind(s, 4);
			sb_str(s, "{\"space\": ");
			sb_json_str(s, v->name);
			sb_printf(s, ", \"space_id\": %u, ", v->id);
			if (v->qual)
				sb_printf(s, "\"qualifier\": %u, ", v->qual);
			sb_printf(s, "\"address\": %u", v->addr);
			if (v->has_w) {
				sb_str(s, ", \"written\": [");
				sb_num(s, v->wlo);
				sb_str(s, ", ");
				sb_num(s, v->whi);
				sb_str(s, "]");
			}
			if (v->has_r) {
				sb_str(s, ", \"reported\": [");
				sb_num(s, v->rlo);
				sb_str(s, ", ");
				sb_num(s, v->rhi);
				sb_str(s, "]");
			}
			sb_str(s, i + 1 < cv->n_values ? "},\n" : "}\n");
		}
		sb_ind(s, 3);
		sb_str(s, "]");
	}
	sb_str(s, "\n");
	sb_ind(s, 2);
	sb_str(s, last ? "}\n" : "},\n");
}

long bl_model_text(const struct bl_model *m, char **out)
{
	struct sb s = { 0 };
	sb_str(&s, "{\n");
	sb_printf(&s, "  \"format\": \"%s\",\n  \"version\": %d,\n", BL_FORMAT, BL_VERSION);
	sb_str(&s, "  \"learned\": {\"first\": ");
	sb_time(&s, m->first);
	sb_str(&s, ", \"last\": ");
	sb_time(&s, m->last);
	sb_printf(&s, ", \"transactions\": %llu},\n", (unsigned long long)m->txs);
	sb_printf(&s,
		  "  \"limits\": {\"conversations_dropped\": %llu, \"functions_dropped\": %llu, "
		  "\"values_dropped\": %llu, \"names_dropped\": %llu, \"ranges_merged\": %llu, "
		  "\"identities_dropped\": %llu, \"starts_dropped\": %llu},\n",
		  (unsigned long long)m->lim.conversations_dropped,
		  (unsigned long long)m->lim.functions_dropped,
		  (unsigned long long)m->lim.values_dropped, (unsigned long long)m->lim.names_dropped,
		  (unsigned long long)m->lim.ranges_merged,
		  (unsigned long long)m->lim.identities_dropped,
		  (unsigned long long)m->lim.starts_dropped);
	sb_str(&s, "  \"conversations\": [");
	if (m->n_convs) {
		sb_str(&s, "\n");
		for (uint32_t i = 0; i < m->n_convs; i++)
			write_conv(&s, m->convs[i], i + 1 == m->n_convs);
		sb_str(&s, "  ");
	}
	sb_str(&s, "],\n  \"identities\": [");
	for (uint32_t i = 0; i < m->n_idents; i++) {
		const struct bl_ident *id = &m->idents[i];
		char h[64];
		bl_host_format(&id->host, h, sizeof(h));
		sb_printf(&s, "%s\n    {\"host\": \"%s\", \"protocol\": \"%s\", \"attributes\": {", i ? "," : "",
			  h, app_parsers[id->proto]->name);
		for (unsigned a = 0; a < id->n; a++) {
			sb_str(&s, a ? ", " : "");
			sb_json_str(&s, id->at[a].key);
			sb_str(&s, ": [");
			for (unsigned k = 0; k < id->at[a].n; k++) {
				sb_str(&s, k ? ", " : "");
				sb_json_str(&s, id->at[a].v[k]);
			}
			sb_str(&s, "]");
		}
		sb_str(&s, "}}");
	}
	sb_str(&s, m->n_idents ? "\n  ]\n}\n" : "]\n}\n");
	if (s.err) {
		free(s.b);
		return -1;
	}
	*out = s.b;
	return (long)s.n;
}

/* ---- reading ------------------------------------------------------------------ */

struct rd {
	const char *file;
	char *err;
	size_t errlen;
	const struct bl_config *cfg;
	struct bl_model *m;
};

static int fail(struct rd *r, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct rd *r, const char *where, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errlen, "%s: %s%s%s", r->file, where, *where ? ": " : "", msg);
	return -1;
}

/* where in the file: "conversations[3].functions[0]" (cut short if long) */
static void pathf(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

/* every key of o is one of the NULL-terminated list */
static int keys_only(struct rd *r, const char *where, json_t *o, const char *const *keys)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		bool ok = false;
		for (size_t i = 0; keys[i] && !ok; i++)
			ok = strcmp(k, keys[i]) == 0;
		if (!ok)
			return fail(r, where, "unknown key \"%s\"", k);
	}
	return 0;
}

static int get_obj(struct rd *r, const char *where, json_t *o, const char *key, bool need,
		   json_t **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v)
		return need ? fail(r, where, "missing \"%s\"", key) : 0;
	if (!json_is_object(v))
		return fail(r, where, "\"%s\": expected an object", key);
	*out = v;
	return 0;
}

static int get_arr(struct rd *r, const char *where, json_t *o, const char *key, bool need,
		   json_t **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v)
		return need ? fail(r, where, "missing \"%s\"", key) : 0;
	if (!json_is_array(v))
		return fail(r, where, "\"%s\": expected a list", key);
	*out = v;
	return 0;
}

static int get_str(struct rd *r, const char *where, json_t *o, const char *key, bool need,
		   const char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v)
		return need ? fail(r, where, "missing \"%s\"", key) : 0;
	if (!json_is_string(v))
		return fail(r, where, "\"%s\": expected a string", key);
	*out = json_string_value(v);
	return 0;
}

static int get_u64(struct rd *r, const char *where, json_t *o, const char *key, bool need,
		   uint64_t max, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return need ? fail(r, where, "missing \"%s\"", key) : 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return fail(r, where, "\"%s\": expected an integer 0..%llu", key, (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* a printable ASCII string of at most BL_STR_MAX - 1 bytes (names, identities) */
static int check_text(struct rd *r, const char *where, const char *s, size_t max)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
		if (*p < 0x20 || *p > 0x7e)
			return fail(r, where, "\"%.40s\": printable ASCII only (other bytes as \\xHH)", s);
	if (n >= max)
		return fail(r, where, "\"%.40s...\": longer than %zu characters", s, max - 1);
	return 0;
}

static int parse_time(const char *s, uint64_t *out)
{
	/* YYYY-MM-DDTHH:MM:SS.uuuuuu+0000 */
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddd+0000";
	if (strlen(s) != sizeof(shape) - 1)
		return -1;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return -1;
	}
	int y = atoi(s), mo = atoi(s + 5), d = atoi(s + 8), h = atoi(s + 11), mi = atoi(s + 14),
	    se = atoi(s + 17);
	long us = strtol(s + 20, NULL, 10);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
		return -1;
	/* days from civil (H. Hinnant) */
	int yy = mo <= 2 ? y - 1 : y;
	int era = yy / 400;
	unsigned yoe = (unsigned)(yy - era * 400);
	unsigned doy = (unsigned)((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = (int64_t)era * 146097 + doe - 719468;
	*out = ((uint64_t)days * 86400u + (uint64_t)h * 3600u + (uint64_t)mi * 60u + (uint64_t)se) *
		       1000000u + (uint64_t)us;
	return 0;
}

static int get_time(struct rd *r, const char *where, json_t *o, const char *key, uint64_t *out)
{
	const char *s;
	if (get_str(r, where, o, key, true, &s) < 0)
		return -1;
	if (parse_time(s, out) < 0)
		return fail(r, where, "\"%s\": expected a time like 2026-01-01T00:00:00.000000+0000", key);
	return 0;
}

/* milliseconds (3 decimals) -> microseconds */
static int get_ms(struct rd *r, const char *where, json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return fail(r, where, "missing \"%s\"", key);
	double x = json_is_number(v) ? json_number_value(v) : -1;
	if (!(x >= 0 && x < 1e12))
		return fail(r, where, "\"%s\": expected milliseconds 0..1e12", key);
	*out = (uint64_t)llround(x * 1000.0);
	return 0;
}

static int get_pair(struct rd *r, const char *where, json_t *v, double *lo, double *hi)
{
	if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_number(json_array_get(v, 0)) ||
	    !json_is_number(json_array_get(v, 1)))
		return fail(r, where, "expected [lo, hi] (numbers)");
	*lo = json_number_value(json_array_get(v, 0));
	*hi = json_number_value(json_array_get(v, 1));
	if (!isfinite(*lo) || !isfinite(*hi) || *lo > *hi)
		return fail(r, where, "expected [lo, hi] with lo <= hi");
	if (*lo == 0)
		*lo = 0; /* no -0 */
	if (*hi == 0)
		*hi = 0;
	return 0;
}

static int get_ranges(struct rd *r, const char *where, json_t *a, struct bl_rangeset *rs)
{
	if (!json_is_array(a))
		return fail(r, where, "\"ranges\": expected a list of [lo, hi]");
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		char w[300];
		pathf(w, sizeof(w), "%s.ranges[%zu]", where, i);
		json_t *lo = json_array_get(e, 0), *hi = json_array_get(e, 1);
		if (!json_is_array(e) || json_array_size(e) != 2 || !json_is_integer(lo) ||
		    !json_is_integer(hi) || json_integer_value(lo) < 0 ||
		    json_integer_value(hi) > 4294967295LL ||
		    json_integer_value(lo) > json_integer_value(hi))
			return fail(r, w, "expected [lo, hi], integers with 0 <= lo <= hi <= 4294967295");
		if (bl_rs_add(rs, (uint32_t)json_integer_value(lo), (uint32_t)json_integer_value(hi), 0) < 0)
			return fail(r, w, "out of memory");
	}
	if (rs->n > r->cfg->max_ranges)
		return fail(r, where, "%u ranges, more than baseline.max-ranges (%u)", rs->n,
			    r->cfg->max_ranges);
	return 0;
}

static int get_space(struct rd *r, const char *where, json_t *o, const char **name, uint16_t *id,
		     uint32_t *qual)
{
	uint64_t x = 0, q = 0;
	if (get_str(r, where, o, "space", true, name) < 0 ||
	    get_u64(r, where, o, "space_id", true, 65535, &x) < 0 ||
	    get_u64(r, where, o, "qualifier", false, UINT32_MAX, &q) < 0)
		return -1;
	if (strlen(*name) >= BL_NAME_LEN || check_text(r, where, *name, BL_NAME_LEN) < 0)
		return fail(r, where, "\"space\": a name of at most %d printable characters",
			    BL_NAME_LEN - 1);
	*id = (uint16_t)x;
	*qual = (uint32_t)q;
	return 0;
}

static int read_period(struct rd *r, const char *where, json_t *o, const char *key,
		       struct bl_period *per)
{
	json_t *p;
	if (get_obj(r, where, o, key, false, &p) < 0)
		return -1;
	if (!p)
		return 0;
	static const char *const pk[] = { "samples", "mean_ms", "sd_ms", "min_ms", "max_ms", NULL };
	char w[300];
	pathf(w, sizeof(w), "%s.%s", where, key);
	if (keys_only(r, w, p, pk) < 0 ||
	    get_u64(r, w, p, "samples", true, UINT64_MAX >> 1, &per->n) < 0 ||
	    get_ms(r, w, p, "mean_ms", &per->mean) < 0 || get_ms(r, w, p, "sd_ms", &per->sd) < 0 ||
	    get_ms(r, w, p, "min_ms", &per->min) < 0 || get_ms(r, w, p, "max_ms", &per->max) < 0)
		return -1;
	if (per->min > per->max)
		return fail(r, w, "min_ms above max_ms");
	if (!per->n)
		return fail(r, w, "samples: at least 1");
	return 0;
}

static int read_func(struct rd *r, const char *where, json_t *o, struct bl_conv *cv)
{
	static const char *const keys[] = { "code", "name", "class", "requests", "responses",
					    "reports", "period", "connection_period", "addresses",
					    "names", NULL };
	if (!json_is_object(o))
		return fail(r, where, "expected an object");
	if (keys_only(r, where, o, keys) < 0)
		return -1;
	json_t *c = json_object_get(o, "code");
	if (!json_is_integer(c) || json_integer_value(c) < -1 || json_integer_value(c) > INT32_MAX)
		return fail(r, where, "\"code\": expected an integer -1..%d", INT32_MAX);
	int32_t code = (int32_t)json_integer_value(c);
	if (bl_conv_find_func(cv, code))
		return fail(r, where, "function %d twice in the conversation", code);
	if (cv->n_funcs >= r->cfg->max_functions)
		return fail(r, where, "more functions than baseline.max-functions (%u)",
			    r->cfg->max_functions);
	struct bl_func *fn = bl_conv_func(cv, code, true, UINT32_MAX);
	if (!fn)
		return fail(r, where, "out of memory");
	const char *name, *cls;
	if (get_str(r, where, o, "name", false, &name) < 0 ||
	    get_str(r, where, o, "class", true, &cls) < 0)
		return -1;
	if (name) {
		if (strlen(name) >= BL_NAME_LEN || check_text(r, where, name, BL_NAME_LEN) < 0)
			return fail(r, where, "\"name\": at most %d printable characters", BL_NAME_LEN - 1);
		snprintf(fn->name, sizeof(fn->name), "%s", name);
	}
	int k = bl_class_parse(cls);
	if (k < 0)
		return fail(r, where, "\"class\": \"%.40s\" is not one of other, read, write, control, "
			    "program, diagnostic, discovery, file, session, report", cls);
	fn->fclass = (uint8_t)k;
	if (get_u64(r, where, o, "requests", true, UINT64_MAX >> 1, &fn->count[0]) < 0 ||
	    get_u64(r, where, o, "responses", true, UINT64_MAX >> 1, &fn->count[1]) < 0 ||
	    get_u64(r, where, o, "reports", true, UINT64_MAX >> 1, &fn->count[2]) < 0)
		return -1;
	if (read_period(r, where, o, "period", &fn->per) < 0 ||
	    read_period(r, where, o, "connection_period", &fn->cper) < 0)
		return -1;
	json_t *a;
	if (get_arr(r, where, o, "addresses", false, &a) < 0)
		return -1;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		char w[300];
		pathf(w, sizeof(w), "%s.addresses[%zu]", where, i);
		static const char *const ak[] = { "space", "space_id", "qualifier", "ranges", NULL };
		if (!json_is_object(e))
			return fail(r, w, "expected an object");
		const char *sn;
		uint16_t id;
		uint32_t q;
		if (keys_only(r, w, e, ak) < 0 || get_space(r, w, e, &sn, &id, &q) < 0)
			return -1;
		if (bl_func_find_space(fn, id, q))
			return fail(r, w, "space %u (qualifier %u) twice in the function", id, q);
		struct bl_space *sp = bl_func_space(fn, id, q, true);
		if (!sp)
			return fail(r, w, "out of memory");
		snprintf(sp->name, sizeof(sp->name), "%s", sn);
		json_t *rg = json_object_get(e, "ranges");
		if (!rg)
			return fail(r, w, "missing \"ranges\"");
		if (get_ranges(r, w, rg, &sp->rs) < 0)
			return -1;
	}
	if (get_arr(r, where, o, "names", false, &a) < 0)
		return -1;
	json_array_foreach(a, i, e) {
		char w[300];
		pathf(w, sizeof(w), "%s.names[%zu]", where, i);
		static const char *const nk[] = { "space", "space_id", "values", NULL };
		if (!json_is_object(e))
			return fail(r, w, "expected an object");
		const char *sn;
		uint16_t id;
		uint32_t q;
		json_t *vals;
		if (keys_only(r, w, e, nk) < 0 || get_space(r, w, e, &sn, &id, &q) < 0 ||
		    get_arr(r, w, e, "values", true, &vals) < 0)
			return -1;
		if (bl_func_find_names(fn, id))
			return fail(r, w, "name space %u twice in the function", id);
		struct bl_names *ns = bl_func_names(fn, id, true);
		if (!ns)
			return fail(r, w, "out of memory");
		snprintf(ns->name, sizeof(ns->name), "%s", sn);
		size_t k2;
		json_t *v;
		json_array_foreach(vals, k2, v) {
			char w2[320];
			pathf(w2, sizeof(w2), "%s.values[%zu]", w, k2);
			if (!json_is_string(v))
				return fail(r, w2, "expected a string");
			if (check_text(r, w2, json_string_value(v), BL_STR_MAX) < 0)
				return -1;
			int rc = bl_names_add(ns, json_string_value(v), r->cfg->max_names);
			if (rc < 0)
				return fail(r, w2, "out of memory");
			if (rc > 0)
				return fail(r, w, "more names than baseline.max-names (%u)", r->cfg->max_names);
		}
	}
	return 0;
}

static int read_values(struct rd *r, const char *where, json_t *a, struct bl_conv *cv)
{
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		char w[300];
		pathf(w, sizeof(w), "%s.values[%zu]", where, i);
		static const char *const vk[] = { "space", "space_id", "qualifier", "address",
						  "written", "reported", NULL };
		if (!json_is_object(e))
			return fail(r, w, "expected an object");
		const char *sn;
		uint16_t id;
		uint32_t q;
		uint64_t addr;
		if (keys_only(r, w, e, vk) < 0 || get_space(r, w, e, &sn, &id, &q) < 0 ||
		    get_u64(r, w, e, "address", true, UINT32_MAX, &addr) < 0)
			return -1;
		if (bl_conv_find_value(cv, id, q, (uint32_t)addr))
			return fail(r, w, "address %llu of space %u twice", (unsigned long long)addr, id);
		bool capped = false;
		struct bl_value *v = bl_conv_value(cv, id, q, (uint32_t)addr, true, r->cfg->max_values,
						   &capped);
		if (!v)
			return capped ? fail(r, w, "more values than baseline.max-values (%u)",
					     r->cfg->max_values)
				      : fail(r, w, "out of memory");
		snprintf(v->name, sizeof(v->name), "%s", sn);
		json_t *x = json_object_get(e, "written");
		if (x) {
			char w2[320];
			pathf(w2, sizeof(w2), "%s.written", w);
			if (get_pair(r, w2, x, &v->wlo, &v->whi) < 0)
				return -1;
			v->has_w = true;
		}
		x = json_object_get(e, "reported");
		if (x) {
			char w2[320];
			pathf(w2, sizeof(w2), "%s.reported", w);
			if (get_pair(r, w2, x, &v->rlo, &v->rhi) < 0)
				return -1;
			v->has_r = true;
		}
		if (!v->has_w && !v->has_r)
			return fail(r, w, "needs \"written\" or \"reported\"");
	}
	return 0;
}

static int read_host(struct rd *r, const char *where, json_t *o, const char *key, struct bl_host *h)
{
	const char *s;
	if (get_str(r, where, o, key, true, &s) < 0)
		return -1;
	if (bl_host_parse(s, h) < 0)
		return fail(r, where, "\"%s\": \"%.60s\" is not an IPv4, IPv6 or MAC address", key, s);
	return 0;
}

static int read_proto(struct rd *r, const char *where, json_t *o, int *proto)
{
	const char *s;
	if (get_str(r, where, o, "protocol", true, &s) < 0)
		return -1;
	*proto = app_parser_index(s);
	if (*proto < 0)
		return fail(r, where, "\"protocol\": unknown protocol \"%.40s\"", s);
	return 0;
}

static int read_conv(struct rd *r, const char *where, json_t *o)
{
	static const char *const keys[] = { "client", "server", "protocol", "first", "last",
					    "transactions", "units", "functions", "values", NULL };
	if (!json_is_object(o))
		return fail(r, where, "expected an object");
	if (keys_only(r, where, o, keys) < 0)
		return -1;
	struct bl_host c, s;
	int proto;
	if (read_host(r, where, o, "client", &c) < 0 || read_host(r, where, o, "server", &s) < 0 ||
	    read_proto(r, where, o, &proto) < 0)
		return -1;
	if (bl_model_find(r->m, &c, &s, proto, bl_conv_hash(&c, &s, proto)))
		return fail(r, where, "the conversation is there twice");
	bool capped = false;
	struct bl_conv *cv = bl_model_conv(r->m, &c, &s, proto, true, &capped);
	if (!cv)
		return capped ? fail(r, where, "more conversations than baseline.max-conversations (%u)",
				     r->cfg->max_conversations)
			      : fail(r, where, "out of memory");
	if (get_time(r, where, o, "first", &cv->first) < 0 ||
	    get_time(r, where, o, "last", &cv->last) < 0 ||
	    get_u64(r, where, o, "transactions", true, UINT64_MAX >> 1, &cv->txs) < 0)
		return -1;
	json_t *u;
	if (get_obj(r, where, o, "units", false, &u) < 0)
		return -1;
	if (u) {
		char w[300];
		pathf(w, sizeof(w), "%s.units", where);
		static const char *const uk[] = { "name", "ranges", NULL };
		const char *un;
		if (keys_only(r, w, u, uk) < 0 || get_str(r, w, u, "name", true, &un) < 0)
			return -1;
		if (strlen(un) >= BL_NAME_LEN || check_text(r, w, un, BL_NAME_LEN) < 0)
			return fail(r, w, "\"name\": at most %d printable characters", BL_NAME_LEN - 1);
		snprintf(cv->unit_name, sizeof(cv->unit_name), "%s", un);
		json_t *rg = json_object_get(u, "ranges");
		if (!rg)
			return fail(r, w, "missing \"ranges\"");
		if (get_ranges(r, w, rg, &cv->units) < 0)
			return -1;
	}
	json_t *a;
	if (get_arr(r, where, o, "functions", true, &a) < 0)
		return -1;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		char w[300];
		pathf(w, sizeof(w), "%s.functions[%zu]", where, i);
		if (read_func(r, w, e, cv) < 0)
			return -1;
	}
	if (get_arr(r, where, o, "values", false, &a) < 0)
		return -1;
	return a ? read_values(r, where, a, cv) : 0;
}

static int read_ident(struct rd *r, const char *where, json_t *o)
{
	static const char *const keys[] = { "host", "protocol", "attributes", NULL };
	if (!json_is_object(o))
		return fail(r, where, "expected an object");
	struct bl_host h;
	int proto;
	json_t *at;
	if (keys_only(r, where, o, keys) < 0 || read_host(r, where, o, "host", &h) < 0 ||
	    read_proto(r, where, o, &proto) < 0 || get_obj(r, where, o, "attributes", true, &at) < 0)
		return -1;
	if (bl_model_find_ident(r->m, &h, proto))
		return fail(r, where, "the host and protocol are there twice");
	bool capped = false;
	struct bl_ident *id = bl_model_ident(r->m, &h, proto, true, &capped);
	if (!id)
		return capped ? fail(r, where, "more identities than baseline.max-identities (%u)",
				     r->cfg->max_identities)
			      : fail(r, where, "out of memory");
	if (json_object_size(at) > BL_IDENT_ATTRS)
		return fail(r, where, "more than %d attributes", BL_IDENT_ATTRS);
	const char *k;
	json_t *v;
	json_object_foreach(at, k, v) {
		char w[300];
		pathf(w, sizeof(w), "%s.attributes.%.40s", where, k);
		if (strlen(k) >= BL_NAME_LEN || check_text(r, w, k, BL_NAME_LEN) < 0)
			return fail(r, w, "a key of at most %d printable characters", BL_NAME_LEN - 1);
		if (!json_is_array(v) || json_array_size(v) > BL_IDENT_VALUES || !json_array_size(v))
			return fail(r, w, "expected a list of 1 to %d strings", BL_IDENT_VALUES);
		size_t i;
		json_t *s;
		json_array_foreach(v, i, s) {
			if (!json_is_string(s))
				return fail(r, w, "expected strings");
			if (check_text(r, w, json_string_value(s), BL_STR_MAX) < 0)
				return -1;
			if (bl_ident_add(id, k, json_string_value(s)))
				return fail(r, w, "too many values");
		}
	}
	return 0;
}

static int read_root(struct rd *r, json_t *root)
{
	static const char *const keys[] = { "format", "version", "learned", "limits", "conversations",
					    "identities", NULL };
	if (!json_is_object(root))
		return fail(r, "", "expected a JSON object (a baseline written by vigil learn)");
	if (keys_only(r, "", root, keys) < 0)
		return -1;
	const char *fmt;
	uint64_t ver = 0;
	if (get_str(r, "", root, "format", true, &fmt) < 0)
		return -1;
	if (strcmp(fmt, BL_FORMAT) != 0)
		return fail(r, "", "\"format\": expected \"%s\"", BL_FORMAT);
	if (get_u64(r, "", root, "version", true, UINT32_MAX, &ver) < 0)
		return -1;
	if (ver != BL_VERSION)
		return fail(r, "", "version %llu: this vigil reads version %d",
			    (unsigned long long)ver, BL_VERSION);
	json_t *l;
	if (get_obj(r, "", root, "learned", true, &l) < 0)
		return -1;
	static const char *const lk[] = { "first", "last", "transactions", NULL };
	if (keys_only(r, "learned", l, lk) < 0 || get_time(r, "learned", l, "first", &r->m->first) < 0 ||
	    get_time(r, "learned", l, "last", &r->m->last) < 0 ||
	    get_u64(r, "learned", l, "transactions", true, UINT64_MAX >> 1, &r->m->txs) < 0)
		return -1;
	if (get_obj(r, "", root, "limits", false, &l) < 0)
		return -1;
	if (l) {
		static const char *const mk[] = { "conversations_dropped", "functions_dropped",
						  "values_dropped", "names_dropped", "ranges_merged",
						  "identities_dropped", "starts_dropped", NULL };
		struct bl_limits *x = &r->m->lim;
		uint64_t *f[] = { &x->conversations_dropped, &x->functions_dropped, &x->values_dropped,
				  &x->names_dropped, &x->ranges_merged, &x->identities_dropped,
				  &x->starts_dropped };
		if (keys_only(r, "limits", l, mk) < 0)
			return -1;
		for (int i = 0; mk[i]; i++)
			if (get_u64(r, "limits", l, mk[i], true, UINT64_MAX >> 1, f[i]) < 0)
				return -1;
	}
	json_t *a;
	if (get_arr(r, "", root, "conversations", true, &a) < 0)
		return -1;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		char w[64];
		pathf(w, sizeof(w), "conversations[%zu]", i);
		if (read_conv(r, w, e) < 0)
			return -1;
	}
	if (get_arr(r, "", root, "identities", false, &a) < 0)
		return -1;
	json_array_foreach(a, i, e) {
		char w[64];
		pathf(w, sizeof(w), "identities[%zu]", i);
		if (read_ident(r, w, e) < 0)
			return -1;
	}
	return 0;
}

static struct bl_model *load_json(const char *name, json_t *root, const struct bl_config *cfg,
				  char *err, size_t errlen)
{
	struct rd r = { name, err, errlen, cfg, bl_model_new(cfg) };
	if (!r.m) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	if (read_root(&r, root) < 0 || bl_model_finish(r.m) < 0) {
		if (!err[0])
			snprintf(err, errlen, "%s: out of memory", name);
		bl_model_free(r.m);
		return NULL;
	}
	return r.m;
}

struct bl_model *bl_load_mem(const char *name, const char *text, size_t len,
			     const struct bl_config *cfg, char *err, size_t errlen)
{
	err[0] = 0;
	if (len > cfg->max_file_bytes) {
		snprintf(err, errlen, "%s: %zu bytes, more than baseline.max-file-size (%llu)", name, len,
			 (unsigned long long)cfg->max_file_bytes);
		return NULL;
	}
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "%s:%d:%d: %s", name, je.line, je.column, je.text);
		return NULL;
	}
	struct bl_model *m = load_json(name, root, cfg, err, errlen);
	json_decref(root);
	return m;
}

struct bl_model *bl_load(const char *path, const struct bl_config *cfg, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	if ((uint64_t)sb.st_size > cfg->max_file_bytes) {
		snprintf(err, errlen, "%s: %lld bytes, more than baseline.max-file-size (%llu)", path,
			 (long long)sb.st_size, (unsigned long long)cfg->max_file_bytes);
		fclose(f);
		return NULL;
	}
	size_t n = (size_t)sb.st_size;
	char *buf = malloc(n + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(f);
		return NULL;
	}
	size_t got = fread(buf, 1, n, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad || got != n) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	struct bl_model *m = bl_load_mem(path, buf, n, cfg, err, errlen);
	free(buf);
	return m;
}
