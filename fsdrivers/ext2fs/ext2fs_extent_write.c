/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_extent_write.c -- changing ext4 extent trees: mapping holes,
 * converting unwritten extents, freeing ranges (truncate and punch).
 *
 * The tree: a 60-byte root in i_block (a header and up to 4 entries),
 * index nodes and leaves of extents in tree blocks below it.  Invariants
 * kept by every change (and checked, as far as they can be, on every
 * node read, through ext2fs_ext_check_node from ext2fs_bmap.c):
 *   1. entries are sorted and do not overlap; a leaf's extents lie in
 *      [its index key, the next index key on the path);
 *   2. an index key equals the first logical block of its child, which
 *      is never empty (a depth-0 root may be);
 *   3. an initialised extent is at most 32768 blocks long, an unwritten
 *      one at most 32767;
 *   4. every tree block carries its checksum tail (metadata_csum) and
 *      goes to the running transaction through ext2fs_trans_dirty;
 *   5. n_bytes counts the data blocks and the tree blocks.
 *
 * Method: a change looks the path from the root to a leaf up
 * (ext_path_find), edits the nodes on it, and releases the path (dirty
 * nodes go to the transaction).  No path is held across a block
 * allocation or a free: the path is released first and looked up again,
 * so buffers are never held busy while the allocator takes um_lock and
 * a freed tree block is never busy when ext2fs_blkfree forgets it.  A
 * leaf with no room is made room for one node at a time
 * (ext_make_room): split the lowest full node whose parent has room
 * (appends move nothing, so sequential files get full leaves), or, when
 * the whole path is full, move the root into a new block (the tree
 * grows by one level); then look up again.
 *
 * Exports (ext2fs_write.h): ext2fs_ext_alloc, ext2fs_ext_free,
 * ext2fs_ext_init_root, ext2fs_ext_map_end.  Callers: ext2fs_balloc.c.
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#define EXT_LBLK_LIMIT	((uint64_t)1 << 32)
#define EXT_INIT_MAX	32768u		/* longest initialised */
#define EXT_UNW_MAX	32767u		/* longest unwritten */
#define EXT_ENTRY	12u		/* every entry and the header */

/* One decoded extent. */
struct ext_rec {
	uint64_t	lblk;
	uint64_t	pblk;
	uint32_t	len;
	bool		unw;
};

/* One node of a path: the root (level 0, in n_raw) or a tree block. */
struct ext_level {
	struct buf	*bp;	/* busy; NULL: the root, or released */
	uint8_t		*node;
	uint64_t	blk;	/* 0 for the root */
	int		pos;	/* index taken (leaf: last <= lblk) */
	bool		dirty;
};

/* A root-to-leaf path; owned by the caller, who holds the vnode lock. */
struct ext_path {
	struct ext2fs_node *np;
	int		depth;	/* lv[depth] is the leaf */
	bool		before;	/* lblk < the root's first key */
	uint64_t	floor;	/* largest index key <= lblk taken */
	uint64_t	limit;	/* next index key on the path; 2^32 */
	struct ext_level lv[EXT2_EXT_MAX_DEPTH + 1];
};

/* ---- field access ---- */

static inline void
st16(e2le16_t *f, uint32_t v)
{
	f->b[0] = (uint8_t)v;
	f->b[1] = (uint8_t)(v >> 8);
}

static inline struct ext2_extent_header *
ext_hdr(uint8_t *node)
{
	return (struct ext2_extent_header *)node;
}

static inline uint32_t
ext_entries(const uint8_t *node)
{
	return e2_le16(((const struct ext2_extent_header *)node)->eh_entries);
}

static inline uint32_t
ext_max(const uint8_t *node)
{
	return e2_le16(((const struct ext2_extent_header *)node)->eh_max);
}

static inline void
ext_set_entries(uint8_t *node, uint32_t n)
{
	st16(&ext_hdr(node)->eh_entries, n);
}

static inline struct ext2_extent *
ext_at(uint8_t *node, uint32_t i)
{
	return (struct ext2_extent *)(node + EXT_ENTRY) + i;
}

static inline struct ext2_extent_idx *
idx_at(uint8_t *node, uint32_t i)
{
	return (struct ext2_extent_idx *)(node + EXT_ENTRY) + i;
}

static void
ext_get(uint8_t *node, uint32_t i, struct ext_rec *r)
{
	const struct ext2_extent *ex = ext_at(node, i);
	uint32_t len = e2_le16(ex->ee_len);

	r->lblk = e2_le32(ex->ee_block);
	r->pblk = e2_le32(ex->ee_start_lo) |
	    (uint64_t)e2_le16(ex->ee_start_hi) << 32;
	r->unw = len > EXT_INIT_MAX;
	r->len = r->unw ? len - EXT_INIT_MAX : len;
}

