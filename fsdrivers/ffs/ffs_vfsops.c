/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_vfsops.c -- mounting the Berkeley Fast File System (UFS1 and
 * UFS2, either byte order): the superblock, the cylinder summary, the
 * clean flag, statvfs, sync, unmount and vnode loading.  Registered as
 * "ffs" with the alias "ufs".
 *
 * Mount, in order:
 *   1. Look for a superblock at 8192, 65536, 262144 and 0 bytes.  A
 *      UFS1 or UFS2 magic in either byte order is a candidate (the
 *      swapped magic sets um_swap: every later read and write of a
 *      multi-byte field goes through the FFS_RD / FFS_WR accessors); a
 *      UFS2 superblock must say it lives where it was found.  The first
 *      candidate that validates wins.
 *   2. Validate every field the driver uses (ffs_sb_setup): block and
 *      fragment sizes and their shifts and masks, groups, inodes and
 *      fragments per group, the layout offsets inside a group, the
 *      summary area, the size against the device, per-inode and
 *      per-block counts, the symlink and cluster parameters.
 *   3. Decide what may be written.  Features the driver cannot keep
 *      consistent (journaled soft updates, gjournal, in-filesystem
 *      quotas, snapshots, the old 4.2 formats, UFS1 without the
 *      relocated fields) refuse a read-write mount (EROFS, saying
 *      which).  A filesystem that is not clean (fs_clean without
 *      FS_ISCLEAN, FS_NEEDSFSCK, or a WAPBL journal that may need
 *      replaying) is mounted read-only, with a message saying why,
 *      unless "force_dirty_rw" is given.
 *   4. Read the cylinder summary (one struct ffs_csum per group) and
 *      total it; the totals in the superblock are only reported if they
 *      differ.
 *   5. Check the root inode.
 *   6. Read-write: write fs_clean = 0 to the device before anything
 *      else.  A clean unmount writes FS_ISCLEAN last, after everything
 *      else reached the device, unless the filesystem was not clean
 *      when it was mounted.
 *
 * Locking, for the whole driver:
 *   - the vnode lock of each file protects its struct ffs_inode (see
 *     ffs_node.h for the atime exception);
 *   - um_lock protects the allocation state: the group headers (their
 *     buffers are taken only under it), um_cs, um_cstotal,
 *     um_contigdirs, um_fmod and the raw superblock's counts.  It is
 *     held across the reads of group headers;
 *   - order: vnode locks (directory before child) -> buffers of inode,
 *     indirect and data blocks of that file -> um_lock -> group header
 *     buffers (and, under um_lock, fresh inode blocks of UFS2).
 *     Nothing that holds um_lock waits for a vnode lock or for a
 *     buffer of a file's blocks.
 *
 * Exports ffs_vfsops.
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ffs_fs.h"
#include "ffs_node.h"

static const int64_t ffs_sblock_try[] = {
	FFS_SBLOCK_UFS1, FFS_SBLOCK_UFS2, FFS_SBLOCK_PIGGY, FFS_SBLOCK_FLOPPY
};

