# Sourced by the node agent's e2e scripts (tests/e2e/06*) after lib.sh.
#
#   start_node [FLAGS]  a kubefs-node on the cluster logging to
#                       $T/node.log; NODE_PID (checked at exit: it must
#                       stop 0 on SIGTERM)
#   stop_node PID       SIGTERM; the exit status must be 0
NODE_PIDS=

start_node() {
	start_daemon node kubefs-node --cluster "$MNT" "$@"
	NODE_PID=$DAEMON_PID
	NODE_PIDS="$NODE_PIDS $NODE_PID"
}

stop_node() {
	forget_daemon "$1"
	kill -TERM "$1"
	wait "$1" || fail "kubefs-node $1 exited with $? on SIGTERM"
	NODE_PIDS=${NODE_PIDS/ $1/}
}
