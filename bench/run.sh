#!/bin/bash
# Run the benchmarks (their long forms), each printing its numbers beside
# a baseline measured in the same run, and write each one's report into
# docs/benchmarks.md between its markers
#   <!-- bench:NAME -->  ...  <!-- /bench:NAME -->
# with the date, the machine (cores, memory, kernel) and how long it ran.
# The prose around the markers (what the numbers mean, what was met) is
# written by hand.
#   bench/run.sh              every bench/*.sh
#   bench/run.sh fs store-crash   only those (bench/fs-bench.sh, ...)
# BENCH_DOC=0 leaves the document alone; BENCH_OUT (build/bench) keeps
# each run's full output.
set -uo pipefail
cd "$(dirname "$0")/.."
export O=${O:-build/obj} BIN=${BIN:-bin}
DOC=docs/benchmarks.md
OUT=${BENCH_OUT:-build/bench}
mkdir -p "$OUT"

# the long form of those whose default is the short one
declare -A LONG=([mem-bench]=--long)

names=()
if [ $# -gt 0 ]; then
	for n in "$@"; do
		n=${n%.sh}
		[ -f "bench/$n.sh" ] || n=$n-bench
		names+=("$n")
	done
else
	for b in bench/*.sh; do
		n=$(basename "$b" .sh)
		case $n in run | lib) continue ;; esac
		names+=("$n")
	done
fi

machine() {
	printf '%s cores, %s GiB, Linux %s' "$(nproc)" \
		"$(awk '/^MemTotal/ {printf "%d", $2 / 1048576 + 0.5}' /proc/meminfo)" \
		"$(uname -r)"
}

# write_block NAME REPORT: replace NAME's block in the document (append
# one at the end when it has none)
write_block() {
	local name=$1 report=$2 tmp
	tmp=$(mktemp)
	if grep -qx "<!-- bench:$name -->" "$DOC"; then
		awk -v b="<!-- bench:$name -->" -v e="<!-- /bench:$name -->" \
			-v r="$report" '
			$0 == b { print; while ((getline l < r) > 0) print l; skip = 1; next }
			$0 == e { skip = 0 }
			!skip' "$DOC" >"$tmp"
	else
		{ cat "$DOC"; echo; echo "<!-- bench:$name -->"; cat "$report"
		  echo "<!-- /bench:$name -->"; } >"$tmp"
	fi
	cat "$tmp" >"$DOC"
	rm -f "$tmp"
}

failed=
for n in "${names[@]}"; do
	b=bench/$n.sh
	[ -f "$b" ] || { echo "no benchmark $b" >&2; failed="$failed $n"; continue; }
	echo "== $n ${LONG[$n]:-}"
	start=$SECONDS
	when=$(date -u '+%Y-%m-%d %H:%M UTC')
	bash "$b" ${LONG[$n]:-} 2>&1 | tee "$OUT/$n.out"
	rc=${PIPESTATUS[0]}
	secs=$((SECONDS - start))
	[ "$rc" = 0 ] || failed="$failed $n"
	[ "${BENCH_DOC:-1}" = 0 ] && continue
	report=$(mktemp)
	{
		echo
		printf '`bench/%s.sh%s` on %s, %s: %d min %d s' "$n" \
			"${LONG[$n]:+ ${LONG[$n]}}" "$when" "$(machine)" \
			$((secs / 60)) $((secs % 60))
		[ "$rc" = 0 ] && echo . || echo ", FAILED (exit $rc)."
		echo
		echo '```text'
		# the report, without the progress lines of a long run
		grep -v '^\.\.\.\|^progress' "$OUT/$n.out" | tail -n 80
		echo '```'
		echo
	} >"$report"
	write_block "$n" "$report"
	rm -f "$report"
done
if [ -n "$failed" ]; then
	echo "failed:$failed"
	exit 1
fi
