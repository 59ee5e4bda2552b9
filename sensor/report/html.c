/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `vigil report`: the page (report.h). One HTML file that needs nothing
 * else: inline CSS, inline SVG drawn here, no script, no font, no image, and
 * a Content-Security-Policy that forbids loading or running anything, so
 * that a name an attacker put in a packet can at worst be shown. Every
 * string from the records goes through esc().
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/model.h"

#define TABLE_ROWS_MAX 3000 /* rows of the host and pair tables */
#define LABELS_MAX 80       /* labelled pairs on the map */
#define NODE_R 17.0f

/* colours: the map's legend, the tests' screenshot check (report.sh) */
#define C_SUPERVISORY "#2b6cb0"
#define C_FIELD "#2f855a"
#define C_OTHER "#718096"
#define C_ATTACKER "#e53e3e"
#define C_ATTACKER_RING "#7b1d1d"
#define C_MULTICAST "#cbd5e0"

static const char *const sev_colour[RP_SEV] = { "#c53030", "#dd6b20", "#d69e2e", "#3182ce",
						"#a0aec0" };

/* HTML text or attribute value: markup characters as entities; C0
 * controls, DEL and the bidirectional overrides and isolates (which could
 * make a name read as another) as U+FFFD. Input is UTF-8 (jansson checked
 * it; cuts are on character boundaries). */
static void esc(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); continue;
		case '<': fputs("&lt;", f); continue;
		case '>': fputs("&gt;", f); continue;
		case '"': fputs("&quot;", f); continue;
		case '\'': fputs("&#39;", f); continue;
		default: break;
		}
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
			fputs("\xef\xbf\xbd", f);
			continue;
		}
		if (p[0] == 0xe2 && p[1] &&
		    ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
		     (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))) {
			fputs("\xef\xbf\xbd", f);
			p += 2;
			continue;
		}
		putc(*p, f);
	}
}

/* at most max characters of s (UTF-8; max below 60), with an ellipsis when cut */
static void esc_short(FILE *f, const char *s, size_t max)
{
	size_t chars = 0, i = 0;
	for (; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && ++chars > max)
			break;
	if (!s[i]) {
		esc(f, s);
		return;
	}
	/* max - 1 characters, then the ellipsis */
	char buf[256];
	size_t k = 0;
	for (chars = 0; s[k] && k < sizeof(buf) - 1; k++)
		if (((unsigned char)s[k] & 0xc0) != 0x80 && ++chars > max - 1)
			break;
	memcpy(buf, s, k);
	buf[k] = 0;
	esc(f, buf);
	fputs("\xe2\x80\xa6", f);
}

static void put_time(FILE *f, uint64_t usec)
{
	char t[32];
	rp_format_time(t, usec == UINT64_MAX ? 0 : usec);
	fputs(t, f);
}

static void put_duration(FILE *f, uint64_t usec)
{
	double s = (double)usec / 1e6;
	if (s < 1)
		fprintf(f, "%.0f ms", s * 1000);
	else if (s < 120)
		fprintf(f, "%.3g s", s);
	else if (s < 7200)
		fprintf(f, "%.1f min", s / 60);
	else if (s < 172800)
		fprintf(f, "%.1f h", s / 3600);
	else
		fprintf(f, "%.1f days", s / 86400);
}

static void put_classes(FILE *f, uint8_t c, const char *sep)
{
	bool any = false;
	for (int k = 0; k < RP_FC_COUNT; k++)
		if (c & (1u << k)) {
			fprintf(f, "%s%s", any ? sep : "", rp_fc_names[k]);
			any = true;
		}
}

static void put_roles(FILE *f, uint8_t roles)
{
	bool any = false;
	for (int k = 0; k < RP_ROLE_COUNT; k++)
		if (roles & (1u << k)) {
			fprintf(f, "%s%s", any ? ", " : "", rp_role_names[k]);
			any = true;
		}
}

static void put_protos(FILE *f, const struct report *r, uint64_t m)
{
	bool any = false;
	for (size_t k = 1; k < r->n_protos; k++)
		if (m & (1ull << k)) {
			fputs(any ? ", " : "", f);
			esc(f, r->protos[k]);
			any = true;
		}
}

static uint32_t res(const struct report *r, uint32_t i)
{
	return r->nodes[i].alias >= 0 ? (uint32_t)r->nodes[i].alias : i;
}

static const char *kind_colour(const struct rp_node *n)
{
	if (n->alerts_src)
		return C_ATTACKER;
	if (n->multicast && !n->roles)
		return C_MULTICAST;
	switch (rp_node_kind(n)) {
	case RP_K_SUPERVISORY: return C_SUPERVISORY;
	case RP_K_FIELD: return C_FIELD;
	default: return C_OTHER;
	}
}

static const char *kind_name(const struct rp_node *n)
{
	switch (rp_node_kind(n)) {
	case RP_K_SUPERVISORY: return "supervisory";
	case RP_K_FIELD: return "field";
	default: return n->multicast ? "multicast" : "other";
	}
}

/* the short description under a host: name, else product/model, else vendor */
static const char *node_caption(const struct rp_node *n)
{
	if (n->name[0])
		return n->name;
	if (n->product[0])
		return n->product;
	if (n->model[0])
		return n->model;
	if (n->vendor[0])
		return n->vendor;
	return n->mac_vendor;
}

