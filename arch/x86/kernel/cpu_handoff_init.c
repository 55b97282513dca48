// SPDX-License-Identifier: GPL-2.0
/*
 * Park CPUs for a handoff by sending them INIT.
 *
 * After INIT an application processor sits in wait-for-SIPI: it executes
 * nothing, and NMI, SMI and INIT are blocked until a STARTUP IPI, which is
 * exactly what the next kernel's ordinary INIT-SIPI-SIPI bringup sends.
 * The outgoing kernel's memory can then be overwritten at will.
 *
 * What INIT must never hit, from the 2023 attempt to park CPUs in INIT on
 * shutdown (and its fixes and revert):
 *  - the bootstrap processor: INIT makes it run firmware reset code, which
 *    resets or hangs the machine (and a crash can be handled on another
 *    CPU).  That is this kernel's CPU 0: a kernel started on another CPU
 *    (kexec'd from there, reboot=s<N>) finds that CPU 0 lacks
 *    IA32_APIC_BASE.BSP and never registers the real BSP as a CPU at all
 *    (topology_register_boot_apic(), "Disabling real BSP to prevent
 *    machine INIT"), so it is not present and never parked;
 *  - a CPU that is not present or never booted: its APIC ID is not known
 *    to be valid, and in xAPIC mode ID 0x100 aliases the boot CPU's 0x0;
 *  - a CPU in VMX root operation or with SVM's GIF clear: INIT is blocked
 *    there, so the CPU would go on running in memory about to be reused.
 * The core never asks for the first two; prepare_cpu() takes care of the
 * third.  INIT parking is only ever used for a handoff, never on reboot or
 * power off, where some client BIOSes hang in SMI rendezvous with APs in
 * wait-for-SIPI (why 2023's version was reverted).
 *
 * Where INIT cannot be used at all, handoff_init_unusable() says why, and
 * the core parks with the trampoline or keeps the old behaviour.
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/cc_platform.h>
#include <linux/cpufeature.h>
#include <linux/dmi.h>
#include <linux/init.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/tboot.h>

#include <asm/apic.h>
#include <asm/asm.h>
#include <asm/msr.h>
#include <asm/reboot.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/uv/uv.h>
#include <asm/virt.h>

#include "cpu_handoff.h"

static bool noinit __ro_after_init;

/*
 * Behave as on a platform that blocks INIT: cpu_handoff=auto picks the
 * trampoline and CPUs parked there are taken back through the release
 * word.  For testing those paths on machines where INIT works.
 */
static int __init cpu_handoff_noinit_setup(char *arg)
{
	noinit = true;
	return 0;
}
early_param("cpu_handoff_noinit", cpu_handoff_noinit_setup);

/**
 * handoff_init_unusable() - why CPUs cannot be parked with INIT here
 *
 * Also asked by the trampoline, which takes CPUs back with INIT-SIPI-SIPI
 * where INIT can be used, and through its release word only where not.
 *
 * Return: NULL if INIT can be used on this machine, else a reason for the
 * log.
 */
const char *handoff_init_unusable(void)
{
	if (noinit)
		return "cpu_handoff_noinit on the command line";
	if (!boot_cpu_has(X86_FEATURE_APIC) || !apic)
		return "no local APIC";
	/*
	 * The guest's register state is encrypted: the hypervisor cannot
	 * restart a vCPU from INIT-SIPI-SIPI.
	 */
	if (cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT))
		return "SEV-ES/SNP guest: INIT-SIPI-SIPI cannot restart its vCPUs";
	if (cpu_feature_enabled(X86_FEATURE_TDX_GUEST))
		return "TDX guest: CPUs are woken through the ACPI mailbox, not INIT";
	/*
	 * SNP AP creation, the ACPI MADT mailbox: not INIT-SIPI-SIPI.  SGI
	 * UV has its own wakeup too, but it sends INIT and SIPI.
	 */
	if ((apic->wakeup_secondary_cpu || apic->wakeup_secondary_cpu_64) &&
	    !is_uv_system())
		return "this platform wakes CPUs its own way, not with INIT-SIPI-SIPI";
	/* In the TXT environment CPUs do not respond to INIT or SIPI. */
	if (tboot_enabled())
		return "tboot: CPUs ignore INIT in the TXT environment";
	return NULL;
}

