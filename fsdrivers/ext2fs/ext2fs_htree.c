/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_htree.c -- lookup in hashed (dir_index) directories.
 *
 * An htree directory keeps an index in block 0 (behind "." and "..") and,
 * for larger directories, in one or two levels of interior blocks: sorted
 * (hash, logical block) pairs.  A lookup hashes the name with the
 * directory's hash function (legacy, half-MD4 or TEA, each with signed or
 * unsigned chars as the superblock says, seeded from s_hash_seed), walks
 * down to the one leaf block that can hold the name and searches it like
 * any directory block.  Names whose hashes collide may continue into the
 * next leaf (its starting hash has bit 0 set), which is followed.
 *
 * The leaves are ordinary directory blocks, validated by
 * ext2fs_dir_getblk.  An index this code does not understand (unknown
 * hash, odd sizes) makes it answer EAGAIN so that the caller searches
 * linearly, as Linux does; checksum errors are EUCLEAN.
 *
 * Exports ext2fs_htree_lookup and ext2fs_dirhash, and to the write path
 * ext2fs_htree_lookup_blk (ext2fs_write.h).  Index changes live in
 * ext2fs_htree_write.c.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#define EXT2_HTREE_EOF_32BIT	0x7fffffffU
#define EXT2_HTREE_MAXLEVELS	3

/* ---- hash functions ---- */

static uint32_t
rol32(uint32_t x, unsigned s)
{
	return (x << s) | (x >> (32 - s));
}

static uint32_t
dx_legacy_hash(const char *name, size_t len, bool unsignedchar)
{
	uint32_t h, h0 = 0x12a3fe2d, h1 = 0x37abe8f9;
	int c;

	while (len-- > 0) {
		c = unsignedchar ? (int)(unsigned char)*name :
		    (int)(signed char)*name;
		name++;
		h = h1 + (h0 ^ (uint32_t)(c * 7152373));
		if (h & 0x80000000U)
			h -= 0x7fffffff;
		h1 = h0;
		h0 = h;
	}
	return h0 << 1;
}

/*
 * Pack up to 4 * NUM bytes of NAME into NUM words, padded with a pattern
 * made from the total length.
 */
static void
dx_str2hashbuf(const char *name, size_t len, uint32_t *buf, int num,
    bool unsignedchar)
{
	uint32_t pad, val;
	size_t i;
	int c;

	pad = (uint32_t)len | ((uint32_t)len << 8);
	pad |= pad << 16;
	val = pad;
	if (len > (size_t)num * 4)
		len = (size_t)num * 4;
	for (i = 0; i < len; i++) {
		c = unsignedchar ? (int)(unsigned char)name[i] :
		    (int)(signed char)name[i];
		val = (uint32_t)c + (val << 8);
		if ((i % 4) == 3) {
			*buf++ = val;
			val = pad;
			num--;
		}
	}
	if (--num >= 0)
		*buf++ = val;
	while (--num >= 0)
		*buf++ = pad;
}

#define HMD4_F(x, y, z)	((z) ^ ((x) & ((y) ^ (z))))
#define HMD4_G(x, y, z)	(((x) & (y)) + (((x) ^ (y)) & (z)))
#define HMD4_H(x, y, z)	((x) ^ (y) ^ (z))
#define HMD4_ROUND(f, a, b, c, d, x, s) \
	((a) += f((b), (c), (d)) + (x), (a) = rol32((a), (s)))
#define HMD4_K2	0x5A827999U
#define HMD4_K3	0x6ED9EBA1U

