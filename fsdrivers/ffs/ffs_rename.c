/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ffs_rename.c -- rename and RENAME_EXCHANGE for the FFS driver.
 *
 * The kernel has done the checks that need the name space (same mount,
 * the source not an ancestor of the target directory, directory versus
 * non-directory, NOREPLACE/EXCHANGE against the target's existence) and
 * holds all four vnodes exclusively (see vfs/vfs_rename.c).  What is
 * left is the directory surgery, in an order that never leaves a name
 * pointing at nothing:
 *
 *   1. the target name is made to point at the source inode: its entry
 *      re-pointed if it exists (the replaced file loses a link; a
 *      replaced directory, empty, loses all), else a new entry added;
 *   2. a directory that changes parent gets its ".." re-pointed, and the
 *      parents' link counts follow;
 *   3. the source name is removed (looked up again: adding the target
 *      entry may have compacted the chunk that holds it).
 *
 * Exports ffs_rename.
 */
#include "kern/kern.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ffs_fs.h"
#include "ffs_node.h"

static bool
ffs_isdir(const struct ffs_inode *ip)
{
	return (ip->i_mode & FFS_IFMT) == FFS_IFDIR;
}

static bool
ffs_rn_frozen(const struct ffs_inode *ip)
{
	return ip != NULL &&
	    (ip->i_flags & (FFS_IMMUTABLE_ANY | FFS_APPEND_ANY)) != 0;
}

/* Point directory IP's ".." at NEWPARENT. */
static int
ffs_set_dotdot(struct ffs_inode *ip, struct ffs_inode *newparent)
{
	struct ffs_dirpos pos;
	int error;

	if ((error = ffs_dir_dotdot(ip, &pos)) != 0)
		return error;
	return ffs_dir_rewrite(ip, &pos, newparent->i_number, FFS_IFDIR);
}

/* Find NAME in DP and check that it still names IP. */
static int
ffs_rn_find(struct ffs_inode *dp, const char *name, size_t len,
    const struct ffs_inode *ip, struct ffs_dirpos *pos)
{
	int error;

	if ((error = ffs_dir_lookup(dp, name, len, pos)) != 0)
		return error;
	return pos->dp_ino == ip->i_number ? 0 : ENOENT;
}

static int
ffs_exchange(struct ffs_inode *fdp, struct ffs_inode *fip, const char *fname,
    size_t flen, struct ffs_inode *tdp, struct ffs_inode *tip,
    const char *tname, size_t tlen)
{
	struct ffs_dirpos fpos, tpos;
	bool fdir = ffs_isdir(fip), tdir = ffs_isdir(tip);
	int error;

	if ((error = ffs_rn_find(fdp, fname, flen, fip, &fpos)) != 0 ||
	    (error = ffs_rn_find(tdp, tname, tlen, tip, &tpos)) != 0)
		return error;
	if (fdp != tdp && fdir != tdir) {
		if (fdir && tdp->i_nlink >= FFS_LINK_MAX)
			return EMLINK;
		if (tdir && fdp->i_nlink >= FFS_LINK_MAX)
			return EMLINK;
	}
	if ((error = ffs_dir_rewrite(fdp, &fpos, tip->i_number,
	    tip->i_mode)) != 0)
		return error;
	if ((error = ffs_dir_rewrite(tdp, &tpos, fip->i_number,
	    fip->i_mode)) != 0)
		return error;
	if (fdp != tdp) {
		if (fdir && (error = ffs_set_dotdot(fip, tdp)) != 0)
			return error;
		if (tdir && (error = ffs_set_dotdot(tip, fdp)) != 0)
			return error;
		if (fdir && !tdir) {
			fdp->i_nlink--;
			tdp->i_nlink++;
		} else if (tdir && !fdir) {
			tdp->i_nlink--;
			fdp->i_nlink++;
		}
		ffs_itimes(tdp, FFS_UPD_MTIME | FFS_UPD_CTIME);
		(void)ffs_update(tdp);
	}
	ffs_itimes(fdp, FFS_UPD_MTIME | FFS_UPD_CTIME);
	(void)ffs_update(fdp);
	ffs_itimes(fip, FFS_UPD_CTIME);
	(void)ffs_update(fip);
	ffs_itimes(tip, FFS_UPD_CTIME);
	return ffs_update(tip);
}

int
ffs_rename(struct vnode *fdvp, struct vnode *fvp, const char *fname,
    size_t flen, struct vnode *tdvp, struct vnode *tvp, const char *tname,
    size_t tlen, unsigned flags)
{
	struct ffs_inode *fdp = VTOI(fdvp), *fip = VTOI(fvp);
	struct ffs_inode *tdp = VTOI(tdvp), *tip = tvp ? VTOI(tvp) : NULL;
	struct ffs_dirpos fpos, tpos;
	bool isdir = ffs_isdir(fip), newparent = fdp != tdp, empty;
	int error;

	if (ffs_rn_frozen(fdp) || ffs_rn_frozen(fip) || ffs_rn_frozen(tip) ||
	    (tdp->i_flags & FFS_IMMUTABLE_ANY))
		return EPERM;
	if (tdp->i_nlink == 0)
		return ENOENT;
	if (flags & RENAME_EXCHANGE) {
		if (tip == NULL)
			return ENOENT;
		return ffs_exchange(fdp, fip, fname, flen, tdp, tip, tname,
		    tlen);
	}
	if ((error = ffs_rn_find(fdp, fname, flen, fip, &fpos)) != 0)
		return error;
	if (isdir && newparent && (tip == NULL || !ffs_isdir(tip)) &&
	    tdp->i_nlink >= FFS_LINK_MAX)
		return EMLINK;

	/* 1. the target name */
	if (tip != NULL) {
		if (ffs_isdir(tip)) {
			if ((error = ffs_dir_isempty(tip, &empty)) != 0)
				return error;
			if (!empty)
				return ENOTEMPTY;
		}
		if ((error = ffs_rn_find(tdp, tname, tlen, tip, &tpos)) != 0)
			return error;
		if ((error = ffs_dir_rewrite(tdp, &tpos, fip->i_number,
		    fip->i_mode)) != 0)
			return error;
		if (ffs_isdir(tip)) {
			tip->i_nlink = 0;
			if (tdp->i_nlink > 1)
				tdp->i_nlink--;
			(void)ffs_truncate(tip, 0);
		} else if (tip->i_nlink > 0)
			tip->i_nlink--;
		ffs_itimes(tip, FFS_UPD_CTIME);
		(void)ffs_update(tip);
	} else if ((error = ffs_dir_enter(tdp, tname, tlen, fip->i_number,
	    fip->i_mode)) != 0)
		return error;

	/* 2. a directory's new parent */
	if (isdir && newparent) {
		if ((error = ffs_set_dotdot(fip, tdp)) != 0)
			return error;
		if (fdp->i_nlink > 1)
			fdp->i_nlink--;
		tdp->i_nlink++;
	}

	/* 3. the old name */
	if ((error = ffs_rn_find(fdp, fname, flen, fip, &fpos)) != 0 ||
	    (error = ffs_dir_remove(fdp, &fpos)) != 0)
		return error;

	ffs_itimes(fip, FFS_UPD_CTIME);
	(void)ffs_update(fip);
	ffs_itimes(fdp, FFS_UPD_MTIME | FFS_UPD_CTIME);
	(void)ffs_update(fdp);
	if (newparent) {
		ffs_itimes(tdp, FFS_UPD_MTIME | FFS_UPD_CTIME);
		(void)ffs_update(tdp);
	}
	return 0;
}
