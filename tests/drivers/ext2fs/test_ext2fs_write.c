/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_ext2fs_write.c -- the ext2fs driver's write path in-process,
 * through the kernel's public API only (vfs_pub.h), no FUSE.
 *
 * For each image kind (ext2 with 4 KiB and 1 KiB blocks, ext3, ext4 as
 * mke2fs makes it, ext4 with inline_data, ext4 without metadata_csum
 * and 64bit) one workload runs twice: through the kernel on the image
 * mounted read-write, and through the host on a mirror directory.  It
 * creates, writes (small, large, sparse, appending), truncates,
 * fallocates, links, renames (across directories, over files and
 * directories, RENAME_EXCHANGE), unlinks, removes directories, makes
 * symlinks of every length, special files, and sets owners, modes, times
 * and user xattrs; a directory gets enough entries to grow an htree.
 * Then the image is unmounted and judged by tools nobody here wrote:
 * `e2fsck -fn` must exit 0, and the Linux kernel's own ext4 (a read-only
 * loop mount) must show exactly the mirror's tree: types, modes, owners,
 * link counts, sizes, contents, symlink targets, device numbers, mtimes
 * where set, xattrs.  Checks that leave nothing in the tree (an unlinked
 * file written while open, ENOTEMPTY, RENAME_NOREPLACE) run on the
 * kernel side only.  More cases: VOP_BMAP (the splice path) never hands
 * out a byte that is not the file's, before and after a sync; a
 * directory with more than 65,000 subdirectories (dir_nlink); a timed
 * large sequential write.  EXT2W_ONLY=NAME runs only the workload on
 * image NAME (a debugging aid).
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cunit_tap.h"
#include "vfs_pub.h"
#include "vfs_types.h"

static char workdir[256];

struct image {
	const char	*name;
	const char	*mkfs;
};

static const struct image images[] = {
	{ "ext2", "-t ext2 -b 4096" },
	{ "ext2-1k", "-t ext2 -b 1024" },
	{ "ext3", "-t ext3" },
	{ "ext4", "-t ext4" },
	{ "ext4-inline", "-t ext4 -O inline_data" },
	{ "ext4-nocsum", "-t ext4 -O ^metadata_csum,^64bit" },
	{ "ext4-1k", "-t ext4 -b 1024" },
};
#define NIMAGES	(sizeof(images) / sizeof(images[0]))

static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

/* ---- the two sides of a workload ---- */

struct side {
	const char	*name;
	char		root[700];
	bool		kernel;
};

static const char *
P(const struct side *s, const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", s->root, path);
	return buf;
}

static int
herr(int r)
{
	return r < 0 ? errno : 0;
}

static int
s_mkdir(const struct side *s, const char *p, uint32_t mode)
{
	char b[1024];

	if (s->kernel)
		return vfs_sys_mkdir(P(s, p, b, sizeof(b)), mode);
	return herr(mkdir(P(s, p, b, sizeof(b)), mode));
}

/* Write LEN bytes of BUF at OFF (OFLAGS: extra open flags). */
static int
s_pwrite(const struct side *s, const char *p, uint64_t off, const void *buf,
    size_t len, int oflags)
{
	char b[1024];
	size_t done;
	ssize_t n;
	int fd, error;

	P(s, p, b, sizeof(b));
	if (s->kernel) {
		error = vfs_sys_open(b, O_WRONLY | O_CREAT | oflags, 0644,
		    &fd);
		if (error)
			return error;
		if (oflags & O_APPEND)
			error = vfs_sys_write(fd, buf, len, &done);
		else
			error = vfs_sys_pwrite(fd, buf, len, off, &done);
		if (error == 0 && done != len)
			error = EIO;
		vfs_sys_close(fd);
		return error;
	}
	if ((fd = open(b, O_WRONLY | O_CREAT | oflags, 0644)) < 0)
		return errno;
	if (oflags & O_APPEND)
		n = write(fd, buf, len);
	else
		n = pwrite(fd, buf, len, (off_t)off);
	error = n < 0 ? errno : (size_t)n != len ? EIO : 0;
	close(fd);
	return error;
}

static int
s_symlink(const struct side *s, const char *target, const char *p)
{
	char b[1024];

	if (s->kernel)
		return vfs_sys_symlink(target, P(s, p, b, sizeof(b)));
	return herr(symlink(target, P(s, p, b, sizeof(b))));
}

static int
s_link(const struct side *s, const char *a, const char *c)
{
	char b1[1024], b2[1024];

	if (s->kernel)
		return vfs_sys_link(P(s, a, b1, sizeof(b1)),
		    P(s, c, b2, sizeof(b2)));
	return herr(link(P(s, a, b1, sizeof(b1)), P(s, c, b2, sizeof(b2))));
}

static int
s_rename(const struct side *s, const char *a, const char *c, unsigned flags)
{
	char b1[1024], b2[1024];

	P(s, a, b1, sizeof(b1));
	P(s, c, b2, sizeof(b2));
	if (s->kernel)
		return vfs_sys_renameat2(b1, b2, flags);
	return herr(renameat2(AT_FDCWD, b1, AT_FDCWD, b2, flags));
}

