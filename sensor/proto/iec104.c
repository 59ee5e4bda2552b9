/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IEC 60870-5-104 (TCP port 2404): APCI I/S/U frames with send/receive
 * sequence numbers per direction, the ASDU (type id, variable structure
 * qualifier, cause of transmission, originator, common address) and the
 * information objects of the monitor, control, parameter and file types of
 * the companion standard, with value, quality and CP56Time2a.
 *
 * Every APDU is a transaction record. Confirmations (actcon, actterm) say
 * whether the activation they confirm was seen (same type and first IOA).
 *
 * Events (app-layer-event:iec104.<name>):
 *   iec104.invalid_apdu_length    APDU length below 4 or above 253, or an ASDU
 *                                 shorter or longer than its objects
 *   iec104.sequence_error         N(S) of an I frame is not the one expected in
 *                                 that direction (a gap or a repeat)
 *   iec104.unknown_type_id        a type id the companion standard does not define
 *   iec104.invalid_cot            a cause of transmission the standard does not
 *                                 define (0, 14-19, 42, 43, 48-63)
 *   iec104.malformed_asdu         an ASDU with zero objects or a bad file segment
 *   iec104.unexpected_u_format    a U frame whose control bits are not exactly one
 *                                 of STARTDT/STOPDT/TESTFR act/con
 *   iec104.too_many_objects       more objects than an APDU can carry
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "detect/uint.h"
#include "util/civil.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/iec104.h"

extern const struct proto_parser proto_iec104;

#define PENDING 4

static const char *const events[IEC104_EV__COUNT] = {
	[IEC104_EV_INVALID_APDU_LENGTH] = "iec104.invalid_apdu_length",
	[IEC104_EV_SEQUENCE_ERROR] = "iec104.sequence_error",
	[IEC104_EV_UNKNOWN_TYPE_ID] = "iec104.unknown_type_id",
	[IEC104_EV_INVALID_COT] = "iec104.invalid_cot",
	[IEC104_EV_MALFORMED_ASDU] = "iec104.malformed_asdu",
	[IEC104_EV_UNEXPECTED_U_FORMAT] = "iec104.unexpected_u_format",
	[IEC104_EV_TOO_MANY_OBJECTS] = "iec104.too_many_objects",
};

struct iec_state {
	uint16_t next_ns[2];
	bool ns_known[2];
	struct {
		uint8_t type;
		uint32_t ioa;
		bool used;
	} act[PENDING];
	uint8_t act_next;
};

/* ---- type table --------------------------------------------------------------- */

struct tinfo {
	uint8_t id;
	uint8_t size;      /* element size after the IOA; 0xff = variable (125) */
	uint8_t val;       /* value layout, see decode_value */
	bool time;         /* ends with CP56Time2a (7 bytes) */
	const char *name;
};

enum { V_NONE, V_SIQ, V_DIQ, V_VTI, V_BSI, V_NVA, V_SVA, V_FLT, V_BCR, V_SCO, V_DCO, V_RCO,
       V_SE_NVA, V_SE_SVA, V_SE_FLT, V_BO_CMD, V_Q1, V_P_NVA, V_P_SVA, V_P_FLT, V_EP, V_PS,
       V_TSC, V_NVA_NOQ };

