/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sandbox.c -- confining the process that runs the kernel and talks to
 * /dev/fuse (contract and order of the steps: sandbox.h), plus the
 * unsandboxed supervisor's side: forwarding signals and unmounting.
 *
 * The seccomp filter's default action is SCMP_ACT_KILL_PROCESS.  A
 * system call outside the allow-list can only come from a code path no
 * workload here has taken: an exploited driver, or a bug.  Killing stops
 * it at once, with no chance to probe further, and costs no more than a
 * crash: what the kernel wrote is in the host's page cache, and a write
 * in flight stops at a page boundary at worst, before any write that
 * depends on it was issued; the image is as the filesystem's own crash
 * safety leaves it (a journal to replay, or a state fsck repairs) --
 * the same as after SIGKILL or a power cut, which the drivers must
 * survive anyway.  Nothing outside the image was written.  An errno default
 * would instead feed an unexpected failure into error paths never
 * tested with it.  The calls that known code paths make on purpose and
 * handle (libfuse's unmount: umount2 and fork; glibc's clone3 probe;
 * syslog's reconnection and its fallback to /dev/console; isatty) get
 * an errno, listed in sb_rules[], so they never kill.
 *
 * Exports: see sandbox.h.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "bridge.h"
#include "sandbox.h"
#include "split_fuse.h"

/*
 * Sanitizer builds: LeakSanitizer's exit check forks a tracer that
 * ptraces the threads and reads /proc, and the shadow memory defeats any
 * address-space limit.  No seccomp filter, Landlock or memory limit
 * there (sandbox.h).
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SB_SANITIZED	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SB_SANITIZED	1
#endif
#endif
#ifndef SB_SANITIZED
#define SB_SANITIZED	0
#endif

/* ---- Landlock (raw system calls; the host's header may be older) ---- */

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset	444
#define SYS_landlock_restrict_self	446
#endif
#define SB_LL_CREATE_RULESET_VERSION	(1U << 0)

/* The ruleset attribute as of ABI 6; its size tells the kernel which. */
struct sb_ll_ruleset_attr {
	uint64_t	handled_access_fs;
	uint64_t	handled_access_net;	/* ABI >= 4 */
	uint64_t	scoped;			/* ABI >= 6 */
};

#define SB_LL_FS_V1		((1ULL << 13) - 1)	/* EXECUTE..MAKE_SYM */
#define SB_LL_FS_REFER		(1ULL << 13)		/* ABI 2 */
#define SB_LL_FS_TRUNCATE	(1ULL << 14)		/* ABI 3 */
#define SB_LL_FS_IOCTL_DEV	(1ULL << 15)		/* ABI 5 */
#define SB_LL_NET_TCP		(3ULL)	/* BIND_TCP, CONNECT_TCP: ABI 4 */
#define SB_LL_SCOPE_ALL		(3ULL)	/* abstract unix, signal: ABI 6 */
#define SB_LL_ABI_KNOWN		7	/* 7 added only audit flags */

/* The kernel's Landlock ABI version, or 0 without Landlock. */
static int
sb_landlock_abi(void)
{
	long v;

	v = syscall(SYS_landlock_create_ruleset, NULL, (size_t)0,
	    SB_LL_CREATE_RULESET_VERSION);
	return v < 0 ? 0 : (int)v;
}

bool
rf_sandbox_have_landlock(void)
{

	return !SB_SANITIZED && sb_landlock_abi() > 0;
}

bool
rf_sandbox_have_seccomp(void)
{

	if (SB_SANITIZED)
		return false;
	/* Mode 2 (filter) works if the query for its actions does. */
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != -1 &&
	    seccomp_api_get() >= 3;	/* 3: SCMP_ACT_KILL_PROCESS */
}

/* Step 5: a ruleset that handles everything and allows nothing. */
static int
sb_landlock(char *err, size_t errlen)
{
	struct sb_ll_ruleset_attr attr;
	size_t size;
	int abi, fd;

	if ((abi = sb_landlock_abi()) <= 0) {
		rf_log(LOG_DEBUG, "sandbox: no Landlock in this kernel (%s); "
		    "skipped", strerror(errno));
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = SB_LL_FS_V1;
	size = sizeof(attr.handled_access_fs);
	if (abi >= 2)
		attr.handled_access_fs |= SB_LL_FS_REFER;
	if (abi >= 3)
		attr.handled_access_fs |= SB_LL_FS_TRUNCATE;
	if (abi >= 4) {
		attr.handled_access_net = SB_LL_NET_TCP;
		size = offsetof(struct sb_ll_ruleset_attr, scoped);
	}
	if (abi >= 5)
		attr.handled_access_fs |= SB_LL_FS_IOCTL_DEV;
	if (abi >= 6) {
		attr.scoped = SB_LL_SCOPE_ALL;
		size = sizeof(attr);
	}
	if (abi > SB_LL_ABI_KNOWN)
		rf_log(LOG_DEBUG, "sandbox: Landlock ABI %d; handling the "
		    "rights of ABI %d", abi, SB_LL_ABI_KNOWN);
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0U);
	if (fd == -1) {
		int error = errno;

		snprintf(err, errlen, "landlock_create_ruleset: %s",
		    strerror(error));
		return error;
	}
	if (syscall(SYS_landlock_restrict_self, fd, 0U) == -1) {
		int error = errno;

		close(fd);
		snprintf(err, errlen, "landlock_restrict_self: %s",
		    strerror(error));
		return error;
	}
	close(fd);
	rf_log(LOG_DEBUG, "sandbox: Landlock ABI %d: no file access", abi);
	return 0;
}

/* ---- seccomp ---- */

/* Which process needs a rule. */
#define SB_ALL		0x3
#define SB_KERN		0x1	/* kernel_side */
#define SB_FUSE		0x2	/* fuse_side */

/* Argument conditions. */
enum sb_cond {
	SB_ANY,		/* no condition */
	SB_A_EQ,	/* arg[a] == v */
	SB_A_NE,	/* arg[a] != v */
	SB_A_SET,	/* (arg[a] & v) == v */
	SB_A_CLEAR,	/* (arg[a] & v) == 0 */
	SB_A_GT,	/* arg[a] > v */
	SB_A_LE,	/* arg[a] <= v */
	SB_A_SELF,	/* arg[a] == getpid() */
	SB_A_NOTSELF,	/* arg[a] != getpid() */
	SB_A_MASKED,	/* (arg[a] & m) == v */
};

struct sb_rule {
	int		 r_nr;		/* SCMP_SYS() */
	int		 r_errno;	/* 0: allow */
	unsigned	 r_side;	/* SB_* */
	enum sb_cond	 r_cond;
	unsigned	 r_arg;
	uint64_t	 r_val;
	uint64_t	 r_mask;	/* SB_A_MASKED only */
};

#define ALLOW(name, side)	{ SCMP_SYS(name), 0, side, SB_ANY, 0, 0, 0 }
#define ALLOW_IF(name, side, cond, arg, val)				\
	{ SCMP_SYS(name), 0, side, cond, arg, (uint64_t)(val), 0 }
#define DENY(name, e, side)	{ SCMP_SYS(name), e, side, SB_ANY, 0, 0, 0 }
#define DENY_IF(name, e, side, cond, arg, val)				\
	{ SCMP_SYS(name), e, side, cond, arg, (uint64_t)(val), 0 }
#define DENY_MASKED(name, e, side, arg, mask, val)			\
	{ SCMP_SYS(name), e, side, SB_A_MASKED, arg, (uint64_t)(val),	\
	    (uint64_t)(mask) }

/*
 * The allow-list, from strace -f -c of mounts serving tmpfs, FFS and
 * FAT images (reads with splice, writes, readdir, xattrs, fsync,
 * unmount by fusermount3 -u and by SIGTERM) plus glibc's and libfuse's
 * failure paths.
 */
static const struct sb_rule sb_rules[] = {
	/* descriptors the process already has */
	ALLOW(read, SB_ALL),
	ALLOW(write, SB_ALL),
	ALLOW(readv, SB_ALL),
	ALLOW(writev, SB_ALL),
	ALLOW(pread64, SB_ALL),
	ALLOW(pwrite64, SB_ALL),
	ALLOW(preadv, SB_ALL),
	ALLOW(pwritev, SB_ALL),
	ALLOW(preadv2, SB_ALL),
	ALLOW(pwritev2, SB_ALL),
	ALLOW(lseek, SB_ALL),
	ALLOW(close, SB_ALL),
	ALLOW(fcntl, SB_ALL),
	ALLOW(fstat, SB_ALL),
	ALLOW(fstatfs, SB_ALL),
	/* fstat() is newfstatat(fd, "", AT_EMPTY_PATH): no path lookups */
	ALLOW_IF(newfstatat, SB_ALL, SB_A_SET, 3, AT_EMPTY_PATH),
	DENY_IF(newfstatat, EACCES, SB_ALL, SB_A_CLEAR, 3, AT_EMPTY_PATH),
	ALLOW_IF(statx, SB_ALL, SB_A_SET, 2, AT_EMPTY_PATH),
	DENY_IF(statx, EACCES, SB_ALL, SB_A_CLEAR, 2, AT_EMPTY_PATH),
	/* the image (never resizing standard output or error) */
	ALLOW(fsync, SB_KERN),
	ALLOW(fdatasync, SB_KERN),
	ALLOW(sync_file_range, SB_KERN),
	ALLOW_IF(fallocate, SB_KERN, SB_A_GT, 0, 2),
	DENY_IF(fallocate, EINVAL, SB_KERN, SB_A_LE, 0, 2),
	ALLOW_IF(ftruncate, SB_KERN, SB_A_GT, 0, 2),
	DENY_IF(ftruncate, EINVAL, SB_KERN, SB_A_LE, 0, 2),
	ALLOW(fadvise64, SB_KERN),
	/* /dev/fuse: splice in both directions, replies */
	ALLOW(splice, SB_FUSE),
	ALLOW(vmsplice, SB_FUSE),
	ALLOW(tee, SB_FUSE),
	ALLOW(pipe2, SB_FUSE),
	ALLOW(poll, SB_ALL),
	ALLOW(ppoll, SB_ALL),
	DENY(ioctl, ENOTTY, SB_ALL),	/* isatty(); no clone_fd */
	/*
	 * Sockets already held only (split's socketpair, the groups
	 * channel, syslog connected by sb_close_fds()): no new socket, no
	 * connect -- a server running as a real user could otherwise talk
	 * to that user's session bus and have code run outside.
	 */
	ALLOW_IF(sendto, SB_ALL, SB_A_EQ, 4, 0),	/* send() */
	DENY_IF(sendto, EACCES, SB_ALL, SB_A_NE, 4, 0),
	ALLOW(sendmsg, SB_ALL),
	ALLOW(recvfrom, SB_ALL),
	ALLOW(recvmsg, SB_ALL),
	ALLOW(shutdown, SB_ALL),
	DENY(socket, EACCES, SB_ALL),
	DENY(connect, EACCES, SB_ALL),
	/* GLib's log writer: is stderr journald's socket?  Say no. */
	DENY(getpeername, ENOTSOCK, SB_ALL),
	/* memory: nothing new may become executable */
	ALLOW_IF(mmap, SB_ALL, SB_A_CLEAR, 2, PROT_EXEC),
	DENY_IF(mmap, EPERM, SB_ALL, SB_A_SET, 2, PROT_EXEC),
	ALLOW_IF(mprotect, SB_ALL, SB_A_CLEAR, 2, PROT_EXEC),
	DENY_IF(mprotect, EPERM, SB_ALL, SB_A_SET, 2, PROT_EXEC),
	ALLOW(munmap, SB_ALL),
	ALLOW(mremap, SB_ALL),
	ALLOW(madvise, SB_ALL),
	ALLOW(brk, SB_ALL),
	/* threads (libfuse workers, kernel threads); no processes */
	ALLOW_IF(clone, SB_ALL, SB_A_SET, 0, CLONE_THREAD),
	DENY_IF(clone, EPERM, SB_ALL, SB_A_CLEAR, 0, CLONE_THREAD),
	DENY(clone3, ENOSYS, SB_ALL),	/* flags in memory: use clone */
	ALLOW(set_robust_list, SB_ALL),
	ALLOW(rseq, SB_ALL),
	ALLOW(futex, SB_ALL),
	ALLOW(sched_yield, SB_ALL),
	ALLOW(sched_getaffinity, SB_ALL),
	ALLOW(getpid, SB_ALL),
	ALLOW(getppid, SB_ALL),		/* split's child: parent alive? */
	ALLOW(gettid, SB_ALL),
	ALLOW(getuid, SB_ALL),
	ALLOW(geteuid, SB_ALL),
	ALLOW(getgid, SB_ALL),
	ALLOW(getegid, SB_ALL),
	/*
	 * prctl: PR_SET_NAME (thread names) and PR_SET_PDEATHSIG (split's
	 * child dies with the front end; Linux clears it when the sandbox
	 * changes the credentials, so it is set again inside), every other
	 * option EPERM.  A rule compares an argument once and overlapping
	 * rules with different actions have no defined winner, so the
	 * others are covered by disjoint rules: 0, 2-3, 4-7, 8-11, 12-13,
	 * 14, above 15.
	 */
	ALLOW_IF(prctl, SB_ALL, SB_A_EQ, 0, PR_SET_NAME),
	ALLOW_IF(prctl, SB_ALL, SB_A_EQ, 0, PR_SET_PDEATHSIG),
	DENY_IF(prctl, EPERM, SB_ALL, SB_A_EQ, 0, 0),
	DENY_MASKED(prctl, EPERM, SB_ALL, 0, ~(uint64_t)1, 2),
	DENY_MASKED(prctl, EPERM, SB_ALL, 0, ~(uint64_t)3, 4),
	DENY_MASKED(prctl, EPERM, SB_ALL, 0, ~(uint64_t)3, 8),
	DENY_MASKED(prctl, EPERM, SB_ALL, 0, ~(uint64_t)1, 12),
	DENY_IF(prctl, EPERM, SB_ALL, SB_A_EQ, 0, 14),
	DENY_IF(prctl, EPERM, SB_ALL, SB_A_GT, 0, 15),
	/* time */
	ALLOW(clock_gettime, SB_ALL),
	ALLOW(clock_getres, SB_ALL),
	ALLOW(clock_nanosleep, SB_ALL),
	ALLOW(nanosleep, SB_ALL),
	ALLOW(gettimeofday, SB_ALL),
	ALLOW(getrandom, SB_ALL),
	/* signals: SIGTERM from the supervisor, abort() */
	ALLOW(rt_sigaction, SB_ALL),
	ALLOW(rt_sigprocmask, SB_ALL),
	ALLOW(rt_sigreturn, SB_ALL),
	ALLOW(sigaltstack, SB_ALL),
	ALLOW(restart_syscall, SB_ALL),
	ALLOW_IF(tgkill, SB_ALL, SB_A_SELF, 0, 0),
	DENY_IF(tgkill, EPERM, SB_ALL, SB_A_NOTSELF, 0, 0),
	ALLOW_IF(kill, SB_ALL, SB_A_SELF, 0, 0),
	DENY_IF(kill, EPERM, SB_ALL, SB_A_NOTSELF, 0, 0),
	ALLOW(exit, SB_ALL),
	ALLOW(exit_group, SB_ALL),
	/* tried on purpose by code that handles the failure */
	DENY(open, EACCES, SB_ALL),
	DENY(openat, EACCES, SB_ALL),
	DENY(openat2, EACCES, SB_ALL),
	DENY(creat, EACCES, SB_ALL),
	DENY(umount2, EPERM, SB_ALL),
};

/* The disjoint prctl rules above assume these values (ABI: fixed). */
_Static_assert(PR_SET_PDEATHSIG == 1 && PR_SET_NAME == 15,
    "prctl option numbers");

/* Add R to CTX.  => 0 or a negative libseccomp error. */
static int
sb_rule_add(scmp_filter_ctx ctx, const struct sb_rule *r)
{
	uint32_t act = r->r_errno != 0 ? SCMP_ACT_ERRNO((uint32_t)r->r_errno) :
	    SCMP_ACT_ALLOW;
	struct scmp_arg_cmp cmp;

	if (r->r_cond == SB_ANY)
		return seccomp_rule_add_array(ctx, act, r->r_nr, 0, NULL);
	memset(&cmp, 0, sizeof(cmp));
	cmp.arg = r->r_arg;
	cmp.datum_a = r->r_val;
	switch (r->r_cond) {
	case SB_A_EQ:
		cmp.op = SCMP_CMP_EQ;
		break;
	case SB_A_NE:
		cmp.op = SCMP_CMP_NE;
		break;
	case SB_A_GT:
		cmp.op = SCMP_CMP_GT;
		break;
	case SB_A_LE:
		cmp.op = SCMP_CMP_LE;
		break;
	case SB_A_SET:
		cmp.op = SCMP_CMP_MASKED_EQ;
		cmp.datum_b = r->r_val;
		break;
	case SB_A_CLEAR:
		cmp.op = SCMP_CMP_MASKED_EQ;
		cmp.datum_b = 0;
		break;
	case SB_A_MASKED:
		cmp.op = SCMP_CMP_MASKED_EQ;
		cmp.datum_a = r->r_mask;
		cmp.datum_b = r->r_val;
		break;
	case SB_A_SELF:
	case SB_A_NOTSELF:
		cmp.op = r->r_cond == SB_A_SELF ? SCMP_CMP_EQ : SCMP_CMP_NE;
		cmp.datum_a = (uint64_t)getpid();
		break;
	default:
		return -EINVAL;
	}
	return seccomp_rule_add_array(ctx, act, r->r_nr, 1, &cmp);
}

/* Step 6. */
static int
sb_seccomp(const struct rf_sandbox_conf *c, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	unsigned side = (c->kernel_side ? SB_KERN : 0) |
	    (c->fuse_side ? SB_FUSE : 0);
	size_t i;
	int rc, nrules = 0;

	if (!rf_sandbox_have_seccomp()) {
		rf_log(SB_SANITIZED ? LOG_DEBUG : LOG_WARNING,
		    "sandbox: %s; no seccomp filter", SB_SANITIZED ?
		    "sanitizer build" : "seccomp filters not available");
		return 0;
	}
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return ENOMEM;
	}
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) != 0) {
		snprintf(err, errlen, "seccomp_attr_set: %s", strerror(-rc));
		goto out;
	}
	/* A binary tree of system call numbers, where libseccomp can. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (i = 0; i < sizeof(sb_rules) / sizeof(sb_rules[0]); i++) {
		const struct sb_rule *r = &sb_rules[i];

		if ((r->r_side & side) == 0)
			continue;
		/* Not on this architecture (libseccomp's negative ids). */
		if (r->r_nr < 0 && seccomp_syscall_resolve_num_arch(
		    SCMP_ARCH_NATIVE, r->r_nr) == NULL)
			continue;
		if ((rc = sb_rule_add(ctx, r)) != 0) {
			char *name = seccomp_syscall_resolve_num_arch(
			    SCMP_ARCH_NATIVE, r->r_nr);

			snprintf(err, errlen, "seccomp rule for %s: %s",
			    name != NULL ? name : "?", strerror(-rc));
			free(name);
			goto out;
		}
		nrules++;
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		snprintf(err, errlen, "seccomp_load: %s", strerror(-rc));
		goto out;
	}
	rf_log(LOG_DEBUG, "sandbox: seccomp filter loaded (%d rules)",
	    nrules);
