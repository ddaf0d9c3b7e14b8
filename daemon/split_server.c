/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_server.c -- the sandboxed child of -o sandbox=split (design:
 * split_proto.h).  It owns the kernel: it starts it, mounts SOURCE,
 * enters the sandbox, then serves vnode operations from the socket
 * until the front end asks it to unmount or goes away.
 *
 * Threads: a pool of workers takes turns reading a request from the
 * socket (leader/follower: no hand-off between threads), runs it in the
 * kernel with the request's credential, and sends the reply.  UNMOUNT
 * is handled by the worker that reads it, once the others are idle; at
 * EOF (the front end died) the child exits at once, writing nothing
 * more (and it is SIGKILLed with its parent where the filter lets it
 * ask for that).
 *
 * Handles: a hash table (ss.hbuckets, chained, protected by ss.hlock)
 * maps each vnode the front end holds to the number of references it
 * holds; a request's handle is accepted only if it is in the table, and
 * is vref'd for the length of the request (ss_borrow), so a stray vrele
 * cannot free it under us.
 *
 * Memory: the child runs under the memlimit (RLIMIT_DATA), which tmpfs
 * contents and the buffer cache can exhaust.  Nothing here may abort
 * then (no GLib allocator): a handle that cannot be recorded makes its
 * request fail with ENOMEM (the vnode is released), a request whose
 * payload cannot be buffered is read and dropped and answered with
 * ENOMEM, and a failed resize of the table only makes its chains
 * longer.
 *
 * Exports: rf_split_child_main.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <unistd.h>

#include "bridge.h"
#include "split.h"
#include "split_proto.h"

#define SS_MAXKEEP	64
#define SS_STACK	(1024 * 1024)
/* Handle table buckets: at least this many, a power of two. */
#define SS_HMIN		64

/* One vnode the front end holds references on. */
struct ss_handle {
	struct vnode	*h_vp;
	size_t		 h_refs;	/* > 0: the front end's refs */
	struct ss_handle *h_next;	/* hash chain */
};

/* Payloads up to this size are read into the worker's stack. */
#define SS_SMALL	8192

/* A request read from the socket. */
struct ss_job {
	struct rf_sp_hdr j_hdr;
	char		*j_payload;	/* j_hdr.h_len bytes */
};

/* Room for a small payload (aligned for struct rf_sp_req). */
union ss_small {
	struct rf_sp_req s_req;
	char		 s_bytes[SS_SMALL];
};

static struct {
	int		 fd;
	struct mount	*mp;
	pthread_mutex_t	 sendlock;
	pthread_mutex_t	 rlock;		/* one worker reads at a time */
	pthread_mutex_t	 block;
	pthread_cond_t	 bcv;		/* busy reached 0 */
	unsigned	 busy;		/* block: requests being served */
	pthread_mutex_t	 hlock;
	struct ss_handle **hbuckets;	/* hlock */
	size_t		 hnbuckets;	/* hlock; a power of two */
	size_t		 hcount;	/* hlock; entries */
	unsigned long	 crash_at, hang_at; /* test hooks; 0 = off */
	unsigned long	 nreq;		/* atomic */
} ss = {
	.fd = -1,
	.sendlock = PTHREAD_MUTEX_INITIALIZER,
	.rlock = PTHREAD_MUTEX_INITIALIZER,
	.block = PTHREAD_MUTEX_INITIALIZER,
	.bcv = PTHREAD_COND_INITIALIZER,
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

	hp = &ss.hbuckets[ss_hash(vp, ss.hnbuckets)];
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
	for (i = 0; i < ss.hnbuckets; i++)
		for (h = ss.hbuckets[i]; h != NULL; h = next) {
			next = h->h_next;
			k = ss_hash(h->h_vp, n);
			h->h_next = nb[k];
			nb[k] = h;
		}
	free(ss.hbuckets);
	ss.hbuckets = nb;
	ss.hnbuckets = n;
}

