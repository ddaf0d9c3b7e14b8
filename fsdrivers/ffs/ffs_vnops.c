/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_vnops.c -- the vnode operations of the FFS driver and the table
 * ffs_vnodeops.  Rename is in ffs_rename.c, extended attributes in
 * ffs_xattr.c; directory contents in ffs_dir.c; block mapping and
 * allocation in ffs_bmap.c, ffs_balloc.c and ffs_alloc.c.
 *
 * Locking: each operation's contract is in struct vnodeops
 * (kern/vnode.h).  Reads (lookup, getattr, read, readdir, readlink,
 * bmap, seek, xattr reads) run under a shared vnode lock and change
 * nothing but atime (under i_timelock) and the read-ahead hint;
 * everything else runs under an exclusive lock.  A new file's vnode is
 * locked (after its directory's) while it is being set up.
 *
 * The life of an inode's space: an unlinked file keeps its blocks
 * while it is referenced; the last reference's VOP_INACTIVE frees the
 * blocks and clears the on-disk inode (IN_FREED), and VOP_RECLAIM then
 * frees the inode number.  Freeing the number only at reclaim means no
 * new file can get it while the old vnode is still in the vnode cache.
 *
 * Writes go through the buffer cache (delayed writes); the inode is
 * written (delayed) after every change.  fsync writes everything of the
 * mount (the buffer cache has no per-file lists) and flushes the device.
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/uio.h"
#include "kern/vnode.h"

#include "ffs_fs.h"
#include "ffs_node.h"

/* Sequential read-ahead window, bytes. */
#define FFS_RA_BYTES	(256 * 1024)

static bool
ffs_frozen(const struct ffs_inode *ip)
{
	return (ip->i_flags & (FFS_IMMUTABLE_ANY | FFS_APPEND_ANY)) != 0;
}

static int
ffs_lookup(struct vnode *dvp, const char *name, size_t len,
    struct vnode **vpp)
{
	struct ffs_inode *dp = VTOI(dvp);
	struct ffs_dirpos pos;
	int error;

	*vpp = NULL;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (genfs_name_is_dot(name, len)) {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if ((error = ffs_dir_lookup(dp, name, len, &pos)) != 0)
		return error;
	error = vcache_get(dvp->v_mount, pos.dp_ino, NULL, vpp);
	if (error == ENOENT || error == ESTALE)
		error = ffs_corrupt(dp->i_ump, "directory inode %llu: entry "
		    "\"%.*s\" names free inode %u",
		    (unsigned long long)dp->i_number, (int)len, name,
		    pos.dp_ino);
	return error;
}

/*
 * Make a new file of TYPE named NAME in DVP: an inode, its first
 * directory block or symlink target, the entry.  On error nothing is
 * left (the half-made inode is freed by its VOP_INACTIVE).
 */
static int
ffs_makeinode(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, enum vtype type, const char *target,
    struct vnode **vpp)
{
	struct ffs_inode *dp = VTOI(dvp), *ip;
	struct ffs_mount *ump = dp->i_ump;
	uint32_t mode = VTTOIF(type) | (va->va_mode & ALLPERMS);
	size_t tlen = 0;
	struct vnode *vp;
	struct buf *bp;
	ino64_t ino;
	int error;

	*vpp = NULL;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (dp->i_nlink == 0)
		return ENOENT;
	if (dp->i_flags & FFS_IMMUTABLE_ANY)
		return EPERM;
	if (type == VDIR && dp->i_nlink >= FFS_LINK_MAX)
		return EMLINK;
	if (type == VLNK) {
		tlen = strlen(target);
		if (tlen == 0 || tlen > SYMLINK_MAX)
			return ENAMETOOLONG;
	}
	if ((type == VCHR || type == VBLK) && !ump->um_ufs2 &&
	    va->va_rdev > UINT32_MAX)
		return EOVERFLOW;
	if ((error = ffs_valloc(dp, mode, &ino)) != 0)
		return error;
	error = ffs_inode_create(ump, ino, mode, va->va_uid, va->va_gid,
	    (type == VCHR || type == VBLK) ? ffs_rdev_encode(va->va_rdev) : 0,
	    type == VDIR ? 2 : 1);
	if (error) {
		(void)ffs_vfree(ump, ino, mode);
		return error;
	}
	if ((error = vcache_get(dvp->v_mount, ino, NULL, &vp)) != 0) {
		if (error == ENOENT || error == ESTALE)
			error = EIO;
		return error;
	}
	ip = VTOI(vp);
	vn_lock(vp, RW_WRITER);
	if (type == VDIR && (error = ffs_dir_init(ip, dp->i_number)) != 0)
		goto bad;
	if (type == VLNK) {
		if (tlen < ump->um_maxsymlinklen) {
			memcpy(ip->i_shortlink, target, tlen);
			ip->i_flag |= IN_SHORTLINK;
		} else {
			/* (an empty symlink decodes as an inline one) */
			ip->i_flag &= ~IN_SHORTLINK;
			if ((error = ffs_balloc(ip, 0, (uint32_t)tlen, tlen,
			    &bp)) != 0)
				goto bad;
			memcpy(bp->b_data, target, tlen);
			bdwrite(bp);
		}
		ip->i_size = tlen;
	}
	if ((error = ffs_update(ip)) != 0)
		goto bad;
	if ((error = ffs_dir_enter(dp, name, len, ino, mode)) != 0)
		goto bad;
	if (type == VDIR)
		dp->i_nlink++;
	ffs_itimes(dp, FFS_UPD_MTIME | FFS_UPD_CTIME);
	(void)ffs_update(dp);
	vn_unlock(vp);
	*vpp = vp;
	return 0;

bad:
	ip->i_nlink = 0;
	(void)ffs_update(ip);
	vn_unlock(vp);
	vrele(vp);
	return error;
}

static int
ffs_create(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, struct vnode **vpp)
{
	switch (va->va_type) {
	case VREG:
	case VCHR:
	case VBLK:
	case VFIFO:
	case VSOCK:
		return ffs_makeinode(dvp, name, len, va, va->va_type, NULL,
		    vpp);
	default:
		return EINVAL;
	}
}

static int
ffs_mkdir(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, struct vnode **vpp)
{
	return ffs_makeinode(dvp, name, len, va, VDIR, NULL, vpp);
}

static int
ffs_symlink(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, const char *target, struct vnode **vpp)
{
	return ffs_makeinode(dvp, name, len, va, VLNK, target, vpp);
}

static int
ffs_link(struct vnode *dvp, struct vnode *vp, const char *name, size_t len)
{
	struct ffs_inode *dp = VTOI(dvp), *ip = VTOI(vp);
	int error;

	if (vp->v_type == VDIR)
		return EPERM;
	if (dp->i_nlink == 0 || ip->i_nlink == 0)
		return ENOENT;
	if (ip->i_nlink >= FFS_LINK_MAX)
		return EMLINK;
	if (ffs_frozen(ip) || (dp->i_flags & FFS_IMMUTABLE_ANY))
		return EPERM;
	ip->i_nlink++;
	ffs_itimes(ip, FFS_UPD_CTIME);
	if ((error = ffs_update(ip)) != 0)
		goto undo;
	if ((error = ffs_dir_enter(dp, name, len, ip->i_number,
	    ip->i_mode)) != 0)
		goto undo;
	ffs_itimes(dp, FFS_UPD_MTIME | FFS_UPD_CTIME);
	(void)ffs_update(dp);
	return 0;
undo:
	ip->i_nlink--;
	(void)ffs_update(ip);
	return error;
}

static int
ffs_remove(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len)
{
	struct ffs_inode *dp = VTOI(dvp), *ip = VTOI(vp);
	struct ffs_dirpos pos;
	int error;

	if (vp->v_type == VDIR)
		return EISDIR;
	if (ffs_frozen(ip) || ffs_frozen(dp))
		return EPERM;
	if ((error = ffs_dir_lookup(dp, name, len, &pos)) != 0)
		return error;
	if (pos.dp_ino != ip->i_number)
		return ENOENT;
	if ((error = ffs_dir_remove(dp, &pos)) != 0)
		return error;
	if (ip->i_nlink > 0)
		ip->i_nlink--;
	ffs_itimes(ip, FFS_UPD_CTIME);
	(void)ffs_update(ip);
	ffs_itimes(dp, FFS_UPD_MTIME | FFS_UPD_CTIME);
	return ffs_update(dp);
}

static int
ffs_rmdir(struct vnode *dvp, struct vnode *vp, const char *name, size_t len)
{
	struct ffs_inode *dp = VTOI(dvp), *ip = VTOI(vp);
	struct ffs_dirpos pos;
	bool empty;
	int error;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	if (ip->i_number == FFS_ROOTINO)
		return EBUSY;
	if (ffs_frozen(ip) || ffs_frozen(dp))
		return EPERM;
	if ((error = ffs_dir_isempty(ip, &empty)) != 0)
		return error;
	if (!empty)
		return ENOTEMPTY;
	if ((error = ffs_dir_lookup(dp, name, len, &pos)) != 0)
		return error;
	if (pos.dp_ino != ip->i_number)
		return ENOENT;
	if ((error = ffs_dir_remove(dp, &pos)) != 0)
		return error;
	if (dp->i_nlink > 1)
		dp->i_nlink--;
	ffs_itimes(dp, FFS_UPD_MTIME | FFS_UPD_CTIME);
	(void)ffs_update(dp);
	/* Its "." and its name go; the contents go now. */
	ip->i_nlink = 0;
	error = ffs_truncate(ip, 0);
	ffs_itimes(ip, FFS_UPD_CTIME);
	(void)ffs_update(ip);
	return error;
}

static int
ffs_vop_getattr(struct vnode *vp, struct vattr *va)
{
	ffs_getattr(VTOI(vp), va);
	return 0;
}

static int
ffs_setattr(struct vnode *vp, const struct vattr *va)
{
	struct ffs_inode *ip = VTOI(vp);
	uint32_t mask = va->va_mask;
	int error;

	if ((ip->i_flags & FFS_IMMUTABLE_ANY) && (mask & ~(uint32_t)VA_FLAGS))
		return EPERM;
	if (mask & VA_SIZE) {
		if (vp->v_type != VREG)
			return vp->v_type == VDIR ? EISDIR : EINVAL;
		if ((ip->i_flags & FFS_APPEND_ANY) && va->va_size < ip->i_size)
			return EPERM;
		error = ffs_truncate(ip, va->va_size);
		if (error) {
			(void)ffs_update(ip);
			return error;
		}
	}
	if (mask & VA_MODE)
		ip->i_mode = (ip->i_mode & FFS_IFMT) | (va->va_mode & ALLPERMS);
	if (mask & VA_UID)
		ip->i_uid = va->va_uid;
	if (mask & VA_GID)
		ip->i_gid = va->va_gid;
	if (mask & VA_FLAGS)
		ip->i_flags = va->va_flags;
	if (mask & VA_ATIME) {
		mutex_enter(&ip->i_timelock);
		ip->i_atime = va->va_atime;
		mutex_exit(&ip->i_timelock);
	}
	if (mask & VA_MTIME)
		ip->i_mtime = va->va_mtime;
	if ((mask & VA_BTIME) && ip->i_ump->um_ufs2)
		ip->i_btime = va->va_birthtime;
	if (mask & VA_CTIME)
		ip->i_ctime = va->va_ctime;
	else
		ffs_itimes(ip, FFS_UPD_CTIME);
	return ffs_update(ip);
}

static int
ffs_read(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct ffs_inode *ip = VTOI(vp);
	struct ffs_mount *ump = ip->i_ump;
	int64_t lbn, bn, run, ra[15];
	uint32_t boff, size, rasz[15], window;
	uint64_t off, avail, lastblk, want;
	size_t n;
	struct buf *bp;
	bool seq;
	int k, nra, error = 0;

	(void)ioflag;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	if (uio->uio_offset >= ip->i_size || uio->uio_resid == 0)
		return 0;
	seq = uio->uio_offset == atomic_load_relaxed(&ip->i_nextread);
	window = FFS_RA_BYTES >> ump->um_bshift;
	lastblk = ffs_lblkno(ump, ip->i_size - 1);
	while (uio->uio_resid > 0 && uio->uio_offset < ip->i_size) {
		off = uio->uio_offset;
		lbn = ffs_lblkno(ump, off);
		boff = ffs_blkoff(ump, off);
		avail = MIN(ip->i_size - off, (uint64_t)uio->uio_resid);
		if ((error = ffs_bmap(ip, lbn, &bn, &run)) != 0)
			break;
		if (bn == 0) {
			n = (size_t)MIN(((uint64_t)run << ump->um_bshift) -
			    boff, avail);
			uiozero(n, uio);
			continue;
		}
		size = ffs_blksize(ump, ip, lbn);
		/* the rest of the request, and a window if sequential */
		want = howmany(boff + avail, ump->um_bsize) - 1;
		if (seq)
			want += window;
		want = MIN(want, (uint64_t)run - 1);
		want = MIN(want, lastblk - (uint64_t)lbn);
		nra = (int)MIN(want, (uint64_t)__arraycount(ra));
		for (k = 0; k < nra; k++) {
			ra[k] = bn + (int64_t)(k + 1) * ump->um_frag;
			rasz[k] = ffs_blksize(ump, ip, lbn + k + 1);
		}
		error = ffs_breadn(ump, bn, size, ra, rasz, nra, &bp);
		if (error)
			break;
		n = (size_t)MIN((uint64_t)(size - boff), avail);
		uiomove((uint8_t *)bp->b_data + boff, n, uio);
		brelse(bp);
	}
	atomic_store_relaxed(&ip->i_nextread, uio->uio_offset);
	ffs_mark_access(ip);
	return error;
}

static int
ffs_write(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct ffs_inode *ip = VTOI(vp);
	struct ffs_mount *ump = ip->i_ump;
	uint64_t off, end;
	uint32_t boff;
	int64_t lbn;
	size_t n, done = 0;
	struct buf *bp;
	int error = 0, e;

	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	if (ip->i_flags & FFS_IMMUTABLE_ANY)
		return EPERM;
	if (ioflag & IO_APPEND)
		uio->uio_offset = ip->i_size;
	if ((ip->i_flags & FFS_APPEND_ANY) && uio->uio_offset != ip->i_size)
		return EPERM;
	if (uio->uio_offset >= ump->um_maxfilesize)
		return EFBIG;
	if (uio->uio_resid > ump->um_maxfilesize - uio->uio_offset)
		uio->uio_resid = (size_t)(ump->um_maxfilesize -
		    uio->uio_offset);
	while (uio->uio_resid > 0) {
		off = uio->uio_offset;
		lbn = ffs_lblkno(ump, off);
		boff = ffs_blkoff(ump, off);
		n = MIN((size_t)(ump->um_bsize - boff), uio->uio_resid);
		end = off + n;
		error = ffs_balloc(ip, lbn, boff + (uint32_t)n,
		    MAX(end, ip->i_size), &bp);
		if (error)
			break;
		uiomove((uint8_t *)bp->b_data + boff, n, uio);
		if (end > ip->i_size)
			ip->i_size = end;
		done += n;
		if (ioflag & IO_SYNC) {
			if ((error = bwrite(bp)) != 0)
				break;
		} else
			bdwrite(bp);
	}
	if (done > 0)
		ffs_itimes(ip, FFS_UPD_MTIME | FFS_UPD_CTIME);
	e = ffs_update(ip);
	if (error == 0)
		error = e;
	if (error == 0 && (ioflag & IO_SYNC)) {
		(void)ffs_sbupdate(ump, false);
		error = bsync(ump->um_dev);
	}
	return error;
}

static int
ffs_fsync(struct vnode *vp, int flags)
{
	struct ffs_inode *ip = VTOI(vp);
	struct ffs_mount *ump = ip->i_ump;
	int error;

	(void)flags;
	if (ump->um_rdonly)
		return 0;
	if ((error = ffs_update(ip)) != 0)
		return error;
	if ((error = ffs_sbupdate(ump, false)) != 0)
		return error;
	return bsync(ump->um_dev);
}

static int
ffs_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	struct ffs_inode *ip = VTOI(vp);
	int error;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	error = ffs_dir_readdir(ip, cookie, fill, arg);
	ffs_mark_access(ip);
	return error;
}

static int
ffs_readlink(struct vnode *vp, struct uio *uio)
{
	struct ffs_inode *ip = VTOI(vp);
	struct ffs_mount *ump = ip->i_ump;
	size_t size = (size_t)ip->i_size;
	uint8_t *buf = NULL;
	const uint8_t *target;
	int error = 0;

	if (vp->v_type != VLNK)
		return EINVAL;
	if (ip->i_size == 0 || ip->i_size > SYMLINK_MAX)
		return ffs_corrupt(ump, "symlink inode %llu: bad size %llu",
		    (unsigned long long)ip->i_number,
		    (unsigned long long)ip->i_size);
	if (ffs_is_shortlink(ip))
		target = ip->i_shortlink;
	else {
		if ((buf = kmem_alloc(size)) == NULL)
			return ENOMEM;
		if ((error = ffs_read_buf(ip, 0, buf, size)) != 0)
			goto out;
		target = buf;
	}
	if (memchr(target, '\0', size) != NULL) {
		error = ffs_corrupt(ump, "symlink inode %llu: NUL in target",
		    (unsigned long long)ip->i_number);
		goto out;
	}
	uiomove((void *)(uintptr_t)target, size, uio);
	ffs_mark_access(ip);
out:
	if (buf != NULL)
		kmem_free(buf, size);
	return error;
}

/* Release the contents and clear the inode of an unlinked file. */
static int
ffs_release(struct ffs_inode *ip)
{
	int error, e;

	KASSERT(ip->i_nlink <= 0 && !(ip->i_flag & IN_FREED));
	error = ffs_truncate(ip, 0);
	if ((e = ffs_ext_free(ip)) != 0 && error == 0)
		error = e;
	ip->i_omode = ip->i_mode;
	ip->i_mode = 0;
	ip->i_rdev = 0;
	ip->i_flags = 0;
	ip->i_size = 0;
	ip->i_flag &= ~IN_SHORTLINK;
	memset(ip->i_db, 0, sizeof(ip->i_db));
	memset(ip->i_ib, 0, sizeof(ip->i_ib));
	ffs_itimes(ip, FFS_UPD_CTIME);
	if ((e = ffs_update(ip)) != 0 && error == 0)
		error = e;
	ip->i_flag |= IN_FREED;
	return error;
}

static int
ffs_inactive(struct vnode *vp, bool *recyclep)
{
	struct ffs_inode *ip = VTOI(vp);

	*recyclep = false;
	if (ip->i_ump->um_rdonly)
		return 0;
	if (ip->i_nlink <= 0) {
		*recyclep = true;
		if (!(ip->i_flag & IN_FREED))
			return ffs_release(ip);
		return 0;
	}
	return ffs_flush_atime(ip);
}

static int
ffs_reclaim(struct vnode *vp)
{
	struct ffs_inode *ip = VTOI(vp);
	struct ffs_mount *ump;
	int error = 0;

	if (ip == NULL)
		return 0;
	ump = ip->i_ump;
	if (!ump->um_rdonly) {
		if (ip->i_nlink <= 0 && !(ip->i_flag & IN_FREED))
			error = ffs_release(ip);
		if (ip->i_flag & IN_FREED)
			(void)ffs_vfree(ump, ip->i_number, ip->i_omode);
		else
			(void)ffs_flush_atime(ip);
	}
	vp->v_data = NULL;
	ffs_inode_free(ip);
	return error;
}

static int
ffs_vop_bmap(struct vnode *vp, uint64_t off, uint64_t *devoffp,
    uint64_t *runp)
{
	struct ffs_inode *ip = VTOI(vp);
	struct ffs_mount *ump = ip->i_ump;
	uint32_t boff = ffs_blkoff(ump, off);
	int64_t bn, run;
	int error;

	if (vp->v_type != VREG)
		return EOPNOTSUPP;
	if (off >= ip->i_size) {
		*devoffp = VOP_BMAP_HOLE;
		*runp = ump->um_bsize - boff;
		return 0;
	}
	if ((error = ffs_bmap(ip, ffs_lblkno(ump, off), &bn, &run)) != 0)
		return error;
	*runp = MIN(((uint64_t)run << ump->um_bshift) - boff,
	    ip->i_size - off);
	*devoffp = bn == 0 ? VOP_BMAP_HOLE :
	    ((uint64_t)bn << ump->um_fshift) + boff;
	return 0;
}

static int
ffs_seek(struct vnode *vp, uint64_t off, int whence, uint64_t *resultp)
{
	struct ffs_inode *ip = VTOI(vp);
	struct ffs_mount *ump = ip->i_ump;
	int64_t bn, run;
	uint64_t end;
	int error;

	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return EINVAL;
	if (off >= ip->i_size)
		return ENXIO;
	if (vp->v_type != VREG) {
		*resultp = whence == SEEK_DATA ? off : ip->i_size;
		return 0;
	}
	while (off < ip->i_size) {
		if ((error = ffs_bmap(ip, ffs_lblkno(ump, off), &bn, &run)) !=
		    0)
			return error;
		if ((whence == SEEK_DATA) == (bn != 0)) {
			*resultp = off;
			return 0;
		}
		end = (uint64_t)(ffs_lblkno(ump, off) + run) << ump->um_bshift;
		off = MIN(end, ip->i_size);
	}
	if (whence == SEEK_DATA)
		return ENXIO;
	*resultp = ip->i_size;
	return 0;
}

const struct vnodeops ffs_vnodeops = {
	/* dvp shared|excl -> same; ref *vpp */
	.vop_lookup = ffs_lookup,
	/* dvp excl -> same; ref *vpp */
	.vop_create = ffs_create,
	.vop_mknod = ffs_create,
	.vop_mkdir = ffs_mkdir,
	.vop_symlink = ffs_symlink,
	/* dvp excl, vp excl -> same */
	.vop_link = ffs_link,
	.vop_remove = ffs_remove,
	.vop_rmdir = ffs_rmdir,
	/* all four excl -> same */
	.vop_rename = ffs_rename,
	/* vp shared -> same */
	.vop_open = genfs_nullop_open,
	.vop_close = genfs_nullop_open,
	/* vp shared -> same */
	.vop_getattr = ffs_vop_getattr,
	/* vp excl -> same */
	.vop_setattr = ffs_setattr,
	/* vp shared -> same (atime under i_timelock) */
	.vop_read = ffs_read,
	/* vp excl -> same */
	.vop_write = ffs_write,
	/* vp excl -> same: writes everything of the mount */
	.vop_fsync = ffs_fsync,
	/* vp shared -> same */
	.vop_readdir = ffs_readdir,
	/* vp shared -> same */
	.vop_readlink = ffs_readlink,
	/* vp excl -> same: an unlinked file's space goes here */
	.vop_inactive = ffs_inactive,
	/* vp excl -> same: frees the inode number, then v_data */
	.vop_reclaim = ffs_reclaim,
	/* vp shared -> same */
	.vop_bmap = ffs_vop_bmap,
	/* vp shared -> same */
	.vop_getxattr = ffs_getxattr,
	/* xattrs are read-only (UFS2 extended attribute areas) */
	.vop_setxattr = genfs_eopnotsupp_setxattr,
	/* vp shared -> same */
	.vop_listxattr = ffs_listxattr,
	.vop_removexattr = genfs_eopnotsupp_removexattr,
	.vop_fallocate = genfs_eopnotsupp_fallocate,
	/* vp shared -> same */
	.vop_seek = ffs_seek,
};
