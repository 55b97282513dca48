// SPDX-License-Identifier: GPL-2.0
/*
 * x86 CPU handoff: park CPUs in a fixed-address trampoline.
 *
 * Where INIT cannot be used or is not welcome (platforms with their own
 * CPU wakeup, BIOSes that hang in SMI rendezvous with CPUs in
 * wait-for-SIPI), CPUs are parked in a loop that lives in a small area of
 * memory every kernel with this option keeps out of its memory map, at
 * the same physical and virtual address (cpu_handoff_tramp_area.c,
 * cpu_handoff_tramp_loop.c).  The next kernel takes a CPU back with
 * INIT-SIPI-SIPI, like from anywhere else, or, where INIT cannot be used,
 * through the CPU's release word (cpu_handoff_tramp_release.c).  Online
 * CPUs enter the loop at the commit (hibernation) or from the stop IPI
 * (kexec); offline ones are moved there from trampoline_play_dead().
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/cc_platform.h>
#include <linux/cpu.h>
#include <linux/cpufeature.h>
#include <linux/cpuidle.h>
#include <linux/delay.h>
#include <linux/kexec.h>
#include <linux/kprobes.h>
#include <linux/mem_encrypt.h>
#include <linux/smp.h>
#include <linux/suspend.h>
#include <linux/syscore_ops.h>
#include <linux/tboot.h>

#include <asm/apic.h>
#include <asm/cpuid/api.h>
#include <asm/cpu_handoff_trampoline.h>
#include <asm/desc.h>
#include <asm/mwait.h>
#include <asm/nospec-branch.h>
#include <asm/reboot.h>
#include <asm/spec-ctrl.h>
#include <asm/special_insns.h>

#include "cpu_handoff.h"
#include "cpu_handoff_tramp.h"

/* How long to wait for a CPU to arrive in the park loop. */
#define PARK_TIMEOUT_US		(1000 * USEC_PER_MSEC)
/* How long a CPU asked to move may stay in MWAIT before it gets an NMI. */
#define NUDGE_AFTER_US		USEC_PER_MSEC

static char slotless_why[80];

/*
 * The IDT the way into the park loop takes its own NMI through, so that
 * it switches to the park loop's page tables with NMIs blocked: vector 2
 * only, on the current stack (cpu_handoff_enter_trampoline()).
 */
static gate_desc entry_idt[NMI_VECTOR + 1] __aligned(16);
static struct desc_ptr entry_idt_desc;

static void trampoline_play_dead(void);

/**
 * handoff_tramp_unusable() - why CPUs cannot be parked in the trampoline here
 *
 * Return: NULL if they can, else a reason for the log.
 */
const char *handoff_tramp_unusable(void)
{
	if (!handoff_tramp.reserved || !handoff_tramp.ready)
		return handoff_tramp.why;
	/*
	 * Confidential guests have their own park, which the series leaves
	 * alone: SEV-ES/SNP vCPUs wait in sev_es_play_dead() for the
	 * hypervisor's AP reset hold, and SNP's kexec destroys them.
	 */
	if (cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT))
		return "SEV-ES/SNP guest: offline vCPUs park with the hypervisor";
	/* HLT traps to the TDX module; TDX parks CPUs through the MADT mailbox. */
	if (cpu_feature_enabled(X86_FEATURE_TDX_GUEST))
		return "TDX guest: the park loop's HLT needs a TDCALL";
	if (smp_ops.play_dead != native_play_dead && smp_ops.play_dead != trampoline_play_dead)
		return "the platform parks offline CPUs its own way";
	/*
	 * tboot counts the CPUs that wait for SIPI (tboot_shutdown(), called
	 * from native_play_dead()) and, at its own shutdown, expects every
	 * CPU there; a CPU in the park loop is in neither its count nor the
	 * state it expects.
	 */
	if (tboot_enabled())
		return "tboot: offline CPUs must wait for SIPI in tboot's accounting";
	if (handoff_tramp.slotless) {
		snprintf(slotless_why, sizeof(slotless_why),
			 "%u CPUs have no slot: more CPUs than the area's %u slots",
			 handoff_tramp.slotless, CPU_HANDOFF_NR_SLOTS);
		return slotless_why;
	}
	return NULL;
}

