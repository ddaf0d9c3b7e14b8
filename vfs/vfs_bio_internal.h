/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_bio_internal.h -- private to the block device layer (vfs_blkdev.c),
 * the buffer cache (vfs_bio.c, vfs_bflush.c) and the buffer cache unit
 * test.  Drivers use kern/blkdev.h and kern/buf.h; nothing here is for
 * them.
 *
 *  - vectored and asynchronous block device transfers, window-checked
 *    like the public blkdev_read/blkdev_write (vfs_blkdev.c);
 *  - the cache's global state, shared by vfs_bio.c and vfs_bflush.c;
 *  - selection and clustered write-back of dirty buffers, and the flusher
 *    thread (vfs_bflush.c);
 *  - test-only tunables.
 */
#ifndef VFS_BIO_INTERNAL_H
#define VFS_BIO_INTERNAL_H

#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "rumpuser.h"

/* ---- block device, vectored (vfs_blkdev.c) ---- */

/*
 * Check that [OFF, OFF+LEN) lies inside BD's window and, for WRITE, that
 * BD is writable.  EIO (with one log line naming the device and range)
 * or EROFS.  A zero-length range at OFF <= bd_size is inside.
 */
int	blkdev_checkrange(struct blkdev *bd, uint64_t off, uint64_t len,
	    bool write);
/* Synchronous scatter/gather transfers at window offset OFF; may block. */
int	blkdev_readv(struct blkdev *bd, const struct hyp_iovec *iov,
	    int iovcnt, uint64_t off);
int	blkdev_writev(struct blkdev *bd, const struct hyp_iovec *iov,
	    int iovcnt, uint64_t off);
/*
 * Queue an asynchronous transfer (HYP_BIO_READ or HYP_BIO_WRITE) at window
 * offset OFF.  0: DONE(ARG, error) will be called exactly once from an
 * I/O thread, possibly before this returns.  Otherwise (range, EROFS, or
 * the queue refused) DONE is never called.
 */
int	blkdev_strategy(struct blkdev *bd, int op, const struct hyp_iovec *iov,
	    int iovcnt, uint64_t off, hyp_biodone_t done, void *arg);

/* Called by blkdev_close(): drop the cache's buffers of BD (vfs_bflush.c). */
void	bio_devclose(struct blkdev *bd);

/* ---- the cache's global state (vfs_bio.c) ---- */

/* Internal b_flags bit: busy for a write that releases it by itself. */
#define B_WRITING	0x00010000

#define BIO_NWAITCV	16		/* condvars waiters sleep on */
#define BIO_MAXCLUSTER	(1024 * 1024)	/* bytes in one clustered write */
#define BIO_MAXIOV	256		/* iovecs in one clustered write */

/*
 * Per-device state: the device's dirty list in the order the buffers
 * became dirty (so b_dirtytime ascends from head to tail).  Created with
 * the device's first buffer, freed by binvalall/bio_devclose/shutdown.
 */
struct bio_dev {
	struct blkdev	*bv_dev;	/* immutable */
	struct bio_dev	*bv_next;	/* bc_lock */
	struct buf	*bv_dirty;	/* bc_lock: oldest first */
	struct buf	**bv_dirtytail;	/* bc_lock */
	uint64_t	bv_nbufs;	/* bc_lock: cached buffers */
	uint64_t	bv_ndirty;	/* bc_lock: B_DELWRI buffers */
	/*
	 * Since bv_ndirty was last 0 (bc_lock): the largest dirty buffer
	 * in sectors, and a power of two in sectors dividing every dirty
	 * buffer's blkno -- where bclean_prefix looks dirty buffers up.
	 */
	uint64_t	bv_dmaxsec;
	uint64_t	bv_dalign;
};

struct bufcache {
	kmutex_t	bc_lock;	/* the cache mutex */
	bool		bc_inited;	/* set/cleared by init/shutdown only */
	bool		bc_stopping;	/* bc_lock: flusher must exit */
	bool		bc_overshoot_logged;	/* bc_lock */
	uint64_t	bc_maxbytes;	/* immutable after init */
	struct buf	**bc_hash;	/* bc_lock: bc_hashmask + 1 chains */
	uint64_t	bc_hashmask;	/* immutable after init */
	struct buf	*bc_lru;	/* bc_lock: clean, unbusy; LRU first */
	struct buf	**bc_lrutail;	/* bc_lock */
	struct bio_dev	*bc_devs;	/* bc_lock */
	unsigned	bc_inflight;	/* bc_lock: async transfers queued */
	uint64_t	bc_nhooked;	/* bc_lock: dirty, unbusy when last
					   released, with a b_prewrite hook */
	kcondvar_t	bc_waitcv[BIO_NWAITCV];	/* busy buffer released */
	kcondvar_t	bc_iocv;	/* bc_inflight dropped to zero */
	kcondvar_t	bc_flushcv;	/* wakes the flusher */
	struct kthread	*bc_flusher;	/* set/cleared by init/shutdown */
	struct bufstats	bc_st;		/* bc_lock (bytes/nbufs live here) */
};

