#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lint: what a maintainer would run on build/series/, which it
# writes first (mk/series.sh): signed off as you if git has your identity,
# else a draft (DRAFT=1, said on stdout and in build/lint/series.log), so
# that lint runs on a clean clone with no identity too.
#
#   1. git am of the whole series onto a fresh checkout of the pinned base;
#   2. scripts/checkpatch.pl --strict on every patch: no ERROR, no WARNING,
#      and every CHECK justified by a "check:" line of its MANIFEST patch;
#   3. every prefix of the series compiles (bisectable), with the test
#      kernel's config (the options appear as their patches add them):
#      LINT=full builds bzImage at every prefix (about 20 minutes, most of
#      it the three patches that touch widely included headers); the
#      default compiles, at every prefix, each C file the series adds or
#      changes, and the whole series is built as the test kernel anyway;
#   4. sparse (C=2) and W=1 on our new C files: no warning; the test bed's
#      (testbed/, not in the series) too, on top of the series;
#   5. scripts/kernel-doc on our new files and the test bed's: no warning;
#   6. make htmldocs for Documentation/arch/x86 (our page), and with
#      LINT=full the admin-guide too (kernel-parameters.txt is included
#      there as a literal block, so Sphinx does not parse our entry).
#      No warning from our text.
#   7. the runner's scenario files read cleanly, and sets and files match.
# Logs under build/lint/; the last line says what passed.
set -e
. "$(dirname "$0")/lib.sh"

# Debian's python3 (checkpatch's spdxcheck needs python3-ply and -git,
# htmldocs python3-sphinx), not one a user put first in PATH.
export PATH=/usr/bin:/bin:$PATH

series=$BUILD/series
L=$BUILD/lint
tree=$L/tree
out=$L/out
jobs=${JOBS:-$(nproc)}
fails=0

fail() {
	echo "not ok - $*"
	fails=$((fails + 1))
}
pass() {
	echo "ok - $*"
}

mkdir -p "$L"
# 0. The series, as you or as a draft.
if [ "${DRAFT:-0}" = 0 ] && ! identity; then
	echo "# no real identity to sign the series off ($ID_WHY): linting a draft (DRAFT=1)" |
		tee "$L/series.log"
	DRAFT=1
fi
DRAFT=${DRAFT:-0} "$REPO/mk/series.sh" >>"$L/series.log" 2>&1 || {
	sed 's/^/#   /' "$L/series.log"
	die "make series failed (see $L/series.log)"
}
sed 's/^ */# /' "$L/series.log" | grep -v '^# no real identity' || true
ls "$series"/*/0001-*.patch >/dev/null 2>&1 || die "no series in $series; run 'make series'"
# The configuration of the patched kernel make check boots (LINT_KERNEL:
# distro, the distro-shaped build, or patched, the tinyconfig one).
kdir=$BUILD/out/${LINT_KERNEL:-patched}
config=$kdir/.config
[ -f "$config" ] || die "$config is missing; build that kernel first (make lint does)"

# 1. git am onto a fresh base.
rm -rf "$tree"
git clone -q --shared --no-checkout "$BUILD/linux" "$tree"
git -C "$tree" checkout -q -B lint base
git -C "$tree" config user.name lint
git -C "$tree" config user.email lint@localhost
# Every series MANIFEST writes, in its order: a later one applies on top.
patches=$(for d in $(awk '/^series:/ && !seen[$2]++ { print $2 }' "$REPO/MANIFEST"); do
	ls "$series/$d"/[0-9][0-9][0-9][0-9]-*.patch | grep -v '/0000-cover-letter.patch$'
done)
n=$(echo "$patches" | wc -l)
# shellcheck disable=SC2086
if git -C "$tree" am -q --whitespace=error-all $patches >"$L/am.log" 2>&1; then
	if [ "$(git -C "$tree" rev-parse 'HEAD^{tree}')" = \
	     "$(git -C "$BUILD/series.git" rev-parse 'HEAD^{tree}')" ]; then
		pass "git am: $n patches apply to the base $(base_get BASE_DEBVERSION)"
	else
		fail "git am: the result differs from build/series.git"
	fi
else
	fail "git am: see $L/am.log"
	git -C "$tree" am --abort >/dev/null 2>&1 || true
	echo "lint: 0 of 1 checks passed (the series does not apply)"
	exit 1
fi

# 2. checkpatch.  MANIFEST's "check:" lines, per patch, in series order.
awk '/^patch:/ { n++ } /^[[:space:]]+check:/ { sub(/^[[:space:]]+check:[[:space:]]*/, ""); print n "\t" $0 }' \
	"$REPO/MANIFEST" >"$L/justified"
