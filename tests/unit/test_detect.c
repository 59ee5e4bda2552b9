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

#include "detect/rule.h"
#include "detect/uint.h"
#include "vigil/detect.h"
#include "vigil/flow.h"
#include "vigil/packet.h"

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
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
