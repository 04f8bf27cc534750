#!/bin/bash
# A drop-box name stays resolvable but unlisted for 5 seconds after its
# last close, then is gone (never while open). st_ino is stable for an object's life and new for a recreated
# object; st_mtime is when the server first saw the current
# resourceVersion: an unchanged object keeps it, a change moves it on.
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: obj}\ndata: {k: "1"}\n' > "$CM/drop.yaml"
[ -e "$CM/drop.yaml" ] || fail "a drop-box name is not resolvable after the write"
ls -a "$CM" | qgrep -x drop.yaml && fail "a drop-box name is listed"
ls "$CM" | qgrep -x obj || fail "the dropped object is not listed"
gone() { [ ! -e "$CM/drop.yaml" ]; }
start=$SECONDS
wait_for gone
# a lower bound only (a busy machine can only make it later)
[ $((SECONDS - start)) -ge 3 ] || fail "the drop-box name went after $((SECONDS - start)) s"
[ -f "$CM/obj" ] || fail "the object went with its drop-box name"

# a drop-box name open for writing does not go while it is open, however
# long the writer takes: fstat(2) of the open file keeps working (cp
# fstat()s what it opened), whether the open created the name or found
# it from an earlier drop
fd_size() { stat -L -c %s "/proc/$BASHPID/fd/$1"; }
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slow1}\n' > "$CM/slow.yaml"
(
	exec 3> "$CM/slow.yaml" # found: the first drop's name
	exec 4> "$CM/slower.yaml" # created
	sleep 6 # longer than the name would live closed
	fd_size 3 > /dev/null || fail "fstat of a held drop-box name"
	fd_size 4 > /dev/null || fail "fstat of a created drop-box name"
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slow2}\n' >&3
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slow3}\n' >&4
)
[ -f "$CM/slow2" ] && [ -f "$CM/slow3" ] || fail "the slow drops were not stored"
# and once closed, they go as before
slow_gone() { [ ! -e "$CM/slow.yaml" ] && [ ! -e "$CM/slower.yaml" ]; }
wait_for slow_gone

ino=$(stat -c %i "$CM/obj")
mtime=$(stat -c %Y "$CM/obj")
cat "$CM/obj" > /dev/null
expect_eq "$(stat -c %i "$CM/obj")" "$ino" "st_ino after a read"
expect_eq "$(stat -c %Y "$CM/obj")" "$mtime" "st_mtime of an unchanged object"
# a second later, a change: a newer st_mtime, the same inode
newer() { [ "$(date +%s)" -gt "$mtime" ]; }
wait_for newer
echo '{"data":{"k":"2"}}' >> "$CM/obj"
expect_eq "$(stat -c %i "$CM/obj")" "$ino" "st_ino after a change"
[ "$(stat -c %Y "$CM/obj")" -gt "$mtime" ] || fail "st_mtime did not move on with a change"
# other objects have other inodes; a recreated object gets a new one
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n' > "$CM/other"
[ "$(stat -c %i "$CM/other")" != "$ino" ] || fail "two objects share an inode"
rm "$CM/obj"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: obj}\n' > "$CM/obj"
[ "$(stat -c %i "$CM/obj")" != "$ino" ] || fail "a recreated object kept its inode"
echo ok
