/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IEC 61850 GOOSE (IEC 61850-8-1 Ed.2, clause 8.1 and Annex A), EtherType
 * 0x88b8, a layer-2 multicast from a publishing IED to its subscribers. The
 * decoder has peeled the Ethernet header and any 802.1Q tags (priority
 * tagging is normal for GOOSE); each frame's payload is one datagram here:
 *
 *   APPID:2 Length:2 Reserved1:2 Reserved2:2 | APDU          big-endian
 *     Length counts from APPID to the end of the APDU (8 + APDU); bytes past
 *     it are Ethernet padding. Reserved1 bit 15 is the simulation (S) bit of
 *     Ed.2. APPIDs of GOOSE are 0x0000-0x3fff (Annex C).
 *   APDU, ASN.1 BER: goosePdu [APPLICATION 1] IMPLICIT SEQUENCE (0x61) {
 *     gocbRef [0] VisibleString, timeAllowedtoLive [1] INTEGER (ms),
 *     datSet [2] VisibleString, goID [3] VisibleString OPTIONAL,
 *     t [4] UtcTime (4 bytes seconds, 3 bytes binary fraction, 1 quality),
 *     stNum [5] INTEGER, sqNum [6] INTEGER, simulation (test) [7] BOOLEAN,
 *     confRev [8] INTEGER, ndsCom [9] BOOLEAN, numDatSetEntries [10] INTEGER,
 *     allData [11] SEQUENCE OF Data, security [12] ANY OPTIONAL }
 *   Data (the MMS Data CHOICE of ISO 9506-2 as Annex A restricts it):
 *     array [1] and structure [2] (SEQUENCE OF Data), boolean [3],
 *     bit-string [4], integer [5], unsigned [6], floating-point [7]
 *     (exponent width octet + IEEE 754), real [8], octet-string [9],
 *     visible-string [10], generalized-time [11], binary-time [12],
 *     bcd [13], booleanArray [14], objId [15], mMSString [16], utc-time [17]
 *
 * Every BER length goes through the cursor: short and long forms (1-4
 * length octets), indefinite length rejected. A frame captured short (its
 * Length beyond the frame) is decoded as far as it goes. One transaction per
 * frame; data values are logged up to GOOSE_MAX_VALUES values (every level
 * counted) and GOOSE_MAX_DEPTH levels of nesting.
 *
 * Publishers: one table per worker (every GOOSE frame goes to worker 0, so
 * it is deterministic) of GOOSE_MAX_PUBLISHERS entries keyed by gocbRef and
 * APPID; a full table evicts the publisher heard from least recently. Each
 * entry remembers the source MAC, stNum, sqNum, confRev, t, the time of the
 * last frame, its timeAllowedtoLive and a hash of allData. The standard's
 * rules checked against it (IEC 61850-8-1 clause 8.1.3 and -7-2 clause
 * 18.2.3): stNum increments when a value of the data set changes, sqNum
 * starts again at 0 with each new stNum and increments with each
 * retransmission, both roll over after 2^32-1 (to 0, or to 1 in Ed.2), and a
 * subscriber that hears nothing within timeAllowedtoLive deems the publisher
 * lost. Every GOOSE frame, of any publisher, first checks the table for
 * publishers whose timeAllowedtoLive has passed (once per silence).
 *
 * Events (app-layer-event:goose.<name>):
 *   goose.truncated                   fewer than 8 bytes, or a Length beyond the frame
 *   goose.invalid_length              Length below 8, or bytes inside Length after the APDU
 *   goose.ber_length_overflow         a BER element runs past the element that holds it
 *   goose.ber_indefinite_length       a BER indefinite length (0x80): never valid in GOOSE
 *   goose.ber_malformed               a multi-octet tag, or more than 4 length octets
 *   goose.unknown_pdu                 the APDU is not a goosePdu (0x61)
 *   goose.missing_field               a mandatory goosePdu field is absent
 *   goose.unexpected_field            an unknown, repeated or out-of-order goosePdu field
 *   goose.invalid_field               a field of the wrong size, sign, form or characters
 *                                     (an INTEGER beyond 32 bits, t not 8 bytes, TTL 0...)
 *   goose.string_too_long             gocbRef, datSet or goID over 129 characters
 *   goose.invalid_data                an allData value that is malformed or of an unknown type
 *   goose.data_too_deep               allData nested deeper than GOOSE_MAX_DEPTH
 *   goose.too_many_values             more allData values than a record logs
 *   goose.num_entries_mismatch        numDatSetEntries differs from the allData entries
 *   goose.invalid_dst_mac             destination outside 01-0C-CD-01-xx-xx
 *   goose.appid_out_of_range          APPID above 0x3fff
 *   goose.test_mode                   simulation/test TRUE or the S bit set
 *   goose.ndscom                      ndsCom TRUE: the control block needs commissioning
 *   goose.stnum_replay                stNum went back (t not newer): an old frame replayed
 *   goose.stnum_reset                 stNum (or sqNum in the same stNum) went back with a
 *                                     newer t: a publisher restart, or a forged frame
 *   goose.stnum_jump                  stNum went up by more than 1
 *   goose.sqnum_out_of_order          sqNum went back within the same stNum (t not newer)
 *   goose.sqnum_jump                  sqNum went up by more than 1 within the same stNum
 *   goose.sqnum_not_reset             a new stNum whose sqNum is not 0
 *   goose.duplicate                   the same stNum and sqNum again
 *   goose.data_changed_without_stnum  allData changed but stNum did not (injection)
 *   goose.stnum_without_data_change   stNum went up but allData is the same
 *   goose.time_backwards              t went back while stNum went up
 *   goose.ttl_expired                 a publisher silent for longer than its
 *                                     timeAllowedtoLive (message loss, a silenced IED)
 *   goose.publisher_mac_changed       another source MAC for the same gocbRef and APPID
 *   goose.confrev_changed             confRev changed: the data set was reconfigured
 *   goose.publisher_table_full        the publisher table was full: one evicted
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/uint.h"
#include "util/civil.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/asset.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/goose.h"

extern const struct proto_parser proto_goose;

#define GOOSE_ETHERTYPE 0x88b8
#define GOOSE_APPID_MAX 0x3fff
#define GOOSE_TAG_PDU 0x61 /* [APPLICATION 1] constructed */
#define GOOSE_MAX_PUBLISHERS 256
#define GOOSE_MAX_DEPTH 8   /* nesting of allData (real data sets: 4) */
#define GOOSE_MAX_VALUES 256 /* values logged, every level counted */
#define GOOSE_MAX_REF 129   /* ObjectReference characters, IEC 61850-7-2 Ed.2 */
#define LOG_STR_MAX 256     /* bytes of gocbRef/datSet/goID a record shows */
#define LOG_VAL_STR 128     /* bytes of a string value a record shows */
#define LOG_VAL_HEX 64      /* bytes of an octet string value a record shows */
#define LOG_BITS 128        /* bits of a bit string a record shows */

