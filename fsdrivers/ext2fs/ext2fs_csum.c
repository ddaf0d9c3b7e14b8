/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_csum.c -- checksums: a table-driven crc32c (Castagnoli) and crc16,
 * and the verification of every ext4 metadata checksum the driver reads:
 * superblock, group descriptors (crc16 for gdt_csum/uninit_bg, crc32c for
 * metadata_csum), inodes, extent tree blocks, directory leaf blocks (the
 * 12-byte tail), htree index blocks and external xattr blocks.  The jbd2
 * checksums are computed in ext2fs_journal.c with ext2fs_crc32c().
 *
 * Both CRCs are the "raw" forms ext4 uses: the caller passes the initial
 * value (~0 or a seed) and the result is not inverted.  The tables were
 * generated from the reflected polynomials 0x82F63B78 and 0xA001.
 *
 * The *_ok() predicates only compute; callers log the mismatch (naming
 * the structure) and return EUCLEAN.
 */
#include "kern/kern.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"

static const uint32_t crc32c_tab[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c,
	0x26a1e7e8, 0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
	0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c,
	0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
	0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc,
	0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
	0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
	0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
	0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad,
	0x1642ae59, 0xe4292d5a, 0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
	0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595, 0x417b1dbc, 0xb3109ebf,
	0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
	0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f,
	0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f,
	0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
	0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e,
	0x4767748a, 0xb50cf789, 0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
	0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46, 0x7198540d, 0x83f3d70e,
	0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
	0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
	0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
	0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4,
	0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
	0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b,
	0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
	0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6, 0x502036a5,
	0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975,
	0x0e330a81, 0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
	0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905,
	0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
	0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8,
	0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
	0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
	0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
	0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78,
	0x7fab5e8c, 0x8dc0dd8f, 0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
	0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1, 0x69e9f0d5, 0x9b8273d6,
	0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
	0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69,
	0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

static const uint16_t crc16_tab[256] = {
	0x0000, 0xc0c1, 0xc181, 0x0140, 0xc301, 0x03c0, 0x0280, 0xc241,
	0xc601, 0x06c0, 0x0780, 0xc741, 0x0500, 0xc5c1, 0xc481, 0x0440,
	0xcc01, 0x0cc0, 0x0d80, 0xcd41, 0x0f00, 0xcfc1, 0xce81, 0x0e40,
	0x0a00, 0xcac1, 0xcb81, 0x0b40, 0xc901, 0x09c0, 0x0880, 0xc841,
	0xd801, 0x18c0, 0x1980, 0xd941, 0x1b00, 0xdbc1, 0xda81, 0x1a40,
	0x1e00, 0xdec1, 0xdf81, 0x1f40, 0xdd01, 0x1dc0, 0x1c80, 0xdc41,
	0x1400, 0xd4c1, 0xd581, 0x1540, 0xd701, 0x17c0, 0x1680, 0xd641,
	0xd201, 0x12c0, 0x1380, 0xd341, 0x1100, 0xd1c1, 0xd081, 0x1040,
	0xf001, 0x30c0, 0x3180, 0xf141, 0x3300, 0xf3c1, 0xf281, 0x3240,
	0x3600, 0xf6c1, 0xf781, 0x3740, 0xf501, 0x35c0, 0x3480, 0xf441,
	0x3c00, 0xfcc1, 0xfd81, 0x3d40, 0xff01, 0x3fc0, 0x3e80, 0xfe41,
	0xfa01, 0x3ac0, 0x3b80, 0xfb41, 0x3900, 0xf9c1, 0xf881, 0x3840,
	0x2800, 0xe8c1, 0xe981, 0x2940, 0xeb01, 0x2bc0, 0x2a80, 0xea41,
	0xee01, 0x2ec0, 0x2f80, 0xef41, 0x2d00, 0xedc1, 0xec81, 0x2c40,
	0xe401, 0x24c0, 0x2580, 0xe541, 0x2700, 0xe7c1, 0xe681, 0x2640,
	0x2200, 0xe2c1, 0xe381, 0x2340, 0xe101, 0x21c0, 0x2080, 0xe041,
	0xa001, 0x60c0, 0x6180, 0xa141, 0x6300, 0xa3c1, 0xa281, 0x6240,
	0x6600, 0xa6c1, 0xa781, 0x6740, 0xa501, 0x65c0, 0x6480, 0xa441,
	0x6c00, 0xacc1, 0xad81, 0x6d40, 0xaf01, 0x6fc0, 0x6e80, 0xae41,
	0xaa01, 0x6ac0, 0x6b80, 0xab41, 0x6900, 0xa9c1, 0xa881, 0x6840,
	0x7800, 0xb8c1, 0xb981, 0x7940, 0xbb01, 0x7bc0, 0x7a80, 0xba41,
	0xbe01, 0x7ec0, 0x7f80, 0xbf41, 0x7d00, 0xbdc1, 0xbc81, 0x7c40,
	0xb401, 0x74c0, 0x7580, 0xb541, 0x7700, 0xb7c1, 0xb681, 0x7640,
	0x7200, 0xb2c1, 0xb381, 0x7340, 0xb101, 0x71c0, 0x7080, 0xb041,
	0x5000, 0x90c1, 0x9181, 0x5140, 0x9301, 0x53c0, 0x5280, 0x9241,
	0x9601, 0x56c0, 0x5780, 0x9741, 0x5500, 0x95c1, 0x9481, 0x5440,
	0x9c01, 0x5cc0, 0x5d80, 0x9d41, 0x5f00, 0x9fc1, 0x9e81, 0x5e40,
	0x5a00, 0x9ac1, 0x9b81, 0x5b40, 0x9901, 0x59c0, 0x5880, 0x9841,
	0x8801, 0x48c0, 0x4980, 0x8941, 0x4b00, 0x8bc1, 0x8a81, 0x4a40,
	0x4e00, 0x8ec1, 0x8f81, 0x4f40, 0x8d01, 0x4dc0, 0x4c80, 0x8c41,
	0x4400, 0x84c1, 0x8581, 0x4540, 0x8701, 0x47c0, 0x4680, 0x8641,
	0x8201, 0x42c0, 0x4380, 0x8341, 0x4100, 0x81c1, 0x8081, 0x4040,
};

uint32_t
ext2fs_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len-- > 0)
		crc = crc32c_tab[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

uint16_t
ext2fs_crc16(uint16_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len-- > 0)
		crc = (uint16_t)(crc16_tab[(crc ^ *p++) & 0xff] ^ (crc >> 8));
	return crc;
}

