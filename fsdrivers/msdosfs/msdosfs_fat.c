/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msdosfs_fat.c -- the file allocation table: reading and writing
 * entries of every copy in step, walking chains safely, the free-cluster
 * bitmap and count, allocating runs of clusters (contiguously where the
 * disk allows), freeing chains, the "clean" bits of FAT[1] and the FAT32
 * FSInfo sector.
 *
 * Buffers.  The FAT is read through the buffer cache in blocks of
 * pm_fatblk bytes from the start of each copy (4 KiB, shorter at the end
 * of a copy; FAT12, at most 6 KiB, is a single block so that no entry
 * straddles two buffers).  A change is made in the copy that is read
 * (the first, or the active one when FAT32 mirroring is off) and the
 * whole block is then copied into every other copy, so the copies stay
 * identical block for block.
 *
 * Every entry read from disk is checked before it is followed: a link
 * must be a valid cluster (2..pm_maxcl) or an end-of-chain mark, and no
 * chain is longer than the cluster count (a loop).  Anything else is
 * EUCLEAN with one log line.
 *
 * Free space.  At mount the whole FAT is scanned into a bitmap (a bit per
 * cluster, set = in use; bad clusters count as in use), which gives the
 * exact free count; FSInfo's count is only a hint that is rewritten at
 * sync and unmount.  Allocation first extends the caller's chain in
 * place (the clusters right after its last one), then looks for one free
 * run long enough for the rest, and only then takes free runs as they
 * come.
 *
 * Locking: everything here runs under pm_fatlock (taken inside each
 * exported function); FAT buffers are busy only while it is held.
 *
 * Exports (msdosfs_node.h): msdosfs_cl_valid, msdosfs_fat_init,
 * msdosfs_fat_fini, msdosfs_fat_get, msdosfs_fat_walk, msdosfs_fat_alloc,
 * msdosfs_runlist_free, msdosfs_fat_free_chain, msdosfs_fat_setclean,
 * msdosfs_fat_isclean, msdosfs_fsinfo_write, msdosfs_fat_nfree.
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/lock.h"

#include "msdosfs_fs.h"
#include "msdosfs_node.h"

/* FAT blocks read ahead while scanning. */
#define FAT_RA	8

bool
msdosfs_cl_valid(const struct msdosfs_mount *pmp, uint32_t cl)
{
	return cl >= CLUST_FIRST && cl <= pmp->pm_maxcl;
}

/* ---- the cursor: one busy FAT block at a time ---- */

struct fatcur {
	struct msdosfs_mount *fc_pmp;
	struct buf	*fc_bp;		/* busy block of the copy read */
	uint32_t	fc_blk;		/* its index */
	bool		fc_dirty;
};

static void
fatcur_init(struct fatcur *fc, struct msdosfs_mount *pmp)
{
	fc->fc_pmp = pmp;
	fc->fc_bp = NULL;
	fc->fc_blk = 0;
	fc->fc_dirty = false;
}

static uint32_t
fat_blksize(const struct msdosfs_mount *pmp, uint32_t blk)
{
	uint64_t start = (uint64_t)blk * pmp->pm_fatblk;

	return (uint32_t)MIN((uint64_t)pmp->pm_fatblk,
	    pmp->pm_fatsize - start);
}

static daddr_t
fat_blkno(const struct msdosfs_mount *pmp, uint32_t copy, uint32_t blk)
{
	return (daddr_t)((pmp->pm_fatoff + copy * pmp->pm_fatsize +
	    (uint64_t)blk * pmp->pm_fatblk) >> DEV_BSHIFT);
}

static uint32_t
fat_readcopy(const struct msdosfs_mount *pmp)
{
	return pmp->pm_mirror ? 0 : pmp->pm_activefat;
}

