/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 (RFC 791) and IPv6 (RFC 8200, 4.5) fragment reassembly.
 *
 * A tracker per datagram, keyed by (version, src, dst, id, protocol for
 * IPv4, outer VLAN, tunnel depth: fragments inside a tunnel are not those
 * of a plain copy of the same datagram). Fragments are copied, kept in arrival order, and the
 * datagram is rebuilt as soon as [0, end-of-last-fragment) is covered.
 *
 * Overlap policy: "first": bytes that arrived first win (the BSD-right
 * behaviour of many stacks for the common case; documented in README). Any
 * overlap at all raises decoder.ipv{4,6}.frag_overlap, since legitimate
 * stacks never send overlapping fragments and overlaps are an evasion
 * technique.
 *
 * Bounds: memcap on fragment bytes + trackers, a cap on trackers, a cap on
 * fragments per datagram, 65535-byte datagrams, and a timeout in packet
 * time. At the memcap or the tracker cap the least recently active
 * datagram is given up to make room (never the one the fragment belongs
 * to): under a flood of fragments that never complete, the flood's own
 * trackers go first and a datagram whose fragments arrive together is
 * still reassembled. A fragment is dropped only when even an empty
 * defragmenter could not hold its datagram. Every eviction and drop is
 * counted; a record says how many there were (defrag.memcap_hit, with the
 * counts since the previous one) at most once per report interval of
 * packet time, so that a flood does not become a flood of records.
 */
#include "decode/decode.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/cursor.h"

#define DEFRAG_BUCKETS 4096
#define DEFRAG_MAX_HDR 512 /* IPv4 header or IPv6 unfragmentable part */
#define DEFRAG_MAX_DGRAM 65535

struct frag {
	struct frag *next;
	uint32_t off;
	uint32_t len;
	uint8_t data[];
};

struct tracker {
	struct tracker *hnext;
	struct tracker *lru_prev, *lru_next;
	uint32_t hash;
	uint8_t ip_ver;
	uint8_t proto;
	uint16_t vlan;
	uint8_t depth;
	uint32_t id;
	struct vaddr src, dst;
	uint64_t last_ts;
	struct frag *frags, *frags_tail;
	uint32_t bytes;      /* what it costs against the memcap */
	uint16_t nfrags;
	bool have_last;
	bool have_first;
	bool overlapped;
	uint32_t end;        /* offset + length of the last fragment */
	uint8_t nh;          /* IPv6: next header of the fragmentable part */
	uint16_t hdr_len;
	uint8_t hdr[DEFRAG_MAX_HDR];
};

struct defrag {
	struct defrag_config cfg;
	struct defrag_stats st;
	uint32_t ntrackers;
	/* evictions and drops not yet in a record, and when the last record
	 * was (packet time; reported: there was one) */
	uint32_t unreported_evicted;
	uint32_t unreported_dropped;
	uint64_t reported_ts;
	bool reported;
	struct tracker *lru_head, *lru_tail;
	struct tracker *buckets[DEFRAG_BUCKETS];
	uint8_t out[DEFRAG_MAX_HDR + DEFRAG_MAX_DGRAM];
};

void defrag_config_defaults(struct defrag_config *cfg)
{
	cfg->memcap = 32u << 20;
	cfg->timeout_sec = 60;
	cfg->max_trackers = 65536;
	cfg->max_frags = 128;
	cfg->report_sec = 10;
}

struct defrag *defrag_new(const struct defrag_config *cfg)
{
	/* the 64 KiB rebuild buffer is written before it is read: not zeroed
	 * (a decoder is made per input by the packet fuzzer) */
	struct defrag *df = malloc(sizeof(*df));
	if (!df)
		return NULL;
	memset(df, 0, offsetof(struct defrag, out));
	df->cfg = *cfg;
	return df;
}