static int
s_unlink(const struct side *s, const char *p)
{
	char b[1024];

	if (s->kernel)
		return vfs_sys_unlink(P(s, p, b, sizeof(b)));
	return herr(unlink(P(s, p, b, sizeof(b))));
}

static int
s_rmdir(const struct side *s, const char *p)
{
	char b[1024];

	if (s->kernel)
		return vfs_sys_rmdir(P(s, p, b, sizeof(b)));
	return herr(rmdir(P(s, p, b, sizeof(b))));
}

static int
s_truncate(const struct side *s, const char *p, uint64_t len)
{
	char b[1024];

	if (s->kernel)
		return vfs_sys_truncate(P(s, p, b, sizeof(b)), len);
	return herr(truncate(P(s, p, b, sizeof(b)), (off_t)len));
}

static int
s_mknod(const struct side *s, const char *p, uint32_t mode, uint64_t rdev)
{
	char b[1024];

	if (s->kernel)
		return vfs_sys_mknod(P(s, p, b, sizeof(b)), mode, rdev);
	return herr(mknod(P(s, p, b, sizeof(b)), mode, (dev_t)rdev));
}

static int
s_chmod(const struct side *s, const char *p, uint32_t mode)
{
	char b[1024];

	if (s->kernel)
		return vfs_sys_chmod(P(s, p, b, sizeof(b)), mode);
	return herr(chmod(P(s, p, b, sizeof(b)), mode));
}

static int
s_chown(const struct side *s, const char *p, uint32_t uid, uint32_t gid)
{
	char b[1024];

	if (s->kernel)
		return vfs_sys_chown(P(s, p, b, sizeof(b)), uid, gid,
		    AT_SYMLINK_NOFOLLOW);
	return herr(lchown(P(s, p, b, sizeof(b)), uid, gid));
}

static int
s_setmtime(const struct side *s, const char *p, int64_t sec, long nsec)
{
	struct vfs_timespec kt[2] = { { 0, UTIME_OMIT }, { sec, nsec } };
	struct timespec ht[2] = { { 0, UTIME_OMIT }, { sec, nsec } };
	char b[1024];

	if (s->kernel)
		return vfs_sys_utimens(P(s, p, b, sizeof(b)), kt,
		    AT_SYMLINK_NOFOLLOW);
	return herr(utimensat(AT_FDCWD, P(s, p, b, sizeof(b)), ht,
	    AT_SYMLINK_NOFOLLOW));
}

static int
s_setxattr(const struct side *s, const char *p, const char *n,
    const void *v, size_t len)
{
	char b[1024];

	if (s->kernel)
		return vfs_sys_setxattr(P(s, p, b, sizeof(b)), n, v, len, 0,
		    0);
	return herr(setxattr(P(s, p, b, sizeof(b)), n, v, len, 0));
}

static int
s_removexattr(const struct side *s, const char *p, const char *n)
{
	char b[1024];

	if (s->kernel)
		return vfs_sys_removexattr(P(s, p, b, sizeof(b)), n, 0);
	return herr(removexattr(P(s, p, b, sizeof(b)), n));
}

/*
 * fallocate: the kernel side calls it; the mirror gets the same bytes
 * (zeros written for ZERO_RANGE/PUNCH_HOLE, the size for mode 0), since
 * the host filesystem may not do every mode.
 */
static int
s_fallocate(const struct side *s, const char *p, int mode, uint64_t off,
    uint64_t len)
{
	char b[1024];
	struct stat st;
	uint64_t end, zend;
	char *zeros;
	int fd, error = 0;

	P(s, p, b, sizeof(b));
	if (s->kernel) {
		if ((error = vfs_sys_open(b, O_WRONLY, 0, &fd)) != 0)
			return error;
		error = vfs_sys_fallocate(fd, mode, off, len);
		vfs_sys_close(fd);
		return error;
	}
	if ((fd = open(b, O_WRONLY)) < 0)
		return errno;
	fstat(fd, &st);
	end = off + len;
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
		zend = (mode & FALLOC_FL_KEEP_SIZE) &&
		    end > (uint64_t)st.st_size ? (uint64_t)st.st_size : end;
		if (zend > off) {
			zeros = calloc(1, zend - off);
			if (pwrite(fd, zeros, zend - off, (off_t)off) < 0)
				error = errno;
			free(zeros);
		}
	}
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > (uint64_t)st.st_size &&
	    ftruncate(fd, (off_t)end) < 0)
		error = errno;
	close(fd);
	return error;
}

/* ---- the workload ---- */

static unsigned workload_errors;

#define DO(side, expr, want) do {					\
	int _e = (expr);						\
	if (_e != (want)) {						\
		printf("# %s:%d: %s: %s = %d (%s), want %d\n",		\
		    (side)->name, __LINE__, (side)->root, #expr, _e,	\
		    strerror(_e), (want));				\
		workload_errors++;					\
	}								\
} while (0)

static void
pattern(uint8_t *buf, size_t len, unsigned seed)
{
	uint32_t x = seed * 2654435761U + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x = x * 1103515245U + 12345U;
		buf[i] = (uint8_t)(x >> 16);
	}
}