static const uint8_t zeros[8];

bool
ext2fs_sb_csum_ok(const struct ext2_super *sb)
{
	uint32_t crc;

	crc = ext2fs_crc32c(~0U, sb, offsetof(struct ext2_super, s_checksum));
	return crc == e2_le32(sb->s_checksum);
}

bool
ext2fs_gd_csum_ok(const struct ext2fs_mount *ump, uint32_t group,
    const uint8_t *gd)
{
	const size_t off = offsetof(struct ext2_gd, bg_checksum);
	e2le32_t le_group = e2_mkle32(group);
	uint16_t want, crc16;
	uint32_t crc;

	want = e2_le16(((const struct ext2_gd *)gd)->bg_checksum);
	if (ump->um_metadata_csum) {
		crc = ext2fs_crc32c(ump->um_csum_seed, &le_group, 4);
		crc = ext2fs_crc32c(crc, gd, off);
		crc = ext2fs_crc32c(crc, zeros, 2);
		if (ump->um_desc_size > off + 2)
			crc = ext2fs_crc32c(crc, gd + off + 2,
			    ump->um_desc_size - off - 2);
		return (crc & 0xffff) == want;
	}
	crc16 = ext2fs_crc16(0xffff, ump->um_sb.s_uuid, 16);
	crc16 = ext2fs_crc16(crc16, &le_group, 4);
	crc16 = ext2fs_crc16(crc16, gd, off);
	if (EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_64BIT) &&
	    ump->um_desc_size > off + 2)
		crc16 = ext2fs_crc16(crc16, gd + off + 2,
		    ump->um_desc_size - off - 2);
	return crc16 == want;
}

uint32_t
ext2fs_inode_csum_seed(const struct ext2fs_mount *ump, ino64_t ino,
    uint32_t gen)
{
	e2le32_t le_ino = e2_mkle32((uint32_t)ino), le_gen = e2_mkle32(gen);
	uint32_t crc;

	crc = ext2fs_crc32c(ump->um_csum_seed, &le_ino, 4);
	return ext2fs_crc32c(crc, &le_gen, 4);
}

/*
 * The inode checksum covers the whole on-disk inode with both checksum
 * halves taken as zero; 128-byte inodes (or ones whose extra space does
 * not reach i_checksum_hi) keep only the low 16 bits.
 */
