// SPDX-License-Identifier: GPL-2.0
/*
 * Taking CPUs back from the CPU handoff trampoline.
 *
 * The next kernel brings a parked CPU up with INIT-SIPI-SIPI, which
 * resets it out of the park loop like from anywhere else.  Where INIT
 * cannot be used, do_boot_cpu() asks cpu_handoff_release_cpu() first: it
 * stores a CR3 and a 64-bit entry in the CPU's release word and sends an
 * NMI, and the loop jumps to the real-mode trampoline's 64-bit entry, as
 * if the CPU had been woken by a 64-bit platform wakeup.  While any CPU
 * leaves that way the code page is executable in the kernel, and never
 * writable then; it is not executable again once every such CPU has
 * reported alive, whether it then goes online or, like a nosmt sibling,
 * is sent back to play_dead() (cpu_handoff_release_done()).
 *
 * A reboot, a power off or a suspend to RAM resets the parked CPUs, so
 * their slots are forgotten then.
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/kexec.h>
#include <linux/mem_encrypt.h>
#include <linux/reboot.h>
#include <linux/seq_file.h>
#include <linux/suspend.h>
#include <linux/syscore_ops.h>

#include <asm/apic.h>
#include <asm/cpu_handoff_trampoline.h>
#include <asm/realmode.h>

#include <trace/events/cpu_handoff.h>

#include "cpu_handoff.h"
#include "cpu_handoff_tramp.h"

/* How long to wait for a parked CPU to answer its release word. */
#define RELEASE_TIMEOUT_US	(1000 * USEC_PER_MSEC)

static atomic_t releasing;
static struct cpumask released_mask;
static unsigned int released, release_fallbacks;

static struct handoff_slot *find_parked(u32 apicid)
{
	unsigned int n;

	for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++) {
		struct handoff_slot *s = handoff_tramp_slot(n);

		if (READ_ONCE(s->state) == CPU_HANDOFF_SLOT_PARKED &&
		    READ_ONCE(s->apicid) == apicid)
			return s;
	}
	return NULL;
}

/**
 * cpu_handoff_release_cpu() - take a CPU back from the trampoline
 * @cpu: the CPU being brought up
 * @apicid: its APIC ID
 * @start_ip: the 64-bit entry of the real-mode trampoline
 *
 * Called by do_boot_cpu().  If @apicid is parked in the trampoline and
 * INIT cannot be used on this machine, write the release word and kick
 * the CPU with an NMI: it loads the real-mode trampoline's page tables and
 * jumps to @start_ip, as if woken by a 64-bit platform wakeup.  Otherwise
 * withdraw the slot: the ordinary INIT-SIPI-SIPI resets the CPU out of the
 * loop.
 *
 * Return: 0 if the CPU took its release; -ENOENT if it is not parked in
 * the trampoline or is to be woken the ordinary way; -ETIMEDOUT if it did
 * not answer (withdrawn: the caller wakes it the ordinary way).
 */
int cpu_handoff_release_cpu(unsigned int cpu, u32 apicid, unsigned long start_ip)
{
	struct handoff_wait wait;
	struct handoff_slot *s;

	handoff_tramp_forget_wait(cpu);
	if (!handoff_tramp.area ||
	    !handoff_tramp_header_valid(handoff_tramp_ptr(CPU_HANDOFF_DATA_OFF)))
		return -ENOENT;
	s = find_parked(apicid);
	if (!s)
		return -ENOENT;
	/*
	 * Say what the park loop absorbed: an exception other than an NMI is
	 * most likely a machine check, whose banks this kernel will find.
	 */
	if (s->nmis || s->exceptions)
		pr_info("CPU %u (APIC %#x) took %llu NMI(s) and %llu other exception(s) while parked\n",
			cpu, apicid, s->nmis, s->exceptions);
	/*
	 * Where INIT works, never trust a slot: a kernel that knows nothing of
	 * the trampoline may have taken the CPU out with INIT since, and left
	 * its slot saying parked; an NMI would then hit that kernel's stop
	 * loop, in memory this kernel has overwritten.
	 */
	if (handoff_init_usable || !handoff_tramp.ready) {
		cmpxchg(&s->state, CPU_HANDOFF_SLOT_PARKED, CPU_HANDOFF_SLOT_FREE);
		trace_cpu_handoff_wake(cpu, -ENOENT);
		return -ENOENT;
	}

	if (atomic_inc_return(&releasing) == 1)
		handoff_tramp_code_page_exec(true);
	WRITE_ONCE(s->release_cr3, real_mode_header->trampoline_pgd | sme_me_mask);
	/* The loop reads the CR3 after the RIP: order the stores. */
	smp_wmb();
	WRITE_ONCE(s->release_rip, start_ip);
	__apic_send_IPI(cpu, NMI_VECTOR);

	handoff_wait_start(&wait, RELEASE_TIMEOUT_US);
	while (READ_ONCE(s->state) != CPU_HANDOFF_SLOT_TAKEN &&
	       !handoff_wait_over(&wait))
		;
	/* Withdraw; if the CPU claimed it meanwhile, it is released. */
	if (cmpxchg(&s->state, CPU_HANDOFF_SLOT_PARKED, CPU_HANDOFF_SLOT_FREE) ==
	    CPU_HANDOFF_SLOT_PARKED) {
		WRITE_ONCE(s->release_rip, 0);
		if (atomic_dec_and_test(&releasing))
			handoff_tramp_code_page_exec(false);
		release_fallbacks++;
		pr_warn("CPU %u (APIC %#x) did not answer its release word; waking it the ordinary way\n",
			cpu, apicid);
		trace_cpu_handoff_wake(cpu, -ETIMEDOUT);
		return -ETIMEDOUT;
	}
	WRITE_ONCE(s->state, CPU_HANDOFF_SLOT_FREE);
	cpumask_set_cpu(cpu, &released_mask);
	released++;
	trace_cpu_handoff_wake(cpu, 0);
	return 0;
}

