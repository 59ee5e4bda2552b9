/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PROFINET DCP, Discovery and basic Configuration Protocol (IEC 61158-6-10
 * 4.3; PROFINET IO specification "DCP"): frames of EtherType 0x8892 whose
 * FrameID is 0xFEFC-0xFEFF. Layer 2: one state per worker, no port, no
 * probe (APP_L2 in vigil/app.h). All fields big-endian.
 *
 *   FrameID:2               0xFEFC Hello request, 0xFEFD Get/Set requests and
 *                           responses, 0xFEFE Identify request (multicast
 *                           01:0e:cf:00:00:00), 0xFEFF Identify response
 *   ServiceID:1             3 Get, 4 Set, 5 Identify, 6 Hello  (4.3.1.3.2)
 *   ServiceType:1           0 request, 1 response success, 5 response
 *                           "request not supported"
 *   Xid:4                   chosen by the requester, echoed by responses
 *   ResponseDelayFactor:2   Identify request (x 10 ms); Reserved elsewhere
 *   DCPDataLength:2         bytes of blocks; Ethernet padding may follow
 *   blocks                  Get request: Option:1 Suboption:1 (selectors)
 *                           others: Option:1 Suboption:1 DCPBlockLength:2
 *                             [BlockInfo:2      Identify/Get responses, Hello
 *                             |BlockQualifier:2 Set requests] value,
 *                           then one padding byte (0) after a block of odd
 *                           length when another block follows. The control
 *                           response block (5/4: Option:1 Suboption:1
 *                           BlockError:1) has no BlockInfo.
 *
 * Options (4.3.1.4): 1 IP (1 MAC address, 2 IP parameter = address, mask,
 * gateway, 3 full IP suite = the same and 4 DNS servers), 2 device
 * properties (1 type of station, 2 name of station, 3 vendor id + device
 * id, 4 device role, 5 device options, 6 alias name, 7 device instance,
 * 8 OEM device id, 9 standard gateway, 10 RSI properties), 3 DHCP (the
 * suboption is the DHCP option code), 5 control (1 start and 2 end
 * transaction, 3 signal (flash LED), 4 response with the block error,
 * 5 reset factory settings, 6 reset to factory), 6 device initiative,
 * 7 NME/TSN domain, 0x80-0xFE manufacturer specific, 0xFF/0xFF all selector.
 *
 * Parsed: every DCP PDU is a transaction with its blocks and their decoded
 * values (DHCP, NME, standard gateway and manufacturer values as hex).
 * Not parsed: the other FrameIDs of 0x8892 are PROFINET but not DCP (RT
 * class 1/2/3 cyclic data, alarms 0xFC01/0xFE01, PTCP time sync, fragments,
 * reserved ranges): they are counted per class in the state (cyclic data
 * comes thousands of times a second), with no transaction and no event;
 * the stats record shows the counts (app_layer.pn_dcp).
 *
 * Tables (one state per worker, fixed size, packet time):
 *   requests  PENDING Get/Set/Identify requests by (Xid, requester MAC,
 *             service). An Identify takes any number of responses until its
 *             response delay (factor x 10 ms) plus IDENT_SLACK has passed; a
 *             Get/Set takes responses for UNICAST_TIMEOUT, from the device it
 *             was sent to only (a copy of a response, as a SPAN port makes,
 *             still matches).
 *   stations  STATIONS devices by MAC: the name of station and IPv4 address
 *             they answered with (Identify and Get responses, Hello) or were
 *             set to (Set requests), and the last Identify they answered.
 *             Entries not seen for FRESH are not compared.
 *   A full table evicts its least recently used entry; evicting one still
 *   alive raises table_full (at most once per FULL_EVENT_GAP; every eviction
 *   is counted).
 * Conflicts are judged within the stations table: ip_conflict when an IPv4
 * address (not 0.0.0.0) is set for, or reported by, a MAC while another MAC
 * seen within FRESH has it (or when the device itself reports a conflict
 * in its BlockInfo); set_name_in_use when a Set gives a device a
 * name another device answered with within FRESH (masquerading). A device
 * that was replaced (new MAC, same name and address) looks the same for an
 * hour; that is the price of catching the spoof.
 *
 * Events (app-layer-event:pn_dcp.<name>):
 *   truncated_header           less than FrameID + the 10-byte DCP header
 *   data_length_exceeds_frame  DCPDataLength beyond the frame (the blocks present
 *                              are parsed and the tx says truncated)
 *   block_length_exceeds_data  a block header or its DCPBlockLength runs past
 *                              DCPDataLength (parsing stops)
 *   invalid_block_length       a value too short or too long for its suboption,
 *                              or no room for its BlockInfo/BlockQualifier
 *   bad_padding                the byte after a block of odd length is not 0
 *                              (taken as the next block: padding left out)
 *   unknown_service            ServiceID not Get/Set/Identify/Hello (header only)
 *   unknown_service_type       ServiceType not 0, 1 or 5 (header only)
 *   unknown_option             a reserved option, or a suboption the standard
 *                              does not define for its option
 *   too_many_blocks            more than PN_DCP_MAX_BLOCKS blocks in one PDU
 *   frame_id_mismatch          the FrameID does not carry that service and type
 *   invalid_name_of_station    a name of station over 240 octets or with octets
 *                              other than a-z 0-9 '-' '.'
 *   response_without_request   a response whose request was not seen (or came
 *                              from another device than the one asked)
 *   duplicate_station_name     two MACs answered one Identify with the same name
 *   set_name_in_use            a Set of a name another device answered with
 *   ip_conflict                an IPv4 address set for, or reported by, a MAC
 *                              while another MAC has it, or a device reporting
 *                              an address conflict itself (BlockInfo bit 0x80)
 *   table_full                 a live request or station entry was evicted
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "detect/uint.h"
#include "util/cursor.h"
#include "util/jb.h"
#include "vigil/app.h"
#include "vigil/detect_kw.h"
#include "vigil/proto/pn_dcp.h"

extern const struct proto_parser proto_pn_dcp;

#define PENDING 16
#define STATIONS 64
#define US 1000000ull
#define FRESH (3600 * US)
#define IDENT_SLACK (2 * US)
#define UNICAST_TIMEOUT (5 * US)
#define IDENT_WINDOW (10 * US) /* duplicate answers to an Identify never seen */
#define FULL_EVENT_GAP (10 * US)
#define NAME_MAX 240           /* NameOfStationValue: 1..240 octets */
#define LOG_STR_MAX 240        /* longest string value logged */
#define LOG_HEX_MAX 64         /* longest raw value logged (bytes) */
#define LOG_OPTIONS_MAX 32     /* device options logged */

