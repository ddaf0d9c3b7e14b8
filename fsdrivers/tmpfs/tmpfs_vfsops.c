/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_vfsops.c -- tmpfs, a read-write file system that lives in kernel
 * memory: mount options, mount and unmount, root, statvfs, loadvnode; the
 * table tmpfs_vfsops.
 *
 * Files of the driver:
 *   tmpfs_node.h	the in-core structures, private to the driver
 *   tmpfs_vfsops.c	this file: the mount and the design below
 *   tmpfs_vnops.c	vnode operations, life cycle (inactive, reclaim)
 *   tmpfs_rename.c	rename and RENAME_EXCHANGE
 *   tmpfs_dir.c	directory entries: name hash, cookies, readdir
 *   tmpfs_data.c	regular file pages: read, write, truncate, ...
 *   tmpfs_xattr.c	extended attributes
 *   tmpfs_subr.c	accounting, node allocation, inode hash, times
 *   tmpfs_radix.c	the sparse array under file pages and readdir
 *
 * Design
 * ------
 * A tmpfs_node is the file; it exists independently of any vnode.  Every
 * node is in the per-mount inode-number hash from creation to its end, so
 * the kernel may ask for any inode number (vfs_loadvnode with no hint).
 *
 * Node life cycle:
 *  1. create/mkdir/...: tmpfs_node_alloc charges an inode and the node's
 *     memory, the entry is added, then vcache_get(mp, ino, node) attaches
 *     a vnode (loadvnode with the node as hint).  Failure at any step
 *     undoes the earlier ones.
 *  2. The node is named by nlink entries (a directory: its entry, its
 *     own ".", and each subdirectory's "..").  Lookup hands a dirent's
 *     node to vcache_get while holding the directory's lock, which keeps
 *     the entry, and so the node, alive.
 *  3. remove/rmdir/rename drop nlink.  At 0 the node is unreachable by
 *     name and by the loadvnode hash lookup (which answers ENOENT), but
 *     an open vnode keeps working on it.
 *  4. VOP_INACTIVE (last reference gone) with nlink 0 frees the contents
 *     and asks for the vnode to be recycled; VOP_RECLAIM detaches the
 *     vnode and, with nlink 0, frees the node.  A node with links just
 *     loses its vnode at reclaim and keeps living in memory.
 *  5. Unmount: the kernel has reclaimed every vnode; every node left in
 *     the hash is freed.
 *
 * Locking:
 *  - A node's fields are protected by its vnode's lock (exclusive to
 *    change, shared to read).  Each change to a node is made by an
 *    operation holding that node's vnode (a directory's link count by
 *    the operations that lock the directory, a moved directory's parent
 *    pointer by rename, which locks it).  A node without a vnode is only
 *    touched by loadvnode (serialised per inode by the vnode cache) and
 *    unmount.
 *  - Readers share the lock and change nothing, except atime, which has
 *    its own small mutex in each node (tn_timelock).
 *  - tm_lock, per mount, protects the accounting, the inode counter and
 *    hash, and each node's tn_vnode.  It is a leaf lock.
 *
 * Accounting: everything allocated for a mount -- nodes, entries, pages,
 * sparse-array nodes, hash tables, symlink targets, xattrs -- goes through
 * tmpfs_mem_alloc, which charges it to tm_usedbytes and fails with ENOSPC
 * beyond size=.  Nodes are counted against nr_inodes.  kmem failure is
 * ENOMEM, and every operation undoes its partial work before returning an
 * error (a write keeps what it wrote and reports a short count).
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "tmpfs_node.h"

#define TMPFS_IHASH_INIT	64
/* statvfs without size=: report a 1 TiB file system (or what is used). */
#define TMPFS_UNLIMITED_BYTES	((uint64_t)1 << 40)
#define TMPFS_UNLIMITED_FILES	((uint64_t)1 << 32)

static const struct vfs_optdesc tmpfs_opts[] = {
	{ "size", VFS_OPT_VALUE,
	  "bytes of data and metadata, k/m/g suffix (default: unlimited)" },
	{ "nr_inodes", VFS_OPT_VALUE, "maximum number of files "
	  "(default: unlimited)" },
	{ "mode", VFS_OPT_VALUE, "root directory permissions, octal "
	  "(default 1777)" },
	{ "uid", VFS_OPT_VALUE, "root directory owner (default 0)" },
	{ "gid", VFS_OPT_VALUE, "root directory group (default 0)" },
	{ NULL, 0, NULL },
};

