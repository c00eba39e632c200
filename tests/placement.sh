#!/bin/sh
# ipcbench info against lscpu, placement classes and their errors, several
# pairs at once, a side moved off its CPU, and the core-pair matrix.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
serialize

run_ipcbench info
cp "$T/stdout" "$T/info.txt"
[ $rc -eq 0 ] && grep -q '^Topology:' "$T/stdout" && grep -q '^Placements:' "$T/stdout"
ok $? "info prints the topology and the placements"
run_ipcbench info --json
cp "$T/stdout" "$T/info.json"
iq() { json_query "$T/info.json" "$1"; }
[ $rc -eq 0 ] && [ "$(iq "len(d['system']['topology']['cpus'])")" = "$(lscpu -p=CPU | grep -vc '^#')" ]
ok $? "info --json lists as many CPUs as lscpu"
# lscpu's CORE, SOCKET and NODE group the CPUs as our siblings, packages and nodes do.
lscpu -p=CPU,CORE,SOCKET,NODE | grep -v '^#' >"$T/lscpu"
"$PYTHON3" - "$T/info.json" "$T/lscpu" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["system"]["topology"]["cpus"]
rows = [l.strip().split(",") for l in open(sys.argv[2]) if l.strip()]
lc = {int(r[0]): r for r in rows}
ours = {c["cpu"]: c for c in d if c["online"]}
def cpulist(s):
    out = set()
    for part in s.split(","):
        a, _, b = part.partition("-")
        out |= set(range(int(a), int(b or a) + 1))
    return out
bad = []
for cpu, c in ours.items():
    same_core = {x for x, r in lc.items() if r[1] == lc[cpu][1] and r[2] == lc[cpu][2]}
    if same_core != cpulist(c["smt_siblings"]):
        bad.append(f"cpu{cpu} siblings {c['smt_siblings']} vs lscpu {sorted(same_core)}")
    same_pkg = {x for x, r in lc.items() if r[2] == lc[cpu][2]}
    ours_pkg = {x for x, o in ours.items() if o["package"] == c["package"]}
    if same_pkg != ours_pkg:
        bad.append(f"cpu{cpu} package group {sorted(ours_pkg)} vs lscpu {sorted(same_pkg)}")
    if lc[cpu][3] != "" and c["node"] is not None and int(lc[cpu][3]) != c["node"]:
        bad.append(f"cpu{cpu} node {c['node']} vs lscpu {lc[cpu][3]}")
print("\n".join("# " + b for b in bad))
sys.exit(1 if bad else 0)
PY
ok $? "siblings, packages and NUMA nodes agree with lscpu"
# The topology's counts are lscpu's (sockets, cores and CPUs per socket,
# threads per core); CPUID's stand beside them, flagged when they differ.
lscpu -p=CPU,CORE,SOCKET | grep -v '^#' >"$T/lscpu-counts"
"$PYTHON3" - "$T/info.json" "$T/lscpu-counts" <<'PY'
import json, sys
cpu = json.load(open(sys.argv[1]))["system"]["cpu"]
k = cpu["topology_counts"]
rows = [l.strip().split(",") for l in open(sys.argv[2]) if l.strip()]
sockets = {r[2] for r in rows}
cores = {s: {r[1] for r in rows if r[2] == s} for s in sockets}
cpus = {s: [r for r in rows if r[2] == s] for s in sockets}
want = {"packages": len(sockets),
        "cores_per_package": max(len(c) for c in cores.values()),
        "logical_cpus_per_package": max(len(c) for c in cpus.values()),
        "threads_per_core": -(-len(rows) // sum(len(c) for c in cores.values()))}
bad = [f"{key} {k[key]} vs lscpu {v}" for key, v in want.items() if k[key] != v]
if cpu.get("identified") and cpu["cores_per_package"] is not None:
    agree = (cpu["cores_per_package"], cpu["logical_cpus_per_package"]) == \
        (k["cores_per_package"], k["logical_cpus_per_package"])
    if agree != k["cpuid_agrees"]:
        bad.append(f"cpuid_agrees {k['cpuid_agrees']} but CPUID says {cpu['cores_per_package']}, {cpu['logical_cpus_per_package']}")
print("\n".join("# " + b for b in bad))
sys.exit(1 if bad else 0)
PY
ok $? "the topology's counts agree with lscpu; CPUID's disagreement is flagged"
agrees=$(iq "d['system']['cpu']['topology_counts']['cpuid_agrees']")
grep -q '^            topology (authoritative): ' "$T/info.txt" &&
	{ [ "$agrees" = True ] || grep -q "CPUID's counts disagree with the topology" "$T/info.txt"; }
ok $? "info text shows both counts and says when they disagree"

offered=$(iq "' '.join(k for k in d['system']['topology']['placements'] if k != 'auto')")
missing=""
for c in same-cpu smt same-l2 same-l3 same-node cross-l3 cross-numa; do
	case " $offered " in *" $c "*) ;; *) missing=$c; break ;; esac