static void lru_unlink(struct defrag *df, struct tracker *t)
{
	if (t->lru_prev)
		t->lru_prev->lru_next = t->lru_next;
	else
		df->lru_head = t->lru_next;
	if (t->lru_next)
		t->lru_next->lru_prev = t->lru_prev;
	else
		df->lru_tail = t->lru_prev;
	t->lru_prev = t->lru_next = NULL;
}

static void lru_append(struct defrag *df, struct tracker *t)
{
	t->lru_prev = df->lru_tail;
	t->lru_next = NULL;
	if (df->lru_tail)
		df->lru_tail->lru_next = t;
	else
		df->lru_head = t;
	df->lru_tail = t;
}

static void tracker_free(struct defrag *df, struct tracker *t)
{
	struct tracker **pp = &df->buckets[t->hash % DEFRAG_BUCKETS];
	while (*pp && *pp != t)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = t->hnext;
	lru_unlink(df, t);
	for (struct frag *f = t->frags, *n; f; f = n) {
		n = f->next;
		df->st.bytes_in_use -= sizeof(*f) + f->len;
		free(f);
	}
	df->st.bytes_in_use -= sizeof(*t);
	df->ntrackers--;
	free(t);
}

void defrag_free(struct defrag *df)
{
	if (!df)
		return;
	while (df->lru_head)
		tracker_free(df, df->lru_head);
	free(df);
}

void defrag_expire(struct defrag *df, uint64_t now)
{
	uint64_t to = (uint64_t)df->cfg.timeout_sec * 1000000u;
	while (df->lru_head && df->lru_head->last_ts + to < now) {
		df->st.timeouts++;
		tracker_free(df, df->lru_head);
	}
}

void defrag_get_stats(const struct defrag *df, struct defrag_stats *st)
{
	*st = df->st;
}

/* Gives up the least recently active datagrams, except keep, until need
 * more bytes fit under the memcap. False when they cannot (keep alone, or
 * nothing, is left). O(datagrams given up). */
static bool make_room(struct defrag *df, uint64_t need, const struct tracker *keep)
{
	while (df->st.bytes_in_use + need > df->cfg.memcap) {
		struct tracker *v = df->lru_head;
		if (v == keep)
			v = v->lru_next;
		if (!v)
			return false;
		df->st.memcap_evictions++;
		df->unreported_evicted++;
		tracker_free(df, v);
	}
	return true;
}

/* The fragment of p could not be stored. */
static void dropped(struct defrag *df)
{
	df->st.memcap_drops++;
	df->unreported_dropped++;
}

/* Once per report interval of packet time at most: the evictions and drops
 * since the last record go on p (defrag.memcap_hit with their counts). */
static void report(struct defrag *df, struct decoder *d, struct packet *p)
{
	if (df->reported && (p->ts < df->reported_ts ||
			     p->ts - df->reported_ts < (uint64_t)df->cfg.report_sec * 1000000u))
		return;
	p->frag_evicted = df->unreported_evicted;
	p->frag_dropped = df->unreported_dropped;
	decode_set_event(d, p, DEC_FRAG_MEMCAP_HIT);
	df->unreported_evicted = 0;
	df->unreported_dropped = 0;
	df->reported = true;
	df->reported_ts = p->ts;
}

static uint32_t key_hash(const struct packet *p)
{
	/* FNV-1a over the key fields: cheap, and collisions only cost a
	 * longer chain (keys are compared in full). */
	uint32_t h = 2166136261u;
	const uint8_t *parts[2] = { p->src.a, p->dst.a };
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[k][i]) * 16777619u;
	h = (h ^ p->frag_id) * 16777619u;
	h = (h ^ p->ip_ver) * 16777619u;
	return h;
}

static bool key_eq(const struct tracker *t, const struct packet *p, uint8_t proto, uint16_t vlan)
{
	return t->ip_ver == p->ip_ver && t->id == p->frag_id && t->proto == proto &&
	       t->vlan == vlan && t->depth == p->tunnel_depth &&
	       memcmp(&t->src, &p->src, sizeof(t->src)) == 0 &&
	       memcmp(&t->dst, &p->dst, sizeof(t->dst)) == 0;
}

