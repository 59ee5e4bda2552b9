/* SPDX-License-Identifier: BSD-3-Clause */
#include "proto/ndpi.h"

#include <malloc.h>
#include <ndpi_api.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct ndpi_ctx {
	struct ndpi_detection_module_struct *mod;
	size_t flow_size;
	int arena;             /* its slot in arenas[], or -1 */
	struct ndpi_ctx *next; /* in kept, once given up */
	/* per-flow bytes taken (room made first) or given back */
	bool (*mem)(void *user, const struct flow *f, int64_t delta);
	void *mem_user;
};

/* nDPI's state of one flow (what flow_app.ndpi points to while the status
 * is PROBING): nDPI's flow struct, after the bytes it is accounted for: the
 * allocation itself and what nDPI allocated for the flow while looking at
 * its packets (hook_malloc counts those per thread). */
struct ndpi_state {
	int64_t held;
	_Alignas(max_align_t) unsigned char flow[];
};

/* Until a TCP flow carries a byte of payload, nDPI has nothing to look at
 * but its handshake: those segments' headers are kept (flow_app.ndpi while
 * the status is WAITING), about 100 bytes instead of nDPI's 700, and
 * replayed into a state made when the first payload comes, when more
 * arrive than are kept, or when the flow ends (for nDPI's guess). nDPI
 * sees the same packets in the same order at the same times, so it
 * decides the same; a flow that never carries a byte (a SYN flood) costs
 * the headers, not nDPI's state. */
#define WAIT_PKTS 4
#define WAIT_LEN 128 /* IPv4 or IPv6 + TCP headers with options */
struct ndpi_wait {
	int64_t held;               /* bytes accounted: this allocation */
	uint64_t ts[WAIT_PKTS];
	uint16_t len[WAIT_PKTS];
	uint8_t n;
	uint8_t bytes[];            /* the datagrams, one after the other */
};

/* nDPI 4.2 counts its Patricia trees in a global without a lock: contexts
 * are made and freed one at a time, whatever the thread. */
static pthread_mutex_t life = PTHREAD_MUTEX_INITIALIZER;

/* ---- a context's memory ---------------------------------------------------- */

/* nDPI 4.2 makes a context with some 100 000 small allocations (5.3 MB of
 * address lists, Patricia trees and automata), of which it frees 169, and
 * frees the rest only with the context. They come from an arena of the
 * context: a bump pointer in a mapping reserved for it (only the pages
 * touched count in RSS), unmapped when the context is freed. malloc's own
 * work was a quarter of making a context (64 M -> 47 M instructions).
 *
 * nDPI allocates through hooks (set_ndpi_malloc/free) that serve every
 * allocation of the process, the flows' too: only the thread making a
 * context, while it does, allocates from an arena; every other allocation
 * goes to malloc. A free inside an arena is a no-op (nDPI's realloc is
 * malloc, copy, free); any other pointer goes to free(). An allocation the
 * arena has no room left for goes to malloc. */
#define ARENA_BYTES (32u << 20)
#define ARENA_SLOTS 256
#define ARENA_ALIGN 16

/* An arena: its range [lo, hi), which the free hook reads from any thread
 * (set and cleared under life, cleared before it is unmapped; lo 0: slot
 * free), and its bump pointer, used by the thread making its context. */
struct arena {
	_Atomic uintptr_t lo, hi;
	uintptr_t cur;
};
static struct arena arenas[ARENA_SLOTS];
static _Atomic int arenas_used; /* slots [0, arenas_used) may be live */
static _Thread_local struct arena *making;
static bool hooks_set;
/* Bytes nDPI holds from malloc, allocated minus freed on this thread: the
 * difference across a call into nDPI for one flow is what that flow cost. */
static _Thread_local int64_t heap_held;

static void *hook_malloc(size_t n)
{
	struct arena *a = making;
	if (a) {
		size_t k = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
		uintptr_t hi = atomic_load_explicit(&a->hi, memory_order_relaxed);
		if (k >= n && k <= hi - a->cur) {
			void *p = (void *)a->cur;
			a->cur += k;
			return p;
		}
	}
	void *p = malloc(n);
	if (p)
		heap_held += (int64_t)malloc_usable_size(p);
	return p;
}