/* log2 of a power of two, or -1. */
static int
ffs_log2(uint64_t v)
{
	int n = 0;

	if (v == 0 || !powerof2(v))
		return -1;
	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

/*
 * Does RAW (at least sizeof(struct ffs_super) bytes, read at LOC) look
 * like a superblock?  *SWAPP says whether its order is not the host's.
 */
static bool
ffs_sb_magic(const uint8_t *raw, int64_t loc, bool *swapp, int32_t *magicp)
{
	const struct ffs_super *fs = (const struct ffs_super *)raw;
	int32_t m = fs->fs_magic, sm = (int32_t)__builtin_bswap32((uint32_t)m);
	int64_t sbloc;
	bool swap;

	if (m == FFS_UFS1_MAGIC || m == FFS_UFS2_MAGIC ||
	    m == FFS_UFS2EA_MAGIC)
		swap = false;
	else if (sm == FFS_UFS1_MAGIC || sm == FFS_UFS2_MAGIC ||
	    sm == FFS_UFS2EA_MAGIC)
		swap = true, m = sm;
	else
		return false;
	sbloc = swap ? (int64_t)__builtin_bswap64((uint64_t)fs->fs_sblockloc) :
	    fs->fs_sblockloc;
	if (m == FFS_UFS1_MAGIC) {
		/* Old UFS1 leaves fs_sblockloc 0. */
		if (sbloc != loc && !(sbloc == 0 && loc == FFS_SBLOCK_UFS1))
			return false;
	} else if (sbloc != loc)
		return false;
	*swapp = swap;
	*magicp = m;
	return true;
}

#define SB_BAD(what)							\
	do {								\
		why = what;						\
		goto bad;						\
	} while (0)

/* Step 2: decode and validate the superblock in ump->um_sbraw. */
static int
ffs_sb_setup(struct ffs_mount *ump, uint64_t devsize)
{
	const struct ffs_super *fs = (const struct ffs_super *)ump->um_sbraw;
	const char *why;
	int64_t maxfs, lastdmin, csfrags;
	uint64_t ninodes, maxlbn;
	uint32_t old_flags = fs->fs_old_flags, c, inodefmt;

	ump->um_ufs2 = ump->um_magic != FFS_UFS1_MAGIC;
	ump->um_isize = ump->um_ufs2 ? sizeof(struct ffs_ufs2_dinode) :
	    sizeof(struct ffs_ufs1_dinode);
	ump->um_sbsize = FFS_RD32(ump, fs->fs_sbsize);
	ump->um_bsize = FFS_RD32(ump, fs->fs_bsize);
	ump->um_fsize = FFS_RD32(ump, fs->fs_fsize);
	ump->um_frag = FFS_RD32(ump, fs->fs_frag);

	if (ump->um_sbsize < sizeof(struct ffs_super) ||
	    ump->um_sbsize > FFS_SBLOCKSIZE || ump->um_sbsize % DEV_BSIZE)
		SB_BAD("superblock size");
	if (ump->um_bsize < FFS_MINBSIZE || ump->um_bsize > FFS_MAXBSIZE ||
	    !powerof2(ump->um_bsize))
		SB_BAD("block size");
	if (ump->um_fsize < DEV_BSIZE || ump->um_fsize > ump->um_bsize ||
	    !powerof2(ump->um_fsize) || ump->um_bsize / ump->um_fsize >
	    FFS_MAXFRAG || ump->um_frag != ump->um_bsize / ump->um_fsize)
		SB_BAD("fragment size");
	ump->um_bshift = (uint32_t)ffs_log2(ump->um_bsize);
	ump->um_fshift = (uint32_t)ffs_log2(ump->um_fsize);
	ump->um_fragshift = (uint32_t)ffs_log2(ump->um_frag);
	ump->um_fsbtodb = ump->um_fshift - DEV_BSHIFT;
	if (FFS_RD32(ump, fs->fs_bshift) != ump->um_bshift ||
	    FFS_RD32(ump, fs->fs_fshift) != ump->um_fshift ||
	    FFS_RD32(ump, fs->fs_fragshift) != ump->um_fragshift ||
	    FFS_RD32(ump, fs->fs_fsbtodb) != ump->um_fsbtodb ||
	    FFS_RDS32(ump, fs->fs_bmask) != ~(int32_t)(ump->um_bsize - 1) ||
	    FFS_RDS32(ump, fs->fs_fmask) != ~(int32_t)(ump->um_fsize - 1))
		SB_BAD("shift or mask fields");
	if (ump->um_sbsize > ump->um_bsize)
		SB_BAD("superblock size");

	ump->um_inopb = ump->um_bsize / ump->um_isize;
	ump->um_nindir = ump->um_bsize /
	    (ump->um_ufs2 ? sizeof(int64_t) : sizeof(int32_t));
	ump->um_nindirshift = (uint32_t)ffs_log2(ump->um_nindir);
	if (FFS_RD32(ump, fs->fs_inopb) != ump->um_inopb ||
	    FFS_RD32(ump, fs->fs_nindir) != ump->um_nindir)
		SB_BAD("inodes or addresses per block");

	ump->um_ncg = FFS_RD32(ump, fs->fs_ncg);
	ump->um_ipg = FFS_RD32(ump, fs->fs_ipg);
	ump->um_fpg = FFS_RD32(ump, fs->fs_fpg);
	if (ump->um_ncg == 0 || ump->um_ncg > INT32_MAX)
		SB_BAD("group count");
	if (ump->um_ipg == 0 || ump->um_ipg % ump->um_inopb != 0 ||
	    ump->um_ipg > INT32_MAX)
		SB_BAD("inodes per group");
	ninodes = (uint64_t)ump->um_ncg * ump->um_ipg;
	if (ninodes > UINT32_MAX)
		SB_BAD("inode count");
	ump->um_ninodes = ninodes;
	if (ump->um_fpg == 0 || ump->um_fpg % ump->um_frag != 0 ||
	    ump->um_fpg > INT32_MAX)
		SB_BAD("fragments per group");

	if (ump->um_ufs2) {
		ump->um_size = FFS_RDS64(ump, fs->fs_size);
		ump->um_dsize = FFS_RDS64(ump, fs->fs_dsize);
		ump->um_csaddr = FFS_RDS64(ump, fs->fs_csaddr);
		ump->um_cgoffset = 0;
		ump->um_cgmask = -1;
	} else {
		ump->um_size = FFS_RDS32(ump, fs->fs_old_size);
		ump->um_dsize = FFS_RDS32(ump, fs->fs_old_dsize);
		ump->um_csaddr = FFS_RDS32(ump, fs->fs_old_csaddr);
		ump->um_cgoffset = FFS_RDS32(ump, fs->fs_old_cgoffset);
		ump->um_cgmask = FFS_RDS32(ump, fs->fs_old_cgmask);
		if ((old_flags & FFS_FLAGS_UPDATED) &&
		    FFS_RDS64(ump, fs->fs_size) != ump->um_size)
			SB_BAD("size (old and new fields differ)");
		if (ump->um_cgoffset < 0 ||
		    ump->um_cgoffset % (int32_t)ump->um_frag != 0 ||
		    ump->um_cgoffset > (int32_t)ump->um_fpg)
			SB_BAD("group stagger");
	}
	maxfs = (int64_t)(devsize >> ump->um_fshift);
	if (ump->um_size <= 0 || ump->um_size > maxfs)
		SB_BAD("size (larger than the device)");
	if ((uint64_t)ump->um_ncg * ump->um_fpg < (uint64_t)ump->um_size ||
	    (uint64_t)(ump->um_ncg - 1) * ump->um_fpg >=
	    (uint64_t)ump->um_size)
		SB_BAD("group count for the size");
	if (ump->um_dsize <= 0 || ump->um_dsize > ump->um_size)
		SB_BAD("data size");

	ump->um_sblkno = FFS_RD32(ump, fs->fs_sblkno);
	ump->um_cblkno = FFS_RD32(ump, fs->fs_cblkno);
	ump->um_iblkno = FFS_RD32(ump, fs->fs_iblkno);
	ump->um_dblkno = FFS_RD32(ump, fs->fs_dblkno);
	ump->um_cgsize = FFS_RD32(ump, fs->fs_cgsize);
	if (ump->um_sblkno % ump->um_frag || ump->um_cblkno % ump->um_frag ||
	    ump->um_iblkno % ump->um_frag || ump->um_dblkno % ump->um_frag)
		SB_BAD("group layout (not block aligned)");
	if (((uint64_t)ump->um_sblkno << ump->um_fshift) < ump->um_sbsize ||
	    ump->um_cblkno < ump->um_sblkno + ffs_numfrags(ump,
	    ffs_fragroundup(ump, ump->um_sbsize)) ||
	    ump->um_iblkno < ump->um_cblkno + ffs_numfrags(ump,
	    ffs_fragroundup(ump, ump->um_cgsize)) ||
	    ump->um_dblkno < ump->um_iblkno + (ump->um_ipg / ump->um_inopb) *
	    ump->um_frag || ump->um_dblkno > ump->um_fpg)
		SB_BAD("group layout");
	if (ump->um_cgsize < sizeof(struct ffs_cg) ||
	    ump->um_cgsize > ump->um_bsize || ump->um_cgsize % ump->um_fsize)
		SB_BAD("group header size");
	/* Every group's metadata must lie inside the filesystem. */
	for (c = 0; c < ump->um_ncg; c++) {
		lastdmin = ffs_cgdmin(ump, c);
		if (lastdmin > ump->um_size ||
		    lastdmin > ffs_cgbase(ump, c) + ump->um_fpg)
			SB_BAD("group layout (last group too small)");
	}

	ump->um_cssize = FFS_RD32(ump, fs->fs_cssize);
	csfrags = ffs_numfrags(ump, ffs_fragroundup(ump, ump->um_cssize));
	if (ump->um_cssize < ump->um_ncg * sizeof(struct ffs_csum) ||
	    ump->um_cssize > ump->um_ncg * sizeof(struct ffs_csum) +
	    ump->um_bsize || ump->um_cssize > 64u * 1024 * 1024)
		SB_BAD("summary size");
	if (ump->um_csaddr < ffs_cgdmin(ump, 0) ||
	    ump->um_csaddr + csfrags > ump->um_size ||
	    ump->um_csaddr + csfrags > ffs_cgbase(ump, 0) + ump->um_fpg)
		SB_BAD("summary address");

	ump->um_minfree = FFS_RD32(ump, fs->fs_minfree);
	if (ump->um_minfree > 99)
		SB_BAD("minfree");
	ump->um_maxbpg = FFS_RD32(ump, fs->fs_maxbpg);
	if (ump->um_maxbpg == 0 || ump->um_maxbpg > INT32_MAX)
		ump->um_maxbpg = ump->um_nindir;
	ump->um_maxcontig = FFS_RD32(ump, fs->fs_maxcontig);
	ump->um_optim = FFS_RD32(ump, fs->fs_optim) == FFS_OPTSPACE ?
	    FFS_OPTSPACE : FFS_OPTTIME;
	ump->um_contigsumsize = FFS_RD32(ump, fs->fs_contigsumsize);
	if (ump->um_contigsumsize > FFS_MAXCONTIG)
		SB_BAD("cluster summary size");
	ump->um_maxsymlinklen = FFS_RD32(ump, fs->fs_maxsymlinklen);
	if (ump->um_maxsymlinklen > FFS_NDADDR * (ump->um_ufs2 ? 8u : 4u) +
	    FFS_NIADDR * (ump->um_ufs2 ? 8u : 4u))
		SB_BAD("maximum inline symlink length");
	ump->um_avgfilesize = FFS_RD32(ump, fs->fs_avgfilesize);
	ump->um_avgfpdir = FFS_RD32(ump, fs->fs_avgfpdir);
	if (ump->um_avgfilesize > (1u << 30) || ump->um_avgfpdir > 65536)
		ump->um_avgfilesize = ump->um_avgfpdir = 0;

	ump->um_flags = FFS_RD32(ump, fs->fs_flags);
	if (!ump->um_ufs2 && !(old_flags & FFS_FLAGS_UPDATED))
		ump->um_flags = old_flags;
	inodefmt = ump->um_ufs2 ? FFS_44INODEFMT :
	    (uint32_t)FFS_RDS32(ump, fs->fs_old_inodefmt);
	ump->um_olddir = ump->um_oldids = !ump->um_ufs2 &&
	    (int32_t)inodefmt < FFS_44INODEFMT;

	maxlbn = (uint64_t)ffs_max_lblocks(ump);
	ump->um_maxfilesize = MIN(maxlbn, (uint64_t)INT64_MAX >>
	    ump->um_bshift) << ump->um_bshift;
	if (FFS_RD64(ump, fs->fs_maxfilesize) != 0)
		ump->um_maxfilesize = MIN(ump->um_maxfilesize,
		    FFS_RD64(ump, fs->fs_maxfilesize));
	return 0;
bad:
	return ffs_corrupt(ump, "superblock at %llu: bad %s",
	    (unsigned long long)ump->um_sblockloc, why);
}

/* Step 1: find and validate the superblock. */
static int
ffs_sb_find(struct ffs_mount *ump)
{
	struct blkdev *dev = ump->um_dev;
	int error = EINVAL, e;
	uint8_t *raw;
	size_t i;

	if ((raw = kmem_alloc(FFS_SBLOCKSIZE)) == NULL)
		return ENOMEM;
	for (i = 0; i < __arraycount(ffs_sblock_try); i++) {
		int64_t loc = ffs_sblock_try[i];

		if ((uint64_t)loc + FFS_SBLOCKSIZE > dev->bd_size)
			continue;
		if ((e = blkdev_read(dev, raw, FFS_SBLOCKSIZE,
		    (uint64_t)loc)) != 0) {
			error = e;
			continue;
		}
		if (!ffs_sb_magic(raw, loc, &ump->um_swap, &ump->um_magic))
			continue;
		ump->um_sblockloc = (uint64_t)loc;
		ump->um_sbraw = raw;
		if ((e = ffs_sb_setup(ump, dev->bd_size)) == 0) {
			/* keep exactly fs_sbsize bytes */
			if ((raw = kmem_alloc(ump->um_sbsize)) == NULL) {
				kmem_free(ump->um_sbraw, FFS_SBLOCKSIZE);
				ump->um_sbraw = NULL;
				return ENOMEM;
			}
			memcpy(raw, ump->um_sbraw, ump->um_sbsize);
			kmem_free(ump->um_sbraw, FFS_SBLOCKSIZE);
			ump->um_sbraw = raw;
			return 0;
		}
		ump->um_sbraw = NULL;
		error = e;
	}
	kmem_free(raw, FFS_SBLOCKSIZE);
	return error;
}

/* Step 4: read the cylinder summary into um_cs and total it. */
static int
ffs_cs_load(struct ffs_mount *ump)
{
	const struct ffs_super *fs = (const struct ffs_super *)ump->um_sbraw;
	uint32_t blks, i, n, size, done, c, nblk;
	struct ffs_csum_total t;
	struct ffs_csum *d;
	uint8_t *raw;
	struct buf *bp;
	int error = 0;

	if ((raw = kmem_alloc(ump->um_cssize)) == NULL)
		return ENOMEM;
	blks = ffs_numfrags(ump, ffs_fragroundup(ump, ump->um_cssize));
	for (i = 0, done = 0; i < blks; i += ump->um_frag) {
		n = MIN(ump->um_frag, blks - i);
		size = n << ump->um_fshift;
		if ((error = bread(ump->um_dev, FFS_FSBTODB(ump,
		    ump->um_csaddr + i), size, &bp)) != 0)
			goto out;
		n = MIN(size, ump->um_cssize - done);
		memcpy(raw + done, bp->b_data, n);
		done += n;
		brelse(bp);
	}
	memset(&t, 0, sizeof(t));
	for (c = 0; c < ump->um_ncg; c++) {
		d = (struct ffs_csum *)raw + c;
		ump->um_cs[c].cs_ndir = FFS_RDS32(ump, d->cs_ndir);
		ump->um_cs[c].cs_nbfree = FFS_RDS32(ump, d->cs_nbfree);
		ump->um_cs[c].cs_nifree = FFS_RDS32(ump, d->cs_nifree);
		ump->um_cs[c].cs_nffree = FFS_RDS32(ump, d->cs_nffree);
		nblk = ffs_cg_nfrags(ump, c) >> ump->um_fragshift;
		if (ump->um_cs[c].cs_ndir < 0 || ump->um_cs[c].cs_nbfree < 0 ||
		    ump->um_cs[c].cs_nifree < 0 ||
		    ump->um_cs[c].cs_nffree < 0 ||
		    (uint32_t)ump->um_cs[c].cs_ndir > ump->um_ipg ||
		    (uint32_t)ump->um_cs[c].cs_nifree > ump->um_ipg ||
		    (uint32_t)ump->um_cs[c].cs_nbfree > nblk ||
		    (uint32_t)ump->um_cs[c].cs_nffree > ffs_cg_nfrags(ump, c)) {
			error = ffs_corrupt(ump, "cylinder summary of group "
			    "%u out of range", c);
			goto out;
		}
		t.cs_ndir += ump->um_cs[c].cs_ndir;
		t.cs_nbfree += ump->um_cs[c].cs_nbfree;
		t.cs_nifree += ump->um_cs[c].cs_nifree;
		t.cs_nffree += ump->um_cs[c].cs_nffree;
	}
	ump->um_cstotal = t;
	if (ump->um_ufs2 || (fs->fs_old_flags & FFS_FLAGS_UPDATED)) {
		if (FFS_RDS64(ump, fs->fs_cstotal.cs_nbfree) != t.cs_nbfree ||
		    FFS_RDS64(ump, fs->fs_cstotal.cs_nffree) != t.cs_nffree ||
		    FFS_RDS64(ump, fs->fs_cstotal.cs_nifree) != t.cs_nifree ||
		    FFS_RDS64(ump, fs->fs_cstotal.cs_ndir) != t.cs_ndir)
			klog(KLOG_INFO, "ffs: %s: superblock totals differ "
			    "from the cylinder summary; using the summary",
			    ump->um_mp->mnt_source);
	}
out:
	kmem_free(raw, ump->um_cssize);
	return error;
}

static int
ffs_check_root(struct ffs_mount *ump)
{
	struct ffs_inode *ip;
	int error;

	error = ffs_inode_load(ump, FFS_ROOTINO, &ip);
	if (error == ENOENT || error == ESTALE)
		return ffs_corrupt(ump, "root inode is free");
	if (error)
		return error;
	if ((ip->i_mode & FFS_IFMT) != FFS_IFDIR)
		error = ffs_corrupt(ump, "root inode is not a directory");
	ffs_inode_free(ip);
	return error;
}

/*
 * Step 3.  Features that writing would break: a reason, or NULL.
 */
static const char *
ffs_rw_unsupported(const struct ffs_mount *ump)
{
	const struct ffs_super *fs = (const struct ffs_super *)ump->um_sbraw;
	int i;

	if (ump->um_olddir)
		return "it uses the 4.2BSD inode and directory format";
	if (!ump->um_ufs2 && !(fs->fs_old_flags & FFS_FLAGS_UPDATED))
		return "it is an old UFS1 filesystem without the relocated "
		    "superblock fields (fsck_ffs on NetBSD updates it)";
	if (ump->um_flags & FFS_SUJ)
		return "it uses journaled soft updates";
	if (ump->um_flags & FFS_GJOURNAL)
		return "it uses gjournal";
	if (ump->um_flags & FFS_DOQUOTA2)
		return "it keeps quotas, which this driver does not update";
	for (i = 0; i < FFS_FSMAXSNAP; i++)
		if (fs->fs_snapinum[i] != 0)
			return "it holds snapshots";
	if (ump->um_maxsymlinklen == 0)
		return "it keeps no symlinks in inodes (old format)";
	return NULL;
}

/* Step 3.  Why the filesystem is not clean, or NULL. */
static const char *
ffs_dirty_reason(const struct ffs_mount *ump)
{
	const struct ffs_super *fs = (const struct ffs_super *)ump->um_sbraw;

	if ((ump->um_flags & FFS_DOWAPBL) && !(fs->fs_clean & FFS_ISCLEAN))
		return "its WAPBL journal may need to be replayed (mount it "
		    "on NetBSD, or run fsck_ffs)";
	if (!(fs->fs_clean & FFS_ISCLEAN))
		return "it was not unmounted cleanly (run fsck_ffs)";
	if (ump->um_flags & FFS_NEEDSFSCK)
		return "it is marked as needing fsck";
	return NULL;
}

static void
ffs_mount_free(struct ffs_mount *ump)
{
	if (ump->um_sbraw != NULL)
		kmem_free(ump->um_sbraw, ump->um_sbsize);
	if (ump->um_cs != NULL)
		kmem_free(ump->um_cs, ump->um_ncg * sizeof(*ump->um_cs));
	if (ump->um_contigdirs != NULL)
		kmem_free(ump->um_contigdirs, ump->um_ncg);
	mutex_destroy(&ump->um_lock);
	kmem_free(ump, sizeof(*ump));
}

static int
ffs_mount(struct mount *mp)
{
	struct blkdev *dev = mp->mnt_dev;
	struct ffs_mount *ump;
	const char *why;
	bool force;
	int error;

	if (dev == NULL || dev->bd_size < FFS_SBLOCK_UFS1 + FFS_SBLOCKSIZE) {
		vfs_mount_error(mp, "ffs: device too small");
		return EINVAL;
	}
	force = vfs_getopt(mp, "force_dirty_rw", NULL);
	if ((ump = kmem_zalloc(sizeof(*ump))) == NULL)
		return ENOMEM;
	if ((error = mutex_init(&ump->um_lock)) != 0) {
		kmem_free(ump, sizeof(*ump));
		return error;
	}
	ump->um_mp = mp;
	ump->um_dev = dev;
	ump->um_rdonly = true;
	if ((error = ffs_sb_find(ump)) != 0) {
		if (error == EINVAL)
			vfs_mount_error(mp, "ffs: no FFS superblock found "
			    "on %s", mp->mnt_source);
		goto out_free;
	}
	if ((ump->um_cs = kmem_zalloc(ump->um_ncg * sizeof(*ump->um_cs))) ==
	    NULL || (ump->um_contigdirs = kmem_zalloc(ump->um_ncg)) == NULL) {
		error = ENOMEM;
		goto out_free;
	}

	if (!vfs_isrdonly(mp)) {
		if ((why = ffs_rw_unsupported(ump)) != NULL) {
			vfs_mount_error(mp, "ffs: %s cannot be mounted "
			    "read-write: %s; mount it read-only (-o ro)",
			    mp->mnt_source, why);
			error = EROFS;
			goto out_free;
		}
		if ((why = ffs_dirty_reason(ump)) != NULL) {
			if (force)
				klog(KLOG_WARN, "ffs: %s: mounting read-write "
				    "although %s (force_dirty_rw): errors "
				    "already there may spread",
				    mp->mnt_source, why);
			else if (mp->mnt_flags & MNT_RWEXPLICIT) {
				vfs_mount_error(mp, "ffs: %s cannot be mounted "
				    "read-write: %s; mount it read-only, or "
				    "add force_dirty_rw to take the risk",
				    mp->mnt_source, why);
				error = EROFS;
				goto out_free;
			} else {
				klog(KLOG_WARN, "ffs: %s: mounting read-only "
				    "because %s; force_dirty_rw would mount "
				    "it read-write anyway", mp->mnt_source,
				    why);
				mp->mnt_flags |= MNT_RDONLY;
			}
		}
	} else if ((why = ffs_dirty_reason(ump)) != NULL)
		klog(KLOG_INFO, "ffs: %s: %s", mp->mnt_source, why);

	if ((error = ffs_cs_load(ump)) != 0)
		goto out_free;
	mp->mnt_data = ump;
	if ((error = ffs_check_root(ump)) != 0) {
		mp->mnt_data = NULL;
		goto out_free;
	}
	mp->mnt_namemax = FFS_MAXNAMLEN;
	mp->mnt_linkmax = FFS_LINK_MAX;
	mp->mnt_maxfilesize = ump->um_maxfilesize;

	if (!vfs_isrdonly(mp)) {
		ump->um_wasclean = ffs_dirty_reason(ump) == NULL;
		ump->um_rdonly = false;
		if ((error = ffs_sbwrite_clean(ump, 0)) != 0) {
			vfs_mount_error(mp, "ffs: cannot mark %s in use: "
			    "error %d", mp->mnt_source, error);
			ump->um_rdonly = true;
			mp->mnt_data = NULL;
			goto out_free;
		}
	}
	return 0;

out_free:
	if (error == EUCLEAN && mp->mnt_errbuf[0] == '\0')
		vfs_mount_error(mp, "ffs: corrupt filesystem (see log)");
	ffs_mount_free(ump);
	return error;
}

static int
ffs_unmount(struct mount *mp, int flags)
{
	struct ffs_mount *ump = VFSTOFFS(mp);
	int error = 0;

	(void)flags;
	if (!ump->um_rdonly) {
		/* Everything else first, then the clean flag. */
		if ((error = ffs_sbupdate(ump, false)) == 0)
			error = bsync(ump->um_dev);
		if (error == 0)
			error = ffs_sbwrite_clean(ump, ump->um_wasclean ?
			    FFS_ISCLEAN : 0);
		if (error)
			klog(KLOG_WARN, "ffs: %s: not marked clean: error %d",
			    mp->mnt_source, error);
	}
	ffs_mount_free(ump);
	mp->mnt_data = NULL;
	return error;
}

static int
ffs_root(struct mount *mp, struct vnode **vpp)
{
	return vcache_get(mp, FFS_ROOTINO, NULL, vpp);
}

static int
ffs_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	struct ffs_mount *ump = VFSTOFFS(mp);
	const struct ffs_super *fs = (const struct ffs_super *)ump->um_sbraw;
	int64_t bfree, reserve;

	memset(sv, 0, sizeof(*sv));
	mutex_enter(&ump->um_lock);
	bfree = (ump->um_cstotal.cs_nbfree << ump->um_fragshift) +
	    ump->um_cstotal.cs_nffree;
	sv->f_ffree = (uint64_t)MAX(ump->um_cstotal.cs_nifree, 0);
	mutex_exit(&ump->um_lock);
	reserve = ump->um_dsize * (int64_t)ump->um_minfree / 100;
	sv->f_bsize = ump->um_bsize;
	sv->f_frsize = ump->um_fsize;
	sv->f_blocks = (uint64_t)ump->um_dsize;
	sv->f_bfree = (uint64_t)MAX(bfree, 0);
	sv->f_bavail = bfree > reserve ? (uint64_t)(bfree - reserve) : 0;
	sv->f_files = ump->um_ninodes - FFS_ROOTINO;
	sv->f_favail = sv->f_ffree;
	sv->f_fsid = ((uint64_t)FFS_RD32(ump, fs->fs_id[0]) << 32) |
	    FFS_RD32(ump, fs->fs_id[1]);
	if (vfs_isrdonly(mp))
		sv->f_flag |= VFS_ST_RDONLY;
	if (mp->mnt_flags & MNT_NOSUID)
		sv->f_flag |= VFS_ST_NOSUID;
	sv->f_namemax = FFS_MAXNAMLEN;
	return 0;
}

