#!/bin/bash
# kubefs apply / create / replace: created|configured|unchanged, files,
# directories, stdin, Lists, and the server's reasons for refusals.
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

# created, unchanged, configured
run kubefs apply -f "$E2E_SRC/examples/deployment.yaml"
expect_eq "$RC:$OUT" "0:deployment.apps/nginx created" "first apply"
run kubefs apply -f "$E2E_SRC/examples/deployment.yaml"
expect_eq "$OUT" "deployment.apps/nginx unchanged" "second apply"
sed 's/replicas: 1/replicas: 2/' "$E2E_SRC/examples/deployment.yaml" > "$T/d2.yaml"
run kubefs apply -f "$T/d2.yaml"
expect_eq "$OUT" "deployment.apps/nginx configured" "changed apply"
expect_eq "$(cat "$MNT/apps/v1/deployments/default/nginx@scale")" 2 "applied change"
expect_eq "$(kubefs apply -f "$T/d2.yaml" -o name)" "deployment.apps/nginx" "-o name"

# a directory: .yaml/.yml/.json files in name order, multi-document files,
# Lists; -R descends
mkdir -p "$T/m/sub"
cat > "$T/m/a.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
YAML
cat > "$T/m/c.json" <<'JSON'
{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
 {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}]}
JSON
echo 'not a manifest' > "$T/m/notes.txt"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\n' > "$T/m/sub/d.yml"
run kubefs apply -f "$T/m"
expect_eq "$OUT" "configmap/a created
configmap/b created
configmap/c created
secret/s created" "directory apply"
[ -e "$MNT/core/v1/configmaps/default/deep" ] && fail "subdirectory applied without -R"
run kubefs apply -R -f "$T/m"
expect_eq "$(echo "$OUT" | tail -1)" "configmap/deep created" "-R"
expect_eq "$(echo "$OUT" | head -1)" "configmap/a unchanged" "-R unchanged"

# stdin, namespaces
kubefs create namespace team-a > /dev/null
run kubefs apply -n team-a -f - <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: x}
YAML
expect_eq "$OUT" "configmap/x created" "stdin apply"
[ -e "$MNT/core/v1/configmaps/team-a/x" ] || fail "-n not honoured"
run kubefs apply -n default -f - <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: y, namespace: team-a}
YAML
expect_eq "$RC" 1 "namespace mismatch fails"
expect_contains "$ERR" 'the namespace from the provided object "team-a" does not match the namespace "default". You must pass '"'"'--namespace=team-a'"'"' to perform this operation.' "namespace mismatch"

# refusals: the server's reason, kubectl's framing; other documents go on
cat > "$T/mixed.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec: {}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: good}
YAML
run kubefs apply -f "$T/mixed.yaml"
expect_eq "$RC" 1 "invalid document fails the command"
expect_eq "$ERR" 'The Pod "bad" is invalid: spec.containers: Required value' "invalid message"
expect_eq "$OUT" "configmap/good created" "valid document still applied"
run kubefs apply -f - <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: c1, namespace: nope}
YAML
expect_eq "$ERR" 'Error from server (NotFound): error when creating "STDIN": namespaces "nope" not found' "missing namespace"
run kubefs apply -f - <<'YAML'
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
YAML
expect_contains "$ERR" 'no matches for kind "Widget" in version "example.com/v1"' "unknown kind"
run kubefs apply -f - <<'YAML'
metadata: {name: w}
YAML
expect_contains "$ERR" 'error validating data: [apiVersion not set, kind not set]' "no kind"
echo 'a: [' > "$T/broken.yaml"
run kubefs apply -f "$T/broken.yaml"
expect_contains "$ERR" "error: error parsing $T/broken.yaml: error converting YAML to JSON" "syntax error"
run kubefs apply -f "$T/missing.yaml"
expect_eq "$ERR" "error: the path \"$T/missing.yaml\" does not exist" "missing file"
run kubefs apply
expect_contains "$ERR" "error: must specify one of -f and -k" "no -f"
run kubefs apply -f - <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {generateName: gen-}
YAML
expect_contains "$ERR" "cannot use generate name with apply" "generateName"

# create: O_EXCL
cat > "$T/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: c, image: nginx}]
YAML
run kubefs create -f "$T/pod.yaml"
expect_eq "$RC:$OUT" "0:pod/web created" "create"
run kubefs create -f "$T/pod.yaml"
expect_eq "$RC" 1 "second create fails"
expect_eq "$ERR" "Error from server (AlreadyExists): error when creating \"$T/pod.yaml\": pods \"web\" already exists" "AlreadyExists"
run kubefs create -f - <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {generateName: gen-}
YAML
case $OUT in "configmap/gen-"?????" created") ;; *) fail "generateName create: $OUT" ;; esac
run kubefs create namespace team-b
expect_eq "$OUT" "namespace/team-b created" "create namespace"
run kubefs create ns team-b
expect_eq "$ERR" 'Error from server (AlreadyExists): namespaces "team-b" already exists' "create namespace twice"

# replace: must exist; a stale resourceVersion is a Conflict
sed 's/image: nginx/image: nginx:2/' "$T/pod.yaml" > "$T/pod2.yaml"
run kubefs replace -f "$T/pod2.yaml"
expect_eq "$RC" 1 "pod spec is immutable"
expect_contains "$ERR" 'The Pod "web" is invalid' "immutable message"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n' > "$T/cm.yaml"
run kubefs replace -f "$T/cm.yaml"
expect_eq "$OUT" "configmap/a replaced" "replace"
expect_eq "$(kubefs get cm a -o jsonpath='{.data.k}')" v "replaced content"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, resourceVersion: "1"}\n' > "$T/stale.yaml"
run kubefs replace -f "$T/stale.yaml"
expect_eq "$ERR" "Error from server (Conflict): error when replacing \"$T/stale.yaml\": Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again" "Conflict"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: zz}\n' > "$T/zz.yaml"
run kubefs replace -f "$T/zz.yaml"
expect_eq "$ERR" "Error from server (NotFound): error when replacing \"$T/zz.yaml\": configmaps \"zz\" not found" "replace missing"
echo ok
