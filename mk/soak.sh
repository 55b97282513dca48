#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make soak: keep the handoff working for a long time.  Not in make test.
#   SOAK_CPUS=8  SOAK_CYCLES=100  SOAK_KEXECS=50
# For each method (INIT, and the trampoline): SOAK_CYCLES hibernate cycles
# with nosmt in one QEMU run, the payload checked after every resume, and
# a chain of SOAK_KEXECS kexecs, every kernel checking its CPUs and a fresh
# payload.  Then every handoff must have parked with the method asked for.
# TAP on stdout, logs and soak.md in build/soak/.
. "$(dirname "$0")/lib.sh"

T=$REPO/testbed/runner
OUT=${OUT:-$BUILD/soak}
N=${SOAK_CPUS:-8}
CYC=${SOAK_CYCLES:-100}
KX=${SOAK_KEXECS:-50}
rm -rf "$OUT"
mkdir -p "$OUT"

S=$OUT/scenarios
specs=()
for m in init trampoline; do
	specs+=("$(scenario_file "$S" "soak-hibernate-$m" "kind hibernate" "kernel patched" \
			"cpus $N" "cycles $CYC" "append cpu_handoff=$m")"
		"$(scenario_file "$S" "soak-kexec-$m" "kind kexec" "kernels patched" \
			"cpus $N" "cycles $KX" "append cpu_handoff=$m")")
done
"$T/run.sh" --accel "${ACCEL:-auto}" --accel-cache "$BUILD/.accel" \
	--initrd "$BUILD/guest/initramfs.cpio" --out "$OUT" \
	--kernel patched="$BUILD/out/patched/arch/x86/boot/bzImage" "${specs[@]}" | tee "$OUT/tap"
rc=${PIPESTATUS[0]}

# Count what the logs show, per scenario: handoffs asked for, handoffs that
# parked with the method, cycles or kernels that passed their checks.
{
	echo "| scenario | vCPUs | handoffs | parked with the method | passed checks (CPUs + payload) | failed | wall, min |"
	echo "|---|---|---|---|---|---|---|"
	for m in init trampoline; do
		for k in hibernate kexec; do
			log=$(ls "$OUT"/*-soak-$k-$m.log 2>/dev/null | head -n1)
			[ -f "$log" ] || continue
			if [ $k = hibernate ]; then
				want=$CYC
				parked=$(grep -c "cpu_handoff: restore: parked .* CPUs with $m " "$log")
				passed=$(grep -c 'CH: PASS cycle=' "$log")
			else
				want=$KX
				parked=$(grep -c "cpu_handoff: kexec: parked .* CPUs with $m" "$log")
				# the cold boot's check is not a handoff
				passed=$(($(grep -c 'CH: PASS step=' "$log") - 1))
			fi
			failed=$(grep -c 'CH: FAIL' "$log")
			wall=$(awk -F, -v t="soak-$k-$m" '$1 == t { w = $7 } END { printf "%.1f", w / 60 }' "$OUT/metrics.csv")
			echo "| $k, $m | $N | $want | $parked | $passed | $failed | $wall |"
			if [ "$parked" != "$want" ] || [ "$passed" != "$want" ]; then
				echo "soak: $k with $m: $parked parked and $passed passed of $want" >&2
				rc=1
			fi
		done
	done
} >"$OUT/soak.md"
cat "$OUT/soak.md"
[ "$rc" = 0 ] && echo "soak: all handoffs held" || echo "soak: FAILED"
exit "$rc"
