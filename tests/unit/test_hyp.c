/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_hyp.c -- unit tests of the hypercall layer (hypercalls/), linked
 * against it alone: memory, locks and condition variables, threads and
 * the current-lwp pointer, clocks, random bytes, parameters, logging,
 * memory and file block devices (synchronous and asynchronous I/O), and
 * fault injection.  Output is TAP through cunit_tap_run().
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rumpuser.h"
#include "cunit_tap.h"

#define MIB		(1024 * 1024)

/* ---- helpers ---- */

static uint64_t
mono_ns(void)
{
	int64_t sec;
	long nsec;

	CU_ASSERT_EQUAL_FATAL(hyp_clock_gettime(HYP_CLOCK_MONOTONIC, &sec,
	    &nsec), 0);
	return (uint64_t)sec * 1000000000ULL + (uint64_t)nsec;
}

static void
fill_pattern(unsigned char *p, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)((i * 31 + seed * 7 + (i >> 9)) & 0xff);
}

/* A temporary image of SIZE bytes filled with a pattern; path in PATH. */
static int
tmpimg(char *path, size_t pathlen, size_t size)
{
	unsigned char *buf;
	int fd;

	(void)snprintf(path, pathlen, "/tmp/test_hyp.XXXXXX");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	buf = malloc(size > 0 ? size : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	fill_pattern(buf, size, 1);
	if (size > 0)
		CU_ASSERT_EQUAL(pwrite(fd, buf, size, 0), (ssize_t)size);
	free(buf);
	return fd;
}

static const char *const fault_vars[] = {
	"RUMP_FAULT_IO", "RUMP_FAULT_IO_RANDOM", "RUMP_FAULT_IO_REPEAT",
	"RUMP_FAULT_MEM", "RUMP_FAULT_MEM_RANDOM", "RUMP_FAULT_SEED",
};

static void
fault_clear(void)
{
	size_t i;

	for (i = 0; i < sizeof(fault_vars) / sizeof(fault_vars[0]); i++)
		unsetenv(fault_vars[i]);
	hyp_fault_reload();
}

/* Completion counter for asynchronous tests. */
struct waiter {
	pthread_mutex_t	lock;
	pthread_cond_t	cv;
	unsigned	ndone;
	unsigned	nerr;
	int		lasterr;
	pthread_t	submitter;
	bool		samethread;
};

static void
waiter_init(struct waiter *w)
{

	memset(w, 0, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->submitter = pthread_self();
}

static void
waiter_done(void *arg, int error)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&w->lock);
	w->ndone++;
	if (error != 0) {
		w->nerr++;
		w->lasterr = error;
	}
	if (pthread_equal(pthread_self(), w->submitter))
		w->samethread = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->lock);
}

