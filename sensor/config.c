/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/registry.h"

void config_defaults(struct vigil_config *c)
{
	memset(c, 0, sizeof(*c));
	c->workers = 0;
	c->snaplen = 262144;
	c->promisc = true;
	c->immediate = false; /* batches: a wake-up per packet cost 25x the CPU */
	c->buffer_mb = 64;
	worker_config_defaults(&c->worker);
	defrag_config_defaults(&c->defrag);
	tunnel_config_defaults(&c->tunnel);
	c->stats_interval = 30;
	c->ring_size = 4096;
	c->xdp_drop_others = true;
	c->eve_enabled = true;
	c->eve_filename = "eve.json";
	c->eve_rotate_keep = 5;
	c->sign_block_records = 1024;
	c->sign_block_ms = 1000;
	bl_config_defaults(&c->baseline);
}

static int read_format(struct ydoc *d, struct ynode *m, enum sink_format *out)
{
	const char *f = NULL;
	if (ynode_str(d, m, "format", &f) < 0)
		return -1;
	if (!f)
		return 0;
	if (strcmp(f, "eve") == 0)
		*out = SINK_EVE;
	else if (strcmp(f, "cef") == 0)
		*out = SINK_CEF;
	else if (strcmp(f, "leef") == 0)
		*out = SINK_LEEF;
	else
		return ydoc_error(d, ynode_get(m, "format"), "format", "expected eve, cef or leef, got \"%s\"", f);
	return 0;
}

static int copy_str(struct ydoc *d, struct ynode *m, const char *key, char *out, size_t cap)
{
	const char *v = NULL;
	if (ynode_str(d, m, key, &v) < 0)
		return -1;
	if (v && strlen(v) >= cap)
		return ydoc_error(d, ynode_get(m, key), key, "longer than %zu characters", cap - 1);
	if (v)
		snprintf(out, cap, "%s", v);
	return 0;
}

static const char *const facilities[] = { "kern", "user", "mail", "daemon", "auth", "syslog",
					  "lpr", "news", "uucp", "cron", "authpriv", "ftp",
					  "ntp", "audit", "alert", "clock", "local0", "local1",
					  "local2", "local3", "local4", "local5", "local6", "local7" };

static int read_syslog(struct ydoc *d, struct ynode *e, struct syslog_config *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->facility = 16;
	sc->verify = true;
	sc->spool_max = 256ull << 20;
	sc->drain_ms = 5000;
	const char *t = NULL, *fr = NULL, *fac = NULL;
	if (ynode_str(d, e, "transport", &t) < 0 || ynode_str(d, e, "framing", &fr) < 0 ||
	    ynode_str(d, e, "facility", &fac) < 0)
		return -1;
	if (!t || strcmp(t, "tcp") == 0)
		sc->transport = SINK_TCP;
	else if (strcmp(t, "udp") == 0)
		sc->transport = SINK_UDP;
	else if (strcmp(t, "tls") == 0)
		sc->transport = SINK_TLS;
	else
		return ydoc_error(d, ynode_get(e, "transport"), "transport", "expected udp, tcp or tls, got \"%s\"", t);
	if (fr && strcmp(fr, "rfc5424") && strcmp(fr, "rfc3164"))
		return ydoc_error(d, ynode_get(e, "framing"), "framing", "expected rfc5424 or rfc3164, got \"%s\"", fr);
	sc->rfc3164 = fr && strcmp(fr, "rfc3164") == 0;
	if (fac) {
		int k = -1;
		for (int i = 0; i < 24; i++)
			if (strcmp(fac, facilities[i]) == 0)
				k = i;
		if (k < 0)
			return ydoc_error(d, ynode_get(e, "facility"), "facility", "unknown facility \"%s\"", fac);
		sc->facility = k;
	}
	if (copy_str(d, e, "host", sc->host, sizeof(sc->host)) < 0 ||
	    copy_str(d, e, "port", sc->port, sizeof(sc->port)) < 0 ||
	    copy_str(d, e, "spool-dir", sc->spool_dir, sizeof(sc->spool_dir)) < 0 ||
	    ynode_size(d, e, "spool-max", 1 << 20, 1ull << 42, &sc->spool_max) < 0 ||
	    ynode_u32(d, e, "drain-ms", 0, 600000, &sc->drain_ms) < 0 || read_format(d, e, &sc->format) < 0)
		return -1;
	if (!sc->host[0])
		return ydoc_error(d, e, "host", "a syslog target needs a host");
	if (copy_str(d, e, "sd-id", sc->sd_id, sizeof(sc->sd_id)) < 0)
		return -1;
	char why[160];
	if (sc->sd_id[0] && sink_sd_id_check(sc->sd_id, why, sizeof(why)) < 0)
		return ydoc_error(d, ynode_get(e, "sd-id"), "sd-id", "%s", why);
	if (!sc->port[0])
		snprintf(sc->port, sizeof(sc->port), "%s", sc->transport == SINK_TLS ? "6514" : "514");
	struct ynode *tls = NULL;
	if (ynode_map(d, e, "tls", &tls) < 0)
		return -1;
	if (tls && (copy_str(d, tls, "ca", sc->ca_file, sizeof(sc->ca_file)) < 0 ||
		    copy_str(d, tls, "cert", sc->cert_file, sizeof(sc->cert_file)) < 0 ||
		    copy_str(d, tls, "key", sc->key_file, sizeof(sc->key_file)) < 0 ||
		    copy_str(d, tls, "server-name", sc->server_name, sizeof(sc->server_name)) < 0 ||
		    ynode_bool(d, tls, "verify", &sc->verify) < 0))
		return -1;
	return 0;
}

