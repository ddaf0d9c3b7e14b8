/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_fs.h -- the on-disk format of the Berkeley Fast File System as
 * NetBSD and FreeBSD write it: UFS1 and UFS2 superblocks, cylinder group
 * headers, the cylinder summary, both inode layouts and directory
 * entries.  Every structure here is exactly as on disk, in the byte order
 * of the filesystem (either); the driver reads multi-byte fields through
 * the accessors of ffs_node.h, which swap when the mount's order differs
 * from the host's.  Offsets are checked at compile time below.
 *
 * Geometry in brief: the filesystem is an array of fragments (fs_fsize
 * bytes, 512..8192); fs_frag of them make a block (fs_bsize, 4096..65536).
 * Block addresses in inodes and indirect blocks count fragments.  The
 * fragments are divided into fs_ncg cylinder groups of fs_fpg fragments
 * each (the last may be shorter); each group holds, from its start
 * cgstart(): (data), a superblock copy at fs_sblkno, the group header
 * at fs_cblkno, fs_ipg inodes from fs_iblkno, then data from fs_dblkno.
 * The cylinder summary (one struct ffs_csum per group) lives at
 * fs_csaddr, normally right after group 0's inodes.
 */
#ifndef FFS_FS_H
#define FFS_FS_H

#include "kern/kern.h"

/* ---- superblock ---- */

/* Where a superblock may be found, in bytes from the start of the device. */
#define FFS_SBLOCK_FLOPPY	0
#define FFS_SBLOCK_UFS1		8192
#define FFS_SBLOCK_UFS2		65536
#define FFS_SBLOCK_PIGGY	262144
#define FFS_SBLOCKSIZE		8192	/* most a superblock may take */

#define FFS_UFS1_MAGIC		0x00011954
#define FFS_UFS2_MAGIC		0x19540119
#define FFS_UFS2EA_MAGIC	0x19012038	/* NetBSD: UFS2 with xattrs */
#define FFS_CG_MAGIC		0x00090255

#define FFS_MINBSIZE		4096
#define FFS_MAXBSIZE		65536
#define FFS_MAXFRAG		8
#define FFS_MAXCONTIG		16	/* most fs_contigsumsize may be */
#define FFS_MAXMNTLEN		468
#define FFS_MAXVOLLEN		32
#define FFS_FSMAXSNAP		20
#define FFS_NOCSPTRS_BYTES	128	/* in-core pointers, junk on disk */

/* fs_clean */
#define FFS_ISCLEAN		0x01
#define FFS_WASCLEAN		0x02

/* fs_flags (fs_old_flags for UFS1 before FFS_FLAGS_UPDATED) */
#define FFS_UNCLEAN		0x0001
#define FFS_DOSOFTDEP		0x0002
#define FFS_NEEDSFSCK		0x0004
#define FFS_SUJ			0x0008	/* FreeBSD journaled soft updates */
#define FFS_ACLS		0x0010
#define FFS_MULTILABEL		0x0020
#define FFS_GJOURNAL		0x0040
#define FFS_FLAGS_UPDATED	0x0080	/* fs_old_flags: fs_flags is valid */
#define FFS_DOWAPBL		0x0100	/* NetBSD write-ahead log */
#define FFS_DOQUOTA2		0x0200	/* NetBSD in-filesystem quotas */
#define FFS_TRIM		0x0400
#define FFS_NFS4ACLS		0x0800

/* fs_optim */
#define FFS_OPTTIME		0
#define FFS_OPTSPACE		1

/* fs_old_inodefmt (UFS1) */
#define FFS_42INODEFMT		-1
#define FFS_44INODEFMT		2

/* Per-group counts, in the summary area and in each group header. */
struct ffs_csum {
	int32_t		cs_ndir;	/* directories */
	int32_t		cs_nbfree;	/* free blocks */
	int32_t		cs_nifree;	/* free inodes */
	int32_t		cs_nffree;	/* free frags, not in free blocks */
};