/* Release the current block, copying it to the other FATs if changed. */
static int
fatcur_release(struct fatcur *fc)
{
	struct msdosfs_mount *pmp = fc->fc_pmp;
	struct buf *bp = fc->fc_bp, *mbp;
	uint32_t copy, size;
	int error = 0, e;

	if (bp == NULL)
		return 0;
	fc->fc_bp = NULL;
	if (!fc->fc_dirty) {
		brelse(bp);
		return 0;
	}
	fc->fc_dirty = false;
	size = fat_blksize(pmp, fc->fc_blk);
	if (pmp->pm_mirror) {
		for (copy = 1; copy < pmp->pm_nfats; copy++) {
			e = getblk(pmp->pm_dev, fat_blkno(pmp, copy,
			    fc->fc_blk), size, &mbp);
			if (e != 0) {
				if (error == 0)
					error = e;
				continue;
			}
			memcpy(mbp->b_data, bp->b_data, size);
			bdwrite(mbp);
		}
	}
	bdwrite(bp);
	return error;
}

/* Make block BLK current, with read-ahead of RA further blocks. */
static int
fatcur_load(struct fatcur *fc, uint32_t blk, int ra)
{
	struct msdosfs_mount *pmp = fc->fc_pmp;
	uint32_t copy = fat_readcopy(pmp), nblks, rasizes[FAT_RA];
	daddr_t rablks[FAT_RA];
	int error, i, n = 0;

	if (fc->fc_bp != NULL && fc->fc_blk == blk)
		return 0;
	if ((error = fatcur_release(fc)) != 0)
		return error;
	nblks = (uint32_t)howmany(pmp->pm_fatsize, pmp->pm_fatblk);
	for (i = 0; i < ra && i < FAT_RA && blk + 1 + (uint32_t)i < nblks;
	    i++, n++) {
		rablks[i] = fat_blkno(pmp, copy, blk + 1 + (uint32_t)i);
		rasizes[i] = fat_blksize(pmp, blk + 1 + (uint32_t)i);
	}
	error = breadn(pmp->pm_dev, fat_blkno(pmp, copy, blk),
	    fat_blksize(pmp, blk), rablks, rasizes, n, &fc->fc_bp);
	if (error != 0) {
		fc->fc_bp = NULL;
		return error;
	}
	fc->fc_blk = blk;
	return 0;
}

/* Byte offset of CL's entry in a FAT. */
static uint64_t
fat_entoff(const struct msdosfs_mount *pmp, uint32_t cl)
{
	switch (pmp->pm_fatbits) {
	case 12:
		return cl + cl / 2;
	case 16:
		return (uint64_t)cl * 2;
	default:
		return (uint64_t)cl * 4;
	}
}

static int
fatcur_get(struct fatcur *fc, uint32_t cl, uint32_t *valp, int ra)
{
	struct msdosfs_mount *pmp = fc->fc_pmp;
	uint64_t off = fat_entoff(pmp, cl);
	const uint8_t *p;
	uint32_t v;
	int error;

	KASSERT(cl <= pmp->pm_maxcl);
	if ((error = fatcur_load(fc, (uint32_t)(off / pmp->pm_fatblk),
	    ra)) != 0)
		return error;
	p = (const uint8_t *)fc->fc_bp->b_data + off % pmp->pm_fatblk;
	switch (pmp->pm_fatbits) {
	case 12:
		v = msdos_get16(p);
		v = (cl & 1) ? v >> 4 : v & FAT12_MASK;
		break;
	case 16:
		v = msdos_get16(p);
		break;
	default:
		v = msdos_get32(p) & FAT32_MASK;
		break;
	}
	*valp = v;
	return 0;
}