static void
ext_put(uint8_t *node, uint32_t i, const struct ext_rec *r)
{
	struct ext2_extent *ex = ext_at(node, i);

	KASSERT(r->len >= 1 && r->len <= (r->unw ? EXT_UNW_MAX : EXT_INIT_MAX));
	KASSERT(r->lblk + r->len <= EXT_LBLK_LIMIT);
	ex->ee_block = e2_mkle32((uint32_t)r->lblk);
	st16(&ex->ee_len, r->unw ? r->len + EXT_INIT_MAX : r->len);
	st16(&ex->ee_start_hi, (uint32_t)(r->pblk >> 32));
	ex->ee_start_lo = e2_mkle32((uint32_t)r->pblk);
}

static inline uint64_t
idx_key(uint8_t *node, uint32_t i)
{
	return e2_le32(idx_at(node, i)->ei_block);
}

static inline uint64_t
idx_child(uint8_t *node, uint32_t i)
{
	const struct ext2_extent_idx *ix = idx_at(node, i);

	return e2_le32(ix->ei_leaf_lo) |
	    (uint64_t)e2_le16(ix->ei_leaf_hi) << 32;
}

static void
idx_put(uint8_t *node, uint32_t i, uint64_t key, uint64_t child)
{
	struct ext2_extent_idx *ix = idx_at(node, i);

	KASSERT(key < EXT_LBLK_LIMIT);
	ix->ei_block = e2_mkle32((uint32_t)key);
	ix->ei_leaf_lo = e2_mkle32((uint32_t)child);
	st16(&ix->ei_leaf_hi, (uint32_t)(child >> 32));
	st16(&ix->ei_unused, 0);
}

/* The first logical block of a non-empty node at depth DEPTH. */
static uint64_t
node_key(uint8_t *node, bool leaf)
{
	KASSERT(ext_entries(node) > 0);
	return leaf ? e2_le32(ext_at(node, 0)->ee_block) : idx_key(node, 0);
}

static inline uint8_t *
ext_root(struct ext2fs_node *np)
{
	return np->n_raw + offsetof(struct ext2_dinode, i_block);
}

/* Entries a tree block holds (its eh_max). */
static inline uint32_t
ext_block_cap(const struct ext2fs_mount *ump)
{
	return (ump->um_bsize - EXT_ENTRY) / EXT_ENTRY;
}

static inline uint32_t
ext_maxlen(bool unw)
{
	return unw ? EXT_UNW_MAX : EXT_INIT_MAX;
}

static void
ext_node_init(uint8_t *node, uint32_t max, uint32_t depth)
{
	struct ext2_extent_header *eh = ext_hdr(node);

	st16(&eh->eh_magic, EXT2_EXT_MAGIC);
	st16(&eh->eh_entries, 0);
	st16(&eh->eh_max, max);
	st16(&eh->eh_depth, depth);
	eh->eh_generation = e2_mkle32(0);
}

void
ext2fs_ext_init_root(struct ext2fs_node *np)
{
	uint8_t *root = ext_root(np);

	memset(root, 0, EXT2_IBLOCK_BYTES);
	ext_node_init(root, (EXT2_IBLOCK_BYTES - EXT_ENTRY) / EXT_ENTRY, 0);
}

/* ---- paths ---- */

static void
ext_path_release(struct ext_path *pp)
{
	struct ext2fs_mount *ump = pp->np->n_ump;
	struct ext_level *lv;
	int l;

	for (l = 1; l <= EXT2_EXT_MAX_DEPTH; l++) {
		lv = &pp->lv[l];
		if (lv->bp == NULL)
			continue;
		if (lv->dirty) {
			ext2fs_extent_csum_set(pp->np, lv->node,
			    ext_max(lv->node));
			ext2fs_trans_dirty(ump, lv->bp);
		} else
			brelse(lv->bp);
		lv->bp = NULL;
	}
}

/*
 * Look up the path to LBLK: at each index level the last entry whose key
 * is <= LBLK (the first when LBLK lies before them all: at the root,
 * pp->before), at the leaf the last extent starting at or before LBLK
 * (-1: none; then nothing in [pp->floor, LBLK] is mapped).  Every
 * node is validated, and each child against its parent's keys.
 * => On success the caller owns the path (ext_path_release).
 */