static int read_outputs(struct ydoc *d, struct ynode *root, struct vigil_config *c)
{
	struct ynode *m = NULL, *n = NULL;
	if (ynode_map(d, root, "outputs", &m) < 0)
		return -1;
	if (m) {
		if (ynode_map(d, m, "eve-log", &n) < 0)
			return -1;
		if (n && (ynode_bool(d, n, "enabled", &c->eve_enabled) < 0 ||
			  ynode_str(d, n, "filename", &c->eve_filename) < 0 ||
			  read_format(d, n, &c->eve_format) < 0 ||
			  ynode_size(d, n, "rotate-size", 0, 1ull << 42, &c->eve_rotate_bytes) < 0 ||
			  ynode_u32(d, n, "rotate-keep", 1, 1000, &c->eve_rotate_keep) < 0))
			return -1;
		n = NULL;
		if (ynode_seq(d, m, "syslog", &n) < 0)
			return -1;
		for (struct ynode *e = n ? n->child : NULL; e; e = e->next) {
			e->used = true;
			if (e->type != YNODE_MAP)
				return ydoc_error(d, e, "syslog", "expected a list of targets (maps)");
			if (c->n_syslog >= 8)
				return ydoc_error(d, e, "syslog", "at most 8 targets");
			if (read_syslog(d, e, &c->syslog[c->n_syslog]) < 0)
				return -1;
			c->n_syslog++;
		}
	}
	/* sensor-name is Suricata's key (it writes "host" in every record when
	 * set); sensor-id, Vigil's older spelling, is the same setting */
	const char *sensor_name = NULL;
	if (ynode_str(d, root, "sensor-id", &c->sensor_id) < 0 ||
	    ynode_str(d, root, "sensor-name", &sensor_name) < 0)
		return -1;
	if (sensor_name && c->sensor_id && strcmp(sensor_name, c->sensor_id) != 0)
		return ydoc_error(d, ynode_get(root, "sensor-name"), "sensor-name",
				  "differs from sensor-id \"%s\" (the same setting: give one)",
				  c->sensor_id);
	if (sensor_name)
		c->sensor_id = sensor_name;
	for (size_t i = 0; i < c->n_syslog; i++)
		if (c->sensor_id)
			snprintf(c->syslog[i].sensor_id, sizeof(c->syslog[i].sensor_id), "%s", c->sensor_id);
	m = NULL;
	if (ynode_map(d, root, "signing", &m) < 0)
		return -1;
	if (m) {
		const char *mode = NULL;
		if (ynode_str(d, m, "key", &c->signing_key) < 0 ||
		    ynode_str(d, m, "previous-key", &c->signing_prev_key) < 0 ||
		    ynode_str(d, m, "state", &c->signing_state) < 0 ||
		    ynode_str(d, m, "mode", &mode) < 0 ||
		    ynode_u32(d, m, "block-records", 1, 1u << 20, &c->sign_block_records) < 0 ||
		    ynode_u32(d, m, "block-ms", 1, 3600000, &c->sign_block_ms) < 0)
			return -1;
		if (mode && strcmp(mode, "block") && strcmp(mode, "record"))
			return ydoc_error(d, ynode_get(m, "mode"), "mode", "expected block or record, got \"%s\"", mode);
		if (mode && strcmp(mode, "record") == 0)
			c->sign_block_records = 1;
	}
	return 0;
}

