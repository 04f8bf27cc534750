#!/bin/bash
# The seed story in a loop (SOAK_MINUTES, default 30): on a private
# `kubefs up` cluster with a real node (its own state, mount and network
# namespace), each round copies in the Deployment (the offline image) and
# its Service, waits for the page through the ClusterIP, scales to 3, rolls
# the image to the other tag, and deletes both, waiting until no pod is
# left. Every SOAK_SAMPLE seconds the resident memory and the open file
# descriptors of every component are sampled. At the end, per component:
# the first and last quarter's averages (anonymous and total RSS, fds)
# and their ratio — a leak shows as
# a last quarter above the first (the baseline, from the same run); and
# the rounds done. Run as root, after `make`.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
BIN=${BIN:-bin}
if [ -z "${SOAK_NETNS:-}" ]; then
	ns=kfk$$
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add e0 type veth peer name e1
	ip -n "$ns" addr add 192.0.2.2/24 dev e0
	ip -n "$ns" link set e1 up
	ip -n "$ns" link set e0 up
	ip -n "$ns" route add default dev e0
	rc=0
	SOAK_NETNS=$ns nsenter --net="/run/netns/$ns" bash "$0" "$@" || rc=$?
	ip netns del "$ns"
	exit $rc
fi
MIN=${SOAK_MINUTES:-30}
EVERY=${SOAK_SAMPLE:-5}
W=$(mktemp -d "$src/build/story-soak.XXXXXX")
M=$W/mnt S=$W/state
export KUBEFS_MOUNT=$M
SAMPLER=
# on a failed round, what the cluster looked like and its logs are kept
# in build/story-soak-failed.* (the path is printed)
evidence() {
	local keep f
	set +e
	keep=$(mktemp -d "$src/build/story-soak-failed.XXXXXX")
	cp -r "$S/log" "$keep/" 2>/dev/null || true
	cp "$W/samples" "$W/errors" "$keep/" 2>/dev/null || true
	{
		echo "== pods"; "$BIN/kubefs" get pods -o wide
		echo "== services"; "$BIN/kubefs" get svc -o wide
		echo "== endpointslices"
		for f in "$M"/discovery.k8s.io/v1/endpointslices/default/*; do
			cat "$f@json"
		done
		echo "== endpoints"
		cat "$M/core/v1/endpoints/default/nginx@json"
		echo "== nft"; nft list ruleset
		echo "== curl"; curl -sv -m 2 "http://$(jq -r .spec.clusterIP "$M/core/v1/services/default/nginx@json")/"
	} >"$keep/state" 2>&1
	echo "evidence kept in $keep" >&2
}
trap 'rc=$?; [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null; [ $rc = 0 ] || evidence; "$BIN/kubefs" down --state "$S" >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
COMPS="kubefs-fs kubefs-sched kubefs-ctrl kubefs-node kubefs-proxy"
D=$M/apps/v1/deployments/default
P=$M/core/v1/pods/default

"$src/examples/local-image.sh" "$src/$BIN" "$S/node" >/dev/null
"$BIN/kubefs" --mount "$M" up --state "$S" --node-name soak >"$W/up.out" 2>&1 ||
	{ cat "$W/up.out" >&2; exit 1; }
sed 's|image: .*|image: kubefs-httpd:1|' examples/deployment.yaml >"$W/deployment.yaml"

# until CMD succeeds (SECONDS), else fail the soak
until_ok() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || { echo "round $round: timed out: $*" >&2; exit 1; }
		sleep 0.2
	done
}
running() {
	[ "$(for f in "$P"/*; do [ -e "$f" ] && cat "$f@json"; done |
		jq -s --arg i "$1" '[.[] | select(.metadata.deletionTimestamp == null and
		.status.phase == "Running" and .spec.containers[0].image == $i)] | length')" = "$2" ] &&
		[ "$(ls "$P" | wc -l)" = "$2" ]
}
serves() { [ "$(curl -s -m 2 "http://$(jq -r .spec.clusterIP "$M/core/v1/services/default/nginx@json")/")" = "hello from kubefs" ]; }
empty() { [ -z "$(ls "$P")" ] && [ ! -e "$D/nginx" ]; }

(
	while :; do
		t=$SECONDS
		for c in $COMPS; do
			pid=$(cat "$S/run/$c.pid" 2>/dev/null) || continue
			rss=$(awk '/^RssAnon/ {a = $2} /^VmRSS/ {v = $2} END {print a, v}' "/proc/$pid/status" 2>/dev/null) || continue
			fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
			echo "$t $c $rss $fds"
		done
		sleep "$EVERY"
	done
) >"$W/samples" &
SAMPLER=$!

# put FILE DIR: cp, once more if it fails; failures are counted and shown
errors=0 conflicts=0
put() {
	cp "$1" "$2" 2>>"$W/errors" && return 0
	errors=$((errors + 1))
	echo "round $round: cp $1 failed" >>"$W/errors"
	cp "$1" "$2"
}

round=0
end=$((SECONDS + MIN * 60))
while [ $SECONDS -lt $end ]; do
	round=$((round + 1))
	put "$W/deployment.yaml" "$D/"
	put examples/service.yaml "$M/core/v1/services/"
	until_ok 60 running kubefs-httpd:1 1
	until_ok 30 serves
	echo 3 >"$D/nginx@scale"
	until_ok 60 running kubefs-httpd:1 3
	until sed -i 's|kubefs-httpd:1|kubefs-httpd:2|' "$D/nginx" 2>>"$W/errors"; do
		conflicts=$((conflicts + 1)) # a controller wrote it meanwhile
		sleep 0.2
	done
	until_ok 90 running kubefs-httpd:2 3
	until_ok 30 serves
	rm "$D/nginx" "$M/core/v1/services/default/nginx"
	until_ok 90 empty
done
kill "$SAMPLER"
wait "$SAMPLER" 2>/dev/null || true
SAMPLER=

echo "story soak: $round rounds in $MIN min, samples every $EVERY s ($(nproc) cores, Linux $(uname -r))"
[ "$conflicts" -gt 0 ] && echo "$conflicts sed -i lost a race with a controller (Conflict), done again"
if [ "$errors" -gt 0 ]; then
	echo "$errors cp failed once (then succeeded):"
	sort "$W/errors" | uniq -c | sort -rn | head -5
fi
printf '%-14s %11s %11s %6s %11s %11s %6s %6s %6s %6s\n' component "anon first" "anon last" ratio \
	"RSS first" "RSS last" ratio "fds 1st" "last" ratio
for c in $COMPS; do
	awk -v c="$c" '$2 == c {a[n] = $3; r[n] = $4; f[n] = $5; n++}
	END {
		q = int(n / 4); if (q < 1) q = 1
		for (i = 0; i < q; i++) { a1 += a[i]; r1 += r[i]; f1 += f[i] }
		for (i = n - q; i < n; i++) { a2 += a[i]; r2 += r[i]; f2 += f[i] }
		printf "%-14s %8.1f MB %8.1f MB %6.2f %8.1f MB %8.1f MB %6.2f %6.1f %6.1f %6.2f\n", c,
			a1 / q / 1024, a2 / q / 1024, a2 / a1, r1 / q / 1024,
			r2 / q / 1024, r2 / r1, f1 / q, f2 / q, f2 / f1
	}' "$W/samples"
done
echo "(anon: RssAnon, the heap; RSS adds file pages, for kubefs-fs mostly the LMDB map; Events stay an hour, so the store grows meanwhile)"
# the heap's course: a leak keeps climbing, a cache that fills levels off
echo "anon (MB), average of each sixth of the run:"
for c in $COMPS; do
	awk -v c="$c" '$2 == c {a[n++] = $3}
	END {
		printf "%-14s", c
		for (k = 0; k < 6; k++) {
			lo = int(n * k / 6); hi = int(n * (k + 1) / 6); s = 0
			for (i = lo; i < hi; i++) s += a[i]
			printf " %7.1f", (hi > lo ? s / (hi - lo) / 1024 : 0)
		}
		printf "\n"
	}' "$W/samples"
done
mkdir -p "$src/build/bench"
cp "$W/samples" "$src/build/bench/story-soak.samples"
echo "(every sample: build/bench/story-soak.samples: seconds, component, anon KiB, RSS KiB, fds)"
