#!/bin/bash
# kubefs up after a crash: kill -9 of kubefs-fs leaves a dead mount; status
# says the server died and when; up starts it again and leaves the healthy
# components alone; the same for another component; down forgets it all.
. "$(dirname "$0")/netns-lib.sh" # its kubefs up meets no other cluster
. "$(dirname "$0")/lib.sh"
S=$T/state
P=$MNT/core/v1/pods/default
export KUBEFS_MOUNT=$MNT
unset KUBEFS_NAMESPACE
trap 'rc=$?; kubefs down --state "$S" >/dev/null 2>&1 || true; (exit $rc); cleanup' EXIT

fail() {
	echo "FAIL: $*" >&2
	for f in "$S"/log/*.log; do
		[ -f "$f" ] && { echo "--- $f (tail)" >&2; tail -n 15 "$f" >&2; }
	done
	exit 1
}

for c in kubefs-sched kubefs-node; do
	"$c" --version >/dev/null 2>&1 || skip "$c is not built yet"
done

pid_of() { cat "$S/run/$1.pid"; }
alive() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
	! grep -q '^State:.*Z' "/proc/$1/status"; }
disconnected() { [[ $(ls "$MNT" 2>&1) == *"Transport endpoint is not connected"* ]]; }
ready_nodes() { [ "$(kubefs get nodes --no-headers 2>/dev/null | grep -c ' Ready ')" = 3 ]; }
# died NAME: status shows NAME died (its exit may take a moment after
# kill -9); the output is left in $T/st.out
died() {
	kubefs status --state "$S" > "$T/st.out" && return 1
	grep -q "^$1  *died" "$T/st.out"
}
bound() { [ -n "$(jq -r '.spec.nodeName // ""' "$P/$1@json" 2>/dev/null)" ]; }
mkpod() {
	cat > "$P/$1" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  containers:
  - {name: c, image: registry.k8s.io/pause:3.9}
YAML
}

kubefs up --state "$S" --nodes 0 --fake-nodes 3 > "$T/up.out" || fail "up: $(cat "$T/up.out")"
for c in kubefs-fs kubefs-sched kubefs-node-fake; do
	grep -q "^$c  *started$" "$T/up.out" || fail "up: $c not started: $(cat "$T/up.out")"
done
wait_for ready_nodes
FS=$(pid_of kubefs-fs) SCHED=$(pid_of kubefs-sched) FAKE=$(pid_of kubefs-node-fake)
mkpod before
wait_for bound before

# --- the API server is killed: the mount is left dead
kill -9 "$FS"
wait_for disconnected
wait_for died kubefs-fs
line=$(grep '^kubefs-fs ' "$T/st.out")
expect_contains "$line" "died (pid $FS, started 20" "status of the dead server"
expect_contains "$line" ", found dead 20" "status of the dead server"
expect_contains "$line" "'kubefs up' starts it again" "status of the dead server"
grep -q "^kubefs-sched  *running (pid $SCHED) since 20" "$T/st.out" || fail "sched: $(cat "$T/st.out")"
grep -q "^kubefs-node-fake  *running (pid $FAKE)" "$T/st.out" || fail "fake nodes: $(cat "$T/st.out")"
grep -q '^mount  *not serving' "$T/st.out" || fail "mount: $(cat "$T/st.out")"
# when it was found dead is recorded once, not each time status looks
found=$(sed -n 's/.*found dead \([^,]*\),.*/\1/p' <<<"$line")
[ -n "$found" ] || fail "no time in: $line"
kubefs status --state "$S" > "$T/st2.out" || true
grep -q "^kubefs-fs .*found dead $found," "$T/st2.out" || fail "found time changed: $(cat "$T/st2.out")"
[ -f "$S/run/kubefs-fs.pid" ] && fail "a dead pid file was kept"

# --- up sees it, starts only the server
kubefs up --state "$S" --nodes 0 --fake-nodes 3 > "$T/up2.out" || fail "up after the crash: $(cat "$T/up2.out")"
grep -q "^kubefs-fs  *died (pid $FS, found dead $found), started again$" "$T/up2.out" ||
	fail "up after the crash: $(cat "$T/up2.out")"
grep -q '^kubefs-sched  *already running$' "$T/up2.out" || fail "up: $(cat "$T/up2.out")"
grep -q '^kubefs-node-fake  *already running$' "$T/up2.out" || fail "up: $(cat "$T/up2.out")"
expect_eq "$(cat "$MNT/healthz")" ok "healthz after the restart"
FS2=$(pid_of kubefs-fs)
[ "$FS2" != "$FS" ] || fail "the server was not started again"
expect_eq "$(pid_of kubefs-sched)" "$SCHED" "scheduler pid"
expect_eq "$(pid_of kubefs-node-fake)" "$FAKE" "fake nodes pid"
alive "$SCHED" kubefs-sched || fail "the scheduler was disturbed"
alive "$FAKE" kubefs-node || fail "the fake nodes were disturbed"
# the store kept its objects, and the healthy components carry on
bound before || fail "pod 'before' lost its node"
wait_for ready_nodes
mkpod after
wait_for bound after
kubefs status --state "$S" > "$T/st3.out" || fail "status after the restart: $(cat "$T/st3.out")"
grep -q "^kubefs-fs  *running (pid $FS2) since 20.*, restarted after pid $FS died (found dead $found)$" "$T/st3.out" ||
	fail "status after the restart: $(cat "$T/st3.out")"
grep -q '^mount  *healthy' "$T/st3.out" || fail "mount after the restart"

# --- the same for another component: a dead pid is never "already running"
kill -9 "$SCHED"
wait_for died kubefs-sched
kubefs up --state "$S" --nodes 0 --fake-nodes 3 > "$T/up3.out" || fail "up: $(cat "$T/up3.out")"
grep -q "^kubefs-sched  *died (pid $SCHED, found dead 20.*), started again$" "$T/up3.out" || fail "up: $(cat "$T/up3.out")"
grep -q '^kubefs-fs  *already running$' "$T/up3.out" || fail "up: $(cat "$T/up3.out")"
expect_eq "$(pid_of kubefs-fs)" "$FS2" "server pid after the scheduler's restart"
mkpod third
wait_for bound third

# --- down stops what runs, names what died, and forgets the deaths
kill -9 "$FAKE"
wait_for died kubefs-node-fake
kubefs down --state "$S" > "$T/down.out"
for c in kubefs-fs kubefs-sched; do
	grep -q "^$c  *stopped" "$T/down.out" || fail "down: $(cat "$T/down.out")"
done
grep -q "^kubefs-node-fake  *was not running (pid $FAKE died)$" "$T/down.out" ||
	fail "down: $(cat "$T/down.out")"
ls "$S"/run/*.died "$S"/run/*.pid 2>/dev/null && fail "down left records behind"
mountpoint -q "$MNT" && fail "still mounted after down"
kubefs status --state "$S" > "$T/st4.out" && fail "status succeeded after down"
grep -q '^kubefs-fs  *stopped$' "$T/st4.out" || fail "status after down: $(cat "$T/st4.out")"
echo ok
