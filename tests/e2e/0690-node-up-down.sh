#!/bin/bash
# kubefs up starts a real node agent; its pods run; kubefs down stops
# them (node shutdown) and leaves nothing on the host.
. "$(dirname "$0")/lib.sh"
S=$T/state
ROOT=$S/node
. "$E2E_SRC/tests/images/node-lib.sh"
node_skip_unless_able

load_images
kubefs --mount "$MNT" up --state "$S" --node-name n1 --pod-cidr "$POD_CIDR" \
	> "$T/up.out" || fail "kubefs up: $(cat "$T/up.out")"
grep -q '^kubefs-node  *started' "$T/up.out" || fail "node not started: $(cat "$T/up.out")"
wait_long 20 node_ready n1
mk_httpd web 3
wait_long 30 is_phase web Running
ip=$(field web .status.podIP)
expect_eq "$(curl -s -m 5 "http://$ip/")" "hello from kubefs" "httpd at the pod IP"
br=$(node_bridge)
KUBEFS_MOUNT=$MNT kubefs down --state "$S" > "$T/down.out"
grep -q '^kubefs-node  *stopped$' "$T/down.out" || fail "node not stopped cleanly: $(cat "$T/down.out")"
expect_eq "$(node_leftovers)" "0 0 0 0" "left on the host after down"
[ -z "$(node_bridge)" ] || fail "bridge $br left after down"
grep -q "node shutdown: stopping 1 pod" "$S/log/kubefs-node.log" ||
	fail "no node shutdown in the log: $(tail "$S/log/kubefs-node.log")"
echo ok
