/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CEF (ArcSight Common Event Format, implementation standard rev. 25/26)
 * and LEEF 2.0 (IBM QRadar Log Event Extended Format) renderings of an EVE
 * record, and reading them back for `vigil verify`.
 *
 * What a line holds, in order:
 *
 *   CEF:0|Vigil|Vigil|VER|CLASS|NAME|SEV|<dictionary keys> <flattened members>
 *       [vigilOmitted=N] [vigilCut=N] vigilRecord=<the EVE record, CEF-escaped>
 *   LEEF:2.0|Vigil|Vigil|VER|EVENTID|^|<predefined keys>^<flattened members>
 *       [^vigilOmitted=N][^vigilCut=N]^vigilRecord=<the EVE record, base64>
 *
 * - The header. CLASS: alert.signature_id, else anomaly.event, else
 *   event_type. NAME (CEF): alert.signature, else event_type with the
 *   record's reason or event ("flow: timeout", "signature: start"). SEV:
 *   an alert's severity 1..4 as 10, 7, 5, 3 (5 without one); anomaly and
 *   delivery records 3; others 1 (LEEF's sev attribute, the same).
 *
 * - The chain. The chain hashes and signs the EVE record (chain.h); the
 *   line carries that record whole, as the value of vigilRecord, so the
 *   signed bytes travel with the line: CEF's own escaping (\\ \= \n \r) is
 *   exactly reversible, so the record stays readable there; LEEF defines no
 *   escaping at all (a value runs to the next delimiter), so the record is
 *   base64 there. Signature records are lines like any other. `vigil
 *   verify` takes the record out of the line, checks it as it checks an
 *   EVE line, and renders it again: every byte of the line (but the
 *   VER field, the release that wrote it) must be that rendering, so a
 *   field the SIEM shows cannot be altered without verify noticing. The
 *   rendering is therefore a pure function of the record's bytes, and the
 *   key name vigilRecord names this revision of it: a change to what a
 *   record renders to must take another key name, and verify must go on
 *   rendering the old one for the lines that carry it.
 *
 * - The fields. Members that have a key of the format's dictionary use it
 *   (CEF: src spt dst dpt proto app cat act smac dmac in out rt start end,
 *   c6a2/c6a3 for IPv6 addresses; LEEF: src dst srcPort dstPort proto cat
 *   sev srcMAC dstMAC srcBytes dstBytes srcPackets dstPackets devTime with
 *   devTimeFormat); in
 *   CEF the chain and the record's identity go in labelled custom fields
 *   (cn1 seq, cs1 prev, cs2 event_type, cs3 flow_id, cs4 community_id, cn2
 *   pcap_cnt, flexString1 direction). A member whose value such a field
 *   holds unchanged is written there only; every other member (those
 *   transformed on the way, such as timestamp -> rt, too) is written under
 *   its EVE path: nested objects joined with dots, array items by index
 *   (alert.metadata.mitre_technique_id.0=T0846); a dot-less name that is a
 *   key of the format's dictionary gets an "eve." prefix. Up to FLAT_MAX
 *   bytes of them in record order, each value cut at VAL_MAX bytes; what
 *   did not fit is counted in vigilOmitted (members left out) and vigilCut
 *   (values cut). The record is always there whole.
 *
 * - Escaping. CEF header fields: \ and | escaped, control characters as
 *   spaces. CEF values: \ = and line ends escaped; other control characters
 *   as the text \u00XX (its backslash escaped). LEEF values: the delimiter
 *   and control characters as their JSON escapes (\u005e, \n, \u0001);
 *   LEEF has no escape character, so a backslash stays as it is. Keys:
 *   [A-Za-z0-9_.] only. No line ever holds a raw line end.
 *
 * The JSON reader below is our own rather than jansson: one pass over the
 * record in its order, no allocation, number text copied as written. A
 * jansson tree costs an allocation per value and rewrites numbers; on an
 * alert storm json_loadb alone took 157k instructions a record, this
 * reader and the whole CEF line 40k. \uXXXX escapes are decoded to UTF-8
 * (surrogate pairs joined, a lone surrogate as U+FFFD), raw bytes that are
 * not UTF-8 as U+FFFD; an escape JSON does not have, or anything else that
 * is not JSON, and the line carries the record without fields. The reader
 * is fuzzed (tests/fuzz/fuzz_sink.c).
 */
#include "output/sink.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FLAT_MAX 4096    /* bytes of flattened members in a line: with the header,
			  * the dictionary keys and an alert record, a line stays
			  * well under the 8 KiB a receiver takes by default
			  * (rsyslog maxMessageSize) */
#define VAL_MAX 1023     /* bytes of one value (ArcSight's flexString length) */
#define KEY_MAX 200      /* bytes of a flattened key */
#define CAP_MAX 512      /* a value held for a dictionary key or the header */
#define NAME_MAX_ 512    /* CEF header Name */
#define DEPTH_MAX 32
#define DEVICE_VERSION "0.1"
#define VER_MAX 31

/* ---- output ------------------------------------------------------------------ */

struct out {
	char *p;
	size_t n, cap;
	bool full;
};

static void put(struct out *o, const void *s, size_t n)
{
	if (o->full || o->n + n >= o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

static void put1(struct out *o, char c)
{
	if (o->full || o->n + 1 >= o->cap) {
		o->full = true;
		return;
	}
	o->p[o->n++] = c;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* v's decimal digits at b (room for 20); their count. No printf: a line
 * holds a dozen numbers. */
static size_t fmt_u64(char *b, uint64_t v)
{
	char t[20];
	size_t n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		b[i] = t[n - 1 - i];
	return n;
}

static void put_i64(struct out *o, int64_t v)
{
	char b[24];
	size_t k = 0;
	if (v < 0)
		b[k++] = '-';
	k += fmt_u64(b + k, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
	put(o, b, k);
}

static const char hexd[] = "0123456789abcdef";

static void put_u00(struct out *o, uint8_t c, bool esc_backslash)
{
	char b[7] = { '\\', '\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15] };
	if (esc_backslash)
		put(o, b, 7);
	else
		put(o, b + 1, 6);
}

/* Bytes copied as they are in a value (1) or a key (2): printable ASCII
 * and UTF-8 (decoded values are valid UTF-8), but for the characters the
 * format treats specially; key characters are [A-Za-z0-9_]. */
enum { T_CEF = 1, T_LEEF = 2, T_KEY = 4, T_JSON = 8, T_REC = 16 };
/* T_JSON: a plain byte of a JSON string; T_REC: a byte of the record that
 * CEF's escaping leaves as it is (all but \ = and line ends) */
#define T_ALL (T_CEF | T_LEEF | T_JSON | T_REC)
static const uint8_t ctab[256] = {
	[0x00 ... 0x09] = T_REC, [0x0b ... 0x0c] = T_REC, [0x0e ... 0x1f] = T_REC,
	[0x20 ... 0x21] = T_ALL, ['"'] = T_CEF | T_LEEF | T_REC, [0x23 ... 0x2f] = T_ALL,
	['0' ... '9'] = T_ALL | T_KEY, [0x3a ... 0x3c] = T_ALL, ['='] = T_LEEF | T_JSON,
	[0x3e ... 0x40] = T_ALL, ['A' ... 'Z'] = T_ALL | T_KEY, ['['] = T_ALL, ['\\'] = T_LEEF,
	[']'] = T_ALL, ['^'] = T_CEF | T_JSON | T_REC, ['_'] = T_ALL | T_KEY, ['`'] = T_ALL,
	['a' ... 'z'] = T_ALL | T_KEY, [0x7b ... 0x7e] = T_ALL, [0x7f] = T_JSON | T_REC,
	[0x80 ... 0xff] = T_CEF | T_LEEF | T_REC,
};

static bool cef_plain(uint8_t c)
{
	return ctab[c] & T_CEF;
}

static bool leef_plain(uint8_t c)
{
	return ctab[c] & T_LEEF;
}

/* A CEF extension value (CEF 25, "Character encoding"): \ and = escaped,
 * line ends as \n and \r; other control characters as the text \u00XX. */
static void cef_val(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t r = i;
		while (r < n && cef_plain((uint8_t)s[r]))
			r++;
		put(o, s + i, r - i);
		if (r == n)
			return;
		uint8_t c = (uint8_t)s[r];
		if (c == '\\' || c == '=') {
			char e[2] = { '\\', (char)c };
			put(o, e, 2);
		} else if (c == '\n') {
			put(o, "\\n", 2);
		} else if (c == '\r') {
			put(o, "\\r", 2);
		} else {
			put_u00(o, c, true);
		}
		i = r + 1;
	}
}

/* A LEEF value: LEEF has no escaping (a value runs to the next delimiter),
 * so the delimiter and control characters, which a value cannot hold, are
 * written as their JSON escapes. */
static void leef_val(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t r = i;
		while (r < n && leef_plain((uint8_t)s[r]))
			r++;
		put(o, s + i, r - i);
		if (r == n)
			return;
		uint8_t c = (uint8_t)s[r];
		if (c == '\n')
			put(o, "\\n", 2);
		else if (c == '\r')
			put(o, "\\r", 2);
		else if (c == '\t')
			put(o, "\\t", 2);
		else
			put_u00(o, c, false);
		i = r + 1;
	}
}

/* A CEF header field: \ and | escaped; a header holds no line end, so
 * control characters become spaces. */
static void cef_hdr(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c == '\\' || c == '|') {
			char e[2] = { '\\', (char)c };
			put(o, e, 2);
		} else {
			put1(o, c < 0x20 || c == 0x7f ? ' ' : (char)c);
		}
	}
}

/* A LEEF header field we make from a record's value (the EventID): LEEF
 * defines no escaping there either, so only [A-Za-z0-9_.:-] pass, others
 * become '_'. */
static void leef_hdr(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '.' || c == ':' || c == '-';
		put1(o, ok ? c : '_');
	}
}

static const char b64t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void put_b64(struct out *o, const uint8_t *s, size_t n)
{
	size_t need = (n + 2) / 3 * 4;
	if (o->full || o->n + need >= o->cap) {
		o->full = true;
		return;
	}
	char *d = o->p + o->n;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		*d++ = b64t[v >> 18];
		*d++ = b64t[(v >> 12) & 63];
		*d++ = b64t[(v >> 6) & 63];
		*d++ = b64t[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
		*d++ = b64t[v >> 18];
		*d++ = b64t[(v >> 12) & 63];
		*d++ = i + 1 < n ? b64t[(v >> 6) & 63] : '=';
		*d++ = '=';
	}
	o->n += need;
}

/* ---- the values a line's header and dictionary keys take ---------------------- */

enum {
	C_TS, C_ET, C_FLOW_ID, C_PCAP, C_SRC, C_SPT, C_DST, C_DPT, C_PROTO, C_APP, C_DIR, C_CID,
	C_SID, C_SIG, C_CAT, C_SEV, C_ACT, C_SMAC, C_DMAC, C_BTS, C_BTC, C_PTS, C_PTC, C_START,
	C_END, C_SEQ, C_PREV, C_AN_EVENT, C_SIG_REASON, C_DEL_EVENT, C_FLOW_REASON, C_N
};

#define CP(s) { s, sizeof(s) - 1 }
static const struct {
	const char *s;
	size_t n;
} cap_path[C_N] = {
	[C_TS] = CP("timestamp"), [C_ET] = CP("event_type"), [C_FLOW_ID] = CP("flow_id"),
	[C_PCAP] = CP("pcap_cnt"), [C_SRC] = CP("src_ip"), [C_SPT] = CP("src_port"),
	[C_DST] = CP("dest_ip"), [C_DPT] = CP("dest_port"), [C_PROTO] = CP("proto"),
	[C_APP] = CP("app_proto"), [C_DIR] = CP("direction"), [C_CID] = CP("community_id"),
	[C_SID] = CP("alert.signature_id"), [C_SIG] = CP("alert.signature"),
	[C_CAT] = CP("alert.category"), [C_SEV] = CP("alert.severity"),
	[C_ACT] = CP("alert.action"), [C_SMAC] = CP("ether.src_mac"),
	[C_DMAC] = CP("ether.dest_mac"), [C_BTS] = CP("flow.bytes_toserver"),
	[C_BTC] = CP("flow.bytes_toclient"), [C_PTS] = CP("flow.pkts_toserver"),
	[C_PTC] = CP("flow.pkts_toclient"), [C_START] = CP("flow.start"),
	[C_END] = CP("flow.end"), [C_SEQ] = CP("seq"), [C_PREV] = CP("prev"),
	[C_AN_EVENT] = CP("anomaly.event"), [C_SIG_REASON] = CP("signature.reason"),
	[C_DEL_EVENT] = CP("delivery.event"), [C_FLOW_REASON] = CP("flow.reason"),
};
#undef CP

enum vkind { V_STR, V_NUM, V_LIT };

/* Keys of the formats' dictionaries (and ours) that a dot-less EVE member
 * name must not take: it gets an "eve." prefix instead. Sorted (strcmp). */
static const char *const cef_dict[] = {
	"act", "agt", "ahost", "aid", "amac", "app", "art", "at", "atz", "av", "c6a1", "c6a1Label",
	"c6a2", "c6a2Label", "c6a3", "c6a3Label", "c6a4", "c6a4Label", "cat", "cfp1", "cfp1Label",
	"cfp2", "cfp2Label", "cfp3", "cfp3Label", "cfp4", "cfp4Label", "cn1", "cn1Label", "cn2",
	"cn2Label", "cn3", "cn3Label", "cnt", "cs1", "cs1Label", "cs2", "cs2Label", "cs3",
	"cs3Label", "cs4", "cs4Label", "cs5", "cs5Label", "cs6", "cs6Label", "destinationDnsDomain",
	"destinationServiceName", "destinationTranslatedAddress", "destinationTranslatedPort",
	"deviceCustomDate1", "deviceCustomDate1Label", "deviceCustomDate2",
	"deviceCustomDate2Label", "deviceDirection", "deviceDnsDomain", "deviceExternalId",
	"deviceFacility", "deviceInboundInterface", "deviceNtDomain", "deviceOutboundInterface",
	"devicePayloadId", "deviceProcessName", "deviceTranslatedAddress", "dhost", "dlat", "dlong",
	"dmac", "dntdom", "dpid", "dpriv", "dproc", "dpt", "dst", "dtz", "duid", "duser", "dvc",
	"dvchost", "dvcmac", "dvcpid", "end", "eventId", "externalId", "fileCreateTime", "fileHash",
	"fileId", "fileModificationTime", "filePath", "filePermission", "fileType", "flexDate1",
	"flexDate1Label", "flexNumber1", "flexNumber1Label", "flexNumber2", "flexNumber2Label",
	"flexString1", "flexString1Label", "flexString2", "flexString2Label", "fname", "fsize", "in",
	"msg", "oldFileCreateTime", "oldFileHash", "oldFileId", "oldFileModificationTime",
	"oldFileName", "oldFilePath", "oldFilePermission", "oldFileSize", "oldFileType", "out",
	"outcome", "proto", "rawEvent", "reason", "request", "requestClientApplication",
	"requestContext", "requestCookies", "requestMethod", "rt", "shost", "slat", "slong", "smac",
	"sntdom", "sourceDnsDomain", "sourceServiceName", "sourceTranslatedAddress",
	"sourceTranslatedPort", "spid", "spriv", "sproc", "spt", "src", "start", "suid", "suser",
	"type", "vigilCut", "vigilOmitted", "vigilRecord",
};

static const char *const leef_dict[] = {
	"AttributeLimits", "accountName", "calCountryOrRegion", "calLanguage", "cat", "devTime",
	"devTimeFormat", "domain", "dst", "dstBytes", "dstMAC", "dstPackets", "dstPort",
	"dstPostNAT", "dstPostNATPort", "dstPreNAT", "dstPreNATPort", "groupID", "identGrpName",
	"identHostName", "identMAC", "identNetBios", "identSecondlp", "identSrc", "isLoginEvent",
	"isLogoutEvent", "policy", "proto", "realm", "resource", "role", "sev", "src", "srcBytes",
	"srcMAC", "srcPackets", "srcPort", "srcPostNAT", "srcPostNATPort", "srcPreNAT",
	"srcPreNATPort", "totalPackets", "url", "usrName", "vSrc", "vSrcName", "vigilCut",
	"vigilOmitted", "vigilRecord",
};

static bool in_dict(const char *const *d, size_t n, const char *k, size_t kl)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t m = (lo + hi) / 2;
		int c = strncmp(d[m], k, kl);
		if (c == 0 && d[m][kl] != 0)
			c = 1;
		if (c == 0)
			return true;
		if (c < 0)
			lo = m + 1;
		else
			hi = m;
	}
	return false;
}

