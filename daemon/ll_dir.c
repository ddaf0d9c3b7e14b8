/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ll_dir.c -- FUSE operations on directories: opendir, readdir,
 * readdirplus, releasedir, fsyncdir.
 *
 * Offsets: the FUSE offset of an entry is the kernel's directory cookie
 * that resumes after it, so a later READDIR at that offset continues
 * there; offset 0 starts from the beginning.
 *
 * Reading happens in two phases, because the directory vnode is locked
 * while rf_k->readdir() calls back and the callback must not enter the
 * kernel: (1) the callback copies names and cookies into a private list
 * until the reply would overflow (the entry that does not fit is refused
 * and the next READDIR resumes at it); (2) with the directory unlocked,
 * readdirplus looks every name up (one FUSE lookup each, except "." and
 * ".." which are sent without a node, as the kernel does not count them)
 * and the reply is built.  The names are looked up in one call
 * (rf_k->lookupv: one round trip in split mode), attributes included.
 *
 * Opening: where b_no_opendir is set, opendir answers ENOSYS once and
 * Linux opens directories by itself from then on (no releasedir
 * either); a READDIR at offset 0 checks read access as the open would.
 *
 * Valid replies: open or err; buf or err; err.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"

struct ll_dent {
	size_t		 d_nameoff;	/* in ll_dirbuf.names */
	uint64_t	 d_ino;
	enum vtype	 d_type;
	uint64_t	 d_next;	/* cookie after this entry */
};

struct ll_dirbuf {
	fuse_req_t	 req;
	bool		 plus;
	size_t		 limit;		/* reply size asked for */
	size_t		 used;		/* reply bytes the entries need */
	/*
	 * Sized once from LIMIT (every entry takes at least
	 * FUSE_DIRENT_MIN reply bytes, and its name fits in the reply), so
	 * filling allocates nothing: at a memory limit a readdir gets
	 * ENOMEM up front instead of an allocator aborting midway.
	 */
	struct ll_dent	*ents;
	size_t		 nents, maxents;
	char		*names;		/* NUL-terminated names */
	size_t		 nameslen, namescap;
};

#define FUSE_DIRENT_MIN	24	/* struct fuse_dirent without the name */

/* vfs_filldir_t: called with the directory locked; no kernel calls. */
static int
ll_dir_fill(void *arg, const char *name, size_t namelen, uint64_t ino,
    enum vtype type, uint64_t nextcookie)
{
	struct ll_dirbuf *d = arg;
	struct ll_dent *de;
	size_t off = d->nameslen, need;
	const char *nm;

	if (d->nents == d->maxents || off + namelen + 1 > d->namescap)
		return 1;			/* no room: resume here */
	memcpy(d->names + off, name, namelen);
	d->names[off + namelen] = '\0';
	nm = d->names + off;
	if (d->plus)
		need = fuse_add_direntry_plus(d->req, NULL, 0, nm, NULL, 0);
	else
		need = fuse_add_direntry(d->req, NULL, 0, nm, NULL, 0);
	if (d->used + need > d->limit)
		return 1;			/* no room: resume here */
	d->used += need;
	d->nameslen = off + namelen + 1;
	de = &d->ents[d->nents++];
	de->d_nameoff = off;
	de->d_ino = ino;
	de->d_type = type;
	de->d_next = nextcookie;
	return 0;
}

