/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msdosfs_bmap.c -- a file's clusters and its data: the cluster map (the
 * chain as runs of consecutive clusters, loaded once from the FAT),
 * growing and shrinking the chain, reading and writing file data through
 * the buffer cache in cluster-sized buffers, zero-filling, truncate,
 * fallocate and VOP_BMAP's mapping for the splice path.
 *
 * FAT has no holes: every byte below the file size has a cluster, so a
 * write past the end, a truncate that grows a file and fallocate all
 * allocate clusters and write zeros into the gap.  The bytes of the last
 * cluster past the end of the file are undefined on disk (other systems
 * leave garbage there), so growing a file zeroes them first; clusters
 * that lie wholly past the old end are never read, only zeroed or
 * overwritten.  Clusters allocated past the end by fallocate with
 * FALLOC_FL_KEEP_SIZE are given back when the file goes inactive (fsck
 * counts them as an error otherwise).
 *
 * Freed clusters' cached buffers are invalidated, so stale dirty data
 * never reaches a cluster that another file now owns.
 *
 * Locking: the node's vnode lock, exclusive for anything that changes
 * the chain or the data; the map's lazy load under n_maplock (see
 * msdosfs_node.h).
 *
 * Exports (msdosfs_node.h): msdosfs_map_ensure, msdosfs_map_free,
 * msdosfs_map_lookup, msdosfs_chain_grow, msdosfs_chain_shrink,
 * msdosfs_zero_range, msdosfs_data_read, msdosfs_data_write,
 * msdosfs_truncate, msdosfs_allocate, msdosfs_node_bmap.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/uio.h"
#include "kern/vnode.h"

#include "msdosfs_fs.h"
#include "msdosfs_node.h"

/* Read-ahead, clusters: at most this many, and at most RA_BYTES. */
#define RA_MAX		32
#define RA_BYTES	(512 * 1024)

/* ---- the map ---- */

static int
map_add(struct msdosfs_node *np, uint32_t dcl, uint32_t len)
{
	struct msdosfs_extent *x, *nm;
	uint32_t ncap;

	if (np->n_mapn > 0) {
		x = &np->n_map[np->n_mapn - 1];
		if (x->x_dcl + x->x_len == dcl) {
			x->x_len += len;
			np->n_ncl += len;
			return 0;
		}
	}
	if (np->n_mapn == np->n_mapcap) {
		ncap = np->n_mapcap ? np->n_mapcap * 2 : 4;
		if ((nm = kmem_alloc(ncap * sizeof(*nm))) == NULL)
			return ENOMEM;
		if (np->n_mapn > 0)
			memcpy(nm, np->n_map, np->n_mapn * sizeof(*nm));
		if (np->n_map != NULL)
			kmem_free(np->n_map, np->n_mapcap * sizeof(*nm));
		np->n_map = nm;
		np->n_mapcap = ncap;
	}
	x = &np->n_map[np->n_mapn++];
	x->x_fcl = np->n_ncl;
	x->x_dcl = dcl;
	x->x_len = len;
	np->n_ncl += len;
	return 0;
}

void
msdosfs_map_free(struct msdosfs_node *np)
{
	if (np->n_map != NULL)
		kmem_free(np->n_map, np->n_mapcap * sizeof(*np->n_map));
	np->n_map = NULL;
	np->n_mapn = np->n_mapcap = 0;
	np->n_ncl = 0;
}

static int
map_load_cb(void *arg, uint32_t cl, uint32_t len)
{
	return map_add(arg, cl, len);
}

/*
 * Load NP's cluster map if it is not loaded yet (any vnode lock).
 * => EUCLEAN for a broken chain or one too short for the file size.
 */
