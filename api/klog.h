/*
 * klog.h — the one log line format of every kubefs daemon: klog's text
 * header, which Kubernetes operators read every day.
 *
 *   I1206 03:10:32.123456   12345 kubefs-sched] became the leader
 *   ^^^^^ ^^^^^^^^^^^^^^^   ^^^^^ ^^^^^^^^^^^^
 *   severity, month, day    pid   component
 *   time (UTC, microseconds)
 *
 * Severities are klog's: 'I' info, 'W' warning, 'E' error, 'F' fatal
 * (klog_fatal() exits with status 255 after writing, as klog.Fatal).
 *
 * Only a daemon's main layer logs (libraries never do; they take a
 * callback such as scheduler_config.log, for which klog_vlog() fits).
 * Lines go to stderr, one write(2) each, so lines from several threads
 * or processes sharing the file never interleave. A new daemon calls
 * klog_init("kubefs-ctrl") once, first thing in main().
 */
#ifndef KUBEFS_API_KLOG_H
#define KUBEFS_API_KLOG_H

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#define KLOG_LINE_MAX 4096 /* longer messages are cut */

/* Name written before ']' (borrowed; a string literal). Default
 * "kubefs". */
void klog_init(const char *component);

/*
 * The header for severity at time now (CLOCK_REALTIME) in buf: "I1206
 * 03:10:32.123456   12345 kubefs-sched] ". Returns its length (cut to
 * size - 1). Pure: for tests and for daemons that write elsewhere.
 */
size_t klog_header(char severity, const struct timespec *now, int pid,
		   const char *component, char *buf, size_t size);

void klog_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void klog_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void klog_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void klog_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
__attribute__((noreturn));

/* Any severity, va_list form. */
void klogv(char severity, const char *fmt, va_list ap);

/* An info line, in the shape of the libraries' log callbacks
 * (void (*)(void *ud, const char *fmt, va_list ap)); ud is ignored. */
void klog_vlog(void *ud, const char *fmt, va_list ap);

#endif
