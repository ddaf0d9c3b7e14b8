/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_htree_write.c -- inserting into hashed (dir_index) directories.
 *
 * The index (see ext2fs_htree.c): block 0 holds ".", ".." (whose record
 * spans the block), the dx_root_info and a sorted array of (hash, block)
 * pairs whose first slot is the count/limit header; interior nodes are
 * blocks with one empty record spanning them, then the same array.
 * Under metadata_csum an 8-byte dx_tail follows the array's LIMIT slots.
 * indirect_levels interior levels (at most 1, or 2 with largedir) lie
 * between the root and the leaves; every leaf is at the same depth.
 *
 * An insertion walks down to the leaf for the name's hash and puts the
 * entry there if it fits.  Otherwise the leaf is split: its entries,
 * sorted by hash, are cut where the two halves are closest in size; the
 * upper half moves (packed) to a new block appended to the directory --
 * the entries that stay keep their offsets, the moved ones' space joins
 * the record before them, so a readdir cookie (a byte offset) never
 * skips an entry that did not move, and one that moved may only be seen
 * twice (Linux hands out hash cookies instead) -- and that block's index
 * key is the first moved hash, with bit 0 set when the hash below the
 * cut is the same (the "continued" collision bit lookups follow).  The
 * new key goes into the index node after the old leaf's; a full node is
 * split first, in halves, from the highest full level down; a full root
 * moves its entries to a new node below it (one more level).  When the
 * root is full at the deepest level the format allows, the directory
 * stops being indexed: every index block is rewritten as an empty leaf
 * (with a checksum tail) and EXT2_INDEX_FL is cleared -- all entries stay
 * where they are, so the directory simply reads as a linear one.
 *
 * Blocks are allocated before anything is changed: the walk finds how
 * many the insertion needs, they are appended (as empty leaves), then
 * the walk is repeated and the split done in memory, so an allocation
 * failure leaves the index untouched (the appended blocks are freed).
 * The directory's vnode lock (exclusive) keeps the index still meanwhile.
 *
 * A linear directory of one block that fills up is indexed first
 * (ext2fs_htree_index_dir): its entries move to a new leaf, block 1, and
 * block 0 becomes the root.
 *
 * Exports ext2fs_htree_add, ext2fs_htree_find_leaf and
 * ext2fs_htree_index_dir (ext2fs_write.h).
 */
#include "kern/kern.h"
#include "kern/buf.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

#define HX_MAXLEVELS	3	/* root + 2 interior with largedir */
#define HX_ROOT_COFF	(2 * EXT2_DIR_REC_LEN(2) + 8)	/* 32 */
#define HX_NODE_COFF	8
#define HX_MAXNEW	(HX_MAXLEVELS + 1)

/* One index block on the path to a leaf. */
struct hx_frame {
	struct buf	*bp;		/* busy */
	uint64_t	lblk;
	uint32_t	coff;		/* offset of count/limit */
	uint32_t	count, limit;
	uint32_t	at;		/* entry followed */
};

struct hx_path {
	struct ext2fs_node *dnp;
	struct hx_frame	fr[HX_MAXLEVELS];
	int		nfr;		/* indirect_levels + 1 */
	int		maxlevels;	/* 2, or 3 with largedir */
	int		version;	/* hash, signedness resolved */
	uint32_t	hash;		/* of the name */
	struct buf	*leafbp;	/* busy */
	uint64_t	leaf;
};

static void
st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
st32(uint8_t *p, uint32_t v)
{
	e2le32_t le = e2_mkle32(v);

	memcpy(p, &le, sizeof(le));
}

