/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * main.c -- the rumpfuse command: arguments, help, daemonizing, and the
 * life cycle of the kernel and the FUSE session.
 *
 * Life cycle (each step undone in reverse on failure):
 *   1. parse arguments (bad usage: exit 2);
 *   2. without -f, fork: the parent waits on a pipe until the child says
 *      the mount is live (exit 0) or dies (exit 1).  The fork comes first
 *      because the kernel starts threads (buffer flusher, I/O) that a
 *      later fork, such as fuse_daemonize()'s, would leave behind;
 *   3. vfs_init(), vfs_mount() at "/" -- a bad image or option fails here,
 *      before anything is mounted on the host;
 *   4. fuse_session_new(), signal handlers, fuse_session_mount(), raise
 *      the mount's read-ahead, tell the parent (stdio to /dev/null);
 *   5. the request loop, until SIGTERM/SIGINT/SIGHUP or an unmount;
 *   6. fuse_session_unmount(), release every node and handle (the kernel
 *      FUSE module forgets nothing at unmount), vfs_unmount() (which
 *      syncs; forced if vnodes are still busy), vfs_shutdown().
 * Exit status 0 only if the filesystem was written back cleanly.
 *
 * Sandbox modes (-o sandbox=, sandbox.h; auto is resolved once, after
 * the arguments, by rf_sandbox_resolve()):
 *   none   the steps above, unchanged;
 *   basic  after step 2 the process forks again: the parent is the
 *          supervisor (never sandboxed, no kernel, no threads), the
 *          child the server, which runs steps 3 to 6, tells the
 *          supervisor once the FUSE mount exists, and enters the
 *          sandbox (kernel and FUSE side) before the request loop.  The
 *          supervisor reports readiness (sd_notify), forwards SIGTERM,
 *          SIGINT and SIGHUP, and unmounts when the server has exited
 *          (the sandboxed server cannot: no root, no fusermount3);
 *   split  split_channel=fuse (default; split_fuse.h): as basic, and
 *          the supervisor also holds the FUSE connection and watches
 *          the requests the server publishes in a shared page: it kills
 *          a server that takes too long and answers EIO after a crash;
 *          split_channel=socket: step 3 happens in a child
 *          (split_proto.h): it starts the kernel, mounts, enters the
 *          sandbox (kernel side) and serves vnode operations; this
 *          process is the FUSE server, reaches the kernel through
 *          rf_kops_split, and is not sandboxed, so it unmounts as in
 *          mode none, even after the child died.
 *
 * Exports: main, rf_log, rf_debug.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "bridge.h"
#include "notify.h"
#include "probe.h"
#include "sandbox.h"
#include "split.h"
#include "split_fuse.h"

bool	rf_debug;
static bool rf_syslog;		/* daemonized: log to syslog */
static int rf_ready_fd = -1;	/* pipe to the waiting parent */
static struct rf_opts *rf_opts_cleanup;	/* freed by usage_error() */
static int rf_mounted_fd = -1;	/* basic: socket to the supervisor */
/* split_channel=fuse, in the server: the page shared with the supervisor */
static struct rf_sf_shared *rf_sf;
static pid_t rf_supervisor_pid;
/* Descriptors inherited at start (closed by the sandbox, not kept). */
#define RF_MAXINHERIT	256
static int rf_inherited[RF_MAXINHERIT];
static unsigned rf_ninherited;

/*
 * Filesystem types built into the kernel, for --help.  The HAVE_FS_*
 * macros are the ones fsdrivers/meson.build gives the kernel (see
 * daemon/meson.build); the kernel's public API cannot list them.
 */
static const struct {
	const char *name;
	const char *what;
} rf_fstypes[] = {
#ifdef HAVE_FS_EXT2FS
	{ "ext2fs", "ext2, ext3 and ext4 images (also -t ext2, ext3, ext4);\n"
	    "                 -o norecovery (or noload): do not replay the\n"
	    "                 journal (default: replay it)" },
#endif
#ifdef HAVE_FS_FFS
	{ "ffs", "BSD fast filesystem images (UFS1 and UFS2)" },
#endif
#ifdef HAVE_FS_CD9660
	{ "cd9660", "ISO 9660 images (Rock Ridge, Joliet), read-only" },
#endif
#ifdef HAVE_FS_MSDOSFS
	{ "msdosfs", "FAT12, FAT16 and FAT32 images" },
#endif
	{ "tmpfs", "memory filesystem; SOURCE is ignored (conventionally\n"
	    "                 \"none\"); -o size=BYTES (default: unlimited),\n"
	    "                 nr_inodes=N (default: unlimited), mode=OCTAL\n"
	    "                 (of the root; default: 1777), uid=N, gid=N\n"
	    "                 (of the root; default: 0)" },
};