static const struct tinfo types[] = {
	{ 1, 1, V_SIQ, false, "M_SP_NA_1" },   { 2, 4, V_SIQ, false, "M_SP_TA_1" },
	{ 3, 1, V_DIQ, false, "M_DP_NA_1" },   { 4, 4, V_DIQ, false, "M_DP_TA_1" },
	{ 5, 2, V_VTI, false, "M_ST_NA_1" },   { 6, 5, V_VTI, false, "M_ST_TA_1" },
	{ 7, 5, V_BSI, false, "M_BO_NA_1" },   { 8, 8, V_BSI, false, "M_BO_TA_1" },
	{ 9, 3, V_NVA, false, "M_ME_NA_1" },   { 10, 6, V_NVA, false, "M_ME_TA_1" },
	{ 11, 3, V_SVA, false, "M_ME_NB_1" },  { 12, 6, V_SVA, false, "M_ME_TB_1" },
	{ 13, 5, V_FLT, false, "M_ME_NC_1" },  { 14, 8, V_FLT, false, "M_ME_TC_1" },
	{ 15, 5, V_BCR, false, "M_IT_NA_1" },  { 16, 8, V_BCR, false, "M_IT_TA_1" },
	{ 17, 6, V_EP, false, "M_EP_TA_1" },   { 18, 7, V_EP, false, "M_EP_TB_1" },
	{ 19, 7, V_EP, false, "M_EP_TC_1" },   { 20, 5, V_PS, false, "M_PS_NA_1" },
	{ 21, 2, V_NVA_NOQ, false, "M_ME_ND_1" },
	{ 30, 8, V_SIQ, true, "M_SP_TB_1" },   { 31, 8, V_DIQ, true, "M_DP_TB_1" },
	{ 32, 9, V_VTI, true, "M_ST_TB_1" },   { 33, 12, V_BSI, true, "M_BO_TB_1" },
	{ 34, 10, V_NVA, true, "M_ME_TD_1" },  { 35, 10, V_SVA, true, "M_ME_TE_1" },
	{ 36, 12, V_FLT, true, "M_ME_TF_1" },  { 37, 12, V_BCR, true, "M_IT_TB_1" },
	{ 38, 10, V_EP, true, "M_EP_TD_1" },   { 39, 11, V_EP, true, "M_EP_TE_1" },
	{ 40, 10, V_EP, true, "M_EP_TF_1" },
	{ 45, 1, V_SCO, false, "C_SC_NA_1" },  { 46, 1, V_DCO, false, "C_DC_NA_1" },
	{ 47, 1, V_RCO, false, "C_RC_NA_1" },  { 48, 3, V_SE_NVA, false, "C_SE_NA_1" },
	{ 49, 3, V_SE_SVA, false, "C_SE_NB_1" }, { 50, 5, V_SE_FLT, false, "C_SE_NC_1" },
	{ 51, 4, V_BO_CMD, false, "C_BO_NA_1" },
	{ 58, 8, V_SCO, true, "C_SC_TA_1" },   { 59, 8, V_DCO, true, "C_DC_TA_1" },
	{ 60, 8, V_RCO, true, "C_RC_TA_1" },   { 61, 10, V_SE_NVA, true, "C_SE_TA_1" },
	{ 62, 10, V_SE_SVA, true, "C_SE_TB_1" }, { 63, 12, V_SE_FLT, true, "C_SE_TC_1" },
	{ 64, 11, V_BO_CMD, true, "C_BO_TA_1" },
	{ 70, 1, V_Q1, false, "M_EI_NA_1" },
	{ 100, 1, V_Q1, false, "C_IC_NA_1" },  { 101, 1, V_Q1, false, "C_CI_NA_1" },
	{ 102, 0, V_NONE, false, "C_RD_NA_1" }, { 103, 7, V_NONE, true, "C_CS_NA_1" },
	{ 104, 2, V_NONE, false, "C_TS_NA_1" }, { 105, 1, V_Q1, false, "C_RP_NA_1" },
	{ 106, 2, V_NONE, false, "C_CD_NA_1" }, { 107, 9, V_TSC, true, "C_TS_TA_1" },
	{ 110, 3, V_P_NVA, false, "P_ME_NA_1" }, { 111, 3, V_P_SVA, false, "P_ME_NB_1" },
	{ 112, 5, V_P_FLT, false, "P_ME_NC_1" }, { 113, 1, V_Q1, false, "P_AC_NA_1" },
	{ 120, 6, V_NONE, false, "F_FR_NA_1" }, { 121, 7, V_NONE, false, "F_SR_NA_1" },
	{ 122, 4, V_NONE, false, "F_SC_NA_1" }, { 123, 5, V_NONE, false, "F_LS_NA_1" },
	{ 124, 4, V_NONE, false, "F_AF_NA_1" }, { 125, 0xff, V_NONE, false, "F_SG_NA_1" },
	{ 126, 13, V_NONE, true, "F_DR_TA_1" }, { 127, 16, V_NONE, false, "F_SC_NB_1" },
};

/* types[] is sorted by id: a binary search (the parser, the logger and the
 * baseline's facts look a type up for every ASDU) */
static const struct tinfo *tinfo(uint8_t id)
{
	size_t a = 0, b = sizeof(types) / sizeof(types[0]);
	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (types[m].id < id)
			a = m + 1;
		else
			b = m;
	}
	return a < sizeof(types) / sizeof(types[0]) && types[a].id == id ? &types[a] : NULL;
}

