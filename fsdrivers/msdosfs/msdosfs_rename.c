/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msdosfs_rename.c -- rename on FAT: a new entry (long name and short
 * alias) for the moved file in the target directory, then the old entry
 * freed, then the replaced target's entry freed.  The kernel holds the
 * mount's rename lock and all four vnodes exclusive, and has checked the
 * cross-mount, ancestry, type and flag rules.
 *
 * Order on disk: the new entry is written before the old one is freed,
 * so a crash in between leaves the file with two names (fsck.fat repairs
 * that) rather than none.  Everything that can fail for lack of room
 * (the new entry may grow the target directory: ENOSPC) happens before
 * anything is removed -- except when the target directory is a full
 * FAT12/16 root and the target exists: then the target's entry goes
 * first to make room (a failure after that loses the target's name, as
 * a crash would).
 *
 * The moved file keeps its inode number (msdosfs_ino_move records its new
 * location); a moved directory's ".." is pointed at its new parent, and
 * the parents' link counts follow.  A replaced target is unlinked like
 * remove/rmdir do: its clusters go when its last reference does.
 *
 * RENAME_EXCHANGE is not supported (EINVAL).
 *
 * Exports msdosfs_rename (msdosfs_node.h).
 */
#include "kern/kern.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "msdosfs_fs.h"
#include "msdosfs_node.h"

/* Free TNP's entry in TDNP (the rename target being replaced). */
static int
drop_target(struct msdosfs_node *tdnp, struct msdosfs_node *tnp)
{
	int error;

	if ((error = msdosfs_dir_remove(tdnp, tnp->n_dirslot)) != 0)
		return error;
	msdosfs_ino_unlink(tnp->n_pmp, tnp->n_ino);
	tnp->n_dirloc = 0;
	tnp->n_unlinked = true;
	tnp->n_nlink = 0;
	msdosfs_node_touch(tnp, false, false);
	if (tnp->n_vnode->v_type == VDIR) {
		KASSERT(tdnp->n_nlink > 2);
		tdnp->n_nlink--;
	}
	return 0;
}

int
msdosfs_rename(struct vnode *fdvp, struct vnode *fvp, const char *fname,
    size_t flen, struct vnode *tdvp, struct vnode *tvp, const char *tname,
    size_t tlen, unsigned flags)
{
	struct msdosfs_node *fdnp = VTOMSDOSFS(fdvp), *fnp = VTOMSDOSFS(fvp);
	struct msdosfs_node *tdnp = VTOMSDOSFS(tdvp);
	struct msdosfs_node *tnp = tvp != NULL ? VTOMSDOSFS(tvp) : NULL;
	struct msdosfs_mount *pmp = fdnp->n_pmp;
	struct msdosfs_newent *ne;
	bool isdir = fvp->v_type == VDIR, empty;
	uint32_t oldslot;
	int error, e;

	(void)fname;
	(void)flen;
	if (flags & RENAME_EXCHANGE)
		return EINVAL;
	if (fnp->n_dirloc == 0 || fnp->n_parent != fdnp->n_ino)
		return ENOENT;
	if (tdnp->n_unlinked)
		return ENOENT;
	if (tnp != NULL) {
		if (tnp->n_dirloc == 0 || tnp->n_parent != tdnp->n_ino)
			return ENOENT;
		if (tvp->v_type == VDIR) {
			if ((error = msdosfs_dir_isempty(tnp, &empty)) != 0)
				return error;
			if (!empty)
				return ENOTEMPTY;
		}
	}
	if ((ne = kmem_alloc(sizeof(*ne))) == NULL)
		return ENOMEM;
	if ((error = msdosfs_dir_prepname(pmp, tname, tlen, ne)) != 0)
		goto out;

	/* 1. The new entry: a copy of the old one under the new name. */
	error = msdosfs_dir_enter(tdnp, ne, &fnp->n_de);
	if (error == ENOSPC && tnp != NULL) {
		/* A full FAT12/16 root: the target's slots make the room. */
		if ((error = drop_target(tdnp, tnp)) != 0)
			goto out;
		tnp = NULL;
		if ((error = msdosfs_dir_enter(tdnp, ne, &fnp->n_de)) != 0)
			goto out;
	}
	if (error != 0)
		goto out;
	/* 2. The old entry goes. */
	oldslot = fnp->n_dirslot;
	if ((error = msdosfs_dir_remove(fdnp, oldslot)) != 0) {
		(void)msdosfs_dir_remove(tdnp, ne->ne_slot);
		goto out;
	}
	/* 3. The replaced target goes. */
	if (tnp != NULL && (error = drop_target(tdnp, tnp)) != 0)
		goto out;

	fnp->n_de = ne->ne_de;
	fnp->n_dirloc = ne->ne_loc;
	fnp->n_dirslot = ne->ne_slot;
	fnp->n_parent = tdnp->n_ino;
	msdosfs_ino_move(pmp, fnp->n_ino, ne->ne_loc, ne->ne_slot,
	    tdnp->n_ino);
	if (isdir && fdnp != tdnp) {
		error = msdosfs_dir_setdotdot(fnp, msdosfs_node_dircl(tdnp));
		KASSERT(fdnp->n_nlink > 2);
		fdnp->n_nlink--;
		tdnp->n_nlink++;
	}
	msdosfs_node_touch(fnp, false, false);
	msdosfs_node_touch(fdnp, true, false);
	e = msdosfs_node_update(fdnp);
	if (error == 0)
		error = e;
	if (tdnp != fdnp) {
		msdosfs_node_touch(tdnp, true, false);
		e = msdosfs_node_update(tdnp);
		if (error == 0)
			error = e;
	}
out:
	kmem_free(ne, sizeof(*ne));
	return error;
}