void
rf_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !rf_debug)
		return;
	va_start(ap, fmt);
	if (rf_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		fputs("rumpfuse: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("rumpfuse: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fputs("Try 'rumpfuse --help' for more information.\n", stderr);
	if (rf_opts_cleanup != NULL)
		rf_opts_fini(rf_opts_cleanup);
	exit(2);
}

static void
help(void)
{
	size_t i;

	printf(
"Usage: rumpfuse [-t TYPE] [-o OPTIONS] [-f] [-d] [-s] SOURCE MOUNTPOINT\n"
"       rumpfuse --probe [-t TYPE] [-o part=NAME] SOURCE\n"
"       rumpfuse --list SOURCE\n"
"       rumpfuse -h | --help\n"
"       rumpfuse -V | --version\n"
"\n"
"Mount the filesystem in SOURCE (an image file or a block device) on\n"
"MOUNTPOINT through FUSE.  The filesystem driver runs inside rumpfuse, in\n"
"a small kernel of its own, so the host kernel never parses the image.\n"
"Permissions are checked with the credentials of each calling process.\n"
"\n"
"Without -f, rumpfuse returns once the filesystem is mounted and usable,\n"
"and keeps serving it in the background.  It stops when the filesystem is\n"
"unmounted (fusermount3 -u MOUNTPOINT, or umount(8) as root) or when it\n"
"gets SIGTERM, SIGINT or SIGHUP; either way it unmounts, writes every\n"
"change back to SOURCE, and exits.\n"
"\n"
"Options:\n"
"  -t TYPE        filesystem type (default: auto, which probes SOURCE)\n"
"  -o OPTIONS     comma-separated mount options, below; may be repeated\n"
"  -f             stay in the foreground (default: detach once mounted)\n"
"  -d             debug: log every FUSE request, kernel log level debug;\n"
"                 implies -f\n"
"  -s             single-threaded (default: requests run in parallel)\n"
"  -h, --help     show this help and exit\n"
"  -V, --version  show the version and exit\n"
"  --probe        print the filesystem type SOURCE holds (the one -t auto\n"
"                 would mount) and exit: 0 found, 1 none or ambiguous\n"
"                 (the error says what was tried / the candidates / the\n"
"                 partitions to choose from); -o part=NAME probes a\n"
"                 partition, -t TYPE checks for that type only\n"
"  --list         list SOURCE's partitions (MBR, GPT, BSD disklabel):\n"
"                 name, start and size in sectors, size, type, and the\n"
"                 filesystem found in each; exit 1 if the table is corrupt\n"
"                 (--probe and --list must come first)\n"
"\n"
"Filesystem types:\n"
"  auto           probe SOURCE for every type that reads images (default)\n");
	for (i = 0; i < sizeof(rf_fstypes) / sizeof(rf_fstypes[0]); i++)
		printf("  %-14s %s\n", rf_fstypes[i].name, rf_fstypes[i].what);
	printf(
"\n"
"Mount options for the FUSE mount (see mount.fuse3(8)):\n"
"  allow_other           let every user in (default: only the user who\n"
"                        mounted; others need user_allow_other in\n"
"                        /etc/fuse.conf)\n"
"  allow_root            let the mounting user and root in\n"
"  default_permissions   let Linux check the mode bits as well, with\n"
"                        its cached attributes (the filesystem always\n"
"                        checks them itself); on by default with\n"
"                        allow_other or allow_root, where without it a\n"
"                        cached path skips directory search checks\n"
"  nodefault_permissions leave the checks to the filesystem alone\n"
"  fsname=NAME           source shown in /proc/mounts (default: SOURCE)\n"
"  subtype=NAME          type shown as fuse.NAME (default: rumpfuse)\n"
"  auto_unmount          unmount if rumpfuse dies\n"
"  max_read=BYTES        largest read request (default: the largest\n"
"                        power of two up to max_write whose reply can\n"
"                        be spliced from the image: 512K with Linux's\n"
"                        default pipe-max-size of 1M; larger requests\n"
"                        are copied)\n"
"  noexec exec dirsync norelatime strictatime nostrictatime lazytime\n"
"  nolazytime            as for mount(8) (the FUSE mount only)\n"
"\n"
"Mount options for both the FUSE mount and the filesystem:\n"
"  ro                    read-only (a SOURCE that cannot be written is\n"
"                        mounted read-only anyway)\n"
"  rw                    read-write (default)\n"
"  noatime               do not update access times (default: relatime)\n"
"  atime, relatime       update access times\n"
"  sync                  write changes through at once (default: async)\n"
"  async                 write changes back later\n"
"  nosuid, suid          ignore (default) or honour set-id bits\n"
"  nodev, dev            refuse (default) or allow opening devices\n"
"\n"
"Mount options for the kernel (every type that reads a device):\n"
"  part=NAME             mount partition NAME of SOURCE (a whole-disk\n"
"                        image or disk): 1-4 MBR primary partitions,\n"
"                        5... logical partitions (numbered as Linux\n"
"                        does), GPT entries by number, a, b, ... the\n"
"                        partitions of a BSD disklabel on the whole\n"
"                        disk, 1a.. those of a disklabel inside MBR\n"
"                        partition 1 (NetBSD 0xa9, FreeBSD 0xa5,\n"
"                        OpenBSD 0xa6); see rumpfuse --list SOURCE\n"
"  lock, lock=auto       lock SOURCE while mounted (default): exclusive\n"
"                        for read-write, shared for read-only, so a\n"
"                        second read-write mount, or read-write beside\n"
"                        read-only, fails with \"SOURCE is in use by\n"
"                        another mount\" (EBUSY)\n"
"  nolock, lock=none     do not lock SOURCE (unsafe with another writer)\n"
"\n"
"Mount options for rumpfuse itself:\n"
"  entry_timeout=SECS    cache names this long (default: 86400 when\n"
"                        only this mount can change SOURCE, else 1)\n"
"  attr_timeout=SECS     cache attributes this long (default: as for\n"
"                        entry_timeout)\n"
"  negative_timeout=SECS cache \"no such file\" this long (default:\n"
"                        86400 as above, else 0: not cached); \"only\n"
"                        this mount\": SOURCE is locked (not nolock)\n"
"                        and names are case-sensitive or read-only\n"
"  max_write=BYTES       largest write request, 4k to 1M (default: 1M)\n"
"  max_readahead=BYTES   Linux read-ahead for the mount (default: 1M)\n"
"  writeback_cache       let Linux cache writes and send them later\n"
"                        (default: off, writes go through at once)\n"
"  nokeep_cache          drop cached file data at every open (default:\n"
"                        keep it while the file has not changed)\n"
"  threads=N             idle worker threads kept (default: as many as\n"
"                        max_threads)\n"
"  max_threads=N         most worker threads (default: one less than the\n"
"                        CPUs, at least 1, at most 10; split_channel=\n"
"                        socket: 10)\n"
"  readdirplus=WHEN      list directories with attributes: always\n"
"                        (default), auto (Linux decides: the first read\n"
"                        of a directory only) or no\n"
"  noclone_fd            share one /dev/fuse descriptor between threads\n"
"                        (default: one each)\n"
"  bufcache=SIZE         buffer cache size (default: the kernel's)\n"
"  lrumax=N              unused files kept cached (default: the kernel's)\n"
"  sandbox=MODE          confine the code that reads the image: none;\n"
"                        basic (one process, confined after mounting;\n"
"                        a small parent unmounts); split (the driver in\n"
"                        a confined child process, a crash or a hang\n"
"                        costs EIO, not the mount); auto (default: the\n"
"                        strongest; now split)\n"
"  user=NAME             the confined process runs as NAME (default:\n"
"                        nobody when started as root; only root may\n"
"                        name another user)\n"
"  memlimit=SIZE         memory of the confined process, >= 64M, or\n"
"                        none (default: 1G; bounds tmpfs contents too)\n"
"  split_timeout=SECS    sandbox=split: a request unanswered this long\n"
"                        kills the filesystem process; it and later\n"
"                        requests get EIO (default: 30)\n"
"  split_channel=CH      sandbox=split: fuse (default: the child answers\n"
"                        /dev/fuse itself, watched by its parent) or\n"
"                        socket (the parent serves FUSE and forwards\n"
"                        each operation to the child: the child never\n"
"                        holds /dev/fuse; one more round trip each)\n"
"  cpu_latency=US|off    while requests arrive, ask Linux (PM QoS,\n"
"                        /dev/cpu_dma_latency; root only) to keep idle\n"
"                        CPUs able to wake within US microseconds;\n"
"                        withdrawn after 20 ms without requests. Waking\n"
"                        a halted CPU dominates a small request's cost,\n"
"                        in a VM above all (default: 0, idle CPUs poll\n"
"                        while the mount is busy; off: never ask)\n"
"  busy_poll=US          the worker waiting for the next request polls\n"
"                        /dev/fuse this long before it sleeps, so a\n"
"                        program's next request does not wait for a CPU\n"
"                        to wake; 0 never polls (default: 50 with two\n"
"                        CPUs or more, else 0; at most 10000). With\n"
"                        sandbox=basic and split (split_channel=fuse),\n"
"                        not with -s\n"
"Any other option goes to the filesystem, which refuses what it does not\n"
"know.  Sizes take a k, M, G or T suffix (powers of 1024).\n"
"\n"
"Environment:\n"
"  RUMP_LOGLEVEL=0..4    kernel log level: errors, warnings (default),\n"
"                        info, debug, trace; -d sets 3\n"
"  GLIBC_TUNABLES        rumpfuse adds glibc.malloc.hugetlb=1 and a\n"
"                        64M glibc.malloc.top_pad, and executes itself\n"
"                        again, unless glibc.malloc.hugetlb is named\n"
"\n"
"Examples:\n"
"  rumpfuse -t tmpfs none /mnt/scratch\n"
"  rumpfuse -o ro disk.img /mnt/disk\n"
"  rumpfuse -f -o allow_other,entry_timeout=10 /dev/sdb1 /mnt/usb\n"
"  rumpfuse -o sandbox=split,memlimit=256M stick.img ~/stick\n"
"  rumpfuse --list disk.img; rumpfuse -o part=2 disk.img /mnt/disk\n"
"  fusermount3 -u /mnt/disk\n"
"\n"
"Exit status:\n"
"  0  unmounted and written back cleanly (or --help, --version)\n"
"  1  the mount failed, or changes could not be written back\n"
"  2  bad usage\n"
"  128+N  sandbox=basic: the server was killed by signal N (159: SIGSYS,\n"
"         a system call the sandbox forbids)\n");
}

static void
version(void)
{

	printf("rumpfuse %s (libfuse %s)\n", RUMPFUSE_VERSION,
	    fuse_pkgversion());
}

/*
 * Step 2: fork.  The parent never returns: it exits with the status the
 * child reports (0 once the mount is live), or 1 if the child dies first.
 */
static void
daemon_fork(void)
{
	int p[2], ws;
	unsigned char st = 1;
	ssize_t n;
	pid_t pid;

	if (pipe(p) == -1) {
		rf_log(LOG_ERR, "pipe: %s", strerror(errno));
		exit(1);
	}
	if ((pid = fork()) == -1) {
		rf_log(LOG_ERR, "fork: %s", strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		close(p[0]);
		rf_ready_fd = p[1];
		(void)setsid();
		return;
	}
	close(p[1]);
	do
		n = read(p[0], &st, 1);
	while (n == -1 && errno == EINTR);
	if (n != 1) {
		while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
			continue;
		st = 1;
	}
	_exit(st);
}

/* Step 4, last: detach from the terminal and release the parent. */
static void
daemon_ready(void)
{
	unsigned char st = 0;
	int fd;

	if (rf_ready_fd == -1)
		return;
	if (chdir("/") == -1)
		rf_log(LOG_WARNING, "chdir /: %s", strerror(errno));
	openlog("rumpfuse", LOG_PID, LOG_DAEMON);
	rf_syslog = true;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (write(rf_ready_fd, &st, 1) != 1)
		rf_log(LOG_WARNING, "cannot notify the parent process");
	close(rf_ready_fd);
	rf_ready_fd = -1;
}

/* PATH as /proc/self/mountinfo shows it: ' ' '\t' '\n' '\\' as \ooo. */
static char *
mountinfo_escape(const char *path)
{
	GString *s = g_string_new(NULL);

	for (; *path != '\0'; path++) {
		if (*path == ' ' || *path == '\t' || *path == '\n' ||
		    *path == '\\')
			g_string_append_printf(s, "\\%03o",
			    (unsigned)(unsigned char)*path);
		else
			g_string_append_c(s, *path);
	}
	return g_string_free(s, FALSE);
}

/*
 * Linux gives a FUSE mount 128 KiB of read-ahead; it keeps the smaller of
 * its bdi setting and what INIT asks for.  Raise the bdi setting before
 * INIT is answered (best effort; needs root).
 */
static void
raise_readahead(const char *mountpoint, unsigned bytes)
{
	char line[8192], path[128], *esc;
	unsigned maj = 0, min = 0, m1, m2;
	bool found = false;
	char mnt[4096];
	FILE *f;

	if (bytes <= 128 * 1024)
		return;
	if ((f = fopen("/proc/self/mountinfo", "r")) == NULL)
		return;
	esc = mountinfo_escape(mountpoint);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &m1, &m2,
		    mnt) != 3)
			continue;
		if (strcmp(mnt, esc) == 0) {
			maj = m1;
			min = m2;
			found = true;	/* the last one is ours */
		}
	}
	fclose(f);
	g_free(esc);
	if (!found)
		return;
	snprintf(path, sizeof(path), "/sys/class/bdi/%u:%u/read_ahead_kb",
	    maj, min);
	if ((f = fopen(path, "w")) == NULL) {
		rf_log(LOG_DEBUG, "%s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "%u\n", bytes / 1024);
	if (fclose(f) != 0)
		rf_log(LOG_DEBUG, "%s: %s", path, strerror(errno));
}

/* The -o options the kernel gets: ro/rw first, then the rest. */
static char *
kernel_options(const struct rf_opts *o)
{
	GString *s = g_string_new(NULL);

	if (o->ro)
		g_string_append(s, "ro");
	else if (o->rw_given)
		g_string_append(s, "rw");
	if (o->kern_o->len > 0) {
		if (s->len > 0)
			g_string_append_c(s, ',');
		g_string_append(s, o->kern_o->str);
	}
	return g_string_free(s, FALSE);
}

/*
 * Workers of the FUSE loop, at most.  By default one less than the
 * online CPUs, at least one, at most RF_DEF_MAX_THREADS: a FUSE caller
 * waits for its answer on a CPU of its own, and a second worker on a
 * two-CPU machine only takes requests from the first (Linux wakes the
 * waiting readers in turn), contending for its locks and the caller's
 * CPU.  Measured on two CPUs, one worker against ten: cp -a of 19,567
 * files 2.55 against 2.78 s, rm -r of them 0.57 against 0.81 s, and no
 * slower with four parallel readers (0.64 against 0.73 s).
 */
static unsigned
rf_nthreads(const struct rf_opts *o)
{
	long n;

	if (o->single)
		return 1;
	if (o->max_threads != 0)
		return o->max_threads;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n <= 2 ? 1 : n - 1 > (long)RF_DEF_MAX_THREADS ?
	    RF_DEF_MAX_THREADS : (unsigned)(n - 1);
}

/* memlimit=, or its default; RF_SANDBOX_MEMLIMIT_NONE for none. */
static uint64_t
rf_memlimit(const struct rf_opts *o)
{

	return o->memlimit != 0 ? o->memlimit : RF_SANDBOX_MEMLIMIT_DEFAULT;
}

/* busy_poll=, or its default: RF_BUSY_POLL_DEF with two CPUs or more. */
static unsigned
rf_busy_poll(const struct rf_opts *o)
{

	if (o->busy_poll >= 0)
		return (unsigned)o->busy_poll;
	return sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? RF_BUSY_POLL_DEF : 0;
}

/*
 * Step 5. => 0, or the loop's error (negative errno).  Our own loop
 * (split_fuse_loop.c: one reader at a time, busy_poll=) serves split
 * with split_channel=fuse and basic; libfuse's the others (-s, none:
 * a /dev/fuse clone per thread, split_channel=socket's front end).
 */
static int
run_loop(struct rf_opts *o, struct fuse_session *se,
    enum rf_sandbox_mode mode)
{
	struct fuse_loop_config *cfg;
	struct rf_sf_shared *sh;
	int res;

	if (rf_sf != NULL)
		return rf_sf_loop(se, rf_sf, rf_nthreads(o), rf_busy_poll(o));
	if (mode == RF_SANDBOX_BASIC && !o->single) {
		/* The published requests go to a page nobody watches. */
		if ((sh = calloc(1, sizeof(*sh))) == NULL)
			return -ENOMEM;
		res = rf_sf_loop(se, sh, rf_nthreads(o), rf_busy_poll(o));
		free(sh);
		return res;
	}
	if (o->busy_poll > 0)
		rf_log(LOG_WARNING, "busy_poll=%d: only with sandbox=basic or "
		    "split (split_channel=fuse) and without -s; not polling",
		    o->busy_poll);
	if (o->single)
		return fuse_session_loop(se);
	if ((cfg = fuse_loop_cfg_create()) == NULL)
		return -ENOMEM;
	/* A sandboxed server cannot open /dev/fuse again. */
	fuse_loop_cfg_set_clone_fd(cfg, o->clone_fd &&
	    mode != RF_SANDBOX_BASIC ? 1 : 0);
	fuse_loop_cfg_set_max_threads(cfg, rf_nthreads(o));
	/*
	 * Always set: libfuse 3.14 takes its default (-1, "never destroy
	 * idle threads") as a limit of -1 and ends every worker after each
	 * request, paying a thread, a /dev/fuse clone and a pipe each time.
	 */
	fuse_loop_cfg_set_idle_threads(cfg, o->max_idle_threads !=
	    UINT32_MAX ? o->max_idle_threads : rf_nthreads(o));
	res = fuse_session_loop_mt(se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return res;
}

/* Descriptors open now, into FDS (at most MAX).  => count. */
static unsigned
open_fds(int *fds, unsigned max)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *dir;
	int fd;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL && n < max) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = atoi(de->d_name);
		if (fd != dirfd(dir))
			fds[n++] = fd;
	}
	closedir(dir);
	return n;
}

