#!/bin/bash
# kubefs export 9p: diod with MUNGE, reached with user-space 9P clients
# (diodcat, and kf9p for writes): reads, creates, the verdict at close,
# a blocking @watch, the caller's uid, refused clients, read-only, stop.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/remote.sh"
command -v diod >/dev/null || PATH=$PATH:/usr/sbin
command -v diod >/dev/null || skip "diod is not installed"
start_fs
grant_all view # (RBAC: remote users read and watch, never write)
chmod 755 "$T" # diod walks the export's path as the remote user
A=(-s "127.0.0.1:$PORT9" -a "$MNT")

kubefs --mount "$MNT" export 9p --listen "nowhere:1" --state "$S" \
	2> "$T/err" && fail "a bad --listen was accepted"
expect_contains "$(cat "$T/err")" 'invalid argument "nowhere:1"'
kubefs --mount "$MNT" export 9p --listen "127.0.0.1:$PORT9" --state "$S" \
	> "$T/out" || fail "export 9p: $(cat "$T/out")"
expect_contains "$(cat "$T/out")" "listening on 127.0.0.1:$PORT9"
kubefs --mount "$MNT" export 9p --listen "127.0.0.1:$PORT9" --state "$S" \
	> "$T/out" || fail "second export 9p"
expect_contains "$(cat "$T/out")" "9p export already running"
mkdir -p "$T/nowhere"
kubefs --mount "$T/nowhere" export 9p --state "$T/state2" 2> "$T/err" &&
	fail "exported a directory where no tree is served"
expect_contains "$(cat "$T/err")" "The connection to the cluster at $T/nowhere was refused"
kubefs export status --state "$S" > "$T/status"
grep -q '^9p .*running (pid' "$T/status" || fail "status: $(cat "$T/status")"

# reads: a listing, the resources file, an object
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: local}\ndata: {a: "1"}\n' \
	> "$MNT/core/v1/configmaps/default/local"
expect_contains "$(c9 diodls "${A[@]}" core/v1/configmaps/default)" local
expect_eq "$(c9 diodcat "${A[@]}" resources)" "$(cat "$MNT/resources")" \
	"resources over 9P"
expect_eq "$(c9 diodcat "${A[@]}" core/v1/configmaps/default/local)" \
	"$(cat "$MNT/core/v1/configmaps/default/local")" "an object over 9P"

# a blocking watch over 9P sees a create made over 9P (resuming from
# now, so it sees it however late it opens)
rv=$(sed -n 's/^kubefs_store_resource_version //p' "$MNT/metrics")
c9 diodcat "${A[@]}" "core/v1/configmaps/@watch?resourceVersion=$rv" \
	> "$T/watch" 2> /dev/null &
WATCH_PIDS=$!
c9 kf9p "${A[@]}" lines 1 'core/v1/configmaps/default/@watch' > "$T/first"
expect_contains "$(cat "$T/first")" '"type":"ADDED"' "kf9p watch"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: remote}\ndata: {b: "2"}\n' |
	c9 kf9p "${A[@]}" put core/v1/configmaps/default/remote ||
	fail "create over 9P"
wait_for grep -q '"name":"remote"' "$T/watch"
kill -0 $WATCH_PIDS 2> /dev/null || fail "the 9P watch stream ended"
kill $WATCH_PIDS 2>/dev/null || true
expect_contains "$(cat "$MNT/core/v1/configmaps/default/remote")" 'b: "2"'

# replace: a whole new manifest over an existing object
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: local}\ndata: {a: "9"}\n' |
	c9 kf9p "${A[@]}" put core/v1/configmaps/default/local ||
	fail "replace over 9P"
expect_contains "$(cat "$MNT/core/v1/configmaps/default/local")" 'a: "9"'

# a manifest dropped in a resource dir; merge append; delete
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dropped}\n' |
	c9 kf9p "${A[@]}" put core/v1/configmaps/drop.yaml ||
	fail "drop box over 9P"
[ -f "$MNT/core/v1/configmaps/default/dropped" ] || fail "drop box: no object"
echo 'data: {c: "3"}' | c9 kf9p "${A[@]}" append core/v1/configmaps/default/remote ||
	fail "merge over 9P"
expect_contains "$(cat "$MNT/core/v1/configmaps/default/remote")" 'c: "3"'
c9 kf9p "${A[@]}" rm core/v1/configmaps/default/dropped || fail "rm over 9P"
[ -e "$MNT/core/v1/configmaps/default/dropped" ] && fail "still there after rm"

# the verdict at close() is the remote close's error, the reason in errors
out=$(printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {}\n' |
	c9 kf9p "${A[@]}" put core/v1/pods/default/bad) && fail "bad pod accepted"
expect_eq "$out" "clunk: EINVAL" "verdict of a bad write"
expect_contains "$(c9 kf9p "${A[@]}" cat errors)" 'Pod "bad" is invalid'

# the caller's uid is the uid kubefs-fs sees: nobody's errors are its own
out=$(c9 setpriv --reuid=65534 --regid=65534 --clear-groups \
	kf9p "${A[@]}" cat 'core/v1/pods/@watch?resourceVersion=abc') &&
	fail "a bad watch query was accepted"
expect_eq "$out" "open: EINVAL"
nobody=$(setpriv --reuid=65534 --regid=65534 --clear-groups cat "$MNT/errors")
expect_contains "$nobody" 'resourceVersion: Invalid value: "abc"' "nobody's errors"
case $nobody in *'Pod "bad"'*) fail "root's error shown to nobody" ;; esac
case $(cat "$MNT/errors") in *'"abc"'*) fail "nobody's error shown to root" ;; esac
# and file permissions apply to that uid
out=$(echo 'metadata: {name: x}' | c9 setpriv --reuid=65534 --regid=65534 \
	--clear-groups kf9p "${A[@]}" put core/v1/configmaps/default/x) &&
	fail "nobody created an object"
expect_contains "$out" "EACCES"

# refused: no credential at all, and a credential of another key
expect_eq "$(c9 kf9p --no-auth "${A[@]}" cat version)" "attach: EPERM" \
	"unauthenticated attach"
start_bad_munged "$T/badmunge"
expect_eq "$(with_munge "$T/badmunge" kf9p "${A[@]}" cat version)" \
	"attach: EPERM" "wrong MUNGE key"
with_munge "$T/badmunge" diodcat "${A[@]}" version > /dev/null 2>&1 &&
	fail "diodcat with a wrong key read the tree"

# stop ends what export started; a read-only export refuses writes
pid=$(cut -d' ' -f1 "$S/run/export-9p.pid")
kubefs export stop 9p --state "$S" > "$T/out"
expect_contains "$(cat "$T/out")" "export-9p          stopped"
running "$pid" && fail "diod still running after stop"
kubefs --mount "$MNT" export 9p --read-only --listen "127.0.0.1:$PORT9" \
	--state "$S" > /dev/null || fail "read-only export"
expect_eq "$(c9 diodcat "${A[@]}" version)" "$(cat "$MNT/version")"
out=$(echo 'metadata: {name: ro}' |
	c9 kf9p "${A[@]}" put core/v1/configmaps/default/ro) &&
	fail "a read-only export took a write"
expect_contains "$out" "EROFS"
[ -e "$MNT/core/v1/configmaps/default/ro" ] && fail "read-only export wrote"
echo ok
