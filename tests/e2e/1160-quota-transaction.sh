#!/bin/bash
# End to end: ResourceQuota charges status.used in the create's own store
# transaction — parallel creates (by file and by drop box) against a
# quota of K pods leave exactly K pods, the others refused with
# Kubernetes' sentence; a manifest's pods count one after the other.
. "$(dirname "$0")/lib.sh"
start_fs
PODS=$MNT/core/v1/pods
Q=$MNT/core/v1/resourcequotas/race/q
N=16
K=5

mkdir "$MNT/core/v1/configmaps/race"
printf 'apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q}\nspec: {hard: {pods: "%s"}}\n' "$K" > "$Q"
pod() { printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: race}\nspec: {containers: [{name: c, image: busybox}]}\n' "$1"; }
pids=()
for i in $(seq 1 "$N"); do
	if [ $((i % 2)) = 0 ]; then
		pod "p$i" | kfwrite "$PODS/race/p$i" >/dev/null 2>&1 &
	else
		pod "p$i" | kfwrite "$MNT/drop.yaml" >/dev/null 2>&1 &
	fi
	pids+=($!)
done
ok=0
for p in "${pids[@]}"; do
	if wait "$p"; then ok=$((ok + 1)); fi
done
n=$(find "$PODS/race" -mindepth 1 -maxdepth 1 | wc -l)
expect_eq "$n" "$K" "pods stored by $N parallel creates against a quota of $K"
expect_eq "$ok" "$K" "creates that succeeded"
expect_eq "$(yq -r '.status.used.pods' "$Q")" "$K" "status.used.pods"
expect_eq "$(yq -r '.status.hard.pods' "$Q")" "$K" "status.hard.pods"
pod extra | expect_errno EACCES "$PODS/race/extra"
expect_contains "$(last_error)" "pods \"extra\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=$K, limited: pods=$K"

# a manifest: its pods count one after the other, all or nothing
printf 'apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: default}\nspec: {hard: {pods: "2"}}\n' \
	> "$MNT/core/v1/resourcequotas/default/q"
{ pod m1; echo ---; pod m2; echo ---; pod m3; } | sed 's/namespace: race/namespace: default/' |
	expect_errno EACCES "$MNT/drop.yaml"
expect_contains "$(last_error)" 'pods "m3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2'
[ ! -e "$PODS/default/m1" ] || fail "a refused manifest stored a pod"
{ pod m1; echo ---; pod m2; } | sed 's/namespace: race/namespace: default/' > "$MNT/drop.yaml"
expect_eq "$(yq -r '.status.used.pods' "$MNT/core/v1/resourcequotas/default/q")" 2 "status.used after a manifest"
echo ok
