#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mk/benchbreak.sh DIR: where a kexec's time goes, per kernel and vCPU
# count, from the console logs of make bench (DIR/NN-kexec-K-N.log).
# Medians over the kexecs of each chain, in ms:
#   stop      machine_shutdown() without the park: stopping the CPUs and
#             what the kernel does anyway (the unpatched base has only this)
#   park      the series' park of every other CPU (its "park N us")
#   to line   host time from the jump to the next kernel's first line
#   to smp    that first line to "smp: Bringing up secondary CPUs"
#   smp       SMP bring-up, to "smp: Brought up"
#   to init   from there to "Run /init"
#   to user   from /init to the guest's "CH: BOOT" (user space)
# Not a pass/fail test: it says whether a difference is in the handoff
# (stop, park, smp) or in what follows it.
set -e
dir=${1:?usage: benchbreak.sh DIR}
printf '| vCPUs | kernel | kexecs | stop | park | to line | to smp | smp | to init | to user |\n'
printf '|---|---|---|---|---|---|---|---|---|---|\n'
for f in "$dir"/[0-9]*-kexec-*.log; do
	[ -f "$f" ] || continue
	b=$(basename "$f" .log)
	k=${b#*-kexec-}
	n=${k##*-}
	k=${k%-*}
	awk -v k="$k" -v n="$n" '
	function med(s,   a, c, i, j, t) {
		c = split(s, a, " ")
		if (c == 0) return "-"
		for (i = 1; i <= c; i++)
			for (j = i + 1; j <= c; j++)
				if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return sprintf("%.1f", c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2)
	}
	function val(w,   i) {
		for (i = 1; i <= NF; i++) if ($i == w) return $(i + 1)
		return ""
	}
	/CH: KEXEC step=/ { in_k = 1; park = 0; next }
	in_k && /cpu_handoff: kexec: parked/ { p = $0; sub(/.*; park /, "", p); sub(/ us.*/, "", p); park = p }
	function emit() { nk++; S = S " " (st - park) / 1000; P = P " " park / 1000; pend = 0 }
	in_k && /machine_shutdown\(\) took/ {
		st = val("took"); jump = $1; in_k = 0
		# make bench QUIET=1: the window'"'"'s lines come after it
		if (/console quiet/) pend = 1; else emit()
		next
	}
	pend && /in the quiet window: .*cpu_handoff: kexec: parked/ {
		p = $0; sub(/.*; park /, "", p); sub(/ us.*/, "", p); park = p; next
	}
	pend && !/in the quiet window/ { emit() }
	jump && /Linux version/ && !first { first = $1; L = L " " (first - jump) * 1000 }
	first && /smp: Bringing up secondary/ { s0 = $1; T = T " " (s0 - first) * 1000 }
	first && s0 && /smp: Brought up/ { s1 = $1; M = M " " (s1 - s0) * 1000 }
	first && s1 && /Run \/init/ { ri = $1; I = I " " (ri - s1) * 1000 }
	first && ri && /CH: BOOT/ { U = U " " ($1 - ri) * 1000; jump = first = s0 = s1 = ri = 0 }
	END {
		printf "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", n, k, nk,
			med(S), med(P), med(L), med(T), med(M), med(I), med(U)
	}' "$f"
done | sort -t'|' -k2,2n -k3,3