static int
fatcur_set(struct fatcur *fc, uint32_t cl, uint32_t val)
{
	struct msdosfs_mount *pmp = fc->fc_pmp;
	uint64_t off = fat_entoff(pmp, cl);
	uint8_t *p;
	int error;

	KASSERT(cl <= pmp->pm_maxcl);
	if ((error = fatcur_load(fc, (uint32_t)(off / pmp->pm_fatblk),
	    0)) != 0)
		return error;
	p = (uint8_t *)fc->fc_bp->b_data + off % pmp->pm_fatblk;
	switch (pmp->pm_fatbits) {
	case 12:
		if (cl & 1) {
			p[0] = (uint8_t)((p[0] & 0x0f) | (val << 4));
			p[1] = (uint8_t)(val >> 4);
		} else {
			p[0] = (uint8_t)val;
			p[1] = (uint8_t)((p[1] & 0xf0) | ((val >> 8) & 0x0f));
		}
		break;
	case 16:
		msdos_put16(p, (uint16_t)val);
		break;
	default:
		msdos_put32(p, (msdos_get32(p) & ~FAT32_MASK) |
		    (val & FAT32_MASK));
		break;
	}
	fc->fc_dirty = true;
	return 0;
}

/* ---- the bitmap (pm_fatlock) ---- */

static bool
bm_isset(const struct msdosfs_mount *pmp, uint32_t cl)
{
	return (pmp->pm_inuse[cl / 64] >> (cl % 64)) & 1;
}

static void
bm_set(struct msdosfs_mount *pmp, uint32_t cl)
{
	pmp->pm_inuse[cl / 64] |= (uint64_t)1 << (cl % 64);
}

static void
bm_clr(struct msdosfs_mount *pmp, uint32_t cl)
{
	pmp->pm_inuse[cl / 64] &= ~((uint64_t)1 << (cl % 64));
}

/* The first free cluster in [FROM, TO], or 0. */
static uint32_t
bm_find_free(const struct msdosfs_mount *pmp, uint32_t from, uint32_t to)
{
	uint64_t w;
	uint32_t cl = from;

	while (cl <= to) {
		w = ~pmp->pm_inuse[cl / 64] >> (cl % 64);
		if (w == 0) {
			cl = (cl | 63) + 1;
			continue;
		}
		cl += (uint32_t)__builtin_ctzll(w);
		return cl <= to ? cl : 0;
	}
	return 0;
}

/* Free clusters from CL on (CL free), at most MAX. */
static uint32_t
bm_free_len(const struct msdosfs_mount *pmp, uint32_t cl, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && cl + n <= pmp->pm_maxcl && !bm_isset(pmp, cl + n))
		n++;
	return n;
}

static size_t
bm_bytes(const struct msdosfs_mount *pmp)
{
	return ((size_t)pmp->pm_maxcl / 64 + 1) * sizeof(uint64_t);
}

/* ---- mount and unmount ---- */

/*
 * Scan the FAT into the free bitmap and count.
 * => Called once at mount, before any vnode exists.
 */
int
msdosfs_fat_init(struct msdosfs_mount *pmp)
{
	struct fatcur fc;
	uint32_t cl, v;
	int error;

	if ((error = mutex_init(&pmp->pm_fatlock)) != 0)
		return error;
	if ((pmp->pm_inuse = kmem_zalloc(bm_bytes(pmp))) == NULL) {
		mutex_destroy(&pmp->pm_fatlock);
		return ENOMEM;
	}
	bm_set(pmp, 0);
	bm_set(pmp, 1);
	pmp->pm_nfree = 0;
	fatcur_init(&fc, pmp);
	for (cl = CLUST_FIRST; cl <= pmp->pm_maxcl; cl++) {
		if ((error = fatcur_get(&fc, cl, &v, FAT_RA)) != 0)
			break;
		if (v == CLUST_FREE)
			pmp->pm_nfree++;
		else
			bm_set(pmp, cl);
	}
	(void)fatcur_release(&fc);
	if (error != 0) {
		msdosfs_fat_fini(pmp);
		return error;
	}
	if (!msdosfs_cl_valid(pmp, pmp->pm_nxtfree))
		pmp->pm_nxtfree = CLUST_FIRST;
	return 0;
}

