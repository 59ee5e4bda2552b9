/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_DNP3_H
#define VIGIL_PROTO_DNP3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dnp3_event {
	DNP3_EV_FLOODED,
	DNP3_EV_LEN_TOO_SMALL,
	DNP3_EV_BAD_LINK_CRC,
	DNP3_EV_BAD_TRANSPORT_CRC,
	DNP3_EV_UNKNOWN_OBJECT,
	DNP3_EV_MALFORMED,
	DNP3_EV_TOO_MANY_POINTS,
	DNP3_EV_TRANSPORT_SEQUENCE,
	DNP3_EV_MESSAGE_TOO_LARGE,
	DNP3_EV__COUNT
};

enum dnp3_type { DNP3_REQUEST, DNP3_RESPONSE, DNP3_UNSOLICITED };

#define DNP3_MAX_OBJECTS 32   /* object headers kept per message */
#define DNP3_MAX_POINTS 64    /* point values written per message */

struct dnp3_object {
	uint8_t group, variation, qualifier, prefix_code, range_code;
	uint32_t data_off, data_len;     /* its values in dnp3_tx.data (0: none) */
	uint32_t start, stop, count;
};

struct dnp3_point {
	uint32_t index;
	uint8_t kind;        /* 0 bit/state, 1 integer, 2 float, 3 control (CROB), 4 time */
	bool has_flags;
	uint8_t flags;
	int64_t ival;
	double fval;
};

struct dnp3_tx {
	uint8_t type;            /* enum dnp3_type */
	uint8_t link_ctrl;
	uint16_t src, dst;
	uint8_t app_ctrl;
	uint8_t function;
	bool has_iin;
	uint16_t iin;
	bool complete;           /* every object header was understood */
	int16_t request_function; /* responses: function of the matched request, -1 */
	uint8_t n_objects;
	struct dnp3_object objects[DNP3_MAX_OBJECTS];
	/* the application message, CRCs removed; point values are decoded
	 * from it only when the message is written out */
	const uint8_t *data;
	size_t data_len;
};

#endif
