/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_cd9660.c -- the cd9660 driver in-process, through the kernel's
 * public API only (vfs_pub.h), no FUSE: run under the sanitizers in CI.
 *
 * Images are made at start-up from a small generated tree by xorriso
 * (Rock Ridge + Joliet; zisofs; zisofs2 with Z2 entries; two sessions),
 * genisoimage (-R -J with a tree deep enough to be relocated; Joliet
 * only; ISO level 1; ISO 9660:1999) and makefs -o rockridge.  The cases:
 *  - every Rock Ridge image mounts and its tree (types, permission bits,
 *    owners, sizes, mtimes, contents, symlink targets, device numbers)
 *    equals the source tree read through the host; hard links are one
 *    inode with the right link count; directory link counts are 2 +
 *    subdirectories;
 *  - Joliet, ISO 9660 and ISO 9660:1999 images show the expected names
 *    and contents; norock / nojoliet choose the tree;
 *  - a mount without "ro" is made read-only and writes fail with EROFS;
 *    "auto" finds cd9660; statvfs is sane;
 *  - sessions: the last by default, session=N, bad N refused;
 *  - readdir resumed from every cookie yields each entry exactly once;
 *  - VOP_BMAP runs (the splice path) hold the file's bytes in the image;
 *  - fuzzing: copies of each image with random bytes changed in the
 *    volume descriptors and directory area are mounted from memory and
 *    walked completely; only clean errors may come back (the sanitizers
 *    catch everything else).  CD9660_FUZZ_ITERS sets the count per
 *    image, CD9660_FUZZ_SEED varies the damage.
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
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cunit_tap.h"
#include "vfs_pub.h"
#include "vfs_types.h"

static char workdir[256];
static char srcdir[300];

struct image {
	const char	*name;
	const char	*cmd;		/* %1$s: image path, %2$s: source */
	bool		rock;		/* compare with the source tree */
	char		path[320];
	bool		ok;
};

static struct image images[] = {
	{ "xorriso", "xorriso -outdev %1$s -joliet on -map %2$s / -commit",
	    true, "", false },
	{ "zisofs", "xorriso -outdev %1$s -map %2$s / "
	    "-set_filter_r --zisofs / -- -commit", true, "", false },
	{ "zisofs2", "xorriso -zisofs version_2=on:susp_z2=on -outdev %1$s "
	    "-map %2$s / -set_filter_r --zisofs / -- -commit", true, "",
	    false },
	{ "genisoimage", "genisoimage -quiet -input-charset utf-8 -R -J -o "
	    "%1$s %2$s", true, "", false },
	{ "makefs", "makefs -t cd9660 -o rockridge %1$s %2$s", true, "",
	    false },
	{ "joliet", "genisoimage -quiet -input-charset utf-8 -J -o %1$s "
	    "%2$s", false, "", false },
	{ "iso1", "genisoimage -quiet -iso-level 1 -o %1$s %2$s", false, "",
	    false },
	{ "iso1999", "genisoimage -quiet -iso-level 4 -o %1$s %2$s", false,
	    "", false },
};
#define NIMAGES	(sizeof(images) / sizeof(images[0]))

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

static struct image *
image(const char *name)
{
	size_t i;

	for (i = 0; i < NIMAGES; i++)
		if (strcmp(images[i].name, name) == 0)
			return images[i].ok ? &images[i] : NULL;
	return NULL;
}

static void
make_tree(void)
{
	sh("set -e; cd '%s'; mkdir -p d/sub many t "
	    "deep/a/b/c/d/e/f/g/h/i/j; "
	    "head -c 70000 /dev/urandom > big; echo hello > small; : > empty; "
	    "head -c 2048 /dev/urandom > sector; "
	    "head -c 100 /dev/urandom > d/sub/x; echo deep > "
	    "deep/a/b/c/d/e/f/g/h/i/j/leaf; "
	    "ln -s small sl; ln -s ../small d/up; ln -s /abs/path abssl; "
	    "ln -s $(printf 'c%%0150d/c%%0150d/c%%0150d' 1 2 3) longsl; "
	    "ln small hard; ln small d/hard2; mkfifo fifo; "
	    "mknod cdev c 4 5; mknod bdev b 259 3; chmod 4755 big; "
	    "chown 1234:5678 small; chmod 0600 d/sub/x; "
	    "for i in $(seq 1 300); do echo $i > many/entry-with-a-name-$i; "
	    "done; seq 1 20000 | sed 's/^/text line /' > t/text; "
	    "touch -d @1000000000 small big; touch -h -d @1200000000 sl",
	    srcdir);
}

