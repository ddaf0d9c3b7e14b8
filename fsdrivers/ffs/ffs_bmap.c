/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_bmap.c -- mapping a file's logical blocks to fragment addresses.
 *
 * An inode addresses its first FFS_NDADDR blocks directly, then one
 * single, one double and one triple indirect block; an indirect block
 * holds nindir 32-bit (UFS1) or 64-bit (UFS2) fragment addresses of
 * full blocks.  0 is a hole at any level.  Every address is checked
 * (ffs_chkrange) before it is followed or handed out: a corrupt tree
 * gives EUCLEAN, never an access outside the filesystem or into its
 * metadata.
 *
 * ffs_bmap also reports a run: how many logical blocks from the one
 * asked for continue contiguously on disk (or as a hole), within one
 * direct array or indirect block.  Reads use it for read-ahead and the
 * FUSE bridge for its splice path.
 *
 * Exports ffs_bmap, ffs_read_buf, ffs_max_lblocks, ffs_indir_get,
 * ffs_indir_set, ffs_indir_path.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ffs_fs.h"
#include "ffs_node.h"

int64_t
ffs_max_lblocks(const struct ffs_mount *ump)
{
	int64_t n = ump->um_nindir;

	return FFS_NDADDR + n + n * n + n * n * n;
}

int64_t
ffs_indir_get(const struct ffs_mount *ump, const void *buf, uint32_t i)
{
	if (ump->um_ufs2)
		return FFS_RDS64(ump, ((const int64_t *)buf)[i]);
	return FFS_RDS32(ump, ((const int32_t *)buf)[i]);
}

void
ffs_indir_set(const struct ffs_mount *ump, void *buf, uint32_t i, int64_t v)
{
	if (ump->um_ufs2)
		FFS_WR64(ump, ((int64_t *)buf)[i], v);
	else
		FFS_WR32(ump, ((int32_t *)buf)[i], (int32_t)v);
}

int
ffs_indir_path(const struct ffs_mount *ump, int64_t lbn, int *levelp,
    uint32_t idx[FFS_NIADDR], int64_t span[FFS_NIADDR])
{
	int64_t off = lbn - FFS_NDADDR;
	int level, l;

	KASSERT(lbn >= FFS_NDADDR);
	span[0] = 1;
	for (level = 0; level < FFS_NIADDR; level++) {
		if (level > 0)
			span[level] = span[level - 1] << ump->um_nindirshift;
		if (off < (span[level] << ump->um_nindirshift))
			break;
		off -= span[level] << ump->um_nindirshift;
	}
	if (level == FFS_NIADDR)
		return EFBIG;
	for (l = level; l >= 0; l--) {
		idx[l] = (uint32_t)(off / span[l]);
		off %= span[l];
	}
	*levelp = level;
	return 0;
}

/*
 * Count the entries from I on in ARR (N entries, fetched by GET) that
 * continue BN: contiguous full blocks, or holes when BN is 0.  Blocks
 * that fail the range check end the run.
 */
static int64_t
ffs_run(const struct ffs_mount *ump, int64_t bn, uint32_t i, uint32_t n,
    const void *buf, const int64_t *arr)
{
	int64_t run = 1, next;
	uint32_t j;

	for (j = i + 1; j < n; j++, run++) {
		next = arr != NULL ? arr[j] : ffs_indir_get(ump, buf, j);
		if (bn == 0) {
			if (next != 0)
				break;
			continue;
		}
		if (next != bn + (int64_t)(j - i) * ump->um_frag ||
		    !ffs_chkrange(ump, next, ump->um_frag))
			break;
	}
	return run;
}

int
ffs_bmap(struct ffs_inode *ip, int64_t lbn, int64_t *bnp, int64_t *runp)
{
	struct ffs_mount *ump = ip->i_ump;
	unsigned long long ino = (unsigned long long)ip->i_number;
	int64_t span[FFS_NIADDR], bn, run;
	uint32_t idx[FFS_NIADDR], n, lastn;
	int level, l;
	struct buf *bp;
	int error;

	*bnp = 0;
	if (runp != NULL)
		*runp = 1;
	if (lbn < 0)
		return EINVAL;
	if (lbn < FFS_NDADDR) {
		bn = ip->i_db[lbn];
		n = ffs_numfrags(ump, ffs_blksize(ump, ip, lbn));
		if (bn != 0 && !ffs_chkrange(ump, bn, n))
			return ffs_corrupt(ump, "inode %llu: block %lld at bad "
			    "address %lld", ino, (long long)lbn,
			    (long long)bn);
		/* a partial last block ends any run */
		lastn = FFS_NDADDR;
		if (ip->i_size < (uint64_t)FFS_NDADDR << ump->um_bshift)
			lastn = (uint32_t)ffs_lblkno(ump, ip->i_size +
			    ump->um_bsize - 1);
		if (runp != NULL && lbn < lastn) {
			run = ffs_run(ump, bn, (uint32_t)lbn, lastn, NULL,
			    ip->i_db);
			*runp = run;
		}
		*bnp = bn;
		return 0;
	}

	if ((error = ffs_indir_path(ump, lbn, &level, idx, span)) != 0)
		return error;

	bn = ip->i_ib[level];
	for (l = level; l >= 0; l--) {
		if (bn == 0) {
			/* a hole: the rest of this block's subtree */
			if (runp != NULL) {
				int64_t pos = 0;
				int k;

				for (k = l; k >= 0; k--)
					pos += (int64_t)idx[k] * span[k];
				*runp = (span[l] << ump->um_nindirshift) - pos;
			}
			return 0;
		}
		error = ffs_bread(ump, bn, ump->um_bsize, "indirect block",
		    ip->i_number, &bp);
		if (error)
			return error;
		bn = ffs_indir_get(ump, bp->b_data, idx[l]);
		if (l == 0) {
			if (bn != 0 && !ffs_chkrange(ump, bn, ump->um_frag)) {
				brelse(bp);
				return ffs_corrupt(ump, "inode %llu: block "
				    "%lld at bad address %lld", ino,
				    (long long)lbn, (long long)bn);
			}
			if (runp != NULL)
				*runp = ffs_run(ump, bn, idx[0], ump->um_nindir,
				    bp->b_data, NULL);
		}
		brelse(bp);
	}
	*bnp = bn;
	return 0;
}

int
ffs_read_buf(struct ffs_inode *ip, uint64_t off, void *buf, size_t len)
{
	struct ffs_mount *ump = ip->i_ump;
	uint8_t *p = buf;
	int64_t lbn, bn;
	uint32_t boff, size;
	struct buf *bp;
	size_t n;
	int error;

	KASSERT(off + len <= ip->i_size);
	while (len > 0) {
		lbn = ffs_lblkno(ump, off);
		boff = ffs_blkoff(ump, off);
		size = ffs_blksize(ump, ip, lbn);
		n = MIN((size_t)(ump->um_bsize - boff), len);
		if ((error = ffs_bmap(ip, lbn, &bn, NULL)) != 0)
			return error;
		if (bn == 0)
			memset(p, 0, n);
		else {
			if ((error = ffs_bread(ump, bn, size, "data",
			    ip->i_number, &bp)) != 0)
				return error;
			memcpy(p, (uint8_t *)bp->b_data + boff, n);
			brelse(bp);
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}
