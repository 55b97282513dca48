#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - boot kernels in QEMU and hand the machine from one to another:
# hibernate and resume, restore an image with a different kernel, kexec
# chains, with NMIs or machine checks injected into the parked CPUs.  Modelled on
# rcutorture's kvm.sh: one invocation runs a list of scenarios and reports
# TAP on stdout; logs with a host timestamp per serial line go to --out.
#
# Usage: run.sh [options] SCENARIO...
#   --kernel NAME=BZIMAGE  a kernel the scenarios can name (repeatable; the
#                          first is the default)
#   --initrd FILE          guest initramfs (guest-init.sh as /init)
#   --datafile NAME=FILE   also put FILE on the guest's data disk as NAME
#                          (kexec-tools: the cpio the kexec-tools client
#                          scenarios unpack; kept out of the initramfs, which
#                          every boot has to unpack)
#   --out DIR              logs and metrics (default ./handoff-results)
#   --accel auto|tcg|kvm   auto: use KVM only if a guest boots under it
#   --timeout SEC          per QEMU run (default 300, scaled by CPUs)
#   --silence SEC          also give a QEMU run up when its console has
#                          been silent for SEC seconds (default 0: never;
#                          make bench: a stalled boot costs SEC, not the
#                          whole timeout)
#   --mem MIB              guest memory (default 768)
#   --accel-cache FILE     remember the KVM probe's answer in FILE
#   --keep-disks           keep the swap and data disk images
#   --emu qemu|bochs       the emulator (default qemu); bochs: see bochs.sh
#                          (kernels with config.bochs; kexec, cross, nmi,
#                          restore-bad and boot scenarios only)
#   --list                 print the scenario syntax and exit
#
# Environment: QEMU (the emulator binary), QEMU_CPU (the -cpu model,
# default max,vendor=GenuineIntel; for example
# max,vendor=GenuineIntel,monitor=off makes offline CPUs sleep in HLT,
# not in TCG's MWAIT, which is a pause).
#
# SCENARIO is KIND[:key=value]...; see --list.
set -u

SELF_DIR=$(cd "$(dirname "$0")" && pwd)
out=./handoff-results
accel=auto
timeout_base=300
silence=0
mem=768
initrd=""
accel_cache=""
keep_disks=0
emu=qemu
# The guest's swap disk, and command-line words the emulator needs.
SWAPDEV=/dev/vda
EMU_APPEND=""
EMU_NAME=QEMU
EMU_STOP=reset
declare -A KERNELS=()
declare -A DATAFILES=()
default_kernel=""
scenarios=()