static void
waiter_wait(struct waiter *w, unsigned n)
{

	pthread_mutex_lock(&w->lock);
	while (w->ndone < n)
		pthread_cond_wait(&w->cv, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

static void
waiter_fini(struct waiter *w)
{

	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cv);
}

/* ---- memory ---- */

static void
test_malloc_basic(void)
{
	void *p, *q;

	CU_ASSERT_EQUAL(hyp_malloc(1000, 0, &p), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(p, 0xa5, 1000);
	CU_ASSERT_EQUAL(hyp_malloc(0, 0, &q), 0);
	CU_ASSERT_PTR_NOT_NULL(q);
	CU_ASSERT_PTR_NOT_EQUAL(p, q);
	hyp_free(p, 1000);
	hyp_free(q, 0);
	hyp_free(NULL, 0);
}

static void
test_malloc_align(void)
{
	size_t align;
	void *p;

	for (align = 1; align <= 65536; align <<= 1) {
		CU_ASSERT_EQUAL(hyp_malloc(777, align, &p), 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL((uintptr_t)p % align, 0);
		memset(p, 0, 777);
		hyp_free(p, 777);
	}
	CU_ASSERT_EQUAL(hyp_malloc(64, 24, &p), EINVAL);
	CU_ASSERT_PTR_NULL(p);
}

/* ---- mutex, rwlock, condvar ---- */

struct lockarg {
	struct hyp_mtx	*m;
	struct hyp_rw	*rw;
	struct hyp_cv	*cv;
	unsigned long	counter;
	int		flag;
	int		woken;
	bool		result;
	int		op;
};

static void
try_mutex_fn(void *v)
{
	struct lockarg *a = v;

	a->result = hyp_mutex_tryenter(a->m);
	if (a->result)
		hyp_mutex_exit(a->m);
}

static void
try_rw_fn(void *v)
{
	struct lockarg *a = v;

	a->result = hyp_rw_tryenter(a->rw, a->op);
	if (a->result)
		hyp_rw_exit(a->rw);
}

static bool
run_in_thread(void (*fn)(void *), struct lockarg *a)
{
	struct hyp_thread *t;

	CU_ASSERT_EQUAL_FATAL(hyp_thread_create(fn, a, "try", &t), 0);
	CU_ASSERT_EQUAL(hyp_thread_join(t), 0);
	return a->result;
}

static void
test_mutex_basic(void)
{
	struct lockarg a = { 0 };

	CU_ASSERT_EQUAL_FATAL(hyp_mutex_init(&a.m), 0);
	CU_ASSERT_TRUE(hyp_mutex_tryenter(a.m));
	CU_ASSERT_FALSE(run_in_thread(try_mutex_fn, &a));
	hyp_mutex_exit(a.m);
	CU_ASSERT_TRUE(run_in_thread(try_mutex_fn, &a));
	hyp_mutex_enter(a.m);
	hyp_mutex_exit(a.m);
	hyp_mutex_destroy(a.m);
}

static void
count_fn(void *v)
{
	struct lockarg *a = v;
	int i;

	for (i = 0; i < 20000; i++) {
		hyp_mutex_enter(a->m);
		a->counter++;
		hyp_mutex_exit(a->m);
	}
}

static void
test_mutex_contention(void)
{
	struct hyp_thread *t[4];
	struct lockarg a = { 0 };
	int i;

	CU_ASSERT_EQUAL_FATAL(hyp_mutex_init(&a.m), 0);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL_FATAL(hyp_thread_create(count_fn, &a, "cnt",
		    &t[i]), 0);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(hyp_thread_join(t[i]), 0);
	CU_ASSERT_EQUAL(a.counter, 4 * 20000);
	hyp_mutex_destroy(a.m);
}

static void
test_rwlock(void)
{
	struct lockarg a = { 0 };

	CU_ASSERT_EQUAL_FATAL(hyp_rw_init(&a.rw), 0);
	/* Readers share. */
	hyp_rw_enter(a.rw, HYP_RW_READER);
	a.op = HYP_RW_READER;
	CU_ASSERT_TRUE(run_in_thread(try_rw_fn, &a));
	a.op = HYP_RW_WRITER;
	CU_ASSERT_FALSE(run_in_thread(try_rw_fn, &a));
	hyp_rw_exit(a.rw);
	/* A writer excludes everyone. */
	CU_ASSERT_TRUE(hyp_rw_tryenter(a.rw, HYP_RW_WRITER));
	a.op = HYP_RW_READER;
	CU_ASSERT_FALSE(run_in_thread(try_rw_fn, &a));
	a.op = HYP_RW_WRITER;
	CU_ASSERT_FALSE(run_in_thread(try_rw_fn, &a));
	hyp_rw_exit(a.rw);
	CU_ASSERT_TRUE(run_in_thread(try_rw_fn, &a));
	hyp_rw_destroy(a.rw);
}

static void
test_cv_timeout(void)
{
	struct hyp_mtx *m;
	struct hyp_cv *cv;
	uint64_t t0, el;

	CU_ASSERT_EQUAL_FATAL(hyp_mutex_init(&m), 0);
	CU_ASSERT_EQUAL_FATAL(hyp_cv_init(&cv), 0);
	hyp_mutex_enter(m);
	t0 = mono_ns();
	CU_ASSERT_EQUAL(hyp_cv_timedwait(cv, m, 0, 50 * 1000 * 1000),
	    ETIMEDOUT);
	el = mono_ns() - t0;
	CU_ASSERT(el >= 50ULL * 1000 * 1000);
	CU_ASSERT(el < 5ULL * 1000 * 1000 * 1000);
	/* Zero and negative times only check. */
	CU_ASSERT_EQUAL(hyp_cv_timedwait(cv, m, 0, 0), ETIMEDOUT);
	CU_ASSERT_EQUAL(hyp_cv_timedwait(cv, m, -1, 0), ETIMEDOUT);
	/* The mutex is held again after a timeout. */
	CU_ASSERT_FALSE(hyp_mutex_tryenter(m));
	hyp_mutex_exit(m);
	hyp_cv_destroy(cv);
	hyp_mutex_destroy(m);
}

static void
cv_waiter_fn(void *v)
{
	struct lockarg *a = v;

	hyp_mutex_enter(a->m);
	while (a->flag == 0)
		hyp_cv_wait(a->cv, a->m);
	a->woken++;
	hyp_mutex_exit(a->m);
}

static void
cv_signaller_fn(void *v)
{
	struct lockarg *a = v;

	(void)hyp_clock_sleep(0, 20 * 1000 * 1000);
	hyp_mutex_enter(a->m);
	a->flag = 1;
	hyp_cv_signal(a->cv);
	hyp_mutex_exit(a->m);
}

static void
test_cv_signal_broadcast(void)
{
	struct hyp_thread *t[5];
	struct lockarg a = { 0 };
	int i, error;

	CU_ASSERT_EQUAL_FATAL(hyp_mutex_init(&a.m), 0);
	CU_ASSERT_EQUAL_FATAL(hyp_cv_init(&a.cv), 0);

	/* Signal from another thread ends a timed wait early. */
	CU_ASSERT_EQUAL_FATAL(hyp_thread_create(cv_signaller_fn, &a, "sig",
	    &t[0]), 0);
	hyp_mutex_enter(a.m);
	error = 0;
	while (a.flag == 0 && error == 0)
		error = hyp_cv_timedwait(a.cv, a.m, 30, 0);
	CU_ASSERT_EQUAL(error, 0);
	CU_ASSERT_EQUAL(a.flag, 1);
	hyp_mutex_exit(a.m);
	CU_ASSERT_EQUAL(hyp_thread_join(t[0]), 0);

	/* Broadcast wakes every waiter. */
	a.flag = 0;
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL_FATAL(hyp_thread_create(cv_waiter_fn, &a, "w",
		    &t[i]), 0);
	(void)hyp_clock_sleep(0, 20 * 1000 * 1000);
	hyp_mutex_enter(a.m);
	a.flag = 1;
	hyp_cv_broadcast(a.cv);
	hyp_mutex_exit(a.m);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(hyp_thread_join(t[i]), 0);
	CU_ASSERT_EQUAL(a.woken, 5);
	hyp_cv_destroy(a.cv);
	hyp_mutex_destroy(a.m);
}

/* ---- threads and curlwp ---- */

struct thrarg {
	char		name[32];
	int		ran;
	void		*lwp_seen;
};

static void
thread_name_fn(void *v)
{
	struct thrarg *a = v;

	a->ran = 1;
	(void)pthread_getname_np(pthread_self(), a->name, sizeof(a->name));
	a->lwp_seen = hyp_curlwp_get();
}

static void
test_thread_create_join(void)
{
	struct hyp_thread *t;
	struct thrarg a;

	memset(&a, 0, sizeof(a));
	a.lwp_seen = &a;
	CU_ASSERT_EQUAL_FATAL(hyp_thread_create(thread_name_fn, &a,
	    "a_rather_long_thread_name", &t), 0);
	CU_ASSERT_EQUAL(hyp_thread_join(t), 0);
	CU_ASSERT_EQUAL(a.ran, 1);
	CU_ASSERT_STRING_EQUAL(a.name, "a_rather_long_t");
	CU_ASSERT_PTR_NULL(a.lwp_seen);	/* a new thread has no lwp */
}

static atomic_int	dtor_calls;
static void		*dtor_last;

static void
lwp_dtor(void *lwp)
{

	atomic_fetch_add(&dtor_calls, 1);
	dtor_last = lwp;
}

static int lwp_a, lwp_b;

static void
curlwp_fn(void *v)
{
	int mode = *(int *)v;

	CU_ASSERT_PTR_NULL(hyp_curlwp_get());
	hyp_curlwp_set(&lwp_a, lwp_dtor);
	CU_ASSERT_PTR_EQUAL(hyp_curlwp_get(), &lwp_a);
	if (mode == 1) {
		/* Replaced: only the last registration runs. */
		hyp_curlwp_set(&lwp_b, lwp_dtor);
		CU_ASSERT_PTR_EQUAL(hyp_curlwp_get(), &lwp_b);
	} else if (mode == 2) {
		/* Cleared: nothing runs. */
		hyp_curlwp_set(NULL, NULL);
		CU_ASSERT_PTR_NULL(hyp_curlwp_get());
	}
}

static void
test_curlwp(void)
{
	struct hyp_thread *t;
	int mode;

	for (mode = 0; mode < 3; mode++) {
		atomic_store(&dtor_calls, 0);
		dtor_last = NULL;
		CU_ASSERT_EQUAL_FATAL(hyp_thread_create(curlwp_fn, &mode,
		    "lwp", &t), 0);
		CU_ASSERT_EQUAL(hyp_thread_join(t), 0);
		CU_ASSERT_EQUAL(atomic_load(&dtor_calls), mode == 2 ? 0 : 1);
		CU_ASSERT_PTR_EQUAL(dtor_last, mode == 0 ? (void *)&lwp_a :
		    mode == 1 ? (void *)&lwp_b : NULL);
	}
	/* The main thread's pointer is its own. */
	hyp_curlwp_set(&lwp_b, NULL);
	CU_ASSERT_PTR_EQUAL(hyp_curlwp_get(), &lwp_b);
	hyp_curlwp_set(NULL, NULL);
	CU_ASSERT_PTR_NULL(hyp_curlwp_get());
}

/* ---- clocks, random, parameters, log ---- */

static void
test_clocks(void)
{
	int64_t sec, prev_sec;
	long nsec, prev_nsec;
	uint64_t t0, el;
	int i;

	CU_ASSERT_EQUAL(hyp_clock_gettime(HYP_CLOCK_REALTIME, &sec, &nsec), 0);
	CU_ASSERT(sec > 1600000000);	/* after 2020 */
	CU_ASSERT(nsec >= 0 && nsec < 1000000000L);
	CU_ASSERT_EQUAL(hyp_clock_gettime(7, &sec, &nsec), EINVAL);

	CU_ASSERT_EQUAL(hyp_clock_gettime(HYP_CLOCK_MONOTONIC, &prev_sec,
	    &prev_nsec), 0);
	for (i = 0; i < 1000; i++) {
		CU_ASSERT_EQUAL(hyp_clock_gettime(HYP_CLOCK_MONOTONIC, &sec,
		    &nsec), 0);
		CU_ASSERT(sec > prev_sec || (sec == prev_sec &&
		    nsec >= prev_nsec));
		prev_sec = sec;
		prev_nsec = nsec;
	}

	t0 = mono_ns();
	CU_ASSERT_EQUAL(hyp_clock_sleep(0, 30 * 1000 * 1000), 0);
	el = mono_ns() - t0;
	CU_ASSERT(el >= 30ULL * 1000 * 1000);
	CU_ASSERT(el < 5ULL * 1000 * 1000 * 1000);
	CU_ASSERT_EQUAL(hyp_clock_sleep(0, 0), 0);
	CU_ASSERT_EQUAL(hyp_clock_sleep(-1, 0), EINVAL);
	CU_ASSERT_EQUAL(hyp_clock_sleep(0, 1000000000L), EINVAL);
}

static void
test_getrandom(void)
{
	unsigned char a[64], b[64], *big;
	size_t i, nz;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	CU_ASSERT_EQUAL(hyp_getrandom(a, sizeof(a)), 0);
	CU_ASSERT_EQUAL(hyp_getrandom(b, sizeof(b)), 0);
	CU_ASSERT(memcmp(a, b, sizeof(a)) != 0);
	CU_ASSERT_EQUAL(hyp_getrandom(a, 0), 0);

	big = calloc(1, MIB);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	CU_ASSERT_EQUAL(hyp_getrandom(big, MIB), 0);
	for (i = nz = 0; i < MIB; i++)
		nz += big[i] != 0;
	CU_ASSERT(nz > MIB - MIB / 64);	/* ~1/256 zero bytes expected */
	free(big);
}

static void
test_getparam(void)
{
	char buf[64], tiny[2];
	long n;

	n = sysconf(_SC_NPROCESSORS_ONLN);
	CU_ASSERT_EQUAL(hyp_getparam("NCPU", buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(strtol(buf, NULL, 10), n < 1 ? 1 : n);

	setenv("RUMP_TEST_PARAM", "hello world", 1);
	CU_ASSERT_EQUAL(hyp_getparam("RUMP_TEST_PARAM", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "hello world");
	CU_ASSERT_EQUAL(hyp_getparam("RUMP_TEST_PARAM", buf, 11),
	    ENAMETOOLONG);
	CU_ASSERT_EQUAL(hyp_getparam("RUMP_TEST_PARAM", buf, 12), 0);
	CU_ASSERT_EQUAL(hyp_getparam("NCPU", tiny, 1), ENAMETOOLONG);
	unsetenv("RUMP_TEST_PARAM");
	CU_ASSERT_EQUAL(hyp_getparam("RUMP_TEST_PARAM", buf, sizeof(buf)),
	    ENOENT);
	CU_ASSERT_EQUAL(hyp_getparam("", buf, sizeof(buf)), EINVAL);
}

static int
fmt_helper(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hyp_vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

static void
test_log(void)
{
	char path[64], out[512], buf[8];
	int fd, saved, old;
	ssize_t n;

	CU_ASSERT_EQUAL(fmt_helper(buf, sizeof(buf), "%d-%s", 12345, "abc"),
	    9);
	CU_ASSERT_STRING_EQUAL(buf, "12345-a");

	old = hyp_loglevel();
	CU_ASSERT(old >= HYP_LOG_ERR && old <= HYP_LOG_TRACE);
	(void)snprintf(path, sizeof(path), "/tmp/test_hyp_log.XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(saved >= 0);
	dup2(fd, STDERR_FILENO);

	hyp_setloglevel(HYP_LOG_WARN);
	hyp_log(HYP_LOG_WARN, "shown %d", 42);
	hyp_log(HYP_LOG_ERR, "error line\n");
	hyp_log(HYP_LOG_INFO, "hidden");
	hyp_setloglevel(HYP_LOG_TRACE);
	CU_ASSERT_EQUAL(hyp_loglevel(), HYP_LOG_TRACE);
	hyp_log(HYP_LOG_TRACE, "trace %s", "now");
	hyp_setloglevel(99);
	CU_ASSERT_EQUAL(hyp_loglevel(), HYP_LOG_TRACE);

	dup2(saved, STDERR_FILENO);
	close(saved);
	hyp_setloglevel(old);

	n = pread(fd, out, sizeof(out) - 1, 0);
	CU_ASSERT_FATAL(n >= 0);
	out[n] = '\0';
	close(fd);
	CU_ASSERT_STRING_EQUAL(out,
	    "[warn] shown 42\n[error] error line\n[trace] trace now\n");
}

/* ---- memory block device ---- */

static void
test_mem_bdev_rw(void)
{
	unsigned char init[1000], buf[4096], *mem;
	struct hyp_bdev *bd;
	uint64_t size;
	uint32_t secsize;
	size_t i;

	fill_pattern(init, sizeof(init), 3);
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open_mem(init, sizeof(init), 65536,
	    HYP_BDEV_RDWR, &bd), 0);
	hyp_bdev_getsize(bd, &size, &secsize);
	CU_ASSERT_EQUAL(size, 65536);
	CU_ASSERT_EQUAL(secsize, 512);
	CU_ASSERT_FALSE(hyp_bdev_rdonly(bd));
	CU_ASSERT_EQUAL(hyp_bdev_hostfd(bd), -1);
	mem = hyp_bdev_membuf(bd);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem);

	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 2048, 0), 0);
	CU_ASSERT(memcmp(buf, init, sizeof(init)) == 0);
	for (i = sizeof(init); i < 2048; i++)
		CU_ASSERT_EQUAL_FATAL(buf[i], 0);

	fill_pattern(buf, sizeof(buf), 9);
	CU_ASSERT_EQUAL(hyp_bdev_write(bd, buf, 333, 60001), 0);
	CU_ASSERT(memcmp(mem + 60001, buf, 333) == 0);
	memset(buf, 0, sizeof(buf));
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 333, 60001), 0);
	CU_ASSERT(memcmp(mem + 60001, buf, 333) == 0);
	CU_ASSERT_EQUAL(hyp_bdev_flush(bd), 0);
	hyp_bdev_close(bd);

	/* No initial contents; INITLEN > SIZE refused. */
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open_mem(NULL, 0, 4096, HYP_BDEV_RDWR,
	    &bd), 0);
	mem = hyp_bdev_membuf(bd);
	for (i = 0; i < 4096; i++)
		CU_ASSERT_EQUAL_FATAL(mem[i], 0);
	hyp_bdev_close(bd);
	CU_ASSERT_EQUAL(hyp_bdev_open_mem(init, sizeof(init), 100,
	    HYP_BDEV_RDWR, &bd), EINVAL);
	CU_ASSERT_EQUAL(hyp_bdev_open_mem(NULL, 0, 100, 0x80, &bd), EINVAL);
}

static void
test_mem_bdev_bounds(void)
{
	unsigned char buf[1024];
	struct hyp_bdev *bd;
	struct hyp_iovec iov[2];

	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open_mem(NULL, 0, 8192, HYP_BDEV_RDWR,
	    &bd), 0);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 512, 8192 - 512), 0);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 512, 8192 - 511), EIO);
	CU_ASSERT_EQUAL(hyp_bdev_write(bd, buf, 1, 8192), EIO);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 0, 8192), 0);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 1, UINT64_MAX), EIO);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 16, UINT64_MAX - 8), EIO);
	iov[0].iov_base = buf;
	iov[0].iov_len = 600;
	iov[1].iov_base = buf + 600;
	iov[1].iov_len = SIZE_MAX - 100;	/* sum overflows */
	CU_ASSERT_EQUAL(hyp_bdev_readv(bd, iov, 2, 0), EIO);
	iov[1].iov_len = 424;
	CU_ASSERT_EQUAL(hyp_bdev_readv(bd, iov, 2, 8192 - 1024), 0);
	CU_ASSERT_EQUAL(hyp_bdev_readv(bd, iov, 2, 8192 - 1023), EIO);
	CU_ASSERT_EQUAL(hyp_bdev_readv(bd, iov, -1, 0), EINVAL);
	hyp_bdev_close(bd);
}

