#!/bin/bash
# Memory of every component holding the cluster, measured as a user
# scaling up would: a private cluster (kubefs-fs, kubefs-sched,
# kubefs-ctrl, `kubefs-node --fake --count N`), then P small pods dropped
# at once (manifests of 1,000 documents each, copied into the tree root),
# then, on a fresh cluster, one Deployment of P replicas (so kubefs-ctrl
# creates and holds the pods too). For each: time from the first `cp` to
# all P pods Running, and each component's anonymous resident memory
# (RssAnon) once the cluster is idle, with its base (nodes registered, no
# pod) and the growth per pod.
#   bench/mem-bench.sh           100 nodes, 5,000 pods
#   bench/mem-bench.sh --long    1,000 nodes, 30,000 pods (clusterloader2's
#                                30 pods per node)
#   MEM_BENCH_NODES=N MEM_BENCH_PODS=P MEM_BENCH_SHAPES="pods deployment"
#   MEM_BENCH_BASELINE=DIR   also run every shape with the binaries in DIR
#                            (say, an older build's bin/) just before, and
#                            print the ratios: time, total memory
# Without a baseline directory, compare with the figures recorded before
# the change in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
N=${MEM_BENCH_NODES:-100}
P=${MEM_BENCH_PODS:-5000}
if [ "${1:-}" = --long ]; then
	N=${MEM_BENCH_NODES:-1000}
	P=${MEM_BENCH_PODS:-30000}
fi
SHAPES=${MEM_BENCH_SHAPES:-pods deployment}
W=$(mktemp -d "$PWD/build/mem-bench.XXXXXX")
PIDS=
WATCH=
stop_all() {
	if [ -n "$WATCH" ]; then
		kill "$WATCH" 2>/dev/null || true
		wait "$WATCH" 2>/dev/null || true
	fi
	WATCH=
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	PIDS=
	fusermount3 -u -z "$W/mnt" 2>/dev/null || true
}
trap 'stop_all; rm -rf "$W"' EXIT

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
anon_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status"; }
# CPU seconds (user + system) a process has used
cpu_s() {
	awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.1f", ($12 + $13) / t }' "/proc/$1/stat"
}

