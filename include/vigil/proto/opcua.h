/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_OPCUA_H
#define VIGIL_PROTO_OPCUA_H

/*
 * OPC UA binary (UA Connection Protocol + Secure Conversation): the
 * transaction one message chunk makes and the parser's events. See
 * sensor/proto/opcua.c for the layout and the meaning of each event.
 */

#include <stdbool.h>
#include <stdint.h>

enum opcua_event {
	OPCUA_EV_UNKNOWN_MESSAGE_TYPE,
	OPCUA_EV_BAD_CHUNK_TYPE,
	OPCUA_EV_INVALID_MESSAGE_SIZE,
	OPCUA_EV_INVALID_HELLO,
	OPCUA_EV_INVALID_ACKNOWLEDGE,
	OPCUA_EV_CHANNEL_ID_MISMATCH,
	OPCUA_EV_UNKNOWN_TOKEN,
	OPCUA_EV_SEQUENCE_NOT_INCREASING,
	OPCUA_EV_CHUNKS_INTERLEAVED,
	OPCUA_EV_TOO_MANY_CHUNKS,
	OPCUA_EV_MESSAGE_TOO_LARGE,
	OPCUA_EV_MALFORMED_NODEID,
	OPCUA_EV_MALFORMED_MESSAGE,
	OPCUA_EV_UNKNOWN_SECURITY_POLICY,
	OPCUA_EV_INVALID_SECURITY_MODE,
	OPCUA_EV_UNKNOWN_SERVICE,
	OPCUA_EV_TOO_MANY_REQUESTS,
	OPCUA_EV__COUNT
};

/* message types (opcua.msg_type); 0 = none of the seven */
enum opcua_msg_type { OPCUA_MT_HEL = 1, OPCUA_MT_ACK, OPCUA_MT_ERR, OPCUA_MT_RHE, OPCUA_MT_OPN,
		      OPCUA_MT_MSG, OPCUA_MT_CLO };

/* security policies by URI (OPC 10000-7); 0 = not known on this flow */
enum opcua_policy { OPCUA_SP_NONE = 1, OPCUA_SP_BASIC128RSA15, OPCUA_SP_BASIC256,
		    OPCUA_SP_BASIC256SHA256, OPCUA_SP_AES128_SHA256_RSAOAEP,
		    OPCUA_SP_AES256_SHA256_RSAPSS, OPCUA_SP_ECC_NISTP256, OPCUA_SP_ECC_NISTP384,
		    OPCUA_SP_ECC_BRAINPOOLP256R1, OPCUA_SP_ECC_BRAINPOOLP384R1,
		    OPCUA_SP_ECC_CURVE25519, OPCUA_SP_ECC_CURVE448, OPCUA_SP_OTHER };

/* MessageSecurityMode (OPC 10000-4, 7.20); 0 = not known */
enum opcua_mode { OPCUA_MODE_NONE = 1, OPCUA_MODE_SIGN, OPCUA_MODE_SIGN_AND_ENCRYPT };

/* the user identity token of ActivateSession (OPC 10000-4, 7.36) */
enum opcua_identity { OPCUA_ID_ANONYMOUS = 1, OPCUA_ID_USERNAME, OPCUA_ID_X509, OPCUA_ID_ISSUED,
		      OPCUA_ID_OTHER };

/* Items (node ids) of one request kept for the record and the keywords;
 * the request's own count is in n_items. */
#define OPCUA_MAX_ITEMS 8
/* Bytes of the rendered node ids ("ns=2;s=Pump1\n" ...), opcua.node_id */
#define OPCUA_NODE_TEXT 512

/* Bytes of the PDU being parsed (valid while the tx is alive); p NULL:
 * absent (a null String is absent too). */
struct opcua_str {
	const uint8_t *p;
	uint32_t n;
};

/* One item of a request: one or two rendered node ids in node_text
 * (Call: object and method; AddNodes: parent and requested new node;
 * Add/DeleteReferences: source and target) and an attribute id (Read and
 * Write; 0 none). */
struct opcua_item {
	uint16_t a_off, a_len;
	uint16_t b_off, b_len;
	uint32_t attribute;
};

struct opcua_tx {
	uint8_t msg_type;       /* enum opcua_msg_type */
	uint8_t chunk;          /* the IsFinal byte: 'F', 'C', 'A' (or what was there) */
	uint32_t size;          /* MessageSize of the chunk */
	/* HEL / ACK */
	uint32_t version, rbs, sbs, max_msg, max_chunks;
	struct opcua_str endpoint; /* HEL, RHE, GetEndpoints, FindServers, CreateSession */
	struct opcua_str server_uri; /* RHE */
	/* ERR, and the body of an aborted chunk */
	bool has_error;
	uint32_t error;
	struct opcua_str reason;
	/* secure conversation */
	bool has_channel, has_token, has_seq;
	uint32_t channel_id, token_id, seq, request_id;
	uint8_t policy, mode;   /* of the channel, 0 not known */
	bool encrypted;         /* sequence header and body not readable */
	struct opcua_str policy_uri; /* OPN: SecurityPolicyUri */
	int32_t cert_len, thumb_len; /* OPN: sender certificate, receiver thumbprint (-1 null) */
	uint16_t chunk_count;   /* chunks of a multi-chunk message so far (0: single chunk) */
	int8_t msg_svc;         /* continuation chunks: the service of the first chunk, -1 */
	/* service (first chunk of a message only) */
	bool has_service_id;    /* a numeric ns=0 TypeId was read */
	bool has_service;       /* ... and it is one of the services table */
	bool response;
	int8_t service_idx;     /* index in the services table (tx_function), -1 */
	int8_t request_idx;     /* responses: the matched request's service, -1 */
	uint32_t service_id;    /* NodeId numeric of the binary encoding */
	bool has_handle;
	uint32_t request_handle;
	bool has_status;
	uint32_t status;        /* ServiceResult */
	/* OpenSecureChannel */
	bool has_opn;
	uint8_t request_type;   /* 0 issue, 1 renew */
	uint32_t opn_mode;      /* requested MessageSecurityMode as on the wire */
	uint32_t lifetime;      /* requested or revised */
	uint32_t opn_channel, opn_token;
	/* CreateSession */
	struct opcua_str session_name, application_uri;
	/* an ApplicationDescription (OPC 10000-4, 7.2): the client's of a
	 * CreateSession request, the server's of the first endpoint of a
	 * GetEndpoints or CreateSession response */
	bool has_app;
	uint32_t app_type;      /* 0 server, 1 client, 2 both, 3 discovery server */
	struct opcua_str app_uri, app_product_uri, app_name;
	/* ActivateSession: never the password */
	uint8_t identity;       /* enum opcua_identity, 0 none */
	struct opcua_str user;
	/* requests with items */
	int32_t n_items;        /* -1: the service has no item list */
	uint8_t n_logged;
	uint16_t node_len;
	struct opcua_item items[OPCUA_MAX_ITEMS];
	char node_text[OPCUA_NODE_TEXT];
};

#endif
