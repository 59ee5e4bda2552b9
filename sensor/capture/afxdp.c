/* SPDX-License-Identifier: BSD-3-Clause */
#include "capture/afxdp.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/capability.h>
#include <linux/if_xdp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>

#include "vigil_xdp.skel.h"

#define FRAME_SIZE XSK_UMEM__DEFAULT_FRAME_SIZE
#define RING_SIZE 2048
#define XDP_GATHER_NS 1000000L /* 2 048 frames last 1 ms up to 2 M packets/s */

/* One RX queue: its UMEM (shared by all its sockets), fill and completion
 * rings, and the sockets of the workers and the fallback. */
struct xq {
	void *area;
	size_t area_size;
	struct xsk_umem *umem;
	struct xsk_ring_prod fq;
	struct xsk_ring_cons cq;
	pthread_mutex_t fq_lock;
	struct xsk_socket **xsk;   /* n_workers + 1 */
	struct xsk_ring_cons *rx;  /* n_workers + 1 */
};

struct afxdp {
	struct vigil_xdp *skel;
	int ifindex;
	uint32_t xdp_flags;
	bool attached;
	int link;                 /* the BPF link attaching the program */
	bool zerocopy;
	int n_workers;
	int n_queues;
	struct xq *q;
	int ncpu;
};

static const char *const counter_names[VXDP__COUNT] = {
	[VXDP_SEEN] = "seen",
	[VXDP_KEPT] = "kept",
	[VXDP_KEPT_FALLBACK] = "kept_fallback",
	[VXDP_DROPPED] = "dropped",
	[VXDP_PASSED] = "passed",
	[VXDP_PASSED_ARP_ND] = "passed_arp_nd",
	[VXDP_KEPT_TCP] = "kept_tcp",
	[VXDP_KEPT_UDP] = "kept_udp",
	[VXDP_KEPT_L2] = "kept_l2",
	[VXDP_DROP_TCP] = "not_kept_tcp",
	[VXDP_DROP_UDP] = "not_kept_udp",
	[VXDP_DROP_OTHER] = "not_kept_other",
	[VXDP_MALFORMED] = "malformed",
	[VXDP_KEPT_TUNNEL] = "kept_tunnel",
};

const char *afxdp_counter_name(int i)
{
	return i >= 0 && i < VXDP__COUNT ? counter_names[i] : "?";
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("VIGIL_BPF_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* RX queues of the interface (/sys/class/net/IF/queues/rx-N). */
static int count_rx_queues(const char *iface)
{
	char path[256];
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", iface);
	DIR *d = opendir(path);
	if (!d)
		return 1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "rx-", 3) == 0)
			n++;
	closedir(d);
	return n > 0 ? n : 1;
}

static int parse_prefix(const char *s, struct vxdp_lpm_key *k)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	long plen = -1;
	if (slash) {
		*slash = '\0';
		char *end;
		plen = strtol(slash + 1, &end, 10);
		if (*end || plen < 0)
			return -1;
	}
	memset(k, 0, sizeof(*k));
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		if (plen > 32)
			return -1;
		k->addr[10] = 0xff;
		k->addr[11] = 0xff;
		memcpy(k->addr + 12, &a4, 4);
		k->prefixlen = (uint32_t)(96 + (plen < 0 ? 32 : plen));
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &a6) == 1) {
		if (plen > 128)
			return -1;
		memcpy(k->addr, &a6, 16);
		k->prefixlen = (uint32_t)(plen < 0 ? 128 : plen);
		return 0;
	}
	return -1;
}

