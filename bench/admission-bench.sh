#!/bin/bash
# What admission costs a pod create: ADM_BENCH_PODS pods (500 by
# default) written one by one (bash's own printf into the file: no
# process per write) into a namespace no plugin has work in (the
# baseline) and into one with a LimitRange, a ResourceQuota and the Pod
# Security label enforce=restricted, alternating, ADM_BENCH_ROUNDS rounds
# (2); ADM_BENCH_QUOTA=0 leaves the ResourceQuota out. Prints each one's best rate and the governed one's as a ratio of
# the baseline's. Quota admission reads the quota's status.used and
# charges it in the create's own store write (one more key per write,
# whatever the pods already there).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
BIN=${BIN:-bin}
N=${ADM_BENCH_PODS:-500}
ROUNDS=${ADM_BENCH_ROUNDS:-2}
W=$(mktemp -d "$PWD/build/adm-bench.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT

POD='apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec: {securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}, containers: [{name: c, image: busybox, securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]}\n'

# run MODE: a fresh kubefs-fs, N pods into the namespace of MODE
run() {
	local m=$W/mnt ns=$1 t0 t1 i
	rm -rf "$W/store" && mkdir -p "$m"
	"$BIN/kubefs-fs" --foreground --store "$W/store" --log "$W/fs.log" \
		"$m" &
	pid=$!
	wait_healthy "$m" "$pid" "$W/fs.log"
	if [ "$ns" = governed ]; then
		printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: governed, labels: {pod-security.kubernetes.io/enforce: restricted}}\n' \
			> "$m/core/v1/namespaces/governed"
		printf 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr}\nspec: {limits: [{type: Container, default: {cpu: 100m, memory: 64Mi}}]}\n' \
			> "$m/core/v1/limitranges/governed/lr"
		[ "${ADM_BENCH_QUOTA:-1}" = 0 ] ||
			printf 'apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q}\nspec: {hard: {pods: "100000", requests.cpu: "100000", limits.memory: 1000Gi}}\n' \
				> "$m/core/v1/resourcequotas/governed/q"
	else
		mkdir "$m/core/v1/configmaps/plain"
	fi
	t0=$(date +%s.%N)
	for i in $(seq 1 "$N"); do
		# shellcheck disable=SC2059
		printf "$POD" "p$i" > "$m/core/v1/pods/$ns/p$i"
	done
	t1=$(date +%s.%N)
	echo "$ns $(echo "$N / ($t1 - $t0)" | bc -l)" >> "$W/rates"
	kill "$pid" && wait "$pid" || true
	pid=
	umount "$m" 2>/dev/null || true
}
for i in $(seq 1 "$ROUNDS"); do
	run plain
	run governed
done
best() { awk -v m="$1" '$1 == m && $2 > b {b = $2} END {print b}' "$W/rates"; }
b=$(best plain)
g=$(best governed)
printf 'pod creates/s, best of %s rounds of %s: baseline %.0f  admission %.0f  ratio %.3f\n' \
	"$ROUNDS" "$N" "$b" "$g" "$(echo "$g / $b" | bc -l)"
