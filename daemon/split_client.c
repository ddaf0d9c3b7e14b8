/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_client.c -- the FUSE front end's side of -o sandbox=split
 * (design: split_proto.h): starting the child, the transport under the
 * client stubs of rf_kops_split (split_stubs.c), the time limit, the
 * death of the child, and the final unmount.
 *
 * Channels.  The front end talks to the child over socket pairs
 * (channels): one per concurrent caller (nworkers, at most SC_MAXCHAN)
 * and the post channel; the child runs one worker thread per channel.
 * A free channel sits on a stack (LIFO: at low load the same channel,
 * and so the same child thread, serves every call).  A call takes a
 * channel (waiting if all are in use, which only more callers than
 * channels cause), sends the request, reads the reply on the same
 * channel in the calling thread -- reply data goes straight into the
 * caller's buffer -- and puts the channel back.  A round trip thus
 * wakes two threads, the child's worker and then the caller, and costs
 * one sendmsg and (usually) one readv.
 *
 * One-way messages (rf_sc_post: VREF, VRELE) all go on the post
 * channel, under a send lock, and the sender does not wait.  Its one
 * worker in the child handles them in the order they were sent, which
 * keeps a handle's count right: a file's VREF at open and its VRELE at
 * release, posted by two threads one after the other, must not be
 * handled the other way round (the count would drop to zero in between
 * and the handle be gone), as they could be on two channels served by
 * two workers.  Their order against calls does not matter: the front
 * end posts only for a handle it holds a reference on, and uses only
 * handles it holds one on.
 *
 * Time limit: every channel has SO_RCVTIMEO = split_timeout, so a
 * plain call's read gives up by itself; a call with its own limit
 * (unmount: 10x) polls until its deadline.  A send blocked for
 * split_timeout (SO_SNDTIMEO) fails too.
 *
 * Death: a missed deadline, EOF, a failed send or a malformed reply on
 * any channel declares the child dead, once (sc_die): it is killed,
 * every channel is shut down so that every caller blocked in a read
 * wakes up, waiters for a channel wake up, and every call from then on
 * fails with EIO at once.  A channel shut down stays open (no reuse of
 * its number) until rf_split_unmount closes it.  The child's exit after
 * answering UNMOUNT is no death: rf_split_unmount marks it dead quietly.
 *
 * Locking: sc.lock protects sc.dead and the free stack (sc.free,
 * sc.nfree); sc.cv signals a channel put back, or the death.  A channel
 * taken from the stack is its caller's alone until put back: no lock is
 * held while sending or reading.  sc.postlock serialises whole messages
 * on the post channel.
 *
 * Exports: rf_sc_call, rf_sc_post, rf_sc_imgfd, rf_split_start,
 * rf_split_unmount, rf_split_dead.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"
#include "split.h"
#include "split_priv.h"

/*
 * Most channels: each is two descriptors here and a thread (with a
 * 1 MiB stack) in the child; more concurrent callers wait their turn.
 */
#define SC_MAXCHAN	128

static struct {
	int		*fds;		/* const: our ends, nchan */
	void		**shms;		/* const: shared windows, or NULL */
	unsigned	 nchan;		/* const after start */
	unsigned	 npost;		/* const: index of the post channel */
	pthread_mutex_t	 postlock;	/* whole messages on the post channel */
	pid_t		 pid;		/* const after start */
	int		 imgfd;		/* SOURCE, read-only */
	double		 timeout;	/* const after start */
	pthread_mutex_t	 lock;
	pthread_cond_t	 cv;		/* a channel is free, or dead */
	int		*free;		/* lock: stack of free channels */
	unsigned	 nfree;		/* lock */
	uint64_t	 next_id;	/* atomic */
	bool		 dead;		/* lock */
} sc = {
	.pid = -1,
	.imgfd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
	.postlock = PTHREAD_MUTEX_INITIALIZER,
};

/*
 * Declare the child dead (once): kill it, cut every channel, wake every
 * waiter.  WHY NULL: quietly (it exited after answering UNMOUNT).
 * Called with sc.lock held.
 */