static bool class_rank_ok(uint8_t c)
{
	return (c & (RP_FC_PROGRAM | RP_FC_CONTROL)) != 0;
}

static const char *pair_colour(const struct rp_pair *p)
{
	if (p->alerts)
		return "#c53030";
	if (p->classes & RP_FC_PROGRAM)
		return "#805ad5";
	if (p->classes & RP_FC_CONTROL)
		return "#dd6b20";
	if (p->classes & RP_FC_WRITE)
		return "#b7791f";
	if (p->classes & RP_FC_READ)
		return "#3182ce";
	if (p->classes & RP_FC_DIAG)
		return "#319795";
	return "#a0aec0";
}

static const char *const css =
	"body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;"
	"color:#1a202c;background:#fff}\n"
	"header{background:#1a202c;color:#fff;padding:14px 24px}\n"
	"header h1{margin:0;font-size:22px}\nheader p{margin:4px 0 0;color:#cbd5e0}\n"
	"nav{padding:8px 24px;background:#edf2f7;position:sticky;top:0}\n"
	"nav a{margin-right:16px;color:#2b6cb0;text-decoration:none}\n"
	"section{padding:8px 24px}\nh2{border-bottom:2px solid #e2e8f0;padding-bottom:4px}\n"
	".cards{display:flex;flex-wrap:wrap;gap:12px}\n"
	".card{border:1px solid #e2e8f0;border-radius:6px;padding:8px 14px;min-width:120px}\n"
	".card b{display:block;font-size:22px}\n.card.bad b{color:#c53030}\n"
	".scroll{overflow-x:auto}\n"
	"table{border-collapse:collapse;margin:8px 0;font-size:13px}\n"
	"th,td{border:1px solid #e2e8f0;padding:3px 7px;text-align:left;vertical-align:top;"
	"max-width:28em;overflow-wrap:break-word}\n"
	"th{background:#f7fafc}\ntd.n{text-align:right}\n.nw{white-space:nowrap}\n"
	"tr.atk td{background:#fff5f5}\ntr.atk td:first-child{border-left:4px solid #e53e3e}\n"
	".sev1{color:#c53030;font-weight:bold}\n.sev2{color:#dd6b20;font-weight:bold}\n"
	".note{color:#4a5568}\n.warn{color:#c53030}\ncode{font-size:12px}\n"
	"svg text{font-family:system-ui,sans-serif}\n";

static void head(FILE *f, const struct report *r)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"referrer\" content=\"no-referrer\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      f);
	esc(f, r->title);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
}

static size_t attackers(const struct report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_nodes; i++)
		n += r->nodes[i].alias < 0 && r->nodes[i].alerts_src > 0;
	return n;
}

static size_t hosts(const struct report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_nodes; i++)
		n += r->nodes[i].alias < 0;
	return n;
}

static const struct report *g_r;

static int atk_cmp(const void *pa, const void *pb)
{
	const struct rp_node *a = &g_r->nodes[*(const uint32_t *)pa];
	const struct rp_node *b = &g_r->nodes[*(const uint32_t *)pb];
	if (a->alerts_src != b->alerts_src)
		return a->alerts_src > b->alerts_src ? -1 : 1;
	return rp_addr_cmp(a->key, b->key);
}

static int host_cmp(const void *pa, const void *pb)
{
	return rp_addr_cmp(g_r->nodes[*(const uint32_t *)pa].key,
			   g_r->nodes[*(const uint32_t *)pb].key);
}

static void card(FILE *f, const char *what, uint64_t n, bool bad)
{
	fprintf(f, "<div class=\"card%s\"><b>%llu</b>%s</div>\n", bad && n ? " bad" : "",
		(unsigned long long)n, what);
}

