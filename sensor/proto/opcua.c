/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OPC UA binary over TCP (port 4840, any port by probe): the UA Connection
 * Protocol (OPC 10000-6, 7.1), UA Secure Conversation (6.7) and the
 * services of OPC 10000-4 in the binary encoding (6, 5.2). Integers are
 * little-endian; a String or ByteString is an Int32 length (-1 = null) and
 * its bytes.
 *
 *   header (7.1.2.2, 6.7.2.2): type:3 ("HEL" "ACK" "ERR" "RHE" "OPN" "MSG" "CLO")
 *                              chunk:1 ('F' final, 'C' intermediate, 'A' abort;
 *                              'F' on every type but MSG) size:4 (whole chunk)
 *   HEL (7.1.2.3): version:4 receive_buffer:4 send_buffer:4 max_message:4
 *                  max_chunks:4 endpoint_url:String        (size = 32 + URL)
 *   ACK (7.1.2.4): version:4 receive_buffer:4 send_buffer:4 max_message:4
 *                  max_chunks:4                            (size = 28)
 *   ERR (7.1.2.5): error:StatusCode reason:String
 *   RHE (7.1.2.6): server_uri:String endpoint_url:String
 *   OPN (6.7.2.3): channel_id:4 | policy_uri:String sender_certificate:ByteString
 *                  receiver_thumbprint:ByteString | seq:4 request_id:4 | body
 *   MSG, CLO:      channel_id:4 | token_id:4 | seq:4 request_id:4 | body
 *   body:          the TypeId NodeId of the service's binary encoding (5.2.2.9;
 *                  ns=0 numeric, e.g. WriteRequest 673), then RequestHeader
 *                  (OPC 10000-4, 7.33) or ResponseHeader (7.34) and the service's
 *                  own fields; an aborted chunk's body is error:StatusCode
 *                  reason:String (6.7.3).
 *
 * Security: with the policy #None (OPN in clear) everything is decoded. With
 * any other policy OPN's sequence header and body are encrypted
 * (asymmetrically, even in Sign mode: 6.7.2.3), and the channel's
 * MessageSecurityMode is only inside them. MSG/CLO bodies are then in
 * clear in Sign mode and encrypted in SignAndEncrypt mode: the mode is
 * inferred from the channel's first MSG (its body decodes as a known
 * service: sign; otherwise sign_and_encrypt) and an encrypted chunk is
 * logged with what its header shows and "encrypted": true.
 *
 * Chunks: the service is decoded from the first chunk of a message; the
 * chunks of one message follow each other in a direction (6.7.2.4), so
 * each direction counts the chunks and body bytes of its message in
 * progress (against the MaxChunkCount and MaxMessageSize of HEL/ACK).
 * Nothing is reassembled. Responses are matched to requests by request id
 * in a table of 16 per flow.
 *
 * Events (app-layer-event:opcua.<name>):
 *   opcua.unknown_message_type    a header whose type is none of the seven
 *   opcua.bad_chunk_type          chunk byte not F/C/A, or C/A on another type than MSG
 *   opcua.invalid_message_size    size below the header of its type, above 64 KiB and
 *                                 the negotiated buffer, or above the receiver's
 *                                 buffer size of HEL/ACK (7.1.2.2)
 *   opcua.invalid_hello           HEL truncated or with trailing bytes, a buffer size
 *                                 below 1024, an endpoint URL of 4096 bytes or more
 *   opcua.invalid_acknowledge     ACK truncated or with trailing bytes, buffer sizes
 *                                 below the minimum or above what HEL offered, a
 *                                 version above HEL's
 *   opcua.channel_id_mismatch     a secure channel id other than the server assigned
 *   opcua.unknown_token           MSG/CLO with a token id the server never issued
 *   opcua.sequence_not_increasing sequence number not the previous + 1 (the wrap
 *                                 after 4294966271 allowed)
 *   opcua.chunks_interleaved      a chunk of another request id while a message's
 *                                 chunks are still arriving in that direction
 *   opcua.too_many_chunks         more chunks in a message than MaxChunkCount
 *   opcua.message_too_large       body bytes of a message above MaxMessageSize
 *   opcua.malformed_nodeid        a NodeId with an encoding the spec does not define
 *   opcua.malformed_message       a truncated message, a bad String/array length,
 *                                 nesting too deep, a URI or reason over 4096 bytes
 *   opcua.unknown_security_policy a security policy URI not in the table
 *   opcua.invalid_security_mode   OpenSecureChannel with a mode outside 1-3, a request
 *                                 type outside issue/renew, or a mode other than None
 *                                 on the #None policy
 *   opcua.unknown_service         a TypeId that is not a service request or response
 *   opcua.too_many_requests       the pending-request table is full: one is dropped
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/uint.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/asset.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/opcua.h"

extern const struct proto_parser proto_opcua;

#define OPCUA_MAX_PDU 65536   /* largest chunk the core buffers for us */
#define OPCUA_MIN_BUFFER 1024 /* HEL/ACK buffer sizes: 1024 (ECC), 8192 otherwise */
#define OPCUA_RSA_BUFFER 8192
#define OPCUA_MAX_URL 4096    /* EndpointUrl, ServerUri, Reason: less than 4096 bytes */
#define OPCUA_MAX_POLICY 255  /* SecurityPolicyUri: at most 255 bytes (6.7.2.3) */
#define OPCUA_ID_TEXT 160     /* bytes of one string/opaque identifier or URI rendered */
#define OPCUA_LOG_STR 256     /* bytes of a string written to a record */
#define PENDING 16
#define MAX_DEPTH 8           /* Variant / DiagnosticInfo nesting */
#define SEQ_WRAP 4294966271u  /* UInt32.MaxValue - 1024 (6.7.2.4) */

static const char *const events[OPCUA_EV__COUNT] = {
	[OPCUA_EV_UNKNOWN_MESSAGE_TYPE] = "opcua.unknown_message_type",
	[OPCUA_EV_BAD_CHUNK_TYPE] = "opcua.bad_chunk_type",
	[OPCUA_EV_INVALID_MESSAGE_SIZE] = "opcua.invalid_message_size",
	[OPCUA_EV_INVALID_HELLO] = "opcua.invalid_hello",
	[OPCUA_EV_INVALID_ACKNOWLEDGE] = "opcua.invalid_acknowledge",
	[OPCUA_EV_CHANNEL_ID_MISMATCH] = "opcua.channel_id_mismatch",
	[OPCUA_EV_UNKNOWN_TOKEN] = "opcua.unknown_token",
	[OPCUA_EV_SEQUENCE_NOT_INCREASING] = "opcua.sequence_not_increasing",
	[OPCUA_EV_CHUNKS_INTERLEAVED] = "opcua.chunks_interleaved",
	[OPCUA_EV_TOO_MANY_CHUNKS] = "opcua.too_many_chunks",
	[OPCUA_EV_MESSAGE_TOO_LARGE] = "opcua.message_too_large",
	[OPCUA_EV_MALFORMED_NODEID] = "opcua.malformed_nodeid",
	[OPCUA_EV_MALFORMED_MESSAGE] = "opcua.malformed_message",
	[OPCUA_EV_UNKNOWN_SECURITY_POLICY] = "opcua.unknown_security_policy",
	[OPCUA_EV_INVALID_SECURITY_MODE] = "opcua.invalid_security_mode",
	[OPCUA_EV_UNKNOWN_SERVICE] = "opcua.unknown_service",
	[OPCUA_EV_TOO_MANY_REQUESTS] = "opcua.too_many_requests",
};

/* The message whose chunks are arriving in one direction. */
struct opcua_msg {
	uint32_t request_id;
	uint32_t bytes;      /* body bytes so far (saturating) */
	uint16_t chunks;     /* chunks so far (saturating) */
	int8_t svc;          /* service of its first chunk, -1 */
	bool active;
	bool response;
	bool over_chunks, over_size; /* their event already raised */
};

/* What HEL/ACK allow the chunks travelling in one direction; 0 = no limit
 * (or not seen). */
struct opcua_limits {
	uint32_t chunk;  /* MessageSize of one chunk */
	uint32_t msg;    /* body bytes of a message */
	uint32_t chunks; /* chunks of a message */
};

enum { BODY_UNKNOWN, BODY_PLAIN, BODY_CIPHER };

struct opcua_state {
	struct opcua_msg msg[2];
	struct opcua_limits lim[2];
	uint32_t last_seq[2];
	uint32_t channel_id;
	uint32_t tokens[2];      /* current and previous (renew) */
	uint32_t hel_version;
	uint32_t pend_rid[PENDING];
	int8_t pend_svc[PENDING]; /* -1: free */
	uint8_t pend_next;
	uint8_t n_tokens;
	uint8_t policy, mode;    /* enum opcua_policy / opcua_mode, 0 not known */
	uint8_t body;            /* BODY_*: are MSG bodies readable */
	uint8_t client_dir;      /* direction of the UA client's chunks */
	bool seq_known[2];
	bool channel_known;
	bool hel_seen;
};

static void ev(struct app_ctx *ctx, uint16_t e)
{
	app_emit_event(ctx, &proto_opcua, e);
}

/* ---- the spec as data ------------------------------------------------------- */

/* How much of a request's body is decoded (after the RequestHeader). */
enum body_kind { B_NONE, B_OPN, B_CREATE_SESSION, B_ACTIVATE, B_ENDPOINT_URL, B_READ, B_WRITE,
		 B_CALL, B_BROWSE, B_BROWSE_NEXT, B_NODE_LIST, B_ADD_NODES, B_DELETE_NODES,
		 B_ADD_REFS, B_DELETE_REFS, B_COUNT };

/* Services (OPC 10000-4, 5): the ns=0 numeric ids of the DefaultBinary
 * encodings of request and response (NodeIds.csv). The index is
 * tx_function(); ServiceFault answers any request. */
