#!/bin/sh
# A size beyond a mechanism's limit is skipped with a reason naming the
# limit, never clamped; lowering a limit gives a skip, not a crash.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
serialize

q() { json_query "$T/out.json" "$1"; }

# expect_skip WHAT FRAGMENT ARGS...: every cell skipped, exit 77, and the
# reason contains FRAGMENT.
expect_skip() {
	what=$1
	fragment=$2
	shift 2
	run_ipcbench "$@" --iterations 100 --repetitions 1 --json "$T/out.json"
	if [ $rc -eq 77 ] && [ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['skipped']" ] &&
	   q "d['cells'][0]['reason']" | grep -qF -- "$fragment"; then
		ok 0 "$what: skipped, naming '$fragment'"
	else
		ok 1 "$what: skipped, naming '$fragment'"
		echo "exit $rc" | diag
		diag <"$T/stdout"
	fi
}

expect_skip "signal, 64 bytes" "sizeof(union sigval)" --mech signal --sizes 64
expect_skip "sysv-msg, beyond kernel.msgmax" "kernel.msgmax" --mech sysv-msg \
	--sizes "$(( $(cat /proc/sys/kernel/msgmax) + 1 ))"
expect_skip "uds-dgram, 1 GiB" "SO_SNDBUF" --mech uds-dgram --sizes 1G --test latency
expect_skip "shm-futex wait=spin on one CPU" "wait=spin with both sides on CPU" \
	--mech shm-futex -o wait=spin --cpus 0,0 --sizes 64

# A tiny per-user POSIX queue budget: the kernel says EMFILE, the reason
# says RLIMIT_MSGQUEUE.
if command -v prlimit >/dev/null 2>&1; then
	prlimit --msgqueue=2048:2048 sh -c 'TMPDIR="$0/tmp" exec "$1" --mech mqueue --sizes 4K \
		--iterations 100 --repetitions 1 --json "$0/out.json" >"$0/stdout" 2>&1 </dev/null' "$T" "$IPCBENCH"
	rc=$?
	[ $rc -eq 77 ] && q "d['cells'][0]['reason']" | grep -q "RLIMIT_MSGQUEUE is 2048"
	ok $? "mqueue under RLIMIT_MSGQUEUE=2048: skipped, naming the budget"
else
	echo "ok $((tap_n = tap_n + 1)) # SKIP prlimit is not installed"
fi

# Lowered kernel limits in a private IPC namespace (needs root), with
# CAP_SYS_RESOURCE dropped so the kernel applies them.
# in_ipc_ns "SYSCTL=V ..." IPCBENCH-ARGS...: run ipcbench there (mqueue and
# sysv-msg, one repetition), results in $T/out.json, status in $rc.
in_ipc_ns() {
	settings=$1
	shift
	unshare --ipc sh -c 'for s in $2; do echo "${s#*=}" >"/proc/sys/${s%%=*}" || exit 99; done
		bin=$1
		shift 2
		TMPDIR="$0/tmp" exec setpriv --bounding-set=-sys_resource "$bin" --mech mqueue,sysv-msg \
		--iterations 100 --repetitions 1 --json "$0/out.json" "$@" >"$0/stdout" 2>&1 </dev/null' \
		"$T" "$IPCBENCH" "$settings" "$@"
	rc=$?
}
if [ "$(id -u)" -eq 0 ] && unshare --ipc true 2>/dev/null && command -v setpriv >/dev/null 2>&1; then
	in_ipc_ns "fs/mqueue/msgsize_max=1024 kernel/msgmax=512" --sizes 2K
	[ $rc -eq 77 ] && q "d['cells'][0]['reason']" | grep -q "fs.mqueue.msgsize_max (1024)" &&
		q "d['cells'][2]['reason']" | grep -q "kernel.msgmax (512)"
	ok $? "lowered fs.mqueue.msgsize_max and kernel.msgmax in a new IPC namespace: skipped, naming them"
	[ $rc -eq 77 ] || diag <"$T/stdout"
	# Exhausted object counts (a pair needs two queues).
	in_ipc_ns "fs/mqueue/queues_max=1 kernel/msgmni=1" --sizes 64 --test latency
	[ $rc -eq 77 ] && q "d['cells'][0]['reason']" | grep -q "fs.mqueue.queues_max (1) is reached" &&
		q "d['cells'][1]['reason']" | grep -q "kernel.msgmni (1) is reached"
	ok $? "fs.mqueue.queues_max and kernel.msgmni exhausted: skipped, naming them"
	[ $rc -eq 77 ] || diag <"$T/stdout"
else
	echo "ok $((tap_n = tap_n + 1)) # SKIP needs root and unshare --ipc"
	echo "ok $((tap_n = tap_n + 1)) # SKIP needs root and unshare --ipc"
fi

# Too few file descriptors: one line naming RLIMIT_NOFILE, exit 1, before
# anything runs.
(ulimit -n 12 && TMPDIR="$T/tmp" exec "$IPCBENCH" --mech pipe --sizes 64 --iterations 100 --repetitions 1 \
	--json "$T/fd.json") >"$T/stdout" 2>"$T/stderr" </dev/null
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q "RLIMIT_NOFILE is 12" "$T/stderr" &&
	[ ! -e "$T/fd.json" ]
ok $? "ulimit -n 12: $(cat "$T/stderr")"

# Below the limit the same mechanisms run.
run_ipcbench --mech mqueue,sysv-msg,signal,uds-dgram --sizes 8 --iterations 100 --repetitions 1 \
	--json "$T/out.json"
[ $rc -eq 0 ] && [ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['ok']" ]
ok $? "within the limits every cell runs"
[ "$(q "d['mechanisms']['mqueue']['max_msg_bytes'] > 0 and d['mechanisms']['signal']['max_msg_bytes'] == 8")" = True ]
ok $? "the limits are recorded in the JSON"
assert_clean "limits"
done_testing
