/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_GOOSE_H
#define VIGIL_PROTO_GOOSE_H

/*
 * IEC 61850 GOOSE (EtherType 0x88b8): one transaction per frame. The layout
 * and the events are described at the top of sensor/proto/goose.c.
 */

#include <stdbool.h>
#include <stdint.h>

enum goose_event {
	/* framing and BER */
	GOOSE_EV_TRUNCATED,
	GOOSE_EV_INVALID_LENGTH,
	GOOSE_EV_BER_LENGTH_OVERFLOW,
	GOOSE_EV_BER_INDEFINITE_LENGTH,
	GOOSE_EV_BER_MALFORMED,
	GOOSE_EV_UNKNOWN_PDU,
	GOOSE_EV_MISSING_FIELD,
	GOOSE_EV_UNEXPECTED_FIELD,
	GOOSE_EV_INVALID_FIELD,
	GOOSE_EV_STRING_TOO_LONG,
	GOOSE_EV_INVALID_DATA,
	GOOSE_EV_DATA_TOO_DEEP,
	GOOSE_EV_TOO_MANY_VALUES,
	GOOSE_EV_NUM_ENTRIES_MISMATCH,
	/* addressing and flags */
	GOOSE_EV_INVALID_DST_MAC,
	GOOSE_EV_APPID_OUT_OF_RANGE,
	GOOSE_EV_TEST_MODE,
	GOOSE_EV_NDSCOM,
	/* per publisher */
	GOOSE_EV_STNUM_REPLAY,
	GOOSE_EV_STNUM_RESET,
	GOOSE_EV_STNUM_JUMP,
	GOOSE_EV_SQNUM_OUT_OF_ORDER,
	GOOSE_EV_SQNUM_JUMP,
	GOOSE_EV_SQNUM_NOT_RESET,
	GOOSE_EV_DUPLICATE,
	GOOSE_EV_DATA_CHANGED_WITHOUT_STNUM,
	GOOSE_EV_STNUM_WITHOUT_DATA_CHANGE,
	GOOSE_EV_TIME_BACKWARDS,
	GOOSE_EV_TTL_EXPIRED,
	GOOSE_EV_PUBLISHER_MAC_CHANGED,
	GOOSE_EV_CONFREV_CHANGED,
	GOOSE_EV_PUBLISHER_TABLE_FULL,
	GOOSE_EV__COUNT
};

/* Fields of a frame that were decoded (goose_tx.have). */
#define GOOSE_HAVE_HEADER (1u << 0)
#define GOOSE_HAVE_PDU (1u << 1) /* the goosePdu tag and length were read */
#define GOOSE_HAVE_GOCBREF (1u << 2)
#define GOOSE_HAVE_TTL (1u << 3)
#define GOOSE_HAVE_DATSET (1u << 4)
#define GOOSE_HAVE_GOID (1u << 5)
#define GOOSE_HAVE_T (1u << 6)
#define GOOSE_HAVE_STNUM (1u << 7)
#define GOOSE_HAVE_SQNUM (1u << 8)
#define GOOSE_HAVE_SIMULATION (1u << 9)
#define GOOSE_HAVE_CONFREV (1u << 10)
#define GOOSE_HAVE_NDSCOM (1u << 11)
#define GOOSE_HAVE_NUM_ENTRIES (1u << 12)
#define GOOSE_HAVE_ALL_DATA (1u << 13)
#define GOOSE_HAVE_SECURITY (1u << 14)

/* Bytes of a gocbRef the publisher table keeps for its records. */
#define GOOSE_NAME_KEEP 64
/* Silent publishers one frame's record names (the count is complete). */
#define GOOSE_MAX_EXPIRED_LOGGED 4

/* A publisher found silent (its TTL passed) when this frame came. */
struct goose_expired {
	char gocbref[GOOSE_NAME_KEEP];
	uint8_t gocbref_len;
	uint8_t mac[6];
	uint16_t appid;
	uint32_t ttl_ms;
	uint32_t stnum, sqnum;
	uint64_t silent_ms; /* since its last frame */
};

/* One GOOSE frame. Pointers are into the frame, valid while the tx is. */
struct goose_tx {
	uint32_t have;             /* GOOSE_HAVE_* */
	uint16_t appid, length, reserved1, reserved2;
	uint8_t pdu_tag;           /* 0x61 goosePdu */
	const uint8_t *gocbref, *datset, *goid;
	uint16_t gocbref_len, datset_len, goid_len;
	uint32_t ttl_ms, stnum, sqnum, confrev, num_entries;
	bool simulation, ndscom;
	uint32_t t_sec, t_frac;    /* UtcTime: seconds, 24-bit binary fraction */
	uint8_t t_quality;
	const uint8_t *all_data;   /* contents of allData [11] */
	uint32_t all_data_len;
	uint32_t data_count;       /* top-level allData entries */
	uint32_t security_len;
	uint16_t missing;          /* mandatory fields absent, bit = context tag */
	bool clamped;              /* Length beyond the frame: decoded as far as it goes */
	bool new_publisher;        /* first frame of this publisher in the table */
	uint32_t n_expired;        /* publishers found silent at this frame */
	uint64_t evictions;        /* the table's evictions so far, when this frame evicted */
	/* last: set only when n_expired / evictions say so */
	struct goose_expired evicted; /* the publisher it evicted (silent_ms unused) */
	struct goose_expired expired[GOOSE_MAX_EXPIRED_LOGGED];
};

#endif