static bool covered(const struct tracker *t)
{
	uint32_t cur = 0;
	bool progress = true;
	while (cur < t->end && progress) {
		progress = false;
		for (const struct frag *f = t->frags; f; f = f->next) {
			if (f->off <= cur && f->off + f->len > cur) {
				cur = f->off + f->len;
				progress = true;
			}
		}
	}
	return cur >= t->end;
}

/* Index of the next-header byte that names the fragment header, in the
 * IPv6 unfragmentable part hdr[0..len). */
static size_t v6_nh_index(const uint8_t *hdr, size_t len)
{
	struct cursor c = cur_make(hdr, len);
	size_t nh_at = 6;
	int nh = cur_peek_u8(&c, 6);
	size_t off = 40;
	while (off < len && nh >= 0) {
		struct cursor e = cur_make(hdr + off, len - off);
		int next = cur_peek_u8(&e, 0);
		int hl = cur_peek_u8(&e, 1);
		if (next < 0 || hl < 0)
			break;
		nh_at = off;
		off += nh == 51 ? ((size_t)hl + 2) * 4 : ((size_t)hl + 1) * 8;
		nh = next;
	}
	return nh_at;
}

static const uint8_t *rebuild(struct defrag *df, struct tracker *t, uint32_t *out_len)
{
	uint8_t *o = df->out;
	memcpy(o, t->hdr, t->hdr_len);
	/* last arrival first, so the first arrival's bytes win */
	struct frag *order[1024];
	uint16_t n = 0;
	for (struct frag *f = t->frags; f && n < 1024; f = f->next)
		order[n++] = f;
	while (n--) {
		struct frag *f = order[n];
		memcpy(o + t->hdr_len + f->off, f->data, f->len);
	}
	uint32_t total = t->hdr_len + t->end;
	if (t->ip_ver == 4) {
		o[2] = (uint8_t)(total >> 8);
		o[3] = (uint8_t)total;
		o[6] = 0;
		o[7] = 0;
		o[10] = 0;
		o[11] = 0;
		uint16_t cs = inet_csum(o, t->hdr_len);
		o[10] = (uint8_t)(cs >> 8);
		o[11] = (uint8_t)cs;
	} else {
		uint32_t pl = total - 40;
		o[4] = (uint8_t)(pl >> 8);
		o[5] = (uint8_t)pl;
		o[v6_nh_index(t->hdr, t->hdr_len)] = t->nh;
	}
	*out_len = total;
	return o;
}

