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
# The outgoing and incoming kernels always differ: 6.12 and the series,
# or two boots of the series with different KASLR layouts.
# Writes build/faults/{tap,faults.csv,faults.md}.
. "$(dirname "$0")/lib.sh"

T=$REPO/tools/testing/selftests/cpu-handoff
OUT=${OUT:-$BUILD/faults}
RUNS=${RUNS:-20}
CPUS=${CPUS:-4}
FAULTS=${FAULTS:-nmi mce}
WHERE=${WHERE:-restore kexec}
rm -rf "$OUT"
mkdir -p "$OUT"

t=append=cpu_handoff=trampoline
# cell: WHERE|PARKER|spec without kind
cells=(
	"restore|6.12 (HLT)|image=patched:restore=base"
	"restore|series, INIT|image=base:restore=patched"
	"restore|series, trampoline|image=patched:restore=patched:$t"
	"kexec|6.12 (HLT)|kernels=base,patched"
	"kexec|series, INIT|kernels=patched,base"
	"kexec|series, trampoline|kernels=patched,base:$t"
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
		for r in $(seq -w 1 "$RUNS"); do
			specs+=("$kind:$s:cpus=$CPUS:cycles=1:hold=2000:name=$id-r$r")
		done
		echo "$id|$f|$w|$p" >>"$OUT/cells"
	done
done
"$T/run.sh" --accel "${ACCEL:-auto}" --accel-cache "$BUILD/.accel" \
	--initrd "$BUILD/guest/initramfs.cpio" --out "$OUT" \
	--kernel patched="$BUILD/out/patched/arch/x86/boot/bzImage" \
	--kernel base="$BUILD/out/base/arch/x86/boot/bzImage" "${specs[@]}" | tee "$OUT/tap"

# One row per run: the cell, survived or not, and the failure's shape.
echo "cell,fault,where,parker,run,survived,shape,note" >"$OUT/faults.csv"
awk -v cells="$OUT/cells" '
	BEGIN { FS = "|"; while ((getline l < cells) > 0) { split(l, a, "|"); f[a[1]] = a[2]; w[a[1]] = a[3]; p[a[1]] = a[4] } FS = " " }
	function flush() {
		if (name == "") return
		shape = "survived"
		if (!ok) {
			if (note ~ /machine-check shutdown/) shape = "machine-check shutdown (CR4.MCE clear)"
			else if (note ~ /triple fault/) shape = "triple fault (garbage execution)"
			else if (note ~ /[Mm]achine check|mce:/) shape = "a stale machine-check handler ran"
			else if (note ~ /^guest: /) shape = "kernel error on the console"
			else if (note ~ /timed out/) shape = "hang"
			else if (note ~ /afresh/) shape = "machine reset (fresh boot)"
			else shape = "other"
		}
		c = name; sub(/-r[0-9]+$/, "", c); r = name; sub(/.*-r/, "", r)
		gsub(/,/, ";", note); gsub(/"/, "", note)
		printf "%s,%s,%s,%s,%d,%s,%s,\"%s\"\n", c, f[c], w[c], p[c], r, ok ? "yes" : "no", shape, note
		name = ""
	}
	/^(ok|not ok) [0-9]+ - / { flush(); ok = ($1 == "ok"); name = $0; sub(/^(ok|not ok) [0-9]+ - /, "", name); note = ""; next }
	/^#   / && name != "" && note == "" && !/^#   wall / { note = $0; sub(/^#   /, "", note) }
	END { flush() }' "$OUT/tap" >>"$OUT/faults.csv"

# The table: survived of RUNS and the failure shapes, per cell.
{
	echo "| fault | injected during | parked by | survived | how the others ended |"
	echo "|---|---|---|---|---|"
	awk -F, 'NR > 1 {
			k = $2 "|" $3 "|" $4
			if (!(k in n)) order[++m] = k
			n[k]++; if ($6 == "yes") s[k]++; else sh[k, $7]++
			shapes[$7] = 1
		}
		END {
			for (i = 1; i <= m; i++) {
				k = order[i]; split(k, a, "|"); d = ""
				for (x in shapes) if ((k, x) in sh) d = d (d ? "; " : "") sh[k, x] " " x
				printf "| %s | %s | %s | %d of %d | %s |\n", (a[1] == "nmi" ? "NMI x3 per AP" : "machine check, one AP"),
					(a[2] == "restore" ? "image restore" : "kexec"), a[3], s[k], n[k], (d ? d : "-")
			}
		}' "$OUT/faults.csv"
} >"$OUT/faults.md"
cat "$OUT/faults.md"
