/* SPDX-License-Identifier: BSD-3-Clause */
/* The parsers' identity hooks (include/vigil/asset.h): what the asset
 * inventory learns from each protocol, from hand-made PDUs run through the
 * real parsers behind the real framing core (apptest.h). Every hook is
 * called on every tx, as a worker does (first: the tx is the first of its
 * direction); polls must say nothing; hostile PDUs must not crash it or
 * make it read past the PDU. Layouts cite the specification of each. */
#include "apptest.h"
#include "vigil/asset.h"

extern const struct proto_parser proto_modbus;
extern const struct proto_parser proto_enip;
extern const struct proto_parser proto_s7comm;
extern const struct proto_parser proto_bacnet;
extern const struct proto_parser proto_dnp3;
extern const struct proto_parser proto_opcua;
extern const struct proto_parser proto_goose;

/* ---- the harness: every tx through the hook ---------------------------------- */

#define MAX_IDS 64

static struct {
	struct app_identity id[MAX_IDS];
	bool said[MAX_IDS];
	unsigned n;
	bool seen_dir[2];
} ids;

static void id_on_tx(void *user, const struct app_tx *tx)
{
	at_on_tx(user, tx);
	if (ids.n >= MAX_IDS)
		return;
	bool first = !ids.seen_dir[tx->dir & 1];
	ids.seen_dir[tx->dir & 1] = true;
	/* stale bytes in the output must not leak into an answer */
	memset(&ids.id[ids.n], 0xa5, sizeof(ids.id[ids.n]));
	assert_non_null(tx->proto->identity);
	ids.said[ids.n] = tx->proto->identity(tx, first, &ids.id[ids.n]);
	ids.n++;
}

static void id_start(struct at *t, const struct proto_parser *p, uint8_t transport, uint16_t cport,
		     uint16_t sport)
{
	memset(&ids, 0, sizeof(ids));
	at_init(t, p, transport, cport, sport);
	t->ctx.on_tx = id_on_tx;
}

static const struct app_identity *said(unsigned i)
{
	assert_true(i < ids.n);
	if (!ids.said[i])
		fail_msg("tx %u: the hook said nothing", i);
	return &ids.id[i];
}

static void silent(unsigned i)
{
	assert_true(i < ids.n);
	if (ids.said[i])
		fail_msg("tx %u: the hook said something of a tx without identity", i);
}

static void has_str(const struct app_identity *id, enum app_id_field f, const char *want)
{
	if (!(id->have & (1u << f)))
		fail_msg("field %d not set (want \"%s\")", (int)f, want);
	assert_string_equal(id->str[f], want);
}

static void lacks(const struct app_identity *id, enum app_id_field f)
{
	if (id->have & (1u << f))
		fail_msg("field %d set: \"%s\"", (int)f, id->str[f]);
}

static uint32_t num(const struct app_identity *id, const char *key, uint8_t side)
{
	for (unsigned k = 0; k < id->n_num; k++)
		if (strcmp(id->num[k].key, key) == 0 && id->num[k].side == side)
			return id->num[k].val;
	fail_msg("no number %s", key);
	return 0;
}

static const char *ext(const struct app_identity *id, const char *key)
{
	for (unsigned k = 0; k < id->n_ext; k++)
		if (strcmp(id->ext[k].key, key) == 0)
			return id->ext[k].val;
	fail_msg("no string %s", key);
	return NULL;
}

static uint8_t b[4096];

/* ---- Modbus (MB Application Protocol 1.1b3, 6.21: Read Device
 * Identification, function 43 / MEI type 14) ------------------------------------ */

