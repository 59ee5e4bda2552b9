/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PROTO_TPKT_H
#define VIGIL_PROTO_TPKT_H

/*
 * ISO transport over TCP (port 102), shared by the parsers that run on it
 * (S7comm, MMS): TPKT framing, the COTP header of each TPKT, and the
 * reassembly of a TSDU that the sender split over several COTP DT TPDUs.
 *
 * TPKT (RFC 1006 section 6), big-endian:
 *   version:1 (3)  reserved:1 (0)  length:2 (the whole TPKT, header included)
 * COTP (ISO 8073 / X.224 section 13), after the TPKT header:
 *   LI:1 (header bytes after LI)  code:1 (TPDU code in the high nibble)
 *   CR/CC 13.3-13.4: dst-ref:2 src-ref:2 class-option:1 parameters
 *   DR 13.5:         dst-ref:2 src-ref:2 reason:1 parameters
 *   DC 13.6:         dst-ref:2 src-ref:2
 *   DT 13.7 class 0: EOT(bit 8)|TPDU-NR:1, then the TSDU segment
 *   ER 13.12:        dst-ref:2 reject-cause:1 parameters
 *   parameters: code:1 length:1 value (0xC0 TPDU size, 0xC1 calling
 *   TSAP, 0xC2 called TSAP, ...)
 *
 * Only what a parser of the TSDUs needs: each parser keeps its own event
 * names and decides what to log. Nothing here allocates except the
 * reassembly buffer, which is bounded by the caller's limit and counted in
 * the framing core's partial-PDU memcap (struct app_mem).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct app_ctx;
struct app_mem;

#define TPKT_HDR_LEN 4
/* the header and the shortest COTP TPDU (a class 0 DT: LI, code, EOT/NR) */
#define TPKT_MIN_LEN 7

/* tpkt_frame() results */
enum tpkt_frame_res {
	TPKT_FRAME_OK,   /* *pdu_len set */
	TPKT_FRAME_MORE, /* fewer than 4 bytes */
	TPKT_FRAME_NOT,  /* the first byte is not version 3: not a TPKT (no event) */
	TPKT_FRAME_BAD,  /* version 3 but a reserved byte or a length that is wrong */
};

/* How long is the TPKT at buf? O(1). */
int tpkt_frame(const uint8_t *buf, size_t len, size_t *pdu_len);

/* COTP TPDU codes (high nibble of the code byte). */
enum cotp_code {
	COTP_ED = 0x10,
	COTP_EA = 0x20,
	COTP_RJ = 0x50,
	COTP_AK = 0x60,
	COTP_ER = 0x70,
	COTP_DR = 0x80,
	COTP_DC = 0xc0,
	COTP_CC = 0xd0,
	COTP_CR = 0xe0,
	COTP_DT = 0xf0,
};

/* "CR", "DT"..., or NULL for a code ISO 8073 does not define. */
const char *cotp_code_name(uint8_t code);

/* cotp_parse() failures */
enum cotp_err {
	COTP_ERR_LI = -1,   /* LI of 0, or beyond the TPKT */
	COTP_ERR_CODE = -2, /* not a TPDU code */
	COTP_ERR_SHORT = -3 /* a DT header without its EOT/NR byte */
};

struct cotp {
	uint8_t li;
	uint8_t code;          /* enum cotp_code */
	/* CR, CC, DR, DC, ER */
	uint16_t dst_ref, src_ref;
	uint8_t class_opt;     /* CR/CC: class and options; DR: reason; ER: reject cause */
	const uint8_t *calling_tsap, *called_tsap; /* NULL when absent */
	uint8_t calling_tsap_len, called_tsap_len;
	uint8_t tpdu_size;     /* CR/CC parameter 0xC0 (2^n bytes), 0 when absent */
	bool bad_header;       /* the fixed part is cut short or a parameter overruns it */
	/* DT */
	bool eot;
	uint8_t nr;
	/* the bytes after the header: a DT's TSDU segment, CR/CC/DR user data */
	const uint8_t *data;
	size_t data_len;
};

/* Parses the COTP header of one whole TPKT (pdu, len: as framed by
 * tpkt_frame). Returns 0, or a negative enum cotp_err. O(header). */
int cotp_parse(const uint8_t *pdu, size_t len, struct cotp *h);

/*
 * Reassembly of a TSDU sent as DT TPDUs without EOT followed by one with
 * EOT (ISO 8073 6.3). Per flow and direction; zero-initialise. The buffer is
 * allocated on the first segmented TSDU and grows up to the caller's limit;
 * up to TPKT_REASM_KEEP bytes of it are kept for the next TSDU, a larger one
 * is released when the next TPDU comes. Its bytes are charged to ctx's
 * app_mem (the framing core's partial-PDU memcap, applayer.memcap when it
 * is reached) and given back by tpkt_reasm_free().
 */
#define TPKT_REASM_KEEP 8192
struct tpkt_reasm {
	uint8_t *buf;
	struct app_mem *mem; /* where buf's bytes are counted (NULL: nowhere) */
	uint32_t len, cap;
	uint16_t segments;   /* DT TPDUs of the TSDU being collected */
	bool active;         /* a TSDU is being collected */
	bool cut;            /* it outgrew the limit (or memory): only its head is kept */
};

/* tpkt_reasm_add() result bits */
#define TPKT_TSDU_READY 0x1   /* a TSDU is complete: *tsdu, *tsdu_len */
#define TPKT_TSDU_CUT 0x2     /* ... and only its first bytes are there */
#define TPKT_TSDU_CROSSED 0x4 /* this segment took the TSDU beyond max (once per TSDU) */
#define TPKT_TSDU_NOMEM 0x8   /* no room for this segment: memcap (counted) or malloc */

/* Adds the user data of one DT TPDU and returns TPKT_TSDU_* bits (0: the
 * segment was kept, or dropped after a cut, and the TSDU goes on). An EOT
 * DT with nothing collected is a whole TSDU by itself: *tsdu is then seg,
 * nothing is copied. Otherwise *tsdu is in r->buf, valid until the next
 * call. At most max bytes are kept per TSDU; what follows is dropped until
 * EOT. O(n). */
int tpkt_reasm_add(struct tpkt_reasm *r, struct app_ctx *ctx, bool eot, const uint8_t *seg,
		   size_t n, size_t max, const uint8_t **tsdu, size_t *tsdu_len);
/* Forgets a TSDU being collected (a stream gap). Keeps the buffer. */
void tpkt_reasm_reset(struct tpkt_reasm *r);
/* Releases the buffer and its accounting. Accepts a zeroed struct. */
void tpkt_reasm_free(struct tpkt_reasm *r);

#endif
