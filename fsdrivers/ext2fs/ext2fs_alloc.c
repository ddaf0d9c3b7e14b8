/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_alloc.c -- block and inode allocation of the ext2/3/4 write path.
 *
 * Blocks: ext2fs_blkalloc() hands out a contiguous run as close after a
 * goal as it can (the goal's group from the goal on, then that group
 * from its start, then the following groups, wrapping), skipping every
 * block the running transaction freed (ext2fs_trans_may_reuse), keeping
 * the reserved blocks for the callers allowed to use them.
 * ext2fs_blkfree() checks that every bit it clears was set and that the
 * range holds no group metadata, then defers the blocks' reuse.
 *
 * Inodes: ext2fs_ialloc() puts files in their parent's group (or the
 * next one with a free inode) and spreads directories over the groups
 * with more than the average free inodes and blocks, round-robin from
 * the um_last_group rotor (a simple form of the Orlov allocator); in a
 * group it takes the lowest free inode, so the used part of an
 * uninit_bg inode table grows one inode at a time (bg_itable_unused).
 *
 * Lazily initialised groups (uninit_bg / metadata_csum): a BLOCK_UNINIT
 * group's bitmap is built from the layout on first use -- superblock
 * and descriptor (and reserved descriptor) blocks of a backup group,
 * every bitmap and inode table that lies in the group (flex_bg puts
 * other groups' there), and the padding past the group's last block --
 * and an INODE_UNINIT group's inode bitmap starts zeroed with the
 * padding past s_inodes_per_group set, as the kernel does.
 *
 * Locking: a bitmap block is taken busy first (that serialises the
 * changes of one group), then um_lock for the descriptor, the superblock
 * counts and ext2fs_trans_may_reuse; no buffer is waited for with um_lock
 * held.  The descriptor and superblock are then put in the running
 * transaction with ext2fs_gd_dirty / ext2fs_sb_dirty (um_lock released).
 *
 * Exports: the "ext2fs_alloc.c" section of ext2fs_write.h.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

/* ---- small helpers ---- */

static inline bool
bit_isset(const uint8_t *map, uint32_t i)
{
	return (map[i >> 3] & (1U << (i & 7))) != 0;
}

/*
 * The first clear bit of MAP from FROM on, below TO; TO if none.  Full
 * 64-bit words are skipped whole (a bitmap block is 8-byte aligned).
 */
static uint32_t
first_clear(const uint8_t *map, uint32_t from, uint32_t to)
{
	uint64_t w;

	while (from < to) {
		if ((from & 63) == 0 && from + 64 <= to) {
			memcpy(&w, map + (from >> 3), sizeof(w));
			if (w == UINT64_MAX) {
				from += 64;
				continue;
			}
		}
		if (!bit_isset(map, from))
			return from;
		from++;
	}
	return to;
}

static inline void
bit_set(uint8_t *map, uint32_t i)
{
	map[i >> 3] |= (uint8_t)(1U << (i & 7));
}

static inline void
bit_clr(uint8_t *map, uint32_t i)
{
	map[i >> 3] &= (uint8_t)~(1U << (i & 7));
}

/* Set bits [FROM, TO) of MAP. */
static void
bit_set_range(uint8_t *map, uint32_t from, uint32_t to)
{
	for (; from < to && (from & 7) != 0; from++)
		bit_set(map, from);
	for (; from + 8 <= to; from += 8)
		map[from >> 3] = 0xff;
	for (; from < to; from++)
		bit_set(map, from);
}

static void
sb_add_free_inodes(struct ext2fs_mount *ump, int32_t delta)
{
	uint32_t n = e2_le32(ump->um_sb.s_free_inodes_count);

	ump->um_sb.s_free_inodes_count = e2_mkle32(n + (uint32_t)delta);
}

static uint16_t
gd_flags(const struct ext2_gd *gd)
{
	return e2_le16(gd->bg_flags);
}

static void
gd_set_flags(struct ext2_gd *gd, uint16_t f)
{
	gd->bg_flags.b[0] = (uint8_t)f;
	gd->bg_flags.b[1] = (uint8_t)(f >> 8);
}

/* Blocks in group G (the last one may be short). */
static uint32_t
group_nblocks(const struct ext2fs_mount *ump, uint32_t g)
{
	uint64_t first = ext2fs_group_first_block(ump, g);

	if (ump->um_nblocks - first < ump->um_bpg)
		return (uint32_t)(ump->um_nblocks - first);
	return ump->um_bpg;
}

/*
 * Blocks at the start of group G taken by a superblock backup and
 * descriptor blocks: the classic layout keeps every descriptor block and
 * the reserved ones after each backup superblock, meta_bg one
 * descriptor block in the first, second and last group of a meta group.
 */
static uint32_t
group_sb_gdt_blocks(const struct ext2fs_mount *ump, uint32_t g)
{
	bool has_super = ext2fs_bg_has_super(ump, g);
	bool meta_bg = EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_META_BG);
	uint32_t dpb = ump->um_descs_per_block;
	uint32_t first_meta = e2_le32(ump->um_sb.s_first_meta_bg);
	uint32_t n = has_super ? 1 : 0, old_desc, r;

	if (!meta_bg || g / dpb < first_meta) {
		if (!has_super)
			return 0;
		if (meta_bg)
			old_desc = first_meta;
		else
			old_desc = howmany(ump->um_ngroups, dpb) +
			    e2_le16(ump->um_sb.s_reserved_gdt_blocks);
		return n + old_desc;
	}
	r = g % dpb;
	if (r == 0 || r == 1 || r == dpb - 1)
		n++;
	return n;
}

