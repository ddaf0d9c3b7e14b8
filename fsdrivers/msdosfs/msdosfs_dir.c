/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msdosfs_dir.c -- directories: scanning 32-byte slots into entries with
 * their long names, lookup, readdir, emptiness and subdirectory counts,
 * adding an entry (long-name slots, a unique short alias, growing the
 * directory) and removing one, new directories' "." and "..".
 *
 * Layout.  A directory is a sequence of slots: the FAT12/16 root is a
 * fixed region after the FATs (read in sector-sized buffers); every other
 * directory, the FAT32 root included, is a cluster chain (read in
 * cluster-sized buffers, like file data).  msdosfs_dirblk() names the
 * buffer holding any slot, so every access to a slot uses the same
 * buffer geometry.  A slot whose first byte is 0 ends the directory.
 *
 * Long names.  A long name is stored as 1..20 slots before its short
 * entry, the last part first (ordinal N | 0x40, then N-1 down to 1),
 * each carrying the checksum of the short name.  The scanner accepts a
 * long name only if the ordinals run down without a gap, every
 * checksum matches the short entry, and the name is 1..255 units with no
 * NUL or '/'; otherwise the short name stands alone (as Windows does).
 * "." and ".." and volume labels are skipped; readdir makes up "." and
 * "..".
 *
 * Readdir cookies: 0 is ".", 1 is "..", 2 + S resumes at slot S.  An
 * entry whose slots start before the resume point (it was created after
 * the previous call) is skipped rather than shown by its short name.
 *
 * Locking: the caller holds the directory's vnode lock, shared to scan
 * and exclusive to change slots.  Scan callbacks run with a directory
 * buffer busy: they must not do I/O.
 *
 * Exports (msdosfs_node.h): msdosfs_dir_scan, msdosfs_dir_nslots,
 * msdosfs_dir_lookup, msdosfs_dir_readdir, msdosfs_dir_isempty,
 * msdosfs_dir_count_subdirs, msdosfs_dir_prepname, msdosfs_dir_enter,
 * msdosfs_dir_remove, msdosfs_dir_init, msdosfs_dir_setdotdot,
 * msdosfs_de_read, msdosfs_de_write, msdosfs_dirblk.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "msdosfs_fs.h"
#include "msdosfs_node.h"

/* ---- geometry ---- */

/* The buffer (block number and size) that holds device offset LOC. */
int
msdosfs_dirblk(struct msdosfs_mount *pmp, uint64_t loc, daddr_t *blknop,
    uint32_t *sizep)
{
	uint64_t start;

	if (pmp->pm_rootslots != 0 && loc >= pmp->pm_rootoff &&
	    loc < pmp->pm_rootoff + (uint64_t)pmp->pm_rootslots * DE_SIZE) {
		start = pmp->pm_rootoff + rounddown(loc - pmp->pm_rootoff,
		    (uint64_t)pmp->pm_bps);
		*sizep = pmp->pm_bps;
	} else if (loc >= pmp->pm_dataoff && loc < pmp->pm_dataoff +
	    ((uint64_t)pmp->pm_ncl << pmp->pm_clshift)) {
		start = pmp->pm_dataoff + rounddown(loc - pmp->pm_dataoff,
		    (uint64_t)pmp->pm_clsize);
		*sizep = pmp->pm_clsize;
	} else
		return msdosfs_corrupt(pmp, "directory entry offset %llu "
		    "outside every directory", (unsigned long long)loc);
	*blknop = (daddr_t)(start >> DEV_BSHIFT);
	return 0;
}

uint32_t
msdosfs_dir_nslots(struct msdosfs_node *dnp)
{
	struct msdosfs_mount *pmp = dnp->n_pmp;

	if (dnp->n_fixedroot)
		return pmp->pm_rootslots;
	return (uint32_t)MIN((uint64_t)dnp->n_ncl <<
	    (pmp->pm_clshift - DE_SHIFT), (uint64_t)MSDOSFS_MAXDIRSLOTS);
}

/*
 * Block B of directory DNP: its device offset, size, first slot and
 * number of slots.  ENOENT past the end.  The cluster map is loaded.
 */
