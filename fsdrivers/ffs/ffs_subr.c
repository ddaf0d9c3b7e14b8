/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_subr.c -- helpers shared by the FFS driver's files: address range
 * checks and validated block reads, cylinder group header validation,
 * fragment and cluster accounting (the one place where a group's maps
 * and every count derived from them change together), superblock and
 * summary-area writes, and small conversions.
 *
 * Exports ffs_chkrange, ffs_bread, ffs_breadn, ffs_blkmap, ffs_fragacct,
 * ffs_cg_setfrags, ffs_cg_read, ffs_cg_check, ffs_sbupdate,
 * ffs_sbwrite_clean, ffs_rdev_decode, ffs_rdev_encode, ffs_mode_vtype,
 * ffs_mode_dtype.
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"

#include "ffs_fs.h"
#include "ffs_node.h"

/* ---- addresses ---- */

bool
ffs_chkrange(const struct ffs_mount *ump, int64_t bn, uint32_t n)
{
	uint32_t c;

	if (bn <= 0 || n == 0 || n > ump->um_frag ||
	    bn > ump->um_size - (int64_t)n)
		return false;
	if (ffs_fragnum(ump, bn) + n > ump->um_frag)
		return false;		/* crosses a block boundary */
	c = ffs_dtog(ump, bn);
	if (c == 0 && bn < ffs_cgsblock(ump, 0))
		return false;		/* boot area and primary superblock */
	if (bn + n > ffs_cgsblock(ump, c) && bn < ffs_cgdmin(ump, c))
		return false;		/* group metadata */
	if (bn + n > ump->um_csaddr &&
	    bn < ump->um_csaddr + ffs_numfrags(ump,
	    ffs_fragroundup(ump, ump->um_cssize)))
		return false;		/* the summary area */
	return true;
}

int
ffs_breadn(struct ffs_mount *ump, int64_t bn, uint32_t size,
    const int64_t *ra, const uint32_t *rasz, int nra, struct buf **bpp)
{
	daddr_t rablks[16];
	uint32_t rasizes[16];
	int i, n = 0;

	*bpp = NULL;
	KASSERT(size > 0 && size <= ump->um_bsize &&
	    (size & (ump->um_fsize - 1)) == 0);
	if (!ffs_chkrange(ump, bn, ffs_numfrags(ump, size)))
		return ffs_corrupt(ump, "bad block address %lld (%u bytes)",
		    (long long)bn, size);
	for (i = 0; i < nra && n < (int)__arraycount(rablks); i++) {
		if (!ffs_chkrange(ump, ra[i], ffs_numfrags(ump, rasz[i])))
			break;		/* the real read will say so */
		rablks[n] = FFS_FSBTODB(ump, ra[i]);
		rasizes[n] = rasz[i];
		n++;
	}
	return breadn(ump->um_dev, FFS_FSBTODB(ump, bn), size, rablks, rasizes,
	    n, bpp);
}

int
ffs_bread(struct ffs_mount *ump, int64_t bn, uint32_t size, const char *what,
    ino64_t ino, struct buf **bpp)
{
	*bpp = NULL;
	if (!ffs_chkrange(ump, bn, ffs_numfrags(ump, size)))
		return ffs_corrupt(ump, "inode %llu: bad %s address %lld",
		    (unsigned long long)ino, what, (long long)bn);
	return bread(ump->um_dev, FFS_FSBTODB(ump, bn), size, bpp);
}

/* ---- fragment maps ---- */

uint32_t
ffs_blkmap(const struct ffs_mount *ump, const uint8_t *map, uint32_t h,
    uint32_t ndblk)
{
	uint32_t bits;

	KASSERT((h & (ump->um_frag - 1)) == 0);
	if (h >= ndblk)
		return 0;
	bits = ((uint32_t)map[h >> 3] >> (h & 7)) & ((1u << ump->um_frag) - 1);
	if (ndblk - h < ump->um_frag)
		bits &= (1u << (ndblk - h)) - 1;
	return bits;
}