static const struct opcua_service {
	const char *name;
	uint32_t req, resp;
	uint8_t body;
	bool no_response; /* CloseSecureChannel: the server closes, never answers */
} services[] = {
	{ "find_servers", 422, 425, B_ENDPOINT_URL, false },
	{ "find_servers_on_network", 12208, 12209, B_NONE, false },
	{ "get_endpoints", 428, 431, B_ENDPOINT_URL, false },
	{ "register_server", 437, 440, B_NONE, false },
	{ "register_server2", 12211, 12212, B_NONE, false },
	{ "open_secure_channel", 446, 449, B_OPN, false },
	{ "close_secure_channel", 452, 455, B_NONE, true },
	{ "create_session", 461, 464, B_CREATE_SESSION, false },
	{ "activate_session", 467, 470, B_ACTIVATE, false },
	{ "close_session", 473, 476, B_NONE, false },
	{ "cancel", 479, 482, B_NONE, false },
	{ "add_nodes", 488, 491, B_ADD_NODES, false },
	{ "add_references", 494, 497, B_ADD_REFS, false },
	{ "delete_nodes", 500, 503, B_DELETE_NODES, false },
	{ "delete_references", 506, 509, B_DELETE_REFS, false },
	{ "browse", 527, 530, B_BROWSE, false },
	{ "browse_next", 533, 536, B_BROWSE_NEXT, false },
	{ "translate_browse_paths", 554, 557, B_COUNT, false },
	{ "register_nodes", 560, 563, B_NODE_LIST, false },
	{ "unregister_nodes", 566, 569, B_NODE_LIST, false },
	{ "query_first", 615, 618, B_NONE, false },
	{ "query_next", 621, 624, B_NONE, false },
	{ "read", 631, 634, B_READ, false },
	{ "history_read", 664, 667, B_NONE, false },
	{ "write", 673, 676, B_WRITE, false },
	{ "history_update", 700, 703, B_COUNT, false },
	{ "call", 712, 715, B_CALL, false },
	{ "create_monitored_items", 751, 754, B_NONE, false },
	{ "modify_monitored_items", 763, 766, B_NONE, false },
	{ "set_monitoring_mode", 769, 772, B_NONE, false },
	{ "set_triggering", 775, 778, B_NONE, false },
	{ "delete_monitored_items", 781, 784, B_NONE, false },
	{ "create_subscription", 787, 790, B_NONE, false },
	{ "modify_subscription", 793, 796, B_NONE, false },
	{ "set_publishing_mode", 799, 802, B_NONE, false },
	{ "publish", 826, 829, B_NONE, false },
	{ "republish", 832, 835, B_NONE, false },
	{ "transfer_subscriptions", 841, 844, B_NONE, false },
	{ "delete_subscriptions", 847, 850, B_COUNT, false },
	{ "service_fault", 0, 397, B_NONE, false },
};
#define N_SERVICES (sizeof(services) / sizeof(services[0]))

/* The id a rule names a service by: the request's (ServiceFault: its own). */
static uint32_t service_key(const struct opcua_service *sv)
{
	return sv->req ? sv->req : sv->resp;
}

/* index, and whether id is the response's; -1 when id is no service */
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

/* JSON keys of the items of each body kind */
static const struct item_keys {
	const char *array, *a, *b;
} item_keys[] = {
	[B_READ] = { "nodes", "node_id", NULL },
	[B_WRITE] = { "nodes", "node_id", NULL },
	[B_BROWSE] = { "nodes", "node_id", NULL },
	[B_NODE_LIST] = { "nodes", "node_id", NULL },
	[B_DELETE_NODES] = { "nodes", "node_id", NULL },
	[B_CALL] = { "methods", "object_id", "method_id" },
	[B_ADD_NODES] = { "nodes", "parent_node_id", "requested_node_id" },
	[B_ADD_REFS] = { "references", "source_node_id", "target_node_id" },
	[B_DELETE_REFS] = { "references", "source_node_id", "target_node_id" },
};

static const char *const mt_wire[] = { "", "HEL", "ACK", "ERR", "RHE", "OPN", "MSG", "CLO" };

static const struct du_name msg_type_names[] = {
	{ "hel", OPCUA_MT_HEL }, { "ack", OPCUA_MT_ACK }, { "err", OPCUA_MT_ERR },
	{ "rhe", OPCUA_MT_RHE }, { "opn", OPCUA_MT_OPN }, { "msg", OPCUA_MT_MSG },
	{ "clo", OPCUA_MT_CLO },
};

#define POLICY_PREFIX "http://opcfoundation.org/UA/SecurityPolicy#"

/* Security policies (OPC 10000-7): the URIs, by their part after '#' */
static const struct {
	const char *name;
	uint8_t v;
} policies[] = {
	{ "None", OPCUA_SP_NONE },
	{ "Basic128Rsa15", OPCUA_SP_BASIC128RSA15 },
	{ "Basic256", OPCUA_SP_BASIC256 },
	{ "Basic256Sha256", OPCUA_SP_BASIC256SHA256 },
	{ "Aes128_Sha256_RsaOaep", OPCUA_SP_AES128_SHA256_RSAOAEP },
	{ "Aes256_Sha256_RsaPss", OPCUA_SP_AES256_SHA256_RSAPSS },
	{ "ECC_nistP256", OPCUA_SP_ECC_NISTP256 },
	{ "ECC_nistP384", OPCUA_SP_ECC_NISTP384 },
	{ "ECC_brainpoolP256r1", OPCUA_SP_ECC_BRAINPOOLP256R1 },
	{ "ECC_brainpoolP384r1", OPCUA_SP_ECC_BRAINPOOLP384R1 },
	{ "ECC_curve25519", OPCUA_SP_ECC_CURVE25519 },
	{ "ECC_curve448", OPCUA_SP_ECC_CURVE448 },
};
#define N_POLICIES (sizeof(policies) / sizeof(policies[0]))
/* the full URIs, for opcua.security_policy on MSG/CLO (built at start) */
static char policy_uri[N_POLICIES][sizeof(POLICY_PREFIX) + 24];

static const struct du_name mode_names[] = {
	{ "none", OPCUA_MODE_NONE }, { "sign", OPCUA_MODE_SIGN },
	{ "sign_and_encrypt", OPCUA_MODE_SIGN_AND_ENCRYPT },
};

static const struct du_name identity_names[] = {
	{ "anonymous", OPCUA_ID_ANONYMOUS }, { "username", OPCUA_ID_USERNAME },
	{ "x509", OPCUA_ID_X509 },           { "issued", OPCUA_ID_ISSUED },
	{ "other", OPCUA_ID_OTHER },
};

/* UserIdentityToken encodings (NodeIds.csv: *IdentityToken_Encoding_DefaultBinary) */
static const struct {
	uint32_t id;
	uint8_t kind;
} identity_ids[] = {
	{ 321, OPCUA_ID_ANONYMOUS }, { 324, OPCUA_ID_USERNAME }, { 327, OPCUA_ID_X509 },
	{ 940, OPCUA_ID_ISSUED },
};

/* AttributeIds (OPC 10000-6, A.1) */
static const struct du_name attribute_names[] = {
	{ "node_id", 1 }, { "node_class", 2 }, { "browse_name", 3 }, { "display_name", 4 },
	{ "description", 5 }, { "write_mask", 6 }, { "user_write_mask", 7 }, { "is_abstract", 8 },
	{ "symmetric", 9 }, { "inverse_name", 10 }, { "contains_no_loops", 11 },
	{ "event_notifier", 12 }, { "value", 13 }, { "data_type", 14 }, { "value_rank", 15 },
	{ "array_dimensions", 16 }, { "access_level", 17 }, { "user_access_level", 18 },
	{ "minimum_sampling_interval", 19 }, { "historizing", 20 }, { "executable", 21 },
	{ "user_executable", 22 }, { "data_type_definition", 23 }, { "role_permissions", 24 },
	{ "user_role_permissions", 25 }, { "access_restrictions", 26 }, { "access_level_ex", 27 },
};

/* StatusCodes (OPC 10000-6, A.2, StatusCode.csv), the common ones, named as
 * OPC 10000-4 writes them; the keyword also takes the CSV's BadXxx form. */
static const struct du_name status_names[] = {
	{ "Good", 0x00000000 },
	{ "Uncertain", 0x40000000 },
	{ "Bad", 0x80000000 },
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
	{ "Bad_DataTypeIdUnknown", 0x80110000 },
	{ "Bad_CertificateInvalid", 0x80120000 },
	{ "Bad_SecurityChecksFailed", 0x80130000 },
	{ "Bad_CertificateTimeInvalid", 0x80140000 },
	{ "Bad_CertificateHostNameInvalid", 0x80160000 },
	{ "Bad_CertificateUriInvalid", 0x80170000 },
	{ "Bad_CertificateUseNotAllowed", 0x80180000 },
	{ "Bad_CertificateUntrusted", 0x801a0000 },
	{ "Bad_CertificateRevocationUnknown", 0x801b0000 },
	{ "Bad_CertificateRevoked", 0x801d0000 },
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
	{ "Bad_IndexRangeNoData", 0x80370000 },
	{ "Bad_DataEncodingInvalid", 0x80380000 },
	{ "Bad_DataEncodingUnsupported", 0x80390000 },
	{ "Bad_NotReadable", 0x803a0000 },
	{ "Bad_NotWritable", 0x803b0000 },
	{ "Bad_OutOfRange", 0x803c0000 },
	{ "Bad_NotSupported", 0x803d0000 },
	{ "Bad_NotFound", 0x803e0000 },
	{ "Bad_ObjectDeleted", 0x803f0000 },
	{ "Bad_NotImplemented", 0x80400000 },
	{ "Bad_ContinuationPointInvalid", 0x804a0000 },
	{ "Bad_NoContinuationPoints", 0x804b0000 },
	{ "Bad_RequestTypeInvalid", 0x80530000 },
	{ "Bad_SecurityModeRejected", 0x80540000 },
	{ "Bad_SecurityPolicyRejected", 0x80550000 },
	{ "Bad_TooManySessions", 0x80560000 },
	{ "Bad_UserSignatureInvalid", 0x80570000 },
	{ "Bad_ApplicationSignatureInvalid", 0x80580000 },
	{ "Bad_NoValidCertificates", 0x80590000 },
	{ "Bad_ParentNodeIdInvalid", 0x805b0000 },
	{ "Bad_ReferenceNotAllowed", 0x805c0000 },
	{ "Bad_NodeIdRejected", 0x805d0000 },
	{ "Bad_NodeIdExists", 0x805e0000 },
	{ "Bad_NodeClassInvalid", 0x805f0000 },
	{ "Bad_BrowseNameInvalid", 0x80600000 },
	{ "Bad_SourceNodeIdInvalid", 0x80640000 },
	{ "Bad_TargetNodeIdInvalid", 0x80650000 },
	{ "Bad_NoDeleteRights", 0x80690000 },
	{ "Bad_WriteNotSupported", 0x80730000 },
	{ "Bad_TypeMismatch", 0x80740000 },
	{ "Bad_MethodInvalid", 0x80750000 },
	{ "Bad_ArgumentsMissing", 0x80760000 },
	{ "Bad_TooManySubscriptions", 0x80770000 },
	{ "Bad_TooManyPublishRequests", 0x80780000 },
	{ "Bad_NoSubscription", 0x80790000 },
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
	{ "Bad_InvalidArgument", 0x80ab0000 },
	{ "Bad_ConnectionRejected", 0x80ac0000 },
	{ "Bad_MaxConnectionsReached", 0x80b70000 },
	{ "Bad_RequestTooLarge", 0x80b80000 },
	{ "Bad_ResponseTooLarge", 0x80b90000 },
	{ "Bad_ProtocolVersionUnsupported", 0x80be0000 },
	{ "Bad_TooManyArguments", 0x80e50000 },
	{ "Bad_SecurityModeInsufficient", 0x80e60000 },
	{ "Bad_ServerTooBusy", 0x80ee0000 },
	{ "Bad_NotExecutable", 0x81110000 },
};
#define N_STATUS (sizeof(status_names) / sizeof(status_names[0]))
/* the same names without the '_' (StatusCode.csv spelling), for keywords */
static char status_alt_text[N_STATUS][40];
static struct du_name status_all[2 * N_STATUS];
static struct du_name service_names[N_SERVICES];

