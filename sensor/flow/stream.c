/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP reassembly: per direction, in-order delivery of bytes to the
 * application layer as soon as they are contiguous (the alert belongs to the
 * packet that completes a PDU, not to the ACK that follows).
 *
 * Policy (documented in README.md, "TCP reassembly"):
 * - First wins. Bytes already delivered or already queued are kept; a
 *   retransmission or overlap carrying different bytes raises
 *   stream.reassembly_overlap_different_data. Delivered bytes are not kept;
 *   a retransmission of one of the last STREAM_PRINTS delivered segments
 *   (same seq and length) is compared through a checksum of its bytes.
 * - Out-of-order segments wait in a sorted queue, bounded per direction
 *   (segments and bytes) and in total (stream memcap). When a bound is hit,
 *   or the flow ends, the hole is declared lost: the application layer is
 *   told (gap) and resynchronises.
 * - The peer acknowledging bytes we never saw is not proof enough (a SPAN
 *   port or a man in the middle may show the data late): the hole is
 *   declared lost when the acknowledgement covers data we hold beyond it,
 *   when data beyond it arrives, or when a second such acknowledgement
 *   finds it still open.
 * - Midstream pickup: without a SYN the first segment seen sets the start.
 * - FIN and RST move the TCP state; data after them is still inspected.
 */
#include "flow/flow.h"

#include <stdlib.h>
#include <string.h>

const char *const stream_event_names[STREAM_EV__COUNT] = {
	[STREAM_EV_RETRANSMISSION] = "stream.pkt_retransmission",
	[STREAM_EV_OVERLAP_DIFFERENT_DATA] = "stream.reassembly_overlap_different_data",
	[STREAM_EV_SEQ_GAP] = "stream.reassembly_seq_gap",
	[STREAM_EV_MEMCAP] = "stream.reassembly_memcap",
	[STREAM_EV_SEGMENT_LIMIT] = "stream.reassembly_segment_limit",
	[STREAM_EV_DATA_AFTER_CLOSE] = "stream.data_after_close",
	[STREAM_EV_3WHS_SYNACK_IN_WRONG_DIRECTION] = "stream.3whs_synack_in_wrong_direction",
	[STREAM_EV_3WHS_SYNACK_WITH_WRONG_ACK] = "stream.3whs_synack_with_wrong_ack",
	[STREAM_EV_3WHS_SYNACK_TOSERVER_ON_SYN_RECV] = "stream.3whs_synack_toserver_on_syn_recv",
	[STREAM_EV_3WHS_SYNACK_RESEND_WITH_DIFF_ACK] = "stream.3whs_synack_resend_with_diff_ack",
	[STREAM_EV_3WHS_SYNACK_RESEND_WITH_DIFF_SEQ] = "stream.3whs_synack_resend_with_diff_seq",
	[STREAM_EV_3WHS_SYN_TOCLIENT_ON_SYN_RECV] = "stream.3whs_syn_toclient_on_syn_recv",
	[STREAM_EV_3WHS_SYN_RESEND_DIFF_SEQ_ON_SYN_RECV] = "stream.3whs_syn_resend_diff_seq_on_syn_recv",
	[STREAM_EV_3WHS_RIGHT_SEQ_WRONG_ACK_EVASION] = "stream.3whs_right_seq_wrong_ack_evasion",
	[STREAM_EV_3WHS_WRONG_SEQ_WRONG_ACK] = "stream.3whs_wrong_seq_wrong_ack",
	[STREAM_EV_4WHS_SYNACK_WITH_WRONG_ACK] = "stream.4whs_synack_with_wrong_ack",
	[STREAM_EV_4WHS_SYNACK_WITH_WRONG_SYN] = "stream.4whs_synack_with_wrong_syn",
	[STREAM_EV_EST_SYNACK_TOSERVER] = "stream.est_synack_toserver",
	[STREAM_EV_EST_SYNACK_RESEND] = "stream.est_synack_resend",
	[STREAM_EV_EST_SYNACK_RESEND_WITH_DIFF_ACK] = "stream.est_synack_resend_with_diff_ack",
	[STREAM_EV_EST_SYNACK_RESEND_WITH_DIFF_SEQ] = "stream.est_synack_resend_with_diff_seq",
	[STREAM_EV_EST_SYN_TOCLIENT] = "stream.est_syn_toclient",
	[STREAM_EV_EST_SYN_RESEND] = "stream.est_syn_resend",
	[STREAM_EV_EST_SYN_RESEND_DIFF_SEQ] = "stream.est_syn_resend_diff_seq",
	[STREAM_EV_SHUTDOWN_SYN_RESEND] = "stream.shutdown_syn_resend",
	[STREAM_EV_FIN_BUT_NO_SESSION] = "stream.fin_but_no_session",
	[STREAM_EV_RST_BUT_NO_SESSION] = "stream.rst_but_no_session",
	[STREAM_EV_PKT_BROKEN_ACK] = "stream.pkt_broken_ack",
};

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)

