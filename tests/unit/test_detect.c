/* SPDX-License-Identifier: BSD-3-Clause */
/* detect: rule parsing (good and bad input, exact messages), addresses and
 * ports, payload keywords, prefilter, flowbits, thresholds, suppression. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/decode.h"
#include "detect/rule.h"
#include "detect/uint.h"
#include "flow/flow.h"
#include "pktbuild.h"
#include "proto/registry.h"
#include "vigil/detect.h"
#include "vigil/flow.h"
#include "vigil/packet.h"
#include "vigil/proto/dnp3.h"

static const struct detect_var addr_vars[] = {
	{ "HOME_NET", "[10.0.0.0/8,192.168.0.0/16]" },
	{ "EXTERNAL_NET", "!$HOME_NET" },
	{ "ICS_MASTERS", "[10.0.0.2,10.0.0.3]" },
	{ "LOOP", "$LOOP" },
};
static const struct detect_var port_vars[] = {
	{ "MODBUS_PORTS", "[502,5020]" },
};

struct loaded {
	struct detect_engine *de;
	struct detect_load_report rep;
	char msgs[4096];
	char err[512];
};

static char classfile[64];
static char thrfile[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void load(struct loaded *l, const char *rules, const char *threshold)
{
	char path[] = "/tmp/vigil-test-rules-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, rules, strlen(rules)), (ssize_t)strlen(rules));
	close(fd);
	if (threshold)
		write_file(thrfile, threshold);
	struct detect_config cfg = {
		.address_vars = addr_vars, .n_address_vars = 4,
		.port_vars = port_vars, .n_port_vars = 1,
		.classification_file = classfile,
		.threshold_file = threshold ? thrfile : NULL,
	};
	memset(l->msgs, 0, sizeof(l->msgs));
	FILE *m = fmemopen(l->msgs, sizeof(l->msgs) - 1, "w");
	const char *paths[] = { path };
	l->de = detect_engine_load(&cfg, paths, 1, m, &l->rep, l->err, sizeof(l->err));
	fclose(m);
	unlink(path);
	/* drop the temp path from messages: "PATH:LINE: ..." -> "LINE: ..." */
	char *p;
	while ((p = strstr(l->msgs, path)))
		memmove(p, p + strlen(path) + 1, strlen(p + strlen(path) + 1) + 1);
}

static int setup(void **s)
{
	(void)s;
	snprintf(classfile, sizeof(classfile), "/tmp/vigil-test-class-%d", (int)getpid());
	snprintf(thrfile, sizeof(thrfile), "/tmp/vigil-test-thr-%d", (int)getpid());
	write_file(classfile, "config classification: attempted-admin,Attempted Administrator Privilege Gain,1\n"
			      "config classification: misc-activity,Misc activity,3\n");
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	unlink(classfile);
	unlink(thrfile);
	return 0;
}

/* ---- bad rules: exact messages ---------------------------------------------- */

static void expect_error(const char *rule, const char *msg, bool unsupported)
{
	struct loaded l;
	load(&l, rule, NULL);
	assert_non_null(l.de);
	assert_int_equal(l.rep.loaded, 0);
	assert_int_equal(l.rep.failed, unsupported ? 0 : 1);
	assert_int_equal(l.rep.unsupported, unsupported ? 1 : 0);
	char want[512];
	snprintf(want, sizeof(want), "%s\n", msg);
	if (strcmp(l.msgs, want) != 0)
		fail_msg("rule: %s\n got: %s want: %s", rule, l.msgs, want);
	detect_engine_free(l.de);
}

static void test_bad_rules(void **s)
{
	(void)s;
	expect_error("alert tcp any any -> any any (msg:\"x\"; foo:1; sid:1;)",
		     "1: sid 1: unknown option 'foo'", false);
	expect_error("alert tcp any any -> any any (msg:\"x\"; ttl:10; sid:2;)",
		     "1: sid 2: unsupported option 'ttl'", true);
	expect_error("alert tcp any any -> any any (msg:\"x\"; http.uri; sid:3;)",
		     "1: sid 3: unsupported option 'http.uri'", true);
	expect_error("alert tcp any any -> any any (msg:\"x\";)", "1: no sid", false);
	expect_error("alarm tcp any any -> any any (sid:4;)",
		     "1: sid 4: header: unknown action 'alarm'", false);
	expect_error("alert foo any any -> any any (sid:5;)",
		     "1: sid 5: header: unknown protocol 'foo'", false);
	expect_error("alert tcp any any => any any (sid:6;)",
		     "1: sid 6: header: direction must be -> or <>, got '=>'", false);
	expect_error("alert tcp $NOPE any -> any any (sid:7;)",
		     "1: sid 7: header: unknown variable '$NOPE'", false);
	expect_error("alert tcp 10.0.0.300 any -> any any (sid:8;)",
		     "1: sid 8: header: invalid address '10.0.0.300'", false);
	expect_error("alert tcp 10.0.0.0/33 any -> any any (sid:9;)",
		     "1: sid 9: header: invalid prefix length in '10.0.0.0/33'", false);
	expect_error("alert tcp any 70000 -> any any (sid:10;)",
		     "1: sid 10: header: invalid port '70000'", false);
	expect_error("alert tcp any 600:500 -> any any (sid:11;)",
		     "1: sid 11: header: invalid port range '600:500'", false);
	expect_error("alert tcp $LOOP any -> any any (sid:12;)",
		     "1: sid 12: header: variables nested too deeply (loop?)", false);
	expect_error("alert tcp !any any -> any any (sid:13;)",
		     "1: sid 13: header: '!any' matches nothing", false);
	expect_error("alert tcp any any -> any any (content:\"|4|\"; sid:14;)",
		     "1: sid 14: content: odd number of hex digits", false);
	expect_error("alert tcp any any -> any any (content:\"|zz|\"; sid:15;)",
		     "1: sid 15: content: invalid hex character 'z'", false);
	expect_error("alert tcp any any -> any any (content:abc; sid:16;)",
		     "1: sid 16: content: value must be quoted", false);
	expect_error("alert tcp any any -> any any (nocase; sid:17;)",
		     "1: sid 17: nocase: no preceding content", false);
	expect_error("alert tcp any any -> any any (content:\"abcd\"; depth:2; sid:18;)",
		     "1: sid 18: depth: 2 is smaller than the content (4 bytes)", false);
	expect_error("alert tcp any any -> any any (content:\"ab\"; within:x; sid:19;)",
		     "1: sid 19: within: unknown variable 'x'", false);
	expect_error("alert tcp any any -> any any (content:\"ab\"; offset:1; distance:2; sid:20;)",
		     "1: sid 20: content: offset/depth cannot be mixed with distance/within", false);
	expect_error("alert tcp any any -> any any (pcre:\"/a(/\"; sid:21;)",
		     "1: sid 21: pcre: missing closing parenthesis at offset 2", false);
	expect_error("alert tcp any any -> any any (pcre:\"/a/U\"; sid:22;)",
		     "1: sid 22: pcre: unsupported modifier 'U' (HTTP buffers)", true);
	expect_error("alert tcp any any -> any any (byte_test:2,~,1,0; sid:23;)",
		     "1: sid 23: byte_test: invalid operator '~'", false);
	expect_error("alert tcp any any -> any any (byte_test:9,=,1,0; sid:24;)",
		     "1: sid 24: byte_test: at most 8 bytes unless 'string'", false);
	expect_error("alert tcp any any -> any any (byte_jump:2; sid:25;)",
		     "1: sid 25: byte_jump: expected at least 2 arguments", false);
	expect_error("alert tcp any any -> any any (byte_extract:2,0,v; byte_extract:1,0,v; sid:26;)",
		     "1: sid 26: byte_extract: variable 'v' defined twice", false);
	expect_error("alert tcp any any -> any any (flow:to_server,to_client; sid:27;)",
		     "1: sid 27: flow: to_server and to_client exclude each other", false);
	expect_error("alert tcp any any -> any any (flow:sideways; sid:28;)",
		     "1: sid 28: flow: unknown argument 'sideways'", false);
	expect_error("alert tcp any any -> any any (flowbits:flip,x; sid:29;)",
		     "1: sid 29: flowbits: unknown command 'flip'", false);
	expect_error("alert tcp any any -> any any (threshold:type limit, count 1, seconds 5; sid:30;)",
		     "1: sid 30: threshold: needs type, track, count and seconds", false);
	expect_error("alert tcp any any -> any any (threshold:type some, track by_src, count 1, seconds 5; sid:31;)",
		     "1: sid 31: threshold: unknown type 'some'", false);
	expect_error("alert tcp any any -> any any (detection_filter:track by_dst, count 0, seconds 5; sid:32;)",
		     "1: sid 32: detection_filter: invalid count '0'", false);
	expect_error("alert tcp any any -> any any (classtype:nope; sid:33;)",
		     "1: sid 33: classtype: unknown class 'nope'", false);
	expect_error("alert tcp any any -> any any (dsize:>x; sid:34;)",
		     "1: sid 34: dsize: unknown value 'x'", false);
	expect_error("alert tcp any any -> any any (app-layer-event:foo; sid:35;)",
		     "1: sid 35: app-layer-event: expected 'protocol.event', got 'foo'", false);
	expect_error("alert tcp any any -> any any (app-layer-event:nosuch.thing; sid:36;)",
		     "1: sid 36: app-layer-event: unknown protocol in 'nosuch.thing'", false);
	expect_error("alert tcp any any -> any any (decode-event:ipv4.nonsense; sid:37;)",
		     "1: sid 37: decode-event: unknown event 'ipv4.nonsense'", false);
	expect_error("alert tcp any any -> any any (msg:\"x\"; sid:38)",
		     "1: sid 38: option 'sid:38' not terminated by ';'", false);
	expect_error("alert tcp any any -> any any msg:x; sid:39;",
		     "1: expected '(' options ')' after the header", false);
	expect_error("alert tcp any any -> any any (isdataat:5,backwards; sid:40;)",
		     "1: sid 40: isdataat: unknown argument 'backwards'", false);
	expect_error("alert tcp any any -> any any (flags:SX; sid:41;)",
		     "1: sid 41: flags: unknown flag 'X'", false);
	expect_error("alert tcp any any -> any any (content:\"a\"; startswith; offset:1; sid:42;)",
		     "1: sid 42: offset: cannot be mixed with startswith", false);
	expect_error("alert tcp any any -> any any (app-layer-protocol:gopher; sid:43;)",
		     "1: sid 43: app-layer-protocol: unknown protocol 'gopher'", false);
}

