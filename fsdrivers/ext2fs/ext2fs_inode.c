/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_inode.c -- reading one on-disk inode into an in-core node, and
 * writing it back.
 *
 * ext2fs_node_load() locates inode INO in its group's inode table, reads
 * it through the buffer cache, verifies its checksum (metadata_csum),
 * validates every field the driver uses and decodes them: 32-bit owners,
 * 64-bit size and block counts (huge_file), nanosecond and post-2038
 * timestamps from the extra fields, creation time, device numbers in
 * both encodings, the external xattr block.  Checks of the block map,
 * directory contents and inline data happen where those are read.
 *
 * ext2fs_node_update() is the reverse: it encodes the decoded fields
 * into the raw inode (i_blocks in sectors, 48-bit sectors or blocks with
 * huge_file, times with nanoseconds and epoch bits in the extra fields
 * that i_extra_isize covers), sets the checksum and puts the inode table
 * block in the running transaction.  ext2fs_node_new() makes the node
 * of a freshly allocated inode.
 *
 * Exports ext2fs_node_load, ext2fs_node_free, ext2fs_node_getattr,
 * ext2fs_inode_mode, ext2fs_mode_vtype; and from ext2fs_write.h
 * ext2fs_node_update, ext2fs_node_new, ext2fs_node_settime, ext2fs_now.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

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
	return ext2fs_node_load_any(ump, ino, false, npp);
}

