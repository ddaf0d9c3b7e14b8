/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_alloc.c -- allocating and freeing blocks, fragments and inodes in
 * cylinder groups, with FFS's placement policy:
 *
 *   - data goes near the previous block of the same file
 *     (ffs_blkpref), else into the file's inode's group; after every
 *     fs_maxbpg blocks of indirect-mapped data the file moves on to a
 *     group with more than the average number of free blocks, so one
 *     big file does not fill a group;
 *   - a fragment request is served from the smallest free run that
 *     fits (the group's cg_frsum says which sizes exist), else by
 *     splitting a free block;
 *   - a growing last fragment is extended in place when the fragments
 *     after it are free (ffs_realloccg), else moved: to a fragment run
 *     of the new size (fs_optim "space") or to a full block whose
 *     unused tail is given back (fs_optim "time"), so that it can grow
 *     in place next time;
 *   - a new directory goes to a group chosen to spread directories: a
 *     top-level one to a group with few directories and enough free
 *     inodes and blocks, a deeper one near its parent unless that group
 *     is crowded (ffs_dirpref); other files go to their directory's
 *     group;
 *   - when the preferred group cannot serve, the others are tried by
 *     quadratic rehash, then one by one (ffs_hashalloc).
 *
 * Every change to a group's maps goes through ffs_cg_setfrags (or, for
 * inodes, the code here), which keeps cg_cs, cg_frsum, the cluster map,
 * the summary (um_cs) and the totals (um_cstotal) exact.  um_lock is
 * held across the whole of an allocation or free; it protects all of
 * that state and is the only lock under which group buffers are taken.
 *
 * Exports ffs_blkpref, ffs_alloc, ffs_realloccg, ffs_blkfree,
 * ffs_valloc, ffs_vfree.
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ffs_fs.h"
#include "ffs_node.h"

/* An allocator for one group: its result (0: nothing there). */
typedef int64_t (*ffs_cgalloc_t)(struct ffs_mount *ump, uint32_t c,
    int64_t pref, uint32_t arg);

/* Free fragments beyond the reserve (negative: into it). */
static int64_t
ffs_freespace(const struct ffs_mount *ump)
{
	int64_t free = (ump->um_cstotal.cs_nbfree << ump->um_fragshift) +
	    ump->um_cstotal.cs_nffree;

	return free - ump->um_dsize * (int64_t)ump->um_minfree / 100;
}

/*
 * Try group ICG, then quadratic rehash, then every group in turn.
 * um_lock held.
 */
static int64_t
ffs_hashalloc(struct ffs_mount *ump, uint32_t icg, int64_t pref,
    uint32_t arg, ffs_cgalloc_t fn)
{
	uint32_t c, i, ncg = ump->um_ncg;
	int64_t r;

	KASSERT(mutex_owned(&ump->um_lock));
	if ((r = fn(ump, icg, pref, arg)) != 0)
		return r;
	for (c = icg, i = 1; i < ncg; i *= 2) {
		c += i;
		if (c >= ncg)
			c -= ncg;
		if ((r = fn(ump, c, 0, arg)) != 0)
			return r;
	}
	c = (icg + 2) % ncg;
	for (i = 2; i < ncg; i++) {
		if ((r = fn(ump, c, 0, arg)) != 0)
			return r;
		if (++c == ncg)
			c = 0;
	}
	return 0;
}

/* ---- blocks and fragments ---- */

int64_t
ffs_blkpref(struct ffs_inode *ip, int64_t lbn, int64_t indx, int64_t prev)
{
	struct ffs_mount *ump = ip->i_ump;
	uint32_t c, start, avg;
	int64_t pref = 0;

	if (indx > 0 && prev != 0 && indx % ump->um_maxbpg != 0)
		return prev + ump->um_frag;	/* lay out contiguously */
	mutex_enter(&ump->um_lock);
	if (lbn < FFS_NDADDR + (int64_t)ump->um_nindir) {
		pref = ffs_cgdmin(ump, ffs_ino_to_cg(ump, ip->i_number));
		goto out;
	}
	/* Every maxbpg blocks: a group with more than average free. */
	if (indx == 0 || prev == 0)
		start = (uint32_t)((ffs_ino_to_cg(ump, ip->i_number) +
		    (uint64_t)lbn / ump->um_maxbpg) % ump->um_ncg);
	else
		start = (ffs_dtog(ump, prev) + 1) % ump->um_ncg;
	avg = (uint32_t)(ump->um_cstotal.cs_nbfree / ump->um_ncg);
	for (c = start;;) {
		if ((uint32_t)ump->um_cs[c].cs_nbfree >= avg &&
		    ump->um_cs[c].cs_nbfree > 0) {
			pref = ffs_cgdmin(ump, c);
			break;
		}
		if (++c == ump->um_ncg)
			c = 0;
		if (c == start)
			break;
	}
out:
	mutex_exit(&ump->um_lock);
	return pref;
}

