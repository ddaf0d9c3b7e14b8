/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_balloc.c -- giving a file blocks (ffs_balloc) and taking them away
 * (ffs_truncate, ffs_ext_free).
 *
 * The shape every file keeps, which fsck checks and this code relies on:
 *   - blocks mapped through indirect blocks are full blocks;
 *   - of the direct blocks only the last one of the file may be a run of
 *     fragments, exactly fragroundup(size % bsize) bytes of it;
 *   - so when a file grows past a fragment tail, the tail first becomes
 *     a full block (in place or moved: ffs_realloccg) and the size is
 *     raised to cover it;
 *   - the block holding the last byte is allocated (a file does not end
 *     in a hole), and the bytes after the end in that block are zeros.
 *
 * Buffers: a block's buffer always has the block's current allocated
 * size.  When a fragment run grows in place, reading it at the new size
 * makes the buffer cache write back and drop the old, smaller buffer;
 * when it shrinks, the data is copied into a buffer of the new size
 * before the tail fragments are freed; freed space never keeps a cached
 * buffer (ffs_blkfree drops them).  So no two cached buffers overlap.
 *
 * Callers hold the vnode lock exclusively and write the inode
 * (ffs_update) afterwards, on error too: i_db, i_ib, i_blocks and
 * possibly i_size change as blocks are allocated.
 *
 * Exports ffs_balloc, ffs_truncate, ffs_ext_free.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ffs_fs.h"
#include "ffs_node.h"

static void
ffs_blocks_sub(struct ffs_inode *ip, uint32_t bytes)
{
	uint64_t n = bytes >> DEV_BSHIFT;

	ip->i_blocks = ip->i_blocks >= n ? ip->i_blocks - n : 0;
}

/* A busy buffer for the new block BN of SIZE bytes, zeroed. */
static int
ffs_newbuf(struct ffs_mount *ump, int64_t bn, uint32_t size,
    struct buf **bpp)
{
	struct buf *bp;
	int error;

	if ((error = getblk(ump->um_dev, FFS_FSBTODB(ump, bn), size, &bp)) !=
	    0)
		return error;
	memset(bp->b_data, 0, size);
	if (bpp != NULL)
		*bpp = bp;
	else
		bdwrite(bp);
	return 0;
}

/*
 * Grow direct block LBN of IP, a run of fragments of OSIZE bytes, to
 * NSIZE bytes.  *BPP: its busy buffer (old data, then zeros).
 */
static int
ffs_frag_grow(struct ffs_inode *ip, int64_t lbn, uint32_t osize,
    uint32_t nsize, struct buf **bpp)
{
	struct ffs_mount *ump = ip->i_ump;
	int64_t bprev = ip->i_db[lbn], bn, pref;
	struct buf *bp, *obp;
	int error;

	*bpp = NULL;
	if (!ffs_chkrange(ump, bprev, ffs_numfrags(ump, osize)))
		return ffs_corrupt(ump, "inode %llu: block %lld at bad address "
		    "%lld", (unsigned long long)ip->i_number, (long long)lbn,
		    (long long)bprev);
	pref = ffs_blkpref(ip, lbn, lbn, lbn > 0 ? ip->i_db[lbn - 1] : 0);
	if ((error = ffs_realloccg(ip, bprev, pref, osize, nsize, &bn)) != 0)
		return error;
	if (bn == bprev) {
		/* In place: the old, smaller buffer is written and dropped. */
		error = bread(ump->um_dev, FFS_FSBTODB(ump, bn), nsize, &bp);
		if (error) {
			(void)ffs_blkfree(ump, bn + ffs_numfrags(ump, osize),
			    nsize - osize, ip->i_number);
			return error;
		}
	} else {
		if ((error = ffs_bread(ump, bprev, osize, "data",
		    ip->i_number, &obp)) != 0) {
			(void)ffs_blkfree(ump, bn, nsize, ip->i_number);
			return error;
		}
		error = getblk(ump->um_dev, FFS_FSBTODB(ump, bn), nsize, &bp);
		if (error) {
			brelse(obp);
			(void)ffs_blkfree(ump, bn, nsize, ip->i_number);
			return error;
		}
		memcpy(bp->b_data, obp->b_data, osize);
		brelse(obp);
		ip->i_db[lbn] = bn;
		(void)ffs_blkfree(ump, bprev, osize, ip->i_number);
	}
	memset((uint8_t *)bp->b_data + osize, 0, nsize - osize);
	ip->i_blocks += (nsize - osize) >> DEV_BSHIFT;
	*bpp = bp;
	return 0;
}

