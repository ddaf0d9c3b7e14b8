/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cd9660_fs.h -- the on-disk format of ISO 9660 (ECMA-119), its Joliet
 * supplementary volume descriptor, the System Use Sharing Protocol
 * (SUSP 1.12), the Rock Ridge Interchange Protocol (RRIP 1.09-1.12) and
 * the zisofs (version 1 and 2) compressed file layout, exactly as on the
 * medium.  Every structure is bytes only (no padding, no alignment), and
 * multi-byte numbers are read through the accessors at the end.
 *
 * Numbers in ISO 9660 are recorded little-endian (7.2.1, 7.3.1),
 * big-endian (7.2.2, 7.3.2) or both, little first (7.2.3, 7.3.3); the
 * driver reads the little-endian half of a both-endian field.
 */
#ifndef CD9660_FS_H
#define CD9660_FS_H

#include "kern/kern.h"

/* ---- volume ---- */

#define ISO_SECTOR_SIZE		2048	/* a logical sector, always */
#define ISO_SECTOR_SHIFT	11
#define ISO_VD_FIRST		16	/* sector of the first descriptor */
#define ISO_VD_MAX		64	/* descriptors read before giving up */
#define ISO_STANDARD_ID		"CD001"

/* Volume descriptor types. */
#define ISO_VD_BOOT		0
#define ISO_VD_PRIMARY		1
#define ISO_VD_SUPPLEMENTARY	2	/* Joliet (version 1), EVD (2) */
#define ISO_VD_PARTITION	3
#define ISO_VD_TERMINATOR	255

/* A directory record (9.1); the name and system use area follow. */
struct iso_dirrec {
	uint8_t	length;			/* 711: bytes in this record */
	uint8_t	ext_attr_length;	/* 711: XAR blocks before the data */
	uint8_t	extent[8];		/* 733: first logical block */
	uint8_t	size[8];		/* 733: data length, bytes */
	uint8_t	date[7];		/* 9.1.5: recording date and time */
	uint8_t	flags;			/* ISO_FILE_* */
	uint8_t	file_unit_size;		/* 711: interleaved mode */
	uint8_t	interleave;		/* 711: interleave gap */
	uint8_t	volume_sequence_number[4];	/* 723 */
	uint8_t	name_len;		/* 711 */
	uint8_t	name[];			/* name, pad to even, system use */
};
#define ISO_DIRREC_MIN		33	/* bytes before the name */
#define ISO_DIRREC_MAX		255

/* File flags (9.1.6). */
#define ISO_FILE_HIDDEN		0x01	/* "existence": hide from the user */
#define ISO_FILE_DIRECTORY	0x02
#define ISO_FILE_ASSOCIATED	0x04
#define ISO_FILE_RECORD		0x08
#define ISO_FILE_PROTECTION	0x10
#define ISO_FILE_MULTIEXTENT	0x80	/* not the final section */

/* Identifiers of the "." and ".." records (6.8.2.2). */
#define ISO_NAME_DOT		0x00
#define ISO_NAME_DOTDOT		0x01

/* The primary (and supplementary) volume descriptor (8.4, 8.5). */
struct iso_pvd {
	uint8_t	type;			/* 711 */
	uint8_t	id[5];			/* "CD001" */
	uint8_t	version;		/* 711: 1 (2 for an EVD) */
	uint8_t	flags;			/* 711: SVD volume flags */
	uint8_t	system_id[32];
	uint8_t	volume_id[32];
	uint8_t	unused2[8];
	uint8_t	volume_space_size[8];	/* 733: logical blocks */
	uint8_t	escape_sequences[32];	/* SVD: Joliet "%/@" "%/C" "%/E" */
	uint8_t	volume_set_size[4];	/* 723 */
	uint8_t	volume_sequence_number[4];	/* 723 */
	uint8_t	logical_block_size[4];	/* 723 */
	uint8_t	path_table_size[8];	/* 733 */
	uint8_t	type_l_path_table[4];	/* 731 */
	uint8_t	opt_type_l_path_table[4];
	uint8_t	type_m_path_table[4];	/* 732 */
	uint8_t	opt_type_m_path_table[4];
	uint8_t	root_directory_record[34];
	uint8_t	volume_set_id[128];
	uint8_t	publisher_id[128];
	uint8_t	preparer_id[128];
	uint8_t	application_id[128];
	uint8_t	copyright_file_id[37];
	uint8_t	abstract_file_id[37];
	uint8_t	bibliographic_file_id[37];
	uint8_t	creation_date[17];	/* 8.4.26.1 */
	uint8_t	modification_date[17];
	uint8_t	expiration_date[17];
	uint8_t	effective_date[17];
	uint8_t	file_structure_version;	/* 711 */
	uint8_t	unused4[1];
	uint8_t	application_data[512];
	uint8_t	unused5[653];
};
CTASSERT(sizeof(struct iso_pvd) == ISO_SECTOR_SIZE);
CTASSERT(sizeof(struct iso_dirrec) == ISO_DIRREC_MIN);