static void test_modbus(void **s)
{
	(void)s;
	struct at t;
	id_start(&t, &proto_modbus, APP_TCP, 40000, 502);
	/* MBAP tid:2 pid:2 len:2 unit:1 | 2b 0e read_device_id_code:1 object_id:1 */
	size_t n = at_hex(b, sizeof(b), "0002 0000 0005 07 2b 0e 02 00");
	at_feed(&t, 0, b, n);
	silent(0);
	/* response: 2b 0e code conformity more_follows next_id n_objects, then
	 * objects id:1 len:1 value: 00 VendorName, 01 ProductCode, 02
	 * MajorMinorRevision, 03 VendorUrl, 04 ProductName, 05 ModelName, 06
	 * UserApplicationName, 80 an extended (vendor-defined) object */
	n = at_hex(b, sizeof(b),
		   "0002 0000 0000 07 2b 0e 02 83 00 00 08"
		   " 00 0e 5363686e656964657220456c6563" /* "Schneider Elec" */
		   " 01 0c 424d5850333432303230 2020"    /* "BMXP342020  " */
		   " 02 05 76332e3230"                   /* "v3.20" */
		   " 03 09 7777772e73652e636f"           /* "www.se.co" */
		   " 04 06 4d3334302020"                 /* "M340  " */
		   " 05 04 43505533"                     /* "CPU3" */
		   " 06 05 4c696e6531"                   /* "Line1" */
		   " 80 02 abcd");
	b[4] = (uint8_t)((n - 6) >> 8); /* the MBAP length: what follows it */
	b[5] = (uint8_t)(n - 6);
	at_feed(&t, 1, b, n);
	AT_EVENTS(&t);
	const struct app_identity *id = said(1);
	assert_int_equal(id->about, APP_ID_SENDER);
	has_str(id, APP_IDF_VENDOR, "Schneider Elec");
	has_str(id, APP_IDF_PRODUCT, "M340");        /* ProductName, blanks dropped */
	has_str(id, APP_IDF_MODEL, "CPU3");          /* ModelName */
	has_str(id, APP_IDF_FIRMWARE, "v3.20");
	has_str(id, APP_IDF_NAME, "Line1");
	assert_string_equal(ext(id, "vendor_url"), "www.se.co");
	assert_string_equal(id->component, "unit 7");
	assert_true(id->may_be_self);
	assert_int_equal(num(id, "unit", APP_ID_SENDER), 7);
	assert_int_equal(id->role[0], APP_ROLE_FIELD);
	at_clear(&t);
	ids.n = 0;
	/* basic objects only: the product code is the product */
	at_clear(&t);
	n = at_hex(b, sizeof(b), "0003 0000 0005 01 2b 0e 01 00");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "0003 0000 0017 01 2b 0e 01 01 00 00 03 00 03 414243 01 03 583130"
				 " 02 03 312e32");
	at_feed(&t, 1, b, n);
	id = said(1);
	has_str(id, APP_IDF_VENDOR, "ABC");
	has_str(id, APP_IDF_PRODUCT, "X10");
	lacks(id, APP_IDF_MODEL);
	has_str(id, APP_IDF_FIRMWARE, "1.2");
	/* a poll says nothing; an exception to 43 neither */
	n = at_hex(b, sizeof(b), "0004 0000 0006 01 03 0000 000a");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "0004 0000 0017 01 03 14 0001000200030004000500060007000800090010");
	at_feed(&t, 1, b, n);
	silent(2);
	silent(3);
	n = at_hex(b, sizeof(b), "0005 0000 0005 01 2b 0e 01 00");
	at_feed(&t, 0, b, n);
	n = at_hex(b, sizeof(b), "0005 0000 0003 01 ab 02");
	at_feed(&t, 1, b, n);
	silent(5);
	/* a file record write: an engineering station's */
	n = at_hex(b, sizeof(b), "0006 0000 000c 01 15 09 06 0004 0001 0001 1234");
	at_feed(&t, 0, b, n);
	id = said(6);
	assert_int_equal(id->role[0], APP_ROLE_ENGINEERING);
	assert_int_equal(id->have, 0);
	at_fini(&t);
}

/* hostile object lists: lengths beyond the PDU, zero objects, 0xff */
static void test_modbus_hostile(void **s)
{
	(void)s;
	static const char *const lists[] = {
		"00",                 /* no object */
		"01 00 ff",           /* claims 255 bytes */
		"02 00 00 01 00",     /* empty values */
		"03 00 01 41 00 7f",  /* the second overruns */
		"ff 06 05 4c696e6531",
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		struct at t;
		id_start(&t, &proto_modbus, APP_TCP, 40000, 502);
		size_t n = at_hex(b, sizeof(b), "0009 0000 0005 01 2b 0e 01 00");
		at_feed(&t, 0, b, n);
		n = at_hex(b, sizeof(b), "0009 0000 0000 01 2b 0e 01 01 00 00");
		n += at_hex(b + n, sizeof(b) - n, lists[i]);
		b[4] = (uint8_t)((n - 6) >> 8);
		b[5] = (uint8_t)(n - 6);
		at_feed(&t, 1, b, n);
		assert_int_equal(ids.n, 2);
		if (ids.said[1]) /* what it kept is within the PDU: printable, bounded */
			for (int f = 0; f < APP_IDF__COUNT; f++)
				if (ids.id[1].have & (1u << f))
					assert_true(strlen(ids.id[1].str[f]) < APP_ID_STR);
		at_fini(&t);
	}
}

/* ---- EtherNet/IP (CIP Vol 2, 2-4.3 ListIdentity; Vol 1, 5A-2 identity
 * object; 3-5.5.1 Unconnected Send with its route path) ------------------------- */

static size_t encap(uint8_t *out, uint16_t cmd, uint64_t ctx, const char *data)
{
	size_t n = at_hex(out + 24, sizeof(b) - 24, data);
	memset(out, 0, 24);
	out[0] = (uint8_t)cmd;
	out[1] = (uint8_t)(cmd >> 8);
	out[2] = (uint8_t)n;
	out[3] = (uint8_t)(n >> 8);
	out[4] = 0x44; /* session */
	for (int i = 0; i < 8; i++)
		out[12 + i] = (uint8_t)(ctx >> (8 * i));
	return n + 24;
}

static size_t rr(uint8_t *out, uint64_t ctx, const char *cip)
{
	char data[1600];
	uint8_t tmp[700];
	size_t cn = at_hex(tmp, sizeof(tmp), cip);
	snprintf(data, sizeof(data), "00000000 0a00 0200 0000 0000 b200 %02x%02x %s",
		 (unsigned)(cn & 0xff), (unsigned)(cn >> 8), cip);
	return encap(out, 0x6f, ctx, data);
}