static void
test_mem_bdev_rdonly(void)
{
	unsigned char init[16] = "read only data", buf[16];
	struct hyp_bdev *bd;
	struct hyp_iovec iov = { buf, sizeof(buf) };
	struct waiter w;

	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open_mem(init, sizeof(init), 4096,
	    HYP_BDEV_RDONLY, &bd), 0);
	CU_ASSERT_TRUE(hyp_bdev_rdonly(bd));
	memset(buf, 'x', sizeof(buf));
	CU_ASSERT_EQUAL(hyp_bdev_write(bd, buf, sizeof(buf), 0), EROFS);
	CU_ASSERT_EQUAL(hyp_bdev_writev(bd, &iov, 1, 0), EROFS);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, sizeof(buf), 0), 0);
	CU_ASSERT(memcmp(buf, init, sizeof(init)) == 0);
	/* Asynchronous: the error arrives through the callback. */
	waiter_init(&w);
	CU_ASSERT_EQUAL(hyp_bdev_strategy(bd, HYP_BIO_WRITE, &iov, 1, 0,
	    waiter_done, &w), 0);
	waiter_wait(&w, 1);
	CU_ASSERT_EQUAL(w.lasterr, EROFS);
	hyp_bdev_close(bd);
	waiter_fini(&w);
}

