/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_copy.c -- the copy engine and the three commands built on it:
 * "cp" (image to image), "get" (image to host) and "put" (host to
 * image).  The two ends are struct fsu_side tables (fsu_side.c), so the
 * engine does not care where files live.
 *
 * Semantics follow GNU cp: SOURCE... DEST copies into DEST if it is a
 * directory (or must be one with several sources); directories need
 * -r; with -r symbolic links are copied as links and FIFOs and device
 * nodes recreated; without -r a symbolic link named as a source is
 * followed.  Special files in the image are always recreated (their
 * contents cannot be read).  A sparse source (fewer bytes allocated
 * than its size) is copied with holes: all-zero blocks are skipped, with
 * SEEK_DATA/SEEK_HOLE where the source supports them.
 *
 * Preserving (-p): ownership first (a host that refuses it, as for an
 * unprivileged user, is silently skipped and set-id bits dropped, like
 * cp), then the mode, extended attributes (unsupported or forbidden
 * namespaces skipped silently, as cp -a does), then the timestamps;
 * a directory's attributes are set after its contents are copied.
 * Hard links among the copied files are kept (-p for get/put, -a for
 * cp) by remembering each multi-link source inode's first copy.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsu.h"

#define COPY_CHUNK	(256 * 1024)
#define HOLE_BLOCK	4096

struct copy {
	const struct fsu_side *src, *dst;
	bool		 recursive;	/* -r */
	bool		 deref;		/* follow all source links */
	bool		 deref_top;	/* follow links given */
	bool		 preserve;	/* mode, ownership, timestamps */
	bool		 xattrs;
	bool		 hardlinks;
	bool		 noclobber;	/* -n */
	bool		 force;		/* -f */
	GHashTable	*links;		/* src ino -> 1st copy */
	GArray		*ancestors;	/* src dir inos (-L) */
	char		*buf;
	int		 status;
};

static void copy_entry(struct copy *c, const char *s, const char *d,
    bool top);

static void
fail(struct copy *c)
{

	c->status = 1;
}

