/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_xattr.c -- extended attributes: the vnode-level entry points
 * (vfs_pub_getxattr, _setxattr, _listxattr, _removexattr) and the
 * path-level calls (vfs_sys_*xattr) of vfs_pub.h.  The driver stores
 * and finds the attributes (VOP_*XATTR); the kernel checks names, sizes
 * and permissions first, as Linux's fs/xattr.c does:
 *
 *   - a name is 1..XATTR_NAME_MAX bytes (else ERANGE, checked first) in
 *     a known namespace, "user." "trusted." "security." "system." (else
 *     EOPNOTSUPP), with something after the prefix (else EINVAL); those
 *     two verdicts come after the permission check, as in Linux (an
 *     unknown namespace is checked like user.*, by file permission);
 *   - a value is at most XATTR_SIZE_MAX bytes (E2BIG); a get or list
 *     buffer larger than the maximum is clamped, and ERANGE from a
 *     maximal buffer becomes E2BIG;
 *   - set and remove on a read-only mount: EROFS, before permissions;
 *   - user.*: only regular files and directories (others: EPERM to
 *     write, ENODATA to read); in a sticky directory only its owner or
 *     root may write; otherwise read/write permission on the file;
 *   - trusted.*: root only (EPERM to write, ENODATA to read; a listing
 *     for anyone else leaves those names out);
 *   - security.*, system.*: no check here, the driver decides.
 *
 * Locks: shared for get and list, exclusive for set and remove.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"
#include "vfs_pub.h"
#include "vfs_syscall_internal.h"

enum xattr_ns {
	XNS_USER,
	XNS_TRUSTED,
	XNS_SECURITY,
	XNS_SYSTEM,
	XNS_UNKNOWN		/* no such namespace: EOPNOTSUPP */
};

static const struct {
	const char	*prefix;
	size_t		 len;
	enum xattr_ns	 ns;
} xattr_prefixes[] = {
	{ "user.", 5, XNS_USER },
	{ "trusted.", 8, XNS_TRUSTED },
	{ "security.", 9, XNS_SECURITY },
	{ "system.", 7, XNS_SYSTEM },
};

/* Length check of NAME, done before anything else (ERANGE). */
static int
xattr_name_len(const char *name)
{
	size_t len;

	if (name == NULL)
		return EFAULT;
	len = strnlen(name, XATTR_NAME_MAX + 1);
	if (len == 0 || len > XATTR_NAME_MAX)
		return ERANGE;
	return 0;
}

/*
 * The namespace of NAME; *BAREP says nothing follows the prefix.  As in
 * Linux the verdict (EOPNOTSUPP, EINVAL) is given after the permission
 * check, which depends on the namespace.
 */
static enum xattr_ns
xattr_ns_of(const char *name, bool *barep)
{
	size_t i;

	*barep = false;
	for (i = 0; i < __arraycount(xattr_prefixes); i++) {
		if (strncmp(name, xattr_prefixes[i].prefix,
		    xattr_prefixes[i].len) != 0)
			continue;
		*barep = name[xattr_prefixes[i].len] == '\0';
		return xattr_prefixes[i].ns;
	}
	return XNS_UNKNOWN;
}

/*
 * May the caller read (WRITE false) or write the attribute NAME of VP,
 * and does the name make sense?  VP locked.
 */
static int
xattr_check(struct vnode *vp, const char *name, bool write)
{
	kauth_cred_t cred = kauth_cred_get();
	struct vattr va;
	enum xattr_ns ns;
	bool bare;
	int error;

	if ((error = xattr_name_len(name)) != 0)
		return error;
	ns = xattr_ns_of(name, &bare);
	switch (ns) {
	case XNS_SECURITY:
	case XNS_SYSTEM:
		return bare ? EINVAL : 0;
	case XNS_TRUSTED:
		if (!kauth_cred_isroot(cred))
			return write ? EPERM : ENODATA;
		return bare ? EINVAL : 0;
	case XNS_USER:
		if (vp->v_type != VREG && vp->v_type != VDIR)
			return write ? EPERM : ENODATA;
		break;
	case XNS_UNKNOWN:
		break;
	}
	if ((error = VOP_GETATTR(vp, &va)) != 0)
		return error;
	if (ns == XNS_USER && write && vp->v_type == VDIR &&
	    (va.va_mode & S_ISVTX) && !vn_owner_or_root(&va, cred))
		return EPERM;
	if ((error = vn_access_va(&va, write ? W_OK : R_OK, cred)) != 0)
		return error;
	if (ns == XNS_UNKNOWN)
		return EOPNOTSUPP;
	return bare ? EINVAL : 0;
}

int
vfs_pub_getxattr(struct vnode *vp, const char *name, void *buf, size_t size,
    size_t *lenp)
{
	int error;

	*lenp = 0;
	if ((error = xattr_name_len(name)) != 0)
		return error;
	if (size > XATTR_SIZE_MAX)
		size = XATTR_SIZE_MAX;
	if (buf == NULL)
		size = 0;
	vn_lock(vp, RW_READER);
	error = xattr_check(vp, name, false);
	if (error == 0)
		error = VOP_GETXATTR(vp, name, size != 0 ? buf : NULL, size,
		    lenp);
	vn_unlock(vp);
	if (error == ERANGE && size >= XATTR_SIZE_MAX)
		error = E2BIG;
	return error;
}

