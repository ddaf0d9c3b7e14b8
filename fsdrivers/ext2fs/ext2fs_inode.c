/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_inode.c -- reading one on-disk inode into an in-core node.
 *
 * ext2fs_node_load() locates inode INO in its group's inode table, reads
 * it through the buffer cache, verifies its checksum (metadata_csum),
 * validates every field the driver uses and decodes them: 32-bit owners,
 * 64-bit size and block counts (huge_file), nanosecond and post-2038
 * timestamps from the extra fields, creation time, device numbers in
 * both encodings, the external xattr block.  Checks of the block map,
 * directory contents and inline data happen where those are read.
 *
 * Exports ext2fs_node_load, ext2fs_node_free, ext2fs_node_getattr,
 * ext2fs_inode_mode, ext2fs_mode_vtype.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"

enum vtype
ext2fs_mode_vtype(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return VREG;
	case S_IFDIR:
		return VDIR;
	case S_IFLNK:
		return VLNK;
	case S_IFCHR:
		return VCHR;
	case S_IFBLK:
		return VBLK;
	case S_IFIFO:
		return VFIFO;
	case S_IFSOCK:
		return VSOCK;
	default:
		return VNON;
	}
}

/*
 * Read the raw inode INO into RAW (um_isize bytes) and verify its
 * checksum.  ENOENT if the inode lies in a part of the inode table that
 * was never initialised (uninit_bg) or is all zeros.
 */
static int
ext2fs_inode_read_raw(struct ext2fs_mount *ump, ino64_t ino, uint8_t *raw)
{
	const struct ext2_gd *gd;
	uint64_t itable, off, blk;
	uint32_t group, index, unused;
	struct buf *bp;
	size_t i;
	int error;

	if (ino < 1 || ino > ump->um_ninodes)
		return ESTALE;
	group = (uint32_t)((ino - 1) / ump->um_ipg);
	index = (uint32_t)((ino - 1) % ump->um_ipg);
	gd = ext2fs_gd(ump, group);
	if (ump->um_gdt_csum) {
		if (e2_le16(gd->bg_flags) & EXT2_BG_INODE_UNINIT)
			return ENOENT;
		unused = e2_le16(gd->bg_itable_unused_lo);
		if (ump->um_desc_size >= EXT2_MIN_DESC_SIZE_64)
			unused |= (uint32_t)e2_le16(gd->bg_itable_unused_hi)
			    << 16;
		/* validated at mount: unused <= ipg */
		if (index >= ump->um_ipg - unused)
			return ENOENT;
	}
	itable = e2_le32(gd->bg_inode_table_lo);
	if (ump->um_desc_size >= EXT2_MIN_DESC_SIZE_64)
		itable |= (uint64_t)e2_le32(gd->bg_inode_table_hi) << 32;
	off = (uint64_t)index * ump->um_isize;
	blk = itable + (off >> ump->um_bshift);
	error = ext2fs_bread(ump, blk, 0, "inode table", ino, &bp);
	if (error)
		return error;
	memcpy(raw, (uint8_t *)bp->b_data + (off & (ump->um_bsize - 1)),
	    ump->um_isize);
	brelse(bp);

	for (i = 0; i < ump->um_isize && raw[i] == 0; i++)
		continue;
	if (i == ump->um_isize)
		return ENOENT;
	if (ump->um_metadata_csum && !ext2fs_inode_csum_ok(ump, ino, raw))
		return ext2fs_corrupt(ump, "inode %llu: checksum mismatch",
		    (unsigned long long)ino);
	return 0;
}

int
ext2fs_inode_mode(struct ext2fs_mount *ump, ino64_t ino, uint32_t *modep)
{
	uint8_t *raw;
	int error;

	if ((raw = kmem_alloc(ump->um_isize)) == NULL)
		return ENOMEM;
	error = ext2fs_inode_read_raw(ump, ino, raw);
	if (error == 0)
		*modep = e2_le16(((struct ext2_dinode *)raw)->i_mode);
	kmem_free(raw, ump->um_isize);
	return error;
}

