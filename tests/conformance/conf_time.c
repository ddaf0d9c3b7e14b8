/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_time.c -- conformance cases for timestamps: creation sets all
 * three, writes move mtime/ctime and leave atime, explicit utimens with
 * nanoseconds, UTIME_NOW/UTIME_OMIT, attribute changes move ctime only,
 * directory mtimes on entry changes, truncate, reads and atime, the
 * noatime mount option.  Exports conf_time_cases.
 */
#include "conf.h"

/* 2001-02-03 04:05:06.123456789 UTC */
#define OLD_SEC		981173106
#define OLD_NSEC	123456789

/* Set PATH's atime and mtime to the old time. */
#define SET_OLD(path)							\
	do {								\
		struct vfs_timespec o_[2] = {				\
			{ OLD_SEC, OLD_NSEC }, { OLD_SEC, OLD_NSEC } };	\
		CHECK_OK(vfs_sys_utimens(path, o_, AT_SYMLINK_NOFOLLOW)); \
	} while (0)

/* TS equals the old time (to the second on coarse filesystems). */
#define IS_OLD(what, ts)						\
	do {								\
		CHECK_EQ((ts).tv_sec, OLD_SEC);				\
		if (t->fs->cf_caps & CAP_TIMES_NS)			\
			CHECK_EQ((ts).tv_nsec, OLD_NSEC);		\
	} while (0)

static void
time_create(struct conf_ctx *t)
{
	struct vfs_timespec lo, hi;
	struct vattr va;

	MKDIR("/c/d");
	SET_OLD("/c/d");
	conf_tick(t);
	conf_now(&lo);
	PUTS("/c/d/f", "");
	conf_now(&hi);
	STAT("/c/d/f", &va);
	TS_BETWEEN("atime", &va.va_atime, &lo, &hi);
	TS_BETWEEN("mtime", &va.va_mtime, &lo, &hi);
	TS_BETWEEN("ctime", &va.va_ctime, &lo, &hi);
	STAT("/c/d", &va);
	TS_BETWEEN("parent mtime", &va.va_mtime, &lo, &hi);
	TS_BETWEEN("parent ctime", &va.va_ctime, &lo, &hi);
	/* mkdir too. */
	conf_now(&lo);
	MKDIR("/c/d/sub");
	conf_now(&hi);
	STAT("/c/d/sub", &va);
	TS_BETWEEN("dir atime", &va.va_atime, &lo, &hi);
	TS_BETWEEN("dir mtime", &va.va_mtime, &lo, &hi);
	TS_BETWEEN("dir ctime", &va.va_ctime, &lo, &hi);
}

static void
time_write(struct conf_ctx *t)
{
	struct vfs_timespec lo, hi;
	struct vattr va;
	size_t done;
	int fd;

	PUTS("/c/f", "0123");
	SET_OLD("/c/f");
	conf_tick(t);
	OPEN("/c/f", O_WRONLY, &fd);
	conf_now(&lo);
	CHECK_OK(vfs_sys_write(fd, "ab", 2, &done));
	conf_now(&hi);
	CHECK_OK(vfs_sys_fstat(fd, &va));
	TS_BETWEEN("mtime after write", &va.va_mtime, &lo, &hi);
	TS_BETWEEN("ctime after write", &va.va_ctime, &lo, &hi);
	IS_OLD("atime after write", va.va_atime);
	CHECK(conf_ts_diff(&va.va_ctime, &va.va_mtime) >= 0);
	/* pwrite as well. */
	conf_tick(t);
	conf_now(&lo);
	CHECK_OK(vfs_sys_pwrite(fd, "z", 1, 100, &done));
	conf_now(&hi);
	CLOSE(fd);
	STAT("/c/f", &va);
	TS_BETWEEN("mtime after pwrite", &va.va_mtime, &lo, &hi);
	IS_OLD("atime after pwrite", va.va_atime);
}