__attribute__((constructor)) static void opcua_tables_init(void)
{
	for (size_t i = 0; i < N_STATUS; i++) {
		const char *s = status_names[i].name;
		size_t k = 0;
		for (; *s && k + 1 < sizeof(status_alt_text[i]); s++)
			if (*s != '_')
				status_alt_text[i][k++] = *s;
		status_alt_text[i][k] = 0;
		status_all[i] = status_names[i];
		status_all[N_STATUS + i].name = status_alt_text[i];
		status_all[N_STATUS + i].value = status_names[i].value;
	}
	for (size_t i = 0; i < N_SERVICES; i++) {
		service_names[i].name = services[i].name;
		service_names[i].value = service_key(&services[i]);
	}
	for (size_t i = 0; i < N_POLICIES; i++)
		snprintf(policy_uri[i], sizeof(policy_uri[i]), "%s%s", POLICY_PREFIX, policies[i].name);
}

static const char *name_of(const struct du_name *n, size_t nn, uint64_t v)
{
	for (size_t i = 0; i < nn; i++)
		if (n[i].value == v)
			return n[i].name;
	return NULL;
}
#define NAME_OF(tab, v) name_of(tab, sizeof(tab) / sizeof(tab[0]), v)

/* The name of a StatusCode by its code bits (the low 16 info bits aside). */
static const char *status_name(uint32_t s)
{
	return name_of(status_names, N_STATUS, s & 0xffff0000u);
}

static const char *policy_name(uint8_t v)
{
	for (size_t i = 0; i < N_POLICIES; i++)
		if (policies[i].v == v)
			return policies[i].name;
	return "unknown";
}

/* ---- built-in types (OPC 10000-6, 5.2.2) ------------------------------------- */

/* A decoder over one body. Reads fail closed (cursor.h). */
struct dec {
	struct cursor c;
	bool partial;    /* the first of several chunks: running out is expected */
	bool bad_nodeid; /* a NodeId encoding byte the spec does not define */
	bool bad;        /* a value the spec forbids (negative length, nesting too deep) */
};

static void d_bad(struct dec *d)
{
	d->bad = true;
	cur_fail(&d->c);
}

/* String / ByteString: *s gets its bytes (p NULL for null); a length below
 * -1 is bad, one beyond the data fails the cursor. */
static void rd_str(struct dec *d, struct opcua_str *s)
{
	int32_t l = (int32_t)cur_le32(&d->c);
	s->p = NULL;
	s->n = 0;
	if (!cur_ok(&d->c) || l == -1)
		return;
	if (l < -1) {
		d_bad(d);
		return;
	}
	const uint8_t *p = cur_ptr(&d->c, (size_t)l);
	if (p) {
		s->p = p;
		s->n = (uint32_t)l;
	}
}

static void skip_str(struct dec *d)
{
	struct opcua_str s;
	rd_str(d, &s);
}

/* A NodeId as read: numeric, or a String/Guid/ByteString identifier (its
 * bytes in the PDU), with the ExpandedNodeId's namespace URI and server. */
struct nid {
	uint8_t kind; /* 0 numeric, 1 string, 2 guid, 3 opaque */
	uint16_t ns;
	uint32_t num;
	struct opcua_str id;  /* string, opaque; guid: its 16 bytes */
	struct opcua_str nsu; /* ExpandedNodeId NamespaceUri */
	bool has_svr;
	uint32_t svr;
};

/* NodeId (5.2.2.9) or, expanded, ExpandedNodeId (5.2.2.10). */
static void rd_nodeid(struct dec *d, struct nid *id, bool expanded)
{
	memset(id, 0, sizeof(*id));
	uint8_t enc = cur_u8(&d->c);
	if (!cur_ok(&d->c))
		return;
	if (!expanded && (enc & 0xc0)) {
		d->bad_nodeid = true;
		cur_fail(&d->c);
		return;
	}
	switch (enc & 0x3f) {
	case 0: /* two-byte */
		id->num = cur_u8(&d->c);
		break;
	case 1: /* four-byte */
		id->ns = cur_u8(&d->c);
		id->num = cur_le16(&d->c);
		break;
	case 2:
		id->ns = cur_le16(&d->c);
		id->num = cur_le32(&d->c);
		break;
	case 3:
	case 5:
		id->kind = (enc & 0x3f) == 3 ? 1 : 3;
		id->ns = cur_le16(&d->c);
		rd_str(d, &id->id);
		break;
	case 4:
		id->kind = 2;
		id->ns = cur_le16(&d->c);
		id->id.p = cur_ptr(&d->c, 16);
		id->id.n = id->id.p ? 16 : 0;
		break;
	default:
		d->bad_nodeid = true;
		cur_fail(&d->c);
		return;
	}
	if (enc & 0x80)
		rd_str(d, &id->nsu);
	if (enc & 0x40) {
		id->has_svr = true;
		id->svr = cur_le32(&d->c);
	}
}

static void skip_nodeid(struct dec *d, bool expanded)
{
	struct nid id;
	rd_nodeid(d, &id, expanded);
}

/* array length: null (-1) is 0; below -1 is bad; more items than the bytes
 * left can hold (each at least min_item) is bad unless more chunks follow */
static int32_t rd_count(struct dec *d, size_t min_item)
{
	int32_t n = (int32_t)cur_le32(&d->c);
	if (!cur_ok(&d->c) || n == -1)
		return 0;
	if (n < -1) {
		d_bad(d);
		return 0;
	}
	if (!d->partial && (size_t)n > cur_left(&d->c) / min_item) {
		d_bad(d);
		return 0;
	}
	return n;
}

static void skip_diag(struct dec *d, int depth)
{
	if (depth > MAX_DEPTH) {
		d_bad(d);
		return;
	}
	uint8_t m = cur_u8(&d->c);
	/* SymbolicId, NamespaceUri, Locale, LocalizedText: Int32 each */
	cur_skip(&d->c, 4u * (unsigned)(!!(m & 0x01) + !!(m & 0x02) + !!(m & 0x08) + !!(m & 0x04)));
	if (m & 0x10)
		skip_str(d); /* AdditionalInfo */
	if (m & 0x20)
		cur_skip(&d->c, 4); /* InnerStatusCode */
	if (m & 0x40)
		skip_diag(d, depth + 1);
}

static void skip_extobj(struct dec *d)
{
	skip_nodeid(d, false);
	uint8_t e = cur_u8(&d->c);
	if (e == 1 || e == 2)
		skip_str(d); /* ByteString or XmlElement body */
	else if (e != 0 && cur_ok(&d->c))
		d_bad(d);
}

static void skip_variant(struct dec *d, int depth);

static void skip_datavalue(struct dec *d, int depth)
{
	uint8_t m = cur_u8(&d->c);
	if (m & 0x01)
		skip_variant(d, depth + 1);
	if (m & 0x02)
		cur_skip(&d->c, 4); /* StatusCode */
	if (m & 0x04)
		cur_skip(&d->c, 8); /* SourceTimestamp */
	if (m & 0x10)
		cur_skip(&d->c, 2); /* SourcePicoseconds */
	if (m & 0x08)
		cur_skip(&d->c, 8); /* ServerTimestamp */
	if (m & 0x20)
		cur_skip(&d->c, 2); /* ServerPicoseconds */
}

/* one value of built-in type t (5.1.2, Table 1) */
static void skip_scalar(struct dec *d, uint8_t t, int depth)
{
	static const uint8_t fixed[26] = { [1] = 1, [2] = 1, [3] = 1, [4] = 2, [5] = 2, [6] = 4,
					   [7] = 4, [8] = 8, [9] = 8, [10] = 4, [11] = 8, [13] = 8,
					   [14] = 16, [19] = 4 };
	if (t < 26 && fixed[t]) {
		cur_skip(&d->c, fixed[t]);
		return;
	}
	switch (t) {
	case 12: case 15: case 16: /* String, ByteString, XmlElement */
		skip_str(d);
		break;
	case 17:
		skip_nodeid(d, false);
		break;
	case 18:
		skip_nodeid(d, true);
		break;
	case 20: /* QualifiedName */
		cur_skip(&d->c, 2);
		skip_str(d);
		break;
	case 21: { /* LocalizedText */
		uint8_t m = cur_u8(&d->c);
		if (m & 1)
			skip_str(d);
		if (m & 2)
			skip_str(d);
		break;
	}
	case 22:
		skip_extobj(d);
		break;
	case 23:
		skip_datavalue(d, depth);
		break;
	case 24:
		skip_variant(d, depth + 1);
		break;
	case 25:
		skip_diag(d, depth + 1);
		break;
	default: /* 26-31 are reserved: the rest cannot be read */
		d_bad(d);
	}
}

/* Variant (5.2.2.16). Every value takes at least one byte, so the loop over
 * an array ends with the data. */
static void skip_variant(struct dec *d, int depth)
{
	if (depth > MAX_DEPTH) {
		d_bad(d);
		return;
	}
	uint8_t m = cur_u8(&d->c);
	uint8_t t = m & 0x3f;
	if (!cur_ok(&d->c) || t == 0)
		return;
	if (!(m & 0x80)) {
		skip_scalar(d, t, depth);
		return;
	}
	int32_t n = rd_count(d, 1);
	for (int32_t i = 0; i < n && cur_ok(&d->c); i++)
		skip_scalar(d, t, depth);
	if (m & 0x40) {
		int32_t k = rd_count(d, 4);
		cur_skip(&d->c, (size_t)k * 4);
	}
}

static void skip_qname(struct dec *d)
{
	cur_skip(&d->c, 2);
	skip_str(d);
}

/* ---- node ids as text (OPC 10000-6, 5.3.1.10: "ns=2;s=Pump", "i=85") -------- */

struct text {
	char *b;
	size_t n, cap;
	bool full;
};

static void t_put(struct text *t, const void *p, size_t n)
{
	if (t->full || n > t->cap - t->n) {
		t->full = true;
		return;
	}
	memcpy(t->b + t->n, p, n);
	t->n += n;
}

static void t_fmt(struct text *t, const char *fmt, unsigned long v)
{
	char b[24];
	int k = snprintf(b, sizeof(b), fmt, v);
	t_put(t, b, (size_t)k);
}

/* at most OPCUA_ID_TEXT bytes of s, copied through a cursor */
static void t_bytes(struct text *t, const struct opcua_str *s)
{
	uint8_t b[OPCUA_ID_TEXT];
	size_t n = s->n < sizeof(b) ? s->n : sizeof(b);
	struct cursor c = cur_make(s->p, s->n);
	if (cur_bytes(&c, b, n))
		t_put(t, b, n);
}

