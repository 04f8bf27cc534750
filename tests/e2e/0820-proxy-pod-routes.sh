#!/bin/bash
# Pod traffic between nodes: two node network namespaces joined by a veth
# pair, one pod on each. kubefs-proxy --pod-network routes every other
# Node's podCIDR: host-gw (via its InternalIP), then VXLAN (a kubefs.1
# device, encapsulated over the same link). A pod on node A reaches the
# pod on node B; a Node that goes away loses its route.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/08-netlib.inc"
N=$MNT/core/v1/nodes
PROXY_B=

start_fs
mk_node a 10.244.1.1/24
mk_node b 10.244.2.1/24
mk_link a b 192.168.88.1/24 192.168.88.2/24
mk_pod a pa 10.244.1.11/24 10.244.1.1
mk_pod b pb 10.244.2.11/24 10.244.2.1

# Node objects as the node agents would register them
mknode() {
	printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s"},"spec":{"podCIDR":"%s","podCIDRs":["%s"]}}' \
		"$1" "$2" "$2" > "$N/$1"
	printf '{"apiVersion":"v1","kind":"Node","metadata":{"name":"%s"},"status":{"addresses":[{"type":"InternalIP","address":"%s"}]}}' \
		"$1" "$3" > "$N/$1@status"
}
mknode a 10.244.1.0/24 192.168.88.1
mknode b 10.244.2.0/24 192.168.88.2
expect_eq "$(jq -r '.status.addresses[0].address' "$N/b@json")" 192.168.88.2 "node b address"

proxies() { # MODE: one proxy per node namespace
	start_proxy a --pod-network "$1" --min-sync-period 100ms
	PROXY_A=$PROXY_PID
	start_proxy b --pod-network "$1" --min-sync-period 100ms
	PROXY_B=$PROXY_PID
	PROXY_PID="$PROXY_A $PROXY_B"
}
stop_proxies() {
	kill $PROXY_PID
	for p in $PROXY_PID; do wait "$p" || fail "kubefs-proxy $p exited with $?"; done
	PROXY_PID=
}

proxies host-gw
wait_net 20 get pa http://10.244.2.11:8080/
expect_eq "$(get pa http://10.244.2.11:8080/)" pb "pod b from pod a (host-gw)"
expect_eq "$(get pb http://10.244.1.11:8080/)" pa "pod a from pod b (host-gw)"
expect_contains "$(ip -n "$(ns a)" route show 10.244.2.0/24)" "via 192.168.88.2"
stop_proxies

proxies vxlan
on_vxlan() { case $(ip -n "$(ns a)" route show 10.244.2.0/24) in *"dev kubefs.1"*) return 0 ;; esac; return 1; }
wait_net 20 on_vxlan
wait_net 20 get pa http://10.244.2.11:8080/
expect_eq "$(get pa http://10.244.2.11:8080/)" pb "pod b from pod a (vxlan)"
expect_contains "$(ip -n "$(ns b)" -d link show kubefs.1)" "vxlan id 1"

# node b leaves: node a drops its route, and only ours
ip -n "$(ns a)" route add 10.99.0.0/24 via 192.168.88.2
rm "$N/b"
gone() { [ -z "$(ip -n "$(ns a)" route show 10.244.2.0/24)" ]; }
wait_net 20 gone
expect_contains "$(ip -n "$(ns a)" route show 10.99.0.0/24)" "via 192.168.88.2" "a route that is not ours"
stop_proxies
echo ok