/**
 * cpu_handoff_release_done() - a CPU being brought up has reported alive
 * @cpu: the CPU
 *
 * Called by arch_cpuhp_cleanup_kick_cpu() once @cpu runs this kernel (or
 * its wakeup failed): if it came out of the trampoline, it has left the
 * code page, and once no other CPU is leaving, the page is not executable
 * any more.  Not later, at CPU online: a CPU that is only booted and sent
 * back to play_dead() (nosmt siblings, cpu_boot_and_park()) never gets
 * there, and the page, with its load-CR3-and-jump at a fixed address,
 * would stay executable for good.
 *
 * Context: process context, on the CPU that brings @cpu up.
 */
void cpu_handoff_release_done(unsigned int cpu)
{
	if (!cpumask_test_and_clear_cpu(cpu, &released_mask))
		return;
	if (atomic_dec_and_test(&releasing))
		handoff_tramp_code_page_exec(false);
}

/*
 * A reboot or power off resets every CPU: forget the parked ones, so the
 * next boot does not look for them.  Not for kexec, where they stay.
 */
static void forget_slots(void)
{
	unsigned int n;

	for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++)
		WRITE_ONCE(handoff_tramp_slot(n)->state, CPU_HANDOFF_SLOT_FREE);
}

static int trampoline_reboot(struct notifier_block *nb, unsigned long action, void *unused)
{
	if (handoff_tramp.area && !kexec_in_progress)
		forget_slots();
	return NOTIFY_DONE;
}

static struct notifier_block trampoline_reboot_nb = {
	.notifier_call = trampoline_reboot,
};

/*
 * After suspend to RAM, firmware has reset the CPUs parked for it, and
 * the offline CPUs waiting for a handoff.
 */
static void trampoline_syscore_resume(void *data)
{
	if (handoff_tramp.area && pm_suspend_target_state == PM_SUSPEND_MEM) {
		forget_slots();
		handoff_tramp_reset_offline();
	}
}

static const struct syscore_ops trampoline_syscore_ops = {
	.resume = trampoline_syscore_resume,
};

static struct syscore trampoline_syscore = {
	.ops = &trampoline_syscore_ops,
};

static int trampoline_show(struct seq_file *m, void *v)
{
	unsigned int n, parked = 0;

	seq_printf(m, "vaddr %#lx\nphys %#x\nsize %#x\nversion %u\nslots %u\n",
		   CPU_HANDOFF_TRAMPOLINE_VADDR, CPU_HANDOFF_AREA_PHYS,
		   CPU_HANDOFF_AREA_SIZE, CPU_HANDOFF_TRAMPOLINE_VERSION, CPU_HANDOFF_NR_SLOTS);
	if (!handoff_tramp.area) {
		seq_printf(m, "unavailable %s\n", handoff_tramp.why);
		return 0;
	}
	seq_printf(m, "code_crc32 %08x\nreleased %u\nrelease_fallbacks %u\n",
		   handoff_tramp_code_crc(), released, release_fallbacks);
	for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++) {
		struct handoff_slot *s = handoff_tramp_slot(n);

		if (READ_ONCE(s->state) != CPU_HANDOFF_SLOT_PARKED)
			continue;
		parked++;
		seq_printf(m, "slot %u apicid %#x parked nmis %llu exceptions %llu\n",
			   n, s->apicid, s->nmis, s->exceptions);
	}
	seq_printf(m, "parked %u\n", parked);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(trampoline);

static int __init trampoline_release_init(void)
{
	register_reboot_notifier(&trampoline_reboot_nb);
	register_syscore(&trampoline_syscore);
	return 0;
}
early_initcall(trampoline_release_init);

static int __init trampoline_late_init(void)
{
	/* The directory may hold other debugging files: share it. */
	struct dentry *dir = debugfs_lookup("cpu_handoff", NULL);

	if (!dir)
		dir = debugfs_create_dir("cpu_handoff", NULL);
	debugfs_create_file("trampoline", 0400, dir, NULL, &trampoline_fops);
	return 0;
}
late_initcall(trampoline_late_init);