/*
 * Groups whose bitmaps and inode table may lie in group G.  With flex_bg
 * mke2fs packs a flex group's metadata in its first group but may spill
 * into the following ones, or anywhere when short of room: ALL asks for
 * every group (building an uninitialised bitmap), else the flex group of
 * G and the one before it (the sanity check of a free).
 */
static void
group_meta_owners(const struct ext2fs_mount *ump, uint32_t g, bool all,
    uint32_t *fromp, uint32_t *top)
{
	uint32_t fsize, f;

	if (!EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_FLEX_BG)) {
		*fromp = g;
		*top = g + 1;
		return;
	}
	if (all || ump->um_sb.s_log_groups_per_flex >= 31) {
		*fromp = 0;
		*top = ump->um_ngroups;
		return;
	}
	fsize = 1U << ump->um_sb.s_log_groups_per_flex;
	f = g / fsize;
	*fromp = (f > 0 ? f - 1 : 0) * fsize;
	*top = (uint32_t)MIN((uint64_t)(f + 1) * fsize, ump->um_ngroups);
}

/* Does [BLK, BLK+COUNT) overlap [START, START+LEN)? */
static bool
overlaps(uint64_t blk, uint64_t count, uint64_t start, uint64_t len)
{
	return blk < start + len && start < blk + count;
}

/*
 * Does [BLK, BLK+COUNT), inside group G, touch group metadata?  Caller
 * holds um_lock (descriptors).
 */
static bool
range_has_meta(const struct ext2fs_mount *ump, uint32_t g, uint64_t blk,
    uint64_t count)
{
	uint64_t first = ext2fs_group_first_block(ump, g);
	const struct ext2_gd *gd;
	uint32_t h, from, to;

	if (overlaps(blk, count, first, group_sb_gdt_blocks(ump, g)))
		return true;
	group_meta_owners(ump, g, false, &from, &to);
	for (h = from; h < to; h++) {
		gd = ext2fs_gd(ump, h);
		if (overlaps(blk, count, ext2fs_gd_block_bitmap(ump, gd), 1) ||
		    overlaps(blk, count, ext2fs_gd_inode_bitmap(ump, gd), 1) ||
		    overlaps(blk, count, ext2fs_gd_inode_table(ump, gd),
		    ump->um_itb_per_group))
			return true;
	}
	return false;
}

/* Mark in MAP (group G's block bitmap) the blocks of [START, START+LEN). */
static void
mark_in_group(uint8_t *map, uint64_t first, uint32_t n, uint64_t start,
    uint64_t len)
{
	uint64_t s = MAX(start, first), e = MIN(start + len, first + n);

	if (s < e)
		bit_set_range(map, (uint32_t)(s - first),
		    (uint32_t)(e - first));
}

