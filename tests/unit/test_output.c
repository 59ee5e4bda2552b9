/* SPDX-License-Identifier: BSD-3-Clause */
/* Record integrity and delivery: the hash chain and Ed25519 signature
 * blocks, every tamper case `vigil verify` must catch, per-record mode,
 * seq across restarts, key rotation; CEF and LEEF: escaping and flattening
 * of hostile values, bounds, verifying CEF and LEEF files and what a SIEM
 * wrote; RFC 5424 (SD-IDs) and RFC 3164 headers; octet-counting framing and the spool over a real TCP
 * connection on loopback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output/chain.h"
#include "output/eve.h"
#include "output/outputs.h"
#include "output/sink.h"

static char *slurp(const char *path, size_t *n);

static char dir[256];
static char keyp[300], pubp[300];
static const char *rec_tag = "t"; /* the timestamp text of the records written */

static int setup(void **s)
{
	(void)s;
	snprintf(dir, sizeof(dir), "/tmp/vigil-test-output-%d", (int)getpid());
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return -1;
	char err[256];
	if (chain_keygen(dir, err, sizeof(err)) != 0)
		return -1;
	snprintf(keyp, sizeof(keyp), "%s/vigil.key", dir);
	snprintf(pubp, sizeof(pubp), "%s/vigil.pub", dir);
	return 0;
}

