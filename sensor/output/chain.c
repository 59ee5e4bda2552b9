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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "output/eve.h"
#include "output/sink.h"
#include "util/blk.h"
#include "util/jb.h"

#define SIG_B64 88            /* base64 of a 64-byte Ed25519 signature */
#define KEY_B64 44            /* base64 of a 32-byte public key */
#define SIG2_DOMAIN "vigil-sig2\n"
#define RESERVE_MIN 4096u     /* seq numbers reserved at a time, at least */
#define RESERVE_MAX (1u << 20)

struct chain {
	EVP_PKEY *key;
	EVP_PKEY *old_key;   /* pending rotation announcement */
	char key_id[17];
	char old_key_id[17];
	char state_path[4096];
	int lock_fd;         /* flock'd: one sensor per state file */
	int dir_fd;          /* the state file's directory (fsync after rename) */
	char boot[40];       /* this machine's boot id, "-" when unknown */
	uint64_t seq;        /* of the last record written */
	char prev[CHAIN_HASH_HEX + 1];
	uint64_t block_first; /* first seq not yet covered by a signature */
	uint64_t block_start_us;
	uint32_t in_block;
	uint32_t block_records;
	uint64_t block_us;
	uint64_t signatures;
	/* durability (see chain.h) */
	uint64_t reserved;   /* seq numbers up to this one are reserved on disk */
	uint64_t chunk;      /* reserved at a time: doubles while it runs out fast */
	time_t last_reserve;
	uint64_t sig_seq;    /* the last signature record and its hash */
	char sig_hash[CHAIN_HASH_HEX + 1];
	uint64_t saved_seq;  /* the checkpoint in the state file */
	char saved_hash[CHAIN_HASH_HEX + 1];
	time_t last_ckpt;
	bool save_warned;
	/* how this run began */
	bool crashed;        /* the previous run did not stop in order */
	bool reboot;         /* ... and the machine restarted since (or unknown) */
	bool begun;
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

static void sha256_raw(const void *p, size_t n, unsigned char out[SHA256_DIGEST_LENGTH])
{
	SHA256_CTX x;
	SHA256_Init(&x);
	SHA256_Update(&x, p, n);
	SHA256_Final(out, &x);
}

static bool is_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* 64 lower-case hex digits (checked) to 32 bytes */
static void unhex32(const char *p, unsigned char out[32])
{
	for (int i = 0; i < 32; i++) {
		int a = p[2 * i], b = p[2 * i + 1];
		a = a <= '9' ? a - '0' : a - 'a' + 10;
		b = b <= '9' ? b - '0' : b - 'a' + 10;
		out[i] = (unsigned char)(a << 4 | b);
	}
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

/* base64 of an Ed25519 signature of msg; out >= SIG_B64 + 1 bytes */
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

/* Decodes exactly `raw` bytes from n base64 characters, and only from their
 * canonical spelling (the spare bits of the last character zero, the
 * padding exact): any other spelling of the same bytes is refused, so that
 * no byte of a signed record can change unnoticed. */
static bool b64_canonical(const char *b64, size_t n, unsigned char *raw, size_t rawlen)
{
	char tmp[96];
	unsigned char dec[72], enc[100];
	if (n >= sizeof(tmp) || rawlen > 64 || n != 4 * ((rawlen + 2) / 3))
		return false;
	memcpy(tmp, b64, n);
	tmp[n] = 0;
	int dl = EVP_DecodeBlock(dec, (const unsigned char *)tmp, (int)n);
	if (dl != (int)(3 * (n / 4)))
		return false;
	EVP_EncodeBlock(enc, dec, (int)rawlen);
	if (memcmp(enc, b64, n) != 0)
		return false;
	memcpy(raw, dec, rawlen);
	return true;
}

static bool verify_b64(EVP_PKEY *k, const char *msg, size_t n, const char *b64, size_t bl)
{
	unsigned char sig[64];
	if (bl != SIG_B64 || !b64_canonical(b64, bl, sig, sizeof(sig)))
		return false;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) == 1 &&
		  EVP_DigestVerify(md, sig, 64, (const unsigned char *)msg, n) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

/* ---- state ---------------------------------------------------------------- */

/*
 * The state file, replaced whole (written, fdatasync'd, renamed over the
 * old one, its directory fsync'd):
 *     vigil-chain-state 2
 *     seq Q            the last checkpoint (a signature record the sinks had)
 *     hash H           its hash
 *     reserved R       seq numbers up to R may have been used
 *     status running   or stopped (then Q is the last record, R = Q)
 *     boot ID          the machine's boot id when it was written
 * Format 1 was one line "SEQ HASH", written at an orderly stop: read as
 * stopped.
 */
struct saved_state {
	uint64_t seq, reserved;
	char hash[CHAIN_HASH_HEX + 1];
	bool running;
	char boot[40];
};

static void read_boot_id(char out[40])
{
	snprintf(out, 40, "-");
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (!f)
		return;
	char b[64];
	if (fgets(b, sizeof(b), f)) {
		b[strcspn(b, "\n")] = 0;
		size_t n = strlen(b);
		if (n && n < 40 && strspn(b, "0123456789abcdef-") == n)
			memcpy(out, b, n + 1);
	}
	fclose(f);
}

static int state_load(const char *path, struct saved_state *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->hash, zero_hash, sizeof(zero_hash));
	snprintf(s->boot, sizeof(s->boot), "-");
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0; /* a new sensor: seq 1 comes first */
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char buf[1024];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	unsigned long long a = 0, r = 0;
	char h[CHAIN_HASH_HEX + 2], st[16], boot[64];
	bool ok;
	if (strncmp(buf, "vigil-chain-state 2\n", 20) == 0) {
		ok = sscanf(buf + 20, "seq %llu hash %65s reserved %llu status %15s boot %63s", &a, h, &r,
			    st, boot) == 5 &&
		     (strcmp(st, "running") == 0 || strcmp(st, "stopped") == 0) && r >= a &&
		     strlen(boot) < sizeof(s->boot);
		if (ok) {
			s->running = strcmp(st, "running") == 0;
			memcpy(s->boot, boot, strlen(boot) + 1);
		}
	} else {
		ok = sscanf(buf, "%llu %65s", &a, h) == 2;
		r = a;
	}
	if (!ok || strlen(h) != CHAIN_HASH_HEX || !is_hex(h, CHAIN_HASH_HEX)) {
		snprintf(err, errlen,
			 "%s: corrupt signing state (a new file makes seq start at 1 again: "
			 "restore it rather than remove it)",
			 path);
		return -1;
	}
	s->seq = a;
	s->reserved = r;
	memcpy(s->hash, h, sizeof(s->hash));
	return 0;
}

/* 0, or -1 with errno */
static int state_write(struct chain *c, bool running)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->state_path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	char line[512];
	int n = snprintf(line, sizeof(line),
			 "vigil-chain-state 2\nseq %llu\nhash %s\nreserved %llu\nstatus %s\nboot %s\n",
			 (unsigned long long)c->saved_seq, c->saved_hash,
			 (unsigned long long)c->reserved, running ? "running" : "stopped", c->boot);
	bool ok = write(fd, line, (size_t)n) == n && fdatasync(fd) == 0;
	int e = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (ok && rename(tmp, c->state_path) != 0) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (c->dir_fd >= 0)
		fsync(c->dir_fd); /* the rename itself survives a power loss */
	return 0;
}