/*
 * Build the block bitmap of BLOCK_UNINIT group G in MAP (um_bsize bytes).
 * Caller holds um_lock.  EUCLEAN if the result disagrees with the
 * descriptor's free count.
 */
static int
init_block_bitmap(struct ext2fs_mount *ump, uint32_t g, uint8_t *map)
{
	uint64_t first = ext2fs_group_first_block(ump, g);
	uint32_t n = group_nblocks(ump, g), h, from, to, i, used = 0;
	const struct ext2_gd *gd;

	memset(map, 0, ump->um_bsize);
	bit_set_range(map, 0, group_sb_gdt_blocks(ump, g));
	group_meta_owners(ump, g, true, &from, &to);
	for (h = from; h < to; h++) {
		gd = ext2fs_gd(ump, h);
		mark_in_group(map, first, n, ext2fs_gd_block_bitmap(ump, gd),
		    1);
		mark_in_group(map, first, n, ext2fs_gd_inode_bitmap(ump, gd),
		    1);
		mark_in_group(map, first, n, ext2fs_gd_inode_table(ump, gd),
		    ump->um_itb_per_group);
	}
	for (i = 0; i < n; i++)
		if (bit_isset(map, i))
			used++;
	bit_set_range(map, n, ump->um_bsize * 8);
	if (n - used != ext2fs_gd_free_blocks(ump, ext2fs_gd(ump, g)))
		return ext2fs_corrupt(ump, "group %u: uninitialised block "
		    "bitmap would have %u free blocks, descriptor says %u", g,
		    n - used, ext2fs_gd_free_blocks(ump, ext2fs_gd(ump, g)));
	return 0;
}

/*
 * Take group G's bitmap (BLOCKS: block bitmap, else inode bitmap) busy
 * in *BPP, building it first when the group is not initialised (then
 * *INITP is true: the descriptor's UNINIT flag was cleared, and the
 * caller must dirty the buffer and the descriptor whatever happens).
 */
static int
bitmap_get(struct ext2fs_mount *ump, uint32_t g, bool blocks,
    struct buf **bpp, bool *initp)
{
	const uint16_t flag = blocks ? EXT2_BG_BLOCK_UNINIT :
	    EXT2_BG_INODE_UNINIT;
	struct ext2_gd *gd;
	struct buf *bp;
	uint64_t blk;
	bool uninit;
	int error;

	*bpp = NULL;
	*initp = false;
	mutex_enter(&ump->um_lock);
	gd = ext2fs_gd_mut(ump, g);
	blk = blocks ? ext2fs_gd_block_bitmap(ump, gd) :
	    ext2fs_gd_inode_bitmap(ump, gd);
	uninit = ump->um_gdt_csum && (gd_flags(gd) & flag) != 0;
	mutex_exit(&ump->um_lock);
	if (!ext2fs_blk_valid(ump, blk, 1))
		return ext2fs_corrupt(ump, "group %u: bad %s bitmap block "
		    "%llu", g, blocks ? "block" : "inode",
		    (unsigned long long)blk);
	if (!uninit)
		return ext2fs_bread(ump, blk, 0, "bitmap", 0, bpp);

	if ((error = getblk(ump->um_dev, EXT2_FSBTODB(ump, blk),
	    ump->um_bsize, &bp)) != 0)
		return error;
	mutex_enter(&ump->um_lock);
	gd = ext2fs_gd_mut(ump, g);
	if ((gd_flags(gd) & flag) == 0) {
		/* somebody initialised it while we waited for the buffer */
		mutex_exit(&ump->um_lock);
		if ((bp->b_flags & B_DONE) != 0) {
			*bpp = bp;
			return 0;
		}
		brelse(bp);
		return ext2fs_bread(ump, blk, 0, "bitmap", 0, bpp);
	}
	if (blocks) {
		if ((error = init_block_bitmap(ump, g, bp->b_data)) != 0) {
			mutex_exit(&ump->um_lock);
			bp->b_flags |= B_INVAL;
			brelse(bp);
			return error;
		}
		ext2fs_gd_set_block_bitmap_csum(ump, gd, bp->b_data);
	} else {
		memset(bp->b_data, 0, ump->um_bsize);
		bit_set_range(bp->b_data, ump->um_ipg, ump->um_bsize * 8);
		ext2fs_gd_set_inode_bitmap_csum(ump, gd, bp->b_data);
	}
	gd_set_flags(gd, gd_flags(gd) & (uint16_t)~flag);
	mutex_exit(&ump->um_lock);
	*bpp = bp;
	*initp = true;
	return 0;
}