usage() {
	sed -n '/^# Usage:/,/^# SCENARIO/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

list_scenarios() {
	cat <<'EOF'
Scenarios (KIND[:key=value]...):
  boot       boot once and check the online CPUs
  hibernate  N hibernate/resume cycles in one QEMU run (/sys/power/disk=reboot),
             the same kernel restoring its own image
  cross      image made by image=K1, restored by restore=K2 in a second QEMU
             run, N cycles (each restore is a new QEMU run)
  kexec      a chain of N kexecs through kernels=K1,K2,... (cold boot is K1)
  nmi        cross, with NMIs sent to every parked AP by the image kernel
             right after the jump, before it wakes them
  restore-fail  cross, where the restore kernel fails on purpose after
             stopping its CPUs (syscore suspend): it must boot on, every CPU back
  restore-bad  cross with an image the restore kernel must refuse (bad=corrupt:
             bytes overwritten in the swap image; bad=memsize: restored with
             more memory, so the e820 map differs): it boots afresh instead,
             with the expected CPUs
  nmi-kexec  kexec, with NMIs sent to the parked APs by each kexec'd kernel
             before SMP bringup
  mce        cross, where the image kernel keeps the APs parked for hold= ms
             right after the jump and the host injects a machine check into
             one of them (QEMU monitor "mce"); must survive and resume
  mce-kexec  kexec, with the same machine check injected while each kexec'd
             kernel holds the APs parked before SMP bringup
  kselftest  run cpu_handoff_test (TAP) in the guest: cpu_handoff= parsing,
             the debugfs state, a test_resume cycle
  kexec-jump jump to a trivial image with KEXEC_PRESERVE_CONTEXT and back
             (cycles times): same CPUs online, payload intact
  kaslr-abi  kselftest twice with KASLR: the trampoline's address and code
             must not change while the kernel's text moves
  kexec-panic  a device's ->shutdown panics during kexec: no AP may be in
             wait-for-SIPI while the kernel waits to reboot (read from the
             monitor), and the machine must come back up
  sipi-nmi   experiment: INIT one offline AP into wait-for-SIPI, NMI it, and
             read its state from the QEMU monitor: does QEMU block the NMI?
Keys:
  cpus=N      vCPUs, as sockets=1,cores=N/2,threads=2 (default 4)
  cycles=N    hibernate cycles or kexecs (default 2)
  smt=off|on  boot with nosmt (default off, i.e. nosmt)
  k=NAME      kernel for boot/hibernate; image=/restore= for cross and nmi;
              kernels=A,B for kexec (names from --kernel)
  nmi=N       NMIs per parked AP (default 3)
  mcecpu=N    mce, mce-kexec: the AP that gets the machine check (default
              cpus/2: a core's first thread, online before the handoff)
  hold=MS     mce, mce-kexec: how long the APs are held parked (default 3000)
  s3=1        kexec: suspend to RAM (QEMU's system_wakeup wakes it) before
              the cold-booted kernel's kexec; its park time is then
              compared with the next kernel's, which did not suspend
  parkmax=MS  kexec: every handoff's "park N us" must be at most MS ms (a
              wait for a CPU that does not arrive is bounded in time);
              CPUs the handoff failed to park are then not a failure
  disk=shutdown|platform  cross: how the image kernel powers off after
              writing the image (/sys/power/disk; default shutdown).
              platform enters ACPI S4, and the resumed image kernel runs
              the firmware's leave and finish methods (_WAK) with the
              restore kernel's CPUs still parked
  fw=bios|uefi  firmware (default bios: QEMU's SeaBIOS); uefi boots OVMF
              (Debian's ovmf: OVMF_CODE_4M.fd, a fresh copy of its
              variable store per scenario), the kernel through its EFI stub
  failok=1    CPUs the handoff failed to park are not a failure (the
              scenario fails one on purpose: handoff_nmi_inject.fail_park)
  mces=N      mce, mce-kexec: machine checks in a row per hold, 1 s apart
              (default 1): the second finds MCIP set if the first left it
  kaslr=on|off  KASLR (default off; on for nmi*, mce*, where it makes
              the outgoing and incoming kernels' layouts differ as they do
              on real machines)
  payload=MIB memory payload checked after every handoff (default 16)
  append=W    extra kernel command-line words, ',' for space
  expect=pass|fail|xfail  what the scenario should do (default pass);
              xfail reports a known bug as TAP TODO (why=TEXT, ~ for space)
  break=check|cpus|payload  break a guest check on purpose (self-test)
  name=TEXT   TAP test name
  want=TEXT   a line the kernel log must contain (~ for space, ^ for :)
  want2=TEXT  a second one
  shun=TEXT   text the kernel log must not contain (same escapes)
  failwith=TEXT  the scenario must fail, and its reason contain TEXT (a
              failure whose shape is the point: a clean machine-check
              shutdown rather than garbage)
  smbios=VENDOR/PRODUCT  the machine's DMI system vendor and product (~ for
              space), for the SMI quirk list
  offline=C,..  kexec, kexec-jump, hibernate: CPUs to offline by hand first
  smttoggle=1   kexec, kexec-jump, hibernate: turn SMT on and off at runtime
              first
  at=N          restore-fail: where the restore fails (default 1): 1 syscore
              suspend, 2 swsusp_arch_resume(), 3 the series' commit
  hotplug=1     hibernate: a CPU hotplug loop runs until the freeze
  where=1       hibernate: after boot and after each resume the host reads
              every offline CPU's registers from the QEMU monitor; one
              in the trampoline page or in wait-for-SIPI between
              handoffs is a failure
  waitin=hlt|mwait  hibernate, with where=1: every offline CPU read was
              halted (hlt), or running (mwait: TCG runs MWAIT as a pause)
  online=N      boot, hibernate, cross: CPUs expected online (default: all,
              or one per core with nosmt)
  once=W,..     kexec: command-line words for the cold boot only
  expect0=N     kexec: CPUs online in the cold-booted kernel
  client=C      kexec: helper (default, kexec_file_load), kexec-tools
              (Debian's kexec -l, kexec_load; then kexec -e) or
              kexec-tools-s (kexec -s -l); kexec-jump: helper (our
              kexec_jump, cycles jumps) or upstream (the kernel's own
              selftests/kexec/test_kexec_jump.sh: two jumps)
EOF
}

while [ $# -gt 0 ]; do
	case $1 in
	--kernel)
		[ $# -ge 2 ] || usage
		n=${2%%=*} f=${2#*=}
		[ "$n" != "$2" ] || { echo "run.sh: --kernel wants NAME=BZIMAGE" >&2; exit 2; }
		KERNELS[$n]=$f
		[ -n "$default_kernel" ] || default_kernel=$n
		shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--datafile)
		[ $# -ge 2 ] || usage
		n=${2%%=*} f=${2#*=}
		[ "$n" != "$2" ] && [ -f "$f" ] ||
			{ echo "run.sh: --datafile wants NAME=FILE (an existing file)" >&2
			  exit 2; }
		DATAFILES[$n]=$f
		shift 2 ;;
	--out) out=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--emu) emu=$2; shift 2 ;;
	--timeout) timeout_base=$2; shift 2 ;;
	--silence)
		case ${2:-} in
		''|*[!0-9]*) echo "run.sh: --silence wants a number of seconds" >&2; exit 2 ;;
		esac
		silence=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--accel-cache) accel_cache=$2; shift 2 ;;
	--keep-disks) keep_disks=1; shift ;;
	--list) list_scenarios; exit 0 ;;
	-h|--help) usage ;;
	-*) echo "run.sh: unknown option $1" >&2; usage ;;
	*) scenarios+=("$1"); shift ;;
	esac