void
ffs_fragacct(const struct ffs_mount *ump, uint32_t map, int32_t *frsum,
    int cnt)
{
	uint32_t i, run = 0;

	for (i = 0; i <= ump->um_frag; i++) {
		if (i < ump->um_frag && (map & (1u << i)) != 0) {
			run++;
			continue;
		}
		if (run > 0 && run < ump->um_frag)
			FFS_ADD32(ump, frsum[run], cnt);
		run = 0;
	}
}

/*
 * Block BLK (relative, in blocks) of group CG became free (CNT 1) or
 * used (CNT -1): keep the cluster map and the free-cluster counts.
 */
static void
ffs_clusteracct(struct ffs_mount *ump, struct ffs_cg *cg, uint32_t blk,
    int cnt)
{
	uint32_t nblks, max = ump->um_contigsumsize, back, forw, i;
	int32_t *sum;
	uint8_t *map;

	if (max == 0)
		return;
	nblks = FFS_RD32(ump, cg->cg_nclusterblks);
	if (blk >= nblks)
		return;
	map = ffs_cg_clustersfree(ump, cg);
	sum = ffs_cg_clustersum(ump, cg);
	if (cnt > 0)
		ffs_setbit(map, blk);
	else
		ffs_clrbit(map, blk);
	for (forw = 0; forw < max && blk + 1 + forw < nblks &&
	    ffs_isset(map, blk + 1 + forw); forw++)
		continue;
	for (back = 0; back < max && back < blk &&
	    ffs_isset(map, blk - 1 - back); back++)
		continue;
	i = MIN(back + forw + 1, max);
	FFS_ADD32(ump, sum[i], cnt);
	if (back > 0)
		FFS_ADD32(ump, sum[back], -cnt);
	if (forw > 0)
		FFS_ADD32(ump, sum[forw], -cnt);
}

static void
ffs_cs_add(struct ffs_mount *ump, struct ffs_cg *cg, uint32_t cgx,
    int dnb, int dnf)
{
	KASSERT(mutex_owned(&ump->um_lock));
	FFS_ADD32(ump, cg->cg_cs.cs_nbfree, dnb);
	FFS_ADD32(ump, cg->cg_cs.cs_nffree, dnf);
	ump->um_cs[cgx].cs_nbfree += dnb;
	ump->um_cs[cgx].cs_nffree += dnf;
	ump->um_cstotal.cs_nbfree += dnb;
	ump->um_cstotal.cs_nffree += dnf;
	ump->um_fmod = true;
}

void
ffs_cg_setfrags(struct ffs_mount *ump, struct ffs_cg *cg, uint32_t cgx,
    uint32_t h, uint32_t n, bool free)
{
	uint8_t *map = ffs_cg_blksfree(ump, cg);
	uint32_t full = (1u << ump->um_frag) - 1;
	uint32_t blk = h & ~(ump->um_frag - 1), old, new, i;
	uint32_t ndblk = FFS_RD32(ump, cg->cg_ndblk);
	int nb_old, nf_old, nb_new, nf_new;

	KASSERT(mutex_owned(&ump->um_lock));
	KASSERT(n > 0 && (h - blk) + n <= ump->um_frag && h + n <= ndblk);
	old = ffs_blkmap(ump, map, blk, ndblk);
	for (i = h; i < h + n; i++) {
		if (free)
			ffs_setbit(map, i);
		else
			ffs_clrbit(map, i);
	}
	new = ffs_blkmap(ump, map, blk, ndblk);

	nb_old = old == full;
	nf_old = nb_old ? 0 : __builtin_popcount(old);
	nb_new = new == full;
	nf_new = nb_new ? 0 : __builtin_popcount(new);
	if (!nb_old)
		ffs_fragacct(ump, old, cg->cg_frsum, -1);
	if (!nb_new)
		ffs_fragacct(ump, new, cg->cg_frsum, 1);
	if (nb_old != nb_new)
		ffs_clusteracct(ump, cg, blk >> ump->um_fragshift,
		    nb_new ? 1 : -1);
	ffs_cs_add(ump, cg, cgx, nb_new - nb_old, nf_new - nf_old);
}

