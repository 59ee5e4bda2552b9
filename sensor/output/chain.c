/* SPDX-License-Identifier: BSD-3-Clause */
/* SHA256_Init/Update/Final, deprecated in OpenSSL 3 but kept by it: the only
 * OpenSSL digest whose state is a plain struct that can be handed to another
 * thread by value (the record prehash), and it fetches nothing per call
 * (SHA256() fetches the algorithm from the provider every time: 1.0 us per
 * 850-byte record here, against 0.57 us). */
#define OPENSSL_SUPPRESS_DEPRECATED
/* Signed, hash-chained records: see chain.h. OpenSSL for SHA-256 and
 * Ed25519 (pure Ed25519: signatures are deterministic, so a replay writes
 * the same bytes every time). */
#include "output/chain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "output/eve.h"
#include "util/blk.h"
#include "util/jb.h"

struct chain {
	EVP_PKEY *key;
	EVP_PKEY *old_key;   /* pending rotation announcement */
	char key_id[17];
	char old_key_id[17];
	char state_path[4096];
	uint64_t seq;        /* of the last record written */
	char prev[CHAIN_HASH_HEX + 1];
	uint64_t block_first; /* first seq not yet covered by a signature */
	uint64_t block_start_us;
	uint32_t in_block;
	uint32_t block_records;
	uint64_t block_us;
	uint64_t signatures;
	time_t last_sync;
};

static const char zero_hash[CHAIN_HASH_HEX + 1] =
	"0000000000000000000000000000000000000000000000000000000000000000";

static void hex_digest(const unsigned char d[SHA256_DIGEST_LENGTH], char out[CHAIN_HASH_HEX + 1])
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[CHAIN_HASH_HEX] = 0;
}

static void final_hex(SHA256_CTX *x, char out[CHAIN_HASH_HEX + 1])
{
	unsigned char d[SHA256_DIGEST_LENGTH];
	SHA256_Final(d, x);
	hex_digest(d, out);
}

void chain_sha256_hex(const void *p, size_t n, char out[CHAIN_HASH_HEX + 1])
{
	SHA256_CTX x;
	SHA256_Init(&x);
	SHA256_Update(&x, p, n);
	final_hex(&x, out);
}

static int key_id_of(EVP_PKEY *k, char out[17])
{
	unsigned char raw[32];
	size_t n = sizeof(raw);
	if (EVP_PKEY_get_raw_public_key(k, raw, &n) != 1 || n != 32)
		return -1;
	char h[CHAIN_HASH_HEX + 1];
	chain_sha256_hex(raw, n, h);
	memcpy(out, h, 16);
	out[16] = 0;
	return 0;
}

static EVP_PKEY *load_private(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		snprintf(err, errlen, "%s: not an Ed25519 private key in PEM (make one with vigil keygen)",
			 path);
		return NULL;
	}
	return k;
}

static EVP_PKEY *load_public(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		snprintf(err, errlen, "%s: not an Ed25519 public key in PEM", path);
		return NULL;
	}
	return k;
}

/* base64 of an Ed25519 signature of msg; out >= 89 bytes */
static int sign_b64(EVP_PKEY *k, const char *msg, size_t n, char *out)
{
	unsigned char sig[64];
	size_t sl = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, k) == 1 &&
		 EVP_DigestSign(md, sig, &sl, (const unsigned char *)msg, n) == 1 && sl == 64;
	EVP_MD_CTX_free(md);
	if (!ok)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, sig, 64);
	return 0;
}

