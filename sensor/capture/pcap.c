/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libpcap sources: offline files (pcap and pcapng, any link type libpcap
 * reports; timestamps normalised to microseconds) and live interfaces.
 */
#include "capture/capture.h"

#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct source {
	pcap_t *pc;
	bool live;
	volatile sig_atomic_t stop;
	char **files;
	size_t n_files;
	size_t next_file;
	char *cur_name;
	uint64_t file_pkts;
	int linktype;
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

static void source_free(struct source *s)
{
	if (!s)
		return;
	if (s->pc)
		pcap_close(s->pc);
	for (size_t i = 0; i < s->n_files; i++)
		free(s->files[i]);
	free(s->files);
	free(s);
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
	pcap_set_timeout(s->pc, 100);
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
	return s;

err_free:
	source_free(s);
	return NULL;
}

int source_next(struct source *s, struct capture_pkt *pkt)
{
	for (;;) {
		if (s->stop)
			return 0;
		if (!s->pc) {
			if (s->live || s->next_file >= s->n_files)
				return 0;
			char err[512];
			size_t i = s->next_file++;
			if (open_file(s, i, err, sizeof(err)) < 0) {
				fprintf(stderr, "vigil: warning: skipping %s\n", err);
				continue;
			}
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
			return 1;
		}
		if (rc == 0) /* live timeout */
			return SOURCE_IDLE;
		if (rc == PCAP_ERROR && !s->live) {
			s->st.truncated_files++;
			fprintf(stderr, "vigil: warning: %s: truncated or corrupt after packet %llu: %s\n",
				strcmp(s->cur_name, "-") ? s->cur_name : "stdin",
				(unsigned long long)s->file_pkts, pcap_geterr(s->pc));
		} else if (rc == PCAP_ERROR) {
			fprintf(stderr, "vigil: %s: %s\n", s->cur_name, pcap_geterr(s->pc));
			return 0;
		}
		if (rc == PCAP_ERROR_BREAK && s->live)
			return 0;
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