/* An empty table.  => 0 or ENOMEM. */
static int
ss_hinit(void)
{

	if ((ss.hbuckets = calloc(SS_HMIN, sizeof(*ss.hbuckets))) == NULL)
		return ENOMEM;
	ss.hnbuckets = SS_HMIN;
	ss.hcount = 0;
	return 0;
}

/*
 * The front end now holds the reference on VP the kernel gave us; its
 * handle in *HP.  => 0, or ENOMEM (nothing recorded: the caller still
 * owns the reference).
 */
static int
ss_give(struct vnode *vp, uint64_t *hp)
{
	struct ss_handle **link, *h;

	pthread_mutex_lock(&ss.hlock);
	link = ss_hfind(vp);
	if ((h = *link) == NULL) {
		if ((h = malloc(sizeof(*h))) == NULL) {
			pthread_mutex_unlock(&ss.hlock);
			return ENOMEM;
		}
		h->h_vp = vp;
		h->h_refs = 0;
		h->h_next = NULL;
		*link = h;
		if (++ss.hcount > ss.hnbuckets)
			ss_hresize(ss.hnbuckets * 2);
	}
	h->h_refs++;
	pthread_mutex_unlock(&ss.hlock);
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
	pthread_mutex_lock(&ss.hlock);
	if (*ss_hfind(vp) != NULL)
		vfs_pub_vref(vp);
	else
		vp = NULL;
	pthread_mutex_unlock(&ss.hlock);
	return vp;
}

/* The front end drops one of its references.  => 0 or EBADF. */
static int
ss_drop(uint64_t hv)
{
	struct vnode *vp = (struct vnode *)(uintptr_t)hv;
	struct ss_handle **link, *h;

	pthread_mutex_lock(&ss.hlock);
	link = ss_hfind(vp);
	if ((h = *link) == NULL) {
		pthread_mutex_unlock(&ss.hlock);
		return EBADF;
	}
	if (--h->h_refs == 0) {
		*link = h->h_next;
		free(h);
		if (--ss.hcount * 8 < ss.hnbuckets &&
		    ss.hnbuckets > SS_HMIN)
			ss_hresize(ss.hnbuckets / 2);
	}
	pthread_mutex_unlock(&ss.hlock);
	vfs_pub_vrele(vp);
	return 0;
}

/* The front end takes one more reference.  => 0 or EBADF. */
static int
ss_addref(uint64_t hv)
{
	struct vnode *vp = (struct vnode *)(uintptr_t)hv;
	struct ss_handle *h;

	pthread_mutex_lock(&ss.hlock);
	if ((h = *ss_hfind(vp)) != NULL) {
		vfs_pub_vref(vp);
		h->h_refs++;
	}
	pthread_mutex_unlock(&ss.hlock);
	return h != NULL ? 0 : EBADF;
}

/* Every reference the front end still holds (it is gone or done). */
static void
ss_drop_all(void)
{
	struct ss_handle *list = NULL, *h, *next;
	size_t i;

	pthread_mutex_lock(&ss.hlock);
	for (i = 0; i < ss.hnbuckets; i++) {
		for (h = ss.hbuckets[i]; h != NULL; h = next) {
			next = h->h_next;
			h->h_next = list;
			list = h;
		}
		ss.hbuckets[i] = NULL;
	}
	ss.hcount = 0;
	pthread_mutex_unlock(&ss.hlock);
	for (h = list; h != NULL; h = next) {
		next = h->h_next;
		for (; h->h_refs > 0; h->h_refs--)
			vfs_pub_vrele(h->h_vp);
		free(h);
	}
}

/* ---- replies ---- */