static void t_base64(struct text *t, const struct opcua_str *s)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct cursor c = cur_make(s->p, s->n);
	size_t n = s->n < OPCUA_ID_TEXT * 3 / 4 ? s->n : OPCUA_ID_TEXT * 3 / 4;
	for (size_t i = 0; i < n; i += 3) {
		size_t k = n - i < 3 ? n - i : 3;
		uint32_t v = 0;
		for (size_t j = 0; j < 3; j++)
			v = v << 8 | (j < k ? cur_u8(&c) : 0u);
		char q[4] = { a[v >> 18], a[(v >> 12) & 63], k > 1 ? a[(v >> 6) & 63] : '=',
			      k > 2 ? a[v & 63] : '=' };
		t_put(t, q, 4);
	}
}

static void t_nodeid(struct text *t, const struct nid *id)
{
	if (id->has_svr)
		t_fmt(t, "svr=%lu;", id->svr);
	if (id->nsu.p) {
		t_put(t, "nsu=", 4);
		t_bytes(t, &id->nsu);
		t_put(t, ";", 1);
	} else if (id->ns) {
		t_fmt(t, "ns=%lu;", id->ns);
	}
	switch (id->kind) {
	case 0:
		t_fmt(t, "i=%lu", id->num);
		break;
	case 1:
		t_put(t, "s=", 2);
		t_bytes(t, &id->id);
		break;
	case 2: {
		struct cursor c = cur_make(id->id.p, id->id.n);
		uint32_t d1 = cur_le32(&c);
		uint16_t d2 = cur_le16(&c), d3 = cur_le16(&c);
		uint8_t d4[8] = { 0 };
		cur_bytes(&c, d4, 8);
		char b[48];
		int k = snprintf(b, sizeof(b), "g=%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
				 d1, d2, d3, d4[0], d4[1], d4[2], d4[3], d4[4], d4[5], d4[6], d4[7]);
		t_put(t, b, (size_t)k);
		break;
	}
	default:
		t_put(t, "b=", 2);
		t_base64(t, &id->id);
		break;
	}
}

/* Renders id into the tx's node text; false when it is full. */
static bool node_text(struct opcua_tx *tx, const struct nid *id, uint16_t *off, uint16_t *len)
{
	struct text t = { tx->node_text, tx->node_len, sizeof(tx->node_text), false };
	t_nodeid(&t, id);
	size_t end = t.n;
	t_put(&t, "\n", 1); /* separator in the sticky buffer */
	if (t.full)
		return false;
	*off = tx->node_len;
	*len = (uint16_t)(end - tx->node_len);
	tx->node_len = (uint16_t)t.n;
	return true;
}

/* An item with one or two node ids; dropped (still counted in n_items)
 * when the table or the text is full. */
static void add_item(struct opcua_tx *tx, const struct nid *a, const struct nid *b,
		     uint32_t attribute)
{
	if (tx->n_logged >= OPCUA_MAX_ITEMS)
		return;
	struct opcua_item *it = &tx->items[tx->n_logged];
	uint16_t keep = tx->node_len;
	memset(it, 0, sizeof(*it));
	if (!node_text(tx, a, &it->a_off, &it->a_len) ||
	    (b && !node_text(tx, b, &it->b_off, &it->b_len))) {
		tx->node_len = keep;
		return;
	}
	it->attribute = attribute;
	tx->n_logged++;
}

/* ---- per-flow pending requests ---------------------------------------------- */

static void pend_add(struct opcua_state *s, struct app_ctx *ctx, uint32_t rid, int svc)
{
	int slot = -1;
	for (int i = 0; i < PENDING && slot < 0; i++)
		if (s->pend_svc[i] >= 0 && s->pend_rid[i] == rid)
			slot = i; /* a request id used again: the newer request */
	for (int i = 0; i < PENDING && slot < 0; i++)
		if (s->pend_svc[i] < 0)
			slot = i;
	if (slot < 0) {
		ev(ctx, OPCUA_EV_TOO_MANY_REQUESTS);
		slot = s->pend_next;
		s->pend_next = (uint8_t)((s->pend_next + 1) % PENDING);
	}
	s->pend_rid[slot] = rid;
	s->pend_svc[slot] = (int8_t)svc;
}

static int pend_take(struct opcua_state *s, uint32_t rid)
{
	for (int i = 0; i < PENDING; i++)
		if (s->pend_svc[i] >= 0 && s->pend_rid[i] == rid) {
			int svc = s->pend_svc[i];
			s->pend_svc[i] = -1;
			return svc;
		}
	return -1;
}

/* ---- framing ---------------------------------------------------------------- */

/* The message type of the first k (<= 3) bytes at c: a type, 0 when no type
 * starts so, -1 when k < 3 and some type may. */
static int peek_type(const struct cursor *c, size_t k)
{
	uint8_t t[3];
	struct cursor p = *c;
	if (!cur_bytes(&p, t, k))
		return 0;
	for (int i = 1; i <= OPCUA_MT_CLO; i++)
		if (memcmp(t, mt_wire[i], k) == 0)
			return k < 3 ? -1 : i;
	return 0;
}

static bool chunk_ok(int mt, uint8_t ch)
{
	return ch == 'F' || (mt == OPCUA_MT_MSG && (ch == 'C' || ch == 'A'));
}

/* smallest MessageSize of each type: its header and fixed fields */
static uint32_t min_size(int mt)
{
	switch (mt) {
	case OPCUA_MT_HEL: return 32;
	case OPCUA_MT_ACK: return 28;
	case OPCUA_MT_ERR: return 16;
	case OPCUA_MT_RHE: return 16;
	case OPCUA_MT_OPN: return 32; /* channel, three Strings, sequence header */
	default: return 24;           /* channel, token, sequence header */
	}
}

/* Is a chunk of sz bytes in direction dir too large to be OPC UA: above
 * what we buffer and above what HEL/ACK negotiated (or none was seen). */
static bool too_large(const struct opcua_state *s, uint8_t dir, uint32_t sz)
{
	uint32_t lim = s ? s->lim[dir & 1].chunk : 0;
	return sz > OPCUA_MAX_PDU && (!lim || sz > lim);
}

static int o_probe(const uint8_t *b, size_t len, uint8_t dir)
{
	(void)dir;
	struct cursor c = cur_make(b, len);
	int mt = peek_type(&c, len < 3 ? len : 3);
	if (mt == 0)
		return APP_PROBE_NO;
	if (len < 8)
		return APP_PROBE_MORE;
	cur_skip(&c, 3);
	uint8_t ch = cur_u8(&c);
	uint32_t sz = cur_le32(&c);
	if (!chunk_ok(mt, ch) || sz < min_size(mt) || too_large(NULL, 0, sz))
		return APP_PROBE_NO;
	switch (mt) {
	case OPCUA_MT_HEL:
	case OPCUA_MT_ACK: {
		/* the structure identifies; bad values are events of the parser */
		if (len < 12)
			return APP_PROBE_MORE;
		if (cur_le32(&c) > 0xff) /* ProtocolVersion: 0 today */
			return APP_PROBE_NO;
		if (mt == OPCUA_MT_ACK)
			return sz == 28 ? APP_PROBE_YES : APP_PROBE_NO;
		if (len < 32)
			return APP_PROBE_MORE;
		cur_skip(&c, 16);
		int32_t l = (int32_t)cur_le32(&c);
		if (l == -1)
			return sz == 32 ? APP_PROBE_YES : APP_PROBE_NO;
		return l >= 0 && sz == 32u + (uint32_t)l ? APP_PROBE_YES
									: APP_PROBE_NO;
	}
	case OPCUA_MT_ERR: {
		if (len < 16)
			return APP_PROBE_MORE;
		cur_skip(&c, 4);
		int32_t l = (int32_t)cur_le32(&c);
		return (l == -1 && sz == 16) || (l >= 0 && sz == 16u + (uint32_t)l)
			       ? APP_PROBE_YES
			       : APP_PROBE_NO;
	}
	case OPCUA_MT_OPN: {
		if (len < 16)
			return APP_PROBE_MORE;
		cur_skip(&c, 4);
		int32_t l = (int32_t)cur_le32(&c);
		if (l < 1 || l > OPCUA_MAX_POLICY || 32u + (uint32_t)l > sz)
			return APP_PROBE_NO;
		/* a URI is printable ASCII: what of it is here must be */
		for (int32_t i = 0; i < l && cur_left(&c); i++) {
			uint8_t u = cur_u8(&c);
			if (u < 0x21 || u > 0x7e)
				return APP_PROBE_NO;
		}
		return APP_PROBE_YES;
	}
	default: /* RHE, MSG, CLO: the header says all there is to check */
		return APP_PROBE_YES;
	}
}

static int o_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *b, size_t len,
		     size_t *pdu_len)
{
	const struct opcua_state *s = state;
	struct cursor c = cur_make(b, len);
	int mt = peek_type(&c, len < 3 ? len : 3);
	if (mt == 0) { /* (even one or two bytes can match no type) */
		ev(ctx, OPCUA_EV_UNKNOWN_MESSAGE_TYPE);
		return APP_FRAME_BAD;
	}
	if (len < 8)
		return APP_FRAME_MORE;
	cur_skip(&c, 3);
	uint8_t ch = cur_u8(&c);
	uint32_t sz = cur_le32(&c);
	/* a bad chunk byte is reported by parse (the size still frames it);
	 * while hunting for a header, it is not one */
	if (app_ctx_resyncing(ctx) && !chunk_ok(mt, ch))
		return APP_FRAME_BAD;
	if (sz < min_size(mt) || too_large(s, dir, sz)) {
		ev(ctx, OPCUA_EV_INVALID_MESSAGE_SIZE);
		return APP_FRAME_BAD;
	}
	*pdu_len = sz;
	return APP_FRAME_OK;
}

/* ---- services --------------------------------------------------------------- */

/* RequestHeader (OPC 10000-4, 7.33) */
static void rd_request_header(struct dec *d, struct opcua_tx *tx)
{
	skip_nodeid(d, false);         /* authenticationToken */
	cur_skip(&d->c, 8);            /* timestamp */
	tx->request_handle = cur_le32(&d->c);
	tx->has_handle = cur_ok(&d->c);
	cur_skip(&d->c, 4);            /* returnDiagnostics */
	skip_str(d);                   /* auditEntryId */
	cur_skip(&d->c, 4);            /* timeoutHint */
	skip_extobj(d);                /* additionalHeader */
}

/* ResponseHeader (OPC 10000-4, 7.34) */
static void rd_response_header(struct dec *d, struct opcua_tx *tx)
{
	cur_skip(&d->c, 8);            /* timestamp */
	tx->request_handle = cur_le32(&d->c);
	tx->status = cur_le32(&d->c);
	tx->has_handle = tx->has_status = cur_ok(&d->c);
	skip_diag(d, 0);               /* serviceDiagnostics */
	int32_t n = rd_count(d, 4);    /* stringTable */
	for (int32_t i = 0; i < n && cur_ok(&d->c); i++)
		skip_str(d);
	skip_extobj(d);                /* additionalHeader */
}

