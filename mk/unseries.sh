#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The reverse of make series: write a series kept as commits back into
# this repository's layout.  mk/unseries.sh GITDIR FROM
# GITDIR holds one commit per MANIFEST patch on top of FROM (the base),
# in MANIFEST order (for example a clone of build/series.git reworked with
# git rebase).  For each commit: the files it adds go to this repository
# as they are in that commit, and everything else it changes (upstream
# files, and our files added by an earlier commit) becomes the mail of
# its MANIFEST hook (the first "hook:" of its block), signed off by the
# project's placeholder.  MAINTAINERS changes are left out (make series
# merges our entry itself).  MANIFEST itself is not written: the blocks
# must already name each commit's files and hook, in order.
set -e
. "$(dirname "$0")/lib.sh"
git=${1:?usage: unseries.sh GITDIR FROM}
from=${2:?usage: unseries.sh GITDIR FROM}
mapfile -t commits < <(git -C "$git" rev-list --reverse "$from..HEAD")
mapfile -t hooks < <(awk '
	/^[[:space:]]*#/ { next }
	/^patch:/ { if (n && !h) print "-"; n++; h = 0; next }
	/^[[:space:]]+hook:/ && !h { print $2; h = 1 }
	END { if (n && !h) print "-" }' "$REPO/MANIFEST")
[ "${#commits[@]}" = "${#hooks[@]}" ] ||
	die "$git has ${#commits[@]} commits on $from, MANIFEST ${#hooks[@]} patches"
who="$PLACEHOLDER_NAME <$PLACEHOLDER_EMAIL>"
for i in "${!commits[@]}"; do
	c=${commits[$i]}
	mapfile -t added < <(git -C "$git" diff --name-only --diff-filter=A "$c^" "$c" -- . ':!MAINTAINERS')
	for f in "${added[@]}"; do
		mkdir -p "$REPO/$(dirname "$f")"
		git -C "$git" show "$c:$f" >"$REPO/$f"
	done
	h=${hooks[$i]}
	[ "$h" != - ] || continue
	excl=(':!MAINTAINERS')
	for f in "${added[@]}"; do excl+=(":!$f"); done
	git -C "$git" format-patch -1 --stdout --zero-commit -N --no-signature "$c" -- . "${excl[@]}" |
		python3 -c '
import sys
who = sys.argv[1]
m = sys.stdin.read()
head, sep, rest = m.partition("\n---\n")
lines = [l for l in head.split("\n") if not l.startswith("Signed-off-by: ")]
lines = ["From: " + who if l.startswith("From: ") else l for l in lines]
while lines and lines[-1] == "":
    lines.pop()
sys.stdout.write("\n".join(lines) + "\n\nSigned-off-by: " + who + sep + rest)
' "$who" >"$REPO/patches/$h"
	echo "  HOOK    patches/$h (${#added[@]} files)" >&2
done