/* => UNLINKED: an inode without links loads too (orphan recovery). */
int
ext2fs_node_load_any(struct ext2fs_mount *ump, ino64_t ino, bool unlinked,
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
	if (e2_le16(EXT2_DINODE(np)->i_links_count) == 0 && !unlinked) {
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

/* ---- write-back ---- */

static void
st16(e2le16_t *p, uint32_t v)
{
	p->b[0] = (uint8_t)v;
	p->b[1] = (uint8_t)(v >> 8);
}

/*
 * Seconds representable by an inode with (EXTRA) or without the epoch
 * bits: [-2^31, 2^31) or [-2^31, 2^34 - 2^31).
 */
static void
ext2fs_clamp_time(struct vfs_timespec *ts, bool extra)
{
	int64_t lo = INT32_MIN;
	int64_t hi = extra ? ((int64_t)1 << 34) + INT32_MIN - 1 : INT32_MAX;

	if (ts->tv_sec < lo) {
		ts->tv_sec = lo;
		ts->tv_nsec = 0;
	} else if (ts->tv_sec > hi) {
		ts->tv_sec = hi;
		ts->tv_nsec = extra ? 999999999L : 0;
	}
	if (!extra || ts->tv_nsec < 0)
		ts->tv_nsec = 0;
	else if (ts->tv_nsec > 999999999L)
		ts->tv_nsec = 999999999L;
}

/* The 32-bit seconds field, and EXTRA (when not NULL) for TS. */
static void
ext2fs_encode_time(const struct vfs_timespec *ts, e2le32_t *lo,
    e2le32_t *extra)
{
	struct vfs_timespec t = *ts;
	uint32_t x;

	ext2fs_clamp_time(&t, extra != NULL);
	*lo = e2_mkle32((uint32_t)t.tv_sec);
	if (extra == NULL)
		return;
	x = (uint32_t)((t.tv_sec - (int64_t)(int32_t)(uint32_t)t.tv_sec) >>
	    32) & EXT2_EPOCH_MASK;
	x |= (uint32_t)t.tv_nsec << EXT2_EPOCH_BITS;
	*extra = e2_mkle32(x);
}

/*
 * Set the large_file feature the first time a file grows past 2 GiB
 * (ext2 revision 1 and later).  Caller holds a handle.
 */
static int
ext2fs_set_large_file(struct ext2fs_mount *ump)
{
	uint32_t ro;

	mutex_enter(&ump->um_lock);
	if (EXT2_HAS_ROCOMPAT(ump, EXT2F_ROCOMPAT_LARGE_FILE)) {
		mutex_exit(&ump->um_lock);
		return 0;
	}
	ro = e2_le32(ump->um_sb.s_feature_ro_compat) |
	    EXT2F_ROCOMPAT_LARGE_FILE;
	ump->um_sb.s_feature_ro_compat = e2_mkle32(ro);
	ump->um_rocompat |= EXT2F_ROCOMPAT_LARGE_FILE;
	mutex_exit(&ump->um_lock);
	return ext2fs_sb_dirty(ump);
}

/* Encode i_blocks (and HUGE_FILE_FL in n_flags) from NP's n_bytes. */
static int
ext2fs_encode_blocks(struct ext2fs_node *np, struct ext2_dinode *di)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t sectors;

	if ((np->n_flags & EXT2_INLINE_DATA_FL) &&
	    (np->n_mode & S_IFMT) == S_IFREG) {
		/* the read path counts the inline bytes: keep that view */
		sectors = np->n_file_acl != 0 ? ump->um_bsize >> 9 : 0;
		np->n_bytes = (sectors << 9) +
		    ((np->n_size + 511) & ~(uint64_t)511);
	} else
		sectors = np->n_bytes >> 9;
	np->n_flags &= ~(uint32_t)EXT2_HUGE_FILE_FL;
	if (sectors <= UINT32_MAX) {
		di->i_blocks_lo = e2_mkle32((uint32_t)sectors);
		st16(&di->i_blocks_high, 0);
		return 0;
	}
	if (!EXT2_HAS_ROCOMPAT(ump, EXT2F_ROCOMPAT_HUGE_FILE))
		return EFBIG;
	if (sectors >= (uint64_t)1 << 48) {
		np->n_flags |= EXT2_HUGE_FILE_FL;
		sectors >>= ump->um_bshift - 9;
		if (sectors >= (uint64_t)1 << 48)
			return EFBIG;
	}
	di->i_blocks_lo = e2_mkle32((uint32_t)sectors);
	st16(&di->i_blocks_high, (uint32_t)(sectors >> 32));
	return 0;
}

static void
ext2fs_encode_rdev(struct ext2fs_node *np, struct ext2_dinode *di)
{
	uint32_t ma = kmajor(np->n_rdev), mi = kminor(np->n_rdev);

	if (ma < 256 && mi < 256) {
		di->i_block[0] = e2_mkle32(ma << 8 | mi);
		di->i_block[1] = e2_mkle32(0);
	} else {
		di->i_block[0] = e2_mkle32(0);
		di->i_block[1] = e2_mkle32((mi & 0xff) | (ma << 8) |
		    ((mi & ~0xffU) << 12));
		di->i_block[2] = e2_mkle32(0);
	}
}

/* Inode table block holding INO, and the inode's offset inside it. */
int
ext2fs_inode_loc(struct ext2fs_mount *ump, ino64_t ino, uint64_t *blkp,
    size_t *offp)
{
	uint64_t itable, off;
	uint32_t group, index;

	if (ino < 1 || ino > ump->um_ninodes)
		return ESTALE;
	group = (uint32_t)((ino - 1) / ump->um_ipg);
	index = (uint32_t)((ino - 1) % ump->um_ipg);
	/* the table's location never changes: no um_lock needed */
	itable = ext2fs_gd_inode_table(ump, ext2fs_gd(ump, group));
	off = (uint64_t)index * ump->um_isize;
	*blkp = itable + (off >> ump->um_bshift);
	*offp = (size_t)(off & (ump->um_bsize - 1));
	if (!ext2fs_blk_valid(ump, *blkp, 1))
		return ext2fs_corrupt(ump, "inode %llu: inode table block "
		    "%llu outside the filesystem", (unsigned long long)ino,
		    (unsigned long long)*blkp);
	return 0;
}

/*
 * => Caller holds NP's vnode lock exclusive (or NP is new) and a handle.
 * => EFBIG if n_bytes cannot be encoded (no huge_file).
 */
int
ext2fs_node_update(struct ext2fs_node *np)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct ext2_dinode *di = (struct ext2_dinode *)np->n_raw;
	uint32_t extra = np->n_extra_isize;
	uint32_t type = np->n_mode & S_IFMT;
	struct buf *bp;
	uint64_t blk;
	size_t off;
	int error;

	KASSERT(!ump->um_ronly);
	if (type == S_IFREG && np->n_size > INT32_MAX &&
	    !EXT2_HAS_ROCOMPAT(ump, EXT2F_ROCOMPAT_LARGE_FILE) &&
	    (error = ext2fs_set_large_file(ump)) != 0)
		return error;
	if ((error = ext2fs_encode_blocks(np, di)) != 0)
		return error;
	st16(&di->i_mode, np->n_mode);
	st16(&di->i_uid, np->n_uid & 0xffff);
	st16(&di->i_uid_high, np->n_uid >> 16);
	st16(&di->i_gid, np->n_gid & 0xffff);
	st16(&di->i_gid_high, np->n_gid >> 16);
	KASSERT(np->n_nlink <= 0xffff);
	st16(&di->i_links_count, np->n_nlink);
	di->i_size_lo = e2_mkle32((uint32_t)np->n_size);
	di->i_size_high = e2_mkle32((uint32_t)(np->n_size >> 32));
	di->i_flags = e2_mkle32(np->n_flags);
	di->i_generation = e2_mkle32(np->n_gen);
	di->i_file_acl_lo = e2_mkle32((uint32_t)np->n_file_acl);
	st16(&di->i_file_acl_high, EXT2_HAS_INCOMPAT(ump,
	    EXT2F_INCOMPAT_64BIT) ? (uint32_t)(np->n_file_acl >> 32) : 0);
	if (type == S_IFCHR || type == S_IFBLK)
		ext2fs_encode_rdev(np, di);
	if (ump->um_isize > EXT2_GOOD_OLD_INODE_SIZE)
		st16(&di->i_extra_isize, extra);
	ext2fs_encode_time(&np->n_atime, &di->i_atime,
	    EXT2_FITS_IN_INODE(extra, i_atime_extra) ?
	    &di->i_atime_extra : NULL);
	ext2fs_encode_time(&np->n_mtime, &di->i_mtime,
	    EXT2_FITS_IN_INODE(extra, i_mtime_extra) ?
	    &di->i_mtime_extra : NULL);
	ext2fs_encode_time(&np->n_ctime, &di->i_ctime,
	    EXT2_FITS_IN_INODE(extra, i_ctime_extra) ?
	    &di->i_ctime_extra : NULL);
	if (np->n_has_btime && EXT2_FITS_IN_INODE(extra, i_crtime))
		ext2fs_encode_time(&np->n_btime, &di->i_crtime,
		    EXT2_FITS_IN_INODE(extra, i_crtime_extra) ?
		    &di->i_crtime_extra : NULL);

	if ((error = ext2fs_inode_loc(ump, np->n_ino, &blk, &off)) != 0)
		return error;
	if ((error = ext2fs_bread(ump, blk, 0, "inode table", np->n_ino,
	    &bp)) != 0)
		return error;
	/*
	 * On the orphan list, i_dtime links to the next orphan and belongs
	 * to ext2fs_orphan.c, which changes it in the inode table directly.
	 */
	if (np->n_orphan) {
		memcpy(&di->i_dtime, (uint8_t *)bp->b_data + off +
		    offsetof(struct ext2_dinode, i_dtime), 4);
	}
	ext2fs_inode_csum_set(ump, np->n_ino, np->n_raw);
	memcpy((uint8_t *)bp->b_data + off, np->n_raw, ump->um_isize);
	ext2fs_trans_dirty(ump, bp);
	return 0;
}

