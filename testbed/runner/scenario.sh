# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154 # sourced by run.sh: shares its variables
#
# scenario.sh - reading a scenario file (run.sh sources it).
#
# A scenario is a file in scenarios/, named as its TAP test is, in the
# manner of rcutorture's scenario files: one key per line, the key, spaces,
# then the value to the end of the line, written as it is meant (an
# expected log line as the kernel prints it).  '#' starts a comment line.
# want and shun may be given more than once; every other key once.
#
# In a scenario's name, the word "base" stands for the unpatched base the
# kernels were built from: with --base 7.3, cross-base-by-patched runs and
# reports as cross-7.3-by-patched.

scenario_keys() {
	cat <<'EOF'
Kinds (the kind key):
  boot       boot once and check the online CPUs
  hibernate  hibernate/resume cycles in one QEMU run (/sys/power/disk=reboot),
             the same kernel restoring its own image
  cross      image made by the image kernel, restored by the restore kernel
             in a second QEMU run (each cycle a new QEMU run)
  kexec      a chain of kexecs through the kernels (the cold boot is the
             first)
  nmi        cross, with NMIs sent to every parked AP by the image kernel
             right after the jump, before it wakes them
  restore-fail  cross, where the restore kernel fails on purpose after
             stopping its CPUs: it must boot on, every CPU back
  restore-bad  cross with an image the restore kernel must refuse (bad
             corrupt: bytes overwritten in the swap image; bad memsize:
             restored with more memory, so the e820 map differs): it boots
             afresh instead, with the expected CPUs
  nmi-kexec  kexec, with NMIs sent to the parked APs by each kexec'd kernel
             before SMP bringup
  mce        cross, where the image kernel keeps the APs parked for hold ms
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
  kind KIND       one of the above (required)
  kernel NAME     boot, hibernate, kselftest, kexec-jump, kaslr-abi,
                  kexec-panic, sipi-nmi: the kernel (names from --kernel;
                  default the first)
  image NAME, restore NAME  cross, nmi, mce, restore-fail, restore-bad: the
                  kernel that writes the image and the one that restores it
  kernels A,B,..  kexec, nmi-kexec, mce-kexec: the kernels of the chain
  cpus N          vCPUs, as sockets=1,cores=N/2,threads=2 (default 4)
  cycles N        hibernate cycles or kexecs (default 2)
  full-cycles N   cycles with --full (make check-full's longer runs)
  smt off|on      boot with nosmt (default off, i.e. nosmt)
  append WORDS    extra kernel command-line words
  once WORDS      kexec: command-line words for the cold boot only
  want LINE       text the kernel log must contain (repeatable)
  shun LINE       text the kernel log must not contain (repeatable)
  expect pass|fail|xfail  what the scenario should do (default pass); xfail
                  reports a known bug as TAP TODO, and why says which
  why TEXT        xfail: the known bug
  needs nmi-blocked-in-wait-for-sipi  the scenario shows INIT-parked CPUs
                  surviving NMIs, which needs an emulator that blocks NMI in
                  wait-for-SIPI as the SDM says; where the experiment found
                  it delivered (--nmi-in-wait-for-sipi delivered), it is
                  reported as TAP TODO
  failwith TEXT   the scenario must fail, and its reason contain TEXT (a
                  failure whose shape is the point: a clean machine-check
                  shutdown rather than garbage)
  break check|cpus|payload  break a guest check on purpose (self-test)
  nmi N           NMIs per parked AP (default 3)
  mcecpu N        mce, mce-kexec: the AP that gets the machine check
                  (default cpus/2: a core's first thread, online before the
                  handoff)
  hold MS         mce, mce-kexec: how long the APs are held parked (default
                  3000)
  mces N          mce, mce-kexec: machine checks in a row per hold, 1 s apart
                  (default 1): the second finds MCIP set if the first left it
  s3 1            kexec: suspend to RAM (QEMU's system_wakeup wakes it) before
                  the cold-booted kernel's kexec; its park time is then
                  compared with the next kernel's, which did not suspend
  parkmax MS      kexec: every handoff's "park N us" must be at most MS ms (a
                  wait for a CPU that does not arrive is bounded in time);
                  CPUs the handoff failed to park are then not a failure
  disk shutdown|platform  cross: how the image kernel powers off after
                  writing the image (/sys/power/disk; default shutdown).
                  platform enters ACPI S4, and the resumed image kernel runs
                  the firmware's leave and finish methods (_WAK) with the
                  restore kernel's CPUs still parked
  fw bios|uefi    firmware (default bios: QEMU's SeaBIOS); uefi boots OVMF
                  (Debian's ovmf: OVMF_CODE_4M.fd, a fresh copy of its
                  variable store per scenario), the kernel through its EFI
                  stub
  failok 1        CPUs the handoff failed to park are not a failure (the
                  scenario fails one on purpose: handoff_nmi_inject.fail_park)
  kaslr on|off    KASLR (default off; on for nmi*, mce*, where it makes the
                  outgoing and incoming kernels' layouts differ as they do on
                  real machines)
  payload MIB     memory payload checked after every handoff (default 16)
  thenkexec NAME  cross: after the last cycle the resumed image kernel
                  kexecs into kernel NAME, which must come up with every
                  CPU (the handoff right after a restore's)
  smbios-vendor TEXT, smbios-product TEXT  the machine's DMI system vendor
                  and product, for the SMI quirk list
  offline C,..    kexec, kexec-jump, hibernate: CPUs to offline by hand first
  smttoggle 1     kexec, kexec-jump, hibernate: turn SMT on and off at
                  runtime first
  at N            restore-fail: where the restore fails (default 1): 1
                  syscore suspend, 2 swsusp_arch_resume(), 3 the series'
                  commit
  bad corrupt|memsize  restore-bad: how the image is spoiled
  hotplug 1       hibernate: a CPU hotplug loop runs until the freeze
  where 1         hibernate: after boot and after each resume the host reads
                  every offline CPU's registers from the QEMU monitor; one in
                  the trampoline page or in wait-for-SIPI between handoffs is
                  a failure
  waitin hlt|mwait|native  hibernate, with where: every offline CPU read was
                  halted (hlt), or running (mwait: TCG runs MWAIT as a
                  pause); native: where this base's native_play_dead() waits
  online N        boot, hibernate, cross: CPUs expected online (default: all,
                  or one per core with nosmt)
  expect0 N       kexec: CPUs online in the cold-booted kernel
  client C        kexec: helper (default, kexec_file_load), kexec-tools
                  (Debian's kexec -l, kexec_load; then kexec -e) or
                  kexec-tools-s (kexec -s -l); kexec-jump: helper (our
                  kexec_jump, cycles jumps) or upstream (the kernel's own
                  selftests/kexec/test_kexec_jump.sh: two jumps)
EOF
}

# Every key a scenario file may use.
SCENARIO_KEYS=$(scenario_keys | sed -n '/^Keys:/,$p' |
	sed -n 's/^  \([a-z0-9-]\{1,\}\) [A-Z]\{1,\}, \([a-z0-9-]\{1,\}\) [A-Z]\{1,\} .*/\1 \2/p; t
		s/^  \([a-z0-9-]\{1,\}\) .*/\1/p' | tr '\n' ' ')

# scenario_path NAME|FILE: the scenario's file (a NAME is looked up in
# scenarios/ beside run.sh).
scenario_path() {
	case $1 in
	*/*) echo "$1" ;;
	*) echo "$SELF_DIR/scenarios/$1" ;;
	esac
}

# scenario_name FILE: the TAP name, the file's name with the word "base"
# read as --base (twice over: one pass of sed would miss the second of two
# adjacent words, base-base).
scenario_name() {
	local n
	n=$(basename "$1")
	[ -n "$base_version" ] || { echo "$n"; return; }
	echo "$n" | sed -E "s/(^|[-+])base([-+]|$)/\\1$base_version\\2/g;
			    s/(^|[-+])base([-+]|$)/\\1$base_version\\2/g"
}

# scenario_load FILE: the scenario's keys into SC (key -> value), its want
# and shun lines into WANTS and SHUNS.  Prints what is wrong with the file
# and returns 1 if anything is: a scenario that checks less than its
# author meant must not run.
declare -A SC=()
WANTS=() SHUNS=()
scenario_load() {
	local f=$1 line key val n=0
	SC=() WANTS=() SHUNS=()
	[ -f "$f" ] || { echo "run.sh: no scenario $f (see --list)" >&2; return 1; }
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		case $line in '' | '#'*) continue ;; esac
		key=${line%%[[:space:]]*}
		val=${line#"$key"}
		val=${val#"${val%%[![:space:]]*}"}
		case " $SCENARIO_KEYS " in
		*" $key "*) ;;
		*) echo "run.sh: $f:$n: unknown key '$key' (see --list)" >&2; return 1 ;;
		esac
		[ -n "$val" ] || { echo "run.sh: $f:$n: '$key' has no value" >&2; return 1; }
		case $key in
		want) WANTS+=("$val") ;;
		shun) SHUNS+=("$val") ;;
		*)
			[ -z "${SC[$key]+set}" ] ||
				{ echo "run.sh: $f:$n: '$key' given twice" >&2; return 1; }
			SC[$key]=$val ;;
		esac
	done <"$f"
	[ -n "${SC[kind]:-}" ] || { echo "run.sh: $f: no kind" >&2; return 1; }
	case $(opt expect pass) in
	pass | fail | xfail) ;;
	*) echo "run.sh: $f: expect $(opt expect pass): use pass, fail or xfail" >&2; return 1 ;;
	esac
	case $(opt needs nmi-blocked-in-wait-for-sipi) in
	nmi-blocked-in-wait-for-sipi) ;;
	*)
		echo "run.sh: $f: needs $(opt needs ""): only nmi-blocked-in-wait-for-sipi" >&2
		return 1 ;;
	esac
	[ "$(opt expect pass)" != xfail ] || [ -n "$(opt why "")" ] ||
		{ echo "run.sh: $f: expect xfail without a why" >&2; return 1; }
	return 0
}

# opt KEY DEFAULT: the loaded scenario's value of KEY, or DEFAULT.
opt() {
	if [ -n "${SC[$1]+set}" ]; then echo "${SC[$1]}"; else echo "$2"; fi
}