static const char *cot_name(uint8_t c)
{
	static const char *const n[] = {
		"notused", "per/cyc", "back", "spont", "init", "req", "act", "actcon", "deact",
		"deactcon", "actterm", "retrem", "retloc", "file",
	};
	/* constant: workers call this at once (a shared buffer filled by
	 * snprintf was a data race) */
	static const char *const inro[16] = {
		"inro1", "inro2", "inro3", "inro4", "inro5", "inro6", "inro7", "inro8",
		"inro9", "inro10", "inro11", "inro12", "inro13", "inro14", "inro15", "inro16",
	};
	if (c < 14)
		return n[c];
	if (c == 20)
		return "inrogen";
	if (c >= 21 && c <= 36)
		return inro[c - 21];
	switch (c) {
	case 37: return "reqcogen";
	case 38: return "reqco1";
	case 39: return "reqco2";
	case 40: return "reqco3";
	case 41: return "reqco4";
	case 44: return "unknown_type";
	case 45: return "unknown_cause";
	case 46: return "unknown_asdu_address";
	case 47: return "unknown_object_address";
	default: return "invalid";
	}
}

static bool cot_valid(uint8_t c)
{
	return (c >= 1 && c <= 13) || (c >= 20 && c <= 41) || (c >= 44 && c <= 47);
}

/* ---- framing ------------------------------------------------------------------ */

static bool u_valid(uint8_t c1)
{
	return c1 == 0x07 || c1 == 0x0b || c1 == 0x13 || c1 == 0x23 || c1 == 0x43 || c1 == 0x83;
}

static int i_probe(const uint8_t *b, size_t len, uint8_t dir)
{
	(void)dir;
	if (len >= 1 && b[0] != 0x68)
		return APP_PROBE_NO;
	if (len < 6)
		return APP_PROBE_MORE;
	uint8_t l = b[1];
	if (l < 4 || l > 253)
		return APP_PROBE_NO;
	uint8_t c1 = b[2];
	if ((c1 & 3) == 3)
		return l == 4 && u_valid(c1) && !b[3] && !b[4] && !b[5] ? APP_PROBE_YES : APP_PROBE_NO;
	if ((c1 & 3) == 1)
		return l == 4 && c1 == 1 && !b[3] ? APP_PROBE_YES : APP_PROBE_NO;
	if (l < 10)
		return APP_PROBE_NO;
	if (len < 8)
		return APP_PROBE_MORE;
	return tinfo(b[6]) ? APP_PROBE_YES : APP_PROBE_NO;
}

static int i_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *b, size_t len,
		     size_t *pdu_len)
{
	(void)state;
	(void)dir;
	if (len >= 1 && b[0] != 0x68)
		return APP_FRAME_BAD;
	if (len < 2)
		return APP_FRAME_MORE;
	if (b[1] < 4 || b[1] > 253) {
		app_emit_event(ctx, &proto_iec104, IEC104_EV_INVALID_APDU_LENGTH);
		return APP_FRAME_BAD;
	}
	*pdu_len = 2u + b[1];
	return APP_FRAME_OK;
}

/* ---- ASDU ---------------------------------------------------------------------- */

static void ev(struct app_ctx *ctx, uint16_t e)
{
	app_emit_event(ctx, &proto_iec104, e);
}

static uint64_t cp56(struct cursor *c)
{
	uint16_t ms = cur_le16(c);
	uint8_t min = cur_u8(c) & 0x3f, hour = cur_u8(c) & 0x1f, day = cur_u8(c) & 0x1f;
	uint8_t mon = cur_u8(c) & 0x0f, year = cur_u8(c) & 0x7f;
	/* days since 1970 for 2000 + year (civil calendar) */
	int y = 2000 + year, m = mon ? mon : 1, d = day ? day : 1;
	y -= m <= 2;
	int era = y / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = (int64_t)era * 146097 + doe - 719468;
	return (uint64_t)(days * 86400000LL + hour * 3600000LL + min * 60000LL + ms);
}

