/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * mount.h -- mounts, the per-filesystem operations (vfsops), the
 * filesystem-type registry and mount options.  Implemented in
 * vfs/vfs_mount.c (mount table, mount/unmount), vfs/vfs_opts.c (option
 * parsing) and vfs/vfs_register.c (registry, built-in drivers).
 */
#ifndef KERN_MOUNT_H
#define KERN_MOUNT_H

#include "kern/kern.h"
#include "kern/lock.h"

struct blkdev;
struct vnode;

/*
 * mnt_flags: set by the kernel before vfs_mount is called; the driver's
 * vfs_mount may add MNT_RDONLY (a dirty filesystem mounted read-only, a
 * read-only medium); immutable after vfs_mount returns.
 */
#define MNT_RDONLY	0x0001
#define MNT_NOATIME	0x0002
#define MNT_SYNCHRONOUS	0x0004
#define MNT_NODEV	0x0008
#define MNT_NOSUID	0x0010
#define MNT_FORCE	0x0020	/* "force" given: mount despite warnings */
#define MNT_NOCASE	0x0040	/* set by the driver: names match case-blind */
#define MNT_RWEXPLICIT	0x0080	/* "rw" was asked for: refuse, never demote */
#define MNT_LOCKED	0x0100	/* no other writer: device locked, or none */

/* A driver's option: "name" (flag) or "name=value". */
#define VFS_OPT_FLAG	0
#define VFS_OPT_VALUE	1
struct vfs_optdesc {
	const char	*od_name;
	int		 od_type;
	const char	*od_help;	/* one line for --help */
};

/* One parsed option. */
struct vfs_opt {
	char	*o_name;
	char	*o_value;	/* NULL for a flag */
};

struct mount {
	const struct vfsops *mnt_op;	/* immutable */
	struct blkdev	*mnt_dev;	/* NULL if the fs needs none; immutable */
	void		*mnt_data;	/* the driver's, from vfs_mount on */
	uint32_t	mnt_flags;	/* MNT_*, see above */
	char		*mnt_target;	/* immutable */
	char		*mnt_source;	/* immutable */
	struct vfs_opt	*mnt_opts;	/* driver options; immutable */
	unsigned	mnt_nopts;
	uint64_t	mnt_fsid;	/* immutable */
	uint32_t	mnt_namemax;	/* set by the driver at mount (default NAME_MAX) */
	uint64_t	mnt_maxfilesize; /* set by the driver (default INT64_MAX) */
	uint32_t	mnt_linkmax;	/* set by the driver (default LINK_MAX_DEFAULT) */
	kmutex_t	mnt_renamelock;	/* serialises renames on this mount */
	/* protected by the vnode cache mutex */
	struct vnode	*mnt_vnodes;	/* per-mount vnode list */
	/* written under the vnode cache mutex; read atomically by resolve */
	bool		mnt_unmounting;
	/* protected by the mount table lock */
	struct mount	*mnt_next;
	unsigned	mnt_refcnt;
	char		mnt_errbuf[256]; /* reason for a failed mount */
};

/*
 * Filesystem operations.  Every slot filled (vfs_noprobe for no probe).
 */
struct vfsops {
	const char		*vfs_name;	/* "tmpfs", "ext2fs", ... */
	const char *const	*vfs_aliases;	/* NULL-terminated, or NULL */
	const struct vfs_optdesc *vfs_opts;	/* {NULL}-terminated */
	bool			vfs_needdev;	/* needs a block device */
	/*
	 * Attach: mp has its device, flags and parsed options.  Validate the
	 * superblock, set mnt_data, mnt_namemax, mnt_maxfilesize.  On error
	 * nothing is left allocated; say why with vfs_mount_error().  If it
	 * loaded vnodes before failing, it must vflush(mp, NULL, false)
	 * before freeing its data (the kernel's later forced vflush still
	 * calls VOP_RECLAIM).
	 */
	int	(*vfs_mount)(struct mount *mp);
	/*
	 * Detach.  The kernel has already called vfs_sync and reclaimed
	 * every vnode (vflush).  Write the superblock (clean flag), free
	 * mnt_data.  The kernel then syncs and drops the device's buffers.
	 */
	int	(*vfs_unmount)(struct mount *mp, int flags);
	/* The root directory: ref (unlocked). */
	int	(*vfs_root)(struct mount *mp, struct vnode **vpp);
	int	(*vfs_statvfs)(struct mount *mp, struct vfs_statvfs *sv);
	/*
	 * Push every in-core change (inodes, bitmaps, superblock) into the
	 * buffer cache (bdwrite), and, if WAIT, commit anything the driver
	 * orders itself (journal).  The kernel then runs bsync() on the device.
	 */
	int	(*vfs_sync)(struct mount *mp, bool wait);
	/*
	 * Fill a new vnode for inode INO: set v_type, v_op, v_data.  HINT is
	 * what the driver passed to vcache_get (NULL from the kernel).
	 * ENOENT/ESTALE for a free inode, EUCLEAN for a corrupt one.
	 */
	int	(*vfs_loadvnode)(struct mount *mp, struct vnode *vp, ino64_t ino,
		    void *hint);
	/* Does DEV hold this filesystem?  0 yes, EINVAL/ENOENT no. */
	int	(*vfs_probe)(struct blkdev *dev);
};

int	vfs_noprobe(struct blkdev *dev);	/* always "no" */

/* Registry. */
int	vfs_register(const struct vfsops *ops);
const struct vfsops *vfs_lookup_fstype(const char *name);
/* Called once by vfs_init(): registers every built-in driver. */
void	fsdrivers_attach(void);

/* Record why a mount failed (one line, shown to the user). */
void	vfs_mount_error(struct mount *mp, const char *fmt, ...)
	    __printflike(2, 3);

/* Driver options, after parsing (unknown names were already rejected). */
bool	vfs_getopt(struct mount *mp, const char *name, const char **valp);
/*
 * Parse option NAME as a size/number ("64M", "1g", "4096", "0x10"); with
 * a '%' suffix, PERCENT_OF scales it.  ENOENT if absent, EINVAL if bad.
 */
int	vfs_getopt_uint64(struct mount *mp, const char *name,
	    uint64_t percent_of, uint64_t *valp);

static inline bool
vfs_isrdonly(const struct mount *mp)
{
	return (mp->mnt_flags & MNT_RDONLY) != 0;
}

#endif /* KERN_MOUNT_H */
