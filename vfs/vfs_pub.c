/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_pub.c -- the vnode-level entry points of vfs_pub.h (vfs_pub_*), for
 * the FUSE bridge and for the syscall layer (vfs_syscalls.c), which
 * calls them after resolving paths and descriptors.
 *
 * Elsewhere: credentials (vfs_pub_setcred*) in kern_subr.c; mounts in
 * vfs_init.c / vfs_mount.c; the xattr entry points in vfs_xattr.c; the
 * rename machinery in vfs_rename.c; permission checks, creation,
 * setattr, open and write in vfs_vnops.c.
 *
 * Every entry point takes the vnode locks it needs and drops them before
 * returning: shared for lookup, getattr, read, readdir, readlink, bmap,
 * seek, open and close; exclusive for everything that changes the
 * vnode.  Directory operations lock the directory before the child.
 * Vnodes handed out carry one reference for the caller.
 */
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/uio.h"
#include "kern/vnode.h"
#include "vfs_pub.h"
#include "vfs_syscall_internal.h"

static bool
name_is(const char *name, const char *what)
{

	return name != NULL && strcmp(name, what) == 0;
}

/* ---- references ---- */

int
vfs_pub_root(struct mount *mp, struct vnode **vpp)
{

	return mp->mnt_op->vfs_root(mp, vpp);
}

void
vfs_pub_vref(struct vnode *vp)
{

	vref(vp);
}

void
vfs_pub_vrele(struct vnode *vp)
{

	vrele(vp);
}

struct mount *
vfs_pub_mount(struct vnode *vp)
{

	return vp->v_mount;
}

/* ---- lookup and attributes ---- */

int
vfs_pub_lookup(struct vnode *dvp, const char *name, struct vnode **vpp)
{
	size_t len;
	int error;

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (name == NULL)
		return EFAULT;
	len = strlen(name);
	if (len == 0)
		return ENOENT;
	if (memchr(name, '/', len) != NULL)
		return EINVAL;
	vn_lock(dvp, RW_READER);
	error = vn_access(dvp, X_OK, kauth_cred_get());
	if (error == 0 && len > (dvp->v_mount->mnt_namemax != 0 ?
	    dvp->v_mount->mnt_namemax : NAME_MAX))
		error = ENAMETOOLONG;
	if (error == 0) {
		if (genfs_name_is_dot(name, len)) {
			vref(dvp);
			*vpp = dvp;
		} else
			error = VOP_LOOKUP(dvp, name, len, vpp);
	}
	vn_unlock(dvp);
	return error;
}

int
vfs_pub_getattr(struct vnode *vp, struct vattr *va)
{
	int error;

	vn_lock(vp, RW_READER);
	error = VOP_GETATTR(vp, va);
	vn_unlock(vp);
	return error;
}

int
vfs_pub_setattr(struct vnode *vp, struct vattr *va)
{
	int flags = 0;

	if (va->va_mask & VA_OPENFILE) {
		flags |= VN_SETATTR_OPENFILE;
		va->va_mask &= ~VA_OPENFILE;
	}
	return vn_setattr(vp, va, flags);
}

int
vfs_pub_access(struct vnode *vp, int mode)
{
	int error;

	if (mode & ~(R_OK | W_OK | X_OK))
		return EINVAL;
	if (mode == F_OK)
		return 0;
	if ((mode & W_OK) && vfs_isrdonly(vp->v_mount) &&
	    (vp->v_type == VREG || vp->v_type == VDIR || vp->v_type == VLNK))
		return EROFS;
	vn_lock(vp, RW_READER);
	error = vn_access(vp, mode, kauth_cred_get());
	vn_unlock(vp);
	return error;
}

/* ---- creating names ---- */

int
vfs_pub_create(struct vnode *dvp, const char *name, uint32_t mode,
    struct vnode **vpp)
{

	if ((mode & S_IFMT) != 0 && (mode & S_IFMT) != S_IFREG)
		return EINVAL;
	return vn_create(dvp, name, VREG, mode & ALLPERMS, 0, NULL, true, vpp,
	    NULL);
}

int
vfs_pub_mknod(struct vnode *dvp, const char *name, uint32_t mode,
    uint64_t rdev, struct vnode **vpp)
{
	enum vtype type;

	switch (mode & S_IFMT) {
	case 0:
	case S_IFREG:
		type = VREG;
		break;
	case S_IFCHR:
		type = VCHR;
		break;
	case S_IFBLK:
		type = VBLK;
		break;
	case S_IFIFO:
		type = VFIFO;
		break;
	case S_IFSOCK:
		type = VSOCK;
		break;
	case S_IFDIR:
		return EPERM;
	default:
		return EINVAL;
	}
	return vn_create(dvp, name, type, mode & ALLPERMS, rdev, NULL, true,
	    vpp, NULL);
}