/* ---- group headers ---- */

int
ffs_cg_check(struct ffs_mount *ump, uint32_t c, struct ffs_cg *cg)
{
	uint32_t cgsize = ump->um_cgsize, ndblk = ffs_cg_nfrags(ump, c);
	uint32_t iused, fr, nclust, coff, csoff;
	int32_t nb, nf, ni, nd;

	if (FFS_RDS32(ump, cg->cg_magic) != FFS_CG_MAGIC)
		return ffs_corrupt(ump, "cylinder group %u: bad magic %#x", c,
		    FFS_RD32(ump, cg->cg_magic));
	if (FFS_RD32(ump, cg->cg_cgx) != c)
		return ffs_corrupt(ump, "cylinder group %u: says it is %u", c,
		    FFS_RD32(ump, cg->cg_cgx));
	if (FFS_RD32(ump, cg->cg_ndblk) != ndblk)
		return ffs_corrupt(ump, "cylinder group %u: %u fragments, "
		    "expected %u", c, FFS_RD32(ump, cg->cg_ndblk), ndblk);
	if (ump->um_ufs2 && (FFS_RD32(ump, cg->cg_niblk) != ump->um_ipg ||
	    FFS_RD32(ump, cg->cg_initediblk) > ump->um_ipg))
		return ffs_corrupt(ump, "cylinder group %u: bad inode counts "
		    "%u/%u", c, FFS_RD32(ump, cg->cg_niblk),
		    FFS_RD32(ump, cg->cg_initediblk));
	iused = FFS_RD32(ump, cg->cg_iusedoff);
	fr = FFS_RD32(ump, cg->cg_freeoff);
	if (iused < sizeof(*cg) || iused > cgsize ||
	    cgsize - iused < howmany(ump->um_ipg, 8) ||
	    fr < sizeof(*cg) || fr > cgsize ||
	    cgsize - fr < howmany(ndblk, 8))
		return ffs_corrupt(ump, "cylinder group %u: maps outside the "
		    "header (%u, %u)", c, iused, fr);
	if (ump->um_contigsumsize > 0) {
		nclust = FFS_RD32(ump, cg->cg_nclusterblks);
		coff = FFS_RD32(ump, cg->cg_clusteroff);
		csoff = FFS_RD32(ump, cg->cg_clustersumoff);
		if (nclust != ndblk >> ump->um_fragshift ||
		    coff < sizeof(*cg) || coff > cgsize ||
		    cgsize - coff < howmany(nclust, 8) ||
		    (csoff & 3) != 0 || csoff < sizeof(*cg) ||
		    csoff > cgsize ||
		    (cgsize - csoff) / 4 < ump->um_contigsumsize + 1)
			return ffs_corrupt(ump, "cylinder group %u: bad "
			    "cluster maps (%u blocks, %u, %u)", c, nclust,
			    coff, csoff);
	}
	nd = FFS_RDS32(ump, cg->cg_cs.cs_ndir);
	nb = FFS_RDS32(ump, cg->cg_cs.cs_nbfree);
	ni = FFS_RDS32(ump, cg->cg_cs.cs_nifree);
	nf = FFS_RDS32(ump, cg->cg_cs.cs_nffree);
	if (nd < 0 || (uint32_t)nd > ump->um_ipg || ni < 0 ||
	    (uint32_t)ni > ump->um_ipg || nb < 0 ||
	    (uint32_t)nb > (ndblk >> ump->um_fragshift) || nf < 0 ||
	    (uint32_t)nf > ndblk)
		return ffs_corrupt(ump, "cylinder group %u: bad counts "
		    "(%d dirs, %d blocks, %d inodes, %d frags free)", c, nd,
		    nb, ni, nf);
	return 0;
}