static bool in_area(u64 start, u64 end)
{
	return start < CPU_HANDOFF_AREA_PHYS + CPU_HANDOFF_AREA_SIZE &&
	       end > CPU_HANDOFF_AREA_PHYS;
}

/**
 * handoff_tramp_refuse() - why the trampoline cannot serve this handoff
 * @reason: the handoff
 *
 * The area must not be overwritten by the handoff itself.
 *
 * Return: NULL if it can, else a reason for the log.
 */
const char *handoff_tramp_refuse(enum cpu_handoff_reason reason)
{
#ifdef CONFIG_HIBERNATION
	struct pbe *p;
#endif

	/*
	 * Not ready since a resume found another kernel's park loop there,
	 * with CPUs in it (handoff_tramp_resumed()): its way in maps that
	 * kernel's text, not this one's.
	 */
	if (!handoff_tramp.ready)
		return handoff_tramp.why;
	/*
	 * The area is nosave, so a restore kernel loads an image page that
	 * belongs there straight into it: an image made by a kernel without
	 * this option, which used that memory.  Nothing else writes it (a
	 * kexec image is copied into place only after the jump, and its
	 * segments are checked below), so only a restore pays for reading it
	 * all: under emulation that read was most of what a kexec's stop
	 * cost over the base's.
	 */
	if (reason == CPU_HANDOFF_RESTORE &&
	    handoff_tramp_crc() != handoff_tramp.built_crc)
		return "the park loop was overwritten (an image from a kernel without it?)";
#ifdef CONFIG_HIBERNATION
	if (reason == CPU_HANDOFF_RESTORE) {
		/* Pages of the image that the restore copies into place. */
		for (p = restore_pblist; p; p = p->next) {
			u64 pa = __pa(p->orig_address);

			if (in_area(pa, pa + PAGE_SIZE))
				return "the image has pages in the trampoline area";
		}
	}
#endif
#ifdef CONFIG_KEXEC_CORE
	if (reason != CPU_HANDOFF_RESTORE && kexec_image) {
		unsigned long i;

		for (i = 0; i < kexec_image->nr_segments; i++) {
			struct kexec_segment *s = &kexec_image->segment[i];

			if (in_area(s->mem, s->mem + s->memsz))
				return "a kexec segment overlaps the trampoline area";
		}
	}
#endif
	return NULL;
}

DEFINE_PER_CPU(struct cpu_handoff_enter_args, cpu_handoff_enter_args);
static_assert(offsetof(struct cpu_handoff_enter_args, cr3) == CPU_HANDOFF_ARG_CR3);
static_assert(offsetof(struct cpu_handoff_enter_args, entry) == CPU_HANDOFF_ARG_ENTRY);
static_assert(offsetof(struct cpu_handoff_enter_args, stack) == CPU_HANDOFF_ARG_STACK);
static_assert(offsetof(struct cpu_handoff_enter_args, wbinvd) == CPU_HANDOFF_ARG_WBINVD);

/**
 * cpu_handoff_self_nmi() - send this CPU an NMI, for the way into the park loop
 *
 * Called by cpu_handoff_enter_trampoline() with the entry IDT loaded, which
 * has no vector for #BP or #DB: neither traced nor probed.  The APIC
 * driver's send_IPI() it calls is an ordinary function; a kprobe there
 * while a CPU takes this way would shut that CPU down.
 *
 * Context: interrupts off, kernel IBT, DR7 and FRED off.
 */
