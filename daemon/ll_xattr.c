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
 * through as plain attributes, and storing one would not change the
 * mode.  What is done with them instead:
 *
 *  - an access ACL equivalent to a mode (exactly the entries USER_OBJ,
 *    GROUP_OBJ and OTHER; any MASK, USER or GROUP entry makes it not
 *    equivalent, as in Linux's posix_acl_equiv_mode) is a chmod, as
 *    ext4 does it: the permission bits become the ACL's, set-user-ID,
 *    set-group-ID and sticky stay, and no attribute is stored (one
 *    stored before, from an image written by Linux, is removed).  The
 *    kernel's chmod rules apply: EPERM for a caller who is neither the
 *    owner nor root, S_ISGID cleared for a non-root caller outside the
 *    file's group.  This is what cp -a, cp --preserve=mode and tar
 *    send first (gnulib's qset_acl); refusing it cost them a chmod, one
 *    more FUSE request per file;
 *  - XATTR_CREATE and XATTR_REPLACE are ignored for it, as Linux does
 *    for ACL names (ext4 and the VFS never look at them; Linux's FUSE
 *    module sends 0);
 *  - a well-formed access ACL that is not equivalent to a mode, an
 *    empty one (which Linux means as "remove"), and any default ACL:
 *    EOPNOTSUPP, after which tools set the mode with chmod; a malformed
 *    access ACL: EINVAL;
 *  - removing either goes to the kernel like any attribute, and is
 *    ENODATA when none is stored, also on a filesystem that cannot
 *    store attributes.  Tools that set an access ACL on a directory
 *    then remove its default ACL (gnulib, setfacl -b) and accept
 *    ENODATA, not EOPNOTSUPP; a stored ACL (from an image written by
 *    Linux), never enforced here, may be removed;
 *  - reading them (from an image that has some) is allowed.
 *
 * Linux keeps the attributes it has cached after a SETXATTR from a
 * daemon without FUSE_CAP_POSIX_ACL, so the chmod done for an ACL
 * invalidates them before the reply (see ll_acl_inval()).
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

#define ACL_ACCESS	"system.posix_acl_access"
#define ACL_DEFAULT	"system.posix_acl_default"

/*
 * The Linux xattr form of a POSIX ACL, little-endian: a 4-byte version
 * (2), then 8-byte entries {u16 tag, u16 perm, u32 id}.
 */
#define ACL_XATTR_VERSION	2
#define ACL_HDR_SIZE		4
#define ACL_ENTRY_SIZE		8
enum {
	ACL_TAG_USER_OBJ = 0x01,
	ACL_TAG_USER = 0x02,
	ACL_TAG_GROUP_OBJ = 0x04,
	ACL_TAG_GROUP = 0x08,
	ACL_TAG_MASK = 0x10,
	ACL_TAG_OTHER = 0x20
};

static uint32_t
ll_acl_le(const unsigned char *p, size_t n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = (v << 8) | p[n];
	return v;
}

/*
 * The place of TAG in an ACL's required order (USER_OBJ, USER..., GROUP_OBJ,
 * GROUP..., MASK, OTHER), or -1 for an unknown tag.
 */
static int
ll_acl_rank(uint32_t tag)
{

	switch (tag) {
	case ACL_TAG_USER_OBJ:
		return 0;
	case ACL_TAG_USER:
		return 1;
	case ACL_TAG_GROUP_OBJ:
		return 2;
	case ACL_TAG_GROUP:
		return 3;
	case ACL_TAG_MASK:
		return 4;
	case ACL_TAG_OTHER:
		return 5;
	default:
		return -1;
	}
}

/*
 * Check the access ACL VAL (SIZE bytes) as Linux's posix_acl_valid does:
 * known tags in the order above, perms within rwx, USER_OBJ, GROUP_OBJ
 * and OTHER exactly once, MASK at most once and present if there is a
 * USER or GROUP entry, USER and GROUP ids each strictly increasing.
 * => 0 and the permission bits in *PERMSP if the ACL is equivalent to
 *    a mode (USER_OBJ, GROUP_OBJ and OTHER only); EOPNOTSUPP for a valid
 *    ACL that is not, or an empty one (a removal); EINVAL if malformed.
 */
static int
ll_acl_parse(const void *val, size_t size, uint32_t *permsp)
{
	const unsigned char *p = val, *e;
	unsigned seen[6] = { 0 };
	uint32_t tag, perm, id, lastid = 0, perms = 0;
	size_t i, n;
	int rank, last = -1;

	if (size < ACL_HDR_SIZE || (size - ACL_HDR_SIZE) % ACL_ENTRY_SIZE)
		return EINVAL;
	if (ll_acl_le(p, 4) != ACL_XATTR_VERSION)
		return EINVAL;
	if ((n = (size - ACL_HDR_SIZE) / ACL_ENTRY_SIZE) == 0)
		return EOPNOTSUPP;
	for (i = 0; i < n; i++) {
		e = p + ACL_HDR_SIZE + i * ACL_ENTRY_SIZE;
		tag = ll_acl_le(e, 2);
		perm = ll_acl_le(e + 2, 2);
		id = ll_acl_le(e + 4, 4);
		if ((rank = ll_acl_rank(tag)) < 0 || rank < last || perm > 7)
			return EINVAL;
		if (tag == ACL_TAG_USER || tag == ACL_TAG_GROUP) {
			if (rank == last && id <= lastid)
				return EINVAL;
			lastid = id;
		} else if (seen[rank] != 0) {
			return EINVAL;
		}
		seen[rank]++;
		last = rank;
		if (tag == ACL_TAG_USER_OBJ)
			perms |= perm << 6;
		else if (tag == ACL_TAG_GROUP_OBJ)
			perms |= perm << 3;
		else if (tag == ACL_TAG_OTHER)
			perms |= perm;
	}
	if (seen[0] != 1 || seen[2] != 1 || seen[5] != 1)
		return EINVAL;
	if ((seen[1] != 0 || seen[3] != 0) && seen[4] == 0)
		return EINVAL;
	if (n != 3)
		return EOPNOTSUPP;
	*permsp = perms;
	return 0;
}

static bool
ll_xattr_is_acl(const char *name)
{

	return strcmp(name, ACL_ACCESS) == 0 || strcmp(name, ACL_DEFAULT) == 0;
}

/*
 * The filesystem of VP cannot remove the ACL NAME (EOPNOTSUPP): if it
 * holds none, there is nothing to remove.
 * => ENODATA if VP has no attribute NAME, else EOPNOTSUPP.
 */
static int
ll_acl_absent(struct vnode *vp, const char *name)
{
	size_t len = 0;

	return rf_k->getxattr(vp, name, NULL, 0, &len) == 0 ? EOPNOTSUPP :
	    ENODATA;
}

/*
 * Make Linux drop its cached attributes of INO.  Safe from inside the
 * request: Linux handles the notification within the write(2) that
 * sends it and waits for nothing from us; with a negative offset it
 * only marks the attributes stale, taking neither the inode lock (held
 * by the SETXATTR in flight) nor page locks, which is what could
 * deadlock.  As it is done before the reply, the caller's next stat(2)
 * asks us.  It fails only if Linux no longer knows INO, which then has
 * nothing cached.
 */
static void
ll_acl_inval(struct rf_bridge *b, fuse_ino_t ino)
{

	(void)fuse_lowlevel_notify_inval_inode(b->b_se, ino, -1, 0);
}

/*
 * Apply the access ACL VAL (SIZE bytes) to NODE as a chmod, if it is
 * equivalent to a mode (see the top of the file).
 * => 0; or ll_acl_parse's EOPNOTSUPP or EINVAL; or the kernel's error
 *    (EPERM for a caller who does not own the file, EROFS, ...).
 */
static int
ll_acl_chmod(struct rf_bridge *b, struct rf_node *node, fuse_ino_t ino,
    const void *val, size_t size)
{
	struct vnode *vp = node->n_vp;
	struct vattr cur, va;
	uint32_t perms;
	int error;

	if ((error = ll_acl_parse(val, size, &perms)) != 0)
		return error;
	memset(&cur, 0, sizeof(cur));
	if ((error = rf_k->getattr(vp, &cur)) != 0)
		return error;
	if (cur.va_type == VLNK)
		return EOPNOTSUPP;	/* Linux: no ACLs on symlinks */
	/*
	 * The kernel's chmod (as ll_setattr's) checks ownership and clears
	 * S_ISGID.  Not atomic with the getattr: a chmod racing with this
	 * one may see its set-id bits undone, as with any two chmods.
	 */
	memset(&va, 0, sizeof(va));
	va.va_mask = VA_MODE;
	va.va_mode = (cur.va_mode & 07000) | perms;
	if ((error = rf_k->setattr(vp, &va, NULL)) != 0)
		return error;
	/* An ACL stored before (by Linux) no longer applies. */
	if (!__atomic_load_n(&node->n_noxattr, __ATOMIC_ACQUIRE)) {
		error = rf_k->removexattr(vp, ACL_ACCESS);
		if (error == ENODATA || error == EOPNOTSUPP)
			error = 0;
	}
	ll_acl_inval(b, ino);
	return error;
}

void
ll_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
    const char *value, size_t size, int flags)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct rf_node *node = rf_node_get(b, ino);

	if (strcmp(name, ACL_ACCESS) == 0) {
		fuse_reply_err(req, ll_acl_chmod(b, node, ino, value, size));
		return;
	}
	if (strcmp(name, ACL_DEFAULT) == 0) {
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
	int error;

	__atomic_add_fetch(&node->n_xattrgen, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&node->n_noxattr, false, __ATOMIC_RELEASE);
	error = rf_k->removexattr(node->n_vp, name);
	if (error == EOPNOTSUPP && ll_xattr_is_acl(name))
		error = ll_acl_absent(node->n_vp, name);
	fuse_reply_err(req, error);
}
