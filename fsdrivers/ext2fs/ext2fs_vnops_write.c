/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_vnops_write.c -- the vnode operations of the ext2/3/4 driver
 * that change a file's data or attributes, and its life cycle: write,
 * setattr (chmod, chown, utimes, truncate), fallocate, fsync, setxattr,
 * removexattr, inactive, reclaim.
 *
 * Data goes through the buffer cache as delayed writes; the metadata
 * each change dirties is in a transaction handle.  Ordered mode comes
 * from the commit, which writes every dirty data buffer before the
 * commit record, so a committed block map never points at stale data.
 * A write maps the whole run its chunk covers with one ext2fs_balloc
 * call (contiguous allocation), takes one handle per chunk of up to
 * EXT2FS_WCHUNK blocks, reads only blocks it fills partially and that
 * hold data, and zeroes what it does not write of a fresh block.
 *
 * Inline data (inline_data filesystems): a regular file is kept in the
 * inode while its contents fit (ext2fs_inline_set); an empty file's
 * first write that fits goes there too, as Linux does; a file that
 * outgrows the inode is converted to a block (ext2fs_inline_clear, then
 * one data block) and the write goes on as for any other file.
 *
 * Truncation down puts the file on the orphan list for the time its
 * blocks are being freed (ext2fs_bfree_range may commit between chunks):
 * a crash in between is finished by orphan recovery, which truncates to
 * the i_size already written.
 *
 * Life cycle: a file without links is released (blocks, xattr block,
 * inode, orphan entry: ext2fs_node_release) by the VOP_INACTIVE of its
 * last reference, and its vnode is recycled at once; VOP_RECLAIM frees
 * the in-core node.
 *
 * Locking: every operation here runs with the vnode locked exclusive
 * (struct vnodeops); handles are taken inside it.  The kernel has
 * already checked permissions, cleared setuid/setgid where a write or
 * truncation asks for it, and bumps v_datagen after every write,
 * truncation and fallocate.
 *
 * Exports (ext2fs_write.h): ext2fs_vop_write, ext2fs_vop_setattr,
 * ext2fs_vop_fallocate, ext2fs_vop_fsync, ext2fs_vop_setxattr,
 * ext2fs_vop_removexattr, ext2fs_vop_inactive, ext2fs_vop_reclaim.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/uio.h"
#include "kern/vnode.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

/* Blocks written per transaction handle. */
#define EXT2FS_WCHUNK		1024
/* Blocks preallocated (fallocate) per transaction handle. */
#define EXT2FS_FCHUNK		32768
/* Metadata blocks estimates: one attribute change, one write chunk. */
#define EXT2FS_TR_ATTR		4
#define EXT2FS_TR_WRITE		32
#define EXT2FS_TR_RELEASE	64

/* Should an empty file's first small write go inline?  (Linux: yes.) */
static const bool ext2fs_new_inline = true;

static bool
ext2fs_extents_fs(const struct ext2fs_mount *ump)
{
	return EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_EXTENTS);
}

/* The largest file size NP may have. */
static uint64_t
ext2fs_maxsize(const struct ext2fs_node *np)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t max = ext2fs_max_lblocks(np), mnt;

	if (max > ((uint64_t)INT64_MAX >> ump->um_bshift))
		max = (uint64_t)INT64_MAX;
	else
		max <<= ump->um_bshift;
	mnt = ump->um_mp->mnt_maxfilesize;
	if (mnt != 0 && mnt < max)
		max = mnt;
	return max;
}

/* ---- inline data ---- */

/*
 * Rewrite NP's contents as NEWSIZE bytes held inline: the old contents
 * (cut, or extended with zeros), with [OFF, OFF+N) replaced by the next
 * N bytes of UIO, or by zeros when UIO is NULL.  NP is an inline file,
 * or an empty regular file without blocks (it becomes inline).
 * => ENOSPC when it does not fit in the inode: nothing changed, UIO
 *    untouched.  On success UIO has advanced by N.
 * => NP locked exclusive; takes its own handle.
 */
