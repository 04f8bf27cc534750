#!/bin/bash
# Reads and creates per second over the 9P and NFS exports vs the local
# mount, side by side in one run, with the user-space clients of the
# e2e tests (diodcat, kf9p; nfs-cat, nfs-cp, kfnfs). Prints ratios to
# local. NFS creates twice: nfs-cp (WRITE, CLOSE: no verdict) and kfnfs
# (WRITE, COMMIT, CLOSE, as a kernel client closes: the verdict).
#
#   bench/remote-bench.sh [N]     N operations per measurement (300)
#
# Two ways to count: one process per operation (what a shell script
# does: connection, MUNGE credential and attach every time for 9P,
# mount every time for NFS), and for 9P one connection for all N.
set -euo pipefail
cd "$(dirname "$0")/.."
O=${O:-build/obj}
BIN=${BIN:-bin}
N=${1:-300}
PATH=$PWD/$BIN:$PWD/$O/tests/tools:$PATH:/usr/sbin
W=$(mktemp -d "$PWD/build/remote-bench.XXXXXX")
chmod 755 "$W"
MNT=$W/mnt S=$W/state
P9=$((20000 + RANDOM % 10000)) PN=$((30000 + RANDOM % 10000))
cleanup() {
	kubefs export stop --state "$S" > /dev/null 2>&1 || true
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$MNT"
kubefs-fs --foreground --store "$W/store" --log "$W/fs.log" "$MNT" &
pid=$!
for _ in $(seq 1 100); do
	[ "$(cat "$MNT/healthz" 2>/dev/null)" = ok ] && break
	sleep 0.1
done
kubefs --mount "$MNT" export 9p --listen "127.0.0.1:$P9" --state "$S" > /dev/null
kubefs --mount "$MNT" export nfs --listen "127.0.0.1:$PN" --no-root-squash \
	--state "$S" > /dev/null
c9() { # a 9P client with the export's MUNGE key
	if [ -S "$S/export/munge/munge.socket.2" ]; then
		unshare -m --propagation private sh -c \
			'mount --bind "$1" /run/munge && shift && exec "$@"' \
			sh "$S/export/munge" "$@"
	else
		"$@"
	fi
}
A=(-s "127.0.0.1:$P9" -a "$MNT")
nfs() { echo "nfs://127.0.0.1$MNT/$1?version=4&nfsport=$PN"; }
CMD=core/v1/configmaps/default
printf 'apiVersion: v1\nkind: ConfigMap\ndata: {k: v}\n' > "$W/cm.yaml"
cp "$W/cm.yaml" "$MNT/$CMD/target"

now() { date +%s.%N; }
rate() { echo "$N $1 $2" | awk '{ printf "%.0f", $1 / ($3 - $2) }'; }
row() { # op way local_rate remote_rate
	printf '%-8s %-28s %10s %10s %8s\n' "$1" "$2" "$3" "$4" \
		"$(echo "$4 $3" | awk '{ printf "%.3f", $1 / $2 }')"
}

t0=$(now); for i in $(seq "$N"); do cat "$MNT/$CMD/target" > /dev/null; done
local_read=$(rate "$t0" "$(now)")
t0=$(now); for i in $(seq "$N"); do cp "$W/cm.yaml" "$MNT/$CMD/l-$i"; done
local_create=$(rate "$t0" "$(now)")
t0=$(now); cat $(for i in $(seq "$N"); do echo "$MNT/$CMD/target"; done) > /dev/null
local_read1=$(rate "$t0" "$(now)")

t0=$(now); c9 sh -c 'for i in $(seq "$1"); do diodcat -s "$2" -a "$3" "$4" > /dev/null; done' \
	sh "$N" "127.0.0.1:$P9" "$MNT" "$CMD/target"
p9_read=$(rate "$t0" "$(now)")
t0=$(now); c9 sh -c 'for i in $(seq "$1"); do kf9p -s "$2" -a "$3" put "$4-$i" < "$5" > /dev/null; done' \
	sh "$N" "127.0.0.1:$P9" "$MNT" "$CMD/p" "$W/cm.yaml"
p9_create=$(rate "$t0" "$(now)")
t0=$(now); c9 kf9p -n "$N" "${A[@]}" cat "$CMD/target" > /dev/null
p9_read1=$(rate "$t0" "$(now)")
t0=$(now); c9 kf9p -n "$N" "${A[@]}" put "$CMD/q" < "$W/cm.yaml" > /dev/null
p9_create1=$(rate "$t0" "$(now)")

t0=$(now); for i in $(seq "$N"); do nfs-cat "$(nfs "$CMD/target")" > /dev/null; done
nfs_read=$(rate "$t0" "$(now)")
t0=$(now); for i in $(seq "$N"); do nfs-cp "$W/cm.yaml" "$(nfs "$CMD/n-$i")" > /dev/null; done
nfs_create=$(rate "$t0" "$(now)")
t0=$(now); for i in $(seq "$N"); do kfnfs "$(nfs "$CMD/c-$i")" put < "$W/cm.yaml"; done
nfs_commit=$(rate "$t0" "$(now)")

for f in l p n q c; do
	[ "$(ls "$MNT/$CMD" | grep -c "^$f-")" = "$N" ] ||
		{ echo "bench: not every $f- object was created" >&2; exit 1; }
done
printf '%-8s %-28s %10s %10s %8s\n' op way "local/s" "remote/s" ratio
row read "9P, a process per op" "$local_read" "$p9_read"
row read "NFSv4, a process per op" "$local_read" "$nfs_read"
row read "9P, one connection" "$local_read1" "$p9_read1"
row create "9P, a process per op" "$local_create" "$p9_create"
row create "NFSv4, a process per op" "$local_create" "$nfs_create"
row create "NFSv4 + COMMIT, a process" "$local_create" "$nfs_commit"
row create "9P, one connection" "$local_create" "$p9_create1"
echo "($N operations each; local: cat/cp per op, one cat of N files for the one-connection read row)"
