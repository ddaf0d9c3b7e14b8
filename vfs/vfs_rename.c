/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_rename.c -- rename(2) / renameat2(2) for both entry layers:
 * vfs_do_rename() (vfs_syscall_internal.h), called by vfs_pub_rename()
 * and vfs_sys_rename*().
 *
 * Lock order (the one kern/vnode.h states for every rename):
 *
 *   1. mp->mnt_renamelock, the mount's rename mutex.  It serialises
 *      renames on the mount, so while it is held no directory changes
 *      its parent: the ".." chain from any directory to the root is
 *      stable (directories are created and removed meanwhile, but never
 *      moved), which is what makes the ancestry checks below sound.
 *   2. The two parent directories, exclusively: the ancestor first if one
 *      is an ancestor of the other, else in address order; once if they
 *      are the same vnode.  Only a renamer, holding (1), ever locks two
 *      unrelated directories, so the address order cannot deadlock
 *      against anyone else; every other operation locks a directory
 *      before its child, which agrees with "ancestor first".
 *   3. The source and the target (if any), exclusively, in address
 *      order.  Neither is an ancestor of either parent (checked: EINVAL
 *      / ENOTEMPTY), so taking them after the parents keeps "directory
 *      before child".
 *
 * No vnode lock is held while another vnode is looked up by walking
 * ".." upwards (each directory is locked shared just around its
 * VOP_LOOKUP), and references are dropped only after every lock is
 * released (vrele may run VOP_INACTIVE, which locks the vnode).
 *
 * One attempt:
 *   a. look FNAME and TNAME up (each parent locked shared briefly);
 *   b. checks that need no lock: ENOENT / EEXIST for the flags, ENOTDIR
 *      for trailing slashes, the ancestry checks (source an ancestor of
 *      the target directory: EINVAL; target an ancestor of the source
 *      directory: ENOTEMPTY, EINVAL for RENAME_EXCHANGE), and source ==
 *      target (hard links of one file): success, nothing done;
 *   c. lock as above, and look both names up again under the parents'
 *      exclusive locks: if either no longer names the vnode found in
 *      (a) -- a concurrent unlink, create or link slipped in -- unlock
 *      everything and start over (bounded: EAGAIN after RN_MAXTRIES);
 *   d. permissions (write+search on both parents, the sticky rule,
 *      write on a directory that changes parent), type compatibility
 *      (ENOTDIR / EISDIR), EMLINK; then VOP_RENAME.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"
#include "vfs_syscall_internal.h"

#define RN_MAXTRIES	1000		/* attempts before EAGAIN */
#define RN_MAXDEPTH	(1u << 20)	/* ".." steps before ELOOP */

/* One rename: arguments and what the attempts share. */
struct rn {
	struct vnode	*rn_root;	/* ref: the mount's root */
	struct vnode	*rn_fdvp, *rn_tdvp;
	const char	*rn_fname, *rn_tname;
	size_t		 rn_flen, rn_tlen;
	int		 rn_terror;	/* TNAME's error, after FNAME's */
	bool		 rn_fslash, rn_tslash;
	unsigned	 rn_flags;
};

/* Look NAME up in DVP under a brief shared lock. */
static int
rn_lookup(struct vnode *dvp, const char *name, size_t len,
    struct vnode **vpp)
{
	int error;

	vn_lock(dvp, RW_READER);
	error = VOP_LOOKUP(dvp, name, len, vpp);
	vn_unlock(dvp);
	return error;
}

/*
 * Walk ".." from directory VP up to the mount's root and say whether the
 * walk met A (*HITAP) and B (*HITBP); VP itself counts.  A or B may be
 * NULL.  The rename lock is held, so the chain cannot change under us.
 */
static int
rn_ancestry(struct rn *r, struct vnode *vp, struct vnode *a, struct vnode *b,
    bool *hitap, bool *hitbp)
{
	struct vnode *cur, *up;
	unsigned depth;
	int error = 0;

	*hitap = *hitbp = false;
	vref(vp);
	cur = vp;
	for (depth = 0;; depth++) {
		if (a != NULL && cur == a)
			*hitap = true;
		if (b != NULL && cur == b)
			*hitbp = true;
		if (cur == r->rn_root || (*hitap && (*hitbp || b == NULL)) ||
		    (*hitbp && a == NULL))
			break;
		if (depth >= RN_MAXDEPTH) {
			error = ELOOP;
			break;
		}
		if (cur->v_type != VDIR) {
			error = ENOTDIR;
			break;
		}
		vn_lock(cur, RW_READER);
		error = VOP_LOOKUP(cur, "..", 2, &up);
		vn_unlock(cur);
		if (error != 0)
			break;
		if (up == cur) {
			/* The top of the tree that is not our root. */
			vrele(up);
			break;
		}
		vrele(cur);
		cur = up;
	}
	vrele(cur);
	return error;
}