static int
ext_path_find(struct ext2fs_node *np, uint64_t lblk, struct ext_path *pp)
{
	struct ext2fs_mount *ump = np->n_ump;
	unsigned long long ino = (unsigned long long)np->n_ino;
	uint8_t *node;
	uint32_t n, i;
	uint64_t child, key, last;
	struct buf *bp;
	struct ext_rec r;
	int l, k, error;

	memset(pp, 0, sizeof(*pp));
	pp->np = np;
	pp->limit = EXT_LBLK_LIMIT;
	node = ext_root(np);
	if ((error = ext2fs_ext_check_node(np, node, EXT2_IBLOCK_BYTES, -1,
	    0)) != 0)
		return error;
	pp->depth = e2_le16(ext_hdr(node)->eh_depth);
	pp->lv[0].node = node;
	for (l = 0;; l++) {
		node = pp->lv[l].node;
		n = ext_entries(node);
		if (l == pp->depth) {
			for (i = 0; i < n &&
			    e2_le32(ext_at(node, i)->ee_block) <= lblk; i++)
				continue;
			pp->lv[l].pos = (int)i - 1;
			return 0;
		}
		for (i = 0; i < n && idx_key(node, i) <= lblk; i++)
			continue;
		if (i > 0)
			pp->floor = idx_key(node, --i);
		else if (l == 0)
			pp->before = true;
		pp->lv[l].pos = (int)i;
		key = idx_key(node, i);
		if (i + 1 < n)
			pp->limit = MIN(pp->limit, idx_key(node, i + 1));
		child = idx_child(node, i);
		for (k = 1; k <= l; k++) {	/* held busy: a loop */
			if (pp->lv[k].blk != child)
				continue;
			error = ext2fs_corrupt(ump, "inode %llu: extent block "
			    "%llu loops", ino, (unsigned long long)child);
			goto out_release;
		}
		error = ext2fs_bread(ump, child, 0, "extent", np->n_ino, &bp);
		if (error)
			goto out_release;
		pp->lv[l + 1].bp = bp;
		pp->lv[l + 1].node = bp->b_data;
		pp->lv[l + 1].blk = child;
		node = bp->b_data;
		error = ext2fs_ext_check_node(np, node, ump->um_bsize,
		    pp->depth - l - 1, child);
		if (error)
			goto out_release;
		if (ext_max(node) + 2 < ext_block_cap(ump)) {
			/* as e2fsck: at most 2 entries of slack */
			error = ext2fs_corrupt(ump, "inode %llu: extent block "
			    "%llu holds only %u entries", ino,
			    (unsigned long long)child, ext_max(node));
			goto out_release;
		}
		n = ext_entries(node);
		if (n == 0)
			continue;	/* empty leaf: ext_free drops it */
		if (l + 1 == pp->depth) {
			ext_get(node, n - 1, &r);
			last = r.lblk + r.len;
		} else
			last = idx_key(node, n - 1) + 1;
		if (node_key(node, l + 1 == pp->depth) < key ||
		    last > pp->limit) {
			error = ext2fs_corrupt(ump, "inode %llu: extent block "
			    "%llu outside its index range", ino,
			    (unsigned long long)child);
			goto out_release;
		}
	}
out_release:
	ext_path_release(pp);
	return error;
}

/* Entry 0 of the node at level L changed: carry its key up the path. */
static void
ext_path_fix_keys(struct ext_path *pp, int l)
{
	struct ext_level *up;
	uint64_t key;

	for (; l > 0; l--) {
		if (ext_entries(pp->lv[l].node) == 0)
			return;
		key = node_key(pp->lv[l].node, l == pp->depth);
		up = &pp->lv[l - 1];
		if (idx_key(up->node, (uint32_t)up->pos) == key)
			return;
		idx_put(up->node, (uint32_t)up->pos, key,
		    idx_child(up->node, (uint32_t)up->pos));
		up->dirty = true;
		if (up->pos != 0)
			return;
	}
}

/*
 * Remove the empty nodes at the bottom of the path: each empty tree
 * block is released and its number stored in FREED[*NFREEDP] for the
 * caller to free after releasing the path; its index goes from the
 * parent, and so on up.  An emptied root becomes an empty leaf.
 */
static void
ext_path_prune(struct ext_path *pp, uint64_t *freed, int *nfreedp)
{
	struct ext_level *lv;
	uint32_t n, i;
	int l = pp->depth;

	lv = &pp->lv[l];
	while (l > 0 && ext_entries(lv->node) == 0) {
		freed[(*nfreedp)++] = lv->blk;
		brelse(lv->bp);
		lv->bp = NULL;
		lv->dirty = false;
		lv = &pp->lv[--l];
		n = ext_entries(lv->node);
		i = (uint32_t)lv->pos;
		KASSERT(i < n);
		memmove(idx_at(lv->node, i), idx_at(lv->node, i + 1),
		    (n - i - 1) * EXT_ENTRY);
		memset(idx_at(lv->node, n - 1), 0, EXT_ENTRY);
		ext_set_entries(lv->node, n - 1);
		lv->dirty = true;
		if (n - 1 > 0) {
			if (i == 0)
				ext_path_fix_keys(pp, l);
			return;
		}
	}
	if (l == 0 && ext_entries(lv->node) == 0)
		st16(&ext_hdr(lv->node)->eh_depth, 0);
}