void
ext2fs_now(struct vfs_timespec *ts)
{
	vfs_timestamp(ts);
}

/* => Caller holds NP's vnode lock exclusive (or NP is new). */
void
ext2fs_node_settime(struct ext2fs_node *np, unsigned which,
    const struct vfs_timespec *ts)
{
	uint32_t extra = np->n_extra_isize;
	struct vfs_timespec t;

	/* keep in core exactly what the inode can hold */
	if (which & EXT2FS_ATIME) {
		t = *ts;
		ext2fs_clamp_time(&t, EXT2_FITS_IN_INODE(extra,
		    i_atime_extra));
		np->n_atime = t;
	}
	if (which & EXT2FS_MTIME) {
		t = *ts;
		ext2fs_clamp_time(&t, EXT2_FITS_IN_INODE(extra,
		    i_mtime_extra));
		np->n_mtime = t;
	}
	if (which & EXT2FS_CTIME) {
		t = *ts;
		ext2fs_clamp_time(&t, EXT2_FITS_IN_INODE(extra,
		    i_ctime_extra));
		np->n_ctime = t;
	}
}

/*
 * => INO was just allocated (ext2fs_ialloc); the node is not written.
 * => Symbolic links get no EXTENTS_FL here: the symlink code sets it
 *    (with ext2fs_ext_init_root) only for a slow one.
 */
