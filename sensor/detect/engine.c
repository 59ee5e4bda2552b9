/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The detection engine: loading, grouping, prefiltering and evaluation.
 *
 * Rules are grouped so that a packet or transaction only meets the rules
 * that can concern it:
 *   - packet rules by transport (tcp, udp, icmp, other; ip rules in all)
 *     and direction (to_server, to_client, unknown);
 *   - application rules by protocol and direction, and inside a group, the
 *     rules without content by the function code they pin (see
 *     app_keyword.function), so that a Modbus read meets only the rules
 *     about reads;
 *   - app-layer-event rules by (protocol, event).
 * Every content rule contributes its fast pattern to one Hyperscan literal
 * database per (group, buffer); a rule with content is evaluated only when
 * its pattern was seen. Candidates are evaluated in rule order (pass rules
 * first), so alerts of one packet come out in a fixed order.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdatomic.h>
#include <errno.h>
#include <hs/hs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "detect/rule.h"
#include "detect/threshold.h"
#include "proto/framing.h"
#include "proto/registry.h"
#include "util/jb.h"
#include "vigil/detect.h"

#define FUNC_MAX APP_FUNC_BITS
#define MAX_RULES (1u << 20)
#define MAX_LINE (1u << 16)

enum { PG_TCP, PG_UDP, PG_ICMP, PG_OTHER, PG__N };
enum { NEED_NOTHING, NEED_EVENTS, NEED_ANY }; /* pkt_need: no packet, one with
						* decoder events, every packet */

struct pf_db {
	const struct app_keyword *kw; /* NULL: packet payload */
	hs_database_t *db;
	/* build time */
	const char **pats;
	unsigned *flags;
	unsigned *ids;
	size_t *lens;
	size_t n, cap;
};

struct rgroup {
	uint32_t *nc;          /* rules without prefilter (any function) */
	uint32_t n_nc, cap_nc;
	/* [FUNC_MAX] rules without prefilter pinning f; once compiled, with
	 * nc merged in (the whole list for a tx of function f, in rule order) */
	uint32_t **nc_func;
	uint32_t *n_nc_func, *cap_nc_func;
	uint32_t *nc_pinned;   /* every rule pinned to some function, in rule
				* order; once compiled, with nc merged in */
	uint32_t n_nc_pinned, cap_nc_pinned;
	uint32_t *nc_ev;       /* rules with decode-event: only for packets with events */
	uint32_t n_nc_ev, cap_nc_ev;
	struct pf_db dbs[DETECT_MAX_BUF + 1];
	int n_dbs;
	uint32_t n_rules;
};

struct detect_engine {
	struct rule *rules;
	uint32_t n_rules;
	struct rgroup pkt[PG__N][3];
	uint8_t pkt_need[PG__N][3]; /* what a packet of that group must have
				     * for any of its rules to be evaluated */
	struct rgroup *app;    /* [n_parsers][2] */
	uint32_t **ev;         /* [(n_parsers + 1) * EV_SLOTS] lists */
	uint32_t *n_ev;
	struct class_entry *classes;
	size_t n_classes;
	struct thr_config thrc;
	char fb_names[RULE_MAX_FLOWBITS][48];
	int n_fb;
	uint64_t gen;          /* this engine, among those of the process */
};

#define EV_SLOTS 64

/* Per-flow state beyond flowbits (f->detect), made when a rule first needs
 * it: flowint values, and the counters of thresholds tracked by_flow. It
 * belongs to one engine: after a reload, the first rule to look finds it
 * from another and starts it anew (the names' indexes are the engine's). */
#define FLOW_THR_MAX 8
struct detect_flow {
	uint64_t gen;
	uint16_t fi_set;                     /* flowints set (bits) */
	uint32_t fi[RULE_MAX_FLOWINTS];
	uint8_t n_thr;
	struct {
		uint32_t rule;               /* rule index in the engine */
		uint8_t kind;                /* 1 threshold, 2 detection_filter */
		uint64_t first, seen, next;
	} thr[FLOW_THR_MAX];
};

static _Atomic uint64_t engine_gens;

struct detect_thread {
	const struct detect_engine *de;
	hs_scratch_t *hs;
	uint8_t *hitmap;
	uint32_t *hits;
	uint32_t n_hits;
	uint32_t *cand;
	struct detect_scratch s;
	struct detect_thread_stats st;
};

/* ---- classification -------------------------------------------------------- */

static int load_classes(struct detect_engine *de, const char *path, FILE *msgs, char *err,
			size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[1024];
	int ln = 0;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			continue;
		const char *pfx = "config classification:";
		if (strncmp(s, pfx, strlen(pfx)) != 0) {
			fprintf(msgs, "%s:%d: not a 'config classification:' line\n", path, ln);
			continue;
		}
		s += strlen(pfx);
		char *name = strtok(s, ",");
		char *desc = strtok(NULL, ",");
		char *prio = strtok(NULL, ",\r\n");
		if (!name || !desc || !prio) {
			fprintf(msgs, "%s:%d: expected 'name,description,priority'\n", path, ln);
			continue;
		}
		while (isspace((unsigned char)*name))
			name++;
		char *e = name + strlen(name);
		while (e > name && isspace((unsigned char)e[-1]))
			*--e = 0;
		while (isspace((unsigned char)*desc))
			desc++;
		int p = atoi(prio);
		if (p < 1 || p > 255) {
			fprintf(msgs, "%s:%d: invalid priority '%s'\n", path, ln, prio);
			continue;
		}
		struct class_entry *nc = realloc(de->classes, (de->n_classes + 1) * sizeof(*nc));
		if (!nc) {
			fclose(f);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		de->classes = nc;
		nc[de->n_classes].name = strdup(name);
		nc[de->n_classes].desc = strdup(desc);
		nc[de->n_classes].priority = p;
		de->n_classes++;
	}
	fclose(f);
	return 0;
}

/* ---- files ------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int add_rule(struct detect_engine *de, uint32_t *cap, struct rule *r, char *err,
		    size_t errlen)
{
	if (de->n_rules >= MAX_RULES) {
		snprintf(err, errlen, "more than %u rules", MAX_RULES);
		return -1;
	}
	if (de->n_rules == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 256;
		struct rule *nr = realloc(de->rules, nc * sizeof(*nr));
		if (!nr) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		de->rules = nr;
		*cap = nc;
	}
	de->rules[de->n_rules++] = *r;
	return 0;
}

/* The sid of a rule that failed to parse, found textually (0: none). */
static uint32_t scan_sid(const char *text)
{
	const char *p = strchr(text, '(');
	while (p && (p = strstr(p, "sid"))) {
		const char *b = p - 1;
		while (isspace((unsigned char)*b))
			b--;
		const char *a = p + 3;
		while (isspace((unsigned char)*a))
			a++;
		if ((*b == '(' || *b == ';') && *a == ':') {
			unsigned long v = strtoul(a + 1, NULL, 10);
			return v <= UINT32_MAX ? (uint32_t)v : 0;
		}
		p += 3;
	}
	return 0;
}