static int
dir_blk(struct msdosfs_node *dnp, uint32_t b, uint64_t *offp, uint32_t *sizep,
    uint32_t *firstp, uint32_t *nslotsp)
{
	struct msdosfs_mount *pmp = dnp->n_pmp;
	uint32_t per, dcl, run, total = msdosfs_dir_nslots(dnp);
	int error;

	if (dnp->n_fixedroot) {
		per = pmp->pm_bps / DE_SIZE;
		*offp = pmp->pm_rootoff + (uint64_t)b * pmp->pm_bps;
		*sizep = pmp->pm_bps;
	} else {
		per = pmp->pm_clsize / DE_SIZE;
		if (b >= dnp->n_ncl)
			return ENOENT;
		if ((error = msdosfs_map_lookup(dnp, b, &dcl, &run)) != 0)
			return error;
		*offp = msdosfs_cl_off(pmp, dcl);
		*sizep = pmp->pm_clsize;
	}
	if ((uint64_t)b * per >= total)
		return ENOENT;
	*firstp = b * per;
	*nslotsp = MIN(per, total - b * per);
	return 0;
}

static uint32_t
dir_slots_per_blk(const struct msdosfs_node *dnp)
{
	return (dnp->n_fixedroot ? dnp->n_pmp->pm_bps :
	    dnp->n_pmp->pm_clsize) / DE_SIZE;
}

/* Device offset of slot SLOT (inside the directory). */
static int
dir_slot_off(struct msdosfs_node *dnp, uint32_t slot, uint64_t *offp)
{
	uint32_t per = dir_slots_per_blk(dnp), size, first, n;
	uint64_t off;
	int error;

	if ((error = dir_blk(dnp, slot / per, &off, &size, &first, &n)) != 0)
		return error;
	*offp = off + (uint64_t)(slot - first) * DE_SIZE;
	return 0;
}

int
msdosfs_de_read(struct msdosfs_mount *pmp, uint64_t loc,
    struct msdos_dirent *de)
{
	struct buf *bp;
	daddr_t blkno;
	uint32_t size;
	int error;

	if ((error = msdosfs_dirblk(pmp, loc, &blkno, &size)) != 0)
		return error;
	if ((error = bread(pmp->pm_dev, blkno, size, &bp)) != 0)
		return error;
	memcpy(de, (uint8_t *)bp->b_data + (loc - ((uint64_t)blkno <<
	    DEV_BSHIFT)), DE_SIZE);
	brelse(bp);
	return 0;
}

int
msdosfs_de_write(struct msdosfs_mount *pmp, uint64_t loc,
    const struct msdos_dirent *de)
{
	struct buf *bp;
	daddr_t blkno;
	uint32_t size;
	int error;

	if ((error = msdosfs_dirblk(pmp, loc, &blkno, &size)) != 0)
		return error;
	if ((error = bread(pmp->pm_dev, blkno, size, &bp)) != 0)
		return error;
	memcpy((uint8_t *)bp->b_data + (loc - ((uint64_t)blkno <<
	    DEV_BSHIFT)), de, DE_SIZE);
	if (pmp->pm_mp->mnt_flags & MNT_SYNCHRONOUS)
		return bwrite(bp);
	bdwrite(bp);
	return 0;
}

/* ---- scanning ---- */

struct lfnstate {
	uint16_t	ls_name[LFN_MAXSLOTS * LFN_CHARS];
	unsigned	ls_expect;	/* next ordinal wanted, 0: none */
	unsigned	ls_count;	/* ordinals in this name */
	uint8_t		ls_cksum;
	uint32_t	ls_first;	/* slot of the first part */
	bool		ls_done;	/* ordinal 1 seen */
};

static void
lfn_reset(struct lfnstate *ls)
{
	ls->ls_expect = 0;
	ls->ls_done = false;
}

static void
lfn_chars(const struct msdos_lfn *l, uint16_t *out)
{
	int i;

	for (i = 0; i < 5; i++)
		out[i] = msdos_get16(l->lfn_name1 + 2 * i);
	for (i = 0; i < 6; i++)
		out[5 + i] = msdos_get16(l->lfn_name2 + 2 * i);
	for (i = 0; i < 2; i++)
		out[11 + i] = msdos_get16(l->lfn_name3 + 2 * i);
}

static void
lfn_add(struct lfnstate *ls, const struct msdos_lfn *l, uint32_t slot)
{
	unsigned ord = l->lfn_ord & LFN_ORDMASK;

	if (l->lfn_ord & LFN_LAST) {
		if (ord == 0 || ord > LFN_MAXSLOTS) {
			lfn_reset(ls);
			return;
		}
		ls->ls_count = ord;
		ls->ls_expect = ord;
		ls->ls_cksum = l->lfn_cksum;
		ls->ls_first = slot;
		ls->ls_done = false;
	} else if (ls->ls_expect == 0 || ls->ls_done ||
	    ord != ls->ls_expect || l->lfn_cksum != ls->ls_cksum) {
		lfn_reset(ls);
		return;
	}
	lfn_chars(l, ls->ls_name + (ord - 1) * LFN_CHARS);
	ls->ls_expect--;
	if (ls->ls_expect == 0)
		ls->ls_done = true;
}

