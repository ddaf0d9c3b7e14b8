/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_fs.h -- the on-disk format of ext2, ext3 and ext4, and of the
 * jbd2 journal, exactly as on disk.
 *
 * Every multi-byte field is a little-endian (jbd2: big-endian) byte array
 * wrapped in a one-member struct, so the structures have alignment 1, can
 * be overlaid on any byte of a block, and a field can only be read
 * through the accessors e2_le16() ... e2_be32(), which assemble the value
 * byte by byte and therefore work on any host.  Offsets are checked at
 * compile time against the published layout.
 *
 * Nothing here allocates or fails; the in-core structures live in
 * ext2fs_node.h.
 */
#ifndef EXT2FS_FS_H
#define EXT2FS_FS_H

#include "kern/kern.h"

/* ---- endian-neutral field types and accessors ---- */

typedef struct { uint8_t b[2]; } e2le16_t;
typedef struct { uint8_t b[4]; } e2le32_t;
typedef struct { uint8_t b[8]; } e2le64_t;
typedef struct { uint8_t b[2]; } e2be16_t;
typedef struct { uint8_t b[4]; } e2be32_t;
typedef struct { uint8_t b[8]; } e2be64_t;

static inline uint16_t
e2_le16(e2le16_t v)
{
	return (uint16_t)(v.b[0] | (v.b[1] << 8));
}

static inline uint32_t
e2_le32(e2le32_t v)
{
	return (uint32_t)v.b[0] | ((uint32_t)v.b[1] << 8) |
	    ((uint32_t)v.b[2] << 16) | ((uint32_t)v.b[3] << 24);
}

static inline uint64_t
e2_le64(e2le64_t v)
{
	uint64_t r = 0;
	int i;

	for (i = 7; i >= 0; i--)
		r = (r << 8) | v.b[i];
	return r;
}

static inline uint16_t
e2_be16(e2be16_t v)
{
	return (uint16_t)((v.b[0] << 8) | v.b[1]);
}

static inline uint32_t
e2_be32(e2be32_t v)
{
	return ((uint32_t)v.b[0] << 24) | ((uint32_t)v.b[1] << 16) |
	    ((uint32_t)v.b[2] << 8) | (uint32_t)v.b[3];
}

static inline uint64_t
e2_be64(e2be64_t v)
{
	uint64_t r = 0;
	int i;

	for (i = 0; i < 8; i++)
		r = (r << 8) | v.b[i];
	return r;
}

/* Encoders (for checksum inputs built in memory). */
static inline e2le32_t
e2_mkle32(uint32_t x)
{
	e2le32_t v = { { (uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16),
	    (uint8_t)(x >> 24) } };
	return v;
}

static inline e2le64_t
e2_mkle64(uint64_t x)
{
	e2le64_t v;
	int i;

	for (i = 0; i < 8; i++)
		v.b[i] = (uint8_t)(x >> (8 * i));
	return v;
}

static inline e2be32_t
e2_mkbe32(uint32_t x)
{
	e2be32_t v = { { (uint8_t)(x >> 24), (uint8_t)(x >> 16),
	    (uint8_t)(x >> 8), (uint8_t)x } };
	return v;
}

/* Raw little-endian loads at a byte pointer. */
static inline uint32_t
e2_ld32(const void *p)
{
	e2le32_t v;

	memcpy(&v, p, sizeof(v));
	return e2_le32(v);
}

/* ---- superblock: 1024 bytes at byte offset 1024 ---- */

#define EXT2_SBOFF		1024
#define EXT2_SBSIZE		1024
#define EXT2_MAGIC		0xEF53
#define EXT2_MAGIC_OFF		(EXT2_SBOFF + 56)

#define EXT2_MIN_BLOCK_LOG	10	/* 1 KiB */
#define EXT2_MAX_BLOCK_LOG	16	/* 64 KiB */
#define EXT2_GOOD_OLD_REV	0
#define EXT2_DYNAMIC_REV	1
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_GOOD_OLD_FIRST_INO	11