static int
ext2fs_inline_rewrite(struct ext2fs_node *np, uint64_t newsize, uint64_t off,
    size_t n, struct uio *uio)
{
	struct ext2fs_mount *ump = np->n_ump;
	bool wasinline = (np->n_flags & EXT2_INLINE_DATA_FL) != 0;
	struct kiovec *iov = NULL;
	size_t oldlen = 0, iovbytes = 0, blen;
	uint8_t *old = NULL, *buf = NULL;
	struct uio tmp;
	int error;

	KASSERT(off + n <= newsize);
	if (newsize > ext2fs_inline_max(np))
		return ENOSPC;
	blen = (size_t)newsize + 1;
	if ((buf = kmem_zalloc(blen)) == NULL)
		return ENOMEM;
	if (wasinline) {
		if ((error = ext2fs_inline_get(np, &old, &oldlen)) != 0)
			goto out;
		memcpy(buf, old, (size_t)MIN(MIN(np->n_size, oldlen),
		    newsize));
	}
	if (uio != NULL && n > 0) {
		/* Copy from a scratch uio: the real one moves on success. */
		iovbytes = (size_t)uio->uio_iovcnt * sizeof(*iov);
		if ((iov = kmem_alloc(iovbytes)) == NULL) {
			error = ENOMEM;
			goto out;
		}
		memcpy(iov, uio->uio_iov, iovbytes);
		tmp = *uio;
		tmp.uio_iov = iov;
		uiomove(buf + off, n, &tmp);
	} else
		memset(buf + off, 0, n);

	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_ATTR)) != 0)
		goto out;
	if (!wasinline) {
		memset(((struct ext2_dinode *)np->n_raw)->i_block, 0,
		    EXT2_IBLOCK_BYTES);
		np->n_flags &= ~(uint32_t)EXT2_EXTENTS_FL;
		np->n_flags |= EXT2_INLINE_DATA_FL;
	}
	error = ext2fs_inline_set(np, buf, (size_t)newsize);
	if (error != 0 && !wasinline) {
		/* back to the empty extent (or block-mapped) file it was */
		(void)ext2fs_inline_clear(np);
		memset(((struct ext2_dinode *)np->n_raw)->i_block, 0,
		    EXT2_IBLOCK_BYTES);
		np->n_flags &= ~(uint32_t)EXT2_INLINE_DATA_FL;
		if (ext2fs_extents_fs(ump)) {
			np->n_flags |= EXT2_EXTENTS_FL;
			ext2fs_ext_init_root(np);
		}
	}
	if (error == 0)
		np->n_size = newsize;
	(void)ext2fs_node_update(np);
	ext2fs_trans_end(ump);
	if (error == 0 && uio != NULL && n > 0)
		uiomove(buf + off, n, uio);
out:
	if (iov != NULL)
		kmem_free(iov, iovbytes);
	if (old != NULL)
		kmem_free(old, oldlen);
	kmem_free(buf, blen);
	return error;
}

/*
 * Turn inline file NP into a block file: its contents go to logical
 * block 0 (a fresh block), the inline data and flag go away.
 * => NP locked exclusive; takes its own handle.
 */
static int
ext2fs_inline_to_blocks(struct ext2fs_node *np)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint8_t *old = NULL;
	size_t oldlen = 0, n;
	uint64_t pblk, run;
	struct buf *bp;
	bool isnew;
	int error;

	if ((error = ext2fs_inline_get(np, &old, &oldlen)) != 0)
		return error;
	n = (size_t)MIN(np->n_size, (uint64_t)oldlen);
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_WRITE)) != 0)
		goto out;
	if ((error = ext2fs_inline_clear(np)) != 0)
		goto out_end;
	memset(((struct ext2_dinode *)np->n_raw)->i_block, 0,
	    EXT2_IBLOCK_BYTES);
	np->n_flags &= ~(uint32_t)EXT2_INLINE_DATA_FL;
	if (ext2fs_extents_fs(ump)) {
		np->n_flags |= EXT2_EXTENTS_FL;
		ext2fs_ext_init_root(np);
	}
	/* no data block yet: only the xattr block counts */
	np->n_bytes = np->n_file_acl != 0 ? ump->um_bsize : 0;
	if (n > 0) {
		error = ext2fs_balloc(np, 0, 1, &pblk, &run, &isnew);
		if (error == 0)
			error = getblk(ump->um_dev, EXT2_FSBTODB(ump, pblk),
			    ump->um_bsize, &bp);
		if (error) {
			/* the contents are lost: keep what fits, say so */
			klog(KLOG_WARN, "ext2fs: inode %llu: inline data "
			    "conversion failed: error %d",
			    (unsigned long long)np->n_ino, error);
			np->n_size = 0;
			(void)ext2fs_node_update(np);
			goto out_end;
		}
		memset(bp->b_data, 0, ump->um_bsize);
		memcpy(bp->b_data, old, n);
		bdwrite(bp);
	}
	error = ext2fs_node_update(np);
