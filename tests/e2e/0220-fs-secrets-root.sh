#!/bin/bash
# Until authorization exists, Secrets — their files, @json, @watch — and
# the snapshot are readable by root only, and their modes say so.
. "$(dirname "$0")/lib.sh"
start_fs
chmod 755 "$T" # let uid 65534 reach the mount
S=$MNT/core/v1/secrets/default
CM=$MNT/core/v1/configmaps/default
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n' > "$S/db"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pub}\ndata: {a: b}\n' > "$CM/pub"

expect_eq "$(stat -c %a "$S/db")" 600 "mode of a Secret"
expect_eq "$(stat -c %a "$S/db@json")" 600 "mode of a Secret's @json"
expect_eq "$(stat -c %a "$S/@watch")" 400 "mode of a Secrets @watch"
expect_eq "$(stat -c %a "$MNT/core/v1/secrets/@watch")" 400 "mode of all Secrets' @watch"
expect_eq "$(stat -c %a "$MNT/snapshot")" 400 "mode of snapshot"
expect_eq "$(stat -c %a "$CM/pub")" 644 "mode of a ConfigMap"
expect_eq "$(ls -l "$S" | awk '/ db$/ {print $1}')" "-rw-------" "ls -l of a Secret"

# root reads them
grep -q hunter2 "$S/db" || yq -r .data.password "$S/db" | base64 -d | qgrep hunter2 ||
	fail "root cannot read the Secret"
head -c 100 "$MNT/snapshot" > /dev/null || fail "root cannot read snapshot"

# nobody else
for f in "$S/db" "$S/db@json" "$S/@watch" "$MNT/core/v1/secrets/@watch" \
	"$MNT/snapshot"; do
	out=$(as_nobody cat "$f" 2>&1) && fail "uid 65534 read $f"
	expect_contains "$out" "Permission denied" "reading $f as uid 65534"
done
# other objects stay readable by everyone
as_nobody cat "$CM/pub" | qgrep 'a: b' || fail "uid 65534 cannot read a ConfigMap"
as_nobody ls "$S" | qgrep '^db$' || fail "Secret names are not listed"
echo ok
