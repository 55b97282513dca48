// SPDX-License-Identifier: GPL-2.0
/*
 * Hold the other online CPUs for a hibernation restore instead of taking
 * them offline one stop_machine() at a time, a cost that grows with the
 * square of the CPU count and buys nothing for CPUs about to be thrown
 * away.  They are told by IPI to spin with interrupts off in this kernel:
 *
 *   hold     nothing is torn down, so a failure before the jump releases
 *            them and they carry on where they were;
 *   commit   the point of no return, right before the jump: held CPUs
 *            answer, then prepare themselves (leave VMX/SVM, which
 *            cannot be undone), then the method parks them and every
 *            offline CPU that has ever run this kernel;
 *   release  the handoff failed before the commit: held CPUs return.
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/topology.h>

#include <asm/cpu_handoff.h>
#include <asm/hypervisor.h>
#include <asm/special_insns.h>

#include "cpu_handoff.h"

#include <trace/events/cpu_handoff.h>

/* How long the controlling CPU waits for CPUs to answer a hold or commit. */
#define HOLD_TIMEOUT_US		(1000 * USEC_PER_MSEC)

enum hold_phase {
	HOLD_IDLE,
	HOLD_WAIT,
	HOLD_COMMIT,
	HOLD_PREPARE,
	HOLD_PARK,
	HOLD_JUMP,
	HOLD_RELEASE,
};

static DEFINE_PER_CPU(call_single_data_t, hold_csd);

static int hold_phase = HOLD_IDLE;
/* The method this handoff parks with. */
static const struct handoff_method *hold_method;
static atomic_t held_cpus;
static atomic_t acked_cpus;
static atomic_t ready_cpus;
static atomic_t halted_cpus;
static struct cpumask held_mask;
static struct cpumask saved_allowed;
static enum cpu_handoff_reason hold_reason;
static bool holding;
static u64 hold_start_ns;
static struct handoff_stats *const st = &handoff_stats;

/*
 * The IPI handler a held CPU stays in.  It touches only this kernel's
 * memory, which is intact until the commit, so an NMI here is harmless.
 */
static void hold_this_cpu(void *unused)
{
	unsigned int cpu = smp_processor_id();
	struct handoff_wait wait;
	int phase;

	handoff_set_state(cpu, CPU_HANDOFF_HELD);
	atomic_inc(&held_cpus);
	/* Pairs with the smp_store_release()s of the controlling CPU. */
	while ((phase = smp_load_acquire(&hold_phase)) == HOLD_WAIT)
		cpu_relax();

	/*
	 * Answer the commit before preparing: leaving VMX/SVM cannot be undone,
	 * so no CPU does it until every held CPU has shown it is still here.
	 */
	if (phase == HOLD_COMMIT) {
		atomic_inc(&acked_cpus);
		/* Pairs with the controlling CPU's release of HOLD_PREPARE. */
		while ((phase = smp_load_acquire(&hold_phase)) == HOLD_COMMIT)
			cpu_relax();
	}

	if (phase == HOLD_PREPARE) {
		const struct handoff_method *b = READ_ONCE(hold_method);

		if (b->prepare_cpu)
			b->prepare_cpu();
		handoff_set_state(cpu, CPU_HANDOFF_READY);
		atomic_inc(&ready_cpus);
		/*
		 * Parked from here, or released; acquire pairs with the
		 * controlling CPU's release of HOLD_PARK or HOLD_RELEASE.
		 */
		while ((phase = smp_load_acquire(&hold_phase)) == HOLD_PREPARE)
			cpu_relax();
		if (phase == HOLD_PARK) {
			if (b->park_self)
				b->park_self();
			/*
			 * Wait for INIT spinning, not halted: QEMU's TCG acts on
			 * an INIT to a halted CPU only once something else wakes
			 * it.  The controlling CPU has sent every INIT by the
			 * time it says HOLD_JUMP, right before it jumps into the
			 * image, which overwrites this text: a CPU that reads it
			 * was not reset (its INIT blocked or never sent), and
			 * halts, where it runs none of that text until an NMI
			 * or SMI.  Bounded too, should the word never come.  The
			 * controlling CPU waits for the count before it jumps:
			 * a CPU still spinning when the image lands on this text
			 * would run whatever the image put there.
			 */
			handoff_wait_start(&wait, HOLD_TIMEOUT_US);
			/* Pairs with the release of HOLD_JUMP. */
			while (smp_load_acquire(&hold_phase) == HOLD_PARK &&
			       !handoff_wait_over(&wait))
				cpu_relax();
			atomic_inc(&halted_cpus);
			for (;;)
				native_halt();
		}
	}

	handoff_set_state(cpu, CPU_HANDOFF_NONE);
	atomic_dec(&held_cpus);
}

