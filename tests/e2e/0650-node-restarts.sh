#!/bin/bash
# Restart policies under runc: a crashing container is restarted at once,
# then backs off (CrashLoopBackOff, 10 s doubling) with its last state;
# OnFailure stops after a success; logs of each attempt are in the CRI
# format under the node's log dir.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
node_setup

cat > "$P/crash" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  nodeName: n1
  containers:
  - {name: main, image: busybox, command: [sh, -c, "echo attempt; echo oops >&2; exit 3"]}
YAML
# OnFailure: a command that succeeds is not restarted
cat > "$P/once" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: once}
spec:
  nodeName: n1
  restartPolicy: OnFailure
  containers:
  - {name: main, image: busybox, command: [sh, -c, "echo done"]}
YAML
in_backoff() {
	[ "$(field crash '.status.containerStatuses[0] | "\(.restartCount >= 1) \(.state.waiting.reason)"')" = "true CrashLoopBackOff" ]
}
wait_long 30 in_backoff
st=$(field crash '.status.containerStatuses[0]')
expect_contains "$(jq -r .state.waiting.message <<<"$st")" "back-off 10s restarting failed container=main pod=crash_default(" "back-off message"
expect_eq "$(jq -r '.lastState.terminated | "\(.exitCode) \(.reason)"' <<<"$st")" "3 Error" "last state"
expect_eq "$(field crash .status.phase)" Running "phase of a crash-looping pod"
expect_eq "$(field crash '[.status.conditions[] | select(.type == "Ready") | .reason][0]')" ContainersNotReady "Ready reason"
has_event crash "Warning BackOff: Back-off restarting failed container main in pod crash_default" ||
	fail "no BackOff event"
# the next attempt comes after the back-off
restarted() { [ "$(field crash '.status.containerStatuses[0].restartCount')" -ge 2 ]; }
wait_long 30 restarted

wait_long 30 is_phase once Succeeded
expect_eq "$(field once '.status.containerStatuses[0].restartCount')" 0 "OnFailure after success"

# CRI logs: one file per attempt, stdout and stderr lines
uid=$(field crash .metadata.uid)
log=$ROOT/logs/default_crash_$uid/main/0.log
[ -f "$log" ] || fail "no log file $log: $(find "$ROOT/logs")"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z stdout F attempt$' "$log" || fail "stdout line: $(cat "$log")"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z stderr F oops$' "$log" || fail "stderr line: $(cat "$log")"
[ -f "$ROOT/logs/default_crash_$uid/main/1.log" ] || fail "no log of the first restart"

rm "$P/crash" "$P/once"
wait_long 30 gone crash
wait_long 30 gone once
expect_clean
[ ! -e "$ROOT/logs/default_crash_$uid" ] || fail "logs left after the pod went"
echo ok
