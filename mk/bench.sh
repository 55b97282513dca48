#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: CPU handoff cost, the series (INIT, and the trampoline) vs
# the unpatched base (BASE: 7.3, or 6.12), in the same run.
# Not a pass/fail test.
#   CPU_LIST="2 4 8 16 32 64"  vCPU counts   REPS=3  repetitions per count
#   BENCH="restore kexec"  what to measure
#   KERNELS="base patched trampoline"  which (nohold: the patched kernel
#                without its hold, handoff_nmi_inject.no_hold=1)
#   QUIET=1      the console at the quiet loglevel (as distributions
#                boot) from syscore_shutdown() to the jump: stop-to-jump
#                then leaves out the serial port's time for the lines
#                printed in it (7.3's and the series'), which at loglevel
#                7 is part of it (handoff_nmi_inject.quiet_kexec=1)
#   SILENCE=300  give a run up after this many seconds without console
#                output (a stalled boot; its cycles are then missing)
# restore: one "cross" scenario per count and kernel: the kernel makes an
# image once and restores it REPS times, each in a fresh QEMU run.
# kexec: one chain of REPS kexecs per count and kernel.
# Writes build/bench/: metrics.csv (every run), bench.md (min / median /
# max tables), summary.csv and cost-vs-cpus.svg (mk/benchplot.sh).
. "$(dirname "$0")/lib.sh"

T=$REPO/testbed/runner
CPU_LIST=${CPU_LIST:-2 4 8 16 32 64}
REPS=${REPS:-3}
OUT=${OUT:-$BUILD/bench}
rm -rf "$OUT"
mkdir -p "$OUT"
BENCH=${BENCH:-restore kexec}
KERNELS=${KERNELS:-base patched trampoline}
specs=()
for b in $BENCH; do
	for n in $CPU_LIST; do
		for k in $KERNELS; do
			# "trampoline" is the patched kernel told to use it;
			# "nohold", the patched kernel whose restore takes its
			# CPUs offline instead of holding them (the series
			# without its hold patch, through the test bed)
			ap=""
			[ $k = trampoline ] && ap="cpu_handoff=trampoline"
			[ $k = nohold ] && ap="handoff_nmi_inject.no_hold=1"
			[ "${QUIET:-0}" = 1 ] && ap="${ap:+$ap }handoff_nmi_inject.quiet_kexec=1"
			a=()
			[ -n "$ap" ] && a=("append $ap")
			case $b in
			restore) specs+=("$(scenario_file "$OUT/scenarios" "restore-$k-$n" "kind cross" \
				"image $k" "restore $k" "cpus $n" "cycles $REPS" "${a[@]}")") ;;
			kexec) specs+=("$(scenario_file "$OUT/scenarios" "kexec-$k-$n" "kind kexec" \
				"kernels $k" "cpus $n" "cycles $REPS" "${a[@]}")") ;;
			esac
		done
	done
done
mem=$((768 + 0))
"$T/run.sh" --accel "${ACCEL:-auto}" --accel-cache "$BUILD/.accel" --mem "$mem" \
	--timeout 900 --silence "${SILENCE:-300}" --initrd "$BUILD/guest/initramfs.cpio" --out "$OUT" \
	--kernel patched="$BUILD/out/patched/arch/x86/boot/bzImage" \
	--kernel trampoline="$BUILD/out/patched/arch/x86/boot/bzImage" \
	--kernel nohold="$BUILD/out/patched/arch/x86/boot/bzImage" \
	--kernel base="$BUILD/out/base/arch/x86/boot/bzImage" "${specs[@]}" | tee "$OUT/tap"
"$REPO/mk/benchtable.sh" "$OUT/metrics.csv" | tee "$OUT/bench.md"
"$REPO/mk/benchplot.sh" "$OUT/metrics.csv" "$OUT"
echo
echo "Where a kexec's time goes (medians, ms; mk/benchbreak.sh):"
"$REPO/mk/benchbreak.sh" "$OUT" | tee "$OUT/breakdown.md"
