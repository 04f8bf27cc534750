#!/bin/bash
# Pod create -> Ready on a real node, next to bare `runc run` of the same
# OCI bundle, in the same run: p50/p99 for pods one at a time and for
# 20 pods created at once, the ratio to runc, and the agent's memory.
#   bench/node-bench.sh [ROUNDS]     (root; runc, CNI plugins, busybox)
set -euo pipefail
ROUNDS=${1:-10}
PAR=${PAR:-20}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$SRC/bin}
export PATH=$BIN:$PATH
T=$(mktemp -d /tmp/kubefs-nodebench.XXXXXX)
MNT=$T/mnt ROOT=$T/root P=$T/mnt/core/v1/pods/default
FS_PID= NODE_PID=

cleanup() {
	set +e
	for f in "$P"/*; do [ -e "$f" ] && rm -f "$f"; done 2>/dev/null
	for _ in $(seq 1 100); do
		[ -z "$(ls "$P" 2>/dev/null)" ] && break
		sleep 0.2
	done
	[ -n "$NODE_PID" ] && kill "$NODE_PID" && wait "$NODE_PID"
	# the baseline's containers, and any pod the agent did not stop in
	# time (its shim ends with its container)
	for r in bench-runc runc; do
		for c in "$ROOT/$r"/*; do
			[ -d "$c" ] && runc --root "$ROOT/$r" delete -f "$(basename "$c")" >/dev/null 2>&1
		done
	done
	grep -F " $T/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m"; done
	[ -n "$FS_PID" ] && kill "$FS_PID" && wait "$FS_PID"
	fusermount3 -u -z "$MNT" 2>/dev/null
	rmdir /sys/fs/cgroup/*/kubefs-nodebench-$$/* /sys/fs/cgroup/*/kubefs-nodebench-$$ 2>/dev/null
	[ -n "${KEEP_LOG:-}" ] && cp "$T/node.log" "$KEEP_LOG"
	rm -rf "$T"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
pct() { # pct P < numbers
	sort -n | awk -v p="$1" '{v[NR]=$1} END {i=int((NR*p+99)/100); if (i<1) i=1; print v[i]}'
}

used=$(ip -o -4 addr show | awk '{print $4}')
for _ in $(seq 1 200); do
	c=10.$((100 + RANDOM % 150)).$((RANDOM % 250))
	case "$used" in *"$c."*) continue ;; esac
	CIDR=$c.0/24
	break
done
"$SRC/tests/images/build-busybox.sh" docker "$T/bb.tar"
kubefs-node image --root-dir "$ROOT" load "$T/bb.tar" >/dev/null
mkdir -p "$MNT"
kubefs-fs --foreground --store "$T/store" --log "$T/fs.log" "$MNT" &
FS_PID=$!
until [ "$(cat "$MNT/healthz" 2>/dev/null)" = ok ]; do sleep 0.05; done
kubefs-node --cluster "$MNT" --name n1 --root-dir "$ROOT" --pod-cidr "$CIDR" \
	--port $((20000 + RANDOM % 40000)) --pods 250 >"$T/node.log" 2>&1 &
NODE_PID=$!
until jq -e '.status.conditions[] | select(.type == "Ready" and .status == "True")' \
	"$MNT/core/v1/nodes/n1@json" >/dev/null 2>&1; do sleep 0.05; done

mkpod() {
	cat > "$P/$1" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 0
  containers:
  - {name: c, image: busybox, command: [httpd, -f, -p, "80", -h, /var/www]}
YAML
}
# (grep, not jq: jq's start-up would dominate the measurement; the API
# server writes compact JSON with sorted keys)
ready() { grep -q '"status":"True","type":"Ready"' "$P/$1@json" 2>/dev/null; }
wait_gone() { while [ -e "$P/$1" ]; do sleep 0.05; done; }

# pods one at a time
: > "$T/pod.ms"
for i in $(seq 1 "$ROUNDS"); do
	t0=$(now_ms)
	mkpod "one-$i"
	until ready "one-$i"; do sleep 0.01; done
	echo $(($(now_ms) - t0)) >> "$T/pod.ms"
	[ "$i" = 1 ] && cp "$(ls "$ROOT"/pods/*/c/*/config.json | head -1)" "$T/config.json"
	rm "$P/one-$i"
	wait_gone "one-$i"
done

# the same bundle under bare runc: the pod's config.json, its rootfs an
# overlay of the same layer, its own network namespace and cgroup
layer=$(ls -d "$ROOT"/images/layers/* | head -1)
mkdir -p "$ROOT/bench-runc"
: > "$T/runc.ms"
for i in $(seq 1 "$ROUNDS"); do
	b=$T/bundle-$i
	mkdir -p "$b/rootfs" "$b/upper" "$b/work"
	jq --arg r "$b/rootfs" --arg cg "/kubefs-nodebench-$$/b$i" \
		'.root.path = $r | .linux.cgroupsPath = $cg |
		 .linux.namespaces |= map(if .type == "network" then {type: "network"} else . end) |
		 .mounts |= map(select(.destination | startswith("/etc/") | not))' \
		"$T/config.json" > "$b/config.json"
	t0=$(now_ms)
	mount -t overlay overlay -o "lowerdir=$layer,upperdir=$b/upper,workdir=$b/work" "$b/rootfs"
	runc --root "$ROOT/bench-runc" run -d --bundle "$b" "b$i" </dev/null >/dev/null 2>&1
	echo $(($(now_ms) - t0)) >> "$T/runc.ms"
	runc --root "$ROOT/bench-runc" delete -f "b$i"
	umount "$b/rootfs"
done

# PAR pods created at once
: > "$T/par.ms"
t0=$(now_ms)
for i in $(seq 1 "$PAR"); do mkpod "par-$i"; done
left=$PAR
declare -A done_at
while [ "$left" -gt 0 ]; do
	for i in $(seq 1 "$PAR"); do
		[ -n "${done_at[$i]:-}" ] && continue
		if ready "par-$i"; then
			done_at[$i]=$(($(now_ms) - t0))
			left=$((left - 1))
		fi
	done
done
for i in $(seq 1 "$PAR"); do echo "${done_at[$i]}" >> "$T/par.ms"; done
rss=$(ps -o rss= -p "$NODE_PID")
errors=$(grep -c -i 'error' "$T/node.log" || true)

p50p=$(pct 50 < "$T/pod.ms"); p99p=$(pct 99 < "$T/pod.ms")
p50r=$(pct 50 < "$T/runc.ms"); p99r=$(pct 99 < "$T/runc.ms")
p50c=$(pct 50 < "$T/par.ms"); p99c=$(pct 99 < "$T/par.ms")
printf 'node-bench: %d rounds, %d pods at once (busybox httpd)\n' "$ROUNDS" "$PAR"
printf '  bare runc run -d        p50 %5d ms  p99 %5d ms\n' "$p50r" "$p99r"
printf '  pod create -> Ready     p50 %5d ms  p99 %5d ms   ratio %.2fx\n' \
	"$p50p" "$p99p" "$(awk -v a="$p50p" -v b="$p50r" 'BEGIN {print a / b}')"
printf '  %d pods at once: Ready p50 %5d ms  p99 %5d ms   (all in %d ms)\n' \
	"$PAR" "$p50c" "$p99c" "$(sort -n "$T/par.ms" | tail -1)"
printf '  agent RSS with %d pods: %d KiB; error lines in its log: %d\n' "$PAR" "$rss" "$errors"