static bool inited;

/*
 * Runs before every case (cunit_tap): set up once; vfs_shutdown and the
 * removal of the work directory come at the end of main.
 */
static int
suite_init(void)
{
	struct vfs_config cfg;
	char cmd[512];
	size_t i;

	if (inited)
		return 0;
	inited = true;
	snprintf(workdir, sizeof(workdir), "/tmp/test-cd9660.XXXXXX");
	if (mkdtemp(workdir) == NULL)
		return 1;
	snprintf(srcdir, sizeof(srcdir), "%s/src", workdir);
	if (mkdir(srcdir, 0755) != 0)
		return 1;
	make_tree();
	for (i = 0; i < NIMAGES; i++) {
		snprintf(images[i].path, sizeof(images[i].path), "%s/%s.iso",
		    workdir, images[i].name);
		snprintf(cmd, sizeof(cmd), "%s >/dev/null 2>&1",
		    images[i].cmd);
		images[i].ok = sh(cmd, images[i].path, srcdir) == 0 &&
		    access(images[i].path, R_OK) == 0;
		if (!images[i].ok)
			printf("# cannot make image %s\n", images[i].name);
	}
	memset(&cfg, 0, sizeof(cfg));
	if (vfs_init(&cfg) != 0)
		return 1;
	vfs_pub_setcred_root();
	return 0;
}

static int
suite_clean(void)
{
	return 0;
}

static void
cleanup(void)
{
	if (!inited)
		return;
	vfs_shutdown();
	if (getenv("CD9660_KEEP") == NULL)
		sh("rm -rf '%s'", workdir);
}

static struct mount *
mnt(const struct image *im, const char *options)
{
	char errbuf[256];
	struct mount *mp = NULL;
	int error;

	error = vfs_mount("cd9660", im->path, "/t", options, &mp, errbuf,
	    sizeof(errbuf));
	if (error != 0)
		printf("# mount %s (%s): %s\n", im->name, options, errbuf);
	return mp;
}

/* ---- reading helpers ---- */

struct names {
	char	(*v)[256];
	uint64_t *ino;
	uint64_t *next;
	size_t	n, max;
	size_t	batch;		/* entries left in this call, or SIZE_MAX */
};

static int
names_fill(void *arg, const char *name, size_t len, uint64_t ino,
    enum vtype type, uint64_t next)
{
	struct names *ns = arg;

	(void)type;
	if (ns->batch == 0)
		return 1;
	if (ns->n == ns->max) {
		ns->max = ns->max ? 2 * ns->max : 64;
		ns->v = realloc(ns->v, ns->max * sizeof(*ns->v));
		ns->ino = realloc(ns->ino, ns->max * sizeof(*ns->ino));
		ns->next = realloc(ns->next, ns->max * sizeof(*ns->next));
	}
	memcpy(ns->v[ns->n], name, len);
	ns->v[ns->n][len] = '\0';
	ns->ino[ns->n] = ino;
	ns->next[ns->n] = next;
	ns->n++;
	if (ns->batch != SIZE_MAX)
		ns->batch--;
	return 0;
}

static void
names_free(struct names *ns)
{
	free(ns->v);
	free(ns->ino);
	free(ns->next);
	memset(ns, 0, sizeof(*ns));
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

static bool
has_name(const struct names *ns, const char *name)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], name) == 0)
			return true;
	return false;
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
		if (error != 0 || done == 0)
			break;
		len += done;
	}
	vfs_sys_close(fd);
	*bufp = buf;
	*lenp = len;
	return error;
}