struct tmpfs_args {
	uint64_t	ta_size;
	uint64_t	ta_nodes;
	uint32_t	ta_mode;
	uint32_t	ta_uid;
	uint32_t	ta_gid;
};

/* Option NAME as a number below LIMIT (unchanged *VALP if absent). */
static int
tmpfs_opt_number(struct mount *mp, const char *name, uint64_t limit,
    uint64_t *valp)
{
	uint64_t v;
	int error;

	error = vfs_getopt_uint64(mp, name, 0, &v);
	if (error == ENOENT)
		return 0;
	if (error != 0 || v > limit) {
		vfs_mount_error(mp, "tmpfs: bad value for option %s", name);
		return EINVAL;
	}
	*valp = v;
	return 0;
}

static int
tmpfs_opt_mode(struct mount *mp, uint32_t *modep)
{
	const char *s;
	uint32_t mode = 0;

	if (!vfs_getopt(mp, "mode", &s))
		return 0;
	if (s == NULL || *s == '\0')
		goto out_bad;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '7')
			goto out_bad;
		mode = mode * 8 + (uint32_t)(*s - '0');
		if (mode > ALLPERMS)
			goto out_bad;
	}
	*modep = mode;
	return 0;

out_bad:
	vfs_mount_error(mp, "tmpfs: mode must be octal, at most 7777");
	return EINVAL;
}

static int
tmpfs_parse_args(struct mount *mp, struct tmpfs_args *ta)
{
	uint64_t uid = 0, gid = 0;
	int error;

	ta->ta_size = 0;
	ta->ta_nodes = 0;
	ta->ta_mode = 01777;
	if ((error = tmpfs_opt_number(mp, "size", UINT64_MAX,
	    &ta->ta_size)) != 0 ||
	    (error = tmpfs_opt_number(mp, "nr_inodes", UINT64_MAX,
	    &ta->ta_nodes)) != 0 ||
	    (error = tmpfs_opt_number(mp, "uid", UINT32_MAX, &uid)) != 0 ||
	    (error = tmpfs_opt_number(mp, "gid", UINT32_MAX, &gid)) != 0 ||
	    (error = tmpfs_opt_mode(mp, &ta->ta_mode)) != 0)
		return error;
	ta->ta_uid = (uint32_t)uid;
	ta->ta_gid = (uint32_t)gid;
	return 0;
}

static int
tmpfs_mount(struct mount *mp)
{
	struct tmpfs_args ta;
	struct tmpfs_mount *tm;
	struct tmpfs_node *root;
	int error;

	if ((error = tmpfs_parse_args(mp, &ta)) != 0)
		return error;
	if ((tm = kmem_zalloc(sizeof(*tm))) == NULL)
		return ENOMEM;
	if ((error = mutex_init(&tm->tm_lock)) != 0)
		goto out_tm;
	tm->tm_maxbytes = ta.ta_size != 0 ? ta.ta_size : UINT64_MAX;
	tm->tm_maxinodes = ta.ta_nodes != 0 ? ta.ta_nodes : UINT64_MAX;
	tm->tm_nextino = TMPFS_ROOTINO;
	tm->tm_ihashsize = TMPFS_IHASH_INIT;
	error = tmpfs_mem_alloc(tm, TMPFS_IHASH_INIT * sizeof(*tm->tm_ihash),
	    true, (void **)&tm->tm_ihash);
	if (error != 0)
		goto out_lock;
	error = tmpfs_node_alloc(tm, VDIR, ta.ta_mode, ta.ta_uid, ta.ta_gid,
	    0, &root);
	if (error != 0)
		goto out_hash;
	KASSERT(root->tn_ino == TMPFS_ROOTINO);
	root->tn_nlink = 2;
	tm->tm_root = root;

	mp->mnt_data = tm;
	mp->mnt_namemax = TMPFS_NAMEMAX;
	mp->mnt_maxfilesize = TMPFS_MAXFILESIZE;
	mp->mnt_linkmax = LINK_MAX_DEFAULT;
	return 0;

out_hash:
	tmpfs_mem_free(tm, tm->tm_ihash,
	    TMPFS_IHASH_INIT * sizeof(*tm->tm_ihash));
out_lock:
	mutex_destroy(&tm->tm_lock);
out_tm:
	kmem_free(tm, sizeof(*tm));
	if (error == ENOSPC)
		vfs_mount_error(mp, "tmpfs: size= too small for the root");
	return error;
}

