#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fill git format-patch's cover letter with the current results:
# mk/cover.sh build/series/0000-cover-letter.patch
#
# The results come from the files in results/ (see results/README.md for
# how each is made), so the letter says what was measured, not what the
# tree would do now; their dates are printed with them.  It is read in
# mail clients: prose is wrapped at 72 columns and the tables are fitted
# into 75 (mk/fit.py: medians only, short headers with a legend, long
# cells as notes); the full tables stay in results/.
# COVER_DRAFT=REASON: a draft (make series DRAFT=1), said at the top.
set -e
. "$(dirname "$0")/lib.sh"

cover=${1:?usage: cover.sh COVER-LETTER SERIES}
which=${2:-init}
R=$REPO/results
case $which in
init) subject="x86: Park CPUs in INIT across hibernation restore and kexec" ;;
rfc-trampoline) subject="x86: Park CPUs in a fixed-address trampoline where INIT cannot be used" ;;
*) die "cover.sh: no cover letter for a series called $which (MANIFEST)" ;;
esac

# table FILE [N]: the Nth (default first) markdown table of FILE.
table() {
	awk -v want="${2:-1}" '/^\|/ { if (!t) { n++; t = 1 } if (n == want) print; next }
		{ if (t && n == want) exit; t = 0 }' "$1"
}

fit() {
	python3 "$REPO/mk/fit.py" "$@"
}

# benchfit BASE: make bench's tables (mk/benchtable.sh) on stdin, whose
# speedups are against BASE, fitted into the letter.
benchfit() {
	# The newest run only (the file's first "## " section, if it has
	# sections), without its breakdown tables.
	awk '/^## / { if (++h > 1) exit }
	     /^\| vCPUs \| kernel \| kexecs \| stop \| park / { skip = 1 }
	     skip && /^$/ { skip = 0; next } skip { next }
	     /^\|/ { print; t = 1; next } t && /^$/ { print; t = 0 }' |
		fit --median --drop 'image loaded -> user space, s' \
			--drop 'image kernel re-park, ms' --drop "to-user speedup vs $1" \
			--hdr 'restore kernel=kernel' \
			--hdr 'restore-kernel CPU stop, ms median=stop ms' \
			--hdr 'image loaded -> image kernel running, s=to image s' \
			--hdr 'image kernel running -> user space, s=to user s' \
			--hdr "CPU stop speedup vs $1=speedup" \
			--hdr 'stop-to-jump (machine_shutdown()), ms median=stop ms' \
			--hdr 'reboot(KEXEC) -> next kernel first line, s=to next s' \
			--hdr '-> next kernel user space, s=to user s' \
			--hdr "stop-to-jump speedup vs $1=speedup"
}

draft_note() {
	[ -n "${COVER_DRAFT:-}" ] || return 0
	{
		echo "*** DRAFT, NOT FOR SENDING ***"
		echo
		echo "Written by 'make series DRAFT=1', signed off as whoever was at hand"
		echo "($COVER_DRAFT).  'make series' with your own git identity writes the"
		echo "series to send."
	} | fit
	echo
}

