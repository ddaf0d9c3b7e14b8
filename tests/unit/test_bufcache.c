/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_bufcache.c -- unit tests of the block device layer and the buffer
 * cache (vfs/vfs_blkdev.c, vfs/vfs_bio.c, vfs/vfs_bflush.c), below the
 * public API: hits and misses, LRU eviction and dirty write-back under a
 * byte bound, delayed writes and bsync (order, clustering), pinning,
 * prewrite hooks, read-ahead, window and read-only checks, injected I/O
 * faults, the flusher thread, and many threads on the same blocks.
 *
 * Devices are memory devices (inspected through hyp_bdev_membuf) except
 * one test that uses a temporary image file.  Each test sets the cache
 * up and shuts it down itself.
 *
 * Host headers are taken at plain POSIX level: with _GNU_SOURCE,
 * <sys/types.h> declares a daddr_t of its own that clashes with the
 * kernel's.
 */
#undef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <CUnit/Basic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "../../vfs/vfs_bio_internal.h"
#include "cunit_tap.h"

#define BS	4096U			/* test block size */
#define BLK(n)	((daddr_t)(n) * (BS / DEV_BSIZE))	/* block n's blkno */
#define KIB	1024U

/* ---- helpers ---- */

/* Fill BUF (LEN bytes) with a pattern derived from TAG. */
static void
fill(void *buf, size_t len, uint32_t tag)
{
	uint32_t *w = buf;
	size_t i;

	for (i = 0; i < len / 4; i++)
		w[i] = tag * 2654435761U + (uint32_t)i;
}

static bool
check(const void *buf, size_t len, uint32_t tag)
{
	const uint32_t *w = buf;
	size_t i;

	for (i = 0; i < len / 4; i++)
		if (w[i] != tag * 2654435761U + (uint32_t)i)
			return false;
	return true;
}

/* A memory device of NBLK test blocks, block n holding pattern n. */
static struct blkdev *
mkdev(unsigned nblk, bool rdonly)
{
	struct blkdev *bd = NULL;
	uint8_t *init;
	unsigned i;

	init = malloc((size_t)nblk * BS);
	CU_ASSERT_FATAL(init != NULL);
	for (i = 0; i < nblk; i++)
		fill(init + (size_t)i * BS, BS, i);
	CU_ASSERT_FATAL(blkdev_open_mem(init, (size_t)nblk * BS,
	    (uint64_t)nblk * BS, rdonly, &bd) == 0);
	free(init);
	return bd;
}

/* Device bytes of test block N. */
static uint8_t *
devblk(struct blkdev *bd, unsigned n)
{
	uint8_t *mem = hyp_bdev_membuf(bd->bd_hyp);

	CU_ASSERT_FATAL(mem != NULL);
	return mem + bd->bd_offset + (size_t)n * BS;
}

static struct bufstats
stats(void)
{
	struct bufstats st;

	bufcache_stats(&st);
	return st;
}

static void
setfault(const char *nth)
{
	if (nth != NULL)
		setenv("RUMP_FAULT_IO", nth, 1);
	else
		unsetenv("RUMP_FAULT_IO");
	hyp_fault_reload();
}

/* Does a dirty buffer overlap device bytes [OFF, OFF+LEN)? */
static bool
dirty_range(struct blkdev *bd, uint64_t off, uint64_t len)
{
	return bclean_prefix(bd, off, len) < len;
}

/* Dirty test block N with pattern TAG through the cache. */
static void
dirty(struct blkdev *bd, unsigned n, uint32_t tag)
{
	struct buf *bp;

	CU_ASSERT_FATAL(getblk(bd, BLK(n), BS, &bp) == 0);
	fill(bp->b_data, BS, tag);
	bdwrite(bp);
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		continue;
}

/*
 * Wait up to MS milliseconds for at most DIRTY bytes to be dirty.  Also
 * orders the flusher's device writes before our reads of the device
 * (bufcache_stats takes the cache mutex the flusher took after writing).
 */
static bool
wait_dirty(uint64_t dirty, unsigned ms)
{
	unsigned waited;

	for (waited = 0; stats().bytes_dirty > dirty; waited += 10) {
		if (waited >= ms)
			return false;
		sleep_ms(10);
	}
	return true;
}

static bool
wait_clean(unsigned ms)
{
	return wait_dirty(0, ms);
}

/* ---- basic caching ---- */

