// SPDX-License-Identifier: GPL-2.0
/*
 * Park CPUs for a handoff between kernels.
 *
 * When a hibernation restore kernel jumps into the image, or kexec starts
 * a new kernel, the outgoing kernel's memory is about to be overwritten.
 * A CPU left in a HLT or MWAIT loop in that memory runs whatever it finds
 * there on the next NMI, SMI or machine check: the triple faults seen with
 * nosmt on hibernation resume and on kexec.  Instead, this parks every CPU
 * but the controlling one where it runs nothing of the outgoing kernel
 * (with INIT, in wait-for-SIPI, where NMI, SMI and INIT are blocked), and
 * the incoming kernel wakes them with its ordinary CPU bringup.
 *
 * Two methods: INIT (cpu_handoff_init.c) and, where INIT is not an option,
 * a park loop in a fixed-address trampoline (cpu_handoff_trampoline.c).
 * cpu_handoff= picks one by name, or "auto" takes INIT unless this machine
 * cannot use it or should not (a BIOS on the SMI quirk list), else the
 * trampoline.  A method that cannot serve one particular handoff (the
 * handoff would overwrite its park loop) makes way for the other, or, with
 * none left, for the old behaviour, said in the log.
 *
 * A handoff goes:
 *
 *   hold     online CPUs are told by IPI to spin with interrupts off in
 *            this kernel; nothing is torn down, so a failure before the
 *            jump releases them and they carry on where they were.  No
 *            CPU hotplug, no stop_machine(): the cost does not grow with
 *            the square of the CPU count.
 *   commit   the point of no return, right before the jump: held CPUs
 *            answer, then prepare themselves (leave VMX/SVM, which
 *            cannot be undone), then the method parks them and every
 *            offline CPU that has ever run this kernel.
 *   release  the handoff failed before the commit: held CPUs return.
 *
 * In the kernel that takes over, CPUs it believes offline were parked by a
 * kernel it cannot vouch for (possibly one that parked them in HLT in
 * memory that is now ours), so they are woken and parked again in this
 * kernel's own play_dead().  That happens before user space is thawed,
 * and no such CPU is activated for it: cpu_boot_and_park() boots it once
 * and sends it back, the way nosmt boots siblings at boot, so no task is
 * ever scheduled on it.
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/irqflags.h>
#include <linux/ktime.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/suspend.h>

#include <asm/cpu_handoff.h>

#include "cpu_handoff.h"

#define CREATE_TRACE_POINTS
#include <trace/events/cpu_handoff.h>

/*
 * Where a CPU is, as far as the handoff goes:
 *
 *   NONE       online, or offline in this kernel's own play_dead()
 *   HELD       online and held with interrupts off in this kernel, until
 *              the point of no return; can still be released
 *   READY      held and prepared (virtualization off): parked from here,
 *              or released
 *   PARKED     parked: it runs no code of any kernel until the next
 *              kernel wakes it
 *   INHERITED  offline in this kernel's view after a handoff into it; the
 *              kernel before parked it in a way this one cannot know, so
 *              it is woken and parked again
 *   SKIPPED    present but never booted: left where firmware put it,
 *              because INIT to a CPU that never ran Linux is not safe
 */
enum cpu_handoff_state {
	CPU_HANDOFF_NONE,
	CPU_HANDOFF_HELD,
	CPU_HANDOFF_READY,
	CPU_HANDOFF_PARKED,
	CPU_HANDOFF_INHERITED,
	CPU_HANDOFF_SKIPPED,
};

/* How long the controlling CPU waits for CPUs to answer a hold or commit. */
#define HOLD_TIMEOUT_US		(1000 * USEC_PER_MSEC)

/* The CPU a hibernation image resumes on: the one it froze the others from. */
#define HANDOFF_PRIMARY_CPU	0

