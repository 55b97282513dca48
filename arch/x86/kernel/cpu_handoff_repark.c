// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel that takes over after a handoff: re-park the CPUs it inherits.
 *
 * After a hibernation resume or the return from a kexec jump, every CPU
 * this kernel believes offline was parked by a kernel it cannot vouch
 * for: in wait-for-SIPI by one with CPU handoff parking, with CR4.MCE
 * clear, or in a HLT loop in memory that is now this kernel's by one
 * without.  Each is woken and parked again in this kernel's own
 * play_dead(), before user space is thawed.  No such CPU is activated for
 * it: cpu_boot_and_park() boots it once and sends it back, the way nosmt
 * boots siblings at boot, so no task is ever scheduled on it.  The image
 * header says whether the image kernel does this (cpu_handoff_resumed()).
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/ktime.h>

#include <asm/cpu_handoff.h>

#include "cpu_handoff.h"

#include <trace/events/cpu_handoff.h>

/*
 * In a hibernation image header: the image kernel re-parks the CPUs it
 * inherits.  A header written by a kernel without this option is zeroed
 * there.
 */
#define IMAGE_REPARKS	0x4b524150UL	/* "PARK" */

static struct cpumask inherited_mask;
static struct handoff_stats *const st = &handoff_stats;

/* Set by cpu_handoff_restored(): re-park inherited CPUs at the thaw. */
static bool restored;

static void repark_inherited(void)
{
	unsigned int cpu, done = 0, failed = 0;
	u64 t0 = ktime_get_ns();
	int ret;

	WRITE_ONCE(st->repark_pending, 1);

	/* Before any CPU goes offline into the method's loop again. */
	if (handoff_chosen->resumed)
		handoff_chosen->resumed();

	for_each_cpu(cpu, &inherited_mask) {
		if (handoff_get_state(cpu) != CPU_HANDOFF_INHERITED)
			continue;
		/*
		 * Bringing the CPU up sends INIT-SIPI-SIPI, which resets it
		 * wherever the previous kernel left it; cpu_boot_and_park()
		 * then sends it back into this kernel's play_dead() from
		 * CPUHP_AP_ONLINE_IDLE, the way nosmt boots siblings, so it is
		 * never activated: no task is scheduled on it, nosmt sibling
		 * or CPU offlined by hand.
		 */
		ret = cpu_boot_and_park(cpu);
		trace_cpu_handoff_repark(cpu, ret);
		handoff_set_state(cpu, CPU_HANDOFF_NONE);
		if (ret) {
			pr_err("re-parking CPU %u failed: %d\n", cpu, ret);
			failed++;
		} else {
			done++;
		}
	}
	cpumask_clear(&inherited_mask);

	st->reparked = done;
	st->repark_ns = ktime_get_ns() - t0;
	WRITE_ONCE(st->repark_pending, 0);
	pr_info("re-parked %u inherited CPUs in this kernel's play_dead(), %u failed, in %llu us\n",
		done, failed, div_u64(st->repark_ns, NSEC_PER_USEC));
}

/*
 * An inherited CPU stops being one when this kernel brings it up: the
 * INIT-SIPI-SIPI of the bringup reset it, wherever it was.
 */
static int handoff_cpu_online(unsigned int cpu)
{
	if (handoff_get_state(cpu) == CPU_HANDOFF_INHERITED)
		handoff_set_state(cpu, CPU_HANDOFF_NONE);
	return 0;
}

/*
 * Every present CPU we believe offline and that has run us is inherited,
 * except those the thaw is about to bring back anyway (@frozen).
 */
static void inherit_offline_cpus(const struct cpumask *frozen)
{
	unsigned int cpu;

	for_each_present_cpu(cpu) {
		if (cpu_online(cpu) || !cpumask_test_cpu(cpu, &cpus_booted_once_mask))
			continue;
		if (cpumask_test_cpu(cpu, frozen))
			continue;
		handoff_set_state(cpu, CPU_HANDOFF_INHERITED);
		cpumask_set_cpu(cpu, &inherited_mask);
	}
}

/**
 * cpu_handoff_image_header() - the word this kernel puts in an image header
 *
 * Tells the kernel that will restore the image whether this one re-parks
 * the CPUs it inherits (see cpu_handoff_resumed()).
 *
 * Return: the word for the architecture's hibernation header.
 */
unsigned long cpu_handoff_image_header(void)
{
	return handoff_chosen ? IMAGE_REPARKS : 0;
}

/**
 * cpu_handoff_image_header_read() - what the image kernel says of itself
 * @word: the word cpu_handoff_image_header() wrote in the image header, or
 *        0 where a kernel without this option left it zeroed
 *
 * Context: process context, while the image header is read.
 */
void cpu_handoff_image_header_read(unsigned long word)
{
	handoff_image_kind = word == IMAGE_REPARKS ? IMAGE_REPARKS_CPUS : IMAGE_LEAVES_CPUS;
}

/**
 * cpu_handoff_restored() - the jump into a hibernation image has landed
 *
 * The CPUs this kernel believes offline were parked by the restore
 * kernel; they cannot be taken back here (interrupts are off and only this
 * CPU runs), so cpu_handoff_thaw() does it, first thing when CPUs thaw.
 *
 * Context: the image kernel right after the jump, interrupts disabled.
 */
void cpu_handoff_restored(void)
{
	restored = !!handoff_chosen;
}

/**
 * cpu_handoff_thaw() - re-park inherited CPUs before the frozen ones return
 * @frozen: the CPUs thaw_secondary_cpus() is about to bring back online
 *
 * After a hibernation restore (cpu_handoff_restored()) or a kexec jump
 * that parked CPUs, wake each inherited CPU and park it again in this
 * kernel's own play_dead(), before any other CPU comes back (why then:
 * see the caller).  A nosmt sibling never becomes schedulable for it (see
 * cpu_boot_and_park()).
 *
 * Context: process context in thaw_secondary_cpus(), with
 * cpu_maps_update_begin() held and tasks frozen.
 */
void cpu_handoff_thaw(const struct cpumask *frozen)
{
	if (!handoff_chosen || !(restored || handoff_parked_for_jump))
		return;
	restored = false;
	handoff_parked_for_jump = false;
	inherit_offline_cpus(frozen);
	repark_inherited();
}

/**
 * cpu_handoff_resumed() - a hibernation image kernel has been resumed
 *
 * Context: process context, from arch_resume_nosmt().
 * Return: true if handoff parking is on: cpu_handoff_thaw() has re-parked
 * what this kernel inherited, and the caller's old sibling dance is not
 * needed.
 */
bool cpu_handoff_resumed(void)
{
	return handoff_chosen;
}

static int __init cpu_handoff_repark_init(void)
{
	return cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "cpu_handoff:online",
					 handoff_cpu_online, NULL) < 0;
}
late_initcall(cpu_handoff_repark_init);
