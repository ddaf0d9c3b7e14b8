/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msdosfs_vfsops.c -- mounting FAT12, FAT16 and FAT32: finding the
 * volume (the start of the device, an MBR partition, or offset=), the
 * boot sector and every BPB field, the FAT type, options, the dirty bit,
 * statvfs, sync, loading vnodes, and the probe.  Registered as "msdos"
 * with the aliases "msdosfs", "vfat" and "fat".
 *
 * Validation, in order (everything else trusts these):
 *   - a jump instruction (EB or E9) and, for the probe, the 55 AA
 *     signature;
 *   - bytes per sector 512..4096, a power of two; sectors per cluster a
 *     power of two 1..128; at least one reserved sector; 1..16 FATs; a
 *     media descriptor F0 or F8..FF;
 *   - total sectors (16- or 32-bit field) fitting the device, FAT size
 *     non-zero, the reserved, FAT and root regions leaving room for data;
 *   - the FAT type from the cluster count, Microsoft's rule: fewer than
 *     4085 clusters is FAT12, fewer than 65525 FAT16, else FAT32.  A
 *     FAT32 BPB (16-bit FAT size 0) is always FAT32, as Linux, mtools and
 *     dosfstools read it, since mkfs.fat -F 32 makes volumes below 65525
 *     clusters (with a warning, also logged here); a FAT16 BPB with
 *     65525 clusters or more is refused;
 *   - FAT32: no fixed root, version 0.0, a valid root cluster, the active
 *     FAT inside the count when mirroring is off, FSInfo signatures (a
 *     bad FSInfo is ignored, not trusted);
 *   - each FAT large enough for every cluster.
 *
 * Dirty bit.  While mounted read-write the volume is marked dirty (the
 * boot sector's state byte bit 0, which fsck.fat and Linux use, and on
 * FAT16/32 the clear "clean shutdown" bit of FAT[1], which Windows uses),
 * written before anything else; a clean unmount writes everything, then
 * marks it clean again.  A volume that was dirty when mounted stays dirty
 * (run fsck.fat), as Linux does.
 *
 * Life cycle: struct msdosfs_mount is built here and freed at unmount;
 * its geometry and options never change.  Nodes are made by
 * msdosfs_loadvnode and freed by VOP_RECLAIM.
 */
#include "kern/kern.h"
#include "kern/blkdev.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "msdosfs_fs.h"
#include "msdosfs_node.h"

#define MSDOSFS_MAXFATS	16

int
msdosfs_corrupt(struct msdosfs_mount *pmp, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	(void)kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vfs_corrupt(pmp->pm_mp, "%s", msg);
}

/* ---- options ---- */

static int
opt_octal(struct mount *mp, const char *name, uint32_t *valp)
{
	const char *s;
	uint32_t v = 0;

	if (!vfs_getopt(mp, name, &s))
		return 0;
	if (*s == '\0')
		goto bad;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '7' || v > 07777)
			goto bad;
		v = v * 8 + (uint32_t)(*s - '0');
	}
	if (v > 0777)
		goto bad;
	*valp = v;
	return 0;
bad:
	vfs_mount_error(mp, "msdos: bad %s (an octal mask up to 0777)", name);
	return EINVAL;
}

static int
opt_uint(struct mount *mp, const char *name, uint32_t *valp)
{
	uint64_t v;
	int error;

	error = vfs_getopt_uint64(mp, name, 0, &v);
	if (error == ENOENT)
		return 0;
	if (error != 0 || v > UINT32_MAX) {
		vfs_mount_error(mp, "msdos: bad %s", name);
		return EINVAL;
	}
	*valp = (uint32_t)v;
	return 0;
}

/* tz=UTC, tz=+HH:MM, tz=-HHMM; time_offset=MINUTES (Linux's). */
static int
opt_tz(struct mount *mp, int32_t *offp)
{
	const char *s, *p;
	int32_t sign = 1, h = 0, m = 0, n = 0;

	if (vfs_getopt(mp, "time_offset", &s)) {
		p = s;
		if (*p == '-' || *p == '+')
			sign = *p++ == '-' ? -1 : 1;
		if (*p == '\0')
			goto bad;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9' || n > 24 * 60)
				goto bad;
			n = n * 10 + (*p - '0');
		}
		if (n > 24 * 60)
			goto bad;
		*offp = sign * n * 60;
	}
	if (!vfs_getopt(mp, "tz", &s))
		return 0;
	if (strcmp(s, "UTC") == 0 || strcmp(s, "utc") == 0) {
		*offp = 0;
		return 0;
	}
	p = s;
	if (*p != '+' && *p != '-')
		goto bad;
	sign = *p++ == '-' ? -1 : 1;
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		goto bad;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	p += 2;
	if (*p == ':')
		p++;
	if (*p != '\0') {
		if (p[0] < '0' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
		    p[2] != '\0')
			goto bad;
		m = (p[0] - '0') * 10 + (p[1] - '0');
	}
	if (h > 24)
		goto bad;
	*offp = sign * (h * 3600 + m * 60);
	return 0;
