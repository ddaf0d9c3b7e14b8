/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_util.c -- helpers behind the conformance macros of conf.h: whole
 * file put/get/compare, pattern data, directory listings, time checks.
 * Every helper that can fail records "file:line" of its caller through
 * conf_fail() and returns false; the macro then returns from the case.
 */
#include <stdlib.h>
#include <time.h>

#include "conf.h"

bool
conf_memeq(struct conf_ctx *t, const char *file, int line, const char *what,
    const void *got, const void *want, size_t len)
{
	const uint8_t *g = got, *w = want;
	size_t i;

	for (i = 0; i < len; i++)
		if (g[i] != w[i])
			break;
	if (i == len)
		return true;
	conf_fail(t, file, line, "%s: byte %zu of %zu: expected 0x%02x got 0x%02x",
	    what, i, len, w[i], g[i]);
	return false;
}

bool
conf_pwrite_all(struct conf_ctx *t, const char *file, int line, int fd,
    const void *buf, size_t len, uint64_t off)
{
	size_t done, total = 0;
	int error;

	while (total < len) {
		error = vfs_sys_pwrite(fd, (const char *)buf + total,
		    len - total, off + total, &done);
		if (error != 0) {
			conf_fail(t, file, line,
			    "pwrite(%zu bytes at %llu): expected 0 got %s",
			    len - total, (unsigned long long)(off + total),
			    conf_errname(error));
			return false;
		}
		if (done == 0) {
			conf_fail(t, file, line,
			    "pwrite at %llu wrote 0 bytes",
			    (unsigned long long)(off + total));
			return false;
		}
		total += done;
	}
	return true;
}

bool
conf_pread_all(struct conf_ctx *t, const char *file, int line, int fd,
    void *buf, size_t len, uint64_t off, size_t *donep)
{
	size_t done, total = 0;
	int error;

	while (total < len) {
		error = vfs_sys_pread(fd, (char *)buf + total, len - total,
		    off + total, &done);
		if (error != 0) {
			conf_fail(t, file, line,
			    "pread(%zu bytes at %llu): expected 0 got %s",
			    len - total, (unsigned long long)(off + total),
			    conf_errname(error));
			return false;
		}
		if (done == 0)
			break;
		total += done;
	}
	*donep = total;
	return true;
}

bool
conf_put(struct conf_ctx *t, const char *file, int line, const char *path,
    const void *buf, size_t len)
{
	int error, fd;
	bool ok;

	error = vfs_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644, &fd);
	if (error != 0) {
		conf_fail(t, file, line, "open(%s, O_CREAT): expected 0 got %s",
		    path, conf_errname(error));
		return false;
	}
	ok = conf_pwrite_all(t, file, line, fd, buf, len, 0);
	error = vfs_sys_close(fd);
	if (ok && error != 0) {
		conf_fail(t, file, line, "close(%s): expected 0 got %s", path,
		    conf_errname(error));
		ok = false;
	}
	return ok;
}

bool
conf_get(struct conf_ctx *t, const char *file, int line, const char *path,
    char **bufp, size_t *lenp)
{
	struct vattr va;
	char *buf;
	size_t done;
	int error, fd;
	bool ok;

	error = vfs_sys_open(path, O_RDONLY, 0, &fd);
	if (error != 0) {
		conf_fail(t, file, line, "open(%s): expected 0 got %s", path,
		    conf_errname(error));
		return false;
	}
	error = vfs_sys_fstat(fd, &va);
	if (error != 0) {
		conf_fail(t, file, line, "fstat(%s): expected 0 got %s", path,
		    conf_errname(error));
		vfs_sys_close(fd);
		return false;
	}
	buf = conf_alloc(t, va.va_size + 2);
	/* Read one byte more than the size says, to see EOF is there. */
	ok = conf_pread_all(t, file, line, fd, buf, va.va_size + 1, 0, &done);
	vfs_sys_close(fd);
	if (!ok)
		return false;
	if (done != va.va_size) {
		conf_fail(t, file, line, "read(%s): expected %llu bytes got %zu",
		    path, (unsigned long long)va.va_size, done);
		return false;
	}
	buf[done] = '\0';
	*bufp = buf;
	*lenp = done;
	return true;
}

bool
conf_expect(struct conf_ctx *t, const char *file, int line, const char *path,
    const void *want, size_t len)
{
	char *buf;
	size_t got;

	if (!conf_get(t, file, line, path, &buf, &got))
		return false;
	if (got != len) {
		conf_fail(t, file, line, "%s: expected %zu bytes got %zu", path,
		    len, got);
		return false;
	}
	return conf_memeq(t, file, line, path, buf, want, len);
}