/* ---- the record, read in one pass ---------------------------------------------- */

struct render {
	enum sink_format fmt;
	const char *p, *e;
	bool err;
	int depth;
	char path[KEY_MAX + 1];
	size_t plen;
	bool path_long;        /* the key would be longer than KEY_MAX */
	struct out flat;       /* the flattened members */
	bool flat_done;        /* FLAT_MAX reached: the rest are omitted */
	uint32_t omitted, cut;
	char val[VAL_MAX + 4]; /* the value being read, decoded */
	size_t vlen;
	bool vcut;
	/* the values kept for the header and the dictionary keys */
	char cval[C_N][CAP_MAX + 1];
	int16_t clen[C_N];     /* -1: absent */
	bool consumed[C_N];
	uint8_t ipv[C_N];      /* C_SRC, C_DST: 4, 6, or 0 not an address */
	char flat_buf[FLAT_MAX + 1];
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void skip_ws(struct render *r)
{
	while (r->p < r->e && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* four hex digits at p (< e): the value, or -1 */
static long hex4(const char *p, const char *e)
{
	if (e - p < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* the UTF-8 bytes of code point cp into the value (whole, or not at all
 * once VAL_MAX is reached) */
static void val_cp(struct render *r, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 63));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 63));
		b[2] = (char)(0x80 | (cp & 63));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 63));
		b[2] = (char)(0x80 | ((cp >> 6) & 63));
		b[3] = (char)(0x80 | (cp & 63));
		n = 4;
	}
	if (r->vcut || r->vlen + n > VAL_MAX) {
		r->vcut = true;
		return;
	}
	memcpy(r->val + r->vlen, b, n);
	r->vlen += n;
}

