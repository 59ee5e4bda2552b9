/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_S7COMM_H
#define VIGIL_PROTO_S7COMM_H

#include <stdbool.h>
#include <stdint.h>

enum s7_event {
	S7_EV_INVALID_TPKT,
	S7_EV_INVALID_COTP,
	S7_EV_UNKNOWN_FUNCTION,
	S7_EV_INVALID_HEADER,
	S7_EV_TOO_MANY_ITEMS,
	S7_EV_MALFORMED_ITEM,
	S7_EV_ERROR_RESPONSE,
	S7_EV__COUNT
};

#define S7_MAX_ITEMS 20

struct s7_item {
	uint8_t area;
	uint8_t tsize;
	uint16_t db;
	uint16_t length;
	uint32_t address;   /* byte address */
	uint8_t bit;
};

struct s7_tx {
	uint8_t cotp_type;        /* 0xe0 CR, 0xd0 CC, 0xf0 DT, 0x80 DR, ... */
	bool has_s7;
	bool plus;                /* S7comm-plus (0x72) */
	uint8_t plus_version, plus_opcode;
	uint16_t plus_function;
	uint8_t rosctr;
	uint16_t pdu_ref;
	bool has_function;
	uint8_t function;
	int16_t request_function; /* ack_data: function of the matched job, -1 */
	bool has_error;
	uint8_t error_class, error_code;
	uint8_t n_items;
	struct s7_item items[S7_MAX_ITEMS];
	/* setup communication */
	uint16_t max_amq_calling, max_amq_called, pdu_length;
	/* userdata */
	uint8_t ud_method, ud_type, ud_group, ud_subfunction;
	bool has_szl;
	uint16_t szl_id, szl_index;
	char order_number[24];
	char serial[36];
	char module_name[36];
	/* an SZL answer's records (valid while the tx is): szl_count records
	 * of szl_rlen bytes each as announced, szl_len bytes of them there */
	const uint8_t *szl_records;
	uint16_t szl_rlen, szl_count, szl_len;
	/* block transfer and PLC control */
	char filename[40];
	char service[40];
	/* COTP connection */
	uint16_t src_tsap, dst_tsap;
	bool has_tsap;
};

#endif
