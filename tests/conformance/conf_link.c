/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_link.c -- conformance cases for names that point at inodes: hard
 * links (counts, EPERM on directories, EEXIST), unlinking open files,
 * symbolic links (readlink, relative and absolute targets, dangling
 * links, loops, the 40-link limit, long targets, O_NOFOLLOW, lstat vs
 * stat).  Exports conf_link_cases.
 */
#include <stdlib.h>

#include "conf.h"

static void
link_basic(struct conf_ctx *t)
{
	struct vattr f, va;

	PUTS("/c/f", "shared data");
	STAT("/c/f", &f);
	CHECK_OK(vfs_sys_link("/c/f", "/c/g"));
	MKDIR("/c/d");
	CHECK_OK(vfs_sys_link("/c/g", "/c/d/h"));
	STAT("/c/g", &va);
	CHECK_EQU(va.va_fileid, f.va_fileid);
	CHECK_EQ(va.va_nlink, 3);
	STAT("/c/d/h", &va);
	CHECK_EQU(va.va_fileid, f.va_fileid);
	/* A write through one name shows through the others. */
	PUTS("/c/d/h", "rewritten");
	EXPECTS("/c/f", "rewritten");
	/* Unlinking one keeps the data. */
	CHECK_OK(vfs_sys_unlink("/c/f"));
	STAT("/c/g", &va);
	CHECK_EQ(va.va_nlink, 2);
	EXPECTS("/c/g", "rewritten");
	CHECK_OK(vfs_sys_unlink("/c/g"));
	STAT("/c/d/h", &va);
	CHECK_EQ(va.va_nlink, 1);
	EXPECTS("/c/d/h", "rewritten");
	EXPECT_NAMES("/c", "d\0");
}

static void
link_errors(struct conf_ctx *t)
{
	struct vattr va;

	PUTS("/c/f", "x");
	PUTS("/c/g", "y");
	MKDIR("/c/d");
	CHECK_ERR(vfs_sys_link("/c/d", "/c/dlink"), EPERM);
	CHECK_ERR(vfs_sys_link("/c/f", "/c/g"), EEXIST);
	CHECK_ERR(vfs_sys_link("/c/f", "/c/d"), EEXIST);
	CHECK_ERR(vfs_sys_link("/c/missing", "/c/h"), ENOENT);
	CHECK_ERR(vfs_sys_link("/c/f", "/c/nodir/h"), ENOENT);
	CHECK_ERR(vfs_sys_link("/c/f", "/c/g/h"), ENOTDIR);
	STAT("/c/f", &va);
	CHECK_EQ(va.va_nlink, 1);
	EXPECTS("/c/g", "y");
	EXPECT_NAMES("/c", "f\0g\0d\0");
}

/* Many links to one file, then all but one removed. */
static void
link_many(struct conf_ctx *t)
{
	char name[64];
	struct vattr va;
	int i;

	PUTS("/c/f", "multi");
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "/c/l%d", i);
		CHECK_OK(vfs_sys_link("/c/f", name));
	}
	STAT("/c/f", &va);
	CHECK_EQ(va.va_nlink, 101);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "/c/l%d", i);
		CHECK_OK(vfs_sys_unlink(name));
	}
	STAT("/c/f", &va);
	CHECK_EQ(va.va_nlink, 1);
	EXPECT_NAMES("/c", "f\0");
}

/* An unlinked open file stays readable and writable through its fd. */
static void
unlink_open(struct conf_ctx *t)
{
	struct conf_dirlist dl;
	struct vattr va;
	int fd, fd2;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 21, 0, 100000);
	OPEN("/c/f", O_RDONLY, &fd2);
	CHECK_OK(vfs_sys_unlink("/c/f"));
	CHECK_ERR(vfs_sys_stat("/c/f", &va), ENOENT);
	LIST("/c", &dl);
	CHECK(conf_dl_find(&dl, "f") == NULL);
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_nlink, 0);
	CHECK_EQ(va.va_size, 100000);
	CHECK_PAT(fd, 21, 0, 100000);
	WRITE_PAT(fd, 22, 100000, 50000);
	CHECK_PAT(fd2, 22, 100000, 50000);
	CHECK_OK(vfs_sys_ftruncate(fd, 1000));
	CHECK_OK(vfs_sys_fstat(fd2, &va));
	CHECK_EQ(va.va_size, 1000);
	CLOSE(fd);
	CHECK_PAT(fd2, 21, 0, 1000);
	CLOSE(fd2);
	/* The name is free for a new file. */
	PUTS("/c/f", "new");
	EXPECTS("/c/f", "new");
}

