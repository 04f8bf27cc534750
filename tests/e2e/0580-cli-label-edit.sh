#!/bin/bash
# kubefs label / annotate / patch / edit.
. "$(dirname "$0")/lib.sh"
start_fs
export KUBEFS_MOUNT=$MNT
unset KUBEFS_NAMESPACE KUBE_EDITOR

run() {
	set +e
	OUT=$("$@" 2>"$T/err")
	RC=$?
	set -e
	ERR=$(cat "$T/err")
}
labels() { kubefs get "$1" -o jsonpath='{.metadata.labels}'; }

kubefs apply -f - > /dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, labels: {app: db}}
spec:
  containers: [{name: c, image: postgres}]
YAML

# label: set, same value, conflict without --overwrite, remove
run kubefs label pod web tier=web
expect_eq "$RC:$OUT" "0:pod/web labeled" "label"
expect_eq "$(labels pod/web)" '{"app":"web","tier":"web"}' "label stored"
run kubefs label pod web tier=web
expect_eq "$OUT" "pod/web not labeled" "same value"
run kubefs label pods web tier=db
expect_eq "$RC:$ERR" "1:error: 'tier' already has a value (web), and --overwrite is false" "no --overwrite"
expect_eq "$(labels pod/web)" '{"app":"web","tier":"web"}' "refused label changed nothing"
run kubefs label pod/web tier=db --overwrite
expect_eq "$OUT" "pod/web labeled" "--overwrite"
run kubefs label pod web tier-
expect_eq "$OUT" "pod/web unlabeled" "remove"
run kubefs label pod web tier-
expect_eq "$OUT" 'label "tier" not found.
pod/web not labeled' "remove a missing label"
run kubefs label pod db 'bad key=x'
expect_eq "$RC" 1 "invalid key refused by the server"
expect_contains "$ERR" 'The Pod "db" is invalid: metadata.labels: Invalid value: "bad key"' "invalid key message"
run kubefs label pods --all env=prod
expect_eq "$OUT" "pod/db labeled
pod/web labeled" "--all"
run kubefs label pods -l app=db env=dev --overwrite
expect_eq "$OUT" "pod/db labeled" "-l"
run kubefs label pod web --list
expect_eq "$OUT" "app=web
env=prod" "--list"
run kubefs label pod web
expect_eq "$ERR" "error: at least one label update is required" "no change"
run kubefs label pod web a=1 a-
expect_eq "$ERR" "error: can not both modify and remove a label in the same command" "set and remove"
rv=$(kubefs get pod web -o jsonpath='{.metadata.resourceVersion}')
kubefs label pod web x=1 > /dev/null
run kubefs label pod web y=1 --resource-version="$rv"
expect_eq "$RC" 1 "stale --resource-version"
expect_contains "$ERR" "Error from server (Conflict): Operation cannot be fulfilled on pods \"web\"" "Conflict"
run kubefs label node nope a=b
expect_eq "$ERR" 'Error from server (NotFound): nodes "nope" not found' "NotFound"

# annotate
run kubefs annotate pod web description='my frontend'
expect_eq "$OUT" "pod/web annotated" "annotate"
expect_eq "$(kubefs get pod web -o jsonpath='{.metadata.annotations.description}')" "my frontend" "annotation stored"
run kubefs annotate pod web description=other
expect_eq "$ERR" "error: --overwrite is false but found the following declared annotation(s): 'description' already has a value (my frontend)" "annotate without --overwrite"
run kubefs annotate pod web description-
expect_eq "$OUT" "pod/web annotated" "annotation removed"
expect_eq "$(kubefs get pod web -o jsonpath='{.metadata.annotations.description}')" "" "annotation gone"

