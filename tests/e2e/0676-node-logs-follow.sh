#!/bin/bash
# Following a container's log: the node agent's endpoint (follow=true),
# POD@log.C?follow=true in the tree and kubefs logs -f: the lines so
# far, then new lines as the container writes them, until the run ends
# or the pod goes; Ctrl-C ends a follow at once; sinceSeconds, the
# pods/log parameters in the tree, and a bad one.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
node_setup

cat > "$P/tick" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: tick}
spec:
  nodeName: n1
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - {name: t, image: busybox, command: [sh, -c, "i=0; while :; do echo tick-\$i; i=\$((i+1)); sleep 0.2; done"]}
  - {name: done, image: busybox, command: [sh, -c, "echo old; sleep 4; echo new; seq 1 3; exec sleep 300"]}
YAML
wait_long 30 is_phase tick Running
base=http://$(jq -r '.status.addresses[0].address' "$MNT/core/v1/nodes/n1@json"):$NODE_PORT
has_tick() { agent_curl -s "$base/containerLogs/default/tick/t" | qgrep "^tick-$1\$"; }
wait_long 20 has_tick 1

# the streams: what is there, then what comes, until the pod goes
agent_curl -sN "$base/containerLogs/default/tick/t?follow=true&tailLines=1" >"$T/follow" &
CURL=$!
cat "$P/tick@log.t?follow=true" >"$T/tree" &
CAT=$!
kubefs --mount "$MNT" logs -f tick -c t --tail=2 >"$T/cli" &
CLI=$!
set -m # job control: this background job takes SIGINT, as at a terminal
cat "$P/tick@log.t?follow=true" >/dev/null &
INT=$!
set +m
WATCH_PIDS="$NODE_PID $CURL $CAT $CLI $INT"
lines() { [ "$(wc -l <"$T/$1")" -ge "$2" ]; }
seq_ok() { awk -F- 'NR > 1 && $2 != prev + 1 { exit 1 } { prev = $2 }' "$T/$1"; }
for f in follow tree cli; do
	wait_long 20 lines $f 6
	seq_ok $f || fail "$f skipped or repeated lines: $(cat "$T/$f")"
done
first=$(sed -n 1p "$T/follow")
now=$(agent_curl -s "$base/containerLogs/default/tick/t" | wc -l)
[ "${first#tick-}" -lt "$now" ] || fail "follow started past the end"
[ "$first" != tick-0 ] || fail "tailLines=1 with follow sent the whole log"
expect_eq "$(sed -n 1p "$T/tree")" tick-0 "the tree's follow starts at the start"
# more than was there when it began: it follows
expect_eq "$(sed -n 3p "$T/cli")" "tick-$(($(sed -n 1p "$T/cli" | cut -d- -f2) + 2))" "kubefs logs -f"
ended() { ! kill -0 "$1" 2>/dev/null; }
kill -INT "$INT"
wait_long 10 ended "$INT"

# the pods/log parameters in the tree, and a bad one
expect_eq "$(cat "$P/tick@log?container=t&tailLines=1" | wc -l)" 1 "@log?container=&tailLines="
cat "$P/tick@log.t?tailLines=x" 2>/dev/null && fail "a bad tailLines was taken"
cat "$P/tick@log.t?bogus=1" 2>/dev/null && fail "an unknown parameter was taken"

# sinceSeconds: counted back from now, to between "old" and "new"
has_new() { agent_curl -s "$base/containerLogs/default/tick/done" | qgrep '^3$'; }
wait_long 30 has_new
old=$(agent_curl -s "$base/containerLogs/default/tick/done?timestamps=true" | sed -n 1p | cut -d' ' -f1)
since=$(($(date +%s) - $(date -d "$old" +%s) - 2))
expect_eq "$(agent_curl -s "$base/containerLogs/default/tick/done?sinceSeconds=$since")" "new
1
2
3" "sinceSeconds"

# follow of a container that has ended: the log, and the answer ends
rm "$P/tick"
wait_long 30 gone tick
for p in $CURL $CAT $CLI; do
	wait_long 20 ended "$p"
	wait "$p" || fail "a follow did not end cleanly"
done
for f in follow tree cli; do
	seq_ok $f || fail "$f skipped or repeated lines: $(cat "$T/$f")"
done
WATCH_PIDS=$NODE_PID
expect_clean
echo ok
