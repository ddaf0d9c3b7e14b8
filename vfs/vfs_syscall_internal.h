/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_syscall_internal.h -- interfaces shared by the kernel's upper half:
 * name lookup (vfs_lookup.c), permission checks and the vnode-level
 * operations both entry layers use (vfs_vnops.c), rename (vfs_rename.c),
 * the vfs_pub_* entry points (vfs_pub.c), the syscall layer
 * (vfs_syscalls.c) and the xattr entry points (vfs_xattr.c).  Nothing
 * here is for drivers or host code.
 *
 * Conventions for everything declared here: functions return 0 or a
 * positive errno; "ref" means a referenced, unlocked vnode; unless a
 * comment says otherwise a function is called with no vnode locked and
 * returns with none locked.
 */
#ifndef VFS_SYSCALL_INTERNAL_H
#define VFS_SYSCALL_INTERNAL_H

#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

/* ---- name lookup (vfs_lookup.c) ---- */

#define NDF_FOLLOW	0x1	/* follow a symlink in the last component */
#define NDF_PARENT	0x2	/* stop at the parent; last not looked up */
#define NDF_CREATE	0x4	/* parent and last; the last may be absent */

/* What the last component of a path is. */
enum nd_last {
	ND_LAST_NORM,		/* an ordinary name */
	ND_LAST_DOT,		/* "." */
	ND_LAST_DOTDOT,		/* ".." */
	ND_LAST_ROOT		/* no component at all: a mount's root */
};

/* Longest name this kernel handles in a path component. */
#define ND_NAME_MAX	NAME_MAX

struct nameidata {
	/* results; owned by the caller */
	struct vnode	*nd_dvp;	/* ref: parent (PARENT, CREATE) */
	struct vnode	*nd_vp;		/* ref: the object, or NULL */
	enum nd_last	 nd_lasttype;
	bool		 nd_slash;	/* trailing '/' after the last */
	size_t		 nd_namelen;
	/*
	 * NUL-terminated.  A last component longer than ND_NAME_MAX is
	 * kept as its first ND_NAME_MAX + 1 bytes: too long for every
	 * mount, so vn_name_check() / vfs_pub_lookup() say ENAMETOOLONG
	 * where the operation looks the name up (as Linux, whose lookup
	 * of the last component is where a long name fails).
	 */
	char		 nd_name[ND_NAME_MAX + 2];
};

/*
 * Resolve PATH (absolute, or relative to "/") in the name space.
 * => Plain lookup (no PARENT/CREATE): *nd_vp is the object (ref),
 *    nd_dvp NULL.  A final symlink is followed with NDF_FOLLOW, or when
 *    the path ends in '/'.
 * => NDF_PARENT: nd_dvp (ref) is the directory that holds the last
 *    component, whose name is in nd_name; the last is not looked up and
 *    nd_vp is NULL.  Search permission on nd_dvp has been checked
 *    (EACCES); the last component's length has not (see nd_name).  For
 *    a path naming a mount root (ND_LAST_ROOT) nd_dvp is NULL and nd_vp
 *    is the root (ref).
 * => NDF_CREATE: as NDF_PARENT, and the last component is looked up
 *    too (symlinks followed with NDF_FOLLOW; ENAMETOOLONG): nd_vp is it
 *    (ref) or NULL if absent.  It is not looked up when it is "." /
 *    ".." or carries a trailing slash (the caller refuses those).
 * => Errors: ENOENT (empty path, missing component), ENOTDIR,
 *    ENAMETOOLONG, EACCES (search permission), ELOOP, and the driver's.
 *    On error nothing is held.  The order among these, and what the
 *    callers check after, is Linux's: see the top of vfs_lookup.c.
 */
int	vfs_namei(const char *path, int flags, struct nameidata *nd);
/* Drop the references a successful vfs_namei() left in ND. */
void	vfs_namei_done(struct nameidata *nd);
/* Plain lookup: *VPP (ref) is the object PATH names. */
int	vfs_namei_vp(const char *path, bool follow, struct vnode **vpp);

/* ---- permissions (vfs_vnops.c) ---- */

/*
 * Classic owner/group/other check of MODE (R_OK|W_OK|X_OK) against the
 * attributes VA (of a vnode of type VA->va_type).  Root passes R and W
 * always, X if the node is a directory or has any x bit.  EACCES.
 */