out_end:
	ext2fs_trans_end(ump);
out:
	kmem_free(old, oldlen);
	return error;
}

/* ---- write ---- */

/*
 * Write the part of UIO up to file offset END, all inside one handle.
 * => *DONEP counts the bytes written; n_size follows them.
 */
static int
ext2fs_write_chunk(struct ext2fs_node *np, struct uio *uio, uint64_t end,
    size_t *donep)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint32_t bsize = ump->um_bsize, boff;
	uint64_t off, lblk, nblk, pblk, run, i;
	struct buf *bp;
	size_t n;
	bool isnew, full;
	int error = 0;

	while (uio->uio_offset < end) {
		off = uio->uio_offset;
		lblk = off >> ump->um_bshift;
		nblk = ((end - 1) >> ump->um_bshift) - lblk + 1;
		if ((error = ext2fs_balloc(np, lblk, nblk, &pblk, &run,
		    &isnew)) != 0)
			break;
		KASSERT(run >= 1 && run <= nblk);
		for (i = 0; i < run && uio->uio_offset < end; i++) {
			off = uio->uio_offset;
			boff = (uint32_t)(off & (bsize - 1));
			n = (size_t)MIN((uint64_t)(bsize - boff), end - off);
			full = boff == 0 && n == bsize;
			if (full || isnew)
				error = getblk(ump->um_dev,
				    EXT2_FSBTODB(ump, pblk + i), bsize, &bp);
			else
				error = ext2fs_bread(ump, pblk + i, 0, "data",
				    np->n_ino, &bp);
			if (error)
				goto out;
			if (!full && isnew) {
				memset(bp->b_data, 0, boff);
				memset((uint8_t *)bp->b_data + boff + n, 0,
				    bsize - boff - n);
			}
			uiomove((uint8_t *)bp->b_data + boff, n, uio);
			bdwrite(bp);
			*donep += n;
			if (off + n > np->n_size)
				np->n_size = off + n;
		}
	}
out:
	return error;
}

int
ext2fs_vop_write(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct ext2fs_node *np = VTOE(vp);
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t max, end, chunk;
	size_t done = 0, n;
	int error = 0, e;

	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	if (np->n_flags & EXT2_IMMUTABLE_FL)
		return EPERM;
	if (ioflag & IO_APPEND)
		uio->uio_offset = np->n_size;
	if ((np->n_flags & EXT2_APPEND_FL) && uio->uio_offset != np->n_size)
		return EPERM;
	max = ext2fs_maxsize(np);
	if (uio->uio_offset >= max)
		return EFBIG;
	if (uio->uio_resid > max - uio->uio_offset)
		uio->uio_resid = (size_t)(max - uio->uio_offset);
	if (uio->uio_resid == 0)
		return 0;

	end = uio->uio_offset + uio->uio_resid;
	if ((np->n_flags & EXT2_INLINE_DATA_FL) || (ext2fs_new_inline &&
	    EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_INLINE_DATA) &&
	    np->n_size == 0 && np->n_bytes == 0 && np->n_file_acl == 0)) {
		n = uio->uio_resid;
		error = ext2fs_inline_rewrite(np, MAX(end, np->n_size),
		    uio->uio_offset, n, uio);
		if (error == 0) {
			done = n;
			goto out;
		}
		if (error != ENOSPC)
			return error;
		if ((np->n_flags & EXT2_INLINE_DATA_FL) &&
		    (error = ext2fs_inline_to_blocks(np)) != 0)
			return error;
		error = 0;
	}

	while (uio->uio_resid > 0) {
		chunk = ((uio->uio_offset >> ump->um_bshift) + EXT2FS_WCHUNK) <<
		    ump->um_bshift;
		end = MIN(uio->uio_offset + uio->uio_resid, chunk);
		if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_WRITE)) != 0)
			break;
		error = ext2fs_write_chunk(np, uio, end, &done);
		if (done > 0)
			ext2fs_touch(np, EXT2FS_MTIME | EXT2FS_CTIME);
		e = ext2fs_node_update(np);
		ext2fs_trans_end(ump);
		if (error == 0)
			error = e;
		if (error)
			break;
	}