static void
ss_reply(uint32_t op, uint64_t id, struct rf_sp_rep *rep, const void *data,
    size_t len)
{
	struct iovec iov[2];

	rep->rep_datalen = (uint32_t)len;
	iov[0].iov_base = rep;
	iov[0].iov_len = sizeof(*rep);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	/* A failed send means the front end is gone: EOF tells the reader. */
	(void)rf_sp_send(ss.fd, &ss.sendlock, op, id, iov, 2);
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
ss_parse(const struct ss_job *j, const struct rf_sp_req **reqp,
    const char **namep, const char **name2p, const char **datap)
{
	const struct rf_sp_req *req = (const void *)j->j_payload;
	const char *p = j->j_payload + sizeof(*req);
	uint64_t need;

	if (j->j_hdr.h_len < sizeof(*req))
		return EINVAL;
	need = (uint64_t)sizeof(*req) + req->req_namelen +
	    req->req_name2len + req->req_datalen;
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
	*datap = p;
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

/* Test-only fault hooks (split_proto.h). */
static void
ss_fault_hooks(void)
{
	unsigned long n;

	if (ss.crash_at == 0 && ss.hang_at == 0)
		return;
	n = __atomic_add_fetch(&ss.nreq, 1, __ATOMIC_RELAXED);
	if (n == ss.crash_at)
		abort();
	if (n == ss.hang_at)
		for (;;)
			sleep(1000);
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

static void
ss_serve(struct ss_job *j)
{
	const struct rf_sp_req *req;
	const char *name, *name2, *data;
	struct rf_sp_rep rep;
	struct vnode *vp = NULL, *vp2 = NULL, *nvp = NULL;
	struct vattr va;
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

	ss_fault_hooks();
	memset(&rep, 0, sizeof(rep));
	if ((error = ss_parse(j, &req, &name, &name2, &data)) != 0)
		goto out;
	if (ss_needs_name(op) && name == NULL) {
		error = EINVAL;
		goto out;
	}
	if ((op == RF_SP_SYMLINK || op == RF_SP_RENAME) && name2 == NULL) {
		error = EINVAL;
		goto out;
	}
	if (op == RF_SP_VREF || op == RF_SP_VRELE) {
		error = op == RF_SP_VREF ? ss_addref(req->req_vp) :
		    ss_drop(req->req_vp);
		goto out;
	}
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
		error = vfs_pub_lookup(vp, name, &nvp);
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
		memcpy(&va, data, sizeof(va));
		error = vfs_pub_setattr(vp, &va);
		out = &va;
		outlen = sizeof(va);
		break;
	case RF_SP_ACCESS:
		error = vfs_pub_access(vp, (int)req->req_a[0]);
		break;
	case RF_SP_CREATE:
		error = vfs_pub_create(vp, name, (uint32_t)req->req_a[0],
		    &nvp);
		break;
	case RF_SP_MKNOD:
		error = vfs_pub_mknod(vp, name, (uint32_t)req->req_a[0],
		    req->req_a[1], &nvp);
		break;
	case RF_SP_MKDIR:
		error = vfs_pub_mkdir(vp, name, (uint32_t)req->req_a[0], &nvp);
		break;
	case RF_SP_SYMLINK:
		error = vfs_pub_symlink(vp, name, name2, &nvp);
		break;
	case RF_SP_LINK:
		error = vfs_pub_link(vp, vp2, name);
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
		error = vfs_pub_open(vp, (int)req->req_a[0]);
		break;
	case RF_SP_OPEN_CREATED:
		error = vfs_pub_open_created(vp, (int)req->req_a[0]);
		break;
	case RF_SP_CLOSE:
		error = vfs_pub_close(vp, (int)req->req_a[0]);
		break;
	case RF_SP_READ:
		len = req->req_a[0] < RF_SP_MAXDATA ? req->req_a[0] :
		    RF_SP_MAXDATA;
		if ((buf = ss_buf(len, sbuf, sizeof(sbuf), &rbuf)) == NULL) {
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
		if ((error = vfs_pub_statvfs(ss.mp, &sv)) == 0) {
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
			error = ss_give(nvp, &rep.rep_vp);
		if (error != 0)
			vfs_pub_vrele(nvp);
	}
	vfs_pub_setcred_root();

out:
	if (vp != NULL)
		vfs_pub_vrele(vp);
	if (vp2 != NULL)
		vfs_pub_vrele(vp2);
	rep.rep_error = error;
	ss_reply(op, j->j_hdr.h_id, &rep, out, outlen);
	free(rbuf);
}

/* ---- threads ---- */

/* Read and drop LEN payload bytes.  => 0, EPIPE at EOF, or an errno. */
static int
ss_skip(size_t len)
{
	char buf[4096];
	size_t n;
	int error;

	for (; len > 0; len -= n) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		if ((error = rf_sp_readn(ss.fd, buf, n)) != 0)
			return error;
	}
	return 0;
}

/*
 * Read one request into J: the payload into SMALL if it fits (no
 * allocation: requests still work when memory is exhausted), else into
 * memory from malloc (freed by the caller when j_payload is not SMALL).
 * => 0; ENOMEM if the payload could not be buffered (it was read and
 *    dropped, j_payload is NULL, j_hdr says which request to fail);
 *    EPIPE at EOF or on a bad message.
 */
static int
ss_read_job(struct ss_job *j, union ss_small *small)
{
	struct rf_sp_hdr *hp = &j->j_hdr;

	j->j_payload = NULL;
	if (rf_sp_readn(ss.fd, hp, sizeof(*hp)) != 0)
		return EPIPE;
	if (hp->h_len > RF_SP_MAXMSG || hp->h_op == RF_SP_HELLO ||
	    hp->h_op >= RF_SP_NOPS) {
		rf_log(LOG_ERR, "sandboxed kernel: bad request");
		return EPIPE;
	}
	if (hp->h_len <= sizeof(small->s_bytes))
		j->j_payload = small->s_bytes;
	else if ((j->j_payload = malloc(hp->h_len)) == NULL)
		return ss_skip(hp->h_len) == 0 ? ENOMEM : EPIPE;
	if (rf_sp_readn(ss.fd, j->j_payload, hp->h_len) != 0)
		return EPIPE;		/* the process ends: not freed */
	return 0;
}

static void __attribute__((noreturn)) ss_finish(uint64_t id);

/*
 * A worker: leader/follower.  It reads one request (holding ss.rlock,
 * so whole messages), lets the next worker read, and serves it.  The
 * worker that reads UNMOUNT keeps ss.rlock, waits until no request is
 * being served and ends the process (ss_finish).  At EOF the front end
 * is gone (or broke the protocol): the child stops at once, as the
 * whole daemon would have on SIGKILL; an orphan still writing to SOURCE
 * after rumpfuse is gone would race with whatever comes next (fsck,
 * another mount).
 */
static void *
ss_worker(void *arg)
{
	union ss_small small;
	struct rf_sp_rep rep;
	struct ss_job j;
	int error;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&ss.rlock);
		error = ss_read_job(&j, &small);
		if (error != 0 && error != ENOMEM)
			_exit(1);
		/* UNMOUNT needs nothing of its payload: also without memory. */
		if (j.j_hdr.h_op == RF_SP_UNMOUNT) {
			pthread_mutex_lock(&ss.block);
			while (ss.busy > 0)
				pthread_cond_wait(&ss.bcv, &ss.block);
			pthread_mutex_unlock(&ss.block);
			ss_finish(j.j_hdr.h_id);
		}
		if (error == ENOMEM) {
			pthread_mutex_unlock(&ss.rlock);
			memset(&rep, 0, sizeof(rep));
			rep.rep_error = ENOMEM;
			ss_reply(j.j_hdr.h_op, j.j_hdr.h_id, &rep, NULL, 0);
			continue;
		}
		pthread_mutex_lock(&ss.block);
		ss.busy++;
		pthread_mutex_unlock(&ss.block);
		pthread_mutex_unlock(&ss.rlock);
		ss_serve(&j);
		if (j.j_payload != small.s_bytes)
			free(j.j_payload);
		pthread_mutex_lock(&ss.block);
		if (--ss.busy == 0)
			pthread_cond_broadcast(&ss.bcv);
		pthread_mutex_unlock(&ss.block);
	}
}

/* Send the mount report (RF_SP_HELLO). */
static void
ss_hello(int error, uint64_t root, bool rdonly, const char *msg)
{
	struct rf_sp_rep rep;

	memset(&rep, 0, sizeof(rep));
	rep.rep_error = error;
	rep.rep_vp = root;
	rep.rep_r[0] = (uint64_t)(uintptr_t)ss.mp;
	rep.rep_r[1] = rdonly;
	rep.rep_r[2] = (uint64_t)getpid();
	ss_reply(RF_SP_HELLO, 0, &rep, msg,
	    error != 0 && msg != NULL ? strnlen(msg, 4000) : 0);
}

/* Descriptors open now: the socket, stdio and the kernel's. */
static unsigned
ss_open_fds(int *keep, unsigned max)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *dir;
	int fd, dfd;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return 0;
	dfd = dirfd(dir);
	while ((de = readdir(dir)) != NULL && n < max) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = atoi(de->d_name);
		if (fd != dfd)
			keep[n++] = fd;
	}
	closedir(dir);
	return n;
}

