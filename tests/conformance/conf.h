/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf.h -- the conformance suite: one set of cases, written once against
 * the syscall-level API (vfs_sys_*), run in-process against every
 * filesystem configuration in the table of conf_fs.c.
 *
 * A case is a plain function `void case_x(struct conf_ctx *t)` that finds
 * a freshly mounted filesystem at CONF_MNT ("/c") and runs with root
 * credentials.  The CHECK* macros below record "file:line: expected X got
 * Y" and return from the case on the first failure; the harness
 * (conf_main.c) then unmounts, and an EBUSY from the unmount means the
 * case leaked a vnode reference.
 *
 * Each case declares the capabilities (CAP_*) it needs; a configuration
 * without one reports it as "ok N - fs: case # SKIP needs ...".
 *
 * Files: conf_main.c (runner, TAP), conf_fs.c (filesystem table, image
 * helpers), conf_util.c (helpers behind the macros), and one file of
 * cases per topic (conf_file.c, conf_dir.c, ...), each exporting a
 * { NULL }-terminated table listed in conf_main.c.
 */
#ifndef CONF_H
#define CONF_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "vfs_pub.h"
#include "vfs_types.h"

/* Where every case finds its filesystem. */
#define CONF_MNT	"/c"

/* ---- capabilities ---- */

#define CAP_WRITE		(1u << 0)	/* mounted read-write */
#define CAP_SYMLINK		(1u << 1)
#define CAP_HARDLINK		(1u << 2)
#define CAP_XATTR		(1u << 3)	/* user.* and trusted.* xattrs */
#define CAP_XATTR_4K		(1u << 4)	/* a 4 KiB xattr value fits */
#define CAP_SPARSE		(1u << 5)	/* holes take no space */
#define CAP_MKNOD		(1u << 6)	/* fifo, devices, sockets */
#define CAP_PERMS		(1u << 7)	/* uid, gid, mode stored */
#define CAP_TIMES_NS		(1u << 8)	/* nanosecond timestamps */
#define CAP_ATIME		(1u << 9)	/* reads update atime */
#define CAP_LARGEFILE		(1u << 10)	/* files > 4 GiB */
#define CAP_ENOSPC		(1u << 11)	/* the small-size variant */
#define CAP_CASE_SENSITIVE	(1u << 12)
#define CAP_UNLINK_OPEN		(1u << 13)	/* unlinked open files live on */
#define CAP_RENAME_EXCHANGE	(1u << 14)
#define CAP_FALLOCATE		(1u << 15)
#define CAP_SEEK_HOLE		(1u << 16)	/* SEEK_DATA/HOLE find holes */
#define CAP_LONGNAME		(1u << 17)	/* 255-byte names */
#define CAP_BIGDIR		(1u << 18)	/* thousands of entries */
#define CAP_BYTENAMES		(1u << 19)	/* any byte but '/' and NUL */
#define CAP_RDONLY		(1u << 20)	/* mounted read-only */
#define CAP_SEED		(1u << 21)	/* image holds the seed tree */
#define CAP_PERSIST		(1u << 22)	/* data survives a remount */
#define CAP_DIRNLINK		(1u << 23)	/* dir nlink = 2 + subdirs */
#define CAP_NCAPS		24

/* ---- the filesystem table (conf_fs.c) ---- */

struct conf_fs {
	const char	*cf_name;	/* TAP prefix and -f name */
	const char	*cf_fstype;	/* for vfs_mount() */
	/*
	 * Make a fresh image for one mount and return its path (malloc'd;
	 * the harness unlinks and frees it after the case), or NULL on
	 * failure.  NULL callback: the filesystem needs no device.
	 */
	char		*(*cf_mkimage)(const struct conf_fs *cf);
	const char	*cf_mkarg;	/* argument for cf_mkimage */
	const char	*cf_options;	/* mount options */
	/*
	 * Names a fresh root holds besides "." and ".." ("lost+found"),
	 * NUL-separated and "\0\0"-ended, or NULL; EXPECT_NAMES on the
	 * root ignores them.
	 */
	const char	*cf_rootnames;
	uint32_t	cf_caps;	/* CAP_* this configuration has */
	/* If not 0: run only the cases that need one of these caps. */
	uint32_t	cf_only;
};

