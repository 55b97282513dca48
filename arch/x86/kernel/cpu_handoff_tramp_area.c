// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU handoff trampoline's area: 128 KiB of RAM at a fixed physical
 * address that every kernel with this option keeps out of use, mapped at
 * the same virtual address in each (asm/cpu_handoff_trampoline.h).
 *
 * It is taken out of the memory map before anything can be allocated in
 * it, and reserved in the E820 table (and, under UEFI, carved out of the
 * boot services memory it may lie in), so it is in no hibernation image
 * and reserved in the table kexec hands to the next kernel: a CPU that
 * one kernel parks there is still parked there, intact, when the next
 * kernel runs.  The code page is mapped at CPU_HANDOFF_TRAMPOLINE_VADDR,
 * next to the vsyscall page, read-only and non-executable in the kernel's
 * page tables; the park loop's own tables map it executable.  Each CPU
 * has a slot in it: its stack in the loop, its state, its release word.
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/efi.h>
#include <linux/init.h>
#include <linux/io.h>
#include <linux/memblock.h>
#include <linux/string.h>

#include <asm/apic.h>
#include <asm/cpu_handoff_trampoline.h>
#include <asm/e820/api.h>
#include <asm/early_ioremap.h>
#include <asm/fixmap.h>
#include <asm/set_memory.h>
#include <asm/tlbflush.h>
#include <asm/vsyscall.h>

#include "cpu_handoff.h"
#include "cpu_handoff_tramp.h"

struct handoff_tramp handoff_tramp = {
	.why = "the trampoline area was not reserved",
};

static bool area_adopted __initdata;

/*
 * UEFI firmware may have put boot services data where the area is (OVMF
 * does: one region from 9 MiB to 21 MiB).  efi_reserve_boot_services()
 * would find part of that region reserved, keep all of it for good and
 * mark it runtime memory: 12 MiB lost at every boot there.  Carve the
 * area out of the region instead, as the ESRT is: the rest is freed with
 * the other boot services memory, and the EFI memory map, which kexec
 * hands on, has the area as runtime memory too.
 */
static void __init reserve_in_efi_map(u64 start, u64 size)
{
	efi_memory_desc_t md;

	if (!efi_enabled(EFI_MEMMAP) || efi_enabled(EFI_PARAVIRT) ||
	    efi_mem_desc_lookup(start, &md))
		return;
	if (md.type != EFI_BOOT_SERVICES_DATA || (md.attribute & EFI_MEMORY_RUNTIME) ||
	    start + size > md.phys_addr + (md.num_pages << EFI_PAGE_SHIFT))
		return;
	efi_mem_reserve(start, size);
}

/**
 * cpu_handoff_reserve_area() - take the trampoline area out of use
 *
 * Called from setup_arch() right after memblock has been set up from the
 * E820 table, before anything is allocated from it.  It stays RAM to
 * memblock, so the kernel counts the same memory as one without this
 * option (a hibernation image records the count), but is reserved there
 * and in the E820 table: no System RAM in /proc/iomem (no kexec_file
 * segment), nosave, and reserved in the table kexec hands on.  A kernel
 * kexec'd from one with this option finds it reserved, with the previous
 * kernel's header, and makes it RAM again in its own and the firmware
 * table, so that its memory map (and the image's checksum of it) does not
 * depend on how it was booted.
 */