int
msdosfs_map_ensure(struct msdosfs_node *np)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	int error = 0;

	if (np->n_fixedroot ||
	    __atomic_load_n(&np->n_mapvalid, __ATOMIC_ACQUIRE))
		return 0;
	mutex_enter(&np->n_maplock);
	if (!np->n_mapvalid) {
		np->n_mapn = 0;
		np->n_ncl = 0;
		if (np->n_startcl != 0)
			error = msdosfs_fat_walk(pmp, np->n_startcl,
			    map_load_cb, np, np->n_vnode->v_type == VDIR ?
			    "directory" : "file");
		if (error == 0 && np->n_vnode->v_type == VDIR &&
		    np->n_ncl == 0)
			error = msdosfs_corrupt(pmp, "directory inode %llu has "
			    "no cluster", (unsigned long long)np->n_ino);
		if (error == 0 && howmany((uint64_t)np->n_size,
		    pmp->pm_clsize) > np->n_ncl)
			error = msdosfs_corrupt(pmp, "file inode %llu: %u "
			    "bytes but %u clusters of %u",
			    (unsigned long long)np->n_ino, np->n_size,
			    np->n_ncl, pmp->pm_clsize);
		if (error == 0)
			__atomic_store_n(&np->n_mapvalid, true,
			    __ATOMIC_RELEASE);
		else
			msdosfs_map_free(np);
	}
	mutex_exit(&np->n_maplock);
	return error;
}

/*
 * The device cluster of file cluster FCL (< n_ncl) and how many clusters
 * continue consecutively from it (*RUNP >= 1).
 */
int
msdosfs_map_lookup(struct msdosfs_node *np, uint32_t fcl, uint32_t *dclp,
    uint32_t *runp)
{
	uint32_t lo = 0, hi, mid;
	const struct msdosfs_extent *x;

	KASSERT(np->n_mapvalid && fcl < np->n_ncl);
	hi = np->n_mapn;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (np->n_map[mid].x_fcl <= fcl)
			lo = mid;
		else
			hi = mid;
	}
	x = &np->n_map[lo];
	KASSERT(fcl >= x->x_fcl && fcl < x->x_fcl + x->x_len);
	*dclp = x->x_dcl + (fcl - x->x_fcl);
	*runp = x->x_len - (fcl - x->x_fcl);
	return 0;
}

/* The chain's last cluster, 0 if it has none. */
static uint32_t
map_lastcl(const struct msdosfs_node *np)
{
	const struct msdosfs_extent *x;

	if (np->n_mapn == 0)
		return 0;
	x = &np->n_map[np->n_mapn - 1];
	return x->x_dcl + x->x_len - 1;
}

/* Keep only the first KEEP clusters in the map. */
static void
map_truncate(struct msdosfs_node *np, uint32_t keep)
{
	struct msdosfs_extent *x;

	while (np->n_mapn > 0) {
		x = &np->n_map[np->n_mapn - 1];
		if (x->x_fcl >= keep) {
			np->n_mapn--;
			continue;
		}
		if (x->x_fcl + x->x_len > keep)
			x->x_len = keep - x->x_fcl;
		break;
	}
	np->n_ncl = MIN(np->n_ncl, keep);
}

/* ---- growing and shrinking ---- */

/*
 * Append WANT clusters to NP's chain (exclusive lock); with EXACT all or
 * nothing, else at least one.  The clusters' contents are undefined.
 * n_startcl and the entry's cluster fields in n_de change for a file
 * that had none (the caller writes the entry).
 * => ENOSPC, ENOMEM, I/O errors.
 */