static bool
host_read(const char *path, char **bufp, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 65536, len = 0, n;
	char *buf;

	if (f == NULL)
		return false;
	buf = malloc(cap);
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	*bufp = buf;
	*lenp = len;
	return true;
}

/* ---- the tree against the source ---- */

static enum vtype
host_vtype(mode_t m)
{
	if (S_ISREG(m))
		return VREG;
	if (S_ISDIR(m))
		return VDIR;
	if (S_ISLNK(m))
		return VLNK;
	if (S_ISCHR(m))
		return VCHR;
	if (S_ISBLK(m))
		return VBLK;
	if (S_ISFIFO(m))
		return VFIFO;
	if (S_ISSOCK(m))
		return VSOCK;
	return VNON;
}

static unsigned compared;

/* Compare kernel path KP with host path HP (recursively). */
static void
compare(const char *kp, const char *hp, const char *what)
{
	char kc[1024], hc[1024], kl[4096], hl[4096];
	char *kb = NULL, *hb = NULL;
	struct names ns;
	struct vattr va;
	struct stat st;
	size_t i, klen, hlen, nsub = 0;
	ssize_t n;

	CU_ASSERT_EQUAL_FATAL(lstat(hp, &st), 0);
	if (vfs_sys_lstat(kp, &va) != 0) {
		printf("# %s: %s: lstat failed\n", what, kp);
		CU_FAIL("lstat");
		return;
	}
	compared++;
	if (va.va_type != host_vtype(st.st_mode) ||
	    va.va_mode != (st.st_mode & 07777) || va.va_uid != st.st_uid ||
	    va.va_gid != st.st_gid) {
		printf("# %s: %s: type %d mode %o owner %u:%u, host %o %u:%u\n",
		    what, kp, va.va_type, va.va_mode, va.va_uid, va.va_gid,
		    st.st_mode, st.st_uid, st.st_gid);
		CU_FAIL("attributes");
	}
	if (!S_ISDIR(st.st_mode) && va.va_mtime.tv_sec != st.st_mtime &&
	    !S_ISLNK(st.st_mode)) {
		printf("# %s: %s: mtime %lld, host %lld\n", what, kp,
		    (long long)va.va_mtime.tv_sec, (long long)st.st_mtime);
		CU_FAIL("mtime");
	}
	if (S_ISREG(st.st_mode)) {
		CU_ASSERT_EQUAL(va.va_size, (uint64_t)st.st_size);
		CU_ASSERT_EQUAL(va.va_nlink, st.st_nlink);
		CU_ASSERT_EQUAL_FATAL(read_all(kp, &kb, &klen), 0);
		CU_ASSERT_FATAL(host_read(hp, &hb, &hlen));
		if (klen != hlen || memcmp(kb, hb, klen) != 0) {
			printf("# %s: %s: contents differ\n", what, kp);
			CU_FAIL("contents");
		}
		free(kb);
		free(hb);
	} else if (S_ISLNK(st.st_mode)) {
		n = readlink(hp, hl, sizeof(hl) - 1);
		CU_ASSERT_FATAL(n >= 0);
		CU_ASSERT_EQUAL(vfs_sys_readlink(kp, kl, sizeof(kl), &klen), 0);
		if (klen != (size_t)n || memcmp(kl, hl, klen) != 0) {
			printf("# %s: %s: target %.*s, host %.*s\n", what, kp,
			    (int)klen, kl, (int)n, hl);
			CU_FAIL("symlink");
		}
		CU_ASSERT_EQUAL(va.va_size, (uint64_t)n);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		CU_ASSERT_EQUAL(va.va_rdev, st.st_rdev);
	} else if (S_ISDIR(st.st_mode)) {
		CU_ASSERT_EQUAL_FATAL(list_dir(kp, &ns), 0);
		for (i = 0; i < ns.n; i++) {
			if (strcmp(ns.v[i], ".") == 0 ||
			    strcmp(ns.v[i], "..") == 0 ||
			    strcmp(ns.v[i], "rr_moved") == 0 ||
			    strcmp(ns.v[i], ".rr_moved") == 0)
				continue;
			snprintf(kc, sizeof(kc), "%s/%s", kp, ns.v[i]);
			snprintf(hc, sizeof(hc), "%s/%s", hp, ns.v[i]);
			if (lstat(hc, &st) != 0) {
				printf("# %s: %s: not in the source\n", what,
				    kc);
				CU_FAIL("extra name");
				continue;
			}
			if (S_ISDIR(st.st_mode))
				nsub++;
			compare(kc, hc, what);
		}
		if (strcmp(kp, "/t") != 0)
			CU_ASSERT_EQUAL(va.va_nlink, 2 + nsub);
		names_free(&ns);
	}
}

