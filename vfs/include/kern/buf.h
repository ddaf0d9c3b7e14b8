/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * buf.h -- the buffer cache.  Implemented in vfs/vfs_bio.c (cache, LRU,
 * dirty lists) and vfs/vfs_bflush.c (sync, flusher thread, clustering).
 *
 * A buffer caches BCOUNT bytes of a block device starting at device block
 * BLKNO (DEV_BSIZE units).  It is identified by (dev, blkno); a driver
 * must always use the same size for a given blkno (a different size is
 * handled by writing the old buffer back and dropping it, never by two
 * overlapping buffers).
 *
 * States (b_flags):
 *   B_BUSY    owned by one thread between bread/getblk and
 *             brelse/bwrite/bdwrite; others wait.
 *   B_DONE    b_data holds valid contents.
 *   B_DELWRI  dirty: must reach the device before it is dropped.
 *   B_PINNED  dirty but must NOT be written yet (journal/ordering); the
 *             flusher and eviction skip it until bunpin().
 *   B_INVAL   discard on release.
 *
 * Life cycle: getblk/bread return a B_BUSY buffer; the caller releases it
 * exactly once with brelse (unchanged), bdwrite (dirty, write later),
 * bawrite (write now, asynchronously) or bwrite (write now, wait).
 *
 * Unbusy, clean buffers sit on an LRU; the cache is bounded by bytes
 * (vfs_config.bufcache_bytes, default 64 MiB), evicting clean LRU buffers
 * first and writing back old dirty ones when it must.  A flusher thread
 * writes delayed-write buffers older than 5 s (or when more than a third
 * of the cache is dirty), clustering adjacent dirty buffers into one
 * scatter/gather write.
 *
 * Ordering: bsync() writes every dirty unpinned buffer of a device (in
 * ascending block order, clustered), waits, then flushes the device.  A
 * driver that must order writes pins the later buffers, or registers a
 * b_prewrite hook, which is called (buffer busy, no cache lock held) just
 * before the buffer goes to the device and may write other buffers first
 * or return an error to postpone it.
 *
 * Read-ahead: breadn() reads the block and starts asynchronous reads of
 * the listed further blocks if they are not cached.
 *
 * Locking: one cache mutex protects the hash, the lists and b_flags;
 * b_data belongs to whoever holds B_BUSY.  No hypercall that may block is
 * made with the cache mutex held.
 */
#ifndef KERN_BUF_H
#define KERN_BUF_H

#include "kern/kern.h"

struct blkdev;

#define B_BUSY		0x0001
#define B_DONE		0x0002
#define B_DELWRI	0x0004
#define B_PINNED	0x0008
#define B_INVAL		0x0010
#define B_ERROR		0x0020
#define B_ASYNC		0x0040	/* write in flight, release when done */
#define B_READAHEAD	0x0080
#define B_WANTED	0x0100	/* internal */
#define B_HOOKED	0x0200	/* internal: counted in bc_nhooked */

struct buf {
	struct blkdev	*b_dev;		/* immutable while cached */
	daddr_t		b_blkno;	/* immutable while cached */
	uint32_t	b_bcount;	/* bytes */
	void		*b_data;	/* owned by the B_BUSY holder */
	uint32_t	b_flags;	/* cache mutex */
	int		b_error;
	/* optional hook before write-back; see above.  Owner sets it. */
	int		(*b_prewrite)(struct buf *bp);
	void		*b_private;	/* for the driver */
	uint64_t	b_dirtytime;	/* monotonic ns when made dirty */
	/* cache-private linkage follows; do not touch */
	struct buf	*b_hnext, **b_hprev;
	struct buf	*b_lnext, **b_lprev;
	struct buf	*b_dnext, **b_dprev;
	unsigned	b_waiters;
};

int	bufcache_init(uint64_t maxbytes);
void	bufcache_shutdown(void);

/*
 * Return the busy buffer for (DEV, BLKNO) of SIZE bytes, reading it from
 * the device if not valid.  On error no buffer is returned (*BPP = NULL).
 */
int	bread(struct blkdev *dev, daddr_t blkno, uint32_t size, struct buf **bpp);
/* bread, plus asynchronous read-ahead of NRA further blocks. */
int	breadn(struct blkdev *dev, daddr_t blkno, uint32_t size,
	    const daddr_t *rablks, const uint32_t *rasizes, int nra,
	    struct buf **bpp);
/*
 * Return the busy buffer for (DEV, BLKNO) without reading: contents are
 * valid if B_DONE is set, else the caller fills b_data entirely (then
 * the buffer becomes valid on release).  Errors (bread returns the same,
 * plus read errors): ENOMEM; EIO for a block outside the device window
 * (logged: a corrupt block number never becomes a cached buffer); EINVAL
 * for size 0 or over 16 MiB; EBUSY for a pinned buffer of another size
 * at that block.
 */
int	getblk(struct blkdev *dev, daddr_t blkno, uint32_t size, struct buf **bpp);
/* Is (DEV, BLKNO) cached?  (No reference taken.) */
bool	incore(struct blkdev *dev, daddr_t blkno);

void	brelse(struct buf *bp);		/* release unchanged (or B_INVAL) */
void	bdwrite(struct buf *bp);	/* mark dirty, release */
/* Start write, release when done; a pinned buffer is just bdwrite'd. */
void	bawrite(struct buf *bp);
/*
 * Write, wait, release.  A pinned buffer is not written: it stays a
 * delayed write and EBUSY is returned.  A b_prewrite error postpones the
 * write (buffer stays dirty) and is returned.
 */
int	bwrite(struct buf *bp);
/* Invalidate: drop contents even if dirty, release. */
void	binval(struct buf *bp);

void	bpin(struct buf *bp);		/* busy buffer: mark B_PINNED|B_DELWRI */
void	bunpin(struct blkdev *dev, daddr_t blkno);	/* unpin if cached */

/*
 * Write every dirty unpinned buffer of DEV (all devices if NULL), wait,
 * then flush the device.  Returns the first error.  The caller must hold
 * no busy buffer of DEV (bsync waits for them), and a b_prewrite hook
 * must not wait for other buffers that have hooks.
 */
int	bsync(struct blkdev *dev);
/*
 * Drop every buffer of DEV: dirty ones are written first unless DISCARD.
 * EBUSY if any is busy.  Used at unmount.
 */
int	binvalall(struct blkdev *dev, bool discard);
/*
 * The length of a prefix of device bytes [OFF, OFF+LEN) that no dirty or
 * pinned buffer overlaps: LEN if none overlaps, else at most the longest
 * such prefix (the search is bounded; what it did not look at counts as
 * dirty).
 */
uint64_t bclean_prefix(struct blkdev *dev, uint64_t off, uint64_t len);

/* Statistics, for tests. */
struct bufstats {
	uint64_t	hits, misses, reads, writes, clustered_writes;
	uint64_t	evictions, readaheads, bytes_cached, bytes_dirty;
	uint64_t	nbufs;
};
void	bufcache_stats(struct bufstats *st);

#endif /* KERN_BUF_H */
