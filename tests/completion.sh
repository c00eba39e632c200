#!/bin/sh
# The bash completion (completions/ipcbench): sourced in a plain bash (no
# bash-completion package), its function is driven as bash drives it
# (COMP_WORDS split at the word-break characters, COMP_CWORD) and must
# offer the commands, each command's options as its help lists them, the
# mechanisms and their -o keys and values as ipcbench lists them, the
# placement classes, tests, formats, metrics and units that the help names,
# and files where a file is expected.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
command -v bash >/dev/null 2>&1 || skip_all "bash is not installed"
# The completion runs 'ipcbench list', which probes the mechanisms' kernel
# objects: take the lock the leak tests hold.
serialize
script="$top_srcdir/completions/ipcbench"

# complete LINE: the candidates bash would get for LINE (the cursor at its
# end), sorted, one per line, in $T/reply.
complete() {
	# shellcheck disable=SC2016
	bash --norc --noprofile -c '
		. "$1" || exit 1
		line=$2
		spaced=${line//=/ = }
		spaced=${spaced//:/ : }
		read -ra COMP_WORDS <<<"$spaced"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_WORDS[0]=$3
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		_ipcbench
		((${#COMPREPLY[@]})) && printf "%s\n" "${COMPREPLY[@]}"
		exit 0
	' completion "$script" "$1" "$IPCBENCH" >"$T/raw" 2>"$T/err"
	brc=$?
	sort "$T/raw" >"$T/reply"
}

# expect DESCRIPTION LINE CANDIDATE...: exactly these candidates.
expect() {
	desc=$1
	line=$2
	shift 2
	complete "$line"
	printf '%s\n' "$@" | sed '/^$/d' | sort >"$T/want"
	[ $brc -eq 0 ] && [ ! -s "$T/err" ] && cmp -s "$T/want" "$T/reply"
	ok $? "$desc: '$line'"
	if ! cmp -s "$T/want" "$T/reply"; then
		diff "$T/want" "$T/reply" | diag
		diag <"$T/err"
	fi
}

bash --norc --noprofile -c '. "$1" && complete -p ipcbench' x "$script" >"$T/spec" 2>&1
grep -q -- "-F _ipcbench ipcbench" "$T/spec"
ok $? "sourced in a plain bash, the file registers its function for ipcbench"

# What the program says, read here in other ways than the completion does.
commands=$("$IPCBENCH" help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')
[ -n "$commands" ]
ok $? "ipcbench help lists the commands"
# long options of 'ipcbench help CMD'
long_options() {
	"$IPCBENCH" help "$1" | grep -oE -- '^ {2}(-[a-zA-Z], | {4})--[a-z-]+|\[--[a-z-]+\]' |
		grep -oE -- '--[a-z-]+' | sort -u
}
"$IPCBENCH" list --json >"$T/list.json"
ok $? "ipcbench list --json"
# py EXPRESSION: evaluated with d = the mechanisms of ipcbench list --json
py() {
	"$PYTHON3" -c 'import json, sys; d = json.load(open(sys.argv[1]))["mechanisms"]; print(eval(sys.argv[2]))' \
		"$T/list.json" "$1"
}
mechs=$(py '"\n".join(d)')
keys=$(py '"\n".join(sorted(set(o["name"] + "=" for m in d.values() for o in m["options"])))')
tcp_keys=$(py '"\n".join(o["name"] + "=" for o in d["tcp"]["options"])')
# values_of KEY [MECHS]: the values of -o KEY for the mechanisms of the
# comma list MECHS (every mechanism when empty)
values_of() {
	py '"\n".join(sorted(set(v for n, m in d.items() if "'"${2-}"'" == "" or n in "'"${2-}"'".split(",") for o in m["options"] if o["name"] == "'"$1"'" for v in o["values"].split("|"))))'
}
waits=$(values_of wait)
shm_waits=$(values_of wait shm)
backings=$(values_of backing)
[ -n "$mechs" ] && [ -n "$keys" ] && [ -n "$tcp_keys" ] && [ -n "$waits" ] &&
	[ "$(echo "$shm_waits" | wc -l)" -gt 3 ] && [ -n "$backings" ]
ok $? "ipcbench list --json gives mechanisms, -o keys, and the values of wait and backing"

# shellcheck disable=SC2086
{
	expect "the commands" "ipcbench " $commands
	expect "a command by its start" "ipcbench co" compare
	expect "after help, the commands" "ipcbench help " $commands
	for cmd in $commands; do
		[ "$cmd" = help ] || [ "$cmd" = version ] && continue
		expect "the options of $cmd, as its help lists them" "ipcbench $cmd --" $(long_options "$cmd")
	done
	expect "options first: those of run, and --version" "ipcbench --" $(long_options run) --version
	expect "an option by its start" "ipcbench run --rep" --repetitions
	expect "--mech: every mechanism of ipcbench list, and all" "ipcbench run --mech " all $mechs
	expect "--mech: the last item of a comma list" "ipcbench run --mech pipe,sh" pipe,shm \
		pipe,shm-futex
	expect "--mech: a name that starts another" "ipcbench run --mech pipe,shm-" pipe,shm-futex
	expect "--mech=: the value after the '='" "ipcbench run --mech=pi" pipe
	expect "-m, the short option" "ipcbench run -m sysv" sysv-msg
	expect "matrix --mech: one mechanism" "ipcbench matrix --mech c" cacheline
	expect "--test" "ipcbench run --test " latency throughput both oneway load
	expect "--test: items not given yet" "ipcbench run --test latency," latency,throughput latency,both latency,oneway latency,load
	expect "--load-points: nothing to offer" "ipcbench run --load-points "
	expect "--placement" "ipcbench run --placement " auto all same-cpu smt same-l2 same-l3 same-node \
		cross-l3 cross-numa
	expect "--clock" "ipcbench run --clock " monotonic tsc
	expect "--direction" "ipcbench run --direction " ab ba
	expect "--mode" "ipcbench run --mode " processes threads
	expect "--mode: the mode not given yet" "ipcbench run --mode processes," processes,threads
	expect "-o: the keys of every mechanism" "ipcbench run -o " $keys
	expect "-o: the keys of the mechanisms of --mech" "ipcbench run --mech tcp -o " $tcp_keys
	expect "-o KEY=: its values" "ipcbench run -o wait=" $waits
	expect "-o KEY=V,: the next value" "ipcbench run --mech shm-futex -o wait=spin,f" spin,futex
	expect "-o KEY=: the values of the mechanisms of --mech" "ipcbench run --mech shm -o wait=" \
		$shm_waits
	expect "-o KEY=V,: values with a hyphen" "ipcbench run --mech shm -o wait=spin,sysv-" \
		spin,sysv-sem
	expect "-o backing=" "ipcbench run -o backing=" $backings
	expect "-o KEY=: 0 and 1 for huge" "ipcbench run --mech shm -o huge=" 0 1
	expect "-o KEY=: 0 and 1 for a boolean" "ipcbench run --option nodelay=" 0 1
	expect "-o of matrix" "ipcbench matrix --mech tcp -o no" nodelay=
	expect "--sizes: nothing to offer" "ipcbench run --sizes "
	expect "export --format" "ipcbench export --format " gbench gab-latency gab-throughput bmf hgrm csv
	expect "export --unit" "ipcbench export --format hgrm --unit " ns us ms
	expect "compare --metric" "ipcbench compare --metric " p50 p99 p999 throughput
}

# The fixed lists must be those the help names.
for word in same-cpu smt same-l2 same-l3 same-node cross-l3 cross-numa auto monotonic tsc \
	processes threads; do
	"$IPCBENCH" help run | grep -q -- "$word" || echo "$word"
done >"$T/unnamed"
for word in gbench gab-latency gab-throughput bmf hgrm csv ns us ms; do
	"$IPCBENCH" help export | grep -q -- "$word" || echo "$word"
done >>"$T/unnamed"
for word in p50 p99 p999 throughput; do
	"$IPCBENCH" help compare | grep -q -- "$word" || echo "$word"
done >>"$T/unnamed"
[ ! -s "$T/unnamed" ]
ok $? "every class, clock, mode, format, unit and metric offered is one the help names"
diag <"$T/unnamed"

# Files: any file for --json, -o and --csv, results files (*.json) and
# directories for the arguments of compare, export and report, directories
# for --figures.
mkdir "$T/files" "$T/files/sub"
: >"$T/files/out.json"
: >"$T/files/notes.txt"
F="$T/files"
expect "--json FILE" "ipcbench run --json $F/o" "$F/out.json"
expect "--json=FILE" "ipcbench run --json=$F/o" "$F/out.json"
expect "export -o FILE" "ipcbench export --format csv -o $F/n" "$F/notes.txt"
expect "matrix --csv FILE" "ipcbench matrix --csv $F/" "$F/notes.txt" "$F/out.json" "$F/sub"
expect "compare: results files and directories" "ipcbench compare $F/" "$F/out.json" "$F/sub"
expect "report --compare-with: results files" "ipcbench report --compare-with $F/" "$F/out.json" \
	"$F/sub"
expect "report --figures: directories" "ipcbench report --figures $F/" "$F/sub"
expect "-o dir=: directories" "ipcbench run --mech shm -o dir=$F/" "$F/sub"
expect "-o dir=V,: directories" "ipcbench run --mech shm -o dir=/,$F/" "/,$F/sub"

done_testing
