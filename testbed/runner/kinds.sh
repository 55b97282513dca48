# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154 # sourced by run.sh: shares its variables
#
# kinds.sh - the kinds of scenario: what one run of each kind boots, does
# and checks (run.sh sources it; the keys each reads are in scenario.sh).

# hibernate_append CPUS SMT CYCLES DISK: the command line of a kernel that
# runs the guest's hibernation script (hibernate, cross and their kin):
# CYCLES images written with /sys/power/disk=DISK, the CPUs expected
# online and the payload checked after each resume.
hibernate_append() {
	echo "$(base_append "$1" "$2") ch.scenario=hibernate ch.cycles=$3 ch.disk=$4" \
	     "ch.expect=$(expected_online "$1" "$2") ch.payload=$(opt payload 16)" \
	     "ch.break=$(opt break none)"
}

# One scenario; returns 0 pass, 1 fail.  Sets RESULT_NOTE.
run_hibernate() {
	local tag=$1 cpus=$2 cycles=$3 smt=$4 k kernel log append t0 rc c m
	k=$(opt kernel "$default_kernel")
	kernel=$(kernel_of "$k") || return 1
	log=$out/$tag.log
	mkdisks "$tag" $((mem + 256))
	append="$(hibernate_append "$cpus" "$smt" "$cycles" reboot) resume=$SWAPDEV"
	append="$append ch.offline=$(opt offline "") ch.smttoggle=$(opt smttoggle 0)"
	append="$append ch.hotplug=$(opt hotplug 0) ch.where=$(opt where 0)"
	WHERE=""
	[ "$(opt where 0)" = 1 ] && WHERE=1
	# Only where the scenario says so may an offline CPU wait in the
	# trampoline's park loop (monitor.sh's where_watch).
	WHERE_PARKLOOP=""
	[ "$(waitin)" = parkloop ] && WHERE_PARKLOOP=1
	t0=$(date +%s.%N)
	# disk=reboot: the reset after the image is written boots the same
	# kernel, which restores it, so QEMU must not exit on reboot here.
	qemu_start "$log" "$kernel" "$append" "$cpus" "$SWAP" "$DATA"
	wait_for "$log" "CH: DONE|CH: FAIL|Kernel panic" "$TIMEOUT"
	rc=$?
	qemu_stop
	WALL=$(echo "$(date +%s.%N) - $t0" | bc)
	for c in $(seq 1 "$cycles"); do
		m=$(awk -v c="$c" '/CH: HIBERNATE cycle=/ { n++ } n == c' "$log" >"$log.c$c"
			restore_metrics "$log.c$c")
		rm -f "$log.c$c"
		metric "$c" "$k" "$k" "$m" NA
	done
	scan_bad "$log" || return 1
	[ $rc = 2 ] && {
		fail "$WAIT_WHY"
		return 1
	}
	[ "$(grep -c 'CH: BOOT' "$log")" = 1 ] || {
		fail "the guest booted afresh instead of resuming" \
			"(restore failed or the machine reset)"
		return 1
	}
	[ "$(grep -c 'CH: PASS cycle=' "$log")" = "$cycles" ] || {
		fail "only $(grep -c 'CH: PASS cycle=' "$log") of $cycles cycles passed"
		return 1
	}
	grep -q 'CH: DONE ok' "$log" || { fail "guest did not finish"; return 1; }
	[ -z "$(opt waitin "")" ] || wait_in "$log" "$(waitin)" || return 1
	return 0
}

# waitin: the scenario's waitin key, with native read as where this base's
# native_play_dead() waits under TCG, which has no cpuidle driver: in HLT
# on 7.x (MWAIT only through a cpuidle driver that plays dead), in MWAIT
# (TCG's pause) on 6.12, which tries CPUID's MWAIT first.  With the
# trampoline (trampoline-native), a CPU that would wait in HLT waits in
# the park loop's HLT instead (parkloop); one that would wait in MWAIT
# waits in this kernel's memory.
waitin() {
	case $(opt waitin "") in
	native) case $base_version in 6.*) echo mwait ;; *) echo hlt ;; esac ;;
	trampoline-native) case $base_version in 6.*) echo mwait ;; *) echo parkloop ;; esac ;;
	*) opt waitin "" ;;
	esac
}