static bool verify_b64(EVP_PKEY *k, const char *msg, size_t n, const char *b64, size_t bl)
{
	unsigned char sig[96];
	if (bl != 88)
		return false;
	char tmp[89];
	memcpy(tmp, b64, 88);
	tmp[88] = 0;
	if (EVP_DecodeBlock(sig, (const unsigned char *)tmp, 88) != 66) /* 64 + 2 pad */
		return false;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
		  EVP_DigestVerify(md, sig, 64, (const unsigned char *)msg, n) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

/* ---- state ---------------------------------------------------------------- */

static int state_load(struct chain *c, char *err, size_t errlen)
{
	FILE *f = fopen(c->state_path, "r");
	if (!f) {
		if (errno == ENOENT) {
			c->seq = 0;
			memcpy(c->prev, zero_hash, sizeof(zero_hash));
			return 0;
		}
		snprintf(err, errlen, "%s: %s", c->state_path, strerror(errno));
		return -1;
	}
	unsigned long long s = 0;
	char h[CHAIN_HASH_HEX + 2];
	int n = fscanf(f, "%llu %65s", &s, h);
	fclose(f);
	if (n != 2 || strlen(h) != CHAIN_HASH_HEX || strspn(h, "0123456789abcdef") != CHAIN_HASH_HEX) {
		snprintf(err, errlen, "%s: corrupt signing state (expected \"SEQ SHA256\")", c->state_path);
		return -1;
	}
	c->seq = s;
	memcpy(c->prev, h, sizeof(c->prev));
	return 0;
}

/* Writes seq and the last hash (at most once a second of wall time, and
 * always with sync at stop): a crash loses at most a second of seq
 * numbers' persistence, which verify reports as a break in the chain. */
static void state_save(struct chain *c, bool sync)
{
	time_t now = time(NULL);
	if (!sync && now == c->last_sync)
		return;
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->state_path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	char line[128];
	int n = snprintf(line, sizeof(line), "%llu %s\n", (unsigned long long)c->seq, c->prev);
	bool ok = write(fd, line, (size_t)n) == n && fdatasync(fd) == 0;
	c->last_sync = now;
	close(fd);
	if (ok)
		rename(tmp, c->state_path);
}

/* ---- writing ---------------------------------------------------------------- */

struct chain *chain_open(const struct chain_config *cfg, char *err, size_t errlen)
{
	struct chain *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->key = load_private(cfg->key_path, err, errlen);
	if (!c->key)
		goto fail;
	if (key_id_of(c->key, c->key_id) < 0) {
		snprintf(err, errlen, "%s: cannot derive the public key", cfg->key_path);
		goto fail;
	}
	if (cfg->old_key_path) {
		c->old_key = load_private(cfg->old_key_path, err, errlen);
		if (!c->old_key || key_id_of(c->old_key, c->old_key_id) < 0)
			goto fail;
	}
	if (cfg->state_path)
		snprintf(c->state_path, sizeof(c->state_path), "%s", cfg->state_path);
	else
		snprintf(c->state_path, sizeof(c->state_path), "%s.state", cfg->key_path);
	if (state_load(c, err, errlen) < 0)
		goto fail;
	c->block_records = cfg->block_records ? cfg->block_records : 1024;
	c->block_us = (uint64_t)(cfg->block_ms ? cfg->block_ms : 1000) * 1000u;
	c->block_first = c->seq + 1;
	return c;
fail:
	EVP_PKEY_free(c->key);
	EVP_PKEY_free(c->old_key);
	free(c);
	return NULL;
}

void chain_free(struct chain *c)
{
	if (!c)
		return;
	state_save(c, true);
	EVP_PKEY_free(c->key);
	EVP_PKEY_free(c->old_key);
	free(c);
}

uint64_t chain_seq(const struct chain *c)
{
	return c->seq;
}

uint64_t chain_signatures(const struct chain *c)
{
	return c->signatures;
}

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((struct chain_prehash *)0)->state),
	       "chain_prehash.state too small for SHA256_CTX");

/* a record's length without trailing blanks, or 0 when it is not an object */
static size_t object_len(const char *json, size_t len)
{
	while (len && (json[len - 1] == '\n' || json[len - 1] == ' '))
		len--;
	if (len < 2 || json[0] != '{' || json[len - 1] != '}')
		return 0;
	return len;
}

void chain_prehash(struct chain_prehash *ph, const char *json, size_t len)
{
	ph->len = UINT64_MAX;
	len = object_len(json, len);
	if (!len)
		return;
	SHA256_CTX x;
	SHA256_Init(&x);
	SHA256_Update(&x, json, len - 1);
	memcpy(ph->state, &x, sizeof(x));
	ph->len = len - 1;
}

