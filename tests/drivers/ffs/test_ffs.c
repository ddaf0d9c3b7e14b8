/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_ffs.c -- the ffs driver in-process, through the kernel's public
 * API only (vfs_pub.h), no FUSE: run under the sanitizers in CI.
 *
 * Images are made at start-up with makefs (UFS1 big-endian 4096/512,
 * UFS2 little-endian 8192/1024, UFS2 4096/512, and a UFS2 image of 16
 * small cylinder groups).  The cases:
 *  - fragments: a file appended to in small steps holds exactly
 *    fragroundup(size % bsize) of its last block, also while another
 *    file's tail keeps it from growing in place (so it moves);
 *  - truncation down and up: sizes, blocks held, zeros after the old
 *    end, the data kept;
 *  - directories spread over cylinder groups, files next to their
 *    directory;
 *  - a directory grown, thinned, refilled (compaction) and emptied
 *    shrinks back to one chunk; its listing is exact throughout;
 *  - VOP_BMAP runs (the splice path) hold the file's bytes in the image;
 *  - a 5 GiB sparse file (triple indirect with 4 KiB blocks): data where
 *    written, zeros elsewhere, few blocks, all freed by truncation;
 *  - the clean flag on disk while mounted and after; a dirty image is
 *    mounted read-only unless force_dirty_rw; features refuse rw;
 *  - every case ends with the checker (vfs_fsck) finding no problem;
 *  - corruption: superblock, group, inode and directory fields broken
 *    one at a time, and a few hundred copies with random bytes changed
 *    in the metadata, mounted from memory, walked, written to: only
 *    clean errors, never a crash (the sanitizers watch);
 *  - the checker finds damage it is shown (a fragment in use marked
 *    free, a wrong link count, used inodes marked free);
 *  - UFS2 extended attributes (an area crafted into an image: no tool
 *    here writes them) read as user.* and system.*; a bad record is a
 *    clean error.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cunit_tap.h"
#include "vfs_pub.h"
#include "vfs_types.h"

#define SB	8192		/* Debian's makefs: both versions */
#define LONGX	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define MNT	"/t"

static char workdir[256];

struct image {
	const char	*name;
	const char	*opts;
	char		path[320];
	bool		ok;
};

static struct image images[] = {
	{ "ufs1-be-4k", "-B be -s 48m -f 4000 "
	    "-o version=1,bsize=4096,fsize=512", "", false },
	{ "ufs2-le-8k", "-B le -s 48m -f 4000 -o version=2", "", false },
	{ "ufs2-le-4k", "-B le -s 48m -f 4000 "
	    "-o version=2,bsize=4096,fsize=512", "", false },
	{ "ufs2-16cg", "-B le -s 64m -f 8000 -o version=2,maxbpcg=512", "",
	    false },
};
enum { IMG_UFS1, IMG_UFS2, IMG_UFS2_4K, IMG_16CG };

static int
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* A fresh copy of image I; the path in BUF. */
static bool
copy_image(int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/work-%s.img", workdir, images[i].name);
	return images[i].ok && sh("cp '%s' '%s'", images[i].path, buf) == 0;
}

static void
nullreport(void *arg, const char *line)
{
	unsigned *n = arg;

	if (n != NULL)
		(*n)++;
	fprintf(stderr, "# fsck: %s\n", line);
}

/* The checker finds no problem in image PATH. */
static void
expect_consistent(const char *path)
{
	unsigned nproblems = 99;

	CU_ASSERT_EQUAL(vfs_fsck("ffs", path, 0, nullreport, NULL, &nproblems),
	    0);
	CU_ASSERT_EQUAL(nproblems, 0);
}

static struct mount *
mount_rw(const char *path, const char *opts)
{
	struct mount *mp = NULL;
	char err[256];
	int error;

	error = vfs_mount("ffs", path, MNT, opts, &mp, err, sizeof(err));
	if (error != 0)
		fprintf(stderr, "# mount %s: %s\n", path, err);
	CU_ASSERT_EQUAL_FATAL(error, 0);
	return mp;
}

static uint8_t
pat(uint64_t seed, uint64_t off)
{
	uint64_t x = (seed + 1) * 0x9e3779b97f4a7c15ULL ^
	    (off * 0xbf58476d1ce4e5b9ULL);

	x ^= x >> 29;
	return (uint8_t)(x ^ (x >> 17));
}

static void
fillpat(uint8_t *b, size_t n, uint64_t seed, uint64_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = pat(seed, off + i);
}

static bool
checkpat(int fd, uint64_t seed, uint64_t off, size_t n)
{
	uint8_t *b = malloc(n), *w = malloc(n);
	size_t done = 0;
	bool ok;

	ok = vfs_sys_pread(fd, b, n, off, &done) == 0 && done == n;
	fillpat(w, n, seed, off);
	ok = ok && memcmp(b, w, n) == 0;
	free(b);
	free(w);
	return ok;
}

static uint64_t
bytes_of(int fd)
{
	struct vattr va;

	if (vfs_sys_fstat(fd, &va) != 0)
		return UINT64_MAX;
	return va.va_bytes;
}

