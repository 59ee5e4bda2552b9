/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_ASSET_H
#define VIGIL_ASSET_H

/*
 * What a transaction tells about the devices that exchanged it: the passive
 * asset inventory's input (sensor/anomaly/assets.c), filled by a parser's
 * proto_parser.identity hook.
 *
 * The hook is called for every transaction, so it must answer "nothing"
 * in a few instructions for the common case (a poll): test the one or two
 * fields that make a tx identity-bearing, and only then call
 * app_identity_init() and fill what the tx shows. Strings are copied (the
 * tx and the PDU it points into are gone after the callback).
 *
 * Sides are those of the PDU that made the tx: the sender (the packet's
 * source) and the receiver (its destination). A GOOSE frame is about its
 * sender (the publisher); a Modbus identification response, a ListIdentity
 * reply, an SZL answer, an I-Am, a ReadProperty-ACK of a device object are
 * about the sender too; roles may concern both sides (a program download
 * shows the sender as an engineering workstation and the receiver as a
 * field device).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* app_identity.about */
#define APP_ID_SENDER 0
#define APP_ID_RECEIVER 1
#define APP_ID_IPV4 2 /* another host, named by about_ip (a BACnet Forwarded-NPDU) */

/* Identity strings, single-valued per (protocol, component). */
enum app_id_field {
	APP_IDF_VENDOR,      /* "Rockwell Automation/Allen-Bradley", "Siemens" */
	APP_IDF_PRODUCT,     /* product name: "1756-L61/B LOGIX5561", "CPU 315-2 PN/DP" */
	APP_IDF_MODEL,       /* model or order number: "6ES7 315-2EH14-0AB0" */
	APP_IDF_FIRMWARE,    /* firmware / revision: "16.20", "V3.2.7" */
	APP_IDF_SERIAL,      /* serial number as the device gives it */
	APP_IDF_NAME,        /* the name it was given: "PLC_1", a BACnet object name */
	APP_IDF_DEVICE_TYPE, /* "Programmable Logic Controller" */
	APP_IDF__COUNT
};

#define APP_ID_STR 64       /* bytes of a string field, NUL included */
#define APP_ID_COMPONENT 32
#define APP_ID_MAX_NUM 4
#define APP_ID_MAX_EXT 2
#define APP_ID_EXT_STR 96

/* Roles an exchange shows (app_identity.role[side]). */
#define APP_ROLE_CLIENT 0x01      /* sent requests or commands (the inventory counts the
				   * devices it polls: master or HMI) */
#define APP_ROLE_FIELD 0x02       /* a field device: answers requests, reports */
#define APP_ROLE_ENGINEERING 0x04 /* program download/upload, PLC start/stop, firmware and
				   * file operations, device identification sweeps */
#define APP_ROLE_PUBLISHER 0x08   /* publishes (GOOSE) */
#define APP_ROLE_SERVER 0x10      /* a server that is not a field device (OPC UA) */

struct app_identity {
	uint8_t about;            /* APP_ID_*: whose identity str/num/ext describe */
	uint8_t about_ip[4];      /* APP_ID_IPV4 */
	uint8_t have;             /* bit (1 << APP_IDF_x) per str[] field set */
	uint8_t role[2];          /* APP_ROLE_* of [sender, receiver] */
	/* "" the device itself; else a module behind it, named by the
	 * parser: "backplane slot 0", "unit 3", "net 5 mac 0x1a" */
	char component[APP_ID_COMPONENT];
	/* the component may be the device itself (a Modbus unit id): the
	 * first one seen of a protocol is taken as the device */
	bool may_be_self;
	/* values fill empty fields and never count as a change (a GOOSE IED
	 * names one logical device per control block) */
	bool weak;
	char str[APP_IDF__COUNT][APP_ID_STR];
	/* protocol-specific numbers (sets: several values are normal, e.g. a
	 * DNP3 outstation with two link addresses); key: a literal of the
	 * parser's; side: APP_ID_SENDER or _RECEIVER */
	uint8_t n_num;
	struct {
		const char *key;
		uint32_t val;
		uint8_t side;
	} num[APP_ID_MAX_NUM];
	/* further strings of the about side (OPC UA application URI, ...) */
	uint8_t n_ext;
	struct {
		const char *key;
		char val[APP_ID_EXT_STR];
	} ext[APP_ID_MAX_EXT];
};

/* Empties *id (about the sender, nothing set). */
static inline void app_identity_init(struct app_identity *id)
{
	id->about = APP_ID_SENDER;
	id->have = 0;
	id->role[0] = id->role[1] = 0;
	id->component[0] = 0;
	id->may_be_self = false;
	id->weak = false;
	id->n_num = 0;
	id->n_ext = 0;
}

/* Copies n bytes of s into field f, as a printable one-line string: stops
 * at a NUL, turns control bytes into '.', drops trailing blanks, truncates
 * to the field. An empty result leaves the field unset. */
static inline void app_identity_set(struct app_identity *id, enum app_id_field f,
				    const void *s, size_t n)
{
	const uint8_t *p = s;
	char *o = id->str[f];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < APP_ID_STR; i++) {
		if (p[i] == 0)
			break;
		o[k++] = p[i] < 0x20 || p[i] == 0x7f ? '.' : (char)p[i];
	}
	while (k && o[k - 1] == ' ')
		k--;
	size_t lead = 0;
	while (lead < k && o[lead] == ' ')
		lead++;
	if (lead)
		memmove(o, o + lead, k - lead);
	k -= lead;
	o[k] = 0;
	if (k)
		id->have |= (uint8_t)(1u << f);
}

static inline void app_identity_set_str(struct app_identity *id, enum app_id_field f, const char *s)
{
	app_identity_set(id, f, s, strlen(s));
}

static inline void app_identity_num(struct app_identity *id, const char *key, uint32_t val,
				    uint8_t side)
{
	if (id->n_num < APP_ID_MAX_NUM) {
		id->num[id->n_num].key = key;
		id->num[id->n_num].val = val;
		id->num[id->n_num].side = side;
		id->n_num++;
	}
}

/* Another string of the about side (bytes as for app_identity_set). */
static inline void app_identity_ext(struct app_identity *id, const char *key, const void *s,
				    size_t n)
{
	if (id->n_ext >= APP_ID_MAX_EXT || !s || !n)
		return;
	const uint8_t *p = s;
	char *o = id->ext[id->n_ext].val;
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < APP_ID_EXT_STR; i++) {
		if (p[i] == 0)
			break;
		o[k++] = p[i] < 0x20 || p[i] == 0x7f ? '.' : (char)p[i];
	}
	o[k] = 0;
	if (k)
		id->ext[id->n_ext++].key = key;
}

/* Anything to report? */
static inline bool app_identity_any(const struct app_identity *id)
{
	return id->have || id->n_num || id->n_ext || id->role[0] || id->role[1];
}

#endif
