/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_dir.c -- conformance cases for directories: mkdir/rmdir errors,
 * link counts, "." and "..", readdir (every entry exactly once, after
 * deletes, 5000 entries, deleting while reading, resuming at the
 * descriptor's offset, rewinding).  Exports conf_dir_cases.
 */
#include <stdlib.h>

#include "conf.h"

static void
mkdir_basic(struct conf_ctx *t)
{
	struct vattr va, root;
	int fd;

	STAT("/c", &root);
	CHECK_OK(vfs_sys_mkdir("/c/d", 0755));
	STAT("/c/d", &va);
	CHECK_EQ(va.va_type, VDIR);
	if (t->fs->cf_caps & CAP_PERMS)
		CHECK_EQ(va.va_mode & 07777, 0755);
	if (t->fs->cf_caps & CAP_DIRNLINK) {
		CHECK_EQ(va.va_nlink, 2);
		STAT("/c", &va);
		CHECK_EQ(va.va_nlink, root.va_nlink + 1);
	}
	CHECK_ERR(vfs_sys_mkdir("/c/d", 0755), EEXIST);
	PUTS("/c/f", "x");
	CHECK_ERR(vfs_sys_mkdir("/c/f", 0755), EEXIST);
	CHECK_ERR(vfs_sys_mkdir("/c/.", 0755), EEXIST);
	CHECK_ERR(vfs_sys_mkdir("/c/d/..", 0755), EEXIST);
	CHECK_ERR(vfs_sys_mkdir("/c", 0755), EEXIST);
	CHECK_ERR(vfs_sys_mkdir("/c/x/y", 0755), ENOENT);
	/* Nested, and usable. */
	MKDIR("/c/d/e");
	MKDIR("/c/d/e/f");
	PUTS("/c/d/e/f/file", "deep");
	EXPECTS("/c/d/e/f/file", "deep");
	OPEN("/c/d/e/f", O_RDONLY | O_DIRECTORY, &fd);
	CLOSE(fd);
	EXPECT_NAMES("/c/d", "e\0");
	EXPECT_NAMES("/c", "d\0f\0");
}

static void
rmdir_basic(struct conf_ctx *t)
{
	struct vattr va, root;

	STAT("/c", &root);
	MKDIR("/c/d");
	CHECK_OK(vfs_sys_rmdir("/c/d"));
	CHECK_ERR(vfs_sys_stat("/c/d", &va), ENOENT);
	CHECK_ERR(vfs_sys_rmdir("/c/d"), ENOENT);
	STAT("/c", &va);
	if (t->fs->cf_caps & CAP_DIRNLINK)
		CHECK_EQ(va.va_nlink, root.va_nlink);
	/* Non-empty: a file, then a subdirectory. */
	MKDIR("/c/d");
	PUTS("/c/d/f", "x");
	CHECK_ERR(vfs_sys_rmdir("/c/d"), ENOTEMPTY);
	CHECK_OK(vfs_sys_unlink("/c/d/f"));
	MKDIR("/c/d/sub");
	CHECK_ERR(vfs_sys_rmdir("/c/d"), ENOTEMPTY);
	CHECK_OK(vfs_sys_rmdir("/c/d/sub"));
	/* Wrong types. */
	PUTS("/c/file", "x");
	CHECK_ERR(vfs_sys_rmdir("/c/file"), ENOTDIR);
	CHECK_ERR(vfs_sys_unlink("/c/d"), EISDIR);
	/* "." and "..". */
	CHECK_ERR(vfs_sys_rmdir("/c/d/."), EINVAL);
	CHECK_ERR(vfs_sys_rmdir("/c/d/.."), ENOTEMPTY);
	CHECK_OK(vfs_sys_rmdir("/c/d/"));
	EXPECT_NAMES("/c", "file\0");
}

/* A directory's link count is 2 + its subdirectories. */
static void
nlink_dirs(struct conf_ctx *t)
{
	struct vattr va;

	MKDIR("/c/d");
	MKDIR("/c/d/a");
	MKDIR("/c/d/b");
	MKDIR("/c/d/c");
	PUTS("/c/d/file", "x");
	STAT("/c/d", &va);
	CHECK_EQ(va.va_nlink, 5);
	CHECK_OK(vfs_sys_rmdir("/c/d/b"));
	STAT("/c/d", &va);
	CHECK_EQ(va.va_nlink, 4);
	STAT("/c/d/a", &va);
	CHECK_EQ(va.va_nlink, 2);
	CHECK_OK(vfs_sys_unlink("/c/d/file"));
	STAT("/c/d", &va);
	CHECK_EQ(va.va_nlink, 4);
}

/* ".." of each level is its parent. */
static void
dotdot(struct conf_ctx *t)
{
	struct vattr root, a, b, va;

	MKDIR("/c/a");
	MKDIR("/c/a/b");
	STAT("/c", &root);
	STAT("/c/a", &a);
	STAT("/c/a/b", &b);
	STAT("/c/a/b/..", &va);
	CHECK_EQU(va.va_fileid, a.va_fileid);
	STAT("/c/a/b/../..", &va);
	CHECK_EQU(va.va_fileid, root.va_fileid);
	STAT("/c/a/./b/./../b", &va);
	CHECK_EQU(va.va_fileid, b.va_fileid);
	STAT("/c//a///b", &va);
	CHECK_EQU(va.va_fileid, b.va_fileid);
	PUTS("/c/a/b/../f", "up");
	EXPECTS("/c/a/f", "up");
}

static void
readdir_basic(struct conf_ctx *t)
{
	struct conf_dirlist dl;
	const struct conf_dirent *e;
	struct vattr root, d, f, sub;

	MKDIR("/c/w");
	MKDIR("/c/w/d");
	PUTS("/c/w/f", "x");
	MKDIR("/c/w/d/sub");
	STAT("/c/w", &root);
	STAT("/c/w/d", &d);
	STAT("/c/w/f", &f);
	STAT("/c/w/d/sub", &sub);
	LIST("/c/w", &dl);
	CHECK_EQ(dl.n, 4);
	CHECK((e = conf_dl_find(&dl, ".")) != NULL);
	CHECK_EQU(e->ino, root.va_fileid);
	CHECK_EQ(e->type, VDIR);
	CHECK((e = conf_dl_find(&dl, "..")) != NULL);
	CHECK_EQ(e->type, VDIR);
	CHECK((e = conf_dl_find(&dl, "d")) != NULL);
	CHECK_EQU(e->ino, d.va_fileid);
	CHECK_EQ(e->type, VDIR);
	CHECK((e = conf_dl_find(&dl, "f")) != NULL);
	CHECK_EQU(e->ino, f.va_fileid);
	CHECK_EQ(e->type, VREG);
	LIST("/c/w/d", &dl);
	CHECK_EQ(dl.n, 3);
	CHECK((e = conf_dl_find(&dl, "..")) != NULL);
	CHECK_EQU(e->ino, root.va_fileid);
	CHECK((e = conf_dl_find(&dl, ".")) != NULL);
	CHECK_EQU(e->ino, d.va_fileid);
	CHECK((e = conf_dl_find(&dl, "sub")) != NULL);
	CHECK_EQU(e->ino, sub.va_fileid);
	/* An empty directory has just "." and "..". */
	EXPECT_NAMES("/c/w/d/sub", "");
}

/* The root of a fresh (or seeded) filesystem lists without error. */
static void
readdir_root(struct conf_ctx *t)
{
	struct conf_dirlist dl, dl1;
	size_t i;

	LIST("/c", &dl);
	CHECK(conf_dl_find(&dl, ".") != NULL);
	CHECK(conf_dl_find(&dl, "..") != NULL);
	/* One entry per getdents call gives the same listing. */
	TRY(conf_list(t, CONF_LOC, "/c", 1, &dl1));
	CHECK_EQ(dl1.n, dl.n);
	for (i = 0; i < dl.n; i++)
		CHECK(conf_dl_find(&dl1, dl.ents[i].name) != NULL);
	if (t->fs->cf_caps & CAP_SEED) {
		CHECK(conf_dl_find(&dl, "file") != NULL);
		CHECK(conf_dl_find(&dl, "dir") != NULL);
	}
}

static void
readdir_after_delete(struct conf_ctx *t)
{
	char name[64], want[64 * 40], *w = want;
	int i;

	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "/c/file%02d", i);
		PUTS(name, "x");
	}
	for (i = 0; i < 50; i++) {
		if (i % 5 == 1 || i % 5 == 3) {
			snprintf(name, sizeof(name), "/c/file%02d", i);
			CHECK_OK(vfs_sys_unlink(name));
		} else {
			w += sprintf(w, "file%02d", i) + 1;
		}
	}
	*w = '\0';
	EXPECT_NAMES("/c", want);
	/* Refill the holes with new names. */
	for (i = 0; i < 50; i++) {
		if (i % 5 == 1 || i % 5 == 3) {
			snprintf(name, sizeof(name), "/c/new%02d", i);
			PUTS(name, "y");
			w += sprintf(w, "new%02d", i) + 1;
		}
	}
	*w = '\0';
	EXPECT_NAMES("/c", want);
}

