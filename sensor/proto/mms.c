/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MMS (ISO 9506) over ISO transport over TCP (port 102), as IEC 61850-8-1
 * and TASE.2 (IEC 60870-6) use it. Each TPKT is one PDU of the framing
 * core; a TSDU split over COTP DT TPDUs is reassembled (proto/tpkt.c, up to
 * MMS_TSDU_MAX bytes, its head parsed when longer); one transaction per
 * COTP connection TPDU and per TSDU.
 *
 *   TPKT (RFC 1006 6)       03 00 len:2
 *   COTP (ISO 8073 13)      LI code ...   CR CC DR ER, DT: LI=2 F0 EOT|NR
 *   session (ISO 8327-1 8)  SPDU = SI:1 LI:1 (FF: LI:2) parameters, where a
 *                           parameter is PI/PGI:1 LI:1|3 value. CONNECT 13,
 *                           ACCEPT 14, REFUSE 12, FINISH 9, DISCONNECT 10,
 *                           NOT FINISHED 8, ABORT 25 carry user data in PGI
 *                           193 (194 extended); GIVE TOKENS 1 + DATA
 *                           TRANSFER 1 (01 00 01 00) are followed by it.
 *   presentation (ISO 8823 8, BER)
 *                           CP-type SET {[0] mode, [2] normal-mode SEQUENCE
 *                           {[1] calling-sel [2] called-sel [4] context
 *                           list SEQUENCE OF {id, abstract syntax OID,
 *                           transfer syntaxes} ... user-data}}; CPA-PPDU SET
 *                           {[0], [2] {[3] responding-sel [5] result list
 *                           ... user-data}}; CPR-PPDU; ARU [0] / ARP; user
 *                           data = [APPLICATION 1] fully-encoded-data
 *                           SEQUENCE OF PDV-list {context id, [0] single
 *                           ASN.1 type | [1] octet-aligned}
 *   ACSE (ISO 8650-1)       [APPLICATION 0..4] AARQ AARE RLRQ RLRE ABRT;
 *                           user-information [30] SEQUENCE OF EXTERNAL
 *                           {indirect-reference (context id), [0] PDU}
 *   MMS (ISO 9506-2 7, BER) MMSpdu CHOICE [0]..[13]: confirmed-Request
 *                           SEQUENCE {invokeID, service [tag] ...},
 *                           confirmed-Response, confirmed-Error {[0]
 *                           invokeID, [2] ServiceError}, unconfirmed,
 *                           reject, cancel, initiate, conclude.
 *
 * The MMS PDU comes in the user data of the presentation context whose
 * abstract syntax is MMS (1.0.9506.2.1; ACSE: 2.2.1.0.1), as named by the
 * CP; a TSDU that starts with a context-specific tag is an MMS PDU without
 * the upper layers (some stacks send it so; Wireshark decodes it too).
 * Requests are matched to their response or error by invokeID per
 * direction (a request may come from either side: TASE.2 servers send
 * some) in a table of MMS_PENDING entries per flow.
 *
 * Records: the layers present (cotp, session, presentation, acse objects),
 * then the MMS PDU: type, invokeID, service (an error's is its request's),
 * the ObjectNames with their kind, domain, file (FileName parts joined by
 * '/') and program-invocation names, identify's vendor/model/revision,
 * errors and rejects, initiate parameters, and Data as nested arrays. Lists
 * are capped (MMS_MAX_*) and then say how many there were (object_count,
 * identifier_count, data_count, ...). Passwords are never logged: only the
 * form of an authentication value. Keywords: mms.service, mms.pdu_type,
 * mms.invoke_id, mms.error_class; sticky buffers mms.domain, mms.item (also
 * mms.variable), mms.filename, mms.program_invocation hold the PDU's names
 * one per line.
 *
 * Events (app-layer-event:mms.<name>):
 *   mms.invalid_tpkt              TPKT reserved byte not 0 or length below 7
 *   mms.invalid_cotp              COTP LI of 0 or beyond the TPKT, an unknown or
 *                                 non-class-0 TPDU code, a header cut short
 *   mms.cotp_error                an ER TPDU: the peer rejected a TPDU
 *   mms.tsdu_too_large            a TSDU over 64 KiB of DT TPDUs: its head parsed
 *   mms.invalid_spdu              an SPDU or parameter length beyond the TSDU, an
 *                                 unknown SPDU, GIVE TOKENS not followed by data
 *   mms.invalid_ppdu              a presentation PPDU that is not valid BER or
 *                                 lacks what ISO 8823 requires
 *   mms.unknown_context           user data of a presentation context the
 *                                 connection did not define for MMS or ACSE
 *   mms.invalid_acse              an ACSE APDU that is not valid BER or unknown
 *   mms.association_rejected      AARE result not accepted, a presentation CPR,
 *                                 a session REFUSE or an MMS initiate-ErrorPDU
 *   mms.malformed_pdu             an MMS PDU that is not valid BER or lacks a
 *                                 mandatory field
 *   mms.unknown_pdu_type          an MMSpdu choice ISO 9506-2 does not define
 *   mms.unknown_service           a confirmed or unconfirmed service tag not defined
 *   mms.response_without_request  a response or error whose invokeID was not
 *                                 requested (not raised on a flow picked up
 *                                 mid-stream or after a gap)
 *   mms.service_mismatch          a response for another service than its request
 *   mms.duplicate_invoke_id       a request reusing an invokeID still pending
 *   mms.too_many_pending          more outstanding requests than the table holds
 *   mms.data_too_deep             Data nested deeper than 12 levels
 *   mms.invalid_identifier        an Identifier that is empty, longer than 64
 *                                 characters or outside A-Z a-z 0-9 _ $
 *   mms.too_many_names            names beyond what the rule buffers (mms.item,
 *                                 mms.domain, mms.filename) hold
 */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "detect/uint.h"
#include "proto/tpkt.h"
#include "util/civil.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/mms.h"

extern const struct proto_parser proto_mms;

#define MMS_TSDU_MAX 65536 /* a TSDU kept for parsing (MMS PDUs are negotiated below 64 KiB) */
#define MMS_PENDING 16     /* outstanding requests per flow */
#define MMS_ID_MAX 64      /* Identifier length (ISO 9506 says 32; IEC 61850-8-1 uses 64) */

static const char *const events[MMS_EV__COUNT] = {
	[MMS_EV_INVALID_TPKT] = "mms.invalid_tpkt",
	[MMS_EV_INVALID_COTP] = "mms.invalid_cotp",
	[MMS_EV_COTP_ERROR] = "mms.cotp_error",
	[MMS_EV_TSDU_TOO_LARGE] = "mms.tsdu_too_large",
	[MMS_EV_INVALID_SPDU] = "mms.invalid_spdu",
	[MMS_EV_INVALID_PPDU] = "mms.invalid_ppdu",
	[MMS_EV_UNKNOWN_CONTEXT] = "mms.unknown_context",
	[MMS_EV_INVALID_ACSE] = "mms.invalid_acse",
	[MMS_EV_ASSOCIATION_REJECTED] = "mms.association_rejected",
	[MMS_EV_MALFORMED_PDU] = "mms.malformed_pdu",
	[MMS_EV_UNKNOWN_PDU_TYPE] = "mms.unknown_pdu_type",
	[MMS_EV_UNKNOWN_SERVICE] = "mms.unknown_service",
	[MMS_EV_RESPONSE_WITHOUT_REQUEST] = "mms.response_without_request",
	[MMS_EV_SERVICE_MISMATCH] = "mms.service_mismatch",
	[MMS_EV_DUPLICATE_INVOKE_ID] = "mms.duplicate_invoke_id",
	[MMS_EV_TOO_MANY_PENDING] = "mms.too_many_pending",
	[MMS_EV_DATA_TOO_DEEP] = "mms.data_too_deep",
	[MMS_EV_INVALID_IDENTIFIER] = "mms.invalid_identifier",
	[MMS_EV_TOO_MANY_NAMES] = "mms.too_many_names",
};

struct mms_pending {
	uint32_t invoke_id;
	uint8_t service;
	uint8_t dir;
	bool used;
};

struct mms_state {
	struct tpkt_reasm r[2];
	struct mms_pending pend[MMS_PENDING];
	uint8_t pend_next;
	bool cp_seen;       /* the CP named the presentation contexts */
	bool lossy[2];      /* requests of that direction may have been missed */
	bool started;       /* the connection's start (CR/CC/CN/AC) was seen */
	int32_t mms_ctx, acse_ctx; /* presentation context ids, -1 unknown */
};

/* ---- names (the specs as data) --------------------------------------------- */

static const char *const pdu_type_names[MMS_PDU_TYPES] = {
	"confirmed-RequestPDU",  "confirmed-ResponsePDU", "confirmed-ErrorPDU",
	"unconfirmed-PDU",       "rejectPDU",             "cancel-RequestPDU",
	"cancel-ResponsePDU",    "cancel-ErrorPDU",       "initiate-RequestPDU",
	"initiate-ResponsePDU",  "initiate-ErrorPDU",     "conclude-RequestPDU",
	"conclude-ResponsePDU",  "conclude-ErrorPDU",
};

/* What a service's request argument holds (ISO 9506-2 clauses 10-21, 23-25). */
enum arg {
	A_NONE,      /* nothing decoded */
	A_OBJ,       /* the argument is an ObjectName */
	A_OBJ0,      /* SEQUENCE whose [0] is an ObjectName (more: see objects_seq) */
	A_OBJLIST,   /* SEQUENCE {[0] scope, [1] SEQUENCE OF ObjectName, [2] domain} */
	A_DELCHOICE, /* CHOICE {[0] SEQUENCE OF ObjectName, ..., domain Identifier} */
	A_DOMAIN,    /* the argument is a domain name (Identifier) */
	A_DOMSEQ,    /* SEQUENCE {[0] domain name, ... [file_tag] FileName} */
	A_PI,        /* the argument is a program invocation name */
	A_PISEQ,     /* SEQUENCE {[0] program invocation name, ...} */
	A_FILES,     /* FileNames at the context tags of file_tag (bit mask) */
	A_FILENAME,  /* the argument is a FileName */
	A_ID32,      /* Integer32: ULSM or FRSM id */
	A_SPECIAL,   /* decoded by its own function */
};

/* Object kinds (what the ObjectNames of a service name). */
enum okind { K_VARIABLE, K_VARIABLE_LIST, K_SCATTERED, K_TYPE, K_SEMAPHORE, K_EVENT_CONDITION,
	     K_EVENT_ACTION, K_EVENT_ENROLLMENT, K_JOURNAL, K_OBJECT };
static const char *const okind_names[] = {
	"variable", "variable_list", "scattered_access", "type", "semaphore", "event_condition",
	"event_action", "event_enrollment", "journal", "object",
};

struct svc {
	const char *name;
	uint8_t arg;      /* enum arg */
	uint8_t kind;     /* enum okind of its ObjectNames */
	uint8_t file_tag; /* A_DOMSEQ: context tag of its FileName (0: none); A_FILES: mask */
};

/* ConfirmedServiceRequest (ISO 9506-2:2003 7.3), by tag */
static const struct svc svcs[MMS_SVC_MAX] = {
	[0] = { "status", A_NONE, 0, 0 },
	[1] = { "getNameList", A_SPECIAL, K_OBJECT, 0 },
	[2] = { "identify", A_NONE, 0, 0 },
	[3] = { "rename", A_SPECIAL, K_OBJECT, 0 },
	[4] = { "read", A_SPECIAL, K_VARIABLE, 0 },
	[5] = { "write", A_SPECIAL, K_VARIABLE, 0 },
	[6] = { "getVariableAccessAttributes", A_SPECIAL, K_VARIABLE, 0 },
	[7] = { "defineNamedVariable", A_OBJ0, K_VARIABLE, 0 },
	[8] = { "defineScatteredAccess", A_OBJ0, K_SCATTERED, 0 },
	[9] = { "getScatteredAccessAttributes", A_OBJ, K_SCATTERED, 0 },
	[10] = { "deleteVariableAccess", A_OBJLIST, K_VARIABLE, 0 },
	[11] = { "defineNamedVariableList", A_SPECIAL, K_VARIABLE_LIST, 0 },
	[12] = { "getNamedVariableListAttributes", A_OBJ, K_VARIABLE_LIST, 0 },
	[13] = { "deleteNamedVariableList", A_OBJLIST, K_VARIABLE_LIST, 0 },
	[14] = { "defineNamedType", A_SPECIAL, K_TYPE, 0 },
	[15] = { "getNamedTypeAttributes", A_OBJ, K_TYPE, 0 },
	[16] = { "deleteNamedType", A_OBJLIST, K_TYPE, 0 },
	[17] = { "input", A_NONE, 0, 0 },
	[18] = { "output", A_NONE, 0, 0 },
	[19] = { "takeControl", A_OBJ0, K_SEMAPHORE, 0 },
	[20] = { "relinquishControl", A_OBJ0, K_SEMAPHORE, 0 },
	[21] = { "defineSemaphore", A_OBJ0, K_SEMAPHORE, 0 },
	[22] = { "deleteSemaphore", A_OBJ, K_SEMAPHORE, 0 },
	[23] = { "reportSemaphoreStatus", A_OBJ, K_SEMAPHORE, 0 },
	[24] = { "reportPoolSemaphoreStatus", A_OBJ0, K_SEMAPHORE, 0 },
	[25] = { "reportSemaphoreEntryStatus", A_OBJ0, K_SEMAPHORE, 0 },
	[26] = { "initiateDownloadSequence", A_DOMSEQ, 0, 0 },
	[27] = { "downloadSegment", A_DOMAIN, 0, 0 },
	[28] = { "terminateDownloadSequence", A_DOMSEQ, 0, 0 },
	[29] = { "initiateUploadSequence", A_DOMAIN, 0, 0 },
	[30] = { "uploadSegment", A_ID32, 0, 0 },
	[31] = { "terminateUploadSequence", A_ID32, 0, 0 },
	[32] = { "requestDomainDownload", A_DOMSEQ, 0, 4 },
	[33] = { "requestDomainUpload", A_DOMSEQ, 0, 1 },
	[34] = { "loadDomainContent", A_DOMSEQ, 0, 4 },
	[35] = { "storeDomainContent", A_DOMSEQ, 0, 1 },
	[36] = { "deleteDomain", A_DOMAIN, 0, 0 },
	[37] = { "getDomainAttributes", A_DOMAIN, 0, 0 },
	[38] = { "createProgramInvocation", A_PISEQ, 0, 0 },
	[39] = { "deleteProgramInvocation", A_PI, 0, 0 },
	[40] = { "start", A_PISEQ, 0, 0 },
	[41] = { "stop", A_PISEQ, 0, 0 },
	[42] = { "resume", A_PISEQ, 0, 0 },
	[43] = { "reset", A_PISEQ, 0, 0 },
	[44] = { "kill", A_PISEQ, 0, 0 },
	[45] = { "getProgramInvocationAttributes", A_PI, 0, 0 },
	[46] = { "obtainFile", A_FILES, 0, 0x06 },
	[47] = { "defineEventCondition", A_OBJ0, K_EVENT_CONDITION, 0 },
	[48] = { "deleteEventCondition", A_DELCHOICE, K_EVENT_CONDITION, 2 },
	[49] = { "getEventConditionAttributes", A_OBJ, K_EVENT_CONDITION, 0 },
	[50] = { "reportEventConditionStatus", A_OBJ, K_EVENT_CONDITION, 0 },
	[51] = { "alterEventConditionMonitoring", A_OBJ0, K_EVENT_CONDITION, 0 },
	[52] = { "triggerEvent", A_OBJ0, K_EVENT_CONDITION, 0 },
	[53] = { "defineEventAction", A_OBJ0, K_EVENT_ACTION, 0 },
	[54] = { "deleteEventAction", A_DELCHOICE, K_EVENT_ACTION, 3 },
	[55] = { "getEventActionAttributes", A_OBJ, K_EVENT_ACTION, 0 },
	[56] = { "reportEventActionStatus", A_OBJ, K_EVENT_ACTION, 0 },
	[57] = { "defineEventEnrollment", A_OBJ0, K_EVENT_ENROLLMENT, 0 },
	[58] = { "deleteEventEnrollment", A_DELCHOICE, K_EVENT_ENROLLMENT, 0 },
	[59] = { "alterEventEnrollment", A_OBJ0, K_EVENT_ENROLLMENT, 0 },
	[60] = { "reportEventEnrollmentStatus", A_OBJ, K_EVENT_ENROLLMENT, 0 },
	[61] = { "getEventEnrollmentAttributes", A_NONE, 0, 0 },
	[62] = { "acknowledgeEventNotification", A_OBJ0, K_EVENT_ENROLLMENT, 0 },
	[63] = { "getAlarmSummary", A_NONE, 0, 0 },
	[64] = { "getAlarmEnrollmentSummary", A_NONE, 0, 0 },
	[65] = { "readJournal", A_OBJ0, K_JOURNAL, 0 },
	[66] = { "writeJournal", A_OBJ0, K_JOURNAL, 0 },
	[67] = { "initializeJournal", A_OBJ0, K_JOURNAL, 0 },
	[68] = { "reportJournalStatus", A_OBJ, K_JOURNAL, 0 },
	[69] = { "createJournal", A_OBJ0, K_JOURNAL, 0 },
	[70] = { "deleteJournal", A_OBJ0, K_JOURNAL, 0 },
	[71] = { "getCapabilityList", A_NONE, 0, 0 },
	[72] = { "fileOpen", A_FILES, 0, 0x01 },
	[73] = { "fileRead", A_ID32, 0, 0 },
	[74] = { "fileClose", A_ID32, 0, 0 },
	[75] = { "fileRename", A_FILES, 0, 0x03 },
	[76] = { "fileDelete", A_FILENAME, 0, 0 },
	[77] = { "fileDirectory", A_FILES, 0, 0x03 },
	[78] = { "additionalService", A_NONE, 0, 0 },
	[80] = { "getDataExchangeAttributes", A_NONE, 0, 0 },
	[81] = { "exchangeData", A_NONE, 0, 0 },
	[82] = { "defineAccessControlList", A_NONE, 0, 0 },
	[83] = { "getAccessControlListAttributes", A_NONE, 0, 0 },
	[84] = { "reportAccessControlledObjects", A_NONE, 0, 0 },
	[85] = { "deleteAccessControlList", A_NONE, 0, 0 },
	[86] = { "changeAccessControl", A_NONE, 0, 0 },
	[87] = { "reconfigureProgramInvocation", A_NONE, 0, 0 },
};