out:
	seccomp_release(ctx);
	return rc < 0 ? -rc : rc;
}

/* ---- descriptors and limits ---- */

static int
sb_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Close [lo, hi]; close_range(2) where it exists. */
static void
sb_close_range(int lo, int hi)
{
	int fd;

	if (lo > hi)
		return;
	if (syscall(SYS_close_range, (unsigned)lo, (unsigned)hi, 0U) == 0)
		return;
	if (hi > 65535) {
		struct rlimit rl;

		hi = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 1048576 ?
		    (int)rl.rlim_cur - 1 : 65535;
	}
	for (fd = lo; fd <= hi; fd++)
		(void)close(fd);
}

/* Step 1.  => 0, or EBADF if a descriptor to keep is not open. */
static int
sb_close_fds(const struct rf_sandbox_conf *c, int *maxfdp, char *err,
    size_t errlen)
{
	int *keep, n = 0, i, next = 3, maxfd = 2;

	keep = calloc((size_t)(c->nkeep > 0 ? c->nkeep : 1), sizeof(*keep));
	if (keep == NULL) {
		snprintf(err, errlen, "out of memory");
		return ENOMEM;
	}
	for (i = 0; i < c->nkeep; i++) {
		if (c->keep_fds[i] < 0)
			continue;
		if (fcntl(c->keep_fds[i], F_GETFD) == -1) {
			snprintf(err, errlen, "descriptor %d to keep is not "
			    "open", c->keep_fds[i]);
			free(keep);
			return EBADF;
		}
		keep[n++] = c->keep_fds[i];
	}
	qsort(keep, (size_t)n, sizeof(*keep), sb_int_cmp);
	/*
	 * syslog's descriptor may be closed below, then reused, and then
	 * closed again by syslog's error path: drop it first.
	 */
	closelog();
	for (i = 0; i < n; i++) {
		if (keep[i] < next)
			continue;	/* 0-2, or a duplicate */
		sb_close_range(next, keep[i] - 1);
		next = keep[i] + 1;
		maxfd = keep[i];
	}
	sb_close_range(next, INT_MAX);
	free(keep);
	/*
	 * Reconnect syslog now (ident: the program's name, as main.c's),
	 * since the sandbox allows no new socket: its descriptor is the
	 * lowest free one, in a gap or just above MAXFD.  Without /dev/log
	 * nothing stays open and later messages are dropped.
	 */
	openlog(NULL, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (fcntl(maxfd + 1, F_GETFD) != -1)
		maxfd++;
	*maxfdp = maxfd;
	return 0;
}

/* Lower both limits of RES to V (never raise them). */
static int
sb_setrlimit(int res, const char *name, rlim_t v, char *err, size_t errlen)
{
	struct rlimit rl;
	int error;

	if (getrlimit(res, &rl) == -1)
		goto out_err;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < v)
		v = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = v;
	if (setrlimit(res, &rl) == -1)
		goto out_err;
	return 0;
out_err:
	error = errno;
	snprintf(err, errlen, "setrlimit %s: %s", name, strerror(error));
	return error;
}