int	vn_access_va(const struct vattr *va, int mode, kauth_cred_t cred);
/* Same for VP, which the caller holds locked (any mode). */
int	vn_access(struct vnode *vp, int mode, kauth_cred_t cred);
/* Is CRED root or the owner of the node with attributes VA? */
bool	vn_owner_or_root(const struct vattr *va, kauth_cred_t cred);
/*
 * May CRED remove or rename away the entry for VA from the directory
 * with attributes DVA?  Write and search permission on the directory
 * (EACCES), then the sticky rule (EPERM).
 */
int	vn_may_delete(const struct vattr *dva, const struct vattr *va,
	    kauth_cred_t cred);
/*
 * May CRED add an entry to the directory with attributes DVA?  ENOENT
 * for a directory already removed, EACCES without write and search.
 */
int	vn_may_create(const struct vattr *dva, kauth_cred_t cred);
/*
 * May CRED open(O_CREAT) the existing node with attributes VA, found in
 * the directory with attributes DVA?  EACCES for a node that is neither
 * a regular file nor a fifo, in a sticky world-writable directory,
 * owned by neither CRED nor the directory's owner (root included).
 */
int	vn_may_open_in_sticky(const struct vattr *dva, const struct vattr *va,
	    kauth_cred_t cred);

/*
 * Check a single name for a directory entry of DVP's mount: ENOENT if
 * empty, EINVAL if it holds '/', ENAMETOOLONG if longer than the mount
 * allows.  *LENP gets its length.  Dots are the caller's business.
 */
int	vn_name_check(struct vnode *dvp, const char *name, size_t *lenp);

/* ---- vnode-level operations shared by both layers (vfs_vnops.c) ---- */

/*
 * Create NAME in DVP as a node of TYPE (VREG, VDIR, VLNK, VCHR, VBLK,
 * VFIFO, VSOCK) with permission bits MODE, device RDEV and, for VLNK,
 * TARGET.  Owner and group as the kernel decides (setgid directories).
 * => EXCL: EEXIST if NAME exists.  Otherwise an existing NAME is
 *    returned instead (ref) with *CREATEDP false (open(2) without
 *    O_EXCL).
 * => Names "." and ".." are EEXIST; ENOTDIR if DVP is no directory.
 * => On success *VPP is the node (ref).
 */
int	vn_create(struct vnode *dvp, const char *name, enum vtype type,
	    uint32_t mode, uint64_t rdev, const char *target, bool excl,
	    struct vnode **vpp, bool *createdp);

/* vn_setattr() flags */
#define VN_SETATTR_OPENFILE	0x1	/* through a file open for write */
#define VN_SETATTR_CHOWN	0x2	/* a chown(2), even of (-1, -1) */
/*
 * Permission-checked setattr of the va_mask fields VA_MODE, VA_UID,
 * VA_GID, VA_SIZE, VA_ATIME, VA_MTIME (UTIME_NOW / UTIME_OMIT allowed in
 * the times).  Locks VP exclusively.  With VN_SETATTR_OPENFILE a
 * truncation needs no write permission (ftruncate); VN_SETATTR_CHOWN
 * says the call is a chown, which clears set-id bits of a non-directory
 * even when neither VA_UID nor VA_GID is given.
 */
int	vn_setattr(struct vnode *vp, const struct vattr *va, int flags);

/*
 * Open bookkeeping for VP: type checks (ELOOP, EISDIR, ENOTDIR, ENXIO),
 * EROFS, permission for OFLAGS' access mode and O_TRUNC, the truncation
 * itself, then VOP_OPEN.  CREATED: VP was just created by this open, so
 * neither permission nor O_TRUNC apply (as Linux).
 */
int	vn_open(struct vnode *vp, int oflags, bool created);

/*
 * Write LEN bytes from BUF at OFF (at end of file with IO_APPEND).
 * Clears setuid/setgid for an unprivileged writer, bumps v_datagen.
 * => *DONEP bytes written; *ENDP (if not NULL) the offset after them.
 *    A short write that moved bytes returns 0.
 */
int	vn_write(struct vnode *vp, const void *buf, size_t len, uint64_t off,
	    int ioflags, size_t *donep, uint64_t *endp);

/* ---- rename (vfs_rename.c) ---- */

/*
 * Rename FNAME in FDVP to TNAME in TDVP with RENAME_* FLAGS.  FSLASH and
 * TSLASH say a trailing slash followed the name in the caller's path
 * (the source then must be a directory).  See vfs_rename.c for the lock
 * order.
 */
int	vfs_do_rename(struct vnode *fdvp, const char *fname, bool fslash,
	    struct vnode *tdvp, const char *tname, bool tslash, unsigned flags);

#endif /* VFS_SYSCALL_INTERNAL_H */