int
ext2fs_node_new(struct ext2fs_mount *ump, ino64_t ino, uint32_t mode,
    uint32_t uid, uint32_t gid, struct ext2fs_node **npp)
{
	struct ext2fs_node *np;
	struct ext2_dinode *di;
	struct ext2_extent_header *eh;
	struct vfs_timespec now;
	uint32_t extra = 0, type = mode & S_IFMT;

	*npp = NULL;
	if ((np = kmem_zalloc(sizeof(*np))) == NULL)
		return ENOMEM;
	if ((np->n_raw = kmem_zalloc(ump->um_isize)) == NULL) {
		kmem_free(np, sizeof(*np));
		return ENOMEM;
	}
	np->n_ump = ump;
	np->n_ino = ino;
	np->n_mode = mode;
	np->n_uid = uid;
	np->n_gid = gid;
	np->n_nlink = 0;
	np->n_gen = karc4random();
	if (ump->um_isize > EXT2_GOOD_OLD_INODE_SIZE) {
		/* as Linux: the larger of s_want_extra_isize and 32 */
		extra = MAX(e2_le16(ump->um_sb.s_want_extra_isize),
		    e2_le16(ump->um_sb.s_min_extra_isize));
		if (extra < sizeof(struct ext2_dinode) -
		    EXT2_GOOD_OLD_INODE_SIZE)
			extra = sizeof(struct ext2_dinode) -
			    EXT2_GOOD_OLD_INODE_SIZE;
		extra = MIN(extra, ump->um_isize - EXT2_GOOD_OLD_INODE_SIZE) &
		    ~3U;
	}
	np->n_extra_isize = extra;
	di = (struct ext2_dinode *)np->n_raw;
	if (ump->um_isize > EXT2_GOOD_OLD_INODE_SIZE)
		st16(&di->i_extra_isize, extra);
	np->n_has_btime = EXT2_FITS_IN_INODE(extra, i_crtime);
	ext2fs_now(&now);
	ext2fs_node_settime(np, EXT2FS_ATIME | EXT2FS_MTIME | EXT2FS_CTIME,
	    &now);
	if (np->n_has_btime)
		np->n_btime = np->n_ctime;
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_EXTENTS) &&
	    (type == S_IFREG || type == S_IFDIR)) {
		np->n_flags |= EXT2_EXTENTS_FL;
		eh = (struct ext2_extent_header *)di->i_block;
		st16(&eh->eh_magic, EXT2_EXT_MAGIC);
		st16(&eh->eh_entries, 0);
		st16(&eh->eh_max, (EXT2_IBLOCK_BYTES - sizeof(*eh)) /
		    sizeof(struct ext2_extent));
		st16(&eh->eh_depth, 0);
	}
	if (ump->um_metadata_csum)
		np->n_csum_seed = ext2fs_inode_csum_seed(ump, ino, np->n_gen);
	di->i_generation = e2_mkle32(np->n_gen);
	*npp = np;
	return 0;
}
