/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of x86 CPU handoff parking share; each file says what it
 * does.  See Documentation/arch/x86/cpu-handoff.rst.
 */
#ifndef _X86_KERNEL_CPU_HANDOFF_H
#define _X86_KERNEL_CPU_HANDOFF_H

#include <linux/cpu_handoff.h>
#include <linux/cpufeature.h>
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/time64.h>
#include <linux/types.h>

#include <asm/msr.h>
#include <asm/tsc.h>

/**
 * struct handoff_method - one way of parking a CPU for a handoff
 * @name: as accepted by cpu_handoff=
 * @unusable: why the method cannot be used on this machine, or NULL
 * @avoid: why cpu_handoff=auto should not pick it here (it can still be
 *	asked for by name), or NULL
 * @refuse: why it cannot be used for this handoff (the handoff would
 *	overwrite what it parks CPUs in), or NULL; interrupts off
 * @select: called once at boot, before secondary CPUs come up, if the
 *	method was chosen
 * @prepare_cpu: runs on each held CPU, interrupts off, right before it is
 *	parked: leave VMX/SVM, which block INIT
 * @park_self: if set, a held and prepared CPU parks itself with it, and
 *	@park only waits until it is there; never returns
 * @park: parks @cpu, which is held and prepared or offline; runs on the
 *	controlling CPU with interrupts off; returns 0 or a negative errno
 * @resumed: this kernel is back from a handoff (hibernation resume,
 *	kexec jump return) and must check what it parks CPUs in; process
 *	context
 */
struct handoff_method {
	const char *name;
	const char *(*unusable)(void);
	const char *(*avoid)(void);
	const char *(*refuse)(enum cpu_handoff_reason reason);
	void (*select)(void);
	void (*prepare_cpu)(void);
	void (*park_self)(void);
	int (*park)(unsigned int cpu);
	void (*resumed)(void);
};

/* cpu_handoff_init.c */
extern const struct handoff_method handoff_init_method;
const char *handoff_init_unusable(void);
void handoff_leave_virt(void);

/* cpu_handoff_trampoline.c */
#ifdef CONFIG_X86_CPU_HANDOFF_TRAMPOLINE
extern const struct handoff_method handoff_trampoline_method;
#define HANDOFF_TRAMPOLINE_METHOD	(&handoff_trampoline_method)
void __init handoff_trampoline_setup(void);
#else
#define HANDOFF_TRAMPOLINE_METHOD	NULL
static inline void handoff_trampoline_setup(void) { }
#endif

/* cpu_handoff_policy.c */
extern const struct handoff_method *handoff_chosen;
extern char handoff_policy_why[160];
extern const char * const handoff_reason_names[];
const struct handoff_method *handoff_method_for(enum cpu_handoff_reason reason);

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

/* cpu_handoff.c */

/*
 * The CPU a hibernation image resumes on (the one it froze the others
 * from), and the boot CPU: the one CPU that must never be sent INIT.
 */
#define HANDOFF_PRIMARY_CPU	0

/* Where a CPU is, as far as the handoff goes. */
enum cpu_handoff_state {
	CPU_HANDOFF_NONE,	/* online, or offline in our own play_dead() */
	CPU_HANDOFF_HELD,	/* held, interrupts off; can still be released */
	CPU_HANDOFF_READY,	/* held and prepared (VMX/SVM off) */
	CPU_HANDOFF_PARKED,	/* runs nothing until the next kernel wakes it */
	CPU_HANDOFF_INHERITED,	/* offline here, parked by the kernel before */
	CPU_HANDOFF_SKIPPED,	/* never booted: left where firmware put it */
};

DECLARE_PER_CPU(enum cpu_handoff_state, handoff_state);

static inline void handoff_set_state(unsigned int cpu, enum cpu_handoff_state state)
{
	WRITE_ONCE(per_cpu(handoff_state, cpu), state);
}

static inline enum cpu_handoff_state handoff_get_state(unsigned int cpu)
{
	return READ_ONCE(per_cpu(handoff_state, cpu));
}

/* What the header of the image being restored says; unknown until read. */
enum handoff_image_kind { IMAGE_UNKNOWN, IMAGE_REPARKS_CPUS, IMAGE_LEAVES_CPUS };

/* What the last handoff did, for its log line (and the test bed's debugfs). */
struct handoff_stats {
	unsigned int handoffs;
	unsigned int held;
	unsigned int offline;
	unsigned int skipped;
	unsigned int reset;
	unsigned int failed;
	u64 hold_ns;
	u64 park_ns;
	u64 total_ns;
	unsigned int reparked;
	unsigned int repark_pending;
	u64 repark_ns;
};

extern struct handoff_stats handoff_stats;
extern enum handoff_image_kind handoff_image_kind;
extern bool handoff_parked_for_jump;

void handoff_report_fallback(enum cpu_handoff_reason reason,
			     const struct handoff_method *used);
u64 handoff_stats_begin_park(void);
int handoff_park_cpu(const struct handoff_method *m, enum cpu_handoff_reason reason,
		     unsigned int cpu);
const char *handoff_reset_note(unsigned int n);
const struct handoff_method *cpu_handoff_stop_method(void);

#endif /* _X86_KERNEL_CPU_HANDOFF_H */
