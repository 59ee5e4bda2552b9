/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_OPCUA_H
#define VIGIL_PROTO_OPCUA_H

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
	OPCUA_EV_REASSEMBLY_OVERFLOW,
	OPCUA_EV_MALFORMED_NODEID,
	OPCUA_EV_MALFORMED_MESSAGE,
	OPCUA_EV_UNKNOWN_SECURITY_POLICY,
	OPCUA_EV_UNKNOWN_SERVICE,
	OPCUA_EV_TOO_MANY_REQUESTS,
	OPCUA_EV__COUNT
};

/* message types (opcua.msg_type) */
enum opcua_msg_type { OPCUA_MT_HEL = 1, OPCUA_MT_ACK, OPCUA_MT_ERR, OPCUA_MT_RHE, OPCUA_MT_OPN,
		      OPCUA_MT_MSG, OPCUA_MT_CLO };

/* security policies (opcua.security_policy); 0 = not known on this flow */
enum opcua_policy { OPCUA_SP_NONE = 1, OPCUA_SP_BASIC128RSA15, OPCUA_SP_BASIC256,
		    OPCUA_SP_BASIC256SHA256, OPCUA_SP_AES128_SHA256_RSAOAEP,
		    OPCUA_SP_AES256_SHA256_RSAPSS, OPCUA_SP_OTHER };

/* MessageSecurityMode (OPC 10000-4, 7.20); 0 = not known */
enum opcua_mode { OPCUA_MODE_NONE = 1, OPCUA_MODE_SIGN, OPCUA_MODE_SIGN_AND_ENCRYPT };

/* user identity token of ActivateSession */
enum opcua_identity { OPCUA_ID_ANONYMOUS = 1, OPCUA_ID_USERNAME, OPCUA_ID_X509, OPCUA_ID_ISSUED,
		      OPCUA_ID_OTHER };

#define OPCUA_MAX_NODES 4

struct opcua_nodeid {
	uint8_t kind; /* 0 numeric, 1 string, 2 guid, 3 opaque */
	uint16_t ns;
	uint32_t num;
	char str[40]; /* string, guid or opaque (hex) identifier, truncated */
};

struct opcua_tx {
	uint8_t msg_type;      /* enum opcua_msg_type, 0 unknown */
	char chunk;            /* 'F', 'C', 'A' */
	uint32_t size;
	/* HEL / ACK */
	uint32_t version, rbs, sbs, max_msg, max_chunks;
	char endpoint[96];     /* HEL and RHE endpoint URL */
	char server_uri[64];   /* RHE */
	/* ERR and aborted chunks */
	bool has_error;
	uint32_t error;
	char reason[96];
	/* secure conversation */
	bool has_channel, has_token, has_seq;
	uint32_t channel_id, token_id, seq, request_id;
	uint8_t policy, mode;  /* of the channel, 0 unknown */
	bool encrypted;
	/* service */
	bool has_service;
	uint32_t service_id;   /* NodeId numeric of the binary encoding */
	int16_t service_idx;   /* dense index in the service table (tx_function), -1 */
	bool response;
	int16_t request_idx;   /* responses: the matched request's service, -1 */
	bool has_handle;
	uint32_t request_handle;
	bool has_status;
	uint32_t status;       /* ServiceResult */
	/* OpenSecureChannel */
	bool has_opn;
	uint8_t request_type;  /* 0 issue, 1 renew */
	uint8_t opn_mode;
	uint32_t lifetime;     /* requested or revised */
	uint32_t opn_channel, opn_token;
	/* ActivateSession */
	uint8_t identity;      /* enum opcua_identity, 0 none */
	char user[40];
	/* Write, Call, Read, Browse, AddNodes, DeleteNodes...: item count and
	 * first node ids (Call: object, method pairs) */
	int32_t n_items;       /* -1: none */
	uint8_t n_nodes;
	struct opcua_nodeid nodes[OPCUA_MAX_NODES];
};

#endif
