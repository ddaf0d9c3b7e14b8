/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_bflush.c -- writing dirty buffers back and dropping buffers:
 * choosing dirty buffers, running their b_prewrite hooks, clustering
 * adjacent ones into one scatter/gather write, bsync(), binvalall() and
 * the device-close purge, and the flusher thread.
 *
 * The cache proper (hash, lists, states, the lock rule) is described and
 * implemented in vfs_bio.c; this file follows its rules.  Exports bsync()
 * and binvalall() from kern/buf.h and, to vfs_bio.c and vfs_blkdev.c,
 * bio_flushsel(), bio_writebatch(), bio_sortbufs(), bio_devclose() and
 * the flusher's start/stop/kick and tunables (vfs_bio_internal.h).
 *
 * Write-back in three steps, all without bc_lock while anything runs that
 * may block:
 *   1. Under bc_lock, note the hooked buffers the selection wants.  Then
 *      one at a time: take it (if still wanted and not busy), drop
 *      bc_lock, call its hook.  A hook's error postpones that buffer.
 *   2. Under bc_lock, take every other wanted buffer that is not busy
 *      (never waiting: the batch already holds buffers).
 *   3. Sort the batch by (device, block) and write it, adjacent buffers
 *      of one device clustered into writes of at most BIO_MAXCLUSTER
 *      bytes and BIO_MAXIOV iovecs; record each result under bc_lock.
 *
 * The flusher thread wakes every flush interval (1 s), or when bdwrite
 * finds more than a third of the cache dirty, and writes the buffers
 * dirty for longer than the flush age (5 s); then, while more than a
 * third of the cache is dirty, the oldest others until a quarter is.  It
 * skips buffers whose last write failed (bsync retries them) and never
 * waits for a busy buffer.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "vfs_bio_internal.h"

#define BFLUSH_BATCH		1024	/* buffers per flusher batch */
#define BFLUSH_MAXBATCHES	64	/* batches per flusher round */
#define BIO_BSYNC_WAIT_MS	10000	/* warn when bsync waits this long */

/* Test-only tunables (vfs_bio_internal.h); read atomically. */
static unsigned bflush_age_ms = 5000;
static unsigned bflush_interval_ms = 1000;

/* A hooked buffer noted in step 1, looked up again before use. */
struct bio_key {
	struct blkdev	*k_dev;
	daddr_t		k_blkno;
	uint32_t	k_size;
};

/* ---- sorting (no libc here): heapsort on (device, block) ---- */

static bool
bio_keyless(const struct blkdev *d1, daddr_t b1, const struct blkdev *d2,
    daddr_t b2)
{
	if (d1 != d2)
		return (uintptr_t)d1 < (uintptr_t)d2;
	return b1 < b2;
}

static bool
bufless(struct buf *const *a, unsigned i, unsigned j)
{
	return bio_keyless(a[i]->b_dev, a[i]->b_blkno, a[j]->b_dev,
	    a[j]->b_blkno);
}

static void
bufswap(struct buf **a, unsigned i, unsigned j)
{
	struct buf *t = a[i];

	a[i] = a[j];
	a[j] = t;
}

void
bio_sortbufs(struct buf **bufs, unsigned n)
{
	unsigned start, end, root, child;

	if (n < 2)
		return;
	/* Build a max-heap, then move the maximum to the end repeatedly. */
	for (start = n / 2; start-- > 0;) {
		for (root = start; (child = 2 * root + 1) < n; root = child) {
			if (child + 1 < n && bufless(bufs, child, child + 1))
				child++;
			if (!bufless(bufs, root, child))
				break;
			bufswap(bufs, root, child);
		}
	}
	for (end = n - 1; end > 0; end--) {
		bufswap(bufs, 0, end);
		for (root = 0; (child = 2 * root + 1) < end; root = child) {
			if (child + 1 < end && bufless(bufs, child, child + 1))
				child++;
			if (!bufless(bufs, root, child))
				break;
			bufswap(bufs, root, child);
		}
	}
}

/* Keys are few (hooked buffers): insertion sort is enough. */
static void
bio_sortkeys(struct bio_key *keys, unsigned n)
{
	struct bio_key k;
	unsigned i, j;

	for (i = 1; i < n; i++) {
		k = keys[i];
		for (j = i; j > 0 && bio_keyless(k.k_dev, k.k_blkno,
		    keys[j - 1].k_dev, keys[j - 1].k_blkno); j--)
			keys[j] = keys[j - 1];
		keys[j] = k;
	}
}

