/* SPDX-License-Identifier: BSD-3-Clause */
/* MMS parser: COTP connection, session CONNECT/ACCEPT/DATA/FINISH/ABORT,
 * presentation CP/CPA/TD with the context list, ACSE AARQ/AARE/RLRQ/ABRT,
 * MMS PDUs and services (ISO 9506-2), data values, names, invokeID
 * matching, TSDU reassembly, every event, the mms.* keywords, the probe
 * against S7comm's on port 102, hostile lengths. PDUs are written below
 * with a small BER writer so that every tag is named where it is used. */
#include "apptest.h"

extern const struct proto_parser proto_mms;
extern const struct proto_parser proto_s7comm;

/* ---- a BER writer: o() opens a TLV, c() closes it (shortest length) ---- */

static struct {
	uint8_t b[70000];
	size_t n;
	size_t at[32];
	int sp;
} W;

static void w_reset(void)
{
	W.n = 0;
	W.sp = 0;
}

static void w_u8(unsigned v)
{
	assert_true(W.n < sizeof(W.b));
	W.b[W.n++] = (uint8_t)v;
}

static void w_bytes(const void *p, size_t n)
{
	assert_true(W.n + n <= sizeof(W.b));
	memcpy(W.b + W.n, p, n);
	W.n += n;
}

static void w_hex(const char *h)
{
	uint8_t t[512];
	w_bytes(t, at_hex(t, sizeof(t), h));
}

/* tag: one identifier byte, or two (0xbf28 is [40] constructed) */
static void o(unsigned tag)
{
	if (tag > 0xff)
		w_u8(tag >> 8);
	w_u8(tag & 0xff);
	W.at[W.sp++] = W.n;
}

static void c(void)
{
	size_t at = W.at[--W.sp], len = W.n - at;
	size_t k = len < 0x80 ? 1 : len < 0x100 ? 2 : 3;
	assert_true(W.n + k <= sizeof(W.b));
	memmove(W.b + at + k, W.b + at, len);
	W.n += k;
	if (k == 1) {
		W.b[at] = (uint8_t)len;
	} else if (k == 2) {
		W.b[at] = 0x81;
		W.b[at + 1] = (uint8_t)len;
	} else {
		W.b[at] = 0x82;
		W.b[at + 1] = (uint8_t)(len >> 8);
		W.b[at + 2] = (uint8_t)len;
	}
}

static void str(unsigned tag, const char *s)
{
	o(tag);
	w_bytes(s, strlen(s));
	c();
}

static void prim(unsigned tag, const char *h)
{
	o(tag);
	w_hex(h);
	c();
}

static void closeall(void)
{
	while (W.sp)
		c();
}

/* ObjectName domain-specific [1] { domainId, itemId } (ISO 9506-2 7.5.1) */
static void objdom(const char *dom, const char *item)
{
	o(0xa1);
	str(0x1a, dom);
	str(0x1a, item);
	c();
}

/* ---- the layers under MMS ---- */

static uint8_t pkt[70000];

/* TPKT + COTP DT (eot) around bytes */
static size_t dt(uint8_t *out, const uint8_t *t, size_t n, bool eot)
{
	assert_true(n + 7 <= 0xffff);
	out[0] = 3;
	out[1] = 0;
	out[2] = (uint8_t)((n + 7) >> 8);
	out[3] = (uint8_t)(n + 7);
	out[4] = 2;
	out[5] = 0xf0;
	out[6] = eot ? 0x80 : 0x00;
	memcpy(out + 7, t, n);
	return n + 7;
}

/* GIVE TOKENS, DATA TRANSFER (ISO 8327-1 8.3.1), then User-data: fully-
 * encoded-data [APPLICATION 1] { PDV-list { context id, [0] PDU } }
 * (ISO 8823 8.4.2) around the PDU written in W, into out (W keeps the PDU) */
static size_t session_data(uint8_t *out, size_t cap, unsigned ctx)
{
	static uint8_t pdu[70000];
	size_t pn = W.n;
	memcpy(pdu, W.b, pn);
	w_reset();
	w_hex("01 00 01 00");
	o(0x61);
	o(0x30);
	prim(0x02, ctx == 3 ? "03" : ctx == 1 ? "01" : "05");
	o(0xa0);
	w_bytes(pdu, pn);
	closeall();
	size_t n = W.n;
	assert_true(n <= cap);
	memcpy(out, W.b, n);
	memcpy(W.b, pdu, pn);
	W.n = pn;
	return n;
}

/* the same in a TPKT with a COTP DT, in pkt */
static size_t pdata(unsigned ctx)
{
	static uint8_t t[0xffff];
	size_t n = session_data(t, sizeof(t), ctx);
	return dt(pkt, t, n, true);
}

static void start(struct at *t)
{
	at_init(t, &proto_mms, APP_TCP, 50100, 102);
}

/* feeds the PDU in W to the server (dir 0) or the client (dir 1) */
static void send_mms(struct at *t, int dir)
{
	size_t n = pdata(3);
	at_feed(t, dir, pkt, n);
}

/* CR, CC, CONNECT and ACCEPT of an association with presentation contexts
 * 1 (ACSE) and 3 (MMS); AARQ with a password when given */
