#!/bin/bash
# Run kubefs' test suites and print one closing line:
#   N passed, N failed[, N skipped]
# Usage: tests/run.sh [harness|unit|fuzz|e2e]...
#   (default: all four, the harness self-test first)
# Environment:
#   O, BIN       object dir and binaries (default build/obj, bin)
#   E2E_FILTER   glob of e2e scripts to run, e.g. '00*'
#   E2E_JOBS     e2e scripts run at once (default: the number of CPUs)
#   UNIT_JOBS    unit test binaries run at once (default: the same)
#   E2E_DIR      where the e2e scripts are (default tests/e2e)
#   FUZZ_CORPUS  corpus root, one dir per harness (default tests/fuzz/corpus)
#   CI=true      an e2e skip fails unless the script accepts it (below)
# Rules (docs/testing.md): a tier that runs nothing fails; a unit skip is
# counted, a unit test that finds no API server fails; an e2e script's
# exit 77 is a skip, counted and shown with the script's "SKIP reason"
# line; under CI=true it fails unless the script declares the reason with
# a line "# ci-skip: PREFIX" and the reason starts with PREFIX. A
# sanitizer report in any test's output fails the test.
set -u
cd "$(dirname "$0")/.."
. tests/e2e/lib_sanitizer.sh
O=${O:-build/obj}
BIN=${BIN:-bin}
E2E_DIR=${E2E_DIR:-tests/e2e}
FUZZ_CORPUS=${FUZZ_CORPUS:-tests/fuzz/corpus}
if ! KUBEFS_BIN=$(cd "$BIN" 2>/dev/null && pwd); then
	echo "no binaries in $BIN (make check-build)"
	echo "0 passed, 1 failed"
	exit 1
fi
export KUBEFS_BIN
export KUBEFS_TEST_TOOLS=$(pwd)/$O/tests/tools
export KUBEFS_SRC=$(pwd)
# sanitized binaries hold freed memory in quarantine: memory bounds differ
case $O in *san*) export KUBEFS_SANITIZED=1 ;; esac

passed=0 failed=0 skipped=0
failures=()
declare -A tier_ran=() tier_secs=()
tier=
logdir=$(mktemp -d "${TMPDIR:-/tmp}/kubefs-test-logs.XXXXXX")

# count_tier N: N tests of the current tier ran
count_tier() {
	tier_ran[$tier]=$((${tier_ran[$tier]:-0} + $1))
}

# show_log LOG: the end of a failed test's output
show_log() {
	sed 's/^/      | /' "$1" | tail -n 60
}

# record NAME STATUS LOG [SKIP-ACCEPTED]: one test's result
# (status 0 pass, 77 skip, else fail; a sanitizer report fails a pass)
record() {
	local name=$1 rc=$2 log=$3 reason
	count_tier 1
	if [ "$rc" != 77 ] && sanitizer_reports "$log" >/dev/null; then
		[ "$rc" = 0 ] && rc="0, sanitizer report"
	fi
	case $rc in
	0) passed=$((passed + 1)); printf 'ok    %s\n' "$name" ;;
	77)
		reason=$(grep -m1 '^SKIP' "$log" 2>/dev/null | cut -c6-)
		if [ "${4:-yes}" = yes ]; then
			skipped=$((skipped + 1))
			printf 'skip  %s %s\n' "$name" "$reason"
		else
			failed=$((failed + 1)); failures+=("$name")
			printf 'FAIL  %s (skipped under CI=true without a ci-skip line for: %s)\n' \
				"$name" "${reason:-no SKIP line}"
		fi ;;
	*) failed=$((failed + 1)); failures+=("$name")
	   printf 'FAIL  %s (exit %s)\n' "$name" "$rc"
	   show_log "$log" ;;
	esac
}

# cmocka_count WORD LOG: N of cmocka's "[  WORD  ] N test(s)." summary
cmocka_count() {
	sed -n "s/^\[ *$1 *\] \([0-9]*\) test.*/\1/p" "$2" | tail -n 1
}

