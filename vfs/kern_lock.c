/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kern_lock.c -- kernel mutexes, reader/writer locks, condition
 * variables and kernel threads on top of the hypercall primitives.
 *
 * Exports (lock.h): mutex_*, rw_*, cv_*, kthread_create, kthread_join.
 *
 * Owner tracking: a kmutex records the lwp that holds it (mtx_owner),
 * a krwlock its writer (rw_owner) and the number of readers
 * (rw_readers, atomic), so that mutex_owned(), rw_write_held() and
 * rw_lock_held() are exact and KASSERTs can state lock contracts.
 * The owner fields are written only by the thread that holds the lock
 * (set just after acquiring, cleared just before releasing) and read
 * with atomic loads by anyone.  cv_wait and cv_timedwait_ms clear the
 * owner for the time the mutex is released by the wait.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kern/kern.h"
#include "kern/lock.h"
#include "rumpuser.h"

#define OWNER_LOAD(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define OWNER_STORE(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* ---- mutex ---- */

/* => 0 or ENOMEM. */
int
mutex_init(kmutex_t *mtx)
{

	mtx->mtx_owner = NULL;
	return hyp_mutex_init(&mtx->mtx_hyp) != 0 ? ENOMEM : 0;
}

/* The mutex must not be held. */
void
mutex_destroy(kmutex_t *mtx)
{

	KASSERT(OWNER_LOAD(&mtx->mtx_owner) == NULL);
	if (mtx->mtx_hyp != NULL)
		hyp_mutex_destroy(mtx->mtx_hyp);
	mtx->mtx_hyp = NULL;
}

void
mutex_enter(kmutex_t *mtx)
{
	struct lwp *l = curlwp();

	KASSERTMSG(OWNER_LOAD(&mtx->mtx_owner) != l,
	    "mutex_enter: %p: locking against myself", (void *)mtx);
	hyp_mutex_enter(mtx->mtx_hyp);
	OWNER_STORE(&mtx->mtx_owner, l);
}

bool
mutex_tryenter(kmutex_t *mtx)
{
	struct lwp *l = curlwp();

	if (!hyp_mutex_tryenter(mtx->mtx_hyp))
		return false;
	OWNER_STORE(&mtx->mtx_owner, l);
	return true;
}

void
mutex_exit(kmutex_t *mtx)
{

	KASSERTMSG(OWNER_LOAD(&mtx->mtx_owner) == curlwp(),
	    "mutex_exit: %p: not owner", (void *)mtx);
	OWNER_STORE(&mtx->mtx_owner, NULL);
	hyp_mutex_exit(mtx->mtx_hyp);
}

/* Does the calling thread hold MTX? */
bool
mutex_owned(const kmutex_t *mtx)
{

	return OWNER_LOAD(&mtx->mtx_owner) == curlwp();
}

/* ---- reader/writer lock ---- */

/* => 0 or ENOMEM. */
int
rw_init(krwlock_t *rw)
{

	rw->rw_owner = NULL;
	rw->rw_readers = 0;
	return hyp_rw_init(&rw->rw_hyp) != 0 ? ENOMEM : 0;
}

/* The lock must not be held. */
void
rw_destroy(krwlock_t *rw)
{

	KASSERT(!rw_lock_held(rw));
	if (rw->rw_hyp != NULL)
		hyp_rw_destroy(rw->rw_hyp);
	rw->rw_hyp = NULL;
}

void
rw_enter(krwlock_t *rw, krw_t op)
{
	struct lwp *l = curlwp();

	KASSERTMSG(OWNER_LOAD(&rw->rw_owner) != l,
	    "rw_enter: %p: locking against myself", (void *)rw);
	if (op == RW_WRITER) {
		hyp_rw_enter(rw->rw_hyp, HYP_RW_WRITER);
		OWNER_STORE(&rw->rw_owner, l);
	} else {
		hyp_rw_enter(rw->rw_hyp, HYP_RW_READER);
		atomic_inc_uint(&rw->rw_readers);
	}
}

bool
rw_tryenter(krwlock_t *rw, krw_t op)
{
	struct lwp *l = curlwp();

	if (op == RW_WRITER) {
		if (!hyp_rw_tryenter(rw->rw_hyp, HYP_RW_WRITER))
			return false;
		OWNER_STORE(&rw->rw_owner, l);
	} else {
		if (!hyp_rw_tryenter(rw->rw_hyp, HYP_RW_READER))
			return false;
		atomic_inc_uint(&rw->rw_readers);
	}
	return true;
}

