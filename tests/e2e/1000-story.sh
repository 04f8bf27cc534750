#!/bin/bash
# The seed story through `kubefs up`, as a newcomer walks it: cp of the
# nginx Deployment (with the offline image) and its Service; a
# ReplicaSet, a Pod scheduled to the node, Running, in the Endpoints; the
# page through the ClusterIP and by service name (cluster DNS); scale to
# 3 through @scale; a rolling update by sed -i of the image; kubefs
# rollout undo; rm of the Deployment cascades to everything, and nothing
# of it is left on the host (containers, netns, cgroups, veths, rules).
. "$(dirname "$0")/story-lib.sh"

story_images
story_manifests
story_up
grep -q '^kubefs-proxy  *started' "$T/up.out" || fail "proxy not started: $(cat "$T/up.out")"
grep -q "^cluster DNS  *$DNS_IP" "$T/up.out" || fail "no cluster DNS: $(cat "$T/up.out")"
# cluster DNS is a Service like any other, created by the proxy
wait_long 20 test -e "$MNT/core/v1/services/kube-system/kube-dns"
expect_eq "$(jq -r .spec.clusterIP "$MNT/core/v1/services/kube-system/kube-dns@json")" "$DNS_IP" "kube-dns ClusterIP"
before=$(story_leftovers)
expect_eq "$before" "0 0 0 0 0 0" "before the story"

# cp → a Deployment, a ReplicaSet it owns, a Pod the ReplicaSet owns
cp "$T/deployment.yaml" "$MNT/apps/v1/deployments/"
cp "$T/service.yaml" "$MNT/core/v1/services/"
expect_eq "$(jq -r .spec.template.spec.containers[0].image "$D/nginx@json")" kubefs-httpd:1 "image"
rs_count() { [ "$(ls "$RS" | grep -c '^nginx-')" = "$1" ]; }
wait_for rs_count 1
rs1=$(ls "$RS" | grep '^nginx-')
expect_eq "$(jq -r '.metadata.ownerReferences[0] | .kind + "/" + .name' "$RS/$rs1@json")" Deployment/nginx "ReplicaSet owner"
pod_count() { [ "$(nginx_pods | jq -s length)" = "$1" ]; }
wait_for pod_count 1
pod=$(nginx_pods | jq -r .metadata.name)
expect_eq "$(jq -r '.metadata.ownerReferences[0].name' "$P/$pod@json")" "$rs1" "Pod owner"
# scheduled by kubefs-sched, run by kubefs-node
scheduled() { [ "$(field "$pod" .spec.nodeName)" = n1 ]; }
wait_for scheduled
wait_for has_event "$pod" "Successfully assigned default/$pod to n1"
wait_long 60 running kubefs-httpd:1 1
ip=$(field "$pod" .status.podIP)
# the pod's resolv.conf names the cluster DNS
uid=$(field "$pod" .metadata.uid)
grep -qx "nameserver $DNS_IP" "$ROOT/pods/$uid/resolv.conf" ||
	fail "pod resolv.conf: $(cat "$ROOT/pods/$uid/resolv.conf")"
expect_contains "$(cat "$ROOT/pods/$uid/resolv.conf")" "search default.svc.cluster.local svc.cluster.local cluster.local" "pod search path"
# kubefs-ctrl's Endpoints, kubefs-proxy's rules
wait_for endpoints_match
expect_eq "$(endpoint_ips)" "$ip" "Endpoints"
cip=$(cluster_ip)
wait_long 30 serves "http://$ip/"
wait_long 30 serves "http://$cip/"
story_resolver
wait_long 30 by_name "http://nginx.default.svc.cluster.local/"
by_name "http://nginx/" || fail "curl http://nginx/ (search path) failed"
# the Deployment reports it
avail() { [ "$(jq -r '.status.availableReplicas // 0' "$D/nginx@json")" = "$1" ]; }
wait_for avail 1

# scale to 3
echo 3 > "$D/nginx@scale"
expect_eq "$(jq -r .spec.replicas "$D/nginx@json")" 3 "replicas after @scale"
wait_long 60 running kubefs-httpd:1 3
wait_for endpoints_match
wait_for avail 3
expect_eq "$(endpoint_ips | wc -l)" 3 "endpoints after scale"
for a in $(pod_ips); do
	wait_long 30 serves "http://$a/"
done
wait_long 30 serves "http://$cip/"

# rolling update: sed -i of the image in the tree
set_image kubefs-httpd:1 kubefs-httpd:2
expect_eq "$(jq -r .spec.template.spec.containers[0].image "$D/nginx@json")" kubefs-httpd:2 "image after sed -i"
wait_for rs_count 2
wait_long 90 running kubefs-httpd:2 3
kubefs --mount "$MNT" rollout status deployment/nginx --timeout=60s >"$T/status.out" 2>&1 ||
	fail "rollout status: $(cat "$T/status.out")"
expect_eq "$(tail -n 1 "$T/status.out")" 'deployment "nginx" successfully rolled out' "rollout status"
expect_eq "$(jq -r .spec.replicas "$RS/$rs1@json")" 0 "old ReplicaSet after the update"
wait_for endpoints_match
expect_eq "$(slice_count)" 1 "EndpointSlices of the Service after the update"
wait_long 30 serves "http://$cip/"

# rollout undo: back to kubefs-httpd:1, the first ReplicaSet again
kubefs --mount "$MNT" rollout undo deployment/nginx >"$T/undo.out" 2>&1 ||
	fail "undo: $(cat "$T/undo.out")"
expect_eq "$(cat "$T/undo.out")" "deployment.apps/nginx rolled back" "undo output"
wait_long 90 running kubefs-httpd:1 3
expect_eq "$(jq -r .spec.replicas "$RS/$rs1@json")" 3 "first ReplicaSet after undo"
rs_count 2 || fail "ReplicaSets after undo: $(ls "$RS")"
wait_for endpoints_match
wait_long 30 by_name "http://nginx/"

# rm cascades: ReplicaSets, Pods, Endpoints entries, containers, rules
rm "$D/nginx"
rm "$SVC/nginx"
no_nginx() {
	[ ! -e "$D/nginx" ] && rs_count 0 && pod_count 0 && [ ! -e "$EP/nginx" ]
}
wait_long 90 no_nginx
clean() { [ "$(story_leftovers)" = "$before" ]; }
wait_long 30 clean
expect_eq "$(node_leftovers)" "0 0 0 0" "node leftovers"
serves "http://$cip/" && fail "the ClusterIP still serves after rm"
# the cluster DNS survives the story
[ "$(nft list table ip kubefs | grep -c 'kube-system/kube-dns')" -gt 0 ] ||
	fail "the kube-dns rules went with the story"

KUBEFS_MOUNT=$MNT kubefs down --state "$S" >"$T/down.out" 2>&1 || fail "down: $(cat "$T/down.out")"
grep -q '^kubefs-node  *stopped$' "$T/down.out" || fail "node not stopped cleanly: $(cat "$T/down.out")"
nft list table ip kubefs >/dev/null 2>&1 && fail "the proxy's table is left after down"
echo ok
