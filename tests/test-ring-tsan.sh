#!/bin/sh
# The ring's test (tests/test-ring.c) under ThreadSanitizer. Skipped, with
# the reason, when the compiler cannot build and run a trivial program with
# -fsanitize=thread (no TSan runtime here). Once it can, a ring test that
# does not build fails, as does any report of ThreadSanitizer.
: "${top_builddir:=.}"
cd "$top_builddir" || exit 99
log=tests/test-ring-tsan.build

# the first line of the build log that is not one of make's own
first_error() {
	grep -v -e '^  [A-Z][A-Z]* ' -e '^make' "$log" | head -n 1
}

rm -f tests/tsan-probe
if ! ${MAKE:-make} -s tests/tsan-probe >"$log" 2>&1; then
	why=$(first_error)
	echo "1..0 # SKIP no ThreadSanitizer runtime: a trivial program fails to build: $why"
	exit 0
fi
if ! tests/tsan-probe >"$log" 2>&1; then
	echo "1..0 # SKIP ThreadSanitizer does not run here: $(head -n 1 "$log")"
	exit 0
fi
if ! ${MAKE:-make} -s tests/test-ring-tsan >"$log" 2>&1; then
	why=$(first_error)
	sed 's/^/# /' "$log"
	echo "Bail out! tests/test-ring-tsan does not build (a trivial program does): $why"
	exit 1
fi
TSAN_OPTIONS="halt_on_error=1 exitcode=66" exec tests/test-ring-tsan
