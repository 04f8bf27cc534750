#!/bin/bash
# RBAC's guards and questions: escalation (a Role granting rights one
# lacks) refused with Kubernetes' message, binding a role one does not
# hold refused, bad RBAC objects refused with Kubernetes' validation;
# impersonation (kubefs --as) enforced by the server, a forged
# impersonation refused; kubefs auth can-i and whoami.
. "$(dirname "$0")/lib.sh"
ensure_user kf-lead >/dev/null
ensure_user kf-dev >/dev/null
start_fs
chmod 755 "$T"
R=$MNT/rbac.authorization.k8s.io/v1
CM=$MNT/core/v1/configmaps
kf() { kubefs --mount "$MNT" "$@"; }
KF="kubefs --mount $MNT" # for setpriv, which runs no shell function
mkdir "$CM/team"
printf 'roleRef: {kind: ClusterRole, name: admin}\nsubjects: [{kind: User, name: kf-lead}]\n' |
	kfwrite "$R/rolebindings/team/lead" >/dev/null

# escalation: the admin of team may grant what it holds, not more
printf 'rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list]}]\n' |
	as kf-lead kfwrite "$R/roles/team/reader" >/dev/null ||
	fail "admin cannot create a Role within its rights"
out=$(printf 'rules: [{apiGroups: [""], resources: [nodes, configmaps], verbs: [get]}, {apiGroups: [apps], resources: [deployments], verbs: [escalate]}]\n' |
	as kf-lead kfwrite "$R/roles/team/more" 2>&1) && fail "escalation accepted"
expect_contains "$out" EACCES "escalation"
[ -e "$R/roles/team/more" ] && fail "the escalating Role exists"
expect_contains "$(as kf-lead cat "$MNT/errors")" \
	"roles.rbac.authorization.k8s.io \"more\" is forbidden: user \"kf-lead\" (groups=[\"kf-lead\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:"
expect_contains "$(as kf-lead cat "$MNT/errors")" \
	'{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}'
# binding: what it holds, yes; cluster-admin, no
printf 'roleRef: {kind: Role, name: reader}\nsubjects: [{kind: User, name: kf-dev}]\n' |
	as kf-lead kfwrite "$R/rolebindings/team/dev" >/dev/null ||
	fail "admin cannot bind a Role within its rights"
out=$(printf 'roleRef: {kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: kf-dev}]\n' |
	as kf-lead kfwrite "$R/rolebindings/team/root" 2>&1) && fail "bound cluster-admin"
expect_contains "$(as kf-lead cat "$MNT/errors")" \
	'rolebindings.rbac.authorization.k8s.io "root" is forbidden: user "kf-lead"'
# and nobody else in another namespace
out=$(printf 'rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]\n' |
	as kf-lead kfwrite "$R/roles/default/x" 2>&1) && fail "a Role in default"
expect_contains "$(as kf-lead cat "$MNT/errors")" \
	'roles.rbac.authorization.k8s.io is forbidden: User "kf-lead" cannot create resource "roles" in API group "rbac.authorization.k8s.io" in the namespace "default"'

# validation as Kubernetes'
printf 'rules: [{resources: [pods]}]\n' | expect_errno EINVAL "$R/roles/team/bad"
expect_contains "$(last_error)" \
	'Role.rbac.authorization.k8s.io "bad" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least one api group]'
printf 'roleRef: {kind: Role, name: x}\n' |
	expect_errno EINVAL "$R/clusterrolebindings/bad"
expect_contains "$(last_error)" \
	'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"'

# the developer: what the binding gives, and the tree says so
expect_eq "$(as kf-dev $KF auth can-i list configmaps -n team)" yes "can-i list"
out=$(as kf-dev $KF auth can-i create configmaps -n team) && fail "can-i create said yes"
expect_eq "$out" no "can-i create"
expect_eq "$(as kf-dev $KF auth can-i get configmaps -n default || true)" no "can-i in default"
as kf-dev test -r "$CM/team" || fail "test -r of a listable directory"
as kf-dev test -w "$CM/team" && fail "test -w of a directory kf-dev cannot create in"
expect_contains "$(as kf-dev $KF auth whoami)" "Username    kf-dev" "whoami"
expect_contains "$(as kf-dev $KF auth whoami)" "[kf-dev system:authenticated]" "whoami groups"

# impersonation: root may; the server enforces the impersonated rights
expect_contains "$(kf --as kf-dev auth whoami)" "Username    kf-dev" "whoami --as"
out=$(kf --as kf-dev get configmaps -n default 2>&1) && fail "--as kf-dev listed default"
expect_contains "$out" 'configmaps is forbidden: User "kf-dev" cannot list resource "configmaps" in API group "" in the namespace "default"'
kf --as kf-dev get configmaps -n team >/dev/null || fail "--as kf-dev cannot list team"
expect_contains "$(kf --as kf-dev --as-group ops auth whoami)" "[ops system:authenticated]"
# kf-dev may not impersonate: neither with --as nor by forging the marker
out=$(as kf-dev $KF --as kf-lead auth can-i list configmaps -n team) &&
	fail "kf-dev impersonated kf-lead"
expect_contains "$out" 'users "kf-lead" is forbidden: User "kf-dev" cannot impersonate resource "users" in API group "" at the cluster scope'
as kf-dev env KUBEFS_AS=root cat "$MNT/core/v1/namespaces/default" >/dev/null 2>&1 &&
	fail "a forged impersonation read as root"
expect_contains "$(as kf-dev cat "$MNT/errors")" \
	'users "root" is forbidden: User "kf-dev" cannot impersonate resource "users"'

# the admin group's members are system:masters
getent group kf-e2e-admins >/dev/null || groupadd --system kf-e2e-admins
gid=$(getent group kf-e2e-admins | cut -d: -f3)
stop_fs
start_fs --admin-group kf-e2e-admins
admin() {
	setpriv --reuid="$(id -u kf-dev)" --regid="$(id -g kf-dev)" \
		--groups="$gid" "$@"
}
expect_contains "$(admin $KF auth whoami)" "system:masters" "an admin's groups"
admin head -c 10 "$MNT/snapshot" >/dev/null || fail "an admin cannot read snapshot"
as kf-dev head -c 10 "$MNT/snapshot" >/dev/null 2>&1 && fail "kf-dev read snapshot"
echo ok
