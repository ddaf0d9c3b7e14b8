/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_rofs.c -- conformance cases for read-only mounts: every modifying
 * call gets EROFS (on the root, on absent names the way Linux checks the
 * mount before the name, and, where the image holds the seed tree, on
 * existing files, directories and links), while reading works.  Exports
 * conf_rofs_cases.
 */
#include "conf.h"

static void
erofs_root(struct conf_ctx *t)
{
	struct vfs_timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	struct vfs_statvfs sv;
	struct vattr va;
	int fd;

	CHECK_ERR(vfs_sys_mkdir("/c/new", 0755), EROFS);
	CHECK_ERR(vfs_sys_open("/c/new", O_WRONLY | O_CREAT, 0644, &fd),
	    EROFS);
	CHECK_ERR(vfs_sys_open("/c/new", O_RDONLY | O_CREAT, 0644, &fd),
	    EROFS);
	CHECK_ERR(vfs_sys_mknod("/c/fifo", S_IFIFO | 0644, 0), EROFS);
	CHECK_ERR(vfs_sys_symlink("x", "/c/l"), EROFS);
	CHECK_ERR(vfs_sys_chmod("/c", 0700), EROFS);
	CHECK_ERR(vfs_sys_chown("/c", 1, 1, 0), EROFS);
	CHECK_ERR(vfs_sys_utimens("/c", ts, 0), EROFS);
	CHECK_ERR(vfs_sys_utimens("/c", NULL, 0), EROFS);
	CHECK_ERR(vfs_sys_setxattr("/c", "user.x", "v", 1, 0, 0), EROFS);
	CHECK_ERR(vfs_sys_removexattr("/c", "user.x", 0), EROFS);
	CHECK_ERR(vfs_sys_access("/c", W_OK), EROFS);
	CHECK_OK(vfs_sys_access("/c", R_OK | X_OK));
	/* Through a descriptor too. */
	OPEN("/c", O_RDONLY | O_DIRECTORY, &fd);
	CHECK_ERR(vfs_sys_fchmod(fd, 0700), EROFS);
	CHECK_ERR(vfs_sys_fchown(fd, 1, 1), EROFS);
	CHECK_ERR(vfs_sys_futimens(fd, ts), EROFS);
	CHECK_OK(vfs_sys_fsync(fd));
	CLOSE(fd);
	/* Reading works; nothing changed. */
	CHECK_OK(vfs_sys_statvfs("/c", &sv));
	CHECK(sv.f_flag & VFS_ST_RDONLY);
	STAT("/c", &va);
	CHECK(va.va_mtime.tv_sec != 1);
	CHECK_ERR(vfs_sys_stat("/c/new", &va), ENOENT);
	CHECK(vfs_mount_rdonly(t->mp));
}

/* Linux checks the mount before looking the name up: EROFS, not ENOENT. */
static void
erofs_absent_names(struct conf_ctx *t)
{
	CHECK_ERR(vfs_sys_unlink("/c/nope"), EROFS);
	CHECK_ERR(vfs_sys_rmdir("/c/nope"), EROFS);
	CHECK_ERR(vfs_sys_rename("/c/nope", "/c/other"), EROFS);
	/* An existing name still wins for mkdir. */
	CHECK_ERR(vfs_sys_mkdir("/c/.", 0755), EEXIST);
}

/* On the seed tree: existing files, directories and links. */
static void
erofs_seeded(struct conf_ctx *t)
{
	struct vfs_timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	char buf[64];
	size_t len;
	int fd;

	EXPECTS("/c/file", SEED_FILE_DATA);
	EXPECTS("/c/dir/sub", "sub\n");
	CHECK_ERR(vfs_sys_open("/c/file", O_WRONLY, 0, &fd), EROFS);
	CHECK_ERR(vfs_sys_open("/c/file", O_RDWR, 0, &fd), EROFS);
	CHECK_ERR(vfs_sys_open("/c/file", O_RDONLY | O_TRUNC, 0, &fd), EROFS);
	CHECK_ERR(vfs_sys_open("/c/file", O_WRONLY | O_APPEND, 0, &fd), EROFS);
	CHECK_ERR(vfs_sys_unlink("/c/file"), EROFS);
	CHECK_ERR(vfs_sys_rename("/c/file", "/c/moved"), EROFS);
	CHECK_ERR(vfs_sys_rename("/c/file", "/c/dir/sub"), EROFS);
	CHECK_ERR(vfs_sys_renameat2("/c/file", "/c/dir", RENAME_EXCHANGE),
	    EROFS);
	CHECK_ERR(vfs_sys_link("/c/file", "/c/hard"), EROFS);
	CHECK_ERR(vfs_sys_truncate("/c/file", 0), EROFS);
	CHECK_ERR(vfs_sys_chmod("/c/file", 0600), EROFS);
	CHECK_ERR(vfs_sys_chown("/c/file", 1, 1, 0), EROFS);
	CHECK_ERR(vfs_sys_utimens("/c/file", ts, 0), EROFS);
	CHECK_ERR(vfs_sys_setxattr("/c/file", "user.x", "v", 1, 0, 0), EROFS);
	CHECK_ERR(vfs_sys_rmdir("/c/dir"), EROFS);
	CHECK_ERR(vfs_sys_unlink("/c/dir/sub"), EROFS);
	CHECK_ERR(vfs_sys_mkdir("/c/dir", 0755), EEXIST);
	CHECK_ERR(vfs_sys_mkdir("/c/dir/new", 0755), EROFS);
	CHECK_ERR(vfs_sys_unlink("/c/link"), EROFS);
	CHECK_ERR(vfs_sys_chown("/c/link", 1, 1, AT_SYMLINK_NOFOLLOW), EROFS);
	CHECK_OK(vfs_sys_readlink("/c/link", buf, sizeof(buf), &len));
	CHECK_EQ(len, 4);
	CHECK_MEM(buf, "file", 4);
	EXPECTS("/c/link", SEED_FILE_DATA);
	/* O_CREAT on an existing file, read-only: fine. */
	CHECK_OK(vfs_sys_open("/c/file", O_RDONLY | O_CREAT, 0644, &fd));
	CHECK_ERR(vfs_sys_write(fd, "x", 1, &len), EBADF);
	CHECK_ERR2(vfs_sys_ftruncate(fd, 0), EINVAL, EBADF);
	CHECK_OK(vfs_sys_read(fd, buf, sizeof(buf), &len));
	CHECK_EQ(len, strlen(SEED_FILE_DATA));
	CLOSE(fd);
	EXPECT_NAMES("/c/dir", "sub\0");
}

const struct conf_case conf_rofs_cases[] = {
	{ "erofs_root", erofs_root, CAP_RDONLY },
	{ "erofs_absent_names", erofs_absent_names, CAP_RDONLY },
	{ "erofs_seeded", erofs_seeded, CAP_RDONLY | CAP_SEED },
	{ NULL, NULL, 0 }
};