static int
ffs_sync_vnode(struct vnode *vp, void *arg)
{
	(void)arg;
	if (vp->v_op != &ffs_vnodeops)
		return 0;
	vn_lock(vp, RW_READER);
	if (VTOI(vp) != NULL)
		(void)ffs_flush_atime(VTOI(vp));
	vn_unlock(vp);
	return 0;
}

static int
ffs_sync(struct mount *mp, bool wait)
{
	struct ffs_mount *ump = VFSTOFFS(mp);

	(void)wait;
	if (ump->um_rdonly)
		return 0;
	(void)vfs_vnode_iterate(mp, ffs_sync_vnode, NULL);
	return ffs_sbupdate(ump, false);
}

static int
ffs_loadvnode(struct mount *mp, struct vnode *vp, ino64_t ino, void *hint)
{
	struct ffs_mount *ump = VFSTOFFS(mp);
	struct ffs_inode *ip;
	int error;

	(void)hint;
	if ((error = ffs_inode_load(ump, ino, &ip)) != 0)
		return error;
	ip->i_vnode = vp;
	vp->v_type = ffs_mode_vtype(ip->i_mode);
	vp->v_op = &ffs_vnodeops;
	vp->v_data = ip;
	return 0;
}

static int
ffs_probe(struct blkdev *dev)
{
	uint8_t *raw;
	int32_t magic;
	bool swap, found = false;
	size_t i;

	if ((raw = kmem_alloc(sizeof(struct ffs_super))) == NULL)
		return ENOMEM;
	for (i = 0; i < __arraycount(ffs_sblock_try) && !found; i++) {
		uint64_t loc = (uint64_t)ffs_sblock_try[i];

		if (loc + FFS_SBLOCKSIZE > dev->bd_size)
			continue;
		if (blkdev_read(dev, raw, sizeof(struct ffs_super), loc) != 0)
			continue;
		found = ffs_sb_magic(raw, (int64_t)loc, &swap, &magic);
	}
	kmem_free(raw, sizeof(struct ffs_super));
	return found ? 0 : EINVAL;
}

static const char *const ffs_aliases[] = { "ufs", NULL };

static const struct vfs_optdesc ffs_opts[] = {
	{ "force_dirty_rw", VFS_OPT_FLAG,
	    "mount read-write even if the filesystem is not clean "
	    "(risks spreading damage; run fsck first)" },
	{ NULL, 0, NULL },
};

const struct vfsops ffs_vfsops = {
	.vfs_name = FFS_NAME,
	.vfs_aliases = ffs_aliases,
	.vfs_opts = ffs_opts,
	.vfs_needdev = true,
	.vfs_mount = ffs_mount,
	.vfs_unmount = ffs_unmount,
	.vfs_root = ffs_root,
	.vfs_statvfs = ffs_statvfs,
	.vfs_sync = ffs_sync,
	.vfs_loadvnode = ffs_loadvnode,
	.vfs_probe = ffs_probe,
};
