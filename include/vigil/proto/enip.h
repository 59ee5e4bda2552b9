/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_ENIP_H
#define VIGIL_PROTO_ENIP_H

#include <stdbool.h>
#include <stdint.h>

enum enip_event {
	ENIP_EV_INVALID_LENGTH,
	ENIP_EV_UNSUPPORTED_COMMAND,
	ENIP_EV_INVALID_CPF,
	ENIP_EV_INVALID_CIP_PATH,
	ENIP_EV_TOO_MANY_SERVICES,
	ENIP_EV_UNSOLICITED_RESPONSE,
	ENIP_EV__COUNT
};

#define ENIP_MAX_CIP 64

struct enip_cip {
	uint8_t service;         /* without the reply bit */
	bool reply;
	bool has_class, has_instance, has_attribute;
	uint32_t class_id, instance, attribute;
	uint8_t status;          /* replies: general status */
	bool has_ext;
	uint16_t ext_status;
	char symbol[40];         /* ANSI extended symbolic segment, if any */
	bool bad_path;
};

struct enip_tx {
	bool io;                 /* class 0/1 I/O datagram (UDP 2222): CPF only */
	uint16_t command;
	uint16_t length;
	uint32_t session;
	uint32_t status;
	int32_t request_command; /* responses: command of the matched request, -1 */
	bool multiple;           /* CIP requests came in a Multiple Service Packet */
	bool unconnected_send;   /* ... or inside an Unconnected Send */
	bool truncated;          /* more services than ENIP_MAX_CIP */
	uint8_t n_cip;
	uint32_t connection_id;  /* I/O and connected data */
	uint32_t io_sequence;
	/* RegisterSession, ListIdentity, ListServices */
	bool has_version;
	uint16_t protocol_version;
	bool has_identity;
	uint16_t vendor_id, device_type, product_code, identity_status;
	uint8_t rev_major, rev_minor, state;
	uint32_t serial;
	char product_name[34];
	uint8_t product_name_len;
	bool has_services;
	uint16_t capabilities;
	char service_name[18];
	uint8_t service_name_len;
	/* a reply of the identity object (class 1) to Get_Attributes_All,
	 * matched to its request: vendor_id ... product_name above hold it;
	 * routed: the request went through an Unconnected Send to the module
	 * at route_port / route_link (port 1: the backplane, link: the slot) */
	bool has_cip_identity;
	bool routed;
	uint8_t route_port;
	uint16_t route_link;
	/* the first CIP reply's data (after its status), while parsing */
	const uint8_t *reply_data;
	uint16_t reply_len;
	/* last: only the first n_cip entries are initialised (the parser
	 * zeroes the fields above and each entry it adds) */
	struct enip_cip cip[ENIP_MAX_CIP];
};

#endif
