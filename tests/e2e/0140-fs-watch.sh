#!/bin/bash
# @watch streams: initial state, live events, resume, 410, selectors,
# interrupt.
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
mk() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  labels: {app: %s}\ndata: {v: "%s"}\n' "$1" "$2" "${3:-1}" > "$CM/$1"; }
mk a web
mk b db

# lines LINES FILE: the stream in FILE has at least LINES lines
lines() { [ "$(wc -l < "$2")" -ge "$1" ]; }

# initial ADDED for current objects, then live events (made once the
# initial state has arrived, so they are live for certain)
timeout 30 cat "$CM/@watch" > "$T/w1" &
WATCH_PIDS=$!
wait_for lines 2 "$T/w1"
mk c web
mk a web 2
rm "$CM/b"
wait_for grep -q '"type":"DELETED"' "$T/w1"
kill $WATCH_PIDS 2>/dev/null || true
jq -c . "$T/w1" > /dev/null || fail "watch lines are not JSON"
types=$(jq -r '.type + " " + .object.metadata.name' "$T/w1")
expect_contains "$types" "ADDED a"
expect_contains "$types" "ADDED b"
expect_contains "$types" "ADDED c"
expect_contains "$types" "MODIFIED a"
expect_contains "$types" "DELETED b"

# resume after a resourceVersion: only what came after
rv=$(sed -n 's/^kubefs_store_resource_version //p' "$MNT/metrics")
mk d web
timeout 2 cat "$CM/@watch?resourceVersion=$rv" > "$T/w2" || true
expect_eq "$(jq -r '.type + " " + .object.metadata.name' "$T/w2" | head -n 1)" "ADDED d" "resume"

# label selector, URL-encoded or not: live and initial events of
# matching objects only
cat "$CM/@watch?labelSelector=app%3Ddb" > "$T/w3a" &
WATCH_PIDS=$!
wait_for has_stream $WATCH_PIDS
mk e db
mk f web
mk g db
wait_for grep -q '"name":"g"' "$T/w3a"
kill $WATCH_PIDS 2>/dev/null || true
expect_eq "$(jq -r .object.metadata.name "$T/w3a" | tr '\n' ' ')" "e g " "labelSelector app%3Ddb"
timeout 2 cat "$CM/@watch?labelSelector=app=db" > "$T/w3" || true
expect_eq "$(jq -r .object.metadata.name "$T/w3" | sort | tr '\n' ' ')" "e g " "labelSelector"
timeout 2 cat "$CM/@watch?fieldSelector=metadata.name=a" > "$T/w4" || true
expect_eq "$(jq -r .object.metadata.name "$T/w4" | sort -u)" a "fieldSelector"
# a bad selector is an error at open, at once, with Kubernetes' words
rc=0
timeout 10 cat "$CM/@watch?fieldSelector=spec.nope=1" > /dev/null 2> "$T/bad.err" || rc=$?
expect_eq "$rc" 1 "status of a watch with a bad fieldSelector"
expect_contains "$(cat "$T/bad.err")" "Invalid argument" "bad fieldSelector"
expect_contains "$(last_error)" '"spec.nope" is not a known field selector' "errors line"

# all namespaces from the resource dir
timeout 2 cat "$MNT/core/v1/configmaps/@watch" > "$T/w5" || true
grep -q '"name":"a"' "$T/w5" || fail "resource-dir watch"

# a signal to a blocked reader is honoured at once (Ctrl-C is SIGINT)
cat "$CM/@watch?resourceVersion=$(jq -r .metadata.resourceVersion "$CM/g@json")" > /dev/null &
pid=$!
# it has the stream open and sleeps in read (nothing after g to send)
reading() {
	has_stream $pid && [ "$(awk '{print $3}' "/proc/$pid/stat")" = S ]
}
wait_for reading
kill -TERM $pid   # (a background job ignores SIGINT)
wait_gone $pid || fail "blocked watch read ignored a signal"
rc=0
wait $pid || rc=$?
expect_eq "$rc" 143 "status of the reader: killed by SIGTERM in its read"

# a very old resourceVersion is 410 Gone once compacted: covered by unit
# tests with small retention; here rv 1 is still retained
timeout 2 cat "$CM/@watch?resourceVersion=1" > "$T/w6" || true
grep -q '"ADDED"' "$T/w6" || fail "resume from rv 1"
echo ok
