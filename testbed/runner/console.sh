# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154 # sourced by run.sh: shares its variables
#
# console.sh - watching a guest's serial console: waiting for a line, the
# lines that mean a kernel went wrong, and the timings the console shows
# (run.sh sources it).

# wait_for LOG PATTERN TIMEOUT [FROM]: until PATTERN (ERE) appears in LOG
# at or after line FROM, QEMU exits, or time runs out: TIMEOUT seconds, or
# --silence seconds without a new byte in LOG.  Returns 0 found, 1 exited,
# 2 timed out, and then says which in WAIT_WHY.
wait_for() {
	local log=$1 pat=$2 t=$3 from=${4:-1} end size last quiet
	end=$((SECONDS + t))
	last=-1
	quiet=$SECONDS
	WAIT_WHY="timed out after ${t}s"
	while [ $SECONDS -lt $end ]; do
		tail -n +"$from" "$log" 2>/dev/null | grep -qE -- "$pat" && return 0
		if ! kill -0 "$QPID" 2>/dev/null; then
			sleep 0.2
			tail -n +"$from" "$log" 2>/dev/null | grep -qE -- "$pat" && return 0
			WAIT_WHY="$EMU_NAME exited"
			return 1
		fi
		if [ "$silence" -gt 0 ]; then
			size=$(stat -c %s "$log" 2>/dev/null || echo 0)
			if [ "$size" != "$last" ]; then
				last=$size
				quiet=$SECONDS
			elif [ $((SECONDS - quiet)) -ge "$silence" ]; then
				WAIT_WHY="no console output for ${silence}s"
				hang_report "$log"
				WAIT_WHY="$WAIT_WHY ($HANG_LAST; vCPUs ${HANG_CPUS:-unknown})"
				return 2
			fi
		fi
		sleep 0.2
	done
	hang_report "$log"
	WAIT_WHY="$WAIT_WHY ($HANG_LAST; vCPUs ${HANG_CPUS:-unknown})"
	return 2
}

# Lines that mean the guest kernel went wrong, whatever the scenario.
BAD='Kernel panic|BUG: |Oops|general protection|double fault|Triple fault|CH: FAIL'
BAD="$BAD|PANIC:|invalid opcode|Unable to handle"
# Splats are failures too, in any kernel of the run: warnings, lockdep,
# sleeping in atomic context, RCU stalls, hung tasks, the hotplug count
# going below zero, a CPU that never left mwait_play_dead().
BAD="$BAD|WARNING: |possible (circular|recursive) locking|inconsistent lock state"
BAD="$BAD|suspicious RCU usage|sleeping function called from invalid context"
BAD="$BAD|self-detected stall|detected stalls? on CPU|rcu: INFO: |INFO: task .* blocked"
BAD="$BAD|Unbalanced cpu hotplug|stuck in mwait_play_dead|scheduling while atomic"
BAD="$BAD|DEBUG_LOCKS_WARN_ON|list_add corruption|list_del corruption|ODEBUG: "
# A CPU the handoff could not park or take back, and a thaw that could not
# bring one back: each leaves a CPU where it should not be.
BAD="$BAD|cpu_handoff: .*, [1-9][0-9]* failed|re-parking CPU [0-9]+ failed"
BAD="$BAD|Error taking CPU[0-9]+ up"
# where 1: an offline CPU found, between handoffs, somewhere it must not be.
BAD="$BAD|MON: WHERE-BAD"

# Look for kernel trouble in LOG; fail with the first bad line, or with
# the triple fault QEMU logged (a CPU that ran garbage resets the machine
# without a word on the console).
scan_bad() {
	local line
	# QEMU's word for a machine check a CPU could not take (CR4.MCE
	# clear, as after INIT): the machine shut down cleanly, nothing ran.
	line=$(grep -m1 -a 'MON: mce .*raising triple fault' "$1")
	[ -z "$line" ] || {
		fail "machine-check shutdown: ${line#*: }"
		return 1
	}
	# A guest reboot can end in deliberate triple faults (x86 Linux tries
	# reset methods in a loop, the last being a triple fault, and TCG may
	# run a few rounds before the reset lands), so where the guest
	# rebooted on purpose (hibernate's disk=reboot) the faults say
	# nothing; an unplanned reset shows there as an unexpected fresh boot.
	# Under Bochs an unplanned triple fault is named first: what the
	# outgoing kernel printed before it is a symptom of the emulator's
	# pace (6.12's "stuck in mwait_play_dead()"), not the cause.
	local tf rs
	tf=$(cat "$1".qemu* 2>/dev/null | grep -c 'Triple fault')
	rs=$(grep -c 'reboot: machine restart' "$1")
	if [ "$rs" = 0 ] && [ "$tf" -gt 0 ] && [ "$EMU_NAME" = Bochs ]; then
		triple_fault "$1"
		return 1
	fi
	# parkmax, failok 1: the scenario makes CPUs late, or their park
	# fail, on purpose; what becomes of them is what it checks.
	local bad=$BAD
	if [ -n "$(opt parkmax "")" ] || [ "$(opt failok 0)" = 1 ]; then
		bad=${bad/'|cpu_handoff: .*, [1-9][0-9]* failed'/}
	fi
	line=$(grep -m1 -E -- "$bad" "$1")
	[ -z "$line" ] || { fail "guest: ${line#* }"; return 1; }
	if [ "$rs" = 0 ] && [ "$tf" -gt 0 ]; then
		triple_fault "$1"
		return 1
	fi
	return 0
}

