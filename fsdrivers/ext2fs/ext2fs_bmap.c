/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_bmap.c -- mapping a file's logical blocks to filesystem blocks:
 * the classic block map (12 direct pointers, then single, double and
 * triple indirect blocks) and ext4 extent trees (a header in i_block,
 * index nodes down to leaves of extents; at most 5 levels).  Every node
 * is validated before it is used: magic, depth (each child exactly one
 * level below its parent), entry counts against the node's capacity,
 * sorted non-overlapping entries, block numbers inside the filesystem,
 * and the extent block checksum under metadata_csum.
 *
 * A lookup answers with the physical block (0 for a hole or an unwritten
 * extent, which read as zeros) and the length of the run that continues
 * the same way, so readers and VOP_BMAP can move whole extents at once.
 *
 * Also here: ext2fs_read_buf / ext2fs_read_all, reading file contents
 * into kernel memory for symlinks and xattr-value inodes.
 *
 * Nothing decoded is cached between calls: every lookup re-reads the
 * root from n_raw and the tree blocks through the buffer cache, so the
 * write path (ext2fs_extent_write.c, ext2fs_ind_write.c) may change
 * the map at any time under the vnode lock.  An extent block that
 * passed the checks at depth D is marked in its buffer (b_private =
 * &ext2fs_ext_ok[D]) and not checked again (nor its crc32c recomputed)
 * while the buffer stays cached: buffers start with b_private NULL, so
 * a block read from the device is always checked; the write path keeps
 * the nodes it changes valid and their checksums set; freed blocks
 * lose their buffers (ext2fs_trans_forget).  Exports
 * ext2fs_ext_check_node to that write path.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#define EXT2_EXT_LBLK_LIMIT	((uint64_t)1 << 32)
/* b_private marks of checked extent blocks, by depth: see above. */
static const int ext2fs_ext_ok[EXT2_EXT_MAX_DEPTH + 1];
/*
 * The longest run reported: past the end of a map everything is a hole,
 * and a caller must be able to multiply a run by the block size.
 */
#define EXT2_MAX_RUN		((uint64_t)1 << 40)

uint64_t
ext2fs_max_lblocks(const struct ext2fs_node *np)
{
	uint64_t nptr, max;

	if (np->n_flags & EXT2_EXTENTS_FL)
		return EXT2_EXT_LBLK_LIMIT;
	nptr = np->n_ump->um_bsize / 4;
	max = EXT2_NDADDR + nptr + nptr * nptr + nptr * nptr * nptr;
	return MIN(max, EXT2_EXT_LBLK_LIMIT);
}

/* ---- extent trees ---- */

/*
 * Validate the node NODE (LEN bytes: 60 for the root in i_block, a block
 * otherwise) that should be at depth DEPTH.  A root passes DEPTH < 0.
 * Also used by the write path (ext2fs_extent_write.c).
 */