static uint32_t
ld16(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint8_t *
hx_ent(const struct hx_frame *f, uint32_t i)
{
	return (uint8_t *)f->bp->b_data + f->coff + 8 * (size_t)i;
}

static uint32_t
hx_hash(const struct hx_frame *f, uint32_t i)
{
	return i == 0 ? 0 : e2_ld32(hx_ent(f, i));
}

static uint32_t
hx_blk(const struct hx_frame *f, uint32_t i)
{
	return e2_ld32(hx_ent(f, i) + 4) & 0x0fffffff;
}

static void
hx_setcount(struct hx_frame *f)
{
	st16(hx_ent(f, 0) + 2, (uint16_t)f->count);
}

/* Slots of an index block whose array starts at COFF. */
static uint32_t
hx_limit(const struct ext2fs_mount *ump, uint32_t coff)
{
	return (ump->um_bsize - coff - (ump->um_metadata_csum ?
	    sizeof(struct ext2_dx_tail) : 0)) / sizeof(struct ext2_dx_entry);
}

/* Insert (HASH, BLK) at slot I of F (which has room). */
static void
hx_insert(struct hx_frame *f, uint32_t i, uint32_t hash, uint32_t blk)
{
	KASSERT(i >= 1 && i <= f->count && f->count < f->limit);
	memmove(hx_ent(f, i + 1), hx_ent(f, i), 8 * (size_t)(f->count - i));
	st32(hx_ent(f, i), hash);
	st32(hx_ent(f, i) + 4, blk);
	f->count++;
	hx_setcount(f);
}

/* Last entry whose hash is <= HASH. */
static uint32_t
hx_search(const struct hx_frame *f, uint32_t hash)
{
	uint32_t lo = 1, hi = f->count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (hx_hash(f, mid) <= hash)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

static void
hx_release(struct hx_path *p)
{
	int i;

	for (i = 0; i < HX_MAXLEVELS; i++)
		if (p->fr[i].bp != NULL) {
			brelse(p->fr[i].bp);
			p->fr[i].bp = NULL;
		}
	if (p->leafbp != NULL) {
		brelse(p->leafbp);
		p->leafbp = NULL;
	}
}

static int
hx_unusable(struct ext2fs_node *dnp, uint64_t lblk, const char *why)
{
	klog(KLOG_WARN, "ext2fs: %s: directory inode %llu: htree block %llu: "
	    "%s; indexing stops", dnp->n_ump->um_mp->mnt_source,
	    (unsigned long long)dnp->n_ino, (unsigned long long)lblk, why);
	return EAGAIN;
}

/* Read index block LBLK (array at COFF) into F.  EAGAIN: not usable. */
static int
hx_load(struct ext2fs_node *dnp, uint64_t lblk, uint32_t coff,
    struct hx_frame *f)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	const uint8_t *cl;
	bool dx;
	int error;

	f->bp = NULL;
	f->lblk = lblk;
	f->coff = coff;
	if (lblk >= (dnp->n_size >> ump->um_bshift))
		return hx_unusable(dnp, lblk, "past the end");
	if ((error = ext2fs_dir_getblk(dnp, lblk, &f->bp, &dx, NULL)) != 0)
		return error;
	if (f->bp == NULL || !dx) {
		if (f->bp != NULL)
			brelse(f->bp);
		f->bp = NULL;
		return hx_unusable(dnp, lblk, "not an index block");
	}
	cl = (const uint8_t *)f->bp->b_data + coff;
	f->limit = ld16(cl);
	f->count = ld16(cl + 2);
	if (f->limit != hx_limit(ump, coff) || f->count == 0 ||
	    f->count > f->limit) {
		brelse(f->bp);
		f->bp = NULL;
		return hx_unusable(dnp, lblk, "bad count or limit");
	}
	return 0;
}

/*
 * Is block LBLK of the directory one that P holds busy (an index loop,
 * or two blocks mapped to one)?  Reading it would wait forever.
 */
static bool
hx_held(const struct hx_path *p, uint64_t lblk)
{
	struct ext2fs_mount *ump = p->dnp->n_ump;
	uint64_t pblk, run;
	int i;

	if (ext2fs_bmap(p->dnp, lblk, &pblk, &run) != 0 || pblk == 0)
		return false;	/* the read reports it */
	for (i = 0; i < p->nfr; i++)
		if (p->fr[i].lblk == lblk || (p->fr[i].bp != NULL &&
		    p->fr[i].bp->b_blkno == EXT2_FSBTODB(ump, pblk)))
			return true;
	return false;
}

/*
 * Walk from the root to the leaf for NAME: P's frames and leaf busy.
 * EAGAIN when the index cannot be used (then nothing is held).
 */
static int
hx_walk(struct hx_path *p, struct ext2fs_node *dnp, const char *name,
    size_t len)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	const struct ext2_dx_root_info *info;
	uint64_t nblks = dnp->n_size >> ump->um_bshift;
	struct hx_frame *f;
	int error, levels;
	bool dx;

	memset(p, 0, sizeof(*p));
	p->dnp = dnp;
	p->maxlevels = EXT2_HAS_INCOMPAT(ump, EXT2F_INCOMPAT_LARGEDIR) ?
	    3 : 2;
	if ((error = hx_load(dnp, 0, HX_ROOT_COFF, &p->fr[0])) != 0)
		return error;
	p->nfr = 1;
	info = (const struct ext2_dx_root_info *)
	    ((uint8_t *)p->fr[0].bp->b_data + 2 * EXT2_DIR_REC_LEN(2));
	levels = info->indirect_levels;
	p->version = info->hash_version;
	if (p->version <= EXT2_HTREE_TEA && ump->um_hash_unsigned)
		p->version += 3;
	if (e2_le32(info->reserved_zero) != 0 || info->info_length != 8 ||
	    (info->unused_flags & 1) != 0 || levels >= p->maxlevels ||
	    ext2fs_dirhash(p->version, ump->um_hash_seed, name, len,
	    &p->hash, NULL) != 0) {
		error = hx_unusable(dnp, 0, "unsupported root");
		goto out;
	}
	for (;;) {
		f = &p->fr[p->nfr - 1];
		f->at = hx_search(f, p->hash);
		if (p->nfr > levels)
			break;
		if (hx_held(p, hx_blk(f, f->at))) {
			error = hx_unusable(dnp, f->lblk, "index loop");
			goto out;
		}
		if ((error = hx_load(dnp, hx_blk(f, f->at), HX_NODE_COFF,
		    &p->fr[p->nfr])) != 0)
			goto out;
		p->nfr++;
	}
	p->leaf = hx_blk(f, f->at);
	if (p->leaf == 0 || p->leaf >= nblks || hx_held(p, p->leaf)) {
		error = hx_unusable(dnp, f->lblk, "bad leaf block");
		goto out;
	}
	if ((error = ext2fs_dir_getblk(dnp, p->leaf, &p->leafbp, &dx,
	    NULL)) != 0)
		goto out;
	/* Without checksums an empty leaf looks like an index node. */
	if (p->leafbp == NULL || (dx && ump->um_metadata_csum)) {
		error = hx_unusable(dnp, p->leaf, "leaf is an index block");
		goto out;
	}
	return 0;
out:
	hx_release(p);
	return error;
}