/* The long name for short entry DE, if the pieces make a valid one. */
static bool
lfn_finish(const struct lfnstate *ls, const struct msdos_dirent *de,
    uint16_t *name, size_t *lenp)
{
	size_t i, max;

	if (!ls->ls_done || msdosfs_lfn_cksum(de->de_name) != ls->ls_cksum)
		return false;
	max = (size_t)ls->ls_count * LFN_CHARS;
	for (i = 0; i < max && ls->ls_name[i] != 0; i++) {
		if (ls->ls_name[i] == '/')
			return false;
	}
	if (i == 0 || i > LFN_MAXLEN)
		return false;
	memcpy(name, ls->ls_name, i * sizeof(uint16_t));
	*lenp = i;
	return true;
}

static bool
de_isdot(const struct msdos_dirent *de)
{
	return de->de_name[0] == '.';
}

/*
 * Call FN for every entry of directory DNP from slot START on, in order.
 * FN returns 0 to go on, MSDOSFS_SCAN_STOP to stop (then 0 is returned),
 * or an error, which is returned.  FN runs with a directory buffer busy
 * and must not do I/O.
 */
int
msdosfs_dir_scan(struct msdosfs_node *dnp, uint32_t start,
    int (*fn)(void *arg, const struct msdosfs_dirscan *ds), void *arg)
{
	struct msdosfs_mount *pmp = dnp->n_pmp;
	uint32_t per = dir_slots_per_blk(dnp), b, first, n, size, i, slot;
	struct msdosfs_dirscan *ds;
	const struct msdos_dirent *de;
	struct lfnstate *ls;
	bool skip = false;
	struct buf *bp;
	uint64_t off;
	int error = 0;

	if ((error = msdosfs_map_ensure(dnp)) != 0)
		return error;
	ds = kmem_alloc(sizeof(*ds));
	ls = kmem_alloc(sizeof(*ls));
	if (ds == NULL || ls == NULL) {
		error = ENOMEM;
		goto out;
	}
	lfn_reset(ls);
	/* Resuming just after a long-name slot: that entry began earlier. */
	if (start > 0 && start < msdosfs_dir_nslots(dnp)) {
		struct msdos_dirent prev;

		if ((error = dir_slot_off(dnp, start - 1, &off)) != 0 ||
		    (error = msdosfs_de_read(pmp, off, &prev)) != 0)
			goto out;
		skip = prev.de_name[0] != SLOT_EMPTY &&
		    prev.de_name[0] != SLOT_DELETED &&
		    (prev.de_attr & ATTR_LFN_MASK) == ATTR_LFN;
	}
	for (b = start / per;; b++) {
		error = dir_blk(dnp, b, &off, &size, &first, &n);
		if (error == ENOENT) {
			error = 0;
			break;
		}
		if (error != 0)
			break;
		if ((error = bread(pmp->pm_dev, (daddr_t)(off >> DEV_BSHIFT),
		    size, &bp)) != 0)
			break;
		for (i = 0; i < n; i++) {
			slot = first + i;
			if (slot < start)
				continue;
			de = (const struct msdos_dirent *)bp->b_data + i;
			if (de->de_name[0] == SLOT_EMPTY) {
				brelse(bp);
				goto out;
			}
			if (de->de_name[0] == SLOT_DELETED) {
				lfn_reset(ls);
				skip = false;
				continue;
			}
			if ((de->de_attr & ATTR_LFN_MASK) == ATTR_LFN) {
				lfn_add(ls, (const struct msdos_lfn *)de,
				    slot);
				continue;
			}
			if ((de->de_attr & ATTR_VOLUME) || de_isdot(de) ||
			    skip) {
				lfn_reset(ls);
				skip = false;
				continue;
			}
			ds->ds_slot = slot;
			ds->ds_loc = off + (uint64_t)i * DE_SIZE;
			ds->ds_de = *de;
			ds->ds_haslfn = lfn_finish(ls, de, ds->ds_name,
			    &ds->ds_namelen);
			ds->ds_first = ds->ds_haslfn ? ls->ls_first : slot;
			if (!ds->ds_haslfn)
				msdosfs_short_to_utf16(de->de_name,
				    de->de_ntres, pmp->pm_cp, ds->ds_name,
				    &ds->ds_namelen);
			lfn_reset(ls);
			error = fn(arg, ds);
			if (error != 0) {
				brelse(bp);
				if (error == MSDOSFS_SCAN_STOP)
					error = 0;
				goto out;
			}
		}
		brelse(bp);
	}
out:
	if (ds != NULL)
		kmem_free(ds, sizeof(*ds));
	if (ls != NULL)
		kmem_free(ls, sizeof(*ls));
	return error;
}

