#!/bin/bash
# A fake node killed for good: the node lifecycle controller marks it
# Ready=Unknown after the grace period, taints it unreachable (NoSchedule
# and NoExecute), evicts its pods once their tolerationSeconds run out,
# and the ReplicaSet's replacements run on the surviving node. Pods
# without an explicit toleration got DefaultTolerationSeconds (300 s).
# The pods left Terminating on the dead node go with
# `kubefs delete --grace-period=0 --force`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctrl-lib.sh"

start_fs
start_daemon node-a kubefs-node --cluster "$MNT" --fake --name a --node-lease-duration-seconds 4
A_PID=$DAEMON_PID
start_daemon node-b kubefs-node --cluster "$MNT" --fake --name b --node-lease-duration-seconds 4
start_daemon sched kubefs-sched --cluster "$MNT"
start_daemon ctrl kubefs-ctrl --cluster "$MNT" --node-monitor-grace-period 3s --node-monitor-period 1s
# both nodes first, so the pods spread over them
wait_for test -e "$MNT/core/v1/nodes/a"
wait_for test -e "$MNT/core/v1/nodes/b"

cat > "$D/web" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers: [{name: c, image: nginx}]
YAML
wait_long available web 4
on_node() {
	for p in $(running_pods app=web); do jqf "$P/$p" .spec.nodeName; done | grep -cx "$1" || true
}
[ "$(on_node a)" -ge 1 ] || fail "no pod landed on node a"
# the default tolerations were added by the API server
pod=$(running_pods app=web | sed -n 1p)
expect_eq "$(jqf "$P/$pod" '[.spec.tolerations[] | .key + "=" + (.tolerationSeconds|tostring)] | join(" ")')" \
	"node.kubernetes.io/unreachable=2 node.kubernetes.io/not-ready=300" "tolerations"

forget_daemon "$A_PID"
kill -KILL "$A_PID"
wait "$A_PID" 2>/dev/null || true
node_ready() { jqf "$MNT/core/v1/nodes/$1" '.status.conditions[] | select(.type == "Ready") | .status + "/" + .reason'; }
wait_eq 'node_ready a' Unknown/NodeStatusUnknown
wait_eq 'jqf "$MNT/core/v1/nodes/a" "[.spec.taints[] | .key + \":\" + .effect] | sort | join(\" \")"' \
	"node.kubernetes.io/unreachable:NoExecute node.kubernetes.io/unreachable:NoSchedule"
expect_eq "$(node_ready b)" True/KubeletReady "the live node stays Ready"
wait_eq 'on_node b' 4
wait_long available web 4
wait_for has_event a "Node a status is now: NodeNotReady"

# the evicted pods stay Terminating on the dead node, as in Kubernetes,
# until someone forces them out
stuck=$(for f in "$P"/*; do jq -r 'select(.spec.nodeName == "a") | .metadata.name' "$f@json"; done)
[ -n "$stuck" ] || fail "no pod left on the dead node"
for p in $stuck; do
	[ -n "$(jqf "$P/$p" .metadata.deletionTimestamp)" ] || fail "$p is not terminating"
	kubefs --mount "$MNT" delete pod "$p" --grace-period=0 --force > "$T/force.out" 2>&1 ||
		fail "force delete: $(cat "$T/force.out")"
	expect_contains "$(cat "$T/force.out")" "Warning: Immediate deletion does not wait for confirmation"
	expect_contains "$(cat "$T/force.out")" "pod \"$p\" deleted"
	[ -e "$P/$p" ] && fail "$p still there after a forced delete"
done
echo ok
