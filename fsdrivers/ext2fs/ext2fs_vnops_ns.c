/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_vnops_ns.c -- the name-space vnode operations of the ext2/3/4
 * driver: create and mknod, mkdir, symlink, link, remove, rmdir (rename
 * is in ext2fs_rename.c).
 *
 * Every operation is one transaction handle, so on a journaled
 * filesystem it reaches the disk whole or not at all.  A new object is
 * made in this order: an inode number (ext2fs_ialloc), an in-core node
 * (ext2fs_node_new) written back with its link count, its vnode
 * (vcache_get with the node as the hint: loadvnode takes it instead of
 * reading the disk), its contents ("." and "..", a symlink target),
 * and last the entry in the parent.  From the moment the vnode exists,
 * a failure only has to set the link count to 0 and drop the vnode:
 * its VOP_INACTIVE releases the blocks and the inode (ext2fs_node_release)
 * inside the same handle, so nothing is left behind.
 *
 * remove and rmdir trust the kernel's lookup of NAME to VP: it was made
 * under the same exclusive lock of the directory (vfs_pub.c vn_remove).
 * An object whose last name goes (remove, rmdir) is put on the orphan
 * list at once and released by VOP_INACTIVE when its last reference
 * goes (an open file keeps its data until then; a crash in between is
 * finished by the orphan recovery of the next read-write mount).
 *
 * Locking: the kernel holds the directory (and the existing child) as
 * the slots of struct vnodeops say; a new vnode is locked after its
 * directory while it is set up.  uid, gid and the mode's setgid bit
 * come decided from the kernel (vn_create: a setgid directory's group
 * and, for directories, S_ISGID are already applied).
 *
 * Exports (ext2fs_write.h): ext2fs_vop_create, ext2fs_vop_mkdir,
 * ext2fs_vop_symlink, ext2fs_vop_link, ext2fs_vop_remove,
 * ext2fs_vop_rmdir.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

/* Metadata blocks a name-space change may dirty (an estimate). */
#define EXT2FS_TR_NS	48

/* Attempts to get a new inode's vnode past an old one being freed. */
#define EXT2FS_VGET_TRIES	2000

/*
 * The vnode of new node NP (inode written, not yet named), referenced
 * and unlocked in *VPP; it owns NP from then on.
 * => The inode number may have belonged to a file whose VOP_INACTIVE is
 *    still finishing (it freed the inode a moment ago): vcache_get then
 *    returns that old vnode and ignores the hint.  Drop it and try again
 *    once it has gone.
 * => On error NP is still the caller's.
 */
static int
ext2fs_vget_new(struct mount *mp, struct ext2fs_node *np, struct vnode **vpp)
{
	struct vnode *vp;
	int error, tries;

	for (tries = 0; tries < EXT2FS_VGET_TRIES; tries++) {
		if ((error = vcache_get(mp, np->n_ino, np, &vp)) != 0)
			return error;
		if (VTOE(vp) == np) {
			*vpp = vp;
			return 0;
		}
		vrele(vp);
		kpause_ms(1);
	}
	return EBUSY;
}

/* Encode device number RDEV in i_block, as the read path decodes it. */
static void
ext2fs_rdev_encode(struct ext2fs_node *np, uint64_t rdev)
{
	struct ext2_dinode *di = (struct ext2_dinode *)np->n_raw;
	uint32_t maj = kmajor(rdev), min = kminor(rdev);

	memset(di->i_block, 0, sizeof(di->i_block));
	if (maj < 256 && min < 256)
		di->i_block[0] = e2_mkle32(maj << 8 | min);
	else
		di->i_block[1] = e2_mkle32((min & 0xff) | (maj << 8) |
		    ((min & ~0xffU) << 12));
	np->n_rdev = rdev;
}

/* Make NP's i_block an empty extent root (extent files) or zeros. */
static void
ext2fs_iblock_reset(struct ext2fs_node *np, bool extents)
{
	struct ext2_dinode *di = (struct ext2_dinode *)np->n_raw;

	memset(di->i_block, 0, sizeof(di->i_block));
	np->n_flags &= ~(uint32_t)(EXT2_EXTENTS_FL | EXT2_INLINE_DATA_FL);
	if (extents) {
		np->n_flags |= EXT2_EXTENTS_FL;
		ext2fs_ext_init_root(np);
	}
}

/*
 * Store symlink target TARGET (TLEN bytes) in new node NP: in i_block
 * when shorter than 60 bytes (a "fast" symlink, no block), else inline
 * when the filesystem has inline_data and it fits, else in one block
 * (the caller checked that the target and its NUL fit in one, as Linux
 * and e2fsck want).
 */
