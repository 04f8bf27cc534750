#!/bin/bash
# Writes over NFS as a kernel NFS client makes them (kfnfs, libnfs): the
# data goes out in WRITEs and close() sends COMMIT, whose error is
# close()'s; a single FILE_SYNC WRITE carries its verdict itself. Creates,
# a bad write refused with an error, replace (truncate and rewrite), and
# remove, each checked in the tree.
. "$(dirname "$0")/netns-lib.sh" # ganesha listens on a port
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remote.sh"
command -v ganesha.nfsd >/dev/null || skip "nfs-ganesha is not installed"
start_fs
chmod 755 "$T"
url() { echo "nfs://127.0.0.1$MNT/$1?version=4&nfsport=$PORTNFS"; }
kubefs --mount "$MNT" export nfs --listen "127.0.0.1:$PORTNFS" --state "$S" \
	--no-root-squash > "$T/out" 2> "$T/err" || fail "export nfs: $(cat "$T/out" "$T/err")"
# ganesha reads existing files as root: the export says what that means
expect_contains "$(cat "$T/err")" "Warning: over NFS, users other than root get only"
CM=$MNT/core/v1/configmaps/default
cm() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\ndata: %s\n' "$1" "$2"; }

# a create: committed when COMMIT is answered, so it is there at once
cm remote '{a: "1"}' | kfnfs "$(url core/v1/configmaps/default/remote)" put ||
	fail "create over NFS"
expect_contains "$(cat "$CM/remote")" 'a: "1"' "created over NFS"
# and with one FILE_SYNC WRITE
cm synced '{a: "2"}' | kfnfs "$(url core/v1/configmaps/default/synced)" put --sync ||
	fail "FILE_SYNC create over NFS"
expect_contains "$(cat "$CM/synced")" 'a: "2"' "created with FILE_SYNC"

# a bad write is refused with an error: COMMIT fails with NFS4ERR_INVAL
n=$(wc -l < "$MNT/errors")
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {}\n' > "$T/bad.yaml"
out=$(kfnfs "$(url core/v1/pods/default/bad)" put < "$T/bad.yaml") &&
	fail "a bad pod was accepted over NFS"
expect_eq "$out" "commit: EINVAL" "the verdict of COMMIT"
[ -e "$MNT/core/v1/pods/default/bad" ] && fail "a bad pod was created"
expect_contains "$(last_error)" 'Pod "bad" is invalid' "the reason in errors"
# ... and a FILE_SYNC WRITE fails itself
out=$(kfnfs "$(url core/v1/pods/default/bad)" put --sync < "$T/bad.yaml") &&
	fail "a bad FILE_SYNC pod was accepted over NFS"
expect_eq "$out" "write: EINVAL" "the verdict of a FILE_SYNC WRITE"
[ -e "$MNT/core/v1/pods/default/bad" ] && fail "a bad pod was created"
# each refusal judged once, whatever ganesha's later closes
wait_for test ! -e "$MNT/core/v1/pods/default/bad"
expect_eq "$(wc -l < "$MNT/errors")" $((n + 2)) "one errors line per refused write"

# replace: open with O_TRUNC and rewrite an existing object
rv=$(sed -n 's/^  resourceVersion: "\(.*\)"$/\1/p' "$CM/remote")
cm remote '{a: "replaced"}' | kfnfs "$(url core/v1/configmaps/default/remote)" put ||
	fail "replace over NFS"
expect_contains "$(cat "$CM/remote")" 'a: replaced' "replaced over NFS"
qgrep "resourceVersion: \"$rv\"" < "$CM/remote" &&
	fail "a replace kept the resourceVersion"
# a bad replace is refused and changes nothing
before=$(cat "$CM/remote")
out=$(cm remote '[1]' | kfnfs "$(url core/v1/configmaps/default/remote)" put) &&
	fail "a bad replace was accepted over NFS"
expect_eq "$out" "commit: EINVAL" "the verdict of a bad replace"
expect_eq "$(cat "$CM/remote")" "$before" "a refused replace changed the object"
expect_contains "$(last_error)" 'core/v1/configmaps/default/remote:' "the replace's reason"
# a shorter manifest over a longer one: nothing of the old bytes is left
cm remote '{}' | kfnfs "$(url core/v1/configmaps/default/remote)" put ||
	fail "a shorter replace over NFS"
qgrep replaced < "$CM/remote" && fail "a replace kept old bytes: $(cat "$CM/remote")"
# an exclusive create of an existing object
out=$(cm remote '{}' | kfnfs "$(url core/v1/configmaps/default/remote)" put --excl) &&
	fail "an exclusive create over an object succeeded"
expect_eq "$out" "open: EEXIST" "exclusive create"

# remove
kfnfs "$(url core/v1/configmaps/default/synced)" rm || fail "remove over NFS"
[ -e "$CM/synced" ] && fail "an object removed over NFS is still there"
out=$(kfnfs "$(url core/v1/configmaps/default/synced)" rm) &&
	fail "a second remove succeeded"
expect_eq "$out" "remove: ENOENT" "removing what is gone"
echo ok
