/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table: symmetric hashing, per-class timeout lists in packet time,
 * memcap with eviction of the least recently active flow, 64-bit ids that
 * depend only on the capture (so replays are byte-identical).
 */
#include "flow/flow.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define N_CLASSES (FPC__COUNT * 3)

struct flow_list {
	struct flow *head, *tail;
	uint64_t n;
};

struct flow_table {
	struct flow_config cfg;
	struct flow_callbacks cb;
	struct flow **buckets;
	uint32_t mask;
	struct flow_list lists[N_CLASSES];
	struct flow_stats st;
	/* scratch for ordered expiry */
	struct flow **scratch;
	size_t scratch_cap;
};

void flow_config_defaults(struct flow_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->memcap = 256ull << 20;
	cfg->hash_size = 65536;
	cfg->to[FPC_TCP] = (struct flow_timeouts){ 60, 3600, 30 };
	cfg->to[FPC_UDP] = (struct flow_timeouts){ 30, 300, 30 };
	cfg->to[FPC_ICMP] = (struct flow_timeouts){ 30, 300, 30 };
	cfg->to[FPC_OTHER] = (struct flow_timeouts){ 30, 300, 30 };
	cfg->stream_memcap = 64ull << 20;
	cfg->stream_max_ooo_segs = 64;
	cfg->stream_max_ooo_bytes = 256u << 10;
	cfg->hash_seed = 0x5eed5eed5eed5eedull;
	cfg->id_salt = 0;
}

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* One multiply per half of an endpoint; the pair is mixed once (hash_key). */
static inline uint64_t endpoint_hash(const struct vaddr *a, uint16_t port, uint64_t seed)
{
	uint64_t w0, w1;
	memcpy(&w0, a->a, 8);
	memcpy(&w1, a->a + 8, 8);
	return (w0 ^ seed) * 0x9e3779b97f4a7c15ull +
	       (w1 ^ ((uint64_t)port << 48) ^ (seed >> 7)) * 0xc2b2ae3d27d4eb4full;
}

static uint32_t hash_key(const struct vaddr *a, uint16_t pa, const struct vaddr *b, uint16_t pb,
			 uint8_t proto, uint16_t vlan, uint64_t seed)
{
	uint64_t ha = endpoint_hash(a, pa, seed);
	uint64_t hb = endpoint_hash(b, pb, seed);
	uint64_t lo = ha < hb ? ha : hb;
	uint64_t hi = ha < hb ? hb : ha;
	uint64_t h = mix64(lo * 0x9e3779b97f4a7c15ull + hi + ((uint64_t)proto << 16) + vlan);
	return (uint32_t)(h ^ (h >> 32));
}

/* ICMP request/reply pairs (Zeek's and Community ID's table): the
 * counterpart of each type, or -1 for one-way messages. */
int icmp_counterpart(uint8_t ver, uint8_t type)
{
	static const uint8_t v4[][2] = { { 8, 0 }, { 13, 14 }, { 15, 16 }, { 10, 9 }, { 17, 18 } };
	static const uint8_t v6[][2] = { { 128, 129 }, { 133, 134 }, { 135, 136 },
					 { 130, 131 }, { 139, 140 }, { 144, 145 } };
	const uint8_t (*t)[2] = ver == 4 ? v4 : v6;
	size_t n = ver == 4 ? sizeof(v4) / sizeof(v4[0]) : sizeof(v6) / sizeof(v6[0]);
	for (size_t i = 0; i < n; i++) {
		if (t[i][0] == type)
			return t[i][1];
		if (t[i][1] == type)
			return t[i][0];
	}
	return -1;
}

/* The request type of a request/reply pair (the reply maps to it). */
static bool icmp_is_reply(uint8_t ver, uint8_t type)
{
	static const uint8_t v4[] = { 0, 14, 16, 9, 18 };
	static const uint8_t v6[] = { 129, 134, 136, 131, 140, 145 };
	const uint8_t *t = ver == 4 ? v4 : v6;
	size_t n = ver == 4 ? sizeof(v4) : sizeof(v6);
	for (size_t i = 0; i < n; i++)
		if (t[i] == type)
			return true;
	return false;
}

