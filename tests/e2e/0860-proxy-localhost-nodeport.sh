#!/bin/bash
# kubefs-proxy --localhost-nodeports: a NodePort answers on
# 127.0.0.1:NODEPORT from the node itself (route_localnet set by the
# proxy, the connection masqueraded to leave the node), a NodePort
# without endpoints is refused there at once; without the flag, nothing
# answers on 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/08-netlib.inc"
S=$MNT/core/v1/services/default
E=$MNT/discovery.k8s.io/v1/endpointslices/default

start_fs
mk_node node 10.244.1.1/24
mk_pod node p1 10.244.1.11/24 10.244.1.1
for s in web empty; do
	cat > "$S/$s" <<YAML
apiVersion: v1
kind: Service
metadata: {name: $s}
spec:
  type: NodePort
  ports: [{name: http, port: 80, targetPort: 8080}]
YAML
done
NP=$(jq -r '.spec.ports[0].nodePort' "$S/web@json")
ENP=$(jq -r '.spec.ports[0].nodePort' "$S/empty@json")
slice web-1 web http 8080 "10.244.1.11:true" > "$E/web-1"

# without the flag: the NodePort is programmed, but not on 127.0.0.1
start_proxy node --cluster-cidr 10.244.0.0/16 --min-sync-period 100ms
wait_net 20 has node "tcp . $NP : goto external-"
rc=0
get node "http://127.0.0.1:$NP/" >/dev/null || rc=$?
[ "$rc" != 0 ] || fail "127.0.0.1:$NP answered without --localhost-nodeports"
stop_proxy

start_proxy node --cluster-cidr 10.244.0.0/16 --min-sync-period 100ms \
	--localhost-nodeports
wait_net 20 get node "http://127.0.0.1:$NP/"
expect_eq "$(get node "http://127.0.0.1:$NP/")" p1 "NodePort $NP on 127.0.0.1"
expect_eq "$(in_ns node sysctl -n net.ipv4.conf.all.route_localnet)" 1 \
	"route_localnet"
rc=0
get node "http://127.0.0.1:$ENP/" >/dev/null || rc=$?
expect_eq "$rc" 7 "curl exit status for a NodePort without endpoints on 127.0.0.1"
stop_proxy
echo ok
