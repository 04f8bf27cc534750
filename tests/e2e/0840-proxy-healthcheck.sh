#!/bin/bash
# healthCheckNodePort: a LoadBalancer Service with externalTrafficPolicy
# Local gets one from the API server, and kubefs-proxy serves it on the
# node's addresses: 200 and kube-proxy's JSON while the node has a ready
# endpoint of the Service, 503 when it has none (endpoints elsewhere do
# not count); the port closes when the policy turns Cluster.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/08-netlib.inc"
S=$MNT/core/v1/services/default
E=$MNT/discovery.k8s.io/v1/endpointslices/default

start_fs
mk_ns node
mk_ns client
mk_link node client 192.168.78.1/24 192.168.78.2/24
cat > "$S/lb" <<YAML
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  ports: [{name: http, port: 80, targetPort: 8080}]
YAML
HC=$(jq -r .spec.healthCheckNodePort "$S/lb@json")
[ "$HC" -ge 30000 ] 2>/dev/null || fail "healthCheckNodePort: '$HC'"
slice lb-1 lb http 8080 "10.244.1.11:true:node 10.244.2.11:true:elsewhere" \
	> "$E/lb-1"

# code URL: the HTTP status code, then the body, from the client
probe() { in_ns client curl -s --max-time 3 -w ' %{http_code}' "$1"; }
answers() { # WANT_CODE WANT_COUNT
	local out
	out=$(probe "http://192.168.78.1:$HC/") || return 1
	[ "${out##* }" = "$1" ] && [ "$(jq .localEndpoints <<<"${out% *}")" = "$2" ]
}

start_proxy node --min-sync-period 100ms
wait_net 20 answers 200 1
out=$(probe "http://192.168.78.1:$HC/healthz")
expect_eq "$(jq -c . <<<"${out% *}")" \
	'{"service":{"namespace":"default","name":"lb"},"localEndpoints":1,"serviceProxyHealthy":true}' \
	"health check body"
hdrs=$(in_ns client curl -s -D - -o /dev/null --max-time 3 "http://192.168.78.1:$HC/")
expect_contains "$hdrs" "Content-Type: application/json" "health check headers"
expect_contains "$hdrs" "X-Content-Type-Options: nosniff" "health check headers"

# the local endpoint turns not ready: 503, though another node has one
slice lb-1 lb http 8080 "10.244.1.11:false:node 10.244.2.11:true:elsewhere" \
	> "$E/lb-1@json"
wait_net 20 answers 503 0

# a second local endpoint in another slice
slice lb-2 lb http 8080 "10.244.1.12:true:node" > "$E/lb-2"
wait_net 20 answers 200 1

# policy Cluster: no health check port any more
jq '.spec.externalTrafficPolicy = "Cluster"' "$S/lb@json" > "$T/lb.json"
cat "$T/lb.json" > "$S/lb@json" || fail "replace: $(last_error)"
closed() { ! in_ns client curl -s --max-time 3 -o /dev/null "http://192.168.78.1:$HC/"; }
wait_net 20 closed
stop_proxy
echo ok
