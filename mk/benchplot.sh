#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# benchplot.sh METRICS.CSV OUTDIR: the cost-vs-CPUs picture.
# Writes OUTDIR/summary.csv (measure, kernel, vCPUs, runs, min, median,
# max) for the restore kernel's CPU stop time and the outgoing kernel's
# kexec stop-to-jump time (machine_shutdown()), and OUTDIR/cost-vs-cpus.svg
# (gnuplot): medians against vCPUs, min..max as error bars, log scales.
csv=${1:?usage: benchplot.sh METRICS.CSV OUTDIR}
out=${2:?usage: benchplot.sh METRICS.CSV OUTDIR}
mkdir -p "$out"
awk -F, '
function sortn(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t } }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; print "measure,kernel,cpus,runs,min,median,max"; next }
$col["result"] != "pass" && $col["result"] != "fail" { next }
{
	k = $col["restore"]; c = $col["cpus"] + 0
	if ($col["kind"] == "cross") { m = "restore_cpu_stop_ms"; v = $col["restore_cpu_stop_ms"] }
	else if ($col["kind"] == "kexec") { m = "kexec_stop_to_jump_ms"; v = $col["kexec_stop_ms"] }
	else next
	if (v == "NA" || v == "") next
	key = m SUBSEP k SUBSEP c
	vals[key] = vals[key] " " v
}
END {
	for (key in vals) {
		split(key, p, SUBSEP); n = split(vals[key], a, " "); sortn(a, n)
		med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		printf "%s,%s,%d,%d,%s,%s,%s\n", p[1], p[2], p[3], n, a[1], med, a[n] | "sort -t, -k1,1 -k2,2 -k3,3n"
	}
}' "$csv" >"$out/summary.csv"

command -v gnuplot >/dev/null || {
	echo "benchplot: gnuplot not found (Debian: apt-get install gnuplot-nox); no plot" >&2
	exit 0
}
# One data file per measure and kernel, for gnuplot.
for m in restore_cpu_stop_ms kexec_stop_to_jump_ms; do
	for k in base patched trampoline; do
		awk -F, -v m=$m -v k=$k '$1 == m && $2 == k { print $3, $6, $5, $7 }' \
			"$out/summary.csv" >"$out/.$m.$k.dat"
	done
done
cd "$out" || exit 1
gnuplot <<GP
set terminal svg size 1100,480 dynamic font "sans,12"
set output "cost-vs-cpus.svg"
set multiplot layout 1,2 title "CPU handoff cost vs vCPUs (QEMU/TCG, nosmt; median, min..max)"
set logscale xy
set xtics (2, 4, 8, 16, 32, 64)
set xrange [1.6:80]
set grid
set key top left
set xlabel "vCPUs"
set ylabel "ms"
set title "restore kernel: stop its CPUs before the jump"
plot ".restore_cpu_stop_ms.base.dat" using 1:2:3:4 with yerrorlines lw 2 title "${BASE:-unpatched}", \
     ".restore_cpu_stop_ms.patched.dat" using 1:2:3:4 with yerrorlines lw 2 title "series, INIT", \
     ".restore_cpu_stop_ms.trampoline.dat" using 1:2:3:4 with yerrorlines lw 2 title "series, trampoline"
set title "kexec: machine_shutdown() (stop CPUs) to the jump"
plot ".kexec_stop_to_jump_ms.base.dat" using 1:2:3:4 with yerrorlines lw 2 title "${BASE:-unpatched}", \
     ".kexec_stop_to_jump_ms.patched.dat" using 1:2:3:4 with yerrorlines lw 2 title "series, INIT", \
     ".kexec_stop_to_jump_ms.trampoline.dat" using 1:2:3:4 with yerrorlines lw 2 title "series, trampoline"
unset multiplot
GP
rm -f .*.dat
echo "benchplot: $out/summary.csv, $out/cost-vs-cpus.svg"