/* Joliet escape sequences, at escape_sequences[0..2] of an SVD. */
#define JOLIET_ESC_1		"%/@"	/* UCS-2 level 1 */
#define JOLIET_ESC_2		"%/C"	/* UCS-2 level 2 */
#define JOLIET_ESC_3		"%/E"	/* UCS-2 level 3 */

/* ---- SUSP (System Use Sharing Protocol 1.12) ---- */

/* Every system use entry starts like this. */
struct susp_entry {
	uint8_t	sig[2];
	uint8_t	len;			/* bytes, header included */
	uint8_t	version;
	uint8_t	data[];
};
#define SUSP_HDR_LEN		4

#define SUSP_SIG(a, b)		((uint16_t)((uint8_t)(a) << 8 | (uint8_t)(b)))

/* SP: SUSP indicator, first entry of the root's "." record. */
struct susp_sp {
	uint8_t	sig[2], len, version;	/* "SP", 7, 1 */
	uint8_t	check[2];		/* 0xbe 0xef */
	uint8_t	len_skp;		/* bytes to skip in every other area */
};
#define SUSP_SP_LEN		7

/* CE: continuation area. */
struct susp_ce {
	uint8_t	sig[2], len, version;	/* "CE", 28, 1 */
	uint8_t	block[8];		/* 733: logical block */
	uint8_t	offset[8];		/* 733: bytes into that block */
	uint8_t	length[8];		/* 733: bytes in the area */
};
#define SUSP_CE_LEN		28

/* ER: extension reference. */
struct susp_er {
	uint8_t	sig[2], len, version;	/* "ER" */
	uint8_t	len_id, len_des, len_src, ext_ver;
	uint8_t	data[];			/* id, descriptor, source */
};
#define SUSP_ER_MIN		8

/* Rock Ridge extension identifiers in ER entries. */
#define RRIP_ID_109		"RRIP_1991A"
#define RRIP_ID_110		"IEEE_P1282"
#define RRIP_ID_112		"IEEE_1282"

/* ---- RRIP entries ---- */

/* PX: POSIX file attributes; 36 bytes in RRIP 1.09/1.10, 44 in 1.12. */
struct rrip_px {
	uint8_t	sig[2], len, version;
	uint8_t	mode[8];		/* 733: st_mode */
	uint8_t	nlink[8];		/* 733: st_nlink */
	uint8_t	uid[8];			/* 733 */
	uint8_t	gid[8];			/* 733 */
	uint8_t	ino[8];			/* 733: file serial number (1.12) */
};
#define RRIP_PX_LEN_OLD		36
#define RRIP_PX_LEN		44

/* PN: device number. */
struct rrip_pn {
	uint8_t	sig[2], len, version;
	uint8_t	high[8];		/* 733 */
	uint8_t	low[8];			/* 733 */
};
#define RRIP_PN_LEN		20

/* SL: symbolic link; components follow the flags byte. */
struct rrip_sl {
	uint8_t	sig[2], len, version;
	uint8_t	flags;			/* RRIP_SL_CONTINUE */
	uint8_t	components[];
};
#define RRIP_SL_MIN		5
#define RRIP_SL_CONTINUE	0x01	/* the link continues in the next SL */

