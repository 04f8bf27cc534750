#!/bin/bash
# Every filter speaks in kube-scheduler's words: the PodScheduled
# condition (reason Unschedulable) and the FailedScheduling event carry
# "0/N nodes are available: ..." with the reasons counted and sorted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_sched.sh"

start_fs
mknode n1 2 4Gi 110 "disk: ssd, zone: a"
mknode n2 8 16Gi 110 "" "{taints: [{key: dedicated, value: gpu, effect: NoSchedule}]}"
mknode n3 8 16Gi 110 "" "{unschedulable: true}"
start_sched
TAIL="1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable."

# NodeResourcesFit
mkpod too-big 3 1Gi
expect_unschedulable too-big "0/3 nodes are available: 1 Insufficient cpu, $TAIL"
wait_for has_event too-big "Warning FailedScheduling: 0/3 nodes are available: 1 Insufficient cpu, $TAIL"
expect_eq "$(jq -r '.status.conditions[] | select(.type == "PodScheduled") | .status + " " + .reason' "$P/too-big@json")" "False Unschedulable" "condition"
mkpod too-much-memory 100m 5Gi
expect_unschedulable too-much-memory "0/3 nodes are available: 1 Insufficient memory, $TAIL"

# NodeAffinity: nodeSelector and required node affinity
mkpod selector 100m 64Mi "  nodeSelector: {disk: hdd}"
expect_unschedulable selector "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, $TAIL"
mkpod affinity 100m 64Mi "  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: zone, operator: In, values: [b, c]}"
expect_unschedulable affinity "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, $TAIL"
mkpod affinity-ok 100m 64Mi "  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: zone, operator: NotIn, values: [b]}
          - {key: disk, operator: Exists}"
wait_for bound affinity-ok
expect_eq "$(node_of affinity-ok)" n1 "required node affinity"

# TaintToleration and NodeUnschedulable, tolerated
mkpod tolerant 100m 64Mi "  nodeSelector: {kubernetes.io/hostname: n2}
  tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]"
wait_for bound tolerant
expect_eq "$(node_of tolerant)" n2 "tolerated taint"
mkpod cordon-ok 100m 64Mi "  nodeSelector: {kubernetes.io/hostname: n3}
  tolerations: [{key: node.kubernetes.io/unschedulable, operator: Exists, effect: NoSchedule}]"
wait_for bound cordon-ok
expect_eq "$(node_of cordon-ok)" n3 "tolerated cordon"

# NodePorts
hostport_pod() {
	cat > "$P/$1" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  containers:
  - name: c
    image: registry.k8s.io/pause:3.9
    resources: {requests: {cpu: 100m, memory: 64Mi}}
    ports: [{containerPort: 80, hostPort: 8080}]
YAML
}
hostport_pod port-a
wait_for bound port-a
expect_eq "$(node_of port-a)" n1 "the only untainted schedulable node"
hostport_pod port-b
expect_unschedulable port-b "0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, $TAIL"

# InterPodAffinity: required anti-affinity on the hostname
mkpod anti-a 100m 64Mi
wait_for bound anti-a
mkpod anti-b 100m 64Mi "  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: anti-a}}
        topologyKey: kubernetes.io/hostname"
expect_unschedulable anti-b "0/3 nodes are available: 1 node(s) didn't match pod anti-affinity rules, $TAIL"

# ... required pod affinity with no pod to be near
mkpod lonely 100m 64Mi "  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: nobody}}
        topologyKey: kubernetes.io/hostname"
expect_unschedulable lonely "0/3 nodes are available: 1 node(s) didn't match pod affinity rules, $TAIL"
# ... and a placed pod's anti-affinity keeps others away
mkpod guard 100m 64Mi "  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector: {matchLabels: {app: intruder}}
        topologyKey: kubernetes.io/hostname"
wait_for bound guard
mkpod intruder 100m 64Mi
expect_unschedulable intruder "0/3 nodes are available: 1 node(s) didn't match existing pods anti-affinity rules, $TAIL"

# none of the rejected pods was bound meanwhile
for p in too-big too-much-memory selector affinity port-b anti-b lonely intruder; do
	bound "$p" && fail "$p was bound to $(node_of "$p")"
done
kill -0 "$SCHED_PID" || fail "kubefs-sched died"
echo ok
