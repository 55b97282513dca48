#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make series: the mailing-list series, from MANIFEST.
#
# Every "patch:" block of MANIFEST becomes one commit on the pinned base:
# its patches/ entries ("hook:") applied, its new files ("file:", or
# "dir:" for every new file under a directory) added whole, and, if it adds files, the top-level MAINTAINERS entry merged
# into MAINTAINERS in sorted position with the F: lines that exist so far.
# The commit message is the first hook's mail body, or "body: FILE".
#
# Writes build/series/: the patches and a cover letter (git format-patch,
# with base-commit:), and build/series.git, the commits themselves.
# testbed/ (the test-only NMI injector) is not part of the series.
# Fails if a new file or a patches/ entry is in no block or in two, if
# MANIFEST and patches/series disagree on the order of the hooks, or if
# a hook does not apply.
#
# Every patch is From: and Signed-off-by: the person who runs this (git
# config user.name and user.email; AUTHOR_NAME, AUTHOR_EMAIL override),
# who is also the M: of our MAINTAINERS entry (its "M: @AUTHOR@" line).
# With no identity, or a placeholder one (lib.sh: identity), it writes
# nothing and fails, unless DRAFT=1: a draft, "[DRAFT PATCH n/N]", with a
# note atop the cover letter, signed off as that identity or, if there is
# none, as the project's placeholder.
set -e
. "$(dirname "$0")/lib.sh"

src=$BUILD/linux
git=$BUILD/series.git
out=$BUILD/series
work=$BUILD/.series
case ${DRAFT:-0} in 0 | no | n | "") draft=0 ;; *) draft=1 ;; esac
drafted=""
if identity; then
	aname=$ID_NAME
	amail=$ID_EMAIL
elif [ "$draft" = 1 ]; then
	if [ -n "${ID_NAME//[[:space:]]/}" ] && [ -n "$ID_EMAIL" ]; then
		aname=$ID_NAME
		amail=$ID_EMAIL
	else
		aname=$PLACEHOLDER_NAME
		amail=$PLACEHOLDER_EMAIL
	fi
	drafted=$ID_WHY
else
	echo "error: make series signs every patch off as the person who runs it, and the" >&2
	echo "  identity here cannot be: $ID_WHY." >&2
	echo "  Set yours (git config user.name 'Your Name'; git config user.email you@domain," >&2
	echo "  or AUTHOR_NAME= and AUTHOR_EMAIL=), or ask for a draft not to be sent:" >&2
	echo "  make series DRAFT=1.  Nothing was written." >&2
	exit 1
fi
signoff="Signed-off-by: $aname <$amail>"
prefix="PATCH"
# A backport says which stable tree it is for: [PATCH 6.12 n/N].
[ "$BASE" = "$DEFAULT_BASE" ] || prefix="PATCH $BASE"
if [ "$draft" = 1 ]; then
	prefix="DRAFT $prefix"
	drafted=${drafted:-DRAFT=1 was asked for}
fi

[ -d "$src/.git" ] || die "$src is not assembled; run 'make tree'"
rm -rf "$work" && mkdir -p "$work"

# Our files that this base needs changed (bases/BASE.d/files.patch), as
# the series carries them: patched here, from this repository.
fixup=$REPO/bases/$BASE.d/files.patch
if [ -f "$fixup" ]; then
	sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$fixup" | while read -r f; do
		mkdir -p "$work/ours/$(dirname "$f")"
		cp "$REPO/$f" "$work/ours/$f"
	done
	patch -s -p1 -d "$work/ours" --no-backup-if-mismatch -r - <"$fixup" >"$work/err" 2>&1 ||
		{ cat "$work/err" >&2; die "bases/$BASE.d/files.patch does not apply to our files"; }
fi