int
ext2fs_htree_find_leaf(struct ext2fs_node *dnp, const char *name,
    size_t len, uint64_t *lblkp)
{
	struct hx_path p;
	int error;

	if ((error = hx_walk(&p, dnp, name, len)) != 0)
		return error;
	*lblkp = p.leaf;
	hx_release(&p);
	return 0;
}

/* ---- leaf split ---- */

struct hx_rec {
	uint32_t	hash;
	uint32_t	off;		/* in the old leaf */
	uint32_t	size;		/* EXT2_DIR_REC_LEN of the name */
};

static bool
hx_rec_less(const struct hx_rec *a, const struct hx_rec *b)
{
	return a->hash < b->hash || (a->hash == b->hash && a->off < b->off);
}

/* Shell sort by (hash, offset): no libc here, n < 5500. */
static void
hx_sort(struct hx_rec *r, uint32_t n)
{
	static const uint32_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
	struct hx_rec t;
	uint32_t g, i, j, gap;

	for (g = 0; g < __arraycount(gaps); g++) {
		gap = gaps[g];
		for (i = gap; i < n; i++) {
			t = r[i];
			for (j = i; j >= gap && hx_rec_less(&t, &r[j - gap]);
			    j -= gap)
				r[j] = r[j - gap];
			r[j] = t;
		}
	}
}