static int teardown(void **s)
{
	(void)s;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* writes n records (and the signatures) to path with a fresh or existing state */
static void write_signed(const char *path, const char *key, const char *state, const char *old_key,
			 int n, uint32_t block, const char *mode)
{
	struct chain_config cc = { key, old_key, state, block, 1000 };
	char err[256];
	struct chain *c = chain_open(&cc, err, sizeof(err));
	if (!c)
		fail_msg("chain_open: %s", err);
	FILE *f = fopen(path, mode);
	assert_non_null(f);
	char line[4096];
	size_t k;
	uint64_t ts = 1700000000000000ull;
	k = chain_begin(c, ts, line, sizeof(line));
	assert_true(k > 0);
	fprintf(f, "%.*s\n", (int)k, line);
	while ((k = chain_pending(c, ts, line, sizeof(line))) > 0)
		fprintf(f, "%.*s\n", (int)k, line);
	for (int i = 0; i < n; i++) {
		char rec[256];
		int rl = snprintf(rec, sizeof(rec),
				  "{\"timestamp\":\"%s\",\"event_type\":\"alert\",\"alert\":{\"signature_id\":%d}}",
				  rec_tag, 9100000 + i);
		k = chain_record(c, rec, (size_t)rl, ts + (uint64_t)i, line, sizeof(line));
		assert_true(k > 0);
		fprintf(f, "%.*s\n", (int)k, line);
		if (chain_due(c, ts + (uint64_t)i)) {
			k = chain_signature(c, "block", ts + (uint64_t)i, line, sizeof(line));
			fprintf(f, "%.*s\n", (int)k, line);
		}
	}
	k = chain_signature(c, "stop", ts + (uint64_t)n, line, sizeof(line));
	fprintf(f, "%.*s\n", (int)k, line);
	fclose(f);
	chain_free(c);
}

static int verify1(const char *path, bool open_ok)
{
	char *files[1] = { (char *)path };
	struct chain_verify_opts o = { .allow_open = open_ok, .report = stdout };
	return chain_verify(pubp, files, 1, &o);
}

/* rewrites a file through a shell command (sed / awk): tamper cases */
static void tamper(const char *from, const char *to, const char *cmd)
{
	char c[1024];
	snprintf(c, sizeof(c), "%s < %s > %s", cmd, from, to);
	assert_int_equal(system(c), 0);
}

static void test_chain_and_tampering(void **s)
{
	(void)s;
	char good[400], bad[400], other[400], st[400];
	snprintf(good, sizeof(good), "%s/good.json", dir);
	snprintf(bad, sizeof(bad), "%s/bad.json", dir);
	snprintf(other, sizeof(other), "%s/other.json", dir);
	snprintf(st, sizeof(st), "%s/a.state", dir);
	unlink(st);
	write_signed(good, keyp, st, NULL, 20, 4, "w");
	assert_int_equal(verify1(good, false), 0);
	/* the first record carries seq 1 and prev zero, the next one the hash */
	FILE *f = fopen(good, "r");
	char l1[4096], l2[4096];
	assert_non_null(fgets(l1, sizeof(l1), f));
	assert_non_null(fgets(l2, sizeof(l2), f));
	fclose(f);
	assert_non_null(strstr(l1, "\"seq\":1,\"prev\":\"0000000000000000"));
	l1[strlen(l1) - 1] = 0;
	char h[CHAIN_HASH_HEX + 1];
	chain_sha256_hex(l1, strlen(l1), h);
	assert_non_null(strstr(l2, h));

	static const char *const cases[][2] = {
		{ "alter a byte", "sed '5s/\"timestamp\":\"t\"/\"timestamp\":\"u\"/'" },
		{ "delete a record", "sed '5d'" },
		{ "insert a forged record", "awk 'NR==5{print; l=$0; sub(/\"t\"/, \"\\\"x\\\"\", l); print l; next}1'" },
		{ "insert a record without a chain", "sed '5a {\"event_type\":\"alert\"}'" },
		{ "swap two records", "awk 'NR==5{a=$0; next} NR==6{print; print a; next}1'" },
		{ "truncate", "head -n 12" },
		{ "forge a signature", "awk 'NR==6{i=index($0, \"\\\"sig\\\":\\\"\") + 7; c=substr($0, i, 1); "
				       "$0=substr($0, 1, i-1) (c==\"A\" ? \"B\" : \"A\") substr($0, i+1)}1'" },
		{ "remove the stop record", "sed '$d'" },
		{ "drop the first records of a block", "sed '2,3d'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tamper(good, bad, cases[i][1]);
		print_message("  tamper: %s\n", cases[i][0]);
		assert_int_equal(verify1(bad, false), 1);
	}
	/* splice: records from another signed file of the same key */
	snprintf(st, sizeof(st), "%s/b.state", dir);
	unlink(st);
	rec_tag = "other";
	write_signed(other, keyp, st, NULL, 20, 4, "w");
	rec_tag = "t";
	assert_int_equal(verify1(other, false), 0);
	char c[2400];
	snprintf(c, sizeof(c), "(head -n 8 %s; sed -n '9,12p' %s; sed -n '13,$p' %s) > %s", good, other,
		 good, bad);
	assert_int_equal(system(c), 0);
	assert_int_equal(verify1(bad, false), 1);
	/* another key's public key refuses the file */
	char d2[300];
	snprintf(d2, sizeof(d2), "%s/k2", dir);
	char err[256];
	assert_int_equal(chain_keygen(d2, err, sizeof(err)), 0);
	char pub2[400];
	snprintf(pub2, sizeof(pub2), "%s/vigil.pub", d2);
	char *files[1] = { good };
	struct chain_verify_opts vo = { .report = stdout };
	assert_int_equal(chain_verify(pub2, files, 1, &vo), 1);
	/* keygen refuses to overwrite */
	assert_int_equal(chain_keygen(d2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not overwriting"));
	struct stat sb;
	char kp2[400];
	snprintf(kp2, sizeof(kp2), "%s/vigil.key", d2);
	assert_int_equal(stat(kp2, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* an unsigned tail is accepted only with --open */
	tamper(good, bad, "head -n 12");
	assert_int_equal(verify1(bad, true), 0);
}

/* Record timestamps (computed without gmtime, cached per second) against
 * gmtime_r + strftime: every 37 hours from 1970 to 2105, leap days and
 * century years, microseconds, and seconds alternating (the cache). */
static void test_timestamps(void **s)
{
	(void)s;
	const uint64_t special[] = { 0, 951782400, 951868799, 951868800, 4107542400ull, 4107628800ull,
				     1700000000, 1709164800, 253402300799ull };
	char got[40], want[64], tmp[32];
	for (uint64_t sec = 0, i = 0; sec < 4260000000ull || i < sizeof(special) / sizeof(special[0]);
	     sec += 133201) {
		uint64_t t = sec < 4260000000ull ? sec : special[i++];
		for (int k = 0; k < 3; k++) {
			uint64_t usec = k == 0 ? 0 : k == 1 ? 999999 : (t * 7919) % 1000000;
			uint64_t at = (k == 2 && sec < 4260000000ull) ? special[t % 9] : t;
			eve_format_ts(got, at * 1000000u + usec);
			time_t tt = (time_t)at;
			struct tm tm;
			assert_non_null(gmtime_r(&tt, &tm));
			strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
			snprintf(want, sizeof(want), "%s.%06u+0000", tmp, (unsigned)usec);
			if (strcmp(got, want) != 0)
				fail_msg("%llu: got %s want %s", (unsigned long long)(at * 1000000u + usec), got, want);
		}
	}
}

/* A record hashed in advance by the thread that made it (chain_prehash)
 * gives the same line, byte for byte, as one the chain hashes whole, over
 * records of every length around SHA-256's 64-byte blocks; a prehash of
 * other bytes is not used, and the line is still right. */
static void test_prehash(void **s)
{
	(void)s;
	char st1[300], st2[300];
	snprintf(st1, sizeof(st1), "%s/pre1.state", dir);
	snprintf(st2, sizeof(st2), "%s/pre2.state", dir);
	char st3[300];
	snprintf(st3, sizeof(st3), "%s/pre3.state", dir);
	struct chain_config c1 = { keyp, NULL, st1, 1024, 1000 }, c2 = { keyp, NULL, st2, 1024, 1000 };
	struct chain_config c3 = { keyp, NULL, st3, 1024, 1000 };
	char err[256];
	struct chain *a = chain_open(&c1, err, sizeof(err)), *b = chain_open(&c2, err, sizeof(err));
	struct chain *c = chain_open(&c3, err, sizeof(err));
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	char rec[512], la[1024], lb[1024];
	for (int i = 0; i < 200; i++) {
		int rl = snprintf(rec, sizeof(rec), "{\"event_type\":\"alert\",\"pad\":\"%.*s\"}", i,
				  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		if (i % 7 == 3)
			rec[rl++] = '\n'; /* a trailing newline is not part of the record */
		struct chain_prehash ph;
		chain_prehash(&ph, rec, (size_t)rl);
		assert_true(ph.len != UINT64_MAX);
		if (i % 50 == 49)
			ph.len--; /* computed over other bytes: must not be used */
		size_t na = chain_record(a, rec, (size_t)rl, 1, la, sizeof(la));
		size_t nb = chain_record_pre(b, rec, (size_t)rl, 1, &ph, lb, sizeof(lb));
		assert_true(na > 0);
		assert_int_equal(na, nb);
		assert_memory_equal(la, lb, na);
		/* sealed where it lies (out == json): the same line, the same
		 * chain after it; with too little room, nothing */
		char here[1024];
		memcpy(here, rec, (size_t)rl);
		size_t nh = chain_record_pre(c, here, (size_t)rl, 1, i % 2 ? &ph : NULL, here,
					     (size_t)rl + CHAIN_LINE_EXTRA);
		assert_int_equal(nh, na);
		assert_memory_equal(here, la, na);
		assert_int_equal(chain_record(c, here, (size_t)rl, 1, here, (size_t)rl + CHAIN_LINE_EXTRA - 1), 0);
	}
	chain_free(c);
	struct chain_prehash bad;
	chain_prehash(&bad, "not an object", 13);
	assert_true(bad.len == UINT64_MAX);
	chain_free(a);
	chain_free(b);
}

static void test_resent_duplicates(void **s)
{
	(void)s;
	char good[400], bad[400], st[400];
	snprintf(good, sizeof(good), "%s/dup.json", dir);
	snprintf(bad, sizeof(bad), "%s/dup2.json", dir);
	snprintf(st, sizeof(st), "%s/d.state", dir);
	unlink(st);
	write_signed(good, keyp, st, NULL, 10, 64, "w");
	/* a syslog reconnect resends lines 4..6: same bytes, accepted */
	char c[2400];
	snprintf(c, sizeof(c), "(head -n 6 %s; sed -n '4,6p' %s; sed -n '7,$p' %s) > %s", good, good, good,
		 bad);
	assert_int_equal(system(c), 0);
	assert_int_equal(verify1(bad, false), 0);
	/* a resent copy with other bytes is not */
	snprintf(c, sizeof(c), "(head -n 6 %s; sed -n '5s/9100003/9100009/p' %s; sed -n '7,$p' %s) > %s",
		 good, good, good, bad);
	assert_int_equal(system(c), 0);
	assert_int_equal(verify1(bad, false), 1);
	/* wrapped in syslog headers as a SIEM writes them */
	tamper(good, bad, "sed 's/^/Dec  3 10:00:00 host vigil[42]: /'");
	assert_int_equal(verify1(bad, false), 0);
}

static void test_per_record_restart_rotation(void **s)
{
	(void)s;
	char path[400], st[400];
	snprintf(path, sizeof(path), "%s/series.json", dir);
	snprintf(st, sizeof(st), "%s/r.state", dir);
	unlink(st);
	/* per-record mode: a signature after every record */
	write_signed(path, keyp, st, NULL, 5, 1, "w");
	char c[600];
	snprintf(c, sizeof(c), "test $(grep -c '\"event_type\":\"signature\"' %s) -eq 7", path);
	assert_int_equal(system(c), 0);
	/* a restart: seq continues from the state file, the chain across both runs */
	write_signed(path, keyp, st, NULL, 5, 64, "a");
	snprintf(c, sizeof(c), "grep -q '\"seq\":13,' %s", path);
	assert_int_equal(system(c), 0);
	assert_int_equal(verify1(path, false), 0);
	/* rotation: a new key announced by the old one, then used */
	char d3[300], k3[400];
	snprintf(d3, sizeof(d3), "%s/k3", dir);
	char err[256];
	assert_int_equal(chain_keygen(d3, err, sizeof(err)), 0);
	snprintf(k3, sizeof(k3), "%s/vigil.key", d3);
	write_signed(path, k3, st, keyp, 5, 64, "a");
	snprintf(c, sizeof(c), "grep -q '\"reason\":\"rotate\"' %s", path);
	assert_int_equal(system(c), 0);
	assert_int_equal(verify1(path, false), 0);
	/* the old public key alone cannot accept a record signed by a new key
	 * that was never announced */
	char path2[400];
	snprintf(path2, sizeof(path2), "%s/unannounced.json", dir);
	snprintf(st, sizeof(st), "%s/u.state", dir);
	unlink(st);
	write_signed(path2, k3, st, NULL, 3, 64, "w");
	assert_int_equal(verify1(path2, false), 1);
}

/* ---- CEF and LEEF ---------------------------------------------------------------- */

static char render_buf[1 << 21];

static size_t render(enum sink_format fmt, const char *rec, size_t len)
{
	assert_true(sink_render_cap(len) <= sizeof(render_buf));
	size_t n = sink_render(fmt, rec, len, render_buf, sizeof(render_buf));
	assert_true(n > 0);
	assert_int_equal(render_buf[n], 0);
	return n;
}

/* The invariants of a rendered line: no raw line end anywhere, no control
 * character outside the record, valid UTF-8 before it; CEF: seven header
 * fields with only \\ and \| escapes, every unescaped '=' after a key of
 * [A-Za-z0-9_.] that follows an unescaped space, only \\ \= \n \r escapes
 * in the extension; LEEF: '^'-separated key=value attributes; the record
 * read back is the input, and the line is its rendering. */
static void check_line(enum sink_format fmt, const char *l, size_t n, const char *rec, size_t len)
{
	const char *vr = fmt == SINK_CEF ? strstr(l, " vigilRecord=") : strstr(l, "^vigilRecord=");
	if (!vr)
		vr = strstr(l, "vigilRecord=");
	assert_non_null(vr);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)l[i];
		assert_true(c != '\n' && c != '\r');
		if (l + i < vr)
			assert_true(c >= 0x20 && c != 0x7f);
	}
	/* UTF-8 before the record */
	for (const uint8_t *p = (const uint8_t *)l; p < (const uint8_t *)vr;) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		int k = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : 1;
		assert_true(*p >= 0xc2 && *p <= 0xf4);
		for (int j = 1; j <= k; j++)
			assert_int_equal(p[j] & 0xc0, 0x80);
		p += k + 1;
	}
	size_t off;
	assert_int_equal(sink_line_find(l, n, true, &off), (int)fmt);
	assert_int_equal(off, 0);
	if (fmt == SINK_CEF) {
		int pipes = 0;
		size_t i = 0;
		for (; i < n && pipes < 7; i++) {
			if (l[i] == '\\') {
				assert_true(l[i + 1] == '\\' || l[i + 1] == '|');
				i++;
			} else if (l[i] == '|') {
				pipes++;
			}
		}
		assert_int_equal(pipes, 7);
		size_t ks = i; /* where a key may begin */
		for (; i < n; i++) {
			if (l[i] == '\\') {
				assert_non_null(strchr("\\=nr", l[i + 1]));
				i++;
			} else if (l[i] == ' ') {
				ks = i + 1;
			} else if (l[i] == '=') {
				assert_true(i > ks);
				for (size_t k = ks; k < i; k++)
					assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
							       "0123456789_.", l[k]));
				ks = n; /* no key until the next space */
			}
		}
	} else {
		int pipes = 0;
		size_t i = 0;
		for (; i < n && pipes < 6; i++)
			pipes += l[i] == '|';
		assert_int_equal(pipes, 6);
		assert_memory_equal(l + i - 3, "|^|", 3);
		while (i < n) {
			const char *e = memchr(l + i, '^', n - i);
			size_t an = e ? (size_t)(e - l) - i : n - i;
			const char *eq = memchr(l + i, '=', an);
			assert_non_null(eq);
			assert_true(eq > l + i);
			for (const char *k = l + i; k < eq; k++)
				assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
						       "0123456789_.", *k));
			i += an + 1;
		}
	}
	char *back = malloc(len + 1);
	assert_non_null(back);
	assert_int_equal(sink_line_record(fmt, l, n, back, len + 1), (long)len);
	assert_memory_equal(back, rec, len);
	free(back);
	char *scratch = malloc(sink_render_cap(len));
	assert_non_null(scratch);
	assert_true(sink_line_matches(fmt, l, n, rec, len, scratch, sink_render_cap(len)));
	free(scratch);
}