static void summary(FILE *f, const struct report *r, uint32_t *idx)
{
	fputs("<header><h1>", f);
	esc(f, r->title);
	fputs("</h1><p>", f);
	if (r->first) {
		put_time(f, r->first);
		fputs(" \xe2\x80\x93 ", f);
		put_time(f, r->last);
		fputs(" UTC (", f);
		put_duration(f, r->last - r->first);
		fputs(")", f);
	} else {
		fputs("no timed record", f);
	}
	fputs("</p></header>\n<nav><a href=\"#summary\">Summary</a><a href=\"#map\">Map</a>"
	      "<a href=\"#hosts\">Hosts</a><a href=\"#pairs\">Communications</a>"
	      "<a href=\"#timeline\">Timeline</a><a href=\"#alerts\">Alerts</a>"
	      "<a href=\"#rules\">Rules</a><a href=\"#anomalies\">Anomalies</a>"
	      "<a href=\"#input\">Input</a></nav>\n",
	      f);
	fputs("<section id=\"summary\"><h2>Summary</h2>\n<div class=\"cards\">\n", f);
	card(f, "alerts", r->c.alerts, true);
	card(f, "hosts causing alerts", attackers(r), true);
	card(f, "rules that fired", r->n_rules, false);
	card(f, "hosts", hosts(r), false);
	card(f, "host pairs and protocols", r->n_edges, false);
	card(f, "records read", r->c.records, false);
	uint64_t bad = r->c.not_json + r->c.malformed + r->c.oversized + r->c.bad_fields;
	card(f, "input lines or records not used", bad, true);
	fputs("</div>\n", f);
	size_t na = 0;
	for (size_t i = 0; i < r->n_nodes; i++)
		if (r->nodes[i].alias < 0 && r->nodes[i].alerts_src)
			idx[na++] = (uint32_t)i;
	g_r = r;
	qsort(idx, na, sizeof(*idx), atk_cmp);
	if (na) {
		fputs("<p><b>Hosts that caused alerts</b> (the client of the flow, or the sender at "
		      "layer 2), most alerts first:</p>\n<ul>\n",
		      f);
		for (size_t i = 0; i < na && i < 20; i++) {
			const struct rp_node *n = &r->nodes[idx[i]];
			fputs("<li><b class=\"warn\">", f);
			esc(f, n->key);
			fprintf(f, "</b> %llu alert%s, worst severity %u", (unsigned long long)n->alerts_src,
				n->alerts_src == 1 ? "" : "s", n->worst_sev);
			const char *cap = node_caption(n);
			if (cap[0]) {
				fputs(" (", f);
				esc_short(f, cap, 40);
				fputs(")", f);
			}
			fputs(", against ", f);
			/* its targets */
			size_t shown = 0, more = 0;
			for (size_t e = 0; e < r->n_edges; e++) {
				const struct rp_edge *x = &r->edges[r->edge_order ? r->edge_order[e] : e];
				if (!x->alerts || res(r, x->src) != idx[i])
					continue;
				if (shown < 8) {
					fputs(shown ? ", " : "", f);
					esc(f, r->nodes[res(r, x->dst)].key);
					fputs(" (", f);
					esc(f, r->protos[x->proto]);
					fputs(")", f);
					shown++;
				} else {
					more++;
				}
			}
			if (!shown)
				fputs("no host", f);
			if (more)
				fprintf(f, " and %zu more", more);
			fputs("</li>\n", f);
		}
		if (na > 20)
			fprintf(f, "<li>and %zu more (see the host table)</li>\n", na - 20);
		fputs("</ul>\n", f);
	} else {
		fputs("<p>No alert in these records.</p>\n", f);
	}
	fputs("</section>\n", f);
}

/* ---- the map ---- */

static void legend_dot(FILE *f, float x, const char *colour, const char *text, bool ring)
{
	fprintf(f, "<circle cx=\"%.1f\" cy=\"22\" r=\"8\" fill=\"%s\"%s/>"
		"<text x=\"%.1f\" y=\"27\" font-size=\"13\">%s</text>\n",
		x, colour, ring ? " stroke=\"" C_ATTACKER_RING "\" stroke-width=\"3\"" : "", x + 14, text);
}

static void legend_line(FILE *f, float x, const char *colour, const char *text)
{
	fprintf(f, "<line x1=\"%.1f\" y1=\"52\" x2=\"%.1f\" y2=\"52\" stroke=\"%s\" stroke-width=\"3\"/>"
		"<text x=\"%.1f\" y=\"57\" font-size=\"13\">%s</text>\n",
		x, x + 26, colour, x + 32, text);
}

static void pair_label(FILE *f, const struct report *r, const struct rp_pair *p, bool full)
{
	for (uint32_t k = 0; k < p->n; k++) {
		const struct rp_edge *e = &r->edges[r->edge_order[p->first_edge + k]];
		if (k)
			fputs(full ? "\n" : "; ", f);
		esc(f, r->protos[e->proto]);
		if (e->classes) {
			fputs(": ", f);
			put_classes(f, e->classes, full ? ", " : "/");
		}
		if (full) {
			fprintf(f, " (%llu flows, %llu transactions, %llu alerts)",
				(unsigned long long)e->flows, (unsigned long long)e->txs,
				(unsigned long long)e->alerts);
		}
		if (!full && k == 2 && p->n > 3) {
			fprintf(f, "; +%u", p->n - 3);
			break;
		}
	}
}

