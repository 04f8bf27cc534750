#!/bin/bash
# End to end: Pod Security Admission through the tree — a namespace
# labelled enforce=restricted refuses a privileged pod with Kubernetes'
# exact sentence and stores nothing; warn=restricted admits it and
# writes kubectl's "Warning: ..." line to the writer's errors file.
. "$(dirname "$0")/lib.sh"
start_fs
PODS=$MNT/core/v1/pods
NS=$MNT/core/v1/namespaces

printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: locked, labels: {pod-security.kubernetes.io/enforce: restricted}}\n' \
	> "$NS/locked"
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: watched, labels: {pod-security.kubernetes.io/warn: restricted}}\n' \
	> "$NS/watched"
pod() { # pod NAME NAMESPACE: a privileged pod
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: %s}\nspec: {containers: [{name: c, image: busybox, securityContext: {privileged: true}}]}\n' "$1" "$2"
}
VIOLATIONS='privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'

pod p locked | expect_errno EACCES "$PODS/locked/p"
expect_eq "$(last_error)" "core/v1/pods/locked/p: pods \"p\" is forbidden: violates PodSecurity \"restricted:latest\": $VIOLATIONS" "the refusal"
[ ! -e "$PODS/locked/p" ] || fail "the privileged pod was stored"

pod p watched > "$PODS/watched/p"
[ -f "$PODS/watched/p" ] || fail "warn mode refused the pod"
expect_contains "$(last_error)" "Warning: would violate PodSecurity \"restricted:latest\": $VIOLATIONS"

# a compliant pod passes enforce and leaves no warning
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec: {securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}, containers: [{name: c, image: busybox, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]}\n' \
	> "$PODS/locked/ok"
n=$(wc -l < "$MNT/errors")
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok2}\nspec: {securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}, containers: [{name: c, image: busybox, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]}\n' \
	> "$PODS/watched/ok2"
expect_eq "$(wc -l < "$MNT/errors")" "$n" "lines in errors after a compliant pod"
echo ok
