#!/bin/bash
# A real node agent killed for good: two kubefs-node agents on this
# machine (different names, root dirs, bridges and pod CIDRs, one network
# namespace), the seed Deployment (2 replicas, an unreachable toleration
# of 2 s) spread over them behind its Service. kill -9 of agent n2: its
# Node goes Ready=Unknown (NodeNotReady), its pods are evicted and
# replaced on n1, and the ClusterIP serves from n1 alone. The evicted pods
# stay Terminating on the dead node until forced out, as in Kubernetes;
# the dead agent's containers are the operator's to remove (they were
# left running, as a kubelet that died leaves them).
. "$(dirname "$0")/story-lib.sh"
ROOT2=$T/root2
POD_CIDR2=$(free_pod_cidr)
[ "$POD_CIDR2" != "$POD_CIDR" ] || POD_CIDR2=$(free_pod_cidr)
N2_PID=
n2_cleanup() {
	local rc=$? c
	set +e
	[ -n "$N2_PID" ] && kill -TERM "$N2_PID" 2>/dev/null && wait "$N2_PID" 2>/dev/null
	for c in "$ROOT2"/runc/*; do
		[ -d "$c" ] && runc --root "$ROOT2/runc" delete -f "$(basename "$c")" >/dev/null 2>&1
	done
	grep -F " $ROOT2/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	# and the pod cgroups its dead agent can no longer remove
	br2=$(ip -o -4 addr show | awk -v g="${POD_CIDR2%.0/24}.1/24" '$4 == g {print $2}')
	case "$br2" in kfb*)
		find /sys/fs/cgroup/*/"kubefs-${br2#kfb}" -depth -type d 2>/dev/null |
			while read -r d; do rmdir "$d" 2>/dev/null; done ;;
	esac
	(exit "$rc")
	node_cleanup
}
trap n2_cleanup EXIT

story_images
"$E2E_SRC/examples/local-image.sh" "$KUBEFS_BIN" "$ROOT2" >/dev/null 2>&1 || fail "images on n2"
story_manifests
# the controllers notice a lost node in seconds, not the default 40
start_fs
start_daemon sched kubefs-sched --cluster "$MNT"
start_daemon ctrl kubefs-ctrl --cluster "$MNT" --node-monitor-grace-period 3s --node-monitor-period 1s
start_daemon proxy kubefs-proxy --cluster "$MNT" --hostname-override n1 --min-sync-period 0
PROXY_PID=$DAEMON_PID
start_node --node-lease-duration-seconds 4
kubefs-node --cluster "$MNT" --name n2 --root-dir "$ROOT2" --pod-cidr "$POD_CIDR2" \
	--port "$(free_port)" --node-lease-duration-seconds 4 >>"$T/node2.log" 2>&1 &
N2_PID=$!
wait_long 30 node_ready n2

# 2 replicas with a short unreachable toleration, spread over n1 and n2
sed -i 's|^  replicas: 1|  replicas: 2|' "$T/deployment.yaml"
cat >>"$T/deployment.yaml" <<'YAML'
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: nginx}}}
YAML
cp "$T/deployment.yaml" "$MNT/apps/v1/deployments/"
cp "$T/service.yaml" "$MNT/core/v1/services/"
wait_long 60 running kubefs-httpd:1 2
on_node() {
	nginx_pods | jq -r --arg n "$1" 'select(.spec.nodeName == $n and
		.metadata.deletionTimestamp == null and .status.phase == "Running") |
		.metadata.name' | grep -c . || true
}
expect_eq "$(on_node n1) $(on_node n2)" "1 1" "pods on n1 and n2"
cip=$(cluster_ip)
wait_for endpoints_match
wait_long 30 serves "http://$cip/"

# n2's agent dies for good
kill -KILL "$N2_PID"
wait "$N2_PID" 2>/dev/null || true
N2_PID=
ready_reason() { jq -r '.status.conditions[] | select(.type == "Ready") | .status + "/" + .reason' "$MNT/core/v1/nodes/$1@json"; }
is_unknown() { [ "$(ready_reason n2)" = Unknown/NodeStatusUnknown ]; }
wait_long 60 is_unknown
wait_for has_event n2 "Node n2 status is now: NodeNotReady"
expect_eq "$(ready_reason n1)" True/KubeletReady "the live node"
# replaced on n1: two Running there, the old one Terminating on n2
two_on_n1() { [ "$(on_node n1)" = 2 ]; }
wait_long 90 two_on_n1
n1_ips() {
	nginx_pods | jq -r 'select(.spec.nodeName == "n1" and .metadata.deletionTimestamp == null) | .status.podIP' | sort
}
eps_n1() { [ "$(endpoint_ips)" = "$(n1_ips)" ]; }
wait_for eps_n1
for _ in 1 2 3 4 5 6; do
	wait_long 30 serves "http://$cip/"
done
stuck=$(nginx_pods | jq -r 'select(.spec.nodeName == "n2") | .metadata.name')
[ -n "$stuck" ] || fail "no pod left on the dead node"
for p in $stuck; do
	[ -n "$(field "$p" .metadata.deletionTimestamp)" ] || fail "$p is not terminating"
	kubefs --mount "$MNT" delete pod "$p" --grace-period=0 --force >"$T/force.out" 2>&1 ||
		fail "force delete: $(cat "$T/force.out")"
done
expect_eq "$(nginx_pods | jq -s length)" 2 "pods after the forced delete"

rm "$D/nginx" "$SVC/nginx"
no_nginx() { [ -z "$(nginx_pods)" ] && [ ! -e "$D/nginx" ]; }
wait_long 90 no_nginx
expect_clean
echo ok