done
if [ -n "$missing" ]; then
	run_ipcbench --placement "$missing" --mech pipe --sizes 64 --iterations 10 --repetitions 1
	[ $rc -eq 77 ] && grep -q "placement $missing: this machine cannot offer it" "$T/stderr" &&
		grep -q "offer $(echo $offered | sed 's/ /, /g')" "$T/stderr"
	ok $? "--placement $missing (not offered here): exit 77 naming what the machine has"
else
	skip 1 "this machine offers every class"
fi

run_ipcbench --placement all --mech pipe --sizes 64 --test latency --iterations 200 --repetitions 1 \
	--json "$T/all.json"
q() { json_query "$T/all.json" "$1"; }
n=$(echo $offered | wc -w)
[ $rc -eq 0 ] && [ "$(q "len(d['placements'])")" = "$n" ] && [ "$(q "len(d['cells'])")" = "$n" ]
ok $? "--placement all: one sweep per class offered ($n)"
[ "$(q "sorted(c['placement'] for c in d['cells']) == sorted('$offered'.split())")" = True ]
ok $? "each cell records its class"
[ "$(q "all(p['floor']['cacheline']['status'] == 'ok' for p in d['placements'])")" = True ]
ok $? "each placement has its own floor"
[ "$(grep -c '^CPUs: side A' "$T/stdout")" = "$n" ]
ok $? "one table per placement"
[ "$(q "all(p['floor']['cacheline_wait'] == ('yield' if p['cpus'][0] == p['cpus'][1] else 'spin') for p in d['placements'])")" = True ]
ok $? "the floor yields where both sides share one CPU, spins elsewhere"

# Both sides on one CPU: the floor is a yield ping-pong, and says so.
run_ipcbench --mech pipe --cpus 0,0 --sizes 64 --test latency --iterations 200 --repetitions 1 \
	--json "$T/same.json"
[ $rc -eq 0 ] && grep -q '^floor (cacheline: a shared cache line, yielding: both sides share one CPU)' "$T/stdout" &&
	grep -q '^x floor on one CPU (same-cpu): relative to a context-switch floor' "$T/stdout" &&
	! grep -q 'spinning' "$T/stdout" &&
	[ "$(json_query "$T/same.json" "d['placements'][0]['floor']['cacheline_wait']")" = yield ]
ok $? "--cpus 0,0: the floor is labelled as yielding (table, footnote and JSON)"
if [ "$(nproc)" -ge 2 ]; then
	run_ipcbench --mech pipe --cpus 0,1 --sizes 64 --test latency --iterations 200 --repetitions 1
	[ $rc -eq 0 ] && grep -q '^floor (cacheline: a shared cache line, spinning)' "$T/stdout" &&
		! grep -q 'context-switch floor' "$T/stdout"
	ok $? "--cpus 0,1: the floor is labelled as spinning"
else
	skip 1 "one CPU only"
fi

if [ "$(nproc)" -ge 2 ]; then
	run_ipcbench --mech pipe --pairs 2 --sizes 64 --iterations 100 --repetitions 1
	if [ "$(nproc)" -lt 4 ]; then
		[ $rc -eq 2 ] && grep -q -- "--share-cpus" "$T/stderr"
		ok $? "--pairs 2 on fewer than 4 CPUs: exit 2, pointing at --share-cpus"
	else
		ok $rc "--pairs 2 on distinct CPUs"
	fi
	run_ipcbench --mech pipe,shm-futex --pairs 2 --share-cpus --sizes 64 --iterations 300 \
		--repetitions 2 --json "$T/pairs.json"
	q() { json_query "$T/pairs.json" "$1"; }
	[ $rc -eq 0 ] && [ "$(q "all(c['pairs_at_once'] == 2 and len(c['pairs']) == 2 for c in d['cells'])")" = True ]
	ok $? "--pairs 2 --share-cpus: every cell ran two pairs and reports each"
	low=$(q "round(100 * min(r['overlap'] for c in d['cells'] for r in c['repetitions']))")
	grep -q "^pairs overlap: every pair was timing at once for at least $low% of each repetition's window" "$T/stdout"
	ok $? "the table states the lowest overlap of the run, as in the JSON ($low%)"
	[ "$(q "all(c['latency']['rtt_count'] == 2 * 2 * 300 for c in d['cells'] if c['test'] == 'latency')")" = True ]
	ok $? "latency pools both pairs' round trips (2 pairs x 2 repetitions x 300)"
	[ "$(q "all(len(p['histogram']['buckets']) > 0 and p['histogram']['total_count'] == p['rtt_count'] == 2 * 300 for c in d['cells'] if c['test'] == 'latency' for p in c['pairs'])")" = True ]
	ok $? "each pair's latency entry carries its own histogram (2 repetitions x 300)"
	[ "$(q "d['placements'][0]['floor']['cacheline']['pairs_at_once'] == 1 and d['placements'][0]['floor']['cacheline']['pairs'] is None")" = True ]
	ok $? "the floor runs one pair: no per-pair entries"
	# Structure, not timing: the aggregate counts every pair's messages, its
	# rate is those over the recorded window, each pair lies in the window.
	"$PYTHON3" - "$T/pairs.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