/* ---- blocks ---- */

uint64_t
ext2fs_free_blocks(struct ext2fs_mount *ump, bool reserved)
{
	uint64_t n, r;

	mutex_enter(&ump->um_lock);
	n = ext2fs_sb_free_blocks(ump);
	r = reserved ? 0 : ext2fs_sb_r_blocks(ump);
	mutex_exit(&ump->um_lock);
	return n > r ? n - r : 0;
}

/*
 * Find free blocks in bitmap MAP of the group starting at block FIRST
 * (N blocks), searching from offset START to the end, then from the
 * beginning: the run at START itself when EXACT (it continues the
 * caller's previous run), else the first run of WANT blocks, else the
 * longest shorter one.  Blocks ext2fs_trans_may_reuse refuses are never
 * part of a run.  [*IP, *JP) is the run.  Caller holds um_lock.
 */
static bool
find_run(struct ext2fs_mount *ump, const uint8_t *map, uint64_t first,
    uint32_t n, uint32_t start, bool exact, uint32_t want, uint32_t *ip,
    uint32_t *jp)
{
	uint32_t i, j, end, pass, best_i = 0, best_len = 0;
	uint64_t next;

	for (pass = 0; pass < 2; pass++) {
		i = pass == 0 ? start : 0;
		end = pass == 0 ? n : start;
		while (i < end) {
			if ((i & 7) == 0 && i + 8 <= end &&
			    map[i >> 3] == 0xff) {
				i += 8;
				continue;
			}
			if (bit_isset(map, i)) {
				i++;
				continue;
			}
			if (!ext2fs_trans_may_reuse(ump, first + i, &next)) {
				i = next - first > i ? (uint32_t)MIN(next -
				    first, n) : i + 1;
				continue;
			}
			for (j = i + 1; j < n && j - i < want &&
			    !bit_isset(map, j) &&
			    ext2fs_trans_may_reuse(ump, first + j, &next); j++)
				continue;
			if (j - i >= want || (exact && pass == 0 &&
			    i == start)) {
				*ip = i;
				*jp = j;
				return true;
			}
			if (j - i > best_len) {
				best_i = i;
				best_len = j - i;
			}
			i = j;
		}
	}
	if (best_len == 0)
		return false;
	*ip = best_i;
	*jp = best_i + best_len;
	return true;
}

/*
 * Try group G from offset START (then from its beginning).  ENOSPC: not
 * here; EDQUOT (internal): nothing left for this caller anywhere.
 */