/* Moves the reserved bound up (the state written before any seq above the
 * old bound is used). Runs every `chunk` records; the chunk doubles while
 * that is more often than once a second. */
static void reserve_more(struct chain *c)
{
	time_t now = time(NULL);
	if (now - c->last_reserve < 1 && c->chunk < RESERVE_MAX)
		c->chunk *= 2;
	else if (now - c->last_reserve > 10 && c->chunk > RESERVE_MIN)
		c->chunk /= 2;
	c->last_reserve = now;
	c->reserved = c->seq + c->chunk;
	if (state_write(c, true) < 0 && !c->save_warned) {
		fprintf(stderr,
			"vigil: %s: cannot save the signing state (%s): after a crash, seq numbers "
			"could be used twice\n",
			c->state_path, strerror(errno));
		c->save_warned = true;
	}
}

/* ---- writing ---------------------------------------------------------------- */

static void chain_release(struct chain *c)
{
	EVP_PKEY_free(c->key);
	EVP_PKEY_free(c->old_key);
	if (c->lock_fd >= 0)
		close(c->lock_fd); /* and the lock with it */
	if (c->dir_fd >= 0)
		close(c->dir_fd);
	free(c);
}

struct chain *chain_open(const struct chain_config *cfg, char *err, size_t errlen)
{
	struct chain *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->lock_fd = c->dir_fd = -1;
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

	/* two sensors on one state would use the same seq numbers */
	char lp[4200];
	snprintf(lp, sizeof(lp), "%s.lock", c->state_path);
	c->lock_fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c->lock_fd < 0) {
		snprintf(err, errlen, "%s: %s", lp, strerror(errno));
		goto fail;
	}
	if (flock(c->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "%s: the signing state is in use by another running vigil", c->state_path);
		goto fail;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", c->state_path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = 0;
	c->dir_fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	read_boot_id(c->boot);

	struct saved_state s;
	if (state_load(c->state_path, &s, err, errlen) < 0)
		goto fail;
	c->saved_seq = c->sig_seq = s.seq;
	memcpy(c->saved_hash, s.hash, sizeof(s.hash));
	memcpy(c->sig_hash, s.hash, sizeof(s.hash));
	memcpy(c->prev, s.hash, sizeof(s.hash));
	if (s.running) {
		/* the previous run crashed: continue above all it may have used;
		 * the restart record chains to its last checkpoint */
		c->crashed = true;
		c->reboot = strcmp(s.boot, c->boot) != 0 || strcmp(c->boot, "-") == 0;
		c->seq = s.reserved;
	} else {
		c->seq = s.seq;
	}
	c->chunk = RESERVE_MIN;
	c->reserved = c->seq + c->chunk;
	c->last_reserve = c->last_ckpt = time(NULL);
	if (state_write(c, true) < 0) {
		snprintf(err, errlen, "%s: cannot write the signing state: %s", c->state_path,
			 strerror(errno));
		goto fail;
	}
	c->block_records = cfg->block_records ? cfg->block_records : 1024;
	c->block_us = (uint64_t)(cfg->block_ms ? cfg->block_ms : 1000) * 1000u;
	c->block_first = c->seq + 1;
	return c;
fail:
	chain_release(c);
	return NULL;
}

void chain_free(struct chain *c)
{
	if (!c)
		return;
	/* a run that crashed and then wrote nothing leaves the state as it
	 * is: the next one still owes the restart record */
	if (!(c->crashed && !c->begun)) {
		c->saved_seq = c->seq;
		memcpy(c->saved_hash, c->prev, sizeof(c->prev));
		c->reserved = c->seq;
		if (state_write(c, false) < 0)
			fprintf(stderr, "vigil: %s: cannot save the signing state: %s\n", c->state_path,
				strerror(errno));
	}
	chain_release(c);
}

void chain_free_crashed(struct chain *c)
{
	if (c)
		chain_release(c);
}