i=0
for p in $patches; do
	i=$((i + 1))
	name=$(basename "$p")
	log=$L/checkpatch-$i.log
	(cd "$tree" && perl scripts/checkpatch.pl --strict --no-summary --show-types "$p") >"$log" 2>&1 || true
	errors=$(grep -c '^ERROR:' "$log" || true)
	warnings=$(grep -c '^WARNING:' "$log" || true)
	unjustified=0
	while IFS= read -r c; do
		msg=${c#CHECK:}
		ok=0
		while IFS=$'\t' read -r pn why; do
			[ "$pn" = "$i" ] || continue
			pat=${why%%: *}
			case $msg in *"$pat"*) ok=1 ;; esac
		done <"$L/justified"
		[ "$ok" = 1 ] || { unjustified=$((unjustified + 1)); echo "  unjustified $c" >>"$log.unjustified"; }
	done < <(grep '^CHECK:' "$log" || true)
	checks=$(grep -c '^CHECK:' "$log" || true)
	if [ "$errors" = 0 ] && [ "$warnings" = 0 ] && [ "$unjustified" = 0 ]; then
		pass "checkpatch --strict $name ($checks CHECKs, all justified in MANIFEST)"
	else
		fail "checkpatch --strict $name: $errors errors, $warnings warnings, $unjustified unjustified CHECKs (see $log)"
		grep -A3 '^ERROR:\|^WARNING:' "$log" | sed 's/^/#   /' | head -20
		[ -f "$log.unjustified" ] && sed 's/^/#   /' "$log.unjustified" | head -10
	fi
	rm -f "$log.unjustified"
done

# 3. Every prefix builds.
mode=${LINT:-quick}
case $mode in
quick | full) ;;
*)
	echo "# LINT=$mode unknown (quick or full): using quick"
	mode=quick
	;;
