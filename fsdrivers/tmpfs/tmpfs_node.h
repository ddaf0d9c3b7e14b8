/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_node.h -- private to fsdrivers/tmpfs/: the in-core (and only)
 * representation of a tmpfs file system.
 *
 *  - struct tmpfs_mount: limits, accounting, the inode-number hash;
 *  - struct tmpfs_node: one file of any type, with its type-specific data;
 *  - struct tmpfs_dirent: one directory entry;
 *  - struct tmpfs_radix: a sparse array indexed by a 64-bit key (file
 *    pages by page index, directory entries by cookie).
 *
 * The design (node life cycle, locking, accounting) is described at the
 * top of tmpfs_vfsops.c.  Functions are grouped below by the file that
 * implements them.
 */
#ifndef TMPFS_NODE_H
#define TMPFS_NODE_H

#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#define TMPFS_PAGE_SHIFT	12
#define TMPFS_PAGE_SIZE		(1u << TMPFS_PAGE_SHIFT)
#define TMPFS_PAGE_MASK		((uint64_t)TMPFS_PAGE_SIZE - 1)
#define TMPFS_ROOTINO		2
#define TMPFS_MAXFILESIZE	((uint64_t)INT64_MAX)
#define TMPFS_NAMEMAX		255
#define TMPFS_BOGO_DIRENT	20	/* directory size per entry */
#define TMPFS_FIRST_COOKIE	3	/* 0 ".", 1 "..", 2 first after ".." */

/* ---- sparse array (tmpfs_radix.c) ---- */

#define TMPFS_RADIX_SHIFT	6
#define TMPFS_RADIX_FANOUT	(1u << TMPFS_RADIX_SHIFT)
#define TMPFS_RADIX_MAXHEIGHT	11	/* 11 * 6 bits >= 64 */

struct tmpfs_rnode {
	void		*rn_slot[TMPFS_RADIX_FANOUT];
	unsigned	rn_count;	/* non-NULL slots */
};

/*
 * Protected by whatever protects its owner (the owning node's vnode
 * lock).  Lookups do not modify the tree, so any number of readers may
 * walk it under a shared lock.
 */
struct tmpfs_radix {
	struct tmpfs_rnode *rt_root;	/* NULL iff rt_height == 0 */
	unsigned	rt_height;	/* levels of rnodes */
};

struct tmpfs_mount;

void	*tmpfs_radix_lookup(const struct tmpfs_radix *rt, uint64_t key);
/*
 * Store VAL (not NULL) at KEY, which must be absent.  Interior nodes are
 * charged to TM.  => 0, ENOSPC or ENOMEM; on error the tree is unchanged.
 */
int	tmpfs_radix_insert(struct tmpfs_mount *tm, struct tmpfs_radix *rt,
	    uint64_t key, void *val);
/* Remove KEY; returns its value or NULL if it was absent.  Cannot fail. */
void	*tmpfs_radix_remove(struct tmpfs_mount *tm, struct tmpfs_radix *rt,
	    uint64_t key);
/* The value of the smallest key >= KEY (stored in *FOUNDP), or NULL. */
void	*tmpfs_radix_next(const struct tmpfs_radix *rt, uint64_t key,
	    uint64_t *foundp);
/* The smallest absent key >= KEY (UINT64_MAX if every one is present). */
uint64_t tmpfs_radix_next_absent(const struct tmpfs_radix *rt, uint64_t key);
/* Free every interior node, calling FN (if not NULL) on each value. */
void	tmpfs_radix_destroy(struct tmpfs_mount *tm, struct tmpfs_radix *rt,
	    void (*fn)(struct tmpfs_mount *, void *, void *), void *arg);

/* ---- nodes ---- */

struct tmpfs_dirent;

/* A directory: entries by name (hash) and by cookie (radix, for order). */
struct tmpfs_dir {
	struct tmpfs_radix	td_bycookie;	/* cookie -> tmpfs_dirent */
	struct tmpfs_dirent	**td_hash;	/* name hash buckets */
	size_t		td_hashsize;	/* power of 2; 0 before first entry */
	size_t		td_count;	/* entries, "." and ".." excluded */
	uint64_t	td_nextcookie;	/* cookie of the next entry added */
	/* the directory holding this one; NULL for the root and once removed */
	struct tmpfs_node	*td_parent;
};

struct tmpfs_xattr {
	struct tmpfs_xattr *xa_next;
	size_t		xa_namelen;	/* without the NUL */
	size_t		xa_vallen;
	char		xa_data[];	/* name, NUL, value */
};

