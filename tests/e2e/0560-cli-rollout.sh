#!/bin/bash
# kubefs scale and rollout status|history|undo|restart|pause|resume. The
# deployment controller is simulated: the test writes the status and the
# ReplicaSets it would write, and checks what the commands make of them.
. "$(dirname "$0")/lib.sh"
start_fs
export KUBEFS_MOUNT=$MNT
unset KUBEFS_NAMESPACE
D=$MNT/apps/v1/deployments/default

run() {
	set +e
	OUT=$("$@" 2>"$T/err")
	RC=$?
	set -e
	ERR=$(cat "$T/err")
}
status() { # status JSON: what the deployment controller would report
	echo "{\"status\":$1}" >> "$D/nginx@status"
}

kubefs apply -f "$E2E_SRC/examples/deployment.yaml" > /dev/null

# scale
run kubefs scale deploy nginx --replicas=3
expect_eq "$RC:$OUT" "0:deployment.apps/nginx scaled" "scale"
expect_eq "$(cat "$D/nginx@scale")" 3 "@scale after scale"
run kubefs scale --current-replicas=1 --replicas=2 deployment/nginx
expect_eq "$RC:$ERR" "1:error: Expected replicas to be 1, was 3" "--current-replicas"
run kubefs scale --current-replicas=3 --replicas=2 deployment/nginx
expect_eq "$OUT" "deployment.apps/nginx scaled" "precondition met"
run kubefs scale deploy nginx
expect_eq "$ERR" 'error: required flag(s) "replicas" not set' "no --replicas"
run kubefs scale deploy nope --replicas=1
expect_eq "$ERR" 'Error from server (NotFound): deployments.apps "nope" not found' "scale missing"
kubefs create namespace other > /dev/null
touch "$MNT/core/v1/configmaps/default/cm"
run kubefs scale cm cm --replicas=1
expect_eq "$RC" 1 "scale of an unscalable kind fails"
kubefs scale deploy nginx --replicas=3 > /dev/null
gen=$(kubefs get deploy nginx -o jsonpath='{.metadata.generation}')

# status: kubectl's lines, in order, as the controller progresses
run kubefs rollout status deploy/nginx --watch=false
expect_eq "$RC:$OUT" "0:Waiting for deployment spec update to be observed..." "--watch=false"
run kubefs rollout status deploy/nginx --timeout=300ms
expect_eq "$RC:$ERR" "1:error: timed out waiting for the condition" "status timeout"
kubefs rollout status deployment nginx --timeout=60s > "$T/status.out" 2>&1 &
WATCH_PIDS=$!
wait_for grep -q "spec update to be observed" "$T/status.out"
status "{\"observedGeneration\":$gen,\"replicas\":3,\"updatedReplicas\":1}"
wait_for grep -q "1 out of 3 new replicas have been updated" "$T/status.out"
status "{\"observedGeneration\":$gen,\"replicas\":4,\"updatedReplicas\":3}"
wait_for grep -q "1 old replicas are pending termination" "$T/status.out"
status "{\"observedGeneration\":$gen,\"replicas\":3,\"updatedReplicas\":3,\"availableReplicas\":2}"
wait_for grep -q "2 of 3 updated replicas are available" "$T/status.out"
status "{\"observedGeneration\":$gen,\"replicas\":3,\"updatedReplicas\":3,\"availableReplicas\":3,\"readyReplicas\":3}"
wait $WATCH_PIDS || fail "rollout status failed: $(cat "$T/status.out")"
expect_eq "$(cat "$T/status.out")" 'Waiting for deployment spec update to be observed...
Waiting for deployment "nginx" rollout to finish: 1 out of 3 new replicas have been updated...
Waiting for deployment "nginx" rollout to finish: 1 old replicas are pending termination...
Waiting for deployment "nginx" rollout to finish: 2 of 3 updated replicas are available...
deployment "nginx" successfully rolled out' "status lines"
expect_eq "$(kubefs get deploy nginx | tail -1 | awk '{print $2, $3, $4}')" "3/3 3 3" "get after rollout"
status "{\"conditions\":[{\"type\":\"Progressing\",\"status\":\"False\",\"reason\":\"ProgressDeadlineExceeded\"}]}"
run kubefs rollout status deploy/nginx
expect_eq "$RC:$ERR" '1:error: deployment "nginx" exceeded its progress deadline' "deadline exceeded"
run kubefs rollout status deploy/nginx --revision=7
expect_contains "$ERR" "desired revision (7) is different from the running revision" "--revision"
run kubefs rollout status pod/x
expect_eq "$ERR" "error: no status viewer has been implemented for Pod" "unsupported kind"

