#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Markdown table from a runner metrics.csv (+ its TAP for the failure
# reasons): mk/table.sh METRICS.CSV [TAP]
csv=${1:?usage: table.sh METRICS.CSV [TAP]}
tap=${2:-/dev/null}
echo "| test | kernels (image/restore) | vCPUs | result | wall s | restore-kernel onlines / offlines | restore-kernel CPU stop ms (median) | image load done -> resumed kernel, s (median) | resumed -> user space, s (median) | kexec -> next kernel, s (median) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
awk -F, '
function med(s,   a, n, i, j, t) {
	n = split(s, a, " ")
	if (n == 0) return "-"
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (n % 2) ? a[(n + 1) / 2] : sprintf("%.3f", (a[n / 2] + a[n / 2 + 1]) / 2)
}
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	k = $1
	if (!(k in seen)) { order[++n] = k; seen[k] = 1 }
	kern[k] = ($3 == $4) ? $3 : $3 "/" $4; cpus[k] = $5; wall[k] = $7; res[k] = $col["result"]
	if ($8 != "NA") ops[k] = $8 " / " $9
	v = (("restore_cpu_stop_ms" in col) ? $col["restore_cpu_stop_ms"] : $col["restore_hotplug_ms"])
	if (v != "NA") hp[k] = hp[k] " " v
	if ($col["load_to_resumed_s"] != "NA") ld[k] = ld[k] " " $col["load_to_resumed_s"]
	if (("resumed_to_user_s" in col) && $col["resumed_to_user_s"] != "NA") us[k] = us[k] " " $col["resumed_to_user_s"]
	if ($col["kexec_to_boot_s"] != "NA") kx[k] = kx[k] " " $col["kexec_to_boot_s"]
}
END {
	for (i = 1; i <= n; i++) {
		k = order[i]
		printf "| %s | %s | %s | %s | %.1f | %s | %s | %s | %s | %s |\n", k, kern[k], cpus[k], res[k], wall[k],
			(k in ops) ? ops[k] : "-", med(hp[k]), med(ld[k]), med(us[k]), med(kx[k])
	}
}' "$csv"
echo
grep -A1 '^not ok' "$tap" | sed -n 's/^#   /- /p; s/^not ok [0-9]* - \(.*\)/- **\1** failed:/p'
