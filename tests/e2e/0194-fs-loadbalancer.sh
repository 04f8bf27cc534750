#!/bin/bash
# LoadBalancer Services: a node port per port (TCP and UDP of one number
# share it) unless allocateLoadBalancerNodePorts is false; a
# healthCheckNodePort with externalTrafficPolicy Local only; a replace
# without them keeps them; a change of type drops them and gives them back.
. "$(dirname "$0")/lib.sh"
start_fs
S=$MNT/core/v1/services/default
spec() { jq -r ".spec$2 // \"\"" "$S/$1@json"; }
in_range() { [ "$1" -ge 30000 ] && [ "$1" -le 32767 ]; }

cat > "$S/lb" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: lb}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - {name: http, port: 80}
  - {name: dns-tcp, port: 53}
  - {name: dns-udp, port: 53, protocol: UDP}
YAML
http=$(spec lb '.ports[0].nodePort')
dns=$(spec lb '.ports[1].nodePort')
in_range "$http" || fail "node port of http: '$http'"
in_range "$dns" || fail "node port of dns: '$dns'"
[ "$http" != "$dns" ] || fail "two port numbers share a node port"
expect_eq "$(spec lb '.ports[2].nodePort')" "$dns" "TCP and UDP of one number share a node port"
expect_eq "$(spec lb .allocateLoadBalancerNodePorts)" true "allocateLoadBalancerNodePorts default"
expect_eq "$(spec lb .externalTrafficPolicy)" Cluster "externalTrafficPolicy default"
expect_eq "$(spec lb .healthCheckNodePort)" "" "no healthCheckNodePort with policy Cluster"

cat > "$S/local" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: local}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  allocateLoadBalancerNodePorts: false
  selector: {app: web}
  ports: [{name: http, port: 80}]
YAML
expect_eq "$(spec local '.ports[0].nodePort')" "" "no node port with allocateLoadBalancerNodePorts false"
hc=$(spec local .healthCheckNodePort)
in_range "$hc" || fail "healthCheckNodePort: '$hc'"
[ "$hc" != "$http" ] && [ "$hc" != "$dns" ] || fail "healthCheckNodePort $hc is a node port in use"

# re-applying the manifest without the allocated values keeps them
jq 'del(.metadata.resourceVersion, .spec.healthCheckNodePort)' "$S/local@json" > "$T/local.json"
cp "$T/local.json" "$S/local"
expect_eq "$(spec local .healthCheckNodePort)" "$hc" "healthCheckNodePort after a replace without it"
jq 'del(.metadata.resourceVersion) | .spec.ports[0] |= del(.nodePort)' "$S/lb@json" > "$T/lb.json"
cp "$T/lb.json" "$S/lb"
expect_eq "$(spec lb '.ports[0].nodePort')" "$http" "node port after a replace without it"

# a new type drops what it does not use, and the values are free again
echo '{"spec":{"type":"ClusterIP"}}' >> "$S/local"
expect_eq "$(spec local .healthCheckNodePort)" "" "healthCheckNodePort of a ClusterIP"
expect_eq "$(spec local .externalTrafficPolicy)" "" "externalTrafficPolicy of a ClusterIP"
expect_eq "$(spec local .allocateLoadBalancerNodePorts)" "" "allocateLoadBalancerNodePorts of a ClusterIP"
cat > "$S/again" <<YAML
apiVersion: v1
kind: Service
metadata: {name: again}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  healthCheckNodePort: $hc
  selector: {app: web}
  ports: [{name: http, port: 80}]
YAML
expect_eq "$(spec again .healthCheckNodePort)" "$hc" "a released healthCheckNodePort asked for again"
# a node port in use cannot be taken; once its Service is gone it can
take() {
	printf 'apiVersion: v1\nkind: Service\nmetadata: {name: %s}\nspec:\n  type: NodePort\n  ports: [{port: 80, nodePort: %s}]\n' "$1" "$2"
}
take np "$http" | expect_errno EINVAL "$S/np"
expect_contains "$(last_error)" "spec.ports[0].nodePort: Invalid value: $http: provided port is already allocated"
rm "$S/lb"
take np "$http" > "$S/np"
expect_eq "$(spec np '.ports[0].nodePort')" "$http" "the node port of a deleted LoadBalancer"
echo ok
