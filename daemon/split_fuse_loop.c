/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_fuse_loop.c -- rumpfuse's request loop, for the split server
 * (split_channel=fuse, split_fuse.h) and sandbox=basic (main.c, with a
 * page nobody watches): workers, each with its slot in the page shared
 * with the supervisor.  Each worker reads a request
 * from the session's device, publishes its unique id and the time,
 * processes it (libfuse decodes it and calls rf_ll_ops), and clears its
 * slot.
 *
 * Workers are started as needed, as libfuse's own loop does: one at
 * first, another whenever a worker takes a request while none is left
 * waiting, up to the maximum; they are kept once started.
 *
 * One reader at a time (leader and followers): only the worker holding
 * the turn reads the device; it passes the turn on as soon as it has a
 * request, before processing it, and the other idle workers wait for
 * the turn on a semaphore.  So a request never wakes a thread that
 * Linux would have to find a CPU for: the reader is already waiting.
 * And the reader can poll (busy_poll=, rf_sf_loop): a caller's next
 * request usually comes within microseconds of our reply (rm -r: an
 * UNLINK, then its FORGET, then the next UNLINK), and a reader asleep
 * in read(2) takes, besides the switch, the wake-up of its halted CPU,
 * a trip through the hypervisor in a VM.  Polling the device for a few
 * tens of microseconds before sleeping saves that on the caller's
 * path; a quiet mount costs one poll window per burst of requests.
 * (Before: every idle worker waited in read(2), Linux woke the one
 * waiting longest, so a sequential caller's requests went round them.)
 *
 * Ending: the main thread, which alone takes SIGTERM, SIGINT and SIGHUP
 * (libfuse's handlers then end the session), waits until the session
 * has ended, then cancels the workers.  A worker can be cancelled only
 * while it waits for a request or for the turn (read(2), poll(2) and
 * sem_wait(3) are cancellation points; processing runs with
 * cancellation disabled), as in libfuse's own loop.
 *
 * Exports: rf_sf_map, rf_sf_loop.
 */
#include <errno.h>
#include <poll.h>
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

struct sf_worker;

struct sf_loop {
	struct fuse_session	*se;
	struct rf_sf_shared	*sh;
	pthread_attr_t		 attr;		/* of every worker */
	pthread_mutex_t		 lock;
	struct sf_worker	*w;		/* [max]; [0, n): started; lock */
	unsigned		 n;		/* lock; read atomically */
	unsigned		 max;
	bool			 stopping;	/* start no more; lock */
	unsigned		 idle;		/* workers waiting; atomic */
	int			 reading;	/* the turn is taken; atomic */
	unsigned		 parked;	/* waiting for the turn; atomic */
	sem_t			 turn;		/* posted: the turn is free */
	uint64_t		 poll_ns;	/* busy_poll=; 0: off */
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
	__atomic_store_n(&w->slot->since, rf_sf_now() | 1, __ATOMIC_RELEASE);
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

/*
 * Take the turn to read the device; wait for it if another worker has
 * it.  The count of parked workers goes up before the attempt, so a
 * worker passing the turn on sees it (both sequentially consistent) and
 * posts; a post meant for a worker that got the turn anyway only costs
 * a later waiter one more try.
 */
static void
sf_take_turn(struct sf_loop *l)
{

	__atomic_add_fetch(&l->parked, 1, __ATOMIC_SEQ_CST);
	while (__atomic_exchange_n(&l->reading, 1, __ATOMIC_SEQ_CST) != 0)
		(void)sem_wait(&l->turn);
	__atomic_sub_fetch(&l->parked, 1, __ATOMIC_SEQ_CST);
}

static void
sf_pass_turn(struct sf_loop *l)
{

	__atomic_store_n(&l->reading, 0, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&l->parked, __ATOMIC_SEQ_CST) != 0)
		(void)sem_post(&l->turn);
}

/*
 * Poll the device for up to l->poll_ns before the blocking read: until
 * a request is there, or the device ends or errs (the read then says
 * so), or a signal.
 */
static void
sf_poll(struct sf_loop *l)
{
	struct pollfd pfd;
	uint64_t until;

	pfd.fd = fuse_session_fd(l->se);
	pfd.events = POLLIN;
	pfd.revents = 0;
	until = rf_sf_now() + l->poll_ns;
	while (poll(&pfd, 1, 0) == 0 && rf_sf_now() < until)
		continue;
}

static void *sf_work(void *arg);

/* Start one more worker, unless at the maximum or stopping.  => 0, errno. */
static int
sf_start(struct sf_loop *l)
{
	struct sf_worker *w;
	sigset_t set, old;
	int error = 0;

	/* n only grows: a worker at the maximum need not take the lock. */
	if (__atomic_load_n(&l->n, __ATOMIC_RELAXED) == l->max)
		return 0;
	pthread_mutex_lock(&l->lock);
	if (l->stopping || l->n == l->max)
		goto out;
	w = &l->w[l->n];
	w->l = l;
	w->slot = &l->sh->slot[l->n];
	/* Workers never take the signals that end the loop (main's). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	(void)pthread_sigmask(SIG_BLOCK, &set, &old);
	__atomic_add_fetch(&l->idle, 1, __ATOMIC_RELAXED);
	if ((error = pthread_create(&w->tid, &l->attr, sf_work, w)) == 0)
		__atomic_store_n(&l->n, l->n + 1, __ATOMIC_RELAXED);
	else
		__atomic_sub_fetch(&l->idle, 1, __ATOMIC_RELAXED);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
	pthread_mutex_unlock(&l->lock);
	return error;
}

/*
 * Not instrumented by AddressSanitizer: a worker is cancelled in read(2)
 * below this frame, and a cancellation unwinds without clearing the
 * frame's poisoned redzones, which ASan's own thread exit then trips
 * over (a false stack-buffer-underflow).
 */
static void * __attribute__((no_sanitize_address))
sf_work(void *arg)
{
	struct sf_worker *w = arg;
	struct sf_loop *l = w->l;
	int res, old, error;

	while (!fuse_session_exited(l->se)) {
		sf_take_turn(l);
		if (l->poll_ns != 0)
			sf_poll(l);
		res = fuse_session_receive_buf(l->se, &w->buf);
		sf_pass_turn(l);
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
		if (__atomic_sub_fetch(&l->idle, 1, __ATOMIC_RELAXED) == 0 &&
		    (error = sf_start(l)) != 0)
			rf_log(LOG_DEBUG, "cannot start a worker: %s",
			    strerror(error));
		fuse_session_process_buf(l->se, &w->buf);
		__atomic_store_n(&w->slot->since, 0, __ATOMIC_RELEASE);
		__atomic_add_fetch(&l->idle, 1, __ATOMIC_RELAXED);
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
	/* The kernel keeps a quarter at least. */
	return room > memlimit - memlimit / 4 ? memlimit / 4 :
	    memlimit - room;
}

int
rf_sf_loop(struct fuse_session *se, struct rf_sf_shared *sh,
    unsigned nthreads, unsigned poll_us)
{
	struct sf_loop l;
	unsigned i, n;
	int error;

	memset(&l, 0, sizeof(l));
	l.se = se;
	l.sh = sh;
	l.max = nthreads == 0 ? 1 : nthreads > RF_SF_SLOTS ? RF_SF_SLOTS :
	    nthreads;
	l.crash_at = sf_env_count("RUMPFUSE_TEST_SPLIT_CRASH");
	l.hang_at = sf_env_count("RUMPFUSE_TEST_SPLIT_HANG");
	if ((l.w = calloc(l.max, sizeof(*l.w))) == NULL)
		return -ENOMEM;
	l.poll_ns = (uint64_t)poll_us * 1000;
	if (sem_init(&l.ended, 0, 0) != 0 || sem_init(&l.turn, 0, 0) != 0) {
		error = -errno;
		free(l.w);
		return error;
	}
	pthread_mutex_init(&l.lock, NULL);
	(void)pthread_attr_init(&l.attr);
	(void)pthread_attr_setstacksize(&l.attr, SF_STACK);
	if ((error = sf_start(&l)) != 0) {
		rf_log(LOG_ERR, "cannot start a worker: %s", strerror(error));
		error = -error;
		goto out;
	}

	/* EINTR: a signal, whose handler may have ended the session. */
	while (!fuse_session_exited(se))
		(void)sem_wait(&l.ended);
	pthread_mutex_lock(&l.lock);
	l.stopping = true;
	n = l.n;
	pthread_mutex_unlock(&l.lock);
	for (i = 0; i < n; i++)
		(void)pthread_cancel(l.w[i].tid);
	for (i = 0; i < n; i++)
		(void)pthread_join(l.w[i].tid, NULL);
	error = __atomic_load_n(&l.error, __ATOMIC_RELAXED);
out:
	for (i = 0; i < l.max; i++)
		free(l.w[i].buf.mem);
	free(l.w);
	(void)pthread_attr_destroy(&l.attr);
	pthread_mutex_destroy(&l.lock);
	(void)sem_destroy(&l.ended);
	(void)sem_destroy(&l.turn);
	fuse_session_reset(se);
	return error;
}