static void ev(struct flow_table *ft, struct flow *f, struct packet *p, enum stream_event e)
{
	flow_table_stats(ft)->events[e]++;
	if (p)
		packet_stream_event(p, e); /* for stream-event rules */
	const struct flow_callbacks *cb = flow_table_callbacks(ft);
	if (cb->event)
		cb->event(cb->user, f, p, e);
}

/* A 16-bit fingerprint of a delivered segment's bytes (to tell a retransmission
 * with other data): two independent multiply lanes over 16-byte steps, the
 * tail zero-padded into one last step. */
uint16_t stream_seg_sum(const uint8_t *b, uint32_t len)
{
	uint64_t h1 = 0x9e3779b97f4a7c15ull ^ len, h2 = 0xc2b2ae3d27d4eb4full;
	uint32_t i = 0;
	for (; i + 16 <= len; i += 16) {
		uint64_t x, y;
		memcpy(&x, b + i, 8);
		memcpy(&y, b + i + 8, 8);
		h1 = (h1 ^ x) * 0xff51afd7ed558ccdull;
		h2 = (h2 ^ y) * 0xc4ceb9fe1a85ec53ull;
		h1 ^= h1 >> 32;
		h2 ^= h2 >> 29;
	}
	if (i < len) {
		/* the tail, zero-padded: read with loads that end at the last
		 * byte (never past it) and shifted, rather than through a
		 * memcpy of variable length (a byte loop, with a profile) */
		uint32_t rem = len - i;
		uint64_t t0 = 0, t1 = 0;
		if (len >= 8) {
			uint64_t last;
			memcpy(&last, b + len - 8, 8);
			if (rem > 8) {
				memcpy(&t0, b + i, 8);
				t1 = last >> (8 * (16 - rem));
			} else {
				t0 = last >> (8 * (8 - rem));
			}
		} else {
			for (uint32_t k = 0; k < rem; k++)
				t0 |= (uint64_t)b[i + k] << (8 * k);
		}
		h1 = (h1 ^ t0) * 0xff51afd7ed558ccdull;
		h2 = (h2 ^ t1) * 0xc4ceb9fe1a85ec53ull;
	}
	uint64_t h = h1 ^ (h2 >> 7) ^ (h2 << 13);
	h ^= h >> 29;
	return (uint16_t)(h ^ (h >> 16) ^ (h >> 32) ^ (h >> 48));
}

/* The fingerprint of b: the packet's own when b is its whole payload and the
 * capture thread computed it already. */
static uint16_t seg_sum(const struct packet *p, const uint8_t *b, uint32_t len)
{
	if (p && (p->flags & PKT_PAYLOAD_SUM) && b == p->payload && len == p->payload_len)
		return p->payload_sum;
	return stream_seg_sum(b, len);
}

static void deliver(struct flow_table *ft, struct flow *f, struct packet *p, uint8_t d,
		    const uint8_t *b, uint32_t len)
{
	struct stream_dir *sd = &f->tcp->dir[d];
	if (len == 0)
		return;
	if (len <= 0xffff) {
		struct seg_print *pr = &sd->prints[sd->print_next++ % STREAM_PRINTS];
		pr->seq = sd->next_seq;
		pr->len = (uint16_t)len;
		pr->sum = seg_sum(p, b, len);
	}
	sd->next_seq += len;
	sd->delivered += len;
	flow_table_stats(ft)->stream_bytes += len;
	const struct flow_callbacks *cb = flow_table_callbacks(ft);
	if (cb->data)
		cb->data(cb->user, f, p, d, b, len);
}