/* 5000 entries, every name checked, listed in batches of 97. */
static void
readdir_large(struct conf_ctx *t)
{
	enum { N = 5000 };
	struct conf_dirlist dl;
	const struct conf_dirent *e;
	char name[64];
	uint8_t *seen;
	struct vattr va;
	size_t i;
	int n, fd;

	MKDIR("/c/big");
	for (n = 0; n < N; n++) {
		snprintf(name, sizeof(name), "/c/big/entry-%05d-%s", n,
		    n % 3 ? "with-a-longer-name-to-fill-blocks" : "s");
		CHECK_OK(vfs_sys_open(name, O_WRONLY | O_CREAT | O_EXCL, 0644,
		    &fd));
		CLOSE(fd);
	}
	TRY(conf_list(t, CONF_LOC, "/c/big", 97, &dl));
	CHECK_EQ(dl.n, N + 2);
	seen = conf_alloc(t, N);
	for (i = 0; i < dl.n; i++) {
		e = &dl.ents[i];
		if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
			continue;
		if (sscanf(e->name, "entry-%05d-", &n) != 1 || n < 0 || n >= N)
			FAIL("unexpected entry \"%s\"", e->name);
		snprintf(name, sizeof(name), "entry-%05d-%s", n,
		    n % 3 ? "with-a-longer-name-to-fill-blocks" : "s");
		CHECK_STR(e->name, name);
		CHECK(!seen[n]);
		seen[n] = 1;
		CHECK_EQ(e->type, VREG);
	}
	/* Lookups in the big directory, and its size is sane. */
	for (n = 0; n < N; n += 499) {
		snprintf(name, sizeof(name), "/c/big/entry-%05d-%s", n,
		    n % 3 ? "with-a-longer-name-to-fill-blocks" : "s");
		STAT(name, &va);
		CHECK_EQ(va.va_type, VREG);
	}
	/* Delete all; it is empty and removable. */
	for (n = 0; n < N; n++) {
		snprintf(name, sizeof(name), "/c/big/entry-%05d-%s", n,
		    n % 3 ? "with-a-longer-name-to-fill-blocks" : "s");
		CHECK_OK(vfs_sys_unlink(name));
	}
	EXPECT_NAMES("/c/big", "");
	CHECK_OK(vfs_sys_rmdir("/c/big"));
}

