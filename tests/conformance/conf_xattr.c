/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * conf_xattr.c -- conformance cases for extended attributes: set, get,
 * list, remove; XATTR_CREATE/XATTR_REPLACE; size queries and ERANGE;
 * empty and 4 KiB values; name checks (namespace, length); directories,
 * symlinks and permissions.  Exports conf_xattr_cases.
 */
#include <sys/xattr.h>

#include "conf.h"

/* The list in BUF (LEN bytes) holds NAME exactly once. */
static int
list_count(const char *buf, size_t len, const char *name)
{
	size_t off = 0;
	int n = 0;

	while (off < len) {
		if (strcmp(buf + off, name) == 0)
			n++;
		off += strlen(buf + off) + 1;
	}
	return n;
}

static void
xattr_basic(struct conf_ctx *t)
{
	char buf[256];
	size_t len;

	PUTS("/c/f", "data");
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.color", "blue", 4, 0, 0));
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.shape", "round", 5, 0, 0));
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.color", buf, sizeof(buf),
	    &len, 0));
	CHECK_EQ(len, 4);
	CHECK_MEM(buf, "blue", 4);
	CHECK_OK(vfs_sys_listxattr("/c/f", buf, sizeof(buf), &len, 0));
	CHECK_EQ(list_count(buf, len, "user.color"), 1);
	CHECK_EQ(list_count(buf, len, "user.shape"), 1);
	CHECK(len >= sizeof("user.color") + sizeof("user.shape"));
	CHECK_EQ(buf[len - 1], '\0');
	/* Replace with a shorter, then a longer value. */
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.color", "red", 3, 0, 0));
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.color", buf, sizeof(buf),
	    &len, 0));
	CHECK_EQ(len, 3);
	CHECK_MEM(buf, "red", 3);
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.color", "ultraviolet", 11, 0,
	    0));
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.color", buf, sizeof(buf),
	    &len, 0));
	CHECK_EQ(len, 11);
	CHECK_MEM(buf, "ultraviolet", 11);
	/* Remove. */
	CHECK_OK(vfs_sys_removexattr("/c/f", "user.color", 0));
	CHECK_ERR(vfs_sys_getxattr("/c/f", "user.color", buf, sizeof(buf),
	    &len, 0), ENODATA);
	CHECK_OK(vfs_sys_listxattr("/c/f", buf, sizeof(buf), &len, 0));
	CHECK_EQ(list_count(buf, len, "user.color"), 0);
	CHECK_EQ(list_count(buf, len, "user.shape"), 1);
	/* Data untouched. */
	EXPECTS("/c/f", "data");
	/* Through a symlink, the target's attributes. */
	if (t->fs->cf_caps & CAP_SYMLINK) {
		CHECK_OK(vfs_sys_symlink("f", "/c/l"));
		CHECK_OK(vfs_sys_getxattr("/c/l", "user.shape", buf,
		    sizeof(buf), &len, 0));
		CHECK_EQ(len, 5);
	}
}

static void
xattr_flags(struct conf_ctx *t)
{
	char buf[64];
	size_t len;

	PUTS("/c/f", "");
	CHECK_ERR(vfs_sys_setxattr("/c/f", "user.a", "1", 1, XATTR_REPLACE, 0),
	    ENODATA);
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.a", "1", 1, XATTR_CREATE, 0));
	CHECK_ERR(vfs_sys_setxattr("/c/f", "user.a", "2", 1, XATTR_CREATE, 0),
	    EEXIST);
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.a", "3", 1, XATTR_REPLACE, 0));
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.a", buf, sizeof(buf), &len, 0));
	CHECK_EQ(len, 1);
	CHECK_EQ(buf[0], '3');
	CHECK_ERR(vfs_sys_removexattr("/c/f", "user.nope", 0), ENODATA);
	CHECK_ERR(vfs_sys_getxattr("/c/f", "user.nope", buf, sizeof(buf),
	    &len, 0), ENODATA);
	CHECK_ERR(vfs_sys_setxattr("/c/f", "user.a", "4", 1, 0x100, 0), EINVAL);
	CHECK_ERR(vfs_sys_getxattr("/c/missing", "user.a", buf, sizeof(buf),
	    &len, 0), ENOENT);
}