static void report_gap(struct flow_table *ft, struct flow *f, struct packet *p, uint8_t d,
		       uint32_t len)
{
	struct stream_dir *sd = &f->tcp->dir[d];
	struct flow_stats *st = flow_table_stats(ft);
	st->gaps++;
	st->gap_bytes += len;
	sd->gap_bytes += len;
	sd->next_seq += len;
	ev(ft, f, p, STREAM_EV_SEQ_GAP);
	const struct flow_callbacks *cb = flow_table_callbacks(ft);
	if (cb->gap)
		cb->gap(cb->user, f, p, d, len);
}

static void seg_free(struct flow_table *ft, struct stream_dir *sd, struct tcp_seg *s)
{
	sd->n_ooo--;
	sd->ooo_bytes -= s->len;
	flow_table_stats(ft)->stream_mem_used -= sizeof(*s) + s->len;
	free(s);
}

/* Delivers queued segments that have become contiguous. */
static void drain(struct flow_table *ft, struct flow *f, struct packet *p, uint8_t d)
{
	struct stream_dir *sd = &f->tcp->dir[d];
	while (sd->ooo && SEQ_LEQ(sd->ooo->seq, sd->next_seq)) {
		struct tcp_seg *s = sd->ooo;
		sd->ooo = s->next;
		uint32_t end = s->seq + s->len;
		if (SEQ_GT(end, sd->next_seq)) {
			uint32_t skip = sd->next_seq - s->seq;
			deliver(ft, f, p, d, s->data + skip, s->len - skip);
		}
		seg_free(ft, sd, s);
	}
}

/* Declares everything before seq lost: gap up to the first queued byte,
 * deliver what follows, repeat until seq is reached. */
static void skip_to(struct flow_table *ft, struct flow *f, struct packet *p, uint8_t d, uint32_t seq)
{
	struct stream_dir *sd = &f->tcp->dir[d];
	while (SEQ_LT(sd->next_seq, seq)) {
		uint32_t until = seq;
		if (sd->ooo && SEQ_LT(sd->ooo->seq, until))
			until = sd->ooo->seq;
		if (SEQ_GT(until, sd->next_seq))
			report_gap(ft, f, p, d, until - sd->next_seq);
		drain(ft, f, p, d);
		if (!sd->ooo && SEQ_GEQ(sd->next_seq, seq))
			break;
		if (!sd->ooo && SEQ_LT(sd->next_seq, seq)) {
			report_gap(ft, f, p, d, seq - sd->next_seq);
			break;
		}
	}
	drain(ft, f, p, d);
}

/* Gives up on every hole of direction d: delivers all queued data. */
static void flush_dir(struct flow_table *ft, struct flow *f, struct packet *p, uint8_t d)
{
	struct stream_dir *sd = &f->tcp->dir[d];
	while (sd->ooo) {
		if (SEQ_GT(sd->ooo->seq, sd->next_seq))
			report_gap(ft, f, p, d, sd->ooo->seq - sd->next_seq);
		drain(ft, f, p, d);
	}
}

void stream_flush(struct flow_table *ft, struct flow *f, struct packet *p)
{
	flush_dir(ft, f, p, 0);
	flush_dir(ft, f, p, 1);
}

/* Queues a segment that starts after next_seq. First wins: bytes already
 * queued override the new ones (compared, event when they differ). */
