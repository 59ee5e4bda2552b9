/* SPDX-License-Identifier: BSD-3-Clause */
/* PROFINET DCP parser: Identify/Get/Set/Hello PDUs and their blocks, Xid
 * matching, the stations table (duplicate names, names in use, IP
 * conflicts), the FrameID classes of 0x8892, every event, the pn_dcp.*
 * keywords, hostile lengths. Bytes from IEC 61158-6-10 4.3 (DCP); the
 * Identify response of test_real_identify is frame 466 of
 * icsnpp_profinet_io_cm_mixed_1.pcap. The parser's .c is included to read
 * its per-worker counters. */
#include "apptest.h"

#include "../../sensor/proto/pn_dcp.c"

static uint8_t b[2048];

static const uint8_t ENG[6] = { 0x00, 0x1b, 0x1b, 0x00, 0x00, 0x05 };  /* engineering station */
static const uint8_t DEV1[6] = { 0x00, 0x0e, 0x8c, 0x00, 0x00, 0x11 };
static const uint8_t DEV2[6] = { 0x00, 0x0e, 0x8c, 0x00, 0x00, 0x12 };
static const uint8_t EVIL[6] = { 0x02, 0x66, 0x66, 0x66, 0x66, 0x66 };
static const uint8_t MCAST[6] = { 0x01, 0x0e, 0xcf, 0x00, 0x00, 0x00 }; /* Identify */
static const uint8_t HELLO_MC[6] = { 0x01, 0x0e, 0xcf, 0x00, 0x00, 0x01 };

static void start(struct at *t)
{
	at_init(t, &proto_pn_dcp, APP_L2, 0, 0);
}

/* one frame's payload (after the EtherType), from src to dst at time ts (s) */
static void frame(struct at *t, const uint8_t *src, const uint8_t *dst, uint64_t ts_s,
		  const char *hex)
{
	size_t n = at_hex(b, sizeof(b), hex);
	t->ctx.fi.src_mac = src;
	t->ctx.fi.dst_mac = dst;
	t->ctx.fi.ts = 1700000000000000ull + ts_s * 1000000ull;
	at_datagram(t, 0, b, n);
}

static struct pn_state *st(struct at *t)
{
	return t->state;
}

/* ---- builders for the table tests: a DCP PDU with blocks ------------------- */

struct pdu {
	uint8_t b[1600];
	size_t n;
	size_t len_at;
};

static void pdu_start(struct pdu *p, uint16_t frame_id, uint8_t svc, uint8_t type, uint32_t xid,
		      uint16_t delay)
{
	p->n = 0;
	uint8_t h[12] = { (uint8_t)(frame_id >> 8), (uint8_t)frame_id, svc, type,
			  (uint8_t)(xid >> 24), (uint8_t)(xid >> 16), (uint8_t)(xid >> 8), (uint8_t)xid,
			  (uint8_t)(delay >> 8), (uint8_t)delay, 0, 0 };
	memcpy(p->b, h, 12);
	p->n = 12;
	p->len_at = 10;
}

/* a block: info < 0 means no BlockInfo/BlockQualifier; padded to even */
static void pdu_block(struct pdu *p, uint8_t opt, uint8_t sub, int info, const void *v, size_t vn)
{
	size_t body = vn + (info >= 0 ? 2 : 0);
	p->b[p->n++] = opt;
	p->b[p->n++] = sub;
	p->b[p->n++] = (uint8_t)(body >> 8);
	p->b[p->n++] = (uint8_t)body;
	if (info >= 0) {
		p->b[p->n++] = (uint8_t)(info >> 8);
		p->b[p->n++] = (uint8_t)info;
	}
	memcpy(p->b + p->n, v, vn);
	p->n += vn;
	if (body & 1)
		p->b[p->n++] = 0;
}

static void pdu_send(struct at *t, struct pdu *p, const uint8_t *src, const uint8_t *dst,
		     uint64_t ts_s)
{
	size_t dl = p->n - 12;
	p->b[p->len_at] = (uint8_t)(dl >> 8);
	p->b[p->len_at + 1] = (uint8_t)dl;
	t->ctx.fi.src_mac = src;
	t->ctx.fi.dst_mac = dst;
	t->ctx.fi.ts = 1700000000000000ull + ts_s * 1000000ull;
	at_datagram(t, 0, p->b, p->n);
}

static void ident_resp(struct at *t, const uint8_t *dev, const uint8_t *req, uint32_t xid,
		       const char *name, const uint8_t ip[4], uint64_t ts)
{
	struct pdu p;
	pdu_start(&p, 0xfeff, 5, 1, xid, 0);
	pdu_block(&p, 2, 2, 0, name, strlen(name));
	if (ip) {
		uint8_t v[12] = { ip[0], ip[1], ip[2], ip[3], 255, 255, 255, 0, ip[0], ip[1], ip[2], 1 };
		pdu_block(&p, 1, 2, 1, v, 12);
	}
	pdu_send(t, &p, dev, req, ts);
}

static void ident_all(struct at *t, const uint8_t *req, uint32_t xid, uint64_t ts)
{
	struct pdu p;
	pdu_start(&p, 0xfefe, 5, 0, xid, 1);
	pdu_block(&p, 0xff, 0xff, -1, "", 0);
	pdu_send(t, &p, req, MCAST, ts);
}

/* ---- the protocol ----------------------------------------------------------- */

