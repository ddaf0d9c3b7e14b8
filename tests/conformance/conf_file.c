/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_file.c -- conformance cases for creating, opening and closing
 * files: O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, ENOENT,
 * ENOTDIR and EISDIR paths, trailing slashes, bad descriptors, truncate,
 * fsync.  Exports conf_file_cases.
 */
#include "conf.h"

static void
create_basic(struct conf_ctx *t)
{
	struct vattr va, va2;
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_WRONLY | O_CREAT, 0644, &fd));
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_type, VREG);
	CHECK_EQ(va.va_size, 0);
	CHECK_EQ(va.va_nlink, 1);
	if (t->fs->cf_caps & CAP_PERMS) {
		CHECK_EQ(va.va_mode & 07777, 0644);
		CHECK_EQ(va.va_uid, 0);
		CHECK_EQ(va.va_gid, 0);
	}
	CHECK_NE(va.va_fileid, 0);
	CHECK(va.va_blocksize > 0);
	CLOSE(fd);
	STAT("/c/f", &va2);
	CHECK_EQU(va2.va_fileid, va.va_fileid);
	CHECK_EQ(va2.va_type, VREG);
	/* A second file is another inode. */
	CHECK_OK(vfs_sys_open("/c/g", O_RDWR | O_CREAT, 0600, &fd));
	CLOSE(fd);
	STAT("/c/g", &va2);
	CHECK(va2.va_fileid != va.va_fileid);
	if (t->fs->cf_caps & CAP_PERMS)
		CHECK_EQ(va2.va_mode & 07777, 0600);
	EXPECT_NAMES("/c", "f\0g\0");
}

static void
create_excl(struct conf_ctx *t)
{
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_WRONLY | O_CREAT | O_EXCL, 0644, &fd));
	CHECK_OK(vfs_sys_write(fd, "abc", 3, &(size_t){ 0 }));
	CLOSE(fd);
	CHECK_ERR(vfs_sys_open("/c/f", O_WRONLY | O_CREAT | O_EXCL, 0644,
	    &fd), EEXIST);
	CHECK_ERR(vfs_sys_open("/c/f", O_RDONLY | O_CREAT | O_EXCL, 0644,
	    &fd), EEXIST);
	MKDIR("/c/d");
	CHECK_ERR(vfs_sys_open("/c/d", O_RDONLY | O_CREAT | O_EXCL, 0644,
	    &fd), EEXIST);
	/* Linux: O_EXCL is checked before the name turns out a directory. */
	CHECK_ERR(vfs_sys_open("/c/d/.", O_WRONLY | O_CREAT | O_EXCL, 0644,
	    &fd), EEXIST);
	CHECK_ERR(vfs_sys_open("/c/d/..", O_WRONLY | O_CREAT | O_EXCL, 0644,
	    &fd), EEXIST);
	CHECK_ERR(vfs_sys_open("/c/d/.", O_WRONLY | O_CREAT, 0644, &fd),
	    EISDIR);
	/* The failed opens changed nothing. */
	EXPECTS("/c/f", "abc");
}

/* O_CREAT without O_EXCL opens an existing file as it is. */
static void
create_existing(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	PUTS("/c/f", "keep me");
	CHECK_OK(vfs_sys_chmod("/c/f", 0640));
	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0777, &fd));
	CLOSE(fd);
	EXPECTS("/c/f", "keep me");
	STAT("/c/f", &va);
	if (t->fs->cf_caps & CAP_PERMS)
		CHECK_EQ(va.va_mode & 07777, 0640);
}

