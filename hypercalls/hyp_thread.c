/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_thread.c -- host threads for the kernel: hyp_thread_create(),
 * hyp_thread_join(), and the per-thread current-lwp pointer
 * hyp_curlwp_set() / hyp_curlwp_get().
 *
 * Threads are joinable pthreads.  A new thread is named (the name cut to
 * the host's 15 characters) and starts with the asynchronous signals
 * blocked, so that signals meant for the process (SIGINT, SIGTERM,
 * SIGHUP, ...) are delivered to the daemon's own threads and never
 * interrupt a kernel thread; fault signals (SIGSEGV, ...) stay open.
 *
 * The current-lwp pointer lives in thread-local storage; a pthread key
 * whose value points at that storage is set whenever a destructor is
 * registered, so the destructor runs when the thread exits.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "hyp_impl.h"

#define HYP_THREAD_NAMELEN	16	/* pthread_setname_np limit with NUL */
#define HYP_THREAD_STACK	(2 * 1024 * 1024)

struct hyp_thread {
	pthread_t	t_pthread;	/* immutable after create */
	void		(*t_fn)(void *);
	void		*t_arg;
	char		t_name[HYP_THREAD_NAMELEN];
};

/* This thread's kernel record and what to run on it at thread exit. */
struct curlwp_slot {
	void	*cs_lwp;
	void	(*cs_dtor)(void *);
};

static _Thread_local struct curlwp_slot curlwp_slot;
static pthread_key_t	curlwp_key;
static pthread_once_t	curlwp_once = PTHREAD_ONCE_INIT;

static void *
thread_start(void *v)
{
	struct hyp_thread *t = v;

	if (t->t_name[0] != '\0')
		(void)pthread_setname_np(pthread_self(), t->t_name);
	t->t_fn(t->t_arg);
	return NULL;
}

/*
 * Start FN(ARG) in a new joinable host thread named NAME (may be NULL).
 * => 0 and *tp set; the caller must hyp_thread_join() it.
 * => EAGAIN/ENOMEM when the host cannot create a thread.
 */
int
hyp_thread_create(void (*fn)(void *), void *arg, const char *name,
    struct hyp_thread **tp)
{
	pthread_attr_t attr;
	sigset_t all, old;
	struct hyp_thread *t;
	int error;

	*tp = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ENOMEM;
	t->t_fn = fn;
	t->t_arg = arg;
	if (name != NULL) {
		strncpy(t->t_name, name, sizeof(t->t_name) - 1);
		t->t_name[sizeof(t->t_name) - 1] = '\0';
	}

	/* The new thread inherits this mask; restore ours afterwards. */
	(void)sigfillset(&all);
	(void)sigdelset(&all, SIGSEGV);
	(void)sigdelset(&all, SIGBUS);
	(void)sigdelset(&all, SIGFPE);
	(void)sigdelset(&all, SIGILL);
	(void)sigdelset(&all, SIGTRAP);
	(void)sigdelset(&all, SIGABRT);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	/*
	 * 2 MiB of stack, not the host's 8: a memory limit (RLIMIT_DATA)
	 * counts stacks whole.  Kernel code runs on 1 MiB in the split
	 * server's workers.
	 */
	(void)pthread_attr_init(&attr);
	(void)pthread_attr_setstacksize(&attr, HYP_THREAD_STACK);
	error = pthread_create(&t->t_pthread, &attr, thread_start, t);
	(void)pthread_attr_destroy(&attr);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (error != 0) {
		free(t);
		return error;
	}
	*tp = t;
	return 0;
}

/*
 * Wait for T to return from its function and free the handle.
 * => 0, or EDEADLK when T is the calling thread (the handle is kept).
 * May block.
 */
int
hyp_thread_join(struct hyp_thread *t)
{
	int error;

	if ((error = pthread_join(t->t_pthread, NULL)) != 0)
		return error;
	free(t);
	return 0;
}

/* Key destructor: the thread is exiting with a registered destructor. */
static void
curlwp_exit(void *v)
{
	struct curlwp_slot *cs = v;
	void (*dtor)(void *);
	void *lwp;

	lwp = cs->cs_lwp;
	dtor = cs->cs_dtor;
	cs->cs_lwp = NULL;
	cs->cs_dtor = NULL;
	if (dtor != NULL && lwp != NULL)
		dtor(lwp);
}

static void
curlwp_key_init(void)
{
	int error;

	if ((error = pthread_key_create(&curlwp_key, curlwp_exit)) != 0)
		hyp_panic("hyp_curlwp: pthread_key_create: error %d", error);
}

/*
 * Make LWP the calling thread's current-lwp pointer.  DTOR (if not
 * NULL) will run with LWP when the thread exits, unless the pointer is
 * replaced first; setting NULL cancels it.  The process's initial thread
 * runs no destructor at exit().
 */
void
hyp_curlwp_set(void *lwp, void (*dtor)(void *))
{
	int error;

	(void)pthread_once(&curlwp_once, curlwp_key_init);
	curlwp_slot.cs_lwp = lwp;
	curlwp_slot.cs_dtor = dtor;
	error = pthread_setspecific(curlwp_key,
	    lwp != NULL && dtor != NULL ? &curlwp_slot : NULL);
	if (error != 0)
		hyp_panic("hyp_curlwp_set: pthread_setspecific: error %d",
		    error);
}

void *
hyp_curlwp_get(void)
{

	return curlwp_slot.cs_lwp;
}
