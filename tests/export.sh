#!/bin/sh
# ipcbench export: every format against a golden file made from the
# fixture, and against the tools that read it: Google Benchmark's
# compare.py, the shapes that github-action-benchmark and Bencher read, and
# a CSV parser. (HdrHistogram's own output, in Java, is tests/hgrm-java.sh.)
# Then real one-way, fixed-rate, load and udp cells: their figures in the
# CSV's appended columns, and hgrm saying it leaves one-way cells out.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
serialize

base="$top_srcdir/tests/fixtures/results/base.json"
golden="$top_srcdir/tests/golden"
cell="pipe/latency/64/same-node/0-1"

for f in gbench gab-latency gab-throughput bmf csv; do
	run_ipcbench export --format $f "$base"
	cp "$T/stdout" "$T/export.$f"
	[ $rc -eq 0 ] && cmp -s "$T/stdout" "$golden/export.$f"
	ok $? "--format $f matches its golden file"
	[ $rc -eq 0 ] && [ -s "$T/stdout" ] || diag <"$T/stderr"
done
run_ipcbench export --format hgrm --cell "$cell" "$base"
cp "$T/stdout" "$T/export.hgrm"
[ $rc -eq 0 ] && cmp -s "$T/stdout" "$golden/export.hgrm"
ok $? "--format hgrm --cell matches its golden file"

# A version 1 file (the fixture from the last version that wrote them):
# every format the same as from the same figures in version 2.
v1="$top_srcdir/tests/fixtures/results/base-v1.json"
results_v2 "$v1" "$T/v1as2.json"
v1cell=$(json_query "$v1" "'pipe/latency/%d/%s/%d-%d' % (d['cells'][0]['msg_size_bytes'], d['cells'][0]['placement'], *d['cells'][0]['cpus']['requested'])")
for f in gbench gab-latency gab-throughput bmf csv hgrm; do
	one=
	[ $f = hgrm ] && one="--cell $v1cell"
	# shellcheck disable=SC2086 # $one: the option and its value, or nothing
	run_ipcbench export --format $f $one "$v1"
	cp "$T/stdout" "$T/v1.$f"
	v1rc=$rc
	# shellcheck disable=SC2086
	run_ipcbench export --format $f $one "$T/v1as2.json"
	[ $v1rc -eq 0 ] && [ $rc -eq 0 ] && [ -s "$T/v1.$f" ] && cmp -s "$T/v1.$f" "$T/stdout"
	ok $? "--format $f of a version 1 file: the same as of version 2"
done

# Google Benchmark: the fields its tools read, and its own compare.py.
"$PYTHON3" - "$T/export.gbench" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ctx = d["context"]
for k in ("date", "host_name", "executable", "num_cpus", "mhz_per_cpu", "cpu_scaling_enabled",
          "caches", "load_avg", "library_build_type"):
    assert k in ctx, k
assert d["benchmarks"]
for b in d["benchmarks"]:
    for k in ("name", "run_name", "run_type", "repetitions", "threads", "iterations", "real_time",
              "cpu_time", "time_unit"):
        assert k in b, (b["name"], k)
    assert b["run_type"] in ("iteration", "aggregate")
    assert b["time_unit"] == "ns"
    if b["run_type"] == "aggregate":
        assert b["aggregate_name"] in ("mean", "median", "stddev", "cv") and b["aggregate_unit"] in ("time", "percentage")
    else:
        assert b["repetition_index"] < b["repetitions"]
PY
ok $? "gbench: context and every benchmark carry Google Benchmark's fields"
compare_py=/usr/share/benchmark/compare.py
if [ -f "$compare_py" ]; then
	"$PYTHON3" "$compare_py" benchmarks "$T/export.gbench" "$T/export.gbench" >"$T/gb" 2>&1
	[ $? -eq 0 ] && grep -q "$cell" "$T/gb" && grep -q "${cell}_pvalue" "$T/gb" && grep -q "${cell}_median" "$T/gb"
	ok $? "gbench: Google Benchmark's compare.py reads it (U test and aggregates)"
