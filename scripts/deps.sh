#!/bin/sh
# Install every Debian package kubefs needs to build, test and run.
# Idempotent and quick when everything is present: apt runs only if a
# package is missing, and `apt-get update` at most once.
set -eu

PKGS="
build-essential pkg-config clang clang-format
libfuse3-dev fuse3
liblmdb-dev lmdb-utils
libjansson-dev libyaml-dev
libcurl4-openssl-dev libseccomp-dev
runc containernetworking-plugins busybox-static iptables docker-registry
libcmocka-dev
inotify-tools jq yq vim rsync tar procps psmisc util-linux
curl iproute2
"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "kubefs: missing packages:$missing" >&2
	echo "kubefs: run 'make deps' as root to install them" >&2
	exit 1
fi

echo "kubefs: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
