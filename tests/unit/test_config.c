/* SPDX-License-Identifier: BSD-3-Clause */
/* Configuration: values read, and every kind of mistake reported as
 * FILE:LINE: key: reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char path[64];

static int load(struct vigil_config *c, const char *text, char *err, size_t errlen)
{
	snprintf(path, sizeof(path), "/tmp/vigil-test-config-%d.yaml", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	config_defaults(c);
	int rc = config_load(c, path, err, errlen);
	unlink(path);
	return rc;
}

static void expect_error(const char *text, const char *want_suffix)
{
	struct vigil_config c;
	char err[512];
	assert_int_equal(load(&c, text, err, sizeof(err)), -1);
	/* "PATH:LINE: ..." */
	assert_memory_equal(err, path, strlen(path));
	const char *rest = err + strlen(path);
	if (strcmp(rest, want_suffix) != 0)
		fail_msg("got \"%s\", want \"%s\"", rest, want_suffix);
	config_free(&c);
}

static void test_values(void **s)
{
	(void)s;
	struct vigil_config c;
	char err[512];
	int rc = load(&c,
		      "vars:\n"
		      "  address-groups:\n"
		      "    HOME_NET: \"[10.0.0.0/8]\"\n"
		      "    ICS_MASTERS: \"[10.0.0.2,10.0.0.3]\"\n"
		      "  port-groups:\n"
		      "    MODBUS_PORTS: \"502\"\n"
		      "rule-files: [a.rules, b.rules]\n"
		      "workers: 3\n"
		      "flow:\n"
		      "  memcap: 64mb\n"
		      "  timeouts:\n"
		      "    tcp: {new: 10, established: 600, closed: 5}\n"
		      "stream:\n"
		      "  max-ooo-segments: 7\n"
		      "app-layer:\n"
		      "  protocols:\n"
		      "    modbus:\n"
		      "      enabled: yes\n"
		      "      log: no\n"
		      "      ports: {tcp: [5020]}\n"
		      "logging: {anomaly: no}\n"
		      "defrag: {report-interval: 60}\n"
		      "run-as: {user: vigil, group: adm}\n",
		      err, sizeof(err));
	if (rc != 0)
		fail_msg("%s", err);
	assert_int_equal(c.n_address_vars, 2);
	assert_string_equal(c.address_vars[1].name, "ICS_MASTERS");
	assert_string_equal(c.address_vars[1].value, "[10.0.0.2,10.0.0.3]");
	assert_int_equal(c.n_port_vars, 1);
	assert_int_equal(c.n_rule_files, 2);
	/* relative names are taken from the config file's folder */
	assert_string_equal(c.rule_files[1], "/tmp/b.rules");
	assert_int_equal(c.workers, 3);
	assert_int_equal(c.worker.flow.memcap, 64ull << 20);
	assert_int_equal(c.worker.flow.to[FPC_TCP].new_sec, 10);
	assert_int_equal(c.worker.flow.to[FPC_TCP].closed_sec, 5);
	assert_int_equal(c.worker.flow.to[FPC_UDP].new_sec, 30); /* default kept */
	assert_int_equal(c.worker.flow.stream_max_ooo_segs, 7);
	assert_false(c.worker.log_anomaly);
	assert_int_equal(c.defrag.report_sec, 60);
	assert_string_equal(c.run_as_user, "vigil");
	assert_string_equal(c.run_as_group, "adm");
	int mi = app_parser_index("modbus");
	if (mi >= 0) {
		assert_false(c.worker.app.proto[mi].log_tx);
		assert_int_equal(c.worker.app.proto[mi].tcp_ports[0], 5020);
	}
	config_free(&c);
}