/*
 * SIGKILL when the front end (PPID) dies, so no orphan keeps writing to
 * SOURCE; exit now if it is already gone (it may have died before the
 * request took effect: we were then given to another parent).  Linux
 * clears the setting when the sandbox changes the credentials, so it is
 * asked for again right after entering (the filter allows prctl
 * PR_SET_PDEATHSIG and getppid).  Should that fail, EOF on the socket
 * still ends the child, but only while it is able to run.
 */
static void
ss_die_with_parent(pid_t ppid)
{

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		rf_log(LOG_WARNING, "sandboxed kernel: PR_SET_PDEATHSIG: %s",
		    strerror(errno));
	if (getppid() != ppid)
		_exit(1);
}

static unsigned long
ss_env_count(const char *name)
{
	const char *s = getenv(name);

	return s != NULL ? strtoul(s, NULL, 10) : 0;
}

/* UNMOUNT: unmount, answer, end the process.  The workers have stopped. */
static void __attribute__((noreturn))
ss_finish(uint64_t id)
{
	struct rf_sp_rep rep;
	int error;

	ss_drop_all();
	vfs_pub_setcred_root();
	if ((error = vfs_unmount(ss.mp, 0)) == EBUSY)
		error = vfs_unmount(ss.mp, VFS_UMOUNT_FORCE);
	if (error != 0)
		rf_log(LOG_ERR, "sandboxed kernel: unmount: %s",
		    strerror(error));
	vfs_shutdown();
	memset(&rep, 0, sizeof(rep));
	rep.rep_error = error;
	ss_reply(RF_SP_UNMOUNT, id, &rep, NULL, 0);
	_exit(error != 0 ? 1 : 0);
}

