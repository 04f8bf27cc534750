#!/bin/bash
# Pods bound to a fake node (through NAME@binding) go Running with an
# address from the node's pod CIDR and the kubelet's status; a pod that
# does not fit is rejected as the kubelet rejects it; a restarted agent
# re-adopts its pods without touching them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_node.sh"
P=$MNT/core/v1/pods/default

# mkpod NAME [CPU]: a pod with an init container and two containers
mkpod() {
	cat > "$P/$1" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {app: web}}
spec:
  initContainers: [{name: setup, image: busybox}]
  containers:
  - {name: web, image: nginx, resources: {requests: {cpu: "${2:-100m}"}}}
  - {name: log, image: registry.k8s.io/pause:3.9}
YAML
}

field() { jq -r "$2" "$P/$1@json" 2>/dev/null; }
phase() { field "$1" '.status.phase // ""'; }
is_phase() { [ "$(phase "$1")" = "$2" ]; }
node_ready() {
	[ "$(jq -r '.status.conditions[]? | select(.type == "Ready") | .status' \
		"$MNT/core/v1/nodes/$1@json" 2>/dev/null)" = True ]
}
has_event() {
	local f
	for f in "$MNT"/core/v1/events/default/*; do
		[ -e "$f" ] && cat "$f@json"
	done | jq -r --arg n "$1" 'select(.involvedObject.name == $n) |
		.type + " " + .reason + ": " + .message' | qgrep -xF "$2"
}

start_fs
start_node --fake --name n1 --pods 3 --cpu 2 --start-delay 200ms
wait_for node_ready n1
CIDR=$(jq -r .spec.podCIDR "$MNT/core/v1/nodes/n1@json")
HOST=$(jq -r '.status.addresses[0].address' "$MNT/core/v1/nodes/n1@json")

# bound by writing the node name to @binding, as a scheduler does
mkpod web-0
expect_eq "$(phase web-0)" Pending "phase before binding"
echo n1 > "$P/web-0@binding"
wait_for is_phase web-0 Running
expect_eq "$(field web-0 .status.hostIP)" "$HOST" "hostIP"
expect_eq "$(field web-0 '.status.hostIPs[0].ip')" "$HOST" "hostIPs"
ip=$(field web-0 .status.podIP)
case "$ip" in "${CIDR%.0/24}".*) ;; *) fail "podIP $ip is not in $CIDR" ;; esac
expect_eq "$(field web-0 '.status.podIPs[0].ip')" "$ip" "podIPs"
expect_eq "$(field web-0 '[.status.conditions[] | .type + "=" + .status] | join(" ")')" \
	"PodReadyToStartContainers=True Initialized=True Ready=True ContainersReady=True PodScheduled=True" "conditions"
expect_eq "$(field web-0 '[.status.containerStatuses[] | .name] | join(" ")')" "log web" "containerStatuses"
expect_eq "$(field web-0 '.status.containerStatuses[1] | [.image, (.ready|tostring), (.started|tostring), (.restartCount|tostring)] | join(" ")')" \
	"docker.io/library/nginx:latest true true 0" "container status"
field web-0 '.status.containerStatuses[1].imageID' | qgrep '^docker.io/library/nginx@sha256:[0-9a-f]\{64\}$' ||
	fail "imageID: $(field web-0 '.status.containerStatuses[1].imageID')"
[ -n "$(field web-0 '.status.containerStatuses[1].state.running.startedAt // ""')" ] || fail "no startedAt"
[ -n "$(field web-0 '.status.startTime // ""')" ] || fail "no startTime"
expect_eq "$(field web-0 '.status.initContainerStatuses[0].state.terminated.reason')" Completed "init container"
# reading the pod file shows it too
grep -q '^  phase: Running$' "$P/web-0" || fail "cat shows no Running phase"

# the status is written once: later reports change nothing
rv=$(field web-0 .metadata.resourceVersion)
mkpod web-1
echo n1 > "$P/web-1@binding"
wait_for is_phase web-1 Running
expect_eq "$(field web-0 .metadata.resourceVersion)" "$rv" "web-0 rewritten"
[ "$(field web-1 .status.podIP)" != "$ip" ] || fail "two pods share $ip"

# a pod of another node is not ours
mkpod elsewhere
echo n2 > "$P/elsewhere@binding"

# admission: three pods fit, the fourth does not; cpu is checked too
mkpod web-2 1900m
echo n1 > "$P/web-2@binding"
wait_for is_phase web-2 Failed
expect_eq "$(field web-2 .status.reason)" OutOfcpu "reason for too much cpu"
expect_eq "$(field web-2 .status.message)" \
	"Pod was rejected: Node didn't have enough resource: cpu, requested: 1900, used: 200, capacity: 2000" "message"
wait_for has_event web-2 "Warning OutOfcpu: Node didn't have enough resource: cpu, requested: 1900, used: 200, capacity: 2000"
mkpod web-3
echo n1 > "$P/web-3@binding"
wait_for is_phase web-3 Running
mkpod web-4
echo n1 > "$P/web-4@binding"
wait_for is_phase web-4 Failed
expect_eq "$(field web-4 .status.message)" \
	"Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3" "pods message"
expect_eq "$(phase elsewhere)" Pending "a pod of another node"

# a restart re-adopts the running pods: same addresses, no writes, and
# they still count for admission
before=$(for p in web-0 web-1 web-3; do field $p '.metadata.resourceVersion + " " + .status.podIP'; done)
stop_node "$NODE_PID"
start_node --fake --name n1 --pods 3 --cpu 2
wait_for grep -q "re-adopting 3 running pods" "$T/node.log"
mkpod web-5
echo n1 > "$P/web-5@binding"
wait_for is_phase web-5 Failed
expect_eq "$(field web-5 .status.reason)" OutOfpods "reason after restart"
after=$(for p in web-0 web-1 web-3; do field $p '.metadata.resourceVersion + " " + .status.podIP'; done)
expect_eq "$after" "$before" "pods after restart"
kill -0 "$NODE_PID" || fail "kubefs-node died"
stop_node "$NODE_PID"
echo ok
