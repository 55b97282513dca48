#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fold the uncommitted changes to upstream files in build/linux into a
# patches/ entry, keeping its mail header: mk/refresh.sh [NAME.patch]
# (the last entry if no NAME is given).  build/linux as after make tree:
# one commit per entry above the tag "base", the series' last entry is
# refs/handoff/series, the test bed's hooks sit on top of it, HEAD.  The
# entries after NAME must still apply on top: make tree says if not.
set -e
. "$(dirname "$0")/lib.sh"
src=$BUILD/linux
top=$(git -C "$src" rev-parse -q --verify refs/handoff/series) ||
	die "$src has no refs/handoff/series: run 'make tree' first"
mapfile -t entries < <(series_entries | while read -r e; do [ -n "$(base_hook "" "$e")" ] && echo "$e"; done)
mapfile -t commits < <(git -C "$src" rev-list --reverse "base..$top")
[ "${#entries[@]}" = "${#commits[@]}" ] ||
	die "$src has ${#commits[@]} series commits for ${#entries[@]} entries: run 'make tree' first"
name=${1:-${entries[-1]}}
at=""
for i in "${!entries[@]}"; do
	[ "${entries[$i]}" = "$name" ] && at=${commits[$i]}
done
[ -n "$at" ] || die "$name is not an entry of patches/series"
p=$REPO/$(base_hook "" "$name")
[ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ] || die "no changes in $src"
# The changes against HEAD (the test bed's top), moved below the test bed
# and the later entries onto NAME's commit, in a scratch index.
idx=$BUILD/.refresh.index
GIT_INDEX_FILE=$idx git -C "$src" read-tree "$at"
git -C "$src" diff --binary HEAD | GIT_INDEX_FILE=$idx git -C "$src" apply --cached ||
	{ rm -f "$idx"; die "the changes do not apply where $name left the tree (a later entry or the test bed changed those lines): fold them by hand"; }
new=$(GIT_INDEX_FILE=$idx git -C "$src" write-tree)
rm -f "$idx"
{ sed '/^---$/q' "$p"; git -C "$src" diff --stat=72 --summary "$at~1" "$new"; echo; git -C "$src" diff "$at~1" "$new"; } >"$p.new"
mv "$p.new" "$p"
echo "  REFRESH ${p#"$REPO"/}" >&2