out:
	if (done > 0 && (np->n_flags & EXT2_INLINE_DATA_FL)) {
		if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_ATTR)) == 0) {
			ext2fs_touch(np, EXT2FS_MTIME | EXT2FS_CTIME);
			error = ext2fs_node_update(np);
			ext2fs_trans_end(ump);
		}
	}
	if (done > 0 && error == 0 && (ioflag & IO_SYNC))
		error = ext2fs_trans_commit(ump);
	return error;
}

/* ---- truncate, punch, zero ---- */

/*
 * Zero bytes [FROM, TO) of logical block LBLK of NP, if it holds data
 * (a hole or an unwritten extent reads as zeros already).
 * => NP locked exclusive; the caller holds a handle.
 */
static int
ext2fs_zero_in_block(struct ext2fs_node *np, uint64_t lblk, uint32_t from,
    uint32_t to)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t pblk, run;
	struct buf *bp;
	int error;

	KASSERT(from <= to && to <= ump->um_bsize);
	if (from == to)
		return 0;
	if ((error = ext2fs_bmap(np, lblk, &pblk, &run)) != 0)
		return error;
	if (pblk == 0)
		return 0;
	if ((error = ext2fs_bread(ump, pblk, 0, "data", np->n_ino, &bp)) != 0)
		return error;
	memset((uint8_t *)bp->b_data + from, 0, to - from);
	bdwrite(bp);
	return 0;
}

/*
 * Zero the file bytes [OFF, END) that lie in partial blocks at either
 * end of the range; return the whole blocks in between as [*AP, *BP).
 */
static int
ext2fs_zero_partials(struct ext2fs_node *np, uint64_t off, uint64_t end,
    uint64_t *ap, uint64_t *bp)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t mask = ump->um_bsize - 1, first, last;
	int error;

	first = off >> ump->um_bshift;
	last = end >> ump->um_bshift;
	*ap = (off + mask) >> ump->um_bshift;
	*bp = last;
	if (first == last)
		return ext2fs_zero_in_block(np, first, (uint32_t)(off & mask),
		    (uint32_t)(end & mask));
	if ((off & mask) != 0 && (error = ext2fs_zero_in_block(np, first,
	    (uint32_t)(off & mask), ump->um_bsize)) != 0)
		return error;
	if ((end & mask) != 0)
		return ext2fs_zero_in_block(np, last, 0,
		    (uint32_t)(end & mask));
	return 0;
}

/* Put NP on the orphan list for a truncation (false: it already was). */
static bool
ext2fs_trunc_orphan(struct ext2fs_node *np)
{
	if (np->n_orphan || np->n_nlink == 0)
		return false;
	return ext2fs_orphan_add(np) == 0;
}

/*
 * Set NP's size to SIZE: inline files are rewritten; growing is only the
 * size (the tail of the last block is zero already); shrinking frees the
 * blocks past the new end and zeroes the rest of the new last block.
 * => NP locked exclusive, a regular file; no handle held.
 */
static int
ext2fs_truncate(struct ext2fs_node *np, uint64_t size)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t mask = ump->um_bsize - 1, a, b;
	bool orphaned;
	int error, e;

	if (size > ext2fs_maxsize(np))
		return EFBIG;
	if (np->n_flags & EXT2_INLINE_DATA_FL) {
		error = ext2fs_inline_rewrite(np, size, MIN(size, np->n_size),
		    (size_t)(size - MIN(size, np->n_size)), NULL);
		if (error != ENOSPC)
			return error;
		if ((error = ext2fs_inline_to_blocks(np)) != 0)
			return error;
	}
	if (size >= np->n_size) {
		if (size == np->n_size)
			return 0;
		if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_ATTR)) != 0)
			return error;
		np->n_size = size;
		error = ext2fs_node_update(np);
		ext2fs_trans_end(ump);
		return error;
	}

	/* 1. the new size, on the orphan list while blocks go */
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_ATTR)) != 0)
		return error;
	orphaned = ext2fs_trunc_orphan(np);
	np->n_size = size;
	error = ext2fs_node_update(np);
	ext2fs_trans_end(ump);
	if (error)
		return error;
	/* 2. the blocks (in handles of its own) */
	error = ext2fs_bfree_range(np, (size + mask) >> ump->um_bshift,
	    UINT64_MAX);
	/* 3. the tail of the last block, off the orphan list */
	if ((e = ext2fs_trans_begin(ump, EXT2FS_TR_ATTR)) != 0)
		return error != 0 ? error : e;
	if (error == 0 && (size & mask) != 0)
		error = ext2fs_zero_partials(np, size,
		    ((size >> ump->um_bshift) + 1) << ump->um_bshift, &a, &b);
	if (error == 0 && orphaned)
		error = ext2fs_orphan_del(np);
	if ((e = ext2fs_node_update(np)) != 0 && error == 0)
		error = e;
	ext2fs_trans_end(ump);
	return error;
}

/* FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE */
static int
ext2fs_punch(struct ext2fs_node *np, uint64_t off, uint64_t end)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t a, b;
	int error;

	end = MIN(end, np->n_size);
	if (off >= end)
		return 0;
	if (np->n_flags & EXT2_INLINE_DATA_FL) {
		error = ext2fs_inline_rewrite(np, np->n_size, off,
		    (size_t)(end - off), NULL);
		return error;
	}
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_WRITE)) != 0)
		return error;
	error = ext2fs_zero_partials(np, off, end, &a, &b);
	ext2fs_trans_end(ump);
	if (error == 0 && a < b)
		error = ext2fs_bfree_range(np, a, b);
	return error;
}

/*
 * Allocate [A, B) unwritten (zeroed blocks when block-mapped).  ENOSPC
 * up front when the unmapped blocks of the range (unwritten extents
 * count as unmapped: ext2fs_bmap cannot tell) outnumber the free ones;
 * a range that was all unmapped is unmapped again after a failure, so
 * a failed fallocate keeps nothing.
 */
static int
ext2fs_prealloc(struct ext2fs_node *np, uint64_t a, uint64_t b)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t lblk, n, pblk, run, need = 0;
	int error = 0;

	for (lblk = a; lblk < b; lblk += n) {
		if ((error = ext2fs_bmap(np, lblk, &pblk, &run)) != 0)
			return error;
		n = MIN(run, b - lblk);
		if (pblk == 0)
			need += n;
	}
	if (need > ext2fs_free_blocks(ump, ext2fs_balloc_reserved(ump)))
		return ENOSPC;
	for (lblk = a; lblk < b; lblk += n) {
		n = MIN(b - lblk, (uint64_t)EXT2FS_FCHUNK);
		if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_WRITE)) != 0)
			break;
		error = ext2fs_balloc_unwritten(np, lblk, n);
		ext2fs_trans_end(ump);
		if (error)
			break;
	}
	if (error != 0 && need == b - a)
		(void)ext2fs_bfree_range(np, a, b);
	return error;
}