static void rd_open_request(struct app_ctx *ctx, struct dec *d, struct opcua_tx *tx)
{
	cur_skip(&d->c, 4); /* clientProtocolVersion */
	uint32_t rt = cur_le32(&d->c);
	uint32_t mode = cur_le32(&d->c);
	skip_str(d); /* clientNonce */
	tx->lifetime = cur_le32(&d->c);
	if (!cur_ok(&d->c))
		return;
	tx->has_opn = true;
	tx->request_type = (uint8_t)(rt > 1 ? 0xff : rt);
	tx->opn_mode = mode;
	if (rt > 1 || mode < OPCUA_MODE_NONE || mode > OPCUA_MODE_SIGN_AND_ENCRYPT ||
	    (tx->policy == OPCUA_SP_NONE && mode != OPCUA_MODE_NONE))
		ev(ctx, OPCUA_EV_INVALID_SECURITY_MODE);
}

static void rd_open_response(struct dec *d, struct opcua_tx *tx)
{
	cur_skip(&d->c, 4); /* serverProtocolVersion */
	tx->opn_channel = cur_le32(&d->c);
	tx->opn_token = cur_le32(&d->c);
	cur_skip(&d->c, 8); /* createdAt */
	tx->lifetime = cur_le32(&d->c);
	tx->has_opn = cur_ok(&d->c);
	skip_str(d); /* serverNonce */
}

/* ActivateSessionRequest: the kind of user identity token and, for a user
 * name token, the user name; never the password. */
static void rd_activate(struct dec *d, struct opcua_tx *tx)
{
	skip_str(d); /* clientSignature.algorithm */
	skip_str(d); /* clientSignature.signature */
	int32_t n = rd_count(d, 8); /* clientSoftwareCertificates */
	for (int32_t i = 0; i < n && cur_ok(&d->c); i++) {
		skip_str(d);
		skip_str(d);
	}
	n = rd_count(d, 4); /* localeIds */
	for (int32_t i = 0; i < n && cur_ok(&d->c); i++)
		skip_str(d);
	struct nid id;
	rd_nodeid(d, &id, false); /* userIdentityToken: ExtensionObject */
	uint8_t enc = cur_u8(&d->c);
	if (!cur_ok(&d->c))
		return;
	struct opcua_str body = { NULL, 0 };
	if (enc == 1 || enc == 2)
		rd_str(d, &body);
	else if (enc != 0)
		d_bad(d);
	tx->identity = OPCUA_ID_OTHER;
	if (id.kind == 0 && id.ns == 0) {
		/* a null token is anonymous (OPC 10000-4, 5.6.3.2) */
		if (id.num == 0 && enc == 0)
			tx->identity = OPCUA_ID_ANONYMOUS;
		for (size_t i = 0; i < sizeof(identity_ids) / sizeof(identity_ids[0]); i++)
			if (identity_ids[i].id == id.num)
				tx->identity = identity_ids[i].kind;
	}
	if (tx->identity == OPCUA_ID_USERNAME && enc == 1 && body.p) {
		/* UserNameIdentityToken: policyId, userName, password, ... */
		struct dec t = { cur_make(body.p, body.n), false, false, false };
		skip_str(&t);
		struct opcua_str u;
		rd_str(&t, &u);
		if (cur_ok(&t.c))
			tx->user = u;
		else
			d->bad = true;
	}
}

/* An ApplicationDescription's first four fields (OPC 10000-4, 7.2):
 * applicationUri, productUri, applicationName (LocalizedText: mask, [locale],
 * [text]) and applicationType, into tx's app_* fields. */
static void rd_app_head(struct dec *d, struct opcua_tx *tx)
{
	rd_str(d, &tx->app_uri);
	rd_str(d, &tx->app_product_uri);
	uint8_t mask = cur_u8(&d->c);
	if (mask & 1)
		skip_str(d);
	if (mask & 2)
		rd_str(d, &tx->app_name);
	tx->app_type = cur_le32(&d->c);
	tx->has_app = cur_ok(&d->c) && (tx->app_uri.p || tx->app_product_uri.p || tx->app_name.p);
}

/* The server's description in a GetEndpointsResponse (its first
 * EndpointDescription: endpointUrl, server) or a CreateSessionResponse
 * (sessionId, authenticationToken, revisedSessionTimeout, serverNonce,
 * serverCertificate, then serverEndpoints), read on a copy of the decoder:
 * whatever it finds, the message is judged as before. */
static void rd_server_app(const struct dec *d0, struct opcua_tx *tx, bool create_session)
{
	struct dec d = *d0;
	if (create_session) {
		skip_nodeid(&d, false);
		skip_nodeid(&d, false);
		cur_skip(&d.c, 8);
		skip_str(&d);
		skip_str(&d);
	}
	if (rd_count(&d, 1) < 1 || !cur_ok(&d.c))
		return;
	skip_str(&d); /* endpointUrl */
	rd_app_head(&d, tx);
}

static void rd_create_session(struct dec *d, struct opcua_tx *tx)
{
	/* clientDescription: ApplicationDescription (OPC 10000-4, 7.2) */
	struct dec head = *d;
	rd_app_head(&head, tx);
	rd_str(d, &tx->application_uri);
	skip_str(d); /* productUri */
	skip_scalar(d, 21, 0); /* applicationName */
	cur_skip(&d->c, 4); /* applicationType */
	skip_str(d); /* gatewayServerUri */
	skip_str(d); /* discoveryProfileUri */
	int32_t n = rd_count(d, 4); /* discoveryUrls */
	for (int32_t i = 0; i < n && cur_ok(&d->c); i++)
		skip_str(d);
	skip_str(d); /* serverUri */
	rd_str(d, &tx->endpoint);
	rd_str(d, &tx->session_name);
}

/* The item list of a request (its count, and the first OPCUA_MAX_ITEMS
 * items' node ids). Stops early at a bad item. */
static void rd_items(struct dec *d, struct opcua_tx *tx, uint8_t kind)
{
	switch (kind) {
	case B_READ:
		cur_skip(&d->c, 12); /* maxAge, timestampsToReturn */
		break;
	case B_BROWSE:
		skip_nodeid(d, false); /* view: viewId, timestamp, viewVersion */
		cur_skip(&d->c, 16);   /* ... and requestedMaxReferencesPerNode */
		break;
	case B_BROWSE_NEXT:
		cur_skip(&d->c, 1); /* releaseContinuationPoints */
		break;
	default:
		break;
	}
	tx->n_items = rd_count(d, 1);
	if (kind == B_COUNT || kind == B_BROWSE_NEXT)
		return;
	for (int32_t i = 0; i < tx->n_items && i < OPCUA_MAX_ITEMS && cur_ok(&d->c); i++) {
		struct nid a, b;
		uint32_t attr = 0;
		bool two = false;
		switch (kind) {
		case B_READ: /* ReadValueId */
			rd_nodeid(d, &a, false);
			attr = cur_le32(&d->c);
			skip_str(d);    /* indexRange */
			skip_qname(d);  /* dataEncoding */
			break;
		case B_WRITE: /* WriteValue */
			rd_nodeid(d, &a, false);
			attr = cur_le32(&d->c);
			skip_str(d);    /* indexRange */
			skip_datavalue(d, 0);
			break;
		case B_CALL: /* CallMethodRequest */
			rd_nodeid(d, &a, false);
			rd_nodeid(d, &b, false);
			two = true;
			for (int32_t k = 0, na = rd_count(d, 1); k < na && cur_ok(&d->c); k++)
				skip_variant(d, 0);
			break;
		case B_BROWSE: /* BrowseDescription */
			rd_nodeid(d, &a, false);
			cur_skip(&d->c, 4);     /* browseDirection */
			skip_nodeid(d, false);  /* referenceTypeId */
			cur_skip(&d->c, 9);     /* includeSubtypes, nodeClassMask, resultMask */
			break;
		case B_NODE_LIST:
			rd_nodeid(d, &a, false);
			break;
		case B_DELETE_NODES: /* DeleteNodesItem */
			rd_nodeid(d, &a, false);
			cur_skip(&d->c, 1);     /* deleteTargetReferences */
			break;
		case B_ADD_NODES: /* AddNodesItem */
			rd_nodeid(d, &a, true); /* parentNodeId */
			skip_nodeid(d, false);  /* referenceTypeId */
			rd_nodeid(d, &b, true); /* requestedNewNodeId */
			two = true;
			skip_qname(d);          /* browseName */
			cur_skip(&d->c, 4);     /* nodeClass */
			skip_extobj(d);         /* nodeAttributes */
			skip_nodeid(d, true);   /* typeDefinition */
			break;
		case B_ADD_REFS: /* AddReferencesItem */
			rd_nodeid(d, &a, false); /* sourceNodeId */
			skip_nodeid(d, false);   /* referenceTypeId */
			cur_skip(&d->c, 1);      /* isForward */
			skip_str(d);             /* targetServerUri */
			rd_nodeid(d, &b, true);  /* targetNodeId */
			two = true;
			cur_skip(&d->c, 4);      /* targetNodeClass */
			break;
		case B_DELETE_REFS: /* DeleteReferencesItem */
			rd_nodeid(d, &a, false); /* sourceNodeId */
			skip_nodeid(d, false);   /* referenceTypeId */
			cur_skip(&d->c, 1);      /* isForward */
			rd_nodeid(d, &b, true);  /* targetNodeId */
			two = true;
			cur_skip(&d->c, 1);      /* deleteBidirectional */
			break;
		default:
			return;
		}
		if (cur_ok(&d->c))
			add_item(tx, &a, two ? &b : NULL, attr);
	}
}

static void rd_request(struct app_ctx *ctx, struct dec *d, struct opcua_tx *tx)
{
	rd_request_header(d, tx);
	if (!cur_ok(&d->c))
		return;
	uint8_t kind = services[tx->service_idx].body;
	switch (kind) {
	case B_NONE:
		break;
	case B_OPN:
		rd_open_request(ctx, d, tx);
		break;
	case B_CREATE_SESSION:
		rd_create_session(d, tx);
		break;
	case B_ACTIVATE:
		rd_activate(d, tx);
		break;
	case B_ENDPOINT_URL:
		rd_str(d, &tx->endpoint);
		break;
	default:
		rd_items(d, tx, kind);
		break;
	}
}

/* The body of the first chunk of an OPN/MSG/CLO message: the service's
 * TypeId, then its header and fields. Reports its own events. */
static void parse_body(struct opcua_state *s, struct app_ctx *ctx, struct dec *d,
		       struct opcua_tx *tx)
{
	struct nid id;
	rd_nodeid(d, &id, false);
	if (d->bad_nodeid) {
		ev(ctx, OPCUA_EV_MALFORMED_NODEID);
		return;
	}
	if (!cur_ok(&d->c)) {
		ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
		return;
	}
	bool resp = false;
	int idx = id.kind == 0 && id.ns == 0 ? service_lookup(id.num, &resp) : -1;
	tx->has_service_id = id.kind == 0 && id.ns == 0;
	tx->service_id = id.num;
	if (idx < 0) {
		ev(ctx, OPCUA_EV_UNKNOWN_SERVICE);
		return;
	}
	tx->has_service = true;
	tx->service_idx = (int8_t)idx;
	tx->response = resp;
	if (resp) {
		rd_response_header(d, tx);
		if (cur_ok(&d->c) && services[idx].body == B_OPN)
			rd_open_response(d, tx);
		else if (cur_ok(&d->c) && (services[idx].req == 428 || services[idx].req == 461))
			rd_server_app(d, tx, services[idx].req == 461);
		tx->request_idx = (int8_t)pend_take(s, tx->request_id);
	} else {
		rd_request(ctx, d, tx);
		if (!services[idx].no_response)
			pend_add(s, ctx, tx->request_id, idx);
	}
	if (d->bad_nodeid)
		ev(ctx, OPCUA_EV_MALFORMED_NODEID);
	else if (d->bad || (!cur_ok(&d->c) && !d->partial))
		ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
}

