#!/bin/bash
# Pulls from an OCI registry: Debian's docker-registry on loopback, a
# busybox image pushed to it with curl, a pod whose image is not in the
# node's store is pulled (Pulling/Pulled events, digests checked) and
# runs; a tag the registry does not have is ErrImagePull.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
command -v docker-registry >/dev/null || skip "docker-registry is not installed"
node_setup
REG_PORT=$(free_port)
REG=127.0.0.1:$REG_PORT
mkdir -p "$T/registry"
cat > "$T/registry.yml" <<YAML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $T/registry}}
http: {addr: $REG}
YAML
docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
REG_PID=$!
WATCH_PIDS="$WATCH_PIDS $REG_PID"
reg_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$REG/v2/")" = 200 ]; }
wait_long 20 reg_up

# push an OCI image: blobs, then the manifest under a tag
"$E2E_SRC/tests/images/build-busybox.sh" oci "$T/oci.tar" bb:1.0
mkdir -p "$T/oci" && tar -xf "$T/oci.tar" -C "$T/oci"
for b in "$T"/oci/blobs/sha256/*; do
	h=$(basename "$b")
	loc=$(curl -s -D - -o /dev/null -X POST "http://$REG/v2/bb/blobs/uploads/" |
		tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
	case "$loc" in /*) loc=http://$REG$loc ;; esac
	case "$loc" in *\?*) sep='&' ;; *) sep='?' ;; esac
	code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
		-H 'Content-Type: application/octet-stream' --data-binary "@$b" \
		"$loc${sep}digest=sha256:$h")
	expect_eq "$code" 201 "blob upload"
done
m=$(jq -r '.manifests[0].digest' "$T/oci/index.json")
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
	-H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
	--data-binary "@$T/oci/blobs/sha256/${m#sha256:}" "http://$REG/v2/bb/manifests/1.0")
expect_eq "$code" 201 "manifest upload"

cat > "$P/pulled" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: pulled}
spec:
  nodeName: n1
  terminationGracePeriodSeconds: 1
  containers: [{name: main, image: "$REG/bb:1.0", command: [sleep, "300"]}]
YAML
cat > "$P/notag" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: notag}
spec:
  nodeName: n1
  containers: [{name: main, image: "$REG/bb:nope"}]
YAML
wait_long 30 is_phase pulled Running
expect_eq "$(field pulled '.status.containerStatuses[0].imageID')" "$REG/bb@$m" "imageID"
has_event pulled "Normal Pulling: Pulling image \"$REG/bb:1.0\"" || fail "no Pulling event"
has_event pulled "Normal Pulled: Successfully pulled image \"$REG/bb:1.0\" in" || fail "no Pulled event"
kubefs image --root-dir "$ROOT" ls | qgrep "^$REG/bb  *1.0 " || fail "pulled image not listed"
waiting_reason() { [ "$(field notag '.status.containerStatuses[0].state.waiting.reason')" = "$1" ]; }
wait_long 30 waiting_reason ErrImagePull
expect_contains "$(field notag '.status.containerStatuses[0].state.waiting.message')" "not found" "missing tag"

rm "$P/pulled" "$P/notag"
wait_long 30 gone pulled
wait_long 30 gone notag
expect_clean
kill "$REG_PID"
wait "$REG_PID" 2>/dev/null || true
echo ok
