/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_vnops.c -- permission checks and the vnode-level operations that
 * both entry layers (vfs_pub.c for the FUSE bridge, vfs_syscalls.c for
 * paths and descriptors) share: creating a node, setattr with its
 * permission rules, open, write.
 *
 * Exports (vfs_syscall_internal.h): vn_access_va, vn_access,
 * vn_owner_or_root, vn_may_delete, vn_may_create,
 * vn_may_open_in_sticky, vn_name_check,
 * vn_create, vn_setattr, vn_open, vn_write.  The VOP_* wrappers are
 * inline in kern/vnode.h.
 *
 * Permission model (Linux, without capabilities beyond "root"):
 *   - owner / group (primary or supplementary) / other bits, the first
 *     class that matches decides;
 *   - root passes read and write always, and execute/search when the
 *     node is a directory or has any x bit;
 *   - read-only mounts: EROFS for every modifying operation, checked
 *     before permissions;
 *   - new nodes: uid from the credential; gid from the parent if it is
 *     setgid (new directories then inherit S_ISGID), else from the
 *     credential; no umask here (callers pass masked modes);
 *   - chmod: owner or root (EPERM); a non-root caller outside the file's
 *     group loses S_ISGID;  chown: root, or the owner changing the group
 *     to one of its own; any chown of a non-directory, even to (-1, -1),
 *     clears S_ISUID and (with group exec) S_ISGID;
 *   - open(O_CREAT) of an existing node that is neither a regular
 *     file nor a fifo (a symlink with O_NOFOLLOW, a device, a socket)
 *     in a sticky, world-writable directory: EACCES unless the caller
 *     or the directory's owner owns it -- root included (Linux's
 *     may_create_in_sticky with fs.protected_regular/fifos at 0);
 *   - times: setting both to "now" needs owner, root or write
 *     permission (EACCES); anything else, including one time "now" and
 *     the other omitted, needs owner or root (EPERM);
 *   - writes and truncations by a non-root caller clear S_ISUID and
 *     (with group exec) S_ISGID, as Linux's file_remove_privs (which
 *     spares callers with CAP_FSETID, here root).
 *
 * Locking: every function here takes and drops the vnode locks it needs
 * (directory before child) unless its comment says the caller holds one.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/uio.h"
#include "kern/vnode.h"
#include "vfs_syscall_internal.h"

/* ---- permissions ---- */

int
vn_access_va(const struct vattr *va, int mode, kauth_cred_t cred)
{
	uint32_t bits;

	mode &= R_OK | W_OK | X_OK;
	if (kauth_cred_isroot(cred)) {
		if ((mode & X_OK) && va->va_type != VDIR &&
		    (va->va_mode & 0111) == 0)
			return EACCES;
		return 0;
	}
	if (cred->cr_uid == va->va_uid)
		bits = (va->va_mode >> 6) & 7;
	else if (kauth_cred_groupmember(cred, va->va_gid))
		bits = (va->va_mode >> 3) & 7;
	else
		bits = va->va_mode & 7;
	return ((uint32_t)mode & bits) == (uint32_t)mode ? 0 : EACCES;
}

int
vn_access(struct vnode *vp, int mode, kauth_cred_t cred)
{
	struct vattr va;
	int error;

	KASSERT(VOP_LOCKED(vp));
	/* Root searches every directory without asking the driver. */
	if (kauth_cred_isroot(cred) && vp->v_type == VDIR)
		return 0;
	if ((error = VOP_GETATTR(vp, &va)) != 0)
		return error;
	return vn_access_va(&va, mode, cred);
}

bool
vn_owner_or_root(const struct vattr *va, kauth_cred_t cred)
{

	return kauth_cred_isroot(cred) || cred->cr_uid == va->va_uid;
}

int
vn_may_delete(const struct vattr *dva, const struct vattr *va,
    kauth_cred_t cred)
{
	int error;

	if ((error = vn_access_va(dva, W_OK | X_OK, cred)) != 0)
		return error;
	if ((dva->va_mode & S_ISVTX) && !kauth_cred_isroot(cred) &&
	    cred->cr_uid != va->va_uid && cred->cr_uid != dva->va_uid)
		return EPERM;
	return 0;
}