static void test_good_rules_and_summary(void **s)
{
	(void)s;
	struct loaded l;
	load(&l,
	     "# comment\n"
	     "\n"
	     "alert tcp $EXTERNAL_NET any -> $HOME_NET $MODBUS_PORTS (msg:\"a \\\"quoted\\\" \\; msg\"; "
	     "content:\"|00 00|\"; offset:2; depth:2; content:\"ab\"; distance:0; within:10; nocase; "
	     "pcre:\"/x+/Ri\"; byte_test:1,>,3,0,relative; isdataat:1,relative; "
	     "classtype:attempted-admin; reference:url,example.com; "
	     "metadata: mitre_technique_id T0855, mitre_technique_id T0836, created_at 2026_11_24; "
	     "sid:100; rev:3;)\n"
	     "alert udp any any <> any [1:1023,!53] (msg:\"multi\\\n"
	     "line\"; dsize:<100; sid:101; gid:2; priority:1;)\n"
	     "pass ip 10.0.0.2 any -> any any (sid:102;)\n"
	     "alert tcp any any -> any any (sid:100;)\n",
	     NULL);
	assert_non_null(l.de);
	assert_string_equal(l.msgs, "7: sid 100: duplicate of the rule at 3: skipped\n");
	assert_int_equal(l.rep.loaded, 3);
	assert_int_equal(l.rep.failed, 1);
	assert_int_equal(detect_engine_rule_count(l.de), 3);
	detect_engine_free(l.de);
}

/* ---- matching ----------------------------------------------------------------- */

struct hits {
	uint32_t sid[64];
	int n;
};

static void on_alert(void *user, const struct detect_alert *a)
{
	struct hits *h = user;
	if (h->n < 64)
		h->sid[h->n++] = detect_rule_sid(a->rule);
}

static void mkpkt(struct packet *p, const char *src, const char *dst, uint8_t proto, uint16_t sp,
		  uint16_t dp, const void *payload, size_t len)
{
	memset(p, 0, sizeof(*p));
	p->ip_ver = 4;
	p->l4proto = proto;
	inet_pton(AF_INET, src, p->src.a);
	inet_pton(AF_INET, dst, p->dst.a);
	p->sp = sp;
	p->dp = dp;
	p->payload = payload;
	p->payload_len = (uint32_t)len;
	p->flags = PKT_HAS_FLOW_KEY;
	p->ts = 1000000;
	p->pcap_cnt = 1;
}

static struct hits run_pkt(const struct detect_engine *de, struct packet *p, struct flow *f)
{
	struct hits h = { { 0 }, 0 };
	struct detect_thread *dt = detect_thread_new(de);
	assert_non_null(dt);
	struct detect_alert_sink sink = { &h, on_alert };
	detect_packet(dt, p, f, &sink);
	detect_thread_free(dt);
	return h;
}

static bool match_rule(const char *rule, const char *src, const char *dst, uint16_t sp,
		       uint16_t dp, const char *payload, size_t len)
{
	struct loaded l;
	load(&l, rule, NULL);
	if (!l.de || l.rep.loaded != 1)
		fail_msg("rule did not load: %s: %s%s", rule, l.msgs, l.err);
	struct packet p;
	mkpkt(&p, src, dst, IPPROTO_TCP, sp, dp, payload, len);
	struct hits h = run_pkt(l.de, &p, NULL);
	detect_engine_free(l.de);
	return h.n == 1;
}

#define M(rule, payload) match_rule(rule, "10.0.0.2", "10.0.0.9", 40000, 502, payload, sizeof(payload) - 1)

static void test_addresses_ports(void **s)
{
	(void)s;
	const char *pl = "x";
	assert_true(match_rule("alert tcp $HOME_NET any -> $HOME_NET 502 (sid:1;)", "10.1.2.3",
			       "192.168.1.1", 1, 502, pl, 1));
	assert_false(match_rule("alert tcp $EXTERNAL_NET any -> any any (sid:1;)", "10.1.2.3",
				"192.168.1.1", 1, 502, pl, 1));
	assert_true(match_rule("alert tcp $EXTERNAL_NET any -> any any (sid:1;)", "8.8.8.8",
			       "192.168.1.1", 1, 502, pl, 1));
	assert_true(match_rule("alert tcp ![$ICS_MASTERS,8.8.8.8] any -> any any (sid:1;)",
			       "10.0.0.66", "10.0.0.9", 1, 502, pl, 1));
	assert_false(match_rule("alert tcp ![$ICS_MASTERS,8.8.8.8] any -> any any (sid:1;)",
				"10.0.0.3", "10.0.0.9", 1, 502, pl, 1));
	assert_true(match_rule("alert tcp [10.0.0.0/8,!10.0.0.66] any -> any any (sid:1;)",
			       "10.0.0.65", "10.0.0.9", 1, 502, pl, 1));
	assert_false(match_rule("alert tcp [10.0.0.0/8,!10.0.0.66] any -> any any (sid:1;)",
				"10.0.0.66", "10.0.0.9", 1, 502, pl, 1));
	assert_true(match_rule("alert tcp any any -> any $MODBUS_PORTS (sid:1;)", "1.1.1.1",
			       "2.2.2.2", 1, 5020, pl, 1));
	assert_false(match_rule("alert tcp any any -> any !$MODBUS_PORTS (sid:1;)", "1.1.1.1",
				"2.2.2.2", 1, 5020, pl, 1));
	assert_true(match_rule("alert tcp any any -> any [1000:2000,!1500] (sid:1;)", "1.1.1.1",
			       "2.2.2.2", 1, 1499, pl, 1));
	assert_false(match_rule("alert tcp any any -> any [1000:2000,!1500] (sid:1;)", "1.1.1.1",
				"2.2.2.2", 1, 1500, pl, 1));
	assert_true(match_rule("alert tcp any any -> any 1024: (sid:1;)", "1.1.1.1", "2.2.2.2", 1,
			       65535, pl, 1));
	/* direction: -> is one way, <> both */
	assert_false(match_rule("alert tcp 10.0.0.9 any -> any 502 (sid:1;)", "10.0.0.2",
				"10.0.0.9", 40000, 502, pl, 1));
	assert_true(match_rule("alert tcp 10.0.0.9 502 <> any any (sid:1;)", "10.0.0.2",
			       "10.0.0.9", 40000, 502, pl, 1));
	/* udp rule does not meet tcp */
	assert_false(match_rule("alert udp any any -> any any (sid:1;)", "1.1.1.1", "2.2.2.2", 1, 2,
				pl, 1));
}

static void test_content(void **s)
{
	(void)s;
	const char *r;
	assert_true(M("alert tcp any any -> any any (content:\"abc\"; sid:1;)", "xxabcxx"));
	assert_false(M("alert tcp any any -> any any (content:\"ABC\"; sid:1;)", "xxabcxx"));
	assert_true(M("alert tcp any any -> any any (content:\"ABC\"; nocase; sid:1;)", "xxabcxx"));
	assert_true(M("alert tcp any any -> any any (content:\"|61 62|c\"; sid:1;)", "xxabcxx"));
	assert_false(M("alert tcp any any -> any any (content:!\"abc\"; sid:1;)", "xxabcxx"));
	assert_true(M("alert tcp any any -> any any (content:!\"abd\"; sid:1;)", "xxabcxx"));
	r = "alert tcp any any -> any any (content:\"abc\"; offset:2; depth:3; sid:1;)";
	assert_true(M(r, "xxabcxx"));
	assert_false(M(r, "xxxabcx"));
	r = "alert tcp any any -> any any (content:\"ab\"; startswith; sid:1;)";
	assert_true(M(r, "abxx"));
	assert_false(M(r, "xabx"));
	r = "alert tcp any any -> any any (content:\"yz\"; endswith; sid:1;)";
	assert_true(M(r, "xxyz"));
	assert_false(M(r, "xyzx"));
	/* relative: the second "b" must be within 2 bytes after "a" */
	r = "alert tcp any any -> any any (content:\"a\"; content:\"b\"; distance:0; within:2; sid:1;)";
	assert_true(M(r, "a..a.b"));   /* needs the retry at the second "a" */
	assert_false(M(r, "a...b"));
	r = "alert tcp any any -> any any (content:\"a\"; content:\"b\"; distance:2; sid:1;)";
	assert_true(M(r, "a..b"));
	assert_false(M(r, "a.b"));
	/* fast_pattern on the shorter content still matches */
	r = "alert tcp any any -> any any (content:\"long pattern\"; content:\"xy\"; fast_pattern; sid:1;)";
	assert_true(M(r, "a long pattern and xy"));
	assert_false(M(r, "a long pattern and x y"));
}

