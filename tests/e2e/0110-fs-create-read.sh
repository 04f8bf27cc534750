#!/bin/bash
# Creating objects every way SPEC §3 allows, and reading them back.
. "$(dirname "$0")/lib.sh"
start_fs
D=$MNT/apps/v1/deployments/default

# the seed manifest through the resource dir (a drop box)
cp "$E2E_SRC/examples/deployment.yaml" "$MNT/apps/v1/deployments/"
[ -f "$D/nginx" ] || fail "deployment not created by drop box"
y=$(cat "$D/nginx")
expect_eq "$(echo "$y" | head -n 2)" "apiVersion: apps/v1
kind: Deployment" "first lines"
expect_contains "$y" "uid: " uid
expect_contains "$y" "creationTimestamp: " creationTimestamp
expect_contains "$y" "generation: 1" generation
expect_contains "$y" "namespace: default" namespace
expect_contains "$y" "replicas: 1" replicas
expect_contains "$y" "strategy:" "defaulted strategy"
echo "$y" | qgrep managedFields && fail "managedFields shown"
expect_eq "$(stat -c %s "$D/nginx")" "$(cat "$D/nginx" | wc -c)" "st_size"
# the drop-box name is no object
ls "$MNT/apps/v1/deployments" | qgrep deployment.yaml &&
	fail "drop-box name listed"

# @json is the same object
expect_eq "$(jq -r .metadata.name "$D/nginx@json")" nginx "@json name"
expect_eq "$(jq -r .spec.template.spec.containers[0].image "$D/nginx@json")" \
	"docker.io/nginx:latest" "@json image"
rv=$(jq -r .metadata.resourceVersion "$D/nginx@json")
[ "$rv" -gt 0 ] || fail "resourceVersion $rv"

# create by writing the object's own path, name omitted from the manifest
cat > "$MNT/core/v1/configmaps/default/settings" <<YAML
apiVersion: v1
kind: ConfigMap
data:
  color: blue
YAML
expect_eq "$(yq -r .data.color "$MNT/core/v1/configmaps/default/settings")" blue
expect_eq "$(yq -r .metadata.name "$MNT/core/v1/configmaps/default/settings")" settings

# apiVersion/kind may be left out when the directory says it
printf 'data:\n  a: "1"\n' > "$MNT/core/v1/configmaps/default/short"
expect_eq "$(yq -r .kind "$MNT/core/v1/configmaps/default/short")" ConfigMap

# a manifest under a different name in an object dir is a drop box
cat > "$MNT/core/v1/configmaps/default/other-name" <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: real-name
data: {k: v}
YAML
[ -f "$MNT/core/v1/configmaps/default/real-name" ] || fail "real-name not created"
ls "$MNT/core/v1/configmaps/default" | qgrep -x other-name &&
	fail "other-name listed as an object"

# multi-document manifests into the root, JSON and Lists too
cat > "$T/multi.yaml" <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
  namespace: team-a
---
# only a comment
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: two, namespace: team-a}
YAML
cat "$T/multi.yaml" > "$MNT/x"
[ -d "$MNT/core/v1/configmaps/team-a" ] || fail "namespace dir team-a"
[ -f "$MNT/core/v1/configmaps/team-a/one" ] || fail "one"
[ -f "$MNT/core/v1/configmaps/team-a/two" ] || fail "two (from a List)"
echo '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"three","namespace":"team-a"}}' > "$MNT/y.json"
[ -f "$MNT/core/v1/configmaps/team-a/three" ] || fail "three (JSON)"

# touch creates where the kind allows it
touch "$MNT/core/v1/namespaces/team-b"
[ -d "$MNT/core/v1/pods/team-b" ] || fail "touch namespace"
expect_eq "$(yq -r .status.phase "$MNT/core/v1/namespaces/team-b")" Active
touch "$MNT/core/v1/configmaps/team-b/empty"
[ -f "$MNT/core/v1/configmaps/team-b/empty" ] || fail "touch configmap"
# ... and touching an existing object changes nothing
rv1=$(jq -r .metadata.resourceVersion "$MNT/core/v1/configmaps/team-b/empty@json")
touch "$MNT/core/v1/configmaps/team-b/empty"
rv2=$(jq -r .metadata.resourceVersion "$MNT/core/v1/configmaps/team-b/empty@json")
expect_eq "$rv2" "$rv1" "rv after touch of an existing object"

# mkdir in a namespaced resource dir creates the namespace
mkdir "$MNT/core/v1/pods/team-c"
[ -f "$MNT/core/v1/namespaces/team-c" ] || fail "mkdir namespace"

# generateName
cat > "$MNT/gen" <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {generateName: gen-, namespace: default}
YAML
ls "$MNT/core/v1/configmaps/default" | qgrep '^gen-.....$' ||
	fail "generateName: $(ls "$MNT/core/v1/configmaps/default")"

# reading the same object twice gives the same bytes
cmp <(cat "$D/nginx") <(cat "$D/nginx") || fail "unstable rendering"

# fsync(2) is a verdict: it judges and commits what was written, and
# close() after it, with nothing new written, says the same and commits
# nothing again (one line in errors)
CM=$MNT/core/v1/configmaps/default
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: synced}\ndata: {a: "1"}\n' |
	kfwrite --fsync "$CM/synced" || fail "an fsynced create"
expect_contains "$(cat "$CM/synced")" 'a: "1"' "an fsynced create"
rv=$(sed -n 's/^  resourceVersion: "\(.*\)"$/\1/p' "$CM/synced")
n=$(wc -l < "$MNT/errors")
out=$(printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: synced}\ndata: [1]\n' |
	kfwrite --fsync "$CM/synced") && fail "a bad fsynced replace succeeded"
expect_eq "$out" "fsync: EINVAL
close: EINVAL" "the verdict at fsync, again at close"
expect_eq "$(wc -l < "$MNT/errors")" $((n + 1)) "one errors line for fsync and close"
expect_contains "$(last_error)" 'core/v1/configmaps/default/synced:' "the fsync's reason"
qgrep "resourceVersion: \"$rv\"" < "$CM/synced" || fail "a refused fsync changed the object"
echo ok
