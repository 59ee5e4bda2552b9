/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_MMS_H
#define VIGIL_PROTO_MMS_H

/*
 * MMS (ISO 9506) over the OSI upper layers on ISO transport over TCP, as
 * IEC 61850-8-1 and TASE.2 use it: one transaction per TSDU (a COTP TPDU
 * of the connection, or a session SPDU with what it carries). Strings point
 * into the TSDU: valid while the tx is (the callback).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mms_event {
	MMS_EV_INVALID_TPKT,
	MMS_EV_INVALID_COTP,
	MMS_EV_COTP_ERROR,
	MMS_EV_TSDU_TOO_LARGE,
	MMS_EV_INVALID_SPDU,
	MMS_EV_INVALID_PPDU,
	MMS_EV_UNKNOWN_CONTEXT,
	MMS_EV_INVALID_ACSE,
	MMS_EV_ASSOCIATION_REJECTED,
	MMS_EV_MALFORMED_PDU,
	MMS_EV_UNKNOWN_PDU_TYPE,
	MMS_EV_UNKNOWN_SERVICE,
	MMS_EV_RESPONSE_WITHOUT_REQUEST,
	MMS_EV_SERVICE_MISMATCH,
	MMS_EV_DUPLICATE_INVOKE_ID,
	MMS_EV_TOO_MANY_PENDING,
	MMS_EV_DATA_TOO_DEEP,
	MMS_EV_INVALID_IDENTIFIER,
	MMS_EV_TOO_MANY_NAMES,
	MMS_EV__COUNT
};

/* MMSpdu choices (ISO 9506-2 7.1) */
enum mms_pdu_type {
	MMS_CONFIRMED_REQUEST,
	MMS_CONFIRMED_RESPONSE,
	MMS_CONFIRMED_ERROR,
	MMS_UNCONFIRMED,
	MMS_REJECT,
	MMS_CANCEL_REQUEST,
	MMS_CANCEL_RESPONSE,
	MMS_CANCEL_ERROR,
	MMS_INITIATE_REQUEST,
	MMS_INITIATE_RESPONSE,
	MMS_INITIATE_ERROR,
	MMS_CONCLUDE_REQUEST,
	MMS_CONCLUDE_RESPONSE,
	MMS_CONCLUDE_ERROR,
	MMS_PDU_TYPES
};

/* confirmed services of interest to the code (tags of ConfirmedServiceRequest) */
#define MMS_SVC_GET_NAME_LIST 1
#define MMS_SVC_IDENTIFY 2
#define MMS_SVC_READ 4
#define MMS_SVC_WRITE 5
#define MMS_SVC_MAX 88 /* tags 0..87 (ISO 9506-2:2003; 79 is not a service) */

/* presentation PPDUs (ISO 8823 8) */
enum mms_ppdu { MMS_PPDU_NONE, MMS_PPDU_CP, MMS_PPDU_CPA, MMS_PPDU_CPR, MMS_PPDU_ARU,
		MMS_PPDU_ARP, MMS_PPDU_TD };
/* ACSE APDUs (ISO 8650-1), [APPLICATION n] + 1; 0: none */
enum mms_acse { MMS_ACSE_NONE, MMS_ACSE_AARQ, MMS_ACSE_AARE, MMS_ACSE_RLRQ, MMS_ACSE_RLRE,
		MMS_ACSE_ABRT };

#define MMS_MAX_OBJECTS 32   /* object names logged per PDU */
#define MMS_MAX_STRS 32      /* identifiers, file names, domain names logged per PDU */
#define MMS_MAX_VALUES 32    /* data nodes logged per PDU */
#define MMS_MAX_DEPTH 12     /* nesting of data walked */
#define MMS_MAX_CONTEXTS 4   /* presentation contexts logged */
#define MMS_MAX_FAILURES 8   /* access errors logged */
/* the rule keywords' buffers (names joined by a line feed) */
#define MMS_ITEM_BUF 2048
#define MMS_DOMAIN_BUF 512
#define MMS_FILE_BUF 512
#define MMS_PI_BUF 256

struct mms_bytes {
	const uint8_t *p;
	uint16_t len;
};

/* ObjectName (ISO 9506-2 7.5.1) */
struct mms_object {
	uint8_t scope;  /* 0 vmd-specific, 1 domain-specific, 2 aa-specific */
	uint8_t kind;   /* what it names: enum in mms.c (variable, variable list, ...) */
	struct mms_bytes domain, item;
};

/* one Data or AccessResult node, flattened in document order with its depth */
struct mms_value {
	uint8_t type;   /* Data tag 1..17, or 0 for an AccessResult failure */
	uint8_t depth;
	uint16_t len;   /* bytes at p (strings, bit strings, octets, times, raw) */
	const uint8_t *p;
	union {
		int64_t i;      /* boolean, integer, bcd, failure code, bit string unused bits */
		uint64_t u;     /* unsigned */
		double f;       /* floating-point */
	} v;
	bool big;       /* an unsigned wider than 64 bits, a float of another format: p/len */
};

