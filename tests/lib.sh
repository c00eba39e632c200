# Shared helpers for the shell tests: TAP output, a private scratch
# directory, and checks that nothing is left behind.
# Sourced by tests/*.sh; expects top_builddir and top_srcdir from make check
# (falls back to the source tree when run by hand).

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PYTHON3:=/usr/bin/python3}"
IPCBENCH="$top_builddir/ipcbench"

tap_n=0
tap_failed=0

# ok COND_STATUS DESCRIPTION...: one TAP line from a status (0 = pass);
# returns 0 when it passed, 1 otherwise (for a diagnostic after it).
ok() {
	status=$1
	shift
	tap_n=$((tap_n + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $tap_n - $*"
		return 0
	fi
	echo "not ok $tap_n - $*"
	tap_failed=$((tap_failed + 1))
	return 1
}

# check DESCRIPTION COMMAND...: pass when the command succeeds.
check() {
	desc=$1
	shift
	"$@"
	ok $? "$desc"
}

diag() {
	sed 's/^/# /'
}

# ok_schema FILE DESCRIPTION...: FILE validates against results/schema.json
# (a skip when python3-jsonschema is missing; the validator's output as a
# diagnostic on failure).
ok_schema() {
	file=$1
	shift
	"$PYTHON3" "$top_srcdir/scripts/validate-results" "$file" >"$T/validate" 2>&1
	vrc=$?
	if [ $vrc -eq 77 ]; then
		echo "ok $((tap_n = tap_n + 1)) - $* # SKIP python3-jsonschema missing"
	else
		ok $vrc "$*"
		[ $vrc -eq 0 ] || diag <"$T/validate"
	fi
	rm -f "$T/validate"
}

# done_testing: print the plan and exit: 1 when a check failed (the exit
# status says what the "not ok" lines say), 0 otherwise.
done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ] && exit 0
	exit 1
}

# skip N REASON...: N checks that cannot run here, each a TAP skip with
# the reason.
skip() {
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		tap_n=$((tap_n + 1))
		echo "ok $tap_n # SKIP $*"
		n=$((n - 1))
	done
}

# skip_all REASON: nothing here can be tested; the TAP driver counts a
# skip ("1..0 # SKIP REASON"; an exit status of 77 would be an error to it).
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# A private scratch directory, removed on exit. Its path appears in every
# ipcbench command line of the test (through --json or TMPDIR), so the
# test can find its own processes among others running in parallel.
T=$(mktemp -d "${TMPDIR:-/tmp}/t-ipcbench.XXXXXX") || exit 99
mkdir "$T/tmp"
trap 'pkill -KILL -f "$T" 2>/dev/null; rm -rf "$T"' EXIT
# a signal (make check interrupted) runs the EXIT trap too
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Tests that create IPC objects (every run of ipcbench does) take this
# lock, so that one test's snapshot of /dev/shm, /dev/mqueue and ipcs never
# sees another test's objects.
serialize() {
	exec 9>"$top_builddir/tests/ipc-objects.lock"
	flock 9
}

# What exists on the machine that ipcbench could leave behind: POSIX shm
# and mqueue names, System V objects, this test's TMPDIR and processes,
# veth links and network namespaces.
snapshot() {
	{
		ls -1 /dev/shm 2>/dev/null | sed 's/^/shm /'
		ls -1 /dev/mqueue 2>/dev/null | sed 's/^/mqueue /'
		ipcs -q 2>/dev/null | awk '$1 ~ /^0x/ { print "msg", $2 }'
		ipcs -m 2>/dev/null | awk '$1 ~ /^0x/ { print "shm-seg", $2 }'
		ipcs -s 2>/dev/null | awk '$1 ~ /^0x/ { print "sem", $2 }'
		ls -A "$T/tmp" | sed 's/^/tmp /'
		pgrep -f "$T" | sed 's/^/process /'
		# -o netns=veth: the veth links with ipcbench's prefix, and the
		# network namespaces of ipcbench's processes and this test's
		ls -1 /sys/class/net 2>/dev/null | grep '^ipcb-' | sed 's/^/link /'
		snap_own=$(readlink /proc/self/ns/net)
		for snap_p in $(pgrep -x ipcbench) $(pgrep -f "$T"); do
			readlink "/proc/$snap_p/ns/net"
		done 2>/dev/null | grep -v -x -F "$snap_own" | sort -u | sed 's/^/netns /'
	} | sort
}