/* A rule that failed for an undefined variable is counted apart, and the
 * variable named once, for the load's summary line. */
static void note_variable(struct detect_load_report *rep, const char *e)
{
	const char *v = strstr(e, "unknown variable '$");
	if (!v)
		return;
	rep->var_failed++;
	v += strlen("unknown variable '");
	size_t n = strcspn(v, "'");
	size_t have = strlen(rep->vars);
	for (const char *p = rep->vars; (p = strstr(p, "$")); p++)
		if (strncmp(p, v, n) == 0 && (p[n] == ',' || p[n] == 0))
			return;
	snprintf(rep->vars + have, sizeof(rep->vars) - have, "%s%.*s", have ? ", " : "", (int)n, v);
}

static int load_file(struct detect_engine *de, struct rule_parse_ctx *pc, uint32_t *cap,
		     const char *path, FILE *msgs, struct detect_load_report *rep, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rep->files++;
	char *line = malloc(MAX_LINE);
	char *acc = malloc(MAX_LINE);
	if (!line || !acc) {
		free(line);
		free(acc);
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* A physical line longer than the buffer arrives in several chunks;
	 * every chunk of it belongs to the same rule, which is then rejected
	 * whole (never parsed from its tail). Memory stays bounded by the
	 * buffer whatever the line's length. */
	size_t alen = 0;
	int ln = 0, start_ln = 0;
	bool toolong = false;   /* the rule being read is over the limit */
	bool midline = false;   /* the last chunk did not end its physical line */
	bool skip = false;      /* the physical line is a comment or blank */
	while (fgets(line, MAX_LINE, f)) {
		size_t n = strlen(line);
		bool first = !midline;
		bool last = (n && line[n - 1] == '\n') || feof(f);
		midline = !last;
		if (first) {
			ln++;
			skip = false;
			if (alen == 0 && !toolong) {
				const char *t = line;
				while (isspace((unsigned char)*t))
					t++;
				/* a comment, or a blank line (a run of blanks that goes on
				 * beyond the buffer is not known to be blank: kept) */
				skip = *t == '#' || (!*t && last);
				start_ln = ln;
			}
		}
		if (skip)
			continue;
		if (last)
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = 0;
		char *s = line;
		if (first && alen == 0 && !toolong) {
			while (isspace((unsigned char)*s))
				s++;
			n = strlen(s);
		}
		bool cont = last && n && s[n - 1] == '\\';
		if (cont)
			s[--n] = 0;
		if (alen + n + 1 >= MAX_LINE) {
			toolong = true;
		} else if (!toolong) {
			memcpy(acc + alen, s, n);
			alen += n;
			acc[alen] = 0;
		}
		if (!last || cont)
			continue;
		if (toolong) {
			fprintf(msgs, "%s:%d: rule longer than %u bytes: skipped\n", path, start_ln,
				MAX_LINE);
			rep->failed++;
			toolong = false;
			alen = 0;
			continue;
		}
		if (alen == 0)
			continue;
		struct rule r;
		char e[512];
		int rc = rule_parse(pc, acc, &r, e, sizeof(e));
		if (rc == 0) {
			r.file = strdup(path);
			r.line = start_ln;
			if (add_rule(de, cap, &r, err, errlen) < 0) {
				rule_free(&r);
				free(line);
				free(acc);
				fclose(f);
				return -1;
			}
			rep->loaded++;
		} else {
			if (!r.sid)
				r.sid = scan_sid(acc);
			if (r.sid)
				fprintf(msgs, "%s:%d: sid %u: %s\n", path, start_ln, r.sid, e);
			else
				fprintf(msgs, "%s:%d: %s\n", path, start_ln, e);
			if (rc == -2)
				rep->unsupported++;
			else
				rep->failed++;
			note_variable(rep, e);
		}
		alen = 0;
	}
	if (toolong) {
		fprintf(msgs, "%s:%d: rule longer than %u bytes: skipped\n", path, start_ln,
			MAX_LINE);
		rep->failed++;
	} else if (alen) {
		fprintf(msgs, "%s:%d: file ends inside a continued rule\n", path, start_ln);
		rep->failed++;
	}
	free(line);
	free(acc);
	fclose(f);
	return 0;
}

static int load_path(struct detect_engine *de, struct rule_parse_ctx *pc, uint32_t *cap,
		     const char *path, FILE *msgs, struct detect_load_report *rep, char *err,
		     size_t errlen)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode))
		return load_file(de, pc, cap, path, msgs, rep, err, errlen);
	DIR *d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 7 || strcmp(e->d_name + l - 6, ".rules") != 0)
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn)
			break;
		names = nn;
		size_t pl = strlen(path) + l + 2;
		names[n] = malloc(pl);
		if (!names[n])
			break;
		snprintf(names[n], pl, "%s/%s", path, e->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = load_file(de, pc, cap, names[i], msgs, rep, err, errlen);
		free(names[i]);
	}
	free(names);
	return rc;
}

/* ---- groups ------------------------------------------------------------------ */

static int push(uint32_t **arr, uint32_t *n, uint32_t *cap, uint32_t v)
{
	if (*n == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 8;
		uint32_t *na = realloc(*arr, nc * sizeof(*na));
		if (!na)
			return -1;
		*arr = na;
		*cap = nc;
	}
	(*arr)[(*n)++] = v;
	return 0;
}

static struct pf_db *group_db(struct rgroup *g, const struct app_keyword *kw)
{
	for (int i = 0; i < g->n_dbs; i++)
		if (g->dbs[i].kw == kw)
			return &g->dbs[i];
	if (g->n_dbs >= DETECT_MAX_BUF + 1)
		return NULL;
	struct pf_db *d = &g->dbs[g->n_dbs++];
	memset(d, 0, sizeof(*d));
	d->kw = kw;
	return d;
}

/* A payload content the rule needs at a fixed place (startswith, or a
 * constant offset and depth), which rule_match checks before anything else;
 * such a rule needs no Hyperscan prefilter. -1 when there is none. */
static int find_anchor(const struct rule *r)
{
	for (int i = 0; i < r->n_sms; i++) {
		const struct sm *m = &r->sms[i];
		if (m->type != SM_CONTENT || m->buf != 0)
			continue;
		const struct sm_content *c = &m->u.c;
		if (c->flags & (CF_NEGATED | CF_RELATIVE | CF_NOCASE | CF_ENDSWITH))
			continue;
		if (c->flags & CF_STARTSWITH)
			return i;
		if ((c->flags & CF_HAS_DEPTH) && c->depth.var < 0 &&
		    (!(c->flags & CF_HAS_OFFSET) || c->offset.var < 0) && c->depth.v >= 0 &&
		    c->offset.v >= 0 && c->depth.v <= 64)
			return i;
	}
	return -1;
}

