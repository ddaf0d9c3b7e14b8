/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_ls.c -- "ls": list directory contents with GNU ls's output when
 * it writes to a pipe (one name per line), GNU's long format (column
 * widths per listed group, numeric ids right-aligned and names
 * left-aligned, "maj, min" for devices, six-month rule for the time
 * format, '+' after the mode when a POSIX ACL is present), its order of
 * output (files given as arguments first, then each directory, with
 * "name:" headers when more than one thing is listed or with -R) and
 * its exit statuses (2 for a bad argument, 1 for a bad subdirectory).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "fsu.h"

enum ls_sort { SORT_NAME, SORT_TIME, SORT_SIZE, SORT_NONE };

struct ls_opts {
	bool		 l, a, A, d, R, i, h, n, F, full_time, reverse;
	enum ls_sort	 sort;
	bool		 deref_args;	/* follow links given */
	struct vfs_timespec now;
	bool		 printed;	/* anything printed yet */
	int		 status;
};

struct ls_ent {
	char		*name;		/* as shown */
	char		*path;		/* image path */
	struct vattr	 va;
	int		 error;		/* lstat failed */
	enum vtype	 dtype;		/* type the dir says */
	char		*target;	/* symlink target (long format) */
	bool		 target_ok;
	struct vattr	 tva;		/* link target's, for -F */
	bool		 acl;
};

static void
ent_free(gpointer p)
{
	struct ls_ent *e = p;

	g_free(e->name);
	g_free(e->path);
	g_free(e->target);
	g_free(e);
}

static const struct ls_opts *cmp_opts;	/* for the sort callback */

static int
ts_cmp(const struct vfs_timespec *a, const struct vfs_timespec *b)
{

	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_nsec != b->tv_nsec)
		return a->tv_nsec < b->tv_nsec ? -1 : 1;
	return 0;
}

static gint
ent_cmp(gconstpointer pa, gconstpointer pb)
{
	const struct ls_ent *a = *(struct ls_ent *const *)pa;
	const struct ls_ent *b = *(struct ls_ent *const *)pb;
	int r = 0;

	switch (cmp_opts->sort) {
	case SORT_TIME:
		r = -ts_cmp(&a->va.va_mtime, &b->va.va_mtime);
		break;
	case SORT_SIZE:
		if (a->va.va_size != b->va.va_size)
			r = a->va.va_size > b->va.va_size ? -1 : 1;
		break;
	default:
		break;
	}
	if (r == 0)
		r = strcoll(a->name, b->name);
	return cmp_opts->reverse ? -r : r;
}

static void
sort_ents(GPtrArray *ents, const struct ls_opts *o)
{

	if (o->sort == SORT_NONE) {
		if (o->reverse) {
			guint i, n = ents->len;

			for (i = 0; i < n / 2; i++) {
				gpointer t = ents->pdata[i];

				ents->pdata[i] = ents->pdata[n - 1 - i];
				ents->pdata[n - 1 - i] = t;
			}
		}
		return;
	}
	cmp_opts = o;
	g_ptr_array_sort(ents, ent_cmp);
}

/* Fill E's extra attributes for the long format and -F. */
static void
ent_details(struct ls_ent *e, const struct ls_opts *o)
{
	size_t len;

	if (e->error != 0)
		return;
	if (e->va.va_type == VLNK && o->l)
		(void)fsu_readlink_str(e->path, &e->target);
	if (e->va.va_type == VLNK && o->F && o->l)
		e->target_ok = vfs_sys_stat(e->path, &e->tva) == 0;
	if (o->l) {
		e->acl = vfs_sys_getxattr(e->path, "system.posix_acl_access",
		    NULL, 0, &len, AT_SYMLINK_NOFOLLOW) == 0 && len > 0;
		if (!e->acl && e->va.va_type == VDIR)
			e->acl = vfs_sys_getxattr(e->path,
			    "system.posix_acl_default", NULL, 0, &len,
			    AT_SYMLINK_NOFOLLOW) == 0 && len > 0;
	}
}

