/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vigil: command line, configuration, start and orderly stop.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "anomaly/baseline.h"
#include "anomaly/assets.h"
#include "anomaly/inventory.h"
#include "capture/afxdp.h"
#include "capture/capture.h"
#include "config.h"
#include "output/eve.h"
#include "output/outputs.h"
#include "pipeline/pipeline.h"
#include "pipeline/worker.h"
#include "privs.h"
#include "proto/ndpi.h"
#include "report/report.h"
#include "vigil/detect.h"

#define VIGIL_VERSION "0.1.0"
#define MAX_RULE_FILES 64

struct opts {
	const char *read_path;
	bool recursive;
	const char *iface;
	const char *xdp_iface;
	const char *xdp_mode;
	bool xdp_pass;
	const char *bpf;
	int snaplen;
	bool promisc;
	int immediate;  /* -1: as configured, 0 or 1: --no-immediate, --immediate */
	const char *rule_files[MAX_RULE_FILES];
	int n_rule_files;
	const char *config;
	const char *log_dir;
	const char *out_file;
	int workers;
	bool check_config;
	bool test_rules;
	const char *signing_key;
	const char *syslog_urls[8];
	int n_syslog_urls;
	const char *spool_dir;
	const char *out_format;
	bool quiet;
	bool no_progress;
	bool memory_report;
	const char *baseline;
	const char *list_keywords;   /* --list-keywords[=all|csv|NAME] */
	bool list_protos;            /* --list-app-layer-protos */
	const char *user;   /* --user, --group: run-as */
	const char *group;
};

/* -q: errors and warnings only (what is wrong with the input, the rules or
 * the run), no progress, summaries or notes */
static bool g_quiet;
static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_hup;
static volatile sig_atomic_t g_reload;
static struct source *g_src;

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		g_hup = 1;
		g_reload = 1;
		return;
	}
	g_stop = 1;
	if (g_src)
		source_stop(g_src);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil -r CAPTURE|DIR|- [options]     replay captures\n"
		"       vigil -i IFACE [options]             live capture (libpcap)\n"
		"       vigil --xdp IFACE [--xdp-mode native|skb] [options]\n"
		"                                             live, XDP pre-filter + AF_XDP\n"
		"       vigil --test-rules -S RULES...        load rules, report, exit 0/1\n"
		"       vigil -T -c vigil.yaml               check the configuration\n"
		"       vigil learn -r CAPTURE... -o baseline.json [-c vigil.yaml] [--workers N]\n"
		"       vigil learn -i IFACE --learn DURATION -o baseline.json [-c vigil.yaml]\n"
		"                                             learn the plant's normal behaviour\n"
		"       vigil inventory [--json] -r CAPTURE... | EVE.json...\n"
		"                                             the devices seen: replays captures, or\n"
		"                                             reads the asset records of EVE files\n"
		"       vigil report -r CAPTURE... | -e EVE.json... -o REPORT.html\n"
		"                                             one HTML page: communication map,\n"
		"                                             hosts, alert timeline, rule counts\n"
		"       vigil keygen DIR                      Ed25519 key pair for signed records\n"
		"       vigil verify --key vigil.pub [--open] [--from-seq N | --continues FILE] FILE...\n"
		"                                             check signatures and the hash chain:\n"
		"                                             exit 0 all verified, 1 tampered or\n"
		"                                             truncated, 3 verified but the sensor\n"
		"                                             crashed (records may be missing there)\n"
		"\n"
		"options:\n"
		"  -r PATH             capture file (pcap/pcapng), directory, or - for stdin\n"
		"      --recursive     with -r DIR: also read subdirectories\n"
		"  -i IFACE            live interface\n"
		"      --xdp IFACE     live capture through the XDP pre-filter\n"
		"      --xdp-mode M    native (driver) or skb (generic, default)\n"
		"      --xdp-pass      pass what is not industrial to the kernel (sensor\n"
		"                      on a live host) instead of dropping it (SPAN port)\n"
		"  -f, --bpf EXPR      BPF filter for live capture\n"
		"      --snaplen N     live snapshot length (default 262144)\n"
		"      --no-promisc    do not put the interface in promiscuous mode\n"
		"      --immediate     hand each packet over as it arrives (live; costs a\n"
		"                      wake-up per packet), --no-immediate: in batches\n"
		"                      of at most 10 ms (the default)\n"
		"  -S FILE|DIR         rule file (repeatable)\n"
		"  -c FILE             configuration (YAML)\n"
		"  -l DIR              write DIR/eve.json\n"
		"  -o FILE|-           write records to FILE, or - for stdout\n"
		"      --workers N     worker threads (default: number of CPUs)\n"
		"      --signing-key F Ed25519 private key: sign and chain records\n"
		"      --syslog URL    also send records to udp://, tcp:// or tls://HOST:PORT\n"
		"                      (repeatable; TLS settings in the configuration)\n"
		"      --spool-dir D   spool of the --syslog targets (default: LOGDIR/spool)\n"
		"      --format F      eve (default), cef or leef for -o / eve.json and --syslog\n"
		"      --user USER     once the capture is open, continue as USER (name or\n"
		"                      number) without any capability (run-as: in the\n"
		"                      configuration)\n"
		"      --group GROUP   and as GROUP (default: USER's primary group)\n"
		"  -q, --quiet         print only errors and warnings\n"
		"      --memory-report per-flow memory figures on stderr at the end\n"
		"      --baseline FILE a baseline written by vigil learn: deviations from it\n"
		"                      raise alerts (category baseline)\n"
		"  -T                  check the configuration (and load its rules), exit\n"
		"      --test-rules    load the rules, report, exit\n"
		"      --list-keywords[=all|csv|NAME]\n"
		"                      the rule keywords (one, or all), Suricata's or Vigil's\n"
		"      --list-app-layer-protos\n"
		"                      the application-layer protocols Vigil parses\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version\n");
}

