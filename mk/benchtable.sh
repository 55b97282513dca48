#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Markdown benchmark tables from a runner metrics.csv: per vCPU count and
# kernel, min / median / max of the restore kernel's CPU stop time,
# image-loaded-to-resumed and resumed-to-user-space times; and of the time
# from reboot(KEXEC) to the next kernel's first line and user space; with
# the outgoing kernel's kexec stop-to-jump time (machine_shutdown(), logged
# by the test-only injector); with the speedup of the patched kernel over
# the unpatched base, BASE (ratio of medians).
csv=${1:?usage: benchtable.sh METRICS.CSV}
awk -F, -v u="${BASE:-unpatched}" '
function sortn(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t } }
function stat(s, fmt,   a, n) {
	n = split(s, a, " ")
	if (!n) return "-"
	sortn(a, n)
	return sprintf(fmt " / " fmt " / " fmt, a[1], med(a, n), a[n])
}
function med(a, n) { return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
function median(s,   a, n) { n = split(s, a, " "); if (!n) return ""; sortn(a, n); return med(a, n) }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
$col["kind"] == "kexec" && ($col["result"] == "pass" || $col["result"] == "fail") {
	k = $col["restore"]; c = $col["cpus"] + 0
	key = c SUBSEP k
	if (!(key in kseen)) { kseen[key] = 1; kcpus[c] = 1; kkern[k] = 1 }
	v = $col["kexec_to_boot_s"]; if (v != "NA") kboot[key] = kboot[key] " " v
	v = $col["resumed_to_user_s"]; if (v != "NA") kuser[key] = kuser[key] " " v
	if ("kexec_stop_ms" in col) { v = $col["kexec_stop_ms"]; if (v != "NA") kstop[key] = kstop[key] " " v }
	kn[key]++
	next
}
$col["kind"] == "cross" && ($col["result"] == "pass" || $col["result"] == "fail") {
	k = $col["restore"]; c = $col["cpus"] + 0
	key = c SUBSEP k
	if (!(key in seen)) { seen[key] = 1; cpus[c] = 1; kern[k] = 1 }
	v = $col["restore_cpu_stop_ms"]; if (v != "NA") stop[key] = stop[key] " " v
	v = $col["load_to_resumed_s"]; if (v != "NA") load[key] = load[key] " " v
	v = $col["resumed_to_user_s"]; if (v != "NA") user[key] = user[key] " " v
	if ($col["load_to_resumed_s"] != "NA" && v != "NA")
		total[key] = total[key] " " ($col["load_to_resumed_s"] + v)
	if ("repark_ms" in col) { v = $col["repark_ms"]; if (v != "NA") repark[key] = repark[key] " " v }
	n[key]++
}
END {
	nc = 0; for (c in cpus) nc++
	if (nc) print "| vCPUs | restore kernel | runs | restore-kernel CPU stop, ms (min / median / max) | image loaded -> image kernel running, s | image kernel running -> user space, s | image loaded -> user space, s | image kernel re-park, ms | CPU stop speedup vs " u " | to-user speedup vs " u " |"
	if (nc) print "|---|---|---|---|---|---|---|---|---|---|"
	nc = 0; for (c in cpus) list[++nc] = c + 0; sortn(list, nc)
	for (i = 1; i <= nc; i++) {
		c = list[i]
		for (k in kern) {
			key = c SUBSEP k
			if (!(key in seen)) continue
			sp = "-"
			if (k != "base" && ((c SUBSEP "base") in seen)) {
				b = median(stop[c SUBSEP "base"]); p = median(stop[key])
				if (b != "" && p != "" && p > 0) sp = sprintf("%.0fx", b / p)
			}
			tu = "-"
			if (k != "base" && ((c SUBSEP "base") in seen)) {
				b = median(total[c SUBSEP "base"]); p = median(total[key])
				if (b != "" && p != "" && p > 0) tu = sprintf("%.1fx", b / p)
			}
			printf "| %d | %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", c, (k == "base" ? u : k == "patched" ? "series, init" : "series, " k), n[key],
				stat(stop[key], "%.2f"), stat(load[key], "%.3f"), stat(user[key], "%.3f"),
				stat(total[key], "%.3f"), stat(repark[key], "%.1f"), sp, tu
		}
	}
	nc = 0; for (c in kcpus) klist[++nc] = c + 0; sortn(klist, nc)
	if (!nc) exit
	print ""
	print "| vCPUs | kernel | kexecs | stop-to-jump (machine_shutdown()), ms (min / median / max) | reboot(KEXEC) -> next kernel first line, s | -> next kernel user space, s | stop-to-jump speedup vs " u " |"
	print "|---|---|---|---|---|---|---|"
	for (i = 1; i <= nc; i++) {
		c = klist[i]
		for (k in kkern) {
			key = c SUBSEP k
			if (!(key in kseen)) continue
			sp = "-"
			if (k != "base" && ((c SUBSEP "base") in kseen)) {
				b = median(kstop[c SUBSEP "base"]); p = median(kstop[key])
				if (b != "" && p != "" && p > 0) sp = sprintf("%.1fx", b / p)
			}
			printf "| %d | %s | %d | %s | %s | %s | %s |\n", c, (k == "base" ? u : k == "patched" ? "series, init" : "series, " k), kn[key],
				stat(kstop[key], "%.2f"), stat(kboot[key], "%.3f"), stat(kuser[key], "%.3f"), sp
		}
	}
}' "$csv"
