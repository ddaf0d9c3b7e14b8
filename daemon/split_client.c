/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_client.c -- the FUSE front end's side of -o sandbox=split
 * (design: split_proto.h): starting the child, the client stubs of
 * rf_kops_split, the reply reader, the time limit, and the final
 * unmount.
 *
 * A call: the FUSE thread puts a struct sc_call (on its stack) on the
 * pending list with a fresh id, sends the request, and sleeps on the
 * call's condition variable until the reader thread has copied the
 * reply into it, the child is declared dead, or the deadline passes
 * (which declares the child dead).  The reader copies reply data
 * straight into the caller's buffer; while it does (c_filling) the
 * caller does not leave, even when the child dies meanwhile.
 *
 * Locking: sc.lock protects the pending list, sc.next_id, sc.dead and
 * every call's c_done, c_filling, c_rep; sc.sendlock serialises whole
 * messages on the socket.  Lock order: sc.lock, then sc.sendlock is
 * never taken with sc.lock held.
 *
 * Exports: rf_sc_call, rf_sc_post, rf_sc_imgfd, rf_split_start,
 * rf_split_unmount,
 * rf_split_dead.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"
#include "split.h"
#include "split_priv.h"

/* One request in flight. */
struct sc_call {
	uint64_t	 c_id;		/* const */
	pthread_cond_t	 c_cv;
	bool		 c_done;	/* sc.lock: c_rep is the reply */
	bool		 c_filling;	/* sc.lock: reader fills c_buf */
	struct rf_sp_rep c_rep;		/* sc.lock */
	void		*c_buf;		/* const: reply data */
	size_t		 c_bufsz;	/* const */
	struct sc_call	*c_next;	/* sc.lock */
};

static struct {
	int		 fd;		/* const; -1 = none */
	pid_t		 pid;		/* const after start */
	int		 imgfd;		/* SOURCE, read-only */
	double		 timeout;	/* const after start */
	pthread_mutex_t	 lock;
	pthread_mutex_t	 sendlock;
	pthread_condattr_t cvattr;	/* CLOCK_MONOTONIC */
	struct sc_call	*pending;	/* lock */
	uint64_t	 next_id;	/* lock */
	bool		 dead;		/* lock */
	bool		 stopping;	/* lock: the child may exit now */
	pthread_t	 reader;
	bool		 reader_up;
} sc = {
	.fd = -1,
	.pid = -1,
	.imgfd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.sendlock = PTHREAD_MUTEX_INITIALIZER,
};

/*
 * Declare the child dead (once): kill it, cut the socket, wake every
 * waiter.  Called with sc.lock held.
 */