/* Size queries (size 0) and ERANGE for a short buffer. */
static void
xattr_sizes(struct conf_ctx *t)
{
	char buf[256];
	size_t len, need;

	PUTS("/c/f", "");
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.k", "0123456789", 10, 0, 0));
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.k", NULL, 0, &len, 0));
	CHECK_EQ(len, 10);
	CHECK_ERR(vfs_sys_getxattr("/c/f", "user.k", buf, 9, &len, 0), ERANGE);
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.k", buf, 10, &len, 0));
	CHECK_EQ(len, 10);
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.longer_name", "v", 1, 0, 0));
	CHECK_OK(vfs_sys_listxattr("/c/f", NULL, 0, &need, 0));
	CHECK(need >= sizeof("user.k") + sizeof("user.longer_name"));
	CHECK_ERR(vfs_sys_listxattr("/c/f", buf, need - 1, &len, 0), ERANGE);
	CHECK_OK(vfs_sys_listxattr("/c/f", buf, need, &len, 0));
	CHECK_EQ(len, need);
	CHECK_EQ(list_count(buf, len, "user.k"), 1);
	CHECK_EQ(list_count(buf, len, "user.longer_name"), 1);
	/* No attributes at all: an empty list. */
	PUTS("/c/g", "");
	CHECK_OK(vfs_sys_listxattr("/c/g", buf, sizeof(buf), &len, 0));
	CHECK_EQ(list_count(buf, len, "user.k"), 0);
}

static void
xattr_empty_value(struct conf_ctx *t)
{
	char buf[16];
	size_t len;

	PUTS("/c/f", "");
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.empty", "", 0, 0, 0));
	len = 99;
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.empty", buf, sizeof(buf),
	    &len, 0));
	CHECK_EQ(len, 0);
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.empty", NULL, 0, &len, 0));
	CHECK_EQ(len, 0);
	CHECK_OK(vfs_sys_listxattr("/c/f", buf, sizeof(buf), &len, 0));
	CHECK_EQ(list_count(buf, len, "user.empty"), 1);
	CHECK_ERR(vfs_sys_setxattr("/c/f", "user.empty", "", 0, XATTR_CREATE,
	    0), EEXIST);
}

static void
xattr_4k_value(struct conf_ctx *t)
{
	char *val, *buf;
	size_t len;

	val = conf_alloc(t, 4096);
	buf = conf_alloc(t, 65537);
	conf_fill(val, 4096, 31, 0);
	PUTS("/c/f", "");
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.big", val, 4096, 0, 0));
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.big", buf, 65537, &len, 0));
	CHECK_EQ(len, 4096);
	CHECK_MEM(buf, val, 4096);
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.small", "s", 1, 0, 0));
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.big", buf, 65537, &len, 0));
	CHECK_EQ(len, 4096);
	CHECK_MEM(buf, val, 4096);
	/* Over XATTR_SIZE_MAX (64 KiB): E2BIG. */
	CHECK_ERR(vfs_sys_setxattr("/c/f", "user.huge", buf, 65537, 0, 0),
	    E2BIG);
}

