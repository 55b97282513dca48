/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the CPU handoff trampoline share: the reserved area
 * and its setup (cpu_handoff_tramp_area.c), the park loop built in it
 * (cpu_handoff_tramp_loop.c), the method that parks CPUs there
 * (cpu_handoff_trampoline.c), and taking CPUs back from it
 * (cpu_handoff_tramp_release.c).  The layout of the area is the ABI
 * between kernels, in asm/cpu_handoff_trampoline.h.
 */
#ifndef _X86_KERNEL_CPU_HANDOFF_TRAMP_H
#define _X86_KERNEL_CPU_HANDOFF_TRAMP_H

#include <linux/build_bug.h>
#include <linux/cpu_handoff.h>
#include <linux/cpufeature.h>
#include <linux/delay.h>
#include <linux/math64.h>
#include <linux/stddef.h>
#include <linux/time64.h>
#include <linux/types.h>

#include <asm/cpu_handoff_trampoline.h>
#include <asm/msr.h>
#include <asm/tsc.h>

/*
 * A bounded wait with interrupts off, bounded in time rather than in
 * steps: one step may take far longer than its udelay() (NMIs or SMIs in
 * between, a vCPU not running), and timekeeping may be suspended
 * (syscore), so the bound reads the TSC.  Without a usable TSC it counts
 * steps, which bounds the wait from below only.
 */
struct handoff_wait {
	u64 start;
	unsigned long steps;
	unsigned long timeout_us;
	bool tsc;
};

#define HANDOFF_WAIT_STEP_US	10

static inline void handoff_wait_start(struct handoff_wait *w, unsigned long us)
{
	w->tsc = boot_cpu_has(X86_FEATURE_TSC) && tsc_khz;
	w->start = w->tsc ? rdtsc() : 0;
	w->steps = 0;
	w->timeout_us = us;
}

static inline unsigned long handoff_wait_elapsed_us(const struct handoff_wait *w)
{
	if (w->tsc)
		return div_u64((rdtsc() - w->start) * USEC_PER_MSEC, tsc_khz);
	return w->steps * HANDOFF_WAIT_STEP_US;
}

/* Whether the time is up; if not, waits one step. */
static inline bool handoff_wait_over(struct handoff_wait *w)
{
	if (handoff_wait_elapsed_us(w) >= w->timeout_us)
		return true;
	udelay(HANDOFF_WAIT_STEP_US);
	w->steps++;
	return false;
}

/* A slot, as the park loop sees it. */
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

/**
 * struct handoff_tramp - the trampoline area, as this kernel has set it up
 * @area: the area but its code page, mapped read-write and non-executable
 * @park_cr3: the park loop's page tables, as loaded by the way in
 * @built_crc: what the park loop needs (code, data, tables), as built;
 *	checked before each handoff
 * @code_crc: this kernel's code page, as handoff_tramp_prepare_code()
 *	lays it out; in the header, for the next kernel to compare
 * @reserved: the area was taken out of use at boot
 * @ready: the area is mapped and built
 * @why: why the area cannot be used, if it cannot
 * @slotless: present CPUs that got no slot
 * @slot_of: each CPU's slot, or -1
 */
struct handoff_tramp {
	void *area;
	unsigned long park_cr3;
	u32 built_crc;
	u32 code_crc;
	bool reserved;
	bool ready;
	const char *why;
	unsigned int slotless;
	int slot_of[CPU_HANDOFF_NR_SLOTS];
};

extern struct handoff_tramp handoff_tramp;

static inline void *handoff_tramp_ptr(unsigned long off)
{
	return handoff_tramp.area + off;
}

static inline struct handoff_slot *handoff_tramp_slot(unsigned int n)
{
	return handoff_tramp_ptr(CPU_HANDOFF_SLOTS_OFF) + n * CPU_HANDOFF_SLOT_SIZE;
}

static inline bool handoff_tramp_header_valid(const void *data)
{
	return *(const u64 *)(data + CPU_HANDOFF_HDR_MAGIC) == CPU_HANDOFF_TRAMPOLINE_MAGIC &&
	       *(const u32 *)(data + CPU_HANDOFF_HDR_VERSION) == CPU_HANDOFF_TRAMPOLINE_VERSION &&
	       *(const u32 *)(data + CPU_HANDOFF_HDR_NR_SLOTS) == CPU_HANDOFF_NR_SLOTS;
}

/* cpu_handoff_tramp_area.c */
int handoff_tramp_build_area(bool inherit);
void handoff_tramp_code_page_exec(bool exec);

/* cpu_handoff_trampoline.c */
void handoff_tramp_forget_wait(unsigned int cpu);
void handoff_tramp_reset_offline(void);

/* What the core (cpu_handoff.c, cpu_handoff_hold.c) calls. */
#ifdef CONFIG_X86_CPU_HANDOFF_TRAMPOLINE
void handoff_trampoline_setup(void);
const char *handoff_tramp_unusable(void);
const char *handoff_tramp_refuse(enum cpu_handoff_reason reason);
void handoff_tramp_select(void);
int handoff_tramp_park(unsigned int cpu);
void handoff_tramp_park_self(void);
void handoff_tramp_resumed(void);
#else
static inline void handoff_trampoline_setup(void) { }
static inline const char *handoff_tramp_unusable(void) { return "not built in"; }
static inline const char *handoff_tramp_refuse(enum cpu_handoff_reason r) { return "not built in"; }
static inline void handoff_tramp_select(void) { }
static inline int handoff_tramp_park(unsigned int cpu) { return -EOPNOTSUPP; }
static inline void handoff_tramp_park_self(void) { }
static inline void handoff_tramp_resumed(void) { }
#endif

/* cpu_handoff_tramp_loop.c */
int handoff_tramp_prepare_code(void);
int handoff_tramp_build_loop(void);
u32 handoff_tramp_crc(void);
u32 handoff_tramp_code_crc(void);

#endif /* _X86_KERNEL_CPU_HANDOFF_TRAMP_H */
