#!/bin/bash
# @scale and @binding take whole Scale and Binding objects as well as a
# bare number or node name; a pod that is being deleted cannot be bound.
. "$(dirname "$0")/lib.sh"
start_fs
D=$MNT/apps/v1/deployments/default
P=$MNT/core/v1/pods/default
cp "$E2E_SRC/examples/deployment.yaml" "$MNT/apps/v1/deployments/"

# a Scale object, YAML and JSON
cat > "$D/nginx@scale" <<'YAML'
apiVersion: autoscaling/v1
kind: Scale
metadata: {name: nginx, namespace: default}
spec: {replicas: 4}
YAML
expect_eq "$(yq -r .spec.replicas "$D/nginx")" 4 "replicas from a Scale object"
echo '{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"nginx"},"spec":{"replicas":2}}' > "$D/nginx@scale"
expect_eq "$(yq -r .spec.replicas "$D/nginx")" 2 "replicas from a JSON Scale object"
expect_eq "$(cat "$D/nginx@scale")" 2 "@scale read back"
printf 'apiVersion: autoscaling/v1\nkind: Scale\nmetadata: {name: nginx}\nspec: {replicas: -3}\n' |
	expect_errno EINVAL "$D/nginx@scale"
expect_contains "$(last_error)" 'Scale.autoscaling "nginx" is invalid: spec.replicas: Invalid value: -3: must be greater than or equal to 0'
expect_eq "$(yq -r .spec.replicas "$D/nginx")" 2 "replicas after a refused Scale"

# a Binding object
pod() {
	cat > "$P/$1" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1${2:+, $2}}
spec:
  containers: [{name: c, image: nginx}]
YAML
}
pod web
cat > "$P/web@binding" <<'YAML'
apiVersion: v1
kind: Binding
metadata: {name: web}
target: {apiVersion: v1, kind: Node, name: node-1}
YAML
expect_eq "$(yq -r .spec.nodeName "$P/web")" node-1 "nodeName from a Binding object"
expect_eq "$(yq -r '.status.conditions[] | select(.type == "PodScheduled") | .status' "$P/web")" True "PodScheduled"
pod other
printf 'apiVersion: v1\nkind: Binding\nmetadata: {name: other}\ntarget: {kind: Node, name: N_1}\n' |
	expect_errno EINVAL "$P/other@binding"
expect_contains "$(last_error)" 'Binding "other" is invalid: target.name: Invalid value: "N_1": a lowercase RFC 1123 subdomain must consist of'
expect_eq "$(yq -r '.spec.nodeName // ""' "$P/other")" "" "nodeName after a refused Binding"

# a pod being deleted (held by a finalizer) cannot be bound
pod leaving "finalizers: [example.com/hold]"
rm "$P/leaving"
[ -n "$(yq -r '.metadata.deletionTimestamp // ""' "$P/leaving")" ] || fail "no deletionTimestamp"
echo node-1 | expect_errno EINVAL "$P/leaving@binding"
expect_contains "$(last_error)" "pod leaving is being deleted, cannot be assigned to a host"
expect_eq "$(yq -r '.spec.nodeName // ""' "$P/leaving")" "" "nodeName of a pod being deleted"
echo '{"metadata":{"finalizers":null}}' >> "$P/leaving"
[ ! -e "$P/leaving" ] || fail "the pod stayed after its finalizer went"
echo ok
