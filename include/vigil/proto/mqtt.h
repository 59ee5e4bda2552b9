/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_MQTT_H
#define VIGIL_PROTO_MQTT_H

/*
 * MQTT 3.1, 3.1.1 and 5.0 (sensor/proto/mqtt.c): the transaction a rule
 * and the EVE writer see, and the parser's events.
 *
 * A transaction is Suricata's: a CONNECT with its CONNACK, a PUBLISH with
 * its PUBACK (QoS 1) or PUBREC, PUBREL and PUBCOMP (QoS 2), a SUBSCRIBE with
 * its SUBACK, an UNSUBSCRIBE with its UNSUBACK; PINGREQ, PINGRESP,
 * DISCONNECT and AUTH alone. Vigil emits one tx per control packet: it
 * carries the messages of its transaction seen so far, oldest first, the
 * packet just parsed last (msgs[n_msgs - 1]). Earlier messages are copies
 * the parser kept in its bounded per-flow state (strings cut, see mqtt.c).
 * Every pointer lives as long as the emit callback.
 */

#include <stdbool.h>
#include <stdint.h>

/* Event ids: names "mqtt.<name>" in mqtt.c. The first eleven are
 * Suricata's (rules/mqtt-events.rules of Suricata loads unchanged). */
enum mqtt_event {
	MQTT_EV_MISSING_CONNECT,
	MQTT_EV_MISSING_PUBLISH,
	MQTT_EV_MISSING_SUBSCRIBE,
	MQTT_EV_MISSING_UNSUBSCRIBE,
	MQTT_EV_DOUBLE_CONNECT,
	MQTT_EV_UNINTRODUCED_MESSAGE,
	MQTT_EV_INVALID_QOS_LEVEL,
	MQTT_EV_MISSING_MSG_ID,
	MQTT_EV_UNASSIGNED_MSG_TYPE,
	MQTT_EV_TOO_MANY_TRANSACTIONS,
	MQTT_EV_MALFORMED_TRAFFIC,
	/* Vigil's own */
	MQTT_EV_INVALID_REMAINING_LENGTH,
	MQTT_EV_INVALID_FIXED_HEADER_FLAGS,
	MQTT_EV_INVALID_CONNECT_FLAGS,
	MQTT_EV_INVALID_PROTOCOL,
	MQTT_EV_INVALID_PROPERTIES,
	MQTT_EV_INVALID_TOPIC,
	MQTT_EV_INVALID_UTF8,
	MQTT_EV_INVALID_REASON_CODE,
	MQTT_EV_INVALID_SUB_OPTIONS,
	MQTT_EV_TOO_MANY_TOPICS,
	MQTT_EV_OVERSIZED_PACKET,
	MQTT_EV__COUNT
};

/* Control packet types (3.1.1 2.2.1, 5.0 2.1.2) */
enum mqtt_type {
	MQTT_UNASSIGNED, MQTT_CONNECT, MQTT_CONNACK, MQTT_PUBLISH, MQTT_PUBACK, MQTT_PUBREC,
	MQTT_PUBREL, MQTT_PUBCOMP, MQTT_SUBSCRIBE, MQTT_SUBACK, MQTT_UNSUBSCRIBE, MQTT_UNSUBACK,
	MQTT_PINGREQ, MQTT_PINGRESP, MQTT_DISCONNECT, MQTT_AUTH
};

/* Fixed-header flags (3.1.1 2.2.2) */
#define MQTT_HF_DUP 0x8
#define MQTT_HF_RETAIN 0x1

/* CONNECT flags (3.1.1 3.1.2.3) */
#define MQTT_CF_RESERVED 0x01
#define MQTT_CF_CLEAN_SESSION 0x02
#define MQTT_CF_WILL 0x04
#define MQTT_CF_WILL_QOS 0x18
#define MQTT_CF_WILL_RETAIN 0x20
#define MQTT_CF_PASSWORD 0x40
#define MQTT_CF_USERNAME 0x80

/* Bytes of a string or binary field inside a PDU or a kept copy. */
struct mqtt_str {
	const uint8_t *p;
	uint16_t len;
};

/* MSG_* presence bits of struct mqtt_msg */
#define MQTT_M_ID 0x0001         /* packet identifier */
#define MQTT_M_REASON 0x0002     /* reason/return code */
#define MQTT_M_PROPS 0x0004      /* a v5 property block (props) */
#define MQTT_M_WILL_PROPS 0x0008 /* CONNECT: v5 will properties */
#define MQTT_M_CONNECT 0x0010    /* CONNECT: the variable header was read */
#define MQTT_M_CLIENT_ID 0x0020
#define MQTT_M_WILL 0x0040       /* will topic and message read */
#define MQTT_M_USERNAME 0x0080
#define MQTT_M_PASSWORD 0x0100   /* a password was present (never kept) */
#define MQTT_M_TOPIC 0x0200      /* PUBLISH topic read */
#define MQTT_M_MESSAGE 0x0400    /* PUBLISH payload known */
#define MQTT_M_LIST 0x0800       /* (UN)SUBSCRIBE filters, (UN)SUBACK codes */
#define MQTT_M_SESSION 0x1000    /* CONNACK flags read */
#define MQTT_M_TRUNCATED 0x2000  /* skipped: larger than the parser takes */

/* One control packet. */
struct mqtt_msg {
	uint8_t type, flags;     /* fixed header: type 0-15, flags 0-15 */
	uint8_t version;         /* protocol level it was read with (3, 4, 5) */
	uint16_t has;            /* MQTT_M_* */
	uint32_t remaining_length;
	uint16_t id;             /* packet identifier (MQTT_M_ID) */
	uint8_t reason;          /* CONNACK return code, v5 reason code */
	/* CONNECT */
	uint8_t level, cflags;   /* protocol level byte, connect flags */
	uint16_t keep_alive;
	struct mqtt_str proto, client_id, username, will_topic, will_msg, will_props;
	/* the password, for the mqtt.connect.password buffer only: it points
	 * into the packet being parsed, is never copied into the state and
	 * never logged (only MQTT_M_PASSWORD, its presence, is) */
	struct mqtt_str password;
	/* CONNACK */
	bool session_present;
	/* PUBLISH: topic, and the message: msg.len bytes kept of msg_len */
	struct mqtt_str topic, msg;
	uint32_t msg_len;
	/* v5 properties (validated) */
	struct mqtt_str props;
	/* SUBSCRIBE: (filter:str options:1)*, UNSUBSCRIBE: filter:str*,
	 * SUBACK/UNSUBACK: code:1*; list holds the complete entries (n_list
	 * of them) that were kept, n_items counts those of the packet */
	struct mqtt_str list;
	uint16_t n_list, n_items;
	/* MQTT_M_TRUNCATED: bytes of the packet that were skipped */
	uint32_t skipped;
};

#define MQTT_TX_MSGS 4

struct mqtt_tx {
	uint8_t version;   /* the connection's protocol level, 0 = not seen */
	uint8_t n_msgs;    /* 1 .. MQTT_TX_MSGS */
	const struct mqtt_msg *msgs[MQTT_TX_MSGS];
};

#endif
