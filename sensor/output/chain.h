/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_OUTPUT_CHAIN_H
#define VIGIL_OUTPUT_CHAIN_H

/*
 * Signed, hash-chained records (in the spirit of RFC 5848).
 *
 * Every record leaves the sensor with two members appended:
 *     ...,"seq":N,"prev":"<SHA-256 hex of the previous record's bytes>"}
 * where the previous record's bytes are exactly the bytes written for it
 * (without the newline). seq is per sensor and never used twice, across
 * restarts and crashes (the state file, below).
 *
 * Signature records (format 2) cover blocks: after every block_records
 * records, or block_ms milliseconds of record time, and at an orderly stop,
 * a record
 *     {"timestamp":T,"event_type":"signature","signature":{"v":2,"reason":R,
 *      "alg":"Ed25519","key_id":K,"first_seq":A,"last_seq":B,"sig":S},
 *      "seq":N,"prev":H}
 * is written, where S is the Ed25519 signature (base64) of
 *     "vigil-sig2\n" + the record's own bytes without the 88 characters of S
 * so that every byte of the record is signed, its prev (the hash of record
 * B = N-1, which commits to every record before it through the chain)
 * included. A..B are the records since the previous signature record.
 *
 * A run begins with a signature record of reason "start" (A = N, B = N-1,
 * prev = the hash of the previous run's last record: the chain continues),
 * or "restart" after a crash, with two more members before "sig":
 *     "saved_seq":Q,"reboot":false
 * B is then the highest seq the crashed run may have used (its reservation,
 * see below), so records up to B may be missing; Q is the last signature
 * record the crashed run had written out (to the kernel) and saved in its
 * state; prev is the hash of record Q. "reboot":true says the machine
 * restarted since (a power loss may have taken records the kernel had not
 * yet written to disk, so even those up to Q may be missing).
 * A key rotation is announced right after the start by a record of reason
 * "rotate" with "new_key":"<base64 raw public key>" before "sig", signed by
 * the old key (which also signs that start record).
 *
 * Format 1 (Vigil 0.1) signed the text "vigil-sig1 K A B H[ new_key]" only:
 * verify still accepts it, with a note.
 *
 * The state file (KEY.state unless configured) holds the last checkpoint
 * (seq Q and its hash), the reserved bound and whether the run stopped in
 * order. Before a record with a seq above the reserved bound is made, the
 * bound is moved up and the file is written and fsync'd (a few times a
 * second at most under load); after a crash the next run continues above
 * the bound, so no seq is used twice, whatever was lost.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CHAIN_HASH_HEX 64
#define CHAIN_LINE_EXTRA 128 /* bytes a record grows by */
#define CHAIN_SIG_MAX 1024   /* a signature record's bytes, at most */

/* How far back (in records) a resend can start: the syslog spool resends
 * from its delivered cursor, at most twice its in-flight window behind the
 * furthest record sent (syslog.c checks this against its own bound). */
#define CHAIN_RESEND_WINDOW (1u << 18)

struct chain_config {
	const char *key_path;      /* Ed25519 private key (PEM) */
	const char *old_key_path;  /* rotation: the previous key, or NULL */
	const char *state_path;    /* NULL: key_path + ".state" */
	uint32_t block_records;    /* 1 = a signature after every record */
	uint32_t block_ms;
};

struct chain;

/* Loads the keys and the state, takes the state's lock (one sensor per
 * state file), reserves seq numbers and saves the state as running
 * (fsync'd). NULL with the reason in err. */
struct chain *chain_open(const struct chain_config *cfg, char *err, size_t errlen);
/* The run stopped in order: writes the state (fsync'd) and frees. The
 * records written so far must have reached the sinks' files (flushed)
 * first. Accepts NULL. */
void chain_free(struct chain *c);
/* Frees without touching the state file, as a crash leaves it (tests). */
void chain_free_crashed(struct chain *c);

/* The run's first record: "start", or "restart" when the previous run
 * crashed. Returns its length in out (cap >= CHAIN_SIG_MAX), 0 on failure. */
