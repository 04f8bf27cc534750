#!/bin/bash
# The seed story survives kill -9 of each component in turn, in the middle
# of it: kubefs-ctrl before a scale, kubefs-sched before a rolling update,
# kubefs-node and kubefs-proxy with pods running, kubefs-fs before the
# rollback. Each time `kubefs up` starts again only the dead one; the
# story completes with exactly the pods asked for (no duplicates, same
# pods kept across the node's restart), and after rm nothing is left
# (containers, netns, cgroups, veths, pod dirs, rules).
. "$(dirname "$0")/story-lib.sh"

pid_of() { cat "$S/run/$1.pid"; }
gone_pid() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
# kill9 NAME: kill -9 the component, wait until it is dead
kill9() {
	local pid
	pid=$(pid_of "$1")
	kill -9 "$pid"
	wait_for gone_pid "$pid"
}
# restart NAME: kubefs up starts it again, and only it
restart() {
	kubefs --mount "$MNT" up --state "$S" --nodes 1 --node-name n1 \
		--pod-cidr "$POD_CIDR" >"$T/up.out" 2>&1 || fail "kubefs up: $(cat "$T/up.out")"
	grep -q "^$1  *died (pid [0-9]*, found dead .*), started again$" "$T/up.out" ||
		fail "up did not restart $1: $(cat "$T/up.out")"
	[ "$(grep -c 'started again$' "$T/up.out")" = 1 ] ||
		fail "up restarted more than $1: $(cat "$T/up.out")"
}
uids() { nginx_pods | jq -r .metadata.uid | sort; }

story_images
story_manifests
story_up
before=$(story_leftovers)
cp "$T/deployment.yaml" "$MNT/apps/v1/deployments/"
cp "$T/service.yaml" "$MNT/core/v1/services/"
wait_long 60 running kubefs-httpd:1 1
cip=$(cluster_ip)
wait_long 30 serves "http://$cip/"

# the controllers die; the scale waits for their return
kill9 kubefs-ctrl
echo 3 > "$D/nginx@scale"
restart kubefs-ctrl
wait_long 60 running kubefs-httpd:1 3

# the scheduler dies; the update's new pods wait for it
kill9 kubefs-sched
set_image kubefs-httpd:1 kubefs-httpd:2
restart kubefs-sched
wait_long 90 running kubefs-httpd:2 3
wait_for endpoints_match
wait_long 30 serves "http://$cip/"

# the node agent dies: its containers run on; the new agent adopts them
pods1=$(uids)
kill9 kubefs-node
serves "http://$cip/" || fail "the pods stopped serving with the node agent"
restart kubefs-node
wait_long 30 node_ready n1
wait_long 60 running kubefs-httpd:2 3
expect_eq "$(uids)" "$pods1" "the pods after the node agent's restart"
expect_eq "$(runc --root "$ROOT/runc" list -q | grep -c .)" 3 "containers after the node agent's restart"

# the proxy dies: its rules stay; the new one follows a scale down
old_dns=$(pgrep -x dnsmasq -P "$(pid_of kubefs-proxy)") || fail "no dnsmasq under the proxy"
kill9 kubefs-proxy
serves "http://$cip/" || fail "the ClusterIP stopped with the proxy"
restart kubefs-proxy
# the new proxy stops the dnsmasq the old one left, and starts its own
wait_for gone_pid "$old_dns"
dnsmasqs() { [ "$(pgrep -c -x dnsmasq -P "$(pid_of kubefs-proxy)" 2>/dev/null)" = 1 ]; }
wait_long 30 dnsmasqs
story_resolver
wait_long 30 by_name "http://nginx/"
echo 2 > "$D/nginx@scale"
wait_long 60 running kubefs-httpd:2 2
wait_for endpoints_match
rule_eps() { nft list table ip kubefs | grep -A3 'chain service-.*default/nginx' | grep -o 'numgen random mod [0-9]*' | head -1; }
two_rules() { [ "$(rule_eps)" = "numgen random mod 2" ]; }
wait_long 30 two_rules
wait_long 30 serves "http://$cip/"

# the API server dies: the mount is dead until up mounts it again
kill9 kubefs-fs
restart kubefs-fs
expect_eq "$(cat "$MNT/healthz")" ok "healthz after the restart"
kubefs --mount "$MNT" rollout undo deployment/nginx >"$T/undo.out" 2>&1 ||
	fail "undo: $(cat "$T/undo.out")"
wait_long 90 running kubefs-httpd:1 2
wait_for endpoints_match
wait_long 30 serves "http://$cip/"

# the end of the story: nothing left
rm "$D/nginx" "$SVC/nginx"
no_nginx() {
	[ ! -e "$D/nginx" ] && [ -z "$(ls "$RS" | grep '^nginx-')" ] &&
		[ -z "$(nginx_pods)" ] && [ ! -e "$EP/nginx" ]
}
wait_long 90 no_nginx
clean() { [ "$(story_leftovers)" = "$before" ]; }
wait_long 30 clean
KUBEFS_MOUNT=$MNT kubefs down --state "$S" >"$T/down.out" 2>&1 || fail "down: $(cat "$T/down.out")"
grep -q '^kubefs-node  *stopped$' "$T/down.out" || fail "node not stopped cleanly: $(cat "$T/down.out")"
echo ok