/* Space of an unlinked open file comes back at the last close. */
static void
unlink_open_space(struct conf_ctx *t)
{
	struct vfs_statvfs base, sv;
	uint64_t need, tol;
	int fd;

	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &base));
	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 23, 0, 1 << 20);
	CHECK_OK(vfs_sys_fsync(fd));
	need = (1 << 20) / base.f_frsize;
	tol = need / 16 + 2;
	CHECK_OK(vfs_sys_unlink("/c/f"));
	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &sv));
	if (sv.f_bfree + need - tol > base.f_bfree)
		FAIL("unlinked open file: f_bfree %llu, expected <= %llu "
		    "(space still in use)", (unsigned long long)sv.f_bfree,
		    (unsigned long long)(base.f_bfree - need + tol));
	CHECK_PAT(fd, 23, 0, 1 << 20);
	CLOSE(fd);
	vfs_sys_sync();
	CHECK_OK(vfs_sys_statvfs("/c", &sv));
	if (sv.f_bfree + tol < base.f_bfree)
		FAIL("after the last close: f_bfree %llu, baseline %llu",
		    (unsigned long long)sv.f_bfree,
		    (unsigned long long)base.f_bfree);
	if (t->fs->cf_mkimage == NULL)	/* no metadata blocks to account */
		CHECK_EQU(sv.f_bfree, base.f_bfree);
}

static void
symlink_basic(struct conf_ctx *t)
{
	struct vattr l, f, va;
	char buf[64];
	size_t len;

	PUTS("/c/f", "target data");
	CHECK_OK(vfs_sys_symlink("f", "/c/l"));
	LSTAT("/c/l", &l);
	CHECK_EQ(l.va_type, VLNK);
	CHECK_EQ(l.va_size, 1);
	STAT("/c/l", &va);
	STAT("/c/f", &f);
	CHECK_EQ(va.va_type, VREG);
	CHECK_EQU(va.va_fileid, f.va_fileid);
	CHECK(l.va_fileid != f.va_fileid);
	CHECK_OK(vfs_sys_readlink("/c/l", buf, sizeof(buf), &len));
	CHECK_EQ(len, 1);
	CHECK_MEM(buf, "f", 1);
	EXPECTS("/c/l", "target data");
	CHECK_ERR(vfs_sys_symlink("other", "/c/l"), EEXIST);
	CHECK_ERR(vfs_sys_symlink("other", "/c/f"), EEXIST);
	CHECK_ERR(vfs_sys_symlink("", "/c/empty"), ENOENT);
	CHECK_ERR(vfs_sys_readlink("/c/f", buf, sizeof(buf), &len), EINVAL);
	CHECK_ERR(vfs_sys_readlink("/c", buf, sizeof(buf), &len), EINVAL);
	/* Writing through the link writes the target. */
	PUTS("/c/l", "via link");
	EXPECTS("/c/f", "via link");
	LSTAT("/c/l", &va);
	CHECK_EQ(va.va_type, VLNK);
	/* Unlinking the link leaves the target. */
	CHECK_OK(vfs_sys_unlink("/c/l"));
	EXPECTS("/c/f", "via link");
	EXPECT_NAMES("/c", "f\0");
}