static void associate(struct at *t, const char *password, int result)
{
	uint8_t b[64];
	/* CR (ISO 8073 13.3): src-ref 6, class 0, TPDU size 1024, TSAPs 0001 */
	size_t n = at_hex(b, sizeof(b), "0300 0016 11 e0 0000 0006 00 c0010a c1020001 c2020001");
	at_feed(t, 0, b, n);
	n = at_hex(b, sizeof(b), "0300 0016 11 d0 0006 0044 00 c0010a c1020001 c2020001");
	at_feed(t, 1, b, n);
	for (int side = 0; side < 2; side++) {
		w_reset();
		/* session CONNECT (13) / ACCEPT (14): Connect Accept Item (5),
		 * Session Requirement (20), selectors (51, 52), User Data (193) */
		w_u8(side ? 14 : 13);
		size_t li_at = W.n;
		w_u8(0);
		w_hex("05 06 13 01 00 16 01 02  14 02 0002");
		if (!side)
			w_hex("33 02 0001  34 02 0001");
		w_u8(193);
		size_t ud_at = W.n;
		w_u8(0);
		/* CP-type / CPA-PPDU SET { mode [0] { normal }, [2] { ... } } */
		o(0x31);
		o(0xa0);
		prim(0x80, "01");
		c();
		o(0xa2);
		if (!side) {
			prim(0x81, "00000001");
			prim(0x82, "00000001");
			o(0xa4); /* presentation-context-definition-list */
			o(0x30);
			prim(0x02, "01");
			prim(0x06, "52010001"); /* 2.2.1.0.1 ACSE */
			o(0x30);
			prim(0x06, "5101");
			c();
			c();
			o(0x30);
			prim(0x02, "03");
			prim(0x06, "28ca220201"); /* 1.0.9506.2.1 MMS */
			o(0x30);
			prim(0x06, "5101");
			c();
			c();
			c();
		} else {
			prim(0x83, "00000001");
			o(0xa5); /* result list: acceptance, acceptance */
			o(0x30);
			prim(0x80, "00");
			prim(0x81, "5101");
			c();
			o(0x30);
			prim(0x80, "00");
			prim(0x81, "5101");
			c();
			c();
		}
		o(0x61);
		o(0x30);
		prim(0x02, "01");
		o(0xa0);
		/* AARQ [APPLICATION 0] / AARE [APPLICATION 1] (ISO 8650-1) */
		o(side ? 0x61 : 0x60);
		o(0xa1);
		prim(0x06, "28ca220203"); /* application context 1.0.9506.2.3 */
		c();
		if (side) {
			o(0xa2);
			prim(0x02, result ? "01" : "00");
			c();
			o(0xa3);
			o(0xa1);
			prim(0x02, result ? "0d" : "00"); /* authentication-failure */
			c();
			c();
		} else {
			o(0xa2);
			prim(0x06, "29018767"); /* called AP title 1.1.1.999 */
			c();
			if (password) {
				prim(0x8a, "0780");
				prim(0x8b, "520301"); /* mechanism 2.2.3.1: password */
				o(0xac);
				str(0x80, password);
				c();
			}
		}
		if (!result || !side) {
			o(0xbe); /* user-information: EXTERNAL { BER, context 3, [0] MMS } */
			o(0x28);
			prim(0x06, "5101");
			prim(0x02, "03");
			o(0xa0);
			/* initiate-RequestPDU [8] / -ResponsePDU [9] (ISO 9506-2 8.2) */
			o(side ? 0xa9 : 0xa8);
			prim(0x80, "00fde8"); /* localDetail 65000 */
			prim(0x81, "0a");
			prim(0x82, "0a");
			prim(0x83, "05");
			o(0xa4);
			prim(0x80, "01");
			prim(0x81, "05f100");
			prim(0x82, "03ee1c00000000000000ed18");
			closeall();
		} else {
			closeall();
		}
		size_t ud_len = W.n - ud_at - 1, li = W.n - li_at - 1;
		assert_true(ud_len < 255 && li < 255);
		W.b[ud_at] = (uint8_t)ud_len;
		W.b[li_at] = (uint8_t)li;
		n = dt(pkt, W.b, W.n, true);
		at_feed(t, side, pkt, n);
	}
}

static void test_association(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	associate(&t, "s3cret", 0);
	assert_int_equal(t.n_tx, 4);
	AT_HAS(&t, 0, "\"cotp\":{\"type\":\"CR\",\"dst_ref\":0,\"src_ref\":6,\"class\":0,"
		      "\"calling_tsap\":\"0001\",\"called_tsap\":\"0001\",\"tpdu_size\":1024}");
	AT_HAS(&t, 1, "\"type\":\"CC\"");
	AT_HAS(&t, 2, "\"session\":{\"spdu\":\"CN\",\"calling_selector\":\"0001\","
		      "\"called_selector\":\"0001\"}");
	AT_HAS(&t, 2, "\"presentation\":{\"ppdu\":\"CP\",\"context_id\":1,"
		      "\"calling_selector\":\"00000001\",\"called_selector\":\"00000001\","
		      "\"contexts\":[{\"id\":1,\"abstract_syntax\":\"2.2.1.0.1\",\"name\":\"acse\"},"
		      "{\"id\":3,\"abstract_syntax\":\"1.0.9506.2.1\",\"name\":\"mms\"}]}");
	AT_HAS(&t, 2, "\"acse\":{\"apdu\":\"AARQ\",\"application_context\":\"1.0.9506.2.3\","
		      "\"application_context_name\":\"mms\",\"called_ap_title\":\"1.1.1.999\","
		      "\"mechanism\":\"2.2.3.1\",\"authentication\":\"charstring\"}");
	AT_LACKS(&t, 2, "s3cret"); /* the password is never logged */
	AT_HAS(&t, 2, "\"pdu_type\":8,\"pdu_type_name\":\"initiate-RequestPDU\",\"initiate\":"
		      "{\"local_detail\":65000,\"max_serv_outstanding_calling\":10,"
		      "\"max_serv_outstanding_called\":10,\"data_structure_nesting_level\":5,"
		      "\"version\":1,\"parameter_cbb\":\"f100\",\"services_supported_bits\":85,"
		      "\"services_supported\":\"ee1c00000000000000ed18\"}");
	AT_HAS(&t, 3, "\"presentation\":{\"ppdu\":\"CPA\",\"context_id\":1,\"responding_selector\":"
		      "\"00000001\",\"contexts\":[{\"result\":0,\"result_name\":\"acceptance\"},"
		      "{\"result\":0,\"result_name\":\"acceptance\"}]}");
	AT_HAS(&t, 3, "\"apdu\":\"AARE\"");
	AT_HAS(&t, 3, "\"result\":0,\"result_name\":\"accepted\",\"diagnostic_source\":"
		      "\"service-user\",\"diagnostic\":0,\"diagnostic_name\":\"null\"");
	AT_HAS(&t, 3, "\"pdu_type_name\":\"initiate-ResponsePDU\"");
	assert_true(t.resp[3]);
	assert_false(t.resp[2]);
	assert_int_equal(t.fn[2], -1);
	AT_EVENTS(&t);
	/* a refused one: AARE rejected-permanent, authentication-failure */
	at_fini(&t);
	start(&t);
	associate(&t, "guess", 1);
	AT_HAS(&t, 3, "\"result\":1,\"result_name\":\"rejected-permanent\"");
	AT_HAS(&t, 3, "\"diagnostic\":13,\"diagnostic_name\":\"authentication-failure\"");
	AT_EVENTS(&t, "mms.association_rejected");
	at_fini(&t);
}

/* confirmed-RequestPDU [0] { invokeID, service [tag] ... } opened in W */
static void req(uint32_t id, unsigned tag)
{
	char h[16];
	snprintf(h, sizeof(h), "%08x", id);
	w_reset();
	o(0xa0);
	prim(0x02, id < 0x80 ? h + 6 : id < 0x8000 ? h + 4 : h);
	o(tag);
}

static void resp(uint32_t id, unsigned tag)
{
	char h[16];
	snprintf(h, sizeof(h), "%08x", id);
	w_reset();
	o(0xa1);
	prim(0x02, id < 0x80 ? h + 6 : id < 0x8000 ? h + 4 : h);
	o(tag);
}