bad:
	vfs_mount_error(mp, "msdos: bad tz/time_offset (tz=UTC, tz=+HH:MM, "
	    "time_offset=MINUTES)");
	return EINVAL;
}

static int
msdosfs_parse_opts(struct msdosfs_mount *pmp)
{
	struct mount *mp = pmp->pm_mp;
	kauth_cred_t cred = kauth_cred_get();
	uint32_t umask = 022, cp = 437;
	const char *s;
	int error;

	pmp->pm_uid = cred->cr_uid;
	pmp->pm_gid = cred->cr_gid;
	if ((error = opt_uint(mp, "uid", &pmp->pm_uid)) != 0 ||
	    (error = opt_uint(mp, "gid", &pmp->pm_gid)) != 0 ||
	    (error = opt_octal(mp, "umask", &umask)) != 0)
		return error;
	pmp->pm_fmask = pmp->pm_dmask = umask;
	if ((error = opt_octal(mp, "fmask", &pmp->pm_fmask)) != 0 ||
	    (error = opt_octal(mp, "dmask", &pmp->pm_dmask)) != 0 ||
	    (error = opt_tz(mp, &pmp->pm_tzoff)) != 0 ||
	    (error = opt_uint(mp, "codepage", &cp)) != 0)
		return error;
	pmp->pm_quiet = vfs_getopt(mp, "quiet", &s);
	if (cp == 437)
		pmp->pm_cp = msdosfs_cp437;
	else if (cp == 850)
		pmp->pm_cp = msdosfs_cp850;
	else {
		vfs_mount_error(mp, "msdos: codepage %u not known (437, 850)",
		    cp);
		return EINVAL;
	}
	return 0;
}

/* ---- finding the volume ---- */

/* Does the 512-byte sector S look like a FAT boot sector? */
static bool
bs_plausible(const uint8_t *s)
{
	uint16_t bps = msdos_get16(s + BPB_BYTSPERSEC);
	uint8_t spc = s[BPB_SECPERCLUS];

	return (s[BS_JMPBOOT] == 0xeb || s[BS_JMPBOOT] == 0xe9) &&
	    bps >= 512 && bps <= 4096 && powerof2(bps) && spc != 0 &&
	    powerof2(spc) && msdos_get16(s + BPB_RSVDSECCNT) != 0 &&
	    s[BPB_NUMFATS] != 0 && s[BPB_NUMFATS] <= MSDOSFS_MAXFATS;
}

static bool
mbr_fattype(uint8_t t)
{
	switch (t) {
	case 0x01: case 0x04: case 0x06: case 0x0b: case 0x0c: case 0x0e:
	case 0x11: case 0x14: case 0x16: case 0x1b: case 0x1c: case 0x1e:
		return true;
	default:
		return false;
	}
}

/*
 * Where the volume starts on DEV: OFFSET if given; else 0 if sector 0 is
 * a boot sector; else the first FAT partition of an MBR (or PART, 1..4).
 * => EINVAL (with a message in MP if not NULL) if there is none.
 */