static bool
fd_inherited(int fd)
{
	unsigned i;

	for (i = 0; i < rf_ninherited; i++)
		if (rf_inherited[i] == fd)
			return true;
	return false;
}

/*
 * Enter the sandbox: keep KEEP (the socket and the kernel's
 * descriptors) or, if NULL, every descriptor opened since the start
 * (image, /dev/fuse, pipes, syslog), dropping what was inherited.
 */
static int
sandbox_enter(const struct rf_opts *o, bool kernel_side, bool fuse_side,
    const int *keep, unsigned nkeep, char *err, size_t errlen)
{
	struct rf_sandbox_conf sc;
	int fds[256], nfds[256];
	unsigned i, n = 0;

	if (keep == NULL) {
		nkeep = open_fds(fds, 256);
		for (i = 0; i < nkeep; i++)
			if (fds[i] <= 2 || !fd_inherited(fds[i]))
				nfds[n++] = fds[i];
		keep = nfds;
		nkeep = n;
	}
	memset(&sc, 0, sizeof(sc));
	sc.user = o->user;
	sc.keep_fds = keep;
	sc.nkeep = (int)nkeep;
	sc.memlimit = rf_memlimit(o);
	sc.kernel_side = kernel_side;
	sc.fuse_side = fuse_side;
	return rf_sandbox_enter(&sc, err, errlen);
}

