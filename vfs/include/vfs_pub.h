/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_pub.h -- the kernel's public entry API, for daemon/, fsutils/ and
 * tests/.  The only kernel header host code includes (with vfs_types.h).
 *
 * Two levels:
 *  - vfs_pub_*: vnode handles, for the FUSE bridge (FUSE is inode based).
 *    A `struct vnode *` handed out here carries one reference that the
 *    caller gives back with vfs_pub_vrele().  No vnode lock is ever held
 *    across a return to the caller: the kernel locks and unlocks inside.
 *  - vfs_sys_*: a POSIX-like syscall layer over paths and file
 *    descriptors, for fsu and the conformance suite.
 *
 * All functions return 0 or a positive errno (Linux numbering).  Flags
 * and modes are Linux's values (O_*, S_IF*, AT_*, RENAME_*, XATTR_*,
 * UTIME_*, SEEK_*, FALLOC_FL_*).  Every operation runs with the calling
 * thread's kernel credential (root until vfs_pub_setcred() changes it)
 * and checks permissions like Linux does.
 *
 * Name space: each mount is attached at a TARGET path ("/", "/mnt",
 * "/t1", ...).  A path is resolved in the mount whose target is its
 * longest component-wise prefix; ".." at a mount's root stays there.
 * Mounts do not nest inside one another's directories.  Relative paths
 * are relative to "/".
 */
#ifndef VFS_PUB_H
#define VFS_PUB_H

#include "vfs_types.h"

/* ---- kernel life cycle ---- */

struct vfs_config {
	uint64_t	bufcache_bytes;	/* buffer cache bound; 0 = default */
	uint32_t	vnode_lru_max;	/* unreferenced vnodes kept; 0 = default */
	uint64_t	mem_limit;	/* kernel allocations, bytes; 0 = none */
};
/* Bring the kernel up (hypercalls, caches, flusher, built-in drivers). */
int	vfs_init(const struct vfs_config *cfg);
/* Unmount everything (syncing), stop kernel threads. */
void	vfs_shutdown(void);

/* ---- mounts ---- */

/*
 * Mount filesystem FSTYPE (a name or alias; "auto" probes) from SOURCE (an
 * image file or block device path; ignored by tmpfs) at TARGET, with the
 * comma-separated OPTIONS ("ro", "rw", "noatime", "sync", and the driver's
 * own; an unknown option is EINVAL with a log line naming it).  ERRBUF, if
 * not NULL, receives a one-line human-readable reason on failure.
 */
int	vfs_mount(const char *fstype, const char *source, const char *target,
	    const char *options, struct mount **mpp, char *errbuf,
	    size_t errlen);
/* Same, on an in-memory block device of SIZE bytes (tests, fuzzing). */
int	vfs_mount_mem(const char *fstype, const void *image, size_t imagelen,
	    uint64_t size, const char *target, const char *options,
	    struct mount **mpp, char *errbuf, size_t errlen);
#define VFS_UMOUNT_FORCE	0x1
/*
 * Sync and unmount.  EBUSY if vnodes are still referenced (unless FORCE,
 * which reclaims them anyway; later use of such a handle gets EIO, and
 * vfs_mount_fstype() of its mount answers "dead").
 */
int	vfs_unmount(struct mount *mp, int flags);
/* The mount at TARGET, or ENOENT. */
int	vfs_mount_lookup(const char *target, struct mount **mpp);
bool	vfs_mount_rdonly(struct mount *mp);
/* Names match case-blind ("foo" finds "FOO"): FAT. */
bool	vfs_mount_nocase(struct mount *mp);
/*
 * No writer but this mount: its device is locked (the default; "nolock"
 * turns that off), in memory, or there is none (tmpfs).
 */
bool	vfs_mount_locked(struct mount *mp);
const char *vfs_mount_fstype(struct mount *mp);
/* Write every dirty buffer of MP (all mounts if NULL) and flush devices. */
int	vfs_sync(struct mount *mp);
/* Retrieve the memory device contents of a mount made by vfs_mount_mem. */
int	vfs_mount_membuf(struct mount *mp, void **bufp, uint64_t *sizep);

/* ---- credentials of the calling thread ---- */