/* Write records R[0, N) of SRC packed into leaf block DST. */
static void
hx_pack(const struct ext2fs_node *dnp, uint8_t *dst, const uint8_t *src,
    const struct hx_rec *r, uint32_t n)
{
	const struct ext2fs_mount *ump = dnp->n_ump;
	size_t area = ext2fs_dir_area(dnp, false), off = 0;
	struct ext2_dirent *de;
	uint32_t i;

	memset(dst, 0, ump->um_bsize);
	de = (struct ext2_dirent *)dst;
	for (i = 0; i < n; i++) {
		de = (struct ext2_dirent *)(dst + off);
		memcpy(de, src + r[i].off, r[i].size);
		ext2fs_rec_len_set(ump, &de->rec_len, r[i].size);
		off += r[i].size;
	}
	/* the last record (or an empty one) takes the rest */
	if (n > 0)
		off -= r[n - 1].size;
	ext2fs_rec_len_set(ump, &de->rec_len, area - off);
}

/* A leaf split worked out before anything changes. */
struct hx_split {
	uint8_t		*copy;		/* the old leaf */
	struct hx_rec	*r;		/* its entries, sorted */
	size_t		rsize;		/* bytes of r */
	uint8_t		*moved;		/* [off / 4]: moves */
	size_t		msize;		/* bytes of moved */
	uint32_t	n, split;	/* r[split..n) move */
	uint32_t	hash2;		/* new leaf's key, bit 0 */
};

static void
hx_split_free(const struct ext2fs_mount *ump, struct hx_split *sp)
{
	if (sp->r != NULL)
		kmem_free(sp->r, sp->rsize);
	if (sp->moved != NULL)
		kmem_free(sp->moved, sp->msize);
	sp->moved = NULL;
	if (sp->copy != NULL)
		kmem_free(sp->copy, ump->um_bsize);
	sp->r = NULL;
	sp->copy = NULL;
}

/*
 * Plan the split of leaf P->leafbp: its entries sorted by hash, cut
 * where the halves are closest in size.
 */
static int
hx_split_plan(struct hx_path *p, struct hx_split *sp)
{
	struct ext2fs_node *dnp = p->dnp;
	struct ext2fs_mount *ump = dnp->n_ump;
	size_t area = ext2fs_dir_area(dnp, false), off;
	uint32_t i, nl, total = 0, pre, best, d;
	const struct ext2_dirent *de;
	struct hx_rec *r;
	int error;

	memset(sp, 0, sizeof(*sp));
	sp->rsize = sizeof(*r) * (area / EXT2_DIR_REC_LEN(1));
	sp->msize = area / 4;
	sp->copy = kmem_alloc(ump->um_bsize);
	sp->r = r = kmem_alloc(sp->rsize);
	sp->moved = kmem_zalloc(sp->msize);
	if (sp->copy == NULL || r == NULL || sp->moved == NULL) {
		error = ENOMEM;
		goto out_free;
	}
	memcpy(sp->copy, p->leafbp->b_data, ump->um_bsize);
	for (off = 0; off < area; off += ext2fs_rec_len(ump, de->rec_len)) {
		de = (const struct ext2_dirent *)(sp->copy + off);
		if (e2_le32(de->inode) == 0)
			continue;
		nl = ext2fs_dirent_namelen(ump, de);
		if (ext2fs_dirhash(p->version, ump->um_hash_seed, de->name,
		    nl, &r[sp->n].hash, NULL) != 0) {
			error = EAGAIN;
			goto out_free;
		}
		r[sp->n].off = (uint32_t)off;
		r[sp->n].size = EXT2_DIR_REC_LEN(nl);
		total += r[sp->n].size;
		sp->n++;
	}
	if (sp->n < 2) {
		error = ENOSPC;	/* cannot be: a block holds two names */
		goto out_free;
	}
	hx_sort(r, sp->n);
	sp->split = 1;
	best = UINT32_MAX;
	for (i = 1, pre = r[0].size; i < sp->n; pre += r[i].size, i++) {
		d = 2 * pre > total ? 2 * pre - total : total - 2 * pre;
		if (d < best) {
			best = d;
			sp->split = i;
		}
	}
	sp->hash2 = r[sp->split].hash;
	if (r[sp->split - 1].hash == sp->hash2)
		sp->hash2 |= 1;
	for (i = sp->split; i < sp->n; i++)
		sp->moved[r[i].off / 4] = 1;
	return 0;

out_free:
	hx_split_free(ump, sp);
	return error;
}