/* Step 2. */
static int
sb_limits(const struct rf_sandbox_conf *c, int maxfd, char *err,
    size_t errlen)
{
	uint64_t ml = c->memlimit;
	int error;

	if ((error = sb_setrlimit(RLIMIT_NOFILE, "RLIMIT_NOFILE",
	    (rlim_t)maxfd + 1 + RF_SANDBOX_NOFILE_SLACK, err, errlen)) != 0)
		return error;
	if ((error = sb_setrlimit(RLIMIT_CORE, "RLIMIT_CORE", 0, err,
	    errlen)) != 0)
		return error;
	if (ml == 0 || ml == RF_SANDBOX_MEMLIMIT_NONE)
		return 0;
	if (SB_SANITIZED) {
		rf_log(LOG_DEBUG, "sandbox: sanitizer build; no memory limit");
		return 0;
	}
	if ((error = sb_setrlimit(RLIMIT_DATA, "RLIMIT_DATA", (rlim_t)ml,
	    err, errlen)) != 0)
		return error;
	if (ml > UINT64_MAX - RF_SANDBOX_AS_SLACK)
		return 0;
	return sb_setrlimit(RLIMIT_AS, "RLIMIT_AS",
	    (rlim_t)(ml + RF_SANDBOX_AS_SLACK), err, errlen);
}