/* The superblock's filesystem-wide totals (UFS2 and updated UFS1). */
struct ffs_csum_total {
	int64_t		cs_ndir;
	int64_t		cs_nbfree;
	int64_t		cs_nifree;
	int64_t		cs_nffree;
	int64_t		cs_numclusters;
	int64_t		cs_spare[3];
};

struct ffs_super {
	int32_t		fs_firstfield;		/*    0 */
	int32_t		fs_unused_1;		/*    4 */
	int32_t		fs_sblkno;		/*    8: superblock copy */
	int32_t		fs_cblkno;		/*   12: group header */
	int32_t		fs_iblkno;		/*   16: inodes */
	int32_t		fs_dblkno;		/*   20: first data */
	int32_t		fs_old_cgoffset;	/*   24: UFS1 group stagger */
	int32_t		fs_old_cgmask;		/*   28 */
	int32_t		fs_old_time;		/*   32 */
	int32_t		fs_old_size;		/*   36 */
	int32_t		fs_old_dsize;		/*   40 */
	int32_t		fs_ncg;			/*   44: cylinder groups */
	int32_t		fs_bsize;		/*   48 */
	int32_t		fs_fsize;		/*   52 */
	int32_t		fs_frag;		/*   56: fragments per block */
	int32_t		fs_minfree;		/*   60: percent kept back */
	int32_t		fs_old_rotdelay;	/*   64 */
	int32_t		fs_old_rps;		/*   68 */
	int32_t		fs_bmask;		/*   72 */
	int32_t		fs_fmask;		/*   76 */
	int32_t		fs_bshift;		/*   80 */
	int32_t		fs_fshift;		/*   84 */
	int32_t		fs_maxcontig;		/*   88 */
	int32_t		fs_maxbpg;		/*   92: max blocks per group */
	int32_t		fs_fragshift;		/*   96 */
	int32_t		fs_fsbtodb;		/*  100: frag to DEV_BSIZE */
	int32_t		fs_sbsize;		/*  104 */
	int32_t		fs_spare1[2];		/*  108 */
	int32_t		fs_nindir;		/*  116: addresses per block */
	int32_t		fs_inopb;		/*  120: inodes per block */
	int32_t		fs_old_nspf;		/*  124 */
	int32_t		fs_optim;		/*  128 */
	int32_t		fs_old_npsect;		/*  132 */
	int32_t		fs_old_interleave;	/*  136 */
	int32_t		fs_old_trackskew;	/*  140 */
	int32_t		fs_id[2];		/*  144 */
	int32_t		fs_old_csaddr;		/*  152 */
	int32_t		fs_cssize;		/*  156: summary area, bytes */
	int32_t		fs_cgsize;		/*  160: group header, bytes */
	int32_t		fs_spare2;		/*  164 */
	int32_t		fs_old_nsect;		/*  168 */
	int32_t		fs_old_spc;		/*  172 */
	int32_t		fs_old_ncyl;		/*  176 */
	int32_t		fs_old_cpg;		/*  180 */
	int32_t		fs_ipg;			/*  184: inodes per group */
	int32_t		fs_fpg;			/*  188: fragments per group */
	struct ffs_csum	fs_old_cstotal;		/*  192 */
	int8_t		fs_fmod;		/*  208 */
	uint8_t		fs_clean;		/*  209 */
	int8_t		fs_ronly;		/*  210 */
	uint8_t		fs_old_flags;		/*  211 */
	uint8_t		fs_fsmnt[FFS_MAXMNTLEN];	/*  212 */
	uint8_t		fs_volname[FFS_MAXVOLLEN];	/*  680 */
	uint64_t	fs_swuid;		/*  712 */
	int32_t		fs_pad;			/*  720 */
	int32_t		fs_cgrotor;		/*  724 */
	uint8_t		fs_incore[FFS_NOCSPTRS_BYTES];	/*  728 */
	int32_t		fs_old_cpc;		/*  856 */
	int32_t		fs_maxbsize;		/*  860 */
	uint8_t		fs_journal_version;	/*  864: NetBSD WAPBL */
	uint8_t		fs_journal_location;	/*  865 */
	uint8_t		fs_journal_reserved[2];	/*  866 */
	uint32_t	fs_journal_flags;	/*  868 */
	uint64_t	fs_journallocs[4];	/*  872 */
	uint32_t	fs_quota_magic;		/*  904 */
	uint8_t		fs_quota_flags;		/*  908 */
	uint8_t		fs_quota_reserved[3];	/*  909 */
	uint64_t	fs_quotafile[2];	/*  912 */
	uint64_t	fs_sparecon64[9];	/*  928 */
	int64_t		fs_sblockloc;		/* 1000: bytes */
	struct ffs_csum_total fs_cstotal;	/* 1008 */
	int64_t		fs_time;		/* 1072 */
	int64_t		fs_size;		/* 1080: fragments */
	int64_t		fs_dsize;		/* 1088 */
	int64_t		fs_csaddr;		/* 1096 */
	int64_t		fs_pendingblocks;	/* 1104 */
	int32_t		fs_pendinginodes;	/* 1112 */
	int32_t		fs_snapinum[FFS_FSMAXSNAP];	/* 1116 */
	int32_t		fs_avgfilesize;		/* 1196 */
	int32_t		fs_avgfpdir;		/* 1200 */
	int32_t		fs_save_cgsize;		/* 1204 */
	int32_t		fs_sparecon32[26];	/* 1208 */
	uint32_t	fs_flags;		/* 1312 */
	int32_t		fs_contigsumsize;	/* 1316 */
	int32_t		fs_maxsymlinklen;	/* 1320 */
	int32_t		fs_old_inodefmt;	/* 1324 */
	uint64_t	fs_maxfilesize;		/* 1328 */
	int64_t		fs_qbmask;		/* 1336 */
	int64_t		fs_qfmask;		/* 1344 */
	int32_t		fs_state;		/* 1352 */
	int32_t		fs_old_postblformat;	/* 1356 */
	int32_t		fs_old_nrpos;		/* 1360 */
	int32_t		fs_spare5[2];		/* 1364 */
	int32_t		fs_magic;		/* 1372 */
};