done

QEMU=${QEMU:-qemu-system-x86_64}
QEMU_CPU=${QEMU_CPU:-max,vendor=GenuineIntel}
case $emu in
qemu)
	command -v "$QEMU" >/dev/null || {
		echo "run.sh: $QEMU not found (Debian: apt-get install qemu-system-x86)" >&2
		exit 2
	} ;;
bochs) ;;
*) echo "run.sh: --emu $emu: use qemu or bochs" >&2; exit 2 ;;
esac
command -v qemu-img >/dev/null ||
	{ echo "run.sh: qemu-img not found (Debian: apt-get install qemu-utils)" >&2; exit 2; }
[ ${#scenarios[@]} -gt 0 ] || { echo "run.sh: no scenario given (see --list)" >&2; exit 2; }
[ ${#KERNELS[@]} -gt 0 ] || { echo "run.sh: no --kernel given" >&2; exit 2; }
for n in "${!KERNELS[@]}"; do
	[ -f "${KERNELS[$n]}" ] || {
		echo "run.sh: kernel $n: ${KERNELS[$n]} does not exist" \
			"(make kernel baseline?)" >&2
		exit 2
	}
done
[ -n "$initrd" ] && [ -f "$initrd" ] ||
	{ echo "run.sh: initramfs '${initrd}' missing (--initrd; make guest)" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
metrics=$out/metrics.csv
[ -f "$metrics" ] ||
	printf '%s%s%s\n' \
		"test,kind,image,restore,cpus,cycle,wall_s,restore_onlines,restore_offlines," \
		"restore_hotplug_ms,restore_cpu_stop_ms,load_to_resumed_s,resumed_to_user_s," \
		"kexec_to_boot_s,kexec_stop_ms,repark_ms,result" >"$metrics"

# ---------------------------------------------------------------- QEMU

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
		-d cpu_reset -D "$log.qemu.$QRUN" \
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

# stuck_watch LOG FROM: when a kernel says a CPU did not reach the
# trampoline's park loop, read where every vCPU is (hang_report: LOG.hang
# and a "MON: hang" line) while that CPU is still there; the next kernel's
# INIT would soon reset it.
stuck_watch() {
	local log=$1 from=$2 seen=0 n
	while kill -0 "$QPID" 2>/dev/null; do
		n=$(tail -n +"$from" "$log" 2>/dev/null | grep -c 'did not reach the park loop')
		if [ "$n" -gt "$seen" ]; then
			seen=$n
			hang_report "$log"
		fi
		sleep 0.1
	done
}

# The machine check the mce scenarios inject: uncorrected, processor
# context corrupt (VAL|UC|EN|PCC in MCi_STATUS of bank 1, MCIP in
# MCG_STATUS), i.e. fatal to whatever kernel handles it.  A CPU whose
# CR4.MCE is clear (as INIT leaves it) cannot take it and shuts the
# machine down instead (SDM 15.10.1), which QEMU does by resetting it.
MCE_ARGS="1 0xb200000000000000 0x4 0 0"

# cpu_state CPU: RIP, CS base, CR4 and HLT of one vCPU, from the monitor.
cpu_state() {
	qemu_monitor "info registers -a" | tr -d '\r' |
		awk -v c="CPU#$1" '$1 == c { on = 1; next } /^CPU#/ { on = 0 }
			on && /^(RIP|EIP)=/ { rip = $1 }
			on && /HLT=/ { for (i = 1; i <= NF; i++) if ($i ~ /^HLT=/) h = $i }
			on && /^CS =/ { cs = $3 }
			on && /CR4=/ { for (i = 1; i <= NF; i++) if ($i ~ /^CR4=/) cr4 = $i }
			END { if (rip != "") print rip, "CS.base=" cs, cr4, h }'
}

# mce_watch LOG FROM CPU: each time a kernel says it holds its parked APs
# (handoff_nmi_inject), inject MCES machine checks into CPU, 1 s apart,
# and log QEMU's answer to each as "MON: mce ..." (empty answer:
# delivered; QEMU refuses one while MCG_STATUS.MCIP is still set, and
# resets the machine as a processor would shut down).
mce_watch() {
	local log=$1 from=$2 cpu=$3 seen=0 n r i
	while kill -0 "$QPID" 2>/dev/null; do
		n=$(tail -n +"$from" "$log" 2>/dev/null |
			grep -c 'handoff_nmi_inject: [a-z]*: holding')
		if [ "$n" -gt "$seen" ]; then
			seen=$n
			for i in $(seq "${MCES:-1}"); do
				[ "$i" = 1 ] || sleep 1
				echo "MON: before mce cpu=$cpu: $(cpu_state "$cpu")" >>"$log"
				r=$(qemu_monitor "mce $cpu $MCE_ARGS" | tr -d '\r' |
					grep -v -e '^QEMU .*monitor' -e '^(qemu)' |
					sed 's/(qemu)//g' | tr '\n' ' ' | sed 's/ *$//')
				echo "MON: mce cpu=$cpu hold=$seen: ${r:-delivered}" >>"$log"
			done
		fi
		sleep 0.1
	done
}

# s3_watch LOG FROM: each time the guest says it suspends to RAM ("CH: S3
# suspend"), wait until QEMU has it suspended, then wake it up, as a
# wakeup event would.  QEMU resets every vCPU for S3; the firmware resumes
# the boot CPU, and the offline ones stay where the reset left them.
s3_watch() {
	local log=$1 from=$2 seen=0 n i st
	while kill -0 "$QPID" 2>/dev/null; do
		n=$(tail -n +"$from" "$log" 2>/dev/null | grep -c 'CH: S3 suspend')
		if [ "$n" -gt "$seen" ]; then
			seen=$n
			for i in $(seq 300); do
				st=$(qemu_monitor "info status" | tr -d '\r' |
					grep -o 'VM status.*')
				case $st in *suspended*) break ;; esac
				sleep 0.1
			done
			sleep 1
			echo "MON: S3 ${st:-no status}; system_wakeup" >>"$log"
			qemu_monitor system_wakeup >/dev/null
		fi
		sleep 0.1
	done
}

# where_watch LOG FROM: at each "CH: WHERE ... offline=LIST" line (the
# guest then sleeps), read every vCPU's registers and say where each
# offline CPU is.  Between handoffs an offline CPU belongs in its kernel's
# play_dead(): not in the trampoline's park loop (C1 only; the page at
# CPU_HANDOFF_TRAMPOLINE_VADDR), and not in wait-for-SIPI (CR4.MCE clear;
# QEMU shows it at the reset vector, CS base 0xffff0000, RIP 0xfff0).
where_watch() {
	local log=$1 from=$2 seen=0 n line list regs c cpus
	while kill -0 "$QPID" 2>/dev/null; do
		n=$(tail -n +"$from" "$log" 2>/dev/null | grep -c 'CH: WHERE ')
		if [ "$n" -gt "$seen" ]; then
			seen=$n
			line=$(tail -n +"$from" "$log" | grep 'CH: WHERE ' | sed -n "${n}p")
			list=$(echo "$line" | sed -n 's/.*offline=\([0-9,-]*\).*/\1/p')
			cpus=""
			for c in $(echo "$list" | tr ',' ' '); do
				case $c in
				*-*) cpus="$cpus $(seq "${c%-*}" "${c#*-}" | tr '\n' ' ')" ;;
				*) cpus="$cpus $c" ;;
				esac
			done
			regs=$(qemu_monitor "info registers -a" | tr -d '\r')
			for c in $cpus; do
				echo "$regs" | awk -v c="CPU#$c" -v cpu="$c" -v tag="$n" '
				$1 == c { on = 1; next } /^CPU#/ { on = 0 }
				on && /^RIP=/ { rip = substr($1, 5) }
				on && /^CS =/ { base = $3 }
				on && /HLT=/ { h = $0; sub(/.*HLT=/, "", h); hlt = substr(h, 1, 1) }
				END {
					r = tolower(rip); b = tolower(base)
					at = "probe=" tag " cpu=" cpu
					bad = "MON: WHERE-BAD " at
					if (rip == "")
						print bad ": no registers"
					else if (substr(r, 1, 13) == "ffffffffff5ff")
						print bad " in the trampoline page (RIP=" rip ")"
					else if (b ~ /^0*ffff0000$/ && r ~ /^0*fff0$/)
						print bad " in wait-for-SIPI (RIP=" rip ")"
					else
						print "MON: where " at " RIP=" rip " HLT=" hlt
				}' >>"$log"
			done
		fi
		sleep 0.1
	done
}

# Did QEMU itself crash during this scenario (not the guest)?  Prints the
# signal.  129..159 are signals; 143 is the SIGTERM qemu_stop sends.
qemu_crashed() {
	local f st
	for f in "$1".exit.*; do
		[ -f "$f" ] || continue
		st=$(cat "$f")
		if [ "$st" -gt 128 ] && [ "$st" -lt 160 ] && [ "$st" != 143 ]; then
			echo "signal $((st - 128))"
			return 0
		fi
	done
	return 1
}

# hang_report LOG: what a guest that stopped making progress was doing,
# read before QEMU is stopped: the last console line and how long ago it
# came, and each vCPU's RIP (with the nearest text symbol of the kernel
# QEMU booted, which in a kexec chain may not be the one running), HLT
# state and CS base (0xffff0000 with RIP 0xfff0: wait-for-SIPI).  The
# whole register dump goes to LOG.hang; the summary, one line, is what
# the TAP output shows of a CI failure whose logs are gone.
hang_report() {
	local log=$1 line now map regs
	line=$(grep -a -E '^[0-9]+\.[0-9]+ ' "$log" |
		grep -av -E '^[0-9.]+ (qemu-system|MON: )' | tail -n1)
	now=$(date +%s)
	if [ -n "$line" ]; then
		HANG_LAST="last console line $(echo "${line%% *} $now" |
			awk '{ printf "%.0fs before: ", $2 - $1 }')'${line#* }'"
	else
		HANG_LAST="no console line"
	fi
	HANG_LAST=$(printf '%s' "$HANG_LAST" | cut -c1-200)
	HANG_CPUS=""
	[ "$EMU_NAME" = QEMU ] || return 0
	regs=$(qemu_monitor "info registers -a" | tr -d '\r')
	printf '%s\n' "$regs" >"$log.hang"
	map=$(dirname "$QKERNEL")/../../../System.map
	[ -f "$map" ] || map=/dev/null
	HANG_CPUS=$(printf '%s\n' "$regs" | awk -v map="$map" "$HANG_SYMS"'
		function out() {
			if (cpu == "") return
			r = tolower(rip)
			where = (base ~ /^0*ffff0000$/ && r ~ /^0*fff0$/) ? "(wait-for-SIPI)" : \
				(substr(r, 1, 13) == "ffffffffff5ff") ? "(trampoline)" : sym(r)
			if (where != "" && substr(where, 1, 1) != "(") where = "(" where ")"
			printf "%s%s:%s%s%s", sep, cpu, rip, where, hlt == "HLT=1" ? ",HLT" : ""
			sep = " "
		}
		/^CPU#/ { out(); cpu = substr($1, 5); rip = ""; base = ""; hlt = "" }
		/^(RIP|EIP)=/ { rip = substr($1, 5) }
		/HLT=/ { for (i = 1; i <= NF; i++) if ($i ~ /^HLT=/) hlt = $i }
		/^CS =/ { base = $3 }
		END { out() }')
	# The words on each vCPU's stack that are text addresses, nearest
	# each as its nearest symbol: a backtrace of the guesses show_stack()
	# marks "?".
	printf '%s\n' "$regs" | awk '/^CPU#/ { c = substr($1, 5) }
		/RSP=/ { for (i = 1; i <= NF; i++) if ($i ~ /^RSP=/) print c, substr($i, 5) }' |
	while read -r c sp; do
		printf 'CPU#%s stack:' "$c"
		qemu_monitor "cpu $c" "x/64gx 0x$sp" | tr -d '\r' |
			grep -aE '^[0-9a-f]+: 0x' | cut -d: -f2- | tr ' ' '\n' |
			sed -n 's/^0x//p' | awk -v map="$map" "$HANG_SYMS"' {
				r = tolower($1); w = sym(r); if (w != "") printf " %s", w }'
		echo
	done >>"$log.hang"
	echo "MON: hang: $HANG_LAST; vCPUs $HANG_CPUS" >>"$log"
}

# The awk of hang_report that finds the text symbol at or before an
# address (16 hex digits, compared as strings) in System.map "map".
HANG_SYMS='
	BEGIN {
		while ((getline l < map) > 0) {
			split(l, f, " ")
			if (f[2] ~ /^[tTwW]$/) { n++; a[n] = tolower(f[1]); s[n] = f[3] }
		}
	}
	function sym(rip,   lo, hi, mid) {
		if (n == 0 || length(rip) != 16 || rip < a[1] || rip > a[n]) return ""
		lo = 1; hi = n
		while (lo < hi) {
			mid = int((lo + hi + 1) / 2)
			if (a[mid] <= rip) lo = mid; else hi = mid - 1
		}
		return s[lo]
	}'

# qemu_monitor CMD...: send monitor commands (experiments, fault
# injection, hang reports) one after another and print what QEMU answers.
# Each answer is read up to the prompt that follows it, for at most 10 s:
# "info registers -a" of 32 vCPUs is longer than one read.  The banner
# comes first, and each command's echo after a "(qemu) " prompt, as one
# read of the socket used to print them: callers drop those lines.
qemu_monitor() {
	perl -MIO::Socket::UNIX -MIO::Select -e '
		my $s = IO::Socket::UNIX->new(Peer => shift) or die "monitor: $!\n";
		my $sel = IO::Select->new($s);
		sub upto_prompt {
			my ($buf, $end) = ("", time + 10);
			while (time < $end && $sel->can_read(0.5)) {
				sysread($s, my $b, 65536) or last;
				$buf .= $b;
				last if $buf =~ /\n\(qemu\) $/ || ($_[0] && $buf =~ /\(qemu\) $/);
			}
			return $buf;
		}
		print upto_prompt(1);
		for my $cmd (@ARGV) {
			$s->print("$cmd\n");
			print upto_prompt(0);
		} ' "$MONSOCK" "$@"
}

qemu_stop() {
	# QEMU only (its command line names the monitor socket): the
	# timestamper then sees end of file and flushes the last lines.
	pkill -f -- "$MONSOCK" 2>/dev/null
	wait "$QPID" 2>/dev/null
	[ -n "${WPID:-}" ] && { kill "$WPID" 2>/dev/null; wait "$WPID" 2>/dev/null; WPID=""; }
	[ -n "${SPID:-}" ] && { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=""; }
}

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
# where=1: an offline CPU found, between handoffs, somewhere it must not be.
BAD="$BAD|MON: WHERE-BAD"

probe_accel() {
	local cache=${accel_cache:-$out/.accel} log
	case $accel in
	tcg) ACCEL_ARGS="-accel tcg,thread=multi"; return ;;
	kvm) ACCEL_ARGS="-accel kvm"; return ;;
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

# fw_setup TAG: the firmware arguments of the scenario's fw= key in
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

# ---------------------------------------------------------------- metrics

# Field from "key=value" list in $SPEC_OPTS.
opt() {
	local k=$1 d=$2 kv
	for kv in $SPEC_OPTS; do
		[ "${kv%%=*}" = "$k" ] && { echo "${kv#*=}" | tr '^' ':'; return; }
	done
	echo "$d"
}

# restore_metrics LOG: for the last restore in LOG, "ONLINES OFFLINES
# HOTPLUG_MS CPU_STOP_MS LOAD_S USER_S REPARK_MS":
#   ONLINES OFFLINES HOTPLUG_MS  CPU hotplug the restore kernel did, logged
#                      by the injector at its last syscore suspend
#   CPU_STOP_MS        the restore kernel's time to stop its CPUs: hold +
#                      park from the cpu_handoff line, else HOTPLUG_MS
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
			for (i = 1; i <= NF; i++) {
				if ($i == "hold") h = $(i + 1)
				if ($i == "park") p = $(i + 1)
			}
			stop = sprintf("%.2f", (h + p) / 1000)
		}
		/handoff_nmi_inject: resume: image kernel running/ && t0 && !t1 { t1 = $1 }
		/CH: RESUMED/ && t1 && !t2 { t2 = $1 }
		END { out(); if (!found) print "NA NA NA NA NA NA NA" }
	' "$1" | tail -n 1
}