/* A fraction: "10%" or 0.1; lo..hi as fractions. */
static int read_fraction(struct ydoc *d, struct ynode *m, const char *key, double lo, double hi,
			 double *out)
{
	const char *v = NULL;
	int r = ynode_str(d, m, key, &v);
	if (r <= 0)
		return r;
	char *end;
	double x = strtod(v, &end);
	if (end != v && *end == '%' && end[1] == 0)
		x /= 100;
	else if (end == v || *end)
		x = -1;
	if (!(x >= lo && x <= hi))
		return ydoc_error(d, ynode_get(m, key), key, "expected a number %g..%g or a percentage, got \"%s\"",
				  lo, hi, v);
	*out = x;
	return 1;
}

static int read_baseline(struct ydoc *d, struct ynode *root, struct vigil_config *c)
{
	struct ynode *m = NULL;
	if (ynode_map(d, root, "baseline", &m) < 0)
		return -1;
	if (!m)
		return 0;
	struct bl_config *b = &c->baseline;
	const char *file = NULL;
	uint64_t ms = b->reported_interval_us / 1000u;
	if (ynode_str(d, m, "file", &file) < 0 ||
	    ynode_u32(d, m, "realert", 0, 86400 * 365, &b->realert_sec) < 0 ||
	    read_fraction(d, m, "value-tolerance", 0, 1000, &b->value_tolerance) < 0 ||
	    read_fraction(d, m, "reported-value-tolerance", 0, 1000, &b->reported_tolerance) < 0 ||
	    read_fraction(d, m, "value-margin", 0, 1e15, &b->value_margin) < 0 ||
	    ynode_u64(d, m, "reported-value-interval", 0, 86400000, &ms) < 0 ||
	    read_fraction(d, m, "period-k", 0, 1000, &b->period_k) < 0 ||
	    read_fraction(d, m, "period-tolerance", 0, 1000, &b->period_tolerance) < 0 ||
	    ynode_u32(d, m, "period-min-samples", 1, 1u << 30, &b->period_min_samples) < 0 ||
	    read_fraction(d, m, "period-max-variation", 0, 1000, &b->period_max_variation) < 0 ||
	    ynode_u32(d, m, "period-max-interval", 1, 86400 * 30, &b->period_max_sec) < 0 ||
	    ynode_u32(d, m, "dedup-entries", 64, 1u << 26, &b->dedup_entries) < 0 ||
	    ynode_u32(d, m, "max-conversations", 1, 1u << 24, &b->max_conversations) < 0 ||
	    ynode_u32(d, m, "max-functions", 1, 1u << 16, &b->max_functions) < 0 ||
	    ynode_u32(d, m, "max-ranges", 1, 1u << 20, &b->max_ranges) < 0 ||
	    ynode_u32(d, m, "max-names", 1, 1u << 20, &b->max_names) < 0 ||
	    ynode_u32(d, m, "max-values", 1, 1u << 24, &b->max_values) < 0 ||
	    ynode_u32(d, m, "max-identities", 1, 1u << 24, &b->max_identities) < 0 ||
	    ynode_u32(d, m, "l2-conversations", 1, 1u << 20, &b->l2_conversations) < 0 ||
	    ynode_u32(d, m, "max-connection-starts", 1, 1u << 30, &b->max_starts) < 0 ||
	    ynode_u32(d, m, "conn-entries", 1, 1u << 24, &b->conn_entries) < 0 ||
	    ynode_size(d, m, "max-file-size", 1024, 1ull << 34, &b->max_file_bytes) < 0)
		return -1;
	if (file && *file)
		c->baseline_file = file;
	b->reported_interval_us = ms * 1000u;
	return 0;
}

void config_free(struct vigil_config *c)
{
	for (size_t i = 0; i < c->n_owned; i++)
		free(c->owned[i]);
	c->n_owned = 0;
	ydoc_free(&c->doc);
}