static void
dx_half_md4(uint32_t buf[4], const uint32_t in[8])
{
	uint32_t a = buf[0], b = buf[1], c = buf[2], d = buf[3];

	HMD4_ROUND(HMD4_F, a, b, c, d, in[0], 3);
	HMD4_ROUND(HMD4_F, d, a, b, c, in[1], 7);
	HMD4_ROUND(HMD4_F, c, d, a, b, in[2], 11);
	HMD4_ROUND(HMD4_F, b, c, d, a, in[3], 19);
	HMD4_ROUND(HMD4_F, a, b, c, d, in[4], 3);
	HMD4_ROUND(HMD4_F, d, a, b, c, in[5], 7);
	HMD4_ROUND(HMD4_F, c, d, a, b, in[6], 11);
	HMD4_ROUND(HMD4_F, b, c, d, a, in[7], 19);

	HMD4_ROUND(HMD4_G, a, b, c, d, in[1] + HMD4_K2, 3);
	HMD4_ROUND(HMD4_G, d, a, b, c, in[3] + HMD4_K2, 5);
	HMD4_ROUND(HMD4_G, c, d, a, b, in[5] + HMD4_K2, 9);
	HMD4_ROUND(HMD4_G, b, c, d, a, in[7] + HMD4_K2, 13);
	HMD4_ROUND(HMD4_G, a, b, c, d, in[0] + HMD4_K2, 3);
	HMD4_ROUND(HMD4_G, d, a, b, c, in[2] + HMD4_K2, 5);
	HMD4_ROUND(HMD4_G, c, d, a, b, in[4] + HMD4_K2, 9);
	HMD4_ROUND(HMD4_G, b, c, d, a, in[6] + HMD4_K2, 13);

	HMD4_ROUND(HMD4_H, a, b, c, d, in[3] + HMD4_K3, 3);
	HMD4_ROUND(HMD4_H, d, a, b, c, in[7] + HMD4_K3, 9);
	HMD4_ROUND(HMD4_H, c, d, a, b, in[2] + HMD4_K3, 11);
	HMD4_ROUND(HMD4_H, b, c, d, a, in[6] + HMD4_K3, 15);
	HMD4_ROUND(HMD4_H, a, b, c, d, in[1] + HMD4_K3, 3);
	HMD4_ROUND(HMD4_H, d, a, b, c, in[5] + HMD4_K3, 9);
	HMD4_ROUND(HMD4_H, c, d, a, b, in[0] + HMD4_K3, 11);
	HMD4_ROUND(HMD4_H, b, c, d, a, in[4] + HMD4_K3, 15);

	buf[0] += a;
	buf[1] += b;
	buf[2] += c;
	buf[3] += d;
}

static void
dx_tea(uint32_t buf[4], const uint32_t in[4])
{
	uint32_t sum = 0, b0 = buf[0], b1 = buf[1];
	uint32_t a = in[0], b = in[1], c = in[2], d = in[3];
	int n;

	for (n = 0; n < 16; n++) {
		sum += 0x9E3779B9U;
		b0 += ((b1 << 4) + a) ^ (b1 + sum) ^ ((b1 >> 5) + b);
		b1 += ((b0 << 4) + c) ^ (b0 + sum) ^ ((b0 >> 5) + d);
	}
	buf[0] += b0;
	buf[1] += b1;
}

/*
 * => VERSION is EXT2_HTREE_* (signed/unsigned already resolved).
 * => EINVAL for a hash this driver does not implement (siphash).
 */
int
ext2fs_dirhash(int version, const uint32_t seed[4], const char *name,
    size_t len, uint32_t *hashp, uint32_t *minorp)
{
	uint32_t buf[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
	uint32_t in[8], hash = 0, minor = 0;
	bool uc = false;
	size_t done;

	if (seed != NULL &&
	    (seed[0] | seed[1] | seed[2] | seed[3]) != 0)
		memcpy(buf, seed, sizeof(buf));
	switch (version) {
	case EXT2_HTREE_LEGACY_UNSIGNED:
		uc = true;
		/* FALLTHROUGH */
	case EXT2_HTREE_LEGACY:
		hash = dx_legacy_hash(name, len, uc);
		break;
	case EXT2_HTREE_HALF_MD4_UNSIGNED:
		uc = true;
		/* FALLTHROUGH */
	case EXT2_HTREE_HALF_MD4:
		for (done = 0; done < len || done == 0; done += 32) {
			dx_str2hashbuf(name + done, len - done, in, 8, uc);
			dx_half_md4(buf, in);
			if (len - done <= 32)
				break;
		}
		hash = buf[1];
		minor = buf[2];
		break;
	case EXT2_HTREE_TEA_UNSIGNED:
		uc = true;
		/* FALLTHROUGH */
	case EXT2_HTREE_TEA:
		for (done = 0; done < len || done == 0; done += 16) {
			dx_str2hashbuf(name + done, len - done, in, 4, uc);
			dx_tea(buf, in);
			if (len - done <= 16)
				break;
		}
		hash = buf[0];
		minor = buf[1];
		break;
	default:
		return EINVAL;
	}
	hash &= ~1U;
	if (hash == (EXT2_HTREE_EOF_32BIT << 1))
		hash = (EXT2_HTREE_EOF_32BIT - 1) << 1;
	*hashp = hash;
	if (minorp != NULL)
		*minorp = minor;
	return 0;
}

/* ---- index walk ---- */

struct dx_frame {
	struct buf	*bp;
	const struct ext2_dx_entry *entries;	/* [0] is the countlimit */
	uint32_t	count;
	uint32_t	at;
};

static void
dx_release(struct dx_frame *fr, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fr[i].bp != NULL)
			brelse(fr[i].bp);
}

