/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "stats" record: counters of every stage, summed over workers, in the
 * layout of Suricata's stats event where a counterpart exists.
 */
#include "pipeline/stats.h"

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
	uint64_t app_failed = 0, app_memcap_hits = 0;
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
		}
		frame.resyncs += w->al.frame.resyncs;
		frame.too_large += w->al.frame.too_large;
		frame.gaps += w->al.frame.gaps;
		frame.truncated += w->al.frame.truncated;
		app_failed += w->al.failed;
		app_memcap_hits += w->al.mem.memcap_hits;
	}

	jb_reset(jb);
	jb_open_object(jb, NULL);
	char ts[40];
	eve_format_ts(ts, in->ts);
	jb_set_str(jb, "timestamp", ts);
	jb_set_str(jb, "event_type", "stats");
	jb_open_object(jb, "stats");

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
	jb_set_uint(jb, "arp", d->arp);
	jb_set_uint(jb, "ipv4", d->ipv4);
	jb_set_uint(jb, "ipv6", d->ipv6);
	jb_set_uint(jb, "tcp", d->tcp);
	jb_set_uint(jb, "udp", d->udp);
	jb_set_uint(jb, "icmpv4", d->icmpv4);
	jb_set_uint(jb, "icmpv6", d->icmpv6);
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
	for (int e = 0; e < DEC__COUNT; e++)
		put_nonzero(jb, decode_event_names[e], d->events[e]);
	jb_close(jb);
	jb_close(jb);

	const struct defrag_stats *df = &in->defrag;
	jb_open_object(jb, "defrag");
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

	jb_open_object(jb, "flow");
	jb_set_uint(jb, "total", fs.created);
	jb_set_uint(jb, "tcp", fs.tcp);
	jb_set_uint(jb, "udp", fs.udp);
	jb_set_uint(jb, "icmp", fs.icmp);
	jb_set_uint(jb, "other", fs.other);
	jb_set_uint(jb, "timeouts", fs.timeouts);
	jb_set_uint(jb, "memcap_evictions", fs.memcap_evictions);
	jb_set_uint(jb, "memcap_failures", fs.memcap_failures);
	jb_set_uint(jb, "no_flow_pkts", ws.no_flow);
	jb_close(jb);

	jb_open_object(jb, "tcp");
	jb_set_uint(jb, "midstream", fs.midstream);
	jb_set_uint(jb, "reassembled_bytes", fs.stream_bytes);
	jb_set_uint(jb, "retransmissions", fs.retransmissions);
	jb_set_uint(jb, "overlaps", fs.overlaps);
	jb_set_uint(jb, "overlaps_diff_data", fs.overlaps_diff);
	jb_set_uint(jb, "ooo_segments", fs.ooo_segments);
	jb_set_uint(jb, "gaps", fs.gaps);
	jb_set_uint(jb, "gap_bytes", fs.gap_bytes);
	jb_set_uint(jb, "memcap_hits", fs.stream_memcap_hits);
	jb_open_object(jb, "event");
	for (int e = 0; e < STREAM_EV__COUNT; e++)
		put_nonzero(jb, stream_event_names[e], fs.events[e]);
	jb_close(jb);
	jb_close(jb);

	jb_open_object(jb, "app_layer");
	jb_open_object(jb, "flow");
	for (size_t p = 0; p < app_n_parsers; p++)
		if (app_parsers[p])
			jb_set_uint(jb, app_parsers[p]->name, per[p].flows);
	jb_set_uint(jb, "failed", app_failed);
	jb_close(jb);
	jb_open_object(jb, "pdu");
	for (size_t p = 0; p < app_n_parsers; p++)
		if (app_parsers[p])
			jb_set_uint(jb, app_parsers[p]->name, per[p].pdus);
	jb_close(jb);
	jb_open_object(jb, "tx");
	for (size_t p = 0; p < app_n_parsers; p++)
		if (app_parsers[p])
			jb_set_uint(jb, app_parsers[p]->name, per[p].txs);
	jb_close(jb);
	jb_open_object(jb, "event");
	for (size_t p = 0; p < app_n_parsers; p++)
		if (app_parsers[p])
			jb_set_uint(jb, app_parsers[p]->name, per[p].events);
	jb_close(jb);
	/* counters of the layer-2 parsers that saw frames (see app.h) */
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
	jb_close(jb);
}