/* Would this body start with the TypeId of a known service? (To tell a
 * readable body from an encrypted one.) */
static bool body_readable(const uint8_t *p, size_t n)
{
	struct dec d = { cur_make(p, n), true, false, false };
	struct nid id;
	bool resp;
	rd_nodeid(&d, &id, false);
	return cur_ok(&d.c) && id.kind == 0 && id.ns == 0 && service_lookup(id.num, &resp) >= 0;
}

/* ---- messages --------------------------------------------------------------- */

static void check_seq(struct opcua_state *s, struct app_ctx *ctx, uint8_t dir, uint32_t seq)
{
	int d = dir & 1;
	if (s->seq_known[d]) {
		bool wrap = s->last_seq[d] > SEQ_WRAP && seq < 1024;
		if (seq != s->last_seq[d] + 1 && !wrap)
			ev(ctx, OPCUA_EV_SEQUENCE_NOT_INCREASING);
	}
	s->last_seq[d] = seq;
	s->seq_known[d] = true;
}

static void emit(struct app_ctx *ctx, uint8_t dir, const struct opcua_tx *tx, bool resp)
{
	struct app_tx t = { &proto_opcua, dir, resp, tx };
	app_emit_tx(ctx, &t);
}

static void parse_hel(struct opcua_state *s, struct app_ctx *ctx, uint8_t dir, struct dec *d,
		      struct opcua_tx *tx)
{
	tx->version = cur_le32(&d->c);
	tx->rbs = cur_le32(&d->c);
	tx->sbs = cur_le32(&d->c);
	tx->max_msg = cur_le32(&d->c);
	tx->max_chunks = cur_le32(&d->c);
	rd_str(d, &tx->endpoint);
	bool bad = !cur_ok(&d->c) || cur_left(&d->c) || tx->rbs < OPCUA_MIN_BUFFER ||
		   tx->sbs < OPCUA_MIN_BUFFER || tx->endpoint.n >= OPCUA_MAX_URL;
	if (bad) {
		ev(ctx, OPCUA_EV_INVALID_HELLO);
		return;
	}
	int h = dir & 1;
	s->client_dir = (uint8_t)h;
	s->hel_seen = true;
	s->hel_version = tx->version;
	/* the client sends at most its SendBufferSize and receives at most its
	 * ReceiveBufferSize; the server's responses are bounded by the client's
	 * MaxMessageSize and MaxChunkCount */
	s->lim[h].chunk = tx->sbs;
	s->lim[!h].chunk = tx->rbs;
	s->lim[!h].msg = tx->max_msg;
	s->lim[!h].chunks = tx->max_chunks;
}

/* at least 8192 when HEL offered that much, else at least 1024 (7.1.2.4) */
static bool ack_size_ok(uint32_t v, uint32_t hel)
{
	return v >= (hel >= OPCUA_RSA_BUFFER ? OPCUA_RSA_BUFFER : OPCUA_MIN_BUFFER) && v <= hel;
}

static void parse_ack(struct opcua_state *s, struct app_ctx *ctx, uint8_t dir, struct dec *d,
		      struct opcua_tx *tx)
{
	tx->version = cur_le32(&d->c);
	tx->rbs = cur_le32(&d->c);
	tx->sbs = cur_le32(&d->c);
	tx->max_msg = cur_le32(&d->c);
	tx->max_chunks = cur_le32(&d->c);
	int a = dir & 1;
	int h = s->hel_seen ? s->client_dir : !a;
	bool bad = !cur_ok(&d->c) || cur_left(&d->c) || tx->rbs < OPCUA_MIN_BUFFER ||
		   tx->sbs < OPCUA_MIN_BUFFER;
	if (!bad && s->hel_seen)
		bad = tx->version > s->hel_version || !ack_size_ok(tx->rbs, s->lim[h].chunk) ||
		      !ack_size_ok(tx->sbs, s->lim[!h].chunk);
	if (bad) {
		ev(ctx, OPCUA_EV_INVALID_ACKNOWLEDGE);
		return;
	}
	s->client_dir = (uint8_t)h;
	s->lim[h].chunk = tx->rbs;
	s->lim[h].msg = tx->max_msg;
	s->lim[h].chunks = tx->max_chunks;
	s->lim[!h].chunk = tx->sbs;
}

/* Checks and counts a chunk of the message in progress in direction dir. */
static void count_chunk(struct opcua_state *s, struct app_ctx *ctx, uint8_t dir,
			struct opcua_msg *m, size_t body)
{
	const struct opcua_limits *l = &s->lim[dir & 1];
	if (m->chunks < UINT16_MAX)
		m->chunks++;
	m->bytes = body > UINT32_MAX - m->bytes ? UINT32_MAX : m->bytes + (uint32_t)body;
	if (l->chunks && m->chunks > l->chunks && !m->over_chunks) {
		m->over_chunks = true;
		ev(ctx, OPCUA_EV_TOO_MANY_CHUNKS);
	}
	if (l->msg && m->bytes > l->msg && !m->over_size) {
		m->over_size = true;
		ev(ctx, OPCUA_EV_MESSAGE_TOO_LARGE);
	}
}

/* the body of an 'A' chunk (6.7.3) */
static void rd_abort(struct app_ctx *ctx, struct dec *d, struct opcua_tx *tx)
{
	tx->has_error = true;
	tx->error = cur_le32(&d->c);
	rd_str(d, &tx->reason);
	if (!cur_ok(&d->c) || tx->reason.n >= OPCUA_MAX_URL)
		ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
}

/* OPN: the asymmetric security header, the channel, the policy. Returns
 * false when the rest cannot be read. */
static bool parse_opn_header(struct opcua_state *s, struct app_ctx *ctx, uint8_t dir,
			     struct dec *d, struct opcua_tx *tx)
{
	struct opcua_str cert, thumb;
	rd_str(d, &tx->policy_uri);
	rd_str(d, &cert);
	tx->cert_len = cert.p ? (int32_t)cert.n : -1;
	rd_str(d, &thumb);
	tx->thumb_len = thumb.p ? (int32_t)thumb.n : -1;
	if (!cur_ok(&d->c) || tx->policy_uri.n > OPCUA_MAX_POLICY) {
		ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
		return false;
	}
	uint8_t pol = OPCUA_SP_OTHER;
	size_t pl = strlen(POLICY_PREFIX);
	const struct opcua_str *u = &tx->policy_uri;
	if (u->p && u->n > pl && memcmp(u->p, POLICY_PREFIX, pl) == 0)
		for (size_t i = 0; i < N_POLICIES; i++)
			if (u->n - pl == strlen(policies[i].name) &&
			    memcmp(u->p + pl, policies[i].name, u->n - pl) == 0)
				pol = policies[i].v;
	if (pol == OPCUA_SP_OTHER)
		ev(ctx, OPCUA_EV_UNKNOWN_SECURITY_POLICY);
	/* the client asks with channel 0 (issue) or its channel (renew); the
	 * server's answer carries the channel it assigned */
	if (s->channel_known && tx->channel_id != s->channel_id &&
	    ((dir & 1) != s->client_dir || tx->channel_id != 0))
		ev(ctx, OPCUA_EV_CHANNEL_ID_MISMATCH);
	else if (!s->channel_known && (dir & 1) != s->client_dir) {
		s->channel_id = tx->channel_id;
		s->channel_known = true;
	}
	if (pol != s->policy) {
		s->policy = pol;
		s->mode = pol == OPCUA_SP_NONE ? OPCUA_MODE_NONE : 0;
		s->body = pol == OPCUA_SP_NONE ? BODY_PLAIN : BODY_UNKNOWN;
	}
	tx->policy = s->policy;
	tx->mode = s->mode;
	return true;
}

/* OPN, MSG, CLO (6.7.2). */
static int parse_secure(struct opcua_state *s, struct app_ctx *ctx, uint8_t dir, struct dec *d,
			struct opcua_tx *tx)
{
	int di = dir & 1;
	bool from_client = di == s->client_dir;
	tx->channel_id = cur_le32(&d->c);
	tx->has_channel = cur_ok(&d->c);
	if (tx->msg_type == OPCUA_MT_OPN) {
		if (!parse_opn_header(s, ctx, dir, d, tx)) {
			emit(ctx, dir, tx, !from_client);
			return -1;
		}
		if (tx->policy != OPCUA_SP_NONE) {
			/* asymmetric encryption from the sequence header on */
			tx->encrypted = true;
			s->seq_known[di] = false;
			emit(ctx, dir, tx, !from_client);
			return 0;
		}
	} else {
		tx->token_id = cur_le32(&d->c);
		tx->has_token = cur_ok(&d->c);
		if (!tx->has_token) {
			ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
			emit(ctx, dir, tx, !from_client);
			return -1;
		}
		if (s->channel_known && tx->channel_id != s->channel_id)
			ev(ctx, OPCUA_EV_CHANNEL_ID_MISMATCH);
		if (s->n_tokens && tx->token_id != s->tokens[0] &&
		    (s->n_tokens < 2 || tx->token_id != s->tokens[1]))
			ev(ctx, OPCUA_EV_UNKNOWN_TOKEN);
		tx->policy = s->policy;
		tx->mode = s->mode;
		if (s->body == BODY_CIPHER) {
			tx->encrypted = true;
			emit(ctx, dir, tx, !from_client);
			return 0;
		}
	}
	/* sequence header (6.7.2.4) */
	uint32_t seq = cur_le32(&d->c);
	uint32_t rid = cur_le32(&d->c);
	if (!cur_ok(&d->c)) {
		ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
		emit(ctx, dir, tx, !from_client);
		return -1;
	}
	struct opcua_msg *m = &s->msg[di];
	if (s->body == BODY_UNKNOWN) {
		/* a policy other than None, or none seen: is this body in clear?
		 * Only a message's first chunk starts with a TypeId. */
		bool first = !m->active;
		if (first && body_readable(d->c.p, cur_left(&d->c))) {
			s->body = BODY_PLAIN;
			if (s->policy) {
				s->mode = OPCUA_MODE_SIGN;
				tx->mode = s->mode;
			}
		} else if (s->policy) {
			s->body = BODY_CIPHER;
			s->mode = OPCUA_MODE_SIGN_AND_ENCRYPT;
			tx->mode = s->mode;
			tx->encrypted = true;
			emit(ctx, dir, tx, !from_client);
			return 0;
		} else {
			/* picked up mid-stream: nothing here can be trusted yet */
			emit(ctx, dir, tx, !from_client);
			return 0;
		}
	}
	tx->seq = seq;
	tx->request_id = rid;
	tx->has_seq = true;
	check_seq(s, ctx, dir, seq);
	size_t body = cur_left(&d->c);

