/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rumpuser.h -- the hypercall interface: the only way the rump kernel
 * (vfs/) reaches the host.  Everything here is implemented in hypercalls/
 * with POSIX, pthreads and Linux system calls.
 *
 * Conventions:
 *  - Every function that can fail returns 0 or a positive errno value
 *    (Linux numbering); results go through out-parameters.
 *  - This header includes nothing.  The includer must have included
 *    <stddef.h>, <stdint.h>, <stdbool.h> and <stdarg.h> first, and must
 *    define RUMPUSER_KERNEL to say it is kernel (or hypercall) code.
 *  - A hypercall that may block (I/O, sleeping on a lock or condvar, sleep)
 *    is marked "may block".
 *
 * Fault injection (read from the environment at hyp_init() and again at
 * every hyp_fault_reload()):
 *   RUMP_FAULT_IO=N          fail the Nth block I/O (1-based) with EIO
 *   RUMP_FAULT_IO_RANDOM=K   fail each block I/O with probability 1/K
 *   RUMP_FAULT_MEM=N         fail the Nth hyp_malloc with ENOMEM
 *   RUMP_FAULT_MEM_RANDOM=K  fail each hyp_malloc with probability 1/K
 *   RUMP_FAULT_SEED=S        seed for the random variants (default 1), so
 *                            a failing run is reproducible
 *   RUMP_FAULT_IO_REPEAT=1   with RUMP_FAULT_IO=N: fail the Nth and every
 *                            later I/O, not only the Nth
 * Counting starts at hyp_init()/hyp_fault_reload().
 *
 * Logging: RUMP_LOGLEVEL=0..4 (default HYP_LOG_WARN) selects what
 * hyp_log() prints to stderr.
 */
#ifndef RUMPUSER_H
#define RUMPUSER_H

#ifndef RUMPUSER_KERNEL
#error "rumpuser.h is the kernel's hypercall interface; only vfs/ and hypercalls/ include it"
#endif

/* ---- initialisation ---- */

/* Read parameters and fault-injection settings; idempotent. */
int	hyp_init(void);
/* Re-read the RUMP_FAULT_* variables and restart the fault counters. */
void	hyp_fault_reload(void);
/* Counters since the last reload (for tests). */
void	hyp_fault_counts(uint64_t *nio, uint64_t *nmem);

/* ---- memory ---- */

/* Allocate LEN bytes aligned to ALIGN (0 = natural); ENOMEM on failure. */
int	hyp_malloc(size_t len, size_t align, void **retp);
void	hyp_free(void *p, size_t len);
/*
 * Bound the bytes the kernel holds from hyp_malloc() to BYTES (0 = no
 * bound): beyond it hyp_malloc() fails with ENOMEM.  For a process whose
 * memory limit the kernel shares with other code (a FUSE server), so
 * that the kernel's caches and tmpfs contents leave that code room.
 */
void	hyp_mem_limit(uint64_t bytes);

/* ---- parameters ---- */

/*
 * Copy the value of parameter NAME into BUF (NUL-terminated).
 * Known names: "NCPU" (online CPUs), and anything in the environment
 * ("RUMP_*" variables).  ENOENT if unset, ENAMETOOLONG if BUF is short.
 */
int	hyp_getparam(const char *name, char *buf, size_t buflen);

/* ---- logging and panic ---- */