/* name relative to the rule path (itself relative to the config file). */
static const char *resolve(struct vigil_config *c, const char *name)
{
	if (!name || name[0] == '/' || c->n_owned >= sizeof(c->owned) / sizeof(c->owned[0]))
		return name;
	const char *rp = c->rule_path ? c->rule_path : ".";
	size_t n = strlen(c->base_dir) + strlen(rp) + strlen(name) + 3;
	char *s = malloc(n);
	if (!s)
		return name;
	if (rp[0] == '/')
		snprintf(s, n, "%s/%s", rp, name);
	else if (strcmp(rp, ".") == 0)
		snprintf(s, n, "%s/%s", c->base_dir, name);
	else
		snprintf(s, n, "%s/%s/%s", c->base_dir, rp, name);
	c->owned[c->n_owned++] = s;
	return s;
}

static int read_vars(struct ydoc *d, struct ynode *m, struct detect_var *vars, size_t *n,
		     const char *what)
{
	for (struct ynode *v = m ? m->child : NULL; v; v = v->next) {
		v->used = true;
		if (v->type != YNODE_SCALAR)
			return ydoc_error(d, v, v->key, "a %s variable must be a string", what);
		if (*n >= CONFIG_MAX_VARS)
			return ydoc_error(d, v, v->key, "more than %d %s variables", CONFIG_MAX_VARS,
					  what);
		for (const char *s = v->key; *s; s++)
			if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
			      (*s >= '0' && *s <= '9') || *s == '_'))
				return ydoc_error(d, v, v->key, "variable names use A-Z, 0-9 and _");
		vars[*n].name = v->key;
		vars[*n].value = v->value;
		(*n)++;
	}
	return 0;
}

/* Every variable's value must parse (with the variables it names): a bad
 * one would otherwise turn off every rule that uses it. */
static int check_vars(struct ydoc *d, struct ynode *vars, const struct vigil_config *c)
{
	struct detect_config dc = {
		.address_vars = c->address_vars, .n_address_vars = c->n_address_vars,
		.port_vars = c->port_vars, .n_port_vars = c->n_port_vars,
	};
	size_t idx;
	bool is_port;
	char why[256];
	if (detect_vars_check(&dc, &idx, &is_port, why, sizeof(why)) == 0)
		return 0;
	struct ynode *g = ynode_get(vars, is_port ? "port-groups" : "address-groups");
	struct ynode *v = g ? g->child : NULL;
	for (size_t i = 0; v && i < idx; i++)
		v = v->next;
	return ydoc_error(d, v ? v : vars, v ? v->key : "vars", "%s", why);
}

static int read_timeouts(struct ydoc *d, struct ynode *m, const char *key, struct flow_timeouts *t)
{
	struct ynode *n = NULL;
	int r = ynode_map(d, m, key, &n);
	if (r <= 0 || !n)
		return r;
	if (ynode_u32(d, n, "new", 1, 86400 * 7, &t->new_sec) < 0 ||
	    ynode_u32(d, n, "established", 1, 86400 * 30, &t->est_sec) < 0 ||
	    ynode_u32(d, n, "closed", 0, 86400, &t->closed_sec) < 0)
		return -1;
	return 1;
}

/* A list of ports into ports[0..cap-2], 0-terminated. */
static int read_ports(struct ydoc *d, struct ynode *m, const char *key, uint16_t *ports,
		      size_t cap)
{
	struct ynode *s = NULL;
	int r = ynode_seq(d, m, key, &s);
	if (r <= 0 || !s)
		return r;
	size_t i = 0;
	for (struct ynode *e = s->child; e; e = e->next) {
		e->used = true;
		char *end;
		long v = e->type == YNODE_SCALAR ? strtol(e->value, &end, 10) : -1;
		if (e->type != YNODE_SCALAR || *end || v < 1 || v > 65535)
			return ydoc_error(d, e, key, "expected port numbers 1..65535");
		if (i + 1 >= cap)
			return ydoc_error(d, e, key, "at most %zu ports", cap - 1);
		ports[i++] = (uint16_t)v;
	}
	ports[i] = 0;
	return 1;
}