static void decode_value(const struct tinfo *ti, const uint8_t *e, struct iec104_object *o)
{
	struct cursor c = cur_make(e, ti->size);
	switch (ti->val) {
	case V_SIQ: { uint8_t s = cur_u8(&c); o->kind = 1; o->ival = s & 1; o->has_quality = true; o->quality = s & 0xf0; break; }
	case V_DIQ: { uint8_t s = cur_u8(&c); o->kind = 1; o->ival = s & 3; o->has_quality = true; o->quality = s & 0xf0; break; }
	case V_VTI: { uint8_t v = cur_u8(&c); o->kind = 1; o->ival = (int8_t)(uint8_t)(v << 1) >> 1; o->has_quality = true; o->quality = cur_u8(&c); break; }
	case V_BSI: o->kind = 3; o->ival = cur_le32(&c); o->has_quality = true; o->quality = cur_u8(&c); break;
	case V_NVA: o->kind = 2; o->fval = (int16_t)cur_le16(&c) / 32768.0; o->has_quality = true; o->quality = cur_u8(&c); break;
	case V_NVA_NOQ: o->kind = 2; o->fval = (int16_t)cur_le16(&c) / 32768.0; break;
	case V_SVA: o->kind = 1; o->ival = (int16_t)cur_le16(&c); o->has_quality = true; o->quality = cur_u8(&c); break;
	case V_FLT: o->kind = 2; o->fval = cur_le_float(&c); o->has_quality = true; o->quality = cur_u8(&c); break;
	case V_BCR: { o->kind = 1; o->ival = (int32_t)cur_le32(&c); o->has_quality = true; o->quality = cur_u8(&c); break; }
	case V_SCO: { uint8_t s = cur_u8(&c); o->kind = 1; o->ival = s & 1; o->select = s >> 7; o->has_quality = true; o->quality = (s >> 2) & 0x1f; break; }
	case V_DCO: case V_RCO: { uint8_t s = cur_u8(&c); o->kind = 1; o->ival = s & 3; o->select = s >> 7; o->has_quality = true; o->quality = (s >> 2) & 0x1f; break; }
	case V_SE_NVA: case V_P_NVA: { o->kind = 2; o->fval = (int16_t)cur_le16(&c) / 32768.0; uint8_t q = cur_u8(&c); o->select = ti->val == V_SE_NVA ? q >> 7 : 0; o->has_quality = true; o->quality = q & 0x7f; break; }
	case V_SE_SVA: case V_P_SVA: { o->kind = 1; o->ival = (int16_t)cur_le16(&c); uint8_t q = cur_u8(&c); o->select = ti->val == V_SE_SVA ? q >> 7 : 0; o->has_quality = true; o->quality = q & 0x7f; break; }
	case V_SE_FLT: case V_P_FLT: { o->kind = 2; o->fval = cur_le_float(&c); uint8_t q = cur_u8(&c); o->select = ti->val == V_SE_FLT ? q >> 7 : 0; o->has_quality = true; o->quality = q & 0x7f; break; }
	case V_BO_CMD: o->kind = 3; o->ival = cur_le32(&c); break;
	case V_Q1: o->kind = 1; o->ival = cur_u8(&c); break;
	case V_EP: { uint8_t s = cur_u8(&c); o->kind = 1; o->ival = s & 3; o->has_quality = true; o->quality = s & 0xf8; break; }
	case V_PS: o->kind = 3; o->ival = cur_le32(&c); o->has_quality = true; o->quality = cur_u8(&c); break;
	case V_TSC: o->kind = 1; o->ival = cur_le16(&c); break;
	default: break;
	}
	if (ti->time && ti->size >= 7) {
		struct cursor t = cur_make(e + ti->size - 7, 7);
		o->has_time = true;
		o->time_ms = cp56(&t);
	}
	if (!isfinite(o->fval))
		o->fval = 0; /* NaN and infinities are not JSON */
}

