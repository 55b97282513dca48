#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-bochs: the handoff scenarios with NMIs, under Bochs instead of
# QEMU.  Bochs models wait-for-SIPI as the SDM describes it (NMI blocked
# there), which QEMU's TCG does not, so here -- and only here -- the series'
# INIT parking can be shown to survive NMIs, next to 6.12's parking, which
# must not.  TAP on stdout, logs in build/check-bochs/, the same closing
# line as make check.  One boot of the test kernel takes minutes under
# Bochs: the whole set takes about an hour.
#
# BOCHS_JOBS=N runs N scenarios at a time (default 2: Bochs runs every
# emulated CPU on one host thread).  ONLY="NAME ..." as for make check.
# SUMMARY_ONLY=1 only rewrites the summary and bochs.md from the logs.
. "$(dirname "$0")/lib.sh"

T=$REPO/testbed/runner
P=$BUILD/out/bochs/arch/x86/boot/bzImage
B=$BUILD/out/bochs-base/arch/x86/boot/bzImage
OUT=${OUT:-$BUILD/check-bochs}
JOBS=${BOCHS_JOBS:-2}
[ -f "$P" ] && [ -f "$B" ] || die "no Bochs kernels; run 'make bochs-kernels'"
RUN=("$T/run.sh" --emu bochs --mem 256 --base "$BASE" --initrd "$BUILD/guest/initramfs.cpio"
     --kernel patched="$P" --kernel base="$B")

[ "${SUMMARY_ONLY:-0}" = 1 ] || { rm -rf "$OUT" "$OUT.tap"; mkdir -p "$OUT"; }

# The scenarios: sets/bochs.  The NMIs of an INIT-parked CPU: Bochs keeps
# one pending in wait-for-SIPI and delivers it right after the SIPI, at
# the first instruction of the incoming kernel's real-mode trampoline,
# through real-mode vector 2 (bochs.sh points it at a NOP; IRET stub and
# logs each CPU that takes it).  A CPU parked in the trampoline takes its
# NMIs there and keeps none.
names=$(set_names bochs) || exit 1
# shellcheck disable=SC2086
only $names
set -- "${SPECS[@]}"
echo "# make check-bochs: $# scenarios, $JOBS at a time"

rc=0
if [ "${SUMMARY_ONLY:-0}" != 1 ]; then
# run.sh runs its scenarios one after another; Bochs is single-threaded,
# so JOBS runners share the list, each with its own directory, and their
# TAP is merged in the list's order.
i=0
for s in "$@"; do
	echo "$s" >>"$OUT/.job$((i % JOBS))"
	i=$((i + 1))
done
pids=()
for j in $(seq 0 $((JOBS - 1))); do
	[ -f "$OUT/.job$j" ] || continue
	mapfile -t specs <"$OUT/.job$j"
	"${RUN[@]}" --out "$OUT/$j" "${specs[@]}" >"$OUT/$j.tap" 2>&1 &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
# Renumber the merged TAP in the list's order.
{
	echo "TAP version 13"
	echo "1..$#"
	n=0
	for k in $(seq 0 $(($# - 1))); do
		j=$((k % JOBS))
		m=$((k / JOBS + 1))
		n=$((n + 1))
		awk -v m="$m" -v n="$n" '
			/^(ok|not ok) [0-9]+ - / { on = ($0 ~ "^(ok|not ok) " m " - ") }
			/^# [0-9]+ passed/ { on = 0 }
			on && /^(ok|not ok) / { sub(/ [0-9]+ - /, " " n " - "); print; next }
			on { print }' "$OUT/$j.tap"
	done
} >"$OUT.tap"
fi
# Every scenario has its line, and none is "not ok".
grep -q "^not ok" "$OUT.tap" && rc=1
[ "$(grep -c -E '^(ok|not ok) ' "$OUT.tap")" = "$#" ] || rc=1
cat "$OUT.tap"
grep -h '^# emulator' "$OUT"/*.tap | head -n 1

# Where the NMIs went, per scenario: how many the incoming kernels sent
# into parked CPUs; how many CPUs took one through the BIOS's real-mode
# vector (the one NMI each kept pending in wait-for-SIPI, taken right
# after the SIPI, before the incoming kernel's trampoline loaded an IDT);
# how many the kernels' own handlers counted; whether a CPU died of one.
# Also as a markdown table, $OUT/bochs.md (results/bochs.md is a copy).
md=$OUT/bochs.md
{
	echo "| scenario | result | NMIs sent | taken in real mode after SIPI | taken by the kernels' handlers | a CPU died | wall s |"
	echo "|---|---|---|---|---|---|---|"
} >"$md"
echo "# where the NMIs went:"
n=0
for s in "$@"; do
	n=$((n + 1))
	name=$(tap_name "$s")
	j=$(((n - 1) % JOBS))
	log=$(ls "$OUT/$j"/[0-9][0-9]-"$name".log 2>/dev/null | head -n 1)
	res=$(grep -E "^(ok|not ok) $n - $name( |$)" "$OUT.tap" | sed 's/ [0-9]* - .*//')
	[ -n "$log" ] && [ -f "$log" ] || {
		echo "| $name | ${res:-not run} | | | | | |" >>"$md"
		continue
	}
	sent=$(grep -a -o 'sent [0-9]* NMI(s) to each of [0-9]* parked CPU(s)' "$log" |
		awk '{ n += $2 * $7 } END { print n + 0 }')
	bios=$(grep -a -c 'BOCHS: CPU[0-9]* took an NMI in real mode' "$log")
	counted=$(grep -a -o 'CH: NMIS .*' "$log" |
		awk '{ for (i = 4; i <= NF; i++) n += $i } END { print n + 0 }')
	died=$(grep -a -m1 'BOCHS: .*exception with no resolution' "$log" |
		sed 's/.*\[\(CPU[0-9]*\) *\].*/\1, triple fault/')
	# The injector logs its count after the last NMI: none if one killed.
	[ -n "$died" ] && [ "$sent" = 0 ] && sent="first one fatal"
	wall=$(grep -A3 -E "^(ok|not ok) [0-9]+ - $name( |$)" "$OUT/$j.tap" |
		sed -n 's/^#   wall \([0-9.]*\)s.*/\1/p' | head -n 1)
	echo "#   $name: sent $sent; taken in real mode after SIPI $bios;" \
		"by the kernels' handlers $counted${died:+; $died}"
	printf '| %s | %s | %s | %s | %s | %s | %.0f |\n' "$name" "$res" "$sent" "$bios" \
		"$counted" "${died:-no}" "${wall:-0}" >>"$md"
done
awk '/^ok / && !/# (TODO|SKIP)/ { p++ } /^not ok / && !/# (TODO|SKIP)/ { f++ } /# (TODO|SKIP)/ { s++ }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$OUT.tap"
exit "$rc"
