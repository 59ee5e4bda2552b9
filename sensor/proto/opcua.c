/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OPC UA binary over TCP (port 4840): the UA Connection Protocol and UA
 * Secure Conversation (OPC 10000-6, 7.1 and 6.7). All integers little-endian.
 *
 *   message header (7.1.2.2):  type:3 ("HEL" "ACK" "ERR" "RHE" "OPN" "MSG" "CLO")
 *                              chunk:1 ('F' final, 'C' intermediate, 'A' abort) size:4
 *   HEL (7.1.2.3): version:4 receive_buffer:4 send_buffer:4 max_message:4
 *                  max_chunks:4 endpoint_url:String
 *   ACK (7.1.2.4): version:4 receive_buffer:4 send_buffer:4 max_message:4 max_chunks:4
 *   ERR (7.1.2.5): error:StatusCode reason:String     RHE (7.1.2.6): server_uri endpoint
 *   OPN (6.7.2):   channel_id:4 | policy_uri:String sender_cert:ByteString
 *                  receiver_thumbprint:ByteString | seq:4 request_id:4 | body
 *   MSG, CLO:      channel_id:4 | token_id:4 | seq:4 request_id:4 | body
 *   body:          NodeId of the service's binary encoding (5.2.2.9), then the
 *                  service (OPC 10000-4): RequestHeader or ResponseHeader first.
 *   String/ByteString: int32 length (-1 = null) + bytes.
 *
 * The sequence header and body are encrypted when the channel's policy is
 * not None (OPN) or its mode is SignAndEncrypt (MSG, CLO): the tx then says
 * encrypted and carries no service. The mode of a non-None channel is
 * never on the wire in clear; it is inferred from the first MSG: a body
 * that decodes as a known service means Sign, otherwise SignAndEncrypt.
 * Chunks 'C' of a message are reassembled (plaintext only) up to 64 KiB
 * per direction; 'A' aborts. Responses are matched to requests by request
 * id (16 pending per flow).
 *
 * Events (app-layer-event:opcua.<name>):
 *   opcua.unknown_message_type    message type none of the seven
 *   opcua.bad_chunk_type          chunk not F/C/A, or C/A on other than MSG
 *   opcua.invalid_message_size    size below the header of its type or above 64 KiB
 *   opcua.invalid_hello           HEL truncated, buffers below 8192, URL over 4096
 *   opcua.invalid_acknowledge     ACK truncated, buffers below 8192 or above the HEL's
 *   opcua.channel_id_mismatch     a channel id other than the one the server assigned
 *   opcua.unknown_token           MSG/CLO with a token id the server never issued
 *   opcua.sequence_not_increasing sequence number not the previous + 1 (wrap allowed)
 *   opcua.reassembly_overflow     chunks of one message above 64 KiB
 *   opcua.malformed_nodeid        a NodeId with an unknown encoding or truncated
 *   opcua.malformed_message       truncated body, bad String length, bad enum
 *   opcua.unknown_security_policy a policy URI not in the table
 *   opcua.unknown_service         a service NodeId not in the table
 *   opcua.too_many_requests       pending table full: the oldest request dropped
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/uint.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/opcua.h"

extern const struct proto_parser proto_opcua;

#define OPCUA_MAX_MSG 65536
#define OPCUA_REASM_MAX 65536
#define OPCUA_MIN_BUFFER 8192
#define OPCUA_MAX_URL 4096
#define PENDING 16
#define MAX_DEPTH 4

static const char *const events[OPCUA_EV__COUNT] = {
	[OPCUA_EV_UNKNOWN_MESSAGE_TYPE] = "opcua.unknown_message_type",
	[OPCUA_EV_BAD_CHUNK_TYPE] = "opcua.bad_chunk_type",
	[OPCUA_EV_INVALID_MESSAGE_SIZE] = "opcua.invalid_message_size",
	[OPCUA_EV_INVALID_HELLO] = "opcua.invalid_hello",
	[OPCUA_EV_INVALID_ACKNOWLEDGE] = "opcua.invalid_acknowledge",
	[OPCUA_EV_CHANNEL_ID_MISMATCH] = "opcua.channel_id_mismatch",
	[OPCUA_EV_UNKNOWN_TOKEN] = "opcua.unknown_token",
	[OPCUA_EV_SEQUENCE_NOT_INCREASING] = "opcua.sequence_not_increasing",
	[OPCUA_EV_REASSEMBLY_OVERFLOW] = "opcua.reassembly_overflow",
	[OPCUA_EV_MALFORMED_NODEID] = "opcua.malformed_nodeid",
	[OPCUA_EV_MALFORMED_MESSAGE] = "opcua.malformed_message",
	[OPCUA_EV_UNKNOWN_SECURITY_POLICY] = "opcua.unknown_security_policy",
	[OPCUA_EV_UNKNOWN_SERVICE] = "opcua.unknown_service",
	[OPCUA_EV_TOO_MANY_REQUESTS] = "opcua.too_many_requests",
};

struct opcua_reasm {
	uint8_t *buf; /* OPCUA_REASM_MAX bytes, allocated on the first 'C' chunk */
	uint32_t len;
	uint32_t request_id;
	bool active;
};

struct opcua_state {
	struct opcua_reasm r[2];
	uint32_t last_seq[2];
	bool seq_known[2];
	uint32_t channel_id;
	bool channel_known;
	uint32_t tokens[2]; /* current and previous (renew) */
	uint8_t n_tokens;
	uint8_t policy, mode;
	bool hel_seen;
	uint32_t hel_rbs, hel_sbs;
	struct {
		uint32_t request_id;
		int16_t svc;
		bool used;
	} pend[PENDING];
	uint8_t pend_next;
};

static void ev(struct app_ctx *ctx, uint16_t e)
{
	app_emit_event(ctx, &proto_opcua, e);
}

/* ---- the spec as data ------------------------------------------------------- */

/* Services (OPC 10000-4, 5): binary encoding NodeIds of request and response
 * (ns=0). The index in this table is tx_function(). */
static const struct opcua_service {
	const char *name;
	uint32_t req, resp;
} services[] = {
	{ "find_servers", 422, 425 },          { "find_servers_on_network", 12208, 12209 },
	{ "get_endpoints", 428, 431 },         { "register_server", 437, 440 },
	{ "register_server2", 12211, 12212 },  { "open_secure_channel", 446, 449 },
	{ "close_secure_channel", 452, 455 },  { "create_session", 461, 464 },
	{ "activate_session", 467, 470 },      { "close_session", 473, 476 },
	{ "cancel", 479, 482 },                { "add_nodes", 488, 491 },
	{ "add_references", 494, 497 },        { "delete_nodes", 500, 503 },
	{ "delete_references", 506, 509 },     { "browse", 527, 530 },
	{ "browse_next", 533, 536 },           { "translate_browse_paths", 554, 557 },
	{ "register_nodes", 560, 563 },        { "unregister_nodes", 566, 569 },
	{ "query_first", 615, 618 },           { "query_next", 621, 624 },
	{ "read", 631, 634 },                  { "history_read", 664, 667 },
	{ "write", 673, 676 },                 { "history_update", 700, 703 },
	{ "call", 712, 715 },                  { "create_monitored_items", 751, 754 },
	{ "modify_monitored_items", 763, 766 }, { "set_monitoring_mode", 769, 772 },
	{ "set_triggering", 775, 778 },        { "delete_monitored_items", 781, 784 },
	{ "create_subscription", 787, 790 },   { "modify_subscription", 793, 796 },
	{ "set_publishing_mode", 799, 802 },   { "publish", 826, 829 },
	{ "republish", 832, 835 },             { "transfer_subscriptions", 841, 844 },
	{ "delete_subscriptions", 847, 850 },  { "service_fault", 0, 397 },
};
#define N_SERVICES (sizeof(services) / sizeof(services[0]))
#define SVC_SERVICE_FAULT ((int)N_SERVICES - 1)

