/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sandbox.h -- confining the rumpfuse process that parses the image
 * (issue 9: a hostile image may cost an error, never a crash of the
 * mount, a hang, memory exhaustion or a write outside that image).
 *
 * Modes (-o sandbox=, opts.c):
 *   none   no confinement (the historical behaviour);
 *   basic  one process: after the kernel mount and the FUSE mount, the
 *          daemon enters the sandbox (kernel_side and fuse_side);
 *   split  the kernel runs in a child behind a socketpair: the child
 *          enters it with kernel_side, the parent with fuse_side;
 *   auto   the strongest that works, see rf_sandbox_resolve().
 *
 * What rf_sandbox_enter() does, in this order (sandbox.c):
 *   0. load libgcc_s for good (glibc loads it at the first
 *      pthread_cancel, which libfuse does when its loop ends, and aborts
 *      if it cannot open it);
 *   1. close every descriptor but 0-2 and CONF->keep_fds.  syslog's
 *      connection is closed first (a descriptor closed under it could be
 *      reused, then closed by syslog's error path) and reconnected after
 *      (openlog(NULL, LOG_PID | LOG_NDELAY, LOG_DAEMON): ident is the
 *      program's name), since no socket can be made later;
 *   2. resource limits: RLIMIT_DATA to memlimit and RLIMIT_AS to
 *      memlimit + RF_SANDBOX_AS_SLACK (thread stacks, malloc arenas);
 *      RLIMIT_NOFILE to the highest open descriptor + 1 +
 *      RF_SANDBOX_NOFILE_SLACK (libfuse workers each open a splice
 *      pipe); RLIMIT_CORE 0.  RLIMIT_NPROC is NOT set: Linux counts
 *      threads against it, per user, and libfuse starts workers on
 *      demand; new processes are refused by the seccomp filter instead;
 *   3. PR_SET_NO_NEW_PRIVS;
 *   4. when root: drop to CONF->user ("nobody" if NULL): setgroups(0),
 *      setresgid, setresuid, then check that uid 0 and no capability
 *      can be regained (moving every uid away from 0 clears them all).
 *      A non-root process stays itself (it may name only itself).
 *      Then PR_SET_DUMPABLE 0: no core, no ptrace by the same user;
 *   5. Landlock (if the kernel has it): a ruleset that handles every
 *      access right of the kernel's ABI (filesystem; TCP bind/connect
 *      from ABI 4; abstract unix sockets and signals scoped from ABI 6)
 *      with no rule at all, so no file can be opened, created, removed
 *      or executed.  Landlock binds the calling thread and the threads
 *      it creates later; threads that already run (the kernel's buffer
 *      flusher and I/O workers) are bound by steps 3, 4 and 6 only;
 *   6. seccomp (libseccomp, all threads: TSYNC): an allow-list of the
 *      calls made on descriptors already held, memory (never PROT_EXEC),
 *      threads (clone with CLONE_THREAD), time, signals to itself,
 *      getppid and prctl PR_SET_PDEATHSIG (Linux clears the parent-death
 *      signal at step 4: split's child sets it again after entering,
 *      then checks getppid() against the parent it expects).
 *      Refused with an errno, because known code tries them and copes:
 *      open, openat, openat2, creat, stat of a path, socket, connect,
 *      sendto with an address (EACCES); getpeername (ENOTSOCK: GLib's
 *      log writer asks whether stderr is journald's socket; a kill
 *      there turned GLib's out-of-memory message into SIGSYS); clone
 *      without CLONE_THREAD, umount2, kill/tgkill of another process,
 *      prctl other than PR_SET_NAME and PR_SET_PDEATHSIG, mmap/mprotect
 *      with PROT_EXEC (EPERM); clone3
 *      (ENOSYS: glibc then uses clone); ioctl (ENOTTY); ftruncate and
 *      fallocate of descriptors 0-2 (EINVAL).  Anything else kills the
 *      process (SCMP_ACT_KILL_PROCESS; why: sandbox.c).
 *
 * Expectations on the caller (main.c):
 *   - enter the sandbox after vfs_mount() and fuse_session_mount(), after
 *     the last thing that needs a file name (raise_readahead), and
 *     before the FUSE loop starts its workers;
 *   - keep_fds: the image descriptor(s) (hyp_bdev host fds), the
 *     /dev/fuse descriptor (fuse_session_fd), the socketpair (split), the
 *     groups channel (below), the ready pipe to the waiting parent if
 *     still open; 0-2 are kept anyway (point them at /dev/null before if
 *     detached);
 *   - run libfuse without clone_fd (fuse_loop_cfg_set_clone_fd(cfg, 0)):
 *     the sandboxed process cannot open /dev/fuse again.  With clone_fd
 *     libfuse logs "failed to open /dev/fuse" once and goes on without;
 *   - the sandboxed process cannot unmount (no root, no fusermount3 since
 *     it may not fork or exec): fuse_session_unmount() there fails
 *     harmlessly (umount2 and fork get EPERM).  An unsandboxed
 *     supervisor -- the parent that forked the server before vfs_init()
 *     -- forwards SIGTERM/SIGINT/SIGHUP to the server, waits for it and
 *     then unmounts: rf_sandbox_supervise() does exactly that;
 *   - supplementary groups of callers: rf_sandbox_getgroups() (below),
 *     not fuse_req_getgroups(), which needs /proc;
 *   - a non-root server cannot grow a pipe past pipe-max-size (1 MiB by
 *     default): libfuse then splices only small replies (copies the
 *     rest).  max_write and max_readahead at most pipe-max-size - 4 KiB
 *     keep splice for all;
 *   - a sanitizer build (ASan: LSan at exit needs ptrace and fork) gets
 *     no seccomp filter, no Landlock and no memory limit, and stays
 *     dumpable; rf_sandbox_have_seccomp() and rf_sandbox_have_landlock()
 *     then say false.  Everything else still applies.
 *
 * Exports: rf_sandbox_enter, rf_sandbox_have_landlock,
 * rf_sandbox_have_seccomp, rf_sandbox_resolve, rf_sandbox_mode_name,
 * rf_sandbox_check_user, rf_sandbox_supervise, rf_sandbox_unmount,
 * rf_sandbox_groups_channel, rf_sandbox_groups_attach,
 * rf_sandbox_groups_serve, rf_sandbox_getgroups.
 */
#ifndef RUMPFUSE_SANDBOX_H
#define RUMPFUSE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum rf_sandbox_mode {
	RF_SANDBOX_AUTO,	/* 0: rf_opts' default */
	RF_SANDBOX_NONE,
	RF_SANDBOX_BASIC,
	RF_SANDBOX_SPLIT,
};

/* Default memlimit for the kernel side (rf_opts.memlimit 0 = this). */
#define RF_SANDBOX_MEMLIMIT_DEFAULT	(1ULL << 30)
/* memlimit=none: no memory limit (rf_opts.memlimit; also accepted here). */
#define RF_SANDBOX_MEMLIMIT_NONE	UINT64_MAX
/* RLIMIT_AS = memlimit + this: thread stacks, malloc arenas, libraries. */
#define RF_SANDBOX_AS_SLACK		(1ULL << 30)
/* RLIMIT_NOFILE = highest open descriptor + 1 + this. */
#define RF_SANDBOX_NOFILE_SLACK		256

struct rf_sandbox_conf {
	/* drop to this user (name or uid); NULL: "nobody" when running as
	 * root, else stay (a non-root caller may name only itself) */
	const char	*user;
	/* descriptors to keep open (image, /dev/fuse, log, socketpair) */
	const int	*keep_fds;
	int		 nkeep;
	/* RLIMIT_DATA bytes (RLIMIT_AS: + RF_SANDBOX_AS_SLACK);
	 * 0 or RF_SANDBOX_MEMLIMIT_NONE = none */
	uint64_t	 memlimit;
	/* the process runs the kernel (basic, or split's child): allow what
	 * it needs (image I/O: pread/pwrite/fsync/fallocate/ftruncate) */
	bool		 kernel_side;
	/* the process talks to /dev/fuse (basic, or split's parent): allow
	 * splice, vmsplice, tee, pipe2 */
	bool		 fuse_side;
};

/*
 * Enter the sandbox (steps above).  Irreversible, also on failure: the
 * caller must then exit (a half-entered sandbox may lack descriptors or
 * privileges).  Logs each step at LOG_DEBUG through rf_log().
 * => 0, or an errno value with ERR naming the step ("setresuid nobody:
 *    Operation not permitted").
 */
int	rf_sandbox_enter(const struct rf_sandbox_conf *c, char *err,
	    size_t errlen);

/*
 * May this process run as USER (a name, or a number with or without a
 * passwd entry)?  Root may pick anyone; others only themselves.  For
 * option parsing, so that a bad user= is a usage error, before mounting.
 * => 0, ENOENT or EPERM, with a message in ERR.
 */
int	rf_sandbox_check_user(const char *user, char *err, size_t errlen);

/* What works on this kernel/host: for AUTO resolution and for --help/-d. */
bool	rf_sandbox_have_landlock(void);
/* False in sanitizer builds, where no filter is installed. */
bool	rf_sandbox_have_seccomp(void);

/*
 * The mode to run in for WANT: AUTO becomes SPLIT if SPLIT_AVAILABLE,
 * else BASIC; BASIC and SPLIT stay (SPLIT without SPLIT_AVAILABLE
 * becomes BASIC with a warning).  A sandbox works without Landlock or
 * without seccomp (what is missing is logged, at LOG_DEBUG for AUTO and
 * LOG_WARNING for an explicit mode).  Logs the decision at LOG_DEBUG.
 */
enum rf_sandbox_mode rf_sandbox_resolve(enum rf_sandbox_mode want,
	    bool split_available);
/* "auto", "none", "basic", "split". */
const char *rf_sandbox_mode_name(enum rf_sandbox_mode m);

/*
 * Unmount MOUNTPOINT, lazily: umount2(MNT_DETACH) when root, else
 * "fusermount3 -u -z -q" (fork + exec; never from inside the sandbox).
 * Only a FUSE mount is touched: if the last mount on MOUNTPOINT in
 * /proc/self/mountinfo is not of type fuse or fuse.*, nothing is done.
 * => 0 (also when it was no longer mounted) or an errno value.
 */
int	rf_sandbox_unmount(const char *mountpoint);

/*
 * The supervisor's loop, in the unsandboxed parent of the server CHILD
 * (which it forked before vfs_init(); it closes its copies of the
 * descriptors the server owns, such as the pipe to a waiting
 * grandparent), called once the FUSE mount exists.  SIGTERM, SIGINT
 * and SIGHUP are forwarded to CHILD.  GUARD (split_fuse.h; or NULL):
 * its fuse_fd, the FUSE connection CHILD serves, if not -1, tells at
 * the end whether the mount is already gone (then MOUNTPOINT is left
 * alone: what is mounted there now is another mount); with a shared
 * page (g->sh, split), watch the requests CHILD answers, kill it when
 * one takes longer than the limit, and when it died, answer EIO until
 * the mount is gone (rf_sf_failed()).  When CHILD has exited,
 * MOUNTPOINT is unmounted with rf_sandbox_unmount().  Signal
 * dispositions and mask are restored before returning.
 * => CHILD's exit status (128 + signal number if killed; 1 if split
 *    failed over to EIO); 1 if it exited 0 but the unmount failed.
 */
struct rf_sf_guard;
int	rf_sandbox_supervise(pid_t child, const char *mountpoint,
	    struct rf_sf_guard *guard);

/*
 * Supplementary groups of FUSE callers.  FUSE sends a caller's uid, gid
 * and thread id, not its groups; libfuse's fuse_req_getgroups() reads
 * /proc/TID/task/TID/status, which the sandbox cannot open.  In basic
 * mode the supervisor reads it for the server:
 *   - before forking the server, rf_sandbox_groups_channel(fds);
 *   - in the server: rf_sandbox_groups_attach(fds[0]) (keep fds[0] open
 *     in the sandbox), close(fds[1]);
 *   - in the supervisor: close(fds[0]), rf_sandbox_groups_serve(fds[1])
 *     before rf_sandbox_supervise(), which then answers the queries and
 *     closes fds[1] when it returns;
 *   - every caller (ll_common.c) asks rf_sandbox_getgroups() instead of
 *     fuse_req_getgroups(): without a channel it reads /proc itself, so
 *     it also serves sandbox=none and split's unsandboxed front end.
 */
/* => 0 or an errno value (socketpair). */
int	rf_sandbox_groups_channel(int fds[2]);
void	rf_sandbox_groups_attach(int fd);
void	rf_sandbox_groups_serve(int fd);
/*
 * The supplementary groups of thread TID (fuse_req_ctx(req)->pid) into
 * LIST (at most MAX), as fuse_req_getgroups() does.  Thread-safe; through
 * the supervisor it waits at most 5 s.
 * => the number of groups (may exceed MAX: then only MAX were stored),
 *    or a negative errno value.
 */
int	rf_sandbox_getgroups(pid_t tid, gid_t *list, int max);

#endif /* RUMPFUSE_SANDBOX_H */