static const char *render_checked(enum sink_format fmt, const char *rec, size_t len)
{
	size_t n = render(fmt, rec, len);
	check_line(fmt, render_buf, n, rec, len);
	return render_buf;
}

/* The hostile characters of a record's values, and where they end up. */
static void test_cef_leef(void **s)
{
	(void)s;
	/* \u0000, U+00DC, a surrogate pair (U+1F600), a lone surrogate, raw
	 * invalid UTF-8 (0xff), \r, a key that is a CEF dictionary key */
	static const char j[] =
		"{\"timestamp\":\"2023-11-14T22:13:20.123456+0000\",\"event_type\":\"alert\","
		"\"src_ip\":\"10.0.1.66\",\"src_port\":51000,\"dest_ip\":\"fd00::1\",\"dest_port\":502,"
		"\"proto\":\"TCP\",\"app_proto\":\"modbus\",\"alert\":{\"signature_id\":9100011,"
		"\"signature\":\"a|b=c\\\\d^e\\nf\",\"category\":\"x=y\",\"severity\":1},"
		"\"modbus\":{\"s\":\"p|q\\\\r=s^t\\u0000\\u00dc\\ud83d\\ude00\\ud800 z\\r\xff\","
		"\"v\":[1,-2.5e3,true,null]},\"rt\":5,\"seq\":42,\"prev\":\"00\"}";
	const char *l = render_checked(SINK_CEF, j, sizeof(j) - 1);
	/* header: | and \ escaped, the newline a space, severity 1 -> 10; the
	 * name had a control character: it is also among the members */
	const char *want_cef =
		"CEF:0|Vigil|Vigil|0.1|9100011|a\\|b=c\\\\d^e f|10|rt=1700000000123 cat=x\\=y "
		"src=10.0.1.66 spt=51000 c6a3Label=Destination IPv6 Address c6a3=fd00::1 dpt=502 "
		"proto=TCP app=modbus cn1Label=seq cn1=42 cs1Label=prev cs1=00 cs2Label=event_type "
		"cs2=alert timestamp=2023-11-14T22:13:20.123456+0000 alert.signature=a|b\\=c\\\\d^e\\nf "
		"alert.severity=1 modbus.s=p|q\\\\r\\=s^t\\\\u0000\xc3\x9c\xf0\x9f\x98\x80\xef\xbf\xbd z\\r"
		"\xef\xbf\xbd modbus.v.0=1 modbus.v.1=-2.5e3 modbus.v.2=true modbus.v.3=null eve.rt=5 "
		"vigilRecord=";
	assert_memory_equal(l, want_cef, strlen(want_cef));
	/* then the record, \ and = escaped */
	const char *rec = l + strlen(want_cef);
	assert_memory_equal(rec, "{\"timestamp\":\"2023-11-14T22:13:20.123456+0000\"", 46);
	assert_non_null(strstr(rec, "\"signature\":\"a|b\\=c\\\\\\\\d^e\\\\nf\""));

	l = render_checked(SINK_LEEF, j, sizeof(j) - 1);
	const char *want_leef =
		"LEEF:2.0|Vigil|Vigil|0.1|9100011|^|devTime=2023-11-14T22:13:20.123+0000^"
		"devTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ^cat=x=y^sev=10^src=10.0.1.66^srcPort=51000^"
		"dst=fd00::1^dstPort=502^proto=TCP^timestamp=2023-11-14T22:13:20.123456+0000^"
		"event_type=alert^app_proto=modbus^alert.signature=a|b=c\\d\\u005ee\\nf^alert.severity=1^"
		"modbus.s=p|q\\r=s\\u005et\\u0000\xc3\x9c\xf0\x9f\x98\x80\xef\xbf\xbd z\\r\xef\xbf\xbd^"
		"modbus.v.0=1^modbus.v.1=-2.5e3^modbus.v.2=true^modbus.v.3=null^rt=5^seq=42^prev=00^"
		"vigilRecord=";
	assert_memory_equal(l, want_leef, strlen(want_leef));

	/* too small a buffer: nothing, not a cut line */
	assert_int_equal(sink_render(SINK_CEF, j, sizeof(j) - 1, render_buf, 40), 0);
	assert_int_equal(sink_render(SINK_LEEF, j, sizeof(j) - 1, render_buf, 200), 0);
}

