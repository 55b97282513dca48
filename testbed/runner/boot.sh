# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154 # sourced by run.sh: shares its variables
#
# boot.sh - booting a guest: the emulator's command line, its disks and
# firmware, the kernel command line every scenario starts from, and one
# run of QEMU until the guest is done (run.sh sources it).

# Timestamp every serial line with host time (seconds.micro).
stamp() {
	perl -MTime::HiRes=time -e '$| = 1; while (<STDIN>) { s/\r//g; printf "%.6f %s", time, $_ }'
}

# qemu_start LOG KERNEL APPEND CPUS SWAP DATA [extra qemu args...]
# Starts QEMU in the background; sets QPID and MONSOCK.
qemu_start() {
	local log=$1 kernel=$2 append=$3 cpus=$4 swap=$5 data=$6 from
	shift 6
	from=$(($(cat "$log" 2>/dev/null | wc -l) + 1))
	local cores=$((cpus / 2)) threads=2
	[ "$cores" -ge 1 ] || { cores=1; threads=1; }
	QRUN=$((${QRUN:-0} + 1))
	QKERNEL=$kernel
	# Unix socket paths are limited to 108 bytes: keep it short.
	MONSOCK=${TMPDIR:-/tmp}/cpu-handoff-mon.$$.$QRUN.sock
	rm -f "$MONSOCK"
	# QEMU's exit status goes to $log.exit.N: a crash of the emulator
	# (a signal other than our SIGTERM) is told apart from the guest's.
	# shellcheck disable=SC2086
	( ( "$QEMU" -nodefaults -no-user-config -display none \
		$ACCEL_ARGS -cpu "$QEMU_CPU" \
		-smp "$cpus",sockets=1,cores="$cores",threads="$threads" -m "$mem" \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		-drive file="$swap",if=virtio,format=raw,cache=unsafe \
		-drive file="$data",if=virtio,format=raw,readonly=on \
		-serial stdio -monitor unix:"$MONSOCK",server=on,wait=off \
		-d "cpu_reset${QEMU_DEBUG:+,$QEMU_DEBUG}" -D "$log.qemu.$QRUN" \
		"${SMBIOS_ARGS[@]}" "${FW_ARGS[@]}" "$@" </dev/null
		echo $? >"$log.exit.$QRUN" ) 2>&1 | stamp >>"$log" ) &
	QPID=$!
	WPID=""
	[ -n "${MCE_CPU:-}" ] && { mce_watch "$log" "$from" "$MCE_CPU" & WPID=$!; }
	[ -n "${WHERE:-}" ] && { where_watch "$log" "$from" & WPID=$!; }
	[ -n "${S3:-}" ] && { s3_watch "$log" "$from" & WPID=$!; }
	stuck_watch "$log" "$from" &
	SPID=$!
}

qemu_stop() {
	# QEMU only (its command line names the monitor socket): the
	# timestamper then sees end of file and flushes the last lines.
	pkill -f -- "$MONSOCK" 2>/dev/null
	wait "$QPID" 2>/dev/null
	[ -n "${WPID:-}" ] && { kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null; WPID=""; }
	[ -n "${SPID:-}" ] && { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=""; }
}

probe_accel() {
	local cache=${accel_cache:-$out/.accel} log
	case $accel in
	tcg) ACCEL_ARGS="-accel tcg,thread=multi"; return ;;
	kvm) ACCEL_ARGS="-accel kvm"; return ;;
	# Guest time counts guest instructions (1 ns each), not host time:
	# what the emulator spends translating code, or waiting for a host
	# CPU, is not in it.  One host thread runs every vCPU in turn.
	icount) ACCEL_ARGS="-accel tcg,thread=single -icount shift=0,sleep=off"; return ;;
	esac
	if [ -f "$cache" ]; then
		ACCEL_ARGS=$(cat "$cache")
		return
	fi
	ACCEL_ARGS="-accel tcg,thread=multi"
	if [ -w /dev/kvm ]; then
		log=$out/kvm-probe.log
		: >"$log"
		ACCEL_ARGS="-accel kvm"
		mkdisks probe 64
		qemu_start "$log" "${KERNELS[$default_kernel]}" \
			"console=ttyS0 panic=-1 ch.scenario=boot" 2 "$SWAP" "$DATA" -no-reboot
		if wait_for "$log" 'CH: BOOT' 40; then
			echo "# accel: KVM boots a guest here, using it"
		else
			echo "# accel: /dev/kvm is there but a guest did not boot under it" \
				"in 40 s; using TCG"
			ACCEL_ARGS="-accel tcg,thread=multi"
		fi
		qemu_stop
	else
		echo "# accel: no usable /dev/kvm, using TCG"
	fi
	echo "$ACCEL_ARGS" >"$cache"
}

