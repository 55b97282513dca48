// SPDX-License-Identifier: GPL-2.0
/*
 * Park CPUs for a handoff between kernels: each CPU's state, the record of
 * the last handoff, and parking CPUs the caller has already stopped or
 * taken offline (kexec, which stops the others itself; a hibernation
 * restore whose CPUs could not be held, see cpu_handoff_hold.c).
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/sprintf.h>

#include <asm/cpu_handoff.h>

#include "cpu_handoff.h"

#define CREATE_TRACE_POINTS
#include <trace/events/cpu_handoff.h>

DEFINE_PER_CPU(enum cpu_handoff_state, handoff_state);

/* What the last handoff did, for its log line. */
struct handoff_stats handoff_stats;

/* The image being restored re-parks CPUs, or not: its header says. */
enum handoff_image_kind handoff_image_kind;

/* cpu_handoff_park_stopped() parked CPUs for a kexec jump. */
bool handoff_parked_for_jump;

/* What cpu_handoff_will_park() chose, for CPUs that are being stopped. */
static const struct handoff_method *stop_method;

/**
 * handoff_stats_begin_park() - a handoff starts parking: clear the counts
 *
 * Return: local_clock(), for the park time.
 */
u64 handoff_stats_begin_park(void)
{
	handoff_stats.held = 0;
	handoff_stats.offline = 0;
	handoff_stats.skipped = 0;
	handoff_stats.reset = 0;
	handoff_stats.failed = 0;
	return local_clock();
}

/**
 * handoff_reset_note() - how many CPUs were left alone as reset by firmware
 * @n: how many
 *
 * Return: ", @n reset by suspend left alone", for the handoff's log line.
 */
const char *handoff_reset_note(unsigned int n)
{
	static char note[48];

	snprintf(note, sizeof(note), ", %u reset by suspend left alone", n);
	return note;
}

/**
 * handoff_park_cpu() - park one held and prepared CPU, or an offline one
 * @m: the method of this handoff
 * @reason: the handoff
 * @cpu: the CPU
 *
 * A CPU that firmware has reset since it last ran this kernel (suspend to
 * RAM resets offline CPUs, and brings back only the online ones) runs
 * nothing of this kernel: it is left where firmware put it, as a CPU that
 * was never booted is, and counted in handoff_stats.reset.
 *
 * Return: 0 if parked or left alone, or the method's negative errno.
 */
int handoff_park_cpu(const struct handoff_method *m, enum cpu_handoff_reason reason,
		     unsigned int cpu)
{
	bool online = handoff_get_state(cpu) == CPU_HANDOFF_READY;
	int ret = m->park(cpu);

	trace_cpu_handoff_park(reason, cpu, online, m->name, ret);
	if (ret == -ENODEV) {
		handoff_set_state(cpu, CPU_HANDOFF_SKIPPED);
		handoff_stats.reset++;
		return 0;
	}
	if (!ret)
		handoff_set_state(cpu, CPU_HANDOFF_PARKED);
	return ret;
}

/**
 * cpu_handoff_will_park() - will a method park the CPUs of this handoff?
 * @reason: the handoff
 *
 * Return: true if cpu_handoff_park_stopped() or the hold will park CPUs
 * for @reason; false if the caller's old way of stopping CPUs applies.
 */
bool cpu_handoff_will_park(enum cpu_handoff_reason reason)
{
	const struct handoff_method *b = handoff_method_for(reason);

	WRITE_ONCE(stop_method, b);
	return b;
}

/**
 * cpu_handoff_stop_method() - the method CPUs being stopped park with
 *
 * What the controlling CPU's last cpu_handoff_will_park() chose.  A CPU
 * being stopped for kexec asks this, not handoff_method_for(): with SME it
 * has flushed its caches (stop_this_cpu()) and must write as little as it
 * can from then on, and the refuse() checks read and checksum tens of KiB.
 *
 * Return: the method, or NULL for the old behaviour.
 */
const struct handoff_method *cpu_handoff_stop_method(void)
{
	return READ_ONCE(stop_method);
}

/**
 * cpu_handoff_park_stopped() - park CPUs the caller has already stopped
 * @reason: the handoff
 *
 * For kexec the architecture stops the other CPUs itself (x86: in
 * stop_this_cpu(), virtualization already off), or CPU hotplug has taken
 * them offline (kexec jump, a hibernation restore whose CPUs could not be
 * held).  Park every present CPU that has run this kernel, but the caller
 * and the primary CPU, which must never be parked with INIT.  Never-booted
 * CPUs are left where firmware put them: their APIC ID is not known to be
 * valid.
 *
 * Not for a crash kexec: see Documentation/arch/x86/cpu-handoff.rst.
 *
 * Context: interrupts off; every other CPU stopped or offline.
 * Return: the number of CPUs the method could not park (0 when all were
 * parked), which the caller must treat the old way; -EOPNOTSUPP if no
 * method parks this handoff, and the caller keeps its old method.
 */
int cpu_handoff_park_stopped(enum cpu_handoff_reason reason)
{
	unsigned int cpu, self = smp_processor_id(), parked = 0, primary = 0;
	const struct handoff_method *m = handoff_method_for(reason);
	struct handoff_stats *st = &handoff_stats;
	u64 t0;

	if (!m)
		return -EOPNOTSUPP;
	handoff_report_fallback(reason, m);
	if (reason == CPU_HANDOFF_RESTORE && handoff_image_kind == IMAGE_LEAVES_CPUS)
		pr_warn("%s: the image kernel does not re-park CPUs: those it offlined by hand stay in wait-for-SIPI until reboot\n",
			handoff_reason_names[reason]);

	t0 = handoff_stats_begin_park();
	st->hold_ns = 0;
	for_each_present_cpu(cpu) {
		if (cpu == self)
			continue;
		if (cpu == HANDOFF_PRIMARY_CPU) {
			primary = 1;
			continue;
		}
		if (!cpumask_test_cpu(cpu, &cpus_booted_once_mask)) {
			handoff_set_state(cpu, CPU_HANDOFF_SKIPPED);
			st->skipped++;
			continue;
		}
		if (handoff_park_cpu(m, reason, cpu))
			st->failed++;
		else if (handoff_get_state(cpu) == CPU_HANDOFF_PARKED)
			parked++;
	}
	st->offline = parked;
	st->handoffs++;
	st->park_ns = local_clock() - t0;
	st->total_ns = st->park_ns;
	if (reason == CPU_HANDOFF_KEXEC_JUMP)
		handoff_parked_for_jump = true;
	pr_info("%s: parked %u CPUs with %s, %u never booted left alone, %u failed%s%s; park %llu us [%s]\n",
		handoff_reason_names[reason], parked, m->name, st->skipped, st->failed,
		primary ? ", the boot CPU left stopped" : "",
		st->reset ? handoff_reset_note(st->reset) : "",
		div_u64(st->park_ns, NSEC_PER_USEC), handoff_policy_why);
	return st->failed;
}