void
msdosfs_fat_fini(struct msdosfs_mount *pmp)
{
	if (pmp->pm_inuse != NULL)
		kmem_free(pmp->pm_inuse, bm_bytes(pmp));
	pmp->pm_inuse = NULL;
	mutex_destroy(&pmp->pm_fatlock);
}

uint32_t
msdosfs_fat_nfree(struct msdosfs_mount *pmp)
{
	uint32_t n;

	mutex_enter(&pmp->pm_fatlock);
	n = pmp->pm_nfree;
	mutex_exit(&pmp->pm_fatlock);
	return n;
}

/* ---- reading ---- */

int
msdosfs_fat_get(struct msdosfs_mount *pmp, uint32_t cl, uint32_t *valp)
{
	struct fatcur fc;
	int error;

	if (cl > pmp->pm_maxcl)
		return EINVAL;
	mutex_enter(&pmp->pm_fatlock);
	fatcur_init(&fc, pmp);
	error = fatcur_get(&fc, cl, valp, 0);
	(void)fatcur_release(&fc);
	mutex_exit(&pmp->pm_fatlock);
	return error;
}

/*
 * Walk the chain starting at START (a valid cluster), calling FN(ARG,
 * first, length) for each run of consecutive clusters, in order.  FN is
 * called with pm_fatlock held and must not sleep on I/O.
 * => EUCLEAN (logged, naming WHAT) for a link to a free, reserved, bad or
 *    out-of-range cluster, or a chain longer than the cluster count; FN's
 *    error otherwise.
 */
int
msdosfs_fat_walk(struct msdosfs_mount *pmp, uint32_t start,
    int (*fn)(void *arg, uint32_t cl, uint32_t len), void *arg,
    const char *what)
{
	struct fatcur fc;
	uint32_t cl = start, v, rstart = start, rlen = 1, n = 1;
	int error = 0;

	KASSERT(msdosfs_cl_valid(pmp, start));
	mutex_enter(&pmp->pm_fatlock);
	fatcur_init(&fc, pmp);
	for (;;) {
		if ((error = fatcur_get(&fc, cl, &v, 0)) != 0)
			break;
		if (msdosfs_fat_iseoc(pmp, v)) {
			error = fn(arg, rstart, rlen);
			break;
		}
		if (!msdosfs_cl_valid(pmp, v)) {
			error = msdosfs_corrupt(pmp, "%s: cluster %u links to "
			    "bad cluster value 0x%x", what, cl, v);
			break;
		}
		if (++n > pmp->pm_ncl) {
			error = msdosfs_corrupt(pmp, "%s: cluster chain from "
			    "%u loops", what, start);
			break;
		}
		if (v == cl + 1)
			rlen++;
		else {
			if ((error = fn(arg, rstart, rlen)) != 0)
				break;
			rstart = v;
			rlen = 1;
		}
		cl = v;
	}
	(void)fatcur_release(&fc);
	mutex_exit(&pmp->pm_fatlock);
	return error;
}

/* ---- allocation ---- */

static int
runlist_add(struct msdosfs_runlist *rl, uint32_t cl, uint32_t len)
{
	struct msdosfs_run *nr;
	uint32_t ncap;

	if (rl->rl_n > 0 &&
	    rl->rl_runs[rl->rl_n - 1].r_cl + rl->rl_runs[rl->rl_n - 1].r_len ==
	    cl) {
		rl->rl_runs[rl->rl_n - 1].r_len += len;
		return 0;
	}
	if (rl->rl_n == rl->rl_cap) {
		ncap = rl->rl_cap ? rl->rl_cap * 2 : 8;
		if ((nr = kmem_alloc(ncap * sizeof(*nr))) == NULL)
			return ENOMEM;
		if (rl->rl_n > 0)
			memcpy(nr, rl->rl_runs, rl->rl_n * sizeof(*nr));
		if (rl->rl_runs != NULL)
			kmem_free(rl->rl_runs, rl->rl_cap * sizeof(*nr));
		rl->rl_runs = nr;
		rl->rl_cap = ncap;
	}
	rl->rl_runs[rl->rl_n].r_cl = cl;
	rl->rl_runs[rl->rl_n].r_len = len;
	rl->rl_n++;
	return 0;
}