else
	skip 1 "Google Benchmark's compare.py (libbenchmark-tools) is not installed"
fi

# github-action-benchmark's custom formats: an array of {name, unit, value, range?, extra?}.
for f in gab-latency gab-throughput; do
	"$PYTHON3" - "$T/export.$f" "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, list) and d
names = set()
for e in d:
    assert set(e) <= {"name", "unit", "value", "range", "extra"}, e
    assert isinstance(e["name"], str) and isinstance(e["unit"], str)
    assert isinstance(e["value"], (int, float)) and e["value"] > 0
    assert isinstance(e.get("range", ""), str) and isinstance(e.get("extra", ""), str)
    assert e["name"] not in names
    names.add(e["name"])
    assert ("/latency/" in e["name"]) == (sys.argv[2] == "gab-latency")
PY
	ok $? "$f: the array of {name, unit, value, range, extra} github-action-benchmark reads"
done

# Bencher Metric Format: benchmark -> measure -> {value, lower_value, upper_value}.
"$PYTHON3" - "$T/export.bmf" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, dict) and d
for name, measures in d.items():
    assert isinstance(measures, dict) and len(measures) == 1
    for m, v in measures.items():
        assert m in ("latency", "throughput")
        assert set(v) == {"value", "lower_value", "upper_value"}
        assert v["lower_value"] <= v["value"] <= v["upper_value"]
PY
ok $? "bmf: benchmark -> latency or throughput -> value within [lower_value, upper_value]"

# CSV: a header of unit-carrying names and one row per cell.
"$PYTHON3" - "$T/export.csv" "$base" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
d = json.load(open(sys.argv[2]))
assert len(rows) == len(d["cells"])
for r, c in zip(rows, d["cells"]):
    assert r["mechanism"] == c["mechanism"] and r["status"] == c["status"]
    assert int(r["msg_size_bytes"]) == c["msg_size_bytes"]
    if c["test"] == "latency" and c["latency"]:
        assert int(r["rtt_p50_ns"]) == c["latency"]["rtt_p50_ns"]
    if c["status"] == "skipped":
        assert r["reason"] == c["reason"]
PY
ok $? "csv: one row per cell, figures and reasons as in the results"

# x_copy_floor: each throughput cell's, from a run that measured the copy
# floor; empty in every row of a file written before it (base.json).
cf="$top_srcdir/tests/fixtures/plots/copyfloor.json"
run_ipcbench export --format csv "$cf"
cp "$T/stdout" "$T/cf.csv"
[ $rc -eq 0 ] && "$PYTHON3" - "$T/cf.csv" "$cf" "$T/export.csv" "$base" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
d = json.load(open(sys.argv[2]))
assert len(rows) == len(d["cells"])
n = 0
for r, c in zip(rows, d["cells"]):
    x = c["x_copy_floor"]
    assert (r["x_copy_floor"] == "") if x is None else abs(float(r["x_copy_floor"]) - x) <= 1e-9 * x, r
    n += x is not None
assert n == len([c for c in d["cells"] if c["test"] == "throughput"]) > 0
old = json.load(open(sys.argv[4]))
assert not any("x_copy_floor" in c for c in old["cells"])
assert all(r["x_copy_floor"] == "" for r in csv.DictReader(open(sys.argv[3])))
PY
ok $? "csv: x_copy_floor as the results hold it; empty for a file from before the copy floor"

run_ipcbench export --format hgrm -o "$T/hgrm" "$base"
[ $rc -eq 0 ] && [ "$(ls "$T/hgrm" | wc -l)" -eq "$(json_query "$base" "len([c for c in d['cells'] if c['test'] == 'latency' and c['repetitions']])")" ]
ok $? "hgrm -o DIR: one file per latency cell"