# ---------------------------------------------------------------- scenarios

RESULT_NOTE=""

fail() {
	RESULT_NOTE="$*"
	return 1
}

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
	# parkmax=, failok=1: the scenario makes CPUs late, or their park
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
	echo "$a $(opt append "" | tr ',' ' ')"
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

# guest_done LOG: the guest finished its script successfully.
guest_done() {
	grep -q 'CH: DONE ok' "$1" || { fail "guest did not finish"; return 1; }
}

# One scenario; returns 0 pass, 1 fail.  Sets RESULT_NOTE.
run_hibernate() {
	local tag=$1 cpus=$2 cycles=$3 smt=$4 k kernel log append t0 rc c m
	k=$(opt k "$default_kernel")
	kernel=$(kernel_of "$k") || return 1
	log=$out/$tag.log
	mkdisks "$tag" $((mem + 256))
	append="$(base_append "$cpus" "$smt") resume=$SWAPDEV ch.scenario=hibernate"
	append="$append ch.cycles=$cycles"
	append="$append ch.disk=reboot ch.expect=$(expected_online "$cpus" "$smt")"
	append="$append ch.payload=$(opt payload 16) ch.break=$(opt break none)"
	append="$append ch.offline=$(opt offline "") ch.smttoggle=$(opt smttoggle 0)"
	append="$append ch.hotplug=$(opt hotplug 0) ch.where=$(opt where 0)"
	WHERE=""
	[ "$(opt where 0)" = 1 ] && WHERE=1
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
	[ -z "$(opt waitin "")" ] || wait_in "$log" "$(opt waitin "")" || return 1
	return 0
}

