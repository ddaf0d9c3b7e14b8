/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_sync.c -- mutexes, reader/writer locks and condition variables for
 * the kernel, on pthreads: hyp_mutex_*(), hyp_rw_*(), hyp_cv_*().
 *
 * Each object is a pthread object in memory from the host allocator
 * (not hyp_malloc(), so fault injection never fails a lock): an *_init
 * fails only with ENOMEM (or the host's error for the attributes).
 * Misuse the host detects (unlocking a mutex one does not hold,
 * destroying a busy lock, relocking one's own mutex) is a kernel bug
 * and panics.  Mutexes are error-checking; reader/writer locks prefer
 * writers, so a stream of readers cannot starve a writer (and, as in
 * the kernel, a reader must not re-enter a lock it holds).  Condition
 * variables time out on the monotonic clock.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "hyp_impl.h"

#define NSEC_PER_SEC	1000000000L

struct hyp_mtx {
	pthread_mutex_t	m_mutex;
};

struct hyp_rw {
	pthread_rwlock_t rw_lock;
};

struct hyp_cv {
	pthread_cond_t	cv_cond;
};

static void
sync_check(int error, const char *what)
{

	if (__builtin_expect(error != 0, 0))
		hyp_panic("%s: host error %d", what, error);
}

/* ---- mutex ---- */

int
hyp_mutex_init(struct hyp_mtx **mp)
{
	pthread_mutexattr_t attr;
	struct hyp_mtx *m;
	int error;

	*mp = NULL;
	if ((m = malloc(sizeof(*m))) == NULL)
		return ENOMEM;
	if ((error = pthread_mutexattr_init(&attr)) != 0)
		goto out_free;
	error = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
	if (error == 0)
		error = pthread_mutex_init(&m->m_mutex, &attr);
	(void)pthread_mutexattr_destroy(&attr);
	if (error != 0)
		goto out_free;
	*mp = m;
	return 0;

out_free:
	free(m);
	return error;
}

void
hyp_mutex_enter(struct hyp_mtx *m)
{

	sync_check(pthread_mutex_lock(&m->m_mutex), "hyp_mutex_enter");
}

bool
hyp_mutex_tryenter(struct hyp_mtx *m)
{
	int error;

	error = pthread_mutex_trylock(&m->m_mutex);
	if (error == EBUSY)
		return false;
	sync_check(error, "hyp_mutex_tryenter");
	return true;
}

void
hyp_mutex_exit(struct hyp_mtx *m)
{

	sync_check(pthread_mutex_unlock(&m->m_mutex), "hyp_mutex_exit");
}

void
hyp_mutex_destroy(struct hyp_mtx *m)
{

	if (m == NULL)
		return;
	sync_check(pthread_mutex_destroy(&m->m_mutex), "hyp_mutex_destroy");
	free(m);
}

/* ---- reader/writer lock ---- */

int
hyp_rw_init(struct hyp_rw **rwp)
{
	pthread_rwlockattr_t attr;
	struct hyp_rw *rw;
	int error;

	*rwp = NULL;
	if ((rw = malloc(sizeof(*rw))) == NULL)
		return ENOMEM;
	if ((error = pthread_rwlockattr_init(&attr)) != 0)
		goto out_free;
	error = pthread_rwlockattr_setkind_np(&attr,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (error == 0)
		error = pthread_rwlock_init(&rw->rw_lock, &attr);
	(void)pthread_rwlockattr_destroy(&attr);
	if (error != 0)
		goto out_free;
	*rwp = rw;
	return 0;

out_free:
	free(rw);
	return error;
}

/* Take RW as HYP_RW_READER or HYP_RW_WRITER.  May block. */
void
hyp_rw_enter(struct hyp_rw *rw, int op)
{

	if (op == HYP_RW_WRITER)
		sync_check(pthread_rwlock_wrlock(&rw->rw_lock),
		    "hyp_rw_enter(writer)");
	else
		sync_check(pthread_rwlock_rdlock(&rw->rw_lock),
		    "hyp_rw_enter(reader)");
}

bool
hyp_rw_tryenter(struct hyp_rw *rw, int op)
{
	int error;

	if (op == HYP_RW_WRITER)
		error = pthread_rwlock_trywrlock(&rw->rw_lock);
	else
		error = pthread_rwlock_tryrdlock(&rw->rw_lock);
	if (error == EBUSY)
		return false;
	sync_check(error, "hyp_rw_tryenter");
	return true;
}

void
hyp_rw_exit(struct hyp_rw *rw)
{

	sync_check(pthread_rwlock_unlock(&rw->rw_lock), "hyp_rw_exit");
}

void
hyp_rw_destroy(struct hyp_rw *rw)
{

	if (rw == NULL)
		return;
	sync_check(pthread_rwlock_destroy(&rw->rw_lock), "hyp_rw_destroy");
	free(rw);
}

/* ---- condition variable ---- */

int
hyp_cv_init(struct hyp_cv **cvp)
{
	pthread_condattr_t attr;
	struct hyp_cv *cv;
	int error;

	*cvp = NULL;
	if ((cv = malloc(sizeof(*cv))) == NULL)
		return ENOMEM;
	if ((error = pthread_condattr_init(&attr)) != 0)
		goto out_free;
	error = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (error == 0)
		error = pthread_cond_init(&cv->cv_cond, &attr);
	(void)pthread_condattr_destroy(&attr);
	if (error != 0)
		goto out_free;
	*cvp = cv;
	return 0;

out_free:
	free(cv);
	return error;
}

/*
 * Release M, sleep on CV, and take M again.  M must be held.  A wakeup
 * may be spurious: callers re-check their condition.  May block.
 */
void
hyp_cv_wait(struct hyp_cv *cv, struct hyp_mtx *m)
{

	sync_check(pthread_cond_wait(&cv->cv_cond, &m->m_mutex),
	    "hyp_cv_wait");
}

/*
 * As hyp_cv_wait(), for at most SEC seconds and NSEC nanoseconds on the
 * monotonic clock (a negative or zero time only checks).
 * => 0 when woken (or spuriously), ETIMEDOUT when the time ran out; M
 *    is held again either way.  May block.
 */
int
hyp_cv_timedwait(struct hyp_cv *cv, struct hyp_mtx *m, int64_t sec,
    long nsec)
{
	struct timespec ts;
	int error;

	if (sec < 0 || (sec == 0 && nsec < 0))
		sec = nsec = 0;
	sync_check(clock_gettime(CLOCK_MONOTONIC, &ts) == 0 ? 0 : errno,
	    "hyp_cv_timedwait: clock_gettime");
	if (nsec < 0 || nsec >= NSEC_PER_SEC) {
		sec += nsec / NSEC_PER_SEC;
		nsec %= NSEC_PER_SEC;
		if (nsec < 0) {
			nsec += NSEC_PER_SEC;
			sec--;
		}
	}
	if (sec > (int64_t)INT32_MAX * 64)	/* ~4000 years: forever */
		sec = (int64_t)INT32_MAX * 64;
	ts.tv_sec += (time_t)sec;
	ts.tv_nsec += nsec;
	if (ts.tv_nsec >= NSEC_PER_SEC) {
		ts.tv_nsec -= NSEC_PER_SEC;
		ts.tv_sec++;
	}
	error = pthread_cond_timedwait(&cv->cv_cond, &m->m_mutex, &ts);
	if (error == ETIMEDOUT)
		return ETIMEDOUT;
	sync_check(error, "hyp_cv_timedwait");
	return 0;
}

void
hyp_cv_signal(struct hyp_cv *cv)
{

	sync_check(pthread_cond_signal(&cv->cv_cond), "hyp_cv_signal");
}

void
hyp_cv_broadcast(struct hyp_cv *cv)
{

	sync_check(pthread_cond_broadcast(&cv->cv_cond), "hyp_cv_broadcast");
}

void
hyp_cv_destroy(struct hyp_cv *cv)
{

	if (cv == NULL)
		return;
	sync_check(pthread_cond_destroy(&cv->cv_cond), "hyp_cv_destroy");
	free(cv);
}