/*
 * Client BIOSes known to hang in SMI rendezvous while CPUs sit in
 * wait-for-SIPI: the reason the 2023 INIT parking on shutdown was reverted
 * (bugzilla.kernel.org #217995).  cpu_handoff=auto does not pick INIT on
 * them; cpu_handoff=init still can.
 */
static const struct dmi_system_id init_smi_quirks[] = {
	{
		.ident = "Dell OptiPlex 7050",
		.matches = {
			DMI_MATCH(DMI_SYS_VENDOR, "Dell Inc."),
			DMI_MATCH(DMI_PRODUCT_NAME, "OptiPlex 7050"),
		},
	},
	{ }
};

static char init_avoid_why[96];

static const char *init_avoid(void)
{
	const struct dmi_system_id *d = dmi_first_match(init_smi_quirks);

	if (!d)
		return NULL;
	snprintf(init_avoid_why, sizeof(init_avoid_why),
		 "%s BIOS hangs in SMI rendezvous with CPUs in wait-for-SIPI", d->ident);
	return init_avoid_why;
}

static bool svm_enabled(void)
{
	u64 efer;

	return cpu_feature_enabled(X86_FEATURE_SVM) && !rdmsrq_safe(MSR_EFER, &efer) &&
	       (efer & EFER_SVME);
}

/**
 * handoff_leave_virt() - leave VMX or SVM on a CPU about to be parked
 *
 * INIT is blocked in VMX root operation and while SVM's GIF is clear, and
 * the next kernel takes parked CPUs back with INIT.  KVM leaves both
 * through its emergency callback; a hypervisor that registers none (an
 * out-of-tree module) would leave the CPU where it ignores INIT and runs
 * on in memory the handoff reuses.  So leave VMX and SVM by force too, as
 * the reboot path did before KVM took that over: VMXOFF if CR4.VMXE is
 * still set (a #UD, when not in VMX operation, is fixed up), STGI and
 * EFER.SVME clear if SVM is still enabled.
 *
 * Only on a CPU that is in VMX or SVM operation: the emergency path sets
 * virt_rebooting for good, which makes KVM swallow faults in VMX and SVM
 * instructions, and a hibernation restore whose commit fails after this
 * carries on in this kernel.  Where no CPU had virtualization on (the
 * usual restore kernel: KVM is a module its initramfs does not load),
 * such a failure leaves nothing behind.
 *
 * Context: the CPU to be parked, interrupts off.
 */
void handoff_leave_virt(void)
{
	if (!(__read_cr4() & X86_CR4_VMXE) && !svm_enabled())
		return;

	x86_virt_emergency_disable_virtualization_cpu();

	if (__read_cr4() & X86_CR4_VMXE) {
		/* Outside VMX operation VMXOFF raises #UD: skip it then. */
		asm volatile("1: vmxoff\n2:\n"
			     _ASM_EXTABLE(1b, 2b) ::: "cc", "memory");
		cr4_clear_bits(X86_CR4_VMXE);
	}

	if (svm_enabled()) {
		u64 efer;

		asm volatile("1: stgi\n2:\n"
			     _ASM_EXTABLE(1b, 2b) ::: "memory");
		rdmsrq(MSR_EFER, efer);
		wrmsrq(MSR_EFER, efer & ~EFER_SVME);
	}
}

static int init_park(unsigned int cpu)
{
	u32 apicid = per_cpu(x86_cpu_to_apicid, cpu);

	if (WARN_ON_ONCE(apicid == BAD_APICID || apicid == boot_cpu_physical_apicid))
		return -EINVAL;
	send_init_sequence(apicid);
	return 0;
}

const struct handoff_method handoff_init_method = {
	.name		= "init",
	.unusable	= handoff_init_unusable,
	.avoid		= init_avoid,
	.prepare_cpu	= handoff_leave_virt,
	.park		= init_park,
};