static int
find_volume(struct blkdev *dev, struct mount *mp, bool haveoff, uint64_t off,
    uint32_t part, uint64_t *offp)
{
	uint8_t s[512];
	const uint8_t *pe;
	uint32_t i, start, size;
	int error;

	if (haveoff) {
		if (off % DEV_BSIZE != 0 || off >= dev->bd_size) {
			if (mp != NULL)
				vfs_mount_error(mp, "msdos: bad offset %llu",
				    (unsigned long long)off);
			return EINVAL;
		}
		*offp = off;
		return 0;
	}
	if (dev->bd_size < sizeof(s))
		return EINVAL;
	if ((error = blkdev_read(dev, s, sizeof(s), 0)) != 0)
		return error;
	if (part == 0 && bs_plausible(s)) {
		*offp = 0;
		return 0;
	}
	if (s[BS_SIGNATURE] == 0x55 && s[BS_SIGNATURE + 1] == 0xaa) {
		for (i = 0; i < MBR_NPARTS; i++) {
			if (part != 0 && i + 1 != part)
				continue;
			pe = s + MBR_PART0 + i * MBR_PARTSIZE;
			start = msdos_get32(pe + MBR_PT_START);
			size = msdos_get32(pe + MBR_PT_SIZE);
			if ((part == 0 && !mbr_fattype(pe[MBR_PT_TYPE])) ||
			    pe[MBR_PT_TYPE] == 0 || start == 0 || size == 0 ||
			    (uint64_t)start * DEV_BSIZE >= dev->bd_size)
				continue;
			*offp = (uint64_t)start * DEV_BSIZE;
			return 0;
		}
	}
	if (mp != NULL)
		vfs_mount_error(mp, "msdos: no FAT boot sector%s",
		    part != 0 ? " in that partition" : " or FAT partition");
	return EINVAL;
}

/* ---- the BPB ---- */

static int
bpb_bad(struct msdosfs_mount *pmp, const char *what, unsigned long long v)
{
	vfs_mount_error(pmp->pm_mp, "msdos: bad boot sector: %s (%llu)", what,
	    v);
	return msdosfs_corrupt(pmp, "boot sector: %s (%llu)", what, v);
}

/*
 * Decode and validate the boot sector BS (pm_bps bytes) into PMP, for a
 * device window of DEVSIZE bytes from pm_off.
 */