static void test_identify(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* Identify request, all selector (4.3.1.3.1, DCP-Identify-ReqPDU):
	 * FrameID fefe, ServiceID 5, ServiceType 0, Xid 0x10, ResponseDelayFactor
	 * 1, DCPDataLength 4, block ff/ff length 0; Ethernet padding after */
	frame(&t, ENG, MCAST, 0,
	      "fefe 05 00 00000010 0001 0004  ffff 0000  000000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(t.n_tx, 1);
	AT_HAS(&t, 0, "\"frame_id\":65278,\"service_id\":5,\"service\":\"identify\",\"service_type\":0,"
		      "\"service_type_name\":\"request\",\"xid\":16,\"response_delay\":1,\"data_length\":4,"
		      "\"requester\":\"00:1b:1b:00:00:05\",\"blocks\":[{\"option\":255,\"option_name\":\"all\","
		      "\"suboption\":255,\"suboption_name\":\"all\",\"length\":0}]");
	AT_LACKS(&t, 0, "responder");
	AT_LACKS(&t, 0, "request_seen");
	assert_int_equal(t.fn[0], 5);
	assert_false(t.resp[0]);
	/* the response (DCP-Identify-ResPDU): FrameID feff, ServiceType 1, same
	 * Xid, Reserved, DCPDataLength 62; blocks with BlockInfo:
	 *   02/02 name of station "plc-1" (7, padded), 02/03 vendor 0x002a
	 *   device 0x0104, 02/04 role 0x02 (IO controller), 01/02 IP parameter
	 *   (BlockInfo 1 = IP set) 10.0.10.11/24 gw 10.0.0.1, 02/01 type
	 *   "S7-1500" (9, padded at the end of the data) */
	frame(&t, DEV1, ENG, 0,
	      "feff 05 01 00000010 0000 003e"
	      " 0202 0007 0000 706c632d31 00"
	      " 0203 0006 0000 002a 0104"
	      " 0204 0004 0000 02 00"
	      " 0102 000e 0001 0a000a0b ffffff00 0a000001"
	      " 0201 0009 0000 53372d31353030 00");
	assert_int_equal(t.n_tx, 2);
	AT_HAS(&t, 1, "\"service_type\":1,\"service_type_name\":\"success\",\"xid\":16,\"data_length\":62,"
		      "\"requester\":\"00:1b:1b:00:00:05\",\"responder\":\"00:0e:8c:00:00:11\",\"request_seen\":true");
	AT_HAS(&t, 1, "\"suboption_name\":\"name_of_station\",\"length\":7,\"block_info\":0,\"name_of_station\":\"plc-1\"");
	AT_HAS(&t, 1, "\"vendor_id\":42,\"device_id\":260");
	AT_HAS(&t, 1, "\"device_role\":2,\"device_role_names\":[\"io_controller\"]");
	AT_HAS(&t, 1, "\"block_info\":1,\"ip\":\"10.0.10.11\",\"subnet_mask\":\"255.255.255.0\","
		      "\"gateway\":\"10.0.0.1\",\"ip_state\":\"set\",\"ip_conflict_detected\":false");
	AT_HAS(&t, 1, "\"type_of_station\":\"S7-1500\"");
	AT_LACKS(&t, 1, "response_delay");
	assert_true(t.resp[1]);
	AT_EVENTS(&t);
	/* the station was learnt */
	const struct station *e = NULL;
	for (int i = 0; i < STATIONS; i++)
		if (st(&t)->st[i].used && mac_eq(st(&t)->st[i].mac, DEV1))
			e = &st(&t)->st[i];
	assert_non_null(e);
	assert_int_equal(e->ip, 0x0a000a0b);
	assert_true(e->name_answered);
	assert_int_equal(st(&t)->frames[PN_CLASS_DCP], 2);
	at_fini(&t);
}

/* A real Identify exchange (icsnpp_profinet_io_cm_mixed_1.pcap, 464 and
 * 466): a name filter, and a GE VersaMax answering with device options. */
static void test_real_identify(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	static const uint8_t ctl[6] = { 0x00, 0xa0, 0x45, 0x6d, 0xd3, 0x43 };
	static const uint8_t dev[6] = { 0x00, 0x09, 0x91, 0x43, 0xe0, 0x67 };
	frame(&t, ctl, MCAST, 0,
	      "fefe 0500 00000001 0001 0012 0202000e 76657273616d61782d706e733131"
	      " 00000000000000000000000000000000");
	frame(&t, dev, ctl, 0,
	      "feff 0501 00000001 0000 0064 02020010 0000 76657273616d61782d706e733131"
	      " 0205000e 0000 0102 0201 0202 0203 0204 0601"
	      " 0201000d 0000 4943323030504e53303031 00"
	      " 02030006 0000 015a 0003 02040004 0000 0100"
	      " 0102000e 0001 c0a80102 ffffff00 c0a80102 06010004 0000 0001");
	assert_int_equal(t.n_tx, 2);
	AT_HAS(&t, 0, "\"name_of_station\":\"versamax-pns11\"");
	AT_HAS(&t, 1, "\"request_seen\":true");
	AT_HAS(&t, 1, "\"options\":[{\"option\":1,\"suboption\":2,\"name\":\"ip_parameter\"},"
		      "{\"option\":2,\"suboption\":1,\"name\":\"type_of_station\"}");
	AT_HAS(&t, 1, "{\"option\":6,\"suboption\":1,\"name\":\"device_initiative\"}]");
	AT_HAS(&t, 1, "\"type_of_station\":\"IC200PNS001\"");
	AT_HAS(&t, 1, "\"vendor_id\":346,\"device_id\":3");
	AT_HAS(&t, 1, "\"device_role\":1,\"device_role_names\":[\"io_device\"]");
	AT_HAS(&t, 1, "\"ip\":\"192.168.1.2\"");
	AT_HAS(&t, 1, "\"device_initiative\":1");
	AT_EVENTS(&t);
	at_fini(&t);
}

static void test_get_set(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* Get request (unicast, FrameID fefd): selectors without length,
	 * 01/02 IP parameter and 02/02 name of station */
	frame(&t, ENG, DEV1, 0, "fefd 03 00 00000020 0000 0004 0102 0202");
	AT_HAS(&t, 0, "\"service\":\"get\"");
	AT_HAS(&t, 0, "\"responder\":\"00:0e:8c:00:00:11\"");
	AT_HAS(&t, 0, "\"blocks\":[{\"option\":1,\"option_name\":\"ip\",\"suboption\":2,"
		      "\"suboption_name\":\"ip_parameter\"},{\"option\":2,");
	assert_int_equal(t.fn[0], 3);
	/* Get response: the blocks with BlockInfo */
	frame(&t, DEV1, ENG, 0,
	      "fefd 03 01 00000020 0000 001e 0102000e 0001 0a000a0b ffffff00 0a000001"
	      " 02020007 0000 706c632d31 00");
	AT_HAS(&t, 1, "\"request_seen\":true");
	AT_HAS(&t, 1, "\"name_of_station\":\"plc-1\"");
	/* Set request: start transaction, name "plc-9" (permanent), IP
	 * 10.0.10.99, end transaction; every block with a BlockQualifier */
	frame(&t, ENG, DEV1, 1,
	      "fefd 04 00 00000021 0000 002a 05010002 0001 02020007 0001 706c632d39 00"
	      " 0102000e 0001 0a000a63 ffffff00 0a000001 05020002 0001");
	AT_HAS(&t, 2, "\"service\":\"set\"");
	AT_HAS(&t, 2, "\"suboption_name\":\"start_transaction\",\"length\":2,\"block_qualifier\":1}");
	AT_HAS(&t, 2, "\"length\":7,\"block_qualifier\":1,\"permanent\":true,\"name_of_station\":\"plc-9\"");
	AT_HAS(&t, 2, "\"block_qualifier\":1,\"permanent\":true,\"ip\":\"10.0.10.99\"");
	AT_LACKS(&t, 2, "ip_state");
	assert_int_equal(t.fn[2], 4);
	/* Set response: control response blocks (Option, Suboption, BlockError),
	 * each of length 3 and padded; the IP was refused (error 3) */
	frame(&t, DEV1, ENG, 1,
	      "fefd 04 01 00000021 0000 0020 05040003 050100 00 05040003 020200 00"
	      " 05040003 010203 00 05040003 050200 00");
	AT_HAS(&t, 3, "\"request_seen\":true");
	AT_HAS(&t, 3, "\"response_option\":2,\"response_suboption\":2,\"response_name\":\"name_of_station\","
		      "\"block_error\":0,\"block_error_name\":\"ok\"");
	AT_HAS(&t, 3, "\"response_option\":1,\"response_suboption\":2,\"response_name\":\"ip_parameter\","
		      "\"block_error\":3,\"block_error_name\":\"suboption_not_set\"");
	/* a copy of the response (SPAN ports duplicate frames) still matches */
	frame(&t, DEV1, ENG, 1,
	      "fefd 04 01 00000021 0000 0020 05040003 050100 00 05040003 020200 00"
	      " 05040003 010203 00 05040003 050200 00");
	AT_HAS(&t, 4, "\"request_seen\":true");
	/* a Get response from another device than the one asked does not */
	frame(&t, ENG, DEV1, 2, "fefd 03 00 00000022 0000 0002 0202");
	frame(&t, EVIL, ENG, 2, "fefd 03 01 00000022 0000 0000");
	AT_HAS(&t, 6, "\"request_seen\":false");
	AT_EVENTS(&t, "pn_dcp.response_without_request");
	/* nor a response past the timeout */
	at_clear(&t);
	frame(&t, ENG, DEV1, 3, "fefd 03 00 00000023 0000 0002 0202");
	frame(&t, DEV1, ENG, 3 + 6, "fefd 03 01 00000023 0000 0000");
	AT_HAS(&t, 1, "\"request_seen\":false");
	AT_EVENTS(&t, "pn_dcp.response_without_request");
	at_fini(&t);
}

static void test_control_and_hello(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* Set control signal (flash LED): qualifier 0, SignalValue 0x0100 */
	frame(&t, ENG, DEV1, 0, "fefd 04 00 00000030 0000 0008 05030004 0000 0100");
	AT_HAS(&t, 0, "\"suboption_name\":\"signal\",\"length\":4,\"block_qualifier\":0,"
		      "\"signal_value\":256,\"signal\":\"flash_once\"");
	/* reset to factory, mode 0x0010 (all data of the device); reset
	 * factory settings */
	frame(&t, EVIL, DEV1, 0, "fefd 04 00 00000031 0000 0006 05060002 0010");
	AT_HAS(&t, 1, "\"suboption_name\":\"reset_to_factory\",\"length\":2,\"block_qualifier\":16,"
		      "\"reset_mode\":\"device\"}");
	frame(&t, EVIL, DEV1, 0, "fefd 04 00 00000032 0000 0006 05050002 0000");
	AT_HAS(&t, 2, "\"suboption_name\":\"reset_factory_settings\"");
	/* Hello (fefc) to 01:0e:cf:00:00:01 with BlockInfo blocks: the device
	 * announces its name, IP, id and a DHCP client id (hex) */
	frame(&t, DEV2, HELLO_MC, 1,
	      "fefc 06 00 00000040 0000 003a 02020007 0000 696f2d3032 00"
	      " 0102000e 0001 0a000a0c ffffff00 0a000001 02030006 0000 002a 0203"
	      " 033d0005 0000 3d0201 00 06010004 0000 0001");
	AT_HAS(&t, 3, "\"service\":\"hello\"");
	AT_HAS(&t, 3, "\"requester\":\"00:0e:8c:00:00:12\",\"blocks\"");
	AT_HAS(&t, 3, "\"suboption_name\":\"client_identifier\",\"length\":5,\"block_info\":0,\"value\":\"3d0201\"");
	assert_int_equal(t.fn[3], 6);
	AT_EVENTS(&t);
	/* the Hello taught the stations table */
	bool found = false;
	for (int i = 0; i < STATIONS; i++)
		found |= st(&t)->st[i].used && mac_eq(st(&t)->st[i].mac, DEV2) &&
			 st(&t)->st[i].ip == 0x0a000a0c;
	assert_true(found);
	at_fini(&t);
}

/* Other FrameIDs of 0x8892: counted by class, no tx, no event. */
static void test_frame_classes(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	static const struct {
		const char *hex;
		int cls;
	} f[] = {
		{ "c000 0102030405060708 1234 35 00", PN_CLASS_RT1 },
		{ "fbff 00", PN_CLASS_RT1 },
		{ "8000 0102", PN_CLASS_RT2 },
		{ "0100 0102", PN_CLASS_RT3 },
		{ "fc01 0102", PN_CLASS_ALARM },
		{ "fe01 0102", PN_CLASS_ALARM },
		{ "ff40 0000", PN_CLASS_PTCP },
		{ "0080 0000", PN_CLASS_PTCP },
		{ "ff80 0000", PN_CLASS_FRAGMENT },
		{ "2000 0000", PN_CLASS_RESERVED },
		{ "fefb", PN_CLASS_RESERVED },
	};
	uint64_t want[PN_CLASS__COUNT] = { 0 };
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		frame(&t, DEV1, ENG, 0, f[i].hex);
		want[f[i].cls]++;
	}
	assert_int_equal(t.n_tx, 0);
	AT_EVENTS(&t);
	for (int c = 0; c < PN_CLASS__COUNT; c++)
		assert_int_equal(st(&t)->frames[c], want[c]);
	/* what the stats record shows, by name */
	uint64_t v[16];
	memset(v, 0xff, sizeof(v));
	assert_int_equal(proto_pn_dcp.n_stats, PN_CLASS__COUNT + 2);
	proto_pn_dcp.stats(t.state, v, proto_pn_dcp.n_stats);
	assert_string_equal(proto_pn_dcp.stats_names[PN_CLASS_RT1], "rt_class1");
	assert_int_equal(v[PN_CLASS_RT1], 2);
	assert_string_equal(proto_pn_dcp.stats_names[PN_CLASS_ALARM], "alarm");
	assert_int_equal(v[PN_CLASS_ALARM], 2);
	assert_string_equal(proto_pn_dcp.stats_names[PN_CLASS__COUNT], "requests_evicted");
	assert_int_equal(v[PN_CLASS__COUNT], 0);
	assert_true(v[PN_CLASS__COUNT + 2] == UINT64_MAX); /* no more than n */
	proto_pn_dcp.stats(t.state, v, 1);
	assert_int_equal(v[0], 0);
	assert_true(v[1] == 2);
	assert_int_equal(frame_class(0xfefc), PN_CLASS_DCP);
	assert_int_equal(frame_class(0xfeff), PN_CLASS_DCP);
	at_fini(&t);
}

