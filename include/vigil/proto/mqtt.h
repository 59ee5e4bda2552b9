/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_MQTT_H
#define VIGIL_PROTO_MQTT_H

#include <stdbool.h>
#include <stdint.h>

enum mqtt_event {
	MQTT_EV_INVALID_REMAINING_LENGTH,
	MQTT_EV_TRUNCATED_PACKET,
	MQTT_EV_UNKNOWN_TYPE,
	MQTT_EV_INVALID_FLAGS,
	MQTT_EV_INVALID_QOS,
	MQTT_EV_MALFORMED_STRING,
	MQTT_EV_MISSING_CONNECT,
	MQTT_EV_DUPLICATE_CONNECT,
	MQTT_EV_TOO_MANY_TOPICS,
	MQTT_EV_OVERSIZED_PACKET,
	MQTT_EV_INVALID_PROTOCOL,
	MQTT_EV_INVALID_PROPERTIES,
	MQTT_EV__COUNT
};

/* Control packet types (MQTT 3.1.1 2.2.1, MQTT 5.0 2.1.2) */
enum mqtt_type {
	MQTT_RESERVED, MQTT_CONNECT, MQTT_CONNACK, MQTT_PUBLISH, MQTT_PUBACK, MQTT_PUBREC,
	MQTT_PUBREL, MQTT_PUBCOMP, MQTT_SUBSCRIBE, MQTT_SUBACK, MQTT_UNSUBSCRIBE, MQTT_UNSUBACK,
	MQTT_PINGREQ, MQTT_PINGRESP, MQTT_DISCONNECT, MQTT_AUTH
};

/* CONNECT flags (3.1.2.3) */
#define MQTT_CF_CLEAN_SESSION 0x02
#define MQTT_CF_WILL 0x04
#define MQTT_CF_WILL_RETAIN 0x20
#define MQTT_CF_PASSWORD 0x40
#define MQTT_CF_USERNAME 0x80

#define MQTT_MAX_TOPICS 16   /* topic filters kept per (UN)SUBSCRIBE, codes per SUBACK */
#define MQTT_FILTERS_MAX 512 /* bytes of the joined filters (mqtt.subscribe.topic) */
#define MQTT_NAME_MAX 256    /* client id, username, will topic: bytes exposed */

/* Wildcard flags of a SUBSCRIBE's filters */
#define MQTT_WC_HASH 0x1 /* a multi-level '#' */
#define MQTT_WC_PLUS 0x2 /* a single-level '+' */
#define MQTT_WC_SYS 0x4  /* a filter starting with "$SYS" */

/* A string inside the PDU being parsed (valid for the tx's lifetime). */
struct mqtt_str {
	const uint8_t *p;
	uint16_t len;
};

struct mqtt_tx {
	uint8_t type, flags;     /* fixed header */
	uint8_t qos;
	bool dup, retain;
	uint8_t version;         /* protocol level of the flow, 0 = not seen */
	uint32_t remaining_length;
	bool has_packet_id;
	uint16_t packet_id;
	bool has_reason;
	uint8_t reason_code;     /* CONNACK return/reason code, v5 reason codes */
	int8_t request_type;     /* acks: type of the matched request, -1 */
	uint16_t n_props;        /* bytes of v5 properties skipped */
	/* CONNECT */
	struct mqtt_str protocol_name;
	uint8_t connect_flags;
	uint16_t keep_alive;
	struct mqtt_str client_id, will_topic, username;
	bool password_present;
	uint16_t will_message_len;
	/* CONNACK */
	bool session_present;
	/* PUBLISH */
	struct mqtt_str topic;
	const uint8_t *payload;
	uint32_t payload_len;
	/* SUBSCRIBE, UNSUBSCRIBE: filters; SUBACK, UNSUBACK: codes */
	uint16_t n_topics;       /* in the packet (kept: up to MQTT_MAX_TOPICS) */
	struct {
		struct mqtt_str f;
		uint8_t options;
	} topics[MQTT_MAX_TOPICS];
	uint8_t wildcards;       /* MQTT_WC_* */
	uint16_t filters_len;
	uint8_t filters[MQTT_FILTERS_MAX]; /* filters joined by NUL */
	uint16_t n_codes;
	uint8_t codes[MQTT_MAX_TOPICS];
};

#endif
