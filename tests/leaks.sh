#!/bin/sh
# Nothing is left behind by any mechanism: after a full run, after failed
# cells (a side killed), after the watchdog, after SIGINT at random moments,
# after a second signal and after a SIGKILL of ipcbench and `ipcbench
# cleanup`, /dev/shm, /dev/mqueue, the System V tables, the temporary
# directory, the process table, the veth links and network namespaces look
# as they did before. The mechanisms
# are those `ipcbench list` says are available here, and for each option
# whose values it describes one by one (its "choices": shm's backing, wait
# and huge), each value but the default that is available here, in one more
# run with -o OPT=V1,V2,... or one run per value; so a new mechanism or a
# new choice is covered without editing this test. What is unavailable is
# left out with a note.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
serialize

# /dev/mqueue shows POSIX queues; mount it for the test when we can.
mounted=""
if ! mountpoint -q /dev/mqueue 2>/dev/null && [ "$(id -u)" -eq 0 ]; then
	mkdir -p /dev/mqueue 2>/dev/null && mount -t mqueue none /dev/mqueue 2>/dev/null && mounted=1
fi
trap '[ -n "$mounted" ] && umount /dev/mqueue; pkill -KILL -f "$T" 2>/dev/null; rm -rf "$T"' EXIT
mountpoint -q /dev/mqueue 2>/dev/null
ok $? "/dev/mqueue is mounted, so POSIX queues can be seen"

# The mechanisms, as a list for --mech ($mech_list) and for loops
# ($mechs), and a message size every one of them carries ($size).
run_ipcbench list --json
mv "$T/stdout" "$T/list.json"
mechs=$("$PYTHON3" "$top_srcdir/scripts/available-mechanisms" "$T/list.json" 2>"$T/unavailable")
[ $rc -eq 0 ] && [ -n "$mechs" ]
ok $? "ipcbench list names the mechanisms available here:" $mechs
diag <"$T/unavailable"
[ -n "$mechs" ] || done_testing
mech_list=$(echo $mechs | tr ' ' ',')
first=${mech_list%%,*}
# The choices, as runs "MECH OPT=V1,V2,..." ($choice_runs) and one value a
# line, "MECH OPT=V" ($choice_values).
choices=$("$PYTHON3" "$top_srcdir/scripts/available-mechanisms" --choices "$T/list.json" \
	2>"$T/unavailable")
ok $? "ipcbench list describes the choices of their options:" \
	"$(echo "$choices" | awk 'NF == 3 { printf "%s%s -o %s=%s", (NR > 1 ? "; " : ""), $1, $2, $3 }')"
diag <"$T/unavailable"
choice_runs=$(echo "$choices" | awk 'NF == 3 { print $1, $2 "=" $3 }')
choice_values=$(echo "$choices" | awk 'NF == 3 {
	n = split($3, v, ",")
	for (i = 1; i <= n; i++)
		print $1, $2 "=" v[i]
}')
size=$(json_query "$T/list.json" "min([64] + [x for m in d['mechanisms'].values() if m['available']
	for x in [m['max_msg_bytes']] + [c['max_msg_bytes'] for o in m['choices'].values()
		for c in o.values() if c['available']] if x])")
# available NAME: whether NAME is among them.
available() {
	case ",$mech_list," in *",$1,"*) return 0 ;; esac
	return 1
}

snapshot >"$T/before"
q() { json_query "$T/out.json" "$1"; }

# count_values OPT=V1,V2,...: how many values.
count_values() {
	echo "$1" | awk -F, '{ print NF }'
}

run_ipcbench --mech all --sizes 4,64K --iterations 300 --repetitions 2 --json "$T/out.json"
ok $rc "a full run of every mechanism exits 0"
[ "$(q "all(c['status'] == 'ok' or (c['status'] == 'skipped' and c['reason']) for c in d['cells'])")" = True ]
ok $? "every cell is ok, or skipped with a reason"
assert_snapshot "$T/before" "full run"
while read -r m o; do
	[ -n "$m" ] || continue
	run_ipcbench --mech "$m" -o "$o" --sizes 4,64K --iterations 300 --repetitions 2 \
		--json "$T/out.json"
	[ $rc -eq 0 ] &&
		[ "$(q "len(set(c['variant'] for c in d['cells']))")" -eq "$(count_values "$o")" ] &&
		[ "$(q "all(c['status'] == 'ok' or (c['status'] == 'skipped' and c['reason']) for c in d['cells'])")" = True ]
	ok $? "a full run of $m -o $o exits 0: every cell is ok, or skipped with a reason"
	assert_snapshot "$T/before" "full run of $m -o $o"