static bool
all_zero(const char *p, size_t len)
{

	return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

/* Copy [OFF, END) of SFD to DFD; holes for zero blocks if SPARSE. */
static int
copy_range(struct copy *c, int sfd, int dfd, uint64_t off, uint64_t end,
    bool sparse)
{
	size_t n, want, w, blk, done;
	int error;

	while (off < end) {
		if ((error = fsu_check_intr()) != 0)
			return error;
		want = (size_t)MIN((uint64_t)COPY_CHUNK, end - off);
		if ((error = c->src->pread(sfd, c->buf, want, off, &n)) != 0)
			return error;
		if (n == 0)
			break;		/* the file shrank under us */
		for (done = 0; done < n; done += blk) {
			blk = MIN((size_t)HOLE_BLOCK, n - done);
			if (sparse && all_zero(c->buf + done, blk))
				continue;
			if ((error = c->dst->pwrite(dfd, c->buf + done, blk,
			    off + done, &w)) != 0)
				return error;
			if (w != blk)
				return EIO;
		}
		off += n;
	}
	return 0;
}

/* Copy the data of regular file SFD (SVA) to DFD. */
static int
copy_data(struct copy *c, int sfd, int dfd, const struct vattr *sva)
{
	uint64_t off = 0, data, hole, size = sva->va_size;
	bool sparse = sva->va_bytes < sva->va_size;
	int error = 0;

	if (!sparse)
		return copy_range(c, sfd, dfd, 0, UINT64_MAX, false);
	while (off < size) {
		error = c->src->lseek(sfd, (int64_t)off, SEEK_DATA, &data);
		if (error == ENXIO)
			break;		/* only a hole is left */
		if (error != 0) {
			/* No SEEK_DATA here: look at every block. */
			error = copy_range(c, sfd, dfd, off, size, true);
			break;
		}
		if (c->src->lseek(sfd, (int64_t)data, SEEK_HOLE, &hole) != 0)
			hole = size;
		if ((error = copy_range(c, sfd, dfd, data, MIN(hole, size),
		    true)) != 0)
			return error;
		off = hole;
	}
	if (error != 0 && error != ENXIO)
		return error;
	return c->dst->ftruncate(dfd, size);
}

static int
copy_file(struct copy *c, const char *s, const char *d,
    const struct vattr *sva, bool dexists)
{
	uint32_t mode = sva->va_mode & 0777;
	int sfd, dfd, error, cerr;

	if (!c->preserve)
		mode &= ~fsu.umask;
	if ((error = c->src->open(s, O_RDONLY, 0, &sfd)) != 0) {
		fsu_err(error, "cannot open %s for reading", fsu_quote(s));
		return error;
	}
	error = c->dst->open(d, O_WRONLY | O_CREAT | O_TRUNC, mode, &dfd);
	if (error != 0 && dexists && c->force && c->dst->unlink(d) == 0)
		error = c->dst->open(d, O_WRONLY | O_CREAT | O_TRUNC, mode,
		    &dfd);
	if (error != 0) {
		fsu_err(error, dexists ? "cannot open %s for writing" :
		    "cannot create regular file %s", fsu_quote(d));
		(void)c->src->close(sfd);
		return error;
	}
	error = copy_data(c, sfd, dfd, sva);
	(void)c->src->close(sfd);
	cerr = c->dst->close(dfd);
	if (error == 0)
		error = cerr;
	if (error != 0)
		fsu_err(error, "error copying %s to %s", fsu_quote(s),
		    fsu_quote(d));
	return error;
}

static bool
xattr_ignorable(int error)
{

	return error == ENOTSUP || error == EOPNOTSUPP || error == EPERM ||
	    error == EACCES || error == ENODATA;
}

static void
copy_xattrs(struct copy *c, const char *s, const char *d)
{
	char *list, *name, *val;
	size_t len, vlen;
	int error;

	if ((error = c->src->llistxattr(s, &list, &len)) != 0) {
		if (!xattr_ignorable(error)) {
			fsu_err(error, "cannot list attributes of %s",
			    fsu_quote(s));
			fail(c);
		}
		return;
	}
	for (name = list; name < list + len; name += strlen(name) + 1) {
		if (*name == '\0')
			continue;
		if ((error = c->src->lgetxattr(s, name, &val, &vlen)) != 0) {
			if (!xattr_ignorable(error)) {
				fsu_err(error, "cannot read attribute %s of "
				    "%s", fsu_quote(name), fsu_quote(s));
				fail(c);
			}
			continue;
		}
		error = c->dst->lsetxattr(d, name, val, vlen);
		if (error != 0 && !xattr_ignorable(error)) {
			fsu_err(error, "setting attribute %s for %s",
			    fsu_quote(name), fsu_quote(d));
			fail(c);
		}
		g_free(val);
	}
	g_free(list);
}

/* Ownership, mode, xattrs, times of the copy D of S, in that order. */
static void
copy_attrs(struct copy *c, const char *s, const char *d,
    const struct vattr *sva, bool created)
{
	struct vfs_timespec ts[2];
	uint32_t mode = sva->va_mode & 07777;
	int error;

	if (c->preserve) {
		error = c->dst->lchown(d, sva->va_uid, sva->va_gid);
		if (error != 0) {
			/* An unprivileged host user: keep what we can. */
			if (c->dst->is_host && (error == EPERM ||
			    error == EINVAL))
				(void)c->dst->lchown(d, (uint32_t)-1,
				    sva->va_gid);
			else {
				fsu_err(error, "failed to preserve ownership "
				    "for %s", fsu_quote(d));
				fail(c);
			}
			mode &= ~06000u;
		}
	}
	if (sva->va_type != VLNK) {
		error = 0;
		if (c->preserve)
			error = c->dst->chmod(d, mode);
		else if (created && sva->va_type == VDIR)
			error = c->dst->chmod(d, mode & 0777 & ~fsu.umask);
		if (error != 0) {
			fsu_err(error, "preserving permissions for %s",
			    fsu_quote(d));
			fail(c);
		}
	}
	if (c->xattrs)
		copy_xattrs(c, s, d);
	if (c->preserve) {
		ts[0] = sva->va_atime;
		ts[1] = sva->va_mtime;
		if ((error = c->dst->lutimens(d, ts)) != 0 &&
		    !(sva->va_type == VLNK && error == EOPNOTSUPP)) {
			fsu_err(error, "preserving times for %s",
			    fsu_quote(d));
			fail(c);
		}
	}
}

static void
copy_dir(struct copy *c, const char *s, const char *d,
    const struct vattr *sva, bool dexists, const struct vattr *dva)
{
	GPtrArray *ents;
	bool created = false;
	char *cs, *cd;
	guint i;
	int error;

	if (dexists && dva->va_type != VDIR) {
		fsu_errx("cannot overwrite non-directory %s with directory %s",
		    fsu_quote(d), fsu_quote(s));
		fail(c);
		return;
	}
	for (i = 0; i < c->ancestors->len; i++)
		if (g_array_index(c->ancestors, uint64_t, i) ==
		    sva->va_fileid) {
			fsu_errx("WARNING: source directory %s is its own "
			    "ancestor; not copied", fsu_quote(s));
			fail(c);
			return;
		}
	if (!dexists) {
		error = c->dst->mkdir(d, (sva->va_mode & 0777) | 0700);
		if (error != 0) {
			fsu_err(error, "cannot create directory %s",
			    fsu_quote(d));
			fail(c);
			return;
		}
		created = true;
	}
	if ((error = c->src->readdir(s, &ents)) != 0) {
		fsu_err(error, "cannot access %s", fsu_quote(s));
		fail(c);
	} else {
		g_array_append_val(c->ancestors, sva->va_fileid);
		for (i = 0; i < ents->len && !fsu.interrupted; i++) {
			const struct fsu_dirent *e = g_ptr_array_index(ents,
			    i);

			cs = fsu_path_join(s, e->name);
			cd = fsu_path_join(d, e->name);
			copy_entry(c, cs, cd, false);
			g_free(cs);
			g_free(cd);
		}
		g_array_set_size(c->ancestors, c->ancestors->len - 1);
		g_ptr_array_unref(ents);
	}
	copy_attrs(c, s, d, sva, created);
}

/* D is a second name of an already copied inode: link it. */
static bool
copy_hardlink(struct copy *c, const char *d, const struct vattr *sva,
    bool dexists)
{
	const char *first;
	int error;

	first = g_hash_table_lookup(c->links, &sva->va_fileid);
	if (first == NULL)
		return false;
	if (dexists && c->noclobber)
		return true;
	if (dexists)
		(void)c->dst->unlink(d);
	if ((error = c->dst->link(first, d)) != 0) {
		fsu_err(error, "cannot create hard link %s to %s",
		    fsu_quote(d), fsu_quote(first));
		fail(c);
	}
	return true;
}

static void
copy_entry(struct copy *c, const char *s, const char *d, bool top)
{
	struct vattr sva, dva;
	bool dexists, follow;
	char *target;
	uint32_t mode;
	int error;

	if (fsu.interrupted) {
		fail(c);
		return;
	}
	follow = c->deref || (top && c->deref_top);
	error = follow ? c->src->stat(s, &sva) : c->src->lstat(s, &sva);
	if (error != 0) {
		fsu_err(error, "cannot stat %s", fsu_quote(s));
		fail(c);
		return;
	}
	dexists = c->dst->lstat(d, &dva) == 0;
	if (sva.va_type == VDIR) {
		if (!c->recursive) {
			fsu_errx("-r not specified; omitting directory %s",
			    fsu_quote(s));
			fail(c);
			return;
		}
		copy_dir(c, s, d, &sva, dexists, &dva);
		return;
	}
	if (dexists && c->src == c->dst && dva.va_fileid == sva.va_fileid) {
		fsu_errx("%s and %s are the same file", fsu_quote(s),
		    fsu_quote(d));
		fail(c);
		return;
	}
	if (dexists && dva.va_type == VDIR) {
		fsu_errx("cannot overwrite directory %s with non-directory",
		    fsu_quote(d));
		fail(c);
		return;
	}
	if (dexists && c->noclobber)
		return;
	if (c->hardlinks && sva.va_nlink > 1 &&
	    copy_hardlink(c, d, &sva, dexists))
		return;

	mode = sva.va_mode & 0777;
	if (!c->preserve)
		mode &= ~fsu.umask;
	switch (sva.va_type) {
	case VREG:
		error = copy_file(c, s, d, &sva, dexists);
		break;
	case VLNK:
		if ((error = c->src->readlink(s, &target)) != 0) {
			fsu_err(error, "cannot read symbolic link %s",
			    fsu_quote(s));
			break;
		}
		if (dexists)
			(void)c->dst->unlink(d);
		if ((error = c->dst->symlink(target, d)) != 0)
			fsu_err(error, "cannot create symbolic link %s",
			    fsu_quote(d));
		g_free(target);
		break;
	default:
		if (c->src->is_host && !c->recursive) {
			error = copy_file(c, s, d, &sva, dexists);
			break;
		}
		if (dexists)
			(void)c->dst->unlink(d);
		error = c->dst->mknod(d, fsu_vtype_ifmt(sva.va_type) | mode,
		    sva.va_rdev);
		if (error != 0)
			fsu_err(error, "cannot create special file %s",
			    fsu_quote(d));
		break;
	}
	if (error != 0) {
		fail(c);
		return;
	}
	if (c->hardlinks && sva.va_nlink > 1)
		g_hash_table_insert(c->links,
		    g_memdup2(&sva.va_fileid, sizeof(uint64_t)), g_strdup(d));
	copy_attrs(c, s, d, &sva, !dexists);
}

/* cp's "into itself" check, for copies inside the image. */
static bool
into_itself(struct copy *c, const char *s, const char *d)
{
	char *cs = NULL, *cd = NULL;
	size_t n;
	bool r = false;

	if (c->src != c->dst || fsu_canonicalize(s, &cs) != 0 ||
	    fsu_canonicalize(d, &cd) != 0)
		goto out;
	n = strlen(cs);
	r = strncmp(cs, cd, n) == 0 && (cd[n] == '/' || cd[n] == '\0' ||
	    n == 1);
out:
	g_free(cs);
	g_free(cd);
	return r;
}

/* SOURCE... DEST with cp's rules for a target directory. */
static int
copy_run(struct copy *c, int nsrc, char **srcs, const char *dest,
    bool notarget)
{
	struct vattr va, sva;
	bool intodir;
	char *base, *d;
	int i;

	c->links = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
	    g_free);
	c->ancestors = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	c->buf = g_malloc(COPY_CHUNK);
	intodir = !notarget && c->dst->stat(dest, &va) == 0 &&
	    va.va_type == VDIR;
	if (nsrc > 1 && !intodir) {
		fsu_err(ENOTDIR, "target %s", fsu_quote(dest));
		c->status = 1;
		goto out;
	}
	for (i = 0; i < nsrc && !fsu.interrupted; i++) {
		if (intodir) {
			base = fsu_basename(srcs[i]);
			d = fsu_path_join(dest, base);
			g_free(base);
		} else
			d = g_strdup(dest);
		if (c->recursive && c->src->stat(srcs[i], &sva) == 0 &&
		    sva.va_type == VDIR && into_itself(c, srcs[i], d)) {
			fsu_errx("cannot copy a directory, %s, into itself, "
			    "%s", fsu_quote(srcs[i]), fsu_quote(d));
			c->status = 1;
		} else
			copy_entry(c, srcs[i], d, true);
		g_free(d);
	}
	if (fsu.interrupted) {
		fsu_err(EINTR, "copy");
		c->status = 1;
	}
out:
	g_hash_table_unref(c->links);
	g_array_unref(c->ancestors);
	g_free(c->buf);
	return c->status;
}

