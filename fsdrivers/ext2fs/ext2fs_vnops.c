/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_vnops.c -- the vnode operations of the ext2/3/4 driver.
 *
 * This file has the read side and the table: lookup, getattr, read,
 * readdir, readlink, bmap, seek and the xattr reads, which run under the
 * shared vnode lock (a node's fields change only under the exclusive
 * one; the read-ahead hint n_nextread is a relaxed atomic).  The write
 * side is in ext2fs_vnops_ns.c (create, mknod, mkdir, symlink, link,
 * remove, rmdir), ext2fs_rename.c and ext2fs_vnops_write.c (write,
 * setattr, fallocate, fsync, xattr changes, inactive, reclaim); on a
 * read-only mount the kernel answers EROFS before any of them is called.
 * Reads refresh atime as relatime does (ext2fs_mark_access, under
 * um_lock because readers share the vnode lock); the new atime reaches
 * the disk with the next write-back of the inode, at the latest in
 * VOP_INACTIVE.
 *
 * File data is read through the buffer cache in filesystem blocks, one
 * extent run at a time, with read-ahead (breadn) of the rest of the
 * request and, for sequential readers, a further window.  VOP_BMAP gives
 * the FUSE bridge the device offset and length of each contiguous run
 * for the splice path; holes and unwritten extents are reported as holes,
 * and the kernel (vfs_pub_bmap) cuts a run at the first block still
 * dirty in the buffer cache and refuses while a write is in flight.
 *
 * Exports ext2fs_vnodeops.
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

/* Sequential read-ahead window, bytes (at most 64 blocks). */
#define EXT2FS_RA_BYTES		(256 * 1024)

static int
ext2fs_lookup(struct vnode *dvp, const char *name, size_t len,
    struct vnode **vpp)
{
	struct ext2fs_node *dp = VTOE(dvp);
	uint32_t ino;
	int error;

	*vpp = NULL;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (genfs_name_is_dot(name, len)) {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if ((error = ext2fs_dir_lookup(dp, name, len, &ino)) != 0)
		return error;
	error = vcache_get(dvp->v_mount, ino, NULL, vpp);
	if (error == ENOENT || error == ESTALE)
		error = ext2fs_corrupt(dp->n_ump,
		    "directory inode %llu: entry \"%.*s\" names free inode %u",
		    (unsigned long long)dp->n_ino, (int)len, name, ino);
	return error;
}

/* Relatime: a read refreshes an atime older than a day (or than m/ctime). */
#define EXT2FS_RELATIME_SEC	(24 * 60 * 60)

static int
ext2fs_ts_cmp(const struct vfs_timespec *a, const struct vfs_timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

/*
 * A read of NP (vnode lock shared or exclusive): update atime as
 * relatime does, under um_lock since other readers may run; VOP_INACTIVE
 * (or any inode write-back) puts it on disk.
 */
static void
ext2fs_mark_access(struct ext2fs_node *np)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct vfs_timespec now;

	if (ump->um_ronly || (ump->um_mp->mnt_flags & MNT_NOATIME) ||
	    (np->n_flags & EXT2_NOATIME_FL))
		return;
	ext2fs_now(&now);
	mutex_enter(&ump->um_lock);
	if (ext2fs_ts_cmp(&np->n_atime, &np->n_mtime) <= 0 ||
	    ext2fs_ts_cmp(&np->n_atime, &np->n_ctime) <= 0 ||
	    now.tv_sec - np->n_atime.tv_sec >= EXT2FS_RELATIME_SEC) {
		np->n_atime = now;
		np->n_atime_dirty = true;
	}
	mutex_exit(&ump->um_lock);
}

static int
ext2fs_getattr(struct vnode *vp, struct vattr *va)
{
	struct ext2fs_node *np = VTOE(vp);

	ext2fs_node_getattr(np, va);
	/* atime may be changing under a shared lock (ext2fs_mark_access) */
	mutex_enter(&np->n_ump->um_lock);
	va->va_atime = np->n_atime;
	mutex_exit(&np->n_ump->um_lock);
	return 0;
}

static int
ext2fs_read_inline(struct ext2fs_node *np, struct uio *uio)
{
	uint8_t *buf;
	size_t len;
	int error;

	if ((error = ext2fs_inline_get(np, &buf, &len)) != 0)
		return error;
	if (np->n_size > len)
		error = ext2fs_corrupt(np->n_ump,
		    "inode %llu: size %llu beyond its inline data (%zu)",
		    (unsigned long long)np->n_ino,
		    (unsigned long long)np->n_size, len);
	else
		uiomove(buf + uio->uio_offset,
		    (size_t)(np->n_size - uio->uio_offset), uio);
	kmem_free(buf, len);
	return error;
}

static int
ext2fs_read(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct ext2fs_node *np = VTOE(vp);
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t off, lblk, pblk, run, avail, lastblk, ra_next = 0, ra;
	uint32_t boff, bsize = ump->um_bsize, window;
	size_t n;
	struct buf *bp;
	bool seq;
	int error = 0;

	(void)ioflag;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	if (uio->uio_offset >= np->n_size || uio->uio_resid == 0)
		return 0;
	if (np->n_flags & EXT2_INLINE_DATA_FL) {
		error = ext2fs_read_inline(np, uio);
		ext2fs_mark_access(np);
		return error;
	}

	seq = uio->uio_offset == atomic_load_relaxed(&np->n_nextread);
	window = MIN(EXT2FS_RA_BYTES / bsize, 64U);
	lastblk = (np->n_size - 1) >> ump->um_bshift;
	while (uio->uio_resid > 0 && uio->uio_offset < np->n_size) {
		off = uio->uio_offset;
		lblk = off >> ump->um_bshift;
		boff = (uint32_t)(off & (bsize - 1));
		avail = MIN(np->n_size - off, (uint64_t)uio->uio_resid);
		if ((error = ext2fs_bmap(np, lblk, &pblk, &run)) != 0)
			break;
		if (pblk == 0) {
			n = (size_t)MIN(run * bsize - boff, avail);
			uiozero(n, uio);
			continue;
		}
		ra = 0;
		if (lblk + 1 >= ra_next) {
			/* the rest of the request (+ a window if sequential) */
			ra = howmany(boff + avail, bsize) - 1;
			if (seq)
				ra += window;
			ra = MIN(ra, run - 1);
			ra = MIN(ra, lastblk - lblk);
			ra = MIN(ra, 64);
			ra_next = lblk + 1 + ra;
		}
		error = ext2fs_bread(ump, pblk, (int)ra, "data", np->n_ino,
		    &bp);
		if (error)
			break;
		n = (size_t)MIN((uint64_t)(bsize - boff), avail);
		uiomove((uint8_t *)bp->b_data + boff, n, uio);
		brelse(bp);
	}
	atomic_store_relaxed(&np->n_nextread, uio->uio_offset);
	ext2fs_mark_access(np);
	return error;
}

static int
ext2fs_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	int error;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	error = ext2fs_dir_readdir(VTOE(vp), cookie, fill, arg);
	ext2fs_mark_access(VTOE(vp));
	return error;
}