run_ipcbench export --format gbnech "$base"
[ $rc -eq 2 ] && grep -q "did you mean 'gbench'" "$T/stderr"
ok $? "an unknown format: exit 2 with a suggestion"
run_ipcbench export --format hgrm "$base"
[ $rc -eq 2 ] && grep -q -- "--cell" "$T/stderr"
ok $? "hgrm without --cell or -o: exit 2"
run_ipcbench export --format hgrm --cell nosuch/cell "$base"
[ $rc -eq 2 ] && grep -q "nosuch/cell" "$T/stderr"
ok $? "hgrm --cell naming no cell: exit 2"
echo '{"schema_version": 1' >"$T/trunc.json"
run_ipcbench export --format csv "$T/trunc.json"
[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q "trunc.json: not valid JSON" "$T/stderr"
ok $? "a truncated file: exit 2, one line"
# Real cells of the kinds the fixtures lack: one at a time (beside a
# latency cell), at a fixed rate, the points of a load curve, and udp
# throughput (lossy: lost).
run_ipcbench --mech pipe --sizes 64 --test latency,oneway --iterations 300 --repetitions 2 \
	--json "$T/ow.json"
ow=$rc
run_ipcbench --mech pipe --sizes 64 --test latency,oneway --rate 5000 --iterations 200 \
	--repetitions 2 --json "$T/rate.json"
rate=$rc
run_ipcbench --mech pipe --sizes 64 --test load --load-points 10,50 --cell-time 0.1 \
	--repetitions 2 --json "$T/load.json"
load=$rc
# udp: throughput, and one-way at a rate with message 300 of side A
# dropped in each repetition (counted, not a failure).
IPCBENCH_FAULT=udp:drop-a@300 run_ipcbench --mech udp --sizes 64 --test throughput,oneway \
	--rate 5000 --iterations 2000 --repetitions 2 --json "$T/udp.json"
[ $ow -eq 0 ] && [ $rate -eq 0 ] && [ $load -eq 0 ] && [ $rc -eq 0 ]
ok $? "one-way, fixed-rate, load and udp runs (exit $ow $rate $load $rc)"
for r in ow rate load udp; do
	run_ipcbench export --format csv -o "$T/$r.csv" "$T/$r.json"
	[ $rc -eq 0 ] || diag <"$T/stderr"
done
# Every appended column of every row against the results file, and the
# first columns unchanged: the header of the golden file is its prefix.
"$PYTHON3" - "$T" "$golden/export.csv" <<'PY'
import csv, json, sys
T = sys.argv[1]
old = open(sys.argv[2]).readline().rstrip("\n").split(",")
def g(o, *path):
    for k in path:
        o = o.get(k) if isinstance(o, dict) else None
    return o
def same(text, v, what):
    if v is None:
        assert text == "", what
    elif isinstance(v, bool):
        assert text == ("true" if v else "false"), what
    elif isinstance(v, str):
        assert text == v, what
    elif isinstance(v, int):
        assert int(text) == v, what
    else:
        assert abs(float(text) - v) <= 1e-9 * abs(v), what
pcts = ["p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "min_ns", "max_ns", "mean_ns", "count"]
kinds = set()
for run in ("ow", "rate", "load", "udp"):
    rd = csv.DictReader(open("%s/%s.csv" % (T, run)))
    assert rd.fieldnames[:len(old)] == old and rd.fieldnames[-1] == "lost", rd.fieldnames
    rows = list(rd)
    d = json.load(open("%s/%s.json" % (T, run)))
    assert len(rows) == len(d["cells"])
    for r, c in zip(rows, d["cells"]):
        ow, load = c.get("one_way"), c.get("load")
        rate = g(ow, "rate") if ow is not None else g(c, "latency", "rate")
        pre = "ow" if ow is not None else "rtt"
        what = (run, r["name"])
        same(r["direction"], c.get("direction"), what)
        same(r["target_msgs_per_s"], c.get("rate_msgs_per_s"), what)
        for k in pcts:
            same(r["ow_" + k], g(ow, "ow_" + k), (what, k))
        for col, v in (("achieved_msgs_per_s", g(rate, "achieved_msgs_per_s")),
                       ("sent", g(rate, "sent")), ("late", g(rate, "late")),
                       ("uncorrected_p50_ns", g(rate, "uncorrected", pre + "_p50_ns")),
                       ("uncorrected_p99_ns", g(rate, "uncorrected", pre + "_p99_ns")),
                       ("saturated", g(rate, "saturated")),
                       ("saturation_reason", g(rate, "saturation_reason")),
                       ("load_fraction", g(load, "fraction")),
                       ("offered_msgs_per_s", g(load, "offered_msgs_per_s")),
                       ("load_max_msgs_per_s", g(load, "max_msgs_per_s")),
                       ("load_knee_fraction", g(load, "knee_fraction")),
                       ("lost", g(c, "throughput", "lost") if c["test"] == "throughput"
                                else g(rate, "lost"))):
            same(r[col], v, (what, col))
        if c["test"] == "oneway":
            assert r["rtt_p50_ns"] == "" and int(r["ow_count"]) > 0 and int(r["ow_p50_ns"]) > 0, what
            kinds.add("oneway")
        if rate is not None:
            assert float(r["achieved_msgs_per_s"]) > 0 and r["saturated"] in ("true", "false"), what
            assert int(r["sent"]) >= int(r["late"]) >= 0, what
            assert int(r["uncorrected_p50_ns"]) > 0, what
            kinds.add("rate" if c["test"] == "oneway" else "latency rate")
            if c["test"] == "latency":
                assert int(r["rtt_p50_ns"]) >= int(r["uncorrected_p50_ns"]), what
        if load is not None:
            assert 0 < float(r["load_fraction"]) < 1 and float(r["offered_msgs_per_s"]) > 0, what
            assert r["name"].endswith("/ab@load%g" % (100 * load["fraction"])), what
            kinds.add("load")
        elif rate is not None:
            assert r["name"].endswith("@%d" % c["rate_msgs_per_s"]), what
        if c["mechanism"] == "udp":
            assert int(r["lost"]) >= 0, what
            kinds.add("lost")
            if c["test"] == "oneway":
                assert int(r["lost"]) == 2 and r["saturated"] == "true", what
                assert r["saturation_reason"] == "2 of 4000 messages lost (the kernel dropped them)", what
                kinds.add("lost one-way")
        else:
            assert r["lost"] == "", what
assert kinds == {"oneway", "rate", "latency rate", "load", "lost", "lost one-way"}, kinds
PY
ok $? "csv: one-way, fixed-rate (one-way and latency), load and udp cells (throughput, one-way at a rate with losses) export their figures, as the results hold them"
owcell=$(json_query "$T/ow.json" "'pipe/oneway/64/%s/%d-%d/ab' % (d['cells'][1]['placement'], *d['cells'][1]['cpus']['requested'])")
run_ipcbench export --format hgrm --cell "$owcell" "$T/ow.json"
[ $rc -eq 2 ] && grep -q "'$owcell' is a one-way cell: hgrm writes round-trip histograms only" "$T/stderr"
ok $? "hgrm --cell naming a one-way cell: exit 2, saying why"
run_ipcbench export --format hgrm -o "$T/owhgrm" "$T/ow.json"
[ $rc -eq 0 ] && [ "$(ls "$T/owhgrm")" = "$(echo "$owcell" | sed 's,/oneway/,/latency/,; s,/ab$,,; s,/,_,g').hgrm" ] &&
	grep -q "1 one-way cell left out: hgrm writes round-trip histograms only" "$T/stderr"
ok $? "hgrm -o DIR: the latency cell's file only, and a line saying the one-way cell is left out"
run_ipcbench export --format hgrm -o "$T/loadhgrm" "$T/load.json"
[ $rc -eq 1 ] && grep -q "no latency cell with figures (one-way cells: hgrm writes round trips only)" "$T/stderr"
ok $? "hgrm -o DIR of a file without latency cells, with one-way ones: exit 1, saying why"
assert_clean "export"
done_testing
