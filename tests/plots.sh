#!/bin/sh
# ipcbench-plot: the figures and the HTML report made from the fixtures in
# tests/fixtures/plots (made by ipcbench itself: a run of every mechanism,
# a matrix, both placement classes, a run with failed and skipped cells,
# a run with the copy floor, and a base/new pair where NEW's pipe was
# slowed by IPCBENCH_FAULT), and its answers to unusable input.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

plot="$top_srcdir/scripts/ipcbench-plot"
fx="$top_srcdir/tests/fixtures/plots"
IPCBENCH="$top_builddir/ipcbench"
export IPCBENCH

# The script runs under Debian's Python (its shebang), which must have
# matplotlib.
if ! /usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1; then
	skip_all "matplotlib missing"
fi

# run_plot ARGS...: the script's output in $T/stdout, $T/stderr, status in $rc.
run_plot() {
	"$plot" "$@" >"$T/stdout" 2>"$T/stderr" </dev/null
	rc=$?
}

# Checks on figures and the report, in Python's standard library only.
cat >"$T/check.py" <<'PY'
import html.parser, json, os, re, struct, sys
import xml.etree.ElementTree as ET

def slug(s):
    return re.sub(r"[^A-Za-z0-9_.+-]+", "-", s).strip("-.") or "x"

