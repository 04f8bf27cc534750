#!/bin/bash
# kubefs-ctrl at scale: a Deployment of R replicas (3,000) on N fake nodes
# (100), with kubefs-sched binding and kubefs-node --fake running the
# pods. Measures, on a fresh private cluster:
#   available   time from `cp` of the Deployment to availableReplicas=R
#   rollout     time for a rolling update of all R pods (maxSurge 25%)
#   rss         kubefs-ctrl's resident memory at the end, and once idle
# and prints them next to the anchor: kube-controller-manager writes at
# most 20 requests/s by default (--kube-api-qps), so creating R pods takes
# it at least R/20 s; the ratio is that over our time. As a baseline
# measured in the same run, R pods are also written straight into the
# mount by 16 parallel writers (what the controllers' writes cost at
# least, with no controller in the way).
#   CTRL_BENCH_REPLICAS=3000 CTRL_BENCH_NODES=100
set -euo pipefail
cd "$(dirname "$0")/.."
O=${O:-build/obj}
BIN=${BIN:-bin}
R=${CTRL_BENCH_REPLICAS:-3000}
N=${CTRL_BENCH_NODES:-100}
W=$(mktemp -d "$PWD/build/ctrl-bench.XXXXXX")
PIDS=
stop_all() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	PIDS=
	fusermount3 -u -z "$W/mnt" 2>/dev/null || true
}
trap 'stop_all; rm -rf "$W"' EXIT

start_fs() {
	rm -rf "$W/store" "$W/mnt"
	mkdir -p "$W/mnt"
	"$BIN/kubefs-fs" --foreground --store "$W/store" --log "$W/fs.log" \
		"$W/mnt" </dev/null >>"$W/fs.out" 2>&1 &
	PIDS="$PIDS $!"
	for _ in $(seq 1 100); do
		[ "$(cat "$W/mnt/healthz" 2>/dev/null)" = ok ] && return 0
		sleep 0.1
	done
	echo "kubefs-fs did not start" >&2
	exit 1
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
D=$W/mnt/apps/v1/deployments/default
status() { jq -r '[.status.replicas, .status.updatedReplicas, .status.availableReplicas] | map(tostring) | join(" ")' "$D/big@json" 2>/dev/null; }
wait_status() { # "R R R", timeout s
	local t0=$(now)
	while [ "$(status)" != "$1" ]; do
		if awk -v a="$t0" -v b="$(now)" -v t="$2" 'BEGIN { exit !(b - a > t) }'; then
			echo "timed out at: $(status)" >&2
			exit 1
		fi
		sleep 0.2
	done
}

# the baseline: R pods written straight into the mount
start_fs
mkdir -p "$W/pods"
for i in $(seq 1 "$R"); do
	printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: p%d, labels: {app: raw}}\nspec: {containers: [{name: c, image: nginx}]}\n' "$i" >"$W/pods/p$i"
done
t0=$(now)
ls "$W/pods" | xargs -P 16 -I{} cp "$W/pods/{}" "$W/mnt/core/v1/pods/default/{}"
raw=$(since "$t0")
stop_all

# the controllers
start_fs
"$BIN/kubefs-node" --cluster "$W/mnt" --fake --count "$N" --name-prefix n \
	>"$W/node.log" 2>&1 &
PIDS="$PIDS $!"
"$BIN/kubefs-sched" --cluster "$W/mnt" >"$W/sched.log" 2>&1 &
PIDS="$PIDS $!"
"$BIN/kubefs-ctrl" --cluster "$W/mnt" >"$W/ctrl.log" 2>&1 &
CTRL=$!
PIDS="$PIDS $CTRL"
until [ "$(ls "$W/mnt/core/v1/nodes" | wc -l)" -ge "$N" ]; do sleep 0.2; done
cat >"$W/big.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: big}
spec:
  replicas: $R
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec: {containers: [{name: c, image: "nginx:1", resources: {requests: {cpu: 10m}}}]}
YAML
t0=$(now)
cp "$W/big.yaml" "$D/big"
wait_status "$R $R $R" 600
avail=$(since "$t0")
t0=$(now)
echo '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:2","resources":{"requests":{"cpu":"10m"}}}]}}}}' >>"$D/big"
sleep 0.5
wait_status "$R $R $R" 1200
roll=$(since "$t0")
rss=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$CTRL/status")
sleep 12 # one idle period: kubefs-ctrl returns freed cache memory
rss_idle=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$CTRL/status")
anchor=$((R / 20))

printf '%-44s %10s %10s\n' "$R replicas on $N fake nodes" seconds pods/s
printf '%-44s %10s %10s\n' "baseline: $R pods cp'd by 16 writers" "$raw" \
	"$(awk -v r="$R" -v t="$raw" 'BEGIN { printf "%.0f", r / t }')"
printf '%-44s %10s %10s\n' "kubefs-ctrl: cp to $R available" "$avail" \
	"$(awk -v r="$R" -v t="$avail" 'BEGIN { printf "%.0f", r / t }')"
printf '%-44s %10s %10s\n' "kubefs-ctrl: rolling update of $R (25%)" "$roll" \
	"$(awk -v r="$R" -v t="$roll" 'BEGIN { printf "%.0f", r / t }')"
printf '%-44s %10s %10s\n' "anchor: kube-controller-manager at 20 writes/s" \
	">= $anchor" 20
printf 'available vs anchor: %sx faster; vs raw writes: %sx the time\n' \
	"$(awk -v a="$anchor" -v t="$avail" 'BEGIN { printf "%.1f", a / t }')" \
	"$(awk -v a="$raw" -v t="$avail" 'BEGIN { printf "%.2f", t / a }')"
printf 'kubefs-ctrl RSS right after the rollout: %s MB, 12 s later: %s MB\n' \
	"$rss" "$rss_idle"