int
ext2fs_ext_check_node(struct ext2fs_node *np, const uint8_t *node, size_t len,
    int depth, uint64_t blkno)
{
	struct ext2fs_mount *ump = np->n_ump;
	const struct ext2_extent_header *eh = (const void *)node;
	unsigned long long ino = (unsigned long long)np->n_ino;
	uint32_t entries, max, cap, i, lblk, elen;
	uint64_t prev_end = 0;
	const struct ext2_extent *ex;
	const struct ext2_extent_idx *ix;
	uint64_t pblk;
	bool root = depth < 0;

	if (e2_le16(eh->eh_magic) != EXT2_EXT_MAGIC)
		return ext2fs_corrupt(ump,
		    "inode %llu: bad extent header magic 0x%04x (block %llu)",
		    ino, e2_le16(eh->eh_magic), (unsigned long long)blkno);
	entries = e2_le16(eh->eh_entries);
	max = e2_le16(eh->eh_max);
	cap = (uint32_t)((len - sizeof(*eh)) / sizeof(struct ext2_extent));
	if (root)
		depth = e2_le16(eh->eh_depth);
	if (e2_le16(eh->eh_depth) != depth || depth > EXT2_EXT_MAX_DEPTH)
		return ext2fs_corrupt(ump,
		    "inode %llu: bad extent depth %u (block %llu)", ino,
		    e2_le16(eh->eh_depth), (unsigned long long)blkno);
	if (max == 0 || max > cap || entries > max ||
	    (entries == 0 && depth > 0))
		return ext2fs_corrupt(ump,
		    "inode %llu: bad extent entries %u/%u (block %llu)", ino,
		    entries, max, (unsigned long long)blkno);
	if (!root && ump->um_metadata_csum &&
	    !ext2fs_extent_csum_ok(np, node, max))
		return ext2fs_corrupt(ump,
		    "inode %llu: extent block %llu checksum mismatch", ino,
		    (unsigned long long)blkno);

	for (i = 0; i < entries; i++) {
		if (depth == 0) {
			ex = (const struct ext2_extent *)(node +
			    sizeof(*eh)) + i;
			lblk = e2_le32(ex->ee_block);
			elen = e2_le16(ex->ee_len);
			if (elen > EXT2_EXT_INIT_MAX_LEN)
				elen -= EXT2_EXT_INIT_MAX_LEN;
			pblk = e2_le32(ex->ee_start_lo) |
			    (uint64_t)e2_le16(ex->ee_start_hi) << 32;
			if (elen == 0 || (uint64_t)lblk + elen >
			    EXT2_EXT_LBLK_LIMIT || (i > 0 && lblk < prev_end) ||
			    !ext2fs_blk_valid(ump, pblk, elen))
				return ext2fs_corrupt(ump,
				    "inode %llu: bad extent %u (lblk %u len %u "
				    "pblk %llu, block %llu)", ino, i, lblk,
				    elen, (unsigned long long)pblk,
				    (unsigned long long)blkno);
			prev_end = (uint64_t)lblk + elen;
		} else {
			ix = (const struct ext2_extent_idx *)(node +
			    sizeof(*eh)) + i;
			lblk = e2_le32(ix->ei_block);
			pblk = e2_le32(ix->ei_leaf_lo) |
			    (uint64_t)e2_le16(ix->ei_leaf_hi) << 32;
			if ((i > 0 && lblk <= prev_end) ||
			    !ext2fs_blk_valid(ump, pblk, 1))
				return ext2fs_corrupt(ump,
				    "inode %llu: bad extent index %u (lblk %u "
				    "pblk %llu, block %llu)", ino, i, lblk,
				    (unsigned long long)pblk,
				    (unsigned long long)blkno);
			prev_end = lblk;
		}
	}
	return 0;
}

static int
ext2fs_ext_bmap(struct ext2fs_node *np, uint64_t lblk, uint64_t *pblkp,
    uint64_t *runp)
{
	struct ext2fs_mount *ump = np->n_ump;
	const struct ext2_extent_header *eh;
	const struct ext2_extent_idx *ix;
	const struct ext2_extent *ex;
	const uint8_t *node;
	struct buf *bp = NULL;
	uint64_t limit = EXT2_EXT_LBLK_LIMIT, child, start, nodeblk = 0;
	uint32_t entries, i, elen, eblk;
	int depth, error;

	*pblkp = 0;
	*runp = 1;
	if (lblk >= EXT2_EXT_LBLK_LIMIT) {
		*runp = EXT2_MAX_RUN;
		return 0;
	}
	node = (const uint8_t *)EXT2_DINODE(np)->i_block;
	if ((error = ext2fs_ext_check_node(np, node, EXT2_IBLOCK_BYTES, -1,
	    0)) != 0)
		return error;
	depth = e2_le16(((const struct ext2_extent_header *)node)->eh_depth);

	for (;;) {
		eh = (const struct ext2_extent_header *)node;
		entries = e2_le16(eh->eh_entries);
		if (depth == 0)
			break;
		ix = (const struct ext2_extent_idx *)(node + sizeof(*eh));
		/* The last index starting at or before LBLK. */
		for (i = 0; i < entries && e2_le32(ix[i].ei_block) <= lblk; i++)
			continue;
		if (i == 0) {
			/* before the first index: a hole */
			*runp = e2_le32(ix[0].ei_block) - lblk;
			goto out;
		}
		if (i < entries)
			limit = MIN(limit, e2_le32(ix[i].ei_block));
		child = e2_le32(ix[i - 1].ei_leaf_lo) |
		    (uint64_t)e2_le16(ix[i - 1].ei_leaf_hi) << 32;
		if (bp != NULL)
			brelse(bp);
		bp = NULL;
		error = ext2fs_bread(ump, child, 0, "extent", np->n_ino, &bp);
		if (error)
			return error;
		nodeblk = child;
		node = bp->b_data;
		depth--;
		if (bp->b_private == &ext2fs_ext_ok[depth])
			continue;
		error = ext2fs_ext_check_node(np, node, ump->um_bsize, depth,
		    nodeblk);
		if (error)
			goto out;
		bp->b_private = (void *)(uintptr_t)&ext2fs_ext_ok[depth];
	}

	/* A leaf: the last extent starting at or before LBLK. */
	ex = (const struct ext2_extent *)(node + sizeof(*eh));
	for (i = 0; i < entries && e2_le32(ex[i].ee_block) <= lblk; i++)
		continue;
	if (i > 0) {
		eblk = e2_le32(ex[i - 1].ee_block);
		elen = e2_le16(ex[i - 1].ee_len);
		if (lblk < (uint64_t)eblk + (elen > EXT2_EXT_INIT_MAX_LEN ?
		    elen - EXT2_EXT_INIT_MAX_LEN : elen)) {
			start = e2_le32(ex[i - 1].ee_start_lo) |
			    (uint64_t)e2_le16(ex[i - 1].ee_start_hi) << 32;
			if (elen > EXT2_EXT_INIT_MAX_LEN) {
				/* unwritten: reads as zeros */
				elen -= EXT2_EXT_INIT_MAX_LEN;
				*pblkp = 0;
			} else
				*pblkp = start + (lblk - eblk);
			*runp = (uint64_t)eblk + elen - lblk;
			goto out;
		}
	}
	/* A hole up to the next extent, or to the end of this subtree. */
	if (i < entries)
		limit = MIN(limit, e2_le32(ex[i].ee_block));
	*runp = limit > lblk ? limit - lblk : 1;
	error = 0;
out:
	if (bp != NULL)
		brelse(bp);
	return error;
}