static void test_pcre_byte_isdataat_dsize(void **s)
{
	(void)s;
	const char *r;
	r = "alert tcp any any -> any any (content:\"id=\"; pcre:\"/^[0-9]{3}/R\"; sid:1;)";
	assert_true(M(r, "x id=123"));
	assert_false(M(r, "x id=12a"));
	assert_true(M("alert tcp any any -> any any (pcre:!\"/evil/i\"; sid:1;)", "good"));
	assert_false(M("alert tcp any any -> any any (pcre:!\"/evil/i\"; sid:1;)", "EVIL"));
	/* big-endian 16-bit at 2 = 0x0102 = 258 */
	assert_true(M("alert tcp any any -> any any (byte_test:2,=,258,2; sid:1;)", "\xff\xff\x01\x02"));
	assert_true(M("alert tcp any any -> any any (byte_test:2,=,513,2,little; sid:1;)", "\xff\xff\x01\x02"));
	assert_true(M("alert tcp any any -> any any (byte_test:2,!=,5,2; sid:1;)", "\xff\xff\x01\x02"));
	assert_true(M("alert tcp any any -> any any (byte_test:1,&,0x80,0; sid:1;)", "\x81"));
	assert_false(M("alert tcp any any -> any any (byte_test:1,&,0x80,0; sid:1;)", "\x01"));
	assert_true(M("alert tcp any any -> any any (byte_test:3,>,99,0,string,dec; sid:1;)", "123"));
	assert_false(M("alert tcp any any -> any any (byte_test:4,>,1,2; sid:1;)", "\x00\x01\x02"));
	/* byte_jump over a length-prefixed field, then content right after */
	r = "alert tcp any any -> any any (byte_jump:1,0; content:\"Z\"; within:1; sid:1;)";
	assert_true(M(r, "\x03" "abcZ"));
	assert_false(M(r, "\x02" "abcZ"));
	/* byte_extract a length, use it as depth */
	r = "alert tcp any any -> any any (byte_extract:1,0,len; content:\"k\"; offset:1; depth:len; sid:1;)";
	assert_true(M(r, "\x03" "abk"));
	assert_false(M(r, "\x02" "abk"));
	assert_true(M("alert tcp any any -> any any (isdataat:3; sid:1;)", "abcd"));
	assert_false(M("alert tcp any any -> any any (isdataat:4; sid:1;)", "abcd"));
	assert_true(M("alert tcp any any -> any any (content:\"b\"; isdataat:!3,relative; sid:1;)", "abcd"));
	assert_true(M("alert tcp any any -> any any (dsize:4; sid:1;)", "abcd"));
	assert_true(M("alert tcp any any -> any any (dsize:3<>5; sid:1;)", "abcd"));
	assert_false(M("alert tcp any any -> any any (dsize:>4; sid:1;)", "abcd"));
	/* the step budget stops pathological backtracking, without crashing */
	char big[3000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_false(match_rule("alert tcp any any -> any any (content:\"a\"; content:\"a\"; distance:0; "
				"content:\"a\"; distance:0; content:\"b\"; distance:0; sid:1;)",
				"1.1.1.1", "2.2.2.2", 1, 2, big, strlen(big)));
}

static void test_prefilter_limits_evaluation(void **s)
{
	(void)s;
	/* 300 content rules; a packet carrying one pattern evaluates one rule */
	size_t cap = 300 * 128;
	char *rules = malloc(cap);
	assert_non_null(rules);
	size_t o = 0;
	for (int i = 0; i < 300; i++)
		o += (size_t)snprintf(rules + o, cap - o,
				      "alert tcp any any -> any any (content:\"pattern%03d\"; sid:%d;)\n", i,
				      1000 + i);
	struct loaded l;
	load(&l, rules, NULL);
	free(rules);
	assert_int_equal(l.rep.loaded, 300);
	struct packet p;
	const char *pl = "....pattern123....";
	mkpkt(&p, "1.1.1.1", "2.2.2.2", IPPROTO_TCP, 1, 2, pl, strlen(pl));
	struct hits h = { { 0 }, 0 };
	struct detect_thread *dt = detect_thread_new(l.de);
	struct detect_alert_sink sink = { &h, on_alert };
	detect_packet(dt, &p, NULL, &sink);
	struct detect_thread_stats st;
	detect_thread_stats(dt, &st);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.sid[0], 1123);
	assert_int_equal(st.evaluated, 1);
	detect_thread_free(dt);
	detect_engine_free(l.de);
}

static void test_flowbits_and_pass(void **s)
{
	(void)s;
	struct loaded l;
	load(&l,
	     "alert tcp any any -> any any (content:\"login\"; flowbits:set,logged_in; flowbits:noalert; sid:1;)\n"
	     "alert tcp any any -> any any (content:\"write\"; flowbits:isset,logged_in; sid:2;)\n"
	     "alert tcp any any -> any any (content:\"write\"; flowbits:isnotset,logged_in; sid:3;)\n"
	     "pass tcp 10.0.0.5 any -> any any (content:\"write\"; sid:4;)\n",
	     NULL);
	assert_int_equal(l.rep.loaded, 4);
	struct flow f;
	memset(&f, 0, sizeof(f));
	struct packet p;
	mkpkt(&p, "10.0.0.2", "10.0.0.9", IPPROTO_TCP, 1, 502, "write", 5);
	struct hits h = run_pkt(l.de, &p, &f);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.sid[0], 3);
	mkpkt(&p, "10.0.0.2", "10.0.0.9", IPPROTO_TCP, 1, 502, "login", 5);
	h = run_pkt(l.de, &p, &f);
	assert_int_equal(h.n, 0); /* noalert */
	assert_true(f.flowbits != 0);
	mkpkt(&p, "10.0.0.2", "10.0.0.9", IPPROTO_TCP, 1, 502, "write", 5);
	h = run_pkt(l.de, &p, &f);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.sid[0], 2);
	/* the pass rule silences everything else for its source */
	mkpkt(&p, "10.0.0.5", "10.0.0.9", IPPROTO_TCP, 1, 502, "write", 5);
	h = run_pkt(l.de, &p, &f);
	assert_int_equal(h.n, 0);
	detect_engine_free(l.de);
}

/* ---- thresholds ------------------------------------------------------------------ */

struct cap {
	struct detect_alert_meta m;
	int n;
};

static void on_alert_meta(void *user, const struct detect_alert *al)
{
	struct cap *c = user;
	detect_alert_meta_fill(al, &c->m);
	c->n++;
}

/* hits alerts of one rule (sources alternating a/b, step_usec apart)
 * through the output-stage threshold: how many are emitted? */
static int count_passes(const char *rule, const char *thr, int hits, const char *src_a,
			const char *src_b, uint64_t step_usec)
{
	struct loaded l;
	load(&l, rule, thr);
	assert_non_null(l.de);
	assert_int_equal(l.rep.loaded, 1);
	struct detect_threshold_ctx *tc = detect_threshold_new(l.de);
	assert_non_null(tc);
	struct detect_thread *dt = detect_thread_new(l.de);
	assert_non_null(dt);
	int passed = 0;
	for (int i = 0; i < hits; i++) {
		struct packet p;
		mkpkt(&p, (i & 1) && src_b ? src_b : src_a, "10.0.0.9", IPPROTO_TCP, 1, 502, "x", 1);
		p.ts = 1000000 + (uint64_t)i * step_usec;
		struct cap c = { .n = 0 };
		struct detect_alert_sink sink = { &c, on_alert_meta };
		detect_packet(dt, &p, NULL, &sink);
		assert_int_equal(c.n, 1);
		if (detect_threshold_pass(tc, &c.m, p.ts))
			passed++;
	}
	detect_thread_free(dt);
	detect_threshold_free(tc);
	detect_engine_free(l.de);
	return passed;
}

static void test_thresholds(void **s)
{
	(void)s;
	const uint64_t sec = 1000000;
	/* limit: the first 2 per source per 60 s */
	assert_int_equal(count_passes("alert tcp any any -> any any (threshold:type limit, track by_src, count 2, seconds 60; sid:1;)\n",
				      NULL, 10, "10.0.0.1", NULL, sec), 2);
	/* two sources: 2 each */
	assert_int_equal(count_passes("alert tcp any any -> any any (threshold:type limit, track by_src, count 2, seconds 60; sid:1;)\n",
				      NULL, 10, "10.0.0.1", "10.0.0.2", sec), 4);
	/* by_dst: one destination, so 2 in all */
	assert_int_equal(count_passes("alert tcp any any -> any any (threshold:type limit, track by_dst, count 2, seconds 60; sid:1;)\n",
				      NULL, 10, "10.0.0.1", "10.0.0.2", sec), 2);
	/* the window restarts: 10 hits 10 s apart, limit 1 per 30 s: hits 0, 3, 6, 9 */
	assert_int_equal(count_passes("alert tcp any any -> any any (threshold:type limit, track by_rule, count 1, seconds 30; sid:1;)\n",
				      NULL, 10, "10.0.0.1", NULL, 10 * sec), 4);
	/* threshold: every 3rd */
	assert_int_equal(count_passes("alert tcp any any -> any any (threshold:type threshold, track by_src, count 3, seconds 60; sid:1;)\n",
				      NULL, 10, "10.0.0.1", NULL, sec), 3);
	/* both: once when the count is reached */
	assert_int_equal(count_passes("alert tcp any any -> any any (threshold:type both, track by_src, count 3, seconds 60; sid:1;)\n",
				      NULL, 10, "10.0.0.1", NULL, sec), 1);
	/* detection_filter: every hit after the 3rd */
	assert_int_equal(count_passes("alert tcp any any -> any any (detection_filter:track by_src, count 3, seconds 60; sid:1;)\n",
				      NULL, 10, "10.0.0.1", NULL, sec), 7);
	/* threshold.config: suppress by source, and an override */
	assert_int_equal(count_passes("alert tcp any any -> any any (sid:1;)\n",
				      "suppress gen_id 1, sig_id 1, track by_src, ip 10.0.0.1\n", 10,
				      "10.0.0.1", "10.0.0.2", sec), 5);
	assert_int_equal(count_passes("alert tcp any any -> any any (sid:1;)\n",
				      "suppress gen_id 1, sig_id 1\n", 10, "10.0.0.1", NULL, sec), 0);
	assert_int_equal(count_passes("alert tcp any any -> any any (sid:1;)\n",
				      "threshold gen_id 1, sig_id 1, type limit, track by_src, count 1, seconds 60\n",
				      10, "10.0.0.1", NULL, sec), 1);
	/* a line for another sid changes nothing */
	assert_int_equal(count_passes("alert tcp any any -> any any (sid:1;)\n",
				      "suppress gen_id 1, sig_id 2\n", 10, "10.0.0.1", NULL, sec), 10);
}

