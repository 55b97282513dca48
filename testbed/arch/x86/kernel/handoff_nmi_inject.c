// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection and accounting for CPU handoff testing: NMI the CPUs a kernel inherits.
 *
 * When one kernel takes the machine over from another (a hibernation image
 * kernel after the restore kernel jumped into it, or a kexec'd kernel),
 * the application processors are wherever the outgoing kernel parked them.
 * If that is a HLT loop in memory the incoming kernel has since overwritten,
 * any NMI, SMI or machine check sends the CPU into garbage.  Real machines
 * get such events rarely and at random; this injector makes them happen at
 * the worst moment, so that a test can tell a safe park from an unsafe one:
 * before it wakes them, the incoming kernel NMIs every present AP that is
 * not online, waits, and logs what it did.
 *
 *   handoff_nmi_inject.resume=N  in the image kernel, right after the jump
 *                                from the restore kernel
 *   handoff_nmi_inject.boot=N    in a kexec'd kernel, before SMP bringup
 *                                (never set it on a cold boot: firmware
 *                                owns the APs then)
 *
 *   handoff_nmi_inject.resume_hold_ms=MS, handoff_nmi_inject.boot_hold_ms=MS
 *                                at the same two points, keep the parked
 *                                APs parked for MS ms and say so first:
 *                                the window in which a test harness
 *                                injects a machine check into one of them
 *                                from outside (QEMU's "mce" command)
 *
 *   handoff_nmi_inject.shutdown_panic=1
 *                                a device's ->shutdown panics during
 *                                kexec, as a driver bug would: the kernel
 *                                then stops its CPUs for the panic and
 *                                reboots, which must not find them in INIT
 *
 *   handoff_nmi_inject.fail_park=CPU
 *                                a restore kernel's INIT park of that held
 *                                CPU fails (it is not sent INIT), as if
 *                                its APIC ID were not valid: the CPU must
 *                                halt before the jump, not run on in text
 *                                the image overwrites
 *
 *   handoff_nmi_inject.fail_restore=N
 *                                makes a restore kernel fail after it
 *                                stopped its CPUs and before the jump:
 *                                at syscore suspend (1), in
 *                                swsusp_arch_resume() as if its page
 *                                tables could not be allocated (2, a hook
 *                                in testbed/patches/), or at the series'
 *                                commit as if a held CPU had not answered
 *                                (3, testbed/files.patch): the restore
 *                                must give every CPU back and boot on
 *
 * debugfs handoff_nmi_inject/{nmi,init} take a CPU number and send that CPU
 * one NMI or one INIT; they exist to find out how a platform (or an
 * emulator) treats an NMI to a CPU in wait-for-SIPI.
 *
 * It also counts CPU hotplug operations from the start of a hibernation or
 * restore to the last syscore suspend before the jump, and logs them: what
 * a restore kernel does to its CPUs before it hands over is otherwise
 * invisible, because it never comes back to report.  For the same reason
 * it logs how long a kexec's machine_shutdown() took, which is where the
 * outgoing kernel stops (and parks) its CPUs, right before the jump.
 *
 * This is a test tool.  It deliberately crashes machines whose kernels
 * park CPUs unsafely, and must never be enabled in a production kernel.
 */

#define pr_fmt(fmt) "handoff_nmi_inject: " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/handoff_nmi_inject.h>
#include <linux/init.h>
#include <linux/kexec.h>
#include <linux/kmsg_dump.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/printk.h>
#include <linux/sched/clock.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/suspend.h>
#include <linux/syscore_ops.h>
#include <linux/uaccess.h>

#include <asm/apic.h>

static unsigned int nmi_at_boot;
module_param_named(boot, nmi_at_boot, uint, 0444);
MODULE_PARM_DESC(boot, "NMIs sent to each not-yet-woken AP before SMP bringup (kexec'd kernels only)");

static unsigned int nmi_at_resume;
module_param_named(resume, nmi_at_resume, uint, 0444);
MODULE_PARM_DESC(resume, "NMIs sent to each offline AP right after a hibernation image is resumed");

static unsigned int hold_at_boot;
module_param_named(boot_hold_ms, hold_at_boot, uint, 0444);
MODULE_PARM_DESC(boot_hold_ms, "Keep the not-yet-woken APs parked this long before SMP bringup (kexec'd kernels only)");

static unsigned int hold_at_resume;
module_param_named(resume_hold_ms, hold_at_resume, uint, 0444);
MODULE_PARM_DESC(resume_hold_ms, "Keep the offline APs parked this long right after a hibernation image is resumed");

/*
 * The switch into the CPU handoff trampoline: testbed/files.patch widens
 * it by this many PAUSEs right after the CR3 write (read before it), and
 * calls handoff_nmi_inject_parking() while the controlling CPU waits for
 * a CPU to arrive.  Together they send NMIs into the window in which the
 * parking CPU has no usable IDT, GDT or stack.
 */
u32 handoff_nmi_inject_window_spins;
module_param_named(window_spins, handoff_nmi_inject_window_spins, uint, 0444);
MODULE_PARM_DESC(window_spins, "PAUSEs added to the trampoline's switch window, after the CR3 write, and to a held CPU's way to its halt when its park failed");

/*
 * testbed/files.patch flips the last byte of the trampoline's code page
 * (an INT3 of the padding) with this: a kernel whose park loop differs
 * from its peers', which a kernel taking over its parked CPUs must not
 * rewrite.
 */
u32 handoff_nmi_inject_code_salt;
module_param_named(code_salt, handoff_nmi_inject_code_salt, uint, 0444);
MODULE_PARM_DESC(code_salt, "XORed into the last byte of the trampoline's code page");

/*
 * testbed/files.patch makes the trampoline's play_dead wait in MWAIT with
 * this set, as it does under a cpuidle driver that plays dead (intel_idle,
 * ACPI FFH C-states), which no emulator here has: the store that asks an
 * offline CPU to move, and the NMI a millisecond later, get exercised.
 */
u32 handoff_nmi_inject_mwait;
module_param_named(mwait, handoff_nmi_inject_mwait, uint, 0444);
MODULE_PARM_DESC(mwait, "Offline CPUs wait in MWAIT between handoffs, as under intel_idle");

static unsigned int park_nmi_us;
module_param(park_nmi_us, uint, 0444);
MODULE_PARM_DESC(park_nmi_us, "While a CPU is on its way into the trampoline, NMI it every this many us");

static bool shutdown_panic;
module_param(shutdown_panic, bool, 0444);
MODULE_PARM_DESC(shutdown_panic, "Panic in a device's ->shutdown during kexec, as a driver bug would");

static unsigned int fail_restore;
module_param(fail_restore, uint, 0444);
MODULE_PARM_DESC(fail_restore, "Make restoring a hibernation image fail after the CPUs were stopped: 1 at syscore suspend, 2 in swsusp_arch_resume(), 3 at the CPU handoff commit");
static bool no_hold;
module_param(no_hold, bool, 0444);
MODULE_PARM_DESC(no_hold, "A restore takes its CPUs offline instead of holding them: the series without its hold, on the same kernel (make bench KERNELS=nohold)");
static int fail_park = -1;
module_param(fail_park, int, 0444);
MODULE_PARM_DESC(fail_park, "A restore's INIT park of this held CPU fails, as if its APIC ID were not valid");
static bool restoring;

/*
 * Long enough for a CPU that takes the NMI to fetch its handler through
 * stale tables and fault, and for the fault to reach the console or reset
 * the machine, before the incoming kernel resets the CPU with INIT-SIPI-SIPI
 * and so hides what happened.  Generous because emulators are slow.
 */
#define INJECT_SETTLE_MS	200

static void nmi_one(unsigned int cpu)
{
	__apic_send_IPI(cpu, NMI_VECTOR);
}

/* A present AP this kernel has not woken: wherever the last kernel left it. */
static bool parked(unsigned int cpu)
{
	return cpu != smp_processor_id() && !cpu_online(cpu);
}

static unsigned int nmi_parked(unsigned int count, const char *when)
{
	unsigned int cpu, cpus = 0, i;

	for_each_present_cpu(cpu) {
		if (!parked(cpu))
			continue;
		for (i = 0; i < count; i++) {
			nmi_one(cpu);
			udelay(100);
		}
		cpus++;
	}
	mdelay(INJECT_SETTLE_MS);
	pr_info("%s: sent %u NMI(s) to each of %u parked CPU(s), machine survived\n",
		when, count, cpus);
	return cpus;
}

static unsigned int count_parked(void)
{
	unsigned int cpu, cpus = 0;

	for_each_present_cpu(cpu)
		if (parked(cpu))
			cpus++;
	return cpus;
}

/*
 * The harness watches the console for the first line and then injects
 * its fault; the second line says the machine lived through the window.
 * mdelay() because interrupts are off at resume and there is no
 * scheduler yet at boot.
 */
static void hold_parked(unsigned int ms, const char *when)
{
	unsigned int cpus = count_parked();

	pr_info("%s: holding %u parked CPU(s) for %u ms\n", when, cpus, ms);
	mdelay(ms);
	pr_info("%s: hold over, machine survived\n", when);
}

/**
 * handoff_nmi_inject_resume() - the image kernel has just been resumed
 *
 * Called by the hibernation core in the image kernel right after the jump
 * from the restore kernel, with interrupts off and only this CPU online.
 * Logs a marker the test runner times the handoff by, then NMIs the APs
 * when asked to on the command line.
 */
void handoff_nmi_inject_resume(void)
{
	pr_info("resume: image kernel running on CPU %u\n", smp_processor_id());
	if (nmi_at_resume)
		nmi_parked(nmi_at_resume, "resume");
	if (hold_at_resume)
		hold_parked(hold_at_resume, "resume");
}

/**
 * handoff_nmi_inject_parking() - a CPU is on its way into the trampoline
 * @cpu: the CPU the controlling CPU waits for
 * @us: how long it has waited, in microseconds of udelay() (steps, not
 *	time: with a storm of NMIs, a step takes far longer)
 *
 * Called by the controlling CPU in its wait (trampoline_park(), through
 * testbed/files.patch), interrupts off.  With park_nmi_us=N, sends @cpu
 * an NMI every N us, as an NMI from anywhere might arrive.  Only to a CPU
 * that is offline: an online, held CPU would report it as unknown.
 */
void handoff_nmi_inject_parking(unsigned int cpu, unsigned int us)
{
	if (!park_nmi_us || cpu_online(cpu) || us % park_nmi_us)
		return;
	if (!us)
		pr_info("parking: NMIs into CPU %u every %u us on its way in, switch window widened by %u PAUSEs\n",
			cpu, park_nmi_us, handoff_nmi_inject_window_spins);
	__apic_send_IPI(cpu, NMI_VECTOR);
}

/* early_initcall runs after the APIC is set up and before smp_init(). */
static int __init handoff_nmi_inject_boot(void)
{
	if (nmi_at_boot)
		nmi_parked(nmi_at_boot, "boot");
	if (hold_at_boot)
		hold_parked(hold_at_boot, "boot");
	return 0;
}
early_initcall(handoff_nmi_inject_boot);

static void send_init(unsigned int cpu)
{
	u32 apicid = per_cpu(x86_cpu_to_apicid, cpu);

	apic_icr_write(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT, apicid);
	udelay(10);
	apic_icr_write(APIC_INT_LEVELTRIG | APIC_DM_INIT, apicid);
}

static ssize_t cpu_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	void (*send)(unsigned int cpu) = file->private_data;
	unsigned int cpu;
	int ret;

	ret = kstrtouint_from_user(ubuf, len, 0, &cpu);
	if (ret)
		return ret;
	/*
	 * INIT to the boot CPU resets the machine, and a CPU that never ran
	 * Linux may alias another APIC ID; refuse both, and anything online.
	 */
	if (cpu >= nr_cpu_ids || !cpu_present(cpu) || cpu_online(cpu) ||
	    cpu == 0 || !cpumask_test_cpu(cpu, &cpus_booted_once_mask))
		return -EINVAL;
	send(cpu);
	pr_info("debugfs: sent %s to CPU %u\n", send == nmi_one ? "NMI" : "INIT", cpu);
	return len;
}

static int cpu_open(struct inode *inode, struct file *file)
{
	file->private_data = inode->i_private;
	return 0;
}

static const struct file_operations cpu_fops = {
	.open	= cpu_open,
	.write	= cpu_write,
};

static atomic_t hp_onlines, hp_offlines;
static u64 hp_first_ns, hp_last_ns;

static void hp_count(atomic_t *ctr)
{
	u64 now = ktime_get_ns();

	atomic_inc(ctr);
	cmpxchg64(&hp_first_ns, 0, now);
	WRITE_ONCE(hp_last_ns, now);
}

static u64 shutdown_start_ns;

/*
 * With quiet_kexec, the lines printed between the start of the window
 * and its end (7.3's "Starting new kernel", the series' summary line) go
 * to the log buffer only, as under "quiet", the way distributions boot:
 * on a console at loglevel 7 the window would measure the serial port's
 * speed along with the CPU stop (make bench QUIET=1).
 */
static bool quiet_kexec;
module_param(quiet_kexec, bool, 0444);
MODULE_PARM_DESC(quiet_kexec, "Console at the quiet loglevel between syscore_shutdown() and the jump, for kexec (make bench QUIET=1)");
static int quiet_saved_loglevel;
static u64 quiet_start_us;

/*
 * kernel_kexec() runs syscore_shutdown(), machine_shutdown() (which stops
 * the other CPUs) and kmsg_dump(KMSG_DUMP_SHUTDOWN) right before
 * machine_kexec(): the time between the first and the last is the
 * outgoing kernel's stop-to-jump time.
 */
static void hp_syscore_shutdown(void *data)
{
	if (quiet_kexec && kexec_in_progress) {
		quiet_saved_loglevel = console_loglevel;
		console_loglevel = CONSOLE_LOGLEVEL_QUIET;
		quiet_start_us = div_u64(local_clock(), NSEC_PER_USEC);
	}
	WRITE_ONCE(shutdown_start_ns, ktime_get_ns());
}

/*
 * After the window, the lines it logged but did not print, with their own
 * timestamps: where its time went (mk/benchbreak.sh reads the park).
 */
static void hp_print_quiet_lines(void)
{
	static char line[320];
	struct kmsg_dump_iter iter;
	unsigned long sec, usec;
	size_t len;

	kmsg_dump_rewind(&iter);
	while (kmsg_dump_get_line(&iter, false, line, sizeof(line) - 1, &len)) {
		line[len] = '\0';
		if (sscanf(line, "[%lu.%lu]", &sec, &usec) != 2 ||
		    (u64)sec * USEC_PER_SEC + usec < quiet_start_us)
			continue;
		/* Not this function's own lines, nor the one before them. */
		if (strstr(line, "handoff_nmi_inject: kexec:"))
			continue;
		pr_info("kexec: in the quiet window: %s", line);
	}
}

static void hp_kmsg_dump(struct kmsg_dumper *dumper, struct kmsg_dump_detail *detail)
{
	u64 start = READ_ONCE(shutdown_start_ns);
	u64 took;

	/* Not in a kexec jump's, whose timekeeping is suspended by now. */
	if (detail->reason != KMSG_DUMP_SHUTDOWN || !start)
		return;
	if (!kexec_in_progress)
		return;
	took = ktime_get_ns() - start;
	if (quiet_saved_loglevel)
		console_loglevel = quiet_saved_loglevel;
	pr_info("kexec: machine_shutdown() took %llu us, jumping%s\n",
		div_u64(took, NSEC_PER_USEC), quiet_saved_loglevel ? " (console quiet)" : "");
	if (quiet_saved_loglevel)
		hp_print_quiet_lines();
}

static struct kmsg_dumper hp_dumper = {
	.dump		= hp_kmsg_dump,
	.max_reason	= KMSG_DUMP_SHUTDOWN,
};

static void hp_panic_shutdown(struct platform_device *pdev)
{
	if (kexec_in_progress)
		panic("handoff_nmi_inject: a device's ->shutdown panics during kexec (shutdown_panic=1)");
}

static struct platform_driver hp_panic_driver = {
	.shutdown	= hp_panic_shutdown,
	.driver		= { .name = "handoff_nmi_inject" },
};

static void hp_panic_device(void)
{
	struct platform_device *pdev;

	if (platform_driver_register(&hp_panic_driver))
		return;
	pdev = platform_device_register_simple("handoff_nmi_inject", PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(pdev)) {
		platform_driver_unregister(&hp_panic_driver);
		return;
	}
	pr_info("a device that panics in its ->shutdown during kexec is registered\n");
}

static int hp_online(unsigned int cpu)
{
	hp_count(&hp_onlines);
	return 0;
}

static int hp_offline(unsigned int cpu)
{
	hp_count(&hp_offlines);
	return 0;
}

static int hp_pm_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	if (action == PM_RESTORE_PREPARE)
		restoring = true;
	else if (action == PM_POST_RESTORE)
		restoring = false;
	if (action == PM_HIBERNATION_PREPARE || action == PM_RESTORE_PREPARE) {
		atomic_set(&hp_onlines, 0);
		atomic_set(&hp_offlines, 0);
		WRITE_ONCE(hp_first_ns, 0);
		WRITE_ONCE(hp_last_ns, 0);
	}
	return NOTIFY_DONE;
}

