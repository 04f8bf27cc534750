#!/bin/bash
# A deleted pod (rm: a graceful delete) disappears once its fake node
# has stopped it: the agent posts the terminal status, then deletes it.
# Pods that never started, pods held by a finalizer, pods deleted while
# the agent was down, and pods of nodes the agent does not host.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_node.sh"
P=$MNT/core/v1/pods/default

# mkpod NAME NODE [METADATA]: a pod bound to NODE
mkpod() {
	cat > "$P/$1" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1${3:+, $3}}
spec:
  terminationGracePeriodSeconds: 30
  containers: [{name: c, image: nginx}]
YAML
	echo "$2" > "$P/$1@binding"
}

field() { jq -r "$2" "$P/$1@json" 2>/dev/null; }
is_phase() { [ "$(field "$1" '.status.phase // ""')" = "$2" ]; }
gone() { [ ! -e "$P/$1" ]; }
node_ready() {
	[ "$(jq -r '.status.conditions[]? | select(.type == "Ready") | .status' \
		"$MNT/core/v1/nodes/$1@json" 2>/dev/null)" = True ]
}

start_fs
start_node --fake --name n1
wait_for node_ready n1

# a running pod: rm marks it, the agent finishes it, it is gone
mkpod web n1
wait_for is_phase web Running
rm "$P/web"
wait_for gone web

# the last state before the deletion, as a watch from before it saw it
mkpod watched n1
wait_for is_phase watched Running
rv=$(field watched .metadata.resourceVersion)
rm "$P/watched"
wait_for gone watched
timeout 10 cat "$P/@watch?resourceVersion=$rv&timeoutSeconds=1" > "$T/events" 2>/dev/null || true
grep -q '"type":"DELETED"' "$T/events" || fail "no DELETED event: $(cat "$T/events")"
expect_eq "$(jq -r 'select(.type == "DELETED") | .object.status.phase' "$T/events")" Succeeded "phase when deleted"
expect_eq "$(jq -r 'select(.type == "DELETED") | [.object.status.conditions[] | select(.type == "Ready") | .reason] | join("")' "$T/events")" \
	PodCompleted "Ready reason when deleted"
expect_eq "$(jq -r 'select(.type == "DELETED") | .object.status.containerStatuses[0].state.terminated.reason' "$T/events")" \
	Completed "container state when deleted"

# a pod that never started (a long start delay) goes too, as Failed
stop_node "$NODE_PID"
start_node --fake --name n1 --start-delay 1h
mkpod slow n1
# a pod the agent refuses at once, bound after it: once it is Failed the
# agent has seen slow too
cat > "$P/huge" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: huge}
spec:
  containers: [{name: c, image: nginx, resources: {requests: {cpu: "100000"}}}]
YAML
echo n1 > "$P/huge@binding"
wait_for is_phase huge Failed
expect_eq "$(field slow '.status.phase')" Pending "phase during the start delay"
rv=$(field slow .metadata.resourceVersion)
rm "$P/slow"
wait_for gone slow
timeout 10 cat "$P/@watch?resourceVersion=$rv&timeoutSeconds=1" > "$T/events" 2>/dev/null || true
expect_eq "$(jq -r 'select(.type == "DELETED") | .object.status.phase' "$T/events")" Failed "phase of a pod that never ran"
expect_eq "$(jq -r 'select(.type == "DELETED") | .object.status.containerStatuses[0].state.terminated.reason' "$T/events")" \
	ContainerStatusUnknown "container of a pod that never ran"
stop_node "$NODE_PID"

# a finalizer holds the pod after the agent is done with it
start_node --fake --name n1
mkpod held n1 "finalizers: [example.com/hold]"
wait_for is_phase held Running
rm "$P/held"
wait_for is_phase held Succeeded
[ -e "$P/held" ] || fail "a pod with a finalizer disappeared"
echo '{"metadata":{"finalizers":null}}' >> "$P/held"
wait_for gone held

# deleted while the agent was down: finished when it comes back, as a
# pod that ran (its containers are found again and stopped)
mkpod later n1
wait_for is_phase later Running
stop_node "$NODE_PID"
rm "$P/later"
[ -n "$(field later '.metadata.deletionTimestamp // ""')" ] || fail "no deletionTimestamp while the agent is down"
rv=$(field later .metadata.resourceVersion)
start_node --fake --name n1
wait_for gone later
timeout 10 cat "$P/@watch?resourceVersion=$rv&timeoutSeconds=1" > "$T/events" 2>/dev/null || true
expect_eq "$(jq -r 'select(.type == "DELETED") | .object.status.phase' "$T/events")" Succeeded "phase of a pod deleted while the agent was down"

# pods of nodes this agent does not host stay as they are
mkpod theirs n9
rm "$P/theirs"
# a pod of n1 deleted after it: once the agent has finished that one, it
# has had every chance to touch the pod of n9
mkpod marker n1
wait_for is_phase marker Running
rm "$P/marker"
wait_for gone marker
[ -n "$(field theirs '.metadata.deletionTimestamp // ""')" ] || fail "the pod of n9 was not marked"
expect_eq "$(field theirs '.status.phase')" Pending "the pod of n9"
stop_node "$NODE_PID"
echo ok
