/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CPU handoff trampoline's park loop, and the way into it.
 *
 * See Documentation/arch/x86/cpu-handoff.rst for the layout of the area
 * and the release protocol.
 */
#include <linux/linkage.h>
#include <asm/cpu_handoff_trampoline.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/page_types.h>
#include <asm/percpu.h>
#include <asm/processor-flags.h>
#include <asm/unwind_hints.h>

	.text
	.align PAGE_SIZE

/*
 * cpu_handoff_enter_trampoline() - leave this kernel for the park loop
 *
 * rdi: CR3 of the park loop's page tables, in the trampoline area
 * rsi: the park loop's entry, at its fixed virtual address
 * rdx: the top of this CPU's slot, the park loop's stack
 * rcx: non-zero to write back and invalidate the caches after the switch
 *      (SME: the caller's stack and this kernel's memory are not written
 *      after it; the park loop writes only the area)
 * r8:  the entry IDT's descriptor: only vector 2, cpu_handoff_entry_nmi
 * r9:  non-zero to send this CPU an NMI through it first; zero if the
 *      caller runs in an NMI handler, with NMIs blocked already
 *
 * From the CR3 write until the park loop has loaded its own GDT and IDT,
 * nothing the CPU could deliver an event through is mapped: the kernel's
 * IDT, GDT and stacks are not in the park loop's page tables.  An NMI
 * there would fault, double fault and shut the CPU down.  So the switch
 * runs with NMIs blocked: the CPU sends itself an NMI, takes it through
 * an IDT of its own whose only vector leads back here, and never returns
 * from it.  NMIs stay blocked until the park loop's IRET, with its own
 * tables loaded; an NMI arriving meanwhile waits until then.  The
 * kernel's exc_nmi() would not do: it returns at once on a CPU that is
 * offline, which every CPU taking this way is but the held ones.
 *
 * Left open: a machine check in the few instructions of the switch (the
 * entry IDT has no vector for it), as anywhere in a kernel while INIT
 * parks CPUs with CR4.MCE clear.  An SMI saves and restores the state
 * without using any of it.
 *
 * This page is the only page of the kernel that the park loop's page
 * tables map, and only so that the instructions after the CR3 write can
 * be fetched; the park loop never comes back to it.
 *
 * It clears CR4 bits that CR4 pinning protects (CET) with a raw write,
 * so it must not be a gadget: it is code, not a function, and has no
 * ENDBR, so under IBT no indirect branch can land on it; the only way in
 * is trampoline_enter()'s direct call, which never returns.  Neither has
 * cpu_handoff_entry_nmi, which only the entry IDT leads to, once CET is
 * off.
 */
SYM_CODE_START(cpu_handoff_enter_trampoline)
	UNWIND_HINT_FUNC
	ANNOTATE_NOENDBR
	cli
	/*
	 * Hardware breakpoints off first (DR7 as after reset): they point into
	 * this kernel, no IDT from the LIDT below on has a vector for #DB,
	 * and the release word hands the CPU to the next kernel without the
	 * reset INIT would do.
	 */
	movl	$0x400, %eax
	movq	%rax, %dr7
	/*
	 * The arguments where cpu_handoff_entry_nmi finds them, in this CPU's
	 * memory: the NMI may arrive inside cpu_handoff_self_nmi() or its
	 * callees, when no register is sure to hold what it held here.
	 */
	movq	%rdi, PER_CPU_VAR(cpu_handoff_enter_args + CPU_HANDOFF_ARG_CR3)
	movq	%rsi, PER_CPU_VAR(cpu_handoff_enter_args + CPU_HANDOFF_ARG_ENTRY)
	movq	%rdx, PER_CPU_VAR(cpu_handoff_enter_args + CPU_HANDOFF_ARG_STACK)
	movq	%rcx, PER_CPU_VAR(cpu_handoff_enter_args + CPU_HANDOFF_ARG_WBINVD)
	/*
	 * Before the entry IDT can apply, while an NMI still goes to this
	 * kernel's handler, which works without them:
	 * Kernel IBT off: the entry IDT's vector, the park loop and the next
	 * kernel's 64-bit entry the release word may jump to have no ENDBR,
	 * and event delivery through an IDT is an indirect branch.
	 * Global entries off: the CR3 write then flushes them all, including
	 * this kernel's non-executable fixmap entry for the code page.
	 * LASS off: the release word jumps to the next kernel's 64-bit entry
	 * at its low, identity-mapped address, which LASS forbids a
	 * supervisor fetch from.
	 */
	movq	%cr4, %rax
	andq	$~(X86_CR4_PGE | X86_CR4_CET | X86_CR4_LASS), %rax
	movq	%rax, %cr4
	/*
	 * Then the entry IDT, and FRED off in the next write: with CR4.FRED
	 * set, events are delivered through IA32_FRED_CONFIG to this
	 * kernel's entry code (IDTR is ignored), without it through the IDT,
	 * which FRED kernels leave empty.  So no instruction runs with an
	 * IDT that does not apply.  FRED is bit 32, out of reach of a
	 * sign-extended 32-bit immediate.
	 */
	lidt	(%r8)
	movq	%cr4, %rax
	btrq	$X86_CR4_FRED_BIT, %rax
	movq	%rax, %cr4
	testq	%r9, %r9
	jz	cpu_handoff_entry_nmi
	call	cpu_handoff_self_nmi
	/*
	 * The NMI ends this loop on the instruction boundary it arrives at.
	 * Should it never come, go on without (the old way in) rather than
	 * keep the CPU out of the park loop for good.
	 */
	movl	$CPU_HANDOFF_ENTRY_NMI_SPINS, %eax
