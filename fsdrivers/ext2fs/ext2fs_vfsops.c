/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_vfsops.c -- mounting ext2, ext3 and ext4: the superblock, the
 * group descriptor table, feature policy, statvfs, the root and vnode
 * loading.  Registered as "ext2fs" with the aliases "ext2", "ext3" and
 * "ext4".
 *
 * Mount, in order:
 *   1. Read the superblock (1024 bytes at byte 1024) and validate every
 *      field the driver uses: magic, revision, block size (1..64 KiB),
 *      blocks and inodes per group, the group count against the block
 *      count, the inode count and the device size, inode size (128 ..
 *      block size, a power of two), first data block, first inode,
 *      descriptor size (64bit), the checksum under metadata_csum.
 *   2. Feature policy: an INCOMPAT feature the driver cannot read is
 *      refused with a message naming it; RO_COMPAT features that matter
 *      for reading (bigalloc, verity, ...) likewise.  A read-write mount
 *      of a filesystem with a feature the write path cannot keep right
 *      (ext2fs_rw_refusal: quota, project, mmp, ea_inode, fast_commit,
 *      orphan_file, an external journal, ...) is refused when "rw" was
 *      explicit, else mounted read-only with a warning.
 *   3. Read the group descriptors (32- or 64-byte, classic or meta_bg
 *      layout) and validate each: checksum (crc16 for gdt_csum, crc32c
 *      for metadata_csum), bitmaps and inode table inside the filesystem
 *      (inside the group unless flex_bg), unused-inode count.
 *   4. If the journal needs recovery (and "norecovery" was not given),
 *      replay it (ext2fs_journal.c: into pinned buffers on a read-only
 *      mount, in place on a read-write one) and repeat 1-3 from the
 *      replayed blocks.
 *   5. Check that the root inode is a directory.
 *   6. Read-write: count the mount, mark an ext2 filesystem not clean
 *      while mounted (a journaled one is marked by needs_recovery),
 *      start the transactions (ext2fs_trans_init) and finish the orphans
 *      left by a crash.
 *
 * Life cycle: the geometry in struct ext2fs_mount is fixed at mount; the
 * descriptors and the superblock's counts change under um_lock and reach
 * the disk through ext2fs_gd_dirty / ext2fs_sb_dirty (in the running
 * transaction).  Unmount restores the state the filesystem had at mount
 * (clean or not), commits, empties the journal and clears needs_recovery
 * (ext2fs_trans_fini), then drops the replayed buffers and frees it.
 * Vnodes are loaded by ext2fs_loadvnode (from disk, or a new node handed
 * over as the hint) and freed by VOP_RECLAIM.
 *
 * Also exports the descriptor and superblock part of ext2fs_write.h.
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#define EXT2FS_LINK_MAX	65000

/* INCOMPAT features the driver reads. */
#define EXT2F_INCOMPAT_SUPP						\
	(EXT2F_INCOMPAT_FILETYPE | EXT2F_INCOMPAT_RECOVER |		\
	 EXT2F_INCOMPAT_META_BG | EXT2F_INCOMPAT_EXTENTS |		\
	 EXT2F_INCOMPAT_64BIT | EXT2F_INCOMPAT_MMP |			\
	 EXT2F_INCOMPAT_FLEX_BG | EXT2F_INCOMPAT_EA_INODE |		\
	 EXT2F_INCOMPAT_CSUM_SEED | EXT2F_INCOMPAT_LARGEDIR |		\
	 EXT2F_INCOMPAT_INLINE_DATA)
/* RO_COMPAT features without which the data cannot be read correctly. */
#define EXT2F_ROCOMPAT_UNSUPP_READ					\
	(EXT2F_ROCOMPAT_BIGALLOC | EXT2F_ROCOMPAT_VERITY |		\
	 EXT2F_ROCOMPAT_HAS_SNAPSHOT)

struct ext2fs_feature {
	uint32_t	mask;
	const char	*name;
};

static const struct ext2fs_feature ext2fs_incompat_names[] = {
	{ EXT2F_INCOMPAT_COMPRESSION, "compression" },
	{ EXT2F_INCOMPAT_FILETYPE, "filetype" },
	{ EXT2F_INCOMPAT_RECOVER, "needs_recovery" },
	{ EXT2F_INCOMPAT_JOURNAL_DEV, "journal_dev" },
	{ EXT2F_INCOMPAT_META_BG, "meta_bg" },
	{ EXT2F_INCOMPAT_EXTENTS, "extent" },
	{ EXT2F_INCOMPAT_64BIT, "64bit" },
	{ EXT2F_INCOMPAT_MMP, "mmp" },
	{ EXT2F_INCOMPAT_FLEX_BG, "flex_bg" },
	{ EXT2F_INCOMPAT_EA_INODE, "ea_inode" },
	{ EXT2F_INCOMPAT_DIRDATA, "dirdata" },
	{ EXT2F_INCOMPAT_CSUM_SEED, "metadata_csum_seed" },
	{ EXT2F_INCOMPAT_LARGEDIR, "large_dir" },
	{ EXT2F_INCOMPAT_INLINE_DATA, "inline_data" },
	{ EXT2F_INCOMPAT_ENCRYPT, "encrypt" },
	{ EXT2F_INCOMPAT_CASEFOLD, "casefold" },
};

static const struct ext2fs_feature ext2fs_rocompat_names[] = {
	{ EXT2F_ROCOMPAT_BIGALLOC, "bigalloc" },
	{ EXT2F_ROCOMPAT_VERITY, "verity" },
	{ EXT2F_ROCOMPAT_HAS_SNAPSHOT, "snapshot" },
};

static const char *
ext2fs_feature_name(const struct ext2fs_feature *tab, size_t n, uint32_t bits)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (bits & tab[i].mask)
			return tab[i].name;
	return NULL;
}

static bool
ext2fs_test_root(uint32_t a, uint32_t b)
{
	uint64_t num = b;

	while (num < a)
		num *= b;
	return num == a;
}