bool chain_crashed(const struct chain *c)
{
	return c->crashed;
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

/* Appends ,"seq":N,"prev":"HASH"} to the open object out[0..n) (empty: it
 * has no member yet) and takes the seq, reserving more first when needed;
 * the new length. CHAIN_LINE_EXTRA covers it; no printf. */
static size_t put_tail(struct chain *c, char *out, size_t n, bool empty)
{
	if (c->seq >= c->reserved)
		reserve_more(c);
	if (!empty)
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
	return n;
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
	size_t n = put_tail(c, out, len - 1, len == 2);
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

/* A format 2 signature record (chain.h): built with a placeholder where the
 * signature goes, sealed, signed over all of its bytes but the
 * placeholder's, the signature put in, then hashed for the chain. extra:
 * members before "sig" (each with its leading comma), or "". */
static size_t sig_record(struct chain *c, EVP_PKEY *k, const char *kid, const char *reason,
			 uint64_t ts_us, const char *extra, char *out, size_t cap)
{
	if (cap < CHAIN_SIG_MAX)
		return 0;
	char ts[40];
	eve_format_ts(ts, ts_us);
	int bl = snprintf(out, cap,
			  "{\"timestamp\":\"%s\",\"event_type\":\"signature\",\"signature\":{\"v\":2,"
			  "\"reason\":\"%s\",\"alg\":\"Ed25519\",\"key_id\":\"%s\",\"first_seq\":%llu,"
			  "\"last_seq\":%llu%s,\"sig\":\"",
			  ts, reason, kid, (unsigned long long)c->block_first,
			  (unsigned long long)c->seq, extra);
	if (bl <= 0 || (size_t)bl + SIG_B64 + 2 + CHAIN_LINE_EXTRA > CHAIN_SIG_MAX)
		return 0;
	size_t so = (size_t)bl;
	memset(out + so, 'A', SIG_B64);
	size_t n = so + SIG_B64;
	out[n++] = '"';
	out[n++] = '}';
	n = put_tail(c, out, n, false);
	char msg[CHAIN_SIG_MAX + sizeof(SIG2_DOMAIN)];
	size_t dl = sizeof(SIG2_DOMAIN) - 1;
	memcpy(msg, SIG2_DOMAIN, dl);
	memcpy(msg + dl, out, so);
	memcpy(msg + dl + so, out + so + SIG_B64, n - so - SIG_B64);
	char sig[SIG_B64 + 4];
	if (sign_b64(k, msg, dl + n - SIG_B64, sig) < 0)
		return 0;
	memcpy(out + so, sig, SIG_B64);
	chain_sha256_hex(out, n, c->prev);
	c->sig_seq = c->seq;
	memcpy(c->sig_hash, c->prev, sizeof(c->prev));
	c->signatures++;
	c->block_first = c->seq + 1;
	c->in_block = 0;
	return n;
}

size_t chain_begin(struct chain *c, uint64_t ts_us, char *out, size_t cap)
{
	char extra[96] = "";
	if (c->crashed)
		snprintf(extra, sizeof(extra), ",\"saved_seq\":%llu,\"reboot\":%s",
			 (unsigned long long)c->saved_seq, c->reboot ? "true" : "false");
	/* with a rotation pending, the old key signs the start as well as the
	 * announcement: a verifier knows only the old key there */
	EVP_PKEY *k = c->old_key ? c->old_key : c->key;
	const char *kid = c->old_key ? c->old_key_id : c->key_id;
	size_t n = sig_record(c, k, kid, c->crashed ? "restart" : "start", ts_us, extra, out, cap);
	if (n)
		c->begun = true;
	return n;
}

size_t chain_signature(struct chain *c, const char *reason, uint64_t ts_us, char *out, size_t cap)
{
	return sig_record(c, c->key, c->key_id, reason, ts_us, "", out, cap);
}

size_t chain_pending(struct chain *c, uint64_t ts_us, char *out, size_t cap)
{
	if (!c->old_key)
		return 0;
	unsigned char raw[32];
	size_t rl = sizeof(raw);
	char nk[64], extra[96];
	if (EVP_PKEY_get_raw_public_key(c->key, raw, &rl) != 1)
		return 0;
	EVP_EncodeBlock((unsigned char *)nk, raw, (int)rl);
	snprintf(extra, sizeof(extra), ",\"new_key\":\"%s\"", nk);
	size_t n = sig_record(c, c->old_key, c->old_key_id, "rotate", ts_us, extra, out, cap);
	EVP_PKEY_free(c->old_key);
	c->old_key = NULL;
	return n;
}

bool chain_checkpoint_due(const struct chain *c)
{
	return c->sig_seq != c->saved_seq && time(NULL) > c->last_ckpt;
}

void chain_checkpoint(struct chain *c)
{
	c->saved_seq = c->sig_seq;
	memcpy(c->saved_hash, c->sig_hash, sizeof(c->sig_hash));
	c->last_ckpt = time(NULL);
	if (state_write(c, true) < 0 && !c->save_warned) {
		fprintf(stderr, "vigil: %s: cannot save the signing state: %s\n", c->state_path,
			strerror(errno));
		c->save_warned = true;
	}
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

/* ---- verify: reading records ---------------------------------------------------- */

/* The tail ,"seq":N,"prev":"H"} of a chained record (N in canonical
 * decimal): seq, and where H is; false when the record has none. */
static bool parse_tail(const char *j, size_t n, uint64_t *seq, const char **hash, const char **seqkey)
{
	if (n < 2 + 6 + 1 + 9 + CHAIN_HASH_HEX + 2 || j[0] != '{' || j[n - 1] != '}' || j[n - 2] != '"')
		return false;
	const char *h = j + n - 2 - CHAIN_HASH_HEX;
	if (memcmp(h - 9, ",\"prev\":\"", 9) != 0 || !is_hex(h, CHAIN_HASH_HEX))
		return false;
	const char *e = h - 9, *q = e;
	while (q > j && q[-1] >= '0' && q[-1] <= '9')
		q--;
	if (q == e || e - q > 20 || (*q == '0' && e - q > 1) || q - j < 7 ||
	    memcmp(q - 6, "\"seq\":", 6) != 0 || (q[-7] != ',' && q - 7 != j))
		return false;
	uint64_t s = 0;
	for (const char *p = q; p < e; p++) {
		if (s > (UINT64_MAX - 9) / 10)
			return false;
		s = s * 10 + (uint64_t)(*p - '0');
	}
	if (!s)
		return false;
	*seq = s;
	*hash = h;
	*seqkey = q - 6;
	return true;
}

/* a strict reader over a record's bytes */
struct rd {
	const char *p, *e;
	bool ok;
};

static bool rd_lit(struct rd *r, const char *s)
{
	size_t n = strlen(s);
	if (!r->ok || (size_t)(r->e - r->p) < n || memcmp(r->p, s, n) != 0)
		return r->ok = false;
	r->p += n;
	return true;
}

/* the literal if it is next: true and past it; false and nothing read */
static bool rd_opt(struct rd *r, const char *s)
{
	size_t n = strlen(s);
	if (r->ok && (size_t)(r->e - r->p) >= n && memcmp(r->p, s, n) == 0) {
		r->p += n;
		return true;
	}
	return false;
}

static uint64_t rd_num(struct rd *r)
{
	uint64_t v = 0;
	const char *s = r->p;
	while (r->ok && r->p < r->e && *r->p >= '0' && *r->p <= '9' && r->p - s < 20) {
		v = v * 10 + (uint64_t)(*r->p - '0');
		r->p++;
	}
	if (r->p == s || (*s == '0' && r->p - s > 1) || (r->p < r->e && *r->p >= '0' && *r->p <= '9'))
		r->ok = false;
	return v;
}

/* n characters of a class: 'h' lower hex, 'b' base64, 'a' a-z (n: at most) */
static const char *rd_chars(struct rd *r, size_t n, char cls, size_t *got)
{
	const char *s = r->p;
	while (r->ok && r->p < r->e && (size_t)(r->p - s) < n) {
		char ch = *r->p;
		bool in = cls == 'h' ? ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))
			  : cls == 'a' ? (ch >= 'a' && ch <= 'z')
				       : ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
					  (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '=');
		if (!in)
			break;
		r->p++;
	}
	*got = (size_t)(r->p - s);
	if (cls != 'a' && *got != n)
		r->ok = false;
	if (cls == 'a' && *got == 0)
		r->ok = false;
	return s;
}

enum { REC_PLAIN = 0, REC_SIG1 = 1, REC_SIG2 = 2, REC_SIG_BAD = -1 };

struct sigrec {
	char reason[16];
	const char *kid;     /* 16 hex */
	uint64_t first, last;
	bool has_saved;
	uint64_t saved;
	bool reboot;
	const char *nk;      /* new_key (44) or NULL */
	const char *sig;     /* 88 */
	size_t sig_off;      /* of sig in the record */
};

static bool reason_is(const struct sigrec *s, const char *r)
{
	return strcmp(s->reason, r) == 0;
}

/* "key":"value" or "key":number inside s (the first occurrence): format 1 */
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

/* Which kind of record: a signature record is the one that begins
 * {"timestamp":"T","event_type":"signature","signature":{ (every record
 * starts with its timestamp, and a string inside a record cannot hold an
 * unescaped quote). Format 2 is read strictly, member by member, up to the
 * seq of the tail (seqkey). */
static int classify(const char *j, size_t n, const char *seqkey, struct sigrec *s)
{
	struct rd r = { j, j + n, true };
	if (!rd_lit(&r, "{\"timestamp\":\""))
		return REC_PLAIN;
	const char *q = memchr(r.p, '"', (size_t)(r.e - r.p) < 64 ? (size_t)(r.e - r.p) : 64);
	if (!q)
		return REC_PLAIN;
	r.p = q;
	if (!rd_lit(&r, "\",\"event_type\":\"signature\",\"signature\":{"))
		return REC_PLAIN;
	memset(s, 0, sizeof(*s));
	if (rd_opt(&r, "\"reason\":")) {
		/* format 1 */
		size_t rl, kl, fl, ll, gl, nl = 0;
		const char *rs = find_member(j, n, "reason", &rl);
		s->kid = find_member(j, n, "key_id", &kl);
		const char *fs = find_member(j, n, "first_seq", &fl);
		const char *ls = find_member(j, n, "last_seq", &ll);
		s->sig = find_member(j, n, "sig", &gl);
		s->nk = find_member(j, n, "new_key", &nl);
		if (!rs || rl >= sizeof(s->reason) || !s->kid || kl != 16 || !fs || !ls || !s->sig ||
		    gl != SIG_B64 || (s->nk && nl != KEY_B64))
			return REC_SIG_BAD;
		memcpy(s->reason, rs, rl);
		s->first = strtoull(fs, NULL, 10);
		s->last = strtoull(ls, NULL, 10);
		return REC_SIG1;
	}
	size_t got;
	rd_lit(&r, "\"v\":2,\"reason\":\"");
	const char *rs = rd_chars(&r, sizeof(s->reason) - 1, 'a', &got);
	if (r.ok)
		memcpy(s->reason, rs, got);
	rd_lit(&r, "\",\"alg\":\"Ed25519\",\"key_id\":\"");
	s->kid = rd_chars(&r, 16, 'h', &got);
	rd_lit(&r, "\",\"first_seq\":");
	s->first = rd_num(&r);
	rd_lit(&r, ",\"last_seq\":");
	s->last = rd_num(&r);
	if (rd_opt(&r, ",\"saved_seq\":")) {
		s->has_saved = true;
		s->saved = rd_num(&r);
		rd_lit(&r, ",\"reboot\":");
		s->reboot = rd_opt(&r, "true");
		if (!s->reboot)
			rd_lit(&r, "false");
	}
	if (rd_opt(&r, ",\"new_key\":\"")) {
		s->nk = rd_chars(&r, KEY_B64, 'b', &got);
		rd_lit(&r, "\"");
	}
	rd_lit(&r, ",\"sig\":\"");
	s->sig_off = (size_t)(r.p - j);
	s->sig = rd_chars(&r, SIG_B64, 'b', &got);
	rd_lit(&r, "\"},");
	if (!r.ok || r.p != seqkey)
		return REC_SIG_BAD;
	return REC_SIG2;
}

/* ---- verify: the series ----------------------------------------------------------- */

/* a record seen (by its first copy), for resends */
struct vslot {
	uint64_t seq;
	uint64_t line;
	uint32_t file;
	unsigned char h[32];
};

#define W_MASK (CHAIN_RESEND_WINDOW - 1)
_Static_assert((CHAIN_RESEND_WINDOW & W_MASK) == 0, "the resend window is a power of two");

struct chain_verifier {
	EVP_PKEY *key0, *key;   /* the key given; the one in use now */
	char key_id0[17], key_id[17];
	struct chain_verify_opts o;
	FILE *out;
	struct vslot *ring;     /* the last CHAIN_RESEND_WINDOW records, in order */
	uint64_t n;             /* records seen (not counting resent copies) */
	uint64_t pos;           /* index of the record on the last line */
	uint64_t max_seq;
	unsigned char max_h[32];
	uint64_t resend_line;   /* where the resend in progress began */
	uint32_t resend_file;
	bool started;
	uint64_t covered;       /* seq of the last signature record: all up to it signed */
	unsigned char sig_h[32];
	uint64_t sig_line;
	uint32_t sig_file;
	uint64_t block_first;   /* first seq after the last signature; 0: not known */
	bool last_is_stop;
	uint64_t cut_line;      /* a line that is not a chained record, pending */
	uint32_t cut_file;
	char **names;           /* the inputs */
	uint32_t n_names, cap_names;
	uint32_t file;
	uint64_t line;
	int mode;               /* of this input: 0 not known yet, 1 records (EVE, CEF or
				 * LEEF lines), 2 SIEM lines (a syslog header first) */
	char *dec, *ren;        /* a CEF or LEEF line's record; its rendering again */
	size_t dec_cap, ren_cap;
	bool failed;
	bool open_tail;         /* --open: the last line was incomplete */
	struct chain_verify_result r;
};

static struct vslot *slot(struct chain_verifier *v, uint64_t i)
{
	return &v->ring[i & W_MASK];
}

static const char *vname(const struct chain_verifier *v, uint32_t f)
{
	return f < v->n_names ? v->names[f] : "-";
}

/* Sets the verdict: the record on this line is bad; first_line (in file
 * first_file) is the earliest that may be the culprit. Prints it. */
static int __attribute__((format(printf, 6, 7)))
vfail(struct chain_verifier *v, uint32_t first_file, uint64_t first_line, uint64_t line, uint64_t seq,
      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->r.why, sizeof(v->r.why), fmt, ap);
	va_end(ap);
	v->failed = true;
	v->r.status = CHAIN_VERIFY_BAD;
	v->r.file = v->file;
	v->r.line = line;
	v->r.first_line = first_file == v->file ? first_line : 1;
	v->r.seq = seq;
	if (v->out) {
		if (line > v->line) /* the end of the input */
			fprintf(v->out, "%s: the end (after line %llu): %s\n", vname(v, v->file),
				(unsigned long long)v->line, v->r.why);
		else if (seq)
			fprintf(v->out, "%s:%llu: seq %llu: %s\n", vname(v, v->file), (unsigned long long)line,
				(unsigned long long)seq, v->r.why);
		else
			fprintf(v->out, "%s:%llu: %s\n", vname(v, v->file), (unsigned long long)line, v->r.why);
	}
	return 1;
}