static void enqueue(struct flow_table *ft, struct flow *f, struct packet *p, uint8_t d,
		    uint32_t seq, const uint8_t *b, uint32_t len)
{
	struct stream_dir *sd = &f->tcp->dir[d];
	struct flow_stats *st = flow_table_stats(ft);
	const struct flow_config *cfg = flow_table_config(ft);

	/* an exact duplicate of a queued segment is a plain retransmission */
	uint32_t lo = seq, hi = seq + len;
	bool overlap = false, differ = false;
	for (struct tcp_seg *s = sd->ooo; s; s = s->next) {
		uint32_t s_end = s->seq + s->len;
		if (SEQ_LEQ(s_end, seq) || SEQ_GEQ(s->seq, seq + len))
			continue;
		overlap = true;
		uint32_t a = SEQ_GT(s->seq, seq) ? s->seq : seq;
		uint32_t z = SEQ_LT(s_end, seq + len) ? s_end : seq + len;
		if (memcmp(s->data + (a - s->seq), b + (a - seq), z - a) != 0)
			differ = true;
		if (SEQ_LT(s->seq, lo))
			lo = s->seq;
		if (SEQ_GT(s_end, hi))
			hi = s_end;
	}
	if (overlap) {
		st->overlaps++;
		if (differ) {
			st->overlaps_diff++;
			ev(ft, f, p, STREAM_EV_OVERLAP_DIFFERENT_DATA);
		} else {
			st->retransmissions++;
			ev(ft, f, p, STREAM_EV_RETRANSMISSION);
		}
	}

	uint32_t mlen = hi - lo;
	bool over_segs = sd->n_ooo >= cfg->stream_max_ooo_segs;
	bool over_bytes = sd->ooo_bytes + mlen > cfg->stream_max_ooo_bytes;
	bool over_mem = st->stream_mem_used + sizeof(struct tcp_seg) + mlen > cfg->stream_memcap;
	if (over_segs || over_bytes || over_mem) {
		/* stop waiting for the hole: it is lost */
		if (over_mem) {
			st->stream_memcap_hits++;
			ev(ft, f, p, STREAM_EV_MEMCAP);
		} else {
			ev(ft, f, p, STREAM_EV_SEGMENT_LIMIT);
		}
		flush_dir(ft, f, p, d);
		if (SEQ_GT(seq, sd->next_seq))
			report_gap(ft, f, p, d, seq - sd->next_seq);
		if (SEQ_GT(seq + len, sd->next_seq)) {
			uint32_t skip = sd->next_seq - seq;
			deliver(ft, f, p, d, b + skip, len - skip);
		}
		return;
	}

	/* merge the new segment with every queued one it touches */
	struct tcp_seg *m = malloc(sizeof(*m) + mlen);
	if (!m) {
		st->stream_memcap_hits++;
		ev(ft, f, p, STREAM_EV_MEMCAP);
		return;
	}
	m->seq = lo;
	m->len = mlen;
	memcpy(m->data + (seq - lo), b, len);
	struct tcp_seg **pp = &sd->ooo;
	while (*pp) {
		struct tcp_seg *s = *pp;
		uint32_t s_end = s->seq + s->len;
		if (SEQ_LEQ(s_end, seq) || SEQ_GEQ(s->seq, seq + len)) {
			pp = &s->next;
			continue;
		}
		memcpy(m->data + (s->seq - lo), s->data, s->len); /* first wins */
		*pp = s->next;
		seg_free(ft, sd, s);
	}
	/* insert sorted */
	pp = &sd->ooo;
	while (*pp && SEQ_LT((*pp)->seq, m->seq))
		pp = &(*pp)->next;
	m->next = *pp;
	*pp = m;
	sd->n_ooo++;
	sd->ooo_bytes += mlen;
	st->stream_mem_used += sizeof(*m) + mlen;
	st->ooo_segments++;
}

