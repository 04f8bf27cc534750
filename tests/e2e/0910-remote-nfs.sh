#!/bin/bash
# kubefs export nfs: nfs-ganesha (VFS FSAL) serving the FUSE mount over
# NFSv4, reached with libnfs' user-space clients: reads, a create, a bad
# write refused, no stale caches, the caller's uid, a grant to one user
# not crossing NFS, root squash,
# read-only, a client outside the allowed addresses, and kubefs down
# stopping the exports before the server.
. "$(dirname "$0")/netns-lib.sh" # its kubefs up meets no other cluster
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remote.sh"
command -v ganesha.nfsd >/dev/null || skip "nfs-ganesha is not installed"
command -v nfs-cat >/dev/null || skip "libnfs-utils is not installed"
start_fs
grant_all view # (RBAC: remote users read and watch, never write)
chmod 755 "$T"
url() { echo "nfs://127.0.0.1$MNT/$1?version=4&nfsport=$PORTNFS"; }
export_nfs() {
	kubefs export stop nfs --state "$S" > /dev/null
	kubefs --mount "$MNT" export nfs --listen "127.0.0.1:$PORTNFS" \
		--state "$S" "$@" > "$T/out" || fail "export nfs $*: $(cat "$T/out")"
}
CM=$MNT/core/v1/configmaps/default
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: local}\ndata: {a: "1"}\n' > "$CM/local"

export_nfs --no-root-squash
expect_contains "$(cat "$T/out")" "listening on 127.0.0.1:$PORTNFS"
kubefs export status --state "$S" > "$T/status"
grep -q '^nfs .*running (pid .*no root squash' "$T/status" ||
	fail "status: $(cat "$T/status")"

# reads
expect_contains "$(nfs-ls "$(url core/v1)")" configmaps "listing"
expect_eq "$(nfs-cat "$(url resources)")" "$(cat "$MNT/resources")" "resources"
expect_eq "$(nfs-cat "$(url core/v1/configmaps/default/local)")" \
	"$(cat "$CM/local")" "an object"
# nothing stale: a change made locally shows at once
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: local}\ndata: {a: "22"}\n' > "$CM/local"
expect_contains "$(nfs-cat "$(url core/v1/configmaps/default/local)")" \
	'a: "22"' "a changed object"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later}\n' > "$CM/later"
expect_contains "$(nfs-ls "$(url core/v1/configmaps/default)")" later \
	"a new object in a listed directory"

# a create by copying a manifest
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: remote}\ndata: {b: "2"}\n' > "$T/cm.yaml"
nfs-cp "$T/cm.yaml" "$(url core/v1/configmaps/default/remote)" > /dev/null ||
	fail "create over NFS"
# the server commits when ganesha closes its own descriptor, which may
# come after the NFS CLOSE has been answered
wait_for grep -q 'b: "2"' "$CM/remote"

# nfs-cp creates only (an exclusive create): no replace through it
out=$(nfs-cp "$T/cm.yaml" "$(url core/v1/configmaps/default/remote)" 2>&1) &&
	fail "nfs-cp replaced an object"
expect_contains "$out" "EXIST"

# a bad write is refused: no object, the reason in the writer's errors
# (NFS CLOSE carries no error: the verdict does not reach nfs-cp)
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {}\n' > "$T/bad.yaml"
# The verdict comes when ganesha closes its own descriptor, which may be
# after nfs-cp has ended; until then the file is an open create, visible
# as any file being written is. Wait for the verdict, then look.
nfs-cp "$T/bad.yaml" "$(url core/v1/pods/default/bad)" > /dev/null 2>&1 || true
wait_for grep -q 'Pod "bad" is invalid' "$MNT/errors"
[ -e "$MNT/core/v1/pods/default/bad" ] && fail "a bad pod was created"
expect_contains "$(last_error)" 'Pod "bad" is invalid' "root's errors"
# metrics has its true size (NFS clients read up to it) and reads whole
# to its last line; errors keeps size 0: ganesha opens existing files as
# root, and nobody may read root's errors
expect_eq "$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	nfs-cat "$(url errors)")" "" "nobody's errors over NFS"
nfs-cat "$(url metrics)" > "$T/metrics"
expect_contains "$(sed -n 1p "$T/metrics")" '# HELP kubefs_store_objects' "metrics over NFS"
tail -n 1 "$T/metrics" | qgrep '^kubefs_fs_inodes [0-9][0-9]*$' ||
	fail "metrics over NFS cut short: $(tail -n 2 "$T/metrics")"
nobody=$(setpriv --reuid=65534 --regid=65534 --clear-groups cat "$MNT/errors")
case $nobody in *'Pod "bad"'*) fail "root's NFS error shown to nobody" ;; esac
# another uid reads as itself
expect_eq "$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	nfs-cat "$(url core/v1/configmaps/default/remote)")" "$(cat "$CM/remote")" \
	"a read as nobody"