/*
 * Do planned split SP: the upper half goes to NBP, logical block NLBLK,
 * whose key goes into the bottom frame after the old leaf's.  The
 * entries that stay keep their offsets (the moved ones are removed as
 * ext2fs_dir_remove would), so a readdir cookie in the old leaf never
 * skips one of them; the moved ones go to a later block.
 */
static void
hx_split_do(struct hx_path *p, struct hx_split *sp, struct buf *nbp,
    uint64_t nlblk)
{
	const struct ext2fs_mount *ump = p->dnp->n_ump;
	struct hx_frame *f = &p->fr[p->nfr - 1];
	size_t area = ext2fs_dir_area(p->dnp, false), off, prev, reclen;
	uint8_t *data = p->leafbp->b_data;
	struct ext2_dirent *de, *pde;

	hx_pack(p->dnp, nbp->b_data, sp->copy, sp->r + sp->split,
	    sp->n - sp->split);
	for (off = 0, prev = SIZE_MAX; off < area; off += reclen) {
		de = (struct ext2_dirent *)(data + off);
		reclen = ext2fs_rec_len(ump, de->rec_len);
		if (!sp->moved[off / 4]) {
			prev = off;
			continue;
		}
		if (prev == SIZE_MAX) {
			de->inode = e2_mkle32(0);
			prev = off;
		} else {
			pde = (struct ext2_dirent *)(data + prev);
			ext2fs_rec_len_set(ump, &pde->rec_len,
			    ext2fs_rec_len(ump, pde->rec_len) + reclen);
		}
	}
	hx_insert(f, f->at + 1, sp->hash2, (uint32_t)nlblk);
}

/* ---- index growth ---- */

/* Make NBP an empty interior node with COUNT entries copied from SRC. */
static void
hx_node_init(struct ext2fs_node *dnp, struct buf *nbp, const uint8_t *src,
    uint32_t count, struct hx_frame *nf, uint64_t nlblk)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	struct ext2_dirent *de = nbp->b_data;

	memset(nbp->b_data, 0, ump->um_bsize);
	ext2fs_rec_len_set(ump, &de->rec_len, ump->um_bsize);
	nf->bp = nbp;
	nf->lblk = nlblk;
	nf->coff = HX_NODE_COFF;
	nf->limit = hx_limit(ump, HX_NODE_COFF);
	nf->count = count;
	memcpy(hx_ent(nf, 0), src, 8 * (size_t)count);
	st16(hx_ent(nf, 0), (uint16_t)nf->limit);
	hx_setcount(nf);
}

/*
 * Make room in the bottom index frame: full levels K..bottom are split
 * (a full root first pushes its entries one level down), using the new
 * blocks NB[*NUSED...].  Buffers that left the path go to EXTRA.
 */
static void
hx_grow(struct hx_path *p, int k, struct buf **nb, const uint64_t *nlblk,
    int *nused, struct buf **extra, int *nextra)
{
	struct ext2fs_node *dnp = p->dnp;
	struct ext2_dx_root_info *info;
	struct hx_frame *f, *par, nf;
	uint32_t n1, key;
	int j;

	if (k == 0) {
		/* A new level: the root's entries move to a new node. */
		KASSERT(p->nfr < p->maxlevels);
		f = &p->fr[0];
		memmove(&p->fr[2], &p->fr[1],
		    sizeof(p->fr[0]) * (size_t)(p->nfr - 1));
		hx_node_init(dnp, nb[*nused], hx_ent(f, 0), f->count,
		    &p->fr[1], nlblk[*nused]);
		p->fr[1].at = f->at;
		(*nused)++;
		memset(hx_ent(f, 1), 0, 8 * (size_t)(f->limit - 1));
		f->count = 1;
		f->at = 0;
		hx_setcount(f);
		st32(hx_ent(f, 0) + 4, (uint32_t)p->fr[1].lblk);
		info = (struct ext2_dx_root_info *)((uint8_t *)f->bp->b_data +
		    2 * EXT2_DIR_REC_LEN(2));
		info->indirect_levels++;
		p->nfr++;
		k = 2;
	}
	for (j = k; j < p->nfr; j++) {
		f = &p->fr[j];
		par = &p->fr[j - 1];
		KASSERT(f->count == f->limit && par->count < par->limit);
		n1 = f->count / 2;
		key = hx_hash(f, n1);
		hx_node_init(dnp, nb[*nused], hx_ent(f, n1), f->count - n1,
		    &nf, nlblk[*nused]);
		(*nused)++;
		memset(hx_ent(f, n1), 0, 8 * (size_t)(f->limit - n1));
		f->count = n1;
		hx_setcount(f);
		hx_insert(par, par->at + 1, key, (uint32_t)nf.lblk);
		if (f->at >= n1) {
			nf.at = f->at - n1;
			extra[(*nextra)++] = f->bp;
			*f = nf;
			par->at++;
		} else
			extra[(*nextra)++] = nf.bp;
	}
}