/* Does group G hold a superblock backup (and descriptor copies)? */
bool
ext2fs_bg_has_super(const struct ext2fs_mount *ump, uint32_t g)
{
	if (g == 0)
		return true;
	if (EXT2_HAS_COMPAT(ump, EXT2F_COMPAT_SPARSE_SUPER2))
		return g == e2_le32(ump->um_sb.s_backup_bgs[0]) ||
		    g == e2_le32(ump->um_sb.s_backup_bgs[1]);
	if (g <= 1 || !EXT2_HAS_ROCOMPAT(ump, EXT2F_ROCOMPAT_SPARSE_SUPER))
		return true;
	if ((g & 1) == 0)
		return false;
	return ext2fs_test_root(g, 3) || ext2fs_test_root(g, 5) ||
	    ext2fs_test_root(g, 7);
}

uint64_t
ext2fs_group_first_block(const struct ext2fs_mount *ump, uint32_t g)
{
	return (uint64_t)g * ump->um_bpg + ump->um_first_data_block;
}

static uint32_t
ext2fs_gdt_blocks(const struct ext2fs_mount *ump)
{
	return howmany(ump->um_ngroups, ump->um_descs_per_block);
}

/* Where descriptor block NR lives (classic or meta_bg layout). */
static uint64_t
ext2fs_descriptor_loc(const struct ext2fs_mount *ump, uint32_t nr)
{
	uint32_t bg = ump->um_descs_per_block * nr;

	if (!EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_META_BG) ||
	    nr < e2_le32(ump->um_sb.s_first_meta_bg))
		return ump->um_first_data_block + nr + 1;
	return ext2fs_group_first_block(ump, bg) +
	    (ext2fs_bg_has_super(ump, bg) ? 1 : 0);
}

/*
 * Validate the superblock SB (a copy) and decode the geometry into UMP.
 * RECOVERED: the journal has been replayed (ignore needs_recovery).
 */
static int
ext2fs_sb_setup(struct ext2fs_mount *ump, const struct ext2_super *sb,
    uint64_t devsize)
{
	struct mount *mp = ump->um_mp;
	uint32_t logbs, rev, incompat_bad, ro_bad, ipb;
	uint64_t ngroups;
	const char *name;

	if (e2_le16(sb->s_magic) != EXT2_MAGIC) {
		vfs_mount_error(mp, "not an ext2/ext3/ext4 filesystem");
		return EINVAL;
	}
	ump->um_sb = *sb;
	rev = e2_le32(sb->s_rev_level);
	if (rev > EXT2_DYNAMIC_REV) {
		vfs_mount_error(mp, "ext2fs: unknown revision %u", rev);
		return EINVAL;
	}
	if (rev == EXT2_GOOD_OLD_REV) {
		ump->um_compat = ump->um_incompat = ump->um_rocompat = 0;
		ump->um_isize = EXT2_GOOD_OLD_INODE_SIZE;
		ump->um_first_ino = EXT2_GOOD_OLD_FIRST_INO;
	} else {
		ump->um_compat = e2_le32(sb->s_feature_compat);
		ump->um_incompat = e2_le32(sb->s_feature_incompat);
		ump->um_rocompat = e2_le32(sb->s_feature_ro_compat);
		ump->um_isize = e2_le16(sb->s_inode_size);
		ump->um_first_ino = e2_le32(sb->s_first_ino);
	}

	/* Features first: the rest of the checks depend on them. */
	incompat_bad = ump->um_incompat & ~(uint32_t)EXT2F_INCOMPAT_SUPP;
	if (incompat_bad != 0) {
		name = ext2fs_feature_name(ext2fs_incompat_names,
		    __arraycount(ext2fs_incompat_names), incompat_bad);
		if (name != NULL)
			vfs_mount_error(mp, "ext2fs: unsupported feature %s",
			    name);
		else
			vfs_mount_error(mp, "ext2fs: unknown incompatible "
			    "features 0x%x", incompat_bad);
		return EINVAL;
	}
	ro_bad = ump->um_rocompat & EXT2F_ROCOMPAT_UNSUPP_READ;
	if (ro_bad != 0) {
		vfs_mount_error(mp, "ext2fs: unsupported feature %s",
		    ext2fs_feature_name(ext2fs_rocompat_names,
		    __arraycount(ext2fs_rocompat_names), ro_bad));
		return EINVAL;
	}
	ump->um_metadata_csum =
	    EXT2_HAS_ROCOMPAT(ump, EXT2F_ROCOMPAT_METADATA_CSUM);
	ump->um_gdt_csum = ump->um_metadata_csum ||
	    EXT2_HAS_ROCOMPAT(ump, EXT2F_ROCOMPAT_GDT_CSUM);
	if (ump->um_metadata_csum) {
		if (sb->s_checksum_type != EXT2_CRC32C_CHKSUM) {
			vfs_mount_error(mp, "ext2fs: unknown checksum type %u",
			    sb->s_checksum_type);
			return EINVAL;
		}
		if (!ext2fs_sb_csum_ok(sb))
			goto corrupt_csum;
		if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_CSUM_SEED))
			ump->um_csum_seed = e2_le32(sb->s_checksum_seed);
		else
			ump->um_csum_seed = ext2fs_crc32c(~0U, sb->s_uuid,
			    sizeof(sb->s_uuid));
	} else if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_CSUM_SEED)) {
		vfs_mount_error(mp, "ext2fs: metadata_csum_seed without "
		    "metadata_csum");
		return EINVAL;
	}

	logbs = e2_le32(sb->s_log_block_size);
	if (logbs > EXT2_MAX_BLOCK_LOG - EXT2_MIN_BLOCK_LOG)
		goto corrupt_logbs;
	ump->um_bshift = EXT2_MIN_BLOCK_LOG + logbs;
	ump->um_bsize = 1U << ump->um_bshift;
	if (e2_le32(sb->s_log_cluster_size) != logbs)
		goto corrupt_logbs;

	ump->um_nblocks = e2_le32(sb->s_blocks_count_lo);
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_64BIT))
		ump->um_nblocks |= (uint64_t)e2_le32(sb->s_blocks_count_hi)
		    << 32;
	ump->um_first_data_block = e2_le32(sb->s_first_data_block);
	ump->um_bpg = e2_le32(sb->s_blocks_per_group);
	ump->um_ipg = e2_le32(sb->s_inodes_per_group);
	ump->um_ninodes = e2_le32(sb->s_inodes_count);

	if (ump->um_first_data_block != (ump->um_bsize == 1024 ? 1U : 0U))
		return ext2fs_corrupt(ump, "superblock: bad first data block "
		    "%u", ump->um_first_data_block);
	if (ump->um_nblocks <= ump->um_first_data_block ||
	    ump->um_nblocks > (UINT64_MAX >> 16) ||
	    ump->um_nblocks << ump->um_bshift > devsize)
		return ext2fs_corrupt(ump, "superblock: block count %llu "
		    "does not fit the device (%llu bytes)",
		    (unsigned long long)ump->um_nblocks,
		    (unsigned long long)devsize);
	if (ump->um_bpg == 0 || ump->um_bpg > 8 * ump->um_bsize ||
	    (ump->um_bpg & 7) != 0 ||
	    e2_le32(sb->s_clusters_per_group) != ump->um_bpg)
		return ext2fs_corrupt(ump, "superblock: bad blocks per group "
		    "%u", ump->um_bpg);
	if (ump->um_isize < EXT2_GOOD_OLD_INODE_SIZE ||
	    ump->um_isize > ump->um_bsize || !powerof2(ump->um_isize))
		return ext2fs_corrupt(ump, "superblock: bad inode size %u",
		    ump->um_isize);
	ipb = ump->um_bsize / ump->um_isize;
	if (ump->um_ipg < ipb || ump->um_ipg > 8 * ump->um_bsize)
		return ext2fs_corrupt(ump, "superblock: bad inodes per group "
		    "%u", ump->um_ipg);
	ump->um_itb_per_group = howmany(ump->um_ipg, ipb);
	ngroups = howmany(ump->um_nblocks - ump->um_first_data_block,
	    (uint64_t)ump->um_bpg);
	if (ngroups > UINT32_MAX ||
	    ngroups * ump->um_ipg != ump->um_ninodes)
		return ext2fs_corrupt(ump, "superblock: %llu groups of %u "
		    "inodes do not make %u inodes", (unsigned long long)ngroups,
		    ump->um_ipg, ump->um_ninodes);
	ump->um_ngroups = (uint32_t)ngroups;
	if (ump->um_first_ino < EXT2_GOOD_OLD_FIRST_INO ||
	    ump->um_first_ino > ump->um_ninodes)
		return ext2fs_corrupt(ump, "superblock: bad first inode %u",
		    ump->um_first_ino);

	ump->um_desc_size = EXT2_MIN_DESC_SIZE;
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_64BIT)) {
		ump->um_desc_size = e2_le16(sb->s_desc_size);
		if (ump->um_desc_size < EXT2_MIN_DESC_SIZE_64 ||
		    ump->um_desc_size > EXT2_MAX_DESC_SIZE ||
		    ump->um_desc_size > ump->um_bsize ||
		    !powerof2(ump->um_desc_size))
			return ext2fs_corrupt(ump, "superblock: bad group "
			    "descriptor size %u", ump->um_desc_size);
	}
	ump->um_descs_per_block = ump->um_bsize / ump->um_desc_size;
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_META_BG) &&
	    e2_le32(sb->s_first_meta_bg) > ext2fs_gdt_blocks(ump))
		return ext2fs_corrupt(ump, "superblock: bad first meta "
		    "group %u", e2_le32(sb->s_first_meta_bg));
	if (e2_le16(sb->s_reserved_gdt_blocks) > ump->um_bsize / 4)
		return ext2fs_corrupt(ump, "superblock: %u reserved GDT "
		    "blocks", e2_le16(sb->s_reserved_gdt_blocks));

	ump->um_hash_seed[0] = e2_le32(sb->s_hash_seed[0]);
	ump->um_hash_seed[1] = e2_le32(sb->s_hash_seed[1]);
	ump->um_hash_seed[2] = e2_le32(sb->s_hash_seed[2]);
	ump->um_hash_seed[3] = e2_le32(sb->s_hash_seed[3]);
	ump->um_hash_unsigned =
	    (e2_le32(sb->s_flags) & EXT2_FLAGS_UNSIGNED_HASH) != 0;
	return 0;

