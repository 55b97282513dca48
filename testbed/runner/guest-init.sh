#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the cpu-handoff test guest (busybox sh).  The host runner
# (run.sh) chooses what to do with ch.* words on the kernel command line
# and reads the "CH: " lines this prints on the serial console:
#
#   ch.scenario=hibernate|kexec|boot   what to do
#   ch.cycles=N        hibernate cycles, or kexecs in the chain
#   ch.disk=reboot|shutdown|platform   /sys/power/disk (shutdown: the host restores
#                      the image with another kernel in a new QEMU run)
#   ch.expect=N        CPUs that must be online after boot and resume
#   ch.payload=MIB     memory payload kept across each handoff
#   ch.step=K          position in a kexec chain (set by this script)
#   ch.kexec=A,B,...   kernels on the data disk; step K runs the K-th
#                      (modulo the list), step 0 being the cold boot
#   ch.client=C        how to kexec: helper (our handoff_kexec,
#                      kexec_file_load), kexec-tools (Debian's kexec -l,
#                      kexec_load, then kexec -e), kexec-tools-s (kexec -s -l);
#                      kexec-jump: helper (our kexec_jump) or upstream
#                      (the kernel's own kexec/test_kexec_jump.sh)
#   ch.nmi=N           NMIs per parked AP in every kexec'd kernel
#   ch.hold=MS         every kexec'd kernel holds its APs parked MS ms before
#                      SMP bringup (the host injects a machine check then)
#   ch.expect0=N       CPUs online in the cold-booted kernel, if not ch.expect
#   ch.once=W,...      command-line words the cold boot keeps to itself
#   ch.offline=C,...   CPUs to offline by hand before the (first) kexec or
#                      hibernation
#   ch.s3=1            suspend to RAM and back before the (first) kexec
#   ch.thenkexec=NAME  hibernate: after the last cycle, kexec into kernel
#                      NAME of the data disk (a one-kexec chain's step 1)
#   ch.smttoggle=1     turn SMT on and off again before the (first) kexec or
#                      hibernation
#   ch.hotplug=1       hibernate while a loop takes CPUs up and down (it is
#                      frozen with the rest of user space, mid-operation)
#   ch.swap=DEV        the swap disk (default /dev/vda; Bochs: /dev/sda)
#   ch.data=DEV        the data disk with the kernels (default /dev/vdb)
#   ch.kmsg=1          print the CH: lines through /dev/kmsg: the kernel
#                      writes them to the console at once, where a tty
#                      write can still sit in the UART's buffer when a
#                      slow emulator (Bochs) powers off
#   ch.break=WHAT      runner self-tests, each must make the run fail:
#                      check: a guest check that always fails; cpus: a CPU
#                      goes offline after the first resume; payload: the
#                      payload is corrupted after the first resume
#
# Every boot prints "CH: BOOT"; a boot the host did not expect (a
# failed resume, a reset after a triple fault) is how it sees failures.

PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH

mount -t proc none /proc
mount -t sysfs none /sys
mount -t devtmpfs none /dev 2>/dev/null
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mount -t tmpfs -o size=90% tmpfs /tmp

say() {
	echo "CH: $*"
}

arg() {
	for w in $(cat /proc/cmdline); do
		case $w in
		"ch.$1="*) echo "${w#*=}"; return ;;
		esac
	done
	echo "$2"
}

finish() {
	say "DONE $1"
	sync
	poweroff -f
	sleep 60
}

scenario=$(arg scenario boot)
swapdev=$(arg swap /dev/vda)
datadev=$(arg data /dev/vdb)
if [ "$(arg kmsg 0)" = 1 ]; then
	say() {
		echo "CH: $*" >/dev/kmsg
	}
fi
cycles=$(arg cycles 1)
expect=$(arg expect 0)
payload_mib=$(arg payload 16)
step=$(arg step 0)
brk=$(arg break none)

