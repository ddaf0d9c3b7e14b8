/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_fuse_loop.c -- the request loop of the split server
 * (split_channel=fuse, split_fuse.h): a fixed set of workers, each with
 * its slot in the page shared with the supervisor.  Each worker reads
 * a request from the session's device, publishes its unique id and the
 * time, processes it (libfuse decodes it and calls rf_ll_ops), and
 * clears its slot.
 *
 * Ending: the main thread, which alone takes SIGTERM, SIGINT and SIGHUP
 * (libfuse's handlers then end the session), waits until the session
 * has ended, then cancels the workers.  A worker can be cancelled only
 * while it waits for a request (read(2) is a cancellation point;
 * processing runs with cancellation disabled), as in libfuse's own
 * loop.
 *
 * Exports: rf_sf_map, rf_sf_loop.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <linux/fuse.h>

#include "bridge.h"
#include "split_fuse.h"

/*
 * A worker's stack.  The memory limit (RLIMIT_DATA) counts stacks
 * whole: libfuse's 8 MiB each would take most of a small limit.  The
 * deepest path, a kernel call under a FUSE request, needs far less (the
 * split_channel=socket child runs kernel calls on 1 MiB).
 */
#define SF_STACK	(1024 * 1024)

struct sf_loop {
	struct fuse_session	*se;
	struct rf_sf_shared	*sh;
	sem_t			 ended;		/* a worker stopped */
	unsigned long		 count;		/* requests read; atomic */
	unsigned long		 crash_at;	/* test hooks; 0 = off */
	unsigned long		 hang_at;
	int			 error;		/* first read error; atomic */
};

struct sf_worker {
	struct sf_loop		*l;
	struct rf_sf_slot	*slot;
	struct fuse_buf		 buf;		/* the worker's; freed by main */
	pthread_t		 tid;
};

struct rf_sf_shared *
rf_sf_map(void)
{
	void *p;

	p = mmap(NULL, sizeof(struct rf_sf_shared), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static uint64_t
sf_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static unsigned long
sf_env_count(const char *name)
{
	const char *s = getenv(name);

	return s != NULL ? strtoul(s, NULL, 10) : 0;
}

/* Publish the request in BUF (its header is in memory: no splice). */
static void
sf_publish(struct sf_worker *w)
{
	const struct fuse_in_header *in = w->buf.mem;
	struct sf_loop *l = w->l;
	unsigned long n;

	if ((w->buf.flags & FUSE_BUF_IS_FD) || w->buf.size < sizeof(*in))
		return;
	__atomic_store_n(&w->slot->unique, in->unique, __ATOMIC_RELAXED);
	__atomic_store_n(&w->slot->since, sf_now() | 1, __ATOMIC_RELEASE);
	if (l->crash_at == 0 && l->hang_at == 0)
		return;
	n = __atomic_add_fetch(&l->count, 1, __ATOMIC_RELAXED);
	if (n == l->crash_at) {
		rf_log(LOG_WARNING, "test: the server crashes in request %lu",
		    n);
		abort();
	}
	if (n == l->hang_at) {
		rf_log(LOG_WARNING, "test: the server hangs in request %lu",
		    n);
		for (;;)
			(void)sleep(3600);
	}
}

static void *
sf_work(void *arg)
{
	struct sf_worker *w = arg;
	struct sf_loop *l = w->l;
	int res, old;

	while (!fuse_session_exited(l->se)) {
		res = fuse_session_receive_buf(l->se, &w->buf);
		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0) {
			/* 0: the device ended (ENODEV), an unmount. */
			if (res < 0) {
				int expect = 0;

				(void)__atomic_compare_exchange_n(&l->error,
				    &expect, res, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
			}
			fuse_session_exit(l->se);
			break;
		}
		(void)pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
		sf_publish(w);
		fuse_session_process_buf(l->se, &w->buf);
		__atomic_store_n(&w->slot->since, 0, __ATOMIC_RELEASE);
		(void)pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	}
	(void)sem_post(&l->ended);
	return NULL;
}

uint64_t
rf_sf_kernel_budget(uint64_t memlimit, unsigned nthreads)
{
	uint64_t room;

	if (memlimit == 0 || memlimit == UINT64_MAX)
		return 0;
	/* Each worker: its stack, its request buffer; libfuse, the nodes. */
	room = (uint64_t)nthreads * (SF_STACK + RF_MAX_WRITE_LIMIT +
	    64 * 1024) + 16 * RF_MIB;
	return memlimit / 4 > memlimit - room || room > memlimit ?
	    memlimit / 4 : memlimit - room;
}

int
rf_sf_loop(struct fuse_session *se, struct rf_sf_shared *sh,
    unsigned nthreads)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sf_worker *w;
	struct sf_loop l;
	pthread_attr_t attr;
	sigset_t set, old;
	unsigned i, n;
	int error = 0;

	if (nthreads == 0)
		nthreads = 1;
	if (nthreads > RF_SF_SLOTS)
		nthreads = RF_SF_SLOTS;
	memset(&l, 0, sizeof(l));
	l.se = se;
	l.sh = sh;
	l.crash_at = sf_env_count("RUMPFUSE_TEST_SPLIT_CRASH");
	l.hang_at = sf_env_count("RUMPFUSE_TEST_SPLIT_HANG");
	if (sem_init(&l.ended, 0, 0) != 0)
		return -errno;
	if ((w = calloc(nthreads, sizeof(*w))) == NULL) {
		(void)sem_destroy(&l.ended);
		return -ENOMEM;
	}

	(void)pthread_attr_init(&attr);
	(void)pthread_attr_setstacksize(&attr, SF_STACK);
	/* The workers never take the signals that end the loop. */
	sigemptyset(&set);
	for (i = 0; i < 3; i++)
		sigaddset(&set, sigs[i]);
	(void)pthread_sigmask(SIG_BLOCK, &set, &old);
	for (n = 0; n < nthreads; n++) {
		w[n].l = &l;
		w[n].slot = &sh->slot[n];
		if ((error = pthread_create(&w[n].tid, &attr, sf_work,
		    &w[n])) != 0)
			break;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	(void)pthread_attr_destroy(&attr);
	if (n == 0) {
		rf_log(LOG_ERR, "cannot start a worker: %s", strerror(error));
		error = -error;
		goto out;
	}
	if (n < nthreads)
		rf_log(LOG_WARNING, "%u workers of %u: %s", n, nthreads,
		    strerror(error));
	error = 0;

	/* EINTR: a signal, whose handler may have ended the session. */
	while (!fuse_session_exited(se))
		(void)sem_wait(&l.ended);
	for (i = 0; i < n; i++)
		(void)pthread_cancel(w[i].tid);
	for (i = 0; i < n; i++)
		(void)pthread_join(w[i].tid, NULL);
	error = __atomic_load_n(&l.error, __ATOMIC_RELAXED);
out:
	for (i = 0; i < nthreads; i++)
		free(w[i].buf.mem);
	free(w);
	(void)sem_destroy(&l.ended);
	fuse_session_reset(se);
	return error;
}
