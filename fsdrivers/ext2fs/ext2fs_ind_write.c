/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_ind_write.c -- changing the classic block map of files without
 * extents (ext2, ext3): 12 direct pointers in i_block, then a single, a
 * double and a triple indirect block, each a block of 32-bit pointers.
 *
 * Allocation walks down from the inode, allocating (zeroed, through
 * ext2fs_trans_dirty) every missing indirect block on the way, then maps
 * as many consecutive holes of the last indirect block (or of the direct
 * pointers) as the caller wants with one ext2fs_blkalloc call, near the
 * previous pointer.  No indirect block is held busy across an
 * allocation: the block is read again to store the new pointers.
 *
 * Freeing walks the subtrees that intersect the range, clears pointers,
 * frees runs of data blocks, and frees every indirect block the range
 * leaves without pointers.  Pointers read from disk are checked to lie
 * inside the filesystem (EUCLEAN otherwise).  n_bytes counts data and
 * indirect blocks; i_block changes are written by the caller
 * (ext2fs_balloc.c, through ext2fs_node_update).
 *
 * Exports (ext2fs_write.h): ext2fs_ind_alloc, ext2fs_ind_free,
 * ext2fs_ind_map_end.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

static inline e2le32_t *
ind_root(struct ext2fs_node *np)
{
	return (e2le32_t *)(np->n_raw + offsetof(struct ext2_dinode, i_block));
}

static inline uint64_t
ind_get(const uint8_t *p, uint64_t i)
{
	return e2_ld32(p + 4 * i);
}

static inline void
ind_set(uint8_t *p, uint64_t i, uint64_t v)
{
	e2le32_t x = e2_mkle32((uint32_t)v);

	memcpy(p + 4 * i, &x, sizeof(x));
}

static int
ind_bad(struct ext2fs_node *np, uint64_t blk)
{
	return ext2fs_corrupt(np->n_ump, "inode %llu: bad block pointer %llu",
	    (unsigned long long)np->n_ino, (unsigned long long)blk);
}

/* Read indirect block BLK (checked first). */
static int
ind_read(struct ext2fs_node *np, uint64_t blk, struct buf **bpp)
{
	if (!ext2fs_blk_valid(np->n_ump, blk, 1))
		return ind_bad(np, blk);
	return ext2fs_bread(np->n_ump, blk, 0, "indirect", np->n_ino, bpp);
}

/* A new zeroed indirect block, in the running transaction. */
static int
ind_newblk(struct ext2fs_node *np, uint64_t lblk, uint64_t *blkp)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct buf *bp;
	uint64_t got;
	int error;

	error = ext2fs_blkalloc(ump, ext2fs_blkpref(np, lblk), 1,
	    ext2fs_balloc_reserved(ump), blkp, &got);
	if (error)
		return error;
	error = getblk(ump->um_dev, EXT2_FSBTODB(ump, *blkp), ump->um_bsize,
	    &bp);
	if (error) {
		(void)ext2fs_blkfree(ump, *blkp, 1, true);
		return error;
	}
	memset(bp->b_data, 0, ump->um_bsize);
	ext2fs_trans_dirty(ump, bp);
	np->n_bytes += ump->um_bsize;
	np->n_lastalloc = *blkp;
	return 0;
}

/*
 * Look at the pointer array PTRS[IDX, NPTR) (a direct array or an
 * indirect block's contents) for at most COUNT blocks: *PBLKP is the
 * pointer at IDX (0: a hole) and *RUNP how many pointers continue it
 * (contiguous blocks, or holes); *PREVP the pointer before IDX (or 0).
 */
