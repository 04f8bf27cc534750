#!/bin/bash
# Deletion and the garbage collector: `rm` of a Deployment cascades to
# its ReplicaSet and pods (Background); `kubefs delete --cascade=orphan`
# keeps them, without owner references; --cascade=foreground keeps the
# Deployment until its dependents are gone; bad DeleteOptions written to
# NAME@delete are refused with Kubernetes' sentences (NotFound for a
# NAME that does not exist); a namespace delete
# takes its Deployment along, and one held by a finalizer says so in its
# conditions until the finalizer goes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctrl-lib.sh"
K="kubefs --mount $MNT"

# mkdeploy NAME REPLICAS [NS]
mkdeploy() {
	cat > "$MNT/apps/v1/deployments/${3:-default}/$1" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $1}
spec:
  replicas: $2
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec: {containers: [{name: c, image: nginx}]}
YAML
}
pods_of() { ls "$P" | grep -c "^$1-" || true; }

start_cluster 2

# Background: rm cascades
mkdeploy bg 2
wait_long available bg 2
rm "$D/bg"
wait_eq 'ls "$RS" | grep -c "^bg-" || true' 0
wait_eq 'pods_of bg' 0

# bad options change nothing
mkdeploy keep 2
wait_long available keep 2
expect_errno EINVAL "$D/keep@delete" <<< '{"propagationPolicy": "Sideways"}'
expect_eq "$(last_error)" 'apps/v1/deployments/default/keep@delete: DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"' "bad policy"
expect_errno EINVAL "$D/keep@delete" <<< 'gracePeriodSeconds: -5'
expect_contains "$(last_error)" 'gracePeriodSeconds: Invalid value: -5: must be greater than or equal to 0' "negative grace"
expect_errno ESTALE "$D/keep@delete" <<< 'preconditions: {uid: not-the-uid}'
uid=$(jqf "$D/keep" .metadata.uid)
expect_eq "$(last_error)" "apps/v1/deployments/default/keep@delete: Operation cannot be fulfilled on deployments.apps \"keep\": Precondition failed: UID in precondition: not-the-uid, UID in object meta: $uid" "uid precondition"
expect_errno ESTALE "$D/keep@delete" <<< 'preconditions: {resourceVersion: "1"}'
expect_contains "$(last_error)" 'Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta:' "rv precondition"
[ -e "$D/keep" ] || fail "a refused delete deleted"
# deleting what does not exist: NotFound, not a permission error
expect_errno ENOENT "$P/nosuch@delete" <<< '{}'
expect_eq "$(last_error)" 'core/v1/pods/default/nosuch@delete: pods "nosuch" not found' "delete of a missing object"
[ ! -e "$P/nosuch" ] || fail "a delete of a missing pod made one"
$K delete deployment keep --cascade=sideways > "$T/out" 2>&1 && fail "bad --cascade accepted"
expect_eq "$(cat "$T/out")" 'error: invalid cascade value (sideways). Must be "background", "foreground", or "orphan".' "bad --cascade"

# Orphan: the ReplicaSet and pods stay, unowned
rs=$(cd "$RS" && ls | grep "^keep-")
$K delete deployment keep --cascade=orphan > "$T/out" || fail "orphan delete: $(cat "$T/out")"
expect_eq "$(cat "$T/out")" 'deployment.apps "keep" deleted' "orphan delete output"
[ -e "$D/keep" ] && fail "the orphaned Deployment is still there"
expect_eq "$(jqf "$RS/$rs" '.metadata.ownerReferences | length')" 0 "orphaned ReplicaSet's owners"
expect_eq "$(count_running app=keep)" 2 "orphaned pods"
expect_eq "$(jqf "$RS/$rs" .spec.replicas)" 2 "orphaned ReplicaSet keeps its size"

# Foreground: through @delete; the Deployment waits for its dependents
mkdeploy fg 2
wait_long available fg 2
echo 'propagationPolicy: Foreground' > "$D/fg@delete"
# (the collector may be done already: then the Deployment is gone)
fin=$(jqf "$D/fg" '.metadata.finalizers | join(",")')
[ -z "$fin" ] && [ ! -e "$D/fg" ] ||
	expect_eq "$fin" foregroundDeletion "foreground finalizer"
wait_eq 'pods_of fg' 0
wait_eq 'ls "$D" | grep -c "^fg$" || true' 0
expect_eq "$(ls "$RS" | grep -c "^fg-" || true)" 0 "foreground ReplicaSets"

# the orphaned ReplicaSet is still managed: its pods stay at 2
expect_eq "$(count_running app=keep)" 2 "orphaned pods later"

# a namespace delete takes its Deployment along
touch "$MNT/core/v1/namespaces/team"
mkdeploy web 2 team
wait_eq 'jqf "$MNT/apps/v1/deployments/team/web" .status.availableReplicas' 2
rm "$MNT/core/v1/namespaces/team"
wait_long test ! -e "$MNT/core/v1/namespaces/team"
wait_long test ! -d "$MNT/core/v1/pods/team"

# something stuck on a finalizer: the namespace stays Terminating and
# says why, then goes when the finalizer is removed
touch "$MNT/core/v1/namespaces/stuck"
cat > "$MNT/core/v1/configmaps/stuck/held" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: held, finalizers: [example.com/hold]}
YAML
rm "$MNT/core/v1/namespaces/stuck"
NS=$MNT/core/v1/namespaces/stuck
nscond() { jqf "$NS" ".status.conditions[] | select(.type == \"$1\") | .status + \" \" + .reason + \": \" + .message"; }
wait_eq 'nscond NamespaceFinalizersRemaining' \
	"True SomeFinalizersRemain: Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"
# (the first pass may still count what it deleted: the next one does not)
wait_eq 'nscond NamespaceContentRemaining' \
	"True SomeResourcesRemain: Some resources are remaining: configmaps. has 1 resource instances"
expect_eq "$(jqf "$NS" .status.phase)" Terminating "phase"
echo '{"metadata":{"finalizers":null}}' >> "$MNT/core/v1/configmaps/stuck/held"
wait_long test ! -e "$NS"
echo ok
