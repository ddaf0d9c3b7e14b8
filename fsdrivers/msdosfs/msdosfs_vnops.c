/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msdosfs_vnops.c -- the FAT driver's vnode operations (rename is in
 * msdosfs_rename.c) and the table msdosfs_vnodeops.
 *
 * Attributes.  FAT stores no owner and no mode: every file belongs to the
 * mount's uid= and gid=, and has the mode 0777 less fmask= (directories:
 * dmask=), less every write bit when the read-only attribute is set.  A
 * chmod that only adds or removes all the write bits toggles the
 * read-only attribute (files); any other chmod, and a chown to another
 * owner, cannot be stored: EPERM, or silent success with "quiet" (as
 * Linux's vfat).  Hidden, system and archive attributes are kept as they
 * are; a write sets "archive".  Times: the write time (2 s) is the
 * mtime, the creation time (10 ms) the birth time, the access date the
 * atime (while a vnode is cached, the exact atime set last is shown; the
 * disk keeps the day; reads move it once a day, not under noatime);
 * ctime is kept in core only (FAT has none) and starts as the mtime.
 * The root has no entry: its times live in core.
 *
 * Every change to a file's short entry is written into the buffer cache
 * at once (msdosfs_node_update), so sync has nothing to gather.
 *
 * Unlinked files: remove and rmdir free the entry; the clusters stay with
 * the node until VOP_INACTIVE, so a file that is still open keeps its
 * data.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/uio.h"
#include "kern/vnode.h"

#include "msdosfs_fs.h"
#include "msdosfs_node.h"

/* ---- node helpers ---- */

/* First cluster of directory DNP as ".." entries name it (root: 0). */
uint32_t
msdosfs_node_dircl(const struct msdosfs_node *dnp)
{
	return dnp->n_isroot ? 0 : dnp->n_startcl;
}

/* Write NP's short entry (exclusive lock). */
int
msdosfs_node_update(struct msdosfs_node *np)
{
	if (np->n_dirloc == 0 || np->n_pmp->pm_rdonly)
		return 0;
	if (np->n_vnode->v_type == VREG)
		msdos_put32(np->n_de.de_size, np->n_size);
	return msdosfs_de_write(np->n_pmp, np->n_dirloc, &np->n_de);
}

static void
set_mtime(struct msdosfs_node *np, const struct vfs_timespec *ts)
{
	uint16_t d, t;

	if (np->n_isroot) {
		np->n_pmp->pm_roottime = *ts;
		return;
	}
	msdosfs_unix2dos(ts, np->n_pmp->pm_tzoff, &d, &t, NULL);
	msdos_put16(np->n_de.de_mdate, d);
	msdos_put16(np->n_de.de_mtime, t);
}

/* Now: ctime, and mtime (MTIME) and the archive bit (ARCHIVE). */
void
msdosfs_node_touch(struct msdosfs_node *np, bool mtime, bool archive)
{
	struct vfs_timespec now;

	vfs_timestamp(&now);
	np->n_ctime = now;
	if (mtime)
		set_mtime(np, &now);
	if (archive && !np->n_isroot)
		np->n_de.de_attr |= ATTR_ARCHIVE;
}

/* A fresh short entry (all times now) for a new file or directory. */
static void
new_entry(struct msdosfs_mount *pmp, bool dir, struct msdos_dirent *de,
    struct vfs_timespec *nowp)
{
	uint16_t d, t;
	uint8_t cs;

	memset(de, 0, sizeof(*de));
	vfs_timestamp(nowp);
	msdosfs_unix2dos(nowp, pmp->pm_tzoff, &d, &t, &cs);
	de->de_attr = dir ? ATTR_DIRECTORY : ATTR_ARCHIVE;
	de->de_ctime_cs = cs;
	msdos_put16(de->de_ctime, t);
	msdos_put16(de->de_cdate, d);
	msdos_put16(de->de_adate, d);
	msdos_put16(de->de_mtime, t);
	msdos_put16(de->de_mdate, d);
}

/* The parent DNP changed: mtime and ctime, written out. */
static int
dir_changed(struct msdosfs_node *dnp)
{
	msdosfs_node_touch(dnp, true, false);
	return msdosfs_node_update(dnp);
}

/* ---- name space ---- */

static int
msdosfs_lookup(struct vnode *dvp, const char *name, size_t len,
    struct vnode **vpp)
{
	struct msdosfs_node *dnp = VTOMSDOSFS(dvp);
	struct msdosfs_mount *pmp = dnp->n_pmp;
	struct msdosfs_dirscan *ds;
	struct msdosfs_hint h;
	uint64_t ino;
	int error;

	*vpp = NULL;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (genfs_name_is_dot(name, len)) {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if (genfs_name_is_dotdot(name, len)) {
		if (dnp->n_isroot) {
			vref(dvp);
			*vpp = dvp;
			return 0;
		}
		if (dnp->n_unlinked)
			return ENOENT;
		return vcache_get(dvp->v_mount, dnp->n_parent, NULL, vpp);
	}
	if (dnp->n_unlinked)
		return ENOENT;
	if ((ds = kmem_alloc(sizeof(*ds))) == NULL)
		return ENOMEM;
	if ((error = msdosfs_dir_lookup(dnp, name, len, ds)) != 0)
		goto out;
	h.h_loc = ds->ds_loc;
	h.h_slot = ds->ds_slot;
	h.h_parent = dnp->n_ino;
	if ((error = msdosfs_ino_lookup(pmp, h.h_loc, h.h_slot, h.h_parent,
	    (ds->ds_de.de_attr & ATTR_DIRECTORY) != 0, &ino)) != 0)
		goto out;
	if ((error = vcache_get(dvp->v_mount, ino, &h, vpp)) != 0)
		msdosfs_ino_forget(pmp, ino);
out:
	kmem_free(ds, sizeof(*ds));
	return error;
}

/*
 * Add NAME to DVP with the short entry TMPL and return its vnode.  On an
 * error after the entry was written, the entry is removed again.
 */
static int
enter_and_get(struct vnode *dvp, const char *name, size_t len,
    const struct msdos_dirent *tmpl, struct vnode **vpp)
{
	struct msdosfs_node *dnp = VTOMSDOSFS(dvp);
	struct msdosfs_mount *pmp = dnp->n_pmp;
	struct msdosfs_newent *ne;
	struct msdosfs_hint h;
	bool isdir = (tmpl->de_attr & ATTR_DIRECTORY) != 0;
	uint64_t ino;
	int error;

	if ((ne = kmem_alloc(sizeof(*ne))) == NULL)
		return ENOMEM;
	if ((error = msdosfs_dir_prepname(pmp, name, len, ne)) != 0 ||
	    (error = msdosfs_dir_enter(dnp, ne, tmpl)) != 0)
		goto out;
	h.h_loc = ne->ne_loc;
	h.h_slot = ne->ne_slot;
	h.h_parent = dnp->n_ino;
	if ((error = msdosfs_ino_lookup(pmp, h.h_loc, h.h_slot, h.h_parent,
	    isdir, &ino)) == 0) {
		if ((error = vcache_get(dvp->v_mount, ino, &h, vpp)) != 0)
			msdosfs_ino_forget(pmp, ino);
	}
	if (error != 0) {
		(void)msdosfs_dir_remove(dnp, ne->ne_slot);
		goto out;
	}
	if (isdir)
		dnp->n_nlink++;
	error = dir_changed(dnp);
out:
	kmem_free(ne, sizeof(*ne));
	return error;
}

static int
msdosfs_create(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, struct vnode **vpp)
{
	struct msdosfs_node *dnp = VTOMSDOSFS(dvp);
	struct msdos_dirent de;
	struct vfs_timespec now;
	struct vnode *vp;
	int error;

	*vpp = NULL;
	if (va->va_type != VREG)
		return EPERM;	/* no devices, fifos or sockets on FAT */
	if (dnp->n_unlinked)
		return ENOENT;
	new_entry(dnp->n_pmp, false, &de, &now);
	if ((error = enter_and_get(dvp, name, len, &de, &vp)) != 0)
		return error;
	VTOMSDOSFS(vp)->n_atime = now;
	VTOMSDOSFS(vp)->n_atime_set = true;
	VTOMSDOSFS(vp)->n_ctime = now;
	*vpp = vp;
	return 0;
}

static int
msdosfs_mkdir(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, struct vnode **vpp)
{
	struct msdosfs_node *dnp = VTOMSDOSFS(dvp);
	struct msdosfs_mount *pmp = dnp->n_pmp;
	struct msdosfs_runlist rl = { NULL, 0, 0 };
	struct msdos_dirent de;
	struct vfs_timespec now;
	struct vnode *vp;
	uint32_t got, cl;
	int error;

	(void)va;
	*vpp = NULL;
	if (dnp->n_unlinked)
		return ENOENT;
	/* The new directory's cluster first, with "." and "..". */
	if ((error = msdosfs_fat_alloc(pmp, 0, 1, true, &rl, &got)) != 0)
		return error;
	cl = rl.rl_runs[0].r_cl;
	msdosfs_runlist_free(&rl);
	new_entry(pmp, true, &de, &now);
	msdos_de_setcluster(&de, cl, pmp->pm_fatbits == 32);
	if ((error = msdosfs_dir_init(dnp, cl, &de)) != 0 ||
	    (error = enter_and_get(dvp, name, len, &de, &vp)) != 0) {
		(void)msdosfs_fat_free_chain(pmp, cl, 0);
		return error;
	}
	VTOMSDOSFS(vp)->n_atime = now;
	VTOMSDOSFS(vp)->n_atime_set = true;
	VTOMSDOSFS(vp)->n_ctime = now;
	*vpp = vp;
	return 0;
}

/* FAT holds no special files, symlinks or hard links (as Linux: EPERM). */
static int
msdosfs_mknod(struct vnode *dvp, const char *name, size_t len,
    const struct vattr *va, struct vnode **vpp)
{
	if (va->va_type == VREG)
		return msdosfs_create(dvp, name, len, va, vpp);
	*vpp = NULL;
	return EPERM;
}

static int
msdosfs_eperm_symlink(struct vnode *dvp __unused, const char *name __unused,
    size_t len __unused, const struct vattr *va __unused,
    const char *target __unused, struct vnode **vpp)
{
	*vpp = NULL;
	return EPERM;
}

static int
msdosfs_eperm_link(struct vnode *dvp __unused, struct vnode *vp __unused,
    const char *name __unused, size_t len __unused)
{
	return EPERM;
}

/* Take NP's entry out of DNP (both exclusive); its clusters stay. */
static int
unlink_node(struct msdosfs_node *dnp, struct msdosfs_node *np)
{
	int error;

	if (np->n_dirloc == 0 || np->n_parent != dnp->n_ino)
		return ENOENT;
	if ((error = msdosfs_dir_remove(dnp, np->n_dirslot)) != 0)
		return error;
	msdosfs_ino_unlink(np->n_pmp, np->n_ino);
	np->n_dirloc = 0;
	np->n_unlinked = true;
	np->n_nlink = 0;
	msdosfs_node_touch(np, false, false);
	if (np->n_vnode->v_type == VDIR) {
		KASSERT(dnp->n_nlink > 2);
		dnp->n_nlink--;
	}
	return dir_changed(dnp);
}

static int
msdosfs_remove(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len)
{
	(void)name;
	(void)len;
	if (vp->v_type == VDIR)
		return EISDIR;
	return unlink_node(VTOMSDOSFS(dvp), VTOMSDOSFS(vp));
}

static int
msdosfs_rmdir(struct vnode *dvp, struct vnode *vp, const char *name,
    size_t len)
{
	struct msdosfs_node *np = VTOMSDOSFS(vp);
	bool empty;
	int error;

	(void)name;
	(void)len;
	if (vp->v_type != VDIR)
		return ENOTDIR;
	if (np->n_isroot)
		return EBUSY;
	if ((error = msdosfs_dir_isempty(np, &empty)) != 0)
		return error;
	if (!empty)
		return ENOTEMPTY;
	return unlink_node(VTOMSDOSFS(dvp), np);
}

/* ---- attributes ---- */

static uint32_t
node_mode(const struct msdosfs_node *np)
{
	const struct msdosfs_mount *pmp = np->n_pmp;
	uint32_t mode;

	if (np->n_vnode->v_type == VDIR)
		return ACCESSPERMS & ~pmp->pm_dmask;
	mode = ACCESSPERMS & ~pmp->pm_fmask;
	if (np->n_de.de_attr & ATTR_READONLY)
		mode &= ~(uint32_t)(S_IWUSR | S_IWGRP | S_IWOTH);
	return mode;
}

static int
msdosfs_getattr(struct vnode *vp, struct vattr *va)
{
	struct msdosfs_node *np = VTOMSDOSFS(vp);
	struct msdosfs_mount *pmp = np->n_pmp;
	const struct msdos_dirent *de = &np->n_de;
	uint64_t ncl;
	int error;

	memset(va, 0, sizeof(*va));
	va->va_mask = VA_ALL;
	va->va_type = vp->v_type;
	va->va_mode = node_mode(np);
	va->va_nlink = np->n_unlinked ? 0 : np->n_nlink;
	va->va_uid = pmp->pm_uid;
	va->va_gid = pmp->pm_gid;
	va->va_fileid = np->n_ino;
	if (vp->v_type == VDIR) {
		if ((error = msdosfs_map_ensure(np)) != 0)
			return error;
		va->va_size = np->n_fixedroot ?
		    (uint64_t)pmp->pm_rootslots * DE_SIZE :
		    (uint64_t)np->n_ncl << pmp->pm_clshift;
		va->va_bytes = va->va_size;
	} else {
		va->va_size = np->n_size;
		ncl = __atomic_load_n(&np->n_mapvalid, __ATOMIC_ACQUIRE) ?
		    np->n_ncl : howmany((uint64_t)np->n_size, pmp->pm_clsize);
		va->va_bytes = ncl << pmp->pm_clshift;
	}
	va->va_blocksize = MAX(pmp->pm_clsize, 4096u);
	if (np->n_isroot) {
		va->va_mtime = pmp->pm_roottime;
		va->va_atime = pmp->pm_roottime;
		va->va_birthtime = pmp->pm_roottime;
	} else {
		msdosfs_dos2unix(msdos_get16(de->de_mdate),
		    msdos_get16(de->de_mtime), 0, pmp->pm_tzoff,
		    &va->va_mtime);
		mutex_enter(&np->n_maplock);	/* see read_touch */
		if (np->n_atime_set)
			va->va_atime = np->n_atime;
		else
			msdosfs_dos2unix(msdos_get16(de->de_adate), 0, 0,
			    pmp->pm_tzoff, &va->va_atime);
		mutex_exit(&np->n_maplock);
		if (msdos_get16(de->de_cdate) != 0)
			msdosfs_dos2unix(msdos_get16(de->de_cdate),
			    msdos_get16(de->de_ctime), de->de_ctime_cs,
			    pmp->pm_tzoff, &va->va_birthtime);
		else
			va->va_mask &= ~(uint32_t)VA_BTIME;
	}
	va->va_ctime = np->n_ctime;
	return 0;
}

/*
 * Can MODE be stored for NP?  *ROP says whether it means "read-only".
 * Linux's rule: the r and x bits must be exactly those the masks give;
 * the w bits all of those or (files only) none.  Bits the masks take
 * away, and setuid/setgid/sticky, are ignored.
 */
static bool
mode_storable(const struct msdosfs_node *np, uint32_t mode, bool *rop)
{
	const struct msdosfs_mount *pmp = np->n_pmp;
	bool dir = np->n_vnode->v_type == VDIR;
	uint32_t mask = dir ? pmp->pm_dmask : pmp->pm_fmask;
	uint32_t base = ACCESSPERMS & ~mask, m = mode & ACCESSPERMS & ~mask;
	const uint32_t w = S_IWUSR | S_IWGRP | S_IWOTH;

	if ((m & ~w) != (base & ~w))
		return false;
	if ((m & w) == (base & w)) {
		*rop = false;
		return true;
	}
	if ((m & w) == 0 && !dir) {
		*rop = true;
		return true;
	}
	return false;
}

static int
msdosfs_setattr(struct vnode *vp, const struct vattr *va)
{
	struct msdosfs_node *np = VTOMSDOSFS(vp);
	struct msdosfs_mount *pmp = np->n_pmp;
	uint32_t mask = va->va_mask;
	bool ro = false, setmode = false;
	uint16_t d;
	int error;

	/* First everything that can refuse. */
	if (mask & VA_MODE) {
		if (mode_storable(np, va->va_mode, &ro))
			setmode = true;
		else if (!pmp->pm_quiet)
			return EPERM;
	}
	if (((mask & VA_UID) && va->va_uid != pmp->pm_uid) ||
	    ((mask & VA_GID) && va->va_gid != pmp->pm_gid)) {
		if (!pmp->pm_quiet)
			return EPERM;
	}
	if (mask & VA_SIZE) {
		if (vp->v_type != VREG)
			return vp->v_type == VDIR ? EISDIR : EINVAL;
		if (va->va_size != np->n_size) {
			error = msdosfs_truncate(np, va->va_size);
			if (error != 0) {
				(void)msdosfs_node_update(np);
				return error;
			}
			np->n_de.de_attr |= ATTR_ARCHIVE;
		}
	}
	if (setmode && !np->n_isroot) {
		if (ro)
			np->n_de.de_attr |= ATTR_READONLY;
		else
			np->n_de.de_attr &= (uint8_t)~ATTR_READONLY;
	}
	if ((mask & VA_ATIME) && !np->n_isroot) {
		np->n_atime = va->va_atime;
		np->n_atime_set = true;
		msdosfs_unix2dos(&va->va_atime, pmp->pm_tzoff, &d, NULL, NULL);
		msdos_put16(np->n_de.de_adate, d);
	}
	if (mask & VA_MTIME)
		set_mtime(np, &va->va_mtime);
	if (mask & VA_BTIME && !np->n_isroot) {
		uint16_t t;
		uint8_t cs;

		msdosfs_unix2dos(&va->va_birthtime, pmp->pm_tzoff, &d, &t,
		    &cs);
		msdos_put16(np->n_de.de_cdate, d);
		msdos_put16(np->n_de.de_ctime, t);
		np->n_de.de_ctime_cs = cs;
	}
	if (mask & VA_CTIME)
		np->n_ctime = va->va_ctime;
	else
		vfs_timestamp(&np->n_ctime);
	return msdosfs_node_update(np);
}

/* ---- data ---- */

/*
 * A read moves the access date, at most once a day (the disk keeps no
 * more), unless the mount is read-only or noatime.  The vnode lock is
 * only shared here, so n_maplock serialises the readers that race to do
 * it; writers of n_de hold the exclusive lock and so never overlap.
 */
static void
read_touch(struct msdosfs_node *np)
{
	struct msdosfs_mount *pmp = np->n_pmp;
	struct vfs_timespec now;
	uint16_t d;

	if (pmp->pm_rdonly || np->n_isroot || np->n_dirloc == 0 ||
	    (pmp->pm_mp->mnt_flags & MNT_NOATIME))
		return;
	vfs_timestamp(&now);
	msdosfs_unix2dos(&now, pmp->pm_tzoff, &d, NULL, NULL);
	mutex_enter(&np->n_maplock);
	if (msdos_get16(np->n_de.de_adate) != d) {
		msdos_put16(np->n_de.de_adate, d);
		np->n_atime = now;
		np->n_atime_set = true;
		(void)msdosfs_de_write(pmp, np->n_dirloc, &np->n_de);
	}
	mutex_exit(&np->n_maplock);
}

static int
msdosfs_read(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct msdosfs_node *np = VTOMSDOSFS(vp);
	size_t resid = uio->uio_resid;
	int error;

	(void)ioflag;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	error = msdosfs_data_read(np, uio);
	if (resid > 0)
		read_touch(np);
	return error;
}

static int
msdosfs_write(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct msdosfs_node *np = VTOMSDOSFS(vp);
	size_t resid = uio->uio_resid;
	int error, e;

	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	if (ioflag & IO_APPEND)
		uio->uio_offset = np->n_size;
	if (uio->uio_offset + uio->uio_resid > MSDOSFS_MAXFILESIZE) {
		if (uio->uio_offset >= MSDOSFS_MAXFILESIZE)
			return EFBIG;
		uio->uio_resid = (size_t)(MSDOSFS_MAXFILESIZE -
		    uio->uio_offset);
	}
	error = msdosfs_data_write(np, uio, ioflag);
	if (uio->uio_resid != resid) {
		msdosfs_node_touch(np, true, true);
		e = msdosfs_node_update(np);
		if (error == 0)
			error = e;
	}
	return error;
}

static int
msdosfs_fallocate(struct vnode *vp, int mode, uint64_t off, uint64_t len)
{
	struct msdosfs_node *np = VTOMSDOSFS(vp);
	uint32_t oldsize = np->n_size;
	int error, e;

	if (vp->v_type != VREG)
		return EINVAL;
	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return EOPNOTSUPP;	/* FAT cannot punch holes */
	error = msdosfs_allocate(np, off, len, (mode & FALLOC_FL_KEEP_SIZE) !=
	    0);
	if (np->n_size != oldsize)
		msdosfs_node_touch(np, true, true);
	e = msdosfs_node_update(np);
	return error != 0 ? error : e;
}

static int
msdosfs_fsync(struct vnode *vp, int flags)
{
	struct msdosfs_node *np = VTOMSDOSFS(vp);
	int error;

	if (np->n_pmp->pm_rdonly)
		return 0;
	if ((error = msdosfs_node_update(np)) != 0)
		return error;
	if ((error = msdosfs_fsinfo_write(np->n_pmp)) != 0)
		return error;
	if (flags & FSYNC_WAIT)
		return bsync(np->n_pmp->pm_dev);
	return 0;
}

static int
msdosfs_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	if (vp->v_type != VDIR)
		return ENOTDIR;
	return msdosfs_dir_readdir(VTOMSDOSFS(vp), cookie, fill, arg);
}

static int
msdosfs_vop_bmap(struct vnode *vp, uint64_t off, uint64_t *devoffp,
    uint64_t *runp)
{
	if (vp->v_type != VREG)
		return EOPNOTSUPP;
	return msdosfs_node_bmap(VTOMSDOSFS(vp), off, devoffp, runp);
}

/* ---- life cycle ---- */

/*
 * The last reference went: an unlinked file's clusters are freed (and
 * the vnode recycled); clusters fallocate put past a file's end are
 * given back.
 */
static int
msdosfs_inactive(struct vnode *vp, bool *recyclep)
{
	struct msdosfs_node *np = VTOMSDOSFS(vp);
	struct msdosfs_mount *pmp = np->n_pmp;
	uint32_t keep;
	int error = 0;

	*recyclep = false;
	if (pmp->pm_rdonly)
		return 0;
	if (np->n_unlinked) {
		*recyclep = true;
		if (np->n_startcl != 0)
			error = msdosfs_chain_shrink(np, 0);
		return error;
	}
	if (vp->v_type == VREG &&
	    __atomic_load_n(&np->n_mapvalid, __ATOMIC_ACQUIRE)) {
		keep = (uint32_t)howmany((uint64_t)np->n_size, pmp->pm_clsize);
		if (np->n_ncl > keep) {
			error = msdosfs_chain_shrink(np, keep);
			if (error == 0)
				error = msdosfs_node_update(np);
		}
	}
	return error;
}

static int
msdosfs_reclaim(struct vnode *vp)
{
	struct msdosfs_node *np = VTOMSDOSFS(vp);

	if (np == NULL)
		return 0;
	if (!np->n_isroot)
		msdosfs_ino_detach(np->n_pmp, np->n_ino);
	vp->v_data = NULL;
	msdosfs_node_destroy(np);
	return 0;
}

const struct vnodeops msdosfs_vnodeops = {
	/* dvp shared|excl -> same; ref *vpp */
	.vop_lookup = msdosfs_lookup,
	/* dvp excl -> same; ref *vpp */
	.vop_create = msdosfs_create,
	/* dvp excl -> same; VREG as create, else EPERM */
	.vop_mknod = msdosfs_mknod,
	/* dvp excl -> same; ref *vpp */
	.vop_mkdir = msdosfs_mkdir,
	/* FAT has no symlinks or hard links: EPERM */
	.vop_symlink = msdosfs_eperm_symlink,
	.vop_link = msdosfs_eperm_link,
	/* dvp, vp excl -> same */
	.vop_remove = msdosfs_remove,
	.vop_rmdir = msdosfs_rmdir,
	/* all four excl -> same (msdosfs_rename.c) */
	.vop_rename = msdosfs_rename,
	/* vp shared -> same */
	.vop_open = genfs_nullop_open,
	.vop_close = genfs_nullop_open,
	/* vp shared -> same */
	.vop_getattr = msdosfs_getattr,
	/* vp excl -> same */
	.vop_setattr = msdosfs_setattr,
	/* vp shared -> same */
	.vop_read = msdosfs_read,
	/* vp excl -> same */
	.vop_write = msdosfs_write,
	/* vp excl -> same */
	.vop_fsync = msdosfs_fsync,
	/* vp shared -> same */
	.vop_readdir = msdosfs_readdir,
	/* no symlinks */
	.vop_readlink = genfs_einval_readlink,
	/* vp excl -> same */
	.vop_inactive = msdosfs_inactive,
	/* vp excl -> same: frees v_data */
	.vop_reclaim = msdosfs_reclaim,
	/* vp shared -> same */
	.vop_bmap = msdosfs_vop_bmap,
	/* no extended attributes */
	.vop_getxattr = genfs_eopnotsupp_getxattr,
	.vop_setxattr = genfs_eopnotsupp_setxattr,
	.vop_listxattr = genfs_eopnotsupp_listxattr,
	.vop_removexattr = genfs_eopnotsupp_removexattr,
	/* vp excl -> same: mode 0 and KEEP_SIZE */
	.vop_fallocate = msdosfs_fallocate,
	/* vp shared -> same: no holes */
	.vop_seek = genfs_seek,
};
