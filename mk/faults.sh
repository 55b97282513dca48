#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make faults: the fault-injection campaign.  Not a pass/fail test: it
# counts, for each way of parking, how many of RUNS handoffs survive an
# NMI or a machine check aimed at the parked CPUs, and how the others die.
#   RUNS=20  CPUS=4  FAULTS="nmi mce"  WHERE="restore kexec"
# restore: the image kernel, right after the jump, injects into the APs
# the restore kernel parked (NMIs from the kernel; the machine check from
# QEMU's monitor while the image kernel holds the APs parked).
# kexec: the same in the kexec'd kernel, before SMP bringup.
# The outgoing and incoming kernels always differ: the unpatched base and the series,
# or two boots of the series with different KASLR layouts.
# Writes build/faults/{tap,faults.csv,faults.md} (mk/faultstable.sh).
. "$(dirname "$0")/lib.sh"

T=$REPO/testbed/runner
OUT=${OUT:-$BUILD/faults}
RUNS=${RUNS:-20}
CPUS=${CPUS:-4}
FAULTS=${FAULTS:-nmi mce}
WHERE=${WHERE:-restore kexec}
rm -rf "$OUT"
mkdir -p "$OUT"

t=append=cpu_handoff=trampoline
# cell: WHERE|PARKER|the scenario's keys, as key=value words
cells=(
	"restore|$BASE (HLT)|image=patched restore=base"
	"restore|series, INIT|image=base restore=patched"
	"restore|series, trampoline|image=patched restore=patched $t"
	"kexec|$BASE (HLT)|kernels=base,patched"
	"kexec|series, INIT|kernels=patched,base"
	"kexec|series, trampoline|kernels=patched,base $t"
)
specs=()
for f in $FAULTS; do
	for cell in "${cells[@]}"; do
		IFS='|' read -r w p s <<<"$cell"
		case " $WHERE " in *" $w "*) ;; *) continue ;; esac
		case $f-$w in
		nmi-restore) kind=nmi ;;
		nmi-kexec) kind=nmi-kexec ;;
		mce-restore) kind=mce ;;
		mce-kexec) kind=mce-kexec ;;
		esac
		id=$(echo "$f-$w-$p" | tr -c 'a-z0-9.\n' '-' | tr -s '-')
		id=${id%-}
		keys=("kind $kind" "cpus $CPUS" "cycles 1" "hold 2000")
		for kv in $s; do
			keys+=("${kv%%=*} ${kv#*=}")
		done
		for r in $(seq -w 1 "$RUNS"); do
			specs+=("$(scenario_file "$OUT/scenarios" "$id-r$r" "${keys[@]}")")
		done
		echo "$id|$f|$w|$p" >>"$OUT/cells"
	done
done
"$T/run.sh" --accel "${ACCEL:-auto}" --accel-cache "$BUILD/.accel" \
	--initrd "$BUILD/guest/initramfs.cpio" --out "$OUT" \
	--kernel patched="$BUILD/out/patched/arch/x86/boot/bzImage" \
	--kernel base="$BUILD/out/base/arch/x86/boot/bzImage" "${specs[@]}" | tee "$OUT/tap"

"$REPO/mk/faultstable.sh" "$OUT"
