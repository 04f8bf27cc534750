/*
 * podres.h — a pod's effective resource request, as Kubernetes' resource
 * helpers compute it (k8s.io/component-helpers/resource PodRequests): the
 * one definition the scheduler (does the pod fit the node?) and the node
 * agent (admission) share, so that they never disagree.
 *
 * The rule: the sum of the containers' requests; each init container
 * runs alone next to the restartable init containers (sidecars,
 * restartPolicy Always) started before it, so the pod needs the largest
 * of those moments if that is more than the sum; sidecars also add to
 * the sum as they keep running; then spec.overhead is added. A container
 * asks for its requests, else its limits for a resource it only limits
 * (the API server's defaulting copies them; read here for pods that
 * skipped it).
 *
 * Units: cpu in millicores (MilliValue), everything else in units rounded
 * up (Value). Sums saturate at INT64_MAX instead of wrapping.
 *
 * Limits: at most POD_RESOURCES_MAX distinct resource names per pod.
 * Thread safety: pure functions over borrowed JSON; the only allocation
 * is the rendering of a bad value into an error message.
 */
#ifndef KUBEFS_API_PODRES_H
#define KUBEFS_API_PODRES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/error.h"

#define POD_RESOURCES_MAX 32

/* Amounts by resource name. Names are borrowed from the pod object and
 * valid while it is. */
struct pod_resources {
	size_t n;
	const char *name[POD_RESOURCES_MAX];
	int64_t v[POD_RESOURCES_MAX];
};

/* Options: with nonzero, cpu and memory a container does not mention
 * count as the defaults given (the scheduler's scoring view, Kubernetes'
 * NonMissingContainerRequests). */
struct pod_requests_opts {
	bool nonzero;
	int64_t default_milli_cpu;
	int64_t default_memory;
};

/*
 * The effective request of the pod whose spec is given (borrowed; NULL
 * is an empty pod). opts may be NULL (no defaults). Returns 0 with *ret
 * filled, or -EINVAL with err naming the field for a malformed or
 * negative quantity, a field of the wrong JSON type, or more than
 * POD_RESOURCES_MAX names. *ret is untouched on failure.
 */
int pod_requests(const json_t *spec, const struct pod_requests_opts *opts,
		 struct kf_error *err, struct pod_resources *ret);

/* The amount of name in l; 0 when absent. */
int64_t pod_resources_get(const struct pod_resources *l, const char *name);

/*
 * Parse a quantity ("250m", "1.5", "128Mi", "1e3", or a JSON number) in
 * millicores (milli) or plain units rounded up. A value beyond int64
 * saturates. path names the field in the message. 0, or -EINVAL for a
 * malformed or negative quantity:
 *   spec.containers[0].resources.requests[cpu]: Invalid value: "x":
 *   quantities must match the regular expression ...
 */
int resource_quantity_parse(const json_t *v, bool milli, const char *path,
			    struct kf_error *err, int64_t *ret_value);

/* a + b for non-negative values, saturating at INT64_MAX. */
static inline int64_t resource_add(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

#endif