static bool is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* The ports the flow key uses for p. ICMP request/reply pairs use the
 * request type on both sides (one flow for both); one-way messages use
 * (type, code). */
static void packet_ports(const struct packet *p, uint16_t *sp, uint16_t *dp)
{
	if (is_icmp(p->l4proto)) {
		int cp = icmp_counterpart(p->ip_ver, p->icmp_type);
		if (cp >= 0) {
			*sp = *dp = icmp_is_reply(p->ip_ver, p->icmp_type) ? (uint16_t)cp
									   : p->icmp_type;
		} else {
			*sp = p->icmp_type;
			*dp = p->icmp_code;
		}
		return;
	}
	*sp = p->sp;
	*dp = p->dp;
}

uint32_t flow_hash_packet(const struct packet *p, uint64_t seed)
{
	uint16_t sp, dp;
	packet_ports(p, &sp, &dp);
	return hash_key(&p->src, sp, &p->dst, dp, p->l4proto,
			p->vlan_cnt ? p->vlan[0] : 0, seed);
}

static enum flow_proto_class proto_class(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return FPC_TCP;
	case IPPROTO_UDP: return FPC_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6: return FPC_ICMP;
	default: return FPC_OTHER;
	}
}

static uint8_t class_of(const struct flow *f)
{
	return (uint8_t)(proto_class(f->key.proto) * 3 + f->state);
}

static uint32_t class_timeout(const struct flow_table *ft, uint8_t c)
{
	const struct flow_timeouts *t = &ft->cfg.to[c / 3];
	switch (c % 3) {
	case FLOW_STATE_NEW: return t->new_sec;
	case FLOW_STATE_ESTABLISHED: return t->est_sec;
	default: return t->closed_sec;
	}
}

static void list_unlink(struct flow_table *ft, struct flow *f)
{
	struct flow_list *l = &ft->lists[f->tclass];
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
	l->n--;
}

static void list_append(struct flow_table *ft, struct flow *f)
{
	f->tclass = class_of(f);
	f->lru_ts = f->last_ts;
	struct flow_list *l = &ft->lists[f->tclass];
	f->lru_prev = l->tail;
	f->lru_next = NULL;
	if (l->tail)
		l->tail->lru_next = f;
	else
		l->head = f;
	l->tail = f;
	l->n++;
}

struct flow_table *flow_table_new(const struct flow_config *cfg, const struct flow_callbacks *cb)
{
	struct flow_table *ft = calloc(1, sizeof(*ft));
	if (!ft)
		return NULL;
	ft->cfg = *cfg;
	ft->cb = *cb;
	uint32_t n = 1024;
	while (n < cfg->hash_size && n < (1u << 28))
		n <<= 1;
	ft->buckets = calloc(n, sizeof(*ft->buckets));
	if (!ft->buckets) {
		free(ft);
		return NULL;
	}
	ft->mask = n - 1;
	ft->st.mem_used = (uint64_t)n * sizeof(*ft->buckets);
	ft->st.mem_buckets = ft->st.mem_used;
	return ft;
}

size_t flow_base_size(const struct flow *f)
{
	return sizeof(*f) + (f->tcp ? sizeof(*f->tcp) : 0);
}

void flow_mem_adjust(struct flow_table *ft, int64_t delta)
{
	ft->st.mem_used = (uint64_t)((int64_t)ft->st.mem_used + delta);
	if (ft->st.mem_used > ft->st.mem_peak)
		ft->st.mem_peak = ft->st.mem_used;
}