static const char *const events[GOOSE_EV__COUNT] = {
	[GOOSE_EV_TRUNCATED] = "goose.truncated",
	[GOOSE_EV_INVALID_LENGTH] = "goose.invalid_length",
	[GOOSE_EV_BER_LENGTH_OVERFLOW] = "goose.ber_length_overflow",
	[GOOSE_EV_BER_INDEFINITE_LENGTH] = "goose.ber_indefinite_length",
	[GOOSE_EV_BER_MALFORMED] = "goose.ber_malformed",
	[GOOSE_EV_UNKNOWN_PDU] = "goose.unknown_pdu",
	[GOOSE_EV_MISSING_FIELD] = "goose.missing_field",
	[GOOSE_EV_UNEXPECTED_FIELD] = "goose.unexpected_field",
	[GOOSE_EV_INVALID_FIELD] = "goose.invalid_field",
	[GOOSE_EV_STRING_TOO_LONG] = "goose.string_too_long",
	[GOOSE_EV_INVALID_DATA] = "goose.invalid_data",
	[GOOSE_EV_DATA_TOO_DEEP] = "goose.data_too_deep",
	[GOOSE_EV_TOO_MANY_VALUES] = "goose.too_many_values",
	[GOOSE_EV_NUM_ENTRIES_MISMATCH] = "goose.num_entries_mismatch",
	[GOOSE_EV_INVALID_DST_MAC] = "goose.invalid_dst_mac",
	[GOOSE_EV_APPID_OUT_OF_RANGE] = "goose.appid_out_of_range",
	[GOOSE_EV_TEST_MODE] = "goose.test_mode",
	[GOOSE_EV_NDSCOM] = "goose.ndscom",
	[GOOSE_EV_STNUM_REPLAY] = "goose.stnum_replay",
	[GOOSE_EV_STNUM_RESET] = "goose.stnum_reset",
	[GOOSE_EV_STNUM_JUMP] = "goose.stnum_jump",
	[GOOSE_EV_SQNUM_OUT_OF_ORDER] = "goose.sqnum_out_of_order",
	[GOOSE_EV_SQNUM_JUMP] = "goose.sqnum_jump",
	[GOOSE_EV_SQNUM_NOT_RESET] = "goose.sqnum_not_reset",
	[GOOSE_EV_DUPLICATE] = "goose.duplicate",
	[GOOSE_EV_DATA_CHANGED_WITHOUT_STNUM] = "goose.data_changed_without_stnum",
	[GOOSE_EV_STNUM_WITHOUT_DATA_CHANGE] = "goose.stnum_without_data_change",
	[GOOSE_EV_TIME_BACKWARDS] = "goose.time_backwards",
	[GOOSE_EV_TTL_EXPIRED] = "goose.ttl_expired",
	[GOOSE_EV_PUBLISHER_MAC_CHANGED] = "goose.publisher_mac_changed",
	[GOOSE_EV_CONFREV_CHANGED] = "goose.confrev_changed",
	[GOOSE_EV_PUBLISHER_TABLE_FULL] = "goose.publisher_table_full",
};

/* The goosePdu fields by context tag: name, and whether it is mandatory. */
static const struct {
	const char *name;
	bool mandatory;
} fields[13] = {
	{ "gocbRef", true },  { "timeAllowedtoLive", true }, { "datSet", true },
	{ "goID", false },    { "t", true },                  { "stNum", true },
	{ "sqNum", true },    { "simulation", false },        { "confRev", true },
	{ "ndsCom", false },  { "numDatSetEntries", true },   { "allData", true },
	{ "security", false },
};

/* Data CHOICE tags and the keys their values have in records. */
enum { D_ARRAY = 1, D_STRUCTURE, D_BOOLEAN, D_BIT_STRING, D_INTEGER, D_UNSIGNED, D_FLOAT,
       D_REAL, D_OCTET_STRING, D_VISIBLE_STRING, D_GENERALIZED_TIME, D_BINARY_TIME, D_BCD,
       D_BOOLEAN_ARRAY, D_OBJ_ID, D_MMS_STRING, D_UTC_TIME, D__COUNT };

static const char *const data_names[D__COUNT] = {
	[D_ARRAY] = "array",
	[D_STRUCTURE] = "structure",
	[D_BOOLEAN] = "boolean",
	[D_BIT_STRING] = "bit_string",
	[D_INTEGER] = "integer",
	[D_UNSIGNED] = "unsigned",
	[D_FLOAT] = "floating_point",
	[D_REAL] = "real",
	[D_OCTET_STRING] = "octet_string",
	[D_VISIBLE_STRING] = "visible_string",
	[D_GENERALIZED_TIME] = "generalized_time",
	[D_BINARY_TIME] = "binary_time",
	[D_BCD] = "bcd",
	[D_BOOLEAN_ARRAY] = "boolean_array",
	[D_OBJ_ID] = "obj_id",
	[D_MMS_STRING] = "mms_string",
	[D_UTC_TIME] = "utc_time",
};

/* ---- per-worker publisher table ------------------------------------------------ */

#define PUB_HAS_T 0x1
#define PUB_HAS_DATA 0x2
#define PUB_HAS_CONFREV 0x4
#define PUB_HAS_MAC 0x8

struct goose_pub {
	uint64_t last_ts;   /* packet time of its last frame, usec */
	uint64_t t;         /* its t: seconds << 24 | fraction */
	uint64_t data_hash; /* FNV-1a of the allData contents */
	uint32_t stnum, sqnum, confrev, ttl_ms;
	uint16_t appid;
	uint16_t ref_len;   /* bytes of the whole gocbRef */
	uint8_t mac[6];
	uint8_t flags;      /* PUB_* */
	uint8_t name_len;   /* bytes of name kept */
	char name[GOOSE_NAME_KEEP];
};

/* The lookup keys and the deadlines are apart from the entries so that the
 * searches of every frame read 4 KiB, not the whole table. */
struct goose_state {
	uint32_t n;          /* entries in use: 0 .. n-1 */
	uint64_t next_check; /* no deadline falls before this packet time */
	uint64_t evictions;
	uint64_t key[GOOSE_MAX_PUBLISHERS];
	uint64_t deadline[GOOSE_MAX_PUBLISHERS]; /* UINT64_MAX: none, or reported */
	struct goose_pub pub[GOOSE_MAX_PUBLISHERS];
};

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_BASIS 0xcbf29ce484222325ull

/* ---- decoding -------------------------------------------------------------------- */

struct dec {
	uint64_t ev;     /* events of this frame, one bit each */
	bool clamp;      /* the frame was captured short: elements end where it ends */
	bool cut;        /* the element ber_tlv just read was cut short by the frame */
	unsigned values; /* allData values met so far, every level */
	struct jb *jb;   /* log_tx: the record being written (NULL while parsing) */
};

static void flag(struct dec *d, enum goose_event e)
{
	d->ev |= 1ull << e;
}

/* Reads the tag and length of one BER element at c and gives a cursor over
 * its contents. False (the event flagged, c failed) when they cannot be
 * read or do not fit in c. */
static bool ber_tlv(struct dec *d, struct cursor *c, uint8_t *tag, struct cursor *val)
{
	d->cut = false;
	uint8_t t = cur_u8(c);
	uint8_t l0 = cur_u8(c);
	if (!cur_ok(c)) {
		if (!d->clamp)
			flag(d, GOOSE_EV_BER_LENGTH_OVERFLOW);
		return false;
	}
	if ((t & 0x1f) == 0x1f) { /* high tag number form: no GOOSE tag needs it */
		flag(d, GOOSE_EV_BER_MALFORMED);
		cur_fail(c);
		return false;
	}
	size_t n = l0;
	if (l0 == 0x80) {
		flag(d, GOOSE_EV_BER_INDEFINITE_LENGTH);
		cur_fail(c);
		return false;
	}
	if (l0 & 0x80) {
		unsigned k = l0 & 0x7f;
		if (k > 4) {
			flag(d, GOOSE_EV_BER_MALFORMED);
			cur_fail(c);
			return false;
		}
		n = 0;
		for (unsigned i = 0; i < k; i++)
			n = n << 8 | cur_u8(c);
		if (!cur_ok(c)) {
			if (!d->clamp)
				flag(d, GOOSE_EV_BER_LENGTH_OVERFLOW);
			return false;
		}
	}
	if (n > cur_left(c)) {
		if (!d->clamp) {
			flag(d, GOOSE_EV_BER_LENGTH_OVERFLOW);
			cur_fail(c);
			return false;
		}
		n = cur_left(c);
		d->cut = true;
	}
	*tag = t;
	*val = cur_sub(c, n);
	return true;
}

