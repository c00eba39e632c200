#!/bin/sh
# Nothing is left behind by any mechanism: after a full run, after failed
# cells (a side killed), after the watchdog, and after SIGINT at random
# moments, /dev/shm, /dev/mqueue, the System V tables, the temporary
# directory and the process table look as they did before.
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

snapshot >"$T/before"
q() { json_query "$T/out.json" "$1"; }

run_ipcbench --mech all --sizes 4,64K --iterations 300 --repetitions 2 --json "$T/out.json"
ok $rc "a full run of every mechanism exits 0"
[ "$(q "all(c['status'] == 'ok' or (c['status'] == 'skipped' and c['reason']) for c in d['cells'])")" = True ]
ok $? "every cell is ok, or skipped with a reason"
assert_snapshot "$T/before" "full run"

IPCBENCH_FAULT='*:kill-b@30' run_ipcbench --mech all --sizes 8 --iterations 300 --repetitions 1 \
	--json "$T/out.json"
[ $rc -eq 1 ] && [ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['failed']" ]
ok $? "side B killed in every mechanism: every cell failed, exit 1"
assert_snapshot "$T/before" "killed sides"

IPCBENCH_FAULT='*:stall-a@5' run_ipcbench --mech fifo,uds-stream,uds-dgram,tcp,mqueue,sysv-msg,shm-futex \
	--sizes 64 --test latency --iterations 300 --repetitions 1 --timeout 0.3 --json "$T/out.json"
[ $rc -eq 1 ] && q "[c['reason'] for c in d['cells']]" | grep -q watchdog
ok $? "stalled side A in every kind of object: the watchdog fails the cells"
assert_snapshot "$T/before" "watchdog"

# SIGINT at pseudo-random moments of a run over every mechanism.
seed=7
for i in 1 2 3 4 5 6 7 8; do
	seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
	delay=$(( seed % 900 + 50 ))
	TMPDIR="$T/tmp" "$IPCBENCH" --mech all --sizes 64,4K --iterations 20000 --repetitions 3 \
		--json "$T/out.json" >/dev/null 2>&1 </dev/null &
	pid=$!
	sleep "$(printf '0.%03d' $delay)"
	kill -INT $pid 2>/dev/null
	wait $pid
	rc=$?
	[ $rc -eq 130 ] || [ $rc -eq 0 ]
	ok $? "SIGINT after ${delay} ms: exit 130 (or 0 if it had finished): $rc"
	assert_snapshot "$T/before" "SIGINT after ${delay} ms"
done
done_testing