static void
xattr_names(struct conf_ctx *t)
{
	char name[300];

	PUTS("/c/f", "");
	CHECK_ERR(vfs_sys_setxattr("/c/f", "foo.bar", "v", 1, 0, 0),
	    EOPNOTSUPP);
	CHECK_ERR(vfs_sys_setxattr("/c/f", "nonamespace", "v", 1, 0, 0),
	    EOPNOTSUPP);
	CHECK_ERR(vfs_sys_getxattr("/c/f", "foo.bar", NULL, 0, &(size_t){ 0 },
	    0), EOPNOTSUPP);
	CHECK_ERR(vfs_sys_setxattr("/c/f", "user.", "v", 1, 0, 0), EINVAL);
	CHECK_ERR(vfs_sys_setxattr("/c/f", "", "v", 1, 0, 0), ERANGE);
	/* 255 bytes is the longest name. */
	memcpy(name, "user.", 5);
	memset(name + 5, 'n', 250);
	name[255] = '\0';
	CHECK_OK(vfs_sys_setxattr("/c/f", name, "v", 1, 0, 0));
	CHECK_OK(vfs_sys_getxattr("/c/f", name, NULL, 0, &(size_t){ 0 }, 0));
	name[255] = 'n';
	name[256] = '\0';
	CHECK_ERR(vfs_sys_setxattr("/c/f", name, "v", 1, 0, 0), ERANGE);
	/* Trusted and security namespaces for root. */
	CHECK_OK(vfs_sys_setxattr("/c/f", "trusted.t", "tv", 2, 0, 0));
	CHECK_OK(vfs_sys_getxattr("/c/f", "trusted.t", NULL, 0, &(size_t){ 0 },
	    0));
}

static void
xattr_dir(struct conf_ctx *t)
{
	char buf[64];
	size_t len;

	MKDIR("/c/d");
	CHECK_OK(vfs_sys_setxattr("/c/d", "user.dirattr", "dv", 2, 0, 0));
	CHECK_OK(vfs_sys_getxattr("/c/d", "user.dirattr", buf, sizeof(buf),
	    &len, 0));
	CHECK_EQ(len, 2);
	CHECK_MEM(buf, "dv", 2);
	CHECK_OK(vfs_sys_listxattr("/c/d", buf, sizeof(buf), &len, 0));
	CHECK_EQ(list_count(buf, len, "user.dirattr"), 1);
	/* The directory still works and its attribute survives renames. */
	PUTS("/c/d/f", "x");
	CHECK_OK(vfs_sys_rename("/c/d", "/c/e"));
	CHECK_OK(vfs_sys_getxattr("/c/e", "user.dirattr", buf, sizeof(buf),
	    &len, 0));
	CHECK_OK(vfs_sys_removexattr("/c/e", "user.dirattr", 0));
	EXPECTS("/c/e/f", "x");
}

/* user.* on a symlink itself is EPERM (Linux); the target is reached. */
static void
xattr_symlink(struct conf_ctx *t)
{
	char buf[64];
	size_t len;

	PUTS("/c/f", "");
	CHECK_OK(vfs_sys_symlink("f", "/c/l"));
	CHECK_ERR(vfs_sys_setxattr("/c/l", "user.x", "v", 1, 0,
	    AT_SYMLINK_NOFOLLOW), EPERM);
	CHECK_OK(vfs_sys_setxattr("/c/l", "user.x", "v", 1, 0, 0));
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.x", buf, sizeof(buf), &len,
	    0));
	CHECK_ERR(vfs_sys_getxattr("/c/l", "user.x", buf, sizeof(buf), &len,
	    AT_SYMLINK_NOFOLLOW), ENODATA);
	/* trusted.* on the link itself is allowed for root. */
	CHECK_OK(vfs_sys_setxattr("/c/l", "trusted.l", "v", 1, 0,
	    AT_SYMLINK_NOFOLLOW));
	CHECK_OK(vfs_sys_listxattr("/c/l", buf, sizeof(buf), &len,
	    AT_SYMLINK_NOFOLLOW));
	CHECK_EQ(list_count(buf, len, "trusted.l"), 1);
	CHECK_OK(vfs_sys_listxattr("/c/f", buf, sizeof(buf), &len, 0));
	CHECK_EQ(list_count(buf, len, "trusted.l"), 0);
}