static int
bpb_setup(struct msdosfs_mount *pmp, const uint8_t *bs, uint64_t devsize)
{
	uint32_t bps, spc, rsvd, nfats, rootents, rootsecs, totsec, fatsz;
	uint32_t datasec, ncl, fsinfo, extflags;
	uint64_t metasec, need;
	bool fat32bpb;

	bps = msdos_get16(bs + BPB_BYTSPERSEC);
	spc = bs[BPB_SECPERCLUS];
	rsvd = msdos_get16(bs + BPB_RSVDSECCNT);
	nfats = bs[BPB_NUMFATS];
	rootents = msdos_get16(bs + BPB_ROOTENTCNT);
	totsec = msdos_get16(bs + BPB_TOTSEC16);
	if (totsec == 0)
		totsec = msdos_get32(bs + BPB_TOTSEC32);
	fatsz = msdos_get16(bs + BPB_FATSZ16);
	fat32bpb = fatsz == 0;
	if (fat32bpb)
		fatsz = msdos_get32(bs + BPB32_FATSZ32);

	if (bs[BS_JMPBOOT] != 0xeb && bs[BS_JMPBOOT] != 0xe9)
		return bpb_bad(pmp, "no jump instruction", bs[BS_JMPBOOT]);
	if (bps < 512 || bps > 4096 || !powerof2(bps))
		return bpb_bad(pmp, "bytes per sector", bps);
	if (spc == 0 || spc > 128 || !powerof2(spc))
		return bpb_bad(pmp, "sectors per cluster", spc);
	if (rsvd == 0)
		return bpb_bad(pmp, "reserved sectors", rsvd);
	if (nfats == 0 || nfats > MSDOSFS_MAXFATS)
		return bpb_bad(pmp, "number of FATs", nfats);
	if (bs[BPB_MEDIA] != 0xf0 && bs[BPB_MEDIA] < 0xf8)
		return bpb_bad(pmp, "media descriptor", bs[BPB_MEDIA]);
	if (totsec == 0 || (uint64_t)totsec * bps > devsize)
		return bpb_bad(pmp, "total sectors beyond the device", totsec);
	if (fatsz == 0)
		return bpb_bad(pmp, "FAT size", fatsz);
	if (fat32bpb && rootents != 0)
		return bpb_bad(pmp, "FAT32 with a fixed root directory",
		    rootents);
	if (!fat32bpb && rootents == 0)
		return bpb_bad(pmp, "FAT12/16 without root entries", rootents);
	rootsecs = (uint32_t)howmany((uint64_t)rootents * DE_SIZE, bps);
	metasec = rsvd + (uint64_t)nfats * fatsz + rootsecs;
	if (metasec >= totsec)
		return bpb_bad(pmp, "no room for data: metadata sectors",
		    metasec);
	datasec = totsec - (uint32_t)metasec;
	ncl = datasec / spc;
	if (ncl == 0)
		return bpb_bad(pmp, "no clusters", ncl);

	pmp->pm_bps = bps;
	pmp->pm_spc = spc;
	pmp->pm_clsize = bps * spc;
	pmp->pm_clshift = (uint32_t)__builtin_ctz(pmp->pm_clsize);
	pmp->pm_nfats = nfats;
	pmp->pm_ncl = ncl;
	pmp->pm_maxcl = ncl + 1;
	pmp->pm_fatoff = pmp->pm_off + (uint64_t)rsvd * bps;
	pmp->pm_fatsize = (uint64_t)fatsz * bps;
	pmp->pm_rootoff = pmp->pm_fatoff + nfats * pmp->pm_fatsize;
	pmp->pm_rootslots = rootents;
	pmp->pm_dataoff = pmp->pm_off + metasec * bps;
	pmp->pm_mirror = true;

	/* Microsoft's rule, see the top of the file. */
	if (ncl < FAT12_MAXCLUSTERS + 1)
		pmp->pm_fatbits = 12;
	else if (ncl < FAT16_MAXCLUSTERS + 1)
		pmp->pm_fatbits = 16;
	else
		pmp->pm_fatbits = 32;
	if (fat32bpb && pmp->pm_fatbits != 32) {
		klog(KLOG_WARN, "msdos: %s: FAT32 with only %u clusters (the "
		    "count makes it FAT%u): read as FAT32 like Linux and "
		    "dosfstools", pmp->pm_mp->mnt_source, ncl,
		    pmp->pm_fatbits);
		pmp->pm_fatbits = 32;
	} else if (!fat32bpb && pmp->pm_fatbits == 32)
		return bpb_bad(pmp, "FAT12/16 boot sector with FAT32 cluster "
		    "count", ncl);
	switch (pmp->pm_fatbits) {
	case 12:
		pmp->pm_fatmask = FAT12_MASK;
		need = howmany((uint64_t)(pmp->pm_maxcl + 1) * 3, 2);
		/* One buffer for the whole of it: no entry straddles two. */
		pmp->pm_fatblk = (uint32_t)MIN(roundup(need, 512),
		    pmp->pm_fatsize);
		break;
	case 16:
		pmp->pm_fatmask = FAT16_MASK;
		need = (uint64_t)(pmp->pm_maxcl + 1) * 2;
		pmp->pm_fatblk = 4096;
		break;
	default:
		pmp->pm_fatmask = FAT32_MASK;
		need = (uint64_t)(pmp->pm_maxcl + 1) * 4;
		pmp->pm_fatblk = 4096;
		if (pmp->pm_maxcl > FAT32_MASK - CLUST_BAD_OFF - 1)
			return bpb_bad(pmp, "too many FAT32 clusters", ncl);
		break;
	}
	if (need > pmp->pm_fatsize)
		return bpb_bad(pmp, "FAT too small for the clusters",
		    pmp->pm_fatsize);
	if (pmp->pm_fatbits != 32) {
		pmp->pm_rootcl = 0;
		pmp->pm_fsinfo = 0;
		return 0;
	}

	/* FAT32 */
	if (msdos_get16(bs + BPB32_FSVER) != 0)
		return bpb_bad(pmp, "FAT32 version", msdos_get16(bs +
		    BPB32_FSVER));
	pmp->pm_rootcl = msdos_get32(bs + BPB32_ROOTCLUS);
	if (!msdosfs_cl_valid(pmp, pmp->pm_rootcl))
		return bpb_bad(pmp, "root cluster", pmp->pm_rootcl);
	extflags = msdos_get16(bs + BPB32_EXTFLAGS);
	if (extflags & BPB32_EXTFLAGS_NOMIRROR) {
		pmp->pm_mirror = false;
		pmp->pm_activefat = extflags & BPB32_EXTFLAGS_ACTIVE;
		if (pmp->pm_activefat >= nfats)
			return bpb_bad(pmp, "active FAT", pmp->pm_activefat);
	}
	fsinfo = msdos_get16(bs + BPB32_FSINFO);
	pmp->pm_fsinfo = (fsinfo == 0 || fsinfo == 0xffff || fsinfo >= rsvd) ?
	    0 : fsinfo;
	pmp->pm_volid = msdos_get32(bs + BS32_VOLID);
	return 0;
}

