# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154 # sourced by run.sh: shares its variables
#
# bochs.sh - the Bochs back end of run.sh (run.sh --emu bochs sources it).
#
# Why a second emulator: the series parks CPUs in wait-for-SIPI, where the
# SDM says NMI, SMI and INIT are blocked.  QEMU's TCG does not model that
# (an NMI wakes such a vCPU at its reset state), so under QEMU no test can
# show INIT-parked CPUs surviving NMIs.  Bochs does: a CPU in wait-for-SIPI
# ignores NMI there and keeps it pending (cpu/event.cc, handleWaitForEvent).
#
# It replaces run.sh's QEMU functions (qemu_start, qemu_stop, qemu_monitor,
# probe_accel) with Bochs ones (qemu_crashed reads the exit status files,
# which this qemu_start writes too); the scenarios themselves are run.sh's.
# What differs for them:
#   - Bochs has no direct kernel boot: each run boots an isolinux CD-ROM
#     made for it, holding the kernel, the initramfs and the command line.
#   - No virtio: the swap and data disks are flat ATA disks (ata0 master
#     and slave, /dev/sda and /dev/sdb under ata_piix), so the kernels need
#     config.bochs, and the guest is told its devices (ch.swap=, ch.data=).
#   - Bochs's BIOS triple-faults on a warm reset once Linux has locked
#     IA32_FEATURE_CONTROL, so only scenarios that end each run with a
#     power-off work (kexec chains; cross and nmi, which write the image
#     with disk=shutdown and restore it in a new, cold-started Bochs).
#   - A triple fault stops Bochs (reset_on_triple_fault=0) and its log
#     says "3rd (N) exception with no resolution"; that line is copied to
#     the scenario's emulator log as "Triple fault", where scan_bad looks.
#   - The sound devices use dummy drivers: with ALSA and no sound card,
#     Bochs 2.7 aborts at start ("buffer overflow detected").
#   - No monitor: where=, mce and sipi-nmi need QEMU's (reported as SKIP).
#   - Bochs interprets every instruction: a boot of the test kernel takes
#     minutes, so the timeouts are scaled (BOCHS_SLOW, default 12).
#
# Environment: BOCHS (the binary, default bochs), BOCHS_IPS (emulated
# instructions per emulated second, default 20000000: fewer make the
# guest's timers and delays cost less host time), BOCHS_SLOW, BOCHS_GO (a
# file of Bochs debugger commands to use instead of the default).

BOCHS=${BOCHS:-bochs}
BOCHS_IPS=${BOCHS_IPS:-20000000}
BOCHS_SLOW=${BOCHS_SLOW:-12}
BOCHS_CPU=${BOCHS_CPU:-corei7_haswell_4770}
BX_SHARE=/usr/share/bochs
ISOLINUX=/usr/lib/ISOLINUX/isolinux.bin
LDLINUX=/usr/lib/syslinux/modules/bios/ldlinux.c32

bochs_missing() {
	local m=""
	command -v "$BOCHS" >/dev/null || m="$m bochs"
	[ -f $BX_SHARE/BIOS-bochs-latest ] || m="$m bochsbios"
	[ -f /usr/share/vgabios/vgabios.bin ] || m="$m vgabios"
	[ -f $ISOLINUX ] || m="$m isolinux"
	[ -f $LDLINUX ] || m="$m syslinux-common"
	command -v genisoimage >/dev/null || m="$m genisoimage"
	echo "${m# }"
}

m=$(bochs_missing)
[ -z "$m" ] || {
	echo "run.sh: --emu bochs needs Debian's $m (make deps BOCHS=1, or apt-get install $m)" >&2
	exit 2
}

EMU_NAME=Bochs
EMU_STOP=stopped
SWAPDEV=/dev/sda
DATADEV=/dev/sdb
# printk.devkmsg=on: the guest's CH: lines go through /dev/kmsg
# (ch.kmsg=1), which rate-limits user space otherwise.
EMU_APPEND="ch.swap=$SWAPDEV ch.data=$DATADEV ch.kmsg=1 printk.devkmsg=on"
timeout_base=$((timeout_base * BOCHS_SLOW))