/* The length of a valid UTF-8 sequence at p (< e) starting with a byte >=
 * 0x80, or 0 (the rules of jb_escape: no overlong forms, no surrogates,
 * nothing above U+10FFFF). */
static size_t utf8_len(const uint8_t *p, const uint8_t *e)
{
	uint8_t c = p[0];
	size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (!n || (size_t)(e - p) < n)
		return 0;
	for (size_t k = 1; k < n; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) || (c == 0xf0 && p[1] < 0x90) ||
	    (c == 0xf4 && p[1] >= 0x90))
		return 0;
	return n;
}

/* A JSON string at p ('"'), decoded into r->val (up to VAL_MAX bytes: vcut
 * says more were left out). Sets err on a syntax error. */
static void read_string(struct render *r)
{
	r->vlen = 0;
	r->vcut = false;
	const char *p = r->p + 1, *e = r->e;
	for (;;) {
		/* a run of plain bytes */
		const char *s = p;
		while (p < e && (ctab[(uint8_t)*p] & T_JSON))
			p++;
		if (p > s) {
			size_t k = (size_t)(p - s);
			if (!r->vcut && r->vlen + k <= VAL_MAX) {
				memcpy(r->val + r->vlen, s, k);
				r->vlen += k;
			} else if (!r->vcut) {
				size_t room = VAL_MAX - r->vlen;
				memcpy(r->val + r->vlen, s, room);
				r->vlen += room;
				r->vcut = true;
			}
		}
		if (p >= e) {
			r->err = true;
			return;
		}
		uint8_t c = (uint8_t)*p;
		if (c == '"') {
			r->p = p + 1;
			return;
		}
		if (c < 0x20) { /* JSON strings hold no raw control characters */
			r->err = true;
			return;
		}
		if (c >= 0x80) {
			size_t n = utf8_len((const uint8_t *)p, (const uint8_t *)e);
			if (!n) {
				val_cp(r, 0xfffd);
				p++;
				continue;
			}
			if (!r->vcut && r->vlen + n <= VAL_MAX) {
				memcpy(r->val + r->vlen, p, n);
				r->vlen += n;
			} else {
				r->vcut = true;
			}
			p += n;
			continue;
		}
		/* an escape */
		if (e - p < 2) {
			r->err = true;
			return;
		}
		char x = p[1];
		p += 2;
		switch (x) {
		case '"': val_cp(r, '"'); break;
		case '\\': val_cp(r, '\\'); break;
		case '/': val_cp(r, '/'); break;
		case 'b': val_cp(r, '\b'); break;
		case 'f': val_cp(r, '\f'); break;
		case 'n': val_cp(r, '\n'); break;
		case 'r': val_cp(r, '\r'); break;
		case 't': val_cp(r, '\t'); break;
		case 'u': {
			long u = hex4(p, e);
			if (u < 0) { /* \u without four hex digits: not JSON */
				r->err = true;
				return;
			}
			p += 4;
			if (u >= 0xd800 && u <= 0xdbff) {
				long lo = e - p >= 6 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2, e) : -1;
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					p += 6;
					val_cp(r, 0x10000 + (uint32_t)((u - 0xd800) << 10 | (lo - 0xdc00)));
				} else {
					val_cp(r, 0xfffd); /* a lone high surrogate */
				}
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				val_cp(r, 0xfffd); /* a lone low surrogate */
			} else {
				val_cp(r, (uint32_t)u);
			}
			break;
		}
		default:
			r->err = true;
			return;
		}
	}
}

