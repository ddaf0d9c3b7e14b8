/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_balloc.c -- the entry points of block-map changes: mapping
 * holes for writes (ext2fs_balloc), fallocate (ext2fs_balloc_unwritten)
 * and releasing ranges for truncate and hole punching
 * (ext2fs_bfree_range).  Each dispatches on EXT4_EXTENTS_FL to the
 * extent tree code (ext2fs_extent_write.c) or the block map code
 * (ext2fs_ind_write.c), and writes the inode back (ext2fs_node_update)
 * when its map root or block count changed.
 *
 * Long frees: ext2fs_bfree_range works from the end of the range
 * backwards, a bounded chunk of logical blocks per transaction handle,
 * writing the inode after each chunk, so the map is consistent at every
 * commit: a truncation that a crash interrupts leaves a shorter map
 * under the old i_size, which the orphan list (the caller's) finishes.
 *
 * Also here: ext2fs_balloc_reserved, who may use the reserved blocks.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

/*
 * Logical blocks freed per handle: one block bitmap's worth, so a chunk
 * touches a few bitmap and group descriptor blocks and at most
 * chunk / (entries per tree block) tree blocks.
 */
#define BFREE_CHUNK(ump)	((uint64_t)(ump)->um_bsize * 8)
/* The handle's estimate of the blocks dirtied by one chunk. */
#define BFREE_TRANS_BLOCKS	64

bool
ext2fs_balloc_reserved(const struct ext2fs_mount *ump)
{
	kauth_cred_t cred = kauth_cred_get();

	return kauth_cred_isroot(cred) ||
	    cred->cr_uid == e2_le16(ump->um_sb.s_def_resuid) ||
	    kauth_cred_groupmember(cred, e2_le16(ump->um_sb.s_def_resgid));
}

static inline const uint8_t *
balloc_root(const struct ext2fs_node *np)
{
	return np->n_raw + offsetof(struct ext2_dinode, i_block);
}

/* A copy of what a map change may touch in the inode. */
struct balloc_snap {
	uint8_t		root[EXT2_IBLOCK_BYTES];
	uint64_t	bytes;
};

static void
balloc_snap(const struct ext2fs_node *np, struct balloc_snap *s)
{
	memcpy(s->root, balloc_root(np), EXT2_IBLOCK_BYTES);
	s->bytes = np->n_bytes;
}

/* Write the inode back if the map changed since S. */
static int
balloc_update(struct ext2fs_node *np, const struct balloc_snap *s)
{
	if (s->bytes == np->n_bytes &&
	    memcmp(s->root, balloc_root(np), EXT2_IBLOCK_BYTES) == 0)
		return 0;
	return ext2fs_node_update(np);
}

/* Is NP mapped by blocks at all (not inline, not a fast symlink)? */
static int
balloc_check(const struct ext2fs_node *np)
{
	if (np->n_flags & EXT2_INLINE_DATA_FL)
		return EINVAL;
	return 0;
}

int
ext2fs_balloc(struct ext2fs_node *np, uint64_t lblk, uint64_t count,
    uint64_t *pblkp, uint64_t *runp, bool *newp)
{
	struct balloc_snap snap;
	uint64_t max = ext2fs_max_lblocks(np);
	int error, error2;

	KASSERT(count >= 1);
	*newp = false;
	if ((error = balloc_check(np)) != 0)
		return error;
	if (lblk >= max)
		return EFBIG;
	count = MIN(count, max - lblk);
	balloc_snap(np, &snap);
	if (np->n_flags & EXT2_EXTENTS_FL)
		error = ext2fs_ext_alloc(np, lblk, count, false, pblkp, runp,
		    newp);
	else
		error = ext2fs_ind_alloc(np, lblk, count, pblkp, runp, newp);
	error2 = balloc_update(np, &snap);
	return error ? error : error2;
}

/* Zero COUNT new data blocks from PBLK (block-mapped fallocate). */
static int
balloc_zero(struct ext2fs_mount *ump, uint64_t pblk, uint64_t count)
{
	struct buf *bp;
	uint64_t i;
	int error;

	for (i = 0; i < count; i++) {
		error = getblk(ump->um_dev, EXT2_FSBTODB(ump, pblk + i),
		    ump->um_bsize, &bp);
		if (error)
			return error;
		memset(bp->b_data, 0, ump->um_bsize);
		bdwrite(bp);
	}
	return 0;
}

/*
 * The logical ranges a fallocate mapped (holes before it), coalesced, so
 * that a failing one can give them back.  Past BALLOC_UNDO_MAX ranges
 * (data interleaved with many holes) the rest is kept: still consistent.
 */
#define BALLOC_UNDO_MAX	32
struct balloc_undo {
	uint64_t	lo[BALLOC_UNDO_MAX], hi[BALLOC_UNDO_MAX];
	unsigned	n;
};

static void
balloc_undo_add(struct balloc_undo *u, uint64_t lblk, uint64_t run)
{
	if (u->n > 0 && u->hi[u->n - 1] == lblk) {
		u->hi[u->n - 1] += run;
		return;
	}
	if (u->n == BALLOC_UNDO_MAX)
		return;
	u->lo[u->n] = lblk;
	u->hi[u->n] = lblk + run;
	u->n++;
}

static void
balloc_undo(struct ext2fs_node *np, const struct balloc_undo *u)
{
	unsigned i;

	for (i = 0; i < u->n; i++) {
		if (np->n_flags & EXT2_EXTENTS_FL)
			(void)ext2fs_ext_free(np, u->lo[i], u->hi[i]);
		else
			(void)ext2fs_ind_free(np, u->lo[i], u->hi[i]);
	}
}

/*
 * => On failure (ENOSPC...) what this call allocated is freed again, as
 *    far as it can be tracked (see balloc_undo).
 */
int
ext2fs_balloc_unwritten(struct ext2fs_node *np, uint64_t lblk,
    uint64_t count)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct balloc_snap snap;
	struct balloc_undo undo;
	uint64_t max = ext2fs_max_lblocks(np), pblk, run;
	bool isnew;
	int error = 0, error2;

	if ((error = balloc_check(np)) != 0)
		return error;
	if (count == 0)
		return 0;
	if (lblk >= max || count > max - lblk)
		return EFBIG;
	balloc_snap(np, &snap);
	undo.n = 0;
	while (count > 0) {
		if (np->n_flags & EXT2_EXTENTS_FL)
			error = ext2fs_ext_alloc(np, lblk, count, true, &pblk,
			    &run, &isnew);
		else {
			error = ext2fs_ind_alloc(np, lblk, count, &pblk, &run,
			    &isnew);
			if (error == 0 && isnew)
				error = balloc_zero(ump, pblk, run);
		}
		if (isnew)	/* mapped, even if zeroing it failed */
			balloc_undo_add(&undo, lblk, run);
		if (error)
			break;
		KASSERT(run >= 1 && run <= count);
		lblk += run;
		count -= run;
	}
	if (error)
		balloc_undo(np, &undo);
	error2 = balloc_update(np, &snap);
	return error ? error : error2;
}