/* Bytes a file of SIZE holds with blocks BS and fragments FS (direct). */
static uint64_t
want_bytes(uint64_t size, uint64_t bs, uint64_t fs)
{
	return size / bs * bs + (size % bs + fs - 1) / fs * fs;
}

/* ---- fragments ---- */

static void
test_fragments(void)
{
	char path[400];
	struct mount *mp;
	uint8_t buf[700];
	uint64_t sa = 0, sb = 0;
	int fa, fb, step;
	size_t done;

	if (!copy_image(IMG_UFS1, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	mp = mount_rw(path, "");
	CU_ASSERT_EQUAL_FATAL(vfs_sys_open(MNT "/a", O_RDWR | O_CREAT, 0644,
	    &fa), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_sys_open(MNT "/b", O_RDWR | O_CREAT, 0644,
	    &fb), 0);
	/* 4096/512: tails grow a fragment at a time, and interleaved, they
	 * cannot always grow in place */
	for (step = 0; step < 80; step++) {
		size_t na = 100 + (size_t)step * 7 % 600, nb = 300;

		fillpat(buf, na, 1, sa);
		CU_ASSERT_EQUAL(vfs_sys_pwrite(fa, buf, na, sa, &done), 0);
		sa += na;
		fillpat(buf, nb, 2, sb);
		CU_ASSERT_EQUAL(vfs_sys_pwrite(fb, buf, nb, sb, &done), 0);
		sb += nb;
		CU_ASSERT_EQUAL(bytes_of(fa), want_bytes(sa, 4096, 512));
		CU_ASSERT_EQUAL(bytes_of(fb), want_bytes(sb, 4096, 512));
	}
	CU_ASSERT(checkpat(fa, 1, 0, sa));
	CU_ASSERT(checkpat(fb, 2, 0, sb));
	CU_ASSERT_EQUAL(vfs_sys_close(fa), 0);
	CU_ASSERT_EQUAL(vfs_sys_close(fb), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	expect_consistent(path);
	/* and the data survived */
	mp = mount_rw(path, "ro");
	CU_ASSERT_EQUAL(vfs_sys_open(MNT "/a", O_RDONLY, 0, &fa), 0);
	CU_ASSERT(checkpat(fa, 1, 0, sa));
	CU_ASSERT_EQUAL(vfs_sys_close(fa), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

/* ---- truncation ---- */

static void
test_truncate(void)
{
	static const uint64_t sizes[] = { 70000, 49153, 49152, 5000, 4096,
	    1, 0, 8193, 300000 };
	char path[400];
	struct mount *mp;
	uint8_t *buf, zero[4096];
	uint64_t cur, valid;
	size_t done, i;
	int fd;

	if (!copy_image(IMG_UFS2, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	mp = mount_rw(path, "");
	buf = malloc(200000);
	fillpat(buf, 200000, 3, 0);
	CU_ASSERT_EQUAL_FATAL(vfs_sys_open(MNT "/t", O_RDWR | O_CREAT, 0644,
	    &fd), 0);
	CU_ASSERT_EQUAL(vfs_sys_pwrite(fd, buf, 200000, 0, &done), 0);
	cur = valid = 200000;
	memset(zero, 0, sizeof(zero));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t n = sizes[i];

		CU_ASSERT_EQUAL(vfs_sys_ftruncate(fd, n), 0);
		if (n < valid)
			valid = n;
		/* the pattern up to what every size kept, zeros after */
		if (valid > 0)
			CU_ASSERT(checkpat(fd, 3, 0, valid));
		if (n > valid) {
			uint8_t rb[4096];
			uint64_t l = n - valid < 4096 ? n - valid : 4096;

			CU_ASSERT_EQUAL(vfs_sys_pread(fd, rb, l, valid, &done),
			    0);
			CU_ASSERT(done == l && memcmp(rb, zero, l) == 0);
			CU_ASSERT_EQUAL(vfs_sys_pread(fd, rb, l, n - l, &done),
			    0);
			CU_ASSERT(done == l && memcmp(rb, zero, l) == 0);
		}
		if (n <= 12 * 8192)
			CU_ASSERT(bytes_of(fd) <= want_bytes(n, 8192, 1024));
		cur = n;
	}
	(void)cur;
	CU_ASSERT_EQUAL(vfs_sys_close(fd), 0);
	free(buf);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	expect_consistent(path);
}

/* ---- placement ---- */

static uint32_t
image_ipg(const char *path)
{
	uint32_t ipg = 0;
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		if (pread(fd, &ipg, 4, SB + 184) != 4)
			ipg = 0;
		close(fd);
	}
	return ipg;		/* little-endian image, little-endian host */
}

static void
test_dirpref(void)
{
	char path[400], p[64];
	struct mount *mp;
	struct vattr va, fva;
	uint32_t ipg, cgs[16];
	int i, j, ndistinct = 0, fd;

	if (!copy_image(IMG_16CG, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	ipg = image_ipg(path);
	CU_ASSERT_FATAL(ipg > 0);
	mp = mount_rw(path, "");
	for (i = 0; i < 16; i++) {
		snprintf(p, sizeof(p), MNT "/ddir%d", i);
		CU_ASSERT_EQUAL(vfs_sys_mkdir(p, 0755), 0);
		CU_ASSERT_EQUAL(vfs_sys_stat(p, &va), 0);
		cgs[i] = (uint32_t)(va.va_fileid / ipg);
		for (j = 0; j < i && cgs[j] != cgs[i]; j++)
			continue;
		ndistinct += j == i;
		/* a file goes next to its directory */
		snprintf(p, sizeof(p), MNT "/ddir%d/file", i);
		CU_ASSERT_EQUAL(vfs_sys_open(p, O_RDWR | O_CREAT, 0644, &fd),
		    0);
		CU_ASSERT_EQUAL(vfs_sys_close(fd), 0);
		CU_ASSERT_EQUAL(vfs_sys_stat(p, &fva), 0);
		CU_ASSERT_EQUAL(fva.va_fileid / ipg, va.va_fileid / ipg);
	}
	fprintf(stderr, "# 16 top-level directories in %d groups\n",
	    ndistinct);
	CU_ASSERT(ndistinct >= 8);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	expect_consistent(path);
}

/* ---- directories ---- */

struct names {
	int	n;
	char	seen[2000];
};

static int
count_fill(void *arg, const char *name, size_t len, uint64_t ino,
    enum vtype type, uint64_t next)
{
	struct names *nm = arg;
	int k;

	(void)ino;
	(void)type;
	(void)next;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	nm->n++;
	if (len > 2 && sscanf(name + 1, "%d", &k) == 1 && k >= 0 && k < 2000)
		nm->seen[k]++;
	return 0;
}

static int
list(const char *path, struct names *nm)
{
	int fd, error;

	memset(nm, 0, sizeof(*nm));
	if ((error = vfs_sys_open(path, O_RDONLY | O_DIRECTORY, 0, &fd)) != 0)
		return error;
	error = vfs_sys_getdents(fd, count_fill, nm);
	vfs_sys_close(fd);
	return error;
}

static void
test_directory(void)
{
	char path[400], p[400];
	struct names nm;
	struct mount *mp;
	struct vattr va;
	int i, fd, ok = 1;

	if (!copy_image(IMG_UFS1, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	mp = mount_rw(path, "");
	CU_ASSERT_EQUAL(vfs_sys_mkdir(MNT "/dd", 0755), 0);
	for (i = 0; i < 1000 && ok; i++) {
		snprintf(p, sizeof(p), MNT "/dd/L%04d-%.*s", i, 40 + i % 150,
		    LONGX);
		ok = vfs_sys_open(p, O_RDWR | O_CREAT, 0644, &fd) == 0 &&
		    vfs_sys_close(fd) == 0;
	}
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(list(MNT "/dd", &nm), 0);
	CU_ASSERT_EQUAL(nm.n, 1000);
	/* thin out: every other one */
	for (i = 0; i < 1000; i += 2) {
		snprintf(p, sizeof(p), MNT "/dd/L%04d-%.*s", i, 40 + i % 150,
		    LONGX);
		CU_ASSERT_EQUAL(vfs_sys_unlink(p), 0);
	}
	/* refill with longer names: chunks compact to make room */
	for (i = 1000; i < 1500; i++) {
		snprintf(p, sizeof(p), MNT "/dd/S%04d-%0100d", i, i);
		CU_ASSERT_EQUAL(vfs_sys_open(p, O_RDWR | O_CREAT, 0644, &fd),
		    0);
		vfs_sys_close(fd);
	}
	CU_ASSERT_EQUAL(list(MNT "/dd", &nm), 0);
	CU_ASSERT_EQUAL(nm.n, 1000);
	for (i = 0; i < 1500; i++)
		if (nm.seen[i] != (i < 1000 ? i % 2 : 1))
			break;
	CU_ASSERT_EQUAL(i, 1500);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	expect_consistent(path);

	/* empty it: it shrinks back to one chunk */
	mp = mount_rw(path, "");
	for (i = 1; i < 1000; i += 2) {
		snprintf(p, sizeof(p), MNT "/dd/L%04d-%.*s", i, 40 + i % 150,
		    LONGX);
		CU_ASSERT_EQUAL(vfs_sys_unlink(p), 0);
	}
	for (i = 1499; i >= 1000; i--) {
		snprintf(p, sizeof(p), MNT "/dd/S%04d-%0100d", i, i);
		CU_ASSERT_EQUAL(vfs_sys_unlink(p), 0);
	}
	CU_ASSERT_EQUAL(vfs_sys_stat(MNT "/dd", &va), 0);
	CU_ASSERT_EQUAL(va.va_size, 512);
	CU_ASSERT_EQUAL(vfs_sys_rmdir(MNT "/dd"), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	expect_consistent(path);
}

/* ---- the splice path ---- */

static void
test_bmap(void)
{
	char path[400];
	struct mount *mp;
	struct vnode *root, *vp;
	uint8_t *buf, *got;
	uint64_t off, devoff, run;
	size_t done, n = 300000;
	int fd, hostfd, imgfd;

	if (!copy_image(IMG_UFS2, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	mp = mount_rw(path, "");
	buf = malloc(n);
	got = malloc(n);
	fillpat(buf, n, 9, 0);
	CU_ASSERT_EQUAL_FATAL(vfs_sys_open(MNT "/f", O_RDWR | O_CREAT, 0644,
	    &fd), 0);
	CU_ASSERT_EQUAL(vfs_sys_pwrite(fd, buf, n, 0, &done), 0);
	CU_ASSERT_EQUAL(vfs_sys_close(fd), 0);
	CU_ASSERT_EQUAL(vfs_sync(mp), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_pub_root(mp, &root), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_pub_lookup(root, "f", &vp), 0);
	imgfd = open(path, O_RDONLY);
	for (off = 0; off < n; off += run) {
		if (vfs_pub_bmap(vp, off, &hostfd, &devoff, &run) != 0) {
			CU_FAIL("bmap");
			break;
		}
		CU_ASSERT(run > 0 && off + run <= n);
		CU_ASSERT_EQUAL((size_t)pread(imgfd, got, run, (off_t)devoff),
		    run);
		CU_ASSERT(memcmp(got, buf + off, run) == 0);
	}
	close(imgfd);
	vfs_pub_vrele(vp);
	vfs_pub_vrele(root);
	free(buf);
	free(got);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	expect_consistent(path);
}

/* ---- a 5 GiB sparse file ---- */

static void
test_sparse(void)
{
	const uint64_t G = 1ULL << 30, end = 5 * G;
	char path[400];
	struct mount *mp;
	struct vfs_statvfs before, after;
	uint8_t b[4096];
	size_t done;
	int fd;

	if (!copy_image(IMG_UFS2_4K, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	mp = mount_rw(path, "");
	CU_ASSERT_EQUAL(vfs_sys_statvfs(MNT, &before), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_sys_open(MNT "/s", O_RDWR | O_CREAT, 0644,
	    &fd), 0);
	fillpat(b, sizeof(b), 5, 0);
	CU_ASSERT_EQUAL(vfs_sys_pwrite(fd, b, 100, 0, &done), 0);
	fillpat(b, sizeof(b), 5, G + 7);
	CU_ASSERT_EQUAL(vfs_sys_pwrite(fd, b, 4096, G + 7, &done), 0);
	fillpat(b, sizeof(b), 5, end - 10);
	CU_ASSERT_EQUAL(vfs_sys_pwrite(fd, b, 10, end - 10, &done), 0);
	CU_ASSERT_EQUAL(vfs_sys_close(fd), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	expect_consistent(path);

	mp = mount_rw(path, "");
	CU_ASSERT_EQUAL_FATAL(vfs_sys_open(MNT "/s", O_RDWR, 0, &fd), 0);
	CU_ASSERT(checkpat(fd, 5, 0, 100));
	CU_ASSERT(checkpat(fd, 5, G + 7, 4096));
	CU_ASSERT(checkpat(fd, 5, end - 10, 10));
	CU_ASSERT_EQUAL(vfs_sys_pread(fd, b, 4096, 3 * G, &done), 0);
	CU_ASSERT(done == 4096 && b[0] == 0 && memcmp(b, b + 1, 4095) == 0);
	CU_ASSERT(bytes_of(fd) < 100 * 4096);
	CU_ASSERT_EQUAL(vfs_sys_ftruncate(fd, 0), 0);
	CU_ASSERT_EQUAL(bytes_of(fd), 0);
	CU_ASSERT_EQUAL(vfs_sys_close(fd), 0);
	CU_ASSERT_EQUAL(vfs_sys_unlink(MNT "/s"), 0);
	CU_ASSERT_EQUAL(vfs_sys_statvfs(MNT, &after), 0);
	CU_ASSERT_EQUAL(after.f_bfree, before.f_bfree);
	CU_ASSERT_EQUAL(after.f_ffree, before.f_ffree);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	expect_consistent(path);
}

/* ---- clean flag and features ---- */

static int
byte_at(const char *path, off_t off)
{
	uint8_t v;
	int fd = open(path, O_RDONLY), r = -1;

	if (fd >= 0 && pread(fd, &v, 1, off) == 1)
		r = v;
	if (fd >= 0)
		close(fd);
	return r;
}

static void
set_byte(const char *path, off_t off, uint8_t v)
{
	int fd = open(path, O_RDWR);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(pwrite(fd, &v, 1, off) == 1);
	close(fd);
}

static void
test_clean_flag(void)
{
	char path[400], err[256];
	struct mount *mp;
	int fd;

	if (!copy_image(IMG_UFS2, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	CU_ASSERT_EQUAL(byte_at(path, SB + 209), 1);
	mp = mount_rw(path, "");
	CU_ASSERT_EQUAL(byte_at(path, SB + 209), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	CU_ASSERT_EQUAL(byte_at(path, SB + 209), 1);

	/* not clean: read-only, unless forced; stays not clean */
	set_byte(path, SB + 209, 0);
	mp = mount_rw(path, "");
	CU_ASSERT(vfs_mount_rdonly(mp));
	CU_ASSERT_EQUAL(vfs_sys_open(MNT "/x", O_RDWR | O_CREAT, 0644, &fd),
	    EROFS);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	mp = mount_rw(path, "force_dirty_rw");
	CU_ASSERT(!vfs_mount_rdonly(mp));
	CU_ASSERT_EQUAL(vfs_sys_open(MNT "/x", O_RDWR | O_CREAT, 0644, &fd),
	    0);
	CU_ASSERT_EQUAL(vfs_sys_close(fd), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	CU_ASSERT_EQUAL(byte_at(path, SB + 209), 0);
	set_byte(path, SB + 209, 1);
	expect_consistent(path);

	/* journaled soft updates (fs_flags 0x8): no read-write */
	set_byte(path, SB + 1312, 0x08);
	CU_ASSERT_EQUAL(vfs_mount("ffs", path, MNT, "", &mp, err,
	    sizeof(err)), EROFS);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "soft updates"));
	mp = mount_rw(path, "ro");
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

/* ---- the checker sees damage ---- */

struct sbinfo {
	uint32_t	fsize, cblkno, iblkno, ipg, fpg;
	int64_t		size;
};

static void
read_sbinfo(const char *path, struct sbinfo *si)
{
	int fd = open(path, O_RDONLY);

	memset(si, 0, sizeof(*si));
	if (fd < 0)
		return;
	(void)!pread(fd, &si->fsize, 4, SB + 52);
	(void)!pread(fd, &si->cblkno, 4, SB + 12);
	(void)!pread(fd, &si->iblkno, 4, SB + 16);
	(void)!pread(fd, &si->ipg, 4, SB + 184);
	(void)!pread(fd, &si->fpg, 4, SB + 188);
	(void)!pread(fd, &si->size, 8, SB + 1080);
	close(fd);
}

/* ---- UFS2 extended attributes (crafted: no tool here writes them) ---- */

static void
test_xattr(void)
{
	/* user "comment" = "hello, ffs"; system "acl" = "abc" */
	static const uint8_t area[] = {
		32, 0, 0, 0, 1, 6, 7, 'c', 'o', 'm', 'm', 'e', 'n', 't', 0, 0,
		'h', 'e', 'l', 'l', 'o', ',', ' ', 'f', 'f', 's', 0, 0, 0, 0,
		0, 0,
		24, 0, 0, 0, 2, 5, 3, 'a', 'c', 'l', 0, 0, 0, 0, 0, 0,
		'a', 'b', 'c', 0, 0, 0, 0, 0,
	};
	char path[400], buf[64];
	struct sbinfo si;
	struct mount *mp;
	struct vattr va;
	uint32_t extsize = sizeof(area);
	int64_t frag, ext;
	uint64_t blocks;
	size_t len;
	off_t ioff;
	int fd;

	if (!copy_image(IMG_UFS2, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	mp = mount_rw(path, "ro");
	CU_ASSERT_EQUAL_FATAL(vfs_sys_stat(MNT "/f1", &va), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	read_sbinfo(path, &si);
	ioff = ((off_t)(va.va_fileid / si.ipg) * si.fpg + si.iblkno) *
	    si.fsize + (off_t)(va.va_fileid % si.ipg) * 256;
	frag = si.size - 1;	/* the last fragment: free data */
	fd = open(path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(pwrite(fd, area, sizeof(area), frag * si.fsize) ==
	    (ssize_t)sizeof(area));
	CU_ASSERT(pwrite(fd, &extsize, 4, ioff + 92) == 4);
	ext = frag;
	CU_ASSERT(pwrite(fd, &ext, 8, ioff + 96) == 8);
	(void)!pread(fd, &blocks, 8, ioff + 24);
	blocks += si.fsize / 512;
	CU_ASSERT(pwrite(fd, &blocks, 8, ioff + 24) == 8);
	close(fd);

	mp = mount_rw(path, "ro");
	CU_ASSERT_EQUAL(vfs_sys_getxattr(MNT "/f1", "user.comment", buf,
	    sizeof(buf), &len, 0), 0);
	CU_ASSERT(len == 10 && memcmp(buf, "hello, ffs", 10) == 0);
	CU_ASSERT_EQUAL(vfs_sys_getxattr(MNT "/f1", "system.acl", buf,
	    sizeof(buf), &len, 0), 0);
	CU_ASSERT(len == 3 && memcmp(buf, "abc", 3) == 0);
	CU_ASSERT_EQUAL(vfs_sys_getxattr(MNT "/f1", "user.comment", buf, 4,
	    &len, 0), ERANGE);
	CU_ASSERT_EQUAL(vfs_sys_getxattr(MNT "/f1", "user.other", buf,
	    sizeof(buf), &len, 0), ENODATA);
	CU_ASSERT_EQUAL(vfs_sys_listxattr(MNT "/f1", buf, sizeof(buf), &len,
	    0), 0);
	CU_ASSERT(len == 24 && memcmp(buf, "user.comment\0system.acl\0",
	    24) == 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);

	/* a bad record length: a clean error */
	fd = open(path, O_RDWR);
	CU_ASSERT(pwrite(fd, "\x21\x00\x00\x00", 4, frag * si.fsize) == 4);
	close(fd);
	mp = mount_rw(path, "ro");
	CU_ASSERT_EQUAL(vfs_sys_getxattr(MNT "/f1", "user.comment", buf,
	    sizeof(buf), &len, 0), EUCLEAN);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

static unsigned
problems(const char *path)
{
	unsigned n = 0;

	if (vfs_fsck("ffs", path, 0, nullreport, NULL, &n) != 0)
		return 1000;
	return n;
}

static void
test_checker_finds(void)
{
	char path[400];
	struct sbinfo si;
	struct mount *mp;
	off_t cg, root;
	uint32_t iusedoff, freeoff;
	int fd;

	if (!copy_image(IMG_UFS2, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	mp = mount_rw(path, "");
	CU_ASSERT_EQUAL(vfs_sys_mkdir(MNT "/dd", 0755), 0);
	CU_ASSERT_EQUAL(vfs_sys_open(MNT "/dd/f", O_RDWR | O_CREAT, 0644, &fd),
	    0);
	CU_ASSERT_EQUAL(vfs_sys_close(fd), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	CU_ASSERT_EQUAL(problems(path), 0);
	read_sbinfo(path, &si);
	cg = (off_t)si.cblkno * si.fsize;
	root = (off_t)si.iblkno * si.fsize + 2 * 256;

	/* a fragment of the root directory marked free */
	fd = open(path, O_RDWR);
	(void)!pread(fd, &freeoff, 4, cg + 96);
	{
		uint8_t v;
		int64_t db0;

		(void)!pread(fd, &db0, 8, root + 112);
		(void)!pread(fd, &v, 1, cg + freeoff + db0 / 8);
		v |= (uint8_t)(1u << (db0 % 8));
		(void)!pwrite(fd, &v, 1, cg + freeoff + db0 / 8);
	}
	close(fd);
	CU_ASSERT(problems(path) > 0);

	/* a wrong link count, and a used inode marked free */
	if (!copy_image(IMG_UFS2, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	fd = open(path, O_RDWR);
	{
		int16_t nlink = 7;

		(void)!pwrite(fd, &nlink, 2, root + 2);
	}
	close(fd);
	CU_ASSERT(problems(path) > 0);
	if (!copy_image(IMG_UFS2, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	fd = open(path, O_RDWR);
	(void)!pread(fd, &iusedoff, 4, cg + 92);
	{
		uint8_t v = 0x03;	/* inodes 0 and 1 only: root "free" */

		(void)!pwrite(fd, &v, 1, cg + iusedoff);
	}
	close(fd);
	CU_ASSERT(problems(path) > 0);
}

/* ---- corruption ---- */

static int walked;

struct dl {
	int	n;
	char	names[64][256];
};

static int
collect(void *arg, const char *name, size_t len, uint64_t ino,
    enum vtype type, uint64_t next)
{
	struct dl *dl = arg;

	(void)ino;
	(void)type;
	(void)next;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	if (dl->n >= 64 || len > 255 || memchr(name, '\0', len) != NULL)
		return 0;
	memcpy(dl->names[dl->n], name, len);
	dl->names[dl->n][len] = '\0';
	dl->n++;
	return 0;
}

/* Read everything under PATH; errors are fine, crashes are not. */
static void
walk(const char *path, int depth)
{
	struct vattr va;
	char buf[8192], sub[1024];
	struct dl *dl;
	uint64_t off;
	size_t done;
	int fd, i;

	if (depth > 20 || vfs_sys_lstat(path, &va) != 0)
		return;
	walked++;
	if (va.va_type == VLNK) {
		(void)vfs_sys_readlink(path, buf, sizeof(buf), &done);
		return;
	}
	if (va.va_type == VREG) {
		if (vfs_sys_open(path, O_RDONLY, 0, &fd) != 0)
			return;
		for (off = 0; off < 4 * 1024 * 1024; off += done)
			if (vfs_sys_pread(fd, buf, sizeof(buf), off, &done) !=
			    0 || done == 0)
				break;
		vfs_sys_close(fd);
		return;
	}
	if (va.va_type != VDIR)
		return;
	if (vfs_sys_open(path, O_RDONLY | O_DIRECTORY, 0, &fd) != 0)
		return;
	if ((dl = calloc(1, sizeof(*dl))) == NULL) {
		vfs_sys_close(fd);
		return;
	}
	(void)vfs_sys_getdents(fd, collect, dl);
	vfs_sys_close(fd);
	for (i = 0; i < dl->n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, dl->names[i]);
		walk(sub, depth + 1);
	}
	free(dl);
}

/* Some writes, on whatever mounted; errors are fine. */
static void
scribble(void)
{
	char buf[20000];
	size_t done;
	int fd;

	memset(buf, 'w', sizeof(buf));
	if (vfs_sys_open(MNT "/new", O_RDWR | O_CREAT, 0644, &fd) == 0) {
		(void)vfs_sys_pwrite(fd, buf, sizeof(buf), 0, &done);
		(void)vfs_sys_pwrite(fd, buf, 100, 300000, &done);
		(void)vfs_sys_ftruncate(fd, 5000);
		vfs_sys_close(fd);
	}
	(void)vfs_sys_mkdir(MNT "/newdir", 0755);
	(void)vfs_sys_rename(MNT "/new", MNT "/newdir/moved");
	(void)vfs_sys_unlink(MNT "/newdir/moved");
	(void)vfs_sys_rmdir(MNT "/newdir");
	(void)vfs_sys_symlink("target", MNT "/sl");
	(void)vfs_sys_rename(MNT "/sl", MNT "/f1");
}

/* Mount IMG (LEN bytes) from memory, walk it, maybe write; no crash. */
static int
try_image(const uint8_t *img, size_t len, bool rw)
{
	struct mount *mp = NULL;
	char err[256];
	int error;

	error = vfs_mount_mem("ffs", img, len, len, MNT, rw ? "" : "ro", &mp,
	    err, sizeof(err));
	if (error != 0)
		return error;
	walk(MNT, 0);
	if (rw && !vfs_mount_rdonly(mp))
		scribble();
	if (vfs_unmount(mp, 0) != 0)
		CU_ASSERT_EQUAL(vfs_unmount(mp, VFS_UMOUNT_FORCE), 0);
	return 0;
}

static uint8_t *
load(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n > 0 && (b = malloc((size_t)n)) != NULL &&
	    fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*lenp = (size_t)n;
	return b;
}

static void
put32(uint8_t *img, size_t off, uint32_t v)
{
	memcpy(img + off, &v, 4);
}

static void
put64(uint8_t *img, size_t off, uint64_t v)
{
	memcpy(img + off, &v, 8);
}

static void
test_corrupt_fields(void)
{
	/* superblock fields: offset in the superblock, 4 or 8 bytes, value */
	static const struct {
		unsigned off, width;
		uint64_t v;
	} f[] = {
		{ 1372, 4, 0 }, { 48, 4, 1000 }, { 48, 4, 1 << 20 },
		{ 52, 4, 3000 }, { 52, 4, 256 }, { 56, 4, 16 },
		{ 44, 4, 0 }, { 44, 4, 0x7fffffff }, { 184, 4, 7 },
		{ 184, 4, 0xffffff }, { 188, 4, 0 }, { 188, 4, 12345 },
		{ 1080, 8, 1ULL << 40 }, { 1080, 8, 0 }, { 156, 4, 1 },
		{ 156, 4, 0x7fffffff }, { 1096, 8, 0 }, { 1096, 8, 1ULL << 40 },
		{ 8, 4, 1 }, { 12, 4, 0 }, { 16, 4, 0x7fffff00 },
		{ 20, 4, 0x7fffff00 }, { 160, 4, 100000 }, { 160, 4, 1 },
		{ 1320, 4, 1000 }, { 1316, 4, 100 }, { 104, 4, 100000 },
		{ 1000, 8, 65536 }, { 80, 4, 3 }, { 116, 4, 7 },
		{ 120, 4, 0 }, { 60, 4, 200 },
	};
	char path[400];
	struct sbinfo si;
	uint8_t *img, *c;
	size_t len, i;
	off_t cg, root;
	int64_t db0;
	int error;

	if (!copy_image(IMG_UFS2, path, sizeof(path)))
		CU_FAIL_FATAL("no image");
	CU_ASSERT_PTR_NOT_NULL_FATAL(img = load(path, &len));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c = malloc(len));
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		memcpy(c, img, len);
		if (f[i].width == 4)
			put32(c, SB + f[i].off, (uint32_t)f[i].v);
		else
			put64(c, SB + f[i].off, f[i].v);
		error = try_image(c, len, true);
		if (error == 0)
			fprintf(stderr, "# superblock +%u = %llu: mounted\n",
			    f[i].off, (unsigned long long)f[i].v);
		CU_ASSERT(error == 0 || error == EUCLEAN || error == EINVAL ||
		    error == EIO);
	}

	/* group header, root inode, root directory */
	read_sbinfo(path, &si);
	cg = (off_t)si.cblkno * si.fsize;
	root = (off_t)si.iblkno * si.fsize + 2 * 256;
	memcpy(&db0, img + root + 112, 8);
	{
		const struct {
			off_t off;
			unsigned width;
			uint64_t v;
		} g[] = {
			{ cg + 4, 4, 0 },		/* cg magic */
			{ cg + 12, 4, 5 },		/* cg index */
			{ cg + 20, 4, 1 },		/* ndblk */
			{ cg + 92, 4, 0xfffff },	/* iusedoff */
			{ cg + 96, 4, 0xfffff },	/* freeoff */
			{ cg + 120, 4, 0xfffff },	/* initediblk */
			{ root, 4, 0 },			/* root mode */
			{ root, 4, 0xf1ed },		/* bad type */
			{ root + 16, 8, 1ULL << 62 },	/* size */
			{ root + 16, 8, 100 },		/* not *512 */
			{ root + 112, 8, 1ULL << 40 },	/* db[0] */
			{ root + 112, 8, 1 },		/* into metadata */
			{ root + 208, 8, 12345678 },	/* ib[0] */
			{ root + 92, 4, 1 << 30 },	/* extsize */
			{ db0 * si.fsize + 4, 4, 0 },	/* "." reclen 0 */
			{ db0 * si.fsize + 4, 4, 0x3000c },
			{ db0 * si.fsize + 4, 4, 0xff0c },
			{ db0 * si.fsize + 12, 4, 0x7fffffff },	/* ".." ino */
			{ db0 * si.fsize + 16, 4, 0x02040100 },
		};

		for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
			if ((size_t)g[i].off + 8 > len)
				continue;
			memcpy(c, img, len);
			if (g[i].width == 4)
				put32(c, (size_t)g[i].off, (uint32_t)g[i].v);
			else
				put64(c, (size_t)g[i].off, g[i].v);
			error = try_image(c, len, true);
			CU_ASSERT(error == 0 || error == EUCLEAN ||
			    error == EINVAL || error == EIO);
		}
	}
	free(c);
	free(img);
}

static void
test_fuzz(void)
{
	uint8_t *img, *c;
	char path[400];
	struct sbinfo si;
	size_t len, meta, i, k;
	int n, mounted = 0, img_i;

	srandom(12345);
	for (img_i = IMG_UFS1; img_i <= IMG_UFS2; img_i++) {
		if (!copy_image(img_i, path, sizeof(path)))
			CU_FAIL_FATAL("no image");
		CU_ASSERT_PTR_NOT_NULL_FATAL(img = load(path, &len));
		CU_ASSERT_PTR_NOT_NULL_FATAL(c = malloc(len));
		read_sbinfo(path, &si);
		if (img_i == IMG_UFS1) {	/* big-endian fields */
			si.iblkno = __builtin_bswap32(si.iblkno);
			si.cblkno = __builtin_bswap32(si.cblkno);
			si.fsize = __builtin_bswap32(si.fsize);
		}
		/* boot area, superblocks, group 0 header and inodes, the
		 * first directories */
		meta = (size_t)si.iblkno * si.fsize + 256 * 1024;
		if (meta > len)
			meta = len;
		for (n = 0; n < 150; n++) {
			/* regions: superblock, group 0 header, first
			 * inodes, anywhere in the metadata */
			size_t lo[4] = { SB, (size_t)si.cblkno * si.fsize,
			    (size_t)si.iblkno * si.fsize, SB };
			size_t sz[4] = { 1376, 512, 1024, meta - SB };

			memcpy(c, img, len);
			k = 1 + (size_t)random() % 8;
			for (i = 0; i < k; i++) {
				int r = (int)(random() % 4);
				size_t at = lo[r] + (size_t)random() % sz[r];

				/* keep the magic: go deeper */
				if (at >= SB + 1372 && at < SB + 1376)
					continue;
				if (at < len)
					c[at] = (uint8_t)random();
			}
			if (try_image(c, len, n % 2 == 0) == 0)
				mounted++;
		}
		free(c);
		free(img);
	}
	fprintf(stderr, "# fuzz: %d of 300 damaged images mounted, %d "
	    "entries walked\n", mounted, walked);
	CU_ASSERT(mounted > 0);
}

/* ---- setup ---- */

static void
cleanup(void)
{
	if (workdir[0] != '\0')
		(void)sh("rm -rf '%s'", workdir);
}

/* Runs before every case: the images are made once. */
static int
suite_init(void)
{
	size_t i;

	if (workdir[0] != '\0')
		return vfs_init(NULL);
	atexit(cleanup);
	snprintf(workdir, sizeof(workdir), "%s/test-ffs-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(workdir) == NULL)
		return -1;
	if (sh("cd '%s' && mkdir -p src/d/e empty && echo hello >src/f1 && "
	    "head -c 100000 /dev/urandom >src/d/big && ln -s f1 src/l && "
	    "ln src/f1 src/d/hard && mkfifo src/p && "
	    "ln -s $(printf 'T%%.0s' $(seq 1 200)) src/d/longlink",
	    workdir) != 0)
		return -1;
	for (i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		snprintf(images[i].path, sizeof(images[i].path), "%s/%s.img",
		    workdir, images[i].name);
		images[i].ok = sh("makefs -t ffs %s '%s' '%s/src' >/dev/null",
		    images[i].opts, images[i].path, workdir) == 0;
		if (!images[i].ok)
			fprintf(stderr, "# makefs %s failed\n", images[i].opts);
	}
	return vfs_init(NULL);
}

static int
suite_fini(void)
{
	vfs_shutdown();
	return 0;
}

int
main(void)
{
	CU_pSuite s;

	if (system("command -v makefs >/dev/null") != 0) {
		printf("1..0 # SKIP makefs is missing\n");
		return 0;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ffs", suite_init, suite_fini);
	CU_add_test(s, "fragments grow in place or move", test_fragments);
	CU_add_test(s, "truncate down and up", test_truncate);
	CU_add_test(s, "directories spread over groups", test_dirpref);
	CU_add_test(s, "a directory grows, compacts, shrinks",
	    test_directory);
	CU_add_test(s, "bmap runs hold the file's bytes", test_bmap);
	CU_add_test(s, "a 5 GiB sparse file", test_sparse);
	CU_add_test(s, "clean flag, dirty images, features",
	    test_clean_flag);
	CU_add_test(s, "the checker finds damage", test_checker_finds);
	CU_add_test(s, "UFS2 extended attributes", test_xattr);
	CU_add_test(s, "corrupt fields: clean errors", test_corrupt_fields);
	CU_add_test(s, "random damage: clean errors", test_fuzz);
	return cunit_tap_run();
}
