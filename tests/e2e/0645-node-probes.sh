#!/bin/bash
# Probes under runc: readiness (httpGet, tcpSocket, exec) failing and
# recovering, liveness restarting a container, startup holding the
# others back; Unhealthy events in the kubelet's words.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
node_setup

cat > "$P/probed" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: busybox
    command: [httpd, -f, -p, "80", -h, /var/www]
    ports: [{name: http, containerPort: 80}]
    readinessProbe: {httpGet: {path: /index.html, port: http}, periodSeconds: 1}
    livenessProbe: {tcpSocket: {port: 80}, periodSeconds: 1}
  - name: flag
    image: busybox
    command: [sleep, "300"]
    readinessProbe: {exec: {command: [test, -e, /tmp/ready]}, periodSeconds: 1, failureThreshold: 1}
  - name: lost
    image: busybox
    command: [httpd, -f, -p, "8080", -h, /var/www]
    readinessProbe: {httpGet: {path: /missing, port: 8080}, periodSeconds: 1, failureThreshold: 1}
YAML
ready_of() { field probed ".status.containerStatuses[] | select(.name == \"$1\") | .ready"; }
is_ready() { [ "$(ready_of "$1")" = "$2" ]; }
wait_long 30 is_phase probed Running
wait_long 20 is_ready web true
wait_long 20 has_event probed "Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 404"
expect_eq "$(ready_of lost)" false "404 is not ready"
expect_eq "$(ready_of flag)" false "exec probe before the file"
expect_eq "$(field probed '[.status.conditions[] | select(.type == "Ready") | .message][0]')" \
	"containers with unready status: [flag lost]" "Ready message"
# recovery: the file appears in the container
id=$(field probed '.status.containerStatuses[] | select(.name == "flag") | .containerID')
runc --root "$ROOT/runc" exec "${id#runc://}" touch /tmp/ready
wait_long 20 is_ready flag true

# liveness: fails once the process stops listening, the container restarts
cat > "$P/liveness" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: liveness}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    command: [sh, -c, "touch /tmp/alive; exec sleep 300"]
    livenessProbe: {exec: {command: [test, -e, /tmp/alive]}, periodSeconds: 1, failureThreshold: 2}
    startupProbe: {exec: {command: [test, -e, /tmp/alive]}, periodSeconds: 1}
YAML
wait_long 30 is_phase liveness Running
started() { [ "$(field liveness '.status.containerStatuses[0].started')" = true ]; }
wait_long 20 started
id=$(field liveness '.status.containerStatuses[0].containerID')
runc --root "$ROOT/runc" exec "${id#runc://}" rm /tmp/alive
restarted() { [ "$(field liveness '.status.containerStatuses[0].restartCount')" -ge 1 ]; }
wait_long 30 restarted
has_event liveness "Normal Killing: Container main failed liveness probe, will be restarted" ||
	fail "no Killing event for the liveness probe"
has_event liveness "Warning Unhealthy: Liveness probe failed" || fail "no Unhealthy event"

rm "$P/probed" "$P/liveness"
wait_long 30 gone probed
wait_long 30 gone liveness
expect_clean
echo ok