# wait_in LOG hlt|mwait|parkloop: every offline CPU that where 1 read was
# halted (HLT) outside the park loop, or running (MWAIT, which TCG runs
# as a pause), or halted in the park loop's page.
wait_in() {
	local log=$1 how=$2 n want
	want=" HLT=1\$"
	[ "$how" = mwait ] && want=" HLT=0\$"
	[ "$how" = parkloop ] && want=" HLT=1 parkloop\$"
	n=$(grep -c '^MON: where ' "$log")
	[ "$n" -gt 0 ] || { fail "where 1 read no offline CPU"; return 1; }
	if grep '^MON: where ' "$log" | grep -qv "$want"; then
		fail "an offline CPU did not wait in $how:" \
			"$(grep '^MON: where ' "$log" | grep -v "$want" | head -1)"
		return 1
	fi
	RESULT_NOTE="$n offline CPU readings, all in $how"
}

# make_image LOG NAME KERNEL APPEND CPUS: run 0 of cross and its kin, the
# image kernel hibernates (disk=shutdown, or platform: ACPI S4) and QEMU
# exits.
make_image() {
	local log=$1 ki=$2 kimg=$3 append=$4 cpus=$5 rc
	echo "=== run 0: $ki makes the image" >>"$log"
	qemu_start "$log" "$kimg" "$append" "$cpus" "$SWAP" "$DATA" -no-reboot
	wait_for "$log" "CH: FAIL|Kernel panic|reboot: Power down" "$TIMEOUT"
	rc=$?
	qemu_stop
	# disk=platform: ACPI S4 turns the machine off without a last word;
	# QEMU exits (1) once the image is written.
	if [ $rc = 1 ] && [ "$(opt disk shutdown)" = platform ] &&
		grep -q 'PM: Image saving done' "$log" &&
		! grep -qE 'CH: FAIL|Kernel panic' "$log"; then
		return 0
	fi
	[ $rc = 0 ] && grep -q 'reboot: Power down' "$log" || {
		scan_bad "$log" || return 1
		fail "image kernel did not hibernate (rc $rc)"
		return 1
	}
}

