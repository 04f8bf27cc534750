#!/bin/bash
# inotify shows every change, whatever path it came through (SPEC §4):
# the notifier raises the object's own name in its directory for drop-box
# writes, merge patches through @json, @status and @scale writes,
# deletions by the server (namespace cleanup), and changes made by another
# kubefs-fs on the same store. The events are checked by exact name, so
# the kernel's own events for the test's calls (on "m.yaml",
# "x@json", ...) never satisfy them.
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
D=$MNT/apps/v1/deployments/default
# watch_dir DIR OUT: inotifywait on DIR into OUT, once the watch is in place
watch_dir() {
	inotifywait -m --format '%e %f' "$1" > "$2" 2> "$2.err" &
	WATCH_PIDS="${WATCH_PIDS:-} $!"
	wait_for grep -q 'Watches established' "$2.err"
}
# saw OUT LINE: OUT has exactly this line
saw() { grep -qxF "$2" "$1"; }
# expect_event OUT LINE...: each line appears in OUT
expect_event() {
	local out=$1 line
	shift
	for line in "$@"; do
		wait_for saw "$out" "$line"
	done
}

# a direct write of the object's own path (the kernel's events; the
# notifier adds none)
watch_dir "$CM" "$T/direct"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: direct}\n' > "$CM/direct"
expect_event "$T/direct" "CREATE direct" "CLOSE_WRITE,CLOSE direct"

# through the root drop box: the events appear in the object's dir
watch_dir "$CM" "$T/dropped"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dropped, namespace: default}\n' > "$MNT/m.yaml"
expect_event "$T/dropped" "CREATE dropped" "CLOSE_WRITE,CLOSE dropped"

# a merge patch through another name (@json): applied, and notified
watch_dir "$CM" "$T/patch"
echo '{"data":{"x":"1"}}' >> "$CM/dropped@json"
expect_eq "$(yq -r .data.x "$CM/dropped")" 1 "merge patch through @json"
expect_event "$T/patch" "CLOSE_WRITE,CLOSE dropped"

# subresources: @status and @scale change the object
cp "$E2E_SRC/examples/deployment.yaml" "$MNT/apps/v1/deployments/"
watch_dir "$D" "$T/status"
echo '{"status":{"readyReplicas":1}}' >> "$D/nginx@status"
expect_eq "$(yq -r .status.readyReplicas "$D/nginx")" 1 "@status merge patch"
expect_event "$T/status" "CLOSE_WRITE,CLOSE nginx"
watch_dir "$D" "$T/scale"
echo 3 > "$D/nginx@scale"
expect_event "$T/scale" "CLOSE_WRITE,CLOSE nginx"

# deletion
watch_dir "$CM" "$T/rm"
rm "$CM/direct"
expect_event "$T/rm" "DELETE direct"

# deletion made by the server itself: an object held by a finalizer goes
# when its last finalizer is removed (a change nobody made by rm)
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [example.com/hold]}\n' > "$CM/held"
rm "$CM/held"
test -e "$CM/held"
watch_dir "$CM" "$T/cascade"
echo '{"metadata":{"finalizers":null}}' >> "$CM/held"
expect_event "$T/cascade" "DELETE held"

# another kubefs-fs on the same store: its changes are notified here
M2=$T/mnt2
mkdir "$M2"
start_daemon fs2 kubefs-fs --foreground --store "$T/store" --log "$T/fs2.log" "$M2"
wait_for grep -qx ok "$M2/healthz"
watch_dir "$CM" "$T/other"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: elsewhere}\ndata: {v: "1"}\n' > "$M2/core/v1/configmaps/default/elsewhere"
expect_event "$T/other" "CREATE elsewhere" "CLOSE_WRITE,CLOSE elsewhere"
echo '{"data":{"v":"2"}}' >> "$M2/core/v1/configmaps/default/dropped"
wait_for saw "$T/other" "CLOSE_WRITE,CLOSE dropped"
rm "$M2/core/v1/configmaps/default/elsewhere"
expect_event "$T/other" "DELETE elsewhere"
expect_eq "$(yq -r .data.v "$CM/dropped")" 2 "a change through the other server"
stop_daemon "$DAEMON_PID"
echo ok
