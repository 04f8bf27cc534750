#!/bin/bash
# End to end: LimitRanger admission through the tree — a pod without
# resources gets the LimitRange's defaults, one outside min/max is
# refused with Kubernetes' sentence and not stored.
. "$(dirname "$0")/lib.sh"
start_fs
PODS=$MNT/core/v1/pods

mkdir "$MNT/core/v1/configmaps/team"
printf 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr}\nspec: {limits: [{type: Container, default: {cpu: 300m, memory: 128Mi}, defaultRequest: {cpu: 100m}, max: {cpu: "1"}}]}\n' \
	> "$MNT/core/v1/limitranges/team/lr"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: busybox}]}\n' \
	> "$PODS/team/p"
expect_eq "$(yq -r '.spec.containers[0].resources.limits.cpu' "$PODS/team/p")" 300m "defaulted cpu limit"
expect_eq "$(yq -r '.spec.containers[0].resources.requests.cpu' "$PODS/team/p")" 100m "defaulted cpu request"
expect_eq "$(yq -r '.spec.containers[0].resources.requests.memory' "$PODS/team/p")" 128Mi "defaulted memory request"
expect_eq "$(yq -r '.status.qosClass' "$PODS/team/p")" Burstable "QoS of the defaulted pod"

printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: big, namespace: team}\nspec: {containers: [{name: c, image: busybox, resources: {limits: {cpu: "2"}}}]}\n' |
	expect_errno EACCES "$MNT/drop.yaml"
expect_contains "$(last_error)" 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2'
[ ! -e "$PODS/team/big" ] || fail "the pod over the LimitRange's max was stored"
# the default namespace has no LimitRange
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: big}\nspec: {containers: [{name: c, image: busybox, resources: {limits: {cpu: "2"}}}]}\n' \
	> "$PODS/default/big"
expect_eq "$(yq -r '.spec.containers[0].resources.requests.cpu' "$PODS/default/big")" 2 "request from the pod's own limit"
echo ok
