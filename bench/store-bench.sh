#!/bin/bash
# Store writes/s with durable group commits vs fsync'd files, same disk.
set -euo pipefail
cd "$(dirname "$0")/.."
"${O:-build/obj}/bench/store_bench" build "$@"