# what RBAC grants one user alone does not cross NFS: ganesha reads as
# root and judges by the bits it is shown, which give everybody but root
# only what every authenticated user may do. nobody may read ClusterRoles
# locally (root's view shows them 0644), not over NFS; root still may.
R=$MNT/rbac.authorization.k8s.io/v1
printf 'rules: [{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [get, list]}]\n' |
	kfwrite "$R/clusterroles/e2e-roles" >/dev/null
printf 'roleRef: {kind: ClusterRole, name: e2e-roles}\nsubjects: [{kind: User, name: nobody}]\n' |
	kfwrite "$R/clusterrolebindings/e2e-nobody-roles" >/dev/null
expect_contains "$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	cat "$R/clusterroles/e2e-roles")" "name: e2e-roles" \
	"nobody's ClusterRole read, locally"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	nfs-cat "$(url rbac.authorization.k8s.io/v1/clusterroles/e2e-roles)" 2>&1) &&
	fail "a grant to one user crossed NFS: $out"
expect_contains "$out" "ACCESS"
expect_contains "$(nfs-cat "$(url rbac.authorization.k8s.io/v1/clusterroles/e2e-roles)")" \
	"name: e2e-roles" "root's read over NFS"

# root squash (the default): remote root is nobody, who may not write
export_nfs
out=$(nfs-cp "$T/cm.yaml" "$(url core/v1/configmaps/default/squashed)" 2>&1) &&
	fail "squashed root wrote"
expect_contains "$out" "ACCESS"
[ -e "$CM/squashed" ] && fail "squashed root created an object"

# read-only
export_nfs --read-only --no-root-squash
expect_eq "$(nfs-cat "$(url version)")" "$(cat "$MNT/version")" "read-only read"
out=$(nfs-cp "$T/cm.yaml" "$(url core/v1/configmaps/default/ro)" 2>&1) &&
	fail "a read-only export took a write"
expect_contains "$out" "ROFS"
[ -e "$CM/ro" ] && fail "read-only export wrote"

# a client outside --allow is refused
export_nfs --allow 192.0.2.1 --no-root-squash
nfs-ls "$(url core)" > "$T/refused" 2>&1 && fail "a client outside --allow listed the tree"
kubefs export stop --state "$S" > "$T/out"
expect_contains "$(cat "$T/out")" "export-nfs         stopped"

# kubefs down stops the exports before the server: ganesha (and diod)
# hold files of the mount open, which would keep it busy
M2=$T/mnt2 S2=$T/state2
trap 'rc=$?; kubefs --mount "$M2" down --state "$S2" >/dev/null 2>&1 || true
	(exit $rc); remote_cleanup' EXIT
kubefs --mount "$M2" up --state "$S2" --nodes 0 > "$T/up.out" ||
	fail "up: $(cat "$T/up.out")"
kubefs --mount "$M2" export nfs --listen "127.0.0.1:$PORTNFS" --state "$S2" \
	--no-root-squash > "$T/out" || fail "export nfs: $(cat "$T/out")"
expect_eq "$(nfs-cat "nfs://127.0.0.1$M2/version?version=4&nfsport=$PORTNFS")" \
	"$(cat "$M2/version")" "a read from the cluster of up"
want="export-nfs"
if command -v diod >/dev/null || [ -x /usr/sbin/diod ]; then
	kubefs --mount "$M2" export 9p --listen "127.0.0.1:$PORT9" \
		--state "$S2" > "$T/out" || fail "export 9p: $(cat "$T/out")"
	want="export-9p $want"
	[ -f "$S2/run/export-munged.pid" ] && want="$want export-munged"
fi
pids=$(cat "$S2"/run/export-*.pid)
kubefs --mount "$M2" down --state "$S2" > "$T/down.out" ||
	fail "down: $(cat "$T/down.out")"
fs_line=$(grep -n '^kubefs-fs  *stopped' "$T/down.out" | cut -d: -f1)
[ -n "$fs_line" ] || fail "down did not stop kubefs-fs: $(cat "$T/down.out")"
for e in $want; do
	line=$(grep -n "^$e  *stopped\$" "$T/down.out" | cut -d: -f1)
	[ -n "$line" ] || fail "down did not stop $e: $(cat "$T/down.out")"
	[ "$line" -lt "$fs_line" ] ||
		fail "down stopped kubefs-fs before $e: $(cat "$T/down.out")"
done
for p in $pids; do
	running "$p" && fail "pid $p of an export runs after down"
done
ls "$S2"/run/*.pid 2>/dev/null && fail "down left pid files"
mountpoint -q "$M2" && fail "still mounted after down"
kubefs export status --state "$S2" > "$T/status"
grep -q '^nfs  *stopped$' "$T/status" || fail "status after down: $(cat "$T/status")"
echo ok