/* ---- lookup ---- */

struct lookup_arg {
	uint16_t	la_name[LFN_MAXLEN];
	size_t		la_len;
	const uint16_t	*la_cp;
	struct msdosfs_dirscan *la_ds;
	bool		la_found;
};

static int
lookup_cb(void *arg, const struct msdosfs_dirscan *ds)
{
	struct lookup_arg *la = arg;
	uint16_t sname[12];
	size_t slen;

	if (!msdosfs_name_eq(ds->ds_name, ds->ds_namelen, la->la_name,
	    la->la_len)) {
		if (!ds->ds_haslfn)
			return 0;
		/* The short alias names the file too. */
		msdosfs_short_to_utf16(ds->ds_de.de_name, 0, la->la_cp, sname,
		    &slen);
		if (!msdosfs_name_eq(sname, slen, la->la_name, la->la_len))
			return 0;
	}
	*la->la_ds = *ds;
	la->la_found = true;
	return MSDOSFS_SCAN_STOP;
}

/*
 * Find NAME (UTF-8, LEN bytes, not "." or "..") in DNP, ignoring case and
 * trailing dots, by its long name or its short alias.
 * => ENOENT if absent (or not a name FAT could hold).
 */
int
msdosfs_dir_lookup(struct msdosfs_node *dnp, const char *name, size_t len,
    struct msdosfs_dirscan *ds)
{
	struct lookup_arg *la;
	int error;

	if ((la = kmem_alloc(sizeof(*la))) == NULL)
		return ENOMEM;
	if (msdosfs_utf8_to_utf16(name, len, la->la_name, &la->la_len) != 0) {
		error = ENOENT;
		goto out;
	}
	la->la_len = msdosfs_name_striplen(la->la_name, la->la_len);
	if (la->la_len == 0) {
		error = ENOENT;
		goto out;
	}
	la->la_cp = dnp->n_pmp->pm_cp;
	la->la_ds = ds;
	la->la_found = false;
	error = msdosfs_dir_scan(dnp, 0, lookup_cb, la);
	if (error == 0 && !la->la_found)
		error = ENOENT;
out:
	kmem_free(la, sizeof(*la));
	return error;
}

/* ---- readdir ---- */

struct readdir_arg {
	struct msdosfs_node *ra_dnp;
	vfs_filldir_t	ra_fill;
	void		*ra_arg;
	uint64_t	*ra_cookie;
	int		ra_error;
	char		ra_name[3 * LFN_MAXLEN + 8];
};

/* The inode number readdir shows for the entry at LOC. */
static int
readdir_ino(struct msdosfs_node *dnp, const struct msdosfs_dirscan *ds,
    uint64_t *inop)
{
	return msdosfs_ino_peek(dnp->n_pmp, ds->ds_loc, ds->ds_slot,
	    dnp->n_ino, (ds->ds_de.de_attr & ATTR_DIRECTORY) != 0, inop);
}

static int
readdir_cb(void *arg, const struct msdosfs_dirscan *ds)
{
	struct readdir_arg *ra = arg;
	uint64_t ino, next = (uint64_t)ds->ds_slot + 1 + 2;
	size_t n;
	int error;

	if ((error = readdir_ino(ra->ra_dnp, ds, &ino)) != 0)
		return error;
	n = msdosfs_utf16_to_utf8(ds->ds_name, ds->ds_namelen, ra->ra_name,
	    sizeof(ra->ra_name));
	if (ra->ra_fill(ra->ra_arg, ra->ra_name, n, ino,
	    (ds->ds_de.de_attr & ATTR_DIRECTORY) ? VDIR : VREG, next) != 0)
		return MSDOSFS_SCAN_STOP;
	*ra->ra_cookie = next;
	return 0;
}

/*
 * Enumerate DNP from *COOKIE (see the top of the file), advancing it.
 */
