/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * msdosfs_testlib.h -- helpers shared by the in-process msdosfs tests
 * (test_msdosfs.c, test_msdosfs_corrupt.c): a scratch directory, images
 * made by mkfs.fat, mounting at /m through the public API, reading and
 * writing files, raw peeks at the image (BPB fields, bytes), and running
 * the independent tools (fsck.fat -n, mtools) on it.  Header-only (each
 * test is one executable).
 */
#ifndef MSDOSFS_TESTLIB_H
#define MSDOSFS_TESTLIB_H

#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cunit_tap.h"
#include "vfs_pub.h"
#include "vfs_types.h"

/* Every helper may go unused in one of the tests. */
#define TL_FN	static __attribute__((unused))

static char tl_workdir[256];

TL_FN int __attribute__((format(printf, 1, 2)))
tl_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* Run CMD and return its standard output (malloc'd, NUL-terminated). */
TL_FN char * __attribute__((format(printf, 1, 2)))
tl_output(const char *fmt, ...)
{
	char cmd[8192], *out;
	size_t len = 0, cap = 65536, n;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	out = malloc(cap);
	if ((f = popen(cmd, "r")) == NULL) {
		out[0] = '\0';
		return out;
	}
	while ((n = fread(out + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap)
			out = realloc(out, cap *= 2);
	}
	pclose(f);
	out[len] = '\0';
	return out;
}

TL_FN int
tl_setup(const char *name)
{
	struct vfs_config vc;

	snprintf(tl_workdir, sizeof(tl_workdir), "%s/%s-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", name);
	if (mkdtemp(tl_workdir) == NULL)
		return -1;
	memset(&vc, 0, sizeof(vc));
	return vfs_init(&vc) == 0 ? 0 : -1;
}

TL_FN void
tl_teardown(void)
{
	vfs_shutdown();
	tl_sh("rm -rf '%s'", tl_workdir);
}

/* A new image NAME in the work directory: SIZE (truncate) + mkfs.fat ARGS. */
TL_FN const char *
tl_mkimg(const char *name, const char *size, const char *args)
{
	static char path[8][320];
	static int next;
	char *p = path[next++ % 8];

	snprintf(p, 320, "%s/%s.img", tl_workdir, name);
	unlink(p);
	if (tl_sh("truncate -s %s '%s' && mkfs.fat %s '%s' >/dev/null 2>&1",
	    size, p, args, p) != 0)
		return NULL;
	return p;
}

TL_FN int
tl_mount(const char *img, const char *opts, struct mount **mpp)
{
	char err[256] = "";
	int error;

	error = vfs_mount("msdos", img, "/m", opts, mpp, err, sizeof(err));
	if (error != 0 && getenv("MSDOSFS_TEST_VERBOSE") != NULL)
		fprintf(stderr, "# mount %s -o %s: %d %s\n", img, opts, error,
		    err);
	return error;
}

/* fsck.fat -n finds nothing wrong (its output goes to stderr if it does). */
TL_FN bool
tl_fsck(const char *img)
{
	char *out = tl_output("fsck.fat -n '%s' 2>&1; echo \"rc=$?\"", img);
	bool ok = strstr(out, "rc=0") != NULL;

	if (!ok)
		fprintf(stderr, "# fsck.fat -n %s:\n%s", img, out);
	free(out);
	return ok;
}

TL_FN int
tl_put(const char *path, const void *buf, size_t len)
{
	size_t done;
	int fd, error;

	if ((error = vfs_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644,
	    &fd)) != 0)
		return error;
	error = len ? vfs_sys_write(fd, buf, len, &done) : 0;
	if (error == 0 && len && done != len)
		error = EIO;
	vfs_sys_close(fd);
	return error;
}

TL_FN int
tl_puts(const char *path, const char *s)
{
	return tl_put(path, s, strlen(s));
}

/* Does PATH hold exactly LEN bytes of WANT? */
TL_FN bool
tl_expect(const char *path, const void *want, size_t len)
{
	char *buf = malloc(len + 16);
	size_t done = 0, n;
	int fd;
	bool ok;

	if (vfs_sys_open(path, O_RDONLY, 0, &fd) != 0) {
		free(buf);
		return false;
	}
	while (done < len + 16 && vfs_sys_read(fd, buf + done,
	    len + 16 - done, &n) == 0 && n > 0)
		done += n;
	vfs_sys_close(fd);
	ok = done == len && memcmp(buf, want, len) == 0;
	free(buf);
	return ok;
}

TL_FN bool
tl_expects(const char *path, const char *s)
{
	return tl_expect(path, s, strlen(s));
}

/* Raw access to the image file. */
TL_FN int
tl_pread(const char *img, void *buf, size_t len, off_t off)
{
	int fd = open(img, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, buf, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

TL_FN int
tl_pwrite(const char *img, const void *buf, size_t len, off_t off)
{
	int fd = open(img, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pwrite(fd, buf, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

TL_FN int
tl_poke8(const char *img, off_t off, uint8_t v)
{
	return tl_pwrite(img, &v, 1, off);
}

TL_FN int
tl_poke16(const char *img, off_t off, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	return tl_pwrite(img, b, 2, off);
}

TL_FN int
tl_poke32(const char *img, off_t off, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	return tl_pwrite(img, b, 4, off);
}

TL_FN uint32_t
tl_le(const uint8_t *p, int n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* The geometry of the FAT volume at byte BASE of IMG. */
struct tl_geom {
	uint32_t	bps, spc, rsvd, nfats, rootents, fatsz, totsec;
	uint64_t	fatoff, rootoff, dataoff;	/* bytes */
	bool		fat32;
	uint32_t	rootcl, fsinfo;
};

TL_FN int
tl_geom(const char *img, off_t base, struct tl_geom *g)
{
	uint8_t b[512];

	if (tl_pread(img, b, sizeof(b), base) != 0)
		return -1;
	g->bps = tl_le(b + 11, 2);
	g->spc = b[13];
	g->rsvd = tl_le(b + 14, 2);
	g->nfats = b[16];
	g->rootents = tl_le(b + 17, 2);
	g->totsec = tl_le(b + 19, 2) ? tl_le(b + 19, 2) : tl_le(b + 32, 4);
	g->fatsz = tl_le(b + 22, 2);
	g->fat32 = g->fatsz == 0;
	if (g->fat32) {
		g->fatsz = tl_le(b + 36, 4);
		g->rootcl = tl_le(b + 44, 4);
		g->fsinfo = tl_le(b + 48, 2);
	}
	g->fatoff = (uint64_t)base + (uint64_t)g->rsvd * g->bps;
	g->rootoff = g->fatoff + (uint64_t)g->nfats * g->fatsz * g->bps;
	g->dataoff = g->rootoff + ((uint64_t)g->rootents * 32 + g->bps - 1) /
	    g->bps * g->bps;
	return 0;
}

/* The cluster count fsck.fat reports ("N files, a/b clusters"). */
TL_FN long
tl_fsck_clusters(const char *img)
{
	char *out = tl_output("fsck.fat -n '%s' 2>&1", img), *p;
	long used, total = -1;

	if ((p = strstr(out, " files, ")) != NULL &&
	    sscanf(p, " files, %ld/%ld clusters", &used, &total) != 2)
		total = -1;
	free(out);
	return total;
}

/* Names collected by readdir (. and .. skipped). */
struct tl_names {
	char	(*v)[1024];
	uint64_t *ino;
	size_t	n, max;
};

TL_FN int
tl_names_fill(void *arg, const char *name, size_t len, uint64_t ino,
    enum vtype type, uint64_t next)
{
	struct tl_names *ns = arg;

	(void)type;
	(void)next;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	if (ns->n == ns->max) {
		ns->max = ns->max ? 2 * ns->max : 64;
		ns->v = realloc(ns->v, ns->max * sizeof(*ns->v));
		ns->ino = realloc(ns->ino, ns->max * sizeof(*ns->ino));
	}
	if (len >= sizeof(ns->v[0]))
		len = sizeof(ns->v[0]) - 1;
	memcpy(ns->v[ns->n], name, len);
	ns->v[ns->n][len] = '\0';
	ns->ino[ns->n] = ino;
	ns->n++;
	return 0;
}

TL_FN int
tl_list(const char *path, struct tl_names *ns)
{
	int fd, error;

	memset(ns, 0, sizeof(*ns));
	if ((error = vfs_sys_open(path, O_RDONLY | O_DIRECTORY, 0, &fd)) != 0)
		return error;
	error = vfs_sys_getdents(fd, tl_names_fill, ns);
	vfs_sys_close(fd);
	return error;
}

TL_FN bool
tl_has(const struct tl_names *ns, const char *name)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], name) == 0)
			return true;
	return false;
}

TL_FN void
tl_names_free(struct tl_names *ns)
{
	free(ns->v);
	free(ns->ino);
	memset(ns, 0, sizeof(*ns));
}

TL_FN uint64_t
tl_bfree(void)
{
	struct vfs_statvfs sv;

	if (vfs_sys_statvfs("/m", &sv) != 0)
		return UINT64_MAX;
	return sv.f_bfree;
}

#endif /* MSDOSFS_TESTLIB_H */
