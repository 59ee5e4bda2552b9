/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigil report`: what the map draws and where (model.h, report_finish).
 *
 * Deterministic: every choice is a sort with a total order ending on the
 * hosts' addresses. Three columns, left to right: supervisory hosts
 * (masters, HMIs, engineering workstations), field devices (and servers,
 * publishers), then hosts of no known role (unknown or external talkers,
 * multicast groups). Field devices are ordered by the mean height of the
 * supervisory hosts they talk to, and the third column by the mean height
 * of its peers (one barycentre pass: fewer crossings, same result every
 * time). A column of more than RP_ROWS hosts is split into sub-columns.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/model.h"

#define RP_ROWS 18
#define ROW_H 66.0f
#define SUBCOL_W 210.0f
#define BAND_GAP 250.0f
#define TOP 110.0f
#define MARGIN 60.0f

/* sort key of an address: IPv4, IPv6, then MAC; by their bytes */
int rp_addr_cmp(const char *a, const char *b)
{
	unsigned char xa[16] = { 0 }, xb[16] = { 0 };
	int ka = inet_pton(AF_INET, a, xa) == 1 ? 0 : inet_pton(AF_INET6, a, xa) == 1 ? 1 : 2;
	int kb = inet_pton(AF_INET, b, xb) == 1 ? 0 : inet_pton(AF_INET6, b, xb) == 1 ? 1 : 2;
	if (ka != kb)
		return ka - kb;
	if (ka < 2) {
		int c = memcmp(xa, xb, ka == 0 ? 4 : 16);
		if (c)
			return c;
	}
	return strcmp(a, b);
}

/* qsort has no context argument: the report being finished */
static const struct report *g_r;

static uint32_t res(const struct report *r, uint32_t i)
{
	return r->nodes[i].alias >= 0 ? (uint32_t)r->nodes[i].alias : i;
}

/* A MAC-only host whose MAC is the MAC of exactly one IP host is that
 * host: its counts move there (so that a second finish adds only what
 * came since), names fill the gaps. */
static void merge_aliases(struct report *r)
{
	size_t n = r->n_nodes;
	uint32_t *ipmac = malloc((n ? n : 1) * sizeof(*ipmac));
	size_t m = 0;
	if (!ipmac)
		return;
	for (size_t i = 0; i < n; i++)
		if (!r->nodes[i].is_mac && r->nodes[i].mac[0])
			ipmac[m++] = (uint32_t)i;
	for (size_t i = 0; i < n; i++) {
		struct rp_node *a = &r->nodes[i];
		if (!a->is_mac || a->multicast)
			continue;
		int32_t found = -1;
		int hits = 0;
		for (size_t k = 0; k < m; k++)
			if (strcmp(r->nodes[ipmac[k]].mac, a->key) == 0) {
				found = (int32_t)ipmac[k];
				hits++;
			}
		a->alias = hits == 1 ? found : -1;
		if (a->alias < 0)
			continue;
		struct rp_node *p = &r->nodes[a->alias];
		char *fa[] = { a->vendor, a->product, a->model, a->firmware, a->serial, a->name,
			       a->mac_vendor };
		char *fp[] = { p->vendor, p->product, p->model, p->firmware, p->serial, p->name,
			       p->mac_vendor };
		for (size_t k = 0; k < sizeof(fa) / sizeof(fa[0]); k++)
			if (!fp[k][0] && fa[k][0])
				memcpy(fp[k], fa[k], RP_STR);
		p->roles |= a->roles;
		p->protos |= a->protos;
		p->asset |= a->asset;
		if (a->first && (!p->first || a->first < p->first))
			p->first = a->first;
		if (a->last > p->last)
			p->last = a->last;
		if (a->worst_sev && (!p->worst_sev || a->worst_sev < p->worst_sev))
			p->worst_sev = a->worst_sev;
		p->alerts_src += a->alerts_src;
		p->alerts_dst += a->alerts_dst;
		p->records += a->records;
		a->alerts_src = a->alerts_dst = a->records = 0;
	}
	free(ipmac);
}

static int edge_pair_cmp(const void *pa, const void *pb)
{
	const struct report *r = g_r;
	const struct rp_edge *a = &r->edges[*(const uint32_t *)pa];
	const struct rp_edge *b = &r->edges[*(const uint32_t *)pb];
	uint32_t a1 = res(r, a->src), a2 = res(r, a->dst), b1 = res(r, b->src), b2 = res(r, b->dst);
	int c;
	if (a1 != b1 && (c = rp_addr_cmp(r->nodes[a1].key, r->nodes[b1].key)))
		return c;
	if (a2 != b2 && (c = rp_addr_cmp(r->nodes[a2].key, r->nodes[b2].key)))
		return c;
	if (a1 != b1 || a2 != b2) /* same text, other nodes: cannot happen */
		return a1 < b1 || (a1 == b1 && a2 < b2) ? -1 : 1;
	return strcmp(r->protos[a->proto], r->protos[b->proto]);
}

/* drawing priority of a host: in most alerts (caused or suffered), then
 * known devices, then the busiest */
static int node_prio_cmp(const void *pa, const void *pb)
{
	const struct rp_node *a = &g_r->nodes[*(const uint32_t *)pa];
	const struct rp_node *b = &g_r->nodes[*(const uint32_t *)pb];
	uint64_t xa = a->alerts_src + a->alerts_dst, xb = b->alerts_src + b->alerts_dst;
	if (xa != xb)
		return xa > xb ? -1 : 1;
	bool ra = a->roles != 0, rb = b->roles != 0;
	if (ra != rb)
		return ra ? -1 : 1;
	if (a->degree != b->degree)
		return a->degree > b->degree ? -1 : 1;
	return rp_addr_cmp(a->key, b->key);
}

static int class_rank(uint8_t c)
{
	return c & RP_FC_PROGRAM ? 4 : c & RP_FC_CONTROL ? 3 : c & RP_FC_WRITE ? 2 : c ? 1 : 0;
}

static int pair_prio_cmp(const void *pa, const void *pb)
{
	const struct rp_pair *a = pa, *b = pb;
	if ((a->alerts > 0) != (b->alerts > 0))
		return a->alerts > 0 ? -1 : 1;
	int ca = class_rank(a->classes), cb = class_rank(b->classes);
	if (ca != cb)
		return ca > cb ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	return a->first_edge < b->first_edge ? -1 : a->first_edge > b->first_edge;
}

/* draw order: plain pairs first, alerted ones on top; then as grouped */
static int pair_draw_cmp(const void *pa, const void *pb)
{
	const struct rp_pair *a = pa, *b = pb;
	if ((a->alerts > 0) != (b->alerts > 0))
		return a->alerts > 0 ? 1 : -1;
	return a->first_edge < b->first_edge ? -1 : a->first_edge > b->first_edge;
}

struct place {
	uint32_t node;
	float key; /* barycentre; INFINITY: none */
};

static int place_cmp(const void *pa, const void *pb)
{
	const struct place *a = pa, *b = pb;
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return rp_addr_cmp(g_r->nodes[a->node].key, g_r->nodes[b->node].key);
}

/* mean height of the placed peers of node i (drawn pairs) */
static float barycentre(const struct report *r, uint32_t i, const bool *placed)
{
	float sum = 0;
	unsigned n = 0;
	for (size_t k = 0; k < r->map_edges; k++) {
		const struct rp_pair *p = &r->pairs[k];
		uint32_t o = p->a == i ? p->b : p->b == i ? p->a : UINT32_MAX;
		if (o != UINT32_MAX && placed[o]) {
			sum += r->nodes[o].y;
			n++;
		}
	}
	return n ? sum / (float)n : INFINITY;
}

static void layout(struct report *r, const uint32_t *drawn, size_t nd)
{
	struct place *col[3];
	size_t cn[3] = { 0 };
	bool *placed = calloc(r->n_nodes ? r->n_nodes : 1, sizeof(bool));
	for (int k = 0; k < 3; k++)
		col[k] = malloc((nd ? nd : 1) * sizeof(struct place));
	if (!placed || !col[0] || !col[1] || !col[2])
		goto out;
	for (size_t i = 0; i < nd; i++) {
		int k = (int)rp_node_kind(&r->nodes[drawn[i]]);
		col[k][cn[k]++] = (struct place){ drawn[i], INFINITY };
	}
	size_t rows_max = 1;
	for (int k = 0; k < 3; k++) {
		size_t sub = (cn[k] + RP_ROWS - 1) / RP_ROWS;
		size_t rows = sub ? (cn[k] + sub - 1) / sub : 0;
		if (rows > rows_max)
			rows_max = rows;
	}
	float x0 = MARGIN;
	for (int k = 0; k < 3; k++) {
		size_t n = cn[k];
		/* order: barycentre over what is placed (column 0: addresses) */
		for (size_t i = 0; k > 0 && i < n; i++)
			col[k][i].key = barycentre(r, col[k][i].node, placed);
		qsort(col[k], n, sizeof(struct place), place_cmp);
		size_t sub = n ? (n + RP_ROWS - 1) / RP_ROWS : 1;
		size_t rows = n ? (n + sub - 1) / sub : 0;
		float yoff = TOP + (float)(rows_max - rows) * ROW_H / 2;
		/* column-major: each sub-column from the top */
		for (size_t i = 0; i < n; i++) {
			size_t j = i / rows, row = i % rows;
			struct rp_node *nd_ = &r->nodes[col[k][i].node];
			nd_->x = x0 + ((float)j + 0.5f) * SUBCOL_W;
			nd_->y = yoff + ((float)row + 0.5f) * ROW_H + (j % 2 ? ROW_H / 3 : 0);
			placed[col[k][i].node] = true;
		}
		r->col_x[k] = x0 + (float)sub * SUBCOL_W / 2;
		r->col_n[k] = n;
		x0 += (float)sub * SUBCOL_W + BAND_GAP;
	}
	r->map_w = x0 - BAND_GAP + MARGIN;
	if (r->map_w < 900)
		r->map_w = 900;
	r->map_h = TOP + (float)rows_max * ROW_H + ROW_H / 3 + 50;
out:
	for (int k = 0; k < 3; k++)
		free(col[k]);
	free(placed);
}

void report_finish(struct report *r)
{
	if (r->finished)
		return;
	g_r = r;
	free(r->pairs);
	free(r->edge_order);
	r->pairs = NULL;
	r->edge_order = NULL;
	r->map_nodes = r->map_edges = 0;
	r->map_nodes_left = r->map_pairs_left = 0;
	merge_aliases(r);

	size_t ne = r->n_edges, nn = r->n_nodes;
	r->edge_order = malloc((ne ? ne : 1) * sizeof(uint32_t));
	uint32_t *order = malloc((nn ? nn : 1) * sizeof(uint32_t));
	/* at most one pair per edge */
	struct rp_pair *all = malloc((ne ? ne : 1) * sizeof(struct rp_pair));
	if (!r->edge_order || !order || !all) {
		free(order);
		free(all);
		r->finished = true;
		return;
	}
	for (size_t i = 0; i < ne; i++)
		r->edge_order[i] = (uint32_t)i;
	qsort(r->edge_order, ne, sizeof(uint32_t), edge_pair_cmp);

	/* every host pair (self pairs of merged hosts aside), and degrees */
	for (size_t i = 0; i < nn; i++) {
		r->nodes[i].degree = 0;
		r->nodes[i].drawn = false;
	}
	size_t np = 0;
	for (size_t i = 0; i < ne;) {
		const struct rp_edge *e = &r->edges[r->edge_order[i]];
		uint32_t a = res(r, e->src), b = res(r, e->dst);
		struct rp_pair p = { .a = a, .b = b, .first_edge = (uint32_t)i };
		size_t j = i;
		for (; j < ne; j++) {
			const struct rp_edge *f = &r->edges[r->edge_order[j]];
			if (res(r, f->src) != a || res(r, f->dst) != b)
				break;
			p.classes |= f->classes;
			p.alerts += f->alerts;
			p.weight += f->flows + f->txs + f->alerts;
			if (f->worst_sev && (!p.worst_sev || f->worst_sev < p.worst_sev))
				p.worst_sev = f->worst_sev;
		}
		p.n = (uint32_t)(j - i);
		i = j;
		if (a == b)
			continue;
		r->nodes[a].degree++;
		r->nodes[b].degree++;
		all[np++] = p;
	}

	/* the hosts drawn */
	size_t nc = 0;
	for (size_t i = 0; i < nn; i++)
		if (r->nodes[i].alias < 0)
			order[nc++] = (uint32_t)i;
	qsort(order, nc, sizeof(uint32_t), node_prio_cmp);
	size_t nd = nc < r->lim.map_nodes ? nc : r->lim.map_nodes;
	r->map_nodes_left = nc - nd;
	for (size_t i = 0; i < nd; i++)
		r->nodes[order[i]].drawn = true;
	r->map_nodes = nd;

	/* the pairs drawn: between drawn hosts, the most telling first */
	size_t nk = 0;
	for (size_t i = 0; i < np; i++)
		if (r->nodes[all[i].a].drawn && r->nodes[all[i].b].drawn)
			all[nk++] = all[i];
		else
			r->map_pairs_left++;
	qsort(all, nk, sizeof(*all), pair_prio_cmp);
	if (nk > r->lim.map_edges) {
		r->map_pairs_left += nk - r->lim.map_edges;
		nk = r->lim.map_edges;
	}
	qsort(all, nk, sizeof(*all), pair_draw_cmp);
	r->pairs = all;
	r->map_edges = nk;

	layout(r, order, nd);
	free(order);
	r->finished = true;
}

void report_summary(struct report *r, struct report_summary *s)
{
	report_finish(r);
	memset(s, 0, sizeof(*s));
	s->lines = r->c.lines;
	s->records = r->c.records;
	s->alerts = r->c.alerts;
	s->not_json = r->c.not_json;
	s->malformed = r->c.malformed;
	s->oversized = r->c.oversized;
	for (size_t i = 0; i < r->n_nodes; i++) {
		if (r->nodes[i].alias >= 0)
			continue;
		s->hosts++;
		if (r->nodes[i].alerts_src)
			s->attackers++;
	}
	s->edges = r->n_edges;
	s->rules = r->n_rules;
	s->map_nodes = r->map_nodes;
	s->map_edges = r->map_edges;
}
