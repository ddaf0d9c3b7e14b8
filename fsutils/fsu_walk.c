/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_walk.c -- walking a tree in the image: fsu_walk() visits a root
 * and everything below it, for the recursive commands (rm -r, chmod -R,
 * chown -R, find, du, cp -r, get -r, getfattr -R).
 *
 * The walk is depth first and holds one open directory at a time: a
 * directory's entries are read completely (fsu_readdir) before any
 * child is visited, so a callback may remove or rename entries of the
 * directory being walked.  Symbolic links are not followed unless the
 * flags say so.  The inode numbers of the directories on the current
 * path are kept so that a directory that contains itself (possible only
 * in a corrupt image) is reported and skipped instead of recursing
 * forever.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fsu.h"

struct walk {
	int		 flags;
	bool		 sorted;
	int		 maxdepth;	/* < 0: no limit */
	fsu_walk_fn	 fn;
	void		*arg;
	GArray		*ancestors;	/* uint64_t inode numbers */
	int		 error;		/* EINTR */
};

static gint
dirent_cmp(gconstpointer a, gconstpointer b)
{
	const struct fsu_dirent *x = *(struct fsu_dirent *const *)a;
	const struct fsu_dirent *y = *(struct fsu_dirent *const *)b;

	return strcoll(x->name, y->name);
}

static bool
is_ancestor(const struct walk *w, uint64_t ino)
{
	guint i;

	for (i = 0; i < w->ancestors->len; i++)
		if (g_array_index(w->ancestors, uint64_t, i) == ino)
			return true;
	return false;
}

/* Visit PATH (named NAME) at DEPTH; returns FSU_WALK_STOP or 0. */
static int
walk_one(struct walk *w, const char *path, const char *name, int depth)
{
	struct fsu_walk_ent ent;
	GPtrArray *ents;
	bool follow;
	guint i;
	int r, error;

	if ((w->error = fsu_check_intr()) != 0)
		return FSU_WALK_STOP;
	memset(&ent, 0, sizeof(ent));
	ent.path = path;
	ent.name = name;
	ent.depth = depth;
	follow = (w->flags & FSU_WF_FOLLOW_ALL) ||
	    (depth == 0 && (w->flags & FSU_WF_FOLLOW_ROOT));
	error = follow ? vfs_sys_stat(path, &ent.va) :
	    vfs_sys_lstat(path, &ent.va);
	if (follow && (error == ENOENT || error == ELOOP) && depth > 0 &&
	    vfs_sys_lstat(path, &ent.va) == 0)
		error = 0;	/* a dangling link is still an entry */
	ent.error = error;
	r = w->fn(&ent, w->arg);
	if (error != 0 || r != FSU_WALK_CONTINUE)
		return r == FSU_WALK_STOP ? FSU_WALK_STOP : 0;
	if (ent.va.va_type != VDIR ||
	    (w->maxdepth >= 0 && depth >= w->maxdepth))
		return 0;
	if (is_ancestor(w, ent.va.va_fileid)) {
		fsu_errx("WARNING: %s is its own ancestor (a directory "
		    "loop in the image); not descending", fsu_quote(path));
		return 0;
	}
	if ((error = fsu_readdir(path, &ents)) != 0) {
		ent.error = error;
		ent.readdir_error = true;
		ent.post = (w->flags & FSU_WF_POSTORDER) != 0;
		r = w->fn(&ent, w->arg);
		return r == FSU_WALK_STOP ? FSU_WALK_STOP : 0;
	}
	if (w->sorted)
		g_ptr_array_sort(ents, dirent_cmp);
	g_array_append_val(w->ancestors, ent.va.va_fileid);
	r = 0;
	for (i = 0; i < ents->len; i++) {
		const struct fsu_dirent *d = g_ptr_array_index(ents, i);
		char *child = fsu_path_join(path, d->name);

		r = walk_one(w, child, d->name, depth + 1);
		g_free(child);
		if (r == FSU_WALK_STOP)
			break;
	}
	g_array_set_size(w->ancestors, w->ancestors->len - 1);
	g_ptr_array_unref(ents);
	if (r == FSU_WALK_STOP)
		return r;
	if (w->flags & FSU_WF_POSTORDER) {
		ent.post = true;
		r = w->fn(&ent, w->arg);
		if (r == FSU_WALK_STOP)
			return r;
	}
	return 0;
}

int
fsu_walk(const char *root, int flags, bool sorted, int maxdepth,
    fsu_walk_fn fn, void *arg)
{
	struct walk w;
	char *name;

	memset(&w, 0, sizeof(w));
	w.flags = flags;
	w.sorted = sorted;
	w.maxdepth = maxdepth;
	w.fn = fn;
	w.arg = arg;
	w.ancestors = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	name = fsu_basename(root);
	(void)walk_one(&w, root, name, 0);
	g_free(name);
	g_array_unref(w.ancestors);
	if (w.error != 0)
		fsu_err(w.error, "%s", fsu_quote(root));
	return w.error;
}
