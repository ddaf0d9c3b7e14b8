/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_node.h -- the in-core state of the ext2/3/4 driver: the mount
 * (geometry decoded and validated from the superblock, the group
 * descriptor table, the journal replay set) and the node (a decoded,
 * validated copy of one on-disk inode), plus the functions the driver's
 * files export to one another.
 *
 Mutability: the geometry in a mount is immutable after mount; the
 * group descriptors (um_gdt), the superblock copy's counts, orphan head
 * and features (um_sb) and the allocation rotor change under um_lock.
 * A node's fields change only with its vnode lock held exclusive, so
 * readers holding it shared need no further locking; the exception is
 * n_nextread, a read-ahead hint read and written with relaxed atomics
 * (a lost update only costs read-ahead).  The write path's contract
 * (transactions, allocation, directory and map changes) is in
 * ext2fs_write.h.
 *
 * Files: ext2fs_vfsops.c (mount, superblock, group descriptors, statvfs),
 * ext2fs_inode.c (inode load and decode), ext2fs_bmap.c (block maps and
 * extent trees), ext2fs_vnops.c (vnode operations), ext2fs_dir.c
 * (directory blocks, readdir, linear lookup), ext2fs_htree.c (dir_index
 * hashes and lookup), ext2fs_xattr.c (extended attributes and the
 * inline_data contents kept in them), ext2fs_csum.c (crc32c, crc16, metadata
 * checksums), ext2fs_journal.c (jbd2 replay), ext2fs_subr.c (block reads).
 */
#ifndef EXT2FS_NODE_H
#define EXT2FS_NODE_H

#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ext2fs_fs.h"

#define EXT2FS_NAME	"ext2fs"

struct ext2fs_trans;

/* Per-mount state: mnt_data.  Locking: see the top of this file. */
struct ext2fs_mount {
	struct mount	*um_mp;
	struct blkdev	*um_dev;
	bool		um_ronly;	/* read-only mount: no transactions */
	kmutex_t	um_lock;	/* gdt, sb counts, rotor, orphans */
	struct ext2_super um_sb;	/* the superblock (after replay) */
	uint32_t	um_bsize;	/* block size, bytes */
	uint32_t	um_bshift;	/* log2(um_bsize) */
	uint64_t	um_nblocks;	/* s_blocks_count */
	uint32_t	um_first_data_block;
	uint32_t	um_bpg;		/* blocks per group */
	uint32_t	um_ipg;		/* inodes per group */
	uint32_t	um_ngroups;
	uint32_t	um_ninodes;	/* s_inodes_count */
	uint32_t	um_first_ino;	/* first non-reserved inode */
	uint32_t	um_isize;	/* on-disk inode size */
	uint32_t	um_itb_per_group; /* inode table blocks per group */
	uint32_t	um_desc_size;	/* group descriptor size */
	uint32_t	um_descs_per_block;
	uint32_t	um_compat, um_incompat, um_rocompat;
	bool		um_metadata_csum;	/* metadata_csum */
	bool		um_gdt_csum;		/* or gdt_csum */
	uint32_t	um_csum_seed;	/* crc32c seed for metadata_csum */
	uint32_t	um_hash_seed[4];	/* htree hash seed */
	bool		um_hash_unsigned;	/* s_flags UNSIGNED_HASH */
	uint8_t		*um_gdt;	/* um_ngroups * um_desc_size; um_lock */
	uint32_t	um_last_group;	/* um_lock: directory spread rotor */
	struct ext2fs_trans *um_trans;	/* ext2fs_trans.c's; NULL when ro */
	/* Journal replay (read-only mounts replay into pinned buffers). */
	uint64_t	*um_replayed;	/* fs blocks replayed */
	size_t		um_nreplayed;
	size_t		um_replayed_cap;	/* allocated entries */
	uint16_t	um_mount_state;	/* immutable: s_state at a rw mount,
					   restored at unmount (ext2-trans) */
};

static inline struct ext2fs_mount *
VFSTOEXT2(struct mount *mp)
{
	return mp->mnt_data;
}

static inline bool
EXT2_HAS_INCOMPAT(const struct ext2fs_mount *ump, uint32_t f)
{
	return (ump->um_incompat & f) != 0;
}

static inline bool
EXT2_HAS_ROCOMPAT(const struct ext2fs_mount *ump, uint32_t f)
{
	return (ump->um_rocompat & f) != 0;
}

static inline bool
EXT2_HAS_COMPAT(const struct ext2fs_mount *ump, uint32_t f)
{
	return (ump->um_compat & f) != 0;
}

static inline const struct ext2_gd *
ext2fs_gd(const struct ext2fs_mount *ump, uint32_t group)
{
	KASSERT(group < ump->um_ngroups);
	return (const struct ext2_gd *)(ump->um_gdt +
	    (size_t)group * ump->um_desc_size);
}

/* Device block (DEV_BSIZE units) of filesystem block BLK. */
static inline daddr_t
EXT2_FSBTODB(const struct ext2fs_mount *ump, uint64_t blk)
{
	return (daddr_t)(blk << (ump->um_bshift - DEV_BSHIFT));
}

