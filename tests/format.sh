#!/bin/sh
# The C sources are laid out as .clang-format says: clang-format would
# change nothing in any of them. One check per source folder; a failure
# lists each file with the first lines clang-format would change.
#
# Skipped without clang-format, or with a major version other than the one
# the tree is formatted with (versions lay out some constructs
# differently). IPCB_CLANG_FORMAT names the binary to use (say
# clang-format-14 beside a newer default). IPCB_REQUIRE_FORMAT=1 (CI)
# turns the skip into a failure.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

cannot() {
	if [ "${IPCB_REQUIRE_FORMAT:-0}" = 1 ]; then
		echo "Bail out! $* (IPCB_REQUIRE_FORMAT=1)"
		exit 1
	fi
	skip_all "$*"
}

want=14
cf=${IPCB_CLANG_FORMAT:-}
if [ -z "$cf" ]; then
	for c in clang-format-$want clang-format; do
		if command -v "$c" >/dev/null 2>&1; then
			cf=$c
			break
		fi
	done
fi
[ -n "$cf" ] || cannot "clang-format is not installed"
got=$("$cf" --version 2>/dev/null | sed -n 's/.*version \([0-9][0-9]*\)\..*/\1/p')
[ "$got" = "$want" ] ||
	cannot "$cf is version ${got:-unknown}; the tree is laid out by version $want"

cd "$top_srcdir" || exit 99
[ -f .clang-format ]
ok $? ".clang-format is in $top_srcdir"
for dir in bench harness mechanisms scripts tests; do
	files=$(find "$dir" -name '*.[ch]' -not -path 'tests/fixtures/*' | sort)
	bad=""
	n=0
	: >"$T/diffs"
	for f in $files; do
		# rpcgen's output (an in-tree build of the rpc mechanism) is not ours.
		head -n 4 "$f" | grep -q 'generated using rpcgen' && continue
		n=$((n + 1))
		"$cf" --style=file "$f" >"$T/formatted" 2>"$T/cf-err" && cmp -s "$T/formatted" "$f" && continue
		bad="$bad $f"
		{
			cat "$T/cf-err"
			diff -u "$f" "$T/formatted" | sed -n '1,14p'
		} >>"$T/diffs"
	done
	[ "$n" -gt 0 ] && [ -z "$bad" ]
	ok $? "$dir/: $n C files as clang-format lays them out${bad:+ (not:$bad)}" || diag <"$T/diffs"
done
done_testing
