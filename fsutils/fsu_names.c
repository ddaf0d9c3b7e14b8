/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_names.c -- the commands that make, move and remove names: "mv",
 * "rm", "rmdir", "mkdir", "ln", "mknod" and "mkfifo", with coreutils'
 * options, messages and exit statuses.
 *
 * The kernel applies no umask: new objects get 0777 (directories) or
 * 0666 less fsu's own umask, as the coreutils would through the host
 * kernel, unless -m says otherwise.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "fsu.h"

/* A path made only of slashes: the image's root. */
static bool
is_root(const char *path)
{

	return path[0] == '/' && path[strspn(path, "/")] == '\0';
}

/* ---- mkdir ---- */

/*
 * mkdir -p PATH: missing parents first.  Reports its own errors.
 * => 0 made, -1 PATH was already a directory, else the error.
 */
static int
mkdir_parents(const char *path, uint32_t mode, bool verbose)
{
	char *p = g_strdup(path), *s;
	struct vattr va;
	int error = 0;

	/* Every proper prefix: create if missing, u+wx as GNU does. */
	for (s = p + strspn(p, "/"); (s = strchr(s, '/')) != NULL;
	    s += strspn(s, "/")) {
		*s = '\0';
		error = vfs_sys_mkdir(p, ((0777 & ~fsu.umask) | 0300));
		if (error == 0 && verbose)
			printf("%s: created directory %s\n", fsu.progname,
			    fsu_quote(p));
		if (error == EEXIST)
			error = vfs_sys_stat(p, &va) != 0 ? EEXIST :
			    va.va_type == VDIR ? 0 : ENOTDIR;
		*s = '/';
		if (error != 0) {
			*s = '\0';
			fsu_err(error, "cannot create directory %s",
			    fsu_quote(p));
			g_free(p);
			return error;
		}
	}
	g_free(p);
	error = vfs_sys_mkdir(path, mode);
	if (error == EEXIST && vfs_sys_stat(path, &va) == 0 &&
	    va.va_type == VDIR)
		return -1;	/* exists: fine for -p, nothing to chmod */
	if (error != 0)
		fsu_err(error, "cannot create directory %s", fsu_quote(path));
	return error;
}

int
cmd_mkdir(int argc, char **argv)
{
	struct fsu_mode *m = NULL;
	bool parents = false, verbose = false;
	uint32_t mode = 0777 & ~fsu.umask;
	int c, i, error, rc = 0;

	while ((c = getopt(argc, argv, "m:pv")) != -1) {
		switch (c) {
		case 'm':
			fsu_mode_free(m);
			if ((m = fsu_mode_parse(optarg)) == NULL) {
				fsu_errx("invalid mode %s", fsu_quote(optarg));
				return 1;
			}
			break;
		case 'p':	parents = true; break;
		case 'v':	verbose = true; break;
		default:
			fsu_mode_free(m);
			return fsu_try_help();
		}
	}
	if (m != NULL)
		mode = fsu_mode_apply(m, 0777, true, fsu.umask);
	fsu_mode_free(m);
	if (optind >= argc)
		return fsu_usage("missing operand");
	for (i = optind; i < argc; i++) {
		if (parents) {
			error = mkdir_parents(argv[i], mode, verbose);
			if (error == -1)
				continue;	/* it exists */
			if (error != 0) {
				rc = 1;		/* reported */
				continue;
			}
		} else
			error = vfs_sys_mkdir(argv[i], mode);
		if (error != 0) {
			fsu_err(error, "cannot create directory %s",
			    fsu_quote(argv[i]));
			rc = 1;
			continue;
		}
		/* mkdir(2) may drop special bits; -m wants them. */
		if ((mode & 07000) != 0 &&
		    (error = vfs_sys_chmod(argv[i], mode)) != 0) {
			fsu_err(error, "cannot set permissions of %s",
			    fsu_quote(argv[i]));
			rc = 1;
		}
		if (verbose)
			printf("%s: created directory %s\n", fsu.progname,
			    fsu_quote(argv[i]));
	}
	return rc;
}

/* ---- rmdir ---- */