/*
 * Release RW, held by the caller as writer, or as one of the readers
 * (reader holds are not attributed to threads).
 */
void
rw_exit(krwlock_t *rw)
{

	if (OWNER_LOAD(&rw->rw_owner) == curlwp()) {
		OWNER_STORE(&rw->rw_owner, NULL);
	} else {
		KASSERTMSG(OWNER_LOAD(&rw->rw_owner) == NULL &&
		    OWNER_LOAD(&rw->rw_readers) > 0,
		    "rw_exit: %p: not held by the caller", (void *)rw);
		atomic_dec_uint(&rw->rw_readers);
	}
	hyp_rw_exit(rw->rw_hyp);
}

/* Does the calling thread hold RW as writer? */
bool
rw_write_held(const krwlock_t *rw)
{

	return OWNER_LOAD(&rw->rw_owner) == curlwp();
}

/* Is RW held by anyone, in any mode? */
bool
rw_lock_held(const krwlock_t *rw)
{

	return OWNER_LOAD(&rw->rw_owner) != NULL ||
	    OWNER_LOAD(&rw->rw_readers) > 0;
}

/* ---- condition variables ---- */

/* => 0 or ENOMEM. */
int
cv_init(kcondvar_t *cv)
{

	return hyp_cv_init(&cv->cv_hyp) != 0 ? ENOMEM : 0;
}

void
cv_destroy(kcondvar_t *cv)
{

	if (cv->cv_hyp != NULL)
		hyp_cv_destroy(cv->cv_hyp);
	cv->cv_hyp = NULL;
}

/* MTX held -> released while waiting -> held again. */
void
cv_wait(kcondvar_t *cv, kmutex_t *mtx)
{
	struct lwp *l = curlwp();

	KASSERT(OWNER_LOAD(&mtx->mtx_owner) == l);
	OWNER_STORE(&mtx->mtx_owner, NULL);
	hyp_cv_wait(cv->cv_hyp, mtx->mtx_hyp);
	OWNER_STORE(&mtx->mtx_owner, l);
}

/*
 * As cv_wait, for at most MS milliseconds.
 * => 0 when woken, EWOULDBLOCK when the time ran out (MTX held again
 *    either way).
 */
int
cv_timedwait_ms(kcondvar_t *cv, kmutex_t *mtx, unsigned ms)
{
	struct lwp *l = curlwp();
	int error;

	KASSERT(OWNER_LOAD(&mtx->mtx_owner) == l);
	OWNER_STORE(&mtx->mtx_owner, NULL);
	error = hyp_cv_timedwait(cv->cv_hyp, mtx->mtx_hyp, ms / 1000,
	    (long)(ms % 1000) * 1000000L);
	OWNER_STORE(&mtx->mtx_owner, l);
	if (error == ETIMEDOUT)
		return EWOULDBLOCK;
	return 0;
}

void
cv_signal(kcondvar_t *cv)
{

	hyp_cv_signal(cv->cv_hyp);
}

void
cv_broadcast(kcondvar_t *cv)
{

	hyp_cv_broadcast(cv->cv_hyp);
}

/* ---- kernel threads ---- */

/* All fields immutable once kthread_create has returned. */
struct kthread {
	struct hyp_thread *kt_hyp;
	void		(*kt_fn)(void *);
	void		*kt_arg;
};

static void
kthread_start(void *v)
{
	struct kthread *kt = v;

	(void)curlwp();		/* a record (root) for the new thread */
	kt->kt_fn(kt->kt_arg);
}

/*
 * Run FN(ARG) in a new kernel thread called NAME.
 * => 0 and *KTP, which the caller must give to kthread_join(); ENOMEM
 *    or EAGAIN when no thread could be made.
 */
int
kthread_create(void (*fn)(void *), void *arg, const char *name,
    struct kthread **ktp)
{
	struct kthread *kt;
	int error;

	*ktp = NULL;
	if ((kt = kmem_zalloc(sizeof(*kt))) == NULL)
		return ENOMEM;
	kt->kt_fn = fn;
	kt->kt_arg = arg;
	error = hyp_thread_create(kthread_start, kt, name, &kt->kt_hyp);
	if (error != 0) {
		kmem_free(kt, sizeof(*kt));
		return error;
	}
	*ktp = kt;
	return 0;
}

/* Wait for KT's function to return, and free KT.  May block. */
void
kthread_join(struct kthread *kt)
{
	int error;

	if ((error = hyp_thread_join(kt->kt_hyp)) != 0)
		panic("kthread_join: error %d", error);
	kmem_free(kt, sizeof(*kt));
}
