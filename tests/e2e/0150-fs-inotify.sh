#!/bin/bash
# inotify shows every change, whatever path it came through (SPEC §4).
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
# start watching, and wait until the watch is really in place
watch_dir() { # DIR OUT
	inotifywait -m --format '%e %f' "$1" > "$2" 2> "$2.err" &
	WATCH_PIDS="${WATCH_PIDS:-} $!"
	wait_for grep -q 'Watches established' "$2.err"
}
watch_dir "$CM" "$T/events"

# direct write of the object's own path
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: direct}\n' > "$CM/direct"
# through the root drop box: the event appears in the object's dir
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dropped, namespace: default}\n' > "$MNT/m.yaml"
# a merge patch through another name (@json), a subresource path
echo '{"data":{"x":"1"}}' >> "$CM/dropped@json"
# deletion
rm "$CM/direct"
# deletion made by the server itself: the namespace goes, and so does
# everything in it (a change nobody made through this path)
mkdir "$MNT/core/v1/configmaps/gone"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: in-gone, namespace: gone}\n' > "$MNT/core/v1/configmaps/gone/in-gone"
watch_dir "$MNT/core/v1/configmaps/gone" "$T/events2"
rm "$MNT/core/v1/namespaces/gone"

wait_for grep -q 'DELETE in-gone' "$T/events2"
wait_for grep -q 'DELETE direct' "$T/events"
wait_for grep -q 'CREATE dropped' "$T/events"
wait_for grep -q 'CLOSE_WRITE,CLOSE dropped' "$T/events"
wait_for grep -q 'CREATE direct' "$T/events" || fail "no CREATE for direct: $(cat "$T/events")"
echo ok
