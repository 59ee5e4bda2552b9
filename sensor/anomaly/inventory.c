/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigil inventory`: asset records merged per device (see inventory.h).
 * Reads EVE JSON with jansson; devices in a growing array (an inventory is
 * a tool run, not the sensor: its size is the records' own).
 */
#include "anomaly/inventory.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_MAX 64 /* replaced values kept per device */

struct inventory {
	json_t **dev; /* merged "asset" objects */
	size_t n, cap;
};

struct inventory *inventory_new(void)
{
	return calloc(1, sizeof(struct inventory));
}

void inventory_free(struct inventory *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->n; i++)
		json_decref(inv->dev[i]);
	free(inv->dev);
	free(inv);
}

size_t inventory_count(const struct inventory *inv)
{
	return inv->n;
}

static const char *sget(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static json_t *find(const struct inventory *inv, const char *ip, const char *mac)
{
	if (ip) {
		for (size_t i = 0; i < inv->n; i++)
			if (streq(sget(inv->dev[i], "ip"), ip))
				return inv->dev[i];
	}
	if (mac) { /* a device known by its MAC only */
		for (size_t i = 0; i < inv->n; i++)
			if (!sget(inv->dev[i], "ip") && streq(sget(inv->dev[i], "mac"), mac))
				return inv->dev[i];
	}
	return NULL;
}

/* Appends the strings of b missing from a (a JSON array of strings). */
static void union_strings(json_t *a, const json_t *b)
{
	size_t i;
	json_t *v;
	json_array_foreach(b, i, v) {
		bool have = false;
		size_t j;
		json_t *w;
		json_array_foreach(a, j, w)
			if (json_equal(v, w))
				have = true;
		if (!have)
			json_array_append(a, v);
	}
}

/* The identity of (protocol, component) in an identities array. */
static json_t *find_ident(json_t *arr, const json_t *id)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *c1 = sget(v, "component"), *c2 = sget(id, "component");
		if (streq(sget(v, "protocol"), sget(id, "protocol")) &&
		    ((!c1 && !c2) || streq(c1, c2)))
			return v;
	}
	return NULL;
}

static void merge(json_t *d, const json_t *a, const char *ts, const char *event)
{
	static const char *const scalars[] = { "ip", "mac", "mac_vendor", "vendor", "product",
					       "model", "firmware", "serial", "name",
					       "device_type" };
	for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
		json_t *v = json_object_get(a, scalars[i]);
		if (json_is_string(v))
			json_object_set(d, scalars[i], v);
	}
	/* roles as the latest record says (the sensor's are cumulative, but
	 * an HMI becomes a master, a master an engineering workstation) */
	json_t *lr = json_object_get(a, "roles");
	if (json_is_array(lr))
		json_object_set_new(d, "roles", json_deep_copy(lr));
	/* sets: the latest record's, in its order, then what earlier ones
	 * had besides */
	static const char *const sets[] = { "protocols", "macs" };
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		json_t *v = json_object_get(a, sets[i]);
		if (!json_is_array(v))
			continue;
		json_t *nv = json_deep_copy(v);
		json_t *have = json_object_get(d, sets[i]);
		if (json_is_array(have))
			union_strings(nv, have);
		json_object_set_new(d, sets[i], nv);
	}
	size_t i;
	json_t *ids = json_object_get(a, "identities");
	if (json_is_array(ids)) {
		json_t *have = json_object_get(d, "identities");
		if (!json_is_array(have)) {
			have = json_array();
			json_object_set_new(d, "identities", have);
		}
		json_t *id;
		json_array_foreach(ids, i, id) {
			json_t *h = find_ident(have, id);
			if (h)
				json_object_update(h, id);
			else
				json_array_append_new(have, json_deep_copy(id));
		}
	}
	const char *fs = sget(a, "first_seen"), *ls = sget(a, "last_seen");
	const char *dfs = sget(d, "first_seen"), *dls = sget(d, "last_seen");
	if (fs && (!dfs || strcmp(fs, dfs) < 0))
		json_object_set_new(d, "first_seen", json_string(fs));
	if (ls && (!dls || strcmp(ls, dls) > 0))
		json_object_set_new(d, "last_seen", json_string(ls));
	/* the history of replaced values */
	json_t *ch = json_object_get(a, "changes");
	if (streq(event, "change") && json_is_array(ch)) {
		json_t *hist = json_object_get(d, "changes");
		if (!json_is_array(hist)) {
			hist = json_array();
			json_object_set_new(d, "changes", hist);
		}
		json_t *c;
		json_array_foreach(ch, i, c) {
			if (!json_object_get(c, "old") || json_array_size(hist) >= HISTORY_MAX)
				continue;
			json_t *e = json_deep_copy(c);
			if (ts)
				json_object_set_new(e, "timestamp", json_string(ts));
			json_array_append_new(hist, e);
		}
	}
	json_t *n = json_object_get(d, "records");
	json_object_set_new(d, "records", json_integer(json_integer_value(n) + 1));
}

int inventory_add(struct inventory *inv, const char *json, size_t len)
{
	json_error_t e;
	json_t *rec = json_loadb(json, len, JSON_DISABLE_EOF_CHECK, &e);
	if (!rec)
		return -1;
	int rc = 0;
	json_t *a = json_object_get(rec, "asset");
	if (!streq(sget(rec, "event_type"), "asset") || !json_is_object(a))
		goto out;
	rc = -1;
	const char *ip = sget(a, "ip"), *mac = sget(a, "mac");
	if (!ip && !mac)
		goto out;
	json_t *d = find(inv, ip, mac);
	if (!d) {
		if (inv->n == inv->cap) {
			size_t cap = inv->cap ? inv->cap * 2 : 64;
			json_t **nd = realloc(inv->dev, cap * sizeof(*nd));
			if (!nd)
				goto out;
			inv->dev = nd;
			inv->cap = cap;
		}
		d = json_object();
		if (!d)
			goto out;
		inv->dev[inv->n++] = d;
	}
	merge(d, a, sget(rec, "timestamp"), sget(a, "event"));
	rc = 1;
out:
	json_decref(rec);
	return rc;
}

int inventory_read_file(struct inventory *inv, const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (!strstr(line, "\"event_type\":\"asset\""))
			continue;
		char *brace = strchr(line, '{'); /* past a syslog header */
		if (brace)
			inventory_add(inv, brace, (size_t)(line + n - brace));
	}
	bool bad = ferror(f);
	free(line);
	if (f != stdin)
		fclose(f);
	if (bad) {
		snprintf(err, errlen, "%s: read error", path);
		return -1;
	}
	return 0;
}

/* ---- order and printing ---- */

/* 0 IPv4, 1 IPv6 (its bytes in out), 2 neither */
static int addr_kind(const char *s, uint8_t *out)
{
	if (inet_pton(AF_INET, s, out) == 1)
		return 0;
	return inet_pton(AF_INET6, s, out) == 1 ? 1 : 2;
}

/* Sort key: IPv4 first (numerically), then IPv6, then MAC-only devices. */
static int dev_cmp(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
	const char *ia = sget(a, "ip"), *ib = sget(b, "ip");
	uint8_t xa[17] = { 0 }, xb[17] = { 0 };
	int ka = 2, kb = 2;
	if (ia)
		ka = addr_kind(ia, xa + 1);
	if (ib)
		kb = addr_kind(ib, xb + 1);
	if (ka != kb)
		return ka - kb;
	if (ka < 2) {
		int c = memcmp(xa + 1, xb + 1, ka == 0 ? 4 : 16);
		if (c)
			return c;
	}
	const char *ma = sget(a, "mac"), *mb = sget(b, "mac");
	return strcmp(ma ? ma : "", mb ? mb : "");
}

static json_t **sorted(const struct inventory *inv)
{
	json_t **v = malloc((inv->n ? inv->n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	memcpy(v, inv->dev, inv->n * sizeof(*v));
	qsort(v, inv->n, sizeof(*v), dev_cmp);
	return v;
}

void inventory_print_json(const struct inventory *inv, FILE *f)
{
	json_t **v = sorted(inv);
	json_t *arr = json_array();
	for (size_t i = 0; v && i < inv->n; i++)
		json_array_append(arr, v[i]);
	json_dumpf(arr, f, JSON_INDENT(1));
	fputc('\n', f);
	json_decref(arr);
	free(v);
}

#define NCOL 9
#define COL_MAX 40
static const char *const heads[NCOL] = { "IP", "MAC", "VENDOR", "PRODUCT/MODEL", "FIRMWARE",
					 "SERIAL", "NAME", "PROTOCOLS", "ROLES" };

struct row {
	char col[NCOL][COL_MAX + 1];
};

static void cell(char *out, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > COL_MAX) {
		memcpy(out, s, COL_MAX - 3);
		memcpy(out + COL_MAX - 3, "...", 4);
	} else {
		memcpy(out, s ? s : "", n);
		out[n] = 0;
	}
}

static void join(char *out, const json_t *arr)
{
	char buf[256] = "";
	size_t i, k = 0;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		if (!s)
			continue;
		int w = snprintf(buf + k, sizeof(buf) - k, "%s%s", k ? "," : "", s);
		if (w < 0 || (size_t)w >= sizeof(buf) - k)
			break;
		k += (size_t)w;
	}
	cell(out, buf);
}

static void product_model(char *out, const json_t *o)
{
	const char *p = sget(o, "product"), *m = sget(o, "model");
	char buf[256];
	if (p && m && strcmp(p, m))
		snprintf(buf, sizeof(buf), "%s / %s", p, m);
	else
		snprintf(buf, sizeof(buf), "%s", p ? p : m ? m : "");
	cell(out, buf);
}

static void dev_row(struct row *r, const json_t *d)
{
	cell(r->col[0], sget(d, "ip") ? sget(d, "ip") : "-");
	cell(r->col[1], sget(d, "mac"));
	const char *v = sget(d, "vendor");
	char buf[256];
	if (!v && sget(d, "mac_vendor")) {
		snprintf(buf, sizeof(buf), "(%s)", sget(d, "mac_vendor"));
		v = buf;
	}
	cell(r->col[2], v);
	product_model(r->col[3], d);
	cell(r->col[4], sget(d, "firmware"));
	cell(r->col[5], sget(d, "serial"));
	cell(r->col[6], sget(d, "name"));
	join(r->col[7], json_object_get(d, "protocols"));
	join(r->col[8], json_object_get(d, "roles"));
}

/* A module behind a device, with something to show in the table. */
static bool shown_module(const json_t *id)
{
	return sget(id, "component") && (sget(id, "vendor") || sget(id, "product") ||
					  sget(id, "model") || sget(id, "firmware") ||
					  sget(id, "serial"));
}

static void module_row(struct row *r, const json_t *id)
{
	char buf[COL_MAX + 8];
	snprintf(buf, sizeof(buf), "  %s", sget(id, "component"));
	cell(r->col[0], buf);
	r->col[1][0] = 0;
	cell(r->col[2], sget(id, "vendor"));
	product_model(r->col[3], id);
	cell(r->col[4], sget(id, "firmware"));
	cell(r->col[5], sget(id, "serial"));
	cell(r->col[6], sget(id, "name"));
	cell(r->col[7], sget(id, "protocol"));
	r->col[8][0] = 0;
}

void inventory_print_table(const struct inventory *inv, FILE *f)
{
	json_t **v = sorted(inv);
	if (!v)
		return;
	size_t nrows = 1;
	for (size_t i = 0; i < inv->n; i++) {
		nrows++;
		size_t k;
		json_t *id;
		json_array_foreach(json_object_get(v[i], "identities"), k, id)
			nrows += shown_module(id);
	}
	struct row *rows = calloc(nrows, sizeof(*rows));
	if (!rows) {
		free(v);
		return;
	}
	for (int c = 0; c < NCOL; c++)
		cell(rows[0].col[c], heads[c]);
	size_t r = 1;
	for (size_t i = 0; i < inv->n; i++) {
		dev_row(&rows[r++], v[i]);
		size_t k;
		json_t *id;
		json_array_foreach(json_object_get(v[i], "identities"), k, id)
			if (shown_module(id))
				module_row(&rows[r++], id);
	}
	size_t w[NCOL] = { 0 };
	for (size_t i = 0; i < r; i++)
		for (int c = 0; c < NCOL; c++)
			if (strlen(rows[i].col[c]) > w[c])
				w[c] = strlen(rows[i].col[c]);
	for (size_t i = 0; i < r; i++) {
		int last = NCOL - 1;
		while (last > 0 && !rows[i].col[last][0])
			last--;
		for (int c = 0; c <= last; c++)
			fprintf(f, "%-*s%s", c < last ? (int)w[c] : 0, rows[i].col[c],
				c < last ? "  " : "\n");
	}
	fprintf(f, "%zu device%s\n", inv->n, inv->n == 1 ? "" : "s");
	free(rows);
	free(v);
}