static void hook_free(void *p)
{
	uintptr_t u = (uintptr_t)p;
	int used = atomic_load(&arenas_used);
	for (int i = 0; i < used; i++)
		if (u >= atomic_load(&arenas[i].lo) && u < atomic_load(&arenas[i].hi))
			return;
	if (p)
		heap_held -= (int64_t)malloc_usable_size(p);
	free(p);
}

/* Under life: an arena for the context about to be made, or -1 (none
 * free, or no mapping: the context's memory then comes from malloc). */
static int arena_open(void)
{
	if (!hooks_set) {
		set_ndpi_malloc(hook_malloc);
		set_ndpi_free(hook_free);
		hooks_set = true;
	}
	int i = 0;
	while (i < ARENA_SLOTS && atomic_load(&arenas[i].lo))
		i++;
	if (i == ARENA_SLOTS)
		return -1;
	void *m = mmap(NULL, ARENA_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	arenas[i].cur = (uintptr_t)m;
	atomic_store(&arenas[i].lo, (uintptr_t)m);
	atomic_store(&arenas[i].hi, (uintptr_t)m + ARENA_BYTES);
	if (atomic_load(&arenas_used) <= i)
		atomic_store(&arenas_used, i + 1);
	return i;
}

/* Under life, once nDPI has let go of everything in it. */
static void arena_close(int i)
{
	if (i < 0)
		return;
	void *m = (void *)atomic_load(&arenas[i].lo);
	atomic_store(&arenas[i].hi, 0);
	atomic_store(&arenas[i].lo, 0);
	munmap(m, ARENA_BYTES);
}

/* Contexts given up once the process is about to exit (ndpi_keep_at_exit):
 * freeing one walks some 200 000 small allocations (5 ms here), work the
 * kernel does at once when the process ends. They stay reachable from
 * this list, so leak checkers do not count them. */
static bool keep_at_exit;
static struct ndpi_ctx *kept;

void ndpi_keep_at_exit(void)
{
	pthread_mutex_lock(&life);
	keep_at_exit = true;
	pthread_mutex_unlock(&life);
}

struct ndpi_ctx *ndpi_ctx_new(void)
{
	struct ndpi_ctx *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	pthread_mutex_lock(&life);
	n->arena = arena_open();
	making = n->arena >= 0 ? &arenas[n->arena] : NULL;
	n->mod = ndpi_init_detection_module(ndpi_no_prefs);
	if (n->mod) {
		NDPI_PROTOCOL_BITMASK all;
		NDPI_BITMASK_SET_ALL(all);
		ndpi_set_protocol_detection_bitmask2(n->mod, &all);
		ndpi_finalize_initialization(n->mod);
	}
	making = NULL;
	if (!n->mod)
		arena_close(n->arena);
	pthread_mutex_unlock(&life);
	if (!n->mod) {
		free(n);
		return NULL;
	}
	n->flow_size = ndpi_detection_get_sizeof_ndpi_flow_struct();
	return n;
}

void ndpi_ctx_free(struct ndpi_ctx *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&life);
	if (keep_at_exit) {
		n->next = kept;
		kept = n;
		n = NULL;
	} else {
		ndpi_exit_detection_module(n->mod);
		arena_close(n->arena);
	}
	pthread_mutex_unlock(&life);
	free(n);
}

/* ---- contexts made on a thread of their own -------------------------------- */

struct ndpi_maker {
	pthread_t th;
	_Atomic bool done;
	struct ndpi_ctx *ctx;
};

static void *make(void *arg)
{
	struct ndpi_maker *m = arg;
	m->ctx = ndpi_ctx_new();
	atomic_store_explicit(&m->done, true, memory_order_release);
	return NULL;
}

