/* SPDX-License-Identifier: BSD-3-Clause */
/* OPC UA binary parser: UA Connection Protocol (OPC 10000-6, 7.1), Secure
 * Conversation (6.7), the binary encoding (5.2) and the services of
 * OPC 10000-4; every event, the opcua.* keywords and sticky buffers, the
 * probe, hostile lengths. Bytes are written field by field with the
 * section that defines them; integers are little-endian on the wire. */
#include "apptest.h"
#include "vigil/proto/opcua.h"

extern const struct proto_parser proto_opcua;

/* ---- building chunks -------------------------------------------------------- */

struct bb {
	uint8_t b[16384];
	size_t n;
};

static void bb_hex(struct bb *m, const char *hex)
{
	m->n += at_hex(m->b + m->n, sizeof(m->b) - m->n, hex);
}

static void bb_u8(struct bb *m, unsigned v)
{
	assert_true(m->n < sizeof(m->b));
	m->b[m->n++] = (uint8_t)v;
}

static void bb_u16(struct bb *m, unsigned v)
{
	bb_u8(m, v & 0xff);
	bb_u8(m, v >> 8);
}

static void bb_u32(struct bb *m, uint32_t v)
{
	bb_u16(m, v & 0xffff);
	bb_u16(m, v >> 16);
}

/* String (5.2.2.4): Int32 length and the bytes */
static void bb_str(struct bb *m, const char *s)
{
	bb_u32(m, (uint32_t)strlen(s));
	memcpy(m->b + m->n, s, strlen(s));
	m->n += strlen(s);
}

/* patches MessageSize (bytes 4-7) to the chunk's length */
static void bb_size(struct bb *m)
{
	m->b[4] = (uint8_t)m->n;
	m->b[5] = (uint8_t)(m->n >> 8);
	m->b[6] = (uint8_t)(m->n >> 16);
	m->b[7] = (uint8_t)(m->n >> 24);
}

#define POLICY_NONE "http://opcfoundation.org/UA/SecurityPolicy#None"

/* one connection: the harness, and the sequence numbers of each side */
struct conv {
	struct at t;
	uint32_t seq[2];
	uint32_t channel, token;
};

static struct bb m;

static void start(struct conv *c, uint16_t port)
{
	memset(c, 0, sizeof(*c));
	at_init(&c->t, &proto_opcua, APP_TCP, 50000, port);
	c->seq[0] = c->seq[1] = 1;
}

static void send_m(struct conv *c, int dir)
{
	bb_size(&m);
	at_feed(&c->t, dir, m.b, m.n);
}

/* message header (6.7.2.2) of a MSG/CLO, its symmetric security header
 * (SecureChannelId, TokenId: 6.7.2.3) and sequence header (6.7.2.4) */
static void sym(struct conv *c, const char *type_chunk_hex, int dir, uint32_t rid)
{
	m.n = 0;
	bb_hex(&m, type_chunk_hex);
	bb_u32(&m, 0); /* MessageSize, patched on send */
	bb_u32(&m, c->channel);
	bb_u32(&m, c->token);
	bb_u32(&m, c->seq[dir]++);
	bb_u32(&m, rid);
}

/* RequestHeader (OPC 10000-4, 7.33) with requestHandle h */
static void req_hdr(uint32_t h)
{
	bb_hex(&m, "0000");             /* authenticationToken: ns=0;i=0 (two-byte) */
	bb_hex(&m, "00c0a2f9d216da01"); /* timestamp (DateTime) */
	bb_u32(&m, h);                  /* requestHandle */
	bb_hex(&m, "00000000");         /* returnDiagnostics */
	bb_hex(&m, "ffffffff");         /* auditEntryId: null String */
	bb_hex(&m, "10270000");         /* timeoutHint 10000 */
	bb_hex(&m, "000000");           /* additionalHeader: null ExtensionObject */
}

/* ResponseHeader (OPC 10000-4, 7.34) */
static void resp_hdr(uint32_t h, uint32_t status)
{
	bb_hex(&m, "00c0a2f9d216da01"); /* timestamp */
	bb_u32(&m, h);                  /* requestHandle */
	bb_u32(&m, status);             /* serviceResult */
	bb_hex(&m, "00");               /* serviceDiagnostics: empty DiagnosticInfo */
	bb_hex(&m, "00000000");         /* stringTable: 0 Strings */
	bb_hex(&m, "000000");           /* additionalHeader */
}

/* HEL (7.1.2.3) and ACK (7.1.2.4) with the given limits */
static void handshake(struct conv *c, uint32_t rbs, uint32_t sbs, uint32_t max_msg,
		      uint32_t max_chunks, uint32_t ack_max_msg, uint32_t ack_max_chunks)
{
	m.n = 0;
	bb_hex(&m, "48454c46 00000000");   /* "HEL" 'F' MessageSize */
	bb_hex(&m, "00000000");            /* ProtocolVersion 0 */
	bb_u32(&m, rbs);                   /* ReceiveBufferSize */
	bb_u32(&m, sbs);                   /* SendBufferSize */
	bb_u32(&m, max_msg);               /* MaxMessageSize */
	bb_u32(&m, max_chunks);            /* MaxChunkCount */
	bb_str(&m, "opc.tcp://plc:4840");  /* EndpointUrl */
	send_m(c, 0);
	m.n = 0;
	bb_hex(&m, "41434b46 00000000 00000000");
	bb_u32(&m, rbs);
	bb_u32(&m, sbs);
	bb_u32(&m, ack_max_msg);
	bb_u32(&m, ack_max_chunks);
	send_m(c, 1);
}

/* OPN with the policy None: asymmetric security header (6.7.2.3) */
static void opn_hdr(struct conv *c, int dir, uint32_t channel, uint32_t rid)
{
	m.n = 0;
	bb_hex(&m, "4f504e46 00000000");   /* "OPN" 'F' MessageSize */
	bb_u32(&m, channel);               /* SecureChannelId */
	bb_str(&m, POLICY_NONE);           /* SecurityPolicyUri */
	bb_hex(&m, "ffffffff");            /* SenderCertificate: null */
	bb_hex(&m, "ffffffff");            /* ReceiverCertificateThumbprint: null */
	bb_u32(&m, c->seq[dir]++);
	bb_u32(&m, rid);
}