static void test_uint_syntax(void **s)
{
	(void)s;
	struct du_match m;
	char e[128];
	static const struct du_name names[] = { { "C_SC_NA_1", 45 } };
	assert_int_equal(du_parse("5", 255, NULL, 0, &m, e, sizeof(e)), 0);
	assert_true(du_match(&m, 5) && !du_match(&m, 6));
	assert_int_equal(du_single(&m), 5);
	assert_int_equal(du_parse(">=10", 255, NULL, 0, &m, e, sizeof(e)), 0);
	assert_true(du_match(&m, 10) && !du_match(&m, 9));
	assert_int_equal(du_single(&m), -1);
	assert_int_equal(du_parse("1-5", 255, NULL, 0, &m, e, sizeof(e)), 0);
	assert_true(du_match(&m, 2) && !du_match(&m, 1) && !du_match(&m, 5));
	assert_int_equal(du_parse("!1-5", 255, NULL, 0, &m, e, sizeof(e)), 0);
	assert_true(!du_match(&m, 2) && du_match(&m, 1) && du_match(&m, 5));
	assert_int_equal(du_parse("&0xf0=0x10", 255, NULL, 0, &m, e, sizeof(e)), 0);
	assert_true(du_match(&m, 0x1f) && !du_match(&m, 0x2f));
	assert_int_equal(du_parse("c_sc_na_1", 255, names, 1, &m, e, sizeof(e)), 0);
	assert_true(du_match(&m, 45));
	assert_int_equal(du_parse("256", 255, NULL, 0, &m, e, sizeof(e)), -1);
	assert_string_equal(e, "value 256 out of range (max 255)");
	assert_int_equal(du_parse("<0", 255, NULL, 0, &m, e, sizeof(e)), -1);
	assert_string_equal(e, "'<0' can never match");
	assert_int_equal(du_parse("5-5", 255, NULL, 0, &m, e, sizeof(e)), -1);
	assert_string_equal(e, "empty range in '5-5'");
	assert_int_equal(du_parse("bogus", 255, names, 1, &m, e, sizeof(e)), -1);
	assert_string_equal(e, "unknown value 'bogus'");
	assert_int_equal(du_parse("5 x", 255, NULL, 0, &m, e, sizeof(e)), -1);
	assert_string_equal(e, "unexpected 'x' in '5 x'");
}

/* Address sets: every prefix length of both families, against a bit-by-bit
 * reference, the address on each side of the prefix's edge. */
