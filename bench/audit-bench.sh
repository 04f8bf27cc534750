#!/bin/bash
# What the audit log costs: fs_bench's object operations (create, read,
# reread, replace, delete; 1 and 8 threads) against kubefs-fs without an
# audit log and with one (AUDIT_BENCH_LEVELS: the Metadata policy
# `kubefs up` writes, one line a request; and Metadata with both stages,
# two lines a request), side by side in one run, alternating
# (AUDIT_BENCH_ROUNDS rounds, 2 by default). Prints the best rate of each
# mode and its ratio to the baseline, and the audit lines written.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
O=${O:-build/obj}
BIN=${BIN:-bin}
N=${AUDIT_BENCH_OBJECTS:-2000}
bench_workdir audit-bench
policy() { # policy NAME OMIT
	printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [%s]\n' "$2"
	printf 'rules:\n- level: None\n  nonResourceURLs: [/healthz]\n- level: Metadata\n'
} 
policy one RequestReceived >"$W/one.yaml"
policy two "" >"$W/two.yaml"

# run MODE: a fresh kubefs-fs (MODE off, one or two), fs_bench against it
run() {
	local m=$W/mnt-$1 args=()
	rm -rf "$W/store" "$W/audit.log"* && mkdir -p "$m"
	[ "$1" = off ] || args=(--audit-policy-file "$W/$1.yaml" --audit-log-path "$W/audit.log")
	"$BIN/kubefs-fs" --foreground --store "$W/store" --log "$W/fs-$1.log" \
		"${args[@]}" "$m" &
	pid=$!
	wait_healthy "$m" "$pid" "$W/fs-$1.log"
	rm -rf "${W:?}/tmpfs/"*
	"$O/bench/fs_bench" --mount "$m" --tmpfs "$W/tmpfs" --objects "$N" \
		--writers 1,8 --list 0 --watchers 0 | tee "$W/out-$1"
	[ "$1" = off ] || echo "audit lines: $(wc -l <"$W/audit.log")"
	kill "$pid" && wait "$pid" || true
	pid=
}
ROUNDS=${AUDIT_BENCH_ROUNDS:-2}
MODES="off one two"
for i in $(seq 1 "$ROUNDS"); do
	for mode in $MODES; do
		echo "== round $i: audit $mode"
		run "$mode" && mv "$W/out-$mode" "$W/out-$mode-$i"
	done
done
best() { # best MODE: "op/writers rate", the best of the rounds
	cat "$W/out-$1-"* | awk '$2 ~ /^[0-9]+$/ && $3 > best[$1 "/" $2] {best[$1 "/" $2] = $3}
		END {for (k in best) print k, best[k]}' | sort
}
echo "== audit on / off, best of $ROUNDS rounds (kubefs ops/s)"
echo "   one: Metadata, RequestReceived omitted (kubefs up's); two: both stages"
join <(best off) <(best one) | join - <(best two) |
	awk '{printf "%-12s off %8.0f  one %8.0f (%.3f)  two %8.0f (%.3f)\n", $1, $2, $3, $3 / $2, $4, $4 / $2}'