start_cluster() {
	rm -rf "$W/store" "$W/mnt" "$W"/*.log
	mkdir -p "$W/mnt"
	"$BIN/kubefs-fs" --foreground --store "$W/store" --log "$W/fs.log" \
		"$W/mnt" </dev/null >>"$W/fs.out" 2>&1 &
	FS=$!
	PIDS="$PIDS $FS"
	for _ in $(seq 1 200); do
		[ "$(cat "$W/mnt/healthz" 2>/dev/null)" = ok ] && break
		sleep 0.1
	done
	[ "$(cat "$W/mnt/healthz" 2>/dev/null)" = ok ] || {
		echo "kubefs-fs did not start" >&2
		exit 1
	}
	"$BIN/kubefs-sched" --cluster "$W/mnt" >"$W/sched.log" 2>&1 &
	SCHED=$!
	"$BIN/kubefs-ctrl" --cluster "$W/mnt" >"$W/ctrl.log" 2>&1 &
	CTRL=$!
	"$BIN/kubefs-node" --cluster "$W/mnt" --fake --count "$N" \
		--name-prefix n >"$W/node.log" 2>&1 &
	NODE=$!
	PIDS="$PIDS $SCHED $CTRL $NODE"
	until [ "$(ls "$W/mnt/core/v1/nodes" | wc -l)" -ge "$N" ]; do
		sleep 0.2
	done
	sleep 3 # the nodes' first status writes and leases settle
	BASE="$(anon_kb "$FS") $(anon_kb "$SCHED") $(anon_kb "$CTRL") $(anon_kb "$NODE")"
	# every pod that reaches Running enters this stream once
	cat "$W/mnt/core/v1/pods/@watch?fieldSelector=status.phase%3DRunning" \
		>"$W/running" 2>/dev/null &
	WATCH=$!
}

wait_running() { # timeout s
	local t0=$1 n
	while :; do
		n=$(grep -c '^{"type":"ADDED"' "$W/running" || true)
		[ "$n" -ge "$P" ] && break
		if awk -v a="$t0" -v b="$(now)" -v t="$2" 'BEGIN { exit !(b - a > t) }'; then
			echo "timed out: $n of $P pods Running" >&2
			exit 1
		fi
		sleep 0.2
	done
}

report() { # shape seconds
	local names=(kubefs-fs kubefs-sched kubefs-ctrl "kubefs-node --fake")
	local pids=("$FS" "$SCHED" "$CTRL" "$NODE")
	local base=($BASE) total=0 tbase=0 i a
	sleep 5 # let the last status writes land and caches settle
	printf '%s: %d pods on %d fake nodes, all Running in %s s\n' \
		"$1" "$P" "$N" "$2"
	printf '  %-20s %10s %10s %12s %8s\n' process "base MB" "RssAnon MB" "per pod KB" "CPU s"
	for i in 0 1 2 3; do
		a=$(anon_kb "${pids[$i]}")
		total=$((total + a))
		tbase=$((tbase + base[i]))
		printf '  %-20s %10.1f %10.1f %12.2f %8s\n' "${names[$i]}" \
			"$(awk -v k="${base[$i]}" 'BEGIN { print k / 1024 }')" \
			"$(awk -v k="$a" 'BEGIN { print k / 1024 }')" \
			"$(awk -v k="$a" -v b="${base[$i]}" -v p="$P" 'BEGIN { print (k - b) / p }')" \
			"$(cpu_s "${pids[$i]}")"
	done
	printf '  %-20s %10.1f %10.1f %12.2f\n' total \
		"$(awk -v k="$tbase" 'BEGIN { print k / 1024 }')" \
		"$(awk -v k="$total" 'BEGIN { print k / 1024 }')" \
		"$(awk -v k="$total" -v b="$tbase" -v p="$P" 'BEGIN { print (k - b) / p }')"
	printf '  store on disk: %s\n' "$(du -sh "$W/store" | cut -f1)"
	LAST_TIME=$2
	LAST_TOTAL=$total
}

# manifests of at most 1,000 documents (the drop box's limit)
mkdir -p "$W/drop"
for ((f = 0; f * 1000 < P; f++)); do
	for ((i = f * 1000; i < P && i < (f + 1) * 1000; i++)); do
		printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d, labels: {app: raw}}\nspec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: 1m, memory: 1Mi}}}]}\n' "$i"
	done >"$W/drop/pods-$f.yaml"
done

run_shape() { # shape label
	start_cluster
	t0=$(now)
	case $1 in
	pods)
		for f in "$W"/drop/*.yaml; do cp "$f" "$W/mnt/"; done
		;;
	deployment)
		cat >"$W/mnt/big.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: big}
spec:
  replicas: $P
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: 1m, memory: 1Mi}}}]}
YAML
		;;
	*)
		echo "unknown shape $1" >&2
		exit 2
		;;
	esac
	wait_running "$t0" $((P / 10 + 120))
	report "$2$1" "$(since "$t0")"
	stop_all
}

for shape in $SHAPES; do
	if [ -n "${MEM_BENCH_BASELINE:-}" ]; then
		MINE=$BIN
		BIN=$MEM_BENCH_BASELINE
		run_shape "$shape" "baseline "
		BIN=$MINE
		base_time=$LAST_TIME base_total=$LAST_TOTAL
		run_shape "$shape" ""
		printf '%s: this build / baseline: time to all Running %.2fx, total RssAnon %.2fx\n' \
			"$shape" "$(awk -v a="$LAST_TIME" -v b="$base_time" 'BEGIN { print a / b }')" \
			"$(awk -v a="$LAST_TOTAL" -v b="$base_total" 'BEGIN { print a / b }')"
	else
		run_shape "$shape" ""
	fi
done