# wait_in LOG hlt|mwait: every offline CPU that where=1 read was halted
# (HLT), or running (MWAIT, which TCG runs as a pause).
wait_in() {
	local log=$1 how=$2 n want
	want=1
	[ "$how" = mwait ] && want=0
	n=$(grep -c '^MON: where ' "$log")
	[ "$n" -gt 0 ] || { fail "where=1 read no offline CPU"; return 1; }
	if grep '^MON: where ' "$log" | grep -qv " HLT=$want\$"; then
		fail "an offline CPU did not wait in $how:" \
			"$(grep '^MON: where ' "$log" | grep -v " HLT=$want\$" | head -1)"
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
	local ki kr kimg krest log append t0 c rc m rappend
	ki=$(opt image "$default_kernel")
	kr=$(opt restore "$default_kernel")
	kimg=$(kernel_of "$ki") || return 1
	krest=$(kernel_of "$kr") || return 1
	log=$out/$tag.log
	mkdisks "$tag" $((mem + 256))
	append="$(base_append "$cpus" "$smt") ch.scenario=hibernate ch.cycles=$cycles"
	append="$append ch.disk=$(opt disk shutdown)"
	append="$append ch.expect=$(expected_online "$cpus" "$smt") ch.payload=$(opt payload 16)"
	append="$append ch.break=$(opt break none)"
	[ "$nmi" -gt 0 ] && append="$append handoff_nmi_inject.resume=$nmi"
	[ "$mce" = 1 ] && append="$append handoff_nmi_inject.resume_hold_ms=$(opt hold 3000)"
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
		if [ "$c" = "$cycles" ]; then
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
		if grep -q 'CH: BOOT' "$log.c$c"; then
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
	append="$(base_append "$cpus" "$smt") ch.scenario=hibernate ch.cycles=1"
	append="$append ch.disk=shutdown ch.expect=$(expected_online "$cpus" "$smt")"
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
		append="$append $(opt once "" | tr ',' ' ') ch.once=$(opt once "")"
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
	kernel=$(kernel_of "$(opt k "$default_kernel")") || return 1
	log=$out/$tag.log
	mkdisks "$tag" 16
	append="$(base_append "$cpus" "$smt") panic=5 handoff_nmi_inject.shutdown_panic=1"
	append="$append ch.scenario=kexec ch.cycles=1 ch.kexec=$(opt k "$default_kernel")"
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
	kernel=$(kernel_of "$(opt k "$default_kernel")") || return 1
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
	kernel=$(kernel_of "$(opt k "$default_kernel")") || return 1
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
	kernel=$(kernel_of "$(opt k "$default_kernel")") || return 1
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
	k=$(opt k "$default_kernel")
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

# metric CYCLE IMAGE RESTORE "ON OFF HP_MS STOP_MS LOAD_S USER_S" KEXEC_S [KSTOP_MS]
metric() {
	local c=$1 ki=$2 kr=$3 m=$4 kx=$5 ks=${6:-NA}
	# shellcheck disable=SC2086
	set -- $m
	echo "$TNAME,$KIND,$ki,$kr,$CPUS,$c,NA,$1,$2,$3,$4,$5,$6,$kx,$ks,${7:-NA},NA" \
		>>"$out/.pending"
}

# Every field after the kind is key=value: a ':' inside a value would
# silently cut it short (a want= that checks less than it says), so it is
# written '^'.  Checked for all scenarios before any runs.
for spec in "${scenarios[@]}"; do
	[ "${spec%%:*}" != "$spec" ] || continue
	for kv in $(echo "${spec#*:}" | tr ':' ' '); do
		case $kv in
		*=*) ;;
		*)
			echo "run.sh: scenario '$spec': '$kv' is not key=value" \
				"(a ':' in a value is written '^')" >&2
			exit 2
			;;
		esac
	done
