#!/bin/bash
# A restarted node agent re-adopts the containers it left running (same
# container, no restart, no status write), finishes a pod deleted while
# it was down, and removes the runtime's pods the cluster forgot.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
node_setup

mk_httpd web
mk_httpd old 1
wait_long 30 is_phase web Running
wait_long 30 is_phase old Running
ip=$(field web .status.podIP)
cid=$(field web '.status.containerStatuses[0].containerID')
rv=$(field web .metadata.resourceVersion)
field web .status > "$T/status.before"

stop_node
# the containers outlive the agent
expect_eq "$(curl -s -m 5 "http://$ip/")" "hello from kubefs" "httpd while the agent is down"
rm "$P/old" # graceful: waits for the agent

start_node
wait_long 30 gone old
sleep 2 # a status write would come within the first sync
expect_eq "$(field web '.status.containerStatuses[0].containerID')" "$cid" "same container"
expect_eq "$(field web '.status.containerStatuses[0].restartCount')" 0 "no restart"
field web .status > "$T/status.after"
expect_eq "$(field web .metadata.resourceVersion)" "$rv" "no status write ($(diff "$T/status.before" "$T/status.after"))"
expect_eq "$(curl -s -m 5 "http://$ip/")" "hello from kubefs" "httpd after the restart"
grep -q "re-adopting 1 running pod" "$T/node.log" || fail "no re-adoption logged"

rm "$P/web"
wait_long 30 gone web
expect_clean
echo ok
