/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ll_common.c -- what every FUSE operation shares: installing the
 * caller's credential in the kernel for the calling thread, converting
 * kernel attributes to struct stat, and building entry replies (which
 * account a FUSE lookup on the node table).
 *
 * Exports: rf_req_begin, rf_cred_apply, rf_vattr_to_stat,
 * rf_vtype_to_mode, rf_entry_fill, rf_reply_entry.
 */
#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "bridge.h"
#include "sandbox.h"

_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");

void
rf_cred_apply(const struct rf_cred *c)
{

	rf_k->setcred(c->c_uid, c->c_gid, c->c_ngroups, c->c_groups);
}

/*
 * Start a request: the caller's uid, gid and supplementary groups become
 * the kernel credential of this thread.  Root's groups do not matter to
 * the permission checks and cost a /proc read, so they are not fetched.
 */
struct rf_bridge *
rf_req_begin(fuse_req_t req, struct rf_cred *c)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct rf_cred local;
	gid_t groups[RF_NGROUPS];
	int n, i;

	rf_cpulat_busy();
	if (c == NULL)
		c = &local;
	c->c_uid = ctx->uid;
	c->c_gid = ctx->gid;
	c->c_umask = ctx->umask;
	c->c_ngroups = 0;
	if (ctx->uid != 0) {
		/* Not fuse_req_getgroups(): a sandbox cannot read /proc. */
		n = rf_sandbox_getgroups(ctx->pid, groups, RF_NGROUPS);
		if (n > RF_NGROUPS)
			n = RF_NGROUPS;
		for (i = 0; i < n; i++)
			c->c_groups[i] = groups[i];
		if (n > 0)
			c->c_ngroups = (uint32_t)n;
	}
	rf_cred_apply(c);
	return fuse_req_userdata(req);
}

uint32_t
rf_vtype_to_mode(enum vtype vt)
{

	switch (vt) {
	case VREG:
		return S_IFREG;
	case VDIR:
		return S_IFDIR;
	case VBLK:
		return S_IFBLK;
	case VCHR:
		return S_IFCHR;
	case VLNK:
		return S_IFLNK;
	case VSOCK:
		return S_IFSOCK;
	case VFIFO:
		return S_IFIFO;
	default:
		return 0;
	}
}

void
rf_vattr_to_stat(const struct vattr *va, struct stat *st)
{

	memset(st, 0, sizeof(*st));
	st->st_ino = va->va_fileid;
	st->st_mode = rf_vtype_to_mode(va->va_type) | (va->va_mode & 07777);
	st->st_nlink = va->va_nlink;
	st->st_uid = va->va_uid;
	st->st_gid = va->va_gid;
	st->st_rdev = va->va_rdev;
	st->st_size = (off_t)va->va_size;
	st->st_blksize = va->va_blocksize != 0 ? va->va_blocksize : 4096;
	st->st_blocks = (blkcnt_t)(va->va_bytes / 512);
	st->st_atim.tv_sec = va->va_atime.tv_sec;
	st->st_atim.tv_nsec = va->va_atime.tv_nsec;
	st->st_mtim.tv_sec = va->va_mtime.tv_sec;
	st->st_mtim.tv_nsec = va->va_mtime.tv_nsec;
	st->st_ctim.tv_sec = va->va_ctime.tv_sec;
	st->st_ctim.tv_nsec = va->va_ctime.tv_nsec;
}

int
rf_entry_fill(struct rf_bridge *b, struct vnode *vp, const struct vattr *va,
    struct fuse_entry_param *e, struct rf_node **nodep)
{
	struct vattr got;
	struct rf_node *node;
	int error;

	memset(e, 0, sizeof(*e));
	if (va == NULL) {
		memset(&got, 0, sizeof(got));
		if ((error = rf_k->getattr(vp, &got)) != 0) {
			rf_k->vrele(vp);
			return error;
		}
		va = &got;
	}
	/* Consumes vp; NULL: no memory for a new node (memlimit). */
	if ((node = rf_node_lookup(b, vp, &e->ino)) == NULL) {
		e->ino = 0;
		return ENOMEM;
	}
	e->generation = node->n_generation;
	rf_vattr_to_stat(va, &e->attr);
	e->attr_timeout = b->b_opts->attr_timeout;
	e->entry_timeout = b->b_opts->entry_timeout;
	if (nodep != NULL)
		*nodep = node;
	return 0;
}

void
rf_reply_entry(struct rf_bridge *b, fuse_req_t req,
    const struct fuse_entry_param *e, struct rf_node *node)
{

	if (fuse_reply_entry(req, e) != 0 && node != NULL)
		rf_node_forget(b, node, 1);
}