/*
 * Find a free run in group CG (header at CGP, group C) for ALLOCSIZ
 * fragments, searching from PREF's block (relative) onwards and
 * wrapping.  A run of exactly ALLOCSIZ is taken if there is one
 * (ALLOCSIZ == frag: a free block), else the first that is longer.
 * Returns the relative fragment, or -1.
 */
static int64_t
ffs_mapsearch(struct ffs_mount *ump, struct ffs_cg *cg, uint32_t start,
    uint32_t allocsiz)
{
	const uint8_t *map = ffs_cg_blksfree(ump, cg);
	uint32_t ndblk = FFS_RD32(ump, cg->cg_ndblk), frag = ump->um_frag;
	uint32_t nblk = howmany(ndblk, frag), b, i, k, bits, run;
	int pass;
	bool anyfit = false;

	if (nblk == 0)
		return -1;
	start = (start / frag) % nblk;
	for (pass = 0; pass < 2; pass++) {
		for (k = 0; k < nblk; k++) {
			b = ((start + k) % nblk) * frag;
			if (frag == 8 && map[b >> 3] == 0)
				continue;
			bits = ffs_blkmap(ump, map, b, ndblk);
			if (bits == 0)
				continue;
			if (allocsiz == frag) {
				if (bits == (1u << frag) - 1)
					return b;
				continue;
			}
			for (i = 0, run = 0; i <= frag; i++) {
				if (i < frag && (bits & (1u << i))) {
					run++;
					continue;
				}
				if (run == allocsiz || (pass == 1 &&
				    run > allocsiz && run < frag))
					return b + i - run;
				if (run > allocsiz)
					anyfit = true;
				run = 0;
			}
		}
		if (allocsiz == frag || !anyfit)
			break;
	}
	return -1;
}

/* Take a free block of group C near PREF.  um_lock held, CG busy. */
static int64_t
ffs_alloccgblk(struct ffs_mount *ump, struct ffs_cg *cg, uint32_t c,
    int64_t pref)
{
	uint32_t ndblk = FFS_RD32(ump, cg->cg_ndblk), start;
	uint32_t full = (1u << ump->um_frag) - 1;
	int64_t h;

	if (pref != 0 && ffs_dtog(ump, pref) == c) {
		start = ffs_dtogd(ump, ffs_blknum(ump, pref));
		if (ffs_blkmap(ump, ffs_cg_blksfree(ump, cg), start, ndblk) ==
		    full) {
			h = start;
			goto got;
		}
	} else {
		start = FFS_RD32(ump, cg->cg_rotor);
		if (start >= ndblk)
			start = 0;
	}
	if ((h = ffs_mapsearch(ump, cg, start, ump->um_frag)) < 0) {
		(void)ffs_corrupt(ump, "cylinder group %u: %d free blocks "
		    "counted, none in the map", c,
		    FFS_RDS32(ump, cg->cg_cs.cs_nbfree));
		return 0;
	}
	FFS_WR32(ump, cg->cg_rotor, (uint32_t)h);
got:
	ffs_cg_setfrags(ump, cg, c, (uint32_t)h, ump->um_frag, false);
	return ffs_cgbase(ump, c) + h;
}