/* ---- file block device ---- */

static void
test_file_bdev_open(void)
{
	char path[64];
	struct hyp_bdev *bd;
	uint64_t size;
	uint32_t secsize;
	int fd;

	fd = tmpimg(path, sizeof(path), MIB + 100);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open(path, HYP_BDEV_RDWR, &bd), 0);
	hyp_bdev_getsize(bd, &size, &secsize);
	CU_ASSERT_EQUAL(size, MIB + 100);
	CU_ASSERT_EQUAL(secsize, 512);
	CU_ASSERT_FALSE(hyp_bdev_rdonly(bd));
	CU_ASSERT(hyp_bdev_hostfd(bd) >= 0);
	CU_ASSERT(fcntl(hyp_bdev_hostfd(bd), F_GETFD) & FD_CLOEXEC);
	CU_ASSERT_PTR_NULL(hyp_bdev_membuf(bd));
	hyp_bdev_close(bd);

	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open(path, HYP_BDEV_RDONLY, &bd), 0);
	CU_ASSERT_TRUE(hyp_bdev_rdonly(bd));
	CU_ASSERT_EQUAL(fcntl(hyp_bdev_hostfd(bd), F_GETFL) & O_ACCMODE,
	    O_RDONLY);
	hyp_bdev_close(bd);

	CU_ASSERT_EQUAL(hyp_bdev_open("/nonexistent/x", HYP_BDEV_RDONLY, &bd),
	    ENOENT);
	CU_ASSERT_PTR_NULL(bd);
	CU_ASSERT_EQUAL(hyp_bdev_open("/tmp", HYP_BDEV_RDONLY, &bd), EISDIR);
	CU_ASSERT_EQUAL(hyp_bdev_open("/dev/null", HYP_BDEV_RDONLY, &bd),
	    ENODEV);
	CU_ASSERT_EQUAL(hyp_bdev_open(path, 0x40, &bd), EINVAL);
	close(fd);
	unlink(path);
}

static void
test_file_bdev_rw(void)
{
	unsigned char *wbuf, *rbuf, *ref;
	char path[64];
	struct hyp_bdev *bd;
	static const struct { uint64_t off; size_t len; } xf[] = {
		{ 1, 1 }, { 511, 2 }, { 4097, 12345 }, { 100001, 65537 },
		{ 0, 512 }, { MIB - 7, 107 },
	};
	size_t i;
	int fd;

	fd = tmpimg(path, sizeof(path), MIB + 100);
	CU_ASSERT_FATAL(fd >= 0);
	wbuf = malloc(70000);
	rbuf = malloc(70000);
	ref = malloc(70000);
	CU_ASSERT_FATAL(wbuf != NULL && rbuf != NULL && ref != NULL);
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open(path, HYP_BDEV_RDWR, &bd), 0);

	/* Reads see what the file holds. */
	for (i = 0; i < sizeof(xf) / sizeof(xf[0]); i++) {
		CU_ASSERT_EQUAL(hyp_bdev_read(bd, rbuf, xf[i].len, xf[i].off),
		    0);
		CU_ASSERT_EQUAL(pread(fd, ref, xf[i].len, (off_t)xf[i].off),
		    (ssize_t)xf[i].len);
		CU_ASSERT(memcmp(rbuf, ref, xf[i].len) == 0);
	}
	/* Writes land in the file at odd offsets. */
	for (i = 0; i < sizeof(xf) / sizeof(xf[0]); i++) {
		fill_pattern(wbuf, xf[i].len, 100 + (unsigned)i);
		CU_ASSERT_EQUAL(hyp_bdev_write(bd, wbuf, xf[i].len, xf[i].off),
		    0);
		CU_ASSERT_EQUAL(pread(fd, ref, xf[i].len, (off_t)xf[i].off),
		    (ssize_t)xf[i].len);
		CU_ASSERT(memcmp(wbuf, ref, xf[i].len) == 0);
		CU_ASSERT_EQUAL(hyp_bdev_read(bd, rbuf, xf[i].len, xf[i].off),
		    0);
		CU_ASSERT(memcmp(wbuf, rbuf, xf[i].len) == 0);
	}
	CU_ASSERT_EQUAL(hyp_bdev_flush(bd), 0);
	hyp_bdev_close(bd);
	free(wbuf);
	free(rbuf);
	free(ref);
	close(fd);
	unlink(path);
}