/* rf_split_conf.enter: in the split child, kernel side only. */
static int
split_enter(void *arg, const int *keep, unsigned nkeep, char *err,
    size_t errlen)
{

	return sandbox_enter(arg, true, false, keep, nkeep, err, errlen);
}

/*
 * Step 3: the kernel and its mount, in this process or in the split
 * child.  => 0 with b->b_mp, b->b_rdonly and *ROOTVPP set, or 1.
 */
static int
kernel_up(struct rf_opts *o, enum rf_sandbox_mode mode, struct rf_bridge *b,
    struct vnode **rootvpp)
{
	struct vfs_config cfg;
	struct rf_split_conf sc;
	struct rf_split_info info;
	char errbuf[512], *kopts;
	bool locked, nocase;	/* vfs_mount_locked, vfs_mount_nocase */
	int error;

	errbuf[0] = '\0';
	kopts = kernel_options(o);
	rf_log(LOG_DEBUG, "vfs_mount(%s, %s, \"%s\")%s", o->fstype, o->source,
	    kopts, mode == RF_SANDBOX_SPLIT ? " in the split child" : "");
	if (mode == RF_SANDBOX_SPLIT) {
		memset(&sc, 0, sizeof(sc));
		sc.fstype = o->fstype;
		sc.source = o->source;
		sc.kopts = kopts;
		sc.bufcache_bytes = o->bufcache_bytes;
		sc.lrumax = o->lrumax;
		sc.mount_uid = (uint32_t)getuid();
		sc.mount_gid = (uint32_t)getgid();
		/* The front end's threads mostly wait on the child. */
		sc.nworkers = (o->single ? 1 : o->max_threads != 0 ?
		    o->max_threads : RF_DEF_MAX_THREADS) + 2;
		sc.timeout = o->split_timeout;
		sc.detach = rf_ready_fd != -1;
		sc.enter = split_enter;
		sc.enter_arg = o;
		error = rf_split_start(&sc, &info, errbuf, sizeof(errbuf));
		g_free(kopts);
		if (error != 0) {
			rf_log(LOG_ERR, "cannot mount %s: %s", o->source,
			    errbuf);
			return 1;
		}
		rf_k = &rf_kops_split;
		b->b_mp = info.mp;
		b->b_rdonly = info.rdonly;
		locked = info.locked;
		nocase = info.nocase;
		*rootvpp = info.root;
		rf_log(LOG_DEBUG, "sandboxed kernel: process %ld",
		    (long)info.pid);
		goto out_ok;
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.bufcache_bytes = o->bufcache_bytes;
	cfg.vnode_lru_max = o->lrumax;
	if (rf_sf != NULL && rf_sandbox_have_seccomp())
		cfg.mem_limit = rf_sf_kernel_budget(rf_memlimit(o),
		    rf_nthreads(o));
	if ((error = vfs_init(&cfg)) != 0) {
		rf_log(LOG_ERR, "cannot start the kernel: %s",
		    strerror(error));
		g_free(kopts);
		return 1;
	}
	/*
	 * Mount as the user running the daemon, as Linux does: filesystems
	 * without owners (FAT) default to the mounting user's ids.
	 */
	vfs_pub_setcred((uint32_t)getuid(), (uint32_t)getgid(), 0, NULL);
	error = vfs_mount(o->fstype, o->source, "/", kopts, &b->b_mp, errbuf,
	    sizeof(errbuf));
	vfs_pub_setcred_root();
	g_free(kopts);
	if (error != 0) {
		rf_log(LOG_ERR, "cannot mount %s: %s", o->source,
		    errbuf[0] != '\0' ? errbuf : strerror(error));
		goto out_shutdown;
	}
	b->b_rdonly = vfs_mount_rdonly(b->b_mp);
	locked = vfs_mount_locked(b->b_mp);
	nocase = vfs_mount_nocase(b->b_mp);
	if ((error = vfs_pub_root(b->b_mp, rootvpp)) != 0) {
		rf_log(LOG_ERR, "cannot mount %s: root directory: %s",
		    o->source, strerror(error));
		(void)vfs_unmount(b->b_mp, VFS_UMOUNT_FORCE);
		goto out_shutdown;
	}
out_ok:
	if (b->b_rdonly && !o->ro)
		rf_log(LOG_WARNING, "%s: mounted read-only", o->source);
	/* Only this mount changes what it shows? */
	rf_opts_cache_defaults(o, locked && (!nocase || b->b_rdonly));
	rf_log(LOG_DEBUG, "cache timeouts: entry %gs, attr %gs, negative %gs",
	    o->entry_timeout, o->attr_timeout, o->negative_timeout);
	return 0;

out_shutdown:
	vfs_shutdown();
	return 1;
}

/* Step 6, last: unmount the kernel's filesystem.  => 0, or 1. */
static int
kernel_down(struct rf_opts *o, enum rf_sandbox_mode mode,
    struct rf_bridge *b)
{
	int error;

