/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu.h -- shared declarations of fsu, the file system utilities that
 * work on an image through the kernel linked into the program (no FUSE,
 * no mount, no privileges).
 *
 * Layout of fsutils/:
 *   fsu_main.c     global options, argv[0] dispatch, mounting, batch
 *   fsu_help.c     the command table's help texts, --help, usage errors
 *   fsu_util.c     messages, quoting, paths, formatting, names, readdir
 *   fsu_walk.c     recursive walks over image trees
 *   fsu_ls.c       ls
 *   fsu_stat.c     stat, df
 *   fsu_du.c       du
 *   fsu_find.c     find
 *   fsu_io.c       cat, write, truncate, readlink
 *   fsu_side.c     the image and the host behind one table of calls
 *   fsu_copy.c     the copy engine: cp, get (image -> host), put
 *   fsu_names.c    mv, rm, rmdir, mkdir, ln, mknod, mkfifo
 *   fsu_attr.c     chmod, chown, touch
 *   fsu_mode.c     symbolic and octal mode parsing (chmod, mkdir -m)
 *   fsu_date.c     date parsing (touch -d, -t)
 *   fsu_xattr.c    getfattr, setfattr
 *   fsu_diff.c     diff (image against host, or image against image)
 *
 * Conventions.  A command is `int cmd_NAME(int argc, char **argv)` and
 * returns its exit status, as the coreutils program of the same name
 * would.  argv[0] is "fsu NAME" (for getopt's messages).  Paths in the
 * image are absolute or relative to "/".  Kernel calls return 0 or a
 * positive errno; host calls set errno.  Messages go through fsu_err()
 * and friends, which print "fsu: ..." like coreutils.  Everything runs
 * with the kernel's root credential: whoever may write the image file
 * owns everything in it.
 */
#ifndef FSU_H
#define FSU_H

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <glib.h>

#include "vfs_types.h"
#include "vfs_pub.h"

/* ---- commands (fsu_main.c, fsu_help.c) ---- */

struct fsu_cmd {
	const char	*name;
	int		(*fn)(int argc, char **argv);
	bool		 writes;	/* needs a read-write mount */
	int		 trouble;	/* status: could not run */
	const char	*synopsis;	/* lines after "IMAGE " */
	const char	*summary;	/* one line */
	const char	*options;	/* option lines, or NULL */
};

extern const struct fsu_cmd fsu_cmds[];
const struct fsu_cmd *fsu_cmd_find(const char *name);

int	cmd_ls(int, char **);
int	cmd_cat(int, char **);
int	cmd_cp(int, char **);
int	cmd_get(int, char **);
int	cmd_put(int, char **);
int	cmd_mv(int, char **);
int	cmd_rm(int, char **);
int	cmd_rmdir(int, char **);
int	cmd_mkdir(int, char **);
int	cmd_ln(int, char **);
int	cmd_chmod(int, char **);
int	cmd_chown(int, char **);
int	cmd_chgrp(int, char **);
int	cmd_touch(int, char **);
int	cmd_stat(int, char **);
int	cmd_find(int, char **);
int	cmd_du(int, char **);
int	cmd_df(int, char **);
int	cmd_diff(int, char **);
int	cmd_write(int, char **);
int	cmd_mknod(int, char **);
int	cmd_mkfifo(int, char **);
int	cmd_readlink(int, char **);
int	cmd_truncate(int, char **);
int	cmd_getfattr(int, char **);
int	cmd_setfattr(int, char **);
int	cmd_batch(int, char **);

/* Print the whole manual (fsu --help) or one command's help. */
void	fsu_help_all(FILE *fp);
void	fsu_help_cmd(FILE *fp, const struct fsu_cmd *cmd);
/*
 * A usage error of the running command: "fsu: MSG" and a hint to its
 * help on stderr.  Returns the command's trouble status.
 */
int	fsu_usage(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* Only the hint ("Try 'fsu help ls' ..."); returns the trouble status. */
int	fsu_try_help(void);
/* Handle "--help" as the only argument: true if it was (help printed). */
bool	fsu_want_help(int argc, char **argv);

/* ---- global state (fsu_main.c) ---- */

struct fsu_state {
	const char	*progname;	/* "fsu" or argv[0]'s basename */
	const char	*image;		/* the IMAGE argument */
	const struct fsu_cmd *cmd;	/* the running command */
	mode_t		 umask;		/* host umask, new files */
	int		 verbose;	/* -v count */
	bool		 rdonly;	/* the image is mounted read-only */
	volatile sig_atomic_t interrupted; /* SIGINT/TERM/HUP seen */
};
extern struct fsu_state fsu;

/* ---- messages (fsu_util.c) ---- */

/* "fsu: MSG: strerror(ERROR)" (ERROR a positive errno). */
void	fsu_err(int error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* "fsu: MSG". */
void	fsu_errx(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* strerror() with the few texts coreutils uses instead. */
const char *fsu_strerror(int error);
/*
 * NAME quoted as coreutils quotes file names in messages ('x', "it's",
 * 'a'$'\n''b').  The result lives until the 8th following call.
 */
const char *fsu_quote(const char *name);
/* EINTR once a termination signal arrived (checked in long loops). */
int	fsu_check_intr(void);

/* ---- paths (fsu_util.c) ---- */

/* DIR/NAME without doubling a '/'; g_free() the result. */
char	*fsu_path_join(const char *dir, const char *name);
/* The last component of PATH, trailing slashes ignored; g_free(). */
char	*fsu_basename(const char *path);
/* "." and ".." (as the last component of PATH). */
bool	fsu_is_dot_or_dotdot(const char *path);

/* ---- attributes and formatting (fsu_util.c) ---- */

/* S_IFMT bits of a vnode type (0 for VNON/VBAD). */
uint32_t fsu_vtype_ifmt(enum vtype type);
/* The type's letter in `ls -l` ('-', 'd', 'l', 'c', 'b', 'p', 's'). */
char	fsu_vtype_char(enum vtype type);
/* "-rw-r--r--": 10 characters and a NUL in BUF. */
void	fsu_modestr(enum vtype type, uint32_t mode, char buf[11]);
/* Full st_mode (type bits | permission bits) of VA. */
uint32_t fsu_stmode(const struct vattr *va);
/* File type name as stat(1) %F says it. */
const char *fsu_type_name(const struct vattr *va);
/*
 * N units of IN_UNIT bytes in units of OUT_UNIT, rounded up; if HUMAN,
 * scaled by 1024 with a K/M/G/... suffix the way GNU ls -h, du -h and
 * df -h print it.  BUF holds at least 32 bytes.
 */
char	*fsu_human(uint64_t n, uint64_t in_unit, uint64_t out_unit,
	    bool human, char *buf);
/* Host user/group name of an id, or NULL (cached). */
const char *fsu_user_name(uint32_t uid);
const char *fsu_group_name(uint32_t gid);
/* "2001-02-03 04:05:06.000000000 +0000" (stat's format). */
void	fsu_fmt_fulltime(const struct vfs_timespec *ts, char *buf,
	    size_t len);

/* ---- reading directories (fsu_util.c) ---- */

struct fsu_dirent {
	char		*name;
	uint64_t	 ino;
	enum vtype	 type;		/* VNON: not given */
};
/*
 * The entries of the image directory PATH in the directory's order,
 * "." and ".." left out.  *ENTSP is a GPtrArray of struct fsu_dirent
 * that frees its elements; g_ptr_array_unref() it.
 */
int	fsu_readdir(const char *path, GPtrArray **entsp);

/* ---- image file helpers (fsu_util.c) ---- */

/* Read the whole image file PATH (following symlinks) into *BUFP. */
int	fsu_read_file(const char *path, char **bufp, size_t *lenp);
/* Write LEN bytes to image descriptor FD at its offset, all of them. */
int	fsu_write_all(int fd, const void *buf, size_t len);
/* The target of image symlink PATH, NUL-terminated; g_free(). */
int	fsu_readlink_str(const char *path, char **targetp);

/* ---- the image and the host as places for files (fsu_side.c) ---- */

/*
 * One table per place; paths are image paths or host paths.  All
 * operations return 0 or a positive errno.  The l* ones do not follow
 * a final symlink.  readdir gives struct fsu_dirent (as fsu_readdir);
 * readlink, llistxattr and lgetxattr return g_malloc'ed buffers.
 */
struct fsu_side {
	const char	*what;		/* "image" or "host" */
	bool		 is_host;
	int	(*lstat)(const char *, struct vattr *);
	int	(*stat)(const char *, struct vattr *);
	int	(*readdir)(const char *, GPtrArray **);
	int	(*open)(const char *, int, uint32_t, int *);
	int	(*close)(int);
	int	(*pread)(int, void *, size_t, uint64_t, size_t *);
	int	(*pwrite)(int, const void *, size_t, uint64_t, size_t *);
	int	(*ftruncate)(int, uint64_t);
	int	(*lseek)(int, int64_t, int, uint64_t *);
	int	(*mkdir)(const char *, uint32_t);
	int	(*unlink)(const char *);
	int	(*symlink)(const char *target, const char *path);
	int	(*readlink)(const char *, char **);
	int	(*mknod)(const char *, uint32_t, uint64_t);
	int	(*link)(const char *existing, const char *path);
	int	(*chmod)(const char *, uint32_t);
	int	(*lchown)(const char *, uint32_t, uint32_t);
	int	(*lutimens)(const char *, const struct vfs_timespec *);
	int	(*llistxattr)(const char *, char **, size_t *);
	int	(*lgetxattr)(const char *, const char *, char **, size_t *);
	int	(*lsetxattr)(const char *, const char *, const void *,
		    size_t);
};
extern const struct fsu_side fsu_image_side;
extern const struct fsu_side fsu_host_side;

/* readlink -f inside the image (the last component may be missing). */
int	fsu_canonicalize(const char *path, char **resultp);

/* ---- walking image trees (fsu_walk.c) ---- */

#define FSU_WALK_CONTINUE	0
#define FSU_WALK_PRUNE		1	/* do not descend here */
#define FSU_WALK_STOP		2	/* end the walk */

#define FSU_WF_FOLLOW_ROOT	0x1	/* stat (not lstat) the root */
#define FSU_WF_POSTORDER	0x2	/* also visit directories after */
#define FSU_WF_FOLLOW_ALL	0x4	/* follow every symlink (-L) */

struct fsu_walk_ent {
	const char	*path;		/* root, or root/.../name */
	const char	*name;		/* last component */
	struct vattr	 va;		/* lstat (or stat, see flags) */
	int		 depth;		/* 0 for the root */
	bool		 post;		/* post-order visit */
	int		 error;		/* stat/readdir error */
	bool		 readdir_error;	/* error from readdir */
};
typedef int (*fsu_walk_fn)(struct fsu_walk_ent *ent, void *arg);
/*
 * Visit ROOT and, if it is a directory, everything below it, parents
 * before children (and again after them with FSU_WF_POSTORDER).  A
 * failing lstat or readdir is passed to FN with ENT->error set; FN
 * decides whether to report it.  A directory that is its own ancestor
 * (a corrupt image) is reported and skipped.  Children are visited in
 * the directory's order, or sorted by name if SORTED.
 * => 0 or the first walk error FN did not see (ENOMEM, EINTR).
 */
int	fsu_walk(const char *root, int flags, bool sorted, int maxdepth,
	    fsu_walk_fn fn, void *arg);

/* ---- modes and dates (fsu_mode.c, fsu_date.c) ---- */

struct fsu_mode;	/* a parsed chmod mode */
/* Parse an octal or symbolic mode (chmod syntax); NULL if invalid. */
struct fsu_mode *fsu_mode_parse(const char *spec);
void	fsu_mode_free(struct fsu_mode *m);
/* Apply M to OLDMODE (07777 bits) of a file that ISDIR or not. */
uint32_t fsu_mode_apply(const struct fsu_mode *m, uint32_t oldmode,
	    bool isdir, mode_t umask);
/* touch -d STRING; false if not understood. */
bool	fsu_parse_date(const char *s, struct vfs_timespec *ts);
/* touch -t [[CC]YY]MMDDhhmm[.ss]; false if not understood. */
bool	fsu_parse_stamp(const char *s, struct vfs_timespec *ts);

#endif /* FSU_H */
