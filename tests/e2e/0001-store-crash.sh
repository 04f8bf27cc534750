#!/bin/bash
# The store survives kill -9 at any instant: a writer (store_writer) with
# several threads is killed after a random 0-300 ms, again and again on
# the same store, and after every kill store_check verifies that every
# acknowledged write is there, nothing torn or untried is, batches are
# whole and the event log is contiguous and agrees with the objects; then
# `mdb_stat -a` must read the environment. The map starts at 256 KiB so
# the runs also grow it, and the log keeps 200 events for 1 s so they
# compact it.
#
# Environment: KUBEFS_TEST_TOOLS (the built tests/tools),
# STORE_CRASH_ITERATIONS (default 20), STORE_CRASH_MAX_MS (default 300).
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
tools=${KUBEFS_TEST_TOOLS:-$src/build/obj/tests/tools}
iterations=${STORE_CRASH_ITERATIONS:-20}
max_ms=${STORE_CRASH_MAX_MS:-300}

for t in store_writer store_check; do
	if [ ! -x "$tools/$t" ]; then
		echo "FAIL: $tools/$t is not built (make check-build)" >&2
		exit 1
	fi
done
if ! command -v mdb_stat >/dev/null; then
	echo "SKIP mdb_stat not installed (lmdb-utils)"
	exit 77
fi

T=$(mktemp -d /tmp/kubefs-store-crash.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT

store=$T/store
log=$T/writer.log
: >"$log"
for i in $(seq 1 "$iterations"); do
	before=$(grep -c '^ACK' "$log" || true)
	"$tools/store_writer" "$store" --threads 4 --keys 8 \
		--map 262144 --map-max 268435456 \
		--keep-events 200 --keep-seconds 1 >>"$log" 2>>"$T/writer.err" &
	pid=$!
	ms=$((RANDOM % (max_ms + 1)))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	pid=
	# only our kill -9 may end it (137): not an exit of its own, a
	# SIGSEGV or a sanitizer's abort
	if [ "$rc" -ne 137 ]; then
		echo "FAIL: iteration $i: the writer ended with status $rc" \
			"before the kill -9" >&2
		cat "$T/writer.err" >&2
		exit 1
	fi
	after=$(grep -c '^ACK' "$log" || true)
	if ! "$tools/store_check" "$store" "$log" --keys 8 >"$T/check.out" \
		2>&1; then
		echo "FAIL: iteration $i (killed after $ms ms," \
			"$((after - before)) writes acknowledged):" >&2
		cat "$T/check.out" >&2
		exit 1
	fi
	if ! mdb_stat -a "$store" >"$T/mdb_stat.out" 2>&1; then
		echo "FAIL: iteration $i: mdb_stat -a failed:" >&2
		tail -n 20 "$T/mdb_stat.out" >&2
		exit 1
	fi
	if [ "$iterations" -le 50 ] || [ $((i % 50)) -eq 0 ]; then
		printf 'iteration %d: killed after %d ms, %d acknowledged: %s\n' \
			"$i" "$ms" "$((after - before))" "$(cat "$T/check.out")"
	fi
done

acks=$(grep -c '^ACK' "$log" || true)
if [ "$acks" -eq 0 ]; then
	echo "FAIL: no write was ever acknowledged: nothing was tested" >&2
	exit 1
fi
echo "ok: $iterations kills, $acks acknowledged writes, all there"