static void
time_utimens_ns(struct conf_ctx *t)
{
	struct vfs_timespec ts[2] = {
		{ 1234567890, 123456789 }, { 987654321, 987654321 } };
	struct vfs_timespec lo, hi;
	struct vattr va;

	PUTS("/c/f", "x");
	conf_tick(t);
	conf_now(&lo);
	CHECK_OK(vfs_sys_utimens("/c/f", ts, 0));
	conf_now(&hi);
	STAT("/c/f", &va);
	CHECK_EQ(va.va_atime.tv_sec, 1234567890);
	CHECK_EQ(va.va_atime.tv_nsec, 123456789);
	CHECK_EQ(va.va_mtime.tv_sec, 987654321);
	CHECK_EQ(va.va_mtime.tv_nsec, 987654321);
	TS_BETWEEN("ctime after utimens", &va.va_ctime, &lo, &hi);
	/* Past 2038, and zero nanoseconds. */
	ts[0].tv_sec = 4102444800LL;	/* 2100-01-01 */
	ts[0].tv_nsec = 1;
	ts[1].tv_sec = 0;
	ts[1].tv_nsec = 0;
	CHECK_OK(vfs_sys_utimens("/c/f", ts, 0));
	STAT("/c/f", &va);
	CHECK_EQ(va.va_atime.tv_sec, 4102444800LL);
	CHECK_EQ(va.va_atime.tv_nsec, 1);
	CHECK_EQ(va.va_mtime.tv_sec, 0);
	CHECK_EQ(va.va_mtime.tv_nsec, 0);
	/* On a directory and through a descriptor. */
	MKDIR("/c/d");
	ts[0].tv_sec = 1000000001;
	ts[0].tv_nsec = 999999999;
	CHECK_OK(vfs_sys_utimens("/c/d", ts, 0));
	STAT("/c/d", &va);
	CHECK_EQ(va.va_atime.tv_sec, 1000000001);
	CHECK_EQ(va.va_atime.tv_nsec, 999999999);
	{
		int fd;

		OPEN("/c/f", O_RDONLY, &fd);
		ts[1].tv_sec = 1500000000;
		ts[1].tv_nsec = 5;
		CHECK_OK(vfs_sys_futimens(fd, ts));
		CHECK_OK(vfs_sys_fstat(fd, &va));
		CLOSE(fd);
	}
	CHECK_EQ(va.va_mtime.tv_sec, 1500000000);
	CHECK_EQ(va.va_mtime.tv_nsec, 5);
	/* Out-of-range nanoseconds. */
	ts[0].tv_nsec = 1000000000;
	CHECK_ERR(vfs_sys_utimens("/c/f", ts, 0), EINVAL);
	ts[0].tv_nsec = -1;
	CHECK_ERR(vfs_sys_utimens("/c/f", ts, 0), EINVAL);
}

static void
time_utime_now_omit(struct conf_ctx *t)
{
	struct vfs_timespec ts[2], lo, hi;
	struct vattr va;

	PUTS("/c/f", "x");
	SET_OLD("/c/f");
	/* Only mtime to now. */
	ts[0].tv_sec = 5;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = 5;
	ts[1].tv_nsec = UTIME_NOW;
	conf_now(&lo);
	CHECK_OK(vfs_sys_utimens("/c/f", ts, 0));
	conf_now(&hi);
	STAT("/c/f", &va);
	IS_OLD("atime (omitted)", va.va_atime);
	TS_BETWEEN("mtime (now)", &va.va_mtime, &lo, &hi);
	/* Only atime to now. */
	SET_OLD("/c/f");
	ts[0].tv_nsec = UTIME_NOW;
	ts[1].tv_nsec = UTIME_OMIT;
	conf_now(&lo);
	CHECK_OK(vfs_sys_utimens("/c/f", ts, 0));
	conf_now(&hi);
	STAT("/c/f", &va);
	TS_BETWEEN("atime (now)", &va.va_atime, &lo, &hi);
	IS_OLD("mtime (omitted)", va.va_mtime);
	/* An explicit time beside an omitted one. */
	ts[0].tv_sec = 1111111111;
	ts[0].tv_nsec = 0;
	ts[1].tv_nsec = UTIME_OMIT;
	CHECK_OK(vfs_sys_utimens("/c/f", ts, 0));
	STAT("/c/f", &va);
	CHECK_EQ(va.va_atime.tv_sec, 1111111111);
	IS_OLD("mtime (omitted)", va.va_mtime);
	/* NULL: both now. */
	SET_OLD("/c/f");
	conf_now(&lo);
	CHECK_OK(vfs_sys_utimens("/c/f", NULL, 0));
	conf_now(&hi);
	STAT("/c/f", &va);
	TS_BETWEEN("atime (NULL)", &va.va_atime, &lo, &hi);
	TS_BETWEEN("mtime (NULL)", &va.va_mtime, &lo, &hi);
}