static const char *svc_name(int s)
{
	return s >= 0 && s < MMS_SVC_MAX ? svcs[s].name : NULL;
}

static const char *const unconfirmed_names[] = { "informationReport", "unsolicitedStatus",
						 "eventNotification" };

/* ServiceError errorClass (ISO 9506-2 7.4.2) and the codes of each class */
static const char *const error_class_names[] = {
	"vmd-state", "application-reference", "definition", "resource", "service",
	"service-preempt", "time-resolution", "access", "initiate", "conclude", "cancel", "file",
	"others",
};
static const char *const err_vmd[] = { "other", "vmd-state-conflict", "vmd-operational-problem",
				       "domain-transfer-problem", "state-machine-id-invalid" };
static const char *const err_appref[] = { "other", "application-unreachable", "connection-lost",
					  "application-reference-invalid", "context-unsupported" };
static const char *const err_def[] = { "other", "object-undefined", "invalid-address",
				       "type-unsupported", "type-inconsistent", "object-exists",
				       "object-attribute-inconsistent" };
static const char *const err_res[] = { "other", "memory-unavailable", "processor-resource-unavailable",
				       "mass-storage-unavailable", "capability-unavailable",
				       "capability-unknown" };
static const char *const err_svc[] = { "other", "primitives-out-of-sequence", "object-state-conflict",
				       "pdu-size", "continuation-invalid", "object-constraint-conflict" };
static const char *const err_preempt[] = { "other", "timeout", "deadlock", "cancel" };
static const char *const err_time[] = { "other", "unsupportable-time-resolution" };
static const char *const err_access[] = { "other", "object-access-unsupported", "object-non-existent",
					  "object-access-denied", "object-invalidated" };
static const char *const err_init[] = { "other", "version-incompatible", "max-segment-insufficient",
					"max-services-outstanding-calling-insufficient",
					"max-services-outstanding-called-insufficient",
					"service-CBB-insufficient", "parameter-CBB-insufficient",
					"nesting-level-insufficient" };
static const char *const err_conclude[] = { "other", "further-communication-required" };
static const char *const err_cancel[] = { "other", "invoke-id-unknown", "cancel-not-possible" };
static const char *const err_file[] = { "other", "filename-ambiguous", "file-busy",
					"filename-syntax-error", "content-type-invalid",
					"position-invalid", "file-access-denied", "file-non-existent",
					"duplicate-filename", "insufficient-space-in-filestore" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *t, size_t n, int64_t v)
{
	return v >= 0 && (uint64_t)v < n ? t[v] : NULL;
}

static const char *error_code_name(unsigned cls, int64_t code)
{
	static const struct { const char *const *t; size_t n; } codes[] = {
		{ err_vmd, N(err_vmd) },         { err_appref, N(err_appref) },
		{ err_def, N(err_def) },         { err_res, N(err_res) },
		{ err_svc, N(err_svc) },         { err_preempt, N(err_preempt) },
		{ err_time, N(err_time) },       { err_access, N(err_access) },
		{ err_init, N(err_init) },       { err_conclude, N(err_conclude) },
		{ err_cancel, N(err_cancel) },   { err_file, N(err_file) },
	};
	return cls < N(codes) ? name_of(codes[cls].t, codes[cls].n, code) : NULL;
}

/* RejectPDU rejectReason (ISO 9506-2 7.4.3): the PDU kind, then its reasons */
static const char *const reject_pdu_names[] = {
	NULL, "confirmed-requestPDU", "confirmed-responsePDU", "confirmed-errorPDU",
	"unconfirmedPDU", "pdu-error", "cancel-requestPDU", "cancel-responsePDU",
	"cancel-errorPDU", "conclude-requestPDU", "conclude-responsePDU", "conclude-errorPDU",
};

static const char *reject_reason_name(int pdu, int64_t r)
{
	static const char *const req[] = { "other", "unrecognized-service", "unrecognized-modifier",
					   "invalid-invokeID", "invalid-argument", "invalid-modifier",
					   "max-serv-outstanding-exceeded", NULL,
					   "max-recursion-exceeded", "value-out-of-range" };
	static const char *const resp[] = { "other", "unrecognized-service", "invalid-invokeID",
					    "invalid-result", NULL, "max-recursion-exceeded",
					    "value-out-of-range" };
	static const char *const err[] = { "other", "unrecognized-service", "invalid-invokeID",
					   "invalid-serviceError", "value-out-of-range" };
	static const char *const unc[] = { "other", "unrecognized-service", "invalid-argument",
					   "max-recursion-exceeded", "value-out-of-range" };
	static const char *const pdu_err[] = { "unknown-pdu-type", "invalid-pdu",
					       "illegal-acse-mapping" };
	static const char *const cancel[] = { "other", "invalid-invokeID" };
	static const char *const cancel_err[] = { "other", "invalid-invokeID", "invalid-serviceError",
						  "value-out-of-range" };
	static const char *const concl[] = { "other", "invalid-argument" };
	static const char *const concl_resp[] = { "other", "invalid-result" };
	static const char *const concl_err[] = { "other", "invalid-serviceError",
						 "value-out-of-range" };
	switch (pdu) {
	case 1: return name_of(req, N(req), r);
	case 2: return name_of(resp, N(resp), r);
	case 3: return name_of(err, N(err), r);
	case 4: return name_of(unc, N(unc), r);
	case 5: return name_of(pdu_err, N(pdu_err), r);
	case 6: case 7: return name_of(cancel, N(cancel), r);
	case 8: return name_of(cancel_err, N(cancel_err), r);
	case 9: return name_of(concl, N(concl), r);
	case 10: return name_of(concl_resp, N(concl_resp), r);
	case 11: return name_of(concl_err, N(concl_err), r);
	default: return NULL;
	}
}

/* getNameList / rename ObjectClass (ISO 9506-2 10.5.1, 2003 additions) */
static const char *const object_class_names[] = {
	"namedVariable", "scatteredAccess", "namedVariableList", "namedType", "semaphore",
	"eventCondition", "eventAction", "eventEnrollment", "journal", "domain",
	"programInvocation", "operatorStation", "dataExchange", "accessControlList",
};

static const char *const data_access_error_names[] = {
	"object-invalidated", "hardware-fault", "temporarily-unavailable", "object-access-denied",
	"object-undefined", "invalid-address", "type-unsupported", "type-inconsistent",
	"object-attribute-inconsistent", "object-access-unsupported", "object-non-existent",
	"object-value-invalid",
};

/* Data CHOICE (ISO 9506-2 14.4.2; 16 and 17 from IEC 61850-8-1) as JSON keys */
static const char *const data_type_names[18] = {
	"failure", "array", "structure", "boolean", "bit_string", "integer", "unsigned",
	"floating_point", "real", "octet_string", "visible_string", "generalized_time",
	"binary_time", "bcd", "boolean_array", "objid", "mms_string", "utc_time",
};

/* session SPDU identifiers (ISO 8327-1 8.3, table 11) */
static const char *spdu_name(uint8_t si, bool after_gt)
{
	switch (si) {
	case 1: return after_gt ? "DT" : "GT";
	case 2: return "PT";
	case 5: return "EX";
	case 7: return "PR";
	case 8: return "NF";
	case 9: return "FN";
	case 10: return "DN";
	case 12: return "RF";
	case 13: return "CN";
	case 14: return "AC";
	case 15: return "CDO";
	case 16: return "OA";
	case 21: return "GTC";
	case 22: return "GTA";
	case 25: return "AB";
	case 26: return "AA";
	case 29: return "AR";
	case 33: return "TD";
	case 34: return "RA";
	case 41: return "MAP";
	case 42: return "MAA";
	case 45: return "AS";
	case 48: return "ED";
	case 49: return "MIP";
	case 50: return "MIA";
	case 53: return "RS";
	case 57: return "AD";
	case 58: return "ADA";
	case 61: return "CD";
	case 62: return "CDA";
	default: return NULL;
	}
}

static const char *const ppdu_names[] = { NULL, "CP", "CPA", "CPR", "ARU", "ARP", "TD" };
static const char *const acse_names[] = { NULL, "AARQ", "AARE", "RLRQ", "RLRE", "ABRT" };
static const char *const acse_result_names[] = { "accepted", "rejected-permanent",
						 "rejected-transient" };
static const char *const acse_user_diag_names[] = {
	"null", "no-reason-given", "application-context-name-not-supported",
	"calling-AP-title-not-recognized", "calling-AP-invocation-identifier-not-recognized",
	"calling-AE-qualifier-not-recognized", "calling-AE-invocation-identifier-not-recognized",
	"called-AP-title-not-recognized", "called-AP-invocation-identifier-not-recognized",
	"called-AE-qualifier-not-recognized", "called-AE-invocation-identifier-not-recognized",
	"authentication-mechanism-name-not-recognized", "authentication-mechanism-name-required",
	"authentication-failure", "authentication-required",
};
static const char *const acse_provider_diag_names[] = { "null", "no-reason-given",
							"no-common-acse-version" };
static const char *const auth_form_names[] = { "charstring", "bitstring", "external", "other" };
static const char *const pres_result_names[] = { "acceptance", "user-rejection",
						 "provider-rejection" };

/* abstract syntaxes, as OID contents */
static const uint8_t oid_acse[] = { 0x52, 0x01, 0x00, 0x01 };       /* 2.2.1.0.1 */
static const uint8_t oid_mms[] = { 0x28, 0xca, 0x22, 0x02, 0x01 };  /* 1.0.9506.2.1 */
static const uint8_t oid_mms_ctx[] = { 0x28, 0xca, 0x22, 0x02, 0x03 }; /* 1.0.9506.2.3 */

static bool oid_is(struct mms_bytes o, const uint8_t *want, size_t n)
{
	return o.p && o.len == n && memcmp(o.p, want, n) == 0;
}

/* ---- decoding context and BER (X.690 8.1) ------------------------------------ */

enum { BER_UNIV, BER_APP, BER_CTX, BER_PRIV };

struct ber {
	uint8_t cls;
	bool cons;
	uint32_t tag;
	struct cursor v; /* the contents */
	bool cut;        /* the contents run past the end of a cut TSDU: what is there */
};

struct dec {
	struct app_ctx *ctx;
	struct mms_state *s;
	struct mms_tx *tx;
	uint8_t dir;
	bool cut;         /* the TSDU is its head only: a length past the end is not an error */
	uint8_t bad;      /* the event of the layer being decoded, for malformed BER */
	uint32_t raised;  /* events raised for this TSDU: each at most once */
	uint8_t kind;     /* enum okind of the ObjectNames being read */
};

static void dev(struct dec *d, unsigned e)
{
	if (d->raised & (1u << e))
		return;
	d->raised |= 1u << e;
	app_emit_event(d->ctx, &proto_mms, (uint16_t)e);
}

/* Reads one TLV (definite lengths up to 4 bytes, tags up to 2^28). False
 * at the end of c (no event) or on a malformed header (d->bad raised,
 * unless the TSDU was cut and its end is reached). */
static bool ber_get(struct dec *d, struct cursor *c, struct ber *t)
{
	if (cur_left(c) == 0)
		return false;
	uint8_t b = cur_u8(c);
	t->cls = b >> 6;
	t->cons = b & 0x20;
	t->tag = b & 0x1f;
	if (t->tag == 0x1f) {
		t->tag = 0;
		for (int i = 0;; i++) {
			uint8_t x = cur_u8(c);
			if (i == 4)
				cur_fail(c);
			if (!cur_ok(c))
				break;
			t->tag = t->tag << 7 | (x & 0x7f);
			if (!(x & 0x80))
				break;
		}
	}
	uint8_t l = cur_u8(c);
	size_t len = l;
	if (l & 0x80) {
		unsigned n = l & 0x7f;
		if (n == 0 || n > 4) /* indefinite form, or absurdly long */
			cur_fail(c);
		len = 0;
		for (unsigned i = 0; i < n && cur_ok(c); i++)
			len = len << 8 | cur_u8(c);
	}
	t->cut = false;
	if (cur_ok(c) && len > cur_left(c) && d->cut) {
		len = cur_left(c);
		t->cut = true;
	}
	if (cur_ok(c))
		t->v = cur_sub(c, len);
	if (!cur_ok(c)) {
		if (!d->cut)
			dev(d, d->bad);
		return false;
	}
	return true;
}

/* A mandatory element is missing (not an error at the end of a cut TSDU). */
static void need(struct dec *d, bool present)
{
	if (!present && !d->cut)
		dev(d, d->bad);
}

static bool ber_is(const struct ber *t, uint8_t cls, bool cons, uint32_t tag)
{
	return t->cls == cls && t->cons == cons && t->tag == tag;
}

/* Expects the next TLV of c to be (cls, cons, tag): false (d->bad) if not. */
static bool ber_expect(struct dec *d, struct cursor *c, struct ber *t, uint8_t cls, bool cons,
		       uint32_t tag)
{
	if (!cur_left(c))
		need(d, false);
	if (!ber_get(d, c, t))
		return false;
	if (!ber_is(t, cls, cons, tag)) {
		dev(d, d->bad);
		return false;
	}
	return true;
}

/* INTEGER contents (X.690 8.3): 1..8 bytes, two's complement. */
static bool ber_int(struct dec *d, const struct ber *t, int64_t *v)
{
	size_t n = cur_left(&t->v);
	if (t->cons || n == 0 || n > 8 || t->cut) {
		if (!t->cut)
			dev(d, d->bad);
		return false;
	}
	struct cursor c = t->v;
	uint64_t u = 0;
	for (size_t i = 0; i < n; i++)
		u = u << 8 | cur_u8(&c);
	if (n < 8 && (u >> (8 * n - 1)) & 1)
		u |= ~0ull << (8 * n); /* sign extension */
	*v = (int64_t)u;
	return true;
}

/* Unsigned32 (an INTEGER of 0..2^32-1). */
static bool ber_u32(struct dec *d, const struct ber *t, uint32_t *v)
{
	int64_t x;
	if (!ber_int(d, t, &x))
		return false;
	if (x < 0 || x > 0xffffffffll) {
		dev(d, d->bad);
		return false;
	}
	*v = (uint32_t)x;
	return true;
}

static struct mms_bytes ber_bytes(const struct ber *t)
{
	size_t n = cur_left(&t->v);
	struct mms_bytes b = { t->v.p, (uint16_t)(n > 0xffff ? 0xffff : n) };
	return b;
}

