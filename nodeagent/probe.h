/*
 * probe.h — the kubelet's container probes: exec (in the container,
 * through runc exec), httpGet (libcurl) and tcpSocket, with Kubernetes'
 * timing fields (initialDelaySeconds, periodSeconds, timeoutSeconds,
 * successThreshold, failureThreshold; defaults 0, 10, 1, 1, 3).
 *
 * A struct probe_state follows one probe of one container run; the
 * caller calls probe_tick() as often as it likes, and the probe runs
 * when due. Messages are the kubelet's ("HTTP probe failed with
 * statuscode: 500", "dial tcp 10.1.0.5:81: connect: connection
 * refused", "command ... exited with 1").
 */
#ifndef KUBEFS_NODEAGENT_PROBE_H
#define KUBEFS_NODEAGENT_PROBE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define PROBE_MSG_MAX 512

enum probe_result {
	PROBE_PENDING, /* not decided yet (not run, or under a threshold) */
	PROBE_SUCCESS, /* successThreshold reached */
	PROBE_FAILURE, /* failureThreshold reached */
};

struct probe_state {
	uint64_t started_ms; /* when the container started (monotonic) */
	uint64_t next_ms;    /* the next run */
	unsigned successes, failures;
	enum probe_result result;
};

/* Where and how a probe runs. */
struct probe_target {
	const char *pod_ip;
	const json_t *container;	   /* its spec: named ports */
	const char *runc, *runc_root, *id; /* exec probes */
	bool any_status; /* httpGet: any answer passes (lifecycle hooks) */
};

/* Begin following a probe for a container that started at now_ms. */
void probe_state_init(struct probe_state *s, uint64_t now_ms);

/*
 * Run probe (a Probe object) if it is due at now_ms and update s: 0 if
 * it was not due, 1 if it ran and passed, -1 if it ran and failed (msg
 * holds the failure's words, maybe ""). The decision is s->result; a
 * failure below failureThreshold leaves it as it was.
 */
int probe_tick(const json_t *probe, const struct probe_target *t,
	       struct probe_state *s, uint64_t now_ms, char msg[PROBE_MSG_MAX]);

/* Run probe once, now. 0 success, -1 failure (msg says why). */
int probe_run(const json_t *probe, const struct probe_target *t,
	      char msg[PROBE_MSG_MAX]);

#endif