static void
sc_die_locked(const char *why)
{
	unsigned i;

	if (sc.dead)
		return;
	sc.dead = true;
	if (why != NULL) {
		rf_log(LOG_ERR, "sandbox child %ld: %s; killed, every "
		    "request now fails with EIO", (long)sc.pid, why);
		if (sc.pid > 0)
			(void)kill(sc.pid, SIGKILL);
	}
	for (i = 0; i < sc.nchan; i++)
		(void)shutdown(sc.fds[i], SHUT_RDWR);
	pthread_cond_broadcast(&sc.cv);
}

static void
sc_die(const char *why)
{

	pthread_mutex_lock(&sc.lock);
	sc_die_locked(why);
	pthread_mutex_unlock(&sc.lock);
}

bool
rf_split_dead(void)
{
	bool d;

	pthread_mutex_lock(&sc.lock);
	d = sc.dead;
	pthread_mutex_unlock(&sc.lock);
	return d;
}

/* Take a free channel.  => its index, or -1 if the child is dead. */
static int
sc_take(void)
{
	int ch = -1;

	pthread_mutex_lock(&sc.lock);
	while (!sc.dead && sc.nfree == 0)
		pthread_cond_wait(&sc.cv, &sc.lock);
	if (!sc.dead)
		ch = sc.free[--sc.nfree];
	pthread_mutex_unlock(&sc.lock);
	return ch;
}

/* Put channel CH back. */
static void
sc_put(int ch)
{

	pthread_mutex_lock(&sc.lock);
	sc.free[sc.nfree++] = ch;
	pthread_cond_signal(&sc.cv);
	pthread_mutex_unlock(&sc.lock);
}

/* Why a send failed, for the log. */
static const char *
sc_send_why(int error)
{

	return error == EAGAIN || error == EWOULDBLOCK ?
	    "stopped reading requests" : "socket error";
}

/* Why a read failed, for the log. */
static const char *
sc_recv_why(int error)
{

	switch (error) {
	case ETIMEDOUT:
		return "a request was not answered in time";
	case EPIPE:
	case ECONNRESET:
		return "exited or crashed";
	case EPROTO:
		return "protocol error";
	default:
		return "socket error";
	}
}

static void
sc_deadline(double secs, struct timespec *ts)
{
	double whole;

	clock_gettime(CLOCK_MONOTONIC, ts);
	if (secs > 1e6)
		secs = 1e6;
	whole = (double)(long)secs;
	ts->tv_sec += (time_t)whole;
	ts->tv_nsec += (long)((secs - whole) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * Wait until FD is readable or DEADLINE passes.
 * => 0 (readable, or EOF/error to be seen by the read), ETIMEDOUT.
 */
static int
sc_poll(int fd, const struct timespec *deadline)
{
	struct pollfd p;
	struct timespec now;
	long long ms;
	int n;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
		    (deadline->tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0)
			return ETIMEDOUT;
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		n = poll(&p, 1, ms > 1000000 ? 1000000 : (int)ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return 0;	/* let the read report it */
	}
}

/*
 * Read the reply to request ID (operation OP) on FD: the header and
 * *REP, and the data straight into BUF (BUFSZ bytes at most); usually
 * one readv.  Nothing else can be on the channel: a reply is the only
 * thing the child sends on it, and only when asked.  DEADLINE NULL: the
 * channel's SO_RCVTIMEO (split_timeout) is the limit.
 * => 0; ETIMEDOUT, EPIPE at EOF, EPROTO on a malformed reply, or
 *    another errno: each of them is the child's death.
 */
static int
sc_recv(int fd, uint64_t id, uint32_t op, void *buf, size_t bufsz,
    const void *shm, const struct timespec *deadline, struct rf_sp_rep *rep)
{
	struct rf_sp_hdr h;
	struct iovec iov[3], *v = iov;
	const size_t fixed = sizeof(h) + sizeof(*rep);
	size_t got = 0, want = 0, n;
	ssize_t r;
	int nv, error;

	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = rep;
	iov[1].iov_len = sizeof(*rep);
	iov[2].iov_base = buf;
	iov[2].iov_len = bufsz;
	nv = buf != NULL && bufsz > 0 ? 3 : 2;
	for (;;) {
		if (deadline != NULL && (error = sc_poll(fd, deadline)) != 0)
			return error;
		r = readv(fd, v, nv);
		if (r == 0)
			return EPIPE;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return errno;
			if (deadline == NULL)
				return ETIMEDOUT;
			continue;
		}
		got += (size_t)r;
		for (n = (size_t)r; nv > 0 && n >= v->iov_len; nv--, v++)
			n -= v->iov_len;
		if (nv > 0) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= n;
		}
		if (want == 0 && got >= fixed) {
			if (h.h_id != id || h.h_op != op ||
			    h.h_len < sizeof(*rep) ||
			    h.h_len - sizeof(*rep) > bufsz)
				return EPROTO;
			if ((rep->rep_flags & RF_SP_RP_SHMDATA) != 0) {
				/* The data is in the window: copy it out. */
				if (shm == NULL || h.h_len != sizeof(*rep) ||
				    rep->rep_datalen > bufsz)
					return EPROTO;
				if (got != fixed)
					return EPROTO;
				memcpy(buf, shm, rep->rep_datalen);
				return 0;
			}
			if (rep->rep_datalen != h.h_len - sizeof(*rep))
				return EPROTO;
			want = sizeof(h) + h.h_len;
		}
		if (want != 0 && got >= want)
			return got == want ? 0 : EPROTO;
		if (nv == 0)
			return EPROTO;	/* more than fits: cannot be */
	}
}