/* Is BP, sorted BUFS[0..N) (by (device, block)), one of them? */
static bool
bio_inbatch(struct buf *const *bufs, unsigned n, const struct buf *bp)
{
	unsigned lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (bufs[mid] == bp)
			return true;
		if (bio_keyless(bufs[mid]->b_dev, bufs[mid]->b_blkno,
		    bp->b_dev, bp->b_blkno))
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* ---- clustered writes ---- */

int
bio_writebatch(struct buf **bufs, unsigned n)
{
	struct hyp_iovec iov[BIO_MAXIOV];
	struct blkdev *dev;
	unsigned i, j, k;
	uint64_t off, len;
	int error = 0, e;

	for (i = 0; i < n; i = j) {
		dev = bufs[i]->b_dev;
		off = bio_off(bufs[i]);
		len = bufs[i]->b_bcount;
		iov[0].iov_base = bufs[i]->b_data;
		iov[0].iov_len = bufs[i]->b_bcount;
		for (j = i + 1; j < n && j - i < BIO_MAXIOV; j++) {
			if (bufs[j]->b_dev != dev ||
			    bio_off(bufs[j]) != off + len ||
			    len + bufs[j]->b_bcount > BIO_MAXCLUSTER)
				break;
			iov[j - i].iov_base = bufs[j]->b_data;
			iov[j - i].iov_len = bufs[j]->b_bcount;
			len += bufs[j]->b_bcount;
		}
		e = blkdev_writev(dev, iov, (int)(j - i), off);
		mutex_enter(&bufcache.bc_lock);
		bufcache.bc_st.writes++;
		if (j - i > 1)
			bufcache.bc_st.clustered_writes++;
		for (k = i; k < j; k++)
			bio_writedone(bufs[k], e);
		mutex_exit(&bufcache.bc_lock);
		if (e != 0) {
			klog(KLOG_ERR, "bio: %s: write of %u block(s) (%llu "
			    "bytes at offset %llu) failed: error %d",
			    dev->bd_name, j - i, (unsigned long long)len,
			    (unsigned long long)off, e);
			if (error == 0)
				error = e;
		}
	}
	return error;
}

/* ---- choosing what to write ---- */

/* Does SEL want dirty BP (bc_lock held), busy or not? */
static bool
bio_wants(const struct bio_sel *sel, const struct buf *bp)
{
	if ((bp->b_flags & (B_DELWRI | B_PINNED | B_INVAL)) != B_DELWRI)
		return false;
	if (sel->sel_skiperror && (bp->b_flags & B_ERROR))
		return false;
	return true;
}

static bool
bio_batchfull(const struct bio_sel *sel, unsigned n, uint64_t bytes)
{
	return n >= sel->sel_maxbufs ||
	    (sel->sel_maxbytes != 0 && bytes >= sel->sel_maxbytes);
}

/* Step 1: note the hooked buffers SEL wants (bc_lock held). */
static unsigned
bio_notehooked(const struct bio_sel *sel, struct bio_key *keys)
{
	struct bio_dev *bv;
	struct buf *bp;
	unsigned nkeys = 0;

	/* The usual case: no hooks (no driver sets one), no walk. */
	if (bufcache.bc_nhooked == 0)
		return 0;
	for (bv = bufcache.bc_devs; bv != NULL; bv = bv->bv_next) {
		if (sel->sel_dev != NULL && bv->bv_dev != sel->sel_dev)
			continue;
		for (bp = bv->bv_dirty; bp != NULL; bp = bp->b_dnext) {
			if (bp->b_dirtytime > sel->sel_maxtime ||
			    nkeys == sel->sel_maxbufs)
				break;
			if (!bio_wants(sel, bp) || (bp->b_flags & B_BUSY) ||
			    bp->b_prewrite == NULL)
				continue;
			keys[nkeys].k_dev = bp->b_dev;
			keys[nkeys].k_blkno = bp->b_blkno;
			keys[nkeys].k_size = bp->b_bcount;
			nkeys++;
		}
	}
	return nkeys;
}

/*
 * Step 1: take each noted hooked buffer still wanted and run its hook.
 * Those whose hook agreed go to BUFS (ascending); returns how many.
 */
static unsigned
bio_runhooks(const struct bio_sel *sel, struct bio_key *keys,
    unsigned nkeys, struct buf **bufs, uint64_t *bytesp, unsigned *ndonep,
    int *errorp)
{
	struct buf *bp;
	unsigned i, n = 0;
	int e;

	bio_sortkeys(keys, nkeys);
	for (i = 0; i < nkeys && !bio_batchfull(sel, n, *bytesp); i++) {
		mutex_enter(&bufcache.bc_lock);
		bp = bio_lookup(keys[i].k_dev, keys[i].k_blkno);
		if (bp == NULL || (bp->b_flags & B_BUSY) ||
		    !bio_wants(sel, bp) || bp->b_bcount != keys[i].k_size ||
		    bp->b_prewrite == NULL ||
		    bp->b_dirtytime > sel->sel_maxtime) {
			mutex_exit(&bufcache.bc_lock);
			continue;
		}
		KASSERT(bp->b_lprev == NULL);	/* dirty: not on the LRU */
		bp->b_flags |= B_BUSY | B_WRITING;
		mutex_exit(&bufcache.bc_lock);
		(*ndonep)++;
		if ((e = bp->b_prewrite(bp)) != 0) {
			mutex_enter(&bufcache.bc_lock);
			bp->b_flags &= ~B_WRITING;
			bio_release(bp);	/* postponed: stays dirty */
			mutex_exit(&bufcache.bc_lock);
			if (*errorp == 0)
				*errorp = e;
			continue;
		}
		bufs[n++] = bp;
		*bytesp += bp->b_bcount;
	}
	return n;
}

/*
 * Step 2: add the unhooked buffers SEL wants that are not busy to
 * BUFS[0..N) (N taken in step 1, sorted); bc_lock held.  Counts the
 * wanted buffers busy elsewhere in *NBUSYP.  Returns the new count.
 */
static unsigned
bio_takeplain(const struct bio_sel *sel, struct buf **bufs, unsigned n,
    uint64_t *bytesp, unsigned *nbusyp)
{
	struct bio_dev *bv;
	struct buf *bp;
	unsigned nhooked = n;

	for (bv = bufcache.bc_devs; bv != NULL; bv = bv->bv_next) {
		if (sel->sel_dev != NULL && bv->bv_dev != sel->sel_dev)
			continue;
		for (bp = bv->bv_dirty; bp != NULL; bp = bp->b_dnext) {
			if (bp->b_dirtytime > sel->sel_maxtime)
				break;
			if (!bio_wants(sel, bp))
				continue;
			if (bp->b_flags & B_BUSY) {
				if (!bio_inbatch(bufs, nhooked, bp))
					(*nbusyp)++;
				continue;
			}
			if (bio_batchfull(sel, n, *bytesp)) {
				/* The rest only to count the busy ones. */
				if (!sel->sel_countbusy)
					break;
				continue;
			}
			if (bp->b_prewrite != NULL)
				continue;	/* hooked: step 1's, or not */
			KASSERT(bp->b_lprev == NULL);
			bp->b_flags |= B_BUSY | B_WRITING;
			bufs[n++] = bp;
			*bytesp += bp->b_bcount;
		}
	}
	return n;
}

int
bio_flushsel(const struct bio_sel *sel, unsigned *ndonep, unsigned *nbusyp)
{
	struct bio_key *keys = NULL;
	struct buf **bufs;
	unsigned nkeys, n = 0, nplain;
	uint64_t bytes = 0;
	int error = 0, e;

	*ndonep = 0;
	*nbusyp = 0;
	KASSERT(sel->sel_maxbufs > 0);
	if ((bufs = kmem_alloc(sel->sel_maxbufs * sizeof(*bufs))) == NULL)
		return ENOMEM;
	if (!sel->sel_nohooks) {
		keys = kmem_alloc(sel->sel_maxbufs * sizeof(*keys));
		if (keys == NULL) {
			error = ENOMEM;
			goto out;
		}
		mutex_enter(&bufcache.bc_lock);
		nkeys = bio_notehooked(sel, keys);
		mutex_exit(&bufcache.bc_lock);
		n = bio_runhooks(sel, keys, nkeys, bufs, &bytes, ndonep,
		    &error);
	}
	mutex_enter(&bufcache.bc_lock);
	nplain = bio_takeplain(sel, bufs, n, &bytes, nbusyp) - n;
	mutex_exit(&bufcache.bc_lock);
	*ndonep += nplain;
	n += nplain;
	bio_sortbufs(bufs, n);
	if ((e = bio_writebatch(bufs, n)) != 0 && error == 0)
		error = e;
out:
	if (keys != NULL)
		kmem_free(keys, sel->sel_maxbufs * sizeof(*keys));
	kmem_free(bufs, sel->sel_maxbufs * sizeof(*bufs));
	return error;
}

/* ---- bsync ---- */

/* Dirty buffers of DEV (all if NULL); bc_lock held. */
static uint64_t
bio_ndirty(struct blkdev *dev)
{
	struct bio_dev *bv;
	uint64_t n = 0;

	for (bv = bufcache.bc_devs; bv != NULL; bv = bv->bv_next)
		if (dev == NULL || bv->bv_dev == dev)
			n += bv->bv_ndirty;
	return n;
}

/*
 * Wait for one busy, unpinned buffer of DEV (all if NULL) that was dirty
 * at START, if there is one; bc_lock held.
 */
static void
bio_syncwait(struct blkdev *dev, uint64_t start)
{
	struct bio_dev *bv;
	struct buf *bp;

	for (bv = bufcache.bc_devs; bv != NULL; bv = bv->bv_next) {
		if (dev != NULL && bv->bv_dev != dev)
			continue;
		for (bp = bv->bv_dirty; bp != NULL; bp = bp->b_dnext) {
			if (bp->b_dirtytime > start)
				break;
			if ((bp->b_flags & (B_BUSY | B_PINNED)) != B_BUSY)
				continue;
			bp->b_flags |= B_WANTED;
			if (cv_timedwait_ms(bio_waitcv(bp), &bufcache.bc_lock,
			    BIO_BSYNC_WAIT_MS) != 0)
				klog(KLOG_WARN, "bsync: waited %u ms for busy "
				    "block %lld of %s (does the caller hold "
				    "it?)", BIO_BSYNC_WAIT_MS,
				    (long long)bp->b_blkno,
				    bv->bv_dev->bd_name);
			return;
		}
	}
}

/*
 * The error of the first unbusy, unpinned buffer of DEV (all if NULL)
 * dirty since START or before whose last write failed; 0 if none.
 */
static int
bio_syncerror(struct blkdev *dev, uint64_t start)
{
	struct bio_dev *bv;
	struct buf *bp;

	for (bv = bufcache.bc_devs; bv != NULL; bv = bv->bv_next) {
		if (dev != NULL && bv->bv_dev != dev)
			continue;
		for (bp = bv->bv_dirty; bp != NULL; bp = bp->b_dnext) {
			if (bp->b_dirtytime > start)
				break;
			if ((bp->b_flags & (B_BUSY | B_PINNED | B_ERROR)) ==
			    B_ERROR)
				return bp->b_error != 0 ? bp->b_error : EIO;
		}
	}
	return 0;
}

/* blkdev_flush DEV, or every device with cached buffers if NULL. */
static int
bio_flushdevs(struct blkdev *dev)
{
	struct blkdev *devs[32];
	struct bio_dev *bv;
	unsigned n, skip = 0, i;
	int error = 0, e;

	if (dev != NULL)
		return blkdev_flush(dev);
	do {
		n = 0;
		mutex_enter(&bufcache.bc_lock);
		for (bv = bufcache.bc_devs, i = 0; bv != NULL &&
		    n < __arraycount(devs); bv = bv->bv_next, i++)
			if (i >= skip)
				devs[n++] = bv->bv_dev;
		mutex_exit(&bufcache.bc_lock);
		for (i = 0; i < n; i++)
			if ((e = blkdev_flush(devs[i])) != 0 && error == 0)
				error = e;
		skip += n;
	} while (n == __arraycount(devs));
	return error;
}

/*
 * Write every dirty unpinned buffer of DEV (all devices if NULL) that
 * was dirty when bsync was called, in ascending block order with
 * adjacent buffers clustered (b_prewrite hooks first), wait for writes
 * already in flight, then flush the device(s).
 * => The caller holds no busy buffer of DEV (bsync would wait for it).
 * => Returns the first error: a hook's (that buffer is postponed), a
 *    write's (the buffer stays dirty with B_ERROR), an earlier write
 *    error still standing, ENOMEM, or the flush's.
 */
int
bsync(struct blkdev *dev)
{
	struct bio_sel sel;
	uint64_t start = getmonotime_ns();
	unsigned ndone, nbusy, pass;
	uint64_t n;
	int error = 0, e;

	KASSERT(bufcache.bc_inited);
	/*
	 * Pass 0 writes what is not busy, retrying earlier failures once;
	 * later passes wait for one busy buffer and pick up what it (and
	 * others) left dirty, skipping buffers that failed meanwhile.
	 */
	for (pass = 0;; pass++) {
		mutex_enter(&bufcache.bc_lock);
		n = bio_ndirty(dev);
		mutex_exit(&bufcache.bc_lock);
		if (n == 0)
			break;
		sel = (struct bio_sel){
			.sel_dev = dev,
			.sel_maxtime = start,
			.sel_maxbytes = 0,
			.sel_maxbufs = (unsigned)MIN(n, 65536),
			.sel_skiperror = pass > 0,
			.sel_nohooks = false,
			.sel_countbusy = true,
		};
		e = bio_flushsel(&sel, &ndone, &nbusy);
		if (e != 0 && error == 0)
			error = e;
		/* Again only to wait for busy ones, or if some did not fit. */
		if (nbusy == 0 && (ndone < sel.sel_maxbufs ||
		    n <= sel.sel_maxbufs))
			break;
		if (e == ENOMEM && ndone == 0)
			break;
		if (nbusy > 0) {
			mutex_enter(&bufcache.bc_lock);
			bio_syncwait(dev, start);
			mutex_exit(&bufcache.bc_lock);
		}
	}
	mutex_enter(&bufcache.bc_lock);
	e = bio_syncerror(dev, start);
	mutex_exit(&bufcache.bc_lock);
	if (e != 0 && error == 0)
		error = e;
	if ((e = bio_flushdevs(dev)) != 0 && error == 0)
		error = e;
	return error;
}

/* ---- invalidation (unmount, device close) ---- */

/*
 * A busy buffer of DEV owned by an I/O in flight (IO) or by a thread
 * (!IO), or NULL; bc_lock held.
 */
static struct buf *
bio_findbusy(struct blkdev *dev, bool io)
{
	struct buf *bp;
	uint64_t i;
	bool inio;

	for (i = 0; i <= bufcache.bc_hashmask; i++) {
		for (bp = bufcache.bc_hash[i]; bp != NULL; bp = bp->b_hnext) {
			if (bp->b_dev != dev || !(bp->b_flags & B_BUSY))
				continue;
			inio = (bp->b_flags & (B_WRITING | B_READAHEAD)) != 0;
			if (inio == io)
				return bp;
		}
	}
	return NULL;
}

/* Wait until no I/O of DEV is in flight; bc_lock held (dropped meanwhile). */
static void
bio_waitio(struct blkdev *dev)
{
	struct buf *bp;

	while ((bp = bio_findbusy(dev, true)) != NULL)
		bio_wait(bp);
}

/*
 * Free DEV's buffers that are not busy: all if DISCARD, else the clean
 * ones; bc_lock held, no I/O of DEV in flight.  *NDIRTYP: dirty buffers
 * dropped (DISCARD) or kept.  True if a thread holds one of them.
 */
static bool
bio_dropdev(struct blkdev *dev, bool discard, unsigned *ndirtyp)
{
	struct buf *bp, *next;
	bool busy = false;
	uint64_t i;

	*ndirtyp = 0;
	for (i = 0; i <= bufcache.bc_hashmask; i++) {
		for (bp = bufcache.bc_hash[i]; bp != NULL; bp = next) {
			next = bp->b_hnext;
			if (bp->b_dev != dev)
				continue;
			KASSERT(!(bp->b_flags & (B_WRITING | B_READAHEAD)));
			if (bp->b_flags & B_BUSY) {
				busy = true;
				continue;
			}
			if (bp->b_flags & B_DELWRI) {
				(*ndirtyp)++;
				if (!discard)
					continue;
			}
			bio_destroy(bp);
		}
	}
	bio_devgc(dev);
	return busy;
}

/*
 * Drop every buffer of DEV; unless DISCARD, dirty ones are written first
 * (bsync) and kept if that fails.  Used at unmount.
 * => EBUSY if a thread holds one of DEV's buffers (checked first: then
 *    nothing is dropped), or if dirty buffers remain (pinned, or their
 *    write failed: that error is returned instead).  Waits for DEV's
 *    I/O in flight.
 */
int
binvalall(struct blkdev *dev, bool discard)
{
	unsigned ndirty;
	bool busy;
	int error = 0;

	if (!bufcache.bc_inited)
		return 0;
	mutex_enter(&bufcache.bc_lock);
	bio_waitio(dev);
	busy = bio_findbusy(dev, false) != NULL;
	mutex_exit(&bufcache.bc_lock);
	if (busy)
		return EBUSY;
	if (!discard)
		error = bsync(dev);
	mutex_enter(&bufcache.bc_lock);
	bio_waitio(dev);
	busy = bio_dropdev(dev, discard, &ndirty);
	mutex_exit(&bufcache.bc_lock);
	if (error == 0 && (busy || (!discard && ndirty > 0)))
		error = EBUSY;
	if (!discard && ndirty > 0)
		klog(KLOG_WARN, "bio: %s: %u dirty buffer(s) could not be "
		    "written and stay cached", dev->bd_name, ndirty);
	return error;
}

void
bio_devclose(struct blkdev *bd)
{
	unsigned ndirty;
	bool busy;

	if (!bufcache.bc_inited)
		return;
	mutex_enter(&bufcache.bc_lock);
	bio_waitio(bd);
	busy = bio_dropdev(bd, true, &ndirty);
	KASSERTMSG(!busy, "blkdev_close(%s): a buffer is still held",
	    bd->bd_name);
	mutex_exit(&bufcache.bc_lock);
	if (ndirty > 0)
		klog(KLOG_WARN, "bio: %s closed with %u dirty buffer(s); "
		    "their contents are lost", bd->bd_name, ndirty);
}

/* ---- the flusher thread ---- */

void
bufcache_set_flush_age_ms(unsigned ms)
{
	atomic_store_relaxed(&bflush_age_ms, ms);
}

void
bufcache_set_flush_interval_ms(unsigned ms)
{
	atomic_store_relaxed(&bflush_interval_ms, ms == 0 ? 1 : ms);
}

/* Write batches chosen by SEL until one comes back short. */
static void
bflush_batches(const struct bio_sel *sel)
{
	unsigned ndone, nbusy, i;

	for (i = 0; i < BFLUSH_MAXBATCHES; i++) {
		(void)bio_flushsel(sel, &ndone, &nbusy);
		if (ndone < sel->sel_maxbufs)
			break;
	}
}

/* One round: old buffers, then the oldest others if too much is dirty. */
static void
bflush_round(void)
{
	struct bio_sel sel = {
		.sel_dev = NULL,
		.sel_maxbytes = 0,
		.sel_maxbufs = BFLUSH_BATCH,
		.sel_skiperror = true,
		.sel_nohooks = false,
	};
	uint64_t now, age, dirty, max;

	now = getmonotime_ns();
	age = (uint64_t)atomic_load_relaxed(&bflush_age_ms) * 1000000;
	if (now > age) {
		sel.sel_maxtime = now - age;
		bflush_batches(&sel);
	}
	mutex_enter(&bufcache.bc_lock);
	dirty = bufcache.bc_st.bytes_dirty;
	mutex_exit(&bufcache.bc_lock);
	max = bufcache.bc_maxbytes;
	if (dirty > max / 3) {
		sel.sel_maxtime = UINT64_MAX;
		sel.sel_maxbytes = dirty - max / 4;
		(void)bio_flushsel(&sel, &(unsigned){ 0 }, &(unsigned){ 0 });
	}
}

static void
bflush_thread(void *arg)
{
	(void)arg;
	mutex_enter(&bufcache.bc_lock);
	while (!bufcache.bc_stopping) {
		(void)cv_timedwait_ms(&bufcache.bc_flushcv, &bufcache.bc_lock,
		    atomic_load_relaxed(&bflush_interval_ms));
		if (bufcache.bc_stopping)
			break;
		mutex_exit(&bufcache.bc_lock);
		bflush_round();
		mutex_enter(&bufcache.bc_lock);
	}
	mutex_exit(&bufcache.bc_lock);
}

int
bflush_start(void)
{
	bufcache.bc_stopping = false;
	return kthread_create(bflush_thread, NULL, "bflush",
	    &bufcache.bc_flusher);
}

void
bflush_stop(void)
{
	if (bufcache.bc_flusher == NULL)
		return;
	mutex_enter(&bufcache.bc_lock);
	bufcache.bc_stopping = true;
	cv_broadcast(&bufcache.bc_flushcv);
	mutex_exit(&bufcache.bc_lock);
	kthread_join(bufcache.bc_flusher);
	bufcache.bc_flusher = NULL;
}

void
bflush_kick(void)
{
	KASSERT(mutex_owned(&bufcache.bc_lock));
	cv_signal(&bufcache.bc_flushcv);
}