	if (m->active && m->request_id != rid) {
		ev(ctx, OPCUA_EV_CHUNKS_INTERLEAVED);
		m->active = false;
	}
	if (m->active) {
		/* a later chunk of the message in progress */
		count_chunk(s, ctx, dir, m, body);
		tx->chunk_count = m->chunks;
		tx->msg_svc = m->svc;
		if (tx->chunk == 'A') {
			rd_abort(ctx, d, tx);
			pend_take(s, rid);
		}
		if (tx->chunk != 'C')
			m->active = false;
		emit(ctx, dir, tx, m->response);
		return 0;
	}
	if (tx->chunk == 'A') {
		/* aborted before any intermediate chunk */
		rd_abort(ctx, d, tx);
		pend_take(s, rid);
		emit(ctx, dir, tx, !from_client);
		return 0;
	}
	d->partial = tx->chunk == 'C';
	parse_body(s, ctx, d, tx);
	memset(m, 0, sizeof(*m));
	m->request_id = rid;
	m->svc = tx->service_idx;
	m->response = tx->has_service ? tx->response : !from_client;
	count_chunk(s, ctx, dir, m, body);
	if (tx->chunk == 'C') {
		m->active = true;
		tx->chunk_count = 1;
	}
	if (tx->has_opn && tx->response) {
		if (!s->channel_known) {
			s->channel_id = tx->opn_channel;
			s->channel_known = true;
		} else if (tx->opn_channel != s->channel_id) {
			ev(ctx, OPCUA_EV_CHANNEL_ID_MISMATCH);
		}
		if (s->n_tokens == 0 || s->tokens[0] != tx->opn_token) {
			s->tokens[1] = s->tokens[0];
			s->tokens[0] = tx->opn_token;
			s->n_tokens = s->n_tokens ? 2 : 1;
		}
	} else if (tx->has_opn) {
		tx->mode = (uint8_t)(tx->opn_mode <= OPCUA_MODE_SIGN_AND_ENCRYPT ? tx->opn_mode : 0);
	}
	emit(ctx, dir, tx, m->response);
	return 0;
}

static int o_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct opcua_state *s = state;
	/* on the stack, its fixed part zeroed (items and text as they fill) */
	struct opcua_tx txs;
	struct opcua_tx *tx = &txs;
	memset(tx, 0, offsetof(struct opcua_tx, items));
	tx->service_idx = tx->request_idx = tx->msg_svc = -1;
	tx->n_items = -1;
	struct dec d = { cur_make(pdu, len), false, false, false };
	int mt = peek_type(&d.c, 3);
	cur_skip(&d.c, 3);
	tx->chunk = cur_u8(&d.c);
	tx->size = cur_le32(&d.c);
	if (mt <= 0 || !cur_ok(&d.c)) { /* pdu_len framed it: cannot happen */
		ev(ctx, OPCUA_EV_UNKNOWN_MESSAGE_TYPE);
		return -1;
	}
	tx->msg_type = (uint8_t)mt;
	bool from_client = (dir & 1) == s->client_dir;
	if (!chunk_ok(mt, tx->chunk)) {
		ev(ctx, OPCUA_EV_BAD_CHUNK_TYPE);
		emit(ctx, dir, tx, !from_client);
		return -1;
	}
	if (mt != OPCUA_MT_HEL && mt != OPCUA_MT_ACK && s->lim[dir & 1].chunk &&
	    tx->size > s->lim[dir & 1].chunk)
		ev(ctx, OPCUA_EV_INVALID_MESSAGE_SIZE);
	switch (mt) {
	case OPCUA_MT_HEL:
		parse_hel(s, ctx, dir, &d, tx);
		emit(ctx, dir, tx, false);
		return 0;
	case OPCUA_MT_ACK:
		parse_ack(s, ctx, dir, &d, tx);
		emit(ctx, dir, tx, true);
		return 0;
	case OPCUA_MT_ERR:
		tx->has_error = true;
		tx->error = cur_le32(&d.c);
		rd_str(&d, &tx->reason);
		if (!cur_ok(&d.c) || cur_left(&d.c) || tx->reason.n >= OPCUA_MAX_URL)
			ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
		emit(ctx, dir, tx, true);
		return 0;
	case OPCUA_MT_RHE:
		/* the server connects out to the client: chunks from the other
		 * side are the client's */
		rd_str(&d, &tx->server_uri);
		rd_str(&d, &tx->endpoint);
		if (!cur_ok(&d.c) || cur_left(&d.c) || tx->server_uri.n >= OPCUA_MAX_URL ||
		    tx->endpoint.n >= OPCUA_MAX_URL)
			ev(ctx, OPCUA_EV_MALFORMED_MESSAGE);
		s->client_dir = (uint8_t)!(dir & 1);
		emit(ctx, dir, tx, false);
		return 0;
	default:
		return parse_secure(s, ctx, dir, &d, tx);
	}
}

static void o_gap(void *state, uint8_t dir)
{
	struct opcua_state *s = state;
	s->msg[dir & 1].active = false;
	s->seq_known[dir & 1] = false;
}

static void *o_new(const struct app_flow_info *fi)
{
	(void)fi;
	struct opcua_state *s = calloc(1, sizeof(*s));
	if (s)
		memset(s->pend_svc, -1, sizeof(s->pend_svc));
	return s;
}

static void o_free(void *s)
{
	free(s);
}

/* ---- EVE -------------------------------------------------------------------- */

/* a string from the wire, at most OPCUA_LOG_STR bytes of it */
static void log_str(struct jb *jb, const char *key, const struct opcua_str *s)
{
	if (s->p)
		jb_set_strn(jb, key, s->p, s->n < OPCUA_LOG_STR ? s->n : OPCUA_LOG_STR);
}

static void log_status(struct jb *jb, const char *key, const char *name_key, uint32_t v)
{
	jb_set_uint(jb, key, v);
	const char *n = status_name(v);
	if (n)
		jb_set_ascii(jb, name_key, n);
}

static void log_items(const struct opcua_tx *tx, struct jb *jb)
{
	uint8_t kind = services[tx->service_idx].body;
	const struct item_keys *k = kind < sizeof(item_keys) / sizeof(item_keys[0]) ? &item_keys[kind]
										: NULL;
	jb_set_uint(jb, "items", (uint64_t)tx->n_items);
	if (!k || !k->array || !tx->n_logged)
		return;
	jb_open_array(jb, k->array);
	for (unsigned i = 0; i < tx->n_logged; i++) {
		const struct opcua_item *it = &tx->items[i];
		jb_open_object(jb, NULL);
		jb_set_strn(jb, k->a, tx->node_text + it->a_off, it->a_len);
		if (k->b)
			jb_set_strn(jb, k->b, tx->node_text + it->b_off, it->b_len);
		if (kind == B_READ || kind == B_WRITE) {
			jb_set_uint(jb, "attribute_id", it->attribute);
			const char *an = NAME_OF(attribute_names, it->attribute);
			if (an)
				jb_set_ascii(jb, "attribute", an);
		}
		jb_close(jb);
	}
	jb_close(jb);
}

static void o_log(const struct app_tx *t, struct jb *jb)
{
	const struct opcua_tx *tx = t->data;
	jb_set_ascii(jb, "msg_type", mt_wire[tx->msg_type < 8 ? tx->msg_type : 0]);
	jb_set_ascii(jb, "chunk", tx->chunk == 'F' ? "final" : tx->chunk == 'C' ? "intermediate"
						 : tx->chunk == 'A' ? "abort" : "invalid");
	jb_set_uint(jb, "message_size", tx->size);
	if (tx->msg_type == OPCUA_MT_HEL || tx->msg_type == OPCUA_MT_ACK) {
		jb_set_uint(jb, "version", tx->version);
		jb_set_uint(jb, "receive_buffer_size", tx->rbs);
		jb_set_uint(jb, "send_buffer_size", tx->sbs);
		jb_set_uint(jb, "max_message_size", tx->max_msg);
		jb_set_uint(jb, "max_chunk_count", tx->max_chunks);
	}
	log_str(jb, "server_uri", &tx->server_uri);
	log_str(jb, "endpoint_url", &tx->endpoint);
	if (tx->has_channel)
		jb_set_uint(jb, "secure_channel_id", tx->channel_id);
	if (tx->msg_type == OPCUA_MT_OPN && tx->has_channel) {
		log_str(jb, "security_policy_uri", &tx->policy_uri);
		if (tx->cert_len >= 0) /* absent: a null ByteString */
			jb_set_uint(jb, "sender_certificate_length", (uint64_t)tx->cert_len);
		if (tx->thumb_len >= 0)
			jb_set_uint(jb, "receiver_thumbprint_length", (uint64_t)tx->thumb_len);
	}
	if (tx->policy)
		jb_set_ascii(jb, "security_policy", policy_name(tx->policy));
	if (tx->has_token)
		jb_set_uint(jb, "token_id", tx->token_id);
	if (tx->mode)
		jb_set_ascii(jb, "security_mode", NAME_OF(mode_names, tx->mode));
	if (tx->encrypted)
		jb_set_bool(jb, "encrypted", true);
	if (tx->has_seq) {
		jb_set_uint(jb, "sequence_number", tx->seq);
		jb_set_uint(jb, "request_id", tx->request_id);
	}
	if (tx->chunk_count)
		jb_set_uint(jb, "chunk_count", tx->chunk_count);
	if (tx->has_service) {
		jb_set_ascii(jb, "service", services[tx->service_idx].name);
		jb_set_uint(jb, "service_id", tx->service_id);
		jb_set_ascii(jb, "kind", tx->response ? "response" : "request");
	} else if (tx->msg_svc >= 0) {
		jb_set_ascii(jb, "service", services[tx->msg_svc].name);
	} else if (tx->has_service_id) {
		jb_set_uint(jb, "service_id", tx->service_id);
	}
	if (tx->request_idx >= 0)
		jb_set_ascii(jb, "request_service", services[tx->request_idx].name);
	if (tx->has_handle)
		jb_set_uint(jb, "request_handle", tx->request_handle);
	if (tx->has_status)
		log_status(jb, "status", "status_name", tx->status);
	if (tx->has_opn) {
		jb_open_object(jb, "open_secure_channel");
		if (tx->response) {
			jb_set_uint(jb, "channel_id", tx->opn_channel);
			jb_set_uint(jb, "token_id", tx->opn_token);
			jb_set_uint(jb, "revised_lifetime", tx->lifetime);
		} else {
			jb_set_ascii(jb, "request_type", tx->request_type == 0 ? "issue"
							 : tx->request_type == 1 ? "renew" : "invalid");
			jb_set_uint(jb, "security_mode_id", tx->opn_mode);
			jb_set_uint(jb, "requested_lifetime", tx->lifetime);
		}
		jb_close(jb);
	}
	log_str(jb, "application_uri", &tx->application_uri);
	log_str(jb, "session_name", &tx->session_name);
	if (tx->identity) {
		jb_set_ascii(jb, "identity_token", NAME_OF(identity_names, tx->identity));
		log_str(jb, "user_name", &tx->user);
	}
	if (tx->has_service && tx->n_items >= 0)
		log_items(tx, jb);
	if (tx->has_error) {
		jb_open_object(jb, "error");
		log_status(jb, "code", "name", tx->error);
		log_str(jb, "reason", &tx->reason);
		jb_close(jb);
	}
}