/* Delete entry POS of the leaf (see ext_path_prune for FREED). */
static void
ext_path_delete(struct ext_path *pp, int pos, uint64_t *freed,
    int *nfreedp)
{
	struct ext_level *lv = &pp->lv[pp->depth];
	uint32_t n = ext_entries(lv->node), i = (uint32_t)pos;

	KASSERT(i < n);
	memmove(ext_at(lv->node, i), ext_at(lv->node, i + 1),
	    (n - i - 1) * EXT_ENTRY);
	memset(ext_at(lv->node, n - 1), 0, EXT_ENTRY);
	ext_set_entries(lv->node, n - 1);
	lv->dirty = true;
	if (n - 1 > 0) {
		if (i == 0)
			ext_path_fix_keys(pp, pp->depth);
		return;
	}
	ext_path_prune(pp, freed, nfreedp);
}

/* Insert R after the leaf's position (which must have room). */
static void
ext_path_insert(struct ext_path *pp, const struct ext_rec *r)
{
	struct ext_level *lv = &pp->lv[pp->depth];
	uint32_t n = ext_entries(lv->node), i = (uint32_t)(lv->pos + 1);

	KASSERT(n < ext_max(lv->node));
	memmove(ext_at(lv->node, i + 1), ext_at(lv->node, i),
	    (n - i) * EXT_ENTRY);
	ext_put(lv->node, i, r);
	ext_set_entries(lv->node, n + 1);
	lv->pos = (int)i;
	lv->dirty = true;
	if (i == 0)
		ext_path_fix_keys(pp, pp->depth);
}

/* ---- tree blocks ---- */

/*
 * Allocate a zeroed tree block (near the start of the inode's group, so
 * that tree blocks do not break the runs of the file's data).
 * => *BPP busy, not yet valid on disk; n_bytes counts it.
 */
static int
ext_tree_alloc(struct ext2fs_node *np, uint64_t *blkp, struct buf **bpp)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint64_t goal, got;
	int error;

	goal = ext2fs_group_first_block(ump,
	    (uint32_t)((np->n_ino - 1) / ump->um_ipg));
	error = ext2fs_blkalloc(ump, goal, 1, ext2fs_balloc_reserved(ump),
	    blkp, &got);
	if (error)
		return error;
	error = getblk(ump->um_dev, EXT2_FSBTODB(ump, *blkp), ump->um_bsize,
	    bpp);
	if (error) {
		(void)ext2fs_blkfree(ump, *blkp, 1, true);
		return error;
	}
	memset((*bpp)->b_data, 0, ump->um_bsize);
	np->n_bytes += ump->um_bsize;
	return 0;
}

static void
ext_tree_unalloc(struct ext2fs_node *np, uint64_t blk, struct buf *bp)
{
	binval(bp);
	(void)ext2fs_blkfree(np->n_ump, blk, 1, true);
	np->n_bytes -= np->n_ump->um_bsize;
}

/* Free the tree blocks a delete left empty (the path is released). */
static int
ext_tree_free(struct ext2fs_node *np, const uint64_t *freed, int nfreed)
{
	int i, error, first = 0;

	for (i = 0; i < nfreed; i++) {
		error = ext2fs_blkfree(np->n_ump, freed[i], 1, true);
		if (error == 0)
			np->n_bytes -= np->n_ump->um_bsize;
		else if (first == 0)
			first = error;
	}
	return first;
}

/* The whole path is full: move the root into new block NB (with BP). */
static void
ext_grow(struct ext_path *pp, uint64_t nb, struct buf *bp)
{
	struct ext2fs_mount *ump = pp->np->n_ump;
	uint8_t *root = pp->lv[0].node, *node = bp->b_data;
	uint32_t n = ext_entries(root);

	KASSERT(n > 0);
	ext_node_init(node, ext_block_cap(ump), (uint32_t)pp->depth);
	memcpy(node + EXT_ENTRY, root + EXT_ENTRY, n * EXT_ENTRY);
	ext_set_entries(node, n);
	ext2fs_extent_csum_set(pp->np, node, ext_max(node));
	ext2fs_trans_dirty(ump, bp);

	memset(root + EXT_ENTRY, 0, EXT2_IBLOCK_BYTES - EXT_ENTRY);
	idx_put(root, 0, node_key(node, pp->depth == 0), nb);
	ext_set_entries(root, 1);
	st16(&ext_hdr(root)->eh_depth, (uint32_t)pp->depth + 1);
}

/*
 * Split the full node at level J (its parent has room) into it and new
 * block NB (BP): the upper half moves, or for an append (past the last
 * entry of the tree) nothing (a leaf) or only the last entry (an index),
 * so files written in order get full nodes.
 */