done

# emu_unsupported KIND: why this emulator cannot run KIND (with the
# scenario's keys), or nothing.  QEMU runs them all.
emu_unsupported() {
	return 1
}

# Bochs: its own versions of the emulator functions above.
# shellcheck source=bochs.sh
[ "$emu" = bochs ] && . "$SELF_DIR/bochs.sh"

probe_accel
echo "TAP version 13"
echo "1..${#scenarios[@]}"
n=0 npass=0 nfail=0 nxfail=0
for spec in "${scenarios[@]}"; do
	n=$((n + 1))
	KIND=${spec%%:*}
	SPEC_OPTS=""
	[ "$KIND" != "$spec" ] && SPEC_OPTS=$(echo "${spec#*:}" | tr ':' ' ')
	CPUS=$(opt cpus 4)
	cycles=$(opt cycles 2)
	smt=$(opt smt off)
	nmi=$(opt nmi 3)
	expect=$(opt expect pass)
	TNAME=$(opt name "$(echo "$spec" | sed 's/:/_/g; s/=/-/g; s/,/+/g')")
	TIMEOUT=$((timeout_base + CPUS * 10 * cycles))
	case $KIND in nmi*|mce*) DEFAULT_KASLR=on ;; *) DEFAULT_KASLR=off ;; esac
	MCES=$(opt mces 1)
	MCE_CPU=""
	WHERE=""
	SMBIOS_ARGS=()
	if [ -n "$(opt smbios "")" ]; then
		sm=$(opt smbios "" | tr '~' ' ')
		SMBIOS_ARGS=(-smbios "type=1,manufacturer=${sm%%/*},product=${sm#*/}")
	fi
	tag=$(printf '%02d-%s' "$n" "$TNAME" | tr -c 'A-Za-z0-9_+.-' '_')
	FW_ARGS=() FW_WHY=""
	fw_setup "$tag" || [ -n "$FW_WHY" ]
	RESULT_NOTE=""
	WALL=NA
	t_start=$(date +%s.%N)
	skip=""
	why_not=$(emu_unsupported "$KIND") && skip=1
	for attempt in 1 2; do
	RESULT_NOTE=""
	[ -n "$skip" ] && { res=0; break; }
	[ -n "$FW_WHY" ] && { fail "$FW_WHY"; res=1; break; }
	case $KIND in
	boot) run_boot "$tag" "$CPUS" "$smt" ;;
	sipi-nmi) run_sipi_nmi "$tag" "$CPUS" ;;
	kselftest) run_kselftest "$tag" "$CPUS" "$smt" ;;
	kaslr-abi) run_kaslr_abi "$tag" "$CPUS" "$smt" ;;
	kexec-jump) run_kexec_jump "$tag" "$CPUS" "$cycles" "$smt" ;;
	hibernate) run_hibernate "$tag" "$CPUS" "$cycles" "$smt" ;;
	cross) run_cross "$tag" "$CPUS" "$cycles" "$smt" 0 ;;
	nmi) run_cross "$tag" "$CPUS" "$cycles" "$smt" "$nmi" ;;
	restore-fail) run_cross "$tag" "$CPUS" 1 "$smt" 0 1 ;;
	restore-bad) run_restore_bad "$tag" "$CPUS" "$smt" ;;
	kexec) run_kexec "$tag" "$CPUS" "$cycles" "$smt" 0 ;;
	nmi-kexec) run_kexec "$tag" "$CPUS" "$cycles" "$smt" "$nmi" ;;
	kexec-panic) run_kexec_panic "$tag" "$CPUS" "$smt" ;;
	mce) run_cross "$tag" "$CPUS" "$cycles" "$smt" 0 0 1 ;;
	mce-kexec) run_kexec "$tag" "$CPUS" "$cycles" "$smt" 0 1 ;;
	*) fail "unknown scenario kind '$KIND' (see --list)" ;;
	esac
	res=$?
	# QEMU 7.2's TCG occasionally crashes (seen: a general protection fault
	# in qemu-system-x86_64 with 16 vCPUs).  That says nothing about the
	# kernel: say so, and run the scenario once more.
	crash=$(qemu_crashed "$out/$tag.log") || break
	[ $res = 0 ] && break
	echo "#   QEMU crashed ($crash) during this scenario, not the guest; running it again"
	mkdir -p "$out/qemu-crashed-$tag"
	mv "$out/$tag".log* "$out/qemu-crashed-$tag/"
	rm -f "$out/.pending"
	[ "$attempt" = 2 ] && RESULT_NOTE="QEMU crashed ($crash) twice: $RESULT_NOTE"
	done
	if [ -z "$skip" ]; then
		want=$(opt want "" | tr '~' ' ')
		shun=$(opt shun "" | tr '~' ' ')
		if [ $res = 0 ] && [ -n "$shun" ] && grep -qF -- "$shun" "$out/$tag.log"; then
			fail "the kernel log has: $shun"
			res=1
		fi
		if [ $res = 0 ] && [ -n "$want" ] && ! grep -qF -- "$want" "$out/$tag.log"; then
			fail "the kernel log lacks: $want"
			res=1
		fi
		want=$(opt want2 "" | tr '~' ' ')
		if [ $res = 0 ] && [ -n "$want" ] && ! grep -qF -- "$want" "$out/$tag.log"; then
			fail "the kernel log lacks: $want"
			res=1
		fi
		failwith=$(opt failwith "" | tr '~' ' ')
		if [ -n "$failwith" ]; then
			if [ $res = 0 ]; then
				RESULT_NOTE="passed, but should have failed with: $failwith"
				res=1
			elif printf '%s' "$RESULT_NOTE" | grep -qF -- "$failwith"; then
				RESULT_NOTE="failed as it should: $RESULT_NOTE"
				res=0
			else
				RESULT_NOTE="failed, but not with '$failwith': $RESULT_NOTE"
			fi
		fi
	fi
	[ "$WALL" = NA ] && WALL=$(echo "$(date +%s.%N) - $t_start" | bc)
	[ -f "$out/.pending" ] &&
		awk -F, -v OFS=, -v w="$WALL" -v r="$([ $res = 0 ] && echo pass || echo fail)" \
			'{ $7 = w; $17 = r; print }' "$out/.pending" >>"$metrics"
	rm -f "$out/.pending"
	ok="ok"
	[ $res = 0 ] || ok="not ok"
	directive=""
	[ -n "$skip" ] && expect=skip
	case $expect in
	skip)
		# Not run: the TAP line says why, and it counts as skipped.
		directive=" # SKIP $why_not"
		ok="ok"
		RESULT_NOTE=""
		nxfail=$((nxfail + 1)) ;;
	xfail)
		directive=" # TODO $(opt why "known to fail with these kernels" | tr '~' ' ')"
		nxfail=$((nxfail + 1)) ;;
	fail)
		# The scenario is a self-test that must catch a broken check.
		if [ $res = 0 ]; then ok="not ok"; RESULT_NOTE="passed, but was expected to fail"
		else ok="ok"; RESULT_NOTE="failed as expected: $RESULT_NOTE"; fi ;;
	esac
	if [ -z "$directive" ]; then
		if [ "$ok" = ok ]; then npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
	fi
	[ "$keep_disks" = 1 ] || rm -f "$out/$tag".*.img
	echo "$ok $n - $TNAME$directive"
	[ -n "$RESULT_NOTE" ] && echo "#   $RESULT_NOTE"
	[ -n "$skip" ] || echo "#   wall ${WALL}s, log $out/$tag.log"
done
echo "# $npass passed, $nfail failed, $nxfail known failures (TODO) or not runnable here (SKIP)"
[ "$nfail" = 0 ]