static int fill_maps(struct afxdp *x, const struct afxdp_opts *o, char *err, size_t errlen)
{
	int pfd = bpf_map__fd(x->skel->maps.ports);
	uint8_t one = VXDP_PORT_KEEP, tunnel = VXDP_PORT_TUNNEL;
	for (size_t i = 0; o->tunnel_udp_ports && o->tunnel_udp_ports[i]; i++) {
		uint32_t k = 65536u + o->tunnel_udp_ports[i];
		if (bpf_map_update_elem(pfd, &k, &tunnel, BPF_ANY) < 0) {
			snprintf(err, errlen, "cannot fill the ports map: %s", strerror(errno));
			return -1;
		}
	}
	for (int t = 0; t < 2; t++) {
		const uint16_t *ports = t == 0 ? o->tcp_ports : o->udp_ports;
		for (size_t i = 0; ports && ports[i]; i++) {
			uint32_t k = (uint32_t)t * 65536u + ports[i];
			uint8_t cur = 0;
			if (bpf_map_lookup_elem(pfd, &k, &cur) == 0 && cur == VXDP_PORT_TUNNEL)
				continue; /* a VXLAN port stays one */
			if (bpf_map_update_elem(pfd, &k, &one, BPF_ANY) < 0) {
				snprintf(err, errlen, "cannot fill the ports map: %s", strerror(errno));
				return -1;
			}
		}
	}
	int afd = bpf_map__fd(x->skel->maps.allow);
	for (size_t i = 0; i < o->n_allow; i++) {
		struct vxdp_lpm_key k;
		if (parse_prefix(o->allow[i], &k) < 0) {
			snprintf(err, errlen, "xdp allow entry \"%s\" is not an address or prefix",
				 o->allow[i]);
			return -1;
		}
		if (bpf_map_update_elem(afd, &k, &one, BPF_ANY) < 0) {
			snprintf(err, errlen, "cannot fill the allow map: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int open_queue(struct afxdp *x, const struct afxdp_opts *o, int qi, char *err, size_t errlen)
{
	struct xq *q = &x->q[qi];
	int nsock = x->n_workers + 1;
	uint32_t frames = (o->frames_per_socket ? o->frames_per_socket : 4096) * (uint32_t)nsock;
	q->area_size = (size_t)frames * FRAME_SIZE;
	q->area = mmap(NULL, q->area_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->area == MAP_FAILED) {
		q->area = NULL;
		snprintf(err, errlen, "cannot map %zu bytes of UMEM: %s", q->area_size, strerror(errno));
		return -1;
	}
	struct xsk_umem_config ucfg = {
		.fill_size = frames > 16384 ? 16384 : frames,
		.comp_size = RING_SIZE,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
		.flags = 0,
	};
	/* the fill ring size must be a power of two */
	uint32_t fs = 1;
	while (fs * 2 <= ucfg.fill_size)
		fs *= 2;
	ucfg.fill_size = fs;
	int rc = xsk_umem__create(&q->umem, q->area, q->area_size, &q->fq, &q->cq, &ucfg);
	if (rc == -ENOBUFS) {
		/* the kernel counts the UMEM's pages against RLIMIT_MEMLOCK of
		 * the user, unless the process has CAP_IPC_LOCK */
		struct rlimit rl = { 0, 0 };
		getrlimit(RLIMIT_MEMLOCK, &rl);
		snprintf(err, errlen, "cannot create the UMEM of %zu MiB: over the "
			 "locked-memory limit (RLIMIT_MEMLOCK %llu KiB, shared by the user's "
			 "processes); raise it (LimitMEMLOCK= in a systemd unit, ulimit -l) or "
			 "grant CAP_IPC_LOCK",
			 q->area_size >> 20, (unsigned long long)(rl.rlim_cur >> 10));
		return -1;
	}
	if (rc) {
		snprintf(err, errlen, "cannot create the UMEM: %s", strerror(-rc));
		return -1;
	}
	pthread_mutex_init(&q->fq_lock, NULL);
	q->xsk = calloc((size_t)nsock, sizeof(*q->xsk));
	q->rx = calloc((size_t)nsock, sizeof(*q->rx));
	if (!q->xsk || !q->rx) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int map_fd = bpf_map__fd(x->skel->maps.xsks);
	for (int s = 0; s < nsock; s++) {
		struct xsk_socket_config cfg = {
			.rx_size = RING_SIZE,
			.tx_size = 0,
			.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
			.xdp_flags = x->xdp_flags,
			.bind_flags = (uint16_t)(XDP_USE_NEED_WAKEUP |
						 (o->zerocopy ? XDP_ZEROCOPY : XDP_COPY)),
		};
		rc = xsk_socket__create_shared(&q->xsk[s], o->iface, (uint32_t)qi, q->umem, &q->rx[s],
					       NULL, &q->fq, &q->cq, &cfg);
		if (rc && o->zerocopy) {
			/* the driver cannot do zero-copy: copy mode */
			cfg.bind_flags = XDP_USE_NEED_WAKEUP | XDP_COPY;
			rc = xsk_socket__create_shared(&q->xsk[s], o->iface, (uint32_t)qi, q->umem,
						       &q->rx[s], NULL, &q->fq, &q->cq, &cfg);
			x->zerocopy = false;
		} else if (!rc && o->zerocopy) {
			x->zerocopy = true;
		}
		if (rc) {
			snprintf(err, errlen, "%s: cannot open an AF_XDP socket on queue %d: %s",
				 o->iface, qi, strerror(-rc));
			return -1;
		}
		uint32_t key = (uint32_t)(qi * nsock + s);
		int fd = xsk_socket__fd(q->xsk[s]);
		if (bpf_map_update_elem(map_fd, &key, &fd, BPF_ANY) < 0) {
			snprintf(err, errlen, "cannot add a socket to the XSKMAP: %s", strerror(errno));
			return -1;
		}
	}
	/* hand every frame to the kernel */
	uint32_t idx = 0;
	uint32_t n = ucfg.fill_size;
	if (xsk_ring_prod__reserve(&q->fq, n, &idx) != n) {
		snprintf(err, errlen, "cannot fill the UMEM fill ring");
		return -1;
	}
	for (uint32_t i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fq, idx + i) = (uint64_t)i * FRAME_SIZE;
	xsk_ring_prod__submit(&q->fq, n);
	return 0;
}

/*
 * The capabilities --xdp needs, measured on kernel 6.18 as a non-root user
 * with no_new_privs (tests/service/live.sh): CAP_BPF to create the maps and
 * load the program; CAP_PERFMON because the verifier allows the program's
 * variable offsets into the packet only to a loader that has it ("pointer
 * arithmetic with it prohibited for !root"); CAP_NET_ADMIN to attach the
 * program to the interface; CAP_NET_RAW for the AF_XDP sockets. CAP_SYS_ADMIN
 * stands for CAP_BPF and CAP_PERFMON, as in the kernel. Each missing one is
 * named in *out (" CAP_X" each); returns how many are missing.
 */
static int missing_caps(char *out, size_t cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	memset(d, 0, sizeof(d));
	out[0] = 0;
	if (syscall(SYS_capget, &h, d) != 0)
		return 0; /* cannot tell: let the kernel say */
	uint64_t eff = (uint64_t)d[0].effective | (uint64_t)d[1].effective << 32;
#define HAS(c) ((eff >> (c)) & 1)
	static const struct {
		int cap, alt;
		const char *name;
	} need[] = {
		{ CAP_BPF, CAP_SYS_ADMIN, "CAP_BPF" },
		{ CAP_PERFMON, CAP_SYS_ADMIN, "CAP_PERFMON" },
		{ CAP_NET_ADMIN, -1, "CAP_NET_ADMIN" },
		{ CAP_NET_RAW, -1, "CAP_NET_RAW" },
	};
	int n = 0;
	size_t len = 0;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (HAS(need[i].cap) || (need[i].alt >= 0 && HAS(need[i].alt)))
			continue;
		n++;
		int w = snprintf(out + len, cap - len, " %s", need[i].name);
		if (w > 0 && (size_t)w < cap - len)
			len += (size_t)w;
	}
#undef HAS
	return n;
}

struct afxdp *afxdp_open(const struct afxdp_opts *o, char *err, size_t errlen)
{
	libbpf_set_print(libbpf_quiet);
	struct afxdp *x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->n_workers = o->n_workers > 0 ? o->n_workers : 1;
	x->ifindex = (int)if_nametoindex(o->iface);
	if (!x->ifindex) {
		snprintf(err, errlen, "%s: no such interface", o->iface);
		goto err_free;
	}
	char missing[128];
	if (missing_caps(missing, sizeof(missing))) {
		snprintf(err, errlen, "%s: --xdp needs CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and "
			 "CAP_NET_RAW (or root); missing:%s; use -i %s for libpcap capture "
			 "(CAP_NET_RAW only)", o->iface, missing, o->iface);
		goto err_free;
	}
	x->n_queues = count_rx_queues(o->iface);
	if ((x->n_workers + 1) * x->n_queues > VXDP_MAX_SOCKETS) {
		snprintf(err, errlen, "%s: %d queues x %d workers is more sockets than %d",
			 o->iface, x->n_queues, x->n_workers, VXDP_MAX_SOCKETS);
		goto err_free;
	}
	x->ncpu = libbpf_num_possible_cpus();
	x->skel = vigil_xdp__open();
	if (!x->skel) {
		snprintf(err, errlen, "cannot open the XDP program: %s", strerror(errno));
		goto err_free;
	}
	x->skel->rodata->n_workers = (uint32_t)x->n_workers;
	x->skel->rodata->drop_others = o->drop_others ? 1 : 0;
	int rc = vigil_xdp__load(x->skel);
	if (rc) {
		if (rc == -EPERM)
			snprintf(err, errlen, "cannot load the XDP program: not permitted "
				 "(root with CAP_BPF needed); use -i %s", o->iface);
		else
			snprintf(err, errlen, "cannot load the XDP program (verifier or kernel "
				 "without BPF support): %s; use -i %s (set VIGIL_BPF_DEBUG=1 "
				 "for the verifier log)", strerror(-rc), o->iface);
		goto err_skel;
	}
	if (fill_maps(x, o, err, errlen) < 0)
		goto err_skel;

	/* Replace a program attached the old way (netlink, by an earlier
	 * version that crashed, or another tool). Ours is attached through a
	 * BPF link: it is detached when the link's descriptor is closed, at
	 * stop or when the process dies, which needs no privilege (the sensor
	 * has none left by then: privs.c). */
	x->xdp_flags = o->native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
	bpf_xdp_detach(x->ifindex, XDP_FLAGS_DRV_MODE, NULL);
	bpf_xdp_detach(x->ifindex, XDP_FLAGS_SKB_MODE, NULL);
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = x->xdp_flags);
	x->link = bpf_link_create(bpf_program__fd(x->skel->progs.vigil_xdp), x->ifindex, BPF_XDP, &lo);
	rc = x->link < 0 ? x->link : 0;
	if (rc) {
		snprintf(err, errlen, "%s: cannot attach XDP in %s mode: %s%s", o->iface,
			 o->native ? "native" : "skb", strerror(-rc),
			 o->native ? " (try --xdp-mode skb, or -i)" : " (use -i)");
		goto err_skel;
	}
	x->attached = true;

	x->q = calloc((size_t)x->n_queues, sizeof(*x->q));
	if (!x->q) {
		snprintf(err, errlen, "out of memory");
		goto err_close;
	}
	for (int qi = 0; qi < x->n_queues; qi++)
		if (open_queue(x, o, qi, err, errlen) < 0)
			goto err_close;
	return x;

err_close:
	afxdp_close(x);
	return NULL;
err_skel:
	vigil_xdp__destroy(x->skel);
err_free:
	free(x);
	return NULL;
}

int afxdp_recv(struct afxdp *x, int w, struct afxdp_frame *f, int max, int timeout_ms)
{
	int got = 0;
	for (int pass = 0; pass < 2 && got == 0; pass++) {
		for (int qi = 0; qi < x->n_queues && got < max; qi++) {
			struct xq *q = &x->q[qi];
			uint32_t idx;
			uint32_t n = xsk_ring_cons__peek(&q->rx[w], (uint32_t)(max - got), &idx);
			for (uint32_t i = 0; i < n; i++) {
				const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx[w], idx + i);
				uint64_t addr = xsk_umem__add_offset_to_addr(d->addr);
				f[got].data = xsk_umem__get_data(q->area, addr);
				f[got].len = d->len;
				f[got].queue = (uint16_t)qi;
				f[got].addr = xsk_umem__extract_addr(d->addr);
				got++;
			}
			if (n)
				xsk_ring_cons__release(&q->rx[w], n);
		}
		if (got || pass || timeout_ms <= 0)
			break;
		/* nothing: sleep in poll() on this group's sockets */
		struct pollfd pfd[64];
		int np = 0;
		for (int qi = 0; qi < x->n_queues && np < 64; qi++) {
			pfd[np].fd = xsk_socket__fd(x->q[qi].xsk[w]);
			pfd[np].events = POLLIN;
			np++;
		}
		if (poll(pfd, (nfds_t)np, timeout_ms) > 0) {
			/* woken by the first packet after a quiet spell: let a
			 * millisecond's worth gather before taking them (the RX
			 * ring holds RING_SIZE frames) instead of a wake-up per
			 * packet; under load the rings never run dry and this
			 * thread never sleeps here */
			struct timespec ts = { 0, XDP_GATHER_NS };
			nanosleep(&ts, NULL);
		}
	}
	return got;
}

void afxdp_done(struct afxdp *x, int w, const struct afxdp_frame *f, int n)
{
	(void)w;
	for (int qi = 0; qi < x->n_queues; qi++) {
		struct xq *q = &x->q[qi];
		int mine = 0;
		for (int i = 0; i < n; i++)
			if (f[i].queue == qi)
				mine++;
		if (!mine)
			continue;
		pthread_mutex_lock(&q->fq_lock);
		uint32_t idx;
		while (xsk_ring_prod__reserve(&q->fq, (uint32_t)mine, &idx) != (uint32_t)mine) {
			/* cannot happen: the ring holds every frame of the UMEM */
			pthread_mutex_unlock(&q->fq_lock);
			sched_yield();
			pthread_mutex_lock(&q->fq_lock);
		}
		for (int i = 0; i < n; i++)
			if (f[i].queue == qi)
				*xsk_ring_prod__fill_addr(&q->fq, idx++) = f[i].addr;
		xsk_ring_prod__submit(&q->fq, (uint32_t)mine);
		if (xsk_ring_prod__needs_wakeup(&q->fq)) {
			/* copy mode: the kernel refills on its own; a recvfrom
			 * kicks drivers that wait for it */
			recvfrom(xsk_socket__fd(q->xsk[0]), NULL, 0, MSG_DONTWAIT, NULL, NULL);
		}
		pthread_mutex_unlock(&q->fq_lock);
	}
}

void afxdp_counters(struct afxdp *x, uint64_t out[VXDP__COUNT])
{
	memset(out, 0, sizeof(uint64_t) * VXDP__COUNT);
	int fd = bpf_map__fd(x->skel->maps.stats);
	uint64_t vals[x->ncpu > 0 ? x->ncpu : 1];
	for (uint32_t k = 0; k < VXDP__COUNT; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals) < 0)
			continue;
		for (int c = 0; c < x->ncpu; c++)
			out[k] += vals[c];
	}
}