/* Mark the free run [CL, CL+LEN) taken and add it to RL. */
static int
take_run(struct msdosfs_mount *pmp, struct msdosfs_runlist *rl, uint32_t cl,
    uint32_t len)
{
	uint32_t i;
	int error;

	if ((error = runlist_add(rl, cl, len)) != 0)
		return error;
	for (i = 0; i < len; i++) {
		KASSERT(!bm_isset(pmp, cl + i));
		bm_set(pmp, cl + i);
	}
	pmp->pm_nfree -= len;
	return 0;
}

/* A free run of at least WANT clusters, first fit from FROM on, or 0. */
static uint32_t
find_run(const struct msdosfs_mount *pmp, uint32_t from, uint32_t want)
{
	uint32_t lo = from, hi = pmp->pm_maxcl, cl, len;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		cl = lo;
		while (cl <= hi && (cl = bm_find_free(pmp, cl, hi)) != 0) {
			len = bm_free_len(pmp, cl, want);
			if (len >= want)
				return cl;
			cl += len;
		}
		hi = from - 1;
		lo = CLUST_FIRST;
	}
	return 0;
}

/* Choose WANT free clusters (the bitmap has them) into RL. */
static int
alloc_plan(struct msdosfs_mount *pmp, uint32_t lastcl, uint32_t want,
    struct msdosfs_runlist *rl)
{
	uint32_t got = 0, from, cl, len, lo, hi;
	int error, pass;

	/* 1. Right after the chain's last cluster. */
	if (lastcl != 0 && lastcl < pmp->pm_maxcl) {
		len = bm_free_len(pmp, lastcl + 1, want);
		if (len > 0) {
			if ((error = take_run(pmp, rl, lastcl + 1, len)) != 0)
				return error;
			got += len;
		}
	}
	if (got == want)
		return 0;
	from = lastcl != 0 && lastcl < pmp->pm_maxcl ? lastcl + 1 :
	    pmp->pm_nxtfree;
	if (!msdosfs_cl_valid(pmp, from))
		from = CLUST_FIRST;
	/* 2. One run for all the rest. */
	if ((cl = find_run(pmp, from, want - got)) != 0)
		return take_run(pmp, rl, cl, want - got);
	/* 3. Whatever is free, in disk order from FROM. */
	lo = from;
	hi = pmp->pm_maxcl;
	for (pass = 0; pass < 2 && got < want; pass++) {
		cl = lo;
		while (got < want && cl <= hi &&
		    (cl = bm_find_free(pmp, cl, hi)) != 0) {
			len = bm_free_len(pmp, cl, want - got);
			if ((error = take_run(pmp, rl, cl, len)) != 0)
				return error;
			got += len;
			cl += len;
		}
		hi = from - 1;
		lo = CLUST_FIRST;
	}
	KASSERT(got == want);
	return 0;
}

/* Undo alloc_plan's bitmap changes. */
static void
alloc_unplan(struct msdosfs_mount *pmp, struct msdosfs_runlist *rl)
{
	uint32_t i, j;

	for (i = 0; i < rl->rl_n; i++) {
		for (j = 0; j < rl->rl_runs[i].r_len; j++)
			bm_clr(pmp, rl->rl_runs[i].r_cl + j);
		pmp->pm_nfree += rl->rl_runs[i].r_len;
	}
}

void
msdosfs_runlist_free(struct msdosfs_runlist *rl)
{
	if (rl->rl_runs != NULL)
		kmem_free(rl->rl_runs, rl->rl_cap * sizeof(*rl->rl_runs));
	rl->rl_runs = NULL;
	rl->rl_n = rl->rl_cap = 0;
}

