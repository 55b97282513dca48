#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Side by side, for every hibernate and kexec log of a results directory:
# what the outgoing kernel did with its CPUs, how long from "image loaded"
# (restore kernel) to user space running again (image kernel), and whether
# a CPU the user wants offline was ever seen online by the guest's watcher.
# mk/runsummary.sh DIR
dir=${1:?usage: runsummary.sh DIR}
printf '%-30s %-6s %-44s %10s  %s\n' scenario cycle "CPUs at the handoff" "to user" "offline CPU seen online"
for log in "$dir"/[0-9]*.log; do
	[ -f "$log" ] || continue
	name=$(basename "$log" .log)
	name=${name#[0-9][0-9]-}
	awk -v name="$name" '
	function out(c, what, ms, seen) {
		printf "%-30s %-6s %-44s %10s  %s\n", name, c, substr(what, 1, 44), ms, seen
	}
	{ ts = $1 }
	/CH: HIBERNATE cycle=/ { s = $0; sub(/.*cycle=/, "", s); cyc = s + 0; what = ""; loaded = 0 }
	/Image loading done/ { loaded = ts; hp = "" }
	/handoff_nmi_inject: cpu hotplug since PM prepare/ && loaded {
		s = $0; sub(/.*PM prepare: /, "", s); split(s, a, " ")
		hp = sprintf("%s onlined, %s offlined in %.1f ms", a[1], a[3], a[5] / 1000)
	}
	/cpu_handoff: restore: parked/ {
		s = $0; sub(/.*parked /, "parked ", s); sub(/ \(.*/, "", s)
		p = $0; sub(/.*park /, "", p); sub(/ us.*/, "", p)
		what = sprintf("%s in %.1f ms", s, p / 1000)
	}
	/CH: RESUMED cycle=/ {
		if (what == "")
			what = hp != "" ? hp : "?"
		ms = loaded ? sprintf("%.0f ms", (ts - loaded) * 1000) : "-"
		res = what; resms = ms
	}
	/CH: WATCH / {
		s = $0; sub(/.*violations=/, "", s)
		if (res != "") { out(cyc, res, resms, s + 0 ? "YES (" s " CPUs)" : "never"); res = "" }
	}
	/CH: KEXEC step=/ { s = $0; sub(/.*step=/, "", s); step = s + 0 }
	/cpu_handoff: kexec: parked/ { s = $0; sub(/.*parked /, "parked ", s); sub(/ never booted.*/, "", s); sub(/, [0-9]+$/, "", s); kx = s }
	/CH: BOOT kernel=.* step=[1-9]/ {
		s = $0; sub(/.*step=/, "", s); sub(/ .*/, "", s)
		out("kexec" s, kx != "" ? kx : "stopped in HLT (MWAIT kicked)", "-", "-")
		kx = ""
	}
	' "$log"
done