/* ---- block maps ---- */

/*
 * Walk a block map.  LEVELS indirect blocks lie between ROOT and the data
 * block; OFF is LBLK's offset inside that subtree.
 */
static int
ext2fs_ind_bmap(struct ext2fs_node *np, uint64_t root, int levels,
    uint64_t off, uint64_t *pblkp, uint64_t *runp)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint32_t shift = ump->um_bshift - 2, nptr = ump->um_bsize / 4;
	uint64_t blk = root, span, idx, next, k;
	const uint8_t *p;
	struct buf *bp;
	int error, l;

	*pblkp = 0;
	for (l = levels; l > 0; l--) {
		/* the subtree under BLK */
		span = (uint64_t)1 << (shift * (uint32_t)l);
		if (blk == 0) {
			*runp = span - (off & (span - 1));
			return 0;
		}
		if (!ext2fs_blk_valid(ump, blk, 1))
			return ext2fs_corrupt(ump,
			    "inode %llu: bad indirect block %llu",
			    (unsigned long long)np->n_ino,
			    (unsigned long long)blk);
		error = ext2fs_bread(ump, blk, 0, "indirect", np->n_ino, &bp);
		if (error)
			return error;
		p = bp->b_data;
		span >>= shift;		/* what one pointer covers */
		idx = (off >> (shift * (uint32_t)(l - 1))) & (nptr - 1);
		next = e2_ld32(p + 4 * idx);
		if (l == 1) {
			/* Count the run inside this block. */
			for (k = idx + 1; k < nptr; k++) {
				uint64_t q = e2_ld32(p + 4 * k);
				if (next == 0 ? q != 0 : q != next + (k - idx))
					break;
			}
			brelse(bp);
			*runp = k - idx;
			*pblkp = next;
			goto check;
		}
		brelse(bp);
		if (next == 0) {
			*runp = span - (off & (span - 1));
			return 0;
		}
		blk = next;
	}
	/* LEVELS == 0: a direct pointer; caller computes the run. */
	*pblkp = blk;
	*runp = 1;
check:
	if (*pblkp != 0 && !ext2fs_blk_valid(ump, *pblkp, *runp))
		return ext2fs_corrupt(ump,
		    "inode %llu: bad data block %llu (+%llu)",
		    (unsigned long long)np->n_ino,
		    (unsigned long long)*pblkp, (unsigned long long)*runp);
	return 0;
}