static void
workload(const struct side *s)
{
	static uint8_t big[3 << 20];
	char name[300], target[4000], val[3000];
	size_t i;

	pattern(big, sizeof(big), 7);
	DO(s, s_mkdir(s, "d1", 0755), 0);
	DO(s, s_mkdir(s, "d1/sub", 0750), 0);
	DO(s, s_mkdir(s, "d2", 0700), 0);
	DO(s, s_mkdir(s, "empty", 0755), 0);
	DO(s, s_mkdir(s, "spec", 0755), 0);

	/* files: tiny, small, one block and a bit, large, sparse */
	DO(s, s_pwrite(s, "tiny", 0, "hello\n", 6, 0), 0);
	DO(s, s_pwrite(s, "small", 0, big + 11, 200, 0), 0);
	DO(s, s_pwrite(s, "small", 190, big + 500, 100, 0), 0);
	DO(s, s_pwrite(s, "d1/medium", 0, big + 1, 5000, 0), 0);
	DO(s, s_pwrite(s, "d1/medium", 4090, big + 77, 20, 0), 0);
	for (i = 0; i < 48; i++)
		DO(s, s_pwrite(s, "large", i * 65536, big + i * 65536,
		    65536, 0), 0);
	DO(s, s_pwrite(s, "large", 1000, big + 3, 7777, 0), 0);
	DO(s, s_pwrite(s, "sparse", 1 << 20, big, 3000, 0), 0);
	DO(s, s_pwrite(s, "sparse", 5 << 20, big + 9, 9000, 0), 0);
	DO(s, s_pwrite(s, "sparse", 12345, big + 99, 10, 0), 0);
	DO(s, s_pwrite(s, "append", 0, big, 1000, O_APPEND), 0);
	DO(s, s_pwrite(s, "append", 0, big + 1000, 70000, O_APPEND), 0);
	DO(s, s_pwrite(s, "grow", 0, big, 50, 0), 0);
	for (i = 1; i < 40; i++)
		DO(s, s_pwrite(s, "grow", i * 50, big + i * 50, 50, 0), 0);
	DO(s, s_pwrite(s, "big1", 0, big, sizeof(big), 0), 0);

	/* truncation: down mid-block, up (sparse), to zero, rewrite */
	DO(s, s_truncate(s, "large", 1572864 + 123), 0);
	DO(s, s_truncate(s, "large", 4 << 20), 0);
	DO(s, s_truncate(s, "tiny", 3), 0);
	DO(s, s_truncate(s, "small", 0), 0);
	DO(s, s_pwrite(s, "small", 0, big + 42, 33, 0), 0);
	DO(s, s_truncate(s, "d1/medium", 4100), 0);
	DO(s, s_truncate(s, "grow", 100000), 0);

	/* fallocate */
	DO(s, s_pwrite(s, "prealloc", 0, big, 10, 0), 0);
	DO(s, s_fallocate(s, "prealloc", 0, 0, 300000), 0);
	DO(s, s_fallocate(s, "prealloc", FALLOC_FL_KEEP_SIZE, 300000,
	    200000), 0);
	DO(s, s_pwrite(s, "prealloc", 100000, big + 5, 5000, 0), 0);
	DO(s, s_fallocate(s, "large", FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_KEEP_SIZE, 100000, 300000), 0);
	DO(s, s_fallocate(s, "big1", FALLOC_FL_ZERO_RANGE, 50000, 70000), 0);
	DO(s, s_fallocate(s, "big1", FALLOC_FL_PUNCH_HOLE |
	    FALLOC_FL_KEEP_SIZE, 1 << 20, 1 << 20), 0);

	/* symlinks: fast, slow, longest */
	DO(s, s_symlink(s, "tiny", "sl-short"), 0);
	memset(target, 'a', sizeof(target));
	memcpy(target + 59, "", 1);
	DO(s, s_symlink(s, target, "sl-59"), 0);
	target[59] = 'b';
	target[60] = '\0';
	DO(s, s_symlink(s, target, "sl-60"), 0);
	target[60] = 'c';
	target[200] = '\0';
	DO(s, s_symlink(s, target, "d1/sl-200"), 0);
	target[200] = 'd';
	target[1000] = '\0';	/* (a 1 KiB block holds at most 1023) */
	DO(s, s_symlink(s, target, "sl-1000"), 0);

	/* hard links */
	DO(s, s_link(s, "tiny", "d2/tiny-link"), 0);
	DO(s, s_link(s, "tiny", "tiny-link2"), 0);
	DO(s, s_link(s, "d1/medium", "medium-link"), 0);
	DO(s, s_unlink(s, "medium-link"), 0);

	/* renames */
	DO(s, s_rename(s, "small", "d2/small", 0), 0);
	DO(s, s_rename(s, "d1/sub", "d2/sub2", 0), 0);
	DO(s, s_pwrite(s, "victim", 0, big, 100, 0), 0);
	DO(s, s_rename(s, "tiny-link2", "victim", 0), 0);
	DO(s, s_mkdir(s, "d2/sub2/inner", 0755), 0);
	DO(s, s_mkdir(s, "victimdir", 0755), 0);
	DO(s, s_rename(s, "d2/sub2", "victimdir", 0), 0);
	DO(s, s_rename(s, "d1/sl-200", "d1/sl-200b", 0), 0);
	DO(s, s_rename(s, "grow", "empty", RENAME_EXCHANGE), 0);
	DO(s, s_rename(s, "empty", "d2/empty-was-grow", 0), 0);
	DO(s, s_rename(s, "grow", "d1/grow-was-empty", 0), 0);

	/* unlink, rmdir */
	DO(s, s_pwrite(s, "gone", 0, big, 100000, 0), 0);
	DO(s, s_unlink(s, "gone"), 0);
	DO(s, s_mkdir(s, "gonedir", 0755), 0);
	DO(s, s_rmdir(s, "gonedir"), 0);

	/* special files, owners, modes, times */
	DO(s, s_mknod(s, "spec/fifo", S_IFIFO | 0644, 0), 0);
	DO(s, s_mknod(s, "spec/chr", S_IFCHR | 0600, makedev(1, 3)), 0);
	DO(s, s_mknod(s, "spec/blk", S_IFBLK | 0600, makedev(259, 70000)), 0);
	DO(s, s_mknod(s, "spec/sock", S_IFSOCK | 0600, 0), 0);
	DO(s, s_chown(s, "d1/medium", 1234, 5678), 0);
	DO(s, s_chown(s, "sl-short", 77, 88), 0);
	DO(s, s_chown(s, "d2", 100000, 200000), 0);
	DO(s, s_chmod(s, "d1/medium", 04711), 0);
	DO(s, s_chmod(s, "d2", 02770), 0);
	/* a setgid directory: new entries take its group (and dirs S_ISGID) */
	DO(s, s_pwrite(s, "d2/sgid-file", 0, "x", 1, 0), 0);
	DO(s, s_mkdir(s, "d2/sgid-dir", 0755), 0);
	DO(s, s_setmtime(s, "victim", 1000000000, 123456789), 0);
	DO(s, s_setmtime(s, "d1", 2000000000, 5), 0);
	DO(s, s_setmtime(s, "big1", 4000000000LL, 999), 0);

	/* xattrs: small (in the inode), large (a block), removed */
	DO(s, s_setxattr(s, "victim", "user.small", "v", 1), 0);
	pattern((uint8_t *)val, sizeof(val), 3);
	DO(s, s_setxattr(s, "d1/medium", "user.big", val, 700), 0);
	DO(s, s_setxattr(s, "d1/medium", "user.other", val + 5, 100), 0);
	DO(s, s_setxattr(s, "d1", "user.dir", "dirval", 6), 0);
	DO(s, s_setxattr(s, "d2/small", "user.gone", "x", 1), 0);
	DO(s, s_removexattr(s, "d2/small", "user.gone"), 0);
	DO(s, s_removexattr(s, "d1/medium", "user.other"), 0);

	/* a directory big enough for an htree; half of it removed */
	DO(s, s_mkdir(s, "many", 0755), 0);
	for (i = 0; i < 600; i++) {
		snprintf(name, sizeof(name),
		    "many/a-rather-long-file-name-to-fill-blocks-%zu", i);
		DO(s, s_pwrite(s, name, 0, big + i, i % 7, 0), 0);
	}
	for (i = 0; i < 600; i += 2) {
		snprintf(name, sizeof(name),
		    "many/a-rather-long-file-name-to-fill-blocks-%zu", i);
		DO(s, s_unlink(s, name), 0);
	}
	/* subdirectories: the parent's link count */
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "many/dir%zu", i);
		DO(s, s_mkdir(s, name, 0755), 0);
	}
	for (i = 0; i < 40; i += 3) {
		snprintf(name, sizeof(name), "many/dir%zu", i);
		DO(s, s_rmdir(s, name), 0);
	}
}

