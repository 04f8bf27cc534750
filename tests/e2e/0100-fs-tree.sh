#!/bin/bash
# The tree: root files, group/version/resource dirs, namespace dirs,
# clean unmount, and remounting over a crashed server's stale mount.
. "$(dirname "$0")/lib.sh"
start_fs

expect_eq "$(cat "$MNT/healthz")" ok healthz
expect_contains "$(cat "$MNT/version")" "kubefs" version
expect_contains "$(cat "$MNT/README")" "drop box" README
ls "$MNT" | qgrep -x core || fail "no core/ in root"
ls "$MNT" | qgrep -x apps || fail "no apps/ in root"
expect_eq "$(ls "$MNT/apps")" v1 "apps versions"
ls "$MNT/core/v1" | qgrep -x pods || fail "no pods resource"
grep -q '^apps/v1/deployments Deployment namespaced status,scale$' \
	"$MNT/resources" || fail "resources line for deployments: $(cat "$MNT/resources")"
grep -q '^core/v1/nodes Node cluster ' "$MNT/resources" ||
	fail "nodes not cluster-scoped in resources"

# built-in namespaces, as objects and as dirs in every namespaced resource
for ns in default kube-system kube-public kube-node-lease; do
	[ -f "$MNT/core/v1/namespaces/$ns" ] || fail "namespace $ns missing"
	[ -d "$MNT/core/v1/pods/$ns" ] || fail "pods/$ns dir missing"
	[ -d "$MNT/apps/v1/deployments/$ns" ] || fail "deployments/$ns missing"
done
[ ! -e "$MNT/core/v1/pods/nope" ] || fail "non-existent namespace dir"
[ ! -e "$MNT/nothing" ] || fail "unknown root name resolves"

# exact sizes everywhere
for f in README version resources core/v1/namespaces/default; do
	expect_eq "$(stat -c %s "$MNT/$f")" "$(cat "$MNT/$f" | wc -c)" "size of $f"
done
grep -q '^kubefs_store_objects ' "$MNT/metrics" || fail "metrics: $(cat "$MNT/metrics")"

# xattrs are not supported: every call says so (ENOTSUP)
for cmd in "getfattr -d" "getfattr -n user.x" "setfattr -n user.x -v 1"; do
	out=$($cmd "$MNT/core/v1/namespaces/default" 2>&1) &&
		fail "$cmd succeeded on an object"
	expect_contains "$out" "Operation not supported" "$cmd"
done

# a clean stop unmounts
stop_fs
mountpoint -q "$MNT" && fail "still mounted after SIGTERM"

# a crashed server leaves a stale mount; the next one takes it over
start_fs
crash_fs
stat "$MNT" >/dev/null 2>&1 && fail "expected a stale mount after kill -9"
start_fs
expect_eq "$(cat "$MNT/healthz")" ok "healthz after remount"
[ -f "$MNT/core/v1/namespaces/default" ] || fail "store lost across crash"
echo ok