enum hold_phase {
	HOLD_IDLE,
	HOLD_WAIT,
	HOLD_COMMIT,
	HOLD_PREPARE,
	HOLD_PARK,
	HOLD_RELEASE,
};

enum handoff_mode {
	MODE_AUTO,
	MODE_OFF,
	MODE_METHOD,
};

/* In the order cpu_handoff=auto prefers them. */
static const struct handoff_method *const methods[] = {
	&handoff_init_method,
	HANDOFF_TRAMPOLINE_METHOD,
};

/* The chosen method, NULL for the old behaviour, and why. */
static const struct handoff_method *chosen;
static char policy_why[160];
static enum handoff_mode mode = MODE_AUTO;
static char mode_arg[16] __initdata;
static bool mode_arg_cut __initdata;

static DEFINE_PER_CPU(enum cpu_handoff_state, handoff_state);
static DEFINE_PER_CPU(call_single_data_t, hold_csd);

static int hold_phase = HOLD_IDLE;
/* The method this handoff parks with: NULL halts held CPUs, as before. */
static const struct handoff_method *hold_method;
static atomic_t held_cpus;
static atomic_t acked_cpus;
static atomic_t ready_cpus;
static struct cpumask held_mask;
static struct cpumask saved_allowed;
static enum cpu_handoff_reason hold_reason;
static bool holding;
static u64 hold_start_ns;
/* cpu_handoff_park_stopped() parked CPUs for a kexec jump. */
static bool parked_for_jump;

/*
 * In a hibernation image header: the image kernel re-parks the CPUs it
 * inherits.  A header written by a kernel without this option is zeroed
 * there.
 */
#define IMAGE_REPARKS	0x4b524150UL	/* "PARK" */

/* What the header of the image being restored says; unknown until read. */
static enum { IMAGE_UNKNOWN, IMAGE_REPARKS_CPUS, IMAGE_LEAVES_CPUS } image_kind;

static const char * const reason_names[] = {
	[CPU_HANDOFF_RESTORE]	 = "restore",
	[CPU_HANDOFF_KEXEC]	 = "kexec",
	[CPU_HANDOFF_KEXEC_JUMP] = "kexec-jump",
};

static const char * const state_names[] = {
	[CPU_HANDOFF_NONE]	= "none",
	[CPU_HANDOFF_HELD]	= "held",
	[CPU_HANDOFF_READY]	= "ready",
	[CPU_HANDOFF_PARKED]	= "parked",
	[CPU_HANDOFF_INHERITED]	= "inherited",
	[CPU_HANDOFF_SKIPPED]	= "skipped",
};

#define STATS_MAGIC	0x43504848 /* "CPHH" */

/*
 * What the last handoff did, for debugfs and the log line.  In nosave
 * memory: a hibernation restore does not overwrite it, so after resuming,
 * the image kernel sees what the restore kernel recorded, if that kernel
 * put the record at the same address (the same kernel, as with
 * test_resume); otherwise the magic does not match and it starts afresh.
 */
static struct {
	u32 magic;
	unsigned int handoffs;
	unsigned int held;
	unsigned int offline;
	unsigned int skipped;
	unsigned int failed;
	u64 hold_ns;
	u64 park_ns;
	u64 total_ns;
	unsigned int reparked;
	unsigned int repark_pending;
	u64 repark_ns;
} stats __nosavedata;

static void stats_check(void)
{
	if (stats.magic != STATS_MAGIC) {
		memset(&stats, 0, sizeof(stats));
		stats.magic = STATS_MAGIC;
	}
}

/* A handoff starts parking: clear the last one's counts, return the time. */
static u64 stats_begin_park(void)
{
	stats_check();
	stats.held = 0;
	stats.offline = 0;
	stats.skipped = 0;
	stats.failed = 0;
	return local_clock();
}

static void set_state(unsigned int cpu, enum cpu_handoff_state state)
{
	WRITE_ONCE(per_cpu(handoff_state, cpu), state);
}