/* Kernel-only checks that leave nothing in the tree. */
static void
kernel_checks(const struct side *s)
{
	char b[1024], b2[1024], buf[64];
	struct vattr va;
	size_t done;
	int fd;

	/* an unlinked file lives while open */
	DO(s, s_pwrite(s, "open-unlinked", 0, "0123456789", 10, 0), 0);
	DO(s, vfs_sys_open(P(s, "open-unlinked", b, sizeof(b)), O_RDWR, 0,
	    &fd), 0);
	DO(s, s_unlink(s, "open-unlinked"), 0);
	DO(s, vfs_sys_pwrite(fd, "abc", 3, 20000, &done), 0);
	DO(s, vfs_sys_pread(fd, buf, sizeof(buf), 0, &done), 0);
	CU_ASSERT(done == sizeof(buf) && memcmp(buf, "0123456789", 10) == 0);
	DO(s, vfs_sys_close(fd), 0);
	DO(s, vfs_sys_stat(b, &(struct vattr){ 0 }), ENOENT);
	/* O_SYNC writes commit before they return */
	DO(s, s_pwrite(s, "synced", 0, "sync", 4, O_SYNC), 0);
	DO(s, s_pwrite(s, "synced", 0, "more", 4, O_SYNC | O_APPEND), 0);
	DO(s, vfs_sys_stat(P(s, "synced", b, sizeof(b)), &va), 0);
	CU_ASSERT_EQUAL(va.va_size, 8);
	DO(s, s_unlink(s, "synced"), 0);
	/* name space errors */
	DO(s, s_mkdir(s, "ne", 0755), 0);
	DO(s, s_mkdir(s, "ne/x", 0755), 0);
	DO(s, s_rmdir(s, "ne"), ENOTEMPTY);
	DO(s, s_mkdir(s, "ne2", 0755), 0);
	DO(s, s_mkdir(s, "ne2/y", 0755), 0);
	DO(s, s_rename(s, "ne2", "ne/x", 0), 0);
	DO(s, s_rename(s, "ne", "tiny", 0), ENOTDIR);
	DO(s, s_rename(s, "tiny", "d2/tiny-link", RENAME_NOREPLACE), EEXIST);
	DO(s, s_mkdir(s, "tiny", 0755), EEXIST);
	DO(s, s_rmdir(s, "ne/x/y"), 0);
	DO(s, s_rmdir(s, "ne/x"), 0);
	DO(s, s_rmdir(s, "ne"), 0);
	/* readlink of every kind */
	DO(s, vfs_sys_readlink(P(s, "sl-1000", b, sizeof(b)), b2, sizeof(b2),
	    &done), 0);
	CU_ASSERT_EQUAL(done, 1000);
	DO(s, vfs_sys_readlink(P(s, "sl-short", b, sizeof(b)), b2,
	    sizeof(b2), &done), 0);
	CU_ASSERT(done == 4 && memcmp(b2, "tiny", 4) == 0);
}