static void alert_fields(const struct rule *r, struct jb *jb);

static int rule_prepare(struct rule *r)
{
	struct jb jb;
	jb_init(&jb, 1 << 20);
	jb_open_object(&jb, NULL);
	alert_fields(r, &jb);
	jb_close(&jb);
	free(r->alert_json);
	r->alert_json = jb_ok(&jb) ? strndup(jb.buf, jb.len) : NULL;
	r->alert_json_len = r->alert_json ? jb.len : 0;
	jb_free(&jb);
	if (!r->alert_json)
		return -1;
	r->anchor = find_anchor(r);
	r->has_event_sm = false;
	for (int i = 0; i < r->n_sms; i++)
		if (r->sms[i].type == SM_DECODE_EVENT)
			r->has_event_sm = true;
	return 0;
}

static int group_add(struct rgroup *g, const struct rule *r)
{
	g->n_rules++;
	if (r->has_event_sm)
		return push(&g->nc_ev, &g->n_nc_ev, &g->cap_nc_ev, r->idx);
	/* the function index and a fixed-place content are cheaper and as
	 * selective as a Hyperscan scan of every tx */
	if (r->fp >= 0 && !r->has_fset && r->anchor < 0) {
		const struct sm *m = &r->sms[r->fp];
		struct pf_db *d = group_db(g, r->bufs[m->buf].kw);
		if (!d)
			return -1;
		if (d->n == d->cap) {
			size_t nc = d->cap ? d->cap * 2 : 16;
			const char **np = realloc(d->pats, nc * sizeof(*np));
			if (np)
				d->pats = np;
			unsigned *nf = realloc(d->flags, nc * sizeof(*nf));
			if (nf)
				d->flags = nf;
			unsigned *ni = realloc(d->ids, nc * sizeof(*ni));
			if (ni)
				d->ids = ni;
			size_t *nl = realloc(d->lens, nc * sizeof(*nl));
			if (nl)
				d->lens = nl;
			if (!np || !nf || !ni || !nl)
				return -1;
			d->cap = nc;
		}
		const struct sm_content *c = &m->u.c;
		uint32_t off = c->fp_len ? c->fp_off : 0, len = c->fp_len ? c->fp_len : c->len;
		d->pats[d->n] = (const char *)c->pat + off;
		d->lens[d->n] = len;
		d->flags[d->n] = HS_FLAG_SINGLEMATCH | ((c->flags & CF_NOCASE) ? HS_FLAG_CASELESS : 0);
		d->ids[d->n] = r->idx;
		d->n++;
		return 0;
	}
	if (r->has_fset) {
		if (!g->nc_func) {
			g->nc_func = calloc(FUNC_MAX, sizeof(*g->nc_func));
			g->n_nc_func = calloc(FUNC_MAX, sizeof(*g->n_nc_func));
			g->cap_nc_func = calloc(FUNC_MAX, sizeof(*g->cap_nc_func));
			if (!g->nc_func || !g->n_nc_func || !g->cap_nc_func)
				return -1;
		}
		if (push(&g->nc_pinned, &g->n_nc_pinned, &g->cap_nc_pinned, r->idx) < 0)
			return -1;
		for (int f = 0; f < FUNC_MAX; f++)
			if ((r->fset[f >> 3] & (1u << (f & 7))) &&
			    push(&g->nc_func[f], &g->n_nc_func[f], &g->cap_nc_func[f], r->idx) < 0)
				return -1;
		return 0;
	}
	return push(&g->nc, &g->n_nc, &g->cap_nc, r->idx);
}

/* *list (n entries, in rule order) with the group's nc merged in. */
static int merge_nc(const struct rgroup *g, uint32_t **list, uint32_t *n, uint32_t *cap)
{
	if (!g->n_nc || !*n)
		return 0;
	uint32_t *m = malloc(((size_t)*n + g->n_nc) * sizeof(*m));
	if (!m)
		return -1;
	uint32_t i = 0, j = 0, k = 0;
	while (i < g->n_nc || j < *n)
		m[k++] = j == *n || (i < g->n_nc && g->nc[i] < (*list)[j]) ? g->nc[i++] : (*list)[j++];
	free(*list);
	*list = m;
	*n = *cap = k;
	return 0;
}

