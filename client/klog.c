/*
 * klog.c — klog's line header (see klog.h).
 */
#include "client/klog.h"

#include <pthread.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t klog_lock = PTHREAD_MUTEX_INITIALIZER;

void klog_vprintf(FILE *f, char severity, const char *component,
		  const char *fmt, va_list ap)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	pthread_mutex_lock(&klog_lock);
	fprintf(f, "%c%02d%02d %02d:%02d:%02d.%06ld %7d %s] ", severity,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		(long)tv.tv_usec, (int)getpid(), component);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
	pthread_mutex_unlock(&klog_lock);
}
