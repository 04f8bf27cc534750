#!/bin/bash
# Container logs through the node agent's endpoint: POD@log and
# POD@log.CONTAINER in the tree (the API server fetches them), kubefs
# logs, the previous run, tailLines, and Kubernetes' errors.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
node_setup

cat > "$P/talk" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: talk}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 1
  containers:
  - {name: a, image: busybox, command: [sh, -c, "echo one; echo two; echo three; exec sleep 300"]}
  - {name: b, image: busybox, command: [sh, -c, "echo run-\$(date +%s%N); sleep 1; exit 1"]}
YAML
wait_long 30 is_phase talk Running
has_three() { grep -q three "$P/talk@log.a"; }
wait_long 20 has_three
expect_eq "$(cat "$P/talk@log.a")" "one
two
three" "talk@log.a"
expect_eq "$(cat "$P/talk@log")" "$(cat "$P/talk@log.a")" "the first container by default"
expect_eq "$(kubefs --mount "$MNT" logs talk -c a)" "one
two
three" "kubefs logs"
expect_eq "$(kubefs --mount "$MNT" logs talk -c a --tail=1)" "three" "kubefs logs --tail"

# the endpoint itself: tailLines, previous run, errors
base=http://$(jq -r '.status.addresses[0].address' "$MNT/core/v1/nodes/n1@json"):$NODE_PORT
# only with the node's token (the Secret kube-system/kubefs-node-endpoint-n1)
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$base/containerLogs/default/talk/a")" 401 "no token"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' "$base/containerLogs/default/talk/a")" 401 "a wrong token"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/exec/default/talk/a?command=true")" 401 "exec without a token"
expect_eq "$(curl -s "$base/healthz")" ok "healthz needs none"
expect_eq "$(agent_curl -s "$base/containerLogs/default/talk/a?tailLines=2")" "two
three" "tailLines"
restarted() { [ "$(field talk '.status.containerStatuses[] | select(.name == "b") | .restartCount')" -ge 1 ]; }
wait_long 30 restarted
prev=$(agent_curl -s "$base/containerLogs/default/talk/b?previous=true")
expect_contains "$prev" "run-" "previous run"
expect_eq "$(agent_curl -s -o /dev/null -w '%{http_code}' "$base/containerLogs/default/nosuch/a")" 404 "unknown pod"
expect_eq "$(agent_curl -s "$base/containerLogs/default/nosuch/a")" 'pods "nosuch" not found' "unknown pod message"
expect_eq "$(agent_curl -s "$base/containerLogs/default/talk/a?previous=true")" \
	'previous terminated container "a" in pod "talk" not found' "no previous run"
cat "$P/talk@log.zz" 2>/dev/null && fail "log of an unknown container"
expect_contains "$(kubefs --mount "$MNT" logs talk -c b --previous)" "run-" "kubefs logs --previous"
expect_eq "$(kubefs --mount "$MNT" logs talk -c a -p 2>&1)" \
	'Error from server (BadRequest): previous terminated container "a" in pod "talk" not found' "kubefs logs -p without one"
kubefs --mount "$MNT" logs talk -c a --timestamps --tail=1 | qgrep '^20[0-9-]*T[0-9:.]*Z three$' ||
	fail "kubefs logs --timestamps: $(kubefs --mount "$MNT" logs talk -c a --timestamps --tail=1 2>&1)"
expect_eq "$(kubefs --mount "$MNT" logs talk -c a --since=1h)" "one
two
three" "kubefs logs --since"

rm "$P/talk"
wait_long 30 gone talk
expect_clean
echo ok
