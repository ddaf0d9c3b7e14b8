/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_ext2fs.c -- the ext2fs driver in-process, through the kernel's
 * public API only (vfs_pub.h), no FUSE: run under the sanitizers in CI.
 *
 * Images are made at start-up with mke2fs -d from a small generated tree
 * (ext2 with 1 KiB blocks, ext4 defaults, ext4 with inline_data, ext4
 * without extents, 128-byte inodes), then e2fsck -D, which makes every
 * directory of more than one block a hashed (htree) one.  The cases:
 *  - every image mounts read-only and its tree (types, modes, owners,
 *    sizes, mtimes, contents, symlink targets, user xattrs) equals the
 *    source tree read through the host;
 *  - a read-write mount comes up read-write; statvfs is sane;
 *  - SEEK_DATA/SEEK_HOLE on a sparse file agree with the host;
 *  - readdir resumed from every cookie yields each entry exactly once;
 *  - VOP_BMAP runs (the splice path) hold the file's bytes in the image;
 *  - fuzzing: a few hundred copies of each image with random bytes
 *    changed in the metadata area are mounted from memory and walked
 *    completely; only clean errors may come back (the sanitizers catch
 *    everything else).
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
#include <sys/xattr.h>
#include <unistd.h>

#include "cunit_tap.h"
#include "vfs_pub.h"
#include "vfs_types.h"

static char workdir[256];
static char srcdir[300];

struct image {
	const char	*name;
	const char	*mkfs;
	const char	*debugfs;	/* before e2fsck -D, or "" */
	char		path[320];
	bool		ok;
};

/*
 * Every htree hash: half_md4 (the default), tea, legacy, with signed and
 * unsigned chars (the debugfs commands run before e2fsck -D).
 */
static struct image images[] = {
	{ "ext2-1k", "-t ext2 -b 1024", "ssv def_hash_version tea", "",
	    false },
	{ "ext4", "-t ext4 -b 4096", "", "", false },
	{ "ext4-inline", "-t ext4 -b 4096 -O inline_data", "", "", false },
	{ "ext4-noextent", "-t ext4 -b 2048 -O ^extent,^64bit",
	    "ssv def_hash_version legacy\\nssv flags 2", "", false },
	{ "ext4-i128", "-t ext4 -b 1024 -I 128 -O ^metadata_csum,uninit_bg",
	    "ssv flags 2", "", false },
	{ "ext4-tea-u", "-t ext4 -b 1024",
	    "ssv def_hash_version tea\\nssv flags 2", "", false },
	{ "ext2-nofiletype", "-t ext2 -b 4096 -O ^filetype,^dir_index", "",
	    "", false },
};

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

static void
make_tree(void)
{
	sh("set -e; cd '%s'; mkdir -p d/sub many; "
	    "head -c 70000 /dev/urandom > big; echo hello > small; : > empty; "
	    "head -c 100 /dev/urandom > d/sub/x; "
	    "ln -s small sl; ln -s $(printf '%%0200d' 0) longsl; "
	    "ln small hard; mkfifo fifo; "
	    "python3 -c \"import os; f=open('sparse','wb'); f.write(b'a'*5000);"
	    " f.seek(300000); f.write(b'b'*5000); f.seek(999999);"
	    " f.write(b'e')\"; "
	    "for i in $(seq 1 300); do : > many/file-with-a-longer-name-$i; "
	    "done; for i in $(seq 1 40); do : > \"many/\303\251t\303\251-$i\"; "
	    "done; setfattr -n user.a -v hello small; "
	    "setfattr -n user.b -v 0x$(head -c 400 /dev/urandom | od -An -tx1 "
	    "| tr -d ' \\n') big; chmod 4751 small; chown 123:456 big; "
	    "touch -d '2001-02-03 04:05:06' d/sub/x", srcdir);
}

