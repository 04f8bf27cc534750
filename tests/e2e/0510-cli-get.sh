#!/bin/bash
# kubefs get: tables per kind, -o wide|yaml|json|name|jsonpath, -n/-A,
# -l, several kinds, by name, errors, and -w.
. "$(dirname "$0")/lib.sh"
start_fs
export KUBEFS_MOUNT=$MNT
unset KUBEFS_NAMESPACE

# run CMD...: OUT (stdout), ERR (stderr), RC
run() {
	set +e
	OUT=$("$@" 2>"$T/err")
	RC=$?
	set -e
	ERR=$(cat "$T/err")
}
# lines_ge FILE REGEX N: FILE has at least N lines matching REGEX
lines_ge() { [ "$(grep -c "$2" "$1")" -ge "$3" ]; }
# cols N: the first N columns of every line (drops AGE and friends)
cols() { awk -v n="$1" '{ s = $1; for (i = 2; i <= n; i++) s = s " " $i; print s }'; }

# empty
run kubefs get pods
expect_eq "$RC" 0 "get pods on an empty namespace"
expect_eq "$OUT" "" "stdout when empty"
expect_eq "$ERR" "No resources found in default namespace." "stderr when empty"
run kubefs get pods -A
expect_eq "$ERR" "No resources found" "empty -A"
run kubefs get nodes
expect_eq "$ERR" "No resources found" "empty cluster-scoped"

# objects of several kinds
kubefs create namespace team-a > /dev/null
kubefs apply -f - > /dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web, tier: front}}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: team-a, labels: {app: db}}
spec:
  containers: [{name: c, image: postgres}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {a: "1", b: "2"}
---
apiVersion: v1
kind: Node
metadata:
  name: node-1
  labels: {node-role.kubernetes.io/control-plane: ""}
status:
  conditions: [{type: Ready, status: "True"}]
  nodeInfo: {kubeletVersion: v1.30.0}
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: lock}
spec: {holderIdentity: me}
YAML
kubefs apply -f "$E2E_SRC/examples/deployment.yaml" > /dev/null

expect_eq "$(kubefs get pods | cols 4)" "NAME READY STATUS RESTARTS
web 0/1 Pending 0" "pods table"
expect_eq "$(kubefs get pods | head -1)" "NAME   READY   STATUS    RESTARTS   AGE" "pods header alignment"
expect_eq "$(kubefs get pods -o wide | head -1 | tr -s ' ')" \
	"NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES" "wide header"
expect_eq "$(kubefs get pods -o wide | tail -1 | awk '{print $6, $7}')" "<none> <none>" "wide cells"
expect_eq "$(kubefs get deploy | cols 4)" "NAME READY UP-TO-DATE AVAILABLE
nginx 0/1 0 0" "deployments table"
expect_eq "$(kubefs get deploy -o wide | tail -1 | awk '{print $6, $7, $8}')" \
	"leader docker.io/nginx:latest app=nginx" "deployments wide"
svc=$(kubefs get svc web | tail -1)
expect_eq "$(echo "$svc" | awk '{print $1, $2, $4, $5}')" "web NodePort <none> 80:30080/TCP" "service row"
case $(echo "$svc" | awk '{print $3}') in 10.*) ;; *) fail "cluster IP: $svc" ;; esac
expect_eq "$(kubefs get svc | head -1 | tr -s ' ')" "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE" "services header"
expect_eq "$(kubefs get nodes | cols 3)" "NAME STATUS ROLES
node-1 Ready control-plane" "nodes table"
expect_eq "$(kubefs get nodes | tail -1 | awk '{print $5}')" "v1.30.0" "node version"
expect_eq "$(kubefs get ns | cols 2 | grep -E '^(NAME|team-a|default) ')" "NAME STATUS
default Active
team-a Active" "namespaces table"
expect_eq "$(kubefs get cm settings | cols 2)" "NAME DATA
settings 2" "configmaps table"
expect_eq "$(kubefs get leases | cols 2)" "NAME HOLDER
lock me" "leases table"
expect_eq "$(kubefs get endpointslices 2>&1)" "No resources found in default namespace." "generic empty"
kubefs apply -f - > /dev/null <<'YAML'
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: es}
addressType: IPv4
endpoints: []
YAML
expect_eq "$(kubefs get endpointslices | cols 1)" "NAME
es" "generic table"
expect_eq "$(kubefs get endpointslices | head -1 | tr -s ' ')" "NAME AGE" "generic header"

