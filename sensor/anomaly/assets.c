/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The passive asset inventory (see assets.h for the two halves and the
 * record format).
 *
 * Roles, inferred from behaviour and from the parsers' hints:
 *   field_device             answered requests of an industrial protocol (or
 *                            reported: DNP3 unsolicited, IEC 104 spontaneous)
 *   server                   answered OPC UA or MQTT requests (not a field device)
 *   publisher                published GOOSE
 *   engineering_workstation  downloaded or uploaded programs, started or stopped
 *                            a PLC, changed firmware, wrote files, swept device
 *                            identification (the parsers' hints)
 *   master                   sent requests or commands to at least master_min
 *                            distinct devices (unicast, field protocols: an OPC
 *                            UA server is not counted), and is not an engineering
 *                            workstation (which goes online with many PLCs)
 *   hmi                      a client of fewer devices (or of OPC UA servers),
 *                            neither an engineering workstation nor a device that
 *                            answers requests itself (a PLC reading a peer is not
 *                            an HMI)
 *
 * A device is an IP address (its MACs are what its frames came from: behind
 * a router, the router's), or a MAC address for a device seen only at layer
 * 2 (a GOOSE publisher); a MAC-only device that later shows the IP it uses is
 * that IP's device from then on.
 *
 * Identities are kept per (protocol, component): a device answering
 * EtherNet/IP for itself and for the controller in slot 0 of its backplane
 * has two, and neither replaces the other. A value replaced within one of
 * them (a new firmware revision, another serial number) is a change.
 */
#include "anomaly/assets.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output/eve.h"
#include "proto/registry.h"
#include "vigil/flow.h"

void assets_config_defaults(struct assets_config *c)
{
	c->enabled = true;
	c->max_assets = 4096;
	c->master_min = 3;
	c->refresh_sec = 86400;
	c->oui_file = "/usr/share/ieee-data/oui.csv";
}

/* ---- the worker's tap ------------------------------------------------------- */

/* Layer-2 senders (no flow) are remembered per protocol in a direct-mapped
 * table: all the frames of one EtherType go to one worker, so that table
 * sees the same frames whatever the number of workers. */
#define TAP_L2_SLOTS 128

struct asset_tap_l2 {
	uint64_t mac;     /* + 1; 0 = empty */
	uint64_t period;
};

struct asset_tap *asset_tap_new(void)
{
	return calloc(1, sizeof(struct asset_tap));
}

void asset_tap_free(struct asset_tap *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < sizeof(t->l2) / sizeof(t->l2[0]); i++)
		free(t->l2[i]);
	free(t);
}

static bool ip_group(const struct vaddr *a, uint8_t ver)
{
	if (ver == 4)
		return a->a[0] >= 224;
	return a->a[0] == 0xff;
}

const struct asset_fact *asset_tap_make(struct asset_tap *t, const struct packet *p,
					const struct flow *f, const struct app_tx *tx, bool first,
					bool id)
{
	struct asset_fact *fa = &t->fact;
	int pi = app_parser_index_of(tx->proto);
	const uint8_t *frame = NULL;
	if (p && p->linktype == LINK_ETHERNET && p->caplen >= 12)
		frame = p->data;
	fa->pcap_cnt = p ? p->pcap_cnt : 0;
	fa->proto = (uint8_t)(pi < 0 ? 0 : pi);
	fa->flags = (first ? ASSET_FACT_FIRST : 0) | (id ? ASSET_FACT_ID : 0) |
		    (p && !(p->flags & PKT_NO_INDEX) ? ASSET_FACT_INDEX : 0);
	fa->dir = tx->dir;
	fa->has_mac = 0;
	memset(fa->ip, 0, sizeof(fa->ip));
	if (!f) {
		fa->ip_ver = 0;
	} else {
		fa->ip_ver = f->key.ip_ver;
		fa->ip[0] = f->key.addr[tx->dir ? 1 : 0];
		fa->ip[1] = f->key.addr[tx->dir ? 0 : 1];
		if (ip_group(&fa->ip[1], fa->ip_ver))
			fa->flags |= ASSET_FACT_GROUP;
	}
	/* the frame's MACs, when the packet travels the tx's way */
	if (frame && (!f || (p->flow == f && p->dir == tx->dir))) {
		memcpy(fa->mac[0], frame + 6, 6);
		memcpy(fa->mac[1], frame, 6);
		fa->has_mac = 3;
		if (frame[0] & 1)
			fa->flags |= ASSET_FACT_GROUP;
	}
	return fa;
}

const struct asset_fact *asset_tap_l2(struct asset_tap *t, const struct packet *p,
				      const struct app_tx *tx)
{
	if (!p || p->linktype != LINK_ETHERNET || p->caplen < 12)
		return NULL;
	bool first = false;
	int pi = app_parser_index_of(tx->proto);
	if (pi >= 0 && (size_t)pi < sizeof(t->l2) / sizeof(t->l2[0]) &&
	    (t->l2[pi] || (t->l2[pi] = calloc(TAP_L2_SLOTS, sizeof(struct asset_tap_l2))))) {
		uint64_t mac = 0;
		for (int i = 0; i < 6; i++)
			mac = mac << 8 | p->data[6 + i];
		mac++;
		uint64_t period = p->ts >> ASSET_TAP_PERIOD_SHIFT;
		struct asset_tap_l2 *e = &t->l2[pi][(mac * 0x9e3779b97f4a7c15ull) >> 57];
		first = e->mac != mac || e->period != period;
		e->mac = mac;
		e->period = period;
	}
	const struct proto_parser *pp = tx->proto;
	bool id = pp->identity && pp->identity(tx, first, &t->fact.id);
	if (!first && !id)
		return NULL;
	return asset_tap_make(t, p, NULL, tx, first, id);
}

/* ---- MAC vendors (IEEE OUI, Debian's ieee-data) -------------------------- */

#define OUI_FILE_MAX (32u << 20)
#define OUI_MAX_ENTRIES (96u << 10)
#define OUI_SLOTS (1u << 17) /* more than the entries: probes stay short */

/* The file's bytes are kept; the table maps an OUI to where its name
 * starts in them, and a name is unquoted only when it is looked up (a
 * record at a time): loading is one pass over the lines. */
struct oui_table {
	uint32_t *key;   /* OUI + 1, 0 = empty */
	uint32_t *off;   /* the name's field in buf */
	char *buf;
	size_t len;
	size_t n;
};

static uint32_t oui_hash(uint32_t oui)
{
	return (oui * 2654435761u) >> (32 - 17);
}

/* hex digit values + 1 (0: not a hex digit) */
static const uint8_t hexv[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
	['F'] = 16, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

/* One CSV field from s (up to end): unquoted, "" inside quotes kept as
 * one quote, into out (at most cap-1 bytes); trailing blanks and commas
 * dropped (some names end in a stray comma: "Siemens AG,"). */
static void csv_field(const char *s, const char *end, char *out, size_t cap)
{
	size_t k = 0;
	if (s < end && *s == '"') {
		for (s++; s < end; s++) {
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"')
					s++;
				else
					break;
			}
			if (k + 1 < cap)
				out[k++] = *s;
		}
	} else {
		for (; s < end && *s != ',' && *s != '\n'; s++)
			if (k + 1 < cap)
				out[k++] = *s;
	}
	while (k && (out[k - 1] == ' ' || out[k - 1] == '\r' || out[k - 1] == ','))
		k--;
	out[k] = 0;
}

static void oui_free(struct oui_table *t)
{
	free(t->key);
	free(t->off);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

/* Reads path ("Registry,Assignment,Organization Name,..." lines; MA-L rows
 * are 24-bit OUIs). Returns 0, or -1 (the reason in err). Bounded: the
 * file's first OUI_FILE_MAX bytes, OUI_MAX_ENTRIES entries. */
static int oui_load(struct oui_table *t, const char *path, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		close(fd);
		return -1;
	}
	size_t size = st.st_size > (off_t)OUI_FILE_MAX ? OUI_FILE_MAX : (size_t)st.st_size;
	t->buf = malloc(size + 1);
	t->key = calloc(OUI_SLOTS, sizeof(*t->key));
	t->off = malloc(OUI_SLOTS * sizeof(*t->off));
	if (!t->buf || !t->key || !t->off) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		oui_free(t);
		return -1;
	}
	size_t got = 0;
	while (got < size) {
		ssize_t r = read(fd, t->buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	t->buf[got] = 0;
	t->len = got;
	const char *s = t->buf, *end = t->buf + got;
	while (s < end && t->n < OUI_MAX_ENTRIES) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end;
		/* "MA-L,XXXXXX,Name,..." */
		if (le - s > 12 && s[0] == 'M' && s[1] == 'A' && s[2] == '-' && s[3] == 'L' &&
		    s[4] == ',' && s[11] == ',') {
			const uint8_t *x = (const uint8_t *)s + 5;
			uint8_t v0 = hexv[x[0]], v1 = hexv[x[1]], v2 = hexv[x[2]], v3 = hexv[x[3]],
				v4 = hexv[x[4]], v5 = hexv[x[5]];
			uint32_t oui = (uint32_t)(v0 - 1) << 20 | (uint32_t)(v1 - 1) << 16 |
				       (uint32_t)(v2 - 1) << 12 | (uint32_t)(v3 - 1) << 8 |
				       (uint32_t)(v4 - 1) << 4 | (uint32_t)(v5 - 1);
			if (v0 && v1 && v2 && v3 && v4 && v5) {
				uint32_t h = oui_hash(oui);
				while (t->key[h] && t->key[h] != oui + 1)
					h = (h + 1) & (OUI_SLOTS - 1);
				if (!t->key[h]) { /* the first entry of an OUI wins */
					t->key[h] = oui + 1;
					t->off[h] = (uint32_t)(s + 12 - t->buf);
					t->n++;
				}
			}
		}
		s = nl ? nl + 1 : end;
	}
	if (!t->n) {
		snprintf(err, errlen, "no MA-L entries");
		oui_free(t);
		return -1;
	}
	return 0;
}

/* The vendor of mac into out (cap bytes): true, or false when unknown. */
static bool oui_lookup(const struct oui_table *t, const uint8_t mac[6], char *out, size_t cap)
{
	if (!t->n || (mac[0] & 2)) /* locally administered: no vendor */
		return false;
	uint32_t oui = (uint32_t)mac[0] << 16 | (uint32_t)mac[1] << 8 | mac[2];
	uint32_t h = oui_hash(oui);
	while (t->key[h]) {
		if (t->key[h] == oui + 1) {
			csv_field(t->buf + t->off[h], t->buf + t->len, out, cap);
			return out[0] != 0;
		}
		h = (h + 1) & (OUI_SLOTS - 1);
	}
	return false;
}

/* ---- the inventory ------------------------------------------------------- */

#define ASSET_MAX_IDS 4
#define ASSET_MAX_MACS 4
#define ASSET_MAX_PEERS 8
#define ID_MAX_NUM_KEYS 4
#define ID_MAX_NUM_VALS 4
#define MAX_CHANGES 24

/* printed roles, in this order */
enum {
	R_MASTER = 1, R_HMI = 2, R_ENGINEERING = 4, R_FIELD = 8, R_SERVER = 16, R_PUBLISHER = 32,
};
static const char *const role_names[] = {
	"master", "hmi", "engineering_workstation", "field_device", "server", "publisher",
};

static const char *const field_names[APP_IDF__COUNT] = {
	[APP_IDF_VENDOR] = "vendor", [APP_IDF_PRODUCT] = "product", [APP_IDF_MODEL] = "model",
	[APP_IDF_FIRMWARE] = "firmware", [APP_IDF_SERIAL] = "serial", [APP_IDF_NAME] = "name",
	[APP_IDF_DEVICE_TYPE] = "device_type",
};

/* What one protocol said about one component of a device. */
struct asset_ident {
	uint8_t proto;
	bool direct;                     /* the device itself */
	char component[APP_ID_COMPONENT];/* "" when direct */
	char self_key[APP_ID_COMPONENT]; /* direct from a may_be_self component: its key */
	char str[APP_IDF__COUNT][APP_ID_STR];
	uint8_t weak;                    /* str fields a weak identity filled */
	struct {
		const char *key;
		uint8_t n;
		uint32_t v[ID_MAX_NUM_VALS];
	} num[ID_MAX_NUM_KEYS];
	struct {
		const char *key;
		char val[APP_ID_EXT_STR];
	} ext[APP_ID_MAX_EXT];
};

struct asset {
	struct asset *ip_next, *mac_next; /* hash chains */
	struct asset *lru_prev, *lru_next;
	uint32_t id;
	uint8_t ip_ver;                   /* 0: MAC only */
	struct vaddr ip;
	uint8_t n_macs;
	uint8_t mac_cur;                  /* index of the most recent */
	uint8_t macs[ASSET_MAX_MACS][6];
	uint32_t mac_hash_of;             /* the MAC it is chained under (valid with n_macs) */
	uint32_t protos;                  /* bit per parser index */
	uint8_t hints;                    /* APP_ROLE_* seen */
	uint8_t roles;                    /* R_* as last recorded */
	uint8_t n_peers;
	uint32_t peers[ASSET_MAX_PEERS];  /* hashes of the devices it polled */
	uint64_t first_seen, last_seen, last_record;
	uint8_t n_ids;
	struct asset_ident *ids[ASSET_MAX_IDS];
};

struct change {
	const char *field;
	int8_t proto;                 /* -1: not an identity field */
	const char *component;        /* points into the ident (stable during the apply) */
	bool has_old;
	char old[APP_ID_EXT_STR];
	/* sets and lists are written from the asset at record time */
	uint8_t kind;                 /* C_STR, C_ROLES, C_PROTOS, C_NUM, C_MACS */
	char nw[APP_ID_EXT_STR];
	uint8_t old_roles;
	uint32_t old_protos;
	uint8_t old_n;
	uint32_t old_v[ID_MAX_NUM_VALS];
	const struct asset_ident *ident;
	uint8_t num_slot;
};

enum { C_STR, C_ROLES, C_PROTOS, C_NUM };

/* The changes of one asset during one apply. */
struct pending {
	struct asset *a;
	bool is_new;
	bool replaced;                /* a known value was replaced: "change" */
	uint8_t n;
	struct change ch[MAX_CHANGES];
	uint8_t roles0;
	uint32_t protos0;
};

struct assets {
	struct assets_config cfg;
	assets_emit_fn emit;
	void *user;
	struct oui_table oui;
	struct asset **ip_tab;
	struct asset **mac_tab;
	uint32_t tab_mask;
	struct asset *lru_head, *lru_tail; /* head: seen most recently */
	uint32_t next_id;
	struct jb jb;
	struct pending pend[3];
	/* counters: written by the output stage, read by the stats writer */
	_Atomic uint64_t n, peak, facts, records, changes, evicted, ids_dropped;
};

static uint32_t hash_bytes(const void *p, size_t n, uint32_t h)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static uint32_t ip_hash(uint8_t ver, const struct vaddr *ip)
{
	return hash_bytes(ip->a, ver == 6 ? 16 : 4, 2166136261u ^ ver);
}

static uint32_t mac_hash(const uint8_t mac[6])
{
	return hash_bytes(mac, 6, 2166136261u);
}

struct assets *assets_new(const struct assets_config *cfg, assets_emit_fn emit, void *user)
{
	struct assets *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->cfg = *cfg;
	if (a->cfg.max_assets < 16)
		a->cfg.max_assets = 16;
	if (a->cfg.master_min < 1)
		a->cfg.master_min = 1;
	if (a->cfg.master_min > ASSET_MAX_PEERS)
		a->cfg.master_min = ASSET_MAX_PEERS;
	a->emit = emit;
	a->user = user;
	uint32_t buckets = 64;
	while (buckets < a->cfg.max_assets * 2u && buckets < (1u << 22))
		buckets <<= 1;
	a->tab_mask = buckets - 1;
	a->ip_tab = calloc(buckets, sizeof(*a->ip_tab));
	a->mac_tab = calloc(buckets, sizeof(*a->mac_tab));
	if (!a->ip_tab || !a->mac_tab) {
		assets_free(a);
		return NULL;
	}
	a->next_id = 1;
	jb_init(&a->jb, 1 << 16);
	if (cfg->oui_file && cfg->oui_file[0]) {
		char err[256];
		if (oui_load(&a->oui, cfg->oui_file, err, sizeof(err)) < 0)
			fprintf(stderr, "vigil: warning: assets: %s: %s; MAC vendors are not named "
				"(Debian's ieee-data package has it)\n", cfg->oui_file, err);
	}
	return a;
}

static void asset_free(struct asset *x)
{
	for (unsigned i = 0; i < x->n_ids; i++)
		free(x->ids[i]);
	free(x);
}

void assets_free(struct assets *a)
{
	if (!a)
		return;
	for (struct asset *x = a->lru_head, *nx; x; x = nx) {
		nx = x->lru_next;
		asset_free(x);
	}
	free(a->ip_tab);
	free(a->mac_tab);
	oui_free(&a->oui);
	jb_free(&a->jb);
	free(a);
}

void assets_set_emit(struct assets *a, assets_emit_fn emit, void *user)
{
	a->emit = emit;
	a->user = user;
}

bool assets_oui_vendor(const struct assets *a, const uint8_t mac[6], char *out, size_t cap)
{
	return oui_lookup(&a->oui, mac, out, cap);
}

static void cnt_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

/* ---- the table: lookup, LRU, eviction ---- */

static void lru_unlink(struct assets *a, struct asset *x)
{
	if (x->lru_prev)
		x->lru_prev->lru_next = x->lru_next;
	else
		a->lru_head = x->lru_next;
	if (x->lru_next)
		x->lru_next->lru_prev = x->lru_prev;
	else
		a->lru_tail = x->lru_prev;
	x->lru_prev = x->lru_next = NULL;
}

static void lru_front(struct assets *a, struct asset *x)
{
	if (a->lru_head == x)
		return;
	if (x->lru_prev || x->lru_next || a->lru_tail == x)
		lru_unlink(a, x);
	x->lru_next = a->lru_head;
	if (a->lru_head)
		a->lru_head->lru_prev = x;
	a->lru_head = x;
	if (!a->lru_tail)
		a->lru_tail = x;
}

static struct asset *find_ip(struct assets *a, uint8_t ver, const struct vaddr *ip)
{
	for (struct asset *x = a->ip_tab[ip_hash(ver, ip) & a->tab_mask]; x; x = x->ip_next)
		if (x->ip_ver == ver && memcmp(x->ip.a, ip->a, ver == 6 ? 16 : 4) == 0)
			return x;
	return NULL;
}

static void unchain(struct asset **head, struct asset *x, bool mac)
{
	for (struct asset **pp = head; *pp; pp = mac ? &(*pp)->mac_next : &(*pp)->ip_next) {
		if (*pp == x) {
			*pp = mac ? x->mac_next : x->ip_next;
			return;
		}
	}
}

static const uint8_t *cur_mac(const struct asset *x)
{
	return x->n_macs ? x->macs[x->mac_cur] : NULL;
}

/* (Re)files x under its current MAC. */
static void mac_rechain(struct assets *a, struct asset *x, bool was_chained)
{
	if (was_chained)
		unchain(&a->mac_tab[x->mac_hash_of & a->tab_mask], x, true);
	x->mac_next = NULL;
	if (!x->n_macs)
		return;
	x->mac_hash_of = mac_hash(cur_mac(x));
	struct asset **h = &a->mac_tab[x->mac_hash_of & a->tab_mask];
	x->mac_next = *h;
	*h = x;
}

static void evict_one(struct assets *a)
{
	struct asset *x = a->lru_tail;
	if (!x)
		return;
	lru_unlink(a, x);
	if (x->ip_ver)
		unchain(&a->ip_tab[ip_hash(x->ip_ver, &x->ip) & a->tab_mask], x, false);
	if (x->n_macs)
		unchain(&a->mac_tab[x->mac_hash_of & a->tab_mask], x, true);
	asset_free(x);
	cnt_add(&a->evicted, 1);
	atomic_store_explicit(&a->n, atomic_load_explicit(&a->n, memory_order_relaxed) - 1,
			      memory_order_relaxed);
}

static struct asset *new_asset(struct assets *a, uint64_t ts)
{
	if (atomic_load_explicit(&a->n, memory_order_relaxed) >= a->cfg.max_assets)
		evict_one(a);
	struct asset *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->id = a->next_id++;
	x->first_seen = x->last_seen = ts;
	lru_front(a, x);
	uint64_t n = atomic_load_explicit(&a->n, memory_order_relaxed) + 1;
	atomic_store_explicit(&a->n, n, memory_order_relaxed);
	if (n > atomic_load_explicit(&a->peak, memory_order_relaxed))
		atomic_store_explicit(&a->peak, n, memory_order_relaxed);
	return x;
}

/* ---- changes ---- */

static struct pending *pend_of(struct assets *a, struct asset *x)
{
	for (int i = 0; i < 3; i++)
		if (a->pend[i].a == x)
			return &a->pend[i];
	for (int i = 0; i < 3; i++) {
		if (!a->pend[i].a) {
			struct pending *p = &a->pend[i];
			p->a = x;
			p->is_new = false;
			p->replaced = false;
			p->n = 0;
			p->roles0 = x->roles;
			p->protos0 = x->protos;
			return p;
		}
	}
	return NULL; /* never: at most three devices per fact */
}

static struct change *add_change(struct pending *p, const char *field, int proto,
				 const struct asset_ident *id, uint8_t kind)
{
	if (!p || p->is_new || p->n >= MAX_CHANGES)
		return NULL;
	struct change *c = &p->ch[p->n++];
	c->field = field;
	c->proto = (int8_t)proto;
	c->ident = id;
	c->component = id && id->component[0] ? id->component : NULL;
	c->has_old = false;
	c->kind = kind;
	c->old[0] = c->nw[0] = 0;
	return c;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* ---- finding and making devices ---- */

static void add_mac(struct assets *a, struct pending *pd, struct asset *x, const uint8_t mac[6])
{
	for (unsigned i = 0; i < x->n_macs; i++) {
		if (memcmp(x->macs[i], mac, 6) == 0) {
			if (x->mac_cur != i) { /* back to a MAC it had: no record */
				x->mac_cur = (uint8_t)i;
				mac_rechain(a, x, true);
			}
			return;
		}
	}
	bool had = x->n_macs > 0;
	char old[18] = "";
	if (had) {
		const uint8_t *m = cur_mac(x);
		snprintf(old, sizeof(old), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			 m[4], m[5]);
	}
	unsigned slot = x->n_macs < ASSET_MAX_MACS ? x->n_macs++
						   : (x->mac_cur + 1u) % ASSET_MAX_MACS;
	memcpy(x->macs[slot], mac, 6);
	x->mac_cur = (uint8_t)slot;
	mac_rechain(a, x, had);
	struct change *c = add_change(pd, "mac", -1, NULL, C_STR);
	if (c) {
		snprintf(c->nw, sizeof(c->nw), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
			 mac[2], mac[3], mac[4], mac[5]);
		if (had) {
			c->has_old = true;
			copy_str(c->old, sizeof(c->old), old);
			pd->replaced = true;
		}
	}
}

/* The device of an IP address (and, when known, the MAC its frame came
 * from), made when it is not there. */
static struct asset *get_ip(struct assets *a, uint8_t ver, const struct vaddr *ip,
			    const uint8_t *mac, uint64_t ts)
{
	struct asset *x = find_ip(a, ver, ip);
	if (!x && mac) {
		/* a device seen only at layer 2 with this MAC is this one */
		for (struct asset *y = a->mac_tab[mac_hash(mac) & a->tab_mask]; y; y = y->mac_next)
			if (!y->ip_ver && memcmp(cur_mac(y), mac, 6) == 0) {
				x = y;
				break;
			}
		if (x) {
			x->ip_ver = ver;
			x->ip = *ip;
			struct asset **h = &a->ip_tab[ip_hash(ver, ip) & a->tab_mask];
			x->ip_next = *h;
			*h = x;
			struct change *c = add_change(pend_of(a, x), "ip", -1, NULL, C_STR);
			if (c)
				eve_format_addr(c->nw, sizeof(c->nw), ip, ver);
		}
	}
	if (!x) {
		x = new_asset(a, ts);
		if (!x)
			return NULL;
		x->ip_ver = ver;
		x->ip = *ip;
		struct asset **h = &a->ip_tab[ip_hash(ver, ip) & a->tab_mask];
		x->ip_next = *h;
		*h = x;
		struct pending *pd = pend_of(a, x);
		if (pd)
			pd->is_new = true;
	}
	lru_front(a, x);
	if (mac && !(mac[0] & 1))
		add_mac(a, pend_of(a, x), x, mac);
	return x;
}

/* The device of a MAC seen without IP: a MAC-only device, or the one IP
 * device with that MAC, or a new MAC-only device. */
static struct asset *get_mac(struct assets *a, const uint8_t mac[6], uint64_t ts)
{
	struct asset *ipdev = NULL;
	int n_ip = 0;
	for (struct asset *y = a->mac_tab[mac_hash(mac) & a->tab_mask]; y; y = y->mac_next) {
		if (memcmp(cur_mac(y), mac, 6) != 0)
			continue;
		if (!y->ip_ver) {
			lru_front(a, y);
			return y;
		}
		ipdev = y;
		n_ip++;
	}
	if (n_ip == 1) {
		lru_front(a, ipdev);
		return ipdev;
	}
	struct asset *x = new_asset(a, ts);
	if (!x)
		return NULL;
	struct pending *pd = pend_of(a, x);
	if (pd)
		pd->is_new = true;
	memcpy(x->macs[0], mac, 6);
	x->n_macs = 1;
	mac_rechain(a, x, false);
	return x;
}

/* ---- what a fact says ---- */

/* Role hint of the answering side by protocol: OPC UA and MQTT servers
 * are servers; every other protocol's are field devices. MQTT clients
 * publish and subscribe (sensors, gateways): they are not polling masters. */
static uint8_t server_hint(const char *proto)
{
	return strcmp(proto, "opcua") == 0 || strcmp(proto, "mqtt") == 0 ? APP_ROLE_SERVER
									    : APP_ROLE_FIELD;
}

/* Does a client of this protocol poll field devices (a master or an
 * HMI)? MQTT clients do not (they publish and subscribe); an OPC UA client
 * is a client (an HMI, a historian), but an OPC UA server is not one of the
 * field devices a master is counted by. */
static bool client_counts(const char *proto)
{
	return strcmp(proto, "mqtt") != 0;
}

static bool peer_counts(const char *proto)
{
	return strcmp(proto, "mqtt") != 0 && strcmp(proto, "opcua") != 0;
}

static void add_peer(struct asset *x, uint32_t h)
{
	for (unsigned i = 0; i < x->n_peers; i++)
		if (x->peers[i] == h)
			return;
	if (x->n_peers < ASSET_MAX_PEERS)
		x->peers[x->n_peers++] = h;
}

static uint8_t compute_roles(const struct assets *a, const struct asset *x)
{
	uint8_t r = 0, h = x->hints;
	/* an engineering workstation goes online with many PLCs: it is not
	 * their master for that */
	if ((h & APP_ROLE_CLIENT) && !(h & APP_ROLE_ENGINEERING)) {
		if (x->n_peers >= a->cfg.master_min)
			r |= R_MASTER;
		else if (!(h & (APP_ROLE_FIELD | APP_ROLE_SERVER)))
			r |= R_HMI;
	}
	if (h & APP_ROLE_ENGINEERING)
		r |= R_ENGINEERING;
	if (h & APP_ROLE_FIELD)
		r |= R_FIELD;
	if (h & APP_ROLE_SERVER)
		r |= R_SERVER;
	if (h & APP_ROLE_PUBLISHER)
		r |= R_PUBLISHER;
	return r;
}

/* The identity slot of (proto, component) on x; NULL when x has no room. */
static struct asset_ident *ident_slot(struct assets *a, struct asset *x, uint8_t proto,
				      const struct app_identity *id)
{
	bool direct = !id->component[0];
	for (unsigned i = 0; i < x->n_ids; i++) {
		struct asset_ident *s = x->ids[i];
		if (s->proto != proto)
			continue;
		if (direct && s->direct && !s->self_key[0])
			return s;
		if (!direct && s->direct && s->self_key[0] &&
		    strcmp(s->self_key, id->component) == 0)
			return s;
		if (!direct && !s->direct && strcmp(s->component, id->component) == 0)
			return s;
		if (direct && s->direct && s->self_key[0]) /* the device itself, named both ways */
			return s;
	}
	bool self = direct;
	if (!direct && id->may_be_self) {
		self = true;
		for (unsigned i = 0; i < x->n_ids; i++)
			if (x->ids[i]->proto == proto && x->ids[i]->direct)
				self = false;
	}
	if (x->n_ids >= ASSET_MAX_IDS) {
		cnt_add(&a->ids_dropped, 1);
		return NULL;
	}
	struct asset_ident *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->proto = proto;
	s->direct = self;
	if (self && !direct)
		copy_str(s->self_key, sizeof(s->self_key), id->component);
	else if (!self)
		copy_str(s->component, sizeof(s->component), id->component);
	x->ids[x->n_ids++] = s;
	return s;
}

static void apply_identity(struct assets *a, struct asset *x, uint8_t proto,
			   const struct app_identity *id)
{
	if (!id->have && !id->n_ext)
		return;
	struct asset_ident *s = ident_slot(a, x, proto, id);
	if (!s)
		return;
	struct pending *pd = pend_of(a, x);
	for (int f = 0; f < APP_IDF__COUNT; f++) {
		uint8_t bit = (uint8_t)(1u << f);
		if (!(id->have & bit))
			continue;
		if (strcmp(s->str[f], id->str[f]) == 0) {
			if (!id->weak)
				s->weak &= (uint8_t)~bit; /* confirmed by the device itself */
			continue;
		}
		bool had = s->str[f][0] != 0;
		if (had && id->weak)
			continue;
		struct change *c = add_change(pd, field_names[f], proto, s, C_STR);
		if (c) {
			copy_str(c->nw, sizeof(c->nw), id->str[f]);
			if (had) {
				c->has_old = true;
				copy_str(c->old, sizeof(c->old), s->str[f]);
				/* a value only a table or a guess gave is
				 * replaced, not changed */
				if (!(s->weak & bit))
					pd->replaced = true;
			}
		}
		copy_str(s->str[f], sizeof(s->str[f]), id->str[f]);
		if (id->weak)
			s->weak |= bit;
		else
			s->weak &= (uint8_t)~bit;
	}
	for (unsigned k = 0; k < id->n_ext; k++) {
		int slot = -1;
		for (int j = 0; j < APP_ID_MAX_EXT && slot < 0; j++)
			if (s->ext[j].key && strcmp(s->ext[j].key, id->ext[k].key) == 0)
				slot = j;
		for (int j = 0; j < APP_ID_MAX_EXT && slot < 0; j++)
			if (!s->ext[j].key)
				slot = j;
		if (slot < 0 || (s->ext[slot].key && strcmp(s->ext[slot].val, id->ext[k].val) == 0))
			continue;
		bool had = s->ext[slot].key != NULL;
		if (had && id->weak)
			continue;
		struct change *c = add_change(pd, id->ext[k].key, proto, s, C_STR);
		if (c) {
			copy_str(c->nw, sizeof(c->nw), id->ext[k].val);
			if (had) {
				c->has_old = true;
				copy_str(c->old, sizeof(c->old), s->ext[slot].val);
				pd->replaced = true;
			}
		}
		s->ext[slot].key = id->ext[k].key;
		copy_str(s->ext[slot].val, sizeof(s->ext[slot].val), id->ext[k].val);
	}
}

/* Numbers of side `side` (sets: a new value is learnt, never a change). */
static void apply_nums(struct assets *a, struct asset *x, uint8_t proto,
		       const struct app_identity *id, uint8_t side)
{
	struct asset_ident *s = NULL;
	for (unsigned k = 0; k < id->n_num; k++) {
		if (id->num[k].side != side)
			continue;
		if (!s) {
			/* numbers go with the identity of the component named,
			 * which is the about side's; the other side's to its
			 * device itself */
			struct app_identity tmp;
			app_identity_init(&tmp);
			if (side == id->about) {
				memcpy(tmp.component, id->component, sizeof(tmp.component));
				tmp.may_be_self = id->may_be_self;
			}
			s = ident_slot(a, x, proto, &tmp);
			if (!s)
				return;
		}
		int slot = -1;
		for (int j = 0; j < ID_MAX_NUM_KEYS && slot < 0; j++)
			if (s->num[j].key && strcmp(s->num[j].key, id->num[k].key) == 0)
				slot = j;
		for (int j = 0; j < ID_MAX_NUM_KEYS && slot < 0; j++)
			if (!s->num[j].key)
				slot = j;
		if (slot < 0)
			continue;
		bool seen = false;
		for (unsigned j = 0; j < s->num[slot].n; j++)
			if (s->num[slot].v[j] == id->num[k].val)
				seen = true;
		if (seen || s->num[slot].n >= ID_MAX_NUM_VALS)
			continue;
		struct change *c = add_change(pend_of(a, x), id->num[k].key, proto, s, C_NUM);
		if (c) {
			c->num_slot = (uint8_t)slot;
			c->old_n = s->num[slot].n;
			memcpy(c->old_v, s->num[slot].v, sizeof(c->old_v));
		}
		s->num[slot].key = id->num[k].key;
		s->num[slot].v[s->num[slot].n++] = id->num[k].val;
	}
}

/* ---- records ---- */

static void put_mac(struct jb *jb, const char *key, const uint8_t m[6])
{
	char s[18];
	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	jb_set_ascii(jb, key, s);
}

static void put_ts(struct jb *jb, const char *key, uint64_t ts)
{
	char b[40];
	eve_format_ts(b, ts);
	jb_set_asciin(jb, key, b, EVE_TS_LEN);
}

static const char *proto_name(uint8_t i)
{
	return i < app_n_parsers && app_parsers[i] ? app_parsers[i]->name : "unknown";
}

static void put_roles(struct jb *jb, const char *key, uint8_t r)
{
	jb_open_array(jb, key);
	for (unsigned i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (r & (1u << i))
			jb_set_ascii(jb, NULL, role_names[i]);
	jb_close(jb);
}

static void put_protos(struct jb *jb, const char *key, uint32_t p)
{
	jb_open_array(jb, key);
	for (unsigned i = 0; i < app_n_parsers && i < 32; i++)
		if (p & (1u << i))
			jb_set_ascii(jb, NULL, proto_name((uint8_t)i));
	jb_close(jb);
}

static void put_ident(struct jb *jb, const struct asset_ident *s)
{
	jb_open_object(jb, NULL);
	jb_set_ascii(jb, "protocol", proto_name(s->proto));
	if (s->component[0])
		jb_set_str(jb, "component", s->component);
	for (int f = 0; f < APP_IDF__COUNT; f++)
		if (s->str[f][0])
			jb_set_str(jb, field_names[f], s->str[f]);
	for (int j = 0; j < APP_ID_MAX_EXT; j++)
		if (s->ext[j].key)
			jb_set_str(jb, s->ext[j].key, s->ext[j].val);
	for (int j = 0; j < ID_MAX_NUM_KEYS; j++) {
		if (!s->num[j].key)
			continue;
		jb_open_array(jb, s->num[j].key);
		for (unsigned k = 0; k < s->num[j].n; k++)
			jb_set_uint(jb, NULL, s->num[j].v[k]);
		jb_close(jb);
	}
	jb_close(jb);
}

static void put_change(struct jb *jb, const struct pending *p, const struct change *c)
{
	const struct asset *x = p->a;
	jb_open_object(jb, NULL);
	jb_set_str(jb, "field", c->field);
	if (c->proto >= 0)
		jb_set_ascii(jb, "protocol", proto_name((uint8_t)c->proto));
	if (c->component)
		jb_set_str(jb, "component", c->component);
	switch (c->kind) {
	case C_STR:
		if (c->has_old)
			jb_set_str(jb, "old", c->old);
		jb_set_str(jb, "new", c->nw);
		break;
	case C_ROLES:
		if (p->roles0)
			put_roles(jb, "old", p->roles0);
		put_roles(jb, "new", x->roles);
		break;
	case C_PROTOS:
		if (p->protos0)
			put_protos(jb, "old", p->protos0);
		put_protos(jb, "new", x->protos);
		break;
	case C_NUM: {
		const struct asset_ident *s = c->ident;
		if (c->old_n) {
			jb_open_array(jb, "old");
			for (unsigned k = 0; k < c->old_n; k++)
				jb_set_uint(jb, NULL, c->old_v[k]);
			jb_close(jb);
		}
		jb_open_array(jb, "new");
		for (unsigned k = 0; k < s->num[c->num_slot].n; k++)
			jb_set_uint(jb, NULL, s->num[c->num_slot].v[k]);
		jb_close(jb);
		break;
	}
	}
	jb_close(jb);
}

static void write_record(struct assets *a, const struct pending *p, const char *event,
			 const struct asset_fact *f, uint64_t ts)
{
	const struct asset *x = p->a;
	struct jb *jb = &a->jb;
	jb_reset(jb);
	jb_open_object(jb, NULL);
	put_ts(jb, "timestamp", ts);
	if (f->flags & ASSET_FACT_INDEX)
		jb_set_uint(jb, "pcap_cnt", f->pcap_cnt);
	jb_set_ascii(jb, "event_type", "asset");
	jb_open_object(jb, "asset");
	jb_set_uint(jb, "id", x->id);
	jb_set_ascii(jb, "event", event);
	if (x->ip_ver) {
		char ip[64];
		eve_format_addr(ip, sizeof(ip), &x->ip, x->ip_ver);
		jb_set_ascii(jb, "ip", ip);
	}
	if (x->n_macs) {
		put_mac(jb, "mac", cur_mac(x));
		char v[APP_ID_STR];
		if (oui_lookup(&a->oui, cur_mac(x), v, sizeof(v)))
			jb_set_str(jb, "mac_vendor", v);
		if (x->n_macs > 1) {
			jb_open_array(jb, "macs");
			for (unsigned i = 0; i < x->n_macs; i++)
				put_mac(jb, NULL, x->macs[i]);
			jb_close(jb);
		}
	}
	/* the device's own identity: the first of its direct identities that
	 * knows each field */
	for (int fld = 0; fld < APP_IDF__COUNT; fld++) {
		for (unsigned i = 0; i < x->n_ids; i++) {
			if (x->ids[i]->direct && x->ids[i]->str[fld][0]) {
				jb_set_str(jb, field_names[fld], x->ids[i]->str[fld]);
				break;
			}
		}
	}
	put_protos(jb, "protocols", x->protos);
	put_roles(jb, "roles", x->roles);
	if (x->n_ids) {
		jb_open_array(jb, "identities");
		for (unsigned i = 0; i < x->n_ids; i++)
			put_ident(jb, x->ids[i]);
		jb_close(jb);
	}
	put_ts(jb, "first_seen", x->first_seen);
	put_ts(jb, "last_seen", x->last_seen);
	if (p->n) {
		jb_open_array(jb, "changes");
		for (unsigned i = 0; i < p->n; i++)
			put_change(jb, p, &p->ch[i]);
		jb_close(jb);
	}
	jb_close(jb);
	jb_close(jb);
	if (!jb_ok(jb))
		return;
	cnt_add(&a->records, 1);
	if (a->emit)
		a->emit(a->user, jb->buf, jb->len, ts);
}

void assets_apply(struct assets *a, const void *bytes, size_t len, uint64_t ts)
{
	struct asset_fact f;
	if (len < offsetof(struct asset_fact, id) || len > sizeof(f))
		return;
	memcpy(&f, bytes, offsetof(struct asset_fact, id));
	if (len != asset_fact_len(&f) || f.proto >= app_n_parsers) /* as asset_tap_make made it */
		return;
	if (f.flags & ASSET_FACT_ID)
		memcpy(&f.id, (const uint8_t *)bytes + offsetof(struct asset_fact, id),
		       sizeof(f.id));
	else
		app_identity_init(&f.id);
	/* strings of the queue are the tap's, but a fact is bounded anyway */
	for (int k = 0; k < APP_IDF__COUNT; k++)
		f.id.str[k][APP_ID_STR - 1] = 0;
	for (int k = 0; k < APP_ID_MAX_EXT; k++)
		f.id.ext[k].val[APP_ID_EXT_STR - 1] = 0;
	f.id.component[APP_ID_COMPONENT - 1] = 0;
	if (f.id.n_num > APP_ID_MAX_NUM)
		f.id.n_num = APP_ID_MAX_NUM;
	if (f.id.n_ext > APP_ID_MAX_EXT)
		f.id.n_ext = APP_ID_MAX_EXT;
	cnt_add(&a->facts, 1);
	for (int i = 0; i < 3; i++)
		a->pend[i].a = NULL;
	const char *pname = proto_name(f.proto);
	const uint8_t *smac = (f.has_mac & 1) ? f.mac[0] : NULL;
	const uint8_t *rmac = (f.has_mac & 2) && !(f.flags & ASSET_FACT_GROUP) ? f.mac[1] : NULL;
	const struct app_identity *id = &f.id;
	bool group = f.flags & ASSET_FACT_GROUP;

	/* the sender */
	struct asset *snd = f.ip_ver ? get_ip(a, f.ip_ver, &f.ip[0], smac, ts)
				     : smac ? get_mac(a, smac, ts) : NULL;
	if (snd)
		pend_of(a, snd); /* its record first */
	/* the receiver: made once it has answered (the client, for a
	 * response) or when the tx says what it is; else only when known
	 * already (a request to a device it has seen answer: its MAC, the
	 * numbers the request gives it) */
	struct asset *rcv = NULL;
	bool rcv_make = (f.dir == 1 && (f.flags & ASSET_FACT_FIRST)) || id->role[1] ||
			(id->about == APP_ID_RECEIVER && (id->have || id->n_ext));
	if (f.ip_ver && !group && rcv_make) {
		rcv = get_ip(a, f.ip_ver, &f.ip[1], rmac, ts);
	} else if (f.ip_ver && !group && (rcv = find_ip(a, f.ip_ver, &f.ip[1]))) {
		lru_front(a, rcv);
		if (rmac)
			add_mac(a, pend_of(a, rcv), rcv, rmac);
	}
	/* a third host the tx names (BACnet Forwarded-NPDU) */
	struct asset *oth = NULL;
	if (id->about == APP_ID_IPV4 && (id->have || id->n_ext || id->n_num)) {
		struct vaddr v;
		memset(&v, 0, sizeof(v));
		memcpy(v.a, id->about_ip, 4);
		oth = get_ip(a, 4, &v, NULL, ts);
	}
	if (snd) {
		snd->last_seen = ts;
		pend_of(a, snd);
		snd->protos |= 1u << (f.proto & 31);
	}
	if (rcv && rcv_make) {
		pend_of(a, rcv);
		rcv->protos |= 1u << (f.proto & 31);
	}
	if (oth) {
		pend_of(a, oth);
		oth->last_seen = ts;
		oth->protos |= 1u << (f.proto & 31);
	}
	/* roles from the flow's direction */
	if ((f.flags & ASSET_FACT_FIRST) && f.ip_ver) {
		struct asset *client = f.dir == 0 ? snd : rcv;
		struct asset *server = f.dir == 0 ? NULL : snd;
		const struct vaddr *server_ip = &f.ip[f.dir == 0 ? 1 : 0];
		if (client && client_counts(pname) && !(f.dir == 0 && group)) {
			client->hints |= APP_ROLE_CLIENT;
			if (peer_counts(pname))
				add_peer(client, ip_hash(f.ip_ver, server_ip));
		}
		if (server)
			server->hints |= server_hint(pname);
	}
	/* what the parser said */
	if (f.flags & ASSET_FACT_ID) {
		if (snd)
			snd->hints |= id->role[0];
		if (rcv && rcv_make)
			rcv->hints |= id->role[1];
		struct asset *about = id->about == APP_ID_SENDER ? snd
				      : id->about == APP_ID_RECEIVER ? rcv : oth;
		if (about)
			apply_identity(a, about, f.proto, id);
		if (snd)
			apply_nums(a, snd, f.proto, id, APP_ID_SENDER);
		if (rcv)
			apply_nums(a, rcv, f.proto, id, APP_ID_RECEIVER);
		if (oth)
			apply_nums(a, oth, f.proto, id, APP_ID_IPV4);
	}
	/* records, sender first */
	for (int i = 0; i < 3; i++) {
		struct pending *p = &a->pend[i];
		if (!p->a)
			continue;
		struct asset *x = p->a;
		x->roles = compute_roles(a, x);
		const char *event;
		if (p->is_new) {
			event = "new";
			p->n = 0;
		} else {
			if (x->protos != p->protos0)
				add_change(p, "protocols", -1, NULL, C_PROTOS);
			if (x->roles != p->roles0)
				add_change(p, "roles", -1, NULL, C_ROLES);
			if (p->n)
				event = p->replaced ? "change" : "update";
			else if (a->cfg.refresh_sec && x == snd &&
				 ts - x->last_record >= (uint64_t)a->cfg.refresh_sec * 1000000u)
				event = "refresh";
			else
				continue;
		}
		if (p->replaced && !p->is_new)
			cnt_add(&a->changes, 1);
		x->last_record = ts;
		write_record(a, p, event, &f, ts);
	}
}

/* ---- stats ---- */

void assets_get_stats(const struct assets *a, struct assets_stats *o)
{
	memset(o, 0, sizeof(*o));
	if (!a)
		return;
	o->assets = atomic_load_explicit(&a->n, memory_order_relaxed);
	o->peak = atomic_load_explicit(&a->peak, memory_order_relaxed);
	o->capacity = a->cfg.max_assets;
	o->facts = atomic_load_explicit(&a->facts, memory_order_relaxed);
	o->records = atomic_load_explicit(&a->records, memory_order_relaxed);
	o->changes = atomic_load_explicit(&a->changes, memory_order_relaxed);
	o->evicted = atomic_load_explicit(&a->evicted, memory_order_relaxed);
	o->ids_dropped = atomic_load_explicit(&a->ids_dropped, memory_order_relaxed);
	o->oui_entries = a->oui.n;
}

void assets_stats_json(struct jb *jb, const struct assets_stats *s)
{
	jb_open_object(jb, "assets");
	jb_set_uint(jb, "devices", s->assets);
	jb_set_uint(jb, "peak", s->peak);
	jb_set_uint(jb, "capacity", s->capacity);
	jb_set_bool(jb, "at_capacity", s->evicted > 0);
	jb_set_uint(jb, "evicted", s->evicted);
	jb_set_uint(jb, "facts", s->facts);
	jb_set_uint(jb, "records", s->records);
	jb_set_uint(jb, "changes", s->changes);
	jb_set_uint(jb, "identities_dropped", s->ids_dropped);
	jb_set_uint(jb, "mac_vendors", s->oui_entries);
	jb_close(jb);
}
