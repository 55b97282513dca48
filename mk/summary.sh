#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Turn a make check TAP file into results/check-summary.md (another base:
# check-summary-BASE.md), the record the
# cover letter quotes: mk/summary.sh [build/check.tap]
# Run it by hand after a full make check of the commit being recorded.
set -e
. "$(dirname "$0")/lib.sh"

tap=${1:-$BUILD/check.tap}
# The default base's run is the one the cover letter quotes; another
# base's goes beside it (results/check-summary-6.12.md).
if [ "$BASE" = "$DEFAULT_BASE" ]; then
	out=$REPO/results/check-summary.md
else
	out=$REPO/results/check-summary-$BASE.md
fi
[ -s "$tap" ] || die "no TAP file at $tap; run make check first"
grep -q '^[0-9]* passed, [0-9]* failed' "$tap" ||
	grep -q '^# [0-9]* passed' "$tap" || die "$tap is not a finished make check run"

commit=$(git -C "$REPO" rev-parse --short HEAD)
# Which kernels the run booted (mk/check.sh says; KERNELS= for a TAP file
# from before it did).
k=$(sed -n 's/^# make check, SET=[a-z]*, KERNELS=\([a-z]*\):.*/\1/p' "$tap" | head -n 1)
case ${k:-${KERNELS:-}} in
distro) kernels="distro-shaped kernels (config.distro as Debian sets it), the debug kernel on tinyconfig; uefi-* under OVMF, the rest under SeaBIOS" ;;
tiny) kernels="tinyconfig test kernels, under SeaBIOS (uefi-* under OVMF)" ;;
*) kernels="kernels not recorded" ;;
esac
dirty=$(git -C "$REPO" status --porcelain --untracked-files=no | grep -q . && echo " (with uncommitted changes)" || true)

# result NAME: pass, FAIL, TODO or "-" (not run)
result() {
	awk -v n="$1" '
		/^(ok|not ok) [0-9]+ - / {
			k = $0; sub(/^(ok|not ok) [0-9]+ - /, "", k); sub(/ # .*/, "", k)
			if (k != n) next
			if ($0 ~ /# TODO/) r = "TODO"; else if ($1 == "ok") r = "pass"; else r = "FAIL"
		}
		END { print r ? r : "-" }' "$tap"
}

counts=$(awk '/^ok / && !/# TODO/ { p++ } /^not ok / && !/# TODO/ { f++ } /# TODO/ { t++ }
	END { printf "%d passed, %d failed, %d known failures (TAP TODO)", p, f, t }' "$tap")

matrix() {
	local img
	echo "| image made by \\ restored by | $BASE | series, INIT | series, trampoline | series, release word |"
	echo "|---|---|---|---|---|"
	echo "| $BASE | $(result cross-$BASE-by-$BASE) | $(result cross-$BASE-by-patched) | $(result cross-$BASE-by-trampoline) | $(result cross-$BASE-by-release-word) |"
	for img in patched trampoline release-word; do
		case $img in
		patched) label="series, INIT" ;;
		trampoline) label="series, trampoline" ;;
		release-word) label="series, release word" ;;
		esac
		printf '| %s | %s |' "$label" "$(result "cross-$img-by-$BASE")"
		for r in patched trampoline release-word; do
			if [ "$r" = "$img" ]; then
				printf ' %s |' "$(result "cross-$img-by-$r")"
			else
				printf ' - |'
			fi
		done
		echo
	done
}

nmi() {
	echo "| NMIs into parked CPUs | parked by | taken over by | result |"
	echo "|---|---|---|---|"
	awk '/^(ok|not ok) [0-9]+ - nmi-/ {
		k = $0; sub(/^(ok|not ok) [0-9]+ - /, "", k); why = ""
		if (k ~ / # TODO /) { why = k; sub(/.* # TODO /, "", why); sub(/ # TODO .*/, "", k); r = "TODO: " why }
		else r = ($1 == "ok") ? "survived" : "FAIL"
		print "| " k " | | | " r " |" }' "$tap" |
	while IFS= read -r l; do
		name=$(echo "$l" | sed 's/^| \([^ ]*\) .*/\1/')
		case $name in
		nmi-kexec-*) rest=${name#nmi-kexec-} ;;
		*) rest=${name#nmi-} ;;
		esac
		case $name in
		# the restore kernel parks, the image kernel takes over
		*-restored-by-*) from=${rest#*-restored-by-}; by=${rest%%-restored-by-*} ;;
		*-to-*) by=${rest#*-to-}; from=${rest%%-to-*} ;;
		*-chain) by=${rest%-chain}; from=$by ;;
		*) by=?; from=? ;;
		esac
		echo "$l" | sed "s/| | |/| $from | $by |/"
	done
}

{
	echo "# make check on Linux $(base_get BASE_KERNELVERSION): the last run"
	echo
	echo "Commit $commit$dirty, base $(base_get BASE_PACKAGE) $(base_get BASE_DEBVERSION),"
	echo "$(date -u +%Y-%m-%d), QEMU/TCG on the project machine"
	echo "(2 cores), 4 vCPUs unless the name says otherwise; $kernels."
	echo "Made by"
	echo "\`mk/summary.sh\` from the TAP output; the cover letter quotes the"
	echo "part between the markers."
	echo
	echo "<!-- cover -->"
	echo "make check: $counts."
	echo
	echo "Hibernation image made by one kernel and restored by another (cross):"
	echo
	matrix
	echo
	echo "NMIs injected into the parked CPUs by the kernel that takes over:"
	echo
	nmi
	echo "<!-- /cover -->"
	echo
	echo "## Every scenario"
	echo
	echo "| # | scenario | result |"
	echo "|---|---|---|"
	awk '/^(ok|not ok) [0-9]+ - / {
		k = $0; sub(/^(ok|not ok) [0-9]+ - /, "", k)
		r = ($1 == "ok") ? "pass" : "FAIL"
		if (k ~ / # TODO /) { why = k; sub(/.* # TODO /, "", why); sub(/ # TODO .*/, "", k); r = "known failure: " why }
		n++; print "| " n " | " k " | " r " |" }' "$tap"
} >"$out"
note "SUMMARY $out: $counts"