blurb() {
	cat <<-'EOF'
	When one kernel hands the machine to another, a hibernation restore
	kernel jumping into the image or kexec starting a new kernel, the other
	CPUs must not run code of either kernel.  x86 parks them in HLT or MWAIT
	loops in the outgoing kernel's memory, which the handoff overwrites.  An
	NMI, SMI or machine check, or a write to a monitored line, then makes a
	parked CPU execute garbage: the nosmt hibernation triple faults of 2016
	and 2019, whose workaround is that the restore kernel onlines every
	nosmt sibling only to put it back in HLT, and the kexec triple faults of
	2023.  Parking CPUs in INIT on shutdown (2023) was reverted because some
	BIOSes hang in SMI rendezvous with CPUs in wait-for-SIPI.

	This series parks them in INIT for the handoff only, past its point of
	no return: the CPU sits in wait-for-SIPI, where NMI, SMI and INIT are
	blocked, until the incoming kernel's ordinary INIT-SIPI-SIPI.  The
	resumed kernel re-parks what it inherited where arch_resume_nosmt()
	did its sibling dance, tasks still frozen, booting each CPU once and
	cancelling the bringup as nosmt does for siblings
	(cpu_boot_and_park()), so none is ever activated.  kexec sends INIT
	to stopped and offline CPUs from machine_shutdown() only.  Never used
	for reboot, power off or a panic.

	cpu_handoff=auto|init|off chooses; off is today's behaviour.  The
	order is one a reviewer can stop at: cpu_boot_and_park() and the INIT
	park itself (1-3), kexec (4), hibernation restore with the CPUs taken
	offline as today (5), the re-park in the kernel that takes over (6),
	kexec jump (7); then the restore kernel holds its CPUs instead of
	taking them offline, with its gain measured against 1-7 on the same
	kernel (8); then the documentation and the kselftest with a small
	QEMU runner.  A
	second series, RFC, parks CPUs in a fixed-address trampoline where
	INIT cannot be used; this one stands without it.
	The MAINTAINERS entry grows with the patches that add files.  The NMI
	injector behind the fault results below is test-bed code, applied to
	the series and to the plain base alike, and not part of the series.
	EOF
	echo
	echo "Base: Debian $(base_get BASE_PACKAGE) $(base_get BASE_DEBVERSION) (Linux $(base_get BASE_KERNELVERSION)),"
	echo "tarball sha256"
	echo "$(base_get BASE_SHA256);"
	echo "base-commit below is that tarball committed as is (fixed identity"
	echo "and date)."
	# What the backport changes, counted from bases/6.12.d/.
	bp=$REPO/bases/6.12.d
	nhooks=$(find "$bp" -name '*.patch' -path '*/patches/*' -not -path '*/testbed/*' | wc -l)
	nfiles=$(grep -c '^+++ ' "$bp/files.patch" 2>/dev/null || echo 0)
	if [ "$BASE" != "$DEFAULT_BASE" ]; then
		echo "This is the backport of the series written for Linux" \
			"$(BASE=$DEFAULT_BASE base_get BASE_KERNELVERSION): the same patches, with" \
			"the $nhooks hooks whose upstream context differs and the API names in" \
			"$nfiles files adapted (bases/$BASE.d/ in the repository)." | fit
	else
		echo "A backport to $(BASE=6.12 base_get BASE_PACKAGE)" \
			"$(BASE=6.12 base_get BASE_DEBVERSION) is kept with it: the same" \
			"patches, $nhooks hooks and $nfiles files adapted to the older context and" \
			"API names." | fit
	fi
	echo
	echo "Each patch builds; the series passes checkpatch --strict, sparse," \
		"W=1 and kernel-doc, and objtool with kernel IBT, FRED and noinstr" \
		"validation.  It also builds, warning-free with W=1 (and UT=1 on 7.x)" \
		"and event tracing on, with X86_CPU_HANDOFF=n, with the trampoline off" \
		"(the default), without hibernation and without kexec." | fit
	echo
	echo "Results"
	echo "======="
	echo
	echo "Under QEMU 7.2/TCG unless said otherwise, on a 2-core host (KVM guests"
	echo "do not boot there), -cpu max,vendor=GenuineIntel, nosmt,"
	echo "-smp N,sockets=1,cores=N/2,threads=2."
	echo
	if [ -f "$R/check-summary.md" ]; then
		kv=$(sed -n 's/^# make check on Linux \([^:]*\):.*/\1/p' "$R/check-summary.md")
		line="On Linux ${kv:-(unknown)} (results/check-summary.md"
		for f in "$R"/check-summary-*.md; do
			[ -f "$f" ] || continue
			b=${f##*/check-summary-}
			line="$line; the ${b%.md} backport's last run: results/${f##*/}"
		done
		echo "$line):" | fit
		echo
		sed -n '/^<!-- cover -->$/,/^<!-- \/cover -->$/p' "$R/check-summary.md" | sed '1d;$d' |
			fit --hdr '!image made by \ restored by=made \ restored by' \
				--hdr '!series, INIT=INIT' --hdr '!series, trampoline=trampoline' \
				--hdr '!series, release word=release word' \
				--hdr '!NMIs into parked CPUs=scenario (parked by, taken over by)' \
				--drop 'parked by' --drop 'taken over by'
		echo
	else
		echo "(results/check-summary.md is missing: no test results recorded)"
		echo
	fi
	if [ -f "$R/faults.md" ]; then
		echo "Faults injected into the parked CPUs, 6.12 against the series, 20 runs"
		echo "each (results/faults.md, which also says how each case is set up):"
		echo
		table "$R/faults.md" 2 | fit --hdr '!injected during=during' \
			--hdr 'how the others ended=others' --val '3 NMIs per parked AP=NMIs' \
			--val 'machine check, one AP=MCE' --val '!series trampoline=tramp.' \
			--val '!series INIT=INIT'
		echo
	fi
	if [ -f "$R/bochs.md" ]; then
		echo "Under Bochs, which blocks NMI in wait-for-SIPI as the SDM says (QEMU/TCG"
		echo "does not): NMIs into the parked CPUs, 6.12 against the series, one run"
		echo "(results/bochs.md):"
		echo
		table "$R/bochs.md" | fit --hdr 'NMIs sent=sent' --hdr 'taken in real mode after SIPI=real' \
			--hdr "taken by the kernels' handlers=handler" --hdr '!a CPU died=died' \
			--hdr 'wall s=s' --val 'first one fatal=1st' --val 'CPU1, triple fault=CPU1 TF' \
			--val 'CPU3, triple fault=CPU3 TF' --val 'no=-' --strip bochs-nmi-
		echo
	fi
	if [ -f "$R/soak.md" ]; then
		echo "Soak, on 6.12 (results/soak.md):"
		echo
		table "$R/soak.md" | fit --hdr 'parked with the method=parked' \
			--hdr 'passed checks (CPUs + payload)=passed' --hdr 'wall, min=min'
		echo
	fi
	if [ -f "$R/bench-7.3.md" ]; then
		echo "Cost against CPU count on 7.3, 7.3 and the series in the same runs,"
		echo "medians of 3 runs (results/bench-7.3.md has min and max):"
		echo
		benchfit 7.3 <"$R/bench-7.3.md"
		echo
		echo "The trampoline's figures are the RFC's; its cover letter says" \
			"where its kexec time goes." | fit
		echo
	fi
	if [ -f "$R/bench.md" ]; then
		echo "The same on 6.12, 6.12 and the series in one run, medians of"
		echo "3 runs (results/bench.md has min and max; plot in"
		echo "results/cost-vs-cpus.svg):"
		echo
		benchfit 6.12 <"$R/bench.md"
		echo
	elif [ -f "$R/bench-restore.md" ]; then
		echo "Restore-kernel CPU stop time against 6.12, same run"
		echo "(results/bench-restore.md):"
		echo
		table "$R/bench-restore.md" | fit --median
		echo
	fi
	if [ ! -f "$R/bench.md" ] && [ -f "$R/bench-kexec.md" ]; then
		echo "kexec, reboot(KEXEC) to the next kernel against 6.12"
		echo "(results/bench-kexec.md):"
		echo
		table "$R/bench-kexec.md" | fit --median
		echo
	fi
	cat <<-'EOF'
	Open questions
	==============

	 - SMI-rendezvous BIOSes: INIT parking lasts from the point of no return
	   to the incoming kernel's bringup.  For kexec that is purgatory and
	   the new kernel's boot up to smp_init(), fractions of a second to
	   seconds (and a kernel booted with maxcpus= or nr_cpus= leaves the
	   CPUs it does not bring up there until reboot; nosmt siblings are
	   booted once by every kernel since 4.19); for a
	   restore, the commit to the re-park (the jump, the syscore resume,
	   ACPI's leave method with hibernation_mode=platform, the thaw of the
	   frozen CPUs), then tens of milliseconds per CPU of re-park under
	   QEMU/TCG.  A panic
	   during kexec no longer parks (only machine_shutdown() for kexec
	   does).  Is that short enough everywhere, or should auto avoid INIT
	   on all client machines and not only on the DMI list (one entry,
	   bz#217995)?
	 - Power in wait-for-SIPI: a kernel without the series (6.12) leaves
	   INIT-parked CPUs there until it wakes them, and it only wakes its
	   nosmt siblings.  We found no data on package C-states with CPUs in
	   wait-for-SIPI.
	 - MCE: INIT clears CR4.MCE, so a machine check broadcast while CPUs are
	   parked shuts the machine down instead of running a handler in
	   overwritten memory.  We think that is the right trade.
	 - QEMU/TCG delivers NMIs to CPUs in wait-for-SIPI, against the SDM, so
	   the NMI property of INIT parking could not be shown here (Bochs
	   shows it).  TCG also leaves an INIT pending on a CPU halted
	   in HLT until another event wakes it (then drops that event), so
	   kexec's INIT-parked CPUs survive injected faults there by accident.
	   Hardware or KVM results are welcome.
	 - A hibernation aborted before the snapshot (a wakeup event, pm_test,
	   a failed syscore_suspend()) still calls arch_resume_nosmt(), which
	   now re-parks every offline CPU although nothing parked it (upstream
	   cycles the nosmt siblings there for nothing too).  Calling it only
	   after a restore is a change to kernel/power/hibernate.c that we
	   would rather send on its own.
	 - "Parked" counts the INITs sent: the delivery status of the ICR is
	   not checked (x2APIC has none).
	EOF
}

# The RFC on top: what it adds, what it costs, and what it asks.
blurb_rfc() {
	cat <<-'EOF'
	Where INIT cannot be used or is not welcome (SEV-ES/SNP and TDX
	guests, platform wakeup methods, a DMI list of SMI-rendezvous BIOSes),
	the INIT series leaves CPUs parked as before, in the outgoing kernel's
	memory.  This RFC, on top of it, parks them in a fixed-address
	trampoline instead: 128 KiB at a fixed physical address, reserved in
	every kernel with the option, holding a HLT loop with its own page
	tables, GDT, IDT and stacks; the code page sits at a fixed virtual
	address below the vsyscall page, read-only and NX in the kernel.  The
	next kernel takes CPUs back with INIT-SIPI-SIPI, or where INIT is
	unusable through a release word in the area.  cpu_handoff= gains
	"trampoline".

	It is RFC because the fixed address becomes ABI between kernels, and
	because no machine of the kind it serves was tried: everything below
	ran under QEMU/TCG and Bochs, with INIT made unusable on purpose
	(cpu_handoff_noinit).  There, on this posting's code, a release-word
	hibernation cycle (where an earlier version crashed 1 run in 25)
	passed 100 runs of 100 on each base, and a kexec chain with NMIs into
	the parked CPUs 100 of 101: the other run's third kernel panicked in
	check_timer() during early boot, before any of this code ran, while
	the host was overloaded (a known flake of QEMU/TCG guests).  Each
	other trampoline family (hibernation with and without the hold,
	kexec chains by the release word and by INIT, a restore by another
	trampoline kernel, a failed restore) passed 25 of 25 on each base.

	Open questions
	==============

	 - The fixed trampoline address (0xe00000 physical, 0xffffffffff5ff000
	   virtual) becomes ABI between kernels; a stale slot left by a kernel
	   without the option is why the release word is only trusted where
	   INIT is unusable.  SEV-SNP, whose AP creation could also leave a
	   stale slot, was not tried.
	 - Kexec's stop-to-jump is still slower than 7.3's under QEMU/TCG at
	   2-4 vCPUs: 0.8x, 0.3-0.4 ms more, with a quiet console (at loglevel
	   7 the serial port's time for the series' summary line, 0.6-1.2 ms,
	   comes on top).  The park itself is 0.2 ms there; counted in guest
	   instructions (QEMU's icount) the whole difference is 10-12 us, and
	   it is the summary pr_info(): a build of this code without that
	   line runs the window in 7.3's instructions at 2 and 4 vCPUs, with
	   INIT and with the trampoline.  Is one summary line per kexec worth
	   a few microseconds of it, or should it be pr_debug(), or print
	   only when a CPU could not be parked?  Offline CPUs that would wait
	   in HLT wait in the park loop from the start, so a kexec does not
	   wake them and wait for them (that made it 0.5x at 8 vCPUs).  A
	   restore goes from image loaded to user space 1.0-1.5x as fast as
	   7.3 at 2-16 vCPUs, and the next kernel after a kexec reaches user
	   space within 7.3's spread (results/bench-final-1207.md).

	Known defects, not fixed in this posting
	========================================

	A review of this RFC (2026-12-07) found these; all are where no
	emulator here can show them, and each needs hardware or a decision:

	 - FRED: a CPU released through the release word leaves the park
	   loop's NMI handler with NMIs blocked, and a FRED kernel may never
	   execute the IRET that unblocks them (ERETS does only for NMI
	   frames): that CPU's NMI watchdog, backtraces and kdump's NMI
	   shootdown stop working.  The next kernel should unblock NMIs on
	   a released CPU once its IDT or FRED is set up.
	 - SME hosts: the area is written through a memremap() that SME
	   maps decrypted, while the park loop's page tables read it
	   encrypted; the release CR3 adds the C-bit to a table the kernel
	   made decrypted.  The trampoline must be refused under SME until
	   the mapping is fixed and tried with mem_encrypt=on.
	 - A release into a kernel of another paging depth (4- vs 5-level)
	   cannot work: CR4.LA57 cannot change in long mode, and the slot
	   does not record it.
	 - A slot can read FREE while its CPU is still in the loop: after an
	   aborted suspend to RAM (syscore_resume() runs without a reset), or
	   after a release that timed out.
	 - The way in calls the APIC driver's send_IPI() with an IDT that has
	   no vector for #BP or #DB: a kprobe there shuts the CPU down.
	 - The area is not claimed exclusive: root can write the park loop
	   through /dev/mem; its direct-map alias is writable outside a
	   release.
	 - Offline SMT siblings waiting in the park loop do not answer late
	   microcode loading's NMI; loading then aborts.
	 - An exact ABI-version match strands CPUs parked by a kernel of
	   another version where INIT is unusable.
	 - The hold excludes KVM's paravirtual MSRs, but not VMware's steal
	   clock, which is armed per CPU the same way.
	 - Patch 5 does five things (the mode, the waiting play_dead(), the
	   early ask at syscore_shutdown(), the hold's refusals, suspend to
	   RAM) and should be split.
	EOF
}

[ -f "$cover" ] || die "no cover letter at $cover"
# Each series its own letter: the RFC's is its blurb alone.
letter=blurb
[ "$which" != rfc-trampoline ] || letter=blurb_rfc
python3 - "$cover" "$subject" <(draft_note; "$letter") <<'EOF'
import sys
path, subject, blurb = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
s = open(path).read()
if '*** SUBJECT HERE ***' not in s or '*** BLURB HERE ***' not in s:
    sys.exit('cover.sh: %s is not an unfilled git cover letter' % path)
s = s.replace('*** SUBJECT HERE ***', subject, 1)
s = s.replace('*** BLURB HERE ***', blurb.rstrip('\n'), 1)
open(path, 'w').write(s)
EOF