/* A JSON number at p, its text copied into r->val. */
static void read_number(struct render *r)
{
	const char *p = r->p, *e = r->e;
	if (p < e && *p == '-')
		p++;
	if (p < e && *p == '0') {
		p++;
	} else if (p < e && *p >= '1' && *p <= '9') {
		while (p < e && is_digit(*p))
			p++;
	} else {
		r->err = true;
		return;
	}
	if (p < e && *p == '.') {
		p++;
		if (p >= e || !is_digit(*p)) {
			r->err = true;
			return;
		}
		while (p < e && is_digit(*p))
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (p >= e || !is_digit(*p)) {
			r->err = true;
			return;
		}
		while (p < e && is_digit(*p))
			p++;
	}
	size_t n = (size_t)(p - r->p);
	r->vcut = n > VAL_MAX;
	r->vlen = r->vcut ? VAL_MAX : n;
	memcpy(r->val, r->p, r->vlen);
	r->p = p;
}

static bool lit(struct render *r, const char *s, size_t n)
{
	if ((size_t)(r->e - r->p) < n || memcmp(r->p, s, n) != 0) {
		r->err = true;
		return false;
	}
	memcpy(r->val, s, n);
	r->vlen = n;
	r->vcut = false;
	r->p += n;
	return true;
}

/* decimal digits only, no sign, no leading zero, at most max */
static bool is_uint(const char *s, size_t n, uint64_t max)
{
	if (!n || n > 20 || (s[0] == '0' && n > 1))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]) || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v <= max;
}

static int ip_ver(const char *s, size_t n)
{
	char b[64];
	unsigned char a[16];
	if (n == 0 || n >= sizeof(b))
		return 0;
	memcpy(b, s, n);
	b[n] = 0;
	if (inet_pton(AF_INET, b, a) == 1)
		return 4;
	if (inet_pton(AF_INET6, b, a) == 1)
		return 6;
	return 0;
}

/* Is the value of capture i held unchanged by the field the format gives
 * it (so that it is not written again under its EVE path)? */
static bool consumes(struct render *r, int i, enum vkind k, const char *v, size_t n)
{
	if (i == C_SRC || i == C_DST)
		r->ipv[i] = k == V_STR ? (uint8_t)ip_ver(v, n) : 0;
	bool str = k == V_STR, num = k == V_NUM;
	if (r->fmt == SINK_CEF) {
		switch (i) {
		case C_ET: case C_FLOW_ID: case C_PREV: case C_CID: case C_DIR: case C_ACT: case C_CAT:
		case C_PROTO: case C_APP: case C_SMAC: case C_DMAC:
			return str || (num && (i == C_FLOW_ID));
		case C_SID:
			return num || str;
		case C_SIG: {
			if (!str || n > NAME_MAX_)
				return false;
			for (size_t j = 0; j < n; j++)
				if ((uint8_t)v[j] < 0x20 || v[j] == 0x7f)
					return false;
			return true;
		}
		case C_SRC: case C_DST:
			return r->ipv[i] != 0;
		case C_SPT: case C_DPT:
			return num && is_uint(v, n, 65535);
		case C_BTS: case C_BTC:
			return num && is_uint(v, n, INT32_MAX); /* bytesIn/bytesOut: Integer */
		case C_SEQ: case C_PCAP:
			return num && is_uint(v, n, INT64_MAX); /* cn1, cn2: Long */
		default:
			return false;
		}
	}
	switch (i) {
	case C_CAT: case C_PROTO: case C_SMAC: case C_DMAC:
		return str;
	case C_SID:
		return num && is_uint(v, n, UINT64_MAX);
	case C_SRC: case C_DST:
		return r->ipv[i] != 0;
	case C_SPT: case C_DPT:
		return num && is_uint(v, n, 65535);
	case C_BTS: case C_BTC: case C_PTS: case C_PTC:
		return num && is_uint(v, n, INT64_MAX);
	default:
		return false;
	}
}