notrace void cpu_handoff_self_nmi(void)
{
	__apic_send_IPI(raw_smp_processor_id(), NMI_VECTOR);
}
NOKPROBE_SYMBOL(cpu_handoff_self_nmi);

static void __noreturn trampoline_enter(void)
{
	unsigned int cpu = smp_processor_id();
	struct handoff_slot *s;
	int n = cpu < CPU_HANDOFF_NR_SLOTS ? handoff_tramp.slot_of[cpu] : -1;

	if (n < 0) {
		/* No slot: halt here, as without this option. */
		for (;;)
			native_halt();
	}
	s = handoff_tramp_slot(n);
	WRITE_ONCE(s->apicid, per_cpu(x86_cpu_to_apicid, cpu));
	WRITE_ONCE(s->release_rip, 0);
	WRITE_ONCE(s->release_cr3, 0);
	WRITE_ONCE(s->nmis, 0);
	WRITE_ONCE(s->exceptions, 0);
	/* The loop sets PARKED itself, from its own page tables. */
	WRITE_ONCE(s->state, CPU_HANDOFF_SLOT_FREE);
	/*
	 * Where the caches may be incoherent with memory (SME, TDX hosts),
	 * flush them once more after the last write to this kernel's
	 * memory (the call's return address included), as stop_this_cpu()
	 * does before it halts: see cpu_handoff_enter_trampoline().
	 */
	cpu_handoff_enter_trampoline(handoff_tramp.park_cr3,
				     CPU_HANDOFF_TRAMPOLINE_VADDR + CPU_HANDOFF_CODE_ENTRY,
				     CPU_HANDOFF_AREA_VADDR + CPU_HANDOFF_SLOTS_OFF +
				     (n + 1) * CPU_HANDOFF_SLOT_SIZE,
				     this_cpu_read(cache_state_incoherent),
				     &entry_idt_desc, !in_nmi());
	for (;;)
		native_halt();
}

/*
 * Between handoffs an offline CPU belongs in its deepest idle state, as in
 * the kernel's own play_dead().  Where that is HLT (no cpuidle driver
 * plays dead: AMD, most virtual machines), the park loop's HLT is the
 * same state, so the CPU goes there at once: no handoff has to wake it
 * and wait for its way in, and no NMI is ever sent to it.  Where
 * native_play_dead() would wait in MWAIT (idle_driver_plays_dead()), the
 * park loop's HLT would keep the core out of C6 for as long as the CPU is
 * offline.  So it waits here, in this kernel's memory, in MWAIT on its
 * own cache line with the deepest hint CPUID leaf 5 lists, and moves into
 * the park loop when a handoff asks (handoff_tramp_park()), before this
 * memory is overwritten: the ask is a store to the line, and an NMI if
 * that has not woken it a millisecond later.  It waits in HLT here only
 * if the park loop is not ready, or is not the one this kernel built (a
 * resumed image, until cpu_handoff_repark() rebuilds it); then the ask
 * comes with an NMI straight away, which an offline CPU returns from at
 * once (exc_nmi()).  A handoff asks every waiting CPU at once
 * (ask_offline_waiters()), so that they move in side by side.  What this
 * does not use is cpuidle's enter_dead (ACPI _CST I/O C-states): a CPU in
 * those loops cannot be asked to move.
 *
 * An NMI goes only to a CPU that provably still waits: the CPU and the
 * handoff both move @state with cmpxchg(), the CPU from waiting to
 * DEAD_LEAVING once it has seen the ask, the handoff from waiting to
 * DEAD_NUDGED before it sends the NMI; whoever comes second leaves it
 * alone.  CPUs stopped for kexec never waited here (DEAD_NONE, set each
 * time a CPU is booted) and get no NMI either.  Nor do CPUs that suspend
 * to RAM has reset while offline (DEAD_RESET, set on resume): they run
 * nothing of this kernel, and no handoff waits for them.
 */
