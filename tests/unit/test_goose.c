/* SPDX-License-Identifier: BSD-3-Clause */
/* IEC 61850 GOOSE parser: the header and goosePdu of IEC 61850-8-1 clause
 * 8.1 / Annex A in BER, every allData type, the publisher checks (stNum,
 * sqNum, t, data, confRev, MAC, timeAllowedtoLive), the table's eviction,
 * every event, the goose.* keywords, hostile lengths, and VLAN-tagged
 * frames through the real decoder and app_l2_frame. */
#include "apptest.h"

#include "decode/decode.h"
#include "pktbuild.h"
#include "proto/registry.h"
#include "vigil/packet.h"
#include "vigil/proto/goose.h"

extern const struct proto_parser proto_goose;

static const uint8_t MAC_PUB[6] = { 0x00, 0x0c, 0xcd, 0x00, 0x00, 0x01 };
static const uint8_t MAC_EVIL[6] = { 0x02, 0xba, 0xd0, 0x00, 0x00, 0x66 };
static const uint8_t MAC_GOOSE[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ---- a small BER writer (test vectors with computed lengths) ------------------- */

struct ber {
	uint8_t b[8192];
	size_t n;
};

static void ber_raw(struct ber *p, const void *d, size_t n)
{
	assert_true(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void ber_byte(struct ber *p, uint8_t v)
{
	ber_raw(p, &v, 1);
}

/* X.690 8.1.3: short form below 128, else the minimal long form */
static void ber_len(struct ber *p, size_t n)
{
	if (n < 0x80) {
		ber_byte(p, (uint8_t)n);
	} else if (n < 0x100) {
		ber_byte(p, 0x81);
		ber_byte(p, (uint8_t)n);
	} else {
		ber_byte(p, 0x82);
		ber_byte(p, (uint8_t)(n >> 8));
		ber_byte(p, (uint8_t)n);
	}
}

static void ber_tlv(struct ber *p, uint8_t tag, const void *v, size_t n)
{
	ber_byte(p, tag);
	ber_len(p, n);
	ber_raw(p, v, n);
}

static void ber_str(struct ber *p, uint8_t tag, const char *s)
{
	ber_tlv(p, tag, s, strlen(s));
}

/* INTEGER, minimal octets, a leading 0 when the top bit is set */
static void ber_uint(struct ber *p, uint8_t tag, uint32_t v)
{
	uint8_t o[5];
	int n = 0;
	for (int sh = 24; sh >= 0; sh -= 8)
		if ((v >> sh) || n || sh == 0)
			o[n++] = (uint8_t)(v >> sh);
	uint8_t out[5];
	int k = 0;
	if (o[0] & 0x80)
		out[k++] = 0;
	memcpy(out + k, o, (size_t)n);
	ber_tlv(p, tag, out, (size_t)(k + n));
}

static void ber_hex(struct ber *p, const char *hex)
{
	uint8_t tmp[4096];
	size_t n = at_hex(tmp, sizeof(tmp), hex);
	ber_raw(p, tmp, n);
}

/* One publisher's frame, field by field (IEC 61850-8-1 Annex A). */
struct g {
	uint16_t appid, res1;
	const char *gocbref, *datset, *goid;
	uint32_t ttl, st, sq, confrev, entries;
	uint32_t tsec, tfrac;
	bool sim, nds;
	const char *data; /* allData contents in hex */
};

static struct g std_g(uint32_t st, uint32_t sq)
{
	struct g g = { 0x0001, 0, "IED1LD0/LLN0$GO$gcb01", "IED1LD0/LLN0$DS1", "IED1_GO1", 2000,
		       st, sq, 1, 2, 0x65430000u + st, 0, false, false,
		       /* boolean (st & 1), Dbpos bit-string "01" */
		       NULL };
	g.data = (st & 1) ? "830101 84020640" : "830100 84020640";
	return g;
}

/* header + goosePdu into out; returns the frame payload's length */
static size_t gframe(uint8_t *out, const struct g *g)
{
	struct ber pdu = { .n = 0 };
	ber_str(&pdu, 0x80, g->gocbref);
	ber_uint(&pdu, 0x81, g->ttl);
	ber_str(&pdu, 0x82, g->datset);
	if (g->goid)
		ber_str(&pdu, 0x83, g->goid);
	uint8_t t[8] = { (uint8_t)(g->tsec >> 24), (uint8_t)(g->tsec >> 16), (uint8_t)(g->tsec >> 8),
			 (uint8_t)g->tsec, (uint8_t)(g->tfrac >> 16), (uint8_t)(g->tfrac >> 8),
			 (uint8_t)g->tfrac, 0x0a };
	ber_tlv(&pdu, 0x84, t, 8);
	ber_uint(&pdu, 0x85, g->st);
	ber_uint(&pdu, 0x86, g->sq);
	uint8_t sim = g->sim, nds = g->nds;
	ber_tlv(&pdu, 0x87, &sim, 1);
	ber_uint(&pdu, 0x88, g->confrev);
	ber_tlv(&pdu, 0x89, &nds, 1);
	ber_uint(&pdu, 0x8a, g->entries);
	struct ber data = { .n = 0 };
	ber_hex(&data, g->data);
	ber_tlv(&pdu, 0xab, data.b, data.n);
	struct ber f = { .n = 0 };
	uint8_t hdr[8] = { (uint8_t)(g->appid >> 8), (uint8_t)g->appid, 0, 0,
			   (uint8_t)(g->res1 >> 8), (uint8_t)g->res1, 0, 0 };
	ber_raw(&f, hdr, 8);
	ber_tlv(&f, 0x61, pdu.b, pdu.n);
	f.b[2] = (uint8_t)(f.n >> 8); /* Length: APPID to the end of the APDU */
	f.b[3] = (uint8_t)f.n;
	memcpy(out, f.b, f.n);
	return f.n;
}

static uint8_t fb[8192];

static void start(struct at *t)
{
	at_init(t, &proto_goose, APP_L2, 0, 0);
	t->ctx.fi.src_mac = MAC_PUB;
	t->ctx.fi.dst_mac = MAC_GOOSE;
	t->ctx.fi.ts = 1000000000000000ull;
}

/* no addresses (a frame from a capture without Ethernet): no MAC checks;
 * a fresh table for each malformed case */
static void start_bare(struct at *t)
{
	start(t);
	t->ctx.fi.src_mac = NULL;
	t->ctx.fi.dst_mac = NULL;
}

/* a frame at ms milliseconds after the start */
static void send_at(struct at *t, uint64_t ms, const void *frame, size_t n)
{
	t->ctx.fi.ts = 1000000000000000ull + ms * 1000u;
	at_datagram(t, 0, frame, n);
}

static void send_g(struct at *t, uint64_t ms, const struct g *g)
{
	size_t n = gframe(fb, g);
	send_at(t, ms, fb, n);
}

/* ---- decoding ----------------------------------------------------------------- */

static void test_decode(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned kg = at_kw(&t, "goose.gocbref", NULL);
	unsigned kd = at_kw(&t, "goose.datset", NULL);
	unsigned ki = at_kw(&t, "goose.goid", NULL);
	struct g g = std_g(5, 0);
	g.entries = 18;
	g.tsec = 0x65430000; /* 2023-11-02T01:48:48Z */
	g.tfrac = 0x800000;  /* half a second */
	g.data = "830101"                 /* boolean TRUE */
		 "84020640"               /* bit-string, 6 unused bits: 01 (Dbpos off) */
		 "8501ff"                 /* integer -1 */
		 "860300ffff"             /* unsigned 65535 (leading 0: not negative) */
		 "87050843668000"         /* floating-point: width 8, IEEE single 230.5 */
		 "87090b400921fb54442d18" /* floating-point: width 11, IEEE double pi */
		 "8902dead"               /* octet-string */
		 "8a024f4b"               /* visible-string "OK" */
		 "8c06000003e80001"       /* binary-time: 1000 ms of day 1 after 1984-01-01 */
		 "8c0402932e00"           /* binary-time: 43200000 ms, time of day only */
		 "8d0112"                 /* bcd 18 */
		 "8e020780"               /* booleanArray, 7 unused bits: 1 */
		 "8f022b06"               /* objId 1.3.6 */
		 "9003c3a974"             /* mMSString UTF-8 */
		 "91086543000000000000"   /* utc-time, quality 0 */
		 "880380fb05"             /* real: binary, base 2, exponent -5, mantissa 5 */
		 "a206830100850107"       /* structure { boolean FALSE, integer 7 } */
		 "a105a203830101";        /* array { structure { boolean TRUE } } */
	send_g(&t, 0, &g);
	AT_EVENTS(&t);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"appid\":1,\"length\":");
	AT_HAS(&t, 0, "\"reserved1\":0,\"reserved2\":0,\"simulated\":false");
	AT_HAS(&t, 0, "\"gocbref\":\"IED1LD0/LLN0$GO$gcb01\",\"time_allowed_to_live\":2000");
	AT_HAS(&t, 0, "\"datset\":\"IED1LD0/LLN0$DS1\",\"goid\":\"IED1_GO1\"");
	AT_HAS(&t, 0, "\"t\":\"2023-11-02T01:48:48.500000+0000\",\"t_quality\":10");
	AT_HAS(&t, 0, "\"stnum\":5,\"sqnum\":0,\"simulation\":false,\"confrev\":1,\"ndscom\":false");
	AT_HAS(&t, 0, "\"num_dat_set_entries\":18,\"data_count\":18");
	AT_HAS(&t, 0, "{\"boolean\":true},{\"bit_string\":\"01\"},{\"integer\":-1},{\"unsigned\":65535}");
	AT_HAS(&t, 0, "{\"floating_point\":230.5},{\"floating_point\":3.141592653589793}");
	AT_HAS(&t, 0, "{\"octet_string\":\"dead\"},{\"visible_string\":\"OK\"}");
	AT_HAS(&t, 0, "{\"binary_time\":\"1984-01-02T00:00:01.000000+0000\"}");
	AT_HAS(&t, 0, "{\"binary_time\":\"12:00:00.000\"}");
	AT_HAS(&t, 0, "{\"bcd\":18},{\"boolean_array\":\"1\"},{\"obj_id\":\"1.3.6\"}");
	AT_HAS(&t, 0, "{\"mms_string\":\"\xc3\xa9t\"}");
	AT_HAS(&t, 0, "{\"utc_time\":\"2023-11-02T01:48:48.000000+0000\",\"quality\":0}");
	AT_HAS(&t, 0, "{\"real\":0.15625}");
	AT_HAS(&t, 0, "{\"structure\":[{\"boolean\":false},{\"integer\":7}]}");
	AT_HAS(&t, 0, "{\"array\":[{\"structure\":[{\"boolean\":true}]}]}");
	AT_HAS(&t, 0, "\"new_publisher\":true");
	AT_LACKS(&t, 0, "data_truncated");
	AT_LACKS(&t, 0, "missing_fields");
	assert_int_equal(t.fn[0], 1);
	assert_string_equal(t.kw[kg].buf, "IED1LD0/LLN0$GO$gcb01");
	assert_string_equal(t.kw[kd].buf, "IED1LD0/LLN0$DS1");
	assert_string_equal(t.kw[ki].buf, "IED1_GO1");
	at_fini(&t);
}

/* The frame of goose_all_data_primitives (icsnpp) written out by hand, with
 * long-form lengths (0x81) and Ethernet padding after Length. */
static void test_hand_vector(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	size_t n = at_hex(fb, sizeof(fb),
			  "0001 0045 0000 0000"       /* APPID 1, Length 69, Reserved1, Reserved2 */
			  "61 81 3a"                  /* goosePdu, long-form length 58 */
			  "80 05 41 2f 4c 24 47"      /* gocbRef "A/L$G" */
			  "81 03 00 9c 40"            /* timeAllowedtoLive 40000 (leading 0) */
			  "82 03 41 2f 44"            /* datSet "A/D" */
			  "84 08 65430000 400000 0a"  /* t 2023-11-02T01:48:48.25, quality 0x0a */
			  "85 04 00 ff ff ff"         /* stNum 16777215 */
			  "86 05 00 ff ff ff ff"      /* sqNum 4294967295 (5 octets) */
			  "87 01 00"                  /* simulation FALSE */
			  "88 01 01"                  /* confRev 1 */
			  "89 01 00"                  /* ndsCom FALSE */
			  "8a 01 01"                  /* numDatSetEntries 1 */
			  "ab 81 03 83 01 01"         /* allData, long-form length 3: boolean TRUE */
			  "00 00 00 00 00 00");       /* Ethernet padding */
	send_at(&t, 0, fb, n);
	AT_EVENTS(&t);
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"length\":69");
	AT_HAS(&t, 0, "\"gocbref\":\"A/L$G\",\"time_allowed_to_live\":40000,\"datset\":\"A/D\"");
	AT_LACKS(&t, 0, "goid");
	AT_HAS(&t, 0, "\"t\":\"2023-11-02T01:48:48.250000+0000\"");
	AT_HAS(&t, 0, "\"stnum\":16777215,\"sqnum\":4294967295");
	AT_HAS(&t, 0, "\"data\":[{\"boolean\":true}]");
	/* the next frame rolls sqNum over to 0: no event */
	assert_int_equal(fb[44], 0x86); /* sqNum: tag at 44, length at 45, value at 46-50 */
	memset(fb + 46, 0, 5);
	send_at(&t, 100, fb, n);
	AT_EVENTS(&t);
	AT_HAS(&t, 1, "\"sqnum\":0");
	at_fini(&t);
}

/* ---- header and flag events --------------------------------------------------- */

static void test_header_events(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	struct g g = std_g(1, 0);
	g.appid = 0x8000; /* outside 0x0000-0x3fff */
	send_g(&t, 0, &g);
	AT_EVENTS(&t, "goose.appid_out_of_range");
	at_clear(&t);
	g = std_g(1, 1);
	t.ctx.fi.dst_mac = MAC_BCAST;
	send_g(&t, 10, &g);
	AT_EVENTS(&t, "goose.invalid_dst_mac");
	t.ctx.fi.dst_mac = MAC_GOOSE;
	at_clear(&t);
	g = std_g(1, 2);
	g.sim = true;
	send_g(&t, 20, &g);
	AT_EVENTS(&t, "goose.test_mode");
	AT_HAS(&t, 0, "\"simulation\":true");
	at_clear(&t);
	g = std_g(1, 3);
	g.res1 = 0x8000; /* Ed.2 S bit */
	send_g(&t, 30, &g);
	AT_EVENTS(&t, "goose.test_mode");
	AT_HAS(&t, 0, "\"reserved1\":32768,\"reserved2\":0,\"simulated\":true");
	at_clear(&t);
	g = std_g(1, 4);
	g.nds = true;
	send_g(&t, 40, &g);
	AT_EVENTS(&t, "goose.ndscom");
	at_clear(&t);
	g = std_g(1, 5);
	g.entries = 3; /* two entries sent */
	send_g(&t, 50, &g);
	AT_EVENTS(&t, "goose.num_entries_mismatch");
	AT_HAS(&t, 0, "\"num_dat_set_entries\":3,\"data_count\":2");
	at_fini(&t);
}

/* ---- malformed frames ------------------------------------------------------------ */

/* bytes in, exactly the events named out, and no tx without a header */
#define EXPECT(hex, ...)                                                     \
	do {                                                                 \
		at_fini(&t);                                                 \
		start_bare(&t);                                              \
		size_t n_ = at_hex(fb, sizeof(fb), hex);                     \
		send_at(&t, 0, fb, n_);                                      \
		AT_EVENTS(&t, __VA_ARGS__);                                  \
	} while (0)

static void test_malformed(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* fewer than 8 bytes of header */
	EXPECT("0001 0010 00", "goose.truncated");
	assert_int_equal(t.n_tx, 0); /* no header, no record */
	/* Length 7: below its own header */
	EXPECT("0001 0007 0000 0000 6100", "goose.invalid_length", "goose.missing_field");
	/* Length 0x20, frame of 15 bytes: a capture cut short, decoded as far as it goes */
	EXPECT("0001 0020 0000 0000 6118 8003 412f4c", "goose.truncated", "goose.missing_field");
	AT_HAS(&t, 0, "\"gocbref\":\"A/L\"");
	AT_HAS(&t, 0, "\"missing_fields\":[\"timeAllowedtoLive\",\"datSet\",\"t\",\"stNum\"");
	/* the same with a datSet cut short by the end of the frame: not shown */
	EXPECT("0001 0020 0000 0000 6118 8003 412f4c 8205 4142", "goose.truncated",
	       "goose.missing_field");
	AT_HAS(&t, 0, "\"gocbref\":\"A/L\"");
	AT_LACKS(&t, 0, "datset");
	AT_HAS(&t, 0, "\"missing_fields\":[\"timeAllowedtoLive\",\"datSet\",");
	/* allData cut inside its second value: the first is shown, no
	 * num_entries_mismatch (the frame is short, not the data set) */
	EXPECT("0001 0040 0000 0000 6130 8003412f4c 810207d0 8203412f44 8408654300000000000a "
	       "850101 860100 880101 8a0102 ab06 830101 8301",
	       "goose.truncated");
	AT_HAS(&t, 0, "\"data_count\":1,\"data\":[{\"boolean\":true}]");
	/* bytes inside Length after the APDU */
	EXPECT("0001 000c 0000 0000 6100 0000", "goose.invalid_length", "goose.missing_field");
	/* indefinite length */
	EXPECT("0001 000c 0000 0000 6180 0000", "goose.ber_indefinite_length");
	/* five length octets */
	EXPECT("0001 0010 0000 0000 6185 0000000002 0000", "goose.ber_malformed");
	/* a multi-octet tag */
	EXPECT("0001 000c 0000 0000 7f81 0100", "goose.ber_malformed");
	/* goosePdu longer than Length */
	EXPECT("0001 000c 0000 0000 6110 0000", "goose.ber_length_overflow");
	/* a gocbRef longer than the goosePdu */
	EXPECT("0001 000e 0000 0000 6104 8010 4141", "goose.ber_length_overflow",
	       "goose.missing_field");
	/* 0x84 and 0x7fffffff: far past the frame */
	EXPECT("0001 0010 0000 0000 6184 7fffffff 8000", "goose.ber_length_overflow");
	/* a gseMngtPdu, and junk */
	EXPECT("0001 000c 0000 0000 6002 8000", "goose.unknown_pdu");
	EXPECT("0001 000c 0000 0000 0402 4141", "goose.unknown_pdu");
	at_fini(&t);
}

/* the fields of a goosePdu (contents only) in a frame */
static size_t pdu_frame(uint8_t *out, const char *pdu_hex)
{
	struct ber pdu = { .n = 0 };
	ber_hex(&pdu, pdu_hex);
	struct ber f = { .n = 0 };
	ber_hex(&f, "0002 0000 0000 0000");
	ber_tlv(&f, 0x61, pdu.b, pdu.n);
	f.b[2] = (uint8_t)(f.n >> 8);
	f.b[3] = (uint8_t)f.n;
	memcpy(out, f.b, f.n);
	return f.n;
}

/* every mandatory field but allData, valid */
#define HEAD "8003412f4c 810207d0 8203412f44 8408654300000000000a 850101 860100 870100 880101 890100"

#define EXPECT_PDU(hex, ...)                                                 \
	do {                                                                 \
		at_fini(&t);                                                 \
		start_bare(&t);                                              \
		size_t n_ = pdu_frame(fb, hex);                              \
		send_at(&t, 0, fb, n_);                                      \
		AT_EVENTS(&t, __VA_ARGS__);                                  \
	} while (0)

static void test_fields(void **s)
{
	(void)s;
	struct at t;
	start_bare(&t);
	EXPECT_PDU(HEAD " 8a0101 ab03830101");
	assert_int_equal(t.n_tx, 1);
	/* allData absent */
	EXPECT_PDU(HEAD " 8a0100", "goose.missing_field");
	AT_HAS(&t, 0, "\"missing_fields\":[\"allData\"]");
	/* unknown context tag [13], a repeated stNum, a field out of order */
	EXPECT_PDU(HEAD " 8a0101 ab03830101 8d0100", "goose.unexpected_field");
	EXPECT_PDU(HEAD " 850102 8a0101 ab03830101", "goose.unexpected_field");
	EXPECT_PDU(HEAD " ab03830101 8a0101", "goose.unexpected_field");
	/* security [12] is optional and may come after allData */
	EXPECT_PDU(HEAD " 8a0101 ab03830101 8c0100");
	AT_HAS(&t, 0, "\"security_len\":1");
	/* stNum of 6 octets, negative confRev, t of 7 octets, TTL 0, a boolean of
	 * two octets, allData not constructed */
	EXPECT_PDU("8003412f4c 810207d0 8203412f44 8408654300000000000a 8506010000000000 "
		   "860100 870100 880101 890100 8a0101 ab03830101", "goose.invalid_field");
	AT_LACKS(&t, 0, "stnum");
	EXPECT_PDU("8003412f4c 810207d0 8203412f44 8408654300000000000a 850101 860100 870100 "
		   "8801ff 890100 8a0101 ab03830101", "goose.invalid_field");
	EXPECT_PDU("8003412f4c 810207d0 8203412f44 84076543000000000a 850101 860100 870100 "
		   "880101 890100 8a0101 ab03830101", "goose.invalid_field");
	EXPECT_PDU("8003412f4c 810100 8203412f44 8408654300000000000a 850101 860100 870100 "
		   "880101 890100 8a0101 ab03830101", "goose.invalid_field");
	EXPECT_PDU("8003412f4c 810207d0 8203412f44 8408654300000000000a 850101 860100 87020000 "
		   "880101 890100 8a0101 ab03830101", "goose.invalid_field");
	EXPECT_PDU(HEAD " 8a0101 8b03830101", "goose.invalid_field");
	/* a gocbRef with a control character, and an empty one */
	EXPECT_PDU("8003410a4c 810207d0 8203412f44 8408654300000000000a 850101 860100 870100 "
		   "880101 890100 8a0101 ab03830101", "goose.invalid_field");
	AT_HAS(&t, 0, "\"gocbref\":\"A\\nL\"");
	EXPECT_PDU("8000 810207d0 8203412f44 8408654300000000000a 850101 860100 870100 "
		   "880101 890100 8a0101 ab03830101", "goose.invalid_field");
	/* a datSet of 130 characters */
	char big[400] = "8003412f4c 810207d0 8281";
	size_t k = strlen(big);
	k += (size_t)snprintf(big + k, sizeof(big) - k, "%02x", 130);
	for (int i = 0; i < 130; i++)
		k += (size_t)snprintf(big + k, sizeof(big) - k, "41");
	snprintf(big + k, sizeof(big) - k, " 8408654300000000000a 850101 860100 870100 880101 890100 8a0101 ab03830101");
	EXPECT_PDU(big, "goose.string_too_long");
	at_fini(&t);
}

static void test_data_events(void **s)
{
	(void)s;
	struct at t;
	start_bare(&t);
	/* a boolean of two octets, an unknown tag [20], a float of 4 octets, a
	 * bit-string with 8 unused bits, a utc-time of 7, a structure not
	 * constructed: each a goose.invalid_data, the value null */
	EXPECT_PDU(HEAD " 8a0101 ab0483020101", "goose.invalid_data");
	AT_HAS(&t, 0, "\"data\":[{\"boolean\":null}]");
	EXPECT_PDU(HEAD " 8a0101 ab03940100", "goose.invalid_data");
	AT_HAS(&t, 0, "{\"unknown_tag\":148,\"hex\":\"00\"}");
	EXPECT_PDU(HEAD " 8a0101 ab06870408000000", "goose.invalid_data");
	EXPECT_PDU(HEAD " 8a0101 ab0484020800", "goose.invalid_data");
	EXPECT_PDU(HEAD " 8a0101 ab09910765430000000000", "goose.invalid_data");
	EXPECT_PDU(HEAD " 8a0101 ab03820100", "goose.invalid_data");
	EXPECT_PDU(HEAD " 8a0101 ab048a02410a", "goose.invalid_data");
	AT_HAS(&t, 0, "{\"visible_string\":\"A\\n\",\"invalid\":true}");
	/* structures nested 12 deep: logged to 8 levels */
	struct ber d = { .n = 0 };
	ber_hex(&d, "830101");
	for (int i = 0; i < 11; i++) {
		struct ber o = { .n = 0 };
		ber_tlv(&o, 0xa2, d.b, d.n);
		d = o;
	}
	struct ber p = { .n = 0 };
	ber_hex(&p, HEAD " 8a0101");
	ber_tlv(&p, 0xab, d.b, d.n);
	char hex[2 * sizeof(p.b) + 1];
	for (size_t i = 0; i < p.n; i++)
		snprintf(hex + 2 * i, 3, "%02x", p.b[i]);
	EXPECT_PDU(hex, "goose.data_too_deep");
	AT_HAS(&t, 0, "{\"structure\":[],\"truncated\":true}");
	/* 300 booleans: 256 values logged */
	struct ber many = { .n = 0 };
	for (int i = 0; i < 300; i++)
		ber_hex(&many, "830100");
	p.n = 0;
	ber_hex(&p, HEAD);
	ber_uint(&p, 0x8a, 300);
	ber_tlv(&p, 0xab, many.b, many.n);
	for (size_t i = 0; i < p.n; i++)
		snprintf(hex + 2 * i, 3, "%02x", p.b[i]);
	EXPECT_PDU(hex, "goose.too_many_values");
	AT_HAS(&t, 0, "\"data_count\":300");
	AT_HAS(&t, 0, "\"data_truncated\":true,\"data_values\":300");
	at_fini(&t);
}

/* ---- the publisher table ------------------------------------------------------- */

static void test_sequence(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	struct g g = std_g(1, 0);
	send_g(&t, 0, &g);
	g.sq = 1;
	send_g(&t, 1000, &g);
	AT_EVENTS(&t);
	/* the same frame again */
	send_g(&t, 1001, &g);
	AT_EVENTS(&t, "goose.duplicate");
	/* sqNum 1 -> 4 */
	at_clear(&t);
	g.sq = 4;
	send_g(&t, 1500, &g);
	AT_EVENTS(&t, "goose.sqnum_jump");
	/* sqNum back to 2, same t: out of order (not taken) */
	at_clear(&t);
	g.sq = 2;
	send_g(&t, 1600, &g);
	AT_EVENTS(&t, "goose.sqnum_out_of_order");
	g.sq = 5;
	send_g(&t, 1700, &g);
	AT_EVENTS(&t, "goose.sqnum_out_of_order");
	/* a state change: stNum 2, sqNum 0, new data, later t */
	at_clear(&t);
	g = std_g(2, 0);
	send_g(&t, 2000, &g);
	AT_EVENTS(&t);
	/* an old frame replayed: stNum 1 */
	g = std_g(1, 3);
	send_g(&t, 2100, &g);
	AT_EVENTS(&t, "goose.stnum_replay");
	/* the reference stayed at stNum 2 */
	at_clear(&t);
	g = std_g(2, 1);
	send_g(&t, 2200, &g);
	AT_EVENTS(&t);
	/* same stNum, the data changed: an injection, not taken */
	g.sq = 2;
	g.data = "830101 84020680";
	send_g(&t, 2300, &g);
	AT_EVENTS(&t, "goose.data_changed_without_stnum");
	/* the publisher's own sqNum 2 is in step */
	g = std_g(2, 2);
	send_g(&t, 2350, &g);
	AT_EVENTS(&t, "goose.data_changed_without_stnum");
	/* stNum 3 with the data of stNum 2, sqNum not reset, t going back */
	at_clear(&t);
	g = std_g(3, 7);
	g.data = std_g(2, 0).data;
	g.tsec = 0x65430000;
	send_g(&t, 2400, &g);
	AT_EVENTS(&t, "goose.sqnum_not_reset", "goose.stnum_without_data_change",
		  "goose.time_backwards");
	/* stNum 3 -> 9 */
	at_clear(&t);
	g = std_g(9, 0);
	send_g(&t, 2500, &g);
	AT_EVENTS(&t, "goose.stnum_jump");
	/* a restart: stNum 1 again but with a newer t */
	at_clear(&t);
	g = std_g(1, 0);
	g.tsec = 0x66000000;
	send_g(&t, 2600, &g);
	AT_EVENTS(&t, "goose.stnum_reset");
	g.sq = 1;
	send_g(&t, 2700, &g);
	AT_EVENTS(&t, "goose.stnum_reset");
	/* confRev changes; another MAC sends for the same gocbRef */
	at_clear(&t);
	g.sq = 2;
	g.confrev = 2;
	send_g(&t, 2800, &g);
	AT_EVENTS(&t, "goose.confrev_changed");
	at_clear(&t);
	g.sq = 3;
	t.ctx.fi.src_mac = MAC_EVIL;
	send_g(&t, 2900, &g);
	AT_EVENTS(&t, "goose.publisher_mac_changed");
	/* sqNum rolls over from 2^32-1 to 0, stNum from 2^32-1 to 1 (Ed.2) */
	at_clear(&t);
	t.ctx.fi.src_mac = MAC_PUB;
	g = std_g(UINT32_MAX, UINT32_MAX);
	g.gocbref = "IED9/LLN0$GO$roll";
	send_g(&t, 3000, &g);
	g.sq = 0;
	send_g(&t, 3010, &g);
	g = std_g(1, 0);
	g.gocbref = "IED9/LLN0$GO$roll";
	g.data = "830100 84020680";
	g.tsec = 0x67000000;
	send_g(&t, 3030, &g);
	AT_EVENTS(&t);
	/* going from sqNum 0 to 2^32-1 is one step back, not a jump */
	g.sq = UINT32_MAX;
	send_g(&t, 3035, &g);
	AT_EVENTS(&t, "goose.sqnum_out_of_order");
	at_clear(&t);
	/* the same gocbRef under another APPID is another publisher */
	g.appid = 0x0009;
	g.sq = 1;
	send_g(&t, 3040, &g);
	AT_EVENTS(&t);
	AT_HAS(&t, t.n_tx - 1, "\"new_publisher\":true");
	at_fini(&t);
}

static void test_ttl(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	struct g a = std_g(1, 0), b = std_g(1, 0);
	b.gocbref = "IED2LD0/LLN0$GO$gcb02";
	b.appid = 2;
	b.ttl = 10000;
	send_g(&t, 0, &a); /* TTL 2000 ms */
	send_g(&t, 0, &b);
	a.sq = 1;
	send_g(&t, 1000, &a);
	b.sq = 1;
	send_g(&t, 1999, &b);
	AT_EVENTS(&t);
	/* a is silent: at 3001 ms its TTL (2000 ms after 1000 ms) has passed */
	b.sq = 2;
	send_g(&t, 3001, &b);
	AT_EVENTS(&t, "goose.ttl_expired");
	AT_HAS(&t, 4, "\"expired\":[{\"gocbref\":\"IED1LD0/LLN0$GO$gcb01\",\"appid\":1,"
		      "\"src_mac\":\"00:0c:cd:00:00:01\",\"stnum\":1,\"sqnum\":1,"
		      "\"time_allowed_to_live\":2000,\"silent_ms\":2001}]");
	/* once per silence */
	b.sq = 3;
	send_g(&t, 4000, &b);
	AT_EVENTS(&t, "goose.ttl_expired");
	AT_LACKS(&t, 5, "expired");
	/* a comes back: no second event; then a is late on its own frame */
	a.sq = 2;
	send_g(&t, 9000, &a);
	AT_EVENTS(&t, "goose.ttl_expired");
	at_clear(&t);
	a.sq = 3;
	send_g(&t, 11001, &a);
	AT_EVENTS(&t, "goose.ttl_expired");
	AT_HAS(&t, 0, "\"silent_ms\":2001");
	/* b's TTL of 10 s runs out at 14000 ms: it shows up on a's frame */
	at_clear(&t);
	a.sq = 4;
	send_g(&t, 12500, &a);
	AT_EVENTS(&t);
	a.sq = 5;
	send_g(&t, 14001, &a);
	AT_EVENTS(&t, "goose.ttl_expired");
	AT_HAS(&t, 1, "\"expired\":[{\"gocbref\":\"IED2LD0/LLN0$GO$gcb02\"");
	/* a frame whose header is unreadable still checks the table */
	at_clear(&t);
	send_at(&t, 20000, "\x00\x01", 2);
	AT_EVENTS(&t, "goose.ttl_expired", "goose.truncated");
	at_fini(&t);
}

static void test_table_full(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	char ref[64];
	struct g g = std_g(1, 0);
	g.ttl = 3600000;
	g.gocbref = ref;
	for (int i = 0; i < 256; i++) {
		snprintf(ref, sizeof(ref), "IED%03d/LLN0$GO$gcb", i);
		send_g(&t, (uint64_t)i, &g);
	}
	assert_int_equal(t.n_ev, 0);
	/* the 257th evicts the one heard from least recently: IED000 */
	at_clear(&t);
	snprintf(ref, sizeof(ref), "IEDNEW/LLN0$GO$gcb");
	send_g(&t, 300, &g);
	AT_EVENTS(&t, "goose.publisher_table_full");
	AT_HAS(&t, 0, "\"evicted\":{\"gocbref\":\"IED000/LLN0$GO$gcb\",\"appid\":1,"
			"\"src_mac\":\"00:0c:cd:00:00:01\",\"stnum\":1,\"sqnum\":0,\"evictions\":1}");
	/* IED001 is still known (no event, not new); IED000 comes back as new,
	 * evicting IED002, now the least recent */
	at_clear(&t);
	g.sq = 1;
	snprintf(ref, sizeof(ref), "IED001/LLN0$GO$gcb");
	send_g(&t, 301, &g);
	AT_EVENTS(&t);
	AT_LACKS(&t, 0, "new_publisher");
	snprintf(ref, sizeof(ref), "IED000/LLN0$GO$gcb");
	send_g(&t, 302, &g);
	AT_EVENTS(&t, "goose.publisher_table_full");
	AT_HAS(&t, 1, "\"new_publisher\":true");
	AT_HAS(&t, 1, "\"evicted\":{\"gocbref\":\"IED002/LLN0$GO$gcb\"");
	AT_HAS(&t, 1, "\"evictions\":2}");
	at_fini(&t);
}

/* ---- keywords --------------------------------------------------------------------- */

static void test_keywords(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned appid = at_kw(&t, "goose.appid", "0x3001");
	unsigned appid_big = at_kw(&t, "goose.appid", ">0x3fff");
	unsigned st = at_kw(&t, "goose.stnum", "5-10");
	unsigned sq = at_kw(&t, "goose.sqnum", "0");
	unsigned ttl = at_kw(&t, "goose.ttl", "<1000");
	unsigned cr = at_kw(&t, "goose.confrev", "!1");
	unsigned ne = at_kw(&t, "goose.num_entries", ">=2");
	unsigned test = at_kw(&t, "goose.test", "true"); /* 8 keywords at most per harness */
	struct g g = std_g(5, 0); /* stnum 5, sqnum 0, ttl 2000, confrev 1, 2 entries */
	g.appid = 0x3001;
	send_g(&t, 0, &g);
	g = std_g(6, 0);
	g.appid = 0x3001;
	g.sim = true;
	g.ttl = 500;
	g.confrev = 2;
	send_g(&t, 10, &g);
	assert_int_equal(t.kw[appid].matched, 2);
	assert_int_equal(t.kw[appid_big].matched, 0);
	assert_int_equal(t.kw[st].matched, 1); /* 5-10 is exclusive: 6 only */
	assert_int_equal(t.kw[sq].matched, 2);
	assert_int_equal(t.kw[ttl].matched, 1);
	assert_int_equal(t.kw[cr].matched, 1);
	assert_int_equal(t.kw[ne].matched, 2);
	assert_int_equal(t.kw[test].matched, 1);
	at_fini(&t);

	start(&t);
	unsigned simn = at_kw(&t, "goose.simulation", "false");
	g = std_g(5, 0);
	send_g(&t, 0, &g);
	g = std_g(6, 0);
	g.sim = true;
	send_g(&t, 10, &g);
	assert_int_equal(t.kw[simn].matched, 1);
	at_fini(&t);

	start(&t);
	unsigned nds = at_kw(&t, "goose.ndscom", "1");
	unsigned ndn = at_kw(&t, "goose.ndscom", "no");
	unsigned sbit = at_kw(&t, "goose.test", "1");
	g = std_g(1, 0);
	g.nds = true;
	g.res1 = 0x8000;
	send_g(&t, 0, &g);
	at_datagram(&t, 0, "\x00\x01\x00", 3); /* no header: no integer keyword matches */
	assert_int_equal(t.kw[nds].matched, 1);
	assert_int_equal(t.kw[ndn].matched, 0);
	assert_int_equal(t.kw[sbit].matched, 1);
	at_fini(&t);

	assert_non_null(at_kw_error(&proto_goose, "goose.appid", "70000"));
	assert_non_null(at_kw_error(&proto_goose, "goose.test", "2"));
	assert_non_null(at_kw_error(&proto_goose, "goose.test", "maybe"));
	assert_non_null(at_kw_error(&proto_goose, "goose.stnum", "x"));
	assert_non_null(at_kw_error(&proto_goose, "goose.stnum", "4294967296"));
	assert_null(at_kw_error(&proto_goose, "goose.stnum", "4294967295"));
	assert_null(at_kw_error(&proto_goose, "goose.sqnum", "&0xff=0"));
}

/* ---- hostile lengths ------------------------------------------------------------- */

static void test_hostile_lengths(void **s)
{
	(void)s;
	static const uint32_t lens[] = { 0, 1, 0x7fffffffu, 0xffffffffu, 0x7ffffffeu, 0xfffffffeu,
					 0x80000000u };
	struct g g = std_g(1, 0);
	size_t n = gframe(fb, &g);
	/* the goosePdu's own length is fb[9] (short form here): correct, one
	 * over, one under */
	assert_int_equal(fb[9], n - 10);
	for (int delta = -1; delta <= 1; delta++) {
		struct at t;
		start(&t);
		uint8_t f[512];
		memcpy(f, fb, n);
		assert_int_equal(f[8], 0x61);
		f[9] = (uint8_t)(f[9] + delta);
		send_at(&t, 0, f, n);
		assert_int_equal(t.n_tx, 1);
		if (delta == 0)
			AT_EVENTS(&t);
		else
			assert_true(t.n_ev >= 1);
		if (delta > 0)
			assert_int_equal(at_count_ev(&t, "goose.ber_length_overflow"), 1);
		at_fini(&t);
	}
	/* Length field: 0, 1, every large value, one above and below the frame */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]) + 2; i++) {
		struct at t;
		start(&t);
		uint8_t f[512];
		memcpy(f, fb, n);
		uint32_t l = i < sizeof(lens) / sizeof(lens[0]) ? lens[i] & 0xffff
								 : (uint32_t)n + (i & 1 ? 1u : (uint32_t)-1);
		f[2] = (uint8_t)(l >> 8);
		f[3] = (uint8_t)l;
		send_at(&t, 0, f, n);
		assert_int_equal(t.n_tx, 1);
		assert_true(t.n_ev >= 1);
		at_fini(&t);
	}
	/* a BER length of four octets, every hostile value, on the goosePdu and
	 * on gocbRef */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		for (int where = 0; where < 2; where++) {
			struct at t;
			start(&t);
			struct ber f = { .n = 0 };
			ber_hex(&f, "0001 0000 0000 0000");
			if (where == 0) {
				ber_hex(&f, "61 84");
			} else {
				ber_hex(&f, "61 0a 80 84");
			}
			uint8_t l[4] = { (uint8_t)(lens[i] >> 24), (uint8_t)(lens[i] >> 16),
					 (uint8_t)(lens[i] >> 8), (uint8_t)lens[i] };
			ber_raw(&f, l, 4);
			ber_hex(&f, "41414141");
			f.b[3] = (uint8_t)f.n;
			send_at(&t, 0, f.b, f.n);
			assert_int_equal(t.n_tx, 1);
			if (lens[i] > 4 || (where == 1 && lens[i] > 4))
				assert_int_equal(at_count_ev(&t, "goose.ber_length_overflow"), 1);
			else
				assert_true(t.n_ev >= 1); /* what is there is too short */
			at_fini(&t);
		}
	}
	/* every prefix of a valid frame: a clean failure each */
	for (size_t k = 0; k < n; k++) {
		struct at t;
		start(&t);
		send_at(&t, 0, fb, k);
		assert_true(k == 0 || t.n_ev >= 1);
		assert_int_equal(t.n_tx, k < 8 ? 0 : 1);
		at_fini(&t);
	}
}

