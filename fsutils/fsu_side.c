/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_side.c -- the two places files live for fsu: the image (through
 * the kernel's vfs_sys_* calls) and the host (through POSIX calls), as
 * one table of operations each (struct fsu_side), so that one copy
 * engine serves cp (image to image), get (image to host) and put (host
 * to image), and one comparison serves diff and diff -I.
 *
 * Exports (fsu.h): fsu_image_side, fsu_host_side.
 *
 * Every operation returns 0 or a positive errno; the host ones turn
 * errno into that.  Attributes are the kernel's struct vattr on both
 * sides (host stat converted), so callers never see struct stat.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fsu.h"

/* ---- image ---- */

static int
img_readlink(const char *path, char **targetp)
{

	return fsu_readlink_str(path, targetp);
}

static int
img_lchown(const char *path, uint32_t uid, uint32_t gid)
{

	return vfs_sys_chown(path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

static int
img_lutimens(const char *path, const struct vfs_timespec *ts)
{

	return vfs_sys_utimens(path, ts, AT_SYMLINK_NOFOLLOW);
}

static int
img_llistxattr(const char *path, char **bufp, size_t *lenp)
{
	size_t len, got;
	char *buf;
	int error, tries;

	*bufp = NULL;
	*lenp = 0;
	for (tries = 0; tries < 4; tries++) {
		error = vfs_sys_listxattr(path, NULL, 0, &len,
		    AT_SYMLINK_NOFOLLOW);
		if (error != 0)
			return error;
		if (len == 0)
			return 0;
		buf = g_malloc(len);
		error = vfs_sys_listxattr(path, buf, len, &got,
		    AT_SYMLINK_NOFOLLOW);
		if (error == 0) {
			*bufp = buf;
			*lenp = got;
			return 0;
		}
		g_free(buf);
		if (error != ERANGE)
			return error;
	}
	return ERANGE;
}

static int
img_lgetxattr(const char *path, const char *name, char **valp,
    size_t *lenp)
{
	size_t len, got;
	char *buf;
	int error;

	*valp = NULL;
	*lenp = 0;
	error = vfs_sys_getxattr(path, name, NULL, 0, &len,
	    AT_SYMLINK_NOFOLLOW);
	if (error != 0)
		return error;
	buf = g_malloc(len + 1);
	error = vfs_sys_getxattr(path, name, buf, len + 1, &got,
	    AT_SYMLINK_NOFOLLOW);
	if (error != 0) {
		g_free(buf);
		return error;
	}
	*valp = buf;
	*lenp = got;
	return 0;
}

static int
img_lsetxattr(const char *path, const char *name, const void *val,
    size_t len)
{

	return vfs_sys_setxattr(path, name, val, len, 0,
	    AT_SYMLINK_NOFOLLOW);
}

static int
img_lseek(int fd, int64_t off, int whence, uint64_t *resp)
{

	return vfs_sys_lseek(fd, off, whence, resp);
}

const struct fsu_side fsu_image_side = {
	.what = "image",
	.is_host = false,
	.lstat = vfs_sys_lstat,
	.stat = vfs_sys_stat,
	.readdir = fsu_readdir,
	.open = vfs_sys_open,
	.close = vfs_sys_close,
	.pread = vfs_sys_pread,
	.pwrite = vfs_sys_pwrite,
	.ftruncate = vfs_sys_ftruncate,
	.lseek = img_lseek,
	.mkdir = vfs_sys_mkdir,
	.unlink = vfs_sys_unlink,
	.symlink = vfs_sys_symlink,
	.readlink = img_readlink,
	.mknod = vfs_sys_mknod,
	.link = vfs_sys_link,
	.chmod = vfs_sys_chmod,
	.lchown = img_lchown,
	.lutimens = img_lutimens,
	.llistxattr = img_llistxattr,
	.lgetxattr = img_lgetxattr,
	.lsetxattr = img_lsetxattr,
};

/* ---- host ---- */

static int
err(void)
{

	return errno != 0 ? errno : EIO;
}

static enum vtype
host_vtype(mode_t m)
{

	switch (m & S_IFMT) {
	case S_IFREG:	return VREG;
	case S_IFDIR:	return VDIR;
	case S_IFLNK:	return VLNK;
	case S_IFCHR:	return VCHR;
	case S_IFBLK:	return VBLK;
	case S_IFIFO:	return VFIFO;
	case S_IFSOCK:	return VSOCK;
	default:	return VBAD;
	}
}

static void
st_to_vattr(const struct stat *st, struct vattr *va)
{

	memset(va, 0, sizeof(*va));
	va->va_mask = VA_ALL & ~(VA_BTIME | VA_FLAGS | VA_GEN);
	va->va_type = host_vtype(st->st_mode);
	va->va_mode = st->st_mode & 07777;
	va->va_nlink = (uint32_t)st->st_nlink;
	va->va_uid = st->st_uid;
	va->va_gid = st->st_gid;
	va->va_fileid = st->st_ino;
	va->va_size = (uint64_t)st->st_size;
	va->va_bytes = (uint64_t)st->st_blocks * 512;
	va->va_blocksize = (uint32_t)st->st_blksize;
	va->va_atime.tv_sec = st->st_atim.tv_sec;
	va->va_atime.tv_nsec = st->st_atim.tv_nsec;
	va->va_mtime.tv_sec = st->st_mtim.tv_sec;
	va->va_mtime.tv_nsec = st->st_mtim.tv_nsec;
	va->va_ctime.tv_sec = st->st_ctim.tv_sec;
	va->va_ctime.tv_nsec = st->st_ctim.tv_nsec;
	va->va_rdev = st->st_rdev;
}

static int
host_lstat(const char *path, struct vattr *va)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return err();
	st_to_vattr(&st, va);
	return 0;
}

static int
host_stat(const char *path, struct vattr *va)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return err();
	st_to_vattr(&st, va);
	return 0;
}

static void
dirent_free(gpointer p)
{
	struct fsu_dirent *d = p;

	g_free(d->name);
	g_free(d);
}

static int
host_readdir(const char *path, GPtrArray **entsp)
{
	struct fsu_dirent *e;
	struct dirent *de;
	GPtrArray *ents;
	DIR *dir;

	*entsp = NULL;
	if ((dir = opendir(path)) == NULL)
		return err();
	ents = g_ptr_array_new_with_free_func(dirent_free);
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		e = g_new(struct fsu_dirent, 1);
		e->name = g_strdup(de->d_name);
		e->ino = de->d_ino;
		e->type = VNON;
		g_ptr_array_add(ents, e);
	}
	if (errno != 0) {
		int error = errno;

		closedir(dir);
		g_ptr_array_unref(ents);
		return error;
	}
	closedir(dir);
	*entsp = ents;
	return 0;
}