#define EXT2_ROOTINO		2
#define EXT2_JOURNALINO		8

/* s_state */
#define EXT2_VALID_FS		0x0001
#define EXT2_ERROR_FS		0x0002
#define EXT3_ORPHAN_FS		0x0004

/* s_flags */
#define EXT2_FLAGS_SIGNED_HASH	 0x0001
#define EXT2_FLAGS_UNSIGNED_HASH 0x0002

struct ext2_super {
	e2le32_t s_inodes_count;		/* 0x000 */
	e2le32_t s_blocks_count_lo;
	e2le32_t s_r_blocks_count_lo;
	e2le32_t s_free_blocks_count_lo;
	e2le32_t s_free_inodes_count;		/* 0x010 */
	e2le32_t s_first_data_block;
	e2le32_t s_log_block_size;
	e2le32_t s_log_cluster_size;
	e2le32_t s_blocks_per_group;		/* 0x020 */
	e2le32_t s_clusters_per_group;
	e2le32_t s_inodes_per_group;
	e2le32_t s_mtime;
	e2le32_t s_wtime;			/* 0x030 */
	e2le16_t s_mnt_count;
	e2le16_t s_max_mnt_count;
	e2le16_t s_magic;			/* 0x038 */
	e2le16_t s_state;
	e2le16_t s_errors;
	e2le16_t s_minor_rev_level;
	e2le32_t s_lastcheck;			/* 0x040 */
	e2le32_t s_checkinterval;
	e2le32_t s_creator_os;
	e2le32_t s_rev_level;
	e2le16_t s_def_resuid;			/* 0x050 */
	e2le16_t s_def_resgid;
	/* EXT2_DYNAMIC_REV */
	e2le32_t s_first_ino;
	e2le16_t s_inode_size;			/* 0x058 */
	e2le16_t s_block_group_nr;
	e2le32_t s_feature_compat;
	e2le32_t s_feature_incompat;		/* 0x060 */
	e2le32_t s_feature_ro_compat;
	uint8_t	 s_uuid[16];			/* 0x068 */
	char	 s_volume_name[16];		/* 0x078 */
	char	 s_last_mounted[64];		/* 0x088 */
	e2le32_t s_algorithm_usage_bitmap;	/* 0x0c8 */
	uint8_t	 s_prealloc_blocks;
	uint8_t	 s_prealloc_dir_blocks;
	e2le16_t s_reserved_gdt_blocks;
	uint8_t	 s_journal_uuid[16];		/* 0x0d0 */
	e2le32_t s_journal_inum;		/* 0x0e0 */
	e2le32_t s_journal_dev;
	e2le32_t s_last_orphan;
	e2le32_t s_hash_seed[4];		/* 0x0ec */
	uint8_t	 s_def_hash_version;		/* 0x0fc */
	uint8_t	 s_jnl_backup_type;
	e2le16_t s_desc_size;			/* 0x0fe */
	e2le32_t s_default_mount_opts;		/* 0x100 */
	e2le32_t s_first_meta_bg;
	e2le32_t s_mkfs_time;
	e2le32_t s_jnl_blocks[17];		/* 0x10c */
	e2le32_t s_blocks_count_hi;		/* 0x150 */
	e2le32_t s_r_blocks_count_hi;
	e2le32_t s_free_blocks_count_hi;
	e2le16_t s_min_extra_isize;		/* 0x15c */
	e2le16_t s_want_extra_isize;
	e2le32_t s_flags;			/* 0x160 */
	e2le16_t s_raid_stride;
	e2le16_t s_mmp_interval;
	e2le64_t s_mmp_block;			/* 0x168 */
	e2le32_t s_raid_stripe_width;		/* 0x170 */
	uint8_t	 s_log_groups_per_flex;		/* 0x174 */
	uint8_t	 s_checksum_type;
	uint8_t	 s_encryption_level;
	uint8_t	 s_reserved_pad;
	e2le64_t s_kbytes_written;		/* 0x178 */
	e2le32_t s_snapshot_inum;		/* 0x180 */
	e2le32_t s_snapshot_id;
	e2le64_t s_snapshot_r_blocks_count;
	e2le32_t s_snapshot_list;		/* 0x190 */
	e2le32_t s_error_count;
	e2le32_t s_first_error_time;
	e2le32_t s_first_error_ino;
	e2le64_t s_first_error_block;		/* 0x1a0 */
	uint8_t	 s_first_error_func[32];	/* 0x1a8 */
	e2le32_t s_first_error_line;		/* 0x1c8 */
	e2le32_t s_last_error_time;
	e2le32_t s_last_error_ino;		/* 0x1d0 */
	e2le32_t s_last_error_line;
	e2le64_t s_last_error_block;		/* 0x1d8 */
	uint8_t	 s_last_error_func[32];		/* 0x1e0 */
	uint8_t	 s_mount_opts[64];		/* 0x200 */
	e2le32_t s_usr_quota_inum;		/* 0x240 */
	e2le32_t s_grp_quota_inum;
	e2le32_t s_overhead_clusters;
	e2le32_t s_backup_bgs[2];		/* 0x24c */
	uint8_t	 s_encrypt_algos[4];		/* 0x254 */
	uint8_t	 s_encrypt_pw_salt[16];		/* 0x258 */
	e2le32_t s_lpf_ino;			/* 0x268 */
	e2le32_t s_prj_quota_inum;
	e2le32_t s_checksum_seed;		/* 0x270 */
	uint8_t	 s_wtime_hi;			/* 0x274 */
	uint8_t	 s_mtime_hi;
	uint8_t	 s_mkfs_time_hi;
	uint8_t	 s_lastcheck_hi;
	uint8_t	 s_first_error_time_hi;
	uint8_t	 s_last_error_time_hi;
	uint8_t	 s_first_error_errcode;
	uint8_t	 s_last_error_errcode;
	e2le16_t s_encoding;			/* 0x27c */
	e2le16_t s_encoding_flags;
	e2le32_t s_orphan_file_inum;		/* 0x280 */
	e2le32_t s_reserved[94];		/* 0x284 */
	e2le32_t s_checksum;			/* 0x3fc */
};
CTASSERT(sizeof(struct ext2_super) == EXT2_SBSIZE);
CTASSERT(offsetof(struct ext2_super, s_magic) == 0x38);
CTASSERT(offsetof(struct ext2_super, s_journal_inum) == 0xe0);
CTASSERT(offsetof(struct ext2_super, s_desc_size) == 0xfe);
CTASSERT(offsetof(struct ext2_super, s_blocks_count_hi) == 0x150);
CTASSERT(offsetof(struct ext2_super, s_log_groups_per_flex) == 0x174);
CTASSERT(offsetof(struct ext2_super, s_checksum_seed) == 0x270);
CTASSERT(offsetof(struct ext2_super, s_checksum) == 0x3fc);

