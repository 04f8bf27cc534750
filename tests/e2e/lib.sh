# Sourced by every tests/e2e/NNNN-*.sh: a private cluster in a temp dir,
# assertions, and a cleanup that leaves nothing behind.
set -euo pipefail

E2E_SRC=${KUBEFS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KUBEFS_BIN=${KUBEFS_BIN:-$E2E_SRC/bin}
KUBEFS_TEST_TOOLS=${KUBEFS_TEST_TOOLS:-$E2E_SRC/build/obj/tests/tools}
T=$(mktemp -d /tmp/kubefs-e2e.XXXXXX)
MNT=$T/mnt
FS_PID=
export PATH=$KUBEFS_BIN:$KUBEFS_TEST_TOOLS:$PATH

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$T/fs.log" ]; then
		echo "--- kubefs-fs log (tail)" >&2
		tail -n 30 "$T/fs.log" >&2
	fi
	exit 1
}

skip() {
	echo "SKIP $*"
	exit 77
}

# start_fs [extra kubefs-fs args]: mount a fresh cluster at $MNT.
start_fs() {
	mkdir -p "$MNT"
	kubefs-fs --foreground --store "$T/store" --log "$T/fs.log" "$@" \
		"$MNT" &
	FS_PID=$!
	for _ in $(seq 1 200); do
		if [ "$(cat "$MNT/healthz" 2>/dev/null)" = ok ]; then
			return 0
		fi
		kill -0 "$FS_PID" 2>/dev/null || fail "kubefs-fs exited"
		sleep 0.05
	done
	fail "kubefs-fs did not become healthy"
}

# stop_fs [SIGNAL]: stop the server (default TERM) and wait for it.
stop_fs() {
	local sig=${1:-TERM}
	if [ -n "$FS_PID" ]; then
		kill "-$sig" "$FS_PID" 2>/dev/null || true
		wait "$FS_PID" 2>/dev/null || true
		FS_PID=
	fi
	if mountpoint -q "$MNT" 2>/dev/null || ! stat "$MNT" >/dev/null 2>&1
	then
		fusermount3 -u -z "$MNT" 2>/dev/null ||
			umount -l "$MNT" 2>/dev/null || true
	fi
}

cleanup() {
	local rc=$?
	stop_fs
	if [ -n "${WATCH_PIDS:-}" ]; then
		kill $WATCH_PIDS 2>/dev/null || true
	fi
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

# expect_eq ACTUAL EXPECTED [WHAT]
expect_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

# expect_contains HAYSTACK NEEDLE [WHAT]
expect_contains() {
	case "$1" in
	*"$2"*) ;;
	*) fail "${3:-output}: expected to contain '$2', got: $1" ;;
	esac
}

# expect_errno ERRNO PATH [kfwrite flags] < data: the write fails so.
# (stdin is read whole first, so a producer never dies of SIGPIPE when
# the write is refused early)
expect_errno() {
	local want=$1 path=$2 got
	shift 2
	cat > "$T/.expect_errno_input"
	got=$(kfwrite "$@" "$path" < "$T/.expect_errno_input") &&
		fail "write to $path succeeded, expected $want"
	expect_contains "$got" "$want" "errno of write to $path"
}

# last_error: the newest line of the caller's errors file, sans timestamp.
last_error() {
	tail -n 1 "$MNT/errors" | cut -d' ' -f2-
}

# wait_for CMD...: retry a command for up to 10 s.
wait_for() {
	for _ in $(seq 1 200); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
	done
	fail "timed out waiting for: $*"
}
