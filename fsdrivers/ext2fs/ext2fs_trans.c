/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_trans.c -- transactions of the ext2/3/4 write path: a jbd2
 * journal writer (ext3/ext4), or plain delayed writes (ext2).
 *
 * Exports: the "ext2fs_trans.c" section of ext2fs_write.h.
 *
 * DESIGN
 *
 * There is one running transaction per mount.  A change opens a handle
 * (ext2fs_trans_begin), dirties metadata buffers through
 * ext2fs_trans_dirty, and closes it (ext2fs_trans_end).  A dirtied buffer
 * is pinned (bpin, then bdwrite): the buffer cache keeps it dirty but
 * never writes it, so the image in place only ever holds committed
 * metadata.  The running transaction is the set of pinned block numbers.
 *
 * A commit owns the whole transaction: it closes the gate (new outer
 * handles wait), waits until no handle is open, and then, alone:
 *   1. brings the superblock's free counts up to date from the group
 *      descriptors (e2fsck compares them);
 *   2. bsync()s the device: every dirty unpinned buffer -- the file data
 *      of ordered mode, and the previous commit's journal superblock --
 *      reaches the disk, then a flush;
 *   3. writes the log from s_first on: descriptor blocks, each followed
 *      by the blocks its tags name (read back from their pinned buffers;
 *      a block that starts with the jbd2 magic is escaped), then the
 *      journal superblock with s_start = s_first and s_sequence = this
 *      transaction; flush;
 *   4. writes the commit block; flush.  The transaction is now durable;
 *   5. checkpoints: unpins every block of the set and bsync()s them in
 *      place (then a flush), and writes the journal superblock back with
 *      s_start = 0 and the next sequence (made durable by step 2 of the
 *      next commit, or by ext2fs_trans_fini);
 *   6. forgets the deferred frees: their blocks may be allocated again.
 * So the log never holds more than one transaction, no revoke record is
 * ever needed (a freed block is not reused before the commit that freed
 * it, see ext2fs_trans_defer_free), and replay is idempotent: whatever
 * the journal superblock on disk says, it names the newest committed
 * transaction or none.
 *
 * The log is written with raw device writes (blkdev_write) through a
 * map of the journal inode's runs built at ext2fs_trans_init; every
 * cached buffer of the journal is dropped there, so the buffer cache
 * never holds a stale journal block.
 *
 * Handles nest: the calling thread's depth is kept in a small table
 * keyed by curlwp(); only the outermost begin passes the gate and only
 * the outermost end leaves it.  A nested begin never waits, so a thread
 * holding a handle cannot deadlock against a waiting commit.
 *
 * Size: ext2fs_trans_begin commits first when the transaction would grow
 * past t_limit blocks: a quarter of the log, and at most 16 MiB of
 * pinned buffers (a quarter of the default buffer cache).
 *
 * Errors: a failed write before the commit block is durable leaves the
 * previous state in place and the log without a valid commit; a failure
 * after it leaves a replayable log.  Either way the mount turns
 * read-only (t_error: every later begin fails with EROFS, a commit with
 * EIO), the pinned buffers stay pinned (never written in place) and are
 * dropped at unmount, and needs_recovery stays set on disk.
 *
 * Without a journal, ext2fs_trans_dirty is bdwrite, a handle is a no-op
 * and a commit is a bsync of the device (after the free counts).
 *
 * Locks: t_lock protects the gate, the holder table, the block set and
 * t_error; t_dlock (a leaf, may be taken under um_lock) the deferred
 * frees.  The commit itself runs without t_lock: the gate makes it the
 * only user of the set and of the journal fields.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/blkdev.h"
#include "kern/lock.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#define TRANS_EMPTY	UINT64_MAX		/* free hash slot */
#define TRANS_TOMB	(UINT64_MAX - 1)	/* forgotten block */
#define TRANS_MAXPIN	(16U << 20)		/* bytes of pinned buffers */
#define TRANS_PERIOD_MS	5000

#define JBD2_INCOMPAT_WRITABLE						\
	(JBD2_FEATURE_INCOMPAT_REVOKE | JBD2_FEATURE_INCOMPAT_64BIT |	\
	 JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT |				\
	 JBD2_FEATURE_INCOMPAT_CSUM_V2 | JBD2_FEATURE_INCOMPAT_CSUM_V3)
#define JBD2_CRC32_CHKSUM	1
#define JBD2_CRC32_CHKSUM_SIZE	4

/*
 * Test-only: if set, called by the commit at STAGE (see below) in the
 * committing thread; a crash test makes it _exit the process.
 */
#define EXT2FS_TRANS_STAGE_LOGGED	1	/* log written, no commit */
#define EXT2FS_TRANS_STAGE_COMMITTED	2	/* commit durable, before
						   the checkpoint */
void	(*ext2fs_trans_test_hook)(struct ext2fs_mount *, int);

/* A thread holding a handle. */
struct trans_holder {
	struct lwp	*h_lwp;
	unsigned	h_depth;
	unsigned	h_reserve;	/* blocks announced by its begins */
};

/* Deferred frees: sorted, disjoint, non-adjacent ranges. */
struct trans_range {
	uint64_t	r_start;
	uint64_t	r_end;		/* exclusive */
};

/* One run of the journal inode: log blocks [j, j+len) at pblk. */
struct trans_jrun {
	uint32_t	j_lblk;
	uint32_t	j_len;
	uint64_t	j_pblk;
};

struct ext2fs_trans {
	struct ext2fs_mount *t_ump;	/* immutable */
	bool		t_journal;	/* immutable: jbd2 mode */

	kmutex_t	t_lock;
	kcondvar_t	t_cv;		/* gate changes */
	unsigned	t_handles;	/* t_lock: threads holding a handle */
	unsigned	t_reserved;	/* t_lock: their announced blocks */
	bool		t_committing;	/* t_lock: a commit owns everything */
	struct lwp	*t_committer;	/* t_lock: that commit's thread */
	struct trans_holder *t_holders;	/* t_lock */
	size_t		t_nholders, t_maxholders;
	int		t_error;	/* t_lock: sticky failure */
	/* the running transaction's blocks (t_lock; the commit alone) */
	uint64_t	*t_set;		/* open addressing, power of two */
	size_t		t_setsize;
	size_t		t_nlive, t_nused;	/* live; live + tombstones */
	size_t		t_limit;	/* commit before passing this */

	kmutex_t	t_dlock;	/* leaf */
	struct trans_range *t_def;	/* t_dlock */
	size_t		t_ndef, t_maxdef;
	uint64_t	t_defblocks;	/* t_dlock: blocks in t_def */
	bool		t_defoom;	/* t_dlock: a range was lost */