enum {
	OPT_RECURSIVE = 1000,
	OPT_SNAPLEN,
	OPT_NO_PROMISC,
	OPT_NO_IMMEDIATE,
	OPT_IMMEDIATE,
	OPT_WORKERS,
	OPT_SIGNING_KEY,
	OPT_TEST_RULES,
	OPT_XDP,
	OPT_XDP_MODE,
	OPT_XDP_PASS,
	OPT_MEMORY_REPORT,
	OPT_SYSLOG,
	OPT_SPOOL_DIR,
	OPT_FORMAT,
	OPT_BASELINE,
	OPT_LIST_KEYWORDS,
	OPT_LIST_PROTOS,
	OPT_USER,
	OPT_GROUP,
};

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* 0 ok, 2 usage error (message printed). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "recursive", no_argument, NULL, OPT_RECURSIVE },
		{ "interface", required_argument, NULL, 'i' },
		{ "bpf", required_argument, NULL, 'f' },
		{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
		{ "no-promisc", no_argument, NULL, OPT_NO_PROMISC },
		{ "no-immediate", no_argument, NULL, OPT_NO_IMMEDIATE },
		{ "immediate", no_argument, NULL, OPT_IMMEDIATE },
		{ "rules", required_argument, NULL, 'S' },
		{ "config", required_argument, NULL, 'c' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "signing-key", required_argument, NULL, OPT_SIGNING_KEY },
		{ "test-rules", no_argument, NULL, OPT_TEST_RULES },
		{ "xdp", required_argument, NULL, OPT_XDP },
		{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
		{ "xdp-pass", no_argument, NULL, OPT_XDP_PASS },
		{ "memory-report", no_argument, NULL, OPT_MEMORY_REPORT },
		{ "syslog", required_argument, NULL, OPT_SYSLOG },
		{ "spool-dir", required_argument, NULL, OPT_SPOOL_DIR },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "list-keywords", optional_argument, NULL, OPT_LIST_KEYWORDS },
		{ "list-app-layer-protos", no_argument, NULL, OPT_LIST_PROTOS },
		{ "user", required_argument, NULL, OPT_USER },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->promisc = true;
	o->immediate = -1;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:i:f:S:c:l:o:qThV", lo, NULL)) != -1) {
		switch (c) {
		case 'r': o->read_path = optarg; break;
		case OPT_RECURSIVE: o->recursive = true; break;
		case 'i': o->iface = optarg; break;
		case 'f': o->bpf = optarg; break;
		case OPT_SNAPLEN:
			if (parse_int(optarg, 64, 262144, &o->snaplen) < 0) {
				fprintf(stderr, "vigil: --snaplen: expected 64..262144, got \"%s\"\n", optarg);
				return 2;
			}
			break;
		case OPT_NO_PROMISC: o->promisc = false; break;
		case OPT_NO_IMMEDIATE: o->immediate = 0; break;
		case OPT_IMMEDIATE: o->immediate = 1; break;
		case 'S':
			if (o->n_rule_files >= MAX_RULE_FILES) {
				fprintf(stderr, "vigil: too many -S options (at most %d)\n", MAX_RULE_FILES);
				return 2;
			}
			o->rule_files[o->n_rule_files++] = optarg;
			break;
		case 'c': o->config = optarg; break;
		case 'l': o->log_dir = optarg; break;
		case 'o': o->out_file = optarg; break;
		case OPT_WORKERS:
			if (parse_int(optarg, 1, 256, &o->workers) < 0) {
				fprintf(stderr, "vigil: --workers: expected 1..256, got \"%s\"\n", optarg);
				return 2;
			}
			break;
		case OPT_SIGNING_KEY: o->signing_key = optarg; break;
		case OPT_TEST_RULES: o->test_rules = true; break;
		case OPT_XDP: o->xdp_iface = optarg; break;
		case OPT_XDP_MODE:
			if (strcmp(optarg, "native") && strcmp(optarg, "skb")) {
				fprintf(stderr, "vigil: --xdp-mode: expected native or skb, got \"%s\"\n",
					optarg);
				return 2;
			}
			o->xdp_mode = optarg;
			break;
		case OPT_XDP_PASS: o->xdp_pass = true; break;
		case OPT_MEMORY_REPORT: o->memory_report = true; break;
		case OPT_SYSLOG:
			if (o->n_syslog_urls >= 8) {
				fprintf(stderr, "vigil: --syslog: at most 8 targets\n");
				return 2;
			}
			o->syslog_urls[o->n_syslog_urls++] = optarg;
			break;
		case OPT_SPOOL_DIR: o->spool_dir = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "eve") && strcmp(optarg, "cef") && strcmp(optarg, "leef")) {
				fprintf(stderr, "vigil: --format: expected eve, cef or leef, got \"%s\"\n", optarg);
				return 2;
			}
			o->out_format = optarg;
			break;
		case OPT_BASELINE: o->baseline = optarg; break;
		case OPT_LIST_KEYWORDS: o->list_keywords = optarg ? optarg : "all"; break;
		case OPT_LIST_PROTOS: o->list_protos = true; break;
		case OPT_USER: o->user = optarg; break;
		case OPT_GROUP: o->group = optarg; break;
		case 'q': o->quiet = true; break;
		case 'T': o->check_config = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("vigil %s\n", VIGIL_VERSION); exit(0);
		case ':':
			fprintf(stderr, "vigil: option %s needs an argument\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		default:
			fprintf(stderr, "vigil: unknown option %s\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vigil: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	int sources = !!o->read_path + !!o->iface + !!o->xdp_iface;
	if (o->list_keywords || o->list_protos)
		return 0;
	if (!o->check_config && !o->test_rules && sources == 0) {
		fprintf(stderr, "vigil: nothing to do: give -r CAPTURE, -i IFACE or --xdp IFACE\n");
		usage(stderr);
		return 2;
	}
	if (sources > 1) {
		fprintf(stderr, "vigil: -r, -i and --xdp exclude each other\n");
		return 2;
	}
	if (o->log_dir && o->out_file) {
		fprintf(stderr, "vigil: -l and -o exclude each other\n");
		return 2;
	}
	return 0;
}

/* ---- record output --------------------------------------------------------- */

static enum sink_format format_of(const char *f, enum sink_format dflt)
{
	if (!f)
		return dflt;
	return strcmp(f, "cef") == 0 ? SINK_CEF : strcmp(f, "leef") == 0 ? SINK_LEEF : SINK_EVE;
}

/* udp://host:port, tcp://host:port, tls://host:port ([v6]:port too) */
static int parse_syslog_url(const char *u, struct syslog_config *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->facility = 16;
	sc->verify = true;
	sc->spool_max = 256ull << 20;
	sc->drain_ms = 5000;
	const char *rest;
	if (strncmp(u, "udp://", 6) == 0)
		sc->transport = SINK_UDP;
	else if (strncmp(u, "tcp://", 6) == 0)
		sc->transport = SINK_TCP;
	else if (strncmp(u, "tls://", 6) == 0)
		sc->transport = SINK_TLS;
	else
		return -1;
	rest = u + 6;
	const char *colon;
	if (rest[0] == '[') {
		const char *rb = strchr(rest, ']');
		if (!rb || rb[1] != ':')
			return -1;
		snprintf(sc->host, sizeof(sc->host), "%.*s", (int)(rb - rest - 1), rest + 1);
		colon = rb + 1;
	} else {
		colon = strrchr(rest, ':');
		if (!colon || colon == rest)
			return -1;
		snprintf(sc->host, sizeof(sc->host), "%.*s", (int)(colon - rest), rest);
	}
	int port;
	if (parse_int(colon + 1, 1, 65535, &port) < 0)
		return -1;
	snprintf(sc->port, sizeof(sc->port), "%d", port);
	return 0;
}

/* The sinks and the signing configuration from the command line and the
 * configuration file. */
static struct outputs *outputs_setup(const struct opts *o, struct vigil_config *cfg)
{
	char eve[4096];
	struct outputs_config oc;
	memset(&oc, 0, sizeof(oc));
	oc.out_file = o->out_file;
	oc.eve_format = format_of(o->out_format, cfg->eve_format);
	oc.eve_rotate_bytes = cfg->eve_rotate_bytes;
	oc.eve_rotate_keep = cfg->eve_rotate_keep;
	oc.reopen = &g_hup;
	const char *dir = o->log_dir ? o->log_dir : cfg->log_dir ? cfg->log_dir : ".";
	if (!o->out_file && (cfg->eve_enabled || o->log_dir)) {
		struct stat sb;
		if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "vigil: %s: not a directory\n", dir);
			return NULL;
		}
		snprintf(eve, sizeof(eve), "%s/%s", dir, cfg->eve_filename ? cfg->eve_filename : "eve.json");
		oc.eve_path = eve;
	}
	static struct syslog_config sc[16];
	size_t n = 0;
	for (size_t i = 0; i < cfg->n_syslog; i++)
		sc[n++] = cfg->syslog[i];
	for (int i = 0; i < o->n_syslog_urls && n < 16; i++) {
		if (parse_syslog_url(o->syslog_urls[i], &sc[n]) < 0) {
			fprintf(stderr, "vigil: --syslog: expected udp://, tcp:// or tls://HOST:PORT, got \"%s\"\n",
				o->syslog_urls[i]);
			return NULL;
		}
		sc[n].format = format_of(o->out_format, SINK_EVE);
		if (cfg->sensor_id)
			snprintf(sc[n].sensor_id, sizeof(sc[n].sensor_id), "%s", cfg->sensor_id);
		/* TLS settings of the first configured TLS target apply */
		for (size_t k = 0; k < cfg->n_syslog; k++)
			if (cfg->syslog[k].transport == SINK_TLS && sc[n].transport == SINK_TLS) {
				memcpy(sc[n].ca_file, cfg->syslog[k].ca_file, sizeof(sc[n].ca_file));
				memcpy(sc[n].cert_file, cfg->syslog[k].cert_file, sizeof(sc[n].cert_file));
				memcpy(sc[n].key_file, cfg->syslog[k].key_file, sizeof(sc[n].key_file));
				memcpy(sc[n].server_name, cfg->syslog[k].server_name, sizeof(sc[n].server_name));
				sc[n].verify = cfg->syslog[k].verify;
				break;
			}
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		if (sc[i].transport != SINK_UDP && !sc[i].spool_dir[0]) {
			const char *sd = o->spool_dir ? o->spool_dir : dir;
			if (o->spool_dir)
				snprintf(sc[i].spool_dir, sizeof(sc[i].spool_dir), "%.900s/%.100s-%s", sd, sc[i].host,
					 sc[i].port);
			else
				snprintf(sc[i].spool_dir, sizeof(sc[i].spool_dir), "%.900s/spool-%.100s-%s", sd,
					 sc[i].host, sc[i].port);
			if (o->spool_dir)
				mkdir(o->spool_dir, 0700);
		}
	}
	oc.syslog = sc;
	oc.n_syslog = n;
	struct chain_config cc;
	memset(&cc, 0, sizeof(cc));
	cc.key_path = o->signing_key ? o->signing_key : cfg->signing_key;
	if (cc.key_path) {
		cc.old_key_path = cfg->signing_prev_key;
		cc.state_path = cfg->signing_state;
		cc.block_records = cfg->sign_block_records;
		cc.block_ms = cfg->sign_block_ms;
		oc.chain = &cc;
	}
	char err[1024];
	struct outputs *out = outputs_open(&oc, err, sizeof(err));
	if (!out)
		fprintf(stderr, "vigil: %s\n", err);
	return out;
}