static void handle_data(struct flow_table *ft, struct flow *f, struct packet *p, uint8_t d,
			uint32_t seq, const uint8_t *b, uint32_t len)
{
	struct stream_dir *sd = &f->tcp->dir[d];
	struct flow_stats *st = flow_table_stats(ft);
	if (!sd->seq_known) {
		sd->seq_known = 1;
		sd->next_seq = seq;
		sd->midstream = 1;
		if (!f->tcp->dir[!d].midstream && !f->tcp->dir[!d].syn_seen)
			st->midstream++;
	}
	if (f->tcp->state == TCPS_CLOSED)
		ev(ft, f, p, STREAM_EV_DATA_AFTER_CLOSE);
	uint32_t end = seq + len;
	if (SEQ_LEQ(end, sd->next_seq)) {
		/* all old: a retransmission; compare with what we delivered */
		bool differ = false;
		int sum = -1;
		for (int i = 0; i < STREAM_PRINTS; i++) {
			const struct seg_print *pr = &sd->prints[i];
			if (pr->len && pr->seq == seq && pr->len == len) {
				if (sum < 0)
					sum = seg_sum(p, b, len);
				if (pr->sum != sum)
					differ = true;
			}
		}
		if (differ) {
			st->overlaps++;
			st->overlaps_diff++;
			ev(ft, f, p, STREAM_EV_OVERLAP_DIFFERENT_DATA);
		} else {
			st->retransmissions++;
			ev(ft, f, p, STREAM_EV_RETRANSMISSION);
		}
		return;
	}
	if (SEQ_LT(seq, sd->next_seq)) {
		/* starts with old bytes: keep ours (first wins), take the rest */
		uint32_t skip = sd->next_seq - seq;
		st->overlaps++;
		seq += skip;
		b += skip;
		len -= skip;
	}
	if (seq == sd->next_seq) {
		deliver(ft, f, p, d, b, len);
		drain(ft, f, p, d);
		if (sd->ack_ahead && SEQ_GEQ(sd->next_seq, sd->acked))
			sd->ack_ahead = 0;
		return;
	}
	enqueue(ft, f, p, d, seq, b, len);
	if (sd->ack_ahead && sd->ooo && SEQ_GT(seq, sd->next_seq)) {
		/* data beyond a hole the peer has acknowledged: it is lost */
		sd->ack_ahead = 0;
		skip_to(ft, f, p, d, seq);
	}
}

static void update_state(struct flow_table *ft, struct flow *f)
{
	struct tcp_session *s = f->tcp;
	enum flow_state fs = FLOW_STATE_NEW;
	switch (s->state) {
	case TCPS_ESTABLISHED:
	case TCPS_FIN_WAIT:
		fs = FLOW_STATE_ESTABLISHED;
		break;
	case TCPS_CLOSED:
		fs = FLOW_STATE_CLOSED;
		break;
	default:
		/* midstream flows with traffic both ways count as established */
		if (f->pkts[0] && f->pkts[1] && (s->dir[0].midstream || s->dir[1].midstream))
			fs = FLOW_STATE_ESTABLISHED;
		break;
	}
	if (f->state != fs) {
		f->state = (uint8_t)fs;
		flow_reclass(ft, f);
	}
}

/* Checks on the packets that are not plain ACKs of known data (out of the
 * per-packet path): an ACK number without the ACK flag (broken stacks, load
 * balancers, crafted packets), a flow whose first packet closes it. */
static __attribute__((noinline)) void odd_packet_events(struct flow_table *ft, struct flow *f,
							struct packet *p)
{
	uint8_t fl = p->tcp_flags;
	if (!(fl & TCPF_ACK) && p->tcp_ack != 0)
		ev(ft, f, p, STREAM_EV_PKT_BROKEN_ACK);
	if (!(fl & TCPF_SYN) && f->pkts[0] + f->pkts[1] == 1) {
		if (fl & TCPF_RST)
			ev(ft, f, p, STREAM_EV_RST_BUT_NO_SESSION);
		else if (fl & TCPF_FIN)
			ev(ft, f, p, STREAM_EV_FIN_BUT_NO_SESSION);
	}
}

/* A SYN or SYN/ACK against the state the handshake is in (Suricata's
 * stream events of its SYN_SENT, SYN_RECV, ESTABLISHED and closing states;
 * its SYN and SYN/ACK queues are not kept: a SYN resent with another
 * sequence number before any SYN/ACK is no event, as there). Called before
 * the packet changes the state. Out of line, as odd_packet_events. */
