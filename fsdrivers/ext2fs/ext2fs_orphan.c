/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_orphan.c -- the orphan list and the release of unlinked inodes.
 *
 * The classic ext3/ext4 orphan list: s_last_orphan in the superblock
 * names the first orphan, and each orphan's i_dtime names the next one
 * (0 ends the list).  An inode is on it while it has no links but is
 * still open, or while a truncation frees its blocks; after a crash,
 * ext2fs_orphan_recover() at the next read-write mount finishes the work:
 * an orphan with links is truncated to its i_size, one without links is
 * released.
 *
 * The list is changed with um_lock held, which covers s_last_orphan and
 * every orphan's i_dtime: those are written straight into the inode
 * table buffers (the checksum recomputed there), and ext2fs_node_update
 * keeps the i_dtime it finds in the table for a node that is on the
 * list (n_orphan), so an in-core node's stale copy never overwrites a
 * link.  Lock order: um_lock, then one inode table buffer at a time
 * (nobody takes um_lock while holding one).  A buffer that is not cached
 * is read with um_lock held; the blocks of the list's inodes were
 * written a moment ago, so that is rare.
 *
 * ext2fs_node_release() frees what an unlinked inode holds -- its blocks
 * (ext2fs_bfree_range), its external xattr block -- takes it off the
 * list, stamps i_dtime (the mode stays, as Linux leaves it) and frees the
 * inode number.
 *
 * Exports: the "ext2fs_orphan.c" section of ext2fs_write.h.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#define ORPHAN_NBLOCKS	16	/* handle size of one recovery step */

static uint32_t
sb_last_orphan(const struct ext2fs_mount *ump)
{
	return e2_le32(ump->um_sb.s_last_orphan);
}

/* May INO be on the orphan list at all? */
static bool
orphan_ino_ok(const struct ext2fs_mount *ump, uint32_t ino)
{
	return ino >= ump->um_first_ino && ino <= ump->um_ninodes;
}

/*
 * Take INO's inode table buffer busy (*BPP) and the inode's offset in it.
 * Called with um_lock held.
 */
static int
orphan_getbuf(struct ext2fs_mount *ump, uint32_t ino, struct buf **bpp,
    size_t *offp)
{
	uint64_t blk;
	int error;

	if ((error = ext2fs_inode_loc(ump, ino, &blk, offp)) != 0)
		return error;
	return ext2fs_bread(ump, blk, 0, "inode table", ino, bpp);
}

static uint32_t
buf_dtime(const struct buf *bp, size_t off)
{
	return e2_ld32((const uint8_t *)bp->b_data + off +
	    offsetof(struct ext2_dinode, i_dtime));
}

/* Store i_dtime of the inode at OFF of BP (and its checksum). */
static void
buf_set_dtime(struct ext2fs_mount *ump, struct buf *bp, size_t off,
    uint32_t ino, uint32_t v)
{
	uint8_t *raw = (uint8_t *)bp->b_data + off;

	((struct ext2_dinode *)raw)->i_dtime = e2_mkle32(v);
	ext2fs_inode_csum_set(ump, ino, raw);
}

/*
 * => Caller holds NP's vnode lock exclusive and a handle; NP has no
 *    links (or is being truncated).
 */
int
ext2fs_orphan_add(struct ext2fs_node *np)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct ext2_dinode *di = (struct ext2_dinode *)np->n_raw;
	uint32_t ino = (uint32_t)np->n_ino, head;
	struct buf *bp;
	size_t off;
	int error;

	KASSERT(!ump->um_ronly);
	if (np->n_orphan)
		return 0;
	if (!orphan_ino_ok(ump, ino))
		return EINVAL;
	mutex_enter(&ump->um_lock);
	head = sb_last_orphan(ump);
	if ((error = orphan_getbuf(ump, ino, &bp, &off)) != 0) {
		mutex_exit(&ump->um_lock);
		return error;
	}
	buf_set_dtime(ump, bp, off, ino, head);
	ump->um_sb.s_last_orphan = e2_mkle32(ino);
	di->i_dtime = e2_mkle32(head);
	np->n_orphan = true;
	mutex_exit(&ump->um_lock);
	ext2fs_trans_dirty(ump, bp);
	return ext2fs_sb_dirty(ump);
}

/*
 * Unlink INO from the list (um_lock held): its successor becomes the
 * head or its predecessor's successor.  *SBP: the superblock changed.
 * *DIRTYP: a buffer the caller must put in the transaction after
 * dropping um_lock (or NULL).  ENOENT: INO is not on the list.
 */
static int
orphan_unlink(struct ext2fs_mount *ump, uint32_t ino, bool *sbp,
    struct buf **dirtyp)
{
	uint32_t cur, next, n = 0;
	struct buf *bp;
	size_t off;
	int error;

	*sbp = false;
	*dirtyp = NULL;
	if ((error = orphan_getbuf(ump, ino, &bp, &off)) != 0)
		return error;
	next = buf_dtime(bp, off);
	brelse(bp);
	cur = sb_last_orphan(ump);
	if (cur == ino) {
		ump->um_sb.s_last_orphan = e2_mkle32(next);
		*sbp = true;
		return 0;
	}
	for (;;) {
		if (cur == 0)
			return ENOENT;
		if (!orphan_ino_ok(ump, cur) || ++n > ump->um_ninodes)
			return ext2fs_corrupt(ump, "orphan list: bad inode %u",
			    cur);
		if ((error = orphan_getbuf(ump, cur, &bp, &off)) != 0)
			return error;
		if (buf_dtime(bp, off) == ino) {
			buf_set_dtime(ump, bp, off, cur, next);
			*dirtyp = bp;
			return 0;
		}
		cur = buf_dtime(bp, off);
		brelse(bp);
	}
}