#define HYP_LOG_ERR	0
#define HYP_LOG_WARN	1
#define HYP_LOG_INFO	2
#define HYP_LOG_DEBUG	3
#define HYP_LOG_TRACE	4
void	hyp_log(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	hyp_vlog(int level, const char *fmt, va_list ap);
int	hyp_loglevel(void);
void	hyp_setloglevel(int level);
/* Format into BUF like vsnprintf; returns the length it wanted. */
int	hyp_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
/* Print the message and abort the process. */
void	hyp_panic(const char *fmt, ...)
	    __attribute__((noreturn, format(printf, 1, 2)));

/* ---- clocks and sleep ---- */

#define HYP_CLOCK_REALTIME	0
#define HYP_CLOCK_MONOTONIC	1
int	hyp_clock_gettime(int clk, int64_t *sec, long *nsec);
/* Sleep for the given relative time.  May block. */
int	hyp_clock_sleep(int64_t sec, long nsec);

/* ---- random ---- */

/* Fill BUF with LEN random bytes (getrandom(2)). */
int	hyp_getrandom(void *buf, size_t len);

/* ---- threads ---- */

struct hyp_thread;
/* Start FN(ARG) in a new host thread named NAME. */
int	hyp_thread_create(void (*fn)(void *), void *arg, const char *name,
	    struct hyp_thread **tp);
/* Wait for the thread to return and free its handle.  May block. */
int	hyp_thread_join(struct hyp_thread *t);
/*
 * A per-thread pointer for the kernel's current-thread record.  DTOR, if
 * not NULL, runs with the pointer when a thread that set it exits.
 */
void	hyp_curlwp_set(void *lwp, void (*dtor)(void *));
void	*hyp_curlwp_get(void);

/* ---- mutex, rwlock, condvar ---- */

struct hyp_mtx;
struct hyp_rw;
struct hyp_cv;

int	hyp_mutex_init(struct hyp_mtx **mp);
void	hyp_mutex_enter(struct hyp_mtx *m);		/* may block */
bool	hyp_mutex_tryenter(struct hyp_mtx *m);
void	hyp_mutex_exit(struct hyp_mtx *m);
void	hyp_mutex_destroy(struct hyp_mtx *m);

#define HYP_RW_READER	0
#define HYP_RW_WRITER	1
int	hyp_rw_init(struct hyp_rw **rwp);
void	hyp_rw_enter(struct hyp_rw *rw, int op);	/* may block */
bool	hyp_rw_tryenter(struct hyp_rw *rw, int op);
void	hyp_rw_exit(struct hyp_rw *rw);
void	hyp_rw_destroy(struct hyp_rw *rw);

int	hyp_cv_init(struct hyp_cv **cvp);
void	hyp_cv_wait(struct hyp_cv *cv, struct hyp_mtx *m);	/* may block */
/* Wait at most the relative time given; ETIMEDOUT when it expired. */
int	hyp_cv_timedwait(struct hyp_cv *cv, struct hyp_mtx *m,
	    int64_t sec, long nsec);
void	hyp_cv_signal(struct hyp_cv *cv);
void	hyp_cv_broadcast(struct hyp_cv *cv);
void	hyp_cv_destroy(struct hyp_cv *cv);

/* ---- block devices ---- */

struct hyp_bdev;

struct hyp_iovec {
	void	*iov_base;
	size_t	 iov_len;
};

#define HYP_BDEV_RDONLY	0x0
#define HYP_BDEV_RDWR	0x1
#define HYP_BDEV_EXCL	0x2	/* refuse if another process holds a lock */

/*
 * Open an image file or a block device.  The size is the file size, or
 * the device size from BLKGETSIZE64; the sector size is 512 for a file,
 * BLKSSZGET for a device.  EROFS when RDWR was asked of a read-only file
 * or device.
 */
int	hyp_bdev_open(const char *path, int flags, struct hyp_bdev **bdp);
/*
 * An in-memory block device of SIZE bytes.  With INIT != NULL its first
 * INITLEN bytes are copied in (the rest is zero).  For tests and fuzzing.
 */
int	hyp_bdev_open_mem(const void *init, size_t initlen, uint64_t size,
	    int flags, struct hyp_bdev **bdp);
/* Flushes nothing; waits for outstanding asynchronous I/O.  May block. */
void	hyp_bdev_close(struct hyp_bdev *bd);
void	hyp_bdev_getsize(struct hyp_bdev *bd, uint64_t *sizep,
	    uint32_t *secsizep);
bool	hyp_bdev_rdonly(struct hyp_bdev *bd);
/* The host file descriptor, or -1 for a memory device (splice path). */
int	hyp_bdev_hostfd(struct hyp_bdev *bd);
/* For a memory device: its contents (tests compare and save them). */
void	*hyp_bdev_membuf(struct hyp_bdev *bd);

/*
 * Synchronous transfers of exactly the requested bytes at byte offset OFF.
 * A range past the end of the device is EIO; a short transfer is retried,
 * and an end-of-file is EIO.  EROFS for a write to a read-only device.
 * May block.
 */
int	hyp_bdev_read(struct hyp_bdev *bd, void *buf, size_t len, uint64_t off);
int	hyp_bdev_write(struct hyp_bdev *bd, const void *buf, size_t len,
	    uint64_t off);
int	hyp_bdev_readv(struct hyp_bdev *bd, const struct hyp_iovec *iov,
	    int iovcnt, uint64_t off);
int	hyp_bdev_writev(struct hyp_bdev *bd, const struct hyp_iovec *iov,
	    int iovcnt, uint64_t off);

/*
 * Asynchronous transfer: queue it and return at once (0, or an error when
 * it could not be queued, in which case DONE is not called).  DONE(ARG,
 * error) is called exactly once from a hypercall I/O thread when the
 * transfer completed.  The iovec array must stay valid until then.
 */
#define HYP_BIO_READ	0
#define HYP_BIO_WRITE	1
typedef void	(*hyp_biodone_t)(void *arg, int error);
int	hyp_bdev_strategy(struct hyp_bdev *bd, int op,
	    const struct hyp_iovec *iov, int iovcnt, uint64_t off,
	    hyp_biodone_t done, void *arg);

/*
 * Barrier: wait for every write issued before (synchronous or completed
 * asynchronous) to be durable (fdatasync).  May block.
 */
int	hyp_bdev_flush(struct hyp_bdev *bd);

/* ---- decompression ---- */

/*
 * Decompress one complete zlib stream (RFC 1950) IN[0, INLEN) into OUT,
 * at most OUTLEN bytes; *OUTDONE gets the bytes produced (also on error).
 * => 0 when the stream ended, its check value matched and its output
 *    fit; EFBIG when the output does not fit in OUTLEN; EINVAL for a
 *    malformed, truncated or mismatching stream, or a length over
 *    UINT_MAX; ENOMEM.  Thread-safe; never blocks.
 */
int	hyp_inflate(const void *in, size_t inlen, void *out, size_t outlen,
	    size_t *outdone);

#endif /* RUMPUSER_H */