# assert_snapshot BEFORE-FILE WHAT: the machine looks as it did. What a
# failure left is then removed, so that one leak neither stays on the
# machine nor fails every later check.
assert_snapshot() {
	snapshot >"$T/after"
	diff "$1" "$T/after" >"$T/diff"
	ok $? "$2: nothing left behind"
	diag <"$T/diff"
	sed -n 's/^> //p' "$T/diff" | while read -r kind name; do
		remove_leftover "$kind" "$name"
	done
}

# remove_leftover KIND NAME: remove one object of a snapshot line, if it
# looks like ipcbench's: a System V object with a private key and mode
# 0600, a POSIX name or a veth link with the ipcb- prefix, an entry of this
# test's TMPDIR, a process of this test (whose network namespace goes with
# it).
remove_leftover() {
	case $1 in
	msg) private_sysv q "$2" && ipcrm -q "$2" ;;
	shm-seg) private_sysv m "$2" && ipcrm -m "$2" ;;
	sem) private_sysv s "$2" && ipcrm -s "$2" ;;
	shm) case $2 in ipcb-*) rm -f "/dev/shm/$2" ;; esac ;;
	mqueue) case $2 in ipcb-*) rm -f "/dev/mqueue/$2" ;; esac ;;
	tmp) rm -rf "${T:?}/tmp/$2" ;;
	process) kill -KILL "$2" ;;
	link) case $2 in ipcb-*) ip link delete "$2" ;; esac ;;
	esac 2>/dev/null
}

# private_sysv q|m|s ID: the System V object has key 0 and mode 0600.
private_sysv() {
	ipcs -"$1" 2>/dev/null | awk -v id="$2" '$2 == id && $1 ~ /^0x0+$/ && $4 == "600" { f = 1 }
		END { exit !f }'
}

# Run ipcbench with the private TMPDIR; output in $T/stdout, $T/stderr,
# exit status in $rc.
run_ipcbench() {
	TMPDIR="$T/tmp" "$IPCBENCH" "$@" >"$T/stdout" 2>"$T/stderr" </dev/null
	rc=$?
}

# Nothing left by this test: no entry in its TMPDIR, no process of its own.
assert_clean() {
	what=$1
	left=$(ls -A "$T/tmp")
	procs=$(pgrep -f "$T" | tr '\n' ' ')
	[ -z "$left" ] && [ -z "$procs" ]
	ok $? "$what: nothing left behind${left:+ (files: $left)}${procs:+ (processes: $procs)}"
}

# cell_fails FAULT PATTERN DESCRIPTION IPCBENCH-ARGS...: with
# IPCBENCH_FAULT=FAULT, ipcbench exits 1 and its first cell's reason
# matches PATTERN (grep); then nothing is left behind. Results in
# $T/fails.json.
cell_fails() {
	fault=$1 pattern=$2 what=$3
	shift 3
	IPCBENCH_FAULT=$fault run_ipcbench "$@" --json "$T/fails.json"
	[ $rc -eq 1 ] && json_query "$T/fails.json" "d['cells'][0]['reason']" | grep -q "$pattern"
	ok $? "$what (exit $rc)" || diag <"$T/stderr"
	assert_clean "$what"
}

# json_query FILE PYTHON-EXPRESSION: evaluate with d = the parsed file and
# print the result.
json_query() {
	"$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$1" "$2"
}

# results_v2 V1-FILE OUT: a version 1 results file as version 2 would hold
# it (the constant method strings gone), so that a test can check that a
# reader gives the same for both versions.
results_v2() {
	"$PYTHON3" - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1
def cell(c):
    for o in [c.get("cost")] + [r.get("cost") for r in c.get("repetitions") or []]:
        if o:
            del o["cpu_ns_method"], o["split_method"]
    for s in (c.get("statistics") or {}).values():
        if s:
            del s["median_ci"]["method"]
    if c.get("latency"):
        del c["latency"]["one_way_estimate"]["method"]
    if c.get("throughput"):
        del c["throughput"]["statistic"]
for c in d["cells"] + [p["floor"][k] for p in d["placements"] for k in ("cacheline", "null")]:
    if c:
        cell(c)
d["schema_version"] = 2
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY
}
