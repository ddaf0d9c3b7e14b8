/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_vnops.c -- tmpfs vnode operations: name space (lookup, create,
 * mknod, mkdir, symlink, link, remove, rmdir), attributes, readdir,
 * readlink, and the vnode life cycle (inactive, reclaim); the table
 * tmpfs_vnodeops.  File data is in tmpfs_data.c, rename in
 * tmpfs_rename.c, extended attributes in tmpfs_xattr.c.
 *
 * The lock contract of each operation is stated in struct vnodeops
 * (kern/vnode.h); the node life cycle is described in tmpfs_vfsops.c.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/uio.h"
#include "kern/vnode.h"

#include "tmpfs_node.h"

static int
tmpfs_lookup(struct vnode *dvp, const char *name, size_t len,
    struct vnode **vpp)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(dvp->v_mount);
	struct tmpfs_node *dn = VP_TO_TMPFS(dvp), *tn;
	struct tmpfs_dirent *de;

	if (dn->tn_type != VDIR)
		return ENOTDIR;
	if (genfs_name_is_dot(name, len)) {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if (genfs_name_is_dotdot(name, len)) {
		if (dn == tm->tm_root) {
			vref(dvp);
			*vpp = dvp;
			return 0;
		}
		/* the parent names dn, so it cannot go away; NULL: removed */
		if ((tn = dn->tn_u.tn_dir.td_parent) == NULL)
			return ENOENT;
		return tmpfs_vget(dvp->v_mount, tn, vpp);
	}
	if ((de = tmpfs_dir_lookup(dn, name, len)) == NULL)
		return ENOENT;
	return tmpfs_vget(dvp->v_mount, de->de_node, vpp);
}

/*
 * Create NAME in DVP: a node of TYPE (with TARGET for a symlink), its
 * entry, link counts (a directory has 2 and adds one to its parent), and
 * its vnode.  On error nothing is left behind.
 */
static int
tmpfs_alloc_file(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, enum vtype type, const char *target,
    struct vnode **vpp)
{
	struct mount *mp = dvp->v_mount;
	struct tmpfs_mount *tm = VFS_TO_TMPFS(mp);
	struct tmpfs_node *dn = VP_TO_TMPFS(dvp), *tn;
	struct tmpfs_dirent *de;
	size_t tlen = 0;
	int error;

