#!/bin/sh
# ipcbench compare on fixtures: identical files, a clear slowdown, a change
# within the noise, a speed-up, a newly failed cell, one-sided cells,
# different machines, bad input; a run slowed by an injected fault; and the
# lost messages of a lossy mechanism's cells.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

base="$top_srcdir/tests/fixtures/results/base.json"

# derive NAME PYTHON: a copy of the fixture changed by PYTHON (d is the
# document; lat(r, f) scales a latency repetition, tput(r, f) a throughput one).
derive() {
	"$PYTHON3" - "$base" "$T/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def lat(r, f):
    for k in ("rtt_p50_ns", "rtt_p99_ns", "rtt_p999_ns"):
        r[k] = r[k] * f
def tput(r, f):
    for k in ("msgs_per_s", "bytes_per_s"):
        if r.get(k) is not None:
            r[k] = r[k] * f
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
}

# cmp_ok WHAT WANT-RC GREP ARGS...: compare exits WANT-RC and its output has GREP.
cmp_ok() {
	what=$1
	want=$2
	pattern=$3
	shift 3
	run_ipcbench compare "$@"
	[ $rc -eq "$want" ] && grep -q -- "$pattern" "$T/stdout"
	ok $? "$what: exit $want (got $rc), output has '$pattern'"
	[ $rc -eq "$want" ] || diag <"$T/stderr"
}

cells=$(json_query "$base" "len([c for c in d['cells'] if c['repetitions']])")

cmp_ok "identical files" 0 "^$cells same, 0 slower" "$base" "$base"

# Version 1 files (the fixture from the last version that wrote them) are
# read as well, alone or against the same figures in version 2.
v1="$top_srcdir/tests/fixtures/results/base-v1.json"
results_v2 "$v1" "$T/v1as2.json"
v1cells=$(json_query "$v1" "len([c for c in d['cells'] if c['repetitions']])")
[ "$(json_query "$v1" "d['schema_version']")" = 1 ] && [ "$v1cells" -gt 0 ]
ok $? "the version 1 fixture is version 1, with $v1cells cells with figures"
cmp_ok "a version 1 file against itself" 0 "^$v1cells same, 0 slower" "$v1" "$v1"
cmp_ok "version 1 against the same figures in version 2" 0 "^$v1cells same, 0 slower" "$v1" "$T/v1as2.json"
run_ipcbench compare --json - "$T/v1as2.json" "$v1"
[ $rc -eq 0 ] && [ "$(json_query "$T/stdout" "d['summary']['same']")" = "$v1cells" ]
ok $? "version 2 against version 1, as JSON: every cell the same"

derive slow30 "
for c in d['cells']:
    for r in c['repetitions']:
        (lat(r, 1.3) if c['test'] == 'latency' else tput(r, 1 / 1.3))"
cmp_ok "a 30% slowdown everywhere" 1 "^0 same, $cells slower" "$base" "$T/slow30.json"

derive noise "
for c in d['cells']:
    for i, r in enumerate(c['repetitions']):
        f = 1 + 0.02 * (i % 3 - 1)
        (lat(r, f) if c['test'] == 'latency' else tput(r, f))"
cmp_ok "a change within the noise (+-2% per repetition)" 0 "^$cells same, 0 slower" "$base" "$T/noise.json"

derive fast "
for c in d['cells']:
    for r in c['repetitions']:
        (lat(r, 0.7) if c['test'] == 'latency' else tput(r, 1 / 0.7))"
cmp_ok "a 30% speed-up" 0 "0 slower, $cells faster" "$base" "$T/fast.json"

derive failed "
c = [c for c in d['cells'] if c['repetitions']][0]
c['status'] = 'failed'; c['reason'] = 'side B was killed'; c['repetitions'] = []"
cmp_ok "a cell that failed where it ran before" 1 "1 failed" "$base" "$T/failed.json"

derive fewer "d['cells'] = d['cells'][1:]"
first=$(json_query "$base" "d['cells'][0]['variant'] + ' ' + d['cells'][0]['test']")
cmp_ok "a cell present in BASE only is listed" 0 "^only in BASE: $first" "$base" "$T/fewer.json"
cmp_ok "and one present in NEW only" 0 "^only in NEW:  $first" "$T/fewer.json" "$base"