CTASSERT(sizeof(struct ffs_csum) == 16);
CTASSERT(sizeof(struct ffs_csum_total) == 64);
CTASSERT(offsetof(struct ffs_super, fs_old_cstotal) == 192);
CTASSERT(offsetof(struct ffs_super, fs_clean) == 209);
CTASSERT(offsetof(struct ffs_super, fs_swuid) == 712);
CTASSERT(offsetof(struct ffs_super, fs_old_cpc) == 856);
CTASSERT(offsetof(struct ffs_super, fs_journal_flags) == 868);
CTASSERT(offsetof(struct ffs_super, fs_sblockloc) == 1000);
CTASSERT(offsetof(struct ffs_super, fs_time) == 1072);
CTASSERT(offsetof(struct ffs_super, fs_snapinum) == 1116);
CTASSERT(offsetof(struct ffs_super, fs_flags) == 1312);
CTASSERT(offsetof(struct ffs_super, fs_maxfilesize) == 1328);
CTASSERT(offsetof(struct ffs_super, fs_magic) == 1372);
CTASSERT(sizeof(struct ffs_super) == 1376);

/* ---- cylinder group header ---- */

struct ffs_cg {
	int32_t		cg_firstfield;		/*   0 */
	int32_t		cg_magic;		/*   4 */
	int32_t		cg_old_time;		/*   8 */
	int32_t		cg_cgx;			/*  12: this group's index */
	int16_t		cg_old_ncyl;		/*  16 */
	int16_t		cg_old_niblk;		/*  18 */
	int32_t		cg_ndblk;		/*  20: fragments in it */
	struct ffs_csum	cg_cs;			/*  24 */
	int32_t		cg_rotor;		/*  40: last block allocated */
	int32_t		cg_frotor;		/*  44: last frag allocated */
	int32_t		cg_irotor;		/*  48: last inode allocated */
	int32_t		cg_frsum[FFS_MAXFRAG];	/*  52: free runs of N frags */
	int32_t		cg_old_btotoff;		/*  84 */
	int32_t		cg_old_boff;		/*  88 */
	int32_t		cg_iusedoff;		/*  92: inode map (1 = used) */
	int32_t		cg_freeoff;		/*  96: frag map (1 free) */
	int32_t		cg_nextfreeoff;		/* 100: end of the maps */
	int32_t		cg_clustersumoff;	/* 104: free cluster counts */
	int32_t		cg_clusteroff;		/* 108: block map (1 = free) */
	int32_t		cg_nclusterblks;	/* 112: blocks in the group */
	int32_t		cg_niblk;		/* 116: inodes in the group */
	int32_t		cg_initediblk;		/* 120: UFS2: inodes inited */
	int32_t		cg_sparecon32[3];	/* 124 */
	int64_t		cg_time;		/* 136 */
	int64_t		cg_sparecon64[3];	/* 144 */
	/* 168: the maps */
};