# namespaces and selectors
expect_eq "$(kubefs get pods -n team-a | cols 1)" "NAME
db" "-n"
expect_eq "$(kubefs get pods -A | cols 2)" "NAMESPACE NAME
default web
team-a db" "-A"
expect_eq "$(kubefs get pods -A -l app=db -o name)" "pod/db" "-l"
expect_eq "$(kubefs get pods -A -l 'app in (web,db)' -o name | sort)" "pod/db
pod/web" "set selector"
expect_eq "$(kubefs get pods -A --field-selector metadata.namespace=team-a -o name)" "pod/db" "field selector"
run kubefs get pods -l '=x'
expect_eq "$RC" 1 "bad selector fails"
expect_contains "$ERR" "error: " "bad selector message"
# the API server's selector grammar on the client side too: > and <
kubefs create namespace nums > /dev/null
kubefs apply -n nums -f - > /dev/null <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: one, labels: {x: "1"}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: five, labels: {x: "5"}}
YAML
expect_eq "$(kubefs get configmaps -n nums -l 'x>1' -o name)" "configmap/five" "-l x>1"
expect_eq "$(kubefs get configmaps -n nums -l 'x<5' -o name)" "configmap/one" "-l x<5"
run kubefs get configmaps -n nums -l 'x>a'
expect_contains "$ERR" "for 'Gt', 'Lt' operators, the value must be an integer" "-l x>a"
run kubefs get pods --field-selector spec.foo=1
expect_eq "$RC" 1 "unknown field label fails"
expect_contains "$ERR" "field label not supported: spec.foo" "unknown field label"
expect_eq "$(kubefs get pods --show-labels | tail -1 | awk '{print $6}')" "app=web,tier=front" "--show-labels"
expect_eq "$(kubefs get pods -L tier | head -1 | awk '{print $6}')" "TIER" "-L header"
expect_eq "$(kubefs get pods -L tier | tail -1 | awk '{print $6}')" "front" "-L value"
expect_eq "$(KUBEFS_NAMESPACE=team-a kubefs get pods -o name)" "pod/db" "KUBEFS_NAMESPACE"

# several kinds, names, type/name
expect_eq "$(kubefs get po,svc | cols 1)" "NAME
pod/web

NAME
service/web" "two kinds"
expect_eq "$(kubefs get pod web -o name)" "pod/web" "by name"
expect_eq "$(kubefs get pod/web deploy/nginx -o name)" "pod/web
deployment.apps/nginx" "type/name"
expect_eq "$(kubefs get deployments.apps nginx -o name)" "deployment.apps/nginx" "qualified type"
expect_eq "$(kubefs get all -o name)" "pod/web
service/web
deployment.apps/nginx" "get all"
run kubefs get pod web nope
expect_eq "$RC" 1 "missing name fails"
expect_eq "$(echo "$OUT" | cols 1)" "NAME
web" "found names still printed"
expect_eq "$ERR" 'Error from server (NotFound): pods "nope" not found' "NotFound"
run kubefs get pod nope --ignore-not-found
expect_eq "$RC:$OUT:$ERR" "0::" "--ignore-not-found"
run kubefs get foo
expect_eq "$ERR" 'error: the server doesn'"'"'t have a resource type "foo"' "unknown type"
run kubefs get pods pod/web
expect_contains "$ERR" "there is no need to specify a resource type as a separate argument" "mixed forms"
run kubefs get
expect_contains "$ERR" "You must specify the type of resource to get." "no type"
run kubefs get pods web -A
expect_contains "$ERR" "a resource cannot be retrieved by name across all namespaces" "name with -A"

