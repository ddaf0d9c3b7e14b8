/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_perm.c -- conformance cases for permissions, run partly as
 * unprivileged users (UID_A, UID_B): read/write/search checks, owner and
 * group classes, chmod/chown rules, sticky directories, setgid
 * directories, clearing of set-id bits, utimens and truncate rights,
 * root's execute rule.  Each case restores root before it returns on
 * success; the harness restores it after a failure.  Exports
 * conf_perm_cases.
 */
#include "conf.h"

/* A world-writable directory for the users' own files. */
#define MKPUB()								\
	do {								\
		MKDIR("/c/pub");					\
		CHECK_OK(vfs_sys_chmod("/c/pub", 0777));		\
	} while (0)

static void
perm_file_access(struct conf_ctx *t)
{
	uint32_t groups[1] = { GID_X };
	int fd;

	PUTS("/c/secret", "s");
	CHECK_OK(vfs_sys_chmod("/c/secret", 0600));
	CHECK_OK(vfs_sys_chmod("/c", 0755));
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_open("/c/secret", O_RDONLY, 0, &fd), EACCES);
	CHECK_ERR(vfs_sys_open("/c/secret", O_WRONLY, 0, &fd), EACCES);
	CHECK_ERR(vfs_sys_open("/c/secret", O_RDWR, 0, &fd), EACCES);
	CHECK_ERR(vfs_sys_access("/c/secret", R_OK), EACCES);
	CHECK_OK(vfs_sys_access("/c/secret", F_OK));
	AS_ROOT();
	/* Root reads and writes it regardless. */
	CHECK_OK(vfs_sys_open("/c/secret", O_RDWR, 0, &fd));
	CLOSE(fd);
	/* Others may read, not write. */
	CHECK_OK(vfs_sys_chmod("/c/secret", 0604));
	AS_USER(UID_A, GID_A);
	CHECK_OK(vfs_sys_open("/c/secret", O_RDONLY, 0, &fd));
	CLOSE(fd);
	CHECK_ERR(vfs_sys_open("/c/secret", O_WRONLY, 0, &fd), EACCES);
	CHECK_ERR(vfs_sys_access("/c/secret", W_OK), EACCES);
	AS_ROOT();
	/* The group class, through a supplementary group. */
	CHECK_OK(vfs_sys_chown("/c/secret", 0, GID_X, 0));
	CHECK_OK(vfs_sys_chmod("/c/secret", 0640));
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_open("/c/secret", O_RDONLY, 0, &fd), EACCES);
	vfs_pub_setcred(UID_A, GID_A, 1, groups);
	CHECK_OK(vfs_sys_open("/c/secret", O_RDONLY, 0, &fd));
	CLOSE(fd);
	CHECK_ERR(vfs_sys_access("/c/secret", W_OK), EACCES);
	/* Primary group too. */
	AS_USER(UID_B, GID_X);
	CHECK_OK(vfs_sys_access("/c/secret", R_OK));
	AS_ROOT();
	/* Only the owner class applies to the owner. */
	CHECK_OK(vfs_sys_chown("/c/secret", UID_A, GID_A, 0));
	CHECK_OK(vfs_sys_chmod("/c/secret", 0066));
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_open("/c/secret", O_RDONLY, 0, &fd), EACCES);
	AS_ROOT();
}

