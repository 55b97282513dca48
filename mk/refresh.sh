#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fold the uncommitted changes to upstream files in build/linux into the
# last patches/ entry, keeping its mail header: mk/refresh.sh
# (build/linux as after make tree: the series' last entry is
# refs/handoff/series, the test bed's hooks sit on top of it, HEAD.)
set -e
. "$(dirname "$0")/lib.sh"
src=$BUILD/linux
last=$(series_entries | tail -n1)
p=$REPO/patches/$last
top=$(git -C "$src" rev-parse -q --verify refs/handoff/series) ||
	die "$src has no refs/handoff/series: run 'make tree' first"
[ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ] || die "no changes in $src"
# The changes against HEAD (the test bed's top), moved below the test bed
# onto the last entry, in a scratch index.
idx=$BUILD/.refresh.index
GIT_INDEX_FILE=$idx git -C "$src" read-tree "$top"
git -C "$src" diff --binary HEAD | GIT_INDEX_FILE=$idx git -C "$src" apply --cached ||
	{ rm -f "$idx"; die "the changes touch the test bed's hooks (testbed/patches/): fold them by hand"; }
new=$(GIT_INDEX_FILE=$idx git -C "$src" write-tree)
rm -f "$idx"
{ sed '/^---$/q' "$p"; echo; git -C "$src" diff "$top~1" "$new"; } >"$p.new"
mv "$p.new" "$p"
echo "  REFRESH patches/$last" >&2