probe_accel() {
	local v
	v=$($BOCHS --help 2>&1 | grep -m1 -o 'Bochs x86 Emulator [0-9.]*')
	echo "# emulator: Bochs ($v, cpu $BOCHS_CPU, ips $BOCHS_IPS)"
}

# bochs_disk FILE: pad FILE to whole cylinders of 16 heads x 63 sectors
# (Bochs wants the geometry of a flat disk) and print its cylinders.
bochs_disk() {
	local sz cyl
	sz=$(stat -c %s "$1")
	cyl=$(((sz + 516095) / 516096))
	truncate -s $((cyl * 516096)) "$1"
	echo "$cyl"
}

# qemu_start LOG KERNEL APPEND CPUS SWAP DATA [QEMU args, ignored]:
# start Bochs in the background on a CD-ROM that boots KERNEL with
# APPEND; sets QPID.  Serial output goes through a FIFO to LOG.
qemu_start() {
	local log=$1 kernel=$2 append=$3 cpus=$4 swap=$5 data=$6
	local cores=$(($4 / 2)) threads=2 dir iso rc fifo sc dc
	[ "$cores" -ge 1 ] || { cores=1; threads=1; }
	QRUN=$((${QRUN:-0} + 1))
	dir=$out/bochs.$$.$QRUN
	rm -rf "$dir"
	mkdir -p "$dir/cd"
	cp $ISOLINUX $LDLINUX "$dir/cd/"
	cp "$kernel" "$dir/cd/bzimage"
	cp "$initrd" "$dir/cd/initrd"
	printf '%s\n' "DEFAULT linux" "PROMPT 0" "TIMEOUT 0" "LABEL linux" \
		"  KERNEL /bzimage" "  INITRD /initrd" "  APPEND $append" >"$dir/cd/isolinux.cfg"
	iso=$dir/boot.iso
	genisoimage -quiet -o "$iso" -b isolinux.bin -c boot.cat -no-emul-boot \
		-boot-load-size 4 -boot-info-table -R -J "$dir/cd" 2>>"$log.qemu.$QRUN"
	rm -rf "$dir/cd"
	sc=$(bochs_disk "$swap")
	dc=$(bochs_disk "$data")
	fifo=$dir/com1
	mkfifo "$fifo"
	rc=$dir/bochsrc
	BXRC=$rc
	BXLOG=$log.qemu.$QRUN
	BXLOG_OF=$log
	cat >"$rc" <<-EOF
	config_interface: textconfig
	display_library: rfb, options="timeout=0"
	romimage: file=$BX_SHARE/BIOS-bochs-latest
	vgaromimage: file=/usr/share/vgabios/vgabios.bin
	memory: guest=$mem, host=$mem
	cpu: model=$BOCHS_CPU, count=1:$cores:$threads, ips=$BOCHS_IPS, reset_on_triple_fault=0
	clock: sync=none
	pci: enabled=1, chipset=i440fx
	ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
	ata0-master: type=disk, path="$swap", mode=flat, cylinders=$sc, heads=16, spt=63
	ata0-slave: type=disk, path="$data", mode=flat, cylinders=$dc, heads=16, spt=63
	ata1: enabled=1, ioaddr1=0x170, ioaddr2=0x370, irq=15
	ata1-master: type=cdrom, path="$iso", status=inserted
	boot: cdrom
	sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
	speaker: enabled=0
	com1: enabled=1, mode=file, dev="$fifo"
	log: $log.qemu.$QRUN
	panic: action=fatal
	error: action=report
	info: action=report
	debug: action=ignore
	EOF
	# Bochs is built with its debugger, which stops at the first
	# instruction: this command file tells it to go on, and watches for
	# NMIs taken in real mode.  Once the BIOS has set up the real-mode
	# vector table (at the boot sector, 0x7c00), it points vector 2 (NMI)
	# at a stub of its own in the first 64 KiB, which Linux leaves alone:
	# NOP; IRET at 0x600, and breaks on the IRET.  An AP that stops there
	# took an NMI in real mode: after its SIPI, before its kernel's
	# trampoline loaded an IDT.  (Not on the NOP: Bochs does not check
	# breakpoints on the first instruction a CPU runs after it wakes up,
	# which the handler's first one is.)  Every stop uses up one "c".
	{
		printf '%s\n' "pb 0x7c00" c "setpmem 0x600 2 0xcf90" \
			"setpmem 0x8 4 0x00000600" "d 1" "pb 0x601"
		yes c | head -n 10000
	} >"$dir/go"
	# BOCHS_GO=FILE: debugger commands of one's own, for experiments.
	[ -n "${BOCHS_GO:-}" ] && cp "$BOCHS_GO" "$dir/go"
	# The reader must be there before Bochs opens the FIFO.
	( stamp <"$fifo" >>"$log" ) &
	SPID=$!
	BXOUT=$out/bochs.stdout.$QRUN
	( ( cd "$dir" && "$BOCHS" -q -f "$rc" -rc "$dir/go" </dev/null >"$BXOUT" 2>&1
	    echo $? >"$log.exit.$QRUN"
	    bochs_triple "$log.qemu.$QRUN" "$BXOUT" ) 2>/dev/null ) &
	QPID=$!
	WPID=""
	[ -n "${MCE_CPU:-}" ] && echo "MON: mce: no monitor under Bochs" >>"$log"
	[ -n "${WHERE:-}" ] && echo "MON: where: no monitor under Bochs" >>"$log"
}