/* identity attributes 1-7: vendor 1, type 14, product 54, rev 16.20,
 * status 0x3060, serial 0x0051823f, name "1756-L61/B LOGIX5561" */
#define ID_ATTRS "0100 0e00 3600 10 14 6030 3f825100 14 313735362d4c36312f42204c4f47495835353631"

static void test_enip(void **s)
{
	(void)s;
	struct at t;
	id_start(&t, &proto_enip, APP_UDP, 44818, 44818);
	size_t n = encap(b, 0x63, 0, "");
	at_datagram(&t, 0, b, n);
	silent(0);
	/* ListIdentity reply: item 0x000c, protocol version, socket address
	 * (16), vendor, device type, product code, revision, status, serial,
	 * product name, state */
	n = encap(b, 0x63, 0,
		  "0100 0c00 2d00 0100 0002 af12 0a000032 0000000000000000 0100 0c00 3a00 0403 3000"
		  " 8e4d5200 0b 313735362d454e42542f41 03");
	at_datagram(&t, 1, b, n);
	const struct app_identity *id = said(1);
	has_str(id, APP_IDF_VENDOR, "Rockwell Automation/Allen-Bradley");
	has_str(id, APP_IDF_DEVICE_TYPE, "Communications Adapter");
	has_str(id, APP_IDF_PRODUCT, "1756-ENBT/A");
	has_str(id, APP_IDF_FIRMWARE, "4.3");
	has_str(id, APP_IDF_SERIAL, "0x00524d8e");
	assert_int_equal(num(id, "vendor_id", APP_ID_SENDER), 1);
	assert_int_equal(num(id, "device_type_id", APP_ID_SENDER), 12);
	assert_int_equal(num(id, "product_code", APP_ID_SENDER), 58);
	assert_string_equal(id->component, "");
	assert_int_equal(id->role[0], APP_ROLE_FIELD);
	at_fini(&t);

	/* TCP: Get_Attributes_All of the identity object, sent on through an
	 * Unconnected Send (service 0x52 to the connection manager, class 6):
	 * priority, timeout, embedded size, the request, route path size,
	 * reserved, route: port 1 (backplane), link 0 (slot 0) */
	id_start(&t, &proto_enip, APP_TCP, 40500, 44818);
	n = rr(b, 5, "52 02 2006 2401 0a 0e 0600 01 02 2001 2401 01 00 01 00");
	at_feed(&t, 0, b, n);
	silent(0);
	n = rr(b, 5, "81 00 00 00 " ID_ATTRS);
	at_feed(&t, 1, b, n);
	id = said(1);
	assert_string_equal(id->component, "backplane slot 0");
	has_str(id, APP_IDF_PRODUCT, "1756-L61/B LOGIX5561");
	has_str(id, APP_IDF_FIRMWARE, "16.20");
	has_str(id, APP_IDF_SERIAL, "0x0051823f");
	has_str(id, APP_IDF_DEVICE_TYPE, "Programmable Logic Controller");
	assert_int_equal(id->role[0], 0); /* a module behind: not this address's role */
	/* the same, asked of the adapter itself: the device's own */
	n = rr(b, 6, "01 02 2001 2401");
	at_feed(&t, 0, b, n);
	n = rr(b, 6, "81 00 00 00 " ID_ATTRS);
	at_feed(&t, 1, b, n);
	id = said(3);
	assert_string_equal(id->component, "");
	assert_int_equal(id->role[0], APP_ROLE_FIELD);
	/* a reply to another class is not an identity; nor a cut one */
	n = rr(b, 7, "01 02 2002 2401");
	at_feed(&t, 0, b, n);
	n = rr(b, 7, "81 00 00 00 " ID_ATTRS);
	at_feed(&t, 1, b, n);
	silent(5);
	n = rr(b, 8, "01 02 2001 2401");
	at_feed(&t, 0, b, n);
	n = rr(b, 8, "81 00 00 00 0100 0e00 3600 10");
	at_feed(&t, 1, b, n);
	silent(7);
	/* an error reply neither */
	n = rr(b, 9, "01 02 2001 2401");
	at_feed(&t, 0, b, n);
	n = rr(b, 9, "81 00 08 00");
	at_feed(&t, 1, b, n);
	silent(9);
	/* Reset of the identity object, and a tag read (a poll) */
	n = rr(b, 10, "05 02 2001 2401");
	at_feed(&t, 0, b, n);
	id = said(10);
	assert_int_equal(id->role[0], APP_ROLE_ENGINEERING);
	assert_int_equal(id->role[1], APP_ROLE_FIELD);
	n = rr(b, 11, "4c 03 9104 54656d70 0100");
	at_feed(&t, 0, b, n);
	silent(11);
	at_fini(&t);
}

/* ---- S7comm (SZL: System Software for S7-300/400, ch. 33) ------------------------ */

struct pb {
	uint8_t b[2048];
	size_t n;
};

static void pb_u8(struct pb *p, unsigned v)
{
	assert_true(p->n < sizeof(p->b));
	p->b[p->n++] = (uint8_t)v;
}

static void pb_be16(struct pb *p, unsigned v)
{
	pb_u8(p, v >> 8);
	pb_u8(p, v & 0xff);
}