/* A primitive string value (not cut short). */
static bool ber_str(struct dec *d, const struct ber *t, struct mms_bytes *out)
{
	if (t->cut)
		return false;
	if (t->cons) {
		dev(d, d->bad); /* constructed strings: not in MMS */
		return false;
	}
	*out = ber_bytes(t);
	return true;
}

/* ---- names ----------------------------------------------------------------- */

/* ISO 9506-2 7.5.2: Identifier ::= VisibleString (FROM (A-Z a-z 0-9 _ $)) */
static void check_identifier(struct dec *d, struct mms_bytes id)
{
	bool ok = id.len > 0 && id.len <= MMS_ID_MAX;
	struct cursor c = cur_make(id.p, id.len);
	while (ok && cur_left(&c)) {
		uint8_t ch = cur_u8(&c);
		ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		     ch == '_' || ch == '$';
	}
	if (!ok)
		dev(d, MMS_EV_INVALID_IDENTIFIER);
}

/* Appends a name to a keyword buffer, a line feed between names. O(n). */
static void buf_add(struct dec *d, char *buf, uint16_t *len, size_t cap, const uint8_t *p,
		    size_t n)
{
	size_t need = n + (*len ? 1 : 0);
	if (*len + need > cap) {
		d->tx->names_cut = true;
		dev(d, MMS_EV_TOO_MANY_NAMES);
		return;
	}
	if (*len)
		buf[(*len)++] = '\n';
	if (n)
		memcpy(buf + *len, p, n);
	*len = (uint16_t)(*len + n);
}

/* Is the name one of the lines of buf already? */
static bool buf_has(const char *buf, size_t len, const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i <= len) {
		const char *e = memchr(buf + i, '\n', len - i);
		size_t l = e ? (size_t)(e - (buf + i)) : len - i;
		if (l == n && memcmp(buf + i, p, n) == 0)
			return true;
		if (!e)
			break;
		i += l + 1;
	}
	return false;
}

static void add_domain(struct dec *d, struct mms_bytes dom)
{
	struct mms_tx *tx = d->tx;
	check_identifier(d, dom);
	if (buf_has(tx->domain_buf, tx->domain_len, dom.p, dom.len))
		return;
	if (tx->domain_count < UINT16_MAX)
		tx->domain_count++;
	if (tx->n_domains < N(tx->domains))
		tx->domains[tx->n_domains++] = dom;
	buf_add(d, tx->domain_buf, &tx->domain_len, sizeof(tx->domain_buf), dom.p, dom.len);
}

static void add_pi(struct dec *d, struct mms_bytes pi)
{
	struct mms_tx *tx = d->tx;
	check_identifier(d, pi);
	if (!tx->program_invocation.p)
		tx->program_invocation = pi;
	buf_add(d, tx->pi_buf, &tx->pi_len, sizeof(tx->pi_buf), pi.p, pi.len);
}

static void add_object(struct dec *d, uint8_t scope, struct mms_bytes dom, struct mms_bytes item)
{
	struct mms_tx *tx = d->tx;
	check_identifier(d, item);
	if (scope == 1)
		add_domain(d, dom);
	if (tx->object_count < UINT16_MAX)
		tx->object_count++;
	if (tx->n_objects < MMS_MAX_OBJECTS) {
		struct mms_object *o = &tx->objects[tx->n_objects++];
		o->scope = scope;
		o->kind = d->kind;
		o->domain = dom;
		o->item = item;
	}
	buf_add(d, tx->item_buf, &tx->item_len, sizeof(tx->item_buf), item.p, item.len);
}

/* ObjectName ::= CHOICE { vmd-specific [0] IMPLICIT Identifier,
 *   domain-specific [1] IMPLICIT SEQUENCE { domainId, itemId },
 *   aa-specific [2] IMPLICIT Identifier }                       (7.5.1) */
static bool object_name(struct dec *d, const struct ber *t)
{
	struct mms_bytes none = { NULL, 0 }, item;
	if (t->cls != BER_CTX || t->tag > 2 || t->cons != (t->tag == 1)) {
		dev(d, d->bad);
		return false;
	}
	if (t->tag != 1) {
		if (!ber_str(d, t, &item))
			return false;
		add_object(d, (uint8_t)t->tag, none, item);
		return true;
	}
	struct cursor c = t->v;
	struct ber a, b;
	struct mms_bytes dom;
	if (!ber_expect(d, &c, &a, BER_UNIV, false, 26) || !ber_str(d, &a, &dom) ||
	    !ber_expect(d, &c, &b, BER_UNIV, false, 26) || !ber_str(d, &b, &item))
		return false;
	add_object(d, 1, dom, item);
	return true;
}

/* An ObjectName that is the whole of c (an explicitly tagged argument). */
static bool object_name_in(struct dec *d, struct cursor *c)
{
	struct ber t;
	return ber_get(d, c, &t) && object_name(d, &t);
}

/* FileName ::= SEQUENCE OF GraphicString (7.6): its parts joined by '/'
 * in the mms.filename buffer, which the logged name points into. */
static void file_name(struct dec *d, const struct ber *t)
{
	struct mms_tx *tx = d->tx;
	struct cursor c = t->v;
	struct ber part;
	uint16_t start = tx->file_len ? (uint16_t)(tx->file_len + 1) : 0;
	bool first = true, fits = true;
	if (tx->file_count < UINT16_MAX)
		tx->file_count++;
	while (ber_get(d, &c, &part)) {
		struct mms_bytes s;
		if (!ber_is(&part, BER_UNIV, false, 25)) {
			dev(d, d->bad);
			return;
		}
		if (!ber_str(d, &part, &s))
			return;
		size_t need = s.len + 1u;
		if (!fits || tx->file_len + need > sizeof(tx->file_buf)) {
			fits = false;
			tx->names_cut = true;
			dev(d, MMS_EV_TOO_MANY_NAMES);
			continue;
		}
		if (tx->file_len)
			tx->file_buf[tx->file_len++] = first ? '\n' : '/';
		else if (!first)
			tx->file_buf[tx->file_len++] = '/';
		if (s.len)
			memcpy(tx->file_buf + tx->file_len, s.p, s.len);
		tx->file_len = (uint16_t)(tx->file_len + s.len);
		first = false;
	}
	if (fits && !first && tx->n_files < N(tx->files)) {
		struct mms_bytes f = { (const uint8_t *)tx->file_buf + start,
				       (uint16_t)(tx->file_len - start) };
		tx->files[tx->n_files++] = f;
	}
}

/* ---- Data (ISO 9506-2 14.4.2) -------------------------------------------------- */

static struct mms_value *new_value(struct dec *d, uint8_t type, unsigned depth)
{
	struct mms_tx *tx = d->tx;
	if (tx->value_count < UINT16_MAX)
		tx->value_count++;
	if (tx->n_values >= MMS_MAX_VALUES)
		return NULL;
	struct mms_value *v = &tx->values[tx->n_values++];
	memset(v, 0, sizeof(*v));
	v->type = type;
	v->depth = (uint8_t)depth;
	return v;
}

/* One Data value (or AccessResult when result: [0] is then a failure).
 * Recursion is bounded by MMS_MAX_DEPTH; deeper levels are skipped. */
static void data_value(struct dec *d, const struct ber *t, unsigned depth, bool result)
{
	if (t->cls != BER_CTX || t->tag > 17 || (t->tag == 0 && !result)) {
		dev(d, d->bad);
		return;
	}
	uint8_t type = (uint8_t)t->tag;
	bool cons = type == 1 || type == 2;
	if (t->cons != cons) {
		dev(d, d->bad);
		return;
	}
	if (t->cut && !cons)
		return; /* the end of a cut TSDU */
	struct mms_value *v = new_value(d, type, depth);
	struct mms_value scratch;
	if (!v)
		v = &scratch;
	struct mms_bytes raw = ber_bytes(t);
	v->p = raw.p;
	v->len = raw.len;
	size_t n = cur_left(&t->v);
	switch (type) {
	case 1: case 2: {
		if (depth + 1 >= MMS_MAX_DEPTH) {
			dev(d, MMS_EV_DATA_TOO_DEEP);
			return;
		}
		struct cursor c = t->v;
		struct ber e;
		while (ber_get(d, &c, &e))
			data_value(d, &e, depth + 1, false);
		return;
	}
	case 0: case 5: case 13:
		ber_int(d, t, &v->v.i);
		return;
	case 6: {
		/* unsigned: up to 64 bits, with a leading zero byte for the top bit */
		struct cursor c = t->v;
		if (n == 9 && cur_peek_u8(&c, 0) == 0)
			cur_u8(&c);
		else if (n == 0 || n > 8 || (cur_peek_u8(&c, 0) & 0x80)) {
			if (n > 8)
				v->big = true;
			else
				dev(d, d->bad);
			return;
		}
		while (cur_left(&c))
			v->v.u = v->v.u << 8 | cur_u8(&c);
		return;
	}
	case 3:
		if (n != 1) {
			dev(d, d->bad);
			return;
		}
		v->v.i = cur_peek_u8(&t->v, 0) != 0;
		return;
	case 4: case 14: {
		/* BIT STRING: unused bits, then the bits */
		int unused = cur_peek_u8(&t->v, 0);
		if (unused < 0 || unused > 7 || (n == 1 && unused)) {
			dev(d, d->bad);
			return;
		}
		struct cursor bits = t->v;
		cur_u8(&bits);
		v->v.i = unused;
		v->p = bits.p;
		v->len = (uint16_t)(cur_left(&bits) > 0xffff ? 0xffff : cur_left(&bits));
		return;
	}
	case 7: {
		/* FloatingPoint: exponent width, then IEEE 754 single (8) or double (11) */
		struct cursor c = t->v;
		uint8_t ew = cur_u8(&c);
		if (n == 5 && ew == 8)
			v->v.f = cur_be_float(&c);
		else if (n == 9 && ew == 11)
			v->v.f = cur_be_double(&c);
		else {
			v->big = true; /* another format: logged as its bytes */
			dev(d, d->bad);
		}
		return;
	}
	case 12:
		if (n != 4 && n != 6)
			dev(d, d->bad);
		return;
	case 17:
		if (n != 8)
			dev(d, d->bad);
		return;
	default:
		return; /* strings, octets, times, objId: their bytes */
	}
}

/* SEQUENCE OF Data, or of AccessResult (results: failures are counted and
 * their DataAccessError codes kept). */
static void data_list(struct dec *d, struct cursor *c, bool results)
{
	struct mms_tx *tx = d->tx;
	struct ber e;
	while (ber_get(d, c, &e)) {
		data_value(d, &e, 0, results);
		if (!results)
			continue;
		int64_t code;
		if (e.cls == BER_CTX && e.tag == 0 && !e.cons && !e.cut && ber_int(d, &e, &code)) {
			if (tx->failure_count < UINT16_MAX)
				tx->failure_count++;
			if (tx->n_failures < MMS_MAX_FAILURES)
				tx->failures[tx->n_failures++] = (uint8_t)(code < 0 || code > 255 ? 255 : code);
		} else if (tx->success_count < UINT16_MAX) {
			tx->success_count++;
		}
	}
}

/* ---- service arguments and results (ISO 9506-2 clauses 10-21) ------------------ */

/* VariableSpecification: the name [0] ObjectName choice; addresses and
 * descriptions name nothing. */
static void var_spec(struct dec *d, const struct ber *t)
{
	if (ber_is(t, BER_CTX, true, 0)) {
		struct cursor c = t->v;
		object_name_in(d, &c);
	} else if (t->cls != BER_CTX || t->tag > 4) {
		dev(d, d->bad);
	}
}

/* SEQUENCE OF SEQUENCE { variableSpecification, alternateAccess [5] OPTIONAL } */
static void var_list(struct dec *d, const struct ber *t)
{
	struct cursor c = t->v;
	struct ber item;
	while (ber_get(d, &c, &item)) {
		if (!ber_is(&item, BER_UNIV, true, 16)) {
			dev(d, d->bad);
			return;
		}
		struct cursor ic = item.v;
		struct ber vs;
		if (ber_get(d, &ic, &vs))
			var_spec(d, &vs);
	}
}

/* VariableAccessSpecification ::= CHOICE { listOfVariable [0] IMPLICIT
 * SEQUENCE OF ..., variableListName [1] ObjectName }       (14.5.2) */
static void var_access_spec(struct dec *d, const struct ber *t)
{
	if (ber_is(t, BER_CTX, true, 0)) {
		d->kind = K_VARIABLE;
		var_list(d, t);
	} else if (ber_is(t, BER_CTX, true, 1)) {
		d->tx->variable_list = true;
		d->kind = K_VARIABLE_LIST;
		struct cursor c = t->v;
		object_name_in(d, &c);
	} else {
		dev(d, d->bad);
	}
}

/* A SEQUENCE OF ObjectName. */
static void object_names(struct dec *d, const struct ber *t)
{
	struct cursor c = t->v;
	struct ber n;
	while (ber_get(d, &c, &n))
		if (!object_name(d, &n))
			return;
}

static void domain_id(struct dec *d, const struct ber *t)
{
	struct mms_bytes s;
	if (ber_str(d, t, &s))
		add_domain(d, s);
}

static void set_id32(struct dec *d, int svc, const struct ber *t)
{
	struct mms_tx *tx = d->tx;
	int64_t v;
	if (!ber_int(d, t, &v))
		return;
	if (svc == 30 || svc == 31 || svc == 29) {
		tx->has_ulsm = true;
		tx->ulsm_id = v;
	} else {
		tx->has_frsm = true;
		tx->frsm_id = v;
	}
}

/* GetNameList-Request ::= SEQUENCE { objectClass [0] CHOICE {[0] IMPLICIT
 * ObjectClass}, objectScope [1] CHOICE { vmdSpecific [0] NULL, domainSpecific
 * [1] Identifier, aaSpecific [2] NULL }, continueAfter [2] Identifier } (10.5) */
static void get_name_list_req(struct dec *d, struct cursor *c)
{
	struct mms_tx *tx = d->tx;
	struct ber t, x;
	while (ber_get(d, c, &t)) {
		if (ber_is(&t, BER_CTX, true, 0)) {
			struct cursor oc = t.v;
			int64_t v;
			if (ber_get(d, &oc, &x) && x.cls == BER_CTX && ber_int(d, &x, &v))
				tx->object_class = (int16_t)(v < 0 || v > 0x7fff ? 0x7fff : v);
		} else if (ber_is(&t, BER_CTX, true, 1)) {
			struct cursor sc = t.v;
			if (ber_get(d, &sc, &x) && x.cls == BER_CTX && x.tag <= 2) {
				tx->object_scope = (int8_t)x.tag;
				if (x.tag == 1 && ber_str(d, &x, &tx->scope_domain))
					add_domain(d, tx->scope_domain);
			}
		} else if (ber_is(&t, BER_CTX, false, 2)) {
			if (ber_str(d, &t, &tx->continue_after))
				check_identifier(d, tx->continue_after);
		}
	}
	need(d, tx->object_class >= 0 && tx->object_scope >= 0);
}