1:	pause
	decl	%eax
	jnz	1b
SYM_INNER_LABEL(cpu_handoff_entry_nmi, SYM_L_GLOBAL)
	/*
	 * Vector 2 of the entry IDT: NMIs are blocked until the park loop's
	 * IRET.  The NMI's frame stays on this kernel's stack, forgotten (the
	 * unwind data here describe the way from above: nothing unwinds a
	 * CPU that takes no interrupt, NMI or exception from here on).
	 */
	ANNOTATE_NOENDBR
	movq	PER_CPU_VAR(cpu_handoff_enter_args + CPU_HANDOFF_ARG_CR3), %rdi
	movq	PER_CPU_VAR(cpu_handoff_enter_args + CPU_HANDOFF_ARG_ENTRY), %rsi
	movq	PER_CPU_VAR(cpu_handoff_enter_args + CPU_HANDOFF_ARG_STACK), %rdx
	movq	PER_CPU_VAR(cpu_handoff_enter_args + CPU_HANDOFF_ARG_WBINVD), %rcx
	movq	%rdi, %cr3
	/*
	 * PCIDs off, now that CR3's PCID is 0: the release word may lead
	 * into a next kernel's 64-bit entry that switches between 4- and
	 * 5-level paging through 32-bit mode, and clearing CR0.PG with
	 * CR4.PCIDE set faults.
	 */
	movq	%cr4, %rax
	andq	$~X86_CR4_PCIDE, %rax
	movq	%rax, %cr4
	testb	%cl, %cl
	jz	2f
	wbinvd
2:
	ANNOTATE_RETPOLINE_SAFE
	jmp	*%rsi
SYM_CODE_END(cpu_handoff_enter_trampoline)

/*
 * The park loop, copied to the code page of the area at boot.  Position
 * independent; it touches only the area.  Entered with interrupts off,
 * on the park loop's page tables, with RSP at the top of the CPU's slot.
 *
 * The slot is found from RSP: slots are aligned to their size, and the
 * loop, its NMI handler and its exception handlers keep RSP inside it.
 *
 * The loop itself only halts.  Everything happens in the handlers: the
 * NMI handler counts the NMI and, if the release word is set, leaves for
 * the next kernel from there, with NMIs still blocked; the #MC handler
 * counts it, clears MCG_STATUS and goes back to the loop; any other
 * exception (a fault of the loop itself) is counted and goes back too.
 * Going back is an IRET on a fresh stack, so NMIs are never left blocked
 * by an event that did not return the way it came.
 */
#define SLOT_BASE(reg)	leaq -1(%rsp), reg; andq $-CPU_HANDOFF_SLOT_SIZE, reg
#define DATA(off)	((off) - (CPU_HANDOFF_CODE_OFF - CPU_HANDOFF_DATA_OFF))

	.section .rodata, "a"
	.balign PAGE_SIZE
SYM_DATA_START(cpu_handoff_park_code)
	/* CPU_HANDOFF_CODE_ENTRY: rdx = stack top */
.Lentry:
	movq	%rdx, %rsp
	lgdt	.Lentry + DATA(CPU_HANDOFF_HDR_GDT_PTR)(%rip)
	lidt	.Lentry + DATA(CPU_HANDOFF_HDR_IDT_PTR)(%rip)
	pushq	$CPU_HANDOFF_CS
	leaq	.Lreloaded(%rip), %rax
	pushq	%rax
	lretq
.Lreloaded:
	/* A null SS is fine at CPL 0 in 64-bit mode, and survives IRET. */
	xorl	%eax, %eax
	movl	%eax, %ss
	movl	%eax, %ds
	movl	%eax, %es
	/*
	 * An IRET to the next instruction: a CPU that came here from an NMI
	 * handler (the way in, or the kexec stop's NMI fallback) has NMIs
	 * blocked until its next IRET, and the release word's NMI could never
	 * reach it.  RFLAGS keeps IF clear.
	 */
	movq	%rsp, %rax
	pushq	$0
	pushq	%rax
	pushfq
	pushq	$CPU_HANDOFF_CS
	leaq	.Lunblocked(%rip), %rax
	pushq	%rax
	iretq
