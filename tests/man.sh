#!/bin/sh
# The manual page: no warning from mandoc -Tlint or groff -ww (each skipped
# where it is not installed), man renders every command, and it cannot
# drift from the program: every command of 'ipcbench help' has its
# subsection (and its line in the synopsis), every option of 'ipcbench help
# COMMAND' is in that subsection, and every mechanism of 'ipcbench list' is
# in the MECHANISMS section and in the README's and doc/mechanisms.md's
# tables.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
page="$top_srcdir/ipcbench.1"

# --- lint ---------------------------------------------------------------
if command -v mandoc >/dev/null 2>&1; then
	mandoc -Tlint -W warning "$page" >"$T/lint" 2>&1
	[ $? -eq 0 ] && [ ! -s "$T/lint" ]
	ok $? "mandoc -Tlint -W warning: no warning"
	diag <"$T/lint"
else
	skip 1 "mandoc is not installed"
fi
if command -v groff >/dev/null 2>&1; then
	groff -mandoc -ww -z "$page" >"$T/groff" 2>&1
	[ $? -eq 0 ] && [ ! -s "$T/groff" ]
	ok $? "groff -mandoc -ww -z: no warning"
	diag <"$T/groff"
else
	skip 1 "groff is not installed"
fi

# --- what the program says ----------------------------------------------
"$IPCBENCH" help >"$T/help" 2>&1
ok $? "ipcbench help"
# (a summary may go on over a second, further indented line; a blank line
# ends the list)
commands=$(awk '/^Commands:/ { on = 1; next }
	on && /^  [a-z]/ { print $1; next }
	on && /^$/ { exit }' "$T/help")
[ -n "$commands" ]
ok $? "ipcbench help lists the commands: $(echo $commands)"

# options COMMAND: the short and long options of 'ipcbench help COMMAND',
# one per line: those of the option lines and those in brackets in the
# usage line.
options() {
	"$IPCBENCH" help "$1" | awk '
		/^Usage:/ {
			while (match($0, /\[-[-a-zA-Z][a-z-]*/)) {
				print substr($0, RSTART + 1, RLENGTH - 1)
				$0 = substr($0, RSTART + RLENGTH)
			}
			next
		}
		/^  -[a-zA-Z], --[a-z]/ { print substr($1, 1, 2); print $2; next }
		/^      --[a-z]/ { print $1 }' | sed 's/[=,].*//' | sort -u
}

# section COMMAND: the source of the subsection "ipcbench COMMAND".
section() {
	awk -v want="ipcbench $1" '
		/^\.S[sh] / { on = (substr($0, 5) == want); next }
		on' "$page"
}

# in_source SECTION-FILE OPTION: the option is written with Fl in the
# source (.Fl -mech, .It Fl m , Fl -mech).
in_source() {
	name=${2#-}
	awk -v want="$name" '
		{ for (i = 1; i < NF; i++) if ($i == "Fl" && $(i + 1) == want) found = 1 }
		END { exit !found }' "$1"
}

for cmd in $commands; do
	section "$cmd" >"$T/section.$cmd"
	[ -s "$T/section.$cmd" ]
	ok $? "the page has a subsection for '$cmd'"
	awk '/^\.Sh SYNOPSIS/ { on = 1; next } /^\.Sh / { on = 0 } on' "$page" |
		grep -Eq "^\.(Op )?Cm $cmd\$"
	ok $? "the synopsis shows '$cmd'"
	missing=""
	for opt in $(options "$cmd"); do
		in_source "$T/section.$cmd" "$opt" || missing="$missing $opt"
	done
	[ -z "$missing" ]
	ok $? "every option of 'ipcbench help $cmd' is in its subsection${missing:+ (missing:$missing)}"
done

# --- rendered -----------------------------------------------------------
if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
	MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$page" >"$T/rendered" 2>"$T/man.err"
	ok $? "man -l renders the page"
	diag <"$T/man.err"
	missing=""
	for cmd in $commands; do
		grep -q "^   ipcbench $cmd\$" "$T/rendered" || missing="$missing $cmd"
	done
	[ -z "$missing" ]
	ok $? "man -l shows a subsection for every command${missing:+ (missing:$missing)}"
else
	skip 1 "man or groff is not installed"
fi

# --- mechanisms ---------------------------------------------------------
# ipcbench list probes the mechanisms' kernel objects: take the lock the
# leak tests hold.
serialize
"$IPCBENCH" list >"$T/list" 2>&1
ok $? "ipcbench list"
mechs=$(awk 'NR > 1 && /^[a-z]/ { print $1 }' "$T/list")
awk '/^\.Sh MECHANISMS/ { on = 1; next } /^\.Sh / { on = 0 } on' "$page" >"$T/mechanisms"
for where in page README.md doc/mechanisms.md; do
	missing=""
	for m in $mechs; do
		case $where in
		page) grep -q "^\.It Cm $m\$" "$T/mechanisms" ;;
		*) grep -q "^| \`$m\` |" "$top_srcdir/$where" ;;
		esac || missing="$missing $m"
	done
	[ -z "$missing" ]
	ok $? "every mechanism of 'ipcbench list' has its entry in the $where${missing:+ (missing:$missing)}"
done

done_testing
