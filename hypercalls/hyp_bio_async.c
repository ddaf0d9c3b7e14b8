/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_bio_async.c -- asynchronous block I/O: hyp_bdev_strategy()
 * (rumpuser.h) and the device book-keeping hyp_bio_attach() /
 * hyp_bio_detach() (hyp_impl.h).
 *
 * Design.  One pool per process: a FIFO of requests and 2..4 worker
 * threads (the online CPU count, clamped), all under pool.lock.
 *
 *   - hyp_bdev_strategy() validates the request and counts it for fault
 *     injection at once (so "the Nth I/O" follows submission order, not
 *     the workers' scheduling), records the outcome of both in the
 *     request, counts it in bd->bd_nasync and queues it.  Only a
 *     malformed request (EINVAL) or a lack of memory or threads is
 *     returned synchronously; then DONE is never called.  Every other
 *     outcome, including EROFS, EIO for a range past the end and an
 *     injected EIO, arrives through DONE.
 *   - A worker takes the oldest request, performs the transfer without
 *     the lock, calls DONE(ARG, error) exactly once, then decrements
 *     bd_nasync and wakes pool.changed when it reaches zero.
 *   - hyp_bio_detach() (from hyp_bdev_close) waits until bd_nasync is
 *     zero, so DONE callbacks have returned before a device goes away.
 *
 * Life cycle of the workers: started lazily by the first request
 * (state STOPPED -> RUNNING), stopped and joined when the last open
 * device is closed (RUNNING -> STOPPING -> STOPPED), so a process that
 * closes its devices leaves no thread behind.  A request that arrives
 * while the pool is STOPPING waits for STOPPED and starts it again.  A
 * detach from a worker thread (a DONE callback closing another device)
 * never joins the workers; the pool then stays up until the next
 * detach.  Workers block the asynchronous signals (hyp_thread.c).
 *
 * fork(2): pool.lock is taken around fork (pthread_atfork), so the
 * child inherits a consistent pool.  The child has no worker threads:
 * it re-initialises the lock and condition variables, resets the pool
 * to STOPPED, and requests queued or running at the
 * fork are dropped there (their devices' counts adjusted, DONE not
 * called in the child; the parent completes them as usual).
 *
 * Lock order: pool.lock is a leaf; no callback runs with it held.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hyp_impl.h"

#define BIO_MINTHREADS	2
#define BIO_MAXTHREADS	4

struct bio_req {
	struct bio_req		*br_next;	/* pool.lock */
	struct hyp_bdev		*br_bd;
	int			br_op;
	const struct hyp_iovec	*br_iov;
	int			br_iovcnt;
	uint64_t		br_off;
	int			br_error;	/* decided at submission */
	hyp_biodone_t		br_done;
	void			*br_arg;
};

enum bio_state {
	BIO_STOPPED,
	BIO_RUNNING,
	BIO_STOPPING,
};

static struct {
	pthread_mutex_t	lock;
	pthread_cond_t	work;		/* queue not empty, or STOPPING */
	pthread_cond_t	changed;	/* a device drained; pool stopped */
	struct bio_req	*head;		/* lock */
	struct bio_req	**tailp;	/* lock */
	enum bio_state	state;		/* lock */
	unsigned	ndev;		/* open devices; lock */
	int		nthreads;	/* lock */
	struct hyp_thread *threads[BIO_MAXTHREADS];	/* lock */
	struct bio_req	*inflight[BIO_MAXTHREADS];	/* per worker; lock */
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.changed = PTHREAD_COND_INITIALIZER,
	.head = NULL,
	.tailp = &pool.head,
	.state = BIO_STOPPED,
};

/* Set in worker threads, which must never join the pool. */
static _Thread_local bool bio_in_worker;
static pthread_once_t	bio_atfork_once = PTHREAD_ONCE_INIT;

static void
bio_fork_prepare(void)
{

	pthread_mutex_lock(&pool.lock);
}

static void
bio_fork_parent(void)
{

	pthread_mutex_unlock(&pool.lock);
}

/* In the child: no workers exist; forget the parent's requests. */
static void
bio_fork_child(void)
{
	struct bio_req *br;
	int i;

	while ((br = pool.head) != NULL) {
		pool.head = br->br_next;
		br->br_bd->bd_nasync--;
		free(br);
	}
	pool.tailp = &pool.head;
	for (i = 0; i < BIO_MAXTHREADS; i++) {
		if ((br = pool.inflight[i]) != NULL) {
			br->br_bd->bd_nasync--;
			pool.inflight[i] = NULL;
			free(br);	/* the child's copy */
		}
		pool.threads[i] = NULL;
	}
	pool.nthreads = 0;
	pool.state = BIO_STOPPED;
	/*
	 * The parent's workers may have been waiting on the condition
	 * variables; their state names threads the child does not have.
	 * The child is single-threaded here: start them afresh.
	 */
	(void)pthread_cond_init(&pool.work, NULL);
	(void)pthread_cond_init(&pool.changed, NULL);
	(void)pthread_mutex_init(&pool.lock, NULL);
}

static void
bio_atfork_init(void)
{
	int error;

	error = pthread_atfork(bio_fork_prepare, bio_fork_parent,
	    bio_fork_child);
	if (error != 0)
		hyp_log(HYP_LOG_WARN, "bdev: pthread_atfork: error %d", error);
}

static void
bio_worker(void *arg)
{
	struct bio_req *br;
	struct hyp_bdev *bd;
	int slot, error;

	slot = (int)(intptr_t)arg;
	bio_in_worker = true;
	pthread_mutex_lock(&pool.lock);
	for (;;) {
		while (pool.head == NULL && pool.state != BIO_STOPPING)
			pthread_cond_wait(&pool.work, &pool.lock);
		if ((br = pool.head) == NULL)
			break;		/* stopping and nothing left */
		if ((pool.head = br->br_next) == NULL)
			pool.tailp = &pool.head;
		pool.inflight[slot] = br;
		pthread_mutex_unlock(&pool.lock);

		bd = br->br_bd;
		error = br->br_error;
		if (error == 0)
			error = hyp_bdev_xfer(bd, br->br_op, br->br_iov,
			    br->br_iovcnt, br->br_off);
		br->br_done(br->br_arg, error);

		pthread_mutex_lock(&pool.lock);
		pool.inflight[slot] = NULL;
		if (--bd->bd_nasync == 0)
			pthread_cond_broadcast(&pool.changed);
		free(br);
	}
	pthread_mutex_unlock(&pool.lock);
}

/* Start the workers.  Called with pool.lock held in state STOPPED. */
static int
bio_start_locked(void)
{
	char name[32];
	long ncpu;
	int want, i, error;

	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	want = ncpu < BIO_MINTHREADS ? BIO_MINTHREADS :
	    ncpu > BIO_MAXTHREADS ? BIO_MAXTHREADS : (int)ncpu;
	error = 0;
	for (i = 0; i < want; i++) {
		(void)snprintf(name, sizeof(name), "hyp_bio%d", i);
		error = hyp_thread_create(bio_worker, (void *)(intptr_t)i, name,
		    &pool.threads[i]);
		if (error != 0)
			break;
	}
	pool.nthreads = i;
	if (i == 0) {
		hyp_log(HYP_LOG_ERR, "bdev: cannot start I/O threads: "
		    "error %d", error);
		return error;
	}
	if (error != 0)
		hyp_log(HYP_LOG_WARN, "bdev: only %d of %d I/O threads",
		    i, want);
	pool.state = BIO_RUNNING;
	return 0;
}

/*
 * Stop and join the workers.  Called with pool.lock held in state
 * RUNNING, from a thread that is not a worker; returns with it held,
 * in state STOPPED.  Drops the lock while joining.
 */
static void
bio_stop_locked(void)
{
	struct hyp_thread *threads[BIO_MAXTHREADS];
	int i, n, error;

	pool.state = BIO_STOPPING;
	pthread_cond_broadcast(&pool.work);
	n = pool.nthreads;
	for (i = 0; i < n; i++)
		threads[i] = pool.threads[i];
	pool.nthreads = 0;
	pthread_mutex_unlock(&pool.lock);
	for (i = 0; i < n; i++)
		if ((error = hyp_thread_join(threads[i])) != 0)
			hyp_panic("bdev: joining an I/O thread: error %d",
			    error);
	pthread_mutex_lock(&pool.lock);
	pool.state = BIO_STOPPED;
	pthread_cond_broadcast(&pool.changed);
}

void
hyp_bio_attach(struct hyp_bdev *bd)
{

	(void)bd;
	(void)pthread_once(&bio_atfork_once, bio_atfork_init);
	pthread_mutex_lock(&pool.lock);
	pool.ndev++;
	pthread_mutex_unlock(&pool.lock);
}

void
hyp_bio_detach(struct hyp_bdev *bd)
{

	pthread_mutex_lock(&pool.lock);
	while (bd->bd_nasync > 0)
		pthread_cond_wait(&pool.changed, &pool.lock);
	pool.ndev--;
	if (pool.ndev == 0 && pool.state == BIO_RUNNING && !bio_in_worker)
		bio_stop_locked();
	pthread_mutex_unlock(&pool.lock);
}

/*
 * Queue a transfer of IOV (IOVCNT entries, kept valid by the caller
 * until DONE) at byte offset OFF of BD; see rumpuser.h.
 * => 0: DONE(ARG, error) will be called exactly once from an I/O thread.
 * => EINVAL (bad op, vector or callback), ENOMEM, or EAGAIN (no I/O
 *    thread could be started): nothing queued, DONE never called.
 */
int
hyp_bdev_strategy(struct hyp_bdev *bd, int op, const struct hyp_iovec *iov,
    int iovcnt, uint64_t off, hyp_biodone_t done, void *arg)
{
	struct bio_req *br;
	int error;

	if (done == NULL || (op != HYP_BIO_READ && op != HYP_BIO_WRITE) ||
	    iovcnt < 0 || (iovcnt > 0 && iov == NULL))
		return EINVAL;
	if ((br = malloc(sizeof(*br))) == NULL)
		return ENOMEM;
	br->br_next = NULL;
	br->br_bd = bd;
	br->br_op = op;
	br->br_iov = iov;
	br->br_iovcnt = iovcnt;
	br->br_off = off;
	br->br_done = done;
	br->br_arg = arg;

	pthread_mutex_lock(&pool.lock);
	while (pool.state == BIO_STOPPING)
		pthread_cond_wait(&pool.changed, &pool.lock);
	if (pool.state == BIO_STOPPED &&
	    (error = bio_start_locked()) != 0) {
		pthread_mutex_unlock(&pool.lock);
		free(br);
		return error;
	}
	/* Decide under the lock, so fault ordinals follow queue order. */
	br->br_error = hyp_bdev_check(bd, op, iov, iovcnt, off);
	if (br->br_error == EINVAL) {
		pthread_mutex_unlock(&pool.lock);
		free(br);
		return EINVAL;
	}
	if (br->br_error == 0 && hyp_fault_io_fail())
		br->br_error = EIO;
	bd->bd_nasync++;
	*pool.tailp = br;
	pool.tailp = &br->br_next;
	pthread_cond_signal(&pool.work);
	pthread_mutex_unlock(&pool.lock);
	return 0;
}
