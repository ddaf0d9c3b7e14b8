/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_rename.c -- conformance cases for rename and renameat2: files and
 * directories, replacing targets, "..", link counts, the errors Linux
 * gives (ENOTEMPTY, ENOTDIR, EISDIR, EINVAL, EEXIST, ENOENT), no-op
 * renames, RENAME_NOREPLACE and RENAME_EXCHANGE.  Exports
 * conf_rename_cases.
 */
#include "conf.h"

static void
rename_file(struct conf_ctx *t)
{
	struct vattr before, va;

	PUTS("/c/a", "content of a");
	STAT("/c/a", &before);
	CHECK_OK(vfs_sys_rename("/c/a", "/c/b"));
	CHECK_ERR(vfs_sys_stat("/c/a", &va), ENOENT);
	STAT("/c/b", &va);
	CHECK_EQU(va.va_fileid, before.va_fileid);
	CHECK_EQ(va.va_nlink, 1);
	EXPECTS("/c/b", "content of a");
	EXPECT_NAMES("/c", "b\0");
	CHECK_ERR(vfs_sys_rename("/c/a", "/c/c"), ENOENT);
	CHECK_ERR(vfs_sys_rename("/c/b", "/c/nodir/c"), ENOENT);
	CHECK_ERR(vfs_sys_rename("/c/b/", "/c/c"), ENOTDIR);
	CHECK_ERR(vfs_sys_rename("/c/b", "/c/c/"), ENOTDIR);
	EXPECTS("/c/b", "content of a");
}

/* Over an existing file: the old target's data is gone, the source kept. */
static void
rename_over_file(struct conf_ctx *t)
{
	struct vattr src, dst, va;

	PUTS("/c/src", "new data");
	PUTS("/c/dst", "old data that is longer");
	STAT("/c/src", &src);
	STAT("/c/dst", &dst);
	CHECK_OK(vfs_sys_rename("/c/src", "/c/dst"));
	STAT("/c/dst", &va);
	CHECK_EQU(va.va_fileid, src.va_fileid);
	CHECK_EQ(va.va_nlink, 1);
	CHECK_EQ(va.va_size, 8);
	EXPECTS("/c/dst", "new data");
	CHECK_ERR(vfs_sys_stat("/c/src", &va), ENOENT);
	EXPECT_NAMES("/c", "dst\0");
}

/* The replaced target, open, still reads its own data. */
static void
rename_over_open_file(struct conf_ctx *t)
{
	struct vattr va;
	char buf[16];
	size_t done;
	int fd;

	PUTS("/c/src", "new");
	PUTS("/c/dst", "old");
	OPEN("/c/dst", O_RDONLY, &fd);
	CHECK_OK(vfs_sys_rename("/c/src", "/c/dst"));
	CHECK_OK(vfs_sys_pread(fd, buf, sizeof(buf), 0, &done));
	CHECK_EQ(done, 3);
	CHECK_MEM(buf, "old", 3);
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_nlink, 0);
	CLOSE(fd);
	EXPECTS("/c/dst", "new");
}

static void
rename_across_dirs(struct conf_ctx *t)
{
	struct vattr before, va;

	MKDIR("/c/d1");
	MKDIR("/c/d2");
	PUTS("/c/d1/f", "moving");
	STAT("/c/d1/f", &before);
	CHECK_OK(vfs_sys_rename("/c/d1/f", "/c/d2/g"));
	STAT("/c/d2/g", &va);
	CHECK_EQU(va.va_fileid, before.va_fileid);
	EXPECTS("/c/d2/g", "moving");
	EXPECT_NAMES("/c/d1", "");
	EXPECT_NAMES("/c/d2", "g\0");
	/* And over an existing file in the other directory. */
	PUTS("/c/d1/h", "replacement");
	CHECK_OK(vfs_sys_rename("/c/d1/h", "/c/d2/g"));
	EXPECTS("/c/d2/g", "replacement");
	EXPECT_NAMES("/c/d1", "");
}

