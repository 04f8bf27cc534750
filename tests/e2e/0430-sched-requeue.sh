#!/bin/bash
# Pods that fit nowhere wait and are retried when the cluster changes:
# a node added, a node relabelled, a pod finished; bad pods never crash
# the scheduler.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sched.sh"

start_fs
start_sched
# no nodes at all
mkpod early 100m 64Mi
expect_unschedulable early "no nodes available to schedule pods"
wait_for has_event early "Warning FailedScheduling: no nodes available to schedule pods"
mknode n1 2 4Gi 2 "zone: a"
wait_for bound early

# Too many pods; a finished pod frees its place
mkpod second 100m 64Mi
wait_for bound second
mkpod third 100m 64Mi
expect_unschedulable third "0/1 nodes are available: 1 Too many pods."
echo '{"status":{"phase":"Succeeded"}}' >> "$P/early@status"
wait_for bound third

# a node relabelled to match
mkpod wants-b 100m 64Mi "  nodeSelector: {zone: b}"
expect_unschedulable wants-b "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."
mknode n2 2 4Gi 110 "zone: c"
expect_unschedulable wants-b "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."
echo '{"metadata":{"labels":{"zone":"b"}}}' >> "$MNT/core/v1/nodes/n2"
wait_for bound wants-b
expect_eq "$(node_of wants-b)" n2 "relabelled node"

# hostile pods: absurd requests, odd selectors (the API server may refuse
# some of them outright; those that get in must not hurt)
mkpod absurd 9999999999999 64Mi
mkpod weird-op 100m 64Mi "  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: zone, operator: Gt, values: [a, b]}" 2>/dev/null || true
mkpod deep-anti 100m 64Mi "  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchExpressions: [{key: app, operator: Exists}]}
        topologyKey: no-such-label"
# n1 is full (2 pods) and short of cpu, n2 only short of cpu
expect_unschedulable absurd "0/2 nodes are available: 1 Too many pods, 2 Insufficient cpu."
wait_for bound deep-anti
kill -0 "$SCHED_PID" || fail "kubefs-sched died on hostile pods"
mkpod after-hostile 100m 64Mi
wait_for bound after-hostile
bound absurd && fail "absurd pod bound"
[ -e "$P/weird-op" ] && bound weird-op && fail "weird-op pod bound"
stop_sched "$SCHED_PID"
echo ok