static int
blkalloc_group(struct ext2fs_mount *ump, uint32_t g, uint32_t start,
    bool exact, uint64_t want, bool reserved, uint64_t *blkp,
    uint64_t *gotp)
{
	uint64_t first = ext2fs_group_first_block(ump, g), avail, r;
	uint32_t n = group_nblocks(ump, g), i, j;
	struct ext2_gd *gd;
	struct buf *bp;
	uint8_t *map;
	bool inited, found;
	int error;

	mutex_enter(&ump->um_lock);
	avail = ext2fs_gd_free_blocks(ump, ext2fs_gd(ump, g));
	mutex_exit(&ump->um_lock);
	if (avail == 0)
		return ENOSPC;
	if ((error = bitmap_get(ump, g, true, &bp, &inited)) != 0)
		return error;
	map = bp->b_data;

	mutex_enter(&ump->um_lock);
	gd = ext2fs_gd_mut(ump, g);
	avail = ext2fs_sb_free_blocks(ump);
	r = reserved ? 0 : ext2fs_sb_r_blocks(ump);
	avail = avail > r ? avail - r : 0;
	if (avail == 0) {
		error = EDQUOT;
		goto out_unlock;
	}
	if (ext2fs_gd_free_blocks(ump, gd) == 0) {
		error = ENOSPC;
		goto out_unlock;
	}
	want = MIN(MIN(want, avail), (uint64_t)n);
	if (start >= n)
		start = 0;
	found = find_run(ump, map, first, n, start, exact, (uint32_t)want,
	    &i, &j);
	if (!found) {
		error = ENOSPC;
		goto out_unlock;
	}
	if (ext2fs_gd_free_blocks(ump, gd) < j - i) {
		error = ext2fs_corrupt(ump, "group %u: free block count %u "
		    "below the bitmap's", g, ext2fs_gd_free_blocks(ump, gd));
		goto out_unlock;
	}
	bit_set_range(map, i, j);
	ext2fs_gd_set_free_blocks(ump, gd,
	    ext2fs_gd_free_blocks(ump, gd) - (j - i));
	ext2fs_gd_set_block_bitmap_csum(ump, gd, map);
	ext2fs_sb_set_free_blocks(ump, ext2fs_sb_free_blocks(ump) - (j - i));
	mutex_exit(&ump->um_lock);
	ext2fs_trans_dirty(ump, bp);
	if ((error = ext2fs_gd_dirty(ump, g)) != 0)
		return error;
	if ((error = ext2fs_sb_dirty(ump)) != 0)
		return error;
	*blkp = first + i;
	*gotp = j - i;
	return 0;

out_unlock:
	mutex_exit(&ump->um_lock);
	if (inited) {
		ext2fs_trans_dirty(ump, bp);
		(void)ext2fs_gd_dirty(ump, g);
	} else
		brelse(bp);
	return error;
}

/*
 * => Caller holds a handle.
 * => The run never crosses a group boundary.
 */
int
ext2fs_blkalloc(struct ext2fs_mount *ump, uint64_t goal, uint64_t want,
    bool reserved, uint64_t *blkp, uint64_t *gotp)
{
	uint32_t g0, g, k, off;
	int error;

	KASSERT(want >= 1);
	KASSERT(!ump->um_ronly);
	*blkp = 0;
	*gotp = 0;
	if (goal < ump->um_first_data_block || goal >= ump->um_nblocks)
		goal = ump->um_first_data_block;
	g0 = (uint32_t)((goal - ump->um_first_data_block) / ump->um_bpg);
	off = (uint32_t)((goal - ump->um_first_data_block) % ump->um_bpg);
	if (ext2fs_free_blocks(ump, reserved) == 0)
		return ENOSPC;
	for (k = 0; k < ump->um_ngroups; k++) {
		g = (g0 + k) % ump->um_ngroups;
		error = blkalloc_group(ump, g, k == 0 ? off : 0, k == 0, want,
		    reserved, blkp, gotp);
		if (error == EDQUOT)
			return ENOSPC;
		if (error != ENOSPC)
			return error;
	}
	return ENOSPC;
}

