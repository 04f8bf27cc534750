#!/bin/bash
# Pods that fit nowhere wait and are retried when the cluster changes:
# a node added, a node relabelled, a pod finished; bad pods never crash
# the scheduler.
. "$(dirname "$0")/lib.sh"
P=$MNT/core/v1/pods/default
SCHED_PIDS=

# start_sched [flags]: a kubefs-sched on the cluster, logging to sched.log
start_sched() {
	kubefs-sched --cluster "$MNT" "$@" >>"$T/sched.log" 2>&1 &
	SCHED_PID=$!
	SCHED_PIDS="$SCHED_PIDS $SCHED_PID"
	WATCH_PIDS=$SCHED_PIDS
}

# stop_sched PID: SIGTERM, and the exit status must be 0
stop_sched() {
	kill -TERM "$1"
	wait "$1" || fail "kubefs-sched $1 exited with $? on SIGTERM"
	SCHED_PIDS=${SCHED_PIDS/ $1/}
	WATCH_PIDS=$SCHED_PIDS
}

fail() {
	echo "FAIL: $*" >&2
	[ -f "$T/sched.log" ] && { echo "--- kubefs-sched log (tail)" >&2; tail -n 30 "$T/sched.log" >&2; }
	[ -f "$T/fs.log" ] && { echo "--- kubefs-fs log (tail)" >&2; tail -n 20 "$T/fs.log" >&2; }
	exit 1
}

# mknode NAME CPU MEMORY PODS [LABELS] [SPEC]: a Ready node (yaml flow maps)
mknode() {
	local labels=${5:+, $5} spec=${6:-}
	[ -n "$spec" ] || spec='{}'
	cat > "$MNT/core/v1/nodes/$1" <<YAML
apiVersion: v1
kind: Node
metadata:
  name: $1
  labels: {kubernetes.io/hostname: $1$labels}
spec: $spec
status:
  capacity: {cpu: "$2", memory: $3, pods: "$4"}
  allocatable: {cpu: "$2", memory: $3, pods: "$4"}
  conditions: [{type: Ready, status: "True"}]
YAML
}

# mkpod NAME CPU MEMORY [SPEC-YAML-LINES]: a pod in default asking so much
mkpod() {
	cat > "$P/$1" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {app: $1}}
spec:
${4:-}
  containers:
  - name: c
    image: registry.k8s.io/pause:3.9
    resources: {requests: {cpu: "$2", memory: $3}}
YAML
}

node_of() { jq -r '.spec.nodeName // ""' "$P/$1@json"; }
bound() { [ -n "$(node_of "$1")" ]; }
sched_message() {
	jq -r '.status.conditions[]? | select(.type == "PodScheduled" and
		.status == "False" and .reason == "Unschedulable") | .message' \
		"$P/$1@json"
}
has_message() { [ "$(sched_message "$1")" = "$2" ]; }
# expect_unschedulable POD MESSAGE: the condition says exactly that
expect_unschedulable() {
	for _ in $(seq 1 200); do
		has_message "$1" "$2" && return 0
		sleep 0.05
	done
	fail "pod $1: expected condition message '$2', got '$(sched_message "$1")' (node '$(node_of "$1")')"
}
# events_of POD: "TYPE REASON: MESSAGE" lines of the pod's events
events_of() {
	local f
	for f in "$MNT"/core/v1/events/default/*; do
		[ -e "$f" ] && cat "$f@json"
	done | jq -r --arg n "$1" 'select(.involvedObject.name == $n) |
		.type + " " + .reason + ": " + .message'
}
has_event() { events_of "$1" | grep -qxF "$2"; }

start_fs
start_sched
# no nodes at all
mkpod early 100m 64Mi
expect_unschedulable early "no nodes available to schedule pods"
wait_for has_event early "Warning FailedScheduling: no nodes available to schedule pods"
mknode n1 2 4Gi 2 "zone: a"
wait_for bound early

# Too many pods; a finished pod frees its place
mkpod second 100m 64Mi
wait_for bound second
mkpod third 100m 64Mi
expect_unschedulable third "0/1 nodes are available: 1 Too many pods."
echo '{"status":{"phase":"Succeeded"}}' >> "$P/early@status"
wait_for bound third

# a node relabelled to match
mkpod wants-b 100m 64Mi "  nodeSelector: {zone: b}"
expect_unschedulable wants-b "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."
mknode n2 2 4Gi 110 "zone: c"
expect_unschedulable wants-b "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
echo '{"metadata":{"labels":{"zone":"b"}}}' >> "$MNT/core/v1/nodes/n2"
wait_for bound wants-b
expect_eq "$(node_of wants-b)" n2 "relabelled node"

# hostile pods: absurd requests, odd selectors (the API server may refuse
# some of them outright; those that get in must not hurt)
mkpod absurd 9999999999999 64Mi
mkpod weird-op 100m 64Mi "  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: zone, operator: Gt, values: [a, b]}" 2>/dev/null || true
mkpod deep-anti 100m 64Mi "  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchExpressions: [{key: app, operator: Exists}]}
        topologyKey: no-such-label"
# n1 is full (2 pods) and short of cpu, n2 only short of cpu
expect_unschedulable absurd "0/2 nodes are available: 1 Too many pods, 2 Insufficient cpu."
wait_for bound deep-anti
kill -0 "$SCHED_PID" || fail "kubefs-sched died on hostile pods"
mkpod after-hostile 100m 64Mi
wait_for bound after-hostile
bound absurd && fail "absurd pod bound"
[ -e "$P/weird-op" ] && bound weird-op && fail "weird-op pod bound"
stop_sched "$SCHED_PID"
echo ok