# cross and nmi: image kernel hibernates (disk=shutdown, QEMU exits), then
# the restore kernel restores it in a new QEMU run, once per cycle.
# restore-fail: the restore kernel fails the restore on purpose after it
# stopped its CPUs; it must boot on with every CPU back.
run_cross() {
	local tag=$1 cpus=$2 cycles=$3 smt=$4 nmi=$5 failrestore=${6:-0} mce=${7:-0}
	local ki kr kimg krest log append t0 c rc m rappend tk
	ki=$(opt image "$default_kernel")
	kr=$(opt restore "$default_kernel")
	kimg=$(kernel_of "$ki") || return 1
	krest=$(kernel_of "$kr") || return 1
	log=$out/$tag.log
	mkdisks "$tag" $((mem + 256))
	append=$(hibernate_append "$cpus" "$smt" "$cycles" "$(opt disk shutdown)")
	[ "$nmi" -gt 0 ] && append="$append handoff_nmi_inject.resume=$nmi"
	[ "$mce" = 1 ] && append="$append handoff_nmi_inject.resume_hold_ms=$(opt hold 3000)"
	# thenkexec: the resumed image kernel kexecs once more at the end; its
	# kernel's "CH: BOOT" is then expected, after the "CH: KEXEC" line.
	tk=$(opt thenkexec "")
	if [ -n "$tk" ]; then
		kernel_of "$tk" >/dev/null || return 1
		append="$append ch.thenkexec=$tk"
	fi
	t0=$(date +%s.%N)
	make_image "$log" "$ki" "$kimg" "$append" "$cpus" || return 1
	for c in $(seq 1 "$cycles"); do
		echo "=== run $c: $kr restores the image" >>"$log"
		local mark
		mark=$(wc -l <"$log")
		[ "$mce" = 1 ] && MCE_CPU=$(opt mcecpu $((cpus / 2)))
		rappend="$(base_append "$cpus" "$smt") resume=$SWAPDEV ch.scenario=boot"
		rappend="$rappend ch.expect=$(expected_online "$cpus" "$smt")"
		[ "$failrestore" = 1 ] &&
			rappend="$rappend handoff_nmi_inject.fail_restore=$(opt at 1)"
		qemu_start "$log" "$krest" "$rappend" "$cpus" "$SWAP" "$DATA" -no-reboot
		mark=$((mark + 1))
		if [ "$c" = "$cycles" ] && [ -n "$tk" ]; then
			wait_for "$log" "CH: DONE|CH: FAIL|Kernel panic" "$TIMEOUT" "$mark"
		elif [ "$c" = "$cycles" ]; then
			wait_for "$log" "CH: DONE|CH: FAIL|CH: BOOT|Kernel panic" "$TIMEOUT" "$mark"
		else
			wait_for "$log" "CH: FAIL|CH: BOOT|Kernel panic|reboot: Power down" \
				"$TIMEOUT" "$mark"
		fi
		rc=$?
		sleep 0.5
		qemu_stop
		MCE_CPU=""
		tail -n +"$mark" "$log" >"$log.c$c"
		m=$(restore_metrics "$log.c$c")
		metric "$c" "$ki" "$kr" "$m" NA
		if [ "$failrestore" = 1 ]; then
			[ $rc = 0 ] || {
				rm -f "$log.c$c"
				scan_bad "$log" || return 1
				fail "$WAIT_WHY"
				return 1
			}
			wait_for "$log" "CH: DONE|CH: FAIL" 60 "$mark"
			qemu_stop
			tail -n +"$mark" "$log" >"$log.c$c"
			if ! grep -q 'failing this restore on purpose' "$log.c$c"; then
				rm -f "$log.c$c"
				fail "the restore kernel did not get to the injected failure"
				return 1
			fi
			grep -q 'Failed to load image, recovering' "$log.c$c" || {
				rm -f "$log.c$c"
				scan_bad "$log" || return 1
				fail "no 'recovering' after the failed restore"
				return 1
			}
			grep -q 'CH: DONE ok' "$log.c$c" || {
				rm -f "$log.c$c"
				scan_bad "$log" || return 1
				fail "the restore kernel did not boot on with all CPUs" \
					"after the failure"
				return 1
			}
			rm -f "$log.c$c"
			scan_bad "$log" || return 1
			WALL=$(echo "$(date +%s.%N) - $t0" | bc)
			return 0
		fi
		if sed '/CH: KEXEC step=/,$d' "$log.c$c" | grep -q 'CH: BOOT'; then
			rm -f "$log.c$c"
			scan_bad "$log" || return 1
			fail "cycle $c: $kr booted afresh instead of resuming the image" \
				"(restore failed or the machine reset)"
			return 1
		fi
		rm -f "$log.c$c"
		scan_bad "$log" || return 1
		[ $rc = 2 ] && {
			fail "cycle $c: $WAIT_WHY"
			return 1
		}
		grep -q "CH: PASS cycle=$c\$" "$log" || { fail "cycle $c did not pass"; return 1; }
	done
	WALL=$(echo "$(date +%s.%N) - $t0" | bc)
	grep -q 'CH: DONE ok' "$log" || { fail "guest did not finish"; return 1; }
	if [ -n "$tk" ]; then
		[ "$(sed '1,/CH: KEXEC step=0/d' "$log" | grep -c 'CH: BOOT')" = 1 ] &&
			grep -q 'CH: PASS step=1$' "$log" || {
			fail "the kexec after the resume did not boot $tk with every CPU"
			return 1
		}
	fi
	if [ "$nmi" -gt 0 ]; then
		grep -q 'handoff_nmi_inject: resume: sent' "$log" || {
			fail "no NMI was injected (kernel without CONFIG_HANDOFF_NMI_INJECT?)"
			return 1
		}
	fi
	if [ "$mce" = 1 ]; then
		mce_injected "$log" "$cycles" || return 1
	fi
	return 0
}