/* one scalar member, its value in r->val */
static void leaf(struct render *r, enum vkind k)
{
	/* kept for the header or a dictionary key? (the first occurrence) */
	for (int i = 0; i < C_N && r->depth <= 2 && !r->path_long; i++) {
		if (cap_path[i].n != r->plen || memcmp(cap_path[i].s, r->path, r->plen) != 0)
			continue;
		if (r->clen[i] >= 0)
			break;
		size_t n = r->vlen;
		bool whole = !r->vcut && n <= CAP_MAX;
		if (!whole) {
			if (i != C_SIG)
				break;
			/* a rule's name: its head is the CEF Name still */
			n = CAP_MAX;
			while (n && ((uint8_t)r->val[n] & 0xc0) == 0x80)
				n--;
		}
		memcpy(r->cval[i], r->val, n);
		r->cval[i][n] = 0;
		r->clen[i] = (int16_t)n;
		r->consumed[i] = whole && consumes(r, i, k, r->val, n);
		if (r->consumed[i])
			return;
		break;
	}
	if (r->path_long || r->flat_done) {
		r->omitted++;
		return;
	}
	struct out *o = &r->flat;
	size_t mark = o->n;
	if (o->n)
		put1(o, r->fmt == SINK_CEF ? ' ' : '^');
	bool dotless = memchr(r->path, '.', r->plen) == NULL;
	if (dotless && (r->fmt == SINK_CEF ? in_dict(cef_dict, sizeof(cef_dict) / sizeof(*cef_dict), r->path, r->plen)
					   : in_dict(leef_dict, sizeof(leef_dict) / sizeof(*leef_dict), r->path, r->plen)))
		put(o, "eve.", 4);
	put(o, r->path, r->plen);
	put1(o, '=');
	if (r->fmt == SINK_CEF)
		cef_val(o, r->val, r->vlen);
	else
		leef_val(o, r->val, r->vlen);
	if (o->full) { /* FLAT_MAX: this one and the rest left out */
		o->full = false;
		o->n = mark;
		r->flat_done = true;
		r->omitted++;
		return;
	}
	if (r->vcut)
		r->cut++;
}

/* appends a path component (a key, sanitised to [A-Za-z0-9_], or an
 * index); returns the length to restore */
static size_t path_push(struct render *r, const char *s, size_t n)
{
	size_t old = r->plen;
	if (r->path_long)
		return old;
	size_t need = (old ? 1 : 0) + (n ? n : 1);
	if (old + need > KEY_MAX) {
		r->path_long = true;
		return old;
	}
	char *d = r->path + old;
	if (old)
		*d++ = '.';
	if (!n)
		*d++ = '_';
	for (size_t i = 0; i < n; i++)
		*d++ = ctab[(uint8_t)s[i]] & T_KEY ? s[i] : '_';
	r->plen = (size_t)(d - r->path);
	return old;
}

static void walk(struct render *r);

static void walk_object(struct render *r)
{
	r->p++;
	skip_ws(r);
	if (r->p < r->e && *r->p == '}') {
		r->p++;
		return;
	}
	for (;;) {
		skip_ws(r);
		if (r->p >= r->e || *r->p != '"') {
			r->err = true;
			return;
		}
		read_string(r);
		if (r->err)
			return;
		bool was_long = r->path_long;
		size_t old = path_push(r, r->val, r->vlen);
		skip_ws(r);
		if (r->p >= r->e || *r->p != ':') {
			r->err = true;
			return;
		}
		r->p++;
		walk(r);
		if (r->err)
			return;
		r->plen = old;
		r->path_long = was_long;
		skip_ws(r);
		if (r->p < r->e && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->e && *r->p == '}') {
			r->p++;
			return;
		}
		r->err = true;
		return;
	}
}

static void walk_array(struct render *r)
{
	r->p++;
	skip_ws(r);
	if (r->p < r->e && *r->p == ']') {
		r->p++;
		return;
	}
	for (uint64_t i = 0;; i++) {
		char ix[24];
		size_t k = fmt_u64(ix, i);
		bool was_long = r->path_long;
		size_t old = path_push(r, ix, k);
		walk(r);
		if (r->err)
			return;
		r->plen = old;
		r->path_long = was_long;
		skip_ws(r);
		if (r->p < r->e && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->e && *r->p == ']') {
			r->p++;
			return;
		}
		r->err = true;
		return;
	}
}

/* one value at p (after blanks) */
static void walk(struct render *r)
{
	skip_ws(r);
	if (r->p >= r->e) {
		r->err = true;
		return;
	}
	switch (*r->p) {
	case '{':
	case '[':
		if (++r->depth > DEPTH_MAX) {
			r->err = true;
			return;
		}
		if (*r->p == '{')
			walk_object(r);
		else
			walk_array(r);
		r->depth--;
		return;
	case '"':
		read_string(r);
		if (!r->err)
			leaf(r, V_STR);
		return;
	case 't':
		if (lit(r, "true", 4))
			leaf(r, V_LIT);
		return;
	case 'f':
		if (lit(r, "false", 5))
			leaf(r, V_LIT);
		return;
	case 'n':
		if (lit(r, "null", 4))
			leaf(r, V_LIT);
		return;
	default:
		read_number(r);
		if (!r->err)
			leaf(r, V_NUM);
		return;
	}
}

/* ---- timestamps ------------------------------------------------------------------ */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* An EVE timestamp (YYYY-MM-DDTHH:MM:SS[.frac](Z|+HHMM|+HH:MM)): ms since
 * the epoch, and the LEEF devTime text (yyyy-MM-dd'T'HH:mm:ss.SSSZ). */
static bool parse_ts(const char *s, size_t n, int64_t *ms, char leef[64])
{
	int Y, M, D, h, m, sec, frac = 0, fd = 0;
	if (n < 20 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-' ||
	    !digits(s + 8, 2, &D) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
	    !digits(s + 14, 2, &m) || s[16] != ':' || !digits(s + 17, 2, &sec))
		return false;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return false;
	size_t i = 19;
	if (i < n && s[i] == '.') {
		i++;
		size_t f0 = i;
		while (i < n && is_digit(s[i])) {
			if (fd < 3) {
				frac = frac * 10 + (s[i] - '0');
				fd++;
			}
			i++;
		}
		if (i == f0 || i - f0 > 9)
			return false;
		while (fd < 3) {
			frac *= 10;
			fd++;
		}
	}
	int off = 0, oh = 0, om = 0;
	char sign = '+';
	if (i < n && s[i] == 'Z') {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		sign = s[i];
		if (n - i == 5 && digits(s + i + 1, 2, &oh) && digits(s + i + 3, 2, &om))
			i += 5;
		else if (n - i == 6 && s[i + 3] == ':' && digits(s + i + 1, 2, &oh) && digits(s + i + 4, 2, &om))
			i += 6;
		else
			return false;
		if (oh > 23 || om > 59)
			return false;
		off = (oh * 60 + om) * (sign == '-' ? -1 : 1);
	} else {
		return false;
	}
	if (i != n)
		return false;
	int64_t t = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + m * 60 + sec;
	t -= (int64_t)off * 60;
	*ms = t * 1000 + frac;
	if (leef) { /* 2023-11-14T22:13:20.003+0000 */
		memcpy(leef, s, 19);
		char tail[11] = { '.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
				  (char)('0' + frac % 10), sign, (char)('0' + oh / 10), (char)('0' + oh % 10),
				  (char)('0' + om / 10), (char)('0' + om % 10), 0, 0 };
		memcpy(leef + 19, tail, 10);
	}
	return true;
}