/*
 * syscore_suspend(), and syscore_resume() if the restore then fails, run
 * with the held CPUs online but unable to answer an IPI, where they would
 * otherwise run with this CPU the only one online, as the syscore
 * callbacks are written for.  Of the callbacks an x86 kernel can
 * register, all but two touch only this CPU or chipset state.  Those two
 * send IPIs, which a held CPU never answers: the package thermal
 * interrupt's (it moves the directed interrupt to a sibling with
 * smp_call_function_single()), and Hyper-V's (it patches a static call,
 * which syncs every CPU).  Two more leave state behind that taking the
 * CPUs offline would have cleared, and that the hardware or hypervisor
 * goes on writing into this kernel's memory after the jump: HFI's table
 * of every package but this CPU's (its last CPU going offline disables
 * it), and a KVM guest's paravirtual MSRs (steal time, kvmclock) on CPUs
 * parked in the trampoline (INIT resets them, HLT does not).  Where any
 * of these applies, the restore takes its CPUs offline as before.
 */
static const char *hold_unsafe(const struct handoff_method *m)
{
	if (boot_cpu_has(X86_FEATURE_DPTI))
		return "the directed package thermal interrupt's syscore callback sends IPIs";
	if (hypervisor_is_type(X86_HYPER_MS_HYPERV))
		return "Hyper-V's syscore callbacks patch kernel text, which sends IPIs";
	if (boot_cpu_has(X86_FEATURE_HFI) && topology_max_packages() > 1)
		return "HFI stays enabled in packages whose CPUs are held";
	if (m != &handoff_init_method && hypervisor_is_type(X86_HYPER_KVM))
		return "KVM's paravirtual MSRs stay armed on CPUs parked without INIT";
	return NULL;
}

/* Wait, bounded, until @count has risen to @want (@up) or fallen to it. */
static bool wait_for_count(atomic_t *count, int want, bool up)
{
	struct handoff_wait wait;

	handoff_wait_start(&wait, HOLD_TIMEOUT_US);
	do {
		int v = atomic_read(count);

		if (up ? v >= want : v <= want)
			return true;
	} while (!handoff_wait_over(&wait));
	return false;
}

static void hold_undo(void)
{
	/* Held CPUs read the phase with smp_load_acquire(). */
	smp_store_release(&hold_phase, HOLD_RELEASE);
	/* Wait for them to leave: their IPI data must not be reused early. */
	if (!wait_for_count(&held_cpus, 0, false))
		pr_err("%s: %d CPUs did not leave the hold\n",
		       handoff_reason_names[hold_reason], atomic_read(&held_cpus));
	WRITE_ONCE(hold_phase, HOLD_IDLE);
	holding = false;
}

/**
 * cpu_handoff_hold() - stop every other online CPU, reversibly
 * @reason: what the handoff is for
 *
 * Moves the caller to the primary CPU, disables interrupts, and holds all
 * other online CPUs in an IPI handler with interrupts off.  Nothing is
 * torn down: cpu_handoff_release() lets them carry on.  Offline CPUs are
 * left in this kernel's play_dead() until cpu_handoff_commit().
 *
 * Context: process context, interrupts on.
 * Return: 0 with interrupts disabled and CPUs held; -EOPNOTSUPP if
 * handoff parking is not active (the caller uses its old method); another
 * negative errno if the CPUs could not be held, with everything as before.
 */