static const char *const events[PN_DCP_EV__COUNT] = {
	[PN_DCP_EV_TRUNCATED_HEADER] = "pn_dcp.truncated_header",
	[PN_DCP_EV_DATA_LENGTH_EXCEEDS_FRAME] = "pn_dcp.data_length_exceeds_frame",
	[PN_DCP_EV_BLOCK_LENGTH_EXCEEDS_DATA] = "pn_dcp.block_length_exceeds_data",
	[PN_DCP_EV_INVALID_BLOCK_LENGTH] = "pn_dcp.invalid_block_length",
	[PN_DCP_EV_BAD_PADDING] = "pn_dcp.bad_padding",
	[PN_DCP_EV_UNKNOWN_SERVICE] = "pn_dcp.unknown_service",
	[PN_DCP_EV_UNKNOWN_SERVICE_TYPE] = "pn_dcp.unknown_service_type",
	[PN_DCP_EV_UNKNOWN_OPTION] = "pn_dcp.unknown_option",
	[PN_DCP_EV_TOO_MANY_BLOCKS] = "pn_dcp.too_many_blocks",
	[PN_DCP_EV_FRAME_ID_MISMATCH] = "pn_dcp.frame_id_mismatch",
	[PN_DCP_EV_INVALID_NAME_OF_STATION] = "pn_dcp.invalid_name_of_station",
	[PN_DCP_EV_RESPONSE_WITHOUT_REQUEST] = "pn_dcp.response_without_request",
	[PN_DCP_EV_DUPLICATE_STATION_NAME] = "pn_dcp.duplicate_station_name",
	[PN_DCP_EV_SET_NAME_IN_USE] = "pn_dcp.set_name_in_use",
	[PN_DCP_EV_IP_CONFLICT] = "pn_dcp.ip_conflict",
	[PN_DCP_EV_TABLE_FULL] = "pn_dcp.table_full",
};

/* ---- the spec as data ------------------------------------------------------- */

/* FrameID ranges of EtherType 0x8892 (IEC 61158-6-10, FrameID table). */
enum pn_class { PN_CLASS_DCP, PN_CLASS_RT1, PN_CLASS_RT2, PN_CLASS_RT3, PN_CLASS_ALARM,
		PN_CLASS_PTCP, PN_CLASS_FRAGMENT, PN_CLASS_RESERVED, PN_CLASS__COUNT };

static enum pn_class frame_class(uint16_t id)
{
	if (id >= 0xfefc && id <= 0xfeff)
		return PN_CLASS_DCP;
	if (id >= 0xc000 && id <= 0xfbff)
		return PN_CLASS_RT1;
	if (id >= 0x8000 && id <= 0xbfff)
		return PN_CLASS_RT2;
	if (id >= 0x0100 && id <= 0x0fff)
		return PN_CLASS_RT3;
	if (id == 0xfc01 || id == 0xfe01)
		return PN_CLASS_ALARM;
	if (id <= 0x00ff || (id >= 0xff00 && id <= 0xff7f))
		return PN_CLASS_PTCP;
	if (id >= 0xff80 && id <= 0xff8f)
		return PN_CLASS_FRAGMENT;
	return PN_CLASS_RESERVED;
}

static const char *service_name(uint8_t s)
{
	switch (s) {
	case PN_DCP_GET: return "get";
	case PN_DCP_SET: return "set";
	case PN_DCP_IDENTIFY: return "identify";
	case PN_DCP_HELLO: return "hello";
	default: return "unknown";
	}
}

static const char *service_type_name(uint8_t t)
{
	switch (t) {
	case PN_DCP_REQUEST: return "request";
	case PN_DCP_RESPONSE_SUCCESS: return "success";
	case PN_DCP_RESPONSE_NOT_SUPPORTED: return "not_supported";
	default: return "unknown";
	}
}

static const char *option_name(uint8_t o)
{
	switch (o) {
	case PN_DCP_OPT_IP: return "ip";
	case PN_DCP_OPT_DEVICE: return "device";
	case PN_DCP_OPT_DHCP: return "dhcp";
	case PN_DCP_OPT_CONTROL: return "control";
	case PN_DCP_OPT_INITIATIVE: return "device_initiative";
	case PN_DCP_OPT_NME: return "nme";
	case PN_DCP_OPT_ALL: return "all";
	default: return o >= 0x80 ? "manufacturer_specific" : "reserved";
	}
}

#define LEN_ANY (-1)  /* any value length */
#define LEN_EVEN (-2) /* an even value length (option pairs) */

struct subopt {
	uint8_t opt, sub;
	int16_t len; /* value length after BlockInfo/BlockQualifier, or LEN_* */
	const char *name;
};

static const struct subopt subopts[] = {
	{ 1, 1, 6, "mac_address" },
	{ 1, 2, 12, "ip_parameter" },
	{ 1, 3, 28, "full_ip_suite" },
	{ 2, 1, LEN_ANY, "type_of_station" },
	{ 2, 2, LEN_ANY, "name_of_station" },
	{ 2, 3, 4, "device_id" },
	{ 2, 4, 2, "device_role" },
	{ 2, 5, LEN_EVEN, "device_options" },
	{ 2, 6, LEN_ANY, "alias_name" },
	{ 2, 7, 2, "device_instance" },
	{ 2, 8, 4, "oem_device_id" },
	{ 2, 9, LEN_ANY, "standard_gateway" },
	{ 2, 10, 2, "rsi_properties" },
	{ 3, 12, LEN_ANY, "host_name" },
	{ 3, 43, LEN_ANY, "vendor_specific" },
	{ 3, 54, LEN_ANY, "server_identifier" },
	{ 3, 55, LEN_ANY, "parameter_request_list" },
	{ 3, 60, LEN_ANY, "class_identifier" },
	{ 3, 61, LEN_ANY, "client_identifier" },
	{ 3, 81, LEN_ANY, "fqdn" },
	{ 3, 97, LEN_ANY, "uuid_client_identifier" },
	{ 3, 255, LEN_ANY, "dhcp_control" },
	{ 5, 1, 0, "start_transaction" },
	{ 5, 2, 0, "end_transaction" },
	{ 5, 3, 2, "signal" },
	{ 5, 4, 3, "response" },
	{ 5, 5, 0, "reset_factory_settings" },
	{ 5, 6, 0, "reset_to_factory" },
	{ 6, 1, 2, "device_initiative" },
	{ 7, 1, LEN_ANY, "nme_domain_name" },
	{ 7, 2, LEN_ANY, "nme_manager" },
	{ 7, 3, LEN_ANY, "nme_parameter_uuid" },
	{ 7, 4, LEN_ANY, "nme_agent" },
	{ 7, 5, LEN_ANY, "cim_interface" },
	{ 0xff, 0xff, 0, "all" },
};

#define N_SUBOPTS (sizeof(subopts) / sizeof(subopts[0]))

static const struct subopt *subopt_of(uint8_t opt, uint8_t sub)
{
	for (size_t i = 0; i < N_SUBOPTS; i++)
		if (subopts[i].opt == opt && subopts[i].sub == sub)
			return &subopts[i];
	return NULL;
}

/* BlockError of a control response (4.3.1.4.23) */
static const struct du_name block_errors[] = {
	{ "ok", 0 },
	{ "option_unsupported", 1 },
	{ "suboption_unsupported", 2 },
	{ "suboption_not_set", 3 },
	{ "resource_error", 4 },
	{ "set_not_possible", 5 },
	{ "in_operation", 6 },
};

static const char *block_error_name(uint8_t e)
{
	return e < sizeof(block_errors) / sizeof(block_errors[0]) ? block_errors[e].name
								   : "reserved";
}

/* BlockQualifier of reset to factory (5/6), bit 0 aside */
static const char *reset_mode_name(uint16_t q)
{
	switch (q & ~1u) {
	case 0x02: return "application_data";
	case 0x04: return "communication_parameter";
	case 0x06: case 0x0a: return "engineering_parameter";
	case 0x08: return "all_data";
	case 0x10: return "device";
	case 0x12: return "restore_data";
	default: return "reserved";
	}
}

static const char *const role_names[4] = { "io_device", "io_controller", "io_multidevice",
					    "pn_supervisor" };

/* ---- state -------------------------------------------------------------------- */