/* Seconds from the 32-bit field, epoch bits and nanoseconds from EXTRA. */
static void
ext2fs_decode_time(struct vfs_timespec *ts, e2le32_t lo, const e2le32_t *extra)
{
	uint32_t x;

	ts->tv_sec = (int32_t)e2_le32(lo);
	ts->tv_nsec = 0;
	if (extra == NULL)
		return;
	x = e2_le32(*extra);
	ts->tv_sec += (int64_t)(x & EXT2_EPOCH_MASK) << 32;
	ts->tv_nsec = (long)((x & EXT2_NSEC_MASK) >> EXT2_EPOCH_BITS);
	if (ts->tv_nsec > 999999999L)
		ts->tv_nsec = 999999999L;
}

static uint64_t
ext2fs_decode_rdev(const struct ext2_dinode *di)
{
	uint32_t old = e2_le32(di->i_block[0]), new = e2_le32(di->i_block[1]);

	if (old != 0)
		return kmakedev((old >> 8) & 0xff, old & 0xff);
	return kmakedev((new & 0xfff00) >> 8,
	    (new & 0xff) | ((new >> 12) & 0xfff00));
}

static int
ext2fs_node_decode(struct ext2fs_node *np)
{
	struct ext2fs_mount *ump = np->n_ump;
	const struct ext2_dinode *di = EXT2_DINODE(np);
	unsigned long long ino = (unsigned long long)np->n_ino;
	uint64_t blocks;
	uint32_t extra = 0;

	np->n_mode = e2_le16(di->i_mode);
	if (ext2fs_mode_vtype(np->n_mode) == VNON)
		return ext2fs_corrupt(ump, "inode %llu: bad mode 0%o", ino,
		    np->n_mode);
	if (ump->um_isize > EXT2_GOOD_OLD_INODE_SIZE) {
		extra = e2_le16(di->i_extra_isize);
		if (EXT2_GOOD_OLD_INODE_SIZE + extra > ump->um_isize ||
		    (extra & 3) != 0)
			return ext2fs_corrupt(ump,
			    "inode %llu: bad i_extra_isize %u", ino, extra);
	}
	np->n_extra_isize = extra;
	np->n_flags = e2_le32(di->i_flags);
	np->n_nlink = e2_le16(di->i_links_count);
	np->n_gen = e2_le32(di->i_generation);
	np->n_uid = e2_le16(di->i_uid) |
	    (uint32_t)e2_le16(di->i_uid_high) << 16;
	np->n_gid = e2_le16(di->i_gid) |
	    (uint32_t)e2_le16(di->i_gid_high) << 16;

	np->n_size = e2_le32(di->i_size_lo);
	if ((np->n_mode & S_IFMT) == S_IFREG ||
	    EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_LARGEDIR))
		np->n_size |= (uint64_t)e2_le32(di->i_size_high) << 32;
	if (np->n_size > (uint64_t)INT64_MAX)
		return ext2fs_corrupt(ump, "inode %llu: bad size %llu", ino,
		    (unsigned long long)np->n_size);

	blocks = e2_le32(di->i_blocks_lo);
	if (EXT2_HAS_ROCOMPAT(ump, EXT2F_ROCOMPAT_HUGE_FILE)) {
		blocks |= (uint64_t)e2_le16(di->i_blocks_high) << 32;
		if (np->n_flags & EXT2_HUGE_FILE_FL)
			blocks <<= ump->um_bshift - 9;
	}
	np->n_bytes = blocks << 9;
	/* As Linux: a file's inline data counts as the sectors it fills. */
	if ((np->n_flags & EXT2_INLINE_DATA_FL) &&
	    (np->n_mode & S_IFMT) == S_IFREG)
		np->n_bytes += (np->n_size + 511) & ~(uint64_t)511;

	np->n_file_acl = e2_le32(di->i_file_acl_lo);
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_64BIT))
		np->n_file_acl |= (uint64_t)e2_le16(di->i_file_acl_high) << 32;
	if (np->n_file_acl != 0 && !ext2fs_blk_valid(ump, np->n_file_acl, 1))
		return ext2fs_corrupt(ump,
		    "inode %llu: bad xattr block %llu", ino,
		    (unsigned long long)np->n_file_acl);

	if ((np->n_flags & EXT2_INLINE_DATA_FL) &&
	    (!EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_INLINE_DATA) ||
	    (np->n_flags & EXT2_EXTENTS_FL)))
		return ext2fs_corrupt(ump,
		    "inode %llu: inline data flag not allowed here", ino);
	if (np->n_flags & EXT2_ENCRYPT_FL)
		return ext2fs_corrupt(ump,
		    "inode %llu: encrypted, but the filesystem is not", ino);

	ext2fs_decode_time(&np->n_atime, di->i_atime,
	    EXT2_FITS_IN_INODE(extra, i_atime_extra) ?
	    &di->i_atime_extra : NULL);
	ext2fs_decode_time(&np->n_mtime, di->i_mtime,
	    EXT2_FITS_IN_INODE(extra, i_mtime_extra) ?
	    &di->i_mtime_extra : NULL);
	ext2fs_decode_time(&np->n_ctime, di->i_ctime,
	    EXT2_FITS_IN_INODE(extra, i_ctime_extra) ?
	    &di->i_ctime_extra : NULL);
	np->n_has_btime = EXT2_FITS_IN_INODE(extra, i_crtime);
	if (np->n_has_btime)
		ext2fs_decode_time(&np->n_btime, di->i_crtime,
		    EXT2_FITS_IN_INODE(extra, i_crtime_extra) ?
		    &di->i_crtime_extra : NULL);

	np->n_rdev = 0;
	if ((np->n_mode & S_IFMT) == S_IFCHR ||
	    (np->n_mode & S_IFMT) == S_IFBLK)
		np->n_rdev = ext2fs_decode_rdev(di);

	np->n_csum_seed = 0;
	if (ump->um_metadata_csum)
		np->n_csum_seed = ext2fs_inode_csum_seed(ump, np->n_ino,
		    np->n_gen);
	return 0;
}