static void map(FILE *f, struct report *r)
{
	fputs("<section id=\"map\"><h2>Communication map</h2>\n", f);
	fprintf(f, "<p class=\"note\">Each host is a circle, each arrow who talks to whom "
		"(client or sender to server or receiver), coloured by the most consequential "
		"function used (program, control, write, read, diagnostic), red where alerts "
		"were raised. Red hosts caused alerts. Hover over a host or an arrow for its "
		"details. %zu host%s and %zu pair%s drawn",
		r->map_nodes, r->map_nodes == 1 ? "" : "s", r->map_edges, r->map_edges == 1 ? "" : "s");
	if (r->map_nodes_left || r->map_pairs_left)
		fprintf(f, "; <span class=\"warn\">not drawn: %llu host%s, %llu pair%s</span> "
			"(the hosts and communications tables list them all)",
			(unsigned long long)r->map_nodes_left, r->map_nodes_left == 1 ? "" : "s",
			(unsigned long long)r->map_pairs_left, r->map_pairs_left == 1 ? "" : "s");
	fputs(".</p>\n<div class=\"scroll\">\n", f);
	float W = r->map_w > 0 ? r->map_w : 900, H = r->map_h > 0 ? r->map_h : 200;
	fprintf(f, "<svg id=\"map-svg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		"aria-label=\"communication map\" data-nodes=\"%zu\" data-edges=\"%zu\">\n",
		W, H, W, H, r->map_nodes, r->map_edges);
	static const char *const ecol[] = { "#c53030", "#805ad5", "#dd6b20", "#b7791f",
					    "#3182ce", "#319795", "#a0aec0" };
	fputs("<defs>\n", f);
	for (size_t i = 0; i < sizeof(ecol) / sizeof(ecol[0]); i++)
		fprintf(f, "<marker id=\"a%zu\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
			"markerUnits=\"userSpaceOnUse\" markerWidth=\"11\" markerHeight=\"11\" "
			"orient=\"auto\">"
			"<path d=\"M0,0L10,5L0,10z\" fill=\"%s\"/></marker>\n", i, ecol[i]);
	fputs("</defs>\n", f);
	fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fbfcfd\"/>\n", W, H);
	/* legend */
	legend_dot(f, 20, C_SUPERVISORY, "supervisory", false);
	legend_dot(f, 140, C_FIELD, "field device", false);
	legend_dot(f, 260, C_OTHER, "unknown / external", false);
	legend_dot(f, 420, C_ATTACKER, "caused alerts", true);
	legend_dot(f, 550, C_MULTICAST, "multicast", false);
	static const char *const lname[] = { "alerts", "program", "control", "write", "read",
					     "diagnostic", "other" };
	for (size_t i = 0; i < 7; i++)
		legend_line(f, 20 + (float)i * 112, ecol[i], lname[i]);
	static const char *const head[] = { "Supervisory", "Field devices", "Unknown / external" };
	for (int k = 0; k < 3; k++)
		if (r->col_n[k])
			fprintf(f, "<text x=\"%.1f\" y=\"92\" font-size=\"14\" font-weight=\"bold\" "
				"text-anchor=\"middle\" fill=\"#4a5568\">%s (%zu)</text>\n",
				r->col_x[k] < 100 ? 100 : r->col_x[k], head[k], r->col_n[k]);
	if (!r->map_nodes)
		fprintf(f, "<text x=\"%.1f\" y=\"140\" font-size=\"16\" text-anchor=\"middle\">"
			"no host in these records</text>\n", W / 2);

	/* arrows */
	size_t labels = 0;
	fputs("<g class=\"edges\" fill=\"none\">\n", f);
	for (size_t i = 0; i < r->map_edges; i++) {
		const struct rp_pair *p = &r->pairs[i];
		const struct rp_node *a = &r->nodes[p->a], *b = &r->nodes[p->b];
		float dx = b->x - a->x, dy = b->y - a->y;
		float len = sqrtf(dx * dx + dy * dy);
		if (len < 1)
			len = 1;
		/* bend to the right of the direction: A->B and B->A apart */
		float bend = fabsf(dx) < 1 ? 30 + len * 0.3f : len * 0.10f;
		if (bend > 120)
			bend = 120;
		float cx = (a->x + b->x) / 2 - dy / len * bend, cy = (a->y + b->y) / 2 + dx / len * bend;
		/* end at the target's rim */
		float ex = b->x - cx, ey = b->y - cy, el = sqrtf(ex * ex + ey * ey);
		if (el < 1)
			el = 1;
		float x2 = b->x - ex / el * (NODE_R + 3), y2 = b->y - ey / el * (NODE_R + 3);
		const char *col = pair_colour(p);
		size_t mi = 6;
		for (size_t k = 0; k < 7; k++)
			if (strcmp(ecol[k], col) == 0)
				mi = k;
		double wgt = 1.5 + fmin(3.0, log10((double)p->weight + 1));
		fprintf(f, "<g class=\"edge\" data-src=\"%s\" data-dst=\"%s\" data-alerts=\"%llu\">"
			"<path d=\"M%.1f %.1fQ%.1f %.1f %.1f %.1f\" stroke=\"%s\" stroke-width=\"%.1f\" "
			"marker-end=\"url(#a%zu)\"/><title>",
			a->key, b->key, (unsigned long long)p->alerts, a->x, a->y, cx, cy, x2, y2, col,
			wgt, mi);
		esc(f, a->key);
		fputs(" \xe2\x86\x92 ", f);
		esc(f, b->key);
		fputs("\n", f);
		pair_label(f, r, p, true);
		fputs("</title>", f);
		bool label = r->map_edges <= LABELS_MAX || p->alerts || class_rank_ok(p->classes);
		if (label && labels < LABELS_MAX) {
			labels++;
			float lx = 0.25f * a->x + 0.5f * cx + 0.25f * b->x;
			float ly = 0.25f * a->y + 0.5f * cy + 0.25f * b->y;
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" "
				"fill=\"#2d3748\" stroke=\"#fbfcfd\" stroke-width=\"3\" "
				"paint-order=\"stroke\">", lx, ly - 3);
			char buf[160];
			FILE *m = fmemopen(buf, sizeof(buf), "w");
			if (m) {
				/* the label is built unescaped, then shortened and escaped */
				for (uint32_t k = 0; k < p->n && k < 3; k++) {
					const struct rp_edge *e = &r->edges[r->edge_order[p->first_edge + k]];
					fprintf(m, "%s%s", k ? "; " : "", r->protos[e->proto]);
					if (e->classes) {
						fputs(": ", m);
						put_classes(m, e->classes, "/");
					}
				}
				if (p->n > 3)
					fprintf(m, "; +%u", p->n - 3);
				fclose(m);
				buf[sizeof(buf) - 1] = 0;
				esc_short(f, buf, 44);
			}
			fputs("</text>", f);
		}
		fputs("</g>\n", f);
	}
	fputs("</g>\n<g class=\"nodes\">\n", f);
	for (size_t i = 0; i < r->n_nodes; i++) {
		const struct rp_node *n = &r->nodes[i];
		if (!n->drawn)
			continue;
		bool atk = n->alerts_src > 0;
		fprintf(f, "<g class=\"node %s%s\" data-key=\"%s\"><circle cx=\"%.1f\" cy=\"%.1f\" "
			"r=\"%.0f\" fill=\"%s\" stroke=\"%s\" stroke-width=\"%d\"%s/>",
			kind_name(n), atk ? " attacker" : "", n->key, n->x, n->y,
			n->multicast && !n->roles ? NODE_R - 5 : NODE_R, kind_colour(n),
			atk ? C_ATTACKER_RING : "#ffffff", atk ? 4 : 2,
			n->multicast && !n->roles ? " stroke-dasharray=\"3 2\"" : "");
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" font-weight=\"bold\" "
			"text-anchor=\"middle\"%s>", n->x, n->y + NODE_R + 13,
			atk ? " fill=\"#9b2c2c\"" : "");
		esc(f, n->key);
		fputs("</text>", f);
		const char *cap = node_caption(n);
		if (cap[0]) {
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" "
				"fill=\"#4a5568\">", n->x, n->y + NODE_R + 26);
			esc_short(f, cap, 26);
			fputs("</text>", f);
		}
		fputs("<title>", f);
		esc(f, n->key);
		if (n->mac[0] && !n->is_mac) {
			fputs(" ", f);
			esc(f, n->mac);
		}
		const char *lab[] = { "vendor", "product", "model", "firmware", "serial", "name" };
		const char *val[] = { n->vendor[0] ? n->vendor : n->mac_vendor, n->product, n->model,
				      n->firmware, n->serial, n->name };
		for (size_t k = 0; k < 6; k++)
			if (val[k][0]) {
				fprintf(f, "\n%s: ", lab[k]);
				esc(f, val[k]);
			}
		if (n->roles) {
			fputs("\nroles: ", f);
			put_roles(f, n->roles);
		}
		if (n->protos) {
			fputs("\nprotocols: ", f);
			put_protos(f, r, n->protos);
		}
		fprintf(f, "\nalerts caused: %llu, against it: %llu</title></g>\n",
			(unsigned long long)n->alerts_src, (unsigned long long)n->alerts_dst);
	}
	fputs("</g>\n</svg>\n</div>\n</section>\n", f);
}