static void pb_hex(struct pb *p, const char *h)
{
	p->n += at_hex(p->b + p->n, sizeof(p->b) - p->n, h);
}

/* s padded with pad to exactly n bytes */
static void pb_fixed(struct pb *p, const char *s, size_t n, uint8_t pad)
{
	for (size_t i = 0; i < n; i++)
		pb_u8(p, i < strlen(s) ? (uint8_t)s[i] : pad);
}

/* TPKT + COTP DT (last unit) + S7 header (no error fields: job, userdata)
 * around param and data */
static size_t s7(uint8_t *out, uint8_t rosctr, uint16_t ref, const struct pb *par,
		 const struct pb *dat)
{
	struct pb f = { .n = 0 };
	pb_hex(&f, "0300 0000 02f080 32");
	pb_u8(&f, rosctr);
	pb_be16(&f, 0);
	pb_be16(&f, ref);
	pb_be16(&f, (unsigned)par->n);
	pb_be16(&f, (unsigned)dat->n);
	memcpy(f.b + f.n, par->b, par->n);
	f.n += par->n;
	memcpy(f.b + f.n, dat->b, dat->n);
	f.n += dat->n;
	f.b[2] = (uint8_t)(f.n >> 8);
	f.b[3] = (uint8_t)f.n;
	memcpy(out, f.b, f.n);
	return f.n;
}

/* an SZL request (userdata, type 4, group 4 cpu functions, subfunction 1) */
static size_t szl_req(uint8_t *out, uint16_t id, uint16_t index)
{
	struct pb par = { .n = 0 }, dat = { .n = 0 };
	pb_hex(&par, "000112 04 11 44 01 00");
	pb_hex(&dat, "ff 09 0004");
	pb_be16(&dat, id);
	pb_be16(&dat, index);
	return s7(out, 7, 0x100, &par, &dat);
}

/* the answer's head: return code, size, SZL id and index, record length
 * and count; the records follow */
static void szl_head(struct pb *par, struct pb *dat, uint16_t id, uint16_t rlen, uint16_t count)
{
	pb_hex(par, "000112 08 12 84 01 01 00 00 0000");
	pb_hex(dat, "ff 09");
	pb_be16(dat, 8u + (unsigned)rlen * count);
	pb_be16(dat, id);
	pb_be16(dat, 0);
	pb_be16(dat, rlen);
	pb_be16(dat, count);
}

static void test_s7comm(void **s)
{
	(void)s;
	struct at t;
	id_start(&t, &proto_s7comm, APP_TCP, 40100, 102);
	size_t n = szl_req(b, 0x0011, 0);
	at_feed(&t, 0, b, n);
	const struct app_identity *id = said(0); /* a module identification read */
	assert_int_equal(id->role[0], APP_ROLE_ENGINEERING);
	/* 0x0011: records index:2 MlfB:20 BGTyp:2 Ausbg:2 Ausbe:2 */
	struct pb par = { .n = 0 }, dat = { .n = 0 };
	szl_head(&par, &dat, 0x0011, 28, 3);
	pb_be16(&dat, 1);
	pb_fixed(&dat, "6ES7 315-2EH14-0AB0", 20, ' ');
	pb_hex(&dat, "00c0 0003 0001");
	pb_be16(&dat, 6);
	pb_fixed(&dat, "6ES7 315-2EH14-0AB0", 20, ' ');
	pb_hex(&dat, "00c0 0003 0001");
	pb_be16(&dat, 7); /* basic firmware: 'V' 3 . 2 . 7 */
	pb_fixed(&dat, "", 20, ' ');
	pb_hex(&dat, "00c0 5603 0207");
	n = s7(b, 7, 0x100, &par, &dat);
	at_feed(&t, 1, b, n);
	id = said(1);
	has_str(id, APP_IDF_MODEL, "6ES7 315-2EH14-0AB0");
	has_str(id, APP_IDF_FIRMWARE, "V3.2.7");
	has_str(id, APP_IDF_VENDOR, "Siemens"); /* from the order number */
	assert_int_equal(id->role[0], APP_ROLE_FIELD);
	/* 0x001C: records index:2 and 32 bytes of text */
	par.n = dat.n = 0;
	szl_head(&par, &dat, 0x001c, 34, 5);
	static const char *const names[] = { "S7300/ET200M station_1", "PLC_1",
					     "Original Siemens Equipment", "S C-B1U393142011",
					     "CPU 315-2 PN/DP" };
	static const uint16_t idx[] = { 1, 2, 4, 5, 7 };
	for (int i = 0; i < 5; i++) {
		pb_be16(&dat, idx[i]);
		pb_fixed(&dat, names[i], 32, 0);
	}
	n = s7(b, 7, 0x101, &par, &dat);
	at_feed(&t, 1, b, n);
	id = said(2);
	has_str(id, APP_IDF_NAME, "PLC_1");
	has_str(id, APP_IDF_SERIAL, "S C-B1U393142011");
	has_str(id, APP_IDF_PRODUCT, "CPU 315-2 PN/DP");
	has_str(id, APP_IDF_VENDOR, "Siemens"); /* from the copyright */
	assert_string_equal(ext(id, "station"), "S7300/ET200M station_1");
	/* a read_var job and another SZL (0x0424, the mode) say nothing */
	par.n = dat.n = 0;
	pb_hex(&par, "04 01 12 0a 10 02 0004 0001 84 000000");
	n = s7(b, 1, 0x102, &par, &dat);
	at_feed(&t, 0, b, n);
	silent(3);
	n = szl_req(b, 0x0424, 0);
	at_feed(&t, 0, b, n);
	silent(4);
	/* download: the engineering station's request_download, then the
	 * PLC's own download_block job to it */
	par.n = 0;
	pb_hex(&par, "1a 00 0100 0000 0000 09 5f3042303030303150 0d 3130303030303131303030303130");
	n = s7(b, 1, 0x103, &par, &dat);
	at_feed(&t, 0, b, n);
	id = said(5);
	assert_int_equal(id->role[0], APP_ROLE_ENGINEERING);
	assert_int_equal(id->role[1], APP_ROLE_FIELD);
	par.n = 0;
	pb_hex(&par, "1b 00 0100 0000 0000 09 5f3042303030303150");
	n = s7(b, 1, 0x104, &par, &dat);
	at_feed(&t, 1, b, n);
	id = said(6);
	assert_int_equal(id->role[0], APP_ROLE_FIELD);
	assert_int_equal(id->role[1], APP_ROLE_ENGINEERING);
	/* an SZL answer whose records run past the data: what fits only */
	par.n = dat.n = 0;
	szl_head(&par, &dat, 0x001c, 34, 200);
	pb_be16(&dat, 2);
	pb_fixed(&dat, "PLC_9", 32, 0);
	n = s7(b, 7, 0x105, &par, &dat);
	at_feed(&t, 1, b, n);
	assert_int_equal(ids.n, 8);
	id = said(7);
	has_str(id, APP_IDF_NAME, "PLC_9");
	at_fini(&t);
}

