#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: restore-kernel CPU handoff cost, patched vs unpatched 6.12,
# in the same run.  Not a pass/fail test.
#   CPU_LIST="4 16 64"  vCPU counts      REPS=3  restores per count
# Each count and kernel is one "cross" scenario: the kernel makes an image
# once and restores it REPS times, each restore in a fresh QEMU run.
# Writes build/bench/{metrics.csv,bench.md}.
. "$(dirname "$0")/lib.sh"

T=$REPO/tools/testing/selftests/cpu-handoff
CPU_LIST=${CPU_LIST:-4 16 64}
REPS=${REPS:-3}
OUT=${OUT:-$BUILD/bench}
rm -rf "$OUT"
mkdir -p "$OUT"
specs=()
for n in $CPU_LIST; do
	for k in base patched; do
		specs+=("cross:image=$k:restore=$k:cpus=$n:cycles=$REPS:name=$k-$n")
	done
done
mem=$((768 + 0))
"$T/run.sh" --accel "${ACCEL:-auto}" --accel-cache "$BUILD/.accel" --mem "$mem" \
	--timeout 900 --initrd "$BUILD/guest/initramfs.cpio" --out "$OUT" \
	--kernel patched="$BUILD/out/patched/arch/x86/boot/bzImage" \
	--kernel base="$BUILD/out/base/arch/x86/boot/bzImage" "${specs[@]}" | tee "$OUT/tap"
"$REPO/mk/benchtable.sh" "$OUT/metrics.csv" | tee "$OUT/bench.md"