static void request_args(struct dec *d, int svc, const struct ber *t)
{
	struct mms_tx *tx = d->tx;
	const struct svc *sv = &svcs[svc];
	struct cursor c = t->v;
	struct ber a;
	d->kind = sv->kind;
	switch (sv->arg) {
	case A_OBJ:
		object_name_in(d, &c);
		return;
	case A_OBJ0:
		while (ber_get(d, &c, &a)) {
			if (!a.cons || a.cls != BER_CTX)
				continue;
			if (a.tag == 0)
				d->kind = sv->kind;
			else if (svc == 57 && a.tag == 1)
				d->kind = K_EVENT_CONDITION;
			else if (svc == 57 && a.tag == 4)
				d->kind = K_EVENT_ACTION;
			else
				continue;
			struct cursor oc = a.v;
			object_name_in(d, &oc);
		}
		return;
	case A_OBJLIST:
		while (ber_get(d, &c, &a)) {
			if (ber_is(&a, BER_CTX, true, 1))
				object_names(d, &a);
			else if (ber_is(&a, BER_CTX, false, 2))
				domain_id(d, &a);
		}
		return;
	case A_DELCHOICE:
		if (!ber_get(d, &c, &a))
			return;
		if (ber_is(&a, BER_CTX, true, 0)) {
			object_names(d, &a);
		} else if (svc == 58 && a.cons && a.cls == BER_CTX && (a.tag == 1 || a.tag == 2)) {
			d->kind = a.tag == 1 ? K_EVENT_CONDITION : K_EVENT_ACTION;
			struct cursor oc = a.v;
			object_name_in(d, &oc);
		} else if (sv->file_tag && ber_is(&a, BER_CTX, false, sv->file_tag)) {
			domain_id(d, &a);
		}
		return;
	case A_DOMAIN:
		domain_id(d, t);
		return;
	case A_DOMSEQ:
		while (ber_get(d, &c, &a)) {
			if (ber_is(&a, BER_CTX, false, 0))
				domain_id(d, &a);
			else if (sv->file_tag && ber_is(&a, BER_CTX, true, sv->file_tag))
				file_name(d, &a);
		}
		need(d, tx->domain_count > 0);
		return;
	case A_PI: {
		struct mms_bytes s;
		if (ber_str(d, t, &s))
			add_pi(d, s);
		return;
	}
	case A_PISEQ:
		while (ber_get(d, &c, &a)) {
			struct mms_bytes s;
			if (ber_is(&a, BER_CTX, false, 0) && ber_str(d, &a, &s)) {
				add_pi(d, s);
			} else if (svc == 38 && ber_is(&a, BER_CTX, true, 1)) {
				struct cursor lc = a.v;
				struct ber dn;
				while (ber_get(d, &lc, &dn))
					if (ber_is(&dn, BER_UNIV, false, 26))
						domain_id(d, &dn);
			}
		}
		need(d, tx->program_invocation.p != NULL);
		return;
	case A_FILES:
		while (ber_get(d, &c, &a))
			if (a.cls == BER_CTX && a.cons && a.tag < 8 && (sv->file_tag >> a.tag) & 1)
				file_name(d, &a);
		return;
	case A_FILENAME:
		file_name(d, t);
		return;
	case A_ID32:
		set_id32(d, svc, t);
		return;
	case A_SPECIAL:
		break;
	default:
		return;
	}
	switch (svc) {
	case 1:
		get_name_list_req(d, &c);
		return;
	case 3: /* rename: [0] class, [1] ObjectName, [2] newIdentifier */
		while (ber_get(d, &c, &a)) {
			if (ber_is(&a, BER_CTX, true, 0)) {
				struct cursor oc = a.v;
				struct ber x;
				int64_t v;
				if (ber_get(d, &oc, &x) && ber_int(d, &x, &v))
					tx->object_class = (int16_t)(v < 0 || v > 0x7fff ? 0x7fff : v);
			} else if (ber_is(&a, BER_CTX, true, 1)) {
				struct cursor oc = a.v;
				object_name_in(d, &oc);
			} else if (ber_is(&a, BER_CTX, false, 2) && ber_str(d, &a, &tx->new_identifier)) {
				check_identifier(d, tx->new_identifier);
			}
		}
		return;
	case 4: { /* read: [0] specificationWithResult, [1] VariableAccessSpecification */
		bool vas_seen = false;
		while (ber_get(d, &c, &a)) {
			if (ber_is(&a, BER_CTX, true, 1)) {
				struct cursor vc = a.v;
				struct ber vas;
				vas_seen = true;
				if (ber_get(d, &vc, &vas))
					var_access_spec(d, &vas);
			}
		}
		need(d, vas_seen);
		return;
	}
	case 5: /* write: VariableAccessSpecification, [0] listOfData */
		if (!ber_get(d, &c, &a))
			return;
		var_access_spec(d, &a);
		if (ber_expect(d, &c, &a, BER_CTX, true, 0)) {
			struct cursor dc = a.v;
			data_list(d, &dc, false);
		}
		return;
	case 6: /* getVariableAccessAttributes: CHOICE { name [0] ObjectName, address [1] } */
		if (ber_get(d, &c, &a))
			var_spec(d, &a);
		return;
	case 11: /* defineNamedVariableList: ObjectName, [0] listOfVariable */
		if (!ber_get(d, &c, &a) || !object_name(d, &a))
			return;
		d->kind = K_VARIABLE;
		if (ber_expect(d, &c, &a, BER_CTX, true, 0))
			var_list(d, &a);
		return;
	case 14: /* defineNamedType: ObjectName, TypeSpecification */
		if (ber_get(d, &c, &a))
			object_name(d, &a);
		return;
	default:
		return;
	}
}

/* The results of a confirmed service worth keeping. */
static void response_args(struct dec *d, int svc, const struct ber *t)
{
	struct mms_tx *tx = d->tx;
	struct cursor c = t->v;
	struct ber a, x;
	switch (svc) {
	case 1: /* getNameList: [0] SEQUENCE OF Identifier, [1] moreFollows */
		while (ber_get(d, &c, &a)) {
			if (ber_is(&a, BER_CTX, true, 0)) {
				struct cursor lc = a.v;
				while (ber_get(d, &lc, &x)) {
					struct mms_bytes s;
					if (!ber_is(&x, BER_UNIV, false, 26)) {
						dev(d, d->bad);
						break;
					}
					if (!ber_str(d, &x, &s))
						break;
					check_identifier(d, s);
					if (tx->id_count < UINT16_MAX)
						tx->id_count++;
					if (tx->n_ids < MMS_MAX_STRS)
						tx->ids[tx->n_ids++] = s;
				}
			} else if (ber_is(&a, BER_CTX, false, 1)) {
				tx->has_more_follows = true;
				tx->more_follows = cur_peek_u8(&a.v, 0) > 0;
			}
		}
		return;
	case 2: /* identify: [0] vendorName, [1] modelName, [2] revision */
		while (ber_get(d, &c, &a)) {
			if (a.cls != BER_CTX || a.cons || a.tag > 2)
				continue;
			struct mms_bytes *f = a.tag == 0 ? &tx->vendor : a.tag == 1 ? &tx->model
											: &tx->revision;
			if (ber_str(d, &a, f))
				tx->has_identity = true;
		}
		return;
	case 4: /* read: [0] VariableAccessSpecification OPTIONAL, [1] listOfAccessResult */
		while (ber_get(d, &c, &a)) {
			if (ber_is(&a, BER_CTX, true, 0)) {
				struct cursor vc = a.v;
				if (ber_get(d, &vc, &x))
					var_access_spec(d, &x);
			} else if (ber_is(&a, BER_CTX, true, 1)) {
				struct cursor rc = a.v;
				data_list(d, &rc, true);
			}
		}
		return;
	case 5: /* write: SEQUENCE OF CHOICE { failure [0], success [1] NULL } */
		while (ber_get(d, &c, &a)) {
			int64_t code;
			if (ber_is(&a, BER_CTX, false, 1)) {
				if (tx->success_count < UINT16_MAX)
					tx->success_count++;
			} else if (ber_is(&a, BER_CTX, false, 0) && ber_int(d, &a, &code)) {
				if (tx->failure_count < UINT16_MAX)
					tx->failure_count++;
				if (tx->n_failures < MMS_MAX_FAILURES)
					tx->failures[tx->n_failures++] =
						(uint8_t)(code < 0 || code > 255 ? 255 : code);
			} else {
				dev(d, d->bad);
			}
		}
		return;
	case 29: /* initiateUploadSequence: [0] ulsmID, ... */
	case 72: /* fileOpen: [0] frsmID, [1] fileAttributes */
		if (ber_get(d, &c, &a) && ber_is(&a, BER_CTX, false, 0))
			set_id32(d, svc, &a);
		return;
	case 73: /* fileRead: [0] fileData, [1] moreFollows */
	case 30: /* uploadSegment: loadData, [1] moreFollows */
		while (ber_get(d, &c, &a)) {
			if (ber_is(&a, BER_CTX, false, 1)) {
				tx->has_more_follows = true;
				tx->more_follows = cur_peek_u8(&a.v, 0) > 0;
			}
		}
		return;
	case 77: /* fileDirectory: [0] { SEQUENCE OF DirectoryEntry { [0] FileName,
		  * [1] attributes } }, [1] moreFollows (some stacks leave out the
		  * SEQUENCE OF inside [0]: both are read) */
		while (ber_get(d, &c, &a)) {
			if (ber_is(&a, BER_CTX, true, 0)) {
				struct cursor lc = a.v;
				struct ber e;
				while (ber_get(d, &lc, &e)) {
					struct cursor ec = e.v;
					if (!ber_get(d, &ec, &x))
						continue;
					if (ber_is(&x, BER_CTX, true, 0)) {
						file_name(d, &x); /* e was the entry */
						continue;
					}
					for (bool more = true; more && ber_is(&x, BER_UNIV, true, 16);
					     more = ber_get(d, &ec, &x)) {
						struct cursor xc = x.v;
						struct ber f;
						if (ber_get(d, &xc, &f) && ber_is(&f, BER_CTX, true, 0))
							file_name(d, &f);
					}
				}
			} else if (ber_is(&a, BER_CTX, false, 1)) {
				tx->has_more_follows = true;
				tx->more_follows = cur_peek_u8(&a.v, 0) > 0;
			}
		}
		return;
	default:
		return;
	}
}

/* ---- MMS PDUs (ISO 9506-2 7) ------------------------------------------------- */