static char
indicator(const struct vattr *va)
{

	switch (va->va_type) {
	case VDIR:	return '/';
	case VLNK:	return '@';
	case VFIFO:	return '|';
	case VSOCK:	return '=';
	case VREG:	return (va->va_mode & 0111) ? '*' : '\0';
	default:	return '\0';
	}
}

static void
fmt_time(const struct ls_opts *o, const struct vfs_timespec *ts, char *buf,
    size_t len)
{
	time_t t = (time_t)ts->tv_sec;
	struct tm tm;
	const int64_t half_year = 31556952 / 2;
	bool recent;

	if (o->full_time) {
		fsu_fmt_fulltime(ts, buf, len);
		return;
	}
	if (localtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "%lld", (long long)ts->tv_sec);
		return;
	}
	recent = ts->tv_sec > o->now.tv_sec - half_year &&
	    ts_cmp(ts, &o->now) <= 0;
	strftime(buf, len, recent ? "%b %e %H:%M" : "%b %e  %Y", &tm);
}

static void
owner_str(const struct ls_opts *o, uint32_t id, bool user, char *buf,
    size_t len, bool *isname)
{
	const char *name = NULL;

	if (!o->n)
		name = user ? fsu_user_name(id) : fsu_group_name(id);
	*isname = name != NULL;
	if (name != NULL)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%u", id);
}

struct widths {
	int	ino, nlink, owner, group, size, major, minor;
};

static int
numlen(uint64_t v)
{
	char b[32];

	return snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
}

static void
compute_widths(GPtrArray *ents, const struct ls_opts *o, struct widths *w)
{
	char buf[64];
	bool isname;
	guint i;
	int n;

	memset(w, 0, sizeof(*w));
	for (i = 0; i < ents->len; i++) {
		const struct ls_ent *e = g_ptr_array_index(ents, i);

		if (e->error != 0) {
			w->ino = MAX(w->ino, 1);
			continue;
		}
		w->ino = MAX(w->ino, numlen(e->va.va_fileid));
		if (!o->l)
			continue;
		w->nlink = MAX(w->nlink, numlen(e->va.va_nlink));
		owner_str(o, e->va.va_uid, true, buf, sizeof(buf), &isname);
		w->owner = MAX(w->owner, (int)strlen(buf));
		owner_str(o, e->va.va_gid, false, buf, sizeof(buf), &isname);
		w->group = MAX(w->group, (int)strlen(buf));
		if (e->va.va_type == VCHR || e->va.va_type == VBLK) {
			w->major = MAX(w->major,
			    numlen(major(e->va.va_rdev)));
			w->minor = MAX(w->minor,
			    numlen(minor(e->va.va_rdev)));
		} else {
			n = (int)strlen(fsu_human(e->va.va_size, 1, 1, o->h,
			    buf));
			w->size = MAX(w->size, n);
		}
	}
	if (w->major > 0)
		w->size = MAX(w->size, w->major + 2 + w->minor);
}

static void
print_owner(const struct ls_opts *o, uint32_t id, bool user, int width)
{
	char buf[64];
	bool isname;

	owner_str(o, id, user, buf, sizeof(buf), &isname);
	if (isname)
		printf("%-*s ", width, buf);
	else
		printf("%*s ", width, buf);
}

static void
print_long(const struct ls_ent *e, const struct ls_opts *o,
    const struct widths *w, bool anyacl)
{
	char mode[11], tbuf[64], sbuf[32];
	char ind;

	if (o->i)
		printf("%*llu ", w->ino,
		    (unsigned long long)e->va.va_fileid);
	fsu_modestr(e->va.va_type, e->va.va_mode, mode);
	printf("%s%s %*u ", mode, e->acl ? "+" : anyacl ? " " : "",
	    w->nlink, e->va.va_nlink);
	print_owner(o, e->va.va_uid, true, w->owner);
	print_owner(o, e->va.va_gid, false, w->group);
	if (e->va.va_type == VCHR || e->va.va_type == VBLK)
		printf("%*u, %*u ",
		    w->major + (w->size - (w->major + 2 + w->minor)),
		    major(e->va.va_rdev), w->minor, minor(e->va.va_rdev));
	else
		printf("%*s ", w->size,
		    fsu_human(e->va.va_size, 1, 1, o->h, sbuf));
	fmt_time(o, &e->va.va_mtime, tbuf, sizeof(tbuf));
	printf("%s %s", tbuf, e->name);
	if (e->va.va_type == VLNK && e->target != NULL) {
		printf(" -> %s", e->target);
		if (o->F && e->target_ok && (ind = indicator(&e->tva)) != 0 &&
		    ind != '@')
			putchar(ind);
	} else if (o->F && (ind = indicator(&e->va)) != '\0')
		putchar(ind);
	putchar('\n');
}