# cpu_list LIST: "0,2-3" -> "0 2 3", one per line.
cpu_list() {
	echo "$1" | tr ',' '\n' |
		awk -F- 'NF { e = (NF == 2) ? $2 : $1; for (c = $1; c <= e; c++) print c }'
}

count_cpus() {
	# "0,2-3" -> 3
	cpu_list "$1" | grep -c .
}

online() {
	cat /sys/devices/system/cpu/online
}

# Wait up to 10 s for the online CPUs to be $1.
settle() {
	t=0
	while [ "$t" -lt 100 ] && [ "$(online)" != "$1" ]; do
		sleep 0.1
		t=$((t + 1))
	done
	[ "$t" -gt 0 ] && say "SETTLED online=$(online) after ${t}00 ms"
}

# How CPUs came out of the trampoline in this kernel so far (the release
# word is used only where INIT is unusable, e.g. cpu_handoff_noinit).
tramp_counts() {
	tr=/sys/kernel/debug/cpu_handoff/trampoline
	[ -r $tr ] || return 0
	say "TRAMPOLINE $(awk '$1 == "released" || $1 == "release_fallbacks" {
			printf "%s=%s ", $1, $2 }' $tr)"
}

smt=$(cat /sys/devices/system/cpu/smt/control 2>/dev/null || echo none)
say "BOOT kernel=$(uname -r) step=$step online=$(online)" \
	"present=$(cat /sys/devices/system/cpu/present) smt=$smt"
say "VERSION $(cat /proc/version)"
tramp_counts