bool
ext2fs_inode_csum_ok(const struct ext2fs_mount *ump, ino64_t ino,
    const uint8_t *raw)
{
	const struct ext2_dinode *di = (const struct ext2_dinode *)raw;
	const size_t lo = offsetof(struct ext2_dinode, i_checksum_lo);
	const size_t hi = offsetof(struct ext2_dinode, i_checksum_hi);
	uint32_t crc, want, extra = 0;
	bool has_hi = false;

	if (ump->um_isize > EXT2_GOOD_OLD_INODE_SIZE) {
		extra = e2_le16(di->i_extra_isize);
		has_hi = EXT2_FITS_IN_INODE(extra, i_checksum_hi);
	}
	crc = ext2fs_inode_csum_seed(ump, ino, e2_le32(di->i_generation));
	crc = ext2fs_crc32c(crc, raw, lo);
	crc = ext2fs_crc32c(crc, zeros, 2);
	crc = ext2fs_crc32c(crc, raw + lo + 2,
	    EXT2_GOOD_OLD_INODE_SIZE - lo - 2);
	if (ump->um_isize > EXT2_GOOD_OLD_INODE_SIZE) {
		crc = ext2fs_crc32c(crc, raw + EXT2_GOOD_OLD_INODE_SIZE,
		    hi - EXT2_GOOD_OLD_INODE_SIZE);
		if (has_hi) {
			crc = ext2fs_crc32c(crc, zeros, 2);
			crc = ext2fs_crc32c(crc, raw + hi + 2,
			    ump->um_isize - hi - 2);
		} else
			crc = ext2fs_crc32c(crc, raw + hi, ump->um_isize - hi);
	}
	want = e2_le16(di->i_checksum_lo);
	if (has_hi)
		want |= (uint32_t)e2_le16(di->i_checksum_hi) << 16;
	else
		crc &= 0xffff;
	return crc == want;
}

bool
ext2fs_extent_csum_ok(const struct ext2fs_node *np, const uint8_t *blk,
    uint32_t eh_max)
{
	size_t off = sizeof(struct ext2_extent_header) +
	    (size_t)eh_max * sizeof(struct ext2_extent);

	if (off + 4 > np->n_ump->um_bsize)
		return false;
	return ext2fs_crc32c(np->n_csum_seed, blk, off) == e2_ld32(blk + off);
}

bool
ext2fs_dirent_csum_ok(const struct ext2fs_node *np, const uint8_t *blk)
{
	uint32_t bsize = np->n_ump->um_bsize;
	const struct ext2_dirent_tail *t;

	t = (const struct ext2_dirent_tail *)(blk + bsize - sizeof(*t));
	if (e2_le32(t->det_reserved_zero1) != 0 ||
	    e2_le16(t->det_rec_len) != sizeof(*t) ||
	    t->det_reserved_zero2 != 0 ||
	    t->det_reserved_ft != EXT2_FT_DIR_CSUM)
		return false;
	return ext2fs_crc32c(np->n_csum_seed, blk, bsize - sizeof(*t)) ==
	    e2_le32(t->det_checksum);
}

bool
ext2fs_dx_csum_ok(const struct ext2fs_node *np, const uint8_t *blk,
    uint32_t count_offset)
{
	uint32_t bsize = np->n_ump->um_bsize;
	const struct ext2_dx_countlimit *cl;
	const struct ext2_dx_tail *t;
	uint32_t limit, count, crc;
	size_t tailoff;

	if (count_offset + sizeof(*cl) > bsize)
		return false;
	cl = (const struct ext2_dx_countlimit *)(blk + count_offset);
	limit = e2_le16(cl->limit);
	count = e2_le16(cl->count);
	tailoff = count_offset + (size_t)limit * sizeof(struct ext2_dx_entry);
	if (count > limit || tailoff + sizeof(*t) > bsize)
		return false;
	t = (const struct ext2_dx_tail *)(blk + tailoff);
	crc = ext2fs_crc32c(np->n_csum_seed, blk,
	    count_offset + (size_t)count * sizeof(struct ext2_dx_entry));
	crc = ext2fs_crc32c(crc, &t->dt_reserved, 4);
	crc = ext2fs_crc32c(crc, zeros, 4);
	return crc == e2_le32(t->dt_checksum);
}

bool
ext2fs_xattr_csum_ok(const struct ext2fs_mount *ump, uint64_t blkno,
    const uint8_t *blk)
{
	const size_t off = offsetof(struct ext2_xattr_header, h_checksum);
	e2le64_t le_blk = e2_mkle64(blkno);
	uint32_t crc;

	crc = ext2fs_crc32c(ump->um_csum_seed, &le_blk, 8);
	crc = ext2fs_crc32c(crc, blk, off);
	crc = ext2fs_crc32c(crc, zeros, 4);
	crc = ext2fs_crc32c(crc, blk + off + 4, ump->um_bsize - off - 4);
	return crc == e2_ld32(blk + off);
}