static void outputs_rec(void *user, const char *json, size_t len, const struct rec_info *info)
{
	if (info->own) /* == json */
		outputs_write_room(user, info->own, len, info->room, info->event_type, info->severity,
				   info->ts, info->pre);
	else
		outputs_write_pre(user, json, len, info->event_type, info->severity, info->ts, info->pre);
}

static void outputs_time(void *user, uint64_t now)
{
	outputs_tick(user, now);
}

static void outputs_flush_(void *user)
{
	outputs_flush(user);
}

/* What one flow costs (flow + TCP + parser state, no payload buffers):
 * the sizes, and the flow table's own accounting at its peak. */
static void memory_report(const struct pipeline_result *res, bool baseline)
{
	size_t parser_max = 0;
	const char *parser_name = "none";
	for (size_t i = 0; i < app_n_parsers; i++) {
		if (app_parsers[i] && app_parsers[i]->state_size > parser_max) {
			parser_max = app_parsers[i]->state_size;
			parser_name = app_parsers[i]->name;
		}
	}
	fprintf(stderr, "memory: struct flow %zu B, TCP session %zu B, largest parser state %zu B (%s): "
		"%zu B per established TCP flow\n", sizeof(struct flow), sizeof(struct tcp_session),
		parser_max, parser_name, sizeof(struct flow) + sizeof(struct tcp_session) + parser_max);
	fprintf(stderr, "memory: nDPI state %zu B per flow until nDPI decides (a TCP flow keeps "
		"its handshake's headers instead until its first payload)\n", ndpi_flow_state_size());
	if (baseline)
		fprintf(stderr, "memory: learned-baseline state %zu B per flow with a transaction "
			"(charged to the flow memcap)\n", bl_flow_state_size());
	const struct flow_stats *f = &res->flows;
	if (f->active_peak)
		fprintf(stderr, "memory: flow table peak %llu B for at most %llu flows at once "
			"(%.0f B per flow, hash buckets %llu B apart)\n",
			(unsigned long long)f->mem_peak, (unsigned long long)f->active_peak,
			(double)(f->mem_peak - f->mem_buckets) / (double)f->active_peak,
			(unsigned long long)f->mem_buckets);
}

/* ---- rules ----------------------------------------------------------------- */

struct rules {
	struct detect_config dc;
	const char *paths[MAX_RULE_FILES + CONFIG_MAX_RULE_FILES];
	size_t n_paths;
	const char *cfg_file;   /* the paths come from this configuration (not -S) */
	const int *cfg_lines;   /* where it names each */
	char class_path[4096];
	struct detect_holder holder;
	struct detect_threshold_ctx *tc;
};

static struct rules g_rules;

/* -S options win over the configuration's rule-files. */
static void rules_setup(struct rules *ru, const struct opts *o, const struct vigil_config *cfg)
{
	memset(ru, 0, sizeof(*ru));
	ru->dc.address_vars = cfg->address_vars;
	ru->dc.n_address_vars = cfg->n_address_vars;
	ru->dc.port_vars = cfg->port_vars;
	ru->dc.n_port_vars = cfg->n_port_vars;
	ru->dc.threshold_file = cfg->threshold_file;
	ru->dc.classification_file = cfg->classification_file;
	if (o->n_rule_files) {
		for (int i = 0; i < o->n_rule_files; i++)
			ru->paths[ru->n_paths++] = o->rule_files[i];
	} else {
		for (size_t i = 0; i < cfg->n_rule_files; i++)
			ru->paths[ru->n_paths++] = cfg->rule_files[i];
		ru->cfg_file = cfg->doc.file;
		ru->cfg_lines = cfg->rule_file_lines;
	}
	if (!ru->dc.classification_file && ru->n_paths) {
		/* classification.config beside the (first) rules */
		struct stat sb;
		const char *p0 = ru->paths[0];
		if (stat(p0, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			snprintf(ru->class_path, sizeof(ru->class_path), "%s/classification.config", p0);
		} else {
			const char *sl = strrchr(p0, '/');
			snprintf(ru->class_path, sizeof(ru->class_path), "%.*s%sclassification.config",
				 sl ? (int)(sl - p0) : 0, p0, sl ? "/" : "");
		}
		if (access(ru->class_path, R_OK) == 0)
			ru->dc.classification_file = ru->class_path;
	}
}

/* Every rule file (or folder) is there and readable; each one that is not
 * is reported as CONFIG:LINE (or -S) with the reason. */
static bool rules_files_ok(const struct rules *ru)
{
	bool ok = true;
	for (size_t i = 0; i < ru->n_paths; i++) {
		if (access(ru->paths[i], R_OK) == 0)
			continue;
		if (ru->cfg_lines && ru->cfg_file)
			fprintf(stderr, "vigil: %s:%d: rule-files: %s: %s\n", ru->cfg_file, ru->cfg_lines[i],
				ru->paths[i], strerror(errno));
		else
			fprintf(stderr, "vigil: %s %s: %s\n", ru->cfg_lines ? "rule-files:" : "-S",
				ru->paths[i], strerror(errno));
		ok = false;
	}
	return ok;
}

static struct detect_engine *rules_load(struct rules *ru, const char *what,
					struct detect_load_report *rep)
{
	char err[1024];
	struct detect_engine *de = detect_engine_load(&ru->dc, ru->paths, ru->n_paths, stderr, rep,
						      err, sizeof(err));
	if (!de) {
		fprintf(stderr, "vigil: %s: %s\n", what, err);
		return NULL;
	}
	char vars[200] = "";
	if (rep->var_failed)
		snprintf(vars, sizeof(vars), " (%u for undefined variables: %s)", rep->var_failed,
			 rep->vars);
	/* a summary: with -q only when some rules did not load (each said why) */
	if (!g_quiet || rep->failed || rep->unsupported)
		fprintf(stderr, "vigil: %s: %u loaded, %u failed%s, %u unsupported, from %u file%s\n",
			what, rep->loaded, rep->failed, vars, rep->unsupported, rep->files,
			rep->files == 1 ? "" : "s");
	return de;
}

static struct detect_engine *rules_reload(void *user)
{
	struct rules *ru = user;
	struct detect_load_report rep;
	struct detect_engine *de = rules_load(ru, "rule reload", &rep);
	if (!de)
		fprintf(stderr, "vigil: rule reload failed; the previous rules keep running\n");
	return de;
}

/* Loads the rules (if any) and wires them into the configuration and the
 * pipeline. -1 on a fatal problem. */
static int rules_start(struct rules *ru, struct vigil_config *cfg, struct pipeline_config *pc)
{
	if (!ru->n_paths)
		return 0;
	if (!rules_files_ok(ru))
		return -1;
	struct detect_load_report rep;
	struct detect_engine *de = rules_load(ru, "rules", &rep);
	if (!de)
		return -1;
	ru->tc = detect_threshold_new(de);
	if (!ru->tc) {
		detect_engine_free(de);
		fprintf(stderr, "vigil: out of memory\n");
		return -1;
	}
	atomic_store(&ru->holder.de, de);
	atomic_store(&ru->holder.gen, 1);
	cfg->worker.detect = &ru->holder;
	pc->threshold = ru->tc;
	pc->reload = &g_reload;
	pc->reload_fn = rules_reload;
	pc->reload_user = ru;
	return 0;
}

static void rules_stop(struct rules *ru, struct vigil_config *cfg)
{
	detect_engine_free(atomic_load(&ru->holder.de));
	atomic_store(&ru->holder.de, NULL);
	detect_threshold_free(ru->tc);
	ru->tc = NULL;
	cfg->worker.detect = NULL;
}

/* The asset inventory, when it is on (its records go where the pipeline's
 * do). -1 when it could not be made. */
static int assets_start(const struct vigil_config *cfg, struct pipeline_config *pc)
{
	pc->assets = NULL;
	if (!cfg->worker.assets.enabled)
		return 0;
	pc->assets = assets_new(&cfg->worker.assets, NULL, NULL);
	if (!pc->assets) {
		fprintf(stderr, "vigil: out of memory for the asset inventory\n");
		return -1;
	}
	return 0;
}

/* Applies the command line over the configuration. */
static void apply_overrides(struct vigil_config *cfg, const struct opts *o)
{
	if (o->workers)
		cfg->workers = o->workers;
	if (o->snaplen)
		cfg->snaplen = o->snaplen;
	if (!o->promisc)
		cfg->promisc = false;
	if (o->immediate >= 0)
		cfg->immediate = o->immediate == 1;
	if (o->bpf)
		cfg->bpf = o->bpf;
	if (o->xdp_mode)
		cfg->xdp_native = strcmp(o->xdp_mode, "native") == 0;
	if (o->xdp_pass)
		cfg->xdp_drop_others = false;
}

/* The ports the XDP program keeps: every parser's, the configuration's. */
static size_t collect_ports(const struct vigil_config *cfg, bool udp, uint16_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < app_n_parsers && n + 1 < max; i++) {
		const struct proto_parser *p = app_parsers[i];
		if (!p || !cfg->worker.app.proto[i].enabled)
			continue;
		const uint16_t *d = udp ? p->udp_ports : p->tcp_ports;
		for (size_t k = 0; d && d[k] && n + 1 < max; k++)
			out[n++] = d[k];
		const uint16_t *e = udp ? cfg->worker.app.proto[i].udp_ports
					: cfg->worker.app.proto[i].tcp_ports;
		for (size_t k = 0; k < APP_MAX_EXTRA_PORTS && e[k] && n + 1 < max; k++)
			out[n++] = e[k];
	}
	const uint16_t *x = udp ? cfg->xdp_udp_ports : cfg->xdp_tcp_ports;
	for (size_t k = 0; k < APP_MAX_EXTRA_PORTS && x[k] && n + 1 < max; k++)
		out[n++] = x[k];
	out[n] = 0;
	return n;
}