/* s_feature_compat */
#define EXT2F_COMPAT_DIR_PREALLOC	0x0001
#define EXT2F_COMPAT_IMAGIC_INODES	0x0002
#define EXT2F_COMPAT_HAS_JOURNAL	0x0004
#define EXT2F_COMPAT_EXT_ATTR		0x0008
#define EXT2F_COMPAT_RESIZE_INODE	0x0010
#define EXT2F_COMPAT_DIR_INDEX		0x0020
#define EXT2F_COMPAT_LAZY_BG		0x0040
#define EXT2F_COMPAT_EXCLUDE_BITMAP	0x0100
#define EXT2F_COMPAT_SPARSE_SUPER2	0x0200
#define EXT2F_COMPAT_FAST_COMMIT	0x0400
#define EXT2F_COMPAT_STABLE_INODES	0x0800
#define EXT2F_COMPAT_ORPHAN_FILE	0x1000

/* s_feature_ro_compat */
#define EXT2F_ROCOMPAT_SPARSE_SUPER	0x0001
#define EXT2F_ROCOMPAT_LARGE_FILE	0x0002
#define EXT2F_ROCOMPAT_BTREE_DIR	0x0004
#define EXT2F_ROCOMPAT_HUGE_FILE	0x0008
#define EXT2F_ROCOMPAT_GDT_CSUM		0x0010
#define EXT2F_ROCOMPAT_DIR_NLINK	0x0020
#define EXT2F_ROCOMPAT_EXTRA_ISIZE	0x0040
#define EXT2F_ROCOMPAT_HAS_SNAPSHOT	0x0080
#define EXT2F_ROCOMPAT_QUOTA		0x0100
#define EXT2F_ROCOMPAT_BIGALLOC		0x0200
#define EXT2F_ROCOMPAT_METADATA_CSUM	0x0400
#define EXT2F_ROCOMPAT_REPLICA		0x0800
#define EXT2F_ROCOMPAT_READONLY		0x1000
#define EXT2F_ROCOMPAT_PROJECT		0x2000
#define EXT2F_ROCOMPAT_SHARED_BLOCKS	0x4000
#define EXT2F_ROCOMPAT_VERITY		0x8000
#define EXT2F_ROCOMPAT_ORPHAN_PRESENT	0x10000