/* ---- through the decoder: 802.1Q tags are peeled before the parser --------------- */

struct l2cap {
	char json[4096];
	unsigned n_tx, n_ev;
};

static void l2_tx(void *user, const struct app_tx *tx)
{
	struct l2cap *c = user;
	struct jb jb;
	jb_init(&jb, 1 << 16);
	jb_open_object(&jb, NULL);
	tx->proto->log_tx(tx, &jb);
	jb_close(&jb);
	snprintf(c->json, sizeof(c->json), "%s", jb.buf);
	jb_free(&jb);
	c->n_tx++;
}

static void l2_event(void *user, const struct proto_parser *p, uint16_t ev)
{
	(void)p;
	(void)ev;
	((struct l2cap *)user)->n_ev++;
}

static void test_vlan_frames(void **s)
{
	(void)s;
	struct decoder dec;
	assert_int_equal(decoder_init(&dec, NULL), 0);
	struct app_config cfg;
	app_config_defaults(&cfg);
	struct app_layer al;
	app_layer_init(&al, &cfg);
	struct l2cap cap = { .n_tx = 0 };
	al.user = &cap;
	al.on_tx = l2_tx;
	al.on_event = l2_event;
	struct g g = std_g(1, 0);
	uint8_t pdu[512];
	size_t n = gframe(pdu, &g);
	/* untagged, priority-tagged (VID 0, PCP 4), VLAN 10, QinQ 100/10 */
	static const uint16_t tags[4][2] = { { 0, 0 }, { 0x8000, 0 }, { 0x800a, 0 }, { 100, 0x800a } };
	for (int i = 0; i < 4; i++) {
		static struct pb b;
		pb_reset(&b);
		pb_bytes(&b, MAC_GOOSE, 6);
		pb_bytes(&b, MAC_PUB, 6);
		if (tags[i][1]) {
			pb_be16(&b, 0x88a8);
			pb_vlan(&b, 0x8100, tags[i][0]);
			pb_vlan(&b, ETHERTYPE_GOOSE, tags[i][1]);
		} else if (tags[i][0] || i == 1) {
			pb_be16(&b, 0x8100);
			pb_vlan(&b, ETHERTYPE_GOOSE, tags[i][0]);
		} else {
			pb_be16(&b, ETHERTYPE_GOOSE);
		}
		pb_bytes(&b, pdu, n);
		struct packet p;
		pb_packet(&b, &p, LINK_ETHERNET, (uint64_t)i + 1, 1000000u * (uint64_t)(i + 1));
		assert_int_equal(decode_packet(&dec, &p), DECODE_OK);
		assert_true(p.flags & PKT_IS_L2_ICS);
		assert_int_equal(p.vlan_cnt, i == 0 ? 0 : i == 3 ? 2 : 1);
		if (i == 2)
			assert_int_equal(p.vlan[0], 10);
		assert_int_equal(p.payload_len, n);
		cap.json[0] = 0;
		assert_true(app_l2_frame(&al, &p));
		assert_int_equal(cap.n_tx, (unsigned)i + 1);
		if (!strstr(cap.json, "\"gocbref\":\"IED1LD0/LLN0$GO$gcb01\""))
			fail_msg("frame %d: %s", i, cap.json);
		g.sq++;
		n = gframe(pdu, &g);
	}
	/* four frames in step from one publisher: no event */
	assert_int_equal(cap.n_ev, 0);
	app_layer_fini(&al);
	decoder_fini(&dec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),      cmocka_unit_test(test_hand_vector),
		cmocka_unit_test(test_header_events), cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_fields),      cmocka_unit_test(test_data_events),
		cmocka_unit_test(test_sequence),    cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_table_full),  cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_hostile_lengths), cmocka_unit_test(test_vlan_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
