#!/bin/bash
# Object files are read from the kernel's page cache, and no reader sees a
# stale object once its change is acknowledged: the mount drops the cached
# pages before close() or unlink() returns, whatever route the change
# took (the object's own path, a merge patch, @json, a drop box, a
# graceful delete that only marks the object). The kernel would keep
# attributes and pages for the whole attribute timeout without that: a
# long one makes sure every stale read shows.
. "$(dirname "$0")/lib.sh"
start_fs --attr-timeout 60
CM=$MNT/core/v1/configmaps/default
P=$MNT/core/v1/pods/default
reads() {
	grep '^kubefs_fs_requests_total{op="read"}' "$MNT/metrics" |
		awk '{print $2}'
}
val() { sed -n 's/^  v: "\(.*\)"$/\1/p' "$CM/c"; }

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {v: "0"}\n' >"$CM/c"

# repeated reads of an unchanged object are served by the kernel
cat "$CM/c" >/dev/null
before=$(reads)
for i in 1 2 3 4 5; do cat "$CM/c" >/dev/null; done
after=$(reads)
# the two reads of `metrics` itself count; uncached, each cat is two
[ $((after - before)) -lt 6 ] ||
	fail "5 reads of a cached object made $((after - before)) read requests"

for i in $(seq 1 12); do
	# read twice: the second read is the cache's
	expect_eq "$(val)" "$((i - 1))" "value before change $i"
	expect_eq "$(val)" "$((i - 1))" "cached value before change $i"
	case $((i % 4)) in
	0) printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {v: "%s"}\n' \
		"$i" >"$CM/c" ;;
	1) printf 'data: {v: "%s"}\n' "$i" >>"$CM/c" ;;
	2) printf '{"data":{"v":"%s"}}\n' "$i" >>"$CM/c@json" ;;
	3) printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\ndata: {v: "%s"}\n' \
		"$i" >"$MNT/m.yaml" ;;
	esac
	expect_eq "$(val)" "$i" "value right after change $i"
done

# The notifier, which tells the kernel about changes made elsewhere,
# works through its queue in order: behind 200 other objects it is late,
# and the mount must not wait for it. The changed object comes last in
# a drop-box manifest.
for round in 1 2 3; do
	expect_eq "$(val)" "$((11 + round))" "value before batch $round"
	{
		for j in $(seq 1 200); do
			printf -- '---\napiVersion: v1\nkind: ConfigMap\n'
			printf 'metadata: {name: b%s-%s, namespace: default}\n' \
				"$round" "$j"
		done
		printf -- '---\napiVersion: v1\nkind: ConfigMap\n'
		printf 'metadata: {name: c, namespace: default}\n'
		printf 'data: {v: "%s"}\n' "$((12 + round))"
	} >"$T/batch.yaml"
	cp "$T/batch.yaml" "$MNT/"
	expect_eq "$(val)" "$((12 + round))" "value right after batch $round"
done

# an rm that only marks a pod (graceful deletion): the file changes
cat >"$P/p" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  nodeName: n1
  containers: [{name: c, image: busybox}]
YAML
expect_eq "$(yq -r .metadata.deletionTimestamp "$P/p")" null "not deleting"
rm "$P/p"
if [ -e "$P/p" ]; then
	[ "$(yq -r .metadata.deletionTimestamp "$P/p")" != null ] ||
		fail "a marked pod read stale after rm"
fi
exit 0