/* s_feature_incompat */
#define EXT2F_INCOMPAT_COMPRESSION	0x0001
#define EXT2F_INCOMPAT_FILETYPE		0x0002
#define EXT2F_INCOMPAT_RECOVER		0x0004
#define EXT2F_INCOMPAT_JOURNAL_DEV	0x0008
#define EXT2F_INCOMPAT_META_BG		0x0010
#define EXT2F_INCOMPAT_EXTENTS		0x0040
#define EXT2F_INCOMPAT_64BIT		0x0080
#define EXT2F_INCOMPAT_MMP		0x0100
#define EXT2F_INCOMPAT_FLEX_BG		0x0200
#define EXT2F_INCOMPAT_EA_INODE		0x0400
#define EXT2F_INCOMPAT_DIRDATA		0x1000
#define EXT2F_INCOMPAT_CSUM_SEED	0x2000
#define EXT2F_INCOMPAT_LARGEDIR		0x4000
#define EXT2F_INCOMPAT_INLINE_DATA	0x8000
#define EXT2F_INCOMPAT_ENCRYPT		0x10000
#define EXT2F_INCOMPAT_CASEFOLD		0x20000

#define EXT2_CRC32C_CHKSUM	1	/* s_checksum_type */

/* ---- block group descriptor: 32 bytes, or s_desc_size with 64bit ---- */

#define EXT2_MIN_DESC_SIZE	32
#define EXT2_MIN_DESC_SIZE_64	64
#define EXT2_MAX_DESC_SIZE	1024

/* bg_flags */
#define EXT2_BG_INODE_UNINIT	0x0001
#define EXT2_BG_BLOCK_UNINIT	0x0002
#define EXT2_BG_INODE_ZEROED	0x0004

struct ext2_gd {
	e2le32_t bg_block_bitmap_lo;		/* 0x00 */
	e2le32_t bg_inode_bitmap_lo;
	e2le32_t bg_inode_table_lo;
	e2le16_t bg_free_blocks_count_lo;	/* 0x0c */
	e2le16_t bg_free_inodes_count_lo;
	e2le16_t bg_used_dirs_count_lo;		/* 0x10 */
	e2le16_t bg_flags;
	e2le32_t bg_exclude_bitmap_lo;
	e2le16_t bg_block_bitmap_csum_lo;	/* 0x18 */
	e2le16_t bg_inode_bitmap_csum_lo;
	e2le16_t bg_itable_unused_lo;
	e2le16_t bg_checksum;			/* 0x1e */
	/* present when s_desc_size >= 64 (64bit feature) */
	e2le32_t bg_block_bitmap_hi;		/* 0x20 */
	e2le32_t bg_inode_bitmap_hi;
	e2le32_t bg_inode_table_hi;
	e2le16_t bg_free_blocks_count_hi;	/* 0x2c */
	e2le16_t bg_free_inodes_count_hi;
	e2le16_t bg_used_dirs_count_hi;		/* 0x30 */
	e2le16_t bg_itable_unused_hi;
	e2le32_t bg_exclude_bitmap_hi;
	e2le16_t bg_block_bitmap_csum_hi;	/* 0x38 */
	e2le16_t bg_inode_bitmap_csum_hi;
	e2le32_t bg_reserved;
};
CTASSERT(sizeof(struct ext2_gd) == 64);
CTASSERT(offsetof(struct ext2_gd, bg_checksum) == 0x1e);
CTASSERT(offsetof(struct ext2_gd, bg_itable_unused_hi) == 0x32);

