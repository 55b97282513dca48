#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# faultstable.sh DIR: the fault campaign's tables from DIR/tap and
# DIR/cells (written by mk/faults.sh): DIR/faults.csv, one row per run, and
# DIR/faults.md, survived of RUNS per case and how the others ended.
d=${1:?usage: faultstable.sh DIR}
[ -f "$d/tap" ] && [ -f "$d/cells" ] || { echo "faultstable: no $d/tap or $d/cells" >&2; exit 2; }

echo "cell,fault,where,parker,run,survived,shape,note" >"$d/faults.csv"
awk -v cells="$d/cells" '
	BEGIN {
		while ((getline l < cells) > 0) {
			split(l, a, "|"); gsub(/, /, " ", a[4])
			f[a[1]] = a[2]; w[a[1]] = a[3]; p[a[1]] = a[4]
		}
	}
	# CR4.MCE (bit 6) in the runner'"'"'s "MON: before mce" register line?
	function mce_cr4_set(file,   cmd, l, h, d) {
		cmd = "grep -m1 \"^MON: before mce\" " file
		l = ""
		cmd | getline l
		close(cmd)
		if (!match(l, /CR4=[0-9a-fA-F]+/)) return 0
		h = tolower(substr(l, RSTART + 4, RLENGTH - 4))
		if (length(h) < 2) return 0
		d = index("0123456789abcdef", substr(h, length(h) - 1, 1)) - 1
		return int(d / 4) % 2
	}
	function flush(   c, r, c0) {
		if (name == "") return
		c0 = name; sub(/-r[0-9]+$/, "", c0)
		shape = "survived"
		# A CPU parked with INIT that was not in wait-for-SIPI when the
		# machine check came (QEMU/TCG does not act on INIT sent to a
		# vCPU halted in HLT: it still had CR4.MCE set) shows nothing
		# about INIT parking, whatever happened next.
		if (f[c0] == "mce" && p[c0] ~ /INIT/ && lg != "" && mce_cr4_set(lg)) {
			shape = "not in wait-for-SIPI when injected (TCG: INIT in HLT not acted on)"
			ok = 0
		} else if (!ok) {
			# A run that died before anything was injected says nothing
			# about the park: an early boot failure of the incoming kernel
			# under host load, or no machine check sent.
			if (note ~ /IO-APIC \+ timer doesn.t work/ ||
			    (f[c0] == "mce" && lg != "" && system("grep -q \"^MON: before mce\" " lg) != 0))
				shape = "died before the injection (not the park)"
			else if (note ~ /machine-check shutdown/) shape = "machine-check shutdown (CR4.MCE clear)"
			else if (note ~ /triple fault/) shape = "triple fault"
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
	/^(ok|not ok) [0-9]+ - / {
		flush(); ok = ($1 == "ok"); name = $0
		sub(/^(ok|not ok) [0-9]+ - /, "", name); note = ""; lg = ""; next
	}
	/^#   wall .*, log / && name != "" { lg = $0; sub(/.*, log /, "", lg) }
	/^#   / && name != "" && note == "" && !/^#   wall / { note = $0; sub(/^#   /, "", note) }
	END { flush() }' "$d/tap" >>"$d/faults.csv"

{
	echo "| fault | injected during | parked by | survived | how the others ended |"
	echo "|---|---|---|---|---|"
	awk -F, 'NR > 1 {
			k = $2 "|" $3 "|" $4
			if (!(k in n)) order[++m] = k
			n[k]++; if ($6 == "yes") s[k]++; else sh[k, $7]++
			if (!($7 in shapes)) { shapes[$7] = 1; so[++ns] = $7 }
		}
		END {
			for (i = 1; i <= m; i++) {
				k = order[i]; split(k, a, "|"); t = ""
				for (j = 1; j <= ns; j++)
					if ((k, so[j]) in sh) t = t (t ? "; " : "") sh[k, so[j]] " " so[j]
				printf "| %s | %s | %s | %d of %d | %s |\n",
					(a[1] == "nmi" ? "3 NMIs per parked AP" : "machine check, one AP"),
					(a[2] == "restore" ? "image restore" : "kexec"), a[3], s[k], n[k], (t ? t : "-")
			}
		}' "$d/faults.csv"
} >"$d/faults.md"
cat "$d/faults.md"
