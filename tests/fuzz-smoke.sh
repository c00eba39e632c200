#!/bin/sh
# The libFuzzer targets of tests/fuzz/ build, and run 5 seconds each from
# their seed corpora without a finding (scripts/fuzz 5). Everything is built
# in this test's scratch directory. Skipped when clang or libFuzzer is
# missing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v clang >/dev/null 2>&1 || skip_all "clang is not installed"
# The targets carry their own sanitizers: the sanitized run of the suite
# (scripts/test --sanitize) has nothing to add to the plain one.
[ -n "${IPCB_SANITIZED_SUITE:-}" ] && skip_all "already run by the plain suite"

# shellcheck disable=SC2154 # top_builddir: from tests/lib.sh
FUZZ_BUILD_DIR="$T/fuzz-build" top_builddir="$top_builddir" \
	"$top_srcdir/scripts/fuzz" 5 >"$T/out" 2>&1 </dev/null
rc=$?
[ $rc -eq 77 ] && skip_all "$(head -n 1 "$T/out")"

for t in parse opts results; do
	line=$(grep "^fuzz $t: " "$T/out")
	case "$line" in
	*", no crash") ok 0 "$line" ;;
	"") ok 1 "fuzz $t: no result" ;;
	*)
		ok 1 "$line"
		# The scratch directory goes away: keep the input in the log.
		art=$(echo "$line" | sed -n 's/.* executions: \([^ ]*\) (.*/\1/p')
		if [ -n "$art" ] && [ -f "$art" ]; then
			echo "input, base64 (decode it to a file, then: fuzz-build/fuzz-$t FILE):" | diag
			base64 "$art" | head -n 60 | diag
		fi
		log="$T/fuzz-build/$t.log"
		[ -f "$log" ] && grep -E -A 12 '^==[0-9]+==|runtime error|invariant violated|^SUMMARY' "$log" |
			head -n 40 | diag
		;;
	esac
done
ok $rc "scripts/fuzz 5 exits 0 (got $rc)"
[ $rc -eq 0 ] || diag <"$T/out"
[ -f "$T/fuzz-build/build.log" ] && [ $rc -ne 0 ] && tail -n 20 "$T/fuzz-build/build.log" | diag
done_testing
