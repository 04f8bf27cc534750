#!/bin/bash
# Resource limits under runc: a container over its memory limit is
# OOMKilled (exit 137) and restarted; a fork bomb stops at the pids limit;
# cgroups by QoS class; the node keeps serving the other pods.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
node_setup --pod-max-pids 64

mk_httpd web
cat > "$P/hog" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  nodeName: n1
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: [sort, /dev/zero]
    resources:
      requests: {memory: 24Mi, cpu: 100m}
      limits: {memory: 24Mi, cpu: 100m}
YAML
cat > "$P/bomb" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: bomb}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    command: [sh, -c, "(for i in \$(seq 200); do sleep 300 & done) 2>&1; echo spawned; exec sleep 300"]
YAML
wait_long 30 is_phase web Running
wait_long 30 is_phase hog Failed
expect_eq "$(field hog '.status.containerStatuses[0].state.terminated | "\(.exitCode) \(.reason)"')" "137 OOMKilled" "memory hog"
expect_eq "$(field hog .status.qosClass)" Guaranteed "qos class"

wait_long 30 is_phase bomb Running
uid=$(field bomb .metadata.uid)
cg=$(find /sys/fs/cgroup/pids/kubefs-*/kubepods/besteffort/"pod$uid" -mindepth 1 -maxdepth 1 -type d | sed -n 1p)
[ -n "$cg" ] || fail "no pids cgroup for the bomb (BestEffort)"
expect_eq "$(cat "$cg/pids.max")" 64 "pids.max"
spawned() { grep -q 'spawned' "$ROOT/logs/default_bomb_$uid/main/0.log"; }
wait_long 20 spawned
[ "$(cat "$cg/pids.current")" -le 64 ] || fail "pids over the limit"
grep -q "can't fork" "$ROOT/logs/default_bomb_$uid/main/0.log" || fail "no fork failure logged"

# the others are still served
ip=$(field web .status.podIP)
expect_eq "$(curl -s -m 5 "http://$ip/")" "hello from kubefs" "httpd next to the bomb"

for p in web hog bomb; do rm "$P/$p"; done
for p in web hog bomb; do wait_long 30 gone "$p"; done
expect_clean
echo ok