static void
test_trees(void)
{
	struct vattr a, b;
	struct mount *mp;
	size_t i;

	for (i = 0; i < NIMAGES; i++) {
		if (!images[i].rock || !images[i].ok)
			continue;
		if ((mp = mnt(&images[i], "")) == NULL) {
			CU_FAIL("mount");
			continue;
		}
		compared = 0;
		compare("/t", srcdir, images[i].name);
		CU_ASSERT(compared > 300);
		/* hard links: one inode, three names */
		CU_ASSERT_EQUAL(vfs_sys_lstat("/t/small", &a), 0);
		CU_ASSERT_EQUAL(vfs_sys_lstat("/t/d/hard2", &b), 0);
		CU_ASSERT_EQUAL(a.va_fileid, b.va_fileid);
		CU_ASSERT_EQUAL(a.va_nlink, 3);
		/* ".." of a deep (maybe relocated) directory */
		CU_ASSERT_EQUAL(vfs_sys_lstat("/t/deep/a/b/c/d/e/f/g/h", &a),
		    0);
		CU_ASSERT_EQUAL(vfs_sys_lstat("/t/deep/a/b/c/d/e/f/g/h/i/..",
		    &b), 0);
		CU_ASSERT_EQUAL(a.va_fileid, b.va_fileid);
		CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	}
}

/* Names and contents of the trees without Rock Ridge. */
static void
test_names(void)
{
	static const struct {
		const char *img, *opts, *path, *want;
	} cases[] = {
		{ "joliet", "", "/t/many/entry-with-a-name-17", "17\n" },
		{ "joliet", "", "/t/d/sub/x", NULL },
		{ "iso1", "", "/t/small", "hello\n" },
		{ "iso1", "", "/t/d/sub/x", NULL },
		{ "iso1999", "", "/t/many/entry-with-a-name-299", "299\n" },
		{ "xorriso", "norock", "/t/many/entry-with-a-name-5", "5\n" },
		{ "xorriso", "norock,nojoliet", "/t/small", "hello\n" },
		{ "genisoimage", "norock", "/t/small", "hello\n" },
		{ "genisoimage", "norock,nojoliet", "/t/deep/a/b/c/d/e/f/g",
		    NULL },
	};
	const struct image *im;
	struct mount *mp;
	struct vattr va;
	char *buf;
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if ((im = image(cases[i].img)) == NULL)
			continue;
		if ((mp = mnt(im, cases[i].opts)) == NULL) {
			CU_FAIL("mount");
			continue;
		}
		if (vfs_sys_lstat(cases[i].path, &va) != 0) {
			printf("# %s (%s): no %s\n", cases[i].img,
			    cases[i].opts, cases[i].path);
			CU_FAIL("name");
		} else if (cases[i].want != NULL) {
			CU_ASSERT_EQUAL(read_all(cases[i].path, &buf, &len), 0);
			CU_ASSERT(len == strlen(cases[i].want) &&
			    memcmp(buf, cases[i].want, len) == 0);
			CU_ASSERT_EQUAL(va.va_mode, 0555);
			CU_ASSERT_EQUAL(va.va_nlink, 1);
			free(buf);
		}
		CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	}
}