triple_fault() {
	local line
	line=$(grep -E '^[0-9.]+ ' "$1" | tail -n 1)
	fail "$EMU_NAME: triple fault, the machine $EMU_STOP; last console line: ${line#* }"
}

# guest_done LOG: the guest finished its script successfully.
guest_done() {
	grep -q 'CH: DONE ok' "$1" || { fail "guest did not finish"; return 1; }
}

# restore_metrics LOG: for the last restore in LOG, "ONLINES OFFLINES
# HOTPLUG_MS CPU_STOP_MS LOAD_S USER_S REPARK_MS":
#   ONLINES OFFLINES HOTPLUG_MS  CPU hotplug the restore kernel did, logged
#                      by the injector at its last syscore suspend
#   CPU_STOP_MS        the restore kernel's time to stop its CPUs: hold +
#                      park from the cpu_handoff line (+ HOTPLUG_MS where it
#                      took them offline instead of holding them), else
#                      HOTPLUG_MS
#   LOAD_S             host time from "Image loading done" to the image
#                      kernel's "image kernel running" line
#   USER_S             host time from that line to the guest's RESUMED
#   REPARK_MS          the image kernel's re-park of inherited CPUs, from
#                      its cpu_handoff line (NA for 6.12)
restore_metrics() {
	awk '
		function out() {
			if (!t1) return
			printf "%s %s %s %s %.3f %s %s\n", on, off, hp,
				(stop != "NA" ? stop : hp), t1 - t0,
				(t2 ? sprintf("%.3f", t2 - t1) : "NA"), rp
			found = 1
		}
		/Image loading done/ {
			out(); t0 = $1; t1 = t2 = 0
			on = off = hp = stop = rp = "NA"
		}
		/cpu_handoff: re-parked [0-9]+ inherited CPUs/ && t1 && !t2 {
			for (i = 1; i <= NF; i++)
				if ($i == "us") rp = sprintf("%.2f", $(i - 1) / 1000)
		}
		/handoff_nmi_inject: cpu hotplug since PM prepare/ && t0 && !t1 {
			for (i = 1; i <= NF; i++) {
				if ($i == "online,") on = $(i - 1)
				if ($i == "offline,") off = $(i - 1)
				if ($i == "us") hp = sprintf("%.2f", $(i - 1) / 1000)
			}
		}
		/cpu_handoff: restore: parked/ && t0 && !t1 {
			h = p = 0
			held = 0
			for (i = 1; i <= NF; i++) {
				if ($i == "hold") { h = $(i + 1); held = 1 }
				if ($i == "park") p = $(i + 1)
			}
			# Without a hold the CPUs went offline first: add that.
			stop = sprintf("%.2f", (h + p) / 1000 + (!held && hp != "NA" ? hp : 0))
		}
		/handoff_nmi_inject: resume: image kernel running/ && t0 && !t1 { t1 = $1 }
		/CH: RESUMED/ && t1 && !t2 { t2 = $1 }
		END { out(); if (!found) print "NA NA NA NA NA NA NA" }
	' "$1" | tail -n 1
}

# metric CYCLE IMAGE RESTORE "ON OFF HP_MS STOP_MS LOAD_S USER_S" KEXEC_S [KSTOP_MS]
metric() {
	local c=$1 ki=$2 kr=$3 m=$4 kx=$5 ks=${6:-NA}
	# shellcheck disable=SC2086
	set -- $m
	echo "$TNAME,$KIND,$ki,$kr,$CPUS,$c,NA,$1,$2,$3,$4,$5,$6,$kx,$ks,${7:-NA},NA" \
		>>"$out/.pending"
}