static __attribute__((noinline)) void syn_events(struct flow_table *ft, struct flow *f,
						 struct packet *p, uint8_t d)
{
	struct tcp_session *s = f->tcp;
	struct stream_dir *cli = &s->dir[0], *srv = &s->dir[1];
	bool synack = p->tcp_flags & TCPF_ACK;
	/* the server's packets before this one that were not SYN/ACKs: some
	 * ACK of the handshake (Suricata: the handshake is confirmed) */
	bool confirmed = f->pkts[1] - 1 > srv->synacks && srv->synacks < 3;
	if (synack && d == 1 && srv->synacks < 3)
		srv->synacks++;
	uint32_t seq = p->tcp_seq, ack = p->tcp_ack;
	enum stream_event e = STREAM_EV__COUNT;
	switch (s->state) {
	case TCPS_SYN_SENT:
		if (!synack)
			break; /* resent, or the server's own SYN (4-way handshake) */
		if (d == 1) {
			if (cli->syn_seen && ack != cli->isn + 1)
				e = STREAM_EV_3WHS_SYNACK_WITH_WRONG_ACK;
		} else if (!srv->syn_seen) {
			e = STREAM_EV_3WHS_SYNACK_IN_WRONG_DIRECTION;
		} else if (ack != srv->isn + 1) { /* 4-way: answers the server's SYN */
			e = STREAM_EV_4WHS_SYNACK_WITH_WRONG_ACK;
		} else if (seq != cli->isn) {
			e = STREAM_EV_4WHS_SYNACK_WITH_WRONG_SYN;
		}
		break;
	case TCPS_SYN_RECV:
		if (synack && d == 0)
			e = STREAM_EV_3WHS_SYNACK_TOSERVER_ON_SYN_RECV;
		else if (synack && cli->syn_seen && ack != cli->isn + 1)
			e = STREAM_EV_3WHS_SYNACK_RESEND_WITH_DIFF_ACK;
		else if (synack && srv->syn_seen && seq != srv->isn)
			e = STREAM_EV_3WHS_SYNACK_RESEND_WITH_DIFF_SEQ;
		else if (!synack && d == 1)
			e = STREAM_EV_3WHS_SYN_TOCLIENT_ON_SYN_RECV;
		else if (!synack && cli->syn_seen && seq != cli->isn)
			e = STREAM_EV_3WHS_SYN_RESEND_DIFF_SEQ_ON_SYN_RECV;
		break;
	case TCPS_ESTABLISHED:
		if (synack && d == 0)
			e = STREAM_EV_EST_SYNACK_TOSERVER;
		else if (synack && cli->syn_seen && ack != cli->isn + 1)
			e = STREAM_EV_EST_SYNACK_RESEND_WITH_DIFF_ACK;
		else if (synack && srv->syn_seen && seq != srv->isn)
			e = STREAM_EV_EST_SYNACK_RESEND_WITH_DIFF_SEQ;
		else if (synack && confirmed)
			/* the server has acknowledged since: not a lost final ACK */
			e = STREAM_EV_EST_SYNACK_RESEND;
		else if (!synack && d == 1)
			e = STREAM_EV_EST_SYN_TOCLIENT;
		else if (!synack && cli->syn_seen)
			e = seq != cli->isn ? STREAM_EV_EST_SYN_RESEND_DIFF_SEQ : STREAM_EV_EST_SYN_RESEND;
		break;
	case TCPS_FIN_WAIT:
		e = STREAM_EV_SHUTDOWN_SYN_RESEND;
		break;
	default:
		break;
	}
	if (e != STREAM_EV__COUNT)
		ev(ft, f, p, e);
}

/* The client's ACK that should complete the handshake: it must carry the
 * next sequence number and acknowledge the server's SYN (Suricata accepts
 * a later sequence number with the right ACK: packets were missed). */
static __attribute__((noinline)) void third_ack_events(struct flow_table *ft, struct flow *f,
						       struct packet *p)
{
	const struct stream_dir *cli = &f->tcp->dir[0], *srv = &f->tcp->dir[1];
	if (!cli->syn_seen || !srv->syn_seen || (p->tcp_flags & (TCPF_RST | TCPF_FIN)))
		return;
	bool seq_ok = p->tcp_seq == cli->isn + 1, ack_ok = p->tcp_ack == srv->isn + 1;
	if (seq_ok && !ack_ok)
		ev(ft, f, p, STREAM_EV_3WHS_RIGHT_SEQ_WRONG_ACK_EVASION);
	else if (!seq_ok && !(ack_ok && SEQ_GT(p->tcp_seq, cli->isn + 1)))
		ev(ft, f, p, STREAM_EV_3WHS_WRONG_SEQ_WRONG_ACK);
}