int
msdosfs_dir_readdir(struct msdosfs_node *dnp, uint64_t *cookie,
    vfs_filldir_t fill, void *arg)
{
	struct readdir_arg *ra;
	int error;

	if (*cookie == 0) {
		if (fill(arg, ".", 1, dnp->n_ino, VDIR, 1) != 0)
			return 0;
		*cookie = 1;
	}
	if (*cookie == 1) {
		if (fill(arg, "..", 2, dnp->n_isroot ? dnp->n_ino :
		    dnp->n_parent, VDIR, 2) != 0)
			return 0;
		*cookie = 2;
	}
	if (*cookie - 2 >= MSDOSFS_MAXDIRSLOTS)
		return 0;
	if ((ra = kmem_alloc(sizeof(*ra))) == NULL)
		return ENOMEM;
	ra->ra_dnp = dnp;
	ra->ra_fill = fill;
	ra->ra_arg = arg;
	ra->ra_cookie = cookie;
	error = msdosfs_dir_scan(dnp, (uint32_t)(*cookie - 2), readdir_cb, ra);
	kmem_free(ra, sizeof(*ra));
	return error;
}

/* ---- emptiness, subdirectories ---- */

static int
any_cb(void *arg, const struct msdosfs_dirscan *ds)
{
	(void)ds;
	*(bool *)arg = true;
	return MSDOSFS_SCAN_STOP;
}

int
msdosfs_dir_isempty(struct msdosfs_node *dnp, bool *emptyp)
{
	bool any = false;
	int error;

	error = msdosfs_dir_scan(dnp, 0, any_cb, &any);
	*emptyp = !any;
	return error;
}

static int
subdir_cb(void *arg, const struct msdosfs_dirscan *ds)
{
	if (ds->ds_de.de_attr & ATTR_DIRECTORY)
		(*(uint32_t *)arg)++;
	return 0;
}

int
msdosfs_dir_count_subdirs(struct msdosfs_node *dnp, uint32_t *np)
{
	*np = 0;
	return msdosfs_dir_scan(dnp, 0, subdir_cb, np);
}

/* ---- adding and removing entries ---- */

/*
 * Convert NAME (UTF-8) for a new entry: ne_name, ne_kind, and the short
 * name basis and case flags in ne_de.
 * => EINVAL for a name FAT cannot hold, ENAMETOOLONG past 255 units.
 */
int
msdosfs_dir_prepname(struct msdosfs_mount *pmp, const char *name, size_t len,
    struct msdosfs_newent *ne)
{
	int error;

	memset(ne, 0, sizeof(*ne));
	if ((error = msdosfs_utf8_to_utf16(name, len, ne->ne_name,
	    &ne->ne_namelen)) != 0)
		return error;
	ne->ne_namelen = msdosfs_name_striplen(ne->ne_name, ne->ne_namelen);
	if ((error = msdosfs_name_check(ne->ne_name, ne->ne_namelen)) != 0)
		return error;
	ne->ne_kind = msdosfs_short_basis(ne->ne_name, ne->ne_namelen,
	    pmp->pm_cp, ne->ne_de.de_name, &ne->ne_de.de_ntres);
	return 0;
}

/* What a raw scan of the slots finds for a new entry. */
struct slotscan {
	uint32_t	ss_need;	/* slots wanted */
	uint32_t	ss_runstart;	/* current free run */
	uint32_t	ss_runlen;
	uint32_t	ss_found;	/* start of a long enough run, or ~0 */
	uint32_t	ss_end;		/* first slot of the end region, ~0 */
	uint32_t	ss_nshort;	/* short entries seen */
	const uint8_t	*ss_basis;
	bool		ss_basis_used;
	uint8_t		*ss_tails;	/* bitmap of used ~N */
	uint32_t	ss_maxtail;
};

