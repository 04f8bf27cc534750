#!/bin/bash
# kubefs-sched against a trivial round-robin binder, side by side, in the
# shape of kube-scheduler's scheduler_perf SchedulingBasic. For each node
# count a fresh private kubefs-fs gets N fake Nodes and M pods (100m,
# 128Mi); kubefs-sched binds them, and, as the baseline, the bench binds
# them itself round robin through the same NAME@binding files with as many
# threads. Two scenarios:
#   live     pods created as fast as 8 writers can; latency is creation to
#            bound (seen on a watch): what a user sees
#   backlog  all M pods created first with the binder held, then let go:
#            the binder's own throughput
# plus the framework alone (sched_schedule() in-process, no I/O).
#   SCHED_BENCH_NODES="100 1000 5000" SCHED_BENCH_PODS=1000
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
O=${O:-build/obj}
BIN=${BIN:-bin}
NODES=${SCHED_BENCH_NODES:-100 1000 5000}
PODS=${SCHED_BENCH_PODS:-1000}
W=$(mktemp -d "$PWD/build/sched-bench.XXXXXX")
pid=
stop_fs() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	fi
	fusermount3 -u -z "$W/mnt" 2>/dev/null || true
}
cleanup() {
	stop_fs
	rm -rf "$W"
}
trap cleanup EXIT

run() { # mode nodes [--backlog] -> the bench line in $W/out
	stop_fs
	rm -rf "$W/store" "$W/mnt"
	mkdir -p "$W/mnt"
	"$BIN/kubefs-fs" --foreground --store "$W/store" --log "$W/fs.log" \
		"$W/mnt" </dev/null >>"$W/fs.out" 2>&1 &
	pid=$!
	wait_healthy "$W/mnt" "$pid" "$W/fs.log"
	"$O/bench/sched_bench" --cluster "$W/mnt" --mode "$1" --nodes "$2" \
		--pods "$PODS" --sched "$BIN/kubefs-sched" \
		--sched-log "$W/sched-$2.log" ${3:-} >"$W/out"
	stop_fs
}

field() { # line key
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}

row() { # nodes scenario binder line [baseline line]
	local ratio=
	[ -n "${5:-}" ] && ratio=$(awk -v a="$(field "$4" pods_per_s)" \
		-v b="$(field "$5" pods_per_s)" 'BEGIN { printf "%.2f", a / b }')
	printf '%-6s %-6s %-9s %-13s %10s %10s %10s %6s\n' "$1" "$PODS" "$2" \
		"$3" "$(field "$4" pods_per_s)" "$(field "$4" p50_ms)" \
		"$(field "$4" p99_ms)" "$ratio"
}

printf '%-6s %-6s %-9s %-13s %10s %10s %10s %6s\n' nodes pods scenario \
	binder pods/s p50_ms p99_ms ratio
for n in $NODES; do
	run rr "$n"
	rr=$(cat "$W/out")
	run sched "$n"
	sc=$(cat "$W/out")
	run rr "$n" --backlog
	rrb=$(cat "$W/out")
	run sched "$n" --backlog
	scb=$(cat "$W/out")
	fw=$("$O/bench/sched_bench" --mode framework --nodes "$n" --pods "$PODS")
	row "$n" live round-robin "$rr"
	row "$n" live kubefs-sched "$sc" "$rr"
	row "$n" backlog round-robin "$rrb"
	row "$n" backlog kubefs-sched "$scb" "$rrb"
	row "$n" no-I/O framework "$fw"
done
