#!/bin/bash
# The long crash loop of the store: tests/e2e/0001-store-crash.sh with 500
# kill -9s (STORE_CRASH_ITERATIONS to change), a few minutes. Every
# acknowledged write must survive each kill; see docs/store.md.
set -euo pipefail
cd "$(dirname "$0")/.."
O=${O:-build/obj}
export KUBEFS_TEST_TOOLS=${KUBEFS_TEST_TOOLS:-$PWD/$O/tests/tools}
export STORE_CRASH_ITERATIONS=${STORE_CRASH_ITERATIONS:-500}
start=$(date +%s)
bash tests/e2e/0001-store-crash.sh
echo "store-crash: $STORE_CRASH_ITERATIONS kills in $(($(date +%s) - start)) s"