static void
open_enoent(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	CHECK_ERR(vfs_sys_open("/c/nope", O_RDONLY, 0, &fd), ENOENT);
	CHECK_ERR(vfs_sys_open("/c/nope/x", O_RDONLY, 0, &fd), ENOENT);
	CHECK_ERR(vfs_sys_stat("/c/nope", &va), ENOENT);
	CHECK_ERR(vfs_sys_lstat("/c/nope", &va), ENOENT);
	CHECK_ERR(vfs_sys_access("/c/nope", F_OK), ENOENT);
	CHECK_ERR(vfs_sys_stat("", &va), ENOENT);
	if (t->fs->cf_caps & CAP_WRITE) {
		CHECK_ERR(vfs_sys_open("/c/nodir/f", O_WRONLY | O_CREAT, 0644,
		    &fd), ENOENT);
		CHECK_ERR(vfs_sys_mkdir("/c/nodir/d", 0755), ENOENT);
		CHECK_ERR(vfs_sys_unlink("/c/nope"), ENOENT);
		CHECK_ERR(vfs_sys_rmdir("/c/nope"), ENOENT);
		CHECK_ERR(vfs_sys_chmod("/c/nope", 0644), ENOENT);
		CHECK_ERR(vfs_sys_truncate("/c/nope", 0), ENOENT);
	}
}

static void
open_trunc(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	PUTS("/c/f", "some data that goes away");
	CHECK_OK(vfs_sys_open("/c/f", O_WRONLY | O_TRUNC, 0, &fd));
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 0);
	CHECK_OK(vfs_sys_write(fd, "new", 3, &(size_t){ 0 }));
	CLOSE(fd);
	EXPECTS("/c/f", "new");
	/* O_CREAT|O_TRUNC on an existing file truncates too. */
	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT | O_TRUNC, 0644, &fd));
	CLOSE(fd);
	STAT("/c/f", &va);
	CHECK_EQ(va.va_size, 0);
}

static void
open_append(struct conf_ctx *t)
{
	uint64_t off;
	size_t done;
	int fd;

	PUTS("/c/f", "0123456789");
	CHECK_OK(vfs_sys_open("/c/f", O_WRONLY | O_APPEND, 0, &fd));
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_SET, &off));
	CHECK_OK(vfs_sys_write(fd, "ab", 2, &done));
	CHECK_EQ(done, 2);
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_CUR, &off));
	CHECK_EQ(off, 12);
	CHECK_OK(vfs_sys_lseek(fd, 3, SEEK_SET, &off));
	CHECK_OK(vfs_sys_write(fd, "cd", 2, &done));
	CLOSE(fd);
	EXPECTS("/c/f", "0123456789abcd");
}

static void
open_directory(struct conf_ctx *t)
{
	int fd;

	PUTS("/c/f", "x");
	MKDIR("/c/d");
	CHECK_ERR(vfs_sys_open("/c/f", O_RDONLY | O_DIRECTORY, 0, &fd),
	    ENOTDIR);
	CHECK_OK(vfs_sys_open("/c/d", O_RDONLY | O_DIRECTORY, 0, &fd));
	CLOSE(fd);
	CHECK_OK(vfs_sys_open("/c", O_RDONLY | O_DIRECTORY, 0, &fd));
	CLOSE(fd);
	/* A plain O_RDONLY open of a directory works too. */
	CHECK_OK(vfs_sys_open("/c/d", O_RDONLY, 0, &fd));
	CLOSE(fd);
}

/* A non-directory in the middle of a path. */
static void
enotdir_mid_path(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	PUTS("/c/f", "x");
	CHECK_ERR(vfs_sys_open("/c/f/x", O_RDONLY, 0, &fd), ENOTDIR);
	CHECK_ERR(vfs_sys_open("/c/f/x", O_WRONLY | O_CREAT, 0644, &fd),
	    ENOTDIR);
	CHECK_ERR(vfs_sys_stat("/c/f/x", &va), ENOTDIR);
	CHECK_ERR(vfs_sys_mkdir("/c/f/x", 0755), ENOTDIR);
	CHECK_ERR(vfs_sys_unlink("/c/f/x"), ENOTDIR);
	CHECK_ERR(vfs_sys_rename("/c/f/x", "/c/y"), ENOTDIR);
	CHECK_ERR(vfs_sys_stat("/c/f/..", &va), ENOTDIR);
	CHECK_ERR(vfs_sys_stat("/c/f/.", &va), ENOTDIR);
}

