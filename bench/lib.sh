# Sourced by the bench scripts.
# wait_healthy MNT PID LOG: wait (up to 20 s) until the kubefs-fs PID
# serves MNT; else say why, with its log, and exit 1.
wait_healthy() {
	local end=$((SECONDS + 20))
	while [ $SECONDS -lt $end ]; do
		[ "$(cat "$1/healthz" 2>/dev/null)" = ok ] && return 0
		if ! kill -0 "$2" 2>/dev/null; then
			echo "kubefs-fs exited before serving $1:" >&2
			tail -n 20 "$3" >&2
			exit 1
		fi
		sleep 0.1
	done
	echo "kubefs-fs did not serve $1 within 20 s:" >&2
	tail -n 20 "$3" >&2
	exit 1
}

# bench_workdir NAME [TMPFS_OPTIONS]: W, a fresh work directory under
# build/ with a private tmpfs mounted at W/tmpfs (the baseline's disk);
# at exit the kubefs-fs whose pid the script keeps in $pid is stopped, the
# tmpfs unmounted and W removed.
bench_workdir() {
	W=$(mktemp -d "$PWD/build/$1.XXXXXX")
	pid=
	trap bench_cleanup EXIT
	mkdir -p "$W/tmpfs"
	mount -t tmpfs -o "${2:-size=256m}" tmpfs "$W/tmpfs"
}
bench_cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	umount "$W/tmpfs" 2>/dev/null || true
	rm -rf "$W"
}