int
cmd_rmdir(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ignore-fail-on-non-empty", no_argument, NULL, 'I' },
		{ "parents", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	bool parents = false, ignore = false;
	char *p, *slash;
	int c, i, error, rc = 0;

	while ((c = getopt_long(argc, argv, "pv", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':	parents = true; break;
		case 'I':	ignore = true; break;
		case 'v':	break;
		default:	return fsu_try_help();
		}
	}
	if (optind >= argc)
		return fsu_usage("missing operand");
	for (i = optind; i < argc; i++) {
		p = g_strdup(argv[i]);
		for (;;) {
			error = vfs_sys_rmdir(p);
			if (error != 0) {
				if (!(ignore && (error == ENOTEMPTY ||
				    error == EEXIST))) {
					fsu_err(error, "failed to remove %s",
					    fsu_quote(p));
					rc = 1;
				}
				break;
			}
			if (!parents)
				break;
			/* Strip trailing slashes, then the last name. */
			while (strlen(p) > 1 && p[strlen(p) - 1] == '/')
				p[strlen(p) - 1] = '\0';
			if ((slash = strrchr(p, '/')) == NULL)
				break;
			while (slash > p && slash[-1] == '/')
				slash--;
			if (slash == p)
				break;
			*slash = '\0';
		}
		g_free(p);
	}
	return rc;
}

/* ---- rm ---- */

struct rm_ctx {
	bool		 force, verbose;
	GArray		*failed;	/* per depth: child failed */
	int		 status;
};

static bool *
failed_at(struct rm_ctx *c, int depth)
{

	if ((guint)depth >= c->failed->len)
		g_array_set_size(c->failed, (guint)depth + 1);
	return &g_array_index(c->failed, bool, depth);
}

static void
rm_fail(struct rm_ctx *c, int depth, int error, const char *path)
{
	int d;

	fsu_err(error, "cannot remove %s", fsu_quote(path));
	c->status = 1;
	for (d = 0; d < depth; d++)
		*failed_at(c, d) = true;
}

static int
rm_visit(struct fsu_walk_ent *e, void *arg)
{
	struct rm_ctx *c = arg;
	int error;

	if (e->error != 0 && !e->readdir_error) {
		if (!(c->force && e->error == ENOENT))
			rm_fail(c, e->depth, e->error, e->path);
		return FSU_WALK_CONTINUE;
	}
	if (e->va.va_type == VDIR && !e->post) {
		*failed_at(c, e->depth) = false;
		return FSU_WALK_CONTINUE;
	}
	if (e->readdir_error) {
		rm_fail(c, e->depth, e->error, e->path);
		return FSU_WALK_CONTINUE;
	}
	if (e->va.va_type == VDIR) {
		if (*failed_at(c, e->depth))
			return FSU_WALK_CONTINUE;	/* already said */
		if (e->depth == 0 && is_root(e->path))
			return FSU_WALK_CONTINUE;	/* the mount root */
		error = vfs_sys_rmdir(e->path);
	} else
		error = vfs_sys_unlink(e->path);
	if (error != 0 && !(c->force && error == ENOENT))
		rm_fail(c, e->depth, error, e->path);
	else if (error == 0 && c->verbose)
		printf("removed %s%s\n", e->va.va_type == VDIR ?
		    "directory " : "", fsu_quote(e->path));
	return FSU_WALK_CONTINUE;
}

int
cmd_rm(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-preserve-root", no_argument, NULL, 'N' },
		{ "preserve-root", no_argument, NULL, 'P' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "dir", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct rm_ctx c;
	bool recursive = false, dirs = false, preserve_root = true;
	struct vattr va;
	const char *path;
	int ch, i, error;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "dfirRv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':	dirs = true; break;
		case 'f':	c.force = true; break;
		case 'i':	break;
		case 'r':
		case 'R':	recursive = true; break;
		case 'v':	c.verbose = true; break;
		case 'N':	preserve_root = false; break;
		case 'P':	preserve_root = true; break;
		default:	return fsu_try_help();
		}
	}
	if (optind >= argc) {
		if (c.force)
			return 0;
		return fsu_usage("missing operand");
	}
	c.failed = g_array_new(FALSE, TRUE, sizeof(bool));
	for (i = optind; i < argc; i++) {
		path = argv[i];
		if (fsu_is_dot_or_dotdot(path)) {
			fsu_errx("refusing to remove '.' or '..' directory: "
			    "skipping %s", fsu_quote(path));
			c.status = 1;
			continue;
		}
		if (recursive && preserve_root && is_root(path)) {
			fsu_errx("it is dangerous to operate recursively on "
			    "%s", fsu_quote(path));
			fsu_errx("use --no-preserve-root to override this "
			    "failsafe");
			c.status = 1;
			continue;
		}
		if ((error = vfs_sys_lstat(path, &va)) != 0) {
			if (!(c.force && error == ENOENT)) {
				fsu_err(error, "cannot remove %s",
				    fsu_quote(path));
				c.status = 1;
			}
			continue;
		}
		if (va.va_type == VDIR && recursive) {
			if (fsu_walk(path, FSU_WF_POSTORDER, false, -1,
			    rm_visit, &c) != 0) {
				c.status = 1;
				break;
			}
			continue;
		}
		if (va.va_type == VDIR && !dirs) {
			fsu_err(EISDIR, "cannot remove %s", fsu_quote(path));
			c.status = 1;
			continue;
		}
		error = va.va_type == VDIR ? vfs_sys_rmdir(path) :
		    vfs_sys_unlink(path);
		if (error != 0) {
			fsu_err(error, "cannot remove %s", fsu_quote(path));
			c.status = 1;
		} else if (c.verbose)
			printf("removed %s%s\n", va.va_type == VDIR ?
			    "directory " : "", fsu_quote(path));
	}
	g_array_unref(c.failed);
	return c.status;
}

/* ---- mv ---- */

static int
mv_one(const char *src, const char *dst, bool noclobber)
{
	struct vattr va;
	int error;

	if ((error = vfs_sys_lstat(src, &va)) != 0) {
		fsu_err(error, "cannot stat %s", fsu_quote(src));
		return 1;
	}
	error = noclobber ? vfs_sys_renameat2(src, dst, RENAME_NOREPLACE) :
	    vfs_sys_rename(src, dst);
	if (error == EEXIST && noclobber)
		return 0;
	switch (error) {
	case 0:
		return 0;
	case EINVAL:
		fsu_errx("cannot move %s to a subdirectory of itself, %s",
		    fsu_quote(src), fsu_quote(dst));
		break;
	case EISDIR:
		fsu_errx("cannot overwrite directory %s with "
		    "non-directory", fsu_quote(dst));
		break;
	case ENOTDIR:
		if (va.va_type == VDIR) {
			fsu_errx("cannot overwrite non-directory %s with "
			    "directory %s", fsu_quote(dst), fsu_quote(src));
			break;
		}
		/* FALLTHROUGH */
	default:
		fsu_err(error, "cannot move %s to %s", fsu_quote(src),
		    fsu_quote(dst));
		break;
	}
	return 1;
}

int
cmd_mv(int argc, char **argv)
{
	bool noclobber = false, notarget = false, intodir;
	struct vattr va;
	const char *dest;
	char *base, *dst;
	int c, i, n, rc = 0;

	while ((c = getopt(argc, argv, "finTv")) != -1) {
		switch (c) {
		case 'f':	noclobber = false; break;
		case 'i':	break;
		case 'n':	noclobber = true; break;
		case 'T':	notarget = true; break;
		case 'v':	break;
		default:	return fsu_try_help();
		}
	}
	n = argc - optind;
	if (n == 0)
		return fsu_usage("missing file operand");
	if (n == 1)
		return fsu_usage("missing destination file operand after %s",
		    fsu_quote(argv[optind]));
	dest = argv[argc - 1];
	intodir = !notarget && vfs_sys_stat(dest, &va) == 0 &&
	    va.va_type == VDIR;
	if (notarget && n > 2)
		return fsu_usage("extra operand %s",
		    fsu_quote(argv[optind + 2]));
	if (n > 2 && !intodir) {
		fsu_err(ENOTDIR, "target %s", fsu_quote(dest));
		return 1;
	}
	for (i = optind; i < argc - 1; i++) {
		if (intodir) {
			base = fsu_basename(argv[i]);
			dst = fsu_path_join(dest, base);
			g_free(base);
		} else
			dst = g_strdup(dest);
		rc |= mv_one(argv[i], dst, noclobber);
		g_free(dst);
	}
	return rc;
}

/* ---- ln ---- */

int
cmd_ln(int argc, char **argv)
{
	bool symbolic = false, force = false, notarget = false, intodir;
	struct vattr va;
	const char *dest;
	char *base, *link;
	int c, i, n, last, error, rc = 0;

	while ((c = getopt(argc, argv, "fnsTv")) != -1) {
		switch (c) {
		case 'f':	force = true; break;
		case 'n':	break;
		case 's':	symbolic = true; break;
		case 'T':	notarget = true; break;
		case 'v':	break;
		default:	return fsu_try_help();
		}
	}
	n = argc - optind;
	if (n == 0)
		return fsu_usage("missing file operand");
	if (notarget && n > 2)
		return fsu_usage("extra operand %s",
		    fsu_quote(argv[optind + 2]));
	if (n == 1) {
		dest = "/";
		intodir = true;
		last = argc;
	} else {
		dest = argv[argc - 1];
		intodir = !notarget && vfs_sys_stat(dest, &va) == 0 &&
		    va.va_type == VDIR;
		last = argc - 1;
		if (n > 2 && !intodir) {
			fsu_err(ENOTDIR, "target %s", fsu_quote(dest));
			return 1;
		}
	}
	for (i = optind; i < last; i++) {
		if (intodir) {
			base = fsu_basename(argv[i]);
			link = fsu_path_join(dest, base);
			g_free(base);
		} else
			link = g_strdup(dest);
		if (!symbolic) {
			error = vfs_sys_stat(argv[i], &va);
			if (error != 0) {
				fsu_err(error, "failed to access %s",
				    fsu_quote(argv[i]));
				rc = 1;
				g_free(link);
				continue;
			}
			if (va.va_type == VDIR) {
				fsu_errx("%s: hard link not allowed for "
				    "directory", argv[i]);
				rc = 1;
				g_free(link);
				continue;
			}
		}
		if (force && vfs_sys_lstat(link, &va) == 0 &&
		    va.va_type != VDIR)
			(void)vfs_sys_unlink(link);
		error = symbolic ? vfs_sys_symlink(argv[i], link) :
		    vfs_sys_link(argv[i], link);
		if (error != 0) {
			if (symbolic)
				fsu_err(error, "failed to create symbolic "
				    "link %s", fsu_quote(link));
			else
				fsu_err(error, "failed to create hard link %s",
				    fsu_quote(link));
			rc = 1;
		}
		g_free(link);
	}
	return rc;
}

/* ---- mknod, mkfifo ---- */

static bool
parse_mode_opt(const char *arg, uint32_t *modep)
{
	struct fsu_mode *m = fsu_mode_parse(arg);

	if (m == NULL) {
		fsu_errx("invalid mode %s", fsu_quote(arg));
		return false;
	}
	*modep = fsu_mode_apply(m, 0666, false, fsu.umask);
	fsu_mode_free(m);
	return true;
}

static bool
parse_devnum(const char *s, unsigned *vp)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (*s == '\0' || *end != '\0' || errno != 0 || v > UINT32_MAX)
		return false;
	*vp = (unsigned)v;
	return true;
}

