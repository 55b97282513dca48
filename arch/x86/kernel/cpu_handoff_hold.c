// SPDX-License-Identifier: GPL-2.0
/*
 * Hold the other online CPUs for the jump into a hibernation image instead
 * of taking them offline one stop_machine() at a time, a cost that grows
 * with the square of the CPU count.  They spin in an IPI handler with
 * interrupts off, in the restore kernel, intact until the jump: a failure
 * releases them, nothing torn down; past the last failure point, the
 * commit parks them and the offline CPUs.
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/cpu.h>
#include <linux/cpu_handoff.h>
#include <linux/iopoll.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/topology.h>

#include <asm/hypervisor.h>
#include <asm/virt.h>

#include "cpu_handoff.h"

/* How long one side waits for the other, interrupts off. */
#define HOLD_TIMEOUT_US		USEC_PER_SEC

enum { HOLD_WAIT, HOLD_COMMIT, HOLD_PARK, HOLD_JUMP, HOLD_RELEASE };

static DEFINE_PER_CPU(call_single_data_t, hold_csd);
static int hold_phase;
static atomic_t held_cpus, ready_cpus;
static struct cpumask saved_allowed;
static bool holding;

static void set_phase(int phase)
{
	/* Held CPUs see what was written before: pairs with get_phase(). */
	smp_store_release(&hold_phase, phase);
}

static int get_phase(void)
{
	/* Pairs with set_phase(). */
	return smp_load_acquire(&hold_phase);
}

/* A held CPU runs only the restore kernel, intact until the jump. */
static void hold_this_cpu(void *unused)
{
	int phase;
	u64 efer;

	atomic_inc(&held_cpus);
	while ((phase = get_phase()) == HOLD_WAIT)
		cpu_relax();
	if (phase == HOLD_COMMIT) {
		/* VMX and SVM block INIT; leaving them sets virt_rebooting. */
		rdmsrq(MSR_EFER, efer);
		if ((__read_cr4() & X86_CR4_VMXE) || (efer & EFER_SVME))
			x86_virt_emergency_disable_virtualization_cpu();
		atomic_inc(&ready_cpus);
		while ((phase = get_phase()) == HOLD_COMMIT)
			cpu_relax();
	}
	if (phase == HOLD_PARK) {
		/*
		 * Wait for INIT spinning (TCG acts late on INIT to a halted
		 * vCPU).  Still here at HOLD_JUMP, it failed: halt, out of this
		 * text, which the image overwrites, and say so.
		 */
		read_poll_timeout_atomic(get_phase, phase, phase != HOLD_PARK, 10,
					 HOLD_TIMEOUT_US, false);
		cpumask_clear_cpu(smp_processor_id(), &handoff_unparked);
		for (;;)
			native_halt();
	}
	atomic_dec(&held_cpus);
}

/**
 * cpu_handoff_hold() - stop the other online CPUs for a restore, reversibly
 *
 * Context: process context; moves the caller to CPU 0, where the image
 * resumes.
 * Return: 0 with interrupts off and the CPUs held, or a negative errno
 * with everything as before: the caller takes the CPUs offline.
 */
