#!/bin/bash
# kubefs-sched binds pods: --version, flags, binding through @binding with
# a Scheduled event, pods of other schedulers left alone, --scheduler-name,
# SIGTERM, and a restart that rebuilds its view from the tree.
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

# --version answers without a cluster; a bad flag is a usage error
expect_contains "$(kubefs-sched --version)" "kubefs-sched "
rc=0; kubefs-sched --no-such-flag 2>/dev/null || rc=$?
expect_eq "$rc" 2 "exit status for an unknown flag"
rc=0; kubefs-sched --cluster /nonexistent --weight-NodePorts=3 2>/dev/null || rc=$?
expect_eq "$rc" 2 "exit status for a weight on a filter-only plugin"

start_fs
mknode n1 4 8Gi 110
mknode n2 4 8Gi 110
start_sched
MAIN=$SCHED_PID
for i in 0 1 2 3; do mkpod "web-$i" 500m 256Mi; done
for i in 0 1 2 3; do wait_for bound "web-$i"; done
for i in 0 1 2 3; do
	case "$(node_of "web-$i")" in n1 | n2) ;; *) fail "web-$i on '$(node_of "web-$i")'" ;; esac
done
# least allocated: two on each node
expect_eq "$(for i in 0 1 2 3; do node_of "web-$i"; done | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')" "2 2 " "spread over n1 and n2"
n=$(node_of web-0)
wait_for has_event web-0 "Normal Scheduled: Successfully assigned default/web-0 to $n"

# a pod for another scheduler is left alone, even while others bind
cat > "$P/theirs" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: theirs}
spec:
  schedulerName: my-scheduler
  containers: [{name: c, image: registry.k8s.io/pause:3.9}]
YAML
mkpod after 100m 64Mi
wait_for bound after
bound theirs && fail "a pod of my-scheduler was bound by default-scheduler"
expect_eq "$(jq -r '[.status.conditions[]? | select(.type == "PodScheduled")] | length' "$P/theirs@json")" 0 "no condition on a foreign pod"

# a second scheduler by that name takes it
start_sched --scheduler-name my-scheduler
OTHER=$SCHED_PID
wait_for bound theirs
stop_sched "$OTHER"

# SIGTERM stops cleanly; a restart rebuilds the cache from the tree: the
# node filled before the restart is still full after it
mknode small 1 1Gi 110 "size: small"
mkpod big 1 512Mi "  nodeSelector: {size: small}"
wait_for bound big
expect_eq "$(node_of big)" small "nodeSelector"
stop_sched "$MAIN"
grep -q "stopped" "$T/sched.log" || fail "no clean stop in the log"
start_sched
mkpod big2 1 512Mi "  nodeSelector: {size: small}"
expect_unschedulable big2 "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector."
wait_for has_event big2 "Warning FailedScheduling: 0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector."
kill -0 "$SCHED_PID" || fail "kubefs-sched died"
echo ok