/* An INTEGER that must fit an INT32U (stNum, sqNum, confRev, TTL...). */
static bool ber_u32(struct cursor *v, uint32_t *out)
{
	size_t n = cur_left(v);
	int b0 = cur_peek_u8(v, 0);
	if (n == 0 || n > 5 || (b0 & 0x80) || (n == 5 && b0 != 0))
		return false;
	uint64_t x = 0;
	while (cur_left(v))
		x = x << 8 | cur_u8(v);
	*out = (uint32_t)x;
	return true;
}

/* A two's complement INTEGER of 1-8 octets. */
static bool ber_i64(struct cursor *v, int64_t *out)
{
	size_t n = cur_left(v);
	if (n == 0 || n > 8)
		return false;
	uint64_t x = (cur_peek_u8(v, 0) & 0x80) ? UINT64_MAX : 0;
	while (cur_left(v))
		x = x << 8 | cur_u8(v);
	*out = (int64_t)x;
	return true;
}

/* An INTEGER that must not be negative, up to 64 bits (9 octets with a
 * leading 0). */
static bool ber_u64(struct cursor *v, uint64_t *out)
{
	size_t n = cur_left(v);
	int b0 = cur_peek_u8(v, 0);
	if (n == 0 || n > 9 || (b0 & 0x80) || (n == 9 && b0 != 0))
		return false;
	uint64_t x = 0;
	while (cur_left(v))
		x = x << 8 | cur_u8(v);
	*out = x;
	return true;
}

static bool visible(const uint8_t *p, size_t n)
{
	struct cursor c = cur_make(p, n);
	while (cur_left(&c)) {
		uint8_t b = cur_u8(&c);
		if (b < 0x20 || b > 0x7e)
			return false;
	}
	return true;
}

/* "YYYY-MM-DDTHH:MM:SS.uuuuuu+0000", as the records' own timestamps. */
static void fmt_time(char out[32], uint64_t sec, uint32_t usec)
{
	civil_format_sec(out, sec);
	out[19] = '.';
	civil_put_digits(out + 20, usec, 6);
	memcpy(out + 26, "+0000", 6);
}

/* UtcTime: seconds, then a 24-bit binary fraction of a second. */
static uint32_t frac_usec(uint32_t frac24)
{
	return (uint32_t)(((uint64_t)frac24 * 1000000u) >> 24);
}

/* ---- allData ------------------------------------------------------------------ */

static void walk_seq(struct dec *d, struct cursor *c, unsigned depth, uint32_t *count);

/* BER REAL (X.690 8.5): binary, special and decimal (NR1-3) forms. */
static bool ber_real(struct cursor *v, double *out)
{
	size_t n = cur_left(v);
	if (n == 0) {
		*out = 0;
		return true;
	}
	uint8_t f = cur_u8(v);
	if (f & 0x80) {
		unsigned base = (f >> 4) & 3, scale = (f >> 2) & 3, el = (f & 3) + 1u;
		if (base == 3)
			return false;
		if (el == 4)
			el = cur_u8(v);
		if (el == 0 || el > 4 || !cur_ok(v) || cur_left(v) < el)
			return false;
		int64_t e = (cur_peek_u8(v, 0) & 0x80) ? -1 : 0;
		for (unsigned i = 0; i < el; i++)
			e = (int64_t)((uint64_t)e << 8 | cur_u8(v));
		if (cur_left(v) == 0 || cur_left(v) > 8)
			return false;
		uint64_t m = 0;
		while (cur_left(v))
			m = m << 8 | cur_u8(v);
		int bits = base == 0 ? 1 : base == 1 ? 3 : 4;
		if (e > 4096 || e < -4096)
			return false;
		double x = ldexp((double)m, (int)(e * bits) + (int)scale);
		*out = (f & 0x40) ? -x : x;
		return true;
	}
	if (f & 0x40) { /* special values */
		if (n != 1 || f > 0x43)
			return false;
		*out = f == 0x40 ? INFINITY : f == 0x41 ? -INFINITY : f == 0x42 ? NAN : -0.0;
		return true;
	}
	unsigned form = f & 0x3f;
	size_t k = cur_left(v);
	if (form < 1 || form > 3 || k == 0 || k > 32)
		return false;
	char s[33];
	cur_bytes(v, s, k);
	s[k] = 0;
	for (size_t i = 0; i < k; i++)
		if (s[i] == ',')
			s[i] = '.';
	char *end;
	double x = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (*end)
		return false;
	*out = x;
	return true;
}

/* Bit strings (bit-string, booleanArray): the bits as '0'/'1'. */
static bool log_bits(struct dec *d, const char *key, struct cursor *v)
{
	size_t n = cur_left(v);
	int pad = cur_peek_u8(v, 0);
	if (n == 0 || pad > 7 || (n == 1 && pad != 0))
		return false;
	if (!d->jb)
		return true;
	cur_skip(v, 1);
	uint64_t bits = (uint64_t)(n - 1) * 8 - (unsigned)pad;
	char s[LOG_BITS + 1];
	size_t k = 0;
	while (k < bits && k < LOG_BITS) {
		uint8_t b = cur_u8(v);
		for (int i = 7; i >= 0 && k < bits && k < LOG_BITS; i--)
			s[k++] = (char)('0' + ((b >> i) & 1));
	}
	jb_set_asciin(d->jb, key, s, k);
	if (bits > LOG_BITS)
		jb_set_uint(d->jb, "bits", bits);
	return true;
}

/* OBJECT IDENTIFIER as dotted arcs (the first 150 characters). */
static bool log_oid(struct dec *d, const char *key, struct cursor *v)
{
	char s[160];
	size_t k = 0;
	bool first = true, cut = false;
	if (!cur_left(v))
		return false;
	while (cur_left(v)) {
		uint64_t arc = 0;
		unsigned octets = 0;
		uint8_t b;
		do {
			b = cur_u8(v);
			if (++octets > 9 || !cur_ok(v))
				return false;
			arc = arc << 7 | (b & 0x7f);
		} while (b & 0x80);
		uint64_t a[2] = { arc, 0 };
		int na = 1;
		if (first) { /* the first subidentifier holds two arcs: 40 * X + Y */
			a[0] = arc < 80 ? arc / 40 : 2;
			a[1] = arc - a[0] * 40;
			na = 2;
			first = false;
		}
		for (int i = 0; i < na && !cut; i++) {
			char num[24];
			size_t nl = jb_format_uint(num, a[i]);
			if (k + nl + 1 > 150) {
				cut = true;
				break;
			}
			if (k)
				s[k++] = '.';
			memcpy(s + k, num, nl);
			k += nl;
		}
	}
	if (d->jb) {
		jb_set_asciin(d->jb, key, s, k);
		if (cut)
			jb_set_bool(d->jb, "truncated", true);
	}
	return true;
}

/* One Data value with its tag; contents in v. Writes it to d->jb when
 * logging and the value is within the caps. */