/* Hand BP to the caller, or write it later if the caller wants none. */
static int
ffs_give(struct buf *bp, struct buf **bpp)
{
	if (bpp != NULL)
		*bpp = bp;
	else
		bdwrite(bp);
	return 0;
}

/* Direct blocks.  NEWSZ: the file size after the caller's change. */
static int
ffs_balloc_direct(struct ffs_inode *ip, int64_t lbn, uint64_t newsz,
    struct buf **bpp)
{
	struct ffs_mount *ump = ip->i_ump;
	uint32_t nsize = ffs_sblksize(ump, newsz, lbn), osize;
	int64_t bn = ip->i_db[lbn], pref;
	struct buf *bp;
	int error;

	if (bn != 0) {
		osize = ffs_blksize(ump, ip, lbn);
		if (osize < nsize) {
			if ((error = ffs_frag_grow(ip, lbn, osize, nsize,
			    &bp)) != 0)
				return error;
			return ffs_give(bp, bpp);
		}
		if (bpp == NULL)
			return 0;
		return ffs_bread(ump, bn, osize, "data", ip->i_number, bpp);
	}
	pref = ffs_blkpref(ip, lbn, lbn, lbn > 0 ? ip->i_db[lbn - 1] : 0);
	if ((error = ffs_alloc(ip, pref, nsize, &bn)) != 0)
		return error;
	ip->i_db[lbn] = bn;
	ip->i_blocks += nsize >> DEV_BSHIFT;
	return ffs_newbuf(ump, bn, nsize, bpp);
}

/* Blocks mapped through the indirect trees. */
static int
ffs_balloc_indir(struct ffs_inode *ip, int64_t lbn, struct buf **bpp)
{
	struct ffs_mount *ump = ip->i_ump;
	uint32_t idx[FFS_NIADDR], bsize = ump->um_bsize;
	int64_t span[FFS_NIADDR], bn, nb, pref;
	int level, l, error;
	struct buf *ibp;

	if ((error = ffs_indir_path(ump, lbn, &level, idx, span)) != 0)
		return error;
	bn = ip->i_ib[level];
	if (bn == 0) {
		pref = ffs_blkpref(ip, lbn, 0, 0);
		if ((error = ffs_alloc(ip, pref, bsize, &bn)) != 0)
			return error;
		ip->i_ib[level] = bn;
		ip->i_blocks += bsize >> DEV_BSHIFT;
		if ((error = ffs_newbuf(ump, bn, bsize, NULL)) != 0)
			return error;
	}
	for (l = level; l >= 0; l--) {
		if ((error = ffs_bread(ump, bn, bsize, "indirect block",
		    ip->i_number, &ibp)) != 0)
			return error;
		nb = ffs_indir_get(ump, ibp->b_data, idx[l]);
		if (nb != 0) {
			brelse(ibp);
			if (!ffs_chkrange(ump, nb, ump->um_frag))
				return ffs_corrupt(ump, "inode %llu: bad "
				    "address %lld in indirect block %lld",
				    (unsigned long long)ip->i_number,
				    (long long)nb, (long long)bn);
			if (l == 0) {
				if (bpp == NULL)
					return 0;
				return ffs_bread(ump, nb, bsize, "data",
				    ip->i_number, bpp);
			}
			bn = nb;
			continue;
		}
		if (l == 0)
			pref = ffs_blkpref(ip, lbn, idx[0], idx[0] > 0 ?
			    ffs_indir_get(ump, ibp->b_data, idx[0] - 1) : 0);
		else
			pref = ffs_blkpref(ip, lbn, 0, 0);
		if ((error = ffs_alloc(ip, pref, bsize, &nb)) != 0) {
			brelse(ibp);
			return error;
		}
		ip->i_blocks += bsize >> DEV_BSHIFT;
		ffs_indir_set(ump, ibp->b_data, idx[l], nb);
		bdwrite(ibp);
		if (l == 0)
			return ffs_newbuf(ump, nb, bsize, bpp);
		if ((error = ffs_newbuf(ump, nb, bsize, NULL)) != 0)
			return error;
		bn = nb;
	}
	return 0;	/* not reached: level 0 returns */
}

