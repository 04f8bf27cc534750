#!/bin/bash
# Every row of the SPEC §3 errno table, with the reason in `errors`, and
# the rule that a rejected write changes nothing.
. "$(dirname "$0")/lib.sh"
start_fs --store-max-mb 4
P=$MNT/core/v1/pods/default
CM=$MNT/core/v1/configmaps/default

# EINVAL: not YAML
printf 'a: [1, 2\n' | expect_errno EINVAL "$CM/bad"
expect_contains "$(last_error)" "core/v1/configmaps/default/bad: error converting YAML to JSON: yaml: line" "syntax error"
[ -e "$CM/bad" ] && fail "rejected create left a file"

# EINVAL: validation, with the Kubernetes sentence
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n' |
	expect_errno EINVAL "$P/p"
expect_contains "$(last_error)" 'Pod "p" is invalid: spec.containers: Required value'
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n' |
	expect_errno EINVAL "$MNT/drop"
expect_contains "$(last_error)" 'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of'

# EINVAL: name on the path and in the manifest must agree (namespace)
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, namespace: kube-system}\n' |
	expect_errno EINVAL "$CM/c1"
expect_contains "$(last_error)" "the namespace of the provided object does not match the namespace sent on the request"

# EEXIST: O_EXCL create of an existing name
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2}\ndata: {a: b}\n' >"$CM/c2"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2}\n' |
	expect_errno EEXIST "$CM/c2" --excl
# (the kernel answers this one itself: it knows c2 exists)

# ESTALE: a stale resourceVersion is a 409 Conflict
old=$(cat "$CM/c2")
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2}\ndata: {a: c}\n' >"$CM/c2"
echo "$old" | sed 's/a: b/a: d/' | expect_errno ESTALE "$CM/c2"
expect_contains "$(last_error)" 'Operation cannot be fulfilled on configmaps "c2": the object has been modified; please apply your changes to the latest version and try again'
expect_eq "$(yq -r .data.a "$CM/c2")" c "value after a conflict"

# EFBIG: an object over 1.5 MiB, and a deeply nested one
{ printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  k: "'
  head -c 1700000 /dev/zero | tr '\0' x; printf '"\n'; } |
	expect_errno EFBIG "$CM/big"
[ -e "$CM/big" ] && fail "oversized object stored"
{ printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\nx: '
  for _ in $(seq 1 200); do printf '['; done; } |
	expect_errno EFBIG "$CM/deep"
# billion laughs
cat > "$T/bomb.yaml" <<'YAML'
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
YAML
expect_errno EFBIG "$CM/bomb" < "$T/bomb.yaml"

# ENOENT: the namespace does not exist
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c3, namespace: nope}\n' |
	expect_errno ENOENT "$MNT/drop2"
expect_contains "$(last_error)" 'namespaces "nope" not found'
# ... and its directory neither
printf 'x' | expect_errno ENOENT "$MNT/core/v1/configmaps/nope/c3"
# deleting what is not there
out=$(rm "$CM/missing" 2>&1) && fail "rm of a missing object succeeded"
expect_contains "$out" "No such file or directory" "rm of a missing object"

# EACCES: root files are read-only; terminating namespaces take nothing
echo x | expect_errno EACCES "$MNT/version" --no-trunc

# ENOSPC: the store is full (4 MiB); reads and deletes keep working
i=0
while :; do
	i=$((i + 1))
	out=$({ printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fill-%d}\ndata:\n  k: "' $i
		head -c 500000 /dev/zero | tr '\0' y; printf '"\n'; } |
		kfwrite "$CM/fill-$i") || break
	[ $i -lt 100 ] || fail "store never filled up"
done
expect_contains "$out" ENOSPC "errno when full"
cat "$CM/c2" >/dev/null || fail "read when full"
rm "$CM/fill-1" || fail "delete when full"

# the errors file is per caller and holds one line per rejection
n=$(wc -l < "$MNT/errors")
[ "$n" -ge 8 ] || fail "errors: $(cat "$MNT/errors")"
printf 'a: [1, 2\n' | expect_errno EINVAL "$CM/bad1"
printf 'a: [1, 2\n' | expect_errno EINVAL "$CM/bad2"
expect_eq "$(wc -l < "$MNT/errors")" $((n + 2)) "errors lines after two more rejections"
expect_contains "$(last_error)" "core/v1/configmaps/default/bad2:" "newest line"
uid=$(ensure_user kubefs-e2e)
grant_all view # (RBAC: the other user may watch, not write)
chmod 711 "$T"
other() { setpriv --reuid="$uid" --regid="$(id -g kubefs-e2e)" --clear-groups "$@"; }
expect_eq "$(other cat "$MNT/errors")" "" "another user's errors file"
# (objects are root's to write: its rejection is a bad watch selector)
other cat "$CM/@watch?fieldSelector=spec.theirs=1" >/dev/null 2>&1 &&
	fail "another user's bad watch succeeded"
expect_eq "$(other cat "$MNT/errors" | wc -l)" 1 "another user's errors after its own rejection"
expect_contains "$(other cat "$MNT/errors")" '"spec.theirs" is not a known field selector' "another user's line"
expect_eq "$(wc -l < "$MNT/errors")" $((n + 2)) "root's errors unchanged by another user's rejection"
echo ok