extern struct bufcache bufcache;

/* Look (DEV, BLKNO) up; bc_lock held.  NULL if not cached. */
struct buf *bio_lookup(struct blkdev *dev, daddr_t blkno);
/* The device state of DEV, NULL if it has no buffers; bc_lock held. */
struct bio_dev *bio_devfind(struct blkdev *dev);
/* The condvar that sleepers on busy BP wait on (bio_wait). */
kcondvar_t *bio_waitcv(const struct buf *bp);
/* Byte offset of BP on its device. */
uint64_t bio_off(const struct buf *bp);
/*
 * Finish a write of busy BP with ERROR and release it (clean on success,
 * dirty and B_ERROR on failure); wakes waiters; bc_lock held.
 */
void	bio_writedone(struct buf *bp, int error);
/* Release busy BP (not B_WRITING any more) as brelse would; bc_lock held. */
void	bio_release(struct buf *bp);
/* Sleep until busy BP is released; BP may be gone on return.  bc_lock. */
void	bio_wait(struct buf *bp);
/* Wake BP's sleepers, unhash and free it (nobody will touch it). bc_lock. */
void	bio_destroy(struct buf *bp);
/* Free DEV's record (bc_lock held) if it has no buffers left. */
void	bio_devgc(struct blkdev *dev);

/* ---- write-back (vfs_bflush.c) ---- */

/* Which dirty buffers bio_flushsel() writes. */
struct bio_sel {
	struct blkdev	*sel_dev;	/* NULL: every device */
	uint64_t	sel_maxtime;	/* b_dirtytime <= this */
	uint64_t	sel_maxbytes;	/* stop after so many bytes; 0: all */
	unsigned	sel_maxbufs;	/* stop after so many buffers (> 0) */
	bool		sel_skiperror;	/* skip buffers with B_ERROR */
	bool		sel_nohooks;	/* skip buffers with a b_prewrite */
	/*
	 * Count every eligible busy buffer in *nbusyp, which means walking
	 * all dirty buffers even once the batch is full (bsync needs the
	 * count); otherwise the walk ends with the batch.
	 */
	bool		sel_countbusy;
};

/*
 * Write the dirty, unpinned, unbusy buffers SEL chooses: run their
 * b_prewrite hooks one buffer at a time (ascending block order), then
 * write them all in ascending (device, block) order, adjacent buffers
 * clustered into one writev of at most BIO_MAXCLUSTER bytes.
 * => Called without bc_lock; holds no buffer while waiting for none.
 * => *NDONEP: buffers written or attempted; *NBUSYP: eligible buffers
 *    skipped because busy (all of them only with sel_countbusy).
 *    Returns the first error (a hook's, or I/O).
 */
int	bio_flushsel(const struct bio_sel *sel, unsigned *ndonep,
	    unsigned *nbusyp);
/*
 * Write N busy B_WRITING buffers sorted by (device, block), clustered, and
 * release each (bio_writedone).  Called without bc_lock.  First error.
 */
int	bio_writebatch(struct buf **bufs, unsigned n);
/* Sort N buffer pointers by (device, block). */
void	bio_sortbufs(struct buf **bufs, unsigned n);

/* Start / stop the flusher thread (bufcache_init / bufcache_shutdown). */
int	bflush_start(void);
void	bflush_stop(void);
/* Wake the flusher early (too much dirty); bc_lock held. */
void	bflush_kick(void);

/* ---- test-only tunables ---- */

/* Age after which the flusher writes a dirty buffer (default 5000 ms). */
void	bufcache_set_flush_age_ms(unsigned ms);
/* How often the flusher wakes up (default 1000 ms). */
void	bufcache_set_flush_interval_ms(unsigned ms);

#endif /* VFS_BIO_INTERNAL_H */