/* The directory-block number in a dx entry (top bits are reserved). */
static uint32_t
dx_block(const struct ext2_dx_entry *e)
{
	return e2_le32(e->block) & 0x0fffffff;
}

/*
 * Read index block LBLK (root when ROOT) and set up FR.  EAGAIN for an
 * index that does not look right.
 */
static int
dx_load(struct ext2fs_node *np, uint64_t lblk, bool root,
    uint32_t count_offset, struct dx_frame *fr)
{
	struct ext2fs_mount *ump = np->n_ump;
	const struct ext2_dx_countlimit *cl;
	uint32_t limit, want;
	bool dx;
	int error;

	fr->bp = NULL;
	if ((error = ext2fs_dir_getblk(np, lblk, &fr->bp, &dx, NULL)) != 0)
		return error;
	if (fr->bp == NULL || !dx)
		goto bad;
	cl = (const struct ext2_dx_countlimit *)((uint8_t *)fr->bp->b_data +
	    count_offset);
	limit = e2_le16(cl->limit);
	fr->count = e2_le16(cl->count);
	want = (ump->um_bsize - count_offset -
	    (ump->um_metadata_csum ? sizeof(struct ext2_dx_tail) : 0)) /
	    sizeof(struct ext2_dx_entry);
	if (limit != want || fr->count == 0 || fr->count > limit)
		goto bad;
	fr->entries = (const struct ext2_dx_entry *)cl;
	(void)root;
	return 0;
bad:
	klog(KLOG_WARN, "ext2fs: %s: directory inode %llu: htree block %llu "
	    "unusable, searching linearly", ump->um_mp->mnt_source,
	    (unsigned long long)np->n_ino, (unsigned long long)lblk);
	if (fr->bp != NULL)
		brelse(fr->bp);
	fr->bp = NULL;
	return EAGAIN;
}

/*
 * Is block LBLK of NP one of the N index blocks FR holds busy (an index
 * loop, or two blocks mapped to one)?  Reading it would wait forever.
 */
static bool
dx_held(struct ext2fs_node *np, const struct dx_frame *fr, int n,
    uint64_t lblk)
{
	uint64_t pblk, run;
	int i;

	if (ext2fs_bmap(np, lblk, &pblk, &run) != 0 || pblk == 0)
		return false;	/* the read reports it */
	for (i = 0; i < n; i++)
		if (fr[i].bp != NULL &&
		    fr[i].bp->b_blkno == EXT2_FSBTODB(np->n_ump, pblk))
			return true;
	return false;
}