static void
test_file_bdev_vec(void)
{
	enum { NV = 200 };
	struct hyp_iovec wv[NV], rv[7];
	unsigned char *wbuf, *rbuf, *ref;
	char path[64];
	struct hyp_bdev *bd;
	size_t total, pos, lens[7] = { 0, 3, 1000, 0, 4096, 17, 0 };
	int fd, i;

	fd = tmpimg(path, sizeof(path), 2 * MIB);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open(path, HYP_BDEV_RDWR, &bd), 0);

	/* 200 segments of odd sizes, some empty: more than one syscall. */
	for (i = 0, total = 0; i < NV; i++)
		total += (size_t)((i * 37) % 101);
	wbuf = malloc(total);
	rbuf = malloc(total);
	ref = malloc(total);
	CU_ASSERT_FATAL(wbuf != NULL && rbuf != NULL && ref != NULL);
	fill_pattern(wbuf, total, 77);
	for (i = 0, pos = 0; i < NV; i++) {
		wv[i].iov_base = wbuf + pos;
		wv[i].iov_len = (size_t)((i * 37) % 101);
		pos += wv[i].iov_len;
	}
	CU_ASSERT_EQUAL(hyp_bdev_writev(bd, wv, NV, 12345), 0);
	CU_ASSERT_EQUAL(pread(fd, ref, total, 12345), (ssize_t)total);
	CU_ASSERT(memcmp(ref, wbuf, total) == 0);
	/* Read it back through one flat buffer and through a vector. */
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, rbuf, total, 12345), 0);
	CU_ASSERT(memcmp(rbuf, wbuf, total) == 0);
	memset(rbuf, 0, total);
	for (i = 0, pos = 0; i < NV; i++) {
		wv[i].iov_base = rbuf + pos;
		pos += wv[i].iov_len;
	}
	CU_ASSERT_EQUAL(hyp_bdev_readv(bd, wv, NV, 12345), 0);
	CU_ASSERT(memcmp(rbuf, wbuf, total) == 0);

	/* Small vector with empty entries at an odd offset. */
	for (i = 0, pos = 0; i < 7; i++) {
		rv[i].iov_base = rbuf + pos;
		rv[i].iov_len = lens[i];
		pos += lens[i];
	}
	CU_ASSERT_EQUAL(hyp_bdev_readv(bd, rv, 7, 2 * MIB - pos), 0);
	CU_ASSERT_EQUAL(pread(fd, ref, pos, (off_t)(2 * MIB - pos)),
	    (ssize_t)pos);
	CU_ASSERT(memcmp(rbuf, ref, pos) == 0);
	CU_ASSERT_EQUAL(hyp_bdev_readv(bd, rv, 7, 2 * MIB - pos + 1), EIO);
	CU_ASSERT_EQUAL(hyp_bdev_readv(bd, rv, 0, 0), 0);

	hyp_bdev_close(bd);
	free(wbuf);
	free(rbuf);
	free(ref);
	close(fd);
	unlink(path);
}

static void
test_file_bdev_pastend(void)
{
	unsigned char buf[1024];
	char path[64];
	struct hyp_bdev *bd;
	struct stat st;
	int fd;

	fd = tmpimg(path, sizeof(path), 10000);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open(path, HYP_BDEV_RDWR, &bd), 0);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 100, 9900), 0);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 101, 9900), EIO);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 1, 10000), EIO);
	CU_ASSERT_EQUAL(hyp_bdev_write(bd, buf, 512, 9728), EIO);
	CU_ASSERT_EQUAL(fstat(fd, &st), 0);
	CU_ASSERT_EQUAL(st.st_size, 10000);	/* never grown */

	/* The file shrinks behind our back: end of file is EIO. */
	CU_ASSERT_EQUAL(ftruncate(fd, 5000), 0);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 1000, 4500), EIO);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 1000, 4000), 0);
	hyp_bdev_close(bd);
	close(fd);
	unlink(path);
}

static void
test_file_bdev_rdonly(void)
{
	unsigned char buf[512];
	char path[64];
	struct hyp_bdev *bd;
	int fd;

	fd = tmpimg(path, sizeof(path), 8192);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open(path, HYP_BDEV_RDONLY, &bd), 0);
	memset(buf, 0xee, sizeof(buf));
	CU_ASSERT_EQUAL(hyp_bdev_write(bd, buf, sizeof(buf), 0), EROFS);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, sizeof(buf), 0), 0);
	CU_ASSERT_NOT_EQUAL(buf[0], 0xee);
	CU_ASSERT_EQUAL(hyp_bdev_flush(bd), 0);
	hyp_bdev_close(bd);
	close(fd);
	unlink(path);
}

static void
test_file_bdev_excl(void)
{
	char path[64];
	struct hyp_bdev *a, *b, *c;
	int fd;

	fd = tmpimg(path, sizeof(path), 8192);
	CU_ASSERT_FATAL(fd >= 0);
	/* RDWR|EXCL is exclusive against every EXCL open. */
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open(path,
	    HYP_BDEV_RDWR | HYP_BDEV_EXCL, &a), 0);
	CU_ASSERT_EQUAL(hyp_bdev_open(path, HYP_BDEV_RDWR | HYP_BDEV_EXCL,
	    &b), EBUSY);
	CU_ASSERT_PTR_NULL(b);
	CU_ASSERT_EQUAL(hyp_bdev_open(path, HYP_BDEV_RDONLY | HYP_BDEV_EXCL,
	    &b), EBUSY);
	/* Without EXCL nobody asks. */
	CU_ASSERT_EQUAL(hyp_bdev_open(path, HYP_BDEV_RDONLY, &b), 0);
	hyp_bdev_close(b);
	hyp_bdev_close(a);
	/* Shared: readers together, a writer refused. */
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open(path,
	    HYP_BDEV_RDONLY | HYP_BDEV_EXCL, &a), 0);
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open(path,
	    HYP_BDEV_RDONLY | HYP_BDEV_EXCL, &b), 0);
	CU_ASSERT_EQUAL(hyp_bdev_open(path, HYP_BDEV_RDWR | HYP_BDEV_EXCL,
	    &c), EBUSY);
	hyp_bdev_close(a);
	hyp_bdev_close(b);
	/* Released at close. */
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open(path,
	    HYP_BDEV_RDWR | HYP_BDEV_EXCL, &c), 0);
	hyp_bdev_close(c);
	close(fd);
	unlink(path);
}

/* ---- asynchronous I/O ---- */

enum { ASYNC_THREADS = 4, ASYNC_PER = 250, ASYNC_BLK = 1000 };

struct async_arg {
	struct hyp_bdev		*bd;
	struct waiter		*w;
	int			 idx;
	int			 op;
	unsigned char		*buf;	/* ASYNC_PER * ASYNC_BLK */
	struct hyp_iovec	 iov[ASYNC_PER][2];
	int			 nfail;
};