enum dead_wait_state {
	DEAD_NONE,	/* not waiting here: online, stopped, or booted since */
	DEAD_MWAIT,	/* waits in MWAIT: the store to @go wakes it */
	DEAD_HLT,	/* waits in HLT: an NMI wakes it */
	DEAD_NUDGED,	/* the handoff has sent it an NMI */
	DEAD_LEAVING,	/* saw @go, on its way to the park loop: no NMI */
	DEAD_RESET,	/* reset by firmware since (suspend to RAM): left alone */
	DEAD_PARKED,	/* went into the park loop when it went offline */
};

/* @go: what a handoff asks of a waiting CPU */
#define DEAD_GO_PARK	1	/* move into the park loop */
#define DEAD_GO_HALT	2	/* wait in HLT here: the park loop is refused */

struct dead_wait {
	u32 go;		/* set by the handoff: DEAD_GO_PARK or DEAD_GO_HALT */
	u32 state;	/* enum dead_wait_state */
} ____cacheline_aligned;
static DEFINE_PER_CPU_ALIGNED(struct dead_wait, dead_wait);

/**
 * handoff_tramp_forget_wait() - a CPU is being booted: it waits here no more
 * @cpu: the CPU
 *
 * Whatever reset the CPU for this boot (INIT, firmware) took it out of
 * trampoline_play_dead(); a handoff must not nudge it as a waiter.
 */
void handoff_tramp_forget_wait(unsigned int cpu)
{
	WRITE_ONCE(per_cpu(dead_wait, cpu).state, DEAD_NONE);
}

/**
 * handoff_tramp_reset_offline() - suspend to RAM has reset the offline CPUs
 *
 * Firmware brings back only the CPUs that were online; the others are
 * wherever it left them, not in trampoline_play_dead().  A handoff must
 * neither nudge them nor wait for them to reach the park loop.
 *
 * Context: syscore resume, the boot CPU alone, interrupts off.
 */
void handoff_tramp_reset_offline(void)
{
	unsigned int cpu;

	for_each_present_cpu(cpu)
		if (!cpu_online(cpu))
			WRITE_ONCE(per_cpu(dead_wait, cpu).state, DEAD_RESET);
}

/*
 * Whether native_play_dead() would wait in MWAIT: only through a cpuidle
 * driver that plays dead (intel_idle, ACPI FFH C-states), else in HLT.
 * So do we: without such a driver, as in most virtual machines, MWAIT
 * may be no sleep at all (QEMU's TCG runs it as a pause), and an offline
 * CPU spinning there takes its host CPU from the online ones.
 */
static bool idle_driver_plays_dead(void)
{
	struct cpuidle_driver *drv = cpuidle_get_driver();
	int i;

	for (i = 0; drv && i < drv->state_count; i++)
		if (drv->states[i].enter_dead)
			return true;
	return false;
}

/* MWAIT hint for the deepest C-state, or -1 to wait in HLT. */
static int deepest_mwait_hint(void)
{
	unsigned int eax, ebx, ecx, edx, cstate = 0, sub = 0, i;

	/* On AMD and Hygon, as in mwait_play_dead(), HLT is the deep one. */
	if (!idle_driver_plays_dead() ||
	    boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	    boot_cpu_data.x86_vendor == X86_VENDOR_HYGON ||
	    !this_cpu_has(X86_FEATURE_MWAIT) || !this_cpu_has(X86_FEATURE_CLFLUSH) ||
	    __this_cpu_read(cpu_info.cpuid_level) < CPUID_LEAF_MWAIT)
		return -1;
	cpuid(CPUID_LEAF_MWAIT, &eax, &ebx, &ecx, &edx);
	if (!(ecx & CPUID5_ECX_EXTENSIONS_SUPPORTED))
		return 0;
	/* EDX: sub-states per C-state, 4 bits each, C0 first. */
	for (edx >>= MWAIT_SUBSTATE_SIZE, i = 1; i < 8 && edx;
	     i++, edx >>= MWAIT_SUBSTATE_SIZE) {
		if (edx & MWAIT_SUBSTATE_MASK) {
			cstate = i - 1;
			sub = edx & MWAIT_SUBSTATE_MASK;
		}
	}
	return sub ? (cstate << MWAIT_SUBSTATE_SIZE) | (sub - 1) : 0;
}