static enum cpu_handoff_state get_state(unsigned int cpu)
{
	return READ_ONCE(per_cpu(handoff_state, cpu));
}

static int __init cpu_handoff_setup(char *arg)
{
	/* No valid value is this long: say it was cut, do not guess. */
	if (strscpy(mode_arg, arg ? arg : "", sizeof(mode_arg)) < 0)
		mode_arg_cut = true;
	return 0;
}
early_param("cpu_handoff", cpu_handoff_setup);

static const struct handoff_method *find_method(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(methods); i++)
		if (methods[i] && !strcmp(methods[i]->name, name))
			return methods[i];
	return NULL;
}

static const char *method_unusable(const struct handoff_method *m)
{
	return m->unusable ? m->unusable() : NULL;
}

/* cpu_handoff=auto: the first usable method this machine does not avoid. */
static const struct handoff_method *pick_auto(void)
{
	size_t n = strlen(policy_why);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(methods); i++) {
		const struct handoff_method *m = methods[i];
		const char *why, *what = "unusable";

		if (!m)
			continue;
		why = method_unusable(m);
		if (!why && m->avoid) {
			why = m->avoid();
			what = "avoided";
		}
		if (!why)
			return m;
		n += scnprintf(policy_why + n, sizeof(policy_why) - n, "; %s %s: %s",
			       m->name, what, why);
	}
	return NULL;
}

/* Resolve cpu_handoff= before SMP bringup. */
static int __init cpu_handoff_policy_init(void)
{
	const struct handoff_method *b;
	char names[64] = "";
	unsigned int i;
	size_t n = 0;
	const char *why;

	/* Before the choice: it decides whether the trampoline can be used. */
	handoff_trampoline_setup();

	for (i = 0; i < ARRAY_SIZE(methods); i++)
		if (methods[i])
			n += scnprintf(names + n, sizeof(names) - n, ", %s", methods[i]->name);

	b = find_method(mode_arg);
	if (mode_arg_cut) {
		pr_warn("unknown cpu_handoff=%s...; accepted: auto, off%s; using auto\n",
			mode_arg, names);
		mode = MODE_AUTO;
	} else if (!mode_arg[0] || !strcmp(mode_arg, "auto")) {
		mode = MODE_AUTO;
	} else if (!strcmp(mode_arg, "off")) {
		mode = MODE_OFF;
	} else if (b) {
		mode = MODE_METHOD;
	} else {
		pr_warn("unknown cpu_handoff=%s; accepted: auto, off%s; using auto\n",
			mode_arg, names);
		mode = MODE_AUTO;
	}

	if (mode == MODE_METHOD) {
		why = method_unusable(b);
		if (why) {
			pr_warn("cpu_handoff=%s cannot be used here (%s); using auto\n",
				b->name, why);
			scnprintf(policy_why, sizeof(policy_why),
				  "auto; cpu_handoff=%s unusable: %s", b->name, why);
			mode = MODE_AUTO;
		} else {
			chosen = b;
			scnprintf(policy_why, sizeof(policy_why), "cpu_handoff=%s", b->name);
		}
	} else if (mode == MODE_OFF) {
		strscpy(policy_why, "cpu_handoff=off", sizeof(policy_why));
	} else {
		strscpy(policy_why, "auto", sizeof(policy_why));
	}
	if (mode == MODE_AUTO)
		chosen = pick_auto();

	if (!chosen) {
		pr_info("CPUs are parked as without this option (%s)\n", policy_why);
		return 0;
	}
	pr_info("handoffs park CPUs with %s (%s)\n", chosen->name, policy_why);
	if (chosen->select)
		chosen->select();
	return 0;
}
early_initcall(cpu_handoff_policy_init);

/*
 * The method one handoff parks CPUs with: the chosen one, unless it refuses
 * this handoff; then the other usable one that does not; else NULL, for
 * the old behaviour.  The same answer for every caller during a handoff,
 * so that CPUs that park themselves and the controlling CPU agree.
 * Interrupts off during a handoff.
 */