/* Records that do not fit: a long value is cut (vigilCut), members past the
 * line's budget are counted (vigilOmitted), deep nesting and long keys; a
 * record that is not JSON still travels whole. */
static void test_cef_leef_bounds(void **s)
{
	(void)s;
	size_t cap = 1 << 20;
	char *j = malloc(cap);
	assert_non_null(j);
	/* a 100 000-byte value: cut at 1023 bytes, on a character's border */
	size_t n = (size_t)snprintf(j, cap, "{\"event_type\":\"mqtt\",\"mqtt\":{\"topic\":\"");
	for (int i = 0; i < 50000; i++) {
		memcpy(j + n, "\xc3\x9c", 2); /* U+00DC */
		n += 2;
	}
	n += (size_t)snprintf(j + n, cap - n, "\"}}");
	for (int f = SINK_CEF; f <= SINK_LEEF; f++) {
		const char *l = render_checked((enum sink_format)f, j, n);
		const char *v = strstr(l, "mqtt.topic=");
		assert_non_null(v);
		v += 11;
		const char *end = strchr(v, f == SINK_CEF ? ' ' : '^');
		assert_int_equal(end - v, 1022); /* 511 whole characters */
		assert_non_null(strstr(l, f == SINK_CEF ? " vigilCut=1 " : "^vigilCut=1^"));
		assert_null(strstr(l, "vigilOmitted"));
	}
	/* 3000 members: the first ones up to the budget, the rest counted */
	n = (size_t)snprintf(j, cap, "{\"event_type\":\"stats\",\"stats\":{");
	for (int i = 0; i < 3000; i++)
		n += (size_t)snprintf(j + n, cap - n, "%s\"counter_%d\":%d", i ? "," : "", i, i);
	n += (size_t)snprintf(j + n, cap - n, "}}");
	for (int f = SINK_CEF; f <= SINK_LEEF; f++) {
		const char *l = render_checked((enum sink_format)f, j, n);
		assert_non_null(strstr(l, "stats.counter_0=0"));
		const char *om = strstr(l, "vigilOmitted=");
		assert_non_null(om);
		unsigned long omitted = strtoul(om + 13, NULL, 10);
		/* every member is either written or counted */
		unsigned long written = 0;
		for (const char *p = l; (p = strstr(p, "stats.counter_")); p++)
			written++;
		assert_int_equal(written + omitted, 3000);
		assert_true(omitted > 1000 && omitted < 3000);
		const char *rec = strstr(l, "vigilRecord=");
		assert_true((size_t)(rec - l) < 4096 + 1024);
	}
	/* 31 nested objects are flattened, 40 are not (no fields, still the record) */
	for (int depth = 31; depth <= 40; depth += 9) {
		n = 0;
		for (int i = 0; i < depth; i++)
			n += (size_t)snprintf(j + n, cap - n, "{\"k\":");
		n += (size_t)snprintf(j + n, cap - n, "1");
		for (int i = 0; i < depth; i++)
			j[n++] = '}';
		for (int f = SINK_CEF; f <= SINK_LEEF; f++) {
			const char *l = render_checked((enum sink_format)f, j, n);
			if (depth == 31)
				assert_non_null(strstr(l, "k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k.k=1"));
			else
				assert_null(strstr(l, "k.k="));
		}
	}
	/* a rule's name of 400 bytes is the CEF Name; one of 600 is cut there
	 * (512 bytes, CEF's Name length) and written whole among the members */
	for (int len = 400; len <= 600; len += 200) {
		n = (size_t)snprintf(j, cap, "{\"event_type\":\"alert\",\"alert\":{\"signature\":\"");
		memset(j + n, 'n', (size_t)len);
		n += (size_t)len;
		n += (size_t)snprintf(j + n, cap - n, "\"}}");
		const char *l = render_checked(SINK_CEF, j, n);
		const char *name = l;
		for (int p = 0; p < 5; p++)
			name = strchr(name, '|') + 1;
		assert_int_equal(strchr(name, '|') - name, len < 512 ? len : 512);
		if (len < 512)
			assert_null(strstr(l, "alert.signature="));
		else
			assert_non_null(strstr(l, "alert.signature=nnnn"));
	}
	/* a key longer than a key may be: left out and counted */
	n = (size_t)snprintf(j, cap, "{\"event_type\":\"x\",\"");
	memset(j + n, 'k', 300);
	n += 300;
	n += (size_t)snprintf(j + n, cap - n, "\":1,\"ok\":2}");
	for (int f = SINK_CEF; f <= SINK_LEEF; f++) {
		const char *l = render_checked((enum sink_format)f, j, n);
		assert_non_null(strstr(l, "ok=2"));
		assert_non_null(strstr(l, "vigilOmitted=1"));
		assert_null(strstr(l, "kkkkkkkk="));
	}
	/* not JSON, or JSON with bad escapes: no fields; the line still carries
	 * every byte, and reads back */
	static const char *const bad[] = {
		"{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":1", "{\"a\":01}", "[1,2]", "",
		"{\"a\":1} x", "{\"a\":\"raw\nnewline\"}", "{\"a\":tru}", "\xff\xfe|=\\^\r\n",
		"{\"a\":\"\\ud800\\u0041\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		for (int f = SINK_CEF; f <= SINK_LEEF; f++) {
			const char *l = render_checked((enum sink_format)f, bad[i], strlen(bad[i]));
			if (i < sizeof(bad) / sizeof(*bad) - 1)
				assert_null(strstr(l, "a="));
		}
	}
	/* DEL is allowed raw in a JSON string; not in a field */
	const char *l = render_checked(SINK_CEF, "{\"a\":\"x\x7fy\"}", 11);
	assert_non_null(strstr(l, " a=x\\\\u007fy vigilRecord="));
	l = render_checked(SINK_LEEF, "{\"a\":\"x\x7fy\"}", 11);
	assert_non_null(strstr(l, "^a=x\\u007fy^vigilRecord="));
	/* a lone high surrogate before another escape: U+FFFD, then 'A' */
	l = render_checked(SINK_CEF, "{\"a\":\"\\ud800\\u0041\"}", 20);
	assert_non_null(strstr(l, " a=\xef\xbf\xbd" "A vigilRecord="));
	free(j);
}