corrupt_csum:
	return ext2fs_corrupt(ump, "superblock: checksum mismatch");
corrupt_logbs:
	return ext2fs_corrupt(ump, "superblock: bad block size (log %u, "
	    "cluster log %u)", e2_le32(sb->s_log_block_size),
	    e2_le32(sb->s_log_cluster_size));
}

/* Is [BLK, BLK+N) inside group G (or anywhere, with flex_bg)? */
static bool
ext2fs_gd_range_ok(const struct ext2fs_mount *ump, uint32_t g, uint64_t blk,
    uint64_t n)
{
	uint64_t first, last;

	if (!ext2fs_blk_valid(ump, blk, n))
		return false;
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_FLEX_BG))
		return true;
	first = ext2fs_group_first_block(ump, g);
	last = MIN(first + ump->um_bpg, ump->um_nblocks);
	return blk >= first && blk + n <= last;
}

static int
ext2fs_gdt_check(struct ext2fs_mount *ump, uint32_t g)
{
	const struct ext2_gd *gd = ext2fs_gd(ump, g);
	bool wide = ump->um_desc_size >= EXT2_MIN_DESC_SIZE_64;
	uint64_t bb, ib, it;
	uint32_t unused;

	if (ump->um_gdt_csum && !ext2fs_gd_csum_ok(ump, g, (const void *)gd))
		return ext2fs_corrupt(ump, "group descriptor %u: checksum "
		    "mismatch", g);
	bb = e2_le32(gd->bg_block_bitmap_lo);
	ib = e2_le32(gd->bg_inode_bitmap_lo);
	it = e2_le32(gd->bg_inode_table_lo);
	if (wide) {
		bb |= (uint64_t)e2_le32(gd->bg_block_bitmap_hi) << 32;
		ib |= (uint64_t)e2_le32(gd->bg_inode_bitmap_hi) << 32;
		it |= (uint64_t)e2_le32(gd->bg_inode_table_hi) << 32;
	}
	if (!ext2fs_gd_range_ok(ump, g, bb, 1) ||
	    !ext2fs_gd_range_ok(ump, g, ib, 1) ||
	    !ext2fs_gd_range_ok(ump, g, it, ump->um_itb_per_group))
		return ext2fs_corrupt(ump, "group descriptor %u: bitmaps or "
		    "inode table outside the %s (%llu %llu %llu)", g,
		    EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_FLEX_BG) ?
		    "filesystem" : "group", (unsigned long long)bb,
		    (unsigned long long)ib, (unsigned long long)it);
	if (ump->um_gdt_csum) {
		unused = e2_le16(gd->bg_itable_unused_lo);
		if (wide)
			unused |= (uint32_t)e2_le16(gd->bg_itable_unused_hi)
			    << 16;
		if (unused > ump->um_ipg)
			return ext2fs_corrupt(ump, "group descriptor %u: %u "
			    "unused inodes of %u", g, unused, ump->um_ipg);
	}
	return 0;
}