/* Moving a directory updates its ".." and both parents' link counts. */
static void
rename_dir_dotdot(struct conf_ctx *t)
{
	struct vattr d1, d2, sub, va;

	MKDIR("/c/d1");
	MKDIR("/c/d2");
	MKDIR("/c/d1/sub");
	PUTS("/c/d1/sub/f", "inside");
	STAT("/c/d1", &d1);
	STAT("/c/d2", &d2);
	STAT("/c/d1/sub", &sub);
	CHECK_OK(vfs_sys_rename("/c/d1/sub", "/c/d2/moved"));
	STAT("/c/d2/moved/..", &va);
	CHECK_EQU(va.va_fileid, d2.va_fileid);
	STAT("/c/d2/moved", &va);
	CHECK_EQU(va.va_fileid, sub.va_fileid);
	EXPECTS("/c/d2/moved/f", "inside");
	EXPECTS("/c/d2/moved/../moved/f", "inside");
	if (t->fs->cf_caps & CAP_DIRNLINK) {
		STAT("/c/d1", &va);
		CHECK_EQ(va.va_nlink, d1.va_nlink - 1);
		STAT("/c/d2", &va);
		CHECK_EQ(va.va_nlink, d2.va_nlink + 1);
		STAT("/c/d2/moved", &va);
		CHECK_EQ(va.va_nlink, 2);
	}
	/* Rename within the same parent keeps counts. */
	CHECK_OK(vfs_sys_rename("/c/d2/moved", "/c/d2/again"));
	STAT("/c/d2/again/..", &va);
	CHECK_EQU(va.va_fileid, d2.va_fileid);
	if (t->fs->cf_caps & CAP_DIRNLINK) {
		STAT("/c/d2", &va);
		CHECK_EQ(va.va_nlink, d2.va_nlink + 1);
	}
}

static void
rename_dir_over_empty_dir(struct conf_ctx *t)
{
	struct vattr src, root, va;

	MKDIR("/c/a");
	MKDIR("/c/b");
	PUTS("/c/a/f", "in a");
	STAT("/c/a", &src);
	STAT("/c", &root);
	CHECK_OK(vfs_sys_rename("/c/a", "/c/b"));
	STAT("/c/b", &va);
	CHECK_EQU(va.va_fileid, src.va_fileid);
	EXPECTS("/c/b/f", "in a");
	CHECK_ERR(vfs_sys_stat("/c/a", &va), ENOENT);
	if (t->fs->cf_caps & CAP_DIRNLINK) {
		STAT("/c", &va);
		CHECK_EQ(va.va_nlink, root.va_nlink - 1);
	}
	EXPECT_NAMES("/c", "b\0");
}

static void
rename_dir_errors(struct conf_ctx *t)
{
	struct vattr va;

	MKDIR("/c/a");
	MKDIR("/c/full");
	PUTS("/c/full/x", "x");
	PUTS("/c/file", "f");
	/* Directory over a non-empty directory. */
	CHECK_ERR(vfs_sys_rename("/c/a", "/c/full"), ENOTEMPTY);
	/* Directory over a file; file over a directory. */
	CHECK_ERR(vfs_sys_rename("/c/a", "/c/file"), ENOTDIR);
	CHECK_ERR(vfs_sys_rename("/c/file", "/c/a"), EISDIR);
	/* Into its own descendant. */
	MKDIR("/c/a/b");
	MKDIR("/c/a/b/c");
	CHECK_ERR(vfs_sys_rename("/c/a", "/c/a/b/c/a"), EINVAL);
	CHECK_ERR(vfs_sys_rename("/c/a", "/c/a/x"), EINVAL);
	CHECK_ERR(vfs_sys_rename("/c/a/b", "/c/a/b/c/d"), EINVAL);
	/* Over its own ancestor: not empty. */
	CHECK_ERR(vfs_sys_rename("/c/a/b/c", "/c/a"), ENOTEMPTY);
	/* "." and ".." cannot be renamed or be targets. */
	CHECK_ERR2(vfs_sys_rename("/c/a/.", "/c/z"), EBUSY, EINVAL);
	CHECK_ERR2(vfs_sys_rename("/c/a/b/..", "/c/z"), EBUSY, EINVAL);
	CHECK_ERR2(vfs_sys_rename("/c/file", "/c/a/."), EBUSY, EISDIR);
	/* Nothing moved. */
	STAT("/c/a/b/c", &va);
	EXPECTS("/c/full/x", "x");
	EXPECTS("/c/file", "f");
	EXPECT_NAMES("/c", "a\0full\0file\0");
}

