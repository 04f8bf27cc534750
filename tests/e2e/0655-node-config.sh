#!/bin/bash
# Init containers, env and volumes under runc: an init container fills an
# emptyDir before the container starts; env from a ConfigMap, a Secret
# and the downward API; configMap, secret, downwardAPI and projected
# volumes; a missing key and a forbidden hostPath say why.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
node_setup

cat > "$MNT/core/v1/configmaps/default/cm1" <<YAML
apiVersion: v1
kind: ConfigMap
metadata: {name: cm1}
data: {greeting: hello, file.txt: from-configmap}
YAML
cat > "$MNT/core/v1/secrets/default/s1" <<YAML
apiVersion: v1
kind: Secret
metadata: {name: s1}
data: {password: czNjcmV0}
YAML
cat > "$MNT/core/v1/services/default/web-svc" <<YAML
apiVersion: v1
kind: Service
metadata: {name: web-svc}
spec:
  selector: {app: none}
  ports: [{name: http, port: 80, targetPort: 8080}]
YAML
svc_ip=$(jq -r .spec.clusterIP "$MNT/core/v1/services/default/web-svc@json")
case "$svc_ip" in *.*.*.*) ;; *) fail "no cluster IP for the Service: $svc_ip" ;; esac
cat > "$P/cfg" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: cfg, labels: {app: cfg}}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: prep, image: busybox, command: [sh, -c, "echo init-done > /work/marker"],
     volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - name: main
    image: busybox
    command: [sh, -c, 'echo "env: \$GREETING \$PASSWORD \$POD_NAME \$NODE \$PFX_greeting"; echo "svc: \$WEB_SVC_SERVICE_HOST \$WEB_SVC_SERVICE_PORT \$WEB_SVC_SERVICE_PORT_HTTP \$WEB_SVC_PORT_80_TCP"; cat /work/marker /cfg/file.txt /sec/password; echo; cat /info/labels /all/greeting; echo; exec sleep 300']
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: cm1, key: greeting}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: s1, key: password}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    envFrom: [{configMapRef: {name: cm1}, prefix: PFX_}]
    volumeMounts:
    - {name: work, mountPath: /work}
    - {name: cfg, mountPath: /cfg, readOnly: true}
    - {name: sec, mountPath: /sec}
    - {name: info, mountPath: /info}
    - {name: all, mountPath: /all}
  volumes:
  - {name: work, emptyDir: {}}
  - {name: cfg, configMap: {name: cm1}}
  - {name: sec, secret: {secretName: s1}}
  - {name: info, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}
  - {name: all, projected: {sources: [{configMap: {name: cm1, items: [{key: greeting, path: greeting}]}}]}}
YAML
wait_long 30 is_phase cfg Running
expect_eq "$(field cfg '.status.initContainerStatuses[0].state.terminated.reason')" Completed "init container"
uid=$(field cfg .metadata.uid)
log=$ROOT/logs/default_cfg_$uid/main/0.log
has_lines() { [ "$(grep -c ' stdout F ' "$log")" -ge 5 ]; }
wait_long 10 has_lines
out=$(sed 's/^[^ ]* stdout F //' "$log")
expect_contains "$out" "env: hello s3cret cfg n1 hello" "env"
expect_contains "$out" "svc: $svc_ip 80 80 tcp://$svc_ip:80" "service env"
expect_contains "$out" "init-done" "emptyDir filled by the init container"
expect_contains "$out" "from-configmap" "configMap volume"
expect_contains "$out" "s3cret" "secret volume"
expect_contains "$out" 'app="cfg"' "downwardAPI volume"
secmount=$(grep -F " $ROOT/pods/$uid/volumes/sec " /proc/self/mountinfo | awk '{print $9}')
expect_eq "$secmount" tmpfs "secret volume on tmpfs"

cat > "$P/nokey" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: nokey}
spec:
  nodeName: n1
  containers:
  - name: main
    image: busybox
    env: [{name: X, valueFrom: {configMapKeyRef: {name: cm1, key: nope}}}]
YAML
cat > "$P/hostpath" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: hostpath}
spec:
  nodeName: n1
  containers: [{name: main, image: busybox, volumeMounts: [{name: h, mountPath: /h}]}]
  volumes: [{name: h, hostPath: {path: /etc}}]
YAML
waiting() { [ "$(field nokey '.status.containerStatuses[0].state.waiting.reason')" = CreateContainerConfigError ]; }
wait_long 20 waiting
expect_eq "$(field nokey '.status.containerStatuses[0].state.waiting.message')" \
	"couldn't find key nope in ConfigMap default/cm1" "missing key"
wait_long 20 has_event hostpath 'Warning FailedMount: MountVolume.SetUp failed for volume "h" : hostPath volumes are not allowed'
expect_eq "$(phase hostpath)" Pending "hostPath pod"

rm "$P/cfg" "$P/nokey" "$P/hostpath" "$MNT/core/v1/services/default/web-svc"
for p in cfg nokey hostpath; do wait_long 30 gone "$p"; done
expect_clean
echo ok
