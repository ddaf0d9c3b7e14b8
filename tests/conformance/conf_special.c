/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_special.c -- conformance cases for special files made by mknod:
 * fifos, character and block devices (rdev kept), sockets, regular files
 * through mknod, the type errors Linux gives, readdir types, and who may
 * make device nodes.  Exports conf_special_cases.
 */
#include "conf.h"

static void
mknod_fifo(struct conf_ctx *t)
{
	struct vattr va;

	CHECK_OK(vfs_sys_mknod("/c/fifo", S_IFIFO | 0640, 0));
	LSTAT("/c/fifo", &va);
	CHECK_EQ(va.va_type, VFIFO);
	CHECK_EQ(va.va_size, 0);
	CHECK_EQ(va.va_nlink, 1);
	if (t->fs->cf_caps & CAP_PERMS)
		CHECK_EQ(va.va_mode & 07777, 0640);
	CHECK_ERR(vfs_sys_mknod("/c/fifo", S_IFIFO | 0640, 0), EEXIST);
	CHECK_OK(vfs_sys_rename("/c/fifo", "/c/fifo2"));
	LSTAT("/c/fifo2", &va);
	CHECK_EQ(va.va_type, VFIFO);
	CHECK_OK(vfs_sys_unlink("/c/fifo2"));
	EXPECT_NAMES("/c", "");
}

static void
mknod_devices(struct conf_ctx *t)
{
	struct vattr va;

	CHECK_OK(vfs_sys_mknod("/c/null", S_IFCHR | 0666, makedev(1, 3)));
	CHECK_OK(vfs_sys_mknod("/c/sda1", S_IFBLK | 0660, makedev(8, 1)));
	CHECK_OK(vfs_sys_mknod("/c/big", S_IFCHR | 0600,
	    makedev(300, 70000)));
	LSTAT("/c/null", &va);
	CHECK_EQ(va.va_type, VCHR);
	CHECK_EQU(va.va_rdev, makedev(1, 3));
	if (t->fs->cf_caps & CAP_PERMS)
		CHECK_EQ(va.va_mode & 07777, 0666);
	LSTAT("/c/sda1", &va);
	CHECK_EQ(va.va_type, VBLK);
	CHECK_EQU(va.va_rdev, makedev(8, 1));
	LSTAT("/c/big", &va);
	CHECK_EQ(va.va_type, VCHR);
	CHECK_EQ(major(va.va_rdev), 300);
	CHECK_EQ(minor(va.va_rdev), 70000);
	/* Kept across a rename and a hard link. */
	CHECK_OK(vfs_sys_rename("/c/sda1", "/c/disk"));
	if (t->fs->cf_caps & CAP_HARDLINK)
		CHECK_OK(vfs_sys_link("/c/disk", "/c/disk2"));
	STAT("/c/disk", &va);
	CHECK_EQ(va.va_type, VBLK);
	CHECK_EQU(va.va_rdev, makedev(8, 1));
	if (t->fs->cf_caps & CAP_PERSIST) {
		CHECK_OK(conf_remount(t));
		STAT("/c/big", &va);
		CHECK_EQ(major(va.va_rdev), 300);
		CHECK_EQ(minor(va.va_rdev), 70000);
	}
}

static void
mknod_socket(struct conf_ctx *t)
{
	struct vattr va;

	CHECK_OK(vfs_sys_mknod("/c/sock", S_IFSOCK | 0755, 0));
	LSTAT("/c/sock", &va);
	CHECK_EQ(va.va_type, VSOCK);
	if (t->fs->cf_caps & CAP_PERMS)
		CHECK_EQ(va.va_mode & 07777, 0755);
}

