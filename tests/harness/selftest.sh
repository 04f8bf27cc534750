#!/bin/bash
# The harness self-test: tests/run.sh must turn red for each deliberate
# failure and stay green (counting skips) for the controls.
#   tests/harness/selftest.sh --list    the cases
#   tests/harness/selftest.sh CASE      run one; exit 0 when run.sh judged
#                                       it right
# Each case runs tests/run.sh on a temp dir holding only the broken thing:
# test_harness (tests that pass, fail, crash or skip on purpose),
# fuzz_harness-replay (aborts on an input starting "crash"), e2e scripts
# written here, and bad_fs, a kubefs-fs that exits at start, aborts when
# stopped or writes a sanitizer report when stopped. Environment: O and
# BIN as for tests/run.sh (the real kubefs-fs is $BIN/kubefs-fs).
set -euo pipefail
cd "$(dirname "$0")/../.."
O=${O:-build/obj}
BIN=${BIN:-bin}

CASES="unit-pass unit-fail unit-crash unit-skip unit-fs-down unit-fs-abort
unit-fs-report fuzz-pass fuzz-crash fuzz-empty e2e-pass e2e-fail
e2e-fs-abort e2e-fs-report e2e-daemon-report e2e-skip e2e-skip-ci
e2e-skip-ci-declared empty-unit empty-e2e"
if [ "${1:-}" = --list ]; then
	echo $CASES
	exit 0
fi
case=${1:?usage: selftest.sh --list | CASE}
H=$(pwd)/$O/harness
for f in "$H/tests/test_harness" "$H/tests/fuzz_harness-replay" \
	"$H/bin/kubefs-fs" "$BIN/kubefs-fs"; do
	[ -x "$f" ] || { echo "$f is not built (make check-build)"; exit 1; }
done
export KUBEFS_HARNESS_REAL_FS
KUBEFS_HARNESS_REAL_FS=$(cd "$BIN" && pwd)/kubefs-fs
W=$(mktemp -d /tmp/kubefs-selftest.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/o/tests" "$W/e2e" "$W/corpus/harness"

# e2e SCRIPT-BODY: the one e2e script of this case
e2e() {
	{
		echo '#!/bin/bash'
		echo '. "$KUBEFS_SRC/tests/e2e/lib.sh"'
		cat
	} >"$W/e2e/0001-selftest.sh"
}

# run TIER [ENV=VALUE...]: tests/run.sh on the case's dir; leaves its
# status in $rc, its closing line in $last and its output in $W/out
# (shown only when it is judged wrong: it holds deliberate reports)
run() {
	local tier=$1
	shift
	rc=0
	env -u CI "$@" TMPDIR="$W" O="$W/o" BIN="$H/bin" E2E_DIR="$W/e2e" \
		FUZZ_CORPUS="$W/corpus" E2E_JOBS=1 tests/run.sh "$tier" \
		>"$W/out" 2>&1 || rc=$?
	last=$(tail -n 1 "$W/out")
}

# wrong WHAT: the case failed: say so, with run.sh's output
wrong() {
	echo "$*"
	sed 's/^/  run.sh| /' "$W/out"
	exit 1
}

# red: run.sh failed and said so in its closing line
red() {
	[ "$rc" -ne 0 ] && [[ $last =~ ^[0-9]+\ passed,\ [1-9][0-9]*\ failed ]] ||
		wrong "expected a red summary, got exit $rc: $last"
}

# green LINE: run.sh passed with exactly this closing line
green() {
	[ "$rc" -eq 0 ] && [ "$last" = "$1" ] ||
		wrong "expected exit 0 and '$1', got exit $rc: $last"
}

unit() { ln -s "$H/tests/test_harness" "$W/o/tests/test_harness"; }
fuzz() {
	ln -s "$H/tests/fuzz_harness-replay" "$W/o/tests/fuzz_harness-replay"
}

case $case in
unit-pass) unit; run unit HARNESS_MODE=pass; green "2 passed, 0 failed" ;;
unit-fail) unit; run unit HARNESS_MODE=fail; red ;;
unit-crash) unit; run unit HARNESS_MODE=crash; red ;;
unit-skip)
	unit; run unit HARNESS_MODE=skip
	green "1 passed, 0 failed, 1 skipped" ;;
unit-fs-down)
	unit; run unit HARNESS_MODE=fs KUBEFS_HARNESS_FS=exit-at-start; red ;;
unit-fs-abort)
	unit; run unit HARNESS_MODE=fs KUBEFS_HARNESS_FS=abort-at-stop; red ;;
unit-fs-report)
	unit; run unit HARNESS_MODE=fs KUBEFS_HARNESS_FS=report-at-stop; red ;;
fuzz-pass)
	fuzz; echo fine >"$W/corpus/harness/fine"
	run fuzz; green "1 passed, 0 failed" ;;
fuzz-crash)
	fuzz; echo fine >"$W/corpus/harness/fine"
	echo crash >"$W/corpus/harness/crash"
	run fuzz; red ;;
fuzz-empty) fuzz; run fuzz; red ;;
e2e-pass)
	e2e <<'EOF'
start_fs
expect_eq "$(cat "$MNT/healthz")" ok healthz
EOF
	run e2e; green "1 passed, 0 failed" ;;
e2e-fail)
	e2e <<'EOF'
start_fs
expect_eq "$(cat "$MNT/healthz")" broken healthz
EOF
	run e2e; red ;;
e2e-fs-abort | e2e-fs-report)
	e2e <<'EOF'
start_fs
expect_eq "$(cat "$MNT/healthz")" ok healthz
EOF
	mode=abort-at-stop
	[ "$case" = e2e-fs-report ] && mode=report-at-stop
	run e2e KUBEFS_HARNESS_FS=$mode; red ;;
e2e-daemon-report)
	e2e <<'EOF'
start_daemon helper bash -c 'echo "x.c:1:2: runtime error: signed integer overflow" >&2
	trap "exit 0" TERM; while :; do sleep 0.05; done'
wait_for grep -q . "$T/helper.log"
EOF
	run e2e; red ;;
e2e-skip | e2e-skip-ci | e2e-skip-ci-declared)
	e2e <<'EOF'
# ci-skip: no widget
skip "no widget on this machine"
EOF
	if [ "$case" = e2e-skip ]; then
		run e2e; green "0 passed, 0 failed, 1 skipped"
	elif [ "$case" = e2e-skip-ci ]; then
		sed -i '/^# ci-skip/d' "$W/e2e/0001-selftest.sh"
		run e2e CI=true; red
	else
		run e2e CI=true; green "0 passed, 0 failed, 1 skipped"
	fi ;;
empty-unit) run unit; red ;;
empty-e2e) e2e </dev/null; run e2e E2E_FILTER=9999; red ;;
*) echo "no case $case"; exit 2 ;;
esac
echo "ok: $case"