/* Check FSInfo's signatures; take its hint if sane, else ignore it. */
static int
fsinfo_load(struct msdosfs_mount *pmp)
{
	struct buf *bp;
	const uint8_t *p;
	int error;

	if (pmp->pm_fsinfo == 0)
		return 0;
	error = bread(pmp->pm_dev, (daddr_t)((pmp->pm_off +
	    (uint64_t)pmp->pm_fsinfo * pmp->pm_bps) >> DEV_BSHIFT),
	    pmp->pm_bps, &bp);
	if (error != 0)
		return error;
	p = bp->b_data;
	if (msdos_get32(p + FSI_LEADSIG) != FSI_LEADSIG_VAL ||
	    msdos_get32(p + FSI_STRUCSIG) != FSI_STRUCSIG_VAL ||
	    msdos_get32(p + FSI_TRAILSIG) != FSI_TRAILSIG_VAL) {
		klog(KLOG_WARN, "msdos: %s: FSInfo sector has bad signatures; "
		    "ignored", pmp->pm_mp->mnt_source);
		pmp->pm_fsinfo = 0;
	} else
		pmp->pm_nxtfree = msdos_get32(p + FSI_NXTFREE);
	brelse(bp);
	return 0;
}

/* Set or clear the boot sector's dirty bit (bit 0 of the state byte). */
static int
bs_setdirty(struct msdosfs_mount *pmp, bool dirty)
{
	struct buf *bp;
	uint8_t *st;
	int error;

	error = bread(pmp->pm_dev, (daddr_t)(pmp->pm_off >> DEV_BSHIFT),
	    pmp->pm_bps, &bp);
	if (error != 0)
		return error;
	st = (uint8_t *)bp->b_data + (pmp->pm_fatbits == 32 ? BS32_STATE :
	    BS16_STATE);
	if (((*st & BS_STATE_DIRTY) != 0) == dirty) {
		brelse(bp);
		return 0;
	}
	*st = (uint8_t)(dirty ? *st | BS_STATE_DIRTY : *st & ~BS_STATE_DIRTY);
	return bwrite(bp);
}

static int
bs_isdirty(struct msdosfs_mount *pmp, const uint8_t *bs, bool *dirtyp)
{
	bool clean;
	int error;

	*dirtyp = (bs[pmp->pm_fatbits == 32 ? BS32_STATE : BS16_STATE] &
	    BS_STATE_DIRTY) != 0;
	if ((error = msdosfs_fat_isclean(pmp, &clean)) != 0)
		return error;
	if (!clean)
		*dirtyp = true;
	return 0;
}

static void
msdosfs_free(struct msdosfs_mount *pmp)
{
	msdosfs_ino_fini(pmp);
	if (pmp->pm_inuse != NULL)
		msdosfs_fat_fini(pmp);
	kmem_free(pmp, sizeof(*pmp));
}