static int
tmpfs_unmount(struct mount *mp, int flags __unused)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(mp);

	tmpfs_node_freeall(tm);
	tmpfs_mem_free(tm, tm->tm_ihash,
	    tm->tm_ihashsize * sizeof(*tm->tm_ihash));
	KASSERT(tm->tm_usedbytes == 0 && tm->tm_usedinodes == 0);
	mutex_destroy(&tm->tm_lock);
	kmem_free(tm, sizeof(*tm));
	mp->mnt_data = NULL;
	return 0;
}

static int
tmpfs_root(struct mount *mp, struct vnode **vpp)
{
	return tmpfs_vget(mp, VFS_TO_TMPFS(mp)->tm_root, vpp);
}

static int
tmpfs_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(mp);
	uint64_t total, used, files, nfiles;

	mutex_enter(&tm->tm_lock);
	used = tm->tm_usedbytes;
	nfiles = tm->tm_usedinodes;
	mutex_exit(&tm->tm_lock);
	total = tm->tm_maxbytes != UINT64_MAX ? tm->tm_maxbytes :
	    MAX(TMPFS_UNLIMITED_BYTES, used);
	files = tm->tm_maxinodes != UINT64_MAX ? tm->tm_maxinodes :
	    MAX(TMPFS_UNLIMITED_FILES, nfiles);

	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = TMPFS_PAGE_SIZE;
	sv->f_frsize = TMPFS_PAGE_SIZE;
	sv->f_blocks = total / TMPFS_PAGE_SIZE;
	sv->f_bfree = used < total ? (total - used) / TMPFS_PAGE_SIZE : 0;
	sv->f_bavail = sv->f_bfree;
	sv->f_files = files;
	sv->f_ffree = files - MIN(files, nfiles);
	sv->f_favail = sv->f_ffree;
	sv->f_fsid = mp->mnt_fsid;
	if (mp->mnt_flags & MNT_RDONLY)
		sv->f_flag |= VFS_ST_RDONLY;
	if (mp->mnt_flags & MNT_NOSUID)
		sv->f_flag |= VFS_ST_NOSUID;
	if (mp->mnt_flags & MNT_NOATIME)
		sv->f_flag |= VFS_ST_NOATIME;
	sv->f_namemax = TMPFS_NAMEMAX;
	return 0;
}

static int
tmpfs_sync(struct mount *mp __unused, bool wait __unused)
{
	return 0;		/* nothing to write anywhere */
}

/*
 * Attach VP to node HINT, or (HINT NULL) to the linked node with inode
 * number INO: ENOENT if there is none.
 */
static int
tmpfs_loadvnode(struct mount *mp, struct vnode *vp, ino64_t ino, void *hint)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(mp);
	struct tmpfs_node *tn = hint;

	mutex_enter(&tm->tm_lock);
	if (tn == NULL) {
		tn = tmpfs_node_lookup_ino(tm, ino);
		if (tn == NULL || tn->tn_nlink == 0) {
			mutex_exit(&tm->tm_lock);
			return ENOENT;
		}
	}
	KASSERT(tn->tn_ino == ino);
	KASSERT(tn->tn_vnode == NULL);
	tn->tn_vnode = vp;
	mutex_exit(&tm->tm_lock);

	vp->v_type = tn->tn_type;
	vp->v_op = &tmpfs_vnodeops;
	vp->v_data = tn;
	return 0;
}

const struct vfsops tmpfs_vfsops = {
	.vfs_name = "tmpfs",
	.vfs_aliases = NULL,
	.vfs_opts = tmpfs_opts,
	.vfs_needdev = false,
	.vfs_mount = tmpfs_mount,
	.vfs_unmount = tmpfs_unmount,
	.vfs_root = tmpfs_root,
	.vfs_statvfs = tmpfs_statvfs,
	.vfs_sync = tmpfs_sync,
	.vfs_loadvnode = tmpfs_loadvnode,
	.vfs_probe = vfs_noprobe,
};
