# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154 # sourced by run.sh: shares its variables
#
# judge.sh - judging a run: what the scenario expects of the kernel log
# and of the run's outcome, and the TAP line that says how it went (run.sh
# sources it).

RESULT_NOTE=""

# fail TEXT...: the run failed, and TEXT says why (the TAP line's note).
fail() {
	RESULT_NOTE="$*"
	return 1
}

# judge RES LOG: the scenario's own expectations on top of the run's
# result RES (0 passed, 1 failed): every want line in the kernel log, no
# shun line, and failwith (the run must have failed, for that reason).
# Returns the judged result; RESULT_NOTE says why.
judge() {
	local res=$1 log=$2 line failwith
	for line in "${SHUNS[@]}"; do
		if [ "$res" = 0 ] && grep -qF -- "$line" "$log"; then
			fail "the kernel log has: $line"
			res=1
		fi
	done
	for line in "${WANTS[@]}"; do
		if [ "$res" = 0 ] && ! grep -qF -- "$line" "$log"; then
			fail "the kernel log lacks: $line"
			res=1
		fi
	done
	failwith=$(opt failwith "")
	if [ -n "$failwith" ]; then
		if [ "$res" = 0 ]; then
			RESULT_NOTE="passed, but should have failed with: $failwith"
			res=1
		elif printf '%s' "$RESULT_NOTE" | grep -qF -- "$failwith"; then
			RESULT_NOTE="failed as it should: $RESULT_NOTE"
			res=0
		else
			RESULT_NOTE="failed, but not with '$failwith': $RESULT_NOTE"
		fi
	fi
	return "$res"
}

# expectation: what this run of the scenario should do, in EXPECT: pass,
# fail (a self-test that must catch a broken check) or xfail (a known
# failure, TAP TODO), and in WHY the known failure.  A scenario that needs
# NMI blocked in wait-for-SIPI is a known failure under an emulator that
# the experiment found delivering it (README, "Does QEMU block NMI").
expectation() {
	EXPECT=$(opt expect pass)
	WHY=$(opt why "")
	if [ "$(opt needs "")" = nmi-blocked-in-wait-for-sipi ] &&
	   [ "$nmi_in_wfs" = delivered ]; then
		EXPECT=xfail
		WHY="this QEMU delivers NMI in wait-for-SIPI, against the SDM (see the experiment)"
	fi
}

# tap_line N NAME RES EXPECT: the scenario's TAP line and its notes, and
# the counts of the closing line.  EXPECT skip: not run here ($why_not).
tap_line() {
	local n=$1 name=$2 res=$3 expect=$4 ok=ok directive=""
	[ "$res" = 0 ] || ok="not ok"
	case $expect in
	skip)
		# Not run: the TAP line says why, and it counts as skipped.
		directive=" # SKIP $why_not"
		ok="ok"
		RESULT_NOTE=""
		nxfail=$((nxfail + 1)) ;;
	xfail)
		directive=" # TODO $WHY"
		nxfail=$((nxfail + 1)) ;;
	fail)
		if [ "$res" = 0 ]; then ok="not ok"; RESULT_NOTE="passed, but was expected to fail"
		else ok="ok"; RESULT_NOTE="failed as expected: $RESULT_NOTE"; fi ;;
	esac
	if [ -z "$directive" ]; then
		if [ "$ok" = ok ]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
	fi
	echo "$ok $n - $name$directive"
	[ -z "$RESULT_NOTE" ] || echo "#   $RESULT_NOTE"
}