static void
sc_die_locked(const char *why)
{
	struct sc_call *c;

	if (sc.dead)
		return;
	sc.dead = true;
	if (sc.stopping) {
		/* Quiet if it answered the unmount and exited. */
		for (c = sc.pending; c != NULL && c->c_done; c = c->c_next)
			continue;
		if (c == NULL)
			why = NULL;
	}
	if (why != NULL)
		rf_log(LOG_ERR, "sandbox child %ld: %s; killed, every "
		    "request now fails with EIO", (long)sc.pid, why);
	if (why != NULL && sc.pid > 0)
		(void)kill(sc.pid, SIGKILL);
	if (sc.fd != -1)
		(void)shutdown(sc.fd, SHUT_RDWR);
	for (c = sc.pending; c != NULL; c = c->c_next)
		pthread_cond_signal(&c->c_cv);
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

/* Throw away LEN bytes of the stream.  => 0 or an errno. */
static int
sc_skip(size_t len)
{
	char scratch[4096];
	size_t n;
	int error;

	while (len > 0) {
		n = len < sizeof(scratch) ? len : sizeof(scratch);
		if ((error = rf_sp_readn(sc.fd, scratch, n)) != 0)
			return error;
		len -= n;
	}
	return 0;
}

/* The reply reader: routes each reply to its call by id. */
static void *
sc_reader(void *arg)
{
	struct rf_sp_hdr h;
	struct rf_sp_rep rep;
	struct sc_call *c;
	const char *why = "protocol error";
	size_t dlen;
	int error;

	(void)arg;
	for (;;) {
		if ((error = rf_sp_readn(sc.fd, &h, sizeof(h))) != 0) {
			why = error == EPIPE ? "exited or crashed" :
			    "socket error";
			break;
		}
		if (h.h_len < sizeof(rep) || h.h_len > RF_SP_MAXMSG)
			break;
		if ((error = rf_sp_readn(sc.fd, &rep, sizeof(rep))) != 0) {
			why = "exited or crashed";
			break;
		}
		dlen = h.h_len - sizeof(rep);
		if (rep.rep_datalen != dlen)
			break;
		pthread_mutex_lock(&sc.lock);
		for (c = sc.pending; c != NULL; c = c->c_next)
			if (c->c_id == h.h_id)
				break;
		if (c == NULL || c->c_done || dlen > c->c_bufsz) {
			pthread_mutex_unlock(&sc.lock);
			if (c == NULL && sc_skip(dlen) == 0)
				continue;	/* a call that gave up */
			break;
		}
		c->c_filling = true;
		pthread_mutex_unlock(&sc.lock);
		error = dlen > 0 ? rf_sp_readn(sc.fd, c->c_buf, dlen) : 0;
		pthread_mutex_lock(&sc.lock);
		c->c_filling = false;
		if (error == 0) {
			c->c_rep = rep;
			c->c_done = true;
		}
		pthread_cond_signal(&c->c_cv);
		pthread_mutex_unlock(&sc.lock);
		if (error != 0) {
			why = "exited or crashed";
			break;
		}
	}
	sc_die(why);
	return NULL;
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
 * Send A and wait for the answer.
 * => the operation's error (0 or a positive errno) with *REP filled, or
 *    EIO if the child is dead or dies meanwhile.
 */
int
rf_sc_call(const struct rf_sc_args *a, struct rf_sp_rep *rep)
{
	struct rf_sp_req req;
	struct sc_call call, **pp;
	struct iovec iov[4];
	struct timespec deadline;
	int error, r;

	memset(rep, 0, sizeof(*rep));
	memset(&req, 0, sizeof(req));
	req.req_uid = rf_sc_cred.uid;
	req.req_gid = rf_sc_cred.gid;
	req.req_ngroups = rf_sc_cred.ngroups;
	memcpy(req.req_groups, rf_sc_cred.groups,
	    rf_sc_cred.ngroups * sizeof(uint32_t));
	req.req_vp = a->vp;
	req.req_vp2 = a->vp2;
	memcpy(req.req_a, a->a, sizeof(req.req_a));
	req.req_namelen = a->name != NULL ? (uint32_t)strlen(a->name) + 1 : 0;
	req.req_name2len = a->name2 != NULL ?
	    (uint32_t)strlen(a->name2) + 1 : 0;
	req.req_datalen = (uint32_t)a->datalen;
	iov[0].iov_base = &req;
	iov[0].iov_len = sizeof(req);
	iov[1].iov_base = (void *)(uintptr_t)a->name;
	iov[1].iov_len = req.req_namelen;
	iov[2].iov_base = (void *)(uintptr_t)a->name2;
	iov[2].iov_len = req.req_name2len;
	iov[3].iov_base = (void *)(uintptr_t)a->data;
	iov[3].iov_len = a->datalen;
	if (a->datalen > RF_SP_MAXDATA || req.req_namelen > 4096 ||
	    req.req_name2len > 8192)
		return a->datalen > RF_SP_MAXDATA ? EINVAL : ENAMETOOLONG;

	memset(&call, 0, sizeof(call));
	pthread_cond_init(&call.c_cv, &sc.cvattr);
	call.c_buf = a->rbuf;
	call.c_bufsz = a->rbuf != NULL ? a->rbufsz : 0;
	pthread_mutex_lock(&sc.lock);
	if (sc.dead) {
		pthread_mutex_unlock(&sc.lock);
		pthread_cond_destroy(&call.c_cv);
		return EIO;
	}
	call.c_id = ++sc.next_id;
	call.c_next = sc.pending;
	sc.pending = &call;
	pthread_mutex_unlock(&sc.lock);

	error = rf_sp_send(sc.fd, &sc.sendlock, a->op, call.c_id, iov, 4);
	sc_deadline(a->timeout > 0 ? a->timeout : sc.timeout, &deadline);
	pthread_mutex_lock(&sc.lock);
	if (error != 0)
		sc_die_locked(error == EAGAIN ? "stopped reading requests" :
		    "socket error");
	while (!call.c_done && !sc.dead) {
		r = pthread_cond_timedwait(&call.c_cv, &sc.lock, &deadline);
		if (r == ETIMEDOUT && !call.c_done)
			sc_die_locked("a request was not answered in time");
	}
	while (call.c_filling)
		pthread_cond_wait(&call.c_cv, &sc.lock);
	for (pp = &sc.pending; *pp != &call; pp = &(*pp)->c_next)
		continue;
	*pp = call.c_next;
	pthread_mutex_unlock(&sc.lock);
	pthread_cond_destroy(&call.c_cv);
	if (!call.c_done)
		return EIO;
	*rep = call.c_rep;
	return rep->rep_error >= 0 ? rep->rep_error : EIO;
}

void
rf_sc_post(const struct rf_sc_args *a)
{
	struct rf_sp_rep rep;

	(void)rf_sc_call(a, &rep);
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

int
rf_split_start(const struct rf_split_conf *c, struct rf_split_info *info,
    char *err, size_t errlen)
{
	struct rf_sp_hdr h;
	struct rf_sp_rep rep;
	struct timeval tv;
	size_t n;
	int sv[2], error;
	pid_t pid, self;

	memset(info, 0, sizeof(*info));
	pthread_condattr_init(&sc.cvattr);
	pthread_condattr_setclock(&sc.cvattr, CLOCK_MONOTONIC);
	sc.timeout = c->timeout > 0 ? c->timeout : 30.0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		error = errno;
		snprintf(err, errlen, "socketpair: %s", strerror(error));
		return error;
	}
	fflush(NULL);
	self = getpid();
	if ((pid = fork()) == -1) {
		error = errno;
		snprintf(err, errlen, "fork: %s", strerror(error));
		close(sv[0]);
		close(sv[1]);
		return error;
	}
	if (pid == 0) {
		close(sv[0]);
		rf_split_child_main(c, sv[1], self);
	}
	close(sv[1]);
	sc.fd = sv[0];
	sc.pid = pid;

	/* The mount report; a mount may replay a journal: 10x the limit. */
	tv.tv_sec = (time_t)(sc.timeout * 10);
	tv.tv_usec = 0;
	(void)setsockopt(sc.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	error = rf_sp_readn(sc.fd, &h, sizeof(h));
	if (error == 0 && (h.h_op != RF_SP_HELLO || h.h_len < sizeof(rep) ||
	    h.h_len > sizeof(rep) + 4096))
		error = EPROTO;
	if (error == 0)
		error = rf_sp_readn(sc.fd, &rep, sizeof(rep));
	if (error != 0) {
		snprintf(err, errlen, "the sandboxed kernel %s",
		    error == EAGAIN ? "did not answer in time" :
		    "died while mounting");
		goto out_kill;
	}
	n = h.h_len - sizeof(rep);
	if (rep.rep_error != 0) {
		if (n >= errlen)
			n = errlen - 1;
		if (n > 0 && rf_sp_readn(sc.fd, err, n) == 0)
			err[n] = '\0';
		else
			snprintf(err, errlen, "%s", strerror(rep.rep_error));
		error = rep.rep_error > 0 ? rep.rep_error : EIO;
		goto out_kill;
	}
	if (n != 0 || rep.rep_vp == 0) {
		snprintf(err, errlen, "the sandboxed kernel: bad report");
		error = EPROTO;
		goto out_kill;
	}
	tv.tv_sec = 0;
	(void)setsockopt(sc.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* A send blocked this long means the child stopped reading. */
	tv.tv_sec = (time_t)sc.timeout;
	tv.tv_usec = (suseconds_t)((sc.timeout - (double)tv.tv_sec) * 1e6);
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1000;
	(void)setsockopt(sc.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

	info->root = (struct vnode *)(uintptr_t)rep.rep_vp;
	info->mp = (struct mount *)(uintptr_t)rep.rep_r[0];
	info->rdonly = rep.rep_r[1] != 0;
	info->pid = pid;
	/* Splice source: our own descriptor of the image, if any. */
	sc.imgfd = open(c->source, O_RDONLY | O_CLOEXEC);
	if ((error = pthread_create(&sc.reader, NULL, sc_reader, NULL)) != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(error));
		goto out_kill;
	}
	sc.reader_up = true;
	return 0;

out_kill:
	(void)kill(pid, SIGKILL);
	(void)sc_reap();
	close(sc.fd);
	sc.fd = -1;
	if (sc.imgfd != -1)
		close(sc.imgfd);
	sc.imgfd = -1;
	return error;
}

int
rf_split_unmount(void)
{
	struct rf_sc_args a = { .op = RF_SP_UNMOUNT };
	struct rf_sp_rep rep;
	int error, ws;

	pthread_mutex_lock(&sc.lock);
	sc.stopping = true;
	pthread_mutex_unlock(&sc.lock);
	a.timeout = sc.timeout * 10;	/* a full sync may take long */
	error = rf_sc_call(&a, &rep);
	if (error != 0 && !rf_split_dead())
		rf_log(LOG_ERR, "sandboxed kernel: unmount: %s",
		    strerror(error));
	/* The child exits after the answer; make sure, then reap it. */
	pthread_mutex_lock(&sc.lock);
	if (!sc.dead) {
		sc.dead = true;
		(void)shutdown(sc.fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&sc.lock);
	if (sc.reader_up) {
		pthread_join(sc.reader, NULL);
		sc.reader_up = false;
	}
	ws = sc_reap();
	if (ws == -1 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		if (error == 0)
			error = EIO;
		if (ws != -1 && WIFSIGNALED(ws))
			rf_log(LOG_ERR, "sandboxed kernel ended by signal %d",
			    WTERMSIG(ws));
	}
	close(sc.fd);
	sc.fd = -1;
	if (sc.imgfd != -1)
		close(sc.imgfd);
	sc.imgfd = -1;
	return error != 0 ? EIO : 0;
}