/* ---- tables ---- */

static void td_str(FILE *f, const char *s)
{
	fputs("<td>", f);
	esc(f, s);
	fputs("</td>", f);
}

static void td_num(FILE *f, uint64_t v)
{
	fprintf(f, "<td class=\"n\">%llu</td>", (unsigned long long)v);
}

static void td_addr(FILE *f, const char *s)
{
	fputs("<td class=\"nw\">", f);
	esc(f, s);
	fputs("</td>", f);
}

static void td_time(FILE *f, uint64_t t)
{
	fputs("<td class=\"nw\">", f);
	put_time(f, t);
	fputs("</td>", f);
}

static void host_table(FILE *f, const struct report *r, uint32_t *idx)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_nodes; i++)
		if (r->nodes[i].alias < 0)
			idx[n++] = (uint32_t)i;
	g_r = r;
	qsort(idx, n, sizeof(*idx), host_cmp);
	fprintf(f, "<section id=\"hosts\"><h2>Hosts (%zu)</h2>\n<p class=\"note\">Devices named by "
		"the passive inventory (asset records) and every other address seen, in address "
		"order; the vendor in brackets is the MAC address's. Rows in red caused "
		"alerts.</p>\n", n);
	if (r->c.nodes_dropped)
		fprintf(f, "<p class=\"warn\">%llu records named hosts past the limit of %zu hosts: "
			"those hosts are not in the report.</p>\n",
			(unsigned long long)r->c.nodes_dropped, r->lim.nodes);
	fputs("<div class=\"scroll\"><table id=\"host-table\"><thead><tr><th>Address</th>"
	      "<th>MAC</th><th>Vendor</th><th>Product</th><th>Model</th><th>Firmware</th>"
	      "<th>Serial</th><th>Name</th><th>Roles</th><th>Protocols</th><th>First seen</th>"
	      "<th>Last seen</th><th>Alerts caused</th><th>Alerts against</th></tr></thead>"
	      "<tbody>\n",
	      f);
	for (size_t i = 0; i < n && i < TABLE_ROWS_MAX; i++) {
		const struct rp_node *d = &r->nodes[idx[i]];
		fprintf(f, "<tr%s>", d->alerts_src ? " class=\"atk\"" : "");
		td_addr(f, d->key);
		td_addr(f, d->mac);
		fputs("<td>", f);
		if (d->vendor[0]) {
			esc(f, d->vendor);
		} else if (d->mac_vendor[0]) {
			fputs("(", f);
			esc(f, d->mac_vendor);
			fputs(")", f);
		}
		fputs("</td>", f);
		td_str(f, d->product);
		td_str(f, d->model);
		td_str(f, d->firmware);
		td_str(f, d->serial);
		td_str(f, d->name);
		fputs("<td>", f);
		put_roles(f, d->roles);
		if (d->multicast)
			fputs(d->roles ? ", multicast" : "multicast", f);
		fputs("</td><td>", f);
		put_protos(f, r, d->protos);
		fputs("</td>", f);
		td_time(f, d->first);
		td_time(f, d->last);
		td_num(f, d->alerts_src);
		td_num(f, d->alerts_dst);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
	if (n > TABLE_ROWS_MAX)
		fprintf(f, "<p class=\"warn\">%zu more hosts not listed.</p>\n", n - TABLE_ROWS_MAX);
	fputs("</section>\n", f);
}

