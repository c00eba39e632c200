#!/bin/sh
# Run the ring test under ThreadSanitizer; skip when the compiler cannot
# build it (no libtsan).
: "${top_builddir:=.}"
cd "$top_builddir" || exit 99
if ! make -s tests/test-ring-tsan >tests/test-ring-tsan.build 2>&1; then
	echo "1..0 # SKIP ThreadSanitizer is not available: $(head -1 tests/test-ring-tsan.build)"
	exit 0
fi
TSAN_OPTIONS="halt_on_error=1 exitcode=66" exec tests/test-ring-tsan