CTASSERT(offsetof(struct ffs_cg, cg_cs) == 24);
CTASSERT(offsetof(struct ffs_cg, cg_frsum) == 52);
CTASSERT(offsetof(struct ffs_cg, cg_iusedoff) == 92);
CTASSERT(offsetof(struct ffs_cg, cg_initediblk) == 120);
CTASSERT(offsetof(struct ffs_cg, cg_time) == 136);
CTASSERT(sizeof(struct ffs_cg) == 168);

/* ---- inodes ---- */

#define FFS_NDADDR	12	/* direct block addresses */
#define FFS_NIADDR	3	/* single, double, triple indirect */
#define FFS_NXADDR	2	/* UFS2 extended attribute blocks */

#define FFS_WINO	1	/* whiteout inode number */
#define FFS_ROOTINO	2

struct ffs_ufs1_dinode {
	uint16_t	di_mode;		/*   0 */
	int16_t		di_nlink;		/*   2 */
	uint16_t	di_oldids[2];		/*   4: 4.2 format uid, gid */
	uint64_t	di_size;		/*   8 */
	int32_t		di_atime;		/*  16 */
	int32_t		di_atimensec;		/*  20 */
	int32_t		di_mtime;		/*  24 */
	int32_t		di_mtimensec;		/*  28 */
	int32_t		di_ctime;		/*  32 */
	int32_t		di_ctimensec;		/*  36 */
	int32_t		di_db[FFS_NDADDR];	/*  40 */
	int32_t		di_ib[FFS_NIADDR];	/*  88 */
	uint32_t	di_flags;		/* 100 */
	uint32_t	di_blocks;		/* 104: DEV_BSIZE units */
	int32_t		di_gen;			/* 108 */
	uint32_t	di_uid;			/* 112 */
	uint32_t	di_gid;			/* 116 */
	uint64_t	di_modrev;		/* 120 */
};

struct ffs_ufs2_dinode {
	uint16_t	di_mode;		/*   0 */
	int16_t		di_nlink;		/*   2 */
	uint32_t	di_uid;			/*   4 */
	uint32_t	di_gid;			/*   8 */
	uint32_t	di_blksize;		/*  12 */
	uint64_t	di_size;		/*  16 */
	uint64_t	di_blocks;		/*  24: DEV_BSIZE units */
	int64_t		di_atime;		/*  32 */
	int64_t		di_mtime;		/*  40 */
	int64_t		di_ctime;		/*  48 */
	int64_t		di_birthtime;		/*  56 */
	int32_t		di_mtimensec;		/*  64 */
	int32_t		di_atimensec;		/*  68 */
	int32_t		di_ctimensec;		/*  72 */
	int32_t		di_birthnsec;		/*  76 */
	int32_t		di_gen;			/*  80 */
	uint32_t	di_kernflags;		/*  84 */
	uint32_t	di_flags;		/*  88 */
	uint32_t	di_extsize;		/*  92: xattr area, bytes */
	int64_t		di_extb[FFS_NXADDR];	/*  96 */
	int64_t		di_db[FFS_NDADDR];	/* 112 */
	int64_t		di_ib[FFS_NIADDR];	/* 208 */
	uint64_t	di_modrev;		/* 232 */
	int64_t		di_spare[2];		/* 240 */
};

