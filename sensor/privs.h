/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef VIGIL_PRIVS_H
#define VIGIL_PRIVS_H

/*
 * Giving up root once the capture is open (--user/--group, run-as: in
 * vigil.yaml). See privs.c for what live operation still needs (nothing)
 * and how every thread drops.
 */

#include <stddef.h>
#include <sys/types.h>

struct privs {
	uid_t uid;
	gid_t gid;
	char user[64];  /* as given, for messages */
	char group[64];
};

/* Resolves user (a name or a number) and group (a name or a number; NULL:
 * the user's primary group). 0, or -1 with a one-line reason in err. */
int privs_resolve(struct privs *pv, const char *user, const char *group, char *err,
		  size_t errlen);

/* Every thread of the process, those that exist now included, takes pv's
 * uid and gid (real, effective, saved, filesystem; the group as the only
 * supplementary group) and keeps no capability (effective, permitted,
 * inheritable, ambient and bounding sets empty), with no_new_privs set;
 * then every thread's /proc status is checked. Threads made afterwards
 * inherit all of it. Needs root. 0, or -1 with a one-line reason in err:
 * the caller must then stop (some threads may have dropped, others not).
 * Uses one real-time signal (SIGRTMIN + 4), ignored afterwards. */
int privs_drop(const struct privs *pv, char *err, size_t errlen);

/* Checks that every thread runs as pv says, without capabilities and with
 * no_new_privs. 0, or -1 naming the first thread that does not. */
int privs_check(const struct privs *pv, char *err, size_t errlen);

#endif
