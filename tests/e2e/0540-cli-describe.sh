#!/bin/bash
# kubefs describe: the summaries of pods, deployments, replica sets,
# services, nodes, namespaces, config maps and other kinds, with the
# object's Events.
. "$(dirname "$0")/lib.sh"
start_fs
export KUBEFS_MOUNT=$MNT
unset KUBEFS_NAMESPACE

run() {
	set +e
	OUT=$("$@" 2>"$T/err")
	RC=$?
	set -e
	ERR=$(cat "$T/err")
}
# field LABEL: the value after "LABEL:" in $OUT, spaces squeezed
field() { echo "$OUT" | grep -m1 "^$1:" | sed "s/^$1: *//"; }

kubefs apply -f - > /dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: front}
  annotations: {note: hello}
spec:
  containers:
  - name: c
    image: nginx:1.25
    ports: [{containerPort: 80}]
    env: [{name: MODE, value: fast}]
YAML

run kubefs describe pod web
expect_eq "$RC" 0 "describe pod"
expect_eq "$(field Name)" web "Name"
expect_eq "$(field Namespace)" default "Namespace"
expect_eq "$(field Status)" Pending "Status"
expect_eq "$(field Node)" "<none>" "Node"
expect_eq "$(field Labels)" "app=web" "first label"
echo "$OUT" | qgrep '^ \{10,\}tier=front$' || fail "second label line: $OUT"
expect_eq "$(field Annotations)" "note: hello" "Annotations"
echo "$OUT" | qgrep '^Containers:$' || fail "Containers section"
echo "$OUT" | qgrep '^  c:$' || fail "container name"
echo "$OUT" | qgrep '^    Image: *nginx:1.25$' || fail "Image"
echo "$OUT" | qgrep '^    Port: *80/TCP$' || fail "Port"
echo "$OUT" | qgrep '^      MODE: *fast$' || fail "Environment"
expect_eq "$(field Events)" "<none>" "no events"
# name and value columns are aligned as kubectl's tabwriter aligns them
[ "$(echo "$OUT" | grep -E '^(Name|Namespace|Labels):' | awk '{print index($0, $2)}' | sort -u | wc -l)" = 1 ] ||
	fail "columns not aligned: $OUT"

# Events about the object, oldest first; repeated ones counted
cat > "$MNT/core/v1/events/default/web.1" <<'YAML'
apiVersion: v1
kind: Event
metadata: {name: web.1}
involvedObject: {apiVersion: v1, kind: Pod, name: web, namespace: default}
reason: Scheduled
message: Successfully assigned default/web to node-1
type: Normal
source: {component: default-scheduler}
firstTimestamp: "2020-01-01T00:00:00Z"
lastTimestamp: "2020-01-01T00:00:00Z"
count: 1
YAML
cat > "$MNT/core/v1/events/default/web.2" <<'YAML'
apiVersion: v1
kind: Event
metadata: {name: web.2}
involvedObject: {apiVersion: v1, kind: Pod, name: web, namespace: default}
reason: BackOff
message: Back-off restarting failed container
type: Warning
source: {component: kubelet, host: node-1}
firstTimestamp: "2020-01-01T00:00:00Z"
lastTimestamp: "2020-01-02T00:00:00Z"
count: 5
YAML
cat > "$MNT/core/v1/events/default/other.1" <<'YAML'
apiVersion: v1
kind: Event
metadata: {name: other.1}
involvedObject: {apiVersion: v1, kind: Pod, name: other, namespace: default}
reason: Scheduled
message: not about web
type: Normal
YAML
run kubefs describe pods/web
echo "$OUT" | sed -n '/^Events:/,$p' > "$T/events"
expect_eq "$(sed -n 2p "$T/events" | tr -s ' ')" " Type Reason Age From Message" "events header"
expect_eq "$(sed -n 4p "$T/events" | awk '{print $1, $2}')" "Normal Scheduled" "first event"
expect_contains "$(sed -n 4p "$T/events")" "default-scheduler  Successfully assigned default/web to node-1" "first event text"
expect_contains "$(sed -n 5p "$T/events")" "(x5 over" "count"
expect_contains "$(sed -n 5p "$T/events")" "kubelet, node-1" "source host"
grep -q "not about web" "$T/events" && fail "another object's event shown"