static int fail_here(struct chain_verifier *v, uint64_t seq, const char *why)
{
	return vfail(v, v->file, v->line, v->line, seq, "%s", why);
}

static int fail_cut(struct chain_verifier *v)
{
	return vfail(v, v->cut_file, v->cut_line, v->cut_file == v->file ? v->cut_line : v->line, 0,
		     "not a chained record: inserted or altered (a record cut short by a crash would "
		     "be followed by a restart record)");
}

static void push(struct chain_verifier *v, uint64_t seq, const unsigned char h[32])
{
	struct vslot *s = slot(v, v->n);
	s->seq = seq;
	s->line = v->line;
	s->file = v->file;
	memcpy(s->h, h, 32);
	v->pos = v->n++;
	v->max_seq = seq;
	memcpy(v->max_h, h, 32);
}

/* the index of seq among the records still in the window, or UINT64_MAX */
static uint64_t find_seq(struct chain_verifier *v, uint64_t seq)
{
	uint64_t lo = v->n > CHAIN_RESEND_WINDOW ? v->n - CHAIN_RESEND_WINDOW : 0, hi = v->n;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		uint64_t s = slot(v, mid)->seq;
		if (s == seq)
			return mid;
		if (s < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return UINT64_MAX;
}

static void note_v1(struct chain_verifier *v)
{
	if (!v->r.v1 && v->out)
		fprintf(v->out,
			"note: %s:%llu: signature records in format 1 (Vigil 0.1): their own timestamp "
			"and reason are not signed, so the last line of a file is not proven\n",
			vname(v, v->file), (unsigned long long)v->line);
	v->r.v1 = true;
}

static int set_key(struct chain_verifier *v, const char *nk, uint64_t seq)
{
	unsigned char raw[32];
	EVP_PKEY *k = NULL;
	if (!nk || !b64_canonical(nk, KEY_B64, raw, 32) ||
	    !(k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32)))
		return fail_here(v, seq, "a rotation record with a malformed new key: forged");
	if (v->key != v->key0)
		EVP_PKEY_free(v->key);
	v->key = k;
	key_id_of(k, v->key_id);
	return 0;
}