/* Lock the parents in the order the header comment gives. */
static void
rn_lock_parents(struct vnode *fdvp, struct vnode *tdvp, bool t_above_f,
    bool f_above_t)
{
	struct vnode *first, *second;

	if (fdvp == tdvp) {
		vn_lock(fdvp, RW_WRITER);
		return;
	}
	if (t_above_f) {
		first = tdvp;
		second = fdvp;
	} else if (f_above_t) {
		first = fdvp;
		second = tdvp;
	} else if ((uintptr_t)fdvp < (uintptr_t)tdvp) {
		first = fdvp;
		second = tdvp;
	} else {
		first = tdvp;
		second = fdvp;
	}
	vn_lock(first, RW_WRITER);
	vn_lock(second, RW_WRITER);
}

static void
rn_unlock_parents(struct vnode *fdvp, struct vnode *tdvp)
{

	vn_unlock(fdvp);
	if (tdvp != fdvp)
		vn_unlock(tdvp);
}

/* Lock the source and the target (may be NULL) in address order. */
static void
rn_lock_children(struct vnode *fvp, struct vnode *tvp)
{

	if (tvp == NULL) {
		vn_lock(fvp, RW_WRITER);
		return;
	}
	KASSERT(fvp != tvp);
	if ((uintptr_t)fvp < (uintptr_t)tvp) {
		vn_lock(fvp, RW_WRITER);
		vn_lock(tvp, RW_WRITER);
	} else {
		vn_lock(tvp, RW_WRITER);
		vn_lock(fvp, RW_WRITER);
	}
}

static void
rn_unlock_children(struct vnode *fvp, struct vnode *tvp)
{

	vn_unlock(fvp);
	if (tvp != NULL)
		vn_unlock(tvp);
}

/*
 * Step (d): every vnode locked.  Permission, type and link-count checks,
 * then the driver.
 */
static int
rn_commit(struct rn *r, struct vnode *fvp, struct vnode *tvp)
{
	kauth_cred_t cred = kauth_cred_get();
	struct vnode *fdvp = r->rn_fdvp, *tdvp = r->rn_tdvp;
	struct vattr fdva, tdva, fva, tva;
	bool exchange = (r->rn_flags & RENAME_EXCHANGE) != 0;
	bool fdir, tdir;
	uint32_t linkmax;
	int error;

	if ((error = VOP_GETATTR(fdvp, &fdva)) != 0 ||
	    (error = VOP_GETATTR(tdvp, &tdva)) != 0 ||
	    (error = VOP_GETATTR(fvp, &fva)) != 0)
		return error;
	if (tvp != NULL && (error = VOP_GETATTR(tvp, &tva)) != 0)
		return error;
	fdir = fvp->v_type == VDIR;
	tdir = tvp != NULL && tvp->v_type == VDIR;

	if ((error = vn_may_delete(&fdva, &fva, cred)) != 0)
		return error;
	if (tvp == NULL) {
		if ((error = vn_may_create(&tdva, cred)) != 0)
			return error;
	} else {
		if ((error = vn_may_delete(&tdva, &tva, cred)) != 0)
			return error;
		if (!exchange && fdir && !tdir)
			return ENOTDIR;
		if (!exchange && !fdir && tdir)
			return EISDIR;
	}
	if (fdvp != tdvp) {
		/* A directory that moves rewrites its "..". */
		if (fdir && (error = vn_access_va(&fva, W_OK, cred)) != 0)
			return error;
		if (exchange && tdir &&
		    (error = vn_access_va(&tva, W_OK, cred)) != 0)
			return error;
		linkmax = fdvp->v_mount->mnt_linkmax != 0 ?
		    fdvp->v_mount->mnt_linkmax : LINK_MAX_DEFAULT;
		if (fdir && !tdir && tdva.va_nlink >= linkmax)
			return EMLINK;
		if (exchange && tdir && !fdir && fdva.va_nlink >= linkmax)
			return EMLINK;
	}
	return VOP_RENAME(fdvp, fvp, r->rn_fname, r->rn_flen, tdvp, tvp,
	    r->rn_tname, r->rn_tlen, r->rn_flags);
}

/*
 * One attempt, steps (a) to (d).  *RETRYP set: the names changed
 * between the lookups and the locking; nothing was done.
 */