static void
symlink_targets(struct conf_ctx *t)
{
	struct vattr d, va;

	MKDIR("/c/d");
	MKDIR("/c/e");
	PUTS("/c/d/f", "file in d");
	STAT("/c/d", &d);
	CHECK_OK(vfs_sys_symlink("../d/f", "/c/e/rel"));
	/*
	 * An absolute target is resolved from the root of the link's own
	 * mount (vfs_lookup.c): "/d/f" in the mount at "/c" is "/c/d/f".
	 */
	CHECK_OK(vfs_sys_symlink("/d/f", "/c/e/abs"));
	CHECK_OK(vfs_sys_symlink("/", "/c/e/root"));
	CHECK_OK(vfs_sys_symlink("d", "/c/dl"));
	CHECK_OK(vfs_sys_symlink(".", "/c/e/self"));
	EXPECTS("/c/e/rel", "file in d");
	EXPECTS("/c/e/abs", "file in d");
	EXPECTS("/c/e/root/d/f", "file in d");
	EXPECTS("/c/e/root/../d/f", "file in d");
	/* Through a symlink in the middle of a path. */
	EXPECTS("/c/dl/f", "file in d");
	EXPECTS("/c/e/self/self/self/rel", "file in d");
	STAT("/c/dl/", &va);
	CHECK_EQU(va.va_fileid, d.va_fileid);
	/* lstat with a trailing slash follows too. */
	LSTAT("/c/dl/", &va);
	CHECK_EQ(va.va_type, VDIR);
	LSTAT("/c/dl", &va);
	CHECK_EQ(va.va_type, VLNK);
	/* ".." after a symlink is the target's parent, not the link's. */
	CHECK_OK(vfs_sys_symlink("../d", "/c/e/up"));
	STAT("/c/e/up/..", &va);
	STAT("/c", &d);
	CHECK_EQU(va.va_fileid, d.va_fileid);
	PUTS("/c/dl/new", "created through link");
	EXPECTS("/c/d/new", "created through link");
}

static void
symlink_dangling(struct conf_ctx *t)
{
	struct vattr va;
	char buf[64];
	size_t len;
	int fd;

	CHECK_OK(vfs_sys_symlink("nothere", "/c/l"));
	CHECK_ERR(vfs_sys_stat("/c/l", &va), ENOENT);
	LSTAT("/c/l", &va);
	CHECK_EQ(va.va_type, VLNK);
	CHECK_OK(vfs_sys_readlink("/c/l", buf, sizeof(buf), &len));
	CHECK_EQ(len, 7);
	CHECK_ERR(vfs_sys_open("/c/l", O_RDONLY, 0, &fd), ENOENT);
	/* O_CREAT|O_EXCL on a dangling link: EEXIST, nothing made. */
	CHECK_ERR(vfs_sys_open("/c/l", O_WRONLY | O_CREAT | O_EXCL, 0644,
	    &fd), EEXIST);
	CHECK_ERR(vfs_sys_stat("/c/nothere", &va), ENOENT);
	/* O_CREAT through it creates the target. */
	CHECK_OK(vfs_sys_open("/c/l", O_WRONLY | O_CREAT, 0644, &fd));
	CHECK_OK(vfs_sys_write(fd, "made", 4, &len));
	CLOSE(fd);
	EXPECTS("/c/nothere", "made");
	/* Removing the target dangles it again. */
	CHECK_OK(vfs_sys_unlink("/c/nothere"));
	CHECK_ERR(vfs_sys_stat("/c/l", &va), ENOENT);
	/* mkdir on a dangling link's name: EEXIST. */
	CHECK_ERR(vfs_sys_mkdir("/c/l", 0755), EEXIST);
	/* rmdir of a link to a directory: ENOTDIR. */
	MKDIR("/c/d");
	CHECK_OK(vfs_sys_symlink("d", "/c/dl"));
	CHECK_ERR(vfs_sys_rmdir("/c/dl"), ENOTDIR);
	CHECK_OK(vfs_sys_unlink("/c/dl"));
	STAT("/c/d", &va);
}

static void
symlink_loops(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	CHECK_OK(vfs_sys_symlink("b", "/c/a"));
	CHECK_OK(vfs_sys_symlink("a", "/c/b"));
	CHECK_OK(vfs_sys_symlink("self", "/c/self"));
	CHECK_ERR(vfs_sys_stat("/c/a", &va), ELOOP);
	CHECK_ERR(vfs_sys_stat("/c/self", &va), ELOOP);
	CHECK_ERR(vfs_sys_stat("/c/a/x", &va), ELOOP);
	CHECK_ERR(vfs_sys_open("/c/a", O_RDONLY, 0, &fd), ELOOP);
	CHECK_ERR(vfs_sys_open("/c/a", O_WRONLY | O_CREAT, 0644, &fd), ELOOP);
	CHECK_ERR(vfs_sys_access("/c/self", F_OK), ELOOP);
	LSTAT("/c/a", &va);
	CHECK_EQ(va.va_type, VLNK);
	CHECK_OK(vfs_sys_unlink("/c/a"));
	CHECK_ERR(vfs_sys_stat("/c/b", &va), ENOENT);
}