/* CEF and LEEF files verify as EVE files do; a field altered beside the
 * record it carries, the record altered, a line removed: each refused. A
 * SIEM's file, syslog headers first, other products' lines among them, is
 * read too; each line's format is its own. */
static void test_verify_cef_leef(void **s)
{
	(void)s;
	char eve[400], st[400], conv[400], bad[400];
	snprintf(eve, sizeof(eve), "%s/siem.json", dir);
	snprintf(st, sizeof(st), "%s/siem.state", dir);
	snprintf(conv, sizeof(conv), "%s/siem.out", dir);
	snprintf(bad, sizeof(bad), "%s/siem.bad", dir);
	unlink(st);
	write_signed(eve, keyp, st, NULL, 30, 8, "w");
	assert_int_equal(verify1(eve, false), 0);
	size_t en;
	char *e = slurp(eve, &en);
	for (int f = SINK_CEF; f <= SINK_LEEF; f++) {
		for (int siem = 0; siem < 3; siem++) {
			FILE *o = fopen(conv, "w");
			assert_non_null(o);
			int i = 0;
			for (char *p = e, *q; p < e + en; p = q + 1, i++) {
				q = memchr(p, '\n', (size_t)(e + en - p));
				size_t n = render((enum sink_format)f, p, (size_t)(q - p));
				if (siem == 1)
					fprintf(o, "<134>1 2023-11-14T22:13:20Z host vigil 1 alert - ");
				if (siem == 2 && i % 2)
					fwrite(p, 1, (size_t)(q - p), o); /* EVE and CEF/LEEF lines mixed */
				else
					fwrite(render_buf, 1, n, o);
				fputc('\n', o);
				if (siem == 1 && i == 3)
					fprintf(o, "<134>1 2023-11-14T22:13:20Z fw fw - - - CEF:0|Other|FW|1|1|x|1|"
						   "msg={\"seq\":1}\nplain text, no record\n");
			}
			fclose(o);
			print_message("  %s, %s\n", f == SINK_CEF ? "CEF" : "LEEF",
				      siem == 1 ? "as a SIEM wrote it" : siem == 2 ? "mixed with EVE" : "a file");
			assert_int_equal(verify1(conv, false), 0);
			if (siem)
				continue;
			/* a flattened field altered: the record inside is intact */
			tamper(conv, bad, f == SINK_CEF ? "sed '5s/alert.signature_id=/alert.signature_id=1/;"
							  "5s/|9100/|19100/'"
							: "sed '5s/sev=5/sev=9/'");
			assert_int_equal(verify1(bad, false), 1);
			tamper(conv, bad, f == SINK_CEF ? "sed '5s/cs2=alert/cs2=flow/'"
							: "sed '5s/event_type=alert/event_type=flow/'");
			assert_int_equal(verify1(bad, false), 1);
			/* the record inside altered */
			tamper(conv, bad, f == SINK_CEF ? "sed '5s/\"signature_id\":9100/\"signature_id\":9200/'"
							: "sed '5s/vigilRecord=eyJ0/vigilRecord=eyJ1/'");
			assert_int_equal(verify1(bad, false), 1);
			/* a line removed, a line cut */
			tamper(conv, bad, "sed '7d'");
			assert_int_equal(verify1(bad, false), 1);
			tamper(conv, bad, "sed '7s/.\\{20\\}$//'");
			assert_int_equal(verify1(bad, false), 1);
		}
	}
	free(e);
}