static void walk_value(struct dec *d, uint8_t tag, struct cursor *v, unsigned depth)
{
	d->values++;
	if (d->values > GOOSE_MAX_VALUES)
		flag(d, GOOSE_EV_TOO_MANY_VALUES);
	struct jb *jb = d->values <= GOOSE_MAX_VALUES ? d->jb : NULL;
	struct jb *save = d->jb;
	d->jb = jb; /* values below this one are not logged either when it is not */
	unsigned num = tag & 0x1f;
	bool cons = tag & 0x20;
	bool known = (tag & 0xc0) == 0x80 && num >= D_ARRAY && num < D__COUNT;
	bool container = known && (num == D_ARRAY || num == D_STRUCTURE);
	if (!known || cons != container) {
		flag(d, GOOSE_EV_INVALID_DATA);
		if (jb) {
			jb_open_object(jb, NULL);
			jb_set_uint(jb, "unknown_tag", tag);
			size_t n = cur_left(v);
			jb_set_hex(jb, "hex", v->p, n < LOG_VAL_HEX ? n : LOG_VAL_HEX);
			jb_close(jb);
		}
		d->jb = save;
		return;
	}
	const char *key = data_names[num];
	if (jb)
		jb_open_object(jb, NULL);
	bool ok = true;
	size_t n = cur_left(v);
	switch (num) {
	case D_ARRAY:
	case D_STRUCTURE:
		if (depth >= GOOSE_MAX_DEPTH) {
			flag(d, GOOSE_EV_DATA_TOO_DEEP);
			if (jb) {
				jb_open_array(jb, key);
				jb_close(jb);
				jb_set_bool(jb, "truncated", true);
			}
			break;
		}
		if (jb)
			jb_open_array(jb, key);
		walk_seq(d, v, depth + 1, NULL);
		if (jb)
			jb_close(jb);
		break;
	case D_BOOLEAN:
		ok = n == 1;
		if (ok && jb)
			jb_set_bool(jb, key, cur_u8(v) != 0);
		break;
	case D_BIT_STRING:
	case D_BOOLEAN_ARRAY:
		ok = log_bits(d, key, v);
		break;
	case D_INTEGER:
	case D_BCD: {
		int64_t x = 0;
		ok = ber_i64(v, &x);
		if (ok && jb)
			jb_set_int(jb, key, x);
		break;
	}
	case D_UNSIGNED: {
		uint64_t x = 0;
		ok = ber_u64(v, &x);
		if (ok && jb)
			jb_set_uint(jb, key, x);
		break;
	}
	case D_FLOAT: { /* exponent width (8 or 11), then IEEE 754 single or double */
		uint8_t w = cur_u8(v);
		if (n == 5 && w == 8) {
			float f = cur_be_float(v);
			if (jb)
				jb_set_float(jb, key, f);
		} else if (n == 9 && w == 11) {
			double x = cur_be_double(v);
			if (jb)
				jb_set_double(jb, key, x);
		} else {
			ok = false;
		}
		break;
	}
	case D_REAL: {
		double x = 0;
		ok = ber_real(v, &x);
		if (ok && jb)
			jb_set_double(jb, key, x);
		break;
	}
	case D_OCTET_STRING:
		if (jb) {
			jb_set_hex(jb, key, v->p, n < LOG_VAL_HEX ? n : LOG_VAL_HEX);
			if (n > LOG_VAL_HEX)
				jb_set_uint(jb, "len", n);
		}
		break;
	case D_VISIBLE_STRING:
	case D_GENERALIZED_TIME:
	case D_MMS_STRING:
		if (num != D_MMS_STRING && !visible(v->p, n))
			ok = false; /* still shown: a record says what was sent */
		if (jb) {
			jb_set_strn(jb, key, v->p, n < LOG_VAL_STR ? n : LOG_VAL_STR);
			if (n > LOG_VAL_STR)
				jb_set_uint(jb, "len", n);
		}
		break;
	case D_BINARY_TIME: { /* TimeOfDay: ms since midnight [, days since 1984-01-01] */
		uint32_t ms = cur_be32(v);
		if ((n != 4 && n != 6) || ms >= 86400000u) {
			ok = false;
			break;
		}
		if (!jb)
			break;
		char s[32];
		if (n == 6) {
			uint64_t days = cur_be16(v);
			fmt_time(s, 441763200ull + days * 86400u + ms / 1000, (ms % 1000) * 1000);
			jb_set_asciin(jb, key, s, 31);
		} else {
			char *o = civil_put_digits(s, ms / 3600000, 2);
			*o++ = ':';
			o = civil_put_digits(o, ms / 60000 % 60, 2);
			*o++ = ':';
			o = civil_put_digits(o, ms / 1000 % 60, 2);
			*o++ = '.';
			o = civil_put_digits(o, ms % 1000, 3);
			jb_set_asciin(jb, key, s, (size_t)(o - s));
		}
		break;
	}
	case D_OBJ_ID:
		ok = log_oid(d, key, v);
		break;
	case D_UTC_TIME: {
		ok = n == 8;
		if (!ok || !jb)
			break;
		uint32_t sec = cur_be32(v), frac = cur_be24(v);
		char s[32];
		fmt_time(s, sec, frac_usec(frac));
		jb_set_asciin(jb, key, s, 31);
		jb_set_uint(jb, "quality", cur_u8(v));
		break;
	}
	default:
		break;
	}
	if (!ok) {
		flag(d, GOOSE_EV_INVALID_DATA);
		if (jb) {
			if (num == D_VISIBLE_STRING || num == D_GENERALIZED_TIME)
				jb_set_bool(jb, "invalid", true);
			else
				jb_set_null(jb, key);
		}
	}
	if (jb)
		jb_close(jb);
	d->jb = save;
}

/* A SEQUENCE OF Data in c (allData, an array, a structure) at depth (1 for
 * the entries of allData). *count: its elements, when wanted. */
static void walk_seq(struct dec *d, struct cursor *c, unsigned depth, uint32_t *count)
{
	uint32_t n = 0;
	while (cur_left(c)) {
		uint8_t tag;
		struct cursor v;
		if (!ber_tlv(d, c, &tag, &v) || (d->cut && !(tag & 0x20)))
			break; /* a value cut short by the end of the frame: not shown */
		n++;
		walk_value(d, tag, &v, depth);
	}
	if (count)
		*count = n;
}

/* ---- the goosePdu --------------------------------------------------------------- */

static void dec_string(struct dec *d, struct cursor *v, const uint8_t **p, uint16_t *len,
		       bool may_be_empty)
{
	size_t n = cur_left(v);
	*p = v->p;
	*len = (uint16_t)(n > UINT16_MAX ? UINT16_MAX : n);
	if (n > GOOSE_MAX_REF)
		flag(d, GOOSE_EV_STRING_TOO_LONG);
	if ((n == 0 && !may_be_empty) || !visible(v->p, n))
		flag(d, GOOSE_EV_INVALID_FIELD);
}

static void dec_u32(struct dec *d, struct cursor *v, struct goose_tx *tx, uint32_t have,
		    uint32_t *out)
{
	if (ber_u32(v, out))
		tx->have |= have;
	else
		flag(d, GOOSE_EV_INVALID_FIELD);
}

static void dec_bool(struct dec *d, struct cursor *v, struct goose_tx *tx, uint32_t have,
		     bool *out)
{
	if (cur_left(v) == 1) {
		*out = cur_u8(v) != 0;
		tx->have |= have;
	} else {
		flag(d, GOOSE_EV_INVALID_FIELD);
	}
}