static int
ind_scan(struct ext2fs_node *np, const uint8_t *ptrs, uint64_t idx,
    uint64_t nptr, uint64_t count, uint64_t *pblkp, uint64_t *runp,
    uint64_t *prevp)
{
	uint64_t p = ind_get(ptrs, idx), k, end;

	end = idx + MIN(count, nptr - idx);
	for (k = idx + 1; k < end; k++) {
		if (ind_get(ptrs, k) != (p == 0 ? 0 : p + (k - idx)))
			break;
	}
	if (p != 0 && !ext2fs_blk_valid(np->n_ump, p, k - idx))
		return ind_bad(np, p);
	*pblkp = p;
	*runp = k - idx;
	*prevp = idx > 0 ? ind_get(ptrs, idx - 1) : 0;
	return 0;
}

/*
 * Allocate WANT blocks for a hole at LBLK, after PREV (the pointer before
 * it) when there is one.  No buffer of NP's map may be held busy:
 * ext2fs_blkpref reads the map.
 */
static int
ind_alloc_data(struct ext2fs_node *np, uint64_t lblk, uint64_t prev,
    uint64_t want, uint64_t *pblkp, uint64_t *runp)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t goal;
	int error;

	goal = prev != 0 ? prev + 1 : ext2fs_blkpref(np, lblk);
	error = ext2fs_blkalloc(ump, goal, want, ext2fs_balloc_reserved(ump),
	    pblkp, runp);
	if (error == 0)
		KASSERT(*runp >= 1 && *runp <= want);
	return error;
}

int
ext2fs_ind_alloc(struct ext2fs_node *np, uint64_t lblk, uint64_t count,
    uint64_t *pblkp, uint64_t *runp, bool *newp)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint32_t shift = ump->um_bshift - 2;
	uint64_t nptr = (uint64_t)1 << shift, off, span, blk, next, idx, i;
	e2le32_t *root = ind_root(np);
	struct buf *bp;
	uint64_t prev;
	int level, l, error;

	*newp = false;
	if (count == 0 || lblk >= ext2fs_max_lblocks(np))
		return EFBIG;
	if (lblk < EXT2_NDADDR) {
		error = ind_scan(np, (const uint8_t *)root, lblk, EXT2_NDADDR,
		    count, pblkp, runp, &prev);
		if (error || *pblkp != 0)
			return error;
		error = ind_alloc_data(np, lblk, prev, *runp, pblkp, runp);
		if (error)
			return error;
		for (i = 0; i < *runp; i++)
			root[lblk + i] = e2_mkle32((uint32_t)(*pblkp + i));
		goto out_new;
	}
	off = lblk - EXT2_NDADDR;
	span = nptr;
	for (level = 1; level <= 3; level++) {
		if (off < span)
			break;
		off -= span;
		span <<= shift;
	}
	KASSERT(level <= 3);
	blk = e2_le32(root[EXT2_NDADDR + level - 1]);
	if (blk == 0) {
		if ((error = ind_newblk(np, lblk, &blk)) != 0)
			return error;
		root[EXT2_NDADDR + level - 1] = e2_mkle32((uint32_t)blk);
	}
	for (l = level; l > 1; l--) {
		idx = (off >> (shift * (uint32_t)(l - 1))) & (nptr - 1);
		if ((error = ind_read(np, blk, &bp)) != 0)
			return error;
		next = ind_get(bp->b_data, idx);
		brelse(bp);
		if (next == 0) {
			if ((error = ind_newblk(np, lblk, &next)) != 0)
				return error;
			if ((error = ind_read(np, blk, &bp)) != 0) {
				/* leaked until fsck; cannot happen cached */
				return error;
			}
			ind_set(bp->b_data, idx, next);
			ext2fs_trans_dirty(ump, bp);
		}
		blk = next;
	}
	idx = off & (nptr - 1);
	if ((error = ind_read(np, blk, &bp)) != 0)
		return error;
	error = ind_scan(np, bp->b_data, idx, nptr, count, pblkp, runp, &prev);
	brelse(bp);
	if (error || *pblkp != 0)
		return error;
	if ((error = ind_alloc_data(np, lblk, prev, *runp, pblkp, runp)) != 0)
		return error;
	if ((error = ind_read(np, blk, &bp)) != 0) {
		(void)ext2fs_blkfree(ump, *pblkp, *runp, false);
		return error;
	}
	for (i = 0; i < *runp; i++) {
		if (ind_get(bp->b_data, idx + i) != 0) {
			/* only a corrupt bitmap lets this happen */
			brelse(bp);
			(void)ext2fs_blkfree(ump, *pblkp, *runp, false);
			return ext2fs_corrupt(ump, "inode %llu: indirect block "
			    "%llu changed under an allocation",
			    (unsigned long long)np->n_ino,
			    (unsigned long long)blk);
		}
	}
	for (i = 0; i < *runp; i++)
		ind_set(bp->b_data, idx + i, *pblkp + i);
	ext2fs_trans_dirty(ump, bp);
