/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_impl.h -- private to hypercalls/: what the hypercall files share
 * beyond the public interface in rumpuser.h.
 *
 *  - the fault-injection decision points (hyp_fault.c),
 *  - the block device structure and its internal transfer entry points
 *    (hyp_bdev.c for files and host devices, hyp_bdev_mem.c for memory,
 *    hyp_bio_async.c for the asynchronous I/O pool).
 *
 * Nothing outside hypercalls/ includes this header.
 */
#ifndef HYP_IMPL_H
#define HYP_IMPL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef RUMPUSER_KERNEL
#define RUMPUSER_KERNEL
#endif
#include "rumpuser.h"

/* ---- fault injection (hyp_fault.c) ---- */

/*
 * Count one block transfer (or one hyp_malloc) and say whether it must
 * fail.  Thread-safe and lock-free; the decision depends only on the
 * settings and the call's ordinal, so a seed reproduces a run.
 */
bool	hyp_fault_io_fail(void);
bool	hyp_fault_mem_fail(void);

/* ---- logging (hyp_log.c) ---- */

/* Read RUMP_LOGLEVEL now unless already done; used by hyp_init(). */
void	hyp_log_init(void);

/* ---- block devices ---- */

enum hyp_bdev_kind {
	HYP_BDEV_KFILE,		/* regular image file */
	HYP_BDEV_KBLK,		/* host block device */
	HYP_BDEV_KMEM,		/* memory (hyp_bdev_open_mem) */
};

/*
 * One open block device.  Everything but the memory contents and the
 * asynchronous request count is fixed at open and read without a lock.
 */
struct hyp_bdev {
	enum hyp_bdev_kind bd_kind;	/* immutable */
	bool		bd_rdonly;	/* immutable */
	int		bd_fd;		/* immutable; -1 for memory */
	uint64_t	bd_size;	/* immutable, bytes */
	uint32_t	bd_secsize;	/* immutable, bytes */
	unsigned char	*bd_mem;	/* memory only; contents under
					   bd_memlock */
	pthread_rwlock_t bd_memlock;	/* memory only */
	unsigned	bd_nasync;	/* queued or running async requests;
					   protected by the pool lock in
					   hyp_bio_async.c */
};

/*
 * Validate a transfer: EINVAL for a bad op or vector, EROFS for a write
 * to a read-only device, EIO for a range outside the device.  Nothing
 * is counted and nothing is transferred.
 */
int	hyp_bdev_check(struct hyp_bdev *bd, int op,
	    const struct hyp_iovec *iov, int iovcnt, uint64_t off);
/*
 * Do a transfer already validated by hyp_bdev_check() and not failed by
 * fault injection.  0 or an errno value.  May block.
 */
int	hyp_bdev_xfer(struct hyp_bdev *bd, int op,
	    const struct hyp_iovec *iov, int iovcnt, uint64_t off);
/* The memory device's transfer (hyp_bdev_mem.c); same contract. */
int	hyp_bdev_mem_xfer(struct hyp_bdev *bd, int op,
	    const struct hyp_iovec *iov, int iovcnt, uint64_t off);
/* Release a memory device's contents and lock (hyp_bdev_mem.c). */
void	hyp_bdev_mem_fini(struct hyp_bdev *bd);

/*
 * The asynchronous pool's book-keeping of open devices
 * (hyp_bio_async.c).  attach after a successful open; detach at close
 * waits for the device's outstanding requests (and their callbacks) and
 * stops the worker threads when the last device goes away.
 */
void	hyp_bio_attach(struct hyp_bdev *bd);
void	hyp_bio_detach(struct hyp_bdev *bd);

#endif /* HYP_IMPL_H */
