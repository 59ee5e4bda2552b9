/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Giving up root once the capture is open.
 *
 * Live capture needs privileges only to open its source: CAP_NET_RAW for
 * libpcap's packet socket (and CAP_NET_ADMIN for promiscuous mode), root
 * with CAP_BPF and CAP_NET_ADMIN to load and attach the XDP program and
 * bind AF_XDP sockets. Once they are open nothing does:
 *   - packets are read from the socket and the rings already mapped
 *     (AF_XDP's fill, completion and RX rings included), the program's
 *     counters from maps already open;
 *   - the XDP program is attached through a BPF link, which detaches when
 *     its descriptor is closed (at stop, or when the process dies), so
 *     detaching at stop needs no capability;
 *   - records, the spool and the signing state are opened after the drop,
 *     as the user, and so are reopened on SIGHUP (logrotate) and rotated
 *     with the same rights: the log directory must be the user's (systemd:
 *     LogsDirectory= with the directory chowned, or install -o);
 *   - rules and the configuration are read again on SIGHUP as the user.
 * So every thread becomes the user and group with no capability at all:
 * effective, permitted, inheritable, ambient and bounding sets empty, the
 * group as the only supplementary group, and no_new_privs set, so that no
 * execve can ever gain a privilege back.
 *
 * Credentials, capabilities, the bounding set and no_new_privs belong to
 * each thread (a Linux task); a thread copies its maker's when it is made.
 * glibc's setuid() changes every thread's ids (and the kernel then empties
 * their permitted sets) but leaves their bounding sets and no_new_privs,
 * and threads may exist when the drop happens (nDPI's context is made on a
 * thread of its own from the start). So each thread drops itself with the
 * same system calls: the calling thread directly, the others in the
 * handler of a real-time signal sent to each (all the calls are
 * async-signal-safe, and a thread's own calls need no other thread). Then
 * every thread's /proc/self/task/TID/status is read back: a thread that
 * did not drop (one blocking the signal, say) fails the start rather than
 * leave a privileged thread behind.
 */
#include "privs.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ACK_WAIT_MS 2000
#define ROUNDS 3

/* ---- resolving names ------------------------------------------------------- */

static bool parse_id(const char *s, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || !*s || *end || s[0] == '-' || v >= (unsigned long)UINT32_MAX)
		return false;
	*out = v;
	return true;
}

int privs_resolve(struct privs *pv, const char *user, const char *group, char *err,
		  size_t errlen)
{
	memset(pv, 0, sizeof(*pv));
	if (!user || !*user) {
		snprintf(err, errlen, "run-as: no user given");
		return -1;
	}
	snprintf(pv->user, sizeof(pv->user), "%s", user);
	char buf[16384];
	struct passwd pw, *pwr = NULL;
	unsigned long id;
	if (parse_id(user, &id)) {
		pv->uid = (uid_t)id;
		getpwuid_r(pv->uid, &pw, buf, sizeof(buf), &pwr);
	} else {
		int rc = getpwnam_r(user, &pw, buf, sizeof(buf), &pwr);
		if (!pwr) {
			snprintf(err, errlen, "run-as: no such user \"%s\"%s%s", user, rc ? ": " : "",
				 rc ? strerror(rc) : "");
			return -1;
		}
		pv->uid = pwr->pw_uid;
	}
	if (group && *group) {
		snprintf(pv->group, sizeof(pv->group), "%s", group);
		if (parse_id(group, &id)) {
			pv->gid = (gid_t)id;
		} else {
			struct group gr, *grr = NULL;
			int rc = getgrnam_r(group, &gr, buf, sizeof(buf), &grr);
			if (!grr) {
				snprintf(err, errlen, "run-as: no such group \"%s\"%s%s", group,
					 rc ? ": " : "", rc ? strerror(rc) : "");
				return -1;
			}
			pv->gid = grr->gr_gid;
		}
	} else if (pwr) {
		pv->gid = pwr->pw_gid;
		struct group gr, *grr = NULL;
		getgrgid_r(pv->gid, &gr, buf, sizeof(buf), &grr);
		if (grr)
			snprintf(pv->group, sizeof(pv->group), "%s", grr->gr_name);
		else
			snprintf(pv->group, sizeof(pv->group), "%lu", (unsigned long)pv->gid);
	} else {
		snprintf(err, errlen, "run-as: user %s has no entry in the user database: give a group too",
			 user);
		return -1;
	}
	return 0;
}