static void
trailing_slash_file(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	PUTS("/c/f", "x");
	MKDIR("/c/d");
	CHECK_ERR(vfs_sys_stat("/c/f/", &va), ENOTDIR);
	CHECK_ERR(vfs_sys_lstat("/c/f/", &va), ENOTDIR);
	CHECK_ERR(vfs_sys_open("/c/f/", O_RDONLY, 0, &fd), ENOTDIR);
	CHECK_ERR(vfs_sys_unlink("/c/f/"), ENOTDIR);
	/* Creating "name/" as a file is EISDIR, like Linux. */
	CHECK_ERR(vfs_sys_open("/c/new/", O_WRONLY | O_CREAT, 0644, &fd),
	    EISDIR);
	CHECK_ERR(vfs_sys_stat("/c/new", &va), ENOENT);
	/* Directories take trailing slashes. */
	STAT("/c/d/", &va);
	CHECK_EQ(va.va_type, VDIR);
	STAT("/c/d//", &va);
	CHECK_OK(vfs_sys_mkdir("/c/e/", 0755));
	STAT("/c/e", &va);
	CHECK_EQ(va.va_type, VDIR);
	CHECK_OK(vfs_sys_rmdir("/c/e/"));
	EXPECTS("/c/f", "x");
}

static void
eisdir_write(struct conf_ctx *t)
{
	size_t done;
	char buf[8];
	int fd;

	MKDIR("/c/d");
	CHECK_ERR(vfs_sys_open("/c/d", O_WRONLY, 0, &fd), EISDIR);
	CHECK_ERR(vfs_sys_open("/c/d", O_RDWR, 0, &fd), EISDIR);
	CHECK_ERR(vfs_sys_open("/c/d", O_WRONLY | O_CREAT, 0644, &fd), EISDIR);
	CHECK_ERR(vfs_sys_open("/c/d", O_RDONLY | O_TRUNC, 0, &fd), EISDIR);
	CHECK_ERR(vfs_sys_truncate("/c/d", 0), EISDIR);
	CHECK_OK(vfs_sys_open("/c/d", O_RDONLY, 0, &fd));
	CHECK_ERR(vfs_sys_read(fd, buf, sizeof(buf), &done), EISDIR);
	CHECK_ERR(vfs_sys_pread(fd, buf, sizeof(buf), 0, &done), EISDIR);
	CLOSE(fd);
}

/* Descriptors: EBADF for closed, bad and wrong-mode ones. */
static void
fd_ebadf(struct conf_ctx *t)
{
	struct vattr va;
	size_t done;
	char buf[4];
	int fd, rfd, wfd;

	PUTS("/c/f", "data");
	OPEN("/c/f", O_RDONLY, &fd);
	CLOSE(fd);
	CHECK_ERR(vfs_sys_close(fd), EBADF);
	CHECK_ERR(vfs_sys_read(fd, buf, 1, &done), EBADF);
	CHECK_ERR(vfs_sys_write(fd, "x", 1, &done), EBADF);
	CHECK_ERR(vfs_sys_fstat(fd, &va), EBADF);
	CHECK_ERR(vfs_sys_fsync(fd), EBADF);
	CHECK_ERR(vfs_sys_lseek(fd, 0, SEEK_SET, &(uint64_t){ 0 }), EBADF);
	CHECK_ERR(vfs_sys_close(-1), EBADF);
	CHECK_ERR(vfs_sys_fstat(-1, &va), EBADF);
	CHECK_ERR(vfs_sys_read(1 << 20, buf, 1, &done), EBADF);
	CHECK_ERR(vfs_sys_close(0x7fffffff), EBADF);

	OPEN("/c/f", O_RDONLY, &rfd);
	OPEN("/c/f", O_WRONLY, &wfd);
	CHECK(rfd != wfd);
	CHECK_ERR(vfs_sys_write(rfd, "x", 1, &done), EBADF);
	CHECK_ERR(vfs_sys_pwrite(rfd, "x", 1, 0, &done), EBADF);
	CHECK_ERR(vfs_sys_read(wfd, buf, 1, &done), EBADF);
	CHECK_ERR(vfs_sys_pread(wfd, buf, 1, 0, &done), EBADF);
	CLOSE(rfd);
	CLOSE(wfd);
	EXPECTS("/c/f", "data");
}

