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
 * Handles: ss.handles maps each vnode the front end holds to the number
 * of references it holds (protected by ss.hlock); a request's handle is
 * accepted only if it is in the table, and is vref'd for the length of
 * the request (ss_borrow), so a stray vrele cannot free it under us.
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

/* A request read from the socket; the payload follows. */
struct ss_job {
	struct rf_sp_hdr j_hdr;
	char		 j_payload[];
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
	GHashTable	*handles;	/* vnode * -> references; hlock */
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

/* The front end now holds the reference on VP the kernel gave us. */
static uint64_t
ss_give(struct vnode *vp)
{
	gpointer v;

	pthread_mutex_lock(&ss.hlock);
	v = g_hash_table_lookup(ss.handles, vp);
	g_hash_table_insert(ss.handles, vp,
	    GSIZE_TO_POINTER(GPOINTER_TO_SIZE(v) + 1));
	pthread_mutex_unlock(&ss.hlock);
	return (uint64_t)(uintptr_t)vp;
}

/* A handle of the front end, with a reference for this request; or NULL. */
static struct vnode *
ss_borrow(uint64_t h)
{
	struct vnode *vp = (struct vnode *)(uintptr_t)h;

	if (h == 0)
		return NULL;
	pthread_mutex_lock(&ss.hlock);
	if (g_hash_table_lookup(ss.handles, vp) != NULL)
		vfs_pub_vref(vp);
	else
		vp = NULL;
	pthread_mutex_unlock(&ss.hlock);
	return vp;
}

/* The front end drops one of its references.  => 0 or EBADF. */
static int
ss_drop(uint64_t h)
{
	struct vnode *vp = (struct vnode *)(uintptr_t)h;
	size_t n;

	pthread_mutex_lock(&ss.hlock);
	n = GPOINTER_TO_SIZE(g_hash_table_lookup(ss.handles, vp));
	if (n == 0) {
		pthread_mutex_unlock(&ss.hlock);
		return EBADF;
	}
	if (n == 1)
		g_hash_table_remove(ss.handles, vp);
	else
		g_hash_table_insert(ss.handles, vp, GSIZE_TO_POINTER(n - 1));
	pthread_mutex_unlock(&ss.hlock);
	vfs_pub_vrele(vp);
	return 0;
}

/* The front end takes one more reference.  => 0 or EBADF. */
static int
ss_addref(uint64_t h)
{
	struct vnode *vp = (struct vnode *)(uintptr_t)h;
	size_t n;

	pthread_mutex_lock(&ss.hlock);
	n = GPOINTER_TO_SIZE(g_hash_table_lookup(ss.handles, vp));
	if (n != 0) {
		vfs_pub_vref(vp);
		g_hash_table_insert(ss.handles, vp, GSIZE_TO_POINTER(n + 1));
	}
	pthread_mutex_unlock(&ss.hlock);
	return n != 0 ? 0 : EBADF;
}

/* Every reference the front end still holds (it is gone or done). */
static void
ss_drop_all(void)
{
	GHashTableIter it;
	gpointer k, v;
	size_t n;

	pthread_mutex_lock(&ss.hlock);
	g_hash_table_iter_init(&it, ss.handles);
	while (g_hash_table_iter_next(&it, &k, &v))
		for (n = GPOINTER_TO_SIZE(v); n > 0; n--)
			vfs_pub_vrele(k);
	g_hash_table_remove_all(ss.handles);
	pthread_mutex_unlock(&ss.hlock);
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
		if ((rbuf = malloc(len > 0 ? len : 1)) == NULL) {
			error = ENOMEM;
			break;
		}
		error = vfs_pub_read(vp, rbuf, len, req->req_a[1], &done);
		if (error == 0) {
			out = rbuf;
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
		if ((rbuf = malloc(RF_SP_DIRBUDGET)) == NULL) {
			error = ENOMEM;
			break;
		}
		memset(&d, 0, sizeof(d));
		d.buf = rbuf;
		cookie = req->req_a[0];
		error = vfs_pub_readdir(vp, &cookie, ss_dir_fill, &d);
		rep.rep_r[0] = cookie;
		rep.rep_r[1] = !d.full;
		out = rbuf;
		outlen = d.used;
		break;
	case RF_SP_READLINK:
		len = req->req_a[0] < RF_SP_MAXDATA ? req->req_a[0] :
		    RF_SP_MAXDATA;
		if ((rbuf = malloc(len > 0 ? len : 1)) == NULL) {
			error = ENOMEM;
			break;
		}
		error = vfs_pub_readlink(vp, rbuf, len, &done);
		if (error == 0) {
			rep.rep_r[0] = done;
			out = rbuf;
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
		if (len > 0 && (rbuf = malloc(len)) == NULL) {
			error = ENOMEM;
			break;
		}
		if (op == RF_SP_GETXATTR)
			error = vfs_pub_getxattr(vp, name, rbuf, len, &done);
		else
			error = vfs_pub_listxattr(vp, rbuf, len, &done);
		if (error == 0) {
			rep.rep_r[0] = done;
			out = rbuf;
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
			rep.rep_vp = ss_give(nvp);
		else
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

/* Read one request.  => it, or NULL at EOF or on a bad message. */
static struct ss_job *
ss_read_job(void)
{
	struct rf_sp_hdr h;
	struct ss_job *j;

	if (rf_sp_readn(ss.fd, &h, sizeof(h)) != 0)
		return NULL;
	if (h.h_len > RF_SP_MAXMSG || h.h_op == RF_SP_HELLO ||
	    h.h_op >= RF_SP_NOPS) {
		rf_log(LOG_ERR, "sandboxed kernel: bad request");
		return NULL;
	}
	if ((j = malloc(sizeof(*j) + h.h_len)) == NULL)
		return NULL;
	j->j_hdr = h;
	if (rf_sp_readn(ss.fd, j->j_payload, h.h_len) != 0) {
		free(j);
		return NULL;
	}
	return j;
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
	struct ss_job *j;
	uint64_t id;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&ss.rlock);
		if ((j = ss_read_job()) == NULL)
			_exit(1);
		if (j->j_hdr.h_op == RF_SP_UNMOUNT) {
			id = j->j_hdr.h_id;
			free(j);
			pthread_mutex_lock(&ss.block);
			while (ss.busy > 0)
				pthread_cond_wait(&ss.bcv, &ss.block);
			pthread_mutex_unlock(&ss.block);
			ss_finish(id);
		}
		pthread_mutex_lock(&ss.block);
		ss.busy++;
		pthread_mutex_unlock(&ss.block);
		pthread_mutex_unlock(&ss.rlock);
		ss_serve(j);
		free(j);
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
 * SOURCE; exit now if it is already gone.  Linux clears this setting
 * when the sandbox drops root, so it is asked for again afterwards;
 * where the filter refuses that, EOF on the socket ends the child.
 */
static void
ss_die_with_parent(pid_t ppid)
{

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
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
	ss.handles = g_hash_table_new(g_direct_hash, g_direct_equal);
	ss.crash_at = ss_env_count("RUMPFUSE_TEST_SPLIT_CRASH");
	ss.hang_at = ss_env_count("RUMPFUSE_TEST_SPLIT_HANG");
	/* Few malloc arenas: RLIMIT_AS counts their reservations. */
	(void)mallopt(M_ARENA_MAX, 2);

	memset(&cfg, 0, sizeof(cfg));
	cfg.bufcache_bytes = c->bufcache_bytes;
	cfg.vnode_lru_max = c->lrumax;
	if ((error = vfs_init(&cfg)) != 0) {
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
	/*
	 * Dropping root cleared it; the filter may refuse it (then EOF
	 * ends us).  No getppid() here: the filter does not allow it.
	 */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);

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
	ss_hello(0, ss_give(rootvp), vfs_mount_rdonly(ss.mp), NULL);

	/*
	 * The workers serve until UNMOUNT or EOF, which end the process;
	 * this thread only waits (pause(2) is not in the filter).
	 */
	for (;;)
		pthread_join(tids[0], NULL);

out_unmount:
	if (rootvp != NULL)
		vfs_pub_vrele(rootvp);
	(void)vfs_unmount(ss.mp, VFS_UMOUNT_FORCE);
out_fail:
	ss.mp = NULL;
	ss_hello(error, 0, false, errbuf);
	vfs_shutdown();
	_exit(1);
}