static void test_read_write(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	associate(&t, NULL, 0);
	at_clear(&t);
	/* read [4] { variableAccessSpecification [1] { listOfVariable [0] {
	 * { name [0] domain-specific }, ... } } }         (ISO 9506-2 14.6) */
	req(7, 0xa4);
	o(0xa1);
	o(0xa0);
	o(0x30);
	o(0xa0);
	objdom("IED1MEAS", "MMXU1$MX$TotW");
	c();
	c();
	o(0x30);
	o(0xa0);
	objdom("IED1MEAS", "MMXU1$MX$Hz");
	closeall();
	send_mms(&t, 0);
	AT_HAS(&t, 0, "\"session\":{\"spdu\":\"DT\"},\"presentation\":{\"ppdu\":\"TD\",\"context_id\":3}");
	AT_HAS(&t, 0, "\"pdu_type\":0,\"pdu_type_name\":\"confirmed-RequestPDU\",\"invoke_id\":7,"
		      "\"service\":4,\"service_name\":\"read\",\"objects\":[{\"kind\":\"variable\","
		      "\"scope\":\"domain\",\"domain\":\"IED1MEAS\",\"item\":\"MMXU1$MX$TotW\"},"
		      "{\"kind\":\"variable\",\"scope\":\"domain\",\"domain\":\"IED1MEAS\",\"item\":"
		      "\"MMXU1$MX$Hz\"}]");
	assert_int_equal(t.fn[0], 4);
	/* read response [4] { listOfAccessResult [1] { structure { float 1250.5,
	 * bit-string, utc-time, integer -3, unsigned 300, visible-string,
	 * boolean, octet-string, binary-time, mMSString }, failure 10 } } */
	resp(7, 0xa4);
	o(0xa1);
	o(0xa2);
	prim(0x87, "08 449c5000");         /* floating-point: single 1250.5 */
	prim(0x84, "03 0000");             /* 13 bits */
	prim(0x91, "6553f100 800000 0a");  /* 2023-11-14T22:13:20.500 */
	prim(0x85, "fd");                  /* integer -3 */
	prim(0x86, "012c");                /* unsigned 300 */
	str(0x8a, "LLN0$BR$rcb01");
	prim(0x83, "ff");
	prim(0x89, "c0ffee");
	prim(0x8c, "0036ee80 3a8b");      /* 01:00:00.000 of 1984 + 14987 days */
	str(0x90, "caf\xc3\xa9");
	c();
	prim(0x80, "0a");                  /* failure: object-non-existent */
	closeall();
	send_mms(&t, 1);
	AT_HAS(&t, 1, "\"pdu_type_name\":\"confirmed-ResponsePDU\",\"invoke_id\":7,\"service\":4");
	AT_HAS(&t, 1, "\"data\":[{\"structure\":[{\"floating_point\":1250.5},{\"bit_string\":"
		      "\"0000\",\"unused_bits\":3},{\"utc_time\":\"2023-11-14T22:13:20.500\","
		      "\"time_quality\":10},{\"integer\":-3},{\"unsigned\":300},{\"visible_string\":"
		      "\"LLN0$BR$rcb01\"},{\"boolean\":true},{\"octet_string\":\"c0ffee\"},"
		      "{\"binary_time\":\"2025-01-12T01:00:00.000\"},{\"mms_string\":\"caf\xc3\xa9\"}]},"
		      "{\"failure\":10,\"failure_name\":\"object-non-existent\"}]");
	AT_HAS(&t, 1, "\"success_count\":1,\"failure_count\":1,\"failures\":[{\"code\":10,"
		      "\"name\":\"object-non-existent\"}]");
	assert_true(t.resp[1]);
	/* write [5] { listOfVariable, listOfData [0] { structure { boolean } } } */
	req(8, 0xa5);
	o(0xa0);
	o(0x30);
	o(0xa0);
	objdom("IED1CTRL", "XCBR1$CO$Pos$Oper");
	c();
	c();
	c();
	o(0xa0);
	o(0xa2);
	prim(0x83, "00");
	closeall();
	send_mms(&t, 0);
	AT_HAS(&t, 2, "\"service_name\":\"write\",\"objects\":[{\"kind\":\"variable\",\"scope\":"
		      "\"domain\",\"domain\":\"IED1CTRL\",\"item\":\"XCBR1$CO$Pos$Oper\"}],"
		      "\"data\":[{\"structure\":[{\"boolean\":false}]}]");
	/* write response: SEQUENCE OF { failure [0] | success [1] } */
	resp(8, 0xa5);
	prim(0x81, "");
	prim(0x80, "03");
	closeall();
	send_mms(&t, 1);
	AT_HAS(&t, 3, "\"success_count\":1,\"failure_count\":1,\"failures\":[{\"code\":3,"
		      "\"name\":\"object-access-denied\"}]");
	/* read by a named variable list, its response by an access error */
	req(9, 0xa4);
	o(0xa1);
	o(0xa1);
	objdom("IED1LD0", "LLN0$DataSet1");
	closeall();
	send_mms(&t, 0);
	AT_HAS(&t, 4, "\"objects\":[{\"kind\":\"variable_list\",\"scope\":\"domain\",\"domain\":"
		      "\"IED1LD0\",\"item\":\"LLN0$DataSet1\"}]");
	/* confirmed-ErrorPDU [2] { invokeID [0], serviceError [2] { errorClass
	 * [0] { access [7] object-access-denied }, additionalDescription } } */
	w_reset();
	o(0xa2);
	prim(0x80, "09");
	o(0xa2);
	o(0xa0);
	prim(0x87, "03");
	c();
	str(0x82, "locked");
	closeall();
	send_mms(&t, 1);
	AT_HAS(&t, 5, "\"pdu_type\":2,\"pdu_type_name\":\"confirmed-ErrorPDU\",\"invoke_id\":9,"
		      "\"service\":4,\"service_name\":\"read\",\"error\":{\"class\":7,\"class_name\":"
		      "\"access\",\"code\":3,\"code_name\":\"object-access-denied\","
		      "\"additional_description\":\"locked\"}");
	assert_int_equal(t.fn[5], 4);
	AT_EVENTS(&t);
	at_fini(&t);
}

/* the next tx has needle (t and n in scope) */
#define HAS_NEXT(needle)                                                                   \
	do {                                                                               \
		AT_HAS(&t, n, needle);                                                     \
		n++;                                                                       \
	} while (0)