# MANIFEST -> one line per item: N<TAB>kind<TAB>value
awk -v OFS='\t' '
	/^[[:space:]]*#/ || /^[[:space:]]*$/ { next }
	/^series:/ { ser = $2 " " $3; next }
	/^patch:/ {
		n++; sub(/^patch:[[:space:]]*/, "")
		if (ser == "") { printf "MANIFEST: a patch before any \"series:\" line\n" > "/dev/stderr"; bad = 1 }
		print n, "series", ser; print n, "subject", $0; next
	}
	/^[[:space:]]+(file|dir|hook|body):/ { k = $1; sub(/:$/, "", k); print n, k, $2; next }
	/^[[:space:]]+baseline[[:space:]]*$/ {
		printf "MANIFEST: \"baseline\" is gone: test-bed-only material goes in testbed/ (testbed/README.md)\n" > "/dev/stderr"
		bad = 1; next
	}
	/^[[:space:]]+check:/ { next }
	{ printf "MANIFEST: cannot parse: %s\n", $0 > "/dev/stderr"; bad = 1 }
	END { exit bad }
' "$REPO/MANIFEST" >"$work/items.raw" || die "MANIFEST has lines it cannot parse"
# "dir: D/" stands for every new file under D (the runner's scenario files
# and sets): one "file:" item each, in the same block.
new_files >"$work/files.all"
while IFS=$'\t' read -r n k v; do
	if [ "$k" = dir ]; then
		grep "^${v%/}/" "$work/files.all" | sed "s|^|$n\tfile\t|" ||
			echo "MANIFEST: no new file under $v" >&2
	else
		printf '%s\t%s\t%s\n' "$n" "$k" "$v"
	fi
done <"$work/items.raw" >"$work/items"

# Each new file and each patches/ entry in exactly one block.
new_files >"$work/files.want"
awk -F'\t' '$2 == "file" { print $3 }' "$work/items" | sort >"$work/files.have"
series_entries >"$work/hooks.series"
awk -F'\t' '$2 == "hook" { print $3 }' "$work/items" >"$work/hooks.have"
errs=0
for f in $(comm -23 "$work/files.want" <(sort -u "$work/files.have")); do
	echo "error: new file $f is in no MANIFEST patch" >&2; errs=1
done
for f in $(comm -13 "$work/files.want" <(sort -u "$work/files.have")); do
	echo "error: MANIFEST names $f, which is not a new file of this repository" >&2; errs=1
done
for f in $(uniq -d "$work/files.have"; sort "$work/hooks.have" | uniq -d); do
	echo "error: $f is in more than one MANIFEST patch" >&2; errs=1
done
if ! cmp -s "$work/hooks.series" "$work/hooks.have"; then
	echo "error: MANIFEST's hooks differ from patches/series (they must be the same, in the same order):" >&2
	diff "$work/hooks.series" "$work/hooks.have" | sed 's/^/  /' >&2
	errs=1
