/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vnode.h -- vnodes, the vnode operations a driver implements, and the
 * vnode cache.  Implemented in vfs/vfs_vnode.c (cache, life cycle),
 * vfs/vfs_vnops.c (VOP wrappers, permission checks) and vfs/genfs.c
 * (stubs and generic helpers).
 *
 * Life cycle (the design is documented at the top of vfs_vnode.c):
 *
 *   LOADING --loadvnode ok--> ACTIVE (usecount > 0)
 *   ACTIVE --last vrele--> VOP_INACTIVE --> INACTIVE (on the LRU)
 *                                     \--recycle--> RECLAIMING
 *   INACTIVE --vcache_get--> ACTIVE
 *   INACTIVE --LRU over bound, or vflush--> RECLAIMING --VOP_RECLAIM--> freed
 *
 * One on-disk object has at most one vnode: the cache is keyed by
 * (mount, inode number).  A reference (usecount) keeps the vnode from
 * being reclaimed; it does not lock it.  The vnode lock v_lock is a
 * reader/writer lock: lookups, getattr, read, readdir take it shared;
 * anything that changes the vnode takes it exclusive.
 *
 * Lock order: a directory before its child; for rename the kernel holds
 * the mount's rename lock, then locks the two directories ancestor first
 * (address order when unrelated), then the two children in address order.
 * Never take a vnode lock while holding the vnode cache mutex or a
 * buffer's B_BUSY of a different file's metadata that another thread may
 * hold while waiting for this vnode.
 */
#ifndef KERN_VNODE_H
#define KERN_VNODE_H

#include "kern/kern.h"
#include "kern/lock.h"

struct mount;
struct uio;
struct vattr;
struct vnodeops;

enum vstate {
	VS_LOADING,	/* being filled by vfs_loadvnode; others wait */
	VS_ACTIVE,	/* usecount > 0 */
	VS_INACTIVE,	/* usecount == 0, on the LRU */
	VS_RECLAIMING,	/* VOP_RECLAIM running; others wait, then retry */
	VS_DEAD		/* reclaimed by a forced unmount, still referenced */
};

struct vnode {
	/* immutable once the vnode leaves VS_LOADING */
	struct mount	*v_mount;
	ino64_t		v_ino;
	enum vtype	v_type;
	/* set by the driver in loadvnode; v_data is the driver's until reclaim */
	const struct vnodeops *v_op;
	void		*v_data;
	/* the vnode lock */
	krwlock_t	v_lock;
	/* protected by the vnode cache mutex */
	unsigned	v_usecount;
	enum vstate	v_state;
	struct vnode	*v_hnext, **v_hprev;	/* hash chain */
	struct vnode	*v_lnext, **v_lprev;	/* LRU */
	struct vnode	*v_mnext, **v_mprev;	/* per-mount list */
	unsigned	v_waiters;
	/*
	 * Data generation: bumped (atomically) by every write, truncate and
	 * fallocate; the FUSE bridge uses it to keep the kernel page cache
	 * across opens when the file did not change.
	 */
	uint64_t	v_datagen;
	uint32_t	v_writers;	/* atomic: writes in flight (splice) */
};

/* Flags for VOP_READ/VOP_WRITE (same values as VFS_IO_*). */
#define IO_APPEND	0x1
#define IO_SYNC		0x2

/* VOP_FSYNC flags */
#define FSYNC_WAIT	0x1
#define FSYNC_DATAONLY	0x2

/* VOP_BMAP: no block backs this offset. */
#define VOP_BMAP_HOLE	UINT64_MAX

/*
 * Vnode operations.  Names are (pointer, length) and not NUL-terminated;
 * the kernel has checked 0 < length <= NAME_MAX (of the mount), no '/',
 * and that a write op is not sent to a read-only mount (EROFS), to a
 * different mount (EXDEV), or without permission.  Every slot is filled;
 * what a filesystem cannot do is one of the genfs_* stubs below.
 *
 * Lock contract, one line per op: (on entry) -> (on return); "ref" means a
 * referenced, UNLOCKED vnode returned through the last argument.
 */
