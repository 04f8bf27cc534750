#!/bin/bash
# POSIX expectations and messages: directory times follow creates and
# deletes, invalid names get the name-validation sentence, statvfs says
# how long a name may be, operations refused by design are EPERM, and
# bash's builtin echo does not report the verdict (/bin/echo does).
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
mt() { stat -c %Y.%y "$1"; }
changed() { [ "$(mt "$1")" != "$2" ]; }

# directory mtime/ctime change on create and delete, from any path
m0=$(mt "$CM")
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' > "$CM/a"
wait_for changed "$CM" "$m0"
expect_eq "$(stat -c %Z "$CM")" "$(stat -c %Y "$CM")" "ctime follows mtime"
m1=$(mt "$CM")
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n' > "$MNT/drop.yaml"
wait_for changed "$CM" "$m1"
m2=$(mt "$CM")
rm "$CM/a"
wait_for changed "$CM" "$m2"
m3=$(mt "$CM")
# a change that adds or removes nothing leaves it
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {x: y}\n' > "$CM/b"
sleep 1.2 # past the attribute cache: the time must still be m3
expect_eq "$(mt "$CM")" "$m3" "mtime after a modification"
# namespaced resource dirs change when a namespace comes
p=$(mt "$MNT/core/v1/pods")
mkdir "$MNT/core/v1/pods/team-b"
wait_for changed "$MNT/core/v1/pods" "$p"

# invalid names: the name-validation sentence, not a drop box
out=$(printf 'data: {a: b}\n' | kfwrite "$CM/Bad_Name" || true)
expect_eq "$out" "close: EINVAL" "errno of an invalid name"
expect_contains "$(last_error)" 'metadata.name: Invalid value: "Bad_Name"' \
	"invalid name's reason"
long=$(head -c 300 /dev/zero | tr '\0' 'a')
out=$(printf 'data: {a: b}\n' | kfwrite "$CM/$long" || true)
expect_eq "$out" "close: EINVAL" "errno of a 300-character name"
expect_contains "$(last_error)" "metadata.name: Invalid value" \
	"300-character name's reason"
expect_contains "$(last_error)" "must be no more than 253 characters" \
	"300-character name's reason"
touch "$CM/Upper" 2>/dev/null && fail "touch of an invalid name succeeded"
expect_contains "$(last_error)" 'metadata.name: Invalid value: "Upper"'
expect_eq "$(ls "$CM" | tr '\n' ' ')" "b " "objects after invalid names"
# a manifest naming its own object under another file name: a drop box
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n' > "$CM/My_Manifest"
[ -e "$CM/c" ] || fail "drop box under an invalid name"
expect_eq "$(stat -f -c %l "$MNT")" 253 "statvfs namemax"

# refused by design: EPERM
out=$(truncate -s 0 "$CM/b" 2>&1) && fail "truncate -s 0 succeeded"
expect_contains "$out" "Operation not permitted" "truncate -s 0"
expect_contains "$(last_error)" "cannot be emptied"
expect_eq "$(yq -r .data.x "$CM/b")" y "object after truncate -s 0"
out=$(ln -s b "$CM/l" 2>&1) && fail "symlink succeeded"
expect_contains "$out" "Operation not permitted" "symlink"
out=$(mkfifo "$CM/f" 2>&1) && fail "mkfifo succeeded"
expect_contains "$out" "Operation not permitted" "mkfifo"
out=$(mknod "$CM/n" c 1 3 2>&1) && fail "mknod succeeded"
expect_contains "$out" "Operation not permitted" "mknod"
out=$(ln "$CM/b" "$CM/h" 2>&1) && fail "link succeeded"
expect_contains "$out" "Operation not permitted" "link"

# bash's builtin echo ignores the close error; /bin/echo reports it
S=$MNT/core/v1/services/default
bash -c "echo 'kind: Service' > '$S/svc'" || fail "bash reported the verdict?"
[ -e "$S/svc" ] && fail "an invalid Service was stored"
expect_contains "$(last_error)" "Service"
/bin/echo 'kind: Service' > "$S/svc" 2>/dev/null && fail "/bin/echo did not report"
echo ok
