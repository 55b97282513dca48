#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Assemble the kernel trees under build/:
#   build/linux       the pinned base + every patches/ entry + our new files
#                     (the series), then the test bed (testbed/: the
#                     test-only NMI injector, its hooks and files)
#   build/linux-base  the pinned base + the test bed only, for measuring
#                     unpatched 6.12 the same way
# Both are git work trees of one repository whose first commit is the
# untouched base (tag "base"); one commit per hook.  The series' last
# commit in build/linux, below the test bed's, is refs/handoff/series
# (make series checks that the series adds up to it).  New files are symlinks into this
# repository, so an edit in either place edits the same file.  Re-running
# is cheap: only files whose content changes are rewritten, so kernel
# builds stay incremental.
set -e
. "$(dirname "$0")/lib.sh"

tarball=$(base_get BASE_TARBALL)
want_sha=$(base_get BASE_SHA256)
kver=$(base_get BASE_KERNELVERSION)
src=$BUILD/linux

verify_base() {
	local pkgver sha
	# A base from another suite: fetched into build/dl/, nothing installed.
	"$REPO/mk/fetch-base.sh"
	[ -f "$tarball" ] || die "base tarball $tarball is missing; run 'make deps' (as root)"
	pkgver=$(dpkg-query -W -f='${Version}' "$(base_get BASE_PACKAGE)" 2>/dev/null || true)
	sha=$(sha256sum "$tarball" | cut -d' ' -f1)
	if [ "$sha" != "$want_sha" ]; then
		echo "error: $tarball is not the pinned base." >&2
		echo "  found: package version '${pkgver:-unknown}', sha256 $sha" >&2
		echo "  want:  $(base_get BASE_DEBVERSION), sha256 $want_sha" >&2
		echo "  Nothing was built.  Install the pinned version ('make deps' as root)," >&2
		echo "  or move the series to the new base: update bases/$BASE, refresh patches/, make check." >&2
		exit 1
	fi
}

make_base_repo() {
	local tmp=$BUILD/linux.unpack
	echo "  UNPACK  $(base_get BASE_PACKAGE) $(base_get BASE_DEBVERSION)" >&2
	rm -rf "$tmp" && mkdir -p "$tmp"
	tar -C "$tmp" --strip-components=1 -xf "$tarball"
	grep -q "^SUBLEVEL = ${kver##*.}\$" "$tmp/Makefile" ||
		die "unpacked tarball is not $kver (see $tmp/Makefile)"
	git -C "$tmp" init -q -b base-tree
	git -C "$tmp" config user.name "cpu-handoff tree"
	git -C "$tmp" config user.email "cpu-handoff@localhost"
	git -C "$tmp" config core.autocrlf false
	git -C "$tmp" config gc.auto 0
	git -C "$tmp" add -A -f .
	# A fixed identity and date make the base commit id the same on every
	# machine, so format-patch's base-commit: trailer means something.
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
		git -C "$tmp" commit -q -m "Linux $kver (Debian $(base_get BASE_DEBVERSION))"
	git -C "$tmp" tag base
	mv "$tmp" "$src"
}

# build_commit PARENT LIST: a commit = PARENT + the hooks in LIST (one
# per line, paths in this repository: patches/X.patch,
# testbed/patches/Y.patch), made in a scratch index; prints its id.
# What a hook changes in our new files (a later patch of the series
# changing a file an earlier one added) is left out here: our files are
# not in these commits, and fix_files() applies those parts to copies.
build_commit() {
	local parent=$1 list=$2 idx p msg info
	idx=$BUILD/.tree.index
	parent=$(git -C "$src" rev-parse "$parent^{commit}")
	GIT_INDEX_FILE=$idx git -C "$src" read-tree "$parent"
	while read -r p; do
		[ -n "$p" ] || continue
		[ -f "$REPO/$p" ] || die "$(dirname "$p")/series names $(basename "$p"), which does not exist"
		# shellcheck disable=SC2046
		if ! GIT_INDEX_FILE=$idx git -C "$src" apply --cached --whitespace=nowarn \
			$(sed 's/^/--exclude=/' "$ours") "$REPO/$p" 2>"$BUILD/.tree.err"; then
			cat "$BUILD/.tree.err" >&2
			die "$p does not apply to the base $(base_get BASE_DEBVERSION) (no fuzz is accepted)"
		fi
		info=$(git mailinfo /dev/null /dev/null <"$REPO/$p" 2>/dev/null | sed -n 's/^Subject: //p')
		msg=${info:-$p}
		parent=$(GIT_INDEX_FILE=$idx git -C "$src" write-tree |
			xargs -I{} env GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" \
				GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
				git -C "$src" commit-tree {} -p "$parent" -m "$msg")
	done <"$list"
	rm -f "$idx"
	echo "$parent"
}

