/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_node.h -- the in-core state of the FFS driver: the mount (the
 * validated geometry decoded from the superblock and the allocation
 * state), the inode (a decoded copy of one on-disk inode), the byte-order
 * accessors every on-disk read and write goes through, the geometry
 * helpers, and the functions the driver's files export to one another.
 *
 * Locking (the full story is at the top of ffs_vfsops.c):
 *   - struct ffs_mount: the geometry is immutable after mount; the
 *     allocation state (cylinder group buffers, um_cs, um_cstotal,
 *     um_contigdirs, um_cgrotor, um_fmod, the raw superblock's counts)
 *     is protected by um_lock.
 *   - struct ffs_inode: every field is protected by the vnode lock
 *     (shared to read, exclusive to change), except i_atime and
 *     i_atime_mod (i_timelock: reads update atime under a shared lock)
 *     and i_nextread (a relaxed atomic read-ahead hint).
 *   Order: vnode locks -> um_lock -> a cylinder group buffer (B_BUSY);
 *   vnode lock -> an inode, indirect or data buffer.  um_lock is held
 *   across the (blocking) reads of group headers; nothing else waits
 *   under it.
 *
 * Files: ffs_vfsops.c (mount, superblock, summary, statvfs, sync,
 * unmount), ffs_subr.c (byte-level helpers, fragment accounting,
 * superblock and summary writes), ffs_inode.c (inode load, decode,
 * encode, update, attributes), ffs_bmap.c (logical to physical
 * mapping), ffs_balloc.c (allocating file blocks, truncation),
 * ffs_alloc.c (block, fragment and inode allocation in cylinder groups),
 * ffs_dir.c (directory blocks), ffs_vnops.c (vnode operations),
 * ffs_rename.c (rename), ffs_xattr.c (UFS2 extended attributes),
 * ffs_check.c (the consistency checker).
 */
#ifndef FFS_NODE_H
#define FFS_NODE_H

#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ffs_fs.h"

#define FFS_NAME	"ffs"
#define FFS_LINK_MAX	32767	/* di_nlink is a signed 16-bit field */

/* ---- per mount: mnt_data ---- */

struct ffs_mount {
	struct mount	*um_mp;
	struct blkdev	*um_dev;
	/* immutable after ffs_mount() */
	bool		um_swap;	/* on-disk order is not the host's */
	bool		um_ufs2;
	bool		um_olddir;	/* 4.2 directories: 16-bit d_namlen */
	bool		um_oldids;	/* 4.2 inodes: 16-bit ids */
	bool		um_rdonly;	/* nothing may be written */
	bool		um_wasclean;	/* clean at mount */
	int32_t		um_magic;
	uint64_t	um_sblockloc;	/* bytes */
	uint32_t	um_sbsize;
	uint32_t	um_bsize, um_fsize, um_frag;
	uint32_t	um_bshift, um_fshift, um_fragshift, um_fsbtodb;
	uint32_t	um_ncg, um_ipg, um_fpg;
	uint32_t	um_sblkno, um_cblkno, um_iblkno, um_dblkno;
	int32_t		um_cgoffset, um_cgmask;	/* UFS1 stagger */
	uint32_t	um_cgsize, um_cssize;
	int64_t		um_csaddr;	/* fragments */
	int64_t		um_size, um_dsize;	/* fragments */
	uint32_t	um_nindir;	/* addresses per indirect block */
	uint32_t	um_nindirshift;
	uint32_t	um_inopb;	/* inodes per block */
	uint32_t	um_isize;	/* 128 or 256 */
	uint32_t	um_minfree, um_maxbpg, um_maxcontig, um_optim;
	uint32_t	um_contigsumsize;
	uint32_t	um_maxsymlinklen;
	uint32_t	um_avgfilesize, um_avgfpdir;
	uint32_t	um_flags;	/* fs_flags as found */
	uint64_t	um_maxfilesize;
	uint64_t	um_ninodes;	/* ncg * ipg */
	/* allocation state: um_lock */
	kmutex_t	um_lock;
	struct ffs_csum	*um_cs;		/* um_ncg entries, host order */
	struct ffs_csum_total um_cstotal;	/* host order */
	uint8_t		*um_contigdirs;	/* um_ncg entries */
	uint32_t	um_cgrotor;
	bool		um_fmod;	/* summary changed since written */
	uint8_t		*um_sbraw;	/* the superblock as on disk */
};

static inline struct ffs_mount *
VFSTOFFS(struct mount *mp)
{
	return mp->mnt_data;
}

/* ---- byte order ---- */

static inline uint16_t
ffs_sw16(const struct ffs_mount *ump, uint16_t v)
{
	return ump->um_swap ? __builtin_bswap16(v) : v;
}

static inline uint32_t
ffs_sw32(const struct ffs_mount *ump, uint32_t v)
{
	return ump->um_swap ? __builtin_bswap32(v) : v;
}

static inline uint64_t
ffs_sw64(const struct ffs_mount *ump, uint64_t v)
{
	return ump->um_swap ? __builtin_bswap64(v) : v;
}

/* Read an on-disk field of any signedness (value in host order). */
#define FFS_RD16(ump, f)	ffs_sw16((ump), (uint16_t)(f))
#define FFS_RD32(ump, f)	ffs_sw32((ump), (uint32_t)(f))
#define FFS_RD64(ump, f)	ffs_sw64((ump), (uint64_t)(f))
#define FFS_RDS32(ump, f)	((int32_t)FFS_RD32(ump, f))
#define FFS_RDS64(ump, f)	((int64_t)FFS_RD64(ump, f))
/* Store host value V into on-disk field F. */
#define FFS_WR16(ump, f, v)	((f) = ffs_sw16((ump), (uint16_t)(v)))
#define FFS_WR32(ump, f, v)	((f) = ffs_sw32((ump), (uint32_t)(v)))
#define FFS_WR64(ump, f, v)	((f) = ffs_sw64((ump), (uint64_t)(v)))
/* Add DELTA to on-disk 32-bit counter F. */
#define FFS_ADD32(ump, f, delta)					\
	FFS_WR32(ump, f, (int32_t)FFS_RD32(ump, f) + (int32_t)(delta))

/* ---- geometry (all addresses in fragments unless said) ---- */

static inline daddr_t
FFS_FSBTODB(const struct ffs_mount *ump, int64_t f)
{
	return (daddr_t)(f << ump->um_fsbtodb);
}

static inline int64_t
ffs_lblkno(const struct ffs_mount *ump, uint64_t off)
{
	return (int64_t)(off >> ump->um_bshift);
}

static inline uint32_t
ffs_blkoff(const struct ffs_mount *ump, uint64_t off)
{
	return (uint32_t)(off & (ump->um_bsize - 1));
}

static inline uint64_t
ffs_fragroundup(const struct ffs_mount *ump, uint64_t n)
{
	return (n + ump->um_fsize - 1) & ~(uint64_t)(ump->um_fsize - 1);
}

static inline uint32_t
ffs_numfrags(const struct ffs_mount *ump, uint64_t bytes)
{
	return (uint32_t)(bytes >> ump->um_fshift);
}

static inline uint32_t
ffs_fragnum(const struct ffs_mount *ump, int64_t f)
{
	return (uint32_t)(f & (ump->um_frag - 1));
}

static inline int64_t
ffs_blknum(const struct ffs_mount *ump, int64_t f)
{
	return f & ~(int64_t)(ump->um_frag - 1);
}

static inline int64_t
ffs_cgbase(const struct ffs_mount *ump, uint32_t c)
{
	return (int64_t)ump->um_fpg * c;
}

static inline int64_t
ffs_cgstart(const struct ffs_mount *ump, uint32_t c)
{
	if (ump->um_ufs2)
		return ffs_cgbase(ump, c);
	return ffs_cgbase(ump, c) +
	    (int64_t)ump->um_cgoffset * (c & ~(uint32_t)ump->um_cgmask);
}

static inline int64_t
ffs_cgsblock(const struct ffs_mount *ump, uint32_t c)
{
	return ffs_cgstart(ump, c) + ump->um_sblkno;
}

static inline int64_t
ffs_cgtod(const struct ffs_mount *ump, uint32_t c)
{
	return ffs_cgstart(ump, c) + ump->um_cblkno;
}

static inline int64_t
ffs_cgimin(const struct ffs_mount *ump, uint32_t c)
{
	return ffs_cgstart(ump, c) + ump->um_iblkno;
}

static inline int64_t
ffs_cgdmin(const struct ffs_mount *ump, uint32_t c)
{
	return ffs_cgstart(ump, c) + ump->um_dblkno;
}

/* Fragments in group C (the last group may be short). */
static inline uint32_t
ffs_cg_nfrags(const struct ffs_mount *ump, uint32_t c)
{
	int64_t left = ump->um_size - ffs_cgbase(ump, c);

	return left >= (int64_t)ump->um_fpg ? ump->um_fpg : (uint32_t)left;
}

static inline uint32_t
ffs_dtog(const struct ffs_mount *ump, int64_t f)
{
	return (uint32_t)(f / ump->um_fpg);
}

static inline uint32_t
ffs_dtogd(const struct ffs_mount *ump, int64_t f)
{
	return (uint32_t)(f % ump->um_fpg);
}

static inline uint32_t
ffs_ino_to_cg(const struct ffs_mount *ump, ino64_t ino)
{
	return (uint32_t)(ino / ump->um_ipg);
}

/* The fragment address of the block holding inode INO. */
static inline int64_t
ffs_ino_to_fsba(const struct ffs_mount *ump, ino64_t ino)
{
	return ffs_cgimin(ump, ffs_ino_to_cg(ump, ino)) +
	    ((int64_t)((ino % ump->um_ipg) / ump->um_inopb) <<
	    ump->um_fragshift);
}

/* The byte offset of inode INO within its block. */
static inline uint32_t
ffs_ino_to_fsbo(const struct ffs_mount *ump, ino64_t ino)
{
	return (uint32_t)((ino % ump->um_ipg) % ump->um_inopb) *
	    ump->um_isize;
}

/* ---- group header maps (CG is a validated header in a buffer) ---- */

static inline uint8_t *
ffs_cg_inosused(const struct ffs_mount *ump, struct ffs_cg *cg)
{
	return (uint8_t *)cg + FFS_RD32(ump, cg->cg_iusedoff);
}

static inline uint8_t *
ffs_cg_blksfree(const struct ffs_mount *ump, struct ffs_cg *cg)
{
	return (uint8_t *)cg + FFS_RD32(ump, cg->cg_freeoff);
}

static inline uint8_t *
ffs_cg_clustersfree(const struct ffs_mount *ump, struct ffs_cg *cg)
{
	return (uint8_t *)cg + FFS_RD32(ump, cg->cg_clusteroff);
}

static inline int32_t *
ffs_cg_clustersum(const struct ffs_mount *ump, struct ffs_cg *cg)
{
	return (int32_t *)((uint8_t *)cg + FFS_RD32(ump, cg->cg_clustersumoff));
}

static inline bool
ffs_isset(const uint8_t *map, uint32_t i)
{
	return (map[i >> 3] & (1u << (i & 7))) != 0;
}

static inline void
ffs_setbit(uint8_t *map, uint32_t i)
{
	map[i >> 3] |= (uint8_t)(1u << (i & 7));
}

static inline void
ffs_clrbit(uint8_t *map, uint32_t i)
{
	map[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

/* ---- per inode: vp->v_data ---- */

/* i_flag (vnode lock) */
#define IN_FREED	0x0002	/* nlink 0: contents released, inode cleared */
#define IN_SHORTLINK	0x0004	/* symlink target kept in the inode */

struct ffs_inode {
	struct ffs_mount *i_ump;
	struct vnode	*i_vnode;
	ino64_t		i_number;
	/* the decoded inode: the vnode lock */
	uint32_t	i_mode;		/* type and permission bits */
	int32_t		i_nlink;
	uint32_t	i_uid, i_gid;
	uint64_t	i_size;
	uint64_t	i_blocks;	/* DEV_BSIZE units held */
	struct vfs_timespec i_mtime, i_ctime, i_btime;
	uint32_t	i_flags;	/* di_flags */
	uint32_t	i_gen;
	uint32_t	i_kernflags;	/* UFS2 */
	uint32_t	i_extsize;	/* UFS2 */
	int64_t		i_extb[FFS_NXADDR];
	int64_t		i_db[FFS_NDADDR];	/* not for IN_SHORTLINK */
	int64_t		i_ib[FFS_NIADDR];
	uint64_t	i_rdev;		/* raw di_rdev (NetBSD dev_t) */
	uint8_t		i_shortlink[FFS_NDADDR * 8 + FFS_NIADDR * 8];
	uint32_t	i_flag;		/* IN_* */
	uint32_t	i_omode;	/* i_mode before IN_FREED cleared it */
	/* i_timelock */
	kmutex_t	i_timelock;
	struct vfs_timespec i_atime;
	bool		i_atime_mod;	/* atime changed, not yet written */
	uint64_t	i_nextread;	/* relaxed atomic */
};

static inline struct ffs_inode *
VTOI(struct vnode *vp)
{
	return vp->v_data;
}

static inline bool
ffs_is_shortlink(const struct ffs_inode *ip)
{
	return (ip->i_flag & IN_SHORTLINK) != 0;
}

/*
 * Bytes allocated to logical block LBN of IP: a full block, or for the
 * last block within the direct blocks, the fragments its size needs.
 */
static inline uint32_t
ffs_blksize(const struct ffs_mount *ump, const struct ffs_inode *ip,
    int64_t lbn)
{
	if (lbn >= FFS_NDADDR ||
	    ip->i_size >= ((uint64_t)lbn + 1) << ump->um_bshift)
		return ump->um_bsize;
	return (uint32_t)ffs_fragroundup(ump, ffs_blkoff(ump, ip->i_size));
}

/* Same, for a file of SIZE bytes. */
static inline uint32_t
ffs_sblksize(const struct ffs_mount *ump, uint64_t size, int64_t lbn)
{
	if (lbn >= FFS_NDADDR || size >= ((uint64_t)lbn + 1) << ump->um_bshift)
		return ump->um_bsize;
	return (uint32_t)ffs_fragroundup(ump, ffs_blkoff(ump, size));
}

#define ffs_corrupt(ump, ...)	vfs_corrupt((ump)->um_mp, __VA_ARGS__)

/* ---- ffs_vfsops.c ---- */
extern const struct vfsops ffs_vfsops;

/* ---- ffs_vnops.c ---- */
extern const struct vnodeops ffs_vnodeops;

/* ---- ffs_subr.c ---- */
/*
 * Is [BN, BN+N) a range of fragments that may hold file data or
 * indirect blocks: inside the filesystem, inside one group, clear of
 * the group's superblock copy, header and inodes?
 */
bool	ffs_chkrange(const struct ffs_mount *ump, int64_t bn, uint32_t n);
/*
 * Read SIZE bytes of file data or indirect block at fragment BN, with
 * read-ahead of the NRA blocks RA[] (sizes RASZ[]).  EUCLEAN (logged,
 * naming WHAT and INO) for a bad address.
 */
int	ffs_bread(struct ffs_mount *ump, int64_t bn, uint32_t size,
	    const char *what, ino64_t ino, struct buf **bpp);
int	ffs_breadn(struct ffs_mount *ump, int64_t bn, uint32_t size,
	    const int64_t *ra, const uint32_t *rasz, int nra, struct buf **bpp);
/*
 * The free-fragment bits of the block at relative fragment H of MAP;
 * bits at or past NDBLK (the group's end) read as used.
 */
uint32_t ffs_blkmap(const struct ffs_mount *ump, const uint8_t *map,
	    uint32_t h, uint32_t ndblk);
/* Add CNT to FRSUM[n] for every maximal free run of n < frag in MAP. */
void	ffs_fragacct(const struct ffs_mount *ump, uint32_t map, int32_t *frsum,
	    int cnt);
/*
 * Mark fragments [H, H+N) of group CGX (header CG, relative numbers,
 * inside one block) free (FREE) or used, and keep every count exact:
 * cg_cs, cg_frsum, the cluster map and sums, um_cs, um_cstotal.
 * um_lock held.
 */
void	ffs_cg_setfrags(struct ffs_mount *ump, struct ffs_cg *cg, uint32_t cgx,
	    uint32_t h, uint32_t n, bool free);
/* Read group C's header and validate it.  um_lock held. */
int	ffs_cg_read(struct ffs_mount *ump, uint32_t c, struct buf **bpp);
/* Validate the group header in BUF for group C. */
int	ffs_cg_check(struct ffs_mount *ump, uint32_t c, struct ffs_cg *cg);
/*
 * Write the summary counts into the raw superblock and the superblock
 * and summary area to the device (bwrite if WAIT, else bdwrite).
 * um_lock not held.
 */
int	ffs_sbupdate(struct ffs_mount *ump, bool wait);
/* Write the clean flag CLEAN (and the time) straight to the device. */
int	ffs_sbwrite_clean(struct ffs_mount *ump, uint8_t clean);
/* Linux dev_t <-> NetBSD dev_t. */
uint64_t ffs_rdev_decode(uint64_t raw);
uint64_t ffs_rdev_encode(uint64_t rdev);
enum vtype ffs_mode_vtype(uint32_t mode);
uint8_t	ffs_mode_dtype(uint32_t mode);

/* ---- ffs_inode.c ---- */
/*
 * Read inode INO into a new inode.  ENOENT for a free inode, ESTALE for
 * a number outside the filesystem, EUCLEAN (logged) for a corrupt one.
 */
int	ffs_inode_load(struct ffs_mount *ump, ino64_t ino,
	    struct ffs_inode **ipp);
void	ffs_inode_free(struct ffs_inode *ip);
/* Decode the raw inode RAW as it is, without any check. */
void	ffs_dinode_unpack(struct ffs_mount *ump, const void *raw,
	    struct ffs_inode *ip);
/* Decode the raw inode RAW; EUCLEAN (logged) if it is not valid. */
int	ffs_dinode_decode(struct ffs_mount *ump, const void *raw,
	    struct ffs_inode *ip);
/* Is the raw inode free (mode 0)? */
bool	ffs_dinode_isfree(const struct ffs_mount *ump, const void *raw);
/*
 * Write a new inode INO (just allocated, free on disk) with MODE, owner,
 * RDEV (raw) and NLINK, times now, the next generation number.
 */
int	ffs_inode_create(struct ffs_mount *ump, ino64_t ino, uint32_t mode,
	    uint32_t uid, uint32_t gid, uint64_t rdev, int nlink);
/* Write IP to its inode block (delayed write).  Vnode lock held. */
int	ffs_update(struct ffs_inode *ip);
void	ffs_getattr(struct ffs_inode *ip, struct vattr *va);
/* Set the flagged times of IP to now. */
#define FFS_UPD_MTIME	0x1
#define FFS_UPD_CTIME	0x2
#define FFS_UPD_ATIME	0x4
void	ffs_itimes(struct ffs_inode *ip, int which);
/* A read of IP happened: update atime as the mount says. */
void	ffs_mark_access(struct ffs_inode *ip);
/* Write a pending atime (i_atime_mod) back.  Vnode lock held. */
int	ffs_flush_atime(struct ffs_inode *ip);

/* ---- ffs_bmap.c ---- */
/*
 * Map logical block LBN of IP: *BNP is the fragment address, or 0 for a
 * hole; *RUNP (>= 1, optional) counts the logical blocks from LBN on
 * that continue the same way (contiguous on disk, or a hole), within
 * one indirect block.  EUCLEAN (logged) for a bad address, EFBIG past
 * what the tree can address.
 */
int	ffs_bmap(struct ffs_inode *ip, int64_t lbn, int64_t *bnp,
	    int64_t *runp);
/* Read LEN bytes at OFF of IP (inside i_size) into BUF. */
int	ffs_read_buf(struct ffs_inode *ip, uint64_t off, void *buf,
	    size_t len);
/* The last logical block the tree of one inode can address, plus one. */
int64_t	ffs_max_lblocks(const struct ffs_mount *ump);
/* Entry I of the indirect block in BUF (host order), and storing one. */
int64_t	ffs_indir_get(const struct ffs_mount *ump, const void *buf,
	    uint32_t i);
void	ffs_indir_set(const struct ffs_mount *ump, void *buf, uint32_t i,
	    int64_t v);
/*
 * For LBN >= FFS_NDADDR: which tree (*LEVELP: 0 single, 1 double, 2
 * triple) and, for each level L from LEVEL down to 0, the index IDX[L]
 * in the indirect block whose entries each cover SPAN[L] logical
 * blocks.  EFBIG past the triple indirect tree.
 */
int	ffs_indir_path(const struct ffs_mount *ump, int64_t lbn, int *levelp,
	    uint32_t idx[FFS_NIADDR], int64_t span[FFS_NIADDR]);

/* ---- ffs_balloc.c ---- */
/*
 * Make logical block LBN of IP hold at least NEED bytes (NEED <=
 * bsize), allocating data and indirect blocks as FFS does (fragments
 * for the last direct block, which grows in place or moves).  NEWSIZE is
 * the file size the caller is about to set (>= i_size).  *BPP is the
 * block's busy buffer, contents valid (zeros where new); the caller
 * modifies it and releases it (bdwrite/bwrite).  With BPP NULL nothing
 * is returned.  ENOSPC, EUCLEAN, EIO.  Vnode lock exclusive.
 */
int	ffs_balloc(struct ffs_inode *ip, int64_t lbn, uint32_t need,
	    uint64_t newsize, struct buf **bpp);
/*
 * Change IP's size to LENGTH, freeing (or, growing, allocating the
 * last) blocks, and zero the tail of a partial last block.  Vnode lock
 * exclusive.  Does not set times.
 */
int	ffs_truncate(struct ffs_inode *ip, uint64_t length);
/* Free IP's extended attribute area (UFS2). */
int	ffs_ext_free(struct ffs_inode *ip);

/* ---- ffs_alloc.c ---- */
/*
 * A preferred fragment for logical block LBN of IP, INDX its index in
 * its direct or indirect block and PREV the address of the entry before
 * it there (0 if none).
 */
int64_t	ffs_blkpref(struct ffs_inode *ip, int64_t lbn, int64_t indx,
	    int64_t prev);
/*
 * Allocate SIZE bytes (a fragment multiple up to a block) near BPREF
 * for IP.  ENOSPC when nothing is free (or only the reserve, for
 * non-root).  The caller accounts i_blocks.
 */
int	ffs_alloc(struct ffs_inode *ip, int64_t bpref, uint32_t size,
	    int64_t *bnp);
/*
 * Grow the fragments at BPREV from OSIZE to NSIZE bytes: in place if the
 * following fragments are free, else somewhere else (*BNP differs; the
 * caller copies the data and frees the old fragments).
 */
int	ffs_realloccg(struct ffs_inode *ip, int64_t bprev, int64_t bpref,
	    uint32_t osize, uint32_t nsize, int64_t *bnp);
/*
 * Free SIZE bytes at BN (inside one block) and drop cached buffers that
 * start inside them.  INO names the owner in log lines.
 */
int	ffs_blkfree(struct ffs_mount *ump, int64_t bn, uint32_t size,
	    ino64_t ino);
/* Allocate an inode for a new file of MODE in directory PIP. */
int	ffs_valloc(struct ffs_inode *pip, uint32_t mode, ino64_t *inop);
/* Free inode INO (which held a file of MODE). */
int	ffs_vfree(struct ffs_mount *ump, ino64_t ino, uint32_t mode);

/* ---- ffs_dir.c ---- */
/* Where a name was found (for remove and rewrite). */
struct ffs_dirpos {
	uint64_t	dp_off;		/* byte offset of the entry */
	uint64_t	dp_prevoff;	/* of the previous entry in its chunk,
					   or dp_off if it is the first */
	uint32_t	dp_ino;
	uint8_t		dp_type;
};
int	ffs_dir_lookup(struct ffs_inode *dp, const char *name, size_t len,
	    struct ffs_dirpos *pos);
int	ffs_dir_readdir(struct ffs_inode *dp, uint64_t *cookie,
	    vfs_filldir_t fill, void *arg);
/* Add entry NAME -> INO (d_type from MODE) to DP.  ENOSPC, EUCLEAN. */
int	ffs_dir_enter(struct ffs_inode *dp, const char *name, size_t len,
	    ino64_t ino, uint32_t mode);
/* Remove the entry at POS (from ffs_dir_lookup). */
int	ffs_dir_remove(struct ffs_inode *dp, const struct ffs_dirpos *pos);
/* Point the entry at POS to INO, d_type from MODE. */
int	ffs_dir_rewrite(struct ffs_inode *dp, const struct ffs_dirpos *pos,
	    ino64_t ino, uint32_t mode);
/* Does DP hold only "." and ".."?  *PARENTP gets "..". */
int	ffs_dir_isempty(struct ffs_inode *dp, bool *emptyp);
/* Write the first block of new directory IP (parent PINO). */
int	ffs_dir_init(struct ffs_inode *ip, ino64_t pino);
/* The ".." entry of directory DP: its position and inode. */
int	ffs_dir_dotdot(struct ffs_inode *dp, struct ffs_dirpos *pos);

/* ---- ffs_rename.c ---- */
int	ffs_rename(struct vnode *fdvp, struct vnode *fvp, const char *fname,
	    size_t flen, struct vnode *tdvp, struct vnode *tvp,
	    const char *tname, size_t tlen, unsigned flags);

/* ---- ffs_xattr.c ---- */
int	ffs_getxattr(struct vnode *vp, const char *name, void *buf,
	    size_t size, size_t *lenp);
int	ffs_listxattr(struct vnode *vp, char *buf, size_t size, size_t *lenp);

/* ---- ffs_check.c ---- */
/* See ffs_check.c and kern/check.h. */
int	ffs_check(struct mount *mp, int flags,
	    void (*report)(void *arg, const char *line), void *arg,
	    unsigned *nproblemsp);

#endif /* FFS_NODE_H */
