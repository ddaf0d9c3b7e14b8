/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * malloc_tune.c -- glibc's malloc, tuned for how the daemon's memory
 * grows: by tens of megabytes at once.  A cold walk of a tree costs
 * about 2 KB of vnode, node and buffer per file, in fresh memory, and
 * every fresh 4 KiB page is a page fault; under a paravirtualised MMU
 * (the benchmark's Firecracker VM) each fault is a trip to the
 * hypervisor, and growing a thread's arena 128 KiB at a time is one
 * more system call each time.  So the heap grows RF_TOP_PAD_MAX at a
 * time (glibc.malloc.top_pad) and in transparent huge pages where the
 * system gives them on request (glibc.malloc.hugetlb=1: madvise;
 * /sys/kernel/mm/transparent_hugepage/enabled "madvise" or "always").
 * Measured there: `find` over 20,000 cold files 0.55 -> 0.32 s, 3,000
 * creates 0.50 -> 0.38 s.
 *
 * glibc reads tunables once, from GLIBC_TUNABLES at startup, and has no
 * call to set these two later (mallopt has M_TOP_PAD but no huge
 * pages).  So rumpfuse adds them to its environment and executes
 * itself again (its file, by the name /proc/self/exe links to), once,
 * before it has done anything else: the marker is
 * glibc.malloc.hugetlb in GLIBC_TUNABLES, so a user who sets that
 * tunable (to 0, say) keeps the choice and no second exec happens.  If
 * the exec fails the daemon goes on untuned.
 *
 * Under a memory limit (the sandbox's memlimit=, RLIMIT_DATA) the step
 * is a sixteenth of the limit, at least 2 MiB (one huge page), so a
 * small limit is not spent on reservations.
 *
 * Exports: rf_malloc_tune.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "bridge.h"

#define RF_TOP_PAD_MAX	(64 * RF_MIB)
#define RF_TOP_PAD_MIN	(2 * RF_MIB)
#define RF_TUNABLES	"GLIBC_TUNABLES"

void
rf_malloc_tune(char **argv, uint64_t memlimit)
{
	const char *env = getenv(RF_TUNABLES);
	uint64_t pad = RF_TOP_PAD_MAX;
	char *old = NULL, *val, self[PATH_MAX];
	ssize_t n;

	if (env != NULL && strstr(env, "glibc.malloc.hugetlb=") != NULL)
		return;			/* done, or the user's choice */
	if (env != NULL && (old = strdup(env)) == NULL)
		return;
	if (memlimit != 0 && memlimit / 16 < pad)
		pad = memlimit / 16 < RF_TOP_PAD_MIN ? RF_TOP_PAD_MIN :
		    memlimit / 16;
	if (asprintf(&val, "%s%sglibc.malloc.hugetlb=1:"
	    "glibc.malloc.top_pad=%llu", old != NULL ? old : "",
	    old != NULL && *old != '\0' ? ":" : "",
	    (unsigned long long)pad) == -1) {
		free(old);
		return;
	}
	/* Our file by name: Linux names the process after it (pgrep). */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0 && (size_t)n < sizeof(self) - 1 &&
	    setenv(RF_TUNABLES, val, 1) == 0) {
		self[n] = '\0';
		(void)execv(self, argv);
		rf_log(LOG_DEBUG, "cannot execute %s to tune malloc: %s",
		    self, strerror(errno));
		if (old != NULL)
			(void)setenv(RF_TUNABLES, old, 1);
		else
			(void)unsetenv(RF_TUNABLES);
	}
	free(val);
	free(old);
}