/* returns the index, sets *resp; -1 when unknown */
static int service_lookup(uint32_t id, bool *resp)
{
	for (size_t i = 0; i < N_SERVICES; i++) {
		if (services[i].req && services[i].req == id) {
			*resp = false;
			return (int)i;
		}
		if (services[i].resp == id) {
			*resp = true;
			return (int)i;
		}
	}
	return -1;
}

static const struct du_name service_names[] = {
#define S(n, v) { n, v }
	S("find_servers", 422), S("find_servers_on_network", 12208), S("get_endpoints", 428),
	S("register_server", 437), S("register_server2", 12211), S("open_secure_channel", 446),
	S("close_secure_channel", 452), S("create_session", 461), S("activate_session", 467),
	S("close_session", 473), S("cancel", 479), S("add_nodes", 488), S("add_references", 494),
	S("delete_nodes", 500), S("delete_references", 506), S("browse", 527), S("browse_next", 533),
	S("translate_browse_paths", 554), S("register_nodes", 560), S("unregister_nodes", 566),
	S("query_first", 615), S("query_next", 621), S("read", 631), S("history_read", 664),
	S("write", 673), S("history_update", 700), S("call", 712), S("create_monitored_items", 751),
	S("modify_monitored_items", 763), S("set_monitoring_mode", 769), S("set_triggering", 775),
	S("delete_monitored_items", 781), S("create_subscription", 787), S("modify_subscription", 793),
	S("set_publishing_mode", 799), S("publish", 826), S("republish", 832),
	S("transfer_subscriptions", 841), S("delete_subscriptions", 847), S("service_fault", 397),
#undef S
};

static const struct du_name msg_type_names[] = {
	{ "hel", OPCUA_MT_HEL }, { "ack", OPCUA_MT_ACK }, { "err", OPCUA_MT_ERR },
	{ "rhe", OPCUA_MT_RHE }, { "opn", OPCUA_MT_OPN }, { "msg", OPCUA_MT_MSG },
	{ "clo", OPCUA_MT_CLO },
};

static const char *const mt_wire[] = { "", "HEL", "ACK", "ERR", "RHE", "OPN", "MSG", "CLO" };

static const struct du_name policy_names[] = {
	{ "none", OPCUA_SP_NONE },
	{ "basic128rsa15", OPCUA_SP_BASIC128RSA15 },
	{ "basic256", OPCUA_SP_BASIC256 },
	{ "basic256sha256", OPCUA_SP_BASIC256SHA256 },
	{ "aes128_sha256_rsaoaep", OPCUA_SP_AES128_SHA256_RSAOAEP },
	{ "aes256_sha256_rsapss", OPCUA_SP_AES256_SHA256_RSAPSS },
	{ "other", OPCUA_SP_OTHER },
};

/* URI suffixes after "http://opcfoundation.org/UA/SecurityPolicy#" (OPC 10000-7) */
static const struct { const char *uri; uint8_t v; } policy_uris[] = {
	{ "None", OPCUA_SP_NONE },
	{ "Basic128Rsa15", OPCUA_SP_BASIC128RSA15 },
	{ "Basic256", OPCUA_SP_BASIC256 },
	{ "Basic256Sha256", OPCUA_SP_BASIC256SHA256 },
	{ "Aes128_Sha256_RsaOaep", OPCUA_SP_AES128_SHA256_RSAOAEP },
	{ "Aes256_Sha256_RsaPss", OPCUA_SP_AES256_SHA256_RSAPSS },
};
#define POLICY_PREFIX "http://opcfoundation.org/UA/SecurityPolicy#"

static const struct du_name mode_names[] = {
	{ "none", OPCUA_MODE_NONE }, { "sign", OPCUA_MODE_SIGN },
	{ "sign_and_encrypt", OPCUA_MODE_SIGN_AND_ENCRYPT },
};

static const struct du_name identity_names[] = {
	{ "anonymous", OPCUA_ID_ANONYMOUS }, { "username", OPCUA_ID_USERNAME },
	{ "x509", OPCUA_ID_X509 },           { "issued", OPCUA_ID_ISSUED },
	{ "other", OPCUA_ID_OTHER },
};

/* common StatusCodes (OPC 10000-6, A.2; Opc.Ua.StatusCodes.csv) */
static const struct du_name status_names[] = {
	{ "Good", 0x00000000 },
	{ "Bad_UnexpectedError", 0x80010000 },
	{ "Bad_InternalError", 0x80020000 },
	{ "Bad_OutOfMemory", 0x80030000 },
	{ "Bad_ResourceUnavailable", 0x80040000 },
	{ "Bad_CommunicationError", 0x80050000 },
	{ "Bad_EncodingError", 0x80060000 },
	{ "Bad_DecodingError", 0x80070000 },
	{ "Bad_EncodingLimitsExceeded", 0x80080000 },
	{ "Bad_UnknownResponse", 0x80090000 },
	{ "Bad_Timeout", 0x800a0000 },
	{ "Bad_ServiceUnsupported", 0x800b0000 },
	{ "Bad_Shutdown", 0x800c0000 },
	{ "Bad_ServerNotConnected", 0x800d0000 },
	{ "Bad_ServerHalted", 0x800e0000 },
	{ "Bad_NothingToDo", 0x800f0000 },
	{ "Bad_TooManyOperations", 0x80100000 },
	{ "Bad_CertificateInvalid", 0x80120000 },
	{ "Bad_SecurityChecksFailed", 0x80130000 },
	{ "Bad_CertificateUntrusted", 0x801a0000 },
	{ "Bad_UserAccessDenied", 0x801f0000 },
	{ "Bad_IdentityTokenInvalid", 0x80200000 },
	{ "Bad_IdentityTokenRejected", 0x80210000 },
	{ "Bad_SecureChannelIdInvalid", 0x80220000 },
	{ "Bad_InvalidTimestamp", 0x80230000 },
	{ "Bad_NonceInvalid", 0x80240000 },
	{ "Bad_SessionIdInvalid", 0x80250000 },
	{ "Bad_SessionClosed", 0x80260000 },
	{ "Bad_SessionNotActivated", 0x80270000 },
	{ "Bad_SubscriptionIdInvalid", 0x80280000 },
	{ "Bad_RequestHeaderInvalid", 0x802a0000 },
	{ "Bad_TimestampsToReturnInvalid", 0x802b0000 },
	{ "Bad_RequestCancelledByClient", 0x802c0000 },
	{ "Bad_NoCommunication", 0x80310000 },
	{ "Bad_WaitingForInitialData", 0x80320000 },
	{ "Bad_NodeIdInvalid", 0x80330000 },
	{ "Bad_NodeIdUnknown", 0x80340000 },
	{ "Bad_AttributeIdInvalid", 0x80350000 },
	{ "Bad_IndexRangeInvalid", 0x80360000 },
	{ "Bad_NotReadable", 0x803a0000 },
	{ "Bad_NotWritable", 0x803b0000 },
	{ "Bad_OutOfRange", 0x803c0000 },
	{ "Bad_NotSupported", 0x803d0000 },
	{ "Bad_NotFound", 0x803e0000 },
	{ "Bad_TypeMismatch", 0x80740000 },
	{ "Bad_MethodInvalid", 0x80750000 },
	{ "Bad_ArgumentsMissing", 0x80760000 },
	{ "Bad_TooManySessions", 0x80560000 },
	{ "Bad_UserSignatureInvalid", 0x80570000 },
	{ "Bad_ApplicationSignatureInvalid", 0x80580000 },
	{ "Bad_NoValidCertificates", 0x80590000 },
	{ "Bad_SecurityPolicyRejected", 0x80550000 },
	{ "Bad_SecurityModeRejected", 0x80540000 },
	{ "Bad_TcpServerTooBusy", 0x807d0000 },
	{ "Bad_TcpMessageTypeInvalid", 0x807e0000 },
	{ "Bad_TcpSecureChannelUnknown", 0x807f0000 },
	{ "Bad_TcpMessageTooLarge", 0x80800000 },
	{ "Bad_TcpNotEnoughResources", 0x80810000 },
	{ "Bad_TcpInternalError", 0x80820000 },
	{ "Bad_TcpEndpointUrlInvalid", 0x80830000 },
	{ "Bad_RequestInterrupted", 0x80840000 },
	{ "Bad_RequestTimeout", 0x80850000 },
	{ "Bad_SecureChannelClosed", 0x80860000 },
	{ "Bad_SecureChannelTokenUnknown", 0x80870000 },
	{ "Bad_SequenceNumberInvalid", 0x80880000 },
	{ "Bad_ProtocolVersionUnsupported", 0x80be0000 },
};
#define N_STATUS (sizeof(status_names) / sizeof(status_names[0]))

