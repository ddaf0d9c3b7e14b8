/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msdosfs_fs.h -- the on-disk format of FAT12, FAT16 and FAT32 with VFAT
 * long names, exactly as on disk: the boot sector and its BIOS parameter
 * block (as byte offsets: the fields are unaligned), the FAT32 FSInfo
 * sector, the MBR partition table, short (8.3) and long-name directory
 * entries, attributes, and the little-endian accessors every file of the
 * driver uses.  Nothing here allocates or locks.
 */
#ifndef MSDOSFS_FS_H
#define MSDOSFS_FS_H

#include "kern/kern.h"

/* ---- little-endian accessors on byte arrays ---- */

static inline uint16_t
msdos_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t
msdos_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline void
msdos_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
msdos_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* ---- boot sector (sector 0 of the volume) ---- */

#define BS_JMPBOOT	0	/* 3: EB xx 90 or E9 xx xx */
#define BS_OEMNAME	3	/* 8 */
#define BPB_BYTSPERSEC	11	/* 2: 512, 1024, 2048, 4096 */
#define BPB_SECPERCLUS	13	/* 1: 1, 2, 4, ..., 128 */
#define BPB_RSVDSECCNT	14	/* 2: at least 1 */
#define BPB_NUMFATS	16	/* 1: usually 2 */
#define BPB_ROOTENTCNT	17	/* 2: 0 on FAT32 */
#define BPB_TOTSEC16	19	/* 2: 0 if TotSec32 is used */
#define BPB_MEDIA	21	/* 1: F0, F8..FF */
#define BPB_FATSZ16	22	/* 2: 0 on FAT32 */
#define BPB_SECPERTRK	24	/* 2 */
#define BPB_NUMHEADS	26	/* 2 */
#define BPB_HIDDSEC	28	/* 4 */
#define BPB_TOTSEC32	32	/* 4 */
/* FAT12/16 extended BPB */
#define BS16_DRVNUM	36	/* 1 */
#define BS16_STATE	37	/* 1: bit 0 "volume dirty" (NT, Linux) */
#define BS16_BOOTSIG	38	/* 1: 0x29 if the next three are valid */
#define BS16_VOLID	39	/* 4 */
#define BS16_VOLLAB	43	/* 11 */
#define BS16_FILSYSTYPE	54	/* 8: informational only */
/* FAT32 BPB */
#define BPB32_FATSZ32	36	/* 4 */
#define BPB32_EXTFLAGS	40	/* 2: bit 7 no mirroring, bits 0-3 active */
#define BPB32_FSVER	42	/* 2: 0.0 */
#define BPB32_ROOTCLUS	44	/* 4 */
#define BPB32_FSINFO	48	/* 2: sector of FSInfo, 0 or 0xFFFF: none */
#define BPB32_BKBOOTSEC	50	/* 2: sector of the boot sector backup */
#define BS32_DRVNUM	64	/* 1 */
#define BS32_STATE	65	/* 1: bit 0 "volume dirty" */
#define BS32_BOOTSIG	66	/* 1 */
#define BS32_VOLID	67	/* 4 */
#define BS32_VOLLAB	71	/* 11 */
#define BS32_FILSYSTYPE	82	/* 8 */
#define BS_SIGNATURE	510	/* 2: 55 AA */

#define BS_STATE_DIRTY		0x01
#define BPB32_EXTFLAGS_NOMIRROR	0x0080
#define BPB32_EXTFLAGS_ACTIVE	0x000f

/* Microsoft's rule: the cluster count alone decides the FAT type. */
#define FAT12_MAXCLUSTERS	4084	/* < 4085 clusters: FAT12 */
#define FAT16_MAXCLUSTERS	65524	/* < 65525 clusters: FAT16 */
#define FAT32_MAXCLUSTERS	0x0ffffff4	/* clusters 2..0x0FFFFFF5 */

/* FAT entry values (FAT32 uses the low 28 bits). */
#define FAT12_MASK	0x00000fffU
#define FAT16_MASK	0x0000ffffU
#define FAT32_MASK	0x0fffffffU
#define CLUST_FREE	0
#define CLUST_FIRST	2	/* the first data cluster */
/* Relative to the mask: bad is mask - 8, end of chain mask - 7 .. mask. */
#define CLUST_BAD_OFF	8
#define CLUST_EOC_OFF	7

/* The "clean" bits of FAT[1] (FAT16 and FAT32; FAT12 has none). */
#define FAT16_CLEAN	0x8000U
#define FAT16_HARDERR	0x4000U
#define FAT32_CLEAN	0x08000000U
#define FAT32_HARDERR	0x04000000U

/* ---- FSInfo (FAT32) ---- */