static void
test_readonly(void)
{
	const struct image *im = image("xorriso");
	struct vfs_statvfs sv;
	struct mount *mp;
	char errbuf[256];
	int fd, error;

	if (im == NULL)
		return;
	CU_ASSERT_PTR_NOT_NULL_FATAL(mp = mnt(im, ""));
	CU_ASSERT(vfs_mount_rdonly(mp));
	CU_ASSERT_EQUAL(vfs_sys_open("/t/small", O_RDWR, 0, &fd), EROFS);
	CU_ASSERT_EQUAL(vfs_sys_mkdir("/t/new", 0755), EROFS);
	CU_ASSERT_EQUAL(vfs_sys_unlink("/t/small"), EROFS);
	CU_ASSERT_EQUAL(vfs_sys_chmod("/t/small", 0600), EROFS);
	CU_ASSERT_EQUAL(vfs_sys_statvfs("/t", &sv), 0);
	CU_ASSERT(sv.f_flag & VFS_ST_RDONLY);
	CU_ASSERT_EQUAL(sv.f_bsize, 2048);
	CU_ASSERT(sv.f_blocks > 10);
	CU_ASSERT_EQUAL(sv.f_namemax, 255);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	/* Explicit "rw": refused, or (without MNT_RWEXPLICIT) read-only. */
	error = vfs_mount("cd9660", im->path, "/t", "rw", &mp, errbuf,
	    sizeof(errbuf));
	CU_ASSERT(error == EROFS || error == 0);
	if (error == 0) {
		CU_ASSERT(vfs_mount_rdonly(mp));
		CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	}
	/* "auto" finds it; the alias works. */
	CU_ASSERT_EQUAL_FATAL(vfs_mount("auto", im->path, "/t", "ro", &mp,
	    errbuf, sizeof(errbuf)), 0);
	CU_ASSERT_STRING_EQUAL(vfs_mount_fstype(mp), "cd9660");
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_mount("iso9660", im->path, "/t", "", &mp,
	    errbuf, sizeof(errbuf)), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	CU_ASSERT_EQUAL(vfs_mount("cd9660", im->path, "/t", "bogus=1", &mp,
	    errbuf, sizeof(errbuf)), EINVAL);
}

static void
test_sessions(void)
{
	char path[320], errbuf[256], src2[320];
	struct names ns;
	struct mount *mp;
	struct vattr va;

	snprintf(path, sizeof(path), "%s/ms.iso", workdir);
	snprintf(src2, sizeof(src2), "%s/src2", workdir);
	if (sh("set -e; mkdir -p %1$s; echo two > %1$s/second; "
	    "xorriso -outdev %2$s -map %3$s/d / -commit -map %1$s / -commit "
	    ">/dev/null 2>&1", src2, path, srcdir) != 0) {
		printf("# cannot make the multisession image\n");
		return;
	}
	CU_ASSERT_EQUAL_FATAL(vfs_mount("cd9660", path, "/t", "", &mp,
	    errbuf, sizeof(errbuf)), 0);
	CU_ASSERT_EQUAL(vfs_sys_lstat("/t/second", &va), 0);
	CU_ASSERT_EQUAL(vfs_sys_lstat("/t/sub/x", &va), 0);
	CU_ASSERT_EQUAL(list_dir("/t", &ns), 0);
	CU_ASSERT(has_name(&ns, "second") && has_name(&ns, "up"));
	names_free(&ns);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_mount("cd9660", path, "/t", "session=1",
	    &mp, errbuf, sizeof(errbuf)), 0);
	CU_ASSERT_EQUAL(vfs_sys_lstat("/t/second", &va), ENOENT);
	CU_ASSERT_EQUAL(vfs_sys_lstat("/t/sub/x", &va), 0);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	CU_ASSERT_EQUAL(vfs_mount("cd9660", path, "/t", "session=3", &mp,
	    errbuf, sizeof(errbuf)), EINVAL);
	CU_ASSERT_EQUAL(vfs_mount("cd9660", path, "/t", "session=0", &mp,
	    errbuf, sizeof(errbuf)), EINVAL);
}

