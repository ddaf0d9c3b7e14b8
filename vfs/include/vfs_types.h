/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_types.h -- types shared by the kernel, its drivers and the code that
 * calls the kernel's public API (daemon/, fsutils/, tests/).  Includes only
 * freestanding headers, so it sits beside host headers without clashes:
 * nothing here is named like a host symbol.
 *
 * Numeric constants the kernel takes or gives (open flags, mode bits,
 * RENAME_*, XATTR_*, UTIME_*, SEEK_*, FALLOC_FL_*, errno values) have
 * Linux's values, so host code passes its own constants unchanged.
 */
#ifndef VFS_TYPES_H
#define VFS_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vnode;
struct mount;

/* Vnode types. */
enum vtype {
	VNON = 0,
	VREG,
	VDIR,
	VBLK,
	VCHR,
	VLNK,
	VSOCK,
	VFIFO,
	VBAD
};

struct vfs_timespec {
	int64_t	tv_sec;
	long	tv_nsec;
};

/*
 * Attributes.  VOP_GETATTR fills every field and sets va_mask to VA_ALL
 * minus what the filesystem does not have (e.g. VA_BTIME).  VOP_SETATTR
 * changes exactly the fields named in va_mask; the kernel has already
 * checked permissions, replaced UTIME_NOW by the current time and dropped
 * UTIME_OMIT.
 */
#define VA_TYPE		0x0001
#define VA_MODE		0x0002
#define VA_NLINK	0x0004
#define VA_UID		0x0008
#define VA_GID		0x0010
#define VA_FILEID	0x0020
#define VA_SIZE		0x0040
#define VA_BYTES	0x0080
#define VA_ATIME	0x0100
#define VA_MTIME	0x0200
#define VA_CTIME	0x0400
#define VA_BTIME	0x0800
#define VA_RDEV		0x1000
#define VA_FLAGS	0x2000
#define VA_GEN		0x4000
#define VA_BLKSIZE	0x8000
#define VA_ALL		0xffff
/*
 * Not an attribute: in vfs_pub_setattr, says the size change comes through
 * a file the caller already has open for writing (ftruncate), so write
 * permission on the file is not checked again (as Linux).
 */
#define VA_OPENFILE	0x10000

struct vattr {
	uint32_t	va_mask;	/* VA_* fields valid / to change */
	enum vtype	va_type;
	uint32_t	va_mode;	/* permission bits only: 07777 */
	uint32_t	va_nlink;
	uint32_t	va_uid;
	uint32_t	va_gid;
	uint64_t	va_fileid;	/* inode number */
	uint64_t	va_size;	/* bytes */
	uint64_t	va_bytes;	/* bytes allocated on the medium */
	uint32_t	va_blocksize;	/* preferred I/O size */
	struct vfs_timespec va_atime;
	struct vfs_timespec va_mtime;
	struct vfs_timespec va_ctime;
	struct vfs_timespec va_birthtime;
	uint64_t	va_rdev;	/* Linux encoding: makedev() */
	uint32_t	va_flags;	/* filesystem flags (immutable, ...) */
	uint64_t	va_gen;
};

/* statvfs, as Linux's struct statvfs. */
#define VFS_ST_RDONLY	0x0001
#define VFS_ST_NOSUID	0x0002
#define VFS_ST_NOATIME	0x0400
struct vfs_statvfs {
	uint64_t	f_bsize;
	uint64_t	f_frsize;
	uint64_t	f_blocks;	/* in f_frsize units */
	uint64_t	f_bfree;
	uint64_t	f_bavail;
	uint64_t	f_files;
	uint64_t	f_ffree;
	uint64_t	f_favail;
	uint64_t	f_fsid;
	uint64_t	f_flag;		/* VFS_ST_* */
	uint64_t	f_namemax;
};

/*
 * Directory enumeration callback.  Called once per entry, "." and ".."
 * included, in the directory's own order.  NEXTCOOKIE is the cookie that
 * resumes enumeration after this entry.  Return 0 to go on; non-zero
 * means "no room": the entry was not taken, enumeration stops, and the
 * caller's cookie is left pointing at this entry.
 */
typedef int	(*vfs_filldir_t)(void *arg, const char *name, size_t namelen,
		    uint64_t ino, enum vtype type, uint64_t nextcookie);

#endif /* VFS_TYPES_H */