derive elsewhere "d['system']['hostname'] = 'another-host'; d['system']['kernel']['release'] = '0.0.1'"
run_ipcbench compare "$base" "$T/elsewhere.json"
[ $rc -eq 0 ] && grep -q "different hostname" "$T/stderr" && grep -q "different kernel" "$T/stderr"
ok $? "different machines and kernels are warned about"
! grep -q "copy floor" "$T/stderr"
ok $? "files from before the copy floor: no word on it"

# The copy floor moved (the receiving CPU copies at another rate): one
# warning, on stderr and in the JSON, naming the size that moved most.
cf="$top_srcdir/tests/fixtures/plots/copyfloor.json"
"$PYTHON3" - "$cf" "$T/cfmoved.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for i, e in enumerate(d["placements"][0]["copy_floor"]["sizes"]):
    e["bytes_per_s"] *= (1.1, 1.5, 0.5, 1.0)[i]
json.dump(d, open(sys.argv[2], "w"))
PY
run_ipcbench compare --json "$T/cfcmp.json" "$cf" "$T/cfmoved.json"
[ $rc -eq 0 ] && [ "$(grep -c "copy floor" "$T/stderr")" -eq 1 ] &&
	grep -q "copy floor (memcpy on side B's CPU) moved by more than 20% at 2 of 4 sizes, most at 64 KiB" "$T/stderr" &&
	[ "$(json_query "$T/cfcmp.json" "sum('copy floor' in w for w in d['warnings'])")" = 1 ]
ok $? "a copy floor that moved at some sizes is warned about once: $(grep "copy floor" "$T/stderr")"
run_ipcbench compare "$cf" "$cf"
[ $rc -eq 0 ] && ! grep -q "copy floor" "$T/stderr"
ok $? "the same copy floor: no warning"
"$PYTHON3" - "$cf" "$T/cfold.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["placements"]:
    del p["copy_floor"]
for c in d["cells"]:
    del c["x_copy_floor"]
json.dump(d, open(sys.argv[2], "w"))
PY
cfcells=$(json_query "$cf" "len(d['cells'])")
run_ipcbench compare "$T/cfold.json" "$cf"
[ $rc -eq 0 ] && grep -q "^$cfcells same, 0 slower" "$T/stdout" && ! grep -q "copy floor" "$T/stderr"
ok $? "the same figures without the copy floor (as written before it) against them with it: all same"

run_ipcbench compare --json "$T/cmp.json" "$base" "$T/slow30.json"
[ $rc -eq 1 ] && [ "$(json_query "$T/cmp.json" "d['regressed'] and d['summary']['slower'] == $cells and all(c['verdict'] == 'slower' and c['p_value'] < 0.05 and c['ratio'] > 1.29 or c['unit'] != 'ns' for c in d['cells'] if c['verdict'] != 'skipped')")" = True ]
ok $? "--json: the comparison as JSON (verdicts, p-values, ratios)"

run_ipcbench compare --metric p99 "$base" "$T/slow30.json"
[ $rc -eq 1 ]
ok $? "--metric p99"
run_ipcbench compare --metric throughput "$base" "$T/slow30.json"
[ $rc -eq 1 ] && ! grep -q ' latency ' "$T/stdout"
ok $? "--metric throughput compares throughput cells only"
run_ipcbench compare --threshold 40% "$base" "$T/slow30.json"
[ $rc -eq 0 ]
ok $? "--threshold 40%: a 30% change is not enough"

# Unusable input: exit 2, one line naming the file and the problem.
: >"$T/empty.json"
head -c 300 "$base" >"$T/truncated.json"
echo "hello" >"$T/text.json"
derive schema3 "d['schema_version'] = 3"
echo '{"schema_version": 1, "system": {}, "cells": [], "n": 1e999}' >"$T/huge.json"
"$PYTHON3" -c 'print("[" * 100000 + "]" * 100000)' >"$T/deep.json"
derive nocells "del d['cells']"
derive badcell "d['cells'][0]['msg_size_bytes'] = 'large'"
derive disjoint "
for c in d['cells']:
    c['msg_size_bytes'] += 1"