static bool parse_asdu(struct app_ctx *ctx, struct cursor *c, struct iec104_tx *tx)
{
	tx->has_asdu = true;
	tx->hdr_len = (uint8_t)(cur_left(c) < 6 ? cur_left(c) : 6);
	tx->type_id = cur_u8(c);
	uint8_t vsq = cur_u8(c);
	tx->sq = vsq >> 7;
	tx->num = vsq & 0x7f;
	uint8_t cot = cur_u8(c);
	tx->cot = cot & 0x3f;
	tx->negative = (cot >> 6) & 1;
	tx->test = cot >> 7;
	tx->originator = cur_u8(c);
	tx->common_address = cur_le16(c);
	if (!cur_ok(c)) {
		ev(ctx, IEC104_EV_INVALID_APDU_LENGTH);
		return false;
	}
	if (!cot_valid(tx->cot))
		ev(ctx, IEC104_EV_INVALID_COT);
	const struct tinfo *ti = tinfo(tx->type_id);
	if (!ti) {
		ev(ctx, IEC104_EV_UNKNOWN_TYPE_ID);
		return false;
	}
	if (tx->num == 0) {
		ev(ctx, IEC104_EV_MALFORMED_ASDU);
		return false;
	}
	if (ti->size != 0xff) {
		/* object bytes the header announces, against what any APDU
		 * (253 bytes: 4 of control, 6 of ASDU header) can carry */
		size_t need = tx->sq ? 3u + (size_t)tx->num * ti->size
				     : (size_t)tx->num * (3u + ti->size);
		if (need > 253u - 4u - 6u) {
			ev(ctx, IEC104_EV_TOO_MANY_OBJECTS);
			return false;
		}
	}
	uint32_t ioa = 0;
	for (unsigned i = 0; i < tx->num; i++) {
		if (!tx->sq || i == 0)
			ioa = cur_le24(c);
		else
			ioa = (ioa + 1) & 0xffffff;
		size_t size = ti->size;
		if (size == 0xff) { /* file segment: NOF, NOS, LOS, segment */
			if (cur_left(c) < 4) {
				ev(ctx, IEC104_EV_MALFORMED_ASDU);
				return false;
			}
			size = 4u + (size_t)cur_peek_u8(c, 3);
		}
		const uint8_t *e = cur_ptr(c, size);
		if (!cur_ok(c)) {
			ev(ctx, IEC104_EV_INVALID_APDU_LENGTH);
			return false;
		}
		if (tx->n_objects < IEC104_MAX_OBJECTS) {
			struct iec104_object *o = &tx->objects[tx->n_objects++];
			memset(o, 0, sizeof(*o));
			o->ioa = ioa;
			if (ti->size != 0xff)
				decode_value(ti, e, o);
		}
	}
	if (cur_left(c)) {
		ev(ctx, IEC104_EV_INVALID_APDU_LENGTH);
		return false;
	}
	return true;
}

static int i_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct iec_state *s = state;
	/* on the stack, and only its fixed part zeroed (the tx lives for the
	 * callback only; each object is zeroed as it is added) */
	struct iec104_tx txs;
	struct iec104_tx *tx = &txs;
	memset(tx, 0, offsetof(struct iec104_tx, objects));
	tx->confirms = -1;
	struct cursor c = cur_make(pdu, len);
	cur_skip(&c, 2);
	uint8_t c1 = cur_u8(&c), c2 = cur_u8(&c), c3 = cur_u8(&c), c4 = cur_u8(&c);
	if (!cur_ok(&c)) {
		ev(ctx, IEC104_EV_INVALID_APDU_LENGTH);
		return -1;
	}
	int d = dir & 1;
	if ((c1 & 1) == 0) {
		tx->apci = IEC104_I;
		tx->ns = (uint16_t)((c1 >> 1) | (c2 << 7));
		tx->nr = (uint16_t)((c3 >> 1) | (c4 << 7));
		if (s->ns_known[d] && tx->ns != s->next_ns[d])
			ev(ctx, IEC104_EV_SEQUENCE_ERROR);
		s->ns_known[d] = true;
		s->next_ns[d] = (uint16_t)((tx->ns + 1) & 0x7fff);
		if (cur_left(&c) == 0)
			ev(ctx, IEC104_EV_INVALID_APDU_LENGTH);
		else if (parse_asdu(ctx, &c, tx) && tx->n_objects) {
			/* activations and their confirmations */
			uint8_t t = tx->type_id;
			bool cmd = (t >= 45 && t <= 64) || (t >= 100 && t <= 107);
			if (cmd && tx->cot == 6) {
				int slot = -1;
				for (int i = 0; i < PENDING && slot < 0; i++)
					if (!s->act[i].used)
						slot = i;
				if (slot < 0) {
					slot = s->act_next;
					s->act_next = (uint8_t)((s->act_next + 1) % PENDING);
				}
				s->act[slot].used = true;
				s->act[slot].type = t;
				s->act[slot].ioa = tx->objects[0].ioa;
			} else if (cmd && (tx->cot == 7 || tx->cot == 10)) {
				tx->confirms = 0;
				for (int i = 0; i < PENDING; i++)
					if (s->act[i].used && s->act[i].type == t &&
					    s->act[i].ioa == tx->objects[0].ioa) {
						tx->confirms = 1;
						if (tx->cot == 10)
							s->act[i].used = false;
					}
			}
		}
	} else if ((c1 & 3) == 1) {
		tx->apci = IEC104_S;
		tx->nr = (uint16_t)((c3 >> 1) | (c4 << 7));
		if (cur_left(&c))
			ev(ctx, IEC104_EV_INVALID_APDU_LENGTH);
	} else {
		tx->apci = IEC104_U;
		tx->u_func = c1;
		if (!u_valid(c1) || c2 || c3 || c4)
			ev(ctx, IEC104_EV_UNEXPECTED_U_FORMAT);
		if (cur_left(&c))
			ev(ctx, IEC104_EV_INVALID_APDU_LENGTH);
		if (c1 == 0x07 || c1 == 0x0b) { /* STARTDT: sequence numbers start over */
			s->ns_known[0] = s->ns_known[1] = false;
		}
	}
	bool resp = tx->apci == IEC104_I ? (tx->cot == 7 || tx->cot == 9 || tx->cot == 10)
					 : (tx->apci == IEC104_U && (c1 & 0xa8));
	struct app_tx t = { &proto_iec104, dir, resp, tx };
	app_emit_tx(ctx, &t);
	return 0;
}

