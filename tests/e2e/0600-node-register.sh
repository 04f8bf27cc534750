#!/bin/bash
# kubefs-node registers its Node (labels, capacity, Ready condition,
# addresses, nodeInfo), renews its Lease, posts its status, registers
# again when its Node is deleted, stops cleanly on SIGTERM and comes
# back with the same addresses. Flags and the missing real runtime.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_node.sh"
NODES=$MNT/core/v1/nodes
LEASES=$MNT/coordination.k8s.io/v1/leases/kube-node-lease

field() { jq -r "$2" "$1@json" 2>/dev/null; }
ready() {
	[ "$(field "$NODES/$1" '.status.conditions[]? | select(.type == "Ready") | .status')" = True ]
}
renew_time() { field "$LEASES/$1" .spec.renewTime; }
renewed_since() { [ "$(renew_time "$1")" != "$2" ]; }
has_event() {
	local f
	for f in "$MNT"/core/v1/events/default/*; do
		[ -e "$f" ] && cat "$f@json"
	done | jq -r --arg n "$1" 'select(.involvedObject.name == $n) |
		.type + " " + .reason + ": " + .message' | qgrep -xF "$2"
}

# --version answers without a cluster; flags are checked before anything
expect_contains "$(kubefs-node --version)" "kubefs-node "
expect_contains "$(kubefs-node --help)" "--fake"
# without --fake it runs real containers; without a cluster it says so
rc=0; out=$(kubefs-node --name n1 --cluster "$T/none" --root-dir "$T/root" 2>&1) || rc=$?
expect_eq "$rc" 1 "exit status without a cluster"
expect_contains "$out" "kubefs-node: cannot use the cluster at $T/none" "message without a cluster"
[ ! -e "$T/root" ] || fail "root dir made before the cluster was found"
rc=0; kubefs-node --fake --no-such-flag 2>/dev/null || rc=$?
expect_eq "$rc" 2 "exit status for an unknown flag"
rc=0; out=$(kubefs-node --fake --cpu lots 2>&1) || rc=$?
expect_eq "$rc" 2 "exit status for a bad quantity"
expect_contains "$out" 'invalid argument "lots" for "--cpu" flag'
rc=0; kubefs-node --fake --name n1 --cluster "$T/nowhere" 2>/dev/null || rc=$?
expect_eq "$rc" 1 "exit status for a missing mount"

start_fs
start_node --fake --name n1 --cpu 8 --memory 32Gi --pods 50 \
	--node-lease-duration-seconds 4 --node-status-report-frequency 1s
wait_for ready n1
N=$NODES/n1
expect_eq "$(field "$N" '.metadata.labels["kubernetes.io/hostname"]')" n1 "hostname label"
expect_eq "$(field "$N" '.metadata.labels["kubernetes.io/os"]')" linux "os label"
expect_eq "$(field "$N" '.metadata.labels["kubernetes.io/arch"]')" amd64 "arch label"
expect_eq "$(field "$N" '.metadata.labels.type')" kwok "type label"
expect_eq "$(field "$N" '.status.capacity | [.cpu, .memory, .pods] | join(" ")')" "8 32Gi 50" "capacity"
expect_eq "$(field "$N" '.status.allocatable | [.cpu, .memory, .pods] | join(" ")')" "8 32Gi 50" "allocatable"
expect_eq "$(field "$N" '.status.conditions[] | select(.type == "Ready") | .reason + ": " + .message')" \
	"KubeletReady: kubelet is posting ready status" "Ready condition"
expect_eq "$(field "$N" '[.status.conditions[] | select(.status == "False") | .type] | join(" ")')" \
	"MemoryPressure DiskPressure PIDPressure" "pressure conditions"
expect_eq "$(field "$N" '.status.nodeInfo.kubeletVersion')" v1.31.0-kubefs "kubeletVersion"
expect_eq "$(field "$N" '.status.addresses | map(.type) | join(" ")')" "InternalIP Hostname" "address types"
IP=$(field "$N" '.status.addresses[0].address')
CIDR=$(field "$N" .spec.podCIDR)
expect_eq "$CIDR" 10.244.0.0/24 "first pod CIDR"
expect_eq "$IP" 172.18.0.2 "first InternalIP"
# `cat` shows the same object
grep -q '^    type: Ready$' "$N" || fail "cat of the Node lacks the Ready condition"
wait_for has_event n1 "Normal Starting: Starting kubelet."

# the Lease: held by the node, owned by it, renewed every second here
L=$LEASES/n1
wait_for test -e "$L"
expect_eq "$(field "$L" .spec.holderIdentity)" n1 "holderIdentity"
expect_eq "$(field "$L" .spec.leaseDurationSeconds)" 4 "leaseDurationSeconds"
expect_eq "$(field "$L" '.metadata.ownerReferences[0] | .kind + "/" + .name')" Node/n1 "lease owner"
expect_eq "$(field "$L" '.metadata.ownerReferences[0].uid')" "$(field "$N" .metadata.uid)" "lease owner uid"
t0=$(renew_time n1)
case "$t0" in *.??????Z) ;; *) fail "renewTime is not a MicroTime: $t0" ;; esac
wait_for renewed_since n1 "$t0"

# the status is posted again: the heartbeat moves, the transition stays
hb0=$(field "$N" '.status.conditions[] | select(.type == "Ready") | .lastHeartbeatTime')
tr0=$(field "$N" '.status.conditions[] | select(.type == "Ready") | .lastTransitionTime')
heartbeat_moved() {
	[ "$(field "$N" '.status.conditions[] | select(.type == "Ready") | .lastHeartbeatTime')" != "$hb0" ]
}
wait_for heartbeat_moved
expect_eq "$(field "$N" '.status.conditions[] | select(.type == "Ready") | .lastTransitionTime')" "$tr0" "lastTransitionTime kept"

# a deleted Node comes back
rm "$N"
wait_for test -e "$N"
wait_for ready n1
expect_eq "$(field "$N" .spec.podCIDR)" "$CIDR" "pod CIDR after re-registration"

# SIGTERM stops cleanly; a restart finds its Node and keeps its addresses
stop_node "$NODE_PID"
grep -q "stopped" "$T/node.log" || fail "no clean stop in the log"
# a second node of the cluster takes the next free addresses
start_node --fake --name n2
wait_for ready n2
expect_eq "$(field "$NODES/n2" .spec.podCIDR)" 10.244.1.0/24 "second pod CIDR"
expect_eq "$(field "$NODES/n2" '.status.addresses[0].address')" 172.18.0.3 "second InternalIP"
uid=$(field "$N" .metadata.uid)
t1=$(renew_time n1)
start_node --fake --name n1
wait_for renewed_since n1 "$t1"
expect_eq "$(field "$N" .metadata.uid)" "$uid" "the Node is the same object"
expect_eq "$(field "$N" .spec.podCIDR)" "$CIDR" "pod CIDR after restart"
expect_eq "$(field "$N" '.status.addresses[0].address')" "$IP" "InternalIP after restart"
for p in $NODE_PIDS; do stop_node "$p"; done
echo ok
