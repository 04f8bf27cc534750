#!/bin/bash
# The seed story at scale: `kubefs up --fake-nodes N` (1,000) and P pods
# (30,000) in Deployments of 30 replicas created through the mount at a
# steady rate (clusterloader2's load shape: 30 pods per node). Measures,
# on a private cluster (its own state, mount and network namespace):
#   API write latency  each Deployment create (open, write, close), p50
#                      and p99, beside the same number of ConfigMap
#                      writes on the idle cluster (the baseline, same run)
#   pod startup        first seen by a watcher → seen Running, p50, p99
#   RSS and CPU        of every component: RSS once all pods run and after
#                      STORY_BENCH_SETTLE seconds, CPU seconds used during
#                      the load and CPU % while settled
# beside the anchors: Kubernetes' SLOs (pod startup p99 ≤ 5 s, mutating
# API call p99 ≤ 1 s) and a control plane under 150 MB.
#   STORY_BENCH_NODES=1000 STORY_BENCH_PODS=30000 STORY_BENCH_RATE=300
#   (pods/s) STORY_BENCH_SETTLE=10
set -euo pipefail
cd "$(dirname "$0")/.."
O=${O:-build/obj}
BIN=${BIN:-bin}
if [ -z "${STORY_BENCH_NETNS:-}" ]; then
	ns=kfb$$
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	rc=0
	STORY_BENCH_NETNS=$ns nsenter --net="/run/netns/$ns" bash "$0" "$@" || rc=$?
	ip netns del "$ns"
	exit $rc
fi
N=${STORY_BENCH_NODES:-1000}
P=${STORY_BENCH_PODS:-30000}
RATE=${STORY_BENCH_RATE:-300}
SETTLE=${STORY_BENCH_SETTLE:-10}
R=30
D=$((P / R))
W=$(mktemp -d "$PWD/build/story-bench.XXXXXX")
M=$W/mnt S=$W/state
trap '"$BIN/kubefs" --mount "$M" down --state "$S" >/dev/null 2>&1 || true; rm -rf "$W"' EXIT
COMPS="kubefs-fs kubefs-sched kubefs-ctrl kubefs-proxy kubefs-node-fake"
CONTROL="kubefs-fs kubefs-sched kubefs-ctrl kubefs-proxy"
HZ=$(getconf CLK_TCK)

pid_of() { cat "$S/run/$1.pid"; }
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$(pid_of "$1")/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$(pid_of "$1")/stat"; }
cpu_all() { for c in $COMPS; do echo "$c $(ticks "$c")"; done; }

"$BIN/kubefs" --mount "$M" up --state "$S" --nodes 0 --fake-nodes "$N" >"$W/up.out" 2>&1 ||
	{ cat "$W/up.out" >&2; exit 1; }
end=$((SECONDS + 300))
until [ "$(ls "$M/core/v1/nodes" | wc -l)" -ge "$N" ]; do
	[ $SECONDS -lt $end ] || { echo "only $(ls "$M/core/v1/nodes" | wc -l) of $N nodes" >&2; exit 1; }
	sleep 0.5
done
base=$("$O/bench/story_bench" --cluster "$M" --baseline "$D" --rate "$(awk -v r="$RATE" -v n=$R 'BEGIN { print r / n }')")
cpu_all >"$W/cpu0"
out=$("$O/bench/story_bench" --cluster "$M" --deployments "$D" --replicas "$R" --rate "$RATE" --timeout 1800)
cpu_all >"$W/cpu1"
for c in $COMPS; do echo "$c $(rss_mb "$c")"; done >"$W/rss1"
sleep "$SETTLE"
cpu_all >"$W/cpu2"
for c in $COMPS; do echo "$c $(rss_mb "$c")"; done >"$W/rss2"

val() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
echo "$N fake nodes, $P pods in $D Deployments of $R, $RATE pods/s ($(nproc) cores, Linux $(uname -r))"
printf '%-34s %10s %10s %s\n' "" p50 p99 "anchor (p99)"
printf '%-34s %10s %10s %s\n' "baseline: ConfigMap write, idle" "$(val "$base" baseline_p50_ms) ms" "$(val "$base" baseline_p99_ms) ms" ""
printf '%-34s %10s %10s %s\n' "Deployment write, under load" "$(val "$out" write_p50_ms) ms" "$(val "$out" write_p99_ms) ms" "SLO: mutating call <= 1000 ms"
printf '%-34s %10s %10s %s\n' "pod startup (created -> Running)" "$(val "$out" startup_p50_ms) ms" "$(val "$out" startup_p99_ms) ms" "SLO: <= 5000 ms"
echo "created in $(val "$out" create_s) s, all $(val "$out" pods) Running after $(val "$out" running_s) s"
printf '%-20s %12s %12s %14s %14s\n' component "RSS loaded" "RSS settled" "CPU s (load)" "CPU % settled"
total=0
for c in $COMPS; do
	r1=$(awk -v c="$c" '$1 == c {print $2}' "$W/rss1")
	r2=$(awk -v c="$c" '$1 == c {print $2}' "$W/rss2")
	cl=$(paste "$W/cpu0" "$W/cpu1" | awk -v c="$c" -v hz="$HZ" '$1 == c {printf "%.1f", ($4 - $2) / hz}')
	cs=$(paste "$W/cpu1" "$W/cpu2" | awk -v c="$c" -v hz="$HZ" -v s="$SETTLE" '$1 == c {printf "%.1f", 100 * ($4 - $2) / hz / s}')
	printf '%-20s %9s MB %9s MB %14s %14s\n' "$c" "$r1" "$r2" "$cl" "$cs"
done
total=$(for c in $CONTROL; do awk -v c="$c" '$1 == c {print $2}' "$W/rss2"; done | awk '{t += $1} END {printf "%.1f", t}')
echo "control plane (fs, sched, ctrl, proxy) settled: $total MB; anchor: <= 150 MB (k3s documents ~1.6 GB for a small server)"
