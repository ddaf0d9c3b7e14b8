/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_lookup.c -- name lookup: turn a path of the kernel's name space
 * into a vnode, or into the directory that holds its last component and
 * that component's name (for the operations that create, remove or
 * rename names).
 *
 * Exports (vfs_syscall_internal.h): vfs_namei(), vfs_namei_done(),
 * vfs_namei_vp().  Permission checks live in vfs_vnops.c, the mount
 * table in vfs_mount.c.
 *
 * Error precedence.  When a call could fail for several reasons, the
 * error it returns is the one Linux returns (measured against tmpfs on
 * /dev/shm, as root and as an unprivileged user).  Every path call
 * checks in this order, the first failure wins:
 *
 *   0. the arguments themselves: flags (EINVAL), an empty path or
 *      symlink target (ENOENT), a path of PATH_MAX bytes or more
 *      (ENAMETOOLONG), mknod's file type (EINVAL, EPERM for S_IFDIR);
 *   1. the walk (here): for each directory on the path -- including
 *      the one holding the last component, even when the caller only
 *      wants that directory -- ENOTDIR if it is not a directory, then
 *      search permission (EACCES); an intermediate component too long
 *      (ENAMETOOLONG), missing (ENOENT), or a symlink loop (ELOOP).
 *      A path naming a mount root has no last component to search for;
 *   2. the last component's special cases, decided from its spelling
 *      alone, before it is looked up:
 *        mkdir, mknod, symlink, link (new name)   "." ".." root: EEXIST
 *        unlink                                   "." ".." root: EISDIR
 *        rmdir              ".": EINVAL  "..": ENOTEMPTY  root: EBUSY
 *        rename             source not a plain name: EBUSY; then a
 *                           target not a plain name: EBUSY (EEXIST
 *                           with RENAME_NOREPLACE); EXDEV before both
 *        open(O_CREAT)      "." ".." root: EEXIST with O_EXCL, else
 *                           EISDIR; "name/": EISDIR, whatever name is;
 *   3. for unlink, rmdir and rename: a read-only mount (EROFS), before
 *      the name is looked up (so a missing or too-long name is EROFS);
 *   4. the lookup of the last component: too long (ENAMETOOLONG), then
 *      existence -- EEXIST for a name to be created (O_EXCL included),
 *      ENOENT for a name to be removed or renamed; a trailing slash on
 *      a name to be created other than by mkdir: ENOENT if absent
 *      (EEXIST if present); rename: the source's lookup and checks
 *      before the target's, then the trailing-slash ENOTDIRs and the
 *      ancestry checks (EINVAL, ENOTEMPTY), and a rename of a file onto
 *      itself succeeds here, before any permission is asked;
 *   5. for mkdir, mknod, symlink, link and open(O_CREAT): a read-only
 *      mount (EROFS), and a removed parent directory (ENOENT);
 *   6. write and search permission on the parent (EACCES);
 *   7. the sticky bit on the parent (EPERM);
 *   8. type checks on what was found: rmdir of a non-directory
 *      (ENOTDIR), unlink of a directory (EISDIR), rename across types
 *      (ENOTDIR / EISDIR), link to a directory (EPERM), open's (EISDIR,
 *      ELOOP, ENOTDIR, ...); then device nodes for non-root (EPERM),
 *      link counts (EMLINK), and what the driver says (ENOTEMPTY, ENOSPC).
 * Steps 0-1 are vfs_namei's (and walk_start's); 2-8 are the callers' in
 * vfs_syscalls.c, vfs_vnops.c, vfs_pub.c and vfs_rename.c, each of
 * which notes where it follows this order.
 *
 * Name space.  A path is absolute, or relative to "/".  Its mount is the
 * one whose target is its longest component-wise prefix
 * (vfs_mount_resolve); the rest of the path is walked from that mount's
 * root, and never leaves that mount:
 *   - ".." at the mount's root stays at the root;
 *   - an absolute symlink target ("/x/y") is resolved from the root of
 *     the mount the link is in, NOT through the mount table: a link in
 *     the mount at "/t" whose target is "/a" names "/t/a".  (A file
 *     system image carries links written for its own root; this keeps
 *     them inside the image.)
 *
 * The walk, one component at a time:
 *   1. the current directory must be a directory (ENOTDIR);
 *   2. lock it shared, check search (X) permission (EACCES), check the
 *      component's length against the mount's mnt_namemax
 *      (ENAMETOOLONG), VOP_LOOKUP it (which returns the child referenced
 *      and unlocked), unlock;
 *   3. a symlink is expanded when it is not the last component, or when
 *      it is the last and the caller follows, or when a trailing slash
 *      follows it; at most MAXSYMLINKS (40) expansions per lookup
 *      (ELOOP).  The target is spliced in front of the unwalked rest of
 *      the path in one PATH_MAX buffer (ENAMETOOLONG if it does not fit);
 *   4. the parent's reference is dropped and the child becomes current.
 * So the walk never holds two vnode locks, and it holds a lock only
 * around VOP_LOOKUP / VOP_READLINK; only references are carried.
 *
 * A path ending in '/' names a directory: after the last component is
 * resolved (symlinks followed), a non-directory is ENOTDIR.  A path whose
 * walk consumes every component ("/", "/t", a symlink to "/") names the
 * mount root: ND_LAST_ROOT.
 *
 * Errors as Linux: empty path ENOENT; a path of PATH_MAX bytes or more
 * ENAMETOOLONG; a missing component ENOENT.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/uio.h"