/* A signature record whose place in the chain is right: its own checks.
 * at_start: the first record of the series. */
static int check_sig(struct chain_verifier *v, int kind, const struct sigrec *s, const char *j,
		     size_t n, uint64_t seq, const char *prevhex, bool at_start)
{
	if (memcmp(s->kid, v->key_id, 16) != 0)
		return fail_here(v, seq, "signed with a key that is not the one given (nor announced by it): forged");
	if (kind == REC_SIG1) {
		note_v1(v);
		char msg[512];
		int ml = snprintf(msg, sizeof(msg), "vigil-sig1 %.16s %llu %llu %.64s%s%.*s", s->kid,
				  (unsigned long long)s->first, (unsigned long long)s->last, prevhex,
				  s->nk ? " " : "", s->nk ? KEY_B64 : 0, s->nk ? s->nk : "");
		if (!verify_b64(v->key, msg, (size_t)ml, s->sig, SIG_B64))
			return fail_here(v, seq, "signature does not verify: forged, or a record it covers was altered");
		if (s->last != seq - 1 || s->first > seq)
			return fail_here(v, seq, "a signature record whose range is not the records before it: forged");
		if (!at_start && v->block_first && s->first != v->block_first)
			return fail_here(v, seq, "the records before the first one given, in this signed block, are missing: removed");
		if (reason_is(s, "rotate") && s->nk)
			return set_key(v, s->nk, seq);
		return 0;
	}
	/* format 2: every byte but the signature's own */
	char msg[CHAIN_SIG_MAX + sizeof(SIG2_DOMAIN)];
	size_t dl = sizeof(SIG2_DOMAIN) - 1;
	if (n > CHAIN_SIG_MAX)
		return fail_here(v, seq, "a signature record longer than any Vigil writes: forged");
	memcpy(msg, SIG2_DOMAIN, dl);
	memcpy(msg + dl, j, s->sig_off);
	memcpy(msg + dl + s->sig_off, j + s->sig_off + SIG_B64, n - s->sig_off - SIG_B64);
	if (!verify_b64(v->key, msg, dl + n - SIG_B64, s->sig, SIG_B64))
		return fail_here(v, seq, "signature does not verify: this record was altered or forged");
	/* authentic from here on: what it says must fit where it is */
	bool begins = reason_is(s, "start") || reason_is(s, "restart");
	if (!begins && !reason_is(s, "block") && !reason_is(s, "stop") && !reason_is(s, "rotate"))
		return fail_here(v, seq, "a signature record with an unknown reason");
	if (s->last != seq - 1 || (begins && s->first != seq) || s->has_saved != reason_is(s, "restart") ||
	    (s->nk != NULL) != reason_is(s, "rotate"))
		return fail_here(v, seq, "a signature record whose members do not fit its place: moved");
	if (!begins && !at_start && v->block_first && s->first != v->block_first)
		return fail_here(v, seq, "a signed block that does not begin after the previous signature: moved");
	if (reason_is(s, "rotate"))
		return set_key(v, s->nk, seq);
	return 0;
}

