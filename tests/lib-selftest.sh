#!/bin/sh
# tests/lib.sh itself: done_testing's exit status says whether a check
# failed, skip and skip_all are skips, assert_snapshot fails on a leftover
# and removes it, and the scratch directory goes away. Each
# case runs in a child shell whose TAP output is read here, so no failing
# check of theirs reaches this test's own output.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

# child SCRIPT: run SCRIPT after sourcing tests/lib.sh in a new shell;
# its output in $T/child, its status in $crc, its "not ok" lines in $bad,
# its plan line in $plan.
child() {
	top_srcdir="$top_srcdir" top_builddir="$top_builddir" \
		sh -c '. "$top_srcdir/tests/lib.sh"; echo "# scratch $T"; '"$1" >"$T/child" 2>&1
	crc=$?
	bad=$(grep -c '^not ok ' "$T/child")
	plan=$(grep '^1\.\.' "$T/child")
}

# explain: the child's output as a diagnostic.
explain() {
	diag <"$T/child"
}

child 'ok 0 first; check second true; ok 0 third; done_testing'
[ $crc -eq 0 ] && [ "$bad" -eq 0 ] && [ "$plan" = "1..3" ]
ok $? "three passing checks: exit 0 (got $crc), no 'not ok', plan $plan" || explain

child 'ok 0 first; ok 1 second; ok 0 third; done_testing'
[ $crc -ne 0 ] && [ "$bad" -eq 1 ] && [ "$plan" = "1..3" ]
ok $? "one failing ok among three: exit non-zero (got $crc), one 'not ok', plan $plan" || explain

child 'check first false; done_testing'
[ $crc -ne 0 ] && [ "$bad" -eq 1 ] && [ "$plan" = "1..1" ]
ok $? "a failing check: exit non-zero (got $crc)" || explain

child 'ok 1 first; ok 1 second; done_testing'
[ $crc -ne 0 ] && [ "$bad" -eq 2 ]
ok $? "every check failing: exit non-zero (got $crc), two 'not ok'" || explain

child 'skip_all "nothing to test here"; ok 1 never reached'
[ $crc -eq 0 ] && [ "$bad" -eq 0 ] && [ "$plan" = "1..0 # SKIP nothing to test here" ]
ok $? "skip_all: exit 0 (got $crc), a plan of 1..0 with the directive and the reason" || explain

child 'ok 0 first; skip 2 "no such tool here"; done_testing'
[ $crc -eq 0 ] && [ "$bad" -eq 0 ] && [ "$plan" = "1..3" ] &&
	[ "$(grep -c '^ok [23] # SKIP no such tool here$' "$T/child")" -eq 2 ]
ok $? "skip 2: two skipped checks, numbered on, with the reason; exit 0 (got $crc)" || explain

child 'serialize; snapshot >"$T/before"; : >"$T/tmp/left"; assert_snapshot "$T/before" leak;
	assert_snapshot "$T/before" again; done_testing'
[ $crc -ne 0 ] && [ "$bad" -eq 1 ] && [ "$plan" = "1..2" ] &&
	grep -q '^not ok 1 - leak: nothing left behind' "$T/child" && grep -q '^# > tmp left$' "$T/child"
ok $? "assert_snapshot: a leftover fails the check, names it, and is removed (the next check passes)" ||
	explain

scratch=$(sed -n 's/^# scratch //p' "$T/child")
[ -n "$scratch" ] && [ ! -e "$scratch" ]
ok $? "the child's scratch directory is gone after it exits"
done_testing