/* ---- events ------------------------------------------------------------------- */

static void test_malformed(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* truncated_header: one byte; then a FrameID and 8 of the 10 header
	 * bytes (as in pcaps/malformed.pcap) */
	frame(&t, ENG, MCAST, 0, "fe");
	frame(&t, ENG, MCAST, 0, "fefe 05 00 00000001 0000");
	assert_int_equal(t.n_tx, 0);
	AT_EVENTS(&t, "pn_dcp.truncated_header", "pn_dcp.truncated_header");
	/* data_length_exceeds_frame: 0x40 announced, 6 present; the block present
	 * is parsed and the tx says truncated */
	at_clear(&t);
	frame(&t, ENG, MCAST, 0, "fefe 05 00 00000002 0001 0040 02020002 6162");
	AT_EVENTS(&t, "pn_dcp.data_length_exceeds_frame");
	AT_HAS(&t, 0, "\"truncated\":true");
	AT_HAS(&t, 0, "\"name_of_station\":\"ab\"");
	/* block_length_exceeds_data: a block of 0x20 in 6 bytes of data; then a
	 * block header cut after 3 bytes */
	at_clear(&t);
	frame(&t, ENG, MCAST, 0, "fefe 05 00 00000003 0001 0006 02020020 6162");
	frame(&t, ENG, MCAST, 0, "fefe 05 00 00000004 0001 0003 020200");
	AT_EVENTS(&t, "pn_dcp.block_length_exceeds_data", "pn_dcp.block_length_exceeds_data");
	AT_HAS(&t, 0, "\"blocks\":[]");
	/* invalid_block_length: an IP parameter of 8 bytes; a Set block too
	 * short for its BlockQualifier */
	at_clear(&t);
	frame(&t, DEV1, ENG, 0, "feff 05 01 00000005 0000 000e 0102000a 0001 0a000a0b ffffff00");
	frame(&t, ENG, DEV1, 0, "fefd 04 00 00000006 0000 0006 02020001 61 00");
	AT_EVENTS(&t, "pn_dcp.invalid_block_length", "pn_dcp.response_without_request",
		  "pn_dcp.invalid_block_length");
	AT_HAS(&t, 0, "\"length\":10,\"block_info\":1,\"invalid_length\":true}");
	AT_HAS(&t, 1, "\"length\":1,\"invalid_length\":true}");
	/* bad_padding: a name of 3 (odd) followed by 0xff instead of 0 */
	at_clear(&t);
	frame(&t, ENG, MCAST, 0, "fefe 05 00 00000007 0001 000b 02020003 616263 ffff0000");
	AT_EVENTS(&t, "pn_dcp.bad_padding");
	AT_HAS(&t, 0, "\"name_of_station\":\"abc\"},{\"option\":255,");
	/* unknown_service, unknown_service_type: the header only */
	at_clear(&t);
	frame(&t, ENG, MCAST, 0, "fefe 09 00 00000008 0001 0004 ffff0000");
	frame(&t, ENG, MCAST, 0, "fefe 05 02 00000009 0001 0004 ffff0000");
	AT_EVENTS(&t, "pn_dcp.unknown_service", "pn_dcp.unknown_service_type");
	AT_HAS(&t, 0, "\"service_id\":9,\"service\":\"unknown\"");
	AT_LACKS(&t, 0, "blocks");
	AT_HAS(&t, 1, "\"service_type\":2,\"service_type_name\":\"unknown\"");
	AT_HAS(&t, 1, "\"requester\":\"00:1b:1b:00:00:05\"}"); /* neither request nor response */
	assert_false(t.resp[1]);
	assert_int_equal(t.fn[0], 9);
	/* unknown_option: option 4 (reserved), IP suboption 9, all selector
	 * with suboption 1; manufacturer options (0x80-0xfe) are fine */
	at_clear(&t);
	frame(&t, ENG, MCAST, 0, "fefe 05 00 0000000a 0001 000c 04010000 01090000 ff010000");
	frame(&t, ENG, MCAST, 0, "fefe 05 00 0000000b 0001 0006 80070002 abcd");
	AT_EVENTS(&t, "pn_dcp.unknown_option", "pn_dcp.unknown_option", "pn_dcp.unknown_option");
	AT_HAS(&t, 0, "\"option\":4,\"option_name\":\"reserved\",\"suboption\":1,\"suboption_name\":\"unknown\"");
	AT_HAS(&t, 1, "\"option_name\":\"manufacturer_specific\",\"suboption\":7,\"suboption_name\":\"unknown\","
		      "\"length\":2,\"value\":\"abcd\"");
	/* frame_id_mismatch: an Identify request on fefd, a Set on fefe, a
	 * Hello response */
	at_clear(&t);
	frame(&t, ENG, MCAST, 0, "fefd 05 00 0000000c 0001 0004 ffff0000");
	frame(&t, ENG, DEV1, 0, "fefe 04 00 0000000d 0000 0006 05030002 0000");
	frame(&t, DEV1, ENG, 0, "fefc 06 01 0000000e 0000 0000");
	AT_EVENTS(&t, "pn_dcp.frame_id_mismatch", "pn_dcp.frame_id_mismatch",
		  "pn_dcp.invalid_block_length", "pn_dcp.frame_id_mismatch",
		  "pn_dcp.response_without_request");
	/* invalid_name_of_station: upper case, a space; 241 octets */
	at_clear(&t);
	frame(&t, ENG, MCAST, 0, "fefe 05 00 0000000f 0001 0008 02020004 504c4320");
	struct pdu p;
	pdu_start(&p, 0xfefe, 5, 0, 0x10, 1);
	char longname[242];
	memset(longname, 'a', 241);
	longname[241] = 0;
	pdu_block(&p, 2, 2, -1, longname, 241);
	pdu_send(&t, &p, ENG, MCAST, 0);
	AT_EVENTS(&t, "pn_dcp.invalid_name_of_station", "pn_dcp.invalid_name_of_station");
	/* the name in the record is escaped and capped at 240 */
	AT_HAS(&t, 0, "\"name_of_station\":\"PLC \"");
	assert_non_null(strstr(t.tx[1], longname + 1));
	assert_null(strstr(t.tx[1], longname));
	/* a name of exactly 240 is fine, an empty one in a Set too */
	at_clear(&t);
	pdu_start(&p, 0xfefe, 5, 0, 0x11, 1);
	pdu_block(&p, 2, 2, -1, longname, 240);
	pdu_send(&t, &p, ENG, MCAST, 0);
	frame(&t, ENG, DEV1, 0, "fefd 04 00 00000012 0000 0006 02020002 0000");
	AT_EVENTS(&t);
	/* too_many_blocks: 40 all-selectors; 32 kept, 40 counted */
	at_clear(&t);
	pdu_start(&p, 0xfefe, 5, 0, 0x13, 1);
	for (int i = 0; i < 40; i++)
		pdu_block(&p, 0xff, 0xff, -1, "", 0);
	pdu_send(&t, &p, ENG, MCAST, 0);
	AT_EVENTS(&t, "pn_dcp.too_many_blocks");
	AT_HAS(&t, 0, "\"blocks_total\":40");
	at_fini(&t);
}