static void test_services(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	associate(&t, NULL, 0);
	at_clear(&t);
	unsigned kd = at_kw(&t, "mms.domain", NULL);
	unsigned ki = at_kw(&t, "mms.item", NULL);
	unsigned kf = at_kw(&t, "mms.filename", NULL);
	unsigned kp = at_kw(&t, "mms.program_invocation", NULL);
	unsigned n = 0;
	/* identify [2] NULL, and its response: vendor, model, revision */
	req(1, 0x82);
	closeall();
	send_mms(&t, 0);
	resp(1, 0xa2);
	str(0x80, "Vigil Relays");
	str(0x81, "VR-61850");
	str(0x82, "4.2.1");
	closeall();
	send_mms(&t, 1);
	AT_HAS(&t, n + 1, "\"identity\":{\"vendor\":\"Vigil Relays\",\"model\":\"VR-61850\","
			  "\"revision\":\"4.2.1\"}");
	n += 2;
	/* getNameList [1] { objectClass [0] { domain (9) }, objectScope [1] { vmd } } */
	req(2, 0xa1);
	o(0xa0);
	prim(0x80, "09");
	c();
	o(0xa1);
	prim(0x80, "");
	closeall();
	send_mms(&t, 0);
	AT_HAS(&t, n, "\"object_class\":9,\"object_class_name\":\"domain\",\"object_scope\":\"vmd\"");
	resp(2, 0xa1);
	o(0xa0);
	str(0x1a, "IED1LD0");
	str(0x1a, "IED1MEAS");
	c();
	prim(0x81, "ff");
	closeall();
	send_mms(&t, 1);
	AT_HAS(&t, n + 1, "\"identifiers\":[\"IED1LD0\",\"IED1MEAS\"],\"more_follows\":true");
	n += 2;
	/* getNameList of a domain's variables, continuing after a name */
	req(3, 0xa1);
	o(0xa0);
	prim(0x80, "00");
	c();
	o(0xa1);
	str(0x81, "IED1MEAS");
	c();
	str(0x82, "LLN0$ST");
	closeall();
	send_mms(&t, 0);
	AT_HAS(&t, n, "\"object_scope\":\"domain\",\"continue_after\":\"LLN0$ST\",\"domains\":"
		      "[\"IED1MEAS\"]");
	assert_string_equal(t.kw[kd].buf, "IED1MEAS");
	n++;
	/* requestDomainDownload [32] { domainName [0], sharable [2], fileName [4] } */
	req(4, 0xbf20);
	str(0x80, "IED1PROG");
	prim(0x82, "00");
	o(0xa4);
	str(0x19, "/PROG/");
	str(0x19, "ied1.bin");
	closeall();
	send_mms(&t, 0);
	AT_HAS(&t, n, "\"service\":32,\"service_name\":\"requestDomainDownload\",\"domains\":"
		      "[\"IED1PROG\"],\"filenames\":[\"/PROG//ied1.bin\"]");
	assert_string_equal(t.kw[kf].buf, "/PROG//ied1.bin");
	assert_int_equal(t.fn[n], 32);
	n++;
	/* deleteDomain [36] IMPLICIT Identifier */
	req(5, 0x9f24);
	w_bytes("IED1PROG", 8);
	closeall();
	send_mms(&t, 0);
	HAS_NEXT("\"service_name\":\"deleteDomain\",\"domains\":[\"IED1PROG\"]");
	/* createProgramInvocation [38] { name [0], listOfDomainName [1] } */
	req(6, 0xbf26);
	str(0x80, "PI_LOGIC");
	o(0xa1);
	str(0x1a, "IED1PROG");
	str(0x1a, "IED1LIB");
	closeall();
	send_mms(&t, 0);
	AT_HAS(&t, n, "\"service_name\":\"createProgramInvocation\",\"domains\":[\"IED1PROG\","
		      "\"IED1LIB\"],\"program_invocation\":\"PI_LOGIC\"");
	assert_string_equal(t.kw[kd].buf, "IED1PROG\nIED1LIB");
	assert_string_equal(t.kw[kp].buf, "PI_LOGIC");
	n++;
	/* start [40] { name [0], executionArgument simpleString [1] }, stop [41], kill [44] */
	static const unsigned pi[] = { 0xbf28, 0xbf29, 0xbf2c };
	static const char *const pin[] = { "start", "stop", "kill" };
	for (int i = 0; i < 3; i++) {
		req(10 + (uint32_t)i, pi[i]);
		str(0x80, "PI_LOGIC");
		if (i == 0)
			str(0x81, "warm");
		closeall();
		send_mms(&t, 0);
		char want[96];
		snprintf(want, sizeof(want), "\"service_name\":\"%s\",\"program_invocation\":\"PI_LOGIC\"",
			 pin[i]);
		HAS_NEXT(want);
	}
	/* fileRename [75] { currentFileName [0], newFileName [1] }, obtainFile
	 * [46] { sourceFile [1], destinationFile [2] }, fileDelete [76] FileName */
	req(20, 0xbf4b);
	o(0xa0);
	str(0x19, "a.cid");
	c();
	o(0xa1);
	str(0x19, "b.cid");
	closeall();
	send_mms(&t, 0);
	AT_HAS(&t, n, "\"service_name\":\"fileRename\",\"filenames\":[\"a.cid\",\"b.cid\"]");
	assert_string_equal(t.kw[kf].buf, "a.cid\nb.cid");
	n++;
	req(21, 0xbf2e);
	o(0xa1);
	str(0x19, "/tmp/x");
	c();
	o(0xa2);
	str(0x19, "/cfg/y");
	closeall();
	send_mms(&t, 0);
	HAS_NEXT("\"service_name\":\"obtainFile\",\"filenames\":[\"/tmp/x\",\"/cfg/y\"]");
	req(22, 0xbf4c);
	str(0x19, "/cfg/y");
	closeall();
	send_mms(&t, 0);
	HAS_NEXT("\"service_name\":\"fileDelete\",\"filenames\":[\"/cfg/y\"]");
	/* fileDirectory response [77] { [0] { SEQUENCE OF { [0] FileName,
	 * [1] attributes } }, moreFollows [1] }, then the same without the
	 * SEQUENCE OF that some stacks leave out */
	for (int form = 0; form < 2; form++) {
		req(30 + (uint32_t)form, 0xbf4d); /* fileDirectory {} : every file */
		closeall();
		send_mms(&t, 0);
		HAS_NEXT("\"service_name\":\"fileDirectory\"");
		resp(30 + (uint32_t)form, 0xbf4d);
		o(0xa0);
		if (!form)
			o(0x30);
		for (int i = 0; i < 2; i++) {
			o(0x30);
			o(0xa0);
			str(0x19, i ? "/LOG/b.txt" : "/LOG/a.txt");
			c();
			o(0xa1);
			prim(0x80, "10");
			c();
			c();
		}
		if (!form)
			c();
		c();
		prim(0x81, "00");
		closeall();
		send_mms(&t, 1);
		HAS_NEXT("\"filenames\":[\"/LOG/a.txt\",\"/LOG/b.txt\"],\"more_follows\":false");
	}
	/* fileRead [73] IMPLICIT Integer32 (FRSM id), uploadSegment [30] (ULSM id) */
	req(23, 0x9f49);
	w_u8(7);
	closeall();
	send_mms(&t, 0);
	HAS_NEXT("\"service_name\":\"fileRead\",\"frsm_id\":7");
	req(24, 0x9e);
	w_u8(3);
	closeall();
	send_mms(&t, 0);
	HAS_NEXT("\"service_name\":\"uploadSegment\",\"ulsm_id\":3");
	/* takeControl [19] { semaphoreName [0] vmd-specific }, readJournal [65]
	 * { journalName [0] }, getNamedVariableListAttributes [12] ObjectName,
	 * deleteNamedVariableList [13] { listOfVariableListName [1], domain [2] } */
	req(25, 0xb3);
	o(0xa0);
	str(0x80, "reserved");
	closeall();
	send_mms(&t, 0);
	HAS_NEXT("\"objects\":[{\"kind\":\"semaphore\",\"scope\":\"vmd\",\"item\":\"reserved\"}]");
	req(26, 0xbf41);
	o(0xa0);
	objdom("IED1LD0", "EventLog");
	closeall();
	send_mms(&t, 0);
	HAS_NEXT("\"kind\":\"journal\",\"scope\":\"domain\",\"domain\":\"IED1LD0\",\"item\":"
			"\"EventLog\"");
	req(27, 0xac);
	str(0x82, "MyList"); /* aa-specific */
	closeall();
	send_mms(&t, 0);
	HAS_NEXT("{\"kind\":\"variable_list\",\"scope\":\"aa\",\"item\":\"MyList\"}");
	req(28, 0xad);
	o(0xa1);
	objdom("IED1LD0", "LLN0$DS1");
	objdom("IED1LD0", "LLN0$DS2");
	c();
	str(0x82, "IED1LD0");
	closeall();
	send_mms(&t, 0);
	AT_HAS(&t, n, "\"service_name\":\"deleteNamedVariableList\",\"objects\":[{\"kind\":"
		      "\"variable_list\",\"scope\":\"domain\",\"domain\":\"IED1LD0\",\"item\":"
		      "\"LLN0$DS1\"},{\"kind\":\"variable_list\",\"scope\":\"domain\",\"domain\":"
		      "\"IED1LD0\",\"item\":\"LLN0$DS2\"}]");
	AT_LACKS(&t, n, "\"domains\""); /* the objects' domain: not repeated */
	assert_string_equal(t.kw[ki].buf, "LLN0$DS1\nLLN0$DS2");
	assert_string_equal(t.kw[kd].buf, "IED1LD0");
	n++;
	/* informationReport: unconfirmed-PDU [3] { [0] { variableListName [1]
	 * { vmd-specific "RPT" }, listOfAccessResult [0] { visible-string } } } */
	w_reset();
	o(0xa3);
	o(0xa0);
	o(0xa1);
	str(0x80, "RPT");
	c();
	o(0xa0);
	str(0x8a, "IED1MEAS/LLN0$BR$brcb01");
	closeall();
	send_mms(&t, 1);
	AT_HAS(&t, n, "\"pdu_type\":3,\"pdu_type_name\":\"unconfirmed-PDU\",\"unconfirmed_service\""
		      ":0,\"unconfirmed_service_name\":\"informationReport\",\"objects\":[{\"kind\":"
		      "\"variable_list\",\"scope\":\"vmd\",\"item\":\"RPT\"}],\"data\":[{"
		      "\"visible_string\":\"IED1MEAS/LLN0$BR$brcb01\"}]");
	assert_int_equal(t.fn[n], -1);
	n++;
	/* cancel-RequestPDU [5] Unsigned32, cancel-ResponsePDU [6]; rejectPDU
	 * [4] { originalInvokeID [0], confirmed-requestPDU [1] invalid-argument } */
	w_reset();
	prim(0x85, "1a");
	send_mms(&t, 0);
	HAS_NEXT("\"pdu_type\":5,\"pdu_type_name\":\"cancel-RequestPDU\",\"invoke_id\":26");
	w_reset();
	prim(0x86, "1a");
	send_mms(&t, 1);
	HAS_NEXT("\"pdu_type_name\":\"cancel-ResponsePDU\",\"invoke_id\":26");
	w_reset();
	o(0xa4);
	prim(0x80, "1b");
	prim(0x81, "04");
	closeall();
	send_mms(&t, 1);
	HAS_NEXT("\"pdu_type_name\":\"rejectPDU\",\"invoke_id\":27,\"reject\":{\"pdu\":1,"
			"\"pdu_name\":\"confirmed-requestPDU\",\"reason\":4,\"reason_name\":"
			"\"invalid-argument\"}");
	/* conclude-RequestPDU [11] NULL, conclude-ResponsePDU [12] NULL */
	w_reset();
	prim(0x8b, "");
	send_mms(&t, 0);
	HAS_NEXT("\"pdu_type\":11,\"pdu_type_name\":\"conclude-RequestPDU\"");
	w_reset();
	prim(0x8c, "");
	send_mms(&t, 1);
	HAS_NEXT("\"pdu_type_name\":\"conclude-ResponsePDU\"");
	assert_int_equal(t.n_tx, n);
	AT_EVENTS(&t);
	at_fini(&t);
}