/* A chain of 40 symlinks resolves; 41 is ELOOP (Linux's MAXSYMLINKS). */
static void
symlink_40_levels(struct conf_ctx *t)
{
	char name[64], target[64];
	struct vattr va;
	int i;

	PUTS("/c/end", "end of chain");
	CHECK_OK(vfs_sys_symlink("end", "/c/l1"));
	for (i = 2; i <= 41; i++) {
		snprintf(name, sizeof(name), "/c/l%d", i);
		snprintf(target, sizeof(target), "l%d", i - 1);
		CHECK_OK(vfs_sys_symlink(target, name));
	}
	EXPECTS("/c/l40", "end of chain");
	STAT("/c/l40", &va);
	CHECK_ERR(vfs_sys_stat("/c/l41", &va), ELOOP);
	LSTAT("/c/l41", &va);
	CHECK_EQ(va.va_type, VLNK);
	/* Links to directories count along a path too. */
	MKDIR("/c/d");
	CHECK_OK(vfs_sys_symlink("d", "/c/m1"));
	for (i = 2; i <= 41; i++) {
		snprintf(name, sizeof(name), "/c/m%d", i);
		snprintf(target, sizeof(target), "m%d", i - 1);
		CHECK_OK(vfs_sys_symlink(target, name));
	}
	PUTS("/c/d/f", "f");
	EXPECTS("/c/m40/f", "f");
	CHECK_ERR(vfs_sys_stat("/c/m41/f", &va), ELOOP);
}

static void
symlink_long_target(struct conf_ctx *t)
{
	char *target, *buf;
	struct vattr va;
	size_t len;
	int i;

	target = conf_alloc(t, 4097);
	buf = conf_alloc(t, 4097);
	for (i = 0; i < 4000; i++)
		target[i] = "abcdefghij/"[i % 11];
	target[4000] = '\0';
	CHECK_OK(vfs_sys_symlink(target, "/c/l"));
	LSTAT("/c/l", &va);
	CHECK_EQ(va.va_size, 4000);
	CHECK_OK(vfs_sys_readlink("/c/l", buf, 4097, &len));
	CHECK_EQ(len, 4000);
	CHECK_MEM(buf, target, 4000);
	/* The longest target Linux takes is 4095 bytes. */
	memset(target, 'x', 4095);
	target[4095] = '\0';
	CHECK_OK(vfs_sys_symlink(target, "/c/max"));
	CHECK_OK(vfs_sys_readlink("/c/max", buf, 4097, &len));
	CHECK_EQ(len, 4095);
	CHECK_MEM(buf, target, 4095);
	target[4095] = 'x';
	target[4096] = '\0';
	CHECK_ERR(vfs_sys_symlink(target, "/c/toolong"), ENAMETOOLONG);
	CHECK_ERR(vfs_sys_lstat("/c/toolong", &va), ENOENT);
	/* Short targets of every length up to 300 round-trip. */
	for (i = 1; i <= 300; i += 7) {
		char name[32];

		memset(target, 'a' + i % 26, (size_t)i);
		target[i] = '\0';
		snprintf(name, sizeof(name), "/c/s%d", i);
		CHECK_OK(vfs_sys_symlink(target, name));
		CHECK_OK(vfs_sys_readlink(name, buf, 4097, &len));
		CHECK_EQ(len, (size_t)i);
		CHECK_MEM(buf, target, (size_t)i);
	}
}