/* smp_ops.play_dead: wait, deep, until a handoff moves the CPU. */
static void trampoline_play_dead(void)
{
	struct dead_wait *w = this_cpu_ptr(&dead_wait);
	u32 waiting;
	int hint;

	if (cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS))
		__update_spec_ctrl(0);

	play_dead_common();
	hint = deepest_mwait_hint();
	if (hint < 0 && boot_cpu_data.x86 >= 4)
		wbinvd();
	/*
	 * Only into a park loop this kernel built: after a resume, until
	 * cpu_handoff_repark() rebuilds it, the area holds the restore
	 * kernel's, whose way in maps that kernel's text, not this one's.
	 */
	if (hint < 0 && handoff_tramp.ready &&
	    handoff_tramp_crc() == handoff_tramp.built_crc) {
		WRITE_ONCE(w->go, 0);
		WRITE_ONCE(w->state, DEAD_PARKED);
		trampoline_enter();
	}
	/*
	 * CPU hotplug is off during a handoff, so no ask can be pending
	 * yet: anything in @w is left from before this CPU was last reset.
	 */
	waiting = hint < 0 ? DEAD_HLT : DEAD_MWAIT;
	WRITE_ONCE(w->go, 0);
	WRITE_ONCE(w->state, waiting);
	/*
	 * The state before go is read, as handoff_tramp_park() stores go
	 * before it reads the state: one of the two sees the other's
	 * store, so the CPU either finds go set or gets the NMI.
	 */
	smp_mb();
	while (!READ_ONCE(w->go)) {
		if (hint < 0) {
			native_halt();
			continue;
		}
		/*
		 * CLFLUSH before MONITOR, fenced on both sides: erratum AAI65,
		 * as in mwait_play_dead().
		 */
		mb();
		clflush(w);
		/* The flush completes before the monitor is armed. */
		mb();
		__monitor(w, 0, 0);
		/* Armed before go is read again: a store from now on wakes it. */
		mb();
		if (!READ_ONCE(w->go))
			__mwait(hint, 0);
	}
	if (READ_ONCE(w->go) == DEAD_GO_HALT) {
		for (;;)
			native_halt();
	}
	/*
	 * No NMI from the handoff after this; if one is on its way
	 * already (DEAD_NUDGED), the way in takes it in its stride.
	 */
	cmpxchg(&w->state, waiting, DEAD_LEAVING);
	trampoline_enter();
}

/*
 * smp_ops.stop_this_cpu: for kexec, a stopped CPU parks in the trampoline;
 * for everything else (reboot, panic, crash) it halts, as without this.
 */
static void trampoline_stop_this_cpu(void)
{
	if (kexec_in_progress && smp_processor_id() != 0 &&
	    READ_ONCE(handoff_stop_mode) == HANDOFF_TRAMPOLINE)
		trampoline_enter();
	for (;;)
		native_halt();
}

/**
 * handoff_tramp_park_self() - a held CPU parks itself, at the commit
 *
 * Context: a held CPU, interrupts off, prepared already; never returns.
 */
void handoff_tramp_park_self(void)
{
	/*
	 * A held CPU was online: its local APIC's timer, performance
	 * counter (the NMI watchdog's PMI comes as an NMI), thermal and CMCI
	 * interrupts and LINT0/1 may still be armed.  Mask them all, as
	 * disable_local_APIC() does for CPUs stopped for kexec, but leave the
	 * APIC on: the release word needs its NMI.  Else a vector raised
	 * while parked would fire in the next kernel, if the release word
	 * takes the CPU there rather than INIT, which resets the APIC.
	 */
	clear_local_APIC();
	trampoline_enter();
}

