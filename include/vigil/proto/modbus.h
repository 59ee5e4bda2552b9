/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_MODBUS_H
#define VIGIL_PROTO_MODBUS_H

#include <stdbool.h>
#include <stdint.h>

enum modbus_event {
	MODBUS_EV_INVALID_PROTOCOL_ID,
	MODBUS_EV_UNSOLICITED_RESPONSE,
	MODBUS_EV_INVALID_LENGTH,
	MODBUS_EV_INVALID_UNIT_IDENTIFIER,
	MODBUS_EV_INVALID_FUNCTION_CODE,
	MODBUS_EV_INVALID_VALUE,
	MODBUS_EV_INVALID_EXCEPTION_CODE,
	MODBUS_EV_VALUE_MISMATCH,
	MODBUS_EV_FLOODED,
	MODBUS_EV__COUNT
};

#define MODBUS_DEVID_MAX 3 /* vendor, product code, revision */

/* One PDU, request or response, as decoded. Pointers (data, device id
 * strings) point into the PDU and are valid during the tx callback only. */
struct modbus_pdu {
	uint16_t tid, pid, len;
	uint8_t unit;
	uint8_t fc;            /* function code without the exception bit */
	bool exception;
	uint8_t exc_code;
	bool has_read, has_write;
	uint16_t read_addr, read_qty;
	uint16_t write_addr, write_qty;
	const uint8_t *data;   /* write data (request) or read data (response) */
	uint16_t data_len;
	uint16_t value;        /* single writes (5, 6) */
	bool has_sub;
	uint16_t sub;          /* diagnostics sub-function (8) */
	uint8_t mei;           /* 43: MEI type */
	uint8_t devid_code, devid_object, conformity;
	uint8_t n_devid;
	struct {
		uint8_t id;
		uint8_t len;
		const uint8_t *val;
	} devid[MODBUS_DEVID_MAX];
	/* 43/14 response: the whole object list (id:1 len:1 value:len ...,
	 * regular 0x03-0x06 and extended 0x80-0xff objects included) */
	const uint8_t *objects;
	uint16_t objects_len;
	uint16_t and_mask, or_mask; /* 22 */
	uint8_t file_records;  /* 20/21 sub-requests */
};

struct modbus_tx {
	bool has_req, has_resp;
	struct modbus_pdu req;   /* request (on a response: the matched one, no data) */
	struct modbus_pdu resp;
};

#endif