/*
 * Allocate WANT clusters and append them to the chain ending at LASTCL (0:
 * a new chain).  With EXACT, all or nothing; otherwise as many as are
 * free (at least one).  The new chain is linked and terminated in every
 * FAT copy; the clusters' contents are not touched.
 * => RL (empty on entry) receives the runs in chain order, *GOTP the
 *    number of clusters; the caller frees RL with msdosfs_runlist_free.
 * => ENOSPC when nothing (or, with EXACT, not everything) is free; ENOMEM;
 *    I/O errors (the FAT may then be partly written).
 */
int
msdosfs_fat_alloc(struct msdosfs_mount *pmp, uint32_t lastcl, uint32_t want,
    bool exact, struct msdosfs_runlist *rlp, uint32_t *gotp)
{
	struct msdosfs_runlist rl = { NULL, 0, 0 };
	struct fatcur fc;
	uint32_t i, j, cl, next, got;
	int error, e;

	*gotp = 0;
	KASSERT(want > 0);
	KASSERT(lastcl == 0 || msdosfs_cl_valid(pmp, lastcl));
	mutex_enter(&pmp->pm_fatlock);
	if (pmp->pm_nfree == 0 || (exact && pmp->pm_nfree < want)) {
		mutex_exit(&pmp->pm_fatlock);
		return ENOSPC;
	}
	got = MIN(want, pmp->pm_nfree);
	if ((error = alloc_plan(pmp, lastcl, got, &rl)) != 0) {
		alloc_unplan(pmp, &rl);
		mutex_exit(&pmp->pm_fatlock);
		msdosfs_runlist_free(&rl);
		return error;
	}
	/* The new chain first, then the link to it. */
	fatcur_init(&fc, pmp);
	for (i = 0; i < rl.rl_n && error == 0; i++) {
		for (j = 0; j < rl.rl_runs[i].r_len; j++) {
			cl = rl.rl_runs[i].r_cl + j;
			if (j + 1 < rl.rl_runs[i].r_len)
				next = cl + 1;
			else if (i + 1 < rl.rl_n)
				next = rl.rl_runs[i + 1].r_cl;
			else
				next = pmp->pm_fatmask;
			if ((error = fatcur_set(&fc, cl, next)) != 0)
				break;
		}
	}
	if (error == 0 && lastcl != 0)
		error = fatcur_set(&fc, lastcl, rl.rl_runs[0].r_cl);
	e = fatcur_release(&fc);
	if (error == 0)
		error = e;
	if (error != 0) {
		alloc_unplan(pmp, &rl);
		mutex_exit(&pmp->pm_fatlock);
		msdosfs_runlist_free(&rl);
		return error;
	}
	cl = rl.rl_runs[rl.rl_n - 1].r_cl + rl.rl_runs[rl.rl_n - 1].r_len;
	pmp->pm_nxtfree = cl <= pmp->pm_maxcl ? cl : CLUST_FIRST;
	pmp->pm_fsinfo_dirty = true;
	mutex_exit(&pmp->pm_fatlock);
	*rlp = rl;
	*gotp = got;
	return 0;
}

/*
 * Free the chain from FIRST to its end; if PREVCL is not 0, it becomes
 * the chain's new end of chain first.
 * => EUCLEAN if the chain is broken (what could be freed is freed).
 */