static void
ext2fs_gdt_free(struct ext2fs_mount *ump)
{
	if (ump->um_gdt != NULL)
		kmem_free(ump->um_gdt, (size_t)ump->um_ngroups *
		    ump->um_desc_size);
	ump->um_gdt = NULL;
}

static int
ext2fs_gdt_load(struct ext2fs_mount *ump)
{
	size_t total = (size_t)ump->um_ngroups * ump->um_desc_size, done, n;
	uint32_t nr, g;
	struct buf *bp;
	int error;

	if ((ump->um_gdt = kmem_alloc(total)) == NULL)
		return ENOMEM;
	for (nr = 0, done = 0; done < total; nr++, done += n) {
		n = MIN((size_t)ump->um_bsize, total - done);
		error = ext2fs_bread(ump, ext2fs_descriptor_loc(ump, nr), 0,
		    "group descriptor", 0, &bp);
		if (error)
			goto out_free;
		memcpy(ump->um_gdt + done, bp->b_data, n);
		brelse(bp);
	}
	for (g = 0; g < ump->um_ngroups; g++)
		if ((error = ext2fs_gdt_check(ump, g)) != 0)
			goto out_free;
	return 0;
out_free:
	ext2fs_gdt_free(ump);
	return error;
}

/* Read the superblock copy held in the buffer cache (after replay). */
static int
ext2fs_sb_reread(struct ext2fs_mount *ump, struct ext2_super *sb)
{
	struct buf *bp;
	uint64_t blk = EXT2_SBOFF >> ump->um_bshift;
	int error;

	if ((error = ext2fs_bread(ump, blk, 0, "superblock", 0, &bp)) != 0)
		return error;
	memcpy(sb, (uint8_t *)bp->b_data + (EXT2_SBOFF & (ump->um_bsize - 1)),
	    sizeof(*sb));
	brelse(bp);
	return 0;
}

/* ---- group descriptors and the superblock, for the write path ---- */

/* ext2fs_fs.h has no 16-bit encoder. */
static e2le16_t
ext2fs_mkle16(uint16_t x)
{
	e2le16_t v = { { (uint8_t)x, (uint8_t)(x >> 8) } };

	return v;
}

static bool
ext2fs_gd_wide(const struct ext2fs_mount *ump)
{
	return ump->um_desc_size >= EXT2_MIN_DESC_SIZE_64;
}

uint64_t
ext2fs_gd_block_bitmap(const struct ext2fs_mount *ump,
    const struct ext2_gd *gd)
{
	uint64_t v = e2_le32(gd->bg_block_bitmap_lo);

	if (ext2fs_gd_wide(ump))
		v |= (uint64_t)e2_le32(gd->bg_block_bitmap_hi) << 32;
	return v;
}

uint64_t
ext2fs_gd_inode_bitmap(const struct ext2fs_mount *ump,
    const struct ext2_gd *gd)
{
	uint64_t v = e2_le32(gd->bg_inode_bitmap_lo);

	if (ext2fs_gd_wide(ump))
		v |= (uint64_t)e2_le32(gd->bg_inode_bitmap_hi) << 32;
	return v;
}

uint64_t
ext2fs_gd_inode_table(const struct ext2fs_mount *ump,
    const struct ext2_gd *gd)
{
	uint64_t v = e2_le32(gd->bg_inode_table_lo);

	if (ext2fs_gd_wide(ump))
		v |= (uint64_t)e2_le32(gd->bg_inode_table_hi) << 32;
	return v;
}

/* A 32-bit count split into two 16-bit halves (the high one if wide). */
static uint32_t
ext2fs_gd_get16x2(const struct ext2fs_mount *ump, const e2le16_t *lo,
    const e2le16_t *hi)
{
	uint32_t v = e2_le16(*lo);

	if (ext2fs_gd_wide(ump))
		v |= (uint32_t)e2_le16(*hi) << 16;
	return v;
}

static void
ext2fs_gd_set16x2(const struct ext2fs_mount *ump, e2le16_t *lo,
    e2le16_t *hi, uint32_t n)
{
	KASSERT(ext2fs_gd_wide(ump) || n <= UINT16_MAX);
	*lo = ext2fs_mkle16((uint16_t)n);
	if (ext2fs_gd_wide(ump))
		*hi = ext2fs_mkle16((uint16_t)(n >> 16));
}

uint32_t
ext2fs_gd_free_blocks(const struct ext2fs_mount *ump,
    const struct ext2_gd *gd)
{
	return ext2fs_gd_get16x2(ump, &gd->bg_free_blocks_count_lo,
	    &gd->bg_free_blocks_count_hi);
}

void
ext2fs_gd_set_free_blocks(const struct ext2fs_mount *ump,
    struct ext2_gd *gd, uint32_t n)
{
	ext2fs_gd_set16x2(ump, &gd->bg_free_blocks_count_lo,
	    &gd->bg_free_blocks_count_hi, n);
}

uint32_t
ext2fs_gd_free_inodes(const struct ext2fs_mount *ump,
    const struct ext2_gd *gd)
{
	return ext2fs_gd_get16x2(ump, &gd->bg_free_inodes_count_lo,
	    &gd->bg_free_inodes_count_hi);
}

void
ext2fs_gd_set_free_inodes(const struct ext2fs_mount *ump,
    struct ext2_gd *gd, uint32_t n)
{
	ext2fs_gd_set16x2(ump, &gd->bg_free_inodes_count_lo,
	    &gd->bg_free_inodes_count_hi, n);
}

