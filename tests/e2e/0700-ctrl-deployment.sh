#!/bin/bash
# The seed story's controller step: `cp examples/deployment.yaml` makes a
# ReplicaSet (revision 1, pod-template-hash) and a pod that a fake node
# runs; `echo N > NAME@scale` scales up and down; the controllers stop
# cleanly on SIGTERM and a restart changes nothing. A Service selecting the
# pods gets Endpoints and an EndpointSlice with their IPs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctrl-lib.sh"

start_cluster 2
cp "$E2E_SRC/examples/deployment.yaml" "$D/"
wait_long available nginx 1
[ "$(count_running app=nginx)" = 1 ] || fail "expected one running pod"
rs=$(ls "$RS")
case "$rs" in nginx-*) ;; *) fail "ReplicaSet name: $rs" ;; esac
hash=${rs#nginx-}
expect_eq "$(jqf "$RS/$rs" '.metadata.labels["pod-template-hash"]')" "$hash" "RS hash label"
expect_eq "$(jqf "$RS/$rs" '.spec.selector.matchLabels["pod-template-hash"]')" "$hash" "RS selector"
expect_eq "$(revision "$RS/$rs")" 1 "RS revision"
expect_eq "$(revision "$D/nginx")" 1 "Deployment revision"
expect_eq "$(jqf "$RS/$rs" '.metadata.ownerReferences[0] | .kind + "/" + .name + " " + (.controller|tostring)')" "Deployment/nginx true" "RS owner"
pod=$(running_pods app=nginx)
expect_eq "$(jqf "$P/$pod" '.metadata.labels["pod-template-hash"]')" "$hash" "pod hash label"
expect_eq "$(jqf "$P/$pod" '.metadata.ownerReferences[0].name')" "$rs" "pod owner"
wait_for has_event "$rs" "Normal SuccessfulCreate: Created pod: $pod"
wait_for has_event nginx "Normal ScalingReplicaSet: Scaled up replica set $rs to 1"
expect_eq "$(jqf "$D/nginx" '[.status.conditions[] | .type + "=" + .status + "/" + .reason] | sort | join(" ")')" \
	"Available=True/MinimumReplicasAvailable Progressing=True/NewReplicaSetAvailable" "conditions"

# scale through @scale
echo 4 > "$D/nginx@scale"
wait_long available nginx 4
wait_eq 'count_running app=nginx' 4
expect_eq "$(jqf "$RS/$rs" .spec.replicas)" 4 "RS replicas"
echo 2 > "$D/nginx@scale"
wait_long available nginx 2
wait_eq 'count_running app=nginx' 2
expect_eq "$(rs_count)" 1 "still one ReplicaSet"

# a Service selecting the pods gets their addresses, as the seed story's
# endpoints step says
cat > "$MNT/core/v1/services/default/nginx" <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  selector: {app: nginx}
  ports: [{port: 80, targetPort: 80}]
YAML
ips() { for p in $(running_pods app=nginx); do jqf "$P/$p" .status.podIP; done | sort -V | tr '\n' ' '; }
ep_ips() { jqf "$MNT/core/v1/endpoints/default/nginx" '[.subsets[]?.addresses[]?.ip] | join(" ")'; }
wait_eq 'ep_ips' "$(ips | sed 's/ $//')"
slice_ips() {
	for f in "$MNT"/discovery.k8s.io/v1/endpointslices/default/*; do cat "$f@json"; done |
		jq -r 'select(.metadata.labels["kubernetes.io/service-name"] == "nginx") | .endpoints[]?.addresses[0]' | sort -V | tr '\n' ' ' | sed 's/ $//'
}
wait_eq 'slice_ips' "$(ips | sed 's/ $//')"
wait_for test -e "$MNT/core/v1/serviceaccounts/default/default"

# a clean stop, and a restart rebuilds from the tree without changes
# (once the scaled-down pods have finished terminating)
wait_eq 'ls "$P" | wc -l | tr -d " "' 2
stop_daemon "$CTRL_PID"
grep -q "stopped" "$T/ctrl.log" || fail "no clean stop in the log"
before=$(ls "$P" | sort | tr '\n' ' ')
start_daemon ctrl kubefs-ctrl --cluster "$MNT"
wait_for grep -q "started replicaset controller" "$T/ctrl.log"
sleep 1
expect_eq "$(ls "$P" | sort | tr '\n' ' ')" "$before" "pods after restart"
echo ok