static void
async_submit_fn(void *v)
{
	struct async_arg *a = v;
	uint64_t off;
	int i;

	for (i = 0; i < ASYNC_PER; i++) {
		unsigned char *p = a->buf + (size_t)i * ASYNC_BLK;

		/* Two segments per request, split at an odd place. */
		a->iov[i][0].iov_base = p;
		a->iov[i][0].iov_len = 333;
		a->iov[i][1].iov_base = p + 333;
		a->iov[i][1].iov_len = ASYNC_BLK - 333;
		off = ((uint64_t)i * ASYNC_THREADS + (uint64_t)a->idx) *
		    ASYNC_BLK + 7;
		if (hyp_bdev_strategy(a->bd, a->op, a->iov[i], 2, off,
		    waiter_done, a->w) != 0)
			a->nfail++;
	}
}

static void
run_async(struct hyp_bdev *bd, struct async_arg *args, int op,
    struct waiter *w)
{
	struct hyp_thread *t[ASYNC_THREADS];
	int i;

	waiter_init(w);
	for (i = 0; i < ASYNC_THREADS; i++) {
		args[i].bd = bd;
		args[i].w = w;
		args[i].idx = i;
		args[i].op = op;
		args[i].nfail = 0;
		CU_ASSERT_EQUAL_FATAL(hyp_thread_create(async_submit_fn,
		    &args[i], "submit", &t[i]), 0);
	}
	for (i = 0; i < ASYNC_THREADS; i++) {
		CU_ASSERT_EQUAL(hyp_thread_join(t[i]), 0);
		CU_ASSERT_EQUAL(args[i].nfail, 0);
	}
	waiter_wait(w, ASYNC_THREADS * ASYNC_PER);
}

static void
test_async_many(void)
{
	static struct async_arg args[ASYNC_THREADS];
	struct waiter w;
	struct hyp_bdev *bd;
	unsigned char *ref;
	char path[64];
	uint64_t off;
	int fd, i, j;

	fd = tmpimg(path, sizeof(path),
	    ASYNC_THREADS * ASYNC_PER * ASYNC_BLK + 7);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open(path, HYP_BDEV_RDWR, &bd), 0);
	for (i = 0; i < ASYNC_THREADS; i++) {
		args[i].buf = malloc(ASYNC_PER * ASYNC_BLK);
		CU_ASSERT_PTR_NOT_NULL_FATAL(args[i].buf);
		fill_pattern(args[i].buf, ASYNC_PER * ASYNC_BLK,
		    200 + (unsigned)i);
	}

	/* 1000 writes from 4 threads; every callback exactly once. */
	run_async(bd, args, HYP_BIO_WRITE, &w);
	(void)hyp_clock_sleep(0, 10 * 1000 * 1000);
	pthread_mutex_lock(&w.lock);
	CU_ASSERT_EQUAL(w.ndone, ASYNC_THREADS * ASYNC_PER);
	CU_ASSERT_EQUAL(w.nerr, 0);
	CU_ASSERT_FALSE(w.samethread);
	pthread_mutex_unlock(&w.lock);
	waiter_fini(&w);
	CU_ASSERT_EQUAL(hyp_bdev_flush(bd), 0);

	ref = malloc(ASYNC_BLK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
	for (i = 0; i < ASYNC_THREADS; i++)
		for (j = 0; j < ASYNC_PER; j += 17) {
			off = ((uint64_t)j * ASYNC_THREADS + (uint64_t)i) *
			    ASYNC_BLK + 7;
			CU_ASSERT_EQUAL(pread(fd, ref, ASYNC_BLK, (off_t)off),
			    ASYNC_BLK);
			CU_ASSERT(memcmp(ref, args[i].buf +
			    (size_t)j * ASYNC_BLK, ASYNC_BLK) == 0);
		}

	/* And 1000 reads bring it all back. */
	for (i = 0; i < ASYNC_THREADS; i++) {
		free(args[i].buf);
		args[i].buf = calloc(1, ASYNC_PER * ASYNC_BLK);
		CU_ASSERT_PTR_NOT_NULL_FATAL(args[i].buf);
	}
	run_async(bd, args, HYP_BIO_READ, &w);
	CU_ASSERT_EQUAL(w.nerr, 0);
	waiter_fini(&w);
	free(ref);
	ref = malloc(ASYNC_PER * ASYNC_BLK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
	for (i = 0; i < ASYNC_THREADS; i++) {
		fill_pattern(ref, ASYNC_PER * ASYNC_BLK, 200 + (unsigned)i);
		CU_ASSERT(memcmp(ref, args[i].buf, ASYNC_PER * ASYNC_BLK) == 0);
		free(args[i].buf);
		args[i].buf = NULL;
	}
	free(ref);
	hyp_bdev_close(bd);
	close(fd);
	unlink(path);
}

static void
test_async_close_waits(void)
{
	enum { N = 300 };
	static unsigned char bufs[N][512];
	static struct hyp_iovec iov[N];
	struct hyp_bdev *bd;
	struct waiter w;
	unsigned char init[4096];
	int i;

	fill_pattern(init, sizeof(init), 5);
	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open_mem(init, sizeof(init), 1 * MIB,
	    HYP_BDEV_RDWR, &bd), 0);
	waiter_init(&w);
	for (i = 0; i < N; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		CU_ASSERT_EQUAL(hyp_bdev_strategy(bd, HYP_BIO_READ, &iov[i],
		    1, (uint64_t)(i % 8) * 512, waiter_done, &w), 0);
	}
	/* Past the end and a bad op: EIO via callback, EINVAL at once. */
	CU_ASSERT_EQUAL(hyp_bdev_strategy(bd, HYP_BIO_READ, &iov[0], 1,
	    MIB - 100, waiter_done, &w), 0);
	CU_ASSERT_EQUAL(hyp_bdev_strategy(bd, 5, &iov[0], 1, 0, waiter_done,
	    &w), EINVAL);
	hyp_bdev_close(bd);	/* waits for all N + 1 callbacks */
	pthread_mutex_lock(&w.lock);
	CU_ASSERT_EQUAL(w.ndone, N + 1);
	CU_ASSERT_EQUAL(w.nerr, 1);
	CU_ASSERT_EQUAL(w.lasterr, EIO);
	pthread_mutex_unlock(&w.lock);
	for (i = 0; i < N; i++)
		CU_ASSERT(memcmp(bufs[i], init + (i % 8) * 512, 512) == 0);
	waiter_fini(&w);
}

/* In a forked child: the pool starts afresh and serves requests. */
static int
fork_child_io(void)
{
	unsigned char buf[512];
	struct hyp_iovec iov = { buf, sizeof(buf) };
	struct hyp_bdev *bd;
	struct waiter w;

	if (hyp_bdev_open_mem("abc", 3, 4096, HYP_BDEV_RDWR, &bd) != 0)
		return 1;
	waiter_init(&w);
	if (hyp_bdev_strategy(bd, HYP_BIO_READ, &iov, 1, 0, waiter_done,
	    &w) != 0)
		return 2;
	waiter_wait(&w, 1);
	hyp_bdev_close(bd);
	if (w.nerr != 0 || memcmp(buf, "abc", 3) != 0)
		return 3;
	waiter_fini(&w);
	return 0;
}