/* AT_SYMLINK_NOFOLLOW sets the link's times, not the target's. */
static void
time_symlink_nofollow(struct conf_ctx *t)
{
	struct vfs_timespec ts[2] = {
		{ 1200000000, 1 }, { 1200000000, 2 } };
	struct vattr va;

	PUTS("/c/f", "x");
	CHECK_OK(vfs_sys_symlink("f", "/c/l"));
	SET_OLD("/c/f");
	CHECK_OK(vfs_sys_utimens("/c/l", ts, AT_SYMLINK_NOFOLLOW));
	LSTAT("/c/l", &va);
	CHECK_EQ(va.va_mtime.tv_sec, 1200000000);
	STAT("/c/f", &va);
	IS_OLD("target mtime", va.va_mtime);
	CHECK_OK(vfs_sys_utimens("/c/l", ts, 0));
	STAT("/c/f", &va);
	CHECK_EQ(va.va_mtime.tv_sec, 1200000000);
}

/* chmod, chown and link move ctime only. */
static void
time_ctime_only(struct conf_ctx *t)
{
	struct vfs_timespec lo, hi;
	struct vattr va;

	PUTS("/c/f", "x");
	SET_OLD("/c/f");
	conf_tick(t);
	conf_now(&lo);
	CHECK_OK(vfs_sys_chmod("/c/f", 0600));
	conf_now(&hi);
	STAT("/c/f", &va);
	TS_BETWEEN("ctime after chmod", &va.va_ctime, &lo, &hi);
	IS_OLD("mtime after chmod", va.va_mtime);
	IS_OLD("atime after chmod", va.va_atime);
	conf_tick(t);
	conf_now(&lo);
	CHECK_OK(vfs_sys_chown("/c/f", 5, 6, 0));
	conf_now(&hi);
	STAT("/c/f", &va);
	TS_BETWEEN("ctime after chown", &va.va_ctime, &lo, &hi);
	IS_OLD("mtime after chown", va.va_mtime);
	if (t->fs->cf_caps & CAP_HARDLINK) {
		conf_tick(t);
		conf_now(&lo);
		CHECK_OK(vfs_sys_link("/c/f", "/c/g"));
		conf_now(&hi);
		STAT("/c/f", &va);
		TS_BETWEEN("ctime after link", &va.va_ctime, &lo, &hi);
		IS_OLD("mtime after link", va.va_mtime);
		conf_tick(t);
		conf_now(&lo);
		CHECK_OK(vfs_sys_unlink("/c/g"));
		conf_now(&hi);
		STAT("/c/f", &va);
		TS_BETWEEN("ctime after unlink", &va.va_ctime, &lo, &hi);
	}
}

/* A directory's mtime and ctime move when its entries change. */
static void
time_dir_mtime(struct conf_ctx *t)
{
	struct vfs_timespec lo, hi;
	struct vattr va;

#define DIR_STEP(what, op)						\
	do {								\
		SET_OLD("/c/d");					\
		conf_tick(t);						\
		conf_now(&lo);						\
		op;							\
		conf_now(&hi);						\
		STAT("/c/d", &va);					\
		TS_BETWEEN("dir mtime after " what, &va.va_mtime, &lo, &hi); \
		TS_BETWEEN("dir ctime after " what, &va.va_ctime, &lo, &hi); \
	} while (0)

	MKDIR("/c/d");
	MKDIR("/c/e");
	DIR_STEP("create", PUTS("/c/d/f", "x"));
	DIR_STEP("rename within", CHECK_OK(vfs_sys_rename("/c/d/f", "/c/d/g")));
	DIR_STEP("unlink", CHECK_OK(vfs_sys_unlink("/c/d/g")));
	DIR_STEP("mkdir", MKDIR("/c/d/sub"));
	DIR_STEP("rmdir", CHECK_OK(vfs_sys_rmdir("/c/d/sub")));
	PUTS("/c/e/h", "x");
	DIR_STEP("rename in", CHECK_OK(vfs_sys_rename("/c/e/h", "/c/d/h")));
	DIR_STEP("rename out", CHECK_OK(vfs_sys_rename("/c/d/h", "/c/e/h")));
	if (t->fs->cf_caps & CAP_SYMLINK)
		DIR_STEP("symlink", CHECK_OK(vfs_sys_symlink("x", "/c/d/l")));
	/* Writing a file in it does not touch the directory. */
	PUTS("/c/d/w", "1");
	SET_OLD("/c/d");
	PUTS("/c/d/w", "2");
	STAT("/c/d", &va);
	IS_OLD("dir mtime after writing a file in it", va.va_mtime);
#undef DIR_STEP
}