# A pool of concurrent jobs, each reported by its tier's done function
# as it finishes: pool_run JOBS DONE NAME LOG CMD... starts CMD (output
# to LOG) once fewer than JOBS run; DONE NAME STATUS LOG is called later.
declare -A pool_job=()
pool_reap() {
	local pid rc done name log
	wait -n -p pid
	rc=$?
	[ -n "${pid:-}" ] || return 0
	read -r done name log <<<"${pool_job[$pid]}"
	unset "pool_job[$pid]"
	"$done" "$name" "$rc" "$log"
}
pool_run() {
	local jobs=$1 done=$2 name=$3 log=$4
	shift 4
	[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
	while [ "${#pool_job[@]}" -ge "$jobs" ]; do
		pool_reap
	done
	"$@" >"$log" 2>&1 </dev/null &
	pool_job[$!]="$done $name $log"
}
pool_drain() {
	while [ "${#pool_job[@]}" -gt 0 ]; do
		pool_reap
	done
}

# unit_done NAME STATUS LOG: count a test binary's results
unit_done() {
	local name=$1 rc=$2 log=$3 n_pass n_fail n_skip
	n_pass=$(cmocka_count PASSED "$log")
	n_fail=$(cmocka_count FAILED "$log")
	n_skip=$(cmocka_count SKIPPED "$log")
	n_pass=${n_pass:-0} n_fail=${n_fail:-0} n_skip=${n_skip:-0}
	# crashed, timed out, failed its group setup or teardown, ran
	# nothing, or a sanitizer spoke: one more failure
	if { [ "$rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; } ||
		grep -q '^\[  FAILED  \] GROUP' "$log" ||
		[ $((n_pass + n_fail + n_skip)) -eq 0 ] ||
		sanitizer_reports "$log" >/dev/null; then
		n_fail=$((n_fail + 1))
	fi
	passed=$((passed + n_pass))
	failed=$((failed + n_fail))
	skipped=$((skipped + n_skip))
	count_tier $((n_pass + n_fail + n_skip))
	if [ "$n_fail" -ne 0 ]; then
		failures+=("$name")
		printf 'FAIL  unit/%s: %s passed, %s failed, %s skipped (exit %s)\n' \
			"$name" "$n_pass" "$n_fail" "$n_skip" "$rc"
		grep -E -e '^\[  (FAILED|ERROR) *\]|Failure|error|ERROR' \
			-e "$SANITIZER_RE" "$log" | head -40 | sed 's/^/      | /'
		tail -n 20 "$log" | sed 's/^/      | /'
	elif [ "$n_skip" -ne 0 ]; then
		printf 'ok    unit/%s (%s tests, %s skipped: %s)\n' "$name" \
			"$n_pass" "$n_skip" "$(grep -m1 '^SKIP' "$log" | cut -c6-)"
	else
		printf 'ok    unit/%s (%s tests)\n' "$name" "$n_pass"
	fi
}

# Test binaries run concurrently (UNIT_JOBS, default the number of CPUs).
run_unit() {
	local t name
	for t in "$O"/tests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		pool_run "${UNIT_JOBS:-$(nproc)}" unit_done "$name" \
			"$logdir/$name.log" timeout 600 "$t"
	done
	pool_drain
}

run_fuzz() {
	local t name corpus log rc inputs
	for t in "$O"/tests/fuzz_*-replay; do
		[ -x "$t" ] || continue
		name=$(basename "$t" -replay)
		corpus=$FUZZ_CORPUS/${name#fuzz_}
		log=$logdir/$name.log
		inputs=$(find "$corpus" -type f ! -name '.*' 2>/dev/null | wc -l)
		if [ "$inputs" -eq 0 ]; then
			echo "no inputs in $corpus" >"$log"
			record "fuzz/$name (empty corpus $corpus)" 1 "$log"
			continue
		fi
		timeout 600 "$t" "$corpus" >"$log" 2>&1
		rc=$?
		record "fuzz/$name ($inputs inputs)" "$rc" "$log"
	done
}

# ci_accepts_skip SCRIPT LOG: under CI=true, whether the script declared
# the reason its log gives ("# ci-skip: PREFIX" lines); always yes outside
ci_accepts_skip() {
	local reason prefix
	[ "${CI:-}" = true ] || return 0
	reason=$(grep -m1 '^SKIP ' "$2" | cut -c6-)
	[ -n "$reason" ] || return 1
	while IFS= read -r prefix; do
		[ -n "$prefix" ] && [ "${reason#"$prefix"}" != "$reason" ] &&
			return 0
	done < <(sed -n 's/^# ci-skip: //p' "$1")
	return 1
}

# e2e_done SCRIPT STATUS LOG: record a finished script
e2e_done() {
	local accept=yes
	[ "$2" = 77 ] && ! ci_accepts_skip "$1" "$3" && accept=no
	record "e2e/$(basename "$1" .sh)" "$2" "$3" "$accept"
}

# Scripts run concurrently (E2E_JOBS, default the number of CPUs), each in
# its own temp dir with its own log, and are reported as they finish.
run_e2e() {
	local t u
	# the system users the scripts create (ensure_user), removed at the end
	export KUBEFS_E2E_USERS=$logdir/e2e-users
	for t in "$E2E_DIR"/${E2E_FILTER:-[0-9]*}.sh; do
		[ -f "$t" ] || continue
		pool_run "${E2E_JOBS:-$(nproc)}" e2e_done "$t" \
			"$logdir/e2e-$(basename "$t" .sh).log" timeout 900 bash "$t"
	done
	pool_drain
	[ -f "$KUBEFS_E2E_USERS" ] && sort -u "$KUBEFS_E2E_USERS" |
		while read -r u; do userdel "$u" >/dev/null 2>&1; done
}

# The harness self-test: deliberately broken tests must each turn a run
# of this script red (tests/harness/selftest.sh).
run_harness() {
	local c log rc
	for c in $(tests/harness/selftest.sh --list); do
		log=$logdir/harness-$c.log
		O=$O BIN=$BIN tests/harness/selftest.sh "$c" >"$log" 2>&1 </dev/null
		rc=$?
		record "harness/$c" "$rc" "$log"
	done
}

on_signal() {
	local pid
	for pid in "${!pool_job[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	exit 130
}
trap on_signal INT TERM

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(harness unit fuzz e2e)
for tier in "${suites[@]}"; do
	if [ "$(type -t "run_$tier")" != function ]; then
		echo "unknown tier $tier (harness, unit, fuzz or e2e)"
		failed=$((failed + 1)); failures+=("$tier")
		continue
	fi
	echo "== $tier"
	start=$SECONDS
	"run_$tier"
	tier_secs[$tier]=$((SECONDS - start))
	if [ "${tier_ran[$tier]:-0}" -eq 0 ]; then
		# nothing built, a wrong build dir or a filter matching nothing
		failed=$((failed + 1)); failures+=("$tier")
		printf 'FAIL  %s: no tests ran (O=%s, E2E_DIR=%s, E2E_FILTER=%s)\n' \
			"$tier" "$O" "$E2E_DIR" "${E2E_FILTER:-}"
	fi
done

echo
for tier in "${suites[@]}"; do
	[ -n "${tier_secs[$tier]:-}" ] &&
		printf '%-8s %4d tests run in %d s\n' "$tier" \
			"${tier_ran[$tier]:-0}" "${tier_secs[$tier]}"
done
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
	echo "logs: $logdir"
else
	rm -rf "$logdir"
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