int
vfs_pub_mkdir(struct vnode *dvp, const char *name, uint32_t mode,
    struct vnode **vpp)
{

	return vn_create(dvp, name, VDIR, mode & ALLPERMS, 0, NULL, true, vpp,
	    NULL);
}

int
vfs_pub_symlink(struct vnode *dvp, const char *name, const char *target,
    struct vnode **vpp)
{
	size_t tlen;

	if (target == NULL)
		return EFAULT;
	tlen = strnlen(target, SYMLINK_MAX + 1);
	if (tlen == 0)
		return ENOENT;
	if (tlen > SYMLINK_MAX)
		return ENAMETOOLONG;
	return vn_create(dvp, name, VLNK, ACCESSPERMS, 0, target, true, vpp,
	    NULL);
}

int
vfs_pub_link(struct vnode *vp, struct vnode *dvp, const char *name)
{
	kauth_cred_t cred = kauth_cred_get();
	struct vattr dva, va;
	struct vnode *xvp;
	uint32_t linkmax;
	size_t len;
	int error;

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (name_is(name, ".") || name_is(name, ".."))
		return EEXIST;
	if ((error = vn_name_check(dvp, name, &len)) != 0)
		return error;

	vn_lock(dvp, RW_WRITER);
	error = VOP_LOOKUP(dvp, name, len, &xvp);
	if (error == 0) {
		vn_unlock(dvp);
		vrele(xvp);
		return EEXIST;
	}
	if (error != ENOENT)
		goto out_dvp;
	if (vfs_isrdonly(dvp->v_mount)) {
		error = EROFS;
		goto out_dvp;
	}
	if (vp->v_mount != dvp->v_mount) {
		error = EXDEV;
		goto out_dvp;
	}
	if ((error = VOP_GETATTR(dvp, &dva)) != 0)
		goto out_dvp;
	if ((error = vn_may_create(&dva, cred)) != 0)
		goto out_dvp;
	if (vp->v_type == VDIR) {
		error = EPERM;
		goto out_dvp;
	}
	/* A non-directory: locking it after a directory keeps the order. */
	vn_lock(vp, RW_WRITER);
	if ((error = VOP_GETATTR(vp, &va)) != 0)
		goto out_vp;
	linkmax = vp->v_mount->mnt_linkmax != 0 ? vp->v_mount->mnt_linkmax :
	    LINK_MAX_DEFAULT;
	if (va.va_nlink == 0)
		error = ENOENT;
	else if (va.va_nlink >= linkmax)
		error = EMLINK;
	else
		error = VOP_LINK(dvp, vp, name, len);
out_vp:
	vn_unlock(vp);
out_dvp:
	vn_unlock(dvp);
	return error;
}

/* ---- removing names ---- */

/*
 * Common part of unlink and rmdir: look NAME up in DVP, check, remove.
 */
static int
vn_remove(struct vnode *dvp, const char *name, bool isdir)
{
	kauth_cred_t cred = kauth_cred_get();
	struct vattr dva, va;
	struct vnode *vp;
	size_t len;
	int error;

	/* Linux: the mount is checked before the name is looked up. */
	if (name == NULL)
		return EFAULT;
	if (vfs_isrdonly(dvp->v_mount))
		return EROFS;
	if ((error = vn_name_check(dvp, name, &len)) != 0)
		return error;

	vn_lock(dvp, RW_WRITER);
	if ((error = VOP_LOOKUP(dvp, name, len, &vp)) != 0) {
		vn_unlock(dvp);
		return error;
	}
	KASSERT(vp != dvp);
	vn_lock(vp, RW_WRITER);
	if ((error = VOP_GETATTR(dvp, &dva)) != 0 ||
	    (error = VOP_GETATTR(vp, &va)) != 0)
		goto out;
	if ((error = vn_may_delete(&dva, &va, cred)) != 0)
		goto out;
	if (isdir) {
		if (vp->v_type != VDIR)
			error = ENOTDIR;
		else
			error = VOP_RMDIR(dvp, vp, name, len);
	} else {
		if (vp->v_type == VDIR)
			error = EISDIR;
		else
			error = VOP_REMOVE(dvp, vp, name, len);
	}
out:
	vn_unlock(vp);
	vn_unlock(dvp);
	vrele(vp);
	return error;
}

