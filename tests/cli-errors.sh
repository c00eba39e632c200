#!/bin/sh
# Bad command lines: each exits 2 with exactly one line on stderr that
# names the bad value, prints nothing on stdout, and leaves nothing behind.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

# expect_usage FRAGMENT ARGS...: FRAGMENT must appear in the one-line error.
expect_usage() {
	fragment=$1
	shift
	run_ipcbench "$@"
	lines=$(wc -l <"$T/stderr")
	out=$(wc -c <"$T/stdout")
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ "$out" -eq 0 ] &&
	   grep -qF -- "$fragment" "$T/stderr"; then
		ok 0 "ipcbench $*: exit 2, one line naming '$fragment'"
	else
		ok 1 "ipcbench $*: exit 2, one line naming '$fragment'"
		echo "exit $rc, $lines stderr lines, $out stdout bytes:" | diag
		diag <"$T/stderr"
	fi
}

expect_usage "'rnu' (did you mean 'run'?)" rnu
expect_usage "'bogus'" bogus
expect_usage "'pipes' (did you mean 'pipe'?)" --mech pipes
expect_usage "'nosuch'" --mech nosuch
expect_usage "'pipe' is given twice" --mech pipe,pipe
expect_usage "mechanism list ''" --mech ''
expect_usage "'0'" --sizes 0
expect_usage "'-5'" --sizes -5
expect_usage "'abc'" --sizes abc
expect_usage "'99999999999999999999'" --sizes 99999999999999999999
expect_usage "'4KB'" --sizes 4KB
expect_usage "'2G'" --sizes 2G
expect_usage "appears twice" --sizes 64,64
expect_usage "'1K-64'" --sizes 1K-64
expect_usage "CPU 9999 does not exist" --cpus 9999,0
expect_usage "CPU 9999 does not exist" --cpus 0,9999
expect_usage "'0'" --cpus 0
expect_usage "'a,b'" --cpus a,b
expect_usage "'0'" --iterations 0
expect_usage "'-1'" --iterations -1
expect_usage "'abc'" --iterations abc
expect_usage "'99999999999999999999'" --iterations 99999999999999999999
expect_usage "'0'" --repetitions 0
expect_usage "'1001'" --repetitions 1001
expect_usage "'x'" --warmup x
expect_usage "'0'" --timeout 0
expect_usage "'abc'" --timeout abc
expect_usage "'latencyy' (did you mean 'latency'?)" --test latencyy
expect_usage "'oneway,oneway' names a test twice" --test oneway,oneway
expect_usage "--rate applies to --test latency and --test oneway" --test throughput --rate 1000
expect_usage "--direction applies to --test oneway" --direction ba
expect_usage "'xy'" --test oneway --direction ab,xy
expect_usage "'ab,ab' names a direction twice" --test oneway --direction ab,ab
expect_usage "'0' is out of range" --test oneway --rate 0
expect_usage "--rate 1: at least 2 messages per --timeout" --test oneway --rate 1 --timeout 1
expect_usage "/proc/ipcbench-test.json" --json /proc/ipcbench-test.json
expect_usage "/nonexistent-ipcbench-dir/x.json" --json /nonexistent-ipcbench-dir/x.json
expect_usage "'$T'" --json "$T"
expect_usage "'--frobnicate'" --frobnicate
expect_usage "'--sizez' (did you mean '--sizes'?)" --sizez 64
expect_usage "'--sizes' needs a value" --sizes
expect_usage "'extra'" run extra
expect_usage "'--bogus'" list --bogus
expect_usage "'nosuch'" help nosuch
expect_usage "'bogus' is not one of spin|futex|hybrid" --mech shm-futex -o wait=bogus
expect_usage "unknown option 'nosuch'" -o nosuch=1
expect_usage "unknown option 'wiat' (did you mean 'wait'?)" -o wiat=spin
expect_usage "value 'spin' is given twice" --mech shm-futex -o wait=spin,spin
expect_usage "'5000' is not a power of two" --mech shm-futex -o ring=5000
expect_usage "'1000' is too small" --mech shm-futex -o ring=1000
expect_usage "-o wait: no selected mechanism takes this option (shm does)" --mech pipe -o wait=spin
expect_usage "'bogus' is not one of spin|futex|hybrid|posix-sem|sysv-sem|mutex|eventfd|flock" \
	--mech shm -o wait=bogus
expect_usage "'bogus' is not one of memfd|posix|sysv|file" --mech shm -o backing=bogus
# -o dir: an absolute path to an existing directory
expect_usage "dir: 'relative' is not an absolute path" --mech shm -o dir=relative
expect_usage "dir: '/nonexistent-ipcbench-dir' is not a directory" --mech shm \
	-o dir=/nonexistent-ipcbench-dir
expect_usage "dir: '/etc/passwd' is not a directory" --mech shm -o dir=/etc/passwd
expect_usage "value '$T/tmp' is given twice" --mech shm -o dir="$T/tmp,$T/tmp"
expect_usage "'novalue' is not KEY=VALUE" -o novalue
expect_usage "option 'wait' is given twice" --mech shm-futex -o wait=spin -o wait=futex
expect_usage "nodelay: 'maybe' is not 0 or 1" --mech tcp -o nodelay=maybe
expect_usage "netns: 'vet' is not one of none|veth" --mech tcp -o netns=vet
expect_usage "unknown clock 'rdtsc'" --clock rdtsc
expect_usage "'0'" --cell-time 0
expect_usage "--iterations and --cell-time contradict" --iterations 100 --cell-time 1
IPCBENCH_FAULT=garbage run_ipcbench --mech pipe
[ "$rc" -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q "'garbage'" "$T/stderr"
ok $? "IPCBENCH_FAULT=garbage: exit 2, one line naming it"
extra=$(ls "$T" | grep -v '^tmp$\|^stdout$\|^stderr$')
[ -z "$extra" ]
ok $? "no results file or temporary file was written"

# --cpus overrides --placement: a note, not an error; the results keep the
# class the CPUs form and record the placement given.
run_ipcbench --mech pipe --sizes 8 --test latency --iterations 10 --repetitions 1 \
	--cpus 0,0 --placement cross-numa --json "$T/out.json"
[ "$rc" -eq 0 ] && grep -q "note: --cpus 0,0 overrides --placement cross-numa" "$T/stderr" &&
	[ "$(json_query "$T/out.json" "[(p['requested'], p['class'], p.get('overridden_placement')) for p in d['placements']]")" = "[('cpus', 'same-cpu', 'cross-numa')]" ]
ok $? "--cpus 0,0 --placement cross-numa: exit $rc, --cpus wins, a note says so and the results record it"
ok_schema "$T/out.json" "... results validate against the schema"
rm -f "$T/out.json"
assert_clean "bad input"
done_testing