/* ---- comparing the kernel's view (loop mount) with the mirror ---- */

static char cmp_other[700];
static size_t cmp_rootlen;
static unsigned cmp_entries, cmp_diffs;

#define CMPFAIL(...) do {						\
	printf("# %s: ", rel);						\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	cmp_diffs++;							\
} while (0)

static bool
same_contents(const char *a, const char *b, off_t size)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	char ba[65536], bb[65536];
	size_t na, nb;
	bool same = fa != NULL && fb != NULL;
	off_t total = 0;

	while (same) {
		na = fread(ba, 1, sizeof(ba), fa);
		nb = fread(bb, 1, sizeof(bb), fb);
		if (na != nb || memcmp(ba, bb, na) != 0)
			same = false;
		total += (off_t)na;
		if (na == 0)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same && total == size;
}

static void
compare_xattrs(const char *rel, const char *a, const char *b)
{
	char la[4096], lb[4096], va[4096], vb[4096], *p;
	ssize_t na, nb, xa, xb;

	na = llistxattr(a, la, sizeof(la));
	nb = llistxattr(b, lb, sizeof(lb));
	for (p = la; na > 0 && p < la + na; p += strlen(p) + 1) {
		if (strncmp(p, "user.", 5) != 0)
			continue;
		xa = lgetxattr(a, p, va, sizeof(va));
		xb = lgetxattr(b, p, vb, sizeof(vb));
		if (xa != xb || (xa > 0 && memcmp(va, vb, (size_t)xa) != 0))
			CMPFAIL("xattr %s differs", p);
	}
	for (p = lb; nb > 0 && p < lb + nb; p += strlen(p) + 1)
		if (strncmp(p, "user.", 5) == 0 &&
		    lgetxattr(a, p, va, sizeof(va)) < 0)
			CMPFAIL("extra xattr %s", p);
}