/* FINISH with an RLRQ, DISCONNECT with an RLRE, ABORT with an ABRT, an
 * MMS PDU straight on COTP, a TSDU over three DT TPDUs fed byte by byte */
static void test_release_and_transport(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	associate(&t, NULL, 0);
	at_clear(&t);
	uint8_t b[128];
	/* FN (9): Transport Disconnect (17), User Data (193) { User-data {
	 * PDV context 1 { RLRQ [APPLICATION 2] { reason [0] normal } } } } */
	size_t n = at_hex(b, sizeof(b), "0300 001c 02f080 09 13 110103 c1 0e "
					"610c 300a 020101 a005 6203 800100");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "\"session\":{\"spdu\":\"FN\"},\"presentation\":{\"ppdu\":\"TD\","
		      "\"context_id\":1},\"acse\":{\"apdu\":\"RLRQ\",\"reason\":0}");
	n = at_hex(b, sizeof(b), "0300 0019 02f080 0a 10 c1 0e 610c 300a 020101 a005 6303 800100");
	at_feed(&t, 1, b, n);
	AT_HAS(&t, 1, "\"spdu\":\"DN\"");
	AT_HAS(&t, 1, "\"acse\":{\"apdu\":\"RLRE\",\"reason\":0}");
	assert_true(t.resp[1]);
	/* AB (25) with an ARU-PPDU [0] { User-data { ABRT [APPLICATION 4] } } */
	n = at_hex(b, sizeof(b), "0300 001e 02f080 19 15 1101 03 c1 10 a00e 610c 300a 020101 "
				 "a005 6403 800101");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 2, "\"session\":{\"spdu\":\"AB\"},\"presentation\":{\"ppdu\":\"ARU\","
		      "\"context_id\":1},\"acse\":{\"apdu\":\"ABRT\",\"source\":1}");
	AT_EVENTS(&t);
	at_fini(&t);

	/* MMS without session and presentation: initiate, then a request */
	start(&t);
	w_reset();
	o(0xa8);
	prim(0x81, "01");
	prim(0x82, "01");
	o(0xa4);
	prim(0x80, "01");
	closeall();
	n = dt(pkt, W.b, W.n, true);
	at_feed(&t, 0, pkt, n);
	AT_HAS(&t, 0, "\"cotp\":{\"type\":\"DT\"},\"pdu_type\":8");
	AT_LACKS(&t, 0, "session");
	req(5, 0xa6); /* getVariableAccessAttributes { name [0] vmd-specific } */
	o(0xa0);
	str(0x80, "Temp");
	closeall();
	n = dt(pkt, W.b, W.n, true);
	at_feed(&t, 0, pkt, n);
	AT_HAS(&t, 1, "\"service_name\":\"getVariableAccessAttributes\",\"objects\":[{\"kind\":"
		      "\"variable\",\"scope\":\"vmd\",\"item\":\"Temp\"}]");
	AT_EVENTS(&t);

	/* a getNameList response in three DT TPDUs, fed one byte at a time */
	resp(6, 0xa1);
	o(0xa0);
	for (int i = 0; i < 40; i++)
		str(0x1a, "LLN0$ST$Mod$stVal");
	c();
	prim(0x81, "00");
	closeall();
	uint8_t tsdu[1024];
	size_t tn = session_data(tsdu, sizeof(tsdu), 3);
	size_t off = 0;
	for (int i = 0; i < 3; i++) {
		size_t k = i < 2 ? tn / 3 : tn - off;
		n = dt(pkt, tsdu + off, k, i == 2);
		at_feed_bytewise(&t, 1, pkt, n);
		off += k;
		assert_int_equal(t.n_tx, i < 2 ? 2 : 3);
	}
	AT_HAS(&t, 2, "\"cotp\":{\"type\":\"DT\",\"segments\":3}");
	AT_HAS(&t, 2, "\"identifier_count\":40,\"more_follows\":false");
	at_fini(&t);
}

