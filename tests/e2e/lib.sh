# Sourced by every tests/e2e/NNNN-*.sh: a private cluster in a temp dir,
# assertions, and a cleanup that leaves nothing behind.
#
# Variables: T (the script's temp dir, removed at exit), MNT ($T/mnt),
# FS_PID (the running kubefs-fs), WATCH_PIDS (background readers killed
# at exit, status unchecked), DAEMON_PIDS (daemons stopped and checked at
# exit), KUBEFS_BIN and KUBEFS_TEST_TOOLS (both on PATH).
#
# Cluster:
#   start_fs [ARGS]        mount a fresh kubefs-fs at $MNT (log: $T/fs.log)
#   stop_fs [SIGNAL]       stop it (default TERM) and wait; it must exit 0
#                          (137 for KILL), else fail
#   crash_fs               kill -9 it, require that it died so, and leave
#                          its mount stale (as a crash does)
#   start_daemon NAME CMD... run CMD in the background, logging to
#                          $T/NAME.log; DAEMON_PID is its pid
#   stop_daemon PID        SIGTERM it and wait; it must exit 0, else fail
#   forget_daemon PID      no exit check for it at the end (the test
#                          killed it on purpose and judged it itself)
#   ensure_user NAME       create system user NAME if missing; print uid
#   as USER CMD...         run CMD as USER, its own group only
#   grant_all ROLE         bind ClusterRole ROLE to every authenticated
#                          user (RBAC: other uids have no rights otherwise)
# Assertions (each fails the script with a message):
#   fail MESSAGE           print MESSAGE and every $T/*.log's tail, exit 1
#   skip REASON            exit 77 ("SKIP REASON"); see docs/testing.md for
#                          when CI accepts a skip ("# ci-skip: PREFIX")
#   expect_eq ACTUAL EXPECTED [WHAT]
#   expect_contains HAYSTACK NEEDLE [WHAT]
#   expect_errno ERRNO PATH [kfwrite flags] < data
#   last_error             newest line of the caller's errors file
#   wait_for CMD...        retry CMD until it succeeds (up to
#                          $E2E_WAIT_SECONDS, default 30 s), else fail
#   wait_gone PID          wait until a process has exited (30 s)
#   has_stream PID         the process has a @watch stream open (a waiter
#                          is waiting: use with wait_for before changing
#                          what it waits for)
#   qgrep ARGS...          grep -q for the end of a pipeline (see below)
# At exit: every daemon still running (kubefs-fs and DAEMON_PIDS) gets
# SIGTERM and must exit 0; any sanitizer report in a log under $T (every
# *.log, *.err) fails the script; the mount is removed, then $T.
set -euo pipefail

