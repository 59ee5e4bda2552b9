/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "stats" record: counters of every stage, summed over workers, in the
 * layout of Suricata's stats event (etc/schema.json, "stats"): a counter
 * that means what one of Suricata's means has Suricata's name and place
 * (decoder.pkts, flow.total, tcp.midstream_pickups, app_layer.flow.modbus,
 * app_layer.flow.enip_udp, defrag.max_frag_hits, detect.alert ...); Vigil's
 * own counters have names Suricata does not use, in the same objects or in
 * objects of their own (capture, xdp, memcap, drops, records, workers).
 * tests/schema/vigil.schema.json describes each of them.
 */
#include "pipeline/stats.h"

#include <stdio.h>
#include <string.h>

#include "anomaly/baseline.h"
#include "output/eve.h"

static void put_nonzero(struct jb *jb, const char *key, uint64_t v)
{
	if (v)
		jb_set_uint(jb, key, v);
}

void decode_stats_add(struct decode_stats *a, const struct decode_stats *b)
{
	uint64_t *x = (uint64_t *)a;
	const uint64_t *y = (const uint64_t *)b;
	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		x[i] += y[i];
}

void defrag_stats_add(struct defrag_stats *a, const struct defrag_stats *b)
{
	uint64_t *x = (uint64_t *)a;
	const uint64_t *y = (const uint64_t *)b;
	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		x[i] += y[i];
}

/* Decoder event counters, nested as Suricata nests them:
 * "decoder.ipv4.trunc_pkt" -> decoder.event.ipv4.trunc_pkt, an event
 * without a layer ("decoder.unknown_ethertype") directly in decoder.event.
 * Vigil's "null" layer is Suricata's "ltnull" (BSD loopback). Only counters
 * that are not zero, layer by layer in the order of the event list. */
static void put_decoder_events(struct jb *jb, const uint64_t *ev)
{
	static const char pfx[] = "decoder.";
	bool done[DEC__COUNT] = { false };
	for (int e = 0; e < DEC__COUNT; e++) {
		const char *n = decode_event_names[e];
		if (done[e] || !ev[e] || !n || strncmp(n, pfx, sizeof(pfx) - 1) != 0)
			continue;
		n += sizeof(pfx) - 1;
		const char *dot = strchr(n, '.');
		if (!dot) {
			jb_set_uint(jb, n, ev[e]);
			continue;
		}
		char layer[32];
		size_t ll = (size_t)(dot - n);
		if (ll >= sizeof(layer))
			continue;
		memcpy(layer, n, ll);
		layer[ll] = '\0';
		jb_open_object(jb, strcmp(layer, "null") == 0 ? "ltnull" : layer);
		for (int k = e; k < DEC__COUNT; k++) {
			const char *m = decode_event_names[k];
			if (done[k] || !ev[k] || !m || strncmp(m, pfx, sizeof(pfx) - 1) != 0 ||
			    strncmp(m + sizeof(pfx) - 1, layer, ll) != 0 || m[sizeof(pfx) - 1 + ll] != '.')
				continue;
			jb_set_uint(jb, m + sizeof(pfx) + ll, ev[k]);
			done[k] = true;
		}
		jb_close(jb);
	}
}

/* The count of a decoder event named exactly name (0 when there is none). */
static uint64_t decoder_event(const uint64_t *ev, const char *name)
{
	for (int e = 0; e < DEC__COUNT; e++)
		if (decode_event_names[e] && strcmp(decode_event_names[e], name) == 0)
			return ev[e];
	return 0;
}

/* Per-protocol counters under Suricata's key for the protocol: its name;
 * for a protocol Suricata parses over TCP and UDP, name_tcp and name_udp
 * (enip); for one Suricata parses over TCP only that Vigil also reads over
 * UDP (modbus, dnp3), the UDP flows as name_udp. */
static void put_per_proto(struct jb *jb, const struct app_proto_counters *per, bool txs)
{
	for (size_t p = 0; p < app_n_parsers && p < APP_MAX_PROTOS; p++) {
		const struct proto_parser *pp = app_parsers[p];
		if (!pp)
			continue;
		uint64_t all = txs ? per[p].txs : per[p].flows;
		uint64_t udp = txs ? per[p].txs_udp : per[p].flows_udp;
		char key[48];
		if (!(pp->transport & APP_UDP) || !(pp->transport & APP_TCP)) {
			jb_set_uint(jb, pp->name, all);
		} else if (strcmp(pp->name, "enip") == 0) {
			snprintf(key, sizeof(key), "%s_tcp", pp->name);
			jb_set_uint(jb, key, all - udp);
			snprintf(key, sizeof(key), "%s_udp", pp->name);
			jb_set_uint(jb, key, udp);
		} else {
			jb_set_uint(jb, pp->name, all - udp);
			snprintf(key, sizeof(key), "%s_udp", pp->name);
			jb_set_uint(jb, key, udp);
		}
	}
}