static int
msdosfs_mount(struct mount *mp)
{
	struct blkdev *dev = mp->mnt_dev;
	struct msdosfs_mount *pmp;
	uint64_t off = 0, partv = 0;
	struct vnode *rvp;
	uint8_t *bs = NULL;
	bool haveoff, dirty;
	int error;

	if (dev == NULL) {
		vfs_mount_error(mp, "msdos: needs a device");
		return EINVAL;
	}
	if ((pmp = kmem_zalloc(sizeof(*pmp))) == NULL)
		return ENOMEM;
	pmp->pm_mp = mp;
	pmp->pm_dev = dev;
	pmp->pm_rdonly = vfs_isrdonly(mp);
	if ((error = msdosfs_parse_opts(pmp)) != 0)
		goto out_free;
	error = vfs_getopt_uint64(mp, "offset", 0, &off);
	haveoff = error == 0;
	if (error == 0 || error == ENOENT)
		error = vfs_getopt_uint64(mp, "partition", 0, &partv);
	if ((error != 0 && error != ENOENT) || partv > MBR_NPARTS) {
		vfs_mount_error(mp, "msdos: bad offset= or partition=");
		error = EINVAL;
		goto out_free;
	}
	if ((error = find_volume(dev, mp, haveoff, off, (uint32_t)partv,
	    &pmp->pm_off)) != 0)
		goto out_free;
	if ((error = msdosfs_ino_init(pmp)) != 0)
		goto out_free;

	/* The boot sector: 512 bytes for the BPB, then the whole sector. */
	if ((bs = kmem_alloc(4096)) == NULL) {
		error = ENOMEM;
		goto out_free;
	}
	if (dev->bd_size - pmp->pm_off < 512 ||
	    (error = blkdev_read(dev, bs, 512, pmp->pm_off)) != 0) {
		vfs_mount_error(mp, "msdos: cannot read the boot sector");
		error = error ? error : EINVAL;
		goto out_free;
	}
	if ((error = bpb_setup(pmp, bs, dev->bd_size - pmp->pm_off)) != 0)
		goto out_free;
	if (bs[BS_SIGNATURE] != 0x55 || bs[BS_SIGNATURE + 1] != 0xaa)
		klog(KLOG_WARN, "msdos: %s: boot sector lacks the 55 AA "
		    "signature", mp->mnt_source);
	if ((error = fsinfo_load(pmp)) != 0)
		goto out_free;
	if ((error = msdosfs_fat_init(pmp)) != 0)
		goto out_free;
	mp->mnt_data = pmp;
	mp->mnt_namemax = NAME_MAX;
	mp->mnt_flags |= MNT_NOCASE;	/* "foo" -> "FOO" is a real rename */
	mp->mnt_maxfilesize = MSDOSFS_MAXFILESIZE;
	mp->mnt_linkmax = MSDOSFS_MAXDIRSLOTS;
	msdosfs_dos2unix((0 << DD_YEAR_SHIFT) | (1 << DD_MONTH_SHIFT) | 1, 0,
	    0, pmp->pm_tzoff, &pmp->pm_roottime);

	/* The root must load (FAT32: its chain must be sound). */
	if ((error = vcache_get(mp, MSDOSFS_ROOTINO, NULL, &rvp)) != 0)
		goto out_flush;
	vrele(rvp);

	if (!pmp->pm_rdonly) {
		if ((error = bs_isdirty(pmp, bs, &dirty)) != 0)
			goto out_flush;
		pmp->pm_wasdirty = dirty;
		if (dirty)
			klog(KLOG_WARN, "msdos: %s: volume was not properly "
			    "unmounted; some data may be corrupt: run "
			    "fsck.fat", mp->mnt_source);
		if ((error = bs_setdirty(pmp, true)) != 0 ||
		    (error = msdosfs_fat_setclean(pmp, false)) != 0 ||
		    (error = bsync(dev)) != 0)
			goto out_flush;
		/* FSInfo is rewritten from the exact count at sync. */
		pmp->pm_fsinfo_dirty = true;
	}
	kmem_free(bs, 4096);
	return 0;

out_flush:
	(void)vflush(mp, NULL, false);
	mp->mnt_data = NULL;
out_free:
	if (error == EUCLEAN && mp->mnt_errbuf[0] == '\0')
		vfs_mount_error(mp, "msdos: corrupt filesystem (see log)");
	if (bs != NULL)
		kmem_free(bs, 4096);
	msdosfs_free(pmp);
	return error;
}

static int
msdosfs_unmount(struct mount *mp, int flags)
{
	struct msdosfs_mount *pmp = VFSTOMSDOSFS(mp);
	int error = 0;

	(void)flags;
	if (!pmp->pm_rdonly) {
		/* Everything on disk first, then the clean marks. */
		error = msdosfs_fsinfo_write(pmp);
		if (error == 0)
			error = bsync(pmp->pm_dev);
		if (error == 0 && !pmp->pm_wasdirty) {
			error = msdosfs_fat_setclean(pmp, true);
			if (error == 0)
				error = bsync(pmp->pm_dev);
			if (error == 0)
				error = bs_setdirty(pmp, false);
		}
		if (error != 0)
			klog(KLOG_ERR, "msdos: %s: unmount could not write "
			    "everything (error %d): the volume stays dirty",
			    mp->mnt_source, error);
	}
	msdosfs_free(pmp);
	mp->mnt_data = NULL;
	return error;
}

static int
msdosfs_root(struct mount *mp, struct vnode **vpp)
{
	return vcache_get(mp, MSDOSFS_ROOTINO, NULL, vpp);
}

