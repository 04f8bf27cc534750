#!/bin/bash
# End to end: each daemon started as root acts under its own identity
# (system:kube-scheduler, system:kube-controller-manager,
# system:node:NAME in system:nodes) and RBAC's bootstrap roles are all
# it has: a Deployment's pod is created, scheduled and run; taking the
# scheduler's binding away leaves the next pod Pending with the
# scheduler's refusal; KUBEFS_AS= keeps a daemon root's.
. "$(dirname "$0")/lib.sh"
start_fs
start_daemon node kubefs-node --cluster "$MNT" --fake --name n1
NODE=$DAEMON_PID
start_daemon sched kubefs-sched --cluster "$MNT"
SCHED=$DAEMON_PID
start_daemon ctrl kubefs-ctrl --cluster "$MNT"
CTRL=$DAEMON_PID
env_of() { tr '\0' '\n' < "/proc/$1/environ" | sed -n "s/^$2=//p"; }
has_env() { [ "$(env_of "$1" KUBEFS_AS)" = "$2" ]; }
wait_for has_env "$NODE" system:node:n1
wait_for has_env "$SCHED" system:kube-scheduler
wait_for has_env "$CTRL" system:kube-controller-manager
expect_eq "$(env_of "$NODE" KUBEFS_AS_GROUPS)" system:nodes,system:monitoring "the node agent's groups"

# the bootstrap roles suffice: a Deployment's pod runs
cp "$E2E_SRC/examples/deployment.yaml" "$MNT/apps/v1/deployments/default/"
P=$MNT/core/v1/pods/default
running() { [ "$(yq -r 'select(.status.phase == "Running") | .spec.nodeName' "$P"/* 2>/dev/null | sed -n 1p)" = n1 ]; }
wait_for running

# the scheduler is its user: without its binding it cannot bind
B=$MNT/rbac.authorization.k8s.io/v1/clusterrolebindings/system:kube-scheduler
yq -y '.metadata.annotations["rbac.authorization.kubernetes.io/autoupdate"] = "false" | .subjects = []' "$B" > "$T/b.yaml"
cp "$T/b.yaml" "$B"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: lone}\nspec: {containers: [{name: c, image: busybox}]}\n' > "$P/lone"
refused() { qgrep 'pods "lone" is forbidden: User "system:kube-scheduler" cannot create resource "pods/binding" in API group "" in the namespace "default"' "$MNT/errors"; }
wait_for refused
expect_eq "$(yq -r '.spec.nodeName // "none"' "$P/lone")" none "the pod's node without the scheduler's binding"

# KUBEFS_AS= : the operator's choice, root's own identity
start_daemon sched2 env KUBEFS_AS= kubefs-sched --cluster "$MNT" --leader-elect=false
SCHED2=$DAEMON_PID
bound() { [ "$(yq -r '.spec.nodeName // ""' "$P/lone")" = n1 ]; }
wait_for bound
expect_eq "$(env_of "$SCHED2" KUBEFS_AS)" "" "KUBEFS_AS of a daemon told to keep root's identity"
echo ok
