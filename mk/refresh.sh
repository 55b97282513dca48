#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fold the uncommitted changes to upstream files in build/linux into the
# last patches/ entry, keeping its mail header: mk/refresh.sh
# (build/linux's HEAD must be that entry, as after make tree.)
set -e
. "$(dirname "$0")/lib.sh"
src=$BUILD/linux
last=$(grep -v '^#' "$REPO/patches/series" | grep . | tail -n1)
p=$REPO/patches/$last
[ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ] || die "no changes in $src"
{ sed '/^---$/q' "$p"; echo; git -C "$src" diff HEAD~1; } >"$p.new"
mv "$p.new" "$p"
echo "  REFRESH patches/$last" >&2