/* every event, one at a time */
static void test_events(void **s)
{
	(void)s;
	struct at t;
	uint8_t b[256];
	size_t n;
	start(&t);
	associate(&t, NULL, 0);
	at_clear(&t);
	/* TPKT reserved byte set: the framing core resynchronises */
	n = at_hex(b, sizeof(b), "0301 0007 02f080");
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "mms.invalid_tpkt");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0300 0008 09f080 00"); /* LI past the TPKT */
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "0300 0007 02 30 80"); /* no such TPDU code */
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "mms.invalid_cotp", "mms.invalid_cotp");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0300 000d 08 70 0001 03 c102 f080"); /* ER */
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t, "mms.cotp_error");
	AT_HAS(&t, 0, "\"cotp\":{\"type\":\"ER\",\"dst_ref\":1,\"reject_cause\":3}");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0300 000b 02f080 0100 0120"); /* DT LI past the TSDU */
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "mms.invalid_spdu");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0300 000b 02f080 0100 0500"); /* GT then not category 2 */
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "mms.invalid_spdu");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0300 0009 02f080 3300"); /* SI 51: not an SPDU */
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "mms.invalid_spdu");
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0300 000e 02f080 0100 0100 620100"); /* not User-data */
	at_feed(&t, 0, b, n);
	AT_EVENTS(&t, "mms.invalid_ppdu");
	at_clear(&t);
	w_reset();
	prim(0x8b, "");
	n = pdata(5); /* context 5: the CP defined 1 and 3 */
	at_feed(&t, 0, pkt, n);
	AT_EVENTS(&t, "mms.unknown_context");
	AT_HAS(&t, 0, "\"context_id\":5");
	at_clear(&t);
	w_reset();
	prim(0x67, "800100"); /* [APPLICATION 7]: no ACSE APDU */
	n = pdata(1);
	at_feed(&t, 0, pkt, n);
	AT_EVENTS(&t, "mms.invalid_acse");
	at_clear(&t);
	w_reset();
	o(0xa0); /* confirmed-RequestPDU without its invokeID */
	o(0xa4);
	closeall();
	send_mms(&t, 0);
	AT_EVENTS(&t, "mms.malformed_pdu");
	at_clear(&t);
	w_reset();
	prim(0x8e, ""); /* MMSpdu [14] */
	send_mms(&t, 0);
	AT_EVENTS(&t, "mms.unknown_pdu_type");
	at_clear(&t);
	req(1, 0xbf64); /* service [100] */
	closeall();
	send_mms(&t, 0);
	AT_EVENTS(&t, "mms.unknown_service");
	AT_HAS(&t, 0, "\"service\":100,\"service_name\":\"unknown\"");
	assert_int_equal(t.fn[0], 100);
	at_clear(&t);
	resp(999, 0x9f24); /* deleteDomain response: never requested */
	closeall();
	send_mms(&t, 1);
	AT_EVENTS(&t, "mms.response_without_request");
	at_clear(&t);
	req(2, 0x82); /* identify, answered as a status */
	closeall();
	send_mms(&t, 0);
	resp(2, 0xa0);
	prim(0x80, "00");
	prim(0x81, "00");
	closeall();
	send_mms(&t, 1);
	AT_EVENTS(&t, "mms.service_mismatch");
	at_clear(&t);
	req(3, 0x82);
	closeall();
	send_mms(&t, 0);
	send_mms(&t, 0);
	AT_EVENTS(&t, "mms.duplicate_invoke_id");
	at_clear(&t);
	for (uint32_t i = 0; i < 16; i++) { /* with 1 and 3 pending: 18 */
		req(100 + i, 0x82);
		closeall();
		send_mms(&t, 0);
	}
	assert_int_equal(at_count_ev(&t, "mms.too_many_pending"), 2);
	w_reset(); /* a conclude-ResponsePDU ends what was outstanding */
	prim(0x8c, "");
	send_mms(&t, 1);
	at_clear(&t);
	req(4, 0xa5); /* a write whose data nests 13 structures */
	o(0xa0);
	o(0x30);
	o(0xa0);
	str(0x80, "Deep");
	c();
	c();
	c();
	o(0xa0);
	for (int i = 0; i < 13; i++)
		o(0xa2);
	prim(0x85, "01");
	closeall();
	send_mms(&t, 0);
	AT_EVENTS(&t, "mms.data_too_deep");
	at_clear(&t);
	static const char *const bad_ids[] = { "a-b", "../etc", "",
					       "A1234567890123456789012345678901234567890123456789012345678901234" };
	for (int i = 0; i < 4; i++) {
		req(200 + (uint32_t)i, 0xa6);
		o(0xa0);
		str(0x80, bad_ids[i]);
		closeall();
		send_mms(&t, 0);
	}
	assert_int_equal(at_count_ev(&t, "mms.invalid_identifier"), 4);
	at_clear(&t);
	req(5, 0xa4); /* 70 names of 31 characters: past the 2 KiB of mms.item */
	o(0xa1);
	o(0xa0);
	for (int i = 0; i < 70; i++) {
		o(0x30);
		o(0xa0);
		objdom("IED1LD0", "GGIO1$ST$Ind01$stVal$subVal$xy");
		c();
		c();
	}
	closeall();
	send_mms(&t, 0);
	AT_EVENTS(&t, "mms.too_many_names");
	AT_HAS(&t, 0, "\"object_count\":70");
	AT_HAS(&t, 0, "\"names_truncated\":true");
	at_clear(&t);
	/* initiate-ErrorPDU [10] { errorClass [0] { initiate [8] version-incompatible } } */
	w_reset();
	o(0xaa);
	o(0xa0);
	prim(0x88, "01");
	closeall();
	send_mms(&t, 1);
	AT_EVENTS(&t, "mms.association_rejected");
	AT_HAS(&t, 0, "\"error\":{\"class\":8,\"class_name\":\"initiate\",\"code\":1,\"code_name\":"
		      "\"version-incompatible\"}");
	at_fini(&t);
}