/* ---- the commands ---- */

int
cmd_cp(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "archive", no_argument, NULL, 'a' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "no-clobber", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "dereference", no_argument, NULL, 'L' },
		{ "no-dereference", no_argument, NULL, 'P' },
		{ "no-target-directory", no_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct copy c;
	bool notarget = false, nofollow = false;
	int ch, n;

	memset(&c, 0, sizeof(c));
	c.src = c.dst = &fsu_image_side;
	while ((ch = getopt_long(argc, argv, "adfHLnpPrRT", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			c.recursive = c.preserve = c.xattrs = true;
			c.hardlinks = nofollow = true;
			break;
		case 'd':
		case 'P':	nofollow = true; c.deref = false; break;
		case 'f':	c.force = true; break;
		case 'H':	c.deref_top = true; break;
		case 'L':	c.deref = true; nofollow = false; break;
		case 'n':	c.noclobber = true; break;
		case 'p':	c.preserve = true; break;
		case 'r':
		case 'R':	c.recursive = true; break;
		case 'T':	notarget = true; break;
		default:	return fsu_try_help();
		}
	}
	if (!c.recursive && !nofollow)
		c.deref_top = true;
	n = argc - optind;
	if (n == 0)
		return fsu_usage("missing file operand");
	if (n == 1)
		return fsu_usage("missing destination file operand after %s",
		    fsu_quote(argv[optind]));
	return copy_run(&c, n - 1, argv + optind, argv[argc - 1], notarget);
}

/* get IMAGE_FILE - : the file's contents to standard output. */
static int
get_stdout(const char *path)
{
	char *buf;
	size_t n;
	int fd, error;

	if ((error = vfs_sys_open(path, O_RDONLY, 0, &fd)) != 0) {
		fsu_err(error, "cannot open %s for reading", fsu_quote(path));
		return 1;
	}
	buf = g_malloc(COPY_CHUNK);
	for (;;) {
		if ((error = fsu_check_intr()) != 0 ||
		    (error = vfs_sys_read(fd, buf, COPY_CHUNK, &n)) != 0 ||
		    n == 0)
			break;
		if (fwrite(buf, 1, n, stdout) != n) {
			error = errno;
			break;
		}
	}
	(void)vfs_sys_close(fd);
	g_free(buf);
	if (error != 0) {
		fsu_err(error, "%s", fsu_quote(path));
		return 1;
	}
	return 0;
}

/* get and put: same options, opposite directions. */
static int
getput(int argc, char **argv, bool get)
{
	static const struct option longopts[] = {
		{ "archive", no_argument, NULL, 'a' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "preserve", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct copy c;
	int ch, n;

	memset(&c, 0, sizeof(c));
	c.src = get ? &fsu_image_side : &fsu_host_side;
	c.dst = get ? &fsu_host_side : &fsu_image_side;
	while ((ch = getopt_long(argc, argv, "aprR", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'a':
			c.recursive = true;
			/* FALLTHROUGH */
		case 'p':
			c.preserve = c.xattrs = c.hardlinks = true;
			break;
		case 'r':
		case 'R':
			c.recursive = true;
			break;
		default:
			return fsu_try_help();
		}
	}
	c.deref_top = !c.recursive;
	n = argc - optind;
	if (n == 0)
		return fsu_usage("missing file operand");
	if (n == 1)
		return fsu_usage("missing destination file operand after %s",
		    fsu_quote(argv[optind]));
	if (get && strcmp(argv[argc - 1], "-") == 0) {
		if (n != 2)
			return fsu_usage("only one file can go to standard "
			    "output");
		return get_stdout(argv[optind]);
	}
	return copy_run(&c, n - 1, argv + optind, argv[argc - 1], false);
}

int
cmd_get(int argc, char **argv)
{

	return getput(argc, argv, true);
}

int
cmd_put(int argc, char **argv)
{

	return getput(argc, argv, false);
}