static void after_sig(struct chain_verifier *v, const struct sigrec *s, uint64_t seq,
		      const unsigned char h[32])
{
	v->covered = seq;
	memcpy(v->sig_h, h, 32);
	v->sig_line = v->line;
	v->sig_file = v->file;
	v->block_first = seq + 1;
	v->last_is_stop = reason_is(s, "stop");
	v->r.signatures++;
}

/* the crash a restart record reports */
static void report_crash(struct chain_verifier *v, const struct sigrec *s, uint64_t seq, bool at_start)
{
	v->r.crashes++;
	if (!v->out)
		return;
	fprintf(v->out, "%s:%llu: seq %llu: the sensor restarted after a crash", vname(v, v->file),
		(unsigned long long)v->line, (unsigned long long)seq);
	if (at_start) {
		fprintf(v->out, " (the series begins here: the run before it is not part of this check)");
	} else {
		if (v->max_seq + 1 <= s->last)
			fprintf(v->out, ": records %llu..%llu may be missing (records the crashed run had "
					"not written out, and seq numbers it had reserved but not used)",
				(unsigned long long)v->max_seq + 1, (unsigned long long)s->last);
		else
			fprintf(v->out, ": no record missing");
		if (v->max_seq > v->covered)
			fprintf(v->out, "; records %llu..%llu before it were not signed before the crash "
					"(chained, but not proven)",
				(unsigned long long)v->covered + 1, (unsigned long long)v->max_seq);
		if (v->cut_line)
			fprintf(v->out, "; %s:%llu: a record cut short by the crash", vname(v, v->cut_file),
				(unsigned long long)v->cut_line);
	}
	if (s->reboot)
		fprintf(v->out, "; the machine restarted too (records it had not yet written to disk "
				"may be lost)");
	fprintf(v->out, "\n");
}

/* one chained record (the JSON object of a line) */
static int on_record(struct chain_verifier *v, const char *j, size_t n)
{
	uint64_t seq;
	const char *prevhex, *seqkey;
	if (!parse_tail(j, n, &seq, &prevhex, &seqkey)) {
		if (v->cut_line)
			return fail_cut(v);
		v->cut_line = v->line; /* a crash's cut record, if a restart follows */
		v->cut_file = v->file;
		return 0;
	}
	unsigned char h[32], prev[32];
	sha256_raw(j, n, h);
	unhex32(prevhex, prev);
	struct sigrec s;
	int kind = classify(j, n, seqkey, &s);
	bool restart = kind == REC_SIG2 && reason_is(&s, "restart");

	if (!v->started) {
		if (v->cut_line)
			return fail_cut(v);
		if (kind == REC_SIG_BAD)
			return fail_here(v, seq, "a signature record that does not parse: forged or altered");
		bool run_start = (kind == REC_SIG2 && (reason_is(&s, "start") || restart)) ||
				 (kind == REC_SIG1 && (reason_is(&s, "start") || reason_is(&s, "rotate")));
		if (v->o.from_seq_set && seq != v->o.from_seq)
			return vfail(v, v->file, v->line, v->line, seq,
				     "the series begins at seq %llu, not at seq %llu (--from-seq)",
				     (unsigned long long)seq, (unsigned long long)v->o.from_seq);
		if (!v->o.from_seq_set && !v->o.any_start && !run_start)
			return vfail(v, v->file, v->line, v->line, seq,
				     "the series does not begin where a run of the sensor begins: the records "
				     "before seq %llu are missing (its head removed), or it continues another "
				     "file (give that one first, --continues FILE, or --from-seq %llu)",
				     (unsigned long long)seq, (unsigned long long)seq);
		if (kind != REC_PLAIN && check_sig(v, kind, &s, j, n, seq, prevhex, true))
			return 1;
		v->started = true;
		v->r.first_seq = seq;
		if (kind != REC_PLAIN) {
			if (restart)
				report_crash(v, &s, seq, true);
			after_sig(v, &s, seq, h);
		} else {
			v->r.records++;
		}
		push(v, seq, h);
		return 0;
	}

	if (restart && seq > v->max_seq) {
		if (v->pos + 1 < v->n)
			return vfail(v, v->resend_file, v->resend_line, v->line, seq,
				     "a restart in the middle of a resend (records after seq %llu, resent from "
				     "%s:%llu, did not reach seq %llu): records replayed",
				     (unsigned long long)slot(v, v->pos)->seq, vname(v, v->resend_file),
				     (unsigned long long)v->resend_line, (unsigned long long)v->max_seq);
		if (check_sig(v, kind, &s, j, n, seq, prevhex, false))
			return 1;
		if (!s.reboot && s.saved >= v->r.first_seq && s.saved > 0) {
			/* the crashed run had its records up to seq `saved` in
			 * the kernel's hands: they must all be here */
			if (v->covered < s.saved)
				return vfail(v, v->file, v->line, v->line, seq,
					     "the run that crashed had written its records up to seq %llu "
					     "(saved in its state), and the last signature before this restart "
					     "is seq %llu: records removed",
					     (unsigned long long)s.saved, (unsigned long long)v->covered);
			if (v->covered == s.saved && memcmp(prev, v->sig_h, 32) != 0)
				return vfail(v, v->sig_file, v->sig_line, v->line, seq,
					     "the signature record at seq %llu (%s:%llu) is not the one the "
					     "run that crashed saved: altered",
					     (unsigned long long)s.saved, vname(v, v->sig_file),
					     (unsigned long long)v->sig_line);
		}
		report_crash(v, &s, seq, false);
		v->cut_line = 0;
		after_sig(v, &s, seq, h);
		push(v, seq, h);
		return 0;
	}
	if (v->cut_line)
		return fail_cut(v);

	if (seq <= v->max_seq) {
		/* a resend: the same records again, in the order first seen,
		 * from a point inside the delivery window */
		uint64_t idx;
		if (v->pos + 1 < v->n && slot(v, v->pos + 1)->seq == seq) {
			idx = v->pos + 1;
		} else {
			uint64_t lo = v->n > CHAIN_RESEND_WINDOW ? v->n - CHAIN_RESEND_WINDOW : 0;
			if (seq < slot(v, lo)->seq && lo)
				return vfail(v, v->file, v->line, v->line, seq,
					     "seq %llu came more than %u records ago: replayed (a resend "
					     "never goes back that far)",
					     (unsigned long long)seq, CHAIN_RESEND_WINDOW);
			idx = find_seq(v, seq);
			if (idx == UINT64_MAX)
				return vfail(v, v->file, v->line, v->line, seq,
					     "seq %llu is below the highest so far (%llu) and was not seen "
					     "before: inserted, or moved out of order",
					     (unsigned long long)seq, (unsigned long long)v->max_seq);
			if (idx > v->pos + 1)
				return vfail(v, v->resend_file, v->resend_line, v->line, seq,
					     "a resend (from %s:%llu) skips from seq %llu to seq %llu: records "
					     "removed, or copied in (a resend repeats records in order)",
					     vname(v, v->resend_file), (unsigned long long)v->resend_line,
					     (unsigned long long)slot(v, v->pos)->seq, (unsigned long long)seq);
		}
		struct vslot *o = slot(v, idx);
		if (memcmp(o->h, h, 32) != 0)
			return vfail(v, o->file, o->line, v->line, seq,
				     "a second copy of seq %llu with other bytes than %s:%llu: one of them "
				     "altered or forged",
				     (unsigned long long)seq, vname(v, o->file), (unsigned long long)o->line);
		if (idx != v->pos + 1) {
			v->r.resends++;
			v->resend_line = v->line;
			v->resend_file = v->file;
		}
		v->r.resent++;
		v->pos = idx;
		return 0;
	}
	if (v->pos + 1 < v->n)
		return vfail(v, v->resend_file, v->resend_line, v->line, seq,
			     "seq %llu, while records after seq %llu were being resent (from %s:%llu) up to "
			     "seq %llu: a copied record, or a replayed run",
			     (unsigned long long)seq, (unsigned long long)slot(v, v->pos)->seq,
			     vname(v, v->resend_file), (unsigned long long)v->resend_line,
			     (unsigned long long)v->max_seq);
	if (seq != v->max_seq + 1)
		return vfail(v, v->file, v->line, v->line, seq,
			     "expected seq %llu: records %llu..%llu removed, or this record inserted or moved",
			     (unsigned long long)v->max_seq + 1, (unsigned long long)v->max_seq + 1,
			     (unsigned long long)seq - 1);
	if (memcmp(prev, v->max_h, 32) != 0) {
		struct vslot *o = slot(v, v->n - 1);
		return vfail(v, o->file, o->line, v->line, seq,
			     "the hash chain breaks: record %llu (%s:%llu) was altered, or this record "
			     "forged or moved",
			     (unsigned long long)o->seq, vname(v, o->file), (unsigned long long)o->line);
	}
	if (kind == REC_SIG_BAD)
		return fail_here(v, seq, "a signature record that does not parse: forged or altered");
	if (kind != REC_PLAIN) {
		if (check_sig(v, kind, &s, j, n, seq, prevhex, false))
			return 1;
		after_sig(v, &s, seq, h);
	} else {
		v->last_is_stop = false;
		v->r.records++;
	}
	push(v, seq, h);
	return 0;
}