/* ---- BACnet/IP (Annex J BVLC, clause 6 NPDU, 20 APDU, 21 services) --------------- */

/* BVLC function fn around an NPDU (hex); the length fixed */
static size_t bvlc(uint8_t *out, uint8_t fn, const char *rest)
{
	size_t n = at_hex(out + 4, sizeof(b) - 4, rest);
	out[0] = 0x81;
	out[1] = fn;
	out[2] = (uint8_t)((n + 4) >> 8);
	out[3] = (uint8_t)(n + 4);
	return n + 4;
}

static void test_bacnet(void **s)
{
	(void)s;
	struct at t;
	id_start(&t, &proto_bacnet, APP_UDP, 47808, 47808);
	/* I-Am (16.10): unconfirmed (10) service 0, device 123 (app tag 12:
	 * type 8 << 22 | 123), max APDU 1476, segmentation both, vendor 5 */
	size_t n = bvlc(b, 0x0b, "0100 1000 c40200007b 2205c4 9100 2105");
	at_datagram(&t, 0, b, n);
	const struct app_identity *id = said(0);
	has_str(id, APP_IDF_VENDOR, "Johnson Controls, Inc.");
	assert_int_equal(num(id, "device_instance", APP_ID_SENDER), 123);
	assert_int_equal(num(id, "vendor_id", APP_ID_SENDER), 5);
	assert_int_equal(id->role[0], APP_ROLE_FIELD);
	/* ReadProperty-ACK (15.5): complex ack (30), invoke 1, service 12;
	 * object [0] device 123, property [1] model-name (70), value [3] a
	 * CharacterString "Model X" (UTF-8) */
	n = bvlc(b, 0x0a, "0100 30010c 0c0200007b 1946 3e 7508004d6f64656c2058 3f");
	at_datagram(&t, 1, b, n);
	id = said(1);
	has_str(id, APP_IDF_MODEL, "Model X");
	assert_int_equal(num(id, "device_instance", APP_ID_SENDER), 123);
	/* ReadPropertyMultiple-ACK (15.7): vendor-name (121), firmware (44),
	 * object-name (77) in UCS-2 (charset 4), vendor-identifier (120) */
	n = bvlc(b, 0x0a,
		 "0100 30020e 0c0200007b 1e"
		 " 2979 4e 7505004163 6d65 4f"
		 " 292c 4e 7506003120322e33 4f"
		 " 294d 4e 750904004100480055 0031 4f"
		 " 2978 4e 2105 4f"
		 " 1f");
	at_datagram(&t, 1, b, n);
	id = said(2);
	has_str(id, APP_IDF_VENDOR, "Acme");
	has_str(id, APP_IDF_FIRMWARE, "1 2.3");
	has_str(id, APP_IDF_NAME, "AHU1");
	assert_int_equal(num(id, "vendor_id", APP_ID_SENDER), 5);
	/* a device behind a router: SNET 5, SLEN 1, SADR 0x1a */
	n = bvlc(b, 0x0b, "0108 0005 01 1a 1000 c40200007c 2205c4 9103 2108");
	at_datagram(&t, 0, b, n);
	id = said(3);
	assert_string_equal(id->component, "net 5 mac 1a");
	assert_int_equal(id->role[0], 0);
	assert_int_equal(num(id, "device_instance", APP_ID_SENDER), 124);
	/* a Forwarded-NPDU names the original B/IP address */
	n = bvlc(b, 0x04, "c0a8000a bac0 0100 1000 c40200007d 2205c4 9100 2105");
	at_datagram(&t, 0, b, n);
	id = said(4);
	assert_int_equal(id->about, APP_ID_IPV4);
	assert_memory_equal(id->about_ip, "\xc0\xa8\x00\x0a", 4);
	/* ReinitializeDevice (16.4): engineering; Who-Is: nothing */
	n = bvlc(b, 0x0a, "0104 0005 0114 0901");
	at_datagram(&t, 0, b, n);
	id = said(5);
	assert_int_equal(id->role[0], APP_ROLE_ENGINEERING);
	n = bvlc(b, 0x0b, "0100 1008");
	at_datagram(&t, 0, b, n);
	silent(6);
	/* a property of another object type, in an ack: nothing */
	n = bvlc(b, 0x0a, "0100 30030c 0c00000001 1955 3e 4400000000 3f");
	at_datagram(&t, 1, b, n);
	silent(7);
	at_fini(&t);
}