out_new:
	np->n_bytes += *runp << ump->um_bshift;
	np->n_lastalloc = *pblkp + *runp - 1;
	*newp = true;
	return 0;
}

/* ---- freeing ---- */

/* A run of data blocks waiting to be freed (coalesced). */
struct ind_run {
	struct ext2fs_node *np;
	uint64_t	start, len;
	int		error;
	uint64_t	held[3];	/* indirect blocks held busy */
	int		nheld;
};

static void
ind_run_flush(struct ind_run *fr)
{
	int error;

	if (fr->len == 0)
		return;
	error = ext2fs_blkfree(fr->np->n_ump, fr->start, fr->len, false);
	if (error == 0)
		fr->np->n_bytes -= fr->len << fr->np->n_ump->um_bshift;
	else if (fr->error == 0)
		fr->error = error;
	fr->len = 0;
}

static void
ind_run_add(struct ind_run *fr, uint64_t blk)
{
	if (fr->len > 0 && fr->start + fr->len == blk && fr->len < (1u << 20)) {
		fr->len++;
		return;
	}
	ind_run_flush(fr);
	fr->start = blk;
	fr->len = 1;
}

static bool
ind_held(const struct ind_run *fr, uint64_t blk)
{
	int i;

	for (i = 0; i < fr->nheld; i++)
		if (fr->held[i] == blk)
			return true;
	return false;
}

/*
 * Free the part of [LO, HI) under indirect block BLK at LEVEL (1: data
 * pointers), whose first pointer maps logical block BASE.  *EMPTYP: no
 * pointer is left in BLK (the caller frees it).
 */
static int
ind_free_block(struct ext2fs_node *np, uint64_t blk, int level,
    uint64_t base, uint64_t lo, uint64_t hi, struct ind_run *fr,
    bool *emptyp)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint32_t shift = ump->um_bshift - 2;
	uint64_t nptr = (uint64_t)1 << shift, per, first, last, i, p;
	struct buf *bp;
	uint8_t *ptrs;
	bool changed = false, cempty;
	int error = 0;

	*emptyp = false;
	per = (uint64_t)1 << (shift * (uint32_t)(level - 1));
	first = lo > base ? (lo - base) / per : 0;
	last = MIN(nptr, howmany(hi - base, per));
	if ((error = ind_read(np, blk, &bp)) != 0)
		return error;
	KASSERT(fr->nheld < (int)__arraycount(fr->held));
	fr->held[fr->nheld++] = blk;
	ptrs = bp->b_data;
	for (i = first; i < last; i++) {
		if ((p = ind_get(ptrs, i)) == 0)
			continue;
		if (!ext2fs_blk_valid(ump, p, 1)) {
			error = ind_bad(np, p);
			break;
		}
		if (level == 1) {
			ind_run_add(fr, p);
		} else {
			if (ind_held(fr, p)) {	/* a read would hang */
				error = ext2fs_corrupt(ump, "inode %llu: "
				    "indirect block %llu loops",
				    (unsigned long long)np->n_ino,
				    (unsigned long long)p);
				break;
			}
			error = ind_free_block(np, p, level - 1, base + i * per,
			    lo, hi, fr, &cempty);
			if (error)
				break;
			if (!cempty)
				continue;
			if ((error = ext2fs_blkfree(ump, p, 1, true)) != 0)
				break;
			np->n_bytes -= ump->um_bsize;
		}
		ind_set(ptrs, i, 0);
		changed = true;
	}
	fr->nheld--;
	if (error == 0) {
		for (i = 0; i < nptr && ind_get(ptrs, i) == 0; i++)
			continue;
		*emptyp = i == nptr;
	}
	if (*emptyp)
		brelse(bp);	/* the caller frees it */
	else if (changed)
		ext2fs_trans_dirty(ump, bp);
	else
		brelse(bp);
	return error;
}

