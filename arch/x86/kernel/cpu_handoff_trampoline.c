// SPDX-License-Identifier: GPL-2.0
/*
 * x86 CPU handoff: park CPUs in a fixed-address trampoline.
 *
 * Where INIT cannot be used or is not welcome (confidential guests,
 * platforms with their own CPU wakeup, tboot, BIOSes that hang in SMI
 * rendezvous with CPUs in wait-for-SIPI), CPUs are parked in a loop that
 * lives in a small area of memory every kernel with this option keeps out
 * of its memory map, at the same physical and virtual address:
 *
 *   - the loop HLTs with interrupts off; an NMI is taken on the loop's own
 *     IDT and returns to it, any other event (#MC) restarts it;
 *   - it runs on its own page tables, GDT, IDT and stack, all in the
 *     area, so nothing of the outgoing kernel is needed once it is there;
 *   - the area is reserved RAM, so it is in no hibernation image and is
 *     marked reserved in the memory map kexec hands to the next kernel;
 *   - the next kernel takes a CPU back with INIT-SIPI-SIPI, like from
 *     anywhere else, or, where INIT cannot be used, through the CPU's
 *     release word: it stores a CR3 and a 64-bit entry there and sends an
 *     NMI, and the loop jumps.
 *
 * With this method an offline CPU waits deep in this kernel's memory
 * between handoffs (smp_ops.play_dead) and is moved into the trampoline
 * at a handoff's commit; online CPUs enter it at the commit (hibernation)
 * or from the stop IPI (kexec).
 *
 * The code page is mapped at CPU_HANDOFF_TRAMPOLINE_VADDR, next to the
 * vsyscall page, read-only and non-executable in the kernel's page tables.
 * The park loop's own tables map it executable; the kernel maps it
 * executable only while it releases CPUs from it.  The way in goes
 * through one page of kernel text that the park tables also map.
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/cc_platform.h>
#include <linux/cpu.h>
#include <linux/cpufeature.h>
#include <linux/cpuhotplug.h>
#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/memblock.h>
#include <linux/mem_encrypt.h>
#include <linux/pgtable.h>
#include <linux/reboot.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/suspend.h>
#include <linux/syscore_ops.h>
#include <linux/tboot.h>

#include <asm/apic.h>
#include <asm/cpu_handoff_trampoline.h>
#include <asm/e820/api.h>
#include <asm/early_ioremap.h>
#include <asm/fixmap.h>
#include <asm/mwait.h>
#include <asm/nospec-branch.h>
#include <asm/realmode.h>
#include <asm/reboot.h>
#include <asm/set_memory.h>
#include <asm/spec-ctrl.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>
#include <asm/vsyscall.h>

#include <trace/events/cpu_handoff.h>

#include "cpu_handoff.h"

/* A slot, as the park loop sees it (asm/cpu_handoff_trampoline.h). */
struct handoff_slot {
	u32 state;
	u32 apicid;
	u64 release_rip;
	u64 release_cr3;
	u64 nmis;
	u64 exceptions;
	u8 stack[CPU_HANDOFF_SLOT_SIZE - 40];
} __packed;

static_assert(sizeof(struct handoff_slot) == CPU_HANDOFF_SLOT_SIZE);
static_assert(offsetof(struct handoff_slot, apicid) == CPU_HANDOFF_SLOT_APICID);
static_assert(offsetof(struct handoff_slot, release_rip) == CPU_HANDOFF_SLOT_RELEASE_RIP);
static_assert(offsetof(struct handoff_slot, release_cr3) == CPU_HANDOFF_SLOT_RELEASE_CR3);
static_assert(offsetof(struct handoff_slot, nmis) == CPU_HANDOFF_SLOT_NMIS);
static_assert(offsetof(struct handoff_slot, exceptions) == CPU_HANDOFF_SLOT_EXCEPTIONS);
static_assert(CPU_HANDOFF_NR_SLOTS * CPU_HANDOFF_SLOT_SIZE <= CPU_HANDOFF_PGT_OFF);
static_assert(CPU_HANDOFF_PGT_OFF + CPU_HANDOFF_PGT_PAGES * PAGE_SIZE <= CPU_HANDOFF_DATA_OFF);

/* The CPU kexec runs on; it is never parked (see cpu_handoff_park_stopped()). */
#define HANDOFF_BOOT_CPU	0