uint8_t
conf_pat(uint64_t seed, uint64_t off)
{
	uint64_t x = off + seed * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (uint8_t)x;
}

void
conf_fill(void *buf, size_t len, uint64_t seed, uint64_t off)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = conf_pat(seed, off + i);
}

bool
conf_write_pat(struct conf_ctx *t, const char *file, int line, int fd,
    uint64_t seed, uint64_t off, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	bool ok;

	if (buf == NULL)
		abort();
	conf_fill(buf, len, seed, off);
	ok = conf_pwrite_all(t, file, line, fd, buf, len, off);
	free(buf);
	return ok;
}

static bool
check_range(struct conf_ctx *t, const char *file, int line, int fd,
    bool zero, uint64_t seed, uint64_t off, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	size_t done, i;
	uint8_t want;
	bool ok;

	if (buf == NULL)
		abort();
	ok = conf_pread_all(t, file, line, fd, buf, len, off, &done);
	if (ok && done != len) {
		conf_fail(t, file, line,
		    "read %zu bytes at %llu: got only %zu", len,
		    (unsigned long long)off, done);
		ok = false;
	}
	for (i = 0; ok && i < len; i++) {
		want = zero ? 0 : conf_pat(seed, off + i);
		if (buf[i] != want) {
			conf_fail(t, file, line,
			    "byte at offset %llu: expected 0x%02x got 0x%02x%s",
			    (unsigned long long)(off + i), want, buf[i],
			    zero ? " (hole/extension must read zeros)" : "");
			ok = false;
		}
	}
	free(buf);
	return ok;
}

bool
conf_check_pat(struct conf_ctx *t, const char *file, int line, int fd,
    uint64_t seed, uint64_t off, size_t len)
{
	return check_range(t, file, line, fd, false, seed, off, len);
}

bool
conf_check_zero(struct conf_ctx *t, const char *file, int line, int fd,
    uint64_t off, size_t len)
{
	return check_range(t, file, line, fd, true, 0, off, len);
}

/* ---- directory listings ---- */

struct list_state {
	struct conf_dirlist *dl;
	size_t	cap;
	size_t	batch;		/* entries left in this getdents call */
	bool	limited;
	bool	oom;
};

static int
list_fill(void *arg, const char *name, size_t namelen, uint64_t ino,
    enum vtype type, uint64_t nextcookie)
{
	struct list_state *ls = arg;
	struct conf_dirlist *dl = ls->dl;
	struct conf_dirent *n;

	(void)nextcookie;
	if (ls->limited && ls->batch == 0)
		return 1;
	if (dl->n == ls->cap) {
		ls->cap = ls->cap ? 2 * ls->cap : 64;
		n = realloc(dl->ents, ls->cap * sizeof(*n));
		if (n == NULL) {
			ls->oom = true;
			return 1;
		}
		dl->ents = n;
	}
	dl->ents[dl->n].name = malloc(namelen + 1);
	if (dl->ents[dl->n].name == NULL) {
		ls->oom = true;
		return 1;
	}
	memcpy(dl->ents[dl->n].name, name, namelen);
	dl->ents[dl->n].name[namelen] = '\0';
	dl->ents[dl->n].ino = ino;
	dl->ents[dl->n].type = type;
	dl->n++;
	if (ls->limited)
		ls->batch--;
	return 0;
}