/* Live, the flow table's hash is keyed with a secret of this run, so that
 * whoever sends the traffic cannot choose addresses that pile their flows
 * into one bucket. A replay keeps the fixed key: its records do not depend
 * on it, and its speed is then the same from run to run. */
static void live_hash_key(struct vigil_config *cfg)
{
	uint64_t k;
	if (getrandom(&k, sizeof(k), 0) == (ssize_t)sizeof(k))
		cfg->worker.flow.hash_seed = k;
	else
		cfg->worker.flow.hash_seed ^= (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^
					      (uint64_t)getpid();
}

/* ---- the learned baseline -------------------------------------------------- */

struct bl_run {
	struct bl_model *model;
	struct bl_dedup *dedup;
};

static struct bl_run g_bl;

/* Loads the baseline (--baseline wins over baseline.file) and wires it in.
 * -1 (reason printed) when it cannot be read: a baseline asked for and not
 * there is not something to run without. */
static int baseline_start(const struct opts *o, struct vigil_config *cfg, struct pipeline_config *pc)
{
	const char *path = o->baseline ? o->baseline : cfg->baseline_file;
	if (!path)
		return 0;
	char err[1024];
	g_bl.model = bl_load(path, &cfg->baseline, err, sizeof(err));
	if (!g_bl.model) {
		fprintf(stderr, "vigil: %s\n", err);
		return -1;
	}
	g_bl.dedup = bl_dedup_new(&cfg->baseline);
	if (!g_bl.dedup) {
		fprintf(stderr, "vigil: out of memory\n");
		bl_model_free(g_bl.model);
		g_bl.model = NULL;
		return -1;
	}
	cfg->worker.bl_cfg = &cfg->baseline;
	cfg->worker.baseline = g_bl.model;
	pc->bl_dedup = g_bl.dedup;
	if (!o->quiet)
		fprintf(stderr, "vigil: baseline %s: %zu conversations\n", path,
			bl_model_conversations(g_bl.model));
	return 0;
}

static void baseline_stop(struct vigil_config *cfg)
{
	cfg->worker.baseline = NULL;
	bl_dedup_free(g_bl.dedup);
	bl_model_free(g_bl.model);
	memset(&g_bl, 0, sizeof(g_bl));
}

/* run-as (--user/--group): resolved at start, taken once the capture is
 * open, before anything else is opened */
static struct privs g_privs;
static bool g_drop;

static int drop_privileges(const struct opts *o)
{
	if (!g_drop)
		return 0;
	char err[512];
	if (privs_drop(&g_privs, err, sizeof(err)) < 0) {
		fprintf(stderr, "vigil: %s\n", err);
		return -1;
	}
	if (!o->quiet)
		fprintf(stderr, "vigil: running as %s:%s (uid %lu, gid %lu) without capabilities\n",
			g_privs.user, g_privs.group, (unsigned long)g_privs.uid,
			(unsigned long)g_privs.gid);
	return 0;
}

static int run_xdp(const struct opts *o, struct vigil_config *cfg)
{
	char err[1024];
	uint16_t tcp[512], udp[512];
	collect_ports(cfg, false, tcp, 512);
	collect_ports(cfg, true, udp, 512);
	int workers = cfg->workers ? cfg->workers : pipeline_cpus();
	live_hash_key(cfg);
	struct afxdp_opts xo = {
		.iface = o->xdp_iface, .n_workers = workers, .native = cfg->xdp_native,
		.zerocopy = cfg->xdp_zerocopy, .drop_others = cfg->xdp_drop_others,
		.tcp_ports = tcp, .udp_ports = udp,
		.tunnel_udp_ports = cfg->tunnel.vxlan_enabled ? cfg->tunnel.vxlan_ports : NULL,
		.allow = cfg->xdp_allow, .n_allow = cfg->n_xdp_allow,
	};
	struct afxdp *x = afxdp_open(&xo, err, sizeof(err));
	if (!x) {
		fprintf(stderr, "vigil: %s\n", err);
		return 2;
	}
	if (drop_privileges(o) < 0) {
		afxdp_close(x);
		return 2;
	}
	int rc = 0;
	struct outputs *wr = outputs_setup(o, cfg);
	if (!wr) {
		afxdp_close(x);
		return 2;
	}
	struct pipeline_config pc = {
		.workers = workers,
		.wcfg = &cfg->worker,
		.dcfg = &cfg->defrag,
		.tcfg = &cfg->tunnel,
		.ring_bytes = (size_t)cfg->ring_size * 2048,
		.record_ring_bytes = 8u << 20,
		.stats_interval = cfg->stats_interval,
	};
	struct pipeline_out out = { wr, outputs_rec, outputs_time, outputs_flush_, outputs_signed(wr) };
	rules_setup(&g_rules, o, cfg);
	if (assets_start(cfg, &pc) < 0)
		rc = 2;
	else if (baseline_start(o, cfg, &pc) < 0 || rules_start(&g_rules, cfg, &pc) < 0)
		rc = 2;
	else if (pipeline_run_xdp(&pc, x, &out, &g_stop, NULL) < 0)
		rc = 2;
	rules_stop(&g_rules, cfg);
	baseline_stop(cfg);
	assets_free(pc.assets);
	afxdp_close(x);
	if (outputs_close(wr) < 0 && rc == 0)
		rc = 1;
	return rc;
}

static int run(const struct opts *o, struct vigil_config *cfg)
{
	char err[1024];
	int rc = 0;

	struct source *src;
	if (o->read_path) {
		src = source_open_files(o->read_path, o->recursive, err, sizeof(err));
	} else {
		struct live_opts lo = {
			.iface = o->iface, .bpf = cfg->bpf, .snaplen = cfg->snaplen,
			.promisc = cfg->promisc, .immediate = cfg->immediate,
			.buffer_mb = cfg->buffer_mb,
		};
		src = source_open_live(&lo, err, sizeof(err));
		cfg->worker.flow.id_salt = (uint64_t)time(NULL);
		live_hash_key(cfg);
	}
	if (!src) {
		fprintf(stderr, "vigil: %s\n", err);
		return 2;
	}
	g_src = src;
	if (drop_privileges(o) < 0) {
		rc = 2;
		goto out_src;
	}

	struct outputs *wr = outputs_setup(o, cfg);
	if (!wr) {
		rc = 2;
		goto out_src;
	}

	struct pipeline_config pc = {
		.workers = cfg->workers ? cfg->workers : pipeline_cpus(),
		.wcfg = &cfg->worker,
		.dcfg = &cfg->defrag,
		.tcfg = &cfg->tunnel,
		.ring_bytes = (size_t)cfg->ring_size * 2048,
		.record_ring_bytes = 8u << 20,
		.stats_interval = cfg->stats_interval,
		.progress = !o->quiet && !source_is_live(src) && isatty(STDERR_FILENO),
	};
	struct pipeline_out out = { wr, outputs_rec, outputs_time, outputs_flush_, outputs_signed(wr) };
	struct pipeline_result res;
	rules_setup(&g_rules, o, cfg);
	if (assets_start(cfg, &pc) < 0)
		rc = 2;
	else if (baseline_start(o, cfg, &pc) < 0 || rules_start(&g_rules, cfg, &pc) < 0)
		rc = 2;
	else if (pipeline_run(&pc, src, &out, &g_stop, &res) < 0)
		rc = 2;
	else if (o->memory_report)
		memory_report(&res, g_bl.model != NULL);
	rules_stop(&g_rules, cfg);
	baseline_stop(cfg);
	assets_free(pc.assets);

	if (outputs_close(wr) < 0 && rc == 0) {
		fprintf(stderr, "vigil: records could not all be written\n");
		rc = 1;
	}
out_src:
	g_src = NULL;
	source_close(src);
	return rc;
}

/* vigil verify --key PUB [--open] [--from-seq N | --continues FILE] FILE... */
static int verify_main(int argc, char **argv)
{
	static const char usage_line[] =
		"usage: vigil verify --key vigil.pub [--open] [--from-seq N | --continues FILE] FILE...\n"
		"  --open           the last file may still be being written (no stop record yet)\n"
		"  --from-seq N     the series begins at seq N (a file after log rotation)\n"
		"  --continues FILE FILE is the earlier part of the series (checked too, from\n"
		"                   wherever it begins)\n";
	const char *key = NULL, *cont = NULL;
	struct chain_verify_opts vo = { .report = stdout };
	int i = 2;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
			key = argv[++i];
		} else if (strcmp(argv[i], "--open") == 0) {
			vo.allow_open = true;
		} else if (strcmp(argv[i], "--from-seq") == 0 && i + 1 < argc) {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(argv[++i], &end, 10);
			if (errno || *end || !n || argv[i][0] == '-') {
				fprintf(stderr, "vigil verify: --from-seq: expected a seq number, got \"%s\"\n",
					argv[i]);
				return CHAIN_VERIFY_ERROR;
			}
			vo.from_seq_set = true;
			vo.from_seq = n;
		} else if (strcmp(argv[i], "--continues") == 0 && i + 1 < argc) {
			cont = argv[++i];
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			break;
		}
	}
	if (!key || i >= argc || (cont && vo.from_seq_set)) {
		fputs(usage_line, stderr);
		return CHAIN_VERIFY_ERROR;
	}
	if (!cont)
		return chain_verify(key, argv + i, argc - i, &vo);
	/* FILE first, from wherever it begins; the files then continue it */
	char **files = calloc((size_t)(argc - i + 1), sizeof(*files));
	if (!files)
		return CHAIN_VERIFY_ERROR;
	files[0] = (char *)cont;
	memcpy(files + 1, argv + i, (size_t)(argc - i) * sizeof(*files));
	vo.any_start = true;
	int rc = chain_verify(key, files, argc - i + 1, &vo);
	free(files);
	return rc;
}