static void
test_hit_miss(void)
{
	struct blkdev *bd;
	struct buf *bp;
	struct bufstats st;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	CU_ASSERT_FATAL(bread(bd, BLK(3), BS, &bp) == 0);
	CU_ASSERT((bp->b_flags & (B_BUSY | B_DONE)) == (B_BUSY | B_DONE));
	brelse(bp);
	st = stats();
	CU_ASSERT(st.misses == 1 && st.hits == 0 && st.reads == 1);
	CU_ASSERT(incore(bd, BLK(3)));
	CU_ASSERT(!incore(bd, BLK(4)));
	CU_ASSERT_FATAL(bread(bd, BLK(3), BS, &bp) == 0);
	brelse(bp);
	CU_ASSERT_FATAL(bread(bd, BLK(3), BS, &bp) == 0);
	brelse(bp);
	st = stats();
	CU_ASSERT(st.misses == 1 && st.hits == 2 && st.reads == 1);
	CU_ASSERT(st.nbufs == 1 && st.bytes_cached == BS);
	CU_ASSERT(binvalall(bd, false) == 0);
	CU_ASSERT(stats().nbufs == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_roundtrip(void)
{
	struct blkdev *bd;
	struct buf *bp;
	unsigned i;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	for (i = 0; i < 16; i++) {
		CU_ASSERT_FATAL(bread(bd, BLK(i), BS, &bp) == 0);
		CU_ASSERT(check(bp->b_data, BS, i));
		fill(bp->b_data, BS, 1000 + i);
		CU_ASSERT(bwrite(bp) == 0);
		CU_ASSERT(check(devblk(bd, i), BS, 1000 + i));
	}
	CU_ASSERT(stats().bytes_dirty == 0);
	/* Dropped and read again from the device. */
	CU_ASSERT(binvalall(bd, true) == 0);
	for (i = 0; i < 16; i++) {
		CU_ASSERT_FATAL(bread(bd, BLK(i), BS, &bp) == 0);
		CU_ASSERT(check(bp->b_data, BS, 1000 + i));
		brelse(bp);
	}
	CU_ASSERT(stats().misses == 32);
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_getblk_noread(void)
{
	struct blkdev *bd;
	struct buf *bp;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	CU_ASSERT_FATAL(getblk(bd, BLK(5), BS, &bp) == 0);
	CU_ASSERT(!(bp->b_flags & B_DONE));
	CU_ASSERT(stats().reads == 0);
	fill(bp->b_data, BS, 555);
	brelse(bp);		/* valid now, clean */
	CU_ASSERT_FATAL(bread(bd, BLK(5), BS, &bp) == 0);
	CU_ASSERT(check(bp->b_data, BS, 555));
	CU_ASSERT(bp->b_flags & B_DONE);
	brelse(bp);
	CU_ASSERT(stats().reads == 0);
	CU_ASSERT(check(devblk(bd, 5), BS, 5));	/* never written */
	CU_ASSERT(binvalall(bd, true) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

/* ---- the bound ---- */

static void
test_eviction_lru(void)
{
	struct blkdev *bd;
	struct buf *bp;
	struct bufstats st;
	unsigned i;

	CU_ASSERT_FATAL(bufcache_init(8 * BS) == 0);
	bd = mkdev(32, false);
	for (i = 0; i < 8; i++) {
		CU_ASSERT_FATAL(bread(bd, BLK(i), BS, &bp) == 0);
		brelse(bp);
	}
	CU_ASSERT(stats().evictions == 0);
	/* Use 0 and 1 again: 2 is now the least recently used. */
	CU_ASSERT_FATAL(bread(bd, BLK(0), BS, &bp) == 0);
	brelse(bp);
	CU_ASSERT_FATAL(bread(bd, BLK(1), BS, &bp) == 0);
	brelse(bp);
	CU_ASSERT_FATAL(bread(bd, BLK(8), BS, &bp) == 0);
	CU_ASSERT(check(bp->b_data, BS, 8));
	brelse(bp);
	CU_ASSERT_FATAL(bread(bd, BLK(9), BS, &bp) == 0);
	brelse(bp);
	st = stats();
	CU_ASSERT(st.evictions == 2);
	CU_ASSERT(st.bytes_cached <= 8 * BS && st.nbufs == 8);
	CU_ASSERT(incore(bd, BLK(0)) && incore(bd, BLK(1)));
	CU_ASSERT(!incore(bd, BLK(2)) && !incore(bd, BLK(3)));
	CU_ASSERT(incore(bd, BLK(4)) && incore(bd, BLK(9)));
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_eviction_writeback(void)
{
	struct blkdev *bd;
	struct buf *bp, *held[21];
	struct bufstats st;
	unsigned i;

	/*
	 * 9 dirty buffers (less than a third: the flusher stays asleep)
	 * and 21 held ones fill a 30-buffer cache: no clean buffer to
	 * evict, so room comes from writing the old dirty ones back.
	 */
	CU_ASSERT_FATAL(bufcache_init(30 * BS) == 0);
	bd = mkdev(64, false);
	for (i = 0; i < 9; i++)
		dirty(bd, i, 100 + i);
	for (i = 0; i < 21; i++)
		CU_ASSERT_FATAL(bread(bd, BLK(10 + i), BS, &held[i]) == 0);
	st = stats();
	CU_ASSERT(st.bytes_dirty == 9 * BS && st.writes == 0);
	CU_ASSERT(st.bytes_cached == 30 * BS);
	CU_ASSERT_FATAL(bread(bd, BLK(40), BS, &bp) == 0);
	CU_ASSERT(check(bp->b_data, BS, 40));
	brelse(bp);
	st = stats();
	CU_ASSERT(st.writes == 1 && st.clustered_writes == 1);
	CU_ASSERT(st.bytes_dirty == 0);
	CU_ASSERT(st.bytes_cached <= 30 * BS);
	CU_ASSERT(st.evictions == 1);
	CU_ASSERT(!incore(bd, BLK(0)) && incore(bd, BLK(1)));
	for (i = 0; i < 9; i++)
		CU_ASSERT(check(devblk(bd, i), BS, 100 + i));
	for (i = 0; i < 21; i++)
		brelse(held[i]);
	/* Nothing lost: every block reads back as written. */
	for (i = 0; i < 9; i++) {
		CU_ASSERT_FATAL(bread(bd, BLK(i), BS, &bp) == 0);
		CU_ASSERT(check(bp->b_data, BS, 100 + i));
		brelse(bp);
	}
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_overshoot(void)
{
	struct blkdev *bd;
	struct buf *bp[6];
	unsigned i;

	CU_ASSERT_FATAL(bufcache_init(4 * BS) == 0);
	bd = mkdev(16, false);
	/* Six busy buffers in a four-buffer cache: grow, do not block. */
	for (i = 0; i < 6; i++)
		CU_ASSERT_FATAL(bread(bd, BLK(i), BS, &bp[i]) == 0);
	CU_ASSERT(stats().bytes_cached == 6 * BS);
	for (i = 0; i < 6; i++)
		brelse(bp[i]);
	CU_ASSERT(stats().bytes_cached <= 4 * BS);
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

/* ---- delayed writes, bsync, ordering ---- */

static void
test_bdwrite_bsync(void)
{
	struct blkdev *bd;
	struct buf *bp;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	CU_ASSERT_FATAL(bread(bd, BLK(2), BS, &bp) == 0);
	fill(bp->b_data, BS, 222);
	bdwrite(bp);
	CU_ASSERT(stats().bytes_dirty == BS);
	CU_ASSERT(check(devblk(bd, 2), BS, 2));		/* not yet */
	CU_ASSERT(dirty_range(bd, 2 * BS, 1));
	CU_ASSERT(dirty_range(bd, 0, 2 * BS + 1));
	CU_ASSERT(!dirty_range(bd, 0, 2 * BS));
	CU_ASSERT(!dirty_range(bd, 3 * BS, BS));
	/* A hit sees the dirty contents. */
	CU_ASSERT_FATAL(bread(bd, BLK(2), BS, &bp) == 0);
	CU_ASSERT(check(bp->b_data, BS, 222));
	CU_ASSERT(bp->b_flags & B_DELWRI);
	brelse(bp);
	CU_ASSERT(bsync(bd) == 0);
	CU_ASSERT(check(devblk(bd, 2), BS, 222));
	CU_ASSERT(stats().bytes_dirty == 0);
	CU_ASSERT(!dirty_range(bd, 0, 16 * BS));
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static daddr_t hook_order[64];
static unsigned hook_n;
static int hook_ret;
static struct blkdev *hook_dev;
static bool hook_saw_old;

/* Records the order; checks that the device does not have BP yet. */
static int
prewrite_hook(struct buf *bp)
{
	unsigned n = (unsigned)(bp->b_blkno / BLK(1));

	if (hook_n < 64)
		hook_order[hook_n++] = bp->b_blkno;
	if (hook_dev != NULL && !check(devblk(hook_dev, n), BS, n))
		hook_saw_old = false;
	return hook_ret;
}

static void
test_bsync_order_cluster(void)
{
	static const unsigned order[] = { 5, 1, 12, 3, 2, 4, 10 };
	struct blkdev *bd;
	struct buf *bp;
	struct bufstats st0, st;
	unsigned i;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	hook_n = 0;
	hook_ret = 0;
	hook_dev = bd;
	hook_saw_old = true;
	for (i = 0; i < __arraycount(order); i++) {
		CU_ASSERT_FATAL(getblk(bd, BLK(order[i]), BS, &bp) == 0);
		fill(bp->b_data, BS, 300 + order[i]);
		bp->b_prewrite = prewrite_hook;
		bdwrite(bp);
	}
	st0 = stats();
	CU_ASSERT(bsync(bd) == 0);
	st = stats();
	/* Hooks ran in ascending order, each before its block's write. */
	CU_ASSERT(hook_n == 7);
	for (i = 1; i < hook_n; i++)
		CU_ASSERT(hook_order[i - 1] < hook_order[i]);
	CU_ASSERT(hook_saw_old);
	/* 1..5 in one write, 10 and 12 apart: three writes, one cluster. */
	CU_ASSERT(st.writes - st0.writes == 3);
	CU_ASSERT(st.clustered_writes - st0.clustered_writes == 1);
	for (i = 0; i < __arraycount(order); i++)
		CU_ASSERT(check(devblk(bd, order[i]), BS, 300 + order[i]));
	CU_ASSERT(st.bytes_dirty == 0);
	hook_dev = NULL;
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

/* bc_nhooked under the cache lock. */
static uint64_t
nhooked(void)
{
	uint64_t n;

	mutex_enter(&bufcache.bc_lock);
	n = bufcache.bc_nhooked;
	mutex_exit(&bufcache.bc_lock);
	return n;
}

/* The count of dirty hooked buffers follows the owner's changes. */
static void
test_hook_count(void)
{
	struct blkdev *bd;
	struct buf *bp;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	hook_n = 0;
	hook_ret = 0;
	hook_dev = NULL;
	dirty(bd, 1, 101);			/* no hook */
	CU_ASSERT(nhooked() == 0);
	CU_ASSERT_FATAL(getblk(bd, BLK(2), BS, &bp) == 0);
	fill(bp->b_data, BS, 102);
	bp->b_prewrite = prewrite_hook;
	bdwrite(bp);
	CU_ASSERT(nhooked() == 1);
	/* Taken again, the hook cleared: no longer counted. */
	CU_ASSERT_FATAL(getblk(bd, BLK(2), BS, &bp) == 0);
	CU_ASSERT(nhooked() == 1);		/* busy: counted till released */
	bp->b_prewrite = NULL;
	bdwrite(bp);
	CU_ASSERT(nhooked() == 0);
	/* A hook set on an already dirty buffer counts at its release. */
	CU_ASSERT_FATAL(getblk(bd, BLK(1), BS, &bp) == 0);
	bp->b_prewrite = prewrite_hook;
	brelse(bp);
	CU_ASSERT(nhooked() == 1);
	CU_ASSERT(bsync(bd) == 0);		/* written: clean, uncounted */
	CU_ASSERT(hook_n == 1);
	CU_ASSERT(nhooked() == 0);
	CU_ASSERT(check(devblk(bd, 1), BS, 101));
	CU_ASSERT(check(devblk(bd, 2), BS, 102));
	/* Dropped while dirty and hooked. */
	CU_ASSERT_FATAL(getblk(bd, BLK(3), BS, &bp) == 0);
	bp->b_prewrite = prewrite_hook;
	bdwrite(bp);
	CU_ASSERT(nhooked() == 1);
	CU_ASSERT(binvalall(bd, true) == 0);
	CU_ASSERT(nhooked() == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

/*
 * bclean_prefix with more dirty buffers than it walks: exact where a
 * dirty buffer is near, a shorter (never longer) prefix where the only
 * dirty ones are beyond its search.
 */
static void
test_clean_prefix(void)
{
	const unsigned nblk = 1024;
	struct blkdev *bd;
	uint64_t n;
	unsigned i;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(nblk, false);
	/* 300 dirty blocks: 0-99 and 700-899. */
	for (i = 0; i < 100; i++)
		dirty(bd, i, 1000 + i);
	for (i = 700; i < 900; i++)
		dirty(bd, i, 1000 + i);
	CU_ASSERT(bclean_prefix(bd, 0, BS) == 0);
	CU_ASSERT(bclean_prefix(bd, 99 * BS + 100, BS) == 0);
	CU_ASSERT(bclean_prefix(bd, 100 * BS, BS) == BS);
	/* Block 700 is within reach from 500: exact. */
	CU_ASSERT(bclean_prefix(bd, 500 * BS, 300 * BS) == 200 * BS);
	CU_ASSERT(bclean_prefix(bd, 500 * BS + 1, 300 * BS) ==
	    200 * BS - 1);
	/* From 100 to 700 is past the search: a clean prefix, shorter. */
	n = bclean_prefix(bd, 100 * BS, 650 * BS);
	CU_ASSERT(n > 0 && n < 600 * BS && n % BS == 0);
	/* Clean to the end. */
	CU_ASSERT(bclean_prefix(bd, 900 * BS, 124 * BS) == 124 * BS);
	CU_ASSERT(bsync(bd) == 0);
	CU_ASSERT(bclean_prefix(bd, 0, (uint64_t)nblk * BS) ==
	    (uint64_t)nblk * BS);
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_prewrite_postpone(void)
{
	struct blkdev *bd;
	struct buf *bp;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	hook_n = 0;
	hook_ret = EAGAIN;
	hook_dev = NULL;
	CU_ASSERT_FATAL(bread(bd, BLK(7), BS, &bp) == 0);
	fill(bp->b_data, BS, 777);
	bp->b_prewrite = prewrite_hook;
	CU_ASSERT(bwrite(bp) == EAGAIN);	/* postponed */
	CU_ASSERT(hook_n == 1);
	CU_ASSERT(check(devblk(bd, 7), BS, 7));
	CU_ASSERT(stats().bytes_dirty == BS);
	CU_ASSERT(bsync(bd) == EAGAIN);
	CU_ASSERT(hook_n == 2);
	CU_ASSERT(check(devblk(bd, 7), BS, 7));
	hook_ret = 0;
	CU_ASSERT(bsync(bd) == 0);
	CU_ASSERT(hook_n == 3);
	CU_ASSERT(check(devblk(bd, 7), BS, 777));
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_pinned(void)
{
	struct blkdev *bd;
	struct buf *bp;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bufcache_set_flush_age_ms(0);
	bufcache_set_flush_interval_ms(50);
	bd = mkdev(16, false);
	CU_ASSERT_FATAL(bread(bd, BLK(4), BS, &bp) == 0);
	fill(bp->b_data, BS, 444);
	bpin(bp);
	CU_ASSERT(bp->b_flags & B_PINNED);
	bdwrite(bp);
	CU_ASSERT(bsync(bd) == 0);
	sleep_ms(300);			/* several flusher rounds */
	CU_ASSERT(check(devblk(bd, 4), BS, 4));
	CU_ASSERT(dirty_range(bd, 4 * BS, BS));
	CU_ASSERT(binvalall(bd, false) == EBUSY);	/* kept, not lost */
	CU_ASSERT(incore(bd, BLK(4)));
	bunpin(bd, BLK(4));
	CU_ASSERT(bsync(bd) == 0);
	CU_ASSERT(check(devblk(bd, 4), BS, 444));
	CU_ASSERT(!dirty_range(bd, 4 * BS, BS));
	/* The flusher also leaves a pinned buffer alone, then writes it. */
	CU_ASSERT_FATAL(bread(bd, BLK(6), BS, &bp) == 0);
	fill(bp->b_data, BS, 666);
	bpin(bp);
	bdwrite(bp);
	sleep_ms(300);
	CU_ASSERT(check(devblk(bd, 6), BS, 6));
	bunpin(bd, BLK(6));
	CU_ASSERT(wait_clean(5000));
	CU_ASSERT(check(devblk(bd, 6), BS, 666));
	bufcache_set_flush_age_ms(5000);
	bufcache_set_flush_interval_ms(1000);
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_flusher(void)
{
	struct blkdev *bd;
	unsigned waited;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bufcache_set_flush_age_ms(200);
	bufcache_set_flush_interval_ms(50);
	bd = mkdev(16, false);
	dirty(bd, 1, 11);
	dirty(bd, 2, 12);
	dirty(bd, 3, 13);
	dirty(bd, 9, 19);
	sleep_ms(50);
	CU_ASSERT(check(devblk(bd, 1), BS, 1));	/* too young yet */
	for (waited = 0; waited < 5000 && stats().bytes_dirty != 0;
	    waited += 10)
		sleep_ms(10);
	CU_ASSERT(stats().bytes_dirty == 0);
	CU_ASSERT(waited >= 100);
	CU_ASSERT(check(devblk(bd, 1), BS, 11));
	CU_ASSERT(check(devblk(bd, 3), BS, 13));
	CU_ASSERT(check(devblk(bd, 9), BS, 19));
	CU_ASSERT(stats().clustered_writes >= 1);
	bufcache_set_flush_age_ms(5000);
	bufcache_set_flush_interval_ms(1000);
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_flusher_too_dirty(void)
{
	struct blkdev *bd;
	unsigned i;

	/* More than a third of the cache dirty: written though young. */
	CU_ASSERT_FATAL(bufcache_init(12 * BS) == 0);
	bufcache_set_flush_interval_ms(50);
	bd = mkdev(16, false);
	for (i = 0; i < 6; i++)
		dirty(bd, i, 600 + i);
	/* A third at most, oldest first; the age (5 s) played no part. */
	CU_ASSERT(wait_dirty(4 * BS, 5000));
	CU_ASSERT(check(devblk(bd, 0), BS, 600));
	CU_ASSERT(check(devblk(bd, 1), BS, 601));
	bufcache_set_flush_interval_ms(1000);
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_bawrite(void)
{
	struct blkdev *bd;
	struct buf *bp;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	CU_ASSERT_FATAL(bread(bd, BLK(8), BS, &bp) == 0);
	fill(bp->b_data, BS, 888);
	bawrite(bp);
	/* Asking for it waits for the write to finish. */
	CU_ASSERT_FATAL(bread(bd, BLK(8), BS, &bp) == 0);
	CU_ASSERT(!(bp->b_flags & (B_DELWRI | B_ASYNC)));
	CU_ASSERT(check(bp->b_data, BS, 888));
	brelse(bp);
	CU_ASSERT(check(devblk(bd, 8), BS, 888));
	CU_ASSERT(stats().writes == 1);
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_size_change(void)
{
	struct blkdev *bd;
	struct buf *bp;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	dirty(bd, 0, 50);
	/* Same blkno, twice the size: the old one is written first. */
	CU_ASSERT_FATAL(bread(bd, BLK(0), 2 * BS, &bp) == 0);
	CU_ASSERT(check(devblk(bd, 0), BS, 50));
	CU_ASSERT(check(bp->b_data, BS, 50));
	CU_ASSERT(check((uint8_t *)bp->b_data + BS, BS, 1));
	CU_ASSERT(bp->b_bcount == 2 * BS);
	brelse(bp);
	CU_ASSERT(stats().nbufs == 1 && stats().bytes_cached == 2 * BS);
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_binvalall(void)
{
	struct blkdev *bd;
	struct buf *bp, *bp2;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	dirty(bd, 1, 91);
	CU_ASSERT_FATAL(bread(bd, BLK(2), BS, &bp) == 0);
	CU_ASSERT(binvalall(bd, false) == EBUSY);	/* bp is held */
	CU_ASSERT(stats().nbufs == 2 && stats().bytes_dirty == BS);
	brelse(bp);
	CU_ASSERT(binvalall(bd, false) == 0);
	CU_ASSERT(check(devblk(bd, 1), BS, 91));
	CU_ASSERT(stats().nbufs == 0);
	/* DISCARD drops dirty contents. */
	dirty(bd, 3, 93);
	CU_ASSERT(binvalall(bd, true) == 0);
	CU_ASSERT(check(devblk(bd, 3), BS, 3));
	CU_ASSERT(stats().nbufs == 0 && stats().bytes_dirty == 0);
	/* binval drops one dirty buffer. */
	dirty(bd, 4, 94);
	CU_ASSERT_FATAL(bread(bd, BLK(4), BS, &bp) == 0);
	CU_ASSERT_FATAL(bread(bd, BLK(5), BS, &bp2) == 0);
	binval(bp);
	bp2->b_flags |= B_INVAL;
	brelse(bp2);
	CU_ASSERT(!incore(bd, BLK(4)) && !incore(bd, BLK(5)));
	CU_ASSERT(stats().bytes_dirty == 0);
	CU_ASSERT(check(devblk(bd, 4), BS, 4));
	blkdev_close(bd);
	bufcache_shutdown();
}

/* ---- read-ahead ---- */

static void
test_readahead(void)
{
	static const daddr_t ra[] = { BLK(1), BLK(2), BLK(3), BLK(9) };
	static const uint32_t rasz[] = { BS, BS, BS, BS };
	struct blkdev *bd;
	struct buf *bp;
	struct bufstats st;
	unsigned i;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	CU_ASSERT_FATAL(breadn(bd, BLK(0), BS, ra, rasz, 4, &bp) == 0);
	CU_ASSERT(check(bp->b_data, BS, 0));
	brelse(bp);
	st = stats();
	CU_ASSERT(st.readaheads == 4 && st.misses == 1);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_FATAL(bread(bd, ra[i], BS, &bp) == 0);
		CU_ASSERT(check(bp->b_data, BS, (unsigned)(ra[i] / BLK(1))));
		CU_ASSERT(!(bp->b_flags & B_READAHEAD));
		brelse(bp);
	}
	st = stats();
	CU_ASSERT(st.hits == 4 && st.misses == 1);
	/* One synchronous read, 1..3 in one transfer, 9 in another. */
	CU_ASSERT(st.reads == 3);
	/* Cached blocks and bad ones are not read ahead. */
	{
		static const daddr_t ra2[] = { BLK(2), BLK(100), -8 };
		static const uint32_t rasz2[] = { BS, BS, BS };

		CU_ASSERT_FATAL(breadn(bd, BLK(0), BS, ra2, rasz2, 3,
		    &bp) == 0);
		brelse(bp);
		CU_ASSERT(stats().readaheads == 4);
	}
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

/* ---- device checks ---- */

static void
test_window(void)
{
	struct blkdev *bd;
	struct buf *bp = (struct buf *)1;
	uint8_t buf[BS];

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	CU_ASSERT(blkdev_setwindow(bd, 4 * BS, 13 * BS) == EINVAL);
	CU_ASSERT(blkdev_setwindow(bd, 4 * BS, 0) == EINVAL);
	CU_ASSERT_FATAL(blkdev_setwindow(bd, 4 * BS, 4 * BS) == 0);
	CU_ASSERT(bd->bd_size == 4 * BS);
	/* Block 0 of the window is device block 4. */
	CU_ASSERT_FATAL(bread(bd, BLK(0), BS, &bp) == 0);
	CU_ASSERT(check(bp->b_data, BS, 4));
	brelse(bp);
	CU_ASSERT_FATAL(bread(bd, BLK(3), BS, &bp) == 0);
	CU_ASSERT(check(bp->b_data, BS, 7));
	brelse(bp);
	/* Outside, however it is spelled: EIO, nothing cached. */
	CU_ASSERT(bread(bd, BLK(4), BS, &bp) == EIO && bp == NULL);
	CU_ASSERT(bread(bd, BLK(3) + 1, BS, &bp) == EIO);
	CU_ASSERT(bread(bd, -1, BS, &bp) == EIO);
	CU_ASSERT(bread(bd, INT64_MAX, BS, &bp) == EIO);
	CU_ASSERT(bread(bd, INT64_MAX / DEV_BSIZE + 1, BS, &bp) == EIO);
	CU_ASSERT(getblk(bd, BLK(1000), BS, &bp) == EIO);
	CU_ASSERT(bread(bd, BLK(0), 0, &bp) == EINVAL);
	CU_ASSERT(stats().nbufs == 2);
	CU_ASSERT(blkdev_read(bd, buf, BS, 4 * BS) == EIO);
	CU_ASSERT(blkdev_read(bd, buf, 2, 4 * BS - 1) == EIO);
	CU_ASSERT(blkdev_read(bd, buf, BS, UINT64_MAX - 10) == EIO);
	CU_ASSERT(blkdev_write(bd, buf, BS, 4 * BS) == EIO);
	CU_ASSERT(blkdev_read(bd, buf, BS, 3 * BS) == 0);
	CU_ASSERT(check(buf, BS, 7));
	fill(buf, BS, 4444);
	CU_ASSERT(blkdev_write(bd, buf, BS, 0) == 0);
	CU_ASSERT(check(devblk(bd, 0), BS, 4444));	/* window-relative */
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_rdonly(void)
{
	struct blkdev *bd;
	struct buf *bp;
	uint8_t buf[BS];
	int fd;
	uint64_t off;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, true);
	CU_ASSERT(bd->bd_rdonly);
	CU_ASSERT(blkdev_write(bd, buf, BS, 0) == EROFS);
	CU_ASSERT(blkdev_flush(bd) == 0);
	CU_ASSERT_FATAL(bread(bd, BLK(1), BS, &bp) == 0);
	CU_ASSERT(check(bp->b_data, BS, 1));
	fill(bp->b_data, BS, 1111);
	CU_ASSERT(bwrite(bp) == EROFS);
	/* The failed write keeps the data dirty, with the error. */
	CU_ASSERT_FATAL(bread(bd, BLK(1), BS, &bp) == 0);
	CU_ASSERT((bp->b_flags & (B_DELWRI | B_ERROR)) ==
	    (B_DELWRI | B_ERROR));
	CU_ASSERT(bp->b_error == EROFS);
	brelse(bp);
	CU_ASSERT(bsync(bd) == EROFS);
	CU_ASSERT(check(devblk(bd, 1), BS, 1));
	CU_ASSERT(blkdev_hostfd(bd, 0, &fd, &off) == EOPNOTSUPP);
	CU_ASSERT(binvalall(bd, true) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_fault_read(void)
{
	struct blkdev *bd;
	struct buf *bp = (struct buf *)1;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	setfault("1");
	CU_ASSERT(bread(bd, BLK(2), BS, &bp) == EIO);
	CU_ASSERT(bp == NULL);
	CU_ASSERT(!incore(bd, BLK(2)));
	CU_ASSERT(stats().nbufs == 0 && stats().bytes_cached == 0);
	setfault(NULL);
	CU_ASSERT_FATAL(bread(bd, BLK(2), BS, &bp) == 0);
	CU_ASSERT(check(bp->b_data, BS, 2));
	brelse(bp);
	/* A failed read-ahead is dropped; the block is read on demand. */
	{
		static const daddr_t ra[] = { BLK(5) };
		static const uint32_t rasz[] = { BS };

		setfault("1");
		CU_ASSERT_FATAL(breadn(bd, BLK(2), BS, ra, rasz, 1,
		    &bp) == 0);
		brelse(bp);
		CU_ASSERT_FATAL(bread(bd, BLK(5), BS, &bp) == 0);
		CU_ASSERT(check(bp->b_data, BS, 5));
		brelse(bp);
		setfault(NULL);
	}
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_fault_write(void)
{
	struct blkdev *bd;
	struct buf *bp;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	bd = mkdev(16, false);
	dirty(bd, 6, 66);
	dirty(bd, 7, 67);
	setfault("1");
	CU_ASSERT(bsync(bd) == EIO);
	setfault(NULL);
	/* Nothing lost: still dirty, marked, and readable from the cache. */
	CU_ASSERT(stats().bytes_dirty == 2 * BS);
	CU_ASSERT(dirty_range(bd, 6 * BS, 2 * BS));
	CU_ASSERT(check(devblk(bd, 6), BS, 6));
	CU_ASSERT_FATAL(bread(bd, BLK(6), BS, &bp) == 0);
	CU_ASSERT(check(bp->b_data, BS, 66));
	CU_ASSERT(bp->b_flags & B_ERROR);
	CU_ASSERT(bp->b_error == EIO);
	brelse(bp);
	/* bwrite reports its own failure the same way. */
	CU_ASSERT_FATAL(bread(bd, BLK(9), BS, &bp) == 0);
	fill(bp->b_data, BS, 69);
	setfault("1");
	CU_ASSERT(bwrite(bp) == EIO);
	setfault(NULL);
	CU_ASSERT(stats().bytes_dirty == 3 * BS);
	/* Unmount refuses to drop them while they cannot be written. */
	setfault("1");
	setenv("RUMP_FAULT_IO_REPEAT", "1", 1);
	hyp_fault_reload();
	CU_ASSERT(binvalall(bd, false) == EIO);
	unsetenv("RUMP_FAULT_IO_REPEAT");
	setfault(NULL);
	CU_ASSERT(stats().bytes_dirty == 3 * BS);
	/* The device recovers: the next bsync writes them all. */
	CU_ASSERT(bsync(bd) == 0);
	CU_ASSERT(stats().bytes_dirty == 0);
	CU_ASSERT(check(devblk(bd, 6), BS, 66));
	CU_ASSERT(check(devblk(bd, 7), BS, 67));
	CU_ASSERT(check(devblk(bd, 9), BS, 69));
	CU_ASSERT_FATAL(bread(bd, BLK(6), BS, &bp) == 0);
	CU_ASSERT(!(bp->b_flags & B_ERROR) && bp->b_error == 0);
	brelse(bp);
	CU_ASSERT(binvalall(bd, false) == 0);
	blkdev_close(bd);
	bufcache_shutdown();
}

static void
test_file_device(void)
{
	char path[] = "/tmp/test_bufcache.XXXXXX";
	struct blkdev *bd;
	struct buf *bp;
	uint8_t blk[BS];
	uint64_t hostoff;
	FILE *f;
	int fd, hfd;
	unsigned i;

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	for (i = 0; i < 64; i++) {
		fill(blk, BS, i);
		CU_ASSERT_FATAL(write(fd, blk, BS) == (ssize_t)BS);
	}
	close(fd);
	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	CU_ASSERT_FATAL(blkdev_open(path, false, &bd) == 0);
	CU_ASSERT(bd->bd_size == 64 * BS && !bd->bd_rdonly);
	CU_ASSERT(bd->bd_secsize == 512);
	CU_ASSERT(hyp_bdev_membuf(bd->bd_hyp) == NULL);
	CU_ASSERT_FATAL(bread(bd, BLK(10), BS, &bp) == 0);
	CU_ASSERT(check(bp->b_data, BS, 10));
	fill(bp->b_data, BS, 1010);
	bdwrite(bp);
	dirty(bd, 11, 1011);
	CU_ASSERT(bsync(bd) == 0);
	CU_ASSERT(bread(bd, BLK(64), BS, &bp) == EIO);
	CU_ASSERT(blkdev_hostfd(bd, 5 * BS, &hfd, &hostoff) == 0);
	CU_ASSERT(hfd >= 0 && hostoff == 5 * BS);
	CU_ASSERT(binvalall(bd, false) == 0);
	CU_ASSERT(blkdev_setwindow(bd, 8 * BS, 8 * BS) == 0);
	CU_ASSERT(blkdev_hostfd(bd, BS, &hfd, &hostoff) == 0);
	CU_ASSERT(hostoff == 9 * BS);
	CU_ASSERT(blkdev_hostfd(bd, 8 * BS, &hfd, &hostoff) == EIO);
	blkdev_close(bd);
	bufcache_shutdown();
	f = fopen(path, "rb");
	CU_ASSERT_FATAL(f != NULL);
	for (i = 0; i < 64; i++) {
		CU_ASSERT_FATAL(fread(blk, 1, BS, f) == BS);
		CU_ASSERT(check(blk, BS, i == 10 ? 1010 : i == 11 ? 1011 : i));
	}
	fclose(f);
	unlink(path);
	CU_ASSERT(blkdev_open("/nonexistent/image", true, &bd) == ENOENT);
}

/* ---- many threads ---- */

#define CT_THREADS	8
#define CT_BLOCKS	256
#define CT_SECONDS	2

static struct blkdev *ct_dev;
static uint32_t ct_version[CT_BLOCKS];	/* written by the owner only */
static bool ct_stop;			/* atomic */
static unsigned ct_errors;		/* atomic */
static unsigned ct_ops;			/* atomic */

/* Block N's contents at version V: a header, then a pattern. */
static void
ct_fill(void *data, unsigned n, uint32_t v)
{
	uint32_t *w = data;

	fill(data, BS, n * 7919 + v);
	w[0] = n;
	w[1] = v;
}

static bool
ct_check(const void *data, unsigned n, uint32_t *vp)
{
	const uint32_t *w = data;
	uint32_t v = w[1];
	uint32_t tag = n * 7919 + v;
	unsigned i;

	if (w[0] != n)
		return false;
	for (i = 2; i < BS / 4; i++)
		if (w[i] != tag * 2654435761U + i)
			return false;
	*vp = v;
	return true;
}

static void
ct_error(void)
{
	__atomic_add_fetch(&ct_errors, 1, __ATOMIC_RELAXED);
}

static void *
ct_thread(void *arg)
{
	unsigned tid = (unsigned)(uintptr_t)arg;
	unsigned seed = tid * 7 + 1;
	struct buf *bp;
	uint32_t v;
	unsigned n, op;
	int error;

	while (!__atomic_load_n(&ct_stop, __ATOMIC_RELAXED)) {
		seed = seed * 1103515245U + 12345U;
		op = (seed >> 16) % 100;
		seed = seed * 1103515245U + 12345U;
		n = (seed >> 16) % CT_BLOCKS;
		__atomic_add_fetch(&ct_ops, 1, __ATOMIC_RELAXED);
		if (op < 45) {			/* read any block */
			if (bread(ct_dev, BLK(n), BS, &bp) != 0) {
				ct_error();
				continue;
			}
			if (!ct_check(bp->b_data, n, &v))
				ct_error();
			brelse(bp);
		} else if (op < 55) {		/* read with read-ahead */
			daddr_t ra[2] = { BLK((n + 1) % CT_BLOCKS),
			    BLK((n + 2) % CT_BLOCKS) };
			uint32_t rasz[2] = { BS, BS };

			if (breadn(ct_dev, BLK(n), BS, ra, rasz, 2, &bp) != 0) {
				ct_error();
				continue;
			}
			if (!ct_check(bp->b_data, n, &v))
				ct_error();
			brelse(bp);
		} else if (op < 99) {		/* update an own block */
			n = n - n % CT_THREADS + tid;
			if (bread(ct_dev, BLK(n), BS, &bp) != 0) {
				ct_error();
				continue;
			}
			if (!ct_check(bp->b_data, n, &v) ||
			    v != ct_version[n])
				ct_error();
			ct_version[n]++;
			ct_fill(bp->b_data, n, ct_version[n]);
			if (op < 90)
				bdwrite(bp);
			else if (op < 95)
				bawrite(bp);
			else if ((error = bwrite(bp)) != 0)
				ct_error();
		} else if (bsync(ct_dev) != 0)
			ct_error();
	}
	return NULL;
}

static void
test_concurrency(void)
{
	pthread_t th[CT_THREADS];
	uint8_t *init;
	unsigned i;
	uint32_t v;

	CU_ASSERT_FATAL(bufcache_init(32 * BS) == 0);
	bufcache_set_flush_age_ms(100);
	bufcache_set_flush_interval_ms(20);
	init = malloc(CT_BLOCKS * BS);
	CU_ASSERT_FATAL(init != NULL);
	for (i = 0; i < CT_BLOCKS; i++)
		ct_fill(init + i * BS, i, 0);
	CU_ASSERT_FATAL(blkdev_open_mem(init, CT_BLOCKS * BS,
	    CT_BLOCKS * BS, false, &ct_dev) == 0);
	free(init);
	memset(ct_version, 0, sizeof(ct_version));
	ct_stop = false;
	ct_errors = 0;
	ct_ops = 0;
	for (i = 0; i < CT_THREADS; i++)
		CU_ASSERT_FATAL(pthread_create(&th[i], NULL, ct_thread,
		    (void *)(uintptr_t)i) == 0);
	sleep(CT_SECONDS);
	__atomic_store_n(&ct_stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < CT_THREADS; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT(ct_errors == 0);
	CU_ASSERT(ct_ops > 1000);
	CU_ASSERT(bsync(ct_dev) == 0);
	CU_ASSERT(stats().bytes_dirty == 0);
	CU_ASSERT(stats().bytes_cached <= 32 * BS);
	for (i = 0; i < CT_BLOCKS; i++) {
		CU_ASSERT(ct_check(devblk(ct_dev, i), i, &v) &&
		    v == ct_version[i]);
	}
	printf("# concurrency: %u operations, %llu evictions, %llu "
	    "clustered writes\n", ct_ops,
	    (unsigned long long)stats().evictions,
	    (unsigned long long)stats().clustered_writes);
	bufcache_set_flush_age_ms(5000);
	bufcache_set_flush_interval_ms(1000);
	CU_ASSERT(binvalall(ct_dev, false) == 0);
	blkdev_close(ct_dev);
	bufcache_shutdown();
}

static void
test_init_shutdown(void)
{
	struct blkdev *bd;

	CU_ASSERT_FATAL(bufcache_init(0) == 0);
	CU_ASSERT(bufcache_init(0) == EBUSY);
	bd = mkdev(4, false);
	dirty(bd, 1, 1);
	/* A device closed with buffers cached drops them (logged). */
	blkdev_close(bd);
	CU_ASSERT(stats().nbufs == 0 && stats().bytes_dirty == 0);
	bufcache_shutdown();
	bufcache_shutdown();		/* harmless */
}

int
main(void)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "hit and miss counts", test_hit_miss },
		{ "contents round trip", test_roundtrip },
		{ "getblk does not read", test_getblk_noread },
		{ "LRU eviction under a small bound", test_eviction_lru },
		{ "dirty write-back on eviction", test_eviction_writeback },
		{ "overshoot when all busy", test_overshoot },
		{ "bdwrite visible after bsync", test_bdwrite_bsync },
		{ "bsync order, hooks, clustering", test_bsync_order_cluster },
		{ "prewrite hook postpones", test_prewrite_postpone },
		{ "count of hooked dirty buffers", test_hook_count },
		{ "clean prefix, bounded search", test_clean_prefix },
		{ "pinned buffers wait for bunpin", test_pinned },
		{ "flusher writes old buffers", test_flusher },
		{ "flusher when too much is dirty", test_flusher_too_dirty },
		{ "bawrite", test_bawrite },
		{ "size change of a block", test_size_change },
		{ "binvalall and binval", test_binvalall },
		{ "read-ahead", test_readahead },
		{ "window bounds", test_window },
		{ "read-only device", test_rdonly },
		{ "injected read faults", test_fault_read },
		{ "injected write faults", test_fault_write },
		{ "image file device", test_file_device },
		{ "8 threads on 256 blocks", test_concurrency },
		{ "init and shutdown", test_init_shutdown },
	};
	CU_pSuite s;
	size_t i;

	if (hyp_init() != 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("bufcache", NULL, NULL);
	if (s == NULL)
		return 1;
	for (i = 0; i < __arraycount(tests); i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			return 1;
	return cunit_tap_run();
}