/* ---- one thread drops ------------------------------------------------------ */

static struct {
	uid_t uid;
	gid_t gid;
	int last_cap;
	_Atomic int acks;
	_Atomic int first_err; /* errno of the first thread that failed, or 0 */
} plan;

/* The calling thread to plan's ids without any capability. 0 or an errno
 * value. Async-signal-safe: system calls only. */
static int drop_self(void)
{
	/* the bounding set first: dropping from it needs CAP_SETPCAP, which
	 * goes with the change of ids */
	for (int c = 0; c <= plan.last_cap; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return errno;
	/* the raw system calls: glibc's wrappers would change every thread
	 * (and wait for them), which is the caller's business here */
	gid_t g = plan.gid;
	if (syscall(SYS_setgroups, 1, &g) < 0)
		return errno;
	if (syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) < 0)
		return errno;
	if (syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) < 0)
		return errno;
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) < 0)
		return errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return errno;
	return 0;
}

static void on_drop_signal(int sig)
{
	(void)sig;
	int saved = errno;
	int e = drop_self();
	if (e) {
		int none = 0;
		atomic_compare_exchange_strong(&plan.first_err, &none, e);
	}
	atomic_fetch_add(&plan.acks, 1);
	errno = saved;
}

/* ---- reading a thread back ------------------------------------------------- */

/* Does task tid of this process run as pv says, with nothing left? When
 * not, why in why (if given). -1: the thread is gone. */
static int task_dropped(pid_t tid, const struct privs *pv, char *why, size_t whylen)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	unsigned seen = 0;
	bool ok = true;
	char name[64] = "?";
	while (ok && fgets(line, sizeof(line), f)) {
		unsigned long a, b, c, d;
		unsigned long long cap;
		if (sscanf(line, "Name:\t%63[^\n]", name) == 1)
			continue;
		if (sscanf(line, "Uid:\t%lu\t%lu\t%lu\t%lu", &a, &b, &c, &d) == 4) {
			seen |= 1;
			ok = a == pv->uid && b == pv->uid && c == pv->uid && d == pv->uid;
		} else if (sscanf(line, "Gid:\t%lu\t%lu\t%lu\t%lu", &a, &b, &c, &d) == 4) {
			seen |= 2;
			ok = a == pv->gid && b == pv->gid && c == pv->gid && d == pv->gid;
		} else if (strncmp(line, "Groups:", 7) == 0) {
			seen |= 4;
			char *end;
			unsigned long g0 = strtoul(line + 7, &end, 10);
			while (*end == ' ' || *end == '\t')
				end++;
			ok = end != line + 7 && g0 == pv->gid && (*end == '\n' || *end == '\0');
		} else if (sscanf(line, "CapInh:\t%llx", &cap) == 1 ||
			   sscanf(line, "CapPrm:\t%llx", &cap) == 1 ||
			   sscanf(line, "CapEff:\t%llx", &cap) == 1 ||
			   sscanf(line, "CapBnd:\t%llx", &cap) == 1 ||
			   sscanf(line, "CapAmb:\t%llx", &cap) == 1) {
			seen |= 8u << (line[3] == 'I' ? 0 : line[3] == 'P' ? 1 : line[3] == 'E' ? 2
							 : line[3] == 'B' ? 3 : 4);
			ok = cap == 0;
		} else if (sscanf(line, "NoNewPrivs:\t%lu", &a) == 1) {
			seen |= 256;
			ok = a == 1;
		}
		if (!ok && why)
			snprintf(why, whylen, "thread %d (%s): %.*s", (int)tid, name,
				 (int)strcspn(line, "\n"), line);
	}
	fclose(f);
	if (ok && seen != 511) {
		ok = false;
		if (why)
			snprintf(why, whylen, "thread %d (%s): /proc status without the expected lines",
				 (int)tid, name);
	}
	return ok ? 1 : 0;
}

