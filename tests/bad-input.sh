#!/bin/sh
# Bad invocations, table-driven: every line of the table below must exit 2
# with exactly one line on stderr containing the expected fragment (normally
# the bad value), print nothing on stdout, not crash (no signal, no
# sanitizer report), write no results file and leave nothing in the private
# TMPDIR. Then a few hostile-but-valid inputs that must not crash.
# tests/cli-errors.sh keeps its own (smaller) list; this one covers more.
# Variables are used through eval; ulimit -c is in every shell we run on.
# shellcheck disable=SC2016,SC2034,SC3045
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
serialize
snapshot >"$T/before-ipc"
ulimit -c 0 2>/dev/null || :

tab=$(printf '\t')
B="$top_srcdir/tests/fixtures/results/base.json"

# Arguments added to run/matrix cases so that a case wrongly accepted runs
# one tiny cell instead of a full sweep. The case's own options come after
# them and so override them. QC: the same without --iterations, for the
# --cell-time cases. They are left out of the TAP descriptions.
Q="--mech pipe --sizes 8 --test latency --iterations 10 --repetitions 1"
QC="--mech pipe --sizes 8 --test latency --repetitions 1"
M="--iterations 10 --repetitions 1"

SIZES65=$(seq -s, 1 65)
LONG=$(head -c 5000 /dev/zero | tr '\0' a)
NAME300=$(head -c 300 /dev/zero | tr '\0' b)
NAME200=$(head -c 200 /dev/zero | tr '\0' b)
# CPUs that do not exist (on a machine with more, the highest ipcbench knows).
CPU99=99
[ -e /sys/devices/system/cpu/cpu99 ] && CPU99=1023
CPU999=999
[ -e /sys/devices/system/cpu/cpu999 ] && CPU999=1023

# Bad results files, derived from the fixture.
: >"$T/empty.json"
head -c 300 "$B" >"$T/truncated.json"
echo "hello, not JSON" >"$T/text.json"
echo '{"schema_version": 1, "system": {}, "cells": [], "n": 1e999}' >"$T/huge.json"
"$PYTHON3" -c 'print("[" * 100000 + "]" * 100000)' >"$T/deep.json"
"$PYTHON3" - "$B" "$T" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
json.dump([d], open(sys.argv[2] + "/array.json", "w"))
d["schema_version"] = 3
json.dump(d, open(sys.argv[2] + "/schema3.json", "w"))
PY
mkdir "$T/dir.json"

# A read-only file system for --json, when we may mount one.
# lib.sh's EXIT trap, with the unmount first.
trap 'umount "$T/ro" 2>/dev/null; pkill -KILL -f "$T" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
RO=
mkdir "$T/ro"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o ro,size=1m none "$T/ro" 2>/dev/null; then
	RO="$T/ro"
fi

# files_in DIR: the names in DIR, with builtins only (the table has 160
# cases; a few processes each would make it slow).
files_in() {
	files=
	for f in "$1"/* "$1"/.[!.]* "$1"/..?*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		files="$files ${f##*/}"
	done
}

# Files the test itself made: a case must add none.
: >"$T/stdout"
: >"$T/stderr"
files_in "$T"
files_before=$files

# expect_usage DESC FRAGMENT ARGS...
expect_usage() {
	desc=$1
	frag=$2
	shift 2
	run_ipcbench "$@"
	why=
	[ "$rc" -eq 2 ] || why="$why exit $rc;"
	[ ! -s "$T/stdout" ] || why="$why stdout not empty;"
	lines=0
	found=
	crash=
	while IFS= read -r line || [ -n "$line" ]; do
		lines=$((lines + 1))
		case $line in *"$frag"*) found=y ;; esac
		case $line in *Sanitizer* | *'runtime error:'* | *'core dumped'*) crash=y ;; esac
	done <"$T/stderr"
	[ "$lines" -eq 1 ] || why="$why $lines stderr lines;"
	[ -n "$found" ] || why="$why fragment not found;"
	[ -z "$crash" ] || why="$why sanitizer report;"
	files_in "$T/tmp"
	[ -z "$files" ] || why="$why left in TMPDIR:$files;"
	files_in "$T"
	[ "$files" = "$files_before" ] || why="$why files in \$T now:$files;"
	[ -z "$why" ]
	ok $? "$desc: exit 2, one line naming $frag"
	if [ -n "$why" ]; then
		echo "got:$why" | diag
		cut -c1-300 "$T/stderr" | head -n 8 | diag
		# Start the next case clean.
		for f in $files; do
			case " $files_before " in *" $f "*) ;; *) rm -rf "${T:?}/$f" ;; esac
		done
		rm -rf "$T/tmp" && mkdir "$T/tmp"
	fi
}