	if (mode == RF_SANDBOX_SPLIT) {
		if (rf_split_unmount() != 0) {
			rf_log(LOG_ERR, "%s: the sandboxed kernel failed or "
			    "died, changes may be lost", o->source);
			return 1;
		}
		return 0;
	}
	if ((error = vfs_unmount(b->b_mp, 0)) == EBUSY) {
		rf_log(LOG_WARNING, "%s: files still busy at unmount; "
		    "forcing", o->source);
		error = vfs_unmount(b->b_mp, VFS_UMOUNT_FORCE);
	}
	vfs_shutdown();
	if (error != 0) {
		rf_log(LOG_ERR, "%s: unmount failed, changes may be lost: %s",
		    o->source, strerror(error));
		return 1;
	}
	return 0;
}

/*
 * Basic and split_channel=fuse: tell the supervisor that the FUSE mount
 * exists, and hand it the connection's descriptor: split keeps the
 * connection open with it, both see from it at the end whether the
 * mount is already gone.
 */
static void
tell_supervisor(struct fuse_session *se)
{

	if (rf_mounted_fd == -1)
		return;
	if (rf_sf_send(rf_mounted_fd, fuse_session_fd(se)) != 0)
		rf_log(LOG_WARNING, "cannot notify the supervisor: %s",
		    strerror(errno));
	close(rf_mounted_fd);
	rf_mounted_fd = -1;
}

/*
 * Split, in the server: SIGKILL when the supervisor dies, so that no
 * orphan goes on answering; exit now if it already has.  Linux clears
 * this when the sandbox changes the credentials: asked again after it
 * (the filter allows prctl PR_SET_PDEATHSIG and getppid).
 */
static void
die_with_parent(void)
{

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		rf_log(LOG_WARNING, "PR_SET_PDEATHSIG: %s", strerror(errno));
	if (getppid() != rf_supervisor_pid)
		_exit(1);
}

/* Steps 3 to 6.  => the exit status. */
static int
run(struct rf_opts *o, const char *argv0, enum rf_sandbox_mode mode)
{
	struct rf_bridge b;
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se = NULL;
	struct vnode *rootvp;
	char errbuf[512];
	int res, status = 1;

	memset(&b, 0, sizeof(b));
	b.b_opts = o;
	if (kernel_up(o, mode, &b, &rootvp) != 0)
		return 1;
	rf_nodes_init(&b, rootvp);

	if (rf_opts_fuse_args(o, argv0, b.b_rdonly, &args) != 0) {
		rf_log(LOG_ERR, "out of memory");
		goto out_nodes;
	}
	se = fuse_session_new(&args, &rf_ll_ops, sizeof(rf_ll_ops), &b);
	if (se == NULL) {
		rf_log(LOG_ERR, "cannot mount %s: bad FUSE options",
		    o->source);
		goto out_nodes;
	}
	b.b_se = se;
	if (fuse_set_signal_handlers(se) != 0) {
		rf_log(LOG_ERR, "cannot set signal handlers");
		goto out_session;
	}
	if (fuse_session_mount(se, o->mountpoint) != 0) {
		rf_log(LOG_ERR, "cannot mount %s on %s", o->source,
		    o->mountpoint);
		goto out_signals;
	}
	raise_readahead(o->mountpoint, o->max_readahead);
	rf_cpulat_start(o->cpu_latency);
	if (mode == RF_SANDBOX_BASIC) {
		tell_supervisor(se);
		daemon_ready();
		if (sandbox_enter(o, true, true, NULL, 0, errbuf,
		    sizeof(errbuf)) != 0) {
			rf_log(LOG_ERR, "cannot enter the sandbox: %s",
			    errbuf);
			rf_cpulat_stop();
			goto out_unmount;
		}
		if (rf_sf != NULL)
			die_with_parent();
		/* The supervisor, the main process, says READY=1. */
	} else {
		daemon_ready();
		rf_notify_ready(o->source, o->mountpoint);
	}

	res = run_loop(o, se, mode);
	rf_cpulat_stop();
	status = 0;
	if (res < 0) {
		rf_log(LOG_ERR, "FUSE session: %s", strerror(-res));
		status = 1;
	}
out_unmount:
	rf_notify_stopping();
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_nodes:
	fuse_opt_free_args(&args);
	rf_nodes_fini(&b);
	if (kernel_down(o, mode, &b) != 0)
		status = 1;
	return status;
}

/*
 * Basic mode, and split with split_channel=fuse (SPLIT): fork the
 * server, which runs run(); here, the supervisor, wait until it has
 * mounted (forwarding signals meanwhile) and, for split, take the FUSE
 * descriptor it sends; report readiness, then let
 * rf_sandbox_supervise() forward signals, watch, wait, and unmount.
 * => the exit status.
 */
static int
run_supervised(struct rf_opts *o, const char *argv0, bool split)
{
	struct rf_sf_guard guard = { .fuse_fd = -1 };
	struct timespec now, mount_by = { 0, 0 };
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	sigset_t set, old;
	struct timespec zero = { 0, 0 };
	struct pollfd pfd;
	bool mounted = false;
	int p[2], gp[2], status, ws, sig, fd;
	unsigned i;
	ssize_t n;
	pid_t pid;

	sigemptyset(&set);
	for (i = 0; i < 3; i++)
		sigaddset(&set, sigs[i]);
	if (split) {
		if ((guard.sh = rf_sf_map()) == NULL) {
			rf_log(LOG_ERR, "mmap: %s", strerror(errno));
			return 1;
		}
		guard.timeout = o->split_timeout != 0 ? o->split_timeout :
		    RF_SF_TIMEOUT_DEFAULT;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) == -1) {
		rf_log(LOG_ERR, "socketpair: %s", strerror(errno));
		return 1;
	}
	/* The server asks us for callers' groups (it cannot read /proc). */
	if ((status = rf_sandbox_groups_channel(gp)) != 0) {
		rf_log(LOG_ERR, "socketpair: %s", strerror(status));
		close(p[0]);
		close(p[1]);
		return 1;
	}
	(void)sigprocmask(SIG_BLOCK, &set, &old);
	fflush(NULL);
	rf_supervisor_pid = getpid();
	if ((pid = fork()) == -1) {
		rf_log(LOG_ERR, "fork: %s", strerror(errno));
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		close(p[0]);
		close(p[1]);
		close(gp[0]);
		close(gp[1]);
		return 1;
	}
	if (pid == 0) {
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		close(p[0]);
		close(gp[1]);
		rf_sandbox_groups_attach(gp[0]);
		rf_mounted_fd = p[1];
		if (split) {
			rf_sf = guard.sh;
			die_with_parent();
			/*
			 * Few malloc arenas: the memory limit counts each
			 * arena's reservations, and memory freed in one is
			 * no use to a thread of another.
			 */
			(void)mallopt(M_ARENA_MAX, 2);
		}
		return run(o, argv0, RF_SANDBOX_BASIC);
	}
	close(p[1]);
	close(gp[0]);
	rf_sandbox_groups_serve(gp[1]);	/* closed by rf_sandbox_supervise */
	if (rf_ready_fd != -1) {	/* the server answers the waiter */
		close(rf_ready_fd);
		rf_ready_fd = -1;
	}