static const char *status_name(uint32_t s)
{
	for (size_t i = 0; i < N_STATUS; i++)
		if (status_names[i].value == s)
			return status_names[i].name;
	return NULL;
}

static const char *du_lookup(const struct du_name *n, size_t nn, uint64_t v)
{
	for (size_t i = 0; i < nn; i++)
		if (n[i].value == v)
			return n[i].name;
	return "unknown";
}
#define NAME_OF(tab, v) du_lookup(tab, sizeof(tab) / sizeof(tab[0]), v)

/* ---- built-in types (OPC 10000-6, 5.2.2) ------------------------------------- */

/* A String or ByteString: returns its bytes (NULL for null or empty) and
 * length; fails the cursor on a negative length other than -1 or one
 * beyond the data. */
static const uint8_t *rd_string(struct cursor *c, size_t *n)
{
	int32_t l = (int32_t)cur_le32(c);
	*n = 0;
	if (l == -1 || l == 0 || !cur_ok(c))
		return NULL;
	if (l < 0) {
		cur_fail(c);
		return NULL;
	}
	const uint8_t *p = cur_ptr(c, (size_t)l);
	if (p)
		*n = (size_t)l;
	return p;
}

static void copy_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++)
		dst[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '.';
	dst[k] = 0;
}

static void skip_string(struct cursor *c)
{
	size_t n;
	rd_string(c, &n);
}

/* NodeId (5.2.2.9) or, with expanded, ExpandedNodeId (5.2.2.10). Fails the
 * cursor on an unknown encoding (*bad set). */
static void rd_nodeid(struct cursor *c, struct opcua_nodeid *id, bool expanded, bool *bad)
{
	struct opcua_nodeid tmp;
	if (!id)
		id = &tmp;
	memset(id, 0, sizeof(*id));
	uint8_t enc = cur_u8(c);
	uint8_t flags = expanded ? (enc & 0xc0) : 0;
	if (!expanded && (enc & 0xc0)) {
		*bad = true;
		cur_fail(c);
		return;
	}
	switch (enc & 0x3f) {
	case 0:
		id->num = cur_u8(c);
		break;
	case 1:
		id->ns = cur_u8(c);
		id->num = cur_le16(c);
		break;
	case 2:
		id->ns = cur_le16(c);
		id->num = cur_le32(c);
		break;
	case 3:
	case 5: {
		id->kind = (enc & 0x3f) == 3 ? 1 : 3;
		id->ns = cur_le16(c);
		size_t n;
		const uint8_t *p = rd_string(c, &n);
		if (id->kind == 1) {
			copy_text(id->str, sizeof(id->str), p, n);
		} else {
			size_t k = 0;
			for (size_t i = 0; i < n && k + 3 < sizeof(id->str); i++)
				k += (size_t)snprintf(id->str + k, sizeof(id->str) - k, "%02x", p[i]);
		}
		break;
	}
	case 4: {
		id->kind = 2;
		id->ns = cur_le16(c);
		uint32_t d1 = cur_le32(c);
		uint16_t d2 = cur_le16(c), d3 = cur_le16(c);
		uint8_t d4[8];
		if (cur_bytes(c, d4, 8))
			snprintf(id->str, sizeof(id->str),
				 "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", d1, d2, d3, d4[0],
				 d4[1], d4[2], d4[3], d4[4], d4[5], d4[6], d4[7]);
		break;
	}
	default:
		*bad = true;
		cur_fail(c);
		return;
	}
	if (flags & 0x80)
		skip_string(c);
	if (flags & 0x40)
		cur_skip(c, 4);
	if (!cur_ok(c))
		*bad = true;
}

static void skip_diag(struct cursor *c, int depth)
{
	uint8_t m = cur_u8(c);
	if (m & 0x01) cur_skip(c, 4);
	if (m & 0x02) cur_skip(c, 4);
	if (m & 0x08) cur_skip(c, 4);
	if (m & 0x04) cur_skip(c, 4);
	if (m & 0x10) skip_string(c);
	if (m & 0x20) cur_skip(c, 4);
	if (m & 0x40) {
		if (depth >= MAX_DEPTH)
			cur_fail(c);
		else
			skip_diag(c, depth + 1);
	}
}

static void skip_extobj(struct cursor *c, bool *bad)
{
	rd_nodeid(c, NULL, false, bad);
	uint8_t e = cur_u8(c);
	if (e == 1 || e == 2)
		skip_string(c);
	else if (e != 0)
		cur_fail(c);
}

static void skip_variant(struct cursor *c, int depth, bool *bad);

static void skip_datavalue(struct cursor *c, int depth, bool *bad)
{
	uint8_t m = cur_u8(c);
	if (m & 0x01)
		skip_variant(c, depth + 1, bad);
	if (m & 0x02) cur_skip(c, 4);
	if (m & 0x04) cur_skip(c, 8);
	if (m & 0x10) cur_skip(c, 2);
	if (m & 0x08) cur_skip(c, 8);
	if (m & 0x20) cur_skip(c, 2);
}

