#!/bin/bash
# UDP through a Service keeps no dead backend: a client that keeps its
# source port (one conntrack entry) first reaches pod p1; when p1's
# endpoint goes (p1 itself still answers), kubefs-proxy deletes the
# entry and the next datagram reaches p2; when the last endpoint goes and
# a new one comes, the client reaches the new one; when the endpoint
# changes while the proxy is down, the next proxy deletes the entry.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/08-netlib.inc"
command -v conntrack >/dev/null || skip "conntrack is not installed"
command -v kfudp >/dev/null || skip "kfudp is not built"
S=$MNT/core/v1/services/default
E=$MNT/discovery.k8s.io/v1/endpointslices/default

start_fs
mk_node node 10.244.1.1/24
mk_pod node p1 10.244.1.11/24 10.244.1.1
mk_pod node p2 10.244.1.12/24 10.244.1.1
mk_pod node p3 10.244.1.13/24 10.244.1.1
mk_pod node cli 10.244.1.20/24 10.244.1.1
for p in p1 p2 p3; do
	# not through a function: $! must be the server itself
	ip netns exec "$(ns "$p")" kfudp serve 5353 "$p" </dev/null >/dev/null 2>&1 &
	NET_PIDS="$NET_PIDS $!"
done
cat > "$S/echo" <<YAML
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  ports: [{name: u, port: 53, targetPort: 5353, protocol: UDP}]
YAML
CIP=$(jq -r .spec.clusterIP "$S/echo@json")
udp_slice() { slice echo-1 echo u 5353 "$1" | sed 's/"protocol":"TCP"/"protocol":"UDP"/'; }
udp_slice "10.244.1.11:true" > "$E/echo-1"

# reaches POD: one datagram from the client's fixed source port
reaches() { [ "$(in_ns cli kfudp ask "$CIP" 53 40053)" = "$1" ]; }

start_proxy node --cluster-cidr 10.244.0.0/16 --min-sync-period 100ms
wait_net 20 reaches p1
entries=$(in_ns node conntrack -L -p udp --orig-dst "$CIP" 2>/dev/null)
expect_contains "$entries" "src=10.244.1.11" "conntrack entry to p1"

# p1 no longer an endpoint, p2 is: the entry to p1 goes
udp_slice "10.244.1.11:false 10.244.1.12:true" > "$E/echo-1@json"
wait_net 20 reaches p2
reaches p2 || fail "p2 answered once, then not"

# the last endpoint goes, then p3 comes: the client reaches p3
udp_slice "10.244.1.12:false" > "$E/echo-1@json"
no_answer() { ! reaches p2; }
wait_net 20 no_answer
udp_slice "10.244.1.13:true" > "$E/echo-1@json"
wait_net 20 reaches p3

# the endpoint changes while the proxy is down: the new proxy deletes
# the client's entry to p3 at start (nothing earlier to compare with)
stop_proxy
udp_slice "10.244.1.11:true" > "$E/echo-1@json"
reaches p3 || fail "the entry to p3 did not outlive the proxy"
start_proxy node --cluster-cidr 10.244.0.0/16 --min-sync-period 100ms
wait_net 20 reaches p1
stop_proxy
echo ok