/* What the kernel could not put on socket s of queue q. */
static uint64_t sock_drops(struct xq *q, int s)
{
	if (!q->xsk || !q->xsk[s])
		return 0;
	struct xdp_statistics st;
	socklen_t len = sizeof(st);
	memset(&st, 0, sizeof(st));
	if (getsockopt(xsk_socket__fd(q->xsk[s]), SOL_XDP, XDP_STATISTICS, &st, &len) < 0)
		return 0;
	/* rx_dropped includes what found the fill ring empty */
	return st.rx_dropped + st.rx_ring_full;
}

void afxdp_group_stats(struct afxdp *x, int w, struct afxdp_group_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (int qi = 0; qi < x->n_queues; qi++) {
		struct xq *q = &x->q[qi];
		if (!q->xsk || !q->xsk[w])
			continue;
		const struct xsk_ring_cons *rx = &q->rx[w];
		/* the kernel's and the reader's positions, read from here while
		 * both move: a snapshot, as ring occupancy always is */
		uint32_t prod = __atomic_load_n(rx->producer, __ATOMIC_ACQUIRE);
		uint32_t cons = __atomic_load_n(rx->consumer, __ATOMIC_ACQUIRE);
		uint32_t used = prod - cons;
		st->ring_used += used > rx->size ? rx->size : used;
		st->ring_size += rx->size;
		st->drops += sock_drops(q, w);
	}
}

int afxdp_detach(struct afxdp *x)
{
	int rc = 0;
	if (x && x->attached) {
		rc = close(x->link) < 0 ? -errno : 0;
		x->attached = false;
	}
	return rc;
}

int afxdp_queues(const struct afxdp *x)
{
	return x->n_queues;
}

bool afxdp_zerocopy(const struct afxdp *x)
{
	return x->zerocopy;
}

void afxdp_close(struct afxdp *x)
{
	if (!x)
		return;
	afxdp_detach(x);
	for (int qi = 0; x->q && qi < x->n_queues; qi++) {
		struct xq *q = &x->q[qi];
		for (int s = 0; q->xsk && s <= x->n_workers; s++)
			if (q->xsk[s])
				xsk_socket__delete(q->xsk[s]);
		if (q->umem)
			xsk_umem__delete(q->umem);
		if (q->area)
			munmap(q->area, q->area_size);
		free(q->xsk);
		free(q->rx);
		if (q->umem)
			pthread_mutex_destroy(&q->fq_lock);
	}
	free(x->q);
	vigil_xdp__destroy(x->skel);
	free(x);
}
