/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_kops.c -- the kernel-call table for one-process modes
 * (sandbox=none and sandbox=basic): the in-process vfs_pub_* functions,
 * and the few calls composed of several of them (rf_kl_*), which the
 * sandboxed child of split mode runs as well.  See split_kops.h.
 *
 * Exports: rf_kops_local, rf_k, rf_kl_lookup, rf_kl_lookupv,
 * rf_kl_create, rf_kl_mknod, rf_kl_mkdir, rf_kl_symlink, rf_kl_link,
 * rf_kl_open, rf_kl_close.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "split_kops.h"

/*
 * The attributes of the new reference *VPP into VA (if asked for) after
 * a call that returned ERROR; if they cannot be had, the reference is
 * dropped and that error returned.
 */
static int
kl_attr(int error, struct vnode **vpp, struct vattr *va)
{

	if (error != 0 || va == NULL)
		return error;
	memset(va, 0, sizeof(*va));
	if ((error = vfs_pub_getattr(*vpp, va)) != 0) {
		vfs_pub_vrele(*vpp);
		*vpp = NULL;
	}
	return error;
}

/* Mark VA (of VP, opened) RF_VA_NOXATTR if VP has no attribute. */
static void
kl_noxattr(struct vnode *vp, struct vattr *va)
{
	size_t len = 0;
	int error;

	if (va == NULL || va->va_type != VREG)
		return;
	error = vfs_pub_listxattr(vp, NULL, 0, &len);
	if ((error == 0 && len == 0) || error == EOPNOTSUPP)
		va->va_mask |= RF_VA_NOXATTR;
}

int
rf_kl_lookup(struct vnode *dvp, const char *name, struct vnode **vpp,
    struct vattr *va)
{

	return kl_attr(vfs_pub_lookup(dvp, name, vpp), vpp, va);
}

int
rf_kl_lookupv(struct vnode *dvp, size_t n, const char *const *names,
    struct vnode **vps, struct vattr *vas, int *errors)
{
	size_t i;

	for (i = 0; i < n; i++) {
		vps[i] = NULL;
		errors[i] = rf_kl_lookup(dvp, names[i], &vps[i],
		    vas != NULL ? &vas[i] : NULL);
	}
	return 0;
}

int
rf_kl_create(struct vnode *dvp, const char *name, uint32_t mode, int oflags,
    struct vnode **vpp, struct vattr *va)
{
	int error;

	if ((error = vfs_pub_create(dvp, name, mode, vpp)) != 0)
		return error;
	if (oflags >= 0 && (error = vfs_pub_open_created(*vpp, oflags)) != 0) {
		vfs_pub_vrele(*vpp);
		*vpp = NULL;
		return error;
	}
	if (va != NULL) {
		memset(va, 0, sizeof(*va));
		if ((error = vfs_pub_getattr(*vpp, va)) != 0) {
			if (oflags >= 0)
				(void)vfs_pub_close(*vpp, oflags);
			vfs_pub_vrele(*vpp);
			*vpp = NULL;
			return error;
		}
	}
	if (oflags >= 0) {
		kl_noxattr(*vpp, va);
		vfs_pub_vref(*vpp);	/* the open file's */
	}
	return 0;
}

int
rf_kl_mknod(struct vnode *dvp, const char *name, uint32_t mode,
    uint64_t rdev, struct vnode **vpp, struct vattr *va)
{

	return kl_attr(vfs_pub_mknod(dvp, name, mode, rdev, vpp), vpp, va);
}

int
rf_kl_mkdir(struct vnode *dvp, const char *name, uint32_t mode,
    struct vnode **vpp, struct vattr *va)
{

	return kl_attr(vfs_pub_mkdir(dvp, name, mode, vpp), vpp, va);
}

int
rf_kl_symlink(struct vnode *dvp, const char *name, const char *target,
    struct vnode **vpp, struct vattr *va)
{

	return kl_attr(vfs_pub_symlink(dvp, name, target, vpp), vpp, va);
}

int
rf_kl_link(struct vnode *vp, struct vnode *dvp, const char *name,
    struct vattr *va)
{
	int error;

	if ((error = vfs_pub_link(vp, dvp, name)) != 0 || va == NULL)
		return error;
	memset(va, 0, sizeof(*va));
	return vfs_pub_getattr(vp, va);
}

int
rf_kl_setattr(struct vnode *vp, struct vattr *va, struct vattr *attrs)
{
	int error;

	if ((error = vfs_pub_setattr(vp, va)) != 0 || attrs == NULL)
		return error;
	memset(attrs, 0, sizeof(*attrs));
	return vfs_pub_getattr(vp, attrs);
}

int
rf_kl_open(struct vnode *vp, int oflags, struct vattr *va,
    struct rf_kmap *map)
{
	int error;

	if (map != NULL) {
		map->km_fd = -1;
		map->km_run = 0;
	}
	if ((error = vfs_pub_open(vp, oflags)) != 0)
		return error;
	if (va != NULL) {
		memset(va, 0, sizeof(*va));
		if ((error = vfs_pub_getattr(vp, va)) != 0) {
			(void)vfs_pub_close(vp, oflags);
			return error;
		}
		/* Only writes make Linux ask for security.capability. */
		if ((oflags & O_ACCMODE) != O_RDONLY)
			kl_noxattr(vp, va);
	}
	if (map != NULL && vfs_pub_bmap(vp, 0, &map->km_fd, &map->km_devoff,
	    &map->km_run) != 0)
		map->km_run = 0;
	vfs_pub_vref(vp);		/* the open file's */
	return 0;
}

int
rf_kl_close(struct vnode *vp, int oflags)
{
	int error;

	error = vfs_pub_close(vp, oflags);
	vfs_pub_vrele(vp);		/* the open file's */
	return error;
}

const struct rf_kops rf_kops_local = {
	.setcred	= vfs_pub_setcred,
	.setcred_root	= vfs_pub_setcred_root,
	.vref		= vfs_pub_vref,
	.vrele		= vfs_pub_vrele,
	.lookup		= rf_kl_lookup,
	.lookupv	= rf_kl_lookupv,
	.getattr	= vfs_pub_getattr,
	.setattr	= rf_kl_setattr,
	.access		= vfs_pub_access,
	.create		= rf_kl_create,
	.mknod		= rf_kl_mknod,
	.mkdir		= rf_kl_mkdir,
	.symlink	= rf_kl_symlink,
	.link		= rf_kl_link,
	.unlink		= vfs_pub_unlink,
	.rmdir		= vfs_pub_rmdir,
	.rename		= vfs_pub_rename,
	.open		= rf_kl_open,
	.close		= rf_kl_close,
	.read		= vfs_pub_read,
	.write		= vfs_pub_write,
	.fsync		= vfs_pub_fsync,
	.fallocate	= vfs_pub_fallocate,
	.seek		= vfs_pub_seek,
	.readdir	= vfs_pub_readdir,
	.readlink	= vfs_pub_readlink,
	.statvfs	= vfs_pub_statvfs,
	.getxattr	= vfs_pub_getxattr,
	.setxattr	= vfs_pub_setxattr,
	.listxattr	= vfs_pub_listxattr,
	.removexattr	= vfs_pub_removexattr,
	.bmap		= vfs_pub_bmap,
};

const struct rf_kops *rf_k = &rf_kops_local;
