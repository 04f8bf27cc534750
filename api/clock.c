/*
 * clock.c — RFC 3339 time stamps and the monotonic clock (see clock.h).
 */
#include "api/clock.h"

#include <errno.h>
#include <stdio.h>

/* "2006-01-02T15:04:05" into buf; its length. */
static size_t format_seconds(time_t sec, char buf[RFC3339_MAX])
{
	struct tm tm;

	if (!gmtime_r(&sec, &tm)) {
		sec = 0;
		gmtime_r(&sec, &tm);
	}
	return strftime(buf, RFC3339_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
}

char *rfc3339_format(const struct timespec *ts, bool micro,
		     char buf[RFC3339_MAX])
{
	size_t n = format_seconds(ts->tv_sec, buf);

	if (micro)
		snprintf(buf + n, RFC3339_MAX - n, ".%06ldZ",
			 (long)(ts->tv_nsec / 1000));
	else
		snprintf(buf + n, RFC3339_MAX - n, "Z");
	return buf;
}

char *rfc3339_format_nano(const struct timespec *ts, char buf[RFC3339_MAX])
{
	size_t n = format_seconds(ts->tv_sec, buf);

	snprintf(buf + n, RFC3339_MAX - n, ".%09ldZ", (long)ts->tv_nsec);
	return buf;
}

char *rfc3339_format_sec(time_t t, char buf[RFC3339_MAX])
{
	struct timespec ts = {.tv_sec = t};

	return rfc3339_format(&ts, false, buf);
}

/* n decimal digits at *p, advancing it; -1 if not digits. */
static int digits(const char **p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

int rfc3339_parse(const char *s, struct timespec *ret)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	const char *p = s;
	struct tm tm = {0};
	long nsec = 0;
	int year, mon, day, hour, min, sec, off = 0;
	time_t t;

	if (!s)
		return -EINVAL;
	year = digits(&p, 4);
	if (year < 0 || *p++ != '-')
		return -EINVAL;
	mon = digits(&p, 2);
	if (mon < 1 || mon > 12 || *p++ != '-')
		return -EINVAL;
	day = digits(&p, 2);
	if (day < 1 || day > mdays[mon - 1] || (*p != 'T' && *p != 't'))
		return -EINVAL;
	p++;
	hour = digits(&p, 2);
	if (hour < 0 || hour > 23 || *p++ != ':')
		return -EINVAL;
	min = digits(&p, 2);
	if (min < 0 || min > 59 || *p++ != ':')
		return -EINVAL;
	sec = digits(&p, 2);
	if (sec < 0 || sec > 60)
		return -EINVAL;
	if (*p == '.') {
		long scale = 100000000;
		int nd = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, nd++)
			if (scale) {
				nsec += (*p - '0') * scale;
				scale /= 10;
			}
		if (nd == 0)
			return -EINVAL;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		int oh = digits(&p, 2), om;

		if (oh < 0 || oh > 23 || *p++ != ':')
			return -EINVAL;
		om = digits(&p, 2);
		if (om < 0 || om > 59)
			return -EINVAL;
		off = sign * (oh * 3600 + om * 60);
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1 && !(year == 1969 && mon == 12 && day == 31))
		return -EINVAL;
	ret->tv_sec = t - off;
	ret->tv_nsec = nsec;
	return 0;
}

uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t mono_ms(void)
{
	return mono_us() / 1000;
}

void mono_deadline(uint64_t ms, struct timespec *ret)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	*ret = ts;
}