/*
 * Does NP's i_block map blocks?  Not when it holds inline data, a fast
 * symlink's target (no blocks but an xattr block) or a device number.
 */
static bool
bfree_has_map(const struct ext2fs_node *np)
{
	uint32_t type = np->n_mode & S_IFMT;
	uint64_t acl = np->n_file_acl != 0 ? np->n_ump->um_bsize : 0;

	if (np->n_flags & EXT2_INLINE_DATA_FL)
		return false;
	if (type == S_IFREG || type == S_IFDIR)
		return true;
	if (type == S_IFLNK)
		return (np->n_flags & EXT2_EXTENTS_FL) != 0 ||
		    np->n_bytes > acl;
	return false;
}

/* Free [LO, HI) (HI UINT64_MAX: truncate to LO), inode written back. */
static int
bfree_chunk(struct ext2fs_node *np, uint64_t lo, uint64_t hi)
{
	struct balloc_snap snap;
	int error, error2;

	balloc_snap(np, &snap);
	if (np->n_flags & EXT2_EXTENTS_FL)
		error = ext2fs_ext_free(np, lo, hi);
	else
		error = ext2fs_ind_free(np, lo, hi);
	error2 = balloc_update(np, &snap);
	return error ? error : error2;
}

/*
 * => Caller holds NP's vnode lock exclusive, and a handle or none: each
 *    chunk runs in a handle of its own (nested in the caller's if it
 *    holds one, so that the chunks then commit together).  Without a
 *    caller's handle a full transaction commits between two chunks.
 */
int
ext2fs_bfree_range(struct ext2fs_node *np, uint64_t lblk, uint64_t end)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t max = ext2fs_max_lblocks(np), hi, e, lo;
	bool truncate = end == UINT64_MAX;
	int error;

	if (!bfree_has_map(np))
		return 0;
	hi = MIN(end, max);
	if (lblk >= hi)
		return 0;
	for (;;) {
		if ((error = ext2fs_trans_begin(ump, BFREE_TRANS_BLOCKS)) != 0)
			return error;
		if (np->n_flags & EXT2_EXTENTS_FL)
			error = ext2fs_ext_map_end(np, hi, &e);
		else
			error = ext2fs_ind_map_end(np, hi, &e);
		if (error == 0 && e <= lblk) {
			/* nothing mapped: still drop empty map blocks */
			if (truncate)
				error = bfree_chunk(np, lblk, UINT64_MAX);
			ext2fs_trans_end(ump);
			return error;
		}
		if (error == 0) {
			lo = e - lblk > BFREE_CHUNK(ump) ?
			    e - BFREE_CHUNK(ump) : lblk;
			error = bfree_chunk(np, lo, truncate ? UINT64_MAX : e);
			hi = lo;
		}
		ext2fs_trans_end(ump);
		if (error || hi == lblk)
			return error;
	}
}
