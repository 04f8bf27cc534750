# Sourced by the scheduler's e2e scripts (tests/e2e/04*) after lib.sh:
# a kubefs-sched on the cluster, nodes and pods in yaml flow maps, and the
# scheduler's verdicts read back from the tree.
#
#   P                       $MNT/core/v1/pods/default
#   start_sched [FLAGS]     a kubefs-sched logging to $T/sched.log; SCHED_PID
#                           (checked at exit: it must stop 0 on SIGTERM)
#   stop_sched PID          SIGTERM; the exit status must be 0
#   mknode NAME CPU MEMORY PODS [LABELS] [SPEC]   a Ready node
#   mkpod NAME CPU MEMORY [SPEC-YAML-LINES]       a pod in default
#   node_of POD / bound POD                       its spec.nodeName / set?
#   sched_message POD       its PodScheduled=False Unschedulable message
#   has_message POD MSG / expect_unschedulable POD MSG (waits)
#   events_of POD / has_event POD "TYPE REASON: MESSAGE"
P=$MNT/core/v1/pods/default
SCHED_PIDS=

# start_sched [flags]: a kubefs-sched on the cluster, logging to sched.log
start_sched() {
	start_daemon sched kubefs-sched --cluster "$MNT" "$@"
	SCHED_PID=$DAEMON_PID
	SCHED_PIDS="$SCHED_PIDS $SCHED_PID"
}

# stop_sched PID: SIGTERM, and the exit status must be 0
stop_sched() {
	forget_daemon "$1"
	kill -TERM "$1"
	wait "$1" || fail "kubefs-sched $1 exited with $? on SIGTERM"
	SCHED_PIDS=${SCHED_PIDS/ $1/}
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
	local end=$((SECONDS + E2E_WAIT_SECONDS))
	while [ $SECONDS -lt $end ]; do
		has_message "$1" "$2" && return 0
		sleep 0.05
	done
	has_message "$1" "$2" ||
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
has_event() { events_of "$1" | qgrep -xF "$2"; }