uint32_t
ext2fs_gd_used_dirs(const struct ext2fs_mount *ump,
    const struct ext2_gd *gd)
{
	return ext2fs_gd_get16x2(ump, &gd->bg_used_dirs_count_lo,
	    &gd->bg_used_dirs_count_hi);
}

void
ext2fs_gd_set_used_dirs(const struct ext2fs_mount *ump,
    struct ext2_gd *gd, uint32_t n)
{
	ext2fs_gd_set16x2(ump, &gd->bg_used_dirs_count_lo,
	    &gd->bg_used_dirs_count_hi, n);
}

uint32_t
ext2fs_gd_itable_unused(const struct ext2fs_mount *ump,
    const struct ext2_gd *gd)
{
	return ext2fs_gd_get16x2(ump, &gd->bg_itable_unused_lo,
	    &gd->bg_itable_unused_hi);
}

void
ext2fs_gd_set_itable_unused(const struct ext2fs_mount *ump,
    struct ext2_gd *gd, uint32_t n)
{
	ext2fs_gd_set16x2(ump, &gd->bg_itable_unused_lo,
	    &gd->bg_itable_unused_hi, n);
}

/*
 * Bitmap checksums (metadata_csum only): crc32c of the bitmap's bytes
 * that cover the group (blocks or inodes per group / 8), the low half
 * in the 32-byte part, the high half in the wide part.
 */
void
ext2fs_gd_set_block_bitmap_csum(const struct ext2fs_mount *ump,
    struct ext2_gd *gd, const uint8_t *bits)
{
	uint32_t crc;

	if (!ump->um_metadata_csum)
		return;
	crc = ext2fs_block_bitmap_csum(ump, bits);
	gd->bg_block_bitmap_csum_lo = ext2fs_mkle16((uint16_t)crc);
	if (ext2fs_gd_wide(ump))
		gd->bg_block_bitmap_csum_hi =
		    ext2fs_mkle16((uint16_t)(crc >> 16));
}

void
ext2fs_gd_set_inode_bitmap_csum(const struct ext2fs_mount *ump,
    struct ext2_gd *gd, const uint8_t *bits)
{
	uint32_t crc;

	if (!ump->um_metadata_csum)
		return;
	crc = ext2fs_inode_bitmap_csum(ump, bits);
	gd->bg_inode_bitmap_csum_lo = ext2fs_mkle16((uint16_t)crc);
	if (ext2fs_gd_wide(ump))
		gd->bg_inode_bitmap_csum_hi =
		    ext2fs_mkle16((uint16_t)(crc >> 16));
}

struct ext2_gd *
ext2fs_gd_mut(struct ext2fs_mount *ump, uint32_t g)
{
	KASSERT(mutex_owned(&ump->um_lock));
	KASSERT(g < ump->um_ngroups);
	return (struct ext2_gd *)(ump->um_gdt + (size_t)g * ump->um_desc_size);
}

/*
 * The descriptor block is taken busy before um_lock: nobody waits for a
 * descriptor block while holding um_lock (callers of this function do
 * not hold it), so the order cannot cycle.  Only group G's descriptor is
 * copied: every other one reaches the buffer through its own call, and
 * the last call for a group always copies its newest state.
 */
int
ext2fs_gd_dirty(struct ext2fs_mount *ump, uint32_t g)
{
	uint8_t *gd;
	struct buf *bp;
	size_t off;
	int error;

	KASSERT(g < ump->um_ngroups);
	KASSERT(!ump->um_ronly);
	error = ext2fs_bread(ump, ext2fs_descriptor_loc(ump,
	    g / ump->um_descs_per_block), 0, "group descriptor", 0, &bp);
	if (error)
		return error;
	off = (size_t)(g % ump->um_descs_per_block) * ump->um_desc_size;
	mutex_enter(&ump->um_lock);
	gd = ump->um_gdt + (size_t)g * ump->um_desc_size;
	ext2fs_gd_csum_set(ump, g, gd);
	memcpy((uint8_t *)bp->b_data + off, gd, ump->um_desc_size);
	mutex_exit(&ump->um_lock);
	ext2fs_trans_dirty(ump, bp);
	return 0;
}

/* The superblock's byte offset inside its filesystem block. */
static uint64_t
ext2fs_sb_blk(const struct ext2fs_mount *ump, size_t *offp)
{
	*offp = EXT2_SBOFF & (ump->um_bsize - 1);
	return EXT2_SBOFF >> ump->um_bshift;
}

uint64_t
ext2fs_sb_free_blocks(const struct ext2fs_mount *ump)
{
	uint64_t n = e2_le32(ump->um_sb.s_free_blocks_count_lo);

	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_64BIT))
		n |= (uint64_t)e2_le32(ump->um_sb.s_free_blocks_count_hi) << 32;
	return n;
}

void
ext2fs_sb_set_free_blocks(struct ext2fs_mount *ump, uint64_t n)
{
	ump->um_sb.s_free_blocks_count_lo = e2_mkle32((uint32_t)n);
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_64BIT))
		ump->um_sb.s_free_blocks_count_hi =
		    e2_mkle32((uint32_t)(n >> 32));
}

uint64_t
ext2fs_sb_r_blocks(const struct ext2fs_mount *ump)
{
	uint64_t n = e2_le32(ump->um_sb.s_r_blocks_count_lo);

	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_64BIT))
		n |= (uint64_t)e2_le32(ump->um_sb.s_r_blocks_count_hi) << 32;
	return n;
}

int
ext2fs_sb_dirty(struct ext2fs_mount *ump)
{
	struct buf *bp;
	size_t off;
	uint64_t blk;
	int error;

	KASSERT(!ump->um_ronly);
	blk = ext2fs_sb_blk(ump, &off);
	if ((error = ext2fs_bread(ump, blk, 0, "superblock", 0, &bp)) != 0)
		return error;
	mutex_enter(&ump->um_lock);
	if (ump->um_metadata_csum)
		ext2fs_sb_csum_set(&ump->um_sb);
	memcpy((uint8_t *)bp->b_data + off, &ump->um_sb, sizeof(ump->um_sb));
	mutex_exit(&ump->um_lock);
	ext2fs_trans_dirty(ump, bp);
	return 0;
}

