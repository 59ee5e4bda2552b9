/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event names for rules: Suricata's names where Vigil's differ, and the
 * events of Suricata's rule files (rules/NAME-events.rules) that Vigil cannot
 * raise, with the reason a rule using one is unsupported.
 *
 * The events Vigil raises are named where they are raised:
 * decode_event_names (decode/ether.c), stream_event_names (flow/stream.c)
 * and each parser's events table. This file only adds to them.
 */
#include "detect/events.h"

#include <stdbool.h>
#include <string.h>

#include "proto/registry.h"
#include "vigil/packet.h"

struct ev_alias {
	const char *name;     /* as a rule writes it */
	const char *target;   /* Vigil's name for the same event */
};

struct ev_unsup {
	const char *name;     /* an exact name, or a prefix ending in '.' or '_' */
	const char *why;
};

/* ---- decoder events ---------------------------------------------------- */

static const struct ev_alias decode_aliases[] = {
	/* Vigil's names before they became Suricata's */
	{ "null.pkt_too_small", "ltnull.pkt_too_small" },
	{ "null.unsupported_type", "ltnull.unsupported_type" },
	/* Suricata 8 names the EtherType check by its layer */
	{ "ethernet.unknown_ethertype", "unknown_ethertype" },
};

static const char why_tunnel[] = "Vigil does not raise this tunnel (GRE, ERSPAN, VXLAN, MPLS) "
				 "decoder event";

static const struct ev_unsup decode_unsup[] = {
	{ "ipv4.opt_pad_required", "Vigil does not check the padding of IPv4 options" },
	{ "ipv4.opt_eol_required", "an option type without its length byte is ipv4.opt_malformed "
				   "in Vigil" },
	{ "ipv4.opt_unknown", "Suricata raises ipv4.opt_invalid for an unknown IPv4 option, as "
			      "Vigil does, and never this event" },
	{ "ipv4.frag_ignored", "Vigil's defragmenter ignores no fragment for an internal error "
			       "(its limits raise defrag.max_frag_hit)" },
	{ "ipv6.frag_ignored", "Vigil's defragmenter ignores no fragment for an internal error "
			       "(its limits raise defrag.max_frag_hit)" },
	{ "ipv6.exthdr_dupl_eh", "ESP ends the IPv6 header chain (what follows is encrypted): a "
				 "second one cannot be seen, by Suricata either" },
	{ "ipv6.ipv4_in_ipv6_", "Vigil does not decapsulate IPv4 in IPv6" },
	{ "ipv6.ipv6_in_ipv6_", "Vigil does not decapsulate IPv6 in IPv6" },
	{ "vlan.unknown_type", "an unknown EtherType inside VLAN tags is "
			       "decoder.unknown_ethertype in Vigil" },
	{ "ieee8021ah.", "Vigil does not decode 802.1ah (provider backbone bridging)" },
	{ "vntag.", "Vigil does not decode VN-Tag" },
	{ "ppp.", "Vigil does not decode PPP" },
	{ "pppoe.", "Vigil does not decode PPPoE" },
	{ "gre.", why_tunnel },
	{ "erspan.", why_tunnel },
	{ "vxlan.", why_tunnel },
	{ "mpls.", why_tunnel },
	{ "too_many_layers", why_tunnel },
	{ "geneve.", "Vigil does not decode Geneve" },
	{ "nsh.", "Vigil does not decode NSH" },
	{ "teredo.", "Vigil does not decode Teredo" },
	{ "dce.", "Vigil does not decode Cisco FabricPath/DCE frames" },
	{ "chdlc.", "Vigil does not decode Cisco HDLC frames" },
	{ "sctp.", "Vigil does not decode SCTP" },
	{ "esp.", "Vigil does not decode ESP" },
};

/* ---- stream events -------------------------------------------------------- */

static const struct ev_alias stream_aliases[] = {
	/* the rules' names, which Suricata also maps onto its shorter ones */
	{ "3whs_synack_resend_with_different_ack", "3whs_synack_resend_with_diff_ack" },
	{ "est_synack_resend_with_different_ack", "est_synack_resend_with_diff_ack" },
};