size_t chain_begin(struct chain *c, uint64_t ts_us, char *out, size_t cap);
/* Records to write right after chain_begin (a rotation announcement); 0
 * when there is none. Call until it returns 0. */
size_t chain_pending(struct chain *c, uint64_t ts_us, char *out, size_t cap);
/* Did the previous run end without stopping (chain_begin writes a restart)? */
bool chain_crashed(const struct chain *c);

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

/* A signature record for the records since the last one; reason "block" or
 * "stop". Returns its length in out (cap >= CHAIN_SIG_MAX). */
size_t chain_signature(struct chain *c, const char *reason, uint64_t ts_us, char *out, size_t cap);

/* Checkpoints: once the last signature record has reached every sink's
 * file (the caller flushed them), chain_checkpoint saves it in the state
 * (fsync'd), so that a restart after a crash can tell what must be there.
 * Due at most once a second of wall time. */
bool chain_checkpoint_due(const struct chain *c);
void chain_checkpoint(struct chain *c);

uint64_t chain_seq(const struct chain *c);     /* seq of the last record */
uint64_t chain_signatures(const struct chain *c);

/* ---- keys and verification ----------------------------------------------- */

/* vigil keygen DIR: 0, or -1 with the reason. */
int chain_keygen(const char *dir, char *err, size_t errlen);

/* verify's verdicts (and exit statuses) */
enum {
	CHAIN_VERIFY_OK = 0,    /* every record verified, nothing missing */
	CHAIN_VERIFY_BAD = 1,   /* altered, forged, removed, inserted, reordered, truncated */
	CHAIN_VERIFY_ERROR = 2, /* could not check: key, file, usage */
	CHAIN_VERIFY_CRASH = 3, /* verified, but the sensor restarted after a crash:
				 * records may be missing there (each one reported) */
};

struct chain_verify_opts {
	bool allow_open;    /* --open: the last file may still be being written */
	bool from_seq_set;  /* --from-seq N: the series begins at seq N */
	uint64_t from_seq;
	bool any_start;     /* the series may begin at any record (--continues FILE) */
	FILE *report;       /* messages (stdout for vigil verify), NULL: none */
};

struct chain_verify_result {
	int status;                /* CHAIN_VERIFY_* */
	/* the first bad record: detected at line, and the earliest line that
	 * may be the culprit (first_line <= line; the same file); 0: none */
	uint32_t file;             /* index of the input */
	uint64_t line, first_line, seq;
	char why[320];
	uint64_t records, signatures, resent, resends, crashes, skipped;
	uint64_t first_seq, last_seq;
	bool v1;                   /* format 1 signature records were seen */
};

struct chain_verifier;

/* A verifier for the public key in pub_path (PEM); NULL with the reason. */
struct chain_verifier *chain_verifier_new(const char *pub_path, const struct chain_verify_opts *o,
					  char *err, size_t errlen);
void chain_verifier_free(struct chain_verifier *v); /* accepts NULL */
/* Starts over (the same key and options), keeping the memory. */
void chain_verifier_reset(struct chain_verifier *v);
/* The next input (its name is copied); its lines follow. */
void chain_verifier_input(struct chain_verifier *v, const char *name);
/* One line, without its newline (newline: whether it had one). 0 while all
 * is well, 1 once something is bad (later lines are then ignored). */
int chain_verifier_line(struct chain_verifier *v, const char *line, size_t n, bool newline);
/* The verdict, after the last line; the summary goes to the report. */
int chain_verifier_finish(struct chain_verifier *v, struct chain_verify_result *r);

/* vigil verify: checks files in order ("-": stdin), prints the verdict;
 * returns a CHAIN_VERIFY_* status. */
int chain_verify(const char *pub_path, char *const *files, int n_files,
		 const struct chain_verify_opts *o);

/* Helpers shared with the tests. */
void chain_sha256_hex(const void *p, size_t n, char out[CHAIN_HASH_HEX + 1]);

#endif
