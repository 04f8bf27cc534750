#!/bin/bash
# Watch streams: root (the scheduler, controllers, node agents) keeps a
# reserve that users cannot take, and users share the rest so that one
# coming late still gets streams.
. "$(dirname "$0")/lib.sh"
start_fs
chmod 755 "$T" # let other uids reach the mount
grant_all view # (RBAC: users may watch pods)
O=$T/out
mkdir -m 1777 "$O" # where they report
W=$MNT/core/v1/pods/default/@watch
# hold N streams open as one process until released; say how many opened
cat > "$T/hold.sh" <<'SH'
W=$1 N=$2 OUT=$3 REL=$4 n=0
for _ in $(seq 1 "$N"); do
	exec {fd}<"$W" 2>/dev/null || break
	n=$((n + 1))
done
echo "$n" > "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
while [ ! -e "$REL" ]; do sleep 0.1; done
SH
# 16 users, one after the other, each asking for 256 streams
pids=
for u in $(seq 30001 30016); do
	setpriv --reuid="$u" --regid="$u" --clear-groups \
		bash "$T/hold.sh" "$W" 256 "$O/u$u" "$O/release" &
	pids="$pids $!"
	WATCH_PIDS=$pids # ended by the cleanup if we fail
	wait_for test -e "$O/u$u"
done
total=0
for u in $(seq 30001 30016); do
	n=$(cat "$O/u$u")
	echo "uid $u: $n streams"
	[ "$n" -gt 0 ] || fail "uid $u got no stream"
	total=$((total + n))
done
[ "$total" -le 3584 ] || fail "users hold $total streams, past their pool"
# root still gets its streams
out=$(kfhold --read "$W" 200)
expect_contains "$out" "opened 200" "root's streams while users hold $total"
touch "$O/release"
for p in $pids; do wait "$p" || true; done
echo ok
