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
#include "ext2fs_write.h"

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

void
ext2fs_touch(struct ext2fs_node *np, unsigned which)
{
	struct vfs_timespec now;

	ext2fs_now(&now);
	ext2fs_node_settime(np, which, &now);
}

bool
ext2fs_isdir(const struct ext2fs_node *np)
{
	return (np->n_mode & S_IFMT) == S_IFDIR;
}

bool
ext2fs_frozen(const struct ext2fs_node *np)
{
	return (np->n_flags & (EXT2_IMMUTABLE_FL | EXT2_APPEND_FL)) != 0;
}

/*
 * => DP is a directory, locked exclusive; the caller holds a handle.
 * => A count that would pass EXT2FS_LINK_MAX (or is already 1, "too many
 *    to count") becomes 1, and the DIR_NLINK ro_compat feature is set
 *    if it was not.  The caller writes DP back (ext2fs_node_update).
 */
int
ext2fs_dir_nlink_inc(struct ext2fs_node *dp)
{
	struct ext2fs_mount *ump = dp->n_ump;
	bool feature = false;

	if (dp->n_nlink != 1 && dp->n_nlink < EXT2FS_LINK_MAX) {
		dp->n_nlink++;
		return 0;
	}
	dp->n_nlink = 1;
	mutex_enter(&ump->um_lock);
	if (!EXT2_HAS_ROCOMPAT(ump, EXT2F_ROCOMPAT_DIR_NLINK)) {
		ump->um_rocompat |= EXT2F_ROCOMPAT_DIR_NLINK;
		ump->um_sb.s_feature_ro_compat = e2_mkle32(
		    e2_le32(ump->um_sb.s_feature_ro_compat) |
		    EXT2F_ROCOMPAT_DIR_NLINK);
		feature = true;
	}
	mutex_exit(&ump->um_lock);
	return feature ? ext2fs_sb_dirty(ump) : 0;
}

/* => A count of 1 (uncounted) stays 1; a directory keeps at least 2. */
void
ext2fs_dir_nlink_dec(struct ext2fs_node *dp)
{
	if (dp->n_nlink > 2)
		dp->n_nlink--;
}
