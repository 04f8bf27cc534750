#!/bin/bash
# kubefs-sched binds pods: --version, flags, binding through @binding with
# a Scheduled event, pods of other schedulers left alone, --scheduler-name,
# SIGTERM, and a restart that rebuilds its view from the tree.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sched.sh"

# --version answers without a cluster; a bad flag is a usage error
expect_contains "$(kubefs-sched --version)" "kubefs-sched "
rc=0; kubefs-sched --no-such-flag 2>/dev/null || rc=$?
expect_eq "$rc" 2 "exit status for an unknown flag"
rc=0; kubefs-sched --cluster /nonexistent --weight-NodePorts=3 2>/dev/null || rc=$?
expect_eq "$rc" 2 "exit status for a weight on a filter-only plugin"

start_fs
mknode n1 4 8Gi 110
mknode n2 4 8Gi 110
start_sched
MAIN=$SCHED_PID
for i in 0 1 2 3; do mkpod "web-$i" 500m 256Mi; done
for i in 0 1 2 3; do wait_for bound "web-$i"; done
for i in 0 1 2 3; do
	case "$(node_of "web-$i")" in n1 | n2) ;; *) fail "web-$i on '$(node_of "web-$i")'" ;; esac
done
# least allocated: two on each node
expect_eq "$(for i in 0 1 2 3; do node_of "web-$i"; done | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')" "2 2 " "spread over n1 and n2"
n=$(node_of web-0)
wait_for has_event web-0 "Normal Scheduled: Successfully assigned default/web-0 to $n"

# a pod for another scheduler is left alone, even while others bind
cat > "$P/theirs" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: theirs}
spec:
  schedulerName: my-scheduler
  containers: [{name: c, image: registry.k8s.io/pause:3.9}]
YAML
mkpod after 100m 64Mi
wait_for bound after
bound theirs && fail "a pod of my-scheduler was bound by default-scheduler"
expect_eq "$(jq -r '[.status.conditions[]? | select(.type == "PodScheduled")] | length' "$P/theirs@json")" 0 "no condition on a foreign pod"

# a second scheduler by that name takes it
start_sched --scheduler-name my-scheduler
OTHER=$SCHED_PID
wait_for bound theirs
stop_sched "$OTHER"

# SIGTERM stops cleanly; a restart rebuilds the cache from the tree: the
# node filled before the restart is still full after it
mknode small 1 1Gi 110 "size: small"
mkpod big 1 512Mi "  nodeSelector: {size: small}"
wait_for bound big
expect_eq "$(node_of big)" small "nodeSelector"
stop_sched "$MAIN"
grep -q "stopped" "$T/sched.log" || fail "no clean stop in the log"
start_sched
mkpod big2 1 512Mi "  nodeSelector: {size: small}"
expect_unschedulable big2 "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector."
wait_for has_event big2 "Warning FailedScheduling: 0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector."
kill -0 "$SCHED_PID" || fail "kubefs-sched died"
echo ok