static int
dirent_cmp(const void *a, const void *b)
{
	const struct conf_dirent *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Move the malloc'd listing into conf_alloc'd memory. */
static void
list_adopt(struct conf_ctx *t, struct conf_dirlist *dl)
{
	struct conf_dirent *e;
	size_t i;

	e = conf_alloc(t, (dl->n + 1) * sizeof(*e));
	for (i = 0; i < dl->n; i++) {
		e[i] = dl->ents[i];
		e[i].name = conf_strdup(t, dl->ents[i].name);
		free(dl->ents[i].name);
	}
	free(dl->ents);
	dl->ents = e;
}

bool
conf_list(struct conf_ctx *t, const char *file, int line, const char *path,
    size_t batch, struct conf_dirlist *dl)
{
	struct list_state ls;
	struct conf_dirent *sorted;
	size_t before, i;
	int error, fd, rounds;
	bool ok = true;

	memset(dl, 0, sizeof(*dl));
	memset(&ls, 0, sizeof(ls));
	ls.dl = dl;
	ls.limited = batch != 0;
	error = vfs_sys_open(path, O_RDONLY | O_DIRECTORY, 0, &fd);
	if (error != 0) {
		conf_fail(t, file, line, "open(%s, O_DIRECTORY): expected 0 got %s",
		    path, conf_errname(error));
		return false;
	}
	for (rounds = 0; ; rounds++) {
		before = dl->n;
		ls.batch = batch;
		error = vfs_sys_getdents(fd, list_fill, &ls);
		if (error != 0 || ls.oom) {
			conf_fail(t, file, line, "getdents(%s): expected 0 got %s",
			    path, ls.oom ? "out of memory" : conf_errname(error));
			ok = false;
			break;
		}
		if (dl->n == before)
			break;
		if (rounds > 10000000) {
			conf_fail(t, file, line, "getdents(%s) never ends", path);
			ok = false;
			break;
		}
	}
	error = vfs_sys_close(fd);
	if (ok && error != 0) {
		conf_fail(t, file, line, "close(%s): expected 0 got %s", path,
		    conf_errname(error));
		ok = false;
	}
	list_adopt(t, dl);
	if (!ok)
		return false;
	/* Every name exactly once. */
	sorted = conf_alloc(t, (dl->n + 1) * sizeof(*sorted));
	memcpy(sorted, dl->ents, dl->n * sizeof(*sorted));
	qsort(sorted, dl->n, sizeof(*sorted), dirent_cmp);
	for (i = 1; i < dl->n; i++)
		if (strcmp(sorted[i - 1].name, sorted[i].name) == 0) {
			conf_fail(t, file, line, "readdir(%s): \"%s\" returned twice",
			    path, sorted[i].name);
			return false;
		}
	return true;
}

const struct conf_dirent *
conf_dl_find(const struct conf_dirlist *dl, const char *name)
{
	size_t i;

	for (i = 0; i < dl->n; i++)
		if (strcmp(dl->ents[i].name, name) == 0)
			return &dl->ents[i];
	return NULL;
}

bool
conf_expect_names(struct conf_ctx *t, const char *file, int line,
    const char *path, const char *names)
{
	struct conf_dirlist dl;
	const char *p;
	size_t want = 2;
	bool root;

	if (!conf_list(t, file, line, path, 0, &dl))
		return false;
	if (conf_dl_find(&dl, ".") == NULL || conf_dl_find(&dl, "..") == NULL) {
		conf_fail(t, file, line, "readdir(%s): \".\" or \"..\" missing",
		    path);
		return false;
	}
	for (p = names; *p != '\0'; p += strlen(p) + 1) {
		want++;
		if (conf_dl_find(&dl, p) == NULL) {
			conf_fail(t, file, line, "readdir(%s): \"%s\" missing",
			    path, p);
			return false;
		}
	}
	/* A fresh root may hold the filesystem's own entries. */
	root = strcmp(path, CONF_MNT) == 0 || strcmp(path, CONF_MNT "/") == 0;
	if (root && t->fs->cf_rootnames != NULL)
		for (p = t->fs->cf_rootnames; *p != '\0'; p += strlen(p) + 1)
			if (conf_dl_find(&dl, p) != NULL)
				want++;
	if (dl.n != want) {
		conf_fail(t, file, line,
		    "readdir(%s): expected %zu entries got %zu", path, want,
		    dl.n);
		return false;
	}
	return true;
}

/* ---- time ---- */

void
conf_now(struct vfs_timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	ts->tv_sec = now.tv_sec;
	ts->tv_nsec = now.tv_nsec;
}

int64_t
conf_ts_diff(const struct vfs_timespec *a, const struct vfs_timespec *b)
{
	return (a->tv_sec - b->tv_sec) * 1000000000LL +
	    (a->tv_nsec - b->tv_nsec);
}

bool
conf_ts_between(struct conf_ctx *t, const char *file, int line,
    const char *what, const struct vfs_timespec *ts,
    const struct vfs_timespec *lo, const struct vfs_timespec *hi)
{
	/* Coarse filesystems round to seconds (FAT: two). */
	int64_t slack = (t->fs->cf_caps & CAP_TIMES_NS) ? 10000000LL :
	    2100000000LL;

	if (conf_ts_diff(ts, lo) >= -slack && conf_ts_diff(hi, ts) >= -slack)
		return true;
	conf_fail(t, file, line,
	    "%s: expected between %lld.%09ld and %lld.%09ld got %lld.%09ld",
	    what, (long long)lo->tv_sec, lo->tv_nsec, (long long)hi->tv_sec,
	    hi->tv_nsec, (long long)ts->tv_sec, ts->tv_nsec);
	return false;
}

void
conf_tick(struct conf_ctx *t)
{
	struct timespec d;

	if (t->fs->cf_caps & CAP_TIMES_NS) {
		d.tv_sec = 0;
		d.tv_nsec = 20000000;
	} else {
		d.tv_sec = 2;
		d.tv_nsec = 100000000;
	}
	nanosleep(&d, NULL);
}
