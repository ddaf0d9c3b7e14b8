/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_server.c -- the sandboxed child of -o sandbox=split (design:
 * split_proto.h).  It owns the kernel: it starts it, mounts SOURCE,
 * enters the sandbox, then serves vnode operations from its channels
 * until the front end asks it to unmount or goes away.
 *
 * Threads: one worker per channel (socket pair; split_client.c hands
 * each to one caller at a time, but for the post channel, which carries
 * the one-way messages of all callers).  A worker blocks in read on its
 * own channel, runs the request in the kernel with the request's
 * credential and sends the reply on the same channel: no lock around
 * reading or sending, no hand-off between threads, and a channel's
 * messages are handled in the order they were sent.  One-way messages
 * get no answer.  UNMOUNT is handled by the worker that reads it, once
 * no request is being served; the other workers then serve nothing
 * more.  At EOF on any channel (the front end died, or declared us
 * dead and shut the channels down) the child exits at once, writing
 * nothing more (and it is SIGKILLed with its parent where the filter
 * lets it ask for that); but for EOF after UNMOUNT, which the worker
 * ending the process answers.
 *
 * The handle table and the running of one request are split_serve.c's.
 *
 * Memory: the child runs under the memlimit (RLIMIT_DATA), which tmpfs
 * contents and the buffer cache can exhaust.  Nothing here may abort
 * then (no GLib allocator): a request whose payload cannot be buffered
 * is read and dropped and answered with ENOMEM (one-way: just dropped).
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

/* Descriptors kept in the sandbox besides the channels (the kernel's). */
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
	const int	*chans;		/* const: our ends of the channels */
	void *const	*shms;		/* const: their windows, or NULL */
	unsigned	 nchan;		/* const */
	struct mount	*mp;
	pthread_mutex_t	 block;
	pthread_cond_t	 bcv;		/* busy reached 0 */
	unsigned	 busy;		/* block: requests being served */
	bool		 finishing;	/* block: UNMOUNT read, serve no more */
	unsigned long	 crash_at, hang_at; /* test hooks; 0 = off */
	unsigned long	 nreq;		/* atomic */
} ss = {
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

/*
 * Send a reply (or the mount report) on channel CH.  Only the channel's
 * worker sends on it (and the main thread the mount report, before any
 * request can come): no lock.
 */
static void
ss_reply(int ch, uint32_t op, uint64_t id, struct rf_sp_rep *rep,
    const void *data, size_t len)
{
	struct iovec iov[2];

	/* Data in the shared window is counted, not sent. */
	if ((rep->rep_flags & RF_SP_RP_SHMDATA) == 0)
		rep->rep_datalen = (uint32_t)len;
	iov[0].iov_base = rep;
	iov[0].iov_len = sizeof(*rep);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	/* A failed send means the front end is gone: EOF tells the worker. */
	(void)rf_sp_send(ss.chans[ch], NULL, op, id, iov, 2);
}

void
rf_ss_reply(const struct rf_ss_job *j, struct rf_sp_rep *rep,
    const void *data, size_t len)
{

	/* The sender of a one-way message reads no answer. */
	if (RF_SP_ONEWAY(j->j_hdr.h_op))
		return;
	rep->rep_flags = 0;
	if (j->j_shmreply && len >= RF_SP_SHMMIN && len <= RF_SP_MAXDATA) {
		if (data != j->j_shm)
			memcpy(j->j_shm, data, len);
		rep->rep_flags = RF_SP_RP_SHMDATA;
		rep->rep_datalen = (uint32_t)len;
		ss_reply(j->j_chan, j->j_hdr.h_op, j->j_hdr.h_id, rep, NULL, 0);
		return;
	}
	ss_reply(j->j_chan, j->j_hdr.h_op, j->j_hdr.h_id, rep, data, len);
}

/* ---- threads ---- */

/* Read and drop LEN payload bytes.  => 0, EPIPE at EOF, or an errno. */
static int
ss_skip(int fd, size_t len)
{
	char buf[4096];
	size_t n;
	int error;

	for (; len > 0; len -= n) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		if ((error = rf_sp_readn(fd, buf, n)) != 0)
			return error;
	}
	return 0;
}