static void *i_new(const struct app_flow_info *fi)
{
	(void)fi;
	return calloc(1, sizeof(struct iec_state));
}

static void i_free(void *s)
{
	free(s);
}

static void i_gap(void *state, uint8_t dir)
{
	struct iec_state *s = state;
	s->ns_known[dir & 1] = false;
}

/* ---- EVE --------------------------------------------------------------------- */

static const char *u_name(uint8_t c1)
{
	switch (c1) {
	case 0x07: return "STARTDT_ACT";
	case 0x0b: return "STARTDT_CON";
	case 0x13: return "STOPDT_ACT";
	case 0x23: return "STOPDT_CON";
	case 0x43: return "TESTFR_ACT";
	case 0x83: return "TESTFR_CON";
	default: return "INVALID";
	}
}

static void i_log(const struct app_tx *t, struct jb *jb)
{
	const struct iec104_tx *tx = t->data;
	jb_open_object(jb, "apci");
	jb_set_ascii(jb, "type", tx->apci == IEC104_I ? "I" : tx->apci == IEC104_S ? "S" : "U");
	if (tx->apci == IEC104_I)
		jb_set_uint(jb, "tx", tx->ns);
	if (tx->apci != IEC104_U)
		jb_set_uint(jb, "rx", tx->nr);
	else
		jb_set_ascii(jb, "u_function", u_name(tx->u_func));
	jb_close(jb);
	if (!tx->has_asdu)
		return;
	const struct tinfo *ti = tinfo(tx->type_id);
	jb_open_object(jb, "asdu");
	/* a header cut short: only the fields that are there */
	jb_set_uint(jb, "type_id", tx->type_id);
	jb_set_ascii(jb, "type_name", ti ? ti->name : "unknown");
	if (tx->hdr_len >= 2) {
		jb_set_bool(jb, "sq", tx->sq);
		jb_set_uint(jb, "num_objects", tx->num);
	}
	if (tx->hdr_len >= 3) {
		jb_set_uint(jb, "cot", tx->cot);
		jb_set_ascii(jb, "cot_name", cot_name(tx->cot));
		jb_set_bool(jb, "negative", tx->negative);
		jb_set_bool(jb, "test", tx->test);
	}
	if (tx->hdr_len >= 4)
		jb_set_uint(jb, "originator", tx->originator);
	if (tx->hdr_len >= 6)
		jb_set_uint(jb, "common_address", tx->common_address);
	if (tx->confirms >= 0)
		jb_set_bool(jb, "activation_seen", tx->confirms);
	jb_open_array(jb, "objects");
	for (unsigned i = 0; i < tx->n_objects; i++) {
		const struct iec104_object *o = &tx->objects[i];
		jb_open_object(jb, NULL);
		jb_set_uint(jb, "ioa", o->ioa);
		if (o->kind == 2)
			jb_set_float(jb, "value", (float)o->fval); /* IEEE 754 single on the wire */
		else if (o->kind == 1 || o->kind == 3)
			jb_set_int(jb, "value", o->ival);
		if (o->has_quality)
			jb_set_uint(jb, "quality", o->quality);
		bool cmd = ti && ((ti->id >= 45 && ti->id <= 64));
		if (cmd)
			jb_set_bool(jb, "select", o->select);
		if (o->has_time) {
			/* CP56Time2a: years 2000-2127, always four digits */
			char ts[24];
			civil_format_ms(ts, o->time_ms);
			jb_set_ascii(jb, "time", ts);
		}
		jb_close(jb);
	}
	jb_close(jb);
	jb_close(jb);
}