int
msdosfs_fat_free_chain(struct msdosfs_mount *pmp, uint32_t first,
    uint32_t prevcl)
{
	struct fatcur fc;
	uint32_t cl = first, v, n = 0;
	int error = 0, e;

	KASSERT(msdosfs_cl_valid(pmp, first));
	mutex_enter(&pmp->pm_fatlock);
	fatcur_init(&fc, pmp);
	if (prevcl != 0)
		error = fatcur_set(&fc, prevcl, pmp->pm_fatmask);
	while (error == 0) {
		if ((error = fatcur_get(&fc, cl, &v, 0)) != 0)
			break;
		if (v == CLUST_FREE) {
			error = msdosfs_corrupt(pmp, "freeing chain from %u: "
			    "cluster %u is already free", first, cl);
			break;
		}
		if ((error = fatcur_set(&fc, cl, CLUST_FREE)) != 0)
			break;
		if (bm_isset(pmp, cl)) {
			bm_clr(pmp, cl);
			pmp->pm_nfree++;
		}
		if (msdosfs_fat_iseoc(pmp, v))
			break;
		if (!msdosfs_cl_valid(pmp, v)) {
			error = msdosfs_corrupt(pmp, "freeing chain from %u: "
			    "cluster %u links to bad value 0x%x", first, cl, v);
			break;
		}
		if (++n > pmp->pm_ncl) {
			error = msdosfs_corrupt(pmp, "freeing chain from %u: "
			    "loop", first);
			break;
		}
		cl = v;
	}
	e = fatcur_release(&fc);
	if (error == 0)
		error = e;
	pmp->pm_fsinfo_dirty = true;
	mutex_exit(&pmp->pm_fatlock);
	return error;
}

/* ---- FAT[1] clean bits and FSInfo ---- */

static uint32_t
fat_cleanbits(const struct msdosfs_mount *pmp)
{
	if (pmp->pm_fatbits == 16)
		return FAT16_CLEAN;
	if (pmp->pm_fatbits == 32)
		return FAT32_CLEAN;
	return 0;
}

/* Is FAT[1]'s "clean shutdown" bit set (always true on FAT12)? */
int
msdosfs_fat_isclean(struct msdosfs_mount *pmp, bool *cleanp)
{
	uint32_t v, bit = fat_cleanbits(pmp);
	int error;

	*cleanp = true;
	if (bit == 0)
		return 0;
	if ((error = msdosfs_fat_get(pmp, 1, &v)) != 0)
		return error;
	*cleanp = (v & bit) != 0;
	return 0;
}

/* Set or clear FAT[1]'s "clean shutdown" bit in every copy. */
int
msdosfs_fat_setclean(struct msdosfs_mount *pmp, bool clean)
{
	uint32_t v, bit = fat_cleanbits(pmp);
	struct fatcur fc;
	int error, e;

	if (bit == 0)
		return 0;
	mutex_enter(&pmp->pm_fatlock);
	fatcur_init(&fc, pmp);
	error = fatcur_get(&fc, 1, &v, 0);
	if (error == 0 && ((v & bit) != 0) != clean)
		error = fatcur_set(&fc, 1, clean ? v | bit : v & ~bit);
	e = fatcur_release(&fc);
	mutex_exit(&pmp->pm_fatlock);
	return error != 0 ? error : e;
}

/* Write the free count and next-free hint into FSInfo if they changed. */
int
msdosfs_fsinfo_write(struct msdosfs_mount *pmp)
{
	struct buf *bp;
	uint8_t *p;
	int error;

	if (pmp->pm_fsinfo == 0 || pmp->pm_rdonly)
		return 0;
	mutex_enter(&pmp->pm_fatlock);
	if (!pmp->pm_fsinfo_dirty) {
		mutex_exit(&pmp->pm_fatlock);
		return 0;
	}
	error = bread(pmp->pm_dev, (daddr_t)((pmp->pm_off +
	    (uint64_t)pmp->pm_fsinfo * pmp->pm_bps) >> DEV_BSHIFT),
	    pmp->pm_bps, &bp);
	if (error == 0) {
		p = bp->b_data;
		msdos_put32(p + FSI_FREECOUNT, pmp->pm_nfree);
		msdos_put32(p + FSI_NXTFREE, pmp->pm_nxtfree);
		bdwrite(bp);
		pmp->pm_fsinfo_dirty = false;
	}
	mutex_exit(&pmp->pm_fatlock);
	return error;
}