#include "kern/vnode.h"
#include "vfs_internal.h"
#include "vfs_syscall_internal.h"

/* The state of one walk. */
struct walk {
	struct mount	*w_mp;		/* mount reference held */
	struct vnode	*w_root;	/* ref: the mount's root */
	size_t		 w_namemax;	/* longest component */
	char		*w_mem;		/* one allocation for the buffers */
	char		*w_buf;		/* unwalked rest, PATH_MAX bytes */
	char		*w_link;	/* symlink target scratch */
	unsigned	 w_nlinks;	/* symlinks expanded so far */
};

#define WALK_BUFSZ	(PATH_MAX + 1)
#define WALK_MEMSZ	(3 * WALK_BUFSZ + 1)

static enum nd_last
walk_kind(const char *name, size_t len)
{

	if (genfs_name_is_dot(name, len))
		return ND_LAST_DOT;
	if (genfs_name_is_dotdot(name, len))
		return ND_LAST_DOTDOT;
	return ND_LAST_NORM;
}

/*
 * Set up W for PATH: resolve the mount, take its root, copy the rest of
 * the path into w_buf.
 */
static int
walk_start(struct walk *w, const char *path)
{
	const char *rest;
	char *abs;
	size_t len;
	int error;

	memset(w, 0, sizeof(*w));
	len = strlen(path);
	if (len == 0)
		return ENOENT;
	if (len >= PATH_MAX)
		return ENAMETOOLONG;
	if ((w->w_mem = kmem_alloc(WALK_MEMSZ)) == NULL)
		return ENOMEM;
	w->w_buf = w->w_mem;
	w->w_link = w->w_buf + WALK_BUFSZ;
	abs = w->w_link + WALK_BUFSZ;
	if (path[0] != '/') {
		abs[0] = '/';
		memcpy(abs + 1, path, len + 1);
	} else
		memcpy(abs, path, len + 1);

	if ((error = vfs_mount_resolve(abs, &w->w_mp, &rest)) != 0)
		goto out_free;
	error = w->w_mp->mnt_op->vfs_root(w->w_mp, &w->w_root);
	if (error != 0)
		goto out_rele;
	w->w_namemax = w->w_mp->mnt_namemax;
	if (w->w_namemax == 0 || w->w_namemax > ND_NAME_MAX)
		w->w_namemax = ND_NAME_MAX;
	len = strlen(rest);
	KASSERT(len < WALK_BUFSZ);
	memcpy(w->w_buf, rest, len + 1);
	return 0;

out_rele:
	vfs_mount_rele(w->w_mp);
out_free:
	kmem_free(w->w_mem, WALK_MEMSZ);
	w->w_mem = NULL;
	return error;
}

