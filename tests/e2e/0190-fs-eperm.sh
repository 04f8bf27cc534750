#!/bin/bash
# What Kubernetes cannot do is refused with EPERM and changes nothing:
# rmdir of a namespace directory, mv of an object (within a namespace or
# across), truncate(2) on an object path. truncate(1) (an open and an
# ftruncate to 0 with nothing written) is refused with EPERM at close. An open
# file can be ftruncated and rewritten; renaming a drop-box name works.
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n' > "$CM/a"
rv=$(yq -r .metadata.resourceVersion "$CM/a")
# refused OUT WHAT: the command's output says EPERM
refused() { expect_contains "$1" "Operation not permitted" "$2"; }

mkdir "$MNT/core/v1/configmaps/team"
out=$(rmdir "$MNT/core/v1/configmaps/team" 2>&1) && fail "rmdir of a namespace dir succeeded"
refused "$out" "rmdir of a namespace directory"
[ -f "$MNT/core/v1/namespaces/team" ] || fail "the namespace went with a refused rmdir"
[ -d "$MNT/core/v1/configmaps/team" ] || fail "the namespace dir went with a refused rmdir"

out=$(mv "$CM/a" "$CM/b" 2>&1) && fail "mv of an object succeeded"
refused "$out" "mv within a namespace"
out=$(mv "$CM/a" "$MNT/core/v1/configmaps/team/a" 2>&1) && fail "mv across namespaces succeeded"
refused "$out" "mv across namespaces"
[ ! -e "$CM/b" ] && [ ! -e "$MNT/core/v1/configmaps/team/a" ] || fail "mv left a copy"

out=$(perl -e 'truncate($ARGV[0], 0) or die "$!\n"' "$CM/a" 2>&1) && fail "truncate(2) succeeded"
refused "$out" "truncate(2) on an object path"
out=$(truncate -s 0 "$CM/a" 2>&1) && fail "truncate(1) emptied an object"
refused "$out" "truncate(1): emptying an object"
expect_eq "$(yq -r .metadata.resourceVersion "$CM/a")" "$rv" "the object after refused changes"
expect_eq "$(yq -r .data.k "$CM/a")" v "the object after refused changes"

# ftruncate of an open file, then new content: a replace
perl -e 'open(F, "+<", $ARGV[0]) or die "open: $!\n"; truncate(F, 0) or die "ftruncate: $!\n";
	print F "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: w}\n";
	close(F) or die "close: $!\n"' "$CM/a" || fail "ftruncate and write"
expect_eq "$(yq -r .data.k "$CM/a")" w "after ftruncate and write"

# a drop-box name may be renamed (sed -i and editors do), and nothing more
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n' > "$CM/d.yaml"
mv "$CM/d.yaml" "$CM/d2.yaml" || fail "rename of a drop-box name"
[ -f "$CM/d" ] || fail "the dropped object"
[ ! -e "$CM/d2" ] || fail "the rename of a drop-box name created an object"
echo ok
