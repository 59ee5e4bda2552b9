/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigil report`: the model built from EVE records (report.h, model.h).
 *
 * Records are read with jansson, one at a time, and folded into fixed
 * tables: hosts (by IP address, or by MAC for layer-2 talkers), triples
 * (client, server, protocol) with their function classes, rules, the
 * earliest alerts (a max-heap), anomaly events, and the alert timeline.
 * Addresses are checked (inet_pton, MAC syntax) before they become keys,
 * so a key is never text an attacker chose; every other string is kept
 * truncated on a UTF-8 boundary and escaped when the page is written.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report/model.h"
#include "util/civil.h"

const char *const rp_role_names[RP_ROLE_COUNT] = {
	"master", "hmi", "engineering_workstation", "field_device", "server", "publisher",
};

void report_limits_default(struct report_limits *lim)
{
	lim->nodes = 4096;
	lim->edges = 16384;
	lim->rules = 4096;
	lim->alerts = 500;
	lim->anomalies = 512;
	lim->map_nodes = 120;
	lim->map_edges = 360;
	lim->line_max = 1u << 20;
}

static size_t pow2_above(size_t n)
{
	size_t p = 16;
	while (p < 2 * n)
		p <<= 1;
	return p;
}

struct report *report_new(const struct report_limits *lim)
{
	struct report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (lim)
		r->lim = *lim;
	else
		report_limits_default(&r->lim);
	struct report_limits *l = &r->lim;
	if (!l->nodes)
		l->nodes = 1;
	if (!l->edges)
		l->edges = 1;
	if (!l->rules)
		l->rules = 1;
	if (l->line_max < 64)
		l->line_max = 64;
	if (l->nodes > UINT32_MAX / 4 || l->edges > UINT32_MAX / 4 || l->rules > UINT32_MAX / 4)
		goto err;
	r->node_hash_mask = pow2_above(l->nodes) - 1;
	r->edge_hash_mask = pow2_above(l->edges) - 1;
	r->rule_hash_mask = pow2_above(l->rules) - 1;
	r->nodes = calloc(l->nodes, sizeof(*r->nodes));
	r->node_hash = calloc(r->node_hash_mask + 1, sizeof(uint32_t));
	r->edges = calloc(l->edges, sizeof(*r->edges));
	r->edge_hash = calloc(r->edge_hash_mask + 1, sizeof(uint32_t));
	r->rules = calloc(l->rules, sizeof(*r->rules));
	r->rule_hash = calloc(r->rule_hash_mask + 1, sizeof(uint32_t));
	r->alerts = calloc(l->alerts ? l->alerts : 1, sizeof(*r->alerts));
	r->anomalies = calloc(l->anomalies ? l->anomalies : 1, sizeof(*r->anomalies));
	if (!r->nodes || !r->node_hash || !r->edges || !r->edge_hash || !r->rules ||
	    !r->rule_hash || !r->alerts || !r->anomalies)
		goto err;
	snprintf(r->title, sizeof(r->title), "Vigil report");
	/* protocol 0: what could not be named (the table was full) */
	snprintf(r->protos[0], sizeof(r->protos[0]), "other");
	r->n_protos = 1;
	return r;
err:
	report_free(r);
	return NULL;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	free(r->nodes);
	free(r->node_hash);
	free(r->edges);
	free(r->edge_hash);
	free(r->rules);
	free(r->rule_hash);
	free(r->alerts);
	free(r->anomalies);
	free(r->pairs);
	free(r->edge_order);
	free(r);
}

/* ---- small helpers ---- */

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}
#define FNV0 0xcbf29ce484222325ull

/* s into out (cap bytes with the NUL), cut on a UTF-8 boundary */
static void copy_str(char *out, size_t cap, const char *s)
{
	if (!s) {
		out[0] = 0;
		return;
	}
	size_t n = strlen(s);
	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(out, s, n);
	out[n] = 0;
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* A valid IP address in canonical text, into out; false otherwise. */
static bool canon_ip(const char *s, char out[RP_ADDR], bool *multicast)
{
	unsigned char b[16];
	if (!s)
		return false;
	if (inet_pton(AF_INET, s, b) == 1) {
		*multicast = (b[0] & 0xf0) == 0xe0 || (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255);
		return inet_ntop(AF_INET, b, out, RP_ADDR) != NULL;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		*multicast = b[0] == 0xff;
		return inet_ntop(AF_INET6, b, out, RP_ADDR) != NULL;
	}
	return false;
}

/* aa:bb:cc:dd:ee:ff (either case) in lower case into out; false otherwise */
static bool canon_mac(const char *s, char out[RP_ADDR], bool *multicast)
{
	if (!s || strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[17] = 0;
	unsigned first = (unsigned)strtoul(out, NULL, 16);
	*multicast = (first & 1) != 0;
	return true;
}

uint64_t rp_parse_time(const char *s)
{
	if (!s)
		return 0;
	unsigned v[6];
	const char *p = s;
	static const int w[6] = { 4, 2, 2, 2, 2, 2 };
	static const char sep[6] = { '-', '-', 'T', ':', ':', 0 };
	for (int i = 0; i < 6; i++) {
		v[i] = 0;
		for (int k = 0; k < w[i]; k++, p++) {
			if (*p < '0' || *p > '9')
				return 0;
			v[i] = v[i] * 10 + (unsigned)(*p - '0');
		}
		if (sep[i]) {
			if (*p != sep[i] && !(i == 2 && *p == ' '))
				return 0;
			p++;
		}
	}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		return 0;
	uint64_t usec = 0;
	if (*p == '.') {
		p++;
		int digits = 0;
		while (*p >= '0' && *p <= '9') {
			if (digits < 6) {
				usec = usec * 10 + (uint64_t)(*p - '0');
				digits++;
			}
			p++;
		}
		while (digits++ < 6)
			usec *= 10;
	}
	int64_t off = 0;
	if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		p++;
		unsigned hh = 0, mm = 0;
		if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
			return 0;
		hh = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
		p += 2;
		if (*p == ':')
			p++;
		if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9') {
			mm = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
			p += 2;
		}
		if (hh > 23 || mm > 59)
			return 0;
		off = sign * (int64_t)(hh * 3600 + mm * 60);
	} else if (*p == 'Z') {
		p++;
	}
	if (*p)
		return 0;
	/* days from civil (H. Hinnant) */
	int64_t y = (int64_t)v[0] - (v[1] <= 2);
	int64_t era = y / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = v[1] > 2 ? (int64_t)v[1] - 3 : (int64_t)v[1] + 9;
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)v[2] - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	int64_t sec = days * 86400 + (int64_t)v[3] * 3600 + (int64_t)v[4] * 60 + (int64_t)v[5] - off;
	if (sec <= 0)
		return 0;
	return (uint64_t)sec * 1000000u + usec;
}

void rp_format_time(char out[32], uint64_t usec)
{
	if (!usec) {
		snprintf(out, 32, "-");
		return;
	}
	civil_format_sec(out, usec / 1000000u);
	out[10] = ' ';
	out[19] = '.';
	civil_put_digits(out + 20, (unsigned)(usec % 1000000u), 6);
	out[26] = 0;
}

enum rp_kind rp_node_kind(const struct rp_node *n)
{
	if (n->roles & (RP_R_MASTER | RP_R_HMI | RP_R_ENG))
		return RP_K_SUPERVISORY;
	if (n->roles & (RP_R_FIELD | RP_R_SERVER | RP_R_PUBLISHER))
		return RP_K_FIELD;
	return RP_K_OTHER;
}

static void span(uint64_t *first, uint64_t *last, uint64_t ts)
{
	if (!ts)
		return;
	if (!*first || ts < *first)
		*first = ts;
	if (ts > *last)
		*last = ts;
}

/* ---- tables ---- */

/* Protocol name index (1..), 0 when the table is full (counted). */
static uint8_t proto_id(struct report *r, const char *name)
{
	char n[24];
	copy_str(n, sizeof(n), name);
	for (size_t i = 1; i < r->n_protos; i++)
		if (strcmp(r->protos[i], n) == 0)
			return (uint8_t)i;
	if (r->n_protos >= RP_PROTOS) {
		r->c.protos_dropped++;
		return 0;
	}
	memcpy(r->protos[r->n_protos], n, sizeof(n));
	return (uint8_t)r->n_protos++;
}

/* The host of a canonical key; created when new. -1 when the table is
 * full (counted). */
static int32_t node_get(struct report *r, const char *key, bool is_mac, bool multicast)
{
	size_t len = strlen(key);
	size_t h = (size_t)fnv(key, len, FNV0) & r->node_hash_mask;
	for (;; h = (h + 1) & r->node_hash_mask) {
		uint32_t v = r->node_hash[h];
		if (!v)
			break;
		if (strcmp(r->nodes[v - 1].key, key) == 0)
			return (int32_t)(v - 1);
	}
	if (r->n_nodes >= r->lim.nodes) {
		r->c.nodes_dropped++;
		return -1;
	}
	struct rp_node *n = &r->nodes[r->n_nodes];
	memset(n, 0, sizeof(*n));
	copy_str(n->key, sizeof(n->key), key);
	n->is_mac = is_mac;
	n->multicast = multicast;
	n->alias = -1;
	if (is_mac)
		copy_str(n->mac, sizeof(n->mac), key);
	r->node_hash[h] = (uint32_t)++r->n_nodes;
	return (int32_t)(r->n_nodes - 1);
}

/* The host named by an address of a record: IP first, else MAC. -1 when
 * neither is a valid address, -2 when the host table is full (counted). */
static int32_t node_of(struct report *r, const char *ip, const char *mac, uint64_t ts)
{
	char k[RP_ADDR];
	bool mc = false;
	int32_t i;
	if (canon_ip(ip, k, &mc))
		i = node_get(r, k, false, mc);
	else if (canon_mac(mac, k, &mc))
		i = node_get(r, k, true, mc);
	else
		return -1;
	if (i < 0)
		return -2;
	span(&r->nodes[i].first, &r->nodes[i].last, ts);
	return i;
}

static struct rp_edge *edge_get(struct report *r, int32_t src, int32_t dst, uint8_t proto)
{
	if (src < 0 || dst < 0)
		return NULL;
	uint32_t key[3] = { (uint32_t)src, (uint32_t)dst, proto };
	size_t h = (size_t)fnv(key, sizeof(key), FNV0) & r->edge_hash_mask;
	for (;; h = (h + 1) & r->edge_hash_mask) {
		uint32_t v = r->edge_hash[h];
		if (!v)
			break;
		struct rp_edge *e = &r->edges[v - 1];
		if (e->src == key[0] && e->dst == key[1] && e->proto == proto)
			return e;
	}
	if (r->n_edges >= r->lim.edges) {
		r->c.edges_dropped++;
		return NULL;
	}
	struct rp_edge *e = &r->edges[r->n_edges];
	memset(e, 0, sizeof(*e));
	e->src = key[0];
	e->dst = key[1];
	e->proto = proto;
	r->edge_hash[h] = (uint32_t)++r->n_edges;
	if (proto) {
		r->nodes[src].protos |= 1ull << proto;
		r->nodes[dst].protos |= 1ull << proto;
	}
	return e;
}

static struct rp_rule *rule_get(struct report *r, uint32_t gid, uint32_t sid)
{
	uint32_t key[2] = { gid, sid };
	size_t h = (size_t)fnv(key, sizeof(key), FNV0) & r->rule_hash_mask;
	for (;; h = (h + 1) & r->rule_hash_mask) {
		uint32_t v = r->rule_hash[h];
		if (!v)
			break;
		struct rp_rule *u = &r->rules[v - 1];
		if (u->gid == gid && u->sid == sid)
			return u;
	}
	if (r->n_rules >= r->lim.rules)
		return NULL;
	struct rp_rule *u = &r->rules[r->n_rules];
	memset(u, 0, sizeof(*u));
	u->gid = gid;
	u->sid = sid;
	r->rule_hash[h] = (uint32_t)++r->n_rules;
	return u;
}

/* ---- the earliest alerts: a max-heap on (ts, seq), the latest on top ---- */

static bool alert_later(const struct rp_alert *a, const struct rp_alert *b)
{
	return a->ts != b->ts ? a->ts > b->ts : a->seq > b->seq;
}

static void heap_down(struct rp_alert *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && alert_later(&h[l], &h[m]))
			m = l;
		if (l + 1 < n && alert_later(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		struct rp_alert t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void alert_keep(struct report *r, const struct rp_alert *a)
{
	struct rp_alert *h = r->alerts;
	if (!r->lim.alerts) {
		r->c.alerts_unlisted++;
		return;
	}
	if (r->n_alerts < r->lim.alerts) {
		size_t i = r->n_alerts++;
		h[i] = *a;
		while (i > 0 && alert_later(&h[i], &h[(i - 1) / 2])) {
			struct rp_alert t = h[i];
			h[i] = h[(i - 1) / 2];
			h[(i - 1) / 2] = t;
			i = (i - 1) / 2;
		}
		return;
	}
	r->c.alerts_unlisted++;
	if (!alert_later(&h[0], a))
		return; /* later than every listed one */
	h[0] = *a;
	heap_down(h, r->n_alerts, 0);
}

/* ---- the timeline ---- */

/* bar widths, usec: each a multiple of the one before */
static uint64_t hist_width(size_t i)
{
	static const uint64_t w[] = {
		10000,      50000,      100000,      500000,      1000000,     5000000,
		10000000,   30000000,   60000000,    300000000,   600000000,   1800000000,
		3600000000, 7200000000, 21600000000, 43200000000, 86400000000,
	};
	size_t n = sizeof(w) / sizeof(w[0]);
	if (i < n)
		return w[i];
	uint64_t v = w[n - 1];
	for (size_t k = n - 1; k < i && v < UINT64_MAX / 4; k++)
		v *= 2;
	return v;
}

static void hist_add(struct rp_hist *h, uint64_t ts, unsigned sev)
{
	if (!ts)
		return;
	uint64_t min = h->any && h->min < ts ? h->min : ts;
	uint64_t max = h->any && h->max > ts ? h->max : ts;
	uint64_t w = h->any ? h->width : hist_width(0);
	size_t wi = 0;
	while (hist_width(wi) < w)
		wi++;
	while (max / w - min / w >= RP_BUCKETS)
		w = hist_width(++wi);
	uint64_t base = min / w * w;
	if (h->any && (w != h->width || base != h->base)) {
		uint64_t old[RP_BUCKETS][RP_SEV];
		memcpy(old, h->n, sizeof(old));
		memset(h->n, 0, sizeof(h->n));
		for (size_t i = 0; i < RP_BUCKETS; i++) {
			uint64_t t = h->base + i * h->width;
			for (size_t s = 0; s < RP_SEV; s++)
				if (old[i][s])
					h->n[(t - base) / w][s] += old[i][s];
		}
	}
	h->any = true;
	h->min = min;
	h->max = max;
	h->width = w;
	h->base = base;
	h->n[(ts - base) / w][sev >= 1 && sev <= 4 ? sev - 1 : 4]++;
}

/* ---- records ---- */

static void count_type(struct report *r, const char *type)
{
	for (size_t i = 0; i < r->n_types; i++)
		if (strcmp(r->types[i].name, type) == 0) {
			r->types[i].count++;
			return;
		}
	if (r->n_types >= RP_TYPES) {
		r->c.types_dropped++;
		return;
	}
	copy_str(r->types[r->n_types].name, sizeof(r->types[0].name), type);
	r->types[r->n_types++].count = 1;
}

static void roles_of(uint8_t *roles, const json_t *arr)
{
	size_t i;
	json_t *v;
	uint8_t m = 0;
	json_array_foreach(arr, i, v) {
		for (int k = 0; k < RP_ROLE_COUNT; k++)
			if (streq(json_string_value(v), rp_role_names[k]))
				m |= (uint8_t)(1u << k);
		if (i >= 16)
			break;
	}
	*roles = m;
}

static int add_asset(struct report *r, const json_t *rec, uint64_t ts)
{
	const json_t *a = json_object_get(rec, "asset");
	if (!json_is_object(a))
		return -1;
	int32_t i = node_of(r, sget(a, "ip"), sget(a, "mac"), ts);
	if (i == -1)
		return -1;
	if (i < 0)
		return 1;
	struct rp_node *n = &r->nodes[i];
	n->asset = true;
	n->records++;
	static const struct {
		const char *key;
		size_t off;
	} f[] = {
		{ "vendor", offsetof(struct rp_node, vendor) },
		{ "product", offsetof(struct rp_node, product) },
		{ "model", offsetof(struct rp_node, model) },
		{ "firmware", offsetof(struct rp_node, firmware) },
		{ "serial", offsetof(struct rp_node, serial) },
		{ "name", offsetof(struct rp_node, name) },
		{ "mac_vendor", offsetof(struct rp_node, mac_vendor) },
	};
	for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
		const char *v = sget(a, f[k].key);
		if (v && *v)
			copy_str((char *)n + f[k].off, RP_STR, v);
	}
	char mac[RP_ADDR];
	bool mc;
	if (!n->is_mac && canon_mac(sget(a, "mac"), mac, &mc))
		memcpy(n->mac, mac, sizeof(mac));
	const json_t *roles = json_object_get(a, "roles");
	if (json_is_array(roles))
		roles_of(&n->roles, roles);
	size_t k;
	json_t *p;
	json_array_foreach(json_object_get(a, "protocols"), k, p) {
		const char *s = json_string_value(p);
		if (s && *s) {
			uint8_t id = proto_id(r, s);
			if (id)
				n->protos |= 1ull << id;
		}
		if (k >= 32)
			break;
	}
	span(&n->first, &n->last, rp_parse_time(sget(a, "first_seen")));
	span(&n->first, &n->last, rp_parse_time(sget(a, "last_seen")));
	return 1;
}

/* The protocol an edge of rec is labelled with: app_proto, else nDPI's
 * name of it, else the transport (tcp, udp...), lower case; else NULL. */
static const char *edge_proto(const json_t *rec, char buf[24])
{
	const char *ap = sget(rec, "app_proto");
	if (ap && *ap && strcmp(ap, "failed") != 0 && strcmp(ap, "unknown") != 0)
		return ap;
	const char *t = sget(json_object_get(rec, "ndpi"), "protocol");
	if (!t || !*t || strcasecmp(t, "unknown") == 0)
		t = sget(rec, "proto");
	if (!t || !*t)
		return NULL;
	size_t i = 0;
	for (; t[i] && i < 23; i++)
		buf[i] = (char)tolower((unsigned char)t[i]);
	buf[i] = 0;
	return buf;
}

static void note_port(struct rp_edge *e, const json_t *rec)
{
	json_t *p = json_object_get(rec, "dest_port");
	if (!json_is_integer(p) || json_integer_value(p) < 0 || json_integer_value(p) > 65535)
		return;
	uint16_t v = (uint16_t)json_integer_value(p);
	for (uint8_t i = 0; i < e->n_ports; i++)
		if (e->ports[i] == v)
			return;
	if (e->n_ports < 4)
		e->ports[e->n_ports++] = v;
	else
		e->more_ports = true;
}

static const char *l2_addr(const json_t *rec, const char *k)
{
	return sget(json_object_get(rec, "ether"), k);
}

static int add_flow(struct report *r, const json_t *rec, uint64_t ts)
{
	const json_t *fl = json_object_get(rec, "flow");
	if (!json_is_object(fl))
		fl = json_object_get(rec, "netflow");
	uint64_t start = rp_parse_time(sget(fl, "start")), end = rp_parse_time(sget(fl, "end"));
	int32_t s = node_of(r, sget(rec, "src_ip"), NULL, start ? start : ts);
	int32_t d = node_of(r, sget(rec, "dest_ip"), NULL, start ? start : ts);
	if (s == -1 || d == -1)
		return -1;
	if (s < 0 || d < 0)
		return 1;
	span(&r->nodes[s].first, &r->nodes[s].last, end);
	span(&r->nodes[d].first, &r->nodes[d].last, end);
	char buf[24];
	const char *p = edge_proto(rec, buf);
	struct rp_edge *e = edge_get(r, s, d, p ? proto_id(r, p) : 0);
	if (!e)
		return 1;
	e->flows++;
	span(&e->first, &e->last, start ? start : ts);
	span(&e->first, &e->last, end);
	const char *ap = sget(rec, "app_proto");
	if (!ap || !*ap || streq(ap, "failed") || streq(ap, "unknown"))
		note_port(e, rec);
	return 1;
}

static int add_tx(struct report *r, const json_t *rec, const char *type, const json_t *obj,
		  uint64_t ts)
{
	int32_t s = node_of(r, sget(rec, "src_ip"), l2_addr(rec, "src_mac"), ts);
	int32_t d = node_of(r, sget(rec, "dest_ip"), l2_addr(rec, "dest_mac"), ts);
	if (s == -1 || d == -1)
		return -1;
	if (s < 0 || d < 0)
		return 1;
	struct rp_edge *e = edge_get(r, s, d, proto_id(r, type));
	if (!e)
		return 1;
	e->txs++;
	e->classes |= (uint8_t)rp_fclass(type, obj);
	span(&e->first, &e->last, ts);
	return 1;
}

/* metadata.mitre_technique_id: the ids, comma-separated */
static void mitre_ids(char *out, size_t cap, const json_t *alert)
{
	const json_t *ids = json_object_get(json_object_get(alert, "metadata"), "mitre_technique_id");
	size_t i, k = 0;
	json_t *v;
	out[0] = 0;
	json_array_foreach(ids, i, v) {
		const char *s = json_string_value(v);
		if (!s)
			continue;
		int w = snprintf(out + k, cap - k, "%s%s", k ? ", " : "", s);
		if (w < 0 || (size_t)w >= cap - k) {
			out[k] = 0;
			break;
		}
		k += (size_t)w;
	}
}

static uint32_t u32_of(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	json_int_t x = json_is_integer(v) ? json_integer_value(v) : 0;
	return x < 0 ? 0 : x > UINT32_MAX ? UINT32_MAX : (uint32_t)x;
}

static int add_alert(struct report *r, const json_t *rec, uint64_t ts)
{
	const json_t *al = json_object_get(rec, "alert");
	if (!json_is_object(al))
		return -1;
	r->c.alerts++;
	uint32_t sid = u32_of(al, "signature_id"), gid = u32_of(al, "gid");
	unsigned sev = u32_of(al, "severity");
	const char *sig = sget(al, "signature");
	struct rp_rule *u = rule_get(r, gid, sid);
	if (u) {
		if (!u->count) {
			u->rev = u32_of(al, "rev");
			u->severity = (uint8_t)(sev > 255 ? 255 : sev);
			copy_str(u->signature, sizeof(u->signature), sig);
			copy_str(u->category, sizeof(u->category), sget(al, "category"));
			mitre_ids(u->mitre, sizeof(u->mitre), al);
		}
		u->count++;
		span(&u->first, &u->last, ts);
	} else {
		r->c.rule_alerts_dropped++;
	}
	hist_add(&r->hist, ts, sev);

	/* who caused it: the flow's client (an alert on a response is the
	 * server's packet, caused by who asked) */
	bool rev = streq(sget(rec, "direction"), "to_client");
	const char *sip = sget(rec, "src_ip"), *dip = sget(rec, "dest_ip");
	const char *smac = l2_addr(rec, "src_mac"), *dmac = l2_addr(rec, "dest_mac");
	json_t *sp = json_object_get(rec, "src_port"), *dp = json_object_get(rec, "dest_port");
	if (rev) {
		const char *t = sip;
		sip = dip;
		dip = t;
		t = smac;
		smac = dmac;
		dmac = t;
		json_t *tp = sp;
		sp = dp;
		dp = tp;
	}
	struct rp_alert a = { .ts = ts ? ts : UINT64_MAX, .seq = r->alert_seq++, .sid = sid };
	a.severity = (uint8_t)(sev > 255 ? 255 : sev);
	bool mc;
	if (!canon_ip(sip, a.src, &mc) && !canon_mac(smac, a.src, &mc))
		a.src[0] = 0;
	if (!canon_ip(dip, a.dst, &mc) && !canon_mac(dmac, a.dst, &mc))
		a.dst[0] = 0;
	json_int_t v = json_integer_value(sp);
	a.sport = v > 0 && v < 65536 ? (uint16_t)v : 0;
	v = json_integer_value(dp);
	a.dport = v > 0 && v < 65536 ? (uint16_t)v : 0;
	char buf[24];
	const char *p = edge_proto(rec, buf);
	copy_str(a.proto, sizeof(a.proto), p);
	copy_str(a.signature, sizeof(a.signature), sig);
	alert_keep(r, &a);

	int32_t s = node_of(r, sip, smac, ts), d = node_of(r, dip, dmac, ts);
	if (s >= 0) {
		struct rp_node *n = &r->nodes[s];
		n->alerts_src++;
		if (sev && (!n->worst_sev || sev < n->worst_sev))
			n->worst_sev = (uint8_t)(sev > 255 ? 255 : sev);
	}
	if (d >= 0)
		r->nodes[d].alerts_dst++;
	struct rp_edge *e = edge_get(r, s, d, p ? proto_id(r, p) : 0);
	if (e) {
		e->alerts++;
		if (sev && (!e->worst_sev || sev < e->worst_sev))
			e->worst_sev = (uint8_t)(sev > 255 ? 255 : sev);
		const char *ap = sget(rec, "app_proto");
		if (ap)
			e->classes |= (uint8_t)rp_fclass(ap, json_object_get(rec, ap));
		span(&e->first, &e->last, ts);
	}
	return 1;
}

static int add_anomaly(struct report *r, const json_t *rec, uint64_t ts)
{
	const json_t *an = json_object_get(rec, "anomaly");
	if (!json_is_object(an))
		return -1;
	const char *ev = sget(an, "event");
	const char *type = sget(an, "type");
	if (!ev)
		ev = type ? type : "unknown";
	char name[RP_STR];
	copy_str(name, sizeof(name), ev);
	for (size_t i = 0; i < r->n_anomalies; i++) {
		struct rp_anomaly *a = &r->anomalies[i];
		if (strcmp(a->event, name) == 0) {
			a->count++;
			span(&a->first, &a->last, ts);
			return 1;
		}
	}
	if (r->n_anomalies >= r->lim.anomalies) {
		r->c.anomaly_dropped++;
		return 1;
	}
	struct rp_anomaly *a = &r->anomalies[r->n_anomalies++];
	memcpy(a->event, name, sizeof(name));
	copy_str(a->type, sizeof(a->type), type);
	a->count = 1;
	span(&a->first, &a->last, ts);
	return 1;
}

int report_add(struct report *r, const char *json, size_t len)
{
	json_error_t err;
	json_t *rec = json_loadb(json, len, 0, &err);
	if (!json_is_object(rec)) {
		json_decref(rec);
		r->c.malformed++;
		return -1;
	}
	r->finished = false;
	r->c.records++;
	const char *type = sget(rec, "event_type");
	uint64_t ts = rp_parse_time(sget(rec, "timestamp"));
	if (!ts)
		r->c.no_time++;
	span(&r->first, &r->last, ts);
	int rc = 0;
	if (!type) {
		r->c.bad_fields++;
		goto out;
	}
	count_type(r, type);
	if (strcmp(type, "alert") == 0) {
		rc = add_alert(r, rec, ts);
	} else if (strcmp(type, "asset") == 0) {
		rc = add_asset(r, rec, ts);
	} else if (strcmp(type, "flow") == 0 || strcmp(type, "netflow") == 0) {
		rc = add_flow(r, rec, ts);
	} else if (strcmp(type, "anomaly") == 0) {
		rc = add_anomaly(r, rec, ts);
	} else {
		/* a transaction: its object is named after its event type */
		const json_t *obj = json_object_get(rec, type);
		if (json_is_object(obj) && strcmp(type, "stats") != 0)
			rc = add_tx(r, rec, type, obj, ts);
	}
	if (rc < 0) {
		r->c.bad_fields++;
		rc = 1;
	} else if (rc == 0) {
		r->c.ignored++;
	}
out:
	json_decref(rec);
	return rc;
}

/* ---- files ---- */

static void add_line(struct report *r, char *line, size_t n)
{
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	size_t i = 0;
	while (i < n && isspace((unsigned char)line[i]))
		i++;
	if (i == n) {
		r->c.blank++;
		return;
	}
	char *brace = memchr(line, '{', n);
	if (!brace) {
		r->c.not_json++;
		return;
	}
	report_add(r, brace, n - (size_t)(brace - line));
}

int report_read_stream(struct report *r, FILE *f)
{
	char *buf = malloc(r->lim.line_max + 1);
	if (!buf)
		return -1;
	/* lines of up to line_max bytes (the newline not counted), read with
	 * getc into one buffer: a NUL byte in a line does not cut it */
	size_t n = 0;
	bool skipping = false;
	int c;
	while ((c = getc_unlocked(f)) != EOF) {
		if (skipping) {
			if (c == '\n')
				skipping = false;
			continue;
		}
		if (c == '\n') {
			r->c.lines++;
			buf[n] = 0;
			add_line(r, buf, n);
			n = 0;
			continue;
		}
		if (n >= r->lim.line_max) {
			r->c.lines++;
			r->c.oversized++;
			n = 0;
			skipping = true;
			continue;
		}
		buf[n++] = (char)c;
	}
	if (n && !skipping) { /* a last line without its newline (cut short?) */
		r->c.lines++;
		buf[n] = 0;
		add_line(r, buf, n);
	}
	free(buf);
	return ferror(f) ? -1 : 0;
}

int report_read_file(struct report *r, const char *path, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = report_read_stream(r, f);
	if (f != stdin)
		fclose(f);
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "read error");
	return rc;
}

void report_add_source(struct report *r, const char *kind, const char *name)
{
	if (r->n_sources >= RP_SOURCES) {
		r->sources_more++;
		return;
	}
	copy_str(r->sources[r->n_sources][0], sizeof(r->sources[0][0]), kind);
	copy_str(r->sources[r->n_sources][1], sizeof(r->sources[0][1]), name);
	r->n_sources++;
}

void report_set_title(struct report *r, const char *title)
{
	copy_str(r->title, sizeof(r->title), title);
}
