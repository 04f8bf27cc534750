#!/bin/bash
# Graceful deletion under runc: the preStop hook runs in the container,
# then SIGTERM, then SIGKILL at the end of the grace period; a process
# that handles SIGTERM ends at once. Killing events, and nothing left.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
node_setup

cat > "$P/hooked" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: hooked}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 4
  containers:
  - name: httpd
    image: busybox
    command: [httpd, -f, -p, "80", -h, /var/www]
    lifecycle:
      preStop:
        exec: {command: [sh, -c, "echo prestop-ran > /proc/1/fd/1"]}
YAML
cat > "$P/polite" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: polite}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 120
  containers:
  - name: main
    image: busybox
    command: [sh, -c, "trap 'echo got-term; sleep 5; exit 0' TERM; echo up; while true; do sleep 0.1; done"]
YAML
wait_long 30 is_phase hooked Running
wait_long 30 is_phase polite Running
uid=$(field hooked .metadata.uid)
log=$ROOT/logs/default_hooked_$uid/httpd/0.log
puid=$(field polite .metadata.uid)
plog=$ROOT/logs/default_polite_$puid/main/0.log

rm "$P/hooked"
# while it terminates (httpd ignores SIGTERM: it waits for its grace
# period), the hook has written into the container's output
hook_ran() { grep -q ' stdout F prestop-ran$' "$log"; }
wait_long 10 hook_ran
[ -e "$P/hooked" ] || fail "pod gone before its grace period"
has_event hooked "Normal Killing: Stopping container httpd" || fail "no Killing event"
wait_long 30 gone hooked

# SIGTERM handled: the pod goes long before its 120 s grace period (once
# its shell has set the trap: Running comes before the shell's first line).
# The handler lingers 5 s so that its line is seen before the pod and its
# logs are removed.
said_up() { grep -q ' stdout F up$' "$plog" 2>/dev/null; }
wait_long 20 said_up
rm "$P/polite"
got_term() { grep -q ' stdout F got-term$' "$plog" 2>/dev/null; }
wait_long 60 got_term
wait_long 60 gone polite
expect_clean
echo ok