int cpu_handoff_hold(enum cpu_handoff_reason reason)
{
	unsigned int cpu, self, want;
	const char *why;

	if (!handoff_chosen)
		return -EOPNOTSUPP;
	if (WARN_ON_ONCE(holding))
		return -EBUSY;
	/*
	 * What the handoff will overwrite is known by now (the image is
	 * loaded): if no method can serve it, the caller's old way it is.
	 */
	hold_method = handoff_method_for(reason);
	handoff_report_fallback(reason, hold_method);
	if (!hold_method)
		return -EOPNOTSUPP;
	why = hold_unsafe(hold_method);
	if (why) {
		pr_info_once("%s: CPUs are taken offline, not held: %s\n",
			     handoff_reason_names[reason], why);
		return -EOPNOTSUPP;
	}
	if (reason == CPU_HANDOFF_RESTORE && handoff_image_kind == IMAGE_LEAVES_CPUS)
		pr_warn("%s: the image kernel does not re-park CPUs: those it offlined by hand stay in wait-for-SIPI until reboot\n",
			handoff_reason_names[reason]);

	/*
	 * As freeze_secondary_cpus() does: the caller's thaw undoes it, and
	 * it waits out a CPU half way up or down, neither held nor parked.
	 */
	cpu_hotplug_disable();

	/*
	 * The incoming kernel continues on the CPU that jumps, and the boot
	 * CPU is the one CPU that must never be sent INIT.
	 */
	cpumask_copy(&saved_allowed, current->cpus_ptr);
	if (!cpu_online(HANDOFF_PRIMARY_CPU) ||
	    set_cpus_allowed_ptr(current, cpumask_of(HANDOFF_PRIMARY_CPU))) {
		pr_err("%s: cannot move to CPU %d\n", handoff_reason_names[reason],
		       HANDOFF_PRIMARY_CPU);
		cpu_hotplug_enable();
		return -EBUSY;
	}

	/* local_clock(): timekeeping is suspended by the time of the commit. */
	hold_start_ns = local_clock();
	hold_reason = reason;
	atomic_set(&held_cpus, 0);
	atomic_set(&acked_cpus, 0);
	atomic_set(&ready_cpus, 0);
	atomic_set(&halted_cpus, 0);
	WRITE_ONCE(hold_phase, HOLD_WAIT);

	/*
	 * Interrupts go off before the first hold IPI and stay off: a held
	 * CPU cannot answer a TLB shootdown or smp_call_function(), so
	 * nothing on this CPU may send one until the release.
	 */
	local_irq_disable();
	self = smp_processor_id();
	WARN_ON_ONCE(self != HANDOFF_PRIMARY_CPU);
	cpumask_copy(&held_mask, cpu_online_mask);
	cpumask_clear_cpu(self, &held_mask);
	holding = true;
	want = 0;
	for_each_cpu(cpu, &held_mask) {
		call_single_data_t *csd = per_cpu_ptr(&hold_csd, cpu);

		/*
		 * An earlier hold's IPI still queued: re-initialising the
		 * CSD would corrupt the queue, so give up on this handoff.
		 */
		if (csd->node.u_flags & CSD_FLAG_LOCK) {
			pr_err("%s: CPU %u still has an earlier hold pending\n",
			       handoff_reason_names[reason], cpu);
			want = UINT_MAX;
			break;
		}
		INIT_CSD(csd, hold_this_cpu, NULL);
		if (smp_call_function_single_async(cpu, csd)) {
			want = UINT_MAX;
			break;
		}
		want++;
	}
	if (want == UINT_MAX || !wait_for_count(&held_cpus, want, true)) {
		pr_err("%s: only %d of %u CPUs could be held\n",
		       handoff_reason_names[reason], atomic_read(&held_cpus),
		       cpumask_weight(&held_mask));
		hold_undo();
		local_irq_enable();
		set_cpus_allowed_ptr(current, &saved_allowed);
		cpu_hotplug_enable();
		trace_cpu_handoff_hold(reason, atomic_read(&held_cpus), -EBUSY);
		return -EBUSY;
	}
	st->hold_ns = local_clock() - hold_start_ns;
	trace_cpu_handoff_hold(reason, want, 0);
	return 0;
}

/* Park CPUs that have run this kernel; leave the boot CPU and never-booted CPUs alone. */
static void park_offline_cpus(unsigned int self)
{
	unsigned int cpu;

	for_each_present_cpu(cpu) {
		if (cpu == self || cpu_online(cpu) || cpu == HANDOFF_PRIMARY_CPU)
			continue;
		if (!cpumask_test_cpu(cpu, &cpus_booted_once_mask)) {
			handoff_set_state(cpu, CPU_HANDOFF_SKIPPED);
			st->skipped++;
			continue;
		}
		if (handoff_park_cpu(hold_method, hold_reason, cpu))
			st->failed++;
		else if (handoff_get_state(cpu) == CPU_HANDOFF_PARKED)
			st->offline++;
	}
}