/* Fill REQ and IOV from A.  => 0, or EINVAL/ENAMETOOLONG. */
static int
sc_pack(const struct rf_sc_args *a, struct rf_sp_req *req,
    struct iovec *iov)
{

	memset(req, 0, sizeof(*req));
	req->req_uid = rf_sc_cred.uid;
	req->req_gid = rf_sc_cred.gid;
	req->req_ngroups = rf_sc_cred.ngroups <= RF_SP_NGROUPS ?
	    rf_sc_cred.ngroups : RF_SP_NGROUPS;
	memcpy(req->req_groups, rf_sc_cred.groups,
	    req->req_ngroups * sizeof(uint32_t));
	req->req_vp = a->vp;
	req->req_vp2 = a->vp2;
	memcpy(req->req_a, a->a, sizeof(req->req_a));
	req->req_namelen = a->name != NULL ?
	    (uint32_t)strnlen(a->name, 8192) + 1 : 0;
	req->req_name2len = a->name2 != NULL ?
	    (uint32_t)strnlen(a->name2, 16384) + 1 : 0;
	if (a->datalen > RF_SP_MAXDATA)
		return EINVAL;
	if (req->req_namelen > 4096 || req->req_name2len > 8192)
		return ENAMETOOLONG;
	req->req_datalen = (uint32_t)a->datalen;
	iov[0].iov_base = req;
	iov[0].iov_len = sizeof(*req);
	iov[1].iov_base = (void *)(uintptr_t)a->name;
	iov[1].iov_len = req->req_namelen;
	iov[2].iov_base = (void *)(uintptr_t)a->name2;
	iov[2].iov_len = req->req_name2len;
	iov[3].iov_base = (void *)(uintptr_t)a->data;
	iov[3].iov_len = a->datalen;
	return 0;
}

/*
 * Send A and wait for the answer.
 * => the operation's error (0 or a positive errno) with *REP filled, or
 *    EIO if the child is dead or dies meanwhile.
 */
int
rf_sc_call(const struct rf_sc_args *a, struct rf_sp_rep *rep)
{
	struct rf_sp_req req;
	struct iovec iov[4];
	struct timespec deadline;
	uint64_t id;
	void *shm;
	int ch, fd, error;

	memset(rep, 0, sizeof(*rep));
	if (RF_SP_ONEWAY(a->op)) {
		rf_sc_post(a);
		return rf_split_dead() ? EIO : 0;
	}
	if ((error = sc_pack(a, &req, iov)) != 0)
		return error;
	if ((ch = sc_take()) == -1)
		return EIO;
	fd = sc.fds[ch];
	shm = sc.shms[ch];
	if (shm != NULL && a->datalen >= RF_SP_SHMMIN) {
		/* The data goes through the window, not the socket. */
		memcpy(shm, a->data, a->datalen);
		req.req_flags |= RF_SP_RQ_SHMDATA;
		iov[3].iov_len = 0;
	}
	if (shm != NULL && a->rbuf != NULL && a->rbufsz >= RF_SP_SHMMIN)
		req.req_flags |= RF_SP_RQ_SHMREPLY;
	id = __atomic_add_fetch(&sc.next_id, 1, __ATOMIC_RELAXED);
	if ((error = rf_sp_send(fd, NULL, a->op, id, iov, 4)) != 0) {
		sc_die(sc_send_why(error));
		goto out_put;
	}
	if (a->timeout > 0)
		sc_deadline(a->timeout, &deadline);
	error = sc_recv(fd, id, a->op, a->rbuf, a->rbuf != NULL ?
	    a->rbufsz : 0, shm, a->timeout > 0 ? &deadline : NULL, rep);
	if (error != 0)
		sc_die(sc_recv_why(error));
out_put:
	sc_put(ch);
	if (error != 0) {
		memset(rep, 0, sizeof(*rep));
		return EIO;
	}
	return rep->rep_error >= 0 ? rep->rep_error : EIO;
}