static int
ext2fs_symlink_fill(struct ext2fs_node *np, const char *target, size_t tlen)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct ext2_dinode *di = (struct ext2_dinode *)np->n_raw;
	bool extents = EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_EXTENTS);
	uint64_t pblk, run;
	struct buf *bp;
	bool isnew;
	int error;

	np->n_size = tlen;
	if (tlen < EXT2_IBLOCK_BYTES) {
		ext2fs_iblock_reset(np, false);
		memcpy(di->i_block, target, tlen);
		return 0;
	}
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_INLINE_DATA) &&
	    tlen <= ext2fs_inline_max(np)) {
		ext2fs_iblock_reset(np, false);
		np->n_flags |= EXT2_INLINE_DATA_FL;
		error = ext2fs_inline_set(np, target, tlen);
		if (error == 0)
			return 0;
		if (error != ENOSPC)
			return error;
		(void)ext2fs_inline_clear(np);
	}
	ext2fs_iblock_reset(np, extents);
	KASSERT(tlen < ump->um_bsize);
	if ((error = ext2fs_balloc(np, 0, 1, &pblk, &run, &isnew)) != 0)
		return error;
	error = getblk(ump->um_dev, EXT2_FSBTODB(ump, pblk), ump->um_bsize,
	    &bp);
	if (error)
		return error;
	memset(bp->b_data, 0, ump->um_bsize);
	memcpy(bp->b_data, target, tlen);
	bdwrite(bp);
	return 0;
}

/*
 * Make a new object of MODE named NAME in DVP (TARGET for symlinks).
 * => DVP locked exclusive, NAME absent; *VPP referenced, unlocked.
 */
static int
ext2fs_makeinode(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, uint32_t mode, const char *target,
    struct vnode **vpp)
{
	struct ext2fs_node *dp = VTOE(dvp), *np = NULL;
	struct ext2fs_mount *ump = dp->n_ump;
	uint32_t fmt = mode & S_IFMT;
	struct vnode *vp = NULL;
	size_t tlen = 0;
	ino64_t ino;
	int error;

	*vpp = NULL;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (dp->n_nlink == 0)
		return ENOENT;
	if (dp->n_flags & EXT2_IMMUTABLE_FL)
		return EPERM;
	if (fmt == S_IFLNK) {
		tlen = strlen(target);
		if (tlen == 0 || tlen > SYMLINK_MAX || tlen >= ump->um_bsize)
			return ENAMETOOLONG;
	}
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_NS)) != 0)
		return error;
	if ((error = ext2fs_ialloc(dp, mode, &ino)) != 0)
		goto out;
	error = ext2fs_node_new(ump, ino, mode, va->va_uid, va->va_gid, &np);
	if (error) {
		(void)ext2fs_ifree(ump, ino, fmt == S_IFDIR);
		goto out;
	}
	np->n_nlink = fmt == S_IFDIR ? 2 : 1;
	switch (fmt) {
	case S_IFREG:
	case S_IFDIR:
		ext2fs_iblock_reset(np,
		    EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_EXTENTS));
		break;
	case S_IFCHR:
	case S_IFBLK:
		ext2fs_iblock_reset(np, false);
		ext2fs_rdev_encode(np, va->va_rdev);
		break;
	default:
		/* symlinks are filled below; fifos and sockets stay empty */
		ext2fs_iblock_reset(np, false);
		break;
	}
	if ((error = ext2fs_node_update(np)) != 0 ||
	    (error = ext2fs_vget_new(dvp->v_mount, np, &vp)) != 0) {
		np->n_nlink = 0;
		(void)ext2fs_node_update(np);
		(void)ext2fs_ifree(ump, ino, fmt == S_IFDIR);
		ext2fs_node_free(np);
		goto out;
	}
	/* From here on the vnode owns NP; failures go through inactive. */
	vn_lock(vp, RW_WRITER);
	if (fmt == S_IFDIR && (error = ext2fs_dir_init(np, dp->n_ino)) != 0)
		goto bad;
	if (fmt == S_IFLNK &&
	    (error = ext2fs_symlink_fill(np, target, tlen)) != 0)
		goto bad;
	if ((error = ext2fs_node_update(np)) != 0)
		goto bad;
	if ((error = ext2fs_dir_add(dp, name, len, ino, mode)) != 0)
		goto bad;
	if (fmt == S_IFDIR) {
		(void)ext2fs_dir_nlink_inc(dp);
		ext2fs_touch(dp, EXT2FS_MTIME | EXT2FS_CTIME);
		(void)ext2fs_node_update(dp);
	}
	vn_unlock(vp);
	*vpp = vp;
	goto out;

bad:
	np->n_nlink = 0;
	(void)ext2fs_node_update(np);
	vn_unlock(vp);
	vrele(vp);
out:
	ext2fs_trans_end(ump);
	return error;
}