static const char why_window[] = "needs the TCP window and acknowledgement tracking of Suricata's "
				 "stream engine, which Vigil's reassembly does not do";
static const char why_reasm[] = "an internal state of Suricata's reassembly; Vigil's limits raise "
				"stream.reassembly_memcap and stream.reassembly_segment_limit";

static const struct ev_unsup stream_unsup[] = {
	{ "3whs_ack_in_wrong_dir", "Suricata raises it in IPS (inline) mode only" },
	{ "3whs_ack_data_inject", "Suricata raises it in IPS (inline) mode only" },
	{ "3whs_async_wrong_seq", "Suricata's one-sided (async) stream mode: Vigil has none" },
	{ "3whs_synack_flood", "needs Suricata's queue of SYN/ACKs, which Vigil does not keep" },
	{ "3whs_syn_flood", "needs Suricata's queue of SYNs, which Vigil does not keep" },
	{ "3whs_synack_tfo_data_ignored", "TCP Fast Open is not tracked" },
	{ "4whs_wrong_seq", "the packets after a 4-way handshake's SYN/ACK are not checked" },
	{ "4whs_invalid_ack", why_window },
	{ "closewait_", why_window },
	{ "closing_", why_window },
	{ "fin1_", why_window },
	{ "fin2_", why_window },
	{ "lastack_", why_window },
	{ "timewait_", why_window },
	{ "fin_invalid_ack", why_window },
	{ "fin_out_of_window", why_window },
	{ "fin_syn", why_window },
	{ "est_packet_out_of_window", why_window },
	{ "est_invalid_ack", why_window },
	{ "est_pkt_before_last_ack", why_window },
	{ "est_ack_zwp_data", why_window },
	{ "pkt_invalid_ack", why_window },
	{ "rst_invalid_ack", why_window },
	{ "pkt_bad_window_update", why_window },
	{ "pkt_spurious_retransmission", why_window },
	{ "suspected_rst_inject", why_window },
	{ "pkt_invalid_timestamp", "TCP timestamps are not tracked" },
	{ "wrong_thread", "both directions of a flow always meet one worker (symmetric dispatch)" },
	{ "reassembly_segment_before_base_seq", "a segment entirely before the reassembled bytes "
						"is stream.pkt_retransmission in Vigil" },
	{ "reassembly_no_segment", why_reasm },
	{ "reassembly_depth_reached", why_reasm },
	{ "reassembly_insert_", why_reasm },
	{ "reassembly_urgent_oob_limit_reached", "urgent data is not handled apart" },
};

/* ---- application-layer events ------------------------------------------- */

struct app_alias {
	const char *name;
	const char *proto;
	const char *targets[4];   /* NULL-terminated */
};

static const struct app_alias app_aliases[] = {
	/* Suricata's ENIP parser: a PDU its parser could not read */
	{ "enip.invalid_pdu", "enip",
	  { "enip.invalid_length", "enip.invalid_cpf", "enip.invalid_cip_path", NULL } },
	/* later Suricata versions' DNP3 names (suricata-verify's tests) */
	{ "dnp3.max_points_per_object", "dnp3", { "dnp3.too_many_points", NULL } },
	{ "dnp3.too_long_reassembly", "dnp3", { "dnp3.message_too_large", NULL } },
};

static const struct ev_unsup app_unsup[] = {
	{ "applayer_", "Suricata's protocol-detection events: Vigil probes both directions and "
		       "reports a flow it cannot identify as app-layer-protocol:failed" },
	{ "enip.too_many_transactions", "Vigil's ENIP parser keeps no list of transactions to "
					"overflow (8 pending requests per flow; a reply to a "
					"forgotten one is enip.unsolicited_response)" },
	{ "dnp3.too_many_objects", "Vigil's DNP3 parser bounds the points of each object "
				   "(dnp3.too_many_points), not the number of objects" },
	{ "dnp3.bad_start_bytes", "a frame not starting 05 64 makes Vigil's DNP3 framing "
				  "resynchronise, counted in the stats (resyncs), without an event" },
	{ "dnp3.policy_divergence", "names a choice of Suricata's own DNP3 recovery policy" },
};