static void dec_pdu(struct dec *d, struct cursor *p, struct goose_tx *tx)
{
	uint32_t seen = 0;
	int last = -1;
	while (cur_left(p)) {
		uint8_t tag;
		struct cursor v;
		if (!ber_tlv(d, p, &tag, &v) || (d->cut && !(tag & 0x20)))
			break; /* a field cut short by the end of the frame: not shown */
		unsigned num = tag & 0x1f;
		if ((tag & 0xc0) != 0x80 || num > 12 || (seen & (1u << num))) {
			flag(d, GOOSE_EV_UNEXPECTED_FIELD); /* unknown or repeated: skipped */
			continue;
		}
		seen |= 1u << num;
		if ((int)num < last)
			flag(d, GOOSE_EV_UNEXPECTED_FIELD); /* out of order: still decoded */
		else
			last = (int)num;
		bool cons = tag & 0x20;
		if (num != 12 && cons != (num == 11)) {
			flag(d, GOOSE_EV_INVALID_FIELD);
			continue;
		}
		switch (num) {
		case 0:
			dec_string(d, &v, &tx->gocbref, &tx->gocbref_len, false);
			tx->have |= GOOSE_HAVE_GOCBREF;
			break;
		case 1:
			dec_u32(d, &v, tx, GOOSE_HAVE_TTL, &tx->ttl_ms);
			if ((tx->have & GOOSE_HAVE_TTL) && tx->ttl_ms == 0)
				flag(d, GOOSE_EV_INVALID_FIELD);
			break;
		case 2:
			dec_string(d, &v, &tx->datset, &tx->datset_len, false);
			tx->have |= GOOSE_HAVE_DATSET;
			break;
		case 3:
			dec_string(d, &v, &tx->goid, &tx->goid_len, true);
			tx->have |= GOOSE_HAVE_GOID;
			break;
		case 4:
			if (cur_left(&v) != 8) {
				flag(d, GOOSE_EV_INVALID_FIELD);
				break;
			}
			tx->t_sec = cur_be32(&v);
			tx->t_frac = cur_be24(&v);
			tx->t_quality = cur_u8(&v);
			tx->have |= GOOSE_HAVE_T;
			break;
		case 5:
			dec_u32(d, &v, tx, GOOSE_HAVE_STNUM, &tx->stnum);
			break;
		case 6:
			dec_u32(d, &v, tx, GOOSE_HAVE_SQNUM, &tx->sqnum);
			break;
		case 7:
			dec_bool(d, &v, tx, GOOSE_HAVE_SIMULATION, &tx->simulation);
			break;
		case 8:
			dec_u32(d, &v, tx, GOOSE_HAVE_CONFREV, &tx->confrev);
			break;
		case 9:
			dec_bool(d, &v, tx, GOOSE_HAVE_NDSCOM, &tx->ndscom);
			break;
		case 10:
			dec_u32(d, &v, tx, GOOSE_HAVE_NUM_ENTRIES, &tx->num_entries);
			break;
		case 11:
			tx->all_data = v.p;
			tx->all_data_len = (uint32_t)cur_left(&v);
			tx->have |= GOOSE_HAVE_ALL_DATA;
			walk_seq(d, &v, 1, &tx->data_count);
			break;
		case 12:
			tx->security_len = (uint32_t)cur_left(&v);
			tx->have |= GOOSE_HAVE_SECURITY;
			break;
		default:
			break;
		}
	}
	for (unsigned i = 0; i < 13; i++)
		if (fields[i].mandatory && !(seen & (1u << i)))
			tx->missing |= 1u << i;
	if (tx->missing)
		flag(d, GOOSE_EV_MISSING_FIELD);
	if ((tx->have & GOOSE_HAVE_NUM_ENTRIES) && (tx->have & GOOSE_HAVE_ALL_DATA) &&
	    !d->clamp && tx->num_entries != tx->data_count)
		flag(d, GOOSE_EV_NUM_ENTRIES_MISMATCH);
	if ((tx->have & GOOSE_HAVE_SIMULATION) && tx->simulation)
		flag(d, GOOSE_EV_TEST_MODE);
	if ((tx->have & GOOSE_HAVE_NDSCOM) && tx->ndscom)
		flag(d, GOOSE_EV_NDSCOM);
}

/* The header and the APDU of one frame. */
static void dec_frame(struct dec *d, const uint8_t *pdu, size_t len, struct goose_tx *tx)
{
	struct cursor c = cur_make(pdu, len);
	if (len < 8) {
		flag(d, GOOSE_EV_TRUNCATED);
		return;
	}
	tx->appid = cur_be16(&c);
	tx->length = cur_be16(&c);
	tx->reserved1 = cur_be16(&c);
	tx->reserved2 = cur_be16(&c);
	tx->have |= GOOSE_HAVE_HEADER;
	if (tx->appid > GOOSE_APPID_MAX)
		flag(d, GOOSE_EV_APPID_OUT_OF_RANGE);
	if (tx->reserved1 & 0x8000)
		flag(d, GOOSE_EV_TEST_MODE);
	size_t body = len - 8;
	bool exact = false;
	if (tx->length < 8) {
		flag(d, GOOSE_EV_INVALID_LENGTH);
	} else if (tx->length > len) {
		flag(d, GOOSE_EV_TRUNCATED);
		d->clamp = true;
		tx->clamped = true;
	} else {
		body = tx->length - 8u;
		exact = true;
	}
	struct cursor b = cur_sub(&c, body);
	uint8_t tag;
	struct cursor p;
	if (!ber_tlv(d, &b, &tag, &p))
		return;
	tx->pdu_tag = tag;
	tx->have |= GOOSE_HAVE_PDU;
	if (exact && cur_left(&b))
		flag(d, GOOSE_EV_INVALID_LENGTH);
	if (tag != GOOSE_TAG_PDU) {
		flag(d, GOOSE_EV_UNKNOWN_PDU);
		return;
	}
	dec_pdu(d, &p, tx);
}

/* ---- publisher tracking --------------------------------------------------------- */

/* Publishers whose timeAllowedtoLive has passed at packet time ts: an
 * event each, once per silence, and their names in the tx. O(1) until the
 * earliest deadline passes, then O(n). */
static void check_silent(struct goose_state *s, struct app_ctx *ctx, uint64_t ts,
			 struct goose_tx *tx)
{
	if (ts <= s->next_check)
		return;
	uint64_t next = UINT64_MAX;
	for (uint32_t i = 0; i < s->n; i++) {
		if (ts <= s->deadline[i]) {
			if (s->deadline[i] < next)
				next = s->deadline[i];
			continue;
		}
		const struct goose_pub *p = &s->pub[i];
		if (tx->n_expired < GOOSE_MAX_EXPIRED_LOGGED) {
			struct goose_expired *e = &tx->expired[tx->n_expired];
			memcpy(e->gocbref, p->name, p->name_len);
			e->gocbref_len = p->name_len;
			memcpy(e->mac, p->mac, 6);
			e->appid = p->appid;
			e->ttl_ms = p->ttl_ms;
			e->stnum = p->stnum;
			e->sqnum = p->sqnum;
			e->silent_ms = (ts - p->last_ts) / 1000u;
		}
		tx->n_expired++;
		s->deadline[i] = UINT64_MAX;
		app_emit_event(ctx, &proto_goose, GOOSE_EV_TTL_EXPIRED);
	}
	s->next_check = next;
}

static uint64_t pub_key(const struct goose_tx *tx)
{
	uint8_t a[2] = { (uint8_t)(tx->appid >> 8), (uint8_t)tx->appid };
	return fnv1a(fnv1a(FNV_BASIS, tx->gocbref, tx->gocbref_len), a, 2);
}

static int pub_find(const struct goose_state *s, uint64_t key, const struct goose_tx *tx)
{
	size_t keep = tx->gocbref_len < GOOSE_NAME_KEEP ? tx->gocbref_len : GOOSE_NAME_KEEP;
	for (uint32_t i = 0; i < s->n; i++) {
		const struct goose_pub *p = &s->pub[i];
		if (s->key[i] == key && p->appid == tx->appid && p->ref_len == tx->gocbref_len &&
		    memcmp(p->name, tx->gocbref, keep) == 0)
			return (int)i;
	}
	return -1;
}

/* A slot for a new publisher: the next free one, or the one heard from least
 * recently (counted, named in the tx, with an event). */