# checkout_tree DIR COMMIT: move DIR to COMMIT touching only changed files.
checkout_tree() {
	local dir=$1 commit=$2
	if [ "$(git -C "$dir" rev-parse HEAD)" != "$commit" ]; then
		git -C "$dir" reset -q --hard "$commit"
	fi
}

# link_files DIR LIST: symlink our new files into DIR (LIST: "PATH SOURCE"
# per line, PATH in the kernel tree, SOURCE in this repository), and drop
# links that point into this repository but are no longer wanted.
link_files() {
	local dir=$1 list=$2 f s l
	while read -r f s; do
		[ -n "$f" ] || continue
		# The base's own version of this file: fix_files() writes it.
		grep -qxF "$f" "$fixed" 2>/dev/null && continue
		if [ -e "$dir/$f" ] && [ ! -L "$dir/$f" ]; then
			die "$f exists in the base: change upstream files through patches/, not by copying them"
		fi
		if [ "$(readlink "$dir/$f" 2>/dev/null)" != "$REPO/$s" ]; then
			mkdir -p "$(dirname "$dir/$f")"
			ln -sfn "$REPO/$s" "$dir/$f"
		fi
	done <"$list"
	for d in arch block drivers include init kernel lib mm Documentation tools; do
		[ -d "$dir/$d" ] || continue
		find "$dir/$d" -type l -lname "$REPO/*" -print
	done | while read -r l; do
		awk -v f="${l#"$dir"/}" '$1 == f { found = 1 } END { exit !found }' "$list" ||
			rm -f "$l"
	done
}

# our_fixups: the patches on our new files for build/linux, in order:
# where the base's API differs from the one our files are written for,
# bases/BASE.d/files.patch says how (a small patch on our files, kept
# visible in one place); then the test bed's hooks into them
# (testbed/files.patch, or bases/BASE.d/testbed/files.patch for this base;
# an empty one there: none), which make series never carries.
our_fixups() {
	base_fixup
	testbed_fixup
}

# base_fixup: bases/BASE.d/files.patch, if this base has one.
base_fixup() {
	[ ! -f "$REPO/bases/$BASE.d/files.patch" ] || echo "$REPO/bases/$BASE.d/files.patch"
}

# touched PATCH...: the paths the PATCHes change (their "+++ b/" lines).
touched() {
	sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$@"
}

# hooks_on_ours: the series' hooks that change our new files, in order,
# as paths in this repository.
hooks_on_ours() {
	local p
	while read -r p; do
		touched "$REPO/$p" | grep -qxFf "$ours" && echo "$REPO/$p"
	done <"$series_hooks"
	return 0
}

# testbed_fixup: the test bed's patch on our files, if any.
testbed_fixup() {
	local tb=$REPO/bases/$BASE.d/testbed/files.patch
	[ -f "$tb" ] || tb=$REPO/testbed/files.patch
	[ ! -s "$tb" ] || echo "$tb"
}

