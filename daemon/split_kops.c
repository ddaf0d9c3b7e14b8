/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_kops.c -- the kernel-call table for one-process modes
 * (sandbox=none and sandbox=basic): every slot is the in-process
 * vfs_pub_* function.  See split_kops.h.
 *
 * Exports: rf_kops_local, rf_k.
 */
#include "split_kops.h"

const struct rf_kops rf_kops_local = {
	.setcred	= vfs_pub_setcred,
	.setcred_root	= vfs_pub_setcred_root,
	.vref		= vfs_pub_vref,
	.vrele		= vfs_pub_vrele,
	.lookup		= vfs_pub_lookup,
	.getattr	= vfs_pub_getattr,
	.setattr	= vfs_pub_setattr,
	.access		= vfs_pub_access,
	.create		= vfs_pub_create,
	.mknod		= vfs_pub_mknod,
	.mkdir		= vfs_pub_mkdir,
	.symlink	= vfs_pub_symlink,
	.link		= vfs_pub_link,
	.unlink		= vfs_pub_unlink,
	.rmdir		= vfs_pub_rmdir,
	.rename		= vfs_pub_rename,
	.open		= vfs_pub_open,
	.open_created	= vfs_pub_open_created,
	.close		= vfs_pub_close,
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
