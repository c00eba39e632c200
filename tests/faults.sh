#!/bin/sh
# Failed cells, the watchdog and interrupts: the run goes on or stops
# cleanly, the reasons are recorded, and nothing is left behind.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
serialize

q() { json_query "$T/out.json" "$1"; }

# A side killed mid-cell: the cell fails with the signal, the others run.
IPCBENCH_FAULT=pipe:kill-b@50 run_ipcbench --mech pipe,fifo --sizes 64 --iterations 500 \
	--repetitions 2 --json "$T/out.json"
ok $([ $rc -eq 1 ]; echo $?) "a killed side makes the run exit 1"
[ "$(q "[c['status'] for c in d['cells']]")" = "['failed', 'failed', 'ok', 'ok']" ]
ok $? "both pipe cells failed, both fifo cells still ran and passed"
q "[c['reason'] for c in d['cells'][:2]]" | grep -q "side B was killed by signal 9"
ok $? "the reason names the side and the signal"
grep -q "failed \[1\]" "$T/stdout" && grep -q "^\[1\] pipe 64 B latency failed: side B was killed" "$T/stdout"
ok $? "the table shows the failure and its note"
assert_clean "killed side (pipe)"

# A fault for a repetition that never runs would test nothing: refused.
IPCBENCH_FAULT='pipe:kill@10#3' run_ipcbench --mech pipe --sizes 64 --iterations 100 --repetitions 2 \
	--json "$T/never.json"
[ $rc -eq 2 ] && [ ! -e "$T/never.json" ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] &&
	grep -q "repetition 3, but --repetitions is 2" "$T/stderr"
ok $? "a fault for repetition 3 of 2 is a usage error: $(cat "$T/stderr")"

# A failure in repetition 2 only (#2): the first repetition completed, yet
# the cell carries no figures at all, and exports skip it.
IPCBENCH_FAULT='pipe:kill-b@50#2' run_ipcbench --mech pipe,fifo --sizes 64 --iterations 200 \
	--repetitions 2 --json "$T/out.json"
[ $rc -eq 1 ] && [ "$(q "[c['status'] for c in d['cells']]")" = "['failed', 'failed', 'ok', 'ok']" ]
ok $? "a kill in repetition 2 fails the pipe cells only"
[ "$(q "d['params']['fault']['repetition']")" = 2 ] &&
	[ "$(q "[c['repetitions_done'] for c in d['cells'][:2]]")" = "[1, 1]" ]
ok $? "the fault's repetition is recorded, and repetition 1 had completed"
[ "$(q "[(c['latency'], c['throughput'], c['cost'], c['statistics'], c['x_floor'], c['repetitions']) for c in d['cells'][:2]]")" = \
	"[(None, None, None, None, None, []), (None, None, None, None, None, [])]" ]
ok $? "the failed cells carry no figures, not even repetition 1's"
q "d['cells'][0]['reason']" | grep -q "killed by signal 9 .*(in repetition 2 of 2)"
ok $? "the reason names the repetition"
ok_schema "$T/out.json" "the results validate against the schema (failed: no figures)"
"$IPCBENCH" export --format csv "$T/out.json" >"$T/csv" 2>/dev/null &&
	"$PYTHON3" -c 'import csv, sys
r = [x for x in csv.DictReader(open(sys.argv[1])) if x["status"] == "failed"]
sys.exit(not (len(r) == 2 and all(x[k] == "" for x in r for k in
     ("rtt_p50_ns", "rtt_count", "x_floor", "msgs_per_s", "cpu_ns_per_op_a"))))' "$T/csv"
ok $? "csv: the failed cells' rows have no figures"
"$IPCBENCH" export --format gbench "$T/out.json" >"$T/gb" 2>/dev/null && ! grep -q '"pipe/' "$T/gb" &&
	grep -q '"fifo/' "$T/gb"
ok $? "gbench: the failed cells are left out"
assert_clean "failure in repetition 2"

IPCBENCH_FAULT=fifo:kill-a@10 run_ipcbench --mech fifo --sizes 4K --test latency \
	--iterations 200 --repetitions 1 --json "$T/out.json"
[ $rc -eq 1 ] && q "d['cells'][0]['reason']" | grep -q "side A was killed by signal 9"
ok $? "killed side A of a FIFO cell is reported"
assert_clean "killed side (fifo)"

# Corruption is caught: a flipped payload bit with --verify, a flipped
# sequence byte in a 4-byte message without it.
IPCBENCH_FAULT=pipe:corrupt-b@20 run_ipcbench --mech pipe --sizes 64 --test latency \
	--iterations 200 --repetitions 1 --verify --json "$T/out.json"
