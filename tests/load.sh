#!/bin/sh
# Latency against offered load (--test load): on pipe, the throughput cell
# first, then one-way cells at the chosen fractions of the rate it
# measured, each with its load object; a load point whose throughput cell
# is skipped is skipped with it; bad --load-points are usage errors.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
serialize

q() { json_query "$1" "$2"; }

run_ipcbench --mech pipe --sizes 64 --test load --load-points 10,50 --cell-time 0.1 \
	--json "$T/load.json"
ok $rc "load curve on pipe: exit 0 (got $rc)" || diag <"$T/stderr"
ok_schema "$T/load.json" "the results validate"
[ "$(q "$T/load.json" "[c['test'] for c in d['cells']]")" = "['throughput', 'oneway', 'oneway']" ]
ok $? "one throughput cell, then two one-way cells"
[ "$(q "$T/load.json" "d['params']['tests'], d['params']['load_points']")" = "(['throughput', 'load'], [0.1, 0.5])" ]
ok $? "params: the tests and the load points as fractions"
max=$(q "$T/load.json" "d['cells'][0]['throughput']['msgs_per_s']")
for i in 1 2; do
	frac=$(q "$T/load.json" "d['cells'][$i]['load']['fraction']")
	rate=$(q "$T/load.json" "d['cells'][$i]['rate_msgs_per_s']")
	"$PYTHON3" -c "
import json, sys
c = json.load(open('$T/load.json'))['cells'][$i]
l = c['load']
sys.exit(not (abs($rate - $frac * $max) <= 1e-6 * $max and l['max_msgs_per_s'] == $max
              and c['direction'] == 'ab' and c['one_way']['rate']['target_msgs_per_s'] == $rate
              and l['of'] == {'variant': 'pipe', 'test': 'throughput', 'msg_size_bytes': 64,
                              'placement': json.load(open('$T/load.json'))['cells'][0]['placement'],
                              'mode': 'processes'}
              and isinstance(c['one_way']['rate']['saturated'], bool)))"
	ok $? "point $i: rate $rate msgs/s is $frac of the throughput cell's $max msgs/s, tied to it"
done
[ "$(q "$T/load.json" "len(set(c['load']['knee_fraction'] for c in d['cells'][1:]))")" = 1 ]
ok $? "both points carry the curve's one knee"
grep -q "^Latency against offered load" "$T/stdout" && grep -q "^pipe 64 B: maximum" "$T/stdout" &&
	grep -q "^   50.0%" "$T/stdout"
ok $? "the table shows the curve in a block of its own"
assert_clean "load run"

# compare pairs the points of two runs by their fraction: each run
# measures its own maximum, so their rates differ.
"$PYTHON3" - "$T/load.json" "$T/load2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["cells"]:
    if c.get("load"):
        c["rate_msgs_per_s"] *= 1.1
        c["load"]["max_msgs_per_s"] *= 1.1
json.dump(d, open(sys.argv[2], "w"))
PY
"$IPCBENCH" compare "$T/load.json" "$T/load2.json" >"$T/cmp" 2>&1
grep -q "0 only in BASE, 0 only in NEW" "$T/cmp" && grep -q "^pipe oneway ab 64 B .* at 50% load " "$T/cmp"
ok $? "compare pairs the load points of two runs by their fraction" || diag <"$T/cmp"

# A size the throughput cell carries but a one-way message cannot (its
# header takes 24 bytes): the throughput cell runs, its load point is
# skipped with the reason.
run_ipcbench --mech pipe --sizes 16 --test load --load-points 50 --iterations 200 \
	--repetitions 1 --json "$T/small.json"
[ "$(q "$T/small.json" "[c['status'] for c in d['cells']]")" = "['ok', 'skipped']" ] &&
	q "$T/small.json" "d['cells'][1]['reason']" | grep -q "24-byte header"
ok $? "16 B: the throughput cell runs, its load point is skipped with the reason (exit $rc)"
ok_schema "$T/small.json" "... and the results validate"
assert_clean "skipped load points"

# The throughput cell fails (side B killed): no maximum, so its load point
# is skipped, saying why, and runs nothing.
IPCBENCH_FAULT=pipe:kill-b@50 run_ipcbench --mech pipe --sizes 64 --test load --load-points 50 \
	--iterations 500 --repetitions 1 --json "$T/fail.json"
[ $rc -eq 1 ] && [ "$(q "$T/fail.json" "[c['status'] for c in d['cells']]")" = "['failed', 'skipped']" ] &&
	q "$T/fail.json" "d['cells'][1]['reason']" | grep -q "its throughput cell failed"
ok $? "throughput cell failed: exit 1 (got $rc), its load point skipped with the reason"
ok_schema "$T/fail.json" "... and the results validate"
assert_clean "failed throughput cell"

# udp: the kernel drops datagrams at the upper points, and a loss there
# is what the mechanism does at that load: counted, the point saturated,
# never a failed cell. Message 500 of side A dropped in each cell makes
# the loss certain.
IPCBENCH_FAULT=udp:drop-a@500 run_ipcbench --mech udp --sizes 64 --test load --load-points 10,90 \
	--iterations 2000 --repetitions 1 --json "$T/udp.json"
[ $rc -eq 0 ] && "$PYTHON3" -c 'import json, sys
c = json.load(open(sys.argv[1]))["cells"]
p = [x for x in c if x["test"] == "oneway"]
sys.exit(not (len(p) == 2 and all(x["status"] == "ok" for x in c) and c[0]["throughput"]["lost"] >= 1
     and all(x["one_way"]["rate"]["lost"] >= 1 and x["one_way"]["rate"]["saturated"]
             and x["one_way"]["rate"]["lost"] == x["repetitions"][0]["lost"]
             and x["one_way"]["ow_count"] == 2000 - x["one_way"]["rate"]["lost"] for x in p)))' "$T/udp.json"
ok $? "udp load curve with a dropped datagram: exit $rc, every cell ok, each point saturated with its losses counted" || diag <"$T/stderr"
ok_schema "$T/udp.json" "... and the results validate"
grep -q "^   10.0% .* yes, lost [0-9][0-9]*$" "$T/stdout" && grep -q "^   90.0% .* yes, lost [0-9][0-9]*$" "$T/stdout"
ok $? "the load table says how many each point lost"
assert_clean "udp load curve"

for bad in 0 -5 101 abc 10,,20 10,10 50x ''; do
	run_ipcbench --test load --load-points "$bad" --json "$T/bad.json"
	[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && [ ! -e "$T/bad.json" ]
	ok $? "--load-points '$bad': exit 2 (got $rc), one line, no results file"
done
run_ipcbench --test latency --load-points 50
[ $rc -eq 2 ] && grep -q "applies to --test load" "$T/stderr"
ok $? "--load-points without --test load: exit 2 (got $rc)"
run_ipcbench --test load,load
[ $rc -eq 2 ]
ok $? "--test load,load: exit 2 (got $rc)"

done_testing
