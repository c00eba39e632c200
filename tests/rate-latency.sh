#!/bin/sh
# Round trips at a fixed rate (--test latency --rate N): side A sends on
# schedule while a second thread of its process takes the echoes. Every
# message arrives intact (--verify); the figures from the due times are
# never below those from the actual sends; mechanisms that cannot send and
# receive on two threads are skipped with the reason; a pausing side B
# shows in the corrected tail; failures end the cell and leave nothing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
serialize

q() { json_query "$1" "$2"; }

run_ipcbench --mech pipe,uds-stream,shm,rpc,fd-pass,file,signal --sizes 16,64,4K --test latency \
	--rate 5000 --iterations 1000 --repetitions 2 --verify --json "$T/rate.json"
ok $rc "round trips at 5000 msgs/s: exit 0 (got $rc)" || diag <"$T/stderr"
ok_schema "$T/rate.json" "the results validate"
cells="[c for c in d['cells'] if c['mechanism'] in ('pipe', 'uds-stream', 'shm') and c['msg_size_bytes'] > 16]"
[ "$(q "$T/rate.json" "sorted(set(c['status'] for c in $cells))")" = "['ok']" ]
ok $? "pipe, uds-stream and shm at 64 B and 4 KiB: ok"
[ "$(q "$T/rate.json" "sorted(set((c['rate_msgs_per_s'], c['latency']['rate']['target_msgs_per_s'], c['latency']['rtt_count'], c['latency']['one_way_estimate']) for c in $cells))")" = "[(5000.0, 5000.0, 2000, None)]" ]
ok $? "each cell: rate 5000, 2,000 round trips timed (2 x 1,000), no RTT/2 estimate"
for p in p50 p90 p99 max; do
	bad=$(q "$T/rate.json" "[(c['variant'], c['msg_size_bytes']) for c in $cells if c['latency']['rtt_${p}_ns'] < c['latency']['rate']['uncorrected']['rtt_${p}_ns']]")
	[ "$bad" = "[]" ]
	ok $? "$p from the due time is never below $p from the send (below: $bad)"
done
bad=$(q "$T/rate.json" "[(c['variant'], c['msg_size_bytes']) for c in $cells if not 0 < c['latency']['rate']['achieved_msgs_per_s'] <= 5000 * 1.05 or c['latency']['rate']['sent'] != 2000]")
[ "$bad" = "[]" ]
ok $? "achieved rate in (0, 5250], 2,000 sent (otherwise: $bad)"
bad=$(q "$T/rate.json" "[(c['variant'], r['index']) for c in $cells for r in c['repetitions'] if r['uncorrected']['rtt_count'] != 1000]")
[ "$bad" = "[]" ]
ok $? "each repetition has its uncorrected round trips (otherwise: $bad)"
for m in rpc fd-pass file; do
	q "$T/rate.json" "[c for c in d['cells'] if c['mechanism'] == '$m' and c['msg_size_bytes'] == 64][0]['reason']" |
		grep -q "^not at a rate: "
	ok $? "$m is skipped at a rate, saying why"
done
[ "$(q "$T/rate.json" "sorted(set(c['status'] for c in d['cells'] if c['msg_size_bytes'] == 16))")" = "['skipped']" ] &&
	q "$T/rate.json" "[c for c in d['cells'] if c['mechanism'] == 'pipe' and c['msg_size_bytes'] == 16][0]['reason']" |
	grep -q "24-byte header"
ok $? "16 B cells are skipped: the stamps need 24 bytes"
fl="[c for c in d['placements'][0]['floor'].values() if isinstance(c, dict)]"
[ "$(q "$T/rate.json" "[c['status'] for c in $fl]")" = "['ok', 'ok']" ] &&
	[ "$(q "$T/rate.json" "[c['latency']['rate'] is None and 'rate_msgs_per_s' not in c for c in $fl]")" = "[True, True]" ]
ok $? "the floor and the harness stay closed loops"
[ "$(q "$T/rate.json" "d['params']['rate_msgs_per_s']")" = "5000.0" ]
ok $? "params record the rate"
grep -q "^Round trips at 5000 msgs/s" "$T/stdout" && grep -q "uncorr p99" "$T/stdout" &&
	grep -q "^RTT at 5000 msgs/s" "$T/stdout"
ok $? "the table has the round trips at a rate, with their own heading and legend"
assert_clean "round trips at a rate"

# Threads mode and shm's ways of waiting: spin is refused (the echo taker
# would spin on the sender's CPU), hybrid sleeps at once.
run_ipcbench --mode threads --mech pipe,shm -o wait=spin,hybrid --sizes 64 --test latency \
	--rate 5000 --iterations 1000 --repetitions 1 --json "$T/threads.json"
ok $rc "at a rate between threads: exit 0 (got $rc)" || diag <"$T/stderr"
[ "$(q "$T/threads.json" "[(c['variant'], c['status'], c['mode']) for c in d['cells']]")" = "[('pipe', 'ok', 'threads'), ('shm wait=spin', 'skipped', 'threads'), ('shm wait=hybrid', 'ok', 'threads')]" ]
ok $? "pipe and shm hybrid run between threads, shm spin is skipped"
q "$T/threads.json" "[c for c in d['cells'] if c['variant'] == 'shm wait=spin'][0]['reason']" |
	grep -q "wait=spin at a rate"
ok $? "shm spin's reason names the rate"
[ "$(q "$T/threads.json" "[c for c in d['cells'] if c['variant'] == 'shm wait=hybrid'][0]['repetitions'][0]['mech_notes']['a']['wait_effective']")" = "futex" ]
ok $? "shm hybrid at a rate sleeps at once (wait_effective futex)"
assert_clean "threads at a rate"

# A pausing side B: the round trips due during each 50 ms pause wait for
# it, about 5% of them at 10 per second, so the corrected p99 is well
# into the pause.
pause=50000000
IPCBENCH_FAULT="pipe:pause=$pause/500000000-b" run_ipcbench --mech pipe --sizes 64 \
	--test latency --rate 5000 --iterations 10000 --repetitions 1 --json "$T/pause.json"
ok $rc "at a rate with a pausing side B: exit 0 (got $rc)" || diag <"$T/stderr"
cor=$(q "$T/pause.json" "d['cells'][0]['latency']['rtt_p99_ns']")
diag <<EOF
corrected p99 $cor ns
EOF
"$PYTHON3" -c "import sys; sys.exit(not $cor > 0.3 * $pause)"
ok $? "corrected p99 ($cor ns) is well into the 50 ms pause"

# Failures: side B killed, side B stalled.
cell_fails pipe:kill-b@50 "side B was killed by signal 9" \
	"at a rate, side B killed: the reason names it" \
	--mech pipe --sizes 64 --test latency --rate 5000 --iterations 500 --repetitions 1
cell_fails pipe:stall-b@50 "watchdog: no progress" "at a rate, side B stalled: the watchdog ends the cell" \
	--mech pipe --sizes 64 --test latency --rate 2000 --iterations 2000 --repetitions 1 --timeout 1

# compare keeps round trips at a rate apart from those one at a time.
run_ipcbench --mech pipe --sizes 64 --test latency --iterations 500 --repetitions 1 \
	--json "$T/closed.json"
"$IPCBENCH" compare "$T/closed.json" "$T/rate.json" >"$T/cmp" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "no cell in common" "$T/cmp"
ok $? "compare does not pair a cell at a rate with a closed loop (exit $rc)" || diag <"$T/cmp"

done_testing