static int
ext2fs_check_root(struct ext2fs_mount *ump)
{
	struct ext2fs_node *np;
	int error;

	error = ext2fs_node_load(ump, EXT2_ROOTINO, &np);
	if (error == ENOENT || error == ESTALE)
		return ext2fs_corrupt(ump, "root inode is free");
	if (error)
		return error;
	if ((np->n_mode & S_IFMT) != S_IFDIR)
		error = ext2fs_corrupt(ump, "root inode is not a directory");
	ext2fs_node_free(np);
	return error;
}

/*
 * Why the filesystem cannot be written, or NULL.  Everything mke2fs
 * makes by default for ext2, ext3 and ext4 is writable; the rest either
 * needs code the write path does not have or would be left inconsistent.
 */
static const char *
ext2fs_rw_refusal(const struct ext2fs_mount *ump, bool norecovery)
{
	static const struct ext2fs_feature compat_bad[] = {
		{ EXT2F_COMPAT_FAST_COMMIT, "fast_commit" },
		{ EXT2F_COMPAT_ORPHAN_FILE, "orphan_file" },
		{ EXT2F_COMPAT_EXCLUDE_BITMAP, "exclude_bitmap" },
	};
	static const struct ext2fs_feature rocompat_bad[] = {
		{ EXT2F_ROCOMPAT_QUOTA, "quota" },
		{ EXT2F_ROCOMPAT_PROJECT, "project" },
		{ EXT2F_ROCOMPAT_BIGALLOC, "bigalloc" },
		{ EXT2F_ROCOMPAT_VERITY, "verity" },
		{ EXT2F_ROCOMPAT_HAS_SNAPSHOT, "snapshot" },
		{ EXT2F_ROCOMPAT_REPLICA, "replica" },
		{ EXT2F_ROCOMPAT_READONLY, "read-only" },
		{ EXT2F_ROCOMPAT_SHARED_BLOCKS, "shared_blocks" },
		{ EXT2F_ROCOMPAT_ORPHAN_PRESENT, "orphan_present" },
		{ EXT2F_ROCOMPAT_BTREE_DIR, "btree_dir" },
	};
	static const struct ext2fs_feature incompat_bad[] = {
		{ EXT2F_INCOMPAT_MMP, "mmp" },
		{ EXT2F_INCOMPAT_EA_INODE, "ea_inode" },
		{ EXT2F_INCOMPAT_JOURNAL_DEV, "journal_dev" },
	};
	const uint32_t rocompat_ok = EXT2F_ROCOMPAT_SPARSE_SUPER |
	    EXT2F_ROCOMPAT_LARGE_FILE | EXT2F_ROCOMPAT_HUGE_FILE |
	    EXT2F_ROCOMPAT_GDT_CSUM | EXT2F_ROCOMPAT_DIR_NLINK |
	    EXT2F_ROCOMPAT_EXTRA_ISIZE | EXT2F_ROCOMPAT_METADATA_CSUM;
	const char *name;

	if ((name = ext2fs_feature_name(compat_bad, __arraycount(compat_bad),
	    ump->um_compat)) != NULL)
		return name;
	if ((name = ext2fs_feature_name(rocompat_bad,
	    __arraycount(rocompat_bad), ump->um_rocompat)) != NULL)
		return name;
	if (ump->um_rocompat & ~rocompat_ok)
		return "unknown read-only compatible features";
	if ((name = ext2fs_feature_name(incompat_bad,
	    __arraycount(incompat_bad), ump->um_incompat)) != NULL)
		return name;
	if (EXT2_HAS_COMPAT(ump, EXT2F_COMPAT_HAS_JOURNAL) &&
	    e2_le32(ump->um_sb.s_journal_inum) == 0)
		return "external journal";
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_RECOVER) && norecovery)
		return "the journal needs recovery and norecovery was given";
	return NULL;
}

/*
 * Read-write mount, after recovery: count the mount, mark an ext2
 * filesystem in use (a journaled one is marked by needs_recovery), start
 * the transactions and finish the orphans of a crash.
 */
static int
ext2fs_mount_rw(struct ext2fs_mount *ump)
{
	struct vfs_timespec now;
	struct ext2_super *sb = &ump->um_sb;
	int error;

	vfs_timestamp(&now);
	mutex_enter(&ump->um_lock);
	ump->um_mount_state = e2_le16(sb->s_state);
	sb->s_mnt_count = ext2fs_mkle16((uint16_t)(e2_le16(sb->s_mnt_count) +
	    1));
	sb->s_mtime = e2_mkle32((uint32_t)now.tv_sec);
	if (!EXT2_HAS_COMPAT(ump, EXT2F_COMPAT_HAS_JOURNAL))
		sb->s_state = ext2fs_mkle16(ump->um_mount_state &
		    ~EXT2_VALID_FS);
	mutex_exit(&ump->um_lock);
	if ((error = ext2fs_sb_dirty(ump)) != 0)
		return error;
	if ((error = ext2fs_trans_init(ump)) != 0)
		return error;
	/* From here on the caller stops the transactions on failure. */
	if ((error = ext2fs_trans_commit(ump)) != 0)
		return error;
	if ((error = ext2fs_orphan_recover(ump)) != 0)
		vfs_mount_error(ump->um_mp, "ext2fs: cannot finish the orphan "
		    "inodes of a crash: %s; run e2fsck", kstrerror(error));
	return error;
}