/* OpenSecureChannel request and response (OPC 10000-4, 5.5.2) */
static void open_channel(struct conv *c, uint32_t rid, uint32_t request_type, uint32_t mode,
			 uint32_t channel, uint32_t token)
{
	opn_hdr(c, 0, request_type ? c->channel : 0, rid);
	bb_hex(&m, "0100be01");            /* TypeId ns=0;i=446 OpenSecureChannelRequest */
	req_hdr(rid);
	bb_hex(&m, "00000000");            /* clientProtocolVersion */
	bb_u32(&m, request_type);          /* 0 Issue, 1 Renew */
	bb_u32(&m, mode);                  /* MessageSecurityMode */
	bb_hex(&m, "00000000");            /* clientNonce: empty */
	bb_hex(&m, "c0270900");            /* requestedLifetime 600000 */
	send_m(c, 0);
	opn_hdr(c, 1, channel, rid);
	bb_hex(&m, "0100c101");            /* TypeId ns=0;i=449 OpenSecureChannelResponse */
	resp_hdr(rid, 0);
	bb_hex(&m, "00000000");            /* serverProtocolVersion */
	bb_u32(&m, channel);               /* securityToken.channelId */
	bb_u32(&m, token);                 /* securityToken.tokenId */
	bb_hex(&m, "00c0a2f9d216da01");    /* createdAt */
	bb_hex(&m, "c0270900");            /* revisedLifetime */
	bb_hex(&m, "00000000");            /* serverNonce */
	send_m(c, 1);
	c->channel = channel;
	c->token = token;
}

/* a connection with the policy None up to the first MSG, txs cleared */
static void ready(struct conv *c, uint16_t port)
{
	start(c, port);
	handshake(c, 65535, 65535, 0, 0, 0, 0);
	open_channel(c, 1, 0, 1, 7, 1);
	at_clear(&c->t);
}

/* ReadRequest (OPC 10000-4, 5.10.2) of n nodes ns=2;i=1000+k, Value */
static void read_req(struct conv *c, uint32_t rid, unsigned n)
{
	sym(c, "4d534746", 0, rid);      /* "MSG" 'F' */
	bb_hex(&m, "01007702");          /* TypeId ns=0;i=631 ReadRequest */
	req_hdr(rid);
	bb_hex(&m, "0000000000000000");  /* maxAge 0.0 */
	bb_hex(&m, "02000000");          /* timestampsToReturn Both */
	bb_u32(&m, n);                   /* nodesToRead */
	for (unsigned k = 0; k < n; k++) {
		bb_hex(&m, "0102");      /* NodeId four-byte, ns=2 */
		bb_u16(&m, 1000 + k);
		bb_hex(&m, "0d000000");  /* attributeId 13 Value */
		bb_hex(&m, "ffffffff");  /* indexRange */
		bb_hex(&m, "0000 ffffffff"); /* dataEncoding: QualifiedName 0:null */
	}
}

/* ---- tests ------------------------------------------------------------------ */

static void test_handshake(void **s)
{
	(void)s;
	struct conv c;
	start(&c, 4840);
	size_t n = at_hex(m.b, sizeof(m.b),
			  "48454c46"      /* MessageType "HEL", Reserved 'F' (7.1.2.2) */
			  "38000000"      /* MessageSize 56 */
			  "00000000"      /* ProtocolVersion 0 (7.1.2.3) */
			  "ffff0000"      /* ReceiveBufferSize 65535 */
			  "00200000"      /* SendBufferSize 8192 */
			  "00000001"      /* MaxMessageSize 16 MiB */
			  "40000000"      /* MaxChunkCount 64 */
			  "18000000"      /* EndpointUrl: 24 bytes */
			  "6f70632e7463703a2f2f6c6f63616c686f73743a34383430");
	at_feed_bytewise(&c.t, 0, m.b, n);
	n = at_hex(m.b, sizeof(m.b),
		   "41434b46 1c000000" /* "ACK" 'F' MessageSize 28 (7.1.2.4) */
		   "00000000"          /* ProtocolVersion */
		   "00200000"          /* ReceiveBufferSize 8192 (<= HEL's SendBufferSize) */
		   "00000100"          /* SendBufferSize 65536: more than HEL's 65535 */
		   "00000000 00000000");
	at_feed(&c.t, 1, m.b, n);
	assert_int_equal(c.t.n_tx, 2);
	AT_HAS(&c.t, 0, "\"msg_type\":\"HEL\",\"chunk\":\"final\",\"message_size\":56,\"version\":0,"
			 "\"receive_buffer_size\":65535,\"send_buffer_size\":8192,"
			 "\"max_message_size\":16777216,\"max_chunk_count\":64,"
			 "\"endpoint_url\":\"opc.tcp://localhost:4840\"");
	AT_HAS(&c.t, 1, "\"msg_type\":\"ACK\"");
	assert_false(c.t.resp[0]);
	assert_true(c.t.resp[1]);
	assert_int_equal(c.t.fn[0], -1);
	AT_EVENTS(&c.t, "opcua.invalid_acknowledge");
	/* ERR (7.1.2.5): Bad_TcpEndpointUrlInvalid and its reason */
	at_clear(&c.t);
	n = at_hex(m.b, sizeof(m.b), "45525246 17000000 00008380 07000000 6e6f2073756368");
	at_feed(&c.t, 1, m.b, n);
	AT_HAS(&c.t, 0, "\"error\":{\"code\":2156068864,\"name\":\"Bad_TcpEndpointUrlInvalid\","
			 "\"reason\":\"no such\"}");
	AT_EVENTS(&c.t);
	at_fini(&c.t);

	/* RHE (7.1.2.6): the server connects to the client; then the client's
	 * HEL comes the other way */
	start(&c, 4840);
	m.n = 0;
	bb_hex(&m, "52484546 00000000");
	bb_str(&m, "urn:plc");
	bb_str(&m, "opc.tcp://plc:4840");
	send_m(&c, 0);
	AT_HAS(&c.t, 0, "\"msg_type\":\"RHE\",\"chunk\":\"final\",\"message_size\":41,"
			 "\"server_uri\":\"urn:plc\",\"endpoint_url\":\"opc.tcp://plc:4840\"");
	m.n = 0;
	bb_hex(&m, "48454c46 00000000 00000000 ffff0000 ffff0000 00000000 00000000 ffffffff");
	send_m(&c, 1);
	AT_HAS(&c.t, 1, "\"msg_type\":\"HEL\"");
	AT_LACKS(&c.t, 1, "endpoint_url"); /* a null EndpointUrl */
	AT_EVENTS(&c.t);
	at_fini(&c.t);
}

