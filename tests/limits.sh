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
# uds-seqpacket and socketpair type=seqpacket: one byte above the largest
# record the probe found (ipcbench list) is skipped, naming that size and
# SO_SNDBUF; the largest itself goes through the path-based connection and
# the pair alike.
"$IPCBENCH" list --json >"$T/list.json"
max_record=$(json_query "$T/list.json" "d['mechanisms']['uds-seqpacket']['max_msg_bytes']")
expect_skip "uds-seqpacket, one byte above its largest record" \
	"exceeds the largest this socket takes here: $max_record bytes with SO_SNDBUF" \
	--mech uds-seqpacket --sizes $((max_record + 1))
expect_skip "socketpair type=seqpacket, one byte above its largest record" \
	"exceeds the largest this socket takes here: $max_record bytes with SO_SNDBUF" \
	--mech socketpair -o type=seqpacket --sizes $((max_record + 1))
run_ipcbench --mech uds-seqpacket,socketpair -o type=seqpacket --sizes "$max_record" \
	--iterations 100 --repetitions 1 --json "$T/out.json"
[ $rc -eq 0 ] && [ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['ok']" ]
ok $? "uds-seqpacket and socketpair type=seqpacket carry a record of $max_record bytes"
# rpc over udp: one datagram a call, and no streaming.
"$IPCBENCH" list --json >"$T/list.json" 2>/dev/null
if [ "$(json_query "$T/list.json" "d['mechanisms']['rpc']['available']")" = True ]; then
	expect_skip "rpc transport=udp, 65461 bytes" "65460 bytes (a 65507-byte IPv4 UDP payload" \
		--mech rpc -o transport=udp --sizes 65461 --test latency
	expect_skip "rpc transport=udp, throughput" "rpc over udp has no streaming" \
		--mech rpc -o transport=udp --sizes 64 --test throughput
else
	skip 2 "rpc over udp: rpc is not available here"
fi
expect_skip "udp, 64 KiB" "largest UDP payload over IPv4: 65507 bytes" --mech udp --sizes 64K
if "$IPCBENCH" list --json | "$PYTHON3" -c 'import json, sys
sys.exit(not json.load(sys.stdin)["mechanisms"]["udp"]["choices"]["family"]["inet6"]["available"])' \
	2>/dev/null; then
	expect_skip "udp over IPv6, 65528 bytes" "largest UDP payload over IPv6: 65527 bytes" \
		--mech udp -o family=inet6 --sizes 65528
else
	skip 1 "udp over IPv6: IPv6 is not available here"
fi
# Where IPv6 is disabled, family=inet6 is unavailable with the reason: in a
# network namespace of its own (gone with the process) that disables it.
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	TMPDIR="$T/tmp" unshare -n sh -c 'ip link set lo up 2>/dev/null
		sysctl -qw net.ipv6.conf.all.disable_ipv6=1 && exec "$@"' sh "$IPCBENCH" run \
		--mech udp,tcp -o family=inet6 --sizes 64 --iterations 100 --repetitions 1 \
		--json "$T/out.json" >"$T/stdout" 2>&1 </dev/null
	rc=$?
	[ $rc -eq 77 ] && [ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['skipped']" ] &&
		[ "$(q "sorted(set(c['reason'].split(' (')[0] for c in d['cells']))")" = "['IPv6 is disabled here']" ]
	ok $? "udp and tcp, family=inet6 with IPv6 disabled: skipped, naming it"
else
	skip 1 "IPv6 disabled: needs root and unshare -n"
fi
expect_skip "shm-futex wait=spin on one CPU" "wait=spin with both sides on CPU" \
	--mech shm-futex -o wait=spin --cpus 0,0 --sizes 64

# file: a size whose two files do not fit the free bytes of -o dir (a
# 6 MiB tmpfs in a private mount namespace) is skipped naming them; a
# small one runs there.
if [ "$(id -u)" -eq 0 ] && unshare --mount true 2>/dev/null; then
	mkdir -p "$T/small"
	unshare --mount sh -c 'mount -t tmpfs -o size=6m ipcb-small "$0/small" || exit 99
		TMPDIR="$0/tmp" exec "$1" --mech file -o dir="$0/small" --sizes 64,2M --test latency \
		--iterations 100 --repetitions 1 --json "$0/out.json"' "$T" "$IPCBENCH" \
		>"$T/stdout" 2>&1 </dev/null
	rc=$?
	[ $rc -eq 0 ] &&
		[ "$(q "[c['status'] for c in d['cells'] if c['mechanism'] == 'file']")" = "['ok', 'skipped']" ] &&
		q "[c['reason'] for c in d['cells'] if c['mechanism'] == 'file'][1]" |
		grep -q "(tmpfs) has [0-9]* bytes free (statvfs)"
	ok $? "file on a 6 MiB tmpfs: 64 bytes run, 2 MiB skipped, naming the free bytes"
	[ $rc -eq 0 ] || diag <"$T/stdout"
	rmdir "$T/small"
else
	skip 1 "needs root and unshare --mount"
fi

# under_msgqueue BYTES ARGS...: run ipcbench ARGS with RLIMIT_MSGQUEUE set
# to BYTES, in a new user namespace when $userns says so (there the budget
# starts empty: the user's queues elsewhere do not count); output in
# $T/stdout, status in $rc.
under_msgqueue() {
	mq_bytes=$1
	shift
	$userns prlimit --msgqueue="$mq_bytes:$mq_bytes" env TMPDIR="$T/tmp" "$IPCBENCH" "$@" \
		>"$T/stdout" 2>&1 </dev/null
	rc=$?
}
userns=
if command -v prlimit >/dev/null 2>&1; then
	# A tiny per-user POSIX queue budget: the kernel says EMFILE, the
	# reason says RLIMIT_MSGQUEUE.
	under_msgqueue 2048 --mech mqueue --sizes 4K --iterations 100 --repetitions 1 --json "$T/out.json"
	[ $rc -eq 77 ] && q "d['cells'][0]['reason']" | grep -q "RLIMIT_MSGQUEUE is 2048"
	ok $? "mqueue under RLIMIT_MSGQUEUE=2048: skipped, naming the budget"

	# Not even two 1-byte queues fit: unavailable with the reason, in
	# list and in a run.
	under_msgqueue 100 list --json
	mv "$T/stdout" "$T/list.json"
	[ $rc -eq 0 ] && [ "$(json_query "$T/list.json" "d['mechanisms']['mqueue']['available']")" = False ] &&
		json_query "$T/list.json" "d['mechanisms']['mqueue']['reason']" | grep -q "RLIMIT_MSGQUEUE is 100"
	ok $? "mqueue under RLIMIT_MSGQUEUE=100: listed as unavailable, naming the budget"
	under_msgqueue 100 --mech mqueue --sizes 1 --iterations 100 --repetitions 1 --json "$T/out.json"
	[ $rc -eq 77 ] && [ "$(q "d['mechanisms']['mqueue']['available']")" = False ] &&
		q "d['cells'][0]['reason']" | grep -q "RLIMIT_MSGQUEUE is 100"
	ok $? "mqueue under RLIMIT_MSGQUEUE=100: cells skipped, mechanism unavailable"

	# The stated need is exact: from a budget of 1 byte, raising the
	# budget to each need stated (the mechanism's, then the cell's) ends in
	# a run; one byte less is skipped, stating a need above the limit.
	if unshare --user --map-root-user true 2>/dev/null; then
		userns="unshare --user --map-root-user"
		lim=1
		for i in 1 2 3 4 5; do
			under_msgqueue $lim --mech mqueue --sizes 4 --test latency --iterations 100 \
				--repetitions 1 --json "$T/out.json"
			need=$(q "d['cells'][0]['reason']" | sed -n 's/.* need at least \([0-9]*\) bytes.*/\1/p')
			[ -n "$need" ] && [ "$need" -gt $lim ] || break
			lim=$need
		done
		[ $rc -eq 0 ] && [ "$(q "d['cells'][0]['status']")" = ok ]
		ok $? "mqueue under RLIMIT_MSGQUEUE=$lim, the stated need: runs"
		[ $rc -eq 0 ] || diag <"$T/stdout"
		under_msgqueue $((lim - 1)) --mech mqueue --sizes 4 --test latency --iterations 100 \
			--repetitions 1 --json "$T/out.json"
		need=$(q "d['cells'][0]['reason']" | sed -n 's/.* need at least \([0-9]*\) bytes.*/\1/p')
		[ $rc -eq 77 ] && [ "$(q "d['cells'][0]['status']")" = skipped ] && [ "${need:-0}" -gt $((lim - 1)) ]
		ok $? "mqueue under RLIMIT_MSGQUEUE=$((lim - 1)), one byte below: skipped, stating a need of ${need:-?}"
	else
		skip 2 "needs unshare --user"
	fi
	userns=
else
	skip 5 "prlimit is not installed"
fi

# Beyond fs.mqueue.msgsize_max the hint names it and the per-user budget
# that size then needs. A process with CAP_SYS_RESOURCE may go beyond that
# sysctl (the kernel's mq_attr_ok), so run without it.
capeff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
plain_ipcbench=$IPCBENCH
if [ $(( 0x${capeff:-0} >> 24 & 1 )) -eq 1 ] && command -v setpriv >/dev/null 2>&1; then
	printf '#!/bin/sh\nexec setpriv --bounding-set=-sys_resource "%s" "$@"\n' "$plain_ipcbench" >"$T/no-sys-resource"
	chmod +x "$T/no-sys-resource"
	IPCBENCH=$T/no-sys-resource
fi
if [ $(( 0x${capeff:-0} >> 24 & 1 )) -eq 0 ] || [ "$IPCBENCH" != "$plain_ipcbench" ]; then
	expect_skip "mqueue, beyond fs.mqueue.msgsize_max" "fs.mqueue.msgsize_max" --mech mqueue --test latency \
		--sizes "$(( $(cat /proc/sys/fs/mqueue/msgsize_max) + 1 ))"
	q "d['cells'][0]['hint']" | grep "fs.mqueue.msgsize_max" | grep -q "RLIMIT_MSGQUEUE must allow at least"
	ok $? "mqueue, beyond fs.mqueue.msgsize_max: the hint names RLIMIT_MSGQUEUE too"
else
	skip 2 "CAP_SYS_RESOURCE lets mqueue exceed msgsize_max, and setpriv is missing"
fi
IPCBENCH=$plain_ipcbench

# tcp -o netns=veth without a capability it needs: CAP_SYS_ADMIN for side
# B's network namespace, CAP_NET_ADMIN for the veth pair. Skipped, naming
# the request the kernel refused.
if [ $(( 0x${capeff:-0} >> 21 & 1 )) -eq 1 ] && [ $(( 0x${capeff:-0} >> 12 & 1 )) -eq 1 ] &&
	command -v setpriv >/dev/null 2>&1; then
	for drop in "sys_admin unshare(CLONE_NEWNET): Operation not permitted" \
		"net_admin RTM_NEWLINK veth"; do
		printf '#!/bin/sh\nexec setpriv --bounding-set=-%s "%s" "$@"\n' "${drop%% *}" \
			"$plain_ipcbench" >"$T/no-cap"
		chmod +x "$T/no-cap"
		IPCBENCH=$T/no-cap
		expect_skip "tcp -o netns=veth without CAP_${drop%% *}" "${drop#* }" --mech tcp \
			-o netns=veth --sizes 64
	done
	IPCBENCH=$plain_ipcbench
	rm -f "$T/no-cap"
elif [ $(( 0x${capeff:-0} >> 21 & 1 )) -eq 0 ]; then
	expect_skip "tcp -o netns=veth without CAP_SYS_ADMIN" "unshare(CLONE_NEWNET)" --mech tcp \
		-o netns=veth --sizes 64
	skip 1 "CAP_NET_ADMIN alone cannot be dropped here"
else
	skip 2 "setpriv is missing"
fi

# uds-dgram: a -o sndbuf above net.core.wmem_max is reported as capped; the
# boundary's errno decides what the reason blames.
wmem_max=$(cat /proc/sys/net/core/wmem_max)
if [ "$wmem_max" -lt $((1 << 30)) ]; then
	expect_skip "uds-dgram, -o sndbuf=1G" "capped by net.core.wmem_max=$wmem_max" \
		--mech uds-dgram -o sndbuf=1G --sizes 1G --test latency
	# Which errno stops the probe depends on wmem_max and the page size:
	# EMSGSIZE blames the socket buffer, ENOBUFS/ENOMEM the kernel's
	# allocation for one datagram. The reason must blame what its errno says.
	reason=$(q "d['cells'][0]['reason']")
	case $reason in
	*"send fails with EMSGSIZE"*) fragment="the largest this socket takes" ;;
	*"send fails with ENOBUFS"* | *"send fails with ENOMEM"*) fragment="the kernel allocates for one datagram" ;;
	*) fragment="(no errno named)" ;;
	esac
	printf '%s\n' "$reason" | grep -qF "$fragment"
	ok $? "uds-dgram, largest datagram with SO_SNDBUF $((2 * wmem_max)): the reason blames what its errno says ('$fragment')"
