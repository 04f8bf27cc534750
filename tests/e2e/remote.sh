# Sourced by the tests/e2e/09NN-remote-*.sh scripts after lib.sh: exports
# of a private cluster, and clients that reach them on loopback.
S=$T/state
# ports: random, well away from the standard ones, per test run
PORT9=$((20000 + RANDOM % 10000))
PORTNFS=$((30000 + RANDOM % 10000))

# the exports go before the mount they serve
remote_cleanup() {
	local rc=$?
	kubefs export stop --state "$S" >/dev/null 2>&1 || true
	if [ -n "${MUNGED_PIDS:-}" ]; then
		kill $MUNGED_PIDS 2>/dev/null || true
	fi
	set +e # or (exit 1) would end the trap before cleanup
	(exit $rc)
	cleanup
}
trap remote_cleanup EXIT

# running PID: PID is a process and not a zombie (an exited daemon waits
# for init to reap it, which may take a moment)
running() {
	[ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# with_munge DIR CMD...: run CMD with DIR's munged as this machine's
# (a private mount namespace), as a client of another machine would.
with_munge() {
	local dir=$1
	shift
	unshare -m --propagation private sh -c \
		'mount --bind "$1" /run/munge && shift && exec "$@"' \
		sh "$dir" "$@"
}

# c9 CMD...: a 9P client command that authenticates with the export's
# MUNGE key (kubefs' own munged, or the system's when it runs one).
c9() {
	if [ -S "$S/export/munge/munge.socket.2" ]; then
		with_munge "$S/export/munge" "$@"
	else
		"$@"
	fi
}

# start_bad_munged DIR: a munged with another key, for refused clients.
start_bad_munged() {
	mkdir -p "$1"
	mungekey --create --keyfile "$1/munge.key"
	munged --foreground --force --key-file="$1/munge.key" \
		--socket="$1/munge.socket.2" --pid-file="$1/munged.pid" \
		--seed-file="$1/munged.seed" 2>"$1/munged.log" &
	MUNGED_PIDS="${MUNGED_PIDS:-} $!"
	wait_for test -S "$1/munge.socket.2"
}