static bool prefix_reference(const uint8_t *net, unsigned bits, const uint8_t *a)
{
	for (unsigned i = 0; i < bits; i++)
		if (((net[i / 8] ^ a[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

static void test_address_prefixes(void **s)
{
	(void)s;
	struct detect_config cfg = { 0 };
	char err[256], text[96];
	const uint8_t v6net[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xa5, 0x5a, 0xff, 0x00,
				    0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };
	const uint8_t v4net[4] = { 10, 200, 171, 85 };
	for (int ver = 4; ver <= 6; ver += 2) {
		unsigned maxbits = ver == 4 ? 32 : 128;
		const uint8_t *net = ver == 4 ? v4net : v6net;
		for (unsigned bits = 0; bits <= maxbits; bits++) {
			char addr[INET6_ADDRSTRLEN];
			inet_ntop(ver == 4 ? AF_INET : AF_INET6, net, addr, sizeof(addr));
			snprintf(text, sizeof(text), "%s/%u", addr, bits);
			struct addrset as, neg;
			assert_int_equal(addrset_parse(&cfg, text, &as, err, sizeof(err)), 0);
			snprintf(text, sizeof(text), "!%s/%u", addr, bits);
			assert_int_equal(addrset_parse(&cfg, text, &neg, err, sizeof(err)), 0);
			/* the network itself, and each single bit flipped */
			for (int flip = -1; flip < (int)maxbits; flip++) {
				struct vaddr a;
				memset(&a, 0, sizeof(a));
				memcpy(a.a, net, maxbits / 8);
				if (flip >= 0)
					a.a[flip / 8] ^= (uint8_t)(0x80 >> (flip % 8));
				bool want = prefix_reference(net, bits, a.a);
				assert_int_equal(addrset_match(&as, &a, (uint8_t)ver), want);
				assert_int_equal(addrset_match(&neg, &a, (uint8_t)ver), !want);
				/* the other family never matches a prefix */
				if (bits)
					assert_false(addrset_match(&as, &a, (uint8_t)(ver == 4 ? 6 : 4)));
			}
			addrset_free(&as);
			addrset_free(&neg);
		}
	}
}

/* A line longer than the reader's buffer (64 KiB) is one rule, rejected
 * whole: its tail beyond 64 KiB is never parsed as a rule of its own. */
static void test_overlong_line(void **s)
{
	(void)s;
	const char *head = "alert tcp any any -> any any (msg:\"";
	const char *tail = "alert tcp any any -> any any (msg:\"tail\"; sid:99;)";
	size_t cap = 100 * 1024 + 256, o = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	o += (size_t)snprintf(text + o, cap - o, "alert tcp any any -> any any (sid:1;)\n");
	size_t line0 = o;
	o += (size_t)snprintf(text + o, cap - o, "%s", head);
	/* the tail starts exactly where the buffer's first chunk ends */
	while (o - line0 < 65535)
		text[o++] = 'a';
	o += (size_t)snprintf(text + o, cap - o, "%s", tail);
	while (o - line0 < 100 * 1024)
		text[o++] = ' ';
	o += (size_t)snprintf(text + o, cap - o, "\nalert tcp any any -> any any (sid:2;)\n");
	struct loaded l;
	load(&l, text, NULL);
	free(text);
	assert_non_null(l.de);
	assert_string_equal(l.msgs, "2: rule longer than 65536 bytes: skipped\n");
	assert_int_equal(l.rep.loaded, 2);
	assert_int_equal(l.rep.failed, 1);
	/* the tail's sid 99 did not load: a packet meets only sids 1 and 2 */
	struct packet p;
	mkpkt(&p, "1.1.1.1", "2.2.2.2", IPPROTO_TCP, 1, 2, "x", 1);
	struct hits h = run_pkt(l.de, &p, NULL);
	assert_int_equal(h.n, 2);
	assert_true(h.sid[0] != 99 && h.sid[1] != 99);
	detect_engine_free(l.de);

	/* a comment line of 100 KiB is skipped whole, silently */
	text = malloc(cap);
	assert_non_null(text);
	o = 0;
	text[o++] = '#';
	while (o < 65535)
		text[o++] = ' ';
	o += (size_t)snprintf(text + o, cap - o, "%s\n", tail);
	load(&l, text, NULL);
	free(text);
	assert_non_null(l.de);
	assert_string_equal(l.msgs, "");
	assert_int_equal(l.rep.loaded + l.rep.failed + l.rep.unsupported, 0);
	detect_engine_free(l.de);
}

/* ---- Suricata's event names: loaded, unsupported (with the reason), broken ------ */

/* Loads one rule; 'l' loaded, 'u' unsupported, 'f' failed; the message. */
static char load_one(const char *rule, char *msg, size_t len)
{
	struct loaded l;
	load(&l, rule, NULL);
	assert_non_null(l.de);
	size_t ml = strlen(l.msgs) < len - 1 ? strlen(l.msgs) : len - 1;
	memcpy(msg, l.msgs, ml);
	msg[ml] = 0;
	char r = l.rep.loaded ? 'l' : l.rep.unsupported ? 'u' : 'f';
	assert_int_equal(l.rep.loaded + l.rep.unsupported + l.rep.failed, 1);
	detect_engine_free(l.de);
	return r;
}

static void test_event_names(void **s)
{
	(void)s;
	char m[512], rule[256];
	static const struct {
		const char *opt;
		char want;
		const char *msg; /* expected message, "" for none */
	} cases[] = {
		/* decoder events Vigil raises, under Suricata's names */
		{ "decode-event:ipv4.icmpv6", 'l', "" },
		{ "decode-event:decoder.ipv6.rh_type_0", 'l', "" },
		{ "decode-event:ltnull.pkt_too_small", 'l', "" },
		{ "decode-event:null.pkt_too_small", 'l', "" },          /* Vigil's old name */
		{ "decode-event:udp.hlen_too_small", 'l', "" },
		{ "decode-event:icmpv6.mld_message_with_invalid_hl", 'l', "" },
		{ "decode-event:stream.pkt_retransmission", 'l', "" },  /* as Suricata allows */
		{ "decode-event:ppp.pkt_too_small", 'u',
		  "1: sid 1: decode-event: unsupported event 'ppp.pkt_too_small' (Vigil does not "
		  "decode PPP)\n" },
		{ "decode-event:gre.version1_route", 'u', NULL },
		{ "decode-event:ipv4.nonsense", 'f',
		  "1: sid 1: decode-event: unknown event 'ipv4.nonsense'\n" },
		/* stream events */
		{ "stream-event:3whs_synack_with_wrong_ack", 'l', "" },
		{ "stream-event:stream.est_syn_resend", 'l', "" },
		{ "stream-event:3whs_synack_resend_with_different_ack", 'l', "" },
		{ "stream-event:est_synack_resend_with_different_ack", 'l', "" },
		{ "stream-event:reassembly_overlap_different_data", 'l', "" },
		{ "stream-event:est_packet_out_of_window", 'u', NULL },
		{ "stream-event:3whs_ack_in_wrong_dir", 'u',
		  "1: sid 1: stream-event: unsupported event '3whs_ack_in_wrong_dir' (Suricata raises "
		  "it in IPS (inline) mode only)\n" },
		{ "stream-event:nonsense", 'f', "1: sid 1: stream-event: unknown event 'nonsense'\n" },
		/* application-layer events */
		{ "app-layer-event:dnp3.bad_link_crc", 'l', "" },
		{ "app-layer-event:modbus.flooded", 'l', "" },
		{ "app-layer-event:enip.invalid_pdu", 'l', "" },        /* an alias */
		{ "app-layer-event:enip.too_many_transactions", 'u', NULL },
		{ "app-layer-event:applayer_mismatch_protocol_both_directions", 'u', NULL },
		{ "app-layer-event:http.request_field_too_long", 'u',
		  "1: sid 1: app-layer-event: unsupported event 'http.request_field_too_long' (Vigil "
		  "does not parse this protocol)\n" },
		{ "app-layer-event:dnp3.nonsense", 'f',
		  "1: sid 1: app-layer-event: dnp3 has no event 'nonsense'\n" },
		/* checksums, headers */
		{ "tcpv4-csum:invalid", 'l', "" },
		{ "udpv6-csum:\"valid\"", 'l', "" },
		{ "icmpv4-csum:maybe", 'f', "1: sid 1: icmpv4-csum: expected valid or invalid\n" },
		/* thresholds */
		{ "threshold:type backoff, track by_flow, count 1, multiplier 10", 'l', "" },
		{ "threshold:type backoff, track by_src, count 1, multiplier 10", 'f',
		  "1: sid 1: threshold: backoff is tracked by_flow only\n" },
		{ "threshold:type backoff, track by_flow, count 1, seconds 10", 'f',
		  "1: sid 1: threshold: backoff needs track, count and multiplier (no seconds)\n" },
		{ "threshold:type limit, track by_flow, count 1, seconds 60", 'l', "" },
		{ "detection_filter:track by_flow, count 3, seconds 60", 'l', "" },
		/* flowint */
		{ "flowint:c,+,1", 'l', "" },
		{ "flowint:c,>=,other", 'l', "" },
		{ "flowint:c,isset", 'l', "" },
		{ "flowint:c,<<,1", 'f', "1: sid 1: flowint: unknown operator '<<'\n" },
		{ "flowint:c,isset,3", 'f', "1: sid 1: flowint: 'isset' takes no a value\n" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(rule, sizeof(rule), "alert tcp any any -> any any (%s; sid:1;)\n", cases[i].opt);
		char got = load_one(rule, m, sizeof(m));
		if (got != cases[i].want || (cases[i].msg && strcmp(m, cases[i].msg) != 0))
			fail_msg("%s: got %c '%s', want %c '%s'", cases[i].opt, got, m, cases[i].want,
				 cases[i].msg ? cases[i].msg : "(any)");
	}
	/* ipv4 / ipv6 headers */
	assert_int_equal(load_one("alert ipv6 any any -> any any (sid:1;)\n", m, sizeof(m)), 'l');
	assert_int_equal(load_one("alert ip4 any any -> any any (sid:1;)\n", m, sizeof(m)), 'l');
}

/* ---- events raised on real frames meet their rules ------------------------------ */

static struct decoder t_dec;
static struct pb t_b;
static struct flow_table *t_ft;
static uint64_t t_cnt;
static const uint8_t A4[4] = { 10, 0, 0, 5 }, B4[4] = { 10, 0, 0, 10 };
static const uint8_t A6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };
static const uint8_t B6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };

struct pipe {
	struct loaded l;
	struct detect_thread *dt;
	struct hits h;
	bool held[64];
};

static void on_alert_held(void *user, const struct detect_alert *a)
{
	struct pipe *pp = user;
	if (pp->h.n < 64) {
		pp->held[pp->h.n] = a->held;
		pp->h.sid[pp->h.n++] = detect_rule_sid(a->rule);
	}
}

/* as the worker: a flow that ends frees its detection state */
static void pipe_flow_end(void *user, struct flow *f, enum flow_end_reason why, uint64_t now)
{
	(void)user;
	(void)why;
	(void)now;
	detect_flow_free(f);
}

static void pipe_open(struct pipe *pp, const char *rules)
{
	memset(pp, 0, sizeof(*pp));
	load(&pp->l, rules, NULL);
	if (!pp->l.de || pp->l.rep.failed || pp->l.rep.unsupported)
		fail_msg("rules did not load: %s%s", pp->l.msgs, pp->l.err);
	pp->dt = detect_thread_new(pp->l.de);
	assert_non_null(pp->dt);
	assert_int_equal(decoder_init(&t_dec, NULL), 0);
	struct flow_config c;
	flow_config_defaults(&c);
	struct flow_callbacks cb = { .end = pipe_flow_end };
	t_ft = flow_table_new(&c, &cb);
	assert_non_null(t_ft);
	t_cnt = 0;
}

static void pipe_close(struct pipe *pp)
{
	flow_flush_all(t_ft, 1000000 + (t_cnt + 1) * 1000);
	flow_table_free(t_ft);
	decoder_fini(&t_dec);
	detect_thread_free(pp->dt);
	detect_engine_free(pp->l.de);
}

/* The frame in t_b through decode, the flow table and TCP reassembly, then
 * the packet rules (as the worker does); the sids that alerted. */
static struct hits pipe_frame(struct pipe *pp, int linktype)
{
	struct packet p;
	t_cnt++;
	pb_packet(&t_b, &p, linktype, t_cnt, 1000000 + t_cnt * 1000);
	pp->h.n = 0;
	if (decode_packet(&t_dec, &p) != DECODE_OK)
		return pp->h;
	struct flow *f = NULL;
	if ((p.flags & PKT_HAS_FLOW_KEY) && !(p.flags & PKT_FRAGMENT)) {
		f = flow_lookup(t_ft, &p);
		if (f && p.l4proto == IPPROTO_TCP)
			stream_packet(t_ft, f, &p);
	}
	struct detect_alert_sink sink = { pp, on_alert_held };
	detect_packet(pp->dt, &p, f, &sink);
	return pp->h;
}

static bool has_sid(const struct hits *h, uint32_t sid)
{
	for (int i = 0; i < h->n; i++)
		if (h->sid[i] == sid)
			return true;
	return false;
}

/* RFC 1071 checksum of the transport header at l4 (pseudo-header of the IP
 * header at ip), written at its place (or spoiled by xor). */
static void fix_l4(size_t ip, size_t l4, int ver, uint8_t proto, uint16_t xor)
{
	size_t len = t_b.len - l4;
	size_t at = l4 + (proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2);
	pb_put16(&t_b, at, 0);
	uint32_t sum = 0;
	if (proto != IPPROTO_ICMP) {
		if (ver == 4)
			sum = pb_sum(t_b.buf + ip + 12, 8, 0);
		else
			sum = pb_sum(t_b.buf + ip + 8, 32, 0);
		sum += proto + (uint32_t)len;
	}
	sum = pb_sum(t_b.buf + l4, len, sum);
	uint16_t c = pb_fold(sum);
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	pb_put16(&t_b, at, (uint16_t)(c ^ xor));
}

static void frame4(uint8_t proto, const uint8_t *l4, size_t n)
{
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&t_b, A4, B4, proto, 1, 0);
	pb_bytes(&t_b, l4, n);
	pb_ip4_finish(&t_b, ip);
}

static void test_decoder_events_alert(void **s)
{
	(void)s;
	struct pipe pp;
	pipe_open(&pp,
		  "alert ip any any -> any any (decode-event:ipv4.icmpv6; sid:1;)\n"
		  "alert ip any any -> any any (decode-event:ipv4.opt_duplicate; sid:2;)\n"
		  "alert ipv6 any any -> any any (decode-event:ipv6.rh_type_0; sid:3;)\n"
		  "alert ipv6 any any -> any any (decode-event:ipv6.exthdr_dupl_hh; sid:4;)\n"
		  "alert ipv6 any any -> any any (decode-event:ipv6.dstopts_only_padding; sid:5;)\n"
		  "alert ip any any -> any any (decode-event:icmpv4.unknown_code; sid:6;)\n"
		  "alert ip any any -> any any (decode-event:icmpv4.ipv4_unknown_ver; sid:7;)\n"
		  "alert ip any any -> any any (decode-event:icmpv4.unknown_type; sid:8;)\n"
		  "alert ip any any -> any any (decode-event:icmpv6.mld_message_with_invalid_hl; sid:9;)\n"
		  "alert ip any any -> any any (decode-event:icmpv6.experimentation_type; sid:10;)\n"
		  "alert tcp any any -> any any (decode-event:tcp.opt_duplicate; sid:11;)\n"
		  "alert udp any any -> any any (decode-event:udp.hlen_invalid; sid:12;)\n"
		  "alert udp any any -> any any (decode-event:udp.pkt_too_small; sid:13;)\n"
		  "alert ip any any -> any any (decode-event:ipv6.data_after_none_header; sid:14;)\n"
		  "alert ip any any -> any any (decode-event:ipv6.icmpv4; sid:15;)\n"
		  "alert ip any any -> any any (decode-event:ipv6.exthdr_useless_fh; sid:16;)\n"
		  "alert ip any any -> any any (decode-event:ipv6.fh_non_zero_reserved_field; sid:17;)\n"
		  "alert ip any any -> any any (decode-event:ipv6.exthdr_ah_res_not_null; sid:18;)\n"
		  "alert ip any any -> any any (decode-event:ipv6.hopopts_unknown_opt; sid:19;)\n"
		  "alert ip any any -> any any (decode-event:ipv6.exthdr_invalid_optlen; sid:20;)\n"
		  "alert ip any any -> any any (decode-event:ipv4.opt_invalid; sid:21;)\n");
	struct hits h;
	/* an ICMPv6 header inside IPv4 */
	const uint8_t icmp6[8] = { 128, 0, 0, 0, 0, 1, 0, 1 };
	frame4(IPPROTO_ICMPV6, icmp6, sizeof(icmp6));
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 1));
	/* IPv4 options: timestamp (68) twice, then an unknown option 0x9e */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&t_b, A4, B4, IPPROTO_UDP, 1, 0);
	t_b.buf[ip] = 0x48; /* 12 bytes of options */
	const uint8_t opts[12] = { 68, 4, 5, 0, 68, 4, 5, 0, 0x9e, 2, 1, 0 };
	pb_bytes(&t_b, opts, sizeof(opts));
	pb_udp(&t_b, 1000, 2000, "x", 1);
	pb_ip4_finish(&t_b, ip);
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 2) && has_sid(&h, 21));
	/* IPv6: routing type 0; two hop-by-hop headers; destination options of
	 * padding only */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV6);
	ip = pb_ip6(&t_b, A6, B6, 0);
	pb_u8(&t_b, 0); pb_u8(&t_b, 0); pb_be32(&t_b, 0x05020000); pb_be16(&t_b, 0);   /* HBH */
	pb_u8(&t_b, 60); pb_u8(&t_b, 0); pb_be32(&t_b, 0x05020000); pb_be16(&t_b, 0);  /* HBH again */
	pb_u8(&t_b, 43); pb_u8(&t_b, 0); pb_be32(&t_b, 0x01040000); pb_be16(&t_b, 0);  /* DST: PadN */
	pb_u8(&t_b, IPPROTO_UDP); pb_u8(&t_b, 0); pb_u8(&t_b, 0); pb_u8(&t_b, 0); pb_be32(&t_b, 0);
	pb_udp(&t_b, 1000, 2000, "x", 1);
	pb_ip6_finish(&t_b, ip);
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 3) && has_sid(&h, 4) && has_sid(&h, 5));
	/* echo reply with a code; an error carrying an IPv6 header in ICMPv4;
	 * a type ICMPv4 does not define */
	const uint8_t echo[8] = { 0, 7, 0, 0, 0, 1, 0, 1 };
	frame4(IPPROTO_ICMP, echo, sizeof(echo));
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 6));
	uint8_t unreach[8 + 20] = { 3, 1, 0, 0, 0, 0, 0, 0, 0x65 };
	frame4(IPPROTO_ICMP, unreach, sizeof(unreach));
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 7));
	const uint8_t t42[8] = { 42, 0, 0, 0, 0, 0, 0, 0 };
	frame4(IPPROTO_ICMP, t42, sizeof(t42));
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 8));
	/* MLD query with hop limit 64; an experimental ICMPv6 type */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV6);
	ip = pb_ip6(&t_b, A6, B6, IPPROTO_ICMPV6);
	const uint8_t mld[24] = { 130, 0 };
	pb_bytes(&t_b, mld, sizeof(mld));
	pb_ip6_finish(&t_b, ip);
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 9));
	t_b.buf[14 + 40] = 200;
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 10));
	/* TCP with two MSS options */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV4);
	ip = pb_ip4(&t_b, A4, B4, IPPROTO_TCP, 1, 0);
	size_t tcp = pb_tcp(&t_b, 40000, 502, 1, 0, TCPF_SYN, NULL, 0);
	t_b.buf[tcp + 12] = 0x70;
	const uint8_t mss2[8] = { 2, 4, 5, 0xb4, 2, 4, 5, 0xb4 };
	pb_bytes(&t_b, mss2, sizeof(mss2));
	pb_ip4_finish(&t_b, ip);
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 11));
	/* UDP: bytes after the datagram; a length beyond the packet */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV4);
	ip = pb_ip4(&t_b, A4, B4, IPPROTO_UDP, 1, 0);
	size_t udp = pb_udp(&t_b, 1000, 2000, "xyz", 3);
	pb_put16(&t_b, udp + 4, 9);
	pb_ip4_finish(&t_b, ip);
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 12) && !has_sid(&h, 13));
	pb_put16(&t_b, udp + 4, 40);
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 13) && !has_sid(&h, 12));
	/* IPv6: bytes after "no next header"; ICMPv4 in IPv6 */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV6);
	ip = pb_ip6(&t_b, A6, B6, 59);
	pb_be32(&t_b, 0xdeadbeef);
	pb_ip6_finish(&t_b, ip);
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 14));
	t_b.buf[14 + 6] = IPPROTO_ICMP;
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 15));
	/* an atomic fragment header with its reserved byte set */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV6);
	ip = pb_ip6(&t_b, A6, B6, 44);
	pb_u8(&t_b, IPPROTO_UDP); pb_u8(&t_b, 1); pb_be16(&t_b, 0); pb_be32(&t_b, 7);
	pb_udp(&t_b, 1000, 2000, "x", 1);
	pb_ip6_finish(&t_b, ip);
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 16) && has_sid(&h, 17));
	/* AH with its reserved field set; an unknown hop-by-hop option; an
	 * option running past its header */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV6);
	ip = pb_ip6(&t_b, A6, B6, 0);
	pb_u8(&t_b, 51); pb_u8(&t_b, 0); pb_be32(&t_b, 0x3e010000); pb_be16(&t_b, 0);   /* HBH: opt 0x3e */
	pb_u8(&t_b, 60); pb_u8(&t_b, 1); pb_be16(&t_b, 0xffff); pb_be32(&t_b, 1); pb_be32(&t_b, 2);
	pb_u8(&t_b, IPPROTO_UDP); pb_u8(&t_b, 0); pb_be32(&t_b, 0x01090000); pb_be16(&t_b, 0); /* DST */
	pb_udp(&t_b, 1000, 2000, "x", 1);
	pb_ip6_finish(&t_b, ip);
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_true(has_sid(&h, 18) && has_sid(&h, 19) && has_sid(&h, 20));
	pipe_close(&pp);
}