# patch: JSON or YAML merge patches; status through --subresource
kubefs apply -f "$E2E_SRC/examples/deployment.yaml" > /dev/null
run kubefs patch deploy nginx -p 'spec: {replicas: 4}'
expect_eq "$OUT" "deployment.apps/nginx patched" "patch"
expect_eq "$(cat "$MNT/apps/v1/deployments/default/nginx@scale")" 4 "patched"
run kubefs patch deploy nginx -p '{"spec":{"replicas":4}}'
expect_eq "$OUT" "deployment.apps/nginx patched (no change)" "no-op patch"
run kubefs patch deploy nginx --subresource=status -p '{"status":{"replicas":9}}'
expect_eq "$OUT" "deployment.apps/nginx patched" "status patch"
expect_eq "$(kubefs get deploy nginx -o jsonpath='{.status.replicas}')" 9 "status patched"
run kubefs patch deploy nginx -p '{"spec":{"replicas":-1}}'
expect_contains "$ERR" 'The Deployment.apps "nginx" is invalid: spec.replicas: Invalid value: -1' "invalid patch"
run kubefs patch deploy nginx -p '{'
expect_contains "$ERR" "error: unable to parse" "unparsable patch"
run kubefs patch deploy nginx -p '[]' --type json
expect_contains "$ERR" "--type must be \"merge\"" "json patch refused"

# edit: the editor's change is written back
cat > "$T/ed-ok" <<'SH'
#!/bin/sh
sed -i 's/replicas: 4/replicas: 6/' "$1"
SH
cat > "$T/ed-bad" <<'SH'
#!/bin/sh
# first round: an invalid value; after the error is shown: give up
if grep -q "was not valid" "$1"; then grep '^# \*' "$1" > "$(dirname "$0")/shown"; exit 0; fi
sed -i 's/replicas: 6/replicas: -1/' "$1"
SH
cat > "$T/ed-fix" <<'SH'
#!/bin/sh
# first round: invalid; second: fixed
if grep -q "was not valid" "$1"; then sed -i 's/replicas: -1/replicas: 2/' "$1"; exit 0; fi
sed -i 's/replicas: 6/replicas: -1/' "$1"
SH
cat > "$T/ed-fail" <<'SH'
#!/bin/sh
exit 3
SH
chmod +x "$T"/ed-*
run env EDITOR="$T/ed-ok" kubefs edit deploy/nginx
expect_eq "$RC:$OUT" "0:deployment.apps/nginx edited" "edit"
expect_eq "$(cat "$MNT/apps/v1/deployments/default/nginx@scale")" 6 "edited"
run env EDITOR=true kubefs edit deploy nginx
expect_eq "$OUT" "Edit cancelled, no changes made." "unchanged edit"
run env EDITOR="$T/ed-bad" TMPDIR="$T" kubefs edit deploy/nginx
expect_eq "$RC" 1 "rejected edit given up"
expect_contains "$(cat "$T/shown")" 'Deployment.apps "nginx" is invalid: spec.replicas: Invalid value: -1' "error shown in the file"
expect_contains "$ERR" "error: Edit cancelled, no valid changes were saved." "give-up message"
kept=$(echo "$ERR" | sed -n 's/^A copy of your changes has been stored to "\(.*\)"$/\1/p')
[ -f "$kept" ] || fail "kept file: $ERR"
grep -q 'replicas: -1' "$kept" || fail "kept file lacks the change"
expect_eq "$(cat "$MNT/apps/v1/deployments/default/nginx@scale")" 6 "rejected edit changed nothing"
run env KUBE_EDITOR="$T/ed-fix" EDITOR=false kubefs edit deploy/nginx
expect_eq "$OUT" "deployment.apps/nginx edited" "fixed after the error"
expect_eq "$(cat "$MNT/apps/v1/deployments/default/nginx@scale")" 2 "KUBE_EDITOR wins"
run env EDITOR="$T/ed-fail" kubefs edit deploy/nginx
expect_contains "$ERR" "there was a problem with the editor" "editor failure"
# a concurrent change is a Conflict, shown in the reopened file
cat > "$T/ed-race" <<SH
#!/bin/sh
if grep -q "was not valid" "\$1"; then grep '^# \*' "\$1" > "$T/race-shown"; exit 0; fi
echo 7 > "$MNT/apps/v1/deployments/default/nginx@scale"
sed -i 's/replicas: 2/replicas: 3/' "\$1"
SH
chmod +x "$T/ed-race"
run env EDITOR="$T/ed-race" TMPDIR="$T" kubefs edit deploy/nginx
expect_contains "$(cat "$T/race-shown")" "the object has been modified" "conflict shown"
expect_eq "$(cat "$MNT/apps/v1/deployments/default/nginx@scale")" 7 "concurrent change kept"
echo ok