static void test_errors(void **s)
{
	(void)s;
	expect_error("flow:\n  memcap: 64mb\n  memcapp: 1\n", ":3: flow.memcapp: unknown key");
	expect_error("workers: lots\n", ":1: workers: expected a whole number, got \"lots\"");
	expect_error("outputs:\n  syslog:\n    - {transport: carrier-pigeon, host: x}\n",
		     ":3: transport: expected udp, tcp or tls, got \"carrier-pigeon\"");
	expect_error("outputs:\n  syslog:\n    - {transport: tcp}\n", ":3: host: a syslog target needs a host");
	expect_error("signing:\n  mode: sometimes\n", ":2: mode: expected block or record, got \"sometimes\"");
	expect_error("outputs:\n  eve-log: {format: xml}\n", ":2: format: expected eve, cef or leef, got \"xml\"");
	expect_error("workers: 0\n", ":1: workers: 0 is out of range 1..256");
	expect_error("flow:\n  memcap: 12parsecs\n",
		     ":2: memcap: expected a size such as 65536, 64kb or 32mb, got \"12parsecs\"");
	expect_error("logging:\n  flow: maybe\n", ":2: flow: expected yes or no, got \"maybe\"");
	expect_error("flow: 5\n", ":1: flow: expected a map of settings");
	expect_error("rule-files: a.rules\n", ":1: rule-files: expected a list");
	expect_error("stats:\n  interval: 5\nstats:\n  interval: 6\n",
		     ":3: stats: duplicate key (first at line 1)");
	expect_error("a: &x 1\nb: *x\n", ":1: anchors are not supported");
	expect_error("app-layer:\n  protocols:\n    gopher: {enabled: yes}\n",
		     ":3: gopher: unknown protocol");
	expect_error("vars:\n  address-groups:\n    BAD-NAME: \"1.2.3.4\"\n",
		     ":3: BAD-NAME: variable names use A-Z, 0-9 and _");
	expect_error("flow: [1, 2\n", ":2: did not find expected ',' or ']' while parsing a flow sequence");
	expect_error("- 1\n- 2\n", ":1: the configuration must be a map of settings");
	expect_error("run-as:\n  uid: 5\n", ":2: run-as.uid: unknown key");
	expect_error("run-as: vigil\n", ":1: run-as: expected a map of settings");
	expect_error("defrag:\n  report-interval: 0\n", ":2: report-interval: 0 is out of range 1..86400");
}

static void test_empty_and_missing(void **s)
{
	(void)s;
	struct vigil_config c;
	char err[512];
	assert_int_equal(load(&c, "", err, sizeof(err)), 0);
	assert_int_equal(c.worker.flow.memcap, 256ull << 20);
	/* live capture: packets in batches, a kernel buffer larger than
	 * libpcap's 2 MiB (which dropped packets at 20 000/s) */
	assert_false(c.immediate);
	assert_int_equal(c.buffer_mb, 64);
	assert_int_equal(c.defrag.report_sec, 10);
	assert_null(c.run_as_user); /* stays as started */
	config_free(&c);
	assert_int_equal(load(&c, "capture:\n  immediate: yes\n  buffer-mb: 0\n", err, sizeof(err)), 0);
	assert_true(c.immediate);
	assert_int_equal(c.buffer_mb, 0);
	config_free(&c);
	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/vigil.yaml", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/vigil.yaml: No such file or directory");
	config_free(&c);
}

/* The signing block as the shipped vigil.yaml writes it, uncommented:
 * previous-key "" and state "" mean none (the key's own state file), not a
 * file named after the configuration's folder. */
static void test_signing_block(void **s)
{
	(void)s;
	struct vigil_config c;
	char err[512];
	assert_int_equal(load(&c,
			      "signing:\n"
			      "  key: /etc/vigil/vigil.key\n"
			      "  previous-key: \"\"\n"
			      "  state: \"\"\n"
			      "  mode: block\n",
			      err, sizeof(err)),
			 0);
	assert_string_equal(c.signing_key, "/etc/vigil/vigil.key");
	assert_null(c.signing_prev_key);
	assert_null(c.signing_state);
	config_free(&c);
	assert_int_equal(load(&c, "signing:\n  key: k.key\n  state: /var/lib/vigil/vigil.state\n",
			      err, sizeof(err)),
			 0);
	assert_string_equal(c.signing_key, "/tmp/k.key");
	assert_string_equal(c.signing_state, "/var/lib/vigil/vigil.state");
	config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_empty_and_missing),
		cmocka_unit_test(test_signing_block),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
