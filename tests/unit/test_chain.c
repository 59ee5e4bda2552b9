/* SPDX-License-Identifier: BSD-3-Clause */
/* The signed chain through faults: seq numbers reserved ahead on disk and
 * never used twice after a crash, the restart record and what verify makes
 * of it (missing records reported, not called tampering; records the
 * crashed run had saved as written must be there), a record cut short by a
 * crash, the state file (format 2, format 1 read, corrupt, locked), and the
 * verifier's rules: signature records signed over all of their own bytes
 * (canonical base64 only), a duplicate accepted only as part of an in-order
 * resend, a series that must begin where a run begins (or --from-seq /
 * --continues), format 1 files still accepted with a note. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "output/chain.h"

static char dir[256], keyp[300], pubp[300];

static int setup(void **s)
{
	(void)s;
	snprintf(dir, sizeof(dir), "/tmp/vigil-test-chain-%d", (int)getpid());
	char cmd[400], err[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0 || chain_keygen(dir, err, sizeof(err)) != 0)
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

static void path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

/* ---- a writer: a run of the sensor into a file ------------------------------ */

struct run {
	struct chain *c;
	FILE *f;
	uint64_t ts;
	uint64_t n; /* records written by this run */
};

static void emit(struct run *r, const char *line, size_t k)
{
	assert_true(k > 0);
	fprintf(r->f, "%.*s\n", (int)k, line);
}

static void run_open(struct run *r, const char *file, const char *state, uint32_t block)
{
	struct chain_config cc = { keyp, NULL, state, block, 1000 };
	char err[256];
	r->c = chain_open(&cc, err, sizeof(err));
	if (!r->c)
		fail_msg("chain_open: %s", err);
	r->f = fopen(file, "a");
	assert_non_null(r->f);
	r->ts = 1700000000000000ull;
	r->n = 0;
	char line[CHAIN_SIG_MAX];
	emit(r, line, chain_begin(r->c, r->ts, line, sizeof(line)));
}

static void run_records(struct run *r, int n)
{
	char rec[256], line[CHAIN_SIG_MAX];
	for (int i = 0; i < n; i++) {
		int rl = snprintf(rec, sizeof(rec),
				  "{\"timestamp\":\"2023-11-14T22:13:20.%06d+0000\",\"event_type\":\"alert\","
				  "\"alert\":{\"signature_id\":%llu}}",
				  i % 1000000, (unsigned long long)r->n);
		r->ts++;
		emit(r, line, chain_record(r->c, rec, (size_t)rl, r->ts, line, sizeof(line)));
		r->n++;
		if (chain_due(r->c, r->ts))
			emit(r, line, chain_signature(r->c, "block", r->ts, line, sizeof(line)));
	}
}

static void run_stop(struct run *r)
{
	char line[CHAIN_SIG_MAX];
	emit(r, line, chain_signature(r->c, "stop", r->ts, line, sizeof(line)));
	fclose(r->f);
	chain_free(r->c);
}

/* the process dies: what it wrote stays, the state is as it last saved it */
static void run_crash(struct run *r)
{
	fclose(r->f);
	chain_free_crashed(r->c);
}

/* ---- verifying ---------------------------------------------------------------------- */

static int verify_opts(const char *file, const struct chain_verify_opts *o,
		       struct chain_verify_result *res)
{
	char err[256];
	struct chain_verify_opts oo = *o;
	oo.report = stdout;
	struct chain_verifier *v = chain_verifier_new(pubp, &oo, err, sizeof(err));
	if (!v)
		fail_msg("%s", err);
	chain_verifier_input(v, file);
	FILE *f = fopen(file, "r");
	assert_non_null(f);
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	while ((got = getline(&line, &cap, f)) >= 0) {
		size_t n = (size_t)got;
		bool nl = n && line[n - 1] == '\n';
		if (chain_verifier_line(v, line, nl ? n - 1 : n, nl))
			break;
	}
	free(line);
	fclose(f);
	struct chain_verify_result r;
	int st = chain_verifier_finish(v, &r);
	if (res)
		*res = r;
	chain_verifier_free(v);
	return st;
}

static int verify(const char *file, struct chain_verify_result *res)
{
	struct chain_verify_opts o = { 0 };
	return verify_opts(file, &o, res);
}