static bool
ll_is_dot(const char *name)
{

	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* The looked-up names of a readdirplus reply. */
struct ll_plus {
	const char	**names;	/* the names looked up */
	struct vnode	**vps;
	struct vattr	*vas;
	int		*errors;
	size_t		 n;		/* entries of the above */
	size_t		 next;		/* the next one to use */
};

/*
 * Look up every name of D but "." and ".." (which are sent without a
 * node, as the kernel does not count them).  => 0 or ENOMEM; a failed
 * lookup only leaves its entry bare.
 */
static int
ll_plus_lookup(struct vnode *dvp, const struct ll_dirbuf *d,
    struct ll_plus *p)
{
	const char *name;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->names = malloc(d->nents * sizeof(*p->names));
	p->vps = malloc(d->nents * sizeof(*p->vps));
	p->vas = malloc(d->nents * sizeof(*p->vas));
	p->errors = malloc(d->nents * sizeof(*p->errors));
	if (p->names == NULL || p->vps == NULL || p->vas == NULL ||
	    p->errors == NULL)
		return ENOMEM;
	for (i = 0; i < d->nents; i++) {
		name = d->names + d->ents[i].d_nameoff;
		if (!ll_is_dot(name))
			p->names[p->n++] = name;
	}
	if (p->n > 0 && rf_k->lookupv(dvp, p->n, p->names, p->vps, p->vas,
	    p->errors) != 0)
		p->n = 0;		/* every entry bare */
	return 0;
}

static void
ll_plus_free(struct ll_plus *p)
{

	/* Lookups left unused (a reply cut short): give them back. */
	for (; p->next < p->n; p->next++)
		if (p->errors[p->next] == 0)
			rf_k->vrele(p->vps[p->next]);
	free(p->names);
	free(p->vps);
	free(p->vas);
	free(p->errors);
}

/*
 * Build the readdirplus entry for NAME: a looked-up node, or, for "."
 * and ".." and names that vanished meanwhile, the bare name.
 */
static void
ll_dir_plus_entry(struct rf_bridge *b, struct ll_plus *p,
    const struct ll_dent *de, const char *name,
    struct fuse_entry_param *e, struct rf_node **taken, size_t *ntakenp)
{
	struct rf_node *node;
	size_t k;

	if (!ll_is_dot(name) && p->next < p->n &&
	    p->names[p->next] == name) {
		k = p->next++;
		/* rf_entry_fill consumes the reference */
		if (p->errors[k] == 0 && rf_entry_fill(b, p->vps[k],
		    &p->vas[k], e, &node) == 0) {
			taken[(*ntakenp)++] = node;
			return;
		}
	}
	memset(e, 0, sizeof(*e));
	e->attr.st_ino = de->d_ino;
	e->attr.st_mode = rf_vtype_to_mode(de->d_type);
}

static void
ll_do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    bool plus)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct vnode *dvp = rf_ino_vp(b, ino);
	struct ll_dirbuf d;
	struct fuse_entry_param e;
	struct stat st;
	struct rf_node **taken = NULL;
	struct ll_plus lp;
	uint64_t cookie = (uint64_t)off;
	char *buf = NULL, *p;
	size_t rem, n, i, ntaken = 0;
	const char *name;
	struct ll_dent *de;
	int error;

	memset(&d, 0, sizeof(d));
	memset(&lp, 0, sizeof(lp));
	d.req = req;
	d.plus = plus;
	d.limit = size;
	d.maxents = size / FUSE_DIRENT_MIN + 1;
	d.namescap = size + 1;
	d.ents = malloc(d.maxents * sizeof(*d.ents));
	d.names = malloc(d.namescap);
	if (d.ents == NULL || d.names == NULL) {
		fuse_reply_err(req, ENOMEM);
		goto out;
	}

	/* Without OPENDIR, the open's check (a listing from the start). */
	if (off == 0 && b->b_no_opendir &&
	    (error = rf_k->access(dvp, R_OK)) != 0) {
		fuse_reply_err(req, error);
		goto out;
	}
	error = rf_k->readdir(dvp, &cookie, ll_dir_fill, &d);
	if (error != 0 && d.nents == 0) {
		fuse_reply_err(req, error);
		goto out;
	}
	if (d.used == 0) {
		fuse_reply_buf(req, NULL, 0);	/* end of directory */
		goto out;
	}
	if ((buf = malloc(d.used)) == NULL) {
		fuse_reply_err(req, ENOMEM);
		goto out;
	}
	if (plus && ((taken = malloc(d.nents * sizeof(*taken))) == NULL ||
	    ll_plus_lookup(dvp, &d, &lp) != 0)) {
		fuse_reply_err(req, ENOMEM);
		goto out;
	}
	p = buf;
	rem = d.used;
	for (i = 0; i < d.nents; i++) {
		de = &d.ents[i];
		name = d.names + de->d_nameoff;
		if (plus) {
			ll_dir_plus_entry(b, &lp, de, name, &e, taken,
			    &ntaken);
			n = fuse_add_direntry_plus(req, p, rem, name, &e,
			    (off_t)de->d_next);
		} else {
			memset(&st, 0, sizeof(st));
			st.st_ino = de->d_ino;
			st.st_mode = rf_vtype_to_mode(de->d_type);
			n = fuse_add_direntry(req, p, rem, name, &st,
			    (off_t)de->d_next);
		}
		if (n > rem)
			break;	/* cannot happen: sized in phase one */
		p += n;
		rem -= n;
	}
	if (fuse_reply_buf(req, buf, d.used - rem) != 0) {
		/* The kernel never saw these lookups. */
		for (i = 0; i < ntaken; i++)
			rf_node_forget(b, taken[i], 1);
	}

out:
	ll_plus_free(&lp);
	free(taken);
	free(buf);
	free(d.ents);
	free(d.names);
}

void
ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{

	(void)fi;
	ll_do_readdir(req, ino, size, off, false);
}

void
ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
    struct fuse_file_info *fi)
{

	(void)fi;
	ll_do_readdir(req, ino, size, off, true);
}

void
ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct vnode *vp = rf_ino_vp(b, ino);
	struct rf_file *f;
	int error;

	if (b->b_no_opendir) {
		fuse_reply_err(req, ENOSYS);	/* Linux stops asking */
		return;
	}
	if ((error = rf_k->open(vp, fi->flags, NULL, NULL)) != 0) {
		fuse_reply_err(req, error);
		return;
	}
	if ((f = rf_file_new(b, vp, fi->flags)) == NULL) {
		(void)rf_k->close(vp, fi->flags);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)f;
	if (fuse_reply_open(req, fi) != 0) {
		(void)rf_k->close(vp, f->f_oflags);
		rf_file_free(b, f);
	}
}

void
ll_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);
	struct rf_file *f = rf_file_of(fi);

	(void)ino;
	(void)rf_k->close(f->f_vp, f->f_oflags);
	rf_file_free(b, f);
	fuse_reply_err(req, 0);
}

void
ll_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
    struct fuse_file_info *fi)
{
	struct rf_bridge *b = rf_req_begin(req, NULL);

	(void)fi;
	fuse_reply_err(req, rf_k->fsync(rf_ino_vp(b, ino), datasync != 0));
}