void stream_packet(struct flow_table *ft, struct flow *f, struct packet *p)
{
	struct tcp_session *s = f->tcp;
	if (!s)
		return;
	uint8_t d = p->dir;
	struct stream_dir *sd = &s->dir[d];
	struct stream_dir *od = &s->dir[!d];
	uint8_t fl = p->tcp_flags;
	uint32_t seq = p->tcp_seq;
	s->flags_seen[d] |= fl;

	if (fl & TCPF_SYN) {
		syn_events(ft, f, p, d);
		if (!sd->syn_seen && !sd->seq_known) {
			sd->syn_seen = 1;
			sd->seq_known = 1;
			sd->isn = seq;
			sd->next_seq = seq + 1;
			if (fl & TCPF_ACK) {
				if (s->state < TCPS_SYN_RECV)
					s->state = TCPS_SYN_RECV;
				if (!od->seq_known) {
					/* we missed the SYN: the ACK tells where the
					 * client's data starts */
					od->seq_known = 1;
					od->next_seq = p->tcp_ack;
				}
			} else if (s->state < TCPS_SYN_SENT) {
				s->state = TCPS_SYN_SENT;
			}
		}
		seq++;
	} else if ((fl & TCPF_ACK) && s->state == TCPS_SYN_RECV && d == 0) {
		third_ack_events(ft, f, p);
		s->state = TCPS_ESTABLISHED;
	}

	if (fl & TCPF_RST) {
		sd->rst_seen = 1;
		s->state = TCPS_CLOSED;
	}

	/* the peer acknowledges bytes of direction !d we never saw: lost */
	if ((fl & TCPF_ACK) && !(fl & TCPF_RST) && od->seq_known && !(fl & TCPF_SYN)) {
		uint32_t ack = p->tcp_ack;
		uint32_t limit = ack;
		if (od->fin_seen && SEQ_GT(ack, od->fin_seq))
			limit = od->fin_seq;
		if (SEQ_GT(limit, od->next_seq) && SEQ_LEQ(limit - od->next_seq, 0x40000000u)) {
			if (od->ack_ahead || (od->ooo && SEQ_GT(limit, od->ooo->seq))) {
				/* a second such ACK, or one covering data we hold
				 * beyond the hole: the hole is lost */
				od->ack_ahead = 0;
				skip_to(ft, f, p, (uint8_t)!d, limit);
			} else {
				od->ack_ahead = 1;
				od->acked = limit;
			}
		}
	} else {
		/* the packets that are not a plain ACK of known data: the first
		 * of a flow, SYNs, RSTs, packets without an ACK */
		odd_packet_events(ft, f, p);
	}

	if (p->payload_len > 0) {
		if (s->state == TCPS_NONE || s->state == TCPS_SYN_SENT || s->state == TCPS_SYN_RECV) {
			/* data with both sides seen: midstream or the 3rd packet */
			if (sd->syn_seen && od->syn_seen)
				s->state = TCPS_ESTABLISHED;
			else if (!sd->syn_seen && !od->syn_seen && f->pkts[0] && f->pkts[1])
				s->state = TCPS_ESTABLISHED;
		}
		handle_data(ft, f, p, d, seq, p->payload, p->payload_len);
	} else if (!sd->seq_known && !(fl & TCPF_RST)) {
		/* a bare ACK midstream: remember where this side is */
		sd->seq_known = 1;
		sd->next_seq = seq;
		sd->midstream = 1;
	}

	if (fl & TCPF_FIN) {
		if (!sd->fin_seen) {
			sd->fin_seen = 1;
			sd->fin_seq = seq + p->payload_len;
		}
		if (s->state != TCPS_CLOSED)
			s->state = od->fin_seen ? TCPS_CLOSED : TCPS_FIN_WAIT;
	}
	if (s->state == TCPS_NONE && !(fl & TCPF_SYN) && f->pkts[0] && f->pkts[1])
		s->state = TCPS_ESTABLISHED;
	if (s->state == TCPS_CLOSED)
		stream_flush(ft, f, p);
	update_state(ft, f);
}