/* ---- inode ---- */

#define EXT2_NDADDR		12
#define EXT2_IND_BLOCK		12
#define EXT2_DIND_BLOCK		13
#define EXT2_TIND_BLOCK		14
#define EXT2_N_BLOCKS		15
#define EXT2_IBLOCK_BYTES	(EXT2_N_BLOCKS * 4)	/* 60 */

struct ext2_dinode {
	e2le16_t i_mode;			/* 0x00 */
	e2le16_t i_uid;
	e2le32_t i_size_lo;
	e2le32_t i_atime;			/* 0x08 */
	e2le32_t i_ctime;
	e2le32_t i_mtime;			/* 0x10 */
	e2le32_t i_dtime;
	e2le16_t i_gid;				/* 0x18 */
	e2le16_t i_links_count;
	e2le32_t i_blocks_lo;
	e2le32_t i_flags;			/* 0x20 */
	e2le32_t i_version_lo;			/* osd1 */
	e2le32_t i_block[EXT2_N_BLOCKS];	/* 0x28 */
	e2le32_t i_generation;			/* 0x64 */
	e2le32_t i_file_acl_lo;
	e2le32_t i_size_high;			/* 0x6c */
	e2le32_t i_obso_faddr;
	/* osd2, Linux layout */
	e2le16_t i_blocks_high;			/* 0x74 */
	e2le16_t i_file_acl_high;
	e2le16_t i_uid_high;			/* 0x78 */
	e2le16_t i_gid_high;
	e2le16_t i_checksum_lo;			/* 0x7c */
	e2le16_t i_reserved;
	/* large inodes: valid up to 128 + i_extra_isize */
	e2le16_t i_extra_isize;			/* 0x80 */
	e2le16_t i_checksum_hi;
	e2le32_t i_ctime_extra;			/* 0x84 */
	e2le32_t i_mtime_extra;
	e2le32_t i_atime_extra;			/* 0x8c */
	e2le32_t i_crtime;
	e2le32_t i_crtime_extra;		/* 0x94 */
	e2le32_t i_version_hi;
	e2le32_t i_projid;			/* 0x9c */
};
CTASSERT(offsetof(struct ext2_dinode, i_block) == 0x28);
CTASSERT(offsetof(struct ext2_dinode, i_checksum_lo) == 0x7c);
CTASSERT(offsetof(struct ext2_dinode, i_extra_isize) == 0x80);
CTASSERT(offsetof(struct ext2_dinode, i_crtime_extra) == 0x94);
CTASSERT(sizeof(struct ext2_dinode) == 0xa0);

/*
 * Does the large-inode field F lie inside the inode's extra space?
 * EXTRA is i_extra_isize (0 for 128-byte inodes).
 */
#define EXT2_FITS_IN_INODE(extra, f)					\
	(offsetof(struct ext2_dinode, f) +				\
	    sizeof(((struct ext2_dinode *)0)->f) <=			\
	    EXT2_GOOD_OLD_INODE_SIZE + (size_t)(extra))