def fmt_size(n):
    for f, u in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if n >= f and n % f == 0:
            return "%d%s" % (n // f, u)
    return "%dB" % n

def fail(msg):
    print(msg)
    sys.exit(1)

def png_ok(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        fail("%s: not a PNG" % path)
    w, h = struct.unpack(">II", head[16:24])
    if not (300 <= w <= 8000 and 200 <= h <= 8000):
        fail("%s: implausible size %dx%d" % (path, w, h))

def svg_text(path):
    root = ET.parse(path).getroot()
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        fail("%s: root is %s, not <svg>" % (path, root.tag))
    lines = []
    for el in root.iter("{http://www.w3.org/2000/svg}text"):
        lines.append("".join(el.itertext()))
    return root, lines

REFS = ("cacheline", "null")

def cpu_both(c):
    """A cell's CPU time per operation, side A + side B, or None."""
    a, b = [((c.get("cost") or {}).get(s) or {}).get("cpu_ns") for s in "ab"]
    return a + b if a is not None and b is not None and a + b > 0 else None

def ow_drawn(c):
    """A one-way cell the oneway figure draws: not a load point, with
    figures, not saturated."""
    ow = c.get("one_way") or {}
    return (c["test"] == "oneway" and not c.get("load") and bool(ow.get("ow_p50_ns"))
            and not (ow.get("rate") or {}).get("saturated"))

def expected(fixture):
    """The figure names ipcbench-plot makes from a fixture."""
    d = json.load(open(fixture))
    if "matrix" in d:
        return ["matrix"]
    cells = d["cells"]
    classes = list(dict.fromkeys(c["placement"] for c in cells))
    names = []
    for cls in classes:
        sfx = "-" + cls if len(classes) > 1 else ""
        cs = [c for c in cells if c["placement"] == cls]
        ok = [c for c in cs if c["status"] == "ok"]
        if any(c["test"] == "latency" for c in ok):
            names.append("latency" + sfx)
        if any(c["test"] == "throughput" and c["throughput"]["bytes_per_s"] for c in ok):
            names.append("throughput-bytes" + sfx)
        if any(c["test"] == "throughput" for c in ok):
            names.append("throughput-msgs" + sfx)
        for size in sorted(set(c["msg_size_bytes"] for c in cs)):
            if any(c["test"] == "latency" and c["msg_size_bytes"] == size for c in ok):
                names.append("spectrum-%s%s" % (fmt_size(size), sfx))
        for size in sorted(set(c["msg_size_bytes"] for c in cs)):
            if any(c["test"] == "latency" and c["msg_size_bytes"] == size and c["mechanism"] not in REFS
                   and cpu_both(c) and not c.get("rate_msgs_per_s") for c in ok):
                names.append("cost-%s%s" % (fmt_size(size), sfx))
        if any(ow_drawn(c) for c in ok):
            names.append("oneway" + sfx)
        for size in sorted(set(c["msg_size_bytes"] for c in cs if c.get("load"))):
            if any(c.get("load") and c["msg_size_bytes"] == size for c in ok):
                names.append("load-%s%s" % (fmt_size(size), sfx))
    if len(classes) > 1:
        names.append("placements")
    return names

def cmd_figures(outdir, fixture, prefix="", exts="png,svg"):
    names = expected(fixture)
    exts = exts.split(",")
    made = sorted(f for f in os.listdir(outdir) if f.startswith(prefix) and not f.startswith("."))
    want = sorted(prefix + n + "." + e for n in names for e in exts)
    if made != want:
        fail("figures: made %s, expected %s" % (made, want))
    for n in names:
        if "png" in exts:
            png_ok(os.path.join(outdir, prefix + n + ".png"))
        if "svg" in exts:
            svg_text(os.path.join(outdir, prefix + n + ".svg"))
    print(" ".join(names))

def cmd_legends(outdir, fixture):
    """Every variant of the ok cells a figure draws is named in its SVG;
    every cell it cannot draw is in its note, with its status."""
    d = json.load(open(fixture))
    cells = d["cells"]
    classes = list(dict.fromkeys(c["placement"] for c in cells))
    checked = 0
    for cls in classes:
        sfx = "-" + cls if len(classes) > 1 else ""
        cs = [c for c in cells if c["placement"] == cls]
        figs = {"latency": [c for c in cs if c["test"] == "latency"],
                "throughput-msgs": [c for c in cs if c["test"] == "throughput"]}
        for size in sorted(set(c["msg_size_bytes"] for c in cs)):
            figs["spectrum-" + fmt_size(size)] = [c for c in cs if c["test"] == "latency"
                                                  and c["msg_size_bytes"] == size]
            figs["cost-" + fmt_size(size)] = [c for c in cs if c["test"] == "latency" and c["mechanism"] not in REFS
                                              and c["msg_size_bytes"] == size]
        for name, fcells in figs.items():
            path = os.path.join(outdir, name + sfx + ".svg")
            if not os.path.exists(path):
                if any(c["status"] == "ok" for c in fcells):
                    fail("%s: missing" % path)
                continue
            _, lines = svg_text(path)
            alltext = "\n".join(lines)
            note = " ".join(lines[lines.index("not shown:"):]) if "not shown:" in lines else ""
            for c in fcells:
                v = c["variant"]
                if c["status"] == "ok":
                    if not any(l == v or l.startswith(v + " (") for l in lines):
                        fail("%s: %s is not in its legend" % (path, v))
                else:
                    if not re.search(r"• %s: [^•]*\b%s\b" % (re.escape(v), c["status"]), note):
                        fail("%s: %s %s %d is not in the note: %r" % (path, v, c["status"],
                                                                      c["msg_size_bytes"], note))
                checked += 1
            if "floor (cacheline)" not in alltext and name == "latency":
                fail("%s: no floor line" % path)
    print("%d cells checked" % checked)

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.text, self.svgs, self.h2 = [], [], [], 0, []
        self.in_h2 = False

    VOID = {"meta", "br", "img", "hr", "link", "input", "col", "wbr", "source"}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k, v in attrs:
            if k in ("src", "href", "xlink:href", "action") and v and re.match(r"\s*(https?:)?//", v):
                self.problems.append("external %s=%s" % (k, v))
        if tag == "script":
            self.problems.append("a <script>")
        if tag == "link" and "stylesheet" in (a.get("rel") or ""):
            self.problems.append("an external stylesheet")
        if tag in ("img", "iframe", "object", "embed"):
            self.problems.append("<%s>" % tag)
        if tag == "svg" and not any(t == "svg" for t in self.stack):
            self.svgs += 1
        if tag == "h2":
            self.in_h2 = True
            self.h2.append("")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2 = False
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self.in_h2:
            self.h2[-1] += data

def cmd_report(path, fixture, *more):
    src = open(path, encoding="utf-8").read()
    p = Page()
    p.feed(src)
    p.close()
    if p.stack:
        p.problems.append("unclosed: %s" % p.stack)
    if p.problems:
        fail("%s: %s" % (path, "; ".join(p.problems[:5])))
    if p.svgs < 1:
        fail("%s: no inline <svg>" % path)
    ids = re.findall(r'\bid="([^"]+)"', src)
    dup = sorted(set(i for i in ids if ids.count(i) > 1))
    if dup:
        fail("%s: ids used twice: %s" % (path, dup[:5]))
    text = "".join(p.text)
    d = json.load(open(fixture))
    for c in d["cells"]:
        if c["variant"] not in text:
            fail("%s: %s is not named" % (path, c["variant"]))
    for want in ("Machine", "Warnings", "Summary", "Figures", "What to pick"):
        if want not in p.h2:
            fail("%s: no section %s (sections: %s)" % (path, want, p.h2))
    for w in d.get("warnings") or []:
        if w["message"] not in text:
            fail("%s: warning %r is missing" % (path, w["message"]))
    brand = d["system"]["cpu"]["brand"]
    if brand not in text or d["system"]["kernel"]["release"] not in text:
        fail("%s: the machine is not described" % path)
    for want in more:
        if want not in text:
            fail("%s: %r is not in the text" % (path, want))
    print("%d inline svg, sections %s" % (p.svgs, ", ".join(p.h2)))

class Rows(html.parser.HTMLParser):
    """The rows of the table with a given id: [(cells' text, row class)]."""
    def __init__(self, want):
        super().__init__(convert_charrefs=True)
        self.want, self.depth, self.rows = want, 0, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("id") == self.want:
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append(([], a.get("class") or ""))
        elif self.depth and tag in ("td", "th"):
            self.rows[-1][0].append("")

    def handle_data(self, data):
        if self.depth and self.rows and self.rows[-1][0]:
            self.rows[-1][0][-1] += data

    def handle_endtag(self, tag):
        if tag == "table":
            self.depth = 0

def cmd_pick(path, table_id, order, front, absent, spins=None):
    """The table table_id of "What to pick": its rows are the variants of
    order (comma-separated) in that order, those of front and only those
    marked on the Pareto front, those of absent with their status; with
    spins, those and only those said to spin in the CPUs busy column."""
    p = Rows(table_id)
    p.feed(open(path, encoding="utf-8").read())
    if not p.rows:
        fail("%s: no table %s" % (path, table_id))
    head, body = p.rows[0][0], [r for r in p.rows[1:] if "ref" not in r[1]]
    for col in ("mechanism", "front", "RTT p50", "RTT p99.9", "CPU per round trip", "CPUs busy", "msgs/s"):
        if col not in head:
            fail("%s: no column %r in %s" % (table_id, col, head))
    names = [r[0][0] for r in body]
    if names != order.split(","):
        fail("%s: rows %s, expected %s" % (table_id, names, order))
    marked = sorted(r[0][0] for r in body if "front" in r[1] and r[0][1] == "◆")
    unmarked_marks = [r[0][0] for r in body if "front" not in r[1] and r[0][1]]
    if marked != sorted(front.split(",")) or unmarked_marks:
        fail("%s: front %s (and %s marked without the class), expected %s" % (table_id, marked, unmarked_marks,
                                                                              front))
    for a in absent.split(",") if absent else []:
        v, status = a.split(":")
        row = [r for r in body if r[0][0] == v]
        if not row or not row[0][0][2].startswith(status + ":"):
            fail("%s: %s is not %s with a reason: %s" % (table_id, v, status, row))
    if spins is not None:
        col = head.index("CPUs busy")
        said = sorted(r[0][0] for r in body if len(r[0]) > col and r[0][col].endswith(" spins"))
        if said != sorted(x for x in spins.split(",") if x):
            fail("%s: %s said to spin, expected %s" % (table_id, said, spins))
    print("%d rows, front: %s%s" % (len(body), ", ".join(marked), "; spinning: " + spins if spins else ""))

def cmd_compare(svg, base, new, ipcbench):
    """The bars of the compare figure carry the verdicts ipcbench gives."""
    import subprocess
    r = subprocess.run([ipcbench, "compare", "--json", "-", base, new], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    cmp = json.loads(r.stdout)
    root, lines = svg_text(svg)
    bars = {}
    for el in root.iter():
        m = re.match(r"bar-(slower|faster|same)-(.*)", el.get("id", ""))
        if m:
            bars[m.group(2)] = m.group(1)
    for c in cmp["cells"]:
        if c["ratio"] is None:
            continue
        if bars.get(slug(c["cell"])) != c["verdict"]:
            fail("%s: %s drawn as %s, ipcbench says %s" % (svg, c["cell"], bars.get(slug(c["cell"])),
                                                           c["verdict"]))
    slower = [k for k, v in bars.items() if v == "slower"]
    if not slower or not all(k.startswith("pipe-") for k in slower):
        fail("%s: slower cells %s: expected pipe cells only" % (svg, slower))
    if not any(k.startswith("pipe-latency-") for k in slower):
        fail("%s: no pipe latency cell slower" % svg)
    if "slower" not in lines:
        fail("%s: no legend of verdicts" % svg)
    print("slower: %s" % ", ".join(sorted(slower)))

globals()["cmd_" + sys.argv[1]](*sys.argv[2:])
PY
check_py() {
	"$PYTHON3" "$T/check.py" "$@" >"$T/check" 2>&1
	status=$?
	[ $status -eq 0 ] || diag <"$T/check"
	return $status
}

# Usage and help.
run_plot --help
[ $rc -eq 0 ] && grep -q "^Usage:" "$T/stdout"
ok $? "--help: usage on stdout, exit 0"
run_plot --frobnicate "$fx/all.json" -o "$T/x"
[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q -- "--frobnicate" "$T/stderr"
ok $? "an unknown option: exit 2, one line"
run_plot
[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ]
ok $? "no arguments: exit 2, one line"
run_plot "$fx/all.json"
[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ]
ok $? "no -o nor --report: exit 2"
run_plot --format gif "$fx/all.json" -o "$T/x"
[ $rc -eq 2 ] && grep -q "gif" "$T/stderr"
ok $? "--format gif: exit 2"
run_plot --compare "$fx/base.json" -o "$T/x"
[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ]
ok $? "--compare with one file: exit 2"
[ ! -e "$T/x" ]
ok $? "usage errors write nothing"

# Figures of every fixture: each expected name, a PNG and an SVG of
# plausible shape, the legends and the notes.
for f in all matrix placements faults copyfloor; do
	run_plot "$fx/$f.json" -o "$T/$f"
	[ $rc -eq 0 ] && [ ! -s "$T/stderr" ]
	ok $? "$f.json: exit 0, nothing on stderr"
	diag <"$T/stderr"
	check_py figures "$T/$f" "$fx/$f.json"
	ok $? "$f.json: every expected figure, as PNG and SVG: $(cat "$T/check")"
	if [ $f != matrix ]; then
		check_py legends "$T/$f" "$fx/$f.json"
		ok $? "$f.json: ok cells named in the legends, the others in the notes ($(cat "$T/check"))"
	fi
done
grep -q '• pipe: 8 B–64 KiB failed (side B was killed by signal 9' "$T/faults/latency.svg" &&
	grep -q '• signal: 64 B, 64 KiB skipped (a signal carries at most 8 bytes' "$T/faults/latency.svg"
ok $? "faults.json: the note groups the cells of a mechanism and says why"
cpu=$(json_query "$fx/copyfloor.json" "d['placements'][0]['copy_floor']['cpu']")
grep -q ">copy floor (memcpy on CPU $cpu)<" "$T/copyfloor/throughput-bytes.svg" &&
	! grep -q "copy floor" "$T/copyfloor/throughput-msgs.svg" "$T/all/throughput-bytes.svg"
ok $? "copyfloor.json: the copy floor in the bytes/s figure's legend (none in a file from before it)"
grep -q '140 ns' "$T/matrix/matrix.svg" && grep -q 'CPU of side A' "$T/matrix/matrix.svg"
ok $? "matrix.json: the heatmap is annotated with the round trips"
grep -q 'AMD EPYC · Linux 6.18.44-fc-v1272 · 2026-12-07' "$T/all/latency.svg"
ok $? "a figure's title carries the CPU, the kernel and the date"
st=0
for s in 64B 64KiB; do grep -q ">99.999%<" "$T/all/spectrum-$s.svg" || st=1; done
ok $st "spectra: percentile axis up to 99.999%"
! ls -A "$T/all" "$T/faults" | grep -q '^\.'
ok $? "no temporary file left in the output directory"

# Several files: names start with each file's name.
run_plot "$fx/base.json" "$fx/new.json" -o "$T/two" --format svg
[ $rc -eq 0 ] && check_py figures "$T/two" "$fx/base.json" base- svg &&
	[ -f "$T/two/new-latency.svg" ] && ! ls "$T/two" | grep -q png
ok $? "two files, --format svg: base-latency.svg ... new-latency.svg, no PNG"

# Deterministic SVG.
run_plot "$fx/faults.json" -o "$T/again" --format svg
cmp -s "$T/again/latency.svg" "$T/faults/latency.svg" && cmp -s "$T/again/spectrum-8B.svg" "$T/faults/spectrum-8B.svg" &&
	cmp -s "$T/again/cost-8B.svg" "$T/faults/cost-8B.svg"
ok $? "the same input gives the same SVG bytes"

# A version 1 file (the fixture from the last version that wrote them):
# the same figures as from the same figures in version 2, and a report.
v1="$top_srcdir/tests/fixtures/results/base-v1.json"
results_v2 "$v1" "$T/v1as2.json"
run_plot "$v1" -o "$T/v1" --format svg --report "$T/v1.html"
v1rc=$rc
run_plot "$T/v1as2.json" -o "$T/v1as2" --format svg
[ $v1rc -eq 0 ] && [ $rc -eq 0 ] && check_py figures "$T/v1" "$v1" "" svg &&
	diff -r "$T/v1" "$T/v1as2" >/dev/null
ok $? "a version 1 file: every expected figure, byte for byte those of version 2"
check_py report "$T/v1.html" "$v1"
ok $? "a version 1 file: its report ($(cat "$T/check"))"

# Compare: the verdicts are ipcbench's.
run_plot --compare "$fx/base.json" "$fx/new.json" -o "$T/cmp"
[ $rc -eq 0 ] && [ -f "$T/cmp/compare.png" ] && [ -f "$T/cmp/compare.svg" ]
ok $? "--compare: compare.png and compare.svg"
check_py compare "$T/cmp/compare.svg" "$fx/base.json" "$fx/new.json" "$IPCBENCH"
ok $? "--compare: bars coloured by ipcbench compare's verdicts, the pipe cells slower ($(cat "$T/check"))"
run_plot --compare "$fx/matrix.json" "$fx/base.json" -o "$T/cmp2"
[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q "^ipcbench: compare: .*no cell in common" "$T/stderr"
ok $? "--compare of files with no cell in common: ipcbench's line, exit 2"
env IPCBENCH="$T/no-such-ipcbench" "$plot" --compare "$fx/base.json" "$fx/new.json" -o "$T/cmp3" \
	>"$T/stdout" 2>"$T/stderr" </dev/null
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && [ ! -e "$T/cmp3/compare.png" ]
ok $? "--compare without a runnable ipcbench: exit 1, one line"

# The report.
run_plot --report "$T/all.html" "$fx/all.json" -o "$T/all-again" --format png
[ $rc -eq 0 ] && [ -f "$T/all-again/latency.png" ]
ok $? "--report with -o: exit 0, figures too"
check_py report "$T/all.html" "$fx/all.json" "For 64-byte messages with a p99.9 budget: shm-futex"
ok $? "report of all.json: well formed, self-contained, inline SVG, every mechanism, What to pick ($(cat "$T/check"))"
grep -q "<svg" "$T/all.html" && ! grep -qi "<script" "$T/all.html" && ! grep -q "base64" "$T/all.html"
ok $? "report: figures inline as <svg>, no script, no base64 image"
for f in matrix placements faults copyfloor; do
	run_plot --report "$T/$f.html" "$fx/$f.json"
	[ $rc -eq 0 ] && check_py report "$T/$f.html" "$fx/$f.json"
	ok $? "report of $f.json: $(cat "$T/check")"
done
x=$(json_query "$fx/copyfloor.json" "'%.2f×' % [c for c in d['cells'] if c['variant'] == 'shm-futex' and c['test'] == 'throughput' and c['msg_size_bytes'] == 65536][0]['x_copy_floor']")
check_py report "$T/copyfloor.html" "$fx/copyfloor.json" "× copy floor" "copy floor (memcpy on CPU $cpu): 64 B" "$x" &&
	! grep -q "copy floor (memcpy" "$T/all.html"
ok $? "report of copyfloor.json: the x copy floor column ($x for shm-futex 64 KiB) and the copy floor by size"
check_py report "$T/faults.html" "$fx/faults.json" "side B was killed by signal 9" "fs.mqueue.msgsize_max"
ok $? "report of faults.json: skipped and failed cells with their reasons"
# A machine described from /proc/cpuinfo (a build without libcpuid): the
# report names that source, not CPUID.
"$PYTHON3" - "$fx/matrix.json" "$T/cpuinfo.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["system"]["cpu"]
c.update(source="/proc/cpuinfo", library=None, caches_from="sysfs, cpu0 (every CPU's L2 and L3"
         " are in topology)", hypervisor=True)
json.dump(d, open(sys.argv[2], "w"))
PY
run_plot --report "$T/cpuinfo.html" "$T/cpuinfo.json"
[ $rc -eq 0 ] && check_py report "$T/cpuinfo.html" "$T/cpuinfo.json" "Caches (sysfs)" \
	"per package (/proc/cpuinfo)" "hypervisor flag in /proc/cpuinfo set" &&
	! grep -q "CPUID" "$T/cpuinfo.html"
ok $? "report of a machine described from /proc/cpuinfo: its sources named, no CPUID"
run_plot --report "$T/new.html" "$fx/new.json" --compare-with "$fx/base.json"
[ $rc -eq 0 ] && check_py report "$T/new.html" "$fx/new.json" "Comparison" "pipe latency 64 B same-l3" "slower"
ok $? "--report --compare-with: a comparison section with the verdicts"

# Cost beside speed. The Pareto front on points with every kind of tie.
/usr/bin/python3 - "$plot" <<'PY' >"$T/check" 2>&1
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("ipcbench_plot", sys.argv[1])
m = importlib.util.module_from_spec(importlib.util.spec_from_loader("ipcbench_plot", loader))
loader.exec_module(m)
cases = [
    # (CPU time, RTT): the cheapest, two equal points (both on the front),
    # one beaten on both axes, one beaten at equal CPU time, one at equal
    # RTT, the fastest and one beaten by it at equal RTT.
    ([(1, 10), (2, 5), (2, 5), (3, 3), (4, 4), (1, 12), (3, 6), (5, 1), (5, 1.5), (6, 1)],
     [True, True, True, True, False, False, False, True, False, False]),
    ([(7, 7)], [True]),
    ([], []),
    ([(3, 3), (3, 3), (3, 3)], [True, True, True]),
    ([(1, 1), (2, 2), (3, 3)], [True, False, False]),
]
bad = [(pts, m.pareto_front(pts), want) for pts, want in cases if m.pareto_front(pts) != want]
print("%d cases" % len(cases) if not bad else "wrong: %s" % bad)
sys.exit(1 if bad else 0)
PY
ok $? "pareto_front: dominated points off, equal points on together ($(cat "$T/check"))"

# A synthetic run whose 64 B front is known: pipe and fifo tie as the
# cheapest, mqueue and uds-stream trade CPU for speed, shm-futex is the
# fastest and the dearest; uds-dgram (as dear as uds-stream, slower),
# sysv-msg (as fast as uds-stream, dearer) and tcp are beaten.
"$PYTHON3" - "$fx/all.json" "$T/front.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = {"pipe": (20e3, 50e3), "fifo": (20e3, 50e3), "mqueue": (25e3, 45e3), "uds-stream": (30e3, 40e3),
        "uds-dgram": (30e3, 45e3), "sysv-msg": (40e3, 40e3), "tcp": (60e3, 60e3), "shm-futex": (80e3, 300)}
for c in d["cells"]:
    if c["test"] == "latency" and c["msg_size_bytes"] == 64 and c["variant"] in want:
        cpu, rtt = want[c["variant"]]
        c["cost"]["a"]["cpu_ns"] = c["cost"]["b"]["cpu_ns"] = cpu / 2
        c["latency"]["rtt_p50_ns"] = rtt
json.dump(d, open(sys.argv[2], "w"))
PY
run_plot --report "$T/front.html" "$T/front.json" -o "$T/front"
[ $rc -eq 0 ] && [ -s "$T/front/cost-64B.png" ] && [ -s "$T/front/cost-64B.svg" ] &&
	[ -s "$T/front/cost-64KiB.svg" ] && grep -q "Pareto front" "$T/front/cost-64B.svg" &&
	grep -q "2 CPUs busy" "$T/front/cost-64B.svg"
ok $? "the cost figures are written, one per size, with the front and the CPUs-busy guides"
check_py pick "$T/front.html" pick-same-l3-64B shm-futex,uds-stream,sysv-msg,mqueue,uds-dgram,pipe,fifo,tcp,signal \
	shm-futex,uds-stream,mqueue,pipe,fifo signal:skipped
ok $? "What to pick at 64 B: a row per variant, fastest first, the front marked ($(cat "$T/check"))"
grep -q "On the Pareto front of RTT p50 against CPU per round trip: <b>shm-futex</b>, <b>uds-stream</b>, <b>mqueue</b>, <b>pipe</b>, <b>fifo</b>." "$T/front.html"
ok $? "What to pick at 64 B: the front in the size's one-line summary"
check_py pick "$T/all.html" pick-same-l3-64KiB shm-futex,uds-stream,uds-dgram,fifo,pipe,tcp,mqueue,sysv-msg,signal shm-futex \
	mqueue:skipped,sysv-msg:skipped,signal:skipped ""
ok $? "What to pick at 64 KiB of all.json: the skipped variants with their reason, none spinning ($(cat "$T/check"))"
# At 64 B, all.json's shm-futex waited by spinning (its hybrid wait never
# slept, 2.08 CPUs busy): the one row that says so.
check_py pick "$T/all.html" pick-same-l3-64B shm-futex,uds-stream,fifo,pipe,mqueue,uds-dgram,sysv-msg,tcp,signal \
	shm-futex signal:skipped shm-futex
ok $? "What to pick at 64 B of all.json: the spinning variant said to spin ($(cat "$T/check"))"
# A test this script does not know (oneway, from a newer ipcbench) is
# never a point nor a row: a copy of a latency cell turned into one, with
# figures of its own, leaves the figure and the table as they were.
/usr/bin/python3 - "$plot" "$T/front.json" <<'PY' >"$T/check" 2>&1
import copy, importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("ipcbench_plot", sys.argv[1])
m = importlib.util.module_from_spec(importlib.util.spec_from_loader("ipcbench_plot", loader))
loader.exec_module(m)
m.import_matplotlib()
res = m.Results(sys.argv[2])
style = m.Style(res.labels)
before = (m.what_to_pick(res), m.render(m.fig_cost(res, "same-l3", 64, style), "svg"))
extra = copy.copy([c for c in res.cells if c.variant == "pipe" and c.test == "latency" and c.size == 64][0])
class WithFigures(m.Cell):
    has_data = True
extra.__class__ = WithFigures
extra.test = "oneway"
extra.lat = dict(extra.lat, rtt_p50_ns=1.0)
res.cells.append(extra)
after = (m.what_to_pick(res), m.render(m.fig_cost(res, "same-l3", 64, style), "svg"))
print("same table and figure" if before == after else "a oneway cell changed the table or the figure")
sys.exit(0 if before == after else 1)
PY
ok $? "a cell of another test (oneway) is left out of the cost figure and table ($(cat "$T/check"))"

# Latency against offered load: a synthetic run, all.json with load
# points added to pipe's and shm-futex's 64 B throughput cells (pipe's
# flat up to 90%, then saturated; shm-futex's bending at 50%, its 90%
# skipped): the load-64B figure, each curve in the legend with its maximum
# and knee, the saturated points marked, the skipped one in the note, and
# the figure in the report.
"$PYTHON3" - "$fx/all.json" "$T/load.json" <<'PY'
import copy, json, sys
d = json.load(open(sys.argv[1]))
curves = {"pipe": [(0.1, 3000, 9000, False), (0.5, 3200, 9500, False), (0.9, 4000, 15000, False),
                   (0.99, 90000, 900000, True)],
          "shm-futex": [(0.1, 200, 1000, False), (0.5, 900, 5000, False), (0.9, None, None, False)]}
for c in list(d["cells"]):
    if c["test"] != "throughput" or c["msg_size_bytes"] != 64 or c["variant"] not in curves:
        continue
    mx = c["throughput"]["msgs_per_s"]
    for frac, p50, p99, sat in curves[c["variant"]]:
        p = copy.deepcopy(c)
        p.update(test="oneway", direction="ab", throughput=None, rate_msgs_per_s=frac * mx)
        p["load"] = {"fraction": frac, "max_msgs_per_s": mx, "offered_msgs_per_s": frac * mx,
                     "of": {"variant": c["variant"], "test": "throughput", "msg_size_bytes": 64,
                            "placement": c["placement"]},
                     "knee_factor": 2.0, "knee_fraction": 0.9 if c["variant"] == "pipe" else 0.1}
        if p50 is None:
            p.update(status="skipped", reason="an invented reason to skip", one_way=None)
        else:
            p["one_way"] = {"ow_p50_ns": p50, "ow_p99_ns": p99,
                            "rate": {"saturated": sat, "achieved_msgs_per_s": frac * mx * (0.8 if sat else 1)}}
        d["cells"].append(p)
json.dump(d, open(sys.argv[2], "w"))
PY
run_plot --report "$T/load.html" "$T/load.json" -o "$T/load"
[ $rc -eq 0 ] && check_py figures "$T/load" "$T/load.json"
ok $? "load points: exit 0 (got $rc), every expected figure and load-64B among them ($(cat "$T/check"))"
svg="$T/load/load-64B.svg"
grep -q ">pipe: max [0-9.]* [kMG]* *msg/s, knee 90%<" "$svg" && grep -q ">shm-futex: max [0-9.]* [kMG]* *msg/s, knee 10%<" "$svg" &&
	grep -q ">p50 (solid)<" "$svg" && grep -q ">p99 (dashed)<" "$svg" &&
	grep -q ">saturated: rate not held<" "$svg" && grep -q "shm-futex at 90%: skipped (an invented reason to skip)" "$svg" &&
	grep -q "% of each mechanism's own maximum" "$svg"
ok $? "load-64B: the curves with their maximum and knee, the line styles, the saturated mark, the skipped point"
grep -q 'id="fig-load-64B"' "$T/load.html" && grep -q "Latency against offered load" "$T/load.html"
ok $? "the report shows the load figure with its caption"
grep -c ">saturated: rate not held<" "$T/all/latency.svg" "$T/load/latency.svg" | grep -q ":0$" &&
	[ ! -e "$T/all/load-64B.svg" ] && cmp -s "$T/all/latency.svg" "$T/load/latency.svg"
ok $? "the load points change no other figure; a file without them has no load figure"

# One-way cells and round trips at a rate, from real runs (small ones):
# pipe and uds-stream, latency and one-way both ways one at a time, then
# the same at 5000 msgs/s. Each plots, with the oneway figure among the
# figures, and the lines drawn carry the figures of the JSON.
serialize
run_ipcbench --mech pipe,uds-stream --sizes 64,4K --test latency,oneway --direction ab,ba --iterations 400 \
	--repetitions 1 --json "$T/ow.json"
owrc=$rc
run_ipcbench --mech pipe,uds-stream --sizes 64,4K --test latency,oneway --rate 5000 --iterations 400 \
	--repetitions 1 --json "$T/owr.json"
if [ $owrc -eq 77 ] || [ $rc -eq 77 ]; then
	# the clock check refused the CPUs (their clocks disagree): no one-way run here
	skip 15 "one-way runs refused here: $(tail -n 1 "$T/stderr")"
else
	[ $owrc -eq 0 ] && [ $rc -eq 0 ]
	ok $? "one-way runs, one at a time and at 5000 msgs/s: exit 0 (got $owrc, $rc)" || diag <"$T/stderr"
	# A file of one-way cells only, and one whose pipe 4 KiB cells at the
	# rate are saturated (a real run at this rate rarely is), and one whose
	# latency cells are half closed loop, half at the rate.
	"$PYTHON3" - "$T/ow.json" "$T/owr.json" "$T" <<'PY'
import copy, json, sys
ow, owr, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
only = copy.deepcopy(ow)
only["cells"] = [c for c in only["cells"] if c["test"] == "oneway"]
json.dump(only, open(t + "/owonly.json", "w"))
sat = copy.deepcopy(owr)
for c in sat["cells"]:
    if c["mechanism"] == "pipe" and c["msg_size_bytes"] == 4096 and c["status"] == "ok":
        r = (c.get("one_way") or c.get("latency"))["rate"]
        r.update(saturated=True, saturation_reason="achieved 3000 msgs/s, under 97% of the target (invented)")
json.dump(sat, open(t + "/owsat.json", "w"))
mixed = copy.deepcopy(ow)
mixed["cells"] = ([c for c in ow["cells"] if c["test"] == "latency"]
                  + [c for c in owr["cells"] if c["test"] == "latency"])
json.dump(mixed, open(t + "/owmixed.json", "w"))
PY
	for f in ow owr owonly owsat owmixed; do
		run_plot "$T/$f.json" -o "$T/p-$f" --report "$T/$f.html"
		[ $rc -eq 0 ] && [ ! -s "$T/stderr" ] && check_py figures "$T/p-$f" "$T/$f.json"
		ok $? "$f.json: exit 0 (got $rc), every expected figure ($(cat "$T/check"))"
		diag <"$T/stderr"
	done
	ok_schema "$T/ow.json" "the one-way results validate"
	ok_schema "$T/owr.json" "the one-way results at a rate validate"
	# The data drawn: each one-way series' p50 line is the JSON's ow_p50_ns
	# at each size, in the SVG under its name; the dashed RTT p50 / 2 is
	# the closed loop's one_way_estimate, only beside cells one at a time;
	# saturated cells are no part of a line; closed loop and rate are never
	# one series.
	/usr/bin/python3 - "$plot" "$T" <<'PY' >"$T/check" 2>&1
import importlib.machinery, importlib.util, json, sys
loader = importlib.machinery.SourceFileLoader("ipcbench_plot", sys.argv[1])
m = importlib.util.module_from_spec(importlib.util.spec_from_loader("ipcbench_plot", loader))
loader.exec_module(m)
m.import_matplotlib()
t = sys.argv[2]
bad = []
def lines(fig):
    return {l.get_gid(): (list(l.get_xdata()), list(l.get_ydata())) for ax in fig.axes for l in ax.lines
            if l.get_gid()}
def labels(fig):
    return [l.get_label() for ax in fig.axes for l in ax.lines if not l.get_label().startswith("_")]
def close(a, b):
    return len(a) == len(b) and all(abs(x - y) <= 1e-6 * max(1, abs(y)) for x, y in zip(a, b))
n = 0
for f in ("ow", "owr", "owsat"):
    d = json.load(open("%s/%s.json" % (t, f)))
    res = m.Results("%s/%s.json" % (t, f))
    drawn = lines(m.fig_oneway(res, res.groups[0], m.Style(res.labels)))
    svg = open("%s/p-%s/oneway.svg" % (t, f)).read()
    both = len(set(c.get("direction") for c in d["cells"] if c["test"] == "oneway")) > 1
    for v in ("pipe", "uds-stream"):
        for dr in ("ab", "ba") if both else ("ab",):
            cs = sorted((c for c in d["cells"] if c["test"] == "oneway" and c["variant"] == v
                         and c["direction"] == dr and c["status"] == "ok"
                         and not (c["one_way"]["rate"] or {}).get("saturated")), key=lambda c: c["msg_size_bytes"])
            gid = "oneway-p50-" + m.slug(v + (" " + {"ab": "A→B", "ba": "B→A"}[dr] if both else ""))
            want = ([c["msg_size_bytes"] for c in cs], [c["one_way"]["ow_p50_ns"] for c in cs])
            got = drawn.get(gid)
            if not got or got[0] != want[0] or not close(got[1], want[1]):
                bad.append("%s %s: drawn %s, JSON %s" % (f, gid, got, want))
            if 'id="%s"' % gid not in svg:
                bad.append("%s: %s not in the SVG" % (f, gid))
            n += 1
        half = drawn.get("oneway-rtt-half-" + v)
        lat = sorted((c for c in d["cells"] if c["test"] == "latency" and c["variant"] == v), key=lambda c: c["msg_size_bytes"])
        if f == "ow":
            want = ([c["msg_size_bytes"] for c in lat], [c["latency"]["one_way_estimate"]["p50_ns"] for c in lat])
            if not half or half[0] != want[0] or not close(half[1], want[1]):
                bad.append("%s RTT/2 of %s: drawn %s, JSON %s" % (f, v, half, want))
        elif half:
            bad.append("%s: an RTT/2 line beside cells at a rate" % f)
if "RTT p50 / 2" not in open(t + "/p-ow/oneway.svg").read() or "RTT p50 / 2" in open(t + "/p-owr/oneway.svg").read():
    bad.append("the RTT p50 / 2 key: in ow, not in owr")
# latency at a rate: its series are the JSON's, the saturated one not on a line
res = m.Results(t + "/owsat.json")
fig = m.fig_latency(res, res.groups[0], m.Style(res.labels))
pipe = [l for ax in fig.axes for l in ax.lines if l.get_label() == "pipe"]
if len(pipe) != 1 or list(pipe[0].get_xdata()) != [64]:
    bad.append("owsat latency: pipe's line is %s, expected 64 B only" % [list(l.get_xdata()) for l in pipe])
# closed loop and at a rate: two series per mechanism, never one
res = m.Results(t + "/owmixed.json")
labs = labels(m.fig_latency(res, res.groups[0], m.Style(res.labels)))
for v in ("pipe", "uds-stream"):
    for want in (v + " closed loop", v + " at 5000 msgs/s"):
        if want not in labs:
            bad.append("owmixed latency: no series %r in %s" % (want, labs))
    if v in labs:
        bad.append("owmixed latency: a series %r mixing both" % v)
print("%d one-way series checked" % n if not bad else "\n".join(bad))
sys.exit(1 if bad else 0)
PY
	ok $? "the lines drawn are the JSON's: one-way p50 per series, RTT p50 / 2, saturated cells off the line, closed loop and rate apart ($(cat "$T/check"))"
	grep -q ">One-way latency vs message size<" "$T/p-ow/oneway.svg" &&
		grep -q ">one-way latency, send stamp to arrival<" "$T/p-ow/oneway.svg" &&
		grep -q ">pipe A→B<" "$T/p-ow/oneway.svg" && grep -q ">uds-stream B→A<" "$T/p-ow/oneway.svg" &&
		grep -q ">Round-trip latency vs message size<" "$T/p-ow/latency.svg"
	ok $? "one at a time: the oneway figure's title, axis and directions; the latency figure unchanged"
	grep -q ">One-way latency at 5000 msgs/s vs message size<" "$T/p-owr/oneway.svg" &&
		grep -q "from the due time (corrected)<" "$T/p-owr/oneway.svg" &&
		grep -q ">Round-trip latency at 5000 msgs/s vs message size<" "$T/p-owr/latency.svg" &&
		grep -q ">RTT at 5000 msgs/s, from the due time (corrected)<" "$T/p-owr/latency.svg" &&
		grep -q ">floor (cacheline, closed loop)<" "$T/p-owr/latency.svg" &&
		grep -q "RTT at 5000 msgs/s from the due time" "$T/p-owr/spectrum-64B.svg" &&
		[ ! -e "$T/p-owr/cost-64B.svg" ] && grep -q "• pipe at 5000 msgs/s: 64 B at a rate (its CPU time includes" "$T/p-owmixed/cost-64B.svg"
	ok $? "at a rate: the oneway, latency and spectrum figures say so, the floor is a closed loop; no cost points"
	st=0
	for fig in oneway latency; do
		grep -q ">saturated: rate not held<" "$T/p-owsat/$fig.svg" &&
			grep -q "• pipe: 4 KiB saturated (achieved 3000 msgs/s, under 97% of the target (invented))" \
				"$T/p-owsat/$fig.svg" || st=1
	done
	! grep -q "saturated" "$T/p-owr/oneway.svg" "$T/p-owr/latency.svg" || st=1
	ok $st "saturated cells: crossed, in the legend and the note with the reason (none in a run that held its rate)"
	grep -q 'id="fig-oneway"' "$T/ow.html" && grep -q "One-way latency (--test oneway)" "$T/ow.html" &&
		grep -q 'id="oneway-table"' "$T/ow.html" && grep -q "RTT p50 / 2 of the same run" "$T/ow.html" &&
		grep -q 'id="fig-oneway"' "$T/owr.html" && grep -q "At 5000 msgs/s the sender sends" "$T/owr.html" &&
		grep -q "The latency cells ran at 5000 msgs/s" "$T/owr.html" &&
		grep -q "The round trips ran at 5000 msgs/s: side A sent each request when due" "$T/owr.html" &&
		! grep -q "The round trips ran at" "$T/ow.html" &&
		grep -q "The round trips of this file were measured at 5000 msgs/s" "$T/owr.html" &&
		grep -q "by median round trip (p50) at 5000 msgs/s" "$T/owr.html" &&
		! grep -q "The round trips of this file were measured" "$T/ow.html"
	ok $? "the report: the oneway figure with its paragraph, the one-way table, the rate said (What to pick too)"
	check_py report "$T/owonly.html" "$T/owonly.json" "This file has one-way cells only"
	ok $? "report of a one-way-only file ($(cat "$T/check"))"
	run_ipcbench report "$T/owonly.json" -o "$T/owonly-via.html"
	[ $rc -eq 0 ] && grep -q 'id="fig-oneway"' "$T/owonly-via.html"
	ok $? "ipcbench report of a one-way-only file: exit 0, the oneway figure"
fi

# Each figure is closed once rendered: however many figures a run makes,
# one is open at a time, and none is left.
/usr/bin/python3 - "$plot" "$fx/placements.json" "$T/flat" <<'PY' >"$T/check" 2>&1
import contextlib, importlib.machinery, importlib.util, io, sys
loader = importlib.machinery.SourceFileLoader("ipcbench_plot", sys.argv[1])
m = importlib.util.module_from_spec(importlib.util.spec_from_loader("ipcbench_plot", loader))
loader.exec_module(m)
open_at_render = []
render = m.render
def counting(fig, fmt):
    open_at_render.append(len(m.plt.get_fignums()))
    return render(fig, fmt)
m.render = counting
with contextlib.redirect_stdout(io.StringIO()):
    rc = m.main([sys.argv[2], "-o", sys.argv[3], "--report", sys.argv[3] + ".html"])
left = len(m.plt.get_fignums())
most = max(open_at_render or [0])
print("%d renders, at most %d figure(s) open, %d left" % (len(open_at_render), most, left))
sys.exit(0 if rc == 0 and len(open_at_render) > 10 and most == 1 and left == 0 else 1)
PY
ok $? "figures closed once rendered: $(cat "$T/check")"

# Strings from the JSON are escaped, and a '$' is not mathtext.
"$PYTHON3" - "$fx/faults.json" "$T/evil.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["cells"]:
    if c["mechanism"] == "mqueue":
        c["variant"] = 'mq <i>$x$</i> & "co"'
    if c["status"] == "failed":
        c["reason"] = "<script>alert(1)</script> $y$"
json.dump(d, open(sys.argv[2], "w"))
PY
run_plot --report "$T/evil.html" -o "$T/evil" "$T/evil.json"
[ $rc -eq 0 ] && ! grep -q "<i>\\\$x" "$T/evil.html" && ! grep -q "<script>alert" "$T/evil.html" &&
	grep -q '&lt;i&gt;\$x\$&lt;/i&gt; &amp; &quot;co&quot;' "$T/evil.html" &&
	check_py legends "$T/evil" "$T/evil.json"
ok $? "markup and \$ in names and reasons: escaped in the report, drawn as text in the figures"
diag <"$T/stderr"

# Unusable input: exit 2, one line naming the file, and nothing written.
: >"$T/empty.json"
head -c 3000 "$fx/faults.json" >"$T/truncated.json"
echo "this is not JSON" >"$T/text.json"
"$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["schema_version"]=3; json.dump(d,open(sys.argv[2],"w"))' \
	"$fx/faults.json" "$T/schema3.json"
"$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["cells"]; json.dump(d,open(sys.argv[2],"w"))' \
	"$fx/faults.json" "$T/nocells.json"
"$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["cells"][0]["latency"]="fast"; json.dump(d,open(sys.argv[2],"w"))' \
	"$fx/faults.json" "$T/badcell.json"
echo '[1, 2, 3]' >"$T/array.json"
for f in empty truncated text schema3 nocells badcell array; do
	run_plot "$T/$f.json" -o "$T/bad-$f" --report "$T/bad-$f.html"
	[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q "^ipcbench-plot: $T/$f.json: " "$T/stderr" &&
		! grep -q Traceback "$T/stderr" && [ ! -e "$T/bad-$f.html" ] && [ ! -e "$T/bad-$f" ]
	ok $? "$f.json: exit 2, one line naming the file ($(cat "$T/stderr"))"
done
run_plot "$T/schema3.json" -o "$T/bad-schema3"
[ $rc -eq 2 ] && grep -q "schema_version 3 is not known (ipcbench-plot reads versions 1 and 2)$" "$T/stderr"
ok $? "an unknown schema version is named, with the versions read"
run_plot --compare "$fx/base.json" "$T/truncated.json" -o "$T/bad-cmp"
[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q "truncated.json: not valid JSON" "$T/stderr"
ok $? "--compare with a truncated NEW: exit 2, one line"
run_plot "$T/missing.json" -o "$T/bad-missing"
[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q "missing.json: cannot read" "$T/stderr"
ok $? "a missing file: exit 2, one line"

# Output that cannot be written: exit 1, no partial file.
: >"$T/a-file"
run_plot "$fx/faults.json" -o "$T/a-file"
[ $rc -eq 1 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && [ ! -s "$T/a-file" ]
ok $? "-o naming a file: exit 1, one line"
run_plot --report "$T/no/such/dir/r.html" "$fx/faults.json"
[ $rc -eq 1 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && [ ! -e "$T/no" ]
ok $? "--report into a missing directory: exit 1, one line"

# Without matplotlib: exit 77 and one line.
mkdir -p "$T/nompl/matplotlib"
echo 'raise ImportError("No module named matplotlib (test)")' >"$T/nompl/matplotlib/__init__.py"
env PYTHONPATH="$T/nompl" "$plot" "$fx/all.json" -o "$T/nompl-out" >"$T/stdout" 2>"$T/stderr" </dev/null
rc=$?
[ $rc -eq 77 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q matplotlib "$T/stderr" && [ ! -e "$T/nompl-out" ]
ok $? "matplotlib missing: exit 77, one line"
diag <"$T/stderr"

# ipcbench report: the same report through the main program.
run_ipcbench report "$fx/all.json" -o "$T/via-ipcbench.html"
[ $rc -eq 0 ] && head -c 200 "$T/via-ipcbench.html" | grep -qi "<!doctype html" &&
	grep -q "What to pick" "$T/via-ipcbench.html" && [ "$(grep -c "<svg" "$T/via-ipcbench.html")" -ge 3 ]
ok $? "ipcbench report RESULTS -o FILE writes the HTML report"
run_ipcbench report "$v1" -o "$T/v1-via-ipcbench.html"
[ $rc -eq 0 ] && grep -q "What to pick" "$T/v1-via-ipcbench.html"
ok $? "ipcbench report of a version 1 file"
run_ipcbench report "$fx/all.json"
[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q -- "-o REPORT.html" "$T/stderr"
ok $? "ipcbench report without -o: exit 2, one line"
run_ipcbench report "$T/none.json" -o "$T/none.html"
[ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q "none.json" "$T/stderr" && [ ! -e "$T/none.html" ]
ok $? "ipcbench report of a missing file: exit 2, one line naming it"

done_testing