static void skip_scalar(struct cursor *c, uint8_t t, int depth, bool *bad)
{
	static const uint8_t fixed[26] = { [1] = 1, [2] = 1, [3] = 1, [4] = 2, [5] = 2, [6] = 4,
					   [7] = 4, [8] = 8, [9] = 8, [10] = 4, [11] = 8, [13] = 8,
					   [14] = 16, [19] = 4 };
	if (t < 26 && fixed[t]) {
		cur_skip(c, fixed[t]);
		return;
	}
	switch (t) {
	case 12: case 15: case 16:
		skip_string(c);
		break;
	case 17:
		rd_nodeid(c, NULL, false, bad);
		break;
	case 18:
		rd_nodeid(c, NULL, true, bad);
		break;
	case 20:
		cur_skip(c, 2);
		skip_string(c);
		break;
	case 21: {
		uint8_t m = cur_u8(c);
		if (m & 1) skip_string(c);
		if (m & 2) skip_string(c);
		break;
	}
	case 22:
		skip_extobj(c, bad);
		break;
	case 23:
		skip_datavalue(c, depth, bad);
		break;
	case 24:
		skip_variant(c, depth + 1, bad);
		break;
	case 25:
		skip_diag(c, depth);
		break;
	default:
		cur_fail(c);
	}
}

/* Variant (5.2.2.16), nested at most MAX_DEPTH deep. */
static void skip_variant(struct cursor *c, int depth, bool *bad)
{
	if (depth > MAX_DEPTH) {
		cur_fail(c);
		return;
	}
	uint8_t m = cur_u8(c);
	uint8_t t = m & 0x3f;
	if (t == 0)
		return;
	if (m & 0x80) {
		int32_t n = (int32_t)cur_le32(c);
		if (n > (int32_t)cur_left(c)) /* every element is at least one byte */
			cur_fail(c);
		for (int32_t i = 0; i < n && cur_ok(c); i++)
			skip_scalar(c, t, depth, bad);
		if (m & 0x40) {
			int32_t d = (int32_t)cur_le32(c);
			if (d > 0 && !cur_skip(c, (size_t)d * 4))
				return;
		}
	} else {
		skip_scalar(c, t, depth, bad);
	}
}

/* ---- per-flow pending requests ---------------------------------------------- */

static void pend_add(struct opcua_state *s, struct app_ctx *ctx, uint32_t rid, int svc)
{
	int slot = -1;
	for (int i = 0; i < PENDING; i++)
		if (s->pend[i].used && s->pend[i].request_id == rid)
			slot = i;
	for (int i = 0; i < PENDING && slot < 0; i++)
		if (!s->pend[i].used)
			slot = i;
	if (slot < 0) {
		ev(ctx, OPCUA_EV_TOO_MANY_REQUESTS);
		slot = s->pend_next;
		s->pend_next = (uint8_t)((s->pend_next + 1) % PENDING);
	}
	s->pend[slot].used = true;
	s->pend[slot].request_id = rid;
	s->pend[slot].svc = (int16_t)svc;
}

static int pend_take(struct opcua_state *s, uint32_t rid)
{
	for (int i = 0; i < PENDING; i++)
		if (s->pend[i].used && s->pend[i].request_id == rid) {
			s->pend[i].used = false;
			return s->pend[i].svc;
		}
	return -1;
}

/* ---- framing ---------------------------------------------------------------- */

static uint8_t msg_type(const uint8_t *b)
{
	for (uint8_t i = 1; i <= OPCUA_MT_CLO; i++)
		if (memcmp(b, mt_wire[i], 3) == 0)
			return i;
	return 0;
}

/* smallest size of each message type: header + fixed fields */
static uint32_t min_size(uint8_t mt)
{
	switch (mt) {
	case OPCUA_MT_HEL: return 32;
	case OPCUA_MT_ACK: return 28;
	case OPCUA_MT_ERR: return 16;
	case OPCUA_MT_RHE: return 16;
	case OPCUA_MT_OPN: return 12;
	default: return 16;
	}
}

static int o_probe(const uint8_t *b, size_t len, uint8_t dir)
{
	(void)dir;
	struct cursor c = cur_make(b, len);
	if (len < 8) {
		/* compare what we have against the seven types */
		for (uint8_t i = 1; i <= OPCUA_MT_CLO; i++)
			if (memcmp(b, mt_wire[i], len < 3 ? len : 3) == 0)
				return APP_PROBE_MORE;
		return APP_PROBE_NO;
	}
	uint8_t mt = msg_type(c.p);
	cur_skip(&c, 3);
	uint8_t ch = cur_u8(&c);
	uint32_t sz = cur_le32(&c);
	if (!mt || ch != 'F' || sz < min_size(mt) || sz > OPCUA_MAX_MSG)
		return APP_PROBE_NO;
	if (mt == OPCUA_MT_HEL || mt == OPCUA_MT_ACK) {
		if (len < 12)
			return APP_PROBE_MORE;
		return cur_le32(&c) <= 0xff ? APP_PROBE_YES : APP_PROBE_NO; /* protocol version */
	}
	return APP_PROBE_YES;
}

static int o_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *b, size_t len,
		     size_t *pdu_len)
{
	(void)state;
	(void)dir;
	if (len < 8)
		return APP_FRAME_MORE;
	struct cursor c = cur_make(b, len);
	uint8_t mt = msg_type(c.p);
	cur_skip(&c, 3);
	uint8_t ch = cur_u8(&c);
	uint32_t sz = cur_le32(&c);
	if (!mt) {
		ev(ctx, OPCUA_EV_UNKNOWN_MESSAGE_TYPE);
		return APP_FRAME_BAD;
	}
	if (ch != 'F' && ch != 'C' && ch != 'A') {
		ev(ctx, OPCUA_EV_BAD_CHUNK_TYPE);
		return APP_FRAME_BAD;
	}
	if (sz < min_size(mt)) {
		ev(ctx, OPCUA_EV_INVALID_MESSAGE_SIZE);
		return APP_FRAME_BAD;
	}
	if (sz > OPCUA_MAX_MSG)
		ev(ctx, OPCUA_EV_INVALID_MESSAGE_SIZE); /* the core skips it */
	*pdu_len = sz;
	return APP_FRAME_OK;
}

/* ---- services --------------------------------------------------------------- */

static void add_node(struct opcua_tx *tx, const struct opcua_nodeid *id)
{
	if (tx->n_nodes < OPCUA_MAX_NODES)
		tx->nodes[tx->n_nodes++] = *id;
}

/* array length: -1 (null) is 0; fails the cursor on a length that cannot fit */
static int32_t rd_count(struct cursor *c, size_t min_item)
{
	int32_t n = (int32_t)cur_le32(c);
	if (n == -1)
		return 0;
	if (n < 0 || (size_t)n > cur_left(c) / (min_item ? min_item : 1)) {
		cur_fail(c);
		return 0;
	}
	return n;
}

