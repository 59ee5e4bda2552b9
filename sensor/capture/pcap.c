/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libpcap sources: offline files (pcap and pcapng, any link type libpcap
 * reports; timestamps normalised to microseconds) and live interfaces.
 */
#include "capture/capture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/linktype.h"
#include "util/clock.h"

/*
 * Classic pcap files are read through a memory map instead of libpcap's
 * stdio reader (no copy, no per-packet fread): libpcap still opens the file
 * first, so it validates the header and tells the link type exactly as it
 * would for its own reader. pcapng, stdin and live capture use libpcap.
 * Pages behind the read position are dropped every MAP_RELEASE bytes so
 * the mapping does not count in the resident set.
 */
#define MAP_RELEASE (32u << 20)
/* live, without immediate mode: the kernel hands packets over in blocks of
 * at most this many milliseconds */
#define PCAP_BLOCK_MS 10
#define MAX_CAPLEN 262144u
/* a file's first packets are looked at against the link type its header
 * names (linktype.h) */
#define LINKCHECK_PKTS 8

struct fmap {
	const uint8_t *base;
	size_t size;
	size_t off;
	size_t released;
	bool swap;
	bool nsec;
};

struct source {
	pcap_t *pc;
	struct fmap map;
	bool mapped;
	bool live;
	int live_fd;           /* live, non-blocking: what to wait on, or -1 */
	volatile sig_atomic_t stop;
	uint64_t drain_end_us; /* live, stopped: taking what the kernel holds
				* until then (mono_us), or 0 */
	bool drain_waited;     /* ... and has waited once for the last block */
	char **files;
	size_t n_files;
	size_t next_file;
	char *cur_name;
	uint64_t file_pkts;
	int linktype;
	/* the link type check of the current file: packets looked at, how
	 * many fit each kind, and whether it is over */
	uint8_t lc_n;
	bool lc_done;
	uint8_t lc_fit[LK__COUNT];
	struct capture_stats st;
	char errbuf[PCAP_ERRBUF_SIZE];
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file(struct source *s, const char *path)
{
	char **f = realloc(s->files, (s->n_files + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	s->files = f;
	s->files[s->n_files] = strdup(path);
	if (!s->files[s->n_files])
		return -ENOMEM;
	s->n_files++;
	return 0;
}

static int scan_dir(struct source *s, const char *dir, bool recursive, int depth)
{
	if (depth > 32)
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) && rc == 0) {
		if (e->d_name[0] == '.')
			continue;
		size_t n = strlen(dir) + strlen(e->d_name) + 2;
		char *path = malloc(n);
		if (!path) {
			rc = -ENOMEM;
			break;
		}
		snprintf(path, n, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (stat(path, &sb) == 0) {
			if (S_ISDIR(sb.st_mode)) {
				if (recursive)
					rc = scan_dir(s, path, recursive, depth + 1);
			} else if (S_ISREG(sb.st_mode)) {
				rc = add_file(s, path);
			}
		}
		free(path);
	}
	closedir(d);
	return rc;
}

static void unmap(struct source *s)
{
	if (s->mapped)
		munmap((void *)s->map.base, s->map.size);
	s->mapped = false;
	memset(&s->map, 0, sizeof(s->map));
}

/* Maps a classic pcap file; false (libpcap reads it) for anything else. */
static bool try_map(struct source *s, const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 24) {
		close(fd);
		return false;
	}
	void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return false;
	uint32_t magic;
	memcpy(&magic, m, 4);
	struct fmap f = { m, (size_t)sb.st_size, 24, 0, false, false };
	if (magic == 0xa1b2c3d4u) {
	} else if (magic == 0xd4c3b2a1u) {
		f.swap = true;
	} else if (magic == 0xa1b23c4du) {
		f.nsec = true;
	} else if (magic == 0x4d3cb2a1u) {
		f.swap = f.nsec = true;
	} else {
		munmap(m, (size_t)sb.st_size);
		return false;
	}
	madvise(m, f.size, MADV_SEQUENTIAL);
	s->map = f;
	s->mapped = true;
	return true;
}

static inline uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* 1 = packet, 0 = end of file, -1 = truncated or corrupt (reason in why). */
static int map_next(struct source *s, struct capture_pkt *pkt, const char **why)
{
	struct fmap *f = &s->map;
	if (f->off == f->size)
		return 0;
	if (f->size - f->off < 16) {
		*why = "truncated dump file; tried to read 16 header bytes";
		return -1;
	}
	const uint8_t *h = f->base + f->off;
	uint32_t sec = rd32(h, f->swap), frac = rd32(h + 4, f->swap);
	uint32_t caplen = rd32(h + 8, f->swap), len = rd32(h + 12, f->swap);
	if (caplen > MAX_CAPLEN) {
		*why = "invalid packet capture length, bigger than the maximum allowed";
		return -1;
	}
	if (f->size - f->off - 16 < caplen) {
		*why = "truncated dump file; the last packet is cut short";
		return -1;
	}
	pkt->data = h + 16;
	pkt->caplen = caplen;
	pkt->wirelen = len;
	pkt->ts = (uint64_t)sec * 1000000u + (f->nsec ? frac / 1000u : frac);
	pkt->linktype = s->linktype;
	f->off += 16 + (size_t)caplen;
	if (f->off - f->released >= MAP_RELEASE) {
		/* drop what lies behind, page aligned, keeping the current packet */
		size_t upto = (f->off - (16 + (size_t)caplen)) & ~(size_t)4095;
		if (upto > f->released) {
			madvise((void *)(f->base + f->released), upto - f->released, MADV_DONTNEED);
			f->released = upto;
		}
	}
	return 1;
}

static void source_free(struct source *s)
{
	if (!s)
		return;
	unmap(s);
	if (s->pc)
		pcap_close(s->pc);
	for (size_t i = 0; i < s->n_files; i++)
		free(s->files[i]);
	free(s->files);
	free(s);
}

static const char *display_name(const struct source *s)
{
	return strcmp(s->cur_name, "-") ? s->cur_name : "stdin";
}

/* The first packets of the file against the link type its header names:
 * none of them fits it, a warning says what they look like. */
static void linkcheck_end(struct source *s)
{
	s->lc_done = true;
	int k = link_kind_of(s->linktype);
	if (k < 0 || !s->lc_n || s->lc_fit[k])
		return;
	int best = -1;
	for (int i = 0; i < LK__COUNT; i++)
		if (s->lc_fit[i] && (best < 0 || s->lc_fit[i] > s->lc_fit[best]))
			best = i;
	const char *dlt = pcap_datalink_val_to_name(s->linktype);
	if (best >= 0)
		fprintf(stderr, "vigil: warning: %s: the header says link type %s (%d), but %s%u "
			"packet%s look%s like %s (%u of %u): decoded as the header says, they are "
			"garbage (editcap -T %s rewrites the header)\n",
			display_name(s), dlt ? dlt : "?", s->linktype, s->lc_n > 1 ? "the first " : "its ",
			s->lc_n, s->lc_n > 1 ? "s" : "", s->lc_n > 1 ? "" : "s",
			link_kind_name(best), s->lc_fit[best], s->lc_n, link_kind_editcap(best));
	else
		fprintf(stderr, "vigil: warning: %s: the header says link type %s (%d), but none of "
			"the first %u packets looks like it, nor like any other link type Vigil decodes\n",
			display_name(s), dlt ? dlt : "?", s->linktype, s->lc_n);
}

/* Each of the first packets of a file, until the check is over. */
static void linkcheck_pkt(struct source *s, const uint8_t *b, uint32_t caplen, uint32_t wirelen)
{
	unsigned m = link_fits(b, caplen, wirelen);
	for (int i = 0; i < LK__COUNT; i++)
		s->lc_fit[i] += (m >> i) & 1;
	if (++s->lc_n == LINKCHECK_PKTS)
		linkcheck_end(s);
}

/* Opens files[i]; 0, or -1 with the reason in err. */
static int open_file(struct source *s, size_t i, char *err, size_t errlen)
{
	const char *path = s->files[i];
	if (strcmp(path, "-") == 0)
		s->pc = pcap_fopen_offline_with_tstamp_precision(stdin, PCAP_TSTAMP_PRECISION_MICRO,
								  s->errbuf);
	else
		s->pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO,
								 s->errbuf);
	if (!s->pc) {
		snprintf(err, errlen, "%s: %s", strcmp(path, "-") ? path : "stdin", s->errbuf);
		return -1;
	}
	s->cur_name = s->files[i];
	s->linktype = pcap_datalink(s->pc);
	s->file_pkts = 0;
	s->st.files++;
	memset(s->lc_fit, 0, sizeof(s->lc_fit));
	s->lc_n = 0;
	s->lc_done = false;
	if (link_kind_of(s->linktype) < 0) {
		const char *dlt = pcap_datalink_val_to_name(s->linktype);
		fprintf(stderr, "vigil: warning: %s: link type %s (%d) is not one Vigil decodes: its "
			"packets are counted, not inspected\n", display_name(s), dlt ? dlt : "?",
			s->linktype);
		s->lc_done = true;
	}
	if (strcmp(path, "-") != 0 && try_map(s, path)) {
		pcap_close(s->pc);
		s->pc = NULL;
	}
	return 0;
}