/* Renaming a name to itself, or between two links of one inode. */
static void
rename_noop(struct conf_ctx *t)
{
	struct vattr va;

	PUTS("/c/f", "same");
	MKDIR("/c/d");
	CHECK_OK(vfs_sys_rename("/c/f", "/c/f"));
	CHECK_OK(vfs_sys_rename("/c/d", "/c/d"));
	CHECK_OK(vfs_sys_rename("/c/d/", "/c/d"));
	EXPECTS("/c/f", "same");
	STAT("/c/d", &va);
	CHECK_EQ(va.va_type, VDIR);
	EXPECT_NAMES("/c", "f\0d\0");
}

static void
rename_hardlinks_noop(struct conf_ctx *t)
{
	struct vattr va;

	PUTS("/c/f", "linked");
	CHECK_OK(vfs_sys_link("/c/f", "/c/g"));
	CHECK_OK(vfs_sys_rename("/c/f", "/c/g"));
	/* POSIX: nothing happens, both names remain. */
	STAT("/c/f", &va);
	CHECK_EQ(va.va_nlink, 2);
	STAT("/c/g", &va);
	CHECK_EQ(va.va_nlink, 2);
	EXPECT_NAMES("/c", "f\0g\0");
}

static void
rename_noreplace(struct conf_ctx *t)
{
	PUTS("/c/a", "A");
	PUTS("/c/b", "B");
	MKDIR("/c/d");
	CHECK_ERR(vfs_sys_renameat2("/c/a", "/c/b", RENAME_NOREPLACE), EEXIST);
	CHECK_ERR(vfs_sys_renameat2("/c/a", "/c/d", RENAME_NOREPLACE), EEXIST);
	CHECK_ERR(vfs_sys_renameat2("/c/d", "/c/a", RENAME_NOREPLACE), EEXIST);
	EXPECTS("/c/a", "A");
	EXPECTS("/c/b", "B");
	CHECK_OK(vfs_sys_renameat2("/c/a", "/c/c", RENAME_NOREPLACE));
	EXPECTS("/c/c", "A");
	CHECK_OK(vfs_sys_renameat2("/c/d", "/c/e", RENAME_NOREPLACE));
	EXPECT_NAMES("/c", "b\0c\0e\0");
	/* Flags that make no sense together, and unknown flags. */
	CHECK_ERR(vfs_sys_renameat2("/c/b", "/c/c",
	    RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL);
	CHECK_ERR(vfs_sys_renameat2("/c/b", "/c/x", 0x100), EINVAL);
	EXPECTS("/c/b", "B");
}

static void
rename_exchange_files(struct conf_ctx *t)
{
	struct vattr a, b, va;

	PUTS("/c/a", "AAAA");
	MKDIR("/c/d");
	PUTS("/c/d/b", "BB");
	STAT("/c/a", &a);
	STAT("/c/d/b", &b);
	CHECK_OK(vfs_sys_renameat2("/c/a", "/c/d/b", RENAME_EXCHANGE));
	EXPECTS("/c/a", "BB");
	EXPECTS("/c/d/b", "AAAA");
	STAT("/c/a", &va);
	CHECK_EQU(va.va_fileid, b.va_fileid);
	STAT("/c/d/b", &va);
	CHECK_EQU(va.va_fileid, a.va_fileid);
	CHECK_ERR(vfs_sys_renameat2("/c/a", "/c/missing", RENAME_EXCHANGE),
	    ENOENT);
	CHECK_ERR(vfs_sys_renameat2("/c/missing", "/c/a", RENAME_EXCHANGE),
	    ENOENT);
	/* Exchanging a name with itself. */
	CHECK_OK(vfs_sys_renameat2("/c/a", "/c/a", RENAME_EXCHANGE));
	EXPECTS("/c/a", "BB");
	EXPECT_NAMES("/c", "a\0d\0");
}

/* A file in one directory with a directory in another: ".." and nlink. */
static void
rename_exchange_file_dir(struct conf_ctx *t)
{
	struct vattr p1, p2, va;

	MKDIR("/c/p1");
	MKDIR("/c/p2");
	PUTS("/c/p1/f", "file");
	MKDIR("/c/p2/dir");
	PUTS("/c/p2/dir/inner", "inner");
	STAT("/c/p1", &p1);
	STAT("/c/p2", &p2);
	CHECK_OK(vfs_sys_renameat2("/c/p1/f", "/c/p2/dir", RENAME_EXCHANGE));
	STAT("/c/p1/f", &va);
	CHECK_EQ(va.va_type, VDIR);
	EXPECTS("/c/p1/f/inner", "inner");
	STAT("/c/p1/f/..", &va);
	CHECK_EQU(va.va_fileid, p1.va_fileid);
	STAT("/c/p2/dir", &va);
	CHECK_EQ(va.va_type, VREG);
	EXPECTS("/c/p2/dir", "file");
	if (t->fs->cf_caps & CAP_DIRNLINK) {
		STAT("/c/p1", &va);
		CHECK_EQ(va.va_nlink, p1.va_nlink + 1);
		STAT("/c/p2", &va);
		CHECK_EQ(va.va_nlink, p2.va_nlink - 1);
	}
	/* Exchange two directories in the same parent. */
	MKDIR("/c/p1/g");
	CHECK_OK(vfs_sys_renameat2("/c/p1/f", "/c/p1/g", RENAME_EXCHANGE));
	EXPECTS("/c/p1/g/inner", "inner");
	EXPECT_NAMES("/c/p1/f", "");
	/* A directory with its own descendant: EINVAL. */
	MKDIR("/c/p1/g/sub");
	CHECK_ERR(vfs_sys_renameat2("/c/p1/g", "/c/p1/g/sub",
	    RENAME_EXCHANGE), EINVAL);
}

/* Link counts after a series of directory moves. */
static void
rename_nlink_moves(struct conf_ctx *t)
{
	struct vattr va;
	char from[64], to[64];
	int i;

	MKDIR("/c/a");
	MKDIR("/c/b");
	for (i = 0; i < 6; i++) {
		snprintf(from, sizeof(from), "/c/a/d%d", i);
		MKDIR(from);
	}
	for (i = 0; i < 6; i += 2) {
		snprintf(from, sizeof(from), "/c/a/d%d", i);
		snprintf(to, sizeof(to), "/c/b/d%d", i);
		CHECK_OK(vfs_sys_rename(from, to));
	}
	/* Directory over an empty directory across parents. */
	CHECK_OK(vfs_sys_rename("/c/a/d1", "/c/b/d0"));
	STAT("/c/a", &va);
	CHECK_EQ(va.va_nlink, 2 + 2);
	STAT("/c/b", &va);
	CHECK_EQ(va.va_nlink, 2 + 3);
	/* Nest b inside a. */
	CHECK_OK(vfs_sys_rename("/c/b", "/c/a/b"));
	STAT("/c/a", &va);
	CHECK_EQ(va.va_nlink, 2 + 3);
	STAT("/c/a/b/d0/..", &va);
	STAT("/c/a/b", &va);
	CHECK_EQ(va.va_nlink, 2 + 3);
	EXPECT_NAMES("/c/a", "d3\0d5\0b\0");
	EXPECT_NAMES("/c/a/b", "d0\0d2\0d4\0");
}

const struct conf_case conf_rename_cases[] = {
	{ "rename_file", rename_file, CAP_WRITE },
	{ "rename_over_file", rename_over_file, CAP_WRITE },
	{ "rename_over_open_file", rename_over_open_file,
	    CAP_WRITE | CAP_UNLINK_OPEN },
	{ "rename_across_dirs", rename_across_dirs, CAP_WRITE },
	{ "rename_dir_dotdot", rename_dir_dotdot, CAP_WRITE },
	{ "rename_dir_over_empty_dir", rename_dir_over_empty_dir, CAP_WRITE },
	{ "rename_dir_errors", rename_dir_errors, CAP_WRITE },
	{ "rename_noop", rename_noop, CAP_WRITE },
	{ "rename_hardlinks_noop", rename_hardlinks_noop,
	    CAP_WRITE | CAP_HARDLINK },
	{ "rename_noreplace", rename_noreplace, CAP_WRITE },
	{ "rename_exchange_files", rename_exchange_files,
	    CAP_WRITE | CAP_RENAME_EXCHANGE },
	{ "rename_exchange_file_dir", rename_exchange_file_dir,
	    CAP_WRITE | CAP_RENAME_EXCHANGE },
	{ "rename_nlink_moves", rename_nlink_moves, CAP_WRITE | CAP_DIRNLINK },
	{ NULL, NULL, 0 }
};