static int
ext2fs_mount(struct mount *mp)
{
	struct blkdev *dev = mp->mnt_dev;
	struct ext2fs_mount *ump;
	struct ext2_super *sb;
	const char *why;
	bool norecovery;
	int error;

	if (dev == NULL || dev->bd_size < EXT2_SBOFF + EXT2_SBSIZE) {
		vfs_mount_error(mp, "ext2fs: device too small");
		return EINVAL;
	}
	norecovery = vfs_getopt(mp, "norecovery", NULL) ||
	    vfs_getopt(mp, "noload", NULL);
	if ((ump = kmem_zalloc(sizeof(*ump))) == NULL)
		return ENOMEM;
	if ((sb = kmem_alloc(sizeof(*sb))) == NULL) {
		kmem_free(ump, sizeof(*ump));
		return ENOMEM;
	}
	if ((error = mutex_init(&ump->um_lock)) != 0) {
		kmem_free(sb, sizeof(*sb));
		kmem_free(ump, sizeof(*ump));
		return error;
	}
	ump->um_mp = mp;
	ump->um_dev = dev;
	ump->um_ronly = true;
	if ((error = blkdev_read(dev, sb, sizeof(*sb), EXT2_SBOFF)) != 0)
		goto out_free;
	if ((error = ext2fs_sb_setup(ump, sb, dev->bd_size)) != 0)
		goto out_free;
	if ((error = ext2fs_gdt_load(ump)) != 0)
		goto out_free;

	if (!vfs_isrdonly(mp) &&
	    (why = ext2fs_rw_refusal(ump, norecovery)) != NULL) {
		if (mp->mnt_flags & MNT_RWEXPLICIT) {
			vfs_mount_error(mp, "ext2fs: %s cannot be mounted "
			    "read-write: %s; mount it read-only (-o ro)",
			    mp->mnt_source, why);
			error = EROFS;
			goto out_free;
		}
		klog(KLOG_WARN, "ext2fs: %s: mounting read-only: %s cannot "
		    "be written", mp->mnt_source, why);
		mp->mnt_flags |= MNT_RDONLY;
	}
	ump->um_ronly = vfs_isrdonly(mp);

	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_RECOVER)) {
		if (!EXT2_HAS_COMPAT(ump, EXT2F_COMPAT_HAS_JOURNAL)) {
			error = ext2fs_corrupt(ump, "needs_recovery set but "
			    "there is no journal");
			goto out_free;
		}
		if (norecovery)
			klog(KLOG_WARN, "ext2fs: %s: journal not replayed "
			    "(norecovery): the view may be inconsistent",
			    mp->mnt_source);
		else {
			/* Read-write: replayed in place, journal emptied. */
			if ((error = ext2fs_journal_replay(ump)) != 0)
				goto out_free;
			/* Everything again, from the replayed blocks. */
			ext2fs_gdt_free(ump);
			if ((error = ext2fs_sb_reread(ump, sb)) != 0 ||
			    (error = ext2fs_sb_setup(ump, sb, dev->bd_size)) !=
			    0 || (error = ext2fs_gdt_load(ump)) != 0)
				goto out_free;
		}
	}
	if ((e2_le16(ump->um_sb.s_state) & EXT2_ERROR_FS) != 0)
		klog(KLOG_WARN, "ext2fs: %s: filesystem has errors recorded; "
		    "run e2fsck", mp->mnt_source);
	else if (!ump->um_ronly &&
	    !EXT2_HAS_COMPAT(ump, EXT2F_COMPAT_HAS_JOURNAL) &&
	    (e2_le16(ump->um_sb.s_state) & EXT2_VALID_FS) == 0)
		klog(KLOG_WARN, "ext2fs: %s: mounting a filesystem that was "
		    "not cleanly unmounted; run e2fsck", mp->mnt_source);
	mp->mnt_data = ump;
	if ((error = ext2fs_check_root(ump)) != 0) {
		mp->mnt_data = NULL;
		goto out_free;
	}
	mp->mnt_namemax = EXT2_NAME_LEN;
	mp->mnt_linkmax = EXT2FS_LINK_MAX;
	mp->mnt_maxfilesize = (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_EXTENTS) ?
	    ((uint64_t)1 << 32) - 1 : (uint64_t)UINT32_MAX) << ump->um_bshift;
	if (!ump->um_ronly && (error = ext2fs_mount_rw(ump)) != 0) {
		/* Orphan recovery may have loaded vnodes: before fini. */
		(void)vflush(mp, NULL, true);
		if (ump->um_trans != NULL)
			(void)ext2fs_trans_fini(ump);
		mp->mnt_data = NULL;
		goto out_free;
	}
	kmem_free(sb, sizeof(*sb));
	return 0;

out_free:
	if (error == EUCLEAN && mp->mnt_errbuf[0] == '\0')
		vfs_mount_error(mp, "ext2fs: corrupt filesystem (see log)");
	ext2fs_journal_release(ump);
	ext2fs_gdt_free(ump);
	mutex_destroy(&ump->um_lock);
	kmem_free(sb, sizeof(*sb));
	kmem_free(ump, sizeof(*ump));
	return error;
}

static int
ext2fs_unmount(struct mount *mp, int flags)
{
	struct ext2fs_mount *ump = VFSTOEXT2(mp);
	struct vfs_timespec now;
	int error;

	(void)flags;
	if (!ump->um_ronly) {
		/* The state as it was at mount (clean, or not), and when. */
		vfs_timestamp(&now);
		if ((error = ext2fs_trans_begin(ump, 1)) == 0) {
			mutex_enter(&ump->um_lock);
			ump->um_sb.s_wtime = e2_mkle32((uint32_t)now.tv_sec);
			ump->um_sb.s_state = ext2fs_mkle16(ump->um_mount_state);
			mutex_exit(&ump->um_lock);
			error = ext2fs_sb_dirty(ump);
			ext2fs_trans_end(ump);
		}
		if (error == 0)
			error = ext2fs_trans_fini(ump);
		else
			(void)ext2fs_trans_fini(ump);
		if (error)
			klog(KLOG_ERR, "ext2fs: %s: unmounted with an error "
			    "(%s): run e2fsck, or mount it again to replay "
			    "the journal", mp->mnt_source, kstrerror(error));
	}
	ext2fs_journal_release(ump);
	ext2fs_gdt_free(ump);
	mutex_destroy(&ump->um_lock);
	kmem_free(ump, sizeof(*ump));
	mp->mnt_data = NULL;
	return 0;
}

static int
ext2fs_root(struct mount *mp, struct vnode **vpp)
{
	return vcache_get(mp, EXT2_ROOTINO, NULL, vpp);
}