/* ---- vigil learn ----------------------------------------------------------------- */

static void discard_rec(void *user, const char *json, size_t len, const struct rec_info *info)
{
	(void)user;
	(void)json;
	(void)len;
	(void)info;
}

static void on_alarm(int sig)
{
	(void)sig;
	g_stop = 1;
	if (g_src)
		source_stop(g_src);
}

/* "90", "90s", "15m", "8h", "7d" -> seconds; -1 when not that */
static long parse_duration(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || v <= 0)
		return -1;
	long mul = 1;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mul = 60, end++;
	else if (*end == 'h')
		mul = 3600, end++;
	else if (*end == 'd')
		mul = 86400, end++;
	if (*end || v > 400L * 86400 / mul)
		return -1;
	return v * mul;
}

/* Writes text to path (through path.tmp and a rename), or to stdout for "-". */
static int write_file(const char *path, const char *text, size_t n)
{
	if (strcmp(path, "-") == 0)
		return fwrite(text, 1, n, stdout) == n && fflush(stdout) == 0 ? 0 : -1;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%.4000s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	bool ok = fwrite(text, 1, n, f) == n;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- --list-keywords, --list-app-layer-protos ---------------------------- */

struct kw_list {
	const char *mode;   /* "all", "csv", or a keyword's name */
	int pass;           /* all: 0 the supported, 1 the others */
	unsigned found;
};

static void print_keyword(void *user, const struct detect_keyword_info *k)
{
	struct kw_list *l = user;
	const char *origin = k->suricata ? "suricata" : "vigil";
	if (strcmp(l->mode, "csv") == 0) {
		printf("%s;%s;%s;%s;%s\n", k->name, origin, k->supported ? "supported" : "unsupported",
		       k->proto ? k->proto : "", k->desc);
		l->found++;
	} else if (strcmp(l->mode, "all") == 0) {
		if (k->supported == (l->pass == 0)) {
			printf("- %-28s %-9s %s\n", k->name, origin, k->desc);
			l->found++;
		}
	} else if (strcmp(l->mode, k->name) == 0) {
		printf("%s:\n\tDescription: %s\n\tOrigin: %s\n\tProtocol: %s\n\tStatus: %s\n",
		       k->name, k->desc, k->suricata ? "Suricata" : "Vigil",
		       k->proto ? k->proto : "any",
		       k->supported ? "supported" : "Suricata's, not implemented in Vigil "
						   "(a rule using it loads as unsupported)");
		l->found++;
	}
}

/* Like suricata --list-keywords: from the rule parser's own tables. */
static int list_keywords(const char *mode)
{
	struct kw_list l = { mode, 0, 0 };
	if (strcmp(mode, "csv") == 0) {
		printf("name;origin;status;protocol;description\n");
		detect_keywords_foreach(print_keyword, &l);
		return 0;
	}
	if (strcmp(mode, "all") == 0) {
		printf("=====Supported keywords=====\n");
		detect_keywords_foreach(print_keyword, &l);
		printf("=====Suricata keywords not implemented (rules using them are unsupported)=====\n");
		l.pass = 1;
		detect_keywords_foreach(print_keyword, &l);
		return 0;
	}
	detect_keywords_foreach(print_keyword, &l);
	if (!l.found) {
		fprintf(stderr, "vigil: --list-keywords: unknown keyword '%s'\n", mode);
		return 1;
	}
	return 0;
}

/* vigil learn: the pipeline with every worker learning, no records out;
 * the workers' tables merged and written as the baseline file. */
static int learn_main(int argc, char **argv)
{
	static const char usage_line[] =
		"usage: vigil learn -r CAPTURE|DIR|- [-r ...] [CAPTURE...] -o baseline.json\n"
		"                   [-c vigil.yaml] [--workers N] [--recursive] [-q]\n"
		"       vigil learn -i IFACE --learn DURATION -o baseline.json [-c vigil.yaml]\n"
		"                   [-f BPF] [--workers N]\n"
		"  DURATION: seconds, or with s, m, h or d (15m, 8h, 7d); live learning also\n"
		"  stops (and writes what it learned) on SIGINT or SIGTERM\n";
	const char *paths[256];
	int n_paths = 0;
	const char *iface = NULL, *out = NULL, *config = NULL, *bpf = NULL;
	long duration = 0;
	int workers = 0;
	bool quiet = false, recursive = false;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if ((!strcmp(a, "-r") || !strcmp(a, "--read")) && v) {
			if (n_paths >= 256)
				goto usage;
			paths[n_paths++] = v;
			i++;
		} else if ((!strcmp(a, "-i") || !strcmp(a, "--interface")) && v) {
			iface = v;
			i++;
		} else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
			out = v;
			i++;
		} else if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && v) {
			config = v;
			i++;
		} else if ((!strcmp(a, "-f") || !strcmp(a, "--bpf")) && v) {
			bpf = v;
			i++;
		} else if (!strcmp(a, "--learn") && v) {
			duration = parse_duration(v);
			if (duration < 0) {
				fprintf(stderr, "vigil learn: --learn: expected a duration (90, 15m, 8h, 7d), "
						"got \"%s\"\n", v);
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--workers") && v) {
			if (parse_int(v, 1, 256, &workers) < 0) {
				fprintf(stderr, "vigil learn: --workers: expected 1..256, got \"%s\"\n", v);
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--recursive")) {
			recursive = true;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = true;
		} else if (a[0] != '-' || !strcmp(a, "-")) {
			if (n_paths >= 256)
				goto usage;
			paths[n_paths++] = a; /* more captures after -r */
		} else {
			fprintf(stderr, "vigil learn: unknown option %s\n", a);
			goto usage;
		}
	}
	if (!out || (!n_paths == !iface) || (iface && !duration) || (n_paths && duration)) {
		if (n_paths && duration)
			fprintf(stderr, "vigil learn: --learn DURATION is for live capture (-i); to learn "
					"from part of a capture, cut it (editcap -r, -A, -B)\n");
		goto usage;
	}

	struct vigil_config cfg;
	config_defaults(&cfg);
	if (config) {
		char err[1024];
		if (config_load(&cfg, config, err, sizeof(err)) < 0) {
			fprintf(stderr, "vigil learn: %s\n", err);
			config_free(&cfg);
			return 2;
		}
	}
	if (workers)
		cfg.workers = workers;
	if (bpf)
		cfg.bpf = bpf;
	/* learning writes no records: none are made */
	cfg.worker.log_flow = false;
	cfg.worker.log_anomaly = false;
	cfg.worker.ndpi = false;
	cfg.worker.assets.enabled = false;
	for (size_t p = 0; p < APP_MAX_PROTOS; p++)
		cfg.worker.app.proto[p].log_tx = false;
	struct bl_learner *learner = bl_learner_new(&cfg.baseline);
	if (!learner) {
		fprintf(stderr, "vigil learn: out of memory\n");
		config_free(&cfg);
		return 1;
	}
	cfg.worker.bl_cfg = &cfg.baseline;
	cfg.worker.learner = learner;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int rc = 0;
	uint64_t packets = 0;
	struct pipeline_out po = { NULL, discard_rec, NULL, NULL, false };
	for (int k = 0; k < (iface ? 1 : n_paths) && rc == 0 && !g_stop; k++) {
		char err[1024];
		struct source *src;
		if (iface) {
			struct live_opts lo = {
				.iface = iface, .bpf = cfg.bpf, .snaplen = cfg.snaplen,
				.promisc = cfg.promisc, .immediate = cfg.immediate,
				.buffer_mb = cfg.buffer_mb,
			};
			src = source_open_live(&lo, err, sizeof(err));
			live_hash_key(&cfg);
		} else {
			src = source_open_files(paths[k], recursive, err, sizeof(err));
		}
		if (!src) {
			fprintf(stderr, "vigil learn: %s\n", err);
			rc = 2;
			break;
		}
		g_src = src;
		bl_learner_next_run(learner);
		if (iface) {
			alarm((unsigned)duration);
			if (!quiet)
				fprintf(stderr, "vigil learn: learning from %s for %ld s\n", iface, duration);
		}
		struct pipeline_config pc = {
			.workers = cfg.workers ? cfg.workers : pipeline_cpus(),
			.wcfg = &cfg.worker,
			.dcfg = &cfg.defrag,
			.ring_bytes = (size_t)cfg.ring_size * 2048,
			.record_ring_bytes = 1u << 20,
			.stats_interval = 0,
			.progress = !quiet && !iface && isatty(STDERR_FILENO),
		};
		struct pipeline_result res;
		if (pipeline_run(&pc, src, &po, &g_stop, &res) < 0)
			rc = 2;
		else
			packets += res.packets;
		alarm(0);
		g_src = NULL;
		source_close(src);
	}
	if (rc == 0) {
		struct bl_model *m = bl_learner_model(learner, stderr);
		char *text = NULL;
		long n = m ? bl_model_text(m, &text) : -1;
		if (n < 0) {
			fprintf(stderr, "vigil learn: out of memory\n");
			rc = 1;
		} else if (write_file(out, text, (size_t)n) < 0) {
			fprintf(stderr, "vigil learn: %s: %s\n", out, strerror(errno));
			rc = 1;
		} else if (!quiet) {
			fprintf(stderr, "vigil learn: %zu conversations from %llu packets written to %s\n",
				bl_model_conversations(m), (unsigned long long)packets, out);
		}
		free(text);
		bl_model_free(m);
	}
	bl_learner_free(learner);
	config_free(&cfg);
	return rc;
usage:
	fputs(usage_line, stderr);
	return 2;
}