/* ---- DNP3 (IEEE 1815-2012, 9.2 link frames, 8.2 transport) ----------------------- */

static uint16_t dnp3_crc(const uint8_t *p, size_t n)
{
	uint16_t crc = 0;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa6bc) : (uint16_t)(crc >> 1);
	}
	return (uint16_t)~crc;
}

/* one link frame: header with CRC, then the user data (transport byte
 * and application bytes, at most 16 here) and its CRC */
static size_t dnp3(uint8_t *out, uint8_t ctrl, uint16_t dst, uint16_t src, const char *app)
{
	uint8_t u[16];
	size_t un = at_hex(u, sizeof(u), app);
	uint8_t h[8] = { 0x05, 0x64, (uint8_t)(5 + un), ctrl, (uint8_t)dst, (uint8_t)(dst >> 8),
			 (uint8_t)src, (uint8_t)(src >> 8) };
	memcpy(out, h, 8);
	uint16_t c = dnp3_crc(h, 8);
	out[8] = (uint8_t)c;
	out[9] = (uint8_t)(c >> 8);
	memcpy(out + 10, u, un);
	c = dnp3_crc(u, un);
	out[10 + un] = (uint8_t)c;
	out[11 + un] = (uint8_t)(c >> 8);
	return 12 + un;
}

static void test_dnp3(void **s)
{
	(void)s;
	struct at t;
	id_start(&t, &proto_dnp3, APP_TCP, 40200, 20000);
	/* master 1 -> outstation 10 (DIR set: 0xc4), read class 1 */
	size_t n = dnp3(b, 0xc4, 10, 1, "c0 c0 01 3c0206");
	at_feed(&t, 0, b, n);
	const struct app_identity *id = said(0);
	assert_int_equal(num(id, "master_address", APP_ID_SENDER), 1);
	assert_int_equal(num(id, "outstation_address", APP_ID_RECEIVER), 10);
	assert_int_equal(id->have, 0);
	/* the outstation's response (DIR clear: 0x44) */
	n = dnp3(b, 0x44, 1, 10, "c0 c0 81 0000");
	at_feed(&t, 1, b, n);
	id = said(1);
	assert_int_equal(num(id, "outstation_address", APP_ID_SENDER), 10);
	assert_int_equal(num(id, "master_address", APP_ID_RECEIVER), 1);
	/* the next poll: nothing new */
	n = dnp3(b, 0xc4, 10, 1, "c1 c1 01 3c0206");
	at_feed(&t, 0, b, n);
	silent(2);
	/* cold restart (13): an engineering tool's */
	n = dnp3(b, 0xc4, 10, 1, "c2 c2 0d");
	at_feed(&t, 0, b, n);
	id = said(3);
	assert_int_equal(id->role[0], APP_ROLE_ENGINEERING);
	assert_int_equal(id->role[1], APP_ROLE_FIELD);
	at_fini(&t);
}

/* ---- OPC UA (OPC 10000-6, 6.7 and 7.1; OPC 10000-4, 5.4.4 GetEndpoints,
 * 5.6.2 CreateSession, 7.2 ApplicationDescription) --------------------------------- */

static struct pb m;

static void m_u32(uint32_t v)
{
	pb_u8(&m, v & 0xff);
	pb_u8(&m, (v >> 8) & 0xff);
	pb_u8(&m, (v >> 16) & 0xff);
	pb_u8(&m, v >> 24);
}

static void m_str(const char *s)
{
	m_u32((uint32_t)strlen(s));
	for (size_t i = 0; i < strlen(s); i++)
		pb_u8(&m, (uint8_t)s[i]);
}

static void m_send(struct at *t, int dir)
{
	m.b[4] = (uint8_t)m.n;
	m.b[5] = (uint8_t)(m.n >> 8);
	m.b[6] = (uint8_t)(m.n >> 16);
	m.b[7] = (uint8_t)(m.n >> 24);
	at_feed(t, dir, m.b, m.n);
}

