/*
 * podstatus.h — a pod's status as the kubelet reports it, built from the
 * pod (its spec and its previous status) and what the runtime says.
 *
 * A running pod:
 *   phase                Running (Pending while a container waits or an
 *                        init container has not completed; Succeeded or
 *                        Failed once every container exited and the
 *                        restart policy lets it end)
 *   conditions           PodReadyToStartContainers, Initialized, Ready,
 *                        ContainersReady, PodScheduled, in that order,
 *                        with the kubelet's reasons when False
 *                        (ContainersNotReady "containers with unready
 *                        status: [a b]", PodCompleted, ...); conditions
 *                        the kubelet does not own (DisruptionTarget,
 *                        readiness-gate conditions) are kept
 *   hostIP, hostIPs      the node's InternalIP
 *   podIP, podIPs        the runtime's address for the pod
 *   startTime            kept once set
 *   containerStatuses    sorted by name; initContainerStatuses in spec
 *                        order: name, image, imageID, containerID, ready,
 *                        started, restartCount, state, lastState
 *   qosClass             kept (the API server sets it)
 * A lastTransitionTime is kept while a condition's status stays the same.
 *
 * A terminal pod (deleted, its containers stopped) gets Succeeded when
 * every container exited 0, else Failed — what the kubelet reports before
 * it deletes a pod. Containers the runtime never ran are reported
 * terminated with exit code 137, reason ContainerStatusUnknown.
 *
 * Everything here is pure; statuses returned are new objects owned by
 * the caller.
 */
#ifndef KUBEFS_NODEAGENT_PODSTATUS_H
#define KUBEFS_NODEAGENT_PODSTATUS_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "nodeagent/runtime.h"

struct podstatus_input {
	const json_t *pod;		     /* required */
	const struct runtime_pod_status *rt; /* NULL: never started */
	const char *host_ip;		     /* required */
	bool terminal;			     /* the pod is over: end phase */
	const struct timespec *now;	     /* required */
};

/* The pod's status. -EINVAL for missing input, -ENOMEM. */
int podstatus_build(const struct podstatus_input *in, json_t **ret);

/*
 * The status of a pod the node refuses to run (kubelet's rejectPod()):
 * phase Failed, reason (e.g. "OutOfcpu"), message "Pod was rejected: "
 * followed by message; startTime, qosClass and the other conditions
 * kept. -EINVAL, -ENOMEM.
 */
int podstatus_rejected(const json_t *pod, const char *reason,
		       const char *message, const struct timespec *now,
		       json_t **ret);

/* "Pending", "Running", "Succeeded", "Failed" or NULL: pod's phase. */
const char *podstatus_phase(const json_t *pod);

/* Is the phase Succeeded or Failed? */
bool podstatus_is_terminal(const json_t *pod);

#endif