/*
 * Fast symlinks keep the target in i_block (no data blocks but perhaps
 * an xattr block); inline_data symlinks in i_block and system.data; slow
 * ones in a data block.
 */
static int
ext2fs_readlink(struct vnode *vp, struct uio *uio)
{
	struct ext2fs_node *np = VTOE(vp);
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t acl_bytes = np->n_file_acl ? ump->um_bsize : 0;
	uint8_t *buf = NULL;
	size_t len = 0, size = (size_t)np->n_size;
	const uint8_t *target;
	int error = 0;

	if (vp->v_type != VLNK)
		return EINVAL;
	if (np->n_size == 0 || np->n_size > SYMLINK_MAX)
		return ext2fs_corrupt(ump, "symlink inode %llu: bad size %llu",
		    (unsigned long long)np->n_ino,
		    (unsigned long long)np->n_size);
	if (np->n_flags & EXT2_INLINE_DATA_FL) {
		if ((error = ext2fs_inline_get(np, &buf, &len)) != 0)
			return error;
		if (size > len)
			goto bad;
		target = buf;
	} else if (np->n_bytes <= acl_bytes) {
		if (size >= EXT2_IBLOCK_BYTES)
			goto bad;
		target = (const uint8_t *)EXT2_DINODE(np)->i_block;
	} else {
		len = size;
		if ((buf = kmem_alloc(len)) == NULL)
			return ENOMEM;
		if ((error = ext2fs_read_buf(np, 0, buf, len)) != 0)
			goto out;
		target = buf;
	}
	if (memchr(target, '\0', size) != NULL)
		goto bad;
	uiomove((void *)(uintptr_t)target, size, uio);
	goto out;
bad:
	error = ext2fs_corrupt(ump, "symlink inode %llu: bad target",
	    (unsigned long long)np->n_ino);
out:
	if (buf != NULL)
		kmem_free(buf, len);
	return error;
}