static int i_tx_function(const struct app_tx *t)
{
	const struct iec104_tx *tx = t->data;
	return tx->has_asdu ? tx->type_id : -1;
}

/* ---- facts (the learned baseline) -------------------------------------------
 *
 * function: the ASDU type id (1-127); U-format functions are 256 + their
 * control byte (STARTDT_ACT 263, TESTFR_CON 387...); S-format frames have
 * none. Sub-device: the common address. Address space 1 "ioa": the
 * information object addresses (runs of consecutive IOAs make one range).
 * Values: monitored values (types 1-40), reported; commands and parameters
 * (45-64, 110-112), written by the controlling station. Monitoring types
 * are reports unless they answer an interrogation (COT 20-41). */

static uint8_t type_class(uint8_t t)
{
	if (t <= 40 || t == 70)
		return APP_FCLASS_REPORT;
	if (t >= 45 && t <= 64)
		return APP_FCLASS_CONTROL;
	switch (t) {
	case 100: case 101: case 102: return APP_FCLASS_READ;
	case 103: return APP_FCLASS_SESSION;
	case 104: case 106: case 107: return APP_FCLASS_DIAGNOSTIC;
	case 105: return APP_FCLASS_CONTROL;
	case 110: case 111: case 112: case 113: return APP_FCLASS_PROGRAM;
	default: return t >= 120 && t <= 127 ? APP_FCLASS_FILE : APP_FCLASS_OTHER;
	}
}

static void i_facts(const struct app_tx *t, struct app_facts *f)
{
	const struct iec104_tx *tx = t->data;
	if (tx->apci == IEC104_U) {
		f->function = 256 + tx->u_func;
		f->function_name = u_valid(tx->u_func) ? u_name(tx->u_func) : NULL;
		f->fclass = APP_FCLASS_SESSION;
		f->role = (tx->u_func & 0xa8) ? APP_ROLE_RESPONSE : APP_ROLE_REQUEST;
		return;
	}
	if (!tx->has_asdu)
		return;
	const struct tinfo *ti = tinfo(tx->type_id);
	f->function = tx->type_id;
	f->function_name = ti ? ti->name : NULL;
	f->fclass = type_class(tx->type_id);
	if (tx->type_id <= 40 || tx->type_id == 70)
		f->role = tx->cot >= 20 && tx->cot <= 41 ? APP_ROLE_RESPONSE : APP_ROLE_REPORT;
	else
		f->role = (tx->cot == 6 || tx->cot == 8) ? APP_ROLE_REQUEST : APP_ROLE_RESPONSE;
	if (tx->hdr_len >= 6) {
		f->has_unit = true;
		f->unit = tx->common_address;
		f->unit_name = "common_address";
	}
	bool mon = tx->type_id <= 40;
	bool wr = (tx->type_id >= 45 && tx->type_id <= 64) ||
		  (tx->type_id >= 110 && tx->type_id <= 112);
	uint32_t lo = 0, hi = 0;
	for (unsigned i = 0; i < tx->n_objects; i++) {
		const struct iec104_object *o = &tx->objects[i];
		if (i && o->ioa == hi + 1) {
			hi = o->ioa;
		} else {
			if (i)
				app_facts_range(f, "ioa", 1, 0, lo, hi);
			lo = hi = o->ioa;
		}
		if ((mon || (wr && f->role == APP_ROLE_REQUEST)) && o->kind && f->want_values)
			app_facts_value(f, "ioa", 1, 0, o->ioa, wr,
					o->kind == 2 ? o->fval : (double)o->ival);
	}
	if (tx->n_objects)
		app_facts_range(f, "ioa", 1, 0, lo, hi);
}

/* ---- keywords ------------------------------------------------------------------- */

struct ikw {
	struct du_match m;
	uint8_t apci; /* iec104.apci: bit mask of I, S, U */
};

static struct du_name type_names[sizeof(types) / sizeof(types[0])];
static const struct du_name cot_names[] = {
	{ "per", 1 }, { "cyc", 1 }, { "back", 2 }, { "spont", 3 }, { "init", 4 }, { "req", 5 },
	{ "act", 6 }, { "actcon", 7 }, { "deact", 8 }, { "deactcon", 9 }, { "actterm", 10 },
	{ "retrem", 11 }, { "retloc", 12 }, { "file", 13 }, { "inrogen", 20 },
	{ "reqcogen", 37 }, { "unknown_type", 44 }, { "unknown_cause", 45 },
	{ "unknown_asdu_address", 46 }, { "unknown_object_address", 47 },
};

