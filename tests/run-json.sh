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
cp "$T/stdout" "$T/list.txt"
run_ipcbench list --json
[ $rc -eq 0 ] && [ "$(json_query "$T/stdout" "d['mechanisms']['pipe']['available']")" = True ]
ok $? "list --json says pipe is available"
cp "$T/stdout" "$T/list.json"
# The values of an option that list describes one by one (its choices):
# under the option's line of the text, "VALUE yes|no PHRASE", and in the
# JSON, choices.OPTION.VALUE with its availability; the text and the JSON
# agree. Prints what is wrong, if anything.
"$PYTHON3" - "$T/list.txt" "$T/list.json" >"$T/choices-check" 2>&1 <<'PY'
import json, re, sys
d = json.load(open(sys.argv[2]))["mechanisms"]
text, mech, opt = {}, None, None
for line in open(sys.argv[1]).read().splitlines()[1:]:
    if line != line.rstrip():
        print("a line ends with a blank:", repr(line))
    if re.match(r"[a-z]", line):
        mech, opt = line.split()[0], None
        text[mech] = {}
    elif re.match(r" +-o [a-z_]+=", line):
        opt = line.split()[1].split("=")[0]
    elif opt and re.match(r" {15}\S+ +(yes|no)( |$)", line):
        value, yes = line.split()[:2]
        text[mech].setdefault(opt, {})[value] = yes == "yes"
for name, m in d.items():
    if "choices" not in m or not isinstance(m.get("alias"), bool):
        print(name, "has no 'choices' or no boolean 'alias'")
        continue
    got = {o: {v: c["available"] for v, c in vals.items()} for o, vals in m["choices"].items()}
    if got != text.get(name, {}):
        print(name, "JSON", got, "text", text.get(name))
    for o, vals in m["choices"].items():
        for v, c in vals.items():
            if not c["available"] and not c["reason"]:
                print(name, o, v, "unavailable without a reason")
shm = d["shm"]
for o in ("backing", "wait"):
    want = next(x["values"] for x in shm["options"] if x["name"] == o).split("|")
    if list(shm["choices"].get(o, {})) != want:
        print("shm", o, "choices", list(shm["choices"].get(o, {})), "want", want)
if sorted(shm["choices"].get("huge", {})) != ["0", "1"]:
    print("shm huge: no choices 0 and 1")
if shm["alias"] or not d["shm-futex"]["alias"]:
    print("alias: shm", shm["alias"], "shm-futex", d["shm-futex"]["alias"])
PY
[ $? -eq 0 ] && [ ! -s "$T/choices-check" ]
ok $? "list describes every value of shm's backing, wait and huge with yes or no, as list --json's" \
	"choices do (no line ending with a blank); shm-futex is an alias"
diag <"$T/choices-check"
# --mech all: every mechanism but the references and the aliases (shm, not
# shm-futex, which would measure shm's variants again).
run_ipcbench --mech all --sizes 8 --test latency --iterations 100 --repetitions 1 \
	--json "$T/all.json"
want=$(json_query "$T/list.json" "[n for n, m in d['mechanisms'].items() if not m['reference'] and not m['alias']]")
[ $rc -eq 0 ] && [ "$(json_query "$T/all.json" "[c['mechanism'] for c in d['cells']]")" = "$want" ] &&
	echo "$want" | grep -q "'shm'" && ! echo "$want" | grep -q "'shm-futex'"
ok $? "--mech all runs $want"
# Values of a directory option differ in their text alone: two directories
# are two variants (run, or where backing=file cannot run here skipped,
# exit 77).
mkdir "$T/dir-a" "$T/dir-b"
run_ipcbench --mech shm -o backing=file -o dir="$T/dir-a,$T/dir-b" --sizes 8 --test latency \
	--iterations 100 --repetitions 1 --json "$T/dirs.json"
{ [ $rc -eq 0 ] || [ $rc -eq 77 ]; } &&
	[ "$(json_query "$T/dirs.json" "[v['label'] for v in d['params']['variants']]")" = \
	  "['shm backing=file dir=$T/dir-a', 'shm backing=file dir=$T/dir-b']" ] &&
	[ "$(json_query "$T/dirs.json" "[c['options']['dir'] for c in d['cells']]")" = "['$T/dir-a', '$T/dir-b']" ] &&
	[ "$(json_query "$T/dirs.json" "all(c['status'] == 'ok' or (c['status'] == 'skipped' and c['reason']) for c in d['cells'])")" = True ] &&
	[ -z "$(ls -A "$T/dir-a")$(ls -A "$T/dir-b")" ]
ok $? "-o dir=A,B: two variants, one per directory, nothing left in either (exit $rc)" ||
	diag <"$T/stderr"
rmdir "$T/dir-a" "$T/dir-b"
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