struct mms_context {
	int32_t id;
	struct mms_bytes abstract_syntax; /* OID contents */
	int8_t result;                    /* CPA: 0 acceptance, 1 user-, 2 provider-rejection; -1 */
};

struct mms_tx {
	/* layers present in this TSDU */
	uint8_t cotp;            /* COTP TPDU code */
	uint16_t segments;       /* DT TPDUs of the TSDU (1 when it was not segmented) */
	bool cut;                /* the TSDU outgrew the reassembly limit: its head only */
	/* COTP connection TPDUs */
	uint16_t dst_ref, src_ref;
	uint8_t class_opt;
	struct mms_bytes calling_tsap, called_tsap;
	uint8_t tpdu_size;
	/* session (ISO 8327-1): 0 when the TSDU is an MMS PDU without one */
	uint8_t spdu;            /* SPDU identifier (SI) of the main SPDU */
	bool concatenated;       /* a category 0 SPDU (GT, PT) came first (basic concatenation) */
	int16_t session_reason;  /* RF reason code, -1 */
	struct mms_bytes calling_ssel, called_ssel;
	/* presentation (ISO 8823) */
	uint8_t ppdu;            /* enum mms_ppdu */
	int32_t context_id;      /* the PDV's presentation-context-identifier, -1 */
	struct mms_bytes calling_psel, called_psel, responding_psel;
	uint8_t n_contexts;
	struct mms_context contexts[MMS_MAX_CONTEXTS];
	int16_t ppdu_reason;     /* CPR/ARP provider reason, -1 */
	/* ACSE (ISO 8650-1) */
	uint8_t acse;            /* enum mms_acse */
	struct mms_bytes app_context, calling_ap_title, called_ap_title, responding_ap_title,
		mechanism;
	int8_t auth_form;        /* calling/responding-authentication-value choice, -1 none */
	int16_t acse_result;     /* AARE result; RLRQ/RLRE reason; ABRT source; -1 */
	int16_t acse_diag_source;/* AARE result-source: 1 service-user, 2 service-provider, -1 */
	int16_t acse_diag;
	/* MMS */
	bool has_pdu;
	uint8_t pdu_type;        /* enum mms_pdu_type */
	bool has_invoke_id;
	uint32_t invoke_id;      /* invokeID; originalInvokeID of cancel and reject */
	int16_t service;         /* confirmed service tag (of the matched request for an
				  * error), -1 */
	int16_t unconfirmed;     /* unconfirmed service tag, -1 */
	bool matched;            /* a response/error whose request was seen */
	/* ServiceError, reject */
	bool has_error;
	uint8_t error_class;
	int64_t error_code;
	bool has_additional_code;
	int64_t additional_code;
	struct mms_bytes error_description;
	int16_t reject_pdu, reject_reason; /* rejectReason choice and value, -1 */
	/* initiate */
	bool has_initiate;
	int64_t local_detail, max_serv_calling, max_serv_called, nesting_level, version;
	struct mms_bytes parameter_cbb, services_supported; /* BIT STRING contents */
	/* service arguments and results */
	uint8_t n_objects;
	uint16_t object_count;   /* ObjectNames in the PDU, logged or not */
	bool variable_list;      /* read/write/report by a named variable list */
	int16_t object_class;    /* getNameList, rename: ObjectClass, -1 */
	int8_t object_scope;     /* getNameList: 0 vmd, 1 domain, 2 aa, -1 */
	struct mms_bytes scope_domain, continue_after, new_identifier;
	uint8_t n_domains, n_files, n_ids;
	uint16_t domain_count, file_count, id_count;
	struct mms_bytes program_invocation;
	bool has_more_follows, more_follows;
	bool has_ulsm, has_frsm;
	int64_t ulsm_id, frsm_id;
	/* identify response */
	bool has_identity;
	struct mms_bytes vendor, model, revision;
	/* data: write request, read response, information report */
	uint8_t n_values;
	uint16_t value_count;
	uint16_t success_count, failure_count; /* read/write responses */
	uint8_t n_failures;
	uint8_t failures[MMS_MAX_FAILURES];    /* DataAccessError codes */
	uint16_t item_len, domain_len, file_len, pi_len; /* bytes in the keyword buffers */
	bool names_cut;          /* names left out of a full buffer */
	/* last, only the first n_* entries initialised */
	struct mms_object objects[MMS_MAX_OBJECTS];
	struct mms_bytes domains[MMS_MAX_STRS / 4];
	struct mms_bytes files[MMS_MAX_STRS / 4];   /* each FileName, its parts joined by '/' */
	struct mms_bytes ids[MMS_MAX_STRS];          /* getNameList response identifiers */
	struct mms_value values[MMS_MAX_VALUES];
	/* the keyword buffers, one name per line */
	char item_buf[MMS_ITEM_BUF];
	char domain_buf[MMS_DOMAIN_BUF];
	char file_buf[MMS_FILE_BUF];
	char pi_buf[MMS_PI_BUF];
};

#endif