void __init cpu_handoff_reserve_area(void)
{
	u64 start = CPU_HANDOFF_AREA_PHYS, end = start + CPU_HANDOFF_AREA_SIZE;
	u64 size = CPU_HANDOFF_AREA_SIZE;
	bool adopted = false;
	void *data;

	if (e820__mapped_all(start, end, E820_TYPE_RESERVED)) {
		bool ours = false;

		data = early_memremap(start + CPU_HANDOFF_DATA_OFF, PAGE_SIZE);
		if (data) {
			u64 magic = *(u64 *)(data + CPU_HANDOFF_HDR_MAGIC);

			ours = magic == CPU_HANDOFF_TRAMPOLINE_MAGIC;
			adopted = handoff_tramp_header_valid(data);
			early_memunmap(data, PAGE_SIZE);
		}
		if (!adopted) {
			/* Another ABI version's area may have CPUs parked in it. */
			handoff_tramp.why = ours ?
				"the area holds another ABI version's park loop (left as it is)" :
				"the trampoline area is reserved by firmware";
			return;
		}
		e820__range_update_table(e820_table_firmware, start, size,
					 E820_TYPE_RESERVED, E820_TYPE_RAM);
		e820__update_table(e820_table_firmware);
		memblock_add(start, size);
	} else if (!e820__mapped_all(start, end, E820_TYPE_RAM)) {
		handoff_tramp.why = "the trampoline area is not RAM on this machine";
		return;
	} else if (memblock_is_region_reserved(start, size)) {
		handoff_tramp.why = "the trampoline area is in use at boot";
		return;
	}

	memblock_reserve(start, size);
	if (!adopted) {
		e820__range_update(start, size, E820_TYPE_RAM, E820_TYPE_RESERVED);
		e820__update_table(e820_table);
		e820__range_update_table(e820_table_kexec, start, size,
					 E820_TYPE_RAM, E820_TYPE_RESERVED);
		e820__update_table(e820_table_kexec);
		reserve_in_efi_map(start, size);
	}
	handoff_tramp.reserved = true;
	area_adopted = adopted;
	pr_info("trampoline area [mem %#010llx-%#010llx] reserved%s\n", start, end - 1,
		adopted ? ", as the previous kernel left it" : "");
}

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
	 * trampoline is refused for the whole machine (handoff_tramp_unusable()).
	 */
	handoff_tramp.slotless = 0;
	for_each_present_cpu(cpu)
		if (cpu >= CPU_HANDOFF_NR_SLOTS)
			handoff_tramp.slotless++;

	bitmap_zero(used, CPU_HANDOFF_NR_SLOTS);
	for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++)
		if (READ_ONCE(handoff_tramp_slot(n)->state) != CPU_HANDOFF_SLOT_FREE)
			__set_bit(n, used);

	for (cpu = 0; cpu < nr_cpu_ids && cpu < CPU_HANDOFF_NR_SLOTS; cpu++) {
		u32 apicid = cpu_present(cpu) ? apic->cpu_present_to_apicid(cpu) : BAD_APICID;

		handoff_tramp.slot_of[cpu] = -1;
		if (apicid == BAD_APICID)
			continue;
		for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++) {
			if (test_bit(n, used) && handoff_tramp_slot(n)->apicid == apicid) {
				handoff_tramp.slot_of[cpu] = n;
				break;
			}
		}
		if (handoff_tramp.slot_of[cpu] >= 0)
			continue;
		next = find_next_zero_bit(used, CPU_HANDOFF_NR_SLOTS, next);
		if (next >= CPU_HANDOFF_NR_SLOTS) {
			handoff_tramp.slotless++;
			continue;
		}
		__set_bit(next, used);
		handoff_tramp.slot_of[cpu] = next;
	}
}

static bool any_parked(void)
{
	unsigned int n;

	for (n = 0; n < CPU_HANDOFF_NR_SLOTS; n++)
		if (READ_ONCE(handoff_tramp_slot(n)->state) == CPU_HANDOFF_SLOT_PARKED)
			return true;
	return false;
}

/**
 * handoff_tramp_build_area() - (re)build the trampoline area
 * @inherit: CPUs may be parked in it by the previous kernel (kexec'd into,
 *	or resumed from a restore kernel)
 *
 * If @inherit and the area's header is valid, keep the parked CPUs'
 * slots.  After a reset no CPU can be in the loop, whatever the memory
 * still says (RAM survives a warm reset), so a kernel booted by firmware
 * starts with empty slots.  The way in (which maps a
 * page of this kernel's text) is rebuilt every time: it depends on KASLR.
 * A park loop other than this kernel's is never rewritten under CPUs:
 * with @inherit, an area whose header has another code checksum and a
 * slot in state PARKED is left as it is, and not used by this kernel.
 *
 * Context: process context, CPU hotplug off or before SMP bringup.
 * Return: 0, -EBUSY if the area holds another kernel's park loop, or
 * another negative errno if the park loop could not be written.
 */