/*
 * Read one request from channel CH into J: the payload into SMALL if it
 * fits (no allocation: requests still work when memory is exhausted),
 * else into memory from malloc (freed by the caller when j_payload is
 * not SMALL).
 * => 0; ENOMEM if the payload could not be buffered (it was read and
 *    dropped, j_payload is NULL, j_hdr says which request to fail);
 *    EPIPE at EOF or on a bad message.
 */
static int
ss_read_job(int ch, struct rf_ss_job *j, union ss_small *small)
{
	struct rf_sp_hdr *hp = &j->j_hdr;
	int fd = ss.chans[ch];

	j->j_payload = NULL;
	j->j_chan = ch;
	j->j_shm = ss.shms[ch];
	j->j_shmreply = false;
	if (rf_sp_readn(fd, hp, sizeof(*hp)) != 0)
		return EPIPE;
	if (hp->h_len > RF_SP_MAXMSG || hp->h_op == RF_SP_HELLO ||
	    hp->h_op >= RF_SP_NOPS) {
		rf_log(LOG_ERR, "sandboxed kernel: bad request");
		return EPIPE;
	}
	if (hp->h_len <= sizeof(small->s_bytes))
		j->j_payload = small->s_bytes;
	else if ((j->j_payload = malloc(hp->h_len)) == NULL)
		return ss_skip(fd, hp->h_len) == 0 ? ENOMEM : EPIPE;
	if (rf_sp_readn(fd, j->j_payload, hp->h_len) != 0)
		return EPIPE;		/* the process ends: not freed */
	if (hp->h_len >= sizeof(struct rf_sp_req))
		j->j_shmreply = j->j_shm != NULL &&
		    (((const struct rf_sp_req *)(const void *)j->j_payload)->
		    req_flags & RF_SP_RQ_SHMREPLY) != 0;
	return 0;
}

static void __attribute__((noreturn)) ss_finish(const struct rf_ss_job *j);

/*
 * A worker: serves channel ARG (its index) alone.  The worker that
 * reads UNMOUNT stops the others from serving anything more, waits
 * until no request is being served and ends the process (ss_finish).
 * At EOF the front end is gone (or broke the protocol, or declared us
 * dead): the child stops at once, as the whole daemon would have on
 * SIGKILL; an orphan still writing to SOURCE after rumpfuse is gone
 * would race with whatever comes next (fsck, another mount).
 */
static void *
ss_worker(void *arg)
{
	union ss_small small;
	struct rf_sp_rep rep;
	struct rf_ss_job j;
	int ch = (int)(intptr_t)arg, error;

	for (;;) {
		error = ss_read_job(ch, &j, &small);
		pthread_mutex_lock(&ss.block);
		/*
		 * EOF after UNMOUNT: the front end may shut the channels
		 * down once answered; the finishing worker ends the process.
		 */
		if (error != 0 && error != ENOMEM) {
			if (!ss.finishing)
				_exit(1);
			for (;;)
				pthread_cond_wait(&ss.bcv, &ss.block);
		}
		/* UNMOUNT needs nothing of its payload: also without memory. */
		if (j.j_hdr.h_op == RF_SP_UNMOUNT && !ss.finishing) {
			ss.finishing = true;
			while (ss.busy > 0)
				pthread_cond_wait(&ss.bcv, &ss.block);
			pthread_mutex_unlock(&ss.block);
			ss_finish(&j);
		}
		/* After UNMOUNT: wait for the end of the process. */
		while (ss.finishing)
			pthread_cond_wait(&ss.bcv, &ss.block);
		ss.busy++;
		pthread_mutex_unlock(&ss.block);
		if (error == ENOMEM) {
			/* One-way: dropped; else answered with ENOMEM. */
			memset(&rep, 0, sizeof(rep));
			rep.rep_error = ENOMEM;
			rf_ss_reply(&j, &rep, NULL, 0);
		} else {
			if (!RF_SP_ONEWAY(j.j_hdr.h_op))
				ss_fault_hooks();
			rf_ss_serve(&j, ss.mp);
			if (j.j_payload != small.s_bytes)
				free(j.j_payload);
		}
		pthread_mutex_lock(&ss.block);
		if (--ss.busy == 0)
			pthread_cond_broadcast(&ss.bcv);
		pthread_mutex_unlock(&ss.block);
	}
}