static void test_secure_channel(void **s)
{
	(void)s;
	struct conv c;
	start(&c, 4840);
	handshake(&c, 65535, 65535, 0, 0, 0, 0);
	open_channel(&c, 1, 0, 1, 7, 3);
	assert_int_equal(c.t.n_tx, 4);
	AT_HAS(&c.t, 2, "\"msg_type\":\"OPN\",\"chunk\":\"final\",\"message_size\":132,"
			 "\"secure_channel_id\":0,\"security_policy_uri\":\"" POLICY_NONE "\","
			 "\"security_policy\":\"None\",\"security_mode\":\"none\",\"sequence_number\":1,"
			 "\"request_id\":1,\"service\":\"open_secure_channel\",\"service_id\":446,"
			 "\"kind\":\"request\",\"request_handle\":1,\"open_secure_channel\":"
			 "{\"request_type\":\"issue\",\"security_mode_id\":1,"
			 "\"requested_lifetime\":600000}");
	AT_LACKS(&c.t, 2, "certificate_length"); /* null ByteStrings */
	AT_HAS(&c.t, 3, "\"secure_channel_id\":7");
	AT_HAS(&c.t, 3, "\"service_id\":449,\"kind\":\"response\","
			 "\"request_service\":\"open_secure_channel\",\"request_handle\":1,"
			 "\"status\":0,\"status_name\":\"Good\",\"open_secure_channel\":"
			 "{\"channel_id\":7,\"token_id\":3,\"revised_lifetime\":600000}");
	assert_int_equal(c.t.fn[2], c.t.fn[3]); /* request and response: one function */
	assert_true(c.t.fn[2] >= 0);
	/* a Read on the channel, its response, a renewal, the old and the new
	 * token in use */
	read_req(&c, 2, 1);
	send_m(&c, 0);
	sym(&c, "4d534746", 1, 2);
	bb_hex(&m, "01007a02");          /* ns=0;i=634 ReadResponse */
	resp_hdr(2, 0x80340000);         /* Bad_NodeIdUnknown */
	bb_hex(&m, "00000000 00000000");
	send_m(&c, 1);
	AT_HAS(&c.t, 4, "\"token_id\":3,\"security_mode\":\"none\",\"sequence_number\":2,"
			 "\"request_id\":2,\"service\":\"read\",\"service_id\":631");
	AT_HAS(&c.t, 4, "\"items\":1,\"nodes\":[{\"node_id\":\"ns=2;i=1000\",\"attribute_id\":13,"
			 "\"attribute\":\"value\"}]");
	AT_HAS(&c.t, 5, "\"request_service\":\"read\",\"request_handle\":2,"
			 "\"status\":2150891520,\"status_name\":\"Bad_NodeIdUnknown\"");
	open_channel(&c, 3, 1, 1, 7, 4);
	AT_HAS(&c.t, 6, "\"secure_channel_id\":7");
	AT_HAS(&c.t, 6, "\"request_type\":\"renew\"");
	c.token = 3;
	read_req(&c, 4, 1);
	send_m(&c, 0);
	c.token = 4;
	read_req(&c, 5, 1);
	send_m(&c, 0);
	/* CloseSecureChannel (CLO): no response is ever due */
	sym(&c, "434c4f46", 0, 6);
	bb_hex(&m, "0100c401");          /* ns=0;i=452 CloseSecureChannelRequest */
	req_hdr(6);
	send_m(&c, 0);
	assert_int_equal(c.t.n_tx, 11);
	AT_HAS(&c.t, 10, "\"msg_type\":\"CLO\"");
	AT_HAS(&c.t, 10, "\"service\":\"close_secure_channel\"");
	AT_EVENTS(&c.t);
	at_fini(&c.t);
}