int handoff_tramp_build_area(bool inherit)
{
	const void *hdr = handoff_tramp_ptr(CPU_HANDOFF_DATA_OFF);
	bool keep = inherit && handoff_tramp_header_valid(hdr);
	u32 prev_crc;
	int ret;

	ret = handoff_tramp_prepare_code();
	if (ret) {
		handoff_tramp.why = "the park loop does not fit in its page";
		return ret;
	}
	/*
	 * CPUs may be running the previous kernel's park loop.  The same
	 * ABI version promises the same layout and release protocol, not
	 * the same instructions at the same offsets: rewriting a different
	 * loop under a CPU halted in it would resume that CPU in the middle
	 * of some other instruction at its next NMI.  Leave it alone while
	 * a slot says a CPU is parked; its CPUs are released through it, or
	 * reset by INIT, when this kernel brings them up, and the next
	 * kernel finds the slots free and builds its own.
	 */
	prev_crc = keep ? READ_ONCE(*(const u32 *)(hdr + CPU_HANDOFF_HDR_CODE_CRC)) : 0;
	if (keep && prev_crc != handoff_tramp.code_crc && any_parked()) {
		handoff_tramp.why = "the area holds another kernel's park loop (left as it is)";
		pr_info("trampoline area: %s, code checksum %08x, this kernel's %08x\n",
			handoff_tramp.why, prev_crc, handoff_tramp.code_crc);
		return -EBUSY;
	}
	if (!keep)
		memset(handoff_tramp_ptr(CPU_HANDOFF_SLOTS_OFF), 0,
		       CPU_HANDOFF_NR_SLOTS * CPU_HANDOFF_SLOT_SIZE);
	ret = handoff_tramp_build_loop();
	if (ret) {
		handoff_tramp.why = "the park loop could not be written";
		return ret;
	}
	assign_slots();
	handoff_tramp.built_crc = handoff_tramp_crc();
	return 0;
}

/**
 * handoff_tramp_code_page_exec() - map the code page executable, or not
 * @exec: whether CPUs are about to leave the park loop through it
 *
 * The code page is executable in the kernel only while CPUs leave it, and
 * then its direct-map alias is read-only: never writable and executable
 * at once.
 *
 * Context: process context.
 */
void handoff_tramp_code_page_exec(bool exec)
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
 * handoff_trampoline_setup() - map the trampoline area and build it
 *
 * Called by cpu_handoff.c before it chooses how CPUs are parked, and
 * before CPUs come up: whether the area could be set up decides whether
 * the trampoline can be used.
 *
 * Context: early_initcall.
 */
void __init handoff_trampoline_setup(void)
{
	BUILD_BUG_ON(__fix_to_virt(FIX_CPU_HANDOFF) != CPU_HANDOFF_TRAMPOLINE_VADDR);
	BUILD_BUG_ON(VSYSCALL_ADDR - PAGE_SIZE != CPU_HANDOFF_TRAMPOLINE_VADDR);

	if (handoff_tramp.reserved) {
		handoff_tramp.area = memremap(CPU_HANDOFF_AREA_PHYS, CPU_HANDOFF_CODE_OFF,
					      MEMREMAP_WB | MEMREMAP_ENC);
		/* Mapped first: building it checksums the code page through it. */
		handoff_tramp_code_page_exec(false);
		if (!handoff_tramp.area)
			handoff_tramp.why = "the trampoline area could not be mapped";
		else if (!handoff_tramp_build_area(area_adopted))
			handoff_tramp.ready = true;
	}
}