/* One SL component record. */
struct rrip_sl_comp {
	uint8_t	flags;			/* RRIP_SLC_* */
	uint8_t	len;
	uint8_t	text[];
};
#define RRIP_SLC_CONTINUE	0x01	/* the component continues */
#define RRIP_SLC_CURRENT	0x02	/* "." */
#define RRIP_SLC_PARENT		0x04	/* ".." */
#define RRIP_SLC_ROOT		0x08	/* "/" */
#define RRIP_SLC_VOLROOT	0x10	/* the root of this volume */
#define RRIP_SLC_HOST		0x20	/* the local host name */

/* NM: alternate (POSIX) name. */
struct rrip_nm {
	uint8_t	sig[2], len, version;
	uint8_t	flags;			/* RRIP_NM_* */
	uint8_t	name[];
};
#define RRIP_NM_MIN		5
#define RRIP_NM_CONTINUE	0x01
#define RRIP_NM_CURRENT		0x02
#define RRIP_NM_PARENT		0x04

/* CL, PL: child and parent links of relocated directories. */
struct rrip_link {
	uint8_t	sig[2], len, version;
	uint8_t	location[8];		/* 733: logical block */
};
#define RRIP_LINK_LEN		12

/* TF: time stamps, in this order when their flag is set. */
struct rrip_tf {
	uint8_t	sig[2], len, version;
	uint8_t	flags;			/* RRIP_TF_* */
	uint8_t	stamps[];
};
#define RRIP_TF_MIN		5
#define RRIP_TF_CREATION	0x01
#define RRIP_TF_MODIFY		0x02
#define RRIP_TF_ACCESS		0x04
#define RRIP_TF_ATTRIBUTES	0x08
#define RRIP_TF_BACKUP		0x10
#define RRIP_TF_EXPIRATION	0x20
#define RRIP_TF_EFFECTIVE	0x40
#define RRIP_TF_LONG_FORM	0x80	/* 17-byte stamps (8.4.26.1) */
#define ISO_DATE_SHORT		7	/* 9.1.5 */
#define ISO_DATE_LONG		17	/* 8.4.26.1 */

/* ZF (and Z2): zisofs compressed file. */
struct rrip_zf {
	uint8_t	sig[2], len, version;	/* "ZF"/"Z2", 16, 1 or 2 */
	uint8_t	algorithm[2];		/* "pz" (v1), "PZ" (v2: zlib) */
	uint8_t	header_size_div4;	/* 711 */
	uint8_t	log2_block_size;	/* 711 */
	uint8_t	size[8];		/* v1: 733; v2: 64-bit little-endian */
};
#define RRIP_ZF_LEN		16

/* ---- zisofs file layout ---- */

#define ZISOFS1_MAGIC	"\x37\xe4\x53\x96\xc9\xdb\xd6\x07"
#define ZISOFS2_MAGIC	"\xef\x22\x55\xa1\xbc\x1b\x95\xa0"
#define ZISOFS_MAGIC_LEN	8

/* Version 1 header: 16 bytes, then 4-byte little-endian pointers. */
struct zisofs1_header {
	uint8_t	magic[8];
	uint8_t	size[4];		/* 731: uncompressed bytes */
	uint8_t	header_size_div4;	/* 4 */
	uint8_t	log2_block_size;	/* 15, 16, 17 */
	uint8_t	reserved[2];
};

/* Version 2 header: 24 bytes, then 8-byte little-endian pointers. */
struct zisofs2_header {
	uint8_t	magic[8];
	uint8_t	version;		/* 0 */
	uint8_t	header_size_div4;	/* 6 */
	uint8_t	alg_id;			/* 1: zlib */
	uint8_t	log2_block_size;	/* 15 .. 20 */
	uint8_t	size[8];		/* uncompressed bytes, little-endian */
	uint8_t	padding[4];
};
CTASSERT(sizeof(struct zisofs1_header) == 16);
CTASSERT(sizeof(struct zisofs2_header) == 24);
#define ZISOFS2_ALG_ZLIB	1

/* ---- accessors ---- */

static inline uint16_t
iso_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
iso_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint64_t
iso_le64(const uint8_t *p)
{
	return (uint64_t)iso_le32(p) | (uint64_t)iso_le32(p + 4) << 32;
}

static inline uint32_t
iso_be32(const uint8_t *p)
{
	return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[0] << 24;
}

/* 723 and 733: both-endian; the little-endian half is first. */
#define iso_both16(p)	iso_le16(p)
#define iso_both32(p)	iso_le32(p)

#endif /* CD9660_FS_H */