# strip TEXT WORD: TEXT without each occurrence of WORD.
strip() {
	stripped=$1
	while :; do
		case $stripped in
		*"$2"*) stripped="${stripped%%"$2"*}${stripped#*"$2"}" ;;
		*) break ;;
		esac
	done
}

# The table: FRAGMENT<TAB>ARGS. ARGS is split and expanded by the shell
# (eval), so it may hold quotes and the variables above; FRAGMENT is
# expanded too when it holds a '$'. The TAP description is ARGS as written,
# without $Q, $QC and $M.
while IFS=$tab read -r frag args; do
	case $frag in '' | '#'*) continue ;; esac
	strip "$args" ' $QC'
	strip "$stripped" ' $Q'
	strip "$stripped" ' $M'
	desc=$stripped
	case $args in
	*'$RO'*)
		if [ -z "$RO" ]; then
			tap_n=$((tap_n + 1))
			echo "ok $tap_n - $desc # SKIP cannot mount a read-only tmpfs here"
			continue
		fi ;;
	esac
	case $frag in *'$'*) eval "frag=\"$frag\"" ;; esac
	eval "set -- $args"
	expect_usage "$desc" "$frag" "$@"
done <<'EOF'
# Commands and options
'rnu' (did you mean 'run'?)	rnu
'matrx' (did you mean 'matrix'?)	matrx
'comapre' (did you mean 'compare'?)	comapre
'--bogus'	run --bogus
'--itrations' (did you mean '--iterations'?)	run --itrations 10
'extra'	run $Q -- extra
# Mechanisms
'pipee' (did you mean 'pipe'?)	run $Q --mech pipee
'PIPE' (did you mean 'pipe'?)	run $Q --mech PIPE
''	run $Q --mech ''
','	run $Q --mech ,
'pipe,'	run $Q --mech pipe,
'pipe' is given twice	run $Q --mech pipe,tcp,pipe
'null' is given twice	run $Q --mech null,null
'all'	run $Q --mech all,pipe
# Sizes
'0'	run $Q --sizes 0
'-1'	run $Q --sizes -1
'abc'	run $Q --sizes abc
'1.5'	run $Q --sizes 1.5
'4X'	run $Q --sizes 4X
'4KK'	run $Q --sizes 4KK
'0x40'	run $Q --sizes 0x40
'1e3'	run $Q --sizes 1e3
'99999999999999999999'	run $Q --sizes 99999999999999999999
'2G'	run $Q --sizes 2G
'1025M'	run $Q --sizes 1025M
empty size list	run $Q --sizes ''
','	run $Q --sizes ,
'1,,2'	run $Q --sizes 1,,2
'64,64'	run $Q --sizes 64,64
'1M-1'	run $Q --sizes 1M-1
'1-'	run $Q --sizes 1-
'1,2,3,4,5,6,7,8,9,10,	run $Q --sizes $SIZES65
# Counts
'0'	run $Q --iterations 0
'-5'	run $Q -n -5
'1e3'	run $Q -n 1e3
'99999999999'	run $Q -n 99999999999
--iterations: ''	run $Q -n ''
'0'	run $Q -r 0
'1001'	run $Q -r 1001
'1.5'	run $Q -r 1.5
'-1'	run $Q -w -1
'99999999999999999999'	run $Q -w 99999999999999999999
'0'	run $Q --timeout 0
'abc'	run $Q --timeout abc
'86401'	run $Q --timeout 86401
'nan'	run $Q --timeout nan
'0'	run $QC --cell-time 0
'-1'	run $QC --cell-time -1
'3601'	run $QC --cell-time 3601
'inf'	run $QC --cell-time inf
'0'	run $Q --pairs 0
'33'	run $Q --pairs 33
'x'	run $Q --pairs x
--iterations and --cell-time	run $QC -n 100 --cell-time 1
# CPUs and placements
'0'	run $Q -c 0
'0,1,2'	run $Q -c 0,1,2
CPU $CPU99 does not exist	run $Q -c $CPU99,0
'a,b'	run $Q -c a,b
',1'	run $Q -c ,1
'-1,0'	run $Q -c -1,0
'0,'	run $Q -c 0,
--cpus: invalid CPU pair ''	run $Q -c ''
'bogus'	run $Q --placement bogus
'same-cpuu' (did you mean 'same-cpu'?)	run $Q --placement same-cpuu
--placement: unknown class ''	run $Q --placement ''
# Mechanism options
'bogus'	run $Q -o bogus=1
'sleep'	run $Q --mech shm-futex -o wait=sleep
-o nodelay: no selected mechanism takes this option (tcp does)	run $Q --mech pipe -o nodelay=0
'nodelay'	run $Q --mech tcp -o nodelay
'nodelay='	run $Q --mech tcp -o nodelay=
'=spin'	run $Q -o =spin
'1000'	run $Q --mech shm-futex -o ring=1000
'12288' is not a power of two	run $Q --mech shm-futex -o ring=12288
'2G'	run $Q --mech shm-futex -o ring=2G
'0'	run $Q --mech mqueue -o depth=0
'65537'	run $Q --mech mqueue -o depth=65537
'abc'	run $Q --mech mqueue -o depth=abc
'spin,'	run $Q --mech shm-futex -o wait=spin,
value '0' is given twice	run $Q --mech tcp -o nodelay=0,1,0
-o spin_us: too many values	run $Q --mech shm-futex -o spin_us=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17
'abc'	run $Q --mech uds-dgram -o sndbuf=abc
'datagram'	run $Q --mech socketpair -o type=datagram
'abc'	run $Q --mech uds-seqpacket -o sndbuf=abc
'abc'	run $Q --mech pipe -o capacity=abc
'2G'	run $Q --mech pipe -o capacity=2G
'-1'	run $Q --mech fifo -o capacity=-1
'bogus'	run $Q --mech pipe -o io=bogus
'splice'	run $Q --mech fifo -o io=splice
'ipx'	run $Q --mech udp,tcp -o family=ipx
'abc'	run $Q --mech udp -o rcvbuf=abc
'2G'	run $Q --mech udp -o sndbuf=2G
'memfdd'	run $Q --mech shm -o backing=memfdd
netns: 'bogus'	run $Q --mech tcp -o netns=bogus
'futexx'	run $Q --mech shm -o wait=futexx
'bogus'	run $Q --mech rpc -o transport=bogus
'posix-sem'	run $Q --mech shm-futex -o wait=posix-sem
'2'	run $Q --mech shm -o huge=2
'tmp' is not an absolute path	run $Q --mech shm -o dir=tmp
'./tmp' is not an absolute path	run $Q --mech shm -o dir=./tmp
'/nonexistent' is not a directory	run $Q --mech shm -o dir=/nonexistent
'/etc/passwd' is not a directory	run $Q --mech shm -o dir=/etc/passwd
'/dev/null' is not a directory	run $Q --mech shm -o dir=/dev/null
is longer than 127 bytes	run $Q --mech shm -o dir=/$NAME200
is too long	run $Q --mech shm -o dir=/$NAME300
'/tmp,'	run $Q --mech shm -o dir=/tmp,
value '/tmp' is given twice	run $Q --mech shm -o dir=/tmp,/tmp
-o backing: no selected mechanism takes this option (shm does)	run $Q --mech shm-futex -o backing=posix
'bogus' is not one of pread|mmap	run $Q --mech fd-pass -o read=bogus
'bogus' is not one of fresh|pool	run $Q --mech fd-pass -o memfd=bogus
'bogus'	run $Q --mech file -o notify=bogus
'fsync'	run $Q --mech file -o sync=fsync
'relative/path' is not an absolute path	run $Q --mech file -o dir=relative/path
'/nonexistent' is not a directory	run $Q --mech file -o dir=/nonexistent
# Results file
'/tmp': Is a directory	run $Q --json /tmp
'/nonexistent/x.json'	run $Q --json /nonexistent/x.json
'$T/missing/x.json'	run $Q --json "$T/missing/x.json"
the path is longer than 4095 bytes	run $Q --json "$T/$LONG.json"
the file name is longer than 255 bytes	run $Q --json "$T/$NAME300.json"
'/etc/passwd/x.json'	run $Q --json /etc/passwd/x.json
'$RO/x.json'	run $Q --json "$RO/x.json"
# Tests, clock, flags
'bogus'	run $Q --test bogus
'throughpt' (did you mean 'throughput'?)	run $Q --test throughpt
--test: invalid test list ''	run $Q --test ''
','	run $Q --test ,
'latency,'	run $Q --test latency,
'bogus'	run $Q --clock bogus
--clock: unknown clock ''	run $Q --clock ''
--mode: unknown mode 'bogus'	run $Q --mode bogus
--mode: unknown mode 'process'	run $Q --mode process
--mode: invalid mode list ''	run $Q --mode ''
'threads,'	run $Q --mode threads,
'threads,threads' names a mode twice	run $Q --mode threads,threads
'--strict=1' (did you mean '--strict'?)	run $Q --strict=1
'--verify=yes' (did you mean '--verify'?)	run $Q --verify=yes
# matrix
'0-'	matrix $M --cpus 0-
'5-2'	matrix $M --cpus 5-2
'0,0'	matrix $M --cpus 0,0
'0'	matrix $M --cpus 0
CPU $CPU999 does not exist	matrix $M --cpus $CPU999
'a'	matrix $M --cpus a
'0-99999999999999999999'	matrix $M --cpus 0-99999999999999999999
'0'	matrix $M --size 0
'2G'	matrix $M --size 2G
'64,128'	matrix $M --size 64,128
'bogus'	matrix $M --mech bogus
'cachelin' (did you mean 'cacheline'?)	matrix $M --mech cachelin
'pipe,tcp'	matrix $M --mech pipe,tcp
'0'	matrix $M -r 0
'0'	matrix $M -n 0
'--sizes' (did you mean '--size'?)	matrix $M --sizes 64
'extra'	matrix $M extra
'wait'	matrix $M -o wait=spin
$T/missing/x.csv	matrix $M --csv "$T/missing/x.csv"
# compare
(0 given)	compare
(1 given)	compare "$B"
(3 given)	compare "$B" "$B" "$B"
$T/missing.json: No such file	compare "$B" "$T/missing.json"
$T/dir.json	compare "$B" "$T/dir.json"
$T/empty.json	compare "$B" "$T/empty.json"
$T/truncated.json	compare "$B" "$T/truncated.json"
$T/text.json	compare "$T/text.json" "$B"
$T/schema3.json: schema version 3 is not one	compare "$B" "$T/schema3.json"
$T/huge.json	compare "$B" "$T/huge.json"
$T/deep.json	compare "$B" "$T/deep.json"
$T/array.json	compare "$B" "$T/array.json"
'bogus'	compare --metric bogus "$B" "$B"
'-5%'	compare --threshold -5% "$B" "$B"
'abc'	compare --threshold abc "$B" "$B"
'0%'	compare --threshold 0% "$B" "$B"
'1000%'	compare --threshold 1000% "$B" "$B"
'0'	compare --alpha 0 "$B" "$B"
'2'	compare --alpha 2 "$B" "$B"
'nan'	compare --alpha nan "$B" "$B"
'--alpha' needs a value	compare "$B" "$B" --alpha
'$T/missing/x.json'	compare --json "$T/missing/x.json" "$B" "$B"
# export
'gbenc' (did you mean 'gbench'?)	export --format gbenc "$B"
'bogus'	export -f bogus "$B"
--format is required	export "$B"
$T/missing.json: No such file	export -f csv "$T/missing.json"
$T/truncated.json	export -f csv "$T/truncated.json"
$T/schema3.json: schema version 3 is not one	export -f csv "$T/schema3.json"
(2 given)	export -f csv "$B" "$B"
'parsecs'	export -f hgrm --unit parsecs "$B"
--cell	export -f hgrm "$B"
'nothing'	export -f hgrm --cell nothing "$B"
--cell	export -f csv --cell x "$B"
--unit	export -f csv --unit ns "$B"
$T/missing/x.csv	export -f csv -o "$T/missing/x.csv" "$B"
# list, info, help, version, cleanup (with --dry-run, in case it is accepted)
'bogus'	help bogus
'hlep' (did you mean 'help'?)	help hlep
'extra'	help run extra
'--bogus'	list --bogus
'extra'	list extra
'--json=x' (did you mean '--json'?)	list --json=x
'--bogus'	info --bogus
'extra'	info extra
'extra'	version extra
'--bogus'	version --bogus
'clenaup' (did you mean 'cleanup'?)	clenaup
'--bogus'	cleanup --dry-run --bogus
'extra'	cleanup --dry-run extra
EOF

