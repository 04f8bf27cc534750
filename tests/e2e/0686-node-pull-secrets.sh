#!/bin/bash
# imagePullSecrets: a registry with basic auth (docker-registry, htpasswd)
# lets in a pod whose kubernetes.io/dockerconfigjson Secret has the
# password (each Secret tried in turn: a wrong one first does no harm);
# without it, ErrImagePull with the registry's 401; a Secret that does
# not exist is the kubelet's warning.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
. "$E2E_SRC/tests/images/registry-lib.sh"
registry_skip_unless_able
command -v htpasswd >/dev/null || skip "htpasswd (apache2-utils) is not installed"
node_setup
htpasswd -Bbn kf s3cret >"$T/htpasswd"
reg_start "$T/htpasswd"
reg_push priv 1 -u kf:s3cret

# dockerconfigjson SECRET REGISTRY-ENTRY: a registry Secret
dockerconfigjson() {
	local cfg
	cfg=$(printf '{"auths": {"%s": %s}}' "$REG" "$2" | base64 -w0)
	printf '%s\n' "type: kubernetes.io/dockerconfigjson" \
		"data: {.dockerconfigjson: $cfg}" >"$MNT/core/v1/secrets/default/$1"
}
dockerconfigjson regcred "{\"auth\": \"$(printf kf:s3cret | base64 -w0)\"}"
dockerconfigjson wrong '{"username": "kf", "password": "nope"}'

# priv_pod NAME SECRET...: a pod of the private image with those secrets
priv_pod() {
	local name=$1 s list=
	shift
	for s in "$@"; do list="$list{name: $s}, "; done
	printf '%s\n' "apiVersion: v1" "kind: Pod" "metadata: {name: $name}" "spec:" \
		"  nodeName: n1" "  terminationGracePeriodSeconds: 1" \
		"  imagePullSecrets: [${list%, }]" \
		"  containers: [{name: main, image: '$REG/priv:1', command: [sleep, '300']}]" \
		>"$P/$name"
}
priv_pod anon
waiting_reason() { [ "$(field "$1" '.status.containerStatuses[0].state.waiting.reason')" = "$2" ]; }
wait_long 30 waiting_reason anon ErrImagePull
expect_contains "$(field anon '.status.containerStatuses[0].state.waiting.message')" \
	"failed to pull and unpack image \"$REG/priv:1\": unexpected status from GET request to http://$REG/v2/priv/manifests/1: 401 Unauthorized: authentication required" \
	"the registry's 401"

priv_pod gone-secret nosuch
wait_long 30 waiting_reason gone-secret ErrImagePull
has_event gone-secret "Warning FailedToRetrieveImagePullSecret: Unable to retrieve some image pull secrets (nosuch); attempting to pull the image may not succeed." ||
	fail "no FailedToRetrieveImagePullSecret event"

priv_pod authed wrong regcred
wait_long 60 is_phase authed Running
expect_eq "$(field authed '.status.containerStatuses[0].imageID')" "$REG/priv@$REG_DIGEST" "imageID"
# the pulled image is on the node now: the others' next retry takes it
# (as the kubelet: images on a node are not per pod)

rm "$P/anon" "$P/gone-secret" "$P/authed"
for p in anon gone-secret authed; do wait_long 30 gone $p; done
expect_clean
reg_stop
echo ok