static void
ext_split(struct ext_path *pp, int j, uint64_t lblk, uint64_t nb,
    struct buf *bp)
{
	struct ext2fs_mount *ump = pp->np->n_ump;
	struct ext_level *lv = &pp->lv[j], *up = &pp->lv[j - 1];
	uint8_t *node = lv->node, *nn = bp->b_data;
	uint32_t n = ext_entries(node), s, pn, i;
	bool leaf = j == pp->depth;
	uint64_t key;

	KASSERT(n == ext_max(node) && n >= 2);
	/* an append: past the last entry of the rightmost path */
	if (lv->pos == (int)n - 1 && pp->limit == EXT_LBLK_LIMIT)
		s = leaf ? n : n - 1;
	else
		s = n / 2;
	ext_node_init(nn, ext_block_cap(ump), (uint32_t)(pp->depth - j));
	memcpy(nn + EXT_ENTRY, node + EXT_ENTRY + s * EXT_ENTRY,
	    (n - s) * EXT_ENTRY);
	ext_set_entries(nn, n - s);
	memset(node + EXT_ENTRY + s * EXT_ENTRY, 0, (n - s) * EXT_ENTRY);
	ext_set_entries(node, s);
	lv->dirty = true;
	key = n - s > 0 ? node_key(nn, leaf) : lblk;

	pn = ext_entries(up->node);
	KASSERT(pn < ext_max(up->node));
	i = (uint32_t)up->pos + 1;
	memmove(idx_at(up->node, i + 1), idx_at(up->node, i),
	    (pn - i) * EXT_ENTRY);
	idx_put(up->node, i, key, nb);
	ext_set_entries(up->node, pn + 1);
	up->dirty = true;
	ext2fs_extent_csum_set(pp->np, nn, ext_max(nn));
	ext2fs_trans_dirty(ump, bp);
}

/*
 * Make room for one more extent in the leaf holding LBLK, by one split
 * or one growth; the caller looks up again (and calls again if the leaf
 * is still full).
 */
static int
ext_make_room(struct ext2fs_node *np, uint64_t lblk)
{
	struct ext_path path;
	struct buf *bp;
	uint64_t nb;
	int k, d, error;

	if ((error = ext_path_find(np, lblk, &path)) != 0)
		return error;
	d = path.depth;
	for (k = d; k >= 0; k--)
		if (ext_entries(path.lv[k].node) < ext_max(path.lv[k].node))
			break;
	ext_path_release(&path);
	if (k == d)
		return 0;
	if (k < 0 && d >= EXT2_EXT_MAX_DEPTH)
		return EFBIG;
	if ((error = ext_tree_alloc(np, &nb, &bp)) != 0)
		return error;
	if ((error = ext_path_find(np, lblk, &path)) != 0) {
		ext_tree_unalloc(np, nb, bp);
		return error;
	}
	if (k < 0)
		ext_grow(&path, nb, bp);
	else
		ext_split(&path, k + 1, lblk, nb, bp);
	ext_path_release(&path);
	return 0;
}

/*
 * Put extent R into the tree.  MERGE: extend a neighbour in the same
 * leaf instead when R continues it logically and physically.
 */
static int
ext_insert(struct ext2fs_node *np, const struct ext_rec *r, bool merge)
{
	struct ext_path path;
	struct ext_level *lv;
	struct ext_rec nb;
	uint32_t n;
	int error, tries;

	for (tries = 0;; tries++) {
		if (tries > 4 * (EXT2_EXT_MAX_DEPTH + 2))
			return ext2fs_corrupt(np->n_ump, "inode %llu: no room "
			    "for extent %llu in its tree",
			    (unsigned long long)np->n_ino,
			    (unsigned long long)r->lblk);
		if ((error = ext_path_find(np, r->lblk, &path)) != 0)
			return error;
		lv = &path.lv[path.depth];
		n = ext_entries(lv->node);
		if (merge && lv->pos >= 0) {
			ext_get(lv->node, (uint32_t)lv->pos, &nb);
			if (nb.lblk + nb.len == r->lblk &&
			    nb.pblk + nb.len == r->pblk && nb.unw == r->unw &&
			    nb.len + r->len <= ext_maxlen(r->unw)) {
				nb.len += r->len;
				ext_put(lv->node, (uint32_t)lv->pos, &nb);
				lv->dirty = true;
				break;
			}
		}
		if (merge && (uint32_t)(lv->pos + 1) < n) {
			ext_get(lv->node, (uint32_t)(lv->pos + 1), &nb);
			if (r->lblk + r->len == nb.lblk &&
			    r->pblk + r->len == nb.pblk && nb.unw == r->unw &&
			    nb.len + r->len <= ext_maxlen(r->unw)) {
				nb.lblk = r->lblk;
				nb.pblk = r->pblk;
				nb.len += r->len;
				ext_put(lv->node, (uint32_t)(lv->pos + 1), &nb);
				lv->dirty = true;
				if (lv->pos + 1 == 0)
					ext_path_fix_keys(&path, path.depth);
				break;
			}
		}
		if (n < ext_max(lv->node)) {
			ext_path_insert(&path, r);
			break;
		}
		ext_path_release(&path);
		if ((error = ext_make_room(np, r->lblk)) != 0)
			return error;
	}
	ext_path_release(&path);
	return 0;
}