/* Once, before the cases (cunit_tap runs suite hooks around each case). */
static int
setup(void)
{
	struct vfs_config vc;
	size_t i;

	snprintf(workdir, sizeof(workdir), "%s/ext2fs-unit-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(workdir) == NULL)
		return -1;
	snprintf(srcdir, sizeof(srcdir), "%s/src", workdir);
	mkdir(srcdir, 0755);
	make_tree();
	for (i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		snprintf(images[i].path, sizeof(images[i].path), "%s/%s.img",
		    workdir, images[i].name);
		/* e2fsck -D turns every multi-block directory into an htree */
		images[i].ok = sh("mke2fs -q -F %s -d '%s' '%s' 4M "
		    ">/dev/null 2>&1", images[i].mkfs, srcdir,
		    images[i].path) == 0;
		if (images[i].debugfs[0] != '\0')
			(void)sh("printf '%s\\n' | debugfs -w -f /dev/stdin "
			    "'%s' >/dev/null 2>&1", images[i].debugfs,
			    images[i].path);
		(void)sh("e2fsck -fyD '%s' >/dev/null 2>&1", images[i].path);
	}
	memset(&vc, 0, sizeof(vc));
	return vfs_init(&vc) == 0 ? 0 : -1;
}

static int
teardown(void)
{
	vfs_shutdown();
	sh("rm -rf '%s'", workdir);
	return 0;
}

/* ---- comparing with the source tree ---- */

struct names {
	char	(*v)[256];
	enum vtype *t;		/* the type readdir gave */
	size_t	n, max;
	size_t	batch;		/* left in this call, or SIZE_MAX */
};

static int
names_fill(void *arg, const char *name, size_t len, uint64_t ino,
    enum vtype type, uint64_t next)
{
	struct names *ns = arg;

	(void)ino;
	(void)next;
	if (ns->batch == 0)
		return 1;
	if (ns->n == ns->max) {
		ns->max = ns->max ? 2 * ns->max : 64;
		ns->v = realloc(ns->v, ns->max * sizeof(*ns->v));
		ns->t = realloc(ns->t, ns->max * sizeof(*ns->t));
	}
	ns->t[ns->n] = type;
	memcpy(ns->v[ns->n], name, len);
	ns->v[ns->n][len] = '\0';
	ns->n++;
	if (ns->batch != SIZE_MAX)
		ns->batch--;
	return 0;
}

static int
list_dir(const char *path, struct names *ns)
{
	int fd, error;
	size_t before;

	memset(ns, 0, sizeof(*ns));
	if ((error = vfs_sys_open(path, O_RDONLY | O_DIRECTORY, 0, &fd)) != 0)
		return error;
	do {
		before = ns->n;
		ns->batch = 7;
		error = vfs_sys_getdents(fd, names_fill, ns);
	} while (error == 0 && ns->n != before && ns->n < 100000);
	vfs_sys_close(fd);
	return error;
}

static int
read_all(const char *path, char **bufp, size_t *lenp)
{
	size_t cap = 65536, len = 0, done;
	char *buf = malloc(cap);
	int fd, error;

	if ((error = vfs_sys_open(path, O_RDONLY, 0, &fd)) != 0) {
		free(buf);
		return error;
	}
	for (;;) {
		if (len == cap)
			buf = realloc(buf, cap *= 2);
		error = vfs_sys_read(fd, buf + len, cap - len, &done);
		if (error || done == 0)
			break;
		len += done;
	}
	vfs_sys_close(fd);
	*bufp = buf;
	*lenp = len;
	return error;
}

static void
compare_file(const char *kpath, const char *hpath, const struct stat *hst)
{
	char *kbuf, *hbuf;
	size_t klen;
	FILE *f;

	CU_ASSERT_EQUAL_FATAL(read_all(kpath, &kbuf, &klen), 0);
	CU_ASSERT_EQUAL(klen, (size_t)hst->st_size);
	hbuf = malloc(klen + 1);
	f = fopen(hpath, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fread(hbuf, 1, klen, f), klen);
	fclose(f);
	CU_ASSERT(memcmp(kbuf, hbuf, klen) == 0);
	free(kbuf);
	free(hbuf);
}

static void
compare_xattrs(const char *kpath, const char *hpath)
{
	char kl[4096], hl[4096], kv[4096], hv[4096], *p;
	size_t klen, kvlen;
	ssize_t hlen, hvlen;

	hlen = llistxattr(hpath, hl, sizeof(hl));
	CU_ASSERT_EQUAL_FATAL(vfs_sys_listxattr(kpath, kl, sizeof(kl), &klen,
	    AT_SYMLINK_NOFOLLOW), 0);
	CU_ASSERT_EQUAL(klen, (size_t)(hlen < 0 ? 0 : hlen));
	for (p = hl; hlen > 0 && p < hl + hlen; p += strlen(p) + 1) {
		hvlen = lgetxattr(hpath, p, hv, sizeof(hv));
		CU_ASSERT_EQUAL(vfs_sys_getxattr(kpath, p, kv, sizeof(kv),
		    &kvlen, AT_SYMLINK_NOFOLLOW), 0);
		CU_ASSERT_EQUAL(kvlen, (size_t)hvlen);
		CU_ASSERT(memcmp(kv, hv, kvlen) == 0);
	}
}

/* Compare the kernel's tree at KPATH with the host's at HPATH. */
static void
compare_tree(const char *kpath, const char *hpath, int depth)
{
	char kc[1024], hc[1024], kt[4096], ht[4096];
	struct names ns;
	struct stat hst;
	struct vattr va;
	size_t i, tlen;
	ssize_t hlen;

	CU_ASSERT_FATAL(depth < 20);
	CU_ASSERT_EQUAL_FATAL(list_dir(kpath, &ns), 0);
	for (i = 0; i < ns.n; i++) {
		if (strcmp(ns.v[i], ".") == 0 || strcmp(ns.v[i], "..") == 0 ||
		    (depth == 0 && strcmp(ns.v[i], "lost+found") == 0))
			continue;
		snprintf(kc, sizeof(kc), "%s/%s", kpath, ns.v[i]);
		snprintf(hc, sizeof(hc), "%s/%s", hpath, ns.v[i]);
		CU_ASSERT_EQUAL_FATAL(lstat(hc, &hst), 0);
		CU_ASSERT_EQUAL_FATAL(vfs_sys_lstat(kc, &va), 0);
		CU_ASSERT_EQUAL(va.va_type, ns.t[i]);
		CU_ASSERT_EQUAL(va.va_mode, hst.st_mode & 07777);
		CU_ASSERT_EQUAL(va.va_uid, hst.st_uid);
		CU_ASSERT_EQUAL(va.va_gid, hst.st_gid);
		CU_ASSERT_EQUAL(va.va_mtime.tv_sec, hst.st_mtim.tv_sec);
		CU_ASSERT_EQUAL(va.va_nlink, hst.st_nlink);
		if (S_ISREG(hst.st_mode)) {
			CU_ASSERT_EQUAL(va.va_type, VREG);
			CU_ASSERT_EQUAL(va.va_size, (uint64_t)hst.st_size);
			compare_file(kc, hc, &hst);
			compare_xattrs(kc, hc);
		} else if (S_ISDIR(hst.st_mode)) {
			CU_ASSERT_EQUAL(va.va_type, VDIR);
			compare_tree(kc, hc, depth + 1);
		} else if (S_ISLNK(hst.st_mode)) {
			CU_ASSERT_EQUAL(va.va_type, VLNK);
			hlen = readlink(hc, ht, sizeof(ht));
			CU_ASSERT_EQUAL(vfs_sys_readlink(kc, kt, sizeof(kt),
			    &tlen), 0);
			CU_ASSERT_EQUAL(tlen, (size_t)hlen);
			CU_ASSERT(memcmp(kt, ht, tlen) == 0);
		} else if (S_ISFIFO(hst.st_mode))
			CU_ASSERT_EQUAL(va.va_type, VFIFO);
	}
	free(ns.v);
	free(ns.t);
}

static void
test_trees(void)
{
	struct vattr va, va2;
	char errbuf[256];
	struct mount *mp;
	size_t i;
	int error;

	for (i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		CU_ASSERT_FATAL(images[i].ok);
		error = vfs_mount("ext4", images[i].path, "/t", "ro", &mp,
		    errbuf, sizeof(errbuf));
		CU_ASSERT_EQUAL_FATAL(error, 0);
		compare_tree("/t", srcdir, 0);
		/* ".." and "." live in block 0 of hashed directories */
		CU_ASSERT_EQUAL(vfs_sys_lstat("/t/many/..", &va), 0);
		CU_ASSERT_EQUAL(va.va_fileid, 2);
		CU_ASSERT_EQUAL(vfs_sys_lstat("/t/d", &va), 0);
		CU_ASSERT_EQUAL(vfs_sys_lstat("/t/d/sub/..", &va2), 0);
		CU_ASSERT_EQUAL(va.va_fileid, va2.va_fileid);
		CU_ASSERT_EQUAL(vfs_sys_lstat("/t/many/.", &va2), 0);
		CU_ASSERT_EQUAL(vfs_sys_lstat("/t/many/nonexistent", &va2),
		    ENOENT);
		CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	}
}

/* The driver writes now: an explicit rw mount comes up read-write. */
static void
test_rw_mount(void)
{
	char errbuf[256];
	struct mount *mp;

	CU_ASSERT_EQUAL_FATAL(vfs_mount("ext2fs", images[1].path, "/t", "rw",
	    &mp, errbuf, sizeof(errbuf)), 0);
	CU_ASSERT_FALSE(vfs_mount_rdonly(mp));
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

static void
test_statvfs(void)
{
	struct vfs_statvfs sv;
	char errbuf[256];
	struct mount *mp;

	CU_ASSERT_EQUAL_FATAL(vfs_mount("auto", images[1].path, "/t", "ro",
	    &mp, errbuf, sizeof(errbuf)), 0);
	CU_ASSERT_STRING_EQUAL(vfs_mount_fstype(mp), "ext2fs");
	CU_ASSERT_EQUAL(vfs_sys_statvfs("/t", &sv), 0);
	CU_ASSERT_EQUAL(sv.f_bsize, 4096);
	CU_ASSERT(sv.f_blocks > 0 && sv.f_blocks <= 1024);
	CU_ASSERT(sv.f_bfree <= sv.f_blocks);
	CU_ASSERT(sv.f_ffree < sv.f_files);
	CU_ASSERT_EQUAL(sv.f_namemax, 255);
	CU_ASSERT(sv.f_flag & VFS_ST_RDONLY);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

/* Does the host file FD read as zeros in [OFF, OFF+LEN)? */
static bool
zeros(int fd, int64_t off, uint64_t len)
{
	char buf[4096];
	ssize_t n, i;

	while (len > 0) {
		n = pread(fd, buf, len < sizeof(buf) ? len : sizeof(buf), off);
		if (n <= 0)
			return false;
		for (i = 0; i < n; i++)
			if (buf[i] != 0)
				return false;
		off += n;
		len -= (uint64_t)n;
	}
	return true;
}

static void
test_seek(void)
{
	char errbuf[256], hp[512];
	struct mount *mp;
	uint64_t koff;
	int fd, hfd, whence, error;
	size_t i;
	int64_t off;
	bool ok;

	snprintf(hp, sizeof(hp), "%s/sparse", srcdir);
	for (i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(vfs_mount("ext4", images[i].path, "/t",
		    "ro", &mp, errbuf, sizeof(errbuf)), 0);
		CU_ASSERT_EQUAL_FATAL(vfs_sys_open("/t/sparse", O_RDONLY, 0,
		    &fd), 0);
		hfd = open(hp, O_RDONLY);
		/*
		 * The image's block size differs from the host's, so the
		 * answers may differ; check them against the contents:
		 * [off, SEEK_DATA) reads as zeros (all of [off, EOF) on
		 * ENXIO), and SEEK_HOLE lands on zeros or at EOF.
		 */
		for (off = 0; off < 1000000; off += 4093)
			for (whence = SEEK_DATA; whence <= SEEK_HOLE;
			    whence++) {
				error = vfs_sys_lseek(fd, off, whence, &koff);
				if (error == ENXIO && whence == SEEK_DATA)
					koff = 1000000;
				else if (error != 0 || koff < (uint64_t)off ||
				    koff > 1000000) {
					CU_FAIL("lseek result out of range");
					continue;
				}
				if (whence == SEEK_DATA)
					ok = zeros(hfd, off, koff - off);
				else
					ok = koff == 1000000 ||
					    zeros(hfd, koff, 1);
				if (!ok)
					printf("# %s: lseek(%lld, %d) = "
					    "%d/%llu\n",
					    images[i].name, (long long)off,
					    whence, error,
					    (unsigned long long)koff);
				CU_ASSERT(ok);
			}
		close(hfd);
		vfs_sys_close(fd);
		CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	}
}

/* Each cookie resumes right after the entry it was handed out with. */
struct cookies {
	uint64_t	next[400];
	char		name[400][64];
	size_t		n;
	size_t		limit;
};

static int
cookie_fill(void *arg, const char *name, size_t len, uint64_t ino,
    enum vtype type, uint64_t next)
{
	struct cookies *c = arg;

	(void)ino;
	(void)type;
	if (c->n == c->limit || c->n == 400 || len >= 64)
		return 1;
	memcpy(c->name[c->n], name, len);
	c->name[c->n][len] = '\0';
	c->next[c->n++] = next;
	return 0;
}

static void
test_cookies(void)
{
	struct cookies *all = calloc(1, sizeof(*all)), *one;
	struct vnode *root, *dvp;
	char errbuf[256];
	struct mount *mp;
	uint64_t cookie;
	size_t i;

	one = calloc(1, sizeof(*one));
	CU_ASSERT_EQUAL_FATAL(vfs_mount("ext4", images[0].path, "/t", "ro",
	    &mp, errbuf, sizeof(errbuf)), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_pub_root(mp, &root), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_pub_lookup(root, "many", &dvp), 0);
	cookie = 0;
	all->limit = 400;
	CU_ASSERT_EQUAL(vfs_pub_readdir(dvp, &cookie, cookie_fill, all), 0);
	CU_ASSERT_EQUAL(all->n, 342);
	for (i = 0; i + 1 < all->n; i++) {
		memset(one, 0, sizeof(*one));
		one->limit = 1;
		cookie = all->next[i];
		CU_ASSERT_EQUAL(vfs_pub_readdir(dvp, &cookie, cookie_fill,
		    one), 0);
		CU_ASSERT_EQUAL(one->n, 1);
		CU_ASSERT_STRING_EQUAL(one->name[0], all->name[i + 1]);
		CU_ASSERT_EQUAL(cookie, all->next[i + 1]);
	}
	vfs_pub_vrele(dvp);
	vfs_pub_vrele(root);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	free(all);
	free(one);
}

static void
test_bmap(void)
{
	struct vnode *root, *vp;
	char errbuf[256], *buf;
	uint64_t devoff, run, off;
	struct mount *mp;
	size_t len, i;
	char blk[8192];
	int hostfd, error;

	for (i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(vfs_mount("ext4", images[i].path, "/t",
		    "ro", &mp, errbuf, sizeof(errbuf)), 0);
		CU_ASSERT_EQUAL_FATAL(read_all("/t/big", &buf, &len), 0);
		CU_ASSERT_EQUAL_FATAL(vfs_pub_root(mp, &root), 0);
		CU_ASSERT_EQUAL_FATAL(vfs_pub_lookup(root, "big", &vp), 0);
		for (off = 0; off < len; off += run) {
			error = vfs_pub_bmap(vp, off, &hostfd, &devoff, &run);
			if (error == EOPNOTSUPP)
				break;
			CU_ASSERT_EQUAL_FATAL(error, 0);
			CU_ASSERT_FATAL(run > 0 && run <= len - off);
			run = run > sizeof(blk) ? sizeof(blk) : run;
			CU_ASSERT_EQUAL(pread(hostfd, blk, run, (off_t)devoff),
			    (ssize_t)run);
			CU_ASSERT(memcmp(blk, buf + off, run) == 0);
		}
		free(buf);
		vfs_pub_vrele(vp);
		vfs_pub_vrele(root);
		CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	}
}

/* ---- fuzzing ---- */

static uint64_t rng = 0x2545F4914F6CDD1DULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned fuzz_ops;
static unsigned fuzz_iters = 80;	/* per image; EXT2FS_FUZZ_ITERS */

/* Walk everything under PATH; every error is allowed, nothing else. */
static void
fuzz_walk(const char *path, int depth)
{
	char c[1024], buf[8192], xl[4096];
	struct names ns;
	struct vattr va;
	size_t i, n, len;
	uint64_t off;
	int fd;

	memset(&ns, 0, sizeof(ns));
	if (depth > 12 || list_dir(path, &ns) != 0) {
		free(ns.v);
		free(ns.t);
		return;
	}
	for (i = 0; i < ns.n && i < 2000; i++) {
		if (strcmp(ns.v[i], ".") == 0 || strcmp(ns.v[i], "..") == 0)
			continue;
		snprintf(c, sizeof(c), "%s/%s", path, ns.v[i]);
		fuzz_ops++;
		if (vfs_sys_lstat(c, &va) != 0)
			continue;
		(void)vfs_sys_listxattr(c, xl, sizeof(xl), &len,
		    AT_SYMLINK_NOFOLLOW);
		(void)vfs_sys_getxattr(c, "user.a", buf, sizeof(buf), &len,
		    AT_SYMLINK_NOFOLLOW);
		(void)vfs_sys_getxattr(c, "system.posix_acl_access", buf,
		    sizeof(buf), &len, AT_SYMLINK_NOFOLLOW);
		if (va.va_type == VDIR)
			fuzz_walk(c, depth + 1);
		else if (va.va_type == VLNK)
			(void)vfs_sys_readlink(c, buf, sizeof(buf), &len);
		else if (va.va_type == VREG &&
		    vfs_sys_open(c, O_RDONLY, 0, &fd) == 0) {
			for (off = 0, n = 0; n < 64; n++, off += sizeof(buf))
				if (vfs_sys_read(fd, buf, sizeof(buf), &len) !=
				    0 || len == 0)
					break;
			(void)vfs_sys_lseek(fd, 0, SEEK_HOLE, &off);
			(void)vfs_sys_lseek(fd, 0, SEEK_DATA, &off);
			vfs_sys_close(fd);
		}
	}
	free(ns.v);
	free(ns.t);
}

static void
test_fuzz(void)
{
	unsigned iter, mounted = 0, k, nflip;
	struct vfs_statvfs sv;
	char errbuf[256];
	struct mount *mp;
	uint8_t *base, *img;
	size_t i, len;
	FILE *f;
	int error;

	for (i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		f = fopen(images[i].path, "rb");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fseek(f, 0, SEEK_END);
		len = (size_t)ftell(f);
		fseek(f, 0, SEEK_SET);
		base = malloc(len);
		img = malloc(len);
		CU_ASSERT_EQUAL_FATAL(fread(base, 1, len, f), len);
		fclose(f);
		for (iter = 0; iter < fuzz_iters; iter++) {
			memcpy(img, base, len);
			nflip = 1 + (unsigned)(rnd() % 6);
			for (k = 0; k < nflip; k++) {
				/* mostly metadata: the superblock, then the
				 * first 256 KiB (descriptors, bitmaps, inode
				 * tables, directories) */
				size_t at = rnd() % 10 == 0 ?
				    1024 + rnd() % 1024 : (rnd() % 8) ?
				    rnd() % 262144 : rnd() % len;
				img[at] ^= (uint8_t)(1 + rnd() % 255);
			}
			if (getenv("EXT2FS_FUZZ_VERBOSE") != NULL)
				fprintf(stderr, "fuzz %s %u\n", images[i].name,
				    iter);
			error = vfs_mount_mem("ext2fs", img, len, len, "/f",
			    "ro", &mp, errbuf, sizeof(errbuf));
			if (error != 0)
				continue;
			mounted++;
			(void)vfs_sys_statvfs("/f", &sv);
			fuzz_walk("/f", 0);
			CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
		}
		free(base);
		free(img);
	}
	printf("# fuzz: %u of %zu mounts succeeded, %u entries visited\n",
	    mounted, fuzz_iters * sizeof(images) / sizeof(images[0]), fuzz_ops);
	CU_ASSERT(mounted > 0);
}

int
main(void)
{
	CU_pSuite s;
	int status;

	if (getuid() != 0 || system("command -v mke2fs >/dev/null") != 0) {
		printf("1..0 # SKIP needs root and mke2fs\n");
		return 0;
	}
	if (getenv("EXT2FS_FUZZ_ITERS") != NULL)
		fuzz_iters = (unsigned)atoi(getenv("EXT2FS_FUZZ_ITERS"));
	if (setup() != 0) {
		printf("1..0 # SKIP cannot make the images or start the "
		    "kernel\n");
		return 0;
	}
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ext2fs", NULL, NULL);
	CU_add_test(s, "trees equal the source", test_trees);
	CU_add_test(s, "read-write mount", test_rw_mount);
	CU_add_test(s, "statvfs and auto probe", test_statvfs);
	CU_add_test(s, "SEEK_DATA and SEEK_HOLE", test_seek);
	CU_add_test(s, "readdir cookies resume", test_cookies);
	CU_add_test(s, "bmap runs hold the file's bytes", test_bmap);
	CU_add_test(s, "fuzzed images give clean errors", test_fuzz);
	status = cunit_tap_run();
	CU_cleanup_registry();
	teardown();
	return status;
}