/*
 * => On success *NPP is a new node the caller owns (ext2fs_node_free).
 * => ENOENT: the inode is free (no links); ESTALE: INO out of range.
 */
int
ext2fs_node_load(struct ext2fs_mount *ump, ino64_t ino,
    struct ext2fs_node **npp)
{
	struct ext2fs_node *np;
	int error;

	*npp = NULL;
	if ((np = kmem_zalloc(sizeof(*np))) == NULL)
		return ENOMEM;
	if ((np->n_raw = kmem_alloc(ump->um_isize)) == NULL) {
		error = ENOMEM;
		goto out_free;
	}
	np->n_ump = ump;
	np->n_ino = ino;
	if ((error = ext2fs_inode_read_raw(ump, ino, np->n_raw)) != 0)
		goto out_free;
	if (e2_le16(EXT2_DINODE(np)->i_links_count) == 0) {
		error = ENOENT;
		goto out_free;
	}
	if ((error = ext2fs_node_decode(np)) != 0)
		goto out_free;
	*npp = np;
	return 0;

out_free:
	ext2fs_node_free(np);
	return error;
}

void
ext2fs_node_free(struct ext2fs_node *np)
{
	if (np->n_raw != NULL)
		kmem_free(np->n_raw, np->n_ump != NULL ? np->n_ump->um_isize :
		    0);
	kmem_free(np, sizeof(*np));
}

void
ext2fs_node_getattr(const struct ext2fs_node *np, struct vattr *va)
{
	memset(va, 0, sizeof(*va));
	va->va_mask = VA_ALL;
	if (!np->n_has_btime)
		va->va_mask &= ~(uint32_t)VA_BTIME;
	va->va_type = ext2fs_mode_vtype(np->n_mode);
	va->va_mode = np->n_mode & ALLPERMS;
	va->va_nlink = np->n_nlink;
	va->va_uid = np->n_uid;
	va->va_gid = np->n_gid;
	va->va_fileid = np->n_ino;
	va->va_size = np->n_size;
	va->va_bytes = np->n_bytes;
	va->va_blocksize = np->n_ump->um_bsize;
	va->va_atime = np->n_atime;
	va->va_mtime = np->n_mtime;
	va->va_ctime = np->n_ctime;
	va->va_birthtime = np->n_btime;
	va->va_rdev = np->n_rdev;
	va->va_flags = np->n_flags & EXT2_FL_USER_VISIBLE;
	va->va_gen = np->n_gen;
}
