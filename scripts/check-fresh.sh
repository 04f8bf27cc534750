#!/bin/bash
# make check-fresh: the README's commands on a clean Debian root, as a new
# user runs them on a fresh machine.
#
#   scripts/check-fresh.sh [REV|DIR]
#
# What is checked: the working tree (tracked and new files), or the git
# revision REV (e.g. HEAD~1), or the project in directory DIR.
#
# Once, and again only when this machine's apt sources change, it builds
# a minimal Debian root of this machine's release from the apt sources
# this machine uses (mmdebstrap, installed on demand) and keeps it as a
# tarball in the cache. Each scenario then unpacks a new copy, puts the
# project in /src and runs, as root inside it:
#   up      every command of the README except `make test`: `make up`,
#           the tour of the mounted tree, `bin/kubefs down`
#   test    `make test`
#   TARGET  any other make target, e.g. all, fuzz, bench: `make TARGET`
# Each starts from nothing but Debian's minimal base and make: `make deps`
# has to install everything else. Each runs in private mount and PID
# namespaces, so its mounts (/proc, /sys, /dev with /dev/fuse, and the
# cluster's own FUSE mounts) and its daemons end with it.
#
# Environment:
#   FRESH_STEPS   scenarios to run, in order (default "up test")
#   FRESH_REBUILD=1  build the base tarball again (e.g. for newer packages)
#   FRESH_CACHE   base tarball and downloaded packages
#                 (default /var/cache/kubefs/fresh)
#   FRESH_ROOTS   where the roots are unpacked (default FRESH_CACHE/roots)
#   FRESH_KEEP=1  keep the unpacked roots afterwards for a look inside
#   E2E_FILTER    passed to a make target (e.g. FRESH_STEPS=e2e
#                 E2E_FILTER='067*': some e2e scripts in a fresh root)
set -euo pipefail

# --- inside the private namespaces: mount what the root needs, run ---
if [ "${1:-}" = --inside ]; then
	root=$2 cache=$3 cmds=$4
	mounted=()
	undo_mounts() { # in reverse order; lazily if something still holds one
		local i
		for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
			umount -R "${mounted[i]}" 2>/dev/null ||
				umount -R -l "${mounted[i]}" 2>/dev/null || true
		done
	}
	trap undo_mounts EXIT
	mnt() { # mnt DIR-IN-ROOT mount-args...
		local dst=$root$1
		shift
		mkdir -p "$dst"
		mount "$@" "$dst"
		mounted+=("$dst")
	}
	# the root is a mount point of its own, as a machine's / is: runc,
	# `ip netns exec` and diod remount / (e.g. rslave), which fails on a
	# plain directory
	mount --bind "$root" "$root"
	mounted+=("$root")
	mnt /proc -t proc proc
	mnt /sys --rbind /sys
	mnt /dev --rbind /dev
	mnt /var/cache/apt/archives --bind "$cache/archives"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	# The root becomes the root of a mount namespace of its own
	# (pivot_root), not a chroot: runc joins a container's mount
	# namespace for `runc exec`, which puts the process at that
	# namespace's root; under a chroot that is the machine's / and the
	# exec would not see the container's files (nor ganesha its export).
	mkdir -p "$root/.oldroot"
	unshare --mount --propagation private /bin/sh -ec '
		cd "$1"; shift
		pivot_root . .oldroot
		umount -l /.oldroot
		rmdir /.oldroot
		cd /
		exec "$@"' sh "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
		TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/bash -ec "cd /src; $cmds"
	exit
fi

