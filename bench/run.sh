#!/bin/bash
# Run every benchmark: each prints its numbers and a ratio against a
# baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
export O=${O:-build/obj} BIN=${BIN:-bin}
failed=
for b in bench/*.sh; do
	case $(basename "$b") in run.sh | lib.sh) continue ;; esac
	echo "== $(basename "$b" .sh)"
	bash "$b" || failed="$failed $(basename "$b" .sh)"
done
if [ -n "$failed" ]; then
	echo "failed:$failed"
	exit 1
fi
