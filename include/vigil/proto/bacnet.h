/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_BACNET_H
#define VIGIL_PROTO_BACNET_H

/*
 * BACnet/IP (ASHRAE 135 Annex J, clauses 6, 20, 21): one transaction per
 * BVLC message (one UDP datagram). See sensor/proto/bacnet.c.
 *
 * Pointers in a tx point into the PDU being parsed: they are valid for the
 * callbacks of app_emit_tx only (which is all a tx ever lives).
 */

#include <stdbool.h>
#include <stdint.h>

enum bacnet_event {
	BACNET_EV_INVALID_BVLC_TYPE,
	BACNET_EV_INVALID_BVLC_LENGTH,
	BACNET_EV_UNKNOWN_BVLC_FUNCTION,
	BACNET_EV_MALFORMED_BVLC,
	BACNET_EV_INVALID_NPDU_VERSION,
	BACNET_EV_MALFORMED_NPDU,
	BACNET_EV_UNKNOWN_NETWORK_MESSAGE,
	BACNET_EV_MALFORMED_APDU,
	BACNET_EV_UNKNOWN_APDU_TYPE,
	BACNET_EV_UNKNOWN_SERVICE,
	BACNET_EV_MALFORMED_SERVICE,
	BACNET_EV_NESTING_TOO_DEEP,
	BACNET_EV_INVALID_PRIORITY,
	BACNET_EV_APDU_TOO_LONG,
	BACNET_EV_CONFIRMED_BROADCAST,
	BACNET_EV_UNMATCHED_RESPONSE,
	BACNET_EV_PENDING_TABLE_FULL,
	BACNET_EV_SEGMENT_OUT_OF_ORDER,
	BACNET_EV_SEGMENT_DUPLICATE,
	BACNET_EV_SEGMENT_OVERFLOW,
	BACNET_EV__COUNT
};

/* APDU types (clause 20.1.1) */
enum bacnet_pdu_type {
	BACNET_PDU_CONFIRMED_REQUEST = 0,
	BACNET_PDU_UNCONFIRMED_REQUEST = 1,
	BACNET_PDU_SIMPLE_ACK = 2,
	BACNET_PDU_COMPLEX_ACK = 3,
	BACNET_PDU_SEGMENT_ACK = 4,
	BACNET_PDU_ERROR = 5,
	BACNET_PDU_REJECT = 6,
	BACNET_PDU_ABORT = 7,
};

/* Items logged per PDU; a PDU naming more says how many it named. */
#define BACNET_MAX_REFS 32
#define BACNET_MAX_LIST 8     /* BDT/FDT entries, DNETs */

/* bacnet_ref.instance when the PDU names an object type only */
#define BACNET_NO_INSTANCE 0xffffffffu

/* A property value: the first application-tagged datum between the value's
 * opening and closing tags (clause 20.2). */
struct bacnet_value {
	bool present;
	bool constructed;    /* the first datum is itself constructed (context tags) */
	uint8_t tag;         /* application tag number 0-12 */
	uint8_t charset;     /* character strings */
	uint8_t unused_bits; /* bit strings */
	uint16_t count;      /* data at the top level of the value */
	uint32_t len;        /* content bytes (strings, octet and bit strings) */
	const uint8_t *data; /* the content (strings, octet/bit strings, date, time) */
	uint64_t u;          /* unsigned, enumerated, boolean, object identifier */
	int64_t i;           /* signed */
	double d;            /* real (single precision on the wire), double */
};

/* An object the PDU names, with the property it reads or writes. */
struct bacnet_ref {
	uint16_t object_type;  /* 10 bits */
	uint32_t instance;     /* 22 bits, or BACNET_NO_INSTANCE */
	bool has_property;
	bool has_index;
	bool has_error;        /* ReadPropertyMultiple-ACK: a property access error */
	bool has_priority;
	uint8_t priority;      /* write priority (1-16 when valid; 255: above 255) */
	uint32_t property;
	uint32_t index;
	uint32_t error_class, error_code;
	struct bacnet_value value;
};

struct bacnet_tx {
	/* ---- BVLC (Annex J.2) ---- */
	uint8_t bvlc_function;
	uint16_t bvlc_length;
	bool has_result, has_ttl, has_address;
	uint16_t result;          /* BVLC-Result code */
	uint16_t ttl;             /* Register-Foreign-Device time-to-live, seconds */
	uint8_t address[6];       /* Forwarded-NPDU source / Delete-FDT-Entry: B/IP address */
	const uint8_t *table;     /* BDT or FDT entries, 10 bytes each */
	uint16_t n_table;

	/* ---- NPDU (clause 6.2) ---- */
	bool has_npdu;
	uint8_t npdu_version;
	uint8_t npdu_control;
	bool has_dnet, has_snet;
	uint16_t dnet, snet;
	uint8_t dlen, slen, hop_count;
	const uint8_t *dadr, *sadr;
	bool is_network_message;
	uint8_t nl_type;
	bool has_nl_vendor, has_nl_reason;
	uint16_t nl_vendor;
	uint8_t nl_reason;        /* Reject-Message-To-Network reason */
	const uint8_t *nl_nets;   /* DNETs of router messages, 2 bytes each */
	uint16_t n_nl_nets;
	uint16_t nl_net_stride;   /* bytes from one DNET to the next */

	/* ---- APDU (clause 20.1) ---- */
	bool has_apdu;
	bool apdu_complete;       /* the fixed header was all there */
	uint8_t pdu_type;
	bool seg, more, sa, nak, srv;
	uint8_t max_segs_code, max_apdu_code;
	bool has_invoke;
	uint8_t invoke_id;
	bool has_seq;
	uint8_t seq, window;
	int16_t service;          /* service choice, -1 none */
	bool service_from_request; /* Reject/Abort/SegmentACK: taken from the request */
	int8_t request_seen;      /* responses: 1 request seen, 0 not, -1 n/a */
	bool has_error, has_reason;
	uint32_t error_class, error_code;
	uint8_t reason;           /* Reject/Abort reason */
	uint16_t apdu_len;
	bool params_partial;      /* first segment: decoded as far as it goes */

	/* ---- service parameters (clause 21) ---- */
	uint16_t n_refs, n_refs_total;
	bool has_low, has_high;   /* Who-Is, Who-Has device instance range */
	uint32_t low, high;
	uint32_t max_apdu;        /* I-Am */
	uint8_t segmentation;     /* I-Am */
	uint16_t vendor_id;       /* I-Am */
	const uint8_t *name;      /* Who-Has, I-Have object name */
	uint32_t name_len;
	uint8_t name_charset;
	bool has_state;           /* ReinitializeDevice */
	uint8_t state;
	bool password_present;    /* ReinitializeDevice, DeviceCommunicationControl */
	bool has_enable, has_duration; /* DeviceCommunicationControl */
	uint8_t enable;
	uint32_t duration;        /* minutes */
	bool has_file, file_record, has_eof, eof; /* AtomicRead/WriteFile */
	int64_t file_start;
	uint32_t file_count;      /* octets or records requested, written or returned */
	const uint8_t *date, *time; /* TimeSynchronization: 4 bytes each */
	bool has_create_type;     /* CreateObject by type (no instance) */
	uint16_t n_initial_values;
	/* last: only the first n_refs are initialised */
	struct bacnet_ref refs[BACNET_MAX_REFS];
};

#endif