/* Rewrite the leaf extent starting at R->lblk as R (same start). */
static int
ext_replace(struct ext2fs_node *np, const struct ext_rec *r)
{
	struct ext_path path;
	struct ext_level *lv;
	struct ext_rec old;
	int error;

	if ((error = ext_path_find(np, r->lblk, &path)) != 0)
		return error;
	lv = &path.lv[path.depth];
	KASSERT(lv->pos >= 0);
	ext_get(lv->node, (uint32_t)lv->pos, &old);
	KASSERT(old.lblk == r->lblk);
	ext_put(lv->node, (uint32_t)lv->pos, r);
	lv->dirty = true;
	ext_path_release(&path);
	return 0;
}

/* ---- unwritten to written ---- */

/*
 * Extent X (unwritten) gets [A, B) written: up to three extents, the
 * written part merged into a written left neighbour when it continues
 * it.  On failure X is whole again (or split into two unwritten parts
 * covering the same blocks: equivalent).
 */
static int
ext_convert(struct ext2fs_node *np, const struct ext_rec *x, uint64_t a,
    uint64_t b)
{
	struct ext_rec head = *x, tail, w;
	struct ext_path path;
	struct ext_level *lv;
	struct ext_rec l;
	uint64_t freed[EXT2_EXT_MAX_DEPTH];
	int nfreed = 0, error;

	KASSERT(x->unw && x->lblk <= a && a < b && b <= x->lblk + x->len);
	if (b < x->lblk + x->len) {
		head.len = (uint32_t)(b - x->lblk);
		if ((error = ext_replace(np, &head)) != 0)
			return error;
		tail.lblk = b;
		tail.pblk = x->pblk + (b - x->lblk);
		tail.len = (uint32_t)(x->lblk + x->len - b);
		tail.unw = true;
		if ((error = ext_insert(np, &tail, false)) != 0) {
			(void)ext_replace(np, x);
			return error;
		}
	}
	if (a > x->lblk) {
		head.len = (uint32_t)(a - x->lblk);
		if ((error = ext_replace(np, &head)) != 0)
			return error;
		w.lblk = a;
		w.pblk = x->pblk + (a - x->lblk);
		w.len = (uint32_t)(b - a);
		w.unw = false;
		if ((error = ext_insert(np, &w, true)) != 0) {
			head.len = (uint32_t)(b - x->lblk);
			(void)ext_replace(np, &head);
			return error;
		}
		return 0;
	}
	/* A is X's start: the whole head becomes written. */
	if ((error = ext_path_find(np, x->lblk, &path)) != 0)
		return error;
	lv = &path.lv[path.depth];
	KASSERT(lv->pos >= 0);
	if (lv->pos > 0) {
		ext_get(lv->node, (uint32_t)lv->pos - 1, &l);
		if (!l.unw && l.lblk + l.len == x->lblk &&
		    l.pblk + l.len == x->pblk &&
		    l.len + (b - a) <= EXT_INIT_MAX) {
			l.len += (uint32_t)(b - a);
			ext_put(lv->node, (uint32_t)lv->pos - 1, &l);
			ext_path_delete(&path, lv->pos, freed, &nfreed);
			KASSERT(nfreed == 0);
			ext_path_release(&path);
			return 0;
		}
	}
	head.len = (uint32_t)(b - a);
	head.unw = false;
	ext_put(lv->node, (uint32_t)lv->pos, &head);
	lv->dirty = true;
	ext_path_release(&path);
	return 0;
}

/* ---- allocation ---- */

/*
 * Map [LBLK, LBLK+COUNT) of extent-mapped NP (see ext2fs_balloc).
 * UNWRITTEN (fallocate): holes become unwritten extents and unwritten
 * extents stay; else unwritten extents become written (*NEWP).
 */
