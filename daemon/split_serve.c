/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_serve.c -- the sandboxed child's side of each request (design:
 * split_proto.h): the table of handles the front end holds, and the
 * dispatcher that checks a request, runs it in the kernel with its
 * credential and answers it.  The channels and threads it runs on are
 * split_server.c's.
 *
 * Handles: a hash table (sh.hbuckets, chained, protected by sh.hlock)
 * maps each vnode the front end holds to the number of references it
 * holds; a request's handle is accepted only if it is in the table, and
 * is vref'd for the length of the request (ss_borrow), so a stray vrele
 * cannot free it under us.
 *
 * Memory: the child runs under the memlimit, which tmpfs contents and
 * the buffer cache can exhaust.  Nothing here may abort then (no GLib
 * allocator): a handle that cannot be recorded makes its request fail
 * with ENOMEM (the vnode is released), and a failed resize of the table
 * only makes its chains longer.
 *
 * Exports: rf_ss_serve, rf_ss_hinit, rf_ss_give, rf_ss_drop_all.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bridge.h"
#include "split_priv.h"

/* Handle table buckets: at least this many, a power of two. */
#define SS_HMIN		64

/* One vnode the front end holds references on. */
struct ss_handle {
	struct vnode	*h_vp;
	size_t		 h_refs;	/* > 0: the front end's refs */
	struct ss_handle *h_next;	/* hash chain */
};

static struct {
	pthread_mutex_t	 hlock;
	struct ss_handle **hbuckets;	/* hlock */
	size_t		 hnbuckets;	/* hlock; a power of two */
	size_t		 hcount;	/* hlock; entries */
} sh = {
	.hlock = PTHREAD_MUTEX_INITIALIZER,
};

/* ---- handles ---- */

/* The bucket of VP among N (a power of two). */
static size_t
ss_hash(const struct vnode *vp, size_t n)
{
	uint64_t x = (uint64_t)(uintptr_t)vp;

	x *= 0x9e3779b97f4a7c15ULL;	/* Fibonacci hashing */
	return (size_t)(x >> 32) & (n - 1);
}

/* The link that points at VP's entry, or at the NULL ending its chain. */
static struct ss_handle **
ss_hfind(struct vnode *vp)
{
	struct ss_handle **hp;

	hp = &sh.hbuckets[ss_hash(vp, sh.hnbuckets)];
	while (*hp != NULL && (*hp)->h_vp != vp)
		hp = &(*hp)->h_next;
	return hp;
}

/*
 * Rehash into N buckets (a power of two); hlock held.  Without memory
 * for them, the table stays as it is: longer chains, nothing lost.
 */
static void
ss_hresize(size_t n)
{
	struct ss_handle **nb, *h, *next;
	size_t i, k;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < sh.hnbuckets; i++)
		for (h = sh.hbuckets[i]; h != NULL; h = next) {
			next = h->h_next;
			k = ss_hash(h->h_vp, n);
			h->h_next = nb[k];
			nb[k] = h;
		}
	free(sh.hbuckets);
	sh.hbuckets = nb;
	sh.hnbuckets = n;
}

/* An empty table.  => 0 or ENOMEM. */
int
rf_ss_hinit(void)
{

	if ((sh.hbuckets = calloc(SS_HMIN, sizeof(*sh.hbuckets))) == NULL)
		return ENOMEM;
	sh.hnbuckets = SS_HMIN;
	sh.hcount = 0;
	return 0;
}

/*
 * The front end now holds the reference on VP the kernel gave us; its
 * handle in *HP.  => 0, or ENOMEM (nothing recorded: the caller still
 * owns the reference).
 */