/* A request of direction dir is outstanding until its response or error. */
static void pending_add(struct dec *d, uint32_t id, int svc)
{
	struct mms_state *s = d->s;
	int slot = -1;
	for (int i = 0; i < MMS_PENDING; i++) {
		struct mms_pending *p = &s->pend[i];
		if (p->used && p->dir == d->dir && p->invoke_id == id) {
			dev(d, MMS_EV_DUPLICATE_INVOKE_ID);
			slot = i;
			break;
		}
		if (!p->used && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		dev(d, MMS_EV_TOO_MANY_PENDING);
		slot = s->pend_next;
		s->pend_next = (uint8_t)((s->pend_next + 1) % MMS_PENDING);
	}
	s->pend[slot].used = true;
	s->pend[slot].dir = d->dir;
	s->pend[slot].invoke_id = id;
	s->pend[slot].service = (uint8_t)(svc < 0 || svc > 255 ? 255 : svc);
}

/* The service of the request a response or error of direction dir answers
 * (taken off the table), or -1. */
static int pending_take(struct dec *d, uint32_t id)
{
	struct mms_state *s = d->s;
	for (int i = 0; i < MMS_PENDING; i++) {
		struct mms_pending *p = &s->pend[i];
		if (p->used && p->dir != d->dir && p->invoke_id == id) {
			p->used = false;
			d->tx->matched = true;
			return p->service;
		}
	}
	if (!s->lossy[!d->dir])
		dev(d, MMS_EV_RESPONSE_WITHOUT_REQUEST);
	return -1;
}

/* A request rejected by the peer (rejectPDU of the other direction) will
 * have no answer. */
static void pending_drop(struct dec *d, uint32_t id)
{
	for (int i = 0; i < MMS_PENDING; i++) {
		struct mms_pending *p = &d->s->pend[i];
		if (p->used && p->dir != d->dir && p->invoke_id == id)
			p->used = false;
	}
}

static void pending_clear(struct mms_state *s)
{
	memset(s->pend, 0, sizeof(s->pend));
	s->pend_next = 0;
}

/* ServiceError ::= SEQUENCE { errorClass [0] CHOICE {[0..12] INTEGER},
 * additionalCode [1], additionalDescription [2], ... }       (7.4.2) */
static void service_error(struct dec *d, struct cursor *c)
{
	struct mms_tx *tx = d->tx;
	struct ber t, x;
	if (!ber_expect(d, c, &t, BER_CTX, true, 0))
		return;
	struct cursor ec = t.v;
	if (!ber_get(d, &ec, &x) || x.cls != BER_CTX || x.tag > 12 ||
	    !ber_int(d, &x, &tx->error_code)) {
		need(d, false);
		return;
	}
	tx->has_error = true;
	tx->error_class = (uint8_t)x.tag;
	while (ber_get(d, c, &t)) {
		if (ber_is(&t, BER_CTX, false, 1) && ber_int(d, &t, &tx->additional_code))
			tx->has_additional_code = true;
		else if (ber_is(&t, BER_CTX, false, 2))
			ber_str(d, &t, &tx->error_description);
	}
}

static void confirmed(struct dec *d, const struct ber *pdu)
{
	struct mms_tx *tx = d->tx;
	struct cursor c = pdu->v;
	struct ber t;
	bool req = tx->pdu_type == MMS_CONFIRMED_REQUEST;
	if (!ber_expect(d, &c, &t, BER_UNIV, false, 2) || !ber_u32(d, &t, &tx->invoke_id))
		return;
	tx->has_invoke_id = true;
	if (!ber_get(d, &c, &t)) {
		need(d, false);
		return;
	}
	if (req && ber_is(&t, BER_UNIV, true, 16) && !ber_get(d, &c, &t)) { /* listOfModifier */
		need(d, false);
		return;
	}
	if (t.cls != BER_CTX || t.tag == 79) {
		dev(d, d->bad);
		return;
	}
	int svc = t.tag < 0x7fff ? (int)t.tag : 0x7fff;
	tx->service = (int16_t)svc;
	if (!svc_name(svc))
		dev(d, MMS_EV_UNKNOWN_SERVICE);
	if (req) {
		pending_add(d, tx->invoke_id, svc);
		if (svc_name(svc))
			request_args(d, svc, &t);
		return;
	}
	int asked = pending_take(d, tx->invoke_id);
	if (asked >= 0 && asked != svc)
		dev(d, MMS_EV_SERVICE_MISMATCH);
	if (svc_name(svc))
		response_args(d, svc, &t);
}

static void confirmed_error(struct dec *d, const struct ber *pdu)
{
	struct mms_tx *tx = d->tx;
	struct cursor c = pdu->v;
	struct ber t;
	if (!ber_expect(d, &c, &t, BER_CTX, false, 0) || !ber_u32(d, &t, &tx->invoke_id))
		return;
	tx->has_invoke_id = true;
	int asked = pending_take(d, tx->invoke_id);
	if (asked >= 0)
		tx->service = (int16_t)asked;
	while (ber_get(d, &c, &t)) {
		if (ber_is(&t, BER_CTX, true, 2)) {
			struct cursor ec = t.v;
			service_error(d, &ec);
			return;
		}
	}
	need(d, false);
}

/* Unconfirmed-PDU ::= SEQUENCE { CHOICE { informationReport [0],
 * unsolicitedStatus [1], eventNotification [2] }, ... }        (7.2) */
static void unconfirmed(struct dec *d, const struct ber *pdu)
{
	struct mms_tx *tx = d->tx;
	struct cursor c = pdu->v;
	struct ber t, a;
	if (!ber_get(d, &c, &t)) {
		need(d, false);
		return;
	}
	if (t.cls != BER_CTX || !t.cons) {
		dev(d, d->bad);
		return;
	}
	tx->unconfirmed = (int16_t)(t.tag < 0x7fff ? t.tag : 0x7fff);
	struct cursor v = t.v;
	switch (t.tag) {
	case 0: /* InformationReport ::= SEQUENCE { VariableAccessSpecification,
		 * listOfAccessResult [0] }                      (14.6.2) */
		if (!ber_get(d, &v, &a)) {
			need(d, false);
			return;
		}
		var_access_spec(d, &a);
		if (ber_expect(d, &v, &a, BER_CTX, true, 0)) {
			struct cursor rc = a.v;
			data_list(d, &rc, true);
		}
		return;
	case 2: /* EventNotification: [0] eventEnrollmentName, [1] condition */
		while (ber_get(d, &v, &a)) {
			if (ber_is(&a, BER_CTX, true, 0)) {
				d->kind = K_EVENT_ENROLLMENT;
				struct cursor oc = a.v;
				object_name_in(d, &oc);
			} else if (ber_is(&a, BER_CTX, true, 1)) {
				struct cursor cc = a.v;
				struct ber x;
				if (ber_get(d, &cc, &x) && ber_is(&x, BER_CTX, true, 0)) {
					d->kind = K_EVENT_CONDITION;
					struct cursor oc = x.v;
					object_name_in(d, &oc);
				}
			}
		}
		return;
	case 1:
		return;
	default:
		dev(d, MMS_EV_UNKNOWN_SERVICE);
		return;
	}
}

/* RejectPDU ::= SEQUENCE { originalInvokeID [0] OPTIONAL, rejectReason
 * CHOICE { [1..11] INTEGER } }                                 (7.4.3) */
static void reject(struct dec *d, const struct ber *pdu)
{
	struct mms_tx *tx = d->tx;
	struct cursor c = pdu->v;
	struct ber t;
	while (ber_get(d, &c, &t)) {
		int64_t v;
		if (t.cls != BER_CTX || t.cons || t.tag > 11 || !ber_int(d, &t, &v)) {
			dev(d, d->bad);
			return;
		}
		if (t.tag == 0) {
			tx->has_invoke_id = v >= 0 && v <= 0xffffffffll;
			tx->invoke_id = (uint32_t)v;
		} else {
			tx->reject_pdu = (int16_t)t.tag;
			tx->reject_reason = (int16_t)(v < -1 || v > 0x7fff ? 0x7fff : v);
		}
	}
	need(d, tx->reject_pdu >= 0);
	if (tx->has_invoke_id && tx->reject_pdu == 1)
		pending_drop(d, tx->invoke_id);
}

/* Initiate-RequestPDU / -ResponsePDU ::= SEQUENCE { localDetail [0],
 * maxServOutstandingCalling [1], ...Called [2], dataStructureNestingLevel [3],
 * [4] { versionNumber [0], parameterCBB [1], servicesSupported [2] } } (8.2) */
static void initiate(struct dec *d, const struct ber *pdu)
{
	struct mms_tx *tx = d->tx;
	struct cursor c = pdu->v;
	struct ber t, x;
	tx->has_initiate = true;
	tx->local_detail = tx->max_serv_calling = tx->max_serv_called = -1;
	tx->nesting_level = tx->version = -1;
	while (ber_get(d, &c, &t)) {
		if (t.cls != BER_CTX)
			continue;
		if (!t.cons && t.tag <= 3) {
			int64_t *f[] = { &tx->local_detail, &tx->max_serv_calling, &tx->max_serv_called,
					 &tx->nesting_level };
			ber_int(d, &t, f[t.tag]);
		} else if (t.cons && t.tag == 4) {
			struct cursor dc = t.v;
			while (ber_get(d, &dc, &x)) {
				if (ber_is(&x, BER_CTX, false, 0))
					ber_int(d, &x, &tx->version);
				else if (ber_is(&x, BER_CTX, false, 1))
					ber_str(d, &x, &tx->parameter_cbb);
				else if (ber_is(&x, BER_CTX, false, 2))
					ber_str(d, &x, &tx->services_supported);
			}
		}
	}
	need(d, tx->max_serv_calling >= 0 && tx->max_serv_called >= 0 && tx->version >= 0);
	/* a new association: its requests start afresh */
	pending_clear(d->s);
	d->s->lossy[0] = d->s->lossy[1] = false;
}

/* One MMS PDU: the whole of c. */
static void mms_pdu(struct dec *d, struct cursor *c)
{
	struct mms_tx *tx = d->tx;
	struct ber t;
	d->bad = MMS_EV_MALFORMED_PDU;
	if (!ber_get(d, c, &t))
		return;
	if (t.cls != BER_CTX || t.tag >= MMS_PDU_TYPES) {
		dev(d, MMS_EV_UNKNOWN_PDU_TYPE);
		return;
	}
	tx->has_pdu = true;
	tx->pdu_type = (uint8_t)t.tag;
	/* cancel-Request/Response are Unsigned32, conclude-Request/Response NULL */
	bool prim = t.tag == MMS_CANCEL_REQUEST || t.tag == MMS_CANCEL_RESPONSE ||
		    t.tag == MMS_CONCLUDE_REQUEST || t.tag == MMS_CONCLUDE_RESPONSE;
	if (t.cons == prim) {
		dev(d, d->bad);
		return;
	}
	struct cursor v = t.v;
	switch (t.tag) {
	case MMS_CONFIRMED_REQUEST:
	case MMS_CONFIRMED_RESPONSE:
		confirmed(d, &t);
		break;
	case MMS_CONFIRMED_ERROR:
		confirmed_error(d, &t);
		break;
	case MMS_UNCONFIRMED:
		unconfirmed(d, &t);
		break;
	case MMS_REJECT:
		reject(d, &t);
		break;
	case MMS_CANCEL_REQUEST:
	case MMS_CANCEL_RESPONSE:
		tx->has_invoke_id = ber_u32(d, &t, &tx->invoke_id);
		break;
	case MMS_CANCEL_ERROR: {
		struct ber x;
		if (ber_expect(d, &v, &x, BER_CTX, false, 0))
			tx->has_invoke_id = ber_u32(d, &x, &tx->invoke_id);
		if (ber_expect(d, &v, &x, BER_CTX, true, 1)) {
			struct cursor ec = x.v;
			service_error(d, &ec);
		}
		break;
	}
	case MMS_INITIATE_REQUEST:
	case MMS_INITIATE_RESPONSE:
		initiate(d, &t);
		break;
	case MMS_INITIATE_ERROR:
		dev(d, MMS_EV_ASSOCIATION_REJECTED);
		service_error(d, &v);
		break;
	case MMS_CONCLUDE_REQUEST:
	case MMS_CONCLUDE_RESPONSE:
		if (cur_left(&v))
			dev(d, d->bad);
		if (t.tag == MMS_CONCLUDE_RESPONSE)
			pending_clear(d->s);
		break;
	case MMS_CONCLUDE_ERROR:
		service_error(d, &v);
		break;
	default:
		break;
	}
	if (cur_left(c) && !d->cut)
		dev(d, d->bad); /* bytes after the PDU */
}

/* ---- ACSE (ISO 8650-1 / X.227) ------------------------------------------------- */

static void embedded_pdu(struct dec *d, int32_t context, struct cursor *c);

/* user-information [30] IMPLICIT SEQUENCE OF EXTERNAL { direct-reference
 * OID, indirect-reference INTEGER (the presentation context), encoding
 * CHOICE { single-ASN1-type [0], octet-aligned [1], arbitrary [2] } } */
static void acse_user_info(struct dec *d, const struct ber *t)
{
	struct cursor c = t->v;
	struct ber ext, f;
	while (ber_get(d, &c, &ext)) {
		if (!ber_is(&ext, BER_UNIV, true, 8)) {
			dev(d, d->bad);
			return;
		}
		struct cursor ec = ext.v;
		int64_t ctx_id = -1;
		while (ber_get(d, &ec, &f)) {
			if (ber_is(&f, BER_UNIV, false, 2)) {
				ber_int(d, &f, &ctx_id);
			} else if (f.cls == BER_CTX && f.tag <= 1) {
				struct cursor pc = f.v;
				uint8_t bad = d->bad;
				embedded_pdu(d, ctx_id < 0 || ctx_id > 0x7fffffff ? -1 : (int32_t)ctx_id, &pc);
				d->bad = bad;
			}
		}
	}
}

/* An AP-title [n] { CHOICE { form1 Name, form2 OBJECT IDENTIFIER } }: the OID. */
static void ap_title(struct dec *d, const struct ber *t, struct mms_bytes *out)
{
	struct cursor c = t->v;
	struct ber x;
	if (ber_get(d, &c, &x) && ber_is(&x, BER_UNIV, false, 6))
		ber_str(d, &x, out);
}

static void acse(struct dec *d, struct cursor *c)
{
	struct mms_tx *tx = d->tx;
	struct ber t, f, x;
	d->bad = MMS_EV_INVALID_ACSE;
	if (!ber_get(d, c, &t))
		return;
	if (t.cls != BER_APP || !t.cons || t.tag > 4) {
		dev(d, d->bad);
		return;
	}
	tx->acse = (uint8_t)(t.tag + 1);
	struct cursor v = t.v;
	bool aarq = tx->acse == MMS_ACSE_AARQ, aare = tx->acse == MMS_ACSE_AARE;
	while (ber_get(d, &v, &f)) {
		if (f.cls != BER_CTX)
			continue;
		if (f.tag == 30 && f.cons) {
			acse_user_info(d, &f);
			continue;
		}
		if (tx->acse >= MMS_ACSE_RLRQ) {
			/* RLRQ/RLRE reason [0], ABRT abort-source [0] */
			int64_t r;
			if (f.tag == 0 && !f.cons && ber_int(d, &f, &r))
				tx->acse_result = (int16_t)(r < 0 || r > 0x7fff ? 0x7fff : r);
			continue;
		}
		if (f.tag == 1 && f.cons) { /* application-context-name */
			struct cursor ac = f.v;
			if (ber_expect(d, &ac, &x, BER_UNIV, false, 6))
				ber_str(d, &x, &tx->app_context);
		} else if (aarq && f.tag == 2 && f.cons) {
			ap_title(d, &f, &tx->called_ap_title);
		} else if (aarq && f.tag == 6 && f.cons) {
			ap_title(d, &f, &tx->calling_ap_title);
		} else if (aare && f.tag == 4 && f.cons) {
			ap_title(d, &f, &tx->responding_ap_title);
		} else if ((aarq && f.tag == 11) || (aare && f.tag == 9)) {
			ber_str(d, &f, &tx->mechanism);
		} else if (((aarq && f.tag == 12) || (aare && f.tag == 10)) && f.cons) {
			/* authentication-value CHOICE { charstring [0], bitstring [1],
			 * external [2], other [3] }: its form only, never the value */
			struct cursor ac = f.v;
			if (ber_get(d, &ac, &x) && x.cls == BER_CTX && x.tag <= 3)
				tx->auth_form = (int8_t)x.tag;
		} else if (aare && f.tag == 2 && f.cons) { /* result */
			struct cursor rc = f.v;
			int64_t r;
			if (ber_expect(d, &rc, &x, BER_UNIV, false, 2) && ber_int(d, &x, &r))
				tx->acse_result = (int16_t)(r < 0 || r > 0x7fff ? 0x7fff : r);
		} else if (aare && f.tag == 3 && f.cons) { /* result-source-diagnostic */
			struct cursor rc = f.v;
			struct ber y;
			int64_t r;
			if (ber_get(d, &rc, &x) && x.cls == BER_CTX && x.cons && (x.tag == 1 || x.tag == 2)) {
				struct cursor yc = x.v;
				if (ber_expect(d, &yc, &y, BER_UNIV, false, 2) && ber_int(d, &y, &r)) {
					tx->acse_diag_source = (int16_t)x.tag;
					tx->acse_diag = (int16_t)(r < 0 || r > 0x7fff ? 0x7fff : r);
				}
			}
		}
	}
	if (aare) {
		need(d, tx->acse_result >= 0);
		if (tx->acse_result > 0)
			dev(d, MMS_EV_ASSOCIATION_REJECTED);
	}
}

/* The PDU of presentation context id (-1 unknown) in c: ACSE or MMS,
 * by the contexts the CP defined, or by its first tag when the connection
 * started before the capture did. */
static void embedded_pdu(struct dec *d, int32_t context, struct cursor *c)
{
	struct mms_state *s = d->s;
	int first = cur_peek_u8(c, 0);
	bool is_acse, is_mms;
	if (s->cp_seen && context >= 0) {
		is_acse = context == s->acse_ctx;
		is_mms = context == s->mms_ctx;
	} else {
		is_acse = first >= 0x60 && first <= 0x64;
		is_mms = first >= 0x80 && first <= 0xbf;
	}
	if (is_acse && !d->tx->acse)
		acse(d, c);
	else if (is_mms && !d->tx->has_pdu)
		mms_pdu(d, c);
	else if (!is_acse && !is_mms)
		dev(d, MMS_EV_UNKNOWN_CONTEXT);
}

/* ---- presentation (ISO 8823 / X.226) ------------------------------------------ */

/* User-data ::= CHOICE { simply-encoded-data [APPLICATION 0] OCTET STRING,
 * fully-encoded-data [APPLICATION 1] SEQUENCE OF PDV-list }, PDV-list ::=
 * SEQUENCE { transfer-syntax-name OID OPTIONAL, presentation-context-
 * identifier INTEGER, CHOICE { single-ASN1-type [0], octet-aligned [1],
 * arbitrary [2] } }                                             (8.4.2) */
static void pres_user_data(struct dec *d, const struct ber *t)
{
	struct mms_tx *tx = d->tx;
	if (ber_is(t, BER_APP, false, 0))
		return; /* simply-encoded: no context to tell what it is */
	if (!ber_is(t, BER_APP, true, 1)) {
		dev(d, d->bad);
		return;
	}
	struct cursor c = t->v;
	struct ber pdv, f;
	while (ber_get(d, &c, &pdv)) {
		if (!ber_is(&pdv, BER_UNIV, true, 16)) {
			dev(d, d->bad);
			return;
		}
		struct cursor pc = pdv.v;
		int64_t id = -1;
		bool value = false;
		while (ber_get(d, &pc, &f)) {
			if (ber_is(&f, BER_UNIV, false, 2)) {
				ber_int(d, &f, &id);
			} else if (f.cls == BER_CTX && f.tag <= 2) {
				value = true;
				if (id < 0 || id > 0x7fffffff) {
					dev(d, d->bad);
					break;
				}
				if (tx->context_id < 0)
					tx->context_id = (int32_t)id;
				if (f.tag == 2)
					break; /* arbitrary: a bit string, not a PDU */
				struct cursor vc = f.v;
				uint8_t bad = d->bad;
				embedded_pdu(d, (int32_t)id, &vc);
				d->bad = bad;
			}
		}
		need(d, value);
	}
}

/* presentation-context-definition-list: SEQUENCE OF SEQUENCE {
 * presentation-context-identifier, abstract-syntax-name, transfer-syntax-
 * name-list }: remembers which context carries MMS and which ACSE. */
static void pres_context_list(struct dec *d, const struct ber *t)
{
	struct mms_tx *tx = d->tx;
	struct mms_state *s = d->s;
	struct cursor c = t->v;
	struct ber item, f;
	while (ber_get(d, &c, &item)) {
		struct cursor ic = item.v;
		int64_t id = -1;
		struct mms_bytes as = { NULL, 0 };
		if (!ber_is(&item, BER_UNIV, true, 16) || !ber_expect(d, &ic, &f, BER_UNIV, false, 2) ||
		    !ber_int(d, &f, &id) || !ber_expect(d, &ic, &f, BER_UNIV, false, 6) ||
		    !ber_str(d, &f, &as) || id < 0 || id > 0x7fffffff) {
			need(d, false);
			return;
		}
		if (oid_is(as, oid_acse, sizeof(oid_acse)))
			s->acse_ctx = (int32_t)id;
		else if (oid_is(as, oid_mms, sizeof(oid_mms)))
			s->mms_ctx = (int32_t)id;
		if (tx->n_contexts < MMS_MAX_CONTEXTS) {
			struct mms_context *x = &tx->contexts[tx->n_contexts++];
			x->id = (int32_t)id;
			x->abstract_syntax = as;
			x->result = -1;
		}
	}
}

/* presentation-context-definition-result-list: SEQUENCE OF SEQUENCE {
 * result [0], transfer-syntax-name [1], provider-reason [2] } */
static void pres_result_list(struct dec *d, const struct ber *t)
{
	struct mms_tx *tx = d->tx;
	struct cursor c = t->v;
	struct ber item, f;
	while (ber_get(d, &c, &item)) {
		struct cursor ic = item.v;
		int64_t r = -1;
		if (ber_get(d, &ic, &f) && ber_is(&f, BER_CTX, false, 0))
			ber_int(d, &f, &r);
		if (tx->n_contexts < MMS_MAX_CONTEXTS) {
			struct mms_context *x = &tx->contexts[tx->n_contexts++];
			x->id = -1;
			x->result = (int8_t)(r < -1 || r > 100 ? 100 : r);
		}
	}
}

/* CP-type and CPA-PPDU: SET { mode-selector [0], normal-mode-parameters
 * [2] SEQUENCE {...} }; CPR-PPDU: normal mode as a SEQUENCE. */
static void pres_connect(struct dec *d, struct cursor *c, uint8_t ppdu)
{
	struct mms_tx *tx = d->tx;
	struct ber t, f;
	d->bad = MMS_EV_INVALID_PPDU;
	tx->ppdu = ppdu;
	if (!ber_get(d, c, &t)) {
		need(d, false);
		return;
	}
	struct cursor params = cur_make(NULL, 0);
	if (ppdu == MMS_PPDU_CPR) {
		if (!ber_is(&t, BER_UNIV, true, 16)) {
			dev(d, d->bad);
			return;
		}
		params = t.v;
	} else {
		if (!ber_is(&t, BER_UNIV, true, 17)) {
			dev(d, d->bad);
			return;
		}
		struct cursor sc = t.v;
		bool normal = false;
		while (ber_get(d, &sc, &f)) {
			if (ber_is(&f, BER_CTX, true, 2)) {
				params = f.v;
				normal = true;
			}
		}
		if (!normal) {
			need(d, false); /* X.410 mode: not used by MMS */
			return;
		}
	}
	if (ppdu == MMS_PPDU_CP) {
		/* a new association: its contexts replace the old ones */
		d->s->cp_seen = false;
		d->s->mms_ctx = d->s->acse_ctx = -1;
	}
	bool ud = false;
	while (ber_get(d, &params, &f)) {
		if (f.cls == BER_APP) {
			ud = true;
			pres_user_data(d, &f);
			d->bad = MMS_EV_INVALID_PPDU;
			continue;
		}
		if (f.cls != BER_CTX)
			continue;
		if (!f.cons && f.tag == 1)
			ber_str(d, &f, &tx->calling_psel);
		else if (!f.cons && f.tag == 2)
			ber_str(d, &f, &tx->called_psel);
		else if (!f.cons && f.tag == 3)
			ber_str(d, &f, &tx->responding_psel);
		else if (f.cons && f.tag == 4 && ppdu == MMS_PPDU_CP) {
			pres_context_list(d, &f);
			/* contexts by their ids from now on, if the list named ours */
			d->s->cp_seen = d->s->mms_ctx >= 0 || d->s->acse_ctx >= 0;
		}
		else if (f.cons && f.tag == 5 && ppdu != MMS_PPDU_CP)
			pres_result_list(d, &f);
		else if (!f.cons && f.tag == 10 && ppdu == MMS_PPDU_CPR) {
			int64_t r;
			if (ber_int(d, &f, &r))
				tx->ppdu_reason = (int16_t)(r < 0 || r > 0x7fff ? 0x7fff : r);
		}
	}
	if (ppdu == MMS_PPDU_CPR)
		dev(d, MMS_EV_ASSOCIATION_REJECTED);
	else
		need(d, ud);
}

/* User data of ABORT: ARU-PPDU [0] { [0] context list, user-data } or
 * ARP-PPDU SEQUENCE { provider-reason [0], event-identifier [1] } (8.3.5) */
static void pres_abort(struct dec *d, struct cursor *c)
{
	struct mms_tx *tx = d->tx;
	struct ber t, f;
	d->bad = MMS_EV_INVALID_PPDU;
	if (!ber_get(d, c, &t))
		return;
	struct cursor v = t.v;
	if (ber_is(&t, BER_CTX, true, 0)) {
		tx->ppdu = MMS_PPDU_ARU;
		while (ber_get(d, &v, &f)) {
			if (f.cls == BER_APP) {
				pres_user_data(d, &f);
				d->bad = MMS_EV_INVALID_PPDU;
			}
		}
	} else if (ber_is(&t, BER_UNIV, true, 16)) {
		tx->ppdu = MMS_PPDU_ARP;
		int64_t r;
		if (ber_get(d, &v, &f) && ber_is(&f, BER_CTX, false, 0) && ber_int(d, &f, &r))
			tx->ppdu_reason = (int16_t)(r < 0 || r > 0x7fff ? 0x7fff : r);
	} else {
		dev(d, d->bad);
	}
}

/* The user data of a DT, FN, DN or NF SPDU: a TD PPDU (User-data). */
static void pres_data(struct dec *d, struct cursor *c)
{
	struct ber t;
	d->bad = MMS_EV_INVALID_PPDU;
	d->tx->ppdu = MMS_PPDU_TD;
	if (ber_get(d, c, &t))
		pres_user_data(d, &t);
	else
		need(d, false);
}

/* ---- session (ISO 8327-1 / X.225) ------------------------------------------------ */

/* SI:1 LI:1 (0xFF: LI:2) and the LI bytes of parameters. */
static bool spdu_head(struct dec *d, struct cursor *c, uint8_t *si, struct cursor *params)
{
	*si = cur_u8(c);
	size_t li = cur_u8(c);
	if (li == 0xff)
		li = cur_be16(c);
	if (!cur_ok(c) || li > cur_left(c)) {
		dev(d, MMS_EV_INVALID_SPDU);
		return false;
	}
	*params = cur_sub(c, li);
	return true;
}

/* SPDUs that basic concatenation puts after GIVE TOKENS or PLEASE TOKENS
 * (category 2, ISO 8327-1 6.3.7) */
static bool category2(uint8_t si)
{
	switch (si) {
	case 0: case 1: case 29: case 34: case 41: case 42: case 45: case 48: case 49: case 50:
	case 53: case 57: case 58: case 61: case 62:
		return true;
	default:
		return false;
	}
}

static void session(struct dec *d, struct cursor *c)
{
	struct mms_tx *tx = d->tx;
	struct mms_state *s = d->s;
	uint8_t si;
	struct cursor params;
	d->bad = MMS_EV_INVALID_SPDU;
	bool ok = spdu_head(d, c, &si, &params);
	tx->spdu = si;
	if (!ok)
		return;
	if (si == 1 || si == 2) {
		/* category 0 (GT, PT): alone, or before a category 2 SPDU */
		if (!cur_left(c))
			return;
		tx->concatenated = true;
		ok = spdu_head(d, c, &si, &params);
		tx->spdu = si;
		if (!ok)
			return;
		if (!category2(si)) {
			dev(d, MMS_EV_INVALID_SPDU);
			return;
		}
		if (si == 1)
			pres_data(d, c); /* DATA TRANSFER: the user information follows */
		return;
	}
	if (!spdu_name(si, false)) {
		dev(d, MMS_EV_INVALID_SPDU);
		return;
	}
	/* parameters: PI or PGI:1, LI:1 (0xFF: LI:2), value */
	struct cursor ud = cur_make(NULL, 0);
	bool has_ud = false;
	while (cur_left(&params)) {
		uint8_t code = cur_u8(&params);
		size_t pl = cur_u8(&params);
		if (pl == 0xff)
			pl = cur_be16(&params);
		struct cursor v = cur_sub(&params, pl);
		if (!cur_ok(&params)) {
			dev(d, MMS_EV_INVALID_SPDU);
			return;
		}
		switch (code) {
		case 51: /* Calling Session Selector */
			tx->calling_ssel.p = v.p;
			tx->calling_ssel.len = (uint16_t)cur_left(&v);
			break;
		case 52: /* Called Session Selector */
			tx->called_ssel.p = v.p;
			tx->called_ssel.len = (uint16_t)cur_left(&v);
			break;
		case 50: /* Reason Code (REFUSE): the reason, then user data */
			tx->session_reason = (int16_t)cur_u8(&v);
			if (cur_left(&v)) {
				ud = v;
				has_ud = true;
			}
			break;
		case 193: /* User Data */
		case 194: /* Extended User Data */
			ud = v;
			has_ud = true;
			break;
		default:
			break;
		}
	}
	if (cur_left(c))
		dev(d, MMS_EV_INVALID_SPDU); /* extended concatenation: not in MMS */
	switch (si) {
	case 13: /* CONNECT */
		s->started = true;
		if (has_ud)
			pres_connect(d, &ud, MMS_PPDU_CP);
		break;
	case 14: /* ACCEPT */
		s->started = true;
		if (has_ud)
			pres_connect(d, &ud, MMS_PPDU_CPA);
		break;
	case 12: /* REFUSE */
		dev(d, MMS_EV_ASSOCIATION_REJECTED);
		if (has_ud)
			pres_connect(d, &ud, MMS_PPDU_CPR);
		break;
	case 8: case 9: case 10: /* NOT FINISHED, FINISH, DISCONNECT: release */
		if (has_ud)
			pres_data(d, &ud);
		break;
	case 25: /* ABORT */
		if (has_ud)
			pres_abort(d, &ud);
		break;
	default:
		break;
	}
}

/* One TSDU: a session SPDU, or an MMS PDU sent without the upper layers
 * (its first byte a context-specific tag, which no SPDU identifier is). */
static void tsdu(struct dec *d, const uint8_t *p, size_t n)
{
	struct cursor c = cur_make(p, n);
	int first = cur_peek_u8(&c, 0);
	if (first < 0)
		return;
	if ((first & 0xc0) == 0x80)
		mms_pdu(d, &c);
	else
		session(d, &c);
}

/* ---- the core's side: probe, framing, one TPKT --------------------------------- */

/* Reading a TSDU in the probe: running out of bytes means MORE, unless the
 * TSDU is all there (then the evidence is not there: NO). */
#define OUT(complete) ((complete) ? APP_PROBE_NO : APP_PROBE_MORE)

/* A BER tag (low form) and definite length: 1, 0 out of bytes, -1 bad. */
static int probe_tl(struct cursor *c, int *tag, size_t *len)
{
	int t = cur_peek_u8(c, 0), l = cur_peek_u8(c, 1);
	if (t < 0 || l < 0)
		return 0;
	if ((t & 0x1f) == 0x1f || l == 0x80 || l > 0x83)
		return -1;
	size_t nl = l & 0x80 ? (size_t)(l & 0x7f) : 0;
	if (cur_left(c) < 2 + nl)
		return 0;
	cur_skip(c, 2);
	size_t v = nl ? 0 : (size_t)l;
	for (size_t i = 0; i < nl; i++)
		v = v << 8 | cur_u8(c);
	*tag = t;
	*len = v;
	return 1;
}

/* An MMSpdu at c: its tag, length and first element. exact: the TSDU is
 * this PDU and nothing else. */
static int probe_mms_pdu(struct cursor c, bool complete, bool exact)
{
	int tag;
	size_t len;
	int r = probe_tl(&c, &tag, &len);
	if (r <= 0)
		return r ? APP_PROBE_NO : OUT(complete);
	switch (tag) {
	case 0x8b: case 0x8c: /* conclude: NULL */
		return len == 0 ? APP_PROBE_YES : APP_PROBE_NO;
	case 0x85: case 0x86: /* cancel: Unsigned32 */
		return len >= 1 && len <= 5 ? APP_PROBE_YES : APP_PROBE_NO;
	case 0xa0: case 0xa1: case 0xa2: case 0xa3: case 0xa4: case 0xa7: case 0xa8: case 0xa9:
	case 0xaa: case 0xad:
		break;
	default:
		return APP_PROBE_NO;
	}
	if (len < 2 || (exact && complete && len != cur_left(&c)))
		return APP_PROBE_NO;
	int t2 = cur_peek_u8(&c, 0), l2 = cur_peek_u8(&c, 1);
	if (t2 < 0 || l2 < 0)
		return OUT(complete);
	bool ok;
	switch (tag) {
	case 0xa0: case 0xa1: /* invokeID INTEGER */
		ok = t2 == 0x02 && l2 >= 1 && l2 <= 5;
		break;
	case 0xa2: case 0xa7: /* [0] invokeID */
		ok = t2 == 0x80 && l2 >= 1 && l2 <= 5;
		break;
	case 0xa3: /* informationReport, unsolicitedStatus, eventNotification */
		ok = t2 == 0xa0 || t2 == 0xa1 || t2 == 0xa2;
		break;
	case 0xa4: /* [0] originalInvokeID or a rejectReason */
		ok = t2 >= 0x80 && t2 <= 0x8b;
		break;
	case 0xa8: case 0xa9: /* localDetail, maxServOutstanding..., detail */
		ok = (t2 >= 0x80 && t2 <= 0x83) || t2 == 0xa4;
		break;
	default: /* ServiceError: [0] errorClass */
		ok = t2 == 0xa0;
		break;
	}
	return ok ? APP_PROBE_YES : APP_PROBE_NO;
}

/* User-data (fully-encoded) whose first PDV holds an MMS PDU (or, for a
 * release, an ACSE RLRQ or RLRE). */
static int probe_user_data(struct cursor c, bool complete, bool release)
{
	int tag;
	size_t len;
	int r;
	if ((r = probe_tl(&c, &tag, &len)) <= 0 || tag != 0x61)
		return r ? APP_PROBE_NO : OUT(complete);
	if ((r = probe_tl(&c, &tag, &len)) <= 0 || tag != 0x30)
		return r ? APP_PROBE_NO : OUT(complete);
	if ((r = probe_tl(&c, &tag, &len)) <= 0)
		return r ? APP_PROBE_NO : OUT(complete);
	if (tag == 0x06) { /* transfer-syntax-name */
		if (!cur_skip(&c, len))
			return OUT(complete);
		if ((r = probe_tl(&c, &tag, &len)) <= 0)
			return r ? APP_PROBE_NO : OUT(complete);
	}
	if (tag != 0x02 || len < 1 || len > 4 || !cur_skip(&c, len))
		return tag != 0x02 || len < 1 || len > 4 ? APP_PROBE_NO : OUT(complete);
	if ((r = probe_tl(&c, &tag, &len)) <= 0 || (tag != 0xa0 && tag != 0x81))
		return r ? APP_PROBE_NO : OUT(complete);
	if (release) {
		int a = cur_peek_u8(&c, 0);
		return a < 0 ? OUT(complete) : a == 0x62 || a == 0x63 ? APP_PROBE_YES : APP_PROBE_NO;
	}
	return probe_mms_pdu(c, complete, false);
}

/* The presentation CP or CPA of a CONNECT or ACCEPT names MMS: its
 * abstract syntax (1.0.9506.2.1) or application context (1.0.9506.2.3). */
static int probe_connect_ud(struct cursor c, bool complete)
{
	int first = cur_peek_u8(&c, 0);
	if (first < 0)
		return OUT(complete);
	if (first != 0x31)
		return APP_PROBE_NO;
	static const uint8_t oid[] = { 0x06, 0x05, 0x28, 0xca, 0x22, 0x02 };
	for (long at; (at = cur_find(&c, 0x06)) >= 0;) {
		cur_skip(&c, (size_t)at);
		const uint8_t *p = c.p;
		if (cur_left(&c) >= sizeof(oid) + 1 && memcmp(p, oid, sizeof(oid)) == 0) {
			int last = cur_peek_u8(&c, sizeof(oid));
			if (last == 0x01 || last == 0x03)
				return APP_PROBE_YES;
		}
		cur_skip(&c, 1);
	}
	return OUT(complete);
}

/* The first TSDU of a direction (or the head of it). */
static int probe_tsdu(struct cursor c, bool complete)
{
	int first = cur_peek_u8(&c, 0);
	if (first < 0)
		return OUT(complete);
	if ((first & 0xc0) == 0x80)
		return probe_mms_pdu(c, complete, true);
	uint8_t si = cur_u8(&c);
	size_t li = cur_u8(&c);
	if (li == 0xff)
		li = cur_be16(&c);
	if (!cur_ok(&c))
		return OUT(complete);
	if (si == 1) {
		/* GIVE TOKENS, DATA TRANSFER (few parameters), User-data */
		if (li > 8 || !cur_skip(&c, li))
			return li > 8 ? APP_PROBE_NO : OUT(complete);
		int si2 = cur_peek_u8(&c, 0), li2 = cur_peek_u8(&c, 1);
		if (si2 < 0 || li2 < 0)
			return OUT(complete);
		if (si2 != 1 || li2 > 8 || !cur_skip(&c, 2) || !cur_skip(&c, (size_t)li2))
			return si2 != 1 || li2 > 8 ? APP_PROBE_NO : OUT(complete);
		return probe_user_data(c, complete, false);
	}
	if (si != 13 && si != 14 && si != 9 && si != 10)
		return APP_PROBE_NO;
	bool all = li <= cur_left(&c);
	struct cursor params = cur_make(c.p, all ? li : cur_left(&c));
	while (cur_left(&params)) {
		uint8_t code = cur_u8(&params);
		size_t pl = cur_u8(&params);
		if (pl == 0xff)
			pl = cur_be16(&params);
		if (!cur_ok(&params))
			return OUT(complete && all);
		bool whole = pl <= cur_left(&params);
		struct cursor v = cur_make(params.p, whole ? pl : cur_left(&params));
		if (code == 193 || code == 194) {
			bool vc = whole && complete;
			return si >= 13 ? probe_connect_ud(v, vc) : probe_user_data(v, vc, true);
		}
		if (!whole)
			return OUT(complete && all);
		cur_skip(&params, pl);
	}
	return OUT(complete && all);
}

#define PROBE_TSDU_MAX 512 /* the registry keeps as much of a direction */

/* Looks past COTP CR/CC at the first TSDU of DT TPDUs: YES only for one
 * that starts a session carrying presentation, ACSE and MMS (or an MMS PDU
 * without them); MORE while only CR/CC have been seen. */
static int m_probe(const uint8_t *buf, size_t len, uint8_t dir)
{
	(void)dir;
	uint8_t t[PROBE_TSDU_MAX];
	size_t tl = 0;
	bool connect = false, truncated = false;
	unsigned tsdus = 0;
	struct cursor c = cur_make(buf, len);
	for (unsigned k = 0; k < 32 && cur_left(&c); k++) {
		size_t n;
		int fr = tpkt_frame(c.p, cur_left(&c), &n);
		if (fr == TPKT_FRAME_MORE)
			break;
		if (fr != TPKT_FRAME_OK)
			return APP_PROBE_NO;
		if (cur_left(&c) < TPKT_MIN_LEN)
			break;
		struct cursor h = c;
		cur_skip(&h, TPKT_HDR_LEN);
		uint8_t li = cur_u8(&h), code = cur_u8(&h) & 0xf0;
		if (li == 0 || li + 5u > n)
			return APP_PROBE_NO;
		bool whole = cur_left(&c) >= n;
		if (code == COTP_CR || code == COTP_CC) {
			if (li < 6 || tsdus || tl)
				return APP_PROBE_NO;
			if (!whole)
				break;
			connect = true;
			cur_skip(&c, n);
			continue;
		}
		if (code != COTP_DT || li != 2)
			return APP_PROBE_NO;
		bool eot = cur_u8(&h) & 0x80;
		size_t seg = (whole ? n : cur_left(&c)) - TPKT_MIN_LEN;
		if (!tl && eot && whole) {
			/* a TSDU in one TPKT (the common case): read in place */
			int r = probe_tsdu(cur_make(h.p, seg), true);
			if (r != APP_PROBE_NO)
				return r;
			if (connect || ++tsdus >= 2)
				return APP_PROBE_NO;
			cur_skip(&c, n);
			continue;
		}
		size_t take = seg < sizeof(t) - tl ? seg : sizeof(t) - tl;
		if (take < seg)
			truncated = true;
		if (take)
			memcpy(t + tl, h.p, take);
		tl += take;
		if (!whole)
			break;
		cur_skip(&c, n);
		if (!eot)
			continue;
		int r = probe_tsdu(cur_make(t, tl), !truncated);
		if (r != APP_PROBE_NO)
			return r;
		/* picked up mid-stream, the first TSDU may be the tail of one */
		if (connect || ++tsdus >= 2)
			return APP_PROBE_NO;
		tl = 0;
		truncated = false;
	}
	if (!tl)
		return APP_PROBE_MORE;
	int r = probe_tsdu(cur_make(t, tl), false);
	return r == APP_PROBE_NO && !connect && !tsdus ? APP_PROBE_MORE : r;
}

static int m_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *b, size_t len,
		     size_t *pdu_len)
{
	(void)state;
	(void)dir;
	switch (tpkt_frame(b, len, pdu_len)) {
	case TPKT_FRAME_OK:
		return APP_FRAME_OK;
	case TPKT_FRAME_MORE:
		return APP_FRAME_MORE;
	case TPKT_FRAME_BAD:
		app_emit_event(ctx, &proto_mms, MMS_EV_INVALID_TPKT);
		return APP_FRAME_BAD;
	default:
		return APP_FRAME_BAD;
	}
}