/* through a shell command (sed, awk, head): a variant of a file */
static void shell(const char *fmt, ...)
{
	char c[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c, sizeof(c), fmt, ap);
	va_end(ap);
	if (system(c) != 0)
		fail_msg("failed: %s", c);
}

/* out = file without the records whose seq is in lo..hi */
static void del_seq(const char *file, uint64_t lo, uint64_t hi, const char *out)
{
	shell("awk -v lo=%llu -v hi=%llu '{ if (match($0, /\"seq\":[0-9]+,\"prev\"/)) { "
	      "s = substr($0, RSTART + 6, RLENGTH - 13) + 0; if (s >= lo && s <= hi) next } print }' %s > %s",
	      (unsigned long long)lo, (unsigned long long)hi, file, out);
}

static uint64_t nlines(const char *file)
{
	FILE *f = fopen(file, "r");
	assert_non_null(f);
	uint64_t n = 0;
	int ch;
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* the seq numbers of a file: each appears once (a file has no resends) */
static void assert_seq_unique(const char *file, uint64_t *max)
{
	char c[600];
	snprintf(c, sizeof(c),
		 "test -z \"$(grep -o '\"seq\":[0-9]*,\"prev\"' %s | sort | uniq -d)\"", file);
	assert_int_equal(system(c), 0);
	FILE *f = fopen(file, "r");
	char line[4096];
	*max = 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, ",\"seq\":");
		if (p) {
			uint64_t s = strtoull(p + 7, NULL, 10);
			if (s > *max)
				*max = s;
		}
	}
	fclose(f);
}

/* ---- crashes ---------------------------------------------------------------------------- */

/* A crash at any point: the next run continues above everything the
 * crashed one reserved; its restart record says so, and verify reports the
 * crash (status 3), not tampering. Reservations grow past the first chunk
 * in a long run. */
static void test_crash_restart(void **s)
{
	(void)s;
	char file[400], st[400];
	path_of(file, sizeof(file), "crash.json");
	path_of(st, sizeof(st), "crash.state");
	struct run r;
	run_open(&r, file, st, 64);
	run_records(&r, 100);
	run_crash(&r);
	char *stf = read_all(st);
	assert_non_null(strstr(stf, "status running"));
	assert_non_null(strstr(stf, "reserved 4096\n"));

	run_open(&r, file, st, 64);
	assert_true(chain_crashed(r.c));
	run_records(&r, 5000); /* past the first reservation */
	assert_true(chain_seq(r.c) > 8192);
	run_crash(&r);
	/* a run that crashes again before writing anything */
	struct chain_config cc = { keyp, NULL, st, 64, 1000 };
	char err[256];
	struct chain *c = chain_open(&cc, err, sizeof(err));
	assert_non_null(c);
	chain_free_crashed(c);
	/* nor does an orderly end without a record take the restart away */
	c = chain_open(&cc, err, sizeof(err));
	assert_non_null(c);
	assert_true(chain_crashed(c));
	chain_free(c);
	assert_non_null(strstr(read_all(st), "status running"));

	run_open(&r, file, st, 64);
	run_records(&r, 10);
	run_stop(&r);
	stf = read_all(st);
	assert_non_null(strstr(stf, "status stopped"));

	uint64_t max;
	assert_seq_unique(file, &max);
	char *all = read_all(file);
	assert_non_null(strstr(all, "\"reason\":\"restart\",\"alg\":\"Ed25519\""));
	assert_non_null(strstr(all, ",\"first_seq\":4097,\"last_seq\":4096,\"saved_seq\":0,\"reboot\":false,"));
	struct chain_verify_result res;
	assert_int_equal(verify(file, &res), CHAIN_VERIFY_CRASH);
	assert_int_equal(res.crashes, 2);
	assert_int_equal(res.records, 5110);
	assert_int_equal(res.last_seq, max);

	/* an orderly restart after that continues the chain: a start record */
	run_open(&r, file, st, 64);
	assert_false(chain_crashed(r.c));
	run_records(&r, 3);
	run_stop(&r);
	assert_int_equal(verify(file, &res), CHAIN_VERIFY_CRASH);
	assert_int_equal(res.crashes, 2);
	assert_int_equal(res.records, 5113);
}

