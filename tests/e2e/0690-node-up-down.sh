#!/bin/bash
# kubefs up starts a real node agent; a Deployment's pods are scheduled
# to it and serve at their pod IPs; kubefs down stops them (node
# shutdown) and leaves nothing on the host.
. "$(dirname "$0")/netns-lib.sh" # its kubefs up meets no other cluster
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
# the seed story: a Deployment, scheduled, run, reachable at its pod IPs
cat > "$T/web.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 3
      containers:
      - name: httpd
        image: busybox
        command: [httpd, -f, -p, "80", -h, /var/www]
        resources: {requests: {cpu: 100m, memory: 32Mi}}
        ports: [{containerPort: 80}]
YAML
kubefs --mount "$MNT" apply -f "$T/web.yaml" >/dev/null || fail "apply"
running_ips() {
	for f in "$P"/*; do
		[ -e "$f" ] && cat "$f@json"
	done 2>/dev/null | jq -r 'select(.metadata.labels.app == "web" and
		.status.phase == "Running" and .status.podIP != null) | .status.podIP'
}
two_running() { [ "$(running_ips | wc -l)" = 2 ]; }
if ! kubefs-sched --version >/dev/null 2>&1 || ! kubefs-ctrl --version >/dev/null 2>&1; then
	mk_httpd web-0 3 web
	mk_httpd web-1 3 web
fi
wait_long 40 two_running
for ip in $(running_ips); do
	expect_eq "$(curl -s -m 5 "http://$ip/")" "hello from kubefs" "httpd at $ip"
done
br=$(node_bridge)
KUBEFS_MOUNT=$MNT kubefs down --state "$S" > "$T/down.out"
grep -q '^kubefs-node  *stopped$' "$T/down.out" || fail "node not stopped cleanly: $(cat "$T/down.out")"
expect_eq "$(node_leftovers)" "0 0 0 0" "left on the host after down"
[ -z "$(node_bridge)" ] || fail "bridge $br left after down"
grep -q "node shutdown: stopping 2 pods" "$S/log/kubefs-node.log" ||
	fail "no node shutdown in the log: $(tail "$S/log/kubefs-node.log")"
echo ok