# The whole script is read before it runs (main, below): editing it
# during a run changes nothing in that run.
main() {
	cd "$(dirname "$0")/.."
	top=$(pwd)
	what=${1:-}
	steps=${FRESH_STEPS:-up test}
	cache=${FRESH_CACHE:-/var/cache/kubefs/fresh}
	roots=${FRESH_ROOTS:-$cache/roots}
	mkdir -p "$roots" "$cache/archives"
	roots=$(cd "$roots" && pwd)
	# one run at a time: the roots and the packages' cache are shared
	exec 9>"$cache/lock"
	if ! flock -n 9; then
		echo "check-fresh: waiting for another run to finish"
		flock 9
	fi

	say() { echo "check-fresh: $*"; }
	die() {
		say "$*" >&2
		exit 1
	}
	[ "$(id -u)" = 0 ] || die "run as root (it builds and enters a root)"

	# mounts of this machine under DIR (there should be none outside the
	# namespaces; never delete a tree that has one)
	mounts_under() {
		awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' \
			/proc/self/mountinfo
	}
	remove_root() {
		[ -d "$1" ] || return 0
		[ -z "$(mounts_under "$1")" ] ||
			die "still mounted under $1: $(mounts_under "$1" | tr '\n' ' ')"
		rm -rf "$1"
	}

	# --- the base: Debian's minimal variant and make, from this machine's
	# sources; cached under a key of the release and the sources ---
	. /etc/os-release
	suite=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
	sources=()
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && grep -qE '^[^#[:space:]]' "$f" && sources+=("$f")
	done
	[ ${#sources[@]} -gt 0 ] || die "no apt sources in /etc/apt"
	# this machine's settings for fetching (e.g. accepting a snapshot's dates)
	aptconf=() aptopts=()
	for f in /etc/apt/apt.conf.d/*; do
		if [ -f "$f" ] && grep -q '^[^/#]*Acquire::' "$f"; then
			aptconf+=("$f")
			aptopts+=("--aptopt=$f")
		fi
	done
	base_pkgs="make"
	key=$( (echo "$suite $base_pkgs"; cat "${sources[@]}" \
		${aptconf[@]+"${aptconf[@]}"}) | sha256sum | cut -c1-12)
	base=$cache/base-$suite-$key.tar
	if [ ! -f "$base" ] || [ "${FRESH_REBUILD:-}" = 1 ]; then
		if ! command -v mmdebstrap >/dev/null; then
			say "installing mmdebstrap"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends mmdebstrap >/dev/null
		fi
		say "building the base root ($suite, minbase + $base_pkgs) into $base"
		mmdebstrap --variant=minbase --include="$base_pkgs" --format=tar --quiet \
			${aptopts[@]+"${aptopts[@]}"} \
			"$suite" "$base.tmp" "${sources[@]}"
		mv "$base.tmp" "$base"
	fi

	# --- the project to check ---
	put_tree() { # put_tree DIR
		mkdir -p "$1"
		if [ -z "$what" ]; then
			git ls-files -z --cached --others --exclude-standard |
				tar --null -T - --ignore-failed-read -cf - 2>/dev/null |
				tar -C "$1" -xf -
		elif [ -d "$what" ]; then
			tar -C "$what" --exclude=./build --exclude=./bin -cf - . |
				tar -C "$1" -xf -
		else
			git archive "$what" | tar -C "$1" -xf -
		fi
	}
	[ -z "$what" ] || [ -d "$what" ] || git rev-parse -q --verify \
		"$what^{commit}" >/dev/null || die "neither a directory nor a revision: $what"

	# The README's commands: the indented lines of its code blocks.
	readme=$(mktemp)
	trap 'rm -f "$readme"' EXIT
	put_tree "$readme.d"
	awk '/^    [^ ]/ { sub(/^    /, ""); sub(/[ \t]+#.*/, ""); print }' \
		"$readme.d/README.md" >"$readme"
	rm -rf "$readme.d"
	grep -qx 'make test' "$readme" || die "no 'make test' in the README"

	scenario_cmds() {
		case $1 in
		up) grep -vx 'make test' "$readme" ;;
		*[!a-z0-9_-]* | '') die "not a scenario: '$1' (up, test, a make target)" ;;
		*) echo "make $1${E2E_FILTER:+ E2E_FILTER='$E2E_FILTER'}" ;;
		esac
	}

	failed=()
	for s in $steps; do
		cmds=$(scenario_cmds "$s")
		root=$roots/$s
		log=$roots/$s.log
		remove_root "$root"
		mkdir -p "$root"
		tar -C "$root" -xf "$base"
		put_tree "$root/src"
		say "$s: in a fresh root ($root), running:"
		sed 's/^/    /' <<<"$cmds"
		start=$(date +%s)
		# set -x in the root shows each command as it runs. unshare
		# ignores SIGINT and SIGTERM while its child runs; killing it
		# (as the trap does) kills everything in the namespaces.
		unshare --mount --pid --fork --kill-child --propagation private \
			"$top/scripts/check-fresh.sh" --inside "$root" "$cache" \
			"set -x; $cmds" </dev/null >"$log" 2>&1 &
		child=$!
		trap 'kill -KILL "$child" 2>/dev/null; wait; exit 130' INT TERM
		tail -n +1 -f --pid="$child" "$log" | sed -u 's/^/  | /' &
		rc=0
		wait "$child" || rc=$?
		wait # for the last lines of the log
		trap - INT TERM
		if [ "$rc" = 0 ]; then
			say "$s: ok ($(($(date +%s) - start)) s)"
		else
			say "$s: FAILED ($(($(date +%s) - start)) s), log: $log"
			failed+=("$s")
		fi
		[ "${FRESH_KEEP:-}" = 1 ] || remove_root "$root"
	done

	if [ ${#failed[@]} -gt 0 ]; then
		say "failed: ${failed[*]}"
		exit 1
	fi
	say "passed: $steps"
}
main "$@"; exit
