#!/bin/bash
# snapshot is streamed from one read transaction per open: holding
# several open, or opening it again and again, does not copy the store
# into the server's memory; it is root's only and a whole backup.
. "$(dirname "$0")/lib.sh"
start_fs
CM=$MNT/core/v1/configmaps/default
# anonymous and shared memory (a copy in a memfd would be shared memory);
# the store's mapped pages are the kernel's page cache, not counted
mem() {
	awk '/^RssAnon:|^RssShmem:/ {s += $2} END {print s}' \
		"/proc/$FS_PID/status"
}

# a store of about 40 MB with history: 20 objects of 900 KB, twice
val=$(head -c 900000 /dev/zero | tr '\0' 'x')
for round in 1 2; do
	for i in $(seq 1 20); do
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big-%d}\ndata:\n  r: "%d"\n  v: %s\n' \
			"$i" "$round" "$val" > "$CM/big-$i"
	done
done
cp "$MNT/snapshot" /dev/null # warm up: threads, pipes, allocator
before=$(mem)
cat > "$T/hold.py" <<'PY'
import errno, os, sys, time
d = sys.argv[2]
files = [open(sys.argv[1], 'rb') for _ in range(4)]
for f in files:
    f.read(4096)
try:
    open(sys.argv[1], 'rb')
    print("fifth opened")
except OSError as e:
    print("fifth " + errno.errorcode[e.errno])
open(d + '/held', 'w').close()
while not os.path.exists(d + '/measured'):
    time.sleep(0.05)
print("read %d" % (4096 + len(files[0].read())))
for f in files:
    f.close()
PY
python3 "$T/hold.py" "$MNT/snapshot" "$T" > "$T/hold.out" &
PY_PID=$!
wait_for test -e "$T/held"
during=$(mem)
touch "$T/measured"
wait "$PY_PID" || fail "holding snapshots failed"
expect_contains "$(cat "$T/hold.out")" "fifth EAGAIN" "a fifth open snapshot"
for _ in $(seq 1 20); do cp "$MNT/snapshot" /dev/null; done
after=$(mem)
echo "memory (RssAnon+RssShmem): before ${before} kB, with 4 copies open ${during} kB, after 20 more ${after} kB"
if [ -z "${KUBEFS_SANITIZED:-}" ]; then
	[ $((during - before)) -lt 32768 ] ||
		fail "4 open snapshots took $((during - before)) kB"
	[ $((after - before)) -lt 32768 ] ||
		fail "21 snapshots took $((after - before)) kB"
fi

# a whole, restorable copy
cp "$MNT/snapshot" "$T/backup.mdb"
size=$(stat -c %s "$T/backup.mdb")
[ "$size" -gt 18000000 ] || fail "snapshot of $size bytes"
stop_fs
mv "$T/store" "$T/old"
mkdir -m 700 "$T/store"
cp "$T/backup.mdb" "$T/store/data.mdb"
start_fs
expect_eq "$(ls "$CM" | grep -c '^big-')" 20 "objects in the restored copy"
expect_eq "$(yq -r .data.r "$CM/big-7")" 2 "restored value"
echo ok
