#!/bin/sh
# A real run of null, pipe and fifo: exit 0, the table, a results file that
# validates against results/schema.json, and the figures it promises.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
serialize

run_ipcbench run --mech null,pipe,fifo --sizes 1,64,4K,64K --test latency,throughput \
	--iterations 2000 --repetitions 3 --json "$T/out.json"
ok $rc "run exits 0"
[ $rc -eq 0 ] || diag <"$T/stderr"
grep -q '^pipe .*4 KiB' "$T/stdout"
ok $? "the table has a row for pipe 4 KiB"

ok_schema "$T/out.json" "results validate against the schema"
ok_schema "$top_srcdir/tests/fixtures/results/base-v1.json" \
	"a version 1 file validates against the schema of version 1 (results/schema-v1.json)"

q() { json_query "$T/out.json" "$1"; }
[ "$(q "d['schema_version']")" = 2 ] &&
	! grep -q '"cpu_ns_method"\|"split_method"\|"statistic"\|"method": "order\|"method": "rtt/2' "$T/out.json"
ok $? "schema_version 2: no constant method strings in the cells (the schema describes them)"
[ "$(awk 'length($0) > 100 && !/^ *("[a-z_0-9]*": )?"[^"]*",?$/' "$T/out.json" | wc -l)" -eq 0 ] &&
	grep -Eq '^ +\[[0-9]+, [0-9]+, [0-9]+\], \[[0-9]+, [0-9]+, [0-9]+\],' "$T/out.json"
ok $? "compact: no line over 100 columns but one long string, histogram buckets several a line"
[ "$(q "len(d['cells'])")" = 24 ]
ok $? "24 cells (3 mechanisms x 4 sizes x 2 tests)"
[ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['ok']" ]
ok $? "every cell is ok"
[ "$(q "all(c['latency']['histogram']['total_count'] == 6000 for c in d['cells'] if c['test'] == 'latency')")" = True ]
ok $? "every latency histogram holds 3 x 2000 round trips"
[ "$(q "all(len(c['repetitions']) == 3 for c in d['cells'])")" = True ]
ok $? "every cell keeps its 3 repetitions"
[ "$(q "all(c['cpus']['observed'] == [[c['cpus']['requested'][0]], [c['cpus']['requested'][1]]] for c in d['cells'])")" = True ]
ok $? "each side was observed only on its requested CPU"
[ "$(q "all(c['throughput']['msgs_per_s'] > 0 for c in d['cells'] if c['test'] == 'throughput')")" = True ]
ok $? "every throughput cell has a positive rate"
[ "$(q "all(c['latency']['rtt_min_ns'] <= c['latency']['rtt_p50_ns'] <= c['latency']['rtt_p99_ns'] <= c['latency']['rtt_max_ns'] for c in d['cells'] if c['test'] == 'latency')")" = True ]
ok $? "percentiles are ordered min <= p50 <= p99 <= max"
[ "$(q "d['interrupted'] is False and d['exit_status'] == 0")" = True ]
ok $? "not interrupted, exit_status 0 recorded"

[ "$(q "d['placements'][0]['floor']['cacheline']['status'] == 'ok' and d['placements'][0]['floor']['null']['status'] == 'ok'")" = True ]
ok $? "the floor (cacheline) and the harness (null) were measured"
[ "$(q "all(abs(c['x_floor'] - c['latency']['rtt_p50_ns'] / d['placements'][0]['floor']['cacheline']['latency']['rtt_p50_ns']) < 1e-6 * c['x_floor'] for c in d['cells'] if c['test'] == 'latency')")" = True ]
ok $? "x_floor is each latency cell's p50 over the floor's"

# The copy floor: memcpy of every size of the sweep on side B's CPU,
# positive, one batch list per round; x_copy_floor is each throughput
# cell's bytes/s over it at its size (none for null, which carries no
# bytes, nor for latency cells). No figure is judged, only its shape.
"$PYTHON3" - "$T/out.json" >"$T/cf" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
pl = d["placements"][0]
cf = pl["copy_floor"]
assert cf["status"] == "ok" and cf["reason"] is None, cf["status"]
assert cf["cpu"] == pl["cpus"][1] and cf["observed"] == [cf["cpu"]] and not cf["mismatch"], cf
assert cf["rounds"] == cf["rounds_planned"] == d["params"]["repetitions"] == 3
assert [e["msg_size_bytes"] for e in cf["sizes"]] == d["params"]["sizes_bytes"]
for e in cf["sizes"]:
    assert 0 < e["bytes_per_s_min"] <= e["bytes_per_s"] <= e["bytes_per_s_max"], e
    assert e["copies_per_batch"] >= 1 and e["batches"] == cf["rounds"] * cf["batches_per_round"], e
    assert abs(e["ns_per_copy"] - e["msg_size_bytes"] * 1e9 / e["bytes_per_s"]) <= 1e-6 * e["ns_per_copy"]
floor = {e["msg_size_bytes"]: e["bytes_per_s"] for e in cf["sizes"]}
for c in d["cells"]:
    x = c["x_copy_floor"]
    if c["test"] == "latency" or c["mechanism"] == "null":
        assert x is None, (c["variant"], c["test"], x)
    else:
        want = c["throughput"]["bytes_per_s"] / floor[c["msg_size_bytes"]]
        assert x is not None and abs(x - want) <= 1e-6 * want, (c["variant"], c["msg_size_bytes"], x, want)
for k in ("cacheline", "null"):
    assert pl["floor"][k]["x_copy_floor"] is None
PY
cfrc=$?
ok $cfrc "copy floor: per size, positive, on side B's CPU; x_copy_floor = bytes/s over it, as recorded"
[ $cfrc -eq 0 ] || diag <"$T/cf"
grep -q '^mechanism .* MB/s x copy floor$' "$T/stdout" &&
	grep -Eq '^pipe +64 KiB .* [0-9.]+x$' "$T/stdout" && grep -Eq '^null +64 KiB .* -$' "$T/stdout" &&
	grep -q "^copy floor (memcpy on side B's CPU [0-9]*, warm buffers), MB/s: 1 B [0-9.]*, 64 B" "$T/stdout" &&
	grep -q '^x copy floor: MB/s over the copy floor' "$T/stdout"
ok $? "the table: the copy floor's line, an x copy floor column (a ratio, '-' for null) and its legend"
[ "$(q "all(c['cost']['a']['cpu_ns'] > 0 and c['cost']['per'] in ('round_trip', 'message') for c in d['cells'] if c['mechanism'] != 'null')")" = True ]
ok $? "every cell has its cost per operation"
[ "$(q "all(c['sizing']['method'] == 'fixed' for c in d['cells'])")" = True ]
ok $? "--iterations: every cell's count is fixed"

# Auto-sized: a pilot chooses the count.
run_ipcbench --mech pipe --sizes 64 --cell-time 0.05 --repetitions 2 --json "$T/auto.json"
[ $rc -eq 0 ] && [ "$(json_query "$T/auto.json" "all(c['sizing']['method'] == 'pilot' and c['sizing']['pilot_iterations'] >= 16 and c['iterations'] >= 64 for c in d['cells'])")" = True ]
ok $? "without --iterations a pilot sizes every cell"
grep -q '^elapsed: ' "$T/stdout"
ok $? "the table ends with the elapsed time"
grep -q '^mechanism ' "$T/stdout" && ! grep -n '[[:blank:]]$' "$T/stdout"
ok $? "no line of the table ends in a blank"

# --clock tsc where the counter is invariant and the kernel still lists it
# among its clocksources; a refusal (77) elsewhere.
run_ipcbench --mech pipe --sizes 64 --test latency --iterations 200 --repetitions 1 --clock tsc --json "$T/tsc.json"
cs=/sys/devices/system/clocksource/clocksource0/available_clocksource
if grep -q constant_tsc /proc/cpuinfo && grep -q nonstop_tsc /proc/cpuinfo &&
	{ [ ! -r $cs ] || grep -qw tsc $cs; }; then
	[ $rc -eq 0 ] && [ "$(json_query "$T/tsc.json" "d['system']['clock']['name'] == 'TSC' and d['system']['clock']['tsc']['ticks_per_ns'] > 0 and d['system']['clock']['tsc']['end']['ticks_per_ns'] > 0 and abs(d['system']['clock']['resolution_ns'] * d['system']['clock']['tsc']['ticks_per_ns'] - 1) < 1e-6")" = True ]
	ok $? "--clock tsc: calibrated at start and end, a tick's resolution, recorded"
else
	[ $rc -eq 77 ] && grep -q "invariant\|clocksources" "$T/stderr" && [ "$(wc -l <"$T/stderr")" -eq 1 ]
	ok $? "--clock tsc without an invariant TSC the kernel trusts: refused in one line"
fi

# Noise warnings: one line each, in the JSON, and --strict refuses.
run_ipcbench --mech pipe --sizes 64 --test latency --iterations 100 --repetitions 1 --json "$T/w.json"
n=$(grep -c '^ipcbench: warning: ' "$T/stderr")
[ "$(json_query "$T/w.json" "len(d['warnings'])")" = "$n" ]
ok $? "each noise warning is one stderr line and one JSON entry ($n here)"
run_ipcbench --mech pipe --sizes 64 --iterations 100 --repetitions 1 --strict --json "$T/strict.json"
if [ "$n" -gt 0 ]; then
	[ $rc -eq 2 ] && grep -q -- "--strict: refusing" "$T/stderr" && [ ! -e "$T/strict.json" ]
	ok $? "--strict with $n warnings: exit 2, nothing run or written"
else
	[ $rc -eq 0 ]
	ok $? "--strict on a quiet machine runs"
fi

run_ipcbench --mech pipe --sizes 64 --test latency --iterations 100 --repetitions 1 --json -
[ $rc -eq 0 ] && "$PYTHON3" -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/stdout" &&
	grep -q '^pipe' "$T/stderr"
ok $? "--json - puts the JSON on stdout and the table on stderr"
[ "$(json_query "$T/stdout" "d['placements'][0]['copy_floor']")" = None ] &&
	! grep -q '^copy floor\|^x copy floor' "$T/stderr"
ok $? "a latency-only run measures no copy floor (null, and no line in the table)"

run_ipcbench --mech pipe,fifo --sizes 1,7,8,16,100,4K,100000 --iterations 300 --repetitions 1 --verify
ok $rc "--verify run with odd sizes passes"

run_ipcbench list
[ $rc -eq 0 ] && grep -q '^pipe ' "$T/stdout" && grep -q '^fifo ' "$T/stdout" && grep -q '^null ' "$T/stdout"
ok $? "list shows null, pipe and fifo"
run_ipcbench list --json
[ $rc -eq 0 ] && [ "$(json_query "$T/stdout" "d['mechanisms']['pipe']['available']")" = True ]
ok $? "list --json says pipe is available"
# Mechanism notes: per repetition, and over the cell (counters summed, a
# word kept when every repetition agrees). On one CPU hybrid sleeps at once.
run_ipcbench --mech shm-futex,signal --sizes 8 --test latency --cpus 0,0 --iterations 300 \
	--repetitions 2 --json "$T/notes.json"
[ $rc -eq 0 ] && [ "$(json_query "$T/notes.json" "[(c['variant'], c['options'].get('wait'), c['mech_notes']['a'].get('wait_effective'), c['mech_notes']['b'].get('wait_effective')) for c in d['cells']]")" = \
	"[('shm-futex', 'hybrid', 'futex', 'futex'), ('signal', None, None, None)]" ] &&
	[ "$(json_query "$T/notes.json" "all(c['mech_notes'][s][k] == (sum(r['mech_notes'][s][k] for r in c['repetitions']) if isinstance(c['mech_notes'][s][k], int) else c['repetitions'][0]['mech_notes'][s][k]) for c in d['cells'] for s in 'ab' for k in c['mech_notes'][s])")" = True ] &&
	[ "$(json_query "$T/notes.json" "sorted(d['cells'][1]['mech_notes']['a'])")" = "['full_retries']" ]
ok $? "mechanism notes: wait_effective (hybrid on one CPU is futex), full_retries, summed over the cell"
run_ipcbench --help
[ $rc -eq 0 ] && grep -q 'Usage: ipcbench' "$T/stdout"
ok $? "--help"
run_ipcbench --version
[ $rc -eq 0 ] && grep -q '^ipcbench [0-9]' "$T/stdout"
ok $? "--version"
assert_clean "normal runs"
done_testing
