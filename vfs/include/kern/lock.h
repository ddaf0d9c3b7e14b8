/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lock.h -- kernel locks and kernel threads on top of the hypercalls.
 * Implemented in vfs/kern_lock.c.
 *
 * kmutex_t and krwlock_t record their owner (the current lwp) so that
 * assertions can ask "do I hold it?".  None is recursive.  Initialisation
 * can fail only for lack of memory (ENOMEM).
 */
#ifndef KERN_LOCK_H
#define KERN_LOCK_H

#include "kern/kern.h"

struct hyp_mtx;
struct hyp_rw;
struct hyp_cv;

typedef struct kmutex {
	struct hyp_mtx	*mtx_hyp;
	struct lwp	*mtx_owner;	/* written by the holder only */
} kmutex_t;

typedef enum { RW_READER = 0, RW_WRITER = 1 } krw_t;

typedef struct krwlock {
	struct hyp_rw	*rw_hyp;
	struct lwp	*rw_owner;	/* writer, or NULL */
	unsigned	rw_readers;	/* atomic */
} krwlock_t;

typedef struct kcondvar {
	struct hyp_cv	*cv_hyp;
} kcondvar_t;

int	mutex_init(kmutex_t *mtx);
void	mutex_destroy(kmutex_t *mtx);
void	mutex_enter(kmutex_t *mtx);	/* may block */
bool	mutex_tryenter(kmutex_t *mtx);
void	mutex_exit(kmutex_t *mtx);
bool	mutex_owned(const kmutex_t *mtx);

int	rw_init(krwlock_t *rw);
void	rw_destroy(krwlock_t *rw);
void	rw_enter(krwlock_t *rw, krw_t op);	/* may block */
bool	rw_tryenter(krwlock_t *rw, krw_t op);
void	rw_exit(krwlock_t *rw);
bool	rw_write_held(const krwlock_t *rw);	/* by the caller */
bool	rw_lock_held(const krwlock_t *rw);	/* by anyone, any mode */

int	cv_init(kcondvar_t *cv);
void	cv_destroy(kcondvar_t *cv);
void	cv_wait(kcondvar_t *cv, kmutex_t *mtx);	/* may block */
/* Wait at most MS milliseconds; EWOULDBLOCK when it timed out. */
int	cv_timedwait_ms(kcondvar_t *cv, kmutex_t *mtx, unsigned ms);
void	cv_signal(kcondvar_t *cv);
void	cv_broadcast(kcondvar_t *cv);

/* Kernel threads. */
struct kthread;
int	kthread_create(void (*fn)(void *), void *arg, const char *name,
	    struct kthread **ktp);
void	kthread_join(struct kthread *kt);	/* may block */

/* Atomics (compiler builtins; freestanding). */
#define atomic_inc_uint(p)	__atomic_add_fetch((p), 1, __ATOMIC_SEQ_CST)
#define atomic_dec_uint(p)	__atomic_sub_fetch((p), 1, __ATOMIC_SEQ_CST)
#define atomic_load_relaxed(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define atomic_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define atomic_add_64(p, v)	__atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)

#endif /* KERN_LOCK_H */
