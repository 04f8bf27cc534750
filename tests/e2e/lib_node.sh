# Sourced by the node agent's e2e scripts (tests/e2e/06*) after lib.sh.
#
#   start_node [FLAGS]  a kubefs-node on the cluster logging to
#                       $T/node.log; NODE_PID (checked at exit: it must
#                       stop 0 on SIGTERM)
#   stop_node PID       SIGTERM; the exit status must be 0, and it must
#                       stop within $E2E_WAIT_SECONDS (else SIGKILL, fail)
NODE_PIDS=

start_node() {
	start_daemon node kubefs-node --cluster "$MNT" "$@"
	NODE_PID=$DAEMON_PID
	NODE_PIDS="$NODE_PIDS $NODE_PID"
}

stop_node() {
	forget_daemon "$1"
	_reap "$1" TERM || fail "kubefs-node $1 did not stop on SIGTERM"
	[ "$REAP_RC" -eq 0 ] ||
		fail "kubefs-node $1 exited with $REAP_RC on SIGTERM"
	NODE_PIDS=${NODE_PIDS/ $1/}
}
