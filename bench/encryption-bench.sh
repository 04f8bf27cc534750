#!/bin/bash
# A Secret's store write, get and list with encryption at rest
# (secretbox, aesgcm, aescbc) against the identity provider, same run.
set -euo pipefail
cd "$(dirname "$0")/.."
"${O:-build/obj}/bench/encryption_bench" build "$@"