static void test_syslog_headers(void **s)
{
	(void)s;
	struct syslog_config c;
	memset(&c, 0, sizeof(c));
	c.facility = 16;
	snprintf(c.sensor_id, sizeof(c.sensor_id), "plant \"a\" [1]\\");
	struct sink_rec r = { "{\"x\":1}", 7, "alert", 2, 1700000000123456ull, 7 };
	char out[512];
	/* no SD-ID configured: no structured data */
	size_t n = sink_syslog_frame(&c, "sensor1", 99, &r, r.line, r.len, out, sizeof(out));
	assert_true(n > 0);
	/* PRI 16*8 + 3 (err, for an alert of severity 2) */
	assert_string_equal(out, "<131>1 2023-11-14T22:13:20.123456Z sensor1 vigil 99 alert - {\"x\":1}");
	/* with one: seq and the sensor id, " \ ] escaped (RFC 5424 6.3.3); the
	 * number of RFC 5612, for documentation: a test may use it, a
	 * configuration may not (below) */
	snprintf(c.sd_id, sizeof(c.sd_id), "vigil@32473");
	n = sink_syslog_frame(&c, "sensor1", 99, &r, r.line, r.len, out, sizeof(out));
	assert_string_equal(out, "<131>1 2023-11-14T22:13:20.123456Z sensor1 vigil 99 alert "
				 "[vigil@32473 seq=\"7\" sensor=\"plant \\\"a\\\" [1\\]\\\\\"] {\"x\":1}");
	c.rfc3164 = true;
	r.severity = 0;
	n = sink_syslog_frame(&c, "sensor1", 99, &r, r.line, r.len, out, sizeof(out));
	assert_string_equal(out, "<134>Nov 14 22:13:20 sensor1 vigil[99]: {\"x\":1}");

	/* SD-IDs (RFC 5424 6.3.2, 7.2.2) */
	static const char *const good[] = { "vigil@12345", "x@1", "a.b-c_d@9.1.2", "v@4294967295" };
	static const char *const badid[] = {
		"", "vigil", "vigil@", "@123", "a b@1", "a=b@1", "a]@1", "a\"@1", "vigil@32473",
		"vigil@32473.1", "vigil@0123", "vigil@0", "vigil@12a", "a@1@2", "vigil@1..2", "vigil@1.",
		"abcdefghijklmnopqrstuvwxyz@123456", "v\xc3\x9c@1", "v\t@1",
	};
	char why[160];
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_int_equal(sink_sd_id_check(good[i], why, sizeof(why)), 0);
	for (size_t i = 0; i < sizeof(badid) / sizeof(*badid); i++) {
		why[0] = 0;
		assert_int_equal(sink_sd_id_check(badid[i], why, sizeof(why)), -1);
		assert_true(why[0] != 0);
	}
	assert_non_null(strstr((sink_sd_id_check("vigil@32473", why, sizeof(why)), why), "RFC 5612"));
}

/* a TCP listener on 127.0.0.1, an ephemeral port */
static int listener(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)*port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4) != 0)
		return -1;
	socklen_t l = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	*port = ntohs(a.sin_port);
	return fd;
}

/* reads octet-counted frames until n frames or a timeout; returns count */
static int read_frames(int lfd, char frames[][512], int want)
{
	struct pollfd p = { lfd, POLLIN, 0 };
	if (poll(&p, 1, 5000) <= 0)
		return 0;
	int c = accept(lfd, NULL, NULL);
	char buf[65536];
	size_t have = 0;
	int got = 0;
	while (got < want) {
		struct pollfd q = { c, POLLIN, 0 };
		if (poll(&q, 1, 5000) <= 0)
			break;
		ssize_t r = read(c, buf + have, sizeof(buf) - have);
		if (r <= 0)
			break;
		have += (size_t)r;
		for (;;) {
			char *sp = memchr(buf, ' ', have);
			if (!sp)
				break;
			size_t len = strtoul(buf, NULL, 10);
			size_t hl = (size_t)(sp - buf) + 1;
			if (have < hl + len)
				break;
			snprintf(frames[got < 16 ? got : 15], 512, "%.*s", (int)len, sp + 1);
			got++;
			memmove(buf, buf + hl + len, have - hl - len);
			have -= hl + len;
		}
	}
	close(c);
	return got;
}