fi
for f in "$REPO"/patches/*.patch; do
	grep -qxF "$(basename "$f")" "$work/hooks.series" ||
		{ echo "error: patches/$(basename "$f") is not in patches/series" >&2; errs=1; }
done
[ "$errs" = 0 ] || die "MANIFEST does not describe the series"

# The commits, in a repository of their own that shares the base's objects.
rm -rf "$git"
git clone -q --shared --no-checkout "$src" "$git"
git -C "$git" checkout -q -B series base
git -C "$git" config user.name "$aname"
git -C "$git" config user.email "$amail"
basecommit=$(git -C "$git" rev-parse HEAD)

# merge_maintainers: (re)place our entry in MAINTAINERS, sorted by name
# (after the preamble, which ends before "3C59X NETWORK DRIVER"), with the
# F: lines whose files exist so far: checkpatch wants MAINTAINERS updated
# by every patch that adds files, so the entry grows with the series.
# Its "M:	@AUTHOR@" line becomes the person signing the series off.
merge_maintainers() {
	python3 - "$git" "$REPO/MAINTAINERS" "$aname <$amail>" <<-'EOF'
	import os, sys
	tree, ours, me = sys.argv[1], sys.argv[2], sys.argv[3]
	path = os.path.join(tree, 'MAINTAINERS')
	lines = open(path).read().split('\n')
	entry = open(ours).read().rstrip('\n').split('\n')
	if 'M:\t@AUTHOR@' not in entry:
	    sys.exit('MAINTAINERS: no "M:\t@AUTHOR@" line (the maintainer is whoever signs the series off)')
	entry = [('M:\t' + me if l == 'M:\t@AUTHOR@' else l) for l in entry]
	name = entry[0]
	entry = [l for l in entry if not l.startswith('F:\t') or
	         os.path.exists(os.path.join(tree, l[3:].strip()))]
	if name in lines:
	    i = lines.index(name)
	    j = lines.index('', i)
	    del lines[i:j + 1]
	start = lines.index('3C59X NETWORK DRIVER')
	tags = ('M:', 'R:', 'L:', 'S:', 'W:', 'F:', 'T:', 'P:', 'Q:', 'B:', 'C:', 'K:', 'N:', 'X:')
	at = None
	for i in range(start, len(lines) - 1):
	    l = lines[i]
	    if l and lines[i - 1] == '' and not l[0].isspace() and lines[i + 1][:2] in tags:
	        if l.upper() > name.upper():
	            at = i
	            break
	if at is None:
	    sys.exit('no place for ' + name + ' in MAINTAINERS')
	lines[at:at] = entry + ['']
	open(path, 'w').write('\n'.join(lines))
	EOF
}

nblocks=$(awk -F'\t' '{ print $1 }' "$work/items" | sort -n | tail -n1)
for n in $(seq 1 "$nblocks"); do
	subject=$(awk -F'\t' -v n="$n" '$1 == n && $2 == "subject" { print $3 }' "$work/items")
	body=""
	first_hook=""
	while IFS=$'\t' read -r _ kind val; do
		case $kind in
		hook)
			# This base's version of the hook (bases/BASE.d/ where the
			# upstream code it hooks into differs).
			hook=$(base_hook "" "$val")
			[ -n "$first_hook" ] || first_hook=$REPO/$hook
			git -C "$git" apply --index --whitespace=error-all "$REPO/$hook" 2>"$work/err" || {
				cat "$work/err" >&2
				die "patch $n ($subject): $hook does not apply"
			}
			;;
		file)
			# Our file as this base needs it (bases/BASE.d/files.patch
			# applied), without the test bed's hooks into it, which
			# the assembled tree has (testbed/files.patch).
			mkdir -p "$(dirname "$git/$val")"
			if [ -f "$work/ours/$val" ]; then
				cp "$work/ours/$val" "$git/$val"
			else
				cp "$REPO/$val" "$git/$val"
			fi
			git -C "$git" add -f "$val"
			;;
		body) body=$REPO/$val ;;
		esac
	done < <(awk -F'\t' -v n="$n" '$1 == n' "$work/items")
	if awk -F'\t' -v n="$n" '$1 == n && $2 == "file" { f = 1 } END { exit !f }' "$work/items"; then
		merge_maintainers || die "patch $n: cannot merge MAINTAINERS"
		git -C "$git" add MAINTAINERS
	fi
	{
		echo "$subject"
		echo
		if [ -n "$body" ]; then
			cat "$body"
		elif [ -n "$first_hook" ]; then
			# The hook mail's body: after the Subject header (and its
			# continuation lines), up to the "---" line, without the
			# placeholder's sign-off the committed mails carry.
			git mailinfo "$work/msg" /dev/null <"$first_hook" >/dev/null
			grep -vxF "Signed-off-by: $PLACEHOLDER_NAME <$PLACEHOLDER_EMAIL>" "$work/msg" || true
		else
			die "patch $n ($subject) has no hook and no body: file"
		fi
	} | git interpret-trailers --if-exists addIfDifferent --trailer "$signoff" >"$work/commitmsg"
	git -C "$git" diff --cached --quiet && die "patch $n ($subject) changes nothing"
	GIT_AUTHOR_DATE="2026-11-21T00:00:00Z" GIT_COMMITTER_DATE="2026-11-21T00:00:00Z" \
		git -C "$git" commit -q --cleanup=verbatim -F "$work/commitmsg"
done

# The series must add up to the assembled tree (build/linux, below the
# test bed: refs/handoff/series) exactly.  Upstream files: the same hooks
# in the same order, so they must match; new files are copies.  A
# difference means MANIFEST lost something.
top=$(git -C "$src" rev-parse -q --verify refs/handoff/series) ||
	die "$src has no refs/handoff/series (assembled by an older mk/tree.sh): run 'make tree'"
diffs=$(git -C "$git" diff --name-only --diff-filter=MD "$top" HEAD -- . ':!MAINTAINERS')
[ -z "$diffs" ] || die "the series differs from build/linux in: $diffs (run make tree?)"
rm -rf "$out" && mkdir -p "$out"
# One mailing-list series per "series:" of MANIFEST, each with its own
# cover letter, in build/series/NAME/: a later one applies on top of the
# ones before (git format-patch lists them as prerequisite-patch-id).
from=$basecommit
nser=0
while read -r sname sword; do
	nser=$((nser + 1))
	last=$(awk -F'\t' -v s="$sname $sword" '$2 == "series" && $3 == s { n = $1 } END { print n }' "$work/items")
	count=$(awk -F'\t' -v s="$sname $sword" '$2 == "series" && $3 == s { n++ } END { print n }' "$work/items")
	to=$(git -C "$git" rev-parse "HEAD~$((nblocks - last))")
	# [PATCH], [RFC PATCH], [DRAFT RFC PATCH 6.12], ...
	sprefix=${prefix#DRAFT }
	[ -z "$sword" ] || sprefix="$sword $sprefix"
	[ "$draft" = 0 ] || sprefix="DRAFT $sprefix"
	git -C "$git" format-patch -q --cover-letter --base="$basecommit" --thread=shallow \
		--subject-prefix="$sprefix" -o "$out/$sname" "$from..$to"
	COVER_DRAFT=$drafted "$REPO/mk/cover.sh" "$out/$sname"/0000-cover-letter.patch "$sname"
	git -C "$git" tag -f "series-$sname" "$to" >/dev/null
	note "SERIES  $out/$sname ($count patches + cover letter, [$sprefix])," \
		"$(series_size "$git" "$from" "$to")"
	from=$to
done < <(awk -F'\t' '$2 == "series" && !seen[$3]++ { print $3 }' "$work/items")
[ "$nser" -gt 0 ] || die "MANIFEST has no \"series:\" line"
covers=$(ls "$out"/*/0000-cover-letter.patch)
for cover in $covers; do
# git's summary of the cover letter names each new file on a line of its
# own, and the runner's scenario files (a "dir:" of MANIFEST) make those
# lines too wide for mail: one line per such directory instead, with the
# number of its files (the patch itself names each).
	awk '
	/^ create mode [0-7]+ / && length > 75 {
		d = $4; sub(/[^\/]*$/, "", d)
		if (!(d in n)) order[++k] = d
		n[d]++; next
	}
	k && !/^ create mode / { for (i = 1; i <= k; i++) printf " %d files created in %s\n", n[order[i]], order[i]; k = 0; delete n }
	{ print }
	' "$cover" >"$out/.cover" && mv "$out/.cover" "$cover"
	# The cover letter is read in mail clients: no body line over 75
	# columns (a URL may be).
	wide=$(awk 'body && length > 75 && !/[a-z]+:\/\// { printf "  %d: %s\n", NR, $0 } /^$/ { body = 1 }' \
		"$cover")
	if [ -n "$wide" ]; then
		echo "$wide" | cut -c1-100 >&2
		rm -rf "$out"
		die "$cover has lines wider than 75 columns (mk/cover.sh, mk/fit.py)"
	fi
done
note "SERIES  $(git -C "$git" rev-list --count "$basecommit"..HEAD) patches in $nser series," \
	"signed off by $aname <$amail>"
if [ "$draft" = 1 ]; then
	note "DRAFT   not for sending: $drafted" \
		"(make series, with your git identity, writes the real one)"
fi
