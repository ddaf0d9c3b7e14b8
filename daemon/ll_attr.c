/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ll_attr.c -- FUSE operations on attributes: getattr, setattr, access,
 * statfs, readlink.  The kernel checks permissions (chmod by the owner,
 * chown rules, utimes with UTIME_NOW for writers) and clears set-id bits.
 *
 * Valid replies: attr or err (getattr, setattr); err (access); statfs or
 * err; readlink or err.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "bridge.h"

static void
ll_reply_attr(struct rf_bridge *b, fuse_req_t req, struct vnode *vp)
{
	struct vattr va;
	struct stat st;
	int error;

	memset(&va, 0, sizeof(va));
	if ((error = rf_k->getattr(vp, &va)) != 0) {
		fuse_reply_err(req, error);
		return;
	}
	rf_vattr_to_stat(&va, &st);
	fuse_reply_attr(req, &st, b->b_opts->attr_timeout);
}

void
ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);

	(void)fi;
	ll_reply_attr(b, req, rf_ino_vp(b, ino));
}

/* Translate FUSE's setattr request into a vattr change mask. */
static void
ll_setattr_vattr(const struct stat *attr, int to_set, struct vattr *va)
{

	memset(va, 0, sizeof(*va));
	if (to_set & FUSE_SET_ATTR_MODE) {
		va->va_mask |= VA_MODE;
		va->va_mode = attr->st_mode & 07777;
	}
	if (to_set & FUSE_SET_ATTR_UID) {
		va->va_mask |= VA_UID;
		va->va_uid = attr->st_uid;
	}
	if (to_set & FUSE_SET_ATTR_GID) {
		va->va_mask |= VA_GID;
		va->va_gid = attr->st_gid;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		va->va_mask |= VA_SIZE;
		va->va_size = (uint64_t)attr->st_size;
	}
	if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
		va->va_mask |= VA_ATIME;
		va->va_atime.tv_sec = 0;
		va->va_atime.tv_nsec = UTIME_NOW;
	} else if (to_set & FUSE_SET_ATTR_ATIME) {
		va->va_mask |= VA_ATIME;
		va->va_atime.tv_sec = attr->st_atim.tv_sec;
		va->va_atime.tv_nsec = attr->st_atim.tv_nsec;
	}
	if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
		va->va_mask |= VA_MTIME;
		va->va_mtime.tv_sec = 0;
		va->va_mtime.tv_nsec = UTIME_NOW;
	} else if (to_set & FUSE_SET_ATTR_MTIME) {
		va->va_mask |= VA_MTIME;
		va->va_mtime.tv_sec = attr->st_mtim.tv_sec;
		va->va_mtime.tv_nsec = attr->st_mtim.tv_nsec;
	}
	/* FUSE_SET_ATTR_CTIME: the kernel sets ctime itself. */
}

/* Is the handle F open for writing? */
static bool
ll_writable(const struct rf_file *f)
{

	return f != NULL && (f->f_oflags & O_ACCMODE) != O_RDONLY;
}

/* Does the chmod VA only clear set-user-ID and set-group-ID of VP? */
static bool
ll_only_kills_privs(struct vnode *vp, const struct vattr *va)
{
	struct vattr cur;
	uint32_t gone;

	memset(&cur, 0, sizeof(cur));
	if (rf_k->getattr(vp, &cur) != 0)
		return false;
	gone = cur.va_mode & 07777 & ~va->va_mode;
	return (va->va_mode & ~cur.va_mode) == 0 && gone != 0 &&
	    (gone & ~(uint32_t)(S_ISUID | S_ISGID)) == 0;
}

/* Is TS "now", or within a few seconds of the current time? */
static bool
ll_is_now(const struct vfs_timespec *ts)
{
	struct timespec now;

	if (ts->tv_nsec == UTIME_NOW)
		return true;
	clock_gettime(CLOCK_REALTIME, &now);
	return ts->tv_sec >= now.tv_sec - 5 && ts->tv_sec <= now.tv_sec + 5;
}