static void test_services(void **s)
{
	(void)s;
	struct conv c;
	ready(&c, 4840);
	/* WriteRequest (5.10.4): a String node, attribute Value, a Double */
	sym(&c, "4d534746", 0, 2);
	bb_hex(&m, "0100a102");          /* ns=0;i=673 WriteRequest */
	req_hdr(2);
	bb_hex(&m, "01000000");          /* nodesToWrite: 1 */
	bb_hex(&m, "03 0200 0e000000");  /* NodeId String (5.2.2.9), ns=2, 14 bytes */
	bb_hex(&m, "50756d70312e536574706f696e74"); /* "Pump1.Setpoint" */
	bb_hex(&m, "0d000000");          /* attributeId Value */
	bb_hex(&m, "ffffffff");          /* indexRange */
	bb_hex(&m, "01 0b 0000000000405540"); /* DataValue: Variant Double 85.0 */
	send_m(&c, 0);
	AT_HAS(&c.t, 0, "\"service\":\"write\",\"service_id\":673,\"kind\":\"request\","
			 "\"request_handle\":2,\"items\":1,\"nodes\":[{\"node_id\":\"ns=2;s=Pump1.Setpoint\","
			 "\"attribute_id\":13,\"attribute\":\"value\"}]");
	/* CallRequest (5.11.2): object and method, one UInt32 argument */
	sym(&c, "4d534746", 0, 3);
	bb_hex(&m, "0100c802");          /* ns=0;i=712 CallRequest */
	req_hdr(3);
	bb_hex(&m, "01000000");
	bb_hex(&m, "0055");              /* objectId i=85 (two-byte) */
	bb_hex(&m, "02 0300 15cd5b07");  /* methodId numeric ns=3;i=123456789 */
	bb_hex(&m, "01000000 07 2a000000"); /* inputArguments: UInt32 42 */
	send_m(&c, 0);
	AT_HAS(&c.t, 1, "\"service\":\"call\"");
	AT_HAS(&c.t, 1, "\"methods\":[{\"object_id\":\"i=85\",\"method_id\":\"ns=3;i=123456789\"}]");
	/* AddNodesRequest (5.7.2): ExpandedNodeIds (5.2.2.10) with a namespace
	 * URI and a server index */
	sym(&c, "4d534746", 0, 4);
	bb_hex(&m, "0100e801");          /* ns=0;i=488 AddNodesRequest */
	req_hdr(4);
	bb_hex(&m, "01000000");
	bb_hex(&m, "40 55 02000000");    /* parentNodeId i=85, ServerIndex 2 */
	bb_hex(&m, "0023");              /* referenceTypeId i=35 Organizes */
	bb_hex(&m, "83 0000 03000000 4e6577"); /* requestedNewNodeId: String "New" and */
						/* a NamespaceUri (flag 0x80) */
	bb_str(&m, "urn:x");
	bb_hex(&m, "0200 03000000 4e6577"); /* browseName 2:"New" */
	bb_hex(&m, "02000000");          /* nodeClass Variable */
	bb_hex(&m, "01006501 00");       /* nodeAttributes: i=357, no body */
	bb_hex(&m, "003f");              /* typeDefinition i=63 */
	send_m(&c, 0);
	AT_HAS(&c.t, 2, "\"nodes\":[{\"parent_node_id\":\"svr=2;i=85\","
			 "\"requested_node_id\":\"nsu=urn:x;s=New\"}]");
	/* DeleteNodesRequest (5.7.4): a Guid node; DeleteReferences (5.7.5):
	 * an opaque source and a numeric target */
	sym(&c, "4d534746", 0, 5);
	bb_hex(&m, "0100f401");          /* ns=0;i=500 DeleteNodesRequest */
	req_hdr(5);
	bb_hex(&m, "01000000");
	bb_hex(&m, "04 0400 757e0809 5e8e 9b49 954ff2a9603db28a"); /* Guid (5.2.2.7) */
	bb_hex(&m, "01");                /* deleteTargetReferences */
	send_m(&c, 0);
	AT_HAS(&c.t, 3, "\"service\":\"delete_nodes\"");
	AT_HAS(&c.t, 3, "\"node_id\":\"ns=4;g=09087e75-8e5e-499b-954f-f2a9603db28a\"");
	sym(&c, "4d534746", 0, 6);
	bb_hex(&m, "0100fa01");          /* ns=0;i=506 DeleteReferencesRequest */
	req_hdr(6);
	bb_hex(&m, "01000000");
	bb_hex(&m, "05 0100 04000000 deadbeef"); /* sourceNodeId opaque ns=1 */
	bb_hex(&m, "002f 01");           /* HasComponent, isForward */
	bb_hex(&m, "0109d204");          /* targetNodeId ns=9;i=1234 */
	bb_hex(&m, "01");
	send_m(&c, 0);
	AT_HAS(&c.t, 4, "\"references\":[{\"source_node_id\":\"ns=1;b=3q2+7w==\","
			 "\"target_node_id\":\"ns=9;i=1234\"}]");
	/* AddReferencesRequest (5.7.3) */
	sym(&c, "4d534746", 0, 7);
	bb_hex(&m, "0100ee01");          /* ns=0;i=494 */
	req_hdr(7);
	bb_hex(&m, "01000000 0055 002f 01 ffffffff 0056 01000000");
	send_m(&c, 0);
	AT_HAS(&c.t, 5, "\"service\":\"add_references\"");
	AT_HAS(&c.t, 5, "{\"source_node_id\":\"i=85\",\"target_node_id\":\"i=86\"}");
	/* BrowseRequest (5.8.2) and BrowseNext (5.8.3) */
	sym(&c, "4d534746", 0, 8);
	bb_hex(&m, "01000f02");          /* ns=0;i=527 */
	req_hdr(8);
	bb_hex(&m, "0000 0000000000000000 00000000"); /* view */
	bb_hex(&m, "00000000");          /* requestedMaxReferencesPerNode */
	bb_hex(&m, "01000000 0054 00000000 0021 01 00000000 3f000000");
	send_m(&c, 0);
	AT_HAS(&c.t, 6, "\"service\":\"browse\"");
	AT_HAS(&c.t, 6, "\"items\":1,\"nodes\":[{\"node_id\":\"i=84\"}]");
	sym(&c, "4d534746", 0, 9);
	bb_hex(&m, "01001502");          /* ns=0;i=533 */
	req_hdr(9);
	bb_hex(&m, "00 02000000 02000000 0102 02000000 0304");
	send_m(&c, 0);
	AT_HAS(&c.t, 7, "\"service\":\"browse_next\"");
	AT_HAS(&c.t, 7, "\"items\":2");
	AT_LACKS(&c.t, 7, "\"nodes\"");
	/* GetEndpoints (5.4.4): the endpoint URL */
	sym(&c, "4d534746", 0, 10);
	bb_hex(&m, "0100ac01");          /* ns=0;i=428 */
	req_hdr(10);
	bb_str(&m, "opc.tcp://plc:4840/ua");
	bb_hex(&m, "ffffffff ffffffff");
	send_m(&c, 0);
	AT_HAS(&c.t, 8, "\"endpoint_url\":\"opc.tcp://plc:4840/ua\"");
	AT_HAS(&c.t, 8, "\"service\":\"get_endpoints\"");
	/* a Read of 12 nodes: 12 counted, 8 kept */
	read_req(&c, 11, 12);
	send_m(&c, 0);
	AT_HAS(&c.t, 9, "\"items\":12");
	AT_HAS(&c.t, 9, "\"node_id\":\"ns=2;i=1007\"");
	AT_LACKS(&c.t, 9, "ns=2;i=1008");
	/* ServiceFault (397) answering the Write: the request's service */
	sym(&c, "4d534746", 1, 2);
	bb_hex(&m, "01008d01");          /* ns=0;i=397 ServiceFault */
	resp_hdr(2, 0x803b0000);         /* Bad_NotWritable */
	send_m(&c, 1);
	AT_HAS(&c.t, 10, "\"service\":\"service_fault\",\"service_id\":397,\"kind\":\"response\","
			  "\"request_service\":\"write\",\"request_handle\":2,\"status\":2151350272,"
			  "\"status_name\":\"Bad_NotWritable\"");
	AT_EVENTS(&c.t);
	at_fini(&c.t);
}

/* ActivateSessionRequest (5.6.3) with a user identity token */
static void activate(struct conv *c, uint32_t rid, const char *token_hex)
{
	sym(c, "4d534746", 0, rid);
	bb_hex(&m, "0100d301");          /* ns=0;i=467 ActivateSessionRequest */
	req_hdr(rid);
	bb_hex(&m, "ffffffff ffffffff"); /* clientSignature: algorithm, signature */
	bb_hex(&m, "00000000");          /* clientSoftwareCertificates */
	bb_hex(&m, "01000000 02000000 656e"); /* localeIds: "en" */
	bb_hex(&m, token_hex);           /* userIdentityToken (ExtensionObject) */
	bb_hex(&m, "ffffffff ffffffff"); /* userTokenSignature */
	send_m(c, 0);
}