/* A TCP segment of the conversation 10.0.0.5:40000 <-> 10.0.0.10:502. */
static struct hits seg(struct pipe *pp, int dir, uint32_t seq, uint32_t ack, uint8_t flags,
		       const char *data)
{
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&t_b, dir ? B4 : A4, dir ? A4 : B4, IPPROTO_TCP, 1, 0);
	size_t n = data ? strlen(data) : 0;
	size_t l4 = pb_tcp(&t_b, dir ? 502 : 40000, dir ? 40000 : 502, seq, ack, flags, data, n);
	pb_ip4_finish(&t_b, ip);
	fix_l4(ip, l4, 4, IPPROTO_TCP, 0);
	return pipe_frame(pp, LINK_ETHERNET);
}

static void test_stream_events_alert(void **s)
{
	(void)s;
	struct pipe pp;
	static const char rules[] =
		"alert tcp any any -> any any (stream-event:3whs_synack_with_wrong_ack; sid:1;)\n"
		"alert tcp any any -> any any (stream-event:3whs_synack_in_wrong_direction; sid:2;)\n"
		"alert tcp any any -> any any (stream-event:est_syn_resend; sid:3;)\n"
		"alert tcp any any -> any any (stream-event:est_syn_resend_diff_seq; sid:4;)\n"
		"alert tcp any any -> any any (stream-event:est_synack_resend_with_different_ack; sid:5;)\n"
		"alert tcp any any -> any any (stream-event:3whs_right_seq_wrong_ack_evasion; sid:6;)\n"
		"alert tcp any any -> any any (stream-event:3whs_wrong_seq_wrong_ack; sid:7;)\n"
		"alert tcp any any -> any any (stream-event:rst_but_no_session; sid:8;)\n"
		"alert tcp any any -> any any (stream-event:pkt_broken_ack; sid:9;)\n"
		"alert tcp any any -> any any (stream-event:reassembly_overlap_different_data; sid:10;)\n"
		"alert tcp any any -> any any (stream-event:shutdown_syn_resend; sid:11;)\n"
		"alert tcp any any -> any any (stream-event:3whs_syn_resend_diff_seq_on_syn_recv; sid:12;)\n"
		"alert tcp any any -> any any (stream-event:4whs_synack_with_wrong_ack; sid:13;)\n"
		"alert tcp any any -> any any (stream-event:est_synack_resend; sid:14;)\n";
	struct hits h;
	/* a clean handshake and data: nothing */
	pipe_open(&pp, rules);
	assert_int_equal(seg(&pp, 0, 1000, 0, TCPF_SYN, NULL).n, 0);
	assert_int_equal(seg(&pp, 1, 5000, 1001, TCPF_SYN | TCPF_ACK, NULL).n, 0);
	assert_int_equal(seg(&pp, 0, 1001, 5001, TCPF_ACK, NULL).n, 0);
	assert_int_equal(seg(&pp, 0, 1001, 5001, TCPF_ACK | TCPF_PUSH, "abcd").n, 0);
	assert_int_equal(seg(&pp, 1, 5001, 1005, TCPF_ACK, NULL).n, 0);
	/* the client's SYN again: a resend; with another ISN; the server's
	 * SYN/ACK again acknowledging something else */
	h = seg(&pp, 0, 1000, 0, TCPF_SYN, NULL);
	assert_true(h.n == 1 && h.sid[0] == 3);
	h = seg(&pp, 0, 7777, 0, TCPF_SYN, NULL);
	assert_true(h.n == 1 && h.sid[0] == 4);
	h = seg(&pp, 1, 5000, 1234, TCPF_SYN | TCPF_ACK, NULL);
	assert_true(h.n == 1 && h.sid[0] == 5);
	h = seg(&pp, 1, 5000, 1001, TCPF_SYN | TCPF_ACK, NULL);
	assert_true(h.n == 1 && h.sid[0] == 14); /* the server had acknowledged since */
	/* different bytes where bytes were: the overlap */
	h = seg(&pp, 0, 1001, 5001, TCPF_ACK | TCPF_PUSH, "abXd");
	assert_true(has_sid(&h, 10));
	/* one FIN: closing; a SYN now */
	seg(&pp, 0, 1005, 5001, TCPF_ACK | TCPF_FIN, NULL);
	h = seg(&pp, 0, 1000, 0, TCPF_SYN, NULL);
	assert_true(h.n == 1 && h.sid[0] == 11);
	pipe_close(&pp);

	/* the SYN/ACK acknowledges the wrong number; the client's ACK then
	 * has the right sequence and a wrong ACK */
	pipe_open(&pp, rules);
	seg(&pp, 0, 1000, 0, TCPF_SYN, NULL);
	h = seg(&pp, 1, 5000, 4242, TCPF_SYN | TCPF_ACK, NULL);
	assert_true(h.n == 1 && h.sid[0] == 1);
	h = seg(&pp, 0, 1001, 9999, TCPF_ACK, NULL);
	assert_true(h.n == 1 && h.sid[0] == 6);
	pipe_close(&pp);

	/* both wrong; a SYN resent with another ISN once the SYN/ACK is seen */
	pipe_open(&pp, rules);
	seg(&pp, 0, 1000, 0, TCPF_SYN, NULL);
	seg(&pp, 1, 5000, 1001, TCPF_SYN | TCPF_ACK, NULL);
	h = seg(&pp, 0, 3000, 0, TCPF_SYN, NULL);
	assert_true(h.n == 1 && h.sid[0] == 12);
	h = seg(&pp, 0, 900, 9999, TCPF_ACK, NULL);
	assert_true(h.n == 1 && h.sid[0] == 7);
	pipe_close(&pp);

	/* a SYN/ACK from the client: the wrong direction; then the 4-way case
	 * (the server sent its own SYN) with a wrong ACK */
	pipe_open(&pp, rules);
	seg(&pp, 0, 1000, 0, TCPF_SYN, NULL);
	h = seg(&pp, 0, 1000, 77, TCPF_SYN | TCPF_ACK, NULL);
	assert_true(h.n == 1 && h.sid[0] == 2);
	seg(&pp, 1, 5000, 0, TCPF_SYN, NULL);
	h = seg(&pp, 0, 1000, 77, TCPF_SYN | TCPF_ACK, NULL);
	assert_true(h.n == 1 && h.sid[0] == 13);
	pipe_close(&pp);

	/* a flow that begins with a RST; an ACK number without the ACK flag */
	pipe_open(&pp, rules);
	h = seg(&pp, 0, 1000, 0, TCPF_RST, NULL);
	assert_true(h.n == 1 && h.sid[0] == 8);
	h = seg(&pp, 0, 1000, 55, TCPF_RST, NULL);
	assert_true(h.n == 1 && h.sid[0] == 9);
	pipe_close(&pp);
}