int
ext2fs_vop_fallocate(struct vnode *vp, int mode, uint64_t off, uint64_t len)
{
	struct ext2fs_node *np = VTOE(vp);
	struct ext2fs_mount *ump = np->n_ump;
	bool keep = (mode & FALLOC_FL_KEEP_SIZE) != 0;
	uint64_t end = off + len, mask = ump->um_bsize - 1, a, b, alloc_end;
	uint64_t newsize;
	int error = 0, e;

	if (vp->v_type != VREG)
		return vp->v_type == VDIR ? EISDIR : ENODEV;
	if (np->n_flags & EXT2_IMMUTABLE_FL)
		return EPERM;
	if ((np->n_flags & EXT2_APPEND_FL) &&
	    (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)))
		return EPERM;
	if (end < off || end > ext2fs_maxsize(np))
		return EFBIG;

	if (mode & FALLOC_FL_PUNCH_HOLE) {
		error = ext2fs_punch(np, off, end);
		goto out;
	}
	if ((np->n_flags & EXT2_INLINE_DATA_FL) &&
	    (mode & FALLOC_FL_ZERO_RANGE)) {
		newsize = keep ? np->n_size : MAX(np->n_size, end);
		a = MIN(off, newsize);
		error = ext2fs_inline_rewrite(np, newsize, a,
		    (size_t)(MIN(end, newsize) - a), NULL);
		if (error != ENOSPC)
			goto out;
	}
	if ((np->n_flags & EXT2_INLINE_DATA_FL) &&
	    (error = ext2fs_inline_to_blocks(np)) != 0)
		return error;

	/*
	 * A block-mapped file cannot hold blocks past its size (no
	 * unwritten extents): KEEP_SIZE preallocates only within it.
	 */
	alloc_end = end;
	if (keep && !(np->n_flags & EXT2_EXTENTS_FL))
		alloc_end = MIN(end, np->n_size);
	if (mode & FALLOC_FL_ZERO_RANGE) {
		if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_WRITE)) != 0)
			return error;
		error = ext2fs_zero_partials(np, off, MIN(end,
		    MAX(np->n_size, off)), &a, &b);
		ext2fs_trans_end(ump);
		if (error)
			goto out;
		a = (off + mask) >> ump->um_bshift;
		b = end >> ump->um_bshift;
		if (a < b && (error = ext2fs_bfree_range(np, a, b)) != 0)
			goto out;
	}
	a = off >> ump->um_bshift;
	b = (alloc_end + mask) >> ump->um_bshift;
	if (a < b && (error = ext2fs_prealloc(np, a, b)) != 0)
		goto out;
	if (!keep && end > np->n_size)
		np->n_size = end;
out:
	if ((e = ext2fs_trans_begin(ump, EXT2FS_TR_ATTR)) != 0)
		return error != 0 ? error : e;
	ext2fs_touch(np, EXT2FS_MTIME | EXT2FS_CTIME);
	if ((e = ext2fs_node_update(np)) != 0 && error == 0)
		error = e;
	ext2fs_trans_end(ump);
	return error;
}

/* ---- attributes ---- */

/* i_flags a setattr may change (chattr's user-settable ones). */
#define EXT2FS_FL_SETTABLE	(EXT2_SECRM_FL | EXT2_UNRM_FL | \
	EXT2_SYNC_FL | EXT2_IMMUTABLE_FL | EXT2_APPEND_FL | EXT2_NODUMP_FL | \
	EXT2_NOATIME_FL)

int
ext2fs_vop_setattr(struct vnode *vp, const struct vattr *va)
{
	struct ext2fs_node *np = VTOE(vp);
	struct ext2fs_mount *ump = np->n_ump;
	uint32_t mask = va->va_mask;
	int error;

	if ((np->n_flags & EXT2_IMMUTABLE_FL) && (mask & ~(uint32_t)VA_FLAGS))
		return EPERM;
	if (mask & VA_SIZE) {
		if (vp->v_type != VREG)
			return vp->v_type == VDIR ? EISDIR : EINVAL;
		if ((np->n_flags & EXT2_APPEND_FL) && va->va_size < np->n_size)
			return EPERM;
		if ((error = ext2fs_truncate(np, va->va_size)) != 0)
			return error;
	}
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_ATTR)) != 0)
		return error;
	if (mask & VA_MODE)
		np->n_mode = (np->n_mode & S_IFMT) | (va->va_mode & ALLPERMS);
	if (mask & VA_UID)
		np->n_uid = va->va_uid;
	if (mask & VA_GID)
		np->n_gid = va->va_gid;
	if (mask & VA_FLAGS)
		np->n_flags = (np->n_flags & ~(uint32_t)EXT2FS_FL_SETTABLE) |
		    (va->va_flags & EXT2FS_FL_SETTABLE);
	if (mask & VA_ATIME)
		ext2fs_node_settime(np, EXT2FS_ATIME, &va->va_atime);
	if (mask & VA_MTIME)
		ext2fs_node_settime(np, EXT2FS_MTIME, &va->va_mtime);
	if ((mask & VA_BTIME) && np->n_has_btime)
		np->n_btime = va->va_birthtime;
	if (mask & VA_CTIME)
		ext2fs_node_settime(np, EXT2FS_CTIME, &va->va_ctime);
	else
		ext2fs_touch(np, EXT2FS_CTIME);
	error = ext2fs_node_update(np);
	ext2fs_trans_end(ump);
	return error;
}