static int read_app(struct ydoc *d, struct ynode *m, struct vigil_config *c)
{
	struct ynode *al = NULL;
	if (ynode_map(d, m, "app-layer", &al) < 0)
		return -1;
	if (!al)
		return 0;
	if (ynode_size(d, al, "pdu-memcap", 1 << 16, 1ull << 40, &c->worker.app.pdu_memcap) < 0)
		return -1;
	struct ynode *protos = NULL;
	if (ynode_map(d, al, "protocols", &protos) < 0)
		return -1;
	for (struct ynode *p = protos ? protos->child : NULL; p; p = p->next) {
		p->used = true;
		int i = app_parser_index(p->key);
		if (i < 0)
			return ydoc_error(d, p, p->key, "unknown protocol");
		if (p->type != YNODE_MAP)
			return ydoc_error(d, p, p->key, "expected a map of settings");
		struct app_proto_config *pc = &c->worker.app.proto[i];
		if (ynode_bool(d, p, "enabled", &pc->enabled) < 0 ||
		    ynode_bool(d, p, "log", &pc->log_tx) < 0)
			return -1;
		struct ynode *ports = NULL;
		if (ynode_map(d, p, "ports", &ports) < 0)
			return -1;
		if (ports && (read_ports(d, ports, "tcp", pc->tcp_ports, APP_MAX_EXTRA_PORTS) < 0 ||
			      read_ports(d, ports, "udp", pc->udp_ports, APP_MAX_EXTRA_PORTS) < 0))
			return -1;
	}
	return 0;
}

/* assets: the passive inventory (anomaly/assets.h) */
static int read_assets(struct ydoc *d, struct ynode *root, struct assets_config *a)
{
	struct ynode *m = NULL;
	if (ynode_map(d, root, "assets", &m) < 0)
		return -1;
	if (m && (ynode_bool(d, m, "enabled", &a->enabled) < 0 ||
		  ynode_u32(d, m, "max-assets", 16, 1u << 22, &a->max_assets) < 0 ||
		  ynode_u32(d, m, "master-min-devices", 1, 8, &a->master_min) < 0 ||
		  ynode_u32(d, m, "refresh", 0, 86400 * 365, &a->refresh_sec) < 0 ||
		  ynode_str(d, m, "oui-file", &a->oui_file) < 0))
		return -1;
	return 0;
}

/* a name relative to the config file's folder; "" (as the shipped file
 * writes previous-key and state) is no file */
static const char *resolve_plain(struct vigil_config *c, const char *name)
{
	if (name && !name[0])
		return NULL;
	if (!name || name[0] == '/' || c->n_owned >= sizeof(c->owned) / sizeof(c->owned[0]))
		return name;
	size_t n = strlen(c->base_dir) + strlen(name) + 2;
	char *s = malloc(n);
	if (!s)
		return name;
	snprintf(s, n, "%s/%s", c->base_dir, name);
	c->owned[c->n_owned++] = s;
	return s;
}

static int resolve_paths(struct vigil_config *c)
{
	for (size_t i = 0; i < c->n_rule_files; i++)
		c->rule_files[i] = resolve(c, c->rule_files[i]);
	c->classification_file = resolve(c, c->classification_file);
	c->threshold_file = resolve(c, c->threshold_file);
	c->signing_key = resolve_plain(c, c->signing_key);
	c->signing_prev_key = resolve_plain(c, c->signing_prev_key);
	c->signing_state = resolve_plain(c, c->signing_state);
	c->baseline_file = resolve_plain(c, c->baseline_file);
	if (c->worker.assets.oui_file && c->worker.assets.oui_file[0])
		c->worker.assets.oui_file = resolve_plain(c, c->worker.assets.oui_file);
	return 0;
}

