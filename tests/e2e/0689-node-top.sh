#!/bin/bash
# Resource metrics from cgroups: the agent writes metrics.k8s.io/v1beta1
# PodMetrics and NodeMetrics (as metrics-server serves them), kubefs top
# reads them: a busy loop under a CPU limit uses CPU up to its limit, an
# idle pod next to none, 24 MiB in /dev/shm count in the working set; a
# deleted pod's PodMetrics goes with it, also across an agent restart.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
ensure_user kf-viewer >/dev/null
node_setup --metric-resolution 1s
chmod 755 "$T" # let the user reach the mount
# pod NAME CPU-LIMIT COMMAND: a busybox pod with that CPU limit
pod() {
	printf '%s\n' "apiVersion: v1" "kind: Pod" "metadata: {name: $1, labels: {app: $1}}" "spec:" \
		"  nodeName: n1" "  terminationGracePeriodSeconds: 1" \
		"  containers: [{name: main, image: busybox, command: [sh, -c, '$3'], resources: {limits: {cpu: $2, memory: 100Mi}}}]" \
		>"$P/$1"
}
pod burn 300m 'while :; do :; done'
pod idle 300m 'exec sleep 300'
pod mem 300m 'dd if=/dev/zero of=/dev/shm/x bs=1M count=24 2>/dev/null; exec sleep 300'
for p in burn idle mem; do wait_long 30 is_phase $p Running; done

k() { kubefs --mount "$MNT" "$@"; }
# top pod's columns for NAME: "CPU MEMORY" as numbers (m, Mi)
usage() { k top pod 2>/dev/null | awk -v n="$1" '$1 == n {sub("m", "", $2); sub("Mi", "", $3); print $2, $3}'; }
listed() { [ -n "$(usage burn)" ] && [ -n "$(usage idle)" ] && [ -n "$(usage mem)" ]; }
wait_long 60 listed
# a busy loop, once it has had a window of its own
busy() { set -- $(usage burn); [ "$1" -ge 50 ]; }
wait_long 60 busy
set -- $(usage burn)
[ "$1" -le 400 ] || fail "burn uses more than its 300m limit: ${1}m"
set -- $(usage idle)
[ "$1" -lt 50 ] || fail "idle uses ${1}m"
shm() { set -- $(usage mem); [ "$2" -ge 24 ]; }
wait_long 30 shm

PM=$MNT/metrics.k8s.io/v1beta1/pods/default
expect_eq "$(jq -r '[.kind, .containers[0].name, .metadata.labels.app, .metadata.ownerReferences[0].uid] | join(" ")' "$PM/burn@json")" \
	"PodMetrics main burn $(field burn .metadata.uid)" "PodMetrics object"
jq -r .window "$PM/burn@json" | qgrep -E '^[0-9.]+m?s$' || fail "window: $(jq -r .window "$PM/burn@json")"
k top node | qgrep -E '^n1 +[0-9]+m +[0-9]+Mi$' || fail "top node: $(k top node 2>&1)"
# a namespace viewer reads them (view aggregates metrics-server's reader)
printf 'roleRef: {kind: ClusterRole, name: view}\nsubjects: [{kind: User, name: kf-viewer}]\n' |
	kfwrite "$MNT/rbac.authorization.k8s.io/v1/rolebindings/default/viewer" >/dev/null
setpriv --reuid="$(id -u kf-viewer)" --regid="$(id -g kf-viewer)" --clear-groups \
	kubefs --mount "$MNT" top pod burn | qgrep -E '^burn +[0-9]+m' || fail "a viewer's top pod"

# across an agent restart: the PodMetrics of a pod deleted meanwhile
# goes, so does one whose pod does not exist; a running pod's stays
stop_node
rm "$P/idle" # graceful: it waits for the agent
printf '%s\n' "apiVersion: metrics.k8s.io/v1beta1" "kind: PodMetrics" \
	"metadata: {name: ghost}" "containers: []" >"$PM/ghost"
start_node --metric-resolution 1s
wait_long 30 gone idle
swept() { [ ! -e "$PM/idle" ] && [ ! -e "$PM/ghost" ]; }
wait_long 30 swept
[ -e "$PM/burn" ] || fail "a running pod's PodMetrics went at the restart"

rm "$P/burn" "$P/mem"
for p in burn mem; do wait_long 30 gone $p; done
no_metrics() { [ -z "$(ls "$PM")" ]; }
wait_long 30 no_metrics
expect_clean
echo ok