extern const struct conf_fs conf_fs_table[];	/* { NULL }-terminated */

/*
 * Image helper for cf_mkimage: run the shell command cf_mkarg with "%I"
 * replaced by a new temporary image path and "%S" by a directory holding
 * the seed tree (conf_seed_tree()).  Returns the image path.
 */
char	*conf_mkimage_cmd(const struct conf_fs *cf);
/*
 * The seed tree of CAP_SEED images, made on the host in DIR:
 *   seed/file  "hello, world\n" (mode 0644)
 *   seed/dir/  (mode 0755) holding sub (file, "sub\n")
 *   seed/link  -> file
 */
int	conf_seed_tree(const char *dir);
#define SEED_FILE_DATA	"hello, world\n"

/* ---- one case ---- */

struct conf_ctx;
struct conf_case {
	const char	*cc_name;
	void		(*cc_fn)(struct conf_ctx *t);
	uint32_t	cc_needs;	/* CAP_* */
};

/* Per-topic case tables, each { NULL }-terminated. */
extern const struct conf_case conf_file_cases[];
extern const struct conf_case conf_io_cases[];
extern const struct conf_case conf_dir_cases[];
extern const struct conf_case conf_rename_cases[];
extern const struct conf_case conf_link_cases[];
extern const struct conf_case conf_name_cases[];
extern const struct conf_case conf_perm_cases[];
extern const struct conf_case conf_time_cases[];
extern const struct conf_case conf_xattr_cases[];
extern const struct conf_case conf_space_cases[];
extern const struct conf_case conf_special_cases[];
extern const struct conf_case conf_rofs_cases[];
extern const struct conf_case conf_mount_cases[];
extern const struct conf_case conf_concurrency_cases[];
extern const struct conf_case conf_diff_cases[];

struct conf_alloc;
struct conf_ctx {
	const struct conf_fs *fs;	/* the configuration under test */
	const struct conf_case *cs;	/* the case */
	struct mount	*mp;		/* the filesystem at CONF_MNT */
	char		*image;		/* its image path, or NULL */
	bool		failed;
	char		*diag;		/* "# ..." lines, malloc'd */
	size_t		diaglen;
	struct conf_alloc *allocs;	/* freed after the case */
};