/* ---- the tables ---------------------------------------------------------------- */

static void test_response_matching(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	static const uint8_t ip1[4] = { 10, 0, 10, 11 }, ip2[4] = { 10, 0, 10, 12 };
	/* response without request */
	ident_resp(&t, DEV1, ENG, 0x77, "plc-1", ip1, 0);
	AT_EVENTS(&t, "pn_dcp.response_without_request");
	AT_HAS(&t, 0, "\"request_seen\":false");
	/* an Identify takes many responses within its delay (factor 1: 10 ms)
	 * plus the slack; one after that is unmatched */
	at_clear(&t);
	ident_all(&t, ENG, 0x78, 10);
	ident_resp(&t, DEV1, ENG, 0x78, "plc-1", ip1, 10);
	ident_resp(&t, DEV2, ENG, 0x78, "plc-2", ip2, 11);
	ident_resp(&t, DEV2, ENG, 0x78, "plc-2", ip2, 13);
	AT_HAS(&t, 1, "\"request_seen\":true");
	AT_HAS(&t, 2, "\"request_seen\":true");
	AT_HAS(&t, 3, "\"request_seen\":false");
	AT_EVENTS(&t, "pn_dcp.response_without_request");
	/* the same Xid from another requester is another request */
	at_clear(&t);
	ident_all(&t, ENG, 0x79, 20);
	ident_resp(&t, DEV1, EVIL, 0x79, "plc-1", ip1, 20);
	AT_EVENTS(&t, "pn_dcp.response_without_request");
	at_fini(&t);
}