/* room for n bytes in *buf */
static bool grow(char **buf, size_t *cap, size_t n)
{
	if (*cap >= n)
		return true;
	char *b = realloc(*buf, n);
	if (!b)
		return false;
	*buf = b;
	*cap = n;
	return true;
}

/* A CEF or LEEF line (msg: from "CEF:" / "LEEF:"): the EVE record it
 * carries is checked as any record, and the line must be that record's
 * rendering, byte for byte (cef.c), so that no field a SIEM shows can be
 * altered. A line whose record cannot be read is treated as a record cut
 * short. */
static int on_siem(struct chain_verifier *v, int fmt, const char *msg, size_t n)
{
	if (!grow(&v->dec, &v->dec_cap, n + 1))
		return fail_here(v, 0, "out of memory");
	long len = sink_line_record((enum sink_format)fmt, msg, n, v->dec, v->dec_cap);
	if (len < 0)
		return on_record(v, "", 0);
	uint64_t seq;
	const char *h, *sk;
	if (parse_tail(v->dec, (size_t)len, &seq, &h, &sk)) {
		if (!grow(&v->ren, &v->ren_cap, sink_render_cap((size_t)len)))
			return fail_here(v, seq, "out of memory");
		if (!sink_line_matches((enum sink_format)fmt, msg, n, v->dec, (size_t)len, v->ren, v->ren_cap))
			return fail_here(v, seq,
					 fmt == SINK_CEF
						 ? "the CEF line is not the rendering of the record it carries "
						   "(vigilRecord): a field or the record altered"
						 : "the LEEF line is not the rendering of the record it carries "
						   "(vigilRecord): an attribute or the record altered");
	}
	return on_record(v, v->dec, (size_t)len);
}

int chain_verifier_line(struct chain_verifier *v, const char *line, size_t n, bool newline)
{
	if (v->failed)
		return 1;
	v->line++;
	if (!newline) {
		if (v->o.allow_open) { /* being written */
			v->open_tail = true;
			return 0;
		}
		return vfail(v, v->file, v->line, v->line, 0, "the last line is cut short: truncated");
	}
	size_t off;
	if (v->mode == 0 && n)
		v->mode = sink_line_find(line, n, true, &off) >= 0 ? 1 : 2;
	/* each line's format is its own: EVE JSON, CEF or LEEF */
	int fmt = sink_line_find(line, n, v->mode == 1, &off);
	if (fmt < 0) {
		if (v->mode == 2) {
			/* what a SIEM wrote: other lines, and other products' */
			if (n)
				v->r.skipped++;
			return 0;
		}
		/* a file of records: every line is one */
		if (v->cut_line)
			return fail_cut(v);
		return vfail(v, v->file, v->line, v->line, 0, "not a record: inserted or altered");
	}
	if (fmt != SINK_EVE)
		return on_siem(v, fmt, line + off, n - off);
	return on_record(v, line + off, n - off);
}

void chain_verifier_input(struct chain_verifier *v, const char *name)
{
	if (v->n_names == v->cap_names) {
		uint32_t nc = v->cap_names ? 2 * v->cap_names : 8;
		char **nn = realloc(v->names, nc * sizeof(*nn));
		if (!nn)
			return; /* the name stays unknown ("-") */
		v->names = nn;
		v->cap_names = nc;
	}
	v->names[v->n_names] = strdup(name);
	if (v->names[v->n_names])
		v->n_names++;
	v->file = v->n_names ? v->n_names - 1 : 0;
	v->line = 0;
	v->mode = 0;
}