int
vn_may_create(const struct vattr *dva, kauth_cred_t cred)
{

	if (dva->va_nlink == 0)
		return ENOENT;
	return vn_access_va(dva, W_OK | X_OK, cred);
}

int
vn_may_open_in_sticky(const struct vattr *dva, const struct vattr *va,
    kauth_cred_t cred)
{

	if (!(dva->va_mode & S_ISVTX))
		return 0;
	/* Linux's fs.protected_regular and fs.protected_fifos, at 0. */
	if (va->va_type == VREG || va->va_type == VFIFO)
		return 0;
	if (va->va_uid == dva->va_uid || va->va_uid == cred->cr_uid)
		return 0;
	return (dva->va_mode & S_IWOTH) ? EACCES : 0;
}

int
vn_name_check(struct vnode *dvp, const char *name, size_t *lenp)
{
	uint32_t namemax;
	size_t len;

	if (name == NULL)
		return EFAULT;
	namemax = dvp->v_mount->mnt_namemax;
	if (namemax == 0 || namemax > NAME_MAX)
		namemax = NAME_MAX;
	len = strnlen(name, (size_t)namemax + 1);
	if (len == 0)
		return ENOENT;
	if (len > namemax)
		return ENAMETOOLONG;
	if (memchr(name, '/', len) != NULL)
		return EINVAL;
	*lenp = len;
	return 0;
}

/*
 * Mode bits a non-root writer or truncater strips from VA's node:
 * S_ISUID, and S_ISGID when group exec is set.  0 when nothing changes.
 */