/* Checksum and journal index block BP (array at COFF). */
static void
hx_dirty_index(struct ext2fs_node *dnp, struct buf *bp, uint32_t coff)
{
	if (dnp->n_ump->um_metadata_csum)
		ext2fs_dx_csum_set(dnp, bp->b_data, coff);
	ext2fs_trans_dirty(dnp->n_ump, bp);
}

static void
hx_dirty_leaf(struct ext2fs_node *dnp, struct buf *bp)
{
	ext2fs_dirblk_tail(dnp, bp->b_data);
	ext2fs_trans_dirty(dnp->n_ump, bp);
}

/* ---- giving up the index ---- */

/*
 * Rewrite every index block of DNP as an empty leaf and clear
 * EXT2_INDEX_FL: the directory becomes a linear one with the same
 * entries.
 */
static int
hx_fallback(struct ext2fs_node *dnp)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	uint64_t lblk, nblks = dnp->n_size >> ump->um_bshift, hole;
	size_t area = ext2fs_dir_area(dnp, false), keep;
	struct ext2_dirent *de;
	struct buf *bp;
	uint8_t *data;
	bool dx;
	int error;

	klog(KLOG_INFO, "ext2fs: %s: directory inode %llu: index full or "
	    "unusable, continuing unindexed", ump->um_mp->mnt_source,
	    (unsigned long long)dnp->n_ino);
	for (lblk = 0; lblk < nblks; lblk++) {
		if ((error = ext2fs_dir_getblk(dnp, lblk, &bp, &dx,
		    &hole)) != 0)
			return error;
		if (bp == NULL) {
			lblk += hole - 1;
			continue;
		}
		if (!dx) {
			brelse(bp);
			continue;
		}
		data = bp->b_data;
		/* block 0 keeps "." and ".."; the last record spans */
		keep = lblk == 0 ? 2 * EXT2_DIR_REC_LEN(2) : 0;
		memset(data + keep, 0, ump->um_bsize - keep);
		de = (struct ext2_dirent *)(data + (lblk == 0 ?
		    EXT2_DIR_REC_LEN(1) : 0));
		ext2fs_rec_len_set(ump, &de->rec_len,
		    area - (lblk == 0 ? EXT2_DIR_REC_LEN(1) : 0));
		hx_dirty_leaf(dnp, bp);
	}
	dnp->n_flags &= ~EXT2_INDEX_FL;
	return ext2fs_node_update(dnp);
}

/* ---- indexing a linear directory ---- */

/*
 * => DNP locked exclusive, inside a handle: a linear directory of one
 *    full block.  Its entries move (packed) to a new block 1, and block
 *    0 becomes the root of an index with that one leaf, hashed with the
 *    superblock's default hash, as Linux does when such a directory
 *    grows.  EAGAIN (nothing changed) when it cannot be: "." and ".."
 *    not first, or a default hash this driver does not implement.
 */