/* Record a failure (the case goes on unless the caller returns). */
void	conf_fail(struct conf_ctx *t, const char *file, int line,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A diagnostic line that is not a failure. */
void	conf_note(struct conf_ctx *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* "0", "EEXIST", ... */
const char *conf_errname(int e);
/* Zeroed memory freed by the harness after the case; never NULL. */
void	*conf_alloc(struct conf_ctx *t, size_t len);
char	*conf_strdup(struct conf_ctx *t, const char *s);
/*
 * A context for a worker thread of a case (same filesystem, own failure
 * record), and folding it back into the case's: failures and notes are
 * appended, its allocations freed.
 */
void	conf_sub_init(struct conf_ctx *t, struct conf_ctx *sub);
void	conf_sub_merge(struct conf_ctx *t, struct conf_ctx *sub);
/* Unmount and mount the same image again (CAP_PERSIST). */
int	conf_remount(struct conf_ctx *t);
/* Unmount and mount a fresh filesystem (a new image) at CONF_MNT. */
int	conf_remount_fresh(struct conf_ctx *t);
/* Mount the configuration's filesystem (a new image) at TARGET. */
int	conf_mount_extra(struct conf_ctx *t, const char *target,
	    const char *options, struct mount **mpp, char **imagep);
void	conf_unmount_extra(struct conf_ctx *t, struct mount *mp, char *image);

/* ---- checks: on failure record file:line and return from the case ---- */

#define CONF_LOC	__FILE__, __LINE__

#define FAIL(...)							\
	do {								\
		conf_fail(t, CONF_LOC, __VA_ARGS__);			\
		return;							\
	} while (0)

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			FAIL("expected %s", #cond);			\
	} while (0)

#define CHECK_OK(expr)							\
	do {								\
		int e_ = (expr);					\
		if (e_ != 0)						\
			FAIL("%s: expected 0 got %s", #expr,		\
			    conf_errname(e_));				\
	} while (0)

#define CHECK_ERR(expr, err)						\
	do {								\
		int e_ = (expr);					\
		if (e_ != (err))					\
			FAIL("%s: expected %s got %s", #expr,		\
			    conf_errname(err), conf_errname(e_));	\
	} while (0)

/* As CHECK_ERR, but the case goes on (for lists of independent calls). */
#define EXPECT_ERR(expr, err)						\
	do {								\
		int e_ = (expr);					\
		if (e_ != (err))					\
			conf_fail(t, CONF_LOC, "%s: expected %s got %s",	\
			    #expr, conf_errname(err), conf_errname(e_));	\
	} while (0)

/* Either of two errors (where Linux itself differs between paths). */
#define CHECK_ERR2(expr, err1, err2)					\
	do {								\
		int e_ = (expr);					\
		if (e_ != (err1) && e_ != (err2))			\
			FAIL("%s: expected %s or %s got %s", #expr,	\
			    conf_errname(err1), conf_errname(err2),	\
			    conf_errname(e_));				\
	} while (0)

/* GOT == WANT as integers. */
#define CHECK_EQ(got, want)						\
	do {								\
		long long g_ = (long long)(got);			\
		long long w_ = (long long)(want);			\
		if (g_ != w_)						\
			FAIL("%s: expected %lld got %lld", #got, w_, g_); \
	} while (0)

#define CHECK_NE(got, bad)						\
	do {								\
		long long g_ = (long long)(got);			\
		long long b_ = (long long)(bad);			\
		if (g_ == b_)						\
			FAIL("%s: expected not %lld", #got, b_);	\
	} while (0)

/* Unsigned 64-bit variants (sizes past 2^63 never happen; inodes may). */
#define CHECK_EQU(got, want)						\
	do {								\
		unsigned long long g_ = (unsigned long long)(got);	\
		unsigned long long w_ = (unsigned long long)(want);	\
		if (g_ != w_)						\
			FAIL("%s: expected %llu got %llu", #got, w_, g_); \
	} while (0)

#define CHECK_STR(got, want)						\
	do {								\
		const char *g_ = (got), *w_ = (want);			\
		if (strcmp(g_, w_) != 0)				\
			FAIL("%s: expected \"%s\" got \"%s\"", #got,	\
			    w_, g_);					\
	} while (0)

#define CHECK_MEM(got, want, len)					\
	do {								\
		if (!conf_memeq(t, CONF_LOC, #got, (got), (want), (len))) \
			return;						\
	} while (0)

/* Run a helper that records its own failure; return if it failed. */
#define TRY(call)							\
	do {								\
		if (!(call))						\
			return;						\
	} while (0)

/* ---- helpers (conf_util.c); each reports at the caller's line ---- */

bool	conf_memeq(struct conf_ctx *t, const char *file, int line,
	    const char *what, const void *got, const void *want, size_t len);
/* Create or replace PATH (mode 0644) holding LEN bytes of BUF. */
bool	conf_put(struct conf_ctx *t, const char *file, int line,
	    const char *path, const void *buf, size_t len);
/* Read all of PATH into a conf_alloc'd buffer (NUL-terminated). */
bool	conf_get(struct conf_ctx *t, const char *file, int line,
	    const char *path, char **bufp, size_t *lenp);
/* PATH holds exactly LEN bytes of WANT. */
bool	conf_expect(struct conf_ctx *t, const char *file, int line,
	    const char *path, const void *want, size_t len);
/* pwrite/pread all of it, looping over short transfers. */
bool	conf_pwrite_all(struct conf_ctx *t, const char *file, int line,
	    int fd, const void *buf, size_t len, uint64_t off);
bool	conf_pread_all(struct conf_ctx *t, const char *file, int line,
	    int fd, void *buf, size_t len, uint64_t off, size_t *donep);
/* Deterministic test data: byte at file offset OFF under SEED. */
uint8_t	conf_pat(uint64_t seed, uint64_t off);
void	conf_fill(void *buf, size_t len, uint64_t seed, uint64_t off);
/* Write LEN pattern bytes at OFF; check LEN bytes at OFF match / are 0. */
bool	conf_write_pat(struct conf_ctx *t, const char *file, int line,
	    int fd, uint64_t seed, uint64_t off, size_t len);
bool	conf_check_pat(struct conf_ctx *t, const char *file, int line,
	    int fd, uint64_t seed, uint64_t off, size_t len);
bool	conf_check_zero(struct conf_ctx *t, const char *file, int line,
	    int fd, uint64_t off, size_t len);

/* A directory listing, "." and ".." included. */
struct conf_dirent {
	char		*name;
	uint64_t	ino;
	enum vtype	type;
};
struct conf_dirlist {
	size_t		n;
	struct conf_dirent *ents;
};
/*
 * List PATH with getdents in batches of BATCH entries (0: unlimited),
 * failing on an entry seen twice.
 */
bool	conf_list(struct conf_ctx *t, const char *file, int line,
	    const char *path, size_t batch, struct conf_dirlist *dl);
/* The entry named NAME, or NULL. */
const struct conf_dirent *conf_dl_find(const struct conf_dirlist *dl,
	    const char *name);
/* PATH holds exactly the NUL-separated, "\0\0"-ended names (plus . ..). */
bool	conf_expect_names(struct conf_ctx *t, const char *file, int line,
	    const char *path, const char *names);

/* Host wall-clock time. */
void	conf_now(struct vfs_timespec *ts);
/* a - b in nanoseconds. */
int64_t	conf_ts_diff(const struct vfs_timespec *a,
	    const struct vfs_timespec *b);
/* TS lies in [LO - slack, HI + slack] (slack: the fs's granularity). */
bool	conf_ts_between(struct conf_ctx *t, const char *file, int line,
	    const char *what, const struct vfs_timespec *ts,
	    const struct vfs_timespec *lo, const struct vfs_timespec *hi);
/* Sleep long enough for the filesystem's timestamps to move. */
void	conf_tick(struct conf_ctx *t);

#define PUT(path, buf, len)	TRY(conf_put(t, CONF_LOC, path, buf, len))
#define PUTS(path, s)		TRY(conf_put(t, CONF_LOC, path, s, strlen(s)))
#define GET(path, bufp, lenp)	TRY(conf_get(t, CONF_LOC, path, bufp, lenp))
#define EXPECT(path, want, len)	TRY(conf_expect(t, CONF_LOC, path, want, len))
#define EXPECTS(path, s)	TRY(conf_expect(t, CONF_LOC, path, s, strlen(s)))
#define PWRITE(fd, buf, len, off) \
	TRY(conf_pwrite_all(t, CONF_LOC, fd, buf, len, off))
#define WRITE_PAT(fd, seed, off, len) \
	TRY(conf_write_pat(t, CONF_LOC, fd, seed, off, len))
#define CHECK_PAT(fd, seed, off, len) \
	TRY(conf_check_pat(t, CONF_LOC, fd, seed, off, len))
#define CHECK_ZERO(fd, off, len) \
	TRY(conf_check_zero(t, CONF_LOC, fd, off, len))
#define LIST(path, dl)		TRY(conf_list(t, CONF_LOC, path, 0, dl))
#define EXPECT_NAMES(path, names) \
	TRY(conf_expect_names(t, CONF_LOC, path, names))
#define TS_BETWEEN(what, ts, lo, hi) \
	TRY(conf_ts_between(t, CONF_LOC, what, ts, lo, hi))
#define MKDIR(path)		CHECK_OK(vfs_sys_mkdir(path, 0755))
#define STAT(path, va)		CHECK_OK(vfs_sys_stat(path, va))
#define LSTAT(path, va)		CHECK_OK(vfs_sys_lstat(path, va))
#define OPEN(path, fl, fdp)	CHECK_OK(vfs_sys_open(path, fl, 0644, fdp))
#define CLOSE(fd)		CHECK_OK(vfs_sys_close(fd))

/* Uids and gids of the permission cases. */
#define UID_A	1000
#define GID_A	1000
#define UID_B	1001
#define GID_B	1001
#define GID_X	500

#define AS_ROOT()		vfs_pub_setcred_root()
#define AS_USER(uid, gid)	vfs_pub_setcred(uid, gid, 0, NULL)

#endif /* CONF_H */