void
rf_split_child_main(const struct rf_split_conf *c, int sock, pid_t ppid)
{
	struct vfs_config cfg;
	struct vnode *rootvp = NULL;
	pthread_t *tids;
	pthread_attr_t attr;
	char errbuf[512];
	uint64_t root = 0;
	int keep[SS_MAXKEEP], error, nullfd;
	unsigned nkeep, i, nthr = 0;

	/* Nothing of the front end's: only stdio and the socket stay. */
	if (sock > 3)
		(void)close_range(3, (unsigned)sock - 1, 0);
	(void)close_range((unsigned)sock + 1, ~0U, 0);
	(void)fcntl(sock, F_SETFD, 0);
	/*
	 * Stopping is the front end's decision (UNMOUNT, or EOF if it
	 * dies): not a terminal's ^C, nor a service manager's SIGTERM to
	 * the whole group, which would lose what is not written back yet.
	 */
	(void)setpgid(0, 0);
	ss_die_with_parent(ppid);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGTERM, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGQUIT, SIG_IGN);
	ss.fd = sock;
	ss.crash_at = ss_env_count("RUMPFUSE_TEST_SPLIT_CRASH");
	ss.hang_at = ss_env_count("RUMPFUSE_TEST_SPLIT_HANG");
	/* Few malloc arenas: RLIMIT_AS counts their reservations. */
	(void)mallopt(M_ARENA_MAX, 2);

	memset(&cfg, 0, sizeof(cfg));
	cfg.bufcache_bytes = c->bufcache_bytes;
	cfg.vnode_lru_max = c->lrumax;
	if ((error = ss_hinit()) != 0 || (error = vfs_init(&cfg)) != 0) {
		snprintf(errbuf, sizeof(errbuf), "cannot start the kernel: %s",
		    strerror(error));
		ss_hello(error, 0, false, errbuf);
		_exit(1);
	}
	errbuf[0] = '\0';
	vfs_pub_setcred(c->mount_uid, c->mount_gid, 0, NULL);
	error = vfs_mount(c->fstype, c->source, "/", c->kopts, &ss.mp, errbuf,
	    sizeof(errbuf));
	vfs_pub_setcred_root();
	if (error != 0) {
		if (errbuf[0] == '\0')
			snprintf(errbuf, sizeof(errbuf), "%s", strerror(error));
		goto out_fail;
	}
	if ((error = vfs_pub_root(ss.mp, &rootvp)) != 0) {
		snprintf(errbuf, sizeof(errbuf), "root directory: %s",
		    strerror(error));
		goto out_unmount;
	}
	if (c->detach && (nullfd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(nullfd, 0);
		(void)dup2(nullfd, 1);
		(void)dup2(nullfd, 2);
		if (nullfd > 2)
			close(nullfd);
	}
	nkeep = ss_open_fds(keep, SS_MAXKEEP);
	if (c->enter != NULL && (error = c->enter(c->enter_arg, keep, nkeep,
	    errbuf, sizeof(errbuf))) != 0)
		goto out_unmount;
	/* Changing the credentials cleared it: again, and check. */
	ss_die_with_parent(ppid);

	if ((error = ss_give(rootvp, &root)) != 0) {
		snprintf(errbuf, sizeof(errbuf), "out of memory");
		goto out_unmount;
	}
	rootvp = NULL;			/* the table's now */
	/* Workers start inside the sandbox, so they inherit all of it. */
	if ((tids = calloc(c->nworkers, sizeof(*tids))) == NULL) {
		error = ENOMEM;
		snprintf(errbuf, sizeof(errbuf), "out of memory");
		goto out_unmount;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SS_STACK);
	for (i = 0; i < c->nworkers; i++) {
		if ((error = pthread_create(&tids[i], &attr, ss_worker,
		    NULL)) != 0)
			break;
		nthr++;
	}
	pthread_attr_destroy(&attr);
	if (nthr == 0) {
		snprintf(errbuf, sizeof(errbuf), "cannot start threads: %s",
		    strerror(error));
		goto out_unmount;
	}
	ss_hello(0, root, vfs_mount_rdonly(ss.mp), NULL);

	/*
	 * The workers serve until UNMOUNT or EOF, which end the process;
	 * this thread only waits (pause(2) is not in the filter).
	 */
	for (;;)
		pthread_join(tids[0], NULL);

out_unmount:
	if (rootvp != NULL)
		vfs_pub_vrele(rootvp);
	ss_drop_all();
	(void)vfs_unmount(ss.mp, VFS_UMOUNT_FORCE);
out_fail:
	ss.mp = NULL;
	ss_hello(error, 0, false, errbuf);
	vfs_shutdown();
	_exit(1);
}
