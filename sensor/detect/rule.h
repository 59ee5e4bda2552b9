/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_DETECT_RULE_H
#define VIGIL_DETECT_RULE_H

/*
 * Internal representation of a parsed rule (sensor/detect/ only).
 *
 * A rule is a header (addresses, ports, direction, protocol) plus an
 * ordered list of match elements (struct sm). Payload elements (content,
 * pcre, byte_*, isdataat, bsize) belong to a buffer: the packet payload or
 * a protocol's sticky buffer (dnp3_data, enip.product_name, ...), and are
 * evaluated in order within their buffer, with Suricata's relative-match
 * semantics and bounded backtracking.
 */

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/uint.h"
#include "vigil/app.h"
#include "vigil/detect_kw.h"
#include "vigil/packet.h"

#define RULE_MAX_VARS 8        /* byte_extract variables per rule */
#define RULE_MAX_SM 64         /* match elements per rule */
#define RULE_MAX_FLOWBITS 64   /* distinct flowbit names per engine (flow.flowbits) */
#define RULE_MAX_FLOWINTS 16   /* distinct flowint names per engine */
#define DETECT_MAX_BUF 8       /* distinct buffers per rule */

enum rule_action { RA_ALERT, RA_PASS, RA_DROP, RA_REJECT };

/* Header protocol classes. */
enum rule_proto { RP_IP, RP_TCP, RP_UDP, RP_ICMP, RP_APP };

struct ipnet {
	uint8_t ver;      /* 4 or 6 */
	uint8_t bits;
	uint8_t addr[16];
};

struct addrset {
	bool any;
	uint16_t n_pos, n_neg;
	struct ipnet *pos, *neg;
};

struct portrange {
	uint16_t lo, hi;
};

struct portset {
	bool any;
	uint16_t n_pos, n_neg;
	struct portrange *pos, *neg;
};

enum sm_type {
	SM_CONTENT,
	SM_PCRE,
	SM_BYTE_TEST,
	SM_BYTE_JUMP,
	SM_BYTE_EXTRACT,
	SM_ISDATAAT,
	SM_BSIZE,
	SM_DSIZE,
	SM_APPKW,         /* a protocol keyword (modbus:, dnp3_func, ...) */
	SM_FLOWBITS,      /* isset / isnotset (conditions) */
	SM_APP_PROTO,     /* app-layer-protocol */
	SM_FLAGS,         /* TCP flags */
	SM_DECODE_EVENT,  /* decode-event, stream-event: a packet event id */
	SM_CSUM,          /* ipv4-csum, tcpv4-csum, ... */
	SM_IPVER,         /* the header's ipv4 / ipv6 */
	SM_FLOWINT,       /* flowint comparisons (conditions) */
};

/* Checksum keywords (detect/csum.c). */
enum { CSUM_IPV4 = 1, CSUM_TCPV4, CSUM_TCPV6, CSUM_UDPV4, CSUM_UDPV6, CSUM_ICMPV4, CSUM_ICMPV6 };
/* 1 valid, 0 invalid, -1 neither (another protocol, bytes not captured, or
 * a UDP/IPv4 datagram without checksum). Computed on each call. */
int csum_check(const struct packet *p, uint8_t which);

/* flowint: set/add/subtract run after a match (actions), comparisons are
 * conditions; the operand is a number or another flowint. */
enum fi_op { FI_SET, FI_ADD, FI_SUB, FI_EQ, FI_NE, FI_LT, FI_GT, FI_LE, FI_GE, FI_ISSET,
	     FI_NOTSET };

struct sm_flowint {
	uint8_t op;          /* enum fi_op */
	uint8_t idx;         /* the flowint */
	int8_t var;          /* the operand's flowint, or -1: val */
	uint32_t val;
};

/* A value that is either a constant or a byte_extract variable. */
struct dval {
	int64_t v;
	int8_t var;       /* -1: constant */
};

