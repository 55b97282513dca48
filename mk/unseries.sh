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
mapfile -t hooks < <(manifest_first_hooks)
[ "${#commits[@]}" = "${#hooks[@]}" ] ||
	die "$git has ${#commits[@]} commits on $from, MANIFEST ${#hooks[@]} patches"
for i in "${!commits[@]}"; do
	c=${commits[$i]}
	mapfile -t added < <(git -C "$git" diff --name-only --diff-filter=A "$c^" "$c" -- . ':!MAINTAINERS')
	for f in "${added[@]}"; do
		mkdir -p "$REPO/$(dirname "$f")"
		git -C "$git" show "$c:$f" >"$REPO/$f"
	done
	h=${hooks[$i]}
	[ "$h" != - ] || continue
	hook_mail "$git" "$c" "${added[@]}" >"$REPO/patches/$h"
	echo "  HOOK    patches/$h (${#added[@]} files)" >&2
done