static void test_sessions(void **s)
{
	(void)s;
	struct conv c;
	ready(&c, 4840);
	/* CreateSessionRequest (5.6.2): application URI, endpoint, session name */
	sym(&c, "4d534746", 0, 2);
	bb_hex(&m, "0100cd01");          /* ns=0;i=461 */
	req_hdr(2);
	bb_str(&m, "urn:hmi");           /* clientDescription.applicationUri */
	bb_hex(&m, "ffffffff");          /* productUri */
	bb_hex(&m, "02 03000000 484d49"); /* applicationName: LocalizedText text "HMI" */
	bb_hex(&m, "01000000 ffffffff ffffffff ffffffff"); /* Client, gateway, profile, urls */
	bb_hex(&m, "ffffffff");          /* serverUri */
	bb_str(&m, "opc.tcp://plc:4840");
	bb_str(&m, "line 2 \"HMI\"");    /* sessionName: escaped in the record */
	send_m(&c, 0);
	AT_HAS(&c.t, 0, "\"endpoint_url\":\"opc.tcp://plc:4840\"");
	AT_HAS(&c.t, 0, "\"application_uri\":\"urn:hmi\",\"session_name\":\"line 2 \\\"HMI\\\"\"");
	/* anonymous (AnonymousIdentityToken, i=321), a null token (anonymous
	 * too), a user name with its password (never logged), X509, Issued */
	activate(&c, 3, "01004101 01 0d000000 09000000 616e6f6e796d6f7573");
	activate(&c, 4, "0000 00");
	activate(&c, 5, "01004401 01 23000000"
			"04000000 75736572"          /* policyId "user" */
			"05000000 61646d696e"        /* userName "admin" */
			"0a000000 68756e7465723221ab" /* password (bytes) */
			"cd"
			"ffffffff");                 /* encryptionAlgorithm */
	activate(&c, 6, "01004701 01 08000000 04000000 78353039");
	activate(&c, 7, "0100ac03 01 08000000 04000000 69737375");
	activate(&c, 8, "01000f27 00");          /* i=9999: some other token */
	assert_int_equal(c.t.n_tx, 7);
	AT_HAS(&c.t, 1, "\"identity_token\":\"anonymous\"");
	AT_HAS(&c.t, 2, "\"identity_token\":\"anonymous\"");
	AT_HAS(&c.t, 3, "\"identity_token\":\"username\",\"user_name\":\"admin\"");
	AT_LACKS(&c.t, 3, "hunter");
	AT_LACKS(&c.t, 3, "password");
	AT_HAS(&c.t, 4, "\"identity_token\":\"x509\"");
	AT_HAS(&c.t, 5, "\"identity_token\":\"issued\"");
	AT_HAS(&c.t, 6, "\"identity_token\":\"other\"");
	AT_EVENTS(&c.t);
	at_fini(&c.t);
}

static void test_chunks(void **s)
{
	(void)s;
	struct conv c;
	/* the server takes messages of at most 300 bytes and 3 chunks */
	start(&c, 4840);
	handshake(&c, 65535, 65535, 0, 0, 300, 3);
	open_channel(&c, 1, 0, 1, 7, 1);
	at_clear(&c.t);
	/* a Read of 4 nodes in three chunks: the first has the service */
	read_req(&c, 2, 4);
	c.seq[0]--; /* only its body is used */
	static uint8_t whole[512];
	size_t body = m.n - 24;
	memcpy(whole, m.b + 24, body);
	size_t cut[4] = { 0, 70, 100, body };
	for (int k = 0; k < 3; k++) {
		sym(&c, k < 2 ? "4d534743" : "4d534746", 0, 2); /* 'C', 'C', 'F' */
		memcpy(m.b + m.n, whole + cut[k], cut[k + 1] - cut[k]);
		m.n += cut[k + 1] - cut[k];
		send_m(&c, 0);
	}
	assert_int_equal(c.t.n_tx, 3);
	AT_HAS(&c.t, 0, "\"chunk\":\"intermediate\"");
	AT_HAS(&c.t, 0, "\"chunk_count\":1,\"service\":\"read\",\"service_id\":631");
	AT_HAS(&c.t, 0, "\"items\":4");
	AT_HAS(&c.t, 1, "\"chunk_count\":2,\"service\":\"read\"");
	AT_LACKS(&c.t, 1, "service_id");
	AT_HAS(&c.t, 2, "\"chunk\":\"final\"");
	AT_HAS(&c.t, 2, "\"chunk_count\":3,\"service\":\"read\"");
	assert_true(c.t.fn[0] >= 0);
	assert_int_equal(c.t.fn[1], -1);
	assert_int_equal(c.t.fn[2], -1);
	AT_EVENTS(&c.t);
	/* four chunks of 100 bytes: too many chunks, and over 300 bytes */
	at_clear(&c.t);
	for (int k = 0; k < 4; k++) {
		sym(&c, k < 3 ? "4d534743" : "4d534746", 0, 3);
		if (k == 0) {
			bb_hex(&m, "01007702");
			req_hdr(3);
		}
		while (m.n < 24 + 100)
			bb_u8(&m, 0);
		send_m(&c, 0);
	}
	AT_EVENTS(&c.t, "opcua.too_many_chunks", "opcua.message_too_large");
	/* an intermediate chunk, then one of another request; then an
	 * intermediate chunk aborted (6.7.3) */
	at_clear(&c.t);
	read_req(&c, 4, 1);
	m.b[3] = 'C';
	send_m(&c, 0);
	read_req(&c, 5, 1);
	send_m(&c, 0);
	AT_EVENTS(&c.t, "opcua.chunks_interleaved");
	AT_HAS(&c.t, 1, "\"request_id\":5,\"service\":\"read\"");
	read_req(&c, 6, 1);
	m.b[3] = 'C';
	send_m(&c, 0);
	sym(&c, "4d534741", 0, 6);       /* "MSG" 'A' */
	bb_hex(&m, "00002c80");          /* Error: Bad_RequestCancelledByClient */
	bb_str(&m, "user gave up");
	send_m(&c, 0);
	AT_HAS(&c.t, 3, "\"chunk\":\"abort\"");
	AT_HAS(&c.t, 3, "\"chunk_count\":2,\"service\":\"read\"");
	AT_HAS(&c.t, 3, "\"error\":{\"code\":2150367232,\"name\":\"Bad_RequestCancelledByClient\","
			 "\"reason\":\"user gave up\"}");
	/* the abort ended the request: a response with its id is unmatched */
	sym(&c, "4d534746", 1, 6);
	bb_hex(&m, "01007a02");
	resp_hdr(6, 0);
	send_m(&c, 1);
	AT_LACKS(&c.t, 4, "request_service");
	AT_EVENTS(&c.t, "opcua.chunks_interleaved");
	at_fini(&c.t);
}

/* OPN of a secured policy: certificate and thumbprint in clear, then
 * ciphertext */
static void opn_sealed(struct conv *c, int dir, uint32_t channel, const char *policy)
{
	(void)c;
	m.n = 0;
	bb_hex(&m, "4f504e46 00000000");
	bb_u32(&m, channel);
	bb_str(&m, policy);
	bb_hex(&m, "08000000 3082010a02820101"); /* SenderCertificate (8 bytes) */
	bb_hex(&m, "14000000 00112233445566778899aabbccddeeff00112233"); /* thumbprint */
	for (int k = 0; k < 64; k++)
		bb_u8(&m, (unsigned)(k * 37 + 11));
	send_m(c, dir);
}

