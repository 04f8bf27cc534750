/*
 * resource.h — resource quantities as the scheduler counts them.
 *
 * CPU is counted in millicores and memory in bytes, as kube-scheduler's
 * framework.Resource does; sums saturate at INT64_MAX instead of
 * wrapping, so an absurd request is simply one no node can hold.
 */
#ifndef KUBEFS_SCHED_RESOURCE_H
#define KUBEFS_SCHED_RESOURCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/error.h"

/*
 * Parse a quantity ("250m", "1.5", "128Mi", "1e3", or a JSON number) in
 * millicores (milli) or plain units rounded up (Kubernetes' MilliValue()
 * and Value()). A value beyond int64 saturates. path names the field in
 * the message. Returns 0, or -EINVAL with err filled for a malformed or
 * negative quantity:
 *   spec.containers[0].resources.requests[cpu]: Invalid value: "x":
 *   quantities must match the regular expression ...
 */
int sched_resource_parse(const json_t *v, bool milli, const char *path,
			 struct kf_error *err, int64_t *ret_value);

/* a + b for non-negative values, saturating at INT64_MAX. */
static inline int64_t sched_resource_add(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

#endif