int
vfs_pub_setxattr(struct vnode *vp, const char *name, const void *val,
    size_t len, int flags)
{
	int error;

	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return EINVAL;
	if ((error = xattr_name_len(name)) != 0)
		return error;
	if (len > XATTR_SIZE_MAX)
		return E2BIG;
	if (len > 0 && val == NULL)
		return EFAULT;
	if (vfs_isrdonly(vp->v_mount))
		return EROFS;
	vn_lock(vp, RW_WRITER);
	error = xattr_check(vp, name, true);
	if (error == 0)
		error = VOP_SETXATTR(vp, name, val, len, flags);
	vn_unlock(vp);
	return error;
}

int
vfs_pub_removexattr(struct vnode *vp, const char *name)
{
	int error;

	if ((error = xattr_name_len(name)) != 0)
		return error;
	if (vfs_isrdonly(vp->v_mount))
		return EROFS;
	vn_lock(vp, RW_WRITER);
	error = xattr_check(vp, name, true);
	if (error == 0)
		error = VOP_REMOVEXATTR(vp, name);
	vn_unlock(vp);
	return error;
}

/*
 * Drop "trusted." names from the NUL-separated list LIST of LEN bytes,
 * in place; returns the new length.
 */
static size_t
xattr_list_filter(char *list, size_t len)
{
	size_t in = 0, out = 0, n;

	while (in < len) {
		n = strnlen(list + in, len - in);
		if (n < len - in)
			n++;			/* the NUL */
		if (strncmp(list + in, "trusted.", 8) != 0) {
			memmove(list + out, list + in, n);
			out += n;
		}
		in += n;
	}
	return out;
}

/*
 * A listing for a caller who may not see trusted.*: fetch it whole under
 * the lock held by the caller, filter, then copy or size it.
 */
static int
xattr_list_unprivileged(struct vnode *vp, char *buf, size_t size,
    size_t *lenp)
{
	size_t full, got, len;
	char *tmp;
	int error;

	if ((error = VOP_LISTXATTR(vp, NULL, 0, &full)) != 0)
		return error;
	if (full == 0) {
		*lenp = 0;
		return 0;
	}
	if ((tmp = kmem_alloc(full)) == NULL)
		return ENOMEM;
	error = VOP_LISTXATTR(vp, tmp, full, &got);
	if (error == 0) {
		len = xattr_list_filter(tmp, got);
		if (size == 0)
			*lenp = len;
		else if (len > size)
			error = ERANGE;
		else {
			memcpy(buf, tmp, len);
			*lenp = len;
		}
	}
	kmem_free(tmp, full);
	return error;
}

int
vfs_pub_listxattr(struct vnode *vp, char *buf, size_t size, size_t *lenp)
{
	int error;

	*lenp = 0;
	if (size > XATTR_LIST_MAX)
		size = XATTR_LIST_MAX;
	if (buf == NULL)
		size = 0;
	vn_lock(vp, RW_READER);
	if (kauth_cred_isroot(kauth_cred_get()))
		error = VOP_LISTXATTR(vp, size != 0 ? buf : NULL, size, lenp);
	else
		error = xattr_list_unprivileged(vp, buf, size, lenp);
	vn_unlock(vp);
	if (error == ERANGE && size >= XATTR_LIST_MAX)
		error = E2BIG;
	return error;
}

/* ---- path level ---- */

static int
xattr_path(const char *path, int flags, struct vnode **vpp)
{

	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return EINVAL;
	return vfs_namei_vp(path, !(flags & AT_SYMLINK_NOFOLLOW), vpp);
}

int
vfs_sys_getxattr(const char *path, const char *name, void *buf, size_t size,
    size_t *lenp, int flags)
{
	struct vnode *vp;
	int error;

	*lenp = 0;
	if ((error = xattr_name_len(name)) != 0)
		return error;
	if ((error = xattr_path(path, flags, &vp)) != 0)
		return error;
	error = vfs_pub_getxattr(vp, name, buf, size, lenp);
	vrele(vp);
	return error;
}

int
vfs_sys_setxattr(const char *path, const char *name, const void *val,
    size_t len, int xflags, int flags)
{
	struct vnode *vp;
	int error;

	if (xflags & ~(XATTR_CREATE | XATTR_REPLACE))
		return EINVAL;
	if ((error = xattr_name_len(name)) != 0)
		return error;
	if (len > XATTR_SIZE_MAX)
		return E2BIG;
	if ((error = xattr_path(path, flags, &vp)) != 0)
		return error;
	error = vfs_pub_setxattr(vp, name, val, len, xflags);
	vrele(vp);
	return error;
}

int
vfs_sys_listxattr(const char *path, char *buf, size_t size, size_t *lenp,
    int flags)
{
	struct vnode *vp;
	int error;

	*lenp = 0;
	if ((error = xattr_path(path, flags, &vp)) != 0)
		return error;
	error = vfs_pub_listxattr(vp, buf, size, lenp);
	vrele(vp);
	return error;
}

int
vfs_sys_removexattr(const char *path, const char *name, int flags)
{
	struct vnode *vp;
	int error;

	if ((error = xattr_name_len(name)) != 0)
		return error;
	if ((error = xattr_path(path, flags, &vp)) != 0)
		return error;
	error = vfs_pub_removexattr(vp, name);
	vrele(vp);
	return error;
}