static void
walk_end(struct walk *w)
{

	vrele(w->w_root);
	vfs_mount_rele(w->w_mp);
	kmem_free(w->w_mem, WALK_MEMSZ);
}

/*
 * Search (X) permission on directory DVP (ref, not locked), under a
 * brief shared lock.  EACCES.
 */
static int
walk_search(struct vnode *dvp)
{
	int error;

	vn_lock(dvp, RW_READER);
	error = vn_access(dvp, X_OK, kauth_cred_get());
	vn_unlock(dvp);
	return error;
}

/*
 * Look component NAME/LEN of kind KIND up in directory DVP (ref, not
 * locked): search permission, length, VOP_LOOKUP under a shared lock.
 * => *VPP ref on success.
 */
static int
walk_step(struct walk *w, struct vnode *dvp, const char *name, size_t len,
    enum nd_last kind, struct vnode **vpp)
{
	int error;

	vn_lock(dvp, RW_READER);
	error = vn_access(dvp, X_OK, kauth_cred_get());
	if (error == 0 && len > w->w_namemax)
		error = ENAMETOOLONG;
	if (error == 0) {
		if (kind == ND_LAST_DOT ||
		    (kind == ND_LAST_DOTDOT && dvp == w->w_root)) {
			vref(dvp);
			*vpp = dvp;
		} else
			error = VOP_LOOKUP(dvp, name, len, vpp);
	}
	vn_unlock(dvp);
	return error;
}

/*
 * Expand the symlink VP (ref, consumed): its target replaces the walked
 * part of w_buf in front of REST (a pointer into w_buf).  An absolute
 * target moves *DVPP (ref, replaced) to the mount's root.
 */
static int
walk_symlink(struct walk *w, struct vnode *vp, const char *rest,
    struct vnode **dvpp)
{
	struct kiovec iov;
	struct uio uio;
	size_t tlen, rlen;
	int error;

	if (++w->w_nlinks > MAXSYMLINKS) {
		vrele(vp);
		return ELOOP;
	}
	uio_setup(&uio, &iov, w->w_link, PATH_MAX, 0, UIO_READ);
	vn_lock(vp, RW_READER);
	error = VOP_READLINK(vp, &uio);
	vn_unlock(vp);
	vrele(vp);
	if (error != 0)
		return error;
	tlen = PATH_MAX - uio.uio_resid;
	if (tlen == 0)
		return ENOENT;
	/* A NUL inside the target ends it. */
	tlen = strnlen(w->w_link, tlen);
	rlen = strlen(rest);
	if (tlen + rlen >= PATH_MAX)
		return ENAMETOOLONG;
	memmove(w->w_buf + tlen, rest, rlen + 1);
	memcpy(w->w_buf, w->w_link, tlen);
	if (w->w_buf[0] == '/') {
		vrele(*dvpp);
		vref(w->w_root);
		*dvpp = w->w_root;
	}
	return 0;
}

/*
 * Record the last component.  One longer than ND_NAME_MAX is cut to
 * ND_NAME_MAX + 1 bytes, still too long for every mount (see nd_name).
 */
static void
nd_setname(struct nameidata *nd, const char *name, size_t len,
    enum nd_last kind, bool slash)
{

	if (len > ND_NAME_MAX + 1)
		len = ND_NAME_MAX + 1;
	memcpy(nd->nd_name, name, len);
	nd->nd_name[len] = '\0';
	nd->nd_namelen = len;
	nd->nd_lasttype = kind;
	nd->nd_slash = slash;
}

/*
 * The walk proper; see the comment at the top of the file.
 * => On success ND holds the results; on error nothing.
 */
