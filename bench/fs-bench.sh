#!/bin/bash
# kubefs-fs against its baselines, side by side in one run: the store
# alone and fsync'd files on the same disk (bench/store_bench, run first),
# then Debian's etcd on loopback through its JSON gateway (bench/etcd_bench;
# the package etcd-server is installed here when missing, and the column
# left out when it cannot be), then a private kubefs-fs whose store is on
# the disk under the current directory against a private tmpfs
# (bench/fs_bench). Arguments go to fs_bench; FS_BENCH_STORE_SECONDS
# (default 1) is the store baseline's length per round, FS_BENCH_ETCD=0
# leaves etcd out.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
O=${O:-build/obj}
BIN=${BIN:-bin}
W=$(mktemp -d "$PWD/build/fs-bench.XXXXXX")
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "${etcd_pid:-}" ] && kill "$etcd_pid" 2>/dev/null &&
		wait "$etcd_pid" 2>/dev/null
	umount "$W/tmpfs" 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/mnt" "$W/tmpfs" "$W/sb"
# the store's own rate and fsync'd files, per writer count: W:STORE:FILES
"$O/bench/store_bench" "$W/sb" --seconds "${FS_BENCH_STORE_SECONDS:-1}" |
	tee "$W/store.txt"
baseline=$(awk '$1 ~ /^[0-9]+$/ && NF == 5 { printf "%s%s:%s:%s", sep, $1, $2, $3; sep = "," }' \
	"$W/store.txt")
echo
# etcd, on loopback, its data on the same disk
etcd_args=()
if [ "${FS_BENCH_ETCD:-1}" != 0 ] && ! command -v etcd >/dev/null &&
	command -v apt-get >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y etcd-server \
		>"$W/apt.log" 2>&1 || echo "etcd-server not installable: no etcd column"
fi
if [ "${FS_BENCH_ETCD:-1}" != 0 ] && command -v etcd >/dev/null; then
	port=$((20000 + RANDOM % 20000))
	url=http://127.0.0.1:$port peer=http://127.0.0.1:$((port + 1))
	etcd --name bench --data-dir "$W/etcd" --listen-client-urls "$url" \
		--advertise-client-urls "$url" --listen-peer-urls "$peer" \
		--initial-advertise-peer-urls "$peer" \
		--initial-cluster "bench=$peer" >"$W/etcd.log" 2>&1 &
	etcd_pid=$!
	for _ in $(seq 100); do
		curl -sf "$url/health" >/dev/null 2>&1 && break
		sleep 0.1
	done
	if "$O/bench/etcd_bench" --endpoint "$url" "$@" >"$W/etcd.txt" ||
		[ -s "$W/etcd.txt" ]; then
		etcd_args=(--etcd "$W/etcd.txt")
	fi
	kill "$etcd_pid" && wait "$etcd_pid" 2>/dev/null || true
	etcd_pid=
fi
mount -t tmpfs -o size=512m tmpfs "$W/tmpfs"
"$BIN/kubefs-fs" --foreground --store "$W/store" --log "$W/fs.log" "$W/mnt" &
pid=$!
wait_healthy "$W/mnt" "$pid" "$W/fs.log"
"$O/bench/fs_bench" --mount "$W/mnt" --tmpfs "$W/tmpfs" \
	--baseline "$baseline" "${etcd_args[@]}" "$@"

# Scale: FS_BENCH_SCALE objects (default 100,000; 0 leaves it out) in one
# directory, written as drop-box Lists of 1,000; then kubefs-fs's
# resident memory, a restart to serving, and `ls` of the directory against
# the same number of files on the tmpfs.
scale=${FS_BENCH_SCALE:-100000}
[ "$scale" -gt 0 ] || exit 0
mkdir -p "$W/tmpfs/scale"
t0=$(date +%s.%N)
for ((b = 0; b < scale; b += 1000)); do
	{
		echo '{"apiVersion":"v1","kind":"List","items":['
		for ((i = b; i < b + 1000 && i < scale; i++)); do
			[ $i -gt $b ] && echo ,
			printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s-%d","namespace":"scale"},"data":{"payload":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}' "$i"
		done
		echo ']}'
	} >"$W/list.json"
	[ $b -gt 0 ] || mkdir "$W/mnt/core/v1/configmaps/scale"
	cp "$W/list.json" "$W/mnt/core/v1/configmaps/"
done
t1=$(date +%s.%N)
(cd "$W/tmpfs/scale" && seq -f 's-%.0f' 0 $((scale - 1)) | xargs touch)
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
rss() { awk '/^VmRSS:/ {print int($2 / 1024)}' "/proc/$1/status"; }
lsrate() { # DIR: seconds of `ls` (one readdir pass, sorted)
	local a b n
	a=$(date +%s.%N)
	n=$(ls "$1" | wc -l)
	b=$(date +%s.%N)
	echo "$n $(minus "$b" "$a")"
}
read -r kn kt < <(lsrate "$W/mnt/core/v1/configmaps/scale")
read -r tn tt < <(lsrate "$W/tmpfs/scale")
echo
echo "scale: $scale objects written in $(minus "$t1" "$t0") s (drop-box Lists of 1,000)"
echo "  ls of $kn entries: kubefs $kt s, tmpfs ($tn files) $tt s"
echo "  kubefs-fs resident memory after the listing: $(rss "$pid") MB"
kill "$pid"
wait "$pid" 2>/dev/null || true
t0=$(date +%s.%N)
"$BIN/kubefs-fs" --foreground --store "$W/store" --log "$W/fs.log" "$W/mnt" &
pid=$!
wait_healthy "$W/mnt" "$pid" "$W/fs.log"
t1=$(date +%s.%N)
echo "  restart to serving with $scale objects: $(minus "$t1" "$t0") s"
echo "  resident memory after the restart: $(rss "$pid") MB"
read -r kn kt < <(lsrate "$W/mnt/core/v1/configmaps/scale")
echo "  ls of $kn entries after the restart: $kt s; resident memory then: $(rss "$pid") MB"
