# Sourced by tests/run.sh and tests/e2e/lib.sh: finding sanitizer reports.
#
# sanitizer_reports FILE...: print the report lines AddressSanitizer,
# LeakSanitizer and UndefinedBehaviorSanitizer wrote in the files (each
# line prefixed with its file name); status 0 when there is one, 1 when
# there is none. Missing files are ignored.
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
