/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * split_fuse.h -- -o sandbox=split with split_channel=fuse (the
 * default): the sandboxed child serves the FUSE device itself.
 *
 * The processes are those of sandbox=basic (main.c): an unconfined
 * supervisor (no kernel, no threads) and its child, the server, which
 * runs the kernel, mounts, enters the sandbox and answers FUSE
 * requests.  What split adds, so that a crash or a hang of the driver
 * costs EIO and not the mount:
 *   - the supervisor holds a descriptor of the FUSE connection (the
 *     same open file as the server's, sent over the "mounted" socket
 *     once the mount exists), so the connection outlives the server;
 *   - every worker of the server publishes, in a page shared with the
 *     supervisor, the unique id of the request it is answering and
 *     since when (struct rf_sf_shared);
 *   - the supervisor kills the server when a request has been
 *     unanswered for split_timeout seconds; when the server died
 *     (crash or kill), the supervisor answers the published requests
 *     with EIO, then every later request, until the mount is
 *     unmounted (by a user, or by the supervisor on SIGTERM, SIGINT or
 *     SIGHUP);
 *   - the server dies with the supervisor (PR_SET_PDEATHSIG).
 * The supervisor reads nothing from the server but the shared page,
 * whose contents it trusts for nothing: a wrong unique only makes
 * Linux refuse the reply (ENOENT).  A request read by a worker that
 * dies before publishing it (a window of a few instructions) stays
 * unanswered until the unmount.
 *
 * Compared with split_channel=socket (split.h) there is no second
 * round trip per request: the server is as fast as sandbox=basic.  The
 * difference in confinement: the child holds /dev/fuse, so a
 * compromised driver could answer this mount's requests as it likes --
 * which it can through the socket too, since the front end passes on
 * what the kernel answers.
 *
 * Exports: rf_sf_now (inline, both sides); rf_sf_map, rf_sf_loop,
 * rf_sf_kernel_budget (server side,
 * split_fuse_loop.c);
 * rf_sf_send, rf_sf_recv, rf_sf_watch_tick, rf_sf_ending,
 * rf_sf_check_gone, rf_sf_conn_gone, rf_sf_overdue, rf_sf_failed
 * (supervisor side, split_fuse_guard.c).
 */
#ifndef RF_SPLIT_FUSE_H
#define RF_SPLIT_FUSE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct fuse_session;

/* Workers, and so slots, at most. */
#define RF_SF_SLOTS		64U
/* split_timeout's default, seconds. */
#define RF_SF_TIMEOUT_DEFAULT	30.0

/*
 * One per worker.  Written by the server (its worker only), read by the
 * supervisor.  since: CLOCK_MONOTONIC nanoseconds when the request was
 * read, 0 while the worker waits; stored after unique (release).
 */
struct rf_sf_slot {
	uint64_t	unique;
	uint64_t	since;
};

struct rf_sf_shared {
	struct rf_sf_slot slot[RF_SF_SLOTS];
};

/* CLOCK_MONOTONIC in nanoseconds: the slots' and the guard's clock. */
static inline uint64_t
rf_sf_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* What the supervisor watches. */
struct rf_sf_guard {
	struct rf_sf_shared *sh;	/* shared with the server */
	int		 fuse_fd;	/* the connection; -1 until sent */
	double		 timeout;	/* seconds a request may take */
	uint64_t	 end_by;	/* CLOCK_MONOTONIC ns; 0: not ending */
	bool		 killed;	/* rf_sf_overdue() killed the server */
};

/*
 * The shared page, mapped shared and anonymous, zeroed, before the fork
 * (the child inherits it).  => the page, or NULL (errno set).
 */
struct rf_sf_shared *rf_sf_map(void);

/*
 * The server's request loop, in place of fuse_session_loop_mt():
 * NTHREADS workers (at most RF_SF_SLOTS) read SE's device, publish each
 * request in SH, and process it, until the session ends (unmount, or
 * the signal handlers of fuse_set_signal_handlers()).  The worker
 * whose turn it is to read polls the device up to POLL_US microseconds
 * before it sleeps in read(2) (0: never polls).  The test hooks
 * RUMPFUSE_TEST_SPLIT_CRASH=N and RUMPFUSE_TEST_SPLIT_HANG=N abort, or
 * stop answering, in the Nth request.  Needs FUSE_CAP_SPLICE_READ off
 * (the header must be in memory to be published).
 * => 0, or a negative errno.
 */
int	rf_sf_loop(struct fuse_session *se, struct rf_sf_shared *sh,
	    unsigned nthreads, unsigned poll_us);
/*
 * The share of the server's memory limit MEMLIMIT (bytes; 0 or
 * UINT64_MAX: none) its kernel may allocate (struct vfs_config
 * mem_limit), so that a kernel at its bound (tmpfs filled, caches
 * grown) leaves NTHREADS workers room to answer ENOMEM, list, and
 * free.  => bytes, or 0 for no bound.
 */
uint64_t rf_sf_kernel_budget(uint64_t memlimit, unsigned nthreads);

/*
 * The "mounted" message on a SOCK_SEQPACKET socket: one byte, with the
 * descriptor FD attached unless FD is -1.  rf_sf_recv: => 1 and *FD
 * (-1 if none came), 0 at EOF, -1 on an error (errno set).
 */
int	rf_sf_send(int sock, int fd);
int	rf_sf_recv(int sock, int *fd);

/*
 * The supervisor's poll timeout while the server runs: a fraction of
 * the time limit.  => TS, filled.
 */
struct timespec *rf_sf_watch_tick(const struct rf_sf_guard *g,
	    struct timespec *ts);
/*
 * The server is ending (SIGTERM forwarded, or the mount is gone): it
 * has RF_SF_END_FACTOR times the limit to unmount its kernel and exit.
 * Mounting has as long (main.c).
 */
#define RF_SF_END_FACTOR	10
void	rf_sf_ending(struct rf_sf_guard *g);
/*
 * Call at every tick: if the mount is gone (the connection reports
 * POLLERR), the server is ending.  Never waits on the connection, whose
 * waiters Linux wakes at every request.
 */
void	rf_sf_check_gone(struct rf_sf_guard *g);
/*
 * Has a request been unanswered longer than the limit, or the ending
 * taken longer than its own?  If so, log it and set g->killed: the
 * caller kills the server.
 */
bool	rf_sf_overdue(struct rf_sf_guard *g);
/*
 * The server has died (WS from waitpid).  Log it, answer the requests
 * it was answering with EIO, then every request until MOUNTPOINT is
 * unmounted: SIGTERM, SIGINT or SIGHUP (blocked by the caller; taken
 * here through a signalfd) unmount it with rf_sandbox_unmount().
 * Closes g->fuse_fd.  => true if the mount is gone.
 */
bool	rf_sf_failed(struct rf_sf_guard *g, int ws, const char *mountpoint);
/*
 * Has the FUSE connection FD ended (its mount unmounted)?  Then what is
 * mounted on the mount point now, if anything, is another mount, which
 * the supervisor must not unmount.
 */
bool	rf_sf_conn_gone(int fd);

#endif /* RF_SPLIT_FUSE_H */
