#!/bin/bash
# kubefs-fs without --foreground returns once the tree serves (exit 0) or
# failed (exit 1, the reason on stderr); unmounting stops it. A live mount
# is never stolen: a second server on it, in either mode, is refused and
# the first keeps serving its own store.
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n' > "$CM/first"

# a second server on the live mount, background and foreground
for mode in "" --foreground; do
	rc=0
	timeout 20 kubefs-fs $mode --store "$T/store2" "$MNT" > "$T/second.out" 2>&1 || rc=$?
	expect_eq "$rc" 1 "status of a second kubefs-fs $mode on a live mount"
	expect_contains "$(cat "$T/second.out")" "a live kubefs-fs is mounted here" "its reason"
done
expect_eq "$(grep -c " $MNT fuse.kubefs " /proc/mounts)" 1 "mounts at $MNT"
expect_eq "$(cat "$MNT/healthz")" ok "the first server after the attempts"
[ -f "$CM/first" ] || fail "the first server's store is not what is mounted"

# background mode: serving when the command returns
B=$T/bg
mkdir "$B"
kubefs-fs --store "$T/store3" --log "$T/bg.log" "$B" > "$T/bg.out" 2>&1 ||
	fail "background kubefs-fs: $(cat "$T/bg.out")"
expect_eq "$(cat "$B/healthz")" ok "healthz as soon as the command returned"
# its processes (the server and its notifier) are the ones serving $B
pids=$(for p in /proc/[0-9]*; do
	tr '\0' ' ' < "$p/cmdline" 2>/dev/null | qgrep -- "--log $T/bg.log " &&
		echo "${p#/proc/}"
done || true)
[ -n "$pids" ] || fail "no background kubefs-fs process"
fusermount3 -u "$B" || fail "unmount of the background server"
for pid in $pids; do
	wait_gone "$pid" || fail "background kubefs-fs $pid still runs after unmount"
done
grep -q 'stopping (unmounted)' "$T/bg.log" || fail "bg.log: $(cat "$T/bg.log")"

# a failure is reported by the command itself
rc=0
kubefs-fs --store /proc/no-such-store "$B" > "$T/bad.out" 2>&1 || rc=$?
expect_eq "$rc" 1 "status of a background kubefs-fs that cannot open its store"
expect_contains "$(cat "$T/bad.out")" "cannot open store /proc/no-such-store" "its reason"
mountpoint -q "$B" && fail "a failed server left a mount"
echo ok
