#!/bin/bash
# kubefs wait: --for=condition, --for=jsonpath, --for=delete, timeouts,
# selectors. Status is written as the components would write it.
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
pod() {
	kubefs apply -f - > /dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {app: ${2:-x}}}
spec:
  containers: [{name: c, image: nginx}]
YAML
}
ready() { # ready NAME True|False
	echo "{\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"$2\"}]}}" >> "$P/$1@status"
}

pod a web
pod b web

# a condition that is not there yet times out, with kubectl's message
run kubefs wait --for=condition=Ready pod/a --timeout=300ms
expect_eq "$RC:$ERR" "1:error: timed out waiting for the condition on pods/a" "timeout"
run kubefs wait --for=condition=Ready pod/a --timeout=0
expect_eq "$RC" 1 "--timeout=0 checks once"

# met while waiting
kubefs wait --for=condition=Ready pod/a --timeout=30s > "$T/a.out" 2>&1 &
WATCH_PIDS=$!
wait_for has_stream $WATCH_PIDS
ready a True
wait $WATCH_PIDS || fail "wait failed: $(cat "$T/a.out")"
expect_eq "$(cat "$T/a.out")" "pod/a condition met" "condition met"
run kubefs wait --for=condition=ready=true pods a
expect_eq "$OUT" "pod/a condition met" "case-insensitive condition, TYPE NAME"
ready b False
run kubefs wait --for=condition=Ready=False pod/b --timeout=5s
expect_eq "$OUT" "pod/b condition met" "condition value"

# jsonpath, with and without a value, with a filter
run kubefs wait --for=jsonpath='{.status.phase}'=Running pod/a --timeout=5s
expect_eq "$OUT" "pod/a condition met" "jsonpath value"
run kubefs wait --for=jsonpath='{.status.conditions[?(@.type=="Ready")].status}'=True pod/a --timeout=5s
expect_eq "$OUT" "pod/a condition met" "jsonpath filter"
run kubefs wait --for=jsonpath='{.spec.nodeName}' pod/a --timeout=300ms
expect_eq "$RC" 1 "jsonpath without a value waits for one"
echo node-1 > "$P/a@binding"
run kubefs wait --for=jsonpath='{.spec.nodeName}' pod/a --timeout=5s
expect_eq "$OUT" "pod/a condition met" "jsonpath presence"
run kubefs wait --for=jsonpath='.status.phase=Running' pod/a
expect_contains "$ERR" "jsonpath wait format must be" "bad jsonpath form"

# several objects: -l, --all
ready b True
run kubefs wait --for=condition=Ready pods -l app=web --timeout=5s
expect_eq "$OUT" "pod/a condition met
pod/b condition met" "-l"
run kubefs wait --for=condition=Ready pods --all --timeout=5s
expect_eq "$RC" 0 "--all"
run kubefs wait --for=condition=Ready pods -l app=none --timeout=5s
expect_eq "$ERR" "error: no matching resources found" "nothing selected"

# delete
pod c
kubefs wait --for=delete pod/c --timeout=30s > "$T/c.out" 2>&1 &
WATCH_PIDS=$!
wait_for has_stream $WATCH_PIDS
kubefs delete pod c --wait=false > /dev/null
wait $WATCH_PIDS || fail "wait --for=delete failed: $(cat "$T/c.out")"
expect_eq "$(cat "$T/c.out")" "pod/c condition met" "deleted"

# errors
run kubefs wait --for=condition=Ready pod/nope --timeout=5s
expect_eq "$ERR" 'Error from server (NotFound): pods "nope" not found' "NotFound"
run kubefs wait --for=sometimes pod/a
expect_eq "$ERR" 'error: unrecognized condition: "sometimes"' "bad --for"
run kubefs wait pod/a
expect_eq "$ERR" "error: --for must be set" "no --for"
run kubefs wait --for=delete pods
expect_contains "$ERR" "no name was specified" "no name"
echo ok