/* Resuming from every cookie gives the rest of the listing exactly. */
static void
test_cookies(void)
{
	const struct image *im = image("xorriso");
	struct vnode *root, *dvp;
	struct names all, part;
	struct mount *mp;
	uint64_t cookie;
	size_t i, j;

	if (im == NULL)
		return;
	CU_ASSERT_PTR_NOT_NULL_FATAL(mp = mnt(im, ""));
	CU_ASSERT_EQUAL_FATAL(vfs_pub_root(mp, &root), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_pub_lookup(root, "many", &dvp), 0);
	memset(&all, 0, sizeof(all));
	all.batch = SIZE_MAX;
	cookie = 0;
	CU_ASSERT_EQUAL(vfs_pub_readdir(dvp, &cookie, names_fill, &all), 0);
	CU_ASSERT_EQUAL(all.n, 302);
	for (i = 0; i < all.n; i += 13) {
		memset(&part, 0, sizeof(part));
		part.batch = SIZE_MAX;
		cookie = i == 0 ? 0 : all.next[i - 1];
		CU_ASSERT_EQUAL(vfs_pub_readdir(dvp, &cookie, names_fill,
		    &part), 0);
		CU_ASSERT_EQUAL(part.n, all.n - i);
		for (j = 0; j < part.n && i + j < all.n; j++)
			CU_ASSERT_STRING_EQUAL(part.v[j], all.v[i + j]);
		names_free(&part);
	}
	names_free(&all);
	vfs_pub_vrele(dvp);
	vfs_pub_vrele(root);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
}

/* The splice map: the bytes at the mapped host offsets are the file's. */
static void
test_bmap(void)
{
	const struct image *im = image("xorriso");
	struct vnode *root, *vp;
	uint64_t off = 0, devoff, run;
	char *want, buf[4096];
	struct mount *mp;
	size_t wlen, n;
	int hostfd;
	char path[400];

	if (im == NULL)
		return;
	snprintf(path, sizeof(path), "%s/big", srcdir);
	CU_ASSERT_FATAL(host_read(path, &want, &wlen));
	CU_ASSERT_PTR_NOT_NULL_FATAL(mp = mnt(im, ""));
	CU_ASSERT_EQUAL_FATAL(vfs_pub_root(mp, &root), 0);
	CU_ASSERT_EQUAL_FATAL(vfs_pub_lookup(root, "big", &vp), 0);
	while (off < wlen) {
		CU_ASSERT_EQUAL_FATAL(vfs_pub_bmap(vp, off, &hostfd, &devoff,
		    &run), 0);
		CU_ASSERT_FATAL(run > 0 && run <= wlen - off);
		n = run < sizeof(buf) ? (size_t)run : sizeof(buf);
		CU_ASSERT_EQUAL_FATAL(pread(hostfd, buf, n, (off_t)devoff),
		    (ssize_t)n);
		CU_ASSERT(memcmp(buf, want + off, n) == 0);
		off += n;
	}
	vfs_pub_vrele(vp);
	/* a compressed file has no map */
	vfs_pub_vrele(root);
	CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	if ((im = image("zisofs")) != NULL &&
	    (mp = mnt(im, "")) != NULL) {
		CU_ASSERT_EQUAL_FATAL(vfs_pub_root(mp, &root), 0);
		CU_ASSERT_EQUAL_FATAL(vfs_pub_lookup(root, "t", &vp), 0);
		vfs_pub_vrele(root);
		root = vp;
		CU_ASSERT_EQUAL_FATAL(vfs_pub_lookup(root, "text", &vp), 0);
		CU_ASSERT_NOT_EQUAL(vfs_pub_bmap(vp, 0, &hostfd, &devoff,
		    &run), 0);
		vfs_pub_vrele(vp);
		vfs_pub_vrele(root);
		CU_ASSERT_EQUAL(vfs_unmount(mp, 0), 0);
	}
	free(want);
}

/* ---- fuzzing ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned fuzz_ops;
static unsigned fuzz_iters = 60;	/* per image; CD9660_FUZZ_ITERS */