static void test_tcp_octet_counting_and_spool(void **s)
{
	(void)s;
	int port = 0;
	int lfd = listener(&port);
	assert_true(lfd >= 0);
	struct syslog_config c;
	memset(&c, 0, sizeof(c));
	c.transport = SINK_TCP;
	snprintf(c.host, sizeof(c.host), "127.0.0.1");
	snprintf(c.port, sizeof(c.port), "%d", port);
	snprintf(c.spool_dir, sizeof(c.spool_dir), "%s/spool", dir);
	c.facility = 16;
	c.drain_ms = 3000;
	snprintf(c.sd_id, sizeof(c.sd_id), "vigil@32473"); /* RFC 5612's, for tests */
	char err[256];
	struct sink *sk = sink_syslog_open(&c, err, sizeof(err));
	if (!sk)
		fail_msg("%s", err);
	for (int i = 1; i <= 3; i++) {
		char j[64];
		int n = snprintf(j, sizeof(j), "{\"n\":%d}", i);
		struct sink_rec r = { j, (size_t)n, "alert", 3, 1700000000000000ull, (uint64_t)i };
		assert_int_equal(sink_write(sk, &r), 0);
	}
	char frames[16][512];
	int got = read_frames(lfd, frames, 3);
	assert_int_equal(got, 3);
	assert_non_null(strstr(frames[0], "seq=\"1\""));
	assert_non_null(strstr(frames[2], "{\"n\":3}"));
	assert_int_equal(sink_close(sk), 0);
	close(lfd);

	/* nobody listening: records wait in the spool, survive a restart of
	 * the sink, and go out in order when the receiver is back */
	sk = sink_syslog_open(&c, err, sizeof(err));
	assert_non_null(sk);
	for (int i = 4; i <= 6; i++) {
		char j[64];
		int n = snprintf(j, sizeof(j), "{\"n\":%d}", i);
		struct sink_rec r = { j, (size_t)n, "alert", 3, 1700000000000000ull, (uint64_t)i };
		assert_int_equal(sink_write(sk, &r), 0);
	}
	struct sink_stats stt;
	sink_get_stats(sk, &stt);
	assert_true(stt.spooled_bytes > 0);
	assert_int_equal(sink_close(sk), 0); /* gives up after drain_ms */
	lfd = listener(&port);                /* the same port again */
	assert_true(lfd >= 0);
	sk = sink_syslog_open(&c, err, sizeof(err));
	assert_non_null(sk);
	got = read_frames(lfd, frames, 3);
	assert_int_equal(got, 3);
	assert_non_null(strstr(frames[0], "{\"n\":4}"));
	assert_non_null(strstr(frames[2], "{\"n\":6}"));
	assert_int_equal(sink_close(sk), 0);
	close(lfd);
}

static void test_spool_full(void **s)
{
	(void)s;
	/* nobody listens: a 64 KiB spool keeps the newest records, drops and
	 * counts the oldest */
	int port = 0;
	int lfd = listener(&port);
	close(lfd); /* the port is free again: connections are refused */
	struct syslog_config c;
	memset(&c, 0, sizeof(c));
	c.transport = SINK_TCP;
	snprintf(c.host, sizeof(c.host), "127.0.0.1");
	snprintf(c.port, sizeof(c.port), "%d", port);
	snprintf(c.spool_dir, sizeof(c.spool_dir), "%s/spool-full", dir);
	c.spool_max = 64 << 10;
	c.drain_ms = 100;
	char err[256];
	struct sink *sk = sink_syslog_open(&c, err, sizeof(err));
	if (!sk)
		fail_msg("%s", err);
	char j[600];
	memset(j, 'x', sizeof(j));
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(j, 40, "{\"n\":%d,\"pad\":\"", i);
		j[n] = 'x';
		memcpy(j + 500, "\"}", 3);
		struct sink_rec r = { j, 502, "alert", 3, 1700000000000000ull, (uint64_t)i + 1 };
		assert_int_equal(sink_write(sk, &r), 0);
	}
	struct sink_stats st;
	sink_get_stats(sk, &st);
	assert_true(st.dropped > 800);
	assert_true(st.dropped < 1000);
	assert_true(st.spooled_bytes <= (64 << 10) + 16384);
	assert_int_equal(sink_close(sk), 0);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)sz + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
	b[sz] = 0;
	fclose(f);
	*n = (size_t)sz;
	return b;
}

/* The file sink's own buffer: records in order, each with its newline,
 * through records larger than the buffer, flushes and rotation; every
 * byte counted in the file's size. */