/* appends seq/prev to an object, hashes the result */
static size_t seal(struct chain *c, const char *json, size_t len, const struct chain_prehash *ph,
		   char *out, size_t cap)
{
	len = object_len(json, len);
	if (!len || len + CHAIN_LINE_EXTRA > cap)
		return 0;
	if (out != json) /* else sealed where it lies */
		memcpy(out, json, len - 1);
	size_t n = len - 1;
	/* ,"seq":N,"prev":"HASH"} without printf (CHAIN_LINE_EXTRA covers it) */
	if (len > 2)
		out[n++] = ',';
	memcpy(out + n, "\"seq\":", 6);
	n += 6;
	n += jb_format_uint(out + n, c->seq + 1);
	memcpy(out + n, ",\"prev\":\"", 9);
	n += 9;
	memcpy(out + n, c->prev, CHAIN_HASH_HEX);
	n += CHAIN_HASH_HEX;
	out[n++] = '"';
	out[n++] = '}';
	out[n] = 0;
	c->seq++;
	SHA256_CTX x;
	size_t from = 0;
	if (ph && ph->len == len - 1) {
		/* the record's bytes are hashed already: the appended tail only */
		blk_copy(&x, ph->state, sizeof(x)); /* no rep movs (blk.h) */
		from = len - 1;
	} else {
		SHA256_Init(&x);
	}
	SHA256_Update(&x, out + from, n - from);
	final_hex(&x, c->prev);
	return n;
}

size_t chain_record(struct chain *c, const char *json, size_t len, uint64_t ts_us, char *out,
		    size_t cap)
{
	return chain_record_pre(c, json, len, ts_us, NULL, out, cap);
}

size_t chain_record_pre(struct chain *c, const char *json, size_t len, uint64_t ts_us,
			const struct chain_prehash *ph, char *out, size_t cap)
{
	size_t n = seal(c, json, len, ph, out, cap);
	if (n) {
		if (c->in_block == 0)
			c->block_start_us = ts_us; /* the block's clock starts */
		c->in_block++;
	}
	return n;
}

bool chain_due(const struct chain *c, uint64_t now_us)
{
	if (!c->in_block)
		return false;
	return c->in_block >= c->block_records || now_us >= c->block_start_us + c->block_us;
}

static size_t sig_record(struct chain *c, EVP_PKEY *k, const char *kid, const char *reason,
			 uint64_t ts_us, const char *new_key, char *out, size_t cap)
{
	char msg[512];
	uint64_t first = c->block_first, last = c->seq;
	int ml = snprintf(msg, sizeof(msg), "vigil-sig1 %s %llu %llu %s%s%s", kid,
			  (unsigned long long)first, (unsigned long long)last, c->prev,
			  new_key ? " " : "", new_key ? new_key : "");
	char sig[96];
	if (sign_b64(k, msg, (size_t)ml, sig) < 0)
		return 0;
	char ts[40];
	eve_format_ts(ts, ts_us);
	char body[1024];
	int bl = snprintf(body, sizeof(body),
			  "{\"timestamp\":\"%s\",\"event_type\":\"signature\",\"signature\":{\"reason\":\"%s\","
			  "\"alg\":\"Ed25519\",\"key_id\":\"%s\",\"first_seq\":%llu,\"last_seq\":%llu,%s%s%s"
			  "\"sig\":\"%s\"}}",
			  ts, reason, kid, (unsigned long long)first, (unsigned long long)last,
			  new_key ? "\"new_key\":\"" : "", new_key ? new_key : "", new_key ? "\"," : "",
			  sig);
	if (bl <= 0 || (size_t)bl >= sizeof(body))
		return 0;
	size_t n = seal(c, body, (size_t)bl, NULL, out, cap);
	if (!n)
		return 0;
	c->signatures++;
	c->block_first = c->seq + 1;
	c->in_block = 0;
	state_save(c, false);
	return n;
}