/* Many descriptors at once, each with its own offset. */
static void
fd_many(struct conf_ctx *t)
{
	enum { N = 200 };
	int fds[N], i;
	size_t done;
	char c;

	PUTS("/c/f", "0123456789");
	for (i = 0; i < N; i++)
		OPEN("/c/f", O_RDONLY, &fds[i]);
	for (i = 0; i < N; i++) {
		CHECK_OK(vfs_sys_lseek(fds[i], i % 10, SEEK_SET,
		    &(uint64_t){ 0 }));
	}
	for (i = 0; i < N; i++) {
		CHECK_OK(vfs_sys_read(fds[i], &c, 1, &done));
		CHECK_EQ(done, 1);
		CHECK_EQ(c, '0' + i % 10);
	}
	/* The lowest free number is reused first (POSIX). */
	CLOSE(fds[7]);
	CLOSE(fds[3]);
	OPEN("/c/f", O_RDONLY, &i);
	CHECK_EQ(i, fds[3]);
	OPEN("/c/f", O_RDONLY, &i);
	CHECK_EQ(i, fds[7]);
	for (i = 0; i < N; i++)
		CLOSE(fds[i]);
}

static void
truncate_up(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	PUTS("/c/f", "head");
	CHECK_OK(vfs_sys_truncate("/c/f", 10000));
	STAT("/c/f", &va);
	CHECK_EQ(va.va_size, 10000);
	OPEN("/c/f", O_RDWR, &fd);
	CHECK_ZERO(fd, 4, 10000 - 4);
	CHECK_OK(vfs_sys_ftruncate(fd, 70000));
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 70000);
	CHECK_ZERO(fd, 4, 70000 - 4);
	CLOSE(fd);
}

/* Cut down; re-extending must read zeros, not the old bytes. */
static void
truncate_down(struct conf_ctx *t)
{
	struct vattr va;
	size_t done;
	char c;
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 1, 0, 20000);
	CHECK_OK(vfs_sys_ftruncate(fd, 5000));
	CHECK_OK(vfs_sys_fstat(fd, &va));
	CHECK_EQ(va.va_size, 5000);
	CHECK_PAT(fd, 1, 0, 5000);
	CHECK_OK(vfs_sys_pread(fd, &c, 1, 5000, &done));
	CHECK_EQ(done, 0);
	/* Extend by truncate: the old bytes past 5000 must not come back. */
	CHECK_OK(vfs_sys_ftruncate(fd, 20000));
	CHECK_PAT(fd, 1, 0, 5000);
	CHECK_ZERO(fd, 5000, 15000);
	/* Cut again and extend by a write beyond the end. */
	CHECK_OK(vfs_sys_ftruncate(fd, 3333));
	CHECK_OK(vfs_sys_pwrite(fd, "z", 1, 19999, &done));
	CHECK_PAT(fd, 1, 0, 3333);
	CHECK_ZERO(fd, 3333, 19999 - 3333);
	/* To zero and back. */
	CHECK_OK(vfs_sys_ftruncate(fd, 0));
	CHECK_OK(vfs_sys_ftruncate(fd, 9000));
	CHECK_ZERO(fd, 0, 9000);
	CLOSE(fd);
	STAT("/c/f", &va);
	CHECK_EQ(va.va_size, 9000);
}