static int
walk_run(struct walk *w, int flags, struct nameidata *nd)
{
	struct vnode *dvp, *vp;
	enum nd_last kind;
	bool last, slash, wantparent;
	char *p, *q, *r;
	size_t len;
	int error;

	wantparent = (flags & (NDF_PARENT | NDF_CREATE)) != 0;
	vref(w->w_root);
	dvp = w->w_root;
	p = w->w_buf;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0') {
			/* Nothing left: the path names dvp, a mount root. */
			nd->nd_lasttype = ND_LAST_ROOT;
			nd->nd_vp = dvp;
			return 0;
		}
		for (q = p; *q != '\0' && *q != '/'; q++)
			continue;
		for (r = q; *r == '/'; r++)
			continue;
		len = (size_t)(q - p);
		last = (*r == '\0');
		slash = last && r != q;
		kind = walk_kind(p, len);

		if (dvp->v_type != VDIR) {
			error = ENOTDIR;
			goto out_dvp;
		}
		if (last && wantparent &&
		    ((flags & NDF_PARENT) || kind != ND_LAST_NORM || slash)) {
			/*
			 * Stop at the parent; the caller looks up the last.
			 * Linux searches the parent first all the same
			 * (step 1 of the order at the top of the file).
			 */
			if ((error = walk_search(dvp)) != 0)
				goto out_dvp;
			nd_setname(nd, p, len, kind, slash);
			nd->nd_dvp = dvp;
			return 0;
		}

		error = walk_step(w, dvp, p, len, kind, &vp);
		if (error != 0) {
			if (error == ENOENT && last && (flags & NDF_CREATE)) {
				nd_setname(nd, p, len, kind, slash);
				nd->nd_dvp = dvp;
				return 0;
			}
			goto out_dvp;
		}

		if (vp->v_type == VLNK &&
		    (!last || (flags & NDF_FOLLOW) || slash)) {
			error = walk_symlink(w, vp, q, &dvp);
			if (error != 0)
				goto out_dvp;
			p = w->w_buf;
			continue;
		}

		if (last) {
			if (slash && vp->v_type != VDIR) {
				vrele(vp);
				error = ENOTDIR;
				goto out_dvp;
			}
			if (flags & NDF_CREATE) {
				nd_setname(nd, p, len, kind, slash);
				nd->nd_dvp = dvp;
			} else
				vrele(dvp);
			nd->nd_vp = vp;
			return 0;
		}
		vrele(dvp);
		dvp = vp;
		p = r;
	}

out_dvp:
	vrele(dvp);
	return error;
}

int
vfs_namei(const char *path, int flags, struct nameidata *nd)
{
	struct walk w;
	int error;

	KASSERT((flags & (NDF_PARENT | NDF_CREATE)) !=
	    (NDF_PARENT | NDF_CREATE));
	nd->nd_dvp = NULL;
	nd->nd_vp = NULL;
	nd->nd_lasttype = ND_LAST_NORM;
	nd->nd_slash = false;
	nd->nd_namelen = 0;
	nd->nd_name[0] = '\0';
	if (path == NULL)
		return EFAULT;
	if ((error = walk_start(&w, path)) != 0)
		return error;
	error = walk_run(&w, flags, nd);
	walk_end(&w);
	return error;
}

void
vfs_namei_done(struct nameidata *nd)
{

	if (nd->nd_vp != NULL)
		vrele(nd->nd_vp);
	if (nd->nd_dvp != NULL)
		vrele(nd->nd_dvp);
	nd->nd_vp = nd->nd_dvp = NULL;
}

int
vfs_namei_vp(const char *path, bool follow, struct vnode **vpp)
{
	struct nameidata nd;
	int error;

	error = vfs_namei(path, follow ? NDF_FOLLOW : 0, &nd);
	if (error != 0)
		return error;
	KASSERT(nd.nd_dvp == NULL && nd.nd_vp != NULL);
	*vpp = nd.nd_vp;
	return 0;
}