.Lunblocked:
	SLOT_BASE(%rbx)
	movl	$CPU_HANDOFF_SLOT_PARKED, CPU_HANDOFF_SLOT_STATE(%rbx)
.Lloop:
	cli
	hlt
	jmp	.Lloop

	/*
	 * Back to the loop, from a handler that will not return the way it
	 * came; rax = the slot.  IRET, so that NMIs are unblocked, on a fresh
	 * stack, with IF clear.
	 */
.Lback_to_loop:
	leaq	CPU_HANDOFF_SLOT_SIZE(%rax), %rsp
	movq	%rsp, %rcx
	pushq	$0
	pushq	%rcx
	pushq	$X86_EFLAGS_FIXED
	pushq	$CPU_HANDOFF_CS
	leaq	.Lloop(%rip), %rcx
	pushq	%rcx
	iretq

	/*
	 * The release word is set; rax = the slot; NMIs blocked.  Only a CPU
	 * in the loop gets here: the word is written for PARKED slots only,
	 * and cleared before a CPU is sent into the loop again.  Claim the
	 * release: the waker may have withdrawn it (FREE).  From the CR3
	 * write until the next kernel's LIDT, IDTR points at addresses that
	 * the next kernel's page tables map to something else (its fixmap),
	 * so NMIs stay blocked across the jump, until the next kernel's
	 * first IRET, as after the way in.
	 */
.Lrelease:
	movq	%rax, %rbx
	movl	$CPU_HANDOFF_SLOT_PARKED, %eax
	movl	$CPU_HANDOFF_SLOT_TAKEN, %ecx
	lock cmpxchgl %ecx, CPU_HANDOFF_SLOT_STATE(%rbx)
	movq	%rbx, %rax
	jnz	.Lback_to_loop
	/*
	 * The next kernel maps this page executable at the same address
	 * while it releases CPUs, so the jump is fetched after the switch.
	 */
	movq	CPU_HANDOFF_SLOT_RELEASE_RIP(%rbx), %rsi
	movq	CPU_HANDOFF_SLOT_RELEASE_CR3(%rbx), %rcx
	movq	%rcx, %cr3
	jmp	*%rsi

	.skip	CPU_HANDOFF_CODE_NMI - (. - .Lentry), 0xcc
	/*
	 * CPU_HANDOFF_CODE_NMI: count it; leave if released, else back to
	 * where it came from by IRET (the loop, or the entry before PARKED).
	 */
	pushq	%rax
	movq	%rsp, %rax
	andq	$-CPU_HANDOFF_SLOT_SIZE, %rax
	incq	CPU_HANDOFF_SLOT_NMIS(%rax)
	cmpq	$0, CPU_HANDOFF_SLOT_RELEASE_RIP(%rax)
	jnz	.Lrelease
	popq	%rax
	iretq

	.skip	CPU_HANDOFF_CODE_EXCEPTION - (. - .Lentry), 0xcc
	/*
	 * CPU_HANDOFF_CODE_EXCEPTION: any vector but NMI and #MC (a fault of
	 * the loop itself), with or without an error code: count it and go
	 * back to the loop.
	 */
	movq	%rsp, %rax
	andq	$-CPU_HANDOFF_SLOT_SIZE, %rax
	incq	CPU_HANDOFF_SLOT_EXCEPTIONS(%rax)
	jmp	.Lback_to_loop

	.skip	CPU_HANDOFF_CODE_MC - (. - .Lentry), 0xcc
	/*
	 * CPU_HANDOFF_CODE_MC: a machine check, broadcast to every CPU or
	 * not.  Clear MCG_STATUS, MCIP above all: a second machine check
	 * while MCIP is set shuts the CPU down.  The banks are left for the
	 * kernel that takes the CPU back to log.  Then back to the loop, by
	 * IRET: a machine check taken in the NMI handler would otherwise
	 * leave NMIs blocked for good, and the release word unheard.
	 */
	movq	%rsp, %rax
	andq	$-CPU_HANDOFF_SLOT_SIZE, %rax
	incq	CPU_HANDOFF_SLOT_EXCEPTIONS(%rax)
	movq	%rax, %rbx
	movl	$MSR_IA32_MCG_STATUS, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	wrmsr
	movq	%rbx, %rax
	jmp	.Lback_to_loop
SYM_DATA_END_LABEL(cpu_handoff_park_code, SYM_L_GLOBAL, cpu_handoff_park_code_end)