/* i_flags */
#define EXT2_SECRM_FL		0x00000001
#define EXT2_UNRM_FL		0x00000002
#define EXT2_COMPR_FL		0x00000004
#define EXT2_SYNC_FL		0x00000008
#define EXT2_IMMUTABLE_FL	0x00000010
#define EXT2_APPEND_FL		0x00000020
#define EXT2_NODUMP_FL		0x00000040
#define EXT2_NOATIME_FL		0x00000080
#define EXT2_ENCRYPT_FL		0x00000800
#define EXT2_INDEX_FL		0x00001000
#define EXT2_JOURNAL_DATA_FL	0x00004000
#define EXT2_HUGE_FILE_FL	0x00040000
#define EXT2_EXTENTS_FL		0x00080000
#define EXT2_VERITY_FL		0x00100000
#define EXT2_EA_INODE_FL	0x00200000
#define EXT2_INLINE_DATA_FL	0x10000000
#define EXT2_CASEFOLD_FL	0x40000000
#define EXT2_FL_USER_VISIBLE	0x705BDFFF	/* as FS_IOC_GETFLAGS */

/* Timestamp extra word: 2 epoch bits, then 30 bits of nanoseconds. */
#define EXT2_EPOCH_BITS		2
#define EXT2_EPOCH_MASK		((1U << EXT2_EPOCH_BITS) - 1)
#define EXT2_NSEC_MASK		(~0U << EXT2_EPOCH_BITS)

/* ---- extents ---- */

#define EXT2_EXT_MAGIC		0xF30A
#define EXT2_EXT_MAX_DEPTH	5
#define EXT2_EXT_INIT_MAX_LEN	32768	/* longer ee_len: unwritten */

struct ext2_extent_header {
	e2le16_t eh_magic;
	e2le16_t eh_entries;
	e2le16_t eh_max;
	e2le16_t eh_depth;
	e2le32_t eh_generation;
};

struct ext2_extent_idx {
	e2le32_t ei_block;	/* first logical block covered */
	e2le32_t ei_leaf_lo;	/* child node */
	e2le16_t ei_leaf_hi;
	e2le16_t ei_unused;
};

struct ext2_extent {
	e2le32_t ee_block;	/* first logical block */
	e2le16_t ee_len;	/* > 32768: unwritten, len - 32768 */
	e2le16_t ee_start_hi;
	e2le32_t ee_start_lo;
};

struct ext2_extent_tail {
	e2le32_t et_checksum;	/* after eh_max entries, in tree blocks */
};
CTASSERT(sizeof(struct ext2_extent_header) == 12);
CTASSERT(sizeof(struct ext2_extent_idx) == 12);
CTASSERT(sizeof(struct ext2_extent) == 12);

/* ---- directories ---- */

#define EXT2_NAME_LEN		255
#define EXT2_DIR_REC_LEN(nl)	(((nl) + 8 + 3) & ~3U)

/* ext2_dirent.file_type (with INCOMPAT_FILETYPE) */
#define EXT2_FT_UNKNOWN		0
#define EXT2_FT_REG_FILE	1
#define EXT2_FT_DIR		2
#define EXT2_FT_CHRDEV		3
#define EXT2_FT_BLKDEV		4
#define EXT2_FT_FIFO		5
#define EXT2_FT_SOCK		6
#define EXT2_FT_SYMLINK		7
#define EXT2_FT_MAX		8
#define EXT2_FT_DIR_CSUM	0xDE	/* checksum tail's "file type" */

struct ext2_dirent {
	e2le32_t inode;		/* 0: unused entry */
	e2le16_t rec_len;	/* see ext2fs_rec_len() for 64 KiB blocks */
	uint8_t	 name_len;	/* high byte: file_type if !FILETYPE */
	uint8_t	 file_type;
	char	 name[];	/* not NUL-terminated */
};
CTASSERT(sizeof(struct ext2_dirent) == 8);

/* The 12-byte checksum tail at the end of a leaf block (metadata_csum). */
struct ext2_dirent_tail {
	e2le32_t det_reserved_zero1;	/* looks like inode 0 */
	e2le16_t det_rec_len;		/* 12 */
	uint8_t	 det_reserved_zero2;	/* name_len 0 */
	uint8_t	 det_reserved_ft;	/* EXT2_FT_DIR_CSUM */
	e2le32_t det_checksum;
};
CTASSERT(sizeof(struct ext2_dirent_tail) == 12);