/* How long to wait for a parked CPU to answer its release word. */
#define RELEASE_TIMEOUT_US	(1000 * USEC_PER_MSEC)
/* How long a CPU asked to move may stay in MWAIT before it gets an NMI. */
#define NUDGE_AFTER_US		USEC_PER_MSEC

static bool area_reserved;
static bool area_adopted __initdata;
static const char *area_why = "the trampoline area was not reserved";
/* The area but its code page, mapped read-write and non-executable. */
static void *area;
static unsigned long park_cr3;
static int slot_of[CPU_HANDOFF_NR_SLOTS];
static atomic_t releasing;
/* What the park loop needs, as built: checked before each handoff. */
static u32 built_crc;
static struct cpumask released_mask;
static unsigned int released, release_fallbacks;

static void *area_ptr(unsigned long off)
{
	return area + off;
}

static struct handoff_slot *slot_ptr(unsigned int n)
{
	return area_ptr(CPU_HANDOFF_SLOTS_OFF) + n * CPU_HANDOFF_SLOT_SIZE;
}

/*
 * The park loop's page tables and data page are built here first, then
 * copied into the area by update_live(): CPUs a previous kernel parked
 * may be running the loop on them while this kernel adopts the area.
 */
static u64 scratch_pgt[CPU_HANDOFF_PGT_PAGES][PAGE_SIZE / 8] __page_aligned_bss;
static u64 scratch_data[PAGE_SIZE / 8] __page_aligned_bss;

static u64 *pgt(unsigned int n)
{
	return scratch_pgt[n];
}

/*
 * Copy @words u64s from @src to @dst, which parked CPUs may be using:
 * only the words that differ, each with one aligned store, so that a CPU
 * taking an NMI meanwhile sees each page-table entry, IDT gate and
 * descriptor either as it was or as it will be, never a zeroed page.
 * The entries they use (the area's mapping, the gates) are the same in
 * every kernel with this ABI version and are not written at all.
 */
static void update_live(u64 *dst, const u64 *src, unsigned int words)
{
	unsigned int i;

	for (i = 0; i < words; i++)
		if (READ_ONCE(dst[i]) != src[i])
			WRITE_ONCE(dst[i], src[i]);
}

static u64 pgt_pa(unsigned int n)
{
	return CPU_HANDOFF_AREA_PHYS + CPU_HANDOFF_PGT_OFF + n * PAGE_SIZE;
}

static bool header_valid(const void *data)
{
	return *(const u64 *)(data + CPU_HANDOFF_HDR_MAGIC) == CPU_HANDOFF_TRAMPOLINE_MAGIC &&
	       *(const u32 *)(data + CPU_HANDOFF_HDR_VERSION) == CPU_HANDOFF_TRAMPOLINE_VERSION &&
	       *(const u32 *)(data + CPU_HANDOFF_HDR_NR_SLOTS) == CPU_HANDOFF_NR_SLOTS;
}

/**
 * cpu_handoff_reserve_area() - take the trampoline area out of use
 *
 * Called from setup_arch() right after memblock has been set up from the
 * E820 table, before anything is allocated from it.  The area stays RAM
 * to memblock, so the kernel counts the same memory as one without this
 * option (a hibernation image records that count, and a restore kernel
 * of either kind compares it), but it is reserved there, and reserved in
 * the E820 table: it is no System RAM in /proc/iomem (kexec_file places
 * no segment in it), it is nosave (in no hibernation image), and the
 * table kexec hands to the next kernel has it reserved too.
 *
 * A kernel booted by kexec from one with this option finds the area
 * reserved in its E820 table, with the header the previous kernel wrote.
 * It makes the area RAM again in its own and in the firmware table, as on
 * a boot from firmware, so that its memory map (and the checksum of it a
 * hibernation image carries) does not depend on how it was booted.
 */