struct vnodeops {
	/* dvp shared|excl -> same; ref *vpp ("." = dvp, ".." of root = dvp). */
	int	(*vop_lookup)(struct vnode *dvp, const char *name, size_t len,
		    struct vnode **vpp);
	/* dvp excl, name absent -> same; ref *vpp.  va: type, mode, uid, gid, rdev. */
	int	(*vop_create)(struct vnode *dvp, const char *name, size_t len,
		    const struct vattr *va, struct vnode **vpp);
	/* as create, for VCHR VBLK VFIFO VSOCK (and VREG). */
	int	(*vop_mknod)(struct vnode *dvp, const char *name, size_t len,
		    const struct vattr *va, struct vnode **vpp);
	/* as create; the driver adds "." and ".." and bumps dvp's nlink. */
	int	(*vop_mkdir)(struct vnode *dvp, const char *name, size_t len,
		    const struct vattr *va, struct vnode **vpp);
	/* as create; TARGET is NUL-terminated, 1..SYMLINK_MAX bytes. */
	int	(*vop_symlink)(struct vnode *dvp, const char *name, size_t len,
		    const struct vattr *va, const char *target,
		    struct vnode **vpp);
	/* dvp excl, vp excl (not a dir), name absent -> same.  EMLINK. */
	int	(*vop_link)(struct vnode *dvp, struct vnode *vp,
		    const char *name, size_t len);
	/* dvp excl, vp excl (not a dir, found under name) -> same. */
	int	(*vop_remove)(struct vnode *dvp, struct vnode *vp,
		    const char *name, size_t len);
	/* dvp excl, vp excl (a dir, not "." "..", not root) -> same.  ENOTEMPTY. */
	int	(*vop_rmdir)(struct vnode *dvp, struct vnode *vp,
		    const char *name, size_t len);
	/*
	 * fdvp fvp tdvp tvp excl (tvp may be NULL; each locked once when
	 * equal) -> same.  Kernel checked: same mount, fvp != tvp, fvp not
	 * an ancestor of tdvp, dir/non-dir compatibility, NOREPLACE (tvp
	 * NULL), EXCHANGE (tvp set).  Driver: ENOTEMPTY, EMLINK, ENOSPC.
	 */
	int	(*vop_rename)(struct vnode *fdvp, struct vnode *fvp,
		    const char *fname, size_t flen, struct vnode *tdvp,
		    struct vnode *tvp, const char *tname, size_t tlen,
		    unsigned flags);
	/* vp shared -> same.  OFLAGS as open(2); O_TRUNC done by the kernel. */
	int	(*vop_open)(struct vnode *vp, int oflags);
	/* vp shared -> same. */
	int	(*vop_close)(struct vnode *vp, int oflags);
	/* vp shared -> same.  Fill every field the fs has. */
	int	(*vop_getattr)(struct vnode *vp, struct vattr *va);
	/* vp excl -> same.  Change the va_mask fields (VA_SIZE = truncate). */
	int	(*vop_setattr)(struct vnode *vp, const struct vattr *va);
	/* vp shared -> same.  Stops at EOF; atime as the mount says. */
	int	(*vop_read)(struct vnode *vp, struct uio *uio, int ioflag);
	/* vp excl -> same.  EFBIG past the fs limit, ENOSPC partial ok. */
	int	(*vop_write)(struct vnode *vp, struct uio *uio, int ioflag);
	/* vp excl -> same.  FSYNC_WAIT, FSYNC_DATAONLY. */
	int	(*vop_fsync)(struct vnode *vp, int flags);
	/* vp shared (a dir) -> same.  See vfs_filldir_t. */
	int	(*vop_readdir)(struct vnode *vp, uint64_t *cookie,
		    vfs_filldir_t fill, void *arg);
	/* vp shared (a symlink) -> same. */
	int	(*vop_readlink)(struct vnode *vp, struct uio *uio);
	/*
	 * vp excl, usecount about to reach 0 -> same.  Free the file if it
	 * has no links; set *recyclep to reclaim now rather than caching.
	 */
	int	(*vop_inactive)(struct vnode *vp, bool *recyclep);
	/* vp excl, unreachable -> vp excl.  Write back, free v_data. */
	int	(*vop_reclaim)(struct vnode *vp);
	/*
	 * vp shared -> same.  File byte OFF -> device byte *DEVOFFP (within
	 * the mount's blkdev window, or VOP_BMAP_HOLE) and *RUNP bytes that
	 * continue contiguously on the device (and in the file); for a hole,
	 * *RUNP is the hole's length (never 0: genfs_seek relies on it).
	 */
	int	(*vop_bmap)(struct vnode *vp, uint64_t off, uint64_t *devoffp,
		    uint64_t *runp);
	/* vp shared -> same.  BUF NULL or SIZE 0: size in *lenp. */
	int	(*vop_getxattr)(struct vnode *vp, const char *name, void *buf,
		    size_t size, size_t *lenp);
	/* vp excl -> same.  XATTR_CREATE/REPLACE; ENOSPC, E2BIG. */
	int	(*vop_setxattr)(struct vnode *vp, const char *name,
		    const void *val, size_t len, int flags);
	/* vp shared -> same.  NUL-separated names; BUF NULL: size. */
	int	(*vop_listxattr)(struct vnode *vp, char *buf, size_t size,
		    size_t *lenp);
	/* vp excl -> same.  ENODATA if absent. */
	int	(*vop_removexattr)(struct vnode *vp, const char *name);
	/* vp excl -> same.  FALLOC_FL_* mode. */
	int	(*vop_fallocate)(struct vnode *vp, int mode, uint64_t off,
		    uint64_t len);
	/* vp shared -> same.  SEEK_DATA/SEEK_HOLE; ENXIO at/after EOF. */
	int	(*vop_seek)(struct vnode *vp, uint64_t off, int whence,
		    uint64_t *resultp);
};