static void parse_request(struct cursor *c, struct opcua_tx *tx, bool *bad)
{
	struct opcua_nodeid id;
	int idx = tx->service_idx;
	const char *name = idx >= 0 ? services[idx].name : "";
	/* RequestHeader (OPC 10000-4, 7.33) */
	rd_nodeid(c, NULL, false, bad); /* authentication token */
	cur_skip(c, 8);                 /* timestamp */
	tx->request_handle = cur_le32(c);
	tx->has_handle = cur_ok(c);
	cur_skip(c, 4);                 /* return diagnostics */
	skip_string(c);                 /* audit entry id */
	cur_skip(c, 4);                 /* timeout hint */
	skip_extobj(c, bad);            /* additional header */
	if (!cur_ok(c))
		return;
	if (strcmp(name, "open_secure_channel") == 0) {
		cur_skip(c, 4); /* client protocol version */
		tx->has_opn = true;
		uint32_t rt = cur_le32(c), mode = cur_le32(c);
		skip_string(c); /* client nonce */
		tx->lifetime = cur_le32(c);
		if (cur_ok(c) && (rt > 1 || mode < 1 || mode > 3))
			cur_fail(c);
		tx->request_type = (uint8_t)rt;
		tx->opn_mode = (uint8_t)mode;
	} else if (strcmp(name, "write") == 0) {
		int32_t n = rd_count(c, 8);
		tx->n_items = n;
		for (int32_t i = 0; i < n && i < OPCUA_MAX_NODES && cur_ok(c); i++) {
			rd_nodeid(c, &id, false, bad);
			cur_skip(c, 4); /* attribute id */
			skip_string(c); /* index range */
			skip_datavalue(c, 0, bad);
			if (cur_ok(c))
				add_node(tx, &id);
		}
	} else if (strcmp(name, "call") == 0) {
		int32_t n = rd_count(c, 6);
		tx->n_items = n;
		for (int32_t i = 0; i < n && i < OPCUA_MAX_NODES / 2 && cur_ok(c); i++) {
			struct opcua_nodeid m;
			rd_nodeid(c, &id, false, bad);
			rd_nodeid(c, &m, false, bad);
			int32_t na = rd_count(c, 1);
			for (int32_t k = 0; k < na && cur_ok(c); k++)
				skip_variant(c, 0, bad);
			if (cur_ok(c)) {
				add_node(tx, &id);
				add_node(tx, &m);
			}
		}
	} else if (strcmp(name, "read") == 0) {
		cur_skip(c, 12); /* max age, timestamps to return */
		int32_t n = rd_count(c, 8);
		tx->n_items = n;
		for (int32_t i = 0; i < n && i < OPCUA_MAX_NODES && cur_ok(c); i++) {
			rd_nodeid(c, &id, false, bad);
			cur_skip(c, 4);
			skip_string(c);
			cur_skip(c, 2); /* data encoding: QualifiedName */
			skip_string(c);
			if (cur_ok(c))
				add_node(tx, &id);
		}
	} else if (strcmp(name, "browse") == 0) {
		rd_nodeid(c, NULL, false, bad); /* view id */
		cur_skip(c, 16);                /* timestamp, view version, max references */
		int32_t n = rd_count(c, 8);
		tx->n_items = n;
		for (int32_t i = 0; i < n && i < OPCUA_MAX_NODES && cur_ok(c); i++) {
			rd_nodeid(c, &id, false, bad);
			cur_skip(c, 4);
			rd_nodeid(c, NULL, false, bad);
			cur_skip(c, 9);
			if (cur_ok(c))
				add_node(tx, &id);
		}
	} else if (strcmp(name, "delete_nodes") == 0) {
		int32_t n = rd_count(c, 3);
		tx->n_items = n;
		for (int32_t i = 0; i < n && i < OPCUA_MAX_NODES && cur_ok(c); i++) {
			rd_nodeid(c, &id, false, bad);
			cur_skip(c, 1);
			if (cur_ok(c))
				add_node(tx, &id);
		}
	} else if (strcmp(name, "add_nodes") == 0 || strcmp(name, "add_references") == 0 ||
		   strcmp(name, "delete_references") == 0 || strcmp(name, "history_update") == 0) {
		tx->n_items = rd_count(c, 1);
	} else if (strcmp(name, "activate_session") == 0) {
		skip_string(c); /* client signature: algorithm */
		skip_string(c); /* signature */
		int32_t n = rd_count(c, 8);
		for (int32_t i = 0; i < n && cur_ok(c); i++) {
			skip_string(c);
			skip_string(c);
		}
		n = rd_count(c, 4);
		for (int32_t i = 0; i < n && cur_ok(c); i++)
			skip_string(c); /* locale ids */
		/* user identity token: ExtensionObject (OPC 10000-4, 7.36) */
		rd_nodeid(c, &id, false, bad);
		uint8_t e = cur_u8(c);
		if (!cur_ok(c))
			return;
		switch (id.kind == 0 && id.ns == 0 ? id.num : 0) {
		case 321: tx->identity = OPCUA_ID_ANONYMOUS; break;
		case 324: tx->identity = OPCUA_ID_USERNAME; break;
		case 327: tx->identity = OPCUA_ID_X509; break;
		case 940: tx->identity = OPCUA_ID_ISSUED; break;
		default: tx->identity = e ? OPCUA_ID_OTHER : 0; break;
		}
		if (tx->identity == OPCUA_ID_USERNAME && e == 1) {
			size_t bl;
			const uint8_t *b = rd_string(c, &bl);
			struct cursor t = cur_make(b, bl);
			skip_string(&t); /* policy id */
			size_t ul;
			const uint8_t *u = rd_string(&t, &ul);
			if (cur_ok(&t))
				copy_text(tx->user, sizeof(tx->user), u, ul);
		}
	}
}

static void parse_response(struct cursor *c, struct opcua_tx *tx, bool *bad)
{
	/* ResponseHeader (OPC 10000-4, 7.34) */
	cur_skip(c, 8);
	tx->request_handle = cur_le32(c);
	tx->status = cur_le32(c);
	tx->has_handle = tx->has_status = cur_ok(c);
	skip_diag(c, 0);
	int32_t n = rd_count(c, 4);
	for (int32_t i = 0; i < n && cur_ok(c); i++)
		skip_string(c);
	skip_extobj(c, bad);
	if (!cur_ok(c) || tx->service_idx < 0 ||
	    strcmp(services[tx->service_idx].name, "open_secure_channel") != 0)
		return;
	cur_skip(c, 4); /* server protocol version */
	tx->has_opn = true;
	tx->opn_channel = cur_le32(c);
	tx->opn_token = cur_le32(c);
	cur_skip(c, 8); /* created at */
	tx->lifetime = cur_le32(c);
	skip_string(c); /* server nonce */
}

/* The body of OPN/MSG/CLO: the service NodeId and the service. Returns
 * false when the NodeId is not a known service (nothing reported). */