static void
symlink_nofollow(struct conf_ctx *t)
{
	int fd;

	PUTS("/c/f", "x");
	MKDIR("/c/d");
	PUTS("/c/d/g", "g");
	CHECK_OK(vfs_sys_symlink("f", "/c/l"));
	CHECK_OK(vfs_sys_symlink("d", "/c/dl"));
	CHECK_ERR(vfs_sys_open("/c/l", O_RDONLY | O_NOFOLLOW, 0, &fd), ELOOP);
	CHECK_ERR(vfs_sys_open("/c/l", O_WRONLY | O_CREAT | O_NOFOLLOW, 0644,
	    &fd), ELOOP);
	/* Linux checks O_DIRECTORY before the symlink. */
	CHECK_ERR(vfs_sys_open("/c/dl", O_RDONLY | O_NOFOLLOW | O_DIRECTORY,
	    0, &fd), ENOTDIR);
	/* Plain files and links before the last component are fine. */
	CHECK_OK(vfs_sys_open("/c/f", O_RDONLY | O_NOFOLLOW, 0, &fd));
	CLOSE(fd);
	CHECK_OK(vfs_sys_open("/c/dl/g", O_RDONLY | O_NOFOLLOW, 0, &fd));
	CLOSE(fd);
}

/* chown of a link with AT_SYMLINK_NOFOLLOW changes the link only. */
static void
symlink_lchown(struct conf_ctx *t)
{
	struct vattr va;

	PUTS("/c/f", "x");
	CHECK_OK(vfs_sys_symlink("f", "/c/l"));
	CHECK_OK(vfs_sys_chown("/c/l", 123, 456, AT_SYMLINK_NOFOLLOW));
	LSTAT("/c/l", &va);
	CHECK_EQ(va.va_uid, 123);
	CHECK_EQ(va.va_gid, 456);
	STAT("/c/f", &va);
	CHECK_EQ(va.va_uid, 0);
	CHECK_EQ(va.va_gid, 0);
	CHECK_OK(vfs_sys_chown("/c/l", 77, (uint32_t)-1, 0));
	STAT("/c/f", &va);
	CHECK_EQ(va.va_uid, 77);
	CHECK_EQ(va.va_gid, 0);
	LSTAT("/c/l", &va);
	CHECK_EQ(va.va_uid, 123);
}

/* Hard link to a symlink links the symlink itself (Linux's linkat(0)). */
static void
link_to_symlink(struct conf_ctx *t)
{
	struct vattr l, va;

	PUTS("/c/f", "x");
	CHECK_OK(vfs_sys_symlink("f", "/c/l"));
	LSTAT("/c/l", &l);
	CHECK_OK(vfs_sys_link("/c/l", "/c/l2"));
	LSTAT("/c/l2", &va);
	CHECK_EQ(va.va_type, VLNK);
	CHECK_EQU(va.va_fileid, l.va_fileid);
	CHECK_EQ(va.va_nlink, 2);
	STAT("/c/f", &va);
	CHECK_EQ(va.va_nlink, 1);
}

const struct conf_case conf_link_cases[] = {
	{ "link_basic", link_basic, CAP_WRITE | CAP_HARDLINK },
	{ "link_errors", link_errors, CAP_WRITE | CAP_HARDLINK },
	{ "link_many", link_many, CAP_WRITE | CAP_HARDLINK },
	{ "unlink_open", unlink_open, CAP_WRITE | CAP_UNLINK_OPEN },
	{ "unlink_open_space", unlink_open_space,
	    CAP_WRITE | CAP_UNLINK_OPEN | CAP_ENOSPC },
	{ "symlink_basic", symlink_basic, CAP_WRITE | CAP_SYMLINK },
	{ "symlink_targets", symlink_targets, CAP_WRITE | CAP_SYMLINK },
	{ "symlink_dangling", symlink_dangling, CAP_WRITE | CAP_SYMLINK },
	{ "symlink_loops", symlink_loops, CAP_WRITE | CAP_SYMLINK },
	{ "symlink_40_levels", symlink_40_levels, CAP_WRITE | CAP_SYMLINK },
	{ "symlink_long_target", symlink_long_target,
	    CAP_WRITE | CAP_SYMLINK },
	{ "symlink_nofollow", symlink_nofollow, CAP_WRITE | CAP_SYMLINK },
	{ "symlink_lchown", symlink_lchown,
	    CAP_WRITE | CAP_SYMLINK | CAP_PERMS },
	{ "link_to_symlink", link_to_symlink,
	    CAP_WRITE | CAP_SYMLINK | CAP_HARDLINK },
	{ NULL, NULL, 0 }
};
