#!/bin/bash
# kubefs delete: by name, TYPE/NAME, -f, -l, --all; NotFound; waiting for
# graceful termination and the grace period rm, NAME@delete and
# --grace-period/--force each give (a node agent is simulated by writing what it
# would write) and for finalizers.
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

# fake_agent NAME [GRACE]: what the node agent of a pod's node does once
# the pod is marked for deletion (with GRACE seconds, when given: a later
# delete that shortened it): report it finished, then delete it for good.
fake_agent() {
	local want=${2:-}
	for _ in $(seq 1 600); do
		if [ -n "$(kubefs get pod "$1" -o jsonpath='{.metadata.deletionTimestamp}' 2>/dev/null)" ] &&
			{ [ -z "$want" ] || [ "$(kubefs get pod "$1" -o jsonpath='{.metadata.deletionGracePeriodSeconds}' 2>/dev/null)" = "$want" ]; }; then
			echo '{"status":{"phase":"Succeeded"}}' >> "$P/$1@status"
			rm -f "$P/$1"
			return 0
		fi
		sleep 0.05
	done
}

pod() { # pod NAME [LABEL]
	kubefs apply -f - > /dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {app: ${2:-x}}}
spec:
  containers: [{name: c, image: nginx}]
YAML
}

# by name, TYPE/NAME; unbound pods go at once
pod a
pod b
pod c
run kubefs delete pod a
expect_eq "$RC:$OUT" '0:pod "a" deleted' "delete by name"
[ -e "$P/a" ] && fail "a still there"
run kubefs delete pod/b po/c
expect_eq "$OUT" 'pod "b" deleted
pod "c" deleted' "delete TYPE/NAME"
run kubefs delete pod a
expect_eq "$RC" 1 "delete missing fails"
expect_eq "$ERR" 'Error from server (NotFound): pods "a" not found' "NotFound"
run kubefs delete pod a --ignore-not-found
expect_eq "$RC:$OUT:$ERR" "0::" "--ignore-not-found"
run kubefs delete pods
expect_eq "$ERR" "error: resource(s) were provided, but no name was specified" "no name"
run kubefs delete pods x -l app=y
expect_contains "$ERR" "name cannot be provided when a selector is specified" "name and selector"

# -l, --all, -f, -o name, a kind with a group
pod d web
pod e web
pod f db
run kubefs delete pods -l app=web
expect_eq "$OUT" 'pod "d" deleted
pod "e" deleted' "delete -l"
expect_eq "$(kubefs get pods -o name)" "pod/f" "others stay"
touch "$MNT/core/v1/configmaps/default/c1" "$MNT/core/v1/configmaps/default/c2"
expect_eq "$(kubefs delete cm --all -o name)" "configmap/c1
configmap/c2" "--all -o name"
kubefs apply -f "$E2E_SRC/examples/deployment.yaml" > /dev/null
run kubefs delete -f "$E2E_SRC/examples/deployment.yaml"
expect_eq "$OUT" 'deployment.apps "nginx" deleted' "delete -f"
run kubefs delete deploy --all
expect_eq "$ERR" "No resources found" "nothing to delete"

# graceful termination: delete waits until the node agent removes the pod
pod g
echo node-1 > "$P/g@binding"
run kubefs delete pod g --wait=false
expect_eq "$RC:$OUT" '0:pod "g" deleted' "--wait=false returns at once"
expect_eq "$(kubefs get pod g --no-headers | awk '{print $3}')" Terminating "marked, not gone"
run kubefs delete pod g --timeout=300ms
expect_eq "$RC" 1 "timeout while the agent does nothing"
expect_eq "$ERR" "error: timed out waiting for the condition on pods/g" "timeout message"
# (g is marked already: the agent waits for this delete's shorter grace
# period, so that it cannot finish g before the delete is made)
fake_agent g 20 &
WATCH_PIDS=$!
run kubefs delete pod g --grace-period=20 --timeout=30s
expect_eq "$RC:$OUT" '0:pod "g" deleted' "delete waits for the agent"
[ -e "$P/g" ] && fail "g still there after delete returned"
wait $WATCH_PIDS

# the grace period: rm of a bound pod takes the pod's own (30 s by
# default) and leaves it to its node agent; DeleteOptions written to
# NAME@delete, or --grace-period/--force, choose another; grace 0 removes
# it at once, with no agent (there is none here)
grace() { kubefs get pod "$1" -o jsonpath='{.metadata.deletionGracePeriodSeconds}'; }
for n in r d f s; do
	pod $n
	echo node-1 > "$P/$n@binding"
done
rm "$P/r"
expect_eq "$(grace r)" 30 "rm: the pod's grace period"
echo 'gracePeriodSeconds: 7' > "$P/d@delete"
expect_eq "$(grace d)" 7 "@delete with gracePeriodSeconds 7"
echo 'gracePeriodSeconds: 0' > "$P/d@delete"
[ -e "$P/d" ] && fail "@delete with grace 0 left the pod"
echo '{"gracePeriodSeconds": 0}' > "$P/r@delete"
[ -e "$P/r" ] && fail "grace 0 did not end a terminating pod"
run kubefs delete pod s --grace-period=3 --wait=false
expect_eq "$(grace s)" 3 "--grace-period=3"
run kubefs delete pod f --grace-period=0 --force
expect_eq "$RC" 0 "--force: $ERR"
expect_contains "$ERR" "Immediate deletion does not wait for confirmation" "--force warning"
[ -e "$P/f" ] && fail "--force left the pod"

# finalizers hold an object until they are removed
kubefs apply -f - > /dev/null <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: held, finalizers: [example.com/hold]}
YAML
run kubefs delete cm held --wait=false
expect_eq "$OUT" 'configmap "held" deleted' "finalized delete"
[ -n "$(kubefs get cm held -o jsonpath='{.metadata.deletionTimestamp}')" ] ||
	fail "no deletionTimestamp"
kubefs delete cm held --timeout=20s > "$T/held.out" 2>&1 &
WATCH_PIDS=$!
wait_for grep -q 'configmap "held" deleted' "$T/held.out"
kubefs patch cm held -p '{"metadata":{"finalizers":null}}' > /dev/null
wait $WATCH_PIDS || fail "delete did not finish: $(cat "$T/held.out")"
run kubefs get cm held
expect_eq "$RC" 1 "finalized object gone"
echo ok