void __init cpu_handoff_reserve_area(void)
{
	u64 start = CPU_HANDOFF_AREA_PHYS, end = start + CPU_HANDOFF_AREA_SIZE;
	u64 size = CPU_HANDOFF_AREA_SIZE;
	bool adopted = false;
	void *data;

	if (e820__mapped_all(start, end, E820_TYPE_RESERVED)) {
		data = early_memremap(start + CPU_HANDOFF_DATA_OFF, PAGE_SIZE);
		adopted = data && header_valid(data);
		if (data)
			early_memunmap(data, PAGE_SIZE);
		if (!adopted) {
			area_why = "the trampoline area is reserved by firmware";
			return;
		}
		e820__range_update_table(e820_table_firmware, start, size,
					 E820_TYPE_RESERVED, E820_TYPE_RAM);
		e820__update_table(e820_table_firmware);
		memblock_add(start, size);
	} else if (!e820__mapped_all(start, end, E820_TYPE_RAM)) {
		area_why = "the trampoline area is not RAM on this machine";
		return;
	} else if (memblock_is_region_reserved(start, size)) {
		area_why = "the trampoline area is in use at boot";
		return;
	}

	memblock_reserve(start, size);
	if (!adopted) {
		e820__range_update(start, size, E820_TYPE_RAM, E820_TYPE_RESERVED);
		e820__update_table(e820_table);
		e820__range_update_table(e820_table_kexec, start, size,
					 E820_TYPE_RAM, E820_TYPE_RESERVED);
		e820__update_table(e820_table_kexec);
	}
	area_reserved = true;
	area_adopted = adopted;
	pr_info("trampoline area [mem %#010llx-%#010llx] reserved%s\n", start, end - 1,
		adopted ? ", as the previous kernel left it" : "");
}

static pteval_t leaf(pgprot_t prot)
{
	return (pgprot_val(prot) & ~_PAGE_GLOBAL) & __supported_pte_mask;
}

/* The park loop's page tables: the area at its fixed address, and the way in. */
static void build_tables(void)
{
	unsigned long va = CPU_HANDOFF_AREA_VADDR;
	unsigned long entry = (unsigned long)cpu_handoff_enter_trampoline;
	u64 table = _KERNPG_TABLE, off;
	unsigned int n;

	BUILD_BUG_ON(CPU_HANDOFF_AREA_VADDR >> 30 == (__START_KERNEL_map >> 30));

	memset(scratch_pgt, 0, sizeof(scratch_pgt));

	pgt(CPU_HANDOFF_PGT_P4D)[(va >> 48) & 511] = pgt_pa(CPU_HANDOFF_PGT_PGD) | table;
	pgt(CPU_HANDOFF_PGT_PGD)[(va >> 39) & 511] = pgt_pa(CPU_HANDOFF_PGT_PUD) | table;
	pgt(CPU_HANDOFF_PGT_PUD)[(va >> 30) & 511] = pgt_pa(CPU_HANDOFF_PGT_PMD_AREA) | table;
	pgt(CPU_HANDOFF_PGT_PMD_AREA)[(va >> 21) & 511] = pgt_pa(CPU_HANDOFF_PGT_PTE_AREA) | table;

	for (off = 0; off < CPU_HANDOFF_AREA_SIZE; off += PAGE_SIZE) {
		pgprot_t prot;

		if (off >= CPU_HANDOFF_PGT_OFF && off < CPU_HANDOFF_DATA_OFF)
			continue;	/* page tables and spare: not mapped */
		if (off == CPU_HANDOFF_CODE_OFF)
			prot = PAGE_KERNEL_ROX;
		else if (off == CPU_HANDOFF_DATA_OFF)
			prot = PAGE_KERNEL_RO;
		else
			prot = PAGE_KERNEL;
		pgt(CPU_HANDOFF_PGT_PTE_AREA)[((va + off) >> 12) & 511] =
			(CPU_HANDOFF_AREA_PHYS + off) | leaf(prot);
	}

	/* The one kernel page, for the instruction after the CR3 write. */
	pgt(CPU_HANDOFF_PGT_PUD)[(entry >> 30) & 511] = pgt_pa(CPU_HANDOFF_PGT_PMD_ENTRY) | table;
	pgt(CPU_HANDOFF_PGT_PMD_ENTRY)[(entry >> 21) & 511] =
		pgt_pa(CPU_HANDOFF_PGT_PTE_ENTRY) | table;
	pgt(CPU_HANDOFF_PGT_PTE_ENTRY)[(entry >> 12) & 511] =
		(__pa_symbol(cpu_handoff_enter_trampoline) & PAGE_MASK) | leaf(PAGE_KERNEL_ROX);

	/* Leaves first: an upper entry never points at a table not yet filled. */
	for (n = CPU_HANDOFF_PGT_PAGES; n-- > 0;)
		update_live(area_ptr(CPU_HANDOFF_PGT_OFF + n * PAGE_SIZE), pgt(n), PAGE_SIZE / 8);

	n = pgtable_l5_enabled() ? CPU_HANDOFF_PGT_P4D : CPU_HANDOFF_PGT_PGD;
	park_cr3 = pgt_pa(n) | sme_me_mask;
}

