/* SPDX-License-Identifier: BSD-3-Clause */
#include "output/eve.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "flow/flow.h"
#include "util/civil.h"
#include "proto/registry.h"
#include "vigil/detect.h"

/* The sensor's members, made once at start-up (eve_set_sensor) and only
 * read afterwards: ,"in_iface":"eth1" after the flow id of every record of
 * a live capture, and ,"host":"name" at the end of every record when the
 * sensor has a name, where Suricata puts them. Empty: not written. */
static char in_iface_member[640]; /* 100 bytes, each escaped at worst */
static size_t in_iface_len;
static char host_member[640];
static size_t host_len;

static size_t make_member(char *out, size_t cap, const char *key, const char *val)
{
	if (!val || !*val || strlen(val) > 100)
		return 0;
	int k = snprintf(out, cap, ",\"%s\":", key);
	if (k <= 0 || (size_t)k >= cap)
		return 0;
	size_t n = jb_escape(out + k, cap - (size_t)k, val, strlen(val));
	if ((size_t)k + n >= cap) /* too long: not written rather than cut */
		return 0;
	return (size_t)k + n;
}

int eve_set_sensor(const char *host, const char *in_iface)
{
	host_len = make_member(host_member, sizeof(host_member), "host", host);
	in_iface_len = make_member(in_iface_member, sizeof(in_iface_member), "in_iface", in_iface);
	return (host && *host && !host_len) || (in_iface && *in_iface && !in_iface_len) ? -1 : 0;
}

/* The last two seconds formatted, per thread: a record carries its packet's
 * time and often its flow's start. */
static _Thread_local struct {
	uint64_t sec[2];
	char text[2][20];
	unsigned next;
} ts_cache = { { UINT64_MAX, UINT64_MAX }, { "", "" }, 0 };

/* "YYYY-MM-DDTHH:MM:SS.uuuuuu+0000" (UTC) without gmtime or printf. */
void eve_format_ts(char out[40], uint64_t ts_usec)
{
	uint64_t sec = ts_usec / 1000000u;
	unsigned usec = (unsigned)(ts_usec % 1000000u);
	int k = ts_cache.sec[0] == sec ? 0 : ts_cache.sec[1] == sec ? 1 : -1;
	if (k < 0) {
		k = (int)(ts_cache.next++ & 1);
		civil_format_sec(ts_cache.text[k], sec);
		ts_cache.sec[k] = sec;
	}
	memcpy(out, ts_cache.text[k], 19);
	char *o = out + 19;
	*o++ = '.';
	o = civil_put_digits(o, usec, 6);
	memcpy(o, "+0000", 6);
	_Static_assert(19 + 1 + 6 + 5 == EVE_TS_LEN, "EVE_TS_LEN");
}

void eve_format_addr(char *out, size_t cap, const struct vaddr *a, uint8_t ip_ver)
{
	if (ip_ver != 6 && cap >= 16) {
		/* dotted quad without sprintf (inet_ntop's way is slow) */
		char *o = out;
		for (int i = 0; i < 4; i++) {
			unsigned v = a->a[i];
			if (v >= 100)
				*o++ = (char)('0' + v / 100);
			if (v >= 10)
				*o++ = (char)('0' + v / 10 % 10);
			*o++ = (char)('0' + v % 10);
			*o++ = i < 3 ? '.' : '\0';
		}
		return;
	}
	if (!inet_ntop(ip_ver == 6 ? AF_INET6 : AF_INET, a->a, out, (socklen_t)cap) && cap)
		out[0] = '\0';
}

const char *eve_proto_name(uint8_t proto, char tmp[8])
{
	switch (proto) {
	case IPPROTO_TCP: return "TCP";
	case IPPROTO_UDP: return "UDP";
	case IPPROTO_ICMP: return "ICMP";
	case IPPROTO_ICMPV6: return "IPv6-ICMP";
	case IPPROTO_IGMP: return "IGMP";
	case IPPROTO_GRE: return "GRE";
	case IPPROTO_ESP: return "ESP";
	case IPPROTO_AH: return "AH";
	case IPPROTO_SCTP: return "SCTP";
	case 89: return "OSPF";
	case IPPROTO_PIM: return "PIM";
	case 112: return "VRRP";
	default:
		snprintf(tmp, 8, "%u", proto);
		return tmp;
	}
}