static void
perm_dir_write(struct conf_ctx *t)
{
	int fd;

	MKDIR("/c/ro");
	PUTS("/c/ro/existing", "e");
	MKDIR("/c/ro/sub");
	CHECK_OK(vfs_sys_chmod("/c/ro", 0555));
	/* Root is not bound by the mode. */
	PUTS("/c/ro/byroot", "r");
	MKPUB();
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_open("/c/ro/new", O_WRONLY | O_CREAT, 0644, &fd),
	    EACCES);
	CHECK_ERR(vfs_sys_mkdir("/c/ro/newdir", 0755), EACCES);
	CHECK_ERR(vfs_sys_unlink("/c/ro/existing"), EACCES);
	CHECK_ERR(vfs_sys_rmdir("/c/ro/sub"), EACCES);
	CHECK_ERR(vfs_sys_rename("/c/ro/existing", "/c/ro/renamed"), EACCES);
	CHECK_ERR(vfs_sys_rename("/c/ro/existing", "/c/pub/moved"), EACCES);
	CHECK_ERR(vfs_sys_mknod("/c/ro/fifo", S_IFIFO | 0644, 0), EACCES);
	if (t->fs->cf_caps & CAP_SYMLINK)
		CHECK_ERR(vfs_sys_symlink("x", "/c/ro/l"), EACCES);
	CHECK_OK(vfs_sys_open("/c/pub/mine", O_WRONLY | O_CREAT, 0644, &fd));
	CLOSE(fd);
	if (t->fs->cf_caps & CAP_HARDLINK)
		CHECK_ERR(vfs_sys_link("/c/pub/mine", "/c/ro/l2"), EACCES);
	CHECK_ERR(vfs_sys_rename("/c/pub/mine", "/c/ro/mine"), EACCES);
	/* Reading is fine. */
	EXPECTS("/c/ro/existing", "e");
	AS_ROOT();
	EXPECT_NAMES("/c/ro", "existing\0sub\0byroot\0");
}

/*
 * The directory holding the last component needs search (x) permission
 * too, before anything else is decided (Linux's may_lookup on every
 * component): EACCES, not EEXIST, ENOENT or EISDIR.
 */
static void
perm_search_last(struct conf_ctx *t)
{
	int fd;

	MKPUB();
	MKDIR("/c/nox");
	PUTS("/c/nox/f", "f");
	MKDIR("/c/nox/sub");
	PUTS("/c/pub/mine", "m");
	CHECK_OK(vfs_sys_chown("/c/pub/mine", UID_A, GID_A, 0));
	CHECK_OK(vfs_sys_chmod("/c/nox", 0776));	/* rw, no x, for others */
	AS_USER(UID_A, GID_A);
	EXPECT_ERR(vfs_sys_mkdir("/c/nox/new", 0755), EACCES);
	EXPECT_ERR(vfs_sys_mkdir("/c/nox/f", 0755), EACCES);
	EXPECT_ERR(vfs_sys_open("/c/nox/new", O_WRONLY | O_CREAT, 0644, &fd),
	    EACCES);
	EXPECT_ERR(vfs_sys_open("/c/nox/f", O_WRONLY | O_CREAT | O_EXCL, 0644,
	    &fd), EACCES);
	EXPECT_ERR(vfs_sys_mknod("/c/nox/p", S_IFIFO | 0644, 0), EACCES);
	EXPECT_ERR(vfs_sys_unlink("/c/nox/f"), EACCES);
	EXPECT_ERR(vfs_sys_unlink("/c/nox/missing"), EACCES);
	EXPECT_ERR(vfs_sys_rmdir("/c/nox/sub"), EACCES);
	EXPECT_ERR(vfs_sys_rmdir("/c/nox/missing"), EACCES);
	EXPECT_ERR(vfs_sys_rename("/c/nox/f", "/c/nox/g"), EACCES);
	EXPECT_ERR(vfs_sys_rename("/c/pub/mine", "/c/nox/mine"), EACCES);
	EXPECT_ERR(vfs_sys_rename("/c/nox/f", "/c/nox/f"), EACCES);
	if (t->fs->cf_caps & CAP_SYMLINK)
		EXPECT_ERR(vfs_sys_symlink("x", "/c/nox/l"), EACCES);
	if (t->fs->cf_caps & CAP_HARDLINK)
		EXPECT_ERR(vfs_sys_link("/c/pub/mine", "/c/nox/h"), EACCES);
	EXPECT_ERR(vfs_sys_rmdir("/c/nox/."), EACCES);
	EXPECT_ERR(vfs_sys_rmdir("/c/nox/.."), EACCES);
	EXPECT_ERR(vfs_sys_stat("/c/nox/f", &(struct vattr){ 0 }), EACCES);
	AS_ROOT();
	EXPECT_NAMES("/c/nox", "f\0sub\0");
}