int
ext2fs_ext_alloc(struct ext2fs_node *np, uint64_t lblk, uint64_t count,
    bool unwritten, uint64_t *pblkp, uint64_t *runp, bool *newp)
{
	struct ext2fs_mount *ump = np->n_ump;
	struct ext_path path;
	struct ext_level *lv;
	struct ext_rec x = { 0, 0, 0, false }, r;
	uint64_t goal, want, hole_end, pblk, got;
	bool have_left = false;
	int error;

	*newp = false;
	if (count == 0 || lblk >= EXT_LBLK_LIMIT)
		return EFBIG;
	count = MIN(count, EXT_LBLK_LIMIT - lblk);
	if ((error = ext_path_find(np, lblk, &path)) != 0)
		return error;
	lv = &path.lv[path.depth];
	hole_end = path.limit;
	if (lv->pos >= 0) {
		ext_get(lv->node, (uint32_t)lv->pos, &x);
		have_left = true;
		if (lblk < x.lblk + x.len) {
			/* mapped */
			ext_path_release(&path);
			*pblkp = x.pblk + (lblk - x.lblk);
			*runp = MIN(count, x.lblk + x.len - lblk);
			if (!x.unw || unwritten)
				return 0;
			error = ext_convert(np, &x, lblk, lblk + *runp);
			if (error == 0)
				*newp = true;
			return error;
		}
	}
	if ((uint32_t)(lv->pos + 1) < ext_entries(lv->node))
		hole_end = e2_le32(ext_at(lv->node,
		    (uint32_t)(lv->pos + 1))->ee_block);
	ext_path_release(&path);
	KASSERT(hole_end > lblk);

	want = MIN(count, hole_end - lblk);
	want = MIN(want, ext_maxlen(unwritten));
	if (have_left) {
		goal = x.pblk + (lblk - x.lblk);
		/* fill the left extent up to its limit first */
		if (x.lblk + x.len == lblk && x.unw == unwritten &&
		    x.len < ext_maxlen(unwritten))
			want = MIN(want, ext_maxlen(unwritten) - x.len);
	} else
		goal = ext2fs_blkpref(np, lblk);
	error = ext2fs_blkalloc(ump, goal, want, ext2fs_balloc_reserved(ump),
	    &pblk, &got);
	if (error)
		return error;
	KASSERT(got >= 1 && got <= want);
	r.lblk = lblk;
	r.pblk = pblk;
	r.len = (uint32_t)got;
	r.unw = unwritten;
	if ((error = ext_insert(np, &r, true)) != 0) {
		(void)ext2fs_blkfree(ump, pblk, got, false);
		return error;
	}
	np->n_bytes += got << ump->um_bshift;
	np->n_lastalloc = pblk + got - 1;
	*pblkp = pblk;
	*runp = got;
	*newp = true;
	return 0;
}

/* ---- freeing ---- */

static int
ext_free_data(struct ext2fs_node *np, uint64_t pblk, uint64_t len)
{
	int error;

	error = ext2fs_blkfree(np->n_ump, pblk, len, false);
	if (error == 0)
		np->n_bytes -= len << np->n_ump->um_bshift;
	return error;
}

/* While the root holds one index whose child fits in it: pull it up. */
static int
ext_shrink(struct ext2fs_node *np)
{
	struct ext2fs_mount *ump = np->n_ump;
	uint8_t *root = ext_root(np), *node;
	uint32_t d, n;
	uint64_t child;
	struct buf *bp;
	int error;

	for (;;) {
		if ((error = ext2fs_ext_check_node(np, root,
		    EXT2_IBLOCK_BYTES, -1, 0)) != 0)
			return error;
		d = e2_le16(ext_hdr(root)->eh_depth);
		if (d == 0 || ext_entries(root) != 1)
			return 0;
		child = idx_child(root, 0);
		error = ext2fs_bread(ump, child, 0, "extent", np->n_ino, &bp);
		if (error)
			return error;
		node = bp->b_data;
		error = ext2fs_ext_check_node(np, node, ump->um_bsize,
		    (int)d - 1, child);
		if (error) {
			brelse(bp);
			return error;
		}
		n = ext_entries(node);
		if (n > ext_max(root) || n == 0) {
			brelse(bp);
			return 0;
		}
		memset(root + EXT_ENTRY, 0, EXT2_IBLOCK_BYTES - EXT_ENTRY);
		memcpy(root + EXT_ENTRY, node + EXT_ENTRY, n * EXT_ENTRY);
		ext_set_entries(root, n);
		st16(&ext_hdr(root)->eh_depth, d - 1);
		brelse(bp);
		if ((error = ext2fs_blkfree(ump, child, 1, true)) != 0)
			return error;
		np->n_bytes -= ump->um_bsize;
	}
}

/*
 * Extent X (at leaf position POS of PATH) covers both sides of [LO, HI):
 * keep [X, LO), insert [HI, X's end), free the middle.
 */