done <<EOF
$choice_runs
EOF

IPCBENCH_FAULT='*:kill-b@30' run_ipcbench --mech "$mech_list" --sizes "$size" --iterations 300 \
	--repetitions 1 --json "$T/out.json"
[ $rc -eq 1 ] && [ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['failed']" ]
ok $? "side B killed in every mechanism: every cell failed, exit 1"
assert_snapshot "$T/before" "killed sides"
while read -r m o; do
	[ -n "$m" ] || continue
	IPCBENCH_FAULT="$m:kill-b@30" run_ipcbench --mech "$m" -o "$o" --sizes "$size" \
		--iterations 300 --repetitions 1 --json "$T/out.json"
	[ $rc -eq 1 ] && [ "$(q "('failed' in [c['status'] for c in d['cells']] and
		all(c['status'] == 'failed' or (c['status'] == 'skipped' and c['reason'])
			for c in d['cells']))")" = True ]
	ok $? "side B killed in $m -o $o: every cell failed (or was skipped, with a reason), exit 1"
	assert_snapshot "$T/before" "killed sides of $m -o $o"
done <<EOF
$choice_runs
EOF

IPCBENCH_FAULT='*:stall-a@5' run_ipcbench --mech "$mech_list" --sizes "$size" --test latency \
	--iterations 300 --repetitions 1 --timeout 0.3 --json "$T/out.json"
# A mechanism that bounds its own waits (signal) ends the cell before the
# watchdog does, and its hint names --timeout as the watchdog's does.
[ $rc -eq 1 ] && [ "$(q "','.join(c['mechanism'] for c in d['cells'])")" = "$mech_list" ] &&
	[ "$(q "all(c['status'] == 'failed' and (c['reason'].startswith('watchdog: ') or
		'--timeout' in (c['hint'] or '')) for c in d['cells'])")" = True ]
ok $? "stalled side A in every mechanism: every cell fails on the stall timeout," \
	"$(q "sum(c['reason'].startswith('watchdog: ') for c in d['cells'])") by the watchdog"
assert_snapshot "$T/before" "watchdog"
while read -r m o; do
	[ -n "$m" ] || continue
	IPCBENCH_FAULT="$m:stall-a@5" run_ipcbench --mech "$m" -o "$o" --sizes "$size" \
		--test latency --iterations 300 --repetitions 1 --timeout 0.3 --json "$T/out.json"
	[ $rc -eq 1 ] && [ "$(q "len(d['cells'])")" -eq "$(count_values "$o")" ] &&
		[ "$(q "('failed' in [c['status'] for c in d['cells']] and
			all((c['status'] == 'failed' and (c['reason'].startswith('watchdog: ') or
			'--timeout' in (c['hint'] or ''))) or (c['status'] == 'skipped' and c['reason'])
			for c in d['cells']))")" = True ]
	ok $? "stalled side A in $m -o $o: every cell fails on the stall timeout (or was skipped)"
	assert_snapshot "$T/before" "watchdog, $m -o $o"
done <<EOF
$choice_runs
EOF

# SIGINT (and a few SIGTERM) at pseudo-random moments of a run over every
# mechanism: 20 interrupts; then one of a run of each value of a choice
# (with more iterations, so that it is still running when interrupted).
# interrupt N WHAT ARGS...: the Nth interrupt, of ipcbench ARGS, described
# as WHAT.
seed=7
interrupt() {
	seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
	delay=$(( seed % 900 + 50 ))
	sig=INT want=130
	[ $(($1 % 5)) -eq 0 ] && sig=TERM
	what=$2
	shift 2
	TMPDIR="$T/tmp" "$IPCBENCH" "$@" --sizes 64,4K --repetitions 3 --json "$T/out.json" \
		>/dev/null 2>&1 </dev/null &
	pid=$!
	sleep "$(printf '0.%03d' $delay)"
	kill -$sig $pid 2>/dev/null
	wait $pid
	rc=$?
	# 77: every cell was skipped here (wait=spin on one CPU)
	[ $rc -eq $want ] || [ $rc -eq 0 ] || [ $rc -eq 77 ]
	ok $? "${what}SIG$sig after ${delay} ms: exit $want (or 0 if it had finished): $rc"
	assert_snapshot "$T/before" "${what}SIG$sig after ${delay} ms"
}
for i in $(seq 1 20); do
	interrupt $i "" --mech all --iterations 20000
done
while read -r m o; do
	[ -n "$m" ] || continue
	i=$((i + 1))
	interrupt $i "$m -o $o: " --mech "$m" -o "$o" --iterations 200000
done <<EOF
$choice_values
EOF

# Wait until a child of ipcbench PID is held by a stall fault, which
# creates $IPCBENCH_FAULT_MARK before it pauses: its cell is certainly under
# way, its objects alive. Takes the mark away for the next run. Gives up
# after 30 s.
IPCBENCH_FAULT_MARK=$T/stalled
export IPCBENCH_FAULT_MARK
wait_stalled() {
	for _ in $(seq 1 600); do
		if [ -e "$IPCBENCH_FAULT_MARK" ]; then
			rm -f "$IPCBENCH_FAULT_MARK"
			return 0
		fi
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# Wait until ipcbench PID has no child left. Gives up after 30 s.
wait_childless() {
	for _ in $(seq 1 600); do
		[ -z "$(pgrep -P "$1")" ] && return 0
		sleep 0.05
	done
	return 1
}

# next_mech NAME: the mechanism after NAME in the list (the first one after
# the last; null, the harness's own, when NAME is the only one).
next_mech() {
	name=$1
	# shellcheck disable=SC2086 # split the list
	set -- $mechs $mechs
	while [ $# -gt 2 ] && [ "$1" != "$name" ]; do shift; done
	if [ "$2" != "$name" ]; then echo "$2"; else echo null; fi
}

# The children killed from outside in the middle of a cell (side B is held
# by a stall fault, so the cell is under way): that cell fails, the run
# goes on (to a cell of the next mechanism), nothing is left. With the
# values of a choice (-o OPT=V1,V2,...; the next mechanism is then null,
# which takes no option), the children of each variant's cell in turn (a
# variant that cannot run here is skipped, and never stalls).
# kill_mid_cell MECH NEXT [OPT=V1,V2,...]
kill_mid_cell() {
	IPCBENCH_FAULT="$1:stall-b@100" TMPDIR="$T/tmp" "$IPCBENCH" $mode_opt --mech "$1,$2" \
		${3:+-o "$3"} --sizes "$size" --test latency --iterations 3000 --repetitions 1 \
		--timeout 30 --json "$T/out.json" >/dev/null 2>&1 </dev/null &
	pid=$!
	kills=0 all_kids=""
	while wait_stalled $pid; do
		kids=$(pgrep -P $pid | tr '\n' ' ')
		[ -n "$kids" ] && kill -KILL $kids 2>/dev/null
		all_kids="$all_kids$kids"
		kills=$((kills + 1))
	done
	wait $pid
	rc=$?
	[ $kills -ge 1 ] && [ $rc -eq 1 ] &&
		[ "$(q "sum(c['status'] == 'failed' and 'killed by signal 9' in c['reason']
			for c in d['cells'][:-1])")" -eq $kills ] &&
		[ "$(q "(all(c['status'] in ('failed', 'skipped') for c in d['cells'][:-1]) and
			d['cells'][-1]['status'] == 'ok')")" = True ]
	ok $? "$1${3:+ -o $3}: children ${all_kids}killed mid-cell ($kills cells): exit $rc," \
		"the cells failed ($(q "d['cells'][0]['reason']")), the run went on"
	assert_snapshot "$T/before" "$1${3:+ -o $3}: children killed mid-cell"
}
for mech in $mechs; do
	kill_mid_cell "$mech" "$(next_mech "$mech")"
done
while read -r m o; do
	[ -n "$m" ] || continue
	kill_mid_cell "$m" null "$o"
done <<EOF
$choice_runs
EOF

# A second stop request while the first is handled exits at once, still
# removing every object. Stopping ipcbench makes two signals pending, so
# the second is certain to arrive while the first is handled; it is a
# different signal from a different sender (the same signal or sender at
# once would be the same request, as timeout(1) sends it). Every mechanism,
# and each value of a choice by itself (one cell's objects exist then).
# skipped_here PID N WHAT: after a run that never stalled, when ipcbench PID
# exited 77 with every cell skipped (wait=spin on one CPU), N skips with
# the reason, and success; otherwise failure (a stall that never came).
skipped_here() {
	wait "$1"
	[ $? -eq 77 ] && [ -e "$T/out.json" ] &&
		[ "$(q "all(c['status'] == 'skipped' for c in d['cells'])")" = True ] || return 1
	skip "$2" "$3: $(q "d['cells'][0]['reason']")"
	rm -f "$T/out.json"
}
# second_signal MECH [OPT=V]
second_signal() {
	rm -f "$T/out.json"
	IPCBENCH_FAULT="$1:stall-b@1000" TMPDIR="$T/tmp" "$IPCBENCH" $mode_opt --mech "$1" \
		${2:+-o "$2"} --sizes $size --test latency --iterations 10000 --repetitions 1 --timeout 30 \
		--json "$T/out.json" >/dev/null 2>"$T/stderr" </dev/null &
	pid=$!
	if ! wait_stalled $pid && skipped_here $pid 2 "$1${2:+ -o $2}"; then
		return
	fi
	kill -STOP $pid && kill -INT $pid && sh -c 'kill -TERM "$1"' sh $pid && kill -CONT $pid
	wait $pid
	rc=$?
	{ [ $rc -eq 130 ] || [ $rc -eq 143 ]; } && grep -q "stopped at once by a second signal" "$T/stderr" &&
		[ ! -e "$T/out.json" ]
	ok $? "$1${2:+ -o $2}: a second signal exits at once ($rc), no results file"
	assert_snapshot "$T/before" "$1${2:+ -o $2}: second signal"
}
for mech in $mechs; do
	second_signal "$mech"
done
while read -r m o; do
	[ -n "$m" ] || continue
	second_signal "$m" "$o"
done <<EOF
$choice_values
EOF

# ipcbench killed with SIGKILL in the middle of a cell (its children go
# with it, by their parent-death signal): 'ipcbench cleanup' removes what
# the cell's objects left. Every mechanism, and each value of a choice by
# itself. (Below, the System V queues that stay, and cleanup's listing.)
# wait_no_process: until no process of this test is left (once ipcbench
# is gone, its children are no longer its own). Gives up after 10 s.
wait_no_process() {
	for _ in $(seq 1 200); do
		[ -z "$(pgrep -f "$T")" ] && return 0
		sleep 0.05
	done
	return 1
}
# sigkill_cleanup MECH [OPT=V]
sigkill_cleanup() {
	rm -f "$T/out.json"
	IPCBENCH_FAULT="$1:stall-b@1000" TMPDIR="$T/tmp" "$IPCBENCH" $mode_opt --mech "$1" \
		${2:+-o "$2"} --sizes $size --test latency --iterations 10000 --repetitions 1 --timeout 30 \
		--json "$T/out.json" >/dev/null 2>&1 </dev/null &
	pid=$!
	if wait_stalled $pid; then
		stalled=0
	elif skipped_here $pid 2 "$1${2:+ -o $2}"; then
		return
	else
		stalled=1
	fi
	kill -KILL $pid
	wait $pid 2>/dev/null
	wait_no_process
	run_ipcbench cleanup
	[ $stalled -eq 0 ] && [ $rc -eq 0 ]
	ok $? "$1${2:+ -o $2}: SIGKILL of ipcbench mid-cell, then cleanup (exit $rc): $(tail -1 "$T/stdout")"
	assert_snapshot "$T/before" "$1${2:+ -o $2}: SIGKILL of ipcbench, then cleanup"
}
for mech in $mechs; do
	sigkill_cleanup "$mech"
done
while read -r m o; do
	[ -n "$m" ] || continue
	sigkill_cleanup "$m" "$o"
done <<EOF
$choice_values
EOF

# Threads mode (--mode threads: each pair one process, its two sides two
# threads of it) over a representative set, shm on a System V segment:
# the same ends as above, from a full run to SIGKILL of ipcbench and
# cleanup. And thousands of repetitions within 64 descriptors: what a side
# no longer uses stays open until its pair's process exits, never longer.
thr_mechs=""
for m in pipe uds-stream shm signal tcp; do
	available $m && thr_mechs="$thr_mechs $m"
done
thr_list=$(echo $thr_mechs | tr ' ' ',')
thr_opt=""
available shm && thr_opt="backing=sysv"
if [ -n "$thr_list" ]; then
	mode_opt="--mode threads"
	run_ipcbench $mode_opt --mech "$thr_list" ${thr_opt:+-o $thr_opt} --sizes "$size" \
		--iterations 300 --repetitions 2 --json "$T/out.json"
	[ $rc -eq 0 ] && [ "$(q "all(c['mode'] == 'threads' and (c['status'] == 'ok' or
		(c['status'] == 'skipped' and c['reason'])) for c in d['cells'])")" = True ]
	ok $? "threads mode, $thr_list: every cell is ok, or skipped with a reason"
	assert_snapshot "$T/before" "threads mode, full run"
	TMPDIR="$T/tmp" sh -c 'ulimit -n 64 && exec "$@"' sh "$IPCBENCH" $mode_opt \
		--mech "$thr_list" ${thr_opt:+-o $thr_opt} --sizes 1-8 --test latency \
		--iterations 20 --warmup 1 --repetitions 100 --json "$T/out.json" \
		>/dev/null 2>"$T/stderr" </dev/null
	rc=$?
	[ $rc -eq 0 ] && [ "$(q "all(c['status'] == 'ok' and c['repetitions_done'] == 100
		for c in d['cells'])")" = True ]
	ok $? "threads mode: $(q "sum(c['repetitions_done'] for c in d['cells'])") repetitions" \
		"within 64 descriptors (exit $rc)"
	assert_snapshot "$T/before" "threads mode, thousands of repetitions"
	IPCBENCH_FAULT='*:kill-b@30' run_ipcbench $mode_opt --mech "$thr_list" \
		${thr_opt:+-o $thr_opt} --sizes "$size" --iterations 300 --repetitions 1 \
		--json "$T/out.json"
	[ $rc -eq 1 ] && [ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['failed']" ]
	ok $? "threads mode: side B killed (its process with it): every cell failed, exit 1"
	assert_snapshot "$T/before" "threads mode, killed sides"
	# (no mark: nobody waits for this stall, and kill_mid_cell below
	# must not find it)
	IPCBENCH_FAULT_MARK='' IPCBENCH_FAULT='*:stall-a@5' run_ipcbench $mode_opt --mech "$thr_list" \
		${thr_opt:+-o $thr_opt} --sizes "$size" --test latency --iterations 300 \
		--repetitions 1 --timeout 0.3 --json "$T/out.json"
	[ $rc -eq 1 ] && [ "$(q "all(c['status'] == 'failed' and (c['reason'].startswith('watchdog: ')
		or '--timeout' in (c['hint'] or '')) for c in d['cells'])")" = True ]
	ok $? "threads mode: stalled side A: every cell fails on the stall timeout"
	assert_snapshot "$T/before" "threads mode, watchdog"
	for j in 1 2 3 4 5; do
		interrupt $((i + j)) "threads mode: " $mode_opt --mech "$thr_list" \
			${thr_opt:+-o $thr_opt} --iterations 20000
	done
	for mech in $thr_mechs; do
		kill_mid_cell "$mech" "$(next_mech "$mech")"
		second_signal "$mech"
		sigkill_cleanup "$mech"
	done
	if available shm; then
		kill_mid_cell shm null "$thr_opt"
		second_signal shm "$thr_opt"
		sigkill_cleanup shm "$thr_opt"
	fi
	mode_opt=""
fi

# Two SIGINTs more than a second apart are two requests: the second, while
# the first is still handled, exits at once. ipcbench's standard output is
# a full pipe, so once stopped it waits to print its table. (Any mechanism
# will do: the first of the list.)
mkfifo "$T/full-pipe"
exec 7<>"$T/full-pipe"
"$PYTHON3" -c '
import os
os.set_blocking(7, False)
for chunk in (4096, 1):
    try:
        while True:
            os.write(7, b"x" * chunk)
    except BlockingIOError:
        pass
os.set_blocking(7, True)'
rm -f "$T/out.json"
IPCBENCH_FAULT="$first:stall-b@100" TMPDIR="$T/tmp" "$IPCBENCH" --mech $first --sizes $size \
	--test latency --iterations 10000 --repetitions 1 --timeout 30 --json "$T/out.json" \
	>&7 2>"$T/stderr" </dev/null &
pid=$!
wait_stalled $pid
kill -INT $pid
# the first request is handled once the children are gone; a second later
# (well past the half second in which a repeat belongs to the first)
wait_childless $pid && sleep 1.2 && kill -0 $pid && kill -INT $pid
wait $pid
rc=$?
exec 7<&-
rm -f "$T/full-pipe"
[ $rc -eq 130 ] && grep -q "stopped at once by a second signal" "$T/stderr" && [ ! -e "$T/out.json" ]
ok $? "two SIGINTs a second apart: the second exits at once ($rc), no results file"
assert_snapshot "$T/before" "two SIGINTs a second apart"

# A process that holds shared memory killed with SIGKILL: the System V
# segment (not yet marked for removal), the semaphore set, the POSIX name
# and the private directory made under -o dir outside TMPDIR stay.
# tests/test-shm-region --hold makes them through the region and registry
# code, as a run does, prints them and waits to be killed; 'ipcbench
# cleanup' lists them, then removes them.
mkdir "$T/elsewhere"
TMPDIR="$T/tmp" "$top_builddir/tests/test-shm-region" --hold "$T/held" "$T/elsewhere" \
	>"$T/held-objects" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 600); do
	[ -e "$T/held" ] || ! kill -0 $pid 2>/dev/null && break
	sleep 0.05
done
if [ -e "$T/held" ]; then
	kill -KILL $pid
	wait $pid 2>/dev/null
	sleep 0.2
	snapshot >"$T/killed"
	grep -q "^shm-seg " "$T/killed" && grep -q "^sem " "$T/killed" &&
		grep -q "^shm ipcb-$pid-" "$T/killed" && [ -n "$(ls -A "$T/elsewhere")" ]
	ok $? "SIGKILL while holding shared memory leaves a segment, a semaphore set, a name and a directory"
	# the lines cleanup must print: "would remove KIND NAME (left by ipcbench process PID)"
	sed "s/^/would remove /; s/\$/ (left by ipcbench process $pid)/" "$T/held-objects" >"$T/want"
	run_ipcbench cleanup --dry-run
	grep -F -x -f "$T/want" "$T/stdout" >"$T/listed"
	[ $rc -eq 0 ] && [ "$(wc -l <"$T/listed")" -eq 4 ] && [ "$(wc -l <"$T/want")" -eq 4 ] &&
		grep -q "^would remove registry $T/tmp/ipcb-$pid-objects-" "$T/stdout" &&
		grep -q "^5 objects would be removed" "$T/stdout"
	ok $? "cleanup --dry-run lists the segment, the semaphore set, the name, the directory in $T/elsewhere and the registry"
	diag <"$T/stdout"
	snapshot >"$T/after-dry"
	diff -q "$T/killed" "$T/after-dry" >/dev/null && [ -n "$(ls -A "$T/elsewhere")" ]
	ok $? "cleanup --dry-run removes nothing"
	run_ipcbench cleanup
	[ $rc -eq 0 ] && grep -q "^5 objects removed" "$T/stdout" && [ -z "$(ls -A "$T/elsewhere")" ]
	ok $? "cleanup removes them: $(tail -1 "$T/stdout")"
	assert_snapshot "$T/before" "SIGKILL while holding shared memory, then cleanup"
else
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	diag <"$T/held-objects"
	skip 5 "test-shm-region --hold could not make its objects here"
fi
rmdir "$T/elsewhere"

# A veth end "ipcb-<pid>-<n>" of an ipcbench that is gone (what -o
# netns=veth leaves while the kernel is still destroying side B's
# namespace, which takes the pair along): cleanup removes it, and leaves
# one of a live process alone. Made here with ip(8): one pair, an end
# named for a finished process, the other for this shell.
sh -c : &
dead=$!
wait $dead
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null 2>&1 && ! kill -0 $dead 2>/dev/null &&
	ip link add "ipcb-$dead-0" type veth peer name "ipcb-$$-0" 2>/dev/null; then
	run_ipcbench cleanup --dry-run
	[ $rc -eq 0 ] && grep -q -x "would remove veth ipcb-$dead-0 (left by ipcbench process $dead)" \
		"$T/stdout" && ! grep -q "ipcb-$$-0" "$T/stdout"
	ok $? "cleanup --dry-run lists the veth of a finished process, not that of a live one"
	run_ipcbench cleanup
	[ $rc -eq 0 ] && grep -q -x "removed veth ipcb-$dead-0 (left by ipcbench process $dead)" "$T/stdout"
	ok $? "cleanup removes the veth (and its peer with it)"
	assert_snapshot "$T/before" "a veth of a finished process, then cleanup"
else
	skip 3 "no veth pair made here (needs root and ip(8))"
fi

# ipcbench itself killed with SIGKILL (no handler runs): its System V
# queues stay; 'ipcbench cleanup' finds and removes them, and leaves a
# running ipcbench alone.
if ! available sysv-msg; then
	echo "SIGKILL of ipcbench, then cleanup: not tested, it needs sysv-msg" | diag
	done_testing
fi
IPCBENCH_FAULT="sysv-msg:stall-b@1000" TMPDIR="$T/tmp" "$IPCBENCH" --mech sysv-msg --sizes 64 \
	--test latency --iterations 10000 --repetitions 1 --timeout 30 \
	--json "$T/out.json" >/dev/null 2>&1 </dev/null &
pid=$!
wait_stalled $pid
run_ipcbench cleanup --dry-run
[ $rc -eq 0 ] && grep -q "^nothing left behind" "$T/stdout"
ok $? "cleanup leaves a running ipcbench alone"
kill -KILL $pid
wait $pid 2>/dev/null
sleep 0.2
snapshot >"$T/killed"
grep -q "^msg " "$T/killed" && ! diff -q "$T/before" "$T/killed" >/dev/null
ok $? "SIGKILL of ipcbench leaves its queues (which is why cleanup exists)"
run_ipcbench cleanup --dry-run
[ $rc -eq 0 ] && [ "$(grep -c "^would remove sysv-msg .* (left by ipcbench process $pid)" "$T/stdout")" -eq 2 ] &&
	grep -q "^would remove registry $T/tmp/ipcb-$pid-objects-" "$T/stdout"
ok $? "cleanup --dry-run lists the two queues and the registry of process $pid"
snapshot >"$T/after-dry"
diff -q "$T/killed" "$T/after-dry" >/dev/null
ok $? "cleanup --dry-run removes nothing"
run_ipcbench cleanup
[ $rc -eq 0 ] && grep -q "^3 objects removed" "$T/stdout"
ok $? "cleanup removes them: $(tail -1 "$T/stdout")"
assert_snapshot "$T/before" "SIGKILL of ipcbench, then cleanup"
run_ipcbench cleanup
[ $rc -eq 0 ] && grep -q "^nothing left behind" "$T/stdout"
ok $? "a second cleanup finds nothing"
done_testing
