/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_log.c -- logging and panic: hyp_log(), hyp_vlog(), hyp_loglevel(),
 * hyp_setloglevel(), hyp_vsnprintf(), hyp_panic(), and hyp_log_init()
 * for hyp_init().
 *
 * A message is printed to stderr as "[level] message\n" with a single
 * write(2), so lines from concurrent threads never interleave.  The
 * threshold is RUMP_LOGLEVEL (0..4), read once on first use, or the
 * value last given to hyp_setloglevel(); the default is HYP_LOG_WARN.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hyp_impl.h"

#define LOG_LINE_MAX	1024	/* on-stack line; longer ones use malloc */

static _Atomic int	log_level = HYP_LOG_WARN;
static pthread_once_t	log_once = PTHREAD_ONCE_INIT;

static const char *const log_names[] = {
	[HYP_LOG_ERR] = "error",
	[HYP_LOG_WARN] = "warn",
	[HYP_LOG_INFO] = "info",
	[HYP_LOG_DEBUG] = "debug",
	[HYP_LOG_TRACE] = "trace",
};

static int
log_clamp(int level)
{

	if (level < HYP_LOG_ERR)
		return HYP_LOG_ERR;
	if (level > HYP_LOG_TRACE)
		return HYP_LOG_TRACE;
	return level;
}

/* Write all of BUF to stderr, retrying on EINTR and short writes. */
static void
log_write(const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(STDERR_FILENO, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void
log_once_init(void)
{
	const char *s;
	char *end;
	long v;

	if ((s = getenv("RUMP_LOGLEVEL")) == NULL || *s == '\0')
		return;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < HYP_LOG_ERR ||
	    v > HYP_LOG_TRACE) {
		/* hyp_log() would recurse into this once; write directly. */
		static const char msg[] =
		    "[warn] ignoring bad RUMP_LOGLEVEL (want 0..4)\n";
		log_write(msg, sizeof(msg) - 1);
		return;
	}
	atomic_store(&log_level, (int)v);
}

void
hyp_log_init(void)
{

	(void)pthread_once(&log_once, log_once_init);
}

int
hyp_loglevel(void)
{

	hyp_log_init();
	return atomic_load_explicit(&log_level, memory_order_relaxed);
}

/* Set the threshold (clamped to 0..4); overrides RUMP_LOGLEVEL. */
void
hyp_setloglevel(int level)
{

	hyp_log_init();
	atomic_store(&log_level, log_clamp(level));
}

int
hyp_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{

	return vsnprintf(buf, len, fmt, ap);
}

/*
 * Print "[level] message\n" to stderr in one write if LEVEL passes the
 * threshold.  A trailing newline in the message is not doubled.  The
 * host errno is preserved.
 */
void
hyp_vlog(int level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX], *buf, *big;
	size_t plen, mlen, cap;
	va_list ap2;
	int n, saved_errno;

	level = log_clamp(level);
	if (level > hyp_loglevel())
		return;
	saved_errno = errno;

	buf = line;
	big = NULL;
	cap = sizeof(line);
	n = snprintf(buf, cap, "[%s] ", log_names[level]);
	plen = n > 0 ? (size_t)n : 0;
	va_copy(ap2, ap);
	n = vsnprintf(buf + plen, cap - plen, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		n = 0;
	mlen = (size_t)n;
	if (plen + mlen + 2 > cap) {
		/* Too long for the stack: format again into the heap. */
		cap = plen + mlen + 2;
		if ((big = malloc(cap)) != NULL) {
			memcpy(big, line, plen);
			va_copy(ap2, ap);
			(void)vsnprintf(big + plen, cap - plen, fmt, ap2);
			va_end(ap2);
			buf = big;
		} else {
			/* Truncate to what fits on the stack. */
			cap = sizeof(line);
			mlen = cap - plen - 2;
		}
	}
	while (mlen > 0 && buf[plen + mlen - 1] == '\n')
		mlen--;
	buf[plen + mlen] = '\n';
	log_write(buf, plen + mlen + 1);
	free(big);
	errno = saved_errno;
}

void
hyp_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hyp_vlog(level, fmt, ap);
	va_end(ap);
}

/* Print "panic: message" to stderr, whatever the level, and abort. */
void
hyp_panic(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	size_t len;
	int n;

	memcpy(line, "panic: ", 7);
	va_start(ap, fmt);
	n = vsnprintf(line + 7, sizeof(line) - 8, fmt, ap);
	va_end(ap);
	len = 7 + (n < 0 ? 0 :
	    (size_t)n > sizeof(line) - 9 ? sizeof(line) - 9 : (size_t)n);
	while (len > 7 && line[len - 1] == '\n')
		len--;
	line[len++] = '\n';
	log_write(line, len);
	abort();
}