static void stream_free_dir(struct flow_table *ft, struct stream_dir *sd)
{
	for (struct tcp_seg *s = sd->ooo, *n; s; s = n) {
		n = s->next;
		ft->st.stream_mem_used -= sizeof(*s) + s->len;
		free(s);
	}
	sd->ooo = NULL;
	sd->n_ooo = 0;
	sd->ooo_bytes = 0;
}

/* Ends f: flushes its stream, lets the owner log and free, then frees. */
static void flow_end(struct flow_table *ft, struct flow *f, enum flow_end_reason why, uint64_t now)
{
	if (ft->cb.ending)
		ft->cb.ending(ft->cb.user, f);
	if (f->tcp)
		stream_flush(ft, f, NULL);
	f->end_reason = why;
	if (ft->cb.end)
		ft->cb.end(ft->cb.user, f, why, now);
	struct flow **pp = &ft->buckets[f->hash & ft->mask];
	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	list_unlink(ft, f);
	flow_mem_adjust(ft, -(int64_t)flow_base_size(f));
	if (f->tcp) {
		stream_free_dir(ft, &f->tcp->dir[0]);
		stream_free_dir(ft, &f->tcp->dir[1]);
		free(f->tcp);
	}
	ft->st.active--;
	free(f);
}

static int cmp_first_pkt(const void *a, const void *b)
{
	const struct flow *fa = *(struct flow *const *)a;
	const struct flow *fb = *(struct flow *const *)b;
	return fa->first_pcap_cnt < fb->first_pcap_cnt ? -1 : fa->first_pcap_cnt > fb->first_pcap_cnt;
}

static bool scratch_push(struct flow_table *ft, size_t n, struct flow *f)
{
	if (n >= ft->scratch_cap) {
		size_t cap = ft->scratch_cap ? ft->scratch_cap * 2 : 256;
		struct flow **s = realloc(ft->scratch, cap * sizeof(*s));
		if (!s)
			return false;
		ft->scratch = s;
		ft->scratch_cap = cap;
	}
	ft->scratch[n] = f;
	return true;
}

/* Ends the collected flows in first-packet order. */
static void end_sorted(struct flow_table *ft, size_t n, enum flow_end_reason why, uint64_t now)
{
	if (n == 0)
		return;
	qsort(ft->scratch, n, sizeof(*ft->scratch), cmp_first_pkt);
	for (size_t i = 0; i < n; i++) {
		if (why == FLOW_END_TIMEOUT)
			ft->st.timeouts++;
		flow_end(ft, ft->scratch[i], why, now);
	}
}

void flow_timeout(struct flow_table *ft, uint64_t now)
{
	size_t n = 0;
	for (uint8_t c = 0; c < N_CLASSES; c++) {
		uint64_t to = (uint64_t)class_timeout(ft, c) * 1000000u;
		/* lists are in order of lru_ts; last_ts >= lru_ts, and a flow
		 * moves to the tail at most once per second of packet time */
		for (struct flow *f = ft->lists[c].head; f; f = f->lru_next) {
			if (f->lru_ts + to > now)
				break;
			if (f->last_ts + to > now)
				continue;
			if (!scratch_push(ft, n, f))
				break;
			n++;
		}
	}
	end_sorted(ft, n, FLOW_END_TIMEOUT, now);
}

void flow_flush_all(struct flow_table *ft, uint64_t now)
{
	size_t n = 0;
	for (uint8_t c = 0; c < N_CLASSES; c++)
		for (struct flow *f = ft->lists[c].head; f; f = f->lru_next)
			if (scratch_push(ft, n, f))
				n++;
	end_sorted(ft, n, FLOW_END_SHUTDOWN, now);
}

void flow_table_free(struct flow_table *ft)
{
	if (!ft)
		return;
	uint64_t now = 0;
	for (uint8_t c = 0; c < N_CLASSES; c++)
		if (ft->lists[c].tail && ft->lists[c].tail->last_ts > now)
			now = ft->lists[c].tail->last_ts;
	flow_flush_all(ft, now);
	free(ft->scratch);
	free(ft->buckets);
	free(ft);
}

