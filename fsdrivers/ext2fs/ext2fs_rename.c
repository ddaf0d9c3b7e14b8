/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_rename.c -- rename and RENAME_EXCHANGE for the ext2/3/4 driver.
 *
 * The kernel has done the checks that need the name space (same mount,
 * the source not an ancestor of the target directory, directory versus
 * non-directory, NOREPLACE against an existing target, EXCHANGE with
 * both present) and holds all four vnodes exclusively (vfs_rename.c).
 * What is left is the directory surgery, all in one transaction handle
 * so that a journaled filesystem sees all of it or none, in an order
 * that never leaves a name pointing at nothing:
 *
 *   1. the target name is made to name the source inode: its entry
 *      re-pointed if it exists (the replaced file loses a link; a
 *      replaced directory, empty, loses all, and its parent one), else a
 *      new entry added (ENOSPC here leaves everything as it was);
 *   2. a directory that changes parent gets its ".." re-pointed
 *      (ext2fs_dir_set), and the parents' link counts follow the
 *      dir_nlink rule (ext2fs_dir_nlink_inc/dec);
 *   3. the source name is removed (looked up again: adding the target
 *      entry may have moved entries of the source directory).
 * A replaced object left without links goes on the orphan list and is
 * released by its VOP_INACTIVE.
 *
 * Exports (ext2fs_write.h): ext2fs_vop_rename.
 */
#include "kern/kern.h"
#include "kern/mount.h"
#include "kern/vnode.h"

#include "ext2fs_fs.h"
#include "ext2fs_node.h"
#include "ext2fs_write.h"

/* Metadata blocks a rename may dirty (an estimate). */
#define EXT2FS_TR_RENAME	64

static bool
ext2fs_rn_frozen(const struct ext2fs_node *np)
{
	return np != NULL && ext2fs_frozen(np);
}

/* Does NAME in DP still name NP?  (ENOENT if not.) */
static int
ext2fs_rn_find(struct ext2fs_node *dp, const char *name, size_t len,
    const struct ext2fs_node *np)
{
	uint32_t ino;
	int error;

	if ((error = ext2fs_dir_lookup(dp, name, len, &ino)) != 0)
		return error;
	return ino == np->n_ino ? 0 : ENOENT;
}

/* Point directory NP's ".." at PARENT. */
static int
ext2fs_set_dotdot(struct ext2fs_node *np, const struct ext2fs_node *parent)
{
	return ext2fs_dir_set(np, "..", 2, parent->n_ino, S_IFDIR);
}

static void
ext2fs_rn_touch(struct ext2fs_node *np, unsigned which)
{
	ext2fs_touch(np, which);
	(void)ext2fs_node_update(np);
}

static int
ext2fs_exchange(struct ext2fs_node *fdp, struct ext2fs_node *fnp,
    const char *fname, size_t flen, struct ext2fs_node *tdp,
    struct ext2fs_node *tnp, const char *tname, size_t tlen)
{
	bool fdir = ext2fs_isdir(fnp), tdir = ext2fs_isdir(tnp);
	int error;

	if ((error = ext2fs_rn_find(fdp, fname, flen, fnp)) != 0 ||
	    (error = ext2fs_rn_find(tdp, tname, tlen, tnp)) != 0)
		return error;
	if ((error = ext2fs_dir_set(fdp, fname, flen, tnp->n_ino,
	    tnp->n_mode)) != 0)
		return error;
	if ((error = ext2fs_dir_set(tdp, tname, tlen, fnp->n_ino,
	    fnp->n_mode)) != 0) {
		(void)ext2fs_dir_set(fdp, fname, flen, fnp->n_ino,
		    fnp->n_mode);
		return error;
	}
	if (fdp != tdp) {
		if (fdir && (error = ext2fs_set_dotdot(fnp, tdp)) != 0)
			return error;
		if (tdir && (error = ext2fs_set_dotdot(tnp, fdp)) != 0)
			return error;
		if (fdir && !tdir) {
			ext2fs_dir_nlink_dec(fdp);
			(void)ext2fs_dir_nlink_inc(tdp);
		} else if (tdir && !fdir) {
			ext2fs_dir_nlink_dec(tdp);
			(void)ext2fs_dir_nlink_inc(fdp);
		}
		ext2fs_rn_touch(tdp, EXT2FS_MTIME | EXT2FS_CTIME);
	}
	ext2fs_rn_touch(fdp, EXT2FS_MTIME | EXT2FS_CTIME);
	ext2fs_rn_touch(fnp, EXT2FS_CTIME);
	ext2fs_rn_touch(tnp, EXT2FS_CTIME);
	return 0;
}