static void
test_async_fork(void)
{
	enum { N = 200 };
	static unsigned char bufs[N][512];
	static struct hyp_iovec iov[N];
	struct hyp_bdev *bd;
	struct waiter w;
	pid_t pid;
	int i, status;

	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open_mem(NULL, 0, MIB, HYP_BDEV_RDWR,
	    &bd), 0);
	waiter_init(&w);
	for (i = 0; i < N; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		CU_ASSERT_EQUAL(hyp_bdev_strategy(bd, HYP_BIO_WRITE, &iov[i],
		    1, (uint64_t)i * 512, waiter_done, &w), 0);
	}
	fflush(stdout);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		/* The parent's requests are not ours: close must not hang. */
		hyp_bdev_close(bd);
		_exit(fork_child_io());
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	hyp_bdev_close(bd);
	CU_ASSERT_EQUAL(w.ndone, N);
	waiter_fini(&w);
}

/* ---- fault injection ---- */

static void
test_fault_io_nth(void)
{
	unsigned char buf[512], chk[512];
	struct hyp_bdev *bd;
	uint64_t nio, nmem;
	int i, rc;

	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open_mem(NULL, 0, 65536,
	    HYP_BDEV_RDWR, &bd), 0);
	setenv("RUMP_FAULT_IO", "3", 1);
	hyp_fault_reload();
	hyp_fault_counts(&nio, &nmem);
	CU_ASSERT_EQUAL(nio, 0);
	CU_ASSERT_EQUAL(nmem, 0);

	/* Writes 1, 2, (3 fails and writes nothing), 4, 5. */
	for (i = 1; i <= 5; i++) {
		memset(buf, i, sizeof(buf));
		rc = hyp_bdev_write(bd, buf, sizeof(buf), (uint64_t)i * 512);
		CU_ASSERT_EQUAL(rc, i == 3 ? EIO : 0);
	}
	CU_ASSERT_EQUAL(hyp_bdev_flush(bd), 0);	/* not counted */
	hyp_fault_counts(&nio, NULL);
	CU_ASSERT_EQUAL(nio, 5);
	for (i = 1; i <= 5; i++) {
		memset(chk, i == 3 ? 0 : i, sizeof(chk));
		CU_ASSERT(memcmp((unsigned char *)hyp_bdev_membuf(bd) +
		    i * 512, chk, 512) == 0);
	}

	/* A failed read leaves the buffer untouched. */
	hyp_fault_reload();
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 512, 512), 0);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 512, 512), 0);
	memset(buf, 0x5a, sizeof(buf));
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 512, 512), EIO);
	memset(chk, 0x5a, sizeof(chk));
	CU_ASSERT(memcmp(buf, chk, sizeof(buf)) == 0);
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 512, 512), 0);
	/* Invalid requests are not transfers: not counted. */
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 512, 65536), EIO);
	hyp_fault_counts(&nio, NULL);
	CU_ASSERT_EQUAL(nio, 4);

	fault_clear();
	hyp_bdev_close(bd);
}

static void
test_fault_io_repeat(void)
{
	unsigned char buf[512];
	struct hyp_iovec iov = { buf, sizeof(buf) };
	struct hyp_bdev *bd;
	uint64_t nio;
	int i;

	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open_mem(NULL, 0, 65536,
	    HYP_BDEV_RDWR, &bd), 0);
	setenv("RUMP_FAULT_IO", "3", 1);
	setenv("RUMP_FAULT_IO_REPEAT", "1", 1);
	hyp_fault_reload();
	for (i = 1; i <= 10; i++) {
		if (i % 2) {
			CU_ASSERT_EQUAL(hyp_bdev_readv(bd, &iov, 1, 0),
			    i >= 3 ? EIO : 0);
		} else {
			CU_ASSERT_EQUAL(hyp_bdev_writev(bd, &iov, 1, 0),
			    i >= 3 ? EIO : 0);
		}
	}
	hyp_fault_counts(&nio, NULL);
	CU_ASSERT_EQUAL(nio, 10);
	fault_clear();
	CU_ASSERT_EQUAL(hyp_bdev_read(bd, buf, 512, 0), 0);
	hyp_bdev_close(bd);
}

