#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Turn the uncommitted changes to upstream files in build/linux into a
# patches/ entry: mk/mkpatch.sh NAME.patch MSGFILE
# MSGFILE: subject line, blank line, body (Signed-off-by is added).
# Add NAME.patch to patches/series and MANIFEST yourself, then make tree.
set -e
. "$(dirname "$0")/lib.sh"
name=${1:?usage: mkpatch.sh NAME.patch MSGFILE}
msg=${2:?usage: mkpatch.sh NAME.patch MSGFILE}
src=$BUILD/linux
aname=${AUTHOR_NAME:-CPU Handoff Developers}
amail=${AUTHOR_EMAIL:-cpu-handoff@lists.example.org}
who="$aname <$amail>"
[ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ] || die "no changes in $src"
{ cat "$msg"; echo; echo "Signed-off-by: $who"; } >"$BUILD/.mkpatch.msg"
git -C "$src" add -u
git -C "$src" -c user.name="$aname" -c user.email="$amail" \
	commit -q -F "$BUILD/.mkpatch.msg"
git -C "$src" format-patch -1 --no-signature --zero-commit -N --stdout >"$REPO/patches/$name"
echo "  PATCH   patches/$name" >&2