int
ext2fs_htree_index_dir(struct ext2fs_node *dnp)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	size_t area = ext2fs_dir_area(dnp, false), off, noff;
	struct ext2_dx_root_info *info;
	struct buf *bp0, *bp1;
	struct ext2_dirent *de;
	struct hx_frame root;
	uint32_t reclen, nl, dotdot;
	uint8_t version = ump->um_sb.s_def_hash_version;
	uint64_t lblk;
	uint8_t *d0, *d1;
	bool dx;
	int error;

	if (dnp->n_size != ump->um_bsize || (dnp->n_flags & EXT2_INDEX_FL) ||
	    !EXT2_HAS_COMPAT(ump, EXT2F_COMPAT_DIR_INDEX) ||
	    version > EXT2_HTREE_TEA)
		return EAGAIN;
	if ((error = ext2fs_dir_getblk(dnp, 0, &bp0, &dx, NULL)) != 0)
		return error;
	if (bp0 == NULL)
		return EAGAIN;
	d0 = bp0->b_data;
	de = (struct ext2_dirent *)d0;
	dotdot = ext2fs_rec_len(ump, de->rec_len);
	if (ext2fs_dirent_namelen(ump, de) != 1 || de->name[0] != '.' ||
	    dotdot != EXT2_DIR_REC_LEN(1)) {
		brelse(bp0);
		return EAGAIN;
	}
	de = (struct ext2_dirent *)(d0 + dotdot);
	if (ext2fs_dirent_namelen(ump, de) != 2 || de->name[0] != '.' ||
	    de->name[1] != '.' || e2_le32(de->inode) == 0) {
		brelse(bp0);
		return EAGAIN;
	}
	if ((error = ext2fs_dir_appendblk(dnp, &lblk, &bp1)) != 0) {
		brelse(bp0);
		return error;
	}
	KASSERT(lblk == 1);
	/* Block 1: the entries after "..", packed. */
	d1 = bp1->b_data;
	de = NULL;
	noff = 0;
	for (off = dotdot + ext2fs_rec_len(ump,
	    ((struct ext2_dirent *)(d0 + dotdot))->rec_len); off < area;
	    off += reclen) {
		reclen = ext2fs_rec_len(ump,
		    ((struct ext2_dirent *)(d0 + off))->rec_len);
		if (e2_le32(((struct ext2_dirent *)(d0 + off))->inode) == 0)
			continue;
		nl = ext2fs_dirent_namelen(ump,
		    (struct ext2_dirent *)(d0 + off));
		de = (struct ext2_dirent *)(d1 + noff);
		memcpy(de, d0 + off, EXT2_DIR_REC_LEN(nl));
		ext2fs_rec_len_set(ump, &de->rec_len, EXT2_DIR_REC_LEN(nl));
		noff += EXT2_DIR_REC_LEN(nl);
	}
	if (de != NULL)
		ext2fs_rec_len_set(ump, &de->rec_len,
		    area - ((uint8_t *)de - d1));
	/* Block 0: ".", ".." spanning the block, the root info, one leaf. */
	de = (struct ext2_dirent *)(d0 + EXT2_DIR_REC_LEN(1));
	ext2fs_rec_len_set(ump, &de->rec_len,
	    ump->um_bsize - EXT2_DIR_REC_LEN(1));
	memset(d0 + 2 * EXT2_DIR_REC_LEN(2), 0,
	    ump->um_bsize - 2 * EXT2_DIR_REC_LEN(2));
	info = (struct ext2_dx_root_info *)(d0 + 2 * EXT2_DIR_REC_LEN(2));
	info->hash_version = version;
	info->info_length = 8;
	root.bp = bp0;
	root.coff = HX_ROOT_COFF;
	root.limit = hx_limit(ump, HX_ROOT_COFF);
	root.count = 1;
	st16(hx_ent(&root, 0), (uint16_t)root.limit);
	hx_setcount(&root);
	st32(hx_ent(&root, 0) + 4, 1);
	dnp->n_flags |= EXT2_INDEX_FL;
	hx_dirty_index(dnp, bp0, HX_ROOT_COFF);
	hx_dirty_leaf(dnp, bp1);
	return 0;
}

/* ---- insertion ---- */

/*
 * Split along walked path P (whose leaf is full) with the NNEW blocks
 * NB (busy, appended) and insert the name; *DONEP false when it still
 * did not fit (the caller walks again).  Consumes every buffer; on an
 * error nothing has changed (the caller frees the new blocks).
 */