/*
 * => Caller holds NP's vnode lock exclusive (or owns NP) and a handle.
 * => NP's i_dtime becomes 0 and the inode is written.
 */
int
ext2fs_orphan_del(struct ext2fs_node *np)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct ext2_dinode *di = (struct ext2_dinode *)np->n_raw;
	struct buf *dirty;
	bool sbchanged;
	int error;

	KASSERT(!ump->um_ronly);
	if (!np->n_orphan)
		return 0;
	mutex_enter(&ump->um_lock);
	error = orphan_unlink(ump, (uint32_t)np->n_ino, &sbchanged, &dirty);
	mutex_exit(&ump->um_lock);
	if (dirty != NULL)
		ext2fs_trans_dirty(ump, dirty);
	if (error == ENOENT) {
		klog(KLOG_WARN, "ext2fs: inode %llu was not on the orphan "
		    "list", (unsigned long long)np->n_ino);
		error = 0;
	}
	if (error)
		return error;
	np->n_orphan = false;
	di->i_dtime = e2_mkle32(0);
	if ((error = ext2fs_node_update(np)) != 0)
		return error;
	return sbchanged ? ext2fs_sb_dirty(ump) : 0;
}

/* Does NP's i_block map blocks (rather than hold data or a device)? */
static bool
node_has_blocks(const struct ext2fs_node *np)
{
	uint32_t type = np->n_mode & S_IFMT;
	uint64_t acl = np->n_file_acl != 0 ? np->n_ump->um_bsize : 0;

	if (np->n_flags & EXT2_INLINE_DATA_FL)
		return false;
	if (type == S_IFREG || type == S_IFDIR)
		return true;
	if (type == S_IFLNK)	/* fast symlinks keep the target there */
		return (np->n_flags & EXT2_EXTENTS_FL) != 0 ||
		    np->n_bytes > acl;
	return false;
}

/*
 * => Caller holds a handle and NP's vnode lock exclusive (or owns NP);
 *    NP has no links.
 */
int
ext2fs_node_release(struct ext2fs_node *np)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct ext2_dinode *di = (struct ext2_dinode *)np->n_raw;
	struct vfs_timespec now;
	bool isdir = (np->n_mode & S_IFMT) == S_IFDIR;
	int error;

	KASSERT(!ump->um_ronly);
	KASSERT(np->n_nlink == 0);
	if (node_has_blocks(np) &&
	    (error = ext2fs_bfree_range(np, 0, UINT64_MAX)) != 0)
		return error;
	if ((error = ext2fs_xattr_free_all(np)) != 0)
		return error;
	if ((error = ext2fs_orphan_del(np)) != 0)
		return error;
	ext2fs_now(&now);
	np->n_size = 0;
	if ((np->n_flags & EXT2_INLINE_DATA_FL) == 0)
		np->n_bytes = 0;
	di->i_dtime = e2_mkle32((uint32_t)now.tv_sec);
	if ((error = ext2fs_node_update(np)) != 0)
		return error;
	return ext2fs_ifree(ump, np->n_ino, isdir);
}

/* Finish orphan INO (already the list's head). */
static int
orphan_finish(struct ext2fs_mount *ump, uint32_t ino)
{
	struct ext2fs_node *np;
	uint64_t lblk;
	int error;

	error = ext2fs_node_load_any(ump, ino, true, &np);
	if (error == ENOENT || error == ESTALE)
		return ext2fs_corrupt(ump, "orphan list: inode %u is free",
		    ino);
	if (error)
		return error;
	np->n_orphan = true;
	if (np->n_nlink == 0) {
		klog(KLOG_INFO, "ext2fs: releasing orphan inode %u", ino);
		error = ext2fs_node_release(np);
	} else {
		klog(KLOG_INFO, "ext2fs: truncating orphan inode %u to %llu "
		    "bytes", ino, (unsigned long long)np->n_size);
		lblk = (np->n_size + ump->um_bsize - 1) >> ump->um_bshift;
		if (node_has_blocks(np))
			error = ext2fs_bfree_range(np, lblk, UINT64_MAX);
		if (error == 0)
			error = ext2fs_orphan_del(np);
	}
	ext2fs_node_free(np);
	return error;
}

/*
 * => Read-write mount, before any vnode exists.  A corrupt list is
 *    EUCLEAN (logged); what was finished before stays finished.
 */
int
ext2fs_orphan_recover(struct ext2fs_mount *ump)
{
	uint32_t ino, n = 0;
	int error;

	KASSERT(!ump->um_ronly);
	for (;;) {
		mutex_enter(&ump->um_lock);
		ino = sb_last_orphan(ump);
		mutex_exit(&ump->um_lock);
		if (ino == 0)
			return 0;
		if (!orphan_ino_ok(ump, ino) || ++n > ump->um_ninodes)
			return ext2fs_corrupt(ump, "orphan list: bad inode %u",
			    ino);
		if ((error = ext2fs_trans_begin(ump, ORPHAN_NBLOCKS)) != 0)
			return error;
		error = orphan_finish(ump, ino);
		ext2fs_trans_end(ump);
		if (error)
			return error;
	}
}