struct pend {
	uint64_t ts;      /* when the request was seen */
	uint64_t expire;  /* responses after this are not matched */
	uint32_t xid;
	uint8_t service;
	bool used;
	bool answered;    /* Get/Set: a response came (the entry may be reused) */
	uint8_t requester[6];
	uint8_t target[6]; /* Get/Set: the device addressed */
};

struct station {
	uint64_t seen;
	uint64_t name_hash;  /* 0: no name known */
	uint64_t ident_ts;   /* when it answered the Identify below */
	uint32_t ip;         /* 0: none known */
	uint32_t ident_xid;
	uint8_t mac[6];
	uint8_t ident_req[6];
	bool used;
	bool name_answered;  /* the name came from the device, not from a Set */
	bool ident_valid;
};

struct pn_state {
	struct pend pend[PENDING];
	struct station st[STATIONS];
	uint64_t frames[PN_CLASS__COUNT]; /* frames of 0x8892 per FrameID class */
	uint64_t pend_evicted;            /* live requests evicted */
	uint64_t station_evicted;         /* live stations evicted */
	uint64_t full_ev_ts;
	bool full_ev_sent;
};

/* a response (success or not supported); an unknown type is neither */
static bool is_response(const struct pn_dcp_tx *tx)
{
	return tx->service_type == PN_DCP_RESPONSE_SUCCESS ||
	       tx->service_type == PN_DCP_RESPONSE_NOT_SUPPORTED;
}

static void ev(struct app_ctx *ctx, uint16_t e)
{
	app_emit_event(ctx, &proto_pn_dcp, e);
}

static const uint8_t zero_mac[6];

static bool mac_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0;
}

/* group (multicast/broadcast) address: I/G bit */
static bool mac_group(const uint8_t *m)
{
	return m[0] & 1;
}

/* a is at most age old at now (a time after now counts as fresh: packet
 * times of a capture may step back) */
static bool within(uint64_t a, uint64_t now, uint64_t age)
{
	return now <= a || now - a < age;
}

static void table_full(struct pn_state *s, struct app_ctx *ctx, uint64_t now)
{
	if (s->full_ev_sent && within(s->full_ev_ts, now, FULL_EVENT_GAP))
		return;
	s->full_ev_sent = true;
	s->full_ev_ts = now;
	ev(ctx, PN_DCP_EV_TABLE_FULL);
}

/* FNV-1a of n value bytes; 0 is kept for "no name" */
static uint64_t name_hash(const uint8_t *p, size_t n)
{
	struct cursor c = cur_make(p, n);
	uint64_t h = 0xcbf29ce484222325ull;
	while (cur_left(&c)) {
		h ^= cur_u8(&c);
		h *= 0x100000001b3ull;
	}
	return h ? h : 1;
}

/* The station entry of mac, made (evicting the least recently seen) if
 * there is none. O(STATIONS). */
static struct station *station_get(struct pn_state *s, struct app_ctx *ctx, const uint8_t *mac,
				   uint64_t now)
{
	struct station *free_e = NULL, *lru = NULL;
	for (int i = 0; i < STATIONS; i++) {
		struct station *e = &s->st[i];
		if (!e->used) {
			if (!free_e)
				free_e = e;
			continue;
		}
		if (mac_eq(e->mac, mac)) {
			if (now > e->seen)
				e->seen = now;
			return e;
		}
		if (!lru || e->seen < lru->seen)
			lru = e;
	}
	struct station *e = free_e;
	if (!e) {
		e = lru;
		if (within(e->seen, now, FRESH)) {
			s->station_evicted++;
			table_full(s, ctx, now);
		}
	}
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->seen = now;
	memcpy(e->mac, mac, 6);
	return e;
}

/* Another fresh station (not mac) with this name / IPv4 address, or NULL. */
static const struct station *station_by_name(const struct pn_state *s, uint64_t h,
					     const uint8_t *mac, uint64_t now)
{
	for (int i = 0; i < STATIONS; i++) {
		const struct station *e = &s->st[i];
		if (e->used && e->name_answered && e->name_hash == h && !mac_eq(e->mac, mac) &&
		    within(e->seen, now, FRESH))
			return e;
	}
	return NULL;
}

static const struct station *station_by_ip(const struct pn_state *s, uint32_t ip,
					   const uint8_t *mac, uint64_t now)
{
	for (int i = 0; i < STATIONS; i++) {
		const struct station *e = &s->st[i];
		if (e->used && e->ip == ip && !mac_eq(e->mac, mac) && within(e->seen, now, FRESH))
			return e;
	}
	return NULL;
}

static bool pend_live(const struct pend *p, uint64_t now)
{
	return p->used && !p->answered && now <= p->expire;
}

/* Records a request; a repeat of one (same xid, requester, service) renews it. */
static void pend_add(struct pn_state *s, struct app_ctx *ctx, const struct pn_dcp_tx *tx,
		     uint64_t now, uint64_t timeout)
{
	struct pend *slot = NULL;
	for (int i = 0; i < PENDING && !slot; i++) {
		struct pend *p = &s->pend[i];
		if (p->used && p->xid == tx->xid && p->service == tx->service_id &&
		    mac_eq(p->requester, tx->src))
			slot = p;
	}
	for (int i = 0; i < PENDING && !slot; i++)
		if (!pend_live(&s->pend[i], now))
			slot = &s->pend[i];
	if (!slot) { /* every entry alive: the oldest goes */
		slot = &s->pend[0];
		for (int i = 1; i < PENDING; i++)
			if (s->pend[i].ts < slot->ts)
				slot = &s->pend[i];
		s->pend_evicted++;
		table_full(s, ctx, now);
	}
	memset(slot, 0, sizeof(*slot));
	slot->used = true;
	slot->ts = now;
	slot->expire = now + timeout;
	slot->xid = tx->xid;
	slot->service = tx->service_id;
	memcpy(slot->requester, tx->src, 6);
	memcpy(slot->target, tx->dst, 6);
}

/* The request a response answers, or NULL. */
static struct pend *pend_match(struct pn_state *s, const struct pn_dcp_tx *tx, uint64_t now)
{
	for (int i = 0; i < PENDING; i++) {
		struct pend *p = &s->pend[i];
		if (!p->used || p->xid != tx->xid || p->service != tx->service_id ||
		    !mac_eq(p->requester, tx->dst) || now > p->expire)
			continue;
		if (p->service != PN_DCP_IDENTIFY && !mac_group(p->target) &&
		    !mac_eq(p->target, tx->src))
			continue;
		return p;
	}
	return NULL;
}

/* ---- blocks ------------------------------------------------------------------- */