static void put_desc_ptr(void *at, u16 limit, u64 base)
{
	*(u16 *)at = limit;
	*(u64 *)(at + 2) = base;
}

/* Header, GDT (null, 64-bit code) and IDT: NMI to its handler, the rest to the other. */
static void build_data(void)
{
	void *data = scratch_data;
	u64 *gdt = data + CPU_HANDOFF_GDT_OFF, *idt = data + CPU_HANDOFF_IDT_OFF;
	unsigned long data_va = CPU_HANDOFF_AREA_VADDR + CPU_HANDOFF_DATA_OFF;
	unsigned int v;

	memset(data, 0, PAGE_SIZE);
	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL;	/* 64-bit code, accessed: never written */
	for (v = 0; v < CPU_HANDOFF_IDT_ENTRIES; v++) {
		u64 off = CPU_HANDOFF_TRAMPOLINE_VADDR +
			  (v == X86_TRAP_NMI ? CPU_HANDOFF_CODE_NMI : CPU_HANDOFF_CODE_EXCEPTION);

		/* 64-bit interrupt gate, present, DPL 0, no IST */
		idt[2 * v] = (off & 0xffff) | ((u64)CPU_HANDOFF_CS << 16) |
			     (0x8eULL << 40) | (((off >> 16) & 0xffff) << 48);
		idt[2 * v + 1] = off >> 32;
	}
	put_desc_ptr(data + CPU_HANDOFF_HDR_GDT_PTR, 2 * 8 - 1, data_va + CPU_HANDOFF_GDT_OFF);
	put_desc_ptr(data + CPU_HANDOFF_HDR_IDT_PTR, CPU_HANDOFF_IDT_ENTRIES * 16 - 1,
		     data_va + CPU_HANDOFF_IDT_OFF);
	*(u32 *)(data + CPU_HANDOFF_HDR_VERSION) = CPU_HANDOFF_TRAMPOLINE_VERSION;
	*(u32 *)(data + CPU_HANDOFF_HDR_NR_SLOTS) = CPU_HANDOFF_NR_SLOTS;
	BUILD_BUG_ON(CPU_HANDOFF_HDR_MAGIC != 0);
	update_live(area_ptr(CPU_HANDOFF_DATA_OFF) + 8, scratch_data + 1, PAGE_SIZE / 8 - 1);
	/* The magic last: a half-written header is not valid. */
	smp_wmb();
	WRITE_ONCE(*(u64 *)area_ptr(CPU_HANDOFF_DATA_OFF), CPU_HANDOFF_TRAMPOLINE_MAGIC);
}

/*
 * The code page is written through a mapping that exists only here, so
 * that the kernel never has a writable mapping of it while it may be
 * executed.  Writing the same bytes under a CPU that still runs the loop
 * (parked by the previous kernel, not brought up by this one) is harmless.
 */
static int build_code(void)
{
	size_t len = cpu_handoff_park_code_end - cpu_handoff_park_code;
	void *code;

	BUILD_BUG_ON(CPU_HANDOFF_CODE_EXCEPTION >= PAGE_SIZE);
	if (WARN_ON(len > PAGE_SIZE))
		return -E2BIG;
	code = memremap(CPU_HANDOFF_AREA_PHYS + CPU_HANDOFF_CODE_OFF, PAGE_SIZE,
			MEMREMAP_WB | MEMREMAP_ENC);
	if (!code)
		return -ENOMEM;
	memset(code + len, 0xcc, PAGE_SIZE - len);
	memcpy(code, cpu_handoff_park_code, len);
	memunmap(code);
	return 0;
}

static u32 code_crc(void)
{
	const void *code = (const void *)fix_to_virt(FIX_CPU_HANDOFF);

	return crc32_le(~0, code, PAGE_SIZE);
}

/* The code page, the header, GDT and IDT, and the page tables. */
static u32 park_loop_crc(void)
{
	u32 crc = code_crc();

	crc = crc32_le(crc, area_ptr(CPU_HANDOFF_DATA_OFF), PAGE_SIZE);
	return crc32_le(crc, area_ptr(CPU_HANDOFF_PGT_OFF), CPU_HANDOFF_PGT_PAGES * PAGE_SIZE);
}

/* Present CPUs that got no slot in assign_slots(). */
static unsigned int slotless;
static char slotless_why[80];

/*
 * Give each CPU a slot: its own from a previous kernel if it has one (it
 * may be parked there now), else a free one that no other CPU's APIC ID
 * holds, so that CPUs parked by the previous kernel and not brought up by
 * this one keep their stacks.
 */