int chain_verifier_finish(struct chain_verifier *v, struct chain_verify_result *res)
{
	uint64_t end = v->line + 1;
	if (!v->failed) {
		if (v->cut_line) {
			fail_cut(v);
		} else if (!v->started) {
			vfail(v, v->file, end, end, 0, "no chained record found");
		} else if (v->pos + 1 < v->n && !v->o.allow_open) {
			vfail(v, v->resend_file, v->resend_line, end, 0,
			      "the input ends inside a resend (from %s:%llu, at seq %llu of %llu): "
			      "records replayed",
			      vname(v, v->resend_file), (unsigned long long)v->resend_line,
			      (unsigned long long)slot(v, v->pos)->seq, (unsigned long long)v->max_seq);
		} else if (v->covered < v->max_seq && !v->o.allow_open) {
			/* the first record no signature covers, when it is in this input */
			uint64_t k = find_seq(v, v->covered + 1);
			uint64_t first = k != UINT64_MAX && slot(v, k)->file == v->file ? slot(v, k)->line : end;
			vfail(v, v->file, first, end, 0,
			      "records %llu..%llu are not covered by a signature: truncated (or still "
			      "being written: --open accepts that)",
			      (unsigned long long)v->covered + 1, (unsigned long long)v->max_seq);
		} else if (!v->last_is_stop && !v->o.allow_open) {
			vfail(v, v->file, end, end, 0,
			      "the last signature is not a stop record: truncated after seq %llu (or the "
			      "sensor is still running: --open accepts that)",
			      (unsigned long long)v->max_seq);
		}
	}
	if (!v->failed) {
		v->r.status = v->r.crashes ? CHAIN_VERIFY_CRASH : CHAIN_VERIFY_OK;
		v->r.last_seq = v->max_seq;
		if (v->out) {
			if (v->o.allow_open && (v->covered < v->max_seq || v->open_tail))
				fprintf(v->out, "open: %s%llu records after the last signature (seq %llu) are not "
						"signed yet\n",
					v->open_tail ? "the last line is incomplete; " : "",
					(unsigned long long)(v->max_seq - v->covered),
					(unsigned long long)v->covered);
			fprintf(v->out,
				"%s: %llu records and %llu signatures verified (seq %llu..%llu), %llu resent "
				"duplicates (%llu resends), %llu other lines skipped",
				v->r.crashes ? "verified with crashes" : "ok", (unsigned long long)v->r.records,
				(unsigned long long)v->r.signatures, (unsigned long long)v->r.first_seq,
				(unsigned long long)v->max_seq, (unsigned long long)v->r.resent,
				(unsigned long long)v->r.resends, (unsigned long long)v->r.skipped);
			if (v->r.crashes)
				fprintf(v->out, "; %llu restart%s after a crash (above): records may be missing there",
					(unsigned long long)v->r.crashes, v->r.crashes > 1 ? "s" : "");
			fprintf(v->out, "\n");
		}
	}
	if (res)
		*res = v->r;
	return v->r.status;
}

void chain_verifier_reset(struct chain_verifier *v)
{
	if (v->key != v->key0)
		EVP_PKEY_free(v->key);
	v->key = v->key0;
	memcpy(v->key_id, v->key_id0, sizeof(v->key_id));
	for (uint32_t i = 0; i < v->n_names; i++)
		free(v->names[i]);
	v->n_names = 0;
	/* the ring is only ever read below n: no need to clear it */
	v->n = v->pos = v->max_seq = 0;
	v->resend_line = v->covered = v->sig_line = v->block_first = v->cut_line = v->line = 0;
	v->resend_file = v->sig_file = v->cut_file = v->file = 0;
	v->started = v->last_is_stop = v->failed = v->open_tail = false;
	v->mode = 0;
	memset(&v->r, 0, sizeof(v->r));
}

struct chain_verifier *chain_verifier_new(const char *pub_path, const struct chain_verify_opts *o,
					  char *err, size_t errlen)
{
	struct chain_verifier *v = calloc(1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (o)
		v->o = *o;
	v->out = v->o.report;
	v->key0 = v->key = load_public(pub_path, err, errlen);
	/* untouched pages of the window cost nothing until a long input uses them */
	v->ring = calloc(CHAIN_RESEND_WINDOW, sizeof(*v->ring));
	if (!v->key || !v->ring || key_id_of(v->key, v->key_id0) < 0) {
		if (v->key && !v->ring)
			snprintf(err, errlen, "out of memory");
		else if (v->key)
			snprintf(err, errlen, "%s: cannot read the public key", pub_path);
		EVP_PKEY_free(v->key0);
		free(v->ring);
		free(v);
		return NULL;
	}
	memcpy(v->key_id, v->key_id0, sizeof(v->key_id));
	return v;
}

void chain_verifier_free(struct chain_verifier *v)
{
	if (!v)
		return;
	chain_verifier_reset(v);
	EVP_PKEY_free(v->key0);
	free(v->names);
	free(v->ring);
	free(v->dec);
	free(v->ren);
	free(v);
}

int chain_verify(const char *pub_path, char *const *files, int n_files,
		 const struct chain_verify_opts *o)
{
	char err[512];
	struct chain_verifier *v = chain_verifier_new(pub_path, o, err, sizeof(err));
	if (!v) {
		fprintf(stderr, "vigil verify: %s\n", err);
		return CHAIN_VERIFY_ERROR;
	}
	int rc = 0;
	char *line = NULL;
	size_t cap = 0;
	for (int i = 0; i < n_files && !rc; i++) {
		FILE *f = strcmp(files[i], "-") == 0 ? stdin : fopen(files[i], "r");
		if (!f) {
			fprintf(stderr, "vigil verify: %s: %s\n", files[i], strerror(errno));
			rc = CHAIN_VERIFY_ERROR;
			break;
		}
		chain_verifier_input(v, files[i]);
		ssize_t got;
		while ((got = getline(&line, &cap, f)) >= 0) {
			size_t n = (size_t)got;
			bool nl = n && line[n - 1] == '\n';
			if (chain_verifier_line(v, line, nl ? n - 1 : n, nl))
				break;
		}
		if (ferror(f)) {
			fprintf(stderr, "vigil verify: %s: read error\n", files[i]);
			rc = CHAIN_VERIFY_ERROR;
		}
		if (f != stdin)
			fclose(f);
	}
	free(line);
	if (!rc)
		rc = chain_verifier_finish(v, NULL);
	chain_verifier_free(v);
	return rc;
}