# Under UEFI, the EFI runtime map (the one kexec hands on) must have the
# trampoline area as a region of its own: firmware's boot services memory
# around it is freed, not kept for good as runtime memory.
efi_area() {
	rm=/sys/firmware/efi/runtime-map tr=/sys/kernel/debug/cpu_handoff/trampoline
	[ -d $rm ] && [ -r $tr ] || return 0
	s=$(($(awk '$1 == "phys" { print $2 }' $tr)))
	e=$((s + $(awk '$1 == "size" { print $2 }' $tr)))
	for d in "$rm"/*; do
		a=$(($(cat "$d/phys_addr")))
		b=$((a + $(($(cat "$d/num_pages"))) * 4096))
		[ $a -lt $e ] && [ $b -gt $s ] || continue
		if [ $a != $s ] || [ $b != $e ]; then
			say "FAIL efi: the trampoline area lies in runtime region" \
				"$(printf '%#x-%#x' $a $b), type $(cat "$d/type")"
			finish fail
		fi
		say "EFI trampoline area $(printf '%#x-%#x' $a $b) a runtime region of its own"
	done
}
efi_area
# NMIs the kernel's handler took on each online CPU so far: after a
# handoff with NMIs into the parked CPUs, whether any reached this kernel.
nmis() {
	say "NMIS $1$(awk '$1 == "NMI:" {
		for (i = 2; i < NF; i++) if ($i ~ /^[0-9]+$/) printf " %s", $i }' /proc/interrupts)"
}
nmis boot

# Under Bochs the serial console loses most of what the image kernel prints
# between the jump and the end of its resume (the log shows a line of
# fragments there); the log buffer has it.  With ch.kmsg=1, repeat the
# handoff lines the kernel logged since the jump.
klog_since_resume() {
	[ "$(arg kmsg 0)" = 1 ] || return 0
	dmesg | awk '/handoff_nmi_inject: resume: image kernel running/ { n = 0 }
		     { l[n++] = $0 }
		     END { for (i = 0; i < n; i++) print l[i] }' |
		grep -E 'handoff_nmi_inject|cpu_handoff' |
		while read -r l; do say "KLOG $l"; done
}

# watch_start ALLOWED: poll the online mask in the background from now
# until watch_stop; any CPU outside ALLOWED seen online is a failure
# ("CH: FAIL online-watch"), from the first instant user space runs again.
watch_start() {
	cpuwatch "$1" &
	WATCH_PID=$!
}

# watch_stop: let the watcher read a while longer, then it must have run
# all along (it exits only on a signal) and seen nothing it should not.
watch_stop() {
	sleep 0.2
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID"
	rc=$?
	[ "$rc" = 0 ] || { say "FAIL online-watch exit $rc"; return 1; }
	return 0
}

check_cpus() {
	n=$(count_cpus "$(online)")
	if [ "$expect" -gt 0 ] && [ "$n" -ne "$expect" ]; then
		say "FAIL cpus online=$(online) count=$n expected=$expect"
		return 1
	fi
	return 0
}

# ch.where=1: say which CPUs are offline and hold still while the host
# reads their registers from the QEMU monitor (run.sh's where_watch).
where_probe() {
	[ "$(arg where 0)" = 1 ] || return 0
	say "WHERE $1 offline=$(cat /sys/devices/system/cpu/offline)"
	sleep 1
}

do_hibernate() {
	disk=$(arg disk reboot)
	mkswap "$swapdev" >/dev/null || { say "FAIL mkswap"; finish fail; }
	swapon "$swapdev" || { say "FAIL swapon"; finish fail; }
	prepare_kexec
	check_cpus || finish fail
	hp=$(arg hotplug 0)
	where_probe boot
	i=1
	while [ "$i" -le "$cycles" ]; do
		seed=$((i * 7919 + 17))
		payload gen "$seed" "$payload_mib" /tmp/payload ||
			{ say "FAIL payload gen"; finish fail; }
		before=$(online)
		echo "$disk" >/sys/power/disk
		if ! grep -q "\[$disk\]" /sys/power/disk; then
			say "FAIL /sys/power/disk does not offer $disk: $(cat /sys/power/disk)"
			finish fail
		fi
		[ "$hp" = 1 ] && hotplug_stress "$before"
		say "HIBERNATE cycle=$i online=$before disk=$disk"
		watch_start "$before"
		if ! echo disk >/sys/power/state; then
			say "FAIL cycle=$i hibernate write failed"
			finish fail
		fi
		[ "$hp" = 1 ] && hotplug_stop "$before"
		after=$(online)
		say "RESUMED cycle=$i online=$after"
		nmis "cycle=$i"
		klog_since_resume
		watch_stop || finish fail
		# A kernel that re-parks inherited CPUs off the resume path has
		# them briefly online right after resume: let that settle.
		settle "$before"
		where_probe "cycle=$i"
		tramp_counts
		after=$(online)
		ok=1
		[ "$brk" = payload ] && [ "$i" = 1 ] &&
			printf '\377' | dd of=/tmp/payload bs=1 seek=4097 conv=notrunc 2>/dev/null
		if [ "$brk" = cpus ] && [ "$i" = 1 ]; then
			# A CPU goes missing: take the last online one down for real.
			last=$(online | tr ',' '\n' | tail -n 1)
			last=${last#*-}
			echo 0 >/sys/devices/system/cpu/cpu"$last"/online
			after=$(online)
		fi
		if [ "$after" != "$before" ]; then
			say "FAIL cycle=$i cpus before=$before after=$after"
			ok=0
		fi
		check_cpus || ok=0
		if ! out=$(payload check "$seed" "$payload_mib" /tmp/payload); then
			say "FAIL cycle=$i $out"
			ok=0
		fi
		[ "$brk" = check ] && ok=0 && say "FAIL cycle=$i deliberately broken check"
		if [ "$ok" = 1 ]; then
			say "PASS cycle=$i"
		else
			finish fail
		fi
		i=$((i + 1))
	done
	tk=$(arg thenkexec "")
	[ -n "$tk" ] && kexec_after_resume "$tk"
	finish ok
}

# kexec_after_resume NAME: the resumed image kernel kexecs into kernel
# NAME of the data disk, whose ch.step=1 of a one-kexec chain checks the
# CPUs and a payload.  The handoff uses the trampoline area as the resume
# left it: rebuilt by this kernel (cpu_handoff_repark()), not the restore
# kernel's, whose way in maps that kernel's text.
kexec_after_resume() {
	disk_get "$1" /tmp/kernel || { say "FAIL no kernel $1 on the data disk"; finish fail; }
	disk_get initrd /tmp/initrd || { say "FAIL no initrd on the data disk"; finish fail; }
	cmd=""
	for w in $(cat /proc/cmdline); do
		case $w in
		ch.scenario=*|ch.cycles=*|ch.step=*|ch.thenkexec=*|resume=*) continue ;;
		esac
		cmd="$cmd $w"
	done
	cmd="${cmd# } ch.scenario=kexec ch.cycles=1 ch.step=1"
	say "KEXEC step=0 next=$1 client=helper"
	handoff_kexec /tmp/kernel /tmp/initrd "$cmd"
	say "FAIL kexec after the resume returned"
	finish fail
}

# disk_get NAME FILE: copy NAME from the data disk's index to FILE.
disk_get() {
	line=$(dd if="$datadev" bs=4096 count=1 2>/dev/null | tr -d '\000' |
		awk -v n="$1" '$1 == n')
	[ -n "$line" ] || return 1
	set -- $line "$2"
	dd if="$datadev" of="$4" bs=4096 skip="$2" count=$((($3 + 4095) / 4096)) 2>/dev/null &&
		truncate -s "$3" "$4"
}


# hotplug_stress ONLINE: take the CPUs of ONLINE other than 0 down and up
# in a loop, in the background, until hotplug_stop.  The hibernation
# freezes the loop wherever it is, usually with one of them offline.
hotplug_stress() {
	cpus=$(cpu_list "$1" | grep -vx 0)
	[ -n "$cpus" ] || return 0
	( while :; do
		for c in $cpus; do
			echo 0 >/sys/devices/system/cpu/cpu"$c"/online 2>/dev/null
			echo 1 >/sys/devices/system/cpu/cpu"$c"/online 2>/dev/null
		done
	done ) &
	HP_PID=$!
	# Let it run a while first, so that the freeze catches it mid-loop.
	sleep 1
	say "HOTPLUG stress running pid=$HP_PID online=$(online)"
}

# hotplug_stop ONLINE: stop the loop, then bring back every CPU of ONLINE
# (the loop may have been frozen with one down): what the resumed kernel
# must get right is that they can all come back.
hotplug_stop() {
	kill "$HP_PID" 2>/dev/null
	wait "$HP_PID" 2>/dev/null
	say "HOTPLUG stopped online=$(online)"
	for c in $(cpu_list "$1"); do
		[ -e /sys/devices/system/cpu/cpu"$c"/online ] || continue
		echo 1 >/sys/devices/system/cpu/cpu"$c"/online ||
			say "FAIL cpu$c does not come back online"
	done
}

# Before a kexec: take CPUs offline by hand, toggle SMT at runtime.
prepare_kexec() {
	for c in $(arg offline "" | tr ',' ' '); do
		echo 0 >/sys/devices/system/cpu/cpu"$c"/online &&
			say "OFFLINED cpu$c online=$(online)"
	done
	if [ "$(arg smttoggle 0)" = 1 ]; then
		echo on >/sys/devices/system/cpu/smt/control &&
			say "SMT on online=$(online)"
		echo off >/sys/devices/system/cpu/smt/control &&
			say "SMT off online=$(online)"
	fi
	# ch.s3=1: suspend to RAM and back first (the host wakes the guest).
	if [ "$(arg s3 0)" = 1 ]; then
		say "S3 suspend online=$(online)"
		echo mem >/sys/power/state || { say "FAIL suspend to RAM"; finish fail; }
		say "S3 resumed online=$(online)"
	fi
}

# Upstream's own kselftest, as it is in the kernel tree
# (tools/testing/selftests/kexec/test_kexec_jump.sh and its binary): two
# jumps to a purgatory that traps once and returns.  It exits 0 when it
# passed and 4 when it skipped itself; a skip fails here, where the
# kernel is built to run it.
kexec_jump_upstream() {
	local rc l
	[ -x /kexec-selftest/test_kexec_jump ] || {
		say "FAIL upstream test_kexec_jump is not in this guest (make guest)"
		return 1
	}
	(cd /kexec-selftest && sh ./test_kexec_jump.sh) >/tmp/upstream.log 2>&1
	rc=$?
	while read -r l; do say "UPSTREAM $l"; done </tmp/upstream.log
	case $rc in
	0) say "UPSTREAM-PASS test_kexec_jump.sh" ;;
	4) say "FAIL upstream test_kexec_jump.sh skipped itself"; return 1 ;;
	*) say "FAIL upstream test_kexec_jump.sh exited $rc"; return 1 ;;
	esac
}

do_kexec_jump() {
	check_cpus || finish fail
	prepare_kexec
	before=$(online)
	payload gen 4242 "$payload_mib" /tmp/payload || finish fail
	say "JUMP count=$cycles online=$before"
	watch_start "$before"
	if [ "$(arg client helper)" = upstream ]; then
		kexec_jump_upstream || finish fail
	elif ! kexec_jump "$cycles"; then
		say "FAIL kexec jump"
		finish fail
	fi
	watch_stop || finish fail
	settle "$before"
	after=$(online)
	say "RETURNED online=$after"
	[ "$after" = "$before" ] || { say "FAIL cpus before=$before after=$after"; finish fail; }
	out=$(payload check 4242 "$payload_mib" /tmp/payload) || { say "FAIL $out"; finish fail; }
	# A kernel that parks for the jump must re-park every offline CPU it
	# parked: the re-park count shows it did.
	if dmesg | grep -q 'cpu_handoff: handoffs park CPUs with'; then
		want=$(count_cpus "$(cat /sys/devices/system/cpu/present)")
		want=$((want - $(count_cpus "$after")))
		got=$(dmesg | sed -n 's/.*cpu_handoff: re-parked \([0-9]*\) inherited CPUs.*/\1/p' |
			tail -n 1)
		[ "$got" = "$want" ] || {
			say "FAIL re-parked $got offline CPUs after the jump, want $want"
			finish fail
		}
		say "REPARKED $got"
	fi
	say "PASS jump"
	finish ok
}

