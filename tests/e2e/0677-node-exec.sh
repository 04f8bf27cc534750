#!/bin/bash
# kubefs exec through the node agent's endpoint: a command in a running
# container (its namespaces: the pod's hostname, the container's files),
# stdout and stderr apart, stdin with -i, the exit code as ours, and
# kubectl's sentences for what cannot run.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
ensure_user kf-viewer >/dev/null
node_setup
chmod 755 "$T" # let the user reach the mount

cat > "$P/box" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: box}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 1
  containers:
  - {name: a, image: busybox, command: [sh, -c, "echo in-a | tee /tmp/mark; exec sleep 300"]}
  - {name: b, image: busybox, command: [sleep, "300"]}
YAML
wait_long 30 is_phase box Running
k() { kubefs --mount "$MNT" "$@"; }
marked() { k exec box -c a -- cat /tmp/mark | qgrep in-a; }
wait_long 20 marked
expect_eq "$(k exec box -c a -- hostname)" box "the pod's hostname"
expect_eq "$(k exec box -c b -- cat /tmp/mark 2>&1)" "cat: can't open '/tmp/mark': No such file or directory
command terminated with exit code 1" "another container's files are its own"
expect_eq "$(k exec box -c a -- sh -c 'echo out; echo err >&2' 2>/dev/null)" out "stdout"
expect_eq "$(k exec box -c a -- sh -c 'echo out; echo err >&2' 2>&1 >/dev/null)" err "stderr"
expect_eq "$(printf 'one\ntwo\n' | k exec -i box -c a -- wc -l)" 2 "stdin with -i"
expect_eq "$(k exec box -c a -- sh -c 'echo "$0 $1"' x 'a b&c=d')" "x a b&c=d" "arguments as given"
rc=0
k exec box -c a -- sh -c 'exit 7' 2>"$T/err" || rc=$?
expect_eq "$rc" 7 "the command's exit code"
expect_eq "$(cat "$T/err")" "command terminated with exit code 7" "exit message"
expect_eq "$(k exec box -c zz -- true 2>&1)" 'error: unable to upgrade connection: container not found ("zz")' "unknown container"
expect_eq "$(k exec nosuch -- true 2>&1)" 'Error from server (NotFound): pods "nosuch" not found' "unknown pod"
expect_eq "$(k exec box -c a true 2>&1 | sed -n 1p)" \
	"error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead" "no --"
k exec box -- true 2>"$T/err" || fail "exec in the default container"
expect_eq "$(cat "$T/err")" 'Defaulted container "a" out of: a, b' "defaulted container"

# who may exec: who may read the node's token (Secret in kube-system);
# a viewer of the namespace reads logs through the API server, no exec
printf 'roleRef: {kind: ClusterRole, name: view}\nsubjects: [{kind: User, name: kf-viewer}]\n' |
	kfwrite "$MNT/rbac.authorization.k8s.io/v1/rolebindings/default/viewer" >/dev/null
viewer() { setpriv --reuid="$(id -u kf-viewer)" --regid="$(id -g kf-viewer)" --clear-groups "$@"; }
expect_eq "$(viewer cat "$P/box@log.a")" in-a "a viewer reads the log"
rc=0
viewer kubefs --mount "$MNT" exec box -c a -- true 2>"$T/err" || rc=$?
expect_eq "$rc" 1 "a viewer cannot exec"
expect_contains "$(cat "$T/err")" 'secrets "kubefs-node-endpoint-n1" is forbidden' "why a viewer cannot exec"

# an agent that stops ends its execs (SIGTERM through runc, SIGKILL
# later): the command is killed and says so
k exec box -c a -- sh -c 'exec sleep 30$((0 + 1))' >/dev/null 2>"$T/err" &
EX=$!
WATCH_PIDS="$NODE_PID $EX"
# the command in the container (not this client, whose words differ)
execing() { pgrep -f '^sleep 301$' >/dev/null; }
wait_long 20 execing
stop_node
ended() { ! kill -0 "$EX" 2>/dev/null; }
wait_long 30 ended
rc=0
wait "$EX" || rc=$?
[ "$rc" -gt 128 ] || fail "exec cut by the agent's stop: exit code $rc"
expect_eq "$(cat "$T/err")" "command terminated with exit code $rc" "exec cut message"
start_node

rm "$P/box"
wait_long 30 gone box
expect_clean
echo ok
