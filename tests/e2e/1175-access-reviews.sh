#!/bin/bash
# End to end: SelfSubjectAccessReview, SubjectAccessReview,
# LocalSubjectAccessReview and SelfSubjectReview as files one writes to a
# drop box and reads back (as `kubectl create -f review.yaml -o yaml`
# prints the response): the answer is can-i's, the response is the
# writer's only, nothing is stored; creating a SubjectAccessReview is a
# right; malformed reviews get Kubernetes' sentences.
. "$(dirname "$0")/lib.sh"
ensure_user kf-rev >/dev/null
start_fs
chmod 755 "$T"
R=$MNT/rbac.authorization.k8s.io/v1
printf 'roleRef: {kind: ClusterRole, name: view}\nsubjects: [{kind: User, name: kf-rev}]\n' |
	kfwrite "$R/rolebindings/default/rev" >/dev/null
ssar() { printf 'apiVersion: authorization.k8s.io/v1\nkind: SelfSubjectAccessReview\nspec: {resourceAttributes: {verb: %s, resource: pods, namespace: %s}}\n' "$1" "$2"; }

# the viewer asks, and reads its answers back from the names it wrote
ssar list default > "$T/list.yaml"
ssar create default > "$T/create.yaml"
as kf-rev cp "$T/list.yaml" "$MNT/"
as kf-rev cp "$T/create.yaml" "$MNT/"
expect_eq "$(as kf-rev yq -r .status.allowed "$MNT/list.yaml")" true "SSAR list pods"
expect_eq "$(as kf-rev yq -r .status.allowed "$MNT/create.yaml")" false "SSAR create pods"
expect_eq "$(as kf-rev yq -r .kind "$MNT/list.yaml")" SelfSubjectAccessReview "the response's kind"
expect_eq "$(as kf-rev yq -r .spec.resourceAttributes.verb "$MNT/list.yaml")" list "the response's spec"
# the same answer as can-i
expect_eq "$(as kf-rev kubefs --mount "$MNT" auth can-i create pods -n default || true)" no "can-i create pods"
# the response is the writer's: another caller reads nothing
expect_eq "$(cat "$MNT/list.yaml")" "" "root reading kf-rev's review"
# nothing was stored
[ -z "$(ls "$MNT/authorization.k8s.io" 2>/dev/null)" ] || fail "a review was stored"

# several reviews in one manifest: one YAML stream back
{ ssar get default; echo ---; ssar get kube-system; } | as kf-rev kfwrite "$MNT/two.yaml" >/dev/null
expect_eq "$(as kf-rev yq -r .status.allowed "$MNT/two.yaml" | tr '\n' ' ')" "true false " "two reviews"

# SelfSubjectReview: whoami
printf 'apiVersion: authentication.k8s.io/v1\nkind: SelfSubjectReview\n' | as kf-rev kfwrite "$MNT/me.yaml" >/dev/null
expect_eq "$(as kf-rev yq -r .status.userInfo.username "$MNT/me.yaml")" kf-rev "SelfSubjectReview"

# SubjectAccessReview: about another user, for those who may create it
sar() { printf 'apiVersion: authorization.k8s.io/v1\nkind: SubjectAccessReview\nspec: {%s}\n' "$1"; }
sar 'user: kf-rev, resourceAttributes: {verb: get, resource: pods, namespace: default}' > "$T/sar.yaml"
cp "$T/sar.yaml" "$MNT/"
expect_eq "$(yq -r .status.allowed "$MNT/sar.yaml")" true "SAR for kf-rev"
sar 'user: kf-rev, groups: [ops], resourceAttributes: {verb: delete, resource: pods, namespace: default}' |
	kfwrite "$MNT/sar2.yaml" >/dev/null
expect_eq "$(yq -r .status.allowed "$MNT/sar2.yaml")" false "SAR delete for kf-rev"
out=$(as kf-rev kfwrite "$MNT/sar3.yaml" < "$T/sar.yaml" 2>&1) && fail "kf-rev created a SubjectAccessReview"
expect_contains "$out" EACCES "kf-rev's SubjectAccessReview"
expect_contains "$(as kf-rev tail -n 1 "$MNT/errors")" 'subjectaccessreviews.authorization.k8s.io is forbidden: User "kf-rev" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope'
# LocalSubjectAccessReview: in its namespace only
printf 'apiVersion: authorization.k8s.io/v1\nkind: LocalSubjectAccessReview\nmetadata: {namespace: default}\nspec: {user: kf-rev, resourceAttributes: {verb: get, resource: pods, namespace: default}}\n' |
	kfwrite "$MNT/local.yaml" >/dev/null
expect_eq "$(yq -r .status.allowed "$MNT/local.yaml")" true "LocalSubjectAccessReview"

# bad reviews: Kubernetes' validation
sar 'resourceAttributes: {verb: get, resource: pods}' | expect_errno EINVAL "$MNT/bad1.yaml"
expect_contains "$(last_error)" 'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified'
sar 'user: u' | expect_errno EINVAL "$MNT/bad2.yaml"
expect_contains "$(last_error)" 'spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified'
printf 'apiVersion: authorization.k8s.io/v1\nkind: LocalSubjectAccessReview\nmetadata: {namespace: default}\nspec: {user: u, resourceAttributes: {verb: get, resource: pods, namespace: kube-system}}\n' |
	expect_errno EINVAL "$MNT/bad3.yaml"
expect_contains "$(last_error)" 'LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.namespace: Invalid value: "kube-system": must match metadata.namespace'
echo ok
