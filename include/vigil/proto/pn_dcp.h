/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_PN_DCP_H
#define VIGIL_PROTO_PN_DCP_H

#include <stdbool.h>
#include <stdint.h>

enum pn_dcp_event {
	PN_DCP_EV_TRUNCATED_HEADER,
	PN_DCP_EV_DATA_LENGTH_EXCEEDS_FRAME,
	PN_DCP_EV_BLOCK_LENGTH_EXCEEDS_DATA,
	PN_DCP_EV_INVALID_BLOCK_LENGTH,
	PN_DCP_EV_BAD_PADDING,
	PN_DCP_EV_UNKNOWN_SERVICE,
	PN_DCP_EV_UNKNOWN_SERVICE_TYPE,
	PN_DCP_EV_UNKNOWN_OPTION,
	PN_DCP_EV_TOO_MANY_BLOCKS,
	PN_DCP_EV_FRAME_ID_MISMATCH,
	PN_DCP_EV_INVALID_NAME_OF_STATION,
	PN_DCP_EV_RESPONSE_WITHOUT_REQUEST,
	PN_DCP_EV_DUPLICATE_STATION_NAME,
	PN_DCP_EV_SET_NAME_IN_USE,
	PN_DCP_EV_IP_CONFLICT,
	PN_DCP_EV_TABLE_FULL,
	PN_DCP_EV__COUNT
};

/* ServiceID (IEC 61158-6-10, 4.3.1.3.2) */
#define PN_DCP_GET 3
#define PN_DCP_SET 4
#define PN_DCP_IDENTIFY 5
#define PN_DCP_HELLO 6

/* ServiceType */
#define PN_DCP_REQUEST 0
#define PN_DCP_RESPONSE_SUCCESS 1
#define PN_DCP_RESPONSE_NOT_SUPPORTED 5

/* Options */
#define PN_DCP_OPT_IP 1
#define PN_DCP_OPT_DEVICE 2
#define PN_DCP_OPT_DHCP 3
#define PN_DCP_OPT_CONTROL 5
#define PN_DCP_OPT_INITIATIVE 6
#define PN_DCP_OPT_NME 7
#define PN_DCP_OPT_ALL 0xff

/* Blocks kept per PDU (more are counted, not kept: too_many_blocks). */
#define PN_DCP_MAX_BLOCKS 32

/* What precedes a block's value (depends on the service, see pn_dcp.c). */
enum pn_dcp_block_kind {
	PN_DCP_BK_SELECTOR, /* Get request: Option, Suboption only, no length */
	PN_DCP_BK_PLAIN,    /* Identify filter, control response: value at once */
	PN_DCP_BK_INFO,     /* BlockInfo:2 (Identify/Get responses, Hello) */
	PN_DCP_BK_QUALIFIER /* BlockQualifier:2 (Set requests) */
};

struct pn_dcp_block {
	uint8_t option, suboption;
	uint8_t kind;           /* enum pn_dcp_block_kind */
	bool has_info;          /* BlockInfo/BlockQualifier present (block long enough) */
	bool bad_length;        /* value length wrong for its suboption: not decoded */
	uint16_t length;        /* DCPBlockLength (0 for a selector) */
	uint16_t info;          /* BlockInfo or BlockQualifier */
	uint16_t value_len;
	const uint8_t *value;   /* into the PDU: valid while the tx is */
};

struct pn_dcp_tx {
	uint16_t frame_id;
	uint8_t service_id, service_type;
	uint32_t xid;
	uint16_t response_delay; /* Identify request: ResponseDelayFactor; else Reserved */
	uint16_t data_length;    /* DCPDataLength as sent */
	bool header_only;        /* unknown service or type: blocks not parsed */
	bool truncated;          /* DCPDataLength beyond the frame: the blocks present */
	uint8_t src[6], dst[6];  /* the frame's MAC addresses (zero when unknown) */
	int8_t request_seen;     /* responses: 1 the request was seen, 0 not; -1 requests */
	bool has_ip_owner;       /* the IP (set or reported) is another device's */
	bool has_name_owner;     /* the name (set or answered) is another device's */
	uint8_t ip_owner[6], name_owner[6];
	uint16_t n_blocks_total; /* blocks in the PDU; the first n_blocks are kept */
	uint8_t n_blocks;
	/* last: only the first n_blocks entries are initialised */
	struct pn_dcp_block blocks[PN_DCP_MAX_BLOCKS];
};

#endif