/* ---- privileges ---- */

/* USER (name or number) -> uid, gid.  => 0 or ENOENT. */
static int
sb_lookup_user(const char *user, uid_t *uidp, gid_t *gidp)
{
	struct passwd *pw;
	unsigned long v;
	char *end;

	if ((pw = getpwnam(user)) != NULL) {
		*uidp = pw->pw_uid;
		*gidp = pw->pw_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(user, &end, 10);
	if (*user == '\0' || *end != '\0' || errno != 0 || v >= UINT32_MAX)
		return ENOENT;
	*uidp = (uid_t)v;
	/* A uid without an entry: its own number as the group. */
	*gidp = (pw = getpwuid(*uidp)) != NULL ? pw->pw_gid : (gid_t)v;
	return 0;
}

int
rf_sandbox_check_user(const char *user, char *err, size_t errlen)
{
	uid_t uid;
	gid_t gid;

	if (sb_lookup_user(user, &uid, &gid) != 0) {
		snprintf(err, errlen, "user=%s: no such user", user);
		return ENOENT;
	}
	if (geteuid() != 0 && uid != geteuid()) {
		snprintf(err, errlen, "user=%s: only root can change user",
		    user);
		return EPERM;
	}
	return 0;
}

/* Step 4. */
static int
sb_drop_privs(const struct rf_sandbox_conf *c, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
	const char *user = c->user;
	uid_t uid, r, e, s;
	gid_t gid, rg, eg, sg;
	int error;

	if (user == NULL && geteuid() != 0)
		return 0;
	if (user == NULL)
		user = "nobody";
	if ((error = rf_sandbox_check_user(user, err, errlen)) != 0)
		return error;
	(void)sb_lookup_user(user, &uid, &gid);
	if (geteuid() != 0)
		return 0;		/* the same user */
	if (uid == 0)
		rf_log(LOG_WARNING, "sandbox: user=%s: staying root", user);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (setgroups(0, NULL) == -1) {
		error = errno;
		snprintf(err, errlen, "setgroups: %s", strerror(error));
		return error;
	}
	if (setresgid(gid, gid, gid) == -1) {
		error = errno;
		snprintf(err, errlen, "setresgid %u: %s", (unsigned)gid,
		    strerror(error));
		return error;
	}
	if (setresuid(uid, uid, uid) == -1) {
		error = errno;
		snprintf(err, errlen, "setresuid %s: %s", user,
		    strerror(error));
		return error;
	}
	if (uid == 0)
		return 0;
	/* It must not come back. */
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (getresuid(&r, &e, &s) == -1 || r != uid || e != uid ||
	    s != uid || getresgid(&rg, &eg, &sg) == -1 || rg != gid ||
	    eg != gid || sg != gid || setresuid(0, 0, 0) != -1 ||
	    setresgid(0, 0, 0) != -1 ||
	    syscall(SYS_capget, &hdr, data) == -1 ||
	    data[0].effective != 0 || data[0].permitted != 0 ||
	    data[1].effective != 0 || data[1].permitted != 0) {
		snprintf(err, errlen, "privileges still held after dropping "
		    "to %s", user);
		return EPERM;
	}
	rf_log(LOG_DEBUG, "sandbox: running as %s (uid %u, gid %u)", user,
	    (unsigned)uid, (unsigned)gid);
	return 0;
}

/* ---- entering ---- */

int
rf_sandbox_enter(const struct rf_sandbox_conf *c, char *err, size_t errlen)
{
	int maxfd, error;

	err[0] = '\0';
	/*
	 * glibc loads libgcc_s on the first pthread_cancel() or
	 * pthread_exit() (libfuse cancels its workers at the end), and
	 * aborts if it cannot: load it now, for good.
	 */
	if (dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE) == NULL)
		rf_log(LOG_WARNING, "sandbox: cannot load libgcc_s.so.1 (%s); "
		    "stopping may abort", dlerror());
	if ((error = sb_close_fds(c, &maxfd, err, errlen)) != 0)
		return error;
	if ((error = sb_limits(c, maxfd, err, errlen)) != 0)
		return error;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		error = errno;
		snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(error));
		return error;
	}
	if ((error = sb_drop_privs(c, err, errlen)) != 0)
		return error;
	/*
	 * Not dumpable: no core file, no ptrace by other processes of the
	 * same user.  A sanitizer build's leak check ptraces the process
	 * from a helper, so it stays dumpable there.
	 */
	if (prctl(PR_SET_DUMPABLE, SB_SANITIZED ? 1 : 0, 0, 0, 0) == -1)
		rf_log(LOG_DEBUG, "sandbox: PR_SET_DUMPABLE: %s",
		    strerror(errno));
	if (SB_SANITIZED)
		rf_log(LOG_DEBUG, "sandbox: sanitizer build; no Landlock");
	else if ((error = sb_landlock(err, errlen)) != 0)
		return error;
	return sb_seccomp(c, err, errlen);
}