	if (dn->tn_type != VDIR)
		return ENOTDIR;
	if (dn->tn_nlink == 0)
		return ENOENT;		/* the directory was removed */
	if (type == VDIR && dn->tn_nlink >= mp->mnt_linkmax)
		return EMLINK;
	if ((error = tmpfs_node_alloc(tm, type, va->va_mode, va->va_uid,
	    va->va_gid, va->va_rdev, &tn)) != 0)
		return error;
	if (type == VLNK) {
		tlen = strlen(target);
		if ((error = tmpfs_mem_alloc(tm, tlen + 1, false,
		    (void **)&tn->tn_u.tn_lnk.tl_target)) != 0)
			goto out_node;
		memcpy(tn->tn_u.tn_lnk.tl_target, target, tlen + 1);
		tn->tn_u.tn_lnk.tl_len = tlen;
	}
	if ((error = tmpfs_dir_enter(tm, dn, name, len, tn)) != 0)
		goto out_node;
	tn->tn_nlink = 1;
	if (type == VDIR) {
		tn->tn_nlink = 2;
		tn->tn_u.tn_dir.td_parent = dn;
		dn->tn_nlink++;
	}
	if ((error = tmpfs_vget(mp, tn, vpp)) != 0)
		goto out_entry;
	tmpfs_update(dn, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	return 0;

out_entry:
	de = tmpfs_dir_lookup(dn, name, len);
	KASSERT(de != NULL && de->de_node == tn);
	tmpfs_dir_remove(tm, dn, de);
	if (type == VDIR)
		dn->tn_nlink--;
	tn->tn_nlink = 0;
out_node:
	tmpfs_node_free(tm, tn);
	return error;
}

static int
tmpfs_create(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, struct vnode **vpp)
{
	switch (va->va_type) {
	case VREG:
	case VCHR:
	case VBLK:
	case VFIFO:
	case VSOCK:
		return tmpfs_alloc_file(dvp, name, len, va, va->va_type, NULL,
		    vpp);
	default:
		return EINVAL;
	}
}

static int
tmpfs_mkdir(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, struct vnode **vpp)
{
	return tmpfs_alloc_file(dvp, name, len, va, VDIR, NULL, vpp);
}

static int
tmpfs_symlink(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, const char *target, struct vnode **vpp)
{
	return tmpfs_alloc_file(dvp, name, len, va, VLNK, target, vpp);
}

static int
tmpfs_link(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(dvp->v_mount);
	struct tmpfs_node *dn = VP_TO_TMPFS(dvp), *tn = VP_TO_TMPFS(vp);
	int error;

	if (tn->tn_type == VDIR)
		return EPERM;
	if (dn->tn_nlink == 0 || tn->tn_nlink == 0)
		return ENOENT;
	if (tn->tn_nlink >= dvp->v_mount->mnt_linkmax)
		return EMLINK;
	if ((error = tmpfs_dir_enter(tm, dn, name, len, tn)) != 0)
		return error;
	tn->tn_nlink++;
	tmpfs_update(tn, TMPFS_UPD_CTIME);
	tmpfs_update(dn, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	return 0;
}

/* The entry NAME of DN if it names TN; else NULL. */
static struct tmpfs_dirent *
tmpfs_dir_lookup_node(struct tmpfs_node *dn, const char *name, size_t len,
    struct tmpfs_node *tn)
{
	struct tmpfs_dirent *de;

	de = tmpfs_dir_lookup(dn, name, len);
	return de != NULL && de->de_node == tn ? de : NULL;
}

static int
tmpfs_remove(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(dvp->v_mount);
	struct tmpfs_node *dn = VP_TO_TMPFS(dvp), *tn = VP_TO_TMPFS(vp);
	struct tmpfs_dirent *de;

	if (tn->tn_type == VDIR)
		return EISDIR;
	if ((de = tmpfs_dir_lookup_node(dn, name, len, tn)) == NULL)
		return ENOENT;
	tmpfs_dir_remove(tm, dn, de);
	KASSERT(tn->tn_nlink > 0);
	tn->tn_nlink--;
	tmpfs_update(tn, TMPFS_UPD_CTIME);
	tmpfs_update(dn, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	return 0;
}

static int
tmpfs_rmdir(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(dvp->v_mount);
	struct tmpfs_node *dn = VP_TO_TMPFS(dvp), *tn = VP_TO_TMPFS(vp);
	struct tmpfs_dirent *de;

	if (tn->tn_type != VDIR)
		return ENOTDIR;
	if (tn == tm->tm_root)
		return EBUSY;
	if ((de = tmpfs_dir_lookup_node(dn, name, len, tn)) == NULL)
		return ENOENT;
	if (tn->tn_u.tn_dir.td_count != 0)
		return ENOTEMPTY;
	tmpfs_dir_remove(tm, dn, de);
	KASSERT(tn->tn_nlink == 2 && dn->tn_nlink > 2);
	tn->tn_nlink = 0;
	tn->tn_u.tn_dir.td_parent = NULL;
	dn->tn_nlink--;
	tmpfs_update(tn, TMPFS_UPD_CTIME);
	tmpfs_update(dn, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	return 0;
}

static int
tmpfs_getattr(struct vnode *vp, struct vattr *va)
{
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);

	memset(va, 0, sizeof(*va));
	va->va_mask = VA_ALL;
	va->va_type = tn->tn_type;
	va->va_mode = tn->tn_mode;
	va->va_nlink = tn->tn_nlink;
	va->va_uid = tn->tn_uid;
	va->va_gid = tn->tn_gid;
	va->va_fileid = tn->tn_ino;
	switch (tn->tn_type) {
	case VREG:
		va->va_size = tn->tn_size;
		va->va_bytes = tn->tn_u.tn_reg.tr_npages * TMPFS_PAGE_SIZE;
		break;
	case VDIR:
		va->va_size = tmpfs_dir_size(tn);
		break;
	case VLNK:
		va->va_size = tn->tn_u.tn_lnk.tl_len;
		break;
	default:
		break;
	}
	va->va_blocksize = TMPFS_PAGE_SIZE;
	mutex_enter(&tn->tn_timelock);
	va->va_atime = tn->tn_atime;
	mutex_exit(&tn->tn_timelock);
	va->va_mtime = tn->tn_mtime;
	va->va_ctime = tn->tn_ctime;
	va->va_birthtime = tn->tn_btime;
	va->va_rdev = tn->tn_rdev;
	va->va_flags = tn->tn_flags;
	va->va_gen = tn->tn_gen;
	return 0;
}

/*
 * Change the fields in va_mask.  The size goes first, as the only change
 * that can fail; ctime becomes "now" unless VA_CTIME sets it.
 */
static int
tmpfs_setattr(struct vnode *vp, const struct vattr *va)
{
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);
	uint32_t mask = va->va_mask;
	int error;

	if (mask & VA_SIZE) {
		if ((error = tmpfs_truncate(vp, va->va_size)) != 0)
			return error;
		tmpfs_update(tn, TMPFS_UPD_MTIME);
	}
	if (mask & VA_MODE)
		tn->tn_mode = va->va_mode & ALLPERMS;
	if (mask & VA_UID)
		tn->tn_uid = va->va_uid;
	if (mask & VA_GID)
		tn->tn_gid = va->va_gid;
	if (mask & VA_FLAGS)
		tn->tn_flags = va->va_flags;
	if (mask & VA_ATIME) {
		mutex_enter(&tn->tn_timelock);
		tn->tn_atime = va->va_atime;
		mutex_exit(&tn->tn_timelock);
	}
	if (mask & VA_MTIME)
		tn->tn_mtime = va->va_mtime;
	if (mask & VA_BTIME)
		tn->tn_btime = va->va_birthtime;
	if (mask & VA_CTIME)
		tn->tn_ctime = va->va_ctime;
	else
		tmpfs_update(tn, TMPFS_UPD_CTIME);
	return 0;
}

static int
tmpfs_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	struct tmpfs_node *dn = VP_TO_TMPFS(vp);
	int error;

	if (dn->tn_type != VDIR)
		return ENOTDIR;
	error = tmpfs_dir_readdir(VFS_TO_TMPFS(vp->v_mount), dn, cookie, fill,
	    arg);
	tmpfs_update_atime(vp->v_mount, dn);
	return error;
}

static int
tmpfs_readlink(struct vnode *vp, struct uio *uio)
{
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);