/* An entry whose lstat failed: GNU's line of question marks. */
static void
print_unknown(const struct ls_ent *e, const struct ls_opts *o,
    const struct widths *w)
{

	if (o->i)
		printf("%*s ", w->ino, "?");
	if (o->l)
		printf("%c????????? %*s %*s %*s %*s %12s %s\n",
		    e->dtype != VNON ? fsu_vtype_char(e->dtype) : '?',
		    w->nlink, "?", -w->owner, "?", -w->group, "?", w->size,
		    "?", "?", e->name);
	else
		printf("%s\n", e->name);
}

/* Print a group of entries (a directory's, or the file arguments). */
static void
print_group(GPtrArray *ents, const struct ls_opts *o, bool total)
{
	struct widths w;
	uint64_t blocks = 0;
	bool anyacl = false;
	char buf[32], ind;
	guint i;

	compute_widths(ents, o, &w);
	for (i = 0; i < ents->len; i++) {
		const struct ls_ent *e = g_ptr_array_index(ents, i);

		if (e->error == 0)
			blocks += (e->va.va_bytes + 511) / 512;
		anyacl |= e->acl;
	}
	if (o->l && total)
		printf("total %s\n", fsu_human(blocks, 512, 1024, o->h, buf));
	for (i = 0; i < ents->len; i++) {
		const struct ls_ent *e = g_ptr_array_index(ents, i);

		if (e->error != 0)
			print_unknown(e, o, &w);
		else if (o->l)
			print_long(e, o, &w, anyacl);
		else {
			if (o->i)
				printf("%*llu ", w.ino,
				    (unsigned long long)e->va.va_fileid);
			fputs(e->name, stdout);
			if (o->F && (ind = indicator(&e->va)) != '\0')
				putchar(ind);
			putchar('\n');
		}
	}
}

static bool
shown(const char *name, const struct ls_opts *o)
{

	if (name[0] != '.')
		return true;
	if (o->a)
		return true;
	if (o->A)
		return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
	return false;
}

/* List directory PATH (shown as NAME in headers). */
static void
list_dir(const char *path, bool header, bool isarg, struct ls_opts *o)
{
	GPtrArray *dents, *ents;
	struct ls_ent *e;
	guint i;
	int error;

	if ((error = fsu_readdir(path, &dents)) != 0) {
		fsu_err(error, "cannot open directory %s", fsu_quote(path));
		o->status = MAX(o->status, isarg ? 2 : 1);
		return;
	}
	if (o->printed)
		putchar('\n');
	if (header)
		printf("%s:\n", path);
	o->printed = true;
	ents = g_ptr_array_new_with_free_func(ent_free);
	if (o->a) {
		g_ptr_array_insert(dents, 0, g_new0(struct fsu_dirent, 1));
		((struct fsu_dirent *)dents->pdata[0])->name = g_strdup("..");
		g_ptr_array_insert(dents, 0, g_new0(struct fsu_dirent, 1));
		((struct fsu_dirent *)dents->pdata[0])->name = g_strdup(".");
	}
	for (i = 0; i < dents->len; i++) {
		const struct fsu_dirent *d = g_ptr_array_index(dents, i);

		if (!shown(d->name, o))
			continue;
		e = g_new0(struct ls_ent, 1);
		e->name = g_strdup(d->name);
		e->path = fsu_path_join(path, d->name);
		e->dtype = d->type;
		if ((e->error = vfs_sys_lstat(e->path, &e->va)) != 0) {
			fsu_err(e->error, "cannot access %s",
			    fsu_quote(e->path));
			o->status = MAX(o->status, 1);
		}
		ent_details(e, o);
		g_ptr_array_add(ents, e);
	}
	g_ptr_array_unref(dents);
	sort_ents(ents, o);
	print_group(ents, o, true);
	if (o->R) {
		for (i = 0; i < ents->len; i++) {
			e = g_ptr_array_index(ents, i);
			if (e->error != 0 || e->va.va_type != VDIR ||
			    strcmp(e->name, ".") == 0 ||
			    strcmp(e->name, "..") == 0)
				continue;
			if (fsu_check_intr() != 0)
				break;
			list_dir(e->path, true, false, o);
		}
	}
	g_ptr_array_unref(ents);
}