/* ---- mode resolution ---- */

const char *
rf_sandbox_mode_name(enum rf_sandbox_mode m)
{

	switch (m) {
	case RF_SANDBOX_AUTO:
		return "auto";
	case RF_SANDBOX_NONE:
		return "none";
	case RF_SANDBOX_BASIC:
		return "basic";
	case RF_SANDBOX_SPLIT:
		return "split";
	}
	return "?";
}

enum rf_sandbox_mode
rf_sandbox_resolve(enum rf_sandbox_mode want, bool split_available)
{
	enum rf_sandbox_mode m = want;
	bool ll, sc;
	int prio = want == RF_SANDBOX_AUTO ? LOG_DEBUG : LOG_WARNING;

	if (want == RF_SANDBOX_NONE) {
		rf_log(LOG_DEBUG, "sandbox: none (sandbox=none)");
		return m;
	}
	if (want == RF_SANDBOX_AUTO)
		m = split_available ? RF_SANDBOX_SPLIT : RF_SANDBOX_BASIC;
	else if (want == RF_SANDBOX_SPLIT && !split_available) {
		rf_log(LOG_WARNING, "sandbox=split is not available; using "
		    "sandbox=basic");
		m = RF_SANDBOX_BASIC;
	}
	ll = rf_sandbox_have_landlock();
	sc = rf_sandbox_have_seccomp();
	/* A sanitizer build leaves them out on purpose: no warning. */
	if (SB_SANITIZED)
		prio = LOG_DEBUG;
	if (!ll)
		rf_log(prio, "sandbox: no Landlock (%s)%s", SB_SANITIZED ?
		    "sanitizer build" : "not in this kernel", sc ?
		    "; the seccomp filter still refuses every open" : "");
	if (!sc)
		rf_log(prio, "sandbox: no seccomp filter (%s)%s",
		    SB_SANITIZED ? "sanitizer build" :
		    "not in this kernel or libseccomp", ll ? "" :
		    "; only the user change and the limits apply");
	rf_log(LOG_DEBUG, "sandbox: %s (sandbox=%s%s; Landlock %s, seccomp "
	    "%s)", rf_sandbox_mode_name(m), rf_sandbox_mode_name(want),
	    want == RF_SANDBOX_AUTO ? (split_available ? ", split available" :
	    ", split not available") : "", ll ? "yes" : "no",
	    sc ? "yes" : "no");
	return m;
}