# history and undo from the ReplicaSets' revisions
uid=$(kubefs get deploy nginx -o jsonpath='{.metadata.uid}')
rs() { # rs REV IMAGE [CAUSE]
	kubefs apply -f - > /dev/null <<YAML
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: nginx-v$1
  labels: {app: nginx, pod-template-hash: h$1}
  annotations:
    deployment.kubernetes.io/revision: "$1"
    ${3:+kubernetes.io/change-cause: "$3"}
  ownerReferences:
  - {apiVersion: apps/v1, kind: Deployment, name: nginx, uid: $uid, controller: true}
spec:
  replicas: 0
  selector: {matchLabels: {app: nginx, pod-template-hash: h$1}}
  template:
    metadata: {labels: {app: nginx, pod-template-hash: h$1}}
    spec:
      containers: [{name: leader, image: $2}]
YAML
}
run kubefs rollout history deploy/nginx
expect_eq "$OUT" "deployment.apps/nginx 
No rollout history found." "no history"
run kubefs rollout undo deploy/nginx
expect_eq "$ERR" 'error: no rollout history found for deployment "nginx"' "undo without history"
rs 1 nginx:1.0
rs 2 nginx:2.0 "image updated to 2.0"
kubefs patch deploy nginx -p '{"metadata":{"annotations":{"deployment.kubernetes.io/revision":"2"}},"spec":{"template":{"spec":{"containers":[{"name":"leader","image":"nginx:2.0"}]}}}}' > /dev/null
run kubefs rollout history deployment/nginx
expect_eq "$OUT" "deployment.apps/nginx 
REVISION  CHANGE-CAUSE
1         <none>
2         image updated to 2.0" "history"
run kubefs rollout history deploy/nginx --revision=1
expect_eq "$(echo "$OUT" | head -1)" "deployment.apps/nginx with revision #1" "history --revision"
echo "$OUT" | qgrep 'Image: *nginx:1.0$' || fail "revision template: $OUT"
echo "$OUT" | qgrep pod-template-hash && fail "pod-template-hash shown"
run kubefs rollout history deploy/nginx --revision=9
expect_eq "$ERR" "error: unable to find the specified revision" "history missing revision"

run kubefs rollout undo deploy/nginx
expect_eq "$OUT" "deployment.apps/nginx rolled back" "undo"
expect_eq "$(kubefs get deploy nginx -o jsonpath='{.spec.template.spec.containers[0].image}')" nginx:1.0 "undone template"
expect_eq "$(kubefs get deploy nginx -o jsonpath='{.spec.template.metadata.labels}')" '{"app":"nginx"}' "no pod-template-hash"
run kubefs rollout undo deploy/nginx --to-revision=1
expect_eq "$OUT" "deployment.apps/nginx skipped rollback (current template already matches revision 1)" "undo to the current template"
run kubefs rollout undo deploy/nginx --to-revision=2
expect_eq "$OUT" "deployment.apps/nginx rolled back" "undo --to-revision"
expect_eq "$(kubefs get deploy nginx -o jsonpath='{.spec.template.spec.containers[0].image}')" nginx:2.0 "template of revision 2"
run kubefs rollout undo deploy/nginx --to-revision=5
expect_eq "$ERR" "error: unable to find specified revision 5 in history" "undo to a missing revision"

# restart, pause, resume
g0=$(kubefs get deploy nginx -o jsonpath='{.metadata.generation}')
run kubefs rollout restart deploy/nginx
expect_eq "$OUT" "deployment.apps/nginx restarted" "restart"
at=$(kubefs get deploy nginx -o jsonpath="{.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']}")
case $at in 20??-??-??T??:??:??Z) ;; *) fail "restartedAt: '$at'" ;; esac
[ "$(kubefs get deploy nginx -o jsonpath='{.metadata.generation}')" -gt "$g0" ] || fail "restart did not change the template"
run kubefs rollout pause deploy/nginx
expect_eq "$OUT" "deployment.apps/nginx paused" "pause"
expect_eq "$(kubefs get deploy nginx -o jsonpath='{.spec.paused}')" true "paused"
run kubefs rollout pause deploy/nginx
expect_eq "$ERR" 'error: deployments.apps "nginx" is already paused' "pause twice"
run kubefs rollout resume deploy/nginx
expect_eq "$OUT" "deployment.apps/nginx resumed" "resume"
run kubefs rollout resume deploy/nginx
expect_eq "$ERR" 'error: deployments.apps "nginx" is not paused' "resume twice"
run kubefs rollout bogus deploy/nginx
expect_contains "$ERR" 'unknown command "bogus" for "kubefs rollout"' "unknown subcommand"
echo ok