/*
 * Named stubs for slots a filesystem does not implement (vfs/genfs.c).
 * genfs_erofs_*: the operation would write (read-only filesystems).
 * genfs_eopnotsupp_*: not supported.  genfs_nullop_*: nothing to do.
 */
int	genfs_erofs_create(struct vnode *, const char *, size_t,
	    const struct vattr *, struct vnode **);
#define genfs_erofs_mknod	genfs_erofs_create
#define genfs_erofs_mkdir	genfs_erofs_create
int	genfs_erofs_symlink(struct vnode *, const char *, size_t,
	    const struct vattr *, const char *, struct vnode **);
int	genfs_erofs_link(struct vnode *, struct vnode *, const char *, size_t);
#define genfs_erofs_remove	genfs_erofs_link
#define genfs_erofs_rmdir	genfs_erofs_link
int	genfs_erofs_rename(struct vnode *, struct vnode *, const char *, size_t,
	    struct vnode *, struct vnode *, const char *, size_t, unsigned);
int	genfs_erofs_setattr(struct vnode *, const struct vattr *);
int	genfs_erofs_write(struct vnode *, struct uio *, int);
int	genfs_erofs_setxattr(struct vnode *, const char *, const void *,
	    size_t, int);
int	genfs_erofs_removexattr(struct vnode *, const char *);
int	genfs_erofs_fallocate(struct vnode *, int, uint64_t, uint64_t);
int	genfs_nullop_open(struct vnode *, int);	/* also for close */
int	genfs_nullop_fsync(struct vnode *, int);
int	genfs_einval_readlink(struct vnode *, struct uio *);
int	genfs_eopnotsupp_bmap(struct vnode *, uint64_t, uint64_t *, uint64_t *);
int	genfs_eopnotsupp_getxattr(struct vnode *, const char *, void *,
	    size_t, size_t *);
int	genfs_eopnotsupp_setxattr(struct vnode *, const char *, const void *,
	    size_t, int);
int	genfs_eopnotsupp_listxattr(struct vnode *, char *, size_t, size_t *);
int	genfs_eopnotsupp_removexattr(struct vnode *, const char *);
int	genfs_eopnotsupp_fallocate(struct vnode *, int, uint64_t, uint64_t);
/* SEEK_DATA/SEEK_HOLE from VOP_BMAP (or "all data" without one). */
int	genfs_seek(struct vnode *, uint64_t, int, uint64_t *);
/* Directory-entry name check shared by drivers: "." / ".." / '/' / len. */
bool	genfs_name_is_dot(const char *name, size_t len);
bool	genfs_name_is_dotdot(const char *name, size_t len);

/* The operations a vnode gets after a forced unmount: all EIO. */
extern const struct vnodeops dead_vnodeops;

/* ---- references and the vnode cache ---- */

/*
 * Return the vnode for (MP, INO), referenced and unlocked, loading it with
 * mp's vfs_loadvnode(mp, vp, ino, HINT) if it is not cached.  Waits for a
 * vnode being loaded or reclaimed by another thread.  Errors are
 * loadvnode's (ENOENT, EUCLEAN, ENOMEM, ...).
 */