static int
msdosfs_statvfs(struct mount *mp, struct vfs_statvfs *sv)
{
	struct msdosfs_mount *pmp = VFSTOMSDOSFS(mp);

	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = pmp->pm_clsize;
	sv->f_frsize = pmp->pm_clsize;
	sv->f_blocks = pmp->pm_ncl;
	sv->f_bfree = msdosfs_fat_nfree(pmp);
	sv->f_bavail = sv->f_bfree;
	sv->f_files = 0;	/* FAT has no inode table */
	sv->f_ffree = 0;
	sv->f_favail = 0;
	sv->f_fsid = (uint64_t)pmp->pm_volid << 32 ^ pmp->pm_off ^
	    pmp->pm_ncl;
	if (pmp->pm_rdonly)
		sv->f_flag |= VFS_ST_RDONLY;
	if (mp->mnt_flags & MNT_NOSUID)
		sv->f_flag |= VFS_ST_NOSUID;
	if (mp->mnt_flags & MNT_NOATIME)
		sv->f_flag |= VFS_ST_NOATIME;
	sv->f_namemax = NAME_MAX;
	return 0;
}

/* Entries are written as they change; FSInfo is the only thing left. */
static int
msdosfs_sync(struct mount *mp, bool wait)
{
	(void)wait;
	return msdosfs_fsinfo_write(VFSTOMSDOSFS(mp));
}

/* ---- loading vnodes ---- */

static struct msdosfs_node *
node_alloc(struct msdosfs_mount *pmp, struct vnode *vp, uint64_t ino)
{
	struct msdosfs_node *np;

	if ((np = kmem_zalloc(sizeof(*np))) == NULL)
		return NULL;
	if (mutex_init(&np->n_maplock) != 0) {
		kmem_free(np, sizeof(*np));
		return NULL;
	}
	np->n_vnode = vp;
	np->n_pmp = pmp;
	np->n_ino = ino;
	return np;
}

void
msdosfs_node_destroy(struct msdosfs_node *np)
{
	msdosfs_map_free(np);
	mutex_destroy(&np->n_maplock);
	kmem_free(np, sizeof(*np));
}

static int
load_root(struct msdosfs_mount *pmp, struct vnode *vp)
{
	struct msdosfs_node *np;
	uint32_t nsub;
	int error;

	if ((np = node_alloc(pmp, vp, MSDOSFS_ROOTINO)) == NULL)
		return ENOMEM;
	np->n_isroot = true;
	np->n_fixedroot = pmp->pm_fatbits != 32;
	np->n_startcl = pmp->pm_rootcl;
	np->n_parent = MSDOSFS_ROOTINO;
	np->n_de.de_attr = ATTR_DIRECTORY;
	np->n_ctime = pmp->pm_roottime;
	vp->v_type = VDIR;
	vp->v_data = np;
	if ((error = msdosfs_dir_count_subdirs(np, &nsub)) != 0) {
		vp->v_data = NULL;
		msdosfs_node_destroy(np);
		return error;
	}
	np->n_nlink = 2 + nsub;
	vp->v_op = &msdosfs_vnodeops;
	return 0;
}

/* Is DE (read from LOC) a live entry a vnode may stand for? */
static int
check_entry(struct msdosfs_mount *pmp, const struct msdos_dirent *de,
    uint64_t loc, bool *isdirp)
{
	uint32_t cl = msdos_de_cluster(de, pmp->pm_fatbits == 32);
	uint32_t size = msdos_get32(de->de_size);

	if (de->de_name[0] == SLOT_EMPTY || de->de_name[0] == SLOT_DELETED ||
	    (de->de_attr & ATTR_LFN_MASK) == ATTR_LFN ||
	    (de->de_attr & ATTR_VOLUME) || de->de_name[0] == '.')
		return ESTALE;
	*isdirp = (de->de_attr & ATTR_DIRECTORY) != 0;
	if (*isdirp) {
		if (!msdosfs_cl_valid(pmp, cl))
			return msdosfs_corrupt(pmp, "directory entry at %llu: "
			    "directory with bad first cluster %u",
			    (unsigned long long)loc, cl);
	} else if (cl != 0 && !msdosfs_cl_valid(pmp, cl))
		return msdosfs_corrupt(pmp, "directory entry at %llu: bad "
		    "first cluster %u", (unsigned long long)loc, cl);
	else if (cl == 0 && size != 0)
		return msdosfs_corrupt(pmp, "directory entry at %llu: %u "
		    "bytes without a cluster", (unsigned long long)loc, size);
	return 0;
}

