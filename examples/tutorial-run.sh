#!/bin/bash
# Runs the commands of docs/tutorial.md and prints each with its real
# output, as the tutorial shows them: `$ COMMAND` then what it printed.
# The cluster is a private one (temporary state and mount, inside a
# network namespace of its own, as tests/e2e/1000-story.sh runs it);
# in the printout its paths read as the defaults a `make up` cluster
# uses (/mnt/cluster, /var/lib/kubefs). Run as root from the source
# tree, after `make`:   examples/tutorial-run.sh > transcript.md
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${TUTORIAL_NETNS:-}" ]; then
	ns=kft$$
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add eth0 type veth peer name eth1
	ip -n "$ns" addr add 192.0.2.2/24 dev eth0
	ip -n "$ns" link set eth1 up
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default dev eth0
	rc=0
	TUTORIAL_NETNS=$ns nsenter --net="/run/netns/$ns" bash "$0" || rc=$?
	ip netns del "$ns"
	exit $rc
fi

W=$(mktemp -d /tmp/kubefs-tutorial.XXXXXX)
M=$W/mnt S=$W/state
export PATH=$src/bin:$PATH KUBEFS_MOUNT=$M KUBEFS_NODE_ROOT_DIR=$S/node
INW=
finish() {
	[ -n "$INW" ] && kill "$INW" 2>/dev/null
	kubefs down --state "$S" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap finish EXIT
mkdir -p "$W/work"
cd "$W/work"
ln -s "$src/examples" examples

# paths as a default cluster shows them
tidy() { sed -e "s|$M|/mnt/cluster|g" -e "s|$S|/var/lib/kubefs|g" -e "s|$W/work/||g"; }
# step COMMAND: print it, run it, print its output
step() {
	echo '```'
	echo "\$ $*" | tidy
	eval "$@" 2>&1 | tidy || true
	echo '```'
}
note() { echo; echo "$*"; echo; }
until_ok() {
	for _ in $(seq 1 600); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "timed out: $1" >&2
	exit 1
}
pods_running() {
	[ "$(kubefs get pods --no-headers 2>/dev/null | grep -c " Running ")" = "$1" ] &&
		[ "$(kubefs get pods --no-headers 2>/dev/null | wc -l)" = "$1" ]
}

note "## make up"
"$src/examples/local-image.sh" "$src/bin" "$S/node" >/dev/null
echo '```'
echo '$ kubefs up'
kubefs --mount "$M" up --state "$S" --node-name node-1 2>&1 | tidy
echo '```'
until_ok "[ \"\$(jq -r '.status.conditions[] | select(.type == \"Ready\") | .status' $M/core/v1/nodes/node-1@json)\" = True ]"
step ls "$M"
step kubefs get nodes
step kubefs image ls

note "## The image"
step "sed 's|image: .*|image: kubefs-httpd:1|' examples/deployment.yaml > deployment.yaml"
step diff examples/deployment.yaml deployment.yaml "|| true"

note "## cp"
inotifywait -q -m -e create,delete,moved_to "$M/apps/v1/deployments/default" \
	"$M/apps/v1/replicasets/default" "$M/core/v1/pods/default" >"$W/inotify.out" 2>&1 &
INW=$!
sleep 0.5
step cp deployment.yaml "$M/apps/v1/deployments/"
until_ok "pods_running 1"
step ls "$M/apps/v1/replicasets/default" "$M/core/v1/pods/default"
kill "$INW"; wait "$INW" 2>/dev/null || true; INW=
echo '```'
echo '$ inotifywait -m -e create,delete,moved_to /mnt/cluster/apps/v1/deployments/default /mnt/cluster/apps/v1/replicasets/default /mnt/cluster/core/v1/pods/default'
tidy <"$W/inotify.out"
echo '```'
pod=$(ls "$M/core/v1/pods/default" | grep '^nginx-' | head -1)
step kubefs get deployments
step kubefs get replicasets
step kubefs get pods -o wide
step "jq '{nodeName: .spec.nodeName, phase: .status.phase, podIP: .status.podIP}' $M/core/v1/pods/default/$pod@json"
step kubefs describe pod "$pod" "| sed -n '/^Events:/,\$p'"
step kubefs get events

note "## Service"
step cp examples/service.yaml "$M/core/v1/services/"
until_ok "[ -n \"\$(jq -r '.subsets[0].addresses[0].ip // empty' $M/core/v1/endpoints/default/nginx@json)\" ]"
step kubefs get services,endpoints
cip=$(jq -r .spec.clusterIP "$M/core/v1/services/default/nginx@json")
until_ok "curl -sf -m 2 http://$cip/"
step curl -s "http://$cip/"
step "nft list table ip kubefs | grep -B1 -A3 'chain service-.*default/nginx'"
step busybox nslookup nginx.default.svc.cluster.local 10.96.0.10
uid=$(jq -r .metadata.uid "$M/core/v1/pods/default/$pod@json")
step cat "$S/node/pods/$uid/resolv.conf"
ctr=$(runc --root "$S/node/runc" list -q | head -1)
step runc --root "$S/node/runc" exec "$ctr" wget -qO- http://nginx/

note "## scale"
step "echo 3 > $M/apps/v1/deployments/default/nginx@scale"
until_ok "pods_running 3"
step kubefs get pods -o wide
step kubefs get endpoints nginx

note "## rolling update"
step sed -i "'s|kubefs-httpd:1|kubefs-httpd:2|'" "$M/apps/v1/deployments/default/nginx"
step kubefs rollout status deployment/nginx --timeout=120s
step kubefs get replicasets
step kubefs rollout history deployment/nginx

note "## undo"
step kubefs rollout undo deployment/nginx
step kubefs rollout status deployment/nginx --timeout=120s
step kubefs get replicasets
step "kubefs get pods -o jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}{.spec.containers[0].image}{\"\\n\"}{end}'"

note "## rm"
step rm "$M/apps/v1/deployments/default/nginx"
until_ok "[ -z \"\$(ls $M/core/v1/pods/default)\" ]"
step ls "$M/apps/v1/replicasets/default" "$M/core/v1/pods/default"
step runc --root "$S/node/runc" list
step rm "$M/core/v1/services/default/nginx"

note "## down"
echo '```'
echo '$ kubefs down'
kubefs down --state "$S" 2>&1 | tidy
echo '```'