static int
ext2fs_blockmap_bmap(struct ext2fs_node *np, uint64_t lblk, uint64_t *pblkp,
    uint64_t *runp)
{
	const struct ext2_dinode *di = EXT2_DINODE(np);
	uint32_t shift = np->n_ump->um_bshift - 2;
	uint64_t nptr = (uint64_t)1 << shift, p, k, span;
	int level;

	if (lblk < EXT2_NDADDR) {
		p = e2_le32(di->i_block[lblk]);
		for (k = lblk + 1; k < EXT2_NDADDR; k++) {
			uint64_t q = e2_le32(di->i_block[k]);
			if (p == 0 ? q != 0 : q != p + (k - lblk))
				break;
		}
		*pblkp = p;
		*runp = k - lblk;
		if (p != 0 && !ext2fs_blk_valid(np->n_ump, p, *runp))
			return ext2fs_corrupt(np->n_ump,
			    "inode %llu: bad data block %llu",
			    (unsigned long long)np->n_ino,
			    (unsigned long long)p);
		return 0;
	}
	lblk -= EXT2_NDADDR;
	span = nptr;
	for (level = 1; level <= 3; level++) {
		if (lblk < span)
			return ext2fs_ind_bmap(np,
			    e2_le32(di->i_block[EXT2_NDADDR + level - 1]),
			    level, lblk, pblkp, runp);
		lblk -= span;
		span <<= shift;
	}
	/* Past what the map can address: nothing is there. */
	*pblkp = 0;
	*runp = EXT2_MAX_RUN;
	return 0;
}

int
ext2fs_bmap(struct ext2fs_node *np, uint64_t lblk, uint64_t *pblkp,
    uint64_t *runp)
{
	int error;

	if (np->n_flags & EXT2_INLINE_DATA_FL)
		return EINVAL;
	if (np->n_flags & EXT2_EXTENTS_FL)
		error = ext2fs_ext_bmap(np, lblk, pblkp, runp);
	else
		error = ext2fs_blockmap_bmap(np, lblk, pblkp, runp);
	if (error == 0 && *runp > EXT2_MAX_RUN)
		*runp = EXT2_MAX_RUN;
	return error;
}

/* ---- reading contents into kernel memory ---- */

int
ext2fs_read_buf(struct ext2fs_node *np, uint64_t off, void *buf, size_t len)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t lblk, pblk, run;
	uint32_t boff, n;
	uint8_t *dst = buf;
	struct buf *bp;
	int error;

	if (np->n_flags & EXT2_INLINE_DATA_FL) {
		uint8_t *ibuf;
		size_t ilen;

		if ((error = ext2fs_inline_get(np, &ibuf, &ilen)) != 0)
			return error;
		if (off > ilen || len > ilen - off) {
			kmem_free(ibuf, ilen);
			return ext2fs_corrupt(ump,
			    "inode %llu: inline data shorter than the file",
			    (unsigned long long)np->n_ino);
		}
		memcpy(buf, ibuf + off, len);
		kmem_free(ibuf, ilen);
		return 0;
	}
	while (len > 0) {
		lblk = off >> ump->um_bshift;
		boff = (uint32_t)(off & (ump->um_bsize - 1));
		n = (uint32_t)MIN((size_t)(ump->um_bsize - boff), len);
		if ((error = ext2fs_bmap(np, lblk, &pblk, &run)) != 0)
			return error;
		if (pblk == 0)
			memset(dst, 0, n);
		else {
			error = ext2fs_bread(ump, pblk, 0, "data", np->n_ino,
			    &bp);
			if (error)
				return error;
			memcpy(dst, (uint8_t *)bp->b_data + boff, n);
			brelse(bp);
		}
		dst += n;
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * => On success *BUFP is a kmem buffer of *LENP (== n_size) bytes, or
 *    NULL when the file is empty.  EFBIG if n_size exceeds MAXLEN.
 */
int
ext2fs_read_all(struct ext2fs_node *np, size_t maxlen, uint8_t **bufp,
    size_t *lenp)
{
	uint8_t *buf;
	int error;

	*bufp = NULL;
	*lenp = 0;
	if (np->n_size > maxlen)
		return EFBIG;
	if (np->n_size == 0)
		return 0;
	if ((buf = kmem_alloc((size_t)np->n_size)) == NULL)
		return ENOMEM;
	error = ext2fs_read_buf(np, 0, buf, (size_t)np->n_size);
	if (error) {
		kmem_free(buf, (size_t)np->n_size);
		return error;
	}
	*bufp = buf;
	*lenp = (size_t)np->n_size;
	return 0;
}
