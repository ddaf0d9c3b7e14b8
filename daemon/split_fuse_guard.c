/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_fuse_guard.c -- the supervisor's side of split_channel=fuse
 * (split_fuse.h): the FUSE descriptor handed over at the mount, the
 * time limit on requests, and the answers after the server died.
 *
 * After the death, requests are read here one at a time and answered
 * with EIO: no thread, no decoding beyond the header.  FORGET,
 * BATCH_FORGET and INTERRUPT take no answer.  A request too large for
 * the buffer is ended by Linux itself (EIO).
 *
 * Exports: rf_sf_send, rf_sf_recv, rf_sf_watch_tick, rf_sf_ending,
 * rf_sf_check_gone, rf_sf_conn_gone, rf_sf_overdue, rf_sf_failed.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/fuse.h>

#include "bridge.h"
#include "sandbox.h"
#include "split_fuse.h"

/* The largest request: a 1 MiB write and its headers. */
#define SF_BUFSIZE	(RF_MAX_WRITE_LIMIT + 64 * 1024)

int
rf_sf_send(int sock, int fd)
{
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(int))];
	} cm;
	unsigned char byte = 1;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg;
	struct cmsghdr *c;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd != -1) {
		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.b;
		msg.msg_controllen = sizeof(cm.b);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

int
rf_sf_recv(int sock, int *fd)
{
	union {
		struct cmsghdr	h;
		char		b[CMSG_SPACE(sizeof(int))];
	} cm;
	unsigned char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg;
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.b;
	msg.msg_controllen = sizeof(cm.b);
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) == -1)
		if (errno != EINTR)
			return -1;
	if (n == 0)
		return 0;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 1;
}

struct timespec *
rf_sf_watch_tick(const struct rf_sf_guard *g, struct timespec *ts)
{
	double t = g->timeout / 8;

	if (t < 0.05)
		t = 0.05;
	if (t > 1.0)
		t = 1.0;
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
	return ts;
}

void
rf_sf_ending(struct rf_sf_guard *g)
{

	if (g->end_by == 0)
		g->end_by = rf_sf_now() + (uint64_t)(g->timeout *
		    RF_SF_END_FACTOR * 1e9);
}

bool
rf_sf_conn_gone(int fd)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = 0;
	pfd.revents = 0;
	/* A zero timeout: the poll registers no waiter. */
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP));
}

void
rf_sf_check_gone(struct rf_sf_guard *g)
{

	if (g->end_by == 0 && g->fuse_fd != -1 && rf_sf_conn_gone(g->fuse_fd))
		rf_sf_ending(g);
}

bool
rf_sf_overdue(struct rf_sf_guard *g)
{
	uint64_t now, since, limit;
	unsigned i;

	if (g->killed)
		return false;
	now = rf_sf_now();
	if (g->end_by != 0 && now > g->end_by) {
		rf_log(LOG_ERR, "sandboxed server: not ended %.0f s after "
		    "the unmount; killed, changes may be lost",
		    g->timeout * RF_SF_END_FACTOR);
		g->killed = true;
		return true;
	}
	limit = (uint64_t)(g->timeout * 1e9);
	for (i = 0; i < RF_SF_SLOTS; i++) {
		since = __atomic_load_n(&g->sh->slot[i].since,
		    __ATOMIC_ACQUIRE);
		if (since == 0 || since > now || now - since <= limit)
			continue;
		rf_log(LOG_ERR, "sandboxed server: a request unanswered for "
		    "%.1f s; killed, every request now fails with EIO",
		    (double)(now - since) / 1e9);
		g->killed = true;
		return true;
	}
	return false;
}

/* Answer the request UNIQUE with EIO; a stale id is refused: ignored. */
static void
sf_eio(int fd, uint64_t unique)
{
	struct fuse_out_header out;

	out.len = sizeof(out);
	out.error = -EIO;
	out.unique = unique;
	(void)!write(fd, &out, sizeof(out));
}

/* Read one request and answer it.  => false once the mount is gone. */
static bool
sf_answer_one(int fd, char *buf)
{
	const struct fuse_in_header *in = (const void *)buf;
	ssize_t n;

	if ((n = read(fd, buf, SF_BUFSIZE)) == -1)
		return errno == EINTR || errno == EAGAIN || errno == ENOENT;
	if ((size_t)n < sizeof(*in))
		return n != 0;
	switch (in->opcode) {
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break;
	default:
		sf_eio(fd, in->unique);
	}
	return true;
}

bool
rf_sf_failed(struct rf_sf_guard *g, int ws, const char *mountpoint)
{
	struct pollfd pfd[2];
	struct signalfd_siginfo si;
	sigset_t set;
	unsigned i, n = 0;
	uint64_t unique;
	bool gone = false;
	char *buf;
	int sfd;

	if (!g->killed)
		rf_log(LOG_ERR, "sandboxed server %s %d%s; killed, every "
		    "request now fails with EIO", WIFSIGNALED(ws) ?
		    "died of signal" : "exited with status", WIFSIGNALED(ws) ?
		    WTERMSIG(ws) : WEXITSTATUS(ws), WIFSIGNALED(ws) &&
		    WTERMSIG(ws) == SIGSYS ? " (a system call the sandbox "
		    "forbids)" : "");
	if (g->fuse_fd == -1)
		return false;
	for (i = 0; i < RF_SF_SLOTS; i++) {
		if (__atomic_load_n(&g->sh->slot[i].since,
		    __ATOMIC_ACQUIRE) == 0)
			continue;
		unique = __atomic_load_n(&g->sh->slot[i].unique,
		    __ATOMIC_RELAXED);
		sf_eio(g->fuse_fd, unique);
		g->sh->slot[i].since = 0;
		n++;
	}
	rf_log(LOG_DEBUG, "supervisor: %u pending requests answered EIO", n);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if ((buf = malloc(SF_BUFSIZE)) == NULL) {
		/* Cannot answer: let Linux fail every request (ENOTCONN). */
		rf_log(LOG_ERR, "supervisor: out of memory");
		goto out;
	}
	for (;;) {
		pfd[0].fd = g->fuse_fd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = sfd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		if (poll(pfd, sfd != -1 ? 2 : 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				rf_log(LOG_DEBUG, "supervisor: signal %u: "
				    "unmounting", si.ssi_signo);
			(void)rf_sandbox_unmount(mountpoint);
		}
		if ((pfd[0].revents & (POLLERR | POLLHUP)) ||
		    ((pfd[0].revents & POLLIN) &&
		    !sf_answer_one(g->fuse_fd, buf))) {
			gone = true;
			break;
		}
	}
	free(buf);
out:
	if (sfd != -1)
		close(sfd);
	close(g->fuse_fd);
	g->fuse_fd = -1;
	return gone;
}
