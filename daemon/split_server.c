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
 * The handle table and the running of one request are split_serve.c's.
 *
 * Memory: the child runs under the memlimit (RLIMIT_DATA), which tmpfs
 * contents and the buffer cache can exhaust.  Nothing here may abort
 * then (no GLib allocator): a request whose payload cannot be buffered
 * is read and dropped and answered with ENOMEM.
 *
 * Exports: rf_split_child_main, rf_ss_reply.
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
#include "split_priv.h"

#define SS_MAXKEEP	64
#define SS_STACK	(1024 * 1024)
/* Payloads up to this size are read into the worker's stack. */
#define SS_SMALL	8192

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
	unsigned long	 crash_at, hang_at; /* test hooks; 0 = off */
	unsigned long	 nreq;		/* atomic */
} ss = {
	.fd = -1,
	.sendlock = PTHREAD_MUTEX_INITIALIZER,
	.rlock = PTHREAD_MUTEX_INITIALIZER,
	.block = PTHREAD_MUTEX_INITIALIZER,
	.bcv = PTHREAD_COND_INITIALIZER,
};

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

void
rf_ss_reply(const struct rf_ss_job *j, struct rf_sp_rep *rep,
    const void *data, size_t len)
{

	ss_reply(j->j_hdr.h_op, j->j_hdr.h_id, rep, data, len);
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
ss_read_job(struct rf_ss_job *j, union ss_small *small)
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
	struct rf_ss_job j;
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
		ss_fault_hooks();
		rf_ss_serve(&j, ss.mp);
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

	rf_ss_drop_all();
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
	if ((error = rf_ss_hinit()) != 0 || (error = vfs_init(&cfg)) != 0) {
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

	if ((error = rf_ss_give(rootvp, &root)) != 0) {
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
	rf_ss_drop_all();
	(void)vfs_unmount(ss.mp, VFS_UMOUNT_FORCE);
out_fail:
	ss.mp = NULL;
	ss_hello(error, 0, false, errbuf);
	vfs_shutdown();
	_exit(1);
}
