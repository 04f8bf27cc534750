#!/bin/bash
# Subresources: @status, @scale, @binding, @eviction; graceful deletion
# and finalizers.
. "$(dirname "$0")/lib.sh"
start_fs
D=$MNT/apps/v1/deployments/default
P=$MNT/core/v1/pods/default
cp "$E2E_SRC/examples/deployment.yaml" "$MNT/apps/v1/deployments/"

# @scale
expect_eq "$(cat "$D/nginx@scale")" 1 "@scale read"
echo 5 > "$D/nginx@scale"
expect_eq "$(yq -r .spec.replicas "$D/nginx")" 5 "@scale write"
expect_eq "$(yq -r .metadata.generation "$D/nginx")" 2 "generation bump"
echo -1 | expect_errno EINVAL "$D/nginx@scale"
expect_contains "$(last_error)" "spec.replicas: Invalid value: -1: must be greater than or equal to 0"

# status goes through @status only
yq -y '.status = {"replicas": 7}' "$D/nginx" > "$T/s.yaml"
cp "$T/s.yaml" "$D/nginx"
expect_eq "$(yq -r .status.replicas "$D/nginx")" null "status through the object ignored"
cp "$T/s.yaml" "$D/nginx@status"
expect_eq "$(yq -r .status.replicas "$D/nginx")" 7 "@status write"
expect_eq "$(yq -r .metadata.generation "$D/nginx")" 2 "status write keeps generation"
echo '{"status":{"readyReplicas":3}}' >> "$D/nginx@status"
expect_eq "$(yq -r .status.readyReplicas "$D/nginx")" 3 "@status merge patch"

# a pod: binding, graceful deletion
cat > "$P/web" <<YAML
apiVersion: v1
kind: Pod
spec:
  containers:
  - name: c
    image: nginx
YAML
expect_eq "$(yq -r .status.phase "$P/web")" Pending "pod phase"
echo node-1 > "$P/web@binding"
expect_eq "$(yq -r .spec.nodeName "$P/web")" node-1 "binding"
echo node-2 | expect_errno EEXIST "$P/web@binding"
rm "$P/web"
# bound: it stays, terminating, until its node lets it go (grace 0)
expect_eq "$(yq -r '.metadata.deletionTimestamp != null' "$P/web")" true "deletionTimestamp"
expect_eq "$(yq -r .metadata.deletionGracePeriodSeconds "$P/web")" 30 "grace"

# eviction of an unbound pod deletes it
printf 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {name: c, image: nginx}\n' > "$P/ev"
echo x > "$P/ev@eviction"
[ -e "$P/ev" ] && fail "evicted unbound pod still there"

# finalizers hold a deletion until they are removed
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fin\n  finalizers: [example.com/hold]\n' > "$MNT/core/v1/configmaps/default/fin"
rm "$MNT/core/v1/configmaps/default/fin"
[ -f "$MNT/core/v1/configmaps/default/fin" ] || fail "finalizer did not hold"
echo '{"metadata":{"finalizers":null}}' >> "$MNT/core/v1/configmaps/default/fin"
[ -e "$MNT/core/v1/configmaps/default/fin" ] && fail "object stayed after its finalizers went"

# services get a ClusterIP, and NodePorts on request
cat > "$MNT/svc.yaml" <<YAML
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: NodePort
  selector: {app: nginx}
  ports:
  - port: 80
YAML
ip=$(yq -r .spec.clusterIP "$MNT/core/v1/services/default/web")
expect_contains "$ip" "10." "clusterIP"
np=$(yq -r .spec.ports[0].nodePort "$MNT/core/v1/services/default/web")
[ "$np" -ge 30000 ] && [ "$np" -le 32767 ] || fail "nodePort $np"
echo ok
