/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_IEC104_H
#define VIGIL_PROTO_IEC104_H

#include <stdbool.h>
#include <stdint.h>

enum iec104_event {
	IEC104_EV_INVALID_APDU_LENGTH,
	IEC104_EV_SEQUENCE_ERROR,
	IEC104_EV_UNKNOWN_TYPE_ID,
	IEC104_EV_INVALID_COT,
	IEC104_EV_MALFORMED_ASDU,
	IEC104_EV_UNEXPECTED_U_FORMAT,
	IEC104_EV_TOO_MANY_OBJECTS,
	IEC104_EV__COUNT
};

enum iec104_apci_type { IEC104_I, IEC104_S, IEC104_U };

#define IEC104_MAX_OBJECTS 32

struct iec104_object {
	uint32_t ioa;
	uint8_t kind;      /* 0 none, 1 integer, 2 float, 3 bitstring */
	bool has_quality;
	uint8_t quality;   /* QDS / SIQ / DIQ quality bits, or the command qualifier */
	int64_t ival;
	double fval;
	bool has_time;
	uint64_t time_ms;  /* CP56Time2a as milliseconds of the encoded date (UTC assumed) */
	bool select;       /* commands: S/E bit */
};

struct iec104_tx {
	uint8_t apci;      /* enum iec104_apci_type */
	uint16_t ns, nr;
	uint8_t u_func;    /* U: control byte 1 */
	bool has_asdu;
	uint8_t hdr_len; /* ASDU header bytes present (6 when complete) */
	uint8_t type_id;
	bool sq;
	uint8_t num;
	uint8_t cot;
	bool negative, test;
	uint8_t originator;
	uint16_t common_address;
	uint8_t n_objects;
	int8_t confirms;   /* actcon/actterm: 1 when the activation was seen, 0 not, -1 n/a */
	/* last: only the first n_objects entries are initialised */
	struct iec104_object objects[IEC104_MAX_OBJECTS];
};

#endif