/* ---- supplementary groups of FUSE callers ---- */

/*
 * FUSE tells the uid, gid and thread id of a caller, not its groups;
 * libfuse's fuse_req_getgroups() reads them from /proc/TID/task/TID/
 * status, which the sandbox cannot open.  The unsandboxed supervisor
 * reads that file for the server: one fixed-size request and one
 * fixed-size reply per query on a SOCK_SEQPACKET socketpair, one query
 * at a time (sb_grp.lock), matched by sequence number so that a reply
 * that came too late is skipped, not taken for the next query's.
 */
#define SB_GRP_MAGIC	0x72666770U	/* "rfgp" */
#define SB_GRP_MAX	64
#define SB_GRP_TIMEOUT_MS 5000

struct sb_grp_req {
	uint32_t	magic;
	uint32_t	seq;
	int32_t		tid;
};

struct sb_grp_rep {
	uint32_t	magic;
	uint32_t	seq;
	int32_t		n;		/* count, or -errno */
	uint32_t	groups[SB_GRP_MAX];
};

static struct {
	pthread_mutex_t	lock;
	int		fd;		/* server side; lock */
	uint32_t	seq;		/* lock */
	int		serve_fd;	/* supervisor side */
} sb_grp = { PTHREAD_MUTEX_INITIALIZER, -1, 0, -1 };

