#!/bin/bash
# RBAC with local users: a viewer reads but cannot write, a namespace
# admin cannot touch another namespace, nobody without the right reads a
# Secret (not even with grep -r or the snapshot), a binding to a missing
# role grants nothing, the mode bits and access(2) answer per caller.
. "$(dirname "$0")/lib.sh"
ensure_user kf-viewer >/dev/null
ensure_user kf-nsadmin >/dev/null
ensure_user kf-nobody >/dev/null
start_fs
chmod 755 "$T" # let the users reach the mount
errors_of() { as "$1" cat "$MNT/errors"; }
R=$MNT/rbac.authorization.k8s.io/v1
CM=$MNT/core/v1/configmaps
S=$MNT/core/v1/secrets

mkdir "$CM/team-a" "$CM/team-b"
printf 'data: {k: v}\n' | kfwrite "$CM/team-a/conf" >/dev/null
printf 'data: {k: v}\n' | kfwrite "$CM/team-b/conf" >/dev/null
printf 'stringData: {password: hunter2}\n' | kfwrite "$S/team-a/db" >/dev/null
bind() { # bind NS NAME KIND ROLE USER
	printf 'roleRef: {kind: %s, name: %s}\nsubjects: [{kind: User, name: %s}]\n' \
		"$3" "$4" "$5" | kfwrite "$R/rolebindings/$1/$2" >/dev/null
}
bind team-a viewer ClusterRole view kf-viewer
bind team-a admin ClusterRole admin kf-nsadmin
bind team-a ghost Role ghost kf-nobody

# the bootstrap roles are there, as Kubernetes has them
for r in cluster-admin admin edit view system:node system:kube-scheduler \
	system:kube-controller-manager system:node-proxier system:discovery \
	system:basic-user; do
	[ -e "$R/clusterroles/$r" ] || fail "bootstrap ClusterRole $r missing"
done

# a viewer reads...
expect_eq "$(as kf-viewer yq -r .data.k "$CM/team-a/conf")" v "viewer reads"
as kf-viewer ls "$CM/team-a" | qgrep -x conf || fail "viewer cannot list"
as kf-viewer test -r "$CM/team-a/conf" || fail "test -r as viewer"
as kf-viewer test -x "$CM/team-a" || fail "test -x of a directory"
test -x "$CM/team-a/conf" && fail "an object is executable"
expect_eq "$(as kf-viewer stat -c '%a %U' "$CM/team-a/conf")" \
	"400 kf-viewer" "the viewer's mode of a ConfigMap"
# ... but does not write
as kf-viewer test -w "$CM/team-a/conf" && fail "test -w as viewer"
out=$(printf 'data: {k: w}\n' | as kf-viewer kfwrite "$CM/team-a/conf" 2>&1) &&
	fail "viewer wrote a ConfigMap"
expect_contains "$out" EACCES "viewer's write"
expect_contains "$(errors_of kf-viewer)" \
	'configmaps "conf" is forbidden: User "kf-viewer" cannot update resource "configmaps" in API group "" in the namespace "team-a"'
as kf-viewer rm "$CM/team-a/conf" 2>/dev/null && fail "viewer deleted"
[ -e "$CM/team-a/conf" ] || fail "the ConfigMap is gone"
# ... nor sees another namespace, nor every namespace
out=$(as kf-viewer ls "$CM/team-b" 2>&1) && fail "viewer listed team-b"
expect_contains "$out" "Permission denied" "listing team-b"
expect_contains "$(errors_of kf-viewer)" \
	'configmaps is forbidden: User "kf-viewer" cannot list resource "configmaps" in API group "" in the namespace "team-b"'
as kf-viewer ls "$CM" >/dev/null 2>&1 && fail "viewer listed all namespaces"
expect_eq "$(as kf-viewer stat -c %a "$CM/team-b")" 100 "mode of team-b"

# a namespace admin writes in its namespace only
printf 'data: {x: y}\n' | as kf-nsadmin kfwrite "$CM/team-a/new" >/dev/null ||
	fail "admin cannot create in team-a"
as kf-nsadmin test -w "$CM/team-a/new" || fail "test -w as admin"
out=$(printf 'data: {x: y}\n' | as kf-nsadmin kfwrite "$CM/team-b/new" 2>&1) &&
	fail "admin created in team-b"
expect_contains "$(errors_of kf-nsadmin)" \
	'configmaps is forbidden: User "kf-nsadmin" cannot create resource "configmaps" in API group "" in the namespace "team-b"'
as kf-nsadmin rm "$CM/team-b/conf" 2>/dev/null && fail "admin deleted in team-b"
[ -e "$CM/team-b/conf" ] || fail "team-b's ConfigMap is gone"

# Secrets: the admin reads them, the viewer and nobody do not
as kf-nsadmin grep -q hunter2 "$S/team-a/db" 2>/dev/null ||
	as kf-nsadmin yq -r .data.password "$S/team-a/db" | base64 -d |
	grep -q hunter2 || fail "admin cannot read the Secret"
for u in kf-viewer kf-nobody; do
	as "$u" cat "$S/team-a/db" >/dev/null 2>&1 && fail "$u read the Secret"
	as "$u" test -r "$S/team-a/db" && fail "test -r of the Secret as $u"
	expect_eq "$(as "$u" stat -c %s "$S/team-a/db")" 0 "size as $u"
	hits=$(as "$u" grep -r -l -e hunter2 -e aHVudGVyMg "$MNT" 2>/dev/null || true)
	expect_eq "$hits" "" "grep -r as $u"
	as "$u" cat "$MNT/snapshot" >/dev/null 2>&1 && fail "$u read the snapshot"
done
expect_contains "$(errors_of kf-viewer)" \
	'secrets "db" is forbidden: User "kf-viewer" cannot get resource "secrets" in API group "" in the namespace "team-a"'

# a binding to a missing role grants nothing, and says so
as kf-nobody cat "$CM/team-a/conf" >/dev/null 2>&1 && fail "nobody read"
expect_contains "$(errors_of kf-nobody)" \
	'cannot get resource "configmaps" in API group "" in the namespace "team-a": RBAC: role.rbac.authorization.k8s.io "ghost" not found'
# ... until the role appears
printf 'rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]\n' |
	kfwrite "$R/roles/team-a/ghost" >/dev/null
wait_for as kf-nobody cat "$CM/team-a/conf"
# and root (system:masters) still does everything
printf 'data: {k: root}\n' | kfwrite "$CM/team-b/conf" >/dev/null
echo ok
