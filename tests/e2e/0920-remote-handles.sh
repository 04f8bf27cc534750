#!/bin/bash
# FUSE export support, what an NFS server of the mount relies on: kernel
# file handles reopen by node id (lookup of "." by kubefs-fs), and after
# a kubefs-fs restart a handle either reads the same thing or fails with
# ESTALE, never another object's data.
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {v: "a"}\n' > "$CM/a"
kfhandle save "$CM" "$T/dir.h" || fail "no handle for a directory"
kfhandle save "$CM/a" "$T/a.h" || fail "no handle for an object"
expect_contains "$(kfhandle read "$MNT" "$T/a.h")" 'v: a' "object by handle"
expect_eq "$(kfhandle read "$MNT" "$T/dir.h")" a "directory by handle"

stop_fs
start_fs
# directories keep their numbers: their handles survive the restart,
# found again by kubefs-fs before anything looked their path up
expect_eq "$(kfhandle read "$MNT" "$T/dir.h")" a \
	"directory by handle after a restart"
# objects are numbered again from the start: make b take a's old number
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {v: "b"}\n' > "$CM/b"
cat "$CM/b" "$CM/a" > /dev/null
out=$(kfhandle read "$MNT" "$T/a.h") || true
case $out in
*'v: a'* | "open: ESTALE") ;;
*) fail "a handle of the last run read something else: $out" ;;
esac
# within a run, an object handle opens again after the kernel let go of
# it (a change through the drop box drops its cached name)
kfhandle save "$CM/b" "$T/b.h"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {v: "b2"}\n' \
	> "$MNT/core/v1/configmaps/drop"
expect_contains "$(kfhandle read "$MNT" "$T/b.h")" 'v: b2' "object by handle"
echo ok
