/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_mount.c -- conformance cases for mounts: bad options and types,
 * unmount while busy, a second mount beside the first (EXDEV between
 * them), the mount queries, and data surviving a remount on image-based
 * filesystems.  Exports conf_mount_cases.
 */
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"

static void
mount_bad_option(struct conf_ctx *t)
{
	char errbuf[256], opts[256], *image = NULL;
	struct mount *mp = NULL;
	int error;

	if (t->fs->cf_mkimage != NULL &&
	    (image = t->fs->cf_mkimage(t->fs)) == NULL)
		FAIL("cannot make an image");
	snprintf(opts, sizeof(opts), "%s%sbogus_opt_xyz=1", t->fs->cf_options,
	    *t->fs->cf_options ? "," : "");
	errbuf[0] = '\0';
	error = vfs_mount(t->fs->cf_fstype, image ? image : "none", "/c2",
	    opts, &mp, errbuf, sizeof(errbuf));
	if (error == 0)
		vfs_unmount(mp, VFS_UMOUNT_FORCE);
	if (image != NULL) {
		unlink(image);
		free(image);
	}
	CHECK_ERR(error, EINVAL);
	if (strstr(errbuf, "bogus_opt_xyz") == NULL)
		FAIL("errbuf should name the option: got \"%s\"", errbuf);
	CHECK_ERR(vfs_mount_lookup("/c2", &mp), ENOENT);
}

static void
mount_bad_type(struct conf_ctx *t)
{
	struct mount *mp = NULL;
	char errbuf[256];

	errbuf[0] = '\0';
	CHECK_ERR(vfs_mount("no_such_fs_type", "none", "/c2", "", &mp, errbuf,
	    sizeof(errbuf)), ENODEV);
	CHECK(errbuf[0] != '\0');
	CHECK_ERR(vfs_mount_lookup("/c2", &mp), ENOENT);
}

static void
mount_queries(struct conf_ctx *t)
{
	struct mount *mp;

	CHECK_OK(vfs_mount_lookup("/c", &mp));
	CHECK(mp == t->mp);
	CHECK_EQ(vfs_mount_rdonly(mp), !!(t->fs->cf_caps & CAP_RDONLY));
	CHECK(vfs_mount_fstype(mp) != NULL);
	CHECK_ERR(vfs_mount_lookup("/nowhere", &mp), ENOENT);
	CHECK_OK(vfs_sync(t->mp));
	CHECK_OK(vfs_sync(NULL));
}

/* Unmount with a descriptor open is EBUSY and harmless. */
static void
unmount_busy(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	OPEN("/c", O_RDONLY | O_DIRECTORY, &fd);
	CHECK_ERR(vfs_unmount(t->mp, 0), EBUSY);
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_type, VDIR);
	STAT("/c/.", &va);
	CLOSE(fd);
	if (t->fs->cf_caps & CAP_WRITE) {
		PUTS("/c/f", "x");
		OPEN("/c/f", O_RDONLY, &fd);
		CHECK_ERR(vfs_unmount(t->mp, 0), EBUSY);
		CLOSE(fd);
		EXPECTS("/c/f", "x");
	}
}

/* A second instance: separate name spaces; EXDEV across. */
static void
two_mounts(struct conf_ctx *t)
{
	struct mount *mp = NULL;
	char *image = NULL;
	struct vattr va;
	int error, e1, e2, e3;

	error = conf_mount_extra(t, "/c2", t->fs->cf_options, &mp, &image);
	if (error != 0)
		FAIL("mount /c2: expected 0 got %s", conf_errname(error));
	/* No early returns while /c2 is mounted. */
	error = conf_put(t, CONF_LOC, "/c/f", "one", 3) ? 0 : EIO;
	if (error == 0)
		error = conf_put(t, CONF_LOC, "/c2/g", "two", 3) ? 0 : EIO;
	e1 = vfs_sys_stat("/c2/f", &va);
	e2 = vfs_sys_rename("/c/f", "/c2/f");
	e3 = (t->fs->cf_caps & CAP_HARDLINK) ?
	    vfs_sys_link("/c/f", "/c2/h") : EXDEV;
	if (error == 0)
		error = vfs_sys_unlink("/c2/g");
	conf_unmount_extra(t, mp, image);
	CHECK_OK(error);
	CHECK_ERR(e1, ENOENT);
	CHECK_ERR(e2, EXDEV);
	CHECK_ERR(e3, EXDEV);
	EXPECTS("/c/f", "one");
	CHECK_ERR(vfs_sys_stat("/c2/g", &va), ENOENT);
}

/* Image-based filesystems keep everything across an unmount. */
static void
remount_persist(struct conf_ctx *t)
{
	struct vattr va, before;
	int fd;

	MKDIR("/c/d");
	PUTS("/c/d/f", "persistent");
	CHECK_OK(vfs_sys_open("/c/big", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 51, 0, 3 * 1024 * 1024 + 11);
	CLOSE(fd);
	STAT("/c/d/f", &before);
	if (t->fs->cf_caps & CAP_SYMLINK)
		CHECK_OK(vfs_sys_symlink("d/f", "/c/l"));
	CHECK_OK(conf_remount(t));
	EXPECTS("/c/d/f", "persistent");
	STAT("/c/d/f", &va);
	CHECK_EQU(va.va_fileid, before.va_fileid);
	CHECK_EQ(va.va_mode, before.va_mode);
	CHECK_EQ(va.va_mtime.tv_sec, before.va_mtime.tv_sec);
	OPEN("/c/big", O_RDONLY, &fd);
	CHECK_PAT(fd, 51, 0, 3 * 1024 * 1024 + 11);
	CLOSE(fd);
	if (t->fs->cf_caps & CAP_SYMLINK)
		EXPECTS("/c/l", "persistent");
}

const struct conf_case conf_mount_cases[] = {
	{ "mount_bad_option", mount_bad_option, 0 },
	{ "mount_bad_type", mount_bad_type, 0 },
	{ "mount_queries", mount_queries, 0 },
	{ "unmount_busy", unmount_busy, 0 },
	{ "two_mounts", two_mounts, CAP_WRITE },
	{ "remount_persist", remount_persist, CAP_WRITE | CAP_PERSIST },
	{ NULL, NULL, 0 }
};