static uint32_t
vn_privs_to_kill(const struct vattr *va, kauth_cred_t cred)
{
	uint32_t kill = 0;

	if (kauth_cred_isroot(cred) || va->va_type != VREG)
		return 0;
	if (va->va_mode & S_ISUID)
		kill |= S_ISUID;
	if ((va->va_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		kill |= S_ISGID;
	return kill;
}

/*
 * Clear setuid/setgid before a write by a non-root caller.
 * => VP locked exclusively; CUR its attributes.
 */
static int
vn_remove_privs(struct vnode *vp, const struct vattr *cur,
    kauth_cred_t cred)
{
	struct vattr va;
	uint32_t kill;

	KASSERT(VOP_XLOCKED(vp));
	if ((kill = vn_privs_to_kill(cur, cred)) == 0)
		return 0;
	memset(&va, 0, sizeof(va));
	va.va_mask = VA_MODE;
	va.va_mode = cur->va_mode & ~kill & ALLPERMS;
	return VOP_SETATTR(vp, &va);
}

/* ---- creation ---- */

/* Attributes of a new node of TYPE with MODE in a directory with DVA. */
static void
vn_newattr(const struct vattr *dva, enum vtype type, uint32_t mode,
    uint64_t rdev, kauth_cred_t cred, struct vattr *va)
{

	memset(va, 0, sizeof(*va));
	va->va_mask = VA_TYPE | VA_MODE | VA_UID | VA_GID | VA_RDEV;
	va->va_type = type;
	va->va_uid = cred->cr_uid;
	switch (type) {
	case VDIR:
		mode &= ACCESSPERMS | S_ISVTX;
		break;
	case VLNK:
		mode = ACCESSPERMS;
		break;
	default:
		mode &= ALLPERMS;
		break;
	}
	if (dva->va_mode & S_ISGID) {
		va->va_gid = dva->va_gid;
		if (type == VDIR)
			mode |= S_ISGID;
		else if ((mode & (S_ISGID | S_IXGRP)) ==
		    (S_ISGID | S_IXGRP) && !kauth_cred_isroot(cred) &&
		    !kauth_cred_groupmember(cred, dva->va_gid))
			mode &= ~S_ISGID;
	} else
		va->va_gid = cred->cr_gid;
	va->va_mode = mode;
	va->va_rdev = (type == VCHR || type == VBLK) ? rdev : 0;
}

int
vn_create(struct vnode *dvp, const char *name, enum vtype type,
    uint32_t mode, uint64_t rdev, const char *target, bool excl,
    struct vnode **vpp, bool *createdp)
{
	kauth_cred_t cred = kauth_cred_get();
	struct vattr dva, va;
	struct vnode *vp;
	size_t len;
	int error;

	*vpp = NULL;
	if (createdp != NULL)
		*createdp = false;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (name != NULL && (strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
		return EEXIST;
	if ((error = vn_name_check(dvp, name, &len)) != 0)
		return error;

	vn_lock(dvp, RW_WRITER);
	error = VOP_LOOKUP(dvp, name, len, &vp);
	if (error == 0) {
		vn_unlock(dvp);
		if (excl) {
			vrele(vp);
			return EEXIST;
		}
		*vpp = vp;
		return 0;
	}
	if (error != ENOENT)
		goto out_unlock;
	if (vfs_isrdonly(dvp->v_mount)) {
		error = EROFS;
		goto out_unlock;
	}
	if ((error = VOP_GETATTR(dvp, &dva)) != 0)
		goto out_unlock;
	if ((error = vn_may_create(&dva, cred)) != 0)
		goto out_unlock;
	if ((type == VCHR || type == VBLK) && !kauth_cred_isroot(cred)) {
		error = EPERM;
		goto out_unlock;
	}
	vn_newattr(&dva, type, mode, rdev, cred, &va);
	switch (type) {
	case VREG:
		error = VOP_CREATE(dvp, name, len, &va, vpp);
		break;
	case VDIR:
		error = VOP_MKDIR(dvp, name, len, &va, vpp);
		break;
	case VLNK:
		error = VOP_SYMLINK(dvp, name, len, &va, target, vpp);
		break;
	default:
		error = VOP_MKNOD(dvp, name, len, &va, vpp);
		break;
	}
	if (error == 0 && createdp != NULL)
		*createdp = true;
out_unlock:
	vn_unlock(dvp);
	return error;
}

/* ---- setattr ---- */

/*
 * Validate time TS of a setattr: OMIT drops BIT from *MASKP, NOW sets
 * *NOWP, anything else sets *EXPLICITP.  EINVAL for a bad tv_nsec.
 */
static int
vn_checktime(const struct vfs_timespec *ts, uint32_t bit, uint32_t *maskp,
    bool *nowp, bool *explicitp)
{

	if (!(*maskp & bit))
		return 0;
	if (ts->tv_nsec == UTIME_OMIT) {
		*maskp &= ~bit;
		return 0;
	}
	if (ts->tv_nsec == UTIME_NOW) {
		*nowp = true;
		return 0;
	}
	if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)
		return EINVAL;
	*explicitp = true;
	return 0;
}

/*
 * The checks and the new attributes for a setattr of MASK.
 * => VP locked exclusively, CUR its attributes; fills NVA.
 */
static int
vn_setattr_prepare(struct vnode *vp, const struct vattr *cur,
    const struct vattr *in, uint32_t mask, bool now, bool explicit,
    int flags, struct vattr *nva)
{
	kauth_cred_t cred = kauth_cred_get();
	bool root = kauth_cred_isroot(cred);
	bool owner = vn_owner_or_root(cur, cred);
	struct vfs_timespec ts = { 0, 0 };
	uint32_t mode, gid;
	int error;

	memset(nva, 0, sizeof(*nva));
	nva->va_mode = cur->va_mode & ALLPERMS;

	if (mask & VA_SIZE) {
		if (!(flags & VN_SETATTR_OPENFILE) &&
		    (error = vn_access_va(cur, W_OK, cred)) != 0)
			return error;
		if (vp->v_mount->mnt_maxfilesize != 0 &&
		    in->va_size > vp->v_mount->mnt_maxfilesize)
			return EFBIG;
		nva->va_mask |= VA_SIZE;
		nva->va_size = in->va_size;
		if (vn_privs_to_kill(cur, cred) != 0) {
			nva->va_mask |= VA_MODE;
			nva->va_mode &= ~vn_privs_to_kill(cur, cred);
		}
		/* Linux truncate(2) always sets mtime and ctime. */
		if (!(mask & VA_MTIME)) {
			nva->va_mask |= VA_MTIME;
			vfs_timestamp(&nva->va_mtime);
		}
	}
	if ((mask & (VA_UID | VA_GID)) || (flags & VN_SETATTR_CHOWN)) {
		if ((mask & (VA_UID | VA_GID)) == 0 && !owner &&
		    cur->va_type != VDIR && (cur->va_mode & S_ISUID ||
		    (cur->va_mode & (S_ISGID | S_IXGRP)) ==
		    (S_ISGID | S_IXGRP)))
			return EPERM;	/* chown(-1, -1) would clear them */
		if ((mask & VA_UID) && !root &&
		    (cred->cr_uid != cur->va_uid || in->va_uid != cur->va_uid))
			return EPERM;
		if ((mask & VA_GID) && !root &&
		    (cred->cr_uid != cur->va_uid ||
		    (in->va_gid != cur->va_gid &&
		    !kauth_cred_groupmember(cred, in->va_gid))))
			return EPERM;
		if (mask & VA_UID) {
			nva->va_mask |= VA_UID;
			nva->va_uid = in->va_uid;
		}
		if (mask & VA_GID) {
			nva->va_mask |= VA_GID;
			nva->va_gid = in->va_gid;
		}
		if (cur->va_type != VDIR) {
			mode = nva->va_mode & ~S_ISUID;
			if (mode & S_IXGRP)
				mode &= ~S_ISGID;
			if (mode != nva->va_mode) {
				nva->va_mask |= VA_MODE;
				nva->va_mode = mode;
			}
		}
	}
	if (mask & VA_MODE) {
		if (!owner)
			return EPERM;
		mode = in->va_mode & ALLPERMS;
		gid = (nva->va_mask & VA_GID) ? nva->va_gid : cur->va_gid;
		if (!root && (mode & S_ISGID) &&
		    !kauth_cred_groupmember(cred, gid))
			mode &= ~S_ISGID;
		nva->va_mask |= VA_MODE;
		nva->va_mode = mode;
	}
	if (mask & (VA_ATIME | VA_MTIME)) {
		/*
		 * Only "both now" is a touch, which write permission allows;
		 * anything else (one time omitted included) needs ownership.
		 */
		if (!owner && (explicit ||
		    (mask & (VA_ATIME | VA_MTIME)) != (VA_ATIME | VA_MTIME)))
			return EPERM;
		if (!owner && (error = vn_access_va(cur, W_OK, cred)) != 0)
			return error;
		if (now)
			vfs_timestamp(&ts);
		if (mask & VA_ATIME) {
			nva->va_mask |= VA_ATIME;
			nva->va_atime = in->va_atime.tv_nsec == UTIME_NOW ?
			    ts : in->va_atime;
		}
		if (mask & VA_MTIME) {
			nva->va_mask |= VA_MTIME;
			nva->va_mtime = in->va_mtime.tv_nsec == UTIME_NOW ?
			    ts : in->va_mtime;
		}
	}
	return 0;
}

int
vn_setattr(struct vnode *vp, const struct vattr *va, int flags)
{
	struct vattr cur, nva;
	bool now = false, explicit = false;
	uint32_t mask;
	int error;

	mask = va->va_mask &
	    (VA_MODE | VA_UID | VA_GID | VA_SIZE | VA_ATIME | VA_MTIME);
	if ((error = vn_checktime(&va->va_atime, VA_ATIME, &mask, &now,
	    &explicit)) != 0)
		return error;
	if ((error = vn_checktime(&va->va_mtime, VA_MTIME, &mask, &now,
	    &explicit)) != 0)
		return error;
	if (mask == 0 && !(flags & VN_SETATTR_CHOWN))
		return 0;
	if (mask & VA_SIZE) {
		if (vp->v_type == VDIR)
			return EISDIR;
		if (vp->v_type != VREG)
			return EINVAL;
		if (va->va_size > (uint64_t)INT64_MAX)
			return EINVAL;
	}
	if (vfs_isrdonly(vp->v_mount))
		return EROFS;

	vn_lock(vp, RW_WRITER);
	if ((error = VOP_GETATTR(vp, &cur)) != 0)
		goto out;
	error = vn_setattr_prepare(vp, &cur, va, mask, now, explicit, flags,
	    &nva);
	if (error != 0)
		goto out;
	if (nva.va_mask != 0)
		error = VOP_SETATTR(vp, &nva);
	if (error == 0 && (nva.va_mask & VA_SIZE))
		vn_datachanged(vp);
out:
	vn_unlock(vp);
	return error;
}

/* ---- open ---- */

int
vn_open(struct vnode *vp, int oflags, bool created)
{
	kauth_cred_t cred = kauth_cred_get();
	struct vattr va;
	bool trunc;
	int acc, mode, error;

	if ((oflags & O_DIRECTORY) && vp->v_type != VDIR)
		return ENOTDIR;
	if (oflags & O_PATH)
		return 0;
	acc = oflags & O_ACCMODE;
	mode = acc == O_RDONLY ? R_OK : acc == O_WRONLY ? W_OK : R_OK | W_OK;
	trunc = (oflags & O_TRUNC) != 0;
	if (trunc)
		mode |= W_OK;
	switch (vp->v_type) {
	case VLNK:
		return ELOOP;
	case VDIR:
		if (mode & W_OK)
			return EISDIR;
		break;
	case VCHR:
	case VBLK:
		if (vp->v_mount->mnt_flags & MNT_NODEV)
			return EACCES;
		trunc = false;
		break;
	case VFIFO:
	case VSOCK:
		trunc = false;
		break;
	case VREG:
		break;
	default:
		return ENXIO;
	}
	if (created) {
		mode = 0;
		trunc = false;
	}
	if ((mode & W_OK) && vfs_isrdonly(vp->v_mount) &&
	    (vp->v_type == VREG || vp->v_type == VDIR))
		return EROFS;

	vn_lock(vp, RW_READER);
	if (mode != 0)
		error = vn_access(vp, mode, cred);
	else
		error = 0;
	if (error == 0 && vp->v_type == VSOCK)
		error = ENXIO;
	if (error == 0)
		error = VOP_OPEN(vp, oflags);
	vn_unlock(vp);
	if (error != 0 || !trunc)
		return error;

	memset(&va, 0, sizeof(va));
	va.va_mask = VA_SIZE;
	va.va_size = 0;
	if ((error = vn_setattr(vp, &va, VN_SETATTR_OPENFILE)) != 0) {
		vn_lock(vp, RW_READER);
		(void)VOP_CLOSE(vp, oflags);
		vn_unlock(vp);
	}
	return error;
}

/* ---- write ---- */

int
vn_write(struct vnode *vp, const void *buf, size_t len, uint64_t off,
    int ioflags, size_t *donep, uint64_t *endp)
{
	kauth_cred_t cred = kauth_cred_get();
	struct mount *mp = vp->v_mount;
	struct kiovec iov;
	struct uio uio;
	struct vattr cur;
	uint64_t max;
	size_t done;
	int error;

	*donep = 0;
	if (endp != NULL)
		*endp = off;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	if (off > (uint64_t)INT64_MAX)
		return EINVAL;
	if (len == 0 && !(ioflags & IO_APPEND))
		return 0;
	if (vfs_isrdonly(mp))
		return EROFS;
	max = mp->mnt_maxfilesize != 0 ? mp->mnt_maxfilesize :
	    (uint64_t)INT64_MAX;

	vn_lock(vp, RW_WRITER);
	atomic_inc_uint(&vp->v_writers);
	if ((ioflags & IO_APPEND) || !kauth_cred_isroot(cred)) {
		if ((error = VOP_GETATTR(vp, &cur)) != 0)
			goto out;
		if (ioflags & IO_APPEND)
			off = cur.va_size;
	}
	if (endp != NULL)
		*endp = off;
	if (len == 0) {
		error = 0;
		goto out;
	}
	if (off >= max) {
		error = EFBIG;
		goto out;
	}
	if (len > max - off)
		len = (size_t)(max - off);
	if (!kauth_cred_isroot(cred) &&
	    (error = vn_remove_privs(vp, &cur, cred)) != 0)
		goto out;
	uio_setup(&uio, &iov, (void *)(uintptr_t)buf, len, off, UIO_WRITE);
	error = VOP_WRITE(vp, &uio, ioflags & (IO_APPEND | IO_SYNC));
	done = len - uio.uio_resid;
	if (done > 0) {
		vn_datachanged(vp);
		error = 0;
	}
	*donep = done;
	if (endp != NULL)
		*endp = off + done;
out:
	atomic_dec_uint(&vp->v_writers);
	vn_unlock(vp);
	return error;
}