static void test_security(void **s)
{
	(void)s;
	struct conv c;
	/* Sign: OPN sealed, MSG bodies in clear (a signature after them) */
	start(&c, 4840);
	handshake(&c, 65535, 65535, 0, 0, 0, 0);
	opn_sealed(&c, 0, 0, "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256");
	opn_sealed(&c, 1, 12, "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256");
	AT_HAS(&c.t, 2, "\"secure_channel_id\":0,\"security_policy_uri\":"
			 "\"http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256\","
			 "\"sender_certificate_length\":8,\"receiver_thumbprint_length\":20,"
			 "\"security_policy\":\"Basic256Sha256\",\"encrypted\":true}");
	AT_LACKS(&c.t, 2, "sequence_number");
	c.channel = 12;
	c.token = 1;
	c.seq[0] = 50;
	read_req(&c, 9, 1);
	bb_hex(&m, "0102030405060708"); /* the signature */
	send_m(&c, 0);
	AT_HAS(&c.t, 4, "\"security_policy\":\"Basic256Sha256\",\"token_id\":1,"
			 "\"security_mode\":\"sign\",\"sequence_number\":50,\"request_id\":9,"
			 "\"service\":\"read\"");
	AT_EVENTS(&c.t);
	at_fini(&c.t);
	/* SignAndEncrypt: the first MSG does not decode */
	start(&c, 4840);
	handshake(&c, 65535, 65535, 0, 0, 0, 0);
	opn_sealed(&c, 0, 0, "http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss");
	opn_sealed(&c, 1, 13, "http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss");
	for (int dir = 0; dir < 2; dir++) {
		m.n = 0;
		bb_hex(&m, "4d534746 00000000 0d000000 01000000");
		bb_hex(&m, "9a8b7c6d5e4f30211203f4e5d6c7b8a9 0102030405060708");
		send_m(&c, dir);
	}
	assert_int_equal(c.t.n_tx, 6);
	AT_HAS(&c.t, 4, "\"security_policy\":\"Aes256_Sha256_RsaPss\",\"token_id\":1,"
			 "\"security_mode\":\"sign_and_encrypt\",\"encrypted\":true}");
	AT_HAS(&c.t, 5, "\"encrypted\":true");
	AT_EVENTS(&c.t);
	at_fini(&c.t);
}

static void test_events(void **s)
{
	(void)s;
	struct conv c;
	/* an undefined type: framing resynchronises to the next chunk */
	ready(&c, 4840);
	at_feed(&c.t, 0, "XYZF\x10\x00\x00\x00garbage!", 16);
	read_req(&c, 2, 1);
	send_m(&c, 0);
	AT_EVENTS(&c.t, "opcua.unknown_message_type");
	assert_int_equal(c.t.n_tx, 1);
	AT_HAS(&c.t, 0, "\"service\":\"read\"");
	/* one stray byte at a segment's end is already no type */
	at_clear(&c.t);
	at_feed(&c.t, 0, "X", 1);
	read_req(&c, 20, 1);
	send_m(&c, 0);
	AT_EVENTS(&c.t, "opcua.unknown_message_type");
	assert_int_equal(c.t.n_tx, 1);
	/* a chunk byte none of F/C/A (logged, not decoded), 'C' on a CLO */
	at_clear(&c.t);
	read_req(&c, 3, 1);
	m.b[3] = 'Z';
	send_m(&c, 0);
	sym(&c, "434c4f43", 0, 4);
	send_m(&c, 0);
	AT_EVENTS(&c.t, "opcua.bad_chunk_type", "opcua.bad_chunk_type");
	AT_HAS(&c.t, 0, "\"chunk\":\"invalid\"");
	AT_LACKS(&c.t, 0, "service");
	/* a wrong channel, an unknown token, a sequence gap */
	at_clear(&c.t);
	c.seq[0] = 4; /* the two chunks above were not read: 4 is next */
	c.channel = 8;
	read_req(&c, 5, 1);
	send_m(&c, 0);
	c.channel = 7;
	c.token = 2;
	read_req(&c, 6, 1);
	send_m(&c, 0);
	c.token = 1;
	c.seq[0] += 3;
	read_req(&c, 7, 1);
	send_m(&c, 0);
	AT_EVENTS(&c.t, "opcua.channel_id_mismatch", "opcua.unknown_token",
		  "opcua.sequence_not_increasing");
	/* a TypeId that is no service, a NodeId encoding that is undefined,
	 * a truncated body */
	at_clear(&c.t);
	sym(&c, "4d534746", 0, 8);
	bb_hex(&m, "01000f27");          /* ns=0;i=9999 */
	send_m(&c, 0);
	sym(&c, "4d534746", 0, 9);
	bb_hex(&m, "3f007702");          /* encoding byte 0x3f */
	send_m(&c, 0);
	read_req(&c, 10, 2);
	m.n -= 12;                       /* the second item cut short */
	send_m(&c, 0);
	AT_EVENTS(&c.t, "opcua.unknown_service", "opcua.malformed_nodeid",
		  "opcua.malformed_message");
	AT_HAS(&c.t, 0, "\"service_id\":9999");
	AT_LACKS(&c.t, 0, "\"service\"");
	at_fini(&c.t);
	/* the pending table: 16 requests without response, the 17th drops one */
	ready(&c, 4840);
	for (uint32_t k = 0; k < 16; k++) {
		read_req(&c, 100 + k, 1);
		send_m(&c, 0);
	}
	AT_EVENTS(&c.t);
	read_req(&c, 200, 1);
	send_m(&c, 0);
	AT_EVENTS(&c.t, "opcua.too_many_requests");
	at_fini(&c.t);

	/* Hello with a buffer below 1024; an Acknowledge above the Hello's */
	start(&c, 4840);
	handshake(&c, 512, 65535, 0, 0, 0, 0); /* (the ACK echoes the 512) */
	AT_EVENTS(&c.t, "opcua.invalid_hello", "opcua.invalid_acknowledge");
	at_fini(&c.t);
	start(&c, 4840);
	handshake(&c, 65535, 65535, 0, 0, 0, 0);
	m.n = 0;
	bb_hex(&m, "41434b46 1c000000 01000000 ffff0000 ffff0000 00000000 00000000");
	send_m(&c, 1);                   /* version 1 > the Hello's 0 */
	AT_EVENTS(&c.t, "opcua.invalid_acknowledge");
	at_fini(&c.t);

	/* the None policy with SignAndEncrypt asked; request type 2 */
	start(&c, 4840);
	open_channel(&c, 1, 0, 3, 5, 1);
	AT_EVENTS(&c.t, "opcua.invalid_security_mode");
	AT_HAS(&c.t, 0, "\"security_mode\":\"sign_and_encrypt\"");
	open_channel(&c, 2, 2, 1, 5, 2);
	AT_EVENTS(&c.t, "opcua.invalid_security_mode", "opcua.invalid_security_mode");
	AT_HAS(&c.t, 2, "\"request_type\":\"invalid\"");
	at_fini(&c.t);

	/* a policy not in the table */
	start(&c, 4840);
	opn_sealed(&c, 0, 0, "http://example.com/SecurityPolicy#Rot13");
	AT_EVENTS(&c.t, "opcua.unknown_security_policy");
	AT_HAS(&c.t, 0, "\"security_policy\":\"unknown\",\"encrypted\":true");
	at_fini(&c.t);

	/* a chunk above the server's buffer of 8192 bytes */
	start(&c, 4840);
	handshake(&c, 8192, 8192, 0, 0, 0, 0);
	open_channel(&c, 1, 0, 1, 7, 1);
	at_clear(&c.t);
	read_req(&c, 2, 1);
	while (m.n < 9000)
		bb_u8(&m, 0);
	send_m(&c, 0);
	AT_EVENTS(&c.t, "opcua.invalid_message_size");
	assert_int_equal(c.t.n_tx, 1); /* still parsed */
	/* a size below the smallest MSG: not a chunk; the next one is found */
	at_clear(&c.t);
	at_feed(&c.t, 0, "MSGF\x0c\x00\x00\x00\x07\x00\x00\x00", 12);
	read_req(&c, 3, 1);
	send_m(&c, 0);
	AT_EVENTS(&c.t, "opcua.invalid_message_size");
	assert_int_equal(c.t.n_tx, 1);
	at_fini(&c.t);
}