/* Free [BLK, BLK+COUNT), all inside group G. */
static int
blkfree_group(struct ext2fs_mount *ump, uint32_t g, uint64_t blk,
    uint32_t count, bool metadata)
{
	uint64_t first = ext2fs_group_first_block(ump, g);
	uint32_t off = (uint32_t)(blk - first), i;
	struct ext2_gd *gd;
	struct buf *bp;
	uint8_t *map;
	bool inited;
	int error;

	mutex_enter(&ump->um_lock);
	gd = ext2fs_gd_mut(ump, g);
	if (ump->um_gdt_csum && (gd_flags(gd) & EXT2_BG_BLOCK_UNINIT)) {
		mutex_exit(&ump->um_lock);
		return ext2fs_corrupt(ump, "freeing blocks %llu+%u of "
		    "uninitialised group %u", (unsigned long long)blk, count,
		    g);
	}
	mutex_exit(&ump->um_lock);
	if ((error = bitmap_get(ump, g, true, &bp, &inited)) != 0)
		return error;
	KASSERT(!inited);
	(void)metadata;
	map = bp->b_data;
	mutex_enter(&ump->um_lock);
	gd = ext2fs_gd_mut(ump, g);
	if (range_has_meta(ump, g, blk, count)) {
		error = ext2fs_corrupt(ump, "freeing blocks %llu+%u: group "
		    "%u metadata", (unsigned long long)blk, count, g);
		goto out_unlock;
	}
	for (i = 0; i < count; i++)
		if (!bit_isset(map, off + i)) {
			error = ext2fs_corrupt(ump, "freeing free block %llu",
			    (unsigned long long)(blk + i));
			goto out_unlock;
		}
	if (ext2fs_gd_free_blocks(ump, gd) + count > group_nblocks(ump, g)) {
		error = ext2fs_corrupt(ump, "group %u: free block count %u "
		    "above the bitmap's", g, ext2fs_gd_free_blocks(ump, gd));
		goto out_unlock;
	}
	mutex_exit(&ump->um_lock);
	/*
	 * Every freed block is forgotten by the transaction, data too: a
	 * directory's blocks are journaled metadata even when the block map
	 * code frees them as file data.  This happens while the bits are
	 * still set and the bitmap is busy: once it is released another
	 * thread may allocate a block and fill its buffer, which a later
	 * forget would throw away.
	 */
	for (i = 0; i < count; i++)
		ext2fs_trans_forget(ump, blk + i);
	mutex_enter(&ump->um_lock);
	for (i = 0; i < count; i++)
		bit_clr(map, off + i);
	ext2fs_gd_set_free_blocks(ump, gd,
	    ext2fs_gd_free_blocks(ump, gd) + count);
	ext2fs_gd_set_block_bitmap_csum(ump, gd, map);
	ext2fs_sb_set_free_blocks(ump, ext2fs_sb_free_blocks(ump) + count);
	ext2fs_trans_defer_free(ump, blk, count);
	mutex_exit(&ump->um_lock);
	ext2fs_trans_dirty(ump, bp);
	if ((error = ext2fs_gd_dirty(ump, g)) != 0)
		return error;
	return ext2fs_sb_dirty(ump);

out_unlock:
	mutex_exit(&ump->um_lock);
	brelse(bp);
	return error;
}

/*
 * => Caller holds a handle.
 * => EUCLEAN (logged, nothing changed in the failing group) for a range
 *    outside the filesystem, a block already free, or group metadata.
 */
int
ext2fs_blkfree(struct ext2fs_mount *ump, uint64_t blk, uint64_t count,
    bool metadata)
{
	uint64_t first, n;
	uint32_t g;
	int error;

	KASSERT(!ump->um_ronly);
	if (count == 0)
		return 0;
	if (!ext2fs_blk_valid(ump, blk, count))
		return ext2fs_corrupt(ump, "freeing blocks %llu+%llu outside "
		    "the filesystem", (unsigned long long)blk,
		    (unsigned long long)count);
	while (count > 0) {
		g = (uint32_t)((blk - ump->um_first_data_block) / ump->um_bpg);
		first = ext2fs_group_first_block(ump, g);
		n = MIN(count, first + group_nblocks(ump, g) - blk);
		if ((error = blkfree_group(ump, g, blk, (uint32_t)n,
		    metadata)) != 0)
			return error;
		blk += n;
		count -= n;
	}
	return 0;
}

/*
 * => Caller holds NP's vnode lock.
 * => After the block before LBLK when it is mapped, else after the last
 *    block allocated to NP, else at the start of NP's inode group.
 */
uint64_t
ext2fs_blkpref(struct ext2fs_node *np, uint64_t lblk)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t pblk, run;
	uint32_t g;

	if (lblk > 0 && (np->n_flags & EXT2_INLINE_DATA_FL) == 0 &&
	    ext2fs_bmap(np, lblk - 1, &pblk, &run) == 0 && pblk != 0 &&
	    pblk + 1 < ump->um_nblocks)
		return pblk + 1;
	if (np->n_lastalloc != 0 && np->n_lastalloc + 1 < ump->um_nblocks)
		return np->n_lastalloc + 1;
	g = (uint32_t)((np->n_ino - 1) / ump->um_ipg);
	if (g >= ump->um_ngroups)
		g = 0;
	return ext2fs_group_first_block(ump, g);
}

/* ---- inodes ---- */

/*
 * Take the lowest free inode of group G for a new object (ISDIR).
 * ENOSPC when the group has none.
 */