# bochs_triple QLOG STDOUT: if Bochs stopped on a triple fault, say so in
# the words scan_bad looks for, with Bochs's own line.
bochs_triple() {
	local l
	l=$(cat "$1" "$2" 2>/dev/null |
		grep -a -m1 -E '3rd \([0-9]+\) exception with no resolution')
	[ -n "$l" ] && echo "Triple fault (Bochs: ${l##*] })" >>"$1"
	return 0
}

# bochs_lines QLOG: what Bochs itself saw that the guest cannot say, as
# "BOCHS: " lines for the scenario log: an NMI that reached the BIOS's
# real-mode handler (a CPU took it before its kernel loaded an IDT), a
# triple fault, a panic of the emulator (the ACPI power-off is one, by
# Bochs's own classification, and not news).
bochs_lines() {
	grep -a -E 'NMI Handler called|exception with no resolution|>>PANIC<<' "$1" 2>/dev/null |
		grep -v 'ACPI control: soft power off' | sed 's/^/BOCHS: /'
	grep -a -E '^\([0-9]+\) Breakpoint 2,' "${1%/*}/bochs.stdout.${1##*.}" 2>/dev/null |
		sed 's/^(\([0-9]*\)).*/BOCHS: CPU\1 took an NMI in real mode (stub at 0x600)/'
}

qemu_stop() {
	local d=${BXRC%/bochsrc}
	pkill -f -- "-f $BXRC" 2>/dev/null
	wait "$QPID" 2>/dev/null
	# The FIFO's reader ends when Bochs closes it; if Bochs never opened
	# it, open it once here so that the reader sees end of file.
	[ -p "$d/com1" ] && timeout 2 sh -c ": >'$d/com1'" 2>/dev/null
	wait "$SPID" 2>/dev/null
	# Bochs may stop in the middle of a console line.
	[ -z "$(tail -c 1 "$BXLOG_OF" 2>/dev/null)" ] || echo >>"$BXLOG_OF"
	bochs_lines "$BXLOG" >>"$BXLOG_OF"
	rm -f "$d/boot.iso" "$d/com1"
}

qemu_monitor() {
	echo "no monitor under Bochs"
}

# emu_unsupported KIND: the scenarios Bochs cannot run, and why (run.sh
# reports them as TAP SKIP with the reason).
emu_unsupported() {
	case $1 in
	hibernate | kselftest | kaslr-abi)
		echo "not under Bochs: the guest reboots (disk=reboot, or the" \
			"kselftest's resume test), and Bochs's BIOS triple-faults on a" \
			"warm reset once Linux has locked IA32_FEATURE_CONTROL; cross" \
			"and nmi hibernate with a power-off instead" ;;
	mce | mce-kexec | sipi-nmi)
		echo "not under Bochs: needs QEMU's monitor (mce, info registers)" ;;
	*)
		[ "$(opt where 0)" = 1 ] || return 1
		echo "not under Bochs: where=1 needs QEMU's monitor" ;;
	esac
}