/*
 * One file.  Locking:
 *  (i) immutable after creation;
 *  (m) the mount's tm_lock;
 *  (v) the vnode lock of tn_vnode: exclusive to change, shared to read.
 *      Every change to a node is made by an operation that holds its
 *      vnode; a node without a vnode is touched only by loadvnode (which
 *      vcache serialises per inode) and by unmount.
 *  (t) tn_timelock: atime, which reads under a shared lock update.
 */
struct tmpfs_node {
	struct tmpfs_node *tn_hnext;	/* (m) inode-number hash chain */
	struct vnode	*tn_vnode;	/* (m) attached vnode, or NULL */
	ino64_t		tn_ino;		/* (i) */
	uint64_t	tn_gen;		/* (i) */
	enum vtype	tn_type;	/* (i) */
	uint32_t	tn_mode;	/* (v) permission bits, ALLPERMS */
	uint32_t	tn_uid;		/* (v) */
	uint32_t	tn_gid;		/* (v) */
	uint32_t	tn_nlink;	/* (v) 0: unlinked, freed at inactive */
	uint32_t	tn_flags;	/* (v) va_flags */
	uint64_t	tn_size;	/* (v) VREG: bytes */
	uint64_t	tn_rdev;	/* (v) VCHR, VBLK */
	struct vfs_timespec tn_mtime;	/* (v) */
	struct vfs_timespec tn_ctime;	/* (v) */
	struct vfs_timespec tn_btime;	/* (v) */
	kmutex_t	tn_timelock;
	struct vfs_timespec tn_atime;	/* (t) */
	struct tmpfs_xattr *tn_xattrs;	/* (v) in insertion order */
	size_t		tn_xattr_names;	/* (v) listxattr size */
	union {
		struct tmpfs_dir tn_dir;	/* (v) VDIR */
		struct {			/* (v) VREG */
			struct tmpfs_radix tr_pages;	/* index -> page */
			uint64_t	tr_npages;
		} tn_reg;
		struct {			/* (v) VLNK */
			char		*tl_target;	/* NUL-terminated */
			size_t		tl_len;
		} tn_lnk;
	} tn_u;
};

struct tmpfs_dirent {
	struct tmpfs_dirent *de_hnext;	/* name hash chain */
	struct tmpfs_node *de_node;	/* the file named */
	uint64_t	de_cookie;	/* readdir position, unique in dir */
	uint32_t	de_hash;
	uint16_t	de_namelen;
	char		de_name[];	/* not NUL-terminated */
};

/*
 * Per mount.  tm_lock is a leaf lock: nothing else is taken while it is
 * held, and kmem calls made under it do not block.
 */
struct tmpfs_mount {
	kmutex_t	tm_lock;
	uint64_t	tm_maxbytes;	/* (i) UINT64_MAX: unlimited */
	uint64_t	tm_maxinodes;	/* (i) UINT64_MAX: unlimited */
	uint64_t	tm_usedbytes;	/* (m) data and metadata */
	uint64_t	tm_usedinodes;	/* (m) */
	ino64_t		tm_nextino;	/* (m) */
	struct tmpfs_node **tm_ihash;	/* (m) nodes by inode number */
	size_t		tm_ihashsize;	/* (m) power of 2 */
	struct tmpfs_node *tm_root;	/* (i) */
};

static inline struct tmpfs_mount *
VFS_TO_TMPFS(struct mount *mp)
{
	return mp->mnt_data;
}

static inline struct tmpfs_node *
VP_TO_TMPFS(struct vnode *vp)
{
	return vp->v_data;
}

/* ---- tmpfs_subr.c: accounting, nodes, times ---- */

/* Charge LEN bytes and allocate them (zeroed if ZERO).  ENOSPC, ENOMEM. */
int	tmpfs_mem_alloc(struct tmpfs_mount *tm, size_t len, bool zero,
	    void **pp);
void	tmpfs_mem_free(struct tmpfs_mount *tm, void *p, size_t len);
/*
 * A new node of TYPE with permissions MODE & ALLPERMS, nlink 0 (the
 * caller links it), all four times "now", in the inode hash.
 * => ENOSPC (nr_inodes or size), ENOMEM; nothing allocated on error.
 */
int	tmpfs_node_alloc(struct tmpfs_mount *tm, enum vtype type,
	    uint32_t mode, uint32_t uid, uint32_t gid, uint64_t rdev,
	    struct tmpfs_node **tnp);
