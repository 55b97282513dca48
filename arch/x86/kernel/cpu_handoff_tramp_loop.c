// SPDX-License-Identifier: GPL-2.0
/*
 * The CPU handoff trampoline's park loop, built into the reserved area.
 *
 * The loop (cpu_handoff_park.S) HLTs with interrupts off; an NMI is taken
 * on the loop's own IDT and returns to it, any other event (#MC) restarts
 * it.  It runs on its own page tables, GDT, IDT and stack, all in the
 * area, so nothing of the outgoing kernel is needed once a CPU is there.
 * The page tables map the area at its fixed address, and one page of this
 * kernel's text: the way in, for the instruction after the CR3 write.
 * Everything but the way in is the same in every kernel with the same ABI
 * version, so a kernel that finds CPUs parked by the previous one can
 * rebuild it under them.
 */

#include <linux/crc32.h>
#include <linux/io.h>
#include <linux/mem_encrypt.h>
#include <linux/pgtable.h>
#include <linux/string.h>

#include <asm/cpu_handoff_trampoline.h>
#include <asm/fixmap.h>
#include <asm/trapnr.h>

#include "cpu_handoff_tramp.h"

/*
 * The park loop's page tables and data page are built here first, then
 * copied into the area by update_live(): CPUs a previous kernel parked
 * may be running the loop on them while this kernel adopts the area.
 */
static u64 scratch_pgt[CPU_HANDOFF_PGT_PAGES][PAGE_SIZE / 8] __page_aligned_bss;
static u64 scratch_data[PAGE_SIZE / 8] __page_aligned_bss;
static u8 scratch_code[PAGE_SIZE] __page_aligned_bss;

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
		update_live(handoff_tramp_ptr(CPU_HANDOFF_PGT_OFF + n * PAGE_SIZE), pgt(n),
			    PAGE_SIZE / 8);

	n = pgtable_l5_enabled() ? CPU_HANDOFF_PGT_P4D : CPU_HANDOFF_PGT_PGD;
	handoff_tramp.park_cr3 = pgt_pa(n) | sme_me_mask;
}

static void put_desc_ptr(void *at, u16 limit, u64 base)
{
	*(u16 *)at = limit;
	*(u64 *)(at + 2) = base;
}

/* Header, GDT (null, 64-bit code) and IDT: NMI and #MC to theirs, the rest to the other. */
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
		u64 off = CPU_HANDOFF_TRAMPOLINE_VADDR;

		if (v == X86_TRAP_NMI)
			off += CPU_HANDOFF_CODE_NMI;
		else if (v == X86_TRAP_MC)
			off += CPU_HANDOFF_CODE_MC;
		else
			off += CPU_HANDOFF_CODE_EXCEPTION;

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
	*(u32 *)(data + CPU_HANDOFF_HDR_CODE_CRC) = handoff_tramp.code_crc;
	BUILD_BUG_ON(CPU_HANDOFF_HDR_MAGIC != 0);
	update_live(handoff_tramp_ptr(CPU_HANDOFF_DATA_OFF) + 8, scratch_data + 1,
		    PAGE_SIZE / 8 - 1);
	/* The magic last: a half-written header is not valid. */
	smp_wmb();
	WRITE_ONCE(*(u64 *)handoff_tramp_ptr(CPU_HANDOFF_DATA_OFF), CPU_HANDOFF_TRAMPOLINE_MAGIC);
}

/**
 * handoff_tramp_prepare_code() - lay out this kernel's code page
 *
 * The park loop, then INT3s to the end of the page, in scratch memory:
 * what build_code() writes, and what the header's code checksum, which
 * is part of the area's ABI, is of.
 *
 * Return: 0, or -E2BIG if the park loop does not fit in a page.
 */
int handoff_tramp_prepare_code(void)
{
	size_t len = cpu_handoff_park_code_end - cpu_handoff_park_code;

	BUILD_BUG_ON(CPU_HANDOFF_CODE_MC >= PAGE_SIZE);
	if (WARN_ON(len > PAGE_SIZE))
		return -E2BIG;
	memset(scratch_code, 0xcc, PAGE_SIZE);
	memcpy(scratch_code, cpu_handoff_park_code, len);
	handoff_tramp.code_crc = crc32_le(~0, scratch_code, PAGE_SIZE);
	return 0;
}

/*
 * The code page is written through a mapping that exists only here, so
 * that the kernel never has a writable mapping of it while it may be
 * executed.  Only the same bytes are ever written under a CPU that still
 * runs the loop (parked by the previous kernel, not brought up by this
 * one): handoff_tramp_build_area() leaves a different park loop alone.
 */
static int build_code(void)
{
	void *code;

	code = memremap(CPU_HANDOFF_AREA_PHYS + CPU_HANDOFF_CODE_OFF, PAGE_SIZE,
			MEMREMAP_WB | MEMREMAP_ENC);
	if (!code)
		return -ENOMEM;
	memcpy(code, scratch_code, PAGE_SIZE);
	memunmap(code);
	return 0;
}

/**
 * handoff_tramp_code_crc() - checksum of the park loop's code page
 *
 * Return: its CRC32, as the fixmap maps it.
 */
u32 handoff_tramp_code_crc(void)
{
	const void *code = (const void *)fix_to_virt(FIX_CPU_HANDOFF);

	return crc32_le(~0, code, PAGE_SIZE);
}

/**
 * handoff_tramp_crc() - checksum of what the park loop needs
 *
 * The code page, the header, GDT and IDT, and the page tables: a handoff
 * that finds them changed since they were built (an image of a kernel
 * without this option restored over them) does not park CPUs there.
 *
 * Return: the CRC32 of all of it.
 */
u32 handoff_tramp_crc(void)
{
	u32 crc = handoff_tramp_code_crc();

	crc = crc32_le(crc, handoff_tramp_ptr(CPU_HANDOFF_DATA_OFF), PAGE_SIZE);
	return crc32_le(crc, handoff_tramp_ptr(CPU_HANDOFF_PGT_OFF),
			CPU_HANDOFF_PGT_PAGES * PAGE_SIZE);
}

/**
 * handoff_tramp_build_loop() - write page tables, data and code into the area
 *
 * The code page as handoff_tramp_prepare_code() last laid it out.
 *
 * Return: 0, or a negative errno if the code page could not be written.
 */
int handoff_tramp_build_loop(void)
{
	build_tables();
	build_data();
	return build_code();
}