int
rf_sandbox_groups_channel(int fds[2])
{

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == -1)
		return errno;
	return 0;
}

void
rf_sandbox_groups_attach(int fd)
{

	pthread_mutex_lock(&sb_grp.lock);
	sb_grp.fd = fd;
	pthread_mutex_unlock(&sb_grp.lock);
}

void
rf_sandbox_groups_serve(int fd)
{

	sb_grp.serve_fd = fd;
}

/* The groups of thread TID from /proc.  => count (may exceed MAX) or -errno. */
static int
sb_groups_proc(pid_t tid, uint32_t *list, int max)
{
	char path[64], line[4096], *p, *end;
	unsigned long v;
	int n = -ENOENT;
	FILE *f;

	if (tid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%ld/task/%ld/status", (long)tid,
	    (long)tid);
	if ((f = fopen(path, "re")) == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		n = 0;
		for (p = line + 7;; p = end) {
			errno = 0;
			v = strtoul(p, &end, 10);
			if (end == p || errno != 0 || v > UINT32_MAX)
				break;
			if (n < max)
				list[n] = (uint32_t)v;
			n++;
		}
		break;
	}
	fclose(f);
	return n;
}

int
rf_sandbox_getgroups(pid_t tid, gid_t *list, int max)
{
	struct sb_grp_req req;
	struct sb_grp_rep rep;
	struct pollfd pfd;
	uint32_t buf[SB_GRP_MAX];
	int i, n, fd;
	ssize_t r;

	if (max < 0)
		return -EINVAL;
	pthread_mutex_lock(&sb_grp.lock);
	if ((fd = sb_grp.fd) == -1) {
		pthread_mutex_unlock(&sb_grp.lock);
		n = sb_groups_proc(tid, buf, SB_GRP_MAX);
		for (i = 0; i < n && i < max && i < SB_GRP_MAX; i++)
			list[i] = (gid_t)buf[i];
		return n;
	}
	memset(&req, 0, sizeof(req));
	req.magic = SB_GRP_MAGIC;
	req.seq = ++sb_grp.seq;
	req.tid = (int32_t)tid;
	if (send(fd, &req, sizeof(req), MSG_NOSIGNAL) != sizeof(req)) {
		n = -errno;
		goto out;
	}
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((n = poll(&pfd, 1, SB_GRP_TIMEOUT_MS)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			n = n == 0 ? -ETIMEDOUT : -errno;
			goto out;
		}
		r = recv(fd, &rep, sizeof(rep), 0);
		if (r <= 0) {
			n = r == 0 ? -EPIPE : -errno;
			goto out;
		}
		if ((size_t)r == sizeof(rep) && rep.magic == SB_GRP_MAGIC &&
		    rep.seq == req.seq)
			break;
		/* A late reply to an earlier query: skip it. */
	}
	n = rep.n;
	for (i = 0; i < n && i < max && i < SB_GRP_MAX; i++)
		list[i] = (gid_t)rep.groups[i];
out:
	pthread_mutex_unlock(&sb_grp.lock);
	return n;
}

/* Supervisor: answer one query on FD.  => false once the server is gone. */
static bool
sb_groups_answer(int fd)
{
	struct sb_grp_req req;
	struct sb_grp_rep rep;
	ssize_t r;

	r = recv(fd, &req, sizeof(req), MSG_DONTWAIT);
	if (r == -1)
		return errno == EINTR || errno == EAGAIN;
	if (r == 0)
		return false;
	if ((size_t)r != sizeof(req) || req.magic != SB_GRP_MAGIC)
		return true;		/* not a query: no answer */
	memset(&rep, 0, sizeof(rep));
	rep.magic = SB_GRP_MAGIC;
	rep.seq = req.seq;
	rep.n = sb_groups_proc(req.tid, rep.groups, SB_GRP_MAX);
	(void)send(fd, &rep, sizeof(rep), MSG_NOSIGNAL | MSG_DONTWAIT);
	return true;
}

/* ---- the supervisor ---- */

/* Is the last mount on MNT (absolute, as given to mount) a FUSE mount? */
static bool
sb_is_fuse_mount(const char *mnt)
{
	char line[8192], path[4096], type[256], *sep, *o;
	const char *p;
	bool fuse = false;
	FILE *f;

	if ((f = fopen("/proc/self/mountinfo", "r")) == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS] - TYPE ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", path) != 1 ||
		    (sep = strstr(line, " - ")) == NULL ||
		    sscanf(sep + 3, "%255s", type) != 1)
			continue;
		/* Undo mountinfo's \ooo escapes in place. */
		for (p = path, o = path; *p != '\0'; o++) {
			if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' &&
			    p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
			    p[3] <= '7') {
				*o = (char)((p[1] - '0') * 64 +
				    (p[2] - '0') * 8 + (p[3] - '0'));
				p += 4;
			} else
				*o = *p++;
		}
		*o = '\0';
		if (strcmp(path, mnt) == 0)
			fuse = strcmp(type, "fuse") == 0 ||
			    strncmp(type, "fuse.", 5) == 0;
	}
	fclose(f);
	return fuse;
}