static uint32_t pub_slot(struct goose_state *s, struct dec *d, struct goose_tx *tx)
{
	if (s->n < GOOSE_MAX_PUBLISHERS)
		return s->n++;
	uint32_t old = 0;
	for (uint32_t i = 1; i < s->n; i++)
		if (s->pub[i].last_ts < s->pub[old].last_ts)
			old = i;
	const struct goose_pub *p = &s->pub[old];
	memcpy(tx->evicted.gocbref, p->name, p->name_len);
	tx->evicted.gocbref_len = p->name_len;
	memcpy(tx->evicted.mac, p->mac, 6);
	tx->evicted.appid = p->appid;
	tx->evicted.ttl_ms = p->ttl_ms;
	tx->evicted.stnum = p->stnum;
	tx->evicted.sqnum = p->sqnum;
	tx->evicted.silent_ms = 0;
	tx->evictions = ++s->evictions;
	flag(d, GOOSE_EV_PUBLISHER_TABLE_FULL);
	return old;
}

static void pub_alive(struct goose_state *s, uint32_t i, uint64_t ts, const struct goose_tx *tx)
{
	struct goose_pub *p = &s->pub[i];
	p->last_ts = ts;
	if (tx->have & GOOSE_HAVE_TTL)
		p->ttl_ms = tx->ttl_ms;
	s->deadline[i] = p->ttl_ms ? ts + (uint64_t)p->ttl_ms * 1000u : UINT64_MAX;
	if (s->deadline[i] < s->next_check)
		s->next_check = s->deadline[i];
}

/* Checks a decoded frame against what its publisher sent before, then
 * remembers it: the sequence, t and data only when the frame moves forward
 * (so that a replayed, repeated or injected frame does not become the
 * reference), the MAC, confRev, time and TTL always. */
static void track(struct goose_state *s, struct dec *d, struct goose_tx *tx,
		  const struct app_flow_info *fi)
{
	const uint32_t need = GOOSE_HAVE_GOCBREF | GOOSE_HAVE_STNUM | GOOSE_HAVE_SQNUM;
	if ((tx->have & need) != need)
		return;
	uint64_t key = pub_key(tx);
	bool has_t = tx->have & GOOSE_HAVE_T, has_data = tx->have & GOOSE_HAVE_ALL_DATA;
	uint64_t t = (uint64_t)tx->t_sec << 24 | tx->t_frac;
	uint64_t dh = has_data ? fnv1a(FNV_BASIS, tx->all_data, tx->all_data_len) : 0;
	int found = pub_find(s, key, tx);
	struct goose_pub *p;
	if (found < 0) {
		uint32_t i = pub_slot(s, d, tx);
		p = &s->pub[i];
		memset(p, 0, sizeof(*p));
		s->key[i] = key;
		p->appid = tx->appid;
		p->ref_len = tx->gocbref_len;
		p->name_len = (uint8_t)(tx->gocbref_len < GOOSE_NAME_KEEP ? tx->gocbref_len
									  : GOOSE_NAME_KEEP);
		memcpy(p->name, tx->gocbref, p->name_len);
		if (fi->src_mac)
			memcpy(p->mac, fi->src_mac, 6);
		p->stnum = tx->stnum;
		p->sqnum = tx->sqnum;
		p->t = t;
		p->data_hash = dh;
		p->confrev = tx->confrev;
		p->flags = (uint8_t)((has_t ? PUB_HAS_T : 0) | (has_data ? PUB_HAS_DATA : 0) |
				     ((tx->have & GOOSE_HAVE_CONFREV) ? PUB_HAS_CONFREV : 0) |
				     (fi->src_mac ? PUB_HAS_MAC : 0));
		tx->new_publisher = true;
		pub_alive(s, i, fi->ts, tx);
		return;
	}
	p = &s->pub[found];
	if (fi->src_mac) {
		if ((p->flags & PUB_HAS_MAC) && memcmp(p->mac, fi->src_mac, 6) != 0)
			flag(d, GOOSE_EV_PUBLISHER_MAC_CHANGED);
		memcpy(p->mac, fi->src_mac, 6);
		p->flags |= PUB_HAS_MAC;
	}
	if (tx->have & GOOSE_HAVE_CONFREV) {
		if ((p->flags & PUB_HAS_CONFREV) && p->confrev != tx->confrev)
			flag(d, GOOSE_EV_CONFREV_CHANGED);
		p->confrev = tx->confrev;
		p->flags |= PUB_HAS_CONFREV;
	}
	bool t_known = has_t && (p->flags & PUB_HAS_T);
	bool data_known = has_data && (p->flags & PUB_HAS_DATA);
	bool newer_t = t_known && t > p->t;
	uint32_t ds = tx->stnum - p->stnum;
	bool forward = true;
	if (ds == 0) {
		uint32_t dq = tx->sqnum - p->sqnum;
		if (dq == 1 || (p->sqnum == UINT32_MAX && tx->sqnum == 1)) {
			/* in step (or rolled over) */
		} else if (dq == 0) {
			flag(d, GOOSE_EV_DUPLICATE);
			forward = false;
		} else if (dq < 0x80000000u) {
			flag(d, GOOSE_EV_SQNUM_JUMP);
		} else if (newer_t) {
			flag(d, GOOSE_EV_STNUM_RESET);
		} else {
			flag(d, GOOSE_EV_SQNUM_OUT_OF_ORDER);
			forward = false;
		}
		if (data_known && dh != p->data_hash) {
			/* the data of a state is that of its first frame: a
			 * frame that disagrees is not taken (so the
			 * publisher's own next frame is in step again) */
			flag(d, GOOSE_EV_DATA_CHANGED_WITHOUT_STNUM);
			forward = false;
		}
	} else if (ds < 0x80000000u) {
		if (ds != 1 && !(p->stnum == UINT32_MAX && tx->stnum == 1))
			flag(d, GOOSE_EV_STNUM_JUMP);
		if (tx->sqnum != 0)
			flag(d, GOOSE_EV_SQNUM_NOT_RESET);
		if (data_known && dh == p->data_hash)
			flag(d, GOOSE_EV_STNUM_WITHOUT_DATA_CHANGE);
		if (t_known && t < p->t)
			flag(d, GOOSE_EV_TIME_BACKWARDS);
	} else if (newer_t) {
		flag(d, GOOSE_EV_STNUM_RESET);
	} else {
		flag(d, GOOSE_EV_STNUM_REPLAY);
		forward = false;
	}
	if (forward) {
		p->stnum = tx->stnum;
		p->sqnum = tx->sqnum;
		if (has_t) {
			p->t = t;
			p->flags |= PUB_HAS_T;
		}
		if (has_data) {
			p->data_hash = dh;
			p->flags |= PUB_HAS_DATA;
		}
	}
	pub_alive(s, (uint32_t)found, fi->ts, tx);
}

static bool goose_dst(const uint8_t *m)
{
	return m[0] == 0x01 && m[1] == 0x0c && m[2] == 0xcd && m[3] == 0x01;
}

/* ---- the parser ------------------------------------------------------------------- */

/* A frame is one PDU, padding included (the parser reads Length itself). */
static int g_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *buf,
		     size_t len, size_t *pdu_len)
{
	(void)state;
	(void)ctx;
	(void)dir;
	(void)buf;
	*pdu_len = len;
	return APP_FRAME_OK;
}

static int g_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct goose_state *s = state;
	const struct app_flow_info *fi = app_ctx_flow(ctx);
	struct goose_tx tx;
	memset(&tx, 0, offsetof(struct goose_tx, evicted));
	struct dec d = { 0, false, false, 0, NULL };
	check_silent(s, ctx, fi->ts, &tx);
	dec_frame(&d, pdu, len, &tx);
	if (fi->dst_mac && !goose_dst(fi->dst_mac))
		flag(&d, GOOSE_EV_INVALID_DST_MAC);
	track(s, &d, &tx, fi);
	for (unsigned e = 0; e < GOOSE_EV__COUNT; e++)
		if (d.ev & (1ull << e))
			app_emit_event(ctx, &proto_goose, (uint16_t)e);
	/* one record per frame that has a header (or names silent publishers) */
	if ((tx.have & GOOSE_HAVE_HEADER) || tx.n_expired) {
		struct app_tx t = { &proto_goose, dir, false, &tx };
		app_emit_tx(ctx, &t);
	}
	return (tx.have & GOOSE_HAVE_PDU) ? 0 : -1;
}