#define FSI_LEADSIG	0	/* 4: 0x41615252 */
#define FSI_STRUCSIG	484	/* 4: 0x61417272 */
#define FSI_FREECOUNT	488	/* 4: free clusters, 0xFFFFFFFF unknown */
#define FSI_NXTFREE	492	/* 4: hint, 0xFFFFFFFF unknown */
#define FSI_TRAILSIG	508	/* 4: 0xAA550000 */
#define FSI_LEADSIG_VAL		0x41615252U
#define FSI_STRUCSIG_VAL	0x61417272U
#define FSI_TRAILSIG_VAL	0xaa550000U
#define FSI_UNKNOWN		0xffffffffU

/* ---- MBR partition table (sector 0 of a partitioned image) ---- */

#define MBR_PART0	446	/* 4 entries of 16 bytes */
#define MBR_PARTSIZE	16
#define MBR_PT_TYPE	4	/* 1 */
#define MBR_PT_START	8	/* 4: first sector (512 bytes) */
#define MBR_PT_SIZE	12	/* 4: sectors */
#define MBR_NPARTS	4

/* ---- directory entries ---- */

#define DE_SIZE		32
#define DE_SHIFT	5

/* A short (8.3) entry. */
struct msdos_dirent {
	uint8_t	de_name[11];	/* 8 + 3, space padded */
	uint8_t	de_attr;	/* ATTR_* */
	uint8_t	de_ntres;	/* NTRES_* case flags */
	uint8_t	de_ctime_cs;	/* creation time, 0..199 hundredths */
	uint8_t	de_ctime[2];	/* creation time */
	uint8_t	de_cdate[2];	/* creation date */
	uint8_t	de_adate[2];	/* last access date */
	uint8_t	de_clhi[2];	/* first cluster, high 16 bits (FAT32) */
	uint8_t	de_mtime[2];	/* last write time */
	uint8_t	de_mdate[2];	/* last write date */
	uint8_t	de_cllo[2];	/* first cluster, low 16 bits */
	uint8_t	de_size[4];	/* file size, bytes (0 for directories) */
};
CTASSERT(sizeof(struct msdos_dirent) == DE_SIZE);

/* de_name[0] */
#define SLOT_EMPTY	0x00	/* this and every later entry is free */
#define SLOT_DELETED	0xe5	/* free */
#define SLOT_E5		0x05	/* a name that really starts with 0xE5 */

/* de_attr */
#define ATTR_READONLY	0x01
#define ATTR_HIDDEN	0x02
#define ATTR_SYSTEM	0x04
#define ATTR_VOLUME	0x08
#define ATTR_DIRECTORY	0x10
#define ATTR_ARCHIVE	0x20
#define ATTR_LFN	0x0f	/* READONLY|HIDDEN|SYSTEM|VOLUME */
#define ATTR_LFN_MASK	0x3f

/* de_ntres: the base / the extension is shown in lower case */
#define NTRES_LCASE_BASE	0x08
#define NTRES_LCASE_EXT		0x10

/* A long-name (VFAT) entry: 13 UTF-16 units, stored before the short one. */
struct msdos_lfn {
	uint8_t	lfn_ord;	/* 1..20, LFN_LAST on the first stored */
	uint8_t	lfn_name1[10];	/* units 0..4 */
	uint8_t	lfn_attr;	/* ATTR_LFN */
	uint8_t	lfn_type;	/* 0 */
	uint8_t	lfn_cksum;	/* checksum of the short name */
	uint8_t	lfn_name2[12];	/* units 5..10 */
	uint8_t	lfn_cllo[2];	/* 0 */
	uint8_t	lfn_name3[4];	/* units 11..12 */
};
CTASSERT(sizeof(struct msdos_lfn) == DE_SIZE);

#define LFN_LAST	0x40
#define LFN_ORDMASK	0x1f
#define LFN_CHARS	13	/* UTF-16 units per entry */
#define LFN_MAXLEN	255	/* UTF-16 units in a long name */
#define LFN_MAXSLOTS	20	/* howmany(255, 13) */

/* Date and time fields. */
#define DD_DAY_MASK	0x001f
#define DD_MONTH_SHIFT	5
#define DD_MONTH_MASK	0x01e0
#define DD_YEAR_SHIFT	9	/* years since 1980 */
#define DT_2SEC_MASK	0x001f
#define DT_MIN_SHIFT	5
#define DT_MIN_MASK	0x07e0
#define DT_HOUR_SHIFT	11
#define DOS_EPOCH_YEAR	1980

static inline uint32_t
msdos_de_cluster(const struct msdos_dirent *de, bool fat32)
{
	uint32_t cl = msdos_get16(de->de_cllo);

	if (fat32)
		cl |= (uint32_t)msdos_get16(de->de_clhi) << 16;
	return cl;
}

static inline void
msdos_de_setcluster(struct msdos_dirent *de, uint32_t cl, bool fat32)
{
	msdos_put16(de->de_cllo, (uint16_t)cl);
	msdos_put16(de->de_clhi, fat32 ? (uint16_t)(cl >> 16) : 0);
}

#endif /* MSDOSFS_FS_H */