CTASSERT(offsetof(struct ffs_ufs1_dinode, di_db) == 40);
CTASSERT(offsetof(struct ffs_ufs1_dinode, di_uid) == 112);
CTASSERT(sizeof(struct ffs_ufs1_dinode) == 128);
CTASSERT(offsetof(struct ffs_ufs2_dinode, di_mtimensec) == 64);
CTASSERT(offsetof(struct ffs_ufs2_dinode, di_extb) == 96);
CTASSERT(offsetof(struct ffs_ufs2_dinode, di_db) == 112);
CTASSERT(offsetof(struct ffs_ufs2_dinode, di_ib) == 208);
CTASSERT(sizeof(struct ffs_ufs2_dinode) == 256);

/* di_mode type bits (the same values as the kernel's S_IF*) */
#define FFS_IFMT	0170000
#define FFS_IFIFO	0010000
#define FFS_IFCHR	0020000
#define FFS_IFDIR	0040000
#define FFS_IFBLK	0060000
#define FFS_IFREG	0100000
#define FFS_IFLNK	0120000
#define FFS_IFSOCK	0140000
#define FFS_IFWHT	0160000

/* di_flags (chflags) */
#define FFS_UF_NODUMP		0x00000001
#define FFS_UF_IMMUTABLE	0x00000002
#define FFS_UF_APPEND		0x00000004
#define FFS_UF_OPAQUE		0x00000008
#define FFS_SF_ARCHIVED		0x00010000
#define FFS_SF_IMMUTABLE	0x00020000
#define FFS_SF_APPEND		0x00040000
#define FFS_SF_SNAPSHOT		0x00200000
#define FFS_IMMUTABLE_ANY	(FFS_UF_IMMUTABLE | FFS_SF_IMMUTABLE)
#define FFS_APPEND_ANY		(FFS_UF_APPEND | FFS_SF_APPEND)

/* ---- directories ---- */

#define FFS_DIRBLKSIZ	512	/* entries never cross a chunk this size */
#define FFS_MAXNAMLEN	255

/*
 * A directory entry: 8 bytes of header, the name, a NUL, padding to a
 * multiple of 4.  d_reclen spans to the next entry; the last entry of
 * a chunk spans to the end of the chunk.  d_ino 0 marks free space (only
 * as the first entry of a chunk).  In the old 4.2 format (UFS1 with
 * fs_old_inodefmt < FFS_44INODEFMT) the two bytes of d_type and d_namlen
 * are one 16-bit d_namlen.
 */
struct ffs_direct {
	uint32_t	d_ino;
	uint16_t	d_reclen;
	uint8_t		d_type;
	uint8_t		d_namlen;
	char		d_name[FFS_MAXNAMLEN + 1];
};
#define FFS_DIRHDR	8
/* Bytes an entry with a name of NAMLEN bytes needs. */
#define FFS_DIRSIZ(namlen)	((FFS_DIRHDR + (namlen) + 1 + 3) & ~3u)

/* d_type */
#define FFS_DT_UNKNOWN	0
#define FFS_DT_FIFO	1
#define FFS_DT_CHR	2
#define FFS_DT_DIR	4
#define FFS_DT_BLK	6
#define FFS_DT_REG	8
#define FFS_DT_LNK	10
#define FFS_DT_SOCK	12
#define FFS_DT_WHT	14

/* ---- UFS2 extended attributes (the di_extb area) ---- */

/*
 * Records one after another: a 32-bit total length (a multiple of 8),
 * namespace, content padding, name length, the name, padding to 8, the
 * value, its padding.
 */
#define FFS_EA_HDR		7
#define FFS_EA_NS_USER		1
#define FFS_EA_NS_SYSTEM	2

#endif /* FFS_FS_H */
