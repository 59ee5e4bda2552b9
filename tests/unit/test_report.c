/* SPDX-License-Identifier: BSD-3-Clause */
/* `vigil report` (sensor/report/): the model built from hand-made EVE
 * records (hosts, pairs, function classes, who caused an alert, rules,
 * the earliest alerts, the timeline), the limits and what they count,
 * bad input counted, hostile strings escaped, and a page that loads and
 * runs nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "report/model.h"
#include "report/report.h"

static void add(struct report *r, const char *json)
{
	assert_int_equal(report_add(r, json, strlen(json)), 1);
}

/* the page, in memory (caller frees) */
static char *page(struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(report_write_html(r, f), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static const struct rp_node *node(const struct report *r, const char *key)
{
	for (size_t i = 0; i < r->n_nodes; i++)
		if (strcmp(r->nodes[i].key, key) == 0)
			return &r->nodes[i];
	return NULL;
}

static const struct rp_edge *edge(const struct report *r, const char *a, const char *b,
				  const char *proto)
{
	for (size_t i = 0; i < r->n_edges; i++) {
		const struct rp_edge *e = &r->edges[i];
		if (strcmp(r->nodes[e->src].key, a) == 0 && strcmp(r->nodes[e->dst].key, b) == 0 &&
		    strcmp(r->protos[e->proto], proto) == 0)
			return e;
	}
	return NULL;
}

#define ASSET_PLC                                                                              \
	"{\"timestamp\":\"2023-11-14T22:13:20.000100+0000\",\"event_type\":\"asset\",\"asset\":{" \
	"\"id\":2,\"event\":\"new\",\"ip\":\"10.0.0.10\",\"mac\":\"00:80:F4:01:00:0A\","        \
	"\"vendor\":\"Schneider\",\"product\":\"M340\",\"firmware\":\"2.7\",\"serial\":\"S1\","  \
	"\"protocols\":[\"modbus\"],\"roles\":[\"field_device\"],"                              \
	"\"first_seen\":\"2023-11-14T22:13:20.000100+0000\","                                   \
	"\"last_seen\":\"2023-11-14T22:13:21.000000+0000\"}}"
#define ASSET_HMI                                                                              \
	"{\"timestamp\":\"2023-11-14T22:13:20.000000+0000\",\"event_type\":\"asset\",\"asset\":{" \
	"\"id\":1,\"event\":\"new\",\"ip\":\"10.0.0.2\",\"protocols\":[\"modbus\"],"             \
	"\"roles\":[\"master\"]}}"
/* a write (function 6) request and its response, then a read */
#define TX_WRITE                                                                               \
	"{\"timestamp\":\"2023-11-14T22:13:20.001000+0000\",\"event_type\":\"modbus\","          \
	"\"src_ip\":\"10.0.0.2\",\"src_port\":40000,\"dest_ip\":\"10.0.0.10\",\"dest_port\":502," \
	"\"proto\":\"TCP\",\"app_proto\":\"modbus\",\"modbus\":{\"request\":{\"function_raw\":6}}}"
#define TX_READ                                                                                \
	"{\"timestamp\":\"2023-11-14T22:13:20.002000+0000\",\"event_type\":\"modbus\","          \
	"\"src_ip\":\"10.0.0.2\",\"dest_ip\":\"10.0.0.10\",\"app_proto\":\"modbus\","           \
	"\"modbus\":{\"request\":{\"function_raw\":3},\"response\":{\"function_raw\":3}}}"
#define FLOW                                                                                   \
	"{\"timestamp\":\"2023-11-14T22:13:25.000000+0000\",\"event_type\":\"flow\","            \
	"\"src_ip\":\"10.0.0.2\",\"src_port\":40000,\"dest_ip\":\"10.0.0.10\",\"dest_port\":502," \
	"\"proto\":\"TCP\",\"app_proto\":\"modbus\",\"flow\":{"                                  \
	"\"start\":\"2023-11-14T22:13:19.500000+0000\",\"end\":\"2023-11-14T22:13:25.000000+0000\"}}"
/* an alert on the PLC's response to an attacker: the attacker caused it */
#define ALERT_TO_CLIENT                                                                        \
	"{\"timestamp\":\"2023-11-14T22:13:22.000000+0000\",\"event_type\":\"alert\","           \
	"\"src_ip\":\"10.0.0.10\",\"src_port\":502,\"dest_ip\":\"10.0.1.66\",\"dest_port\":41000," \
	"\"proto\":\"TCP\",\"app_proto\":\"modbus\",\"direction\":\"to_client\",\"alert\":{"     \
	"\"gid\":1,\"signature_id\":9100001,\"rev\":2,\"signature\":\"VIGIL MODBUS exception\"," \
	"\"category\":\"Protocol Anomaly\",\"severity\":2,\"metadata\":{"                        \
	"\"mitre_technique_id\":[\"T0814\",\"T0806\"]}},"                                        \
	"\"modbus\":{\"request\":{\"function_raw\":8}}}"
#define ALERT_TO_SERVER                                                                        \
	"{\"timestamp\":\"2023-11-14T22:13:23.000000+0000\",\"event_type\":\"alert\","           \
	"\"src_ip\":\"10.0.1.66\",\"dest_ip\":\"10.0.0.10\",\"proto\":\"TCP\","                  \
	"\"app_proto\":\"modbus\",\"direction\":\"to_server\",\"alert\":{\"gid\":1,"            \
	"\"signature_id\":9100002,\"signature\":\"VIGIL MODBUS write from a non-master\","       \
	"\"category\":\"Change\",\"severity\":1},\"modbus\":{\"request\":{\"function_raw\":16}}}"

static void test_model(void **state)
{
	(void)state;
	struct report *r = report_new(NULL);
	assert_non_null(r);
	add(r, ASSET_HMI);
	add(r, ASSET_PLC);
	add(r, TX_WRITE);
	add(r, TX_READ);
	add(r, FLOW);
	add(r, ALERT_TO_CLIENT);
	add(r, ALERT_TO_SERVER);
	add(r, ALERT_TO_SERVER);
	/* a record without use */
	const char *stats = "{\"timestamp\":\"2023-11-14T22:13:30.000000+0000\","
			    "\"event_type\":\"stats\",\"stats\":{\"uptime\":10}}";
	assert_int_equal(report_add(r, stats, strlen(stats)), 0);

	assert_int_equal(r->n_nodes, 3);
	const struct rp_node *plc = node(r, "10.0.0.10"), *hmi = node(r, "10.0.0.2");
	const struct rp_node *atk = node(r, "10.0.1.66");
	assert_non_null(plc);
	assert_non_null(hmi);
	assert_non_null(atk);
	assert_string_equal(plc->vendor, "Schneider");
	assert_string_equal(plc->mac, "00:80:f4:01:00:0a"); /* canonical */
	assert_int_equal(rp_node_kind(plc), RP_K_FIELD);
	assert_int_equal(rp_node_kind(hmi), RP_K_SUPERVISORY);
	assert_int_equal(rp_node_kind(atk), RP_K_OTHER);
	/* the flow began before any record: first seen is its start */
	assert_int_equal(hmi->first, rp_parse_time("2023-11-14T22:13:19.500000+0000"));
	assert_int_equal(plc->last, rp_parse_time("2023-11-14T22:13:25.000000+0000"));
	/* the to_client alert: caused by the flow's client, the attacker */
	assert_int_equal(atk->alerts_src, 3);
	assert_int_equal(atk->worst_sev, 1);
	assert_int_equal(plc->alerts_dst, 3);
	assert_int_equal(plc->alerts_src, 0);

	const struct rp_edge *e = edge(r, "10.0.0.2", "10.0.0.10", "modbus");
	assert_non_null(e);
	assert_int_equal(e->txs, 2);
	assert_int_equal(e->flows, 1);
	assert_int_equal(e->classes, RP_FC_READ | RP_FC_WRITE);
	assert_int_equal(e->alerts, 0);
	e = edge(r, "10.0.1.66", "10.0.0.10", "modbus");
	assert_non_null(e);
	assert_int_equal(e->alerts, 3);
	assert_int_equal(e->worst_sev, 1);
	assert_int_equal(e->classes, RP_FC_DIAG | RP_FC_WRITE);
	assert_null(edge(r, "10.0.0.10", "10.0.1.66", "modbus"));

	assert_int_equal(r->n_rules, 2);
	assert_int_equal(r->c.alerts, 3);
	for (size_t i = 0; i < r->n_rules; i++) {
		if (r->rules[i].sid == 9100001) {
			assert_int_equal(r->rules[i].count, 1);
			assert_int_equal(r->rules[i].rev, 2);
			assert_string_equal(r->rules[i].mitre, "T0814, T0806");
		} else {
			assert_int_equal(r->rules[i].sid, 9100002);
			assert_int_equal(r->rules[i].count, 2);
		}
	}
	assert_int_equal(r->n_alerts, 3);
	assert_int_equal(r->c.ignored, 1);
	assert_int_equal(r->c.records, 9);

	struct report_summary s;
	report_summary(r, &s);
	assert_int_equal(s.hosts, 3);
	assert_int_equal(s.attackers, 1);
	assert_int_equal(s.map_nodes, 3);
	assert_int_equal(s.map_edges, 2);
	/* columns: supervisory left of field devices left of the others */
	assert_true(hmi->x < plc->x && plc->x < atk->x);

	char *html = page(r);
	assert_int_equal(count(html, "<g class=\"node "), 3);
	assert_int_equal(count(html, "<g class=\"edge\""), 2);
	assert_int_equal(count(html, "class=\"node other attacker\" data-key=\"10.0.1.66\""), 1);
	assert_non_null(strstr(html, "modbus: read/write"));
	assert_non_null(strstr(html, "T0814, T0806"));
	free(html);
	report_free(r);
}

static void test_times(void **state)
{
	(void)state;
	uint64_t t = rp_parse_time("2023-11-14T22:13:20.001460+0000");
	assert_int_equal(t, 1700000000001460ull);
	assert_int_equal(rp_parse_time("2023-11-14T22:13:20.00146Z"), t);
	assert_int_equal(rp_parse_time("2023-11-15T00:13:20.001460+02:00"), t);
	assert_int_equal(rp_parse_time("2023-11-14T17:13:20.001460-0500"), t);
	assert_int_equal(rp_parse_time("2023-11-14T22:13:20.0014601234+0000"), t);
	assert_int_equal(rp_parse_time("2023-11-14T22:13:20"), t - 1460);
	static const char *const bad[] = { "",
					   "2023-11-14",
					   "2023-13-14T22:13:20Z",
					   "2023-11-14T24:13:20Z",
					   "2023-11-14T22:13:20+",
					   "2023-11-14T22:13:20+0000x",
					   "1969-12-31T23:59:59Z",
					   "20231114T221320",
					   "2023-11-14T22:1:20Z",
					   "2023-11-14T22:13:20+9900" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (rp_parse_time(bad[i]) != 0)
			fail_msg("\"%s\" read as a time", bad[i]);
	}
	assert_int_equal(rp_parse_time(NULL), 0);
	char out[32];
	rp_format_time(out, t);
	assert_string_equal(out, "2023-11-14 22:13:20.001460");
	rp_format_time(out, 0);
	assert_string_equal(out, "-");
}

/* function classes, from the names and codes the parsers write */
static void test_fclass(void **state)
{
	(void)state;
	static const struct {
		const char *proto, *obj;
		unsigned fc;
	} t[] = {
		{ "modbus", "{\"request\":{\"function_raw\":5}}", RP_FC_WRITE },
		{ "modbus", "{\"request\":{\"function_raw\":43}}", RP_FC_DIAG },
		{ "modbus", "{\"request\":{\"function_raw\":90}}", RP_FC_PROGRAM },
		{ "modbus", "{\"request\":{\"function_raw\":23}}", RP_FC_READ | RP_FC_WRITE },
		{ "modbus", "{\"request\":{\"function_raw\":200}}", 0 },
		{ "modbus", "{\"request\":{\"function_raw\":\"5\"}}", 0 },
		{ "dnp3", "{\"type\":\"request\",\"application\":{\"function_code\":5}}", RP_FC_CONTROL },
		{ "dnp3", "{\"type\":\"request\",\"application\":{\"function_code\":13}}", RP_FC_CONTROL },
		{ "dnp3", "{\"type\":\"request\",\"application\":{\"function_code\":25}}", RP_FC_PROGRAM },
		{ "dnp3", "{\"type\":\"response\",\"application\":{\"function_code\":129}}", 0 },
		{ "iec104", "{\"asdu\":{\"type_name\":\"C_SC_NA_1\"}}", RP_FC_CONTROL },
		{ "iec104", "{\"asdu\":{\"type_name\":\"C_IC_NA_1\"}}", RP_FC_READ },
		{ "iec104", "{\"asdu\":{\"type_name\":\"M_ME_NC_1\"}}", RP_FC_READ },
		{ "iec104", "{\"asdu\":{\"type_name\":\"F_FR_NA_1\"}}", RP_FC_PROGRAM },
		{ "iec104", "{\"apci\":{\"type\":\"U\"}}", 0 },
		{ "s7comm", "{\"rosctr_name\":\"job\",\"function_name\":\"plc_stop\"}", RP_FC_CONTROL },
		{ "s7comm", "{\"rosctr_name\":\"job\",\"function_name\":\"request_download\"}",
		  RP_FC_PROGRAM },
		{ "s7comm", "{\"rosctr_name\":\"ack_data\",\"function_name\":\"write_var\"}", 0 },
		{ "s7comm", "{\"rosctr_name\":\"userdata\",\"group_name\":\"cpu_functions\","
			    "\"method\":\"request\"}",
		  RP_FC_DIAG },
		{ "enip", "{\"request\":{\"command\":\"ListIdentity\"}}", RP_FC_DIAG },
		{ "enip",
		  "{\"request\":{\"command\":\"SendRRData\",\"cip\":{\"service_name\":"
		  "\"Multiple_Service_Packet\",\"multiple\":[{\"service_name\":\"Read_Tag\"},"
		  "{\"service_name\":\"Stop\"}]}}}",
		  RP_FC_READ | RP_FC_CONTROL },
		{ "bacnet", "{\"apdu\":{\"type_name\":\"confirmed_request\",\"service_name\":"
			    "\"reinitialize_device\"}}",
		  RP_FC_CONTROL },
		{ "bacnet", "{\"apdu\":{\"type_name\":\"complex_ack\",\"service_name\":"
			    "\"read_property\"}}",
		  0 },
		{ "opcua", "{\"kind\":\"request\",\"service\":\"call\"}", RP_FC_CONTROL },
		{ "opcua", "{\"kind\":\"response\",\"service\":\"write\"}", 0 },
		{ "mqtt", "{\"publish\":{\"topic\":\"a\"}}", RP_FC_WRITE },
		{ "mms", "{\"pdu_type_name\":\"confirmed-RequestPDU\",\"service_name\":\"deleteDomain\"}",
		  RP_FC_PROGRAM },
		{ "pn_dcp", "{\"service\":\"set\",\"service_type_name\":\"request\",\"blocks\":"
			    "[{\"option_name\":\"control\"}]}",
		  RP_FC_WRITE | RP_FC_CONTROL },
		{ "goose", "{\"gocbref\":\"x\"}", 0 },
		{ "nosuch", "{\"request\":{\"function_raw\":5}}", 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_error_t e;
		json_t *o = json_loads(t[i].obj, 0, &e);
		assert_non_null(o);
		unsigned fc = rp_fclass(t[i].proto, o);
		if (fc != t[i].fc)
			fail_msg("%s %s: classes %u, expected %u", t[i].proto, t[i].obj, fc, t[i].fc);
		json_decref(o);
	}
	assert_int_equal(rp_fclass("modbus", NULL), 0);
}

/* Names from packets are hostile: nothing of them may become markup. */
static void test_hostile_strings(void **state)
{
	(void)state;
	struct report *r = report_new(NULL);
	add(r, "{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"asset\",\"asset\":{"
	       "\"ip\":\"10.0.0.9\",\"name\":\"<script>alert(1)</script>\","
	       "\"vendor\":\"\\\"><img src=x onerror=alert(2)>\",\"product\":\"A&B '\\u202e'\","
	       "\"model\":\"\\u001b[31m\",\"roles\":[\"field_device\",\"<b>\"],"
	       "\"protocols\":[\"<svg onload=alert(3)>\"]}}");
	add(r, "{\"timestamp\":\"2023-11-14T22:13:21Z\",\"event_type\":\"alert\","
	       "\"src_ip\":\"10.0.0.7\",\"dest_ip\":\"10.0.0.9\",\"app_proto\":\"</title><script>\","
	       "\"alert\":{\"signature_id\":1,\"signature\":\"</td><script>x()</script>\","
	       "\"category\":\"<iframe src=//evil>\",\"severity\":1}}");
	/* addresses are checked: a hostile one names no host */
	const char *bad_ip = "{\"timestamp\":\"2023-11-14T22:13:21Z\",\"event_type\":\"flow\","
			     "\"src_ip\":\"<script>\",\"dest_ip\":\"10.0.0.9\"}";
	assert_int_equal(report_add(r, bad_ip, strlen(bad_ip)), 1);
	assert_int_equal(r->c.bad_fields, 1);
	assert_int_equal(r->n_nodes, 2);
	report_set_title(r, "<script>t</script>");
	report_add_source(r, "EVE file", "/tmp/<script>.json");
	char *html = page(r);
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "<iframe"));
	assert_null(strstr(html, "<svg onload"));
	assert_null(strstr(html, "&lt;b&gt;")); /* a role of no known name is not kept */
	assert_null(strstr(html, "\xe2\x80\xae")); /* right-to-left override */
	assert_null(strstr(html, "\x1b"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
	assert_non_null(strstr(html, "A&amp;B &#39;\xef\xbf\xbd&#39;"));
	assert_non_null(strstr(html, "&lt;/td&gt;&lt;script&gt;x()&lt;/script&gt;"));
	assert_non_null(strstr(html, "<title>&lt;script&gt;t&lt;/script&gt;</title>"));
	/* the page loads nothing and runs nothing */
	assert_non_null(strstr(html, "<meta http-equiv=\"Content-Security-Policy\" "
				     "content=\"default-src 'none'; style-src 'unsafe-inline'\">"));
	assert_int_equal(count(html, "http://"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
	assert_null(strstr(html, "https://"));
	assert_null(strstr(html, " src=\""));
	assert_null(strstr(html, "href=\"/"));
	assert_null(strstr(html, "@import"));
	assert_int_equal(count(html, "url("), count(html, "url(#"));
	free(html);
	report_free(r);
}

/* Every table is bounded; what does not fit is counted. */
static void test_limits(void **state)
{
	(void)state;
	struct report_limits lim;
	report_limits_default(&lim);
	lim.nodes = 4;
	lim.edges = 3;
	lim.rules = 2;
	lim.alerts = 3;
	lim.anomalies = 2;
	lim.map_nodes = 2;
	lim.map_edges = 1;
	struct report *r = report_new(&lim);
	assert_non_null(r);
	char buf[512];
	/* 10 alerts from 10.0.1.N to 10.0.0.1, later ones first, 5 rules */
	for (int i = 9; i >= 0; i--) {
		snprintf(buf, sizeof(buf),
			 "{\"timestamp\":\"2023-11-14T22:13:%02d.000000+0000\",\"event_type\":\"alert\","
			 "\"src_ip\":\"10.0.1.%d\",\"dest_ip\":\"10.0.0.1\",\"app_proto\":\"modbus\","
			 "\"alert\":{\"signature_id\":%d,\"signature\":\"s\",\"severity\":%d}}",
			 10 + i, i, 100 + i % 5, 1 + i % 4);
		add(r, buf);
	}
	for (int i = 0; i < 4; i++) {
		snprintf(buf, sizeof(buf),
			 "{\"timestamp\":\"2023-11-14T22:14:00Z\",\"event_type\":\"anomaly\","
			 "\"anomaly\":{\"type\":\"decode\",\"event\":\"e%d\"}}", i);
		add(r, buf);
	}
	assert_int_equal(r->n_nodes, 4);
	assert_true(r->c.nodes_dropped > 0);
	assert_int_equal(r->n_edges, 3);
	assert_int_equal(r->n_rules, 2);
	assert_int_equal(r->c.alerts, 10);
	/* the rules table holds the first two met (104, 103): 2 alerts each */
	assert_int_equal(r->c.rule_alerts_dropped, 6);
	/* the earliest three are listed, whatever the order they came in */
	assert_int_equal(r->n_alerts, 3);
	assert_int_equal(r->c.alerts_unlisted, 7);
	uint64_t t10 = rp_parse_time("2023-11-14T22:13:10Z");
	for (size_t i = 0; i < 3; i++)
		assert_true(r->alerts[i].ts >= t10 && r->alerts[i].ts <= t10 + 2000000);
	assert_int_equal(r->n_anomalies, 2);
	assert_int_equal(r->c.anomaly_dropped, 2);
	/* the timeline counts every alert */
	uint64_t sum = 0;
	for (size_t b = 0; b < RP_BUCKETS; b++)
		for (size_t s = 0; s < RP_SEV; s++)
			sum += r->hist.n[b][s];
	assert_int_equal(sum, 10);
	struct report_summary s;
	report_summary(r, &s);
	assert_int_equal(s.map_nodes, 2);
	assert_int_equal(s.map_edges, 1);
	assert_int_equal(r->map_nodes_left, 2);
	char *html = page(r);
	assert_int_equal(count(html, "<g class=\"node "), 2);
	assert_int_equal(count(html, "<g class=\"edge\""), 1);
	assert_non_null(strstr(html, "not drawn: 2 hosts"));
	assert_non_null(strstr(html, "7 later alerts are counted"));
	free(html);
	report_free(r);

	/* limits of 0 are raised to what works */
	memset(&lim, 0, sizeof(lim));
	r = report_new(&lim);
	assert_non_null(r);
	add(r, ALERT_TO_SERVER);
	html = page(r);
	free(html);
	report_free(r);
}

/* The timeline's bars do not depend on the order the alerts arrive in. */
static void test_timeline_order(void **state)
{
	(void)state;
	static const char *const when[] = {
		"2023-11-14T22:13:20Z", "2023-11-14T23:13:20Z", "2023-11-16T01:00:00Z",
		"2023-11-14T22:13:20.5Z", "2023-11-21T22:13:19Z", "2023-11-15T12:00:00Z",
	};
	struct report *a = report_new(NULL), *b = report_new(NULL);
	char buf[512];
	for (size_t i = 0; i < 6; i++) {
		for (int k = 0; k < 2; k++) {
			size_t j = k ? 5 - i : i;
			snprintf(buf, sizeof(buf),
				 "{\"timestamp\":\"%s\",\"event_type\":\"alert\",\"alert\":{"
				 "\"signature_id\":1,\"severity\":%zu}}", when[j], 1 + j % 4);
			add(k ? b : a, buf);
		}
	}
	assert_int_equal(a->hist.width, b->hist.width);
	assert_int_equal(a->hist.base, b->hist.base);
	assert_memory_equal(a->hist.n, b->hist.n, sizeof(a->hist.n));
	/* a week in at most RP_BUCKETS bars, every alert in one */
	assert_true(a->hist.width >= 5040000000ull);
	uint64_t sum = 0;
	for (size_t i = 0; i < RP_BUCKETS; i++)
		for (size_t s = 0; s < RP_SEV; s++)
			sum += a->hist.n[i][s];
	assert_int_equal(sum, 6);
	report_free(a);
	report_free(b);
}

/* Bad lines of an EVE file are counted, never fatal. */
static void test_bad_lines(void **state)
{
	(void)state;
	char path[] = "/tmp/test_report_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(ASSET_PLC "\n", f);
	fputs("\n   \n", f);                                          /* 2 blank */
	fputs("CEF:0|Vigil|vigil|0.1|9100001|x|5|src=10.0.0.1\n", f); /* not JSON */
	fputs("<134>1 2023-11-14T22:13:20Z host vigil - - - " TX_WRITE "\n", f); /* syslog */
	fputs("{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"al", f);  /* cut */
	fputs("\n[1,2,3]\n", f);                                      /* JSON, no object */
	fputc('{', f);
	for (int i = 0; i < 3000; i++) /* longer than the 1024-byte limit */
		fputc('x', f);
	fputs("}\n", f);
	fwrite("{\"a\":\0\"b\"}\n", 1, 11, f); /* a NUL byte */
	fputs("{\"event_type\":\"flow\",\"src_ip\":\"10.0.0.2\",\"dest_ip\":\"10.0.0.10\"}\n", f);
	fputs(TX_READ, f); /* the last line, without its newline */
	assert_int_equal(fclose(f), 0);

	struct report_limits lim;
	report_limits_default(&lim);
	lim.line_max = 1024;
	struct report *r = report_new(&lim);
	char err[256];
	assert_int_equal(report_read_file(r, path, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(r->c.lines, 11); /* each counted once, below */
	assert_int_equal(r->c.blank, 2);
	assert_int_equal(r->c.not_json, 2); /* CEF, and the array: no '{' */
	assert_int_equal(r->c.oversized, 1);
	assert_int_equal(r->c.malformed, 2); /* the cut record, the NUL byte */
	assert_int_equal(r->c.records, 4);
	assert_int_equal(r->c.no_time, 1);
	const struct rp_edge *e = edge(r, "10.0.0.2", "10.0.0.10", "modbus");
	assert_non_null(e);
	assert_int_equal(e->txs, 2);
	assert_int_equal(e->classes, RP_FC_READ | RP_FC_WRITE);
	char *html = page(r);
	assert_non_null(strstr(html, "malformed or truncated JSON records: skipped</td>"
				     "<td class=\"n\">2</td>"));
	free(html);
	/* a file that is not there */
	assert_int_equal(report_read_file(r, "/nonexistent/eve.json", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/eve.json"));
	report_free(r);
}

/* A layer-2 talker known by its MAC that an asset record gives an IP is
 * one host; a MAC shared by several IPs (a router's) is not merged. */
static void test_mac_alias(void **state)
{
	(void)state;
	struct report *r = report_new(NULL);
	add(r, "{\"timestamp\":\"2023-11-14T22:13:20Z\",\"event_type\":\"pn_dcp\","
	       "\"ether\":{\"src_mac\":\"00:1b:1b:0a:00:05\",\"dest_mac\":\"01:0e:cf:00:00:00\"},"
	       "\"pn_dcp\":{\"service\":\"identify\"}}");
	add(r, "{\"timestamp\":\"2023-11-14T22:13:21Z\",\"event_type\":\"asset\",\"asset\":{"
	       "\"ip\":\"10.0.0.5\",\"mac\":\"00:1B:1B:0A:00:05\",\"roles\":[\"engineering_workstation\"]}}");
	add(r, "{\"timestamp\":\"2023-11-14T22:13:21Z\",\"event_type\":\"asset\",\"asset\":{"
	       "\"ip\":\"10.0.0.6\",\"mac\":\"00:00:00:00:00:01\"}}");
	add(r, "{\"timestamp\":\"2023-11-14T22:13:21Z\",\"event_type\":\"asset\",\"asset\":{"
	       "\"ip\":\"10.0.0.7\",\"mac\":\"00:00:00:00:00:01\"}}");
	add(r, "{\"timestamp\":\"2023-11-14T22:13:22Z\",\"event_type\":\"goose\","
	       "\"ether\":{\"src_mac\":\"00:00:00:00:00:01\",\"dest_mac\":\"01:0c:cd:01:00:01\"},"
	       "\"goose\":{}}");
	struct report_summary s;
	report_summary(r, &s);
	const struct rp_node *m = node(r, "00:1b:1b:0a:00:05");
	const struct rp_node *ip = node(r, "10.0.0.5");
	assert_non_null(m);
	assert_non_null(ip);
	assert_int_equal(m->alias, (int32_t)(ip - r->nodes));
	assert_int_equal(node(r, "00:00:00:00:00:01")->alias, -1);
	assert_true(node(r, "01:0e:cf:00:00:00")->multicast);
	/* 7 hosts known, 6 shown: the merged MAC is the IP's */
	assert_int_equal(r->n_nodes, 7);
	assert_int_equal(s.hosts, 6);
	char *html = page(r);
	assert_non_null(strstr(html, "data-src=\"10.0.0.5\" data-dst=\"01:0e:cf:00:00:00\""));
	assert_non_null(strstr(html, "class=\"node multicast\""));
	free(html);
	report_free(r);
}

/* The same records give the same bytes, and a page twice from one model
 * too (report_finish is idempotent). */
static void test_deterministic(void **state)
{
	(void)state;
	char *p[3];
	struct report *r = NULL;
	for (int k = 0; k < 2; k++) {
		r = report_new(NULL);
		add(r, ASSET_HMI);
		add(r, ASSET_PLC);
		add(r, TX_WRITE);
		add(r, ALERT_TO_CLIENT);
		add(r, FLOW);
		p[k] = page(r);
		if (k == 0)
			report_free(r);
	}
	p[2] = page(r);
	assert_string_equal(p[0], p[1]);
	assert_string_equal(p[1], p[2]);
	/* and a record added after a page is in the next one */
	add(r, ALERT_TO_SERVER);
	char *q = page(r);
	assert_int_equal(node(r, "10.0.1.66")->alerts_src, 2);
	assert_string_not_equal(q, p[2]);
	free(q);
	for (int k = 0; k < 3; k++)
		free(p[k]);
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),          cmocka_unit_test(test_times),
		cmocka_unit_test(test_fclass),         cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_limits),         cmocka_unit_test(test_timeline_order),
		cmocka_unit_test(test_bad_lines),      cmocka_unit_test(test_mac_alias),
		cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