do_kexec() {
	[ "$step" = 0 ] && expect=$(arg expect0 "$expect")
	check_cpus || finish fail
	payload gen "$((step + 1))" "$payload_mib" /tmp/payload
	payload check "$((step + 1))" "$payload_mib" /tmp/payload || finish fail
	say "PASS step=$step"
	[ "$step" -ge "$cycles" ] && finish ok
	list=$(arg kexec k0)
	n=$(echo "$list" | tr ',' '\n' | wc -l)
	idx=$(((step + 1) % n + 1))
	next=$(echo "$list" | tr ',' '\n' | sed -n "${idx}p")
	disk_get "$next" /tmp/kernel ||
		{ say "FAIL no kernel $next on the data disk"; finish fail; }
	disk_get initrd /tmp/initrd || { say "FAIL no initrd on the data disk"; finish fail; }
	nmi=$(arg nmi 0)
	prepare_kexec
	# ch.once: words for the cold boot only (maxcpus=2, say).
	once=" $(arg once "" | tr ',' ' ') "
	cmd=""
	for w in $(cat /proc/cmdline); do
		case $w in
		ch.step=*|handoff_nmi_inject.boot=*|ch.once=*) continue ;;
		handoff_nmi_inject.boot_hold_ms=*) continue ;;
		ch.offline=*|ch.smttoggle=*|ch.s3=*) continue ;;
		esac
		case $once in *" $w "*) continue ;; esac
		cmd="$cmd $w"
	done
	cmd="${cmd# } ch.step=$((step + 1))"
	[ "$nmi" -gt 0 ] && cmd="$cmd handoff_nmi_inject.boot=$nmi"
	hold=$(arg hold 0)
	[ "$hold" -gt 0 ] && cmd="$cmd handoff_nmi_inject.boot_hold_ms=$hold"
	client=$(arg client helper)
	say "KEXEC step=$step next=$next client=$client"
	case $client in
	helper) handoff_kexec /tmp/kernel /tmp/initrd "$cmd" ;;
	kexec-tools|kexec-tools-s)
		# Debian's kexec-tools comes on the data disk (run.sh --datafile).
		[ -x /sbin/kexec ] || { disk_get kexec-tools /tmp/kt.cpio &&
			(cd / && cpio -id </tmp/kt.cpio 2>/dev/null); }
		[ -x /sbin/kexec ] || { say "FAIL no kexec-tools in the guest"; finish fail; }
		s=""
		[ "$client" = kexec-tools-s ] && s=-s
		# shellcheck disable=SC2086
		kexec $s -l /tmp/kernel --initrd=/tmp/initrd --command-line="$cmd" ||
			{ say "FAIL kexec $s -l"; finish fail; }
		kexec -e
		;;
	*) say "FAIL unknown ch.client=$client"; finish fail ;;
	esac
	say "FAIL kexec step=$step returned"
	finish fail
}