static void test_file_sink(void **s)
{
	(void)s;
	char path[400];
	snprintf(path, sizeof(path), "%s/sink.json", dir);
	unlink(path);
	struct file_sink_config fc;
	memset(&fc, 0, sizeof(fc));
	snprintf(fc.path, sizeof(fc.path), "%s", path);
	char err[256];
	struct sink *k = sink_file_open(&fc, err, sizeof(err));
	assert_non_null(k);
	size_t big_n = (3u << 20) / 2; /* 1.5 MiB: more than the buffer */
	char *big = malloc(big_n);
	assert_non_null(big);
	memset(big, 'b', big_n);
	big[0] = '{';
	big[big_n - 1] = '}';
	char *want = malloc(big_n * 2 + 200000);
	assert_non_null(want);
	size_t wn = 0;
	for (int i = 0; i < 3000; i++) {
		char rec[128];
		const char *p = rec;
		size_t n = (size_t)snprintf(rec, sizeof(rec), "{\"n\":%d}", i);
		if (i == 1000 || i == 2999) {
			p = big;
			n = big_n;
		}
		struct sink_rec r = { p, n, "alert", 1, 1, 0 };
		assert_int_equal(sink_write(k, &r), 0);
		memcpy(want + wn, p, n);
		want[wn + n] = '\n';
		wn += n + 1;
		if (i == 1500)
			sink_flush(k);
	}
	struct sink_stats st;
	sink_get_stats(k, &st);
	assert_int_equal(st.written, 3000);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(sink_close(k), 0);
	size_t gn;
	char *got = slurp(path, &gn);
	assert_int_equal(gn, wn);
	assert_memory_equal(got, want, wn);
	free(got);

	/* appends to what is there; rotates past rotate_bytes */
	fc.rotate_bytes = 4096;
	fc.rotate_keep = 2;
	k = sink_file_open(&fc, err, sizeof(err));
	assert_non_null(k);
	for (int i = 0; i < 100; i++) {
		char rec[128];
		size_t n = (size_t)snprintf(rec, sizeof(rec), "{\"r\":%d,\"pad\":\"%080d\"}", i, 0);
		struct sink_rec r = { rec, n, "alert", 1, 1, 0 };
		assert_int_equal(sink_write(k, &r), 0);
	}
	assert_int_equal(sink_close(k), 0);
	char p1[420], p3[420];
	snprintf(p1, sizeof(p1), "%s.1", path);
	snprintf(p3, sizeof(p3), "%s.3", path);
	struct stat sb;
	assert_int_equal(stat(p1, &sb), 0);
	assert_true(sb.st_size >= 4096 && sb.st_size < 4096 + 128);
	assert_int_not_equal(stat(p3, &sb), 0); /* only rotate_keep kept */
	got = slurp(path, &gn); /* the newest records: the last is r 99 */
	assert_non_null(strstr(got, "{\"r\":99,"));
	assert_true(gn > 0 && got[gn - 1] == '\n');
	free(got);
	free(big);
	free(want);
}

/* A file that refuses writes (/dev/full): the records lost are counted as
 * dropped, once the buffer is written, and the sink says it failed. */
static void test_file_sink_failure(void **s)
{
	(void)s;
	struct file_sink_config fc;
	memset(&fc, 0, sizeof(fc));
	snprintf(fc.path, sizeof(fc.path), "/dev/full");
	char err[256];
	struct sink *k = sink_file_open(&fc, err, sizeof(err));
	assert_non_null(k);
	for (int i = 0; i < 10; i++) {
		struct sink_rec r = { "{\"a\":1}", 7, "alert", 1, 1, 0 };
		assert_int_equal(sink_write(k, &r), 0); /* buffered */
	}
	struct sink_stats st;
	sink_get_stats(k, &st);
	assert_int_equal(st.dropped, 0);
	sink_flush(k);
	sink_get_stats(k, &st);
	assert_int_equal(st.written, 10);
	assert_int_equal(st.dropped, 10);
	assert_int_equal(sink_close(k), -1);
}

/* outputs_write_room seals the caller's record where it lies: the file is
 * the same as when each record is copied first (outputs_write_pre). */
static void test_outputs_in_place(void **s)
{
	(void)s;
	char pa[400], pb[400], sa[400], sb_[400];
	snprintf(pa, sizeof(pa), "%s/room-a.json", dir);
	snprintf(pb, sizeof(pb), "%s/room-b.json", dir);
	snprintf(sa, sizeof(sa), "%s/room-a.state", dir);
	snprintf(sb_, sizeof(sb_), "%s/room-b.state", dir);
	struct chain_config ca = { keyp, NULL, sa, 16, 1000 }, cb = { keyp, NULL, sb_, 16, 1000 };
	struct outputs_config oa, ob;
	memset(&oa, 0, sizeof(oa));
	memset(&ob, 0, sizeof(ob));
	oa.out_file = pa;
	oa.chain = &ca;
	ob.out_file = pb;
	ob.chain = &cb;
	char err[256];
	struct outputs *a = outputs_open(&oa, err, sizeof(err));
	struct outputs *b = outputs_open(&ob, err, sizeof(err));
	assert_non_null(a);
	assert_non_null(b);
	for (int i = 0; i < 100; i++) {
		char rec[256], buf[256 + CHAIN_LINE_EXTRA];
		int n = snprintf(rec, sizeof(rec), "{\"timestamp\":\"x\",\"event_type\":\"alert\",\"i\":%d}", i);
		memcpy(buf, rec, (size_t)n);
		struct chain_prehash ph;
		chain_prehash(&ph, rec, (size_t)n);
		outputs_write_pre(a, rec, (size_t)n, "alert", 1, 1700000000000000ull + (uint64_t)i,
				  i % 3 ? &ph : NULL);
		/* every fourth with too little room: copied as before */
		size_t room = i % 4 == 1 ? (size_t)n : (size_t)n + CHAIN_LINE_EXTRA;
		outputs_write_room(b, buf, (size_t)n, room, "alert", 1, 1700000000000000ull + (uint64_t)i,
				   i % 3 ? &ph : NULL);
		if (room > (size_t)n)
			assert_memory_not_equal(buf + n - 1, "}", 1); /* sealed here */
	}
	assert_int_equal(outputs_close(a), 0);
	assert_int_equal(outputs_close(b), 0);
	size_t na, nb;
	char *ga = slurp(pa, &na), *gb = slurp(pb, &nb);
	assert_int_equal(na, nb);
	assert_memory_equal(ga, gb, na);
	assert_true(na > 100 * 40);
	free(ga);
	free(gb);
	assert_int_equal(verify1(pb, false), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_and_tampering),
		cmocka_unit_test(test_timestamps),
		cmocka_unit_test(test_prehash),
		cmocka_unit_test(test_resent_duplicates),
		cmocka_unit_test(test_per_record_restart_rotation),
		cmocka_unit_test(test_cef_leef),
		cmocka_unit_test(test_cef_leef_bounds),
		cmocka_unit_test(test_verify_cef_leef),
		cmocka_unit_test(test_syslog_headers),
		cmocka_unit_test(test_tcp_octet_counting_and_spool),
		cmocka_unit_test(test_spool_full),
		cmocka_unit_test(test_file_sink),
		cmocka_unit_test(test_file_sink_failure),
		cmocka_unit_test(test_outputs_in_place),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