/* Suricata's application-layer protocols that Vigil does not parse: their
 * events (Suricata's rules/<proto>-events.rules) are unsupported. */
static const char *const suricata_protos[] = {
	"http", "http1", "http2", "ftp", "ftp-data", "smtp", "tls", "ssl", "ssh", "imap", "pop3",
	"smb", "dcerpc", "dns", "doh2", "nfs", "ntp", "tftp", "ike", "ikev2", "krb5", "kerberos",
	"dhcp", "snmp", "sip", "rfb", "rdp", "quic", "pgsql", "telnet", "websocket", "ldap",
	"bittorrent-dht", "mdns", "irc", "template", NULL,
};

/* ---- lookups ---------------------------------------------------------------- */

static const char *alias_of(const struct ev_alias *a, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i].name, name) == 0)
			return a[i].target;
	return name;
}

static const char *unsup_of(const struct ev_unsup *u, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(u[i].name);
		bool prefix = u[i].name[l - 1] == '.' || u[i].name[l - 1] == '_';
		if (prefix ? strncmp(u[i].name, name, l) == 0 : strcmp(u[i].name, name) == 0)
			return u[i].why;
	}
	return NULL;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

int event_lookup_stream(const char *name, uint16_t *id, const char **why)
{
	if (strncmp(name, "stream.", 7) == 0)
		name += 7;
	name = alias_of(stream_aliases, N_OF(stream_aliases), name);
	for (unsigned e = 0; e < STREAM_EV__COUNT; e++)
		if (stream_event_names[e] && strcmp(stream_event_names[e] + 7, name) == 0) {
			*id = PKT_EV_STREAM(e);
			return EVL_FOUND;
		}
	*why = unsup_of(stream_unsup, N_OF(stream_unsup), name);
	return *why ? EVL_UNSUPPORTED : EVL_UNKNOWN;
}

int event_lookup_decode(const char *name, uint16_t *id, const char **why)
{
	if (strncmp(name, "stream.", 7) == 0)
		return event_lookup_stream(name, id, why);
	if (strncmp(name, "decoder.", 8) == 0)
		name += 8;
	name = alias_of(decode_aliases, N_OF(decode_aliases), name);
	for (unsigned e = 0; e < DEC__COUNT; e++) {
		const char *n = decode_event_names[e];
		if (!n)
			continue;
		if (strncmp(n, "decoder.", 8) == 0)
			n += 8;
		if (strcmp(n, name) == 0) {
			*id = (uint16_t)e;
			return EVL_FOUND;
		}
	}
	*why = unsup_of(decode_unsup, N_OF(decode_unsup), name);
	return *why ? EVL_UNSUPPORTED : EVL_UNKNOWN;
}

static int parser_event(const struct proto_parser *p, const char *name)
{
	for (uint16_t e = 0; e < p->n_events; e++)
		if (p->events[e] && strcmp(p->events[e], name) == 0)
			return e;
	return -1;
}

int event_lookup_app_alias(const char *name, const struct proto_parser **parser, uint64_t *mask,
			   const char **why)
{
	for (size_t i = 0; i < N_OF(app_aliases); i++) {
		const struct app_alias *a = &app_aliases[i];
		if (strcmp(a->name, name) != 0)
			continue;
		const struct proto_parser *p = app_parser_by_name(a->proto);
		if (!p)
			break;
		uint64_t m = 0;
		for (int k = 0; a->targets[k]; k++) {
			int e = parser_event(p, a->targets[k]);
			if (e >= 0 && e < 64)
				m |= 1ull << e;
		}
		if (!m)
			break;
		*parser = p;
		*mask = m;
		return EVL_FOUND;
	}
	*why = unsup_of(app_unsup, N_OF(app_unsup), name);
	if (*why)
		return EVL_UNSUPPORTED;
	const char *dot = strchr(name, '.');
	if (dot) {
		for (int i = 0; suricata_protos[i]; i++)
			if (strlen(suricata_protos[i]) == (size_t)(dot - name) &&
			    strncmp(suricata_protos[i], name, (size_t)(dot - name)) == 0) {
				*why = "Vigil does not parse this protocol";
				return EVL_UNSUPPORTED;
			}
	}
	return EVL_UNKNOWN;
}