static int group_compile(struct rgroup *g, char *err, size_t errlen)
{
	/* a tx with a function meets one list, not two to merge and sort */
	for (int f = 0; g->nc_func && f < FUNC_MAX; f++)
		if (merge_nc(g, &g->nc_func[f], &g->n_nc_func[f], &g->cap_nc_func[f]) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	if (merge_nc(g, &g->nc_pinned, &g->n_nc_pinned, &g->cap_nc_pinned) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < g->n_dbs; i++) {
		struct pf_db *d = &g->dbs[i];
		if (!d->n)
			continue;
		hs_compile_error_t *ce = NULL;
		if (hs_compile_lit_multi(d->pats, d->flags, d->ids, d->lens, (unsigned)d->n,
					 HS_MODE_BLOCK, NULL, &d->db, &ce) != HS_SUCCESS) {
			snprintf(err, errlen, "hyperscan: %s", ce ? ce->message : "compile failed");
			hs_free_compile_error(ce);
			return -1;
		}
		free(d->pats);
		free(d->flags);
		free(d->ids);
		free(d->lens);
		d->pats = NULL;
		d->flags = NULL;
		d->ids = NULL;
		d->lens = NULL;
	}
	return 0;
}

static void group_free(struct rgroup *g)
{
	free(g->nc);
	if (g->nc_func)
		for (int f = 0; f < FUNC_MAX; f++)
			free(g->nc_func[f]);
	free(g->nc_func);
	free(g->nc_pinned);
	free(g->nc_ev);
	free(g->n_nc_func);
	free(g->cap_nc_func);
	for (int i = 0; i < g->n_dbs; i++) {
		hs_free_database(g->dbs[i].db);
		free(g->dbs[i].pats);
		free(g->dbs[i].flags);
		free(g->dbs[i].ids);
		free(g->dbs[i].lens);
	}
	memset(g, 0, sizeof(*g));
}

static int rule_dirs(const struct rule *r, bool d[3])
{
	d[0] = !(r->flow & FLF_TOCLIENT);
	d[1] = !(r->flow & FLF_TOSERVER);
	d[2] = !(r->flow & (FLF_TOCLIENT | FLF_TOSERVER | FLF_ESTABLISHED));
	return 0;
}

static int build_groups(struct detect_engine *de, char *err, size_t errlen)
{
	size_t np = app_n_parsers;
	de->app = calloc(np * 2 + 1, sizeof(struct rgroup));
	de->ev = calloc((np + 1) * EV_SLOTS, sizeof(uint32_t *));
	de->n_ev = calloc((np + 1) * EV_SLOTS, sizeof(uint32_t));
	uint32_t *cap_ev = calloc((np + 1) * EV_SLOTS, sizeof(uint32_t));
	if (!de->app || !de->ev || !de->n_ev || !cap_ev) {
		free(cap_ev);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	for (uint32_t i = 0; i < de->n_rules && rc == 0; i++) {
		struct rule *r = &de->rules[i];
		if (rule_prepare(r) < 0) {
			rc = -1;
			break;
		}
		bool d[3];
		rule_dirs(r, d);
		if (r->ev_parser != -2) {
			/* one list per event the rule names (an alias may name several) */
			for (unsigned e = 0; e < EV_SLOTS && rc == 0; e++) {
				if (!(r->ev_mask & (1ull << e)))
					continue;
				size_t slot = (size_t)(r->ev_parser + 1) * EV_SLOTS + e;
				if (push(&de->ev[slot], &de->n_ev[slot], &cap_ev[slot], i) < 0)
					rc = -1;
			}
			continue;
		}
		if (r->proto == RP_APP) {
			for (int k = 0; k < 2 && rc == 0; k++)
				if (d[k] && group_add(&de->app[(size_t)r->app * 2 + (size_t)k], r) < 0)
					rc = -1;
			continue;
		}
		for (int pg = 0; pg < PG__N; pg++) {
			bool in = r->proto == RP_IP || (r->proto == RP_TCP && pg == PG_TCP) ||
				  (r->proto == RP_UDP && pg == PG_UDP) ||
				  (r->proto == RP_ICMP && pg == PG_ICMP);
			for (int k = 0; in && k < 3 && rc == 0; k++)
				if (d[k] && group_add(&de->pkt[pg][k], r) < 0)
					rc = -1;
		}
	}
	free(cap_ev);
	if (rc < 0) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int pg = 0; pg < PG__N; pg++)
		for (int k = 0; k < 3; k++) {
			const struct rgroup *g = &de->pkt[pg][k];
			if (group_compile(&de->pkt[pg][k], err, errlen) < 0)
				return -1;
			de->pkt_need[pg][k] = !g->n_rules ? NEED_NOTHING
					      : (g->n_dbs || g->n_nc) ? NEED_ANY
					      : g->n_nc_ev ? NEED_EVENTS : NEED_NOTHING;
		}
	for (size_t i = 0; i < np * 2; i++)
		if (group_compile(&de->app[i], err, errlen) < 0)
			return -1;
	return 0;
}

/* pass rules first, otherwise load order */
static int cmp_action(const void *a, const void *b)
{
	const struct rule *x = a, *y = b;
	int px = x->action == RA_PASS ? 0 : 1, py = y->action == RA_PASS ? 0 : 1;
	if (px != py)
		return px - py;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct detect_engine *detect_engine_load(const struct detect_config *cfg,
					 const char *const *paths, size_t n_paths, FILE *msgs,
					 struct detect_load_report *rep, char *err, size_t errlen)
{
	struct detect_load_report dummy;
	if (!rep)
		rep = &dummy;
	memset(rep, 0, sizeof(*rep));
	if (!msgs)
		msgs = stderr;
	err[0] = 0;
	struct detect_engine *de = calloc(1, sizeof(*de));
	if (!de) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cfg && cfg->classification_file &&
	    load_classes(de, cfg->classification_file, msgs, err, errlen) < 0)
		goto fail;
	struct rule_parse_ctx pc;
	memset(&pc, 0, sizeof(pc));
	pc.cfg = cfg;
	pc.classes = de->classes;
	pc.n_classes = de->n_classes;
	uint32_t cap = 0;
	for (size_t i = 0; i < n_paths; i++)
		if (load_path(de, &pc, &cap, paths[i], msgs, rep, err, errlen) < 0)
			goto fail;
	/* duplicate gid:sid: the later one is reported and dropped */
	for (uint32_t i = 0; i < de->n_rules; i++)
		de->rules[i].idx = i;
	for (uint32_t i = 0; i < de->n_rules; i++) {
		for (uint32_t j = 0; j < i; j++) {
			if (de->rules[j].sid == de->rules[i].sid && de->rules[j].gid == de->rules[i].gid) {
				fprintf(msgs, "%s:%d: sid %u: duplicate of the rule at %s:%d: skipped\n",
					de->rules[i].file, de->rules[i].line, de->rules[i].sid,
					de->rules[j].file, de->rules[j].line);
				rule_free(&de->rules[i]);
				memmove(&de->rules[i], &de->rules[i + 1],
					(de->n_rules - i - 1) * sizeof(struct rule));
				de->n_rules--;
				rep->loaded--;
				rep->failed++;
				i--;
				break;
			}
		}
	}
	if (de->n_rules > 1)
		qsort(de->rules, de->n_rules, sizeof(struct rule), cmp_action);
	for (uint32_t i = 0; i < de->n_rules; i++)
		de->rules[i].idx = i;
	memcpy(de->fb_names, pc.fb_names, sizeof(de->fb_names));
	de->n_fb = pc.n_fb;
	de->gen = atomic_fetch_add(&engine_gens, 1) + 1;
	if (cfg && cfg->strict && (rep->failed || rep->unsupported)) {
		snprintf(err, errlen, "%u rules failed to load", rep->failed + rep->unsupported);
		goto fail;
	}
	if (cfg && cfg->threshold_file &&
	    thr_config_load(&de->thrc, cfg->threshold_file, msgs, err, errlen) < 0)
		goto fail;
	if (build_groups(de, err, errlen) < 0)
		goto fail;
	return de;
fail:
	detect_engine_free(de);
	return NULL;
}

void detect_engine_free(struct detect_engine *de)
{
	if (!de)
		return;
	for (uint32_t i = 0; i < de->n_rules; i++)
		rule_free(&de->rules[i]);
	free(de->rules);
	for (int pg = 0; pg < PG__N; pg++)
		for (int k = 0; k < 3; k++)
			group_free(&de->pkt[pg][k]);
	if (de->app)
		for (size_t i = 0; i < app_n_parsers * 2; i++)
			group_free(&de->app[i]);
	free(de->app);
	if (de->ev)
		for (size_t i = 0; i < (app_n_parsers + 1) * EV_SLOTS; i++)
			free(de->ev[i]);
	free(de->ev);
	free(de->n_ev);
	for (size_t i = 0; i < de->n_classes; i++) {
		free(de->classes[i].name);
		free(de->classes[i].desc);
	}
	free(de->classes);
	thr_config_free(&de->thrc);
	free(de);
}

unsigned detect_engine_rule_count(const struct detect_engine *de)
{
	return de ? de->n_rules : 0;
}

const struct thr_config *detect_engine_thr_config(const struct detect_engine *de)
{
	return &de->thrc;
}

/* ---- threads ------------------------------------------------------------------ */

static int scratch_for(hs_scratch_t **s, const struct rgroup *g)
{
	for (int i = 0; i < g->n_dbs; i++)
		if (g->dbs[i].db && hs_alloc_scratch(g->dbs[i].db, s) != HS_SUCCESS)
			return -1;
	return 0;
}

struct detect_thread *detect_thread_new(const struct detect_engine *de)
{
	struct detect_thread *dt = calloc(1, sizeof(*dt));
	if (!dt)
		return NULL;
	dt->de = de;
	uint32_t n = de->n_rules ? de->n_rules : 1;
	dt->hitmap = calloc((n + 7) / 8, 1);
	dt->hits = calloc(n, sizeof(uint32_t));
	dt->cand = calloc(n, sizeof(uint32_t));
	dt->s.md = pcre2_match_data_create(32, NULL);
	dt->s.mctx = pcre2_match_context_create(NULL);
	if (!dt->hitmap || !dt->hits || !dt->cand || !dt->s.md || !dt->s.mctx)
		goto fail;
	pcre2_set_match_limit(dt->s.mctx, 10000);
	pcre2_set_depth_limit(dt->s.mctx, 1000);
	for (int pg = 0; pg < PG__N; pg++)
		for (int k = 0; k < 3; k++)
			if (scratch_for(&dt->hs, &de->pkt[pg][k]) < 0)
				goto fail;
	for (size_t i = 0; i < app_n_parsers * 2; i++)
		if (scratch_for(&dt->hs, &de->app[i]) < 0)
			goto fail;
	return dt;
fail:
	detect_thread_free(dt);
	return NULL;
}

void detect_thread_free(struct detect_thread *dt)
{
	if (!dt)
		return;
	hs_free_scratch(dt->hs);
	free(dt->hitmap);
	free(dt->hits);
	free(dt->cand);
	pcre2_match_data_free(dt->s.md);
	pcre2_match_context_free(dt->s.mctx);
	free(dt);
}

void detect_thread_stats(const struct detect_thread *dt, struct detect_thread_stats *st)
{
	if (dt)
		*st = dt->st;
	else
		memset(st, 0, sizeof(*st));
}

/* ---- evaluation ------------------------------------------------------------------ */

static int on_hs_match(unsigned id, unsigned long long from, unsigned long long to,
		       unsigned flags, void *ctx)
{
	(void)from;
	(void)to;
	(void)flags;
	struct detect_thread *dt = ctx;
	if (!(dt->hitmap[id >> 3] & (1u << (id & 7)))) {
		dt->hitmap[id >> 3] |= (uint8_t)(1u << (id & 7));
		dt->hits[dt->n_hits++] = id;
	}
	return 0;
}

static void scan(struct detect_thread *dt, const struct pf_db *d, const uint8_t *buf, size_t len)
{
	if (!d->db || !buf || !len)
		return;
	hs_scan(d->db, (const char *)buf, (unsigned)len, 0, dt->hs, on_hs_match, dt);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Candidates = prefilter hits + the given no-content lists (each in rule
 * order), sorted; *ids points at them. Without hits, a single list is used
 * where it is. */
static uint32_t candidates(struct detect_thread *dt, const uint32_t **ids, const uint32_t *a,
			   uint32_t na, const uint32_t *b, uint32_t nb)
{
	*ids = dt->cand;
	if (!dt->n_hits && (!na || !nb)) {
		*ids = na ? a : b;
		return na ? na : nb;
	}
	uint32_t n = 0;
	for (uint32_t i = 0; i < dt->n_hits; i++) {
		uint32_t id = dt->hits[i];
		dt->hitmap[id >> 3] &= (uint8_t)~(1u << (id & 7));
		dt->cand[n++] = id;
	}
	dt->st.prefilter_hits += dt->n_hits;
	dt->n_hits = 0;
	if (na)
		memcpy(dt->cand + n, a, na * sizeof(*a));
	n += na;
	if (nb)
		memcpy(dt->cand + n, b, nb * sizeof(*b));
	n += nb;
	if (n > 16) {
		qsort(dt->cand, n, sizeof(uint32_t), cmp_u32);
	} else {
		for (uint32_t i = 1; i < n; i++) { /* few: insertion sort */
			uint32_t v = dt->cand[i], j = i;
			for (; j > 0 && dt->cand[j - 1] > v; j--)
				dt->cand[j] = dt->cand[j - 1];
			dt->cand[j] = v;
		}
	}
	return n;
}

struct mctx {
	struct packet *p;
	struct flow *f;
	const struct app_tx *tx;
	uint8_t dir;          /* direction of p in f (0 to server) or 2 unknown */
	const struct vaddr *src, *dst;
	uint16_t sp, dp;
	uint8_t ip_ver;
	uint8_t ipproto;
	bool l2;              /* a frame without IP (GOOSE, PROFINET DCP...) */
};

static bool any_header(const struct rule *r)
{
	return r->src.any && !r->src.n_neg && r->dst.any && !r->dst.n_neg && r->sp.any &&
	       !r->sp.n_neg && r->dp.any && !r->dp.n_neg;
}

static bool header_match(const struct rule *r, const struct mctx *m)
{
	if (!m->src) /* a frame without IP: only `any any -> any any` can match it */
		return m->l2 && any_header(r);
	if (addrset_match(&r->src, m->src, m->ip_ver) && addrset_match(&r->dst, m->dst, m->ip_ver) &&
	    portset_match(&r->sp, m->sp) && portset_match(&r->dp, m->dp))
		return true;
	return r->bidir && addrset_match(&r->src, m->dst, m->ip_ver) &&
	       addrset_match(&r->dst, m->src, m->ip_ver) && portset_match(&r->sp, m->dp) &&
	       portset_match(&r->dp, m->sp);
}

static bool flow_match(const struct rule *r, const struct mctx *m)
{
	uint8_t fl = r->flow;
	if (!fl)
		return true;
	if ((fl & FLF_TOSERVER) && m->dir != 0)
		return false;
	if ((fl & FLF_TOCLIENT) && m->dir != 1)
		return false;
	bool est = false;
	if (m->f) {
		if (m->f->tcp)
			est = m->f->tcp->state >= TCPS_ESTABLISHED;
		else
			est = m->f->pkts[0] && m->f->pkts[1];
	}
	if ((fl & FLF_ESTABLISHED) && !est)
		return false;
	if ((fl & FLF_NOT_ESTABLISHED) && est)
		return false;
	return true;
}

/* ---- per-flow state: flowint, thresholds by flow --------------------------------- */

/* f's state for engine de, or NULL (none yet and !make, or no memory). */
static struct detect_flow *flow_state(const struct detect_engine *de, struct flow *f, bool make)
{
	struct detect_flow *df = f ? f->detect : NULL;
	if (df && df->gen != de->gen) {
		memset(df, 0, sizeof(*df));
		df->gen = de->gen;
	}
	if (!df && make && f) {
		df = calloc(1, sizeof(*df));
		if (df) {
			df->gen = de->gen;
			f->detect = df;
		}
	}
	return df;
}

static bool flowint_get(const struct detect_flow *df, int idx, uint32_t *v)
{
	if (!df || idx < 0 || !(df->fi_set & (1u << idx)))
		return false;
	*v = df->fi[idx];
	return true;
}

/* A flowint condition. A comparison with a flowint not set is false. */
static bool flowint_match(const struct detect_engine *de, struct flow *f,
			  const struct sm_flowint *c)
{
	const struct detect_flow *df = f ? flow_state(de, f, false) : NULL;
	uint32_t a, b;
	bool set = flowint_get(df, c->idx, &a);
	if (c->op == FI_ISSET)
		return set;
	if (c->op == FI_NOTSET)
		return !set;
	if (!set)
		return false;
	if (c->var >= 0) {
		if (!flowint_get(df, c->var, &b))
			return false;
	} else {
		b = c->val;
	}
	switch (c->op) {
	case FI_EQ: return a == b;
	case FI_NE: return a != b;
	case FI_LT: return a < b;
	case FI_GT: return a > b;
	case FI_LE: return a <= b;
	case FI_GE: return a >= b;
	default: return false;
	}
}

/* The set / add / subtract of a rule that matched. A flowint added to or
 * subtracted from before it was set starts at 0; values stay within
 * 0 .. 2^32-1 (saturating). */
static void flowint_actions(const struct detect_engine *de, struct flow *f, const struct rule *r)
{
	struct detect_flow *df = flow_state(de, f, true);
	if (!df)
		return;
	for (int k = 0; k < r->n_fi; k++) {
		const struct sm_flowint *a = &r->fi[k];
		uint32_t v = a->val;
		if (a->var >= 0 && !flowint_get(df, a->var, &v))
			continue; /* the operand is not set: nothing to do */
		uint32_t cur = (df->fi_set & (1u << a->idx)) ? df->fi[a->idx] : 0;
		uint64_t n = a->op == FI_SET ? v
			     : a->op == FI_ADD ? (uint64_t)cur + v
					       : (cur > v ? cur - v : 0);
		df->fi[a->idx] = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		df->fi_set |= (uint16_t)(1u << a->idx);
	}
}

struct mctx;
static bool flow_threshold_pass(const struct detect_engine *de, const struct mctx *m,
				const struct rule *r);

/* Instance idx of buffer b of r: the packet's payload (b 0, idx 0 only), or
 * a sticky buffer of the tx (idx > 0 for a multi-buffer only). */
static const uint8_t *rule_buffer(const struct rule *r, uint8_t b, const struct mctx *m,
				  uint32_t idx, size_t *len)
{
	if (b == 0) {
		if (!m->p || idx) {
			*len = 0;
			return NULL;
		}
		*len = m->p->payload_len;
		return m->p->payload;
	}
	const struct app_keyword *kw = r->bufs[b].kw;
	if (!m->tx || !kw->buffer || m->tx->proto != app_parsers[r->app] || (idx && !kw->buffer_at)) {
		*len = 0;
		return NULL;
	}
	return kw->buffer_at ? kw->buffer_at(m->tx, idx, len) : kw->buffer(m->tx, len);
}

/* Anchored contents are mostly a byte or three (a function code, an
 * exception code): compared here rather than through a call to memcmp. */
static inline bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	if (n > 4)
		return memcmp(a, b, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* The conditions few rules have, out of rule_match's way. */
static __attribute__((noinline)) bool rare_match(struct detect_thread *dt, const struct sm *s,
						 const struct mctx *m)
{
	switch (s->type) {
	case SM_CSUM:
		return m->p && csum_check(m->p, s->u.csum.which) == (int)s->u.csum.valid;
	case SM_IPVER:
		return m->ip_ver == s->u.ipver.ver;
	case SM_FLOWINT:
		return flowint_match(dt->de, m->f, &s->u.fi);
	default:
		return true;
	}
}

static bool rule_match(struct detect_thread *dt, const struct rule *r, const struct mctx *m)
{
	dt->st.evaluated++;
	/* the cheap and selective tests first: a content at a fixed place,
	 * protocol keywords on the tx, decoder events on the packet; then
	 * addresses and ports */
	if (r->anchor >= 0) {
		const struct sm_content *c = &r->sms[r->anchor].u.c;
		if (!m->p || !m->p->payload)
			return false;
		size_t len = m->p->payload_len;
		size_t lo = (c->flags & CF_STARTSWITH) ? 0 : (size_t)c->offset.v;
		size_t hi = (c->flags & CF_STARTSWITH) ? c->len : lo + (size_t)c->depth.v;
		if (hi > len)
			hi = len;
		if (lo >= hi || hi - lo < c->len)
			return false;
		if (hi - lo == c->len ? !same_bytes(m->p->payload + lo, c->pat, c->len)
				      : !memmem(m->p->payload + lo, hi - lo, c->pat, c->len))
			return false;
	}
	for (int i = 0; i < r->n_sms; i++) {
		const struct sm *s = &r->sms[i];
		if (s->type == SM_APPKW) {
			if (!m->tx || m->tx->proto != app_parsers[r->app] ||
			    !s->u.kw.kw->match(s->u.kw.data, m->tx))
				return false;
		} else if (s->type == SM_DECODE_EVENT && (!m->p || !m->p->n_events)) {
			return false;
		}
	}
	if (!header_match(r, m) || !flow_match(r, m))
		return false;
	if (r->proto == RP_APP && r->ipproto_hint && r->ipproto_hint != m->ipproto)
		return false;
	for (int i = 0; i < r->n_sms; i++) {
		const struct sm *s = &r->sms[i];
		switch (s->type) {
		case SM_DSIZE:
			if (!m->p || !du_match(&s->u.u, m->p->payload_len))
				return false;
			break;
		case SM_APPKW: /* checked above */
			break;
		case SM_FLOWBITS: {
			uint64_t have = m->f ? m->f->flowbits : 0;
			bool set = s->u.fb.all ? (have & s->u.fb.mask) == s->u.fb.mask
					       : (have & s->u.fb.mask) != 0;
			if (s->u.fb.op == FB_ISNOTSET)
				set = s->u.fb.all ? (have & s->u.fb.mask) == 0
						  : (have & s->u.fb.mask) != s->u.fb.mask;
			if (!set)
				return false;
			break;
		}
		case SM_APP_PROTO: {
			bool is;
			const struct proto_parser *fp = m->f ? app_flow_parser(m->f) : NULL;
			if (s->u.ap.parser == -2)
				is = m->f && m->f->app.status == APP_STATUS_FAILED;
			else
				is = fp && fp == app_parsers[s->u.ap.parser];
			if (is == s->u.ap.negated)
				return false;
			break;
		}
		case SM_FLAGS: {
			if (!m->p || m->ipproto != IPPROTO_TCP)
				return false;
			uint8_t fl = m->p->tcp_flags & s->u.flags.mask;
			uint8_t want = s->u.flags.set;
			bool ok;
			switch (s->u.flags.mode) {
			case '+': ok = (fl & want) == want; break;
			case '*': ok = (fl & want) != 0; break;
			case '!': ok = (fl & want) == 0; break;
			default: ok = fl == want; break;
			}
			if (!ok)
				return false;
			break;
		}
		case SM_DECODE_EVENT: {
			bool found = false;
			for (unsigned k = 0; m->p && k < m->p->n_events && !found; k++)
				found = m->p->events[k] == s->u.dev.ev;
			if (!found)
				return false;
			break;
		}
		case SM_CSUM:
		case SM_IPVER:
		case SM_FLOWINT:
			if (!rare_match(dt, s, m))
				return false;
			break;
		default:
			break;
		}
	}
	if (r->has_payload_sm) {
		for (uint8_t b = 0; b < r->n_bufs; b++) {
			/* a multi-buffer matches when one of its instances does */
			bool ok = false;
			for (uint32_t i = 0; !ok; i++) {
				size_t len;
				const uint8_t *buf = rule_buffer(r, b, m, i, &len);
				if (b > 0 && !buf)
					break;
				ok = payload_match(r, b, buf, len, &dt->s);
				if (b == 0 || !r->bufs[b].kw->buffer_at)
					break;
			}
			if (!ok)
				return false;
		}
	}
	return true;
}

/* The thresholds of r tracked by_flow: emit this match's alert? A match
 * without a flow, or with no room left in the flow's counters, is let
 * through (an IDS must not hide alerts because of its own limits). A
 * threshold.config line for the rule overrides its own thresholds, in the
 * output stage. */
static bool flow_threshold_pass(const struct detect_engine *de, const struct mctx *m,
				const struct rule *r)
{
	for (size_t i = 0; i < de->thrc.n; i++) {
		const struct thr_entry *e = &de->thrc.e[i];
		if (!e->suppress && (!e->sid || e->sid == r->sid) && (!e->gid || e->gid == r->gid))
			return true;
	}
	struct detect_flow *df = flow_state(de, m->f, true);
	if (!df)
		return true;
	uint64_t ts = m->p ? m->p->ts : m->f->last_ts;
	for (uint8_t kind = 2; kind >= 1; kind--) {
		const struct thr_spec *t = kind == 1 ? &r->thr : &r->df;
		if (!t->type || t->track != TRK_FLOW)
			continue;
		int slot = -1;
		for (int k = 0; k < df->n_thr && slot < 0; k++)
			if (df->thr[k].rule == r->idx && df->thr[k].kind == kind)
				slot = k;
		if (slot < 0) {
			if (df->n_thr >= FLOW_THR_MAX)
				continue;
			slot = df->n_thr++;
			df->thr[slot].rule = r->idx;
			df->thr[slot].kind = kind;
			df->thr[slot].first = ts;
			df->thr[slot].seen = 0;
			df->thr[slot].next = t->count;
		}
		if (!thr_hit(&df->thr[slot].first, &df->thr[slot].seen, &df->thr[slot].next, t, ts))
			return false;
	}
	return true;
}

/* Evaluates the candidates; alerts; stops at a matching pass rule. */
/* What a match does: flowbits and flowints, then the alert (none for
 * noalert, or held back by a threshold by flow). True for a pass rule: the
 * packet or tx meets no further rule. Out of line: matches are few, the
 * evaluations that come to nothing many. */
static __attribute__((noinline)) bool matched(struct detect_thread *dt, const struct rule *r,
					      const struct mctx *m,
					      const struct detect_alert_sink *sink)
{
	const struct detect_engine *de = dt->de;
	if (m->f)
		for (int k = 0; k < r->n_fb; k++) {
			uint64_t bit = 1ull << r->fb[k].bit;
			if (r->fb[k].op == FB_SET)
				m->f->flowbits |= bit;
			else if (r->fb[k].op == FB_UNSET)
				m->f->flowbits &= ~bit;
			else
				m->f->flowbits ^= bit;
		}
	if (r->n_fi && m->f)
		flowint_actions(de, m->f, r);
	if (r->action == RA_PASS)
		return true;
	if (r->noalert)
		return false;
	/* thresholds by flow are counted here, where the flow is; an alert
	 * they hold back goes on marked, for the output stage to count */
	bool held = (r->thr.track == TRK_FLOW || r->df.track == TRK_FLOW) &&
		    !flow_threshold_pass(de, m, r);
	dt->st.alerts++;
	if (m->f)
		m->f->alerted = 1;
	struct detect_alert a = { r, m->p, m->f, m->tx, m->dir, held };
	if (sink && sink->alert)
		sink->alert(sink->user, &a);
	return false;
}

static void run(struct detect_thread *dt, const uint32_t *ids, uint32_t n, const struct mctx *m,
		const struct detect_alert_sink *sink)
{
	const struct detect_engine *de = dt->de;
	for (uint32_t i = 0; i < n; i++) {
		const struct rule *r = &de->rules[ids[i]];
		if (i && ids[i] == ids[i - 1])
			continue;
		if (rule_match(dt, r, m) && matched(dt, r, m, sink))
			return;
	}
}

static void ctx_from(struct mctx *m, struct packet *p, struct flow *f, const struct app_tx *tx)
{
	memset(m, 0, sizeof(*m));
	m->p = p;
	m->f = f;
	m->tx = tx;
	if (p && (p->flags & PKT_HAS_FLOW_KEY || p->ip_ver)) {
		m->src = &p->src;
		m->dst = &p->dst;
		m->sp = p->sp;
		m->dp = p->dp;
		m->ip_ver = p->ip_ver;
		m->ipproto = p->l4proto;
		m->dir = f ? p->dir : 2;
	} else if (f) {
		uint8_t d = tx ? tx->dir : 0;
		m->src = &f->key.addr[d];
		m->dst = &f->key.addr[!d];
		m->sp = f->key.port[d];
		m->dp = f->key.port[!d];
		m->ip_ver = f->key.ip_ver;
		m->ipproto = f->key.proto;
		m->dir = d;
	}
	/* an industrial frame, or a frame without IP carrying decoder events
	 * (an MPLS stack, the broken inside of a tunnel) */
	if (p && !m->src && ((p->flags & PKT_IS_L2_ICS) || !p->ip_ver)) {
		m->l2 = true;
		m->dir = 0;
	}
	if (tx)
		m->dir = tx->dir;
}

/* detect_packet past the check most packets stop at */
static __attribute__((noinline)) void packet_rules(struct detect_thread *dt,
						   const struct rgroup *g, struct packet *p,
						   struct flow *f,
						   const struct detect_alert_sink *sink)
{
	for (int i = 0; i < g->n_dbs; i++)
		if (!g->dbs[i].kw)
			scan(dt, &g->dbs[i], p->payload, p->payload_len);
	const uint32_t *ids;
	uint32_t n = candidates(dt, &ids, g->nc, g->n_nc, g->nc_ev, p->n_events ? g->n_nc_ev : 0);
	if (!n)
		return;
	struct mctx m;
	ctx_from(&m, p, f, NULL);
	run(dt, ids, n, &m, sink);
}

void detect_packet(struct detect_thread *dt, struct packet *p, struct flow *f,
		   const struct detect_alert_sink *sink)
{
	/* without IP, only decoder-event rules of `any any -> any any` can
	 * match (header_match) */
	if (!dt || !p || (!p->ip_ver && !p->n_events))
		return;
	const struct detect_engine *de = dt->de;
	int pg = p->l4proto == IPPROTO_TCP ? PG_TCP : p->l4proto == IPPROTO_UDP ? PG_UDP
		 : (p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6) ? PG_ICMP : PG_OTHER;
	int k = f ? p->dir : 2;
	/* most packets meet a group of decoder-event rules only */
	uint8_t need = de->pkt_need[pg][k];
	if (need == NEED_NOTHING || (need == NEED_EVENTS && !p->n_events))
		return;
	packet_rules(dt, &de->pkt[pg][k], p, f, sink);
}

void detect_tx(struct detect_thread *dt, struct packet *p, struct flow *f,
	       const struct app_tx *tx, const struct detect_alert_sink *sink)
{
	if (!dt || !tx)
		return;
	const struct detect_engine *de = dt->de;
	int ai = app_parser_index_of(tx->proto);
	if (ai < 0)
		return;
	const struct rgroup *g = &de->app[(size_t)ai * 2 + (tx->dir ? 1 : 0)];
	if (!g->n_rules)
		return;
	for (int i = 0; i < g->n_dbs; i++) {
		const struct pf_db *d = &g->dbs[i];
		if (!d->kw) {
			if (p)
				scan(dt, d, p->payload, p->payload_len);
		} else if (d->kw->buffer_at) {
			size_t len = 0;
			const uint8_t *b;
			for (uint32_t k = 0; (b = d->kw->buffer_at(tx, k, &len)) != NULL; k++)
				scan(dt, d, b, len);
		} else {
			size_t len = 0;
			const uint8_t *b = d->kw->buffer(tx, &len);
			scan(dt, d, b, len);
		}
	}
	/* the rules for any function, or those and the ones pinned to the
	 * tx's (one list, merged when the engine was built) */
	const uint32_t *fl = g->nc;
	uint32_t nfl = g->n_nc;
	if (g->nc_func && tx->proto->tx_function) {
		int fn = tx->proto->tx_function(tx);
		if (fn >= 0 && fn < FUNC_MAX && g->n_nc_func[fn]) {
			fl = g->nc_func[fn];
			nfl = g->n_nc_func[fn];
		} else if (fn == APP_FUNC_SEVERAL && g->n_nc_pinned) {
			fl = g->nc_pinned;
			nfl = g->n_nc_pinned;
		}
	}
	const uint32_t *ids;
	uint32_t n = candidates(dt, &ids, fl, nfl, g->nc_ev, p && p->n_events ? g->n_nc_ev : 0);
	if (!n)
		return;
	struct mctx m;
	ctx_from(&m, p, f, tx);
	run(dt, ids, n, &m, sink);
}

void detect_app_event(struct detect_thread *dt, struct packet *pk, struct flow *f,
		      const struct proto_parser *p, uint16_t ev,
		      const struct detect_alert_sink *sink)
{
	if (!dt || ev >= EV_SLOTS)
		return;
	const struct detect_engine *de = dt->de;
	int pi = p ? app_parser_index_of(p) : -1;
	if (p && pi < 0)
		return;
	size_t slot = (size_t)(pi + 1) * EV_SLOTS + ev;
	uint32_t n = de->n_ev[slot];
	if (!n)
		return;
	dt->n_hits = 0;
	struct mctx m;
	ctx_from(&m, pk, f, NULL);
	if (!m.src && !m.l2)
		return;
	run(dt, de->ev[slot], n, &m, sink);
}

void detect_flow_free(struct flow *f)
{
	f->flowbits = 0;
	free(f->detect);
	f->detect = NULL;
}

/* ---- alert records ---------------------------------------------------------------- */

void detect_alert_json(const struct rule *r, struct jb *jb)
{
	if (r->alert_json) {
		jb_set_raw(jb, "alert", r->alert_json, r->alert_json_len);
		return;
	}
	jb_open_object(jb, "alert");
	alert_fields(r, jb);
	jb_close(jb);
}

static void alert_fields(const struct rule *r, struct jb *jb)
{
	static const char *const actions[] = { "allowed", "pass", "drop", "reject" };
	jb_set_str(jb, "action", "allowed");
	if (r->action == RA_DROP || r->action == RA_REJECT)
		jb_set_str(jb, "rule_action", actions[r->action]);
	jb_set_uint(jb, "gid", r->gid);
	jb_set_uint(jb, "signature_id", r->sid);
	jb_set_uint(jb, "rev", r->rev);
	jb_set_str(jb, "signature", r->msg ? r->msg : "");
	jb_set_str(jb, "category", r->category ? r->category : "");
	jb_set_uint(jb, "severity", (uint64_t)r->priority);
	if (r->metadata)
		jb_set_raw(jb, "metadata", r->metadata, strlen(r->metadata));
}

int detect_rule_severity(const struct rule *r)
{
	return r->priority;
}

uint32_t detect_rule_sid(const struct rule *r)
{
	return r->sid;
}

void detect_alert_meta_fill(const struct detect_alert *a, struct detect_alert_meta *m)
{
	const struct rule *r = a->rule;
	memset(m, 0, sizeof(*m));
	m->gid = r->gid;
	m->sid = r->sid;
	/* thresholds by flow were applied by the worker (a->held) */
	if (r->thr.track != TRK_FLOW) {
		m->thr_type = r->thr.type;
		m->thr_track = r->thr.track;
		m->thr_count = r->thr.count;
		m->thr_seconds = r->thr.seconds;
	}
	if (r->df.type && r->df.track != TRK_FLOW) {
		m->df_track = r->df.track;
		m->df_count = r->df.count;
		m->df_seconds = r->df.seconds;
	}
	m->held = a->held;
	if (a->p && a->p->ip_ver) {
		m->src = a->p->src;
		m->dst = a->p->dst;
		m->ip_ver = a->p->ip_ver;
	} else if (a->f) {
		uint8_t d = a->tx ? a->tx->dir : 0;
		m->src = a->f->key.addr[d];
		m->dst = a->f->key.addr[!d];
		m->ip_ver = a->f->key.ip_ver;
	}
}