for bad in empty truncated text schema3 huge deep nocells badcell; do
	run_ipcbench compare "$base" "$T/$bad.json"
	[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q "$bad.json" "$T/stderr"
	ok $? "compare with $bad input: exit 2, one line naming the file: $(cat "$T/stderr")"
done
run_ipcbench compare "$base" "$T/schema3.json"
[ $rc -eq 2 ] && grep -q "schema3.json: schema version 3 is not one this ipcbench reads (1 to 2)" "$T/stderr"
ok $? "an unknown schema version is named, with the versions read: $(cat "$T/stderr")"
run_ipcbench compare "$base" "$T/disjoint.json"
[ $rc -eq 2 ] && grep -q "no cell in common" "$T/stderr"
ok $? "nothing in common: exit 2"
run_ipcbench compare "$base" "$T/missing.json"
[ $rc -eq 2 ] && grep -q "missing.json: No such file" "$T/stderr"
ok $? "a missing file: exit 2"
run_ipcbench compare "$base"
[ $rc -eq 2 ] && grep -q "give two results files" "$T/stderr"
ok $? "one file only: exit 2"

# A run slowed by an injected fault (what a 100 us delay before every send
# of side A does to pipe's round trip): flagged slower, and the fault is
# pointed out. (scripts/bench makes the same check on real runs.)
derive slowed "
d['params']['fault'] = {'mechanism': 'pipe', 'kind': 'delay', 'side': 'a'}
def shift(r):
    for k in list(r):
        if k.startswith('rtt_') and k.endswith('_ns') and k != 'rtt_stddev_ns' and r[k] is not None:
            r[k] += 100000
for c in d['cells']:
    if c['mechanism'] == 'pipe' and c['test'] == 'latency':
        for r in c['repetitions'] + [c['latency']]:
            shift(r)
        for k in c['latency']['median_of_repetitions']:
            c['latency']['median_of_repetitions'][k] += 100000
        c['latency']['one_way_estimate']['p50_ns'] += 50000"
run_ipcbench compare "$base" "$T/slowed.json"
[ $rc -eq 1 ] && [ "$(grep -c "^pipe latency .* slower$" "$T/stdout")" -eq 2 ] &&
	[ "$(grep -c " slower$" "$T/stdout")" -eq 2 ] && grep -q "NEW was run with an injected fault (delay on pipe)" "$T/stderr"
st=$?
ok $st "a run slowed by an injected delay: its pipe latency cells are flagged slower (exit 1), the fault is pointed out"
[ $st -eq 0 ] || diag <"$T/stdout"

# A lossy mechanism's throughput cells (udp) carry lost messages: a line
# under the row with BASE's and NEW's counts, and "lost" in the JSON; a
# cell without the count (every other mechanism) has neither.
derive lossy "
for c in d['cells']:
    if c['test'] == 'throughput' and c['repetitions'] and c['msg_size_bytes'] == 64:
        c['throughput']['lost'] = 3"
derive lossier "
for c in d['cells']:
    if c['test'] == 'throughput' and c['repetitions'] and c['msg_size_bytes'] == 64:
        c['throughput']['lost'] = 12"
lossy=$(json_query "$T/lossy.json" "len([c for c in d['cells'] if 'lost' in (c['throughput'] or {})])")
run_ipcbench compare --json "$T/lost.json" "$T/lossy.json" "$T/lossier.json"
[ $rc -eq 0 ] && [ "$lossy" -gt 0 ] &&
	[ "$(grep -c "^  lost messages  *3  *12$" "$T/stdout")" -eq "$lossy" ] &&
	[ "$(json_query "$T/lost.json" "sorted((c['lost']['base'], c['lost']['new']) for c in d['cells'] if 'lost' in c)")" = "$(json_query "$T/lossy.json" "[(3, 12)] * $lossy")" ]
ok $? "lost messages: BASE's and NEW's under each lossy cell, and in the JSON"
run_ipcbench compare "$base" "$base"
[ $rc -eq 0 ] && ! grep -q "lost" "$T/stdout"
ok $? "no lost line for cells without the count"
assert_clean "compare"
done_testing
