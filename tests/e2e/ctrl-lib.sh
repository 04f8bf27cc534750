# Sourced by the tests/e2e/07xx-ctrl-*.sh scripts after lib.sh: a cluster
# with fake nodes, the scheduler and the controllers, and helpers to look
# at Deployments, ReplicaSets and pods.
D=$MNT/apps/v1/deployments/default
RS=$MNT/apps/v1/replicasets/default
P=$MNT/core/v1/pods/default

# start_cluster NODES: fs, NODES fake nodes (n0, n1, ...), scheduler,
# controllers.
# Daemons are lib.sh's (start_daemon): each must stop 0 on SIGTERM at
# exit, and their logs are read for sanitizer reports.
start_cluster() {
	start_fs
	start_daemon node kubefs-node --cluster "$MNT" --fake --count "$1" --name-prefix n
	NODE_PID=$DAEMON_PID
	start_daemon sched kubefs-sched --cluster "$MNT"
	start_daemon ctrl kubefs-ctrl --cluster "$MNT"
	CTRL_PID=$DAEMON_PID
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

# wait_long CMD...: wait_for with twice its bound (rollouts take a while)
wait_long() { E2E_WAIT_SECONDS=$((E2E_WAIT_SECONDS * 2)) wait_for "$@"; }

has_event() {
	local f
	for f in "$MNT"/core/v1/events/default/*; do
		[ -e "$f" ] && cat "$f@json"
	done | jq -r --arg n "$1" 'select(.involvedObject.name == $n) |
		.type + " " + .reason + ": " + .message' | qgrep -F "$2"
}

# wait_eq 'COMMAND' VALUE: retry until COMMAND's output is VALUE (twice
# wait_for's bound)
eq_now() { [ "$(eval "$1")" = "$2" ]; }
wait_eq() {
	local end=$((SECONDS + 2 * E2E_WAIT_SECONDS))
	while [ $SECONDS -lt $end ]; do
		eq_now "$1" "$2" && return 0
		sleep 0.1
	done
	eq_now "$1" "$2" ||
		fail "timed out waiting for '$1' to be '$2' (it is '$(eval "$1")')"
}

# revision FILE: the deployment.kubernetes.io/revision annotation
revision() { jqf "$1" '.metadata.annotations["deployment.kubernetes.io/revision"]'; }
# progressing NAME: the reason of the Deployment's Progressing condition
progressing() { jqf "$D/$1" '.status.conditions[] | select(.type == "Progressing") | .reason'; }
rs_count() { ls "$RS" | wc -l | tr -d ' '; }
