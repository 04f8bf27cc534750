#!/bin/bash
# kubefs-fs vs tmpfs, side by side: starts a private kubefs-fs whose store
# is on the disk under the current directory, mounts a private tmpfs as
# the baseline, runs fs_bench, and cleans up.
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
mkdir -p "$W/mnt" "$W/tmpfs"
mount -t tmpfs -o size=512m tmpfs "$W/tmpfs"
"$BIN/kubefs-fs" --foreground --store "$W/store" --log "$W/fs.log" "$W/mnt" &
pid=$!
wait_healthy "$W/mnt" "$pid" "$W/fs.log"
"$O/bench/fs_bench" --mount "$W/mnt" --tmpfs "$W/tmpfs" "$@"
