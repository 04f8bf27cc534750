#!/bin/bash
# Hostile input and greedy callers: bounded memory, EAGAIN past the
# per-caller limits, and other callers keep working; deleted objects
# leave nothing in the render cache.
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
# the text of a deleted object is not kept: a cluster that keeps making
# new names (pods, events) would fill the render cache with the dead
cached() { awk '/^kubefs_fs_render_cache_objects / {print $2}' "$MNT/metrics"; }
before=$(cached)
for i in $(seq 1 40); do
	printf 'data: {a: "%s"}\n' "$i" | kfwrite "$CM/rc-$i" > /dev/null
	cat "$CM/rc-$i" > /dev/null
done
[ "$(cached)" -ge $((before + 40)) ] ||
	fail "render cache: $(cached) objects after 40 reads (was $before)"
rm "$CM"/rc-*
back() { [ "$(cached)" -le "$before" ]; }
for _ in $(seq 1 100); do back && break; sleep 0.1; done
back || fail "render cache: $(cached) objects after the deletes (was $before)"

# anonymous memory only: the store's mapped pages are the kernel's cache
rss() { awk '/^RssAnon:/ {print $2}' "/proc/$FS_PID/status"; }

# hostile inputs: huge, deep, alias bombs, binary, truncated
hostile() {
	head -c 1600000 /dev/urandom > "$T/h1"
	{ printf 'a: '; for _ in $(seq 1 5000); do printf '['; done; } > "$T/h2"
	{ echo 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'
	  for l in b c d e f g h i j; do
		p=$(echo "$l" | tr 'b-j' 'a-i')
		printf '%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' \
			"$l" "$l" "$p" "$p" "$p" "$p" "$p" "$p" "$p" "$p" "$p" "$p"
	  done; } > "$T/h3"
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "tru' > "$T/h4"
	printf 'apiVersion: v1\nkind: ConfigMap\n\xff\xfe\x00bad: x\n' > "$T/h5"
}
hostile
for i in 1 2 3 4 5; do
	kfwrite "$CM/h$i" < "$T/h$i" >/dev/null && fail "hostile input h$i accepted"
done
# one round to warm the allocator up, then memory must stay flat
round() {
	for _ in $(seq 1 10); do
		for i in 1 2 3 4 5; do
			kfwrite "$CM/h$i" < "$T/h$i" >/dev/null || true
			kfwrite "$MNT/drop-$i" < "$T/h$i" >/dev/null || true
		done
	done
}
round
before=$(rss)
round
round
round
after=$(rss)
echo "rss after warm-up ${before} kB, after 300 more hostile writes ${after} kB"
# The bound: the request threads' 1 MiB request buffers (a hostile
# writer keeps a few dozen busy; up to 160 may exist),
# plus allocator arenas. Past it, something leaks.
if [ -z "${KUBEFS_SANITIZED:-}" ]; then
	[ $((after - before)) -lt 98304 ] ||
		fail "memory grew by $((after - before)) kB"
fi
ls "$CM" | qgrep '^h' && fail "a hostile write left an object"

# watch streams per caller: EAGAIN past the bound, others unaffected.
# The kernel sends releases after close() returns: a round starts once
# the server has let go of every stream of the last one.
no_streams() { grep -qx 'kubefs_fs_watch_streams 0' "$MNT/metrics"; }
wait_for no_streams
out=$(kfhold --read "$CM/@watch" 300)
expect_contains "$out" "opened 256" "watch streams per uid"
expect_contains "$out" "then EAGAIN" "errno past the watch bound"
# in-flight writes per caller
out=$(kfhold --write "$CM" 1100)
expect_contains "$out" "opened 1024" "open writes per uid"
expect_contains "$out" "then EAGAIN" "errno past the write bound"
# after they are closed, everything works again (once the server has
# had the releases, which the kernel sends after close() returns)
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n' > "$T/fine"
wait_for sh -c 'kfwrite "$1" < "$2"' - "$CM/fine" "$T/fine"
timeout 1 cat "$CM/@watch" > "$T/w" || true
grep -q '"fine"' "$T/w" || fail "watch after the limits"
# another user keeps working while one is at its bound: root holds its
# 256 streams open (kfhold --hold, until its stdin ends) while a
# dedicated test user opens one
uid=$(ensure_user kubefs-e2e)
gid=$(id -g kubefs-e2e)
chmod 711 "$T"
wait_for no_streams
mkfifo "$T/hold.in"
kfhold --hold --read "$CM/@watch" 300 > "$T/hold.out" < "$T/hold.in" &
hold=$!
exec 9> "$T/hold.in"
wait_for grep -q 'then EAGAIN' "$T/hold.out"
expect_contains "$(cat "$T/hold.out")" "opened 256" "streams held"
expect_contains "$(kfhold --read "$CM/@watch" 1)" "then EAGAIN" "root, at its bound"
rc=0
grant_all view # (RBAC: the other uid may watch)
setpriv --reuid="$uid" --regid="$gid" --clear-groups \
	timeout 10 grep -m 1 -o '"fine"' "$CM/@watch" > "$T/w2" 2>&1 || rc=$?
expect_eq "$rc" 0 "status of another uid's watch ($(cat "$T/w2"))"
expect_eq "$(cat "$T/w2")" '"fine"' "another uid's watch while root is at its bound"
kill -0 "$hold" || fail "kfhold let go of its streams early"
exec 9>&-
wait "$hold" || fail "kfhold failed"

echo ok