/* ---- asset inventory ---------------------------------------------------------- */

/* The application descriptions (OPC 10000-4, 7.2) an OPC UA exchange
 * carries: the client's in its CreateSession request, the server's in a
 * GetEndpoints or CreateSession response. Each is about its sender. */
static bool o_identity(const struct app_tx *t, bool first, struct app_identity *id)
{
	(void)first;
	const struct opcua_tx *tx = t->data;
	if (!tx->has_app)
		return false;
	app_identity_init(id);
	if (tx->app_name.p)
		app_identity_set(id, APP_IDF_PRODUCT, tx->app_name.p, tx->app_name.n);
	if (tx->app_uri.p)
		app_identity_ext(id, "application_uri", tx->app_uri.p, tx->app_uri.n);
	if (tx->app_product_uri.p)
		app_identity_ext(id, "product_uri", tx->app_product_uri.p, tx->app_product_uri.n);
	static const char *const types[] = { "OPC UA server", "OPC UA client",
					     "OPC UA client and server",
					     "OPC UA discovery server" };
	if (tx->app_type < 4)
		app_identity_set_str(id, APP_IDF_DEVICE_TYPE, types[tx->app_type]);
	/* one host may run several applications (a SCADA server is an OPC
	 * UA client and a server): each is its own, by its URI; the first
	 * seen is taken as the device */
	if (tx->app_uri.p && tx->app_uri.n) {
		app_identity_set(id, APP_IDF_NAME, tx->app_uri.p, tx->app_uri.n);
		memcpy(id->component, id->str[APP_IDF_NAME], APP_ID_COMPONENT - 1);
		id->component[APP_ID_COMPONENT - 1] = 0;
		id->have &= (uint8_t)~(1u << APP_IDF_NAME);
		id->may_be_self = true;
	}
	return true;
}

/* tx_function: the service's index (request and response alike), on the
 * chunk where it was decoded */
static int o_tx_function(const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	return tx->has_service ? tx->service_idx : -1;
}

/* ---- facts (the learned baseline) -------------------------------------------
 *
 * function: the service by the numeric id of its request's encoding (631
 * read, 673 write...; ServiceFault 397), for requests and responses alike;
 * messages without a service by their type (1 HEL, 2 ACK, 3 ERR, 4 RHE,
 * 7 CLO). Names: the node ids of a request's items (space "node"; the
 * method of a Call and the second node of AddNodes / references: space
 * "node" too). Address space 3 "attribute": the attribute ids of Read and
 * Write. Identity: the applicationUri of CreateSession (the client's). */

static uint8_t o_service_class(uint32_t key)
{
	switch (key) {
	case 631: case 664: case 527: case 533: case 554: case 615: case 621: case 560: case 566:
		return APP_FCLASS_READ;
	case 422: case 12208: case 428: case 437: case 12211:
		return APP_FCLASS_DISCOVERY;
	case 673: case 700:
		return APP_FCLASS_WRITE;
	case 712:
		return APP_FCLASS_CONTROL;
	case 488: case 494: case 500: case 506:
		return APP_FCLASS_PROGRAM;
	case 826: case 832:
		return APP_FCLASS_REPORT;
	default:
		return APP_FCLASS_SESSION;
	}
}

static void o_facts(const struct app_tx *t, struct app_facts *f)
{
	const struct opcua_tx *tx = t->data;
	if (tx->has_service && tx->service_idx >= 0 && (size_t)tx->service_idx < N_SERVICES) {
		const struct opcua_service *sv = &services[tx->service_idx];
		f->function = (int32_t)service_key(sv);
		f->function_name = sv->name;
		f->fclass = o_service_class(service_key(sv));
	} else if (tx->msg_type && tx->msg_type != OPCUA_MT_MSG && tx->msg_type != OPCUA_MT_OPN) {
		f->function = tx->msg_type;
		f->function_name = mt_wire[tx->msg_type];
		f->fclass = APP_FCLASS_SESSION;
		return;
	} else {
		return;
	}
	for (unsigned i = 0; i < tx->n_logged && i < OPCUA_MAX_ITEMS; i++) {
		const struct opcua_item *it = &tx->items[i];
		if (it->a_len && (size_t)it->a_off + it->a_len <= tx->node_len)
			app_facts_name(f, "node", 1, tx->node_text + it->a_off, it->a_len);
		if (it->b_len && (size_t)it->b_off + it->b_len <= tx->node_len)
			app_facts_name(f, "node", 1, tx->node_text + it->b_off, it->b_len);
		if (it->attribute)
			app_facts_range(f, "attribute", 3, 0, it->attribute, it->attribute);
	}
	if (tx->application_uri.p)
		app_facts_ident(f, "application_uri", tx->application_uri.p, tx->application_uri.n);
}

/* ---- keywords --------------------------------------------------------------- */

static int mk(const char *arg, void **data, uint64_t max, const struct du_name *n, size_t nn,
	      char *err, size_t errlen)
{
	if (!arg || !*arg) {
		snprintf(err, errlen, "needs a value");
		return -1;
	}
	return du_match_new(arg, max, n, nn, data, err, errlen);
}
#define MK(a, d, max, tab, e, l) mk(a, d, max, tab, sizeof(tab) / sizeof(tab[0]), e, l)

/* opcua.service: a name, or the id of the request's (or the response's)
 * encoding; integer operators compare the request's id */
static int service_setup(const char *a, void **d, char *e, size_t l)
{
	if (MK(a, d, 0xffffffff, service_names, e, l) < 0)
		return -1;
	struct du_match *m = *d;
	int64_t v = du_single(m);
	bool resp;
	int idx = v >= 0 ? service_lookup((uint32_t)v, &resp) : -1;
	if (idx >= 0 && resp)
		m->a = service_key(&services[idx]);
	return 0;
}

static bool service_match(const void *d, const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	return tx->has_service && du_match(d, service_key(&services[tx->service_idx]));
}

static bool service_set(const void *d, uint8_t *set)
{
	for (size_t i = 0; i < N_SERVICES; i++)
		if (du_match(d, service_key(&services[i])))
			set[i >> 3] |= (uint8_t)(1u << (i & 7));
	return true;
}

static int mt_setup(const char *a, void **d, char *e, size_t l)
{
	return MK(a, d, OPCUA_MT_CLO, msg_type_names, e, l);
}

static bool mt_match(const void *d, const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	return du_match(d, tx->msg_type);
}

static int mode_setup(const char *a, void **d, char *e, size_t l)
{
	return MK(a, d, OPCUA_MODE_SIGN_AND_ENCRYPT, mode_names, e, l);
}

static bool mode_match(const void *d, const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	return tx->mode && du_match(d, tx->mode);
}

/* opcua.status: the ServiceResult of a response, the error of ERR or of
 * an aborted chunk */
static int status_setup(const char *a, void **d, char *e, size_t l)
{
	return MK(a, d, 0xffffffff, status_all, e, l);
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
	return MK(a, d, OPCUA_ID_OTHER, identity_names, e, l);
}

static bool identity_match(const void *d, const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	return tx->identity && du_match(d, tx->identity);
}

/* opcua.attribute_id: any Read or Write item's attribute */
static int attribute_setup(const char *a, void **d, char *e, size_t l)
{
	return MK(a, d, 0xffffffff, attribute_names, e, l);
}

static bool attribute_match(const void *d, const struct app_tx *t)
{
	const struct opcua_tx *tx = t->data;
	if (!tx->has_service)
		return false;
	uint8_t kind = services[tx->service_idx].body;
	if (kind != B_READ && kind != B_WRITE)
		return false;
	for (unsigned i = 0; i < tx->n_logged; i++)
		if (du_match(d, tx->items[i].attribute))
			return true;
	return false;
}

static const uint8_t *str_buf(const struct opcua_str *s, size_t *len)
{
	*len = s->n;
	return s->p;
}

/* sticky buffers */
static const uint8_t *endpoint_buf(const struct app_tx *t, size_t *len)
{
	const struct opcua_tx *tx = t->data;
	return str_buf(&tx->endpoint, len);
}

static const uint8_t *user_buf(const struct app_tx *t, size_t *len)
{
	const struct opcua_tx *tx = t->data;
	return tx->identity == OPCUA_ID_USERNAME ? str_buf(&tx->user, len) : NULL;
}

static const uint8_t *node_buf(const struct app_tx *t, size_t *len)
{
	const struct opcua_tx *tx = t->data;
	if (!tx->has_service || !tx->node_len)
		return NULL;
	*len = tx->node_len;
	return (const uint8_t *)tx->node_text;
}

/* the URI of OPN; the channel's (known) policy's URI on MSG/CLO */
static const uint8_t *policy_buf(const struct app_tx *t, size_t *len)
{
	const struct opcua_tx *tx = t->data;
	if (tx->policy_uri.p)
		return str_buf(&tx->policy_uri, len);
	for (size_t i = 0; i < N_POLICIES; i++)
		if (tx->policy && policies[i].v == tx->policy) {
			*len = strlen(policy_uri[i]);
			return (const uint8_t *)policy_uri[i];
		}
	return NULL;
}

static const struct app_keyword kws[] = {
	{ "opcua.msg_type", mt_setup, mt_match, NULL, NULL, NULL },
	{ "opcua.service", service_setup, service_match, NULL, service_set, NULL },
	{ "opcua.status", status_setup, status_match, NULL, NULL, NULL },
	{ "opcua.security_mode", mode_setup, mode_match, NULL, NULL, NULL },
	{ "opcua.identity_token", identity_setup, identity_match, NULL, NULL, NULL },
	{ "opcua.attribute_id", attribute_setup, attribute_match, NULL, NULL, NULL },
	{ "opcua.security_policy", NULL, NULL, NULL, NULL, policy_buf },
	{ "opcua.node_id", NULL, NULL, NULL, NULL, node_buf },
	{ "opcua.endpoint_url", NULL, NULL, NULL, NULL, endpoint_buf },
	{ "opcua.user_name", NULL, NULL, NULL, NULL, user_buf },
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
	.identity = o_identity,
	.events = events,
	.n_events = OPCUA_EV__COUNT,
	.max_pdu = OPCUA_MAX_PDU,
	.state_size = sizeof(struct opcua_state),
	.keywords = kws,
	.n_keywords = sizeof(kws) / sizeof(kws[0]),
	.tx_function = o_tx_function,
	.facts = o_facts,
};