static void put_ts(struct jb *jb, const char *key, uint64_t ts)
{
	char buf[40];
	eve_format_ts(buf, ts);
	jb_set_asciin(jb, key, buf, EVE_TS_LEN);
}

static void put_vlan(struct jb *jb, const struct packet *p)
{
	if (!p || !p->vlan_cnt)
		return;
	jb_open_array(jb, "vlan");
	for (unsigned i = 0; i < p->vlan_cnt; i++)
		jb_set_uint(jb, NULL, p->vlan[i]);
	jb_close(jb);
}

static void put_endpoints(struct jb *jb, const struct vaddr *s, uint16_t sp,
			  const struct vaddr *d, uint16_t dp, uint8_t ver, uint8_t proto,
			  bool ports)
{
	char a[INET6_ADDRSTRLEN], tmp[8];
	eve_format_addr(a, sizeof(a), s, ver);
	jb_set_ascii(jb, "src_ip", a);
	if (ports)
		jb_set_uint(jb, "src_port", sp);
	eve_format_addr(a, sizeof(a), d, ver);
	jb_set_ascii(jb, "dest_ip", a);
	if (ports)
		jb_set_uint(jb, "dest_port", dp);
	jb_set_ascii(jb, "proto", eve_proto_name(proto, tmp));
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

/* A flow's vlan and endpoint members (",\"vlan\":..,\"src_ip\":..,
 * ..,\"proto\":..") per direction, as this thread last wrote them: the
 * same text for every record of the flow, made once. dir 2 is the flow's
 * own order (flow and transaction records); dir 3 and 4 are the packet's
 * directions followed by the flow's community_id (alert and anomaly
 * records). Direct-mapped: 64 slots missed a third of the lookups on the
 * quiet plant's 57 flows (two or three entries each); 512 (115 KiB a
 * thread) miss 3 %. */
#define EP_SLOTS 512
static _Thread_local struct ep_entry {
	const struct flow *f;
	uint64_t id;
	uint8_t dir;
	uint8_t len;  /* 0: empty */
	char text[200];
} ep_cache[EP_SLOTS];

static struct ep_entry *ep_slot(const struct flow *f, uint8_t dir)
{
	return &ep_cache[(f->id * 5 + dir) % EP_SLOTS];
}

/* Appends the cached members when they are there: true. */
static bool ep_hit(struct jb *jb, const struct flow *f, uint8_t dir)
{
	const struct ep_entry *e = ep_slot(f, dir);
	if (!e->len || e->f != f || e->id != f->id || e->dir != dir)
		return false;
	jb_append_raw(jb, e->text, e->len);
	return true;
}

/* Keeps what was written since from (the members ep_hit will append). */
static void ep_store(const struct jb *jb, size_t from, const struct flow *f, uint8_t dir)
{
	struct ep_entry *e = ep_slot(f, dir);
	size_t n = jb->len - from;
	e->len = 0;
	if (jb->err || n == 0 || n >= sizeof(e->text))
		return;
	memcpy(e->text, jb->buf + from, n);
	e->f = f;
	e->id = f->id;
	e->dir = dir;
	e->len = (uint8_t)n;
}

/* A flow's Community ID per thread, made on its first alert or anomaly
 * record (a SHA-1: about 1500 instructions) and copied on the next ones.
 * Direct-mapped by flow id, checked by flow pointer and id. */
#define CID_SLOTS 64
#define CID_LEN 30 /* "1:" and 28 characters of base64 */
static _Thread_local struct cid_entry {
	const struct flow *f;
	uint64_t id;
	char text[40];
} cid_cache[CID_SLOTS];

static void put_community_id(struct jb *jb, const struct flow *f)
{
	struct cid_entry *e = &cid_cache[f->id % CID_SLOTS];
	if (e->f != f || e->id != f->id) {
		flow_community_id(f, e->text, sizeof(e->text));
		if (strlen(e->text) != CID_LEN)
			e->text[0] = '\0';
		e->f = f;
		e->id = f->id;
	}
	if (e->text[0])
		jb_set_asciin(jb, "community_id", e->text, CID_LEN);
}

/* Suricata's "ether" object: the frame's MAC addresses (frames without IP). */
static void put_ether(struct jb *jb, const struct packet *p)
{
	static const char hex[] = "0123456789abcdef";
	char mac[2][18];
	for (int k = 0; k < 2; k++) {
		const uint8_t *m = p->data + (k ? 0 : 6);
		for (int i = 0; i < 6; i++) {
			mac[k][i * 3] = hex[m[i] >> 4];
			mac[k][i * 3 + 1] = hex[m[i] & 15];
			mac[k][i * 3 + 2] = i < 5 ? ':' : 0;
		}
	}
	jb_open_object(jb, "ether");
	jb_set_ascii(jb, "src_mac", mac[0]);
	jb_set_ascii(jb, "dest_mac", mac[1]);
	jb_set_uint(jb, "ether_type", p->ethertype);
	jb_close(jb);
}

/* Suricata's "tunnel" object (output-json-alert.c, etc/schema.json): the
 * outermost IP header of a packet taken out of a tunnel, its protocol and
 * (VXLAN) ports, how many tunnels deep the packet was, and the packet's
 * index. Ports are written for GRE too (0), as Suricata does. */
static void put_tunnel(struct jb *jb, const struct packet *p)
{
	char a[INET6_ADDRSTRLEN], tmp[8];
	jb_open_object(jb, "tunnel");
	eve_format_addr(a, sizeof(a), &p->tun_src, p->tun_ip_ver);
	jb_set_ascii(jb, "src_ip", a);
	jb_set_uint(jb, "src_port", p->tun_sp);
	eve_format_addr(a, sizeof(a), &p->tun_dst, p->tun_ip_ver);
	jb_set_ascii(jb, "dest_ip", a);
	jb_set_uint(jb, "dest_port", p->tun_dp);
	jb_set_ascii(jb, "proto", eve_proto_name(p->tun_proto, tmp));
	jb_set_uint(jb, "depth", p->tunnel_depth);
	if (!(p->flags & PKT_NO_INDEX))
		jb_set_uint(jb, "pcap_cnt", p->pcap_cnt);
	jb_set_ascii(jb, "pkt_src", "wire/pcap");
	jb_close(jb);
}

/* The header of a record caused by p; with cid, p's flow's community_id
 * after the endpoints (made once per flow and direction in the cache). */
static void open_packet(struct jb *jb, const struct packet *p, const char *event_type, bool cid)
{
	jb_reset(jb);
	jb_open_object(jb, NULL);
	put_ts(jb, "timestamp", p->ts);
	if (p->flow)
		jb_set_uint(jb, "flow_id", eve_flow_id(p->flow));
	if (in_iface_len)
		jb_append_raw(jb, in_iface_member, in_iface_len);
	if (!(p->flags & PKT_NO_INDEX))
		jb_set_uint(jb, "pcap_cnt", p->pcap_cnt);
	jb_set_ascii(jb, "event_type", event_type);
	/* the common case (a TCP or UDP packet of a flow, one VLAN tag at
	 * most) comes from the cache */
	bool cacheable = p->flow && p->ip_ver && p->vlan_cnt <= 1 && p->dir <= 1 &&
			 (p->flags & PKT_HAS_FLOW_KEY) &&
			 (p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP);
	cid = cid && p->flow;
	uint8_t variant = (uint8_t)(p->dir + (cid ? 3 : 0));
	if (cacheable && ep_hit(jb, p->flow, variant))
		return;
	size_t from = jb->len;
	put_vlan(jb, p);
	if (cacheable) {
		put_endpoints(jb, &p->src, p->sp, &p->dst, p->dp, p->ip_ver, p->l4proto, true);
		if (cid)
			put_community_id(jb, p->flow);
		ep_store(jb, from, p->flow, variant);
		return;
	}
	if ((p->flags & PKT_IS_L2_ICS) && p->linktype == LINK_ETHERNET && p->caplen >= 12) {
		put_ether(jb, p);
		return;
	}
	if (p->ip_ver) {
		put_endpoints(jb, &p->src, p->sp, &p->dst, p->dp, p->ip_ver, p->l4proto,
			      has_ports(p->l4proto) && (p->flags & PKT_HAS_FLOW_KEY));
		if ((p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6) &&
		    (p->flags & PKT_HAS_FLOW_KEY)) {
			jb_set_uint(jb, "icmp_type", p->icmp_type);
			jb_set_uint(jb, "icmp_code", p->icmp_code);
		}
	}
	if (cid)
		put_community_id(jb, p->flow);
}

void eve_open_packet(struct jb *jb, const struct packet *p, const char *event_type)
{
	open_packet(jb, p, event_type, false);
}

void eve_open_flow(struct jb *jb, const struct flow *f, uint64_t ts, uint64_t pcap_cnt,
		   const char *event_type)
{
	jb_reset(jb);
	jb_open_object(jb, NULL);
	put_ts(jb, "timestamp", ts);
	jb_set_uint(jb, "flow_id", eve_flow_id(f));
	if (in_iface_len)
		jb_append_raw(jb, in_iface_member, in_iface_len);
	if (pcap_cnt)
		jb_set_uint(jb, "pcap_cnt", pcap_cnt);
	jb_set_ascii(jb, "event_type", event_type);
	if (ep_hit(jb, f, 2))
		return;
	size_t from = jb->len;
	if (f->key.vlan) {
		jb_open_array(jb, "vlan");
		jb_set_uint(jb, NULL, f->key.vlan);
		jb_close(jb);
	}
	put_endpoints(jb, &f->key.addr[0], f->key.port[0], &f->key.addr[1], f->key.port[1],
		      f->key.ip_ver, f->key.proto, has_ports(f->key.proto));
	ep_store(jb, from, f, 2);
}

void eve_put_in_iface(struct jb *jb)
{
	if (in_iface_len)
		jb_append_raw(jb, in_iface_member, in_iface_len);
}

void eve_put_sensor_tail(struct jb *jb)
{
	if (host_len)
		jb_append_raw(jb, host_member, host_len);
}

void eve_close(struct jb *jb)
{
	eve_put_sensor_tail(jb);
	jb_close(jb);
}

static void put_tcp_flags(struct jb *jb, const char *key, uint8_t fl)
{
	static const char digits[] = "0123456789abcdef";
	char hex[3] = { digits[fl >> 4], digits[fl & 15], 0 };
	jb_set_ascii(jb, key, hex);
}

static const char *tcp_state_name(uint8_t st)
{
	switch (st) {
	case TCPS_SYN_SENT: return "syn_sent";
	case TCPS_SYN_RECV: return "syn_recv";
	case TCPS_ESTABLISHED: return "established";
	case TCPS_FIN_WAIT: return "fin_wait";
	case TCPS_CLOSED: return "closed";
	default: return "none";
	}
}

void eve_flow(struct jb *jb, const struct flow *f, enum flow_end_reason why,
	      const char *app_proto, const char *ndpi_proto, const char *ndpi_category)
{
	eve_open_flow(jb, f, f->last_ts, 0, "flow");
	if (app_proto)
		jb_set_str(jb, "app_proto", app_proto);
	jb_open_object(jb, "flow");
	jb_set_uint(jb, "pkts_toserver", f->pkts[0]);
	jb_set_uint(jb, "pkts_toclient", f->pkts[1]);
	jb_set_uint(jb, "bytes_toserver", f->bytes[0]);
	jb_set_uint(jb, "bytes_toclient", f->bytes[1]);
	put_ts(jb, "start", f->start_ts);
	put_ts(jb, "end", f->last_ts);
	jb_set_uint(jb, "age", (f->last_ts - f->start_ts) / 1000000u);
	const char *state = f->state == FLOW_STATE_NEW ? "new"
			    : f->state == FLOW_STATE_ESTABLISHED ? "established" : "closed";
	jb_set_ascii(jb, "state", state);
	jb_set_ascii(jb, "reason", why == FLOW_END_TIMEOUT ? "timeout"
			       : why == FLOW_END_MEMCAP ? "memcap" : "shutdown");
	jb_set_bool(jb, "alerted", f->alerted);
	jb_close(jb);
	if (ndpi_proto) {
		jb_open_object(jb, "ndpi");
		jb_set_str(jb, "protocol", ndpi_proto);
		if (ndpi_category)
			jb_set_str(jb, "category", ndpi_category);
		jb_close(jb);
	}
	char cid[40];
	flow_community_id(f, cid, sizeof(cid));
	jb_set_ascii(jb, "community_id", cid); /* base64: no escaping */
	if (f->tcp) {
		const struct tcp_session *s = f->tcp;
		uint8_t all = s->flags_seen[0] | s->flags_seen[1];
		jb_open_object(jb, "tcp");
		put_tcp_flags(jb, "tcp_flags", all);
		put_tcp_flags(jb, "tcp_flags_ts", s->flags_seen[0]);
		put_tcp_flags(jb, "tcp_flags_tc", s->flags_seen[1]);
		if (all & TCPF_SYN)
			jb_set_bool(jb, "syn", true);
		if (all & TCPF_FIN)
			jb_set_bool(jb, "fin", true);
		if (all & TCPF_RST)
			jb_set_bool(jb, "rst", true);
		if (all & TCPF_PUSH)
			jb_set_bool(jb, "psh", true);
		if (all & TCPF_ACK)
			jb_set_bool(jb, "ack", true);
		if (all & TCPF_URG)
			jb_set_bool(jb, "urg", true);
		if (all & TCPF_ECE)
			jb_set_bool(jb, "ecn", true);
		if (all & TCPF_CWR)
			jb_set_bool(jb, "cwr", true);
		jb_set_ascii(jb, "state", tcp_state_name(s->state));
		if (s->dir[0].midstream || s->dir[1].midstream)
			jb_set_bool(jb, "midstream", true);
		/* Suricata's flags of a direction with a gap, and how many bytes */
		if (s->dir[0].gap_bytes)
			jb_set_bool(jb, "ts_gap", true);
		if (s->dir[1].gap_bytes)
			jb_set_bool(jb, "tc_gap", true);
		if (s->dir[0].gap_bytes || s->dir[1].gap_bytes) {
			jb_set_uint(jb, "gap_bytes_toserver", s->dir[0].gap_bytes);
			jb_set_uint(jb, "gap_bytes_toclient", s->dir[1].gap_bytes);
		}
		jb_close(jb);
	}
	eve_close(jb);
}

void eve_anomaly_decode(struct jb *jb, const struct packet *p, const char *event)
{
	open_packet(jb, p, "anomaly", true);
	jb_open_object(jb, "anomaly");
	jb_set_ascii(jb, "type", "decode");
	jb_set_str(jb, "event", event);
	jb_close(jb);
	/* not in Suricata's anomaly records, which have the outer packet's
	 * own records next to them; here an inner packet too broken for an
	 * address would otherwise name no host at all */
	if (p->tunnel_depth)
		put_tunnel(jb, p);
	eve_close(jb);
}

void eve_anomaly_stream(struct jb *jb, const struct packet *p, const struct flow *f,
			uint64_t ts, const char *event)
{
	if (p && (p->flow == f || !f)) {
		open_packet(jb, p, "anomaly", true);
	} else {
		eve_open_flow(jb, f, ts, 0, "anomaly");
		put_community_id(jb, f);
	}
	jb_open_object(jb, "anomaly");
	jb_set_ascii(jb, "type", "stream");
	jb_set_str(jb, "event", event);
	jb_close(jb);
	eve_close(jb);
}

void eve_anomaly_app(struct jb *jb, const struct packet *p, const struct flow *f,
		     const char *app_proto, const char *event)
{
	if (p && (p->flow == f || !f)) {
		open_packet(jb, p, "anomaly", true);
	} else {
		eve_open_flow(jb, f, f->last_ts, 0, "anomaly");
		put_community_id(jb, f);
	}
	if (app_proto)
		jb_set_str(jb, "app_proto", app_proto);
	jb_open_object(jb, "anomaly");
	jb_set_ascii(jb, "type", "applayer");
	jb_set_str(jb, "event", event);
	jb_set_ascii(jb, "layer", "proto_parser");
	jb_close(jb);
	eve_close(jb);
}

void eve_anomaly_defrag(struct jb *jb, const struct packet *p)
{
	eve_open_packet(jb, p, "anomaly");
	jb_open_object(jb, "anomaly");
	jb_set_ascii(jb, "type", "decode");
	jb_set_ascii(jb, "event", decode_event_names[DEC_FRAG_MEMCAP_HIT]);
	jb_set_uint(jb, "evicted", p->frag_evicted);
	jb_set_uint(jb, "dropped", p->frag_dropped);
	jb_close(jb);
	eve_close(jb);
}

void eve_tx(struct jb *jb, const struct packet *p, const struct flow *f,
	    const struct app_tx *tx)
{
	if (!f) { /* a frame without IP (APP_L2): no flow, no direction */
		eve_open_packet(jb, p, tx->proto->name);
		jb_set_str(jb, "app_proto", tx->proto->name);
	} else {
		eve_open_flow(jb, f, p ? p->ts : f->last_ts,
			      p && !(p->flags & PKT_NO_INDEX) ? p->pcap_cnt : 0, tx->proto->name);
		jb_set_str(jb, "app_proto", tx->proto->name);
		jb_set_ascii(jb, "direction", tx->dir == APP_TOSERVER ? "to_server" : "to_client");
	}
	jb_open_object(jb, tx->proto->name);
	tx->proto->log_tx(tx, jb);
	jb_close(jb);
	eve_close(jb);
}

/* The record of an alert: the packet's (or, at flow end, the flow's)
 * header, the members members() writes, the transaction, flow counters. */
static void alert_record(struct jb *jb, const struct packet *p, const struct flow *f,
			 const struct app_tx *tx, uint8_t dir, uint64_t ts,
			 void (*members)(const void *arg, struct jb *jb), const void *arg)
{
	bool cid = false; /* the flow's community_id written */
	if (p && (p->ip_ver || (p->flags & PKT_IS_L2_ICS))) {
		cid = f && p->flow == f;
		open_packet(jb, p, "alert", cid);
		if (!f && tx)
			jb_set_str(jb, "app_proto", tx->proto->name);
	} else if (f) {
		eve_open_flow(jb, f, ts, 0, "alert");
	} else {
		/* a packet without addresses (a broken one inside a tunnel) */
		jb_reset(jb);
		jb_open_object(jb, NULL);
		put_ts(jb, "timestamp", ts);
		eve_put_in_iface(jb);
		jb_set_ascii(jb, "event_type", "alert");
	}
	if (f) {
		if (!cid)
			put_community_id(jb, f);
		const char *ap = app_flow_proto_name(f);
		if (ap)
			jb_set_ascii(jb, "app_proto", ap);
		jb_set_ascii(jb, "direction", dir == 0 ? "to_server" : "to_client");
	}
	members(arg, jb);
	if (p && p->tunnel_depth)
		put_tunnel(jb, p);
	if (tx && tx->proto->log_tx) {
		jb_open_object(jb, tx->proto->name);
		tx->proto->log_tx(tx, jb);
		jb_close(jb);
	}
	if (f) {
		jb_open_object(jb, "flow");
		jb_set_uint(jb, "pkts_toserver", f->pkts[0]);
		jb_set_uint(jb, "pkts_toclient", f->pkts[1]);
		jb_set_uint(jb, "bytes_toserver", f->bytes[0]);
		jb_set_uint(jb, "bytes_toclient", f->bytes[1]);
		put_ts(jb, "start", f->start_ts);
		jb_close(jb);
	}
	eve_close(jb);
}

static void rule_members(const void *arg, struct jb *jb)
{
	detect_alert_json(((const struct detect_alert *)arg)->rule, jb);
}

void eve_alert(struct jb *jb, const struct detect_alert *a, uint64_t ts)
{
	alert_record(jb, a->p, a->f, a->tx, a->dir, ts, rule_members, a);
}

void eve_alert_with(struct jb *jb, const struct packet *p, const struct flow *f,
		    const struct app_tx *tx, uint8_t dir, uint64_t ts,
		    void (*members)(const void *arg, struct jb *jb), const void *arg)
{
	alert_record(jb, p, f, tx, dir, ts, members, arg);
}
