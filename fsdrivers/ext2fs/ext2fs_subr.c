/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_subr.c -- block reads for the ext2fs driver.  Every block the
 * driver reads goes through ext2fs_bread(), which checks the block number
 * against the filesystem before it reaches the buffer cache, always uses
 * the filesystem block size for a given device block (buf.h requires one
 * size per block number), and can start read-ahead of following blocks.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"

bool
ext2fs_blk_valid(const struct ext2fs_mount *ump, uint64_t blk, uint64_t count)
{
	if (blk < ump->um_first_data_block || count == 0)
		return false;
	if (blk >= ump->um_nblocks || count > ump->um_nblocks - blk)
		return false;
	return true;
}

/*
 * => BLK must be a valid block (checked here: EUCLEAN otherwise).
 * => Read-ahead stops at the end of the filesystem; at most 64 blocks.
 * => On success *BPP is busy; release it with brelse().
 */
int
ext2fs_bread(struct ext2fs_mount *ump, uint64_t blk, int nra,
    const char *what, ino64_t ino, struct buf **bpp)
{
	daddr_t rablks[64];
	uint32_t rasizes[64];
	int i, n;

	*bpp = NULL;
	if (blk >= ump->um_nblocks)
		return ext2fs_corrupt(ump,
		    "inode %llu: %s block %llu beyond the end (%llu blocks)",
		    (unsigned long long)ino, what, (unsigned long long)blk,
		    (unsigned long long)ump->um_nblocks);
	if (nra <= 0)
		return bread(ump->um_dev, EXT2_FSBTODB(ump, blk),
		    ump->um_bsize, bpp);
	n = 0;
	for (i = 1; i <= nra && n < (int)__arraycount(rablks); i++) {
		if (blk + (uint64_t)i >= ump->um_nblocks)
			break;
		rablks[n] = EXT2_FSBTODB(ump, blk + (uint64_t)i);
		rasizes[n] = ump->um_bsize;
		n++;
	}
	return breadn(ump->um_dev, EXT2_FSBTODB(ump, blk), ump->um_bsize,
	    rablks, rasizes, n, bpp);
}
