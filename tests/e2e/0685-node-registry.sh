#!/bin/bash
# Pulls from an OCI registry: Debian's docker-registry on loopback, a
# busybox image pushed to it with curl, a pod whose image is not in the
# node's store is pulled (Pulling/Pulled events, digests checked) and
# runs; a tag the registry does not have is ErrImagePull.
. "$(dirname "$0")/lib.sh"
. "$E2E_SRC/tests/images/node-lib.sh"
. "$E2E_SRC/tests/images/registry-lib.sh"
registry_skip_unless_able
node_setup
reg_start
reg_push bb 1.0
m=$REG_DIGEST

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
reg_stop
echo ok