/* The group allocator for blocks and fragments: ARG is the size. */
static int64_t
ffs_alloccg(struct ffs_mount *ump, uint32_t c, int64_t pref, uint32_t size)
{
	uint32_t frags = ffs_numfrags(ump, size), allocsiz, start;
	const struct ffs_csum *cs = &ump->um_cs[c];
	struct ffs_cg *cg;
	struct buf *bp;
	int64_t bn = 0, h;

	if (cs->cs_nbfree == 0 && (size == ump->um_bsize ||
	    cs->cs_nffree < (int32_t)frags))
		return 0;
	if (ffs_cg_read(ump, c, &bp) != 0)
		return 0;
	cg = bp->b_data;
	if (size == ump->um_bsize) {
		if (FFS_RDS32(ump, cg->cg_cs.cs_nbfree) > 0)
			bn = ffs_alloccgblk(ump, cg, c, pref);
		goto out;
	}
	for (allocsiz = frags; allocsiz < ump->um_frag; allocsiz++)
		if (FFS_RDS32(ump, cg->cg_frsum[allocsiz]) > 0)
			break;
	if (allocsiz == ump->um_frag) {
		/* No run that fits: split a block, give the tail back. */
		if (FFS_RDS32(ump, cg->cg_cs.cs_nbfree) == 0)
			goto out;
		if ((bn = ffs_alloccgblk(ump, cg, c, pref)) == 0)
			goto out;
		ffs_cg_setfrags(ump, cg, c, ffs_dtogd(ump, bn) + frags,
		    ump->um_frag - frags, true);
		goto out;
	}
	if (pref != 0 && ffs_dtog(ump, pref) == c)
		start = ffs_dtogd(ump, pref);
	else
		start = FFS_RD32(ump, cg->cg_frotor);
	if ((h = ffs_mapsearch(ump, cg, start, allocsiz)) < 0) {
		(void)ffs_corrupt(ump, "cylinder group %u: free run of %u "
		    "fragments counted, none in the map", c, allocsiz);
		goto out;
	}
	FFS_WR32(ump, cg->cg_frotor, (uint32_t)h);
	ffs_cg_setfrags(ump, cg, c, (uint32_t)h, frags, false);
	bn = ffs_cgbase(ump, c) + h;
out:
	if (bn != 0)
		bdwrite(bp);
	else
		brelse(bp);
	return bn;
}

int
ffs_alloc(struct ffs_inode *ip, int64_t bpref, uint32_t size, int64_t *bnp)
{
	struct ffs_mount *ump = ip->i_ump;
	bool root = kauth_cred_isroot(kauth_cred_get());
	int64_t bn = 0;
	uint32_t c;

	*bnp = 0;
	KASSERT(size > 0 && size <= ump->um_bsize &&
	    (size & (ump->um_fsize - 1)) == 0);
	mutex_enter(&ump->um_lock);
	if (size == ump->um_bsize && ump->um_cstotal.cs_nbfree <= 0)
		goto out;
	if (!root && ffs_freespace(ump) < (int64_t)ffs_numfrags(ump, size))
		goto out;
	if (bpref < 0 || bpref >= ump->um_size)
		bpref = 0;
	c = bpref != 0 ? ffs_dtog(ump, bpref) :
	    ffs_ino_to_cg(ump, ip->i_number);
	bn = ffs_hashalloc(ump, c, bpref, size, ffs_alloccg);
out:
	mutex_exit(&ump->um_lock);
	if (bn == 0)
		return ENOSPC;
	*bnp = bn;
	return 0;
}

/* Extend the fragments at BPREV from OSIZE to NSIZE in place. */
static bool
ffs_fragextend(struct ffs_mount *ump, int64_t bprev, uint32_t osize,
    uint32_t nsize)
{
	uint32_t c = ffs_dtog(ump, bprev), ofr = ffs_numfrags(ump, osize);
	uint32_t nfr = ffs_numfrags(ump, nsize), h, i, ndblk;
	const uint8_t *map;
	struct ffs_cg *cg;
	struct buf *bp;

	if (ffs_fragnum(ump, bprev) + nfr > ump->um_frag)
		return false;
	if (ump->um_cs[c].cs_nffree < (int32_t)(nfr - ofr))
		return false;
	if (ffs_cg_read(ump, c, &bp) != 0)
		return false;
	cg = bp->b_data;
	map = ffs_cg_blksfree(ump, cg);
	ndblk = FFS_RD32(ump, cg->cg_ndblk);
	h = ffs_dtogd(ump, bprev);
	for (i = ofr; i < nfr; i++) {
		if (h + i >= ndblk || !ffs_isset(map, h + i)) {
			brelse(bp);
			return false;
		}
	}
	ffs_cg_setfrags(ump, cg, c, h + ofr, nfr - ofr, false);
	bdwrite(bp);
	return true;
}