#define CF_NOCASE 0x01
#define CF_NEGATED 0x02
#define CF_RELATIVE 0x04   /* distance or within given */
#define CF_STARTSWITH 0x08
#define CF_ENDSWITH 0x10
#define CF_FAST 0x20       /* fast_pattern */
#define CF_HAS_OFFSET 0x40
#define CF_HAS_DEPTH 0x80
#define CF_HAS_DISTANCE 0x100
#define CF_HAS_WITHIN 0x200
#define CF_FAST_ONLY 0x400

struct sm_content {
	uint8_t *pat;
	uint32_t len;
	uint16_t flags;
	struct dval offset, depth, distance, within;
	uint32_t fp_off, fp_len;   /* fast_pattern:off,len chop */
};

struct sm_pcre {
	pcre2_code *re;
	bool relative;
	bool negated;
	char *src;
};

/* byte_test / byte_jump / byte_extract shared fields */
#define BF_RELATIVE 0x01
#define BF_LITTLE 0x02
#define BF_STRING 0x04
#define BF_ALIGN 0x08
#define BF_FROM_BEGINNING 0x10
#define BF_FROM_END 0x20
#define BF_NEGATE 0x40
#define BF_BITMASK 0x80

struct sm_byte {
	uint8_t nbytes;
	uint8_t base;        /* string: 8, 10 or 16 */
	uint16_t flags;
	uint8_t op;          /* byte_test: one of "<>=&^" plus <= >= */
	struct dval value;   /* byte_test comparison value */
	struct dval offset;
	int32_t multiplier;  /* byte_jump / byte_extract */
	int32_t post_offset; /* byte_jump */
	int32_t align;       /* byte_extract align 2|4 */
	uint64_t bitmask;
	int8_t var;          /* byte_extract: variable index */
};

struct sm_isdataat {
	struct dval pos;
	bool relative;
	bool negated;
};

struct sm_appkw {
	const struct app_keyword *kw;
	void *data;
};

struct sm_flowbits {
	uint8_t op;          /* FB_ISSET, FB_ISNOTSET */
	uint64_t mask;       /* any of (isset a|b: OR), or all */
	bool all;
};

struct sm {
	uint8_t type;
	uint8_t buf;         /* buffer index for payload elements: 0 = payload */
	union {
		struct sm_content c;
		struct sm_pcre re;
		struct sm_byte b;
		struct sm_isdataat d;
		struct du_match u;   /* bsize, dsize */
		struct sm_appkw kw;
		struct sm_flowbits fb;
		struct { uint8_t set, mask; uint8_t mode; } flags;
		struct { uint16_t ev; } dev;
		struct { int parser; bool negated; } ap;
		struct { uint8_t which; bool valid; } csum;
		struct { uint8_t ver; } ipver;
		struct sm_flowint fi;
	} u;
};

enum fb_op { FB_SET, FB_UNSET, FB_TOGGLE, FB_ISSET, FB_ISNOTSET };

struct fb_action {
	uint8_t op;
	uint8_t bit;
};

enum thr_type { THR_NONE, THR_LIMIT, THR_THRESHOLD, THR_BOTH, THR_DETECTION_FILTER, THR_BACKOFF };
/* TRK_FLOW: counted per flow by the worker that owns the flow (engine.c),
 * the others by the output stage (threshold.c). */
enum thr_track { TRK_SRC, TRK_DST, TRK_RULE, TRK_BOTH, TRK_FLOW };

struct thr_spec {
	uint8_t type;
	uint8_t track;
	uint32_t count;
	uint32_t seconds;
	uint32_t multiplier;  /* backoff: alert at count, count*m, count*m^2, ... */
};

/* Flow option bits */
#define FLF_TOSERVER 0x01
#define FLF_TOCLIENT 0x02
#define FLF_ESTABLISHED 0x04
#define FLF_NOT_ESTABLISHED 0x08
#define FLF_STATELESS 0x10
#define FLF_ONLY_STREAM 0x20
#define FLF_NO_STREAM 0x40