int	vcache_get(struct mount *mp, ino64_t ino, void *hint,
	    struct vnode **vpp);
void	vref(struct vnode *vp);		/* caller already holds a reference */
/* Drop a reference; the caller must not hold vp's lock.  May block. */
void	vrele(struct vnode *vp);
/* Unlock and drop a reference. */
void	vput(struct vnode *vp);

void	vn_lock(struct vnode *vp, krw_t op);	/* may block */
void	vn_unlock(struct vnode *vp);

/*
 * Reclaim every unreferenced vnode of MP.  With FORCE, referenced vnodes
 * are reclaimed too and become VS_DEAD (dead_vnodeops).  Otherwise EBUSY
 * if any is still referenced (SKIP, if not NULL, is allowed one ref).
 */
int	vflush(struct mount *mp, struct vnode *skip, bool force);
/*
 * Call FN on every cached vnode of MP, each referenced (not locked) for
 * the call; stops at the first non-zero return, which is returned.
 */
int	vfs_vnode_iterate(struct mount *mp,
	    int (*fn)(struct vnode *vp, void *arg), void *arg);

void	vcache_set_lrumax(unsigned n);
struct vcache_stats {
	unsigned	active, inactive, loads, reclaims;
};
void	vcache_stats(struct vcache_stats *st);

/* Bump v_datagen (writes, truncates). */
#define vn_datachanged(vp) atomic_add_64(&(vp)->v_datagen, 1)

/* ---- VOP wrappers: assert the lock contract, then call the driver ---- */

#define VOP_LOCKED(vp)		rw_lock_held(&(vp)->v_lock)
#define VOP_XLOCKED(vp)		rw_write_held(&(vp)->v_lock)