/* ApplicationDescription: uri, product uri, name (LocalizedText with a
 * text only: mask 2), type, gateway, discovery profile, no discovery urls */
static void m_app(const char *uri, const char *product, const char *name, uint32_t type)
{
	m_str(uri);
	m_str(product);
	pb_u8(&m, 2);
	m_str(name);
	m_u32(type);
	m_u32(0xffffffff);
	m_u32(0xffffffff);
	m_u32(0);
}

static uint32_t seqno[2];

static void sym(int dir, uint32_t rid)
{
	m.n = 0;
	pb_hex(&m, "4d534746 00000000"); /* "MSG" 'F' size */
	m_u32(7);                         /* SecureChannelId */
	m_u32(1);                         /* TokenId */
	m_u32(seqno[dir]++);
	m_u32(rid);
}

static void opcua_ready(struct at *t)
{
	id_start(t, &proto_opcua, APP_TCP, 50000, 4840);
	seqno[0] = seqno[1] = 1;
	m.n = 0;
	pb_hex(&m, "48454c46 00000000 00000000 ffff0000 ffff0000 00000000 00000000");
	m_str("opc.tcp://plc:4840");
	m_send(t, 0);
	m.n = 0;
	pb_hex(&m, "41434b46 00000000 00000000 ffff0000 ffff0000 00000000 00000000");
	m_send(t, 1);
	m.n = 0;
	pb_hex(&m, "4f504e46 00000000 00000000");
	m_str("http://opcfoundation.org/UA/SecurityPolicy#None");
	pb_hex(&m, "ffffffff ffffffff");
	m_u32(seqno[0]++);
	m_u32(1);
	pb_hex(&m, "0100be01 0000 00c0a2f9d216da01 01000000 00000000 ffffffff 10270000 000000");
	pb_hex(&m, "00000000 00000000 01000000 00000000 c0270900");
	m_send(t, 0);
	m.n = 0;
	pb_hex(&m, "4f504e46 00000000 07000000");
	m_str("http://opcfoundation.org/UA/SecurityPolicy#None");
	pb_hex(&m, "ffffffff ffffffff");
	m_u32(seqno[1]++);
	m_u32(1);
	pb_hex(&m, "0100c101 00c0a2f9d216da01 01000000 00000000 00 00000000 000000");
	pb_hex(&m, "00000000 07000000 01000000 00c0a2f9d216da01 c0270900 00000000");
	m_send(t, 1);
	at_clear(t);
	memset(&ids, 0, sizeof(ids));
	ids.seen_dir[0] = ids.seen_dir[1] = true;
}

static void test_opcua(void **s)
{
	(void)s;
	struct at t;
	opcua_ready(&t);
	/* GetEndpointsRequest (428): endpoint url, no locales, no profiles */
	sym(0, 2);
	pb_hex(&m, "0100ac01 0000 00c0a2f9d216da01 02000000 00000000 ffffffff 10270000 000000");
	m_str("opc.tcp://plc:4840");
	pb_hex(&m, "ffffffff ffffffff");
	m_send(&t, 0);
	silent(0);
	/* GetEndpointsResponse (431): one EndpointDescription: url, server */
	sym(1, 2);
	pb_hex(&m, "0100af01 00c0a2f9d216da01 02000000 00000000 00 00000000 000000");
	m_u32(1);
	m_str("opc.tcp://plc:4840");
	m_app("urn:acme:plc1", "urn:acme:ua-server", "Acme PLC UA Server", 0);
	pb_hex(&m, "ffffffff 01000000"); /* certificate, mode: the rest is not read */
	m_send(&t, 1);
	AT_EVENTS(&t);
	const struct app_identity *id = said(1);
	has_str(id, APP_IDF_PRODUCT, "Acme PLC UA Server");
	has_str(id, APP_IDF_DEVICE_TYPE, "OPC UA server");
	assert_string_equal(ext(id, "application_uri"), "urn:acme:plc1");
	assert_string_equal(ext(id, "product_uri"), "urn:acme:ua-server");
	assert_string_equal(id->component, "urn:acme:plc1");
	assert_true(id->may_be_self);
	/* CreateSessionRequest (461): the client's description first */
	sym(0, 3);
	pb_hex(&m, "0100cd01 0000 00c0a2f9d216da01 03000000 00000000 ffffffff 10270000 000000");
	m_app("urn:scada:hmi", "urn:scada:product", "Line HMI", 1);
	pb_hex(&m, "ffffffff");            /* serverUri */
	m_str("opc.tcp://plc:4840");       /* endpointUrl */
	m_str("session-1");                /* sessionName */
	pb_hex(&m, "ffffffff ffffffff 0000000000408f40 00000000");
	m_send(&t, 0);
	id = said(2);
	has_str(id, APP_IDF_PRODUCT, "Line HMI");
	has_str(id, APP_IDF_DEVICE_TYPE, "OPC UA client");
	assert_string_equal(id->component, "urn:scada:hmi");
	/* a cut response: the hook reads nothing past it, the parser's
	 * judgement of the message is its own */
	sym(1, 2);
	pb_hex(&m, "0100af01 00c0a2f9d216da01 02000000 00000000 00 00000000 000000");
	m_u32(1);
	m_str("opc.tcp://plc:4840");
	pb_hex(&m, "ff7f0000");
	m_send(&t, 1);
	silent(3);
	at_fini(&t);
}