	if (tn->tn_type != VLNK)
		return EINVAL;
	uiomove(tn->tn_u.tn_lnk.tl_target, tn->tn_u.tn_lnk.tl_len, uio);
	tmpfs_update_atime(vp->v_mount, tn);
	return 0;
}

/* The last reference went: an unlinked file's contents go now. */
static int
tmpfs_inactive(struct vnode *vp, bool *recyclep)
{
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);

	*recyclep = false;
	if (tn->tn_nlink == 0) {
		tmpfs_node_freedata(VFS_TO_TMPFS(vp->v_mount), tn);
		*recyclep = true;
	}
	return 0;
}

/* Detach the node; free it if it has no links left. */
static int
tmpfs_reclaim(struct vnode *vp)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(vp->v_mount);
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);

	mutex_enter(&tm->tm_lock);
	KASSERT(tn->tn_vnode == vp);
	tn->tn_vnode = NULL;
	mutex_exit(&tm->tm_lock);
	vp->v_data = NULL;
	if (tn->tn_nlink == 0)
		tmpfs_node_free(tm, tn);
	return 0;
}

/* Lock contracts: see struct vnodeops in kern/vnode.h. */
const struct vnodeops tmpfs_vnodeops = {
	.vop_lookup = tmpfs_lookup,
	.vop_create = tmpfs_create,
	.vop_mknod = tmpfs_create,
	.vop_mkdir = tmpfs_mkdir,
	.vop_symlink = tmpfs_symlink,
	.vop_link = tmpfs_link,
	.vop_remove = tmpfs_remove,
	.vop_rmdir = tmpfs_rmdir,
	.vop_rename = tmpfs_rename,
	.vop_open = genfs_nullop_open,
	.vop_close = genfs_nullop_open,
	.vop_getattr = tmpfs_getattr,
	.vop_setattr = tmpfs_setattr,
	.vop_read = tmpfs_read,
	.vop_write = tmpfs_write,
	.vop_fsync = genfs_nullop_fsync,
	.vop_readdir = tmpfs_readdir,
	.vop_readlink = tmpfs_readlink,
	.vop_inactive = tmpfs_inactive,
	.vop_reclaim = tmpfs_reclaim,
	.vop_bmap = genfs_eopnotsupp_bmap,
	.vop_getxattr = tmpfs_getxattr,
	.vop_setxattr = tmpfs_setxattr,
	.vop_listxattr = tmpfs_listxattr,
	.vop_removexattr = tmpfs_removexattr,
	.vop_fallocate = tmpfs_fallocate,
	.vop_seek = tmpfs_seek,
};
