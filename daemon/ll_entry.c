/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ll_entry.c -- FUSE operations on directory entries: lookup, forget,
 * forget_multi, create, mknod, mkdir, symlink, link, unlink, rmdir,
 * rename.  Every operation that answers with an entry accounts one FUSE
 * lookup on the node (rf_entry_fill); forget gives them back.
 *
 * The kernel does not apply the umask: the caller's (ctx->umask) is
 * applied here to create, mkdir and mknod.  Valid replies per operation
 * are libfuse's: entry or err; create or err; none for the forgets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "bridge.h"

/*
 * Resolve NAME in PARENT for FUSE.
 * => On success *e holds a node with one more FUSE lookup count.
 */
static int
ll_do_lookup(struct rf_bridge *b, fuse_ino_t parent, const char *name,
    struct fuse_entry_param *e, struct rf_node **nodep)
{
	struct vnode *vp;
	struct vattr va;
	int error;

	error = rf_k->lookup(rf_ino_vp(b, parent), name, &vp, &va);
	if (error == 0)		/* rf_entry_fill consumes vp */
		error = rf_entry_fill(b, vp, &va, e, nodep);
	return error;
}

void
ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct fuse_entry_param e;
	struct rf_node *node = NULL;
	int error;

	error = ll_do_lookup(b, parent, name, &e, &node);
	if (error == ENOENT && b->b_opts->negative_timeout > 0) {
		memset(&e, 0, sizeof(e));
		e.ino = 0;
		e.entry_timeout = b->b_opts->negative_timeout;
		(void)fuse_reply_entry(req, &e);
		return;
	}
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	rf_reply_entry(b, req, &e, node);
}

void
ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct rf_bridge *b = fuse_req_userdata(req);

	rf_node_forget(b, rf_node_get(b, ino), nlookup);
	fuse_reply_none(req);
}

void
ll_forget_multi(fuse_req_t req, size_t count,
    struct fuse_forget_data *forgets)
{
	struct rf_bridge *b = fuse_req_userdata(req);
	size_t i;

	for (i = 0; i < count; i++)
		rf_node_forget(b, rf_node_get(b, forgets[i].ino),
		    forgets[i].nlookup);
	fuse_reply_none(req);
}

/*
 * Reply to an operation that created VP with attributes VA (or failed
 * with ERROR).
 */
static void
ll_reply_new(struct rf_bridge *b, fuse_req_t req, int error,
    struct vnode *vp, const struct vattr *va)
{
	struct fuse_entry_param e;
	struct rf_node *node;

	if (error == 0)		/* rf_entry_fill consumes vp */
		error = rf_entry_fill(b, vp, va, &e, &node);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	rf_reply_entry(b, req, &e, node);
}

void
ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    dev_t rdev)
{
	struct rf_cred c;
	struct rf_bridge *b = rf_req_begin(req, &c);
	struct vnode *vp = NULL;
	struct vattr va;
	uint32_t m;
	int error;

	m = (mode & S_IFMT) | (mode & 07777 & ~c.c_umask);
	if ((mode & S_IFMT) == 0)
		m |= S_IFREG;
	error = rf_k->mknod(rf_ino_vp(b, parent), name, m, rdev, &vp, &va);
	ll_reply_new(b, req, error, vp, &va);
}

void
ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct rf_cred c;
	struct rf_bridge *b = rf_req_begin(req, &c);
	struct vnode *vp = NULL;
	struct vattr va;
	int error;

	error = rf_k->mkdir(rf_ino_vp(b, parent), name,
	    mode & 07777 & ~c.c_umask, &vp, &va);
	ll_reply_new(b, req, error, vp, &va);
}

void
ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
    const char *name)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct vnode *vp = NULL;
	struct vattr va;
	int error;

	error = rf_k->symlink(rf_ino_vp(b, parent), name, link, &vp, &va);
	ll_reply_new(b, req, error, vp, &va);
}

void
ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
    const char *newname)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct vnode *vp = rf_ino_vp(b, ino);
	struct vattr va;
	int error;

	error = rf_k->link(vp, rf_ino_vp(b, newparent), newname, &va);
	if (error == 0)
		rf_k->vref(vp);	/* for rf_entry_fill to consume */
	ll_reply_new(b, req, error, vp, &va);
}

void
ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);

	fuse_reply_err(req, rf_k->unlink(rf_ino_vp(b, parent), name));
}

void
ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);

	fuse_reply_err(req, rf_k->rmdir(rf_ino_vp(b, parent), name));
}

void
ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
    fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);

	if ((flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE)) != 0) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	fuse_reply_err(req, rf_k->rename(rf_ino_vp(b, parent), name,
	    rf_ino_vp(b, newparent), newname, flags));
}

/*
 * Create NAME in PARENT and open it.  Without O_EXCL an existing file is
 * opened instead (the kernel FUSE module sends CREATE when its dentry was
 * negative, which another thread may have changed).  A file created here
 * is opened without a permission check, as open(2) does: creating a file
 * with mode 0444 for writing must work.
 */
void
ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
    struct fuse_file_info *fi)
{
	struct rf_cred c;
	struct rf_bridge *b = rf_req_begin(req, &c);
	struct vnode *dvp = rf_ino_vp(b, parent);
	struct vnode *vp = NULL;
	struct vattr va;
	struct fuse_entry_param e;
	struct rf_node *node;
	bool fresh;
	int oflags, error;

	oflags = fi->flags & ~(O_CREAT | O_EXCL | O_NOCTTY);
	/*
	 * Created and opened in one call; either way VP then carries two
	 * references: the entry's and the open file's.
	 */
	error = rf_k->create(dvp, name,
	    S_IFREG | (mode & 07777 & ~c.c_umask), oflags, &vp, &va);
	fresh = error == 0;
	if (error == EEXIST && (fi->flags & O_EXCL) == 0 &&
	    (error = rf_k->lookup(dvp, name, &vp, NULL)) == 0 &&
	    (error = rf_k->open(vp, oflags, &va, NULL)) != 0)
		rf_k->vrele(vp);
	if (error != 0)
		goto out_err;

	/* No node yet, no page cache to keep: a new (or raced) file. */
	if ((error = rf_file_setup(b, NULL, vp, oflags, &va, fi)) != 0) {
		(void)rf_k->close(vp, oflags);
		rf_k->vrele(vp);
		goto out_err;
	}
	if ((error = rf_entry_fill(b, vp, &va, &e, &node)) != 0) {
		rf_file_abort(b, fi);	/* the entry's ref is gone */
		goto out_err;
	}
	/* A file made here: nobody else can have set an attribute yet. */
	if (fresh && (va.va_mask & RF_VA_NOXATTR))
		__atomic_store_n(&node->n_noxattr, true, __ATOMIC_RELEASE);
	if (fuse_reply_create(req, &e, fi) != 0) {
		rf_file_abort(b, fi);
		rf_node_forget(b, node, 1);
	}
	return;

out_err:
	fuse_reply_err(req, error);
}