# mkdisks TAG SWAP_MIB: a fresh swap disk, and the data disk holding the
# kernels and the initramfs for kexec (an index page of "name block bytes"
# lines, then the files at 4 KiB boundaries).
mkdisks() {
	local tag=$1 swapmib=$2 blk=1 n f sz idx
	SWAP=$out/$tag.swap.img
	DATA=$out/$tag.data.img
	rm -f "$SWAP" "$DATA"
	qemu-img create -q -f raw "$SWAP" "${swapmib}M"
	idx=$out/$tag.index
	: >"$idx"
	: >"$DATA"
	for n in "${!KERNELS[@]}" initrd "${!DATAFILES[@]}"; do
		if [ "$n" = initrd ]; then
			f=$initrd
		elif [ -n "${DATAFILES[$n]:-}" ]; then
			f=${DATAFILES[$n]}
		else
			f=${KERNELS[$n]}
		fi
		sz=$(stat -c %s "$f")
		echo "$n $blk $sz" >>"$idx"
		dd if="$f" of="$DATA" bs=4096 seek="$blk" conv=notrunc status=none
		blk=$((blk + (sz + 4095) / 4096))
	done
	dd if="$idx" of="$DATA" bs=4096 count=1 conv=notrunc,sync status=none
	truncate -s $(((blk + 1) * 4096)) "$DATA"
}

# fw_setup TAG: the firmware arguments of the scenario's fw key in
# FW_ARGS.  UEFI: OVMF's code read-only, and a fresh copy of its variable
# store, written by the firmware across the scenario's reboots.
OVMF_DIR=${OVMF_DIR:-/usr/share/OVMF}
fw_setup() {
	local fw
	fw=$(opt fw bios)
	case $fw in
	bios) return 0 ;;
	uefi) ;;
	*) FW_WHY="fw=$fw: use bios or uefi"; return 1 ;;
	esac
	if [ ! -f "$OVMF_DIR/OVMF_CODE_4M.fd" ] || [ ! -f "$OVMF_DIR/OVMF_VARS_4M.fd" ]; then
		FW_WHY="fw=uefi needs OVMF in $OVMF_DIR (Debian: apt-get install ovmf)"
		return 1
	fi
	cp "$OVMF_DIR/OVMF_VARS_4M.fd" "$out/$1.vars.img"
	FW_ARGS=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_DIR/OVMF_CODE_4M.fd"
		 -drive "if=pflash,format=raw,unit=1,file=$out/$1.vars.img")
}

kernel_of() {
	local n=$1
	[ -n "${KERNELS[$n]:-}" ] || { fail "unknown kernel name '$n'"; return 1; }
	echo "${KERNELS[$n]}"
}

base_append() {
	local cpus=$1 smt=$2 a
	a="console=ttyS0 panic=-1 no_console_suspend printk.time=1 $EMU_APPEND"
	# Without KASLR the same kernel lands at the same addresses every boot,
	# so an overwritten HLT loop is often overwritten with itself.
	[ "$(opt kaslr "$DEFAULT_KASLR")" = on ] || a="$a nokaslr"
	[ "$smt" = off ] && a="$a nosmt"
	echo "$a $(opt append "")"
}

expected_online() {
	local cpus=$1 smt=$2
	[ -n "$(opt online "")" ] && { opt online ""; return; }
	if [ "$smt" = off ] && [ "$cpus" -ge 2 ]; then echo $((cpus / 2)); else echo "$cpus"; fi
}

# one_run LOG KERNEL APPEND CPUS [QEMU ARGS...]: one QEMU run until the
# guest says DONE or FAIL, then what every scenario checks: no kernel
# trouble and no timeout.  Returns 1 (with RESULT_NOTE) if either.
one_run() {
	local log=$1 kernel=$2 append=$3 cpus=$4 rc
	shift 4
	qemu_start "$log" "$kernel" "$append" "$cpus" "$SWAP" "$DATA" "$@"
	wait_for "$log" "CH: DONE|CH: FAIL|Kernel panic" "$TIMEOUT"
	rc=$?
	qemu_stop
	scan_bad "$log" || return 1
	[ $rc = 2 ] && { fail "$WAIT_WHY"; return 1; }
	return 0
}