int
rf_ss_give(struct vnode *vp, uint64_t *hp)
{
	struct ss_handle **link, *h;

	pthread_mutex_lock(&sh.hlock);
	link = ss_hfind(vp);
	if ((h = *link) == NULL) {
		if ((h = malloc(sizeof(*h))) == NULL) {
			pthread_mutex_unlock(&sh.hlock);
			return ENOMEM;
		}
		h->h_vp = vp;
		h->h_refs = 0;
		h->h_next = NULL;
		*link = h;
		if (++sh.hcount > sh.hnbuckets)
			ss_hresize(sh.hnbuckets * 2);
	}
	h->h_refs++;
	pthread_mutex_unlock(&sh.hlock);
	*hp = (uint64_t)(uintptr_t)vp;
	return 0;
}

/* A handle of the front end, with a reference for this request; or NULL. */
static struct vnode *
ss_borrow(uint64_t h)
{
	struct vnode *vp = (struct vnode *)(uintptr_t)h;

	if (h == 0)
		return NULL;
	pthread_mutex_lock(&sh.hlock);
	if (*ss_hfind(vp) != NULL)
		vfs_pub_vref(vp);
	else
		vp = NULL;
	pthread_mutex_unlock(&sh.hlock);
	return vp;
}

/* The front end drops one of its references.  => 0 or EBADF. */
static int
ss_drop(uint64_t hv)
{
	struct vnode *vp = (struct vnode *)(uintptr_t)hv;
	struct ss_handle **link, *h;

	pthread_mutex_lock(&sh.hlock);
	link = ss_hfind(vp);
	if ((h = *link) == NULL) {
		pthread_mutex_unlock(&sh.hlock);
		return EBADF;
	}
	if (--h->h_refs == 0) {
		*link = h->h_next;
		free(h);
		if (--sh.hcount * 8 < sh.hnbuckets &&
		    sh.hnbuckets > SS_HMIN)
			ss_hresize(sh.hnbuckets / 2);
	}
	pthread_mutex_unlock(&sh.hlock);
	vfs_pub_vrele(vp);
	return 0;
}

/* The front end takes one more reference.  => 0 or EBADF. */
static int
ss_addref(uint64_t hv)
{
	struct vnode *vp = (struct vnode *)(uintptr_t)hv;
	struct ss_handle *h;

	pthread_mutex_lock(&sh.hlock);
	if ((h = *ss_hfind(vp)) != NULL) {
		vfs_pub_vref(vp);
		h->h_refs++;
	}
	pthread_mutex_unlock(&sh.hlock);
	return h != NULL ? 0 : EBADF;
}

/* Every reference the front end still holds (it is gone or done). */
void
rf_ss_drop_all(void)
{
	struct ss_handle *list = NULL, *h, *next;
	size_t i;

	pthread_mutex_lock(&sh.hlock);
	for (i = 0; i < sh.hnbuckets; i++) {
		for (h = sh.hbuckets[i]; h != NULL; h = next) {
			next = h->h_next;
			h->h_next = list;
			list = h;
		}
		sh.hbuckets[i] = NULL;
	}
	sh.hcount = 0;
	pthread_mutex_unlock(&sh.hlock);
	for (h = list; h != NULL; h = next) {
		next = h->h_next;
		for (; h->h_refs > 0; h->h_refs--)
			vfs_pub_vrele(h->h_vp);
		free(h);
	}
}

/* readdir into a reply buffer of RF_SP_DIRBUDGET bytes. */
struct ss_dirbuf {
	char		*buf;
	size_t		 used;
	bool		 full;
};

static int
ss_dir_fill(void *arg, const char *name, size_t namelen, uint64_t ino,
    enum vtype type, uint64_t nextcookie)
{
	struct ss_dirbuf *d = arg;
	struct rf_sp_dent de;
	size_t step = (sizeof(de) + namelen + 7) & ~(size_t)7;