# mce_injected LOG N: N holds, MCES machine checks delivered in each while
# the APs were held parked, and the machine lived through every hold.
mce_injected() {
	local log=$1 n=$2 got
	got=$(grep -c 'MON: mce .*: delivered' "$log")
	[ "$got" = "$((n * ${MCES:-1}))" ] || {
		fail "$got of $((n * ${MCES:-1})) machine checks delivered" \
			"($(grep -m1 -a 'MON: mce' "$log" | cut -d: -f2- | cut -c1-100))"
		return 1
	}
	got=$(grep -c 'handoff_nmi_inject: [a-z]*: hold over' "$log")
	[ "$got" = "$n" ] || {
		fail "the machine lived through $got of $n holds"
		return 1
	}
}

# restore-bad: the image kernel hibernates; the image is then damaged or
# restored on a machine it does not match.  The restore kernel must refuse
# it (before it touches its CPUs) and boot on with the expected CPUs.
run_restore_bad() {
	local tag=$1 cpus=$2 smt=$3 ki kr kimg krest log append rc mark bad rmem=$mem
	ki=$(opt image "$default_kernel")
	kr=$(opt restore "$default_kernel")
	kimg=$(kernel_of "$ki") || return 1
	krest=$(kernel_of "$kr") || return 1
	bad=$(opt bad corrupt)
	log=$out/$tag.log
	mkdisks "$tag" $((mem + 256))
	append=$(hibernate_append "$cpus" "$smt" 1 shutdown)
	make_image "$log" "$ki" "$kimg" "$append" "$cpus" || return 1
	case $bad in
	corrupt)
		# 256 KiB of noise 1 MiB into the swap device: image data, past
		# the swap header and the first metadata pages.
		dd if=/dev/urandom of="$SWAP" bs=4096 seek=256 count=64 conv=notrunc status=none
		echo "=== the image is corrupted: 256 KiB at 1 MiB overwritten" >>"$log" ;;
	memsize)
		rmem=$((mem + 256))
		echo "=== restored with ${rmem} MiB instead of ${mem} MiB" >>"$log" ;;
	*) fail "unknown bad=$bad (corrupt or memsize)"; return 1 ;;
	esac
	echo "=== run 1: $kr restores the image" >>"$log"
	mark=$(($(wc -l <"$log") + 1))
	append="$(base_append "$cpus" "$smt") resume=$SWAPDEV ch.scenario=boot"
	append="$append ch.expect=$(expected_online "$cpus" "$smt")"
	local m=$mem
	mem=$rmem
	qemu_start "$log" "$krest" "$append" "$cpus" "$SWAP" "$DATA" -no-reboot
	mem=$m
	wait_for "$log" "CH: DONE|CH: FAIL|Kernel panic" "$TIMEOUT" "$mark"
	rc=$?
	qemu_stop
	scan_bad "$log" || return 1
	[ $rc = 2 ] && { fail "$WAIT_WHY"; return 1; }
	tail -n +"$mark" "$log" | grep -q 'CH: BOOT' || {
		fail "the restore kernel did not boot on (it resumed the bad image?)"
		return 1
	}
	REFUSED=$(tail -n +"$mark" "$log" | cut -d' ' -f2- |
		grep -m1 -E 'PM: .*(ismatch|nvalid|CRC|ailed|rror)')
	[ -n "$REFUSED" ] || { fail "no PM error: was the image refused at all?"; return 1; }
	echo "#   refused: $REFUSED"
	tail -n +"$mark" "$log" | grep -q 'CH: DONE ok' || {
		fail "the restore kernel booted on without the expected CPUs"
		return 1
	}
}

