/* SPDX-License-Identifier: BSD-3-Clause */
/* Dropping privileges (privs.c): names and numbers resolved; every thread
 * of a process, those made before the drop and after it, ends up as the
 * user without any capability and with no_new_privs; a thread that cannot
 * be reached fails the drop; a process that is not root cannot drop. Each
 * case runs in a child process of its own (a drop cannot be undone); the
 * cases that drop need root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privs.h"

#define NOBODY 65534

static bool root(void)
{
	return geteuid() == 0;
}

/* What the calling thread holds: 0 when it is nobody without anything. */
static int thread_state(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return 1;
	if (d[0].effective | d[1].effective | d[0].permitted | d[1].permitted | d[0].inheritable |
	    d[1].inheritable)
		return 2;
	uid_t r, e, s;
	gid_t gr, ge, gs;
	if (getresuid(&r, &e, &s) < 0 || r != NOBODY || e != NOBODY || s != NOBODY)
		return 3;
	if (getresgid(&gr, &ge, &gs) < 0 || gr != NOBODY || ge != NOBODY || gs != NOBODY)
		return 4;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 5;
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			return 6;
	return 0;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool go;
static _Atomic bool spin_stop;

/* A thread made before the drop, blocked in a wait until told to look at
 * itself. */
static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return (void *)(intptr_t)thread_state();
}

/* One busy in a loop, never in a system call. */
static void *spinner(void *arg)
{
	(void)arg;
	volatile unsigned long n = 0;
	while (!atomic_load(&spin_stop))
		n++;
	return (void *)(intptr_t)thread_state();
}

static void *blocker(void *arg)
{
	(void)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGRTMIN + 4);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_mutex_lock(&mu);
	while (!go)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void *later(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)thread_state();
}

/* Runs fn in a child process; its exit status. */
static int in_child(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int child_every_thread(void)
{
	struct privs pv;
	char err[512];
	if (privs_resolve(&pv, "nobody", NULL, err, sizeof(err)) < 0)
		return 10;
	pthread_t w[3], sp;
	for (int i = 0; i < 3; i++)
		if (pthread_create(&w[i], NULL, waiter, NULL) != 0)
			return 11;
	if (pthread_create(&sp, NULL, spinner, NULL) != 0)
		return 11;
	if (thread_state() == 0)
		return 12; /* nothing to drop: the test would prove nothing */
	if (privs_drop(&pv, err, sizeof(err)) < 0) {
		fprintf(stderr, "privs_drop: %s\n", err);
		return 13;
	}
	if (privs_check(&pv, err, sizeof(err)) < 0)
		return 14;
	int rc = thread_state() ? 20 + thread_state() : 0;
	pthread_mutex_lock(&mu);
	go = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	atomic_store(&spin_stop, true);
	for (int i = 0; i < 3; i++) {
		void *r;
		pthread_join(w[i], &r);
		if ((intptr_t)r && !rc)
			rc = 30 + (int)(intptr_t)r;
	}
	void *r;
	pthread_join(sp, &r);
	if ((intptr_t)r && !rc)
		rc = 40 + (int)(intptr_t)r;
	/* made after the drop: inherits it */
	pthread_t l;
	if (pthread_create(&l, NULL, later, NULL) != 0)
		return 15;
	pthread_join(l, &r);
	if ((intptr_t)r && !rc)
		rc = 50 + (int)(intptr_t)r;
	/* and nothing comes back: setuid(0) and raising a capability fail */
	if (!rc && (setuid(0) == 0 || errno != EPERM))
		rc = 60;
	return rc;
}

static void test_every_thread_drops(void **s)
{
	(void)s;
	if (!root())
		skip();
	assert_int_equal(in_child(child_every_thread), 0);
}

static int child_blocked_thread(void)
{
	struct privs pv;
	char err[512];
	if (privs_resolve(&pv, "nobody", "nogroup", err, sizeof(err)) < 0)
		return 10;
	pthread_t b;
	if (pthread_create(&b, NULL, blocker, NULL) != 0)
		return 11;
	usleep(50000); /* the thread has blocked the signal */
	int rc = privs_drop(&pv, err, sizeof(err));
	pthread_mutex_lock(&mu);
	go = true;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(b, NULL);
	if (rc == 0)
		return 12; /* a thread kept root, and the drop said nothing */
	if (!strstr(err, "privileges not dropped everywhere: thread "))
		return 13;
	return 0;
}

static void test_unreachable_thread_fails(void **s)
{
	(void)s;
	if (!root())
		skip();
	assert_int_equal(in_child(child_blocked_thread), 0);
}

static int child_not_root(void)
{
	struct privs pv;
	char err[512];
	if (privs_resolve(&pv, "nobody", NULL, err, sizeof(err)) < 0)
		return 10;
	if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
		return 11;
	if (privs_drop(&pv, err, sizeof(err)) == 0)
		return 12;
	if (!strstr(err, "must start as root"))
		return 13;
	return 0;
}

static void test_not_root_cannot_drop(void **s)
{
	(void)s;
	if (!root())
		skip();
	assert_int_equal(in_child(child_not_root), 0);
}

static void test_resolve(void **s)
{
	(void)s;
	struct privs pv;
	char err[256];
	assert_int_equal(privs_resolve(&pv, "nobody", NULL, err, sizeof(err)), 0);
	assert_int_equal(pv.uid, NOBODY);
	assert_int_equal(pv.gid, NOBODY);
	assert_string_equal(pv.group, "nogroup");
	assert_int_equal(privs_resolve(&pv, "65534", "nogroup", err, sizeof(err)), 0);
	assert_int_equal(pv.uid, NOBODY);
	assert_int_equal(pv.gid, NOBODY);
	assert_int_equal(privs_resolve(&pv, "root", "4242", err, sizeof(err)), 0);
	assert_int_equal(pv.uid, 0);
	assert_int_equal(pv.gid, 4242);
	/* a number without an entry needs a group */
	assert_int_equal(privs_resolve(&pv, "4242", NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "give a group"));
	assert_int_equal(privs_resolve(&pv, "4242", "4243", err, sizeof(err)), 0);
	assert_int_equal(pv.uid, 4242);
	assert_int_equal(pv.gid, 4243);
	assert_int_equal(privs_resolve(&pv, "vigil-no-such-user", NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "run-as: no such user \"vigil-no-such-user\"");
	assert_int_equal(privs_resolve(&pv, "nobody", "vigil-no-such-group", err, sizeof(err)), -1);
	assert_string_equal(err, "run-as: no such group \"vigil-no-such-group\"");
	assert_int_equal(privs_resolve(&pv, "", NULL, err, sizeof(err)), -1);
	assert_int_equal(privs_resolve(&pv, "-1", NULL, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_every_thread_drops),
		cmocka_unit_test(test_unreachable_thread_fails),
		cmocka_unit_test(test_not_root_cannot_drop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