int
msdosfs_chain_grow(struct msdosfs_node *np, uint32_t want, bool exact,
    uint32_t *gotp)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	struct msdosfs_runlist rl = { NULL, 0, 0 };
	uint32_t lastcl, got, i, oldn = 0, oldncl = 0, oldmapn = 0;
	int error;

	*gotp = 0;
	if ((error = msdosfs_map_ensure(np)) != 0)
		return error;
	oldncl = np->n_ncl;
	oldmapn = np->n_mapn;
	if (oldmapn > 0)
		oldn = np->n_map[oldmapn - 1].x_len;
	lastcl = map_lastcl(np);
	if ((error = msdosfs_fat_alloc(pmp, lastcl, want, exact, &rl,
	    &got)) != 0)
		return error;
	for (i = 0; i < rl.rl_n; i++)
		if ((error = map_add(np, rl.rl_runs[i].r_cl,
		    rl.rl_runs[i].r_len)) != 0)
			break;
	if (error != 0) {
		/* Give the clusters back and restore the map. */
		(void)msdosfs_fat_free_chain(pmp, rl.rl_runs[0].r_cl, lastcl);
		np->n_mapn = oldmapn;
		if (oldmapn > 0)
			np->n_map[oldmapn - 1].x_len = oldn;
		np->n_ncl = oldncl;
		msdosfs_runlist_free(&rl);
		return error;
	}
	if (np->n_startcl == 0) {
		np->n_startcl = rl.rl_runs[0].r_cl;
		msdos_de_setcluster(&np->n_de, np->n_startcl,
		    pmp->pm_fatbits == 32);
	}
	msdosfs_runlist_free(&rl);
	*gotp = got;
	return 0;
}

/* Drop the cached buffers of file clusters FROM.. (they are being freed). */
static void
inval_clusters(struct msdosfs_node *np, uint32_t from)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	uint32_t fcl, dcl, run, i;
	struct buf *bp;
	daddr_t blkno;

	for (fcl = from; fcl < np->n_ncl; fcl += run) {
		(void)msdosfs_map_lookup(np, fcl, &dcl, &run);
		for (i = 0; i < run; i++) {
			blkno = (daddr_t)(msdosfs_cl_off(pmp, dcl + i) >>
			    DEV_BSHIFT);
			if (incore(pmp->pm_dev, blkno) &&
			    getblk(pmp->pm_dev, blkno, pmp->pm_clsize,
			    &bp) == 0)
				binval(bp);
		}
	}
}

/*
 * Keep the first KEEP clusters of NP's chain and free the rest
 * (exclusive lock).  With KEEP 0 the file has no chain any more.
 */
int
msdosfs_chain_shrink(struct msdosfs_node *np, uint32_t keep)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	uint32_t first, prev = 0, run;
	int error;

	if ((error = msdosfs_map_ensure(np)) != 0)
		return error;
	if (keep >= np->n_ncl)
		return 0;
	inval_clusters(np, keep);
	(void)msdosfs_map_lookup(np, keep, &first, &run);
	if (keep > 0)
		(void)msdosfs_map_lookup(np, keep - 1, &prev, &run);
	error = msdosfs_fat_free_chain(pmp, first, prev);
	map_truncate(np, keep);
	if (keep == 0) {
		np->n_startcl = 0;
		msdos_de_setcluster(&np->n_de, 0, pmp->pm_fatbits == 32);
	}
	return error;
}

/* ---- data ---- */

static daddr_t
cl_blkno(const struct msdosfs_mount *pmp, uint32_t dcl)
{
	return (daddr_t)(msdosfs_cl_off(pmp, dcl) >> DEV_BSHIFT);
}

/*
 * Write zeros into bytes [FROM, TO) of NP (exclusive lock); the clusters
 * exist.
 */
int
msdosfs_zero_range(struct msdosfs_node *np, uint64_t from, uint64_t to)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	uint32_t clsize = pmp->pm_clsize, boff, n, dcl, run;
	struct buf *bp;
	int error;

	while (from < to) {
		boff = (uint32_t)(from & (clsize - 1));
		n = (uint32_t)MIN((uint64_t)(clsize - boff), to - from);
		if ((error = msdosfs_map_lookup(np, (uint32_t)(from >>
		    pmp->pm_clshift), &dcl, &run)) != 0)
			return error;
		if (n == clsize)
			error = getblk(pmp->pm_dev, cl_blkno(pmp, dcl), clsize,
			    &bp);
		else
			error = bread(pmp->pm_dev, cl_blkno(pmp, dcl), clsize,
			    &bp);
		if (error != 0)
			return error;
		memset((uint8_t *)bp->b_data + boff, 0, n);
		bdwrite(bp);
		from += n;
	}
	return 0;
}

