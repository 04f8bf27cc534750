#!/bin/bash
# A rolling update with maxUnavailable=0: a watcher on the pods' @watch
# stream counts ready, non-terminating pods through the whole rollout and
# the count never drops below spec.replicas. Then `kubefs rollout undo`
# goes back to revision 1 (the old ReplicaSet, now revision 3), pause
# holds a template change back until resume, and the revision history
# limit deletes the oldest ReplicaSets.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctrl-lib.sh"

start_cluster 3
cat > "$D/web" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  revisionHistoryLimit: 1
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: "nginx:1.0"}]}
YAML
wait_long available web 4
rs1=$(ls "$RS")
hash1=${rs1#web-}

# count ready pods on every pod event
jq -n --unbuffered -c 'foreach inputs as $e ({};
	if $e.type == "DELETED" then del(.[$e.object.metadata.name])
	elif $e.type == "BOOKMARK" then .
	else .[$e.object.metadata.name] =
		(($e.object.metadata.deletionTimestamp == null) and
		 ([$e.object.status.conditions[]? |
		   select(.type == "Ready" and .status == "True")] | length > 0))
	end; [.[] | select(.)] | length)' < "$P/@watch" > "$T/ready.log" 2>&1 &
WATCHER=$!
WATCH_PIDS="$WATCHER"
wait_for grep -qx 4 "$T/ready.log"

echo '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:2.0"}]}}}}' >> "$D/web"
wait_eq 'revision "$D/web"' 2
wait_long available web 4
rs2=$(cd "$RS" && ls | grep -vx "$rs1")
expect_eq "$(jqf "$RS/$rs1" .spec.replicas)" 0 "old ReplicaSet scaled to 0"
expect_eq "$(revision "$RS/$rs2")" 2 "new revision"
wait_eq 'count_running app=web' 4
for p in $(running_pods app=web); do
	expect_eq "$(jqf "$P/$p" '.spec.containers[0].image')" nginx:2.0 "image of $p"
done
kill "$WATCHER"
# from the first time all 4 were ready, never fewer
min=$(awk 'seen && $1 < m {m = $1} $1 == 4 && !seen {seen = 1; m = 4} END {print seen ? m : -1}' "$T/ready.log")
expect_eq "$min" 4 "fewest ready pods during the rollout (maxUnavailable=0)"
grep -qx 5 "$T/ready.log" || fail "never surged to 5 ready pods"
wait_for has_event web "Scaled down replica set $rs1 to 0 from 1"

# rollback: the old ReplicaSet becomes revision 3
kubefs --mount "$MNT" rollout undo deployment/web > "$T/undo.out" || fail "undo: $(cat "$T/undo.out")"
expect_eq "$(cat "$T/undo.out")" "deployment.apps/web rolled back" "undo output"
wait_eq 'revision "$RS/$rs1"' 3
wait_long available web 4
expect_eq "$(jqf "$RS/$rs1" .spec.replicas)" 4 "rolled-back ReplicaSet size"
expect_eq "$(jqf "$RS/$rs2" .spec.replicas)" 0 "rolled-away ReplicaSet size"
wait_eq 'count_running "pod-template-hash=$hash1"' 4
kubefs --mount "$MNT" rollout history deployment/web > "$T/hist.out"
expect_contains "$(cat "$T/hist.out")" "3 " "history"
kubefs --mount "$MNT" rollout status deployment/web > "$T/status.out" || fail "rollout status"
expect_eq "$(cat "$T/status.out")" 'deployment "web" successfully rolled out' "rollout status"

# pause holds a new template back; resume rolls it out; the history
# limit (1) leaves two ReplicaSets: the new one and revision 3
kubefs --mount "$MNT" rollout pause deployment/web >/dev/null || fail "pause"
echo '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:3.0"}]}}}}' >> "$D/web"
wait_eq 'progressing web' DeploymentPaused
for r in "$RS"/*; do
	[ "$(jqf "$r" '.spec.template.spec.containers[0].image')" = nginx:3.0 ] &&
		fail "a new ReplicaSet while paused"
done
expect_eq "$(count_running "pod-template-hash=$hash1")" 4 "pods while paused"
kubefs --mount "$MNT" rollout resume deployment/web >/dev/null || fail "resume"
wait_eq 'revision "$D/web"' 4
wait_long available web 4
wait_eq rs_count 2
[ -e "$RS/$rs2" ] && fail "revision 2 outlived the history limit"
echo ok