int
ffs_cg_read(struct ffs_mount *ump, uint32_t c, struct buf **bpp)
{
	struct buf *bp;
	int error;

	*bpp = NULL;
	KASSERT(c < ump->um_ncg);
	error = bread(ump->um_dev, FFS_FSBTODB(ump, ffs_cgtod(ump, c)),
	    ump->um_cgsize, &bp);
	if (error)
		return error;
	if ((error = ffs_cg_check(ump, c, bp->b_data)) != 0) {
		brelse(bp);
		return error;
	}
	*bpp = bp;
	return 0;
}

/* ---- superblock and summary writes ---- */

/* Copy the in-core counts into the raw superblock.  um_lock held. */
static void
ffs_sb_fill(struct ffs_mount *ump)
{
	struct ffs_super *fs = (struct ffs_super *)ump->um_sbraw;
	struct vfs_timespec now;

	KASSERT(mutex_owned(&ump->um_lock));
	vfs_timestamp(&now);
	FFS_WR64(ump, fs->fs_time, now.tv_sec);
	FFS_WR64(ump, fs->fs_cstotal.cs_ndir, ump->um_cstotal.cs_ndir);
	FFS_WR64(ump, fs->fs_cstotal.cs_nbfree, ump->um_cstotal.cs_nbfree);
	FFS_WR64(ump, fs->fs_cstotal.cs_nifree, ump->um_cstotal.cs_nifree);
	FFS_WR64(ump, fs->fs_cstotal.cs_nffree, ump->um_cstotal.cs_nffree);
	if (!ump->um_ufs2) {
		FFS_WR32(ump, fs->fs_old_time, (int32_t)now.tv_sec);
		FFS_WR32(ump, fs->fs_old_cstotal.cs_ndir,
		    (int32_t)ump->um_cstotal.cs_ndir);
		FFS_WR32(ump, fs->fs_old_cstotal.cs_nbfree,
		    (int32_t)ump->um_cstotal.cs_nbfree);
		FFS_WR32(ump, fs->fs_old_cstotal.cs_nifree,
		    (int32_t)ump->um_cstotal.cs_nifree);
		FFS_WR32(ump, fs->fs_old_cstotal.cs_nffree,
		    (int32_t)ump->um_cstotal.cs_nffree);
	}
	fs->fs_fmod = 0;
	fs->fs_ronly = 0;
}

/* Write the raw superblock (a copy taken under um_lock) to the device. */
static int
ffs_sb_put(struct ffs_mount *ump, const uint8_t *raw, bool wait)
{
	struct buf *bp;
	int error;

	error = getblk(ump->um_dev, (daddr_t)(ump->um_sblockloc / DEV_BSIZE),
	    ump->um_sbsize, &bp);
	if (error)
		return error;
	memcpy(bp->b_data, raw, ump->um_sbsize);
	if (wait)
		return bwrite(bp);
	bdwrite(bp);
	return 0;
}

