#!/bin/bash
# Every filter speaks in kube-scheduler's words: the PodScheduled
# condition (reason Unschedulable) and the FailedScheduling event carry
# "0/N nodes are available: ..." with the reasons counted and sorted.
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
mknode n1 2 4Gi 110 "disk: ssd, zone: a"
mknode n2 8 16Gi 110 "" "{taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}"
mknode n3 8 16Gi 110 "" "{unschedulable: true}"
start_sched
TAIL="1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable."

# NodeResourcesFit
mkpod too-big 3 1Gi
expect_unschedulable too-big "0/3 nodes are available: 1 Insufficient cpu, $TAIL"
wait_for has_event too-big "Warning FailedScheduling: 0/3 nodes are available: 1 Insufficient cpu, $TAIL"
expect_eq "$(jq -r '.status.conditions[] | select(.type == "PodScheduled") | .status + " " + .reason' "$P/too-big@json")" "False Unschedulable" "condition"
mkpod too-much-memory 100m 5Gi
expect_unschedulable too-much-memory "0/3 nodes are available: 1 Insufficient memory, $TAIL"

# NodeAffinity: nodeSelector and required node affinity
mkpod selector 100m 64Mi "  nodeSelector: {disk: hdd}"
expect_unschedulable selector "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, $TAIL"
mkpod affinity 100m 64Mi "  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: zone, operator: In, values: [b, c]}"
expect_unschedulable affinity "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, $TAIL"
mkpod affinity-ok 100m 64Mi "  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: zone, operator: NotIn, values: [b]}
          - {key: disk, operator: Exists}"
wait_for bound affinity-ok
expect_eq "$(node_of affinity-ok)" n1 "required node affinity"

# TaintToleration and NodeUnschedulable, tolerated
mkpod tolerant 100m 64Mi "  nodeSelector: {kubernetes.io/hostname: n2}
  tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]"
wait_for bound tolerant
expect_eq "$(node_of tolerant)" n2 "tolerated taint"
mkpod cordon-ok 100m 64Mi "  nodeSelector: {kubernetes.io/hostname: n3}
  tolerations: [{key: node.kubernetes.io/unschedulable, operator: Exists, effect: NoSchedule}]"
wait_for bound cordon-ok
expect_eq "$(node_of cordon-ok)" n3 "tolerated cordon"

# NodePorts
hostport_pod() {
	cat > "$P/$1" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  containers:
  - name: c
    image: registry.k8s.io/pause:3.9
    resources: {requests: {cpu: 100m, memory: 64Mi}}
    ports: [{containerPort: 80, hostPort: 8080}]
YAML
}
hostport_pod port-a
wait_for bound port-a
expect_eq "$(node_of port-a)" n1 "the only untainted schedulable node"
hostport_pod port-b
expect_unschedulable port-b "0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, $TAIL"

# InterPodAffinity: required anti-affinity on the hostname
mkpod anti-a 100m 64Mi
wait_for bound anti-a
mkpod anti-b 100m 64Mi "  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: anti-a}}
        topologyKey: kubernetes.io/hostname"
expect_unschedulable anti-b "0/3 nodes are available: 1 node(s) didn't match pod anti-affinity rules, $TAIL"

# ... required pod affinity with no pod to be near
mkpod lonely 100m 64Mi "  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: nobody}}
        topologyKey: kubernetes.io/hostname"
expect_unschedulable lonely "0/3 nodes are available: 1 node(s) didn't match pod affinity rules, $TAIL"
# ... and a placed pod's anti-affinity keeps others away
mkpod guard 100m 64Mi "  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: intruder}}
        topologyKey: kubernetes.io/hostname"
wait_for bound guard
mkpod intruder 100m 64Mi
expect_unschedulable intruder "0/3 nodes are available: 1 node(s) didn't match existing pods anti-affinity rules, $TAIL"

# none of the rejected pods was bound meanwhile
for p in too-big too-much-memory selector affinity port-b anti-b lonely intruder; do
	bound "$p" && fail "$p was bound to $(node_of "$p")"
done
kill -0 "$SCHED_PID" || fail "kubefs-sched died"
echo ok