void flow_get_stats(const struct flow_table *ft, struct flow_stats *st)
{
	*st = ft->st;
}

/* Evicts the least recently active flow other than keep. False when there
 * is none. */
static bool evict_one(struct flow_table *ft, uint64_t now, const struct flow *keep)
{
	struct flow *victim = NULL;
	for (uint8_t c = 0; c < N_CLASSES; c++) {
		struct flow *h = ft->lists[c].head;
		if (h && h == keep)
			h = h->lru_next;
		if (h && (!victim || h->last_ts < victim->last_ts ||
			  (h->last_ts == victim->last_ts && h->first_pcap_cnt < victim->first_pcap_cnt)))
			victim = h;
	}
	if (!victim)
		return false;
	ft->st.memcap_evictions++;
	flow_end(ft, victim, FLOW_END_MEMCAP, now);
	return true;
}

bool flow_mem_take(struct flow_table *ft, const struct flow *keep, uint64_t bytes, bool evict,
		   uint64_t now)
{
	int tries = 0;
	while (evict && ft->st.mem_used + bytes > ft->cfg.memcap && tries++ < 16)
		if (!evict_one(ft, now, keep))
			break;
	flow_mem_adjust(ft, (int64_t)bytes);
	return ft->st.mem_used <= ft->cfg.memcap;
}

static bool key_match(const struct flow *f, const struct packet *p, uint16_t sp, uint16_t dp,
		      uint16_t vlan, uint8_t *dir)
{
	const struct flow_key *k = &f->key;
	if (k->proto != p->l4proto || k->ip_ver != p->ip_ver || k->vlan != vlan ||
	    f->tunnel_depth != p->tunnel_depth)
		return false;
	if (k->port[0] == sp && k->port[1] == dp &&
	    memcmp(&k->addr[0], &p->src, sizeof(p->src)) == 0 &&
	    memcmp(&k->addr[1], &p->dst, sizeof(p->dst)) == 0) {
		*dir = 0;
		return true;
	}
	if (k->port[0] == dp && k->port[1] == sp &&
	    memcmp(&k->addr[0], &p->dst, sizeof(p->dst)) == 0 &&
	    memcmp(&k->addr[1], &p->src, sizeof(p->src)) == 0) {
		*dir = 1;
		return true;
	}
	return false;
}

/* Should the sender of p be taken as the server of a new flow? */
static bool sender_is_server(struct flow_table *ft, const struct packet *p)
{
	if (p->l4proto == IPPROTO_TCP) {
		if ((p->tcp_flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK))
			return true;
		if (p->tcp_flags & TCPF_SYN)
			return false;
	}
	if (is_icmp(p->l4proto))
		return icmp_is_reply(p->ip_ver, p->icmp_type);
	bool s = ft->cb.server_port && ft->cb.server_port(ft->cb.user, p->l4proto, p->sp);
	bool d = ft->cb.server_port && ft->cb.server_port(ft->cb.user, p->l4proto, p->dp);
	if (s != d)
		return s;
	/* neither or both well known: the lower port is the server's */
	if (!s && p->sp < 1024 && p->dp >= 1024)
		return true;
	return false;
}

struct flow *flow_lookup(struct flow_table *ft, struct packet *p)
{
	if (!(p->flags & PKT_HAS_FLOW_KEY))
		return NULL;
	uint16_t sp, dp;
	packet_ports(p, &sp, &dp);
	uint16_t vlan = p->vlan_cnt ? p->vlan[0] : 0;
	uint32_t h = (p->flags & PKT_HASHED) ? p->hash
		     : hash_key(&p->src, sp, &p->dst, dp, p->l4proto, vlan, ft->cfg.hash_seed);
	p->hash = h;
	uint8_t dir = 0;
	struct flow *f = ft->buckets[h & ft->mask];
	while (f && !key_match(f, p, sp, dp, vlan, &dir))
		f = f->hnext;