/* Up to max thread ids of this process other than self; how many. */
static size_t list_tasks(pid_t self, pid_t *out, size_t max)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		unsigned long id;
		if (e->d_name[0] != '.' && parse_id(e->d_name, &id) && (pid_t)id != self)
			out[n++] = (pid_t)id;
	}
	closedir(d);
	return n;
}

int privs_check(const struct privs *pv, char *err, size_t errlen)
{
	pid_t self = (pid_t)syscall(SYS_gettid);
	pid_t tids[1024];
	size_t n = list_tasks(self, tids, 1024);
	if (task_dropped(self, pv, err, errlen) != 1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (task_dropped(tids[i], pv, err, errlen) == 0)
			return -1;
	return 0;
}

/* ---- every thread ---------------------------------------------------------- */

static int read_last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int v = 63;
	if (f) {
		if (fscanf(f, "%d", &v) != 1 || v < 0 || v > 63)
			v = 63;
		fclose(f);
	}
	return v;
}

int privs_drop(const struct privs *pv, char *err, size_t errlen)
{
	plan.uid = pv->uid;
	plan.gid = pv->gid;
	plan.last_cap = read_last_cap();
	atomic_store(&plan.first_err, 0);
	int sig = SIGRTMIN + 4;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_drop_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) < 0) {
		snprintf(err, errlen, "cannot drop privileges: sigaction: %s", strerror(errno));
		return -1;
	}
	pid_t self = (pid_t)syscall(SYS_gettid);
	pid_t tids[1024];
	int rc = 0;
	/* the other threads, as often as some are found that have not dropped
	 * (one made meanwhile by a thread that had not dropped yet) */
	for (int round = 0; round < ROUNDS; round++) {
		size_t n = list_tasks(self, tids, 1024);
		int sent = 0;
		atomic_store(&plan.acks, 0);
		for (size_t i = 0; i < n; i++) {
			if (task_dropped(tids[i], pv, NULL, 0) != 0)
				continue; /* dropped already, or gone */
			if (syscall(SYS_tgkill, getpid(), tids[i], sig) == 0)
				sent++;
		}
		if (!sent)
			break;
		for (int ms = 0; ms < ACK_WAIT_MS && atomic_load(&plan.acks) < sent; ms++)
			nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		/* a thread that did not answer will not: the check names it */
		if (atomic_load(&plan.first_err) || atomic_load(&plan.acks) < sent)
			break;
	}
	int e = atomic_load(&plan.first_err);
	if (e) {
		snprintf(err, errlen, "cannot drop privileges to %s:%s: %s", pv->user, pv->group,
			 strerror(e));
		rc = -1;
	}
	if (!rc && (e = drop_self()) != 0) {
		snprintf(err, errlen, "cannot drop privileges to %s:%s: %s%s", pv->user, pv->group,
			 strerror(e), e == EPERM ? " (vigil must start as root to drop)" : "");
		rc = -1;
	}
	/* ignored from now on: a signal still on its way to a thread that did
	 * not answer in time must not end the process (its default action) */
	sa.sa_handler = SIG_IGN;
	sigaction(sig, &sa, NULL);
	if (!rc && privs_check(pv, err, errlen) < 0) {
		char why[400];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "privileges not dropped everywhere: %s", why);
		rc = -1;
	}
	return rc;
}