void	vfs_pub_setcred(uint32_t uid, uint32_t gid, uint32_t ngroups,
	    const uint32_t *groups);
void	vfs_pub_setcred_root(void);

/* ---- vnode level (FUSE bridge) ---- */

int	vfs_pub_root(struct mount *mp, struct vnode **vpp);
void	vfs_pub_vref(struct vnode *vp);
void	vfs_pub_vrele(struct vnode *vp);
struct mount *vfs_pub_mount(struct vnode *vp);

/* Look NAME up in directory DVP ("." and ".." included). */
int	vfs_pub_lookup(struct vnode *dvp, const char *name,
	    struct vnode **vpp);
int	vfs_pub_getattr(struct vnode *vp, struct vattr *va);
/*
 * Change the fields in va->va_mask (VA_MODE, VA_UID, VA_GID, VA_SIZE,
 * VA_ATIME, VA_MTIME; times may carry UTIME_NOW in tv_nsec).  Permission
 * checks and setuid/setgid clearing are done here.  VA_OPENFILE in the
 * mask says a size change comes through a file open for writing.
 */
int	vfs_pub_setattr(struct vnode *vp, struct vattr *va);
/* R_OK/W_OK/X_OK/F_OK check against the caller's credential. */
int	vfs_pub_access(struct vnode *vp, int mode);

/* Create a regular file; EEXIST if NAME exists.  MODE has S_IFREG or 0. */
int	vfs_pub_create(struct vnode *dvp, const char *name, uint32_t mode,
	    struct vnode **vpp);
/* MODE carries the type bits (S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, S_IFREG). */
int	vfs_pub_mknod(struct vnode *dvp, const char *name, uint32_t mode,
	    uint64_t rdev, struct vnode **vpp);
int	vfs_pub_mkdir(struct vnode *dvp, const char *name, uint32_t mode,
	    struct vnode **vpp);
int	vfs_pub_symlink(struct vnode *dvp, const char *name,
	    const char *target, struct vnode **vpp);
/* New name NAME in DVP for the existing non-directory VP. */
int	vfs_pub_link(struct vnode *vp, struct vnode *dvp, const char *name);
int	vfs_pub_unlink(struct vnode *dvp, const char *name);
int	vfs_pub_rmdir(struct vnode *dvp, const char *name);
/* FLAGS: 0, RENAME_NOREPLACE or RENAME_EXCHANGE. */
int	vfs_pub_rename(struct vnode *fdvp, const char *fname,
	    struct vnode *tdvp, const char *tname, unsigned flags);

/* Open/close bookkeeping: O_* flags, permission check, O_TRUNC. */
int	vfs_pub_open(struct vnode *vp, int oflags);
/*
 * Open a file the caller has just made with vfs_pub_create: like open(2)
 * with O_CREAT, no permission check (a new 0444 file opens for writing).
 */
int	vfs_pub_open_created(struct vnode *vp, int oflags);
int	vfs_pub_close(struct vnode *vp, int oflags);
int	vfs_pub_read(struct vnode *vp, void *buf, size_t len, uint64_t off,
	    size_t *donep);
/* IOFLAGS: VFS_IO_APPEND (write at end of file), VFS_IO_SYNC. */
#define VFS_IO_APPEND	0x1
#define VFS_IO_SYNC	0x2
int	vfs_pub_write(struct vnode *vp, const void *buf, size_t len,
	    uint64_t off, int ioflags, size_t *donep);
int	vfs_pub_fsync(struct vnode *vp, bool datasync);
/* MODE: 0 or FALLOC_FL_KEEP_SIZE / FALLOC_FL_PUNCH_HOLE|KEEP_SIZE. */
int	vfs_pub_fallocate(struct vnode *vp, int mode, uint64_t off,
	    uint64_t len);
/* WHENCE: SEEK_DATA or SEEK_HOLE; ENXIO past the end. */
int	vfs_pub_seek(struct vnode *vp, uint64_t off, int whence,
	    uint64_t *resultp);
/*
 * Enumerate from *COOKIE (0 = start); *COOKIE is left where the next call
 * resumes.  The directory vnode is locked during the callbacks: FILL must
 * not call back into the kernel.
 */