E2E_SRC=${KUBEFS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KUBEFS_BIN=${KUBEFS_BIN:-$E2E_SRC/bin}
KUBEFS_TEST_TOOLS=${KUBEFS_TEST_TOOLS:-$E2E_SRC/build/obj/tests/tools}
E2E_WAIT_SECONDS=${E2E_WAIT_SECONDS:-30}
. "$(dirname "${BASH_SOURCE[0]}")/lib_sanitizer.sh"
T=$(mktemp -d /tmp/kubefs-e2e.XXXXXX)
MNT=$T/mnt
FS_PID=
DAEMON_PIDS=
export PATH=$KUBEFS_BIN:$KUBEFS_TEST_TOOLS:$PATH

# fail MESSAGE: the message, then the tail of every daemon's log
# ($T/*.log: fs.log for kubefs-fs, sched.log, node.log, ...)
fail() {
	local f
	echo "FAIL: $*" >&2
	for f in "$T"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $(basename "$f" .log) log (tail)" >&2
		tail -n 30 "$f" >&2
	done
	exit 1
}

skip() {
	echo "SKIP $*"
	exit 77
}

# start_fs [extra kubefs-fs args]: mount a fresh cluster at $MNT.
start_fs() {
	# (not mkdir -p: on a crashed server's stale mount it would ask the
	# dead server for access(2) and fail; kubefs-fs takes the mount over)
	mkdir "$MNT" 2>/dev/null || true
	kubefs-fs --foreground --store "$T/store" --log "$T/fs.log" "$@" \
		"$MNT" >>"$T/fs.log" 2>&1 &
	FS_PID=$!
	local end=$((SECONDS + E2E_WAIT_SECONDS))
	while [ $SECONDS -lt $end ]; do
		if [ "$(cat "$MNT/healthz" 2>/dev/null)" = ok ]; then
			return 0
		fi
		if ! kill -0 "$FS_PID" 2>/dev/null; then
			local rc=0
			wait "$FS_PID" || rc=$?
			FS_PID=
			fail "kubefs-fs exited with $rc before serving"
		fi
		sleep 0.05
	done
	fail "kubefs-fs did not become healthy"
}

# wait_gone PID: until the process has exited (a zombie counts as gone)
wait_gone() {
	local end=$((SECONDS + E2E_WAIT_SECONDS)) state
	while [ $SECONDS -lt $end ]; do
		state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
		case $state in Z | X | "") return 0 ;; esac
		sleep 0.05
	done
	return 1
}

# qgrep ARGS...: `grep -q ARGS` that reads all of its input. Under
# pipefail, `cmd | grep -q x` fails when grep has found x and exited
# before cmd wrote its last line (cmd dies of SIGPIPE): a flaky check.
qgrep() {
	grep "$@" > /dev/null
}

# has_stream PID: the process has a @watch stream open
has_stream() {
	ls -l "/proc/$1/fd" 2>/dev/null | qgrep '/@watch'
}

# _reap PID SIGNAL: signal a child and wait for it (SIGKILL after
# $E2E_WAIT_SECONDS); REAP_RC is its exit status; status 1 when it would
# not stop
_reap() {
	local stuck=0
	kill "-$2" "$1" 2>/dev/null || true
	if ! wait_gone "$1"; then
		stuck=1
		kill -KILL "$1" 2>/dev/null || true
	fi
	REAP_RC=0
	wait "$1" 2>/dev/null || REAP_RC=$?
	return $stuck
}

# _unmount: remove the mount at $MNT, live or stale
_unmount() {
	if mountpoint -q "$MNT" 2>/dev/null || ! stat "$MNT" >/dev/null 2>&1
	then
		fusermount3 -u -z "$MNT" 2>/dev/null ||
			umount -l "$MNT" 2>/dev/null || true
	fi
}

# _stop_fs SIGNAL: stop the server; FS_PROBLEM says what was wrong
# with its exit, if anything
_stop_fs() {
	local sig=$1 want=0
	FS_PROBLEM=
	if [ -n "$FS_PID" ]; then
		case $sig in KILL | 9) want=137 ;; esac
		if ! _reap "$FS_PID" "$sig"; then
			FS_PROBLEM="kubefs-fs $FS_PID did not exit on SIG$sig within $E2E_WAIT_SECONDS s"
		elif [ "$REAP_RC" != "$want" ]; then
			FS_PROBLEM="kubefs-fs $FS_PID exited with $REAP_RC on SIG$sig (expected $want)"
		fi
		FS_PID=
	fi
	_unmount
}

# stop_fs [SIGNAL]: stop the server (default TERM) and wait for it; it
# must exit 0 (137 for KILL).
stop_fs() {
	_stop_fs "${1:-TERM}"
	[ -z "$FS_PROBLEM" ] || fail "$FS_PROBLEM"
}

# crash_fs: kill -9 the server; it must die of that; its mount stays
crash_fs() {
	local rc=0
	kill -KILL "$FS_PID"
	wait "$FS_PID" || rc=$?
	FS_PID=
	expect_eq "$rc" 137 "kubefs-fs exit status after kill -9"
}