/* Collects batches of names for readdir_delete_every_other. */
struct batch {
	char	names[16][64];
	int	n;
	int	max;
};

static int
batch_fill(void *arg, const char *name, size_t namelen, uint64_t ino,
    enum vtype type, uint64_t nextcookie)
{
	struct batch *b = arg;

	(void)ino;
	(void)type;
	(void)nextcookie;
	if (b->n == b->max || namelen >= sizeof(b->names[0]))
		return 1;
	memcpy(b->names[b->n], name, namelen);
	b->names[b->n][namelen] = '\0';
	b->n++;
	return 0;
}

/*
 * Read a 1000-entry directory in batches of 7 and unlink every other
 * (even) entry right after it was returned: every survivor is returned
 * exactly once, no deleted entry twice.
 */
static void
readdir_delete_every_other(struct conf_ctx *t)
{
	enum { N = 1000 };
	struct batch b;
	char name[80];
	uint8_t *seen;
	int i, n, fd, rounds = 0;

	MKDIR("/c/d");
	for (n = 0; n < N; n++) {
		snprintf(name, sizeof(name), "/c/d/n%04d", n);
		PUTS(name, "");
	}
	seen = conf_alloc(t, N);
	OPEN("/c/d", O_RDONLY | O_DIRECTORY, &fd);
	for (;;) {
		memset(&b, 0, sizeof(b));
		b.max = 7;
		CHECK_OK(vfs_sys_getdents(fd, batch_fill, &b));
		if (b.n == 0)
			break;
		CHECK(++rounds < 10 * N);
		for (i = 0; i < b.n; i++) {
			if (strcmp(b.names[i], ".") == 0 ||
			    strcmp(b.names[i], "..") == 0)
				continue;
			if (sscanf(b.names[i], "n%04d", &n) != 1 || n < 0 ||
			    n >= N)
				FAIL("unexpected entry \"%s\"", b.names[i]);
			if (seen[n])
				FAIL("entry \"%s\" returned twice", b.names[i]);
			seen[n] = 1;
			if (n % 2 == 0) {
				snprintf(name, sizeof(name), "/c/d/%s",
				    b.names[i]);
				CHECK_OK(vfs_sys_unlink(name));
			}
		}
	}
	CLOSE(fd);
	for (n = 1; n < N; n += 2)
		if (!seen[n])
			FAIL("survivor n%04d skipped by readdir", n);
	/* Unseen even entries are still there; the odd ones all are. */
	for (n = 0; n < N; n++) {
		snprintf(name, sizeof(name), "/c/d/n%04d", n);
		if (n % 2 == 0 && seen[n])
			CHECK_ERR(vfs_sys_access(name, F_OK), ENOENT);
		else
			CHECK_OK(vfs_sys_access(name, F_OK));
	}
}