static bool parse_body(struct opcua_state *s, struct app_ctx *ctx, const uint8_t *p, size_t n,
		       struct opcua_tx *tx, bool quiet)
{
	struct cursor c = cur_make(p, n);
	struct opcua_nodeid id;
	bool bad = false;
	rd_nodeid(&c, &id, false, &bad);
	if (bad || id.kind != 0 || id.ns != 0) {
		if (!quiet)
			ev(ctx, OPCUA_EV_MALFORMED_NODEID);
		return false;
	}
	bool resp = false;
	int idx = service_lookup(id.num, &resp);
	if (idx < 0) {
		if (!quiet)
			ev(ctx, OPCUA_EV_UNKNOWN_SERVICE);
		return false;
	}
	tx->has_service = true;
	tx->service_id = id.num;
	tx->service_idx = (int16_t)idx;
	tx->response = resp;
	if (resp) {
		parse_response(&c, tx, &bad);
		if (tx->has_seq)
			tx->request_idx = (int16_t)pend_take(s, tx->request_id);
	} else {
		parse_request(&c, tx, &bad);
		if (tx->has_seq)
			pend_add(s, ctx, tx->request_id, idx);
	}
	if (bad)
		ev(ctx, OPCUA_EV_MALFORMED_NODEID);
	else if (!cur_ok(&c))
		ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
	return true;
}

/* ---- messages --------------------------------------------------------------- */

static void check_seq(struct opcua_state *s, struct app_ctx *ctx, uint8_t dir, uint32_t seq)
{
	int d = dir & 1;
	if (s->seq_known[d]) {
		uint32_t want = s->last_seq[d] + 1;
		bool wrap = s->last_seq[d] > 4294966271u && seq < 1024;
		if (seq != want && !wrap)
			ev(ctx, OPCUA_EV_SEQUENCE_NOT_INCREASING);
	}
	s->last_seq[d] = seq;
	s->seq_known[d] = true;
}

static void check_channel(struct opcua_state *s, struct app_ctx *ctx, uint32_t id)
{
	if (s->channel_known && id != s->channel_id)
		ev(ctx, OPCUA_EV_CHANNEL_ID_MISMATCH);
}

static void parse_hel_ack(struct opcua_state *s, struct app_ctx *ctx, struct cursor *c,
			  struct opcua_tx *tx)
{
	bool hel = tx->msg_type == OPCUA_MT_HEL;
	tx->version = cur_le32(c);
	tx->rbs = cur_le32(c);
	tx->sbs = cur_le32(c);
	tx->max_msg = cur_le32(c);
	tx->max_chunks = cur_le32(c);
	bool bad = !cur_ok(c) || tx->rbs < OPCUA_MIN_BUFFER || tx->sbs < OPCUA_MIN_BUFFER;
	if (hel) {
		int32_t l = (int32_t)cur_le32(c);
		if (!cur_ok(c) || l > OPCUA_MAX_URL || l < -1 || (l > 0 && (size_t)l > cur_left(c))) {
			bad = true;
		} else if (l > 0) {
			copy_text(tx->endpoint, sizeof(tx->endpoint), c->p, (size_t)l);
			cur_skip(c, (size_t)l);
		}
		if (!bad) {
			s->hel_seen = true;
			s->hel_rbs = tx->rbs;
			s->hel_sbs = tx->sbs;
		}
	} else if (!bad && s->hel_seen && (tx->rbs > s->hel_sbs || tx->sbs > s->hel_rbs)) {
		bad = true;
	}
	if (bad)
		ev(ctx, hel ? OPCUA_EV_INVALID_HELLO : OPCUA_EV_INVALID_ACKNOWLEDGE);
}

static void emit(struct app_ctx *ctx, uint8_t dir, const struct opcua_tx *tx)
{
	bool resp = tx->response || tx->msg_type == OPCUA_MT_ACK || tx->msg_type == OPCUA_MT_ERR;
	struct app_tx t = { &proto_opcua, dir, resp, tx };
	app_emit_tx(ctx, &t);
}