static int
ext_punch_middle(struct ext2fs_node *np, struct ext_path *pp, int pos,
    const struct ext_rec *x, uint64_t lo, uint64_t hi)
{
	struct ext_level *lv = &pp->lv[pp->depth];
	struct ext_rec head = *x, tail;
	int error;

	head.len = (uint32_t)(lo - x->lblk);
	ext_put(lv->node, (uint32_t)pos, &head);
	lv->dirty = true;
	ext_path_release(pp);
	tail.lblk = hi;
	tail.pblk = x->pblk + (hi - x->lblk);
	tail.len = (uint32_t)(x->lblk + x->len - hi);
	tail.unw = x->unw;
	if ((error = ext_insert(np, &tail, false)) != 0) {
		(void)ext_replace(np, x);
		return error;
	}
	return ext_free_data(np, x->pblk + (lo - x->lblk), hi - lo);
}

/*
 * Free [LO, HI) of extent-mapped NP (HI UINT64_MAX: everything from LO
 * on), from the last extent backwards, then make the tree shallower if
 * it fits.  Caller holds the vnode lock exclusive and a handle.
 */
int
ext2fs_ext_free(struct ext2fs_node *np, uint64_t lo, uint64_t hi)
{
	struct ext_path path;
	struct ext_level *lv;
	struct ext_rec x, y;
	uint64_t freed[EXT2_EXT_MAX_DEPTH], xend;
	int nfreed, pos, error = 0, error2;

	hi = MIN(hi, EXT_LBLK_LIMIT);
	while (lo < hi) {
		if ((error = ext_path_find(np, hi - 1, &path)) != 0)
			return error;
		lv = &path.lv[path.depth];
		pos = lv->pos;
		nfreed = 0;
		if (pos < 0) {
			if (path.before || path.depth == 0) {
				ext_path_release(&path);
				break;
			}
			if (ext_entries(lv->node) == 0) {
				/* an empty leaf (not ours): drop it */
				ext_path_prune(&path, freed, &nfreed);
				ext_path_release(&path);
				if ((error = ext_tree_free(np, freed,
				    nfreed)) != 0)
					return error;
				continue;
			}
			/* nothing here: the mapping below is left of floor */
			hi = MIN(hi, path.floor);
			ext_path_release(&path);
			continue;
		}
		ext_get(lv->node, (uint32_t)pos, &x);
		xend = x.lblk + x.len;
		if (xend <= lo) {
			ext_path_release(&path);
			break;
		}
		if (x.lblk >= lo && xend <= hi) {
			/* the whole extent goes */
			ext_path_delete(&path, pos, freed, &nfreed);
			ext_path_release(&path);
			error = ext_free_data(np, x.pblk, x.len);
			error2 = ext_tree_free(np, freed, nfreed);
			hi = x.lblk;
		} else if (x.lblk < lo && xend <= hi) {
			/* its tail goes */
			y = x;
			y.len = (uint32_t)(lo - x.lblk);
			ext_put(lv->node, (uint32_t)pos, &y);
			lv->dirty = true;
			ext_path_release(&path);
			error = ext_free_data(np, x.pblk + y.len, xend - lo);
			error2 = 0;
			hi = lo;
		} else if (x.lblk >= lo) {
			/* its head goes */
			y = x;
			y.lblk = hi;
			y.pblk = x.pblk + (hi - x.lblk);
			y.len = (uint32_t)(xend - hi);
			ext_put(lv->node, (uint32_t)pos, &y);
			lv->dirty = true;
			if (pos == 0)
				ext_path_fix_keys(&path, path.depth);
			ext_path_release(&path);
			error = ext_free_data(np, x.pblk, hi - x.lblk);
			error2 = 0;
			hi = x.lblk;
		} else {
			/* a hole punched inside it */
			error = ext_punch_middle(np, &path, pos, &x, lo, hi);
			error2 = 0;
			hi = lo;
		}
		if (error == 0)
			error = error2;
		if (error)
			return error;
	}
	return ext_shrink(np);
}

/* ---- bounds ---- */

int
ext2fs_ext_map_end(struct ext2fs_node *np, uint64_t before, uint64_t *endp)
{
	struct ext_path path;
	struct ext_level *lv;
	struct ext_rec x;
	int error;

	*endp = 0;
	before = MIN(before, EXT_LBLK_LIMIT);
	if (before == 0)
		return 0;
	if ((error = ext_path_find(np, before - 1, &path)) != 0)
		return error;
	lv = &path.lv[path.depth];
	if (lv->pos >= 0) {
		ext_get(lv->node, (uint32_t)lv->pos, &x);
		*endp = MIN(x.lblk + x.len, before);
	} else if (!path.before && path.depth > 0) {
		/* nothing in this leaf below BEFORE: all left of floor */
		*endp = MIN(before, path.floor);
	}
	ext_path_release(&path);
	return 0;
}