int
rf_sandbox_unmount(const char *mountpoint)
{
	int ws, error;
	pid_t pid;

	if (!sb_is_fuse_mount(mountpoint))
		return 0;
	if (geteuid() == 0) {
		if (umount2(mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 ||
		    errno == EINVAL || errno == ENOENT)
			return 0;
		error = errno;
		rf_log(LOG_ERR, "cannot unmount %s: %s", mountpoint,
		    strerror(error));
		return error;
	}
	if ((pid = fork()) == -1) {
		error = errno;
		rf_log(LOG_ERR, "cannot unmount %s: fork: %s", mountpoint,
		    strerror(error));
		return error;
	}
	if (pid == 0) {
		execlp("fusermount3", "fusermount3", "-u", "-z", "-q", "--",
		    mountpoint, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &ws, 0) == -1)
		if (errno != EINTR)
			return errno;
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return 0;
	/* fusermount3 fails on what is no longer mounted: check. */
	if (!sb_is_fuse_mount(mountpoint))
		return 0;
	rf_log(LOG_ERR, "cannot unmount %s: fusermount3 failed", mountpoint);
	return EIO;
}

static volatile sig_atomic_t sb_pending[NSIG];

static void
sb_on_signal(int sig)
{

	if (sig > 0 && sig < NSIG)
		sb_pending[sig] = 1;
}

int
rf_sandbox_supervise(pid_t child, const char *mountpoint,
    struct rf_sf_guard *guard)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa, old[3], ochld;
	struct timespec tick, *tickp = NULL;
	sigset_t block, oldmask;
	struct pollfd pfd[1];
	nfds_t nfds;
	int grp_fd = sb_grp.serve_fd;
	int ws = 0, status, sig;
	bool watch = guard != NULL && guard->sh != NULL, gone = false;
	size_t i;
	pid_t w;

	/* Signals are taken only inside ppoll(), so none is missed. */
	sigemptyset(&block);
	for (i = 0; i < 3; i++)
		sigaddset(&block, sigs[i]);
	sigaddset(&block, SIGCHLD);
	(void)sigprocmask(SIG_BLOCK, &block, &oldmask);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sb_on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < 3; i++) {
		sb_pending[sigs[i]] = 0;
		(void)sigaction(sigs[i], &sa, &old[i]);
	}
	sb_pending[SIGCHLD] = 0;
	(void)sigaction(SIGCHLD, &sa, &ochld);
	if (watch)
		tickp = rf_sf_watch_tick(guard, &tick);

	for (;;) {
		sigset_t waitmask = oldmask;

		for (i = 0; i < 3; i++) {
			sig = sigs[i];
			if (sb_pending[sig]) {
				sb_pending[sig] = 0;
				rf_log(LOG_DEBUG, "supervisor: forwarding "
				    "signal %d to %ld", sig, (long)child);
				(void)kill(child, sig);
				if (watch)
					rf_sf_ending(guard);
			}
		}
		sb_pending[SIGCHLD] = 0;
		/* It may have exited before SIGCHLD was ours. */
		if ((w = waitpid(child, &ws, WNOHANG)) == child)
			break;
		if (w == -1 && errno != EINTR) {
			rf_log(LOG_ERR, "supervisor: waitpid: %s",
			    strerror(errno));
			ws = 1 << 8;
			break;
		}
		if (watch && rf_sf_overdue(guard))
			(void)kill(child, SIGKILL);
		if (watch)
			rf_sf_check_gone(guard);
		for (i = 0; i < 3; i++)
			sigdelset(&waitmask, sigs[i]);
		sigdelset(&waitmask, SIGCHLD);
		nfds = 0;
		if (grp_fd != -1) {
			pfd[nfds].fd = grp_fd;
			pfd[nfds].events = POLLIN;
			pfd[nfds++].revents = 0;
		}
		if (ppoll(pfd, nfds, tickp, &waitmask) <= 0)
			continue;
		if (pfd[0].revents != 0 && !sb_groups_answer(grp_fd)) {
			close(grp_fd);
			grp_fd = -1;
		}
	}
	if (grp_fd != -1)
		close(grp_fd);
	sb_grp.serve_fd = -1;

	if (watch && (guard->killed || WIFSIGNALED(ws))) {
		/* Split: the mount lives on, answering EIO, until unmounted. */
		for (i = 0; i < 3; i++)
			if (sb_pending[sigs[i]]) {
				(void)rf_sandbox_unmount(mountpoint);
				break;
			}
		gone = rf_sf_failed(guard, ws, mountpoint);
		status = 1;
	} else if (WIFEXITED(ws))
		status = WEXITSTATUS(ws);
	else if (WIFSIGNALED(ws)) {
		status = 128 + WTERMSIG(ws);
		rf_log(LOG_ERR, "the server was killed by signal %d%s",
		    WTERMSIG(ws), WTERMSIG(ws) == SIGSYS ? " (a system call "
		    "the sandbox forbids)" : "");
	} else
		status = 1;
	/*
	 * A server that ended: Linux fails what is queued (ENOTCONN).  If
	 * its connection ended first (unmounted by a user), whatever is on
	 * MOUNTPOINT now is not ours: a new mount there must survive.
	 */
	if (guard != NULL && guard->fuse_fd != -1) {
		gone = rf_sf_conn_gone(guard->fuse_fd);
		close(guard->fuse_fd);
		guard->fuse_fd = -1;
	}
	if (!gone && rf_sandbox_unmount(mountpoint) != 0 && status == 0)
		status = 1;

	for (i = 0; i < 3; i++)
		(void)sigaction(sigs[i], &old[i], NULL);
	(void)sigaction(SIGCHLD, &ochld, NULL);
	(void)sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return status;
}