/* Give back [BN, BN+N) (no buffers there).  um_lock held. */
static void
ffs_free_unused(struct ffs_mount *ump, int64_t bn, uint32_t n)
{
	uint32_t c = ffs_dtog(ump, bn);
	struct buf *bp;

	if (n == 0 || ffs_cg_read(ump, c, &bp) != 0)
		return;
	ffs_cg_setfrags(ump, bp->b_data, c, ffs_dtogd(ump, bn), n, true);
	bdwrite(bp);
}

int
ffs_realloccg(struct ffs_inode *ip, int64_t bprev, int64_t bpref,
    uint32_t osize, uint32_t nsize, int64_t *bnp)
{
	struct ffs_mount *ump = ip->i_ump;
	bool root = kauth_cred_isroot(kauth_cred_get());
	uint32_t request, c;
	int64_t bn = 0;

	*bnp = 0;
	KASSERT(osize < nsize && nsize <= ump->um_bsize);
	KASSERT(ffs_chkrange(ump, bprev, ffs_numfrags(ump, osize)));
	mutex_enter(&ump->um_lock);
	if (!root && ffs_freespace(ump) <
	    (int64_t)ffs_numfrags(ump, nsize - osize))
		goto out;
	if (ffs_fragextend(ump, bprev, osize, nsize)) {
		bn = bprev;
		goto out;
	}
	request = ump->um_optim == FFS_OPTSPACE ? nsize : ump->um_bsize;
	if (request == ump->um_bsize && ump->um_cstotal.cs_nbfree <= 0)
		request = nsize;
	if (bpref < 0 || bpref >= ump->um_size)
		bpref = 0;
	c = bpref != 0 ? ffs_dtog(ump, bpref) : ffs_dtog(ump, bprev);
	bn = ffs_hashalloc(ump, c, bpref, request, ffs_alloccg);
	if (bn != 0 && request > nsize)
		ffs_free_unused(ump, bn + ffs_numfrags(ump, nsize),
		    ffs_numfrags(ump, request - nsize));
out:
	mutex_exit(&ump->um_lock);
	if (bn == 0)
		return ENOSPC;
	*bnp = bn;
	return 0;
}

int
ffs_blkfree(struct ffs_mount *ump, int64_t bn, uint32_t size, ino64_t ino)
{
	uint32_t n = ffs_numfrags(ump, size), c, h, i;
	const uint8_t *map;
	struct buf *bp;
	daddr_t db;
	int error;

	if (!ffs_chkrange(ump, bn, n))
		return ffs_corrupt(ump, "inode %llu: freeing bad address %lld "
		    "(%u fragments)", (unsigned long long)ino, (long long)bn,
		    n);
	/* No cached buffer may outlive the space it covers. */
	for (i = 0; i < n; i++) {
		db = FFS_FSBTODB(ump, bn + i);
		if (!incore(ump->um_dev, db))
			continue;
		if (getblk(ump->um_dev, db, i == 0 ? size : ump->um_fsize,
		    &bp) == 0)
			binval(bp);
	}
	mutex_enter(&ump->um_lock);
	c = ffs_dtog(ump, bn);
	if ((error = ffs_cg_read(ump, c, &bp)) != 0)
		goto out;
	map = ffs_cg_blksfree(ump, bp->b_data);
	h = ffs_dtogd(ump, bn);
	for (i = 0; i < n; i++) {
		if (ffs_isset(map, h + i)) {
			brelse(bp);
			error = ffs_corrupt(ump, "inode %llu: freeing free "
			    "fragment %lld", (unsigned long long)ino,
			    (long long)(bn + i));
			goto out;
		}
	}
	ffs_cg_setfrags(ump, bp->b_data, c, h, n, true);
	bdwrite(bp);
out:
	mutex_exit(&ump->um_lock);
	return error;
}

/* ---- inodes ---- */