/* Note every short name into SS (for the tail), track free runs. */
static int
slot_scan(struct msdosfs_node *dnp, struct slotscan *ss, bool tails)
{
	struct msdosfs_mount *pmp = dnp->n_pmp;
	uint32_t b, first, n, size, i, slot, t;
	const struct msdos_dirent *de;
	struct buf *bp;
	uint64_t off;
	int error;

	ss->ss_runlen = 0;
	ss->ss_found = ~0u;
	ss->ss_end = ~0u;
	ss->ss_nshort = 0;
	ss->ss_basis_used = false;
	for (b = 0;; b++) {
		error = dir_blk(dnp, b, &off, &size, &first, &n);
		if (error == ENOENT)
			return 0;
		if (error != 0)
			return error;
		if (ss->ss_end != ~0u && ss->ss_found != ~0u)
			return 0;
		if (ss->ss_end != ~0u) {
			/* Past the end mark: every slot is free. */
			if (ss->ss_runlen == 0)
				ss->ss_runstart = first;
			ss->ss_runlen += n;
			if (ss->ss_runlen >= ss->ss_need)
				ss->ss_found = ss->ss_runstart;
			continue;
		}
		if ((error = bread(pmp->pm_dev, (daddr_t)(off >> DEV_BSHIFT),
		    size, &bp)) != 0)
			return error;
		for (i = 0; i < n; i++) {
			slot = first + i;
			de = (const struct msdos_dirent *)bp->b_data + i;
			if (ss->ss_end == ~0u && de->de_name[0] == SLOT_EMPTY)
				ss->ss_end = slot;
			if (ss->ss_end != ~0u ||
			    de->de_name[0] == SLOT_DELETED) {
				if (ss->ss_runlen == 0)
					ss->ss_runstart = slot;
				ss->ss_runlen++;
				if (ss->ss_runlen >= ss->ss_need &&
				    ss->ss_found == ~0u)
					ss->ss_found = ss->ss_runstart;
				continue;
			}
			ss->ss_runlen = 0;
			if ((de->de_attr & ATTR_LFN_MASK) == ATTR_LFN ||
			    !tails)
				continue;
			ss->ss_nshort++;
			if (memcmp(de->de_name, ss->ss_basis, 11) == 0)
				ss->ss_basis_used = true;
			if (msdosfs_short_tailnum(ss->ss_basis, de->de_name,
			    &t) && t <= ss->ss_maxtail)
				ss->ss_tails[t / 8] |= (uint8_t)(1 << (t % 8));
		}
		brelse(bp);
	}
}

/* Write the slots SLOTS[0..N) at directory slots START.. of DNP. */
static int
write_slots(struct msdosfs_node *dnp, uint32_t start,
    const struct msdos_dirent *slots, uint32_t n)
{
	uint64_t off;
	uint32_t i;
	int error;

	for (i = 0; i < n; i++) {
		if ((error = dir_slot_off(dnp, start + i, &off)) != 0 ||
		    (error = msdosfs_de_write(dnp->n_pmp, off, &slots[i])) != 0)
			return error;
	}
	return 0;
}

/* Zero clusters FROM.. of directory DNP's chain (new clusters). */
static int
zero_dir_clusters(struct msdosfs_node *dnp, uint32_t from)
{
	struct msdosfs_mount *pmp = dnp->n_pmp;
	uint32_t fcl, dcl, run;
	struct buf *bp;
	int error;

	for (fcl = from; fcl < dnp->n_ncl; fcl++) {
		if ((error = msdosfs_map_lookup(dnp, fcl, &dcl, &run)) != 0)
			return error;
		if ((error = getblk(pmp->pm_dev, (daddr_t)(msdosfs_cl_off(pmp,
		    dcl) >> DEV_BSHIFT), pmp->pm_clsize, &bp)) != 0)
			return error;
		memset(bp->b_data, 0, pmp->pm_clsize);
		bdwrite(bp);
	}
	return 0;
}

/* Make room at the end of DNP for SS->ss_need slots. */
static int
dir_grow(struct msdosfs_node *dnp, struct slotscan *ss)
{
	struct msdosfs_mount *pmp = dnp->n_pmp;
	uint32_t per = pmp->pm_clsize / DE_SIZE, have, total, want, got, old;
	int error;

	if (dnp->n_fixedroot)
		return ENOSPC;		/* the FAT12/16 root cannot grow */
	total = msdosfs_dir_nslots(dnp);
	/* A free run reaching the end counts. */
	have = ss->ss_runlen > 0 && ss->ss_runstart + ss->ss_runlen == total ?
	    ss->ss_runlen : 0;
	want = howmany(ss->ss_need - have, per);
	if ((uint64_t)total + (uint64_t)want * per > MSDOSFS_MAXDIRSLOTS)
		return ENOSPC;
	old = dnp->n_ncl;
	if ((error = msdosfs_chain_grow(dnp, want, true, &got)) != 0)
		return error;
	if ((error = zero_dir_clusters(dnp, old)) != 0)
		return error;
	ss->ss_found = have > 0 ? ss->ss_runstart : total;
	if (ss->ss_end == ~0u)
		ss->ss_end = total;
	return 0;
}

/* Fill the long-name slots for NAME with checksum CK into SLOTS. */
static void
make_lfn(const uint16_t *name, size_t len, uint8_t ck,
    struct msdos_dirent *slots, uint32_t nlfn)
{
	struct msdos_lfn *l;
	uint16_t c[LFN_CHARS];
	uint32_t k, ord;
	size_t i, pos;
	int j;