static int
host_open(const char *path, int oflags, uint32_t mode, int *fdp)
{
	int fd = open(path, oflags | O_CLOEXEC, (mode_t)mode);

	if (fd < 0)
		return err();
	*fdp = fd;
	return 0;
}

static int
host_close(int fd)
{

	return close(fd) != 0 ? err() : 0;
}

static int
host_pread(int fd, void *buf, size_t len, uint64_t off, size_t *donep)
{
	ssize_t n;

	do
		n = pread(fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR && !fsu.interrupted);
	if (n < 0)
		return err();
	*donep = (size_t)n;
	return 0;
}

static int
host_pwrite(int fd, const void *buf, size_t len, uint64_t off,
    size_t *donep)
{
	ssize_t n;

	do
		n = pwrite(fd, buf, len, (off_t)off);
	while (n < 0 && errno == EINTR && !fsu.interrupted);
	if (n < 0)
		return err();
	*donep = (size_t)n;
	return 0;
}

static int
host_ftruncate(int fd, uint64_t len)
{

	return ftruncate(fd, (off_t)len) != 0 ? err() : 0;
}

static int
host_lseek(int fd, int64_t off, int whence, uint64_t *resp)
{
	off_t r = lseek(fd, (off_t)off, whence);

	if (r < 0)
		return err();
	*resp = (uint64_t)r;
	return 0;
}

static int
host_mkdir(const char *path, uint32_t mode)
{

	return mkdir(path, (mode_t)mode) != 0 ? err() : 0;
}