/* A group for a new directory under PIP.  um_lock held. */
static uint32_t
ffs_dirpref(struct ffs_mount *ump, struct ffs_inode *pip)
{
	uint32_t ncg = ump->um_ncg, prefcg, c, i, best = 0, mindirs;
	int64_t avgifree, avgbfree, avgndir, minifree, minbfree;
	int64_t maxndir, maxcontigdirs, cgsize, dirsize;
	const struct ffs_csum *cs;

	avgifree = ump->um_cstotal.cs_nifree / ncg;
	avgbfree = ump->um_cstotal.cs_nbfree / ncg;
	avgndir = ump->um_cstotal.cs_ndir / ncg;

	if (pip->i_number == FFS_ROOTINO) {
		/* Top level: the least crowded group with room. */
		prefcg = karc4random() % ncg;
		mindirs = UINT32_MAX;
		for (i = 0; i < ncg; i++) {
			c = (prefcg + i) % ncg;
			cs = &ump->um_cs[c];
			if (cs->cs_nifree > 0 && cs->cs_nifree >= avgifree &&
			    cs->cs_nbfree >= avgbfree &&
			    (uint32_t)cs->cs_ndir < mindirs) {
				best = c;
				mindirs = (uint32_t)cs->cs_ndir;
			}
		}
		if (mindirs != UINT32_MAX)
			return best;
		for (i = 0; i < ncg; i++) {
			c = (prefcg + i) % ncg;
			if (ump->um_cs[c].cs_nifree > 0 &&
			    ump->um_cs[c].cs_nifree >= avgifree)
				return c;
		}
		return prefcg;
	}

	/* Deeper: near the parent, unless its group is crowded. */
	maxndir = MIN(avgndir + ump->um_ipg / 16, (int64_t)ump->um_ipg);
	minifree = MAX(avgifree - avgifree / 4, 1);
	minbfree = MAX(avgbfree - avgbfree / 4, 1);
	cgsize = (int64_t)ump->um_fsize * ump->um_fpg;
	dirsize = (int64_t)ump->um_avgfilesize * ump->um_avgfpdir;
	if (dirsize <= 0)
		dirsize = 16384 * 64;
	maxcontigdirs = MIN(MAX(cgsize / dirsize, 1), 255);
	prefcg = ffs_ino_to_cg(ump, pip->i_number);
	for (i = 0; i < ncg; i++) {
		c = (prefcg + i) % ncg;
		cs = &ump->um_cs[c];
		if (cs->cs_ndir < maxndir && cs->cs_nifree >= minifree &&
		    cs->cs_nbfree >= minbfree &&
		    ump->um_contigdirs[c] < maxcontigdirs)
			return c;
	}
	for (i = 0; i < ncg; i++) {
		c = (prefcg + i) % ncg;
		if (ump->um_cs[c].cs_nifree > 0 &&
		    ump->um_cs[c].cs_nifree >= avgifree)
			return c;
	}
	return prefcg;
}

/*
 * UFS2 initialises a group's inode blocks lazily: write the next block
 * of fresh inodes (random generation numbers) and count it.
 */
static int
ffs_init_inoblock(struct ffs_mount *ump, struct ffs_cg *cg, uint32_t c)
{
	uint32_t inited = FFS_RD32(ump, cg->cg_initediblk), i;
	struct ffs_ufs2_dinode *d;
	struct buf *bp;
	int error;

	error = getblk(ump->um_dev, FFS_FSBTODB(ump, ffs_ino_to_fsba(ump,
	    (ino64_t)c * ump->um_ipg + inited)), ump->um_bsize, &bp);
	if (error)
		return error;
	memset(bp->b_data, 0, ump->um_bsize);
	for (i = 0; i < ump->um_inopb; i++) {
		d = (struct ffs_ufs2_dinode *)bp->b_data + i;
		FFS_WR32(ump, d->di_gen, karc4random() / 2 + 1);
	}
	bdwrite(bp);
	FFS_WR32(ump, cg->cg_initediblk, inited + ump->um_inopb);
	return 0;
}