static int
ext2fs_vop_bmap(struct vnode *vp, uint64_t off, uint64_t *devoffp,
    uint64_t *runp)
{
	struct ext2fs_node *np = VTOE(vp);
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t pblk, run, boff;
	int error;

	if (vp->v_type != VREG || (np->n_flags & EXT2_INLINE_DATA_FL))
		return EOPNOTSUPP;
	boff = off & (ump->um_bsize - 1);
	if (off >= np->n_size) {
		*devoffp = VOP_BMAP_HOLE;
		*runp = ump->um_bsize - boff;
		return 0;
	}
	if ((error = ext2fs_bmap(np, off >> ump->um_bshift, &pblk, &run)) != 0)
		return error;
	*runp = MIN((run << ump->um_bshift) - boff, np->n_size - off);
	*devoffp = pblk == 0 ? VOP_BMAP_HOLE :
	    (pblk << ump->um_bshift) + boff;
	return 0;
}

static int
ext2fs_getxattr(struct vnode *vp, const char *name, void *buf, size_t size,
    size_t *lenp)
{
	return ext2fs_xattr_get(VTOE(vp), name, buf, size, lenp);
}

static int
ext2fs_listxattr(struct vnode *vp, char *buf, size_t size, size_t *lenp)
{
	return ext2fs_xattr_list(VTOE(vp), buf, size, lenp);
}

/* SEEK_DATA / SEEK_HOLE from the block map; unwritten extents are holes. */
static int
ext2fs_seek(struct vnode *vp, uint64_t off, int whence, uint64_t *resultp)
{
	struct ext2fs_node *np = VTOE(vp);
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t pblk, run, end;
	int error;

	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return EINVAL;
	if (off >= np->n_size)
		return ENXIO;
	if (vp->v_type != VREG || (np->n_flags & EXT2_INLINE_DATA_FL)) {
		*resultp = whence == SEEK_DATA ? off : np->n_size;
		return 0;
	}
	while (off < np->n_size) {
		if ((error = ext2fs_bmap(np, off >> ump->um_bshift, &pblk,
		    &run)) != 0)
			return error;
		if ((whence == SEEK_DATA) == (pblk != 0)) {
			*resultp = off;
			return 0;
		}
		end = ((off >> ump->um_bshift) + run) << ump->um_bshift;
		off = MIN(end, np->n_size);
	}
	if (whence == SEEK_DATA)
		return ENXIO;
	*resultp = np->n_size;
	return 0;
}

const struct vnodeops ext2fs_vnodeops = {
	/* dvp shared|excl -> same; ref *vpp */
	.vop_lookup = ext2fs_lookup,
	/* dvp excl -> same; ref *vpp (ext2fs_vnops_ns.c) */
	.vop_create = ext2fs_vop_create,
	.vop_mknod = ext2fs_vop_create,
	.vop_mkdir = ext2fs_vop_mkdir,
	.vop_symlink = ext2fs_vop_symlink,
	/* dvp excl, vp excl -> same (ext2fs_vnops_ns.c) */
	.vop_link = ext2fs_vop_link,
	.vop_remove = ext2fs_vop_remove,
	.vop_rmdir = ext2fs_vop_rmdir,
	/* all four excl -> same (ext2fs_rename.c) */
	.vop_rename = ext2fs_vop_rename,
	/* vp shared -> same */
	.vop_open = genfs_nullop_open,
	.vop_close = genfs_nullop_open,
	/* vp shared -> same */
	.vop_getattr = ext2fs_getattr,
	/* vp excl -> same (ext2fs_vnops_write.c) */
	.vop_setattr = ext2fs_vop_setattr,
	/* vp shared -> same */
	.vop_read = ext2fs_read,
	/* vp excl -> same (ext2fs_vnops_write.c) */
	.vop_write = ext2fs_vop_write,
	/* vp excl -> same: commits the running transaction */
	.vop_fsync = ext2fs_vop_fsync,
	/* vp shared -> same */
	.vop_readdir = ext2fs_readdir,
	/* vp shared -> same */
	.vop_readlink = ext2fs_readlink,
	/* vp excl -> same: an unlinked file is released here */
	.vop_inactive = ext2fs_vop_inactive,
	/* vp excl -> same: frees v_data */
	.vop_reclaim = ext2fs_vop_reclaim,
	/* vp shared -> same */
	.vop_bmap = ext2fs_vop_bmap,
	/* vp shared -> same */
	.vop_getxattr = ext2fs_getxattr,
	/* vp excl -> same (ext2fs_vnops_write.c) */
	.vop_setxattr = ext2fs_vop_setxattr,
	/* vp shared -> same */
	.vop_listxattr = ext2fs_listxattr,
	/* vp excl -> same (ext2fs_vnops_write.c) */
	.vop_removexattr = ext2fs_vop_removexattr,
	.vop_fallocate = ext2fs_vop_fallocate,
	/* vp shared -> same */
	.vop_seek = ext2fs_seek,
};