	/* the journal (immutable after init, but for the commit's own) */
	struct ext2fs_node *t_jnp;
	struct trans_jrun *t_runs;
	size_t		t_nruns, t_maxruns;
	uint32_t	t_first, t_maxlen;
	bool		t_csum, t_v3, t_is64, t_v1;
	uint32_t	t_seed;		/* crc32c of the journal UUID */
	size_t		t_tagbytes;
	uint32_t	t_tags_per_desc;
	struct jbd2_super t_jsb;	/* the commit's: in-core copy */
	uint32_t	t_seq;		/* the commit's: next transaction id */
	uint8_t		*t_chunk;	/* the commit's: descriptor + data */
	size_t		t_chunklen;
	uint64_t	*t_tagblk;	/* the commit's: one descriptor's */
	uint32_t	*t_tagfl;	/*   blocks and tag flags */

	/* the commit thread */
	struct kthread	*t_thread;
	kcondvar_t	t_tcv;		/* with t_lock */
	bool		t_stop;		/* t_lock */
};

/* ---- the block set ---- */

static size_t
set_hash(uint64_t blk, size_t size)
{
	return (size_t)((blk * 0x9E3779B97F4A7C15ULL) >> 32) & (size - 1);
}

/* Rebuild the table with SIZE slots.  t_lock held (or the commit). */
static int
set_resize(struct ext2fs_trans *tr, size_t size)
{
	uint64_t *n, blk;
	size_t i, h;

	if ((n = kmem_alloc(size * sizeof(*n))) == NULL)
		return ENOMEM;
	for (i = 0; i < size; i++)
		n[i] = TRANS_EMPTY;
	for (i = 0; i < tr->t_setsize; i++) {
		blk = tr->t_set[i];
		if (blk == TRANS_EMPTY || blk == TRANS_TOMB)
			continue;
		for (h = set_hash(blk, size); n[h] != TRANS_EMPTY;
		    h = (h + 1) & (size - 1))
			continue;
		n[h] = blk;
	}
	if (tr->t_set != NULL)
		kmem_free(tr->t_set, tr->t_setsize * sizeof(*tr->t_set));
	tr->t_set = n;
	tr->t_setsize = size;
	tr->t_nused = tr->t_nlive;
	return 0;
}

/* Room for NMORE further blocks at a load of at most a half. */
static int
set_reserve(struct ext2fs_trans *tr, size_t nmore)
{
	size_t size = tr->t_setsize ? tr->t_setsize : 256;

	while (2 * (tr->t_nused + nmore) > size)
		size *= 2;
	if (size == tr->t_setsize)
		return 0;
	/* Only tombstones: rebuild at the same size. */
	if (2 * (tr->t_nlive + nmore) <= tr->t_setsize)
		return set_resize(tr, tr->t_setsize);
	return set_resize(tr, size);
}

static size_t
set_find(const struct ext2fs_trans *tr, uint64_t blk)
{
	size_t h;

	if (tr->t_setsize == 0)
		return SIZE_MAX;
	for (h = set_hash(blk, tr->t_setsize); tr->t_set[h] != TRANS_EMPTY;
	    h = (h + 1) & (tr->t_setsize - 1))
		if (tr->t_set[h] == blk)
			return h;
	return SIZE_MAX;
}

/* Add BLK (if absent); ENOMEM. */
static int
set_add(struct ext2fs_trans *tr, uint64_t blk)
{
	size_t h;
	int error;

	if (set_find(tr, blk) != SIZE_MAX)
		return 0;
	if ((error = set_reserve(tr, 1)) != 0)
		return error;
	for (h = set_hash(blk, tr->t_setsize); tr->t_set[h] != TRANS_EMPTY;
	    h = (h + 1) & (tr->t_setsize - 1))
		continue;
	tr->t_set[h] = blk;
	tr->t_nlive++;
	tr->t_nused++;
	return 0;
}

static bool
set_remove(struct ext2fs_trans *tr, uint64_t blk)
{
	size_t h = set_find(tr, blk);

	if (h == SIZE_MAX)
		return false;
	tr->t_set[h] = TRANS_TOMB;
	tr->t_nlive--;
	return true;
}

static void
set_clear(struct ext2fs_trans *tr)
{
	size_t i;

	for (i = 0; i < tr->t_setsize; i++)
		tr->t_set[i] = TRANS_EMPTY;
	tr->t_nlive = tr->t_nused = 0;
}

/* ---- handles ---- */

static struct trans_holder *
holder_find(struct ext2fs_trans *tr, struct lwp *l)
{
	size_t i;

	for (i = 0; i < tr->t_nholders; i++)
		if (tr->t_holders[i].h_lwp == l)
			return &tr->t_holders[i];
	return NULL;
}

static struct trans_holder *
holder_add(struct ext2fs_trans *tr, struct lwp *l)
{
	struct trans_holder *n;
	size_t max;

	if (tr->t_nholders == tr->t_maxholders) {
		max = tr->t_maxholders ? 2 * tr->t_maxholders : 16;
		if ((n = kmem_alloc(max * sizeof(*n))) == NULL)
			return NULL;
		if (tr->t_nholders != 0)
			memcpy(n, tr->t_holders, tr->t_nholders * sizeof(*n));
		if (tr->t_holders != NULL)
			kmem_free(tr->t_holders, tr->t_maxholders *
			    sizeof(*n));
		tr->t_holders = n;
		tr->t_maxholders = max;
	}
	n = &tr->t_holders[tr->t_nholders++];
	n->h_lwp = l;
	n->h_depth = 0;
	n->h_reserve = 0;
	return n;
}

static void
holder_remove(struct ext2fs_trans *tr, struct trans_holder *h)
{
	*h = tr->t_holders[--tr->t_nholders];
}

/*
 * Should the running transaction be committed before NMORE blocks?  The
 * other open handles' estimates are not counted: with a quarter of the
 * log as the limit, what they add still fits.
 */
static bool
trans_full(const struct ext2fs_trans *tr, unsigned nmore)
{
	return tr->t_nlive + nmore > tr->t_limit && tr->t_nlive > 0;
}

static int	trans_commit(struct ext2fs_trans *tr);

/* Blocks whose reuse waits for the commit; *OOMP: one was lost. */
static uint64_t
def_state(struct ext2fs_trans *tr, bool *oomp)
{
	uint64_t n;

	mutex_enter(&tr->t_dlock);
	n = tr->t_defblocks;
	*oomp = tr->t_defoom;
	mutex_exit(&tr->t_dlock);
	return n;
}