static int
hx_split_insert(struct hx_path *p, int k, struct buf **nb,
    const uint64_t *nlblk, int nnew, const char *name, size_t len,
    ino64_t ino, uint8_t ftype, bool *donep)
{
	struct ext2fs_node *dnp = p->dnp;
	struct buf *extra[HX_MAXNEW], *target;
	int nused = 0, nextra = 0, i, error;
	struct hx_split sp;

	if ((error = hx_split_plan(p, &sp)) != 0) {
		hx_release(p);
		for (i = 0; i < nnew; i++)
			brelse(nb[i]);
		return error;
	}
	if (k < p->nfr)
		hx_grow(p, k, nb, nlblk, &nused, extra, &nextra);
	KASSERT(nused == nnew - 1);
	hx_split_do(p, &sp, nb[nused], nlblk[nused]);
	target = p->hash >= sp.hash2 ? nb[nused] : p->leafbp;
	*donep = ext2fs_dirblk_insert(dnp, target->b_data,
	    ext2fs_dir_area(dnp, false), name, len, ino, ftype);
	if (!*donep && target == p->leafbp) {
		/* its free space is in pieces too small: pack it (rare) */
		hx_pack(dnp, p->leafbp->b_data, sp.copy, sp.r, sp.split);
		*donep = ext2fs_dirblk_insert(dnp, target->b_data,
		    ext2fs_dir_area(dnp, false), name, len, ino, ftype);
	}
	hx_split_free(dnp->n_ump, &sp);
	for (i = 0; i < p->nfr; i++) {
		hx_dirty_index(dnp, p->fr[i].bp, p->fr[i].coff);
		p->fr[i].bp = NULL;
	}
	for (i = 0; i < nextra; i++)
		hx_dirty_index(dnp, extra[i], HX_NODE_COFF);
	hx_dirty_leaf(dnp, p->leafbp);
	p->leafbp = NULL;
	hx_dirty_leaf(dnp, nb[nused]);
	return 0;
}

/*
 * => DNP locked exclusive, inside a handle, an indexed directory.
 * => EAGAIN: the directory is not indexed (any more): add linearly.
 */
int
ext2fs_htree_add(struct ext2fs_node *dnp, const char *name, size_t len,
    ino64_t ino, uint8_t ftype)
{
	struct ext2fs_mount *ump = dnp->n_ump;
	struct buf *nb[HX_MAXNEW];
	uint64_t nlblk[HX_MAXNEW], oldsize;
	struct hx_path p;
	int error, tries, k, nnew, i;
	bool done;

	for (tries = 0; tries < 4; tries++) {
		if ((error = hx_walk(&p, dnp, name, len)) != 0)
			goto out_err;
		if (ext2fs_dirblk_insert(dnp, p.leafbp->b_data,
		    ext2fs_dir_area(dnp, false), name, len, ino, ftype)) {
			hx_dirty_leaf(dnp, p.leafbp);
			p.leafbp = NULL;
			hx_release(&p);
			return 0;
		}
		/* Levels k..bottom are full. */
		for (k = p.nfr - 1; k >= 0 && p.fr[k].count == p.fr[k].limit;
		    k--)
			;
		k++;
		if (k == 0 && p.nfr >= p.maxlevels) {
			hx_release(&p);
			error = EAGAIN;		/* index full */
			goto out_err;
		}
		nnew = 1 + (p.nfr - k);
		hx_release(&p);

		oldsize = dnp->n_size;
		for (i = 0; i < nnew; i++)
			if ((error = ext2fs_dir_appendblk(dnp, &nlblk[i],
			    &nb[i])) != 0)
				goto out_free;
		if ((error = hx_walk(&p, dnp, name, len)) != 0)
			goto out_free;
		done = false;
		error = hx_split_insert(&p, k, nb, nlblk, nnew, name, len,
		    ino, ftype, &done);
		if (error != 0) {
			i = 0;		/* the buffers are released */
			goto out_free;
		}
		if (done)
			return 0;
	}
	return ENOSPC;

out_free:
	while (i-- > 0)
		brelse(nb[i]);
	/* the new blocks are unreferenced empty leaves: drop them */
	(void)ext2fs_bfree_range(dnp, oldsize >> ump->um_bshift, UINT64_MAX);
	dnp->n_size = oldsize;
out_err:
	if (error == EAGAIN && (error = hx_fallback(dnp)) == 0)
		error = EAGAIN;
	return error;
}
