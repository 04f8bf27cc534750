#!/bin/bash
# kubefs-fs against its baselines, side by side in one run: the store
# alone and fsync'd files on the same disk (bench/store_bench, run first),
# then a private kubefs-fs whose store is on the disk under the current
# directory against a private tmpfs (bench/fs_bench). Arguments go to
# fs_bench; FS_BENCH_STORE_SECONDS (default 1) is the store baseline's
# length per round.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
O=${O:-build/obj}
BIN=${BIN:-bin}
W=$(mktemp -d "$PWD/build/fs-bench.XXXXXX")
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	umount "$W/tmpfs" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt" "$W/tmpfs" "$W/sb"
# the store's own rate and fsync'd files, per writer count: W:STORE:FILES
"$O/bench/store_bench" "$W/sb" --seconds "${FS_BENCH_STORE_SECONDS:-1}" |
	tee "$W/store.txt"
baseline=$(awk '$1 ~ /^[0-9]+$/ && NF == 5 { printf "%s%s:%s:%s", sep, $1, $2, $3; sep = "," }' \
	"$W/store.txt")
echo
mount -t tmpfs -o size=512m tmpfs "$W/tmpfs"
"$BIN/kubefs-fs" --foreground --store "$W/store" --log "$W/fs.log" "$W/mnt" &
pid=$!
wait_healthy "$W/mnt" "$pid" "$W/fs.log"
"$O/bench/fs_bench" --mount "$W/mnt" --tmpfs "$W/tmpfs" \
	--baseline "$baseline" "$@"
