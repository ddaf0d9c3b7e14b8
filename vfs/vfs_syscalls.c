/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * vfs_syscalls.c -- the syscall layer of vfs_pub.h (vfs_sys_*): a
 * process-wide file descriptor table and POSIX-like calls over paths and
 * descriptors, for fsu and the conformance suite.  Path resolution is in
 * vfs_lookup.c; the work is done by the vnode-level functions of
 * vfs_pub.c and vfs_vnops.c; rename in vfs_rename.c; the xattr calls in
 * vfs_xattr.c.
 *
 * File descriptors.  One table for the process (all threads share it),
 * an array of `struct file *` protected by fd_lock, grown by doubling up
 * to FD_MAX (then EMFILE); open returns the lowest free slot.  A struct
 * file holds a vnode reference and a mount reference (so the mount stays
 * busy while a descriptor is open), the open flags and the offset.  Its
 * reference count (under fd_lock) counts the table slot plus every call
 * in progress on it, so a close racing a read only drops the slot; the
 * last reference does VOP_CLOSE, vrele and the mount release.  An
 * unlinked file that is still open therefore lives until then (the
 * driver frees it in VOP_INACTIVE).
 *
 * Lock order: fd_lock is a leaf (never held across a call into the
 * vnode layer); f_lock (per file, serialises users of the offset) is
 * taken before any vnode lock.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/vnode.h"
#include "vfs_internal.h"
#include "vfs_pub.h"
#include "vfs_syscall_internal.h"

#define FD_MAX		65536	/* EMFILE beyond */
#define FD_INITIAL	64
#define OPEN_RETRIES	16	/* O_CREAT races before giving up */

struct file {
	struct vnode	*f_vp;		/* ref; immutable */
	struct mount	*f_mp;		/* mount ref; immutable */
	int		 f_oflags;	/* immutable */
	unsigned	 f_refcnt;	/* fd_lock */
	kmutex_t	 f_lock;	/* serialises f_offset users */
	uint64_t	 f_offset;	/* f_lock */
};

static kmutex_t fd_lock;
static struct file **fd_table;	/* fd_lock */
static int fd_size;		/* fd_lock: slots in fd_table */
static int fd_state;		/* atomic: 0 none, 1 starting, 2 ready */

