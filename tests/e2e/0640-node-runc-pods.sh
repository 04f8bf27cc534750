#!/bin/bash
# A real node: images loaded from docker-save and OCI archives, a busybox
# httpd pod reachable at its pod IP, exit codes of pods that end, and
# nothing left on the host (pods, veths, cgroups, mounts, the bridge)
# once the pods are deleted and the agent stopped.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
node_skip_unless_able

# images
load_images
"$E2E_SRC/tests/images/build-busybox.sh" oci "$T/bb-oci.tar" busybox:oci
out=$(kubefs image --root-dir "$ROOT" load "$T/bb-oci.tar") || fail "oci load: $out"
expect_eq "$out" "Loaded image: docker.io/library/busybox:oci" "oci load"
kubefs image --root-dir "$ROOT" ls > "$T/ls.out"
grep -q '^docker.io/library/busybox  *latest ' "$T/ls.out" || fail "image ls: $(cat "$T/ls.out")"
grep -q '^docker.io/library/busybox  *oci ' "$T/ls.out" || fail "image ls: $(cat "$T/ls.out")"
echo '{}' > "$T/bad.tar"
out=$(kubefs image --root-dir "$ROOT" load "$T/bad.tar" 2>&1) && fail "bad archive loaded"
expect_contains "$out" "is not an image archive" "bad archive"

start_fs
start_node
expect_contains "$(jq -r .status.nodeInfo.containerRuntimeVersion "$MNT/core/v1/nodes/n1@json")" "runc://" "runtime version"

mk_httpd web 2
wait_long 30 is_phase web Running
ip=$(field web .status.podIP)
expect_contains "$(field web '.spec.containers[0].ports[0].containerPort')" 80 "port"
case "$ip" in "${POD_CIDR%.0/24}".*) ;; *) fail "podIP $ip is not in $POD_CIDR" ;; esac
expect_eq "$(curl -s -m 5 "http://$ip/")" "hello from kubefs" "httpd at the pod IP"
expect_eq "$(field web '[.status.conditions[] | select(.type == "Ready") | .status][0]')" True "Ready"
expect_contains "$(field web '.status.containerStatuses[0].containerID')" "runc://" "containerID"
expect_contains "$(field web '.status.containerStatuses[0].imageID')" "docker.io/library/busybox@sha256:" "imageID"
has_event web "Normal Started: Started container httpd" || fail "no Started event"

# pods that end: exit codes and phases (restartPolicy Never)
for p in ok:0 bad:3; do
	cat > "$P/${p%:*}" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: ${p%:*}}
spec:
  nodeName: n1
  restartPolicy: Never
  containers:
  - {name: main, image: "busybox:oci", command: [sh, -c, "exit ${p#*:}"]}
YAML
done
wait_long 30 is_phase ok Succeeded
wait_long 30 is_phase bad Failed
expect_eq "$(field bad '.status.containerStatuses[0].state.terminated | "\(.exitCode) \(.reason)"')" "3 Error" "exit 3"
expect_eq "$(field ok '.status.containerStatuses[0].state.terminated | "\(.exitCode) \(.reason)"')" "0 Completed" "exit 0"

# a missing image and a command that does not exist
cat > "$P/noimg" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: noimg}
spec:
  nodeName: n1
  containers: [{name: main, image: "127.0.0.1:1/nosuch/image:1"}]
YAML
cat > "$P/nocmd" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: nocmd}
spec:
  nodeName: n1
  restartPolicy: Never
  containers: [{name: main, image: busybox, command: [/no/such/binary]}]
YAML
waiting_reason() { [ "$(field "$1" '.status.containerStatuses[0].state.waiting.reason')" = "$2" ]; }
wait_long 30 waiting_reason noimg ErrImagePull
wait_long 30 is_phase nocmd Failed
expect_eq "$(field nocmd '.status.containerStatuses[0].state.terminated | "\(.exitCode) \(.reason)"')" "128 StartError" "bad command"
expect_contains "$(field nocmd '.status.containerStatuses[0].state.terminated.message')" "no such file or directory" "bad command message"
# the node keeps serving the others
expect_eq "$(curl -s -m 5 "http://$ip/")" "hello from kubefs" "httpd still serving"

for p in web ok bad noimg nocmd; do rm "$P/$p"; done
for p in web ok bad noimg nocmd; do wait_long 30 gone "$p"; done
expect_clean
br=$(node_bridge)
[ -n "$br" ] || fail "no bridge for $POD_CIDR"
stop_node
[ -z "$(node_bridge)" ] || fail "bridge $br left after the agent stopped"
expect_eq "$(find /sys/fs/cgroup -maxdepth 2 -name "kubefs-${br#kfb}" | wc -l)" 0 "cgroup dirs left"
echo ok
