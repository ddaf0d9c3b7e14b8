/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_bio.c -- the buffer cache: the hash of cached device blocks, busy
 * ownership, the LRU of clean buffers, per-device dirty lists, the byte
 * bound, bread/breadn/getblk and read-ahead, the release family (brelse,
 * bdwrite, bawrite, bwrite, binval), pinning, bclean_prefix, statistics,
 * and setting the cache up and down.
 *
 * Write-back (choosing dirty buffers, prewrite hooks, clustered writes,
 * bsync, binvalall) and the flusher thread live in vfs_bflush.c; raw
 * device transfers in vfs_blkdev.c.  Exports kern/buf.h except bsync and
 * binvalall, and the cache internals in vfs_bio_internal.h.
 *
 * DESIGN
 *
 * A buffer caches b_bcount bytes of device DEV at byte offset
 * b_blkno * DEV_BSIZE inside the device window.  It is named by (dev,
 * blkno); at most one buffer per name is cached, and a request for a
 * cached name with another size writes the old buffer back (if dirty),
 * drops it and makes a new one.  Block numbers are checked against the
 * window when a buffer is made, so no cached buffer can address bytes
 * outside it.
 *
 * States.  b_flags, under the cache mutex bc_lock, says which state a
 * buffer is in:
 *
 *                 getblk/bread: a miss makes a new buffer,
 *                 a hit takes it off the LRU (or leaves it dirty)
 *                                  |
 *                                  v
 *   freed <-- brelse(B_INVAL),  +------+  brelse if clean ---> CLEAN (LRU)
 *             binval            | BUSY |  bdwrite, bpin, ----> DIRTY
 *                               |      |  brelse if dirty
 *                               +------+                      (dirty list,
 *                                  |                        maybe PINNED)
 *                                  | bwrite, bawrite               |
 *                                  v                               |
 *                               WRITING <--- flusher, bsync, ------+
 *                                  |         eviction write-back
 *                  ok: CLEAN  <----+----> error: DIRTY with B_ERROR
 *
 *   CLEAN -- evicted --> freed      READAHEAD -- ok --> CLEAN; error: freed
 *   CLEAN, DIRTY -- bread/getblk hit --> BUSY
 *
 *   BUSY       B_BUSY: owned by one thread between getblk/bread and
 *              brelse/bdwrite/bawrite/bwrite/binval, or by an I/O.
 *              Everyone else who wants it sleeps until it is released.
 *   CLEAN      !B_BUSY, !B_DELWRI: on the LRU, may be evicted any time.
 *   DIRTY      B_DELWRI: newer than the device; on its device's dirty list
 *              whether busy or not.  With B_PINNED it must not be written
 *              (nor evicted) until bunpin().  With B_ERROR the last write
 *              failed (b_error); it stays dirty so nothing is lost.
 *   WRITING    B_BUSY | B_WRITING (| B_ASYNC): a write in progress, by
 *              bwrite's caller, an async completion, the flusher, bsync
 *              or eviction; the write's completion releases it.
 *   READAHEAD  B_BUSY | B_READAHEAD: an asynchronous read; its completion
 *              makes it valid and releases it (or frees it on error).
 *
 * Invariants (checked by KASSERTs where cheap):
 *   1. Every cached buffer is on exactly one hash chain, and no two
 *      cached buffers have the same (dev, blkno).
 *   2. A buffer is on the LRU iff it is neither B_BUSY nor B_DELWRI; the
 *      LRU runs from least to most recently released.
 *   3. A buffer is on its device's dirty list iff B_DELWRI; each dirty
 *      list is in the order the buffers became dirty, so b_dirtytime never
 *      decreases from head to tail.  A re-dirtied buffer keeps its place
 *      and its b_dirtytime, so a hot buffer is still written within the
 *      flusher's age.
 *   4. !B_BUSY implies B_DONE: only a busy buffer may hold invalid data.
 *   5. B_PINNED implies B_DELWRI.
 *   6. B_WRITING, B_ASYNC and B_READAHEAD imply B_BUSY, and the I/O that
 *      set them is the only one that clears them and releases the buffer.
 *   7. bytes_cached, bytes_dirty and nbufs in bc_st, and each device's
 *      bv_nbufs / bv_ndirty, count exactly the buffers described above.
 *   8. bc_inflight counts asynchronous transfers whose completion has not
 *      run; shutdown waits for it to reach zero.
 *   9. B_HOOKED implies B_DELWRI; bc_nhooked counts the B_HOOKED buffers:
 *      those whose last release left them dirty with a b_prewrite hook
 *      (the busy owner may set or clear the hook; the release recounts).
 *      Write-back looks for hooked buffers only while there are some.
 *
 * Lock rule.  bc_lock protects the hash, the LRU, the dirty lists, the
 * device records, b_flags, b_dirtytime, b_error and the statistics.
 * b_data (and b_prewrite, b_private) belong to whoever holds B_BUSY.  No
 * hypercall that may block -- device I/O above all -- is made with
 * bc_lock held: a thread marks the buffers it needs busy, drops bc_lock,
 * does the I/O and retakes bc_lock to record the result.  Memory is
 * allocated without bc_lock too, except the small per-device record.
 *
 * Sleeping.  A thread that finds a buffer busy sets B_WANTED and sleeps on
 * one of BIO_NWAITCV condvars chosen by (dev, blkno); whoever releases a
 * B_WANTED buffer broadcasts that condvar.  A sleeper never touches the
 * buffer again after waking: it looks the name up anew, because the
 * buffer may have been freed or replaced meanwhile.
 *
 * Deadlock avoidance.  The cache itself never waits for a busy buffer
 * while it holds others busy: the flusher, bsync and eviction collect
 * only buffers that are not busy ("try, never wait"), and bsync waits for
 * a busy dirty buffer only between batches, holding nothing.  Hence:
 *   - bsync's caller must not hold a busy buffer of the device it syncs
 *     (bsync would wait for it);
 *   - a b_prewrite hook runs with its buffer busy and no cache lock; it
 *     may read and write other buffers, but not ones with a b_prewrite
 *     hook of their own (those may be held busy by the same write-back);
 *   - eviction write-back runs in the thread that asked for a buffer,
 *     which may hold driver locks, so it skips buffers with a hook;
 *   - threads that hold several buffers busy order them themselves (the
 *     driver's locks), as in any buffer cache.
 *
 * Bound.  The cache holds at most bc_maxbytes of buffer data.  Making room
 * evicts clean buffers from the LRU head; if that is not enough, the
 * asking thread writes back the oldest dirty buffers (unpinned, unbusy,
 * without hook or error) and tries again once; if everything is pinned or
 * busy the cache overshoots its bound rather than deadlock (logged once,
 * at debug level).  Read-ahead never writes back: it is skipped instead.
 *
 * Statistics: hits and misses count buffer lookups by bread/breadn/getblk
 * (a buffer read ahead counts as a hit when it is asked for); reads and
 * writes count device transfers (a clustered write is one write and one
 * clustered_write); readaheads counts blocks read ahead; evictions counts
 * clean buffers dropped to honour the bound.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "vfs_bio_internal.h"

#define BIO_DEFAULT_BYTES	(64ULL * 1024 * 1024)
#define BIO_MAXBSIZE		(16U * 1024 * 1024)	/* largest buffer */
#define BIO_EVICT_MINBYTES	(256U * 1024)	/* write-back batch */
#define BIO_EVICT_MAXBUFS	256
#define BIO_CLEANSCAN		256	/* bio_cleanprefix's work */

struct bufcache bufcache;

/* One asynchronous transfer: buffers and their iovecs. */
struct bio_io {
	int		io_op;		/* HYP_BIO_READ or HYP_BIO_WRITE */
	unsigned	io_n;
	struct blkdev	*io_dev;
	uint64_t	io_off;
	size_t		io_allocsz;
	struct hyp_iovec *io_iov;	/* io_n, after the struct */
	struct buf	**io_bufs;	/* io_n, after io_iov */
};

static void	bio_iodone_cb(void *arg, int error);

/* ---- hash, lists, device records (bc_lock held) ---- */

static uint64_t
bio_hashkey(const struct blkdev *dev, daddr_t blkno)
{
	uint64_t h;

	h = (uint64_t)blkno * 0x9e3779b97f4a7c15ULL;
	h ^= (uint64_t)(uintptr_t)dev;
	return h ^ (h >> 29);
}

kcondvar_t *
bio_waitcv(const struct buf *bp)
{
	uint64_t h = bio_hashkey(bp->b_dev, bp->b_blkno);

	return &bufcache.bc_waitcv[(h >> 40) % BIO_NWAITCV];
}

uint64_t
bio_off(const struct buf *bp)
{
	return (uint64_t)bp->b_blkno << DEV_BSHIFT;
}

struct buf *
bio_lookup(struct blkdev *dev, daddr_t blkno)
{
	struct buf *bp;

	KASSERT(mutex_owned(&bufcache.bc_lock));
	bp = bufcache.bc_hash[bio_hashkey(dev, blkno) & bufcache.bc_hashmask];
	for (; bp != NULL; bp = bp->b_hnext)
		if (bp->b_dev == dev && bp->b_blkno == blkno)
			return bp;
	return NULL;
}

struct bio_dev *
bio_devfind(struct blkdev *dev)
{
	struct bio_dev *bv;

	KASSERT(mutex_owned(&bufcache.bc_lock));
	for (bv = bufcache.bc_devs; bv != NULL; bv = bv->bv_next)
		if (bv->bv_dev == dev)
			return bv;
	return NULL;
}

/* The device record of DEV, made if needed.  NULL only for ENOMEM. */
static struct bio_dev *
bio_devget(struct blkdev *dev)
{
	struct bio_dev *bv;

	if ((bv = bio_devfind(dev)) != NULL)
		return bv;
	if ((bv = kmem_zalloc(sizeof(*bv))) == NULL)
		return NULL;
	bv->bv_dev = dev;
	bv->bv_dirtytail = &bv->bv_dirty;
	bv->bv_next = bufcache.bc_devs;
	bufcache.bc_devs = bv;
	return bv;
}

static void
bio_devfree(struct bio_dev *bv)
{
	struct bio_dev **pp;

	KASSERT(bv->bv_nbufs == 0 && bv->bv_ndirty == 0);
	for (pp = &bufcache.bc_devs; *pp != bv; pp = &(*pp)->bv_next)
		KASSERT(*pp != NULL);
	*pp = bv->bv_next;
	kmem_free(bv, sizeof(*bv));
}

void
bio_devgc(struct blkdev *dev)
{
	struct bio_dev *bv = bio_devfind(dev);

	if (bv != NULL && bv->bv_nbufs == 0)
		bio_devfree(bv);
}

static void
lru_insert(struct buf *bp)
{
	KASSERT(bp->b_lprev == NULL);
	bp->b_lnext = NULL;
	bp->b_lprev = bufcache.bc_lrutail;
	*bufcache.bc_lrutail = bp;
	bufcache.bc_lrutail = &bp->b_lnext;
}

static void
lru_remove(struct buf *bp)
{
	KASSERT(bp->b_lprev != NULL);
	if (bp->b_lnext != NULL)
		bp->b_lnext->b_lprev = bp->b_lprev;
	else
		bufcache.bc_lrutail = bp->b_lprev;
	*bp->b_lprev = bp->b_lnext;
	bp->b_lnext = NULL;
	bp->b_lprev = NULL;
}

/* Widen BV's bounds on its dirty buffers' sizes and starts to BP's. */
static void
bio_dirtyshape(struct bio_dev *bv, const struct buf *bp)
{
	uint64_t nsec = howmany((uint64_t)bp->b_bcount, DEV_BSIZE);
	uint64_t blk = (uint64_t)bp->b_blkno;

	if (bv->bv_ndirty == 1) {		/* the first of an epoch */
		bv->bv_dmaxsec = 0;
		bv->bv_dalign = (uint64_t)1 << 62;
	}
	if (nsec > bv->bv_dmaxsec)
		bv->bv_dmaxsec = nsec;
	while (bv->bv_dalign > 1 && (blk & (bv->bv_dalign - 1)) != 0)
		bv->bv_dalign >>= 1;
}

/* Make BP dirty if it is not: dirty list tail, b_dirtytime = now. */
static void
bio_markdirty(struct buf *bp)
{
	struct bio_dev *bv;

	if (bp->b_flags & B_DELWRI)
		return;
	bv = bio_devfind(bp->b_dev);
	KASSERT(bv != NULL);
	bp->b_flags |= B_DELWRI;
	bp->b_dirtytime = getmonotime_ns();
	bp->b_dnext = NULL;
	bp->b_dprev = bv->bv_dirtytail;
	*bv->bv_dirtytail = bp;
	bv->bv_dirtytail = &bp->b_dnext;
	bv->bv_ndirty++;
	bufcache.bc_st.bytes_dirty += bp->b_bcount;
	bio_dirtyshape(bv, bp);
}

static void
bio_markclean(struct buf *bp)
{
	struct bio_dev *bv;

	if (!(bp->b_flags & B_DELWRI))
		return;
	bv = bio_devfind(bp->b_dev);
	KASSERT(bv != NULL && bv->bv_ndirty > 0);
	if (bp->b_dnext != NULL)
		bp->b_dnext->b_dprev = bp->b_dprev;
	else
		bv->bv_dirtytail = bp->b_dprev;
	*bp->b_dprev = bp->b_dnext;
	bp->b_dnext = NULL;
	bp->b_dprev = NULL;
	if (bp->b_flags & B_HOOKED)
		bufcache.bc_nhooked--;
	bp->b_flags &= ~(B_DELWRI | B_PINNED | B_HOOKED);
	bv->bv_ndirty--;
	bufcache.bc_st.bytes_dirty -= bp->b_bcount;
}

static void
bio_wakeup(struct buf *bp)
{
	if (bp->b_flags & B_WANTED) {
		bp->b_flags &= ~B_WANTED;
		cv_broadcast(bio_waitcv(bp));
	}
}

void
bio_wait(struct buf *bp)
{
	KASSERT(bp->b_flags & B_BUSY);
	bp->b_flags |= B_WANTED;
	cv_wait(bio_waitcv(bp), &bufcache.bc_lock);
}

/* Take unbusy BP for the caller. */
static void
bio_acquire(struct buf *bp, uint32_t how)
{
	KASSERT(!(bp->b_flags & B_BUSY) && (bp->b_flags & B_DONE));
	if (bp->b_lprev != NULL)
		lru_remove(bp);
	bp->b_flags |= B_BUSY | how;
}

static void
bio_freemem(struct buf *bp)
{
	kmem_free(bp->b_data, bp->b_bcount);
	kmem_free(bp, sizeof(*bp));
}

/* Take BP out of the cache: hash, lists, counts.  Its memory stays. */
static void
bio_unlink(struct buf *bp)
{
	struct bio_dev *bv;

	bio_wakeup(bp);
	bio_markclean(bp);
	if (bp->b_lprev != NULL)
		lru_remove(bp);
	if (bp->b_hnext != NULL)
		bp->b_hnext->b_hprev = bp->b_hprev;
	*bp->b_hprev = bp->b_hnext;
	bv = bio_devfind(bp->b_dev);
	KASSERT(bv != NULL && bv->bv_nbufs > 0);
	bv->bv_nbufs--;
	bufcache.bc_st.nbufs--;
	bufcache.bc_st.bytes_cached -= bp->b_bcount;
}

void
bio_destroy(struct buf *bp)
{
	bio_unlink(bp);
	bio_freemem(bp);
}

/* Insert new busy buffer NBP.  ENOMEM (no device record). */
static int
bio_insert(struct buf *nbp)
{
	struct bio_dev *bv;
	struct buf **chain;

	if ((bv = bio_devget(nbp->b_dev)) == NULL)
		return ENOMEM;
	chain = &bufcache.bc_hash[bio_hashkey(nbp->b_dev, nbp->b_blkno) &
	    bufcache.bc_hashmask];
	nbp->b_hnext = *chain;
	if (*chain != NULL)
		(*chain)->b_hprev = &nbp->b_hnext;
	nbp->b_hprev = chain;
	*chain = nbp;
	bv->bv_nbufs++;
	bufcache.bc_st.nbufs++;
	bufcache.bc_st.bytes_cached += nbp->b_bcount;
	return 0;
}

/* Evict clean buffers until SIZE more bytes fit.  Do they? */
static bool
bio_room(uint64_t size)
{
	struct buf *bp;

	while (bufcache.bc_st.bytes_cached + size > bufcache.bc_maxbytes) {
		if ((bp = bufcache.bc_lru) == NULL)
			return false;
		bio_destroy(bp);
		bufcache.bc_st.evictions++;
	}
	return true;
}

void
bio_release(struct buf *bp)
{
	KASSERT(mutex_owned(&bufcache.bc_lock));
	KASSERT((bp->b_flags & (B_BUSY | B_WRITING)) == B_BUSY);
	if (bp->b_flags & B_INVAL) {
		bio_destroy(bp);
		return;
	}
	bp->b_flags |= B_DONE;
	bp->b_flags &= ~(B_BUSY | B_ASYNC | B_READAHEAD);
	if (!(bp->b_flags & B_DELWRI))
		lru_insert(bp);
	else if ((bp->b_prewrite != NULL) != ((bp->b_flags & B_HOOKED) != 0)) {
		/* The owner may have set or cleared the hook meanwhile. */
		bp->b_flags ^= B_HOOKED;
		if (bp->b_flags & B_HOOKED)
			bufcache.bc_nhooked++;
		else
			bufcache.bc_nhooked--;
	}
	bio_wakeup(bp);
	if (bufcache.bc_st.bytes_cached > bufcache.bc_maxbytes)
		(void)bio_room(0);
}

void
bio_writedone(struct buf *bp, int error)
{
	KASSERT(mutex_owned(&bufcache.bc_lock));
	KASSERT((bp->b_flags & (B_BUSY | B_WRITING)) == (B_BUSY | B_WRITING));
	bp->b_flags &= ~(B_WRITING | B_ASYNC);
	if (error == 0) {
		bio_markclean(bp);
		bp->b_flags &= ~B_ERROR;
		bp->b_error = 0;
	} else {
		bio_markdirty(bp);
		bp->b_flags |= B_ERROR;
		bp->b_error = error;
	}
	bio_release(bp);
}

/* ---- getting a buffer ---- */

/* Is [BLKNO, +SIZE) a valid buffer of DEV?  Logs unless QUIET. */
static int
bio_checkblk(struct blkdev *dev, daddr_t blkno, uint32_t size, bool quiet)
{
	if (size == 0 || size > BIO_MAXBSIZE) {
		if (!quiet)
			klog(KLOG_ERR, "bio: %s: block %lld: bad buffer size "
			    "%u", dev->bd_name, (long long)blkno, size);
		return EINVAL;
	}
	if (blkno < 0 || (uint64_t)blkno > dev->bd_size >> DEV_BSHIFT ||
	    size > dev->bd_size - ((uint64_t)blkno << DEV_BSHIFT)) {
		if (!quiet)
			klog(KLOG_ERR, "blkdev %s: block %lld (%u bytes) is "
			    "outside the device window (%llu bytes)",
			    dev->bd_name, (long long)blkno, size,
			    (unsigned long long)dev->bd_size);
		return EIO;
	}
	return 0;
}

/* A new busy, invalid buffer (not cached yet).  ENOMEM. */
static int
bio_alloc(struct blkdev *dev, daddr_t blkno, uint32_t size, uint32_t flags,
    struct buf **bpp)
{
	struct buf *bp;

	if ((bp = kmem_zalloc(sizeof(*bp))) == NULL)
		return ENOMEM;
	if ((bp->b_data = kmem_alloc(size)) == NULL) {
		kmem_free(bp, sizeof(*bp));
		return ENOMEM;
	}
	bp->b_dev = dev;
	bp->b_blkno = blkno;
	bp->b_bcount = size;
	bp->b_flags = B_BUSY | flags;
	*bpp = bp;
	return 0;
}

/*
 * Write busy B_WRITING BP now (prewrite hook first if HOOK) and release
 * it.  Without bc_lock.  The hook's error postpones the write (BP stays
 * dirty, not B_ERROR); an I/O error leaves BP dirty with B_ERROR.
 */
static int
bio_writeone(struct buf *bp, bool hook)
{
	int error;

	if (hook && bp->b_prewrite != NULL &&
	    (error = bp->b_prewrite(bp)) != 0) {
		mutex_enter(&bufcache.bc_lock);
		bp->b_flags &= ~(B_WRITING | B_ASYNC);
		bio_release(bp);
		mutex_exit(&bufcache.bc_lock);
		return error;
	}
	error = blkdev_write(bp->b_dev, bp->b_data, bp->b_bcount, bio_off(bp));
	mutex_enter(&bufcache.bc_lock);
	bufcache.bc_st.writes++;
	bio_writedone(bp, error);
	mutex_exit(&bufcache.bc_lock);
	if (error != 0)
		klog(KLOG_ERR, "bio: %s: write of block %lld (%u bytes) "
		    "failed: error %d", bp->b_dev->bd_name,
		    (long long)bp->b_blkno, bp->b_bcount, error);
	return error;
}

/*
 * Cached BP (bc_lock held, not busy) has another size than wanted: write
 * it back if dirty, else drop it.  Drops and retakes bc_lock.  0 when the
 * caller should look the name up again.
 */
static int
bio_resize(struct buf *bp, uint32_t size)
{
	int error;

	klog(KLOG_DEBUG, "bio: %s: block %lld asked as %u bytes, cached as "
	    "%u", bp->b_dev->bd_name, (long long)bp->b_blkno, size,
	    bp->b_bcount);
	if (!(bp->b_flags & B_DELWRI)) {
		bio_acquire(bp, B_INVAL);
		bio_release(bp);
		return 0;
	}
	if (bp->b_flags & B_PINNED) {
		klog(KLOG_ERR, "bio: %s: pinned block %lld (%u bytes) asked "
		    "for as %u bytes", bp->b_dev->bd_name,
		    (long long)bp->b_blkno, bp->b_bcount, size);
		return EBUSY;
	}
	bio_acquire(bp, B_WRITING);
	mutex_exit(&bufcache.bc_lock);
	error = bio_writeone(bp, true);
	mutex_enter(&bufcache.bc_lock);
	return error;
}

/* Too full: write back some old dirty buffers.  Without bc_lock. */
static void
bio_evict_dirty(uint32_t size)
{
	struct bio_sel sel = {
		.sel_dev = NULL,
		.sel_maxtime = UINT64_MAX,
		.sel_maxbytes = MAX(size, BIO_EVICT_MINBYTES),
		.sel_maxbufs = BIO_EVICT_MAXBUFS,
		.sel_skiperror = true,
		.sel_nohooks = true,
	};
	unsigned ndone, nbusy;

	(void)bio_flushsel(&sel, &ndone, &nbusy);
}

/*
 * A new busy, invalid buffer for (DEV, BLKNO, SIZE) made of the LRU's
 * head, if the cache is full and that clean buffer has SIZE bytes: an
 * eviction without a free and an allocation (a copy into a full cache
 * does one per block).  NULL if not.  bc_lock held.
 */
static struct buf *
bio_recycle(struct blkdev *dev, daddr_t blkno, uint32_t size)
{
	struct buf *bp = bufcache.bc_lru;
	void *data;

	if (bp == NULL || bp->b_bcount != size ||
	    bufcache.bc_st.bytes_cached + size <= bufcache.bc_maxbytes)
		return NULL;
	bio_unlink(bp);
	bufcache.bc_st.evictions++;
	data = bp->b_data;
	memset(bp, 0, sizeof(*bp));
	bp->b_dev = dev;
	bp->b_blkno = blkno;
	bp->b_bcount = size;
	bp->b_data = data;
	bp->b_flags = B_BUSY;
	return bp;
}

/*
 * The busy buffer for (DEV, BLKNO, SIZE), cached or new.  *VALIDP says
 * whether its contents are valid (B_DONE).
 */
static int
bio_getblk(struct blkdev *dev, daddr_t blkno, uint32_t size,
    struct buf **bpp, bool *validp)
{
	struct buf *bp = NULL, *nbp = NULL;
	bool wrote = false;
	int error;

	*bpp = NULL;
	KASSERT(bufcache.bc_inited);
	if ((error = bio_checkblk(dev, blkno, size, false)) != 0)
		return error;
	mutex_enter(&bufcache.bc_lock);
	for (;;) {
		if ((bp = bio_lookup(dev, blkno)) != NULL) {
			if (bp->b_flags & B_BUSY) {
				bio_wait(bp);
				continue;
			}
			if (bp->b_bcount != size) {
				if ((error = bio_resize(bp, size)) != 0)
					goto out;
				continue;
			}
			bio_acquire(bp, 0);
			bufcache.bc_st.hits++;
			*validp = true;
			break;
		}
		if (nbp == NULL &&
		    (nbp = bio_recycle(dev, blkno, size)) == NULL) {
			mutex_exit(&bufcache.bc_lock);
			error = bio_alloc(dev, blkno, size, 0, &nbp);
			mutex_enter(&bufcache.bc_lock);
			if (error != 0)
				goto out;
			continue;	/* someone may have made it meanwhile */
		}
		if (!bio_room(size)) {
			if (!wrote) {
				wrote = true;
				mutex_exit(&bufcache.bc_lock);
				bio_evict_dirty(size);
				mutex_enter(&bufcache.bc_lock);
				continue;
			}
			if (!bufcache.bc_overshoot_logged) {
				bufcache.bc_overshoot_logged = true;
				klog(KLOG_DEBUG, "bio: every buffer is busy, "
				    "dirty or pinned; cache grows past its "
				    "bound of %llu bytes",
				    (unsigned long long)bufcache.bc_maxbytes);
			}
		}
		if ((error = bio_insert(nbp)) != 0)
			goto out;
		bp = nbp;
		nbp = NULL;
		bufcache.bc_st.misses++;
		*validp = false;
		break;
	}
out:
	mutex_exit(&bufcache.bc_lock);
	if (nbp != NULL)
		bio_freemem(nbp);
	if (error == 0)
		*bpp = bp;
	return error;
}

/*
 * The busy buffer for (DEV, BLKNO) of SIZE bytes, read from the device
 * unless cached.  *BPP is B_DONE, B_BUSY.
 * => EIO (logged) if the range is outside DEV's window or the read
 *    failed; EINVAL for a size of 0 or more than 16 MiB; ENOMEM; EBUSY
 *    if a pinned buffer of another size holds the block.
 * => Sleeps while another thread holds the buffer.
 */
int
bread(struct blkdev *dev, daddr_t blkno, uint32_t size, struct buf **bpp)
{
	return breadn(dev, blkno, size, NULL, NULL, 0, bpp);
}

/* Read-ahead of the busy READAHEAD buffers BUFS[0..N), adjacent. */
static void
bio_readahead_issue(struct buf **bufs, unsigned n)
{
	struct bio_io *io;
	size_t sz;
	unsigned i;
	int error;

	sz = sizeof(*io) + n * (sizeof(struct hyp_iovec) + sizeof(bufs[0]));
	if ((io = kmem_alloc(sz)) == NULL) {
		mutex_enter(&bufcache.bc_lock);
		for (i = 0; i < n; i++) {
			bufs[i]->b_flags |= B_INVAL;
			bio_release(bufs[i]);
		}
		mutex_exit(&bufcache.bc_lock);
		return;
	}
	io->io_op = HYP_BIO_READ;
	io->io_n = n;
	io->io_dev = bufs[0]->b_dev;
	io->io_off = bio_off(bufs[0]);
	io->io_allocsz = sz;
	io->io_iov = (struct hyp_iovec *)(io + 1);
	io->io_bufs = (struct buf **)(io->io_iov + n);
	for (i = 0; i < n; i++) {
		io->io_iov[i].iov_base = bufs[i]->b_data;
		io->io_iov[i].iov_len = bufs[i]->b_bcount;
		io->io_bufs[i] = bufs[i];
	}
	mutex_enter(&bufcache.bc_lock);
	bufcache.bc_inflight++;
	bufcache.bc_st.reads++;
	bufcache.bc_st.readaheads += n;
	mutex_exit(&bufcache.bc_lock);
	error = blkdev_strategy(io->io_dev, HYP_BIO_READ, io->io_iov, (int)n,
	    io->io_off, bio_iodone_cb, io);
	if (error != 0)
		bio_iodone_cb(io, error);
}

/*
 * Start asynchronous reads of those of RABLKS[0..NRA) that are not cached
 * and fit in the cache without writing anything back; adjacent blocks
 * are read with one transfer.  Quiet: a bad block is simply not read.
 */
static void
bio_readahead(struct blkdev *dev, daddr_t blkno, const daddr_t *rablks,
    const uint32_t *rasizes, int nra)
{
	struct buf **bufs, *nbp;
	unsigned n = 0, first = 0, i;
	uint64_t clen = 0;
	size_t allocsz;
	int k;

	if (nra <= 0 || rablks == NULL || rasizes == NULL)
		return;
	allocsz = (size_t)nra * sizeof(*bufs);
	if ((bufs = kmem_alloc(allocsz)) == NULL)
		return;
	for (k = 0; k < nra; k++) {
		if (rablks[k] == blkno ||
		    bio_checkblk(dev, rablks[k], rasizes[k], true) != 0)
			continue;
		mutex_enter(&bufcache.bc_lock);
		nbp = bio_lookup(dev, rablks[k]);
		mutex_exit(&bufcache.bc_lock);
		if (nbp != NULL ||
		    bio_alloc(dev, rablks[k], rasizes[k], B_READAHEAD,
		    &nbp) != 0)
			continue;
		mutex_enter(&bufcache.bc_lock);
		if (bio_lookup(dev, rablks[k]) != NULL ||
		    !bio_room(rasizes[k]) || bio_insert(nbp) != 0) {
			mutex_exit(&bufcache.bc_lock);
			bio_freemem(nbp);
			continue;
		}
		mutex_exit(&bufcache.bc_lock);
		bufs[n++] = nbp;
	}
	/* Issue runs of adjacent blocks as one transfer each. */
	for (i = 0; i < n; i++) {
		if (i > first && (bio_off(bufs[i - 1]) +
		    bufs[i - 1]->b_bcount != bio_off(bufs[i]) ||
		    i - first >= BIO_MAXIOV ||
		    clen + bufs[i]->b_bcount > BIO_MAXCLUSTER)) {
			bio_readahead_issue(bufs + first, i - first);
			first = i;
			clen = 0;
		}
		clen += bufs[i]->b_bcount;
	}
	if (n > first)
		bio_readahead_issue(bufs + first, n - first);
	kmem_free(bufs, allocsz);
}

/*
 * bread, and start asynchronous reads of RABLKS[0..NRA) (sizes RASIZES)
 * that are not cached.  Read-ahead failures are not reported (the block
 * is read again, synchronously, when asked for).  Errors as bread.
 */
int
breadn(struct blkdev *dev, daddr_t blkno, uint32_t size,
    const daddr_t *rablks, const uint32_t *rasizes, int nra,
    struct buf **bpp)
{
	struct buf *bp;
	bool valid;
	int error;

	*bpp = NULL;
	if ((error = bio_getblk(dev, blkno, size, &bp, &valid)) != 0)
		return error;
	bio_readahead(dev, blkno, rablks, rasizes, nra);
	if (valid) {
		*bpp = bp;
		return 0;
	}
	error = blkdev_read(dev, bp->b_data, size, bio_off(bp));
	mutex_enter(&bufcache.bc_lock);
	bufcache.bc_st.reads++;
	if (error != 0) {
		bp->b_flags |= B_INVAL;
		bio_release(bp);
	} else
		bp->b_flags |= B_DONE;
	mutex_exit(&bufcache.bc_lock);
	if (error != 0) {
		klog(KLOG_ERR, "bio: %s: read of block %lld (%u bytes) "
		    "failed: error %d", dev->bd_name, (long long)blkno, size,
		    error);
		return error;
	}
	*bpp = bp;
	return 0;
}

/*
 * The busy buffer for (DEV, BLKNO) of SIZE bytes, without reading it:
 * valid if B_DONE, else the caller fills b_data entirely.
 * => ENOMEM; also, as bread, EIO (logged) for a range outside the
 *    window, EINVAL for a bad size, EBUSY for a pinned resize.
 */
int
getblk(struct blkdev *dev, daddr_t blkno, uint32_t size, struct buf **bpp)
{
	bool valid;

	return bio_getblk(dev, blkno, size, bpp, &valid);
}

/* Is (DEV, BLKNO) cached (perhaps busy)? */
bool
incore(struct blkdev *dev, daddr_t blkno)
{
	bool found;

	mutex_enter(&bufcache.bc_lock);
	found = bio_lookup(dev, blkno) != NULL;
	mutex_exit(&bufcache.bc_lock);
	return found;
}

/* ---- releasing a buffer ---- */

/* Release busy BP unchanged (B_INVAL set by the caller: discard it). */
void
brelse(struct buf *bp)
{
	mutex_enter(&bufcache.bc_lock);
	bio_release(bp);
	mutex_exit(&bufcache.bc_lock);
}

/* Drop busy BP's contents, even if dirty or pinned, and release it. */
void
binval(struct buf *bp)
{
	mutex_enter(&bufcache.bc_lock);
	bp->b_flags |= B_INVAL;
	bio_release(bp);
	mutex_exit(&bufcache.bc_lock);
}

/*
 * Mark busy BP dirty (b_dirtytime is when it first became dirty) and
 * release it; the flusher, eviction or bsync writes it later.
 */
void
bdwrite(struct buf *bp)
{
	mutex_enter(&bufcache.bc_lock);
	KASSERT((bp->b_flags & (B_BUSY | B_WRITING)) == B_BUSY);
	bio_markdirty(bp);
	bio_release(bp);
	if (bufcache.bc_st.bytes_dirty > bufcache.bc_maxbytes / 3)
		bflush_kick();
	mutex_exit(&bufcache.bc_lock);
}

/*
 * Write busy BP and wait; release it.  Its b_prewrite hook runs first.
 * => 0, the hook's error (write postponed, BP stays dirty), or the I/O
 *    error (BP stays dirty with B_ERROR).  EBUSY for a pinned buffer,
 *    which is released as a delayed write instead.
 */
int
bwrite(struct buf *bp)
{
	mutex_enter(&bufcache.bc_lock);
	KASSERT((bp->b_flags & (B_BUSY | B_WRITING)) == B_BUSY);
	bio_markdirty(bp);
	if (bp->b_flags & B_PINNED) {
		bio_release(bp);
		mutex_exit(&bufcache.bc_lock);
		return EBUSY;
	}
	bp->b_flags |= B_WRITING;
	mutex_exit(&bufcache.bc_lock);
	return bio_writeone(bp, true);
}

/* Completion of an asynchronous transfer (an I/O thread, or inline). */
static void
bio_iodone_cb(void *arg, int error)
{
	struct bio_io *io = arg;
	unsigned i;

	mutex_enter(&bufcache.bc_lock);
	for (i = 0; i < io->io_n; i++) {
		struct buf *bp = io->io_bufs[i];

		if (io->io_op == HYP_BIO_WRITE) {
			bio_writedone(bp, error);
			continue;
		}
		KASSERT(bp->b_flags & B_READAHEAD);
		if (error != 0)
			bp->b_flags |= B_INVAL;
		bio_release(bp);
	}
	if (io->io_op == HYP_BIO_WRITE) {
		bufcache.bc_st.writes++;
		if (io->io_n > 1)
			bufcache.bc_st.clustered_writes++;
	}
	KASSERT(bufcache.bc_inflight > 0);
	if (--bufcache.bc_inflight == 0)
		cv_broadcast(&bufcache.bc_iocv);
	mutex_exit(&bufcache.bc_lock);
	if (error != 0)
		klog(io->io_op == HYP_BIO_WRITE ? KLOG_ERR : KLOG_DEBUG,
		    "bio: %s: asynchronous %s of %u block(s) at offset %llu "
		    "failed: error %d", io->io_dev->bd_name,
		    io->io_op == HYP_BIO_WRITE ? "write" : "read", io->io_n,
		    (unsigned long long)io->io_off, error);
	kmem_free(io, io->io_allocsz);
}

/*
 * Start writing busy BP and return; the completion releases it (clean,
 * or dirty with B_ERROR).  The b_prewrite hook runs first, in the
 * caller; its error postpones the write.  A pinned buffer is released as
 * a delayed write instead.
 */
void
bawrite(struct buf *bp)
{
	struct bio_io *io;
	int error;

	mutex_enter(&bufcache.bc_lock);
	KASSERT((bp->b_flags & (B_BUSY | B_WRITING)) == B_BUSY);
	bio_markdirty(bp);
	if (bp->b_flags & B_PINNED) {
		bio_release(bp);
		mutex_exit(&bufcache.bc_lock);
		return;
	}
	bp->b_flags |= B_WRITING | B_ASYNC;
	mutex_exit(&bufcache.bc_lock);
	if (bp->b_prewrite != NULL && (error = bp->b_prewrite(bp)) != 0) {
		mutex_enter(&bufcache.bc_lock);
		bp->b_flags &= ~(B_WRITING | B_ASYNC);
		bio_release(bp);
		mutex_exit(&bufcache.bc_lock);
		return;
	}
	io = kmem_alloc(sizeof(*io) + sizeof(struct hyp_iovec) +
	    sizeof(struct buf *));
	if (io == NULL) {
		(void)bio_writeone(bp, false);
		return;
	}
	io->io_op = HYP_BIO_WRITE;
	io->io_n = 1;
	io->io_dev = bp->b_dev;
	io->io_off = bio_off(bp);
	io->io_allocsz = sizeof(*io) + sizeof(struct hyp_iovec) +
	    sizeof(struct buf *);
	io->io_iov = (struct hyp_iovec *)(io + 1);
	io->io_bufs = (struct buf **)(io->io_iov + 1);
	io->io_iov[0].iov_base = bp->b_data;
	io->io_iov[0].iov_len = bp->b_bcount;
	io->io_bufs[0] = bp;
	mutex_enter(&bufcache.bc_lock);
	bufcache.bc_inflight++;
	mutex_exit(&bufcache.bc_lock);
	error = blkdev_strategy(io->io_dev, HYP_BIO_WRITE, io->io_iov, 1,
	    io->io_off, bio_iodone_cb, io);
	if (error != 0) {
		/* Not queued: write it synchronously instead. */
		error = blkdev_write(io->io_dev, bp->b_data, bp->b_bcount,
		    io->io_off);
		bio_iodone_cb(io, error);
	}
}

/* ---- pinning ---- */

/* Busy BP: dirty, and not to be written until bunpin(). */
void
bpin(struct buf *bp)
{
	mutex_enter(&bufcache.bc_lock);
	KASSERT(bp->b_flags & B_BUSY);
	bio_markdirty(bp);
	bp->b_flags |= B_PINNED;
	mutex_exit(&bufcache.bc_lock);
}

/* Let (DEV, BLKNO) be written again, if it is cached and pinned. */
void
bunpin(struct blkdev *dev, daddr_t blkno)
{
	struct buf *bp;

	mutex_enter(&bufcache.bc_lock);
	if ((bp = bio_lookup(dev, blkno)) != NULL)
		bp->b_flags &= ~B_PINNED;
	mutex_exit(&bufcache.bc_lock);
}

/* ---- dirty ranges ---- */

/*
 * A prefix of device bytes [OFF, OFF+LEN) that no dirty buffer overlaps:
 * the longest, or one ending where the search stopped.  Dirty buffers
 * start at multiples of bv_dalign sectors and span at most bv_dmaxsec,
 * so the search walks the dirty list if it holds no more than
 * BIO_CLEANSCAN buffers, and otherwise looks the possible starts up in
 * the hash in ascending order, at most BIO_CLEANSCAN of them (a read of
 * a file with a cache full of dirty buffers made this a walk of all of
 * them, several times per read).  bc_lock held.
 */
static uint64_t
bio_cleanprefix(struct blkdev *dev, uint64_t off, uint64_t len)
{
	struct bio_dev *bv;
	struct buf *bp;
	uint64_t end = len > UINT64_MAX - off ? UINT64_MAX : off + len;
	uint64_t first = end, lo, hi, s, n;

	if (len == 0 || (bv = bio_devfind(dev)) == NULL || bv->bv_ndirty == 0)
		return len;
	if (bv->bv_ndirty <= BIO_CLEANSCAN) {
		for (bp = bv->bv_dirty; bp != NULL; bp = bp->b_dnext)
			if (bio_off(bp) < first &&
			    off < bio_off(bp) + bp->b_bcount)
				first = bio_off(bp);
	} else {
		/* Starts (sectors) of buffers that could overlap: [lo, hi]. */
		hi = (end - 1) >> DEV_BSHIFT;
		lo = off >> DEV_BSHIFT;
		lo = lo >= bv->bv_dmaxsec ? lo - bv->bv_dmaxsec + 1 : 0;
		lo = roundup(lo, bv->bv_dalign);
		n = lo > hi ? 0 : (hi - lo) / bv->bv_dalign + 1;
		if (n > BIO_CLEANSCAN) {
			/* Beyond the last start looked at: unknown. */
			n = BIO_CLEANSCAN;
			first = (lo + n * bv->bv_dalign) << DEV_BSHIFT;
		}
		for (s = lo; n > 0; n--, s += bv->bv_dalign) {
			bp = bio_lookup(dev, (daddr_t)s);
			if (bp != NULL && (bp->b_flags & B_DELWRI) &&
			    off < bio_off(bp) + bp->b_bcount) {
				first = bio_off(bp);
				break;
			}
		}
	}
	return first <= off ? 0 : first >= end ? len : first - off;
}

uint64_t
bclean_prefix(struct blkdev *dev, uint64_t off, uint64_t len)
{
	uint64_t n;

	mutex_enter(&bufcache.bc_lock);
	n = bio_cleanprefix(dev, off, len);
	mutex_exit(&bufcache.bc_lock);
	return n;
}

/* ---- life cycle and statistics ---- */

void
bufcache_stats(struct bufstats *st)
{
	mutex_enter(&bufcache.bc_lock);
	*st = bufcache.bc_st;
	mutex_exit(&bufcache.bc_lock);
}

static void
bio_fini_sync(unsigned ncv)
{
	unsigned i;

	for (i = 0; i < ncv; i++)
		cv_destroy(&bufcache.bc_waitcv[i]);
	if (ncv == BIO_NWAITCV) {
		cv_destroy(&bufcache.bc_iocv);
		cv_destroy(&bufcache.bc_flushcv);
	}
	mutex_destroy(&bufcache.bc_lock);
}

/*
 * Set up the cache, bounded to MAXBYTES of buffer data (0: 64 MiB), and
 * start the flusher thread.  ENOMEM, EBUSY if already set up, or the
 * thread's creation error.
 */
int
bufcache_init(uint64_t maxbytes)
{
	uint64_t nchains;
	unsigned ncv = 0;
	int error;

	if (bufcache.bc_inited)
		return EBUSY;
	memset(&bufcache, 0, sizeof(bufcache));
	bufcache.bc_maxbytes = maxbytes != 0 ? maxbytes : BIO_DEFAULT_BYTES;
	for (nchains = 256; nchains < bufcache.bc_maxbytes / 1024 &&
	    nchains < (1U << 20); nchains <<= 1)
		continue;
	bufcache.bc_hashmask = nchains - 1;
	bufcache.bc_lrutail = &bufcache.bc_lru;
	if ((error = mutex_init(&bufcache.bc_lock)) != 0)
		return error;
	for (; ncv < BIO_NWAITCV; ncv++)
		if ((error = cv_init(&bufcache.bc_waitcv[ncv])) != 0)
			goto out_sync;
	if ((error = cv_init(&bufcache.bc_iocv)) != 0)
		goto out_sync;
	if ((error = cv_init(&bufcache.bc_flushcv)) != 0) {
		cv_destroy(&bufcache.bc_iocv);
		goto out_sync;
	}
	bufcache.bc_hash = kmem_zalloc(nchains * sizeof(struct buf *));
	if (bufcache.bc_hash == NULL) {
		error = ENOMEM;
		goto out_cvs;
	}
	bufcache.bc_inited = true;
	if ((error = bflush_start()) != 0)
		goto out_hash;
	return 0;

out_hash:
	bufcache.bc_inited = false;
	kmem_free(bufcache.bc_hash, nchains * sizeof(struct buf *));
out_cvs:
	ncv = BIO_NWAITCV;
	bio_fini_sync(ncv);
	return error;
out_sync:
	bio_fini_sync(ncv);
	return error;
}

/*
 * Stop the flusher, wait for I/O in flight, free every buffer.  Dirty
 * buffers left (every mount should have synced) are lost: one log line
 * says how many.  No other thread may use the cache any more.
 */
void
bufcache_shutdown(void)
{
	struct bio_dev *bv;
	struct buf *bp, *next;
	unsigned nbusy = 0, ndirty = 0;
	uint64_t i, dirtybytes;

	if (!bufcache.bc_inited)
		return;
	bflush_stop();
	mutex_enter(&bufcache.bc_lock);
	while (bufcache.bc_inflight > 0)
		cv_wait(&bufcache.bc_iocv, &bufcache.bc_lock);
	dirtybytes = bufcache.bc_st.bytes_dirty;
	for (i = 0; i <= bufcache.bc_hashmask; i++) {
		for (bp = bufcache.bc_hash[i]; bp != NULL; bp = next) {
			next = bp->b_hnext;
			if (bp->b_flags & B_DELWRI)
				ndirty++;
			if (bp->b_flags & B_BUSY)
				nbusy++;	/* held by a thread: leaked */
			else
				bio_destroy(bp);
		}
	}
	while (nbusy == 0 && (bv = bufcache.bc_devs) != NULL)
		bio_devfree(bv);
	mutex_exit(&bufcache.bc_lock);
	if (ndirty > 0)
		klog(KLOG_WARN, "bufcache_shutdown: %u dirty buffer(s) "
		    "(%llu bytes) were never written", ndirty,
		    (unsigned long long)dirtybytes);
	if (nbusy > 0) {
		klog(KLOG_ERR, "bufcache_shutdown: %u buffer(s) still held; "
		    "cache left allocated", nbusy);
		return;
	}
	kmem_free(bufcache.bc_hash,
	    (bufcache.bc_hashmask + 1) * sizeof(struct buf *));
	bio_fini_sync(BIO_NWAITCV);
	memset(&bufcache, 0, sizeof(bufcache));
}