static void assign_slots(void)
{
	DECLARE_BITMAP(used, CPU_HANDOFF_NR_SLOTS);
	unsigned int cpu, n, next = 0;

	/*
	 * A CPU without a slot could only halt in this kernel's memory: the
	 * method is refused for the whole machine (trampoline_unusable()).
	 */
	slotless = 0;
	for_each_present_cpu(cpu)
		if (cpu >= CPU_HANDOFF_NR_SLOTS)
			slotless++;

	bitmap_zero(used, CPU_HANDOFF_NR_SLOTS);
	for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++)
		if (READ_ONCE(slot_ptr(n)->state) != CPU_HANDOFF_SLOT_FREE)
			__set_bit(n, used);

	for (cpu = 0; cpu < nr_cpu_ids && cpu < CPU_HANDOFF_NR_SLOTS; cpu++) {
		u32 apicid = cpu_present(cpu) ? apic->cpu_present_to_apicid(cpu) : BAD_APICID;

		slot_of[cpu] = -1;
		if (apicid == BAD_APICID)
			continue;
		for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++) {
			if (test_bit(n, used) && slot_ptr(n)->apicid == apicid) {
				slot_of[cpu] = n;
				break;
			}
		}
		if (slot_of[cpu] >= 0)
			continue;
		next = find_next_zero_bit(used, CPU_HANDOFF_NR_SLOTS, next);
		if (next >= CPU_HANDOFF_NR_SLOTS) {
			slotless++;
			continue;
		}
		__set_bit(next, used);
		slot_of[cpu] = next;
	}
}

/*
 * (Re)build the area.  @inherit: CPUs may be parked in it by the previous
 * kernel (kexec'd into, or resumed from a restore kernel); if its header
 * is valid, keep their slots.  After a reset no CPU can be in the loop,
 * whatever the memory still says (RAM survives a warm reset), so a kernel
 * booted by firmware starts with empty slots.  The way in (which maps a
 * page of this kernel's text) is rebuilt every time: it depends on KASLR.
 */
static int build_area(bool inherit)
{
	bool keep = inherit && header_valid(area_ptr(CPU_HANDOFF_DATA_OFF));
	int ret;

	if (!keep)
		memset(area_ptr(CPU_HANDOFF_SLOTS_OFF), 0,
		       CPU_HANDOFF_NR_SLOTS * CPU_HANDOFF_SLOT_SIZE);
	build_tables();
	build_data();
	ret = build_code();
	if (ret)
		return ret;
	assign_slots();
	built_crc = park_loop_crc();
	return 0;
}

static bool trampoline_ready;
static void trampoline_play_dead(void);

static const char *trampoline_unusable(void)
{
	if (!area_reserved)
		return area_why;
	if (!trampoline_ready)
		return "the trampoline area could not be set up";
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
	if (slotless) {
		snprintf(slotless_why, sizeof(slotless_why),
			 "%u CPUs have no slot: more CPUs than the area's %u slots",
			 slotless, CPU_HANDOFF_NR_SLOTS);
		return slotless_why;
	}
	return NULL;
}

static bool in_area(u64 start, u64 end)
{
	return start < CPU_HANDOFF_AREA_PHYS + CPU_HANDOFF_AREA_SIZE &&
	       end > CPU_HANDOFF_AREA_PHYS;
}