run_kexec() {
	local tag=$1 cpus=$2 cycles=$3 smt=$4 nmi=$5 mce=${6:-0} list first kernel log append rc s
	list=$(opt kernels "$default_kernel")
	first=${list%%,*}
	kernel=$(kernel_of "$first") || return 1
	for s in ${list//,/ }; do kernel_of "$s" >/dev/null || return 1; done
	log=$out/$tag.log
	mkdisks "$tag" 16
	append="$(base_append "$cpus" "$smt") ch.scenario=kexec ch.cycles=$cycles ch.kexec=$list"
	append="$append ch.expect=$(expected_online "$cpus" "$smt")"
	append="$append ch.payload=$(opt payload 16) ch.step=0"
	append="$append ch.nmi=$nmi ch.break=$(opt break none)"
	if [ "$mce" = 1 ]; then
		append="$append ch.hold=$(opt hold 3000)"
		MCE_CPU=$(opt mcecpu $((cpus / 2)))
	fi
	append="$append ch.offline=$(opt offline "") ch.smttoggle=$(opt smttoggle 0)"
	S3=""
	if [ "$(opt s3 0)" = 1 ]; then
		append="$append ch.s3=1"
		S3=1
	fi
	[ -n "$(opt once "")" ] &&
		append="$append $(opt once "") ch.once=$(opt once "" | tr ' ' ',')"
	[ -n "$(opt expect0 "")" ] && append="$append ch.expect0=$(opt expect0 "")"
	append="$append ch.client=$(opt client helper)"
	one_run "$log" "$kernel" "$append" "$cpus" -no-reboot
	rc=$?
	MCE_CPU=""
	S3=""
	# kexec_to_boot: host time from "CH: KEXEC" to the next kernel's first
	# line; in the user-space column, to its "CH: BOOT".  kexec_stop: the
	# outgoing kernel's machine_shutdown(), as the injector logs it.
	awk '/CH: KEXEC step=/ {
			t = $1; s = $0; sub(/.*step=/, "", s); sub(/ .*/, "", s); b = 0
			st = "NA"; next
		}
	     t && !b && /machine_shutdown\(\) took/ {
			for (i = 1; i <= NF; i++)
				if ($i == "took") st = sprintf("%.3f", $(i + 1) / 1000)
		}
	     t && !b && /Linux version/ { b = $1 - t }
	     t && b && /CH: BOOT/ {
			printf "%s %.3f %.3f %s\n", s + 1, b, $1 - t, st; t = 0
		}' "$log" |
		while read -r s d u st; do
			metric "$s" "$list" "$list" "NA NA NA NA NA $u" "$d" "$st"
		done
	[ $rc = 0 ] || return 1
	[ "$(grep -c 'CH: PASS step=' "$log")" = $((cycles + 1)) ] || {
		fail "$(grep -c 'CH: PASS step=' "$log") of $((cycles + 1))" \
			"kernels in the chain passed"
		return 1
	}
	grep -q 'CH: DONE ok' "$log" || { fail "chain did not finish"; return 1; }
	if [ "$nmi" -gt 0 ]; then
		[ "$(grep -c 'handoff_nmi_inject: boot: sent' "$log")" = "$cycles" ] ||
			{ fail "NMIs were not injected in every kexec'd kernel"; return 1; }
	fi
	if [ "$mce" = 1 ]; then
		mce_injected "$log" "$cycles" || return 1
	fi
	[ "$(opt s3 0)" = 1 ] && { s3_park_time "$log" || return 1; }
	[ -n "$(opt parkmax "")" ] && { park_time_max "$log" "$(opt parkmax "")" || return 1; }
	return 0
}

# park_time_max LOG MS: no handoff of the chain took longer than MS ms to
# park its CPUs.  The wait for one CPU is bounded by a second; before
# that bound read the TSC, it counted 10 us steps, and a step that also
# sends an NMI takes about 100 us under TCG: ten times the bound.
park_time_max() {
	local log=$1 ms=$2 us
	us=$(grep -a 'cpu_handoff: kexec: parked' "$log" |
		sed -n 's/.*; park \([0-9]*\) us.*/\1/p' | sort -n | tail -1)
	[ -n "$us" ] || { fail "no park times in the log"; return 1; }
	RESULT_NOTE="longest park $us us"
	if [ "$us" -gt $((ms * 1000)) ]; then
		fail "a kexec took $us us to park its CPUs, more than $ms ms"
		return 1
	fi
}