int
ffs_balloc(struct ffs_inode *ip, int64_t lbn, uint32_t need,
    uint64_t newsize, struct buf **bpp)
{
	struct ffs_mount *ump = ip->i_ump;
	uint64_t newsz = MAX(ip->i_size, newsize);
	uint32_t osize;
	int64_t nb;
	struct buf *bp;
	int error;

	if (bpp != NULL)
		*bpp = NULL;
	KASSERT(need > 0 && need <= ump->um_bsize && lbn >= 0);
	KASSERT(newsize >= ((uint64_t)lbn << ump->um_bshift) + need);
	if (lbn >= ffs_max_lblocks(ump))
		return EFBIG;
	/* The old fragment tail, no longer the last block, becomes full. */
	if (ip->i_size > 0) {
		nb = ffs_lblkno(ump, ip->i_size - 1);
		if (nb < FFS_NDADDR && nb < lbn && ip->i_db[nb] != 0) {
			osize = ffs_blksize(ump, ip, nb);
			if (osize < ump->um_bsize) {
				if ((error = ffs_frag_grow(ip, nb, osize,
				    ump->um_bsize, &bp)) != 0)
					return error;
				ip->i_size = (uint64_t)(nb + 1) <<
				    ump->um_bshift;
				bdwrite(bp);
			}
		}
	}
	if (lbn < FFS_NDADDR)
		return ffs_balloc_direct(ip, lbn, newsz, bpp);
	return ffs_balloc_indir(ip, lbn, bpp);
}

/* ---- truncation ---- */

/*
 * Free what indirect block BN (at LEVEL: 0 maps data blocks) maps after
 * its relative logical block KEEP; with KEEP < 0 everything and BN
 * itself.  Returns the first error; goes on past bad addresses.
 */
static int
ffs_indirtrunc(struct ffs_inode *ip, int64_t bn, int level, int64_t keep)
{
	struct ffs_mount *ump = ip->i_ump;
	uint32_t bsize = ump->um_bsize, i, first;
	int64_t span = (int64_t)1 << (ump->um_nindirshift * (uint32_t)level);
	int64_t nb;
	struct buf *bp;
	bool modified = false;
	int error, e;

	if ((error = ffs_bread(ump, bn, bsize, "indirect block", ip->i_number,
	    &bp)) != 0)
		return error;
	first = keep < 0 ? 0 : (uint32_t)(keep / span) + 1;
	for (i = first; i < ump->um_nindir; i++) {
		if ((nb = ffs_indir_get(ump, bp->b_data, i)) == 0)
			continue;
		if (level == 0) {
			e = ffs_blkfree(ump, nb, bsize, ip->i_number);
			if (e == 0)
				ffs_blocks_sub(ip, bsize);
		} else
			e = ffs_indirtrunc(ip, nb, level - 1, -1);
		if (e != 0 && error == 0)
			error = e;
		if (keep >= 0) {
			ffs_indir_set(ump, bp->b_data, i, 0);
			modified = true;
		}
	}
	if (keep >= 0 && level > 0 &&
	    (nb = ffs_indir_get(ump, bp->b_data, (uint32_t)(keep / span))) !=
	    0) {
		if (!ffs_chkrange(ump, nb, ump->um_frag))
			e = ffs_corrupt(ump, "inode %llu: bad address %lld in "
			    "indirect block %lld",
			    (unsigned long long)ip->i_number, (long long)nb,
			    (long long)bn);
		else
			e = ffs_indirtrunc(ip, nb, level - 1, keep % span);
		if (e != 0 && error == 0)
			error = e;
	}
	if (keep >= 0) {
		if (modified)
			bdwrite(bp);
		else
			brelse(bp);
		return error;
	}
	brelse(bp);
	e = ffs_blkfree(ump, bn, bsize, ip->i_number);
	if (e == 0)
		ffs_blocks_sub(ip, bsize);
	return error != 0 ? error : e;
}

/*
 * Zero the tail of block LBN after the new end LENGTH, and shrink it to
 * the fragments it still needs if it is a direct block.
 */