/* Read NP's data into UIO (shared lock). */
int
msdosfs_data_read(struct msdosfs_node *np, struct uio *uio)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	uint32_t clsize = pmp->pm_clsize, boff, dcl, run, fcl, lastfcl;
	uint32_t rasizes[RA_MAX], ra_next = 0, i, nra, ramax;
	daddr_t rablks[RA_MAX];
	uint64_t off, avail;
	struct buf *bp;
	size_t n;
	int error;

	if (uio->uio_offset >= np->n_size || uio->uio_resid == 0)
		return 0;
	if ((error = msdosfs_map_ensure(np)) != 0)
		return error;
	ramax = MIN((uint32_t)RA_MAX, MAX(1u, RA_BYTES / clsize));
	lastfcl = (np->n_size - 1) >> pmp->pm_clshift;
	while (uio->uio_resid > 0 && uio->uio_offset < np->n_size) {
		off = uio->uio_offset;
		fcl = (uint32_t)(off >> pmp->pm_clshift);
		boff = (uint32_t)(off & (clsize - 1));
		avail = MIN((uint64_t)np->n_size - off,
		    (uint64_t)uio->uio_resid);
		if ((error = msdosfs_map_lookup(np, fcl, &dcl, &run)) != 0)
			break;
		nra = 0;
		if (fcl >= ra_next) {
			/* The rest of this run, within the file. */
			nra = MIN(run - 1, lastfcl - fcl);
			nra = MIN(nra, ramax);
			for (i = 0; i < nra; i++) {
				rablks[i] = cl_blkno(pmp, dcl + 1 + i);
				rasizes[i] = clsize;
			}
			ra_next = fcl + 1 + nra;
		}
		error = breadn(pmp->pm_dev, cl_blkno(pmp, dcl), clsize, rablks,
		    rasizes, (int)nra, &bp);
		if (error != 0)
			break;
		n = (size_t)MIN((uint64_t)(clsize - boff), avail);
		uiomove((uint8_t *)bp->b_data + boff, n, uio);
		brelse(bp);
	}
	return error;
}

/*
 * Write UIO into NP (exclusive lock), allocating and zero-filling as
 * needed; the kernel has bounded the end by MSDOSFS_MAXFILESIZE.  Updates
 * the size in core (the caller writes the entry).
 * => ENOSPC if not one byte fits (a short write otherwise); I/O errors.
 */
int
msdosfs_data_write(struct msdosfs_node *np, struct uio *uio, int ioflag)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	uint32_t clsize = pmp->pm_clsize, boff, dcl, run, need, got;
	uint64_t off = uio->uio_offset, end, oldsize = np->n_size, freshoff;
	bool sync = (ioflag & IO_SYNC) ||
	    (pmp->pm_mp->mnt_flags & MNT_SYNCHRONOUS);
	struct buf *bp;
	size_t n, skip;
	int error;

	end = off + uio->uio_resid;
	KASSERT(end <= MSDOSFS_MAXFILESIZE);
	if ((error = msdosfs_map_ensure(np)) != 0)
		return error;
	need = (uint32_t)howmany(end, (uint64_t)clsize);
	if (need > np->n_ncl) {
		error = msdosfs_chain_grow(np, need - np->n_ncl, false, &got);
		if (error != 0 && error != ENOSPC)
			return error;
		if ((uint64_t)np->n_ncl << pmp->pm_clshift <= off) {
			/* Not one byte of this write fits. */
			(void)msdosfs_chain_shrink(np, (uint32_t)howmany(
			    oldsize, (uint64_t)clsize));
			return ENOSPC;
		}
		if (end > (uint64_t)np->n_ncl << pmp->pm_clshift) {
			/* Short write: shorten the uio's view. */
			skip = (size_t)(end -
			    ((uint64_t)np->n_ncl << pmp->pm_clshift));
			end -= skip;
		}
	}
	if (off > oldsize && (error = msdosfs_zero_range(np, oldsize,
	    off)) != 0)
		return error;
	freshoff = roundup(oldsize, (uint64_t)clsize);
	while (off < end) {
		boff = (uint32_t)(off & (clsize - 1));
		n = (size_t)MIN((uint64_t)(clsize - boff), end - off);
		if ((error = msdosfs_map_lookup(np, (uint32_t)(off >>
		    pmp->pm_clshift), &dcl, &run)) != 0)
			break;
		if (n == clsize || off - boff >= freshoff) {
			error = getblk(pmp->pm_dev, cl_blkno(pmp, dcl), clsize,
			    &bp);
			if (error == 0 && n != clsize)
				memset(bp->b_data, 0, clsize);
		} else
			error = bread(pmp->pm_dev, cl_blkno(pmp, dcl), clsize,
			    &bp);
		if (error != 0)
			break;
		uiomove((uint8_t *)bp->b_data + boff, n, uio);
		off += n;
		if (off > np->n_size)
			np->n_size = (uint32_t)off;
		if (sync) {
			if ((error = bwrite(bp)) != 0)
				break;
		} else
			bdwrite(bp);
	}
	return error;
}

