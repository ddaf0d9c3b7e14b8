/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_name.c -- conformance cases for names and paths: 255-byte names
 * and ENAMETOOLONG at 256, odd names (spaces, newline, UTF-8, leading
 * dash, "..."), names holding every byte but '/' and NUL, paths at and
 * over PATH_MAX, case sensitivity.  Exports conf_name_cases.
 */
#include "conf.h"

static void
name_255(struct conf_ctx *t)
{
	char name[300], path[320], path2[320];
	struct conf_dirlist dl;
	struct vattr va;
	int fd;

	memset(name, 'n', 255);
	name[255] = '\0';
	snprintf(path, sizeof(path), "/c/%s", name);
	PUTS(path, "long name");
	EXPECTS(path, "long name");
	STAT(path, &va);
	LIST("/c", &dl);
	CHECK(conf_dl_find(&dl, name) != NULL);
	name[0] = 'd';
	snprintf(path2, sizeof(path2), "/c/%s", name);
	MKDIR(path2);
	CHECK_OK(vfs_sys_rename(path, "/c/short"));
	CHECK_OK(vfs_sys_rename("/c/short", path));
	/* 256 bytes: ENAMETOOLONG everywhere. */
	memset(name, 'm', 256);
	name[256] = '\0';
	snprintf(path2, sizeof(path2), "/c/%s", name);
	CHECK_ERR(vfs_sys_open(path2, O_WRONLY | O_CREAT, 0644, &fd),
	    ENAMETOOLONG);
	CHECK_ERR(vfs_sys_open(path2, O_RDONLY, 0, &fd), ENAMETOOLONG);
	CHECK_ERR(vfs_sys_stat(path2, &va), ENAMETOOLONG);
	CHECK_ERR(vfs_sys_mkdir(path2, 0755), ENAMETOOLONG);
	CHECK_ERR(vfs_sys_rename(path, path2), ENAMETOOLONG);
	CHECK_ERR(vfs_sys_unlink(path2), ENAMETOOLONG);
	if (t->fs->cf_caps & CAP_SYMLINK)
		CHECK_ERR(vfs_sys_symlink("x", path2), ENAMETOOLONG);
	if (t->fs->cf_caps & CAP_HARDLINK)
		CHECK_ERR(vfs_sys_link(path, path2), ENAMETOOLONG);
	/* Also as a middle component. */
	snprintf(path2, sizeof(path2), "/c/%s/x", name);
	CHECK_ERR(vfs_sys_stat(path2, &va), ENAMETOOLONG);
	EXPECTS(path, "long name");
}

static void
odd_names(struct conf_ctx *t)
{
	static const char *const names[] = {
		"with space", " leading space", "trailing space ",
		"new\nline", "tab\there", "-leading-dash", "--", "...",
		".hidden", "a..b", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "back\\slash",
		"quote\"s'", "star*?[x]", "percent%s%n", "#hash", "~tilde",
		"semi;colon", "pipe|amp&", ("\x7f" "del"),
	};
	char path[300], want[2048], *w = want, buf[300];
	struct vattr va;
	size_t i, len;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "/c/%s", names[i]);
		PUTS(path, names[i]);
		w += sprintf(w, "%s", names[i]) + 1;
	}
	*w = '\0';
	EXPECT_NAMES("/c", want);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "/c/%s", names[i]);
		EXPECTS(path, names[i]);
	}
	/* As directories and symlink targets too. */
	MKDIR("/c/d");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "/c/d/%s", names[i]);
		MKDIR(path);
		STAT(path, &va);
		CHECK_EQ(va.va_type, VDIR);
		if (t->fs->cf_caps & CAP_SYMLINK) {
			snprintf(path, sizeof(path), "/c/d/%s/l", names[i]);
			snprintf(buf, sizeof(buf), "../../%s", names[i]);
			CHECK_OK(vfs_sys_symlink(buf, path));
			CHECK_OK(vfs_sys_readlink(path, buf, sizeof(buf),
			    &len));
			CHECK_EQ(len, strlen(names[i]) + 6);
			EXPECTS(path, names[i]);
		}
	}
}

/* Every byte value 1..255 except '/' in names. */
static void
byte_names(struct conf_ctx *t)
{
	struct conf_dirlist dl;
	char name[300], path[320];
	int b, n;

	MKDIR("/c/d");
	/* One name per byte. */
	for (b = 1; b < 256; b++) {
		if (b == '/')
			continue;
		snprintf(name, sizeof(name), "x%cy", b);
		snprintf(path, sizeof(path), "/c/d/%s", name);
		PUTS(path, name);
	}
	LIST("/c/d", &dl);
	CHECK_EQ(dl.n, 254 + 2);
	for (b = 1; b < 256; b++) {
		if (b == '/')
			continue;
		snprintf(name, sizeof(name), "x%cy", b);
		if (conf_dl_find(&dl, name) == NULL)
			FAIL("name with byte 0x%02x missing from readdir", b);
		snprintf(path, sizeof(path), "/c/d/%s", name);
		EXPECTS(path, name);
	}
	/* One name holding all 254 of them. */
	n = 0;
	for (b = 1; b < 256; b++)
		if (b != '/')
			name[n++] = (char)b;
	name[n] = '\0';
	snprintf(path, sizeof(path), "/c/%s", name);
	PUTS(path, "all bytes");
	EXPECTS(path, "all bytes");
	LIST("/c", &dl);
	CHECK(conf_dl_find(&dl, name) != NULL);
	/* Single-byte names, '.' aside. */
	for (b = 1; b < 256; b++) {
		if (b == '/' || b == '.')
			continue;
		snprintf(path, sizeof(path), "/c/d/%c", b);
		PUTS(path, "1");
	}
	LIST("/c/d", &dl);
	CHECK_EQ(dl.n, 254 + 253 + 2);
}