static void test_keywords(void **s)
{
	(void)s;
	struct conv c;
	ready(&c, 4840);
	/* (the harness holds 8 keywords) */
	unsigned k_write = at_kw(&c.t, "opcua.service", "write");
	unsigned k_676 = at_kw(&c.t, "opcua.service", "676"); /* the response's id: Write too */
	unsigned k_range = at_kw(&c.t, "opcua.service", "620-640"); /* read (631), query_next */
	unsigned k_msg = at_kw(&c.t, "opcua.msg_type", "MSG");
	unsigned k_st = at_kw(&c.t, "opcua.status", "Bad_UserAccessDenied");
	unsigned k_st2 = at_kw(&c.t, "opcua.status", "BadUserAccessDenied");
	unsigned k_attr = at_kw(&c.t, "opcua.attribute_id", "!13");
	unsigned k_node = at_kw(&c.t, "opcua.node_id", NULL);
	/* a Read (in range, no write), a Write of AccessLevel (17), its
	 * response refused */
	read_req(&c, 2, 1);
	send_m(&c, 0);
	sym(&c, "4d534746", 0, 3);
	bb_hex(&m, "0100a102");
	req_hdr(3);
	bb_hex(&m, "01000000 0102e903 11000000 ffffffff 01 03 03");
	send_m(&c, 0);
	sym(&c, "4d534746", 1, 3);
	bb_hex(&m, "0100a402");          /* ns=0;i=676 WriteResponse */
	resp_hdr(3, 0x801f0000);
	send_m(&c, 1);
	assert_int_equal(c.t.kw[k_write].matched, 2);
	assert_int_equal(c.t.kw[k_676].matched, 2);
	assert_int_equal(c.t.kw[k_range].matched, 1);
	assert_int_equal(c.t.kw[k_msg].matched, 3);
	assert_int_equal(c.t.kw[k_st].matched, 1);
	assert_int_equal(c.t.kw[k_st2].matched, 1);
	assert_int_equal(c.t.kw[k_attr].matched, 1);
	assert_int_equal(c.t.kw[k_node].matched, 2); /* the requests have node ids */
	assert_string_equal(c.t.kw[k_node].buf, "ns=2;i=1001\n");
	at_fini(&c.t);

	/* the sticky buffers of a handshake, a session, a policy */
	start(&c, 4840);
	unsigned k_url = at_kw(&c.t, "opcua.endpoint_url", NULL);
	unsigned k_pol = at_kw(&c.t, "opcua.security_policy", NULL);
	unsigned k_user = at_kw(&c.t, "opcua.user_name", NULL);
	unsigned k_none = at_kw(&c.t, "opcua.security_mode", "none");
	unsigned k_sign = at_kw(&c.t, "opcua.security_mode", ">1");
	unsigned k_anon = at_kw(&c.t, "opcua.identity_token", "anonymous");
	unsigned k_hel = at_kw(&c.t, "opcua.msg_type", "hel");
	handshake(&c, 65535, 65535, 0, 0, 0, 0);
	assert_string_equal(c.t.kw[k_url].buf, "opc.tcp://plc:4840");
	open_channel(&c, 1, 0, 1, 7, 1);
	assert_string_equal(c.t.kw[k_pol].buf, POLICY_NONE);
	activate(&c, 2, "01004401 01 17000000 04000000 75736572 03000000 626f62 ffffffff ffffffff");
	assert_string_equal(c.t.kw[k_user].buf, "bob");
	activate(&c, 3, "0000 00");
	assert_int_equal(c.t.kw[k_user].matched, 1);
	assert_int_equal(c.t.kw[k_anon].matched, 1);
	assert_int_equal(c.t.kw[k_hel].matched, 1);
	assert_int_equal(c.t.kw[k_none].matched, 4); /* OPN x2, two MSGs */
	assert_int_equal(c.t.kw[k_sign].matched, 0);
	/* opcua.security_policy on a MSG: the channel's policy's URI */
	assert_int_equal(c.t.kw[k_pol].matched, 4);
	at_fini(&c.t);

	/* names and values the keywords refuse */
	assert_non_null(at_kw_error(&proto_opcua, "opcua.service", "reboot"));
	assert_non_null(at_kw_error(&proto_opcua, "opcua.service", NULL));
	assert_non_null(at_kw_error(&proto_opcua, "opcua.msg_type", "xyz"));
	assert_non_null(at_kw_error(&proto_opcua, "opcua.msg_type", "8"));
	assert_non_null(at_kw_error(&proto_opcua, "opcua.status", "Bad_Everything"));
	assert_non_null(at_kw_error(&proto_opcua, "opcua.security_mode", "4"));
	assert_non_null(at_kw_error(&proto_opcua, "opcua.identity_token", "kerberos"));
	assert_null(at_kw_error(&proto_opcua, "opcua.status", ">=0x80000000"));
	assert_null(at_kw_error(&proto_opcua, "opcua.attribute_id", "access_level"));
}