static int
host_unlink(const char *path)
{

	return unlink(path) != 0 ? err() : 0;
}

static int
host_symlink(const char *target, const char *path)
{

	return symlink(target, path) != 0 ? err() : 0;
}

static int
host_readlink(const char *path, char **targetp)
{
	size_t size = 256;
	ssize_t n;
	char *buf;
	int error;

	*targetp = NULL;
	for (;;) {
		buf = g_malloc(size);
		if ((n = readlink(path, buf, size)) < 0) {
			error = err();
			g_free(buf);
			return error;
		}
		if ((size_t)n < size) {
			buf[n] = '\0';
			*targetp = buf;
			return 0;
		}
		g_free(buf);
		if ((size *= 2) > (1u << 20))
			return ENAMETOOLONG;
	}
}

static int
host_mknod(const char *path, uint32_t mode, uint64_t rdev)
{

	return mknod(path, (mode_t)mode, (dev_t)rdev) != 0 ? err() : 0;
}

static int
host_link(const char *existing, const char *path)
{

	return link(existing, path) != 0 ? err() : 0;
}

static int
host_chmod(const char *path, uint32_t mode)
{

	return chmod(path, (mode_t)mode) != 0 ? err() : 0;
}

static int
host_lchown(const char *path, uint32_t uid, uint32_t gid)
{

	return lchown(path, (uid_t)uid, (gid_t)gid) != 0 ? err() : 0;
}

static int
host_lutimens(const char *path, const struct vfs_timespec *ts)
{
	struct timespec t[2];

	t[0].tv_sec = (time_t)ts[0].tv_sec;
	t[0].tv_nsec = ts[0].tv_nsec;
	t[1].tv_sec = (time_t)ts[1].tv_sec;
	t[1].tv_nsec = ts[1].tv_nsec;
	return utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW) != 0 ?
	    err() : 0;
}

static int
host_llistxattr(const char *path, char **bufp, size_t *lenp)
{
	ssize_t n, m;
	char *buf;
	int tries;

	*bufp = NULL;
	*lenp = 0;
	for (tries = 0; tries < 4; tries++) {
		if ((n = llistxattr(path, NULL, 0)) < 0)
			return err();
		if (n == 0)
			return 0;
		buf = g_malloc((size_t)n);
		if ((m = llistxattr(path, buf, (size_t)n)) >= 0) {
			*bufp = buf;
			*lenp = (size_t)m;
			return 0;
		}
		g_free(buf);
		if (errno != ERANGE)
			return err();
	}
	return ERANGE;
}

static int
host_lgetxattr(const char *path, const char *name, char **valp,
    size_t *lenp)
{
	ssize_t n, m;
	char *buf;

	*valp = NULL;
	*lenp = 0;
	if ((n = lgetxattr(path, name, NULL, 0)) < 0)
		return err();
	buf = g_malloc((size_t)n + 1);
	if ((m = lgetxattr(path, name, buf, (size_t)n + 1)) < 0) {
		g_free(buf);
		return err();
	}
	*valp = buf;
	*lenp = (size_t)m;
	return 0;
}

static int
host_lsetxattr(const char *path, const char *name, const void *val,
    size_t len)
{

	return lsetxattr(path, name, val, len, 0) != 0 ? err() : 0;
}

const struct fsu_side fsu_host_side = {
	.what = "host",
	.is_host = true,
	.lstat = host_lstat,
	.stat = host_stat,
	.readdir = host_readdir,
	.open = host_open,
	.close = host_close,
	.pread = host_pread,
	.pwrite = host_pwrite,
	.ftruncate = host_ftruncate,
	.lseek = host_lseek,
	.mkdir = host_mkdir,
	.unlink = host_unlink,
	.symlink = host_symlink,
	.readlink = host_readlink,
	.mknod = host_mknod,
	.link = host_link,
	.chmod = host_chmod,
	.lchown = host_lchown,
	.lutimens = host_lutimens,
	.llistxattr = host_llistxattr,
	.lgetxattr = host_lgetxattr,
	.lsetxattr = host_lsetxattr,
};
