#!/bin/bash
# The story's scale run, short form (bench/story-bench.sh is the long
# one): kubefs up --fake-nodes 100 and 3,000 pods in 100 Deployments of
# 30, created through the mount at a steady rate; every pod is seen
# Running by a watcher, exactly 3,000 pods exist (no duplicates), each
# Deployment reports 30 available. The latencies are printed, not judged
# (a shared machine): bench/story-bench.sh compares them with the SLOs.
. "$(dirname "$0")/story-lib.sh"
BENCH=$(cd "$KUBEFS_TEST_TOOLS/../../bench" && pwd)/story_bench
[ -x "$BENCH" ] || fail "$BENCH is not built (make check-build)"

kubefs --mount "$MNT" up --state "$S" --nodes 0 --fake-nodes 100 >"$T/up.out" 2>&1 ||
	fail "kubefs up: $(cat "$T/up.out")"
hundred() { [ "$(ls "$MNT/core/v1/nodes" | wc -l)" = 100 ]; }
wait_long 120 hundred
"$BENCH" --cluster "$MNT" --deployments 100 --replicas 30 --rate 300 \
	--timeout 600 >"$T/bench.out" 2>&1 || fail "story_bench: $(cat "$T/bench.out")"
cat "$T/bench.out"
expect_eq "$(ls "$P" | wc -l)" 3000 "pods"
all_available() {
	[ "$(for f in "$D"/load-*; do cat "$f@json"; done |
		jq -s '[.[] | select(.status.availableReplicas == 30)] | length')" = 100 ]
}
wait_long 120 all_available
KUBEFS_MOUNT=$MNT kubefs down --state "$S" >"$T/down.out" 2>&1 || fail "down: $(cat "$T/down.out")"
echo ok