/* An NMI to @cpu if, and only if, it still waits in trampoline_play_dead(). */
static void nudge_waiter(unsigned int cpu, struct dead_wait *w, u32 waiting)
{
	if (cmpxchg(&w->state, waiting, DEAD_NUDGED) == waiting)
		__apic_send_IPI(cpu, NMI_VECTOR);
}

/*
 * Ask every offline CPU still waiting in trampoline_play_dead() to move,
 * all at once, so that they make their way in side by side rather than
 * one after the other while the controlling CPU waits for each.  Each is
 * asked once: a CPU that has seen the ask, or been nudged, is no longer
 * waiting; the primary CPU is never parked.
 */
static void ask_offline_waiters(void)
{
	unsigned int cpu;
	u32 state;

	for_each_present_cpu(cpu) {
		struct dead_wait *w = per_cpu_ptr(&dead_wait, cpu);

		if (cpu_online(cpu) || cpu == 0)
			continue;
		state = READ_ONCE(w->state);
		if ((state != DEAD_HLT && state != DEAD_MWAIT) || READ_ONCE(w->go))
			continue;
		WRITE_ONCE(w->go, DEAD_GO_PARK);
		/* Go before the state: see trampoline_play_dead(). */
		smp_mb();
		nudge_waiter(cpu, w, DEAD_HLT);
	}
}

/*
 * A kexec runs syscore_shutdown() with CPU hotplug off, right before
 * machine_shutdown() stops the online CPUs and parks them all, and there
 * is no way back from there: ask the offline waiters now.  They make their
 * way in while the kexec logs its last line and stops the others, rather
 * than after, while every other CPU is stopped and this one waits with
 * interrupts off.  The park finds them there (handoff_tramp_park()).  Should
 * the kexec die before the jump, the machine is reset with them in the
 * park loop, which is not memory that reset or the next boot runs into.
 */
/*
 * A kexec the park loop cannot serve (refused: INIT parks the CPUs, or
 * they stay as without this option).  A CPU waiting in MWAIT would wake
 * at the next kernel's first store to its line, in memory that kernel
 * overwrites, and run it (d7893093a741): send it into HLT, as
 * smp_kick_mwait_play_dead() does for mwait_play_dead().  The store ends
 * its MWAIT at once; it has the rest of the kexec to get to the HLT.
 */
static void halt_offline_waiters(void)
{
	unsigned int cpu;

	for_each_present_cpu(cpu) {
		struct dead_wait *w = per_cpu_ptr(&dead_wait, cpu);

		if (!cpu_online(cpu) && READ_ONCE(w->state) == DEAD_MWAIT)
			WRITE_ONCE(w->go, DEAD_GO_HALT);
	}
}

static void trampoline_syscore_shutdown(void *data)
{
	if (!kexec_in_progress)
		return;
	if (handoff_mode_for(CPU_HANDOFF_KEXEC) == HANDOFF_TRAMPOLINE)
		ask_offline_waiters();
	else
		halt_offline_waiters();
}

static const struct syscore_ops trampoline_shutdown_ops = {
	.shutdown = trampoline_syscore_shutdown,
};

static struct syscore trampoline_shutdown_syscore = {
	.ops = &trampoline_shutdown_ops,
};

static struct handoff_slot *parked_slot(unsigned int cpu)
{
	int n = cpu < CPU_HANDOFF_NR_SLOTS ? handoff_tramp.slot_of[cpu] : -1;

	return n < 0 ? NULL : handoff_tramp_slot(n);
}

/**
 * handoff_tramp_park() - park one CPU in the trampoline
 * @cpu: the CPU
 *
 * A held CPU parks itself; an offline one waits in trampoline_play_dead()
 * and is asked to move.  Wait until it is there.
 *
 * Context: the controlling CPU, interrupts off.
 * Return: 0 once parked; -ENODEV for a CPU suspend to RAM has reset (left
 * alone); another negative errno if it could not be parked.
 */