/*
 * Set NP's size to SIZE (exclusive lock): free clusters past it, or
 * allocate (all or nothing) and zero up to it.
 * => ENOSPC, I/O errors.
 */
int
msdosfs_truncate(struct msdosfs_node *np, uint64_t size)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	uint32_t need, got;
	int error;

	if (size > MSDOSFS_MAXFILESIZE)
		return EFBIG;
	if ((error = msdosfs_map_ensure(np)) != 0)
		return error;
	need = (uint32_t)howmany(size, (uint64_t)pmp->pm_clsize);
	if (size <= np->n_size) {
		error = msdosfs_chain_shrink(np, need);
		np->n_size = (uint32_t)size;
		return error;
	}
	if (need > np->n_ncl && (error = msdosfs_chain_grow(np,
	    need - np->n_ncl, true, &got)) != 0)
		return error;
	if ((error = msdosfs_zero_range(np, np->n_size, size)) != 0)
		return error;
	np->n_size = (uint32_t)size;
	return 0;
}

/*
 * fallocate: clusters for [OFF, OFF+LEN), all or nothing; without
 * KEEPSIZE the file grows to OFF+LEN, zero-filled.
 * => EFBIG past 4 GiB - 1, ENOSPC, I/O errors.
 */
int
msdosfs_allocate(struct msdosfs_node *np, uint64_t off, uint64_t len,
    bool keepsize)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	uint64_t end = off + len;
	uint32_t need, got;
	int error;

	if (end < off || end > MSDOSFS_MAXFILESIZE)
		return EFBIG;
	if ((error = msdosfs_map_ensure(np)) != 0)
		return error;
	need = (uint32_t)howmany(end, (uint64_t)pmp->pm_clsize);
	if (need > np->n_ncl && (error = msdosfs_chain_grow(np,
	    need - np->n_ncl, true, &got)) != 0)
		return error;
	if (keepsize || end <= np->n_size)
		return 0;
	if ((error = msdosfs_zero_range(np, np->n_size, end)) != 0)
		return error;
	np->n_size = (uint32_t)end;
	return 0;
}

/* VOP_BMAP: see kern/vnode.h (shared lock). */
int
msdosfs_node_bmap(struct msdosfs_node *np, uint64_t off, uint64_t *devoffp,
    uint64_t *runp)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	uint32_t boff = (uint32_t)(off & (pmp->pm_clsize - 1)), dcl, run;
	int error;

	if (off >= np->n_size) {
		*devoffp = VOP_BMAP_HOLE;
		*runp = pmp->pm_clsize - boff;
		return 0;
	}
	if ((error = msdosfs_map_ensure(np)) != 0)
		return error;
	if ((error = msdosfs_map_lookup(np, (uint32_t)(off >>
	    pmp->pm_clshift), &dcl, &run)) != 0)
		return error;
	*devoffp = msdosfs_cl_off(pmp, dcl) + boff;
	*runp = MIN(((uint64_t)run << pmp->pm_clshift) - boff,
	    (uint64_t)np->n_size - off);
	return 0;
}