/* Walk everything under PATH; every error is allowed, nothing else. */
static void
fuzz_walk(const char *path, int depth)
{
	char c[1024], buf[8192];
	struct names ns;
	struct vattr va;
	size_t i, n, len;
	int fd;

	if (depth > 20 || list_dir(path, &ns) != 0) {
		names_free(&ns);
		return;
	}
	for (i = 0; i < ns.n && i < 2000; i++) {
		if (strcmp(ns.v[i], ".") == 0 || strcmp(ns.v[i], "..") == 0)
			continue;
		snprintf(c, sizeof(c), "%s/%s", path, ns.v[i]);
		fuzz_ops++;
		if (vfs_sys_lstat(c, &va) != 0)
			continue;
		if (va.va_type == VDIR)
			fuzz_walk(c, depth + 1);
		else if (va.va_type == VLNK)
			(void)vfs_sys_readlink(c, buf, sizeof(buf), &len);
		else if (va.va_type == VREG &&
		    vfs_sys_open(c, O_RDONLY, 0, &fd) == 0) {
			for (n = 0; n < 64; n++)
				if (vfs_sys_read(fd, buf, sizeof(buf), &len) !=
				    0 || len == 0)
					break;
			vfs_sys_close(fd);
		}
	}
	names_free(&ns);
}

static void
test_fuzz(void)
{
	unsigned iter, mounted = 0, k, nflip, tried = 0;
	struct vfs_statvfs sv;
	char errbuf[256];
	struct mount *mp;
	uint8_t *base, *img;
	size_t i, len, ilen, meta, at;
	FILE *f;
	int error;

	for (i = 0; i < NIMAGES; i++) {
		if (!images[i].ok || (f = fopen(images[i].path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		len = (size_t)ftell(f);
		fseek(f, 0, SEEK_SET);
		base = malloc(len);
		img = malloc(len);
		CU_ASSERT_EQUAL_FATAL(fread(base, 1, len, f), len);
		fclose(f);
		/* descriptors, path tables and directories come first */
		meta = len - 32768 < 256 * 2048 ? len - 32768 : 256 * 2048;
		for (iter = 0; iter < fuzz_iters; iter++) {
			memcpy(img, base, len);
			nflip = 1 + (unsigned)(rnd() % 8);
			for (k = 0; k < nflip; k++) {
				at = rnd() % 8 == 0 ? 32768 + rnd() % 4096 :
				    rnd() % 8 ? 32768 + rnd() % meta :
				    rnd() % len;
				img[at] ^= (uint8_t)(1 + rnd() % 255);
			}
			/* sometimes cut the image short */
			ilen = rnd() % 10 == 0 ?
			    40960 + (size_t)(rnd() % (len - 40960)) : len;
			if (getenv("CD9660_FUZZ_VERBOSE") != NULL)
				fprintf(stderr, "fuzz %s %u\n", images[i].name,
				    iter);
			tried++;
			error = vfs_mount_mem("cd9660", img, ilen, ilen, "/f",
			    "", &mp, errbuf, sizeof(errbuf));
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
	printf("# fuzz: %u of %u mounts succeeded, %u entries visited\n",
	    mounted, tried, fuzz_ops);
	CU_ASSERT(mounted > 0);
}

int
main(void)
{
	CU_pSuite s;
	int error;

	if (getuid() != 0 || system("command -v xorriso >/dev/null && "
	    "command -v genisoimage >/dev/null") != 0) {
		printf("1..0 # SKIP needs root, xorriso and genisoimage\n");
		return 0;
	}
	if (getenv("CD9660_FUZZ_ITERS") != NULL)
		fuzz_iters = (unsigned)atoi(getenv("CD9660_FUZZ_ITERS"));
	if (getenv("CD9660_FUZZ_SEED") != NULL)
		rng ^= strtoull(getenv("CD9660_FUZZ_SEED"), NULL, 0) *
		    0x100000001b3ULL;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("cd9660", suite_init, suite_clean);
	CU_add_test(s, "Rock Ridge trees equal the source", test_trees);
	CU_add_test(s, "Joliet, ISO 9660 and 9660:1999 names", test_names);
	CU_add_test(s, "read-only medium, auto, alias, statvfs",
	    test_readonly);
	CU_add_test(s, "sessions", test_sessions);
	CU_add_test(s, "readdir cookies resume", test_cookies);
	CU_add_test(s, "bmap runs hold the file's bytes", test_bmap);
	CU_add_test(s, "fuzzed images give clean errors", test_fuzz);
	error = cunit_tap_run();
	cleanup();
	return error;
}