# start_daemon NAME CMD...: CMD in the background, logging to $T/NAME.log,
# stopped and checked at exit (DAEMON_PID is its pid)
start_daemon() {
	local name=$1
	shift
	"$@" >>"$T/$name.log" 2>&1 &
	DAEMON_PID=$!
	DAEMON_PIDS="$DAEMON_PIDS $DAEMON_PID"
}

# forget_daemon PID: no exit check for it at the end
forget_daemon() {
	DAEMON_PIDS=$(echo "$DAEMON_PIDS" | tr ' ' '\n' | grep -vx "$1" |
		tr '\n' ' ' || true)
}

# stop_daemon PID: SIGTERM, and the exit status must be 0
stop_daemon() {
	forget_daemon "$1"
	_reap "$1" TERM || fail "daemon $1 did not exit on SIGTERM"
	[ "$REAP_RC" = 0 ] || fail "daemon $1 exited with $REAP_RC on SIGTERM"
}

# as USER CMD...: run CMD as USER (its own group only; CMD no function)
as() {
	local u=$1
	shift
	setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --clear-groups "$@"
}

# ensure_user NAME: a system user NAME (created if missing); prints uid
ensure_user() {
	if ! id -u "$1" >/dev/null 2>&1; then
		if useradd --system --no-create-home --shell /usr/sbin/nologin \
			"$1" >/dev/null 2>&1; then
			# tests/run.sh removes it once every script has ended
			[ -n "${KUBEFS_E2E_USERS:-}" ] && echo "$1" >>"$KUBEFS_E2E_USERS"
		else
			id -u "$1" >/dev/null 2>&1 ||
				fail "cannot create user $1 (the test needs it; run as root)"
		fi
	fi
	id -u "$1"
}

# grant_all ROLE: a ClusterRoleBinding of ClusterRole ROLE to the group
# system:authenticated, so that every local user holds ROLE's rights
grant_all() {
	printf 'roleRef: {kind: ClusterRole, name: %s}\nsubjects: [{kind: Group, name: "system:authenticated"}]\n' "$1" |
		kfwrite "$MNT/rbac.authorization.k8s.io/v1/clusterrolebindings/e2e-all-$1" >/dev/null
}

cleanup() {
	local rc=$? pid logs
	trap - EXIT
	set +e
	if [ -n "${WATCH_PIDS:-}" ]; then
		kill $WATCH_PIDS 2>/dev/null
	fi
	for pid in $DAEMON_PIDS; do
		if ! _reap "$pid" TERM; then
			echo "FAIL: daemon $pid did not exit on SIGTERM" >&2
			rc=1
		elif [ "$REAP_RC" != 0 ]; then
			echo "FAIL: daemon $pid exited with $REAP_RC on SIGTERM" >&2
			rc=1
		fi
	done
	_stop_fs TERM
	if [ -n "$FS_PROBLEM" ]; then
		echo "FAIL: $FS_PROBLEM" >&2
		tail -n 30 "$T/fs.log" 2>/dev/null | sed 's/^/  | /' >&2
		rc=1
	fi
	mapfile -d '' logs < <(find "$T" -xdev \( -name '*.log' -o \
		-name '*.err' \) -type f -print0 2>/dev/null)
	if [ ${#logs[@]} -gt 0 ] && sanitizer_reports "${logs[@]}" >"$T/.san"
	then
		echo "FAIL: sanitizer report in a daemon log:" >&2
		head -n 40 "$T/.san" >&2
		rc=1
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

# wait_for CMD...: retry a command until it succeeds, for up to
# $E2E_WAIT_SECONDS (a generous bound: the machine may be busy).
wait_for() {
	local end=$((SECONDS + E2E_WAIT_SECONDS))
	while [ $SECONDS -lt $end ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
	done
	"$@" >/dev/null 2>&1 || fail "timed out waiting for: $*"
}
