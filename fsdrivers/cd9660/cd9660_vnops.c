/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cd9660_vnops.c -- the vnode operations of the ISO 9660 driver.
 *
 * ISO 9660 is read-only: every operation that would write is a
 * genfs_erofs_* stub, so the table shows it.  Nodes are immutable once
 * loaded, so the shared vnode lock the kernel holds for lookup, getattr,
 * read, readdir, readlink, bmap and seek is all the locking needed; the
 * name index and the zisofs block cache have the node's n_lock, the
 * read-ahead hint n_nextread is a relaxed atomic.
 *
 * File data is read through the buffer cache in 2048-byte sectors, one
 * section at a time, with read-ahead of the rest of the request and, for
 * sequential readers, a further window.  VOP_BMAP gives the FUSE bridge
 * the device offset and length of each section for the splice path;
 * zisofs files have no such mapping (EOPNOTSUPP: they are read through
 * VOP_READ, decompressed).
 *
 * Lookup: "." is the directory, ".." the directory its ".." record (or
 * PL entry) names, anything else the entry cd9660_dir_lookup() finds.
 * The vnode found under an entry's inode number must describe that
 * entry; a hard-link number (data extent, PX serial) that turns out to
 * name something else falls back to the record's own number, and a
 * record number that does is corruption (overlapping structures).  A
 * directory found under D must name D as its parent, in its ".." record
 * or (relocated) its PL entry: a damaged image can then never make the
 * tree a loop (the FUSE kernel would answer EIO for one).
 *
 * Exports cd9660_vnodeops.
 */
#include "kern/kern.h"
#include "kern/buf.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/uio.h"
#include "kern/vnode.h"

#include "cd9660_fs.h"
#include "cd9660_node.h"

/* Sequential read-ahead window, sectors. */
#define CD9660_RA_SECTORS	32