/* The area must not be overwritten by the handoff itself. */
static const char *trampoline_refuse(enum cpu_handoff_reason reason)
{
#ifdef CONFIG_HIBERNATION
	struct pbe *p;
#endif

	/*
	 * The area is nosave, so a restore kernel loads an image page that
	 * belongs there straight into it: an image made by a kernel without
	 * this option, which used that memory.
	 */
	if (park_loop_crc() != built_crc)
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

static void __noreturn trampoline_enter(void)
{
	unsigned int cpu = smp_processor_id();
	struct handoff_slot *s;
	int n = cpu < CPU_HANDOFF_NR_SLOTS ? slot_of[cpu] : -1;

	if (n < 0) {
		/* No slot: halt here, as without this option. */
		for (;;)
			native_halt();
	}
	s = slot_ptr(n);
	WRITE_ONCE(s->apicid, per_cpu(x86_cpu_to_apicid, cpu));
	WRITE_ONCE(s->release_rip, 0);
	WRITE_ONCE(s->release_cr3, 0);
	WRITE_ONCE(s->nmis, 0);
	WRITE_ONCE(s->exceptions, 0);
	/* The loop sets PARKED itself, from its own page tables. */
	WRITE_ONCE(s->state, CPU_HANDOFF_SLOT_FREE);
	/*
	 * With memory encryption, flush the caches once more after the
	 * last write to this kernel's memory (the call's return address
	 * included), as stop_this_cpu() does before it halts: see
	 * cpu_handoff_enter_trampoline().
	 */
	cpu_handoff_enter_trampoline(park_cr3,
				     CPU_HANDOFF_TRAMPOLINE_VADDR + CPU_HANDOFF_CODE_ENTRY,
				     CPU_HANDOFF_AREA_VADDR + CPU_HANDOFF_SLOTS_OFF +
				     (n + 1) * CPU_HANDOFF_SLOT_SIZE,
				     cc_platform_has(CC_ATTR_HOST_MEM_ENCRYPT));
	for (;;)
		native_halt();
}

/*
 * Between handoffs an offline CPU belongs in the deepest idle state it
 * has, as in the kernel's own play_dead(): the park loop's HLT is C1,
 * which keeps the core out of C6 and the package out of its deep
 * C-states for as long as the CPU is offline.  So an offline CPU waits
 * here, in this kernel's memory, and moves into the park loop only when
 * a handoff asks (trampoline_park()), which it does before this memory
 * can be overwritten.
 *
 * It waits in MWAIT on its own cache line with the deepest hint CPUID
 * leaf 5 lists, as mwait_play_dead() does on the same CPUs; the ask is a
 * store to the line, and an NMI if that has not woken it a millisecond
 * later.  Elsewhere it waits in HLT, and the ask comes with an NMI
 * straight away, which an offline CPU returns from at once (exc_nmi()).  What
 * this does not use is cpuidle's enter_dead (ACPI _CST I/O C-states): a
 * CPU in those loops cannot be asked to move.
 */
struct dead_wait {
	u32 go;		/* set by the handoff: move into the park loop */
	u32 halts;	/* set by the CPU: it waits in HLT, so wake it by NMI */
} ____cacheline_aligned;
static DEFINE_PER_CPU_ALIGNED(struct dead_wait, dead_wait);

/* MWAIT hint for the deepest C-state, or -1 to wait in HLT. */
static int deepest_mwait_hint(void)
{
	unsigned int eax, ebx, ecx, edx, cstate = 0, sub = 0, i;

	/* On AMD and Hygon, as in mwait_play_dead(), HLT is the deep one. */
	if (boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	    boot_cpu_data.x86_vendor == X86_VENDOR_HYGON ||
	    !this_cpu_has(X86_FEATURE_MWAIT) || !this_cpu_has(X86_FEATURE_CLFLUSH) ||
	    __this_cpu_read(cpu_info.cpuid_level) < CPUID_MWAIT_LEAF)
		return -1;
	cpuid(CPUID_MWAIT_LEAF, &eax, &ebx, &ecx, &edx);
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
	int hint;

	if (cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS))
		__update_spec_ctrl(0);

	play_dead_common();
	tboot_shutdown(TB_SHUTDOWN_WFS);
	hint = deepest_mwait_hint();
	if (hint < 0 && boot_cpu_data.x86 >= 4)
		wbinvd();
	/*
	 * CPU hotplug is off during a handoff, so no ask can be pending
	 * yet: anything in @w is left from before this CPU was last reset.
	 */
	WRITE_ONCE(w->go, 0);
	WRITE_ONCE(w->halts, hint < 0);
	/*
	 * Halts before go is read, as trampoline_park() stores go before
	 * it reads halts: one of the two sees the other's store, so the
	 * CPU either finds go set or gets the NMI.
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
	trampoline_enter();
}

/*
 * smp_ops.stop_this_cpu: for kexec, a stopped CPU parks in the trampoline;
 * for everything else (reboot, panic, crash) it halts, as without this.
 */
static void trampoline_stop_this_cpu(void)
{
	if (kexec_in_progress && smp_processor_id() != HANDOFF_BOOT_CPU &&
	    cpu_handoff_stop_method() == &handoff_trampoline_method)
		trampoline_enter();
	for (;;)
		native_halt();
}

/* Held CPUs, at the commit: prepared already, never to return. */
static void trampoline_park_self(void)
{
	/*
	 * A held CPU was online: its local APIC timer may still be armed.
	 * Its vector would wait in the IRR through the park and fire in the
	 * next kernel, if the release word takes the CPU there rather than
	 * INIT, which resets the APIC.  (CPUs stopped for kexec and offline
	 * CPUs have their timer shut down already.)
	 */
	if (boot_cpu_has(X86_FEATURE_APIC))
		apic_write(APIC_LVTT, APIC_LVT_MASKED);
	trampoline_enter();
}

static struct handoff_slot *parked_slot(unsigned int cpu)
{
	int n = cpu < CPU_HANDOFF_NR_SLOTS ? slot_of[cpu] : -1;

	return n < 0 ? NULL : slot_ptr(n);
}

/*
 * On the controlling CPU: a held CPU parks itself; an offline one waits in
 * trampoline_play_dead() and is asked to move.  Wait until it is there.
 */
static int trampoline_park(unsigned int cpu)
{
	struct handoff_slot *s = parked_slot(cpu);
	bool nudge = false;
	unsigned int us;

	if (!s)
		return -ENOSPC;
	if (!cpu_online(cpu)) {
		struct dead_wait *w = per_cpu_ptr(&dead_wait, cpu);

		/*
		 * If it waits in trampoline_play_dead(), the store ends its
		 * MWAIT, and an NMI its HLT.  CPUs stopped for kexec went to
		 * the park loop directly and get no NMI.
		 */
		WRITE_ONCE(w->go, 1);
		/* Go before halts: see trampoline_play_dead(). */
		smp_mb();
		if (READ_ONCE(w->halts))
			__apic_send_IPI(cpu, NMI_VECTOR);
		else
			nudge = true;
	}
	for (us = 0; us < RELEASE_TIMEOUT_US; us += 10) {
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
		if (nudge && us >= NUDGE_AFTER_US) {
			__apic_send_IPI(cpu, NMI_VECTOR);
			nudge = false;
		}
		udelay(10);
	}
	return -ETIMEDOUT;
}

static void trampoline_select(void)
{
	smp_ops.play_dead = trampoline_play_dead;
	if (!smp_ops.stop_this_cpu)
		smp_ops.stop_this_cpu = trampoline_stop_this_cpu;
}

/* After a resume or a kexec jump: the area may hold anything. */
static void trampoline_resumed(void)
{
	if (!area)
		return;
	if (build_area(true))
		trampoline_ready = false;
}

const struct handoff_method handoff_trampoline_method = {
	.name		= "trampoline",
	.unusable	= trampoline_unusable,
	.refuse		= trampoline_refuse,
	.select		= trampoline_select,
	.prepare_cpu	= cpu_emergency_disable_virtualization,
	.park_self	= trampoline_park_self,
	.park		= trampoline_park,
	.resumed	= trampoline_resumed,
};

/* ------------------------------------------------------------------ */
/* Taking CPUs back.                                                   */

static struct handoff_slot *find_parked(u32 apicid)
{
	unsigned int n;

	for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++) {
		struct handoff_slot *s = slot_ptr(n);

		if (READ_ONCE(s->state) == CPU_HANDOFF_SLOT_PARKED &&
		    READ_ONCE(s->apicid) == apicid)
			return s;
	}
	return NULL;
}

