#!/bin/bash
# End to end: ResourceQuota admission through the tree — the pod over
# budget is refused with Kubernetes' sentence and not stored, by file and
# by drop box; another namespace is not limited; a create charges the
# quota's status.used and kubefs-ctrl's quota controller gives back what
# a delete frees.
. "$(dirname "$0")/lib.sh"
start_fs
PODS=$MNT/core/v1/pods

mkdir "$MNT/core/v1/configmaps/team"
printf 'apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q}\nspec: {hard: {pods: "2", requests.cpu: "1"}}\n' \
	> "$MNT/core/v1/resourcequotas/team/q"
expect_eq "$(yq -r '.spec.hard.pods' "$MNT/core/v1/resourcequotas/team/q")" 2 "the quota's spec"
pod() { # pod NAME CPU
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: team}\nspec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: "%s"}}}]}\n' "$1" "$2"
}
pod a 200m > "$PODS/team/a"
pod b 200m > "$PODS/team/b"
pod c 200m | expect_errno EACCES "$PODS/team/c"
expect_contains "$(last_error)" 'pods "c" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2'
[ ! -e "$PODS/team/c" ] || fail "the pod over quota was stored"
# a create charges status.used at once, in the create's own write
Q=$MNT/core/v1/resourcequotas/team/q
used_is() { [ "$(yq -r '.status.used.pods + " " + .status.used["requests.cpu"]' "$Q")" = "$1" ]; }
used_is "2 400m" || fail "status.used after two creates: $(yq -c .status "$Q")"
# a delete is given back by the quota controller
start_daemon ctrl kubefs-ctrl --cluster "$MNT" --controllers resourcequota
rm "$PODS/team/b"
wait_for used_is "1 200m" || fail "status.used after a delete: $(yq -c .status "$Q")"
pod big 900m | expect_errno EACCES "$MNT/drop.yaml"
expect_contains "$(last_error)" 'pods "big" is forbidden: exceeded quota: q, requested: requests.cpu=900m, used: requests.cpu=200m, limited: requests.cpu=1'
pod c 800m > "$PODS/team/c"
# the default namespace has no quota
for i in 1 2 3; do
	pod "d$i" 1 | sed 's/namespace: team/namespace: default/' > "$PODS/default/d$i"
done

# the quota controller keeps status.used
wait_for used_is "2 1" || fail "status.used: $(yq -c .status "$Q")"
expect_eq "$(yq -r '.status.hard.pods' "$Q")" 2 "status.hard"
rm "$PODS/team/c"
wait_for used_is "1 200m" || fail "status.used after a delete: $(yq -c .status "$Q")"
echo ok