/*
 * The kernel refused the change VA with ERROR.  Some changes Linux makes
 * on behalf of a writer look, to the kernel, like a request it must
 * refuse; they are redone here, for a caller who may write the file:
 *  (1) ftruncate(2) needs only a descriptor open for writing, where
 *      truncate(2) -- all the kernel can tell -- needs write permission
 *      (with writeback caching Linux adds mtime to it);
 *  (2) before a write or truncate by a non-owner, Linux clears set-user-
 *      and set-group-ID itself with a chmod in the writer's name, unless
 *      the daemon handles "killpriv", which libfuse before 3.16 never
 *      tells it whatever the daemon asks; only the owner may chmod;
 *  (3) with writeback caching Linux sends "set the times to now" as
 *      explicit times, which only the owner may set.
 * => the new error; on success ATTRS as rf_k->setattr fills it.
 */
static int
ll_setattr_retry(struct rf_bridge *b, struct vnode *vp, struct vattr *va,
    const struct rf_file *f, const struct rf_cred *c, int error,
    struct vattr *attrs)
{
	uint32_t m = va->va_mask;
	bool asroot = false;

	if (error != EACCES && error != EPERM)
		return error;
	if ((m & VA_SIZE) && (m & ~(uint32_t)(VA_SIZE | VA_MTIME |
	    VA_ATIME)) == 0 && ll_writable(f)) {
		asroot = true;					/* (1) */
	} else if (m == VA_MODE && ll_only_kills_privs(vp, va) &&
	    (ll_writable(f) || rf_k->access(vp, W_OK) == 0)) {
		asroot = true;					/* (2) */
	} else if (b->b_opts->writeback_cache && error == EPERM &&
	    (m & ~(uint32_t)(VA_ATIME | VA_MTIME)) == 0 &&
	    (!(m & VA_ATIME) || ll_is_now(&va->va_atime)) &&
	    (!(m & VA_MTIME) || ll_is_now(&va->va_mtime))) {
		va->va_atime.tv_nsec = UTIME_NOW;		/* (3) */
		va->va_mtime.tv_nsec = UTIME_NOW;
		return rf_k->setattr(vp, va, attrs);
	}
	if (!asroot)
		return error;
	rf_k->setcred_root();
	error = rf_k->setattr(vp, va, attrs);
	rf_cred_apply(c);
	return error;
}

void
ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
    struct fuse_file_info *fi)
{
	struct rf_cred c;
	struct rf_bridge *b = rf_req_begin(req, &c);
	struct rf_node *node = rf_node_get(b, ino);
	struct rf_file *f = fi != NULL ? rf_file_of(fi) : NULL;
	struct vattr va, attrs;
	struct stat st;
	int error;

	ll_setattr_vattr(attr, to_set, &va);
	if (va.va_mask == 0) {
		ll_reply_attr(b, req, node->n_vp);
		return;
	}
	if ((va.va_mask & VA_SIZE) && ll_writable(f))
		va.va_mask |= VA_OPENFILE;	/* ftruncate(2) */
	/* The attributes come with the change: one call in split mode. */
	error = rf_k->setattr(node->n_vp, &va, &attrs);
	if (error != 0)
		error = ll_setattr_retry(b, node->n_vp, &va, f, &c, error,
		    &attrs);
	if (va.va_mask & VA_SIZE)
		rf_node_datachanged(node);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	rf_vattr_to_stat(&attrs, &st);
	fuse_reply_attr(req, &st, b->b_opts->attr_timeout);
}

void
ll_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);

	fuse_reply_err(req, rf_k->access(rf_ino_vp(b, ino), mask));
}

void
ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct vfs_statvfs sv;
	struct statvfs st;
	int error;

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	if ((error = rf_k->statvfs(b->b_mp, &sv)) != 0) {
		fuse_reply_err(req, error);
		return;
	}
	memset(&st, 0, sizeof(st));
	st.f_bsize = sv.f_bsize;
	st.f_frsize = sv.f_frsize;
	st.f_blocks = sv.f_blocks;
	st.f_bfree = sv.f_bfree;
	st.f_bavail = sv.f_bavail;
	st.f_files = sv.f_files;
	st.f_ffree = sv.f_ffree;
	st.f_favail = sv.f_favail;
	st.f_fsid = sv.f_fsid;
	st.f_flag = sv.f_flag;
	st.f_namemax = sv.f_namemax;
	fuse_reply_statfs(req, &st);
}

void
ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	char buf[4096 + 1];
	size_t len = 0;
	int error;

	error = rf_k->readlink(rf_ino_vp(b, ino), buf, sizeof(buf) - 1,
	    &len);
	if (error != 0) {
		fuse_reply_err(req, error);
		return;
	}
	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	buf[len] = '\0';
	fuse_reply_readlink(req, buf);
}