/* a TSDU over 64 KiB: its head parsed, one event */
static void test_tsdu_too_large(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	associate(&t, NULL, 0);
	at_clear(&t);
	resp(1, 0xa1); /* a getNameList response of 2800 names: about 67 KB */
	o(0xa0);
	for (int i = 0; i < 2800; i++)
		str(0x1a, "GGIO1$ST$Ind01$stVal$q");
	c();
	prim(0x81, "00");
	closeall();
	static uint8_t tsdu[70000];
	size_t tn = session_data(tsdu, sizeof(tsdu), 3);
	assert_true(tn > 65536);
	unsigned segs = 0;
	for (size_t off = 0; off < tn; off += 8000, segs++) {
		size_t k = tn - off < 8000 ? tn - off : 8000;
		size_t n = dt(pkt, tsdu + off, k, off + k == tn);
		at_feed(&t, 1, pkt, n);
	}
	assert_int_equal(t.n_tx, 1);
	AT_EVENTS(&t, "mms.tsdu_too_large", "mms.response_without_request");
	char want[96];
	snprintf(want, sizeof(want), "\"cotp\":{\"type\":\"DT\",\"segments\":%u,\"truncated\":true}", segs);
	AT_HAS(&t, 0, want);
	AT_HAS(&t, 0, "\"service_name\":\"getNameList\",\"identifiers\":[\"GGIO1$ST$Ind01$stVal$q\"");
	AT_LACKS(&t, 0, "more_follows"); /* past the head */
	at_fini(&t);
}

/* a gap: the half TSDU dropped, and answers to requests that may be in
 * the hole are not blamed */
static void test_gap_and_midstream(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	associate(&t, NULL, 0);
	at_clear(&t);
	req(1, 0x82);
	closeall();
	size_t n = pdata(3);
	at_feed(&t, 0, pkt, n - 3);
	at_gap(&t, 0);
	resp(1, 0xa2);
	closeall();
	send_mms(&t, 1);
	assert_int_equal(t.n_tx, 1);
	assert_int_equal(at_count_ev(&t, "mms.response_without_request"), 0);
	at_fini(&t);
	/* picked up mid-stream: no CR, no CONNECT; responses may answer
	 * requests sent before the capture */
	start(&t);
	resp(9, 0xa2);
	closeall();
	send_mms(&t, 1);
	AT_HAS(&t, 0, "\"service_name\":\"identify\"");
	AT_EVENTS(&t);
	at_fini(&t);
}

/* a rejected request is no longer outstanding; a CP without a context
 * list leaves the PDVs to be told by their first tag */