/* Metadata blocks, counted as Linux does for statfs. */
static uint64_t
ext2fs_overhead(struct ext2fs_mount *ump)
{
	uint64_t over = ump->um_first_data_block, jblocks = 0;
	uint32_t g, dpb = ump->um_descs_per_block, meta_first;
	uint32_t first_meta_bg = e2_le32(ump->um_sb.s_first_meta_bg);
	bool meta = EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_META_BG);
	struct ext2fs_node *jnp;

	if (e2_le32(ump->um_sb.s_overhead_clusters) != 0)
		return e2_le32(ump->um_sb.s_overhead_clusters);
	for (g = 0; g < ump->um_ngroups; g++) {
		if (!meta || g < first_meta_bg * dpb) {
			if (ext2fs_bg_has_super(ump, g))
				over += 1 + (meta ? first_meta_bg :
				    ext2fs_gdt_blocks(ump)) +
				    e2_le16(ump->um_sb.s_reserved_gdt_blocks);
		} else {
			over += ext2fs_bg_has_super(ump, g);
			meta_first = g - g % dpb;
			if (g == meta_first || g == meta_first + 1 ||
			    g == meta_first + dpb - 1)
				over++;
		}
		over += 2 + ump->um_itb_per_group;
	}
	if (EXT2_HAS_COMPAT(ump, EXT2F_COMPAT_HAS_JOURNAL) &&
	    e2_le32(ump->um_sb.s_journal_inum) != 0 &&
	    ext2fs_node_load(ump, e2_le32(ump->um_sb.s_journal_inum),
	    &jnp) == 0) {
		jblocks = jnp->n_size >> ump->um_bshift;
		ext2fs_node_free(jnp);
	}
	return over + jblocks;
}

static int
ext2fs_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	struct ext2fs_mount *ump = VFSTOEXT2(mp);
	const struct ext2_gd *gd;
	uint64_t bfree = 0, ifree = 0, over, resv, rblocks;
	uint32_t g, i;

	over = MIN(ext2fs_overhead(ump), ump->um_nblocks);
	mutex_enter(&ump->um_lock);
	for (g = 0; g < ump->um_ngroups; g++) {
		gd = ext2fs_gd(ump, g);
		bfree += ext2fs_gd_free_blocks(ump, gd);
		ifree += ext2fs_gd_free_inodes(ump, gd);
	}
	rblocks = ext2fs_sb_r_blocks(ump);
	mutex_exit(&ump->um_lock);
	resv = 0;
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_EXTENTS))
		resv = MIN(ump->um_nblocks / 50, 4096);
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = ump->um_bsize;
	sv->f_frsize = ump->um_bsize;
	sv->f_blocks = ump->um_nblocks - over;
	sv->f_bfree = MIN(bfree, sv->f_blocks);
	sv->f_bavail = sv->f_bfree > rblocks + resv ?
	    sv->f_bfree - rblocks - resv : 0;
	sv->f_files = ump->um_ninodes;
	sv->f_ffree = MIN(ifree, (uint64_t)ump->um_ninodes);
	sv->f_favail = sv->f_ffree;
	for (i = 0; i < 16; i += 8)
		sv->f_fsid ^= e2_le64(*(const e2le64_t *)(ump->um_sb.s_uuid +
		    i));
	sv->f_flag = ump->um_ronly ? VFS_ST_RDONLY : 0;
	if (mp->mnt_flags & MNT_NOSUID)
		sv->f_flag |= VFS_ST_NOSUID;
	sv->f_namemax = EXT2_NAME_LEN;
	return 0;
}

/*
 * Everything is already in the buffer cache (metadata in the running
 * transaction): with WAIT, commit it, which also writes the file data.
 */
static int
ext2fs_sync(struct mount *mp, bool wait)
{
	struct ext2fs_mount *ump = VFSTOEXT2(mp);
	int error;


	if (ump->um_ronly || !wait)
		return 0;
	if ((error = ext2fs_trans_commit(ump)) == 0)
		return 0;
	/*
	 * A journaled mount that failed earlier (begin says EROFS) has
	 * reported it to the failing commit's caller and logged it; its
	 * journal is what counts now.  Let the unmount go on.
	 */
	if (ext2fs_trans_begin(ump, 0) == EROFS)
		return 0;
	ext2fs_trans_end(ump);
	return error;
}

/*
 * HINT, when not NULL, is a new node from ext2fs_node_new (its inode was
 * just allocated and is not on disk yet): the vnode takes it as it is.
 */
static int
ext2fs_loadvnode(struct mount *mp, struct vnode *vp, ino64_t ino, void *hint)
{
	struct ext2fs_mount *ump = VFSTOEXT2(mp);
	struct ext2fs_node *np = hint;
	int error;

	/* Reserved inodes (journal, resize, ...) are not files. */
	if (ino != EXT2_ROOTINO && ino < ump->um_first_ino)
		return ESTALE;
	if (np != NULL)
		KASSERT(np->n_ino == ino && np->n_ump == ump &&
		    np->n_vnode == NULL);
	else if ((error = ext2fs_node_load(ump, ino, &np)) != 0)
		return error;
	np->n_vnode = vp;
	vp->v_type = ext2fs_mode_vtype(np->n_mode);
	vp->v_op = &ext2fs_vnodeops;
	vp->v_data = np;
	return 0;
}

static int
ext2fs_probe(struct blkdev *dev)
{
	e2le16_t magic;
	int error;

	if (dev->bd_size < EXT2_SBOFF + EXT2_SBSIZE)
		return EINVAL;
	if ((error = blkdev_read(dev, &magic, sizeof(magic),
	    EXT2_MAGIC_OFF)) != 0)
		return error;
	return e2_le16(magic) == EXT2_MAGIC ? 0 : EINVAL;
}

static const char *const ext2fs_aliases[] = { "ext2", "ext3", "ext4", NULL };

static const struct vfs_optdesc ext2fs_opts[] = {
	{ "norecovery", VFS_OPT_FLAG,
	    "do not replay the journal (the view may be inconsistent)" },
	{ "noload", VFS_OPT_FLAG, "same as norecovery" },
	{ NULL, 0, NULL },
};

const struct vfsops ext2fs_vfsops = {
	.vfs_name = EXT2FS_NAME,
	.vfs_aliases = ext2fs_aliases,
	.vfs_opts = ext2fs_opts,
	.vfs_needdev = true,
	.vfs_mount = ext2fs_mount,
	.vfs_unmount = ext2fs_unmount,
	.vfs_root = ext2fs_root,
	.vfs_statvfs = ext2fs_statvfs,
	.vfs_sync = ext2fs_sync,
	.vfs_loadvnode = ext2fs_loadvnode,
	.vfs_probe = ext2fs_probe,
};
