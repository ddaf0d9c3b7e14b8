/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_xattr.c -- tmpfs extended attributes.
 *
 * A node keeps its attributes in a list, in the order they were first
 * set; each one is a single allocation (name, NUL, value) charged to the
 * mount.  The kernel has validated the name and its namespace; any name
 * it passes is stored.  The names together (NUL-separated, as listxattr
 * returns them) are kept within XATTR_LIST_MAX so that listxattr always
 * succeeds with a buffer of that size.
 *
 * Locking: the node's vnode lock (shared for get/list, exclusive for
 * set/remove).  Exports tmpfs_{get,set,list,remove}xattr and
 * tmpfs_xattr_freeall.
 */
#include "kern/kern.h"
#include "kern/vnode.h"

#include "tmpfs_node.h"

static size_t
tmpfs_xattr_size(size_t namelen, size_t vallen)
{
	return offsetof(struct tmpfs_xattr, xa_data) + namelen + 1 + vallen;
}

static void
tmpfs_xattr_free(struct tmpfs_mount *tm, struct tmpfs_xattr *xa)
{
	tmpfs_mem_free(tm, xa, tmpfs_xattr_size(xa->xa_namelen,
	    xa->xa_vallen));
}

/* The link pointing at attribute NAME (*result NULL if absent). */
static struct tmpfs_xattr **
tmpfs_xattr_find(struct tmpfs_node *tn, const char *name, size_t namelen)
{
	struct tmpfs_xattr **xap;

	for (xap = &tn->tn_xattrs; *xap != NULL; xap = &(*xap)->xa_next) {
		if ((*xap)->xa_namelen == namelen &&
		    memcmp((*xap)->xa_data, name, namelen) == 0)
			break;
	}
	return xap;
}

int
tmpfs_getxattr(struct vnode *vp, const char *name, void *buf, size_t size,
    size_t *lenp)
{
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);
	struct tmpfs_xattr *xa;

	xa = *tmpfs_xattr_find(tn, name, strlen(name));
	if (xa == NULL)
		return ENODATA;
	*lenp = xa->xa_vallen;
	if (buf == NULL || size == 0)
		return 0;
	if (size < xa->xa_vallen)
		return ERANGE;
	memcpy(buf, xa->xa_data + xa->xa_namelen + 1, xa->xa_vallen);
	return 0;
}

/*
 * => EEXIST (XATTR_CREATE, present), ENODATA (XATTR_REPLACE, absent),
 *    ERANGE (name too long), E2BIG (value too large), ENOSPC (size= or
 *    the list of names full), ENOMEM.  Nothing changes on error.
 */
int
tmpfs_setxattr(struct vnode *vp, const char *name, const void *val,
    size_t len, int flags)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(vp->v_mount);
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);
	struct tmpfs_xattr **xap, *xa, *old;
	size_t namelen = strlen(name);
	int error;

	if (namelen == 0 || namelen > XATTR_NAME_MAX)
		return ERANGE;
	if (len > XATTR_SIZE_MAX)
		return E2BIG;
	xap = tmpfs_xattr_find(tn, name, namelen);
	old = *xap;
	if (old != NULL && (flags & XATTR_CREATE))
		return EEXIST;
	if (old == NULL && (flags & XATTR_REPLACE))
		return ENODATA;
	if (old == NULL && tn->tn_xattr_names + namelen + 1 > XATTR_LIST_MAX)
		return ENOSPC;

	if ((error = tmpfs_mem_alloc(tm, tmpfs_xattr_size(namelen, len),
	    false, (void **)&xa)) != 0)
		return error;
	xa->xa_namelen = namelen;
	xa->xa_vallen = len;
	memcpy(xa->xa_data, name, namelen + 1);
	if (len > 0)
		memcpy(xa->xa_data + namelen + 1, val, len);
	if (old != NULL) {
		xa->xa_next = old->xa_next;	/* keep its place */
		*xap = xa;
		tmpfs_xattr_free(tm, old);
	} else {
		xa->xa_next = NULL;
		*xap = xa;			/* xap is the tail link */
		tn->tn_xattr_names += namelen + 1;
	}
	tmpfs_update(tn, TMPFS_UPD_CTIME);
	return 0;
}

int
tmpfs_listxattr(struct vnode *vp, char *buf, size_t size, size_t *lenp)
{
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);
	struct tmpfs_xattr *xa;
	size_t off = 0;

	*lenp = tn->tn_xattr_names;
	if (buf == NULL || size == 0)
		return 0;
	if (size < tn->tn_xattr_names)
		return ERANGE;
	for (xa = tn->tn_xattrs; xa != NULL; xa = xa->xa_next) {
		memcpy(buf + off, xa->xa_data, xa->xa_namelen + 1);
		off += xa->xa_namelen + 1;
	}
	KASSERT(off == tn->tn_xattr_names);
	return 0;
}

int
tmpfs_removexattr(struct vnode *vp, const char *name)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(vp->v_mount);
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);
	struct tmpfs_xattr **xap, *xa;

	xap = tmpfs_xattr_find(tn, name, strlen(name));
	if ((xa = *xap) == NULL)
		return ENODATA;
	*xap = xa->xa_next;
	tn->tn_xattr_names -= xa->xa_namelen + 1;
	tmpfs_xattr_free(tm, xa);
	tmpfs_update(tn, TMPFS_UPD_CTIME);
	return 0;
}

void
tmpfs_xattr_freeall(struct tmpfs_mount *tm, struct tmpfs_node *tn)
{
	struct tmpfs_xattr *xa;

	while ((xa = tn->tn_xattrs) != NULL) {
		tn->tn_xattrs = xa->xa_next;
		tmpfs_xattr_free(tm, xa);
	}
	tn->tn_xattr_names = 0;
}