/* Set the table lock up on first use. */
static int
fd_init(void)
{
	int expected;

	for (;;) {
		if (__atomic_load_n(&fd_state, __ATOMIC_ACQUIRE) == 2)
			return 0;
		expected = 0;
		if (__atomic_compare_exchange_n(&fd_state, &expected, 1, false,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			if (mutex_init(&fd_lock) != 0) {
				__atomic_store_n(&fd_state, 0,
				    __ATOMIC_RELEASE);
				return ENOMEM;
			}
			__atomic_store_n(&fd_state, 2, __ATOMIC_RELEASE);
			return 0;
		}
		kpause_ms(1);
	}
}

static bool
file_readable(const struct file *fp)
{
	int acc = fp->f_oflags & O_ACCMODE;

	return !(fp->f_oflags & O_PATH) && (acc == O_RDONLY || acc == O_RDWR);
}

static bool
file_writable(const struct file *fp)
{
	int acc = fp->f_oflags & O_ACCMODE;

	return !(fp->f_oflags & O_PATH) && (acc == O_WRONLY || acc == O_RDWR);
}

/* Install FP (one reference) in the lowest free slot. */
static int
fd_alloc(struct file *fp, int *fdp)
{
	struct file **nt;
	int i, nsize, error;

	if ((error = fd_init()) != 0)
		return error;
	mutex_enter(&fd_lock);
	for (i = 0; i < fd_size; i++)
		if (fd_table[i] == NULL)
			goto found;
	if (fd_size >= FD_MAX) {
		mutex_exit(&fd_lock);
		return EMFILE;
	}
	nsize = fd_size == 0 ? FD_INITIAL : fd_size * 2;
	if (nsize > FD_MAX)
		nsize = FD_MAX;
	nt = kmem_zalloc((size_t)nsize * sizeof(*nt));
	if (nt == NULL) {
		mutex_exit(&fd_lock);
		return ENOMEM;
	}
	if (fd_size > 0) {
		memcpy(nt, fd_table, (size_t)fd_size * sizeof(*nt));
		kmem_free(fd_table, (size_t)fd_size * sizeof(*nt));
	}
	i = fd_size;
	fd_table = nt;
	fd_size = nsize;
found:
	fd_table[i] = fp;
	mutex_exit(&fd_lock);
	*fdp = i;
	return 0;
}

/* The file open on FD, with a reference for the caller (fd_put). */
static int
fd_get(int fd, struct file **fpp)
{
	struct file *fp;

	if (fd < 0 || fd_init() != 0)
		return EBADF;
	mutex_enter(&fd_lock);
	if (fd >= fd_size || (fp = fd_table[fd]) == NULL) {
		mutex_exit(&fd_lock);
		return EBADF;
	}
	fp->f_refcnt++;
	mutex_exit(&fd_lock);
	*fpp = fp;
	return 0;
}

static void
file_free(struct file *fp)
{

	(void)vfs_pub_close(fp->f_vp, fp->f_oflags);
	vrele(fp->f_vp);
	vfs_mount_rele(fp->f_mp);
	mutex_destroy(&fp->f_lock);
	kmem_free(fp, sizeof(*fp));
}

static void
fd_put(struct file *fp)
{
	bool last;

	mutex_enter(&fd_lock);
	KASSERT(fp->f_refcnt > 0);
	last = --fp->f_refcnt == 0;
	mutex_exit(&fd_lock);
	if (last)
		file_free(fp);
}

/* The file on FD if it is not an O_PATH descriptor (EBADF). */
static int
fd_get_io(int fd, struct file **fpp)
{
	int error;

	if ((error = fd_get(fd, fpp)) != 0)
		return error;
	if ((*fpp)->f_oflags & O_PATH) {
		fd_put(*fpp);
		return EBADF;
	}
	return 0;
}

/* ---- open and close ---- */

/*
 * open(O_CREAT) of the existing VP, found in DVP: O_EXCL (EEXIST), a
 * directory (EISDIR), then the sticky-directory rule (EACCES), in
 * Linux's order.  Both refs are the caller's.
 */
static int
open_existing(struct vnode *dvp, struct vnode *vp, bool excl)
{
	struct vattr dva, va;
	int error;

	if (excl)
		return EEXIST;
	if (vp->v_type == VDIR)
		return EISDIR;
	if ((error = vfs_pub_getattr(dvp, &dva)) != 0 ||
	    (error = vfs_pub_getattr(vp, &va)) != 0)
		return error;
	return vn_may_open_in_sticky(&dva, &va, kauth_cred_get());
}

/*
 * The O_CREAT part of open: *VPP (ref) is the file PATH names, created
 * if absent (*CREATEDP).  The order of the checks is step 2 and 4 of
 * the one at the top of vfs_lookup.c.
 */
static int
open_create(const char *path, int oflags, uint32_t mode, struct vnode **vpp,
    bool *createdp)
{
	struct nameidata nd;
	bool excl = (oflags & O_EXCL) != 0;
	bool follow = !excl && !(oflags & O_NOFOLLOW);
	struct vnode *vp;
	int tries, error;

	for (tries = 0;; tries++) {
		*createdp = false;
		error = vfs_namei(path, NDF_CREATE | (follow ? NDF_FOLLOW : 0),
		    &nd);
		if (error != 0)
			return error;
		if (nd.nd_lasttype != ND_LAST_NORM) {
			/*
			 * ".", ".." or a mount root: an existing directory,
			 * so O_EXCL says EEXIST before "is a directory".
			 */
			error = excl ? EEXIST : EISDIR;
			goto out_nd;
		}
		if (nd.nd_slash) {
			/* "name/" with O_CREAT, whatever name is: Linux. */
			error = EISDIR;
			goto out_nd;
		}
		if (nd.nd_vp != NULL) {
			vp = nd.nd_vp;
			nd.nd_vp = NULL;
		} else {
			error = vn_create(nd.nd_dvp, nd.nd_name, VREG,
			    mode & ALLPERMS, 0, NULL, excl, &vp, createdp);
			if (error != 0)
				goto out_nd;
			if (*createdp)
				break;
			/* Someone made it between the lookup and create. */
			if (vp->v_type == VLNK && follow &&
			    tries < OPEN_RETRIES) {
				vrele(vp);
				vfs_namei_done(&nd);
				continue;
			}
		}
		if ((error = open_existing(nd.nd_dvp, vp, excl)) != 0) {
			vrele(vp);
			goto out_nd;
		}
		break;
	}
	vfs_namei_done(&nd);
	*vpp = vp;
	return 0;

out_nd:
	vfs_namei_done(&nd);
	return error;
}

int
vfs_sys_open(const char *path, int oflags, uint32_t mode, int *fdp)
{
	struct file *fp;
	struct vnode *vp;
	bool created = false;
	int error;

	if (oflags & O_PATH)
		oflags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if ((oflags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return EINVAL;
	if (oflags & O_CREAT)
		error = open_create(path, oflags, mode, &vp, &created);
	else
		error = vfs_namei_vp(path, !(oflags & O_NOFOLLOW), &vp);
	if (error != 0)
		return error;
	if ((error = vn_open(vp, oflags, created)) != 0)
		goto out_vrele;

	if ((fp = kmem_zalloc(sizeof(*fp))) == NULL) {
		error = ENOMEM;
		goto out_close;
	}
	if ((error = mutex_init(&fp->f_lock)) != 0) {
		kmem_free(fp, sizeof(*fp));
		goto out_close;
	}
	fp->f_vp = vp;
	fp->f_mp = vp->v_mount;
	vfs_mount_ref(fp->f_mp);
	fp->f_oflags = oflags & ~(O_CREAT | O_EXCL | O_TRUNC);
	fp->f_refcnt = 1;
	if ((error = fd_alloc(fp, fdp)) != 0) {
		/* file_free closes, releases vp and the mount. */
		file_free(fp);
		return error;
	}
	return 0;

out_close:
	(void)vfs_pub_close(vp, oflags);
out_vrele:
	vrele(vp);
	return error;
}

int
vfs_sys_close(int fd)
{
	struct file *fp;

	if (fd < 0 || fd_init() != 0)
		return EBADF;
	mutex_enter(&fd_lock);
	if (fd >= fd_size || (fp = fd_table[fd]) == NULL) {
		mutex_exit(&fd_lock);
		return EBADF;
	}
	fd_table[fd] = NULL;
	mutex_exit(&fd_lock);
	fd_put(fp);
	return 0;
}

/* ---- data ---- */

int
vfs_sys_read(int fd, void *buf, size_t len, size_t *donep)
{
	struct file *fp;
	int error;

	*donep = 0;
	if ((error = fd_get(fd, &fp)) != 0)
		return error;
	if (!file_readable(fp)) {
		error = EBADF;
		goto out;
	}
	mutex_enter(&fp->f_lock);
	error = vfs_pub_read(fp->f_vp, buf, len, fp->f_offset, donep);
	fp->f_offset += *donep;
	mutex_exit(&fp->f_lock);
out:
	fd_put(fp);
	return error;
}

/* Write through FP at OFF, or at its offset if USEOFF is false. */
static int
sys_write(int fd, const void *buf, size_t len, bool useoff, uint64_t off,
    size_t *donep)
{
	struct file *fp;
	uint64_t end;
	int ioflags, error;

	*donep = 0;
	if ((error = fd_get(fd, &fp)) != 0)
		return error;
	if (!file_writable(fp)) {
		error = EBADF;
		goto out;
	}
	ioflags = 0;
	if (fp->f_oflags & O_APPEND)
		ioflags |= IO_APPEND;
	if (fp->f_oflags & (O_SYNC | O_DSYNC))
		ioflags |= IO_SYNC;
	if (useoff) {
		error = vn_write(fp->f_vp, buf, len, off, ioflags, donep,
		    &end);
		goto out;
	}
	mutex_enter(&fp->f_lock);
	error = vn_write(fp->f_vp, buf, len, fp->f_offset, ioflags, donep,
	    &end);
	if (error == 0)
		fp->f_offset = end;
	mutex_exit(&fp->f_lock);
out:
	fd_put(fp);
	return error;
}

int
vfs_sys_write(int fd, const void *buf, size_t len, size_t *donep)
{

	return sys_write(fd, buf, len, false, 0, donep);
}

int
vfs_sys_pread(int fd, void *buf, size_t len, uint64_t off, size_t *donep)
{
	struct file *fp;
	int error;

	*donep = 0;
	if ((error = fd_get(fd, &fp)) != 0)
		return error;
	if (!file_readable(fp))
		error = EBADF;
	else if (off > (uint64_t)INT64_MAX)
		error = EINVAL;
	else
		error = vfs_pub_read(fp->f_vp, buf, len, off, donep);
	fd_put(fp);
	return error;
}

int
vfs_sys_pwrite(int fd, const void *buf, size_t len, uint64_t off,
    size_t *donep)
{

	*donep = 0;
	if (off > (uint64_t)INT64_MAX)
		return EINVAL;
	return sys_write(fd, buf, len, true, off, donep);
}

int
vfs_sys_lseek(int fd, int64_t off, int whence, uint64_t *newoffp)
{
	struct file *fp;
	struct vnode *vp;
	struct vattr va;
	uint64_t res, max;
	int64_t base;
	int error;

	if ((error = fd_get_io(fd, &fp)) != 0)
		return error;
	vp = fp->f_vp;
	max = vp->v_mount->mnt_maxfilesize != 0 ?
	    vp->v_mount->mnt_maxfilesize : (uint64_t)INT64_MAX;
	if (max > (uint64_t)INT64_MAX || vp->v_type != VREG)
		max = (uint64_t)INT64_MAX;
	mutex_enter(&fp->f_lock);
	switch (whence) {
	case SEEK_SET:
	case SEEK_CUR:
	case SEEK_END:
		if (whence == SEEK_SET)
			base = 0;
		else if (whence == SEEK_CUR)
			base = (int64_t)fp->f_offset;
		else {
			if (vp->v_type == VDIR) {
				error = EINVAL;
				break;
			}
			if ((error = vfs_pub_getattr(vp, &va)) != 0)
				break;
			base = (int64_t)va.va_size;
		}
		if ((off > 0 && base > INT64_MAX - off) || base + off < 0 ||
		    (uint64_t)(base + off) > max) {
			error = EINVAL;
			break;
		}
		fp->f_offset = (uint64_t)(base + off);
		*newoffp = fp->f_offset;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (off < 0) {
			error = ENXIO;
			break;
		}
		error = vfs_pub_seek(vp, (uint64_t)off, whence, &res);
		if (error == 0) {
			fp->f_offset = res;
			*newoffp = res;
		}
		break;
	default:
		error = EINVAL;
		break;
	}
	mutex_exit(&fp->f_lock);
	fd_put(fp);
	return error;
}

static int
sys_fsync(int fd, bool datasync)
{
	struct file *fp;
	int error;

	if ((error = fd_get_io(fd, &fp)) != 0)
		return error;
	error = vfs_pub_fsync(fp->f_vp, datasync);
	fd_put(fp);
	return error;
}

int
vfs_sys_fsync(int fd)
{

	return sys_fsync(fd, false);
}

int
vfs_sys_fdatasync(int fd)
{

	return sys_fsync(fd, true);
}

int
vfs_sys_fallocate(int fd, int mode, uint64_t off, uint64_t len)
{
	struct file *fp;
	int error;

	if (off > (uint64_t)INT64_MAX || len == 0 ||
	    len > (uint64_t)INT64_MAX)
		return EINVAL;
	if ((error = fd_get(fd, &fp)) != 0)
		return error;
	if (!file_writable(fp))
		error = EBADF;
	else
		error = vfs_pub_fallocate(fp->f_vp, mode, off, len);
	fd_put(fp);
	return error;
}

int
vfs_sys_getdents(int fd, vfs_filldir_t fill, void *arg)
{
	struct file *fp;
	uint64_t cookie;
	int error;

	if ((error = fd_get_io(fd, &fp)) != 0)
		return error;
	if (fp->f_vp->v_type != VDIR) {
		fd_put(fp);
		return ENOTDIR;
	}
	mutex_enter(&fp->f_lock);
	cookie = fp->f_offset;
	error = vfs_pub_readdir(fp->f_vp, &cookie, fill, arg);
	fp->f_offset = cookie;
	mutex_exit(&fp->f_lock);
	fd_put(fp);
	return error;
}

/* ---- attributes ---- */

int
vfs_sys_fstat(int fd, struct vattr *va)
{
	struct file *fp;
	int error;

	if ((error = fd_get(fd, &fp)) != 0)
		return error;
	error = vfs_pub_getattr(fp->f_vp, va);
	fd_put(fp);
	return error;
}

static int
sys_stat(const char *path, bool follow, struct vattr *va)
{
	struct vnode *vp;
	int error;

	if ((error = vfs_namei_vp(path, follow, &vp)) != 0)
		return error;
	error = vfs_pub_getattr(vp, va);
	vrele(vp);
	return error;
}

int
vfs_sys_stat(const char *path, struct vattr *va)
{

	return sys_stat(path, true, va);
}

int
vfs_sys_lstat(const char *path, struct vattr *va)
{

	return sys_stat(path, false, va);
}

int
vfs_sys_access(const char *path, int mode)
{
	struct vnode *vp;
	int error;

	if (mode & ~(R_OK | W_OK | X_OK))
		return EINVAL;
	if ((error = vfs_namei_vp(path, true, &vp)) != 0)
		return error;
	error = vfs_pub_access(vp, mode);
	vrele(vp);
	return error;
}

/* Setattr VA on the object PATH names. */
static int
sys_setattr_path(const char *path, bool follow, struct vattr *va)
{
	struct vnode *vp;
	int error;

	if ((error = vfs_namei_vp(path, follow, &vp)) != 0)
		return error;
	error = vn_setattr(vp, va, 0);
	vrele(vp);
	return error;
}

/* Setattr VA on the file open on FD (not O_PATH). */
static int
sys_setattr_fd(int fd, struct vattr *va, int flags)
{
	struct file *fp;
	int error;

	if ((error = fd_get_io(fd, &fp)) != 0)
		return error;
	error = vn_setattr(fp->f_vp, va, flags);
	fd_put(fp);
	return error;
}

int
vfs_sys_chmod(const char *path, uint32_t mode)
{
	struct vattr va;

	memset(&va, 0, sizeof(va));
	va.va_mask = VA_MODE;
	va.va_mode = mode & ALLPERMS;
	return sys_setattr_path(path, true, &va);
}

int
vfs_sys_fchmod(int fd, uint32_t mode)
{
	struct vattr va;

	memset(&va, 0, sizeof(va));
	va.va_mask = VA_MODE;
	va.va_mode = mode & ALLPERMS;
	return sys_setattr_fd(fd, &va, 0);
}

static void
chown_vattr(uint32_t uid, uint32_t gid, struct vattr *va)
{

	memset(va, 0, sizeof(*va));
	if (uid != UINT32_MAX) {
		va->va_mask |= VA_UID;
		va->va_uid = uid;
	}
	if (gid != UINT32_MAX) {
		va->va_mask |= VA_GID;
		va->va_gid = gid;
	}
}

int
vfs_sys_chown(const char *path, uint32_t uid, uint32_t gid, int flags)
{
	struct vnode *vp;
	struct vattr va;
	int error;

	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return EINVAL;
	chown_vattr(uid, gid, &va);
	error = vfs_namei_vp(path, !(flags & AT_SYMLINK_NOFOLLOW), &vp);
	if (error != 0)
		return error;
	error = vn_setattr(vp, &va, VN_SETATTR_CHOWN);
	vrele(vp);
	return error;
}

int
vfs_sys_fchown(int fd, uint32_t uid, uint32_t gid)
{
	struct vattr va;

	chown_vattr(uid, gid, &va);
	return sys_setattr_fd(fd, &va, VN_SETATTR_CHOWN);
}

/* The setattr of utimensat: TIMES NULL means both "now". */
static int
utimens_vattr(const struct vfs_timespec *times, struct vattr *va)
{
	int i;

	memset(va, 0, sizeof(*va));
	va->va_mask = VA_ATIME | VA_MTIME;
	if (times == NULL) {
		va->va_atime.tv_nsec = UTIME_NOW;
		va->va_mtime.tv_nsec = UTIME_NOW;
		return 0;
	}
	for (i = 0; i < 2; i++)
		if (times[i].tv_nsec != UTIME_NOW &&
		    times[i].tv_nsec != UTIME_OMIT &&
		    (times[i].tv_nsec < 0 || times[i].tv_nsec >= 1000000000L))
			return EINVAL;
	va->va_atime = times[0];
	va->va_mtime = times[1];
	return 0;
}

int
vfs_sys_utimens(const char *path, const struct vfs_timespec *times,
    int flags)
{
	struct vattr va;
	int error;

	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return EINVAL;
	if ((error = utimens_vattr(times, &va)) != 0)
		return error;
	return sys_setattr_path(path, !(flags & AT_SYMLINK_NOFOLLOW), &va);
}

int
vfs_sys_futimens(int fd, const struct vfs_timespec *times)
{
	struct vattr va;
	int error;

	if ((error = utimens_vattr(times, &va)) != 0)
		return error;
	return sys_setattr_fd(fd, &va, 0);
}

int
vfs_sys_truncate(const char *path, uint64_t len)
{
	struct vattr va;

	if (len > (uint64_t)INT64_MAX)
		return EINVAL;
	memset(&va, 0, sizeof(va));
	va.va_mask = VA_SIZE;
	va.va_size = len;
	return sys_setattr_path(path, true, &va);
}

int
vfs_sys_ftruncate(int fd, uint64_t len)
{
	struct file *fp;
	struct vattr va;
	int error;

	if ((error = fd_get_io(fd, &fp)) != 0)
		return error;
	if (len > (uint64_t)INT64_MAX || !file_writable(fp) ||
	    fp->f_vp->v_type != VREG)
		error = EINVAL;
	else {
		memset(&va, 0, sizeof(va));
		va.va_mask = VA_SIZE;
		va.va_size = len;
		error = vn_setattr(fp->f_vp, &va, VN_SETATTR_OPENFILE);
	}
	fd_put(fp);
	return error;
}

int
vfs_sys_statvfs(const char *path, struct vfs_statvfs *sv)
{
	struct vnode *vp;
	int error;

	if ((error = vfs_namei_vp(path, true, &vp)) != 0)
		return error;
	error = vfs_pub_statvfs(vp->v_mount, sv);
	vrele(vp);
	return error;
}

void
vfs_sys_sync(void)
{

	(void)vfs_sync(NULL);
}

/* ---- names ---- */

/*
 * Resolve the parent of PATH for a call that makes a new name: a mount
 * root or a dot name is EEXIST; a trailing slash on a name that does not
 * exist is ENOENT (Linux: only mkdir may end in '/').
 */
static int
sys_newname(const char *path, bool dirok, struct nameidata *nd)
{
	struct vnode *vp;
	int error;

	if ((error = vfs_namei(path, NDF_PARENT, nd)) != 0)
		return error;
	if (nd->nd_lasttype != ND_LAST_NORM) {
		error = EEXIST;
		goto fail;
	}
	if (nd->nd_slash && !dirok) {
		error = vfs_pub_lookup(nd->nd_dvp, nd->nd_name, &vp);
		if (error == 0) {
			vrele(vp);
			error = EEXIST;
		}
		goto fail;
	}
	return 0;
fail:
	vfs_namei_done(nd);
	return error;
}

int
vfs_sys_mkdir(const char *path, uint32_t mode)
{
	struct nameidata nd;
	struct vnode *vp;
	int error;

	if ((error = sys_newname(path, true, &nd)) != 0)
		return error;
	error = vfs_pub_mkdir(nd.nd_dvp, nd.nd_name, mode, &vp);
	vfs_namei_done(&nd);
	if (error == 0)
		vrele(vp);
	return error;
}

int
vfs_sys_mknod(const char *path, uint32_t mode, uint64_t rdev)
{
	struct nameidata nd;
	struct vnode *vp;
	int error;

	switch (mode & S_IFMT) {
	case 0:
	case S_IFREG:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFDIR:
		return EPERM;
	default:
		return EINVAL;
	}
	if ((error = sys_newname(path, false, &nd)) != 0)
		return error;
	error = vfs_pub_mknod(nd.nd_dvp, nd.nd_name, mode, rdev, &vp);
	vfs_namei_done(&nd);
	if (error == 0)
		vrele(vp);
	return error;
}

int
vfs_sys_symlink(const char *target, const char *linkpath)
{
	struct nameidata nd;
	struct vnode *vp;
	int error;

	if (target == NULL)
		return EFAULT;
	if (target[0] == '\0')
		return ENOENT;
	if (strnlen(target, PATH_MAX) >= PATH_MAX)
		return ENAMETOOLONG;
	if ((error = sys_newname(linkpath, false, &nd)) != 0)
		return error;
	error = vfs_pub_symlink(nd.nd_dvp, nd.nd_name, target, &vp);
	vfs_namei_done(&nd);
	if (error == 0)
		vrele(vp);
	return error;
}

int
vfs_sys_link(const char *existing, const char *newpath)
{
	struct nameidata nd;
	struct vnode *vp;
	int error;

	if ((error = vfs_namei_vp(existing, false, &vp)) != 0)
		return error;
	if ((error = sys_newname(newpath, false, &nd)) == 0) {
		error = vfs_pub_link(vp, nd.nd_dvp, nd.nd_name);
		vfs_namei_done(&nd);
	}
	vrele(vp);
	return error;
}

int
vfs_sys_unlink(const char *path)
{
	struct nameidata nd;
	struct vnode *vp;
	int error;

	if ((error = vfs_namei(path, NDF_PARENT, &nd)) != 0)
		return error;
	if (nd.nd_lasttype != ND_LAST_NORM)
		error = EISDIR;
	else if (nd.nd_slash) {
		/* "name/": not a way to unlink anything. */
		if (vfs_isrdonly(nd.nd_dvp->v_mount))
			error = EROFS;
		else if ((error = vfs_pub_lookup(nd.nd_dvp, nd.nd_name,
		    &vp)) == 0) {
			error = vp->v_type == VDIR ? EISDIR : ENOTDIR;
			vrele(vp);
		}
	} else
		error = vfs_pub_unlink(nd.nd_dvp, nd.nd_name);
	vfs_namei_done(&nd);
	return error;
}

int
vfs_sys_rmdir(const char *path)
{
	struct nameidata nd;
	int error;

	if ((error = vfs_namei(path, NDF_PARENT, &nd)) != 0)
		return error;
	if (nd.nd_lasttype == ND_LAST_ROOT)
		error = EBUSY;
	else
		error = vfs_pub_rmdir(nd.nd_dvp, nd.nd_name);
	vfs_namei_done(&nd);
	return error;
}

int
vfs_sys_renameat2(const char *from, const char *to, unsigned flags)
{
	struct nameidata fnd, tnd;
	struct mount *fmp, *tmp;
	int error;

	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return EINVAL;
	if ((error = vfs_namei(from, NDF_PARENT, &fnd)) != 0)
		return error;
	if ((error = vfs_namei(to, NDF_PARENT, &tnd)) != 0) {
		vfs_namei_done(&fnd);
		return error;
	}
	fmp = (fnd.nd_dvp != NULL ? fnd.nd_dvp : fnd.nd_vp)->v_mount;
	tmp = (tnd.nd_dvp != NULL ? tnd.nd_dvp : tnd.nd_vp)->v_mount;
	if (fmp != tmp)
		error = EXDEV;
	else if (fnd.nd_lasttype != ND_LAST_NORM)
		error = EBUSY;
	else if (tnd.nd_lasttype != ND_LAST_NORM)
		error = (flags & RENAME_NOREPLACE) ? EEXIST : EBUSY;
	else
		error = vfs_do_rename(fnd.nd_dvp, fnd.nd_name, fnd.nd_slash,
		    tnd.nd_dvp, tnd.nd_name, tnd.nd_slash, flags);
	vfs_namei_done(&tnd);
	vfs_namei_done(&fnd);
	return error;
}

int
vfs_sys_rename(const char *from, const char *to)
{

	return vfs_sys_renameat2(from, to, 0);
}

int
vfs_sys_readlink(const char *path, char *buf, size_t buflen, size_t *lenp)
{
	struct vnode *vp;
	int error;

	*lenp = 0;
	if (buflen == 0)
		return EINVAL;
	if ((error = vfs_namei_vp(path, false, &vp)) != 0)
		return error;
	error = vfs_pub_readlink(vp, buf, buflen, lenp);
	vrele(vp);
	return error;
}