/* A path of 4095 bytes resolves; 4096 bytes (with the NUL: 4097) fails. */
static void
path_max(struct conf_ctx *t)
{
	struct vattr root, va;
	char *p;
	int i, fd;

	STAT("/c", &root);
	p = conf_alloc(t, 16384);
	/* "/c/" + "/." * 2046 = 4095 bytes, naming /c. */
	strcpy(p, "/c/");
	for (i = 0; i < 2046; i++)
		strcat(p, "/.");
	CHECK_EQ(strlen(p), 4095);
	STAT(p, &va);
	CHECK_EQU(va.va_fileid, root.va_fileid);
	/* "/c" + "/." * 2047 = 4096 bytes. */
	strcpy(p, "/c");
	for (i = 0; i < 2047; i++)
		strcat(p, "/.");
	CHECK_EQ(strlen(p), 4096);
	CHECK_ERR(vfs_sys_stat(p, &va), ENAMETOOLONG);
	CHECK_ERR(vfs_sys_open(p, O_RDONLY, 0, &fd), ENAMETOOLONG);
	for (i = 0; i < 3000; i++)
		strcat(p, "/.");
	CHECK_ERR(vfs_sys_stat(p, &va), ENAMETOOLONG);
	CHECK_ERR(vfs_sys_access(p, F_OK), ENAMETOOLONG);
	if (t->fs->cf_caps & CAP_WRITE) {
		CHECK_ERR(vfs_sys_mkdir(p, 0755), ENAMETOOLONG);
		CHECK_ERR(vfs_sys_open(p, O_WRONLY | O_CREAT, 0644, &fd),
		    ENAMETOOLONG);
	}
}

/* A tree 40 levels deep whose paths approach PATH_MAX. */
static void
deep_tree(struct conf_ctx *t)
{
	char *p, *q;
	size_t len;
	int i;

	p = conf_alloc(t, 8192);
	q = conf_alloc(t, 8192);
	strcpy(p, "/c");
	for (i = 0; i < 40; i++) {
		strcat(p, "/");
		len = strlen(p);
		memset(p + len, 'a' + i % 26, 100);
		p[len + 100] = '\0';
		MKDIR(p);
	}
	CHECK_EQ(strlen(p), 4042);
	snprintf(q, 8192, "%s/leaf", p);
	PUTS(q, "deep");
	EXPECTS(q, "deep");
	/* One more name of 60 bytes passes PATH_MAX. */
	snprintf(q, 8192, "%s/%060d", p, 0);
	CHECK_EQ(strlen(q), 4103);
	CHECK_ERR(vfs_sys_open(q, O_WRONLY | O_CREAT, 0644, &(int){ 0 }),
	    ENAMETOOLONG);
	CHECK_ERR(vfs_sys_mkdir(q, 0755), ENAMETOOLONG);
	/* Removing the tree from the bottom up. */
	snprintf(q, 8192, "%s/leaf", p);
	CHECK_OK(vfs_sys_unlink(q));
	for (i = 0; i < 40; i++) {
		CHECK_OK(vfs_sys_rmdir(p));
		*strrchr(p, '/') = '\0';
	}
	CHECK_STR(p, "/c");
	EXPECT_NAMES("/c", "");
}

static void
case_sensitive(struct conf_ctx *t)
{
	PUTS("/c/Foo", "upper");
	PUTS("/c/foo", "lower");
	PUTS("/c/FOO", "all upper");
	EXPECTS("/c/Foo", "upper");
	EXPECTS("/c/foo", "lower");
	EXPECTS("/c/FOO", "all upper");
	CHECK_ERR(vfs_sys_access("/c/fOO", F_OK), ENOENT);
	EXPECT_NAMES("/c", "Foo\0foo\0FOO\0");
	CHECK_OK(vfs_sys_unlink("/c/foo"));
	EXPECTS("/c/Foo", "upper");
	EXPECT_NAMES("/c", "Foo\0FOO\0");
}

const struct conf_case conf_name_cases[] = {
	{ "name_255", name_255, CAP_WRITE | CAP_LONGNAME },
	{ "odd_names", odd_names, CAP_WRITE | CAP_BYTENAMES },
	{ "byte_names", byte_names,
	    CAP_WRITE | CAP_BYTENAMES | CAP_LONGNAME | CAP_CASE_SENSITIVE },
	{ "path_max", path_max, 0 },
	{ "deep_tree", deep_tree, CAP_WRITE },
	{ "case_sensitive", case_sensitive, CAP_WRITE | CAP_CASE_SENSITIVE },
	{ NULL, NULL, 0 }
};