int
cmd_mknod(int argc, char **argv)
{
	uint32_t mode = 0666 & ~fsu.umask, fmt;
	bool modeset = false;
	unsigned maj = 0, min = 0;
	const char *name, *type;
	int c, n, error;

	while ((c = getopt(argc, argv, "m:")) != -1) {
		if (c != 'm')
			return fsu_try_help();
		if (!parse_mode_opt(optarg, &mode))
			return 1;
		modeset = true;
	}
	n = argc - optind;
	if (n < 2)
		return fsu_usage("missing operand");
	name = argv[optind];
	type = argv[optind + 1];
	if (strcmp(type, "p") == 0) {
		if (n > 2) {
			fsu_errx("Fifos do not have major and minor device "
			    "numbers.");
			return fsu_try_help();
		}
		fmt = S_IFIFO;
	} else if (strcmp(type, "b") == 0 || strcmp(type, "c") == 0 ||
	    strcmp(type, "u") == 0) {
		if (n < 4)
			return fsu_usage("missing operand after %s\nSpecial "
			    "files require major and minor device numbers.",
			    fsu_quote(argv[argc - 1]));
		if (n > 4)
			return fsu_usage("extra operand %s",
			    fsu_quote(argv[optind + 4]));
		if (!parse_devnum(argv[optind + 2], &maj)) {
			fsu_errx("invalid major device number %s",
			    fsu_quote(argv[optind + 2]));
			return 1;
		}
		if (!parse_devnum(argv[optind + 3], &min)) {
			fsu_errx("invalid minor device number %s",
			    fsu_quote(argv[optind + 3]));
			return 1;
		}
		fmt = type[0] == 'b' ? S_IFBLK : S_IFCHR;
	} else
		return fsu_usage("invalid device type %s", fsu_quote(type));
	error = vfs_sys_mknod(name, fmt | mode, makedev(maj, min));
	if (error != 0) {
		fsu_err(error, "%s", name);
		return 1;
	}
	if (modeset && (error = vfs_sys_chmod(name, mode)) != 0) {
		fsu_err(error, "cannot set permissions of %s",
		    fsu_quote(name));
		return 1;
	}
	return 0;
}

int
cmd_mkfifo(int argc, char **argv)
{
	uint32_t mode = 0666 & ~fsu.umask;
	bool modeset = false;
	int c, i, error, rc = 0;

	while ((c = getopt(argc, argv, "m:")) != -1) {
		if (c != 'm')
			return fsu_try_help();
		if (!parse_mode_opt(optarg, &mode))
			return 1;
		modeset = true;
	}
	if (optind >= argc)
		return fsu_usage("missing operand");
	for (i = optind; i < argc; i++) {
		error = vfs_sys_mknod(argv[i], S_IFIFO | mode, 0);
		if (error == 0 && modeset)
			error = vfs_sys_chmod(argv[i], mode);
		if (error != 0) {
			fsu_err(error, "cannot create fifo %s",
			    fsu_quote(argv[i]));
			rc = 1;
		}
	}
	return rc;
}