else
	skip 2 "net.core.wmem_max is 1 GiB or more"
fi

# A TMPDIR too deep for sun_path: the socket mechanisms are skipped with the
# path's length and sun_path's size, and leave nothing behind.
deep=$T/tmp/$(printf '%060d' 0)/$(printf '%060d' 0)
mkdir -p "$deep"
(TMPDIR="$deep" exec "$IPCBENCH" --mech uds-stream,uds-dgram,uds-seqpacket --sizes 64 --test latency --iterations 100 \
	--repetitions 1 --json "$T/out.json") >"$T/stdout" 2>&1 </dev/null
rc=$?
[ $rc -eq 77 ] && [ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['skipped']" ] &&
	[ "$(q "all(__import__('re').search(r' is (\\d+) bytes; sun_path holds 108 bytes', c['reason']) and int(__import__('re').search(r' is (\\d+) bytes', c['reason']).group(1)) > ${#deep} for c in d['cells'])")" = True ]
ok $? "TMPDIR of ${#deep} bytes: uds-stream, uds-dgram and uds-seqpacket skipped, naming sun_path"
[ $rc -eq 77 ] || diag <"$T/stdout"
[ -z "$(ls -A "$deep")" ]
ok $? "TMPDIR of ${#deep} bytes: nothing left in it"
rm -rf "$T/tmp/0"*

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
	skip 2 "needs root and unshare --ipc"
fi

# fd-pass: a memfd larger than RLIMIT_FSIZE is skipped, naming it, and a
# smaller one runs; with fewer than 128 descriptors the mechanism is
# unavailable, naming RLIMIT_NOFILE.
if command -v prlimit >/dev/null 2>&1; then
	prlimit --fsize=524288:524288 env TMPDIR="$T/tmp" "$IPCBENCH" --mech fd-pass --sizes 64,1M \
		--test latency --iterations 100 --repetitions 1 --json "$T/out.json" >"$T/stdout" 2>&1 </dev/null
	rc=$?
	[ $rc -eq 0 ] && [ "$(q "[c['status'] for c in d['cells']]")" = "['ok', 'skipped']" ] &&
		q "d['cells'][1]['reason']" | grep -q "exceeds RLIMIT_FSIZE (524288 bytes)"
	ok $? "fd-pass under RLIMIT_FSIZE=512K: 64 bytes run, 1 MiB skipped naming RLIMIT_FSIZE"
	[ $rc -eq 0 ] || diag <"$T/stdout"
	prlimit --nofile=100:100 "$IPCBENCH" list --json >"$T/list.json" 2>"$T/stderr" </dev/null
	rc=$?
	[ $rc -eq 0 ] && [ "$(json_query "$T/list.json" "d['mechanisms']['fd-pass']['available']")" = False ] &&
		json_query "$T/list.json" "d['mechanisms']['fd-pass']['reason']" | grep -q "RLIMIT_NOFILE is 100"
	ok $? "fd-pass under RLIMIT_NOFILE=100: listed as unavailable, naming it"
else
	skip 2 "prlimit is not installed"
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
run_ipcbench --mech mqueue,sysv-msg,signal,uds-dgram,uds-stream,tcp -o nodelay=0 --sizes 8 \
	--iterations 100 --repetitions 1 --json "$T/out.json"
[ $rc -eq 0 ] && [ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['ok']" ]
ok $? "within the limits every cell runs"
[ "$(q "d['mechanisms']['mqueue']['max_msg_bytes'] > 0 and d['mechanisms']['signal']['max_msg_bytes'] == 8")" = True ]
ok $? "the limits are recorded in the JSON"
[ "$(q "[l['value'] for l in d['mechanisms']['tcp']['limits'] if l['name'] == 'tcp_nodelay']")" = "[0]" ] &&
	[ "$(q "[l['name'] for l in d['mechanisms']['uds-stream']['limits']][:2]")" = "['socket_sndbuf_initial_bytes', 'socket_rcvbuf_initial_bytes']" ]
ok $? "TCP_NODELAY as read back and the initial buffer sizes are recorded"

# Each variant records the limits read under its own options: the largest
# datagram follows -o sndbuf. One byte more than the default buffer's
# largest datagram: that variant skips it; the cells follow each variant's
# recorded limit, whatever this machine's wmem_default and wmem_max.
run_ipcbench list --json
dmax=$(json_query "$T/stdout" "d['mechanisms']['uds-dgram']['max_msg_bytes']")
run_ipcbench --mech uds-dgram,tcp -o sndbuf=0,1M -o nodelay=0,1 --sizes $((dmax + 1)) --test latency \
	--iterations 100 --repetitions 1 --json "$T/out.json"
[ $rc -eq 0 ] &&
	[ "$(q "[v['label'] for v in d['params']['variants']]")" = \
	  "['uds-dgram sndbuf=0', 'uds-dgram sndbuf=1048576', 'tcp nodelay=0', 'tcp nodelay=1']" ] &&
	[ "$(q "d['params']['variants'][0]['max_msg_bytes'] == $dmax <= d['params']['variants'][1]['max_msg_bytes']")" = True ] &&
	[ "$(q "[c['status'] for c in d['cells']] == ['ok' if v['max_msg_bytes'] is None or v['max_msg_bytes'] > $dmax else 'skipped' for v in d['params']['variants']]")" = True ] &&
	[ "$(q "d['cells'][0]['status']")" = skipped ] &&
	[ "$(q "[[l['value'] for l in v['limits'] if l['name'] == 'tcp_nodelay'] for v in d['params']['variants'][2:]]")" = "[[0], [1]]" ]
ok $? "each variant's limits are recorded under its own options"
# pipe, fifo: -o capacity above fs.pipe-max-size is refused, even as root
# (the kernel would let root past it), naming the limit; below it the size
# granted, rounded up to a power of two pages, is recorded on both sides.
pipe_max=$(cat /proc/sys/fs/pipe-max-size)
if [ "$pipe_max" -lt $((1 << 30)) ]; then
	expect_skip "pipe, -o capacity above fs.pipe-max-size" "above fs.pipe-max-size=$pipe_max" \
		--mech pipe,fifo -o capacity=$((pipe_max + 1)) --sizes 64
	q "d['cells'][0]['hint']" | grep -q "sysctl -w fs.pipe-max-size="
	ok $? "pipe, -o capacity above fs.pipe-max-size: the hint says how to raise it"
else
	skip 2 "fs.pipe-max-size is at least -o capacity's largest value"
fi
run_ipcbench --mech pipe,fifo -o capacity=100K -o io=write,vmsplice --sizes 64 --test latency \
	--iterations 100 --repetitions 1 --json "$T/out.json"
[ $rc -eq 0 ] && [ "$(q "sorted(set(c['status'] for c in d['cells']))")" = "['ok']" ] &&
	[ "$(q "sorted(set(r['mech_notes'][s]['pipe_capacity_bytes'] for c in d['cells'] for r in c['repetitions'] for s in 'ab'))")" = "['131072']" ] &&
	[ "$(q "sorted(set(l['value'] for v in d['params']['variants'] for l in v['limits'] if l['name'] == 'pipe_capacity_granted_bytes'))")" = "[131072]" ]
ok $? "pipe, fifo -o capacity=100K: 128 KiB granted, recorded in the notes and limits"
[ $rc -eq 0 ] || diag <"$T/stdout"
assert_clean "limits"
done_testing