static void test_reject_and_default_context(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	associate(&t, NULL, 0);
	at_clear(&t);
	for (uint32_t i = 0; i < 16; i++) {
		req(100 + i, 0x82);
		closeall();
		send_mms(&t, 0);
	}
	w_reset(); /* rejectPDU { originalInvokeID 100, confirmed-requestPDU other } */
	o(0xa4);
	prim(0x80, "64");
	prim(0x81, "00");
	closeall();
	send_mms(&t, 1);
	req(200, 0x82);
	closeall();
	send_mms(&t, 0);
	AT_EVENTS(&t);
	resp(100, 0xa2); /* no answer is due to the rejected request */
	closeall();
	send_mms(&t, 1);
	AT_EVENTS(&t, "mms.response_without_request");
	at_fini(&t);

	start(&t);
	uint8_t b[128];
	/* CONNECT with a CP-type of mode and selectors only */
	size_t n = at_hex(b, sizeof(b), "0300 0022 02f080 0d 19 c1 17 3115 a003 800101 a20e"
				 " 8104 00000001 8204 00000001 6100");
	at_feed(&t, 0, b, n);
	AT_HAS(&t, 0, "\"ppdu\":\"CP\"");
	AT_LACKS(&t, 0, "contexts");
	at_clear(&t);
	req(1, 0x82);
	closeall();
	send_mms(&t, 0);
	AT_HAS(&t, 0, "\"service_name\":\"identify\"");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_keywords(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	associate(&t, NULL, 0);
	at_clear(&t);
	unsigned ks = at_kw(&t, "mms.service", "write");
	unsigned ksn = at_kw(&t, "mms.service", "5");
	unsigned kr = at_kw(&t, "mms.service", "25-29"); /* 26, 27, 28 */
	unsigned kp = at_kw(&t, "mms.pdu_type", "confirmed-RequestPDU");
	unsigned ki = at_kw(&t, "mms.invoke_id", ">1000");
	unsigned ke = at_kw(&t, "mms.error_class", "access");
	unsigned kv = at_kw(&t, "mms.variable", NULL);
	req(1001, 0xa5); /* write */
	o(0xa0);
	o(0x30);
	o(0xa0);
	str(0x80, "LLN0$CO$Mod$Oper");
	c();
	c();
	c();
	o(0xa0);
	prim(0x83, "ff");
	closeall();
	send_mms(&t, 0);
	req(2, 0xba); /* initiateDownloadSequence [26] */
	str(0x80, "PROG");
	closeall();
	send_mms(&t, 0);
	w_reset(); /* an access error to the write */
	o(0xa2);
	prim(0x80, "03e9");
	o(0xa2);
	o(0xa0);
	prim(0x87, "02");
	closeall();
	send_mms(&t, 1);
	assert_int_equal(t.n_tx, 3);
	assert_int_equal(t.kw[ks].matched, 2);  /* the write and its error */
	assert_int_equal(t.kw[ksn].matched, 2);
	assert_int_equal(t.kw[kr].matched, 1);
	assert_int_equal(t.kw[kp].matched, 2);
	assert_int_equal(t.kw[ki].matched, 2);  /* 1001: request and error */
	assert_int_equal(t.kw[ke].matched, 1);
	assert_int_equal(t.kw[kv].matched, 1);
	assert_string_equal(t.kw[kv].buf, "LLN0$CO$Mod$Oper");
	assert_non_null(at_kw_error(&proto_mms, "mms.service", "reboot"));
	assert_non_null(at_kw_error(&proto_mms, "mms.service", "1024"));
	assert_non_null(at_kw_error(&proto_mms, "mms.pdu_type", "14"));
	assert_non_null(at_kw_error(&proto_mms, "mms.error_class", "bogus"));
	assert_null(at_kw_error(&proto_mms, "mms.service", "getNameList"));
	assert_null(at_kw_error(&proto_mms, "mms.service", "GETNAMELIST"));
	at_fini(&t);
}

/* the probes of MMS and S7comm on flows of each, and junk */
static void test_probe(void **s)
{
	(void)s;
	uint8_t b[1024];
	/* a CR with the TSAPs of an ISO stack: MMS waits, S7comm too */
	size_t n = at_hex(b, sizeof(b), "0300 0016 11 e0 0000 0006 00 c0010a c1020001 c2020001");
	size_t cr = n;
	assert_int_equal(proto_mms.probe(b, n, 0), APP_PROBE_MORE);
	assert_int_equal(proto_s7comm.probe(b, n, 0), APP_PROBE_MORE);
	/* then a CONNECT whose CP names the MMS abstract syntax 1.0.9506.2.1 */
	w_reset();
	w_u8(13);
	size_t li_at = W.n;
	w_u8(0);
	w_hex("05 06 130100 160102");
	w_u8(193);
	size_t ud_at = W.n;
	w_u8(0);
	o(0x31);
	o(0xa0);
	prim(0x80, "01");
	c();
	o(0xa2);
	o(0xa4);
	o(0x30);
	prim(0x02, "03");
	prim(0x06, "28ca220201");
	closeall();
	W.b[ud_at] = (uint8_t)(W.n - ud_at - 1);
	W.b[li_at] = (uint8_t)(W.n - li_at - 1);
	n = dt(b + cr, W.b, W.n, true);
	assert_int_equal(proto_mms.probe(b, cr + n, 0), APP_PROBE_YES);
	assert_int_equal(proto_mms.probe(b, cr + n - 6, 0), APP_PROBE_MORE);
	assert_int_equal(proto_s7comm.probe(b, cr + n, 0), APP_PROBE_NO);
	/* a CR with S7 TSAPs, then a DT with an S7 job: S7comm's; MMS says no
	 * to the job */
	n = at_hex(b, sizeof(b), "0300 0016 11 e0 0000 0001 00 c0010a c1020100 c2020102");
	assert_int_equal(proto_s7comm.probe(b, n, 0), APP_PROBE_YES);
	size_t m = at_hex(b + n, sizeof(b) - n, "0300 0019 02f080 3201 0000 0001 0008 0000 f000 0001 0001 01e0");
	assert_int_equal(proto_mms.probe(b, n + m, 0), APP_PROBE_NO);
	assert_int_equal(proto_s7comm.probe(b + n, m, 0), APP_PROBE_YES);
	/* mid-stream: DATA TRANSFER with an MMS request; an MMS PDU alone */
	w_reset();
	req(7, 0x82);
	closeall();
	n = pdata(3);
	assert_int_equal(proto_mms.probe(pkt, n, 0), APP_PROBE_YES);
	assert_int_equal(proto_mms.probe(pkt, 9, 0), APP_PROBE_MORE);
	assert_int_equal(proto_s7comm.probe(pkt, n, 0), APP_PROBE_NO);
	w_reset();
	prim(0x8b, "");
	n = dt(pkt, W.b, W.n, true);
	assert_int_equal(proto_mms.probe(pkt, n, 0), APP_PROBE_YES);
	/* junk, on port 102 or anywhere; a flow without its CR may start with
	 * the tail of a TSDU, so the first unknown one leaves it open */
	assert_int_equal(proto_mms.probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 0), APP_PROBE_NO);
	n = at_hex(b, sizeof(b), "0300 000b 02f080 deadbeef  0300 000b 02f080 deadbeef");
	assert_int_equal(proto_mms.probe(b, n / 2, 0), APP_PROBE_MORE);
	assert_int_equal(proto_mms.probe(b, n, 0), APP_PROBE_NO);
	n = at_hex(b, sizeof(b), "0300 000b 02f080 a0ff0000  0300 000b 02f080 a0ff0000");
	assert_int_equal(proto_mms.probe(b, n, 0), APP_PROBE_NO); /* a0 with a bad length */
	n = at_hex(b, sizeof(b), "0300 0016 11 e0 0000 0006 00 c0010a c1020001 c2020001"
				 "0300 000b 02f080 deadbeef");
	assert_int_equal(proto_mms.probe(b, n, 0), APP_PROBE_NO); /* after a CR: decided */
	n = at_hex(b, sizeof(b), "0300 0007 02 80 80"); /* DR first */
	assert_int_equal(proto_mms.probe(b, n, 0), APP_PROBE_NO);
	assert_int_equal(proto_mms.probe(b, 2, 0), APP_PROBE_MORE);
	assert_int_equal(proto_mms.probe(b, 0, 0), APP_PROBE_MORE);
}

/* hostile lengths at every layer: a clean failure with an event, never a
 * read past the PDU */
static void test_hostile_lengths(void **s)
{
	(void)s;
	static const uint32_t lens[] = { 0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x7fffffff,
					 0xffffffff };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct at t;
		start(&t);
		associate(&t, NULL, 0);
		at_clear(&t);
		uint32_t L = lens[i];
		/* a BER length of 4 bytes on the MMS PDU, and on the invokeID */
		w_reset();
		w_u8(0xa0);
		w_u8(0x84);
		w_u8(L >> 24);
		w_u8(L >> 16);
		w_u8(L >> 8);
		w_u8(L);
		w_hex("020101 8200");
		send_mms(&t, 0);
		w_reset();
		w_hex("a008 02 84");
		w_u8(L >> 24);
		w_u8(L >> 16);
		w_u8(L >> 8);
		w_u8(L);
		w_hex("01 82");
		send_mms(&t, 0);
		/* a session LI of two bytes, and a TPKT length */
		uint8_t b[32];
		size_t n = at_hex(b, sizeof(b), "0300 000d 02f080 0d ff 0000 c100");
		b[9] = (uint8_t)(L >> 8);
		b[10] = (uint8_t)L;
		at_feed(&t, 0, b, n);
		n = at_hex(b, sizeof(b), "0300 0000 02f080");
		b[2] = (uint8_t)(L >> 8);
		b[3] = (uint8_t)L;
		at_feed(&t, 0, b, n);
		assert_true(t.n_ev > 0);
		for (unsigned k = 0; k < t.n_tx; k++)
			assert_non_null(strstr(t.tx[k], "\"cotp\""));
		at_fini(&t);
	}
	/* the exact length, and one byte more and less */
	for (int d = -1; d <= 1; d++) {
		struct at t;
		start(&t);
		associate(&t, NULL, 0);
		at_clear(&t);
		w_reset();
		w_hex("a0 05 020101 8200");
		W.b[1] = (uint8_t)(5 + d);
		send_mms(&t, 0);
		assert_int_equal(t.n_tx, 1);
		if (d)
			AT_EVENTS(&t, "mms.malformed_pdu");
		else
			AT_EVENTS(&t);
		at_fini(&t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_association),
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_release_and_transport),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_tsdu_too_large),
		cmocka_unit_test(test_gap_and_midstream),
		cmocka_unit_test(test_reject_and_default_context),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_hostile_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
