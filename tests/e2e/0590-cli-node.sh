#!/bin/bash
# kubefs cordon / uncordon / drain, and top. The node agent is simulated:
# once a pod on the node is being deleted, the test does what the agent
# would (reports it finished and deletes it).
. "$(dirname "$0")/lib.sh"
start_fs
export KUBEFS_MOUNT=$MNT
unset KUBEFS_NAMESPACE
P=$MNT/core/v1/pods/default

run() {
	set +e
	OUT=$("$@" 2>"$T/err")
	RC=$?
	set -e
	ERR=$(cat "$T/err")
}

for n in node-1 node-2; do
	kubefs apply -f - > /dev/null <<YAML
apiVersion: v1
kind: Node
metadata: {name: $n}
status:
  conditions: [{type: Ready, status: "True"}]
YAML
done

# cordon / uncordon
run kubefs cordon node-1
expect_eq "$RC:$OUT" "0:node/node-1 cordoned" "cordon"
expect_eq "$(kubefs get node node-1 --no-headers | awk '{print $2}')" "Ready,SchedulingDisabled" "cordoned status"
run kubefs cordon node/node-1
expect_eq "$OUT" "node/node-1 already cordoned" "cordon twice"
run kubefs uncordon node-1
expect_eq "$OUT" "node/node-1 uncordoned" "uncordon"
expect_eq "$(kubefs get node node-1 -o jsonpath='{.spec.unschedulable}')" "" "schedulable again"
run kubefs uncordon node-1
expect_eq "$OUT" "node/node-1 already uncordoned" "uncordon twice"
run kubefs cordon nope
expect_eq "$ERR" 'Error from server (NotFound): nodes "nope" not found' "cordon missing node"
run kubefs cordon
expect_contains "$ERR" "USAGE: cordon NODE" "cordon without node"

# pods of every sort on node-1, one on node-2
pod() { # pod NAME NODE OWNER-KIND|- [emptydir]
	local owner="" vols=""
	[ "$3" != - ] && owner="ownerReferences: [{apiVersion: apps/v1, kind: $3, name: o, uid: u-$1, controller: true}]"
	[ -n "${4:-}" ] && vols="volumes: [{name: scratch, emptyDir: {}}]"
	kubefs apply -f - > /dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
  $owner
spec:
  containers: [{name: c, image: nginx}]
  $vols
YAML
	echo "$2" > "$P/$1@binding"
}
pod app node-1 ReplicaSet
pod ds node-1 DaemonSet
pod bare node-1 -
pod scratch node-1 ReplicaSet emptydir
pod elsewhere node-2 ReplicaSet
pod done node-1 -
echo '{"status":{"phase":"Succeeded"}}' >> "$P/done@status"
pod mirror node-1 -
echo '{"metadata":{"annotations":{"kubernetes.io/config.mirror":"x"}}}' >> "$P/mirror"

# refusals: nothing is evicted, the node stays cordoned
run kubefs drain node-1
expect_eq "$RC" 1 "drain refused"
expect_eq "$OUT" "node/node-1 cordoned" "cordoned first"
expect_eq "$ERR" 'error: unable to drain node "node-1" due to error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds, cannot delete Pods that declare no controller (use --force to override): default/bare, cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratch, continuing command...
There are pending nodes to be drained:
 node-1
cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds
cannot delete Pods that declare no controller (use --force to override): default/bare
cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratch' "drain refusal"
[ -z "$(kubefs get pod app -o jsonpath='{.metadata.deletionTimestamp}')" ] || fail "a pod was evicted"

# the agent: finish and remove every pod of node-1 that is being deleted
fake_agent() {
	while :; do
		for p in $(kubefs get pods --field-selector spec.nodeName=node-1 -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.deletionTimestamp} {end}'); do
			case $p in *=) continue ;; esac
			echo '{"status":{"phase":"Succeeded"}}' >> "$P/${p%%=*}@status" 2>/dev/null || true
			rm -f "$P/${p%%=*}"
		done
		sleep 0.05
	done
}
fake_agent &
WATCH_PIDS=$!
run kubefs drain node-1 --ignore-daemonsets --force --delete-emptydir-data --timeout=60s
kill $WATCH_PIDS
wait $WATCH_PIDS 2>/dev/null || true
expect_eq "$RC" 0 "drain: $ERR"
expect_eq "$ERR" "Warning: ignoring DaemonSet-managed Pods: default/ds; deleting Pods that declare no controller: default/bare; deleting Pods with local storage: default/scratch" "drain warnings"
expect_eq "$(echo "$OUT" | head -1)" "node/node-1 already cordoned" "already cordoned"
expect_eq "$(echo "$OUT" | grep '^evicting' | sort)" "evicting pod default/app
evicting pod default/bare
evicting pod default/done
evicting pod default/scratch" "evictions"
expect_eq "$(echo "$OUT" | grep ' evicted$' | sort)" "pod/app evicted
pod/bare evicted
pod/done evicted
pod/scratch evicted" "evicted lines"
expect_eq "$(echo "$OUT" | tail -1)" "node/node-1 drained" "drained"
expect_eq "$(kubefs get pods -o name | sort)" "pod/ds
pod/elsewhere
pod/mirror" "what is left"

# a drain whose pods never go times out
pod slow node-2 ReplicaSet
run kubefs drain node-2 --timeout=300ms
expect_eq "$RC" 1 "drain timeout"
expect_contains "$ERR" 'error when waiting for pod "elsewhere" terminating: global timeout reached' "drain timeout message"
run kubefs drain
expect_contains "$ERR" "USAGE: drain NODE" "drain without node"

# top: fake nodes write no metrics (real ones do: e2e/0689)
run kubefs top pod
expect_eq "$RC:$ERR" "1:error: metrics not available yet" "top pod"
run kubefs top node
expect_eq "$RC:$ERR" "1:error: metrics not available yet" "top node"
echo ok
