#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tell what the CPUs did in each runner log of a results directory:
# mk/report.sh DIR
dir=${1:?usage: report.sh DIR}
for log in "$dir"/[0-9]*.log; do
	[ -f "$log" ] || continue
	echo "== $(basename "$log" .log)"
	awk '
	function t() { return sprintf("%7.2fs", ts - t0) }
	{ ts = $1 }
	!t0 && $1 ~ /^[0-9]+\.[0-9]+$/ { t0 = $1 }
	/^===/ { print; next }
	/CH: BOOT/ { sub(/.*CH: BOOT /, ""); print t() "  boot      " $0; next }
	/CH: HIBERNATE/ { sub(/.*CH: /, ""); print t() "  " $0; on = off = 0; next }
	/PM: hibernation: resume from hibernation/ { print t() "  restore kernel: found an image, loading it"; next }
	/Image loading done/ { print t() "  restore kernel: image loaded"; on = off = 0; next }
	/Booting Node|Booting SMP/ { on++ }
	/CPU [0-9]+ is now offline/ { off++ }
	/handoff_nmi_inject: cpu hotplug since PM prepare/ {
		s = $0; sub(/.*PM prepare: /, "", s)
		print t() "  hotplug before the handoff: " s
		next
	}
	/handoff_nmi_inject: resume: image kernel running/ { print t() "  image kernel running again after the jump"; next }
	/handoff_nmi_inject: (resume|boot): sent/ { s = $0; sub(/.*handoff_nmi_inject: /, "", s); print t() "  NMI injection: " s; next }
	/CH: (RESUMED|SETTLED)/ { sub(/.*CH: /, ""); print t() "  " $0; next }
	/cpu_handoff: (restore|kexec|kexec-jump|re-parked|resume)/ { s = $0; sub(/.*cpu_handoff: /, "", s); print t() "  handoff: " s; next }
	/failing this restore on purpose|Failed to load image, recovering/ { s = $0; sub(/^[0-9.]+ +\[ *[0-9.]+\] /, "", s); print t() "  " s; next }
	/CH: KEXEC/ { sub(/.*CH: /, ""); print t() "  " $0; next }
	/CH: (PASS|FAIL|DONE)/ { sub(/.*CH: /, ""); print t() "  " $0; next }
	/Kernel panic|BUG: |Oops/ { s = $0; sub(/^[0-9.]+ /, "", s); print t() "  !! " s }
	' "$log"
done
