#!/bin/bash
# --leader-elect: of two schedulers only the holder of the Lease
# kube-system/kube-scheduler binds; when it stops, the other takes over.
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
mknode n1 4 8Gi 110
start_sched --leader-elect
A=$SCHED_PID
wait_for grep -q "became the leader" "$T/sched.log"
start_sched --leader-elect
B=$SCHED_PID
L=$MNT/coordination.k8s.io/v1/leases/kube-system/kube-scheduler
holder=$(jq -r .spec.holderIdentity "$L@json")
expect_contains "$holder" "_$A" "lease holder"
mkpod one 100m 64Mi
wait_for bound one
expect_eq "$(grep -c "became the leader" "$T/sched.log")" 1 "one leader"

# the leader stops and releases the Lease; the other one takes over
stop_sched "$A"
wait_for grep -q "_$B" "$L"
mkpod two 100m 64Mi
wait_for bound two
expect_eq "$(grep -c "became the leader" "$T/sched.log")" 2 "a new leader"
stop_sched "$B"
echo ok
