#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The backport's side of mk/unseries.sh: mk/unseries-base.sh GITDIR FROM
# with BASE set (BASE=6.12): GITDIR holds the series on that base, one
# commit per MANIFEST patch on FROM, in order.  Writes bases/BASE.d/:
# files.patch, what our files need on this base as each is introduced
# (against this repository's files), and patches/, this base's version of
# each hook whose changes differ from patches/' (the others are removed,
# so the common one applies).
set -e
. "$(dirname "$0")/lib.sh"
git=${1:?usage: unseries-base.sh GITDIR FROM}
from=${2:?usage: unseries-base.sh GITDIR FROM}
[ "$BASE" != "$DEFAULT_BASE" ] || die "BASE=$BASE is the default base: use mk/unseries.sh"
out=$REPO/bases/$BASE.d
mapfile -t commits < <(git -C "$git" rev-list --reverse "$from..HEAD")
mapfile -t hooks < <(manifest_first_hooks)
[ "${#commits[@]}" = "${#hooks[@]}" ] ||
	die "$git has ${#commits[@]} commits on $from, MANIFEST ${#hooks[@]} patches"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/files.patch"
body() { sed -n '/^diff --git/,$p' "$1" | grep -v '^index \|^-- $\|^[0-9]*\.[0-9.]*$' | sed -E 's/^@@ [^@]* @@.*/@@/'; }
for i in "${!commits[@]}"; do
	c=${commits[$i]}
	mapfile -t added < <(git -C "$git" diff --name-only --diff-filter=A "$c^" "$c" -- . ':!MAINTAINERS')
	for f in "${added[@]}"; do
		git -C "$git" show "$c:$f" >"$tmp/new"
		cmp -s "$REPO/$f" "$tmp/new" ||
			diff -u --label "a/$f" --label "b/$f" "$REPO/$f" "$tmp/new" >>"$tmp/files.patch" || true
	done
	h=${hooks[$i]}
	[ "$h" != - ] || continue
	hook_mail "$git" "$c" "${added[@]}" >"$tmp/$h"
	mkdir -p "$out/patches"
	if cmp -s <(body "$tmp/$h") <(body "$REPO/patches/$h"); then
		rm -f "$out/patches/$h"
	else
		cp "$tmp/$h" "$out/patches/$h"
		echo "  HOOK    bases/$BASE.d/patches/$h" >&2
	fi
done
if [ -s "$tmp/files.patch" ]; then
	cp "$tmp/files.patch" "$out/files.patch"
	echo "  FILES   bases/$BASE.d/files.patch ($(grep -c '^+++ ' "$tmp/files.patch") files)" >&2
else
	rm -f "$out/files.patch"
fi