int	vfs_pub_readdir(struct vnode *dvp, uint64_t *cookie,
	    vfs_filldir_t fill, void *arg);
/* Copy the target (not NUL-terminated) into BUF; *LENP gets its length. */
int	vfs_pub_readlink(struct vnode *vp, char *buf, size_t buflen,
	    size_t *lenp);
int	vfs_pub_statvfs(struct mount *mp, struct vfs_statvfs *sv);

/*
 * Extended attributes, names as Linux shows them ("user.x", ...).
 * getxattr/listxattr with SIZE 0 report the size needed in *LENP; ERANGE
 * when SIZE is non-zero and too small.  FLAGS: XATTR_CREATE/REPLACE.
 */
int	vfs_pub_getxattr(struct vnode *vp, const char *name, void *buf,
	    size_t size, size_t *lenp);
int	vfs_pub_setxattr(struct vnode *vp, const char *name, const void *val,
	    size_t len, int flags);
int	vfs_pub_listxattr(struct vnode *vp, char *buf, size_t size,
	    size_t *lenp);
int	vfs_pub_removexattr(struct vnode *vp, const char *name);

/*
 * The fast data path: map file offset OFF to a byte offset on the host
 * file HOSTFD (from the mount's device) with *RUNP contiguous bytes that
 * hold no dirty or pinned buffer.  EOPNOTSUPP when the driver or the
 * device cannot (tmpfs, memory devices); the caller falls back to read.
 */
int	vfs_pub_bmap(struct vnode *vp, uint64_t off, int *hostfdp,
	    uint64_t *devoffp, uint64_t *runp);

/* ---- syscall level (fsu, conformance tests) ---- */

int	vfs_sys_open(const char *path, int oflags, uint32_t mode, int *fdp);
int	vfs_sys_close(int fd);
int	vfs_sys_read(int fd, void *buf, size_t len, size_t *donep);
int	vfs_sys_write(int fd, const void *buf, size_t len, size_t *donep);
int	vfs_sys_pread(int fd, void *buf, size_t len, uint64_t off,
	    size_t *donep);
int	vfs_sys_pwrite(int fd, const void *buf, size_t len, uint64_t off,
	    size_t *donep);
/* WHENCE: SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE. */
int	vfs_sys_lseek(int fd, int64_t off, int whence, uint64_t *newoffp);
int	vfs_sys_fstat(int fd, struct vattr *va);
int	vfs_sys_stat(const char *path, struct vattr *va);
int	vfs_sys_lstat(const char *path, struct vattr *va);
int	vfs_sys_access(const char *path, int mode);
int	vfs_sys_mkdir(const char *path, uint32_t mode);
int	vfs_sys_rmdir(const char *path);
int	vfs_sys_unlink(const char *path);
int	vfs_sys_mknod(const char *path, uint32_t mode, uint64_t rdev);
int	vfs_sys_rename(const char *from, const char *to);
int	vfs_sys_renameat2(const char *from, const char *to, unsigned flags);
int	vfs_sys_link(const char *existing, const char *newpath);
int	vfs_sys_symlink(const char *target, const char *linkpath);
int	vfs_sys_readlink(const char *path, char *buf, size_t buflen,
	    size_t *lenp);
int	vfs_sys_chmod(const char *path, uint32_t mode);
int	vfs_sys_fchmod(int fd, uint32_t mode);
/* UID or GID (uint32_t)-1 leaves it unchanged.  FLAGS: AT_SYMLINK_NOFOLLOW. */
int	vfs_sys_chown(const char *path, uint32_t uid, uint32_t gid, int flags);
int	vfs_sys_fchown(int fd, uint32_t uid, uint32_t gid);
/* TIMES[0] atime, [1] mtime; NULL = now; UTIME_NOW/UTIME_OMIT honoured. */
int	vfs_sys_utimens(const char *path, const struct vfs_timespec *times,
	    int flags);