static int
cmp_one(const char *path, const struct stat *sa, int flag, struct FTW *ftw)
{
	char other[1500], ta[4096], tb[4096];
	const char *rel = path + cmp_rootlen;
	struct stat sb;
	ssize_t la, lb;

	(void)flag;
	(void)ftw;
	if (strncmp(rel, "/lost+found", 11) == 0)
		return 0;
	cmp_entries++;
	snprintf(other, sizeof(other), "%s%s", cmp_other, rel);
	if (lstat(other, &sb) != 0) {
		CMPFAIL("missing");
		return 0;
	}
	if ((sa->st_mode & S_IFMT) != (sb.st_mode & S_IFMT)) {
		CMPFAIL("type 0%o vs 0%o", sa->st_mode & S_IFMT,
		    sb.st_mode & S_IFMT);
		return 0;
	}
	if (!S_ISLNK(sa->st_mode) && sa->st_mode != sb.st_mode)
		CMPFAIL("mode 0%o vs 0%o", sa->st_mode, sb.st_mode);
	if (sa->st_uid != sb.st_uid || sa->st_gid != sb.st_gid)
		CMPFAIL("owner %u:%u vs %u:%u", sa->st_uid, sa->st_gid,
		    sb.st_uid, sb.st_gid);
	if (sa->st_nlink != sb.st_nlink && rel[0] != '\0')
		CMPFAIL("nlink %lu vs %lu", (unsigned long)sa->st_nlink,
		    (unsigned long)sb.st_nlink);
	if (S_ISREG(sa->st_mode)) {
		if (sa->st_size != sb.st_size)
			CMPFAIL("size %lld vs %lld", (long long)sa->st_size,
			    (long long)sb.st_size);
		else if (!same_contents(path, other, sa->st_size))
			CMPFAIL("contents differ");
	}
	if (S_ISLNK(sa->st_mode)) {
		la = readlink(path, ta, sizeof(ta));
		lb = readlink(other, tb, sizeof(tb));
		if (la != lb || la < 0 || memcmp(ta, tb, (size_t)la) != 0)
			CMPFAIL("symlink target differs (%zd vs %zd)", la, lb);
	}
	if ((S_ISCHR(sa->st_mode) || S_ISBLK(sa->st_mode)) &&
	    sa->st_rdev != sb.st_rdev)
		CMPFAIL("rdev %llx vs %llx", (unsigned long long)sa->st_rdev,
		    (unsigned long long)sb.st_rdev);
	/* mtimes set explicitly (the mirror's others are later) */
	if ((strcmp(rel, "/victim") == 0 || strcmp(rel, "/d1") == 0 ||
	    strcmp(rel, "/big1") == 0) &&
	    (sa->st_mtim.tv_sec != sb.st_mtim.tv_sec ||
	    sa->st_mtim.tv_nsec != sb.st_mtim.tv_nsec))
		CMPFAIL("mtime %lld.%09ld vs %lld.%09ld",
		    (long long)sa->st_mtim.tv_sec, sa->st_mtim.tv_nsec,
		    (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
	if (!S_ISLNK(sa->st_mode) && !S_ISSOCK(sa->st_mode) &&
	    !S_ISFIFO(sa->st_mode))
		compare_xattrs(rel, path, other);
	return 0;
}

/* Every entry of A exists in B and is the same; returns the entries. */
static unsigned
compare_dirs(const char *a, const char *b)
{
	snprintf(cmp_other, sizeof(cmp_other), "%s", b);
	cmp_rootlen = strlen(a);
	cmp_entries = 0;
	nftw(a, cmp_one, 32, FTW_PHYS);
	return cmp_entries;
}

/* ---- the cases ---- */

static int
setup(void)
{
	struct vfs_config vc;

	snprintf(workdir, sizeof(workdir), "%s/ext2fs-write-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(workdir) == NULL)
		return -1;
	memset(&vc, 0, sizeof(vc));
	return vfs_init(&vc) == 0 ? 0 : -1;
}

static void
run_image(const struct image *im)
{
	char img[600], mirror[600], mnt[600], errbuf[256];
	struct side ks, hs;
	struct mount *mp;
	unsigned na, nb, diffs;
	int error, st;

	if (getenv("EXT2W_ONLY") != NULL &&
	    strcmp(getenv("EXT2W_ONLY"), im->name) != 0) {
		printf("# %s: skipped (EXT2W_ONLY)\n", im->name);
		return;
	}
	snprintf(img, sizeof(img), "%s/%s.img", workdir, im->name);
	snprintf(mirror, sizeof(mirror), "%s/%s.mirror", workdir, im->name);
	snprintf(mnt, sizeof(mnt), "%s/%s.mnt", workdir, im->name);
	CU_ASSERT_EQUAL_FATAL(sh("mke2fs -q -F %s '%s' 64M >/dev/null 2>&1",
	    im->mkfs, img), 0);
	mkdir(mirror, 0755);
	mkdir(mnt, 0755);

	error = vfs_mount("ext2fs", img, "/w", "rw", &mp, errbuf,
	    sizeof(errbuf));
	if (error)
		printf("# mount %s: %s\n", im->name, errbuf);
	CU_ASSERT_EQUAL_FATAL(error, 0);
	memset(&ks, 0, sizeof(ks));
	ks.name = "kernel";
	ks.kernel = true;
	snprintf(ks.root, sizeof(ks.root), "/w");
	memset(&hs, 0, sizeof(hs));
	hs.name = "host";
	snprintf(hs.root, sizeof(hs.root), "%s", mirror);
	workload_errors = 0;
	workload(&ks);
	kernel_checks(&ks);
	CU_ASSERT_EQUAL(workload_errors, 0);
	error = vfs_unmount(mp, 0);
	CU_ASSERT_EQUAL(error, 0);
	if (error)
		(void)vfs_unmount(mp, VFS_UMOUNT_FORCE);
	workload_errors = 0;
	workload(&hs);
	CU_ASSERT_EQUAL(workload_errors, 0);

	st = sh("e2fsck -fn '%s' > '%s.fsck' 2>&1", img, img);
	if (st != 0)
		(void)sh("sed 's/^/# /' '%s.fsck' | head -40", img);
	CU_ASSERT_EQUAL(st, 0);
	if (sh("mount -o loop,ro '%s' '%s' 2>/dev/null", img, mnt) != 0) {
		printf("# %s: no loop mount here: kernel comparison "
		    "skipped\n", im->name);
		return;
	}
	cmp_diffs = 0;
	na = compare_dirs(mirror, mnt);
	nb = compare_dirs(mnt, mirror);
	diffs = cmp_diffs;
	printf("# %s: %u entries in the mirror, %u on the image, %u "
	    "differences\n", im->name, na, nb, diffs);
	CU_ASSERT_EQUAL(diffs, 0);
	CU_ASSERT_EQUAL(na, nb);
	(void)sh("umount '%s'", mnt);

	/* and our own driver reads it back after a remount */
	error = vfs_mount("ext2fs", img, "/w", "rw", &mp, errbuf,
	    sizeof(errbuf));
	CU_ASSERT_EQUAL_FATAL(error, 0);
	DO(&ks, s_unlink(&ks, "big1"), 0);
	DO(&ks, s_rmdir(&ks, "victimdir/inner"), 0);
	DO(&ks, s_pwrite(&ks, "tiny", 0, "again", 5, O_APPEND), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	st = sh("e2fsck -fn '%s' > '%s.fsck' 2>&1", img, img);
	if (st != 0)
		(void)sh("sed 's/^/# /' '%s.fsck' | head -40", img);
	CU_ASSERT_EQUAL(st, 0);
}

#define IMAGE_CASE(i)							\
static void								\
test_image_##i(void)							\
{									\
	run_image(&images[i]);						\
}
IMAGE_CASE(0)
IMAGE_CASE(1)
IMAGE_CASE(2)
IMAGE_CASE(3)
IMAGE_CASE(4)
IMAGE_CASE(5)
IMAGE_CASE(6)

/*
 * dir_nlink: a directory with more than 65,000 subdirectories has link
 * count 1 (and the DIR_NLINK feature), as e2fsck and Linux expect.
 */
static void
test_dir_nlink(void)
{
	char img[600], mnt[600], errbuf[256], name[64];
	struct mount *mp;
	struct vattr va;
	struct stat st;
	unsigned i, n = 65010;
	int st2;

	snprintf(img, sizeof(img), "%s/nlink.img", workdir);
	snprintf(mnt, sizeof(mnt), "%s/nlink.mnt", workdir);
	mkdir(mnt, 0755);
	CU_ASSERT_EQUAL_FATAL(sh("mke2fs -q -F -t ext4 -b 4096 -N 70000 "
	    "-O ^dir_nlink '%s' 512M >/dev/null 2>&1", img), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_mount("ext2fs", img, "/w", "rw", &mp,
	    errbuf, sizeof(errbuf)), 0);
	CU_ASSERT_EQUAL(vfs_sys_mkdir("/w/big", 0755), 0);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "/w/big/%u", i);
		if (vfs_sys_mkdir(name, 0755) != 0) {
			CU_FAIL("mkdir");
			break;
		}
	}
	CU_ASSERT_EQUAL(vfs_sys_stat("/w/big", &va), 0);
	CU_ASSERT_EQUAL(va.va_nlink, 1);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "/w/big/%u", i);
		CU_ASSERT_EQUAL(vfs_sys_rmdir(name), 0);
	}
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	st2 = sh("e2fsck -fn '%s' > '%s.fsck' 2>&1", img, img);
	if (st2 != 0)
		(void)sh("sed 's/^/# /' '%s.fsck' | head -20", img);
	CU_ASSERT_EQUAL(st2, 0);
	CU_ASSERT_EQUAL(sh("dumpe2fs -h '%s' 2>/dev/null | "
	    "grep -q 'features:.*dir_nlink'", img), 0);
	if (sh("mount -o loop,ro '%s' '%s' 2>/dev/null", img, mnt) == 0) {
		CU_ASSERT_EQUAL(sh("[ $(ls '%s/big' | wc -l) = %u ]", mnt,
		    n - 20), 0);
		snprintf(name, sizeof(name), "/big");
		if (stat(strcat(strcpy(errbuf, mnt), name), &st) == 0)
			CU_ASSERT_EQUAL(st.st_nlink, 1);
		(void)sh("umount '%s'", mnt);
	}
	unlink(img);
}