/* Index of the last entry whose hash is <= HASH (entry 0 has none). */
static uint32_t
dx_search(const struct dx_frame *fr, uint32_t hash)
{
	uint32_t lo = 1, hi = fr->count;	/* answer in [0, count) */

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (e2_le32(fr->entries[mid].hash) <= hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

int
ext2fs_htree_lookup(struct ext2fs_node *np, const char *name, size_t len,
    uint32_t *inop)
{
	return ext2fs_htree_lookup_blk(np, name, len, inop, NULL);
}

/*
 * ext2fs_htree_lookup, also giving the leaf block that holds NAME in
 * *LBLKP (if not NULL).
 */
int
ext2fs_htree_lookup_blk(struct ext2fs_node *np, const char *name, size_t len,
    uint32_t *inop, uint64_t *lblkp)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct dx_frame fr[EXT2_HTREE_MAXLEVELS];
	const struct ext2_dx_root_info *info;
	uint64_t nblks = np->n_size >> ump->um_bshift;
	uint32_t hash, leaf, levels, maxlevels, nextdepth;
	int version, error, nfr = 0, i;
	struct buf *bp;
	bool dx, found;

	memset(fr, 0, sizeof(fr));
	if ((error = dx_load(np, 0, true, 2 * EXT2_DIR_REC_LEN(2) +
	    sizeof(*info), &fr[0])) != 0)
		return error;
	nfr = 1;
	info = (const struct ext2_dx_root_info *)((uint8_t *)fr[0].bp->b_data +
	    2 * EXT2_DIR_REC_LEN(2));
	maxlevels = EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_LARGEDIR) ? 3 : 2;
	levels = info->indirect_levels;
	version = info->hash_version;
	if (version <= EXT2_HTREE_TEA && ump->um_hash_unsigned)
		version += 3;
	if (e2_le32(info->reserved_zero) != 0 || info->info_length != 8 ||
	    levels >= maxlevels ||
	    ext2fs_dirhash(version, ump->um_hash_seed, name, len, &hash,
	    NULL) != 0) {
		error = EAGAIN;
		goto out;
	}

	/* Down the tree. */
	for (;;) {
		fr[nfr - 1].at = dx_search(&fr[nfr - 1], hash);
		if ((uint32_t)nfr > levels)
			break;
		leaf = dx_block(&fr[nfr - 1].entries[fr[nfr - 1].at]);
		if (leaf == 0 || leaf >= nblks || dx_held(np, fr, nfr, leaf)) {
			error = EAGAIN;
			goto out;
		}
		if ((error = dx_load(np, leaf, false,
		    sizeof(struct ext2_dirent), &fr[nfr])) != 0)
			goto out;
		nfr++;
	}

	for (;;) {
		leaf = dx_block(&fr[nfr - 1].entries[fr[nfr - 1].at]);
		if (leaf == 0 || leaf >= nblks || dx_held(np, fr, nfr, leaf)) {
			error = EAGAIN;
			goto out;
		}
		if ((error = ext2fs_dir_getblk(np, leaf, &bp, &dx, NULL)) != 0)
			goto out;
		/* without checksums an emptied leaf looks like a node */
		if (bp == NULL || (dx && ump->um_metadata_csum)) {
			if (bp != NULL)
				brelse(bp);
			error = EAGAIN;
			goto out;
		}
		found = ext2fs_dir_search_block(np, bp->b_data,
		    ump->um_bsize - (ump->um_metadata_csum ?
		    sizeof(struct ext2_dirent_tail) : 0), name, len, inop);
		brelse(bp);
		if (found) {
			if (lblkp != NULL)
				*lblkp = leaf;
			error = 0;
			goto out;
		}
		/* A collision may continue in the next leaf. */
		for (i = nfr - 1; i >= 0; i--)
			if (fr[i].at + 1 < fr[i].count)
				break;
		if (i < 0)
			break;
		fr[i].at++;
		if ((e2_le32(fr[i].entries[fr[i].at].hash) & ~1U) != hash)
			break;
		for (nextdepth = (uint32_t)i + 1; nextdepth < (uint32_t)nfr;
		    nextdepth++) {
			leaf = dx_block(&fr[nextdepth - 1].entries[
			    fr[nextdepth - 1].at]);
			brelse(fr[nextdepth].bp);
			fr[nextdepth].bp = NULL;
			if (leaf == 0 || leaf >= nblks ||
			    dx_held(np, fr, nextdepth, leaf)) {
				error = EAGAIN;
				goto out;
			}
			if ((error = dx_load(np, leaf, false,
			    sizeof(struct ext2_dirent), &fr[nextdepth])) != 0)
				goto out;
			fr[nextdepth].at = 0;
		}
	}
	error = ENOENT;
out:
	dx_release(fr, EXT2_HTREE_MAXLEVELS);
	return error;
}
