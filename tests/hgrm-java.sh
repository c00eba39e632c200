#!/bin/sh
# ipcbench export --format hgrm against HdrHistogram itself: for every
# latency cell of the fixture, the Java library's outputPercentileDistribution
# of the same counts (tests/tools/Hgrm.java), byte for byte.
#
# Needs a JDK (javac and java: default-jdk-headless) and HdrHistogram's jar
# ($HDRHISTOGRAM_JAR, by default /usr/share/java/hdrhistogram.jar from
# libhdrhistogram-java), which scripts/test does not install: without them
# the test is skipped, with the reason. IPCB_REQUIRE_JAVA=1 (which .ci/run
# sets, after installing both) turns that skip into a failure, so CI cannot
# skip it silently.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

base="$top_srcdir/tests/fixtures/results/base.json"
jar=${HDRHISTOGRAM_JAR:-/usr/share/java/hdrhistogram.jar}

missing=""
command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1 ||
	missing="no JDK (javac and java: default-jdk-headless)"
[ -f "$jar" ] || missing="${missing:+$missing, }no $jar (libhdrhistogram-java)"
if [ -n "$missing" ]; then
	[ "${IPCB_REQUIRE_JAVA:-}" = 1 ] || skip_all "$missing"
	ok 1 "IPCB_REQUIRE_JAVA=1 but $missing"
	done_testing
fi

mkdir "$T/java"
javac -d "$T/java" -cp "$jar" "$top_srcdir/tests/tools/Hgrm.java" >"$T/javac" 2>&1
ok $? "tests/tools/Hgrm.java compiles against $jar" || diag <"$T/javac"

# Each latency cell with figures: its counts in counts.N ("value count"
# lines) and "N lowest highest figures name" in names.
"$PYTHON3" - "$base" "$T" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = 0
for c in d["cells"]:
    if c["test"] != "latency" or not c["repetitions"]:
        continue
    h = c["latency"]["histogram"]
    name = "%s/latency/%d/%s/%d-%d" % (c["variant"].replace(" ", ":"), c["msg_size_bytes"],
                                        c["placement"], *c["cpus"]["requested"])
    with open("%s/counts.%d" % (sys.argv[2], n), "w") as f:
        f.write("\n".join("%d %d" % (b[0], b[2]) for b in h["buckets"]) + "\n")
    with open("%s/names" % sys.argv[2], "a") as f:
        f.write("%d %d %d %d %s\n" % (n, h["lowest_trackable_ns"], h["highest_trackable_ns"],
                                     h["significant_figures"], name))
    n += 1
PY
[ $? -eq 0 ] && [ -s "$T/names" ]
ok $? "the fixture's latency cells and their counts are read:" \
	"$(wc -l <"$T/names" 2>/dev/null) cells"

while read -r n lo hi sig name; do
	java -cp "$jar:$T/java" Hgrm "$lo" "$hi" "$sig" 1000.0 <"$T/counts.$n" >"$T/java.$n" 2>&1
	jrc=$?
	run_ipcbench export --format hgrm --cell "$name" "$base"
	[ $jrc -eq 0 ] && [ $rc -eq 0 ] && cmp -s "$T/java.$n" "$T/stdout"
	ok $? "$name: identical to HdrHistogram's outputPercentileDistribution" ||
		diff "$T/java.$n" "$T/stdout" | head -n 20 | diag
done <"$T/names"
assert_clean "hgrm against HdrHistogram"
done_testing
