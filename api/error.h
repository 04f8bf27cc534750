/*
 * error.h — an errno plus the sentence a user should read.
 *
 * Functions that can fail return 0 or a negative errno. Those that can fail
 * for a reason a user must see (validation, conflicts, limits) also fill a
 * struct kf_error with the message worded as Kubernetes words it, e.g.
 *
 *   Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1:
 *   must be greater than or equal to 0
 *
 * Libraries never print; the daemons' main layers do, and kubefs-fs writes
 * the message to the caller's `errors` file.
 *
 * A NULL struct kf_error pointer is always accepted and means "caller does
 * not want the message".
 */
#ifndef KUBEFS_API_ERROR_H
#define KUBEFS_API_ERROR_H

#include <errno.h>
#include <stddef.h>

#define KF_ERROR_MSG_MAX 2048

struct kf_error {
	int code;		    /* 0 or a negative errno */
	char msg[KF_ERROR_MSG_MAX]; /* NUL-terminated, "" when unset */
};

/* Reset to "no error". */
void kf_error_init(struct kf_error *err);

/*
 * Record code (a negative errno) and a printf-formatted message.
 * Returns code, so failing paths can `return kf_error_set(err, -EINVAL, ...)`.
 * A message longer than KF_ERROR_MSG_MAX is truncated, never overflowed.
 */
int kf_error_set(struct kf_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Prefix an existing message: "<prefix><old message>". Used to add the
 * object's identity in front of a field-level message. Returns err->code.
 */
int kf_error_prefix(struct kf_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