# Hostile but valid input: no crash (no signal, no sanitizer report); either
# it works (exit 0) or it gives a clear one-line error (exit 1 or 2) that
# names WHAT.
# expect_sane DESC WHAT (after setting rc and $T/stdout, $T/stderr)
expect_sane() {
	desc=$1
	what=$2
	why=
	[ "$rc" -lt 128 ] || why="$why killed by signal $((rc - 128));"
	! grep -qE 'Sanitizer|runtime error:|core dumped' "$T/stderr" || why="$why sanitizer report;"
	case $rc in
	0) ;;
	1 | 2)
		tail -n 1 "$T/stderr" | grep -qF -- "$what" || why="$why error does not name it;"
		[ "$(wc -c <"$T/stdout")" -eq 0 ] || why="$why stdout not empty;" ;;
	*) why="$why exit $rc;" ;;
	esac
	[ -z "$(ls -A "$T/tmp")" ] || why="$why left in TMPDIR: $(ls -A "$T/tmp");"
	[ -z "$why" ]
	ok $? "$desc: no crash; works, or a clear error naming it (exit $rc)"
	if [ -n "$why" ]; then
		echo "got:$why" | diag
		cut -c1-300 "$T/stderr" | head -n 8 | diag
	fi
	rm -rf "$T/tmp" "$T/res" && mkdir "$T/tmp"
}