/**
 * cpu_handoff_commit() - the point of no return: park all other CPUs
 *
 * Called right before the jump into the incoming kernel, after the last
 * step that can fail.  Held CPUs prepare themselves and are parked; so is
 * every offline CPU that has run this kernel.  Without a hold in progress
 * (the CPUs were taken offline instead), cpu_handoff_park_stopped() parks
 * the offline ones, if a method serves this handoff.
 *
 * Context: interrupts off, on the CPU that called cpu_handoff_hold().
 * Return: 0 when everything is parked; -EBUSY if a held CPU did not get
 * ready in time, in which case nothing was parked and the caller must fail
 * the handoff and call cpu_handoff_release().
 */
int cpu_handoff_commit(void)
{
	unsigned int cpu, self = smp_processor_id(), want, held_failed = 0;
	u64 t0, now;

	if (!holding) {
		cpu_handoff_park_stopped(CPU_HANDOFF_RESTORE);
		return 0;
	}

	want = cpumask_weight(&held_mask);
	/* Held CPUs read the phase with smp_load_acquire(). */
	smp_store_release(&hold_phase, HOLD_COMMIT);
	if (!wait_for_count(&acked_cpus, want, true)) {
		pr_err("%s: only %d of %u held CPUs answered the commit; not parking\n",
		       handoff_reason_names[hold_reason], atomic_read(&acked_cpus), want);
		return -EBUSY;
	}
	/*
	 * Every held CPU has just answered, so one not ready in time stalled
	 * in firmware or in its prepare.  Those that did prepare have left
	 * VMX/SVM for good (kvm_rebooting stays set): say so if this fails.
	 */
	smp_store_release(&hold_phase, HOLD_PREPARE);
	if (!wait_for_count(&ready_cpus, want, true)) {
		int ready = atomic_read(&ready_cpus);

		pr_crit("%s: only %d of %u held CPUs got ready to park; not parking, and virtualization stays off on those %d until reboot\n",
			handoff_reason_names[hold_reason], ready, want, ready);
		return -EBUSY;
	}

	/* All ready: from here on there is no way back. */
	smp_store_release(&hold_phase, HOLD_PARK);
	t0 = handoff_stats_begin_park();
	for_each_cpu(cpu, &held_mask) {
		if (handoff_park_cpu(hold_method, hold_reason, cpu))
			held_failed++;
		else
			st->held++;
	}
	st->failed += held_failed;
	park_offline_cpus(self);
	/*
	 * Any held CPU still running now was not parked: it halts, and the
	 * jump waits until it has said so (bounded: a CPU that never does
	 * is lost either way).
	 */
	smp_store_release(&hold_phase, HOLD_JUMP);
	if (held_failed && !wait_for_count(&halted_cpus, held_failed, true))
		pr_crit("%s: %u held CPUs were not parked and did not halt\n",
			handoff_reason_names[hold_reason], held_failed - atomic_read(&halted_cpus));
	st->handoffs++;

	now = local_clock();
	st->park_ns = now - t0;
	st->total_ns = now - hold_start_ns;
	pr_info("%s: parked %u CPUs with %s (%u online, %u offline), %u never booted left alone, %u failed%s; hold %llu us, park %llu us [%s]\n",
		handoff_reason_names[hold_reason], st->held + st->offline, hold_method->name,
		st->held, st->offline, st->skipped, st->failed,
		st->reset ? handoff_reset_note(st->reset) : "",
		div_u64(st->hold_ns, NSEC_PER_USEC), div_u64(st->park_ns, NSEC_PER_USEC),
		handoff_policy_why);
	return 0;
}

/**
 * cpu_handoff_release() - the handoff failed before the commit: let go
 *
 * Held CPUs return to whatever they were doing, interrupts are enabled
 * again and the caller's CPU affinity is restored.  Does nothing if no
 * hold is in progress.
 *
 * Nothing on the caller's failure path may send an IPI before this,
 * which a held CPU could not answer; the syscore resume callbacks that
 * do keep the hold from being used (hold_unsafe()).  Not earlier either:
 * released CPUs run at once, and must find the system resumed
 * (timekeeping included), as offline CPUs, which come back only after
 * it, do.
 *
 * Context: the CPU that called cpu_handoff_hold(), interrupts off.
 */
void cpu_handoff_release(void)
{
	if (!holding)
		return;
	hold_undo();
	pr_info("%s: handoff abandoned, CPUs released\n", handoff_reason_names[hold_reason]);
	local_irq_enable();
	set_cpus_allowed_ptr(current, &saved_allowed);
}
