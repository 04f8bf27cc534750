#!/bin/bash
# Secrets — their files, @json, @watch — are readable by those RBAC lets
# get, list and watch them; system:masters (root) see them as 0600 files,
# a user without the right sees no rights, no size, and Permission
# denied; the snapshot is system:masters' only.
. "$(dirname "$0")/lib.sh"
start_fs
chmod 755 "$T" # let uid 65534 reach the mount
grant_all view # everyone: view, which holds no Secret
S=$MNT/core/v1/secrets/default
CM=$MNT/core/v1/configmaps/default
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n' > "$S/db"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pub}\ndata: {a: b}\n' > "$CM/pub"

expect_eq "$(stat -c %a "$S/db")" 600 "root's mode of a Secret"
expect_eq "$(stat -c %a "$S/db@json")" 600 "root's mode of a Secret's @json"
expect_eq "$(stat -c %a "$MNT/snapshot")" 400 "root's mode of snapshot"
expect_eq "$(stat -c %a "$CM/pub")" 644 "root's mode of a ConfigMap"
expect_eq "$(ls -l "$S" | awk '/ db$/ {print $1}')" "-rw-------" "ls -l of a Secret"

# root reads them
grep -q hunter2 "$S/db" || yq -r .data.password "$S/db" | base64 -d | qgrep hunter2 ||
	fail "root cannot read the Secret"
head -c 100 "$MNT/snapshot" > /dev/null || fail "root cannot read snapshot"

# nobody: view rights only
expect_eq "$(as_nobody stat -c '%a %s' "$S/db")" "0 0" "nobody's mode and size of a Secret"
expect_eq "$(as_nobody stat -c '%a' "$CM/pub")" 400 "nobody's mode of a ConfigMap"
for f in "$S/db" "$S/db@json" "$S/@watch" "$MNT/core/v1/secrets/@watch" \
	"$MNT/snapshot"; do
	out=$(as_nobody cat "$f" 2>&1) && fail "uid 65534 read $f"
	expect_contains "$out" "Permission denied" "reading $f as uid 65534"
done
out=$(as_nobody ls "$S" 2>&1) && fail "uid 65534 listed Secrets"
expect_contains "$(as_nobody cat "$MNT/errors")" \
	'secrets is forbidden: User "nobody" cannot list resource "secrets" in API group "" in the namespace "default"'
# other objects stay readable
as_nobody cat "$CM/pub" | qgrep 'a: b' || fail "uid 65534 cannot read a ConfigMap"
as_nobody ls "$CM" | qgrep '^pub$' || fail "ConfigMap names are not listed"
# a Role and RoleBinding give it one Secret
printf 'rules: [{apiGroups: [""], resources: [secrets], resourceNames: [db], verbs: [get]}]\n' |
	kfwrite "$MNT/rbac.authorization.k8s.io/v1/roles/default/db-reader" >/dev/null
printf 'roleRef: {kind: Role, name: db-reader}\nsubjects: [{kind: User, name: nobody}]\n' |
	kfwrite "$MNT/rbac.authorization.k8s.io/v1/rolebindings/default/db-reader" >/dev/null
as_nobody cat "$S/db" | qgrep password || fail "uid 65534 cannot read its Secret"
expect_eq "$(as_nobody stat -c %a "$S/db")" 400 "nobody's mode of its Secret"
as_nobody ls "$S" >/dev/null 2>&1 && fail "a get right let uid 65534 list"
echo ok