/* Send the mount report (RF_SP_HELLO). */
static void
ss_hello(int error, uint64_t root, uint64_t mntbits, const char *msg)
{
	struct rf_sp_rep rep;

	memset(&rep, 0, sizeof(rep));
	rep.rep_error = error;
	rep.rep_vp = root;
	rep.rep_r[0] = (uint64_t)(uintptr_t)ss.mp;
	rep.rep_r[1] = mntbits;
	rep.rep_r[2] = (uint64_t)getpid();
	ss_reply(0, RF_SP_HELLO, 0, &rep, msg,
	    error != 0 && msg != NULL ? strnlen(msg, 4000) : 0);
}

/* Descriptors open now: the channels, stdio and the kernel's. */
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
ss_finish(const struct rf_ss_job *j)
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
	rf_ss_reply(j, &rep, NULL, 0);
	_exit(error != 0 ? 1 : 0);
}

/*
 * Close every descriptor but stdio and the NSOCK channels SOCKS (all of
 * the front end's, its ends of the channels included).
 */
static void
ss_close_others(const int *socks, unsigned nsock)
{
	unsigned i, lo = 3, next;

	for (;;) {
		/* The lowest channel at or above LO. */
		next = ~0U;
		for (i = 0; i < nsock; i++)
			if ((unsigned)socks[i] >= lo &&
			    (unsigned)socks[i] < next)
				next = (unsigned)socks[i];
		if (next == ~0U)
			break;
		if (next > lo)
			(void)close_range(lo, next - 1, 0);
		lo = next + 1;
	}
	(void)close_range(lo, ~0U, 0);
	for (i = 0; i < nsock; i++)
		(void)fcntl(socks[i], F_SETFD, 0);
}

void
rf_split_child_main(const struct rf_split_conf *c, const int *socks,
    void *const *shms, unsigned nsock, pid_t ppid)
{
	struct vfs_config cfg;
	struct vnode *rootvp = NULL;
	pthread_t *tids;
	pthread_attr_t attr;
	char errbuf[512];
	uint64_t root = 0;
	int *keep, error, nullfd;
	unsigned nkeep, i;

	/* Nothing of the front end's: only stdio and the channels stay. */
	ss_close_others(socks, nsock);
	ss.chans = socks;
	ss.shms = shms;
	ss.nchan = nsock;
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
		ss_hello(error, 0, 0, errbuf);
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
	if ((keep = calloc(nsock + SS_MAXKEEP, sizeof(*keep))) == NULL) {
		error = ENOMEM;
		snprintf(errbuf, sizeof(errbuf), "out of memory");
		goto out_unmount;
	}
	nkeep = ss_open_fds(keep, nsock + SS_MAXKEEP);
	if (c->enter != NULL && (error = c->enter(c->enter_arg, keep, nkeep,
	    errbuf, sizeof(errbuf))) != 0) {
		free(keep);
		goto out_unmount;
	}
	free(keep);
	/* Changing the credentials cleared it: again, and check. */
	ss_die_with_parent(ppid);

	if ((error = rf_ss_give(rootvp, &root)) != 0) {
		snprintf(errbuf, sizeof(errbuf), "out of memory");
		goto out_unmount;
	}
	rootvp = NULL;			/* the table's now */
	/*
	 * Workers start inside the sandbox, so they inherit all of it;
	 * each channel needs its own (nothing else reads it).
	 */
	if ((tids = calloc(nsock, sizeof(*tids))) == NULL) {
		error = ENOMEM;
		snprintf(errbuf, sizeof(errbuf), "out of memory");
		goto out_unmount;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SS_STACK);
	for (i = 0; i < nsock; i++) {
		if ((error = pthread_create(&tids[i], &attr, ss_worker,
		    (void *)(intptr_t)i)) != 0)
			break;
	}
	pthread_attr_destroy(&attr);
	if (i < nsock) {
		snprintf(errbuf, sizeof(errbuf), "cannot start threads: %s",
		    strerror(error));
		goto out_unmount;
	}
	ss_hello(0, root,
	    (vfs_mount_rdonly(ss.mp) ? RF_SP_MNT_RDONLY : 0) |
	    (vfs_mount_nocase(ss.mp) ? RF_SP_MNT_NOCASE : 0) |
	    (vfs_mount_locked(ss.mp) ? RF_SP_MNT_LOCKED : 0), NULL);

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
	ss_hello(error, 0, 0, errbuf);
	vfs_shutdown();
	_exit(1);
}
