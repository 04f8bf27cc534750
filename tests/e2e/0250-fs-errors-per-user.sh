#!/bin/bash
# The errors file is bounded per user: many users' rejections never push
# out another user's lines, and one user's lines are bounded in number
# and bytes.
. "$(dirname "$0")/lib.sh"
start_fs
chmod 755 "$T" # let other uids reach the mount
grant_all view # (RBAC: they may watch, so their rejection is the selector)
CM=$MNT/core/v1/configmaps/default
printf 'data: [1]\n' | kfwrite "$CM/root-bad" >/dev/null || true
mine=$(cat "$MNT/errors")
[ -n "$mine" ] || fail "no errors line for root"

# 70 other users each get a rejected request of their own (a bad watch
# query is one anyone can make)
for u in $(seq 20001 20070); do
	setpriv --reuid="$u" --regid="$u" --clear-groups \
		cat "$CM/@watch?labelSelector=a%20in" >/dev/null 2>&1 &&
		fail "uid $u: bad selector accepted"
done
expect_eq "$(cat "$MNT/errors")" "$mine" "root's lines after 70 users"
out=$(setpriv --reuid=20070 --regid=20070 --clear-groups cat "$MNT/errors")
expect_contains "$out" "@watch" "uid 20070's own line"
expect_eq "$(echo "$out" | wc -l)" 1 "uid 20070 sees only its own line"

# one user's lines: at most 100, and at most 64 KiB
long=$(head -c 900 /dev/zero | tr '\0' 'a')
for _ in $(seq 1 150); do
	cat "$CM/@watch?labelSelector=$long%20in" >/dev/null 2>&1 || true
done
n=$(wc -l < "$MNT/errors")
bytes=$(wc -c < "$MNT/errors")
[ "$n" -le 100 ] || fail "$n lines for one user"
[ "$bytes" -le 65636 ] || fail "$bytes bytes for one user"
expect_contains "$(tail -n 1 "$MNT/errors")" "$long" "the newest line"
echo ok