static const struct handoff_method *method_for(enum cpu_handoff_reason reason)
{
	unsigned int i;

	if (!chosen)
		return NULL;
	if (!chosen->refuse || !chosen->refuse(reason))
		return chosen;
	for (i = 0; i < ARRAY_SIZE(methods); i++) {
		const struct handoff_method *m = methods[i];

		if (!m || m == chosen || method_unusable(m))
			continue;
		if (!m->refuse || !m->refuse(reason))
			return m;
	}
	return NULL;
}

/* What cpu_handoff_will_park() chose, for CPUs that are being stopped. */
static const struct handoff_method *stop_method;

/**
 * cpu_handoff_will_park() - will a method park the CPUs of this handoff?
 * @reason: the handoff
 *
 * Return: true if cpu_handoff_park_stopped() or the hold will park CPUs
 * for @reason; false if the caller's old way of stopping CPUs applies.
 */
bool cpu_handoff_will_park(enum cpu_handoff_reason reason)
{
	const struct handoff_method *b = method_for(reason);

	WRITE_ONCE(stop_method, b);
	return b;
}

/**
 * cpu_handoff_stop_method() - the method CPUs being stopped park with
 *
 * What the controlling CPU's last cpu_handoff_will_park() chose, before
 * it stopped the others.  A CPU being stopped for kexec asks this rather
 * than method_for(): with SME it has written back and
 * invalidated its caches (stop_this_cpu()) and must change as little
 * memory as it can from then on, and the methods' refuse() checks read
 * and checksum tens of KiB.
 *
 * Context: any; it only reads a pointer.
 * Return: the method, or NULL for the old behaviour.
 */
const struct handoff_method *cpu_handoff_stop_method(void)
{
	return READ_ONCE(stop_method);
}

/* Say once per handoff why it does not park with the chosen method. */
static void report_fallback(enum cpu_handoff_reason reason,
			    const struct handoff_method *used)
{
	if (used == chosen)
		return;
	pr_warn("%s: %s cannot be used for this handoff (%s); %s\n",
		reason_names[reason], chosen->name, chosen->refuse(reason),
		used ? used->name : "CPUs are left halted in this kernel, as without this option");
}

/*
 * The IPI handler a held CPU stays in.  It touches only this kernel's
 * memory, which is intact until the commit, so an NMI here is harmless.
 */
static void hold_this_cpu(void *unused)
{
	unsigned int cpu = smp_processor_id();
	int phase;

	set_state(cpu, CPU_HANDOFF_HELD);
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
		set_state(cpu, CPU_HANDOFF_READY);
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
			for (;;)
				cpu_relax();
		}
	}

	set_state(cpu, CPU_HANDOFF_NONE);
	atomic_dec(&held_cpus);
}

/* Wait, bounded, until @count has risen to @want (@up) or fallen to it. */
static bool wait_for_count(atomic_t *count, int want, bool up)
{
	unsigned int us;

	for (us = 0; ; us += 10) {
		int v = atomic_read(count);

		if (up ? v >= want : v <= want)
			return true;
		if (us >= HOLD_TIMEOUT_US)
			return false;
		udelay(10);
	}
}