	if (namelen == 0 || namelen > 4096 ||
	    d->used + step > RF_SP_DIRBUDGET) {
		d->full = true;
		return 1;
	}
	memset(&de, 0, sizeof(de));
	de.d_ino = ino;
	de.d_next = nextcookie;
	de.d_type = (uint32_t)type;
	de.d_namelen = (uint32_t)namelen;
	memset(d->buf + d->used, 0, step);
	memcpy(d->buf + d->used, &de, sizeof(de));
	memcpy(d->buf + d->used + sizeof(de), name, namelen);
	d->used += step;
	return 0;
}

/* ---- one request ---- */

/*
 * Check the payload's layout; point NAME, NAME2 and DATA into it.
 * => 0 or EINVAL.
 */
static int
ss_parse(const struct rf_ss_job *j, const struct rf_sp_req **reqp,
    const char **namep, const char **name2p, const char **datap)
{
	const struct rf_sp_req *req = (const void *)j->j_payload;
	const char *p = j->j_payload + sizeof(*req);
	uint64_t need;
	bool inshm;

	if (j->j_hdr.h_len < sizeof(*req))
		return EINVAL;
	/* Data in the shared window (split_proto.h) is not in the message. */
	inshm = (req->req_flags & RF_SP_RQ_SHMDATA) != 0;
	if (inshm && (j->j_shm == NULL || req->req_datalen > RF_SP_MAXDATA))
		return EINVAL;
	need = (uint64_t)sizeof(*req) + req->req_namelen +
	    req->req_name2len + (inshm ? 0 : req->req_datalen);
	if (need != j->j_hdr.h_len || req->req_ngroups > RF_SP_NGROUPS)
		return EINVAL;
	*namep = *name2p = NULL;
	if (req->req_namelen > 0) {
		if (p[req->req_namelen - 1] != '\0')
			return EINVAL;
		*namep = p;
		p += req->req_namelen;
	}
	if (req->req_name2len > 0) {
		if (p[req->req_name2len - 1] != '\0')
			return EINVAL;
		*name2p = p;
		p += req->req_name2len;
	}
	*reqp = req;
	*datap = inshm ? j->j_shm : p;
	return 0;
}

/* The operations that need a name. */
static bool
ss_needs_name(uint32_t op)
{

	switch (op) {
	case RF_SP_LOOKUP: case RF_SP_CREATE: case RF_SP_MKNOD:
	case RF_SP_MKDIR: case RF_SP_SYMLINK: case RF_SP_LINK:
	case RF_SP_UNLINK: case RF_SP_RMDIR: case RF_SP_RENAME:
	case RF_SP_GETXATTR: case RF_SP_SETXATTR: case RF_SP_REMOVEXATTR:
		return true;
	default:
		return false;
	}
}

/*
 * A reply buffer of LEN bytes: STACKBUF (SIZE bytes) if it fits, else
 * malloc's, also stored in *HEAPP for the caller to free.  => NULL if
 * there is no memory.
 */
static char *
ss_buf(size_t len, char *stackbuf, size_t size, void **heapp)
{

	if (len <= size)
		return stackbuf;
	*heapp = malloc(len);
	return *heapp;
}

/*
 * LOOKUPV (split_proto.h): the names in DATA, looked up in DVP.
 * => 0 with *RESP (malloc'd, for the caller to free) holding *LENP
 *    bytes of answers, or an error for the whole request.
 */
static int
ss_lookupv(struct vnode *dvp, const struct rf_sp_req *req, const char *data,
    bool attrs, void **resp, size_t *lenp)
{
	struct rf_sp_lkv *res;
	struct vnode *vp;
	const char *p = data, *end = data + req->req_datalen, *nul;
	size_t n = req->req_a[0], i;
	int error;

	if (n == 0 || n > RF_SP_MAXLKV)
		return EINVAL;
	if ((res = calloc(n, sizeof(*res))) == NULL)
		return ENOMEM;
	for (i = 0; i < n; i++) {
		if (p >= end || (nul = memchr(p, '\0', (size_t)(end - p))) ==
		    NULL) {
			error = EINVAL;
			goto out_undo;
		}
		vp = NULL;
		error = rf_kl_lookup(dvp, p, &vp, attrs ? &res[i].l_va : NULL);
		if (error == 0 && (error = rf_ss_give(vp, &res[i].l_vp)) != 0)
			vfs_pub_vrele(vp);
		res[i].l_error = error;
		p = nul + 1;
	}
	if (p != end) {
		error = EINVAL;
		goto out_undo;
	}
	*resp = res;
	*lenp = n * sizeof(*res);
	return 0;

out_undo:
	while (i-- > 0)
		if (res[i].l_error == 0)
			(void)ss_drop(res[i].l_vp);
	free(res);
	return error;
}