/* ---- the line ------------------------------------------------------------------- */

static bool has(const struct render *r, int i)
{
	return r->clen[i] >= 0;
}

static const char *cv(const struct render *r, int i)
{
	return r->cval[i];
}

static size_t cl(const struct render *r, int i)
{
	return r->clen[i] < 0 ? 0 : (size_t)r->clen[i];
}

static void ext_sep(struct out *o, enum sink_format fmt, bool *first)
{
	if (!*first)
		put1(o, fmt == SINK_CEF ? ' ' : '^');
	*first = false;
}

/* key=value with the format's value escaping */
static void kv(struct out *o, enum sink_format fmt, bool *first, const char *k, const char *v, size_t n)
{
	ext_sep(o, fmt, first);
	puts_(o, k);
	put1(o, '=');
	if (fmt == SINK_CEF)
		cef_val(o, v, n);
	else
		leef_val(o, v, n);
}

/* a captured value under a dictionary key, when the format takes it there */
static void kv_cap(struct out *o, const struct render *r, bool *first, int i, const char *k)
{
	if (has(r, i) && r->consumed[i])
		kv(o, r->fmt, first, k, cv(r, i), cl(r, i));
}

/* a labelled CEF custom field: kLabel=label k=value */
#define cef_custom(o, r, first, i, k, label) cef_custom_((o), (r), (first), (i), k, k "Label", label)
static void cef_custom_(struct out *o, const struct render *r, bool *first, int i, const char *k,
			const char *klabel, const char *label)
{
	if (!has(r, i) || !r->consumed[i])
		return;
	kv(o, SINK_CEF, first, klabel, label, strlen(label));
	kv(o, SINK_CEF, first, k, cv(r, i), cl(r, i));
}

static void kv_num(struct out *o, enum sink_format fmt, bool *first, const char *k, int64_t v)
{
	ext_sep(o, fmt, first);
	puts_(o, k);
	put1(o, '=');
	put_i64(o, v);
}

/* the record's own detail for a CEF name: "flow: timeout", "anomaly: ..." */
static int detail_of(const struct render *r)
{
	static const struct {
		const char *et;
		int c;
	} d[] = { { "anomaly", C_AN_EVENT }, { "signature", C_SIG_REASON },
		  { "delivery", C_DEL_EVENT }, { "flow", C_FLOW_REASON } };
	if (!has(r, C_ET))
		return -1;
	for (size_t i = 0; i < sizeof(d) / sizeof(*d); i++)
		if (strcmp(cv(r, C_ET), d[i].et) == 0 && has(r, d[i].c))
			return d[i].c;
	return -1;
}

/* severity 0..10 (CEF; LEEF's sev is 1..10): an alert's 1 (high) .. 4 */
static int severity(const struct render *r)
{
	if (has(r, C_SEV) && cl(r, C_SEV) == 1) {
		switch (cv(r, C_SEV)[0]) {
		case '1': return 10;
		case '2': return 7;
		case '3': return 5;
		case '4': return 3;
		default: break;
		}
	}
	if (has(r, C_ET) && strcmp(cv(r, C_ET), "alert") == 0)
		return 5;
	if (has(r, C_ET) && (strcmp(cv(r, C_ET), "anomaly") == 0 || strcmp(cv(r, C_ET), "delivery") == 0))
		return 3;
	return 1;
}

/* the record itself, as the last member: CEF-escaped, or base64 in LEEF */
static void put_record(struct out *o, enum sink_format fmt, bool *first, const char *rec, size_t len)
{
	ext_sep(o, fmt, first);
	puts_(o, "vigilRecord=");
	if (fmt == SINK_LEEF) {
		put_b64(o, (const uint8_t *)rec, len);
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t k = i;
		while (k < len && (ctab[(uint8_t)rec[k]] & T_REC))
			k++;
		put(o, rec + i, k - i);
		if (k == len)
			break;
		char e[2] = { '\\', rec[k] == '\n' ? 'n' : rec[k] == '\r' ? 'r' : rec[k] };
		put(o, e, 2);
		i = k + 1;
	}
}

