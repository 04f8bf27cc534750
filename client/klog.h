/*
 * klog.h — the log line every kubefs daemon writes, in klog's format
 * (what Kubernetes users read every day):
 *
 *   I1206 03:30:11.724105    6751 kubefs-ctrl] message
 *
 * severity letter (I, W, E), month and day, UTC time with microseconds,
 * the process id, the component, then the message. One line per call,
 * written whole under a lock, flushed.
 */
#ifndef KUBEFS_CLIENT_KLOG_H
#define KUBEFS_CLIENT_KLOG_H

#include <stdarg.h>
#include <stdio.h>

/* Write one line to f. severity: 'I', 'W' or 'E'. */
void klog_vprintf(FILE *f, char severity, const char *component,
		  const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

#endif