/* htree (dir_index): the root lives in block 0 behind "." and "..". */
#define EXT2_HTREE_LEGACY		0
#define EXT2_HTREE_HALF_MD4		1
#define EXT2_HTREE_TEA			2
#define EXT2_HTREE_LEGACY_UNSIGNED	3
#define EXT2_HTREE_HALF_MD4_UNSIGNED	4
#define EXT2_HTREE_TEA_UNSIGNED		5
#define EXT2_HTREE_SIPHASH		6

struct ext2_dx_root_info {
	e2le32_t reserved_zero;
	uint8_t	 hash_version;
	uint8_t	 info_length;		/* 8 */
	uint8_t	 indirect_levels;
	uint8_t	 unused_flags;
};

struct ext2_dx_countlimit {
	e2le16_t limit;
	e2le16_t count;
};

struct ext2_dx_entry {
	e2le32_t hash;		/* entry 0: the countlimit */
	e2le32_t block;		/* logical directory block */
};

struct ext2_dx_tail {
	e2le32_t dt_reserved;
	e2le32_t dt_checksum;
};

/* ---- extended attributes ---- */

#define EXT2_XATTR_MAGIC	0xEA020000
#define EXT2_XATTR_ROUND	3
#define EXT2_XATTR_LEN(nl)						\
	(((nl) + EXT2_XATTR_ROUND + 16) & ~EXT2_XATTR_ROUND)

/* e_name_index */
#define EXT2_XATTR_INDEX_USER			1
#define EXT2_XATTR_INDEX_POSIX_ACL_ACCESS	2
#define EXT2_XATTR_INDEX_POSIX_ACL_DEFAULT	3
#define EXT2_XATTR_INDEX_TRUSTED		4
#define EXT2_XATTR_INDEX_LUSTRE			5
#define EXT2_XATTR_INDEX_SECURITY		6
#define EXT2_XATTR_INDEX_SYSTEM			7 /* system.data */
#define EXT2_XATTR_INDEX_RICHACL		8
#define EXT2_XATTR_INDEX_ENCRYPTION		9
#define EXT2_XATTR_INDEX_HURD			10

/* Header of an external xattr block. */
struct ext2_xattr_header {
	e2le32_t h_magic;
	e2le32_t h_refcount;
	e2le32_t h_blocks;	/* must be 1 */
	e2le32_t h_hash;
	e2le32_t h_checksum;	/* metadata_csum */
	e2le32_t h_reserved[3];
};
CTASSERT(sizeof(struct ext2_xattr_header) == 32);

/* The in-inode area starts with this magic, then the entries. */
struct ext2_xattr_ibody_header {
	e2le32_t h_magic;
};

struct ext2_xattr_entry {
	uint8_t	 e_name_len;
	uint8_t	 e_name_index;
	e2le16_t e_value_offs;	/* from 1st entry (inode), block start */
	e2le32_t e_value_inum;	/* ea_inode: value lives in this inode */
	e2le32_t e_value_size;
	e2le32_t e_hash;
	char	 e_name[];
};
CTASSERT(sizeof(struct ext2_xattr_entry) == 16);

/* POSIX ACLs as ext4 stores them, and as Linux shows them. */
#define EXT2_ACL_VERSION	0x0001
#define LINUX_ACL_XATTR_VERSION	0x0002
#define ACL_USER_OBJ		0x01
#define ACL_USER		0x02
#define ACL_GROUP_OBJ		0x04
#define ACL_GROUP		0x08
#define ACL_MASK		0x10
#define ACL_OTHER		0x20
#define ACL_UNDEFINED_ID	0xFFFFFFFFU

struct ext2_acl_entry {		/* ACL_USER, ACL_GROUP */
	e2le16_t e_tag;
	e2le16_t e_perm;
	e2le32_t e_id;
};
struct ext2_acl_entry_short {	/* the others */
	e2le16_t e_tag;
	e2le16_t e_perm;
};

/* ---- jbd2 (big-endian) ---- */