static void set_ip_name(struct at *t, const uint8_t *src, const uint8_t *dev, uint32_t xid,
			const char *name, const uint8_t *ip, uint64_t ts)
{
	struct pdu p;
	pdu_start(&p, 0xfefd, 4, 0, xid, 0);
	if (name)
		pdu_block(&p, 2, 2, 1, name, strlen(name));
	if (ip) {
		uint8_t v[12] = { ip[0], ip[1], ip[2], ip[3], 255, 255, 255, 0, ip[0], ip[1], ip[2], 1 };
		pdu_block(&p, 1, 2, 1, v, 12);
	}
	pdu_send(t, &p, src, dev, ts);
}

static void test_duplicate_and_masquerade(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	static const uint8_t ip1[4] = { 10, 0, 10, 11 }, ip2[4] = { 10, 0, 10, 12 },
			     ip9[4] = { 10, 0, 10, 99 };
	ident_all(&t, ENG, 0x100, 0);
	ident_resp(&t, DEV1, ENG, 0x100, "plc-1", ip1, 0);
	ident_resp(&t, DEV2, ENG, 0x100, "plc-2", ip2, 0);
	/* setting a device its own name and address is no conflict; nor a name
	 * only learnt from a Set (not answered) */
	set_ip_name(&t, ENG, DEV1, 0x101, "plc-1", ip1, 1);
	set_ip_name(&t, ENG, DEV1, 0x102, "new-9", NULL, 2);
	set_ip_name(&t, ENG, DEV2, 0x103, "new-9", NULL, 3);
	AT_EVENTS(&t);
	/* two devices set to the same address: the second is a conflict */
	set_ip_name(&t, ENG, DEV1, 0x104, NULL, ip9, 4);
	set_ip_name(&t, ENG, DEV2, 0x105, NULL, ip9, 5);
	AT_EVENTS(&t, "pn_dcp.ip_conflict");
	AT_HAS(&t, 7, "\"ip_in_use_by\":\"00:0e:8c:00:00:11\"");
	/* an attacker answers the next Identify with plc-1's name: duplicate
	 * station name, and with its address: an IP conflict */
	at_clear(&t);
	ident_all(&t, ENG, 0x106, 30);
	ident_resp(&t, DEV1, ENG, 0x106, "plc-1", ip1, 30);
	ident_resp(&t, EVIL, ENG, 0x106, "plc-1", ip1, 30);
	AT_EVENTS(&t, "pn_dcp.duplicate_station_name", "pn_dcp.ip_conflict");
	AT_HAS(&t, 2, "\"name_in_use_by\":\"00:0e:8c:00:00:11\",\"ip_in_use_by\":\"00:0e:8c:00:00:11\"");
	AT_LACKS(&t, 1, "in_use_by");
	/* the same device answering twice (a copy) is no duplicate */
	at_clear(&t);
	ident_all(&t, ENG, 0x107, 60);
	ident_resp(&t, DEV2, ENG, 0x107, "plc-2", ip2, 60);
	ident_resp(&t, DEV2, ENG, 0x107, "plc-2", ip2, 60);
	AT_EVENTS(&t);
	/* a Set giving DEV2 plc-1's name (masquerading) and plc-1's address */
	at_clear(&t);
	set_ip_name(&t, EVIL, DEV2, 0x108, "plc-1", ip1, 61);
	AT_EVENTS(&t, "pn_dcp.set_name_in_use", "pn_dcp.ip_conflict");
	AT_HAS(&t, 0, "\"name_in_use_by\":\"00:0e:8c:00:00:11\",\"ip_in_use_by\":\"00:0e:8c:00:00:11\"");
	/* a device reporting an address conflict itself (BlockInfo 0x81: IP set,
	 * conflict detected) */
	at_clear(&t);
	frame(&t, DEV2, ENG, 62,
	      "feff 05 01 00000123 0000 0012 0102000e 0081 0a000a0c ffffff00 0a000001");
	AT_EVENTS(&t, "pn_dcp.response_without_request", "pn_dcp.ip_conflict");
	AT_HAS(&t, 0, "\"ip_state\":\"set\",\"ip_conflict_detected\":true");
	AT_LACKS(&t, 0, "ip_in_use_by");
	/* an hour later the old entries are no longer compared */
	at_clear(&t);
	ident_all(&t, ENG, 0x109, 61 + 3601);
	ident_resp(&t, EVIL, ENG, 0x109, "plc-1", ip1, 61 + 3601);
	set_ip_name(&t, ENG, DEV2, 0x10a, "plc-1", ip1, 61 + 3601);
	AT_EVENTS(&t, "pn_dcp.set_name_in_use", "pn_dcp.ip_conflict");
	AT_HAS(&t, 2, "\"name_in_use_by\":\"02:66:66:66:66:66\"");
	at_fini(&t);
}