/* mknod of regular files, and the types mknod refuses. */
static void
mknod_types(struct conf_ctx *t)
{
	struct vattr va;

	CHECK_OK(vfs_sys_mknod("/c/reg", S_IFREG | 0600, 0));
	LSTAT("/c/reg", &va);
	CHECK_EQ(va.va_type, VREG);
	CHECK_OK(vfs_sys_mknod("/c/reg0", 0600, 0));
	LSTAT("/c/reg0", &va);
	CHECK_EQ(va.va_type, VREG);
	PUTS("/c/reg0", "usable");
	EXPECTS("/c/reg0", "usable");
	CHECK_ERR(vfs_sys_mknod("/c/dir", S_IFDIR | 0755, 0), EPERM);
	CHECK_ERR(vfs_sys_mknod("/c/bad", S_IFMT | 0755, 0), EINVAL);
	CHECK_ERR(vfs_sys_mknod("/c/nodir/x", S_IFIFO | 0644, 0), ENOENT);
	EXPECT_NAMES("/c", "reg\0reg0\0");
}

/* readdir reports each type. */
static void
readdir_types(struct conf_ctx *t)
{
	struct conf_dirlist dl;
	const struct conf_dirent *e;

	MKDIR("/c/d");
	PUTS("/c/d/reg", "");
	MKDIR("/c/d/dir");
	CHECK_OK(vfs_sys_mknod("/c/d/fifo", S_IFIFO | 0644, 0));
	CHECK_OK(vfs_sys_mknod("/c/d/chr", S_IFCHR | 0644, makedev(1, 5)));
	CHECK_OK(vfs_sys_mknod("/c/d/blk", S_IFBLK | 0644, makedev(7, 0)));
	CHECK_OK(vfs_sys_mknod("/c/d/sock", S_IFSOCK | 0644, 0));
	if (t->fs->cf_caps & CAP_SYMLINK)
		CHECK_OK(vfs_sys_symlink("reg", "/c/d/lnk"));
	LIST("/c/d", &dl);
#define TYPE_IS(name, vt)						\
	do {								\
		CHECK((e = conf_dl_find(&dl, name)) != NULL);		\
		CHECK_EQ(e->type, vt);					\
	} while (0)
	TYPE_IS("reg", VREG);
	TYPE_IS("dir", VDIR);
	TYPE_IS("fifo", VFIFO);
	TYPE_IS("chr", VCHR);
	TYPE_IS("blk", VBLK);
	TYPE_IS("sock", VSOCK);
	if (t->fs->cf_caps & CAP_SYMLINK)
		TYPE_IS("lnk", VLNK);
#undef TYPE_IS
}

/* Users make fifos and sockets, not devices. */
static void
mknod_user(struct conf_ctx *t)
{
	struct vattr va;

	MKDIR("/c/pub");
	CHECK_OK(vfs_sys_chmod("/c/pub", 0777));
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_mknod("/c/pub/chr", S_IFCHR | 0644, makedev(1, 3)),
	    EPERM);
	CHECK_ERR(vfs_sys_mknod("/c/pub/blk", S_IFBLK | 0644, makedev(8, 0)),
	    EPERM);
	CHECK_OK(vfs_sys_mknod("/c/pub/fifo", S_IFIFO | 0644, 0));
	CHECK_OK(vfs_sys_mknod("/c/pub/sock", S_IFSOCK | 0644, 0));
	LSTAT("/c/pub/fifo", &va);
	CHECK_EQ(va.va_uid, UID_A);
	CHECK_EQ(va.va_gid, GID_A);
	AS_ROOT();
	EXPECT_NAMES("/c/pub", "fifo\0sock\0");
}

const struct conf_case conf_special_cases[] = {
	{ "mknod_fifo", mknod_fifo, CAP_WRITE | CAP_MKNOD },
	{ "mknod_devices", mknod_devices, CAP_WRITE | CAP_MKNOD },
	{ "mknod_socket", mknod_socket, CAP_WRITE | CAP_MKNOD },
	{ "mknod_types", mknod_types, CAP_WRITE | CAP_MKNOD },
	{ "readdir_types", readdir_types, CAP_WRITE | CAP_MKNOD },
	{ "mknod_user", mknod_user, CAP_WRITE | CAP_MKNOD | CAP_PERMS },
	{ NULL, NULL, 0 }
};
