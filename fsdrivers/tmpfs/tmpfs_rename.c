/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_rename.c -- tmpfs rename: move, replace, and RENAME_EXCHANGE.
 *
 * The kernel holds the mount's rename lock and all four vnodes exclusive,
 * and has checked the cross-mount, ancestor, type and flag rules.  What is
 * left here: the target directory must be empty (ENOTEMPTY), a directory
 * moving to another parent must fit there (EMLINK), the one allocation a
 * move may need (a new entry: ENOSPC, ENOMEM) comes before any change, and
 * the link counts and ".." parents of every node involved.
 *
 * A replaced target keeps its entry (and cookie), which is pointed at the
 * moved node; an exchange swaps the nodes of two entries.  Neither can
 * fail once started.
 *
 * Exports tmpfs_rename.
 */
#include "kern/kern.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "tmpfs_node.h"

/* The entry NAME of DN naming TN, or NULL. */
static struct tmpfs_dirent *
tmpfs_rename_entry(struct tmpfs_node *dn, const char *name, size_t len,
    struct tmpfs_node *tn)
{
	struct tmpfs_dirent *de;

	de = tmpfs_dir_lookup(dn, name, len);
	return de != NULL && de->de_node == tn ? de : NULL;
}

/* Directory TN moves from parent FDN to parent TDN (link counts). */
static void
tmpfs_rename_reparent(struct tmpfs_node *tn, struct tmpfs_node *fdn,
    struct tmpfs_node *tdn)
{
	KASSERT(tn->tn_type == VDIR);
	if (fdn == tdn)
		return;
	KASSERT(fdn->tn_nlink > 2);
	fdn->tn_nlink--;
	tdn->tn_nlink++;
	tn->tn_u.tn_dir.td_parent = tdn;
	tmpfs_update(tn, TMPFS_UPD_CTIME);	/* its ".." changed */
}

static int
tmpfs_exchange(struct mount *mp, struct tmpfs_node *fdn,
    struct tmpfs_dirent *fde, struct tmpfs_node *tdn,
    struct tmpfs_dirent *tde)
{
	struct tmpfs_node *fn = fde->de_node, *tn = tde->de_node;
	bool fdir = fn->tn_type == VDIR, tdir = tn->tn_type == VDIR;

	if (fdn != tdn && fdir != tdir) {
		/* one parent gains a subdirectory, the other loses one */
		if ((fdir ? tdn : fdn)->tn_nlink >= mp->mnt_linkmax)
			return EMLINK;
	}
	fde->de_node = tn;
	tde->de_node = fn;
	if (fdir)
		tmpfs_rename_reparent(fn, fdn, tdn);
	if (tdir)
		tmpfs_rename_reparent(tn, tdn, fdn);
	tmpfs_update(fn, TMPFS_UPD_CTIME);
	tmpfs_update(tn, TMPFS_UPD_CTIME);
	return 0;
}

int
tmpfs_rename(struct vnode *fdvp, struct vnode *fvp, const char *fname,
    size_t flen, struct vnode *tdvp, struct vnode *tvp, const char *tname,
    size_t tlen, unsigned flags)
{
	struct mount *mp = fdvp->v_mount;
	struct tmpfs_mount *tm = VFS_TO_TMPFS(mp);
	struct tmpfs_node *fdn = VP_TO_TMPFS(fdvp), *fn = VP_TO_TMPFS(fvp);
	struct tmpfs_node *tdn = VP_TO_TMPFS(tdvp);
	struct tmpfs_node *tn = tvp != NULL ? VP_TO_TMPFS(tvp) : NULL;
	struct tmpfs_dirent *fde, *tde = NULL;
	bool fdir = fn->tn_type == VDIR;
	int error;

	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return EINVAL;		/* RENAME_WHITEOUT */
	if (fdn->tn_type != VDIR || tdn->tn_type != VDIR)
		return ENOTDIR;
	if ((fde = tmpfs_rename_entry(fdn, fname, flen, fn)) == NULL)
		return ENOENT;
	if (tn != NULL &&
	    (tde = tmpfs_rename_entry(tdn, tname, tlen, tn)) == NULL)
		return ENOENT;
	if (tdn->tn_nlink == 0)
		return ENOENT;		/* target directory removed */

	if (flags & RENAME_EXCHANGE) {
		if (tde == NULL)
			return ENOENT;
		error = tmpfs_exchange(mp, fdn, fde, tdn, tde);
		goto out_times;
	}
	if (tn != NULL) {
		if ((tn->tn_type == VDIR) != fdir)
			return fdir ? ENOTDIR : EISDIR;
		if (fdir && tn->tn_u.tn_dir.td_count != 0)
			return ENOTEMPTY;
	}
	/* a directory gaining a subdirectory (unless one is replaced) */
	if (fdir && fdn != tdn && tn == NULL &&
	    tdn->tn_nlink >= mp->mnt_linkmax)
		return EMLINK;

	if (tde != NULL)
		tde->de_node = fn;
	else if ((error = tmpfs_dir_enter(tm, tdn, tname, tlen, fn)) != 0)
		return error;
	tmpfs_dir_remove(tm, fdn, fde);

	if (tn != NULL) {
		if (tn->tn_type == VDIR) {
			KASSERT(tn->tn_nlink == 2 && tdn->tn_nlink > 2);
			tn->tn_nlink = 0;
			tn->tn_u.tn_dir.td_parent = NULL;
			tdn->tn_nlink--;
		} else {
			KASSERT(tn->tn_nlink > 0);
			tn->tn_nlink--;
		}
		tmpfs_update(tn, TMPFS_UPD_CTIME);
	}
	if (fdir)
		tmpfs_rename_reparent(fn, fdn, tdn);
	tmpfs_update(fn, TMPFS_UPD_CTIME);
	error = 0;

out_times:
	if (error == 0) {
		tmpfs_update(fdn, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
		if (tdn != fdn)
			tmpfs_update(tdn, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	}
	return error;
}
