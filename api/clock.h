/*
 * clock.h — time as Kubernetes writes it and as daemons measure it: the
 * one definition of RFC 3339 timestamps (metav1.Time and MicroTime) and
 * of the monotonic millisecond clock every component uses for timeouts,
 * back-off and leases.
 *
 * Timestamps are always written in UTC: Time "2006-01-02T15:04:05Z", or
 * MicroTime "2006-01-02T15:04:05.000000Z". Parsing accepts RFC 3339 as
 * Go's time.RFC3339 does: 'T' or 't', an optional fraction of any
 * length (nanoseconds kept), and 'Z', 'z' or a +hh:mm / -hh:mm offset.
 *
 * Thread safety: every function is safe from any thread.
 */
#ifndef KUBEFS_API_CLOCK_H
#define KUBEFS_API_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define RFC3339_MAX 32

/* Format ts into buf (RFC3339_MAX bytes), with microseconds when micro.
 * Returns buf. A time gmtime cannot represent gives the Unix epoch. */
char *rfc3339_format(const struct timespec *ts, bool micro,
		     char buf[RFC3339_MAX]);

/* The same with nine fraction digits, always (CRI log lines:
 * "2006-01-02T15:04:05.000000000Z"). Returns buf. */
char *rfc3339_format_nano(const struct timespec *ts, char buf[RFC3339_MAX]);

/* The same for whole seconds (metav1.Time). Returns buf. */
char *rfc3339_format_sec(time_t t, char buf[RFC3339_MAX]);

/* Parse s into *ret. -EINVAL when s is not RFC 3339; *ret untouched. */
int rfc3339_parse(const char *s, struct timespec *ret);

/* CLOCK_MONOTONIC in milliseconds, and in microseconds. */
uint64_t mono_ms(void);
uint64_t mono_us(void);

/*
 * The CLOCK_MONOTONIC instant ms from now, for pthread_cond_timedwait on
 * a condition variable whose clock is CLOCK_MONOTONIC.
 */
void mono_deadline(uint64_t ms, struct timespec *ret);

#endif