static int o_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct opcua_state *s = state;
	struct cursor c = cur_make(pdu, len);
	struct opcua_tx txs;
	struct opcua_tx *tx = &txs;
	memset(tx, 0, sizeof(*tx));
	tx->service_idx = -1;
	tx->request_idx = -1;
	tx->n_items = -1;
	if (len < 8) {
		ev(ctx, OPCUA_EV_INVALID_MESSAGE_SIZE);
		return -1;
	}
	tx->msg_type = msg_type(c.p);
	cur_skip(&c, 3);
	tx->chunk = (char)cur_u8(&c);
	tx->size = cur_le32(&c);
	if (!tx->msg_type) {
		ev(ctx, OPCUA_EV_UNKNOWN_MESSAGE_TYPE);
		return -1;
	}
	if (tx->chunk != 'F' && (tx->msg_type != OPCUA_MT_MSG || (tx->chunk != 'C' && tx->chunk != 'A'))) {
		ev(ctx, OPCUA_EV_BAD_CHUNK_TYPE);
		return -1;
	}
	switch (tx->msg_type) {
	case OPCUA_MT_HEL:
	case OPCUA_MT_ACK:
		parse_hel_ack(s, ctx, &c, tx);
		emit(ctx, dir, tx);
		return 0;
	case OPCUA_MT_ERR: {
		tx->has_error = true;
		tx->error = cur_le32(&c);
		size_t n;
		const uint8_t *r = rd_string(&c, &n);
		copy_text(tx->reason, sizeof(tx->reason), r, n);
		if (!cur_ok(&c))
			ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
		emit(ctx, dir, tx);
		return 0;
	}
	case OPCUA_MT_RHE: {
		size_t n;
		const uint8_t *p = rd_string(&c, &n);
		copy_text(tx->server_uri, sizeof(tx->server_uri), p, n);
		p = rd_string(&c, &n);
		copy_text(tx->endpoint, sizeof(tx->endpoint), p, n);
		if (!cur_ok(&c))
			ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
		emit(ctx, dir, tx);
		return 0;
	}
	default:
		break;
	}

	tx->channel_id = cur_le32(&c);
	tx->has_channel = true;
	if (tx->msg_type == OPCUA_MT_OPN) {
		/* asymmetric security header (6.7.2.3) */
		size_t n;
		const uint8_t *uri = rd_string(&c, &n);
		skip_string(&c); /* sender certificate */
		skip_string(&c); /* receiver thumbprint */
		if (!cur_ok(&c)) {
			ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
			emit(ctx, dir, tx);
			return -1;
		}
		uint8_t pol = OPCUA_SP_OTHER;
		size_t pl = strlen(POLICY_PREFIX);
		if (n > pl && memcmp(uri, POLICY_PREFIX, pl) == 0)
			for (size_t i = 0; i < sizeof(policy_uris) / sizeof(policy_uris[0]); i++)
				if (n - pl == strlen(policy_uris[i].uri) &&
				    memcmp(uri + pl, policy_uris[i].uri, n - pl) == 0)
					pol = policy_uris[i].v;
		if (pol == OPCUA_SP_OTHER)
			ev(ctx, OPCUA_EV_UNKNOWN_SECURITY_POLICY);
		if (pol != s->policy) {
			s->policy = pol;
			s->mode = pol == OPCUA_SP_NONE ? OPCUA_MODE_NONE : 0;
		}
		if (dir == APP_TOSERVER && tx->channel_id != 0)
			check_channel(s, ctx, tx->channel_id);
		tx->policy = s->policy;
		tx->mode = s->mode;
		if (pol != OPCUA_SP_NONE) {
			tx->encrypted = true;
			s->seq_known[dir & 1] = false;
			emit(ctx, dir, tx);
			return 0;
		}
	} else {
		check_channel(s, ctx, tx->channel_id);
		tx->token_id = cur_le32(&c);
		tx->has_token = true;
		if (!cur_ok(&c)) {
			ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
			emit(ctx, dir, tx);
			return -1;
		}
		if (s->n_tokens) {
			bool known = false;
			for (unsigned i = 0; i < s->n_tokens; i++)
				known |= s->tokens[i] == tx->token_id;
			if (!known)
				ev(ctx, OPCUA_EV_UNKNOWN_TOKEN);
		}
		tx->policy = s->policy;
		tx->mode = s->mode;
		if (s->mode == OPCUA_MODE_SIGN_AND_ENCRYPT) {
			tx->encrypted = true;
			emit(ctx, dir, tx);
			return 0;
		}
	}
	/* sequence header (6.7.2.4) */
	uint32_t seq = cur_le32(&c);
	uint32_t rid = cur_le32(&c);
	if (!cur_ok(&c)) {
		ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
		emit(ctx, dir, tx);
		return -1;
	}
	bool guess = s->policy != OPCUA_SP_NONE && s->mode == 0; /* mode not known yet */
	const uint8_t *body = c.p;
	size_t n = cur_left(&c);
	if (guess) {
		struct opcua_tx probe_tx;
		memset(&probe_tx, 0, sizeof(probe_tx));
		struct cursor t = cur_make(body, n);
		struct opcua_nodeid id;
		bool bad = false, resp;
		rd_nodeid(&t, &id, false, &bad);
		if (bad || id.kind || id.ns || service_lookup(id.num, &resp) < 0) {
			s->mode = OPCUA_MODE_SIGN_AND_ENCRYPT;
			tx->mode = s->mode;
			tx->encrypted = true;
			emit(ctx, dir, tx);
			return 0;
		}
		s->mode = OPCUA_MODE_SIGN;
		tx->mode = s->mode;
	}
	tx->seq = seq;
	tx->request_id = rid;
	tx->has_seq = true;
	check_seq(s, ctx, dir, seq);
	/* signature padding of Sign mode stays in the body: the service decoder
	 * reads its fields and ignores trailing bytes */
	struct opcua_reasm *r = &s->r[dir & 1];
	if (tx->chunk == 'A') {
		r->active = false;
		struct cursor a = cur_make(body, n);
		tx->has_error = true;
		tx->error = cur_le32(&a);
		size_t rl;
		const uint8_t *rs = rd_string(&a, &rl);
		copy_text(tx->reason, sizeof(tx->reason), rs, rl);
		pend_take(s, rid);
		emit(ctx, dir, tx);
		return 0;
	}
	if (tx->chunk == 'C' || r->active) {
		if (r->active && r->request_id != rid)
			r->active = false; /* a new message: the old one is abandoned */
		if (!r->buf) {
			r->buf = malloc(OPCUA_REASM_MAX);
			if (!r->buf)
				return -1;
		}
		if (!r->active) {
			r->len = 0;
			r->active = true;
			r->request_id = rid;
		}
		if ((size_t)r->len + n > OPCUA_REASM_MAX) {
			ev(ctx, OPCUA_EV_REASSEMBLY_OVERFLOW);
			r->active = false;
			emit(ctx, dir, tx);
			return -1;
		}
		memcpy(r->buf + r->len, body, n);
		r->len += (uint32_t)n;
		if (tx->chunk == 'C') {
			emit(ctx, dir, tx);
			return 0;
		}
		r->active = false;
		body = r->buf;
		n = r->len;
	}
	parse_body(s, ctx, body, n, tx, false);
	if (tx->has_opn && tx->response) {
		if (!s->channel_known || tx->request_type == 0) {
			s->channel_id = tx->opn_channel;
			s->channel_known = true;
		}
		if (s->n_tokens == 0 || s->tokens[0] != tx->opn_token) {
			s->tokens[1] = s->tokens[0];
			s->tokens[0] = tx->opn_token;
			s->n_tokens = s->n_tokens ? 2 : 1;
		}
	} else if (tx->has_opn && s->policy == OPCUA_SP_NONE) {
		s->mode = tx->opn_mode;
		tx->mode = s->mode;
	}
	emit(ctx, dir, tx);
	return 0;
}

static void o_gap(void *state, uint8_t dir)
{
	struct opcua_state *s = state;
	s->r[dir & 1].active = false;
	s->seq_known[dir & 1] = false;
}

static void *o_new(const struct app_flow_info *fi)
{
	(void)fi;
	return calloc(1, sizeof(struct opcua_state));
}

static void o_free(void *p)
{
	struct opcua_state *s = p;
	if (!s)
		return;
	free(s->r[0].buf);
	free(s->r[1].buf);
	free(s);
}

/* ---- EVE -------------------------------------------------------------------- */

static void log_nodeid(struct jb *jb, const char *key, const struct opcua_nodeid *id)
{
	char b[64];
	static const char kc[] = { 'i', 's', 'g', 'b' };
	if (id->kind == 0)
		snprintf(b, sizeof(b), "ns=%u;i=%u", id->ns, id->num);
	else
		snprintf(b, sizeof(b), "ns=%u;%c=%s", id->ns, kc[id->kind & 3], id->str);
	jb_set_str(jb, key, b);
}