/* Free a node's contents (data, entries, target, xattrs); idempotent. */
void	tmpfs_node_freedata(struct tmpfs_mount *tm, struct tmpfs_node *tn);
/* Take a vnode-less node out of the hash and free it entirely. */
void	tmpfs_node_free(struct tmpfs_mount *tm, struct tmpfs_node *tn);
/* The node with inode number INO (under tm_lock), or NULL. */
struct tmpfs_node *tmpfs_node_lookup_ino(struct tmpfs_mount *tm,
	    ino64_t ino);
/* Free every node (unmount). */
void	tmpfs_node_freeall(struct tmpfs_mount *tm);
/* Referenced, unlocked vnode for TN: vcache_get with TN as the hint. */
int	tmpfs_vget(struct mount *mp, struct tmpfs_node *tn,
	    struct vnode **vpp);

#define TMPFS_UPD_ATIME	0x1
#define TMPFS_UPD_MTIME	0x2
#define TMPFS_UPD_CTIME	0x4
/* Set the named times to now.  Caller holds the vnode lock exclusive. */
void	tmpfs_update(struct tmpfs_node *tn, int which);
/* Read access: relatime update of atime unless the mount says noatime. */
void	tmpfs_update_atime(struct mount *mp, struct tmpfs_node *tn);
int	tmpfs_ts_cmp(const struct vfs_timespec *a,
	    const struct vfs_timespec *b);

/* ---- tmpfs_dir.c: directory entries ---- */

/* The entry NAME in directory DN, or NULL. */
struct tmpfs_dirent *tmpfs_dir_lookup(struct tmpfs_node *dn,
	    const char *name, size_t len);
/*
 * Add NAME -> TN to DN with the next cookie.  Link counts and times are
 * the caller's.  => 0, ENOSPC, ENOMEM; DN unchanged on error.
 */
int	tmpfs_dir_enter(struct tmpfs_mount *tm, struct tmpfs_node *dn,
	    const char *name, size_t len, struct tmpfs_node *tn);
/* Remove and free entry DE of DN.  Cannot fail. */
void	tmpfs_dir_remove(struct tmpfs_mount *tm, struct tmpfs_node *dn,
	    struct tmpfs_dirent *de);
/* Free every entry and the hash (the named nodes are not touched). */
void	tmpfs_dir_destroy(struct tmpfs_mount *tm, struct tmpfs_node *dn);
/* VOP_READDIR body; see vfs_filldir_t and the cookie rules there. */
int	tmpfs_dir_readdir(struct tmpfs_mount *tm, struct tmpfs_node *dn,
	    uint64_t *cookiep, vfs_filldir_t fill, void *arg);
/* Directory size as stat shows it. */
uint64_t tmpfs_dir_size(const struct tmpfs_node *dn);

/* ---- tmpfs_data.c: regular file data ---- */

int	tmpfs_read(struct vnode *vp, struct uio *uio, int ioflag);
int	tmpfs_write(struct vnode *vp, struct uio *uio, int ioflag);
int	tmpfs_fallocate(struct vnode *vp, int mode, uint64_t off,
	    uint64_t len);
int	tmpfs_seek(struct vnode *vp, uint64_t off, int whence,
	    uint64_t *resultp);
/* Set the size of regular file VP; frees or zeroes what is cut off. */
int	tmpfs_truncate(struct vnode *vp, uint64_t size);
/* Free every page of regular file TN (its size becomes 0). */
void	tmpfs_data_free(struct tmpfs_mount *tm, struct tmpfs_node *tn);

/* ---- tmpfs_xattr.c ---- */

int	tmpfs_getxattr(struct vnode *vp, const char *name, void *buf,
	    size_t size, size_t *lenp);
int	tmpfs_setxattr(struct vnode *vp, const char *name, const void *val,
	    size_t len, int flags);
int	tmpfs_listxattr(struct vnode *vp, char *buf, size_t size,
	    size_t *lenp);
int	tmpfs_removexattr(struct vnode *vp, const char *name);
void	tmpfs_xattr_freeall(struct tmpfs_mount *tm, struct tmpfs_node *tn);

/* ---- tmpfs_vnops.c, tmpfs_rename.c ---- */

extern const struct vnodeops tmpfs_vnodeops;
int	tmpfs_rename(struct vnode *fdvp, struct vnode *fvp, const char *fname,
	    size_t flen, struct vnode *tdvp, struct vnode *tvp,
	    const char *tname, size_t tlen, unsigned flags);

#endif /* TMPFS_NODE_H */