static struct notifier_block hp_pm_nb = {
	.notifier_call = hp_pm_notify,
};

/**
 * handoff_nmi_inject_fail_restore() - should this restore fail here?
 * @at: the failure point: 1 syscore suspend, 2 swsusp_arch_resume(), 3 the
 *	CPU handoff commit
 *
 * Return: true, and says so, if handoff_nmi_inject.fail_restore=@at and a
 * hibernation image is being restored.
 */
bool handoff_nmi_inject_fail_restore(unsigned int at)
{
	if (!restoring || fail_restore != at)
		return false;
	pr_info("failing this restore on purpose (fail_restore=%u)\n", at);
	return true;
}

/**
 * handoff_nmi_inject_before_halt() - delay a held CPU on its way to halt
 *
 * A held CPU whose park failed halts once the controlling CPU says it is
 * about to jump: handoff_nmi_inject.window_spins PAUSEs first widen the
 * window in which the jump could overwrite the text it runs.
 */
void handoff_nmi_inject_before_halt(void)
{
	u32 i;

	for (i = 0; i < handoff_nmi_inject_window_spins; i++)
		cpu_relax();
}

/**
 * handoff_nmi_inject_no_hold() - should a restore not hold its CPUs?
 *
 * Return: true if handoff_nmi_inject.no_hold=1: the restore takes the
 * other CPUs offline and parks them from there, as the series does
 * without its hold patch.
 */