/* Writing user.* needs write permission; trusted.* needs root. */
static void
xattr_perm(struct conf_ctx *t)
{
	char buf[64];
	size_t len;

	PUTS("/c/f", "");
	CHECK_OK(vfs_sys_chmod("/c/f", 0644));
	CHECK_OK(vfs_sys_setxattr("/c/f", "user.r", "v", 1, 0, 0));
	CHECK_OK(vfs_sys_setxattr("/c/f", "trusted.hidden", "h", 1, 0, 0));
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_setxattr("/c/f", "user.w", "v", 1, 0, 0), EACCES);
	CHECK_ERR(vfs_sys_removexattr("/c/f", "user.r", 0), EACCES);
	CHECK_OK(vfs_sys_getxattr("/c/f", "user.r", buf, sizeof(buf), &len,
	    0));
	/* trusted.* is invisible and untouchable to others. */
	CHECK_OK(vfs_sys_listxattr("/c/f", buf, sizeof(buf), &len, 0));
	CHECK_EQ(list_count(buf, len, "trusted.hidden"), 0);
	CHECK_EQ(list_count(buf, len, "user.r"), 1);
	CHECK_ERR(vfs_sys_setxattr("/c/f", "trusted.t", "v", 1, 0, 0), EPERM);
	AS_ROOT();
	CHECK_OK(vfs_sys_chmod("/c/f", 0600));
	AS_USER(UID_A, GID_A);
	CHECK_ERR(vfs_sys_getxattr("/c/f", "user.r", buf, sizeof(buf), &len,
	    0), EACCES);
	AS_ROOT();
}

/* Many attributes on one file. */
static void
xattr_many(struct conf_ctx *t)
{
	char name[64], val[64], *buf;
	size_t len;
	int i;

	buf = conf_alloc(t, 65536);
	PUTS("/c/f", "");
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "user.attr%03d", i);
		snprintf(val, sizeof(val), "value %d", i);
		CHECK_OK(vfs_sys_setxattr("/c/f", name, val, strlen(val),
		    XATTR_CREATE, 0));
	}
	CHECK_OK(vfs_sys_listxattr("/c/f", buf, 65536, &len, 0));
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "user.attr%03d", i);
		CHECK_EQ(list_count(buf, len, name), 1);
		snprintf(val, sizeof(val), "value %d", i);
		CHECK_OK(vfs_sys_getxattr("/c/f", name, buf, 65536, &len, 0));
		CHECK_EQ(len, strlen(val));
		CHECK_MEM(buf, val, len);
		CHECK_OK(vfs_sys_listxattr("/c/f", buf, 65536, &len, 0));
	}
	for (i = 0; i < 100; i += 2) {
		snprintf(name, sizeof(name), "user.attr%03d", i);
		CHECK_OK(vfs_sys_removexattr("/c/f", name, 0));
	}
	CHECK_OK(vfs_sys_listxattr("/c/f", buf, 65536, &len, 0));
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "user.attr%03d", i);
		CHECK_EQ(list_count(buf, len, name), i % 2);
	}
	/* Unlinking a file with attributes is clean. */
	CHECK_OK(vfs_sys_unlink("/c/f"));
}

const struct conf_case conf_xattr_cases[] = {
	{ "xattr_basic", xattr_basic, CAP_WRITE | CAP_XATTR },
	{ "xattr_flags", xattr_flags, CAP_WRITE | CAP_XATTR },
	{ "xattr_sizes", xattr_sizes, CAP_WRITE | CAP_XATTR },
	{ "xattr_empty_value", xattr_empty_value, CAP_WRITE | CAP_XATTR },
	{ "xattr_4k_value", xattr_4k_value,
	    CAP_WRITE | CAP_XATTR | CAP_XATTR_4K },
	{ "xattr_names", xattr_names, CAP_WRITE | CAP_XATTR },
	{ "xattr_dir", xattr_dir, CAP_WRITE | CAP_XATTR },
	{ "xattr_symlink", xattr_symlink,
	    CAP_WRITE | CAP_XATTR | CAP_SYMLINK },
	{ "xattr_perm", xattr_perm, CAP_WRITE | CAP_XATTR | CAP_PERMS },
	{ "xattr_many", xattr_many, CAP_WRITE | CAP_XATTR },
	{ NULL, NULL, 0 }
};
