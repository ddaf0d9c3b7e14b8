/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * hyp_clock.c -- clocks and sleeping: hyp_clock_gettime() and
 * hyp_clock_sleep() on clock_gettime(2) and clock_nanosleep(2).
 */
#include <errno.h>
#include <time.h>

#include "hyp_impl.h"

#define NSEC_PER_SEC	1000000000L

static int
clock_id(int clk, clockid_t *idp)
{

	switch (clk) {
	case HYP_CLOCK_REALTIME:
		*idp = CLOCK_REALTIME;
		return 0;
	case HYP_CLOCK_MONOTONIC:
		*idp = CLOCK_MONOTONIC;
		return 0;
	default:
		return EINVAL;
	}
}

/*
 * Read clock CLK (HYP_CLOCK_REALTIME or HYP_CLOCK_MONOTONIC).
 * => 0 with *sec and *nsec (0..999999999) set; EINVAL for another CLK.
 */
int
hyp_clock_gettime(int clk, int64_t *sec, long *nsec)
{
	struct timespec ts;
	clockid_t id;
	int error;

	if ((error = clock_id(clk, &id)) != 0)
		return error;
	if (clock_gettime(id, &ts) == -1)
		return errno;
	*sec = (int64_t)ts.tv_sec;
	*nsec = ts.tv_nsec;
	return 0;
}

/*
 * Sleep for SEC seconds and NSEC nanoseconds, measured on the monotonic
 * clock, however many signals interrupt it.
 * => 0, or EINVAL for a negative time or NSEC out of 0..999999999.
 * May block.
 */
int
hyp_clock_sleep(int64_t sec, long nsec)
{
	struct timespec deadline;
	int error;

	if (sec < 0 || nsec < 0 || nsec >= NSEC_PER_SEC)
		return EINVAL;
	if (clock_gettime(CLOCK_MONOTONIC, &deadline) == -1)
		return errno;
	if (sec > (int64_t)INT32_MAX * 64)	/* ~4000 years: forever */
		sec = (int64_t)INT32_MAX * 64;
	deadline.tv_sec += (time_t)sec;
	deadline.tv_nsec += nsec;
	if (deadline.tv_nsec >= NSEC_PER_SEC) {
		deadline.tv_nsec -= NSEC_PER_SEC;
		deadline.tv_sec++;
	}
	do {
		error = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
		    &deadline, NULL);
	} while (error == EINTR);
	return error;
}