/* Search (x) permission is needed on every directory of a path. */
static void
perm_search(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	MKDIR("/c/d");
	MKDIR("/c/d/e");
	PUTS("/c/d/e/f", "found");
	CHECK_OK(vfs_sys_chmod("/c/d", 0700));
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_stat("/c/d/e/f", &va), EACCES);
	CHECK_ERR(vfs_sys_open("/c/d/e/f", O_RDONLY, 0, &fd), EACCES);
	CHECK_ERR(vfs_sys_stat("/c/d/e", &va), EACCES);
	/* The directory itself can be stat'ed: only its parent is searched. */
	STAT("/c/d", &va);
	AS_ROOT();
	CHECK_OK(vfs_sys_chmod("/c/d", 0711));
	AS_USER(UID_A, GID_A);
	EXPECTS("/c/d/e/f", "found");
	/* x without r: no listing. */
	CHECK_ERR(vfs_sys_open("/c/d", O_RDONLY | O_DIRECTORY, 0, &fd),
	    EACCES);
	AS_ROOT();
	CHECK_OK(vfs_sys_chmod("/c/d", 0744));
	AS_USER(UID_A, GID_A);
	/* r without x: a listing, no lookups. */
	CHECK_OK(vfs_sys_open("/c/d", O_RDONLY | O_DIRECTORY, 0, &fd));
	CLOSE(fd);
	CHECK_ERR(vfs_sys_stat("/c/d/e", &va), EACCES);
	AS_ROOT();
	/* Root needs no x on directories. */
	CHECK_OK(vfs_sys_chmod("/c/d", 0));
	EXPECTS("/c/d/e/f", "found");
}

static void
perm_chmod_chown(struct conf_ctx *t)
{
	uint32_t groups[1] = { GID_X };
	struct vattr va;
	int fd;

	PUTS("/c/rootfile", "r");
	MKPUB();
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_chmod("/c/rootfile", 0777), EPERM);
	CHECK_ERR(vfs_sys_chown("/c/rootfile", UID_A, (uint32_t)-1, 0), EPERM);
	CHECK_ERR(vfs_sys_chown("/c/rootfile", (uint32_t)-1, GID_A, 0), EPERM);
	CHECK_OK(vfs_sys_open("/c/pub/mine", O_WRONLY | O_CREAT, 0644, &fd));
	CHECK_OK(vfs_sys_fchmod(fd, 0600));
	CHECK_ERR(vfs_sys_fchown(fd, UID_B, (uint32_t)-1), EPERM);
	CLOSE(fd);
	STAT("/c/pub/mine", &va);
	CHECK_EQ(va.va_uid, UID_A);
	CHECK_EQ(va.va_gid, GID_A);
	CHECK_EQ(va.va_mode & 07777, 0600);
	/* The owner may not give the file away. */
	CHECK_ERR(vfs_sys_chown("/c/pub/mine", UID_B, (uint32_t)-1, 0), EPERM);
	/* Owner to itself is fine; group to a non-member group is not. */
	CHECK_OK(vfs_sys_chown("/c/pub/mine", UID_A, (uint32_t)-1, 0));
	CHECK_ERR(vfs_sys_chown("/c/pub/mine", (uint32_t)-1, GID_X, 0), EPERM);
	vfs_pub_setcred(UID_A, GID_A, 1, groups);
	CHECK_OK(vfs_sys_chown("/c/pub/mine", (uint32_t)-1, GID_X, 0));
	STAT("/c/pub/mine", &va);
	CHECK_EQ(va.va_gid, GID_X);
	/* chmod g+s by a member keeps it. */
	CHECK_OK(vfs_sys_chmod("/c/pub/mine", 02750));
	STAT("/c/pub/mine", &va);
	CHECK_EQ(va.va_mode & 07777, 02750);
	AS_ROOT();
	/* By a non-member of the file's group, S_ISGID is dropped silently. */
	CHECK_OK(vfs_sys_chown("/c/pub/mine", (uint32_t)-1, 777, 0));
	AS_USER(UID_A, GID_A);
	CHECK_OK(vfs_sys_chmod("/c/pub/mine", 02755));
	STAT("/c/pub/mine", &va);
	CHECK_EQ(va.va_mode & 07777, 0755);
	AS_ROOT();
	/* Root gives files away freely. */
	CHECK_OK(vfs_sys_chown("/c/pub/mine", UID_B, GID_B, 0));
	STAT("/c/pub/mine", &va);
	CHECK_EQ(va.va_uid, UID_B);
	CHECK_EQ(va.va_gid, GID_B);
}