/* Like suricata --list-app-layer-protos: the parsers, by the name rules use
 * (app-layer-protocol, the rule header, app-layer-event). */
static int list_app_protos(void)
{
	printf("=========Supported App Layer Protocols=========\n");
	for (size_t i = 0; i < app_n_parsers; i++)
		if (app_parsers[i])
			printf("%s\n", app_parsers[i]->name);
	return 0;
}

/* ---- vigil inventory ------------------------------------------------------- */

/* `inventory -r`: only the asset records of the replay are kept. */
static void inventory_rec(void *user, const char *json, size_t len, const struct rec_info *info)
{
	if (strcmp(info->event_type, "asset") == 0)
		inventory_add(user, json, len);
}

/* Replays one capture (file, directory or -) into inv. 0, or 2 (reason
 * printed). */
static int inventory_replay(const char *path, struct vigil_config *cfg, struct assets *assets,
			    struct inventory *inv)
{
	char err[1024];
	struct source *src = source_open_files(path, false, err, sizeof(err));
	if (!src) {
		fprintf(stderr, "vigil inventory: %s\n", err);
		return 2;
	}
	g_src = src;
	struct pipeline_config pc = {
		.workers = cfg->workers ? cfg->workers : pipeline_cpus(),
		.wcfg = &cfg->worker,
		.dcfg = &cfg->defrag,
		.ring_bytes = (size_t)cfg->ring_size * 2048,
		.record_ring_bytes = 8u << 20,
		.assets = assets,
	};
	struct pipeline_out out = { inv, inventory_rec, NULL, NULL, false };
	int rc = pipeline_run(&pc, src, &out, &g_stop, NULL) < 0 ? 2 : 0;
	g_src = NULL;
	source_close(src);
	return rc;
}