static void test_tables_full(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* PENDING live Identify requests fit; one more evicts the oldest */
	for (uint32_t i = 0; i < PENDING; i++)
		ident_all(&t, ENG, 0x200 + i, 0);
	AT_EVENTS(&t);
	ident_all(&t, ENG, 0x300, 0);
	AT_EVENTS(&t, "pn_dcp.table_full");
	assert_int_equal(st(&t)->pend_evicted, 1);
	/* within 10 s the event is not repeated, the eviction still counted */
	ident_all(&t, ENG, 0x301, 1);
	AT_EVENTS(&t, "pn_dcp.table_full");
	assert_int_equal(st(&t)->pend_evicted, 2);
	/* the evicted request (0x200) lost its response, the newest kept it */
	at_clear(&t);
	ident_resp(&t, DEV1, ENG, 0x200, "plc-1", NULL, 1);
	ident_resp(&t, DEV1, ENG, 0x301, "plc-1", NULL, 1);
	AT_HAS(&t, 0, "\"request_seen\":false");
	AT_HAS(&t, 1, "\"request_seen\":true");
	/* a repeated request (same Xid) renews its entry, no eviction */
	at_clear(&t);
	ident_all(&t, ENG, 0x301, 1);
	AT_EVENTS(&t);
	assert_int_equal(st(&t)->pend_evicted, 2);
	/* expired requests are reused quietly */
	for (uint32_t i = 0; i < 2 * PENDING; i++)
		ident_all(&t, ENG, 0x400 + i, 100 + 10 * i);
	AT_EVENTS(&t);
	at_fini(&t);
	/* STATIONS devices fit; one more (all seen within the hour) is a
	 * table_full */
	start(&t);
	uint8_t mac[6] = { 0x00, 0x0e, 0x8c, 0x01, 0x00, 0x00 };
	char name[16];
	ident_all(&t, ENG, 0x401, 1000);
	for (int i = 0; i < STATIONS; i++) {
		mac[5] = (uint8_t)i;
		snprintf(name, sizeof(name), "d%d", i);
		ident_resp(&t, mac, ENG, 0x401, name, NULL, 1000);
	}
	AT_EVENTS(&t);
	assert_int_equal(at_count_ev(&t, "pn_dcp.table_full"), 0);
	mac[4] = 1;
	ident_resp(&t, mac, ENG, 0x401, "x", NULL, 1000);
	assert_int_equal(at_count_ev(&t, "pn_dcp.table_full"), 1);
	assert_int_equal(st(&t)->station_evicted, 1);
	at_fini(&t);
}