static void
time_truncate(struct conf_ctx *t)
{
	struct vfs_timespec lo, hi;
	struct vattr va;
	int fd;

	PUTS("/c/f", "0123456789");
	SET_OLD("/c/f");
	conf_tick(t);
	conf_now(&lo);
	CHECK_OK(vfs_sys_truncate("/c/f", 4));
	conf_now(&hi);
	STAT("/c/f", &va);
	TS_BETWEEN("mtime after truncate", &va.va_mtime, &lo, &hi);
	TS_BETWEEN("ctime after truncate", &va.va_ctime, &lo, &hi);
	IS_OLD("atime after truncate", va.va_atime);
	SET_OLD("/c/f");
	conf_tick(t);
	conf_now(&lo);
	CHECK_OK(vfs_sys_open("/c/f", O_WRONLY | O_TRUNC, 0, &fd));
	conf_now(&hi);
	CLOSE(fd);
	STAT("/c/f", &va);
	TS_BETWEEN("mtime after O_TRUNC", &va.va_mtime, &lo, &hi);
	TS_BETWEEN("ctime after O_TRUNC", &va.va_ctime, &lo, &hi);
}

static void
time_read_atime(struct conf_ctx *t)
{
	struct vfs_timespec lo, hi;
	struct vattr va;
	char buf[8];
	size_t done;
	int fd;

	PUTS("/c/f", "0123");
	SET_OLD("/c/f");
	conf_tick(t);
	OPEN("/c/f", O_RDONLY, &fd);
	conf_now(&lo);
	CHECK_OK(vfs_sys_read(fd, buf, sizeof(buf), &done));
	conf_now(&hi);
	CLOSE(fd);
	STAT("/c/f", &va);
	TS_BETWEEN("atime after read", &va.va_atime, &lo, &hi);
	IS_OLD("mtime after read", va.va_mtime);
}

/* With "noatime", reads leave atime alone. */
static void
time_noatime(struct conf_ctx *t)
{
	struct vfs_timespec old[2] = {
		{ OLD_SEC, OLD_NSEC }, { OLD_SEC, OLD_NSEC } };
	char opts[256], *image = NULL, buf[8];
	struct mount *mp = NULL;
	struct vattr va;
	size_t done;
	int fd = -1, error;

	snprintf(opts, sizeof(opts), "%s%snoatime", t->fs->cf_options,
	    *t->fs->cf_options ? "," : "");
	error = conf_mount_extra(t, "/c2", opts, &mp, &image);
	if (error != 0)
		FAIL("mount /c2 -o %s: expected 0 got %s", opts,
		    conf_errname(error));
	/* No early returns while /c2 is mounted. */
	error = vfs_sys_open("/c2/f", O_RDWR | O_CREAT, 0644, &fd);
	if (error == 0) {
		error = vfs_sys_write(fd, "0123", 4, &done);
		if (error == 0)
			error = vfs_sys_futimens(fd, old);
		if (error == 0)
			error = vfs_sys_pread(fd, buf, sizeof(buf), 0, &done);
		if (error == 0)
			error = vfs_sys_fstat(fd, &va);
		if (vfs_sys_close(fd) != 0 && error == 0)
			error = EIO;
	}
	conf_unmount_extra(t, mp, image);
	CHECK_OK(error);
	CHECK_EQ(done, 4);
	IS_OLD("atime after read on noatime", va.va_atime);
}

const struct conf_case conf_time_cases[] = {
	{ "time_create", time_create, CAP_WRITE },
	{ "time_write", time_write, CAP_WRITE },
	{ "time_utimens_ns", time_utimens_ns, CAP_WRITE | CAP_TIMES_NS },
	{ "time_utime_now_omit", time_utime_now_omit, CAP_WRITE },
	{ "time_symlink_nofollow", time_symlink_nofollow,
	    CAP_WRITE | CAP_SYMLINK },
	{ "time_ctime_only", time_ctime_only, CAP_WRITE | CAP_PERMS },
	{ "time_dir_mtime", time_dir_mtime, CAP_WRITE },
	{ "time_truncate", time_truncate, CAP_WRITE },
	{ "time_read_atime", time_read_atime, CAP_WRITE | CAP_ATIME },
	{ "time_noatime", time_noatime, CAP_WRITE | CAP_ATIME },
	{ NULL, NULL, 0 }
};