static bool name_valid(const uint8_t *v, size_t n)
{
	if (n > NAME_MAX)
		return false;
	struct cursor c = cur_make(v, n);
	while (cur_left(&c)) {
		uint8_t ch = cur_u8(&c);
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}

/* What precedes the value of a block of option opt in this PDU. */
static uint8_t block_kind(const struct pn_dcp_tx *tx, uint8_t opt)
{
	bool resp = is_response(tx);
	if (tx->service_id == PN_DCP_SET && !resp)
		return PN_DCP_BK_QUALIFIER;
	if (opt == PN_DCP_OPT_CONTROL)
		return PN_DCP_BK_PLAIN; /* control responses carry no BlockInfo */
	if ((tx->service_id == PN_DCP_IDENTIFY && resp) || (tx->service_id == PN_DCP_GET && resp) ||
	    (tx->service_id == PN_DCP_HELLO && !resp))
		return PN_DCP_BK_INFO;
	return PN_DCP_BK_PLAIN;
}

static void keep_block(struct app_ctx *ctx, struct pn_dcp_tx *tx, const struct pn_dcp_block *b)
{
	tx->n_blocks_total++;
	if (tx->n_blocks < PN_DCP_MAX_BLOCKS)
		tx->blocks[tx->n_blocks++] = *b;
	else if (tx->n_blocks_total == PN_DCP_MAX_BLOCKS + 1)
		ev(ctx, PN_DCP_EV_TOO_MANY_BLOCKS);
}

/* Checks one block's option, suboption and value length. */
static void check_block(struct app_ctx *ctx, struct pn_dcp_block *b)
{
	const struct subopt *so = subopt_of(b->option, b->suboption);
	bool manuf = b->option >= 0x80 && b->option < 0xff;
	if (!so && !manuf)
		ev(ctx, PN_DCP_EV_UNKNOWN_OPTION);
	if (b->kind == PN_DCP_BK_SELECTOR)
		return;
	if ((b->kind == PN_DCP_BK_INFO || b->kind == PN_DCP_BK_QUALIFIER) && !b->has_info) {
		b->bad_length = true;
	} else if (so && ((so->len >= 0 && b->value_len != (uint16_t)so->len) ||
			  (so->len == LEN_EVEN && (b->value_len & 1)))) {
		b->bad_length = true;
	}
	if (b->bad_length) {
		ev(ctx, PN_DCP_EV_INVALID_BLOCK_LENGTH);
		return;
	}
	if (b->option == PN_DCP_OPT_DEVICE && b->suboption == 2 &&
	    !name_valid(b->value, b->value_len))
		ev(ctx, PN_DCP_EV_INVALID_NAME_OF_STATION);
}

/* The blocks of DCPDataLength bytes at c. */
static void parse_blocks(struct app_ctx *ctx, struct cursor *c, struct pn_dcp_tx *tx)
{
	bool selectors = tx->service_id == PN_DCP_GET && tx->service_type == PN_DCP_REQUEST;
	while (cur_left(c) > 0) {
		struct pn_dcp_block b;
		memset(&b, 0, sizeof(b));
		if (selectors) {
			b.kind = PN_DCP_BK_SELECTOR;
			b.option = cur_u8(c);
			b.suboption = cur_u8(c);
			if (!cur_ok(c)) {
				ev(ctx, PN_DCP_EV_BLOCK_LENGTH_EXCEEDS_DATA);
				return;
			}
			check_block(ctx, &b);
			keep_block(ctx, tx, &b);
			continue;
		}
		b.option = cur_u8(c);
		b.suboption = cur_u8(c);
		b.length = cur_be16(c);
		if (!cur_ok(c) || b.length > cur_left(c)) {
			ev(ctx, PN_DCP_EV_BLOCK_LENGTH_EXCEEDS_DATA);
			return;
		}
		struct cursor v = cur_sub(c, b.length);
		b.kind = block_kind(tx, b.option);
		if (b.kind == PN_DCP_BK_INFO || b.kind == PN_DCP_BK_QUALIFIER) {
			b.has_info = cur_left(&v) >= 2;
			if (b.has_info)
				b.info = cur_be16(&v);
		}
		b.value_len = (uint16_t)cur_left(&v);
		b.value = cur_ptr(&v, b.value_len);
		check_block(ctx, &b);
		keep_block(ctx, tx, &b);
		if ((b.length & 1) && cur_left(c) > 0) {
			if (cur_peek_u8(c, 0) == 0)
				cur_skip(c, 1);
			else
				ev(ctx, PN_DCP_EV_BAD_PADDING);
		}
	}
}

/* ---- the tables: matching, stations, conflicts ---------------------------------- */

/* First usable block (option, suboption), or NULL. */
static const struct pn_dcp_block *find_block(const struct pn_dcp_tx *tx, uint8_t opt, uint8_t sub)
{
	for (unsigned i = 0; i < tx->n_blocks; i++) {
		const struct pn_dcp_block *b = &tx->blocks[i];
		if (b->option == opt && b->suboption == sub && !b->bad_length &&
		    b->kind != PN_DCP_BK_SELECTOR)
			return b;
	}
	return NULL;
}

/* The IPv4 address in an IP parameter or full IP suite block, or 0. */
static uint32_t block_ip(const struct pn_dcp_tx *tx)
{
	const struct pn_dcp_block *b = find_block(tx, PN_DCP_OPT_IP, 2);
	if (!b)
		b = find_block(tx, PN_DCP_OPT_IP, 3);
	if (!b)
		return 0;
	struct cursor c = cur_make(b->value, b->value_len);
	return cur_be32(&c);
}

static void check_ip(struct pn_state *s, struct app_ctx *ctx, struct pn_dcp_tx *tx,
		     const uint8_t *mac, uint32_t ip, uint64_t now)
{
	const struct station *o = ip ? station_by_ip(s, ip, mac, now) : NULL;
	if (o) {
		tx->has_ip_owner = true;
		memcpy(tx->ip_owner, o->mac, 6);
		ev(ctx, PN_DCP_EV_IP_CONFLICT);
		return;
	}
	/* the device says so itself: BlockInfo "address conflict detected" */
	for (unsigned i = 0; i < tx->n_blocks; i++) {
		const struct pn_dcp_block *b = &tx->blocks[i];
		if (b->option == PN_DCP_OPT_IP && (b->suboption == 2 || b->suboption == 3) &&
		    b->kind == PN_DCP_BK_INFO && b->has_info && (b->info & 0x80)) {
			ev(ctx, PN_DCP_EV_IP_CONFLICT);
			return;
		}
	}
}

/* A device speaks for itself: Identify or Get response, Hello. */
static void learn_station(struct pn_state *s, struct app_ctx *ctx, struct pn_dcp_tx *tx,
			  const struct pend *req, uint64_t now)
{
	const uint8_t *mac = tx->src;
	const struct pn_dcp_block *nb = find_block(tx, PN_DCP_OPT_DEVICE, 2);
	uint64_t h = nb && nb->value_len ? name_hash(nb->value, nb->value_len) : 0;
	uint32_t ip = block_ip(tx);
	bool ident = tx->service_id == PN_DCP_IDENTIFY;
	if (ident && h) {
		/* another MAC answered the same Identify with this name */
		uint64_t since = req ? req->ts : (now > IDENT_WINDOW ? now - IDENT_WINDOW : 0);
		for (int i = 0; i < STATIONS; i++) {
			const struct station *e = &s->st[i];
			if (e->used && e->ident_valid && e->ident_xid == tx->xid &&
			    mac_eq(e->ident_req, tx->dst) && e->name_hash == h &&
			    e->name_answered && !mac_eq(e->mac, mac) && e->ident_ts >= since) {
				tx->has_name_owner = true;
				memcpy(tx->name_owner, e->mac, 6);
				ev(ctx, PN_DCP_EV_DUPLICATE_STATION_NAME);
				break;
			}
		}
	}
	check_ip(s, ctx, tx, mac, ip, now);
	if (mac_group(mac))
		return;
	struct station *e = station_get(s, ctx, mac, now);
	if (nb) {
		e->name_hash = h;
		e->name_answered = true;
	}
	if (ip)
		e->ip = ip;
	if (ident) {
		e->ident_valid = true;
		e->ident_xid = tx->xid;
		e->ident_ts = now;
		memcpy(e->ident_req, tx->dst, 6);
	}
}

/* A Set request: what it gives the device it is sent to. */
static void set_request(struct pn_state *s, struct app_ctx *ctx, struct pn_dcp_tx *tx,
			uint64_t now)
{
	const uint8_t *target = tx->dst;
	const struct pn_dcp_block *nb = find_block(tx, PN_DCP_OPT_DEVICE, 2);
	uint64_t h = nb && nb->value_len ? name_hash(nb->value, nb->value_len) : 0;
	if (h) {
		const struct station *o = station_by_name(s, h, target, now);
		if (o) {
			tx->has_name_owner = true;
			memcpy(tx->name_owner, o->mac, 6);
			ev(ctx, PN_DCP_EV_SET_NAME_IN_USE);
		}
	}
	uint32_t ip = block_ip(tx);
	check_ip(s, ctx, tx, target, ip, now);
	if (mac_group(target) || (!nb && !ip))
		return;
	struct station *e = station_get(s, ctx, target, now);
	if (nb) {
		e->name_hash = h;
		e->name_answered = false;
	}
	if (ip)
		e->ip = ip;
}

static void track(struct pn_state *s, struct app_ctx *ctx, struct pn_dcp_tx *tx)
{
	uint64_t now = app_ctx_flow(ctx)->ts;
	bool resp = is_response(tx);
	if (!resp) {
		switch (tx->service_id) {
		case PN_DCP_IDENTIFY:
			pend_add(s, ctx, tx, now, (uint64_t)tx->response_delay * 10000u + IDENT_SLACK);
			break;
		case PN_DCP_GET:
			pend_add(s, ctx, tx, now, UNICAST_TIMEOUT);
			break;
		case PN_DCP_SET:
			pend_add(s, ctx, tx, now, UNICAST_TIMEOUT);
			set_request(s, ctx, tx, now);
			break;
		case PN_DCP_HELLO:
			learn_station(s, ctx, tx, NULL, now);
			break;
		default:
			break;
		}
		return;
	}
	struct pend *p = tx->service_id == PN_DCP_HELLO ? NULL : pend_match(s, tx, now);
	tx->request_seen = p != NULL;
	if (!p)
		ev(ctx, PN_DCP_EV_RESPONSE_WITHOUT_REQUEST);
	else if (p->service != PN_DCP_IDENTIFY)
		p->answered = true;
	if (tx->service_id == PN_DCP_IDENTIFY || tx->service_id == PN_DCP_GET)
		learn_station(s, ctx, tx, p, now);
}

/* ---- PDU ---------------------------------------------------------------------- */

static int p_pdu_len(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *b, size_t len,
		     size_t *pdu_len)
{
	(void)state;
	(void)ctx;
	(void)dir;
	(void)b;
	*pdu_len = len; /* one frame, one PDU (its Ethernet padding included) */
	return APP_FRAME_OK;
}

/* Does the FrameID carry this service and type? */
static bool frame_id_fits(uint16_t id, uint8_t service, uint8_t type)
{
	bool req = type == PN_DCP_REQUEST;
	switch (id) {
	case 0xfefc: return service == PN_DCP_HELLO && req;
	case 0xfefd: return service == PN_DCP_GET || service == PN_DCP_SET;
	case 0xfefe: return service == PN_DCP_IDENTIFY && req;
	default: return service == PN_DCP_IDENTIFY && !req;
	}
}

static int p_parse(void *state, struct app_ctx *ctx, uint8_t dir, const uint8_t *pdu, size_t len)
{
	struct pn_state *s = state;
	struct cursor c = cur_make(pdu, len);
	uint16_t frame_id = cur_be16(&c);
	if (!cur_ok(&c)) {
		ev(ctx, PN_DCP_EV_TRUNCATED_HEADER);
		return -1;
	}
	enum pn_class cls = frame_class(frame_id);
	s->frames[cls]++;
	if (cls != PN_CLASS_DCP)
		return 0; /* RT data, alarms, PTCP...: counted only */
	/* on the stack; only the fixed part zeroed (blocks are copied whole) */
	struct pn_dcp_tx txs;
	struct pn_dcp_tx *tx = &txs;
	memset(tx, 0, offsetof(struct pn_dcp_tx, blocks));
	tx->frame_id = frame_id;
	tx->request_seen = -1;
	tx->service_id = cur_u8(&c);
	tx->service_type = cur_u8(&c);
	tx->xid = cur_be32(&c);
	tx->response_delay = cur_be16(&c);
	tx->data_length = cur_be16(&c);
	if (!cur_ok(&c)) {
		ev(ctx, PN_DCP_EV_TRUNCATED_HEADER);
		return -1;
	}
	const struct app_flow_info *fi = app_ctx_flow(ctx);
	memcpy(tx->src, fi->src_mac ? fi->src_mac : zero_mac, 6);
	memcpy(tx->dst, fi->dst_mac ? fi->dst_mac : zero_mac, 6);
	bool known_service = tx->service_id >= PN_DCP_GET && tx->service_id <= PN_DCP_HELLO;
	bool known_type = tx->service_type == PN_DCP_REQUEST ||
			  tx->service_type == PN_DCP_RESPONSE_SUCCESS ||
			  tx->service_type == PN_DCP_RESPONSE_NOT_SUPPORTED;
	if (!known_service)
		ev(ctx, PN_DCP_EV_UNKNOWN_SERVICE);
	else if (!known_type)
		ev(ctx, PN_DCP_EV_UNKNOWN_SERVICE_TYPE);
	if (!known_service || !known_type) {
		tx->header_only = true;
	} else {
		if (!frame_id_fits(frame_id, tx->service_id, tx->service_type))
			ev(ctx, PN_DCP_EV_FRAME_ID_MISMATCH);
		size_t dl = tx->data_length;
		if (dl > cur_left(&c)) {
			ev(ctx, PN_DCP_EV_DATA_LENGTH_EXCEEDS_FRAME);
			tx->truncated = true;
			dl = cur_left(&c);
		}
		struct cursor d = cur_sub(&c, dl);
		parse_blocks(ctx, &d, tx);
		track(s, ctx, tx);
	}
	struct app_tx t = { &proto_pn_dcp, dir, is_response(tx), tx };
	app_emit_tx(ctx, &t);
	return 0;
}

/* the per-worker counters in the stats record (app_layer.pn_dcp) */
static const char *const stats_names[] = {
	"dcp", "rt_class1", "rt_class2", "rt_class3", "alarm", "ptcp", "fragment", "reserved",
	"requests_evicted", "stations_evicted",
};

static void p_stats(const void *state, uint64_t *vals, size_t n)
{
	_Static_assert(sizeof(stats_names) / sizeof(stats_names[0]) == PN_CLASS__COUNT + 2,
		       "a name per counter");
	const struct pn_state *s = state;
	uint64_t v[sizeof(stats_names) / sizeof(stats_names[0])];
	for (int c = 0; c < PN_CLASS__COUNT; c++)
		v[c] = s->frames[c];
	v[PN_CLASS__COUNT] = s->pend_evicted;
	v[PN_CLASS__COUNT + 1] = s->station_evicted;
	for (size_t i = 0; i < n && i < sizeof(v) / sizeof(v[0]); i++)
		vals[i] = v[i];
}

static void *p_new(const struct app_flow_info *fi)
{
	(void)fi;
	return calloc(1, sizeof(struct pn_state));
}

static void p_free(void *s)
{
	free(s);
}

/* ---- EVE ---------------------------------------------------------------------- */

static void put_mac(struct jb *jb, const char *key, const uint8_t *m)
{
	static const char hex[] = "0123456789abcdef";
	char s[18];
	for (int i = 0; i < 6; i++) {
		s[i * 3] = hex[m[i] >> 4];
		s[i * 3 + 1] = hex[m[i] & 15];
		s[i * 3 + 2] = i < 5 ? ':' : 0;
	}
	jb_set_ascii(jb, key, s);
}

static void put_ip(struct jb *jb, const char *key, struct cursor *c)
{
	char s[16];
	uint8_t a = cur_u8(c), b = cur_u8(c), d = cur_u8(c), e = cur_u8(c);
	snprintf(s, sizeof(s), "%u.%u.%u.%u", a, b, d, e);
	jb_set_ascii(jb, key, s);
}

static void put_text(struct jb *jb, const char *key, const struct pn_dcp_block *b)
{
	jb_set_strn(jb, key, b->value, b->value_len < LOG_STR_MAX ? b->value_len : LOG_STR_MAX);
}

static const char *subopt_name(uint8_t opt, uint8_t sub)
{
	const struct subopt *so = subopt_of(opt, sub);
	return so ? so->name : "unknown";
}

static void log_value(const struct pn_dcp_block *b, struct jb *jb)
{
	struct cursor c = cur_make(b->value, b->value_len);
	uint16_t key = (uint16_t)(b->option << 8 | b->suboption);
	switch (key) {
	case 0x0101: {
		uint8_t m[6];
		if (cur_bytes(&c, m, 6))
			put_mac(jb, "mac_address", m);
		return;
	}
	case 0x0102:
	case 0x0103:
		put_ip(jb, "ip", &c);
		put_ip(jb, "subnet_mask", &c);
		put_ip(jb, "gateway", &c);
		if (b->kind == PN_DCP_BK_INFO) {
			static const char *const st[3] = { "not_set", "set", "dhcp" };
			uint16_t i = b->info & 0x7f;
			jb_set_ascii(jb, "ip_state", i < 3 ? st[i] : "reserved");
			jb_set_bool(jb, "ip_conflict_detected", (b->info & 0x80) != 0);
		}
		if (key == 0x0103) {
			jb_open_array(jb, "dns");
			for (int i = 0; i < 4; i++)
				put_ip(jb, NULL, &c);
			jb_close(jb);
		}
		return;
	case 0x0201:
		put_text(jb, "type_of_station", b);
		return;
	case 0x0202:
		put_text(jb, "name_of_station", b);
		return;
	case 0x0203:
		jb_set_uint(jb, "vendor_id", cur_be16(&c));
		jb_set_uint(jb, "device_id", cur_be16(&c));
		return;
	case 0x0204: {
		uint8_t r = cur_u8(&c);
		jb_set_uint(jb, "device_role", r);
		jb_open_array(jb, "device_role_names");
		for (int i = 0; i < 4; i++)
			if (r & (1u << i))
				jb_set_ascii(jb, NULL, role_names[i]);
		jb_close(jb);
		return;
	}
	case 0x0205: {
		unsigned n = b->value_len / 2;
		jb_open_array(jb, "options");
		for (unsigned i = 0; i < n && i < LOG_OPTIONS_MAX; i++) {
			uint8_t o = cur_u8(&c), so = cur_u8(&c);
			jb_open_object(jb, NULL);
			jb_set_uint(jb, "option", o);
			jb_set_uint(jb, "suboption", so);
			jb_set_ascii(jb, "name", subopt_of(o, so) ? subopt_name(o, so) : option_name(o));
			jb_close(jb);
		}
		jb_close(jb);
		if (n > LOG_OPTIONS_MAX)
			jb_set_uint(jb, "options_total", n);
		return;
	}
	case 0x0206:
		put_text(jb, "alias_name", b);
		return;
	case 0x0207:
		jb_set_uint(jb, "instance_high", cur_u8(&c));
		jb_set_uint(jb, "instance_low", cur_u8(&c));
		return;
	case 0x0208:
		jb_set_uint(jb, "oem_vendor_id", cur_be16(&c));
		jb_set_uint(jb, "oem_device_id", cur_be16(&c));
		return;
	case 0x020a:
		jb_set_uint(jb, "rsi_properties", cur_be16(&c));
		return;
	case 0x0503: {
		uint16_t v = cur_be16(&c);
		jb_set_uint(jb, "signal_value", v);
		jb_set_ascii(jb, "signal", v == 0x0100 ? "flash_once" : "reserved");
		return;
	}
	case 0x0504: {
		uint8_t o = cur_u8(&c), so = cur_u8(&c), e = cur_u8(&c);
		jb_set_uint(jb, "response_option", o);
		jb_set_uint(jb, "response_suboption", so);
		jb_set_ascii(jb, "response_name", subopt_of(o, so) ? subopt_name(o, so) : option_name(o));
		jb_set_uint(jb, "block_error", e);
		jb_set_ascii(jb, "block_error_name", block_error_name(e));
		return;
	}
	case 0x0601:
		jb_set_uint(jb, "device_initiative", cur_be16(&c));
		return;
	default:
		if (b->value_len) {
			jb_set_hex(jb, "value", b->value,
				   b->value_len < LOG_HEX_MAX ? b->value_len : LOG_HEX_MAX);
			if (b->value_len > LOG_HEX_MAX)
				jb_set_bool(jb, "value_truncated", true);
		}
		return;
	}
}

static void log_block(const struct pn_dcp_block *b, struct jb *jb)
{
	jb_open_object(jb, NULL);
	jb_set_uint(jb, "option", b->option);
	jb_set_ascii(jb, "option_name", option_name(b->option));
	jb_set_uint(jb, "suboption", b->suboption);
	jb_set_ascii(jb, "suboption_name", subopt_name(b->option, b->suboption));
	if (b->kind != PN_DCP_BK_SELECTOR) {
		jb_set_uint(jb, "length", b->length);
		if (b->has_info && b->kind == PN_DCP_BK_INFO)
			jb_set_uint(jb, "block_info", b->info);
		if (b->has_info && b->kind == PN_DCP_BK_QUALIFIER) {
			jb_set_uint(jb, "block_qualifier", b->info);
			if (b->option == PN_DCP_OPT_CONTROL && b->suboption == 6)
				jb_set_ascii(jb, "reset_mode", reset_mode_name(b->info));
			else if (b->option != PN_DCP_OPT_CONTROL)
				jb_set_bool(jb, "permanent", b->info & 1);
		}
		if (b->bad_length)
			jb_set_bool(jb, "invalid_length", true);
		else
			log_value(b, jb);
	}
	jb_close(jb);
}

static void p_log(const struct app_tx *t, struct jb *jb)
{
	const struct pn_dcp_tx *tx = t->data;
	bool resp = is_response(tx);
	jb_set_uint(jb, "frame_id", tx->frame_id);
	jb_set_uint(jb, "service_id", tx->service_id);
	jb_set_ascii(jb, "service", service_name(tx->service_id));
	jb_set_uint(jb, "service_type", tx->service_type);
	jb_set_ascii(jb, "service_type_name", service_type_name(tx->service_type));
	jb_set_uint(jb, "xid", tx->xid);
	if (tx->service_id == PN_DCP_IDENTIFY && !resp)
		jb_set_uint(jb, "response_delay", tx->response_delay);
	jb_set_uint(jb, "data_length", tx->data_length);
	/* who asks and who answers: a response goes back to the requester */
	put_mac(jb, "requester", resp ? tx->dst : tx->src);
	if (resp || !mac_group(tx->dst))
		put_mac(jb, "responder", resp ? tx->src : tx->dst);
	if (tx->request_seen >= 0)
		jb_set_bool(jb, "request_seen", tx->request_seen);
	if (tx->truncated)
		jb_set_bool(jb, "truncated", true);
	if (tx->has_name_owner)
		put_mac(jb, "name_in_use_by", tx->name_owner);
	if (tx->has_ip_owner)
		put_mac(jb, "ip_in_use_by", tx->ip_owner);
	if (tx->header_only)
		return;
	jb_open_array(jb, "blocks");
	for (unsigned i = 0; i < tx->n_blocks; i++)
		log_block(&tx->blocks[i], jb);
	jb_close(jb);
	if (tx->n_blocks_total > tx->n_blocks)
		jb_set_uint(jb, "blocks_total", tx->n_blocks_total);
}

static int p_tx_function(const struct app_tx *t)
{
	const struct pn_dcp_tx *tx = t->data;
	return tx->service_id;
}

/* ---- keywords ------------------------------------------------------------------- */

/*
 *   pn_dcp.service        get set identify hello, or numbers with Suricata's
 *                         integer operators; indexes rules (tx_function)
 *   pn_dcp.service_type   request success not_supported (0 1 5)
 *   pn_dcp.option         see option_setup
 *   pn_dcp.xid            the transaction id (integer operators)
 *   pn_dcp.vendor_id      of a device id block (2/3)
 *   pn_dcp.device_id      of a device id block (2/3)
 *   pn_dcp.block_error    of a control response block (ok, option_unsupported,
 *                         suboption_unsupported, suboption_not_set,
 *                         resource_error, set_not_possible, in_operation)
 *   pn_dcp.requester      [!]MAC[,MAC...]: who asked (a response's destination)
 *   pn_dcp.name_of_station  sticky buffer: the first name of station block
 * Block keywords look at the first PN_DCP_MAX_BLOCKS blocks of a PDU.
 */

struct ukw {
	struct du_match m;
};

static const struct du_name service_names[] = {
	{ "get", PN_DCP_GET },
	{ "set", PN_DCP_SET },
	{ "identify", PN_DCP_IDENTIFY },
	{ "hello", PN_DCP_HELLO },
};

static const struct du_name service_type_names[] = {
	{ "request", PN_DCP_REQUEST },
	{ "success", PN_DCP_RESPONSE_SUCCESS },
	{ "response_success", PN_DCP_RESPONSE_SUCCESS },
	{ "not_supported", PN_DCP_RESPONSE_NOT_SUPPORTED },
	{ "response_not_supported", PN_DCP_RESPONSE_NOT_SUPPORTED },
};

static int uint_setup(const char *arg, void **data, uint64_t max, const struct du_name *n,
		      size_t nn, char *err, size_t errlen)
{
	struct ukw *k = calloc(1, sizeof(*k));
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

static int service_setup(const char *a, void **d, char *e, size_t l)
{
	return uint_setup(a, d, 255, service_names, sizeof(service_names) / sizeof(service_names[0]),
			  e, l);
}

static int service_type_setup(const char *a, void **d, char *e, size_t l)
{
	return uint_setup(a, d, 255, service_type_names,
			  sizeof(service_type_names) / sizeof(service_type_names[0]), e, l);
}

static int xid_setup(const char *a, void **d, char *e, size_t l)
{
	return uint_setup(a, d, 0xffffffffu, NULL, 0, e, l);
}

static int u16_setup(const char *a, void **d, char *e, size_t l)
{
	return uint_setup(a, d, 0xffff, NULL, 0, e, l);
}

static int block_error_setup(const char *a, void **d, char *e, size_t l)
{
	return uint_setup(a, d, 255, block_errors, sizeof(block_errors) / sizeof(block_errors[0]),
			  e, l);
}

static bool service_match(const void *d, const struct app_tx *t)
{
	const struct pn_dcp_tx *tx = t->data;
	return du_match(&((const struct ukw *)d)->m, tx->service_id);
}

static bool service_set(const void *d, uint8_t *set)
{
	return du_set(&((const struct ukw *)d)->m, 255, set);
}

static bool service_type_match(const void *d, const struct app_tx *t)
{
	const struct pn_dcp_tx *tx = t->data;
	return du_match(&((const struct ukw *)d)->m, tx->service_type);
}

static bool xid_match(const void *d, const struct app_tx *t)
{
	const struct pn_dcp_tx *tx = t->data;
	return du_match(&((const struct ukw *)d)->m, tx->xid);
}

/* vendor_id (which 0) or device_id (which 1) of any device id block */
static bool id_match(const void *d, const struct app_tx *t, int which)
{
	const struct pn_dcp_tx *tx = t->data;
	for (unsigned i = 0; i < tx->n_blocks; i++) {
		const struct pn_dcp_block *b = &tx->blocks[i];
		if (b->option != PN_DCP_OPT_DEVICE || b->suboption != 3 || b->bad_length ||
		    b->kind == PN_DCP_BK_SELECTOR)
			continue;
		struct cursor c = cur_make(b->value, b->value_len);
		uint16_t vendor = cur_be16(&c), device = cur_be16(&c);
		if (du_match(&((const struct ukw *)d)->m, which ? device : vendor))
			return true;
	}
	return false;
}

static bool vendor_match(const void *d, const struct app_tx *t)
{
	return id_match(d, t, 0);
}

static bool device_match(const void *d, const struct app_tx *t)
{
	return id_match(d, t, 1);
}

static bool block_error_match(const void *d, const struct app_tx *t)
{
	const struct pn_dcp_tx *tx = t->data;
	for (unsigned i = 0; i < tx->n_blocks; i++) {
		const struct pn_dcp_block *b = &tx->blocks[i];
		if (b->option != PN_DCP_OPT_CONTROL || b->suboption != 4 || b->bad_length ||
		    b->kind != PN_DCP_BK_PLAIN)
			continue;
		struct cursor c = cur_make(b->value, b->value_len);
		cur_skip(&c, 2);
		if (du_match(&((const struct ukw *)d)->m, cur_u8(&c)))
			return true;
	}
	return false;
}

/* pn_dcp.option: OPTION | OPTION,SUBOPTION | SUBOPTION-NAME (names from the
 * tables above; reset_factory = both resets; manufacturer_specific =
 * options 0x80-0xFE). A tx matches when one of its blocks has it. */
struct okw {
	uint8_t n;
	struct {
		uint8_t lo, hi;  /* option range */
		int16_t sub;     /* -1: any suboption */
	} alt[2];
};

static int opt_value(const char *s, size_t n, uint8_t *lo, uint8_t *hi)
{
	static const struct du_name opts[] = {
		{ "ip", 1 }, { "device", 2 }, { "device_properties", 2 }, { "dhcp", 3 },
		{ "control", 5 }, { "device_initiative", 6 }, { "nme", 7 }, { "all", 255 },
		{ "all_selector", 255 },
	};
	char buf[32];
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (strcasecmp(buf, "manufacturer_specific") == 0) {
		*lo = 0x80;
		*hi = 0xfe;
		return 0;
	}
	uint64_t v;
	char e[64];
	if (du_parse_value(buf, 255, opts, sizeof(opts) / sizeof(opts[0]), &v, e, sizeof(e)) < 0)
		return -1;
	*lo = *hi = (uint8_t)v;
	return 0;
}

static int sub_value(uint8_t opt, const char *s, size_t n, int16_t *sub)
{
	char buf[40];
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	for (size_t i = 0; i < N_SUBOPTS; i++)
		if (subopts[i].opt == opt && strcasecmp(subopts[i].name, buf) == 0) {
			*sub = subopts[i].sub;
			return 0;
		}
	uint64_t v;
	char e[64];
	if (du_parse_value(buf, 255, NULL, 0, &v, e, sizeof(e)) < 0)
		return -1;
	*sub = (int16_t)v;
	return 0;
}

static int option_setup(const char *arg, void **data, char *err, size_t errlen)
{
	struct okw *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	const char *s = arg ? arg : "";
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	const char *sep = NULL;
	for (size_t i = 0; i < n && !sep; i++)
		if (s[i] == ',' || s[i] == '/')
			sep = s + i;
	k->n = 1;
	k->alt[0].sub = -1;
	if (sep) {
		size_t a = (size_t)(sep - s);
		const char *b = sep + 1;
		while (a && isspace((unsigned char)s[a - 1]))
			a--;
		while (isspace((unsigned char)*b))
			b++;
		if (opt_value(s, a, &k->alt[0].lo, &k->alt[0].hi) < 0 ||
		    sub_value(k->alt[0].lo, b, n - (size_t)(b - s), &k->alt[0].sub) < 0)
			goto bad;
	} else if (opt_value(s, n, &k->alt[0].lo, &k->alt[0].hi) < 0) {
		/* a suboption name on its own (unique across options) */
		char buf[40];
		if (n == 0 || n >= sizeof(buf))
			goto bad;
		memcpy(buf, s, n);
		buf[n] = 0;
		if (strcasecmp(buf, "reset_factory") == 0) {
			k->n = 2;
			k->alt[0].lo = k->alt[0].hi = k->alt[1].lo = k->alt[1].hi = PN_DCP_OPT_CONTROL;
			k->alt[0].sub = 5;
			k->alt[1].sub = 6;
		} else {
			const struct subopt *so = NULL;
			for (size_t i = 0; i < N_SUBOPTS && !so; i++)
				if (strcasecmp(subopts[i].name, buf) == 0)
					so = &subopts[i];
			if (!so)
				goto bad;
			k->alt[0].lo = k->alt[0].hi = so->opt;
			k->alt[0].sub = so->sub;
		}
	}
	*data = k;
	return 0;
bad:
	snprintf(err, errlen,
		 "pn_dcp.option: expected an option (ip, device, dhcp, control, "
		 "device_initiative, nme, all, manufacturer_specific or a number), "
		 "OPTION,SUBOPTION, or a suboption name (name_of_station, ip_parameter, "
		 "reset_factory...), got '%s'",
		 arg ? arg : "");
	free(k);
	return -1;
}

static bool option_match(const void *d, const struct app_tx *t)
{
	const struct okw *k = d;
	const struct pn_dcp_tx *tx = t->data;
	for (unsigned i = 0; i < tx->n_blocks; i++) {
		const struct pn_dcp_block *b = &tx->blocks[i];
		for (unsigned j = 0; j < k->n; j++)
			if (b->option >= k->alt[j].lo && b->option <= k->alt[j].hi &&
			    (k->alt[j].sub < 0 || b->suboption == k->alt[j].sub))
				return true;
	}
	return false;
}

/* pn_dcp.requester: [!]MAC[,MAC...] (the requester of a response is the
 * frame's destination) */
#define REQ_MAX 16
struct rkw {
	bool neg;
	uint8_t n;
	uint8_t mac[REQ_MAX][6];
};

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static int requester_setup(const char *arg, void **data, char *err, size_t errlen)
{
	struct rkw *k = calloc(1, sizeof(*k));
	if (!k) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	const char *s = arg ? arg : "";
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '!') {
		k->neg = true;
		s++;
	}
	for (;;) {
		while (isspace((unsigned char)*s) || *s == ',')
			s++;
		if (!*s)
			break;
		if (k->n == REQ_MAX)
			goto bad;
		for (int i = 0; i < 6; i++) {
			int h = hexval((unsigned char)s[0]), l = h < 0 ? -1 : hexval((unsigned char)s[1]);
			if (h < 0 || l < 0)
				goto bad;
			k->mac[k->n][i] = (uint8_t)(h << 4 | l);
			s += 2;
			if (i < 5) {
				if (*s != ':' && *s != '-')
					goto bad;
				s++;
			}
		}
		if (*s && *s != ',' && !isspace((unsigned char)*s))
			goto bad;
		k->n++;
	}
	if (!k->n)
		goto bad;
	*data = k;
	return 0;
bad:
	snprintf(err, errlen, "pn_dcp.requester: expected [!]MAC[,MAC...] (at most %d), got '%s'",
		 REQ_MAX, arg ? arg : "");
	free(k);
	return -1;
}

static bool requester_match(const void *d, const struct app_tx *t)
{
	const struct rkw *k = d;
	const struct pn_dcp_tx *tx = t->data;
	const uint8_t *m = is_response(tx) ? tx->dst : tx->src;
	bool in = false;
	for (unsigned i = 0; i < k->n && !in; i++)
		in = mac_eq(k->mac[i], m);
	return in != k->neg;
}

static const uint8_t *name_buffer(const struct app_tx *t, size_t *len)
{
	const struct pn_dcp_block *b = find_block(t->data, PN_DCP_OPT_DEVICE, 2);
	if (!b)
		return NULL;
	*len = b->value_len;
	return b->value;
}

static const struct app_keyword kws[] = {
	{ "pn_dcp.service", service_setup, service_match, NULL, service_set, NULL },
	{ "pn_dcp.service_type", service_type_setup, service_type_match, NULL, NULL, NULL },
	{ "pn_dcp.option", option_setup, option_match, NULL, NULL, NULL },
	{ "pn_dcp.xid", xid_setup, xid_match, NULL, NULL, NULL },
	{ "pn_dcp.vendor_id", u16_setup, vendor_match, NULL, NULL, NULL },
	{ "pn_dcp.device_id", u16_setup, device_match, NULL, NULL, NULL },
	{ "pn_dcp.block_error", block_error_setup, block_error_match, NULL, NULL, NULL },
	{ "pn_dcp.requester", requester_setup, requester_match, NULL, NULL, NULL },
	{ "pn_dcp.name_of_station", NULL, NULL, NULL, NULL, name_buffer },
};

const struct proto_parser proto_pn_dcp = {
	.name = "pn_dcp",
	.transport = APP_L2,
	.ethertype = 0x8892,
	.probe = NULL,      /* identified by its EtherType */
	.pdu_len = p_pdu_len,
	.parse_pdu = p_parse,
	.gap = NULL,        /* frames: nothing spans two */
	.state_new = p_new,
	.state_free = p_free,
	.log_tx = p_log,
	.events = events,
	.n_events = PN_DCP_EV__COUNT,
	.max_pdu = 65535,
	.state_size = sizeof(struct pn_state),
	.keywords = kws,
	.n_keywords = sizeof(kws) / sizeof(kws[0]),
	.tx_function = p_tx_function,
	.stats_names = stats_names,
	.n_stats = sizeof(stats_names) / sizeof(stats_names[0]),
	.stats = p_stats,
};