/* ---- keywords ------------------------------------------------------------------- */

static void test_keywords(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	unsigned k_set = at_kw(&t, "pn_dcp.service", "set");
	unsigned k_ge = at_kw(&t, "pn_dcp.service", ">=5");
	unsigned k_resp = at_kw(&t, "pn_dcp.service_type", "success");
	unsigned k_name = at_kw(&t, "pn_dcp.option", "name_of_station");
	unsigned k_reset = at_kw(&t, "pn_dcp.option", "reset_factory");
	unsigned k_ip = at_kw(&t, "pn_dcp.option", "ip,ip_parameter");
	unsigned k_buf = at_kw(&t, "pn_dcp.name_of_station", NULL);
	unsigned k_vendor = at_kw(&t, "pn_dcp.vendor_id", "42");
	/* an Identify-all, a response with name/vendor/IP, a Set of the IP, a
	 * reset to factory refused (block error 6) */
	ident_all(&t, ENG, 0x500, 0);
	frame(&t, DEV1, ENG, 0,
	      "feff 05 01 00000500 0000 0028 0202 0007 0000 706c632d31 00"
	      " 0203 0006 0000 002a 0104 0102 000e 0001 0a000a0b ffffff00 0a000001");
	frame(&t, ENG, DEV1, 1,
	      "fefd 04 00 00000501 0000 0012 0102000e 0001 0a000a0b ffffff00 0a000001");
	frame(&t, EVIL, DEV1, 2, "fefd 04 00 00000502 0000 0006 05060002 0010");
	frame(&t, DEV1, EVIL, 2, "fefd 04 01 00000502 0000 0008 05040003 050606 00");
	assert_int_equal(t.n_tx, 5);
	AT_EVENTS(&t);
	assert_int_equal(t.kw[k_set].matched, 3);
	assert_int_equal(t.kw[k_ge].matched, 2);
	assert_int_equal(t.kw[k_resp].matched, 2);
	assert_int_equal(t.kw[k_name].matched, 1);
	assert_int_equal(t.kw[k_reset].matched, 1);
	assert_int_equal(t.kw[k_ip].matched, 2);
	assert_int_equal(t.kw[k_buf].matched, 1);
	assert_string_equal(t.kw[k_buf].buf, "plc-1");
	assert_int_equal(t.kw[k_vendor].matched, 1);
	at_fini(&t);

	start(&t);
	unsigned k_all = at_kw(&t, "pn_dcp.option", "all");
	unsigned k_num = at_kw(&t, "pn_dcp.option", "5,6");
	unsigned k_ctl = at_kw(&t, "pn_dcp.option", "control");
	unsigned k_manuf = at_kw(&t, "pn_dcp.option", "manufacturer_specific");
	unsigned k_xid = at_kw(&t, "pn_dcp.xid", "<0x600");
	unsigned k_dev = at_kw(&t, "pn_dcp.device_id", "0x104");
	unsigned k_err = at_kw(&t, "pn_dcp.block_error", "in_operation");
	unsigned k_req = at_kw(&t, "pn_dcp.requester", "!00:1b:1b:00:00:05");
	ident_all(&t, ENG, 0x500, 0);
	frame(&t, DEV1, ENG, 0, "feff 05 01 00000500 0000 000a 0203 0006 0000 002a 0104");
	frame(&t, EVIL, DEV1, 2, "fefd 04 00 00000502 0000 0006 05060002 0010");
	frame(&t, DEV1, EVIL, 2, "fefd 04 01 00000502 0000 0008 05040003 050606 00");
	frame(&t, EVIL, MCAST, 3, "fefe 05 00 00000600 0001 0006 80010002 0000");
	AT_EVENTS(&t);
	assert_int_equal(t.kw[k_all].matched, 1);
	assert_int_equal(t.kw[k_num].matched, 1);
	assert_int_equal(t.kw[k_ctl].matched, 2);
	assert_int_equal(t.kw[k_manuf].matched, 1);
	assert_int_equal(t.kw[k_xid].matched, 4);
	assert_int_equal(t.kw[k_dev].matched, 1);
	assert_int_equal(t.kw[k_err].matched, 1);
	assert_int_equal(t.kw[k_req].matched, 3); /* EVIL's request and response, EVIL's Identify */
	at_fini(&t);

	/* names, numbers and operators are accepted; junk is refused clearly */
	assert_null(at_kw_error(&proto_pn_dcp, "pn_dcp.service", "identify"));
	assert_null(at_kw_error(&proto_pn_dcp, "pn_dcp.service", "!4"));
	assert_null(at_kw_error(&proto_pn_dcp, "pn_dcp.service_type", "not_supported"));
	assert_null(at_kw_error(&proto_pn_dcp, "pn_dcp.option", "device/2"));
	assert_null(at_kw_error(&proto_pn_dcp, "pn_dcp.option", "IP_PARAMETER"));
	assert_null(at_kw_error(&proto_pn_dcp, "pn_dcp.requester", "00:0e:8c:00:00:11, 00-0e-8c-00-00-12"));
	const char *e = at_kw_error(&proto_pn_dcp, "pn_dcp.service", "shutdown");
	assert_non_null(e);
	e = at_kw_error(&proto_pn_dcp, "pn_dcp.option", "flux_capacitor");
	assert_non_null(e);
	assert_non_null(strstr(e, "flux_capacitor"));
	assert_non_null(at_kw_error(&proto_pn_dcp, "pn_dcp.option", "ip,nosuch"));
	assert_non_null(at_kw_error(&proto_pn_dcp, "pn_dcp.option", "300"));
	assert_non_null(at_kw_error(&proto_pn_dcp, "pn_dcp.option", ""));
	assert_non_null(at_kw_error(&proto_pn_dcp, "pn_dcp.xid", "0x100000000"));
	assert_non_null(at_kw_error(&proto_pn_dcp, "pn_dcp.vendor_id", "65536"));
	assert_non_null(at_kw_error(&proto_pn_dcp, "pn_dcp.requester", "00:0e:8c:00:00"));
	assert_non_null(at_kw_error(&proto_pn_dcp, "pn_dcp.requester", ""));
	assert_non_null(at_kw_error(&proto_pn_dcp, "pn_dcp.block_error", "oops"));
}