static bool tx_is_response(const struct mms_tx *tx)
{
	if (tx->has_pdu) {
		switch (tx->pdu_type) {
		case MMS_CONFIRMED_RESPONSE: case MMS_CONFIRMED_ERROR: case MMS_CANCEL_RESPONSE:
		case MMS_CANCEL_ERROR: case MMS_INITIATE_RESPONSE: case MMS_INITIATE_ERROR:
		case MMS_CONCLUDE_RESPONSE: case MMS_CONCLUDE_ERROR:
			return true;
		default:
			return false;
		}
	}
	if (tx->acse)
		return tx->acse == MMS_ACSE_AARE || tx->acse == MMS_ACSE_RLRE;
	return tx->cotp == COTP_CC || tx->spdu == 14 || tx->spdu == 12;
}

static void tx_init(struct mms_tx *tx)
{
	/* on the stack: the fixed part zeroed; the arrays' entries and the
	 * keyword buffers are written as they are added */
	memset(tx, 0, offsetof(struct mms_tx, objects));
	tx->session_reason = tx->ppdu_reason = -1;
	tx->context_id = -1;
	tx->auth_form = -1;
	tx->acse_result = tx->acse_diag_source = tx->acse_diag = -1;
	tx->service = tx->unconfirmed = -1;
	tx->reject_pdu = tx->reject_reason = -1;
	tx->object_class = -1;
	tx->object_scope = -1;
}

