/*
 * admission.h — the kubelet's resource admission: may a pod bound to
 * this node run here, given what the pods it already runs request?
 *
 * A pod's request is Kubernetes' effective request (the scheduler's and
 * the kubelet's computePodResourceRequest): the sum of its containers
 * and sidecars (init containers with restartPolicy Always), or the
 * largest regular init container plus the sidecars started before it,
 * whichever is larger, plus spec.overhead. Only requests count (the API
 * server has already defaulted them from limits).
 *
 * The checks, in the kubelet's order: pods (one more pod must fit),
 * cpu, memory, ephemeral-storage (each only when the pod asks for some).
 * The first that fails gives the verdict, worded as the kubelet words
 * it: reason "OutOfcpu", message "Node didn't have enough resource: cpu,
 * requested: 500, used: 3800, capacity: 4000" (cpu in millicores, the
 * rest in units).
 *
 * Everything here is pure.
 */
#ifndef KUBEFS_NODEAGENT_ADMISSION_H
#define KUBEFS_NODEAGENT_ADMISSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct admission_resources {
	int64_t cpu_milli;
	int64_t memory;	 /* bytes */
	int64_t storage; /* ephemeral-storage, bytes */
	int64_t pods;
};

struct admission_verdict {
	bool admit;
	char reason[32];   /* "OutOfpods", ... when !admit */
	char message[256]; /* the kubelet's sentence when !admit */
};

/*
 * The effective request of pod (borrowed), pods = 1: api/podres.h's
 * pod_requests(), the scheduler's own rule. A pod whose requests do not
 * parse counts as its pod slot only (the API server validated it).
 */
void admission_pod_requests(const json_t *pod, struct admission_resources *ret);

/*
 * Parse allocatable quantities (cpu, memory, ephemeral-storage, pods as
 * text; NULL counts as 0). -EINVAL if one does not parse.
 */
int admission_parse(const char *cpu, const char *memory, const char *storage,
		    const char *pods, struct admission_resources *ret);

/* Does req fit next to used within allocatable? The verdict in *ret. */
void admission_check(const struct admission_resources *allocatable,
		     const struct admission_resources *used,
		     const struct admission_resources *req,
		     struct admission_verdict *ret);

/* used += req, or used -= req (never below 0). */
void admission_add(struct admission_resources *used,
		   const struct admission_resources *req);
void admission_sub(struct admission_resources *used,
		   const struct admission_resources *req);

#endif