# fix_files DIR: the files our_fixups() and the series' hooks touch are
# copies in DIR, patched, rewritten only when their content changes.
fix_files() {
	local dir=$1 scratch=$BUILD/.tree.fixup f p
	[ -s "$fixed" ] || return 0
	rm -rf "$scratch" && mkdir -p "$scratch"
	while read -r f; do
		[ -f "$REPO/$f" ] || die "a patch on our files changes $f, which is not one of our files ($(our_fixups | tr '\n' ' '))"
		mkdir -p "$scratch/$(dirname "$f")"
		cp "$REPO/$f" "$scratch/$f"
	done <"$fixed"
	# In the order make series has them: bases/BASE.d/files.patch on our
	# files as the series introduces them, the series' later changes to
	# them (the parts of its hooks that touch our files), then the test
	# bed's hooks (testbed/files.patch) on the result.
	# GIT_CEILING_DIRECTORIES: git apply works on the scratch directory,
	# not in this repository.
	for p in $(base_fixup; cat "$hooks_ours"; testbed_fixup); do
		case $p in
		*/patches/*)
			# shellcheck disable=SC2046
			GIT_CEILING_DIRECTORIES=$BUILD git -C "$scratch" apply --whitespace=nowarn \
				$(sed 's/^/--include=/' "$ours") "$p" >"$BUILD/.tree.err" 2>&1 ;;
		*)
			patch -s -p1 -d "$scratch" --no-backup-if-mismatch -r - <"$p" >"$BUILD/.tree.err" 2>&1 ;;
		esac || {
			cat "$BUILD/.tree.err" >&2
			die "${p#"$REPO"/} does not apply to our files: refresh it"
		}
	done
	while read -r f; do
		if [ -L "$dir/$f" ] || ! cmp -s "$scratch/$f" "$dir/$f"; then
			rm -f "$dir/$f"
			cp "$scratch/$f" "$dir/$f"
		fi
	done <"$fixed"
	rm -rf "$scratch"
}

mkdir -p "$BUILD"
fixed=$BUILD/.tree.fixed
ours=$BUILD/.tree.ours
series_hooks=$BUILD/.tree.hooks.series
hooks_ours=$BUILD/.tree.hooks.ours
new_files >"$ours"
series_entries | while read -r p; do base_hook "" "$p"; done >"$series_hooks"
hooks_on_ours >"$hooks_ours"
{
	# shellcheck disable=SC2046
	[ -z "$(our_fixups)" ] || touched $(our_fixups)
	# shellcheck disable=SC2046
	[ ! -s "$hooks_ours" ] || touched $(cat "$hooks_ours") | grep -xFf "$ours"
} | sort -u >"$fixed"
verify_base
[ -d "$src/.git" ] && git -C "$src" rev-parse -q --verify base >/dev/null || {
	rm -rf "$src" "$BUILD/linux-base"
	make_base_repo
}

# The series (patches/, our new files) and the test bed (testbed/patches/,
# testbed/'s new files): build/linux gets both, build/linux-base the test
# bed only.
bed_hooks=$BUILD/.tree.hooks.testbed
all_files=$BUILD/.tree.files.all
base_files=$BUILD/.tree.files.base
testbed_entries | while read -r p; do base_hook testbed "$p"; done >"$bed_hooks"
new_files | awk '{ print $1, $1 }' >"$all_files"
new_files testbed | awk '{ print $1, "testbed/" $1 }' >"$base_files"
dup=$(awk '{ print $1 }' "$all_files" "$base_files" | sort | uniq -d | tr '\n' ' ')
[ -z "$dup" ] || die "in the series and in testbed/ both: $dup"
cat "$base_files" >>"$all_files"

series=$(build_commit base "$series_hooks")
patched=$(build_commit "$series" "$bed_hooks")
baseline=$(build_commit base "$bed_hooks")
git -C "$src" update-ref refs/handoff/series "$series"

checkout_tree "$src" "$patched"
if [ ! -d "$BUILD/linux-base/.git" ] && [ ! -f "$BUILD/linux-base/.git" ]; then
	rm -rf "$BUILD/linux-base"
	git -C "$src" worktree prune
	git -C "$src" worktree add -q --detach "$BUILD/linux-base" "$baseline"
fi
checkout_tree "$BUILD/linux-base" "$baseline"

link_files "$src" "$all_files"
fix_files "$src"
link_files "$BUILD/linux-base" "$base_files"
b=${BUILD#"$REPO"/}
echo "  TREE    Linux $kver: $b/linux ($(wc -l <"$series_hooks")+$(wc -l <"$bed_hooks") hooks," \
	"$(wc -l <"$all_files") new files, the series + testbed/)," \
	"$b/linux-base ($(wc -l <"$bed_hooks") hooks, $(wc -l <"$base_files") files, testbed/)" >&2
[ ! -s "$fixed" ] || echo "          $(grep -c . "$fixed") of our files changed in $b/linux by" \
	"$(our_fixups | sed "s|^$REPO/||" | tr '\n' ' ')" >&2