static size_t render(enum sink_format fmt, const char *rec, size_t len, const char *ver, size_t vl,
		     char *outb, size_t cap)
{
	struct render *r, rs;
	r = &rs;
	r->fmt = fmt;
	r->p = rec;
	r->e = rec + len;
	r->err = false;
	r->depth = 0;
	r->plen = 0;
	r->path_long = false;
	r->flat = (struct out){ r->flat_buf, 0, sizeof(r->flat_buf), false };
	r->flat_done = false;
	r->omitted = r->cut = 0;
	for (int i = 0; i < C_N; i++) {
		r->clen[i] = -1;
		r->consumed[i] = false;
	}
	skip_ws(r);
	if (r->p < r->e && *r->p == '{') {
		walk(r);
		skip_ws(r);
		if (r->p != r->e)
			r->err = true;
	} else {
		r->err = true;
	}
	if (r->err) {
		/* not a JSON object: the line carries it, without fields */
		r->flat.n = 0;
		r->omitted = r->cut = 0;
		for (int i = 0; i < C_N; i++)
			r->clen[i] = -1;
	}

	struct out o = { outb, 0, cap, false };
	const char *et = has(r, C_ET) ? cv(r, C_ET) : "record";
	size_t etl = has(r, C_ET) ? cl(r, C_ET) : 6;
	int det = detail_of(r);
	int sev = severity(r);
	bool first = true;
	int64_t ms;
	char leef_ts[64];
	bool ts_ok = has(r, C_TS) && parse_ts(cv(r, C_TS), cl(r, C_TS), &ms, fmt == SINK_LEEF ? leef_ts : NULL);
	if (fmt == SINK_CEF) {
		puts_(&o, "CEF:0|Vigil|Vigil|");
		put(&o, ver, vl);
		put1(&o, '|');
		if (has(r, C_SID))
			cef_hdr(&o, cv(r, C_SID), cl(r, C_SID));
		else if (det == C_AN_EVENT)
			cef_hdr(&o, cv(r, det), cl(r, det));
		else
			cef_hdr(&o, et, etl);
		put1(&o, '|');
		if (has(r, C_SIG)) {
			size_t n = cl(r, C_SIG) < NAME_MAX_ ? cl(r, C_SIG) : NAME_MAX_;
			while (n && n < cl(r, C_SIG) && ((uint8_t)cv(r, C_SIG)[n] & 0xc0) == 0x80)
				n--; /* not inside a UTF-8 sequence */
			cef_hdr(&o, cv(r, C_SIG), n);
		} else {
			cef_hdr(&o, et, etl);
			if (det >= 0) {
				put(&o, ": ", 2);
				cef_hdr(&o, cv(r, det), cl(r, det));
			}
		}
		put1(&o, '|');
		put_i64(&o, sev);
		put1(&o, '|');
		if (ts_ok)
			kv_num(&o, fmt, &first, "rt", ms);
		if (has(r, C_CAT) && r->consumed[C_CAT])
			kv_cap(&o, r, &first, C_CAT, "cat");
		else
			kv(&o, fmt, &first, "cat", et, etl);
		kv_cap(&o, r, &first, C_ACT, "act");
		if (has(r, C_SRC) && r->consumed[C_SRC]) {
			if (r->ipv[C_SRC] == 4) {
				kv_cap(&o, r, &first, C_SRC, "src");
			} else {
				kv(&o, fmt, &first, "c6a2Label", "Source IPv6 Address", 19);
				kv_cap(&o, r, &first, C_SRC, "c6a2");
			}
		}
		kv_cap(&o, r, &first, C_SPT, "spt");
		if (has(r, C_DST) && r->consumed[C_DST]) {
			if (r->ipv[C_DST] == 4) {
				kv_cap(&o, r, &first, C_DST, "dst");
			} else {
				kv(&o, fmt, &first, "c6a3Label", "Destination IPv6 Address", 24);
				kv_cap(&o, r, &first, C_DST, "c6a3");
			}
		}
		kv_cap(&o, r, &first, C_DPT, "dpt");
		kv_cap(&o, r, &first, C_PROTO, "proto");
		kv_cap(&o, r, &first, C_APP, "app");
		kv_cap(&o, r, &first, C_SMAC, "smac");
		kv_cap(&o, r, &first, C_DMAC, "dmac");
		kv_cap(&o, r, &first, C_BTS, "in");
		kv_cap(&o, r, &first, C_BTC, "out");
		int64_t t;
		if (has(r, C_START) && parse_ts(cv(r, C_START), cl(r, C_START), &t, NULL))
			kv_num(&o, fmt, &first, "start", t);
		if (has(r, C_END) && parse_ts(cv(r, C_END), cl(r, C_END), &t, NULL))
			kv_num(&o, fmt, &first, "end", t);
		cef_custom(&o, r, &first, C_SEQ, "cn1", "seq");
		cef_custom(&o, r, &first, C_PREV, "cs1", "prev");
		cef_custom(&o, r, &first, C_ET, "cs2", "event_type");
		cef_custom(&o, r, &first, C_FLOW_ID, "cs3", "flow_id");
		cef_custom(&o, r, &first, C_CID, "cs4", "community_id");
		cef_custom(&o, r, &first, C_PCAP, "cn2", "pcap_cnt");
		cef_custom(&o, r, &first, C_DIR, "flexString1", "direction");
	} else {
		puts_(&o, "LEEF:2.0|Vigil|Vigil|");
		put(&o, ver, vl);
		put1(&o, '|');
		size_t m = o.n;
		if (has(r, C_SID) && r->consumed[C_SID])
			leef_hdr(&o, cv(r, C_SID), cl(r, C_SID));
		else if (det == C_AN_EVENT)
			leef_hdr(&o, cv(r, det), cl(r, det));
		else
			leef_hdr(&o, et, etl);
		if (o.n - m > CAP_MAX)
			o.n = m + CAP_MAX;
		puts_(&o, "|^|");
		if (ts_ok) {
			kv(&o, fmt, &first, "devTime", leef_ts, strlen(leef_ts));
			kv(&o, fmt, &first, "devTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSZ", 26);
		}
		if (has(r, C_CAT) && r->consumed[C_CAT])
			kv_cap(&o, r, &first, C_CAT, "cat");
		else
			kv(&o, fmt, &first, "cat", et, etl);
		kv_num(&o, fmt, &first, "sev", sev < 1 ? 1 : sev);
		kv_cap(&o, r, &first, C_SRC, "src");
		kv_cap(&o, r, &first, C_SPT, "srcPort");
		kv_cap(&o, r, &first, C_DST, "dst");
		kv_cap(&o, r, &first, C_DPT, "dstPort");
		kv_cap(&o, r, &first, C_PROTO, "proto");
		kv_cap(&o, r, &first, C_SMAC, "srcMAC");
		kv_cap(&o, r, &first, C_DMAC, "dstMAC");
		kv_cap(&o, r, &first, C_BTS, "srcBytes");
		kv_cap(&o, r, &first, C_BTC, "dstBytes");
		kv_cap(&o, r, &first, C_PTS, "srcPackets");
		kv_cap(&o, r, &first, C_PTC, "dstPackets");
	}
	if (r->flat.n) {
		ext_sep(&o, fmt, &first);
		put(&o, r->flat.p, r->flat.n);
	}
	if (r->omitted)
		kv_num(&o, fmt, &first, "vigilOmitted", r->omitted);
	if (r->cut)
		kv_num(&o, fmt, &first, "vigilCut", r->cut);
	put_record(&o, fmt, &first, rec, len);
	if (o.full)
		return 0;
	o.p[o.n] = 0;
	return o.n;
}

size_t sink_render_cap(size_t len)
{
	/* the header (4 KiB at most) and the dictionary keys (a dozen values
	 * of CAP_MAX bytes, 7x as \\u00XX at most), the flattened members,
	 * the record (2x escaped at most; base64 is 4/3) */
	_Static_assert(4096 + 12 * (7 * CAP_MAX + 32) < (64 << 10), "sink_render_cap too small");
	return (64u << 10) + FLAT_MAX + 2 * len + 16;
}

size_t sink_render(enum sink_format fmt, const char *rec, size_t len, char *out, size_t cap)
{
	if (fmt == SINK_EVE) {
		if (len + 1 > cap)
			return 0;
		memcpy(out, rec, len);
		out[len] = 0;
		return len;
	}
	return render(fmt, rec, len, DEVICE_VERSION, strlen(DEVICE_VERSION), out, cap);
}

/* ---- reading a line back (vigil verify) ---------------------------------------- */

static const char cef_prefix[] = "CEF:0|Vigil|Vigil|";
static const char leef_prefix[] = "LEEF:2.0|Vigil|Vigil|";