int
ext2fs_vop_fsync(struct vnode *vp, int flags)
{
	struct ext2fs_mount *ump = VTOE(vp)->n_ump;

	/* FSYNC_DATAONLY too: the commit is what writes the data */
	(void)flags;
	if (ump->um_ronly)
		return 0;
	return ext2fs_trans_commit(ump);
}

/* "system.data" holds inline contents: not an attribute of the user's. */
static bool
ext2fs_xattr_reserved(const char *name)
{
	return strcmp(name, "system.data") == 0;
}

int
ext2fs_vop_setxattr(struct vnode *vp, const char *name, const void *val,
    size_t len, int flags)
{
	struct ext2fs_node *np = VTOE(vp);
	struct ext2fs_mount *ump = np->n_ump;
	int error;

	if (ext2fs_xattr_reserved(name))
		return EOPNOTSUPP;
	if (np->n_flags & (EXT2_IMMUTABLE_FL | EXT2_APPEND_FL))
		return EPERM;
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_ATTR)) != 0)
		return error;
	if ((error = ext2fs_xattr_set(np, name, val, len, flags)) == 0) {
		ext2fs_touch(np, EXT2FS_CTIME);
		error = ext2fs_node_update(np);
	}
	ext2fs_trans_end(ump);
	return error;
}

int
ext2fs_vop_removexattr(struct vnode *vp, const char *name)
{
	struct ext2fs_node *np = VTOE(vp);
	struct ext2fs_mount *ump = np->n_ump;
	int error;

	if (ext2fs_xattr_reserved(name))
		return EOPNOTSUPP;
	if (np->n_flags & (EXT2_IMMUTABLE_FL | EXT2_APPEND_FL))
		return EPERM;
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_ATTR)) != 0)
		return error;
	if ((error = ext2fs_xattr_remove(np, name)) == 0) {
		ext2fs_touch(np, EXT2FS_CTIME);
		error = ext2fs_node_update(np);
	}
	ext2fs_trans_end(ump);
	return error;
}

/* ---- life cycle ---- */

/*
 * The last reference went.  A file without links is released now and
 * its vnode recycled (the inode number is free again: the vnode must
 * not stay cached under it).
 */
/* Write back an atime a read changed (vnode lock exclusive). */
static int
ext2fs_atime_flush(struct ext2fs_node *np)
{
	struct ext2fs_mount *ump = np->n_ump;
	bool dirty;
	int error;

	mutex_enter(&ump->um_lock);
	dirty = np->n_atime_dirty;
	np->n_atime_dirty = false;
	mutex_exit(&ump->um_lock);
	if (!dirty || ump->um_ronly || np->n_nlink == 0 || np->n_released)
		return 0;
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_ATTR)) != 0)
		return error;
	error = ext2fs_node_update(np);
	ext2fs_trans_end(ump);
	return error;
}

int
ext2fs_vop_inactive(struct vnode *vp, bool *recyclep)
{
	struct ext2fs_node *np = VTOE(vp);
	struct ext2fs_mount *ump;
	int error;

	*recyclep = false;
	if (np == NULL)
		return 0;
	ump = np->n_ump;
	if (np->n_nlink != 0)
		return ext2fs_atime_flush(np);
	*recyclep = true;
	if (ump->um_ronly || np->n_released)
		return 0;
	/*
	 * A big file's blocks go first, outside our handle, so that the
	 * chunks may commit apart (it is on the orphan list meanwhile).
	 */
	if (np->n_orphan && !(np->n_flags & EXT2_INLINE_DATA_FL) &&
	    ((np->n_mode & S_IFMT) == S_IFREG ||
	    (np->n_mode & S_IFMT) == S_IFDIR) &&
	    (error = ext2fs_bfree_range(np, 0, UINT64_MAX)) != 0)
		return error;
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_RELEASE)) != 0)
		return error;
	error = ext2fs_node_release(np);
	/* after an error the orphan list still holds it: next mount frees */
	np->n_released = true;
	ext2fs_trans_end(ump);
	return error;
}

int
ext2fs_vop_reclaim(struct vnode *vp)
{
	struct ext2fs_node *np = VTOE(vp);
	int error = 0;

	if (np != NULL) {
		error = ext2fs_atime_flush(np);
		ext2fs_node_free(np);
	}
	vp->v_data = NULL;
	return error;
}