static int
ialloc_group(struct ext2fs_mount *ump, uint32_t g, bool isdir,
    ino64_t *inop)
{
	struct ext2_gd *gd;
	struct buf *bp;
	uint8_t *map;
	uint32_t i, lo, unused, nfree;
	bool inited;
	int error;

	mutex_enter(&ump->um_lock);
	nfree = ext2fs_gd_free_inodes(ump, ext2fs_gd(ump, g));
	mutex_exit(&ump->um_lock);
	if (nfree == 0)
		return ENOSPC;
	if ((error = bitmap_get(ump, g, false, &bp, &inited)) != 0)
		return error;
	map = bp->b_data;
	/* inodes below s_first_ino are reserved (their bits are set) */
	lo = 0;
	if ((uint64_t)g * ump->um_ipg < ump->um_first_ino)
		lo = (uint32_t)MIN(ump->um_first_ino - 1 -
		    (uint64_t)g * ump->um_ipg, ump->um_ipg);
	i = first_clear(map, lo, ump->um_ipg);
	mutex_enter(&ump->um_lock);
	gd = ext2fs_gd_mut(ump, g);
	nfree = ext2fs_gd_free_inodes(ump, gd);
	if (i == ump->um_ipg || nfree == 0) {
		mutex_exit(&ump->um_lock);
		if (i == ump->um_ipg && nfree != 0) {
			error = ext2fs_corrupt(ump, "group %u: %u free inodes "
			    "but a full bitmap", g, nfree);
		} else
			error = ENOSPC;
		goto out_release;
	}
	bit_set(map, i);
	ext2fs_gd_set_free_inodes(ump, gd, nfree - 1);
	if (isdir)
		ext2fs_gd_set_used_dirs(ump, gd,
		    ext2fs_gd_used_dirs(ump, gd) + 1);
	if (ump->um_gdt_csum) {
		/* a group just initialised had no used part, as Linux says */
		unused = inited ? ump->um_ipg :
		    ext2fs_gd_itable_unused(ump, gd);
		if (i >= ump->um_ipg - MIN(unused, ump->um_ipg))
			ext2fs_gd_set_itable_unused(ump, gd,
			    ump->um_ipg - i - 1);
	}
	ext2fs_gd_set_inode_bitmap_csum(ump, gd, map);
	sb_add_free_inodes(ump, -1);
	if (isdir)
		ump->um_last_group = g;
	mutex_exit(&ump->um_lock);
	ext2fs_trans_dirty(ump, bp);
	if ((error = ext2fs_gd_dirty(ump, g)) != 0)
		return error;
	if ((error = ext2fs_sb_dirty(ump)) != 0)
		return error;
	*inop = (ino64_t)g * ump->um_ipg + i + 1;
	return 0;

out_release:
	if (inited) {
		ext2fs_trans_dirty(ump, bp);
		(void)ext2fs_gd_dirty(ump, g);
	} else
		brelse(bp);
	return error;
}

/* Has group GD at least the average free inodes and blocks? */
static bool
dir_group_ok(const struct ext2fs_mount *ump, const struct ext2_gd *gd,
    uint64_t avg_fi, uint64_t avg_fb)
{
	return ext2fs_gd_free_inodes(ump, gd) > 0 &&
	    ext2fs_gd_free_inodes(ump, gd) >= avg_fi &&
	    ext2fs_gd_free_blocks(ump, gd) >= avg_fb;
}

/*
 * Where to look first for a new directory's inode: a subdirectory stays
 * in its parent's group PG when that group has at least the average
 * free inodes and free blocks; top-level directories (TOP) and the
 * others go to the such group with the fewest directories, the first
 * from the rotor on among equals.
 */