/* vigil inventory [-c CONFIG] [--workers N] [--json] -r CAPTURE... | EVE.json... */
static int inventory_main(int argc, char **argv)
{
	static const char usage_line[] =
		"usage: vigil inventory [--json] [-c vigil.yaml] [--workers N] -r CAPTURE...\n"
		"       vigil inventory [--json] EVE.json...\n"
		"  -r         replay the captures (files, directories, or -) and list the devices\n"
		"             seen (the configuration's assets settings; rules are not loaded)\n"
		"  EVE.json   list the devices of the asset records of EVE files (- for stdin)\n"
		"  --json     one JSON array of the devices instead of a table\n";
	bool json = false, replay = false;
	const char *config = NULL;
	int workers = 0, i = 2;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "-r") == 0) {
			replay = true;
		} else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
			if (parse_int(argv[++i], 1, 256, &workers) < 0) {
				fprintf(stderr,
					"vigil inventory: --workers: expected 1..256, got \"%s\"\n",
					argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage_line, stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else {
			fprintf(stderr, "vigil inventory: unknown option %s\n", argv[i]);
			fputs(usage_line, stderr);
			return 2;
		}
	}
	if (i >= argc || (!replay && (config || workers))) {
		fputs(usage_line, stderr);
		return 2;
	}
	struct inventory *inv = inventory_new();
	if (!inv) {
		fprintf(stderr, "vigil inventory: out of memory\n");
		return 2;
	}
	int rc = 0;
	if (replay) {
		struct vigil_config cfg;
		config_defaults(&cfg);
		char err[1024];
		if (config && config_load(&cfg, config, err, sizeof(err)) < 0) {
			fprintf(stderr, "vigil inventory: %s\n", err);
			config_free(&cfg);
			inventory_free(inv);
			return 2;
		}
		if (workers)
			cfg.workers = workers;
		/* only the facts are needed: no rules, no other records */
		cfg.worker.assets.enabled = true;
		cfg.worker.log_flow = false;
		cfg.worker.log_anomaly = false;
		cfg.worker.ndpi = false;
		for (size_t k = 0; k < APP_MAX_PROTOS; k++)
			cfg.worker.app.proto[k].log_tx = false;
		struct assets *assets = assets_new(&cfg.worker.assets, NULL, NULL);
		if (!assets) {
			fprintf(stderr, "vigil inventory: out of memory\n");
			rc = 2;
		}
		for (int k = i; k < argc && rc == 0 && !g_stop; k++)
			rc = inventory_replay(argv[k], &cfg, assets, inv);
		assets_free(assets);
		config_free(&cfg);
	} else {
		for (int k = i; k < argc && rc == 0; k++) {
			char err[1024];
			if (inventory_read_file(inv, argv[k], err, sizeof(err)) < 0) {
				fprintf(stderr, "vigil inventory: %s\n", err);
				rc = 2;
			}
		}
	}
	if (rc == 0) {
		if (json)
			inventory_print_json(inv, stdout);
		else
			inventory_print_table(inv, stdout);
		if (fflush(stdout) != 0)
			rc = 1;
	}
	inventory_free(inv);
	return rc;
}

/* ---- vigil report ---------------------------------------------------------- */

/* `report -r`: every record of the replay goes to the model (output thread). */
static void report_rec(void *user, const char *json, size_t len, const struct rec_info *info)
{
	(void)info;
	report_add(user, json, len);
}

/* Replays one capture into the model, with the rules and the inventory of
 * tmpl (shared by the captures). 0, or 2 (reason printed). */
static int report_replay(const char *path, const struct pipeline_config *tmpl,
			 struct report *rep)
{
	char err[1024];
	struct source *src = source_open_files(path, false, err, sizeof(err));
	if (!src) {
		fprintf(stderr, "vigil report: %s\n", err);
		return 2;
	}
	g_src = src;
	struct pipeline_config pc = *tmpl;
	struct pipeline_out out = { rep, report_rec, NULL, NULL, false };
	int rc = pipeline_run(&pc, src, &out, &g_stop, NULL) < 0 ? 2 : 0;
	g_src = NULL;
	source_close(src);
	return rc;
}

/* Writes the page to path ("-": stdout) through a temporary file renamed
 * into place, so that a failed run leaves no half page. 0, or 1. */
static int report_output(struct report *rep, const char *path)
{
	if (strcmp(path, "-") == 0)
		return report_write_html(rep, stdout) < 0 || fflush(stdout) != 0 ? 1 : 0;
	size_t n = strlen(path) + 16;
	char *tmp = malloc(n);
	if (!tmp)
		return 1;
	snprintf(tmp, n, "%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "vigil report: %s: %s\n", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return 1;
	}
	fchmod(fd, 0644);
	int rc = report_write_html(rep, f);
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -1;
	if (rc < 0) {
		fprintf(stderr, "vigil report: %s: %s\n", path, strerror(errno ? errno : EIO));
		unlink(tmp);
	}
	free(tmp);
	return rc < 0 ? 1 : 0;
}

/* vigil report -r CAPTURE... [-c CONFIG] [-S RULES]... [--workers N] -o FILE
 * vigil report -e EVE.json... -o FILE */