int
vfs_pub_unlink(struct vnode *dvp, const char *name)
{

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (name_is(name, ".") || name_is(name, ".."))
		return EISDIR;
	return vn_remove(dvp, name, false);
}

int
vfs_pub_rmdir(struct vnode *dvp, const char *name)
{

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (name_is(name, "."))
		return EINVAL;
	if (name_is(name, ".."))
		return ENOTEMPTY;
	return vn_remove(dvp, name, true);
}

int
vfs_pub_rename(struct vnode *fdvp, const char *fname, struct vnode *tdvp,
    const char *tname, unsigned flags)
{

	return vfs_do_rename(fdvp, fname, false, tdvp, tname, false, flags);
}

/* ---- open files ---- */

int
vfs_pub_open(struct vnode *vp, int oflags)
{

	if ((oflags & O_CREAT) && vp->v_type == VDIR)
		return EISDIR;
	return vn_open(vp, oflags, false);
}

int
vfs_pub_open_created(struct vnode *vp, int oflags)
{

	return vn_open(vp, oflags & ~O_TRUNC, true);
}

int
vfs_pub_close(struct vnode *vp, int oflags)
{
	int error;

	if (oflags & O_PATH)
		return 0;
	vn_lock(vp, RW_READER);
	error = VOP_CLOSE(vp, oflags);
	vn_unlock(vp);
	return error;
}

int
vfs_pub_read(struct vnode *vp, void *buf, size_t len, uint64_t off,
    size_t *donep)
{
	struct kiovec iov;
	struct uio uio;
	int error;

	*donep = 0;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	if (off > (uint64_t)INT64_MAX)
		return EINVAL;
	if (len == 0)
		return 0;
	uio_setup(&uio, &iov, buf, len, off, UIO_READ);
	vn_lock(vp, RW_READER);
	error = VOP_READ(vp, &uio, 0);
	vn_unlock(vp);
	*donep = len - uio.uio_resid;
	if (*donep > 0)
		error = 0;
	return error;
}

int
vfs_pub_write(struct vnode *vp, const void *buf, size_t len, uint64_t off,
    int ioflags, size_t *donep)
{

	return vn_write(vp, buf, len, off,
	    ioflags & (VFS_IO_APPEND | VFS_IO_SYNC), donep, NULL);
}

int
vfs_pub_fsync(struct vnode *vp, bool datasync)
{
	int error;

	vn_lock(vp, RW_WRITER);
	error = VOP_FSYNC(vp, FSYNC_WAIT | (datasync ? FSYNC_DATAONLY : 0));
	vn_unlock(vp);
	return error;
}

int
vfs_pub_fallocate(struct vnode *vp, int mode, uint64_t off, uint64_t len)
{
	kauth_cred_t cred = kauth_cred_get();
	struct vattr cur, va;
	uint64_t max;
	int error;

	if (off > (uint64_t)INT64_MAX || len == 0 ||
	    len > (uint64_t)INT64_MAX)
		return EINVAL;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_ZERO_RANGE))
		return EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && (mode & FALLOC_FL_ZERO_RANGE))
		return EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return EOPNOTSUPP;
	if (vp->v_type == VFIFO)
		return ESPIPE;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return ENODEV;
	max = vp->v_mount->mnt_maxfilesize != 0 ?
	    vp->v_mount->mnt_maxfilesize : (uint64_t)INT64_MAX;
	if (off + len > max || off + len > (uint64_t)INT64_MAX)
		return EFBIG;
	if (vfs_isrdonly(vp->v_mount))
		return EROFS;

	vn_lock(vp, RW_WRITER);
	if (!kauth_cred_isroot(cred)) {
		if ((error = VOP_GETATTR(vp, &cur)) != 0)
			goto out;
		if ((cur.va_mode & S_ISUID) ||
		    (cur.va_mode & (S_ISGID | S_IXGRP)) ==
		    (S_ISGID | S_IXGRP)) {
			memset(&va, 0, sizeof(va));
			va.va_mask = VA_MODE;
			va.va_mode = cur.va_mode & ALLPERMS & ~S_ISUID;
			if (va.va_mode & S_IXGRP)
				va.va_mode &= ~S_ISGID;
			if ((error = VOP_SETATTR(vp, &va)) != 0)
				goto out;
		}
	}
	error = VOP_FALLOCATE(vp, mode, off, len);
	if (error == 0)
		vn_datachanged(vp);
