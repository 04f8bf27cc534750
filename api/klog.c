/*
 * klog.c — klog's log line (see klog.h).
 */
#include "api/klog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *klog_component = "kubefs";

void klog_init(const char *component)
{
	klog_component = component;
}

size_t klog_header(char severity, const struct timespec *now, int pid,
		   const char *component, char *buf, size_t size)
{
	struct tm tm;
	time_t sec = now->tv_sec;
	int n;

	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof(tm));
	n = snprintf(buf, size, "%c%02d%02d %02d:%02d:%02d.%06ld %7d %s] ",
		     severity, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		     tm.tm_sec, now->tv_nsec / 1000, pid, component);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

void klogv(char severity, const char *fmt, va_list ap)
{
	char line[KLOG_LINE_MAX];
	struct timespec now;
	size_t len;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	len = klog_header(severity, &now, (int)getpid(), klog_component, line,
			  sizeof(line) - 1);
	n = vsnprintf(line + len, sizeof(line) - 1 - len, fmt, ap);
	if (n > 0)
		len += (size_t)n < sizeof(line) - 1 - len
			   ? (size_t)n
			   : sizeof(line) - 2 - len;
	line[len++] = '\n';
	/* one write: lines of concurrent writers never mix */
	if (write(STDERR_FILENO, line, len) < 0) {
		/* nowhere left to report it */
	}
}

void klog_vlog(void *ud, const char *fmt, va_list ap)
{
	(void)ud;
	klogv('I', fmt, ap);
}

#define KLOG_FN(fn, sev)                                                       \
	void fn(const char *fmt, ...)                                          \
	{                                                                      \
		va_list ap;                                                    \
                                                                               \
		va_start(ap, fmt);                                             \
		klogv(sev, fmt, ap);                                           \
		va_end(ap);                                                    \
	}

KLOG_FN(klog_info, 'I')
KLOG_FN(klog_warning, 'W')
KLOG_FN(klog_error, 'E')

void klog_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	klogv('F', fmt, ap);
	va_end(ap);
	exit(255);
}
