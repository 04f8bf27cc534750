# Sourced by the tests/e2e/07xx-ctrl-*.sh scripts after lib.sh: a cluster
# with fake nodes, the scheduler and the controllers, and helpers to look
# at Deployments, ReplicaSets and pods.
CTRL_PIDS=
D=$MNT/apps/v1/deployments/default
RS=$MNT/apps/v1/replicasets/default
P=$MNT/core/v1/pods/default

fail() {
	echo "FAIL: $*" >&2
	local f
	for f in ctrl sched node fs; do
		[ -f "$T/$f.log" ] && { echo "--- kubefs-$f log (tail)" >&2; tail -n 25 "$T/$f.log" >&2; }
	done
	exit 1
}

# bg LOGNAME CMD...: run a component in the background, remembered for
# cleanup (lib.sh kills WATCH_PIDS).
bg() {
	local log=$1
	shift
	"$@" >>"$T/$log.log" 2>&1 &
	LAST_PID=$!
	CTRL_PIDS="$CTRL_PIDS $LAST_PID"
	WATCH_PIDS=$CTRL_PIDS
}

# start_cluster NODES: fs, NODES fake nodes (n0, n1, ...), scheduler,
# controllers.
start_cluster() {
	start_fs
	bg node kubefs-node --cluster "$MNT" --fake --count "$1" --name-prefix n
	NODE_PID=$LAST_PID
	bg sched kubefs-sched --cluster "$MNT"
	bg ctrl kubefs-ctrl --cluster "$MNT"
	CTRL_PID=$LAST_PID
}

# stop_pid PID: SIGTERM, and the exit status must be 0
stop_pid() {
	kill -TERM "$1"
	wait "$1" || fail "process $1 exited with $? on SIGTERM"
	CTRL_PIDS=${CTRL_PIDS/ $1/}
	WATCH_PIDS=$CTRL_PIDS
}

# jqf FILE FILTER: a field of an object, "" when absent (or the object
# is gone: never a failing status, which set -e would turn into an exit)
jqf() { jq -r "$2 // \"\"" "$1@json" 2>/dev/null || true; }

# running_pods SELECTOR: names of Running, not terminating pods matching
running_pods() {
	local f
	for f in "$P"/*; do
		[ -e "$f" ] && cat "$f@json"
	done 2>/dev/null | jq -r --arg sel "$1" '
		select(.metadata.deletionTimestamp == null and
		       .status.phase == "Running") |
		select([.metadata.labels | to_entries[] |
			.key + "=" + .value] | index($sel) != null) |
		.metadata.name' | sort
}

count_running() { running_pods "$1" | wc -l; }

# available NAME N: the Deployment reports N available of N updated
available() {
	[ "$(jqf "$D/$1" .status.availableReplicas)" = "$2" ] &&
		[ "$(jqf "$D/$1" .status.updatedReplicas)" = "$2" ] &&
		[ "$(jqf "$D/$1" .status.replicas)" = "$2" ] &&
		[ "$(jqf "$D/$1" .status.observedGeneration)" = "$(jqf "$D/$1" .metadata.generation)" ]
}

# wait_long CMD...: retry a command for up to 60 s
wait_long() {
	for _ in $(seq 1 600); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	fail "timed out waiting for: $*"
}

has_event() {
	local f
	for f in "$MNT"/core/v1/events/default/*; do
		[ -e "$f" ] && cat "$f@json"
	done | jq -r --arg n "$1" 'select(.involvedObject.name == $n) |
		.type + " " + .reason + ": " + .message' | grep -qF "$2"
}

# wait_eq 'COMMAND' VALUE: retry until COMMAND's output is VALUE (60 s)
eq_now() { [ "$(eval "$1")" = "$2" ]; }
wait_eq() {
	for _ in $(seq 1 600); do
		eq_now "$1" "$2" && return 0
		sleep 0.1
	done
	fail "timed out waiting for '$1' to be '$2' (it is '$(eval "$1")')"
}

# revision FILE: the deployment.kubernetes.io/revision annotation
revision() { jqf "$1" '.metadata.annotations["deployment.kubernetes.io/revision"]'; }
# progressing NAME: the reason of the Deployment's Progressing condition
progressing() { jqf "$D/$1" '.status.conditions[] | select(.type == "Progressing") | .reason'; }
rs_count() { ls "$RS" | wc -l | tr -d ' '; }