static int
rn_attempt(struct rn *r, bool *retryp)
{
	struct vnode *fdvp = r->rn_fdvp, *tdvp = r->rn_tdvp;
	struct vnode *fvp = NULL, *tvp = NULL, *fvp2 = NULL, *tvp2 = NULL;
	bool exchange = (r->rn_flags & RENAME_EXCHANGE) != 0;
	bool hit_child, t_above_f = false, f_above_t = false;
	bool caseonly = false;
	int error;

	*retryp = false;
	/* (a) */
	error = rn_lookup(fdvp, r->rn_fname, r->rn_flen, &fvp);
	if (error != 0)
		return error;
	if (r->rn_terror != 0) {
		error = r->rn_terror;
		goto out;
	}
	error = rn_lookup(tdvp, r->rn_tname, r->rn_tlen, &tvp);
	if (error == ENOENT)
		tvp = NULL;
	else if (error != 0)
		goto out;

	/* (b) */
	error = 0;
	if (exchange && tvp == NULL)
		error = ENOENT;
	else if ((r->rn_flags & RENAME_NOREPLACE) && tvp != NULL)
		error = EEXIST;
	else if (fvp->v_type != VDIR &&
	    (r->rn_fslash || (r->rn_tslash && !exchange)))
		error = ENOTDIR;
	else if (exchange && tvp->v_type != VDIR && r->rn_tslash)
		error = ENOTDIR;
	if (error != 0)
		goto out;
	if (fdvp != tdvp) {
		error = rn_ancestry(r, tdvp, fvp, fdvp, &hit_child,
		    &f_above_t);
		if (error != 0)
			goto out;
		if (hit_child) {
			error = EINVAL;
			goto out;
		}
		error = rn_ancestry(r, fdvp, tvp, tdvp, &hit_child,
		    &t_above_f);
		if (error != 0)
			goto out;
		if (hit_child) {
			error = exchange ? EINVAL : ENOTEMPTY;
			goto out;
		}
	}
	if (fvp == tvp) {
		/*
		 * Two names of one file: nothing to do -- unless the mount
		 * matches names case-blind and this is "foo" -> "FOO" in one
		 * directory, a rename to a new name as far as the driver is
		 * concerned (it is given no target vnode).
		 */
		if (!(fvp->v_mount->mnt_flags & MNT_NOCASE) || exchange ||
		    fdvp != tdvp || (r->rn_flen == r->rn_tlen &&
		    memcmp(r->rn_fname, r->rn_tname, r->rn_flen) == 0))
			goto out;
		caseonly = true;
		vrele(tvp);
		tvp = NULL;
	}

	/* (c) */
	rn_lock_parents(fdvp, tdvp, t_above_f, f_above_t);
	error = VOP_LOOKUP(fdvp, r->rn_fname, r->rn_flen, &fvp2);
	if (error == 0) {
		error = VOP_LOOKUP(tdvp, r->rn_tname, r->rn_tlen, &tvp2);
		if (error == ENOENT) {
			tvp2 = NULL;
			error = 0;
		} else if (error == 0 && caseonly && tvp2 == fvp) {
			vrele(tvp2);
			tvp2 = NULL;
		}
	} else if (error == ENOENT) {
		/* The source went away: let the next attempt say so. */
		fvp2 = NULL;
		error = 0;
	}
	if (error == 0 && (fvp2 != fvp || tvp2 != tvp)) {
		rn_unlock_parents(fdvp, tdvp);
		*retryp = true;
		goto out;
	}
	if (error != 0) {
		rn_unlock_parents(fdvp, tdvp);
		goto out;
	}
	rn_lock_children(fvp, tvp);
	/* (d) */
	error = rn_commit(r, fvp, tvp);
	rn_unlock_children(fvp, tvp);
	rn_unlock_parents(fdvp, tdvp);
out:
	if (fvp2 != NULL)
		vrele(fvp2);
	if (tvp2 != NULL)
		vrele(tvp2);
	if (tvp != NULL)
		vrele(tvp);
	if (fvp != NULL)
		vrele(fvp);
	return error;
}

int
vfs_do_rename(struct vnode *fdvp, const char *fname, bool fslash,
    struct vnode *tdvp, const char *tname, bool tslash, unsigned flags)
{
	struct mount *mp;
	struct rn r;
	unsigned tries;
	bool retry;
	int error;

	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return EINVAL;
	if (fname == NULL || tname == NULL)
		return EFAULT;
	if (fdvp->v_mount != tdvp->v_mount)
		return EXDEV;
	if (fdvp->v_type != VDIR || tdvp->v_type != VDIR)
		return ENOTDIR;
	if (strcmp(fname, ".") == 0 || strcmp(fname, "..") == 0)
		return EBUSY;
	if (strcmp(tname, ".") == 0 || strcmp(tname, "..") == 0)
		return (flags & RENAME_NOREPLACE) ? EEXIST : EBUSY;

	memset(&r, 0, sizeof(r));
	r.rn_fdvp = fdvp;
	r.rn_tdvp = tdvp;
	r.rn_fname = fname;
	r.rn_tname = tname;
	r.rn_fslash = fslash;
	r.rn_tslash = tslash;
	r.rn_flags = flags;
	/*
	 * Linux: the mount, then the source's lookup, then the target's;
	 * a bad target name is reported in step (a), after the source.
	 */
	mp = fdvp->v_mount;
	if (vfs_isrdonly(mp))
		return EROFS;
	if ((error = vn_name_check(fdvp, fname, &r.rn_flen)) != 0)
		return error;
	r.rn_terror = vn_name_check(tdvp, tname, &r.rn_tlen);
	if ((error = mp->mnt_op->vfs_root(mp, &r.rn_root)) != 0)
		return error;

	mutex_enter(&mp->mnt_renamelock);
	for (tries = 0;; tries++) {
		error = rn_attempt(&r, &retry);
		if (!retry)
			break;
		if (tries + 1 >= RN_MAXTRIES) {
			error = EAGAIN;
			break;
		}
	}
	mutex_exit(&mp->mnt_renamelock);
	vrele(r.rn_root);
	return error;
}