	for (k = 0; k < nlfn; k++) {
		ord = nlfn - k;		/* stored last part first */
		l = (struct msdos_lfn *)&slots[k];
		memset(l, 0, sizeof(*l));
		l->lfn_ord = (uint8_t)(ord | (k == 0 ? LFN_LAST : 0));
		l->lfn_attr = ATTR_LFN;
		l->lfn_cksum = ck;
		for (i = 0; i < LFN_CHARS; i++) {
			pos = (ord - 1) * LFN_CHARS + i;
			c[i] = pos < len ? name[pos] : pos == len ? 0 : 0xffff;
		}
		for (j = 0; j < 5; j++)
			msdos_put16(l->lfn_name1 + 2 * j, c[j]);
		for (j = 0; j < 6; j++)
			msdos_put16(l->lfn_name2 + 2 * j, c[5 + j]);
		for (j = 0; j < 2; j++)
			msdos_put16(l->lfn_name3 + 2 * j, c[11 + j]);
	}
}

/*
 * Add the entry NE (from msdosfs_dir_prepname) to directory DNP, whose
 * exclusive lock the caller holds and in which the name is absent.  TMPL
 * gives everything of the short entry but its name and case flags.
 * => ne_slot and ne_loc say where the short entry went.
 * => ENOSPC (the FAT12/16 root is full, 65536 slots, no cluster), ENOMEM,
 *    I/O errors.
 */
int
msdosfs_dir_enter(struct msdosfs_node *dnp, struct msdosfs_newent *ne,
    const struct msdos_dirent *tmpl)
{
	struct msdosfs_mount *pmp = dnp->n_pmp;
	struct msdos_dirent *slots = NULL, empty;
	uint32_t nlfn, t, total;
	struct slotscan ss;
	uint8_t basis[11], ntres = ne->ne_de.de_ntres;
	size_t tbytes = 0;
	uint64_t off;
	int error;

	memcpy(basis, ne->ne_de.de_name, 11);
	nlfn = ne->ne_kind == SN_EXACT ? 0 :
	    (uint32_t)howmany(ne->ne_namelen, LFN_CHARS);
	if ((error = msdosfs_map_ensure(dnp)) != 0)
		return error;
	memset(&ss, 0, sizeof(ss));
	ss.ss_need = nlfn + 1;
	ss.ss_basis = basis;
	if (ne->ne_kind != SN_EXACT) {
		ss.ss_maxtail = MIN(msdosfs_dir_nslots(dnp) + 2, 999999u);
		tbytes = ss.ss_maxtail / 8 + 1;
		if ((ss.ss_tails = kmem_zalloc(tbytes)) == NULL)
			return ENOMEM;
	}
	if ((slots = kmem_zalloc((nlfn + 1) * sizeof(*slots))) == NULL) {
		error = ENOMEM;
		goto out;
	}
	if ((error = slot_scan(dnp, &ss, ne->ne_kind != SN_EXACT)) != 0)
		goto out;

	/* The short name. */
	slots[nlfn] = *tmpl;
	if (ne->ne_kind == SN_EXACT)
		memcpy(slots[nlfn].de_name, basis, 11);
	else if (ne->ne_kind == SN_FITS && !ss.ss_basis_used) {
		memcpy(slots[nlfn].de_name, basis, 11);
		ntres = 0;
	} else {
		for (t = 1; t <= ss.ss_maxtail; t++)
			if (!(ss.ss_tails[t / 8] & (1 << (t % 8))))
				break;
		if (!msdosfs_short_tail(basis, t, slots[nlfn].de_name)) {
			error = ENOSPC;
			goto out;
		}
		ntres = 0;
	}
	if (ne->ne_kind != SN_EXACT)
		ntres = 0;
	slots[nlfn].de_ntres = ntres;
	make_lfn(ne->ne_name, ne->ne_namelen,
	    msdosfs_lfn_cksum(slots[nlfn].de_name), slots, nlfn);

	/* Where. */
	if (ss.ss_found == ~0u && (error = dir_grow(dnp, &ss)) != 0)
		goto out;
	if ((error = write_slots(dnp, ss.ss_found, slots, nlfn + 1)) != 0)
		goto out;
	/* Keep the end mark right after us if we wrote past it. */
	total = msdosfs_dir_nslots(dnp);
	t = ss.ss_found + nlfn + 1;
	if (ss.ss_end != ~0u && t > ss.ss_end && t < total) {
		if ((error = dir_slot_off(dnp, t, &off)) != 0 ||
		    (error = msdosfs_de_read(pmp, off, &empty)) != 0)
			goto out;
		if (empty.de_name[0] != SLOT_EMPTY) {
			empty.de_name[0] = SLOT_EMPTY;
			if ((error = msdosfs_de_write(pmp, off, &empty)) != 0)
				goto out;
		}
	}
	ne->ne_slot = ss.ss_found + nlfn;
	ne->ne_de = slots[nlfn];
	error = dir_slot_off(dnp, ne->ne_slot, &ne->ne_loc);
out:
	if (slots != NULL)
		kmem_free(slots, (nlfn + 1) * sizeof(*slots));
	if (ss.ss_tails != NULL)
		kmem_free(ss.ss_tails, tbytes);
	return error;
}