/* In a sticky directory only the owner (of file or dir) removes. */
static void
perm_sticky(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	MKDIR("/c/tmp");
	CHECK_OK(vfs_sys_chmod("/c/tmp", 01777));
	STAT("/c/tmp", &va);
	CHECK_EQ(va.va_mode & 07777, 01777);
	AS_USER(UID_A, GID_A);
	CHECK_OK(vfs_sys_open("/c/tmp/a", O_WRONLY | O_CREAT, 0666, &fd));
	CLOSE(fd);
	CHECK_OK(vfs_sys_open("/c/tmp/a2", O_WRONLY | O_CREAT, 0666, &fd));
	CLOSE(fd);
	AS_USER(UID_B, GID_B);
	CHECK_ERR(vfs_sys_unlink("/c/tmp/a"), EPERM);
	CHECK_ERR(vfs_sys_rename("/c/tmp/a", "/c/tmp/stolen"), EPERM);
	CHECK_OK(vfs_sys_open("/c/tmp/b", O_WRONLY | O_CREAT, 0666, &fd));
	CLOSE(fd);
	CHECK_ERR(vfs_sys_rename("/c/tmp/b", "/c/tmp/a"), EPERM);
	/* Writing it is allowed by its mode. */
	OPEN("/c/tmp/a", O_WRONLY, &fd);
	CHECK_OK(vfs_sys_write(fd, "b", 1, &(size_t){ 0 }));
	CLOSE(fd);
	CHECK_OK(vfs_sys_unlink("/c/tmp/b"));
	AS_USER(UID_A, GID_A);
	CHECK_OK(vfs_sys_rename("/c/tmp/a", "/c/tmp/a3"));
	CHECK_OK(vfs_sys_unlink("/c/tmp/a3"));
	AS_ROOT();
	CHECK_OK(vfs_sys_unlink("/c/tmp/a2"));
	EXPECT_NAMES("/c/tmp", "");
}

/* A setgid directory passes its group on, and S_ISGID to subdirs. */
static void
perm_setgid_dir(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	MKDIR("/c/sg");
	CHECK_OK(vfs_sys_chown("/c/sg", 0, GID_X, 0));
	CHECK_OK(vfs_sys_chmod("/c/sg", 02777));
	AS_USER(UID_A, GID_A);
	CHECK_OK(vfs_sys_open("/c/sg/f", O_WRONLY | O_CREAT, 0644, &fd));
	CLOSE(fd);
	STAT("/c/sg/f", &va);
	CHECK_EQ(va.va_uid, UID_A);
	CHECK_EQ(va.va_gid, GID_X);
	CHECK_EQ(va.va_mode & S_ISGID, 0);
	CHECK_OK(vfs_sys_mkdir("/c/sg/sub", 0755));
	STAT("/c/sg/sub", &va);
	CHECK_EQ(va.va_gid, GID_X);
	CHECK_EQ(va.va_mode & 07777, 02755);
	/* And on down. */
	CHECK_OK(vfs_sys_mkdir("/c/sg/sub/deeper", 0700));
	STAT("/c/sg/sub/deeper", &va);
	CHECK_EQ(va.va_gid, GID_X);
	CHECK_EQ(va.va_mode & 07777, 02700);
	/* A non-member asking for S_ISGID|S_IXGRP on a new file loses it. */
	CHECK_OK(vfs_sys_open("/c/sg/g", O_WRONLY | O_CREAT, 02755, &fd));
	CLOSE(fd);
	STAT("/c/sg/g", &va);
	CHECK_EQ(va.va_mode & 07777, 0755);
	/* Outside a setgid directory: the creator's group. */
	AS_ROOT();
	MKPUB();
	AS_USER(UID_A, GID_A);
	CHECK_OK(vfs_sys_mkdir("/c/pub/plain", 0755));
	STAT("/c/pub/plain", &va);
	CHECK_EQ(va.va_gid, GID_A);
	CHECK_EQ(va.va_mode & 07777, 0755);
	AS_ROOT();
}