static void *g_new(const struct app_flow_info *fi)
{
	(void)fi;
	struct goose_state *s = calloc(1, sizeof(*s));
	if (s)
		s->next_check = UINT64_MAX;
	return s;
}

static void g_free(void *s)
{
	free(s);
}

/* ---- EVE ---------------------------------------------------------------------- */

static void put_mac(struct jb *jb, const char *key, const uint8_t *m)
{
	static const char hex[] = "0123456789abcdef";
	char s[17];
	for (int i = 0; i < 6; i++) {
		s[i * 3] = hex[m[i] >> 4];
		s[i * 3 + 1] = hex[m[i] & 15];
		if (i < 5)
			s[i * 3 + 2] = ':';
	}
	jb_set_asciin(jb, key, s, 17);
}

static void g_log(const struct app_tx *t, struct jb *jb)
{
	const struct goose_tx *tx = t->data;
	if (tx->have & GOOSE_HAVE_HEADER) {
		jb_set_uint(jb, "appid", tx->appid);
		jb_set_uint(jb, "length", tx->length);
		jb_set_uint(jb, "reserved1", tx->reserved1);
		jb_set_uint(jb, "reserved2", tx->reserved2);
		jb_set_bool(jb, "simulated", tx->reserved1 & 0x8000);
	}
	if ((tx->have & GOOSE_HAVE_PDU) && tx->pdu_tag != GOOSE_TAG_PDU)
		jb_set_uint(jb, "pdu_tag", tx->pdu_tag);
	if (tx->have & GOOSE_HAVE_GOCBREF)
		jb_set_strn(jb, "gocbref", tx->gocbref,
			    tx->gocbref_len < LOG_STR_MAX ? tx->gocbref_len : LOG_STR_MAX);
	if (tx->have & GOOSE_HAVE_TTL)
		jb_set_uint(jb, "time_allowed_to_live", tx->ttl_ms);
	if (tx->have & GOOSE_HAVE_DATSET)
		jb_set_strn(jb, "datset", tx->datset,
			    tx->datset_len < LOG_STR_MAX ? tx->datset_len : LOG_STR_MAX);
	if (tx->have & GOOSE_HAVE_GOID)
		jb_set_strn(jb, "goid", tx->goid, tx->goid_len < LOG_STR_MAX ? tx->goid_len : LOG_STR_MAX);
	if (tx->have & GOOSE_HAVE_T) {
		char s[32];
		fmt_time(s, tx->t_sec, frac_usec(tx->t_frac));
		jb_set_asciin(jb, "t", s, 31);
		jb_set_uint(jb, "t_quality", tx->t_quality);
	}
	if (tx->have & GOOSE_HAVE_STNUM)
		jb_set_uint(jb, "stnum", tx->stnum);
	if (tx->have & GOOSE_HAVE_SQNUM)
		jb_set_uint(jb, "sqnum", tx->sqnum);
	if (tx->have & GOOSE_HAVE_SIMULATION)
		jb_set_bool(jb, "simulation", tx->simulation);
	if (tx->have & GOOSE_HAVE_CONFREV)
		jb_set_uint(jb, "confrev", tx->confrev);
	if (tx->have & GOOSE_HAVE_NDSCOM)
		jb_set_bool(jb, "ndscom", tx->ndscom);
	if (tx->have & GOOSE_HAVE_NUM_ENTRIES)
		jb_set_uint(jb, "num_dat_set_entries", tx->num_entries);
	if (tx->have & GOOSE_HAVE_ALL_DATA) {
		jb_set_uint(jb, "data_count", tx->data_count);
		/* the same walk as the parse, now writing: the same decisions
		 * (a frame captured short is clamped the same way) */
		struct dec d = { 0, tx->clamped, false, 0, jb };
		struct cursor c = cur_make(tx->all_data, tx->all_data_len);
		jb_open_array(jb, "data");
		walk_seq(&d, &c, 1, NULL);
		jb_close(jb);
		if (d.values > GOOSE_MAX_VALUES) {
			jb_set_bool(jb, "data_truncated", true);
			jb_set_uint(jb, "data_values", d.values);
		}
	}
	if (tx->have & GOOSE_HAVE_SECURITY)
		jb_set_uint(jb, "security_len", tx->security_len);
	if (tx->missing) {
		jb_open_array(jb, "missing_fields");
		for (unsigned i = 0; i < 13; i++)
			if (tx->missing & (1u << i))
				jb_set_ascii(jb, NULL, fields[i].name);
		jb_close(jb);
	}
	if (tx->new_publisher)
		jb_set_bool(jb, "new_publisher", true);
	if (tx->evictions) { /* the table was full: the publisher that made room */
		const struct goose_expired *e = &tx->evicted;
		jb_open_object(jb, "evicted");
		jb_set_strn(jb, "gocbref", e->gocbref, e->gocbref_len);
		jb_set_uint(jb, "appid", e->appid);
		put_mac(jb, "src_mac", e->mac);
		jb_set_uint(jb, "stnum", e->stnum);
		jb_set_uint(jb, "sqnum", e->sqnum);
		jb_set_uint(jb, "evictions", tx->evictions);
		jb_close(jb);
	}
	if (tx->n_expired) {
		jb_open_array(jb, "expired");
		for (uint32_t i = 0; i < tx->n_expired && i < GOOSE_MAX_EXPIRED_LOGGED; i++) {
			const struct goose_expired *e = &tx->expired[i];
			jb_open_object(jb, NULL);
			jb_set_strn(jb, "gocbref", e->gocbref, e->gocbref_len);
			jb_set_uint(jb, "appid", e->appid);
			put_mac(jb, "src_mac", e->mac);
			jb_set_uint(jb, "stnum", e->stnum);
			jb_set_uint(jb, "sqnum", e->sqnum);
			jb_set_uint(jb, "time_allowed_to_live", e->ttl_ms);
			jb_set_uint(jb, "silent_ms", e->silent_ms);
			jb_close(jb);
		}
		jb_close(jb);
		if (tx->n_expired > GOOSE_MAX_EXPIRED_LOGGED)
			jb_set_uint(jb, "expired_count", tx->n_expired);
	}
}

/* ---- asset inventory ---------------------------------------------------------- */

/* A publisher's first frame: its sender publishes GOOSE, and its gocbRef
 * ("<LDName>/LLN0$GO$<name>", IEC 61850-8-1 8.1.3.2) names the logical
 * device that publishes, whose name begins with the IED's. One IED
 * publishes for several logical devices: the first name heard stays. */
static bool g_identity(const struct app_tx *t, bool first, struct app_identity *id)
{
	(void)first;
	const struct goose_tx *tx = t->data;
	if (!tx->new_publisher || !(tx->have & GOOSE_HAVE_GOCBREF) || !tx->gocbref_len)
		return false;
	app_identity_init(id);
	id->weak = true;
	id->role[0] = APP_ROLE_PUBLISHER;
	size_t ld = 0;
	while (ld < tx->gocbref_len && tx->gocbref[ld] != '/')
		ld++;
	app_identity_set(id, APP_IDF_NAME, tx->gocbref, ld);
	app_identity_ext(id, "gocbref", tx->gocbref, tx->gocbref_len);
	app_identity_num(id, "appid", tx->appid, APP_ID_SENDER);
	return true;
}

static int g_tx_function(const struct app_tx *t)
{
	const struct goose_tx *tx = t->data;
	/* GOOSE has no function code: the APDU's choice (1 = goosePdu) */
	return (tx->have & GOOSE_HAVE_PDU) && tx->pdu_tag == GOOSE_TAG_PDU ? 1 : -1;
}