/* A new transport connection: what an earlier one left is forgotten. */
static void connection_start(struct mms_state *s)
{
	pending_clear(s);
	s->cp_seen = false;
	s->mms_ctx = s->acse_ctx = -1;
	s->lossy[0] = s->lossy[1] = false;
	s->started = true;
	tpkt_reasm_reset(&s->r[0]);
	tpkt_reasm_reset(&s->r[1]);
}

static int m_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct mms_state *s = state;
	struct cotp h;
	if (cotp_parse(pdu, len, &h) < 0) {
		app_emit_event(ctx, &proto_mms, MMS_EV_INVALID_COTP);
		return -1;
	}
	struct mms_tx txs;
	struct mms_tx *tx = &txs;
	tx_init(tx);
	struct dec d = { .ctx = ctx, .s = s, .tx = tx, .dir = dir & 1, .bad = MMS_EV_MALFORMED_PDU };
	tx->cotp = h.code;
	if (h.code != COTP_DT) {
		tx->dst_ref = h.dst_ref;
		tx->src_ref = h.src_ref;
		tx->class_opt = h.class_opt;
		tx->tpdu_size = h.tpdu_size;
		tx->calling_tsap.p = h.calling_tsap;
		tx->calling_tsap.len = h.calling_tsap_len;
		tx->called_tsap.p = h.called_tsap;
		tx->called_tsap.len = h.called_tsap_len;
		/* class 0 has CR, CC, DR, DT and ER only */
		if (h.bad_header || (h.code != COTP_CR && h.code != COTP_CC && h.code != COTP_DR &&
				     h.code != COTP_ER))
			dev(&d, MMS_EV_INVALID_COTP);
		if (h.code == COTP_ER)
			dev(&d, MMS_EV_COTP_ERROR);
		if (h.code == COTP_CR)
			connection_start(s);
		else if (h.code == COTP_CC)
			s->started = true;
	} else {
		struct tpkt_reasm *r = &s->r[d.dir];
		const uint8_t *p;
		size_t n;
		int res = tpkt_reasm_add(r, ctx, h.eot, h.data, h.data_len, MMS_TSDU_MAX, &p, &n);
		if (res & TPKT_TSDU_CROSSED)
			dev(&d, MMS_EV_TSDU_TOO_LARGE);
		if (!(res & TPKT_TSDU_READY))
			return 0; /* a segment: the tx comes with the TSDU's last */
		tx->segments = p == h.data ? 1 : r->segments;
		tx->cut = d.cut = res & TPKT_TSDU_CUT;
		if (!s->started) {
			/* picked up mid-stream: requests before the capture were missed */
			s->started = true;
			s->lossy[0] = s->lossy[1] = true;
		}
		if (n)
			tsdu(&d, p, n);
	}
	struct app_tx t = { &proto_mms, dir, tx_is_response(tx), tx };
	app_emit_tx(ctx, &t);
	return 0;
}

static void m_gap(void *state, uint8_t dir)
{
	struct mms_state *s = state;
	tpkt_reasm_reset(&s->r[dir & 1]);
	s->lossy[dir & 1] = true; /* its requests may be in the hole */
}

static void *m_new(const struct app_flow_info *fi)
{
	(void)fi;
	struct mms_state *s = calloc(1, sizeof(*s));
	if (s)
		s->mms_ctx = s->acse_ctx = -1;
	return s;
}

static void m_free(void *p)
{
	struct mms_state *s = p;
	if (!s)
		return;
	tpkt_reasm_free(&s->r[0]);
	tpkt_reasm_free(&s->r[1]);
	free(s);
}

/* ---- EVE ------------------------------------------------------------------------- */

/* An OBJECT IDENTIFIER's contents as dotted decimal (X.690 8.19). */
static void log_oid(struct jb *jb, const char *key, struct mms_bytes b)
{
	char out[128];
	size_t o = 0;
	uint64_t arc = 0;
	bool first = true;
	struct cursor c = cur_make(b.p, b.len);
	while (cur_left(&c) && o < sizeof(out) - 24) {
		uint8_t x = cur_u8(&c);
		if (arc >> 56) /* an arc past 2^63: not an OID we can write */
			break;
		arc = arc << 7 | (x & 0x7f);
		if (x & 0x80)
			continue;
		if (first) {
			uint64_t top = arc < 80 ? arc / 40 : 2;
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%llu.%llu",
					      (unsigned long long)top,
					      (unsigned long long)(arc - top * 40));
			first = false;
		} else {
			o += (size_t)snprintf(out + o, sizeof(out) - o, ".%llu",
					      (unsigned long long)arc);
		}
		arc = 0;
	}
	jb_set_strn(jb, key, out, o < sizeof(out) ? o : sizeof(out) - 1);
}

static void log_str(struct jb *jb, const char *key, struct mms_bytes b)
{
	if (b.p)
		jb_set_strn(jb, key, b.p, b.len);
}

static void log_hex(struct jb *jb, const char *key, struct mms_bytes b)
{
	if (b.p)
		jb_set_hex(jb, key, b.p, b.len);
}

static void log_name(struct jb *jb, const char *key, const char *name)
{
	jb_set_ascii(jb, key, name ? name : "unknown");
}

/* A signed integer, exact in a double (EVE readers parse numbers as
 * doubles: jq, JavaScript, many SIEMs); beyond 2^53, which no valid PDU
 * holds (ISO 9506's integers are 32 bits at most) but 8 bytes of BER can,
 * its 64 bits in hex under key_raw. */
static void log_i64(struct jb *jb, const char *key, int64_t v)
{
	if (v > -(1ll << 53) && v < (1ll << 53)) {
		jb_set_int(jb, key, v);
		return;
	}
	char k[48], h[24];
	snprintf(k, sizeof(k), "%s_raw", key);
	snprintf(h, sizeof(h), "%016llx", (unsigned long long)v);
	jb_set_ascii(jb, k, h);
}

/* UtcTime (IEC 61850-8-1 8.1.3.7): seconds:4, fraction of a second:3
 * (binary, of 2^24), quality:1. */
static void log_utc_time(struct jb *jb, struct mms_bytes b)
{
	struct cursor c = cur_make(b.p, b.len);
	uint32_t sec = cur_be32(&c), frac = cur_be24(&c);
	uint8_t q = cur_u8(&c);
	if (!cur_ok(&c)) {
		jb_set_hex(jb, "utc_time_raw", b.p, b.len);
		return;
	}
	char ts[24];
	civil_format_ms(ts, (uint64_t)sec * 1000u + (((uint64_t)frac * 1000u) >> 24));
	jb_set_ascii(jb, "utc_time", ts);
	jb_set_uint(jb, "time_quality", q);
}

/* TimeOfDay (ISO 9506-2 7.6): milliseconds since midnight:4, then
 * days since 1984-01-01:2 when 6 bytes. */
static void log_binary_time(struct jb *jb, struct mms_bytes b)
{
	struct cursor c = cur_make(b.p, b.len);
	uint32_t ms = cur_be32(&c);
	if (!cur_ok(&c) || ms >= 86400000u || (b.len != 4 && b.len != 6)) {
		jb_set_hex(jb, "binary_time_raw", b.p, b.len);
		return;
	}
	char ts[24];
	if (b.len == 6) {
		uint16_t days = cur_be16(&c);
		civil_format_ms(ts, ((uint64_t)days + 5113u) * 86400000u + ms); /* 1984 = 5113 days */
		jb_set_ascii(jb, "binary_time", ts);
	} else {
		civil_format_ms(ts, ms);
		jb_set_ascii(jb, "binary_time", ts + 11); /* the time of day only */
	}
}

static void log_value(struct jb *jb, const struct mms_value *v)
{
	const char *k = data_type_names[v->type < 18 ? v->type : 8];
	struct mms_bytes b = { v->p, v->len };
	switch (v->type) {
	case 0:
		log_i64(jb, "failure", v->v.i);
		log_name(jb, "failure_name", name_of(data_access_error_names,
						     N(data_access_error_names), v->v.i));
		break;
	case 3:
		jb_set_bool(jb, k, v->v.i != 0);
		break;
	case 4: case 14:
		jb_set_hex(jb, k, v->p, v->len);
		jb_set_uint(jb, "unused_bits", (uint64_t)v->v.i);
		break;
	case 5: case 13:
		log_i64(jb, k, v->v.i);
		break;
	case 6:
		if (v->big || v->v.u >= 1ull << 53) /* not exact in a double */
			jb_set_hex(jb, "unsigned_raw", v->p, v->len);
		else
			jb_set_uint(jb, k, v->v.u);
		break;
	case 7:
		if (v->big)
			jb_set_hex(jb, "floating_point_raw", v->p, v->len);
		else if (v->len == 5)
			jb_set_float(jb, k, (float)v->v.f); /* single precision; not finite: null */
		else
			jb_set_double(jb, k, v->v.f);
		break;
	case 10: case 11: case 16:
		jb_set_strn(jb, k, v->p, v->len);
		break;
	case 12:
		log_binary_time(jb, b);
		break;
	case 15:
		log_oid(jb, k, b);
		break;
	case 17:
		log_utc_time(jb, b);
		break;
	default: /* real, octet-string */
		jb_set_hex(jb, k, v->p, v->len);
		break;
	}
}

/* The flat list of values back into nested arrays ({"structure":[...]}). */
static void log_values(const struct mms_tx *tx, struct jb *jb)
{
	jb_open_array(jb, "data");
	unsigned open = 0;
	for (unsigned i = 0; i < tx->n_values; i++) {
		const struct mms_value *v = &tx->values[i];
		for (; open > v->depth; open--) {
			jb_close(jb);
			jb_close(jb);
		}
		jb_open_object(jb, NULL);
		if (v->type == 1 || v->type == 2) {
			jb_open_array(jb, data_type_names[v->type]);
			open++;
			continue;
		}
		log_value(jb, v);
		jb_close(jb);
	}
	for (; open; open--) {
		jb_close(jb);
		jb_close(jb);
	}
	jb_close(jb);
	if (tx->value_count > tx->n_values)
		jb_set_uint(jb, "data_count", tx->value_count);
}

static void log_cotp(const struct mms_tx *tx, struct jb *jb)
{
	jb_open_object(jb, "cotp");
	log_name(jb, "type", cotp_code_name(tx->cotp));
	switch (tx->cotp) {
	case COTP_DT:
		if (tx->segments > 1)
			jb_set_uint(jb, "segments", tx->segments);
		if (tx->cut)
			jb_set_bool(jb, "truncated", true);
		break;
	case COTP_CR: case COTP_CC: case COTP_DR:
		jb_set_uint(jb, "dst_ref", tx->dst_ref);
		jb_set_uint(jb, "src_ref", tx->src_ref);
		if (tx->cotp == COTP_DR)
			jb_set_uint(jb, "reason", tx->class_opt);
		else
			jb_set_uint(jb, "class", tx->class_opt >> 4);
		log_hex(jb, "calling_tsap", tx->calling_tsap);
		log_hex(jb, "called_tsap", tx->called_tsap);
		if (tx->tpdu_size >= 7 && tx->tpdu_size <= 13)
			jb_set_uint(jb, "tpdu_size", 1u << tx->tpdu_size);
		break;
	case COTP_ER:
		jb_set_uint(jb, "dst_ref", tx->dst_ref);
		jb_set_uint(jb, "reject_cause", tx->class_opt);
		break;
	default:
		break;
	}
	jb_close(jb);
}

