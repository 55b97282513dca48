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
#   --accel auto|tcg|kvm|icount   auto: use KVM only if a guest boots under it;
#                          icount: TCG, guest time counting instructions
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
#   --base VERSION         the unpatched base's version, which scenario
#                          names say for the word "base" (scenario.sh)
#   --full                 runs as long as make check-full's (a scenario's
#                          full-cycles)
#   --nmi-in-wait-for-sipi delivered|blocked  what the sipi-nmi experiment
#                          found this emulator does (scenarios that need
#                          NMI blocked there are TODO where it is delivered)
#   --list                 print the scenario keys and exit
#   --validate             read the scenarios, say what is wrong, and exit
#
# Environment: QEMU (the emulator binary), QEMU_CPU (the -cpu model,
# default max,vendor=GenuineIntel; for example
# max,vendor=GenuineIntel,monitor=off makes offline CPUs sleep in HLT,
# not in TCG's MWAIT, which is a pause).
#
# SCENARIO is a scenario's name (its file in scenarios/) or the path of a
# scenario file; see scenario.sh and --list.
#
# The parts, each sourced here and read top to bottom: scenario.sh reads a
# scenario file; boot.sh boots a guest; console.sh watches its console;
# monitor.sh reads QEMU's monitor while it runs; kinds.sh is what each kind
# of scenario does with them; judge.sh judges the run and writes its TAP
# line; bochs.sh replaces the emulator functions for --emu bochs.
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
base_version=""
full=0
nmi_in_wfs=""
validate=0
# The guest's swap disk, and command-line words the emulator needs.
SWAPDEV=/dev/vda
EMU_APPEND=""
EMU_NAME=QEMU
EMU_STOP=reset
declare -A KERNELS=()
declare -A DATAFILES=()
default_kernel=""
scenarios=()

# shellcheck source=scenario.sh
. "$SELF_DIR/scenario.sh"
# shellcheck source=boot.sh
. "$SELF_DIR/boot.sh"
# shellcheck source=console.sh
. "$SELF_DIR/console.sh"
# shellcheck source=monitor.sh
. "$SELF_DIR/monitor.sh"
# shellcheck source=kinds.sh
. "$SELF_DIR/kinds.sh"
# shellcheck source=judge.sh
. "$SELF_DIR/judge.sh"

usage() {
	sed -n '/^# Usage:/,/^# scenario file/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
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
	--base) base_version=$2; shift 2 ;;
	--full) full=1; shift ;;
	--nmi-in-wait-for-sipi)
		case ${2:-} in
		delivered | blocked | "") nmi_in_wfs=${2:-} ;;
		*) echo "run.sh: --nmi-in-wait-for-sipi wants delivered or blocked" >&2; exit 2 ;;
		esac
		shift 2 ;;
	--list) scenario_keys; exit 0 ;;
	--validate) validate=1; shift ;;
	-h|--help) usage ;;
	-*) echo "run.sh: unknown option $1" >&2; usage ;;
	*) scenarios+=("$1"); shift ;;
	esac
done

# Every scenario is read before anything boots: a file with a key the
# runner does not know, a key given twice, or a known failure without its
# reason stops the run here (--validate: only that).
[ ${#scenarios[@]} -gt 0 ] || { echo "run.sh: no scenario given (see --list)" >&2; exit 2; }
files=()
for s in "${scenarios[@]}"; do
	f=$(scenario_path "$s")
	scenario_load "$f" || exit 2
	files+=("$f")
done
[ "$validate" = 0 ] || { echo "run.sh: ${#files[@]} scenarios read"; exit 0; }

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


# Bochs: its own versions of the emulator functions.
# shellcheck source=bochs.sh
[ "$emu" = bochs ] && . "$SELF_DIR/bochs.sh"

probe_accel
# Under TCG on a host short of CPU time, QEMU's PIT and the guest's TSC
# drift apart and Linux's check_timer() can panic in early boot ("IO-APIC
# + timer doesn't work!", results/open-failures.md): a flake of the
# emulator, not of a handoff.  KVM guests skip that check themselves.
case $ACCEL_ARGS in *tcg*) EMU_APPEND="$EMU_APPEND no_timer_check" ;; esac
echo "TAP version 13"
echo "1..${#files[@]}"
n=0 npass=0 nfail=0 nxfail=0
for file in "${files[@]}"; do
	n=$((n + 1))
	scenario_load "$file"
	KIND=$(opt kind "")
	TNAME=$(scenario_name "$file")
	CPUS=$(opt cpus 4)
	cycles=$(opt cycles 2)
	[ "$full" = 0 ] || cycles=$(opt full-cycles "$cycles")
	smt=$(opt smt off)
	nmi=$(opt nmi 3)
	expectation
	TIMEOUT=$((timeout_base + CPUS * 10 * cycles))
	case $KIND in nmi*|mce*) DEFAULT_KASLR=on ;; *) DEFAULT_KASLR=off ;; esac
	MCES=$(opt mces 1)
	MCE_CPU=""
	WHERE="" WHERE_PARKLOOP=""
	SMBIOS_ARGS=()
	vendor=$(opt smbios-vendor "") product=$(opt smbios-product "")
	[ -z "$vendor$product" ] ||
		SMBIOS_ARGS=(-smbios "type=1,manufacturer=$vendor,product=$product")
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
		judge "$res" "$out/$tag.log"
		res=$?
	fi
	[ "$WALL" = NA ] && WALL=$(echo "$(date +%s.%N) - $t_start" | bc)
	[ -f "$out/.pending" ] &&
		awk -F, -v OFS=, -v w="$WALL" -v r="$([ $res = 0 ] && echo pass || echo fail)" \
			'{ $7 = w; $17 = r; print }' "$out/.pending" >>"$metrics"
	rm -f "$out/.pending"
	[ -n "$skip" ] && EXPECT=skip
	[ "$keep_disks" = 1 ] || rm -f "$out/$tag".*.img
	tap_line "$n" "$TNAME" "$res" "$EXPECT"
	[ -n "$skip" ] || echo "#   wall ${WALL}s, log $out/$tag.log"
done
echo "# $npass passed, $nfail failed, $nxfail known failures (TODO) or not runnable here (SKIP)"
[ "$nfail" = 0 ]
