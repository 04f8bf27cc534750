#!/bin/bash
# End to end: the NamespaceLifecycle admission plugin through the tree —
# nothing created in a missing namespace (by file or drop box), the
# immortal namespaces stay, and a namespace that is not immortal goes.
. "$(dirname "$0")/lib.sh"
start_fs
NS=$MNT/core/v1/namespaces

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ghost}\n' |
	expect_errno ENOENT "$MNT/drop.yaml"
expect_contains "$(last_error)" 'namespaces "ghost" not found'
[ ! -e "$NS/ghost" ] || fail "a missing namespace appeared"

for ns in default kube-system kube-public; do
	rm "$NS/$ns" 2> /dev/null && fail "namespace $ns was deleted"
	expect_contains "$(last_error)" "namespaces \"$ns\" is forbidden: this namespace may not be deleted"
	expect_eq "$(yq -r .status.phase "$NS/$ns")" Active "phase of $ns"
done

mkdir "$MNT/core/v1/configmaps/scratch"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n' \
	> "$MNT/core/v1/configmaps/scratch/c"
rm "$NS/scratch"
# Terminating: nothing new in it
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n' |
	expect_errno EACCES "$MNT/core/v1/configmaps/scratch/d"
expect_contains "$(last_error)" \
	'configmaps "d" is forbidden: unable to create new content in namespace scratch because it is being terminated'
# no namespace controller runs here: the test does its work. Deleting
# content is allowed; once empty, the namespace waits for its own
# `kubernetes` finalizer and goes when NAME@finalize removes it
test -e "$MNT/core/v1/configmaps/scratch/c"
rm "$MNT/core/v1/configmaps/scratch/c"
test -e "$NS/scratch"
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: scratch}\nspec: {finalizers: []}\n' \
	> "$NS/scratch@finalize"
ns_gone() { [ ! -e "$NS/scratch" ]; }
wait_for ns_gone
echo ok