/*
 * The code page is executable in the kernel only while CPUs leave it, and
 * then its direct-map alias is read-only: never writable and executable
 * at once.  Process context.
 */
static void code_page_exec(bool exec)
{
	unsigned long alias = (unsigned long)__va(CPU_HANDOFF_AREA_PHYS + CPU_HANDOFF_CODE_OFF);

	if (exec)
		set_memory_ro(alias, 1);
	__set_fixmap(FIX_CPU_HANDOFF, CPU_HANDOFF_AREA_PHYS + CPU_HANDOFF_CODE_OFF,
		     exec ? PAGE_KERNEL_ROX : PAGE_KERNEL_RO);
	if (!exec) {
		flush_tlb_kernel_range(CPU_HANDOFF_TRAMPOLINE_VADDR,
				       CPU_HANDOFF_TRAMPOLINE_VADDR + PAGE_SIZE);
		set_memory_rw(alias, 1);
	}
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
	struct handoff_slot *s;
	unsigned int us;

	if (!area || !header_valid(area_ptr(CPU_HANDOFF_DATA_OFF)))
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
	if (!handoff_init_unusable() || !trampoline_ready) {
		cmpxchg(&s->state, CPU_HANDOFF_SLOT_PARKED, CPU_HANDOFF_SLOT_FREE);
		trace_cpu_handoff_wake(cpu, -ENOENT);
		return -ENOENT;
	}

	if (atomic_inc_return(&releasing) == 1)
		code_page_exec(true);
	WRITE_ONCE(s->release_cr3, real_mode_header->trampoline_pgd | sme_me_mask);
	/* The loop reads the CR3 after the RIP: order the stores. */
	smp_wmb();
	WRITE_ONCE(s->release_rip, start_ip);
	__apic_send_IPI(cpu, NMI_VECTOR);

	for (us = 0; us < RELEASE_TIMEOUT_US; us += 10) {
		if (READ_ONCE(s->state) == CPU_HANDOFF_SLOT_TAKEN)
			break;
		udelay(10);
	}
	/* Withdraw; if the CPU claimed it meanwhile, it is released. */
	if (cmpxchg(&s->state, CPU_HANDOFF_SLOT_PARKED, CPU_HANDOFF_SLOT_FREE) ==
	    CPU_HANDOFF_SLOT_PARKED) {
		WRITE_ONCE(s->release_rip, 0);
		if (atomic_dec_and_test(&releasing))
			code_page_exec(false);
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

/* On a CPU that has come up: if it came out of the trampoline, it is out. */
static int trampoline_cpu_online(unsigned int cpu)
{
	if (!cpumask_test_and_clear_cpu(cpu, &released_mask))
		return 0;
	if (atomic_dec_and_test(&releasing))
		code_page_exec(false);
	return 0;
}

/* ------------------------------------------------------------------ */

/*
 * A reboot or power off resets every CPU: forget the parked ones, so the
 * next boot does not look for them.  Not for kexec, where they stay.
 */
static int trampoline_reboot(struct notifier_block *nb, unsigned long action, void *unused)
{
	unsigned int n;

	if (!area || kexec_in_progress)
		return NOTIFY_DONE;
	for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++)
		WRITE_ONCE(slot_ptr(n)->state, CPU_HANDOFF_SLOT_FREE);
	return NOTIFY_DONE;
}

static struct notifier_block trampoline_reboot_nb = {
	.notifier_call = trampoline_reboot,
};

/* After suspend to RAM, firmware has reset the CPUs parked for it. */
static void trampoline_syscore_resume(void *data)
{
	unsigned int n;

	if (!area || pm_suspend_target_state != PM_SUSPEND_MEM)
		return;
	for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++)
		WRITE_ONCE(slot_ptr(n)->state, CPU_HANDOFF_SLOT_FREE);
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
	if (!area) {
		seq_printf(m, "unavailable %s\n", area_why);
		return 0;
	}
	seq_printf(m, "code_crc32 %08x\nreleased %u\nrelease_fallbacks %u\n",
		   code_crc(), released, release_fallbacks);
	for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++) {
		struct handoff_slot *s = slot_ptr(n);

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

/**
 * handoff_trampoline_setup() - map the trampoline area and build it
 *
 * Called by the core before it picks a method, and before CPUs come up:
 * CPUs released at boot come online through the online callback set up
 * here.
 *
 * Context: early_initcall.
 */
void __init handoff_trampoline_setup(void)
{
	BUILD_BUG_ON(__fix_to_virt(FIX_CPU_HANDOFF) != CPU_HANDOFF_TRAMPOLINE_VADDR);
	BUILD_BUG_ON(VSYSCALL_ADDR - PAGE_SIZE != CPU_HANDOFF_TRAMPOLINE_VADDR);

	if (area_reserved) {
		area = memremap(CPU_HANDOFF_AREA_PHYS, CPU_HANDOFF_CODE_OFF,
				MEMREMAP_WB | MEMREMAP_ENC);
		/* Mapped first: building it checksums the code page through it. */
		code_page_exec(false);
		if (area && !build_area(area_adopted))
			trampoline_ready = true;
		else
			area_why = "the trampoline area could not be mapped";
	}
	register_reboot_notifier(&trampoline_reboot_nb);
	register_syscore(&trampoline_syscore);
	/* Before SMP bringup: CPUs released at boot come online through it. */
	if (cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "cpu_handoff/trampoline:online",
				      trampoline_cpu_online, NULL) < 0)
		pr_warn("no CPU online callback: the code page stays executable after a release\n");
}

static int __init trampoline_late_init(void)
{
	debugfs_create_file("trampoline", 0400, cpu_handoff_debugfs_dir(), NULL,
			    &trampoline_fops);
	return 0;
}
late_initcall(trampoline_late_init);
