#!/bin/bash
# examples/counter.c, the client/ example: list, watch and write against a
# real mount, twice (create, then update), and its usage errors.
. "$(dirname "$0")/lib.sh"
COUNTER=$KUBEFS_TEST_TOOLS/../../examples/counter
[ -x "$COUNTER" ] || fail "examples/counter was not built"
start_fs
export KUBEFS_MOUNT=$MNT

out=$("$COUNTER")
expect_eq "$out" "ADDED example-counter count=1" "first run creates"
out=$("$COUNTER" --cluster "$MNT" -n default)
expect_eq "$out" "listed example-counter count=1
MODIFIED example-counter count=2" "second run lists, then sees its patch"
expect_eq "$(kubefs get configmap example-counter -o jsonpath='{.data.count}')" "2" "stored"

rc=0; err=$("$COUNTER" --nope 2>&1) || rc=$?
expect_eq "$rc" 2 "bad flag"
expect_contains "$err" "counter: unknown flag: --nope" "pflag's sentence"
rc=0; "$COUNTER" -n no-such-ns 2>"$T/err" || rc=$?
expect_eq "$rc" 1 "missing namespace"
expect_contains "$(cat "$T/err")" 'namespaces "no-such-ns" not found' "missing namespace message"