/* A one-way message (VREF, VRELE, CLOSE): no answer, errors logged. */
static void
ss_oneway(uint32_t op, const struct rf_sp_req *req)
{
	struct vnode *vp;
	const char *what = op == RF_SP_VREF ? "vref" : op == RF_SP_VRELE ?
	    "vrele" : "close";
	int error;

	switch (op) {
	case RF_SP_VREF:
		error = ss_addref(req->req_vp);
		break;
	case RF_SP_VRELE:
		error = ss_drop(req->req_vp);
		break;
	default:
		/* Close, then drop the reference the open took. */
		if ((vp = ss_borrow(req->req_vp)) == NULL) {
			error = EBADF;
			break;
		}
		vfs_pub_setcred(req->req_uid, req->req_gid, req->req_ngroups,
		    req->req_groups);
		(void)vfs_pub_close(vp, (int)req->req_a[0]);
		vfs_pub_setcred_root();
		vfs_pub_vrele(vp);
		error = ss_drop(req->req_vp);
		break;
	}
	if (error != 0)
		rf_log(LOG_WARNING, "sandboxed kernel: %s of a bad handle",
		    what);
}

void
rf_ss_serve(const struct rf_ss_job *j, struct mount *mp)
{
	const struct rf_sp_req *req;
	const char *name, *name2, *data;
	struct rf_sp_rep rep;
	struct vnode *vp = NULL, *vp2 = NULL, *nvp = NULL;
	struct vattr va, sva[2], *vap = NULL;
	struct rf_kmap km;
	struct vfs_statvfs sv;
	struct ss_dirbuf d;
	/* Replies up to this size need no allocation (SS_STACK: 1 MiB). */
	char sbuf[RF_SP_DIRBUDGET];
	char *buf;
	uint32_t op = j->j_hdr.h_op;
	void *out = NULL, *rbuf = NULL;
	size_t outlen = 0, done = 0, len;
	uint64_t u1, u2, cookie;
	int error, fd;

	memset(&rep, 0, sizeof(rep));
	if ((error = ss_parse(j, &req, &name, &name2, &data)) != 0) {
		if (RF_SP_ONEWAY(op))
			return;		/* no answer, even to nonsense */
		goto out;
	}
	if (ss_needs_name(op) && name == NULL) {
		error = EINVAL;
		goto out;
	}
	if ((op == RF_SP_SYMLINK || op == RF_SP_RENAME) && name2 == NULL) {
		error = EINVAL;
		goto out;
	}
	if (RF_SP_ONEWAY(op)) {
		ss_oneway(op, req);
		return;			/* no answer */
	}
	if (req->req_a[3] != 0)
		vap = &va;
	if (op != RF_SP_STATVFS && (vp = ss_borrow(req->req_vp)) == NULL) {
		error = EBADF;
		goto out;
	}
	if ((op == RF_SP_LINK || op == RF_SP_RENAME) &&
	    (vp2 = ss_borrow(req->req_vp2)) == NULL) {
		error = EBADF;
		goto out;
	}
	vfs_pub_setcred(req->req_uid, req->req_gid, req->req_ngroups,
	    req->req_groups);

	switch (op) {
	case RF_SP_LOOKUP:
		error = rf_kl_lookup(vp, name, &nvp, vap);
		break;
	case RF_SP_LOOKUPV:
		error = ss_lookupv(vp, req, data, vap != NULL, &rbuf,
		    &outlen);
		out = rbuf;
		vap = NULL;
		break;
	case RF_SP_GETATTR:
		memset(&va, 0, sizeof(va));
		if ((error = vfs_pub_getattr(vp, &va)) == 0) {
			out = &va;
			outlen = sizeof(va);
		}
		break;
	case RF_SP_SETATTR:
		if (req->req_datalen != sizeof(va)) {
			error = EINVAL;
			break;
		}
		memcpy(&sva[0], data, sizeof(sva[0]));
		error = rf_kl_setattr(vp, &sva[0], vap != NULL ? &sva[1] :
		    NULL);
		out = sva;
		outlen = error == 0 && vap != NULL ? sizeof(sva) :
		    sizeof(sva[0]);
		vap = NULL;	/* sent in sva */
		break;
	case RF_SP_ACCESS:
		error = vfs_pub_access(vp, (int)req->req_a[0]);
		break;
	case RF_SP_CREATE:
		error = rf_kl_create(vp, name, (uint32_t)req->req_a[0],
		    req->req_a[1] != 0 ? (int)(req->req_a[1] - 1) : -1,
		    &nvp, vap);
		/* The open file's reference: the front end's too. */
		if (error == 0 && req->req_a[1] != 0 &&
		    (error = rf_ss_give(nvp, &u1)) != 0) {
			(void)rf_kl_close(nvp, (int)(req->req_a[1] - 1));
			vfs_pub_vrele(nvp);
			nvp = NULL;
		}
		break;
	case RF_SP_MKNOD:
		error = rf_kl_mknod(vp, name, (uint32_t)req->req_a[0],
		    req->req_a[1], &nvp, vap);
		break;
	case RF_SP_MKDIR:
		error = rf_kl_mkdir(vp, name, (uint32_t)req->req_a[0], &nvp,
		    vap);
		break;
	case RF_SP_SYMLINK:
		error = rf_kl_symlink(vp, name, name2, &nvp, vap);
		break;
	case RF_SP_LINK:
		error = rf_kl_link(vp, vp2, name, vap);
		break;
	case RF_SP_UNLINK:
		error = vfs_pub_unlink(vp, name);
		break;
	case RF_SP_RMDIR:
		error = vfs_pub_rmdir(vp, name);
		break;
	case RF_SP_RENAME:
		error = vfs_pub_rename(vp, name, vp2, name2,
		    (unsigned)req->req_a[0]);
		break;
	case RF_SP_OPEN:
		/* req_a[2]: map the start too (rep_r[0..1]: bmap's). */
		error = rf_kl_open(vp, (int)req->req_a[0], vap,
		    req->req_a[2] != 0 ? &km : NULL);
		if (error == 0 && req->req_a[2] != 0 && km.km_run != 0) {
			rep.rep_r[0] = km.km_devoff;
			rep.rep_r[1] = km.km_run;
		}
		/* The open file's reference is the front end's. */
		if (error == 0 && (error = rf_ss_give(vp, &u1)) != 0)
			(void)rf_kl_close(vp, (int)req->req_a[0]);
		break;
	case RF_SP_READ:
		len = req->req_a[0] < RF_SP_MAXDATA ? req->req_a[0] :
		    RF_SP_MAXDATA;
		/* Straight into the shared window when the reply may go there. */
		if (j->j_shmreply && len >= RF_SP_SHMMIN)
			buf = j->j_shm;
		else if ((buf = ss_buf(len, sbuf, sizeof(sbuf), &rbuf)) ==
		    NULL) {
			error = ENOMEM;
			break;
		}
		error = vfs_pub_read(vp, buf, len, req->req_a[1], &done);
		if (error == 0) {
			out = buf;
			outlen = done;
		}
		break;
	case RF_SP_WRITE:
		error = vfs_pub_write(vp, data, req->req_datalen,
		    req->req_a[1], (int)req->req_a[2], &done);
		rep.rep_r[0] = done;
		break;
	case RF_SP_FSYNC:
		error = vfs_pub_fsync(vp, req->req_a[0] != 0);
		break;
	case RF_SP_FALLOCATE:
		error = vfs_pub_fallocate(vp, (int)req->req_a[0],
		    req->req_a[1], req->req_a[2]);
		break;
	case RF_SP_SEEK:
		error = vfs_pub_seek(vp, req->req_a[0], (int)req->req_a[1],
		    &u1);
		rep.rep_r[0] = error == 0 ? u1 : 0;
		break;
	case RF_SP_READDIR:
		memset(&d, 0, sizeof(d));
		d.buf = sbuf;
		cookie = req->req_a[0];
		error = vfs_pub_readdir(vp, &cookie, ss_dir_fill, &d);
		rep.rep_r[0] = cookie;
		rep.rep_r[1] = !d.full;
		out = sbuf;
		outlen = d.used;
		break;
	case RF_SP_READLINK:
		len = req->req_a[0] < RF_SP_MAXDATA ? req->req_a[0] :
		    RF_SP_MAXDATA;
		if ((buf = ss_buf(len, sbuf, sizeof(sbuf), &rbuf)) == NULL) {
			error = ENOMEM;
			break;
		}
		error = vfs_pub_readlink(vp, buf, len, &done);
		if (error == 0) {
			rep.rep_r[0] = done;
			out = buf;
			outlen = done < len ? done : len;
		}
		break;
	case RF_SP_STATVFS:
		memset(&sv, 0, sizeof(sv));
		if ((error = vfs_pub_statvfs(mp, &sv)) == 0) {
			out = &sv;
			outlen = sizeof(sv);
		}
		break;
	case RF_SP_GETXATTR:
	case RF_SP_LISTXATTR:
		len = req->req_a[0] < RF_SP_MAXDATA ? req->req_a[0] :
		    RF_SP_MAXDATA;
		buf = NULL;
		if (len > 0 && (buf = ss_buf(len, sbuf, sizeof(sbuf),
		    &rbuf)) == NULL) {
			error = ENOMEM;
			break;
		}
		if (op == RF_SP_GETXATTR)
			error = vfs_pub_getxattr(vp, name, buf, len, &done);
		else
			error = vfs_pub_listxattr(vp, buf, len, &done);
		if (error == 0) {
			rep.rep_r[0] = done;
			out = buf;
			outlen = len == 0 ? 0 : done < len ? done : len;
		}
		break;
	case RF_SP_SETXATTR:
		error = vfs_pub_setxattr(vp, name, data, req->req_datalen,
		    (int)req->req_a[0]);
		break;
	case RF_SP_REMOVEXATTR:
		error = vfs_pub_removexattr(vp, name);
		break;
	case RF_SP_BMAP:
		error = vfs_pub_bmap(vp, req->req_a[0], &fd, &u1, &u2);
		if (error == 0 && (fd < 0 || u2 == 0))
			error = EOPNOTSUPP;
		if (error == 0) {
			rep.rep_r[0] = u1;
			rep.rep_r[1] = u2;
		}
		break;
	default:
		error = EINVAL;
		break;
	}
	if (nvp != NULL) {
		if (error == 0)
			error = rf_ss_give(nvp, &rep.rep_vp);
		if (error != 0)
			vfs_pub_vrele(nvp);
	}
	if (vap != NULL && error == 0) {
		out = vap;
		outlen = sizeof(*vap);
	}
	vfs_pub_setcred_root();

out:
	if (vp != NULL)
		vfs_pub_vrele(vp);
	if (vp2 != NULL)
		vfs_pub_vrele(vp2);
	rep.rep_error = error;
	rf_ss_reply(j, &rep, out, outlen);
	free(rbuf);
}