/*
 * In-core inode: vp->v_data.  Fields change with the vnode lock held
 * exclusive; n_raw is the on-disk form, whose i_block area (extent root,
 * block map, inline data, fast symlink) is authoritative, while the
 * decoded fields below are encoded back by ext2fs_node_update().
 */
struct ext2fs_node {
	struct ext2fs_mount *n_ump;
	struct vnode	*n_vnode;	/* NULL for internal nodes */
	ino64_t		n_ino;
	uint8_t		*n_raw;		/* on-disk inode (um_isize) */
	uint32_t	n_mode;		/* type and permission bits */
	uint32_t	n_flags;	/* i_flags */
	uint32_t	n_uid, n_gid;
	uint32_t	n_nlink;
	uint32_t	n_gen;
	uint64_t	n_size;
	uint64_t	n_bytes;	/* allocated bytes (i_blocks) */
	uint64_t	n_file_acl;	/* external xattr block, or 0 */
	uint32_t	n_extra_isize;	/* 0 for 128-byte inodes */
	uint32_t	n_csum_seed;	/* metadata_csum: seed, ino, gen */
	struct vfs_timespec n_atime, n_mtime, n_ctime, n_btime;
	bool		n_has_btime;
	uint64_t	n_rdev;		/* Linux encoding */
	uint64_t	n_nextread;	/* relaxed atomic: read-ahead hint */
	uint64_t	n_lastalloc;	/* last physical block allocated */
	bool		n_orphan;	/* on the orphan list */
	bool		n_released;	/* vnode lock: ext2fs_node_release done
					   by VOP_INACTIVE (ext2-vnops) */
	bool		n_atime_dirty;	/* um_lock: n_atime changed by a reader
					   (shared vnode lock, under um_lock),
					   not yet written (ext2-vnops) */
};

static inline struct ext2fs_node *
VTOE(struct vnode *vp)
{
	return vp->v_data;
}

static inline const struct ext2_dinode *
EXT2_DINODE(const struct ext2fs_node *np)
{
	return (const struct ext2_dinode *)np->n_raw;
}

/* ---- ext2fs_vfsops.c ---- */
extern const struct vfsops ext2fs_vfsops;

/* ---- ext2fs_vnops.c ---- */
extern const struct vnodeops ext2fs_vnodeops;

/* ---- ext2fs_subr.c ---- */
/* Is [BLK, BLK+COUNT) a range of data blocks inside the filesystem? */
bool	ext2fs_blk_valid(const struct ext2fs_mount *ump, uint64_t blk,
	    uint64_t count);
/*
 * Read filesystem block BLK (a busy buffer of um_bsize bytes) with
 * read-ahead of the NRA following blocks.  EUCLEAN (logged, naming WHAT
 * and INO) if BLK lies outside the filesystem; I/O errors as bread.
 */
int	ext2fs_bread(struct ext2fs_mount *ump, uint64_t blk, int nra,
	    const char *what, ino64_t ino, struct buf **bpp);
/* Log corruption on UMP's mount and return EUCLEAN. */
#define ext2fs_corrupt(ump, ...)	vfs_corrupt((ump)->um_mp, __VA_ARGS__)

/* ---- ext2fs_csum.c ---- */
/* Raw crc32c (Castagnoli, reflected), no pre/post inversion. */
uint32_t ext2fs_crc32c(uint32_t crc, const void *buf, size_t len);
/* Raw big-endian crc32 (0x04C11DB7, MSB first), no inversion. */
uint32_t ext2fs_crc32_be(uint32_t crc, const void *buf, size_t len);
/* Raw crc16 (0x8005 reflected), no inversion. */
uint16_t ext2fs_crc16(uint16_t crc, const void *buf, size_t len);
bool	ext2fs_sb_csum_ok(const struct ext2_super *sb);
bool	ext2fs_gd_csum_ok(const struct ext2fs_mount *ump, uint32_t group,
	    const uint8_t *gd);
bool	ext2fs_inode_csum_ok(const struct ext2fs_mount *ump, ino64_t ino,
	    const uint8_t *raw);
/* Seed for an inode's per-inode checksums (ino, generation). */
uint32_t ext2fs_inode_csum_seed(const struct ext2fs_mount *ump, ino64_t ino,
	    uint32_t gen);
bool	ext2fs_extent_csum_ok(const struct ext2fs_node *np,
	    const uint8_t *blk, uint32_t eh_max);
bool	ext2fs_dirent_csum_ok(const struct ext2fs_node *np,
	    const uint8_t *blk);
bool	ext2fs_dx_csum_ok(const struct ext2fs_node *np, const uint8_t *blk,
	    uint32_t count_offset);
bool	ext2fs_xattr_csum_ok(const struct ext2fs_mount *ump, uint64_t blkno,
	    const uint8_t *blk);