# name prefixes, selectors, NotFound
run kubefs describe pods we
expect_eq "$(field Name)" web "prefix match"
run kubefs describe pods -l app=web
expect_eq "$(field Name)" web "selector"
run kubefs describe pod nope
expect_eq "$RC:$ERR" '1:Error from server (NotFound): pods "nope" not found' "NotFound"

# deployment, with its replica sets
kubefs apply -f "$E2E_SRC/examples/deployment.yaml" > /dev/null
uid=$(kubefs get deploy nginx -o jsonpath='{.metadata.uid}')
echo '{"metadata":{"annotations":{"deployment.kubernetes.io/revision":"2"}}}' >> "$MNT/apps/v1/deployments/default/nginx"
for rev in 1 2; do
	kubefs apply -f - > /dev/null <<YAML
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: nginx-$rev
  labels: {app: nginx}
  annotations: {deployment.kubernetes.io/revision: "$rev"}
  ownerReferences:
  - {apiVersion: apps/v1, kind: Deployment, name: nginx, uid: $uid, controller: true}
spec:
  replicas: $((rev - 1))
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers: [{name: leader, image: nginx}]
YAML
done
run kubefs describe deploy nginx
expect_eq "$(field Replicas)" "1 desired | 0 updated | 0 total | 0 available | 0 unavailable" "Replicas"
expect_eq "$(field StrategyType)" RollingUpdate "StrategyType"
expect_eq "$(field RollingUpdateStrategy)" "25% max unavailable, 25% max surge" "RollingUpdateStrategy"
expect_eq "$(field Selector)" "app=nginx" "Selector"
expect_eq "$(field NewReplicaSet)" "nginx-2 (0/1 replicas created)" "NewReplicaSet"
expect_eq "$(field OldReplicaSets)" "<none>" "OldReplicaSets"
echo "$OUT" | qgrep '^Pod Template:$' || fail "Pod Template"
run kubefs describe rs nginx-2
expect_eq "$(field Replicas)" "0 current / 1 desired" "rs Replicas"
expect_eq "$(field "Controlled By")" "Deployment/nginx" "Controlled By"
expect_eq "$(field "Pods Status")" "0 Running / 0 Waiting / 0 Succeeded / 0 Failed" "Pods Status"

# service, with its endpoints
kubefs apply -f - > /dev/null <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: web}
subsets:
- addresses: [{ip: 10.244.0.5}]
  ports: [{name: http, port: 8080}]
YAML
run kubefs describe svc web
expect_eq "$(field Type)" ClusterIP "svc Type"
expect_eq "$(field Port)" "http  80/TCP" "svc Port"
expect_eq "$(field TargetPort)" "8080/TCP" "svc TargetPort"
expect_eq "$(field Endpoints)" "10.244.0.5:8080" "svc Endpoints"
case $(field IP) in 10.*) ;; *) fail "svc IP: $OUT" ;; esac

# node, with the pods bound to it
kubefs apply -f - > /dev/null <<'YAML'
apiVersion: v1
kind: Node
metadata: {name: node-1}
status:
  conditions: [{type: Ready, status: "True", reason: KubeletReady, message: ready}]
  addresses: [{type: InternalIP, address: 192.168.1.10}]
  capacity: {cpu: "4", memory: 8Gi}
YAML
echo node-1 > "$MNT/core/v1/pods/default/web@binding"
run kubefs describe node node-1
expect_eq "$(field Unschedulable)" false "Unschedulable"
echo "$OUT" | qgrep '^  InternalIP: *192.168.1.10$' || fail "Addresses: $OUT"
echo "$OUT" | qgrep '^  Ready  *True ' || fail "node conditions: $OUT"
expect_eq "$(field "Non-terminated Pods")" "(1 in total)" "pods on the node"
run kubefs describe pod web
expect_eq "$(field Node)" "node-1/" "bound pod's Node"

# namespace, config map, a kind without its own describer
run kubefs describe ns default
expect_eq "$(field Status)" Active "namespace Status"
kubefs apply -f - > /dev/null <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: conf}
data: {greeting: hello}
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: lock}
spec: {holderIdentity: me, leaseDurationSeconds: 15}
YAML
run kubefs describe cm conf
expect_contains "$OUT" "greeting:
----
hello" "config map data"
run kubefs describe lease lock
expect_eq "$(field Spec)" "" "generic Spec heading"
echo "$OUT" | qgrep '^  Holder Identity: *me$' || fail "generic field: $OUT"
echo "$OUT" | qgrep '^  Lease Duration Seconds: *15$' || fail "generic number: $OUT"
echo ok