static void
test_fault_async(void)
{
	static unsigned char buf[4][512];
	static struct hyp_iovec iov[4];
	struct hyp_bdev *bd;
	struct waiter w[4];
	uint64_t nio;
	int i;

	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open_mem(NULL, 0, 65536,
	    HYP_BDEV_RDWR, &bd), 0);
	setenv("RUMP_FAULT_IO", "2", 1);
	hyp_fault_reload();
	for (i = 0; i < 4; i++) {
		waiter_init(&w[i]);
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		CU_ASSERT_EQUAL(hyp_bdev_strategy(bd, HYP_BIO_READ, &iov[i],
		    1, 0, waiter_done, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		waiter_wait(&w[i], 1);
		CU_ASSERT_EQUAL(w[i].lasterr, i == 1 ? EIO : 0);
		waiter_fini(&w[i]);
	}
	hyp_fault_counts(&nio, NULL);
	CU_ASSERT_EQUAL(nio, 4);
	fault_clear();
	hyp_bdev_close(bd);
}

static void
test_fault_mem_nth(void)
{
	uint64_t nmem;
	void *p[6];
	int i;

	setenv("RUMP_FAULT_MEM", "2", 1);
	hyp_fault_reload();
	for (i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL(hyp_malloc(64, i % 2 ? 64 : 0, &p[i]),
		    i == 1 ? ENOMEM : 0);
		CU_ASSERT((p[i] == NULL) == (i == 1));
	}
	hyp_fault_counts(NULL, &nmem);
	CU_ASSERT_EQUAL(nmem, 6);
	for (i = 0; i < 6; i++)
		hyp_free(p[i], 64);
	fault_clear();
	CU_ASSERT_EQUAL(hyp_malloc(64, 0, &p[0]), 0);
	hyp_free(p[0], 64);
}

enum { RANDOM_N = 400 };

/* Record which of RANDOM_N I/Os and allocations fail. */
static void
random_pattern(struct hyp_bdev *bd, bool *io, bool *mem)
{
	unsigned char buf[64];
	uint64_t nio, nmem;
	void *p;
	int i;

	hyp_fault_reload();
	for (i = 0; i < RANDOM_N; i++) {
		io[i] = hyp_bdev_read(bd, buf, sizeof(buf), 0) != 0;
		mem[i] = hyp_malloc(16, 0, &p) != 0;
		hyp_free(p, 16);
	}
	hyp_fault_counts(&nio, &nmem);
	CU_ASSERT_EQUAL(nio, RANDOM_N);
	CU_ASSERT_EQUAL(nmem, RANDOM_N);
}

static int
count_true(const bool *v, int n)
{
	int i, c;

	for (i = c = 0; i < n; i++)
		c += v[i];
	return c;
}

static void
test_fault_random_seed(void)
{
	static bool io1[RANDOM_N], io2[RANDOM_N], io3[RANDOM_N];
	static bool mem1[RANDOM_N], mem2[RANDOM_N], mem3[RANDOM_N];
	struct hyp_bdev *bd;
	int c;

	CU_ASSERT_EQUAL_FATAL(hyp_bdev_open_mem(NULL, 0, 4096,
	    HYP_BDEV_RDONLY, &bd), 0);
	setenv("RUMP_FAULT_IO_RANDOM", "4", 1);
	setenv("RUMP_FAULT_MEM_RANDOM", "8", 1);
	setenv("RUMP_FAULT_SEED", "12345", 1);
	random_pattern(bd, io1, mem1);
	random_pattern(bd, io2, mem2);
	CU_ASSERT(memcmp(io1, io2, sizeof(io1)) == 0);
	CU_ASSERT(memcmp(mem1, mem2, sizeof(mem1)) == 0);
	c = count_true(io1, RANDOM_N);
	CU_ASSERT(c > RANDOM_N / 4 / 2 && c < RANDOM_N / 4 * 2);
	c = count_true(mem1, RANDOM_N);
	CU_ASSERT(c > RANDOM_N / 8 / 2 && c < RANDOM_N / 8 * 2);
	/* I/O and memory draw independent streams. */
	CU_ASSERT(memcmp(io1, mem1, sizeof(io1)) != 0);

	/* Another seed, another pattern. */
	setenv("RUMP_FAULT_SEED", "54321", 1);
	random_pattern(bd, io3, mem3);
	CU_ASSERT(memcmp(io1, io3, sizeof(io1)) != 0);
	CU_ASSERT(memcmp(mem1, mem3, sizeof(mem1)) != 0);

	/* Default seed is 1 and reproducible too. */
	unsetenv("RUMP_FAULT_SEED");
	random_pattern(bd, io1, mem1);
	setenv("RUMP_FAULT_SEED", "1", 1);
	random_pattern(bd, io2, mem2);
	CU_ASSERT(memcmp(io1, io2, sizeof(io1)) == 0);
	CU_ASSERT(memcmp(mem1, mem2, sizeof(mem1)) == 0);

	/* K = 1 fails everything; a bad value is ignored. */
	setenv("RUMP_FAULT_IO_RANDOM", "1", 1);
	random_pattern(bd, io1, mem1);
	CU_ASSERT_EQUAL(count_true(io1, RANDOM_N), RANDOM_N);
	setenv("RUMP_FAULT_IO_RANDOM", "junk", 1);
	random_pattern(bd, io1, mem1);
	CU_ASSERT_EQUAL(count_true(io1, RANDOM_N), 0);

	fault_clear();
	hyp_bdev_close(bd);
}

static void
test_fault_counts_threads(void)
{
	struct hyp_thread *t[4];
	struct lockarg a = { 0 };
	uint64_t nmem;
	int i;

	/* Counting is atomic: 4 threads x 20000 mutex ops, no allocation. */
	CU_ASSERT_EQUAL_FATAL(hyp_mutex_init(&a.m), 0);
	hyp_fault_reload();
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL_FATAL(hyp_thread_create(count_fn, &a, "cnt",
		    &t[i]), 0);
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(hyp_thread_join(t[i]), 0);
	hyp_fault_counts(NULL, &nmem);
	CU_ASSERT_EQUAL(nmem, 0);	/* locks do not use hyp_malloc */
	hyp_mutex_destroy(a.m);
}

/* ---- registration ---- */

struct tcase {
	const char	*name;
	void		(*fn)(void);
};

static const struct tcase mem_cases[] = {
	{ "malloc basic", test_malloc_basic },
	{ "malloc aligned", test_malloc_align },
};
static const struct tcase sync_cases[] = {
	{ "mutex tryenter across threads", test_mutex_basic },
	{ "mutex contention", test_mutex_contention },
	{ "rwlock readers share, writer excludes", test_rwlock },
	{ "cv timedwait times out", test_cv_timeout },
	{ "cv signal and broadcast across threads", test_cv_signal_broadcast },
};
static const struct tcase thread_cases[] = {
	{ "create, name and join", test_thread_create_join },
	{ "curlwp set/get and destructor", test_curlwp },
};
static const struct tcase misc_cases[] = {
	{ "clocks and sleep", test_clocks },
	{ "getrandom", test_getrandom },
	{ "getparam NCPU and environment", test_getparam },
	{ "log levels and format", test_log },
};
static const struct tcase memdev_cases[] = {
	{ "read/write/membuf", test_mem_bdev_rw },
	{ "bounds", test_mem_bdev_bounds },
	{ "read-only", test_mem_bdev_rdonly },
};
static const struct tcase filedev_cases[] = {
	{ "open, sizes, errors", test_file_bdev_open },
	{ "read/write at odd offsets", test_file_bdev_rw },
	{ "readv/writev", test_file_bdev_vec },
	{ "past the end is EIO", test_file_bdev_pastend },
	{ "read-only write is EROFS", test_file_bdev_rdonly },
	{ "EXCL locking", test_file_bdev_excl },
};
static const struct tcase async_cases[] = {
	{ "many concurrent requests", test_async_many },
	{ "close waits for callbacks", test_async_close_waits },
	{ "fork: the child's pool starts afresh", test_async_fork },
};
static const struct tcase fault_cases[] = {
	{ "RUMP_FAULT_IO=3", test_fault_io_nth },
	{ "RUMP_FAULT_IO_REPEAT", test_fault_io_repeat },
	{ "RUMP_FAULT_IO with strategy", test_fault_async },
	{ "RUMP_FAULT_MEM=2", test_fault_mem_nth },
	{ "random faults reproduce by seed", test_fault_random_seed },
	{ "counters", test_fault_counts_threads },
};

static int
add_suite(const char *name, const struct tcase *tc, size_t n)
{
	CU_pSuite s;
	size_t i;

	if ((s = CU_add_suite(name, NULL, NULL)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (CU_add_test(s, tc[i].name, tc[i].fn) == NULL)
			return -1;
	return 0;
}

#define ADD(name, cases) \
	add_suite(name, cases, sizeof(cases) / sizeof(cases[0]))

int
main(void)
{

	if (CU_initialize_registry() != CUE_SUCCESS)
		return EXIT_FAILURE;
	if (ADD("hyp_mem", mem_cases) != 0 ||
	    ADD("hyp_sync", sync_cases) != 0 ||
	    ADD("hyp_thread", thread_cases) != 0 ||
	    ADD("hyp_misc", misc_cases) != 0 ||
	    ADD("hyp_bdev_mem", memdev_cases) != 0 ||
	    ADD("hyp_bdev_file", filedev_cases) != 0 ||
	    ADD("hyp_bio_async", async_cases) != 0 ||
	    ADD("hyp_fault", fault_cases) != 0) {
		CU_cleanup_registry();
		return EXIT_FAILURE;
	}
	fault_clear();
	(void)hyp_init();
	(void)hyp_init();
	return cunit_tap_run();
}