/* ---- GOOSE (IEC 61850-8-1 Annex A) ------------------------------------------------ */

static void ber(struct pb *p, uint8_t tag, const void *v, size_t n)
{
	pb_u8(p, tag);
	assert_true(n < 128);
	pb_u8(p, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		pb_u8(p, ((const uint8_t *)v)[i]);
}

static size_t goose(uint8_t *out, const char *gocbref, uint32_t st)
{
	struct pb pdu = { .n = 0 };
	ber(&pdu, 0x80, gocbref, strlen(gocbref));
	ber(&pdu, 0x81, "\x07\xd0", 2);
	ber(&pdu, 0x82, "IED1LD0/LLN0$DS1", 16);
	ber(&pdu, 0x84, "\x65\x43\x00\x01\x00\x00\x00\x0a", 8);
	uint8_t stn = (uint8_t)st;
	ber(&pdu, 0x85, &stn, 1);
	ber(&pdu, 0x86, "\x00", 1);
	ber(&pdu, 0x87, "\x00", 1);
	ber(&pdu, 0x88, "\x01", 1);
	ber(&pdu, 0x89, "\x00", 1);
	ber(&pdu, 0x8a, "\x01", 1);
	ber(&pdu, 0xab, "\x83\x01\x01", 3);
	struct pb f = { .n = 0 };
	pb_hex(&f, "0001 0000 0000 0000");
	ber(&f, 0x61, pdu.b, pdu.n);
	f.b[2] = (uint8_t)(f.n >> 8);
	f.b[3] = (uint8_t)f.n;
	memcpy(out, f.b, f.n);
	return f.n;
}

static void test_goose(void **s)
{
	(void)s;
	static const uint8_t pub[6] = { 0x00, 0x0c, 0xcd, 0x00, 0x00, 0x01 };
	static const uint8_t dst[6] = { 0x01, 0x0c, 0xcd, 0x01, 0x00, 0x01 };
	struct at t;
	id_start(&t, &proto_goose, APP_L2, 0, 0);
	t.ctx.fi.src_mac = pub;
	t.ctx.fi.dst_mac = dst;
	t.ctx.fi.ts = 1000000000000000ull;
	size_t n = goose(b, "IED1LD0/LLN0$GO$gcb01", 1);
	at_datagram(&t, 0, b, n);
	const struct app_identity *id = said(0);
	has_str(id, APP_IDF_NAME, "IED1LD0");
	assert_string_equal(ext(id, "gocbref"), "IED1LD0/LLN0$GO$gcb01");
	assert_int_equal(num(id, "appid", APP_ID_SENDER), 1);
	assert_int_equal(id->role[0], APP_ROLE_PUBLISHER);
	assert_true(id->weak);
	/* its next frame: nothing new */
	t.ctx.fi.ts += 1000;
	n = goose(b, "IED1LD0/LLN0$GO$gcb01", 2);
	at_datagram(&t, 0, b, n);
	silent(1);
	/* a gocbRef without '/': all of it names the device */
	n = goose(b, "ODDREF", 1);
	at_datagram(&t, 0, b, n);
	id = said(2);
	has_str(id, APP_IDF_NAME, "ODDREF");
	at_fini(&t);
}

/* ---- the helpers of asset.h -------------------------------------------------------- */

static void test_identity_helpers(void **s)
{
	(void)s;
	struct app_identity id;
	app_identity_init(&id);
	assert_false(app_identity_any(&id));
	/* control bytes become '.', blanks at both ends go, NUL ends */
	app_identity_set(&id, APP_IDF_NAME, "  a\x01" "b  \0hidden", 12);
	has_str(&id, APP_IDF_NAME, "a.b");
	/* a value of blanks only is no value */
	app_identity_set(&id, APP_IDF_MODEL, "    ", 4);
	lacks(&id, APP_IDF_MODEL);
	/* longer than the field: cut, still terminated */
	char big[300];
	memset(big, 'x', sizeof(big));
	app_identity_set(&id, APP_IDF_PRODUCT, big, sizeof(big));
	assert_int_equal(strlen(id.str[APP_IDF_PRODUCT]), APP_ID_STR - 1);
	/* bounded lists */
	for (int i = 0; i < 10; i++)
		app_identity_num(&id, "k", (uint32_t)i, APP_ID_SENDER);
	assert_int_equal(id.n_num, APP_ID_MAX_NUM);
	for (int i = 0; i < 10; i++)
		app_identity_ext(&id, "e", "v", 1);
	assert_int_equal(id.n_ext, APP_ID_MAX_EXT);
	app_identity_ext(&id, "e", big, sizeof(big));
	assert_true(app_identity_any(&id));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modbus),  cmocka_unit_test(test_modbus_hostile),
		cmocka_unit_test(test_enip),    cmocka_unit_test(test_s7comm),
		cmocka_unit_test(test_bacnet),  cmocka_unit_test(test_dnp3),
		cmocka_unit_test(test_opcua),   cmocka_unit_test(test_goose),
		cmocka_unit_test(test_identity_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