const uint8_t *defrag_add(struct defrag *df, struct decoder *d, struct packet *p,
			  uint32_t *out_len)
{
	bool v4 = p->ip_ver == 4;
	uint8_t proto = v4 ? p->l4proto : 0;
	uint16_t vlan = p->vlan_cnt ? p->vlan[0] : 0;
	uint32_t flen = p->l4_len;
	uint32_t off = p->frag_off;

	df->st.fragments++;
	defrag_expire(df, p->ts);

	uint32_t h = key_hash(p);
	struct tracker *t = df->buckets[h % DEFRAG_BUCKETS];
	while (t && !key_eq(t, p, proto, vlan))
		t = t->hnext;

	uint32_t hdr_len = v4 ? p->ip_hlen : p->frag_hdr_off;
	if (off + flen + hdr_len > DEFRAG_MAX_DGRAM) {
		df->st.too_large++;
		decode_set_event(d, p, v4 ? DEC_IPV4_FRAG_PKT_TOO_LARGE : DEC_IPV6_FRAG_PKT_TOO_LARGE);
		if (t)
			tracker_free(df, t);
		return NULL;
	}

	if (!t) {
		if (df->ntrackers >= df->cfg.max_trackers && df->lru_head) {
			df->st.tracker_drops++;
			df->unreported_evicted++;
			tracker_free(df, df->lru_head);
		}
		if (!make_room(df, sizeof(*t), NULL)) {
			dropped(df);
			goto out;
		}
		t = calloc(1, sizeof(*t));
		if (!t) {
			dropped(df);
			goto out;
		}
		df->st.bytes_in_use += sizeof(*t);
		t->bytes = sizeof(*t);
		df->ntrackers++;
		t->hash = h;
		t->ip_ver = p->ip_ver;
		t->proto = proto;
		t->vlan = vlan;
		t->depth = p->tunnel_depth;
		t->id = p->frag_id;
		t->src = p->src;
		t->dst = p->dst;
		t->hnext = df->buckets[h % DEFRAG_BUCKETS];
		df->buckets[h % DEFRAG_BUCKETS] = t;
	} else {
		lru_unlink(df, t);
	}
	lru_append(df, t);
	t->last_ts = p->ts;

	if (t->nfrags >= df->cfg.max_frags) {
		df->st.memcap_drops++;
		decode_set_event(d, p, DEC_FRAG_MEMCAP);
		tracker_free(df, t);
		return NULL;
	}
	uint64_t need = sizeof(struct frag) + flen;
	if ((uint64_t)t->bytes + need > df->cfg.memcap || !make_room(df, need, t)) {
		/* this datagram alone is more than the memcap holds: it can
		 * never be completed (and nobody else is evicted for it) */
		dropped(df);
		tracker_free(df, t);
		goto out;
	}

	/* overlap check against what we already hold */
	for (const struct frag *f = t->frags; f; f = f->next) {
		if (off < f->off + f->len && f->off < off + flen) {
			if (!t->overlapped)
				df->st.overlaps++;
			t->overlapped = true;
			decode_set_event(d, p, v4 ? DEC_IPV4_FRAG_OVERLAP : DEC_IPV6_FRAG_OVERLAP);
			break;
		}
	}
	/* a second "last" fragment with a different end is hostile: the
	 * first one wins, like the bytes do */
	if (!p->frag_more) {
		if (!t->have_last) {
			t->have_last = true;
			t->end = off + flen;
		}
	}
	if (off == 0 && !t->have_first) {
		if (hdr_len > DEFRAG_MAX_HDR) {
			df->st.too_large++;
			tracker_free(df, t);
			return NULL;
		}
		struct cursor hc = cur_make(p->l3, p->l3_len);
		if (!cur_bytes(&hc, t->hdr, hdr_len)) {
			tracker_free(df, t);
			return NULL;
		}
		t->hdr_len = (uint16_t)hdr_len;
		t->have_first = true;
		t->nh = p->frag_nh;
	}

	struct frag *f = malloc(sizeof(*f) + flen);
	if (!f) {
		dropped(df);
		tracker_free(df, t);
		goto out;
	}
	f->next = NULL;
	f->off = off;
	f->len = flen;
	struct cursor pc = cur_make(p->l4, flen);
	cur_bytes(&pc, f->data, flen);
	if (t->frags_tail)
		t->frags_tail->next = f;
	else
		t->frags = f;
	t->frags_tail = f;
	t->nfrags++;
	t->bytes += (uint32_t)need;
	df->st.bytes_in_use += need;

	if (!t->have_last || !t->have_first || !covered(t))
		goto out;
	/* fragments beyond the end (after the last one) are ignored */
	if ((uint32_t)t->hdr_len + t->end > DEFRAG_MAX_DGRAM) {
		df->st.too_large++;
		decode_set_event(d, p, v4 ? DEC_IPV4_FRAG_PKT_TOO_LARGE : DEC_IPV6_FRAG_PKT_TOO_LARGE);
		tracker_free(df, t);
		return NULL;
	}
	const uint8_t *dg = rebuild(df, t, out_len);
	df->st.reassembled++;
	tracker_free(df, t);
	if (__builtin_expect(df->unreported_evicted | df->unreported_dropped, 0))
		report(df, d, p);
	return dg;
out:
	if (__builtin_expect(df->unreported_evicted | df->unreported_dropped, 0))
		report(df, d, p);
	return NULL;
}