/* Writes, truncates and chown clear set-id bits; root's writes don't. */
static void
perm_clear_setid(struct conf_ctx *t)
{
	struct vattr va;
	size_t done;
	int fd;

	MKPUB();
	PUTS("/c/pub/suid", "program");
	CHECK_OK(vfs_sys_chown("/c/pub/suid", UID_A, GID_A, 0));
	CHECK_OK(vfs_sys_chmod("/c/pub/suid", 06777));
	/* Root writing keeps the bits (it has CAP_FSETID). */
	OPEN("/c/pub/suid", O_WRONLY, &fd);
	CHECK_OK(vfs_sys_write(fd, "P", 1, &done));
	CLOSE(fd);
	STAT("/c/pub/suid", &va);
	CHECK_EQ(va.va_mode & 07777, 06777);
	/* Another user's write clears S_ISUID and S_ISGID (with g+x). */
	AS_USER(UID_B, GID_B);
	OPEN("/c/pub/suid", O_WRONLY, &fd);
	CHECK_OK(vfs_sys_write(fd, "Q", 1, &done));
	CLOSE(fd);
	AS_ROOT();
	STAT("/c/pub/suid", &va);
	CHECK_EQ(va.va_mode & 07777, 0777);
	/* The owner's write clears it too. */
	CHECK_OK(vfs_sys_chmod("/c/pub/suid", 04777));
	AS_USER(UID_A, GID_A);
	OPEN("/c/pub/suid", O_WRONLY, &fd);
	CHECK_OK(vfs_sys_pwrite(fd, "R", 1, 3, &done));
	CLOSE(fd);
	STAT("/c/pub/suid", &va);
	CHECK_EQ(va.va_mode & 07777, 0777);
	AS_ROOT();
	/* Truncate by a non-root user clears S_ISUID. */
	CHECK_OK(vfs_sys_chmod("/c/pub/suid", 04777));
	AS_USER(UID_B, GID_B);
	CHECK_OK(vfs_sys_truncate("/c/pub/suid", 2));
	AS_ROOT();
	STAT("/c/pub/suid", &va);
	CHECK_EQ(va.va_mode & 07777, 0777);
	/* chown, even by root, clears S_ISUID and S_ISGID (with g+x). */
	CHECK_OK(vfs_sys_chmod("/c/pub/suid", 06755));
	CHECK_OK(vfs_sys_chown("/c/pub/suid", UID_B, (uint32_t)-1, 0));
	STAT("/c/pub/suid", &va);
	CHECK_EQ(va.va_mode & 07777, 0755);
	CHECK_EQ(va.va_uid, UID_B);
	/* chown of a directory leaves its set-id bits. */
	MKDIR("/c/pub/sgdir");
	CHECK_OK(vfs_sys_chmod("/c/pub/sgdir", 02775));
	CHECK_OK(vfs_sys_chown("/c/pub/sgdir", UID_A, GID_A, 0));
	STAT("/c/pub/sgdir", &va);
	CHECK_EQ(va.va_mode & 07777, 02775);
}

/* utimens: explicit times need ownership, "now" needs write access. */
static void
perm_utimens(struct conf_ctx *t)
{
	struct vfs_timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	struct vfs_timespec omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	struct vfs_timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };

	PUTS("/c/f", "x");
	CHECK_OK(vfs_sys_chmod("/c/f", 0666));
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_utimens("/c/f", ts, 0), EPERM);
	CHECK_OK(vfs_sys_utimens("/c/f", NULL, 0));
	CHECK_OK(vfs_sys_utimens("/c/f", now, 0));
	CHECK_OK(vfs_sys_utimens("/c/f", omit, 0));
	AS_ROOT();
	CHECK_OK(vfs_sys_chmod("/c/f", 0644));
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_utimens("/c/f", NULL, 0), EACCES);
	CHECK_ERR(vfs_sys_utimens("/c/f", now, 0), EACCES);
	CHECK_ERR(vfs_sys_utimens("/c/f", ts, 0), EPERM);
	AS_ROOT();
	CHECK_OK(vfs_sys_chown("/c/f", UID_A, GID_A, 0));
	CHECK_OK(vfs_sys_chmod("/c/f", 0444));
	AS_USER(UID_A, GID_A);
	/* The owner may, even without write permission. */
	CHECK_OK(vfs_sys_utimens("/c/f", ts, 0));
	CHECK_OK(vfs_sys_utimens("/c/f", NULL, 0));
	AS_ROOT();
}

