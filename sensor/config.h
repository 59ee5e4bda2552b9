/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

/*
 * vigil.yaml -> struct vigil_config. Every setting has a default (written
 * out in the shipped vigil.yaml); an unknown key, a wrong type or a bad
 * value stops start-up with "FILE:LINE: key: reason". Command-line flags
 * override the file.
 */

#include <stdbool.h>
#include <stdint.h>

#include "anomaly/baseline.h"
#include "decode/decode.h"
#include "output/sink.h"
#include "pipeline/worker.h"
#include "util/yaml.h"
#include "vigil/detect.h"

#define CONFIG_MAX_VARS 128
#define CONFIG_MAX_RULE_FILES 64

struct vigil_config {
	struct ydoc doc;              /* strings below point into it */
	char base_dir[4096];          /* directory of the config file */

	struct detect_var address_vars[CONFIG_MAX_VARS];
	size_t n_address_vars;
	struct detect_var port_vars[CONFIG_MAX_VARS];
	size_t n_port_vars;
	const char *rule_path;        /* default-rule-path as written */
	const char *rule_files[CONFIG_MAX_RULE_FILES];  /* resolved paths */
	int rule_file_lines[CONFIG_MAX_RULE_FILES];     /* where each is named */
	size_t n_rule_files;
	const char *classification_file;                /* resolved, or NULL */
	const char *threshold_file;                     /* resolved, or NULL */
	char *owned[CONFIG_MAX_RULE_FILES + 8];         /* resolved strings */
	size_t n_owned;

	int workers;                  /* 0 = number of CPUs */
	/* capture */
	int snaplen;
	bool promisc;
	bool immediate;
	int buffer_mb;
	const char *bpf;
	/* records */
	const char *log_dir;
	struct worker_config worker;
	struct defrag_config defrag;
	struct tunnel_config tunnel;  /* decoder: (VXLAN ports) */
	uint32_t stats_interval;      /* live: seconds between stats records, 0 = off */
	/* --xdp */
	bool xdp_native;
	bool xdp_drop_others;
	bool xdp_zerocopy;
	const char *xdp_allow[64];
	size_t n_xdp_allow;
	uint16_t xdp_tcp_ports[APP_MAX_EXTRA_PORTS];
	uint16_t xdp_udp_ports[APP_MAX_EXTRA_PORTS];
	uint32_t ring_size;           /* packets per worker ring */
	/* outputs */
	bool eve_enabled;             /* the eve.json file (-l / default-log-dir) */
	const char *eve_filename;     /* in the log directory */
	enum sink_format eve_format;
	uint64_t eve_rotate_bytes;
	uint32_t eve_rotate_keep;
	struct syslog_config syslog[8];
	size_t n_syslog;
	const char *sensor_id;        /* sensor-name (or sensor-id): "host" in records */
	/* signing */
	const char *signing_key;      /* resolved relative to the config file */
	const char *signing_prev_key;
	const char *signing_state;
	uint32_t sign_block_records;
	uint32_t sign_block_ms;
	/* the learned baseline (baseline:) */
	struct bl_config baseline;
	const char *baseline_file;    /* resolved relative to the config file, or NULL */
	/* run-as: who the sensor becomes once the capture is open (NULL: stays) */
	const char *run_as_user;
	const char *run_as_group;
};

void config_defaults(struct vigil_config *c);
/* Loads path over the defaults. 0, or -1 with the reason in err. */
int config_load(struct vigil_config *c, const char *path, char *err, size_t errlen);
void config_free(struct vigil_config *c);

#endif