/* ---- facts (the learned baseline) -------------------------------------------
 *
 * function: 1 "goose_pdu", a report (published). Address spaces: the APPID
 * (id 1), confRev (2), numDatSetEntries (3) and the simulation flag (4),
 * each a value seen; names: gocbRef (1), datSet (2), goID (3). The
 * conversation is the publisher's MAC address to the destination MAC. */

static void g_facts(const struct app_tx *t, struct app_facts *f)
{
	const struct goose_tx *tx = t->data;
	if (g_tx_function(t) < 0)
		return;
	f->function = 1;
	f->function_name = "goose_pdu";
	f->fclass = APP_FCLASS_REPORT;
	f->role = APP_ROLE_REPORT;
	if (tx->have & GOOSE_HAVE_HEADER)
		app_facts_range(f, "appid", 1, 0, tx->appid, tx->appid);
	if (tx->have & GOOSE_HAVE_CONFREV)
		app_facts_range(f, "confrev", 2, 0, tx->confrev, tx->confrev);
	if (tx->have & GOOSE_HAVE_NUM_ENTRIES)
		app_facts_range(f, "num_entries", 3, 0, tx->num_entries, tx->num_entries);
	if (tx->have & GOOSE_HAVE_SIMULATION)
		app_facts_range(f, "simulation", 4, 0, tx->simulation, tx->simulation);
	if (tx->have & GOOSE_HAVE_GOCBREF)
		app_facts_name(f, "gocbref", 1, tx->gocbref, tx->gocbref_len);
	if (tx->have & GOOSE_HAVE_DATSET)
		app_facts_name(f, "datset", 2, tx->datset, tx->datset_len);
	if (tx->have & GOOSE_HAVE_GOID)
		app_facts_name(f, "goid", 3, tx->goid, tx->goid_len);
}

/* ---- keywords ------------------------------------------------------------------- */

enum { KW_APPID, KW_STNUM, KW_SQNUM, KW_TTL, KW_CONFREV, KW_NUM_ENTRIES, KW_TEST, KW_NDSCOM };

struct gkw {
	struct du_match m;
	uint8_t field;
};

static const struct du_name bool_names[] = {
	{ "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 },
};

static int kw_setup(const char *arg, void **data, uint8_t field, char *err, size_t errlen)
{
	struct gkw *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	k->field = field;
	bool b = field == KW_TEST || field == KW_NDSCOM;
	uint64_t max = field == KW_APPID ? 0xffff : b ? 1 : UINT32_MAX;
	if (du_parse(arg ? arg : "", max, b ? bool_names : NULL,
		     b ? sizeof(bool_names) / sizeof(bool_names[0]) : 0, &k->m, err, errlen) < 0) {
		free(k);
		return -1;
	}
	*data = k;
	return 0;
}

#define KW_SETUP(fn, field)                                                             \
	static int fn(const char *a, void **d, char *e, size_t l)                       \
	{                                                                                \
		return kw_setup(a, d, field, e, l);                                      \
	}
KW_SETUP(appid_setup, KW_APPID)
KW_SETUP(stnum_setup, KW_STNUM)
KW_SETUP(sqnum_setup, KW_SQNUM)
KW_SETUP(ttl_setup, KW_TTL)
KW_SETUP(confrev_setup, KW_CONFREV)
KW_SETUP(entries_setup, KW_NUM_ENTRIES)
KW_SETUP(test_setup, KW_TEST)
KW_SETUP(ndscom_setup, KW_NDSCOM)

static bool kw_match(const void *data, const struct app_tx *t)
{
	const struct gkw *k = data;
	const struct goose_tx *tx = t->data;
	uint64_t v;
	switch (k->field) {
	case KW_APPID:
		if (!(tx->have & GOOSE_HAVE_HEADER))
			return false;
		v = tx->appid;
		break;
	case KW_STNUM:
		if (!(tx->have & GOOSE_HAVE_STNUM))
			return false;
		v = tx->stnum;
		break;
	case KW_SQNUM:
		if (!(tx->have & GOOSE_HAVE_SQNUM))
			return false;
		v = tx->sqnum;
		break;
	case KW_TTL:
		if (!(tx->have & GOOSE_HAVE_TTL))
			return false;
		v = tx->ttl_ms;
		break;
	case KW_CONFREV:
		if (!(tx->have & GOOSE_HAVE_CONFREV))
			return false;
		v = tx->confrev;
		break;
	case KW_NUM_ENTRIES:
		if (!(tx->have & GOOSE_HAVE_NUM_ENTRIES))
			return false;
		v = tx->num_entries;
		break;
	case KW_TEST: /* the simulation (test) field or the S bit of Reserved1 */
		if (!(tx->have & GOOSE_HAVE_HEADER))
			return false;
		v = ((tx->have & GOOSE_HAVE_SIMULATION) && tx->simulation) ||
		    (tx->reserved1 & 0x8000);
		break;
	case KW_NDSCOM:
		if (!(tx->have & GOOSE_HAVE_PDU))
			return false;
		v = (tx->have & GOOSE_HAVE_NDSCOM) && tx->ndscom;
		break;
	default:
		return false;
	}
	return du_match(&k->m, v);
}

static const uint8_t *gocbref_buf(const struct app_tx *t, size_t *len)
{
	const struct goose_tx *tx = t->data;
	*len = tx->gocbref_len;
	return (tx->have & GOOSE_HAVE_GOCBREF) ? tx->gocbref : NULL;
}

static const uint8_t *datset_buf(const struct app_tx *t, size_t *len)
{
	const struct goose_tx *tx = t->data;
	*len = tx->datset_len;
	return (tx->have & GOOSE_HAVE_DATSET) ? tx->datset : NULL;
}

static const uint8_t *goid_buf(const struct app_tx *t, size_t *len)
{
	const struct goose_tx *tx = t->data;
	*len = tx->goid_len;
	return (tx->have & GOOSE_HAVE_GOID) ? tx->goid : NULL;
}

static const struct app_keyword kws[] = {
	{ "goose.gocbref", NULL, NULL, NULL, NULL, gocbref_buf },
	{ "goose.datset", NULL, NULL, NULL, NULL, datset_buf },
	{ "goose.goid", NULL, NULL, NULL, NULL, goid_buf },
	{ "goose.appid", appid_setup, kw_match, NULL, NULL, NULL },
	{ "goose.stnum", stnum_setup, kw_match, NULL, NULL, NULL },
	{ "goose.sqnum", sqnum_setup, kw_match, NULL, NULL, NULL },
	{ "goose.ttl", ttl_setup, kw_match, NULL, NULL, NULL },
	{ "goose.confrev", confrev_setup, kw_match, NULL, NULL, NULL },
	{ "goose.num_entries", entries_setup, kw_match, NULL, NULL, NULL },
	{ "goose.test", test_setup, kw_match, NULL, NULL, NULL },
	{ "goose.simulation", test_setup, kw_match, NULL, NULL, NULL },
	{ "goose.ndscom", ndscom_setup, kw_match, NULL, NULL, NULL },
};

const struct proto_parser proto_goose = {
	.name = "goose",
	.transport = APP_L2,
	.ethertype = GOOSE_ETHERTYPE,
	.pdu_len = g_pdu_len,
	.parse_pdu = g_parse,
	.state_new = g_new,
	.state_free = g_free,
	.log_tx = g_log,
	.identity = g_identity,
	.events = events,
	.n_events = GOOSE_EV__COUNT,
	.max_pdu = 65535,
	.state_size = sizeof(struct goose_state),
	.keywords = kws,
	.n_keywords = sizeof(kws) / sizeof(kws[0]),
	.tx_function = g_tx_function,
	.facts = g_facts,
};
