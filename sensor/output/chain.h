/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_OUTPUT_CHAIN_H
#define VIGIL_OUTPUT_CHAIN_H

/*
 * Signed, hash-chained records (in the spirit of RFC 5848).
 *
 * Every record leaves the sensor with two members appended:
 *     ...,"seq":N,"prev":"<SHA-256 hex of the previous record's bytes>"}
 * where the previous record's bytes are exactly the bytes written for it
 * (without the newline). seq is per sensor, monotonic and persisted across
 * restarts (the state file), so the chain continues from one run to the
 * next.
 *
 * Signature records cover blocks: after every block_records records, or
 * block_ms milliseconds of record time, at start and at an orderly stop, a
 * record
 *     {"timestamp":...,"event_type":"signature","signature":{"reason":R,
 *      "alg":"Ed25519","key_id":K,"first_seq":A,"last_seq":B,"sig":S},
 *      "seq":N,"prev":H}
 * is written, where S is the Ed25519 signature (base64) of the ASCII text
 *     "vigil-sig1 K A B H"
 * H being the hash of record B (= N-1), which commits to every record
 * before it through the chain. block_records 1 is the per-record mode.
 * A key rotation is announced by a signature record with reason "rotate"
 * and a "new_key" member (base64 of the raw public key) signed by the old
 * key over "vigil-sig1 K A B H new_key".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHAIN_HASH_HEX 64
#define CHAIN_LINE_EXTRA 128 /* bytes a record grows by */

struct chain_config {
	const char *key_path;      /* Ed25519 private key (PEM) */
	const char *old_key_path;  /* rotation: the previous key, or NULL */
	const char *state_path;    /* NULL: key_path + ".state" */
	uint32_t block_records;    /* 1 = a signature after every record */
	uint32_t block_ms;
};

struct chain;

/* NULL with the reason in err. */
struct chain *chain_open(const struct chain_config *cfg, char *err, size_t errlen);
/* Writes the state file (fsync'd) and frees; accepts NULL. */
void chain_free(struct chain *c);

/* Turns a record (one JSON object, len bytes) into the line to write, in
 * out (cap >= len + CHAIN_LINE_EXTRA). Returns the line length, or 0 when
 * it does not fit or the record is not an object. out may be json itself:
 * the record is then sealed where it lies (cap: the room there). */
size_t chain_record(struct chain *c, const char *json, size_t len, uint64_t ts_us, char *out,
		    size_t cap);

/* The SHA-256 state after a record's bytes up to its closing brace (what
 * the chain keeps of it before appending seq and prev), computed where the
 * record is made, in a worker thread: the chain's thread then only hashes
 * the bytes it appends. Holds no pointer; copied by value between threads. */
struct chain_prehash {
	_Alignas(8) unsigned char state[128]; /* SHA256_CTX */
	uint64_t len;                         /* bytes hashed, UINT64_MAX: none */
};
void chain_prehash(struct chain_prehash *ph, const char *json, size_t len);
/* chain_record, with the record's prehash (NULL: none); the same line. */
size_t chain_record_pre(struct chain *c, const char *json, size_t len, uint64_t ts_us,
			const struct chain_prehash *ph, char *out, size_t cap);

/* Is a signature record due (block full, or block_ms passed since the
 * block's first record, at record time now_us)? */
bool chain_due(const struct chain *c, uint64_t now_us);

/* A signature record for the records since the last one; reason "start",
 * "block", "stop" or "rotate" (rotate is written by chain_open itself and
 * fetched with chain_pending). Returns its length in out (cap >= 1024). */
size_t chain_signature(struct chain *c, const char *reason, uint64_t ts_us, char *out, size_t cap);

/* Records chain_open wants written first (a rotation announcement); 0 when
 * there is none. Call until it returns 0. */
size_t chain_pending(struct chain *c, uint64_t ts_us, char *out, size_t cap);

uint64_t chain_seq(const struct chain *c);     /* seq of the last record */
uint64_t chain_signatures(const struct chain *c);

/* ---- keys and verification ----------------------------------------------- */

/* vigil keygen DIR: 0, or -1 with the reason. */
int chain_keygen(const char *dir, char *err, size_t errlen);

/* vigil verify: checks files in order; prints the verdict; 0 good, 1 not. */
int chain_verify(const char *pub_path, char *const *files, int n_files, bool allow_open);

/* Helpers shared with the tests. */
void chain_sha256_hex(const void *p, size_t n, char out[CHAIN_HASH_HEX + 1]);

#endif