struct ndpi_maker *ndpi_maker_start(void)
{
	struct ndpi_maker *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	if (pthread_create(&m->th, NULL, make, m) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

bool ndpi_maker_done(struct ndpi_maker *m)
{
	return atomic_load_explicit(&m->done, memory_order_acquire);
}

struct ndpi_ctx *ndpi_maker_finish(struct ndpi_maker *m)
{
	if (!m)
		return NULL;
	pthread_join(m->th, NULL);
	struct ndpi_ctx *n = m->ctx;
	free(m);
	return n;
}

/* the one made ahead for the first worker */
static pthread_mutex_t ahead_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ndpi_maker *ahead;

void ndpi_ctx_make_ahead(void)
{
	pthread_mutex_lock(&ahead_lock);
	if (!ahead)
		ahead = ndpi_maker_start();
	pthread_mutex_unlock(&ahead_lock);
}

/* The one made ahead, once: NULL for every later caller. */
static struct ndpi_maker *take_ahead(void)
{
	pthread_mutex_lock(&ahead_lock);
	struct ndpi_maker *m = ahead;
	ahead = NULL;
	pthread_mutex_unlock(&ahead_lock);
	return m;
}

struct ndpi_maker *ndpi_maker_take(void)
{
	struct ndpi_maker *m = take_ahead();
	return m ? m : ndpi_maker_start();
}

void ndpi_ctx_ahead_end(void)
{
	ndpi_ctx_free(ndpi_maker_finish(take_ahead()));
}

size_t ndpi_ctx_arena_bytes(const struct ndpi_ctx *n)
{
	if (!n || n->arena < 0)
		return 0;
	pthread_mutex_lock(&life);
	size_t k = (size_t)(arenas[n->arena].cur - atomic_load(&arenas[n->arena].lo));
	pthread_mutex_unlock(&life);
	return k;
}

size_t ndpi_flow_state_size(void)
{
	return sizeof(struct ndpi_state) + ndpi_detection_get_sizeof_ndpi_flow_struct();
}

void ndpi_ctx_set_mem(struct ndpi_ctx *n,
		      bool (*mem)(void *user, const struct flow *f, int64_t delta), void *user)
{
	n->mem = mem;
	n->mem_user = user;
}

/* delta bytes of f's state taken (> 0; false: they did not fit under the
 * memcap, accounted all the same) or given back. */
static inline bool account(struct ndpi_ctx *n, const struct flow *f, int64_t delta)
{
	if (n && n->mem && delta)
		return n->mem(n->mem_user, f, delta);
	return true;
}

static inline struct ndpi_flow_struct *flow_of(struct ndpi_state *st)
{
	return (struct ndpi_flow_struct *)(void *)st->flow;
}

/* Frees what f holds for nDPI (headers kept or nDPI's state) and gives
 * back what it was accounted for. */
static void release(struct ndpi_ctx *n, struct flow *f)
{
	if (!f->app.ndpi)
		return;
	if (f->app.ndpi_status == NDPI_STATUS_WAITING) {
		struct ndpi_wait *wt = f->app.ndpi;
		account(n, f, -wt->held);
		free(wt);
	} else {
		struct ndpi_state *st = f->app.ndpi;
		ndpi_free_flow_data(flow_of(st));
		account(n, f, -st->held);
		free(st);
	}
	f->app.ndpi = NULL;
}

static void keep(struct flow *f, ndpi_protocol pr, uint8_t status)
{
	f->app.ndpi_proto = pr.master_protocol;
	f->app.ndpi_app = pr.app_protocol;
	f->app.ndpi_category = (uint16_t)pr.category;
	f->app.ndpi_status = status;
}

/* One packet of f to nDPI's state (which f has). */
static void process(struct ndpi_ctx *n, struct flow *f, const uint8_t *l3, uint32_t len,
		    uint64_t ts)
{
	struct ndpi_state *st = f->app.ndpi;
	int64_t before = heap_held;
	ndpi_protocol pr = ndpi_detection_process_packet(n->mod, flow_of(st), l3,
							 (unsigned short)len, ts / 1000u);
	int64_t grew = heap_held - before;
	st->held += grew;
	account(n, f, grew);
	if (pr.app_protocol != NDPI_PROTOCOL_UNKNOWN || pr.master_protocol != NDPI_PROTOCOL_UNKNOWN) {
		keep(f, pr, NDPI_STATUS_DETECTED);
		release(n, f);
		return;
	}
	if (++f->app.ndpi_pkts >= NDPI_MAX_PKTS)
		ndpi_flow_end(n, f);
}

/* Makes nDPI's state for f and replays the headers f kept, if any. False
 * when nDPI has no state for f afterwards (decided while replaying, or no
 * room: given up, status UNKNOWN). */
static bool state_make(struct ndpi_ctx *n, struct flow *f)
{
	struct ndpi_wait *wt = f->app.ndpi_status == NDPI_STATUS_WAITING ? f->app.ndpi : NULL;
	size_t sz = sizeof(struct ndpi_state) + n->flow_size;
	struct ndpi_state *st = NULL;
	if (account(n, f, (int64_t)sz))
		st = calloc(1, sz);
	if (!st) {
		account(n, f, -(int64_t)sz);
		release(n, f);
		f->app.ndpi_status = NDPI_STATUS_UNKNOWN;
		return false;
	}
	st->held = (int64_t)sz;
	f->app.ndpi = st;
	f->app.ndpi_status = NDPI_STATUS_PROBING;
	if (wt) {
		const uint8_t *b = wt->bytes;
		for (uint8_t i = 0; i < wt->n && f->app.ndpi_status == NDPI_STATUS_PROBING; i++) {
			process(n, f, b, wt->len[i], wt->ts[i]);
			b += wt->len[i];
		}
		account(n, f, -wt->held);
		free(wt);
	}
	return f->app.ndpi_status == NDPI_STATUS_PROBING;
}

/* Keeps a TCP segment without payload (l3, len <= WAIT_LEN) for later.
 * False when it cannot be kept (no room left in what f keeps). */
static bool wait_add(struct ndpi_ctx *n, struct flow *f, const uint8_t *l3, uint32_t len,
		     uint64_t ts)
{
	struct ndpi_wait *wt = f->app.ndpi;
	size_t used = 0;
	if (wt) {
		if (wt->n == WAIT_PKTS)
			return false;
		for (uint8_t i = 0; i < wt->n; i++)
			used += wt->len[i];
	}
	size_t sz = sizeof(*wt) + used + len;
	int64_t more = (int64_t)sz - (wt ? wt->held : 0);
	if (!account(n, f, more)) {
		account(n, f, -more);
		return false;
	}
	struct ndpi_wait *nw = realloc(wt, sz);
	if (!nw) {
		account(n, f, -more);
		return false;
	}
	if (!wt)
		memset(nw, 0, sizeof(*nw));
	memcpy(nw->bytes + used, l3, len);
	nw->ts[nw->n] = ts;
	nw->len[nw->n] = (uint16_t)len;
	nw->n++;
	nw->held = (int64_t)sz;
	f->app.ndpi = nw;
	f->app.ndpi_status = NDPI_STATUS_WAITING;
	return true;
}

/* One packet of f (its IP datagram, l3 bytes, at ts microseconds; bare: a
 * TCP segment without payload) to nDPI. */
static void feed(struct ndpi_ctx *n, struct flow *f, const uint8_t *l3, uint32_t len, uint64_t ts,
		 bool bare)
{
	uint8_t status = f->app.ndpi_status;
	if (status > NDPI_STATUS_PROBING)
		return;
	if (status != NDPI_STATUS_PROBING) {
		if (bare && len <= WAIT_LEN && wait_add(n, f, l3, len, ts))
			return;
		if (!state_make(n, f))
			return;
	}
	process(n, f, l3, len, ts);
}

static inline uint32_t l3_len(const struct packet *p)
{
	return p->l3_len > 65535 ? 65535 : p->l3_len;
}

static inline bool bare_tcp(const struct packet *p)
{
	return p->l4proto == IPPROTO_TCP && p->payload_len == 0;
}

void ndpi_flow_packet(struct ndpi_ctx *n, struct flow *f, const struct packet *p)
{
	if (!n || !p->l3)
		return;
	feed(n, f, p->l3, l3_len(p), p->ts, bare_tcp(p));
}

/* ---- packets kept until the context is there ------------------------------ */

struct held {
	struct flow *f;
	uint64_t ts;
	uint32_t len;
	uint32_t bare;  /* a TCP segment without payload */
	/* len bytes of IP datagram follow, then padding to 8 */
};

/* A held packet's place in the backlog: header, datagram, padding to 8. */
static inline size_t held_size(uint32_t len)
{
	return sizeof(struct held) + (((size_t)len + 7) & ~(size_t)7);
}

bool ndpi_backlog_add(struct ndpi_backlog *b, struct flow *f, const struct packet *p)
{
	/* what feed() would look at: nothing past a verdict, nor past the
	 * packet after which nDPI is asked for its final guess */
	if (!p->l3 || f->app.ndpi_status > NDPI_STATUS_PROBING ||
	    f->app.ndpi_held >= NDPI_MAX_PKTS)
		return true;
	uint32_t len = l3_len(p);
	size_t need = held_size(len);
	if (need > NDPI_BACKLOG_BYTES - b->len)
		return false;
	if (!b->buf) {
		b->buf = malloc(NDPI_BACKLOG_BYTES);
		if (!b->buf)
			return false;
	}
	struct held h = { f, p->ts, len, bare_tcp(p) };
	memcpy(b->buf + b->len, &h, sizeof(h));
	memcpy(b->buf + b->len + sizeof(h), p->l3, len);
	b->len += need;
	f->app.ndpi_held++;
	return true;
}

void ndpi_backlog_drain(struct ndpi_backlog *b, struct ndpi_ctx *n)
{
	for (size_t off = 0; off < b->len;) {
		struct held h;
		memcpy(&h, b->buf + off, sizeof(h));
		h.f->app.ndpi_held = 0;
		if (n)
			feed(n, h.f, b->buf + off + sizeof(h), h.len, h.ts, h.bare);
		off += held_size(h.len);
	}
	b->len = 0;
}

void ndpi_backlog_free(struct ndpi_backlog *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

void ndpi_flow_end(struct ndpi_ctx *n, struct flow *f)
{
	/* headers kept and nothing else: nDPI looks at them now, for its guess */
	if (n && f->app.ndpi_status == NDPI_STATUS_WAITING && !state_make(n, f))
		return;
	if (!n || f->app.ndpi_status != NDPI_STATUS_PROBING || !f->app.ndpi) {
		release(n, f);
		return;
	}
	uint8_t guessed = 0;
	ndpi_protocol pr = ndpi_detection_giveup(n->mod, flow_of(f->app.ndpi), 1, &guessed);
	bool known = pr.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
		     pr.master_protocol != NDPI_PROTOCOL_UNKNOWN;
	keep(f, pr, known ? (guessed ? NDPI_STATUS_GUESSED : NDPI_STATUS_DETECTED)
			  : NDPI_STATUS_UNKNOWN);
	release(n, f);
}

/* Appends s to buf (cap bytes, k used) as far as it fits; NUL-terminated.
 * Returns the new length. */
static size_t put(char *buf, size_t cap, size_t k, const char *s)
{
	size_t l = s ? strlen(s) : 0;
	if (l > cap - 1 - k)
		l = cap - 1 - k;
	if (l)
		memcpy(buf + k, s, l);
	buf[k + l] = '\0';
	return k + l;
}

const char *ndpi_flow_proto_name(struct ndpi_ctx *n, const struct flow *f, char *buf, size_t cap)
{
	if (!n || !cap || f->app.ndpi_status <= NDPI_STATUS_PROBING)
		return NULL;
	/* what ndpi_protocol2name writes ("Master.App", or the one that is
	 * known), without its snprintf calls (600 instructions a flow) */
	uint16_t ma = f->app.ndpi_proto, ap = f->app.ndpi_app;
	size_t k;
	if (ma != NDPI_PROTOCOL_UNKNOWN && ma != ap) {
		k = put(buf, cap, 0, ndpi_get_proto_name(n->mod, ma));
		if (ap != NDPI_PROTOCOL_UNKNOWN && k < cap - 1) {
			k = put(buf, cap, k, ".");
			put(buf, cap, k, ndpi_get_proto_name(n->mod, ap));
		}
	} else {
		put(buf, cap, 0, ndpi_get_proto_name(n->mod, ap));
	}
	return buf;
}

const char *ndpi_flow_category_name(struct ndpi_ctx *n, const struct flow *f, char *buf,
				    size_t cap)
{
	if (!n || !cap || f->app.ndpi_status <= NDPI_STATUS_PROBING)
		return NULL;
	const char *c = ndpi_category_get_name(n->mod, (ndpi_protocol_category_t)f->app.ndpi_category);
	put(buf, cap, 0, c ? c : "Unknown");
	return buf;
}