/*
 * Every byte VOP_BMAP (the splice path) hands out must be the file's:
 * check the runs of FILE (LEN bytes of WANT) through the host file.
 * => the number of bytes the runs covered.
 */
static uint64_t
check_bmap(struct vnode *root, const char *file, const uint8_t *want,
    uint64_t len)
{
	uint64_t off = 0, devoff, run, covered = 0;
	struct vnode *vp;
	uint8_t *blk;
	int hostfd, error;

	CU_ASSERT_EQUAL_FATAL(vfs_pub_lookup(root, file, &vp), 0);
	blk = malloc(len);
	while (off < len) {
		error = vfs_pub_bmap(vp, off, &hostfd, &devoff, &run);
		if (error == EOPNOTSUPP) {
			off = (off | 4095) + 1;
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(error, 0);
		CU_ASSERT_FATAL(run > 0);
		run = run < len - off ? run : len - off;
		CU_ASSERT_EQUAL(pread(hostfd, blk, run, (off_t)devoff),
		    (ssize_t)run);
		CU_ASSERT(memcmp(blk, want + off, run) == 0);
		covered += run;
		off += run;
	}
	free(blk);
	vfs_pub_vrele(vp);
	return covered;
}

/*
 * The splice path while data is still dirty in the buffer cache, after
 * an overwrite, a punched hole and a truncation, and after a sync.
 */
static void
test_bmap(void)
{
	const uint64_t len = 2 << 20;
	char img[600], errbuf[256];
	struct vnode *root;
	struct mount *mp;
	uint8_t *data;
	uint64_t before, after;

	snprintf(img, sizeof(img), "%s/bmap.img", workdir);
	CU_ASSERT_EQUAL_FATAL(sh("mke2fs -q -F -t ext4 -b 4096 '%s' 64M "
	    ">/dev/null 2>&1", img), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_mount("ext2fs", img, "/w", "rw", &mp,
	    errbuf, sizeof(errbuf)), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_pub_root(mp, &root), 0);
	data = malloc(len);
	pattern(data, len, 5);
	CU_ASSERT_EQUAL(vfs_sys_mkdir("/w/d", 0755), 0);
	{
		struct side ks = { "kernel", "/w", true };

		DO(&ks, s_pwrite(&ks, "f", 0, data, len, 0), 0);
		before = check_bmap(root, "f", data, len);
		CU_ASSERT_EQUAL(vfs_sync(mp), 0);
		after = check_bmap(root, "f", data, len);
		CU_ASSERT_EQUAL(after, len);
		/* overwrite the middle: dirty again, must not be spliced */
		pattern(data + 100000, 50000, 9);
		DO(&ks, s_pwrite(&ks, "f", 100000, data + 100000, 50000, 0),
		    0);
		(void)check_bmap(root, "f", data, len);
		/* a hole punched, then the tail cut */
		memset(data + 300000, 0, 200000);
		DO(&ks, s_fallocate(&ks, "f", FALLOC_FL_PUNCH_HOLE |
		    FALLOC_FL_KEEP_SIZE, 300000, 200000), 0);
		DO(&ks, s_truncate(&ks, "f", len - 5000), 0);
		(void)check_bmap(root, "f", data, len - 5000);
		CU_ASSERT_EQUAL(vfs_sync(mp), 0);
		after = check_bmap(root, "f", data, len - 5000);
		printf("# bmap: %llu bytes spliceable while dirty, %llu "
		    "after sync\n", (unsigned long long)before,
		    (unsigned long long)after);
		CU_ASSERT(after >= len - 5000 - 200000 - 8192);
	}
	vfs_pub_vrele(root);
	free(data);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	CU_ASSERT_EQUAL(sh("e2fsck -fn '%s' >/dev/null 2>&1", img), 0);
}

/* A large sequential write: time it, and check the data. */
static void
test_speed(void)
{
	const size_t chunk = 1 << 20, total = 48 << 20;
	char img[600], errbuf[256];
	struct timespec t0, t1;
	struct mount *mp;
	uint8_t *buf;
	size_t off, done;
	double secs;
	int fd, st;

	snprintf(img, sizeof(img), "%s/speed.img", workdir);
	CU_ASSERT_EQUAL_FATAL(sh("mke2fs -q -F -t ext4 -b 4096 '%s' 128M "
	    ">/dev/null 2>&1", img), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_mount("ext2fs", img, "/w", "rw", &mp,
	    errbuf, sizeof(errbuf)), 0);
	buf = malloc(chunk);
	pattern(buf, chunk, 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CU_ASSERT_EQUAL_FATAL(vfs_sys_open("/w/seq", O_WRONLY | O_CREAT,
	    0644, &fd), 0);
	for (off = 0; off < total; off += chunk)
		CU_ASSERT_EQUAL(vfs_sys_write(fd, buf, chunk, &done), 0);
	CU_ASSERT_EQUAL(vfs_sys_fsync(fd), 0);
	vfs_sys_close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# sequential write of %zu MiB + fsync: %.2f s, %.0f MiB/s\n",
	    total >> 20, secs, (double)(total >> 20) / secs);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	free(buf);
	st = sh("e2fsck -fn '%s' >/dev/null 2>&1", img);
	CU_ASSERT_EQUAL(st, 0);
	/* the extents are few: the allocation was contiguous */
	(void)sh("debugfs -R 'ex /seq' '%s' 2>/dev/null | "
	    "awk 'NR>1{n++} END{print \"# extents of /seq: \" n}'", img);
}

int
main(void)
{
	CU_pSuite s;
	int status;

	if (getuid() != 0 || system("command -v mke2fs >/dev/null") != 0 ||
	    system("command -v e2fsck >/dev/null") != 0) {
		printf("1..0 # SKIP needs root, mke2fs and e2fsck\n");
		return 0;
	}
	if (setup() != 0) {
		printf("1..0 # SKIP cannot start the kernel\n");
		return 0;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ext2fs-write", NULL, NULL);
	CU_add_test(s, "workload on ext2", test_image_0);
	CU_add_test(s, "workload on ext2 1k", test_image_1);
	CU_add_test(s, "workload on ext3", test_image_2);
	CU_add_test(s, "workload on ext4", test_image_3);
	CU_add_test(s, "workload on ext4 inline_data", test_image_4);
	CU_add_test(s, "workload on ext4 ^metadata_csum,^64bit",
	    test_image_5);
	CU_add_test(s, "workload on ext4 1k", test_image_6);
	CU_add_test(s, "bmap (splice) runs hold the file's bytes",
	    test_bmap);
	CU_add_test(s, "large sequential write", test_speed);
	CU_add_test(s, "dir_nlink past 65000 subdirectories",
	    test_dir_nlink);
	status = cunit_tap_run();
	CU_cleanup_registry();
	vfs_shutdown();
	(void)sh("umount -q %s/*.mnt 2>/dev/null; rm -rf '%s'", workdir,
	    workdir);
	return status;
}