static bool starts(const char *s, size_t n, const char *pre, size_t pl)
{
	return n >= pl && memcmp(s, pre, pl) == 0;
}

int sink_line_find(const char *line, size_t n, bool strict, size_t *off)
{
	*off = 0;
	if (strict) {
		if (n && line[0] == '{')
			return SINK_EVE;
		if (starts(line, n, cef_prefix, sizeof(cef_prefix) - 1))
			return SINK_CEF;
		if (starts(line, n, leef_prefix, sizeof(leef_prefix) - 1))
			return SINK_LEEF;
		return -1;
	}
	/* after a syslog header: the first of a JSON object, a CEF or a LEEF
	 * message of ours; a CEF or LEEF message of another product is no
	 * record */
	const char *b = memchr(line, '{', n);
	size_t lim = b ? (size_t)(b - line) : n;
	const char *c = memmem(line, lim, cef_prefix, sizeof(cef_prefix) - 1);
	const char *l = memmem(line, lim, leef_prefix, sizeof(leef_prefix) - 1);
	if (c || l) {
		bool cef = c && (!l || c < l);
		*off = (size_t)((cef ? c : l) - line);
		return cef ? SINK_CEF : SINK_LEEF;
	}
	if (memmem(line, lim, "CEF:", 4) || memmem(line, lim, "LEEF:", 5))
		return -1;
	if (b) {
		*off = lim;
		return SINK_EVE;
	}
	return -1;
}

/* The extension (CEF) or attributes (LEEF) of a message: after the header's
 * last '|' (CEF: seven fields, \| and \\ escaped; LEEF 2.0: six, the last
 * the delimiter). The version field is returned too. */
static const char *after_header(enum sink_format fmt, const char *m, size_t n, const char **ver,
				size_t *vl, char *delim)
{
	int fields = fmt == SINK_CEF ? 7 : 6, seen = 0;
	const char *e = m + n, *fs = m;
	*delim = fmt == SINK_CEF ? ' ' : '^';
	*ver = NULL;
	*vl = 0;
	for (const char *p = m; p < e; p++) {
		if (*p == '\\' && fmt == SINK_CEF) {
			p++;
			continue;
		}
		if (*p != '|')
			continue;
		seen++;
		if (seen == 4) {
			*ver = fs;
			*vl = (size_t)(p - fs);
		}
		if (fmt == SINK_LEEF && seen == 6) {
			/* the delimiter: one character, or xHH / 0xHH */
			size_t dl = (size_t)(p - fs);
			if (dl == 1)
				*delim = fs[0];
			else if ((dl == 3 && fs[0] == 'x') || (dl == 4 && fs[0] == '0' && fs[1] == 'x')) {
				int h1 = hexval(p[-2]), h2 = hexval(p[-1]);
				if (h1 < 0 || h2 < 0)
					return NULL;
				*delim = (char)(h1 << 4 | h2);
			} else if (dl != 0) {
				return NULL;
			} else {
				*delim = '\t';
			}
		}
		fs = p + 1;
		if (seen == fields)
			return p + 1;
	}
	return NULL;
}

static int b64v(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* strict base64 (padded) into out; the length, or -1 */
static long b64_decode(const char *s, size_t n, char *out, size_t cap)
{
	if (n % 4)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int a = b64v(s[i]), b = b64v(s[i + 1]);
		bool last = i + 4 == n;
		int c = last && s[i + 2] == '=' && s[i + 3] == '=' ? -2 : b64v(s[i + 2]);
		int d = last && s[i + 3] == '=' && c != -1 ? -2 : b64v(s[i + 3]);
		if (a < 0 || b < 0 || c == -1 || d == -1)
			return -1;
		uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)(c < 0 ? 0 : c) << 6 |
			     (uint32_t)(d < 0 ? 0 : d);
		size_t k = c < 0 ? 1 : d < 0 ? 2 : 3;
		if (o + k > cap)
			return -1;
		out[o++] = (char)(v >> 16);
		if (k > 1)
			out[o++] = (char)(v >> 8);
		if (k > 2)
			out[o++] = (char)v;
	}
	return (long)o;
}

long sink_line_record(enum sink_format fmt, const char *m, size_t n, char *out, size_t cap)
{
	const char *ver;
	size_t vl;
	char delim;
	const char *x = after_header(fmt, m, n, &ver, &vl, &delim);
	if (!x)
		return -1;
	const char *e = m + n;
	const char *key = "vigilRecord=";
	const size_t kl = 12;
	if (fmt == SINK_LEEF) {
		/* attributes run from delimiter to delimiter: find ours */
		for (const char *p = x; p < e;) {
			const char *q = memchr(p, delim, (size_t)(e - p));
			if (!q)
				q = e;
			if ((size_t)(q - p) >= kl && memcmp(p, key, kl) == 0)
				return b64_decode(p + kl, (size_t)(q - p - kl), out, cap);
			p = q + 1;
		}
		return -1;
	}
	/* CEF: the only unescaped '=' are those after keys, and a key begins
	 * after an unescaped space; the value runs to the space before the
	 * next key */
	const char *v = NULL, *vend = e, *sp = x - 1;
	for (const char *p = x; p < e; p++) {
		if (*p == '\\') {
			p++;
			continue;
		}
		if (*p == ' ') {
			sp = p;
		} else if (*p == '=') {
			if (v) {
				vend = sp;
				break;
			}
			if ((size_t)(p - sp - 1) == kl - 1 && memcmp(sp + 1, key, kl - 1) == 0)
				v = p + 1;
		}
	}
	if (!v || vend < v)
		return -1;
	size_t o = 0;
	for (const char *p = v; p < vend; p++) {
		char c = *p;
		if (c == '\\') {
			if (++p >= vend)
				return -1;
			c = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p;
			if (*p != 'n' && *p != 'r' && *p != '\\' && *p != '=')
				return -1;
		}
		if (o >= cap)
			return -1;
		out[o++] = c;
	}
	return (long)o;
}

bool sink_line_matches(enum sink_format fmt, const char *m, size_t n, const char *rec, size_t len,
		       char *scratch, size_t cap)
{
	const char *ver;
	size_t vl;
	char delim;
	if (!after_header(fmt, m, n, &ver, &vl, &delim) || !ver || vl > VER_MAX)
		return false;
	for (size_t i = 0; i < vl; i++) {
		char c = ver[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
		      c == '-' || c == '+' || c == '_'))
			return false;
	}
	size_t k = render(fmt, rec, len, ver, vl, scratch, cap);
	return k == n && memcmp(scratch, m, n) == 0;
}