static void
perm_truncate(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	PUTS("/c/f", "0123456789");
	CHECK_OK(vfs_sys_chmod("/c/f", 0644));
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_truncate("/c/f", 2), EACCES);
	CHECK_ERR(vfs_sys_open("/c/f", O_RDONLY | O_TRUNC, 0, &fd), EACCES);
	AS_ROOT();
	STAT("/c/f", &va);
	CHECK_EQ(va.va_size, 10);
	CHECK_OK(vfs_sys_chmod("/c/f", 0646));
	AS_USER(UID_A, GID_A);
	CHECK_OK(vfs_sys_truncate("/c/f", 2));
	AS_ROOT();
	EXPECTS("/c/f", "01");
}

/* Moving a directory to another parent needs write access to it. */
static void
perm_rename_dir(struct conf_ctx *t)
{
	MKPUB();
	MKDIR("/c/pub/rodir");
	CHECK_OK(vfs_sys_chmod("/c/pub/rodir", 0555));
	AS_USER(UID_A, GID_A);
	MKDIR("/c/pub/sub");
	CHECK_ERR(vfs_sys_rename("/c/pub/rodir", "/c/pub/sub/rodir"), EACCES);
	CHECK_OK(vfs_sys_rename("/c/pub/rodir", "/c/pub/renamed"));
	AS_ROOT();
	EXPECT_NAMES("/c/pub", "renamed\0sub\0");
}

/* New files belong to the creator; root's X_OK needs some x bit. */
static void
perm_owner_and_root_x(struct conf_ctx *t)
{
	struct vattr va;
	int fd;

	MKPUB();
	AS_USER(UID_A, GID_A);
	CHECK_OK(vfs_sys_open("/c/pub/f", O_WRONLY | O_CREAT, 0640, &fd));
	CLOSE(fd);
	STAT("/c/pub/f", &va);
	CHECK_EQ(va.va_uid, UID_A);
	CHECK_EQ(va.va_gid, GID_A);
	CHECK_EQ(va.va_mode & 07777, 0640);
	CHECK_OK(vfs_sys_access("/c/pub/f", R_OK | W_OK));
	CHECK_ERR(vfs_sys_access("/c/pub/f", X_OK), EACCES);
	AS_ROOT();
	CHECK_ERR(vfs_sys_access("/c/pub/f", X_OK), EACCES);
	CHECK_OK(vfs_sys_access("/c/pub/f", R_OK | W_OK));
	CHECK_OK(vfs_sys_chmod("/c/pub/f", 0001));
	CHECK_OK(vfs_sys_access("/c/pub/f", X_OK | R_OK | W_OK));
	MKDIR("/c/pub/d");
	CHECK_OK(vfs_sys_chmod("/c/pub/d", 0));
	CHECK_OK(vfs_sys_access("/c/pub/d", X_OK | R_OK | W_OK));
}

const struct conf_case conf_perm_cases[] = {
	{ "perm_file_access", perm_file_access, CAP_WRITE | CAP_PERMS },
	{ "perm_dir_write", perm_dir_write, CAP_WRITE | CAP_PERMS },
	{ "perm_search", perm_search, CAP_WRITE | CAP_PERMS },
	{ "perm_search_last", perm_search_last, CAP_WRITE | CAP_PERMS },
	{ "perm_chmod_chown", perm_chmod_chown, CAP_WRITE | CAP_PERMS },
	{ "perm_sticky", perm_sticky, CAP_WRITE | CAP_PERMS },
	{ "perm_setgid_dir", perm_setgid_dir, CAP_WRITE | CAP_PERMS },
	{ "perm_clear_setid", perm_clear_setid, CAP_WRITE | CAP_PERMS },
	{ "perm_utimens", perm_utimens, CAP_WRITE | CAP_PERMS },
	{ "perm_truncate", perm_truncate, CAP_WRITE | CAP_PERMS },
	{ "perm_rename_dir", perm_rename_dir, CAP_WRITE | CAP_PERMS },
	{ "perm_owner_and_root_x", perm_owner_and_root_x,
	    CAP_WRITE | CAP_PERMS },
	{ NULL, NULL, 0 }
};