static void test_probe(void **s)
{
	(void)s;
	/* the Hello of test_handshake */
	size_t n = at_hex(m.b, sizeof(m.b),
			  "48454c46 38000000 00000000 ffff0000 00200000 00000001 40000000 18000000"
			  "6f70632e7463703a2f2f6c6f63616c686f73743a34383430");
	assert_int_equal(proto_opcua.probe(m.b, n, 0), APP_PROBE_YES);
	assert_int_equal(proto_opcua.probe(m.b, 2, 0), APP_PROBE_MORE);
	assert_int_equal(proto_opcua.probe(m.b, 20, 0), APP_PROBE_MORE);
	m.b[4] = 0x39; /* MessageSize no longer 32 + the URL */
	assert_int_equal(proto_opcua.probe(m.b, n, 0), APP_PROBE_NO);
	/* junk, and text that starts like a message type */
	static const struct {
		const char *p;
		size_t n;
	} junk[] = {
		{ "GET / HTTP/1.1\r\n\r\n", 18 },
		{ "SSH-2.0-OpenSSH_9.2\r\n", 21 },
		{ "HELLO world, how are you", 24 },     /* chunk byte 'L' */
		{ "MSGFxxxx", 8 },                      /* a size of 2 GiB */
		{ "ACKF\x1d\x00\x00\x00\x00\x00\x00\x00", 12 }, /* ACK is 28 bytes */
		{ "CLOF\x10\x00\x00\x00", 8 },          /* below the smallest CLO */
		/* an OPN whose policy URI is not text */
		{ "OPNF\x40\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x01\x02\x03\x04\x05", 21 },
	};
	for (size_t k = 0; k < sizeof(junk) / sizeof(junk[0]); k++)
		assert_int_equal(proto_opcua.probe((const uint8_t *)junk[k].p, junk[k].n, 0),
				 APP_PROBE_NO);
	/* the same conversation on port 48010 is parsed the same way */
	struct conv c;
	ready(&c, 48010);
	read_req(&c, 2, 1);
	send_m(&c, 0);
	AT_HAS(&c.t, 0, "\"service\":\"read\"");
	AT_EVENTS(&c.t);
	at_fini(&c.t);
}

/* Hostile lengths in the message size and in String lengths: every one
 * fails cleanly with an event, and the stream goes on. */
static void test_hostile_lengths(void **s)
{
	(void)s;
	/* the HEL is 8 + 20 + 4 + 18 = 50 bytes */
	const uint32_t sizes[] = { 0, 1, 0x7fffffffu, 0xffffffffu, 49, 51 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct conv c;
		start(&c, 4840);
		handshake(&c, 65535, 65535, 0, 0, 0, 0);
		at_clear(&c.t);
		m.n = 0;
		bb_hex(&m, "48454c46 00000000 00000000 ffff0000 ffff0000 00000000 00000000");
		bb_str(&m, "opc.tcp://plc:4840");
		bb_size(&m);
		m.b[4] = (uint8_t)sizes[k];
		m.b[5] = (uint8_t)(sizes[k] >> 8);
		m.b[6] = (uint8_t)(sizes[k] >> 16);
		m.b[7] = (uint8_t)(sizes[k] >> 24);
		at_feed(&c.t, 0, m.b, m.n);
		/* then a sound chunk: a size of 51 takes its first byte */
		read_req(&c, 2, 1);
		send_m(&c, 0);
		if (sizes[k] == 49 || sizes[k] == 51)
			assert_true(at_count_ev(&c.t, "opcua.invalid_hello") == 1);
		else
			assert_true(at_count_ev(&c.t, "opcua.invalid_message_size") == 1);
		assert_true(c.t.n_ev >= 1);
		at_fini(&c.t);
	}
	/* String lengths: the EndpointUrl of HEL, the SecurityPolicyUri of
	 * OPN, the Reason of ERR, a String NodeId in a Write */
	const uint32_t lens[] = { 0xfffffffeu, 0x7fffffffu, 0x80000000u, 17, 19 };
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		struct conv c;
		start(&c, 4840);
		m.n = 0;
		bb_hex(&m, "48454c46 00000000 00000000 ffff0000 ffff0000 00000000 00000000");
		bb_u32(&m, lens[k]);
		bb_hex(&m, "6f70632e7463703a2f2f706c633a34383430"); /* 18 bytes */
		send_m(&c, 0);
		AT_EVENTS(&c.t, "opcua.invalid_hello");
		assert_int_equal(c.t.n_tx, 1);
		at_fini(&c.t);

		start(&c, 4840);
		m.n = 0;
		bb_hex(&m, "4f504e46 00000000 00000000");
		bb_u32(&m, lens[k] == 17 ? 46 : lens[k] == 19 ? 48 : lens[k]);
		bb_hex(&m, "687474703a2f2f6f7063666f756e646174696f6e2e6f72672f55412f5365637572697479506f6c696379234e6f6e65");
		bb_hex(&m, "ffffffff ffffffff 01000000 01000000 0100be01");
		send_m(&c, 0);
		assert_true(c.t.n_ev >= 1);
		assert_true(at_count_ev(&c.t, "opcua.malformed_message") +
				    at_count_ev(&c.t, "opcua.unknown_security_policy") >= 1);
		at_fini(&c.t);

		start(&c, 4840);
		m.n = 0;
		bb_hex(&m, "45525246 00000000 00008380");
		bb_u32(&m, lens[k]);
		bb_hex(&m, "6e6f2073756368207468696e672068657265"); /* 18 bytes */
		send_m(&c, 1);
		AT_EVENTS(&c.t, "opcua.malformed_message");
		at_fini(&c.t);

		ready(&c, 4840);
		sym(&c, "4d534746", 0, 2);
		bb_hex(&m, "0100a102");
		req_hdr(2);
		bb_hex(&m, "01000000 03 0200");
		bb_u32(&m, lens[k]);
		bb_hex(&m, "50756d70 31 2e5370656564 2e2e2e2e2e2e2e"); /* 18 bytes */
		send_m(&c, 0);
		assert_true(at_count_ev(&c.t, "opcua.malformed_message") == 1);
		at_fini(&c.t);
	}
	/* array counts of a Write */
	const uint32_t counts[] = { 0x7fffffffu, 0xffffffffu - 1, 0x80000000u, 2 };
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		struct conv c;
		ready(&c, 4840);
		sym(&c, "4d534746", 0, 2);
		bb_hex(&m, "0100a102");
		req_hdr(2);
		bb_u32(&m, counts[k]);
		bb_hex(&m, "0102e903 0d000000 ffffffff 01 0b 0000000000405540");
		send_m(&c, 0);
		AT_EVENTS(&c.t, "opcua.malformed_message");
		at_fini(&c.t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),   cmocka_unit_test(test_secure_channel),
		cmocka_unit_test(test_services),    cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_chunks),      cmocka_unit_test(test_security),
		cmocka_unit_test(test_events),      cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_probe),       cmocka_unit_test(test_hostile_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
