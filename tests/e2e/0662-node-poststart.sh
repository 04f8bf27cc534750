#!/bin/bash
# postStart hooks under runc: the container is not running until its
# handler (exec, httpGet) has returned; a failing handler kills it
# (FailedPostStartHook), then the restart policy decides.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
node_setup
k() { kubefs --mount "$MNT" "$@"; }
nodeip=$(jq -r '.status.addresses[] | select(.type == "InternalIP") | .address' \
	"$MNT/core/v1/nodes/n1@json")

# hook_pod NAME POLICY HANDLER: a sleeping busybox with a postStart HANDLER
hook_pod() {
	printf '%s\n' "apiVersion: v1" "kind: Pod" "metadata: {name: $1}" "spec:" \
		"  nodeName: n1" "  restartPolicy: $2" "  terminationGracePeriodSeconds: 1" \
		"  containers: [{name: main, image: busybox, command: [sleep, '300'], lifecycle: {postStart: $3}}]" \
		>"$P/$1"
}
# exec: a slow handler; httpGet: any answer passes (the agent's own
# endpoint answers 404 or 401)
hook_pod hooked Always '{exec: {command: [sh, -c, "sleep 2; echo hooked > /tmp/h"]}}'
hook_pod hookweb Always "{httpGet: {host: '$nodeip', port: $NODE_PORT, path: /poststart}}"
running() { [ "$(field "$1" '.status.containerStatuses[0].state.running != null')" = true ]; }
wait_long 30 running hooked
# running only once the handler has written its file
expect_eq "$(k exec hooked -- cat /tmp/h)" hooked "postStart ran before Running"
wait_long 30 is_phase hookweb Running

# a failing exec handler with restartPolicy Never: killed, the pod fails
hook_pod badexec Never '{exec: {command: [sh, -c, "echo oops >&2; exit 3"]}}'
wait_long 30 is_phase badexec Failed
uid=$(field badexec .metadata.uid)
expect_eq "$(field badexec '.status.containerStatuses[0].state.terminated.exitCode')" 137 "killed"
expect_contains "$(field badexec '.status.containerStatuses[0].state.terminated.message')" \
	"Exec lifecycle hook ([sh -c echo oops >&2; exit 3]) for Container \"main\" in Pod \"badexec_default($uid)\" failed - error: command 'sh -c echo oops >&2; exit 3' exited with 3: oops, message: \"oops\"" "hook message"
has_event badexec "Warning FailedPostStartHook: PostStartHook failed" || fail "no FailedPostStartHook event"
has_event badexec "Normal Killing: FailedPostStartHook" || fail "no Killing event"

# a failing httpGet handler (nothing listens) with Always: restarted
hook_pod badhttp Always '{httpGet: {port: 81, path: /x}}'
restarted() { [ "$(field badhttp '.status.containerStatuses[0].restartCount')" -ge 1 ]; }
wait_long 30 restarted
expect_eq "$(field badhttp '.status.containerStatuses[0].lastState.terminated.exitCode')" 137 "last run killed"
has_event badhttp "Warning FailedPostStartHook: PostStartHook failed" || fail "no FailedPostStartHook event (http)"
[ "$(field badhttp '.status.containerStatuses[0].ready')" = false ] || fail "a container whose hook fails is never ready"

rm "$P/hooked" "$P/hookweb" "$P/badexec" "$P/badhttp"
for p in hooked hookweb badexec badhttp; do wait_long 30 gone $p; done
expect_clean
echo ok
