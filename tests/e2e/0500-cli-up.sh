#!/bin/bash
# kubefs up / status / down: a cluster under a private state dir and mount.
. "$(dirname "$0")/netns-lib.sh" # its kubefs up meets no other cluster
. "$(dirname "$0")/lib.sh"
S=$T/state
kubefs --mount "$MNT" up --state "$S" > "$T/up.out" || fail "kubefs up: $(cat "$T/up.out")"
expect_contains "$(cat "$T/up.out")" "kubefs-fs          started"
expect_eq "$(cat "$MNT/healthz")" ok "healthz after up"
[ -f "$S/log/kubefs-fs.log" ] || fail "no log file"
[ -f "$S/run/kubefs-fs.pid" ] || fail "no pid file"
# every component up says it started runs, under its pid file
started=$(sed -n 's/^\(kubefs-[a-z-]*\) *started$/\1/p' "$T/up.out")
expect_contains "$started" kubefs-sched "started components"
# alive PID BINARY: PID runs BINARY
alive() {
	[ "$(basename "$(readlink "/proc/$1/exe" 2>/dev/null)")" = "$2" ] &&
		[ "$(awk '{print $3}' "/proc/$1/stat")" != Z ]
}
pids=
for c in $started; do
	[ -f "$S/run/$c.pid" ] || fail "no pid file for $c"
	pid=$(cat "$S/run/$c.pid")
	alive "$pid" "${c%-fake}" || fail "$c (pid $pid) is not running"
	pids="$pids $pid"
done
# components not built yet are named, not faked
for c in kubefs-sched kubefs-ctrl kubefs-node kubefs-proxy; do
	if ! "$c" --version >/dev/null 2>&1; then
		expect_contains "$(cat "$T/up.out")" "$c" "line for $c"
		grep -q "$c .*not built yet, skipped" "$T/up.out" ||
			fail "$c not reported as skipped"
	fi
done
# --mount after the command works too
kubefs status --state "$S" --mount "$MNT" > "$T/status.out" || fail "status: $(cat "$T/status.out")"
grep -q '^kubefs-fs .*running (pid' "$T/status.out" || fail "status: $(cat "$T/status.out")"
grep -q '^mount .*healthy' "$T/status.out" || fail "status mount"
# a second up is harmless
kubefs --mount "$MNT" up --state "$S" > "$T/up2.out" || fail "second up failed"
grep -q 'kubefs-fs .*already running' "$T/up2.out" ||
	fail "second up: $(cat "$T/up2.out")"
KUBEFS_MOUNT=$MNT kubefs down --state "$S" > "$T/down.out"
expect_contains "$(cat "$T/down.out")" "kubefs-fs          stopped"
mountpoint -q "$MNT" && fail "still mounted after down"
# and every component it started is gone
for pid in $pids; do
	wait_gone "$pid" || fail "pid $pid still runs after down"
done
KUBEFS_MOUNT=$MNT kubefs status --state "$S" > "$T/status.out" && fail "status succeeded on a stopped cluster"
grep -q '^kubefs-fs .*stopped' "$T/status.out" || fail "status after down: $(cat "$T/status.out")"
echo ok
