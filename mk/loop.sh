#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make loop: run scenarios of make check-full again and again, to count
# failures too rare for one run to see.  Not in make test.
#   LOOP="NAME ..."  the scenarios (default: the trampoline and release-word
#                    families the issue tracker counts); RUNS=25 rounds
# A round runs each scenario once (mk/check.sh ONLY=... with SET=full, or
# SET=backport for the backport, which builds no unpatched or debug
# kernel; on the default base check.sh first asks its sipi-nmi
# experiment, about 15 s, in the first round only).  Logs of every round in
# build/loop/rN/ (BASE=6.12: build/base-6.12/loop/); at the end, per
# scenario, "F failed of N" and the reason TAP gave for each failure, in
# build/loop/summary.md and on stdout.  0 failed of N bounds the rate
# below 3/N (the rule of three).
set -e
. "$(dirname "$0")/lib.sh"

OUT=${OUT:-$BUILD/loop}
RUNS=${RUNS:-25}
LOOP=${LOOP:-"hibernate-release-word-nosmt nmi-kexec-trampoline-chain
	hibernate-trampoline-nosmt kexec-trampoline-chain-20 cross-trampoline-by-trampoline
	restore-fail-trampoline hibernate-trampoline-nmi-into-switch
	kexec-trampoline-nmi-into-switch"}
rm -rf "$OUT"
mkdir -p "$OUT"
set +e
for r in $(seq 1 "$RUNS"); do
	ONLY="$LOOP" SET=${SET:-full} OUT="$OUT/r$r" "$REPO/mk/check.sh" >"$OUT/r$r.out" 2>&1
	grep -E '^(not )?ok [0-9]+ - ' "$OUT/r$r.out" | grep -v ' - experiment-' |
		sed "s/^/r$r /" >>"$OUT/all.tap"
	# The reason TAP gave, for failures: the line after each "not ok".
	awk -v r="r$r" '/^not ok / { n = $0; getline; print r, n, "--", $0 }' "$OUT/r$r.out" |
		grep -v ' - experiment-' >>"$OUT/failures.txt"
	echo "  LOOP    round $r of $RUNS: $(grep -c "^r$r ok" "$OUT/all.tap") passed," \
		"$(grep -c "^r$r not ok" "$OUT/all.tap") failed" >&2
	# The sipi-nmi experiment's answer does not change between rounds:
	# ask once (about 15 s a round).
	[ -n "${SIPI_NMI_ANSWER:-}" ] || [ ! -s "$OUT/r$r/experiment/sipi-nmi.answer" ] ||
		export SIPI_NMI_ANSWER="$(cat "$OUT/r$r/experiment/sipi-nmi.answer")"
done
{
	echo "# make loop, $(base_get BASE_KERNELVERSION), $(date -u +%Y-%m-%d), RUNS=$RUNS"
	echo
	echo "| scenario | failed | runs |"
	echo "|---|---:|---:|"
	for s in $LOOP; do
		n=$(grep -cE "^r[0-9]+ (not )?ok [0-9]+ - $s\$" "$OUT/all.tap")
		f=$(grep -cE "^r[0-9]+ not ok [0-9]+ - $s\$" "$OUT/all.tap")
		echo "| $s | $f | $n |"
		[ "$n" = "$RUNS" ] || echo "$s ran $n times of $RUNS" >>"$OUT/short.txt"
	done
	echo
	if [ -s "$OUT/short.txt" ]; then
		echo "Runs missing (a round's mk/check.sh output is in ${OUT#"$REPO"/}/rN.out):"
		echo
		sed 's/^/    /' "$OUT/short.txt"
		echo
	fi
	if [ -s "$OUT/failures.txt" ]; then
		echo "Failures, with the reason TAP gave (logs in ${OUT#"$REPO"/}/rN/):"
		echo
		sed 's/^/    /' "$OUT/failures.txt"
	else
		echo "No failure."
	fi
} | tee "$OUT/summary.md"
# A scenario that did not run every round (not found, or its round's
# check.sh stopped) counts nothing: fail, whatever the others did.
[ ! -s "$OUT/short.txt" ] && [ ! -s "$OUT/failures.txt" ]
