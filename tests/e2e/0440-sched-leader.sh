#!/bin/bash
# --leader-elect: of two schedulers only the holder of the Lease
# kube-system/kube-scheduler binds; when it stops, the other takes over.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sched.sh"

start_fs
mknode n1 4 8Gi 110
start_sched --leader-elect
A=$SCHED_PID
wait_for grep -q "became the leader" "$T/sched.log"
seen_a() { grep -c "new leader elected: .*_$A\$" "$T/sched.log" || true; }
n=$(seen_a)
start_sched --leader-elect
B=$SCHED_PID
# B has read the Lease and found A holding it: from here "one leader"
# means B did not take it
more_seen_a() { [ "$(seen_a)" -gt "$n" ]; }
wait_for more_seen_a
L=$MNT/coordination.k8s.io/v1/leases/kube-system/kube-scheduler
holder=$(jq -r .spec.holderIdentity "$L@json")
expect_contains "$holder" "_$A" "lease holder"
mkpod one 100m 64Mi
wait_for bound one
expect_eq "$(grep -c "became the leader" "$T/sched.log")" 1 "one leader"

# the leader stops and releases the Lease; the other one takes over
stop_sched "$A"
wait_for grep -q "_$B" "$L"
mkpod two 100m 64Mi
wait_for bound two
expect_eq "$(grep -c "became the leader" "$T/sched.log")" 2 "a new leader"
stop_sched "$B"
echo ok