	if (!f) {
		size_t need = sizeof(*f) + (p->l4proto == IPPROTO_TCP ? sizeof(struct tcp_session) : 0);
		/* room for what the flow takes at once besides (nDPI's state,
		 * accounted by its owner), so that the memcap holds */
		uint64_t room = need + ft->cfg.new_flow_extra;
		int tries = 0;
		while (ft->st.mem_used + room > ft->cfg.memcap && tries++ < 16)
			if (!evict_one(ft, p->ts, NULL))
				break;
		if (ft->st.mem_used + need > ft->cfg.memcap) {
			ft->st.memcap_failures++;
			return NULL;
		}
		f = calloc(1, sizeof(*f));
		if (!f) {
			ft->st.memcap_failures++;
			return NULL;
		}
		if (p->l4proto == IPPROTO_TCP) {
			f->tcp = calloc(1, sizeof(*f->tcp));
			if (!f->tcp) {
				free(f);
				ft->st.memcap_failures++;
				return NULL;
			}
		}
		bool swap = sender_is_server(ft, p);
		if (swap && !(p->l4proto == IPPROTO_TCP && (p->tcp_flags & TCPF_SYN)))
			f->client_guessed = 1;
		f->key.proto = p->l4proto;
		f->key.ip_ver = p->ip_ver;
		f->key.vlan = vlan;
		f->tunnel_depth = p->tunnel_depth;
		f->key.addr[swap] = p->src;
		f->key.addr[!swap] = p->dst;
		f->key.port[swap] = sp;
		f->key.port[!swap] = dp;
		dir = swap ? 1 : 0;
		f->hash = h;
		f->first_pcap_cnt = p->pcap_cnt;
		f->id = mix64(p->pcap_cnt ^ ft->cfg.id_salt) & 0x7fffffffffffffffull;
		if (!f->id)
			f->id = 1;
		f->start_ts = f->last_ts = p->ts;
		f->state = FLOW_STATE_NEW;
		f->hnext = ft->buckets[h & ft->mask];
		ft->buckets[h & ft->mask] = f;
		list_append(ft, f);
		flow_mem_adjust(ft, (int64_t)need);
		ft->st.created++;
		ft->st.active++;
		if (ft->st.active > ft->st.active_peak)
			ft->st.active_peak = ft->st.active;
		switch (proto_class(p->l4proto)) {
		case FPC_TCP: ft->st.tcp++; break;
		case FPC_UDP: ft->st.udp++; break;
		case FPC_ICMP: ft->st.icmp++; break;
		default: ft->st.other++; break;
		}
	}

	p->flow = f;
	p->dir = dir;
	f->pkts[dir]++;
	f->bytes[dir] += p->wirelen ? p->wirelen : p->caplen;
	if (p->ts > f->last_ts)
		f->last_ts = p->ts;
	if (!f->tcp && f->state == FLOW_STATE_NEW && f->pkts[0] && f->pkts[1])
		f->state = FLOW_STATE_ESTABLISHED;
	/* move to the tail of its (possibly new) class list, at most once per
	 * second of packet time (expiry has a one-second grain anyway) */
	if (f->tclass != class_of(f) || f->last_ts / 1000000u != f->lru_ts / 1000000u) {
		list_unlink(ft, f);
		list_append(ft, f);
	}
	return f;
}

/* Re-files f after its TCP state changed. */
void flow_reclass(struct flow_table *ft, struct flow *f)
{
	if (class_of(f) == f->tclass)
		return;
	list_unlink(ft, f);
	list_append(ft, f);
}

/* for stream.c */
struct flow_stats *flow_table_stats(struct flow_table *ft)
{
	return &ft->st;
}
const struct flow_config *flow_table_config(const struct flow_table *ft)
{
	return &ft->cfg;
}
const struct flow_callbacks *flow_table_callbacks(const struct flow_table *ft)
{
	return &ft->cb;
}