/* Identified by EtherType: no probe, no port. */
static void test_registration(void **s)
{
	(void)s;
	assert_int_equal(proto_pn_dcp.transport, APP_L2);
	assert_int_equal(proto_pn_dcp.ethertype, 0x8892);
	assert_null(proto_pn_dcp.probe);
	assert_null(proto_pn_dcp.tcp_ports);
	assert_null(proto_pn_dcp.udp_ports);
	assert_int_equal(proto_pn_dcp.state_size, sizeof(struct pn_state));
	assert_true(proto_pn_dcp.state_size < 8192);
	for (int i = 0; i < PN_DCP_EV__COUNT; i++)
		assert_non_null(proto_pn_dcp.events[i]);
}

/* Hostile lengths: DCPDataLength and DCPBlockLength at 0, 1, 0x7fff,
 * 0xffff and off by one both ways around the truth; every prefix of a
 * valid frame. Nothing but clean events. */
static void test_hostile_lengths(void **s)
{
	(void)s;
	struct at t;
	start(&t);
	/* a valid Identify response, 12 + 22 bytes */
	static const char *ok = "feff 05 01 ffffffff 0000 0016 02020007 0000 706c632d31 00 0203 0006 0000 002a 0104";
	size_t n = at_hex(b, sizeof(b), ok);
	uint8_t frame_b[64];
	memcpy(frame_b, b, n);
	static const uint32_t dls[] = { 0, 1, 21, 22, 23, 0x7fff, 0xffff };
	for (size_t i = 0; i < sizeof(dls) / sizeof(dls[0]); i++) {
		at_clear(&t);
		uint8_t f[64];
		memcpy(f, frame_b, n);
		f[10] = (uint8_t)(dls[i] >> 8);
		f[11] = (uint8_t)dls[i];
		t.ctx.fi.src_mac = DEV1;
		t.ctx.fi.dst_mac = ENG;
		at_datagram(&t, 0, f, n);
		assert_int_equal(t.n_tx, 1);
		if (dls[i] > 22)
			assert_int_equal(at_count_ev(&t, "pn_dcp.data_length_exceeds_frame"), 1);
		unsigned exceed = at_count_ev(&t, "pn_dcp.block_length_exceeds_data") +
				  at_count_ev(&t, "pn_dcp.data_length_exceeds_frame");
		if (exceed != (dls[i] == 22 || dls[i] == 0 ? 0u : 1u))
			fail_msg("DCPDataLength %u: %u length events", dls[i], exceed);
		assert_int_equal(at_count_ev(&t, "pn_dcp.response_without_request"), 1);
	}
	static const uint32_t bls[] = { 0, 1, 6, 7, 8, 0x7fff, 0xffff };
	for (size_t i = 0; i < sizeof(bls) / sizeof(bls[0]); i++) {
		at_clear(&t);
		uint8_t f[64];
		memcpy(f, frame_b, n);
		f[14] = (uint8_t)(bls[i] >> 8);
		f[15] = (uint8_t)bls[i];
		t.ctx.fi.src_mac = DEV1;
		t.ctx.fi.dst_mac = ENG;
		at_datagram(&t, 0, f, n);
		assert_int_equal(t.n_tx, 1);
		if (bls[i] == 7)
			assert_int_equal(t.n_ev, 1); /* response without request only */
		else
			assert_true(t.n_ev >= 2);
		if (bls[i] > 16)
			assert_int_equal(at_count_ev(&t, "pn_dcp.block_length_exceeds_data"), 1);
	}
	/* every prefix: below 12 bytes a truncated header, then txs */
	for (size_t len = 0; len <= n; len++) {
		at_clear(&t);
		at_datagram(&t, 0, frame_b, len);
		if (len == 0) {
			assert_int_equal(t.n_tx + t.n_ev, 0); /* nothing to frame */
		} else if (len < 12) {
			assert_int_equal(t.n_tx, 0);
			AT_EVENTS(&t, "pn_dcp.truncated_header");
		} else {
			assert_int_equal(t.n_tx, 1);
			if (len < n)
				assert_int_equal(at_count_ev(&t, "pn_dcp.data_length_exceeds_frame"), 1);
		}
	}
	/* a whole jumbo frame of blocks of length 0xffff announced */
	at_clear(&t);
	memset(b, 0xff, sizeof(b));
	b[0] = 0xfe;
	b[1] = 0xff;
	b[2] = 5;
	b[3] = 1;
	at_datagram(&t, 0, b, sizeof(b));
	assert_int_equal(t.n_tx, 1);
	assert_true(t.n_ev >= 1);
	at_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identify),
		cmocka_unit_test(test_real_identify),
		cmocka_unit_test(test_get_set),
		cmocka_unit_test(test_control_and_hello),
		cmocka_unit_test(test_frame_classes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_response_matching),
		cmocka_unit_test(test_duplicate_and_masquerade),
		cmocka_unit_test(test_tables_full),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_registration),
		cmocka_unit_test(test_hostile_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