/*
 * Remove the entry whose short entry is at SLOT of DNP (exclusive lock),
 * with the long-name slots that belong to it.
 */
int
msdosfs_dir_remove(struct msdosfs_node *dnp, uint32_t slot)
{
	struct msdosfs_mount *pmp = dnp->n_pmp;
	struct msdos_dirent de, sde;
	const struct msdos_lfn *l;
	uint32_t k;
	uint64_t off;
	uint8_t ck;
	bool last;
	int error;

	if ((error = msdosfs_map_ensure(dnp)) != 0)
		return error;
	if ((error = dir_slot_off(dnp, slot, &off)) != 0 ||
	    (error = msdosfs_de_read(pmp, off, &sde)) != 0)
		return error;
	ck = msdosfs_lfn_cksum(sde.de_name);
	sde.de_name[0] = SLOT_DELETED;
	if ((error = msdosfs_de_write(pmp, off, &sde)) != 0)
		return error;
	/* Ordinals 1, 2, ... run backwards from the short entry. */
	for (k = 1; k <= LFN_MAXSLOTS && k <= slot; k++) {
		if ((error = dir_slot_off(dnp, slot - k, &off)) != 0 ||
		    (error = msdosfs_de_read(pmp, off, &de)) != 0)
			return error;
		l = (const struct msdos_lfn *)&de;
		if (de.de_name[0] == SLOT_EMPTY ||
		    de.de_name[0] == SLOT_DELETED ||
		    (de.de_attr & ATTR_LFN_MASK) != ATTR_LFN ||
		    (l->lfn_ord & LFN_ORDMASK) != k || l->lfn_cksum != ck)
			break;
		last = (l->lfn_ord & LFN_LAST) != 0;
		de.de_name[0] = SLOT_DELETED;
		if ((error = msdosfs_de_write(pmp, off, &de)) != 0)
			return error;
		if (last)
			break;
	}
	return 0;
}

/*
 * Fill a new directory's first cluster CL: zeros, then "." (CL) and ".."
 * (the parent PDNP's first cluster, 0 for the root) with TMPL's
 * attributes and times.
 */
int
msdosfs_dir_init(struct msdosfs_node *pdnp, uint32_t cl,
    const struct msdos_dirent *tmpl)
{
	struct msdosfs_mount *pmp = pdnp->n_pmp;
	struct msdos_dirent *de;
	struct buf *bp;
	bool fat32 = pmp->pm_fatbits == 32;
	int error;

	if ((error = getblk(pmp->pm_dev, (daddr_t)(msdosfs_cl_off(pmp, cl) >>
	    DEV_BSHIFT), pmp->pm_clsize, &bp)) != 0)
		return error;
	memset(bp->b_data, 0, pmp->pm_clsize);
	de = bp->b_data;
	de[0] = *tmpl;
	memset(de[0].de_name, ' ', 11);
	de[0].de_name[0] = '.';
	de[0].de_ntres = 0;
	msdos_de_setcluster(&de[0], cl, fat32);
	msdos_put32(de[0].de_size, 0);
	de[1] = de[0];
	de[1].de_name[1] = '.';
	msdos_de_setcluster(&de[1], msdosfs_node_dircl(pdnp), fat32);
	bdwrite(bp);
	return 0;
}

/* Point directory NP's ".." at PARENTCL (0 for the root). */
int
msdosfs_dir_setdotdot(struct msdosfs_node *np, uint32_t parentcl)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	struct msdos_dirent de;
	uint64_t off;
	int error;

	if ((error = msdosfs_map_ensure(np)) != 0 ||
	    (error = dir_slot_off(np, 1, &off)) != 0 ||
	    (error = msdosfs_de_read(pmp, off, &de)) != 0)
		return error;
	if (memcmp(de.de_name, "..         ", 11) != 0)
		return msdosfs_corrupt(pmp, "directory at cluster %u: no "
		    "\"..\" entry", np->n_startcl);
	msdos_de_setcluster(&de, parentcl, pmp->pm_fatbits == 32);
	return msdosfs_de_write(pmp, off, &de);
}