__attribute__((constructor)) static void names_init(void)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		type_names[i].name = types[i].name;
		type_names[i].value = types[i].id;
	}
}

static int uint_setup(const char *arg, void **data, uint64_t max, const struct du_name *n,
		      size_t nn, char *err, size_t errlen)
{
	struct ikw *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (du_parse(arg, max, n, nn, &k->m, err, errlen) < 0) {
		free(k);
		return -1;
	}
	*data = k;
	return 0;
}

static int typeid_setup(const char *a, void **d, char *e, size_t l)
{
	return uint_setup(a, d, 255, type_names, sizeof(type_names) / sizeof(type_names[0]), e, l);
}

static int cot_setup(const char *a, void **d, char *e, size_t l)
{
	return uint_setup(a, d, 63, cot_names, sizeof(cot_names) / sizeof(cot_names[0]), e, l);
}

static int ioa_setup(const char *a, void **d, char *e, size_t l)
{
	return uint_setup(a, d, 0xffffff, NULL, 0, e, l);
}

static int ca_setup(const char *a, void **d, char *e, size_t l)
{
	return uint_setup(a, d, 65535, NULL, 0, e, l);
}

static int apci_setup(const char *arg, void **data, char *err, size_t errlen)
{
	struct ikw *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (const char *p = arg ? arg : ""; *p; p++) {
		switch (*p) {
		case 'i': case 'I': k->apci |= 1; break;
		case 's': case 'S': k->apci |= 2; break;
		case 'u': case 'U': k->apci |= 4; break;
		case ',': case ' ': break;
		default:
			snprintf(err, errlen, "expected i, s or u, got '%s'", arg);
			free(k);
			return -1;
		}
	}
	if (!k->apci) {
		snprintf(err, errlen, "expected i, s or u");
		free(k);
		return -1;
	}
	*data = k;
	return 0;
}

static bool apci_match(const void *d, const struct app_tx *t)
{
	const struct iec104_tx *tx = t->data;
	return ((const struct ikw *)d)->apci & (1u << tx->apci);
}

static bool typeid_match(const void *d, const struct app_tx *t)
{
	const struct iec104_tx *tx = t->data;
	return tx->has_asdu && du_match(&((const struct ikw *)d)->m, tx->type_id);
}

static bool cot_match(const void *d, const struct app_tx *t)
{
	const struct iec104_tx *tx = t->data;
	return tx->has_asdu && tx->hdr_len >= 3 && du_match(&((const struct ikw *)d)->m, tx->cot);
}

static bool ioa_match(const void *d, const struct app_tx *t)
{
	const struct iec104_tx *tx = t->data;
	for (unsigned i = 0; i < tx->n_objects; i++)
		if (du_match(&((const struct ikw *)d)->m, tx->objects[i].ioa))
			return true;
	return false;
}

static bool ca_match(const void *d, const struct app_tx *t)
{
	const struct iec104_tx *tx = t->data;
	return tx->has_asdu && tx->hdr_len >= 6 &&
	       du_match(&((const struct ikw *)d)->m, tx->common_address);
}

static bool typeid_set(const void *d, uint8_t *set)
{
	return du_set(&((const struct ikw *)d)->m, 255, set);
}

static const struct app_keyword kws[] = {
	{ "iec104.apci", apci_setup, apci_match, NULL, NULL, NULL },
	{ "iec104.typeid", typeid_setup, typeid_match, NULL, typeid_set, NULL },
	{ "iec104.cot", cot_setup, cot_match, NULL, NULL, NULL },
	{ "iec104.ioa", ioa_setup, ioa_match, NULL, NULL, NULL },
	{ "iec104.common_address", ca_setup, ca_match, NULL, NULL, NULL },
};

static const uint16_t ports[] = { 2404, 0 };

const struct proto_parser proto_iec104 = {
	.name = "iec104",
	.transport = APP_TCP,
	.tcp_ports = ports,
	.probe = i_probe,
	.pdu_len = i_pdu_len,
	.parse_pdu = i_parse,
	.gap = i_gap,
	.state_new = i_new,
	.state_free = i_free,
	.log_tx = i_log,
	.events = events,
	.n_events = IEC104_EV__COUNT,
	.max_pdu = 255,
	.state_size = sizeof(struct iec_state),
	.keywords = kws,
	.n_keywords = sizeof(kws) / sizeof(kws[0]),
	.tx_function = i_tx_function,
	.facts = i_facts,
};
