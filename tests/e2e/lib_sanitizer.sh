# Sourced by tests/run.sh and tests/e2e/lib.sh: finding sanitizer reports.
#
# sanitizer_reports FILE...: print the report lines AddressSanitizer,
# LeakSanitizer and UndefinedBehaviorSanitizer wrote in the files (each
# line prefixed with its file name); status 0 when there is one, 1 when
# there is none. Missing files are ignored.
#
# It also points LeakSanitizer at tests/lsan.supp (leaks inside system
# libraries that are not kubefs' to fix), keeping any options already set.
_lsan_supp=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lsan.supp
case ${LSAN_OPTIONS:-} in
*suppressions=*) ;;
*) export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$_lsan_supp:print_suppressions=0" ;;
esac
unset _lsan_supp
SANITIZER_RE='==[0-9]+==ERROR: [A-Za-z]+Sanitizer|LeakSanitizer|: runtime error: '

sanitizer_reports() {
	local f found=1
	for f in "$@"; do
		[ -f "$f" ] || continue
		if grep -E -H -m 5 "$SANITIZER_RE" "$f"; then
			found=0
		fi
	done
	return $found
}