# s3_park_time LOG: the cold-booted kernel suspended to RAM before its
# kexec, the next one did not.  A handoff after S3 must not wait for
# offline CPUs that the suspend has reset (each such wait is a second
# with interrupts off): its park time must be within 2x of the one
# without S3, or under 100 ms, what TCG's own jitter reaches.
s3_park_time() {
	local log=$1 a b
	grep -q 'CH: S3 resumed' "$log" || { fail "the guest never resumed from S3"; return 1; }
	a=$(grep -a 'cpu_handoff: kexec: parked' "$log" | sed -n '1s/.*; park \([0-9]*\) us.*/\1/p')
	b=$(grep -a 'cpu_handoff: kexec: parked' "$log" | sed -n '2s/.*; park \([0-9]*\) us.*/\1/p')
	[ -n "$a" ] && [ -n "$b" ] || { fail "no park times in the log"; return 1; }
	RESULT_NOTE="park after S3 $a us, without S3 $b us"
	if [ "$a" -gt $((2 * b)) ] && [ "$a" -gt 100000 ]; then
		fail "a kexec after S3 parked in $a us, without S3 in $b us (more than 2x)"
		return 1
	fi
}

# kexec-panic: a device's ->shutdown panics during kexec (the injector's
# shutdown_panic=1), after kexec_in_progress is set and before the CPUs are
# stopped for the jump.  The kernel stops them for the panic and reboots
# after panic=5; while it waits, no AP may be in wait-for-SIPI (some BIOSes
# hang their SMI rendezvous on such CPUs, the reason INIT parking on
# shutdown was reverted: fbe1bf1e5ff1), and the machine must then come up
# again.  The host reads every vCPU from the QEMU monitor at "Rebooting in".
run_kexec_panic() {
	local tag=$1 cpus=$2 smt=$3 kernel log append mark regs c sipi="" parked
	kernel=$(kernel_of "$(opt kernel "$default_kernel")") || return 1
	log=$out/$tag.log
	mkdisks "$tag" 16
	append="$(base_append "$cpus" "$smt") panic=5 handoff_nmi_inject.shutdown_panic=1"
	append="$append ch.scenario=kexec ch.cycles=1 ch.kexec=$(opt kernel "$default_kernel")"
	append="$append ch.expect=$(expected_online "$cpus" "$smt") ch.payload=16 ch.step=0"
	append="$append ch.nmi=0 ch.break=none ch.offline= ch.smttoggle=0 ch.client=helper"
	qemu_start "$log" "$kernel" "$append" "$cpus" "$SWAP" "$DATA"
	wait_for "$log" "Rebooting in|CH: FAIL" "$TIMEOUT"
	if ! grep -q 'Rebooting in' "$log"; then
		qemu_stop
		scan_bad "$log" || return 1
		fail "no panic during kexec: $WAIT_WHY"
		return 1
	fi
	regs=$(qemu_monitor "info registers -a" | tr -d '\r')
	for c in $(seq 1 $((cpus - 1))); do
		echo "$regs" | awk -v c="CPU#$c" -v cpu="$c" '
			$1 == c { on = 1; next } /^CPU#/ { on = 0 }
			on && /^(RIP|EIP)=/ { rip = substr($1, 5) }
			on && /^CS =/ { base = $3 }
			END {
				r = tolower(rip); b = tolower(base)
				if (b ~ /^0*ffff0000$/ && r ~ /^0*fff0$/)
					print "MON: PANIC-SIPI cpu=" cpu " in wait-for-SIPI"
				else
					print "MON: panic cpu=" cpu " RIP=" rip
			}' >>"$log"
	done
	mark=$(grep -n 'Rebooting in' "$log" | head -1 | cut -d: -f1)
	wait_for "$log" "CH: BOOT|CH: FAIL" 120 "$mark"
	qemu_stop
	# Under QEMU/TCG an INIT to a halted vCPU waits until something wakes
	# it, so the monitor may show a CPU that was sent INIT still halted:
	# the kernel's own word that it parked CPUs for the panic counts too.
	parked=$(sed -n '/Kernel panic - not syncing/,/Rebooting in/p' "$log" |
		grep -m1 'cpu_handoff: kexec: parked')
	[ -z "$parked" ] || {
		fail "the panic parked CPUs before the reboot: ${parked#* }"
		return 1
	}
	sipi=$(grep -c 'MON: PANIC-SIPI' "$log")
	[ "$sipi" = 0 ] || {
		fail "$sipi AP(s) in wait-for-SIPI while the machine reboots" \
			"after a panic during kexec"
		return 1
	}
	grep -q 'MON: panic cpu=' "$log" || { fail "no monitor reading of the APs"; return 1; }
	tail -n +"$mark" "$log" | grep -q 'CH: BOOT' || {
		fail "the machine did not come back up after the panic: $WAIT_WHY"
		return 1
	}
	# The panic is the point: only what is not part of it is bad.
	grep -v -e 'Kernel panic - not syncing: handoff_nmi_inject' \
		-e 'end Kernel panic - not syncing: handoff_nmi_inject' "$log" >"$log.scan"
	scan_bad "$log.scan" || { rm -f "$log.scan"; return 1; }
	rm -f "$log.scan"
	return 0
}