out:
	vn_unlock(vp);
	return error;
}

int
vfs_pub_seek(struct vnode *vp, uint64_t off, int whence, uint64_t *resultp)
{
	int error;

	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return EINVAL;
	if (vp->v_type != VREG)
		return EINVAL;
	if (off > (uint64_t)INT64_MAX)
		return ENXIO;
	vn_lock(vp, RW_READER);
	error = VOP_SEEK(vp, off, whence, resultp);
	vn_unlock(vp);
	return error;
}

int
vfs_pub_readdir(struct vnode *dvp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	struct vattr va;
	int error;

	if (dvp->v_type != VDIR)
		return ENOTDIR;
	vn_lock(dvp, RW_READER);
	error = VOP_GETATTR(dvp, &va);
	if (error == 0 && va.va_nlink == 0)
		error = ENOENT;		/* removed directory, as Linux */
	if (error == 0)
		error = VOP_READDIR(dvp, cookie, fill, arg);
	vn_unlock(dvp);
	return error;
}

int
vfs_pub_readlink(struct vnode *vp, char *buf, size_t buflen, size_t *lenp)
{
	struct kiovec iov;
	struct uio uio;
	int error;

	*lenp = 0;
	if (vp->v_type != VLNK)
		return EINVAL;
	uio_setup(&uio, &iov, buf, buflen, 0, UIO_READ);
	vn_lock(vp, RW_READER);
	error = VOP_READLINK(vp, &uio);
	vn_unlock(vp);
	if (error == 0)
		*lenp = buflen - uio.uio_resid;
	return error;
}

int
vfs_pub_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	int error;

	memset(sv, 0, sizeof(*sv));
	if ((error = mp->mnt_op->vfs_statvfs(mp, sv)) != 0)
		return error;
	if (mp->mnt_flags & MNT_RDONLY)
		sv->f_flag |= VFS_ST_RDONLY;
	if (mp->mnt_flags & MNT_NOSUID)
		sv->f_flag |= VFS_ST_NOSUID;
	if (mp->mnt_flags & MNT_NOATIME)
		sv->f_flag |= VFS_ST_NOATIME;
	if (sv->f_namemax == 0)
		sv->f_namemax = mp->mnt_namemax != 0 ? mp->mnt_namemax :
		    NAME_MAX;
	if (sv->f_fsid == 0)
		sv->f_fsid = mp->mnt_fsid;
	if (sv->f_frsize == 0)
		sv->f_frsize = sv->f_bsize;
	return 0;
}

/* ---- the fast data path ---- */

int
vfs_pub_bmap(struct vnode *vp, uint64_t off, int *hostfdp,
    uint64_t *devoffp, uint64_t *runp)
{
	struct blkdev *dev = vp->v_mount->mnt_dev;
	struct vattr va;
	uint64_t devoff, run, hostoff;
	int fd, error;

	if (vp->v_type != VREG || dev == NULL)
		return EOPNOTSUPP;
	vn_lock(vp, RW_READER);
	if (atomic_load_relaxed(&vp->v_writers) != 0) {
		error = EOPNOTSUPP;
		goto out;
	}
	if ((error = VOP_GETATTR(vp, &va)) != 0)
		goto out;
	if (off >= va.va_size) {
		/* Nothing to splice: the read path reports EOF. */
		error = EOPNOTSUPP;
		goto out;
	}
	if ((error = VOP_BMAP(vp, off, &devoff, &run)) != 0)
		goto out;
	if (devoff == VOP_BMAP_HOLE || run == 0) {
		error = EOPNOTSUPP;
		goto out;
	}
	if (run > va.va_size - off)
		run = va.va_size - off;
	/* Never past the device window, whatever the driver said. */
	if (devoff >= dev->bd_size) {
		error = EOPNOTSUPP;
		goto out;
	}
	if (run > dev->bd_size - devoff)
		run = dev->bd_size - devoff;
	if ((error = blkdev_hostfd(dev, devoff, &fd, &hostoff)) != 0) {
		error = EOPNOTSUPP;
		goto out;
	}
	/* Bytes still in the buffer cache must come through read. */
	if ((run = bclean_prefix(dev, devoff, run)) == 0) {
		error = EOPNOTSUPP;
		goto out;
	}
	*hostfdp = fd;
	*devoffp = hostoff;
	*runp = run;
out:
	vn_unlock(vp);
	return error;
}