static int
msdosfs_loadvnode(struct mount *mp, struct vnode *vp, ino64_t ino,
    void *hint)
{
	struct msdosfs_mount *pmp = VFSTOMSDOSFS(mp);
	struct msdosfs_hint h;
	struct msdosfs_node *np;
	uint32_t nsub;
	bool isdir, recdir = false;
	int error;

	if (ino == MSDOSFS_ROOTINO)
		return load_root(pmp, vp);
	if (hint != NULL)
		h = *(const struct msdosfs_hint *)hint;
	else if ((error = msdosfs_ino_info(pmp, ino, &h, &recdir)) != 0)
		return error;
	if ((np = node_alloc(pmp, vp, ino)) == NULL)
		return ENOMEM;
	if ((error = msdosfs_de_read(pmp, h.h_loc, &np->n_de)) != 0 ||
	    (error = check_entry(pmp, &np->n_de, h.h_loc, &isdir)) != 0)
		goto out;
	if (recdir && !isdir) {
		error = ESTALE;
		goto out;
	}
	np->n_dirloc = h.h_loc;
	np->n_dirslot = h.h_slot;
	np->n_parent = h.h_parent;
	np->n_startcl = msdos_de_cluster(&np->n_de, pmp->pm_fatbits == 32);
	np->n_size = isdir ? 0 : msdos_get32(np->n_de.de_size);
	msdosfs_dos2unix(msdos_get16(np->n_de.de_mdate),
	    msdos_get16(np->n_de.de_mtime), 0, pmp->pm_tzoff, &np->n_ctime);
	np->n_nlink = 1;
	vp->v_type = isdir ? VDIR : VREG;
	vp->v_data = np;
	if (isdir) {
		if ((error = msdosfs_dir_count_subdirs(np, &nsub)) != 0)
			goto out;
		np->n_nlink = 2 + nsub;
	}
	if ((error = msdosfs_ino_attach(pmp, ino, &h, isdir)) != 0) {
		if (error == EEXIST)
			error = ESTALE;
		goto out;
	}
	vp->v_op = &msdosfs_vnodeops;
	return 0;
out:
	vp->v_data = NULL;
	msdosfs_node_destroy(np);
	return error;
}

static int
msdosfs_probe(struct blkdev *dev)
{
	uint8_t s[512];
	uint64_t off;
	int error;

	if ((error = find_volume(dev, NULL, false, 0, 0, &off)) != 0)
		return error;
	if (dev->bd_size - off < sizeof(s) ||
	    (error = blkdev_read(dev, s, sizeof(s), off)) != 0)
		return EINVAL;
	if (!bs_plausible(s) || s[BS_SIGNATURE] != 0x55 ||
	    s[BS_SIGNATURE + 1] != 0xaa)
		return EINVAL;
	return 0;
}

static const char *const msdosfs_aliases[] = {
	"msdosfs", "vfat", "fat", NULL
};

static const struct vfs_optdesc msdosfs_opts[] = {
	{ "uid", VFS_OPT_VALUE, "owner of every file (default: mounter)" },
	{ "gid", VFS_OPT_VALUE, "group of every file (default: mounter)" },
	{ "umask", VFS_OPT_VALUE, "octal mask of permission bits not given "
	    "(default 022)" },
	{ "fmask", VFS_OPT_VALUE, "umask for files only" },
	{ "dmask", VFS_OPT_VALUE, "umask for directories only" },
	{ "quiet", VFS_OPT_FLAG, "chmod/chown that FAT cannot store succeed "
	    "silently instead of failing with EPERM" },
	{ "tz", VFS_OPT_VALUE, "time zone of the on-disk times: UTC "
	    "(default) or +HH:MM / -HH:MM" },
	{ "time_offset", VFS_OPT_VALUE, "the same as minutes east of UTC" },
	{ "codepage", VFS_OPT_VALUE, "code page of short names: 437 "
	    "(default) or 850" },
	{ "offset", VFS_OPT_VALUE, "byte offset of the volume in the image" },
	{ "partition", VFS_OPT_VALUE, "MBR partition 1..4 holding the volume "
	    "(default: sector 0, else the first FAT partition)" },
	{ NULL, 0, NULL },
};

const struct vfsops msdosfs_vfsops = {
	.vfs_name = MSDOSFS_NAME,
	.vfs_aliases = msdosfs_aliases,
	.vfs_opts = msdosfs_opts,
	.vfs_needdev = true,
	.vfs_mount = msdosfs_mount,
	.vfs_unmount = msdosfs_unmount,
	.vfs_root = msdosfs_root,
	.vfs_statvfs = msdosfs_statvfs,
	.vfs_sync = msdosfs_sync,
	.vfs_loadvnode = msdosfs_loadvnode,
	.vfs_probe = msdosfs_probe,
};
