#!/bin/bash
# Run every benchmark: each prints its numbers and a ratio against a
# baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
export O=${O:-build/obj} BIN=${BIN:-bin}
for b in bench/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "== $(basename "$b" .sh)"
	bash "$b"
done