int config_load(struct vigil_config *c, const char *path, char *err, size_t errlen)
{
	struct ydoc *d = &c->doc;
	if (ydoc_load(d, path) < 0) {
		snprintf(err, errlen, "%s", d->err);
		return -1;
	}
	const char *slash = strrchr(path, '/');
	if (slash)
		snprintf(c->base_dir, sizeof(c->base_dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(c->base_dir, sizeof(c->base_dir), ".");

	struct ynode *root = d->root, *m = NULL, *n = NULL;

	/* vars */
	if (ynode_map(d, root, "vars", &m) < 0)
		goto fail;
	if (m) {
		if (ynode_map(d, m, "address-groups", &n) < 0 ||
		    read_vars(d, n, c->address_vars, &c->n_address_vars, "address") < 0)
			goto fail;
		n = NULL;
		if (ynode_map(d, m, "port-groups", &n) < 0 ||
		    read_vars(d, n, c->port_vars, &c->n_port_vars, "port") < 0)
			goto fail;
		if (check_vars(d, m, c) < 0)
			goto fail;
	}
	/* rules */
	m = NULL;
	if (ynode_seq(d, root, "rule-files", &m) < 0)
		goto fail;
	for (struct ynode *e = m ? m->child : NULL; e; e = e->next) {
		e->used = true;
		if (e->type != YNODE_SCALAR) {
			ydoc_error(d, e, "rule-files", "expected file names");
			goto fail;
		}
		if (c->n_rule_files >= CONFIG_MAX_RULE_FILES) {
			ydoc_error(d, e, "rule-files", "more than %d entries", CONFIG_MAX_RULE_FILES);
			goto fail;
		}
		c->rule_file_lines[c->n_rule_files] = e->line;
		c->rule_files[c->n_rule_files++] = e->value;
	}
	if (ynode_str(d, root, "default-rule-path", &c->rule_path) < 0 ||
	    ynode_str(d, root, "classification-file", &c->classification_file) < 0 ||
	    ynode_str(d, root, "threshold-file", &c->threshold_file) < 0 ||
	    ynode_str(d, root, "default-log-dir", &c->log_dir) < 0)
		goto fail;

	/* workers: a number or "auto" */
	n = ynode_get(root, "workers");
	if (n) {
		if (n->type != YNODE_SCALAR) {
			ydoc_error(d, n, "workers", "expected a number or auto");
			goto fail;
		}
		if (strcmp(n->value, "auto") == 0) {
			c->workers = 0;
		} else {
			uint32_t w;
			if (ynode_u32(d, root, "workers", 1, 256, &w) < 0)
				goto fail;
			c->workers = (int)w;
		}
	}

	/* capture */
	m = NULL;
	if (ynode_map(d, root, "capture", &m) < 0)
		goto fail;
	if (m) {
		uint32_t v;
		int r = ynode_u32(d, m, "snaplen", 64, 262144, &v);
		if (r < 0)
			goto fail;
		if (r)
			c->snaplen = (int)v;
		r = ynode_u32(d, m, "buffer-mb", 0, 4096, &v);
		if (r < 0)
			goto fail;
		if (r)
			c->buffer_mb = (int)v;
		if (ynode_bool(d, m, "promisc", &c->promisc) < 0 ||
		    ynode_bool(d, m, "immediate", &c->immediate) < 0 ||
		    ynode_str(d, m, "bpf-filter", &c->bpf) < 0 ||
		    ynode_u32(d, m, "ring-size", 64, 1u << 20, &c->ring_size) < 0)
			goto fail;
	}

	/* flow + stream */
	struct flow_config *fc = &c->worker.flow;
	m = NULL;
	if (ynode_map(d, root, "flow", &m) < 0)
		goto fail;
	if (m) {
		if (ynode_size(d, m, "memcap", 1 << 20, 1ull << 42, &fc->memcap) < 0 ||
		    ynode_u32(d, m, "hash-size", 1024, 1u << 28, &fc->hash_size) < 0)
			goto fail;
		n = NULL;
		if (ynode_map(d, m, "timeouts", &n) < 0)
			goto fail;
		if (n && (read_timeouts(d, n, "tcp", &fc->to[FPC_TCP]) < 0 ||
			  read_timeouts(d, n, "udp", &fc->to[FPC_UDP]) < 0 ||
			  read_timeouts(d, n, "icmp", &fc->to[FPC_ICMP]) < 0 ||
			  read_timeouts(d, n, "other", &fc->to[FPC_OTHER]) < 0))
			goto fail;
	}
	m = NULL;
	if (ynode_map(d, root, "stream", &m) < 0)
		goto fail;
	if (m && (ynode_size(d, m, "memcap", 1 << 16, 1ull << 42, &fc->stream_memcap) < 0 ||
		  ynode_u32(d, m, "max-ooo-segments", 1, 65535, &fc->stream_max_ooo_segs) < 0 ||
		  ynode_u32(d, m, "max-ooo-bytes", 1024, 1u << 30, &fc->stream_max_ooo_bytes) < 0))
		goto fail;

	/* defrag */
	m = NULL;
	if (ynode_map(d, root, "defrag", &m) < 0)
		goto fail;
	if (m) {
		uint32_t v = c->defrag.max_frags;
		if (ynode_size(d, m, "memcap", 1 << 16, 1ull << 40, &c->defrag.memcap) < 0 ||
		    ynode_u32(d, m, "timeout", 1, 3600, &c->defrag.timeout_sec) < 0 ||
		    ynode_u32(d, m, "max-trackers", 16, 1u << 24, &c->defrag.max_trackers) < 0 ||
		    ynode_u32(d, m, "max-fragments", 2, 1024, &v) < 0 ||
		    ynode_u32(d, m, "report-interval", 1, 86400, &c->defrag.report_sec) < 0)
			goto fail;
		c->defrag.max_frags = (uint16_t)v;
	}

	/* decoder: tunnels (VXLAN ports, as Suricata's decoder.vxlan) */
	m = NULL;
	if (ynode_map(d, root, "decoder", &m) < 0)
		goto fail;
	n = NULL;
	if (m && ynode_map(d, m, "vxlan", &n) < 0)
		goto fail;
	if (n && (ynode_bool(d, n, "enabled", &c->tunnel.vxlan_enabled) < 0 ||
		  read_ports(d, n, "ports", c->tunnel.vxlan_ports, DECODE_MAX_VXLAN_PORTS + 1) < 0))
		goto fail;

	if (read_app(d, root, c) < 0)
		goto fail;

	/* run-as: the user and group live capture continues as */
	m = NULL;
	if (ynode_map(d, root, "run-as", &m) < 0)
		goto fail;
	if (m && (ynode_str(d, m, "user", &c->run_as_user) < 0 ||
		  ynode_str(d, m, "group", &c->run_as_group) < 0))
		goto fail;

	/* logging */
	m = NULL;
	if (ynode_map(d, root, "logging", &m) < 0)
		goto fail;
	if (m && (ynode_bool(d, m, "anomaly", &c->worker.log_anomaly) < 0 ||
		  ynode_bool(d, m, "flow", &c->worker.log_flow) < 0))
		goto fail;
	m = NULL;
	if (ynode_map(d, root, "ndpi", &m) < 0)
		goto fail;
	if (m && ynode_bool(d, m, "enabled", &c->worker.ndpi) < 0)
		goto fail;
	if (read_assets(d, root, &c->worker.assets) < 0)
		goto fail;
	m = NULL;
	if (ynode_map(d, root, "stats", &m) < 0)
		goto fail;
	if (m && ynode_u32(d, m, "interval", 0, 86400, &c->stats_interval) < 0)
		goto fail;

	m = NULL;
	if (ynode_map(d, root, "xdp", &m) < 0)
		goto fail;
	if (m) {
		const char *mode = NULL;
		if (ynode_str(d, m, "mode", &mode) < 0)
			goto fail;
		if (mode && strcmp(mode, "native") && strcmp(mode, "skb")) {
			ydoc_error(d, ynode_get(m, "mode"), "mode", "expected native or skb, got \"%s\"",
				   mode);
			goto fail;
		}
		if (mode)
			c->xdp_native = strcmp(mode, "native") == 0;
		if (ynode_bool(d, m, "drop-others", &c->xdp_drop_others) < 0 ||
		    ynode_bool(d, m, "zerocopy", &c->xdp_zerocopy) < 0)
			goto fail;
		n = NULL;
		if (ynode_seq(d, m, "allow", &n) < 0)
			goto fail;
		for (struct ynode *e = n ? n->child : NULL; e; e = e->next) {
			e->used = true;
			if (e->type != YNODE_SCALAR || c->n_xdp_allow >= 64) {
				ydoc_error(d, e, "allow", "expected at most 64 addresses or prefixes");
				goto fail;
			}
			c->xdp_allow[c->n_xdp_allow++] = e->value;
		}
		n = NULL;
		if (ynode_map(d, m, "ports", &n) < 0)
			goto fail;
		if (n && (read_ports(d, n, "tcp", c->xdp_tcp_ports, APP_MAX_EXTRA_PORTS) < 0 ||
			  read_ports(d, n, "udp", c->xdp_udp_ports, APP_MAX_EXTRA_PORTS) < 0))
			goto fail;
	}

	if (read_outputs(d, root, c) < 0)
		goto fail;
	if (read_baseline(d, root, c) < 0)
		goto fail;
	if (resolve_paths(c) < 0)
		goto fail;
	if (ydoc_check_unknown(d, root, "") < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s", d->err);
	return -1;
}