run_boot() {
	local tag=$1 cpus=$2 smt=$3 kernel log append
	kernel=$(kernel_of "$(opt kernel "$default_kernel")") || return 1
	log=$out/$tag.log
	mkdisks "$tag" 16
	append="$(base_append "$cpus" "$smt") ch.scenario=boot"
	append="$append ch.expect=$(expected_online "$cpus" "$smt")"
	append="$append ch.break=$(opt break none)"
	one_run "$log" "$kernel" "$append" "$cpus" -no-reboot || return 1
	guest_done "$log"
}

# kselftest: run cpu_handoff_test in the guest, with swap for test_resume,
# and relay its TAP.
run_kselftest() {
	local tag=$1 cpus=$2 smt=$3 kernel log append ret=0
	kernel=$(kernel_of "$(opt kernel "$default_kernel")") || return 1
	log=$out/$tag.log
	mkdisks "$tag" $((mem + 256))
	append="$(base_append "$cpus" "$smt") resume=$SWAPDEV ch.scenario=kselftest"
	append="$append ch.expect=$(expected_online "$cpus" "$smt")"
	one_run "$log" "$kernel" "$append" "$cpus" -no-reboot || ret=1
	awk '/CH: KSELFTEST begin/ { on = 1; next } /CH: KSELFTEST end/ { on = 0 }
	     on { sub(/^[0-9.]+ /, ""); if ($0 !~ /^\[ *[0-9.]+\]/) print "#     " $0 }' "$log"
	[ $ret = 0 ] || return 1
	grep -q 'CH: KSELFTEST end rc=0' "$log" || {
		fail "cpu_handoff_test failed:" \
			"$(grep -m1 -E '^[0-9.]+ not ok' "$log" | cut -d' ' -f2-)"
		return 1
	}
	guest_done "$log"
}

# kaslr-abi: two kselftest boots with KASLR; the trampoline's diagnostics
# (fixed address, code checksum) must be equal while _text differs.
run_kaslr_abi() {
	local tag=$1 cpus=$2 smt=$3 i a b ta tb
	DEFAULT_KASLR=on
	for i in 1 2; do
		run_kselftest "$tag-$i" "$cpus" "$smt" >/dev/null || return 1
		mv "$out/$tag-$i.log" "$out/$tag.$i.log"
	done
	cat "$out/$tag.1.log" "$out/$tag.2.log" >"$out/$tag.log"
	a=$(grep -a -o 'trampoline vaddr=.*' "$out/$tag.1.log" | head -n1)
	b=$(grep -a -o 'trampoline vaddr=.*' "$out/$tag.2.log" | head -n1)
	ta=$(grep -a -o 'kernel _text=.*' "$out/$tag.1.log" | head -n1)
	tb=$(grep -a -o 'kernel _text=.*' "$out/$tag.2.log" | head -n1)
	echo "#   boot 1: $ta; $a"
	echo "#   boot 2: $tb; $b"
	[ -n "$a" ] && [ -n "$ta" ] || { fail "no trampoline or _text diagnostics"; return 1; }
	[ "$ta" != "$tb" ] || {
		fail "KASLR did not move the kernel: the check proves nothing"
		return 1
	}
	[ "$a" = "$b" ] || { fail "the trampoline changed with the kernel's layout"; return 1; }
}