static int
ffs_trunc_partial(struct ffs_inode *ip, uint64_t length)
{
	struct ffs_mount *ump = ip->i_ump;
	int64_t lbn = ffs_lblkno(ump, length), bn;
	uint32_t osize, nsize, boff = ffs_blkoff(ump, length);
	uint8_t *save;
	struct buf *bp;
	int error;

	if ((error = ffs_bmap(ip, lbn, &bn, NULL)) != 0 || bn == 0)
		return error;
	osize = ffs_blksize(ump, ip, lbn);
	nsize = ffs_sblksize(ump, length, lbn);
	if ((error = ffs_bread(ump, bn, osize, "data", ip->i_number, &bp)) !=
	    0)
		return error;
	memset((uint8_t *)bp->b_data + boff, 0, osize - boff);
	if (nsize >= osize) {
		bdwrite(bp);
		return 0;
	}
	/* A buffer of the new size first, then the tail goes. */
	if ((save = kmem_alloc(nsize)) == NULL) {
		bdwrite(bp);
		return ENOMEM;
	}
	memcpy(save, bp->b_data, nsize);
	binval(bp);
	error = getblk(ump->um_dev, FFS_FSBTODB(ump, bn), nsize, &bp);
	if (error == 0) {
		memcpy(bp->b_data, save, nsize);
		bdwrite(bp);
	}
	kmem_free(save, nsize);
	if (error)
		return error;
	error = ffs_blkfree(ump, bn + ffs_numfrags(ump, nsize), osize - nsize,
	    ip->i_number);
	if (error == 0)
		ffs_blocks_sub(ip, osize - nsize);
	return error;
}

int
ffs_truncate(struct ffs_inode *ip, uint64_t length)
{
	struct ffs_mount *ump = ip->i_ump;
	int64_t lastkeep, start, total, lbn, bn;
	uint32_t bsz;
	int level, error = 0, e;

	if (length == ip->i_size)
		return 0;
	if (ffs_is_shortlink(ip)) {
		if (length != 0)
			return EINVAL;
		memset(ip->i_shortlink, 0, sizeof(ip->i_shortlink));
		ip->i_flag &= ~IN_SHORTLINK;
		ip->i_size = 0;
		return 0;
	}
	if (length > ip->i_size) {
		lbn = ffs_lblkno(ump, length - 1);
		error = ffs_balloc(ip, lbn, ffs_blkoff(ump, length - 1) + 1,
		    length, NULL);
		if (error == 0)
			ip->i_size = length;
		return error;
	}

	lastkeep = length == 0 ? -1 : ffs_lblkno(ump, length - 1);
	for (lbn = FFS_NDADDR - 1; lbn > lastkeep; lbn--) {
		if ((bn = ip->i_db[lbn]) == 0)
			continue;
		bsz = ffs_blksize(ump, ip, lbn);
		e = ffs_blkfree(ump, bn, bsz, ip->i_number);
		if (e == 0)
			ffs_blocks_sub(ip, bsz);
		else if (error == 0)
			error = e;
		ip->i_db[lbn] = 0;
	}
	start = FFS_NDADDR;
	for (level = 0; level < FFS_NIADDR; level++) {
		total = (int64_t)1 << (ump->um_nindirshift * (uint32_t)(level +
		    1));
		if ((bn = ip->i_ib[level]) != 0 && lastkeep < start + total) {
			e = ffs_indirtrunc(ip, bn, level, lastkeep < start ?
			    -1 : lastkeep - start);
			if (e != 0 && error == 0)
				error = e;
			if (lastkeep < start)
				ip->i_ib[level] = 0;
		}
		start += total;
	}
	if (length > 0 && ffs_blkoff(ump, length) != 0 &&
	    (e = ffs_trunc_partial(ip, length)) != 0 && error == 0)
		error = e;
	ip->i_size = length;
	/* A file does not end in a hole. */
	if (length > 0 && error == 0) {
		lbn = ffs_lblkno(ump, length - 1);
		if ((error = ffs_bmap(ip, lbn, &bn, NULL)) == 0 && bn == 0)
			error = ffs_balloc(ip, lbn,
			    ffs_blkoff(ump, length - 1) + 1, length, NULL);
	}
	return error;
}

int
ffs_ext_free(struct ffs_inode *ip)
{
	struct ffs_mount *ump = ip->i_ump;
	uint32_t size;
	int i, error = 0, e;

	if (!ump->um_ufs2)
		return 0;
	for (i = 0; i < FFS_NXADDR; i++) {
		if (ip->i_extb[i] == 0)
			continue;
		size = ffs_sblksize(ump, ip->i_extsize, i);
		if ((uint64_t)i >= howmany(ip->i_extsize, ump->um_bsize))
			size = ump->um_bsize;
		e = ffs_blkfree(ump, ip->i_extb[i], size, ip->i_number);
		if (e == 0)
			ffs_blocks_sub(ip, size);
		else if (error == 0)
			error = e;
		ip->i_extb[i] = 0;
	}
	ip->i_extsize = 0;
	return error;
}
