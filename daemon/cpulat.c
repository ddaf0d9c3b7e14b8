/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cpulat.c -- short CPU wake-up latency while requests arrive.
 *
 * A FUSE request wakes a daemon thread and then, with the reply, the
 * caller: two wake-ups, usually of a thread on another CPU, because the
 * Linux scheduler prefers an idle CPU.  An idle CPU sleeps in the
 * deepest state its cpuidle governor thinks worth it; in a KVM guest
 * that is HLT, a VM exit, and waking it again is an interrupt through
 * the host and a host reschedule: tens of microseconds, more than the
 * request itself costs us.  (Measured here: 5,000 `echo > file` creates
 * take 0.58 s against 0.28 s when idle CPUs poll instead.)
 *
 * Linux's PM QoS interface lets a process ask for a bound on that
 * latency: while /dev/cpu_dma_latency is held open, the 32-bit value
 * last written to it is the most microseconds an idle CPU may take to
 * wake, and at 0 idle CPUs poll.  We ask for it only while requests
 * arrive: the first request after a quiet time writes the bound, and a
 * thread withdraws it after RF_CPULAT_QUIET_MS without a request, so an
 * unused mount costs nothing.  Opening the device needs root; without
 * it the daemon works as before.
 *
 * The descriptor is opened before the sandbox is entered (it is one of
 * ours, so sandbox_enter() keeps it); only write(2) is needed later.
 *
 * Exports: rf_cpulat_start, rf_cpulat_busy, rf_cpulat_stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"

#define RF_CPULAT_DEV		"/dev/cpu_dma_latency"
#define RF_CPULAT_QUIET_MS	20
/* PM_QOS_DEFAULT_VALUE of the kernel: no bound. */
#define RF_CPULAT_NONE		2000000000

static int		cl_fd = -1;
static int32_t		cl_busy_us;	/* the bound asked for while busy */
static atomic_bool	cl_on;		/* the bound is in force */
static atomic_bool	cl_seen;	/* a request since the last look */
static bool		cl_stop;
static pthread_t	cl_thread;
static pthread_mutex_t	cl_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	cl_cv;		/* on CLOCK_MONOTONIC */

/* Write VALUE as the bound.  Called with cl_lock held. */
static void
cl_write(int32_t value)
{

	if (write(cl_fd, &value, sizeof(value)) != sizeof(value))
		rf_log(LOG_DEBUG, "%s: %s", RF_CPULAT_DEV, strerror(errno));
}

/*
 * The thread that withdraws the bound after a quiet interval.  It waits
 * on cl_cv, so rf_cpulat_stop() need not wait for an interval to end.
 */
static void *
cl_main(void *arg)
{
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&cl_lock);
	for (;;) {
		while (!atomic_load(&cl_on) && !cl_stop)
			pthread_cond_wait(&cl_cv, &cl_lock);
		if (cl_stop)
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += RF_CPULAT_QUIET_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!cl_stop && pthread_cond_timedwait(&cl_cv, &cl_lock,
		    &ts) != ETIMEDOUT)
			continue;
		if (cl_stop)
			break;
		if (!atomic_exchange(&cl_seen, false) && atomic_load(&cl_on)) {
			cl_write(RF_CPULAT_NONE);
			atomic_store(&cl_on, false);
		}
	}
	pthread_mutex_unlock(&cl_lock);
	return NULL;
}

void
rf_cpulat_start(int busy_us)
{
	pthread_condattr_t ca;
	pthread_attr_t ta;
	int fd, error;

	if (busy_us < 0 || cl_fd != -1)
		return;
	if ((fd = open(RF_CPULAT_DEV, O_WRONLY | O_CLOEXEC)) == -1) {
		rf_log(LOG_DEBUG, "%s: %s; CPU wake-up latency left as it "
		    "is", RF_CPULAT_DEV, strerror(errno));
		return;
	}
	cl_busy_us = busy_us;
	cl_stop = false;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	error = pthread_cond_init(&cl_cv, &ca);
	pthread_condattr_destroy(&ca);
	/* A small stack: a memory limit (RLIMIT_DATA) counts it whole. */
	pthread_attr_init(&ta);
	pthread_attr_setstacksize(&ta, 256 * 1024);
	if (error == 0 && (error = pthread_create(&cl_thread, &ta, cl_main,
	    NULL)) != 0)
		pthread_cond_destroy(&cl_cv);
	pthread_attr_destroy(&ta);
	if (error != 0) {
		rf_log(LOG_DEBUG, "cpu_latency: %s", strerror(error));
		close(fd);
		return;
	}
	cl_fd = fd;	/* from now on rf_cpulat_busy() acts */
}

void
rf_cpulat_busy(void)
{

	if (cl_fd == -1)
		return;
	/* Both plain loads and stores while busy: no lock, no syscall. */
	if (!atomic_load_explicit(&cl_seen, memory_order_relaxed))
		atomic_store_explicit(&cl_seen, true, memory_order_relaxed);
	if (atomic_load_explicit(&cl_on, memory_order_relaxed))
		return;
	pthread_mutex_lock(&cl_lock);
	if (!atomic_load(&cl_on)) {
		cl_write(cl_busy_us);
		atomic_store(&cl_on, true);
		pthread_cond_signal(&cl_cv);
	}
	pthread_mutex_unlock(&cl_lock);
}

void
rf_cpulat_stop(void)
{

	if (cl_fd == -1)
		return;
	pthread_mutex_lock(&cl_lock);
	cl_stop = true;
	pthread_cond_signal(&cl_cv);
	pthread_mutex_unlock(&cl_lock);
	pthread_join(cl_thread, NULL);
	pthread_cond_destroy(&cl_cv);
	/* Closing the descriptor withdraws the request. */
	close(cl_fd);
	cl_fd = -1;
	atomic_store(&cl_on, false);
}