[ $rc -eq 1 ] && q "d['cells'][0]['reason']" | grep -q "checksum"
ok $? "a corrupted payload fails the cell under --verify (checksum)"
IPCBENCH_FAULT=pipe:corrupt-a@20 run_ipcbench --mech pipe --sizes 4 --test throughput \
	--iterations 200 --repetitions 1 --json "$T/out.json"
[ $rc -eq 1 ] && q "d['cells'][0]['reason']" | grep -q "sequence number"
ok $? "a corrupted sequence number fails the cell without --verify"
[ "$(q "d['cells'][0]['throughput']")" = None ]
ok $? "a failed cell carries no figures"
assert_clean "corruption"

# A lost or duplicated message: the reason says which, and which message.
# Throughput: the receiver's sequence check; latency: signal bounds its
# wait and names the missing message, the pipe's blocking read leaves it to
# the watchdog, which says that a round trip never finished.
for m in signal:1 signal:8 pipe:64; do
	mech=${m%:*} size=${m#*:}
	IPCBENCH_FAULT=$mech:drop-a@50 run_ipcbench --mech $mech --sizes $size --test throughput \
		--iterations 200 --repetitions 1 --json "$T/out.json"
	[ $rc -eq 1 ] && q "d['cells'][0]['reason']" | grep -q "message 50 lost"
	ok $? "$mech, $size B: a dropped message is named lost ($(q "d['cells'][0]['reason']"))"
	IPCBENCH_FAULT=$mech:dup-a@50 run_ipcbench --mech $mech --sizes $size --test throughput \
		--iterations 200 --repetitions 1 --json "$T/out.json"
	[ $rc -eq 1 ] && q "d['cells'][0]['reason']" | grep -q "message 50 duplicated"
	ok $? "$mech, $size B: a message sent twice is named duplicated ($(q "d['cells'][0]['reason']"))"
	assert_clean "lost and duplicated messages ($mech)"
done
IPCBENCH_FAULT=signal:drop-a@50 run_ipcbench --mech signal --sizes 1 --test latency \
	--iterations 200 --repetitions 1 --timeout 1 --json "$T/out.json"
[ $rc -eq 1 ] && q "d['cells'][0]['reason']" |
	grep -q "no signal arrived within 0.8 s while waiting for message 50: lost?"
ok $? "signal latency: a lost signal is named, with the message ($(q "d['cells'][0]['reason']"))"
IPCBENCH_FAULT=pipe:drop-b@50 run_ipcbench --mech pipe --sizes 64 --test latency \
	--iterations 200 --repetitions 1 --timeout 1 --json "$T/out.json"
[ $rc -eq 1 ] && q "d['cells'][0]['reason']" | grep -q "round trip 50 never came back (the echo lost"
ok $? "pipe latency: a lost echo is named by the watchdog ($(q "d['cells'][0]['reason']"))"
IPCBENCH_FAULT=udp:drop-a@50 run_ipcbench --mech udp --sizes 64 --test latency \
	--iterations 200 --repetitions 1 --timeout 1 --json "$T/out.json"
[ $rc -eq 1 ] && q "d['cells'][0]['reason']" |
	grep -q "message 50 lost: no reply (side B never received it): recv(udp B->A): no datagram within 500 ms"
ok $? "udp latency: a lost datagram is named, with the message ($(q "d['cells'][0]['reason']"))"
IPCBENCH_FAULT=udp:drop-b@50 run_ipcbench --mech udp --sizes 64 --test latency \
	--iterations 200 --repetitions 1 --timeout 1 --json "$T/out.json"
[ $rc -eq 1 ] && q "d['cells'][0]['reason']" | grep -q "lost: no reply (side B echoed it)"
ok $? "udp latency: a lost echo is named ($(q "d['cells'][0]['reason']"))"
assert_clean "lost messages, latency"

# udp throughput: the kernel drops datagrams when the receiver's buffer is
# full. The receiver skips the gaps, ends once side A is done (never
# waiting for a dropped one), and the loss is counted exactly: A's count of
# timed messages less B's. A large receive buffer and small messages lose
# nothing by themselves, so a dropped one (timed, then the very last) is
# exactly one lost.
for at in 500 1099; do
	IPCBENCH_FAULT=udp:drop-a@$at run_ipcbench --mech udp -o rcvbuf=4M --sizes 8 \
		--test throughput --iterations 1000 --warmup 100 --repetitions 2 --json "$T/out.json"
	[ $rc -eq 0 ] && [ "$(q "[(r['lost'], r['msgs']) for r in d['cells'][-1]['repetitions']]")" = \
		"[(1, 998), (1, 998)]" ] && [ "$(q "d['cells'][-1]['throughput']['lost']")" = 2 ]
	ok $? "udp throughput: datagram $at dropped: lost 1 in each repetition, 998 timed ($(q "[(r['lost'], r['msgs']) for r in d['cells'][-1]['repetitions']]"))"
done
IPCBENCH_FAULT=udp:dup-a@500 run_ipcbench --mech udp -o rcvbuf=4M --sizes 8 --test throughput \
	--iterations 1000 --warmup 100 --repetitions 1 --json "$T/out.json"
[ $rc -eq 1 ] && q "d['cells'][-1]['reason']" | grep -q "message 500 duplicated"
ok $? "udp throughput: gaps are allowed, a duplicate is not ($(q "d['cells'][-1]['reason']"))"
# Real loss, forced: a 4 KiB receive buffer holds one 32 KiB datagram. One
# pair, then two (their warm-up barrier), sharing the CPUs.
for pairs in 1 2; do
	run_ipcbench --mech udp -o rcvbuf=4K --sizes 32K --test throughput --verify --iterations 2000 \
		--repetitions 2 --pairs $pairs --share-cpus --json "$T/out.json"
	[ $rc -eq 0 ] && "$PYTHON3" -c 'import json, sys
c = json.load(open(sys.argv[1]))["cells"][-1]
r = c["repetitions"]
sys.exit(not (c["status"] == "ok" and c["throughput"]["lost"] > 0
     and c["throughput"]["lost"] == sum(x["lost"] for x in r)
     and all(x["msgs"] + int(sys.argv[2]) + x["lost"] == 2000 * int(sys.argv[2]) for x in r)))' \
		"$T/out.json" $pairs && grep -q "^lost: udp rcvbuf=4096 throughput, 32768 B: [0-9]* of $((4000 * pairs)) timed messages never arrived" "$T/stdout"
	ok $? "udp throughput, $pairs pair(s), 4 KiB receive buffer: the run ends, lost $(q "d['cells'][-1]['throughput']['lost']") of $((4000 * pairs)), in the JSON and the table"
	ok_schema "$T/out.json" "udp with loss: the results validate against the schema"
done
assert_clean "lost datagrams, throughput"

# A side that stops answering: the watchdog ends the cell.
IPCBENCH_FAULT=fifo:stall-b@30 run_ipcbench --mech fifo,pipe --sizes 64 --test latency \
	--iterations 300 --repetitions 1 --timeout 1 --json "$T/out.json"
[ $rc -eq 1 ] && q "d['cells'][0]['reason']" | grep -q "watchdog: no progress for 1.0 s"
ok $? "a stalled side is ended by the watchdog"
[ "$(q "d['cells'][1]['status']")" = ok ]
ok $? "the run goes on after the watchdog"
[ "$(q "d['cells'][0]['status']")" = failed ] &&
	q "d['cells'][0]['reason']" | grep -Eq "\(during the (warm-up|timed loop); side A at message [0-9]+, side B at [0-9]+ of [0-9]+\)(: round trip [0-9]+ never came back .*)?$"
ok $? "the watchdog's reason says where the stalled cell stopped: $(q "d['cells'][0]['reason']")"
assert_clean "watchdog"

# A side that slows down after the pilot sized the cell: a 50 ms delay
# from its 1100th message on, in the repetition only (#1, never in a pilot),
# which sends 1000 warm-up messages and then at least 200 timed ones. It
# makes progress, so the stall watchdog stays quiet, but the repetition
# outlives 20 times its predicted time.
IPCBENCH_FAULT='pipe:delay=50000000-a@1100#1' run_ipcbench --mech pipe --sizes 64 --test latency \
	--warmup 1000 --cell-time 0.1 --repetitions 1 --timeout 1 --json "$T/out.json"
[ $rc -eq 1 ] && q "d['cells'][0]['reason']" | grep -q "watchdog: still running after .* where its pilot predicted"
ok $? "a repetition far slower than its pilot predicted is ended by the watchdog"
# the recorded limit is 20 times the pilot's prediction (both rounded)
[ "$(q "d['cells'][0]['status']")" = failed ] &&
	q "d['cells'][0]['reason']" | "$PYTHON3" -c '
import re, sys
m = re.search(r"predicted ([0-9.]+) s \(the limit is ([0-9.]+) s\)", sys.stdin.read())
sys.exit(not (m and abs(float(m[2]) - 20 * float(m[1])) <= 0.05 + 0.01 * float(m[2])))'
ok $? "... failed with its prediction and limit recorded: $(q "d['cells'][0]['reason']")"
assert_clean "slow repetition"

# Interrupts: exit 130 for either signal, partial results marked interrupted
# with the signal that stopped them.
for sig in INT TERM; do
	TMPDIR="$T/tmp" "$IPCBENCH" --mech pipe,fifo --sizes 64 --test latency,throughput \
		--iterations 100000000 --repetitions 2 --json "$T/out.json" \
		>"$T/stdout" 2>"$T/stderr" </dev/null &
	pid=$!
	# Wait until a cell is running (its children exist), then interrupt.
	for i in $(seq 1 100); do
		[ "$(pgrep -P $pid | wc -l)" -ge 2 ] && break
		sleep 0.05
	done
	sleep 0.2
	kill -$sig $pid
	wait $pid
	rc=$?
	want=130 signo=2
	[ $sig = TERM ] && signo=15
	[ $rc -eq $want ]
	ok $? "SIG$sig: exit $want (got $rc)"
	[ "$(q "(d['interrupted'], d['interrupt_signal'], d['exit_status'])")" = "(True, $signo, $want)" ]
	ok $? "SIG$sig: results written with interrupted: true"
	[ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['interrupted']" ]
	ok $? "SIG$sig: unfinished cells are marked interrupted"
	# The copy floor of the first round was measured, the second never.
	[ "$(q "(lambda f: (f['status'], f['reason'], f['rounds'], len(f['sizes']) == 1 and f['sizes'][0]['bytes_per_s'] > 0))(d['placements'][0]['copy_floor'])")" = \
		"('interrupted', 'copy floor: interrupted after 1 of 2 rounds', 1, True)" ] &&
		grep -q '^copy floor (memcpy .*, MB/s: 64 B [0-9.]* (interrupted after 1 of 2 rounds)$' "$T/stdout"
	ok $? "SIG$sig: the copy floor keeps its one round, marked interrupted (JSON and table)"
	assert_clean "SIG$sig"
done
# timeout(1) sends SIGTERM to ipcbench and then to its whole process group,
# the children included: one stop request, never taken for a second one.
for i in 1 2 3 4 5; do
	rm -f "$T/out.json"
	TMPDIR="$T/tmp" timeout --preserve-status -s TERM 2 "$IPCBENCH" --mech pipe,fifo --sizes 64 \
		--test latency --iterations 100000000 --repetitions 2 --json "$T/out.json" \
		>"$T/stdout" 2>"$T/stderr" </dev/null
	rc=$?
	[ $rc -eq 130 ] && ! grep -q "second signal" "$T/stderr" &&
		[ "$(q "(d['interrupted'], d['interrupt_signal'], d['exit_status'])")" = "(True, 15, 130)" ]
	ok $? "timeout -s TERM, $i of 5: exit 130, results written, interrupted by SIGTERM (got $rc$(grep -m1 'second signal' "$T/stderr" | sed 's/^/: /'))"
	assert_clean "timeout -s TERM, $i of 5"
done
# A full disk when the results are written: a clear error, exit 1, the
# previous file untouched, no partial or temporary file. (A small tmpfs:
# needs root.)
if [ "$(id -u)" -eq 0 ] && mkdir "$T/full" && mount -t tmpfs -o size=64k none "$T/full" 2>/dev/null; then
	echo '{"previous": true}' >"$T/full/out.json"
	cp "$T/full/out.json" "$T/previous.json"
	# leave a few bytes free: enough for the check at start, not for the results
	dd if=/dev/zero of="$T/full/filler" bs=1k count=1000 2>/dev/null
	run_ipcbench --mech pipe --sizes 64,4K --iterations 300 --repetitions 2 --json "$T/full/out.json"
	[ $rc -eq 1 ] && grep -q "No space left on device" "$T/stderr" &&
		[ "$(grep -c . "$T/stderr" | tr -d ' ')" -ge 1 ]
	ok $? "a full disk: exit 1 and the error says so ($(grep -i space "$T/stderr" | head -1))"
	cmp -s "$T/full/out.json" "$T/previous.json"
	ok $? "a full disk: the previous results file is untouched"
	[ "$(ls -A "$T/full" | sort | tr '\n' ' ')" = "filler out.json " ]
	ok $? "a full disk: no partial or temporary file left ($(ls -A "$T/full" | tr '\n' ' '))"
	umount "$T/full"
else
	skip 1 "a full disk needs root to mount a small tmpfs"
fi
assert_clean "full disk"
done_testing
