/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_init.c -- initialisation and host parameters: hyp_init(),
 * hyp_getparam(), hyp_getrandom().
 *
 * hyp_init() is idempotent: the first call reads RUMP_LOGLEVEL
 * (hyp_log.c) and the RUMP_FAULT_* settings (hyp_fault.c); later calls
 * do nothing.  Every other hypercall also works before hyp_init(), with
 * the default log level and no fault injection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "hyp_impl.h"

static pthread_once_t	init_once = PTHREAD_ONCE_INIT;

static void
init_once_fn(void)
{

	hyp_log_init();
	hyp_fault_reload();
}

int
hyp_init(void)
{

	(void)pthread_once(&init_once, init_once_fn);
	return 0;
}

/*
 * Copy parameter NAME into BUF.  "NCPU" is the number of online CPUs
 * (at least 1); any other name is looked up in the environment.
 * => 0, ENOENT when unset, ENAMETOOLONG when BUF (BUFLEN bytes) cannot
 *    hold the value and its NUL, EINVAL for a NULL or empty NAME.
 */
int
hyp_getparam(const char *name, char *buf, size_t buflen)
{
	char ncpu[32];
	const char *val;
	size_t len;
	long n;

	if (name == NULL || *name == '\0')
		return EINVAL;
	if (strcmp(name, "NCPU") == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		if (n < 1)
			n = 1;
		(void)snprintf(ncpu, sizeof(ncpu), "%ld", n);
		val = ncpu;
	} else if ((val = getenv(name)) == NULL)
		return ENOENT;
	len = strlen(val);
	if (buf == NULL || len >= buflen)
		return ENAMETOOLONG;
	memcpy(buf, val, len + 1);
	return 0;
}

/*
 * Fill BUF with LEN bytes from getrandom(2), retrying interrupted and
 * partial reads.  => 0 or the host's errno value.
 */
int
hyp_getrandom(void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
