/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 CPU handoff trampoline: a self-contained park loop at a fixed
 * address that every kernel with CONFIG_X86_CPU_HANDOFF agrees on.
 *
 * Everything in this file is ABI between kernels: a kernel parks CPUs in
 * the area and another kernel (the hibernation image kernel, the kexec'd
 * kernel) takes them back.  Change it only by bumping
 * CPU_HANDOFF_TRAMPOLINE_VERSION; see Documentation/arch/x86/cpu-handoff.rst.
 */
#ifndef _ASM_X86_CPU_HANDOFF_TRAMPOLINE_H
#define _ASM_X86_CPU_HANDOFF_TRAMPOLINE_H

#include <linux/const.h>

/*
 * The area: a fixed range of physical memory, taken out of the memory map
 * (and so out of hibernation images and of kexec's memory map) at boot.
 */
#define CPU_HANDOFF_AREA_PHYS		0x00e00000
#define CPU_HANDOFF_AREA_SIZE		0x00020000

/* Offsets into the area. */
#define CPU_HANDOFF_SLOTS_OFF		0x00000	/* per-CPU slots */
#define CPU_HANDOFF_PGT_OFF		0x10000	/* the park loop's page tables */
#define CPU_HANDOFF_DATA_OFF		0x1e000	/* header, GDT, IDT */
#define CPU_HANDOFF_CODE_OFF		0x1f000	/* the park loop */

/*
 * The code page is mapped at this virtual address in the park loop's page
 * tables and in every such kernel's fixmap (FIX_CPU_HANDOFF), right below
 * the vsyscall page: the same in every kernel, whatever KASLR chose.
 * The rest of the area is mapped below it, at the same offsets.
 */
/* VSYSCALL_ADDR - 4 KiB; checked at build time */
#define CPU_HANDOFF_TRAMPOLINE_VADDR	((_AC(-10, UL) << 20) - 0x1000)
#define CPU_HANDOFF_AREA_VADDR		(CPU_HANDOFF_TRAMPOLINE_VADDR - CPU_HANDOFF_CODE_OFF)

/* Page-table pages, at CPU_HANDOFF_PGT_OFF + n * 4096. */
#define CPU_HANDOFF_PGT_P4D		0	/* 5-level paging only */
#define CPU_HANDOFF_PGT_PGD		1
#define CPU_HANDOFF_PGT_PUD		2
#define CPU_HANDOFF_PGT_PMD_AREA	3
#define CPU_HANDOFF_PGT_PTE_AREA	4
#define CPU_HANDOFF_PGT_PMD_ENTRY	5
#define CPU_HANDOFF_PGT_PTE_ENTRY	6
#define CPU_HANDOFF_PGT_PAGES		8

/* The header at the start of the data page. */
#define CPU_HANDOFF_TRAMPOLINE_MAGIC	0x3146464f444e4843 /* "CHNDOFF1" */
#define CPU_HANDOFF_TRAMPOLINE_VERSION	2
#define CPU_HANDOFF_HDR_MAGIC		0x00	/* u64 */
#define CPU_HANDOFF_HDR_VERSION		0x08	/* u32 */
#define CPU_HANDOFF_HDR_NR_SLOTS	0x0c	/* u32 */
#define CPU_HANDOFF_HDR_GDT_PTR		0x10	/* 10-byte descriptor for LGDT */
#define CPU_HANDOFF_HDR_IDT_PTR		0x20	/* 10-byte descriptor for LIDT */
#define CPU_HANDOFF_HDR_CODE_CRC	0x30	/* u32: CRC32 of the code page */
#define CPU_HANDOFF_GDT_OFF		0x100	/* within the data page */
#define CPU_HANDOFF_IDT_OFF		0x200
#define CPU_HANDOFF_IDT_ENTRIES		32	/* above: #GP, handled */
#define CPU_HANDOFF_CS			0x08

/*
 * A slot per parked CPU: its state, its release word, counters, and the
 * stack its NMIs and exceptions are taken on.  Aligned to its size, so
 * the park loop finds its slot from its stack pointer.
 */
#define CPU_HANDOFF_SLOT_SIZE		128
#define CPU_HANDOFF_NR_SLOTS		512
#define CPU_HANDOFF_SLOT_STATE		0x00	/* u32, below */
#define CPU_HANDOFF_SLOT_APICID		0x04	/* u32 */
#define CPU_HANDOFF_SLOT_RELEASE_RIP	0x08	/* u64: the release word */
#define CPU_HANDOFF_SLOT_RELEASE_CR3	0x10	/* u64 */
#define CPU_HANDOFF_SLOT_NMIS		0x18	/* u64: NMIs taken while parked */
#define CPU_HANDOFF_SLOT_EXCEPTIONS	0x20	/* u64: other events taken */

#define CPU_HANDOFF_SLOT_FREE		0
#define CPU_HANDOFF_SLOT_PARKED		1	/* in the park loop */
#define CPU_HANDOFF_SLOT_TAKEN		2	/* left through the release word */

/* Entry points, as offsets into the code page. */
#define CPU_HANDOFF_CODE_ENTRY		0x000
#define CPU_HANDOFF_CODE_NMI		0x100
#define CPU_HANDOFF_CODE_EXCEPTION	0x180
#define CPU_HANDOFF_CODE_MC		0x1c0

/*
 * Not ABI: how long the way in waits for its own NMI (PAUSEs) before it
 * goes on without; a fraction of a second, where it takes microseconds.
 */
#define CPU_HANDOFF_ENTRY_NMI_SPINS	0x400000

/*
 * Not ABI: where the way in keeps its arguments for cpu_handoff_entry_nmi,
 * as offsets into this CPU's struct cpu_handoff_enter_args.
 */
#define CPU_HANDOFF_ARG_CR3		0
#define CPU_HANDOFF_ARG_ENTRY		8
#define CPU_HANDOFF_ARG_STACK		16
#define CPU_HANDOFF_ARG_WBINVD		24

#ifndef __ASSEMBLER__
#include <linux/errno.h>
#include <linux/init.h>
#include <linux/percpu-defs.h>
#include <linux/types.h>

struct cpu_handoff_enter_args {
	u64 cr3;
	u64 entry;
	u64 stack;
	u64 wbinvd;
};
DECLARE_PER_CPU(struct cpu_handoff_enter_args, cpu_handoff_enter_args);

struct desc_ptr;
void cpu_handoff_enter_trampoline(unsigned long cr3, unsigned long entry,
				  unsigned long stack, bool wbinvd,
				  const struct desc_ptr *entry_idt, bool self_nmi);
void cpu_handoff_self_nmi(void);
extern const u8 cpu_handoff_entry_nmi[];
extern const u8 cpu_handoff_park_code[], cpu_handoff_park_code_end[];

#ifdef CONFIG_X86_CPU_HANDOFF_TRAMPOLINE
void __init cpu_handoff_reserve_area(void);
int cpu_handoff_release_cpu(unsigned int cpu, u32 apicid, unsigned long start_ip);
void cpu_handoff_release_done(unsigned int cpu);
#else
static inline void cpu_handoff_reserve_area(void) { }
static inline int cpu_handoff_release_cpu(unsigned int cpu, u32 apicid,
					  unsigned long start_ip)
{
	return -ENOENT;
}

static inline void cpu_handoff_release_done(unsigned int cpu) { }
#endif
#endif /* __ASSEMBLER__ */

#endif /* _ASM_X86_CPU_HANDOFF_TRAMPOLINE_H */