#define JBD2_MAGIC		0xC03B3998U
#define JBD2_DESCRIPTOR_BLOCK	1
#define JBD2_COMMIT_BLOCK	2
#define JBD2_SUPERBLOCK_V1	3
#define JBD2_SUPERBLOCK_V2	4
#define JBD2_REVOKE_BLOCK	5
#define JBD2_FC_BLOCK		6

struct jbd2_header {
	e2be32_t h_magic;
	e2be32_t h_blocktype;
	e2be32_t h_sequence;
};

#define JBD2_FEATURE_COMPAT_CHECKSUM	 0x00000001
#define JBD2_FEATURE_INCOMPAT_REVOKE	 0x00000001
#define JBD2_FEATURE_INCOMPAT_64BIT	 0x00000002
#define JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT 0x00000004
#define JBD2_FEATURE_INCOMPAT_CSUM_V2	 0x00000008
#define JBD2_FEATURE_INCOMPAT_CSUM_V3	 0x00000010
#define JBD2_FEATURE_INCOMPAT_FAST_COMMIT 0x00000020
#define JBD2_CRC32C_CHKSUM		4

struct jbd2_super {
	struct jbd2_header s_header;		/* 0x00 */
	e2be32_t s_blocksize;			/* 0x0c */
	e2be32_t s_maxlen;			/* 0x10 */
	e2be32_t s_first;			/* 0x14 */
	e2be32_t s_sequence;			/* 0x18 */
	e2be32_t s_start;			/* 0x1c: 0 = clean */
	e2be32_t s_errno;			/* 0x20 */
	/* V2 */
	e2be32_t s_feature_compat;		/* 0x24 */
	e2be32_t s_feature_incompat;		/* 0x28 */
	e2be32_t s_feature_ro_compat;		/* 0x2c */
	uint8_t	 s_uuid[16];			/* 0x30 */
	e2be32_t s_nr_users;			/* 0x40 */
	e2be32_t s_dynsuper;
	e2be32_t s_max_transaction;
	e2be32_t s_max_trans_data;
	uint8_t	 s_checksum_type;		/* 0x50 */
	uint8_t	 s_padding2[3];
	e2be32_t s_num_fc_blks;			/* 0x54 */
	e2be32_t s_head;			/* 0x58 */
	e2be32_t s_padding[40];			/* 0x5c */
	e2be32_t s_checksum;			/* 0xfc */
	uint8_t	 s_users[16 * 48];		/* 0x100 */
};
CTASSERT(offsetof(struct jbd2_super, s_checksum) == 0xfc);
CTASSERT(sizeof(struct jbd2_super) == 1024);

/* Tag flags */
#define JBD2_FLAG_ESCAPE	1	/* block's first word was the magic */
#define JBD2_FLAG_SAME_UUID	2	/* no 16-byte UUID follows */
#define JBD2_FLAG_DELETED	4
#define JBD2_FLAG_LAST_TAG	8

/* csum v3 tag (16 bytes). */
struct jbd2_tag3 {
	e2be32_t t_blocknr;
	e2be32_t t_flags;
	e2be32_t t_blocknr_high;
	e2be32_t t_checksum;
};

/* older tag: 8 bytes, +4 with 64bit (blocknr_high), +2 with csum v2. */
struct jbd2_tag {
	e2be32_t t_blocknr;
	e2be16_t t_checksum;	/* csum v2: low 16 bits */
	e2be16_t t_flags;
	e2be32_t t_blocknr_high;
};

struct jbd2_commit {
	struct jbd2_header h;
	uint8_t	 h_chksum_type;		/* 0x0c */
	uint8_t	 h_chksum_size;
	uint8_t	 h_padding[2];
	e2be32_t h_chksum[8];		/* 0x10: v2/v3 use h_chksum[0] */
	e2be64_t h_commit_sec;		/* 0x30 */
	e2be32_t h_commit_nsec;		/* 0x38 */
};
CTASSERT(offsetof(struct jbd2_commit, h_commit_sec) == 0x30);

struct jbd2_revoke_header {
	struct jbd2_header r_header;
	e2be32_t r_count;	/* bytes used, header included */
};

#endif /* EXT2FS_FS_H */
