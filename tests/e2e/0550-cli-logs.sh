#!/bin/bash
# kubefs logs: container choice, pods without logs said so clearly, and
# -f ending when the pod finishes. Log content itself comes from node
# agents; without one the command must explain why there is none.
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

kubefs apply -f - > /dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: one}
spec:
  restartPolicy: Never
  containers: [{name: main, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: two}
spec:
  containers: [{name: a, image: busybox}, {name: b, image: busybox}]
YAML

# not scheduled: nothing can serve logs yet
run kubefs logs one
expect_eq "$RC" 1 "logs of an unscheduled pod fails"
expect_eq "$OUT" "" "no stdout"
expect_eq "$ERR" 'Error from server (BadRequest): container "main" in pod "one" is waiting to start: the pod is not scheduled to a node yet' "unscheduled"

# a waiting container: Kubernetes' sentence with the waiting reason
echo node-1 > "$P/one@binding"
echo '{"status":{"containerStatuses":[{"name":"main","ready":false,"restartCount":0,"image":"busybox","imageID":"","state":{"waiting":{"reason":"ContainerCreating"}}}]}}' >> "$P/one@status"
run kubefs logs one
expect_eq "$ERR" 'Error from server (BadRequest): container "main" in pod "one" is waiting to start: ContainerCreating' "waiting"

# running, bound to a node no agent serves: stdout stays empty and stderr
# says why (what it says depends on whether the API server could reach an
# agent, so only the container and pod are checked)
echo '{"status":{"phase":"Running","containerStatuses":[{"name":"main","ready":true,"restartCount":0,"image":"busybox","imageID":"","state":{"running":{"startedAt":"2026-01-01T00:00:00Z"}}}]}}' >> "$P/one@status"
run kubefs logs pod/one
expect_eq "$OUT" "" "no log content without an agent"
expect_contains "$ERR" 'container "main" in pod "one"' "empty log explained"
expect_contains "$ERR" 'node "node-1"' "the node is named"

# containers: -c, a positional container, the default one
run kubefs logs two -c nope
expect_eq "$ERR" "error: container nope is not valid for pod two" "bad -c"
run kubefs logs two
expect_contains "$ERR" 'Defaulted container "a" out of: a, b' "default container"
expect_contains "$ERR" 'container "a" in pod "two"' "default container used"
run kubefs logs two b
expect_contains "$ERR" 'container "b" in pod "two"' "positional container"
run kubefs logs nope
expect_eq "$ERR" 'Error from server (NotFound): pods "nope" not found' "NotFound"
run kubefs logs deploy/x
expect_contains "$ERR" "only pods have logs here" "non-pod"
run kubefs logs
expect_contains "$ERR" "expected POD" "no pod"

# -f follows until the container is done
kubefs logs -f one > "$T/follow.out" 2>&1 &
WATCH_PIDS=$!
# it has explained the empty log and follows it
wait_for grep -q 'container "main" in pod "one"' "$T/follow.out"
[ "$(awk '{print $3}' "/proc/$WATCH_PIDS/stat" 2>/dev/null)" = S ] ||
	fail "logs -f exited early: $(cat "$T/follow.out")"
echo '{"status":{"phase":"Succeeded"}}' >> "$P/one@status"
wait_gone $WATCH_PIDS || fail "logs -f did not end with the pod"
rc=0
wait $WATCH_PIDS || rc=$?
expect_eq "$rc" 0 "status of logs -f when the pod is done ($(cat "$T/follow.out"))"
echo ok