int cpu_handoff_hold(void)
{
	unsigned int cpu, want = 0;
	u64 t0 = local_clock();
	int n;

	if (!cpu_handoff_parks(CPU_HANDOFF_RESTORE))
		return -EOPNOTSUPP;
	/*
	 * syscore_suspend() and syscore_resume() then run with the held CPUs
	 * online.  Of x86's callbacks all but these touch only this CPU or the
	 * chipset: they send IPIs, or leave HFI writing memory the image reuses.
	 */
	if (boot_cpu_has(X86_FEATURE_DPTI) || hypervisor_is_type(X86_HYPER_MS_HYPERV) ||
	    (boot_cpu_has(X86_FEATURE_HFI) && topology_max_packages() > 1)) {
		pr_info_once("restore: CPUs are taken offline: syscore callbacks need them\n");
		return -EOPNOTSUPP;
	}
	/* As freeze_secondary_cpus(), which the thaw undoes. */
	cpu_hotplug_disable();
	cpumask_copy(&saved_allowed, current->cpus_ptr);
	if (set_cpus_allowed_ptr(current, cpumask_of(0))) {
		cpu_hotplug_enable();
		return -EBUSY;
	}
	atomic_set(&held_cpus, 0);
	atomic_set(&ready_cpus, 0);
	WRITE_ONCE(hold_phase, HOLD_WAIT);
	/* A held CPU answers no IPI: until the release this CPU sends none. */
	local_irq_disable();
	holding = true;
	for_each_online_cpu(cpu) {
		call_single_data_t *csd = per_cpu_ptr(&hold_csd, cpu);

		if (cpu == smp_processor_id())
			continue;
		/* Not INIT_CSD(): an earlier hold's IPI may still be queued. */
		csd->func = hold_this_cpu;
		if (smp_call_function_single_async(cpu, csd))
			break;
		want++;
	}
	if (want < num_online_cpus() - 1 ||
	    read_poll_timeout_atomic(atomic_read, n, n == want, 10, HOLD_TIMEOUT_US, false,
				     &held_cpus)) {
		pr_err("restore: only %d of %u CPUs could be held\n", atomic_read(&held_cpus),
		       num_online_cpus() - 1);
		cpu_handoff_release();
		cpu_hotplug_enable();
		return -EBUSY;
	}
	handoff_hold_ns = local_clock() - t0;
	return 0;
}

/**
 * cpu_handoff_commit() - the point of no return: park all other CPUs
 *
 * Context: right before the jump, interrupts off; held CPUs or not.
 * Return: 0, or -EBUSY if a held CPU did not answer: nothing was parked,
 * and the caller must fail and call cpu_handoff_release().
 */
int cpu_handoff_commit(void)
{
	int want = atomic_read(&held_cpus), n;

	if (!holding) {
		cpu_handoff_park_cpus(CPU_HANDOFF_RESTORE);
		return 0;
	}
	set_phase(HOLD_COMMIT);
	if (read_poll_timeout_atomic(atomic_read, n, n == want, 10, HOLD_TIMEOUT_US, false,
				     &ready_cpus)) {
		pr_crit("restore: %d of %d held CPUs answered; not parking (VMX/SVM off on those)\n",
			n, want);
		return -EBUSY;
	}
	cpumask_clear(&handoff_unparked);
	set_phase(HOLD_PARK);
	cpu_handoff_park_cpus(CPU_HANDOFF_RESTORE);
	/* A held CPU that could not be parked halts: wait until it has. */
	cpumask_and(&handoff_unparked, &handoff_unparked, cpu_online_mask);
	set_phase(HOLD_JUMP);
	if (read_poll_timeout_atomic(cpumask_empty, n, n, 10, HOLD_TIMEOUT_US, false,
				     &handoff_unparked))
		pr_crit("restore: CPUs %*pbl were not parked and did not halt\n",
			cpumask_pr_args(&handoff_unparked));
	return 0;
}

/**
 * cpu_handoff_release() - the restore failed before the commit: let go
 *
 * Held CPUs carry on; interrupts go on, the caller's affinity is back.
 * Nothing on the failure path may send an IPI before, nor should released
 * CPUs run before the system has resumed (timekeeping included).
 *
 * Context: the CPU that called cpu_handoff_hold(), interrupts off.
 */
void cpu_handoff_release(void)
{
	int n;

	if (!holding)
		return;
	set_phase(HOLD_RELEASE);
	/* Their IPI data must not be reused before they have left. */
	if (read_poll_timeout_atomic(atomic_read, n, !n, 10, HOLD_TIMEOUT_US, false, &held_cpus))
		pr_err("restore: %d CPUs did not leave the hold\n", n);
	holding = false;
	handoff_hold_ns = 0;
	local_irq_enable();
	set_cpus_allowed_ptr(current, &saved_allowed);
}