/* Suricata's retransmission rules: flowint counts, noalert, one alert at 10. */
static void test_flowint_retransmissions(void **s)
{
	(void)s;
	struct pipe pp;
	pipe_open(&pp,
		  "alert tcp any any -> any any (stream-event:pkt_retransmission; "
		  "flowint:tcp.retransmission.count,+,1; noalert; sid:2210053;)\n"
		  "alert tcp any any -> any any (flowbits:isnotset,tcp.retransmission.alerted; "
		  "flowint:tcp.retransmission.count,>=,10; flowbits:set,tcp.retransmission.alerted; "
		  "sid:2210054;)\n"
		  "alert tcp any any -> any any (flowint:tcp.retransmission.count,isset; "
		  "flowint:tcp.retransmission.count,==,limit; sid:3;)\n"
		  "alert tcp any any -> any any (content:\"LIMIT\"; flowint:limit,=,4; noalert; sid:4;)\n");
	seg(&pp, 0, 1000, 0, TCPF_SYN, NULL);
	seg(&pp, 1, 5000, 1001, TCPF_SYN | TCPF_ACK, NULL);
	seg(&pp, 0, 1001, 5001, TCPF_ACK, NULL);
	assert_int_equal(seg(&pp, 0, 1001, 5001, TCPF_ACK | TCPF_PUSH, "LIMIT").n, 0);
	int alerts_54 = 0, alerts_3 = 0;
	for (int i = 0; i < 15; i++) {
		struct hits h = seg(&pp, 0, 1001, 5001, TCPF_ACK | TCPF_PUSH, "LIMIT");
		alerts_54 += has_sid(&h, 2210054);
		alerts_3 += has_sid(&h, 3);
		assert_false(has_sid(&h, 2210053)); /* noalert */
		if (i == 9)
			assert_true(has_sid(&h, 2210054)); /* the 10th retransmission */
	}
	assert_int_equal(alerts_54, 1);
	assert_int_equal(alerts_3, 1); /* the 4th: count == limit */
	pipe_close(&pp);
}

/* Thresholds tracked by flow, backoff: counted per flow by the engine; an
 * alert held back is marked, and the output stage counts it suppressed. */
static void test_backoff_by_flow(void **s)
{
	(void)s;
	struct pipe pp;
	pipe_open(&pp,
		  "alert tcp any any -> any any (content:\"ping\"; threshold:type backoff, track by_flow, "
		  "count 1, multiplier 3; sid:1;)\n"
		  "alert tcp any any -> any any (content:\"ping\"; threshold:type limit, track by_flow, "
		  "count 2, seconds 3600; sid:2;)\n");
	struct detect_threshold_ctx *tc = detect_threshold_new(pp.l.de);
	assert_non_null(tc);
	seg(&pp, 0, 1000, 0, TCPF_SYN, NULL);
	seg(&pp, 1, 5000, 1001, TCPF_SYN | TCPF_ACK, NULL);
	seg(&pp, 0, 1001, 5001, TCPF_ACK, NULL);
	char emitted1[64] = "", emitted2[64] = "";
	uint32_t seq = 1001;
	for (int i = 1; i <= 30; i++, seq += 4) {
		struct hits h = seg(&pp, 0, seq, 5001, TCPF_ACK | TCPF_PUSH, "ping");
		assert_int_equal(h.n, 2); /* both matched, some held */
		for (int k = 0; k < 2; k++) {
			struct detect_alert_meta m = { .gid = 1, .sid = h.sid[k], .held = pp.held[k] };
			if (detect_threshold_pass(tc, &m, 0)) {
				char *e = h.sid[k] == 1 ? emitted1 : emitted2;
				snprintf(e + strlen(e), 64 - strlen(e), "%d ", i);
			}
		}
	}
	assert_string_equal(emitted1, "1 3 9 27 ");
	assert_string_equal(emitted2, "1 2 ");
	uint64_t supp, full;
	detect_threshold_counts(tc, &supp, &full);
	assert_int_equal(supp, 60 - 6);
	detect_threshold_free(tc);
	pipe_close(&pp);
}

static void test_checksums(void **s)
{
	(void)s;
	struct pipe pp;
	pipe_open(&pp,
		  "alert ip any any -> any any (ipv4-csum:valid; sid:1;)\n"
		  "alert ip any any -> any any (ipv4-csum:invalid; sid:2;)\n"
		  "alert tcp any any -> any any (tcpv4-csum:valid; sid:3;)\n"
		  "alert tcp any any -> any any (tcpv4-csum:invalid; sid:4;)\n"
		  "alert udp any any -> any any (udpv4-csum:valid; sid:5;)\n"
		  "alert udp any any -> any any (udpv4-csum:invalid; sid:6;)\n"
		  "alert udp any any -> any any (udpv6-csum:valid; sid:7;)\n"
		  "alert udp any any -> any any (udpv6-csum:invalid; sid:8;)\n"
		  "alert icmp any any -> any any (icmpv4-csum:valid; sid:9;)\n"
		  "alert icmp any any -> any any (icmpv4-csum:invalid; sid:10;)\n"
		  "alert icmp any any -> any any (icmpv6-csum:valid; sid:11;)\n"
		  "alert icmp any any -> any any (icmpv6-csum:invalid; sid:12;)\n"
		  "alert tcp any any -> any any (tcpv6-csum:valid; sid:13;)\n"
		  "alert tcp any any -> any any (tcpv6-csum:invalid; sid:14;)\n");
	struct hits h;
#define EXPECT(...)                                                                     \
	do {                                                                            \
		const uint32_t want[] = { __VA_ARGS__ };                                \
		h = pipe_frame(&pp, LINK_ETHERNET);                                     \
		if (h.n != (int)(sizeof(want) / sizeof(want[0])))                      \
			fail_msg("line %d: %d alerts", __LINE__, h.n);                  \
		for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)             \
			if (!has_sid(&h, want[k]))                                      \
				fail_msg("line %d: no sid %u", __LINE__, want[k]);      \
	} while (0)
	/* TCP over IPv4: right, then wrong; the IPv4 header spoiled */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV4);
	size_t ip = pb_ip4(&t_b, A4, B4, IPPROTO_TCP, 1, 0);
	size_t l4 = pb_tcp(&t_b, 40000, 502, 1, 0, TCPF_SYN, "odd", 3);
	pb_ip4_finish(&t_b, ip);
	fix_l4(ip, l4, 4, IPPROTO_TCP, 0);
	EXPECT(1, 3);
	fix_l4(ip, l4, 4, IPPROTO_TCP, 0x0100);
	EXPECT(1, 4);
	t_b.buf[ip + 10] ^= 1;
	EXPECT(2, 4);
	/* cut by the capture (snap length): the TCP checksum is neither */
	fix_l4(ip, l4, 4, IPPROTO_TCP, 0);
	t_b.buf[ip + 10] ^= 1;
	t_b.len -= 2;
	h = pipe_frame(&pp, LINK_ETHERNET);
	assert_false(has_sid(&h, 3) || has_sid(&h, 4));
	/* UDP over IPv4: right, wrong, none (0: neither) */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV4);
	ip = pb_ip4(&t_b, A4, B4, IPPROTO_UDP, 1, 0);
	l4 = pb_udp(&t_b, 1000, 2000, "hello", 5);
	pb_ip4_finish(&t_b, ip);
	fix_l4(ip, l4, 4, IPPROTO_UDP, 0);
	EXPECT(1, 5);
	fix_l4(ip, l4, 4, IPPROTO_UDP, 0x8000);
	EXPECT(1, 6);
	pb_put16(&t_b, l4 + 6, 0);
	EXPECT(1);
	/* UDP over IPv6: a zero checksum is invalid there */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV6);
	ip = pb_ip6(&t_b, A6, B6, IPPROTO_UDP);
	l4 = pb_udp(&t_b, 1000, 2000, "hello", 5);
	pb_ip6_finish(&t_b, ip);
	fix_l4(ip, l4, 6, IPPROTO_UDP, 0);
	EXPECT(7);
	pb_put16(&t_b, l4 + 6, 0);
	EXPECT(8);
	/* TCP over IPv6 */
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV6);
	ip = pb_ip6(&t_b, A6, B6, IPPROTO_TCP);
	l4 = pb_tcp(&t_b, 40000, 502, 1, 0, TCPF_SYN, NULL, 0);
	pb_ip6_finish(&t_b, ip);
	fix_l4(ip, l4, 6, IPPROTO_TCP, 0);
	EXPECT(13);
	fix_l4(ip, l4, 6, IPPROTO_TCP, 1);
	EXPECT(14);
	/* ICMPv4 (no pseudo-header) and ICMPv6 (with one) */
	const uint8_t echo[9] = { 8, 0, 0, 0, 0, 1, 0, 1, 'x' };
	frame4(IPPROTO_ICMP, echo, sizeof(echo));
	fix_l4(14, 34, 4, IPPROTO_ICMP, 0);
	EXPECT(1, 9);
	fix_l4(14, 34, 4, IPPROTO_ICMP, 0x0404);
	EXPECT(1, 10);
	pb_reset(&t_b);
	pb_eth(&t_b, ETHERTYPE_IPV6);
	ip = pb_ip6(&t_b, A6, B6, IPPROTO_ICMPV6);
	l4 = t_b.len;
	pb_bytes(&t_b, echo, sizeof(echo));
	t_b.buf[l4] = 128;
	pb_ip6_finish(&t_b, ip);
	fix_l4(ip, l4, 6, IPPROTO_ICMPV6, 0);
	EXPECT(11);
	fix_l4(ip, l4, 6, IPPROTO_ICMPV6, 2);
	EXPECT(12);
#undef EXPECT
	pipe_close(&pp);
}

/* app-layer-event aliases: a rule on Suricata's enip.invalid_pdu meets
 * Vigil's malformed-PDU events of ENIP, not its others. */