int
cmd_ls(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "full-time", no_argument, NULL, 'T' },
		{ "all", no_argument, NULL, 'a' },
		{ "almost-all", no_argument, NULL, 'A' },
		{ "directory", no_argument, NULL, 'd' },
		{ "recursive", no_argument, NULL, 'R' },
		{ "inode", no_argument, NULL, 'i' },
		{ "human-readable", no_argument, NULL, 'h' },
		{ "numeric-uid-gid", no_argument, NULL, 'n' },
		{ "classify", no_argument, NULL, 'F' },
		{ "reverse", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct ls_opts o;
	GPtrArray *files, *dirs;
	struct ls_ent *e;
	struct vattr va;
	guint i;
	int c, error, nargs;
	gint64 now;

	memset(&o, 0, sizeof(o));
	o.sort = SORT_NAME;
	while ((c = getopt_long(argc, argv, "1aAdFhilnrRStU", longopts,
	    NULL)) != -1) {
		switch (c) {
		case '1':	break;
		case 'a':	o.a = true; o.A = false; break;
		case 'A':	o.A = true; o.a = false; break;
		case 'd':	o.d = true; break;
		case 'F':	o.F = true; break;
		case 'h':	o.h = true; break;
		case 'i':	o.i = true; break;
		case 'l':	o.l = true; break;
		case 'n':	o.n = true; o.l = true; break;
		case 'r':	o.reverse = true; break;
		case 'R':	o.R = true; break;
		case 'S':	o.sort = SORT_SIZE; break;
		case 't':	o.sort = SORT_TIME; break;
		case 'U':	o.sort = SORT_NONE; break;
		case 'T':	o.full_time = true; o.l = true; break;
		default:
			return fsu_try_help();
		}
	}
	now = g_get_real_time();
	o.now.tv_sec = now / G_USEC_PER_SEC;
	o.now.tv_nsec = (long)(now % G_USEC_PER_SEC) * 1000;
	o.deref_args = !(o.d || o.F || o.l);
	if (o.d)
		o.R = false;

	files = g_ptr_array_new_with_free_func(ent_free);
	dirs = g_ptr_array_new_with_free_func(ent_free);
	nargs = argc - optind;
	for (i = 0; i < (guint)MAX(nargs, 1); i++) {
		const char *arg = nargs > 0 ? argv[optind + i] : ".";

		error = vfs_sys_lstat(arg, &va);
		if (error == 0 && va.va_type == VLNK && o.deref_args) {
			struct vattr tva;

			if (vfs_sys_stat(arg, &tva) == 0 &&
			    tva.va_type == VDIR)
				va = tva;
		}
		if (error != 0) {
			fsu_err(error, "cannot access %s", fsu_quote(arg));
			o.status = 2;
			continue;
		}
		e = g_new0(struct ls_ent, 1);
		e->name = g_strdup(arg);
		e->path = g_strdup(arg);
		e->va = va;
		ent_details(e, &o);
		g_ptr_array_add(va.va_type == VDIR && !o.d ? dirs : files, e);
	}
	sort_ents(files, &o);
	sort_ents(dirs, &o);
	if (files->len > 0) {
		print_group(files, &o, false);
		o.printed = true;
	}
	for (i = 0; i < dirs->len; i++) {
		e = g_ptr_array_index(dirs, i);
		if (fsu_check_intr() != 0) {
			fsu_err(EINTR, "ls");
			o.status = 2;
			break;
		}
		list_dir(e->path, nargs > 1 || o.R || files->len > 0, true,
		    &o);
	}
	g_ptr_array_unref(files);
	g_ptr_array_unref(dirs);
	return o.status;
}