static int report_main(int argc, char **argv)
{
	static const char usage_line[] =
		"usage: vigil report -r CAPTURE... [-c vigil.yaml] [-S RULES]... [--workers N] -o REPORT.html\n"
		"       vigil report -e EVE.json... -o REPORT.html\n"
		"  -r CAPTURE   replay captures (files, directories, or -): the configuration's\n"
		"               rules, or those of -S; the records stay in memory\n"
		"  -e EVE.json  read EVE files (- for stdin); lines that are not EVE JSON are counted\n"
		"  -o FILE      the page to write (- for stdout)\n"
		"  -c FILE      the configuration (with -r)\n"
		"  -S FILE|DIR  rule file or folder (with -r; repeatable; instead of the configuration's)\n"
		"  --workers N  worker threads (with -r; the page is the same for any number)\n"
		"  --title TEXT the page's title (default: Vigil report)\n";
	bool replay = false, eve = false;
	const char *config = NULL, *out = NULL, *title = NULL;
	struct opts o;
	memset(&o, 0, sizeof(o));
	int workers = 0, n_in = 0;
	char **in = calloc((size_t)argc, sizeof(*in));
	if (!in)
		return 2;
	int rc = 2;
	bool opts_done = false;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (opts_done || a[0] != '-' || !a[1]) {
			in[n_in++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (strcmp(a, "-r") == 0) {
			replay = true;
		} else if (strcmp(a, "-e") == 0) {
			eve = true;
		} else if (strcmp(a, "-o") == 0 && more) {
			out = argv[++i];
		} else if (strcmp(a, "-c") == 0 && more) {
			config = argv[++i];
		} else if (strcmp(a, "-S") == 0 && more) {
			if (o.n_rule_files >= MAX_RULE_FILES) {
				fprintf(stderr, "vigil report: at most %d -S\n", MAX_RULE_FILES);
				goto out;
			}
			o.rule_files[o.n_rule_files++] = argv[++i];
		} else if (strcmp(a, "--title") == 0 && more) {
			title = argv[++i];
		} else if (strcmp(a, "--workers") == 0 && more) {
			if (parse_int(argv[++i], 1, 256, &workers) < 0) {
				fprintf(stderr, "vigil report: --workers: expected 1..256, got \"%s\"\n",
					argv[i]);
				goto out;
			}
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage_line, stdout);
			rc = 0;
			goto out;
		} else {
			fprintf(stderr, "vigil report: %s %s\n", a,
				more ? "is an unknown option" : "is an unknown option or needs an argument");
			fputs(usage_line, stderr);
			goto out;
		}
	}
	if (replay == eve || !n_in || !out || (eve && (config || workers || o.n_rule_files))) {
		if (argc > 2) {
			fprintf(stderr, "vigil report: %s\n",
				replay && eve ? "-r or -e, not both"
				: !replay && !eve ? "-r CAPTURE... or -e EVE.json... needed"
				: !n_in	? "no input named"
				: !out	? "-o FILE needed"
					: "-c, -S and --workers go with -r");
		}
		fputs(usage_line, stderr);
		goto out;
	}
	struct report *rep = report_new(NULL);
	if (!rep) {
		fprintf(stderr, "vigil report: out of memory\n");
		goto out;
	}
	if (title)
		report_set_title(rep, title);
	rc = 0;
	if (replay) {
		struct vigil_config cfg;
		config_defaults(&cfg);
		char err[1024];
		if (config && config_load(&cfg, config, err, sizeof(err)) < 0) {
			fprintf(stderr, "vigil report: %s\n", err);
			config_free(&cfg);
			report_free(rep);
			rc = 2;
			goto out;
		}
		if (workers)
			cfg.workers = workers;
		/* everything the page uses, whatever the configuration logs */
		cfg.worker.assets.enabled = true;
		cfg.worker.log_flow = true;
		cfg.worker.log_anomaly = true;
		for (size_t k = 0; k < APP_MAX_PROTOS; k++)
			cfg.worker.app.proto[k].log_tx = true;
		rules_setup(&g_rules, &o, &cfg);
		if (!g_rules.n_paths)
			fprintf(stderr, "vigil report: no rules (-S, or rule-files in the configuration "
				"of -c): the page will show no alert\n");
		if (config)
			report_add_source(rep, "configuration", config);
		for (size_t k = 0; k < g_rules.n_paths; k++)
			report_add_source(rep, "rules", g_rules.paths[k]);
		struct pipeline_config pc = {
			.workers = cfg.workers ? cfg.workers : pipeline_cpus(),
			.wcfg = &cfg.worker,
			.dcfg = &cfg.defrag,
			.tcfg = &cfg.tunnel,
			.ring_bytes = (size_t)cfg.ring_size * 2048,
			.record_ring_bytes = 8u << 20,
		};
		if (assets_start(&cfg, &pc) < 0 || rules_start(&g_rules, &cfg, &pc) < 0)
			rc = 2;
		pc.reload = NULL; /* no SIGHUP reload in a one-shot run */
		for (int k = 0; k < n_in && rc == 0 && !g_stop; k++) {
			report_add_source(rep, "capture", in[k]);
			rc = report_replay(in[k], &pc, rep);
		}
		rules_stop(&g_rules, &cfg);
		assets_free(pc.assets);
		config_free(&cfg);
	} else {
		for (int k = 0; k < n_in && rc == 0; k++) {
			char err[1024];
			report_add_source(rep, "EVE file", in[k]);
			if (report_read_file(rep, in[k], err, sizeof(err)) < 0) {
				fprintf(stderr, "vigil report: %s\n", err);
				rc = 2;
			}
		}
	}
	if (rc == 0 && g_stop)
		rc = 1;
	if (rc == 0)
		rc = report_output(rep, out);
	if (rc == 0) {
		struct report_summary s;
		report_summary(rep, &s);
		fprintf(stderr, "vigil report: %s: %zu hosts (%zu caused alerts), %llu alerts of %zu "
			"rules, %llu records",
			out, s.hosts, s.attackers, (unsigned long long)s.alerts, s.rules,
			(unsigned long long)s.records);
		if (s.not_json || s.malformed || s.oversized)
			fprintf(stderr, "; skipped: %llu lines not JSON, %llu malformed, %llu oversized",
				(unsigned long long)s.not_json, (unsigned long long)s.malformed,
				(unsigned long long)s.oversized);
		fputc('\n', stderr);
	}
	report_free(rep);
out:
	free(in);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "keygen") == 0) {
		if (argc != 3) {
			fprintf(stderr, "usage: vigil keygen DIR\n");
			return 2;
		}
		char err[1024];
		if (chain_keygen(argv[2], err, sizeof(err)) < 0) {
			fprintf(stderr, "vigil keygen: %s\n", err);
			return 1;
		}
		printf("vigil keygen: %s/vigil.key (private, mode 0600) and %s/vigil.pub written\n", argv[2],
		       argv[2]);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		return verify_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], "learn") == 0)
		return learn_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], "inventory") == 0)
		return inventory_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return report_main(argc, argv);
	struct opts o;
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	if (o.list_keywords)
		return list_keywords(o.list_keywords);
	if (o.list_protos)
		return list_app_protos();
	g_quiet = o.quiet;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_flags = SA_RESTART; /* a reload must not cut a read short */
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct vigil_config cfg;
	config_defaults(&cfg);
	if (o.config) {
		char err[1024];
		if (config_load(&cfg, o.config, err, sizeof(err)) < 0) {
			fprintf(stderr, "vigil: %s\n", err);
			config_free(&cfg);
			return o.check_config || o.test_rules ? 1 : 2;
		}
	}
	apply_overrides(&cfg, &o);
	/* "host" and "in_iface" in every record, as Suricata writes them */
	if (eve_set_sensor(cfg.sensor_id, o.iface ? o.iface : o.xdp_iface) < 0) {
		fprintf(stderr, "vigil: sensor-name: too long to be written in records (at most 100 bytes)\n");
		config_free(&cfg);
		return o.check_config || o.test_rules ? 1 : 2;
	}
	const char *user = o.user ? o.user : cfg.run_as_user;
	const char *group = o.group ? o.group : o.user ? NULL : cfg.run_as_group;
	if (group && !user) {
		fprintf(stderr, "vigil: --group needs --user (or run-as: user: in the configuration)\n");
		config_free(&cfg);
		return 2;
	}
	if (user) {
		char err[512];
		if (privs_resolve(&g_privs, user, group, err, sizeof(err)) < 0) {
			fprintf(stderr, "vigil: %s\n", err);
			config_free(&cfg);
			return o.check_config ? 1 : 2;
		}
		g_drop = true;
	}
	if (o.check_config) {
		/* the baseline when one is named: it must load */
		const char *bp = o.baseline ? o.baseline : cfg.baseline_file;
		if (bp) {
			char err[1024];
			struct bl_model *bm = bl_load(bp, &cfg.baseline, err, sizeof(err));
			if (!bm) {
				fprintf(stderr, "vigil: %s\n", err);
				config_free(&cfg);
				return 1;
			}
			printf("vigil: baseline %s is valid (%zu conversations)\n", bp,
			       bl_model_conversations(bm));
			bl_model_free(bm);
		}
		/* the configuration, then its rules: every file there, none broken
		 * (a rule Vigil does not support is reported, not an error) */
		rules_setup(&g_rules, &o, &cfg);
		bool ok = rules_files_ok(&g_rules);
		if (ok && g_rules.n_paths) {
			struct detect_load_report rep;
			struct detect_engine *de = rules_load(&g_rules, "rules", &rep);
			ok = de && rep.failed == 0;
			detect_engine_free(de);
		}
		if (ok)
			printf("vigil: configuration %s is valid\n", o.config ? o.config : "(defaults)");
		config_free(&cfg);
		return ok ? 0 : 1;
	}
	if (o.test_rules) {
		rules_setup(&g_rules, &o, &cfg);
		if (!g_rules.n_paths) {
			fprintf(stderr, "vigil: --test-rules: no rule files (-S FILE or rule-files in the configuration)\n");
			config_free(&cfg);
			return 1;
		}
		if (!rules_files_ok(&g_rules)) {
			config_free(&cfg);
			return 1;
		}
		struct detect_load_report rep;
		struct detect_engine *de = rules_load(&g_rules, "rules", &rep);
		detect_engine_free(de);
		config_free(&cfg);
		return de && rep.failed == 0 && rep.unsupported == 0 ? 0 : 1;
	}
	/* the first worker's nDPI context is made while the capture and the
	 * rules are opened; the process ends with the pipeline, and nDPI's
	 * contexts with it (not freed one by one) */
	ndpi_keep_at_exit();
	if (cfg.worker.ndpi)
		ndpi_ctx_make_ahead();
	rc = o.xdp_iface ? run_xdp(&o, &cfg) : run(&o, &cfg);
	ndpi_ctx_ahead_end();
	config_free(&cfg);
	return rc;
}
