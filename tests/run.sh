#!/bin/bash
# Run kubefs' test suites and print one closing line:
#   N passed, N failed[, N skipped]
# Usage: tests/run.sh [unit|fuzz|e2e]...   (default: all three)
# Environment: O (object dir), BIN (binaries), E2E_FILTER (glob of e2e
# scripts to run, e.g. '00*').
set -u
cd "$(dirname "$0")/.."
O=${O:-build/obj}
BIN=${BIN:-bin}
export KUBEFS_BIN=$(cd "$BIN" && pwd)
export KUBEFS_TEST_TOOLS=$(pwd)/$O/tests/tools
export KUBEFS_SRC=$(pwd)
# sanitized binaries hold freed memory in quarantine: memory bounds differ
case $O in *san*) export KUBEFS_SANITIZED=1 ;; esac

passed=0 failed=0 skipped=0
failures=()
logdir=$(mktemp -d /tmp/kubefs-test-logs.XXXXXX)

record() { # name status(0 pass, 77 skip, else fail) logfile
	case $2 in
	0) passed=$((passed + 1)); printf 'ok    %s\n' "$1" ;;
	77) skipped=$((skipped + 1)); printf 'skip  %s %s\n' "$1" \
		"$(grep -m1 '^SKIP' "$3" 2>/dev/null | cut -c6-)" ;;
	*) failed=$((failed + 1)); failures+=("$1")
	   printf 'FAIL  %s (exit %s)\n' "$1" "$2"
	   sed 's/^/      | /' "$3" | tail -n 60 ;;
	esac
}

run_unit() {
	local t name log n_pass n_fail
	for t in "$O"/tests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		log=$logdir/$name.log
		timeout 600 "$t" >"$log" 2>&1
		local rc=$?
		n_pass=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		n_fail=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		n_pass=${n_pass:-0} n_fail=${n_fail:-0}
		if [ "$rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then
			n_fail=1 # crashed or timed out
		fi
		passed=$((passed + n_pass))
		failed=$((failed + n_fail))
		if [ "$n_fail" -ne 0 ]; then
			failures+=("$name")
			printf 'FAIL  unit/%s: %s passed, %s failed\n' "$name" "$n_pass" "$n_fail"
			grep -E '^\[  (FAILED|ERROR) *\]|Failure|error|ERROR|==[0-9]+==' "$log" | head -40 | sed 's/^/      | /'
			tail -n 20 "$log" | sed 's/^/      | /'
		else
			printf 'ok    unit/%s (%s tests)\n' "$name" "$n_pass"
		fi
	done
}

run_fuzz() {
	local t name corpus log
	for t in "$O"/tests/fuzz_*-replay; do
		[ -x "$t" ] || continue
		name=$(basename "$t" -replay)
		corpus=tests/fuzz/corpus/${name#fuzz_}
		log=$logdir/$name.log
		timeout 600 "$t" "$corpus" >"$log" 2>&1
		record "fuzz/$name ($(ls "$corpus" 2>/dev/null | wc -l) inputs)" $? "$log"
	done
}

run_e2e() {
	local t name log
	for t in tests/e2e/${E2E_FILTER:-[0-9]*}.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		log=$logdir/$name.log
		timeout 900 bash "$t" >"$log" 2>&1
		record "e2e/$name" $? "$log"
	done
}

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit fuzz e2e)
for s in "${suites[@]}"; do
	echo "== $s"
	"run_$s"
done

echo
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