static void pair_table(FILE *f, const struct report *r)
{
	fprintf(f, "<section id=\"pairs\"><h2>Communications (%zu)</h2>\n<p class=\"note\">Who "
		"talked to whom, per protocol (flows without one by transport, with the server "
		"ports seen), with the function classes of the requests.</p>\n",
		r->n_edges);
	if (r->c.edges_dropped)
		fprintf(f, "<p class=\"warn\">%llu records named pairs past the limit of %zu: those "
			"are not in the report.</p>\n",
			(unsigned long long)r->c.edges_dropped, r->lim.edges);
	fputs("<div class=\"scroll\"><table id=\"pair-table\"><thead><tr><th>Client / sender</th>"
	      "<th>Server / receiver</th><th>Protocol</th><th>Functions</th><th>Flows</th>"
	      "<th>Transactions</th><th>Alerts</th><th>First</th><th>Last</th></tr></thead>"
	      "<tbody>\n",
	      f);
	size_t rows = 0;
	for (size_t i = 0; i < r->n_edges && rows < TABLE_ROWS_MAX; i++, rows++) {
		const struct rp_edge *e = &r->edges[r->edge_order ? r->edge_order[i] : i];
		fprintf(f, "<tr%s>", e->alerts ? " class=\"atk\"" : "");
		td_addr(f, r->nodes[res(r, e->src)].key);
		td_addr(f, r->nodes[res(r, e->dst)].key);
		fputs("<td>", f);
		esc(f, r->protos[e->proto]);
		for (uint8_t k = 0; k < e->n_ports; k++)
			fprintf(f, "%s%u", k ? ", " : " ", e->ports[k]);
		if (e->more_ports)
			fputs(", \xe2\x80\xa6", f);
		fputs("</td><td>", f);
		put_classes(f, e->classes, ", ");
		fputs("</td>", f);
		td_num(f, e->flows);
		td_num(f, e->txs);
		td_num(f, e->alerts);
		td_time(f, e->first);
		td_time(f, e->last);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
	if (r->n_edges > rows)
		fprintf(f, "<p class=\"warn\">%zu more not listed.</p>\n", r->n_edges - rows);
	fputs("</section>\n", f);
}

static void timeline(FILE *f, const struct report *r)
{
	const struct rp_hist *h = &r->hist;
	fputs("<section id=\"timeline\"><h2>Alert timeline</h2>\n", f);
	if (!h->any) {
		fputs("<p>No timed alert.</p></section>\n", f);
		return;
	}
	size_t nb = (size_t)(h->max / h->width - h->min / h->width) + 1;
	uint64_t top = 1;
	for (size_t i = 0; i < nb; i++) {
		uint64_t t = 0;
		for (int s = 0; s < RP_SEV; s++)
			t += h->n[i][s];
		if (t > top)
			top = t;
	}
	fputs("<p class=\"note\">Alerts per ", f);
	put_duration(f, h->width);
	fputs(", stacked by severity (1 highest at the bottom).</p>\n", f);
	const float W = 1000, H = 260, L = 60, B = 60, T = 14, PW = W - L - 20, PH = H - B - T;
	fprintf(f, "<div class=\"scroll\"><svg id=\"timeline-svg\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		"aria-label=\"alert timeline\" data-bars=\"%zu\">\n", W, H, W, H, nb);
	fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#fbfcfd\"/>\n", W, H);
	fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#4a5568\"/>\n", L,
		T + PH, L + PW, T + PH);
	fprintf(f, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#4a5568\"/>\n", L,
		T, L, T + PH);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"end\">%llu</text>\n",
		L - 6, T + 10, (unsigned long long)top);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"end\">0</text>\n",
		L - 6, T + PH);
	float bw = PW / (float)(nb < 24 ? 24 : nb); /* a few bars stay bars */
	for (size_t i = 0; i < nb; i++) {
		float y = T + PH;
		uint64_t t0 = h->base + i * h->width;
		for (int s = 0; s < RP_SEV; s++) {
			if (!h->n[i][s])
				continue;
			float bh = PH * (float)h->n[i][s] / (float)top;
			if (bh < 1)
				bh = 1;
			y -= bh;
			fprintf(f, "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
				"height=\"%.2f\" fill=\"%s\"><title>", L + bw * (float)i + (bw > 3 ? 0.5f : 0),
				y, bw > 3 ? bw - 1 : bw, bh, sev_colour[s]);
			put_time(f, t0);
			fprintf(f, " +");
			put_duration(f, h->width);
			if (s < 4)
				fprintf(f, ": %llu alert%s of severity %d</title></rect>\n",
					(unsigned long long)h->n[i][s], h->n[i][s] == 1 ? "" : "s", s + 1);
			else
				fprintf(f, ": %llu alert%s of other severity</title></rect>\n",
					(unsigned long long)h->n[i][s], h->n[i][s] == 1 ? "" : "s");
		}
	}
	/* the times of the first bar's start and of the last bar's end */
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">", L, T + PH + 16);
	put_time(f, h->base);
	fprintf(f, "</text><text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"end\">",
		L + bw * (float)nb < L + 400 ? L + 400 : L + bw * (float)nb, T + PH + 32);
	put_time(f, h->base + nb * h->width);
	fputs("</text>\n", f);
	for (int s = 0; s < RP_SEV; s++)
		fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\">%s%.0d</text>\n",
			L + 480 + (float)s * 90, H - 20, sev_colour[s], L + 494 + (float)s * 90, H - 10,
			s < 4 ? "severity " : "other", s < 4 ? s + 1 : 0);
	fputs("</svg></div>\n</section>\n", f);
}