# kexec-jump: jump to a trivial image with KEXEC_PRESERVE_CONTEXT and back,
# cycles times; the online CPUs and the payload must be as before.
run_kexec_jump() {
	local tag=$1 cpus=$2 cycles=$3 smt=$4 kernel log append
	kernel=$(kernel_of "$(opt kernel "$default_kernel")") || return 1
	log=$out/$tag.log
	mkdisks "$tag" 16
	append="$(base_append "$cpus" "$smt") ch.scenario=kexec-jump ch.cycles=$cycles"
	append="$append ch.expect=$(expected_online "$cpus" "$smt") ch.payload=$(opt payload 16)"
	append="$append ch.offline=$(opt offline "") ch.smttoggle=$(opt smttoggle 0)"
	append="$append ch.client=$(opt client helper)"
	one_run "$log" "$kernel" "$append" "$cpus" -no-reboot || return 1
	grep -q 'CH: PASS jump' "$log" || { fail "no return from the jump"; return 1; }
	if [ "$(opt client helper)" = upstream ] && ! grep -q 'CH: UPSTREAM-PASS' "$log"; then
		fail "upstream's test_kexec_jump.sh did not pass"
		return 1
	fi
	guest_done "$log"
}

# sipi-nmi: put one AP in wait-for-SIPI with INIT, NMI it, and read its
# state from the QEMU monitor at every step.  Tells whether this QEMU
# blocks NMI in wait-for-SIPI as the SDM says; passes either way as long
# as the guest survives, and reports the answer.
run_sipi_nmi() {
	local tag=$1 cpus=$2 k kernel log append rc step seen="" cpu st
	k=$(opt kernel "$default_kernel")
	kernel=$(kernel_of "$k") || return 1
	log=$out/$tag.log
	mkdisks "$tag" 16
	append="$(base_append "$cpus" on) ch.scenario=sipi-nmi ch.expect=$cpus"
	qemu_start "$log" "$kernel" "$append" "$cpus" "$SWAP" "$DATA" -no-reboot
	for step in offline init-sent nmi-sent online-again; do
		wait_for "$log" "CH: EXP $step|CH: EXP online-failed|CH: FAIL|CH: DONE" 120 || break
		grep -qE "CH: EXP $step" "$log" || break
		sleep 1
		cpu=$(grep -m1 -oE 'CH: EXP offline cpu=[0-9]+' "$log" | sed 's/.*=//')
		st=$(cpu_state "$cpu")
		[ -n "$st" ] || st="gone (QEMU exited: the machine reset)"
		echo "MON: after $step: $st" >>"$log"
		seen="$seen|$step: ${st#*: }"
	done
	wait_for "$log" "CH: DONE|CH: FAIL|Kernel panic" 120
	rc=$?
	qemu_stop
	SIPI_NMI=$(awk '
		/MON: after init-sent:/ {
			a = $0; sub(/.*init-sent: /, "", a); sub(/thread_id.*/, "", a)
		}
		/MON: after nmi-sent:/ {
			b = $0; sub(/.*nmi-sent: /, "", b); sub(/thread_id.*/, "", b)
		}
		END {
			if (a == "" || b == "") print "unknown (no monitor reading)"
			else if (a == b) print "blocked: the CPU stayed in wait-for-SIPI (" a ")"
			else print "delivered: wait-for-SIPI " a "-> after the NMI " b
		}' "$log")
	grep -q 'Triple fault' "$log.qemu"* 2>/dev/null &&
		SIPI_NMI="$SIPI_NMI; QEMU logged a triple fault"
	echo "#   NMI to a CPU in wait-for-SIPI: $SIPI_NMI"
	echo "$SIPI_NMI" >"$out/sipi-nmi.answer"
	# An experiment: it passes when it got an answer either way.
	case $SIPI_NMI in
	blocked*)
		scan_bad "$log" || return 1
		[ $rc = 2 ] && { fail "$WAIT_WHY"; return 1; }
		grep -q 'CH: DONE ok' "$log" || {
			fail "NMI blocked, but the CPU did not come back with INIT-SIPI-SIPI"
			return 1
		}
		return 0 ;;
	delivered*) return 0 ;;
	esac
	fail "no answer: $SIPI_NMI"
}

# emu_unsupported KIND: why this emulator cannot run KIND (with the
# scenario's keys), or nothing.  QEMU runs them all.
emu_unsupported() {
	return 1
}