struct rule_buf {
	const struct app_keyword *kw; /* NULL = packet payload */
};

/* The fields the evaluation reads come first; 512 bytes in all, so that
 * de->rules[i], on the hot path, is a shift (see the static assertion). */
struct rule {
	uint32_t idx;          /* position in the engine (load order) */
	uint32_t gid, sid, rev;
	int priority;
	uint8_t action;
	uint8_t proto;         /* enum rule_proto */
	int8_t app;            /* parser index for RP_APP, or -1 */
	uint8_t ipproto_hint;  /* RP_APP: 0 any, or IPPROTO_TCP/UDP from header */
	bool bidir;
	bool noalert;
	uint8_t flow;          /* FLF_* */
	uint8_t target;        /* 0 none, 1 src, 2 dest */
	uint8_t n_bufs;
	uint8_t n_vars;
	uint8_t n_fb;
	uint8_t n_fi;
	struct addrset src, dst;
	struct portset sp, dp;
	struct sm *sms;
	uint16_t n_sms;
	bool has_fset;         /* the rule only matches txs whose function is in fset */
	bool has_event_sm;     /* decode-event: evaluated only on packets with events */
	bool has_payload_sm;
	int fp;                /* index into sms of the prefilter content, -1 */
	int anchor;            /* index into sms of a payload content at a fixed
				* place (offset/depth), checked first; -1 */
	int ev_parser;         /* app-layer-event: -2 none, -1 core, else parser index */
	struct rule_buf bufs[DETECT_MAX_BUF];
	uint64_t ev_mask;      /* the event ids it matches (an alias may name several) */
	struct fb_action *fb;  /* set / unset / toggle after a match */
	struct sm_flowint *fi; /* flowint set / add / subtract after a match */
	struct thr_spec thr;   /* threshold */
	struct thr_spec df;    /* detection_filter */
	char *msg;
	char *classtype;
	const char *category;  /* classification description, or "" */
	char *metadata;        /* JSON object text, or NULL */
	char *references;      /* unused in output, kept for completeness */
	char *alert_json;      /* the record's "alert" object, built once at load */
	size_t alert_json_len;
	char *file;
	int line;
	uint8_t fset[APP_FUNC_BITS / 8];
	uint8_t spare[36];
};
_Static_assert(sizeof(struct rule) == 512, "struct rule: keep it 512 bytes (adjust spare)");

/* Engine-wide parse context */
struct rule_parse_ctx {
	const struct detect_config *cfg;
	char fb_names[RULE_MAX_FLOWBITS][48];
	int n_fb;
	char fi_names[RULE_MAX_FLOWINTS][48];
	int n_fi;
	struct class_entry *classes;
	size_t n_classes;
};

struct class_entry {
	char *name;
	char *desc;
	int priority;
};

/* Parses one rule line. 0 ok; -1 failed (err set); -2 unsupported option
 * (err names it). The rule is zeroed first; free with rule_free. */
int rule_parse(struct rule_parse_ctx *pc, const char *text, struct rule *r, char *err,
	       size_t errlen);
void rule_free(struct rule *r);

int addrset_parse(const struct detect_config *cfg, const char *s, struct addrset *as,
		  char *err, size_t errlen);
int portset_parse(const struct detect_config *cfg, const char *s, struct portset *ps,
		  char *err, size_t errlen);
bool addrset_match(const struct addrset *as, const struct vaddr *a, uint8_t ver);
bool portset_match(const struct portset *ps, uint16_t port);
void addrset_free(struct addrset *as);
void portset_free(struct portset *ps);

/* Payload evaluation of one buffer: all payload sms with sm->buf == buf. */
struct detect_scratch;
bool payload_match(const struct rule *r, uint8_t buf, const uint8_t *data, size_t len,
		   struct detect_scratch *s);

struct detect_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	int64_t vars[RULE_MAX_VARS];
	uint32_t steps;       /* backtracking budget used */
};

#endif