/* ---- ext2fs_inode.c ---- */
/*
 * Read and validate inode INO into a new node (not attached to a vnode).
 * => ENOENT for a free or never-initialised inode, ESTALE for an inode
 *    number outside the filesystem, EUCLEAN (logged) for a corrupt one.
 */
int	ext2fs_node_load(struct ext2fs_mount *ump, ino64_t ino,
	    struct ext2fs_node **npp);
void	ext2fs_node_free(struct ext2fs_node *np);
void	ext2fs_node_getattr(const struct ext2fs_node *np, struct vattr *va);
enum vtype ext2fs_mode_vtype(uint32_t mode);
/* Read only the mode of inode INO (for directories without file types). */
int	ext2fs_inode_mode(struct ext2fs_mount *ump, ino64_t ino,
	    uint32_t *modep);

/* ---- ext2fs_bmap.c ---- */
/*
 * Map logical block LBLK of NP.  *PBLKP is the filesystem block, or 0 for
 * a hole or an unwritten extent (both read as zeros); *RUNP (>= 1) counts
 * the blocks from LBLK on that continue the same way (contiguous on disk,
 * or a hole), at most 2^40.  EUCLEAN (logged) for a corrupt map.
 */
int	ext2fs_bmap(struct ext2fs_node *np, uint64_t lblk, uint64_t *pblkp,
	    uint64_t *runp);
/* Largest logical block count NP's mapping scheme can address. */
uint64_t ext2fs_max_lblocks(const struct ext2fs_node *np);
/* Read the whole contents [0, n_size) of NP into a new kmem buffer. */
int	ext2fs_read_all(struct ext2fs_node *np, size_t maxlen,
	    uint8_t **bufp, size_t *lenp);
/* Read LEN bytes at OFF of NP (inside n_size) into BUF. */
int	ext2fs_read_buf(struct ext2fs_node *np, uint64_t off, void *buf,
	    size_t len);

/* ---- ext2fs_dir.c ---- */
/* Find NAME in directory NP: *INOP, or ENOENT. */
int	ext2fs_dir_lookup(struct ext2fs_node *np, const char *name,
	    size_t len, uint32_t *inop);
int	ext2fs_dir_readdir(struct ext2fs_node *np, uint64_t *cookie,
	    vfs_filldir_t fill, void *arg);
/*
 * Read directory block LBLK of NP and validate it (every entry and the
 * checksum).  *BPP is busy (brelse it), or NULL for a hole of *HOLEP
 * blocks (HOLEP may be NULL); *DXP says it is an htree index block.
 */
int	ext2fs_dir_getblk(struct ext2fs_node *np, uint64_t lblk,
	    struct buf **bpp, bool *dxp, uint64_t *holep);
/* Search validated block DATA of LEN bytes for NAME. */
bool	ext2fs_dir_search_block(const struct ext2fs_node *np,
	    const uint8_t *data, size_t len, const char *name, size_t namelen,
	    uint32_t *inop);
/* Decode a rec_len field for the filesystem's block size. */
uint32_t ext2fs_rec_len(const struct ext2fs_mount *ump, e2le16_t v);

/* ---- ext2fs_htree.c ---- */
/*
 * Look NAME up through NP's htree index.  ENOENT if absent; EAGAIN when
 * the index cannot be used (unknown hash, odd root): search linearly.
 */
int	ext2fs_htree_lookup(struct ext2fs_node *np, const char *name,
	    size_t len, uint32_t *inop);
/* The ext4 directory hash (major hash, bit 0 clear). */
int	ext2fs_dirhash(int version, const uint32_t seed[4], const char *name,
	    size_t len, uint32_t *hashp, uint32_t *minorp);

/* ---- ext2fs_xattr.c: inline_data ---- */
/*
 * Inline data of NP: the 60 bytes of i_block followed by the value of
 * the "system.data" attribute, in a new kmem buffer of *LENP bytes.
 */
int	ext2fs_inline_get(struct ext2fs_node *np, uint8_t **bufp,
	    size_t *lenp);

/* ---- ext2fs_xattr.c ---- */
int	ext2fs_xattr_get(struct ext2fs_node *np, const char *name, void *buf,
	    size_t size, size_t *lenp);
int	ext2fs_xattr_list(struct ext2fs_node *np, char *buf, size_t size,
	    size_t *lenp);
/*
 * The raw value of attribute (INDEX, NAME) in a new kmem buffer; ENODATA
 * if absent.
 */
int	ext2fs_xattr_get_raw(struct ext2fs_node *np, int index,
	    const char *name, size_t namelen, uint8_t **valp, size_t *lenp);

/* ---- ext2fs_journal.c ---- */
/*
 * Replay the internal journal into pinned buffers (never written to the
 * device).  Called at mount, before the superblock and group descriptors
 * are read for good.  EUCLEAN (logged) for a corrupt journal.
 */
int	ext2fs_journal_replay(struct ext2fs_mount *ump);
/* Drop the replayed buffers (unmount, failed mount). */
void	ext2fs_journal_release(struct ext2fs_mount *ump);

#endif /* EXT2FS_NODE_H */