eval "run_ipcbench $Q --sizes '64, 4K'"
expect_sane "--sizes '64, 4K' (a space in the list)" "' 4K'"
eval "run_ipcbench $Q --mech \"\$(head -c 102400 /dev/zero | tr '\\0' a)\""
expect_sane "--mech of 100 KB of 'a'" "aaaaaaaaaa"
eval "run_ipcbench $Q --mech \"\$(printf 'pip\\377\\376')\""
expect_sane "--mech with non-UTF-8 bytes" "$(printf 'pip\377\376')"
eval "run_ipcbench $Q --json ''"
expect_sane "--json ''" "--json: an empty file name"

# TMPDIR: relative (missing, then existing), missing, empty. These run one
# tiny cell; --json puts the test's directory in the command line (pgrep)
# and shows the run finished.
mkdir "$T/cwd" "$T/cwd/rel"
for tmpdir in rel-missing rel "$T/missing-tmpdir" ''; do
	mkdir -p "$T/res"
	# shellcheck disable=SC2086
	(cd "$T/cwd" && TMPDIR="$tmpdir" "$IPCBENCH" $Q --json "$T/res/out.json" \
		>"$T/stdout" 2>"$T/stderr" </dev/null)
	rc=$?
	files_in "$T/cwd/rel"
	leftover=$files
	files_in "$T/cwd"
	[ "$files" = " rel" ] || leftover="$leftover$files"
	if [ -n "$leftover" ]; then
		echo "left in the working directory or TMPDIR=rel: $leftover" >>"$T/stderr"
		rc=99
	fi
	if [ $rc -eq 0 ] && [ ! -s "$T/res/out.json" ]; then
		echo "exit 0 but no results file" >>"$T/stderr"
		rc=98
	fi
	expect_sane "TMPDIR='$tmpdir'" "${tmpdir:-TMPDIR}"
done

assert_snapshot "$T/before-ipc" "bad input (IPC objects, TMPDIR, processes)"
assert_clean "bad input"
done_testing