int handoff_tramp_park(unsigned int cpu)
{
	struct handoff_slot *s = parked_slot(cpu);
	struct dead_wait *w = per_cpu_ptr(&dead_wait, cpu);
	struct handoff_wait wait;
	bool nudge = false;

	if (!s)
		return -ENOSPC;
	if (!cpu_online(cpu) && READ_ONCE(w->state) == DEAD_RESET)
		return -ENODEV;
	if (!cpu_online(cpu)) {
		/*
		 * If it waits in trampoline_play_dead(), the store ends its
		 * MWAIT, and an NMI its HLT.  CPUs stopped for kexec go to
		 * the park loop by themselves (DEAD_NONE) and get no NMI, nor
		 * do CPUs that went there when they went offline (DEAD_PARKED).
		 * The first park of a handoff asks them all: later ones only
		 * if this CPU began to wait since.
		 */
		if (READ_ONCE(w->state) != DEAD_PARKED) {
			if (!READ_ONCE(w->go))
				ask_offline_waiters();
			nudge = true;
		}
	}
	handoff_wait_start(&wait, PARK_TIMEOUT_US);
	do {
		if (READ_ONCE(s->state) == CPU_HANDOFF_SLOT_PARKED &&
		    READ_ONCE(s->apicid) == per_cpu(x86_cpu_to_apicid, cpu))
			return 0;
		/*
		 * The store should have ended the MWAIT at once.  A monitor
		 * wakeup can be lost (MONITOR/MWAIT errata; Bochs misses
		 * stores through mappings cached before MONITOR), so a CPU
		 * still waiting after a millisecond gets the NMI a HLT
		 * waiter gets, which ends MWAIT too.
		 */
		if (nudge && handoff_wait_elapsed_us(&wait) >= NUDGE_AFTER_US) {
			nudge_waiter(cpu, w, DEAD_MWAIT);
			/* And any CPU that had not begun to wait at the ask. */
			ask_offline_waiters();
			nudge = false;
		}
	} while (!handoff_wait_over(&wait));
	pr_warn("CPU %u did not reach the park loop in %lu ms (%s, wait state %u, slot state %u)\n",
		cpu, PARK_TIMEOUT_US / USEC_PER_MSEC, cpu_online(cpu) ? "held" : "offline",
		READ_ONCE(w->state), READ_ONCE(s->state));
	return -ETIMEDOUT;
}

/**
 * handoff_tramp_select() - the trampoline was chosen: offline CPUs wait for it
 *
 * Context: early_initcall, before the other CPUs come up.
 */
void __init handoff_tramp_select(void)
{
	smp_ops.play_dead = trampoline_play_dead;
	if (!smp_ops.stop_this_cpu)
		smp_ops.stop_this_cpu = trampoline_stop_this_cpu;
	register_syscore(&trampoline_shutdown_syscore);
}

/**
 * handoff_tramp_resumed() - back from a handoff: the area may hold anything
 *
 * Context: process context, after a hibernation resume or a kexec jump.
 */
void handoff_tramp_resumed(void)
{
	if (!handoff_tramp.area)
		return;
	if (handoff_tramp_build_area(true))
		handoff_tramp.ready = false;
}

/* Whether chosen or not: any handoff may fall back to the trampoline. */
static int __init trampoline_entry_idt_init(void)
{
	pack_gate(&entry_idt[NMI_VECTOR], GATE_INTERRUPT,
		  (unsigned long)cpu_handoff_entry_nmi, 0, 0, __KERNEL_CS);
	entry_idt_desc.address = (unsigned long)entry_idt;
	entry_idt_desc.size = sizeof(entry_idt) - 1;
	return 0;
}
early_initcall(trampoline_entry_idt_init);
