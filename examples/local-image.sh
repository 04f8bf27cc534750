#!/bin/bash
# Offline stand-in for the seed's nginx image: busybox httpd, built from
# the busybox-static package, serving "hello from kubefs" on port 80 and
# stopping at once on SIGTERM (as nginx does). Loaded into a node's image
# store under two tags, kubefs-httpd:1 and kubefs-httpd:2 (the same
# bytes), so a rolling update has somewhere to go:
#
#   examples/local-image.sh [BIN [ROOT-DIR]]
#
# BIN holds kubefs (default bin/); ROOT-DIR is the node's root dir
# (default: the node agent's). Then, in examples/deployment.yaml:
#
#   sed -i 's|image: .*|image: kubefs-httpd:1|' examples/deployment.yaml
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$src/bin}
root=${2:-}
w=$(mktemp -d /tmp/kubefs-httpd.XXXXXX)
trap 'rm -rf "$w"' EXIT

export IMAGE_CMD='["sh","-c","trap \"exit 0\" TERM; httpd -f -p 80 -h /var/www & wait"]'
for tag in 1 2; do
	"$src/tests/images/build-busybox.sh" docker "$w/httpd-$tag.tar" \
		"kubefs-httpd:$tag"
	if [ -n "$root" ]; then
		KUBEFS_NODE_ROOT_DIR=$root "$bin/kubefs" image load "$w/httpd-$tag.tar"
	else
		"$bin/kubefs" image load "$w/httpd-$tag.tar"
	fi
done
