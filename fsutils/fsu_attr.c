/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_attr.c -- the commands that change attributes: "chmod" (octal or
 * symbolic modes, -R; modes such as "-w" are taken as modes, as GNU
 * chmod does), "chown"/"chgrp" (names from the host's user database or
 * numbers; -R works on symbolic links themselves, as GNU's default -P)
 * and "touch" (-a -m -c -h -d -t -r; creates missing files).
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsu.h"

/* ---- chmod ---- */

struct chmod_ctx {
	struct fsu_mode	*mode;
	bool		 quiet, verbose, changes;
	int		 status;
};

static void
perm_str(uint32_t mode, char buf[10])
{
	char full[11];

	fsu_modestr(VREG, mode, full);
	memcpy(buf, full + 1, 10);
}

static void
chmod_one(struct chmod_ctx *c, const char *path, const struct vattr *va)
{
	uint32_t old = va->va_mode & 07777, nmode;
	char a[10], b[10];
	int error;

	nmode = fsu_mode_apply(c->mode, old, va->va_type == VDIR, fsu.umask);
	error = nmode != old ? vfs_sys_chmod(path, nmode) : 0;
	if (error != 0) {
		if (!c->quiet)
			fsu_err(error, "changing permissions of %s",
			    fsu_quote(path));
		c->status = 1;
		return;
	}
	perm_str(old, a);
	perm_str(nmode, b);
	if (nmode != old && (c->verbose || c->changes))
		printf("mode of %s changed from %04o (%s) to %04o (%s)\n",
		    fsu_quote(path), old, a, nmode, b);
	else if (nmode == old && c->verbose)
		printf("mode of %s retained as %04o (%s)\n", fsu_quote(path),
		    old, a);
}

static int
chmod_visit(struct fsu_walk_ent *e, void *arg)
{
	struct chmod_ctx *c = arg;

	if (e->error != 0) {
		if (!c->quiet)
			fsu_err(e->error, e->readdir_error ?
			    "cannot read directory %s" : "cannot access %s",
			    fsu_quote(e->path));
		c->status = 1;
		return FSU_WALK_CONTINUE;
	}
	if (e->va.va_type == VLNK) {
		if (c->verbose)
			printf("neither symbolic link %s nor referent has "
			    "been changed\n", fsu_quote(e->path));
		return FSU_WALK_CONTINUE;
	}
	chmod_one(c, e->path, &e->va);
	return FSU_WALK_CONTINUE;
}

/* A chmod argument like "-w" or "-rwx,g+s": a mode, not options. */
static bool
looks_like_mode(const char *a)
{

	return a[0] == '-' && a[1] != '\0' &&
	    strspn(a + 1, "rwxXstugoa+-=,0123456789") == strlen(a + 1) &&
	    strspn(a + 1, "Rcfv") != strlen(a + 1);
}

int
cmd_chmod(int argc, char **argv)
{
	struct chmod_ctx c;
	bool recursive = false, opts_done = false;
	GPtrArray *files;
	const char *modestr = NULL, *a;
	struct vattr va;
	guint i;
	int j, error;

	memset(&c, 0, sizeof(c));
	files = g_ptr_array_new();
	for (j = 1; j < argc; j++) {
		a = argv[j];
		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (!opts_done && modestr == NULL &&
		    looks_like_mode(a)) {
			modestr = a;
		} else if (!opts_done && strcmp(a, "--recursive") == 0) {
			recursive = true;
		} else if (!opts_done && a[0] == '-' && a[1] != '\0' &&
		    a[1] != '-' && strspn(a + 1, "Rcfv") == strlen(a + 1)) {
			recursive |= strchr(a, 'R') != NULL;
			c.quiet |= strchr(a, 'f') != NULL;
			c.verbose |= strchr(a, 'v') != NULL;
			c.changes |= strchr(a, 'c') != NULL;
		} else if (!opts_done && a[0] == '-' && a[1] != '\0') {
			g_ptr_array_unref(files);
			return fsu_usage("invalid option -- %s",
			    fsu_quote(a + 1));
		} else if (modestr == NULL) {
			modestr = a;
		} else
			g_ptr_array_add(files, (gpointer)a);
	}
	if (modestr == NULL) {
		g_ptr_array_unref(files);
		return fsu_usage("missing operand");
	}
	if (files->len == 0) {
		g_ptr_array_unref(files);
		return fsu_usage("missing operand after %s",
		    fsu_quote(modestr));
	}
	if ((c.mode = fsu_mode_parse(modestr)) == NULL) {
		fsu_errx("invalid mode: %s", fsu_quote(modestr));
		g_ptr_array_unref(files);
		return fsu_try_help();
	}
	for (i = 0; i < files->len; i++) {
		a = g_ptr_array_index(files, i);
		if (recursive) {
			if (fsu_walk(a, FSU_WF_FOLLOW_ROOT, false, -1,
			    chmod_visit, &c) != 0) {
				c.status = 1;
				break;
			}
			continue;
		}
		if ((error = vfs_sys_stat(a, &va)) != 0) {
			if (!c.quiet)
				fsu_err(error, "cannot access %s",
				    fsu_quote(a));
			c.status = 1;
			continue;
		}
		chmod_one(&c, a, &va);
	}
	fsu_mode_free(c.mode);
	g_ptr_array_unref(files);
	return c.status;
}

/* ---- chown, chgrp ---- */

struct chown_ctx {
	uint32_t	 uid, gid;	/* (uint32_t)-1: unchanged */
	bool		 nofollow, quiet, verbose;
	int		 status;
};

static bool
lookup_user(const char *s, uint32_t *uidp, uint32_t *gidp)
{
	struct passwd *pw;
	char *end;
	unsigned long v;

	if ((pw = getpwnam(s)) != NULL) {
		*uidp = pw->pw_uid;
		if (gidp != NULL)
			*gidp = pw->pw_gid;
		return true;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v >= UINT32_MAX)
		return false;
	*uidp = (uint32_t)v;
	if (gidp != NULL) {
		pw = getpwuid((uid_t)v);
		if (pw == NULL)
			return false;
		*gidp = pw->pw_gid;
	}
	return true;
}

static bool
lookup_group(const char *s, uint32_t *gidp)
{
	struct group *gr;
	char *end;
	unsigned long v;

	if ((gr = getgrnam(s)) != NULL) {
		*gidp = gr->gr_gid;
		return true;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v >= UINT32_MAX)
		return false;
	*gidp = (uint32_t)v;
	return true;
}

/* OWNER[:[GROUP]] or :GROUP (also '.' as the separator). */
static bool
parse_owner(const char *spec, struct chown_ctx *c)
{
	char *dup = g_strdup(spec), *sep, *user, *group;
	bool ok = true;

	c->uid = c->gid = (uint32_t)-1;
	sep = strchr(dup, ':');
	if (sep == NULL && getpwnam(dup) == NULL)
		sep = strchr(dup, '.');
	if (sep != NULL)
		*sep = '\0';
	user = dup;
	group = sep != NULL ? sep + 1 : NULL;
	if (*user != '\0') {
		if (!lookup_user(user, &c->uid, group != NULL &&
		    *group == '\0' ? &c->gid : NULL)) {
			fsu_errx("invalid user: %s", fsu_quote(spec));
			ok = false;
		}
	}
	if (ok && group != NULL && *group != '\0' &&
	    !lookup_group(group, &c->gid)) {
		fsu_errx("invalid group: %s", fsu_quote(spec));
		ok = false;
	}
	g_free(dup);
	return ok;
}

static const char *
id_name(uint32_t id, bool user, char *buf, size_t len)
{
	const char *n = user ? fsu_user_name(id) : fsu_group_name(id);

	if (n != NULL)
		return n;
	snprintf(buf, len, "%u", id);
	return buf;
}

static void
chown_one(struct chown_ctx *c, const char *path, const struct vattr *va,
    bool nofollow)
{
	char b1[16], b2[16];
	int error;

	error = vfs_sys_chown(path, c->uid, c->gid,
	    nofollow ? AT_SYMLINK_NOFOLLOW : 0);
	if (error != 0) {
		if (!c->quiet)
			fsu_err(error, "changing ownership of %s",
			    fsu_quote(path));
		c->status = 1;
		return;
	}
	if (!c->verbose)
		return;
	if (c->uid != (uint32_t)-1 && c->uid != va->va_uid)
		printf("changed ownership of %s from %s to %s\n",
		    fsu_quote(path), id_name(va->va_uid, true, b1, 16),
		    id_name(c->uid, true, b2, 16));
	else if (c->gid != (uint32_t)-1 && c->gid != va->va_gid)
		printf("changed group of %s from %s to %s\n",
		    fsu_quote(path), id_name(va->va_gid, false, b1, 16),
		    id_name(c->gid, false, b2, 16));
	else
		printf("ownership of %s retained\n", fsu_quote(path));
}

static int
chown_visit(struct fsu_walk_ent *e, void *arg)
{
	struct chown_ctx *c = arg;

	if (e->error != 0) {
		if (!c->quiet)
			fsu_err(e->error, e->readdir_error ?
			    "cannot read directory %s" : "cannot access %s",
			    fsu_quote(e->path));
		c->status = 1;
		return FSU_WALK_CONTINUE;
	}
	chown_one(c, e->path, &e->va, true);
	return FSU_WALK_CONTINUE;
}

static int
chown_common(int argc, char **argv, bool group_only)
{
	static const struct option longopts[] = {
		{ "recursive", no_argument, NULL, 'R' },
		{ "no-dereference", no_argument, NULL, 'h' },
		{ "dereference", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct chown_ctx c;
	bool recursive = false;
	struct vattr va;
	int ch, i, error;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "cfhRv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
		case 'v':	c.verbose = true; break;
		case 'f':	c.quiet = true; break;
		case 'h':	c.nofollow = true; break;
		case 'D':	c.nofollow = false; break;
		case 'R':	recursive = true; break;
		default:	return fsu_try_help();
		}
	}
	if (optind >= argc)
		return fsu_usage("missing operand");
	if (optind + 1 >= argc)
		return fsu_usage("missing operand after %s",
		    fsu_quote(argv[optind]));
	if (group_only) {
		c.uid = (uint32_t)-1;
		if (!lookup_group(argv[optind], &c.gid)) {
			fsu_errx("invalid group: %s", fsu_quote(argv[optind]));
			return 1;
		}
	} else if (!parse_owner(argv[optind], &c))
		return 1;
	for (i = optind + 1; i < argc; i++) {
		if (recursive) {
			if (fsu_walk(argv[i], 0, false, -1, chown_visit,
			    &c) != 0) {
				c.status = 1;
				break;
			}
			continue;
		}
		error = c.nofollow ? vfs_sys_lstat(argv[i], &va) :
		    vfs_sys_stat(argv[i], &va);
		if (error != 0) {
			if (!c.quiet)
				fsu_err(error, "cannot access %s",
				    fsu_quote(argv[i]));
			c.status = 1;
			continue;
		}
		chown_one(&c, argv[i], &va, c.nofollow);
	}
	return c.status;
}

int
cmd_chown(int argc, char **argv)
{

	return chown_common(argc, argv, false);
}

int
cmd_chgrp(int argc, char **argv)
{

	return chown_common(argc, argv, true);
}

/* ---- touch ---- */

int
cmd_touch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-create", no_argument, NULL, 'c' },
		{ "date", required_argument, NULL, 'd' },
		{ "reference", required_argument, NULL, 'r' },
		{ "no-dereference", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vfs_timespec ts[2];
	bool atime = false, mtime = false, nocreate = false, nofollow = false;
	struct vattr va;
	int ch, i, fd, error, rc = 0;

	ts[0].tv_sec = ts[1].tv_sec = 0;
	ts[0].tv_nsec = ts[1].tv_nsec = UTIME_NOW;
	while ((ch = getopt_long(argc, argv, "acd:fhmr:t:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':	atime = true; break;
		case 'c':	nocreate = true; break;
		case 'f':	break;
		case 'h':	nofollow = true; nocreate = true; break;
		case 'm':	mtime = true; break;
		case 'd':
			if (!fsu_parse_date(optarg, &ts[0])) {
				fsu_errx("invalid date format %s",
				    fsu_quote(optarg));
				return 1;
			}
			ts[1] = ts[0];
			break;
		case 't':
			if (!fsu_parse_stamp(optarg, &ts[0])) {
				fsu_errx("invalid date format %s",
				    fsu_quote(optarg));
				return 1;
			}
			ts[1] = ts[0];
			break;
		case 'r':
			if ((error = vfs_sys_stat(optarg, &va)) != 0) {
				fsu_err(error, "failed to get attributes of %s",
				    fsu_quote(optarg));
				return 1;
			}
			ts[0] = va.va_atime;
			ts[1] = va.va_mtime;
			break;
		default:
			return fsu_try_help();
		}
	}
	if (atime && !mtime)
		ts[1].tv_nsec = UTIME_OMIT;
	if (mtime && !atime)
		ts[0].tv_nsec = UTIME_OMIT;
	if (optind >= argc)
		return fsu_usage("missing file operand");
	for (i = optind; i < argc; i++) {
		error = nofollow ? vfs_sys_lstat(argv[i], &va) :
		    vfs_sys_stat(argv[i], &va);
		if (error == ENOENT && nocreate)
			continue;
		if (error == ENOENT) {
			error = vfs_sys_open(argv[i], O_WRONLY | O_CREAT,
			    0666 & ~fsu.umask, &fd);
			if (error != 0) {
				fsu_err(error, "cannot touch %s",
				    fsu_quote(argv[i]));
				rc = 1;
				continue;
			}
			(void)vfs_sys_close(fd);
		}
		error = vfs_sys_utimens(argv[i], ts,
		    nofollow ? AT_SYMLINK_NOFOLLOW : 0);
		if (error != 0) {
			fsu_err(error, "setting times of %s",
			    fsu_quote(argv[i]));
			rc = 1;
		}
	}
	return rc;
}
