// SPDX-License-Identifier: GPL-2.0
/*
 * Park CPUs in INIT for a handoff between kernels: in wait-for-SIPI a CPU
 * runs no code and NMI, SMI and INIT are blocked until the next kernel's
 * INIT-SIPI-SIPI.  Never sent to CPU 0, the boot CPU, nor to a CPU that
 * never ran this kernel, whose APIC ID is not known to be valid
 * (b1472a60a584, 3f874c9b2aae), nor before a handoff's point of no
 * return: a reboot with CPUs in wait-for-SIPI hangs some BIOSes.
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/cc_platform.h>
#include <linux/cpu.h>
#include <linux/cpu_handoff.h>
#include <linux/dmi.h>
#include <linux/init.h>
#include <linux/sched/clock.h>
#include <linux/string.h>
#include <linux/tboot.h>

#include <asm/apic.h>

#define CREATE_TRACE_POINTS
#include <trace/events/cpu_handoff.h>

enum handoff_mode { HANDOFF_OFF, HANDOFF_INIT };

static const char * const mode_names[] = { "off", "init" };
static const char * const reason_names[] = { "restore", "kexec", "kexec-jump" };

static enum handoff_mode handoff_mode __ro_after_init;
static char *mode_arg __initdata = "auto";

static int __init cpu_handoff_setup(char *arg)
{
	mode_arg = arg ?: "";
	return 0;
}
early_param("cpu_handoff", cpu_handoff_setup);

/* BIOSes that hang in SMI rendezvous with CPUs in wait-for-SIPI (#217995) */
static const struct dmi_system_id init_smi_quirks[] __initconst = {
	{
		.ident = "Dell OptiPlex 7050",
		.matches = {
			DMI_MATCH(DMI_SYS_VENDOR, "Dell Inc."),
			DMI_MATCH(DMI_PRODUCT_NAME, "OptiPlex 7050"),
		},
	},
	{ }
};

static const char *init_unusable(void)
{
	/* The hypervisor cannot restart a vCPU whose state is encrypted. */
	if (cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT))
		return "SEV-ES/SNP guest";
	if (cpu_feature_enabled(X86_FEATURE_TDX_GUEST))
		return "TDX guest";
	/*
	 * SNP AP creation, the MADT mailbox, SGI UV's hub (which sends even
	 * INIT and SIPI itself): no INIT from this CPU's APIC is known to
	 * reach the other CPUs, nor their wakeup to undo it.
	 */
	if (apic->wakeup_secondary_cpu || apic->wakeup_secondary_cpu_64)
		return "CPUs are woken without INIT-SIPI-SIPI here";
	/* Xen PV: the hypervisor starts and stops vCPUs; there is no APIC. */
	if (cpu_feature_enabled(X86_FEATURE_XENPV))
		return "Xen PV guest";
	if (tboot_enabled())
		return "tboot: CPUs ignore INIT in the TXT environment";
	return NULL;
}

/* Resolve cpu_handoff= once, before the other CPUs are brought up. */
static int __init cpu_handoff_choose(void)
{
	int asked = match_string(mode_names, ARRAY_SIZE(mode_names), mode_arg);
	const char *why = init_unusable();

	if (asked < 0 && strcmp(mode_arg, "auto"))
		pr_warn("unknown cpu_handoff=%.15s%s; accepted: auto, off, init; using auto\n",
			mode_arg, strlen(mode_arg) > 15 ? "..." : "");
	if (asked == HANDOFF_INIT && why)
		pr_warn("cpu_handoff=init cannot be used here (%s); using auto\n", why);
	if (asked == HANDOFF_OFF)
		why = "cpu_handoff=off";
	else if (!why && asked != HANDOFF_INIT && dmi_check_system(init_smi_quirks))
		why = "auto: this BIOS hangs in SMI rendezvous with CPUs in wait-for-SIPI";
	if (why) {
		pr_info("CPUs are parked as without this option (%s)\n", why);
		return 0;
	}
	handoff_mode = HANDOFF_INIT;
	pr_info("handoffs park CPUs with init (%s)\n",
		asked == HANDOFF_INIT ? "cpu_handoff=init" : "auto");
	return 0;
}
early_initcall(cpu_handoff_choose);

/**
 * cpu_handoff_parks() - whether cpu_handoff_park_cpus() parks CPUs
 * @reason: the handoff
 *
 * Return: true if it does, false if the caller keeps its old way.
 */
bool cpu_handoff_parks(enum cpu_handoff_reason reason)
{
	return handoff_mode != HANDOFF_OFF;
}

static int park_cpu(enum cpu_handoff_reason reason, unsigned int cpu)
{
	u32 apicid = per_cpu(x86_cpu_to_apicid, cpu);
	int ret = 0;

	if (WARN_ON_ONCE(apicid == BAD_APICID || apicid == boot_cpu_physical_apicid))
		ret = -EINVAL;
	else
		send_init_sequence(apicid);
	trace_cpu_handoff_park(reason, cpu, ret);
	return ret;
}

/**
 * cpu_handoff_park_cpus() - park every other CPU that has run this kernel
 * @reason: the handoff
 *
 * Context: past the handoff's last failure point, interrupts off, the
 * other CPUs stopped (kexec) or offline.
 * Return: how many CPUs could not be parked, or -EOPNOTSUPP if CPUs are
 * not parked for @reason.
 */
int cpu_handoff_park_cpus(enum cpu_handoff_reason reason)
{
	unsigned int cpu, parked = 0, skipped = 0, failed = 0;
	u64 t0 = local_clock();

	if (!cpu_handoff_parks(reason))
		return -EOPNOTSUPP;
	for_each_present_cpu(cpu) {
		if (cpu == smp_processor_id() || cpu == 0)
			continue;
		if (!cpumask_test_cpu(cpu, &cpus_booted_once_mask))
			skipped++;
		else if (park_cpu(reason, cpu))
			failed++;
		else
			parked++;
	}
	pr_info("%s: parked %u CPUs with %s, %u never booted left alone, %u failed; park %llu us\n",
		reason_names[reason], parked, mode_names[handoff_mode], skipped, failed,
		div_u64(local_clock() - t0, NSEC_PER_USEC));
	return failed;
}

/**
 * cpu_handoff_repark() - reset the offline CPUs another kernel parked
 *
 * After a hibernation resume or a kexec jump's return, offline CPUs wait
 * where another kernel parked them (wait-for-SIPI with CR4.MCE clear, or
 * HLT in memory that is this kernel's now): send each back into this
 * kernel's play_dead(), never activated.
 *
 * Context: process context, tasks frozen, the frozen CPUs back online.
 * Return: 0, the first error of a CPU that could not be re-parked, or
 * -EOPNOTSUPP if this kernel does not park CPUs (the caller keeps its old
 * way).
 */
int cpu_handoff_repark(void)
{
	unsigned int cpu, n = 0, failed = 0;
	u64 t0 = local_clock();
	int err, ret = 0;

	if (handoff_mode == HANDOFF_OFF)
		return -EOPNOTSUPP;
	for_each_present_cpu(cpu) {
		if (cpu_online(cpu) || !cpumask_test_cpu(cpu, &cpus_booted_once_mask))
			continue;
		n++;
		err = cpu_boot_and_park(cpu);
		if (err) {
			pr_warn("CPU %u could not be re-parked (%d): it may wait where the other kernel left it\n",
				cpu, err);
			failed++;
			ret = ret ?: err;
		}
	}
	pr_info("re-parked %u inherited CPUs, %u failed, in %llu us\n", n - failed, failed,
		div_u64(local_clock() - t0, NSEC_PER_USEC));
	return ret;
}