/* va: type, mode, uid, gid, rdev; regular files and special nodes. */
int
ext2fs_vop_create(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, struct vnode **vpp)
{
	uint32_t perm = va->va_mode & ALLPERMS;

	switch (va->va_type) {
	case VREG:
		return ext2fs_makeinode(dvp, name, len, va, S_IFREG | perm,
		    NULL, vpp);
	case VCHR:
		return ext2fs_makeinode(dvp, name, len, va, S_IFCHR | perm,
		    NULL, vpp);
	case VBLK:
		return ext2fs_makeinode(dvp, name, len, va, S_IFBLK | perm,
		    NULL, vpp);
	case VFIFO:
		return ext2fs_makeinode(dvp, name, len, va, S_IFIFO | perm,
		    NULL, vpp);
	case VSOCK:
		return ext2fs_makeinode(dvp, name, len, va, S_IFSOCK | perm,
		    NULL, vpp);
	default:
		*vpp = NULL;
		return EINVAL;
	}
}

int
ext2fs_vop_mkdir(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, struct vnode **vpp)
{
	return ext2fs_makeinode(dvp, name, len, va,
	    S_IFDIR | (va->va_mode & ALLPERMS), NULL, vpp);
}

int
ext2fs_vop_symlink(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, const char *target, struct vnode **vpp)
{
	return ext2fs_makeinode(dvp, name, len, va,
	    S_IFLNK | (va->va_mode & ALLPERMS), target, vpp);
}

int
ext2fs_vop_link(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len)
{
	struct ext2fs_node *dp = VTOE(dvp), *np = VTOE(vp);
	struct ext2fs_mount *ump = dp->n_ump;
	int error;

	if (vp->v_type == VDIR)
		return EPERM;
	if (dp->n_nlink == 0 || np->n_nlink == 0)
		return ENOENT;
	if (np->n_nlink >= EXT2FS_LINK_MAX)
		return EMLINK;
	if (ext2fs_frozen(np) || (dp->n_flags & EXT2_IMMUTABLE_FL))
		return EPERM;
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_NS)) != 0)
		return error;
	np->n_nlink++;
	ext2fs_touch(np, EXT2FS_CTIME);
	if ((error = ext2fs_node_update(np)) != 0)
		goto undo;
	if ((error = ext2fs_dir_add(dp, name, len, np->n_ino,
	    np->n_mode)) != 0)
		goto undo;
	goto out;
undo:
	np->n_nlink--;
	(void)ext2fs_node_update(np);
out:
	ext2fs_trans_end(ump);
	return error;
}

/*
 * NP lost a name (the caller updated its link count): once no name is
 * left it goes on the orphan list until VOP_INACTIVE releases it.
 */
static int
ext2fs_unlinked(struct ext2fs_node *np)
{
	int error;

	ext2fs_touch(np, EXT2FS_CTIME);
	if (np->n_nlink == 0 && !np->n_orphan &&
	    (error = ext2fs_orphan_add(np)) != 0)
		klog(KLOG_WARN, "ext2fs: inode %llu: orphan list: "
		    "error %d", (unsigned long long)np->n_ino, error);
	return ext2fs_node_update(np);
}

int
ext2fs_vop_remove(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len)
{
	struct ext2fs_node *dp = VTOE(dvp), *np = VTOE(vp);
	struct ext2fs_mount *ump = dp->n_ump;
	int error;

	if (vp->v_type == VDIR)
		return EISDIR;
	if (ext2fs_frozen(np) || ext2fs_frozen(dp))
		return EPERM;
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_NS)) != 0)
		return error;
	if ((error = ext2fs_dir_remove(dp, name, len)) != 0)
		goto out;
	ext2fs_touch(dp, EXT2FS_MTIME | EXT2FS_CTIME);
	(void)ext2fs_node_update(dp);
	if (np->n_nlink > 0)
		np->n_nlink--;
	error = ext2fs_unlinked(np);
out:
	ext2fs_trans_end(ump);
	return error;
}

int
ext2fs_vop_rmdir(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len)
{
	struct ext2fs_node *dp = VTOE(dvp), *np = VTOE(vp);
	struct ext2fs_mount *ump = dp->n_ump;
	bool empty;
	int error;

	if (vp->v_type != VDIR)
		return ENOTDIR;
	if (np->n_ino == EXT2_ROOTINO)
		return EBUSY;
	if (ext2fs_frozen(np) || ext2fs_frozen(dp))
		return EPERM;
	if ((error = ext2fs_dir_isempty(np, &empty)) != 0)
		return error;
	if (!empty)
		return ENOTEMPTY;
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_NS)) != 0)
		return error;
	if ((error = ext2fs_dir_remove(dp, name, len)) != 0)
		goto out;
	ext2fs_dir_nlink_dec(dp);
	ext2fs_touch(dp, EXT2FS_MTIME | EXT2FS_CTIME);
	(void)ext2fs_node_update(dp);
	/* its name and its "." go; the contents go with the inode */
	np->n_nlink = 0;
	error = ext2fs_unlinked(np);
out:
	ext2fs_trans_end(ump);
	return error;
}