static void hold_undo(void)
{
	/* Held CPUs read the phase with smp_load_acquire(). */
	smp_store_release(&hold_phase, HOLD_RELEASE);
	/* Wait for them to leave: their IPI data must not be reused early. */
	if (!wait_for_count(&held_cpus, 0, false))
		pr_err("%s: %d CPUs did not leave the hold\n",
		       reason_names[hold_reason], atomic_read(&held_cpus));
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

	if (!chosen)
		return -EOPNOTSUPP;
	if (WARN_ON_ONCE(holding))
		return -EBUSY;
	/*
	 * What the handoff will overwrite is known by now (the image is
	 * loaded): if no method can serve it, the caller's old way it is.
	 */
	hold_method = method_for(reason);
	report_fallback(reason, hold_method);
	if (!hold_method)
		return -EOPNOTSUPP;
	if (reason == CPU_HANDOFF_RESTORE && image_kind == IMAGE_LEAVES_CPUS)
		pr_warn("%s: the image kernel does not re-park CPUs: those it offlined by hand stay in wait-for-SIPI until reboot\n",
			reason_names[reason]);

	/*
	 * As freeze_secondary_cpus() does, and for the same reasons: the
	 * caller's thaw_secondary_cpus() undoes it whatever happens next,
	 * and it waits for a CPU in the middle of coming up or going down,
	 * which would otherwise be neither held nor parked.
	 */
	cpu_hotplug_disable();

	/*
	 * The incoming kernel continues on the CPU that jumps, and the boot
	 * CPU is the one CPU that must never be sent INIT.
	 */
	cpumask_copy(&saved_allowed, current->cpus_ptr);
	if (!cpu_online(HANDOFF_PRIMARY_CPU) ||
	    set_cpus_allowed_ptr(current, cpumask_of(HANDOFF_PRIMARY_CPU))) {
		pr_err("%s: cannot move to CPU %d\n", reason_names[reason],
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
		 * A CPU that never ran an earlier hold's IPI still has it
		 * queued: re-initialising the CSD would corrupt that queue.
		 * Give up on this handoff instead.
		 */
		if (csd->node.u_flags & CSD_FLAG_LOCK) {
			pr_err("%s: CPU %u still has an earlier hold pending\n",
			       reason_names[reason], cpu);
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
		       reason_names[reason], atomic_read(&held_cpus),
		       cpumask_weight(&held_mask));
		hold_undo();
		local_irq_enable();
		set_cpus_allowed_ptr(current, &saved_allowed);
		cpu_hotplug_enable();
		trace_cpu_handoff_hold(reason, atomic_read(&held_cpus), -EBUSY);
		return -EBUSY;
	}
	stats_check();
	stats.hold_ns = local_clock() - hold_start_ns;
	trace_cpu_handoff_hold(reason, want, 0);
	return 0;
}

/* Park one held and prepared CPU, or an offline one. */
static int park_cpu(unsigned int cpu)
{
	bool online = get_state(cpu) == CPU_HANDOFF_READY;
	int ret = hold_method->park(cpu);

	trace_cpu_handoff_park(hold_reason, cpu, online, hold_method->name, ret);
	if (!ret)
		set_state(cpu, CPU_HANDOFF_PARKED);
	return ret;
}

/* Park CPUs that have run this kernel; leave the boot CPU and never-booted CPUs alone. */
static void park_offline_cpus(unsigned int self)
{
	unsigned int cpu;

	for_each_present_cpu(cpu) {
		if (cpu == self || cpu_online(cpu) || cpu == HANDOFF_PRIMARY_CPU)
			continue;
		if (!cpumask_test_cpu(cpu, &cpus_booted_once_mask)) {
			set_state(cpu, CPU_HANDOFF_SKIPPED);
			stats.skipped++;
			continue;
		}
		if (park_cpu(cpu))
			stats.failed++;
		else
			stats.offline++;
	}
}

/**
 * cpu_handoff_commit() - the point of no return: park all other CPUs
 *
 * Called right before the jump into the incoming kernel, after the last
 * step that can fail.  Held CPUs prepare themselves and are parked; so is
 * every offline CPU that has run this kernel.  Does nothing if no hold is
 * in progress (the old method stopped the CPUs).
 *
 * Context: interrupts off, on the CPU that called cpu_handoff_hold().
 * Return: 0 when everything is parked; -EBUSY if a held CPU did not get
 * ready in time, in which case nothing was parked and the caller must fail
 * the handoff and call cpu_handoff_release().
 */
int cpu_handoff_commit(void)
{
	unsigned int cpu, self = smp_processor_id(), want;
	u64 t0, now;

	if (!holding)
		return 0;

	want = cpumask_weight(&held_mask);
	/* Held CPUs read the phase with smp_load_acquire(). */
	smp_store_release(&hold_phase, HOLD_COMMIT);
	if (!wait_for_count(&acked_cpus, want, true)) {
		pr_err("%s: only %d of %u held CPUs answered the commit; not parking\n",
		       reason_names[hold_reason], atomic_read(&acked_cpus), want);
		return -EBUSY;
	}
	/*
	 * Every held CPU has just answered with interrupts off, so a CPU that
	 * is not ready within the timeout is one that stalled in firmware or
	 * in its own prepare.  Those that did prepare have left VMX/SVM for
	 * good (KVM's kvm_rebooting stays set): say so if the handoff fails.
	 */
	smp_store_release(&hold_phase, HOLD_PREPARE);
	if (!wait_for_count(&ready_cpus, want, true)) {
		int ready = atomic_read(&ready_cpus);

		pr_crit("%s: only %d of %u held CPUs got ready to park; not parking, and virtualization stays off on those %d until reboot\n",
			reason_names[hold_reason], ready, want, ready);
		return -EBUSY;
	}

	/* All ready: from here on there is no way back. */
	smp_store_release(&hold_phase, HOLD_PARK);
	t0 = stats_begin_park();
	for_each_cpu(cpu, &held_mask) {
		if (park_cpu(cpu))
			stats.failed++;
		else
			stats.held++;
	}
	park_offline_cpus(self);
	stats.handoffs++;

	now = local_clock();
	stats.park_ns = now - t0;
	stats.total_ns = now - hold_start_ns;
	pr_info("%s: parked %u CPUs with %s (%u online, %u offline), %u never booted left alone, %u failed; hold %llu us, park %llu us [%s]\n",
		reason_names[hold_reason], stats.held + stats.offline, hold_method->name,
		stats.held, stats.offline, stats.skipped, stats.failed,
		div_u64(stats.hold_ns, NSEC_PER_USEC), div_u64(stats.park_ns, NSEC_PER_USEC),
		policy_why);
	return 0;
}

/**
 * cpu_handoff_release() - the handoff failed before the commit: let go
 *
 * Held CPUs return to whatever they were doing, interrupts are enabled
 * again and the caller's CPU affinity is restored.  Does nothing if no
 * hold is in progress.
 *
 * Context: the CPU that called cpu_handoff_hold(), interrupts off.
 */
void cpu_handoff_release(void)
{
	if (!holding)
		return;
	hold_undo();
	pr_info("%s: handoff abandoned, CPUs released\n", reason_names[hold_reason]);
	local_irq_enable();
	set_cpus_allowed_ptr(current, &saved_allowed);
}

/**
 * cpu_handoff_park_stopped() - park CPUs the caller has already stopped
 * @reason: %CPU_HANDOFF_KEXEC or %CPU_HANDOFF_KEXEC_JUMP
 *
 * For kexec the architecture stops the other CPUs itself (x86: in
 * stop_this_cpu(), virtualization already off), or CPU hotplug has taken
 * them offline (kexec jump).  Park every present CPU that has run this
 * kernel, but the caller and the primary CPU, which must never be parked
 * with INIT.  Never-booted CPUs are left where firmware put them.
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
	u64 t0;

	hold_method = method_for(reason);
	if (!hold_method)
		return -EOPNOTSUPP;
	hold_reason = reason;
	report_fallback(reason, hold_method);

	t0 = stats_begin_park();
	stats.hold_ns = 0;
	for_each_present_cpu(cpu) {
		if (cpu == self)
			continue;
		if (cpu == HANDOFF_PRIMARY_CPU) {
			primary = 1;
			continue;
		}
		if (!cpumask_test_cpu(cpu, &cpus_booted_once_mask)) {
			set_state(cpu, CPU_HANDOFF_SKIPPED);
			stats.skipped++;
			continue;
		}
		if (park_cpu(cpu)) {
			stats.failed++;
		} else {
			parked++;
			stats.offline++;
		}
	}
	stats.handoffs++;
	stats.park_ns = local_clock() - t0;
	stats.total_ns = stats.park_ns;
	if (reason == CPU_HANDOFF_KEXEC_JUMP)
		parked_for_jump = true;
	pr_info("%s: parked %u CPUs with %s, %u never booted left alone, %u failed%s; park %llu us [%s]\n",
		reason_names[reason], parked, hold_method->name, stats.skipped, stats.failed,
		primary ? ", the boot CPU left stopped" : "",
		div_u64(stats.park_ns, NSEC_PER_USEC), policy_why);
	return stats.failed;
}

/* ------------------------------------------------------------------ */
/* The kernel that took over: wake inherited CPUs, park them our way.  */

static struct cpumask inherited_mask;

/* Set by cpu_handoff_restored(): re-park inherited CPUs at the thaw. */
static bool restored;

static void repark_inherited(void)
{
	unsigned int cpu, done = 0, failed = 0;
	u64 t0 = ktime_get_ns();
	int ret;

	stats_check();
	WRITE_ONCE(stats.repark_pending, 1);

	/* Before any CPU goes offline into the method's loop again. */
	if (chosen->resumed)
		chosen->resumed();

	for_each_cpu(cpu, &inherited_mask) {
		if (get_state(cpu) != CPU_HANDOFF_INHERITED)
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
		set_state(cpu, CPU_HANDOFF_NONE);
		if (ret) {
			pr_err("re-parking CPU %u failed: %d\n", cpu, ret);
			failed++;
		} else {
			done++;
		}
	}
	cpumask_clear(&inherited_mask);

	stats.reparked = done;
	stats.repark_ns = ktime_get_ns() - t0;
	WRITE_ONCE(stats.repark_pending, 0);
	pr_info("re-parked %u inherited CPUs in this kernel's play_dead(), %u failed, in %llu us\n",
		done, failed, div_u64(stats.repark_ns, NSEC_PER_USEC));
}

/*
 * An inherited CPU stops being one when this kernel brings it up: the
 * INIT-SIPI-SIPI of the bringup reset it, wherever it was.
 */
static int handoff_cpu_online(unsigned int cpu)
{
	if (get_state(cpu) == CPU_HANDOFF_INHERITED)
		set_state(cpu, CPU_HANDOFF_NONE);
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
		set_state(cpu, CPU_HANDOFF_INHERITED);
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
	return chosen ? IMAGE_REPARKS : 0;
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
	image_kind = word == IMAGE_REPARKS ? IMAGE_REPARKS_CPUS : IMAGE_LEAVES_CPUS;
}

/**
 * cpu_handoff_restored() - the jump into a hibernation image has landed
 *
 * Every present CPU that this kernel believes offline and that has run it
 * was parked by the restore kernel, in a way this kernel cannot know: in
 * wait-for-SIPI by a kernel with this option, or in a HLT loop in memory
 * that is now this kernel's by one without.  They cannot be taken back
 * here (interrupts are off and only this CPU runs); cpu_handoff_thaw()
 * does it, first thing when CPUs are thawed.
 *
 * Context: the image kernel right after the jump, interrupts disabled.
 */
void cpu_handoff_restored(void)
{
	restored = !!chosen;
}

/**
 * cpu_handoff_thaw() - re-park inherited CPUs before the frozen ones return
 * @frozen: the CPUs thaw_secondary_cpus() is about to bring back online
 *
 * After a hibernation restore (cpu_handoff_restored()) or a kexec jump
 * that parked CPUs, wake each inherited CPU and park it again in this
 * kernel's own play_dead(), before any other CPU comes back: this is the
 * earliest point where a CPU can be brought up (interrupts on, process
 * context), it keeps the time the CPUs spend in wait-for-SIPI with CR4.MCE
 * clear short, and with only this CPU online the stop_machine() that
 * takes each down again involves two CPUs, not all of them.  A nosmt
 * sibling never becomes schedulable for it (see cpu_handoff_wake_cpu()).
 *
 * Context: process context in thaw_secondary_cpus(), with
 * cpu_maps_update_begin() held and tasks frozen.
 */
void cpu_handoff_thaw(const struct cpumask *frozen)
{
	if (!chosen || !(restored || parked_for_jump))
		return;
	restored = false;
	parked_for_jump = false;
	inherit_offline_cpus(frozen);
	repark_inherited();
}

/**
 * cpu_handoff_resumed() - a hibernation image kernel has been resumed
 *
 * cpu_handoff_thaw() has re-parked what this kernel inherited, so the
 * caller's old sibling dance is not needed.
 *
 * Context: process context in the image kernel after resume
 * (arch_resume_nosmt()).
 * Return: true if handoff parking is on, so the caller skips its old
 * sibling dance; false if it is off.
 */
bool cpu_handoff_resumed(void)
{
	return chosen;
}

/* ------------------------------------------------------------------ */

static int state_show(struct seq_file *m, void *v)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		seq_printf(m, "%u %s %s%s\n", cpu,
			   !cpu_present(cpu) ? "absent" : cpu_online(cpu) ? "online" : "offline",
			   state_names[get_state(cpu)],
			   cpumask_test_cpu(cpu, &cpus_booted_once_mask) ? "" : " never-booted");
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

static int method_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s (%s)\n", chosen ? chosen->name : "off", policy_why);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(method);

static int stats_show(struct seq_file *m, void *v)
{
	stats_check();
	seq_printf(m, "handoffs %u\nparked_online %u\nparked_offline %u\nskipped %u\nfailed %u\n",
		   stats.handoffs, stats.held, stats.offline, stats.skipped, stats.failed);
	seq_printf(m, "hold_us %llu\npark_us %llu\ntotal_us %llu\nreparked %u\nrepark_us %llu\n",
		   div_u64(stats.hold_ns, NSEC_PER_USEC), div_u64(stats.park_ns, NSEC_PER_USEC),
		   div_u64(stats.total_ns, NSEC_PER_USEC),
		   stats.reparked, div_u64(stats.repark_ns, NSEC_PER_USEC));
	seq_printf(m, "repark_pending %u\n", READ_ONCE(stats.repark_pending));
	seq_printf(m, "image_reparks %s\n", image_kind == IMAGE_UNKNOWN ? "unknown" :
		   image_kind == IMAGE_REPARKS_CPUS ? "yes" : "no");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static struct dentry *debugfs_dir;

/**
 * cpu_handoff_debugfs_dir() - the cpu_handoff directory in debugfs
 *
 * For the methods' own files.
 *
 * Context: process context, from an initcall.
 * Return: the directory (an error pointer if debugfs is not available,
 * which debugfs_create_file() accepts).
 */
struct dentry *cpu_handoff_debugfs_dir(void)
{
	if (!debugfs_dir)
		debugfs_dir = debugfs_create_dir("cpu_handoff", NULL);
	return debugfs_dir;
}

static int __init cpu_handoff_late_init(void)
{
	struct dentry *dir = cpu_handoff_debugfs_dir();

	debugfs_create_file("method", 0444, dir, NULL, &method_fops);
	debugfs_create_file("state", 0444, dir, NULL, &state_fops);
	debugfs_create_file("stats", 0444, dir, NULL, &stats_fops);

	return cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "cpu_handoff:online",
					 handoff_cpu_online, NULL) < 0;
}
late_initcall(cpu_handoff_late_init);
