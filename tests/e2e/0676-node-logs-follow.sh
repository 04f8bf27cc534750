#!/bin/bash
# Following a container's log through the node agent's endpoint
# (follow=true): the lines so far, then new lines as the container
# writes them, until the run ends or the pod goes; sinceSeconds.
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
has_tick() { curl -s "$base/containerLogs/default/tick/t" | qgrep "^tick-$1\$"; }
wait_long 20 has_tick 1

# the stream: what is there, then what comes, until the pod goes
curl -sN "$base/containerLogs/default/tick/t?follow=true&tailLines=1" >"$T/follow" &
CURL=$!
WATCH_PIDS="$NODE_PID $CURL"
lines() { [ "$(wc -l <"$T/follow")" -ge "$1" ]; }
wait_long 20 lines 6
seq_ok() { awk -F- 'NR > 1 && $2 != prev + 1 { exit 1 } { prev = $2 }' "$T/follow"; }
seq_ok || fail "follow skipped or repeated lines: $(cat "$T/follow")"
first=$(sed -n 1p "$T/follow")
now=$(curl -s "$base/containerLogs/default/tick/t" | wc -l)
[ "${first#tick-}" -lt "$now" ] || fail "follow started past the end"
[ "$first" != tick-0 ] || fail "tailLines=1 with follow sent the whole log"

# sinceSeconds: counted back from now, to between "old" and "new"
has_new() { curl -s "$base/containerLogs/default/tick/done" | qgrep '^3$'; }
wait_long 30 has_new
old=$(curl -s "$base/containerLogs/default/tick/done?timestamps=true" | sed -n 1p | cut -d' ' -f1)
since=$(($(date +%s) - $(date -d "$old" +%s) - 2))
expect_eq "$(curl -s "$base/containerLogs/default/tick/done?sinceSeconds=$since")" "new
1
2
3" "sinceSeconds"

# follow of a container that has ended: the log, and the answer ends
rm "$P/tick"
wait_long 30 gone tick
ended() { ! kill -0 "$CURL" 2>/dev/null; }
wait_long 20 ended
wait "$CURL" || fail "follow did not end cleanly"
seq_ok || fail "follow skipped or repeated lines: $(cat "$T/follow")"
WATCH_PIDS=$NODE_PID
expect_clean
echo ok
