#!/bin/bash
# Image GC by disk threshold: with a high threshold of 1 % (this file
# system is fuller than that) the images no pod uses go, the one a pod
# runs stays, and the node says it could not free enough
# (FreeDiskSpaceFailed); an image younger than the minimum age stays;
# the kubelet's words for thresholds that do not fit.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
expect_eq "$(kubefs-node --image-gc-high-threshold 50 --image-gc-low-threshold 60 2>&1 | sed -n 1p)" \
	"kubefs-node: invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) 60 must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) 50" \
	"thresholds"
node_setup
mk_httpd web 1
wait_long 30 is_phase web Running
stop_node
# two more images no pod uses, the older first
for i in old new; do
	"$E2E_SRC/tests/images/build-busybox.sh" docker "$T/$i.tar" "$i:1" >/dev/null
	kubefs-node image --root-dir "$ROOT" load "$T/$i.tar" >/dev/null || fail "load $i"
done
images() { kubefs-node image --root-dir "$ROOT" ls | awk 'NR > 1 {print $1}' | sort | tr '\n' ' '; }
all="docker.io/library/busybox docker.io/library/new docker.io/library/old "
expect_eq "$(images)" "$all" "images loaded"
gc_flags=(--image-gc-high-threshold 1 --image-gc-low-threshold 0 --image-gc-period 1s)

# too young to go: nothing is eligible
start_node "${gc_flags[@]}" --minimum-image-ttl-duration 1h
gc_failed() { has_event n1 "Warning FreeDiskSpaceFailed: Failed to garbage collect required amount of images. Attempted to free"; }
wait_long 30 gc_failed
expect_eq "$(images)" "$all" "young images kept"
stop_node

start_node "${gc_flags[@]}" --minimum-image-ttl-duration 0s
collected() { [ "$(images)" = "docker.io/library/busybox " ]; }
wait_long 30 collected
# once its pod is gone, the last image goes too
rm "$P/web"
wait_long 30 gone web
none_left() { [ -z "$(images)" ]; }
wait_long 30 none_left
expect_clean
echo ok
