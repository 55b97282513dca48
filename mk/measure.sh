#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make measure: run the scenarios on a kernel at several vCPU counts and
# write a markdown table of what the restore kernel did and how long the
# handoff took.  KERNEL=base (default) or patched; CPU_LIST="4 16".
. "$(dirname "$0")/lib.sh"

T=$REPO/testbed/runner
K=${KERNEL:-base}
CPU_LIST=${CPU_LIST:-4 16}
CYCLES=${CYCLES:-3}
OUT=${OUT:-$BUILD/measure/$K}
rm -rf "$OUT"
mkdir -p "$OUT"
S=$OUT/scenarios
specs=()
for n in $CPU_LIST; do
	specs+=("$(scenario_file "$S" "hibernate-$n" "kind hibernate" "kernel $K" "cpus $n" "cycles $CYCLES")"
		"$(scenario_file "$S" "cross-$n" "kind cross" "image $K" "restore $K" "cpus $n" "cycles 1")"
		"$(scenario_file "$S" "kexec-$n" "kind kexec" "kernels $K" "cpus $n" "cycles $CYCLES")"
		"$(scenario_file "$S" "nmi-resume-$n" "kind nmi" "image $K" "restore $K" "cpus $n" "cycles 1")"
		"$(scenario_file "$S" "nmi-kexec-$n" "kind nmi-kexec" "kernels $K" "cpus $n" "cycles 1")")
done
"$T/run.sh" --accel "${ACCEL:-auto}" --accel-cache "$BUILD/.accel" --initrd "$BUILD/guest/initramfs.cpio" --out "$OUT" \
	--kernel "$K=$BUILD/out/$K/arch/x86/boot/bzImage" "${specs[@]}" | tee "$OUT/tap"
"$REPO/mk/table.sh" "$OUT/metrics.csv" "$OUT/tap" | tee "$OUT/table.md"