static int
cd9660_lookup_dotdot(struct vnode *dvp, struct vnode **vpp)
{
	struct cd9660_node *dp = VTOI(dvp);
	struct cd9660_hint hint;

	if (dp->n_parent == dp->n_ino) {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	memset(&hint, 0, sizeof(hint));
	hint.h_xar = dp->n_parent_xar;
	hint.h_depth = dp->n_depth > 0 ? dp->n_depth - 1 : 0;
	return vcache_get(dvp->v_mount, dp->n_parent, &hint, vpp);
}

static int
cd9660_lookup(struct vnode *dvp, const char *name, size_t len,
    struct vnode **vpp)
{
	struct cd9660_node *dp = VTOI(dvp);
	struct cd9660_mount *imp = dp->n_imp;
	struct cd9660_dirent *de;
	struct cd9660_hint hint;
	struct vnode *vp;
	ino64_t ino;
	int error;

	*vpp = NULL;
	if (dvp->v_type != VDIR)
		return ENOTDIR;
	if (genfs_name_is_dot(name, len)) {
		vref(dvp);
		*vpp = dvp;
		return 0;
	}
	if (genfs_name_is_dotdot(name, len))
		return cd9660_lookup_dotdot(dvp, vpp);
	if ((de = cd9660_dirent_alloc()) == NULL)
		return ENOMEM;
	if ((error = cd9660_dir_lookup(dp, name, len, de)) != 0)
		goto out;
	memset(&hint, 0, sizeof(hint));
	hint.h_de = de;
	hint.h_depth = dp->n_depth + 1;
	hint.h_parent = dp->n_ino;
	hint.h_parent_xar = dp->n_xar;
	ino = cd9660_dirent_ino(imp, de);
	if ((error = vcache_get(dvp->v_mount, ino, &hint, &vp)) != 0)
		goto out;
	if (!cd9660_node_matches(VTOI(vp), de)) {
		vrele(vp);
		if (ino == de->de_recoff) {
			error = cd9660_corrupt(imp, "directory inode %llu: "
			    "entry \"%.*s\" names inode %llu, which is "
			    "something else", (unsigned long long)dp->n_ino,
			    (int)len, name, (unsigned long long)ino);
			goto out;
		}
		/* Not the same object after all: the record's own number. */
		ino = de->de_recoff;
		if ((error = vcache_get(dvp->v_mount, ino, &hint, &vp)) != 0)
			goto out;
		if (!cd9660_node_matches(VTOI(vp), de)) {
			vrele(vp);
			error = cd9660_corrupt(imp, "directory inode %llu: "
			    "entry \"%.*s\" overlaps inode %llu",
			    (unsigned long long)dp->n_ino, (int)len, name,
			    (unsigned long long)ino);
			goto out;
		}
	}
	/* A directory names its parent: never a loop, whatever the image. */
	if (vp->v_type == VDIR && VTOI(vp)->n_parent != dp->n_ino &&
	    VTOI(vp)->n_dotdot_ext != dp->n_ino) {
		error = cd9660_corrupt(imp, "directory inode %llu: entry "
		    "\"%.*s\" is directory %llu, whose parent is %llu",
		    (unsigned long long)dp->n_ino, (int)len, name,
		    (unsigned long long)VTOI(vp)->n_ino,
		    (unsigned long long)VTOI(vp)->n_parent);
		vrele(vp);
		goto out;
	}
	*vpp = vp;
out:
	cd9660_dirent_free(de);
	return error;
}

static int
cd9660_getattr(struct vnode *vp, struct vattr *va)
{
	cd9660_node_getattr(VTOI(vp), va);
	return 0;
}

static int
cd9660_read(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct cd9660_node *np = VTOI(vp);
	struct cd9660_mount *imp = np->n_imp;
	uint64_t off, devoff, run, sec, avail, ra_next = 0, nra;
	size_t boff, n;
	struct buf *bp;
	bool seq;
	int error = 0;

	(void)ioflag;
	if (vp->v_type == VDIR)
		return EISDIR;
	if (vp->v_type != VREG)
		return EINVAL;
	if (uio->uio_offset >= np->n_size || uio->uio_resid == 0)
		return 0;
	if (np->n_zf != NULL)
		return cd9660_zisofs_read(np, uio);
	if (np->n_interleaved)
		return EOPNOTSUPP;

	seq = uio->uio_offset == atomic_load_relaxed(&np->n_nextread);
	while (uio->uio_resid > 0 && uio->uio_offset < np->n_size) {
		off = uio->uio_offset;
		if (cd9660_sect_map(np->n_sects, np->n_nsects, off, &devoff,
		    &run) != 0) {
			error = cd9660_corrupt(imp, "inode %llu: no section "
			    "holds byte %llu", (unsigned long long)np->n_ino,
			    (unsigned long long)off);
			break;
		}
		avail = MIN(np->n_size - off, (uint64_t)uio->uio_resid);
		avail = MIN(avail, run);
		sec = devoff >> ISO_SECTOR_SHIFT;
		boff = (size_t)(devoff & (ISO_SECTOR_SIZE - 1));
		nra = 0;
		if (sec >= ra_next) {
			/* the rest of the request (+ a window if sequential) */
			nra = howmany(boff + avail, ISO_SECTOR_SIZE) - 1;
			if (seq)
				nra += CD9660_RA_SECTORS;
			nra = MIN(nra,
			    howmany(boff + run, ISO_SECTOR_SIZE) - 1);
			nra = MIN(nra, CD9660_RA_SECTORS);
			ra_next = sec + 1 + nra;
		}
		error = cd9660_bread(imp, devoff, (int)nra, "file data", &bp);
		if (error)
			break;
		n = (size_t)MIN((uint64_t)(ISO_SECTOR_SIZE - boff), avail);
		uiomove((uint8_t *)bp->b_data + boff, n, uio);
		brelse(bp);
	}
	atomic_store_relaxed(&np->n_nextread, uio->uio_offset);
	return error;
}

static int
cd9660_readdir(struct vnode *vp, uint64_t *cookie, vfs_filldir_t fill,
    void *arg)
{
	if (vp->v_type != VDIR)
		return ENOTDIR;
	return cd9660_dir_readdir(VTOI(vp), cookie, fill, arg);
}

static int
cd9660_readlink(struct vnode *vp, struct uio *uio)
{
	struct cd9660_node *np = VTOI(vp);

	if (vp->v_type != VLNK || np->n_link == NULL)
		return EINVAL;
	uiomove(np->n_link, (size_t)np->n_size, uio);
	return 0;
}

static int
cd9660_inactive(struct vnode *vp, bool *recyclep)
{
	(void)vp;
	*recyclep = false;
	return 0;
}

static int
cd9660_reclaim(struct vnode *vp)
{
	struct cd9660_node *np = VTOI(vp);

	if (np != NULL)
		cd9660_node_free(np);
	vp->v_data = NULL;
	return 0;
}

static int
cd9660_bmap(struct vnode *vp, uint64_t off, uint64_t *devoffp,
    uint64_t *runp)
{
	struct cd9660_node *np = VTOI(vp);

	if (vp->v_type != VREG || np->n_zf != NULL || np->n_interleaved)
		return EOPNOTSUPP;
	if (off >= np->n_size) {
		*devoffp = VOP_BMAP_HOLE;
		*runp = ISO_SECTOR_SIZE - (off & (ISO_SECTOR_SIZE - 1));
		return 0;
	}
	if (cd9660_sect_map(np->n_sects, np->n_nsects, off, devoffp,
	    runp) != 0)
		return cd9660_corrupt(np->n_imp, "inode %llu: no section holds "
		    "byte %llu", (unsigned long long)np->n_ino,
		    (unsigned long long)off);
	*runp = MIN(*runp, np->n_size - off);
	return 0;
}

/* ISO 9660 has no holes: everything is data. */
static int
cd9660_seek(struct vnode *vp, uint64_t off, int whence, uint64_t *resultp)
{
	struct cd9660_node *np = VTOI(vp);

	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return EINVAL;
	if (off >= np->n_size)
		return ENXIO;
	*resultp = whence == SEEK_DATA ? off : np->n_size;
	return 0;
}

const struct vnodeops cd9660_vnodeops = {
	/* dvp shared -> same; ref *vpp */
	.vop_lookup = cd9660_lookup,
	/* read-only: EROFS */
	.vop_create = genfs_erofs_create,
	.vop_mknod = genfs_erofs_mknod,
	.vop_mkdir = genfs_erofs_mkdir,
	.vop_symlink = genfs_erofs_symlink,
	.vop_link = genfs_erofs_link,
	.vop_remove = genfs_erofs_remove,
	.vop_rmdir = genfs_erofs_rmdir,
	.vop_rename = genfs_erofs_rename,
	/* vp shared -> same */
	.vop_open = genfs_nullop_open,
	.vop_close = genfs_nullop_open,
	/* vp shared -> same */
	.vop_getattr = cd9660_getattr,
	.vop_setattr = genfs_erofs_setattr,
	/* vp shared -> same */
	.vop_read = cd9660_read,
	.vop_write = genfs_erofs_write,
	/* vp excl -> same: nothing to write */
	.vop_fsync = genfs_nullop_fsync,
	/* vp shared -> same */
	.vop_readdir = cd9660_readdir,
	/* vp shared -> same */
	.vop_readlink = cd9660_readlink,
	/* vp excl -> same: nodes are kept cached */
	.vop_inactive = cd9660_inactive,
	/* vp excl -> same: frees v_data */
	.vop_reclaim = cd9660_reclaim,
	/* vp shared -> same */
	.vop_bmap = cd9660_bmap,
	/* no extended attributes (AAIP is not read) */
	.vop_getxattr = genfs_eopnotsupp_getxattr,
	.vop_setxattr = genfs_erofs_setxattr,
	.vop_listxattr = genfs_eopnotsupp_listxattr,
	.vop_removexattr = genfs_erofs_removexattr,
	.vop_fallocate = genfs_erofs_fallocate,
	/* vp shared -> same */
	.vop_seek = cd9660_seek,
};