size_t chain_signature(struct chain *c, const char *reason, uint64_t ts_us, char *out, size_t cap)
{
	size_t n = sig_record(c, c->key, c->key_id, reason, ts_us, NULL, out, cap);
	if (strcmp(reason, "stop") == 0)
		state_save(c, true);
	return n;
}

size_t chain_pending(struct chain *c, uint64_t ts_us, char *out, size_t cap)
{
	if (!c->old_key)
		return 0;
	unsigned char raw[32];
	size_t rl = sizeof(raw);
	char nk[64];
	if (EVP_PKEY_get_raw_public_key(c->key, raw, &rl) != 1)
		return 0;
	EVP_EncodeBlock((unsigned char *)nk, raw, (int)rl);
	size_t n = sig_record(c, c->old_key, c->old_key_id, "rotate", ts_us, nk, out, cap);
	EVP_PKEY_free(c->old_key);
	c->old_key = NULL;
	return n;
}

/* ---- keygen ------------------------------------------------------------------- */

int chain_keygen(const char *dir, char *err, size_t errlen)
{
	char kp[4096], pp[4096];
	snprintf(kp, sizeof(kp), "%s/vigil.key", dir);
	snprintf(pp, sizeof(pp), "%s/vigil.pub", dir);
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		if (errno != ENOENT || mkdir(dir, 0700) != 0) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			return -1;
		}
	} else if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	if (access(kp, F_OK) == 0 || access(pp, F_OK) == 0) {
		snprintf(err, errlen, "%s: a key pair is already there; not overwriting it", dir);
		return -1;
	}
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!k) {
		snprintf(err, errlen, "cannot generate an Ed25519 key");
		return -1;
	}
	int rc = -1;
	int fd = open(kp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(err, errlen, "%s: %s", kp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f) != 0) {
		snprintf(err, errlen, "%s: write failed", kp);
		goto out;
	}
	fd = open(pp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		snprintf(err, errlen, "%s: %s", pp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (PEM_write_PUBKEY(f, k) != 1 || fclose(f) != 0) {
		snprintf(err, errlen, "%s: write failed", pp);
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(k);
	return rc;
}

/* ---- verify ------------------------------------------------------------------- */

/* "key":"value" or "key":number inside s (first occurrence after from) */
static const char *find_member(const char *s, size_t n, const char *key, size_t *vlen)
{
	char pat[64];
	int pl = snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = memmem(s, n, pat, (size_t)pl);
	if (!p)
		return NULL;
	p += pl;
	const char *end = s + n;
	if (p < end && *p == '"') {
		p++;
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return NULL;
		*vlen = (size_t)(q - p);
		return p;
	}
	const char *q = p;
	while (q < end && *q >= '0' && *q <= '9')
		q++;
	*vlen = (size_t)(q - p);
	return q > p ? p : NULL;
}

#define DUP_WINDOW 65536

struct vstate {
	EVP_PKEY *key;
	char key_id[17];
	uint64_t last_seq, first_seen;
	bool started;
	char last_hash[CHAIN_HASH_HEX + 1];
	uint64_t covered;  /* highest seq covered by a valid signature */
	bool last_is_stop;
	uint64_t records, dups, sigs, skipped;
	/* hashes of recent records, for recognising resent duplicates */
	uint64_t *dup_seq;
	char (*dup_hash)[CHAIN_HASH_HEX + 1];
	const char *file;
	uint64_t line;
};

static int bad(const struct vstate *v, const char *what, uint64_t seq)
{
	printf("%s:%llu: seq %llu: %s\n", v->file, (unsigned long long)v->line,
	       (unsigned long long)seq, what);
	return 1;
}

/* One record (the JSON object of a line). 0 ok, 1 bad. */
static int verify_record(struct vstate *v, const char *j, size_t n)
{
	/* the tail: ,"seq":N,"prev":"H"} */
	if (n < 90 || j[n - 1] != '}' || j[n - 2] != '"')
		return bad(v, "not a chained record (no seq/prev at its end): inserted or altered", 0);
	const char *ph = j + n - 2 - CHAIN_HASH_HEX;
	if (memcmp(ph - 9, ",\"prev\":\"", 9) != 0)
		return bad(v, "not a chained record (no prev at its end): inserted or altered", 0);
	const char *sp = ph - 9;
	const char *q = sp;
	while (q > j && q[-1] >= '0' && q[-1] <= '9')
		q--;
	if (q - j < 7 || memcmp(q - 6, "\"seq\":", 6) != 0)
		return bad(v, "not a chained record (no seq at its end): inserted or altered", 0);
	uint64_t seq = strtoull(q, NULL, 10);
	char h[CHAIN_HASH_HEX + 1];
	chain_sha256_hex(j, n, h);
	size_t slot = seq % DUP_WINDOW;
	if (v->started && seq <= v->last_seq) {
		/* a resent copy (syslog reconnect) is the same bytes again */
		if (v->dup_seq[slot] == seq && strcmp(v->dup_hash[slot], h) == 0) {
			v->dups++;
			return 0;
		}
		if (v->dup_seq[slot] == seq)
			return bad(v, "a second copy of this record with other bytes: altered", seq);
		return bad(v, "out of order: reordered or inserted", seq);
	}
	if (v->started && seq != v->last_seq + 1) {
		char why[128];
		snprintf(why, sizeof(why),
			 "expected seq %llu: records %llu..%llu removed, or this record inserted or moved",
			 (unsigned long long)v->last_seq + 1, (unsigned long long)v->last_seq + 1,
			 (unsigned long long)seq - 1);
		return bad(v, why, seq);
	}
	if (v->started && memcmp(ph, v->last_hash, CHAIN_HASH_HEX) != 0) {
		char why[160];
		snprintf(why, sizeof(why),
			 "hash chain broken: record %llu was altered, or this record was forged",
			 (unsigned long long)v->last_seq);
		return bad(v, why, seq);
	}
	/* a signature record */
	size_t el;
	const char *et = find_member(j, n, "event_type", &el);
	if (et && el == 9 && memcmp(et, "signature", 9) == 0) {
		size_t kl, fl, ll, gl, rl, nl = 0;
		const char *kid = find_member(j, n, "key_id", &kl);
		const char *fs = find_member(j, n, "first_seq", &fl);
		const char *ls = find_member(j, n, "last_seq", &ll);
		const char *sg = find_member(j, n, "sig", &gl);
		const char *rs = find_member(j, n, "reason", &rl);
		const char *nk = find_member(j, n, "new_key", &nl);
		if (!kid || !fs || !ls || !sg || !rs || kl != 16)
			return bad(v, "a signature record without its members: forged", seq);
		if (memcmp(kid, v->key_id, 16) != 0)
			return bad(v, "signed with a key that is not the one given (nor announced by it): forged",
				   seq);
		uint64_t first = strtoull(fs, NULL, 10), last = strtoull(ls, NULL, 10);
		if (first < v->first_seen && v->first_seen != seq)
			return bad(v, "the records before the first one given, in this signed block, are "
				      "missing: removed", seq);
		if (last != seq - 1 || first > seq)
			return bad(v, "a signature record whose range is not the records before it: forged",
				   seq);
		char msg[512];
		int ml = snprintf(msg, sizeof(msg), "vigil-sig1 %.16s %llu %llu %.64s%s%.*s", kid,
				  (unsigned long long)first, (unsigned long long)last, ph, nk ? " " : "",
				  nk ? (int)nl : 0, nk ? nk : "");
		if (!verify_b64(v->key, msg, (size_t)ml, sg, gl))
			return bad(v, "signature does not verify: forged, or a record it covers was altered",
				   seq);
		v->sigs++;
		v->covered = seq;
		v->last_is_stop = rl == 4 && memcmp(rs, "stop", 4) == 0;
		if (nk && rl == 6 && memcmp(rs, "rotate", 6) == 0) {
			unsigned char raw[48];
			char tmp[64];
			if (nl != 44)
				return bad(v, "a rotation record with a malformed new key", seq);
			memcpy(tmp, nk, 44);
			tmp[44] = 0;
			if (EVP_DecodeBlock(raw, (unsigned char *)tmp, 44) != 33)
				return bad(v, "a rotation record with a malformed new key", seq);
			EVP_PKEY *k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
			if (!k)
				return bad(v, "a rotation record with a malformed new key", seq);
			EVP_PKEY_free(v->key);
			v->key = k;
			key_id_of(k, v->key_id);
		}
	} else {
		v->last_is_stop = false;
		v->records++;
	}
	if (!v->started)
		v->first_seen = seq;
	v->started = true;
	v->last_seq = seq;
	memcpy(v->last_hash, h, sizeof(v->last_hash));
	v->dup_seq[slot] = seq;
	memcpy(v->dup_hash[slot], h, sizeof(h));
	return 0;
}

int chain_verify(const char *pub_path, char *const *files, int n_files, bool allow_open)
{
	char err[512];
	struct vstate v;
	memset(&v, 0, sizeof(v));
	v.key = load_public(pub_path, err, sizeof(err));
	if (!v.key) {
		fprintf(stderr, "vigil verify: %s\n", err);
		return 2;
	}
	key_id_of(v.key, v.key_id);
	v.dup_seq = calloc(DUP_WINDOW, sizeof(*v.dup_seq));
	v.dup_hash = calloc(DUP_WINDOW, sizeof(*v.dup_hash));
	if (!v.dup_seq || !v.dup_hash) {
		fprintf(stderr, "vigil verify: out of memory\n");
		free(v.dup_seq);
		free(v.dup_hash);
		EVP_PKEY_free(v.key);
		return 2;
	}
	int rc = 0;
	char *line = NULL;
	size_t cap = 0;
	for (int i = 0; i < n_files && rc == 0; i++) {
		FILE *f = strcmp(files[i], "-") == 0 ? stdin : fopen(files[i], "r");
		if (!f) {
			fprintf(stderr, "vigil verify: %s: %s\n", files[i], strerror(errno));
			rc = 2;
			break;
		}
		v.file = files[i];
		v.line = 0;
		ssize_t got;
		while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
			v.line++;
			size_t n = (size_t)got;
			if (n && line[n - 1] != '\n') {
				/* the last line has no end: the file was cut */
				printf("%s:%llu: the last record is cut short: truncated\n", v.file,
				       (unsigned long long)v.line);
				rc = 1;
				break;
			}
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				n--;
			/* what a SIEM wrote: a syslog header before the record */
			const char *j = memchr(line, '{', n);
			if (!j) {
				if (n)
					v.skipped++;
				continue;
			}
			rc = verify_record(&v, j, n - (size_t)(j - line));
		}
		if (f != stdin)
			fclose(f);
	}
	free(line);
	if (rc == 0 && !v.started) {
		printf("no chained record found\n");
		rc = 1;
	} else if (rc == 0 && v.covered != v.last_seq) {
		printf("%s: records %llu..%llu are not covered by a signature: truncated%s\n", v.file,
		       (unsigned long long)v.covered + 1, (unsigned long long)v.last_seq,
		       allow_open ? " (or still being written)" : "");
		rc = allow_open ? 0 : 1;
	} else if (rc == 0 && !v.last_is_stop && !allow_open) {
		printf("%s: the last signature is not a stop record: truncated after seq %llu (or the "
		       "sensor is still running: --open accepts that)\n",
		       v.file, (unsigned long long)v.last_seq);
		rc = 1;
	}
	if (rc == 0)
		printf("ok: %llu records and %llu signatures verified (seq %llu..%llu), %llu resent "
		       "duplicates, %llu other lines skipped\n",
		       (unsigned long long)v.records, (unsigned long long)v.sigs,
		       (unsigned long long)v.first_seen, (unsigned long long)v.last_seq,
		       (unsigned long long)v.dups,
		       (unsigned long long)v.skipped);
	free(v.dup_seq);
	free(v.dup_hash);
	EVP_PKEY_free(v.key);
	return rc;
}