# How does this machine treat an NMI sent to a CPU in wait-for-SIPI?  The
# SDM says it is blocked.  The host reads the CPU's state from the QEMU
# monitor at each "CH: EXP" line while the guest sleeps.  The lines go
# through the kernel's log: written to the console directly, one could be
# cut in two by the injector's own message about the INIT or NMI it sent
# (seen once: "CH: EXP init-sen[ 5.3] handoff_nmi_inject: ...").
exp_say() {
	echo "CH: EXP $*" >/dev/kmsg 2>/dev/null || say "EXP $*"
}

do_sipi_nmi() {
	cpu=$(($(count_cpus "$(cat /sys/devices/system/cpu/present)") - 1))
	d=/sys/kernel/debug/handoff_nmi_inject
	[ -w $d/init ] || { say "FAIL no $d (CONFIG_HANDOFF_NMI_INJECT)"; finish fail; }
	echo 0 >/sys/devices/system/cpu/cpu$cpu/online ||
		{ say "FAIL offline cpu$cpu"; finish fail; }
	exp_say "offline cpu=$cpu"
	sleep 3
	echo "$cpu" >$d/init || { say "FAIL INIT to cpu$cpu"; finish fail; }
	exp_say "init-sent cpu=$cpu"
	sleep 3
	echo "$cpu" >$d/nmi || { say "FAIL NMI to cpu$cpu"; finish fail; }
	exp_say "nmi-sent cpu=$cpu"
	sleep 3
	if echo 1 >/sys/devices/system/cpu/cpu$cpu/online; then
		exp_say "online-again cpu=$cpu online=$(online)"
	else
		exp_say "online-failed cpu=$cpu online=$(online)"
	fi
	sleep 3
	check_cpus && finish ok
	finish fail
}

# The in-guest kselftest; the host reads its TAP between the markers.
do_kselftest() {
	mkswap "$swapdev" >/dev/null && swapon "$swapdev" ||
		say "WARN no swap: test_resume will be skipped"
	check_cpus || finish fail
	say "KSELFTEST begin"
	cpu_handoff_test
	rc=$?
	say "KSELFTEST end rc=$rc"
	check_cpus || finish fail
	[ "$rc" = 0 ] && finish ok
	finish fail
}

case $scenario in
kexec-jump) do_kexec_jump ;;
kselftest) do_kselftest ;;
sipi-nmi) do_sipi_nmi ;;
hibernate) do_hibernate ;;
kexec) do_kexec ;;
boot) check_cpus && finish ok; finish fail ;;
shell) exec sh ;;
*) say "FAIL unknown scenario '$scenario'"; finish fail ;;
esac