	/*
	 * Until the FUSE mount exists (a byte) or the server gave up (EOF).
	 * Split: a server that has not mounted within the end time limit
	 * (a hostile image, say) is killed.
	 */
	(void)clock_gettime(CLOCK_MONOTONIC, &mount_by);
	mount_by.tv_sec += (time_t)(guard.timeout * RF_SF_END_FACTOR);
	for (;;) {
		(void)clock_gettime(CLOCK_MONOTONIC, &now);
		if (split && !guard.killed && now.tv_sec > mount_by.tv_sec) {
			rf_log(LOG_ERR, "the sandboxed server has not mounted "
			    "%s within %.0f s; killed", o->source,
			    guard.timeout * RF_SF_END_FACTOR);
			(void)kill(pid, SIGKILL);
			guard.killed = true;
		}
		pfd.fd = p[0];
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 100) > 0) {
			n = rf_sf_recv(p[0], &fd);
			if (n == 1) {
				mounted = true;
				guard.fuse_fd = fd;
			}
			if (n != -1 || errno != EINTR)
				break;
		}
		while ((sig = sigtimedwait(&set, NULL, &zero)) > 0)
			(void)kill(pid, sig);
	}
	close(p[0]);
	if (!mounted) {
		close(gp[1]);
		while (waitpid(pid, &ws, 0) == -1 && errno == EINTR)
			continue;
		return WIFEXITED(ws) ? WEXITSTATUS(ws) : 1;
	}
	rf_notify_ready(o->source, o->mountpoint);
	if (!o->foreground) {
		if (chdir("/") == -1)
			rf_log(LOG_WARNING, "chdir /: %s", strerror(errno));
		openlog("rumpfuse", LOG_PID, LOG_DAEMON);
		rf_syslog = true;
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			(void)dup2(fd, 0);
			(void)dup2(fd, 1);
			(void)dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	/* Signals still blocked: rf_sandbox_supervise takes them. */
	if (split && guard.fuse_fd == -1)
		rf_log(LOG_WARNING, "the server sent no FUSE descriptor: a "
		    "crash will cost the mount, not only EIO");
	/* Basic: the descriptor only, closed as soon as the server ends. */
	status = rf_sandbox_supervise(pid, o->mountpoint, &guard);
	rf_notify_stopping();
	for (i = 0; i < 3; i++)
		(void)signal(sigs[i], SIG_IGN);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct rf_opts o;
	struct stat st;
	enum rf_sandbox_mode mode;
	char err[512];
	int c, status;

	/* rumpfuse --probe / --list SOURCE: inspect, do not mount. */
	if (argc >= 2 && (strcmp(argv[1], "--probe") == 0 ||
	    strcmp(argv[1], "--list") == 0))
		return rf_probe_main(argc, argv);
	/* What we were given: a sandbox closes these (sandbox_enter). */
	rf_ninherited = open_fds(rf_inherited, RF_MAXINHERIT);
	rf_opts_init(&o);
	rf_opts_cleanup = &o;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:o:fdshV", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 't':
			if (*optarg == '\0')
				usage_error("-t needs a filesystem type");
			o.fstype = optarg;
			break;
		case 'o':
			if (rf_opts_parse(&o, optarg, err, sizeof(err)) != 0)
				usage_error("%s", err);
			break;
		case 'f':
			o.foreground = true;
			break;
		case 'd':
			o.debug = true;
			o.foreground = true;
			break;
		case 's':
			o.single = true;
			break;
		case 'h':
			help();
			rf_opts_fini(&o);
			return 0;
		case 'V':
			version();
			rf_opts_fini(&o);
			return 0;
		case ':':
			usage_error("option '%s' needs an argument",
			    argv[optind - 1]);
			break;
		default:
			if (optopt != 0)
				usage_error("unknown option '-%c'", optopt);
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		usage_error("%s", argc - optind == 0 ?
		    "missing SOURCE and MOUNTPOINT" : "missing MOUNTPOINT");
	if (argc - optind > 2)
		usage_error("unexpected argument '%s'", argv[optind + 2]);
	rf_opts_cleanup = NULL;
	o.source = argv[optind];
	/* A filesystem root is a directory: Linux would refuse it later. */
	if ((o.mountpoint = realpath(argv[optind + 1], NULL)) == NULL ||
	    stat(o.mountpoint, &st) == -1)
		c = errno;
	else
		c = S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (c != 0) {
		rf_log(LOG_ERR, "cannot mount %s on %s: %s", o.source,
		    argv[optind + 1], strerror(c));
		rf_opts_fini(&o);
		return 1;
	}

	rf_debug = o.debug;
	if (o.debug)
		(void)setenv("RUMP_LOGLEVEL", "3", 0);
	mode = rf_sandbox_resolve((enum rf_sandbox_mode)o.sandbox, true);
	/* Nothing done yet that an exec would undo or repeat. */
	rf_malloc_tune(argv, mode == RF_SANDBOX_NONE ? 0 : rf_memlimit(&o));
	rf_log(LOG_DEBUG, "sandbox: %s", rf_sandbox_mode_name(mode));
	if (!o.foreground)
		daemon_fork();
	if (mode == RF_SANDBOX_BASIC || (mode == RF_SANDBOX_SPLIT &&
	    o.split_channel == RF_SPLIT_FUSE))
		status = run_supervised(&o, argv[0], mode == RF_SANDBOX_SPLIT);
	else
		status = run(&o, argv[0], mode);
	rf_opts_fini(&o);
	if (rf_syslog)
		closelog();
	return status;
}