struct source *source_open_files(const char *path, bool recursive, char *err, size_t errlen)
{
	struct source *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	struct stat sb;
	if (strcmp(path, "-") == 0) {
		if (add_file(s, "-") < 0)
			goto err_nomem;
	} else if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto err_free;
	} else if (S_ISDIR(sb.st_mode)) {
		int rc = scan_dir(s, path, recursive, 0);
		if (rc < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
			goto err_free;
		}
		if (s->n_files == 0) {
			snprintf(err, errlen, "%s: no files in directory", path);
			goto err_free;
		}
		qsort(s->files, s->n_files, sizeof(*s->files), cmp_str);
	} else {
		if (add_file(s, path) < 0)
			goto err_nomem;
	}

	/* Open the first readable capture now, so that a single bad file is
	 * an error at start. In a directory, files that are not captures are
	 * skipped with a warning. */
	while (s->next_file < s->n_files) {
		size_t i = s->next_file++;
		if (open_file(s, i, err, errlen) == 0)
			return s;
		if (s->n_files == 1)
			goto err_free;
		fprintf(stderr, "vigil: warning: skipping %s\n", err);
	}
	snprintf(err, errlen, "%s: no readable capture file", path);
	goto err_free;

err_nomem:
	snprintf(err, errlen, "out of memory");