void stats_record(struct jb *jb, const struct stats_input *in)
{
	struct flow_stats fs;
	memset(&fs, 0, sizeof(fs));
	struct worker_stats ws;
	memset(&ws, 0, sizeof(ws));
	struct app_proto_counters per[APP_MAX_PROTOS];
	memset(per, 0, sizeof(per));
	struct app_counters frame;
	memset(&frame, 0, sizeof(frame));
	uint64_t app_failed = 0, app_failed_udp = 0, app_memcap_hits = 0;
	for (int i = 0; i < in->n_workers; i++) {
		const struct worker *w = in->workers[i];
		struct flow_stats f;
		flow_get_stats(w->ft, &f);
		const uint64_t *a = (const uint64_t *)&f;
		uint64_t *s = (uint64_t *)&fs;
		for (size_t k = 0; k < sizeof(f) / sizeof(uint64_t); k++)
			s[k] += a[k];
		const uint64_t *wa = (const uint64_t *)&w->st;
		uint64_t *wsum = (uint64_t *)&ws;
		for (size_t k = 0; k < sizeof(ws) / sizeof(uint64_t); k++)
			wsum[k] += wa[k];
		for (size_t p = 0; p < app_n_parsers && p < APP_MAX_PROTOS; p++) {
			per[p].flows += w->al.per[p].flows;
			per[p].pdus += w->al.per[p].pdus;
			per[p].txs += w->al.per[p].txs;
			per[p].events += w->al.per[p].events;
			per[p].flows_udp += w->al.per[p].flows_udp;
			per[p].txs_udp += w->al.per[p].txs_udp;
		}
		frame.resyncs += w->al.frame.resyncs;
		frame.too_large += w->al.frame.too_large;
		frame.gaps += w->al.frame.gaps;
		frame.truncated += w->al.frame.truncated;
		app_failed += w->al.failed;
		app_failed_udp += w->al.failed_udp;
		app_memcap_hits += w->al.mem.memcap_hits;
	}

	jb_reset(jb);
	jb_open_object(jb, NULL);
	char ts[40];
	eve_format_ts(ts, in->ts);
	jb_set_str(jb, "timestamp", ts);
	jb_set_str(jb, "event_type", "stats");
	jb_open_object(jb, "stats");

	/* what the source delivered: Suricata's capture.kernel_* live (as its
	 * pcap source names them), Vigil's packets, bytes and files */
	const struct capture_stats *cs = &in->capture;
	jb_open_object(jb, "capture");
	jb_set_uint(jb, "packets", cs->packets);
	jb_set_uint(jb, "bytes", cs->bytes);
	if (in->live) {
		jb_set_uint(jb, "kernel_packets", cs->kernel_received);
		jb_set_uint(jb, "kernel_drops", cs->kernel_drops);
		jb_set_uint(jb, "kernel_ifdrops", cs->iface_drops);
	} else {
		jb_set_uint(jb, "files", cs->files);
		jb_set_uint(jb, "truncated_files", cs->truncated_files);
	}
	jb_close(jb);

	if (in->n_xdp) {
		jb_open_object(jb, "xdp");
		for (int i = 0; i < in->n_xdp; i++)
			jb_set_uint(jb, in->xdp_names[i], in->xdp_vals[i]);
		jb_set_bool(jb, "zerocopy", in->xdp_zerocopy);
		jb_close(jb);
	}

	const struct decode_stats *d = &in->decoder;
	jb_open_object(jb, "decoder");
	jb_set_uint(jb, "pkts", d->pkts);
	jb_set_uint(jb, "bytes", d->bytes);
	jb_set_uint(jb, "invalid", d->invalid);
	jb_set_uint(jb, "ethernet", d->ethernet);
	put_nonzero(jb, "sll", d->sll);
	put_nonzero(jb, "null", d->null_loop);
	put_nonzero(jb, "raw", d->raw);
	jb_set_uint(jb, "vlan", d->vlan);
	jb_set_uint(jb, "vlan_qinq", d->vlan_qinq);
	jb_set_uint(jb, "ipv4", d->ipv4);
	jb_set_uint(jb, "ipv6", d->ipv6);
	jb_set_uint(jb, "tcp", d->tcp);
	jb_set_uint(jb, "udp", d->udp);
	jb_set_uint(jb, "icmpv4", d->icmpv4);
	jb_set_uint(jb, "icmpv6", d->icmpv6);
	/* Vigil's own: frames of ARP and of the industrial EtherTypes, IP
	 * packets of other protocols, IPv4 headers with a bad checksum */
	jb_set_uint(jb, "arp", d->arp);
	jb_set_uint(jb, "other_ip", d->other_ip);
	jb_set_uint(jb, "goose", d->goose);
	put_nonzero(jb, "sv", d->sv);
	jb_set_uint(jb, "profinet", d->profinet);
	jb_set_uint(jb, "ethercat", d->ethercat);
	jb_set_uint(jb, "other_l2", d->other_l2);
	jb_set_uint(jb, "gre", d->gre);
	jb_set_uint(jb, "erspan", d->erspan);
	jb_set_uint(jb, "vxlan", d->vxlan);
	jb_set_uint(jb, "mpls", d->mpls);
	jb_set_uint(jb, "ipv4_csum_bad", d->ipv4_csum_bad);
	jb_open_object(jb, "event");
	put_decoder_events(jb, d->events);
	jb_close(jb);
	jb_close(jb);

	/* Suricata counts fragments per IP version (defrag.ipv4.fragments);
	 * Vigil's counters are for both versions together, under names of
	 * their own next to Suricata's max_frag_hits */
	const struct defrag_stats *df = &in->defrag;
	jb_open_object(jb, "defrag");
	jb_set_uint(jb, "max_frag_hits", decoder_event(d->events, "defrag.max_frag_hit"));
	jb_set_uint(jb, "fragments", df->fragments);
	jb_set_uint(jb, "reassembled", df->reassembled);
	jb_set_uint(jb, "timeouts", df->timeouts);
	jb_set_uint(jb, "overlaps", df->overlaps);
	jb_set_uint(jb, "too_large", df->too_large);
	jb_set_uint(jb, "memcap_drops", df->memcap_drops);
	/* only when there were any: the expected records of captures without
	 * a fragment flood stay as they were */
	put_nonzero(jb, "memcap_evictions", df->memcap_evictions);
	jb_set_uint(jb, "tracker_drops", df->tracker_drops);
	jb_close(jb);

	/* memcap: times the flow memcap was hit; get_used: flows evicted to
	 * make room (Suricata takes a used flow); get_used_failed: new flows
	 * that found no room */
	jb_open_object(jb, "flow");
	jb_set_uint(jb, "total", fs.created);
	jb_set_uint(jb, "tcp", fs.tcp);
	jb_set_uint(jb, "udp", fs.udp);
	jb_set_uint(jb, "memcap", fs.memcap_evictions + fs.memcap_failures);
	jb_set_uint(jb, "get_used", fs.memcap_evictions);
	jb_set_uint(jb, "get_used_failed", fs.memcap_failures);
	jb_set_uint(jb, "icmp", fs.icmp);
	jb_set_uint(jb, "other", fs.other);
	jb_set_uint(jb, "timeouts", fs.timeouts);
	jb_set_uint(jb, "no_flow_pkts", ws.no_flow);
	jb_close(jb);

	jb_open_object(jb, "tcp");
	jb_set_uint(jb, "midstream_pickups", fs.midstream);
	jb_set_uint(jb, "overlap", fs.overlaps);
	jb_set_uint(jb, "overlap_diff_data", fs.overlaps_diff);
	jb_set_uint(jb, "reassembly_gap", fs.gaps);
	jb_set_uint(jb, "reassembled_bytes", fs.stream_bytes);
	jb_set_uint(jb, "retransmissions", fs.retransmissions);
	jb_set_uint(jb, "ooo_segments", fs.ooo_segments);
	jb_set_uint(jb, "gap_bytes", fs.gap_bytes);
	jb_set_uint(jb, "memcap_hits", fs.stream_memcap_hits);
	jb_close(jb);

	/* stream events, as Suricata counts them with stream-events on:
	 * "stream.pkt_retransmission" -> stream.pkt_retransmission */
	static const char spfx[] = "stream.";
	jb_open_object(jb, "stream");
	for (int e = 0; e < STREAM_EV__COUNT; e++) {
		const char *n = stream_event_names[e];
		if (fs.events[e] && n)
			jb_set_uint(jb, strncmp(n, spfx, sizeof(spfx) - 1) == 0 ? n + sizeof(spfx) - 1 : n,
				    fs.events[e]);
	}
	jb_close(jb);

	jb_open_object(jb, "app_layer");
	jb_open_object(jb, "flow");
	put_per_proto(jb, per, false);
	jb_set_uint(jb, "failed_tcp", app_failed - app_failed_udp);
	jb_set_uint(jb, "failed_udp", app_failed_udp);
	jb_close(jb);
	jb_open_object(jb, "tx");
	put_per_proto(jb, per, true);
	jb_close(jb);
	/* Vigil's own: PDUs and events per protocol, the framing core's
	 * counters, and the layer-2 parsers' counters (see app.h) */
	jb_open_object(jb, "pdu");
	for (size_t p = 0; p < app_n_parsers; p++)
		if (app_parsers[p])
			jb_set_uint(jb, app_parsers[p]->name, per[p].pdus);
	jb_close(jb);
	jb_open_object(jb, "event");
	for (size_t p = 0; p < app_n_parsers; p++)
		if (app_parsers[p])
			jb_set_uint(jb, app_parsers[p]->name, per[p].events);
	jb_close(jb);
	for (size_t p = 0; p < app_n_parsers && p < APP_MAX_PROTOS; p++) {
		const struct proto_parser *pp = app_parsers[p];
		if (!pp || !pp->stats || !pp->n_stats || !pp->stats_names)
			continue;
		uint64_t sum[32] = { 0 }, v[32];
		size_t n = pp->n_stats < 32 ? pp->n_stats : 32;
		bool any = false;
		for (int i = 0; i < in->n_workers; i++) {
			const void *st = in->workers[i]->al.l2_state[p];
			if (!st)
				continue;
			any = true;
			memset(v, 0, sizeof(v));
			pp->stats(st, v, n);
			for (size_t k = 0; k < n; k++)
				sum[k] += v[k];
		}
		if (!any)
			continue;
		jb_open_object(jb, pp->name);
		for (size_t k = 0; k < n; k++)
			jb_set_uint(jb, pp->stats_names[k], sum[k]);
		jb_close(jb);
	}
	jb_set_uint(jb, "resyncs", frame.resyncs);
	jb_set_uint(jb, "pdu_too_large", frame.too_large);
	jb_set_uint(jb, "gaps", frame.gaps);
	jb_set_uint(jb, "truncated", frame.truncated);
	jb_close(jb);

	jb_open_object(jb, "detect");
	jb_set_uint(jb, "alert", ws.alerts);
	jb_set_uint(jb, "alerts_suppressed", in->alerts_suppressed);
	jb_close(jb);

	if (in->baseline) {
		struct bl_worker_stats bs, one;
		memset(&bs, 0, sizeof(bs));
		for (int i = 0; i < in->n_workers; i++) {
			bl_worker_stats_get(in->workers[i]->bl, &one);
			bl_worker_stats_add(&bs, &one);
		}
		struct bl_dedup_stats ds;
		bl_dedup_stats_get(in->bl_dedup, &ds);
		bl_stats_json(jb, &bs, &ds, bl_model_conversations(in->baseline));
	}

	jb_open_object(jb, "memcap");
	jb_set_uint(jb, "flow_hits", fs.memcap_evictions + fs.memcap_failures);
	jb_set_uint(jb, "stream_hits", fs.stream_memcap_hits);
	jb_set_uint(jb, "defrag_hits", df->memcap_drops + df->memcap_evictions);
	jb_set_uint(jb, "app_hits", app_memcap_hits);
	if (in->live) /* depends on how flows spread over workers */
		jb_set_uint(jb, "flow_mem_peak", fs.mem_peak);
	jb_close(jb);

	if (in->live) {
		/* per worker: how the load spreads and where it backs up */
		jb_open_array(jb, "workers");
		for (int i = 0; i < in->n_workers; i++) {
			const struct worker *w = in->workers[i];
			struct flow_stats f;
			flow_get_stats(w->ft, &f);
			jb_open_object(jb, NULL);
			jb_set_uint(jb, "id", (uint64_t)i);
			jb_set_uint(jb, "packets", w->st.pkts);
			jb_set_uint(jb, "bytes", w->st.bytes);
			jb_set_uint(jb, "flows_active", f.active);
			jb_set_uint(jb, "alerts", w->st.alerts);
			if (in->ring_size && in->ring_size[i]) {
				jb_set_uint(jb, "ring_used", in->ring_used[i]);
				jb_set_uint(jb, "ring_size", in->ring_size[i]);
			}
			if (in->worker_ring_drops)
				jb_set_uint(jb, "ring_drops", in->worker_ring_drops[i]);
			jb_close(jb);
		}
		jb_close(jb);
	}

	jb_open_object(jb, "drops");
	jb_set_uint(jb, "kernel", cs->kernel_drops + cs->iface_drops);
	jb_set_uint(jb, "ring", in->ring_drops);
	jb_set_uint(jb, "no_flow", ws.no_flow);
	jb_set_uint(jb, "records_truncated", ws.records_truncated);
	jb_close(jb);

	jb_open_object(jb, "records");
	jb_set_uint(jb, "total", ws.records);
	jb_set_uint(jb, "flow", ws.flow_records);
	jb_set_uint(jb, "anomaly_events", ws.anomalies);
	jb_close(jb);

	if (in->assets)
		assets_stats_json(jb, in->assets);

	jb_close(jb);
	eve_put_sensor_tail(jb);
	jb_close(jb);
}