/* getdents continues at the descriptor's offset; lseek(0) rewinds. */
static void
getdents_offset(struct conf_ctx *t)
{
	struct batch b;
	char name[64], first[16][64];
	uint64_t off;
	int fd, i, total = 0, nfirst;

	MKDIR("/c/d");
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "/c/d/e%d", i);
		PUTS(name, "");
	}
	OPEN("/c/d", O_RDONLY | O_DIRECTORY, &fd);
	memset(&b, 0, sizeof(b));
	b.max = 5;
	CHECK_OK(vfs_sys_getdents(fd, batch_fill, &b));
	CHECK_EQ(b.n, 5);
	nfirst = b.n;
	memcpy(first, b.names, sizeof(first));
	total = b.n;
	for (;;) {
		memset(&b, 0, sizeof(b));
		b.max = 16;
		CHECK_OK(vfs_sys_getdents(fd, batch_fill, &b));
		if (b.n == 0)
			break;
		for (i = 0; i < b.n; i++)
			for (int j = 0; j < nfirst; j++)
				if (strcmp(b.names[i], first[j]) == 0)
					FAIL("\"%s\" returned again after the "
					    "offset", b.names[i]);
		total += b.n;
		CHECK(total <= 12);
	}
	CHECK_EQ(total, 12);
	/* At the end it stays at the end. */
	memset(&b, 0, sizeof(b));
	b.max = 16;
	CHECK_OK(vfs_sys_getdents(fd, batch_fill, &b));
	CHECK_EQ(b.n, 0);
	/* Rewind and read the first batch again. */
	CHECK_OK(vfs_sys_lseek(fd, 0, SEEK_SET, &off));
	CHECK_EQ(off, 0);
	memset(&b, 0, sizeof(b));
	b.max = 5;
	CHECK_OK(vfs_sys_getdents(fd, batch_fill, &b));
	CHECK_EQ(b.n, 5);
	for (i = 0; i < 5; i++)
		CHECK_STR(b.names[i], first[i]);
	CLOSE(fd);
	/* getdents on a file descriptor of a regular file. */
	OPEN("/c/d/e0", O_RDONLY, &fd);
	memset(&b, 0, sizeof(b));
	b.max = 16;
	CHECK_ERR(vfs_sys_getdents(fd, batch_fill, &b), ENOTDIR);
	CLOSE(fd);
	CHECK_ERR(vfs_sys_getdents(fd, batch_fill, &b), EBADF);
}

/* A removed directory still open: empty listing, no creates. */
static void
rmdir_open(struct conf_ctx *t)
{
	struct batch b;
	int fd;

	int error;

	MKDIR("/c/d");
	OPEN("/c/d", O_RDONLY | O_DIRECTORY, &fd);
	CHECK_OK(vfs_sys_rmdir("/c/d"));
	memset(&b, 0, sizeof(b));
	b.max = 16;
	/* Linux says ENOENT; an empty listing is fine too. */
	error = vfs_sys_getdents(fd, batch_fill, &b);
	CHECK(error == 0 || error == ENOENT);
	for (int i = 0; i < b.n; i++)
		CHECK(strcmp(b.names[i], ".") == 0 ||
		    strcmp(b.names[i], "..") == 0);
	CLOSE(fd);
	CHECK_ERR(vfs_sys_access("/c/d", F_OK), ENOENT);
	EXPECT_NAMES("/c", "");
}

const struct conf_case conf_dir_cases[] = {
	{ "mkdir_basic", mkdir_basic, CAP_WRITE },
	{ "rmdir_basic", rmdir_basic, CAP_WRITE },
	{ "nlink_dirs", nlink_dirs, CAP_WRITE | CAP_DIRNLINK },
	{ "dotdot", dotdot, CAP_WRITE },
	{ "readdir_basic", readdir_basic, CAP_WRITE },
	{ "readdir_root", readdir_root, 0 },
	{ "readdir_after_delete", readdir_after_delete, CAP_WRITE },
	{ "readdir_large", readdir_large, CAP_WRITE | CAP_BIGDIR },
	{ "readdir_delete_every_other", readdir_delete_every_other,
	    CAP_WRITE | CAP_BIGDIR },
	{ "getdents_offset", getdents_offset, CAP_WRITE },
	{ "rmdir_open", rmdir_open, CAP_WRITE },
	{ NULL, NULL, 0 }
};