# structured output
kubefs get pod web -o yaml > "$T/web.yaml"
expect_eq "$(head -2 "$T/web.yaml")" "apiVersion: v1
kind: Pod" "-o yaml of one object"
expect_eq "$(yq -r .metadata.name "$T/web.yaml")" web "-o yaml content"
expect_eq "$(kubefs get pods -o yaml | yq -r '.kind + " " + (.items | length | tostring)')" "List 1" "-o yaml list"
expect_eq "$(kubefs get pods -A -o json | jq -r '[.items[].metadata.name] | join(",")')" "web,db" "-o json list"
expect_eq "$(kubefs get pod web -o json | jq -r .spec.containers[0].image)" nginx "-o json object"
expect_eq "$(kubefs get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}')" "default/web
team-a/db" "-o jsonpath range"
expect_eq "$(kubefs get pod web -o jsonpath='{.metadata.labels.app}')" web "-o jsonpath object"
run kubefs get pods -o bogus
expect_contains "$ERR" 'unable to match a printer suitable for the output format "bogus"' "bad -o"
run kubefs get pods -o 'jsonpath={.a'
expect_contains "$ERR" "error parsing jsonpath" "bad jsonpath"

# --mount before or after the command, a wrong mount
expect_eq "$(env -u KUBEFS_MOUNT kubefs get pod web --mount "$MNT" -o name)" "pod/web" "--mount after"
expect_eq "$(env -u KUBEFS_MOUNT kubefs --mount="$MNT" get pod web -o name)" "pod/web" "--mount= before"
mkdir "$T/empty"
run kubefs --mount "$T/empty" get pods
expect_eq "$RC" 1 "wrong mount fails"
expect_contains "$ERR" "The connection to the cluster at $T/empty was refused" "wrong mount message"

# -w: the table, then a row per change
kubefs get cm -w > "$T/watch.out" 2>&1 &
WATCH_PIDS=$!
wait_for grep -q '^settings ' "$T/watch.out"
touch "$MNT/core/v1/configmaps/default/fresh"
wait_for grep -q '^fresh ' "$T/watch.out"
kubefs label cm fresh x=y > /dev/null
wait_for lines_ge "$T/watch.out" '^fresh ' 2
rm "$MNT/core/v1/configmaps/default/fresh"
wait_for lines_ge "$T/watch.out" '^fresh ' 3
kill $WATCH_PIDS
wait $WATCH_PIDS 2>/dev/null || true
expect_eq "$(head -1 "$T/watch.out" | tr -s ' ')" "NAME DATA AGE" "watch header once"
expect_eq "$(grep -c '^NAME' "$T/watch.out")" 1 "one header"
expect_eq "$(grep -c '^fresh ' "$T/watch.out")" 3 "added, modified, deleted rows"

# -w --output-watch-events -o name, and a watch on one name
kubefs get cm settings -w --output-watch-events > "$T/w2.out" 2>&1 &
WATCH_PIDS=$!
wait_for grep -q "^ADDED  *settings " "$T/w2.out"
touch "$MNT/core/v1/configmaps/default/other"
kubefs label cm settings k=v > /dev/null
wait_for grep -q '^MODIFIED ' "$T/w2.out"
kill $WATCH_PIDS
wait $WATCH_PIDS 2>/dev/null || true
grep -q other "$T/w2.out" && fail "watch by name showed another object"
expect_eq "$(grep '^MODIFIED' "$T/w2.out" | awk '{print $2}')" settings "watch event column"
run kubefs get po,svc -w
expect_contains "$ERR" "you may only specify a single resource type" "-w with two kinds"
echo ok