static uint32_t
dir_group(struct ext2fs_mount *ump, uint32_t pg, bool top)
{
	uint64_t avg_fi, avg_fb;
	uint32_t g, k, start, found = pg, best = UINT32_MAX, ndirs;
	const struct ext2_gd *gd;

	mutex_enter(&ump->um_lock);
	avg_fi = e2_le32(ump->um_sb.s_free_inodes_count) / ump->um_ngroups;
	avg_fb = ext2fs_sb_free_blocks(ump) / ump->um_ngroups;
	if (!top && dir_group_ok(ump, ext2fs_gd(ump, pg), avg_fi, avg_fb))
		goto out;
	start = (ump->um_last_group + 1) % ump->um_ngroups;
	for (k = 0; k < ump->um_ngroups; k++) {
		g = (start + k) % ump->um_ngroups;
		gd = ext2fs_gd(ump, g);
		ndirs = ext2fs_gd_used_dirs(ump, gd);
		if (ndirs < best && dir_group_ok(ump, gd, avg_fi, avg_fb)) {
			found = g;
			best = ndirs;
		}
	}
out:
	mutex_exit(&ump->um_lock);
	return found;
}

/*
 * => Caller holds a handle (and DNP's vnode lock).
 */
int
ext2fs_ialloc(struct ext2fs_node *dnp, uint32_t mode, ino64_t *inop)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	bool isdir = (mode & S_IFMT) == S_IFDIR;
	uint32_t pg, start, g, k;
	int error;

	KASSERT(!ump->um_ronly);
	*inop = 0;
	pg = (uint32_t)((dnp->n_ino - 1) / ump->um_ipg);
	if (pg >= ump->um_ngroups)
		pg = 0;
	start = pg;
	if (isdir && ump->um_ngroups > 1)
		start = dir_group(ump, pg, dnp->n_ino == EXT2_ROOTINO);
	for (k = 0; k < ump->um_ngroups; k++) {
		g = (start + k) % ump->um_ngroups;
		error = ialloc_group(ump, g, isdir, inop);
		if (error != ENOSPC)
			return error;
	}
	return ENOSPC;
}

/*
 * => Caller holds a handle.  EUCLEAN for an inode that is already free
 *    or reserved.
 */
int
ext2fs_ifree(struct ext2fs_mount *ump, ino64_t ino, bool isdir)
{
	struct ext2_gd *gd;
	struct buf *bp;
	uint32_t g, i;
	bool inited;
	int error;

	KASSERT(!ump->um_ronly);
	if (ino < ump->um_first_ino || ino > ump->um_ninodes)
		return ext2fs_corrupt(ump, "freeing reserved or bad inode "
		    "%llu", (unsigned long long)ino);
	g = (uint32_t)((ino - 1) / ump->um_ipg);
	i = (uint32_t)((ino - 1) % ump->um_ipg);
	mutex_enter(&ump->um_lock);
	gd = ext2fs_gd_mut(ump, g);
	if (ump->um_gdt_csum && (gd_flags(gd) & EXT2_BG_INODE_UNINIT)) {
		mutex_exit(&ump->um_lock);
		return ext2fs_corrupt(ump, "freeing inode %llu of an "
		    "uninitialised group", (unsigned long long)ino);
	}
	mutex_exit(&ump->um_lock);
	if ((error = bitmap_get(ump, g, false, &bp, &inited)) != 0)
		return error;
	KASSERT(!inited);
	mutex_enter(&ump->um_lock);
	gd = ext2fs_gd_mut(ump, g);
	if (!bit_isset(bp->b_data, i) ||
	    ext2fs_gd_free_inodes(ump, gd) >= ump->um_ipg ||
	    (isdir && ext2fs_gd_used_dirs(ump, gd) == 0)) {
		mutex_exit(&ump->um_lock);
		brelse(bp);
		return ext2fs_corrupt(ump, "freeing free inode %llu",
		    (unsigned long long)ino);
	}
	bit_clr(bp->b_data, i);
	ext2fs_gd_set_free_inodes(ump, gd, ext2fs_gd_free_inodes(ump, gd) + 1);
	if (isdir)
		ext2fs_gd_set_used_dirs(ump, gd,
		    ext2fs_gd_used_dirs(ump, gd) - 1);
	ext2fs_gd_set_inode_bitmap_csum(ump, gd, bp->b_data);
	sb_add_free_inodes(ump, 1);
	mutex_exit(&ump->um_lock);
	ext2fs_trans_dirty(ump, bp);
	if ((error = ext2fs_gd_dirty(ump, g)) != 0)
		return error;
	return ext2fs_sb_dirty(ump);
}