static void test_app_event_alias(void **s)
{
	(void)s;
	struct loaded l;
	load(&l, "alert enip any any -> any any (app-layer-event:enip.invalid_pdu; sid:1;)\n", NULL);
	assert_int_equal(l.rep.loaded, 1);
	const struct proto_parser *enip = app_parser_by_name("enip");
	assert_non_null(enip);
	struct detect_thread *dt = detect_thread_new(l.de);
	struct packet p;
	mkpkt(&p, "10.0.0.2", "10.0.0.9", IPPROTO_TCP, 40000, 44818, "x", 1);
	struct flow f;
	memset(&f, 0, sizeof(f));
	for (uint16_t e = 0; e < enip->n_events; e++) {
		struct hits h = { { 0 }, 0 };
		struct detect_alert_sink sink = { &h, on_alert };
		detect_app_event(dt, &p, &f, enip, e, &sink);
		bool want = strcmp(enip->events[e], "enip.invalid_length") == 0 ||
			    strcmp(enip->events[e], "enip.invalid_cpf") == 0 ||
			    strcmp(enip->events[e], "enip.invalid_cip_path") == 0;
		if (h.n != (want ? 1 : 0))
			fail_msg("%s: %d alerts", enip->events[e], h.n);
	}
	detect_thread_free(dt);
	detect_engine_free(l.de);

	/* later Suricata's DNP3 names: each one Vigil event; the names of
	 * what Vigil does not detect are unsupported, not failed */
	load(&l,
	     "alert dnp3 any any -> any any (app-layer-event:dnp3.max_points_per_object; sid:1;)\n"
	     "alert dnp3 any any -> any any (app-layer-event:dnp3.too_long_reassembly; sid:2;)\n"
	     "alert dnp3 any any -> any any (app-layer-event:dnp3.too_many_objects; sid:3;)\n"
	     "alert dnp3 any any -> any any (app-layer-event:dnp3.bad_start_bytes; sid:4;)\n",
	     NULL);
	assert_int_equal(l.rep.loaded, 2);
	assert_int_equal(l.rep.failed, 0);
	assert_int_equal(l.rep.unsupported, 2);
	const struct proto_parser *dnp3 = app_parser_by_name("dnp3");
	assert_non_null(dnp3);
	dt = detect_thread_new(l.de);
	for (uint16_t e = 0; e < dnp3->n_events; e++) {
		struct hits h = { { 0 }, 0 };
		struct detect_alert_sink sink = { &h, on_alert };
		detect_app_event(dt, &p, &f, dnp3, e, &sink);
		uint32_t want = 0;
		if (strcmp(dnp3->events[e], "dnp3.too_many_points") == 0)
			want = 1;
		else if (strcmp(dnp3->events[e], "dnp3.message_too_large") == 0)
			want = 2;
		if (h.n != (want ? 1 : 0) || (want && h.sid[0] != want))
			fail_msg("%s: %d alerts", dnp3->events[e], h.n);
	}
	detect_thread_free(dt);
	detect_engine_free(l.de);
}

/* dnp3_ind as Suricata reads it: names (any of them by default), modifiers,
 * negated flags, numbers (IIN1 is the high byte: device_restart 0x8000). */
static bool ind(const char *arg, uint16_t iin_le)
{
	const struct proto_parser *p = app_parser_by_name("dnp3");
	const struct app_keyword *kw = NULL;
	for (uint16_t i = 0; i < p->n_keywords; i++)
		if (strcmp(p->keywords[i].name, "dnp3.ind") == 0)
			kw = &p->keywords[i];
	assert_non_null(kw);
	void *data = NULL;
	char err[128];
	if (kw->setup(arg, &data, err, sizeof(err)) < 0)
		fail_msg("dnp3.ind:%s: %s", arg, err);
	struct dnp3_tx tx = { .has_iin = true, .iin = iin_le };
	struct app_tx t = { p, 1, true, &tx };
	bool r = kw->match(data, &t);
	free(data);
	return r;
}

static void test_dnp3_ind_forms(void **s)
{
	(void)s;
	/* Vigil keeps IIN1 in the low byte: device_restart is bit 7, need_time
	 * bit 4, object_unknown bit 9 */
	const uint16_t restart = 0x0080, need_time = 0x0010, obj_unknown = 0x0200;
	assert_true(ind("device_restart", restart));
	assert_true(ind("device_restart,need_time", need_time));
	assert_false(ind("device_restart", need_time));
	assert_true(ind("+device_restart,!need_time", restart));
	assert_false(ind("+device_restart,!need_time", restart | need_time));
	assert_true(ind("-device_restart", need_time));
	assert_false(ind("-device_restart", restart));
	assert_true(ind("=device_restart,need_time", restart | need_time));
	assert_false(ind("=device_restart", restart | need_time));
	assert_true(ind("0x8000", restart));
	assert_true(ind("&0x8000=0x8000", restart | obj_unknown));
	assert_true(ind("&0x0002!=0", obj_unknown));
	assert_true(ind("!0", need_time));
	assert_false(ind("!0", 0));
	assert_true(ind(">0x0fff", need_time));
	assert_true(ind("OBJECT_UNKNOWN", obj_unknown));
	char err[128];
	struct du_match m;
	static const struct du_name f[] = { { "a", 1 }, { "b", 2 } };
	assert_int_equal(du_parse_flags("a,c", 3, f, 2, '*', &m, err, sizeof(err)), -1);
	assert_string_equal(err, "unknown flag 'c'");
	assert_int_equal(du_parse_flags("a,!a", 3, f, 2, '*', &m, err, sizeof(err)), -1);
	assert_string_equal(err, "flag 'a' given twice");
}

/* --list-keywords comes from the parser's own table: every keyword listed
 * as supported is one the parser takes (never "unknown option"), every one
 * listed as unsupported is reported as such, and the origins are right. */
struct kw_seen {
	unsigned n, bad;
	bool dnp3_ind_suricata, iec104_vigil, stream_event, csum, ttl_unsup;
};

static void kw_check(void *user, const struct detect_keyword_info *k)
{
	struct kw_seen *ks = user;
	ks->n++;
	assert_non_null(k->desc);
	assert_true(strlen(k->desc) > 0);
	char rule[256], m[512];
	snprintf(rule, sizeof(rule), "alert tcp any any -> any any (%s; sid:1;)\n", k->name);
	char r = load_one(rule, m, sizeof(m));
	bool unknown = strstr(m, "unknown option") != NULL;
	if (k->supported ? unknown : (r != 'u' || !strstr(m, "unsupported option"))) {
		fprintf(stderr, "keyword %s: %s", k->name, m);
		ks->bad++;
	}
	if (strcmp(k->name, "dnp3_ind") == 0)
		ks->dnp3_ind_suricata = k->suricata && k->proto && strcmp(k->proto, "dnp3") == 0;
	if (strcmp(k->name, "iec104.typeid") == 0)
		ks->iec104_vigil = !k->suricata;
	if (strcmp(k->name, "stream-event") == 0)
		ks->stream_event = k->supported && k->suricata;
	if (strcmp(k->name, "tcpv6-csum") == 0)
		ks->csum = k->supported;
	if (strcmp(k->name, "ttl") == 0)
		ks->ttl_unsup = !k->supported;
}

static void test_list_keywords(void **s)
{
	(void)s;
	struct kw_seen ks = { 0 };
	detect_keywords_foreach(kw_check, &ks);
	assert_true(ks.n > 150);
	assert_int_equal(ks.bad, 0);
	assert_true(ks.dnp3_ind_suricata && ks.iec104_vigil && ks.stream_event && ks.csum &&
		    ks.ttl_unsup);
}

static void test_vars_check(void **s)
{
	(void)s;
	const struct detect_var av[] = { { "A", "[10.0.0.0/8]" }, { "B", "!$A" },
					 { "C", "[$B,10.0.0.300]" } };
	const struct detect_var pv[] = { { "P", "[502,5020]" }, { "Q", "70000" } };
	struct detect_config cfg = { .address_vars = av, .n_address_vars = 2,
				     .port_vars = pv, .n_port_vars = 1 };
	size_t idx = 99;
	bool is_port = true;
	char err[128];
	assert_int_equal(detect_vars_check(&cfg, &idx, &is_port, err, sizeof(err)), 0);
	cfg.n_address_vars = 3;
	assert_int_equal(detect_vars_check(&cfg, &idx, &is_port, err, sizeof(err)), -1);
	assert_int_equal(idx, 2);
	assert_false(is_port);
	assert_string_equal(err, "invalid address '10.0.0.300'");
	cfg.n_address_vars = 2;
	cfg.n_port_vars = 2;
	assert_int_equal(detect_vars_check(&cfg, &idx, &is_port, err, sizeof(err)), -1);
	assert_int_equal(idx, 1);
	assert_true(is_port);
	/* the load's summary names undefined variables */
	struct loaded l;
	load(&l, "alert tcp $NOPE any -> any any (sid:1;)\nalert tcp $NOPE any -> $NADA any (sid:2;)\n",
	     NULL);
	assert_int_equal(l.rep.failed, 2);
	assert_int_equal(l.rep.var_failed, 2);
	assert_string_equal(l.rep.vars, "$NOPE");
	detect_engine_free(l.de);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint_syntax),
		cmocka_unit_test(test_address_prefixes),
		cmocka_unit_test(test_bad_rules),
		cmocka_unit_test(test_good_rules_and_summary),
		cmocka_unit_test(test_addresses_ports),
		cmocka_unit_test(test_content),
		cmocka_unit_test(test_pcre_byte_isdataat_dsize),
		cmocka_unit_test(test_prefilter_limits_evaluation),
		cmocka_unit_test(test_flowbits_and_pass),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_overlong_line),
		cmocka_unit_test(test_event_names),
		cmocka_unit_test(test_decoder_events_alert),
		cmocka_unit_test(test_stream_events_alert),
		cmocka_unit_test(test_flowint_retransmissions),
		cmocka_unit_test(test_backoff_by_flow),
		cmocka_unit_test(test_checksums),
		cmocka_unit_test(test_app_event_alias),
		cmocka_unit_test(test_dnp3_ind_forms),
		cmocka_unit_test(test_list_keywords),
		cmocka_unit_test(test_vars_check),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