void
rf_sc_post(const struct rf_sc_args *a)
{
	struct rf_sp_req req;
	struct iovec iov[4];
	int error;

	if (sc_pack(a, &req, iov) != 0 || rf_split_dead())
		return;
	error = rf_sp_send(sc.fds[sc.npost], &sc.postlock, a->op,
	    __atomic_add_fetch(&sc.next_id, 1, __ATOMIC_RELAXED), iov, 4);
	if (error != 0)
		sc_die(sc_send_why(error));
}

int
rf_sc_imgfd(void)
{

	return sc.imgfd;
}

/* ---- life cycle ---- */

/* Wait for the child's exit.  => its wait status, or -1. */
static int
sc_reap(void)
{
	int ws;

	if (sc.pid <= 0)
		return -1;
	while (waitpid(sc.pid, &ws, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	sc.pid = -1;
	return ws;
}

/* Close every channel and SOURCE; forget them. */
static void
sc_close_all(void)
{
	unsigned i;

	for (i = 0; i < sc.nchan; i++) {
		if (sc.fds[i] != -1)
			close(sc.fds[i]);
		if (sc.shms != NULL && sc.shms[i] != NULL)
			(void)munmap(sc.shms[i], RF_SP_MAXDATA);
	}
	free(sc.fds);
	free(sc.shms);
	free(sc.free);
	sc.fds = sc.free = NULL;
	sc.shms = NULL;
	sc.nchan = sc.nfree = 0;
	if (sc.imgfd != -1)
		close(sc.imgfd);
	sc.imgfd = -1;
}

/* Set the time limit SECS (at least 1 ms) for OPT on FD. */
static void
sc_sockto(int fd, int opt, double secs)
{
	struct timeval tv;

	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1000;
	(void)setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/*
 * Read the mount report on channel 0 into INFO.
 * => 0, or an errno with a message in ERR.
 */
static int
sc_hello(struct rf_split_info *info, char *err, size_t errlen)
{
	struct rf_sp_hdr h;
	struct rf_sp_rep rep;
	size_t n;
	int error, fd = sc.fds[0];

	/* A mount may replay a journal: 10x the limit. */
	sc_sockto(fd, SO_RCVTIMEO, sc.timeout * 10);
	error = rf_sp_readn(fd, &h, sizeof(h));
	if (error == 0 && (h.h_op != RF_SP_HELLO || h.h_len < sizeof(rep) ||
	    h.h_len > sizeof(rep) + 4096))
		error = EPROTO;
	if (error == 0)
		error = rf_sp_readn(fd, &rep, sizeof(rep));
	if (error != 0) {
		snprintf(err, errlen, "the sandboxed kernel %s",
		    error == EAGAIN || error == EWOULDBLOCK ?
		    "did not answer in time" : error == EPROTO ?
		    "sent a bad report" : "died while mounting");
		return error;
	}
	n = h.h_len - sizeof(rep);
	if (rep.rep_error != 0) {
		if (n >= errlen)
			n = errlen - 1;
		if (n > 0 && rf_sp_readn(fd, err, n) == 0)
			err[n] = '\0';
		else
			snprintf(err, errlen, "%s", strerror(rep.rep_error));
		return rep.rep_error > 0 ? rep.rep_error : EIO;
	}
	if (n != 0 || rep.rep_vp == 0) {
		snprintf(err, errlen, "the sandboxed kernel: bad report");
		return EPROTO;
	}
	info->root = (struct vnode *)(uintptr_t)rep.rep_vp;
	info->mp = (struct mount *)(uintptr_t)rep.rep_r[0];
	info->rdonly = (rep.rep_r[1] & RF_SP_MNT_RDONLY) != 0;
	info->nocase = (rep.rep_r[1] & RF_SP_MNT_NOCASE) != 0;
	info->locked = (rep.rep_r[1] & RF_SP_MNT_LOCKED) != 0;
	return 0;
}

int
rf_split_start(const struct rf_split_conf *c, struct rf_split_info *info,
    char *err, size_t errlen)
{
	int *cfds = NULL, sv[2], error;
	unsigned i, n;
	pid_t pid, self;

	memset(info, 0, sizeof(*info));
	sc.timeout = c->timeout > 0 ? c->timeout : 30.0;
	/* Channels for calls, and the post channel. */
	n = (c->nworkers == 0 ? 1 : c->nworkers > SC_MAXCHAN ? SC_MAXCHAN :
	    c->nworkers) + 1;
	sc.npost = n - 1;
	sc.fds = calloc(n, sizeof(*sc.fds));
	sc.shms = calloc(n, sizeof(*sc.shms));
	sc.free = calloc(n, sizeof(*sc.free));
	cfds = calloc(n, sizeof(*cfds));
	if (sc.fds == NULL || sc.shms == NULL || sc.free == NULL ||
	    cfds == NULL) {
		error = ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out_fds;
	}
	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sv) == -1) {
			error = errno;
			snprintf(err, errlen, "socketpair: %s",
			    strerror(error));
			goto out_fds;
		}
		sc.fds[sc.nchan] = sv[0];
		cfds[sc.nchan++] = sv[1];
		/* The call channel's window; without one, the socket. */
		if (i < RF_SP_SHMCHANS && i != sc.npost) {
			sc.shms[i] = mmap(NULL, RF_SP_MAXDATA,
			    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
			if (sc.shms[i] == MAP_FAILED)
				sc.shms[i] = NULL;
		}
	}
	fflush(NULL);
	self = getpid();
	if ((pid = fork()) == -1) {
		error = errno;
		snprintf(err, errlen, "fork: %s", strerror(error));
		goto out_fds;
	}
	if (pid == 0)
		rf_split_child_main(c, cfds, sc.shms, n, self); /* closes ours */
	for (i = 0; i < n; i++)
		close(cfds[i]);
	free(cfds);
	cfds = NULL;
	sc.pid = pid;
	if ((error = sc_hello(info, err, errlen)) != 0)
		goto out_kill;
	info->pid = pid;
	for (i = 0; i < n; i++) {
		/*
		 * The time limit of a call; a send blocked this long means
		 * the child stopped reading.
		 */
		sc_sockto(sc.fds[i], SO_RCVTIMEO, sc.timeout);
		sc_sockto(sc.fds[i], SO_SNDTIMEO, sc.timeout);
	}
	for (i = 0; i < sc.npost; i++)
		sc.free[sc.npost - 1 - i] = (int)i;	/* channel 0 on top */
	sc.nfree = sc.npost;
	/* Splice source: our own descriptor of the image, if any. */
	sc.imgfd = open(c->source, O_RDONLY | O_CLOEXEC);
	return 0;

out_kill:
	(void)kill(pid, SIGKILL);
	(void)sc_reap();
out_fds:
	if (cfds != NULL) {
		for (i = 0; i < sc.nchan; i++)
			close(cfds[i]);
		free(cfds);
	}
	sc_close_all();
	return error;
}

int
rf_split_unmount(void)
{
	struct rf_sc_args a = { .op = RF_SP_UNMOUNT };
	struct rf_sp_rep rep;
	int error, ws;

	a.timeout = sc.timeout * 10;	/* a full sync may take long */
	error = rf_sc_call(&a, &rep);
	if (error != 0 && !rf_split_dead())
		rf_log(LOG_ERR, "sandboxed kernel: unmount: %s",
		    strerror(error));
	/* The child exits after the answer: quietly; then reap it. */
	sc_die(NULL);
	ws = sc_reap();
	if (ws == -1 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		if (error == 0)
			error = EIO;
		if (ws != -1 && WIFSIGNALED(ws))
			rf_log(LOG_ERR, "sandboxed kernel ended by signal %d",
			    WTERMSIG(ws));
	}
	sc_close_all();
	return error != 0 ? EIO : 0;
}