static void o_log(const struct app_tx *t, struct jb *jb)
{
	const struct opcua_tx *tx = t->data;
	jb_set_ascii(jb, "msg_type", NAME_OF(msg_type_names, tx->msg_type));
	jb_set_ascii(jb, "chunk", tx->chunk == 'F' ? "final" : tx->chunk == 'C' ? "intermediate" : "abort");
	jb_set_uint(jb, "size", tx->size);
	if (tx->msg_type == OPCUA_MT_HEL || tx->msg_type == OPCUA_MT_ACK) {
		jb_set_uint(jb, "version", tx->version);
		jb_set_uint(jb, "receive_buffer_size", tx->rbs);
		jb_set_uint(jb, "send_buffer_size", tx->sbs);
		jb_set_uint(jb, "max_message_size", tx->max_msg);
		jb_set_uint(jb, "max_chunk_count", tx->max_chunks);
	}
	if (tx->server_uri[0])
		jb_set_str(jb, "server_uri", tx->server_uri);
	if (tx->endpoint[0])
		jb_set_str(jb, "endpoint_url", tx->endpoint);
	if (tx->has_channel)
		jb_set_uint(jb, "secure_channel_id", tx->channel_id);
	if (tx->has_token)
		jb_set_uint(jb, "token_id", tx->token_id);
	if (tx->policy)
		jb_set_ascii(jb, "security_policy", NAME_OF(policy_names, tx->policy));
	if (tx->mode)
		jb_set_ascii(jb, "security_mode", NAME_OF(mode_names, tx->mode));
	if (tx->encrypted)
		jb_set_bool(jb, "encrypted", true);
	if (tx->has_seq) {
		jb_set_uint(jb, "sequence_number", tx->seq);
		jb_set_uint(jb, "request_id", tx->request_id);
	}
	if (tx->has_service) {
		jb_set_ascii(jb, "service", services[tx->service_idx].name);
		jb_set_uint(jb, "service_id", tx->service_id);
		jb_set_ascii(jb, "kind", tx->response ? "response" : "request");
	}
	if (tx->request_idx >= 0)
		jb_set_ascii(jb, "request_service", services[tx->request_idx].name);
	if (tx->has_handle)
		jb_set_uint(jb, "request_handle", tx->request_handle);
	if (tx->has_status) {
		jb_set_uint(jb, "status", tx->status);
		const char *sn = status_name(tx->status);
		if (sn)
			jb_set_ascii(jb, "status_name", sn);
	}
	if (tx->has_opn) {
		jb_open_object(jb, "open_secure_channel");
		if (tx->response) {
			jb_set_uint(jb, "channel_id", tx->opn_channel);
			jb_set_uint(jb, "token_id", tx->opn_token);
			jb_set_uint(jb, "revised_lifetime", tx->lifetime);
		} else {
			jb_set_ascii(jb, "request_type", tx->request_type ? "renew" : "issue");
			jb_set_ascii(jb, "security_mode", NAME_OF(mode_names, tx->opn_mode));
			jb_set_uint(jb, "requested_lifetime", tx->lifetime);
		}
		jb_close(jb);
	}
	if (tx->identity) {
		jb_set_ascii(jb, "identity_token", NAME_OF(identity_names, tx->identity));
		if (tx->user[0])
			jb_set_str(jb, "user", tx->user);
	}
	if (tx->n_items >= 0) {
		jb_set_uint(jb, "items", (uint64_t)tx->n_items);
		bool call = tx->service_idx >= 0 && strcmp(services[tx->service_idx].name, "call") == 0;
		if (tx->n_nodes && call) {
			jb_open_array(jb, "methods");
			for (unsigned i = 0; i + 1 < tx->n_nodes; i += 2) {
				jb_open_object(jb, NULL);
				log_nodeid(jb, "object_id", &tx->nodes[i]);
				log_nodeid(jb, "method_id", &tx->nodes[i + 1]);
				jb_close(jb);
			}
			jb_close(jb);
		} else if (tx->n_nodes) {
			jb_open_array(jb, "node_ids");
			for (unsigned i = 0; i < tx->n_nodes; i++) {
				char b[64];
				const struct opcua_nodeid *id = &tx->nodes[i];
				static const char kc[] = { 'i', 's', 'g', 'b' };
				if (id->kind == 0)
					snprintf(b, sizeof(b), "ns=%u;i=%u", id->ns, id->num);
				else
					snprintf(b, sizeof(b), "ns=%u;%c=%s", id->ns, kc[id->kind & 3], id->str);
				jb_set_str(jb, NULL, b);
			}
			jb_close(jb);
		}
	}
	if (tx->has_error) {
		jb_open_object(jb, "error");
		jb_set_uint(jb, "code", tx->error);
		const char *sn = status_name(tx->error);
		if (sn)
			jb_set_ascii(jb, "name", sn);
		if (tx->reason[0])
			jb_set_str(jb, "reason", tx->reason);
		jb_close(jb);
	}
}

/* tx_function: the service's index in services[] (request and response alike) */
static int o_tx_function(const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	return tx->has_service ? tx->service_idx : -1;
}

/* ---- keywords --------------------------------------------------------------- */

static int mk(const char *arg, void **data, uint64_t max, const struct du_name *n, size_t nn,
	      const char *kw, char *err, size_t errlen)
{
	if (!arg || !*arg) {
		snprintf(err, errlen, "%s: needs a value", kw);
		return -1;
	}
	struct du_match *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char e[200] = "";
	if (du_parse(arg, max, n, nn, m, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "%s: %s", kw, e);
		free(m);
		return -1;
	}
	*data = m;
	return 0;
}
#define MK(a, d, max, tab, kw, e, l) mk(a, d, max, tab, sizeof(tab) / sizeof(tab[0]), kw, e, l)

static int service_setup(const char *a, void **d, char *e, size_t l)
{
	if (MK(a, d, 0xffffffff, service_names, "opcua.service", e, l) < 0)
		return -1;
	/* a response's id selects its service too */
	struct du_match *m = *d;
	int64_t v = du_single(m);
	bool resp;
	int idx = v >= 0 ? service_lookup((uint32_t)v, &resp) : -1;
	if (idx >= 0 && resp && services[idx].req)
		m->a = services[idx].req;
	return 0;
}

static bool service_match(const void *d, const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	if (!tx->has_service)
		return false;
	const struct opcua_service *sv = &services[tx->service_idx];
	return du_match(d, sv->req ? sv->req : sv->resp);
}

static bool service_set(const void *d, uint8_t *set)
{
	for (size_t i = 0; i < N_SERVICES; i++)
		if (du_match(d, services[i].req ? services[i].req : services[i].resp))
			set[i >> 3] |= (uint8_t)(1u << (i & 7));
	return true;
}

static int mt_setup(const char *a, void **d, char *e, size_t l)
{
	return MK(a, d, 7, msg_type_names, "opcua.msg_type", e, l);
}

static bool mt_match(const void *d, const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	return du_match(d, tx->msg_type);
}

static int policy_setup(const char *a, void **d, char *e, size_t l)
{
	return MK(a, d, OPCUA_SP_OTHER, policy_names, "opcua.security_policy", e, l);
}

static bool policy_match(const void *d, const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	return tx->policy && du_match(d, tx->policy);
}

static int mode_setup(const char *a, void **d, char *e, size_t l)
{
	return MK(a, d, 3, mode_names, "opcua.security_mode", e, l);
}

static bool mode_match(const void *d, const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	return tx->mode && du_match(d, tx->mode);
}

static int status_setup(const char *a, void **d, char *e, size_t l)
{
	return MK(a, d, 0xffffffff, status_names, "opcua.status", e, l);
}

static bool status_match(const void *d, const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	if (tx->has_status)
		return du_match(d, tx->status);
	return tx->has_error && du_match(d, tx->error);
}

static int identity_setup(const char *a, void **d, char *e, size_t l)
{
	return MK(a, d, OPCUA_ID_OTHER, identity_names, "opcua.identity_token", e, l);
}

static bool identity_match(const void *d, const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	return tx->identity && du_match(d, tx->identity);
}

static const struct app_keyword kws[] = {
	{ "opcua.service", service_setup, service_match, NULL, service_set, NULL },
	{ "opcua.msg_type", mt_setup, mt_match, NULL, NULL, NULL },
	{ "opcua.security_policy", policy_setup, policy_match, NULL, NULL, NULL },
	{ "opcua.security_mode", mode_setup, mode_match, NULL, NULL, NULL },
	{ "opcua.status", status_setup, status_match, NULL, NULL, NULL },
	{ "opcua.identity_token", identity_setup, identity_match, NULL, NULL, NULL },
};

static const uint16_t ports[] = { 4840, 0 };

const struct proto_parser proto_opcua = {
	.name = "opcua",
	.transport = APP_TCP,
	.tcp_ports = ports,
	.probe = o_probe,
	.pdu_len = o_pdu_len,
	.parse_pdu = o_parse,
	.gap = o_gap,
	.state_new = o_new,
	.state_free = o_free,
	.log_tx = o_log,
	.events = events,
	.n_events = OPCUA_EV__COUNT,
	.max_pdu = OPCUA_MAX_MSG,
	.state_size = sizeof(struct opcua_state),
	.keywords = kws,
	.n_keywords = sizeof(kws) / sizeof(kws[0]),
	.tx_function = o_tx_function,
};