static void log_upper(const struct mms_tx *tx, struct jb *jb)
{
	if (tx->spdu || tx->concatenated) {
		jb_open_object(jb, "session");
		log_name(jb, "spdu", spdu_name(tx->spdu, tx->concatenated));
		log_hex(jb, "calling_selector", tx->calling_ssel);
		log_hex(jb, "called_selector", tx->called_ssel);
		if (tx->session_reason >= 0)
			jb_set_uint(jb, "reason", (uint64_t)tx->session_reason);
		jb_close(jb);
	}
	if (tx->ppdu) {
		jb_open_object(jb, "presentation");
		jb_set_ascii(jb, "ppdu", ppdu_names[tx->ppdu]);
		if (tx->context_id >= 0)
			jb_set_uint(jb, "context_id", (uint64_t)tx->context_id);
		log_hex(jb, "calling_selector", tx->calling_psel);
		log_hex(jb, "called_selector", tx->called_psel);
		log_hex(jb, "responding_selector", tx->responding_psel);
		if (tx->n_contexts) {
			jb_open_array(jb, "contexts");
			for (unsigned i = 0; i < tx->n_contexts; i++) {
				const struct mms_context *x = &tx->contexts[i];
				jb_open_object(jb, NULL);
				if (x->id >= 0) {
					jb_set_uint(jb, "id", (uint64_t)x->id);
					log_oid(jb, "abstract_syntax", x->abstract_syntax);
					if (oid_is(x->abstract_syntax, oid_mms, sizeof(oid_mms)))
						jb_set_ascii(jb, "name", "mms");
					else if (oid_is(x->abstract_syntax, oid_acse, sizeof(oid_acse)))
						jb_set_ascii(jb, "name", "acse");
				}
				if (x->result >= 0) {
					jb_set_uint(jb, "result", (uint64_t)x->result);
					log_name(jb, "result_name", name_of(pres_result_names,
									    N(pres_result_names),
									    x->result));
				}
				jb_close(jb);
			}
			jb_close(jb);
		}
		if (tx->ppdu_reason >= 0)
			jb_set_uint(jb, "provider_reason", (uint64_t)tx->ppdu_reason);
		jb_close(jb);
	}
	if (tx->acse) {
		jb_open_object(jb, "acse");
		jb_set_ascii(jb, "apdu", acse_names[tx->acse]);
		if (tx->app_context.p) {
			log_oid(jb, "application_context", tx->app_context);
			if (oid_is(tx->app_context, oid_mms_ctx, sizeof(oid_mms_ctx)))
				jb_set_ascii(jb, "application_context_name", "mms");
		}
		if (tx->calling_ap_title.p)
			log_oid(jb, "calling_ap_title", tx->calling_ap_title);
		if (tx->called_ap_title.p)
			log_oid(jb, "called_ap_title", tx->called_ap_title);
		if (tx->responding_ap_title.p)
			log_oid(jb, "responding_ap_title", tx->responding_ap_title);
		if (tx->mechanism.p)
			log_oid(jb, "mechanism", tx->mechanism);
		if (tx->auth_form >= 0)
			jb_set_ascii(jb, "authentication", auth_form_names[tx->auth_form]);
		if (tx->acse == MMS_ACSE_AARE && tx->acse_result >= 0) {
			jb_set_uint(jb, "result", (uint64_t)tx->acse_result);
			log_name(jb, "result_name", name_of(acse_result_names, N(acse_result_names),
							    tx->acse_result));
		} else if (tx->acse_result >= 0) {
			jb_set_uint(jb, tx->acse == MMS_ACSE_ABRT ? "source" : "reason",
				    (uint64_t)tx->acse_result);
		}
		if (tx->acse_diag_source >= 0) {
			bool user = tx->acse_diag_source == 1;
			jb_set_ascii(jb, "diagnostic_source", user ? "service-user" : "service-provider");
			jb_set_uint(jb, "diagnostic", (uint64_t)tx->acse_diag);
			log_name(jb, "diagnostic_name",
				 user ? name_of(acse_user_diag_names, N(acse_user_diag_names), tx->acse_diag)
				      : name_of(acse_provider_diag_names, N(acse_provider_diag_names),
						tx->acse_diag));
		}
		jb_close(jb);
	}
}

static void log_strs(struct jb *jb, const char *key, const struct mms_bytes *v, unsigned n)
{
	jb_open_array(jb, key);
	for (unsigned i = 0; i < n; i++)
		jb_set_strn(jb, NULL, v[i].p, v[i].len);
	jb_close(jb);
}

/* A BIT STRING's bits as hex (its first byte, the unused bits, left out)
 * and, when count_key is given, how many bits it has. */
static void log_bits(struct jb *jb, const char *key, const char *count_key, struct mms_bytes b)
{
	struct cursor c = cur_make(b.p, b.len);
	int unused = cur_peek_u8(&c, 0);
	if (unused < 0)
		return;
	cur_u8(&c);
	if (count_key) {
		uint64_t nbits = (uint64_t)cur_left(&c) * 8u;
		jb_set_uint(jb, count_key, unused <= 7 && nbits >= (uint64_t)unused ?
				      nbits - (uint64_t)unused : nbits);
	}
	jb_set_hex(jb, key, c.p, cur_left(&c));
}

static void log_error(const struct mms_tx *tx, struct jb *jb)
{
	jb_open_object(jb, "error");
	jb_set_uint(jb, "class", tx->error_class);
	log_name(jb, "class_name", name_of(error_class_names, N(error_class_names), tx->error_class));
	log_i64(jb, "code", tx->error_code);
	log_name(jb, "code_name", error_code_name(tx->error_class, tx->error_code));
	if (tx->has_additional_code)
		log_i64(jb, "additional_code", tx->additional_code);
	log_str(jb, "additional_description", tx->error_description);
	jb_close(jb);
}

static void m_log(const struct app_tx *t, struct jb *jb)
{
	const struct mms_tx *tx = t->data;
	log_cotp(tx, jb);
	log_upper(tx, jb);
	if (!tx->has_pdu)
		return;
	jb_set_uint(jb, "pdu_type", tx->pdu_type);
	jb_set_ascii(jb, "pdu_type_name", pdu_type_names[tx->pdu_type]);
	if (tx->has_invoke_id)
		jb_set_uint(jb, "invoke_id", tx->invoke_id);
	if (tx->service >= 0) {
		jb_set_uint(jb, "service", (uint64_t)tx->service);
		log_name(jb, "service_name", svc_name(tx->service));
	}
	if (tx->unconfirmed >= 0) {
		jb_set_uint(jb, "unconfirmed_service", (uint64_t)tx->unconfirmed);
		log_name(jb, "unconfirmed_service_name",
			 name_of(unconfirmed_names, N(unconfirmed_names), tx->unconfirmed));
	}
	if (tx->has_error)
		log_error(tx, jb);
	if (tx->reject_pdu >= 0) {
		jb_open_object(jb, "reject");
		jb_set_uint(jb, "pdu", (uint64_t)tx->reject_pdu);
		log_name(jb, "pdu_name", name_of(reject_pdu_names, N(reject_pdu_names), tx->reject_pdu));
		jb_set_int(jb, "reason", tx->reject_reason);
		log_name(jb, "reason_name", reject_reason_name(tx->reject_pdu, tx->reject_reason));
		jb_close(jb);
	}
	if (tx->has_initiate) {
		jb_open_object(jb, "initiate");
		if (tx->local_detail >= 0)
			log_i64(jb, "local_detail", tx->local_detail);
		if (tx->max_serv_calling >= 0)
			log_i64(jb, "max_serv_outstanding_calling", tx->max_serv_calling);
		if (tx->max_serv_called >= 0)
			log_i64(jb, "max_serv_outstanding_called", tx->max_serv_called);
		if (tx->nesting_level >= 0)
			log_i64(jb, "data_structure_nesting_level", tx->nesting_level);
		if (tx->version >= 0)
			log_i64(jb, "version", tx->version);
		log_bits(jb, "parameter_cbb", NULL, tx->parameter_cbb);
		log_bits(jb, "services_supported", "services_supported_bits", tx->services_supported);
		jb_close(jb);
	}
	if (tx->object_class >= 0) {
		jb_set_uint(jb, "object_class", (uint64_t)tx->object_class);
		log_name(jb, "object_class_name",
			 name_of(object_class_names, N(object_class_names), tx->object_class));
	}
	if (tx->object_scope >= 0) {
		static const char *const scopes[] = { "vmd", "domain", "aa" };
		jb_set_ascii(jb, "object_scope", scopes[tx->object_scope]);
	}
	log_str(jb, "continue_after", tx->continue_after);
	if (tx->n_objects) {
		static const char *const scopes[] = { "vmd", "domain", "aa" };
		jb_open_array(jb, "objects");
		for (unsigned i = 0; i < tx->n_objects; i++) {
			const struct mms_object *o = &tx->objects[i];
			jb_open_object(jb, NULL);
			jb_set_ascii(jb, "kind", okind_names[o->kind < N(okind_names) ? o->kind : K_OBJECT]);
			jb_set_ascii(jb, "scope", scopes[o->scope < 3 ? o->scope : 0]);
			if (o->scope == 1)
				log_str(jb, "domain", o->domain);
			log_str(jb, "item", o->item);
			jb_close(jb);
		}
		jb_close(jb);
	}
	if (tx->object_count > tx->n_objects)
		jb_set_uint(jb, "object_count", tx->object_count);
	log_str(jb, "new_identifier", tx->new_identifier);
	/* domain names other than those of the objects above */
	bool own_domains = false;
	for (unsigned i = 0; i < tx->n_domains && !own_domains; i++) {
		own_domains = true;
		for (unsigned k = 0; k < tx->n_objects && own_domains; k++)
			own_domains = !(tx->objects[k].scope == 1 &&
					tx->objects[k].domain.len == tx->domains[i].len &&
					memcmp(tx->objects[k].domain.p, tx->domains[i].p,
					       tx->domains[i].len) == 0);
	}
	if (own_domains) {
		log_strs(jb, "domains", tx->domains, tx->n_domains);
		if (tx->domain_count > tx->n_domains)
			jb_set_uint(jb, "domain_count", tx->domain_count);
	}
	log_str(jb, "program_invocation", tx->program_invocation);
	if (tx->n_files) {
		log_strs(jb, "filenames", tx->files, tx->n_files);
		if (tx->file_count > tx->n_files)
			jb_set_uint(jb, "filename_count", tx->file_count);
	}
	if (tx->has_ulsm)
		log_i64(jb, "ulsm_id", tx->ulsm_id);
	if (tx->has_frsm)
		log_i64(jb, "frsm_id", tx->frsm_id);
	if (tx->has_identity) {
		jb_open_object(jb, "identity");
		log_str(jb, "vendor", tx->vendor);
		log_str(jb, "model", tx->model);
		log_str(jb, "revision", tx->revision);
		jb_close(jb);
	}
	if (tx->n_ids || tx->id_count) {
		log_strs(jb, "identifiers", tx->ids, tx->n_ids);
		if (tx->id_count > tx->n_ids)
			jb_set_uint(jb, "identifier_count", tx->id_count);
	}
	if (tx->has_more_follows)
		jb_set_bool(jb, "more_follows", tx->more_follows);
	if (tx->value_count)
		log_values(tx, jb);
	if (tx->success_count || tx->failure_count) {
		jb_set_uint(jb, "success_count", tx->success_count);
		jb_set_uint(jb, "failure_count", tx->failure_count);
	}
	if (tx->n_failures) {
		jb_open_array(jb, "failures");
		for (unsigned i = 0; i < tx->n_failures; i++) {
			jb_open_object(jb, NULL);
			jb_set_uint(jb, "code", tx->failures[i]);
			log_name(jb, "name", name_of(data_access_error_names,
						     N(data_access_error_names), tx->failures[i]));
			jb_close(jb);
		}
		jb_close(jb);
	}
	if (tx->names_cut)
		jb_set_bool(jb, "names_truncated", true);
}

static int m_tx_function(const struct app_tx *t)
{
	const struct mms_tx *tx = t->data;
	if (!tx->has_pdu || tx->pdu_type > MMS_CONFIRMED_ERROR || tx->service < 0 ||
	    tx->service >= APP_FUNC_BITS)
		return -1;
	return tx->service;
}

/* ---- keywords -------------------------------------------------------------------- */

static struct du_name service_names[MMS_SVC_MAX];
static size_t n_service_names;
static struct du_name pdu_names[MMS_PDU_TYPES];
static struct du_name error_class_du[N(error_class_names)];

__attribute__((constructor)) static void names_init(void)
{
	for (int i = 0; i < MMS_SVC_MAX; i++)
		if (svcs[i].name) {
			service_names[n_service_names].name = svcs[i].name;
			service_names[n_service_names++].value = (uint64_t)i;
		}
	for (int i = 0; i < MMS_PDU_TYPES; i++) {
		pdu_names[i].name = pdu_type_names[i];
		pdu_names[i].value = (uint64_t)i;
	}
	for (size_t i = 0; i < N(error_class_names); i++) {
		error_class_du[i].name = error_class_names[i];
		error_class_du[i].value = i;
	}
}

static int kw_make(const char *arg, void **data, uint64_t max, const struct du_name *names,
		   size_t n, char *err, size_t errlen)
{
	return du_match_new(arg, max, names, n, data, err, errlen);
}

static int service_setup(const char *a, void **d, char *e, size_t l)
{
	return kw_make(a, d, APP_FUNC_BITS - 1, service_names, n_service_names, e, l);
}

static int pdu_type_setup(const char *a, void **d, char *e, size_t l)
{
	return kw_make(a, d, MMS_PDU_TYPES - 1, pdu_names, MMS_PDU_TYPES, e, l);
}

static int invoke_id_setup(const char *a, void **d, char *e, size_t l)
{
	return kw_make(a, d, 0xffffffffu, NULL, 0, e, l);
}

static int error_class_setup(const char *a, void **d, char *e, size_t l)
{
	return kw_make(a, d, N(error_class_names) - 1, error_class_du, N(error_class_du), e, l);
}

static bool service_match(const void *d, const struct app_tx *t)
{
	int fn = m_tx_function(t);
	return fn >= 0 && du_match(d, (uint64_t)fn);
}

static bool service_set(const void *d, uint8_t *set)
{
	return du_set(d, APP_FUNC_BITS - 1, set);
}

static bool pdu_type_match(const void *d, const struct app_tx *t)
{
	const struct mms_tx *tx = t->data;
	return tx->has_pdu && du_match(d, tx->pdu_type);
}

static bool invoke_id_match(const void *d, const struct app_tx *t)
{
	const struct mms_tx *tx = t->data;
	return tx->has_pdu && tx->has_invoke_id && du_match(d, tx->invoke_id);
}

static bool error_class_match(const void *d, const struct app_tx *t)
{
	const struct mms_tx *tx = t->data;
	return tx->has_error && du_match(d, tx->error_class);
}

/* sticky buffers: the names of the PDU, one per line */
static const uint8_t *domain_buffer(const struct app_tx *t, size_t *len)
{
	const struct mms_tx *tx = t->data;
	*len = tx->domain_len;
	return tx->domain_len ? (const uint8_t *)tx->domain_buf : NULL;
}

static const uint8_t *item_buffer(const struct app_tx *t, size_t *len)
{
	const struct mms_tx *tx = t->data;
	*len = tx->item_len;
	return tx->item_len ? (const uint8_t *)tx->item_buf : NULL;
}

static const uint8_t *file_buffer(const struct app_tx *t, size_t *len)
{
	const struct mms_tx *tx = t->data;
	*len = tx->file_len;
	return tx->file_len ? (const uint8_t *)tx->file_buf : NULL;
}

static const uint8_t *pi_buffer(const struct app_tx *t, size_t *len)
{
	const struct mms_tx *tx = t->data;
	*len = tx->pi_len;
	return tx->pi_len ? (const uint8_t *)tx->pi_buf : NULL;
}

static const struct app_keyword kws[] = {
	{ "mms.service", service_setup, service_match, NULL, service_set, NULL },
	{ "mms.pdu_type", pdu_type_setup, pdu_type_match, NULL, NULL, NULL },
	{ "mms.invoke_id", invoke_id_setup, invoke_id_match, NULL, NULL, NULL },
	{ "mms.error_class", error_class_setup, error_class_match, NULL, NULL, NULL },
	{ "mms.domain", NULL, NULL, NULL, NULL, domain_buffer },
	{ "mms.item", NULL, NULL, NULL, NULL, item_buffer },
	{ "mms.variable", NULL, NULL, NULL, NULL, item_buffer },
	{ "mms.filename", NULL, NULL, NULL, NULL, file_buffer },
	{ "mms.program_invocation", NULL, NULL, NULL, NULL, pi_buffer },
};

static const uint16_t ports[] = { 102, 0 };

const struct proto_parser proto_mms = {
	.name = "mms",
	.transport = APP_TCP,
	.tcp_ports = ports,
	.probe = m_probe,
	.pdu_len = m_pdu_len,
	.parse_pdu = m_parse,
	.gap = m_gap,
	.state_new = m_new,
	.state_free = m_free,
	.log_tx = m_log,
	.events = events,
	.n_events = MMS_EV__COUNT,
	.max_pdu = 65535,
	.state_size = sizeof(struct mms_state),
	.keywords = kws,
	.n_keywords = sizeof(kws) / sizeof(kws[0]),
	.tx_function = m_tx_function,
};
