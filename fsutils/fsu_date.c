/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fsu_date.c -- the dates touch(1) takes: -d in the forms scripts use
 * ("YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.frac]]" with ' ' or 'T', an
 * optional zone "Z", "UTC", "+HHMM", "+HH:MM", "-HH"; "@SECONDS[.frac]";
 * "now"), and -t [[CC]YY]MMDDhhmm[.ss].  Times without a zone are local
 * (TZ).  GNU's full free-form date grammar is not implemented.
 *
 * Exports (fsu.h): fsu_parse_date, fsu_parse_stamp.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsu.h"

/* N decimal digits at *PP into *VP; advances. */
static bool
digits(const char **pp, int n, int *vp)
{
	const char *p = *pp;
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!g_ascii_isdigit(p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	*vp = v;
	return true;
}

/* ".frac" at *PP into nanoseconds; advances. */
static long
fraction(const char **pp)
{
	const char *p = *pp;
	long ns = 0;
	int n = 0;

	if (*p != '.' && *p != ',')
		return 0;
	for (p++; g_ascii_isdigit(*p); p++, n++)
		if (n < 9)
			ns = ns * 10 + (*p - '0');
	for (; n < 9; n++)
		ns *= 10;
	*pp = p;
	return ns;
}

/* Broken-down TM as local time, or as UTC shifted by OFFSET seconds. */
static bool
to_epoch(struct tm *tm, bool zoned, long offset, int64_t *secp)
{
	time_t t;
	struct tm check;

	if (tm->tm_mon < 0 || tm->tm_mon > 11 || tm->tm_mday < 1 ||
	    tm->tm_mday > 31 || tm->tm_hour > 23 || tm->tm_min > 59 ||
	    tm->tm_sec > 60)
		return false;
	check = *tm;
	if (zoned) {
		t = timegm(tm);
		*secp = (int64_t)t - offset;
	} else {
		tm->tm_isdst = -1;
		t = mktime(tm);
		if (t == (time_t)-1 && (tm->tm_year != 69 ||
		    tm->tm_mon != 11 || tm->tm_mday != 31))
			return false;
		*secp = (int64_t)t;
	}
	/* mktime normalises Feb 30 into March: refuse such dates. */
	return tm->tm_mday == check.tm_mday && tm->tm_mon == check.tm_mon;
}

bool
fsu_parse_date(const char *s, struct vfs_timespec *ts)
{
	struct tm tm;
	const char *p = s;
	bool zoned = false;
	long offset = 0;
	int y, mo, d, h = 0, mi = 0, se = 0, oh, om = 0;
	long ns = 0;
	char *end;
	gint64 now;

	while (g_ascii_isspace(*p))
		p++;
	if (strcmp(p, "now") == 0) {
		now = g_get_real_time();
		ts->tv_sec = now / G_USEC_PER_SEC;
		ts->tv_nsec = (long)(now % G_USEC_PER_SEC) * 1000;
		return true;
	}
	if (*p == '@') {
		ts->tv_sec = strtoll(p + 1, &end, 10);
		if (end == p + 1)
			return false;
		p = end;
		ts->tv_nsec = fraction(&p);
		return *p == '\0';
	}
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return false;
	if (*p == ' ' || *p == 'T') {
		const char *q = p + 1;

		if (digits(&q, 2, &h) && *q == ':' && (q++, digits(&q, 2,
		    &mi))) {
			p = q;
			if (*p == ':') {
				p++;
				if (!digits(&p, 2, &se))
					return false;
				ns = fraction(&p);
			}
		}
	}
	while (*p == ' ')
		p++;
	if (*p == 'Z' || strcmp(p, "UTC") == 0 || strcmp(p, "GMT") == 0) {
		zoned = true;
		p += *p == 'Z' ? 1 : 3;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;

		if (!digits(&p, 2, &oh))
			return false;
		if (*p == ':')
			p++;
		if (g_ascii_isdigit(*p) && !digits(&p, 2, &om))
			return false;
		zoned = true;
		offset = sign * (oh * 3600L + om * 60L);
	}
	if (*p != '\0')
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	if (!to_epoch(&tm, zoned, offset, &ts->tv_sec))
		return false;
	ts->tv_nsec = ns;
	return true;
}

bool
fsu_parse_stamp(const char *s, struct vfs_timespec *ts)
{
	struct tm tm, nowtm;
	const char *p = s, *dot = strchr(s, '.');
	size_t len = dot != NULL ? (size_t)(dot - s) : strlen(s);
	int cc = -1, yy = -1, mo, d, h, mi, se = 0;
	time_t now = time(NULL);

	if (len != 8 && len != 10 && len != 12)
		return false;
	if (len == 12 && !digits(&p, 2, &cc))
		return false;
	if (len >= 10 && !digits(&p, 2, &yy))
		return false;
	if (!digits(&p, 2, &mo) || !digits(&p, 2, &d) ||
	    !digits(&p, 2, &h) || !digits(&p, 2, &mi))
		return false;
	if (dot != NULL) {
		p = dot + 1;
		if (!digits(&p, 2, &se) || *p != '\0')
			return false;
	}
	memset(&tm, 0, sizeof(tm));
	if (yy < 0) {
		localtime_r(&now, &nowtm);
		tm.tm_year = nowtm.tm_year;
	} else if (cc < 0)
		tm.tm_year = yy < 69 ? yy + 100 : yy;
	else
		tm.tm_year = cc * 100 + yy - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	ts->tv_nsec = 0;
	return to_epoch(&tm, false, 0, &ts->tv_sec);
}