/* The checkpoint: what the crashed run had saved as written must be there
 * (removing it is tampering); the unsigned tail after it may be lost. A
 * restart after a reboot makes no such claim. */
static void test_checkpoint(void **s)
{
	(void)s;
	char file[400], st[400], bad[400];
	path_of(file, sizeof(file), "ckpt.json");
	path_of(st, sizeof(st), "ckpt.state");
	path_of(bad, sizeof(bad), "ckpt-bad.json");
	struct run r;
	run_open(&r, file, st, 16);
	run_records(&r, 40); /* signatures at seq 18 and 35, records up to 43 */
	fflush(r.f);
	chain_checkpoint(r.c); /* the one at seq 35 is saved as written */
	assert_non_null(strstr(read_all(st), "seq 35\n"));
	run_records(&r, 3); /* 36..46 are not signed */
	run_crash(&r);
	run_open(&r, file, st, 16);
	run_records(&r, 2);
	run_stop(&r);
	assert_non_null(strstr(read_all(file), "\"saved_seq\":35,\"reboot\":false"));
	struct chain_verify_result res;
	assert_int_equal(verify(file, &res), CHAIN_VERIFY_CRASH);
	/* the unsigned tail lost (or removed: the same to anyone): accepted */
	del_seq(file, 36, 46, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_CRASH);
	/* the saved signature record and what it covers removed: tampering */
	del_seq(file, 30, 46, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
	assert_non_null(strstr(res.why, "records removed"));
	assert_int_equal(res.line, 30); /* the restart record, now on line 30 */
	/* the saved signature record altered (its own signature fails first) */
	shell("sed '35s/\"reason\":\"block\"/\"reason\":\"stop\"/' %s > %s", file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
	assert_int_equal(res.line, 35);

	/* after a reboot the restart says so, and claims nothing */
	char file2[400], st2[400];
	path_of(file2, sizeof(file2), "ckpt2.json");
	path_of(st2, sizeof(st2), "ckpt2.state");
	run_open(&r, file2, st2, 16);
	run_records(&r, 40);
	chain_checkpoint(r.c);
	run_crash(&r);
	shell("sed -i 's/^boot .*/boot 00000000-0000-0000-0000-000000000000/' %s", st2);
	run_open(&r, file2, st2, 16);
	run_stop(&r);
	assert_non_null(strstr(read_all(file2), "\"saved_seq\":35,\"reboot\":true"));
	del_seq(file2, 30, 43, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_CRASH);
}

/* A record cut short by the crash, its line ended by the next run: accepted
 * before a restart record, and only there. */
static void test_cut_record(void **s)
{
	(void)s;
	char file[400], st[400], bad[400];
	path_of(file, sizeof(file), "cut.json");
	path_of(st, sizeof(st), "cut.state");
	path_of(bad, sizeof(bad), "cut-bad.json");
	struct run r;
	run_open(&r, file, st, 16);
	run_records(&r, 20);
	fprintf(r.f, "{\"timestamp\":\"2023-11-14T22:13:20.000001+0000\",\"event_type\":\"al\n");
	run_crash(&r);
	run_open(&r, file, st, 16);
	run_records(&r, 5);
	run_stop(&r);
	struct chain_verify_result res;
	assert_int_equal(verify(file, &res), CHAIN_VERIFY_CRASH);
	/* the same line elsewhere: not a record */
	shell("awk 'NR==5{print \"{\\\"timestamp\\\":\\\"x\"} 1' %s > %s", file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
	assert_int_equal(res.line, 5);
	assert_int_equal(res.first_line, 5);
}

/* ---- the state file ------------------------------------------------------------------------- */

static void test_state_file(void **s)
{
	(void)s;
	char file[400], st[400], st_lock[420];
	path_of(file, sizeof(file), "state.json");
	path_of(st, sizeof(st), "state.state");
	snprintf(st_lock, sizeof(st_lock), "%s.lock", st);
	/* format 1 ("SEQ HASH", at an orderly stop): the chain continues from it */
	FILE *f = fopen(st, "w");
	fprintf(f, "41 %s\n", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	fclose(f);
	struct run r;
	run_open(&r, file, st, 16);
	assert_false(chain_crashed(r.c));
	/* one sensor per state file */
	struct chain_config cc = { keyp, NULL, st, 16, 1000 };
	char err[256];
	assert_null(chain_open(&cc, err, sizeof(err)));
	assert_non_null(strstr(err, "in use by another running vigil"));
	run_records(&r, 3);
	run_stop(&r);
	char *all = read_all(file);
	assert_non_null(strstr(all, "\"first_seq\":42,\"last_seq\":41,"));
	assert_non_null(strstr(all, "\"seq\":42,\"prev\":\"00112233445566778899aabbccddeeff"));
	assert_non_null(strstr(read_all(st), "vigil-chain-state 2\nseq 46\nhash "));
	/* a file beginning at a start record other than seq 1 verifies */
	struct chain_verify_result res;
	assert_int_equal(verify(file, &res), CHAIN_VERIFY_OK);
	assert_int_equal(res.first_seq, 42);
	/* a corrupt state stops start-up instead of starting again at seq 1 */
	f = fopen(st, "w");
	fprintf(f, "vigil-chain-state 2\nseq 7\nhash nothex\n");
	fclose(f);
	assert_null(chain_open(&cc, err, sizeof(err)));
	assert_non_null(strstr(err, "corrupt signing state"));
}

/* ---- what verify accepts --------------------------------------------------------------------- */

static void one_run(const char *name, const char *stname, int n, uint32_t block, char *file, size_t cap)
{
	char st[400];
	path_of(file, cap, name);
	path_of(st, sizeof(st), stname);
	unlink(file);
	unlink(st);
	struct run r;
	run_open(&r, file, st, block);
	run_records(&r, n);
	run_stop(&r);
}

/* Every byte of a signature record is signed: the stop record's own
 * timestamp, a member added to it, a non-canonical spelling of its
 * signature; and a record swapped for its copy from another run. */
static void test_sig_own_bytes(void **s)
{
	(void)s;
	char file[400], bad[400];
	one_run("own.json", "own.state", 30, 8, file, sizeof(file));
	path_of(bad, sizeof(bad), "own-bad.json");
	struct chain_verify_result res;
	assert_int_equal(verify(file, &res), CHAIN_VERIFY_OK);
	static const char *const cases[] = {
		/* the last line's timestamp */
		"sed '$s/\"timestamp\":\"2023/\"timestamp\":\"2024/'",
		/* a member added to the last line */
		"sed '$s/\"reason\":\"stop\"/\"reason\":\"stop\",\"note\":\"x\"/'",
		/* its reason */
		"sed '$s/\"reason\":\"stop\"/\"reason\":\"block\"/'",
		/* the last base64 character's spare bits: the same signature bytes */
		"sed -E '$s/(\"sig\":\"[^\"]{85})A==/\\1B==/;"
		"$s/(\"sig\":\"[^\"]{85})Q==/\\1R==/;$s/(\"sig\":\"[^\"]{85})g==/\\1h==/;"
		"$s/(\"sig\":\"[^\"]{85})w==/\\1x==/'",
		/* a block signature's first_seq */
		"sed '10s/\"first_seq\":2,/\"first_seq\":3,/'",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		shell("%s < %s > %s", cases[i], file, bad);
		shell("! cmp -s %s %s", file, bad);
		print_message("  case %zu\n", i);
		assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
		assert_true(res.line >= 10);
	}
}

/* A duplicate is a resend only when it repeats records in their order from
 * a point not past where the stream was, and goes on up to the newest. */
static void test_resends(void **s)
{
	(void)s;
	char file[400], bad[400];
	one_run("dup.json", "dup.state", 60, 16, file, sizeof(file));
	path_of(bad, sizeof(bad), "dup-v.json");
	struct chain_verify_result res;
	/* the tail 20..30 resent after 30: accepted, counted */
	shell("(head -n 30 %s; sed -n '20,30p' %s; sed -n '31,$p' %s) > %s", file, file, file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_OK);
	assert_int_equal(res.resent, 11);
	assert_int_equal(res.resends, 1);
	/* broken again inside the resend, resent from further back */
	shell("(head -n 30 %s; sed -n '20,25p' %s; sed -n '15,30p' %s; sed -n '31,$p' %s) > %s", file,
	      file, file, file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_OK);
	assert_int_equal(res.resent, 22);
	assert_int_equal(res.resends, 2);
	/* a record copied 10 lines further on */
	shell("awk 'NR==20{c=$0} {print} NR==30{print c}' %s > %s", file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
	assert_int_equal(res.first_line, 31);
	assert_int_equal(res.line, 32);
	/* an old signature record placed later */
	shell("awk 'NR==18{c=$0} {print} NR==40{print c}' %s > %s", file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
	assert_int_equal(res.first_line, 41);
	/* a resend that skips a record */
	shell("(head -n 30 %s; sed -n '20,24p' %s; sed -n '26,30p' %s; sed -n '31,$p' %s) > %s", file,
	      file, file, file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
	assert_int_equal(res.line, 36);
	/* a resend starting ahead of where the stream is */
	shell("(head -n 30 %s; sed -n '20,22p' %s; sed -n '25,30p' %s; sed -n '31,$p' %s) > %s", file,
	      file, file, file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
	/* the input ends inside a resend (a replay appended); --open accepts it */
	uint64_t nl = nlines(file);
	shell("(cat %s; sed -n '10,20p' %s) > %s", file, file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
	assert_non_null(strstr(res.why, "ends inside a resend"));
	assert_int_equal(res.first_line, nl + 1);
	assert_int_equal(res.line, nl + 12);
	struct chain_verify_opts o = { .allow_open = true };
	assert_int_equal(verify_opts(bad, &o, &res), CHAIN_VERIFY_OK);
	/* the whole file again: a resend of all of it, within the window */
	shell("(cat %s; cat %s) > %s", file, file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_OK);
	assert_int_equal(res.resent, nl);
}

/* A series begins where a run begins, or where the operator says. */
static void test_series_start(void **s)
{
	(void)s;
	char file[400], bad[400];
	one_run("head.json", "head.state", 60, 16, file, sizeof(file));
	path_of(bad, sizeof(bad), "head-v.json");
	struct chain_verify_result res;
	/* the head cut right after a signature record (line 18, seq 18) */
	shell("sed '1,18d' %s > %s", file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
	assert_int_equal(res.line, 1);
	assert_int_equal(res.seq, 19);
	assert_non_null(strstr(res.why, "before seq 19 are missing"));
	struct chain_verify_opts o = { .from_seq_set = true, .from_seq = 19 };
	assert_int_equal(verify_opts(bad, &o, &res), CHAIN_VERIFY_OK);
	o.from_seq = 20;
	assert_int_equal(verify_opts(bad, &o, &res), CHAIN_VERIFY_BAD);
	struct chain_verify_opts any = { .any_start = true };
	assert_int_equal(verify_opts(bad, &any, &res), CHAIN_VERIFY_OK);
	/* and a head cut mid-block */
	shell("sed '1,7d' %s > %s", file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
	assert_int_equal(res.seq, 8);
}

/* Format 1 files (Vigil 0.1) verify, with a note; their known weakness
 * (the last line's own fields) is what format 2 closes. */
static void v1_line(FILE *f, uint64_t seq, char prev[CHAIN_HASH_HEX + 1], const char *body)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "%.*s,\"seq\":%llu,\"prev\":\"%s\"}", (int)strlen(body) - 1, body,
			 (unsigned long long)seq, prev);
	fprintf(f, "%s\n", line);
	chain_sha256_hex(line, (size_t)n, prev);
}

static void v1_sig(FILE *f, EVP_PKEY *k, const char *kid, const char *reason, uint64_t first,
		   uint64_t seq, char prev[CHAIN_HASH_HEX + 1])
{
	char msg[256], body[512];
	unsigned char sig[64];
	char b64[100];
	int ml = snprintf(msg, sizeof(msg), "vigil-sig1 %s %llu %llu %s", kid, (unsigned long long)first,
			  (unsigned long long)seq - 1, prev);
	size_t sl = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, k), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &sl, (unsigned char *)msg, (size_t)ml), 1);
	EVP_MD_CTX_free(md);
	EVP_EncodeBlock((unsigned char *)b64, sig, 64);
	snprintf(body, sizeof(body),
		 "{\"timestamp\":\"2023-11-14T22:13:20.000000+0000\",\"event_type\":\"signature\","
		 "\"signature\":{\"reason\":\"%s\",\"alg\":\"Ed25519\",\"key_id\":\"%s\",\"first_seq\":%llu,"
		 "\"last_seq\":%llu,\"sig\":\"%s\"}}",
		 reason, kid, (unsigned long long)first, (unsigned long long)seq - 1, b64);
	v1_line(f, seq, prev, body);
}

static void test_format1(void **s)
{
	(void)s;
	char file[400], bad[400];
	path_of(file, sizeof(file), "v1.json");
	path_of(bad, sizeof(bad), "v1-bad.json");
	FILE *kf = fopen(keyp, "r");
	EVP_PKEY *k = PEM_read_PrivateKey(kf, NULL, NULL, NULL);
	fclose(kf);
	assert_non_null(k);
	unsigned char raw[32];
	size_t rl = sizeof(raw);
	EVP_PKEY_get_raw_public_key(k, raw, &rl);
	char h[CHAIN_HASH_HEX + 1], kid[17];
	chain_sha256_hex(raw, rl, h);
	snprintf(kid, sizeof(kid), "%.16s", h);
	char prev[CHAIN_HASH_HEX + 1];
	memset(prev, '0', CHAIN_HASH_HEX);
	prev[CHAIN_HASH_HEX] = 0;
	FILE *f = fopen(file, "w");
	v1_sig(f, k, kid, "start", 1, 1, prev);
	for (uint64_t i = 2; i <= 9; i++)
		v1_line(f, i, prev, "{\"timestamp\":\"2023-11-14T22:13:20.000000+0000\",\"event_type\":\"alert\"}");
	v1_sig(f, k, kid, "block", 2, 10, prev);
	v1_line(f, 11, prev, "{\"timestamp\":\"2023-11-14T22:13:21.000000+0000\",\"event_type\":\"alert\"}");
	v1_sig(f, k, kid, "stop", 11, 12, prev);
	fclose(f);
	EVP_PKEY_free(k);
	struct chain_verify_result res;
	assert_int_equal(verify(file, &res), CHAIN_VERIFY_OK);
	assert_true(res.v1);
	assert_int_equal(res.signatures, 3);
	shell("sed '5s/alert/alerx/' %s > %s", file, bad);
	assert_int_equal(verify(bad, &res), CHAIN_VERIFY_BAD);
	assert_int_equal(res.first_line, 5);
}

/* The verifier reused (reset) gives the same verdicts; input from memory. */
static void test_verifier_reuse(void **s)
{
	(void)s;
	char file[400];
	one_run("reuse.json", "reuse.state", 20, 8, file, sizeof(file));
	char *all = strdup(read_all(file));
	char err[256];
	struct chain_verify_opts o = { 0 };
	struct chain_verifier *v = chain_verifier_new(pubp, &o, err, sizeof(err));
	assert_non_null(v);
	for (int round = 0; round < 3; round++) {
		chain_verifier_reset(v);
		chain_verifier_input(v, "mem");
		int lineno = 0;
		for (char *p = all, *e; (e = strchr(p, '\n')); p = e + 1) {
			lineno++;
			if (round == 1 && lineno == 7)
				continue; /* a record removed */
			chain_verifier_line(v, p, (size_t)(e - p), true);
		}
		struct chain_verify_result r;
		int st = chain_verifier_finish(v, &r);
		assert_int_equal(st, round == 1 ? CHAIN_VERIFY_BAD : CHAIN_VERIFY_OK);
		if (round == 1)
			assert_int_equal(r.line, 7);
	}
	chain_verifier_free(v);
	free(all);
	assert_null(chain_verifier_new("/nonexistent.pub", &o, err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_restart),
		cmocka_unit_test(test_checkpoint),
		cmocka_unit_test(test_cut_record),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_sig_own_bytes),
		cmocka_unit_test(test_resends),
		cmocka_unit_test(test_series_start),
		cmocka_unit_test(test_format1),
		cmocka_unit_test(test_verifier_reuse),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