/*
 * Should a commit give the deferred frees back before NBLOCKS more are
 * needed?  When the free space that may be allocated now runs short
 * (the kernel's ext4 commits and retries on ENOSPC; here the handle's
 * begin does it first).  Takes um_lock: called without t_lock.
 */
static bool
trans_space_low(struct ext2fs_trans *tr, unsigned nblocks)
{
	struct ext2fs_mount *ump = tr->t_ump;
	uint64_t def, margin;
	bool oom;

	if ((def = def_state(tr, &oom)) == 0)
		return oom;
	margin = (uint64_t)nblocks + MAX(256, MIN(4096, ump->um_nblocks / 16));
	return oom || ext2fs_free_blocks(ump, true) < def + margin;
}

int
ext2fs_trans_begin(struct ext2fs_mount *ump, unsigned nblocks)
{
	struct ext2fs_trans *tr = ump->um_trans;
	struct trans_holder *h;
	struct lwp *l = curlwp();
	bool low;
	int error;

	if (ump->um_ronly)
		return EROFS;
	if (tr == NULL)
		return 0;	/* mount or unmount time, single-threaded */
	mutex_enter(&tr->t_lock);
	if (tr->t_error) {
		mutex_exit(&tr->t_lock);
		return EROFS;
	}
	if (!tr->t_journal) {
		mutex_exit(&tr->t_lock);
		return 0;
	}
	if ((h = holder_find(tr, l)) != NULL) {
		/* Nested: never waits. */
		h->h_depth++;
		h->h_reserve += nblocks;
		tr->t_reserved += nblocks;
		(void)set_reserve(tr, nblocks);
		mutex_exit(&tr->t_lock);
		return 0;
	}
	mutex_exit(&tr->t_lock);
	for (low = trans_space_low(tr, nblocks);; low = false) {
		mutex_enter(&tr->t_lock);
		while (tr->t_committing)
			cv_wait(&tr->t_cv, &tr->t_lock);
		if (tr->t_error) {
			mutex_exit(&tr->t_lock);
			return EROFS;
		}
		if (!low && !trans_full(tr, nblocks))
			break;
		mutex_exit(&tr->t_lock);
		if ((error = trans_commit(tr)) != 0)
			return error;
	}
	if ((h = holder_add(tr, l)) == NULL) {
		mutex_exit(&tr->t_lock);
		return ENOMEM;
	}
	h->h_depth = 1;
	h->h_reserve = nblocks;
	tr->t_reserved += nblocks;
	tr->t_handles++;
	(void)set_reserve(tr, nblocks);
	mutex_exit(&tr->t_lock);
	return 0;
}

void
ext2fs_trans_end(struct ext2fs_mount *ump)
{
	struct ext2fs_trans *tr = ump->um_trans;
	struct trans_holder *h;

	if (tr == NULL || !tr->t_journal)
		return;
	mutex_enter(&tr->t_lock);
	h = holder_find(tr, curlwp());
	KASSERTMSG(h != NULL, "ext2fs_trans_end without a handle");
	if (--h->h_depth == 0) {
		tr->t_reserved -= h->h_reserve;
		holder_remove(tr, h);
		if (--tr->t_handles == 0)
			cv_broadcast(&tr->t_cv);
	}
	mutex_exit(&tr->t_lock);
}

/* Fail the mount: no change is accepted any more.  t_lock held. */
static void
trans_fail_locked(struct ext2fs_trans *tr, const char *why, int error)
{
	if (tr->t_error == 0)
		klog(KLOG_ERR, "ext2fs: %s: %s (error %d); the filesystem is "
		    "read-only from now on, and the journal will be replayed "
		    "at the next mount", tr->t_ump->um_mp->mnt_source, why,
		    error);
	tr->t_error = error ? error : EIO;
}

void
ext2fs_trans_dirty(struct ext2fs_mount *ump, struct buf *bp)
{
	struct ext2fs_trans *tr = ump->um_trans;
	uint64_t blk;
	struct lwp *l;
	int error;

	if (tr == NULL || !tr->t_journal) {
		bdwrite(bp);
		return;
	}
	KASSERT(bp->b_bcount == ump->um_bsize);
	blk = (uint64_t)bp->b_blkno >> (ump->um_bshift - DEV_BSHIFT);
	l = curlwp();
	mutex_enter(&tr->t_lock);
	KASSERTMSG(holder_find(tr, l) != NULL || tr->t_committer == l,
	    "ext2fs_trans_dirty without a handle");
	error = set_add(tr, blk);
	if (error)
		trans_fail_locked(tr, "out of memory for the transaction",
		    error);
	mutex_exit(&tr->t_lock);
	/* Pinned even on failure: never written in place uncommitted. */
	bpin(bp);
	bdwrite(bp);
}

void
ext2fs_trans_forget(struct ext2fs_mount *ump, uint64_t blk)
{
	struct ext2fs_trans *tr = ump->um_trans;
	daddr_t dblk = EXT2_FSBTODB(ump, blk);
	struct buf *bp;

	if (tr != NULL && tr->t_journal) {
		mutex_enter(&tr->t_lock);
		(void)set_remove(tr, blk);
		mutex_exit(&tr->t_lock);
		bunpin(ump->um_dev, dblk);
	}
	if (!incore(ump->um_dev, dblk))
		return;
	if (getblk(ump->um_dev, dblk, ump->um_bsize, &bp) == 0)
		binval(bp);
}

/* ---- deferred frees ---- */