/* Step 1 with a target: re-point its entry, the replaced one loses. */
static int
ext2fs_replace(struct ext2fs_node *tdp, struct ext2fs_node *tnp,
    const char *tname, size_t tlen, struct ext2fs_node *fnp)
{
	bool empty;
	int error;

	if (ext2fs_isdir(tnp)) {
		if ((error = ext2fs_dir_isempty(tnp, &empty)) != 0)
			return error;
		if (!empty)
			return ENOTEMPTY;
	}
	if ((error = ext2fs_rn_find(tdp, tname, tlen, tnp)) != 0)
		return error;
	if ((error = ext2fs_dir_set(tdp, tname, tlen, fnp->n_ino,
	    fnp->n_mode)) != 0)
		return error;
	if (ext2fs_isdir(tnp)) {
		tnp->n_nlink = 0;
		ext2fs_dir_nlink_dec(tdp);
	} else if (tnp->n_nlink > 0)
		tnp->n_nlink--;
	ext2fs_touch(tnp, EXT2FS_CTIME);
	if (tnp->n_nlink == 0 && !tnp->n_orphan &&
	    (error = ext2fs_orphan_add(tnp)) != 0)
		klog(KLOG_WARN, "ext2fs: inode %llu: orphan list: error %d",
		    (unsigned long long)tnp->n_ino, error);
	(void)ext2fs_node_update(tnp);
	return 0;
}

int
ext2fs_vop_rename(struct vnode *fdvp, struct vnode *fvp, const char *fname,
    size_t flen, struct vnode *tdvp, struct vnode *tvp, const char *tname,
    size_t tlen, unsigned flags)
{
	struct ext2fs_node *fdp = VTOE(fdvp), *fnp = VTOE(fvp);
	struct ext2fs_node *tdp = VTOE(tdvp), *tnp = tvp ? VTOE(tvp) : NULL;
	struct ext2fs_mount *ump = fdp->n_ump;
	bool isdir = ext2fs_isdir(fnp), newparent = fdp != tdp;
	int error;

	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return EINVAL;
	if (ext2fs_rn_frozen(fdp) || ext2fs_rn_frozen(fnp) ||
	    ext2fs_rn_frozen(tnp) || (tdp->n_flags & EXT2_IMMUTABLE_FL))
		return EPERM;
	if (tdp->n_nlink == 0)
		return ENOENT;
	if ((flags & RENAME_NOREPLACE) && tnp != NULL)
		return EEXIST;
	if ((flags & RENAME_EXCHANGE) && tnp == NULL)
		return ENOENT;
	if ((error = ext2fs_trans_begin(ump, EXT2FS_TR_RENAME)) != 0)
		return error;
	if (flags & RENAME_EXCHANGE) {
		error = ext2fs_exchange(fdp, fnp, fname, flen, tdp, tnp, tname,
		    tlen);
		goto out;
	}
	if ((error = ext2fs_rn_find(fdp, fname, flen, fnp)) != 0)
		goto out;

	/* 1. the target name */
	if (tnp != NULL)
		error = ext2fs_replace(tdp, tnp, tname, tlen, fnp);
	else
		error = ext2fs_dir_add(tdp, tname, tlen, fnp->n_ino,
		    fnp->n_mode);
	if (error)
		goto out;

	/* 2. a directory's new parent */
	if (isdir && newparent) {
		if ((error = ext2fs_set_dotdot(fnp, tdp)) != 0) {
			if (tnp == NULL)
				(void)ext2fs_dir_remove(tdp, tname, tlen);
			goto out;
		}
		ext2fs_dir_nlink_dec(fdp);
		(void)ext2fs_dir_nlink_inc(tdp);
	}

	/* 3. the old name */
	if ((error = ext2fs_rn_find(fdp, fname, flen, fnp)) != 0 ||
	    (error = ext2fs_dir_remove(fdp, fname, flen)) != 0) {
		klog(KLOG_WARN, "ext2fs: rename: inode %llu keeps its old "
		    "name too: error %d", (unsigned long long)fnp->n_ino,
		    error);
		goto out;
	}
	ext2fs_rn_touch(fnp, EXT2FS_CTIME);
	ext2fs_rn_touch(fdp, EXT2FS_MTIME | EXT2FS_CTIME);
	if (newparent)
		ext2fs_rn_touch(tdp, EXT2FS_MTIME | EXT2FS_CTIME);
out:
	ext2fs_trans_end(ump);
	return error;
}
