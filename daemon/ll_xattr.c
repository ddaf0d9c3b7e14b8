/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ll_xattr.c -- FUSE extended attribute operations: setxattr, getxattr,
 * listxattr, removexattr.  Names go to the kernel as Linux shows them
 * ("user.x", "trusted.y", ...); which namespaces exist and who may use
 * them is the kernel's decision.  A SIZE of 0 asks for the size needed,
 * answered with fuse_reply_xattr(); ERANGE comes from the kernel.
 *
 * POSIX ACLs: the daemon does not ask Linux for FUSE_CAP_POSIX_ACL and
 * the kernel does not enforce ACLs, so Linux passes "system.posix_acl_*"
 * through as plain attributes.  Storing one would not change the mode,
 * while tools (cp -a, tar) set the mode through it and fall back to chmod
 * only on EOPNOTSUPP: setting or removing them is refused here.  Reading
 * them (from an image that has some) is allowed.
 *
 * Linux asks for "security.capability" before every write to a file
 * (to drop file capabilities); for a file that had no attribute at its
 * open and got none through us since (n_noxattr), the answer, ENODATA,
 * is given here without asking the kernel.
 *
 * Valid replies: err (set, remove); buf, xattr or err (get, list).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"

static bool
ll_xattr_is_acl(const char *name)
{

	return strcmp(name, "system.posix_acl_access") == 0 ||
	    strcmp(name, "system.posix_acl_default") == 0;
}

void
ll_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
    const char *value, size_t size, int flags)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct rf_node *node = rf_node_get(b, ino);

	if (ll_xattr_is_acl(name)) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	__atomic_add_fetch(&node->n_xattrgen, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&node->n_noxattr, false, __ATOMIC_RELEASE);
	fuse_reply_err(req, rf_k->setxattr(node->n_vp, name, value, size,
	    flags));
}

void
ll_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct rf_node *node = rf_node_get(b, ino);
	struct vnode *vp = node->n_vp;
	size_t len = 0;
	char *buf;
	int error;

	if (__atomic_load_n(&node->n_noxattr, __ATOMIC_ACQUIRE) &&
	    strcmp(name, "security.capability") == 0) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	if (size == 0) {
		error = rf_k->getxattr(vp, name, NULL, 0, &len);
		if (error != 0)
			fuse_reply_err(req, error);
		else
			fuse_reply_xattr(req, len);
		return;
	}
	if ((buf = malloc(size)) == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	error = rf_k->getxattr(vp, name, buf, size, &len);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, buf, len);
	free(buf);
}

void
ll_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct vnode *vp = rf_ino_vp(b, ino);
	size_t len = 0;
	char *buf;
	int error;

	if (size == 0) {
		error = rf_k->listxattr(vp, NULL, 0, &len);
		if (error != 0)
			fuse_reply_err(req, error);
		else
			fuse_reply_xattr(req, len);
		return;
	}
	if ((buf = malloc(size)) == NULL) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	error = rf_k->listxattr(vp, buf, size, &len);
	if (error != 0)
		fuse_reply_err(req, error);
	else
		fuse_reply_buf(req, buf, len);
	free(buf);
}

void
ll_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct rf_node *node = rf_node_get(b, ino);

	if (ll_xattr_is_acl(name)) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	__atomic_add_fetch(&node->n_xattrgen, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&node->n_noxattr, false, __ATOMIC_RELEASE);
	fuse_reply_err(req, rf_k->removexattr(node->n_vp, name));
}