void
ext2fs_trans_defer_free(struct ext2fs_mount *ump, uint64_t blk,
    uint64_t count)
{
	struct ext2fs_trans *tr = ump->um_trans;
	struct trans_range *r, *n;
	uint64_t end = blk + count;
	size_t lo, hi, mid, i, j, max;

	if (tr == NULL || !tr->t_journal || count == 0)
		return;
	mutex_enter(&tr->t_dlock);
	/* First range whose end reaches BLK. */
	for (lo = 0, hi = tr->t_ndef; lo < hi;) {
		mid = (lo + hi) / 2;
		if (tr->t_def[mid].r_end < blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Ranges [lo, j) touch [blk, end): merge them. */
	for (j = lo; j < tr->t_ndef && tr->t_def[j].r_start <= end; j++)
		continue;
	if (j > lo) {
		for (i = lo; i < j; i++)
			tr->t_defblocks -= tr->t_def[i].r_end -
			    tr->t_def[i].r_start;
		r = &tr->t_def[lo];
		r->r_start = MIN(r->r_start, blk);
		r->r_end = MAX(tr->t_def[j - 1].r_end, end);
		if (j > lo + 1) {
			memmove(&tr->t_def[lo + 1], &tr->t_def[j],
			    (tr->t_ndef - j) * sizeof(*r));
			tr->t_ndef -= j - lo - 1;
		}
		tr->t_defblocks += r->r_end - r->r_start;
		goto out;
	}
	if (tr->t_ndef == tr->t_maxdef) {
		max = tr->t_maxdef ? 2 * tr->t_maxdef : 64;
		if ((n = kmem_alloc(max * sizeof(*n))) == NULL) {
			/*
			 * Cannot remember it: reuse before the commit is then
			 * possible, so the next begin or commit fails the
			 * mount instead (um_lock may be held: no t_lock here).
			 */
			tr->t_defoom = true;
			goto out;
		}
		if (tr->t_ndef != 0)
			memcpy(n, tr->t_def, tr->t_ndef * sizeof(*n));
		if (tr->t_def != NULL)
			kmem_free(tr->t_def, tr->t_maxdef * sizeof(*n));
		tr->t_def = n;
		tr->t_maxdef = max;
	}
	for (i = tr->t_ndef; i > lo; i--)
		tr->t_def[i] = tr->t_def[i - 1];
	tr->t_def[lo].r_start = blk;
	tr->t_def[lo].r_end = end;
	tr->t_ndef++;
	tr->t_defblocks += count;
out:
	mutex_exit(&tr->t_dlock);
}

bool
ext2fs_trans_may_reuse(struct ext2fs_mount *ump, uint64_t blk,
    uint64_t *nextp)
{
	struct ext2fs_trans *tr = ump->um_trans;
	size_t lo, hi, mid;
	bool ok = true;

	*nextp = blk + 1;
	if (tr == NULL || !tr->t_journal)
		return true;
	mutex_enter(&tr->t_dlock);
	for (lo = 0, hi = tr->t_ndef; lo < hi;) {
		mid = (lo + hi) / 2;
		if (tr->t_def[mid].r_end <= blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < tr->t_ndef && tr->t_def[lo].r_start <= blk) {
		ok = false;
		*nextp = tr->t_def[lo].r_end;
	}
	mutex_exit(&tr->t_dlock);
	return ok;
}

/* ---- the superblock's free counts ---- */

/* Sum the descriptors' counts into um_sb; dirty it if they changed. */
static int
trans_sb_counts(struct ext2fs_mount *ump)
{
	struct ext2_super *sb = &ump->um_sb;
	const struct ext2_gd *gd;
	uint64_t bfree = 0, ifree = 0, old;
	uint32_t g;
	bool changed;

	mutex_enter(&ump->um_lock);
	for (g = 0; g < ump->um_ngroups; g++) {
		gd = ext2fs_gd(ump, g);
		bfree += ext2fs_gd_free_blocks(ump, gd);
		ifree += ext2fs_gd_free_inodes(ump, gd);
	}
	old = ext2fs_sb_free_blocks(ump);
	changed = old != bfree || e2_le32(sb->s_free_inodes_count) != ifree;
	if (changed) {
		ext2fs_sb_set_free_blocks(ump, bfree);
		sb->s_free_inodes_count = e2_mkle32((uint32_t)ifree);
	}
	mutex_exit(&ump->um_lock);
	return changed ? ext2fs_sb_dirty(ump) : 0;
}

/* ---- the log ---- */

/* Physical block of log block J, and how many follow contiguously. */
static uint64_t
jmap(const struct ext2fs_trans *tr, uint32_t j, uint32_t *runp)
{
	size_t lo = 0, hi = tr->t_nruns, mid;
	const struct trans_jrun *r;

	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (tr->t_runs[mid].j_lblk <= j)
			lo = mid;
		else
			hi = mid;
	}
	r = &tr->t_runs[lo];
	KASSERT(j >= r->j_lblk && j < r->j_lblk + r->j_len);
	*runp = r->j_lblk + r->j_len - j;
	return r->j_pblk + (j - r->j_lblk);
}

/* Write N log blocks from BUF at log block J. */
static int
jwrite(struct ext2fs_trans *tr, uint32_t j, const uint8_t *buf, uint32_t n)
{
	struct ext2fs_mount *ump = tr->t_ump;
	uint64_t pblk;
	uint32_t run;
	int error;

	while (n > 0) {
		pblk = jmap(tr, j, &run);
		run = MIN(run, n);
		error = blkdev_write(ump->um_dev, buf,
		    (size_t)run << ump->um_bshift, pblk << ump->um_bshift);
		if (error)
			return error;
		buf += (size_t)run << ump->um_bshift;
		j += run;
		n -= run;
	}
	return 0;
}

static uint32_t
jcsum_block(const struct ext2fs_trans *tr, const uint8_t *blk)
{
	return ext2fs_crc32c(tr->t_seed, blk, tr->t_ump->um_bsize);
}

/* Write the journal superblock (t_jsb, checksummed) in place. */
static int
jsb_write(struct ext2fs_trans *tr, uint32_t start, uint32_t seq)
{
	struct ext2fs_mount *ump = tr->t_ump;
	struct jbd2_super *js = &tr->t_jsb;
	uint32_t run, crc;

	js->s_start = e2_mkbe32(start);
	js->s_sequence = e2_mkbe32(seq);
	if (tr->t_csum) {
		js->s_checksum = e2_mkbe32(0);
		crc = ext2fs_crc32c(~0U, js, sizeof(*js));
		js->s_checksum = e2_mkbe32(crc);
	}
	return blkdev_write(ump->um_dev, js, sizeof(*js),
	    jmap(tr, 0, &run) << ump->um_bshift);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	e2be32_t b = e2_mkbe32(v);

	memcpy(p, &b, 4);
}

static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Fill tag I of descriptor DESC (at *OFFP) for filesystem block BLK whose
 * (escaped) journal copy is DATA.
 */
static void
jtag_put(struct ext2fs_trans *tr, uint8_t *desc, size_t *offp, uint64_t blk,
    const uint8_t *data, uint32_t flags, uint32_t tid)
{
	uint8_t *t = desc + *offp;
	e2be32_t seq = e2_mkbe32(tid);
	uint32_t crc = 0;

	if (tr->t_csum) {
		crc = ext2fs_crc32c(tr->t_seed, &seq, 4);
		crc = ext2fs_crc32c(crc, data, tr->t_ump->um_bsize);
	}
	put_be32(t, (uint32_t)blk);
	if (tr->t_v3) {
		put_be32(t + 4, flags);
		put_be32(t + 8, tr->t_is64 ? (uint32_t)(blk >> 32) : 0);
		put_be32(t + 12, crc);
	} else {
		if (tr->t_csum)
			put_be16(t + 4, (uint16_t)crc);
		put_be16(t + 6, (uint16_t)flags);
		if (tr->t_is64)
			put_be32(t + 8, (uint32_t)(blk >> 32));
	}
	*offp += tr->t_tagbytes;
	if (!(flags & JBD2_FLAG_SAME_UUID)) {
		memcpy(desc + *offp, tr->t_jsb.s_uuid, 16);
		*offp += 16;
	}
}

/* The blocks of the set, in a flat array (the commit's). */
static int
trans_blocks(struct ext2fs_trans *tr, uint64_t **blksp, size_t *np)
{
	uint64_t *blks;
	size_t i, n = 0;

	*blksp = NULL;
	*np = 0;
	if (tr->t_nlive == 0)
		return 0;
	if ((blks = kmem_alloc(tr->t_nlive * sizeof(*blks))) == NULL)
		return ENOMEM;
	for (i = 0; i < tr->t_setsize; i++)
		if (tr->t_set[i] != TRANS_EMPTY && tr->t_set[i] != TRANS_TOMB)
			blks[n++] = tr->t_set[i];
	KASSERT(n == tr->t_nlive);
	*blksp = blks;
	*np = n;
	return 0;
}

/*
 * Write the log of transaction TID: descriptors and data from s_first on.
 * *POSP: the log block after it (where the commit block goes).  A block
 * of the set whose buffer is gone (invalidated since: it was freed) is
 * left out.
 */
static int
jlog_write(struct ext2fs_trans *tr, const uint64_t *blks, size_t n,
    uint32_t tid, uint32_t *posp, uint32_t *v1sump)
{
	struct ext2fs_mount *ump = tr->t_ump;
	uint32_t bsize = ump->um_bsize, pos = tr->t_first, ntags, k, flags;
	uint8_t *desc = tr->t_chunk, *data;
	struct jbd2_header *hdr;
	size_t done = 0, off;
	struct buf *bp;
	int error;

	while (done < n) {
		/* Gather up to a descriptor's worth of blocks. */
		for (ntags = 0; ntags < tr->t_tags_per_desc && done < n;
		    done++) {
			error = getblk(ump->um_dev, EXT2_FSBTODB(ump,
			    blks[done]), bsize, &bp);
			if (error)
				return error;
			if (!(bp->b_flags & B_DONE)) {
				klog(KLOG_DEBUG, "ext2fs: journal: block %llu "
				    "left the transaction",
				    (unsigned long long)blks[done]);
				binval(bp);
				continue;
			}
			data = desc + (size_t)(ntags + 1) * bsize;
			memcpy(data, bp->b_data, bsize);
			brelse(bp);
			flags = ntags == 0 ? 0 : JBD2_FLAG_SAME_UUID;
			if (e2_be32(*(const e2be32_t *)data) == JBD2_MAGIC) {
				memset(data, 0, 4);
				flags |= JBD2_FLAG_ESCAPE;
			}
			tr->t_tagblk[ntags] = blks[done];
			tr->t_tagfl[ntags] = flags;
			ntags++;
		}
		if (ntags == 0)
			break;
		if ((uint64_t)pos + 1 + ntags + 1 > tr->t_maxlen)
			return EFBIG;	/* cannot happen below t_limit */
		memset(desc, 0, bsize);
		hdr = (struct jbd2_header *)desc;
		hdr->h_magic = e2_mkbe32(JBD2_MAGIC);
		hdr->h_blocktype = e2_mkbe32(JBD2_DESCRIPTOR_BLOCK);
		hdr->h_sequence = e2_mkbe32(tid);
		off = sizeof(*hdr);
		for (k = 0; k < ntags; k++)
			jtag_put(tr, desc, &off, tr->t_tagblk[k],
			    desc + (size_t)(k + 1) * bsize, tr->t_tagfl[k] |
			    (k == ntags - 1 ? JBD2_FLAG_LAST_TAG : 0), tid);
		if (tr->t_csum)
			put_be32(desc + bsize - 4, jcsum_block(tr, desc));
		if (tr->t_v1)
			*v1sump = ext2fs_crc32_be(*v1sump, desc,
			    (size_t)(ntags + 1) * bsize);
		if ((error = jwrite(tr, pos, desc, ntags + 1)) != 0)
			return error;
		pos += ntags + 1;
	}
	*posp = pos;
	return 0;
}

static int
jcommit_write(struct ext2fs_trans *tr, uint32_t pos, uint32_t tid,
    uint32_t v1sum)
{
	uint32_t bsize = tr->t_ump->um_bsize;
	struct jbd2_commit *c = (struct jbd2_commit *)tr->t_chunk;
	struct vfs_timespec now;

	memset(tr->t_chunk, 0, bsize);
	c->h.h_magic = e2_mkbe32(JBD2_MAGIC);
	c->h.h_blocktype = e2_mkbe32(JBD2_COMMIT_BLOCK);
	c->h.h_sequence = e2_mkbe32(tid);
	vfs_timestamp(&now);
	put_be32((uint8_t *)&c->h_commit_sec, (uint32_t)((uint64_t)now.tv_sec >>
	    32));
	put_be32((uint8_t *)&c->h_commit_sec + 4, (uint32_t)now.tv_sec);
	c->h_commit_nsec = e2_mkbe32((uint32_t)now.tv_nsec);
	if (tr->t_v1) {
		c->h_chksum_type = JBD2_CRC32_CHKSUM;
		c->h_chksum_size = JBD2_CRC32_CHKSUM_SIZE;
		c->h_chksum[0] = e2_mkbe32(v1sum);
	} else if (tr->t_csum)
		c->h_chksum[0] = e2_mkbe32(jcsum_block(tr, tr->t_chunk));
	return jwrite(tr, pos, tr->t_chunk, 1);
}

static void
trans_hook(struct ext2fs_trans *tr, int stage)
{
	if (ext2fs_trans_test_hook != NULL)
		ext2fs_trans_test_hook(tr->t_ump, stage);
}

static void
def_clear(struct ext2fs_trans *tr)
{
	mutex_enter(&tr->t_dlock);
	tr->t_ndef = 0;
	tr->t_defblocks = 0;
	mutex_exit(&tr->t_dlock);
}

/*
 * The journaled commit, with the gate closed and no handle open.
 */
static int
trans_commit_journal(struct ext2fs_trans *tr)
{
	struct ext2fs_mount *ump = tr->t_ump;
	uint64_t *blks = NULL;
	uint32_t tid = tr->t_seq, pos, v1sum = ~0U;
	size_t n = 0, i;
	bool oom;
	int error;

	(void)def_state(tr, &oom);
	if (oom) {
		error = ENOMEM;
		goto out_fail_early;
	}
	if ((error = trans_sb_counts(ump)) != 0)
		goto out_fail_early;
	if ((error = trans_blocks(tr, &blks, &n)) != 0)
		goto out_fail_early;
	/* Ordered data, and the previous jsb update, first. */
	if ((error = bsync(ump->um_dev)) != 0)
		goto out_fail_early;
	if (n == 0) {
		def_clear(tr);
		return 0;
	}
	if ((error = jlog_write(tr, blks, n, tid, &pos, &v1sum)) != 0)
		goto out_fail_early;
	if (pos == tr->t_first) {
		/* Every block left the transaction: nothing to log. */
		mutex_enter(&tr->t_lock);
		set_clear(tr);
		mutex_exit(&tr->t_lock);
		def_clear(tr);
		goto out;
	}
	if ((error = jsb_write(tr, tr->t_first, tid)) != 0 ||
	    (error = blkdev_flush(ump->um_dev)) != 0)
		goto out_fail_early;
	trans_hook(tr, EXT2FS_TRANS_STAGE_LOGGED);
	if ((error = jcommit_write(tr, pos, tid, v1sum)) != 0 ||
	    (error = blkdev_flush(ump->um_dev)) != 0)
		goto out_fail_early;
	trans_hook(tr, EXT2FS_TRANS_STAGE_COMMITTED);

	/* Durable.  Checkpoint. */
	tr->t_seq = tid + 1;
	for (i = 0; i < n; i++)
		bunpin(ump->um_dev, EXT2_FSBTODB(ump, blks[i]));
	mutex_enter(&tr->t_lock);
	set_clear(tr);
	mutex_exit(&tr->t_lock);
	if ((error = bsync(ump->um_dev)) != 0) {
		mutex_enter(&tr->t_lock);
		trans_fail_locked(tr, "checkpoint write failed", error);
		mutex_exit(&tr->t_lock);
		goto out;
	}
	def_clear(tr);
	/* Durable at the next bsync (next commit, or fini). */
	if ((error = jsb_write(tr, 0, tid + 1)) != 0) {
		mutex_enter(&tr->t_lock);
		trans_fail_locked(tr, "journal superblock write failed",
		    error);
		mutex_exit(&tr->t_lock);
	}
	goto out;

out_fail_early:
	mutex_enter(&tr->t_lock);
	trans_fail_locked(tr, "journal commit failed", error);
	mutex_exit(&tr->t_lock);
out:
	if (blks != NULL)
		kmem_free(blks, n * sizeof(*blks));
	return error ? EIO : 0;
}

static int
trans_commit(struct ext2fs_trans *tr)
{
	struct ext2fs_mount *ump = tr->t_ump;
	int error;

	if (!tr->t_journal) {
		if ((error = trans_sb_counts(ump)) != 0)
			return error;
		return bsync(ump->um_dev);
	}
	mutex_enter(&tr->t_lock);
	KASSERTMSG(holder_find(tr, curlwp()) == NULL,
	    "ext2fs_trans_commit with a handle held");
	while (tr->t_committing)
		cv_wait(&tr->t_cv, &tr->t_lock);
	if (tr->t_error) {
		mutex_exit(&tr->t_lock);
		return EIO;
	}
	tr->t_committing = true;
	tr->t_committer = curlwp();
	while (tr->t_handles > 0)
		cv_wait(&tr->t_cv, &tr->t_lock);
	mutex_exit(&tr->t_lock);

	error = trans_commit_journal(tr);

	mutex_enter(&tr->t_lock);
	tr->t_committing = false;
	tr->t_committer = NULL;
	cv_broadcast(&tr->t_cv);
	mutex_exit(&tr->t_lock);
	return error;
}

int
ext2fs_trans_commit(struct ext2fs_mount *ump)
{
	if (ump->um_ronly)
		return 0;
	if (ump->um_trans == NULL)
		return bsync(ump->um_dev);
	return trans_commit(ump->um_trans);
}

/* ---- the commit thread ---- */

static void
trans_thread(void *arg)
{
	struct ext2fs_trans *tr = arg;
	bool pending;

	mutex_enter(&tr->t_lock);
	while (!tr->t_stop) {
		(void)cv_timedwait_ms(&tr->t_tcv, &tr->t_lock,
		    TRANS_PERIOD_MS);
		if (tr->t_stop)
			break;
		pending = tr->t_error == 0 && tr->t_nlive > 0;
		if (!pending) {
			mutex_exit(&tr->t_lock);
			mutex_enter(&tr->t_dlock);
			pending = tr->t_ndef > 0;
			mutex_exit(&tr->t_dlock);
			mutex_enter(&tr->t_lock);
			pending = pending && tr->t_error == 0;
		}
		if (!pending)
			continue;
		mutex_exit(&tr->t_lock);
		(void)trans_commit(tr);
		mutex_enter(&tr->t_lock);
	}
	mutex_exit(&tr->t_lock);
}

/* ---- set-up and tear-down ---- */

/* Map the journal inode's blocks into runs; EUCLEAN for a hole. */
static int
jruns_build(struct ext2fs_trans *tr)
{
	struct ext2fs_mount *ump = tr->t_ump;
	struct trans_jrun *n;
	uint64_t pblk, run;
	uint32_t j = 0;
	size_t max;
	int error;

	while (j < tr->t_maxlen) {
		if ((error = ext2fs_bmap(tr->t_jnp, j, &pblk, &run)) != 0)
			return error;
		if (pblk == 0 || !ext2fs_blk_valid(ump, pblk, 1))
			return ext2fs_corrupt(ump, "journal: hole or bad block "
			    "at log block %u", j);
		run = MIN(run, (uint64_t)(tr->t_maxlen - j));
		if (!ext2fs_blk_valid(ump, pblk, run))
			return ext2fs_corrupt(ump, "journal: log block %u "
			    "outside the filesystem", j);
		if (tr->t_nruns == tr->t_maxruns) {
			max = tr->t_maxruns ? 2 * tr->t_maxruns : 16;
			if ((n = kmem_alloc(max * sizeof(*n))) == NULL)
				return ENOMEM;
			if (tr->t_nruns != 0)
				memcpy(n, tr->t_runs, tr->t_nruns *
				    sizeof(*n));
			if (tr->t_runs != NULL)
				kmem_free(tr->t_runs, tr->t_maxruns *
				    sizeof(*n));
			tr->t_runs = n;
			tr->t_maxruns = max;
		}
		tr->t_runs[tr->t_nruns].j_lblk = j;
		tr->t_runs[tr->t_nruns].j_len = (uint32_t)run;
		tr->t_runs[tr->t_nruns].j_pblk = pblk;
		tr->t_nruns++;
		j += (uint32_t)run;
	}
	return 0;
}

/* Drop every cached buffer of the log: it is written raw from now on. */
static void
jruns_uncache(struct ext2fs_trans *tr)
{
	struct ext2fs_mount *ump = tr->t_ump;
	struct buf *bp;
	daddr_t d;
	size_t i;
	uint32_t k;

	for (i = 0; i < tr->t_nruns; i++)
		for (k = 0; k < tr->t_runs[i].j_len; k++) {
			d = EXT2_FSBTODB(ump, tr->t_runs[i].j_pblk + k);
			if (incore(ump->um_dev, d) &&
			    getblk(ump->um_dev, d, ump->um_bsize, &bp) == 0)
				binval(bp);
		}
}

/* Can we write this journal?  Reads and checks its superblock. */
static int
jsetup(struct ext2fs_trans *tr)
{
	struct ext2fs_mount *ump = tr->t_ump;
	struct jbd2_super *js = &tr->t_jsb;
	uint32_t ino = e2_le32(ump->um_sb.s_journal_inum), type, incompat;
	uint32_t compat, space;
	uint64_t pblk, run64;
	int error;

	if (ino == 0) {
		vfs_mount_error(ump->um_mp, "ext2fs: external journals are "
		    "not supported for writing");
		return EROFS;
	}
	error = ext2fs_node_load(ump, ino, &tr->t_jnp);
	if (error == ENOENT || error == ESTALE)
		error = ext2fs_corrupt(ump, "journal inode %u is free", ino);
	if (error)
		return error;
	if ((tr->t_jnp->n_mode & S_IFMT) != S_IFREG ||
	    (tr->t_jnp->n_flags & EXT2_INLINE_DATA_FL))
		return ext2fs_corrupt(ump, "journal inode %u: not a regular "
		    "file", ino);
	if ((error = ext2fs_bmap(tr->t_jnp, 0, &pblk, &run64)) != 0)
		return error;
	if (pblk == 0 || !ext2fs_blk_valid(ump, pblk, 1))
		return ext2fs_corrupt(ump, "journal: no superblock block");
	/* The cached copy may be newer (replay wrote it). */
	if ((error = bsync(ump->um_dev)) != 0)
		return error;
	if ((error = blkdev_read(ump->um_dev, js, sizeof(*js),
	    pblk << ump->um_bshift)) != 0)
		return error;
	type = e2_be32(js->s_header.h_blocktype);
	if (e2_be32(js->s_header.h_magic) != JBD2_MAGIC ||
	    (type != JBD2_SUPERBLOCK_V1 && type != JBD2_SUPERBLOCK_V2))
		return ext2fs_corrupt(ump, "journal: bad superblock magic or "
		    "type");
	tr->t_maxlen = e2_be32(js->s_maxlen);
	tr->t_first = e2_be32(js->s_first);
	if (e2_be32(js->s_blocksize) != ump->um_bsize ||
	    tr->t_maxlen > (tr->t_jnp->n_size >> ump->um_bshift) ||
	    tr->t_first == 0 || tr->t_first >= tr->t_maxlen ||
	    tr->t_maxlen - tr->t_first < 16)
		return ext2fs_corrupt(ump, "journal: bad superblock geometry");
	incompat = compat = 0;
	if (type == JBD2_SUPERBLOCK_V2) {
		incompat = e2_be32(js->s_feature_incompat);
		compat = e2_be32(js->s_feature_compat);
	}
	if (incompat & ~(uint32_t)JBD2_INCOMPAT_WRITABLE) {
		vfs_mount_error(ump->um_mp, "ext2fs: journal features 0x%x "
		    "cannot be written%s", incompat &
		    ~(uint32_t)JBD2_INCOMPAT_WRITABLE,
		    (incompat & JBD2_FEATURE_INCOMPAT_FAST_COMMIT) ?
		    " (fast_commit)" : "");
		return EROFS;
	}
	tr->t_v3 = (incompat & JBD2_FEATURE_INCOMPAT_CSUM_V3) != 0;
	tr->t_csum = tr->t_v3 || (incompat & JBD2_FEATURE_INCOMPAT_CSUM_V2);
	tr->t_is64 = (incompat & JBD2_FEATURE_INCOMPAT_64BIT) != 0;
	tr->t_v1 = (compat & JBD2_FEATURE_COMPAT_CHECKSUM) != 0;
	if (tr->t_csum && (tr->t_v1 ||
	    js->s_checksum_type != JBD2_CRC32C_CHKSUM ||
	    ((incompat & JBD2_FEATURE_INCOMPAT_CSUM_V2) && tr->t_v3))) {
		vfs_mount_error(ump->um_mp, "ext2fs: journal checksum "
		    "features cannot be written");
		return EROFS;
	}
	if (!tr->t_is64 && ump->um_nblocks > UINT32_MAX) {
		vfs_mount_error(ump->um_mp, "ext2fs: a 32-bit journal cannot "
		    "log blocks past 2^32");
		return EROFS;
	}
	if (e2_be32(js->s_start) != 0) {
		vfs_mount_error(ump->um_mp, "ext2fs: the journal needs "
		    "recovery");
		return EROFS;
	}
	if (tr->t_csum)
		tr->t_seed = ext2fs_crc32c(~0U, js->s_uuid,
		    sizeof(js->s_uuid));
	if (tr->t_v3)
		tr->t_tagbytes = sizeof(struct jbd2_tag3);
	else
		tr->t_tagbytes = sizeof(struct jbd2_tag) +
		    (tr->t_csum ? 2 : 0) - (tr->t_is64 ? 0 : 4);
	space = ump->um_bsize - sizeof(struct jbd2_header) -
	    (tr->t_csum ? 4 : 0) - 16;
	tr->t_tags_per_desc = (uint32_t)(space / tr->t_tagbytes);
	tr->t_seq = e2_be32(js->s_sequence);
	if ((error = jruns_build(tr)) != 0)
		return error;
	jruns_uncache(tr);
	tr->t_chunklen = (size_t)(tr->t_tags_per_desc + 1) * ump->um_bsize;
	if ((tr->t_chunk = kmem_alloc(tr->t_chunklen)) == NULL ||
	    (tr->t_tagblk = kmem_alloc(tr->t_tags_per_desc *
	    sizeof(*tr->t_tagblk))) == NULL ||
	    (tr->t_tagfl = kmem_alloc(tr->t_tags_per_desc *
	    sizeof(*tr->t_tagfl))) == NULL)
		return ENOMEM;
	tr->t_limit = MIN((tr->t_maxlen - tr->t_first) / 4,
	    TRANS_MAXPIN >> ump->um_bshift);
	return 0;
}

static void
trans_free(struct ext2fs_trans *tr)
{
	if (tr->t_chunk != NULL)
		kmem_free(tr->t_chunk, tr->t_chunklen);
	if (tr->t_tagblk != NULL)
		kmem_free(tr->t_tagblk, tr->t_tags_per_desc *
		    sizeof(*tr->t_tagblk));
	if (tr->t_tagfl != NULL)
		kmem_free(tr->t_tagfl, tr->t_tags_per_desc *
		    sizeof(*tr->t_tagfl));
	if (tr->t_runs != NULL)
		kmem_free(tr->t_runs, tr->t_maxruns * sizeof(*tr->t_runs));
	if (tr->t_jnp != NULL)
		ext2fs_node_free(tr->t_jnp);
	if (tr->t_set != NULL)
		kmem_free(tr->t_set, tr->t_setsize * sizeof(*tr->t_set));
	if (tr->t_holders != NULL)
		kmem_free(tr->t_holders, tr->t_maxholders *
		    sizeof(*tr->t_holders));
	if (tr->t_def != NULL)
		kmem_free(tr->t_def, tr->t_maxdef * sizeof(*tr->t_def));
	cv_destroy(&tr->t_tcv);
	cv_destroy(&tr->t_cv);
	mutex_destroy(&tr->t_dlock);
	mutex_destroy(&tr->t_lock);
	kmem_free(tr, sizeof(*tr));
}

/* Write the superblock in place now (no transaction running). */
static int
trans_sb_write_now(struct ext2fs_mount *ump)
{
	int error;

	KASSERT(ump->um_trans == NULL);
	if ((error = ext2fs_sb_dirty(ump)) != 0)
		return error;
	return bsync(ump->um_dev);
}

int
ext2fs_trans_init(struct ext2fs_mount *ump)
{
	struct ext2fs_trans *tr;
	int error;

	KASSERT(!ump->um_ronly && ump->um_trans == NULL);
	if ((tr = kmem_zalloc(sizeof(*tr))) == NULL)
		return ENOMEM;
	tr->t_ump = ump;
	if ((error = mutex_init(&tr->t_lock)) != 0)
		goto out_tr;
	if ((error = mutex_init(&tr->t_dlock)) != 0)
		goto out_lock;
	if ((error = cv_init(&tr->t_cv)) != 0)
		goto out_dlock;
	if ((error = cv_init(&tr->t_tcv)) != 0)
		goto out_cv;
	tr->t_journal = EXT2_HAS_COMPAT(ump, EXT2F_COMPAT_HAS_JOURNAL);
	if (!tr->t_journal) {
		ump->um_trans = tr;
		return 0;
	}
	if ((error = jsetup(tr)) != 0)
		goto out_free;
	/* From now on a crash leaves a journal to look at. */
	mutex_enter(&ump->um_lock);
	ump->um_sb.s_feature_incompat = e2_mkle32(
	    e2_le32(ump->um_sb.s_feature_incompat) | EXT2F_INCOMPAT_RECOVER);
	ump->um_incompat |= EXT2F_INCOMPAT_RECOVER;
	mutex_exit(&ump->um_lock);
	if ((error = trans_sb_write_now(ump)) != 0)
		goto out_free;
	if ((error = kthread_create(trans_thread, tr, "ext2fs_commit",
	    &tr->t_thread)) != 0)
		goto out_free;
	ump->um_trans = tr;
	return 0;

out_free:
	trans_free(tr);
	return error;
out_cv:
	cv_destroy(&tr->t_cv);
out_dlock:
	mutex_destroy(&tr->t_dlock);
out_lock:
	mutex_destroy(&tr->t_lock);
out_tr:
	kmem_free(tr, sizeof(*tr));
	return error;
}

/* After a failure: drop the uncommitted pinned buffers, never written. */
static void
trans_discard(struct ext2fs_trans *tr)
{
	struct ext2fs_mount *ump = tr->t_ump;
	struct buf *bp;
	size_t i;
	daddr_t d;

	for (i = 0; i < tr->t_setsize; i++) {
		if (tr->t_set[i] == TRANS_EMPTY || tr->t_set[i] == TRANS_TOMB)
			continue;
		d = EXT2_FSBTODB(ump, tr->t_set[i]);
		if (getblk(ump->um_dev, d, ump->um_bsize, &bp) == 0)
			binval(bp);
	}
	set_clear(tr);
}

int
ext2fs_trans_fini(struct ext2fs_mount *ump)
{
	struct ext2fs_trans *tr = ump->um_trans;
	int error, e2;

	if (tr == NULL)
		return 0;
	error = trans_commit(tr);
	if (tr->t_thread != NULL) {
		mutex_enter(&tr->t_lock);
		tr->t_stop = true;
		cv_broadcast(&tr->t_tcv);
		mutex_exit(&tr->t_lock);
		kthread_join(tr->t_thread);
		tr->t_thread = NULL;
	}
	KASSERT(tr->t_handles == 0);
	ump->um_trans = NULL;
	if (tr->t_error) {
		/* Leave the image as it is: the journal says the rest. */
		trans_discard(tr);
		trans_free(tr);
		return EIO;
	}
	if (tr->t_journal) {
		mutex_enter(&ump->um_lock);
		ump->um_sb.s_feature_incompat = e2_mkle32(
		    e2_le32(ump->um_sb.s_feature_incompat) &
		    ~(uint32_t)EXT2F_INCOMPAT_RECOVER);
		ump->um_incompat &= ~(uint32_t)EXT2F_INCOMPAT_RECOVER;
		mutex_exit(&ump->um_lock);
		/* The journal is empty: s_start 0 is durable first. */
		if ((e2 = blkdev_flush(ump->um_dev)) != 0 && error == 0)
			error = e2;
		if (error == 0)
			error = trans_sb_write_now(ump);
	}
	trans_free(tr);
	return error;
}
