#!/bin/bash
# End to end: nothing can be created in a terminating namespace (EACCES,
# Kubernetes' Forbidden sentence), and a watcher that falls too far
# behind gets the events that fitted, a 410 Expired ERROR, then EOF.
. "$(dirname "$0")/lib.sh"
start_fs
NS=$MNT/core/v1/namespaces

# a namespace held open by a finalizer on one of its objects
mkdir "$MNT/core/v1/configmaps/term"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [example.com/hold]}\n' \
	> "$MNT/core/v1/configmaps/term/held"
rm "$NS/term"
expect_eq "$(yq -r .status.phase "$NS/term")" Terminating "phase of a deleted namespace"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: late}\n' |
	expect_errno EACCES "$MNT/core/v1/configmaps/term/late"
expect_contains "$(last_error)" 'configmaps "late" is forbidden: unable to create new content in namespace term because it is being terminated'
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: late, namespace: term}\n' |
	expect_errno EACCES "$MNT/drop.yaml"
expect_contains "$(last_error)" 'secrets "late" is forbidden: unable to create new content in namespace term because it is being terminated'
[ ! -e "$MNT/core/v1/configmaps/term/late" ] || fail "an object was created in a terminating namespace"
# no namespace controller runs here: the test does its work. The object
# is deleted and waits for its finalizer; the finalizer goes: so does
# the object; the namespace waits for its own `kubernetes` finalizer and
# goes when a write to NAME@finalize removes it, as the controller's does
rm "$MNT/core/v1/configmaps/term/held"
test -e "$MNT/core/v1/configmaps/term/held"
echo '{"metadata":{"finalizers":null}}' >> "$MNT/core/v1/configmaps/term/held"
wait_for test ! -e "$MNT/core/v1/configmaps/term/held"
expect_eq "$(yq -r '.spec.finalizers | join(",")' "$NS/term")" kubernetes "finalizers of the emptied namespace"
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: term}\nspec: {finalizers: []}\n' > "$NS/term@finalize"
ns_gone() { [ ! -e "$NS/term" ]; }
wait_for ns_gone

# a reader that opened a stream and reads nothing while 90 MB of
# changes pass (the bound is 64 MiB unread)
CM=$MNT/core/v1/configmaps/default
big() { # big VALUE: a ConfigMap of about 1 MB (the limit is 1 MiB)
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  v: "%s"\n  pad: "' "$1"
	head -c 1000000 /dev/zero | tr '\0' x
	printf '"\n'
}
big 0 > "$T/big.yaml"
cp "$T/big.yaml" "$CM/big"
exec 3< "$CM/@watch?resourceVersion=$(yq -r .metadata.resourceVersion "$CM/big")"
for i in $(seq 1 90); do
	big "$i" > "$T/big.yaml"
	cp "$T/big.yaml" "$CM/big"
done
timeout 60 cat <&3 > "$T/slow" || fail "the slow reader's stream did not end"
exec 3<&-
last=$(tail -n 1 "$T/slow")
expect_eq "$(echo "$last" | jq -r .type)" ERROR "the last event of a reader left behind"
expect_eq "$(echo "$last" | jq -r .object.code)" 410 "its code"
expect_eq "$(echo "$last" | jq -r .object.reason)" Expired "its reason"
expect_contains "$(echo "$last" | jq -r .object.message)" "too old resource version: " "its message"
n=$(grep -c '"type":"MODIFIED"' "$T/slow" || true)
[ "$n" -ge 1 ] && [ "$n" -lt 90 ] || fail "$n MODIFIED events before the 410"
# a fresh stream works
timeout 10 grep -m 1 -q '"v":"90"' "$CM/@watch" || fail "a new watch after the 410"
echo ok