static int alert_cmp(const void *pa, const void *pb)
{
	const struct rp_alert *a = pa, *b = pb;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void put_endpoint(FILE *f, const char *a, uint16_t port)
{
	fputs("<td class=\"nw\">", f);
	esc(f, a);
	if (port)
		fprintf(f, strchr(a, ':') && !strchr(a, '.') ? " port %u" : ":%u", port);
	fputs("</td>", f);
}

static void alert_table(FILE *f, const struct report *r)
{
	fprintf(f, "<section id=\"alerts\"><h2>Alerts (%llu)</h2>\n", (unsigned long long)r->c.alerts);
	struct rp_alert *v = malloc((r->n_alerts ? r->n_alerts : 1) * sizeof(*v));
	if (!v) {
		fputs("<p class=\"warn\">out of memory</p></section>\n", f);
		return;
	}
	memcpy(v, r->alerts, r->n_alerts * sizeof(*v));
	qsort(v, r->n_alerts, sizeof(*v), alert_cmp);
	if (r->c.alerts_unlisted)
		fprintf(f, "<p class=\"note\">The earliest %zu; %llu later alerts are counted in "
			"the timeline and the rules table, not listed.</p>\n",
			r->n_alerts, (unsigned long long)r->c.alerts_unlisted);
	fputs("<div class=\"scroll\"><table id=\"alert-table\"><thead><tr><th>Time (UTC)</th>"
	      "<th>Sev.</th><th>SID</th><th>Signature</th><th>From</th><th>To</th>"
	      "<th>Protocol</th></tr></thead><tbody>\n",
	      f);
	for (size_t i = 0; i < r->n_alerts; i++) {
		const struct rp_alert *a = &v[i];
		fputs("<tr>", f);
		td_time(f, a->ts);
		fprintf(f, "<td class=\"n sev%u\">%u</td>", a->severity, a->severity);
		td_num(f, a->sid);
		td_str(f, a->signature);
		put_endpoint(f, a->src, a->sport);
		put_endpoint(f, a->dst, a->dport);
		td_str(f, a->proto);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n</section>\n", f);
	free(v);
}

static int rule_cmp(const void *pa, const void *pb)
{
	const struct rp_rule *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->sid != b->sid)
		return a->sid < b->sid ? -1 : 1;
	return a->gid < b->gid ? -1 : a->gid > b->gid;
}

static void rule_table(FILE *f, const struct report *r)
{
	fprintf(f, "<section id=\"rules\"><h2>Rules (%zu)</h2>\n", r->n_rules);
	if (r->c.rule_alerts_dropped)
		fprintf(f, "<p class=\"warn\">%llu alerts of rules past the limit of %zu rules are "
			"counted in the timeline only.</p>\n",
			(unsigned long long)r->c.rule_alerts_dropped, r->lim.rules);
	struct rp_rule *v = malloc((r->n_rules ? r->n_rules : 1) * sizeof(*v));
	if (!v) {
		fputs("<p class=\"warn\">out of memory</p></section>\n", f);
		return;
	}
	memcpy(v, r->rules, r->n_rules * sizeof(*v));
	qsort(v, r->n_rules, sizeof(*v), rule_cmp);
	fputs("<div class=\"scroll\"><table id=\"rule-table\"><thead><tr><th>SID</th><th>Rev</th>"
	      "<th>Signature</th><th>Category</th><th>Sev.</th><th>MITRE ATT&amp;CK</th>"
	      "<th>Alerts</th><th>First</th><th>Last</th></tr></thead><tbody>\n",
	      f);
	for (size_t i = 0; i < r->n_rules; i++) {
		const struct rp_rule *u = &v[i];
		fputs("<tr>", f);
		if (u->gid != 1)
			fprintf(f, "<td class=\"n\">%u:%u</td>", u->gid, u->sid);
		else
			td_num(f, u->sid);
		td_num(f, u->rev);
		td_str(f, u->signature);
		td_str(f, u->category);
		fprintf(f, "<td class=\"n sev%u\">%u</td>", u->severity, u->severity);
		td_str(f, u->mitre);
		td_num(f, u->count);
		td_time(f, u->first);
		td_time(f, u->last);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n</section>\n", f);
	free(v);
}

static int anomaly_cmp(const void *pa, const void *pb)
{
	const struct rp_anomaly *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->event, b->event);
}

static void anomaly_table(FILE *f, const struct report *r)
{
	fprintf(f, "<section id=\"anomalies\"><h2>Anomalies (%zu kinds)</h2>\n", r->n_anomalies);
	if (r->c.anomaly_dropped)
		fprintf(f, "<p class=\"warn\">%llu anomaly records of kinds past the limit of %zu "
			"are not counted here.</p>\n",
			(unsigned long long)r->c.anomaly_dropped, r->lim.anomalies);
	struct rp_anomaly *v = malloc((r->n_anomalies ? r->n_anomalies : 1) * sizeof(*v));
	if (!v) {
		fputs("<p class=\"warn\">out of memory</p></section>\n", f);
		return;
	}
	memcpy(v, r->anomalies, r->n_anomalies * sizeof(*v));
	qsort(v, r->n_anomalies, sizeof(*v), anomaly_cmp);
	fputs("<div class=\"scroll\"><table id=\"anomaly-table\"><thead><tr><th>Event</th>"
	      "<th>Type</th><th>Records</th><th>First</th><th>Last</th></tr></thead><tbody>\n",
	      f);
	for (size_t i = 0; i < r->n_anomalies; i++) {
		fputs("<tr>", f);
		td_str(f, v[i].event);
		td_str(f, v[i].type);
		td_num(f, v[i].count);
		td_time(f, v[i].first);
		td_time(f, v[i].last);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n</section>\n", f);
	free(v);
}

static void input_section(FILE *f, const struct report *r)
{
	fputs("<section id=\"input\"><h2>Input</h2>\n<ul>\n", f);
	for (size_t i = 0; i < r->n_sources; i++) {
		fputs("<li>", f);
		esc(f, r->sources[i][0]);
		fputs(": <code>", f);
		esc(f, r->sources[i][1]);
		fputs("</code></li>\n", f);
	}
	if (r->sources_more)
		fprintf(f, "<li>and %llu more</li>\n", (unsigned long long)r->sources_more);
	fputs("</ul>\n<table id=\"input-table\"><tbody>\n", f);
	struct {
		const char *what;
		uint64_t n;
		bool bad;
	} rows[] = {
		{ "lines read from EVE files", r->c.lines, false },
		{ "records", r->c.records, false },
		{ "blank lines", r->c.blank, false },
		{ "lines that are not JSON (CEF, LEEF, other text): skipped", r->c.not_json, true },
		{ "malformed or truncated JSON records: skipped", r->c.malformed, true },
		{ "lines longer than the limit: skipped", r->c.oversized, true },
		{ "records without a valid timestamp", r->c.no_time, true },
		{ "records missing a field they need (an address, the alert)", r->c.bad_fields, true },
		{ "records of no use to the report (stats...)", r->c.ignored, false },
		{ "records about hosts past the host limit", r->c.nodes_dropped, true },
		{ "records about pairs past the pair limit", r->c.edges_dropped, true },
		{ "alerts of rules past the rule limit", r->c.rule_alerts_dropped, true },
		{ "protocol names past the limit (shown as \"other\")", r->c.protos_dropped, true },
		{ "event types past the limit (not counted below)", r->c.types_dropped, true },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		fprintf(f, "<tr%s><td>%s</td><td class=\"n\">%llu</td></tr>\n",
			rows[i].bad && rows[i].n ? " class=\"atk\"" : "", rows[i].what,
			(unsigned long long)rows[i].n);
	fputs("</tbody></table>\n<p>Records by event type: ", f);
	for (size_t i = 0; i < r->n_types; i++) {
		fputs(i ? ", " : "", f);
		esc(f, r->types[i].name);
		fprintf(f, " %llu", (unsigned long long)r->types[i].count);
	}
	fprintf(f, ".</p>\n<p class=\"note\">Limits: %zu hosts, %zu pairs, %zu rules, %zu alerts "
		"listed, %zu anomaly kinds, %zu hosts and %zu pairs on the map, lines of %zu "
		"bytes.</p>\n</section>\n",
		r->lim.nodes, r->lim.edges, r->lim.rules, r->lim.alerts, r->lim.anomalies,
		r->lim.map_nodes, r->lim.map_edges, r->lim.line_max);
}

int report_write_html(struct report *r, FILE *f)
{
	report_finish(r);
	uint32_t *idx = malloc((r->n_nodes ? r->n_nodes : 1) * sizeof(*idx));
	if (!idx)
		return -1;
	head(f, r);
	summary(f, r, idx);
	map(f, r);
	host_table(f, r, idx);
	pair_table(f, r);
	timeline(f, r);
	alert_table(f, r);
	rule_table(f, r);
	anomaly_table(f, r);
	input_section(f, r);
	fputs("<footer class=\"note\" style=\"padding:8px 24px 24px\">Written by vigil report from "
	      "the records above: this page loads nothing and runs nothing.</footer>\n"
	      "</body>\n</html>\n",
	      f);
	free(idx);
	return ferror(f) ? -1 : 0;
}
