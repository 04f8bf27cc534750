#!/bin/sh
# Install every Debian package kubefs needs to build, test and run.
# Idempotent and quick when everything is present (one dpkg-query, no
# output): apt runs only if a package is missing, `apt-get update` at
# most once, and one line says what is installed.
set -eu

PKGS="
build-essential pkg-config clang clang-format
libclang-rt-dev
attr
libfuse3-dev fuse3
liblmdb-dev lmdb-utils libsodium-dev libssl-dev
libjansson-dev libyaml-dev
libcurl4-openssl-dev libseccomp-dev
runc containernetworking-plugins busybox-static iptables docker-registry apache2-utils
libcmocka-dev
inotify-tools jq yq vim rsync tar procps psmisc util-linux
curl iproute2
diod munge nfs-ganesha nfs-ganesha-vfs libnfs-utils libnfs-dev
nftables libnftnl-dev libmnl-dev busybox-static dnsmasq-base conntrack
"

# nfs-ganesha finds the filesystem it exports in /etc/mtab, which a booted
# Debian has (systemd links it to /proc/self/mounts) and a bare root (a
# container image, a chroot) may lack: link it as systemd would
if [ ! -e /etc/mtab ] && [ ! -L /etc/mtab ] && [ "$(id -u)" = 0 ]; then
	ln -s ../proc/self/mounts /etc/mtab
fi

# shellcheck disable=SC2086
installed=" $(dpkg-query -W -f='${Package} ${Status}\n' $PKGS 2>/dev/null |
	awk '$NF == "installed" && $(NF-1) == "ok" { printf "%s ", $1 }')"
missing=""
for p in $PKGS; do
	case $installed in
	*" $p "*) ;;
	*) missing="$missing $p" ;;
	esac
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
# apt's own output is shown only when it fails
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
if ! { apt-get update -q && apt-get install -y -q \
	--no-install-recommends $missing; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "kubefs: installing the packages failed" >&2
	exit 1
fi