/* The group allocator for inodes: ARG is the new file's mode. */
static int64_t
ffs_nodealloccg(struct ffs_mount *ump, uint32_t c, int64_t ipref,
    uint32_t mode)
{
	uint32_t ipg = ump->um_ipg, start, i, k;
	bool isdir = (mode & FFS_IFMT) == FFS_IFDIR;
	struct ffs_cg *cg;
	struct buf *bp;
	uint8_t *map;

	if (ump->um_cs[c].cs_nifree <= 0)
		return 0;
	if (ffs_cg_read(ump, c, &bp) != 0)
		return 0;
	cg = bp->b_data;
	if (FFS_RDS32(ump, cg->cg_cs.cs_nifree) <= 0) {
		brelse(bp);
		return 0;
	}
	map = ffs_cg_inosused(ump, cg);
	if (ipref != 0 && ffs_ino_to_cg(ump, (ino64_t)ipref) == c)
		start = (uint32_t)(ipref % ipg);
	else
		start = FFS_RD32(ump, cg->cg_irotor);
	if (start >= ipg)
		start = 0;
	for (k = 0; k < ipg; k++) {
		i = (start + k) % ipg;
		if (c == 0 && i <= FFS_ROOTINO)
			continue;	/* never hand out 0, 1 or the root */
		if (!ffs_isset(map, i))
			break;
	}
	if (k == ipg) {
		brelse(bp);
		(void)ffs_corrupt(ump, "cylinder group %u: free inodes "
		    "counted, none in the map", c);
		return 0;
	}
	if (ump->um_ufs2) {
		while (i + ump->um_inopb > FFS_RD32(ump, cg->cg_initediblk) &&
		    FFS_RD32(ump, cg->cg_initediblk) < ipg) {
			if (ffs_init_inoblock(ump, cg, c) != 0) {
				brelse(bp);
				return 0;
			}
		}
	}
	ffs_setbit(map, i);
	FFS_WR32(ump, cg->cg_irotor, i);
	FFS_ADD32(ump, cg->cg_cs.cs_nifree, -1);
	ump->um_cs[c].cs_nifree--;
	ump->um_cstotal.cs_nifree--;
	if (isdir) {
		FFS_ADD32(ump, cg->cg_cs.cs_ndir, 1);
		ump->um_cs[c].cs_ndir++;
		ump->um_cstotal.cs_ndir++;
		if (ump->um_contigdirs[c] < 255)
			ump->um_contigdirs[c]++;
	} else if (ump->um_contigdirs[c] > 0)
		ump->um_contigdirs[c]--;
	ump->um_fmod = true;
	bdwrite(bp);
	return (int64_t)c * ipg + i;
}

int
ffs_valloc(struct ffs_inode *pip, uint32_t mode, ino64_t *inop)
{
	struct ffs_mount *ump = pip->i_ump;
	int64_t ino = 0, ipref;
	uint32_t c;

	*inop = 0;
	mutex_enter(&ump->um_lock);
	if (ump->um_cstotal.cs_nifree <= 0)
		goto out;
	if ((mode & FFS_IFMT) == FFS_IFDIR) {
		c = ffs_dirpref(ump, pip);
		ipref = (int64_t)c * ump->um_ipg;
	} else {
		c = ffs_ino_to_cg(ump, pip->i_number);
		ipref = (int64_t)pip->i_number;
	}
	ino = ffs_hashalloc(ump, c, ipref, mode, ffs_nodealloccg);
out:
	mutex_exit(&ump->um_lock);
	if (ino == 0)
		return ENOSPC;
	*inop = (ino64_t)ino;
	return 0;
}

int
ffs_vfree(struct ffs_mount *ump, ino64_t ino, uint32_t mode)
{
	uint32_t c = ffs_ino_to_cg(ump, ino), i = (uint32_t)(ino % ump->um_ipg);
	struct ffs_cg *cg;
	struct buf *bp;
	uint8_t *map;
	int error;

	if (ino < FFS_ROOTINO || ino >= ump->um_ninodes)
		return ffs_corrupt(ump, "freeing bad inode number %llu",
		    (unsigned long long)ino);
	mutex_enter(&ump->um_lock);
	if ((error = ffs_cg_read(ump, c, &bp)) != 0)
		goto out;
	cg = bp->b_data;
	map = ffs_cg_inosused(ump, cg);
	if (!ffs_isset(map, i)) {
		brelse(bp);
		error = ffs_corrupt(ump, "freeing free inode %llu",
		    (unsigned long long)ino);
		goto out;
	}
	ffs_clrbit(map, i);
	if (i < FFS_RD32(ump, cg->cg_irotor))
		FFS_WR32(ump, cg->cg_irotor, i);
	FFS_ADD32(ump, cg->cg_cs.cs_nifree, 1);
	ump->um_cs[c].cs_nifree++;
	ump->um_cstotal.cs_nifree++;
	if ((mode & FFS_IFMT) == FFS_IFDIR) {
		FFS_ADD32(ump, cg->cg_cs.cs_ndir, -1);
		ump->um_cs[c].cs_ndir--;
		ump->um_cstotal.cs_ndir--;
	}
	ump->um_fmod = true;
	bdwrite(bp);
out:
	mutex_exit(&ump->um_lock);
	return error;
}