static inline int
VOP_LOOKUP(struct vnode *dvp, const char *n, size_t l, struct vnode **vpp)
{
	KASSERT(VOP_LOCKED(dvp));
	return dvp->v_op->vop_lookup(dvp, n, l, vpp);
}
static inline int
VOP_CREATE(struct vnode *dvp, const char *n, size_t l, const struct vattr *va,
    struct vnode **vpp)
{
	KASSERT(VOP_XLOCKED(dvp));
	return dvp->v_op->vop_create(dvp, n, l, va, vpp);
}
static inline int
VOP_MKNOD(struct vnode *dvp, const char *n, size_t l, const struct vattr *va,
    struct vnode **vpp)
{
	KASSERT(VOP_XLOCKED(dvp));
	return dvp->v_op->vop_mknod(dvp, n, l, va, vpp);
}
static inline int
VOP_MKDIR(struct vnode *dvp, const char *n, size_t l, const struct vattr *va,
    struct vnode **vpp)
{
	KASSERT(VOP_XLOCKED(dvp));
	return dvp->v_op->vop_mkdir(dvp, n, l, va, vpp);
}
static inline int
VOP_SYMLINK(struct vnode *dvp, const char *n, size_t l,
    const struct vattr *va, const char *target, struct vnode **vpp)
{
	KASSERT(VOP_XLOCKED(dvp));
	return dvp->v_op->vop_symlink(dvp, n, l, va, target, vpp);
}
static inline int
VOP_LINK(struct vnode *dvp, struct vnode *vp, const char *n, size_t l)
{
	KASSERT(VOP_XLOCKED(dvp) && VOP_XLOCKED(vp));
	return dvp->v_op->vop_link(dvp, vp, n, l);
}
static inline int
VOP_REMOVE(struct vnode *dvp, struct vnode *vp, const char *n, size_t l)
{
	KASSERT(VOP_XLOCKED(dvp) && VOP_XLOCKED(vp));
	return dvp->v_op->vop_remove(dvp, vp, n, l);
}
static inline int
VOP_RMDIR(struct vnode *dvp, struct vnode *vp, const char *n, size_t l)
{
	KASSERT(VOP_XLOCKED(dvp) && VOP_XLOCKED(vp));
	return dvp->v_op->vop_rmdir(dvp, vp, n, l);
}
static inline int
VOP_RENAME(struct vnode *fdvp, struct vnode *fvp, const char *fn, size_t fl,
    struct vnode *tdvp, struct vnode *tvp, const char *tn, size_t tl,
    unsigned flags)
{
	KASSERT(VOP_XLOCKED(fdvp) && VOP_XLOCKED(fvp) && VOP_XLOCKED(tdvp));
	KASSERT(tvp == NULL || VOP_XLOCKED(tvp));
	return fdvp->v_op->vop_rename(fdvp, fvp, fn, fl, tdvp, tvp, tn, tl,
	    flags);
}
static inline int
VOP_OPEN(struct vnode *vp, int oflags)
{
	KASSERT(VOP_LOCKED(vp));
	return vp->v_op->vop_open(vp, oflags);
}
static inline int
VOP_CLOSE(struct vnode *vp, int oflags)
{
	KASSERT(VOP_LOCKED(vp));
	return vp->v_op->vop_close(vp, oflags);
}
static inline int
VOP_GETATTR(struct vnode *vp, struct vattr *va)
{
	KASSERT(VOP_LOCKED(vp));
	return vp->v_op->vop_getattr(vp, va);
}
static inline int
VOP_SETATTR(struct vnode *vp, const struct vattr *va)
{
	KASSERT(VOP_XLOCKED(vp));
	return vp->v_op->vop_setattr(vp, va);
}
static inline int
VOP_READ(struct vnode *vp, struct uio *uio, int ioflag)
{
	KASSERT(VOP_LOCKED(vp));
	return vp->v_op->vop_read(vp, uio, ioflag);
}
static inline int
VOP_WRITE(struct vnode *vp, struct uio *uio, int ioflag)
{
	KASSERT(VOP_XLOCKED(vp));
	return vp->v_op->vop_write(vp, uio, ioflag);
}
static inline int
VOP_FSYNC(struct vnode *vp, int flags)
{
	KASSERT(VOP_XLOCKED(vp));
	return vp->v_op->vop_fsync(vp, flags);
}
static inline int
VOP_READDIR(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill, void *arg)
{
	KASSERT(VOP_LOCKED(vp));
	return vp->v_op->vop_readdir(vp, cookie, fill, arg);
}
static inline int
VOP_READLINK(struct vnode *vp, struct uio *uio)
{
	KASSERT(VOP_LOCKED(vp));
	return vp->v_op->vop_readlink(vp, uio);
}
static inline int
VOP_INACTIVE(struct vnode *vp, bool *recyclep)
{
	KASSERT(VOP_XLOCKED(vp));
	return vp->v_op->vop_inactive(vp, recyclep);
}
static inline int
VOP_RECLAIM(struct vnode *vp)
{
	KASSERT(VOP_XLOCKED(vp));
	return vp->v_op->vop_reclaim(vp);
}
static inline int
VOP_BMAP(struct vnode *vp, uint64_t off, uint64_t *devoffp, uint64_t *runp)
{
	KASSERT(VOP_LOCKED(vp));
	return vp->v_op->vop_bmap(vp, off, devoffp, runp);
}
static inline int
VOP_GETXATTR(struct vnode *vp, const char *name, void *buf, size_t size,
    size_t *lenp)
{
	KASSERT(VOP_LOCKED(vp));
	return vp->v_op->vop_getxattr(vp, name, buf, size, lenp);
}
static inline int
VOP_SETXATTR(struct vnode *vp, const char *name, const void *val, size_t len,
    int flags)
{
	KASSERT(VOP_XLOCKED(vp));
	return vp->v_op->vop_setxattr(vp, name, val, len, flags);
}
static inline int
VOP_LISTXATTR(struct vnode *vp, char *buf, size_t size, size_t *lenp)
{
	KASSERT(VOP_LOCKED(vp));
	return vp->v_op->vop_listxattr(vp, buf, size, lenp);
}
static inline int
VOP_REMOVEXATTR(struct vnode *vp, const char *name)
{
	KASSERT(VOP_XLOCKED(vp));
	return vp->v_op->vop_removexattr(vp, name);
}
static inline int
VOP_FALLOCATE(struct vnode *vp, int mode, uint64_t off, uint64_t len)
{
	KASSERT(VOP_XLOCKED(vp));
	return vp->v_op->vop_fallocate(vp, mode, off, len);
}
static inline int
VOP_SEEK(struct vnode *vp, uint64_t off, int whence, uint64_t *resultp)
{
	KASSERT(VOP_LOCKED(vp));
	return vp->v_op->vop_seek(vp, off, whence, resultp);
}

#endif /* KERN_VNODE_H */
