#!/bin/bash
# End to end: NodeRestriction — a node agent's identity (user
# system:node:NAME in group system:nodes, here by impersonation) holds
# RBAC's system:node role and may change only its own Node (not its
# node-restriction.kubernetes.io/ labels) and the pods bound to it, with
# Kubernetes' sentences; admission sees the caller's user; the Node
# authorizer lets it read only the Secrets and ConfigMaps its pods use.
. "$(dirname "$0")/lib.sh"
start_fs
N=$MNT/core/v1/nodes
P=$MNT/core/v1/pods/default
node() { printf 'apiVersion: v1\nkind: Node\nmetadata: {name: %s, labels: {%s}}\n' "$1" "${2:-}"; }
pod() { printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec: {nodeName: %s, containers: [{name: c, image: busybox}]}\n' "$1" "$2"; }
node n1 > "$N/n1"
node n2 > "$N/n2"
pod p1 n1 > "$P/p1"
pod p2 n2 > "$P/p2"
as_n1() { env KUBEFS_AS=system:node:n1 KUBEFS_AS_GROUPS=system:nodes "$@"; }
# n1_refused ERRNO PATH < data: expect_errno for a write as n1
n1_refused() { (export KUBEFS_AS=system:node:n1 KUBEFS_AS_GROUPS=system:nodes && expect_errno "$@"); }

# RBAC: system:node is bound to the group system:nodes
expect_eq "$(as_n1 yq -r '.status.userInfo.username' "$MNT/whoami")" system:node:n1 "whoami"
expect_eq "$(as_n1 kubefs --mount "$MNT" auth can-i update pods --subresource status)" yes "can-i update pods/status"
expect_eq "$(as_n1 kubefs --mount "$MNT" auth can-i create deployments.apps || true)" no "can-i create deployments"

# its own Node, yes; another's, no
node n1 'a: b' | as_n1 kfwrite "$N/n1" >/dev/null || fail "n1 cannot update its Node: $(last_error)"
node n2 'a: b' | n1_refused EACCES "$N/n2"
expect_contains "$(last_error)" 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"'
node n1 'a: b, node-restriction.kubernetes.io/zone: z' | n1_refused EACCES "$N/n1"
expect_contains "$(last_error)" 'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/zone'
# deleting Nodes is not system:node's (RBAC, as in Kubernetes)
as_n1 rm "$N/n2" 2>/dev/null && fail "n1 deleted node n2"
expect_contains "$(last_error)" 'nodes "n2" is forbidden: User "system:node:n1" cannot delete resource "nodes" in API group "" at the cluster scope'

# pods: the status of its own, yes; of another node's, no; no new pods
printf 'status: {phase: Running}\n' | as_n1 kfwrite "$P/p1@status" >/dev/null ||
	fail "n1 cannot write its pod's status: $(last_error)"
expect_eq "$(yq -r .status.phase "$P/p1")" Running "p1's phase"
printf 'status: {phase: Running}\n' | n1_refused EACCES "$P/p2@status"
expect_contains "$(last_error)" 'pods "p2" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself'
pod p3 n1 | n1_refused EACCES "$P/p3"
expect_contains "$(last_error)" 'pods "p3" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods'
as_n1 rm "$P/p2" 2>/dev/null && fail "n1 deleted a pod of n2"
expect_contains "$(last_error)" 'pods "p2" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself'
[ -e "$P/p2" ] || fail "p2 is gone"
# a node's delete of its own pod (grace 0 through NAME@delete)
printf 'gracePeriodSeconds: 0\n' | as_n1 kfwrite "$P/p1@delete" >/dev/null ||
	fail "n1 cannot delete its pod: $(last_error)"
[ ! -e "$P/p1" ] || fail "p1 is still there"
# the Node authorizer: a node reads the Secrets and ConfigMaps its pods
# use, no others, and lists none
S=$MNT/core/v1/secrets/default
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: used}\nstringData: {k: v}\n' > "$S/used"
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: other}\nstringData: {k: v}\n' > "$S/other"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: env}\ndata: {k: v}\n' > "$MNT/core/v1/configmaps/default/env"
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p4}\nspec: {nodeName: n1, volumes: [{name: s, secret: {secretName: used}}], containers: [{name: c, image: busybox, envFrom: [{configMapRef: {name: env}}]}]}\n' > "$P/p4"
expect_eq "$(as_n1 yq -r .metadata.name "$S/used")" used "n1 reading a Secret its pod uses"
expect_eq "$(as_n1 yq -r .metadata.name "$MNT/core/v1/configmaps/default/env")" env "n1 reading a ConfigMap its pod uses"
as_n1 cat "$S/other" >/dev/null 2>&1 && fail "n1 read a Secret no pod of its uses"
expect_contains "$(last_error)" 'secrets "other" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node '"'n1'"' and this object'
as_n1 ls "$S" >/dev/null 2>&1 && fail "n1 listed the Secrets"
expect_eq "$(as_n1 kubefs --mount "$MNT" auth can-i get secrets/other -n default || true)" "no - no relationship found between node 'n1' and this object" "can-i get secrets/other as n1"
expect_eq "$(as_n1 kubefs --mount "$MNT" auth can-i get secrets/used -n default)" yes "can-i get secrets/used as n1"

# the same writes as root (system:masters) are not a node's
node n2 'a: b' > "$N/n2"
echo ok