esac
kmake() { make -s -C "$tree" O="$out" ARCH=x86_64 "$@"; }
mkdir -p "$out"
# quick: the objects of every C file the series adds or changes, but not
# one kbuild would skip with this prefix's config: a file listed only as
# obj-$(CONFIG_X) with X unset (its option may come with a later patch).
# Lists this cannot read (obj-y over several lines, $(BITS)) count as built.
configured() { # FILE.c
	local mk o syms c
	mk=$tree/$(dirname "$1")/Makefile
	o=$(basename "${1%.c}").o
	[ -f "$mk" ] || return 0
	syms=$(sed -n 's/^[[:space:]]*obj-\([^+:[:space:]]*\)[[:space:]]*[+:]\{0,1\}=.*[[:space:]]'"${o//./\\.}"'\([[:space:]].*\)\{0,1\}$/\1/p' "$mk")
	[ -n "$syms" ] || return 0
	for c in $syms; do
		case $c in
		y) return 0 ;;
		'$(CONFIG_'*')')
			c=${c#'$('}
			c=${c%')'}
			grep -qx "$c=y" "$out/.config" && return 0
			;;
		esac
	done
	return 1
}
touched=$(git -C "$tree" diff --name-only base lint -- '*.c' | grep -v '^tools/' || true)
i=0
for c in $(git -C "$tree" rev-list --reverse base..HEAD); do
	i=$((i + 1))
	git -C "$tree" checkout -q "$c"
	# Objects of files a later patch adds (left by a later step or an
	# earlier run) would satisfy kbuild without their source: drop them,
	# or a patch that uses a file before it exists would build.
	for f in $(git -C "$tree" diff --name-only --diff-filter=A "$c" lint -- '*.c' '*.S'); do
		rm -f "$out/${f%.*}.o" "$out/$(dirname "$f")/.$(basename "${f%.*}").o.cmd"
	done
	# A patch that changes nothing kbuild reads builds as its parent did.
	if ! git -C "$tree" diff --name-only "$c^" "$c" |
		grep -qvE '^(Documentation/|tools/|MAINTAINERS$)'; then
		pass "patch $i/$n changes only Documentation/, tools/ or MAINTAINERS: the build after patch $((i - 1)) stands"
		continue
	fi
	cp "$config" "$out/.config"
	log=$L/build-$i.log
	t0=$(date +%s)
	# The config at this prefix first: configured() reads it.
	if ! kmake olddefconfig >"$log" 2>&1; then
		fail "olddefconfig after patch $i/$n: see $log"
		continue
	fi
	if [ "$mode" = full ]; then
		what=bzImage
		targets=bzImage
	else
		targets=""
		for f in $touched; do
			[ -f "$tree/$f" ] && configured "$f" && targets="$targets ${f%.c}.o"
		done
		what="$(echo "$targets" | wc -w) of the $(echo "$touched" | wc -w) touched C files"
		# No target at all would make kbuild build the whole kernel.
		[ -n "$targets" ] || targets=prepare
	fi
	# A single target below a directory the arch Makefile adds at the top
	# (drivers-y += arch/x86/power/) matches two of kbuild's subdirs,
	# arch/x86 and arch/x86/power: both compile it, in parallel with -j,
	# and one's fixdep finds the other's .o.d gone.  Build those alone.
	serial=""
	parallel=""
	for o in $targets; do
		case $o in
		arch/x86/power/* | arch/x86/pci/* | arch/x86/lib/* | arch/x86/video/*) serial="$serial $o" ;;
		*) parallel="$parallel $o" ;;
		esac
	done
	# shellcheck disable=SC2086
	if kmake -j"$jobs" ${parallel:-prepare} >>"$log" 2>&1 &&
		{ [ -z "$serial" ] || kmake -j1 $serial >>"$log" 2>&1; }; then
		pass "$what build after patch $i/$n ($(git -C "$tree" log -1 --format=%s "$c" | cut -c1-60)), $(($(date +%s) - t0)) s"
	else
		fail "build after patch $i/$n: see $log"
		tail -n 5 "$log" | sed 's/^/#   /'
	fi
done

# The test bed (testbed/: the NMI injector) is not in the series, but its
# files are ours too: put it on top of the series, as mk/tree.sh does in
# build/linux, for sparse, W=1 and kernel-doc.
git -C "$tree" checkout -q -B lint-testbed lint
bed=$(new_files testbed)
bedok=1
for p in $(testbed_entries); do
	p=$(base_hook testbed "$p")
	[ -n "$p" ] || continue
	git -C "$tree" apply --index "$REPO/$p" >>"$L/testbed.log" 2>&1 || bedok=0
done
for f in $bed; do
	mkdir -p "$(dirname "$tree/$f")"
	cp "$REPO/testbed/$f" "$tree/$f"
	git -C "$tree" add -f "$f"
done
git -C "$tree" -c user.name=lint -c user.email=lint@localhost commit -q -m testbed
cp "$config" "$out/.config"
if [ "$bedok" = 0 ] || ! kmake olddefconfig >>"$L/testbed.log" 2>&1; then
	fail "testbed/ does not go on top of the series (see $L/testbed.log): sparse, W=1 and kernel-doc skip it"
	bed=""
fi

# Our new C files, as objects.
ours=$( (cd "$REPO" && new_files) ; for f in $bed; do echo "$f"; done)
objs=""
for f in $ours; do
	case $f in
	arch/*.c | kernel/*.c) objs="$objs ${f%.c}.o" ;;
	esac
done

# 4. sparse and W=1.
log=$L/sparse-w1.log
# shellcheck disable=SC2086
if kmake -j"$jobs" C=2 W=1 $objs >"$log" 2>&1; then
	pat=$(echo "$ours" | tr '\n' '|' | sed 's/|$//; s/\./\\./g')
	if grep -E "($pat)" "$log" | grep -qi 'warning\|error'; then
		fail "sparse (C=2) and W=1 on our files: see $log"
		grep -E "($pat)" "$log" | grep -i 'warning\|error' | sed 's/^/#   /' | head -10
	else
		pass "sparse (C=2) and W=1 on$objs: no warnings"
	fi
else
	fail "sparse/W=1 build failed: see $log"
fi

# 4b. What no emulator here runs, checked on the patched kernel's build:
# it is built with kernel IBT, FRED and noinstr validation
# (config.checks), and mk/kernel.sh fails on any objtool warning.
# A distro's own config may leave one of them off (Debian's 6.12 builds
# without FRED): then the checks read the debug kernel, which is built
# with config.checks on every base (make lint builds it too).
checks_miss() {
	miss=""
	for o in CONFIG_X86_KERNEL_IBT CONFIG_X86_FRED CONFIG_NOINSTR_VALIDATION; do
		grep -qx "$o=y" "$1/.config" 2>/dev/null || miss="$miss $o"
	done
}
k=$kdir
checks_miss "$k"
if [ -n "$miss" ] && [ "${LINT_KERNEL:-patched}" = distro ]; then
	echo "# the distro-shaped kernel is built without$miss (as the distro sets it): the build checks read the debug kernel"
	k=$BUILD/out/debug
	checks_miss "$k"
fi
if [ -n "$miss" ]; then
	fail "build checks: $(basename "$k") kernel is built without$miss"
elif [ ! -f "$k/vmlinux" ] || [ ! -f "$k/build.log" ]; then
	fail "build checks: no vmlinux or build.log in $k (make kernel)"
elif grep -q objtool "$k/build.log"; then
	fail "build checks: objtool warnings in $k/build.log"
	grep objtool "$k/build.log" | sed 's/^/#   /' | head -5
else
	# The way into the park loop turns CET off with a raw CR4 write: it
	# must carry no ENDBR, so that no indirect branch can land on it.
	first=$(objdump -d --no-show-raw-insn --disassemble=cpu_handoff_enter_trampoline \
		"$k/vmlinux" | awk '/^ *[0-9a-f]+:/ { print $2; exit }')
	case $first in
	cli) pass "build checks: IBT, FRED, noinstr validation, no objtool warnings; cpu_handoff_enter_trampoline has no ENDBR" ;;
	"") fail "build checks: cpu_handoff_enter_trampoline not found in $k/vmlinux" ;;
	*) fail "build checks: cpu_handoff_enter_trampoline starts with '$first', not cli (an ENDBR makes it an indirect-branch target)" ;;
	esac
fi

# 5. kernel-doc.
log=$L/kernel-doc.log
docs=""
for f in $ours; do
	case $f in *.c | *.h) docs="$docs $f" ;; esac
done
# shellcheck disable=SC2086
(cd "$tree" && perl scripts/kernel-doc -none -Wall $docs) >"$log" 2>&1 || true
if [ -s "$log" ]; then
	fail "kernel-doc -none -Wall: $(wc -l <"$log") lines (see $log)"
	head -n 5 "$log" | sed 's/^/#   /'
else
	pass "kernel-doc -none -Wall on$docs: clean"
fi

# 6. htmldocs for our page (and, full, the parameter list).
log=$L/htmldocs.log
dirs="arch/x86"
[ "$mode" = full ] && dirs="arch/x86 admin-guide"
if ! command -v sphinx-build >/dev/null; then
	fail "htmldocs: sphinx-build is missing (make lint-deps, as root)"
elif make -C "$tree" O="$L/docs" SPHINXDIRS="$dirs" htmldocs >"$log" 2>&1; then
	# Other pages warn about references outside SPHINXDIRS: only
	# warnings located in our text count.
	ourdoc='^[^ ]*(cpu-handoff\.rst|kernel-parameters\.(txt|rst))(:[0-9]*)?: (WARNING|ERROR|CRITICAL)'
	if grep -qE "$ourdoc" "$log"; then
		fail "htmldocs: warnings in our text (see $log)"
		grep -E "$ourdoc" "$log" | sed 's/^/#   /' | head
	elif [ ! -f "$L/docs/Documentation/output/arch/x86/cpu-handoff.html" ]; then
		fail "htmldocs: no cpu-handoff.html was written (see $log)"
	else
		pass "htmldocs ($dirs): no warnings from our text"
	fi
else
	fail "htmldocs failed: see $log"
	tail -n 5 "$log" | sed 's/^/#   /'
fi

# 7. The runner's scenarios: every file in scenarios/ reads cleanly (no
#    unknown key, none given twice, no known failure without its reason),
#    every name in a set has its file, and every file is in a set.
sc=$REPO/testbed/runner
log=$L/scenarios.log
: >"$log"
bad=0
for f in "$sc"/scenarios/*; do
	"$sc/run.sh" --validate "$f" >>"$log" 2>&1 || bad=1
done
for s in "$sc"/sets/*; do
	for n in $(set_names "$(basename "$s")"); do
		[ -f "$sc/scenarios/$n" ] ||
			{ echo "sets/$(basename "$s"): no scenario file $n" >>"$log"; bad=1; }
	done
done
for f in "$sc"/scenarios/*; do
	grep -qxF "$(basename "$f")" "$sc"/sets/* ||
		{ echo "scenarios/$(basename "$f") is in no set" >>"$log"; bad=1; }
done
if [ "$bad" = 0 ]; then
	pass "scenarios: $(ls "$sc/scenarios" | wc -l) files read cleanly, each in a set, every set's names there"
else
	fail "scenarios: see $log"
	grep -v 'scenarios read$' "$log" | sed 's/^/#   /' | head
fi

git -C "$tree" checkout -q -f lint
if [ "$fails" = 0 ]; then
	echo "lint: all checks passed"
else
	echo "lint: $fails checks failed"
	exit 1
fi