err_free:
	source_free(s);
	return NULL;
}

struct source *source_open_live(const struct live_opts *o, char *err, size_t errlen)
{
	struct source *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->live = true;
	s->lc_done = true; /* an interface's link type is what libpcap says */
	if (add_file(s, o->iface) < 0) {
		snprintf(err, errlen, "out of memory");
		goto err_free;
	}
	s->cur_name = s->files[0];
	s->pc = pcap_create(o->iface, s->errbuf);
	if (!s->pc) {
		snprintf(err, errlen, "%s: %s", o->iface, s->errbuf);
		goto err_free;
	}
	pcap_set_snaplen(s->pc, o->snaplen > 0 ? o->snaplen : 262144);
	pcap_set_promisc(s->pc, o->promisc);
	pcap_set_immediate_mode(s->pc, o->immediate);
	/* Without immediate mode the kernel hands packets over in blocks, at
	 * the latest after this many milliseconds: the delay an alert can take
	 * on a quiet link, and the pace of the idle wake-ups. */
	pcap_set_timeout(s->pc, PCAP_BLOCK_MS);
	if (o->buffer_mb > 0)
		pcap_set_buffer_size(s->pc, o->buffer_mb << 20);
	int rc = pcap_activate(s->pc);
	if (rc < 0) {
		const char *why = pcap_geterr(s->pc);
		if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
			snprintf(err, errlen, "%s: no such interface", o->iface);
		else if (rc == PCAP_ERROR_PERM_DENIED)
			snprintf(err, errlen, "%s: permission denied (run as root or with CAP_NET_RAW)",
				 o->iface);
		else
			snprintf(err, errlen, "%s: %s", o->iface, why && *why ? why : pcap_statustostr(rc));
		goto err_free;
	}
	if (o->bpf && *o->bpf) {
		struct bpf_program prog;
		if (pcap_compile(s->pc, &prog, o->bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			snprintf(err, errlen, "bad filter \"%s\": %s", o->bpf, pcap_geterr(s->pc));
			goto err_free;
		}
		rc = pcap_setfilter(s->pc, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			snprintf(err, errlen, "cannot set filter: %s", pcap_geterr(s->pc));
			goto err_free;
		}
	}
	s->linktype = pcap_datalink(s->pc);
	/* Read without blocking and wait ourselves, at most PCAP_BLOCK_MS: with
	 * TPACKET_V3 the kernel only hands over blocks that hold packets, so a
	 * blocking read on a quiet link never returns, and nothing else (stats,
	 * time-outs, records waiting to be written) would happen meanwhile. */
	s->live_fd = -1;
	if (pcap_setnonblock(s->pc, 1, s->errbuf) == 0)
		s->live_fd = pcap_get_selectable_fd(s->pc);
	return s;

err_free:
	source_free(s);
	return NULL;
}

/* A live source that was told to stop first takes what the kernel already
 * holds: packets are handed over in blocks of up to 10 ms, so the last ones
 * before the signal may not have been delivered yet. It reads without
 * blocking until nothing is there, waits once for the kernel to hand over
 * its last block (PCAP_BLOCK_MS twice), reads again, and ends; DRAIN_MS
 * bounds it all (traffic that never pauses). */
#define DRAIN_MS 500

/* true once the source has nothing more to give after a stop */
static bool drain_over(struct source *s)
{
	if (!s->live || !s->pc)
		return true;
	if (!s->drain_end_us) {
		if (pcap_setnonblock(s->pc, 1, s->errbuf) < 0)
			return true; /* a blocking read could wait for ever: stop now */
		s->drain_end_us = mono_us() + DRAIN_MS * 1000u;
		return false;
	}
	return mono_us() >= s->drain_end_us;
}

int source_next(struct source *s, struct capture_pkt *pkt)
{
	for (;;) {
		if (s->stop && drain_over(s))
			return 0;
		if (s->mapped) {
			const char *why = NULL;
			int r = map_next(s, pkt, &why);
			if (r == 1) {
				s->file_pkts++;
				s->st.packets++;
				s->st.bytes += pkt->wirelen;
				if (__builtin_expect(!s->lc_done, 0))
					linkcheck_pkt(s, pkt->data, pkt->caplen, pkt->wirelen);
				return 1;
			}
			if (!s->lc_done)
				linkcheck_end(s);
			if (r < 0) {
				s->st.truncated_files++;
				fprintf(stderr, "vigil: warning: %s: truncated or corrupt after packet %llu: %s\n",
					s->cur_name, (unsigned long long)s->file_pkts, why);
			}
			unmap(s);
			continue;
		}
		if (!s->pc) {
			if (s->live || s->next_file >= s->n_files)
				return 0;
			char err[512];
			size_t i = s->next_file++;
			if (open_file(s, i, err, sizeof(err)) < 0) {
				fprintf(stderr, "vigil: warning: skipping %s\n", err);
				continue;
			}
			if (s->mapped) /* read through the map, not libpcap */
				continue;
		}
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(s->pc, &h, &data);
		if (rc == 1) {
			s->file_pkts++;
			s->st.packets++;
			s->st.bytes += h->len;
			pkt->data = data;
			pkt->caplen = h->caplen;
			pkt->wirelen = h->len;
			pkt->ts = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
			pkt->linktype = s->linktype;
			if (__builtin_expect(!s->lc_done, 0))
				linkcheck_pkt(s, data, h->caplen, h->len);
			return 1;
		}
		if (rc != 0 && !s->live && !s->lc_done)
			linkcheck_end(s); /* the end of a file of fewer packets */
		if (rc == 0) {
			if (!s->stop) { /* live: nothing there now */
				struct pollfd pfd = { .fd = s->live_fd, .events = POLLIN };
				if (s->live_fd >= 0 && poll(&pfd, 1, PCAP_BLOCK_MS) > 0)
					continue;
				return SOURCE_IDLE;
			}
			if (s->drain_waited) /* stopping: everything has been taken */
				return 0;
			struct timespec ts = { 0, 2 * PCAP_BLOCK_MS * 1000000L };
			nanosleep(&ts, NULL);
			s->drain_waited = true;
			continue;
		}
		if (rc == PCAP_ERROR && !s->live) {
			s->st.truncated_files++;
			fprintf(stderr, "vigil: warning: %s: truncated or corrupt after packet %llu: %s\n",
				strcmp(s->cur_name, "-") ? s->cur_name : "stdin",
				(unsigned long long)s->file_pkts, pcap_geterr(s->pc));
		} else if (rc == PCAP_ERROR) {
			fprintf(stderr, "vigil: %s: %s\n", s->cur_name, pcap_geterr(s->pc));
			return 0;
		}
		if (rc == PCAP_ERROR_BREAK && s->live) {
			if (s->stop) /* source_stop woke the reader: now drain
				      * (drain_over bounds it in time) */
				continue;
			return 0;
		}
		/* end of this file */
		pcap_close(s->pc);
		s->pc = NULL;
	}
}

void source_stop(struct source *s)
{
	s->stop = 1;
	if (s->pc && s->live)
		pcap_breakloop(s->pc);
}

bool source_is_live(const struct source *s)
{
	return s->live;
}

const char *source_name(const struct source *s)
{
	return s->cur_name ? s->cur_name : "";
}

void source_get_stats(struct source *s, struct capture_stats *st)
{
	if (s->live && s->pc) {
		struct pcap_stat ps;
		if (pcap_stats(s->pc, &ps) == 0) {
			s->st.kernel_received = ps.ps_recv;
			s->st.kernel_drops = ps.ps_drop;
			s->st.iface_drops = ps.ps_ifdrop;
		}
	}
	*st = s->st;
}

void source_close(struct source *s)
{
	source_free(s);
}