for c in d["cells"]:
    for r in c["repetitions"]:
        name = "%s %s rep %d" % (c["variant"], c["test"], r["index"])
        ps = r["pairs"]
        w = r["window_ns"]
        if len(ps) != 2 or not 0 <= r["overlap"] <= 1:
            bad.append(name + ": pairs or overlap")
        if min(p["start_ns"] for p in ps) != 0 or max(p["end_ns"] for p in ps) != w:
            bad.append(name + ": the window is not the pairs' span")
        if any(not p["start_ns"] <= p["end_ns"] <= w for p in ps):
            bad.append(name + ": a pair outside the window")
        common = min(p["end_ns"] for p in ps) - max(p["start_ns"] for p in ps)
        if w > 0 and abs(max(common, 0) / w - r["overlap"]) > 1e-6:
            bad.append(name + ": overlap is not the common part of the window")
        if c["test"] == "throughput":
            if r["msgs"] != sum(p["msgs"] for p in ps) or r["msgs"] != 2 * 299:
                bad.append(name + ": msgs %d is not the pairs' sum" % r["msgs"])
            if r["elapsed_ns"] != w or abs(r["msgs_per_s"] - r["msgs"] * 1e9 / w) > 1e-6 * r["msgs_per_s"]:
                bad.append(name + ": msgs_per_s is not msgs over window_ns")
        elif r["rtt_count"] != sum(p["rtt_count"] for p in ps):
            bad.append(name + ": rtt_count is not the pairs' sum")
print("\n".join("# " + b for b in bad))
sys.exit(1 if bad else 0)
PY
	ok $? "repetitions: aggregate msgs = sum of the pairs', rate over the recorded window, overlap in [0, 1]"
	ok_schema "$T/pairs.json" "the --pairs results validate"
	[ "$(q "any(w['code'] == 'shared-cpus' for w in d['warnings'])")" = True ]
	ok $? "sharing CPUs is a recorded warning"

	# Move side A off its CPU in the middle of a cell: the mismatch shows.
	TMPDIR="$T/tmp" "$IPCBENCH" --mech pipe --cpus 0,1 --sizes 64 --test latency --iterations 400000 \
		--repetitions 1 --json "$T/moved.json" >"$T/stdout" 2>"$T/stderr" </dev/null &
	pid=$!
	# The reference cells run first (spinning); wait for the pipe cell's
	# children, which sleep in the kernel's pipe code, then move side A.
	kids=""
	for i in $(seq 1 400); do
		kids=$(pgrep -P $pid | tr '\n' ' ')
		if [ "$(echo $kids | wc -w)" -ge 2 ] && cat $(for k in $kids; do echo /proc/$k/wchan; done) 2>/dev/null |
			grep -q pipe; then
			break
		fi
		sleep 0.05
	done
	for kid in $kids; do
		[ "$(taskset -pc $kid 2>/dev/null | sed 's/.*: //')" = 0 ] && taskset -pc 1 $kid >/dev/null 2>&1
	done
	wait $pid
	rc=$?
	[ $rc -eq 0 ] && [ "$(json_query "$T/moved.json" "[c['cpus']['mismatch'] for c in d['cells']]")" = "[True]" ] &&
		grep -q "observed on a CPU it was not pinned to" "$T/stdout"
	ok $? "a side moved to another CPU mid-cell is flagged (cpus.mismatch, and a table warning)"

	run_ipcbench matrix --cpus 0-1 --size 64 --iterations 500 --repetitions 1 --json "$T/m.json" --csv "$T/m.csv"
	[ $rc -eq 0 ] && [ "$(json_query "$T/m.json" "d['matrix']['cpus'] == [0, 1] and d['matrix']['rtt_p50_ns'][0][0] is None and d['matrix']['rtt_p50_ns'][0][1] > 0 and d['matrix']['rtt_p50_ns'][1][0] > 0")" = True ]
	ok $? "matrix on CPUs 0-1: a 2x2 matrix, diagonal empty"
	[ "$(json_query "$T/m.json" "len(d['warnings'])")" = "$(grep -c ': warning: ' "$T/stderr")" ]
	ok $? "matrix checks for noise: its warnings on stderr and in the results"
	ok_schema "$T/m.json" "the matrix results validate"
	awk -F, 'NR == 1 && NF == 2 && $1 == "" && $2 == "" { a = 1 } NR == 2 && NF == 2 && $1 ~ /^[0-9]+$/ && $2 == "" { b = 1 } END { exit !(a && b && NR == 2) }' "$T/m.csv"
	ok $? "matrix CSV: lower triangle, one row per CPU"
	grep -q '^  CPU' "$T/stdout"
	ok $? "matrix prints the grid"
else
	skip 1 "one CPU only"
fi
run_ipcbench matrix --cpus 0
[ $rc -eq 2 ] && grep -q "at least two CPUs" "$T/stderr"
ok $? "matrix on one CPU: exit 2"
assert_clean "placement"
done_testing
