/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kconst.h -- the kernel's own constants with Linux's numeric values, so
 * the bridge never translates.  Kernel and driver code only: these names
 * clash with host headers on purpose.
 */
#ifndef KERN_KCONST_H
#define KERN_KCONST_H

/* open(2) */
#define O_ACCMODE	00000003
#define O_RDONLY	00000000
#define O_WRONLY	00000001
#define O_RDWR		00000002
#define O_CREAT		00000100
#define O_EXCL		00000200
#define O_NOCTTY	00000400
#define O_TRUNC		00001000
#define O_APPEND	00002000
#define O_NONBLOCK	00004000
#define O_DSYNC		00010000
#define O_DIRECT	00040000
#define O_LARGEFILE	00100000
#define O_DIRECTORY	00200000
#define O_NOFOLLOW	00400000
#define O_NOATIME	01000000
#define O_CLOEXEC	02000000
#define O_SYNC		04010000
#define O_PATH		010000000

/* mode bits */
#define S_IFMT		0170000
#define S_IFSOCK	0140000
#define S_IFLNK		0120000
#define S_IFREG		0100000
#define S_IFBLK		0060000
#define S_IFDIR		0040000
#define S_IFCHR		0020000
#define S_IFIFO		0010000
#define S_ISUID		0004000
#define S_ISGID		0002000
#define S_ISVTX		0001000
#define S_IRWXU		0000700
#define S_IRUSR		0000400
#define S_IWUSR		0000200
#define S_IXUSR		0000100
#define S_IRWXG		0000070
#define S_IRGRP		0000040
#define S_IWGRP		0000020
#define S_IXGRP		0000010
#define S_IRWXO		0000007
#define S_IROTH		0000004
#define S_IWOTH		0000002
#define S_IXOTH		0000001
#define ALLPERMS	0007777
#define ACCESSPERMS	0000777

/* access(2) */
#define F_OK	0
#define X_OK	1
#define W_OK	2
#define R_OK	4

#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2
#define SEEK_DATA	3
#define SEEK_HOLE	4

#define AT_SYMLINK_NOFOLLOW	0x100

#define UTIME_NOW	((1L << 30) - 1L)
#define UTIME_OMIT	((1L << 30) - 2L)

#define RENAME_NOREPLACE	(1 << 0)
#define RENAME_EXCHANGE		(1 << 1)
#define RENAME_WHITEOUT		(1 << 2)

#define XATTR_CREATE	0x1
#define XATTR_REPLACE	0x2
#define XATTR_NAME_MAX	255
#define XATTR_SIZE_MAX	65536
#define XATTR_LIST_MAX	65536

#define FALLOC_FL_KEEP_SIZE	0x01
#define FALLOC_FL_PUNCH_HOLE	0x02
#define FALLOC_FL_ZERO_RANGE	0x10

#define NAME_MAX	255
#define PATH_MAX	4096
#define SYMLINK_MAX	4095
#define MAXSYMLINKS	40
#define LINK_MAX_DEFAULT 65000

/* Linux dev_t encoding */
#define kmajor(d)	((uint32_t)((((d) >> 32) & 0xfffff000) | (((d) >> 8) & 0xfff)))
#define kminor(d)	((uint32_t)((((d) >> 12) & 0xffffff00) | ((d) & 0xff)))
#define kmakedev(ma, mi) \
	((((uint64_t)(ma) & 0xfffff000ULL) << 32) | (((uint64_t)(ma) & 0xfffULL) << 8) | \
	 (((uint64_t)(mi) & 0xffffff00ULL) << 12) | ((uint64_t)(mi) & 0xffULL))

/* Converting between a vnode type and S_IFMT bits. */
#define VTTOIF(vt)	(vttoif_tab[(int)(vt)])
#define IFTOVT(mode)	(iftovt_tab[((mode) & S_IFMT) >> 12])
extern const uint32_t vttoif_tab[];
extern const int iftovt_tab[];	/* enum vtype values */

#endif /* KERN_KCONST_H */