bool handoff_nmi_inject_no_hold(void)
{
	return no_hold;
}

/**
 * handoff_nmi_inject_fail_park() - should parking @cpu with INIT fail?
 * @cpu: the CPU about to be sent INIT
 *
 * Return: true, and says so, if handoff_nmi_inject.fail_park=@cpu and a
 * hibernation image is being restored: the CPU is then not sent INIT.
 */
bool handoff_nmi_inject_fail_park(unsigned int cpu)
{
	if (!restoring || fail_park != (int)cpu)
		return false;
	pr_info("failing the park of CPU %u on purpose (fail_park)\n", cpu);
	return true;
}

/* The last thing a restore kernel runs that can still log before the jump. */
static int hp_syscore_suspend(void *data)
{
	u64 first = READ_ONCE(hp_first_ns), last = READ_ONCE(hp_last_ns);

	pr_info("cpu hotplug since PM prepare: %d online, %d offline, %llu us first to last\n",
		atomic_read(&hp_onlines), atomic_read(&hp_offlines),
		first ? div_u64(last - first, NSEC_PER_USEC) : 0);
	if (handoff_nmi_inject_fail_restore(1))
		return -EIO;
	return 0;
}

static const struct syscore_ops hp_syscore_ops = {
	.suspend = hp_syscore_suspend,
	.shutdown = hp_syscore_shutdown,
};

static struct syscore hp_syscore = {
	.ops = &hp_syscore_ops,
};

static int __init handoff_nmi_inject_init(void)
{
	struct dentry *dir = debugfs_create_dir("handoff_nmi_inject", NULL);

	debugfs_create_file("nmi", 0200, dir, nmi_one, &cpu_fops);
	debugfs_create_file("init", 0200, dir, send_init, &cpu_fops);

	if (shutdown_panic)
		hp_panic_device();
	register_pm_notifier(&hp_pm_nb);
	register_syscore(&hp_syscore);
	kmsg_dump_register(&hp_dumper);
	return cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "x86/handoff_nmi_inject:count",
					 hp_online, hp_offline) < 0;
}
late_initcall(handoff_nmi_inject_init);