int	vfs_sys_futimens(int fd, const struct vfs_timespec *times);
int	vfs_sys_truncate(const char *path, uint64_t len);
int	vfs_sys_ftruncate(int fd, uint64_t len);
int	vfs_sys_fsync(int fd);
int	vfs_sys_fdatasync(int fd);
int	vfs_sys_fallocate(int fd, int mode, uint64_t off, uint64_t len);
int	vfs_sys_statvfs(const char *path, struct vfs_statvfs *sv);
/* Enumerate the directory open on FD from its offset, advancing it. */
int	vfs_sys_getdents(int fd, vfs_filldir_t fill, void *arg);
/* FLAGS for the path xattr calls: AT_SYMLINK_NOFOLLOW (the l* variants). */
int	vfs_sys_getxattr(const char *path, const char *name, void *buf,
	    size_t size, size_t *lenp, int flags);
int	vfs_sys_setxattr(const char *path, const char *name, const void *val,
	    size_t len, int xflags, int flags);
int	vfs_sys_listxattr(const char *path, char *buf, size_t size,
	    size_t *lenp, int flags);
int	vfs_sys_removexattr(const char *path, const char *name, int flags);
void	vfs_sys_sync(void);

/* ---- checking ---- */

#ifndef VFS_FSCK_VERBOSE
#define VFS_FSCK_VERBOSE	0x1	/* announce passes, give a summary */
#endif
/*
 * Check the filesystem in SOURCE (type FSTYPE, or "auto") without
 * changing it: it is mounted read-only at a private mount point and the
 * checker its driver registered runs over it.  Each problem (and, with
 * VFS_FSCK_VERBOSE, each pass and a summary) is one line given to
 * REPORT; *NPROBLEMS counts the problems.  0 when the check ran,
 * EOPNOTSUPP if the type has no checker, else the mount's or the
 * checker's error.
 */
int	vfs_fsck(const char *fstype, const char *source, int flags,
	    void (*report)(void *arg, const char *line), void *arg,
	    unsigned *nproblems);

/* ---- partitions and probing (vfs/vfs_part.c) ---- */

/*
 * One row of vfs_part_list: the whole device first (pi_name ""), then
 * each partition.  Names are what the mount option part= takes: "1".."4"
 * MBR primaries, "5"... logical partitions, GPT slot numbers, "a".. a
 * whole-disk BSD disklabel, "1a".. a disklabel inside MBR partition 1.
 */
struct vfs_partinfo {
	char		pi_name[8];	/* "" for the whole device */
	char		pi_scheme[12];	/* mbr gpt disklabel none */
	uint64_t	pi_start;	/* bytes from the device start */
	uint64_t	pi_size;	/* bytes */
	uint32_t	pi_secsize;	/* sector size of the table */
	char		pi_type[48];	/* "0x83 Linux", "EFI System" */
	char		pi_label[40];	/* GPT partition name, or "" */
	char		pi_fstype[64];	/* found by probing, or "" */
	char		pi_problem[128]; /* why it cannot be used, or "" */
	bool		pi_container;	/* an extended partition */
};
typedef void (*vfs_partlist_cb_t)(void *arg, const struct vfs_partinfo *pi);

/*
 * List SOURCE's partitions (opened read-only, unlocked) through CB,
 * probing each for a filesystem.  After vfs_init().
 * => 0; EUCLEAN when the table is corrupt (what was found is still
 *    listed; ERRBUF says what is wrong); the open error.
 */
int	vfs_part_list(const char *source, vfs_partlist_cb_t cb, void *arg,
	    char *errbuf, size_t errlen);
/*
 * Which filesystem SOURCE holds (in partition part=NAME if OPTIONS has
 * it; other options are ignored), with the same rules as an "auto"
 * mount; FSTYPE NULL or "auto" tries every driver, else only that one.
 * TYPEBUF gets the driver's name.  After vfs_init().
 * => 0; EINVAL none or several recognised (ERRBUF lists what was tried,
 *    the candidates, or the partitions to choose from); ENODEV unknown
 *    FSTYPE; ENXIO/EUCLEAN/EINVAL for part= (ERRBUF says why).
 */
int	vfs_probe(const char *fstype, const char *source,
	    const char *options, char *typebuf, size_t typelen, char *errbuf,
	    size_t errlen);
/* ---- end of partitions and probing ---- */

#endif /* VFS_PUB_H */
