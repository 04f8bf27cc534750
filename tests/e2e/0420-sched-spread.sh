#!/bin/bash
# Scoring: pods of one controller spread over the nodes (SelectorSpread,
# alone with --weight flags), preferred node affinity, PreferNoSchedule.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sched.sh"

start_fs
# unequal nodes: resource scoring alone would favour the big one
mknode big 64 256Gi 110
mknode mid 8 16Gi 110
mknode small 4 8Gi 110
start_sched --weight-NodeResourcesFit=0 --weight-NodeResourcesBalancedAllocation=0 \
	--weight-NodeAffinity=0 --weight-TaintToleration=0
owned_pod() { # name owner-uid
	cat > "$P/$1" <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: $2, uid: $2, controller: true}
spec:
  containers:
  - {name: c, image: registry.k8s.io/pause:3.9, resources: {requests: {cpu: 100m, memory: 64Mi}}}
YAML
}
# one at a time, so every decision sees the previous ones
for i in 0 1 2 3 4 5; do
	owned_pod "rs-a-$i" aaaa-1111
	wait_for bound "rs-a-$i"
done
expect_eq "$(for i in 0 1 2 3 4 5; do node_of "rs-a-$i"; done | sort | uniq -c | awk '{print $1}' | tr '\n' ' ')" "2 2 2 " "SelectorSpread: two per node"
# another controller's pods are counted on their own
owned_pod rs-b-0 bbbb-2222
wait_for bound rs-b-0
stop_sched "$SCHED_PID"

# default weights: preferred affinity and PreferNoSchedule taints count
mknode soft 64 256Gi 110 "" "{taints: [{key: maintenance, effect: PreferNoSchedule}]}"
start_sched
mkpod prefer-small 100m 64Mi "  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        preference:
          matchExpressions:
          - {key: kubernetes.io/hostname, operator: In, values: [small]}"
wait_for bound prefer-small
expect_eq "$(node_of prefer-small)" small "preferred node affinity"
for i in 0 1 2; do
	mkpod "plain-$i" 100m 64Mi
	wait_for bound "plain-$i"
	[ "$(node_of "plain-$i")" = soft ] && fail "plain-$i went to the PreferNoSchedule node"
done
echo ok
