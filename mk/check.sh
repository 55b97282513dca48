#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: the runner's scenarios against the patched kernel and the
# unpatched base (7.3; 6.12 with BASE=6.12), plus self-tests that prove
# the runner fails when it should.  TAP on stdout; logs in build/check/.
#
# SET=core (make check, make test) runs every mechanism, client and
# kernel pairing once, with short chains; SET=full (make check-full)
# adds the 8- and 16-vCPU scenarios, long chains, the parameter
# variants that exercise the same code paths again, and the scenarios
# that can only be TODO here: the base's own known failures, and NMIs into
# CPUs in wait-for-SIPI, which this QEMU delivers against the SDM.
# SET=backport is the backport's share of make test.
# ONLY="NAME ..." runs just the scenarios with those names.  The sets
# are lists of names in sets/, the scenarios files in scenarios/ (the
# runner's scenario.sh says what their keys mean).
. "$(dirname "$0")/lib.sh"

T=$REPO/testbed/runner
# The patched and unpatched kernels the scenarios boot: the distro-shaped
# builds (config.distro: the options that bear on a handoff as Debian sets
# them), or with KERNELS=tiny the test kernels alone (tinyconfig and the
# test fragments: quicker to build while working).  The debug kernel is
# the tiny one with config.debug either way.  The backport's share of
# make test boots its tiny patched kernel (make check-backport), and so
# does a base with no distro configuration pinned (bases/BASE: DISTRO_*).
SET=${SET:-core}
if [ "$SET" = backport ] || [ -z "$(base_get DISTRO_PACKAGE)" ]; then
	KERNELS=${KERNELS:-tiny}
fi
case ${KERNELS:-distro} in
tiny) PDIR=patched BDIR=base ;;
distro) PDIR=distro BDIR=distro-base ;;
*) die "KERNELS=$KERNELS: use tiny or distro" ;;
esac
P=$BUILD/out/$PDIR/arch/x86/boot/bzImage
B=$BUILD/out/$BDIR/arch/x86/boot/bzImage
D=$BUILD/out/debug/arch/x86/boot/bzImage
OUT=${OUT:-$BUILD/check}
case $SET in
core | full | backport) ;;
*) die "SET=$SET: use core, full or backport" ;;
esac
RUN=("$T/run.sh" --accel "${ACCEL:-auto}" --accel-cache "$BUILD/.accel" --base "$BASE"
     --initrd "$BUILD/guest/initramfs.cpio" --kernel patched="$P")
[ "$SET" != full ] || RUN+=(--full)
[ "$SET" = backport ] || RUN+=(--kernel base="$B" --kernel debug="$D")
# Debian's kexec-tools for the kexec-tools client scenarios (make guest
# fetches it; without it those scenarios fail, saying so).
[ -f "$BUILD/guest/kexec-tools.cpio" ] &&
	RUN+=(--datafile kexec-tools="$BUILD/guest/kexec-tools.cpio")

rm -rf "$OUT" "$OUT.tap"
mkdir -p "$OUT"

# make check-kexec-jump: kexec jumps alone (sets/kexec-jump), REPS times
# each.  Not part of make check: 6.12's own kexec jump fails now and then
# under QEMU/TCG (a triple fault or a hang in the jump, with or without
# the series), so a single run cannot be a pass/fail test.  Compare the
# counts instead.
if [ "${1:-}" = kexec-jump ]; then
	mkdir -p "$OUT/scenarios"
	files=()
	set_list=$(set_names kexec-jump) || exit 1
	for i in $(seq 1 "${REPS:-8}"); do
		for s in $set_list; do
			cp "$T/scenarios/$s" "$OUT/scenarios/$s-$i"
			files+=("$OUT/scenarios/$s-$i")
		done
	done
	# A jump that hangs does so for good: do not wait the default 5 min.
	"${RUN[@]}" --timeout 30 --out "$OUT" "${files[@]}" | tee "$OUT.tap"
	awk '/^(ok|not ok) / { k = $0; sub(/^(ok|not ok) [0-9]+ - /, "", k); sub(/-[0-9]+$/, "", k)
			       t[k]++; if ($1 == "ok") p[k]++ }
	     END { for (k in t) printf "# %s: %d of %d passed\n", k, p[k], t[k] }' "$OUT.tap"
	exit 0
fi

# 1. Does this QEMU block NMI in wait-for-SIPI, as the SDM says?  The
#    scenarios that need it to (needs nmi-blocked-in-wait-for-sipi) are
#    TAP TODO where it does not.
rc=0 answer=""
# make loop asks once and passes the answer on (SIPI_NMI_ANSWER).
if [ -n "${SIPI_NMI_ANSWER:-}" ]; then
	answer=$SIPI_NMI_ANSWER
elif [ "$SET" != backport ]; then
	exp=$(set_names experiment) || exit 1
	# shellcheck disable=SC2086
	"${RUN[@]}" --out "$OUT/experiment" $exp | tee -a "$OUT.tap"
	rc=${PIPESTATUS[0]}
	answer=$(cat "$OUT/experiment/sipi-nmi.answer" 2>/dev/null)
fi
RUN+=(--nmi-in-wait-for-sipi "${answer%%:*}")

# 2. The set's scenarios (sets/SET; each a file in scenarios/).  Upstream's
#    own kexec jump selftest runs where the base has it (7.x; 6.12 does
#    not).
set_list=$(set_names "$SET") || exit 1
names=()
for s in $set_list; do
	[ "$s" != kexec-jump-upstream-selftest ] ||
		[ -f "$BUILD/linux/tools/testing/selftests/kexec/test_kexec_jump.c" ] || continue
	names+=("$s")
done
# ONLY="NAME ...": just these scenarios (for a quick look while working).
only "${names[@]}"
# A name of ONLY that is in no set's list here still runs, from its file
# (make loop names scenarios of any set); one with no file stops the run:
# nothing must pass by running nothing.
for w in ${ONLY:-}; do
	hit=0
	for s in "${SPECS[@]}"; do
		[ "$w" != "$s" ] && [ "$w" != "$(tap_name "$s")" ] || { hit=1; break; }
	done
	[ "$hit" = 0 ] || continue
	[ -f "$T/scenarios/$w" ] || die "ONLY: no scenario $w (testbed/runner/scenarios/)"
	echo "# $w is not in sets/$SET: run from its file" | tee -a "$OUT.tap"
	SPECS+=("$w")
done
set -- "${SPECS[@]}"
echo "# make check, SET=$SET, KERNELS=${KERNELS:-distro}: $# scenarios" | tee -a "$OUT.tap"

"${RUN[@]}" --out "$OUT" "$@" | tee -a "$OUT.tap"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
# The closing line CI reads; TODO (known failures) count as skipped.
awk '/^ok / && !/# TODO/ { p++ } /^not ok / && !/# TODO/ { f++ } /# TODO/ { s++ }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$OUT.tap"
exit "$rc"
