#!/bin/bash
# kubefs-proxy in a node's network namespace: a Service over three
# busybox httpd pods answers on its ClusterIP from the node and from a
# pod, spreads requests over all three, stops sending to a pod whose
# endpoint turns not ready, answers on its NodePort at the node's address
# from outside; a Service without endpoints is rejected; a flushed table
# comes back; --cleanup leaves no table of its own and every other table
# alone. Endpoints are written by hand (no controller, no node agent).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/08-netlib.inc"
S=$MNT/core/v1/services/default
E=$MNT/discovery.k8s.io/v1/endpointslices/default

start_fs
mk_node node 10.244.1.1/24
for i in 1 2 3; do
	mk_pod node "p$i" "10.244.1.1$i/24" 10.244.1.1
done
mk_pod node other 10.244.1.20/24 10.244.1.1 # a pod that is no endpoint
mk_ns client
mk_link node client 192.168.77.1/24 192.168.77.2/24
# a node has a default route; service addresses are routed by it
ip -n "$(ns node)" route add default via 192.168.77.2
# a table that is not ours: it must survive everything below
in_ns node nft add table ip bystander
in_ns node nft add chain ip bystander keep

cat > "$S/web" <<YAML
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
YAML
cat > "$S/empty" <<YAML
apiVersion: v1
kind: Service
metadata: {name: empty}
spec:
  ports: [{name: http, port: 80}]
YAML
cat > "$S/sticky" <<YAML
apiVersion: v1
kind: Service
metadata: {name: sticky}
spec:
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}
  ports: [{name: http, port: 80, targetPort: 8080}]
YAML
CIP=$(jq -r .spec.clusterIP "$S/web@json")
SIP=$(jq -r .spec.clusterIP "$S/sticky@json")
NP=$(jq -r '.spec.ports[0].nodePort' "$S/web@json")
EMPTY=$(jq -r .spec.clusterIP "$S/empty@json")
slice web-1 web http 8080 "10.244.1.11:true 10.244.1.12:true 10.244.1.13:true" \
	> "$E/web-1"

slice sticky-1 sticky http 8080 "10.244.1.11:true 10.244.1.12:true 10.244.1.13:true" \
	> "$E/sticky-1"

start_proxy node --cluster-cidr 10.244.0.0/16 --min-sync-period 100ms \
	--sync-period 1s
wait_net 20 get node "http://$CIP/"

# spread: fresh connections land on every pod
seen=$(for _ in $(seq 1 60); do get node "http://$CIP/"; done | sort -u | tr '\n' ' ')
expect_eq "$seen" "p1 p2 p3 " "pods reached through $CIP"

# from another pod on the node
seen=$(for _ in $(seq 1 30); do get other "http://$CIP/"; done | sort -u | tr '\n' ' ')
expect_eq "$seen" "p1 p2 p3 " "pods reached from another pod"

# ClientIP affinity: one client, one pod, request after request
wait_net 20 get node "http://$SIP/"
seen=$(for _ in $(seq 1 20); do get node "http://$SIP/"; done | sort -u | wc -l)
expect_eq "$seen" 1 "pods reached by one client of a ClientIP-affinity Service"

# NodePort on the node's address, from outside the node
expect_contains "$(get client "http://192.168.77.1:$NP/")" p "NodePort $NP"

# no endpoints: rejected at once (connection refused), not a time-out
rc=0
get node "http://$EMPTY/" >/dev/null || rc=$?
expect_eq "$rc" 7 "curl exit status for a Service without endpoints"

# the Service deleted: its rules go, the others stay
rm "$S/empty"
empty_gone() { ! has node "$EMPTY "; }
wait_net 20 empty_gone
expect_contains "$(get node "http://$CIP/")" p "web after another Service was deleted"

# p2 turns not ready: no more requests to it
slice web-1 web http 8080 "10.244.1.11:true 10.244.1.12:false 10.244.1.13:true" \
	> "$E/web-1@json"
# (web's DNAT map; sticky still has p2, in chains of its own)
no_p2() { has node "10.244.1.11 . 8080" && ! has node "10.244.1.12 . 8080"; }
wait_net 20 no_p2
seen=$(for _ in $(seq 1 40); do get node "http://$CIP/"; done | sort -u | tr '\n' ' ')
expect_eq "$seen" "p1 p3 " "pods reached after p2 turned not ready"
partial_syncs() { grep -q 'kubefs_proxy_sync_total{kind="partial"} [1-9]' "$T/proxy.metrics"; }
wait_net 20 partial_syncs
# (an endpoint change is a netlink batch of its own, no nft run)
netlink_syncs() { grep -q 'kubefs_proxy_netlink_syncs_total [1-9]' "$T/proxy.metrics"; }
wait_net 20 netlink_syncs

# someone flushes our table: the proxy notices and writes it again
in_ns node nft flush table ip kubefs
wait_net 20 get node "http://$CIP/"
grep -q 'table drifted' "$T/proxy.log" || fail "drift not logged"

# a second proxy for the same table in the same namespace refuses
rc=0
in_ns node kubefs-proxy --cluster "$MNT" --min-sync-period 0 \
	>"$T/second.log" 2>&1 || rc=$?
expect_eq "$rc" 1 "exit status of a second proxy"
expect_contains "$(cat "$T/second.log")" "another kubefs-proxy owns table kubefs"

stop_proxy
in_ns node kubefs-proxy --cleanup || fail "--cleanup failed"
tables=$(in_ns node nft list tables)
case $tables in *kubefs*) fail "tables left after --cleanup: $tables" ;; esac
expect_contains "$tables" "table ip bystander" "a table that is not ours"
in_ns node kubefs-proxy --cleanup || fail "a second --cleanup failed"
echo "ok"