static void
ftruncate_rdonly(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	PUTS("/c/f", "0123456789");
	OPEN("/c/f", O_RDONLY, &fd);
	/* Linux: EINVAL for a descriptor not open for writing. */
	CHECK_ERR2(vfs_sys_ftruncate(fd, 2), EINVAL, EBADF);
	CLOSE(fd);
	MKDIR("/c/d");
	OPEN("/c/d", O_RDONLY, &fd);
	CHECK_ERR2(vfs_sys_ftruncate(fd, 0), EINVAL, EBADF);
	CLOSE(fd);
	STAT("/c/f", &va);
	CHECK_EQ(va.va_size, 10);
	CHECK_ERR(vfs_sys_ftruncate(-1, 0), EBADF);
}

static void
fsync_ok(struct conf_ctx *t)
{
	int fd;

	CHECK_OK(vfs_sys_open("/c/f", O_RDWR | O_CREAT, 0644, &fd));
	WRITE_PAT(fd, 2, 0, 100000);
	CHECK_OK(vfs_sys_fsync(fd));
	CHECK_OK(vfs_sys_fdatasync(fd));
	CLOSE(fd);
	OPEN("/c", O_RDONLY | O_DIRECTORY, &fd);
	CHECK_OK(vfs_sys_fsync(fd));
	CHECK_OK(vfs_sys_fdatasync(fd));
	CLOSE(fd);
	OPEN("/c/f", O_RDONLY, &fd);
	CHECK_OK(vfs_sys_fsync(fd));
	CHECK_PAT(fd, 2, 0, 100000);
	CLOSE(fd);
	vfs_sys_sync();
	CHECK_OK(vfs_sync(t->mp));
}

static void
stat_root(struct conf_ctx *t)
{
	struct vattr va, va2;

	STAT("/c", &va);
	CHECK_EQ(va.va_type, VDIR);
	CHECK(va.va_nlink >= 2);
	CHECK_NE(va.va_fileid, 0);
	STAT("/c/", &va2);
	CHECK_EQU(va2.va_fileid, va.va_fileid);
	STAT("/c/.", &va2);
	CHECK_EQU(va2.va_fileid, va.va_fileid);
	/* ".." at the root of a mount stays there. */
	STAT("/c/..", &va2);
	CHECK_EQU(va2.va_fileid, va.va_fileid);
	STAT("/c/../..", &va2);
	CHECK_EQU(va2.va_fileid, va.va_fileid);
	LSTAT("/c", &va2);
	CHECK_EQU(va2.va_fileid, va.va_fileid);
	CHECK_OK(vfs_sys_access("/c", F_OK));
	CHECK_OK(vfs_sys_access("/c", R_OK | X_OK));
}

const struct conf_case conf_file_cases[] = {
	{ "create_basic", create_basic, CAP_WRITE },
	{ "create_excl", create_excl, CAP_WRITE },
	{ "create_existing", create_existing, CAP_WRITE },
	{ "open_enoent", open_enoent, 0 },
	{ "open_trunc", open_trunc, CAP_WRITE },
	{ "open_append", open_append, CAP_WRITE },
	{ "open_directory", open_directory, CAP_WRITE },
	{ "enotdir_mid_path", enotdir_mid_path, CAP_WRITE },
	{ "trailing_slash_file", trailing_slash_file, CAP_WRITE },
	{ "eisdir_write", eisdir_write, CAP_WRITE },
	{ "fd_ebadf", fd_ebadf, CAP_WRITE },
	{ "fd_many", fd_many, CAP_WRITE },
	{ "truncate_up", truncate_up, CAP_WRITE },
	{ "truncate_down", truncate_down, CAP_WRITE },
	{ "ftruncate_rdonly", ftruncate_rdonly, CAP_WRITE },
	{ "fsync_ok", fsync_ok, CAP_WRITE },
	{ "stat_root", stat_root, 0 },
	{ NULL, NULL, 0 }
};