int
ffs_sbupdate(struct ffs_mount *ump, bool wait)
{
	uint32_t blks, i, n, c, done, size;
	uint8_t *sb = NULL, *cs = NULL;
	struct buf *bp;
	int error = 0, e;

	if (ump->um_rdonly)
		return 0;
	if ((sb = kmem_alloc(ump->um_sbsize)) == NULL ||
	    (cs = kmem_alloc(ump->um_cssize)) == NULL) {
		error = ENOMEM;
		goto out;
	}
	/* A consistent copy of the counts; write it without the lock. */
	mutex_enter(&ump->um_lock);
	if (!ump->um_fmod && !wait) {
		mutex_exit(&ump->um_lock);
		goto out;
	}
	ffs_sb_fill(ump);
	memcpy(sb, ump->um_sbraw, ump->um_sbsize);
	/* The summary area: the entries in disk order, then zeros. */
	memset(cs, 0, ump->um_cssize);
	for (c = 0; c < ump->um_ncg; c++) {
		struct ffs_csum *d = (struct ffs_csum *)cs + c;

		FFS_WR32(ump, d->cs_ndir, ump->um_cs[c].cs_ndir);
		FFS_WR32(ump, d->cs_nbfree, ump->um_cs[c].cs_nbfree);
		FFS_WR32(ump, d->cs_nifree, ump->um_cs[c].cs_nifree);
		FFS_WR32(ump, d->cs_nffree, ump->um_cs[c].cs_nffree);
	}
	ump->um_fmod = false;
	mutex_exit(&ump->um_lock);

	blks = ffs_numfrags(ump, ffs_fragroundup(ump, ump->um_cssize));
	for (i = 0, done = 0; i < blks; i += ump->um_frag) {
		n = MIN(ump->um_frag, blks - i);
		size = n << ump->um_fshift;
		e = getblk(ump->um_dev, FFS_FSBTODB(ump, ump->um_csaddr + i),
		    size, &bp);
		if (e != 0) {
			if (error == 0)
				error = e;
			continue;
		}
		memset(bp->b_data, 0, size);
		if (done < ump->um_cssize)
			memcpy(bp->b_data, cs + done,
			    MIN(size, ump->um_cssize - done));
		done += size;
		if (wait) {
			if ((e = bwrite(bp)) != 0 && error == 0)
				error = e;
		} else
			bdwrite(bp);
	}
	if ((e = ffs_sb_put(ump, sb, wait)) != 0 && error == 0)
		error = e;
out:
	if (sb != NULL)
		kmem_free(sb, ump->um_sbsize);
	if (cs != NULL)
		kmem_free(cs, ump->um_cssize);
	return error;
}

int
ffs_sbwrite_clean(struct ffs_mount *ump, uint8_t clean)
{
	struct ffs_super *fs = (struct ffs_super *)ump->um_sbraw;
	uint8_t *sb;
	int error;

	if ((sb = kmem_alloc(ump->um_sbsize)) == NULL)
		return ENOMEM;
	mutex_enter(&ump->um_lock);
	ffs_sb_fill(ump);
	fs->fs_clean = clean;
	memcpy(sb, ump->um_sbraw, ump->um_sbsize);
	mutex_exit(&ump->um_lock);
	error = ffs_sb_put(ump, sb, true);
	kmem_free(sb, ump->um_sbsize);
	if (error == 0)
		error = blkdev_flush(ump->um_dev);
	return error;
}

/* ---- conversions ---- */

/*
 * NetBSD keeps major and minor in a 32-bit dev_t exactly as the low 32
 * bits of Linux's encoding (12-bit major from bit 8, minor in bits 0-7
 * and 20-31), and FreeBSD's UFS2 64-bit rdev agrees for the numbers
 * both can hold: the raw value is the kernel's encoding.
 */
uint64_t
ffs_rdev_decode(uint64_t raw)
{
	return raw;
}

uint64_t
ffs_rdev_encode(uint64_t rdev)
{
	return rdev;
}

enum vtype
ffs_mode_vtype(uint32_t mode)
{
	switch (mode & FFS_IFMT) {
	case FFS_IFREG:
		return VREG;
	case FFS_IFDIR:
		return VDIR;
	case FFS_IFLNK:
		return VLNK;
	case FFS_IFCHR:
		return VCHR;
	case FFS_IFBLK:
		return VBLK;
	case FFS_IFIFO:
		return VFIFO;
	case FFS_IFSOCK:
		return VSOCK;
	default:
		return VNON;
	}
}

uint8_t
ffs_mode_dtype(uint32_t mode)
{
	return (uint8_t)((mode & FFS_IFMT) >> 12);
}