/*
 * Free [LO, HI) of block-mapped NP (HI UINT64_MAX: everything from LO
 * on).  Caller holds the vnode lock exclusive and a handle.
 */
int
ext2fs_ind_free(struct ext2fs_node *np, uint64_t lo, uint64_t hi)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint32_t shift = ump->um_bshift - 2;
	uint64_t base, span, i, blk;
	e2le32_t *root = ind_root(np);
	struct ind_run fr = { .np = np };
	bool empty;
	int level, error = 0;

	hi = MIN(hi, ext2fs_max_lblocks(np));
	for (i = lo; i < MIN(hi, EXT2_NDADDR); i++) {
		if ((blk = e2_le32(root[i])) == 0)
			continue;
		if (!ext2fs_blk_valid(ump, blk, 1)) {
			error = ind_bad(np, blk);
			goto out;
		}
		ind_run_add(&fr, blk);
		root[i] = e2_mkle32(0);
	}
	base = EXT2_NDADDR;
	span = (uint64_t)1 << shift;
	for (level = 1; level <= 3 && base < hi; level++) {
		blk = e2_le32(root[EXT2_NDADDR + level - 1]);
		if (blk != 0 && lo < base + span) {
			error = ind_free_block(np, blk, level, base, lo, hi,
			    &fr, &empty);
			if (error)
				goto out;
			if (empty) {
				/* data runs first: BLK may follow them */
				ind_run_flush(&fr);
				error = ext2fs_blkfree(ump, blk, 1, true);
				if (error)
					goto out;
				np->n_bytes -= ump->um_bsize;
				root[EXT2_NDADDR + level - 1] = e2_mkle32(0);
			}
		}
		base += span;
		span <<= shift;
	}
out:
	ind_run_flush(&fr);
	return error ? error : fr.error;
}

/* ---- bounds ---- */

int
ext2fs_ind_map_end(struct ext2fs_node *np, uint64_t before, uint64_t *endp)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint32_t shift = ump->um_bshift - 2;
	uint64_t nptr = (uint64_t)1 << shift, base[3], span[3], per, i, blk;
	e2le32_t *root = ind_root(np);
	struct buf *bp;
	int level, error;

	*endp = 0;
	before = MIN(before, ext2fs_max_lblocks(np));
	base[0] = EXT2_NDADDR;
	span[0] = nptr;
	for (level = 1; level < 3; level++) {
		base[level] = base[level - 1] + span[level - 1];
		span[level] = span[level - 1] << shift;
	}
	for (level = 3; level >= 1; level--) {
		if (base[level - 1] >= before)
			continue;
		blk = e2_le32(root[EXT2_NDADDR + level - 1]);
		if (blk == 0)
			continue;
		/* the last pointer of the top block starting below BEFORE */
		if ((error = ind_read(np, blk, &bp)) != 0)
			return error;
		per = span[level - 1] >> shift;
		i = MIN(nptr, howmany(before - base[level - 1], per));
		while (i > 0 && ind_get(bp->b_data, i - 1) == 0)
			i--;
		brelse(bp);
		if (i > 0) {
			*endp = MIN(before, base[level - 1] + i * per);
			return 0;
		}
	}
	for (i = MIN(before, EXT2_NDADDR); i > 0; i--) {
		if (e2_le32(root[i - 1]) != 0) {
			*endp = i;
			return 0;
		}
	}
	return 0;
}
